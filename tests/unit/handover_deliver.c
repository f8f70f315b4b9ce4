/* test_handover suite "deliver" (one entry in test_handover.c's table; its parts run in order) of
 * handover/deliver.h: spool (append/read/confirm across reopen, CRC32C), spool_torn, spool_full,
 * spool_corrupt, seqno (persistence, crash before the seq file), link (in-process LEMF: delivery,
 * keep-alive confirmation, drop and resume, refused connection and jittered back-off, keep-alive
 * timeout, drain); and suite link_errors: a spool error on a link (damaged record, failed
 * confirmation), keep-alives counted once written. */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "common/clock.h"
#include "common/err.h"
#include "handover/deliver.h"
#include "handover/handover.h"
#include "handover/seqtab.h"
#include "tests/unit/check.h"

/* tests/unit/test_handover.c */
#define BV_INDEF 1u
#define BV_LONG  2u
#define BV_SPLIT 4u
size_t t_ber_variant(const uint8_t *der, size_t n, unsigned mode, uint8_t *out, size_t cap);

void t_ho_deliver(void);
void t_ho_link_errors(void);

static char *mkdir_tmp(void)
{
	char tmpl[] = "/tmp/limf-spool-XXXXXX";
	char *d = mkdtemp(tmpl);
	if (!d)
		abort();
	return strdup(d);
}

static void rm_rf(const char *d)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", d);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", d);
}

static void hdr_init(struct ho_psheader *h, const char *liid, uint32_t cin)
{
	memset(h, 0, sizeof *h);
	h->version = HO_PS_VERSION_DEFAULT;
	snprintf(h->liid, sizeof h->liid, "%s", liid);
	memcpy(h->op_id, "op", 3);
	h->cin = cin;
	h->ts_sec = 1700000000;
}

/* Appends an IRI PDU whose SIP text carries i. */
static enum lim_err put_iri(struct ho_spool *s, const char *liid, uint32_t cin, unsigned i)
{
	struct ho_psheader h;
	struct ho_iri_sip iri;
	char sip[64];
	hdr_init(&h, liid, cin);
	memset(&iri, 0, sizeof iri);
	iri.type = HO_IRI_REPORT;
	iri.src.family = iri.dst.family = 4;
	iri.sip = (const uint8_t *)sip;
	iri.sip_len = (size_t)snprintf(sip, sizeof sip, "MESSAGE %u", i);
	return ho_spool_put_iri(s, &h, &iri);
}

static enum lim_err put_cc(struct ho_spool *s, const char *liid, uint32_t cin, size_t n)
{
	struct ho_psheader h;
	struct ho_cc_rtp cc;
	uint8_t rtp[2048];
	hdr_init(&h, liid, cin);
	memset(&cc, 0, sizeof cc);
	memset(rtp, 0x80, sizeof rtp);
	cc.rtp = rtp;
	cc.rtp_len = n;
	return ho_spool_put_cc(s, &h, &cc);
}

/* Record idx decodes as the IRI "MESSAGE i" with sequence number seq. */
static bool rec_is(struct ho_spool *s, uint64_t idx, unsigned i, uint32_t seq)
{
	uint8_t buf[HO_PDU_MAX];
	size_t n;
	struct ho_pdu p;
	char want[64];
	int wl = snprintf(want, sizeof want, "MESSAGE %u", i);
	if (ho_spool_read(s, idx, buf, sizeof buf, &n) != LIM_OK)
		return false;
	if (ho_decode_pdu(buf, n, &p) != LIM_OK || p.kind != HO_PAYLOAD_IRI_SIP)
		return false;
	return p.hdr.seqno == seq && p.iri.sip_len == (size_t)wl &&
	       !memcmp(p.iri.sip, want, p.iri.sip_len);
}

static struct ho_spool *open_sp(const char *dir, uint64_t max, uint64_t seg)
{
	struct ho_spool_cfg c = { .dir = dir, .max_bytes = max, .segment_bytes = seg };
	struct ho_spool *s = NULL;
	enum lim_err e = ho_spool_open(&c, &s);
	CHECK(e == LIM_OK);
	if (!s) {
		fprintf(stderr, "ho_spool_open(%s): %s\n", dir, lim_strerror(e));
		exit(1);
	}
	return s;
}

static size_t count_segs(const char *dir)
{
	char cmd[512];
	FILE *f;
	int n = -1;
	snprintf(cmd, sizeof cmd, "ls '%s' | grep -c '^seg-'", dir);
	f = popen(cmd, "r");
	if (!f || fscanf(f, "%d", &n) != 1)
		n = -1;
	if (f)
		pclose(f);
	return (size_t)n;
}

static void last_seg_path(const char *dir, char *out, size_t cap)
{
	char cmd[512];
	FILE *f;
	snprintf(cmd, sizeof cmd, "ls -d '%s'/seg-* | sort | tail -1", dir);
	f = popen(cmd, "r");
	out[0] = '\0';
	if (f && fgets(out, (int)cap, f))
		out[strcspn(out, "\n")] = '\0';
	if (f)
		pclose(f);
}

static void t_ho_spool(void)
{
	char *d = mkdir_tmp();
	struct ho_spool *s;
	struct ho_spool_stats st;
	uint8_t buf[HO_PDU_MAX];
	size_t n;
	/* CRC32C check value (RFC 3720 B.4 / the Castagnoli "123456789" check) */
	CHECK(ho_crc32c(0, "123456789", 9) == 0xe3069283u);
	CHECK(ho_crc32c(ho_crc32c(0, "1234", 4), "56789", 5) == 0xe3069283u);

	s = open_sp(d, 1u << 20, 4096);
	for (unsigned i = 0; i < 200; i++)
		CHECK(put_iri(s, "L1", 1, i) == LIM_OK);
	/* not yet synced: not readable */
	CHECK(ho_spool_read(s, 0, buf, sizeof buf, &n) == LIM_E_ARG);
	CHECK(ho_spool_sync(s) == LIM_OK);
	CHECK(rec_is(s, 0, 0, 0));
	CHECK(rec_is(s, 1, 1, 1));
	CHECK(rec_is(s, 150, 150, 150)); /* random access */
	CHECK(rec_is(s, 2, 2, 2));
	CHECK(ho_spool_read(s, 200, buf, sizeof buf, &n) == LIM_E_ARG);
	CHECK(ho_spool_read(s, 0, buf, 10, &n) == LIM_E_LIMIT);
	CHECK(count_segs(d) > 3); /* 4096-byte segments rotate */
	CHECK(ho_spool_confirm(s, 120) == LIM_OK);
	CHECK(ho_spool_confirm(s, 100) == LIM_E_ARG); /* never backwards */
	CHECK(ho_spool_confirm(s, 201) == LIM_E_ARG); /* never past synced */
	CHECK(ho_spool_read(s, 119, buf, sizeof buf, &n) == LIM_E_ARG);
	CHECK(rec_is(s, 120, 120, 120));
	ho_spool_get_stats(s, &st);
	CHECK(st.head == 200 && st.confirmed == 120 && st.synced == 200 && st.appended == 200);
	ho_spool_free(s);

	/* reopen: the confirmed position and the records survive, appends continue */
	s = open_sp(d, 1u << 20, 4096);
	ho_spool_get_stats(s, &st);
	CHECK(st.head == 200 && st.confirmed == 120 && st.torn_bytes == 0);
	CHECK(ho_spool_read(s, 119, buf, sizeof buf, &n) == LIM_E_ARG);
	for (uint64_t i = 120; i < 200; i++)
		CHECK(rec_is(s, i, (unsigned)i, (uint32_t)i));
	CHECK(put_iri(s, "L1", 1, 200) == LIM_OK);
	CHECK(ho_spool_sync(s) == LIM_OK);
	CHECK(rec_is(s, 200, 200, 200));
	CHECK(ho_spool_confirm(s, 201) == LIM_OK);
	ho_spool_free(s);
	s = open_sp(d, 1u << 20, 4096);
	ho_spool_get_stats(s, &st);
	CHECK(st.head == 201 && st.confirmed == 201);
	CHECK(count_segs(d) == 1); /* every finished segment deleted */
	/* non-data PDUs and out-of-order sequence numbers are refused */
	{
		struct ho_psheader h;
		hdr_init(&h, "L1", 1);
		CHECK(ho_encode_keepalive(&h, buf, sizeof buf, &n) == LIM_OK);
		CHECK(ho_spool_append(s, buf, n) == LIM_E_ARG);
		h.seqno = 5; /* next is 201 */
		{
			struct ho_iri_sip iri = { .type = HO_IRI_BEGIN,
						  .sip = (const uint8_t *)"x",
						  .sip_len = 1 };
			iri.src.family = iri.dst.family = 4;
			CHECK(ho_encode_iri_sip(&h, &iri, buf, sizeof buf, &n) == LIM_OK);
			CHECK(ho_spool_append(s, buf, n) == LIM_E_ARG);
			h.seqno = 201;
			CHECK(ho_encode_iri_sip(&h, &iri, buf, sizeof buf, &n) == LIM_OK);
			CHECK(ho_spool_append(s, buf, n) == LIM_OK);
		}
		CHECK(ho_spool_append(s, (const uint8_t *)"\x30\x00", 2) == LIM_E_ARG);
	}
	ho_spool_free(s);
	rm_rf(d);
	free(d);
}

static void t_ho_spool_torn(void)
{
	char *d = mkdir_tmp(), seg[600];
	struct ho_spool *s;
	struct ho_spool_stats st;
	struct stat sb;
	s = open_sp(d, 1u << 20, 1u << 20);
	for (unsigned i = 0; i < 10; i++)
		CHECK(put_iri(s, "L1", 1, i) == LIM_OK);
	ho_spool_free(s);
	last_seg_path(d, seg, sizeof seg);
	CHECK(stat(seg, &sb) == 0);
	/* a torn last record: cut 5 bytes off the end */
	CHECK(truncate(seg, sb.st_size - 5) == 0);
	s = open_sp(d, 1u << 20, 1u << 20);
	ho_spool_get_stats(s, &st);
	CHECK(st.head == 9 && st.torn_bytes > 0);
	CHECK(rec_is(s, 8, 8, 8));
	/* here the torn record was covered by the seq file (written at close, after a sync): its
	 * number is not reused (a gap); after a real crash the tail is unsynced, so never sent */
	CHECK(ho_spool_next_seq(s, "L1", 1, false) == 10);
	CHECK(put_iri(s, "L1", 1, 9) == LIM_OK);
	ho_spool_free(s);
	s = open_sp(d, 1u << 20, 1u << 20);
	CHECK(rec_is(s, 9, 9, 10));
	ho_spool_free(s);
	/* a crash before the seq file: the counter follows the surviving records */
	{
		char p[600];
		snprintf(p, sizeof p, "%s/seq", d);
		CHECK(unlink(p) == 0);
		CHECK(stat(seg, &sb) == 0);
		CHECK(truncate(seg, sb.st_size - 1) == 0);
	}
	s = open_sp(d, 1u << 20, 1u << 20);
	ho_spool_get_stats(s, &st);
	CHECK(st.head == 9 && st.torn_bytes > 0);
	CHECK(ho_spool_next_seq(s, "L1", 1, false) == 9);
	CHECK(put_iri(s, "L1", 1, 9) == LIM_OK);
	ho_spool_free(s);
	/* garbage appended after the last record (a header-only tear) */
	{
		FILE *f = fopen(seg, "ab");
		CHECK(f && fwrite("\x00\x00\x01\x00\xde\xad", 1, 6, f) == 6);
		if (f)
			fclose(f);
	}
	{
		/* the cut is said on stderr, not only counted: the file, the octets, the offset */
		char p[600], line[1024] = "";
		int saved, fd;
		FILE *f;
		snprintf(p, sizeof p, "%s.err", d);
		fflush(stderr);
		saved = dup(2);
		fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		CHECK(saved >= 0 && fd >= 0 && dup2(fd, 2) == 2);
		if (fd >= 0)
			close(fd);
		s = open_sp(d, 1u << 20, 1u << 20);
		fflush(stderr);
		CHECK(saved >= 0 && dup2(saved, 2) == 2);
		if (saved >= 0)
			close(saved);
		f = fopen(p, "r");
		CHECK(f && fgets(line, sizeof line, f));
		if (f)
			fclose(f);
		unlink(p);
		CHECK(strstr(line, "warning: spool ") &&
		      strstr(line, ".spool: 6 octets at the end") &&
		      strstr(line, "not handed over"));
	}
	ho_spool_get_stats(s, &st);
	CHECK(st.head == 10 && st.torn_bytes == 6);
	CHECK(rec_is(s, 9, 9, 9));
	CHECK(rec_is(s, 8, 8, 8));
	ho_spool_free(s);
	CHECK(stat(seg, &sb) == 0);
	s = open_sp(d, 1u << 20, 1u << 20);
	ho_spool_get_stats(s, &st);
	CHECK(st.head == 10 && st.torn_bytes == 0); /* the truncation was durable */
	ho_spool_free(s);
	/* a segment torn inside its header (created, crash before the header reached the disk):
	 * rewritten empty, appends go on in it */
	{
		char p[600];
		int fd;
		snprintf(p, sizeof p, "%s/seg-%016x.spool", d, 10u);
		fd = open(p, O_CREAT | O_WRONLY, 0600);
		CHECK(fd >= 0 && write(fd, "LIMF", 4) == 4);
		close(fd);
		s = open_sp(d, 1u << 20, 1u << 20);
		ho_spool_get_stats(s, &st);
		CHECK(st.head == 10 && st.torn_bytes == 4);
		CHECK(put_iri(s, "L1", 1, 10) == LIM_OK);
		ho_spool_free(s);
		s = open_sp(d, 1u << 20, 1u << 20);
		ho_spool_get_stats(s, &st);
		CHECK(st.head == 11 && st.torn_bytes == 0);
		CHECK(rec_is(s, 10, 10, 10));
		ho_spool_free(s);
	}
	rm_rf(d);
	free(d);
}

/* ho_spool_set_max_bytes (a SIGHUP's new spool_max_mb, the spool kept open): a full spool
 * takes appends again under a larger bound, and refuses them again under a smaller one */
static void t_ho_spool_set_max(void)
{
	char *d = mkdir_tmp();
	struct ho_spool *s = open_sp(d, 64 * 1024, 8 * 1024);
	struct ho_spool_stats st;
	unsigned ok = 0;
	while (put_cc(s, "M1", 3, 1000) == LIM_OK)
		ok++;
	CHECK(ok >= 50 && ok <= 64);
	CHECK(ho_spool_set_max_bytes(s, 10) == LIM_E_ARG); /* too small: as at open */
	CHECK(put_cc(s, "M1", 3, 1000) == LIM_E_LIMIT);    /* the bound is unchanged */
	CHECK(ho_spool_set_max_bytes(s, 1024 * 1024) == LIM_OK);
	CHECK(put_cc(s, "M1", 3, 1000) == LIM_OK);
	ho_spool_get_stats(s, &st);
	CHECK(st.head == ok + 1 && st.refused == 2);
	CHECK(ho_spool_set_max_bytes(s, 32 * 1024) == LIM_OK); /* below what is spooled */
	CHECK(put_cc(s, "M1", 3, 1000) == LIM_E_LIMIT);
	ho_spool_free(s);
	rm_rf(d);
	free(d);
}

static void t_ho_spool_full(void)
{
	char *d = mkdir_tmp();
	struct ho_spool *s;
	struct ho_spool_stats st;
	unsigned ok = 0;
	enum lim_err e = LIM_OK;
	s = open_sp(d, 64 * 1024, 8 * 1024);
	while ((e = put_cc(s, "L2", 9, 1000)) == LIM_OK)
		ok++;
	CHECK(e == LIM_E_LIMIT);
	CHECK(ok >= 50 && ok <= 64);
	ho_spool_get_stats(s, &st);
	CHECK(st.alarm && st.refused == 1 && st.head == ok && st.bytes <= 64 * 1024);
	CHECK(put_cc(s, "L2", 9, 1000) == LIM_E_LIMIT);
	ho_spool_get_stats(s, &st);
	CHECK(st.refused == 2);
	/* each refused PDU used up its sequence number: the authority sees the loss as a gap,
	 * and the numbers stay those of the bundle's hi3.pdu (which counts every record); the
	 * IRI stream of the call is untouched */
	CHECK(ho_spool_next_seq(s, "L2", 9, true) == ok + 2);
	CHECK(ho_spool_next_seq(s, "L2", 9, false) == 0);
	ho_spool_clear_alarm(s);
	ho_spool_get_stats(s, &st);
	CHECK(!st.alarm);
	/* confirming frees whole segments: appends succeed again */
	CHECK(ho_spool_sync(s) == LIM_OK);
	CHECK(ho_spool_confirm(s, ok) == LIM_OK);
	ho_spool_get_stats(s, &st);
	CHECK(st.bytes < 16 * 1024);
	CHECK(put_cc(s, "L2", 9, 1000) == LIM_OK);
	CHECK(ho_spool_sync(s) == LIM_OK);
	{
		/* the record after the refusals carries ok + 2: two numbers missing before it */
		uint8_t buf[HO_PDU_MAX];
		size_t n = 0;
		struct ho_pdu p;
		CHECK(ho_spool_read(s, ok, buf, sizeof buf, &n) == LIM_OK && n > 0);
		CHECK(ho_decode_pdu(buf, n, &p) == LIM_OK && p.hdr.seqno == ok + 2);
	}
	/* the used-up numbers survive a reopen (kept with the counters) */
	ho_spool_free(s);
	s = open_sp(d, 64 * 1024, 8 * 1024);
	CHECK(ho_spool_next_seq(s, "L2", 9, true) == ok + 3);
	/* a refused first PDU of a new call uses up number 0 too */
	{
		enum lim_err r;
		unsigned k = 0;
		while ((r = put_cc(s, "L3", 4, 1000)) == LIM_OK && k < 1000)
			k++;
		CHECK(r == LIM_E_LIMIT && ho_spool_next_seq(s, "L3", 4, true) == k + 1);
	}
	ho_spool_free(s);
	rm_rf(d);
	free(d);
}

static void t_ho_spool_corrupt(void)
{
	char *d = mkdir_tmp(), seg[600];
	struct ho_spool *s;
	struct ho_spool_cfg c = { .max_bytes = 1u << 20, .segment_bytes = 1u << 20 };
	uint8_t buf[HO_PDU_MAX];
	size_t n;
	int fd;
	c.dir = d;
	s = open_sp(d, 1u << 20, 1u << 20);
	for (unsigned i = 0; i < 10; i++)
		CHECK(put_iri(s, "L1", 1, i) == LIM_OK);
	CHECK(ho_spool_sync(s) == LIM_OK);
	last_seg_path(d, seg, sizeof seg);
	/* flip a byte inside record 3 while the spool is open: the read catches it, quarantines
	 * its octets (once), counts it and raises the alarm; it holds nothing to send (n 0) */
	fd = open(seg, O_RDWR);
	CHECK(fd >= 0);
	{
		uint8_t b, want[200], got[300];
		off_t off = 16;
		uint32_t rl = 0;
		struct ho_spool_stats st;
		char q[700];
		for (int r = 0; r <= 3; r++) {
			uint8_t h[4];
			CHECK(pread(fd, h, 4, off) == 4);
			rl = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 |
			     h[3];
			if (r < 3)
				off += 8 + (off_t)rl;
		}
		CHECK(pread(fd, &b, 1, off + 20) == 1);
		b ^= 0x01;
		CHECK(pwrite(fd, &b, 1, off + 20) == 1);
		CHECK(rl + 8 <= sizeof want && pread(fd, want, rl + 8, off) == (ssize_t)(rl + 8));
		close(fd);
		CHECK(rec_is(s, 2, 2, 2));
		n = 1;
		CHECK(ho_spool_read(s, 3, buf, sizeof buf, &n) == LIM_OK && n == 0);
		CHECK(rec_is(s, 4, 4, 4));
		ho_spool_get_stats(s, &st);
		CHECK(st.damaged == 1 && st.alarm);
		snprintf(q, sizeof q, "%s/quarantine/0000000000000000-3.bad", d);
		fd = open(q, O_RDONLY);
		CHECK(fd >= 0 && read(fd, got, sizeof got) == (ssize_t)(rl + 8) &&
		      memcmp(got, want, rl + 8) == 0);
		close(fd);
		{
			struct stat qs;
			CHECK(stat(q, &qs) == 0 && (qs.st_mode & 0777) == 0600);
		}
		/* read again (a re-send): still skipped, not counted again */
		CHECK(ho_spool_read(s, 3, buf, sizeof buf, &n) == LIM_OK && n == 0);
		ho_spool_get_stats(s, &st);
		CHECK(st.damaged == 1);
		ho_spool_free(s);
		/* at open: a damaged record with more data after it no longer stops the spool;
		 * it is skipped, the earlier quarantine counted (and kept: the same octets) */
		s = NULL;
		CHECK(ho_spool_open(&c, &s) == LIM_OK && s);
		if (!s)
			exit(1);
		ho_spool_get_stats(s, &st);
		CHECK(st.head == 10 && st.damaged == 1 && st.alarm);
		CHECK(rec_is(s, 2, 2, 2) && rec_is(s, 9, 9, 9));
		CHECK(ho_spool_read(s, 3, buf, sizeof buf, &n) == LIM_OK && n == 0);
		CHECK(ho_spool_next_seq(s, "L1", 1, false) == 10);
		fd = open(q, O_RDONLY);
		CHECK(fd >= 0 && read(fd, got, sizeof got) == (ssize_t)(rl + 8) &&
		      memcmp(got, want, rl + 8) == 0);
		close(fd);
		/* ho_spool_peek (limf handover status) counts the quarantine too */
		{
			struct ho_spool_stats ps;
			bool in_use = false;
			CHECK(ho_spool_peek(d, 0, &ps, &in_use) == LIM_OK && in_use);
			CHECK(ps.damaged == 1 && ps.alarm && ps.head == 10);
		}
		ho_spool_free(s);
	}
	/* the ack file: two slots written alternately; a torn (corrupt) newest slot falls back to
	 * the older one (more re-sends, never a loss); both corrupt is refused */
	rm_rf(d);
	s = open_sp(d, 1u << 20, 1u << 20);
	for (unsigned i = 0; i < 10; i++)
		CHECK(put_iri(s, "L1", 1, i) == LIM_OK);
	CHECK(ho_spool_sync(s) == LIM_OK);
	CHECK(ho_spool_confirm(s, 5) == LIM_OK); /* generation 2, slot 0 */
	CHECK(ho_spool_confirm(s, 8) == LIM_OK); /* generation 3, slot 1 */
	ho_spool_free(s);
	{
		char p[600];
		struct ho_spool_stats st;
		snprintf(p, sizeof p, "%s/ack", d);
		fd = open(p, O_RDWR);
		CHECK(fd >= 0 && pwrite(fd, "X", 1, 24 + 10) == 1);
		s = NULL;
		CHECK(ho_spool_open(&c, &s) == LIM_OK);
		if (s) {
			ho_spool_get_stats(s, &st);
			CHECK(st.confirmed == 5 && st.head == 10);
			ho_spool_free(s);
		}
		CHECK(pwrite(fd, "X", 1, 24 + 10) == 1 && pwrite(fd, "X", 1, 10) == 1);
		close(fd);
	}
	s = NULL;
	CHECK(ho_spool_open(&c, &s) == LIM_E_PARSE && !s);
	/* an empty ack file (an open that died before its first write reached the disk) */
	rm_rf(d);
	CHECK(mkdir(d, 0700) == 0);
	{
		char p[600];
		snprintf(p, sizeof p, "%s/ack", d);
		fd = open(p, O_CREAT | O_WRONLY, 0600);
		CHECK(fd >= 0);
		close(fd);
	}
	s = NULL;
	CHECK(ho_spool_open(&c, &s) == LIM_OK && s);
	ho_spool_free(s);
	/* an ack file of zeros (its first slot's data lost, its size not): taken as new while
	 * no record is spooled (the first slot is synced before any is); damage once one is */
	{
		char p[600];
		uint8_t z[48] = { 0 };
		struct ho_spool_stats st;
		bool in_use = true;
		snprintf(p, sizeof p, "%s/ack", d);
		fd = open(p, O_WRONLY | O_TRUNC);
		CHECK(fd >= 0 && write(fd, z, sizeof z) == (ssize_t)sizeof z);
		close(fd);
		CHECK(ho_spool_peek(d, 0, &st, &in_use) == LIM_OK && !in_use && st.confirmed == 0);
		s = NULL;
		CHECK(ho_spool_open(&c, &s) == LIM_OK && s);
		for (unsigned i = 0; s && i < 3; i++)
			CHECK(put_iri(s, "L1", 1, i) == LIM_OK);
		CHECK(s && ho_spool_sync(s) == LIM_OK && ho_spool_confirm(s, 2) == LIM_OK);
		ho_spool_free(s);
		s = NULL;
		CHECK(ho_spool_open(&c, &s) == LIM_OK && s);
		if (s) {
			ho_spool_get_stats(s, &st);
			CHECK(st.confirmed == 2 && st.head == 3);
			ho_spool_free(s);
		}
		fd = open(p, O_WRONLY | O_TRUNC);
		CHECK(fd >= 0 && write(fd, z, sizeof z) == (ssize_t)sizeof z);
		close(fd);
		s = NULL;
		CHECK(ho_spool_open(&c, &s) == LIM_E_PARSE && !s);
		CHECK(ho_spool_peek(d, 0, &st, &in_use) == LIM_E_PARSE);
	}
	/* bad config */
	c.max_bytes = 3;
	CHECK(ho_spool_open(&c, &s) == LIM_E_ARG);
	rm_rf(d);
	free(d);
}

/* The last record of the last segment fails its CRC, but the ack file says it was confirmed
 * delivered - so it was synced, and this is damage, not a torn write: quarantined (not cut
 * off), and the spool opens (truncating it would leave the ack's index past the head). */
static void flip_record(const char *dir, unsigned rec);

static void t_ho_spool_confirmed_tail(void)
{
	char *d = mkdir_tmp(), q[700];
	struct ho_spool *s = open_sp(d, 1u << 20, 1u << 20);
	struct ho_spool_stats st;
	struct stat qb;
	for (unsigned i = 0; i < 10; i++)
		CHECK(put_iri(s, "T1", 1, i) == LIM_OK);
	CHECK(ho_spool_sync(s) == LIM_OK && ho_spool_confirm(s, 10) == LIM_OK);
	ho_spool_free(s);
	flip_record(d, 9);
	s = open_sp(d, 1u << 20, 1u << 20);
	ho_spool_get_stats(s, &st);
	CHECK(st.head == 10 && st.confirmed == 10 && st.torn_bytes == 0);
	CHECK(st.damaged == 1 && st.alarm);
	snprintf(q, sizeof q, "%s/quarantine/0000000000000000-9.bad", d);
	CHECK(stat(q, &qb) == 0 && qb.st_size > 8);
	CHECK(put_iri(s, "T1", 1, 10) == LIM_OK);
	CHECK(ho_spool_sync(s) == LIM_OK && rec_is(s, 10, 10, 10));
	ho_spool_free(s);
	rm_rf(d);
	free(d);
}

static void t_ho_seqno(void)
{
	char *d = mkdir_tmp();
	struct ho_spool *s;
	pid_t pid;
	int status = -1;
	s = open_sp(d, 1u << 20, 2048);
	/* separate counters per (LIID, CIN) and for IRI and CC */
	for (unsigned i = 0; i < 5; i++) {
		CHECK(put_iri(s, "A", 1, i) == LIM_OK);
		CHECK(put_cc(s, "A", 1, 100) == LIM_OK);
	}
	CHECK(put_iri(s, "A", 2, 0) == LIM_OK);
	CHECK(put_iri(s, "B", 1, 0) == LIM_OK);
	CHECK(ho_spool_next_seq(s, "A", 1, false) == 5);
	CHECK(ho_spool_next_seq(s, "A", 1, true) == 5);
	CHECK(ho_spool_next_seq(s, "A", 2, false) == 1);
	CHECK(ho_spool_next_seq(s, "B", 1, false) == 1);
	CHECK(ho_spool_next_seq(s, "B", 2, false) == 0);
	ho_spool_free(s);
	s = open_sp(d, 1u << 20, 2048);
	CHECK(ho_spool_next_seq(s, "A", 1, false) == 5);
	CHECK(ho_spool_next_seq(s, "A", 1, true) == 5);
	CHECK(ho_spool_next_seq(s, "B", 1, false) == 1);
	/* confirm everything: segments go, the seq file keeps the counters */
	CHECK(ho_spool_sync(s) == LIM_OK);
	CHECK(ho_spool_confirm(s, 12) == LIM_OK);
	ho_spool_free(s);
	s = open_sp(d, 1u << 20, 2048);
	CHECK(ho_spool_next_seq(s, "A", 1, false) == 5);
	CHECK(ho_spool_next_seq(s, "A", 2, false) == 1);
	CHECK(ho_spool_seq_forget(s, "A", 2) == LIM_OK);
	CHECK(ho_spool_next_seq(s, "A", 2, false) == 0);
	ho_spool_free(s);
	/* a crash (no ho_spool_free, so no seq file write) after appends: the counters are rebuilt
	 * from the spooled records, no number reused or skipped */
	pid = fork();
	if (pid == 0) {
		struct ho_spool *c = NULL;
		struct ho_spool_cfg cfg = { .dir = d,
					    .max_bytes = 1u << 20,
					    .segment_bytes = 2048 };
		if (ho_spool_open(&cfg, &c) != LIM_OK)
			_exit(1);
		for (unsigned i = 5; i < 40; i++)
			if (put_iri(c, "A", 1, i) != LIM_OK)
				_exit(1);
		if (ho_spool_sync(c) != LIM_OK)
			_exit(1);
		_exit(0); /* as kill -9 */
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0);
	s = open_sp(d, 1u << 20, 2048);
	CHECK(ho_spool_next_seq(s, "A", 1, false) == 40);
	CHECK(ho_spool_next_seq(s, "A", 2, false) == 0); /* the forget was persisted */
	CHECK(ho_spool_next_seq(s, "B", 1, false) == 1);
	CHECK(rec_is(s, 12, 5, 5));
	CHECK(rec_is(s, 46, 39, 39));
	ho_spool_free(s);
	rm_rf(d);
	free(d);
}

/* The counter table (handover/seqtab.h) against a plain list, over random sets and drops on a
 * small key space (long chains, tombstones, re-indexing, the free list, the table emptied and
 * made again), then at the scale of a flood: a million counters set, read and dropped. */
struct model_ent {
	uint8_t cc;
	uint32_t cin;
	char liid[8];
	uint32_t next;
	bool live;
};

static int model_cmp(const void *a, const void *b)
{
	const struct model_ent *x = a, *y = b;
	if (x->live != y->live)
		return x->live ? -1 : 1;
	if (x->cc != y->cc)
		return x->cc < y->cc ? -1 : 1;
	if (x->cin != y->cin)
		return x->cin < y->cin ? -1 : 1;
	return strcmp(x->liid, y->liid);
}

static void t_ho_seqtab(void)
{
	enum { CINS = 300, LIIDS = 6, N = 2 * CINS * LIIDS };
	static struct model_ent m[N];
	struct ho_seqtab t;
	const struct ho_seqent **v = NULL;
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	unsigned bad = 0, empties = 0;
	size_t live = 0, n;
	ho_seqtab_init(&t);
	for (size_t i = 0; i < N; i++) {
		m[i].cc = (uint8_t)(i % 2);
		m[i].cin = (uint32_t)(i / 2 % CINS) * 7919u; /* (spread, and 0 among them) */
		snprintf(m[i].liid, sizeof m[i].liid, "L%zu", i / 2 / CINS);
	}
	CHECK(ho_seqtab_get(&t, 0, 0, "L0") == NULL && !ho_seqtab_drop(&t, NULL, 0));
	CHECK(ho_seqtab_set(&t, 2, 1, "L0", 1) == LIM_E_ARG);
	CHECK(ho_seqtab_set(&t, 0, 1, "", 1) == LIM_E_ARG);
	CHECK(ho_seqtab_set(&t, 0, 1, "12345678901234567890123456", 1) == LIM_E_ARG);
	for (unsigned step = 0; step < 210000; step++) {
		uint32_t r;
		size_t i;
		rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
		r = (uint32_t)(rng >> 32);
		/* most keys in the first CINs early on, then everywhere: both dense and sparse */
		i = (size_t)(r % (step < 50000 ? N / 10 : N));
		if (r % 100 < 55) {
			uint32_t nx = r ^ step;
			if (ho_seqtab_set(&t, m[i].cc, m[i].cin, m[i].liid, nx) != LIM_OK)
				bad++;
			live += !m[i].live;
			m[i].live = true;
			m[i].next = nx;
		} else if (r % 100 < 80) {
			/* one LIID of a call, IRI and CC */
			bool any = false;
			for (size_t k = 0; k < N; k++)
				if (m[k].live && m[k].cin == m[i].cin &&
				    strcmp(m[k].liid, m[i].liid) == 0)
					any = true, m[k].live = false, live--;
			if (ho_seqtab_drop(&t, m[i].liid, m[i].cin) != any)
				bad++;
		} else if (r % 100 < 85) {
			/* every LIID of a call */
			bool any = false;
			for (size_t k = 0; k < N; k++)
				if (m[k].live && m[k].cin == m[i].cin)
					any = true, m[k].live = false, live--;
			if (ho_seqtab_drop(&t, NULL, m[i].cin) != any)
				bad++;
		} else {
			const uint32_t *c = ho_seqtab_get(&t, m[i].cc, m[i].cin, m[i].liid);
			if (m[i].live ? !c || *c != m[i].next : c != NULL)
				bad++;
		}
		if (step % 25000 == 24999) {
			/* every call ends: the table empties, and is made again */
			for (size_t k = 0; k < N; k += 2)
				if (ho_seqtab_drop(&t, NULL, m[k].cin))
					for (size_t q = 0; q < N; q++)
						if (m[q].cin == m[k].cin)
							live -= m[q].live, m[q].live = false;
			empties += live == 0 && t.e == NULL && t.ix == NULL;
		}
		if (t.live != live)
			bad++;
	}
	CHECK(bad == 0 && empties == 8 && live > 0);
	/* everything held, in the seq file's order */
	qsort(m, N, sizeof m[0], model_cmp);
	n = ho_seqtab_sorted(&t, &v);
	CHECK(n == live && (n == 0 || v != NULL));
	for (size_t i = 0; i < n && i < N; i++)
		if (!m[i].live || v[i]->cc != m[i].cc || v[i]->cin != m[i].cin ||
		    strcmp(v[i]->liid, m[i].liid) != 0 || v[i]->next != m[i].next)
			bad++;
	CHECK(bad == 0);
	free(v);
	ho_seqtab_clear(&t);
	CHECK(t.live == 0 && ho_seqtab_get(&t, m[0].cc, m[0].cin, m[0].liid) == NULL);

	/* a flood: a million calls in progress, two LIIDs each on the IRI side; every other one
	 * ends, the rest are still found, then they end too and the memory goes */
	for (uint32_t cin = 1; cin <= 500000; cin++)
		bad += ho_seqtab_set(&t, 0, cin, "FLOOD-A", cin) != LIM_OK ||
		       ho_seqtab_set(&t, 0, cin, "FLOOD-B", ~cin) != LIM_OK;
	CHECK(bad == 0 && t.live == 1000000);
	for (uint32_t cin = 2; cin <= 500000; cin += 2)
		bad += !ho_seqtab_drop(&t, NULL, cin);
	for (uint32_t cin = 1; cin <= 500000; cin++) {
		const uint32_t *a = ho_seqtab_get(&t, 0, cin, "FLOOD-A"),
			       *b = ho_seqtab_get(&t, 0, cin, "FLOOD-B");
		if (cin % 2 ? !a || !b || *a != cin || *b != ~cin : a || b)
			bad++;
	}
	CHECK(bad == 0 && t.live == 500000);
	for (uint32_t cin = 1; cin <= 500000; cin += 2)
		bad += !ho_seqtab_drop(&t, cin % 4 == 1 ? NULL : "FLOOD-A", cin) ||
		       (cin % 4 != 1 && !ho_seqtab_drop(&t, "FLOOD-B", cin));
	CHECK(bad == 0 && t.live == 0 && t.e == NULL && t.ix == NULL);
	ho_seqtab_clear(&t);
}

/* Whether the child pid exited 0. */
static bool child_ok(pid_t pid)
{
	int status = -1;
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0;
}

/* After child pid (which must exit 0: it crashed the spool on purpose, or left it): the spool
 * of cfg opened again, its stats in *st. Exits when it does not open. */
static struct ho_spool *reopen_after(pid_t pid, const struct ho_spool_cfg *cfg,
				     struct ho_spool_stats *st)
{
	struct ho_spool *s = NULL;
	CHECK(child_ok(pid));
	CHECK(ho_spool_open(cfg, &s) == LIM_OK);
	if (!s)
		exit(1);
	ho_spool_get_stats(s, st);
	return s;
}

/* Finding 1: a call's counters go when it ends (ho_spool_seq_forget), durably - a crash does not
 * bring them back from the records replayed at open - so more calls than HO_SEQ_KEYS_MAX go
 * through; and a full counter table refuses with the alarm, never silently. */
static void t_ho_spool_keys(void)
{
	char *d = mkdir_tmp();
	struct ho_spool *s;
	struct ho_spool_stats st;
	const uint32_t calls = HO_SEQ_KEYS_MAX + 500;
	pid_t pid;
	int status = -1;
	unsigned bad = 0;
	/* a crash (no ho_spool_free) after the calls: the records after the seq file are replayed
	 * at open, and the ended journal keeps their calls' counters away */
	pid = fork();
	if (pid == 0) {
		struct ho_spool *c = NULL;
		struct ho_spool_cfg cfg = { .dir = d,
					    .max_bytes = 1u << 30,
					    .segment_bytes = 1u << 20 };
		if (ho_spool_open(&cfg, &c) != LIM_OK)
			_exit(1);
		for (uint32_t cin = 1; cin <= calls; cin++) {
			if (put_iri(c, "K1", cin, 0) != LIM_OK ||
			    put_cc(c, "K1", cin, 20) != LIM_OK ||
			    put_iri(c, "K1", cin, 1) != LIM_OK)
				_exit(2);
			if (cin <= calls - 3 && ho_spool_seq_forget(c, NULL, cin) != LIM_OK)
				_exit(3);
		}
		ho_spool_get_stats(c, &st);
		if (st.seq_keys != 6 || st.refused || st.alarm)
			_exit(4);
		if (ho_spool_sync(c) != LIM_OK)
			_exit(5);
		_exit(0); /* as kill -9 */
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0);
	s = open_sp(d, 1u << 30, 1u << 20);
	ho_spool_get_stats(s, &st);
	CHECK(st.head == 3ull * calls);
	CHECK(st.seq_keys == 6); /* the three calls still open, IRI and CC */
	CHECK(ho_spool_next_seq(s, "K1", calls, false) == 2);
	CHECK(ho_spool_next_seq(s, "K1", calls, true) == 1);
	CHECK(ho_spool_next_seq(s, "K1", 1, false) == 0);
	/* the ended calls' records keep their numbers */
	CHECK(rec_is(s, 0, 0, 0));
	CHECK(rec_is(s, 2, 1, 1));
	CHECK(rec_is(s, 3ull * (calls - 10) + 2, 1, 1));
	/* new calls go on after the reopen; forgetting by LIID leaves the other LIIDs' counters */
	CHECK(put_iri(s, "K2", calls + 1, 0) == LIM_OK);
	CHECK(put_iri(s, "K3", calls + 1, 0) == LIM_OK);
	CHECK(ho_spool_seq_forget(s, "K2", calls + 1) == LIM_OK);
	CHECK(ho_spool_next_seq(s, "K2", calls + 1, false) == 0);
	CHECK(ho_spool_next_seq(s, "K3", calls + 1, false) == 1);
	CHECK(ho_spool_seq_forget(s, NULL, calls + 1) == LIM_OK);
	CHECK(ho_spool_seq_forget(s, NULL, calls + 1) == LIM_OK); /* nothing held: no-op */
	CHECK(ho_spool_seq_forget(s, "", 1) == LIM_E_ARG);
	ho_spool_get_stats(s, &st);
	CHECK(st.seq_keys == 6);
	ho_spool_free(s);
	/* a clean close folds everything into the seq file */
	s = open_sp(d, 1u << 30, 1u << 20);
	ho_spool_get_stats(s, &st);
	CHECK(st.seq_keys == 6 && ho_spool_next_seq(s, "K3", calls + 1, false) == 0);
	ho_spool_free(s);
	/* a new run drops the counters of the calls an earlier one left open (a crash ended
	 * them), durably: a run that dies right after still finds none */
	pid = fork();
	if (pid == 0) {
		struct ho_spool *c = NULL;
		struct ho_spool_cfg cfg = { .dir = d,
					    .max_bytes = 1u << 30,
					    .segment_bytes = 1u << 20 };
		if (ho_spool_open(&cfg, &c) != LIM_OK || put_iri(c, "K4", calls + 2, 0) != LIM_OK)
			_exit(1);
		if (ho_spool_seq_reset(c) != LIM_OK)
			_exit(2);
		ho_spool_get_stats(c, &st);
		_exit(st.seq_keys == 0 ? 0 : 3);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0);
	s = open_sp(d, 1u << 30, 1u << 20);
	ho_spool_get_stats(s, &st);
	CHECK(st.seq_keys == 0 && st.head == 3ull * calls + 3);
	CHECK(rec_is(s, 3ull * calls + 1, 0, 0)); /* K3's record keeps its number */
	ho_spool_free(s);
	rm_rf(d);

	/* without forgets the table fills: a new call is refused, counted and alarmed; the calls
	 * already held go on */
	s = open_sp(d, 1u << 30, 1u << 20);
	for (uint32_t cin = 1; cin <= HO_SEQ_KEYS_MAX; cin++)
		bad += put_iri(s, "K1", cin, 0) != LIM_OK;
	CHECK(bad == 0);
	ho_spool_get_stats(s, &st);
	CHECK(st.seq_keys == HO_SEQ_KEYS_MAX && !st.alarm && st.refused == 0);
	CHECK(put_iri(s, "K1", HO_SEQ_KEYS_MAX + 1, 0) == LIM_E_LIMIT);
	ho_spool_get_stats(s, &st);
	CHECK(st.alarm && st.refused == 1 && st.head == HO_SEQ_KEYS_MAX);
	CHECK(put_iri(s, "K1", 7, 1) == LIM_OK);
	/* an ended call makes room */
	CHECK(ho_spool_seq_forget(s, NULL, 7) == LIM_OK);
	CHECK(put_iri(s, "K1", HO_SEQ_KEYS_MAX + 1, 0) == LIM_OK);
	ho_spool_free(s);
	rm_rf(d);

	/* the table's size is the caller's (max_keys): 3 x HO_SEQ_KEYS_MAX calls in progress,
	 * then the one past them refused; at most HO_SEQ_KEYS_HARD */
	{
		struct ho_spool_cfg cfg = { .dir = d,
					    .max_bytes = 1u << 30,
					    .segment_bytes = 1u << 24,
					    .max_keys = 3 * HO_SEQ_KEYS_MAX };
		CHECK(ho_spool_open(&cfg, &s) == LIM_OK);
		for (uint32_t cin = 1; s && cin <= 3 * HO_SEQ_KEYS_MAX; cin++)
			bad += put_iri(s, cin % 2 ? "K1" : "K2", cin, 0) != LIM_OK;
		CHECK(bad == 0);
		ho_spool_get_stats(s, &st);
		CHECK(st.seq_keys == 3 * HO_SEQ_KEYS_MAX && !st.alarm);
		CHECK(put_iri(s, "K3", 3 * HO_SEQ_KEYS_MAX + 1, 0) == LIM_E_LIMIT);
		CHECK(ho_spool_seq_forget(s, NULL, 1) == LIM_OK);
		CHECK(put_iri(s, "K3", 3 * HO_SEQ_KEYS_MAX + 1, 0) == LIM_OK);
		ho_spool_free(s);
		/* reopened with the default: the counters held come back all the same */
		s = open_sp(d, 1u << 30, 1u << 24);
		ho_spool_get_stats(s, &st);
		CHECK(st.seq_keys == 3 * HO_SEQ_KEYS_MAX);
		CHECK(ho_spool_next_seq(s, "K2", 2, false) == 1);
		ho_spool_free(s);
		cfg.max_keys = (size_t)HO_SEQ_KEYS_HARD + 1;
		s = NULL;
		CHECK(ho_spool_open(&cfg, &s) == LIM_E_ARG && s == NULL);
		rm_rf(d);
	}

	/* the ended journal holds 4 max_keys lines, and is folded into the seq file by then at
	 * the latest: with a small table (64: 256 lines, below the 4096 between folds) every
	 * forget of 1000 calls is kept, and a crash after them brings none back (before, the
	 * forgets past 256 were in memory only: after the crash every new call was refused) */
	{
		struct ho_spool_cfg cfg = {
			.dir = d, .max_bytes = 1u << 30, .segment_bytes = 1u << 24, .max_keys = 64
		};
		pid = fork();
		if (pid == 0) {
			struct ho_spool *c = NULL;
			if (ho_spool_open(&cfg, &c) != LIM_OK)
				_exit(1);
			for (uint32_t cin = 1; cin <= 1000; cin++)
				if (put_iri(c, "K1", cin, 0) != LIM_OK ||
				    ho_spool_seq_forget(c, NULL, cin) != LIM_OK)
					_exit(2);
			_exit(ho_spool_sync(c) == LIM_OK ? 0 : 3); /* as kill -9 */
		}
		s = reopen_after(pid, &cfg, &st);
		CHECK(st.seq_keys == 0);
		CHECK(put_iri(s, "K1", 1001, 0) == LIM_OK);
		ho_spool_free(s);
		/* a journal of a larger table, reopened with a smaller one: more lines than it
		 * holds (1500 of 4 x 64): the next forget folds it, and is kept */
		cfg.max_keys = 4096;
		pid = fork();
		if (pid == 0) {
			struct ho_spool *c = NULL;
			if (ho_spool_open(&cfg, &c) != LIM_OK)
				_exit(1);
			for (uint32_t cin = 1002; cin <= 3000; cin++)
				if (put_iri(c, "K1", cin, 0) != LIM_OK)
					_exit(2);
			for (uint32_t cin = 1001; cin <= 2500; cin++)
				if (ho_spool_seq_forget(c, NULL, cin) != LIM_OK)
					_exit(3);
			_exit(ho_spool_sync(c) == LIM_OK ? 0 : 4);
		}
		CHECK(child_ok(pid));
		cfg.max_keys = 64;
		pid = fork();
		if (pid == 0) { /* (the fold is durable: a crash right after keeps it) */
			struct ho_spool *c = NULL;
			if (ho_spool_open(&cfg, &c) != LIM_OK)
				_exit(1);
			ho_spool_get_stats(c, &st);
			if (st.seq_keys != 500) /* 2501..3000 */
				_exit(2);
			_exit(ho_spool_seq_forget(c, NULL, 2501) == LIM_OK ? 0 : 3);
		}
		s = reopen_after(pid, &cfg, &st);
		CHECK(st.seq_keys == 499 && ho_spool_next_seq(s, "K1", 2501, false) == 0);
		ho_spool_free(s);
		rm_rf(d);

		/* folds that fail (the seq file cannot be written: seq.tmp is a directory) with
		 * the journal full: those forgets are in memory only (LIM_E_LIMIT) and a fold is
		 * tried again 1024 forgets later, not at every forget; once the disk is back, one
		 * succeeds, and a crash after it brings none of the calls back */
		pid = fork();
		if (pid == 0) {
			char tmpd[600], f[700];
			unsigned n[3] = { 0, 0, 0 }; /* LIM_OK, LIM_E_IO, LIM_E_LIMIT */
			struct ho_spool *c = NULL;
			FILE *fp;
			if (ho_spool_open(&cfg, &c) != LIM_OK)
				_exit(1);
			snprintf(tmpd, sizeof tmpd, "%s/seq.tmp", d);
			snprintf(f, sizeof f, "%s/x", tmpd);
			if (mkdir(tmpd, 0700) != 0 || !(fp = fopen(f, "w")))
				_exit(2);
			fclose(fp);
			for (uint32_t cin = 1; cin <= 2000; cin++) {
				enum lim_err e;
				if (cin == 601 && (unlink(f) != 0 || rmdir(tmpd) != 0))
					_exit(3);
				if (put_iri(c, "K1", cin, 0) != LIM_OK)
					_exit(4);
				e = ho_spool_seq_forget(c, NULL, cin);
				if (cin <= 600)
					n[e == LIM_OK ? 0 : e == LIM_E_IO ? 1 : 2]++;
				else if (e == LIM_E_IO)
					_exit(5);
			}
			/* 255 journaled, the 256th journaled but its fold failed, then full */
			if (n[0] != 255 || n[1] != 1 || n[2] != 344)
				_exit(6);
			_exit(ho_spool_sync(c) == LIM_OK ? 0 : 7); /* as kill -9 */
		}
		s = reopen_after(pid, &cfg, &st);
		CHECK(st.seq_keys == 0);
		ho_spool_free(s);
		rm_rf(d);
	}
	free(d);
}

/* Writes file until its file system is full. */
static void fill_disk(const char *file)
{
	static const char z[4096];
	FILE *f = fopen(file, "w");
	CHECK(f != NULL);
	while (f && fwrite(z, 1, sizeof z, f) == sizeof z && fflush(f) == 0)
		;
	while (f && fwrite(z, 1, 1, f) == 1 && fflush(f) == 0)
		;
	if (f)
		fclose(f);
}

/* Finding 2: a full disk while a new segment starts, or within one, is a full spool for that
 * append (refused, alarm, the half-made segment or the partial record removed), not a sticky
 * error: once there is room again appends, syncs and reads work. On a 256 KiB tmpfs (mounting
 * needs root: skipped otherwise). */
static void t_ho_spool_enospc(void)
{
	char *mnt = mkdir_tmp(), dir[600], filler[600], seg[700];
	struct ho_spool *s;
	struct ho_spool_stats st;
	uint8_t buf[HO_PDU_MAX];
	size_t n;
	struct stat sb;
	unsigned i = 0;
	if (mount("limf-test", mnt, "tmpfs", 0, "size=256k") != 0) {
		fprintf(stderr, "  spool_enospc: skipped (cannot mount a tmpfs: %s; needs root)\n",
			strerror(errno));
		rm_rf(mnt);
		free(mnt);
		return;
	}
	snprintf(dir, sizeof dir, "%s/sp", mnt);
	snprintf(filler, sizeof filler, "%s/filler", mnt);
	s = open_sp(dir, 1u << 30, 8192);
	/* fill the active segment to the rotation point: the next append starts a segment */
	for (;;) {
		CHECK(put_iri(s, "E1", 1, i) == LIM_OK);
		i++;
		ho_spool_get_stats(s, &st);
		if (st.bytes >= 8192 || i > 1000)
			break;
	}
	CHECK(ho_spool_sync(s) == LIM_OK);
	fill_disk(filler);
	CHECK(put_iri(s, "E1", 1, i) == LIM_E_LIMIT);
	ho_spool_get_stats(s, &st);
	CHECK(st.refused == 1 && st.alarm && st.head == i);
	snprintf(seg, sizeof seg, "%s/seg-%016x.spool", dir, i);
	CHECK(stat(seg, &sb) != 0 && errno == ENOENT);        /* the half-made segment is gone */
	CHECK(ho_spool_next_seq(s, "E1", 1, false) == i + 1); /* its number used up: a gap */
	/* the records already spooled stay readable while the disk is full */
	CHECK(rec_is(s, 0, 0, 0));
	CHECK(unlink(filler) == 0);
	CHECK(put_iri(s, "E1", 1, i) == LIM_OK);
	CHECK(ho_spool_sync(s) == LIM_OK);
	CHECK(rec_is(s, i, i, i + 1));
	CHECK(ho_spool_read(s, i - 1, buf, sizeof buf, &n) == LIM_OK);
	{
		/* a full disk within a segment (the new one, far from its rotation point): the
		 * record's write fails, is undone, and the append refused; not sticky either. The
		 * same branch takes EDQUOT (a quota), which this kernel cannot make (no quota
		 * support in tmpfs here) */
		uint64_t head0 = i + 1, bytes0;
		size_t nseg0;
		unsigned j = i + 1, k;
		enum lim_err rc = LIM_OK;
		fill_disk(filler);
		ho_spool_get_stats(s, &st);
		bytes0 = st.bytes;
		nseg0 = count_segs(dir);
		for (k = 0; k < 200; k++, j++) {
			ho_spool_get_stats(s, &st);
			head0 = st.head;
			if ((rc = put_iri(s, "E1", 1, j)) != LIM_OK)
				break;
		}
		ho_spool_get_stats(s, &st);
		CHECK(rc == LIM_E_LIMIT && st.refused == 2 && st.head == head0);
		CHECK(count_segs(dir) == nseg0); /* the write failed, no new segment's start */
		CHECK(st.bytes - bytes0 < 4096); /* within the segment's last page */
		CHECK(ho_spool_sync(s) == LIM_OK);
		CHECK(unlink(filler) == 0);
		CHECK(put_iri(s, "E1", 1, j + 1) == LIM_OK);
		CHECK(ho_spool_sync(s) == LIM_OK);
		CHECK(rec_is(s, head0, j + 1, j + 2)); /* (j's number used up by the refusal) */
		CHECK(rec_is(s, head0 - 1, j - 1, j));
		ho_spool_free(s);
		s = open_sp(dir, 1u << 30, 8192);
		ho_spool_get_stats(s, &st);
		CHECK(st.head == head0 + 1 && st.torn_bytes == 0);
	}
	ho_spool_free(s);
	CHECK(umount(mnt) == 0);
	rm_rf(mnt);
	free(mnt);
}

/* Finding 4: one owner per directory; a second open is refused and changes nothing; the
 * read-only look (ho_spool_peek) works meanwhile and writes nothing. */
static void t_ho_spool_lock(void)
{
	char *d = mkdir_tmp(), seg[600];
	struct ho_spool *a, *b = NULL;
	struct ho_spool_cfg c = { .max_bytes = 1u << 20, .segment_bytes = 2048 };
	struct ho_spool_stats st, pst;
	struct stat s1, s2;
	bool in_use = true;
	c.dir = d;
	/* a directory never created is an empty spool */
	{
		char p[600];
		snprintf(p, sizeof p, "%s/none", d);
		CHECK(ho_spool_peek(p, 0, &pst, &in_use) == LIM_OK && !in_use && pst.head == 0);
	}
	a = open_sp(d, 1u << 20, 2048);
	for (unsigned i = 0; i < 60; i++)
		CHECK(put_iri(a, "L1", 1, i) == LIM_OK);
	CHECK(ho_spool_sync(a) == LIM_OK);
	CHECK(ho_spool_confirm(a, 20) == LIM_OK);
	CHECK(ho_spool_open(&c, &b) == LIM_E_STATE && b == NULL);
	/* the second open touched nothing: A still reads and confirms */
	CHECK(rec_is(a, 20, 20, 20));
	CHECK(ho_spool_confirm(a, 30) == LIM_OK);
	ho_spool_get_stats(a, &st);
	CHECK(ho_spool_peek(d, 0, &pst, &in_use) == LIM_OK);
	CHECK(in_use && pst.head == st.head && pst.confirmed == 30 && pst.bytes == st.bytes);
	/* a tail being written (here: garbage) is not counted, and not cut by the look */
	last_seg_path(d, seg, sizeof seg);
	{
		FILE *f = fopen(seg, "ab");
		CHECK(f && fwrite("\x00\x00\x00\x40\x01\x02", 1, 6, f) == 6);
		if (f)
			fclose(f);
	}
	CHECK(stat(seg, &s1) == 0);
	CHECK(ho_spool_peek(d, 0, &pst, &in_use) == LIM_OK && in_use && pst.head == 60);
	CHECK(stat(seg, &s2) == 0 && s1.st_size == s2.st_size);
	CHECK(truncate(seg, s1.st_size - 6) == 0);
	ho_spool_free(a);
	CHECK(ho_spool_peek(d, 0, &pst, &in_use) == LIM_OK && !in_use && pst.head == 60 &&
	      pst.confirmed == 30);
	/* freed: the lock is gone with it */
	b = open_sp(d, 1u << 20, 2048);
	CHECK(ho_spool_open(&c, &a) == LIM_E_STATE);
	ho_spool_free(b);
	rm_rf(d);
	free(d);
}

/* Finding 5: zeros from a record header to the end of the last segment (an unsynced tail after
 * a power loss) are a torn tail whatever their length; non-zero garbage of the same size is a
 * damaged length (quarantined, the open goes on). */
static void t_ho_spool_zeros(void)
{
	char *d = mkdir_tmp(), seg[600];
	struct ho_spool *s;
	struct ho_spool_stats st;
	uint8_t *junk = calloc(1, 300000);
	struct stat sb;
	off_t good;
	CHECK(junk != NULL);
	if (!junk)
		return;
	s = open_sp(d, 1u << 24, 1u << 22);
	for (unsigned i = 0; i < 10; i++)
		CHECK(put_iri(s, "Z1", 1, i) == LIM_OK);
	ho_spool_free(s);
	last_seg_path(d, seg, sizeof seg);
	CHECK(stat(seg, &sb) == 0);
	good = sb.st_size;
	{
		FILE *f = fopen(seg, "ab");
		CHECK(f && fwrite(junk, 1, 300000, f) == 300000);
		if (f)
			fclose(f);
	}
	s = open_sp(d, 1u << 24, 1u << 22);
	ho_spool_get_stats(s, &st);
	CHECK(st.head == 10 && st.torn_bytes == 300000);
	CHECK(rec_is(s, 9, 9, 9));
	CHECK(put_iri(s, "Z1", 1, 10) == LIM_OK);
	ho_spool_free(s);
	/* the last record damaged, then zeros: torn too */
	CHECK(stat(seg, &sb) == 0);
	good = sb.st_size;
	{
		int fd = open(seg, O_RDWR);
		uint8_t b = 0;
		CHECK(fd >= 0 && pread(fd, &b, 1, good - 3) == 1);
		b ^= 0x5a;
		CHECK(pwrite(fd, &b, 1, good - 3) == 1);
		CHECK(pwrite(fd, junk, 300000, good) == 300000);
		close(fd);
	}
	s = open_sp(d, 1u << 24, 1u << 22);
	ho_spool_get_stats(s, &st);
	CHECK(st.head == 10 && st.torn_bytes > 300000);
	ho_spool_free(s);
	/* the same size of non-zero garbage (one non-zero octet among zeros is as good): not a
	 * torn tail but a damaged length, the framing lost: the open goes on, the octets are
	 * quarantined (and left in the segment), their index holds nothing to send, and the
	 * next append starts a new segment after it */
	CHECK(stat(seg, &sb) == 0);
	good = sb.st_size;
	junk[150000] = 1;
	{
		FILE *f = fopen(seg, "ab");
		CHECK(f && fwrite(junk, 1, 300000, f) == 300000);
		if (f)
			fclose(f);
	}
	{
		uint8_t rb[HO_PDU_MAX];
		size_t rn = 1;
		uint32_t next;
		char q[700];
		s = open_sp(d, 1u << 24, 1u << 22);
		ho_spool_get_stats(s, &st);
		CHECK(st.head == 11 && st.torn_bytes == 0 && st.damaged == 1 && st.alarm);
		CHECK(stat(seg, &sb) == 0 && sb.st_size == good + 300000);
		snprintf(q, sizeof q, "%s/quarantine/0000000000000000-10.bad", d);
		CHECK(stat(q, &sb) == 0 && sb.st_size == 300000);
		CHECK(rec_is(s, 9, 9, 9));
		CHECK(ho_spool_read(s, 10, rb, sizeof rb, &rn) == LIM_OK && rn == 0);
		next = ho_spool_next_seq(s, "Z1", 1, false);
		CHECK(put_iri(s, "Z1", 1, 11) == LIM_OK && count_segs(d) == 2);
		ho_spool_free(s);
		s = open_sp(d, 1u << 24, 1u << 22);
		ho_spool_get_stats(s, &st);
		CHECK(st.head == 12 && st.damaged == 1);
		CHECK(rec_is(s, 11, 11, next) && rec_is(s, 9, 9, 9));
		CHECK(ho_spool_read(s, 10, rb, sizeof rb, &rn) == LIM_OK && rn == 0);
		ho_spool_free(s);
	}
	free(junk);
	rm_rf(d);
	free(d);
}

/* A review: one bit of a synced record's length in the last segment (0, or a length past the
 * end) was taken for a torn tail: that record and every one after it were cut, counted as
 * torn octets, no alarm, nothing quarantined. With records that check after it, it is damage:
 * quarantined (the octets kept), alarmed, none cut. */
static void t_ho_spool_len_damage(void)
{
	for (int how = 0; how < 2; how++) {
		char *d = mkdir_tmp(), seg[600], q[700];
		struct ho_spool *s;
		struct ho_spool_stats st;
		struct stat sb;
		uint8_t *buf;
		uint64_t off = 16, size; /* (past the segment header) */
		int fd;
		s = open_sp(d, 1u << 24, 1u << 22);
		for (unsigned i = 0; i < 10; i++)
			CHECK(put_iri(s, "Z2", 1, i) == LIM_OK);
		ho_spool_free(s);
		last_seg_path(d, seg, sizeof seg);
		CHECK(stat(seg, &sb) == 0);
		size = (uint64_t)sb.st_size;
		buf = malloc(size);
		fd = open(seg, O_RDWR);
		CHECK(buf && fd >= 0 && pread(fd, buf, size, 0) == (ssize_t)size);
		if (!buf || fd < 0) {
			free(buf);
			return;
		}
		for (int r = 0; r < 5; r++) /* (the length: 4 octets, big-endian) */
			off += 8u + ((uint32_t)buf[off] << 24 | (uint32_t)buf[off + 1] << 16 |
				     (uint32_t)buf[off + 2] << 8 | buf[off + 3]);
		if (how == 0)
			memset(buf + off, 0, 4); /* record 5's length made 0 */
		else
			buf[off] ^= 0x01; /* past the end */
		CHECK(pwrite(fd, buf + off, 4, (off_t)off) == 4);
		close(fd);
		s = open_sp(d, 1u << 24, 1u << 22);
		ho_spool_get_stats(s, &st);
		CHECK(st.torn_bytes == 0 && st.damaged == 1 && st.alarm && st.head >= 6);
		CHECK(rec_is(s, 4, 4, 4));
		snprintf(q, sizeof q, "%s/quarantine/0000000000000000-5.bad", d);
		CHECK(stat(q, &sb) == 0 && (uint64_t)sb.st_size == size - off);
		CHECK(stat(seg, &sb) == 0 && (uint64_t)sb.st_size == size); /* (left in place) */
		ho_spool_free(s);
		free(buf);
		rm_rf(d);
		free(d);
	}
}

/* A review: a damaged seq file, or none once segments were deleted, kept the spool from
 * opening, and the authority's delivery stopped. It opens, the alarm raised, the counters made
 * again from the records held. */
static void t_ho_spool_seq_damage(void)
{
	for (int how = 0; how < 2; how++) {
		char *d = mkdir_tmp(), path[600];
		struct ho_spool *s;
		struct ho_spool_stats st;
		struct ho_spool_cfg c = { .dir = d, .max_bytes = 1u << 20, .segment_bytes = 2048 };
		s = open_sp(d, 1u << 20, 2048);
		for (unsigned i = 0; i < 40; i++)
			CHECK(put_iri(s, "S", 1, i) == LIM_OK);
		CHECK(ho_spool_sync(s) == LIM_OK && ho_spool_confirm(s, 20) == LIM_OK);
		ho_spool_free(s);
		snprintf(path, sizeof path, "%s/seq", d);
		if (how == 0) {
			FILE *f = fopen(path, "w");
			CHECK(f && fputs("limf-seq 1 2x\n", f) >= 0);
			if (f)
				fclose(f);
		} else {
			CHECK(unlink(path) == 0);
		}
		s = NULL;
		CHECK(ho_spool_open(&c, &s) == LIM_OK && s);
		if (!s)
			continue;
		ho_spool_get_stats(s, &st);
		CHECK(st.alarm && st.head == 40 && st.confirmed == 20);
		CHECK(ho_spool_next_seq(s, "S", 1, false) == 40);
		CHECK(rec_is(s, 39, 39, 39));
		ho_spool_free(s);
		rm_rf(d);
		free(d);
	}
}

/* ---- link against an in-process LEMF ---- */

struct mini_lemf {
	int lfd, cfd;
	uint8_t in[1 << 20];
	size_t in_len;
	uint32_t next_seq; /* of the data PDUs */
	unsigned pdus, dups, gaps, kas;
	bool answer;
	unsigned drop_at; /* close the connection when pdus reaches this (0: never) */
	unsigned conns;
	unsigned resps;      /* keep-aliveResponses received from the link */
	uint32_t last_resp;  /* and the last one's sequence number */
	uint32_t resp_ts[8]; /* the first 8 ones' microSecondTimeStamp seconds */
	bool last_resp_bare; /* and whether it left out CIN and microSecondTimeStamp */
	bool bare;   /* its keep-aliveResponses leave them out (both OPTIONAL, TS 102 232-1) */
	bool ber;    /* ...are BER a DER decoder refuses (t_ber_variant), timeStampQualifier 9 */
	bool paused; /* accept, but read nothing (the link's output backs up) */
};

static void mini_step(struct mini_lemf *m)
{
	int one = 1;
	if (m->cfd < 0) {
		m->cfd = accept(m->lfd, NULL, NULL);
		if (m->cfd < 0)
			return;
		(void)fcntl(m->cfd, F_SETFL, O_NONBLOCK);
		(void)setsockopt(m->cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		m->conns++;
		m->in_len = 0;
	}
	for (;;) {
		if (m->paused)
			return;
		ssize_t r = recv(m->cfd, m->in + m->in_len, sizeof m->in - m->in_len, 0);
		size_t off = 0;
		if (r == 0 || (r < 0 && errno != EAGAIN)) {
			close(m->cfd);
			m->cfd = -1;
			return;
		}
		if (r < 0)
			return;
		m->in_len += (size_t)r;
		for (;;) {
			size_t pl;
			struct ho_pdu p;
			if (ho_pdu_length(m->in + off, m->in_len - off, &pl) != LIM_OK)
				break;
			CHECK(ho_decode_pdu(m->in + off, pl, &p) == LIM_OK);
			off += pl;
			if (p.kind == HO_PAYLOAD_KEEPALIVE) {
				uint8_t resp[256];
				size_t rl;
				m->kas++;
				p.hdr.no_cin = p.hdr.no_usts = m->bare;
				if (m->answer &&
				    ho_encode_keepalive_response(&p.hdr, resp, sizeof resp, &rl) ==
					    LIM_OK) {
					static uint8_t ber[8 * sizeof resp + 64];
					const uint8_t *o = resp;
					if (m->ber) {
						/* a later timeStampQualifier (the last octet of
						 * the PSHeader, 88 01 q) and BER lengths and
						 * strings */
						for (size_t i = 0; i + 4 <= rl; i++)
							if (resp[i] == 0x88 &&
							    resp[i + 1] == 0x01 &&
							    resp[i + 3] == 0xa2) {
								resp[i + 2] = 9;
								break;
							}
						rl = t_ber_variant(resp, rl, 7, ber, sizeof ber);
						o = ber;
					}
					CHECK(send(m->cfd, o, rl, MSG_NOSIGNAL) == (ssize_t)rl);
				}
				continue;
			}
			if (p.kind == HO_PAYLOAD_KEEPALIVE_RESPONSE) {
				if (m->resps < 8)
					m->resp_ts[m->resps] = p.hdr.ts_sec;
				m->resps++;
				m->last_resp = p.hdr.seqno;
				m->last_resp_bare = p.hdr.no_cin && p.hdr.no_usts;
				continue;
			}
			if (p.hdr.seqno < m->next_seq)
				m->dups++; /* a re-send after a reconnect */
			else if (p.hdr.seqno > m->next_seq)
				m->gaps++;
			if (p.hdr.seqno >= m->next_seq) {
				m->next_seq = p.hdr.seqno + 1;
				m->pdus++;
			}
			if (m->drop_at && m->pdus == m->drop_at) {
				m->drop_at = 0;
				close(m->cfd);
				m->cfd = -1;
				return;
			}
		}
		memmove(m->in, m->in + off, m->in_len - off);
		m->in_len -= off;
	}
}

static uint64_t fake_now;

/* Runs link + mini LEMF until cond or the time limit; the clock advances 1 ms per round, and a
 * round waits up to 1 ms (real) for the link's socket, so it never runs ahead of real time by
 * more than the work done (the peers' TCP stacks work in real time). */
#define RUN(l, m, cond, limit_ms)                                                                  \
	do {                                                                                       \
		uint64_t end_ = fake_now + (limit_ms);                                             \
		while (!(cond) && fake_now < end_) {                                               \
			struct pollfd p_;                                                          \
			int t_;                                                                    \
			CHECK(ho_link_step((l), fake_now) == LIM_OK);                              \
			if ((m))                                                                   \
				mini_step((m));                                                    \
			if (ho_link_fds((l), &p_, 1, fake_now, &t_) && t_ != 0)                    \
				(void)poll(&p_, 1, 1);                                             \
			fake_now++;                                                                \
		}                                                                                  \
	} while (0)

static uint64_t seq_rng(void *ctx)
{
	return (*(uint64_t *)ctx)++;
}

static void t_ho_link(void)
{
	char *d = mkdir_tmp();
	static struct mini_lemf m;
	struct sockaddr_in a;
	socklen_t al = sizeof a;
	struct ho_spool *s;
	struct ho_spool_stats ss;
	struct ho_link *l = NULL;
	struct ho_link_stats ls;
	struct ho_link_cfg cfg;
	char addr[64];
	uint64_t rngv = 0;
	struct mini_lemf *mp = &m, *none = NULL;
	memset(&m, 0, sizeof m);
	m.cfd = -1;
	m.answer = true;
	m.lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(bind(m.lfd, (struct sockaddr *)&a, sizeof a) == 0 && listen(m.lfd, 4) == 0);
	CHECK(getsockname(m.lfd, (struct sockaddr *)&a, &al) == 0);
	snprintf(addr, sizeof addr, "127.0.0.1:%u", (unsigned)ntohs(a.sin_port));

	s = open_sp(d, 8u << 20, 1u << 20);
	for (unsigned i = 0; i < 1000; i++)
		CHECK(put_iri(s, "L", 3, i) == LIM_OK); /* not synced: the link syncs */
	memset(&cfg, 0, sizeof cfg);
	cfg.addr = addr;
	cfg.confirm_every = 50;
	cfg.window = 200;
	cfg.keepalive_idle_ms = 500;
	cfg.keepalive_timeout_ms = 300;
	cfg.backoff_min_ms = 10;
	cfg.backoff_max_ms = 80;
	cfg.rng = seq_rng;
	cfg.rng_ctx = &rngv;
	hdr_init(&cfg.ka_hdr, "-", 0);
	CHECK(ho_link_new(&cfg, s, &l, NULL, 0) == LIM_OK);
	if (!l)
		return;
	/* bad configurations */
	{
		struct ho_link *x = NULL;
		struct ho_link_cfg b = cfg;
		b.addr = "nocolon";
		CHECK(ho_link_new(&b, s, &x, NULL, 0) == LIM_E_ARG && !x);
		b.addr = "[::1]:";
		CHECK(ho_link_new(&b, s, &x, NULL, 0) == LIM_E_ARG);
		b.addr = addr;
		b.tls_ca = "/nonexistent/ca.pem";
		CHECK(ho_link_new(&b, s, &x, NULL, 0) == LIM_E_CRYPTO);
		b.tls_ca = NULL;
		b.ka_hdr.liid[0] = '\0';
		CHECK(ho_link_new(&b, s, &x, NULL, 0) == LIM_E_ARG);
	}
	fake_now = 1000;
	/* LEMF drops the connection after 300 PDUs: the link reconnects and resumes at the
	 * confirmed position; the LEMF sees re-sends (<= window) but no gap */
	m.drop_at = 300;
	ho_spool_get_stats(s, &ss);
	RUN(l, mp, (ho_spool_get_stats(s, &ss), ss.confirmed == 1000), 20000);
	ho_link_get_stats(l, &ls);
	CHECK(ss.confirmed == 1000);
	CHECK(m.pdus == 1000 && m.gaps == 0);
	CHECK(m.dups > 0 && m.dups <= ls.resent && ls.resent <= 200);
	CHECK(ls.connects == 2 && ls.disconnects == 1 && ls.state == HO_LINK_UP);
	CHECK(m.conns == 2);
	/* idle keep-alive after keepalive_idle_ms */
	{
		uint64_t k0 = ls.ka_sent, a0 = ls.ka_answered;
		RUN(l, mp, false, 600);
		ho_link_get_stats(l, &ls);
		CHECK(ls.ka_sent == k0 + 1 && ls.ka_answered == a0 + 1);
	}
	/* the LEMF's own keep-alive is answered, echoing its sequence number */
	{
		struct ho_psheader h;
		uint8_t ka[256];
		size_t kn;
		hdr_init(&h, "lemf", 0);
		h.seqno = 77;
		CHECK(ho_encode_keepalive(&h, ka, sizeof ka, &kn) == LIM_OK);
		CHECK(m.cfd >= 0 && send(m.cfd, ka, kn, MSG_NOSIGNAL) == (ssize_t)kn);
		RUN(l, mp, m.resps > 0, 200);
		CHECK(m.resps == 1 && m.last_resp == 77 && !m.last_resp_bare);
	}
	/* a LEMF that leaves CIN and microSecondTimeStamp (both OPTIONAL, TS 102 232-1) out of
	 * its keep-alive responses and its own keep-alives: its answers count and the connection
	 * stays (it was dropped as malformed, again and again); its keep-alive is answered
	 * likewise, echoing its header */
	{
		struct ho_psheader h;
		uint8_t ka[256];
		size_t kn;
		uint64_t k0, a0, d0;
		ho_link_get_stats(l, &ls);
		k0 = ls.ka_sent, a0 = ls.ka_answered, d0 = ls.disconnects;
		m.bare = true;
		RUN(l, mp, false, 600);
		ho_link_get_stats(l, &ls);
		CHECK(ls.ka_sent == k0 + 1 && ls.ka_answered == a0 + 1 && ls.disconnects == d0);
		hdr_init(&h, "lemf", 0);
		h.seqno = 78;
		h.no_cin = h.no_usts = true;
		CHECK(ho_encode_keepalive(&h, ka, sizeof ka, &kn) == LIM_OK);
		CHECK(m.cfd >= 0 && send(m.cfd, ka, kn, MSG_NOSIGNAL) == (ssize_t)kn);
		RUN(l, mp, m.resps > 1, 200);
		ho_link_get_stats(l, &ls);
		CHECK(m.resps == 2 && m.last_resp == 78 && m.last_resp_bare &&
		      ls.disconnects == d0);
		m.bare = false;
	}
	/* a LEMF that writes BER where limf writes DER (X.690 lets it): indefinite and long-form
	 * lengths, its LIID as a constructed string, and a timeStampQualifier of a later version
	 * in its responses; and its own keep-alive the same way. Its answers count and the
	 * connection stays (the DER decoder dropped it at every response) */
	{
		struct ho_psheader h;
		uint8_t ka[256], kb[8 * 256 + 64];
		size_t kn;
		uint64_t k0, a0, d0;
		ho_link_get_stats(l, &ls);
		k0 = ls.ka_sent, a0 = ls.ka_answered, d0 = ls.disconnects;
		m.ber = true;
		RUN(l, mp, false, 600);
		ho_link_get_stats(l, &ls);
		CHECK(ls.ka_sent == k0 + 1 && ls.ka_answered == a0 + 1 && ls.disconnects == d0);
		hdr_init(&h, "lemf", 0);
		h.seqno = 79;
		CHECK(ho_encode_keepalive(&h, ka, sizeof ka, &kn) == LIM_OK);
		kn = t_ber_variant(ka, kn, BV_INDEF | BV_LONG | BV_SPLIT, kb, sizeof kb);
		CHECK(m.cfd >= 0 && send(m.cfd, kb, kn, MSG_NOSIGNAL) == (ssize_t)kn);
		RUN(l, mp, m.resps > 2, 200);
		ho_link_get_stats(l, &ls);
		CHECK(m.resps == 3 && m.last_resp == 79 && ls.disconnects == d0);
		m.ber = false;
	}
	/* two keep-alives of the LEMF in one segment, with other headers: each answer echoes
	 * its own (the second's header was echoed for both) */
	{
		struct ho_psheader h;
		uint8_t ka[512];
		size_t k1, k2;
		hdr_init(&h, "lemf", 0);
		h.seqno = 80;
		h.ts_sec = 1000;
		CHECK(ho_encode_keepalive(&h, ka, sizeof ka, &k1) == LIM_OK);
		h.seqno = 81;
		h.ts_sec = 2000;
		CHECK(ho_encode_keepalive(&h, ka + k1, sizeof ka - k1, &k2) == LIM_OK);
		CHECK(m.cfd >= 0 && send(m.cfd, ka, k1 + k2, MSG_NOSIGNAL) == (ssize_t)(k1 + k2));
		RUN(l, mp, m.resps > 4, 200);
		CHECK(m.resps == 5 && m.last_resp == 81 && m.resp_ts[3] == 1000 &&
		      m.resp_ts[4] == 2000);
	}
	/* no keep-alive response within keepalive_timeout_ms: reconnect */
	m.answer = false;
	CHECK(put_iri(s, "L", 3, 1000) == LIM_OK);
	RUN(l, mp, (ho_link_get_stats(l, &ls), ls.ka_timeouts > 0), 2000);
	CHECK(ls.ka_timeouts == 1 && ls.state == HO_LINK_BACKOFF);
	m.answer = true;
	RUN(l, mp, (ho_spool_get_stats(s, &ss), ss.confirmed == 1001), 2000);
	CHECK(ss.confirmed == 1001);
	/* drain: closes once everything is confirmed */
	CHECK(put_iri(s, "L", 3, 1001) == LIM_OK);
	ho_link_drain(l, fake_now + 5000);
	RUN(l, mp, ho_link_done(l), 5000);
	ho_link_get_stats(l, &ls);
	ho_spool_get_stats(s, &ss);
	CHECK(ho_link_done(l) && ls.state == HO_LINK_CLOSED && ss.confirmed == 1002);
	CHECK(m.pdus == 1002 && m.gaps == 0);
	ho_link_free(l);

	/* nobody listening: connect fails, back-off doubles up to the cap, jittered in
	 * [base/2, base] by the injected RNG */
	close(m.lfd);
	if (m.cfd >= 0)
		close(m.cfd);
	CHECK(put_iri(s, "L", 3, 1002) == LIM_OK);
	CHECK(ho_link_new(&cfg, s, &l, NULL, 0) == LIM_OK);
	{
		uint32_t seen[8];
		unsigned k = 0;
		uint64_t prev = 0;
		rngv = 7;
		while (k < 8 && fake_now < 100000) {
			CHECK(ho_link_step(l, fake_now) == LIM_OK);
			ho_link_get_stats(l, &ls);
			if (ls.connect_failures != prev) {
				prev = ls.connect_failures;
				seen[k++] = ls.backoff_ms;
			}
			fake_now++;
		}
		CHECK(k == 8);
		/* bases 10, 20, 40, 80, 80...: base/2 + rng % (base/2 + 1), rng = 7, 8, 9, ... */
		CHECK(seen[0] == 5 + 7 % 6 && seen[1] == 10 + 8 % 11 && seen[2] == 20 + 9 % 21);
		CHECK(seen[3] == 40 + 10 % 41 && seen[4] == 40 + 11 % 41 &&
		      seen[7] == 40 + 14 % 41);
		CHECK(ls.state == HO_LINK_BACKOFF && ls.connects == 0);
	}
	/* drain with nothing reachable gives up at the deadline; the record stays spooled */
	ho_link_drain(l, fake_now + 100);
	RUN(l, none, ho_link_done(l), 1000);
	ho_spool_get_stats(s, &ss);
	CHECK(ho_link_done(l) && ss.confirmed == 1002 && ss.head == 1003);
	ho_link_free(l);
	ho_spool_free(s);
	rm_rf(d);
	free(d);
}

/* A listening mini LEMF on 127.0.0.1; rcvbuf > 0 shrinks the receive buffer of the connections
 * it accepts (set before listen: it bounds the window the peer is offered). */
static void mini_listen(struct mini_lemf *m, int rcvbuf, char *addr, size_t cap)
{
	struct sockaddr_in a;
	socklen_t al = sizeof a;
	memset(m, 0, sizeof *m);
	m->cfd = -1;
	m->answer = true;
	m->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK(m->lfd >= 0);
	if (rcvbuf > 0)
		CHECK(setsockopt(m->lfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) == 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(bind(m->lfd, (struct sockaddr *)&a, sizeof a) == 0 && listen(m->lfd, 4) == 0);
	CHECK(getsockname(m->lfd, (struct sockaddr *)&a, &al) == 0);
	snprintf(addr, cap, "127.0.0.1:%u", (unsigned)ntohs(a.sin_port));
}

static void mini_close(struct mini_lemf *m)
{
	if (m->cfd >= 0)
		close(m->cfd);
	close(m->lfd);
	m->cfd = m->lfd = -1;
}

/* The link's end of the mini LEMF's current connection (this process's fd whose local address
 * is the LEMF's peer), or -1. */
static int link_fd(const struct mini_lemf *m)
{
	struct sockaddr_in peer, me;
	socklen_t pl = sizeof peer;
	if (m->cfd < 0 || getpeername(m->cfd, (struct sockaddr *)&peer, &pl) != 0)
		return -1;
	for (int fd = 3; fd < 1024; fd++) {
		socklen_t ml = sizeof me;
		if (fd == m->cfd || fd == m->lfd ||
		    getsockname(fd, (struct sockaddr *)&me, &ml) != 0 || ml != pl ||
		    me.sin_family != AF_INET)
			continue;
		if (me.sin_port == peer.sin_port && me.sin_addr.s_addr == peer.sin_addr.s_addr)
			return fd;
	}
	return -1;
}

/* Flips one data octet of record rec in the (only) segment of dir. */
static void flip_record(const char *dir, unsigned rec)
{
	char seg[600];
	int fd;
	uint8_t b;
	off_t off = 16;
	last_seg_path(dir, seg, sizeof seg);
	fd = open(seg, O_RDWR);
	CHECK(fd >= 0);
	for (unsigned r = 0; r < rec; r++) {
		uint8_t h[4];
		CHECK(pread(fd, h, 4, off) == 4);
		off += 8 + ((off_t)h[0] << 24 | (off_t)h[1] << 16 | (off_t)h[2] << 8 | h[3]);
	}
	CHECK(pread(fd, &b, 1, off + 20) == 1);
	b ^= 0x01;
	CHECK(pwrite(fd, &b, 1, off + 20) == 1);
	close(fd);
}

/* As RUN, for steps that may fail: counts the failing steps in nerr_, the last error in last_. */
#define RUN_E(l, m, cond, limit_ms, nerr_, last_)                                                  \
	do {                                                                                       \
		uint64_t end_ = fake_now + (limit_ms);                                             \
		while (!(cond) && fake_now < end_) {                                               \
			struct pollfd p_;                                                          \
			int t_;                                                                    \
			enum lim_err e_ = ho_link_step((l), fake_now);                             \
			if (e_ != LIM_OK) {                                                        \
				(nerr_)++;                                                         \
				(last_) = e_;                                                      \
			}                                                                          \
			if ((m))                                                                   \
				mini_step((m));                                                    \
			if (ho_link_fds((l), &p_, 1, fake_now, &t_) && t_ != 0)                    \
				(void)poll(&p_, 1, 1);                                             \
			fake_now++;                                                                \
		}                                                                                  \
	} while (0)

/* The LEMF end sees the link close its connection (EOF) within 200 rounds. */
static bool lemf_sees_close(struct mini_lemf *m)
{
	for (int i = 0; i < 200 && m->cfd >= 0; i++) {
		mini_step(m);
		if (m->cfd >= 0)
			(void)poll(NULL, 0, 1);
	}
	return m->cfd < 0;
}

static void link_cfg(struct ho_link_cfg *cfg, const char *addr, uint64_t *rngv)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->addr = addr;
	cfg->confirm_every = 50;
	cfg->window = 200;
	cfg->keepalive_idle_ms = 500;
	cfg->keepalive_timeout_ms = 300;
	cfg->backoff_min_ms = 10;
	cfg->backoff_max_ms = 80;
	cfg->rng = seq_rng;
	cfg->rng_ctx = rngv;
	hdr_init(&cfg->ka_hdr, "-", 0);
}

/* A damaged synced record (a bit flip on disk) no longer stops the link: it is quarantined and
 * passed over, and everything after it is delivered - the LEMF sees every sequence number but
 * its own, one gap - and confirmed; the spool counts it and raises its alarm. A confirmation
 * that cannot be persisted stops sending and says so (state spool_error): the connection is
 * closed and retried after the back-off, failing again while the fault lasts; it is not sticky,
 * so once the ack file can be written again the records are sent again (duplicates, no loss)
 * and confirmed, and the error clears. The spool opens again afterwards. */
static void t_ho_link_spool_error(void)
{
	char *d = mkdir_tmp(), addr[64];
	static struct mini_lemf m;
	struct mini_lemf *mp = &m;
	struct ho_spool *s;
	struct ho_spool_stats ss;
	struct ho_link *l = NULL;
	struct ho_link_stats ls;
	struct ho_link_cfg cfg;
	struct pollfd pf;
	uint64_t rngv = 0, e0;
	unsigned nerr = 0;
	enum lim_err last = LIM_OK;
	int tmo = 0, ackfd = -1;

	mini_listen(&m, 0, addr, sizeof addr);
	s = open_sp(d, 8u << 20, 1u << 20);
	for (unsigned i = 0; i < 10; i++)
		CHECK(put_iri(s, "L", 3, i) == LIM_OK);
	CHECK(ho_spool_sync(s) == LIM_OK);
	flip_record(d, 5); /* bit rot in a synced record */
	link_cfg(&cfg, addr, &rngv);
	CHECK(ho_link_new(&cfg, s, &l, NULL, 0) == LIM_OK);
	if (!l)
		return;
	fake_now = 1000;
	RUN_E(l, mp, (ho_spool_get_stats(s, &ss), ss.confirmed == 10), 2000, nerr, last);
	ho_link_get_stats(l, &ls);
	CHECK(ss.confirmed == 10 && nerr == 0 && ls.spool_errors == 0 && ls.error[0] == '\0');
	CHECK(ls.state == HO_LINK_UP && ls.sent == 9 && ls.skipped == 1);
	CHECK(m.pdus == 9 && m.gaps == 1 && m.next_seq == 10 && m.dups == 0);
	CHECK(ss.damaged == 1 && ss.alarm);
	{
		char q[700];
		struct stat qs;
		snprintf(q, sizeof q, "%s/quarantine/0000000000000000-5.bad", d);
		CHECK(stat(q, &qs) == 0 && qs.st_size > 8 && (qs.st_mode & 0777) == 0600);
	}
	/* more records flow behind it */
	for (unsigned i = 10; i < 12; i++)
		CHECK(put_iri(s, "L", 3, i) == LIM_OK);
	RUN_E(l, mp, (ho_spool_get_stats(s, &ss), ss.confirmed == 12), 2000, nerr, last);
	CHECK(ss.confirmed == 12 && m.pdus == 11 && m.gaps == 1 && nerr == 0);

	/* a confirmation that cannot be persisted (the ack file's writes fail) closes the
	 * connection too, and the link reports it */
	{
		char want[700], got[700], p[64];
		int nul = open("/dev/null", O_RDONLY);
		snprintf(want, sizeof want, "%s/ack", d);
		for (int fd = 3; fd < 1024 && ackfd < 0; fd++) {
			ssize_t n;
			snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
			n = readlink(p, got, sizeof got - 1);
			if (n > 0) {
				got[n] = '\0';
				if (strcmp(got, want) == 0)
					ackfd = fd;
			}
		}
		CHECK(ackfd >= 0 && nul >= 0);
		CHECK(dup2(nul, ackfd) == ackfd); /* pwrite on a read-only descriptor: EBADF */
		close(nul);
	}
	for (unsigned i = 12; i < 15; i++)
		CHECK(put_iri(s, "L", 3, i) == LIM_OK);
	nerr = 0;
	RUN_E(l, mp, (ho_link_get_stats(l, &ls), ls.state == HO_LINK_SPOOL_ERROR), 2000, nerr,
	      last);
	ho_spool_get_stats(s, &ss);
	CHECK(ls.state == HO_LINK_SPOOL_ERROR && nerr == 1 && last == LIM_E_IO);
	CHECK(ls.spool_err == LIM_E_IO && strstr(ls.error, "confirming the records below 15"));
	CHECK(ss.confirmed == 12 && m.pdus == 14);
	CHECK(ho_link_fds(l, &pf, 1, fake_now, &tmo) == 0);
	CHECK(lemf_sees_close(&m));
	/* while the fault lasts every retry fails and says so */
	e0 = ls.spool_errors;
	RUN_E(l, mp, false, 500, nerr, last);
	ho_link_get_stats(l, &ls);
	CHECK(ls.spool_errors >= e0 + 2 && ls.spool_err == LIM_E_IO && ls.error[0] != '\0');
	/* the fault goes: not sticky, the records are sent again and confirmed, the error
	 * clears - no restart needed */
	{
		char p[700];
		int afd;
		snprintf(p, sizeof p, "%s/ack", d);
		afd = open(p, O_RDWR);
		CHECK(afd >= 0 && ackfd >= 0 && dup2(afd, ackfd) == ackfd);
		close(afd);
	}
	RUN_E(l, mp, (ho_spool_get_stats(s, &ss), ss.confirmed == 15), 2000, nerr, last);
	ho_link_get_stats(l, &ls);
	CHECK(ss.confirmed == 15 && m.pdus == 14 && m.dups > 0);
	CHECK(ls.state == HO_LINK_UP && ls.spool_err == LIM_OK && ls.error[0] == '\0');
	ho_link_free(l);
	mini_close(&m);
	ho_spool_free(s);
	/* and the spool opens again, its quarantine counted */
	s = open_sp(d, 8u << 20, 1u << 20);
	ho_spool_get_stats(s, &ss);
	CHECK(ss.head == 15 && ss.confirmed == 15 && ss.damaged == 1 && ss.alarm);
	ho_spool_free(s);
	rm_rf(d);
	free(d);
}

/* Offset of record rec in the segment file open on fd; its length in *len. */
static off_t rec_off(int fd, unsigned rec, uint32_t *len)
{
	off_t off = 16;
	for (unsigned r = 0;; r++) {
		uint8_t h[4];
		CHECK(pread(fd, h, 4, off) == 4);
		*len = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
		if (r == rec)
			return off;
		off += 8 + (off_t)*len;
	}
}

/* Sets the length field of record rec in the segment seg-<first>.spool of dir to len; returns
 * the record's offset and, in *size, the file's size. */
static off_t set_len(const char *dir, uint64_t first, unsigned rec, uint32_t len, off_t *size)
{
	char p[700];
	uint8_t h[4] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
			 (uint8_t)len };
	uint32_t old;
	struct stat sb;
	off_t off;
	int fd;
	snprintf(p, sizeof p, "%s/seg-%016llx.spool", dir, (unsigned long long)first);
	fd = open(p, O_RDWR);
	CHECK(fd >= 0 && fstat(fd, &sb) == 0);
	off = rec_off(fd, rec, &old);
	if (len == 0)
		h[3] = (uint8_t)(old + 1); /* 0: "the old length plus one" (short records) */
	CHECK(pwrite(fd, h, 4, off) == 4);
	close(fd);
	*size = sb.st_size;
	return off;
}

/* The first indices of the segments of dir, in order; returns how many. */
static size_t seg_firsts(const char *dir, uint64_t *out, size_t cap)
{
	char cmd[600], line[128];
	size_t n = 0;
	FILE *f;
	snprintf(cmd, sizeof cmd, "ls '%s' | grep '^seg-' | sort", dir);
	f = popen(cmd, "r");
	while (f && n < cap && fgets(line, sizeof line, f))
		out[n++] = strtoull(line + 4, NULL, 16);
	if (f)
		pclose(f);
	return n;
}

/* The size of dir/quarantine/<first>-<idx>.bad (-1: missing). */
static off_t q_size(const char *dir, uint64_t first, uint64_t idx)
{
	char p[700];
	struct stat sb;
	snprintf(p, sizeof p, "%s/quarantine/%016llx-%llu.bad", dir, (unsigned long long)first,
		 (unsigned long long)idx);
	return stat(p, &sb) == 0 ? sb.st_size : -1;
}

/* A damaged length field in the middle of a segment: the records after it cannot be delimited.
 * At open the rest of that segment is quarantined and its indices (up to the next segment's
 * first) hold nothing to send, whether the length is impossible or merely wrong (the CRC then
 * fails and no record follows where it says); the sequence counters still replay; at runtime
 * the same is found by a read, and the next append starts a new segment. The link delivers
 * every other record, later segments included. */
static void t_ho_spool_lost(void)
{
	char *d = mkdir_tmp(), addr[64];
	static struct mini_lemf m;
	struct mini_lemf *mp = &m;
	struct ho_spool *s;
	struct ho_spool_stats ss;
	struct ho_link *l = NULL;
	struct ho_link_stats ls;
	struct ho_link_cfg cfg;
	uint64_t f[16], rngv = 0;
	uint8_t buf[HO_PDU_MAX];
	size_t nf, n, skipped = 0;
	off_t o0, sz0, o1, sz1;
	unsigned nerr = 0;
	enum lim_err last = LIM_OK;

	s = open_sp(d, 1u << 20, 2048);
	for (unsigned i = 0; i < 60; i++)
		CHECK(put_iri(s, "L1", 1, i) == LIM_OK);
	ho_spool_free(s);
	nf = seg_firsts(d, f, 16);
	CHECK(nf >= 4 && f[0] == 0 && f[1] > 4 && f[2] > f[1] + 3);
	if (nf < 4)
		exit(1);
	o0 = set_len(d, f[0], 3, 0x7fffffffu, &sz0); /* impossible */
	o1 = set_len(d, f[1], 2, 0, &sz1);           /* in range, wrong */
	s = open_sp(d, 1u << 20, 2048);
	ho_spool_get_stats(s, &ss);
	CHECK(ss.head == 60 && ss.damaged == 2 && ss.alarm && ss.torn_bytes == 0);
	CHECK(q_size(d, f[0], 3) == sz0 - o0 && q_size(d, f[1], f[1] + 2) == sz1 - o1);
	for (uint64_t i = 0; i < 60; i++) {
		bool lost = (i >= 3 && i < f[1]) || (i >= f[1] + 2 && i < f[2]);
		if (lost) {
			n = 1;
			CHECK(ho_spool_read(s, i, buf, sizeof buf, &n) == LIM_OK && n == 0);
			skipped++;
		} else {
			CHECK(rec_is(s, i, (unsigned)i, (uint32_t)i));
		}
	}
	CHECK(ho_spool_next_seq(s, "L1", 1, false) == 60);
	/* at runtime: a length damaged in the active segment is found by a read (seek) */
	{
		off_t ol, szl;
		uint64_t fl = f[nf - 1];
		size_t segs = count_segs(d);
		CHECK(60 - fl >= 3);
		ol = set_len(d, fl, 1, 0xffffffffu, &szl);
		n = 1;
		CHECK(ho_spool_read(s, fl + 1, buf, sizeof buf, &n) == LIM_OK && n == 0);
		CHECK(rec_is(s, fl, (unsigned)fl, (uint32_t)fl));
		for (uint64_t i = fl + 1; i < 60; i++) {
			CHECK(ho_spool_read(s, i, buf, sizeof buf, &n) == LIM_OK && n == 0);
			skipped++;
		}
		ho_spool_get_stats(s, &ss);
		CHECK(ss.damaged == 3 && q_size(d, fl, fl + 1) == szl - ol);
		CHECK(put_iri(s, "L1", 1, 60) == LIM_OK && ho_spool_sync(s) == LIM_OK);
		CHECK(count_segs(d) == segs + 1 && rec_is(s, 60, 60, 60));
	}
	ho_spool_free(s);
	s = open_sp(d, 1u << 20, 2048);
	ho_spool_get_stats(s, &ss);
	CHECK(ss.head == 61 && ss.damaged == 3 && ss.alarm);
	CHECK(rec_is(s, 60, 60, 60) && rec_is(s, 2, 2, 2));
	CHECK(ho_spool_read(s, 3, buf, sizeof buf, &n) == LIM_OK && n == 0);

	/* the link: every record that is left is delivered and all 61 are confirmed */
	mini_listen(&m, 0, addr, sizeof addr);
	link_cfg(&cfg, addr, &rngv);
	CHECK(ho_link_new(&cfg, s, &l, NULL, 0) == LIM_OK);
	if (!l)
		exit(1);
	fake_now = 1000;
	RUN_E(l, mp, (ho_spool_get_stats(s, &ss), ss.confirmed == 61), 3000, nerr, last);
	ho_link_get_stats(l, &ls);
	CHECK(ss.confirmed == 61 && nerr == 0 && last == LIM_OK && ls.spool_errors == 0);
	CHECK(ls.skipped == skipped && ls.sent == 61 - skipped);
	CHECK(m.pdus == 61 - skipped && m.gaps == 3 && m.next_seq == 61 && m.dups == 0);
	ho_link_free(l);
	mini_close(&m);
	ho_spool_free(s);
	rm_rf(d);
	free(d);
}

/* A CC record of n RTP octets. */
static enum lim_err put_big(struct ho_spool *s, size_t n)
{
	static uint8_t rtp[200000];
	struct ho_psheader h;
	struct ho_cc_rtp cc;
	hdr_init(&h, "L", 9);
	memset(&cc, 0, sizeof cc);
	memset(rtp, 0x80, sizeof rtp);
	cc.rtp = rtp;
	cc.rtp_len = n < sizeof rtp ? n : sizeof rtp;
	return ho_spool_put_cc(s, &h, &cc);
}

struct ka_env {
	char *dir, addr[64];
	struct ho_spool *s;
	struct ho_link *l;
	uint64_t rngv;
};

/* A link connected (nothing spooled yet) to a paused mini LEMF with small socket buffers at
 * both ends, then two 200,000-octet records: the first fill (one record and its keep-alive)
 * cannot all be written, so the keep-alive (sequence number 0) waits in the link's buffer. */
static void ka_setup(struct ka_env *k, struct mini_lemf *m)
{
	struct ho_link_cfg cfg;
	struct ho_link_stats ls;
	int fd, small = 4096;
	memset(k, 0, sizeof *k);
	k->dir = mkdir_tmp();
	mini_listen(m, small, k->addr, sizeof k->addr);
	m->paused = true;
	k->s = open_sp(k->dir, 32u << 20, 8u << 20);
	link_cfg(&cfg, k->addr, &k->rngv);
	cfg.keepalive_idle_ms = 100000; /* no idle keep-alive in the way */
	CHECK(ho_link_new(&cfg, k->s, &k->l, NULL, 0) == LIM_OK);
	if (!k->l)
		exit(1);
	RUN(k->l, m, (ho_link_get_stats(k->l, &ls), ls.state == HO_LINK_UP && m->cfd >= 0), 1000);
	fd = link_fd(m);
	CHECK(fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof small) == 0);
	CHECK(put_big(k->s, 200000) == LIM_OK && put_big(k->s, 200000) == LIM_OK);
	RUN(k->l, m, (ho_link_get_stats(k->l, &ls), ls.ka_sent == 1), 100);
	CHECK(ls.ka_sent == 1 && ls.sent == 1);
	RUN(k->l, m, false, 20); /* the socket stays full */
	ho_link_get_stats(k->l, &ls);
	CHECK(ls.ka_sent == 1 && ls.sent == 1 && ls.state == HO_LINK_UP);
}

static void ka_free(struct ka_env *k, struct mini_lemf *m)
{
	ho_link_free(k->l);
	ho_spool_free(k->s);
	mini_close(m);
	rm_rf(k->dir);
	free(k->dir);
}

/* A keep-alive counts as sent only once it is fully written to the socket: a response to one
 * still in the link's buffer (forged: the numbers are predictable) confirms nothing and drops
 * the connection; the response timeout runs from the write, not the queueing; a peer that
 * reads nothing at all still times out. */
static void t_ho_link_ka_written(void)
{
	static struct mini_lemf m;
	struct mini_lemf *mp = &m;
	struct ka_env k;
	struct ho_link_stats ls;
	struct ho_spool_stats ss;
	uint64_t t0;

	/* a forged response to the keep-alive still in the buffer */
	fake_now = 1000;
	ka_setup(&k, &m);
	{
		struct ho_psheader h;
		uint8_t resp[256];
		size_t rl;
		hdr_init(&h, "-", 0);
		h.seqno = 0;
		CHECK(ho_encode_keepalive_response(&h, resp, sizeof resp, &rl) == LIM_OK);
		CHECK(send(m.cfd, resp, rl, MSG_NOSIGNAL) == (ssize_t)rl);
	}
	RUN(k.l, mp, (ho_link_get_stats(k.l, &ls), ls.state != HO_LINK_UP), 100);
	ho_spool_get_stats(k.s, &ss);
	CHECK(ss.confirmed == 0 && ls.ka_answered == 0);
	CHECK(ls.state == HO_LINK_BACKOFF && ls.disconnects == 1 && ls.last_err == LIM_E_PARSE);
	ka_free(&k, &m);

	/* the LEMF reads again after 200 ms (keep-alive timeout 300 ms) but never answers: the
	 * timeout runs from the moment the keep-alive went out, about 200 ms after its queueing */
	ka_setup(&k, &m);
	t0 = fake_now;
	m.answer = false;
	RUN(k.l, mp, false, 200);
	m.paused = false;
	RUN(k.l, mp, (ho_link_get_stats(k.l, &ls), ls.ka_timeouts > 0), t0 + 450 - fake_now);
	CHECK(ls.ka_timeouts == 0 && ls.state == HO_LINK_UP);
	CHECK(m.pdus == 2 && m.kas >= 1); /* everything went out */
	RUN(k.l, mp, (ho_link_get_stats(k.l, &ls), ls.ka_timeouts > 0), 400);
	CHECK(ls.ka_timeouts == 1 && fake_now - t0 >= 480 && ls.state == HO_LINK_BACKOFF);
	ka_free(&k, &m);

	/* a LEMF that reads nothing: no keep-alive can go out, and the link gives up on the
	 * connection once nothing could be written for the keep-alive timeout */
	ka_setup(&k, &m);
	t0 = fake_now;
	RUN(k.l, mp, (ho_link_get_stats(k.l, &ls), ls.ka_timeouts > 0), 1000);
	CHECK(ls.ka_timeouts == 1 && ls.state == HO_LINK_BACKOFF && fake_now - t0 <= 400);
	ho_spool_get_stats(k.s, &ss);
	CHECK(ss.confirmed == 0);
	ka_free(&k, &m);
}

/* A client certificate (or a server name) without a CA would have been ignored, the link
 * going out in plain TCP: refused. */
static void t_ho_link_tls_args(void)
{
	char *d = mkdir_tmp();
	struct ho_spool *s = open_sp(d, 1u << 20, 1u << 20);
	struct ho_link *x = NULL;
	struct ho_link_cfg cfg;
	uint64_t rngv = 0;
	link_cfg(&cfg, "127.0.0.1:9", &rngv);
	cfg.tls_cert = "/nonexistent/client.pem";
	cfg.tls_key = "/nonexistent/client.key";
	CHECK(ho_link_new(&cfg, s, &x, NULL, 0) == LIM_E_ARG && !x);
	cfg.tls_cert = cfg.tls_key = NULL;
	cfg.tls_name = "lemf.example.org";
	CHECK(ho_link_new(&cfg, s, &x, NULL, 0) == LIM_E_ARG && !x);
	cfg.tls_name = NULL;
	CHECK(ho_link_new(&cfg, s, &x, NULL, 0) == LIM_OK &&
	      x); /* plain TCP is the caller's choice */
	ho_link_free(x);
	ho_spool_free(s);
	rm_rf(d);
	free(d);
}

/* Writes a self-signed P-256 certificate (a CA) to crt and its key to key, and another key,
 * not the certificate's, to other. */
static void tls_files(const char *crt, const char *key, const char *other)
{
	EVP_PKEY *k = EVP_EC_gen("P-256"), *o = EVP_EC_gen("P-256");
	X509 *c = X509_new();
	X509_NAME *n;
	FILE *f;
	CHECK(k && o && c);
	if (!k || !o || !c)
		goto out;
	X509_set_version(c, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(c), 1);
	X509_gmtime_adj(X509_getm_notBefore(c), -60);
	X509_gmtime_adj(X509_getm_notAfter(c), 3600);
	X509_set_pubkey(c, k);
	n = X509_get_subject_name(c);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"lemf", -1, -1, 0);
	X509_set_issuer_name(c, n);
	CHECK(X509_sign(c, k, EVP_sha256()) > 0);
	CHECK((f = fopen(crt, "w")) && PEM_write_X509(f, c) == 1);
	if (f)
		fclose(f);
	CHECK((f = fopen(key, "w")) && PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) == 1);
	if (f)
		fclose(f);
	CHECK((f = fopen(other, "w")) &&
	      PEM_write_PrivateKey(f, o, NULL, NULL, 0, NULL, NULL) == 1);
	if (f)
		fclose(f);
out:
	X509_free(c);
	EVP_PKEY_free(k);
	EVP_PKEY_free(o);
}

/* A link that cannot be made says why, naming the file or the setting: the operator's
 * message for a refused configuration or reload (limf/delivery.c) is this reason. */
static void t_ho_link_why(void)
{
	char *d = mkdir_tmp();
	struct ho_spool *s = open_sp(d, 1u << 20, 1u << 20);
	struct ho_link *x = NULL;
	struct ho_link_cfg cfg;
	uint64_t rngv = 0;
	char crt[300], key[300], other[300], bad[300], w[256];
	FILE *f;
	snprintf(crt, sizeof crt, "%s/c.pem", d);
	snprintf(key, sizeof key, "%s/c.key", d);
	snprintf(other, sizeof other, "%s/other.key", d);
	snprintf(bad, sizeof bad, "%s/bad.key", d);
	tls_files(crt, key, other);
	CHECK((f = fopen(bad, "w")) && fputs("not a key\n", f) >= 0);
	if (f)
		fclose(f);
	link_cfg(&cfg, "127.0.0.1:9", &rngv);
	cfg.tls_ca = crt;
	cfg.tls_cert = crt;
	cfg.tls_key = key;
	CHECK(ho_link_new(&cfg, s, &x, w, sizeof w) == LIM_OK && x && w[0] == 0);
	ho_link_free(x);
	x = NULL;
	{
		/* each refusal: what is changed from the good set-up, the error, the words */
		const struct {
			const char *ca, *cert, *key, *addr;
			enum lim_err e;
			const char *says;
		} t[] = {
			{ crt, crt, other, NULL, LIM_E_CRYPTO,
			  "other.key: the key does not match the certificate" },
			{ crt, crt, bad, NULL, LIM_E_CRYPTO, "bad.key: no PEM private key" },
			{ crt, crt, "/nonexistent/c.key", NULL, LIM_E_CRYPTO,
			  "/nonexistent/c.key: No such file" },
			{ crt, bad, key, NULL, LIM_E_CRYPTO,
			  "bad.key: no client certificate could be read" },
			{ "/nonexistent/ca.pem", crt, key, NULL, LIM_E_CRYPTO,
			  "/nonexistent/ca.pem: no CA certificate could be read" },
			{ crt, crt, NULL, NULL, LIM_E_ARG, "a client certificate without its key" },
			{ crt, crt, key, "nocolon", LIM_E_ARG, "nocolon: not HOST:PORT" },
		};
		for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
			struct ho_link_cfg c = cfg;
			c.tls_ca = t[i].ca;
			c.tls_cert = t[i].cert;
			c.tls_key = t[i].key;
			if (t[i].addr)
				c.addr = t[i].addr;
			x = NULL;
			CHECK(ho_link_new(&c, s, &x, w, sizeof w) == t[i].e && !x &&
			      strstr(w, t[i].says));
		}
	}
	/* the mismatch names the certificate too */
	cfg.tls_key = other;
	CHECK(ho_link_new(&cfg, s, &x, w, sizeof w) == LIM_E_CRYPTO && strstr(w, crt));
	ho_spool_free(s);
	rm_rf(d);
	free(d);
}

/* A host name is resolved beside the step (getaddrinfo_a), never in it, and each of its
 * addresses is tried in turn: the link connects to "localhost:PORT" and delivers, with no failed
 * attempt even when localhost's first address is not the LEMF's (::1 before 127.0.0.1, where
 * /etc/hosts has both). A name that does not resolve (RFC 6761 .invalid) is a failed attempt,
 * backed off like an address nobody listens on, and never brings the link up. */
/* Fault injection for t_ho_link_names: this binary's getaddrinfo() comes before libc's for
 * every call the binary makes (handover/deliver.c's included; getaddrinfo_a's own lookups, made
 * inside libc, are not affected). gai_slow_ms > 0: a name lookup (no AI_NUMERICHOST) first
 * waits that long, as a resolver that does not answer (what the link must never wait for).
 * gai_two_addrs: the literal 127.0.0.1 resolves to 127.0.0.2 (where nobody listens), then
 * 127.0.0.1 - a name with two addresses, the first unreachable. Otherwise libc's, unchanged. */
static unsigned gai_slow_ms;
static bool gai_two_addrs;

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		struct addrinfo **res)
{
	static int (*real)(const char *, const char *, const struct addrinfo *, struct addrinfo **);
	struct addrinfo *first = NULL;
	int r;
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "getaddrinfo");
	if (!real)
		return EAI_SYSTEM;
	if (gai_slow_ms && !(hints && (hints->ai_flags & AI_NUMERICHOST)))
		(void)poll(NULL, 0, (int)gai_slow_ms);
	if (!gai_two_addrs || !node || strcmp(node, "127.0.0.1") != 0)
		return real(node, service, hints, res);
	if ((r = real("127.0.0.2", service, hints, &first)) != 0)
		return r;
	if ((r = real(node, service, hints, &first->ai_next)) != 0) {
		freeaddrinfo(first);
		return r;
	}
	*res = first;
	return 0;
}

/* RUN, paced in real time while the link has no descriptor (resolving): one fake ms per real
 * ms, so that the fake clock does not run past the connect timeout while the resolver works. */
#define RUN_PACED(l, m, cond, limit_ms)                                                            \
	do {                                                                                       \
		uint64_t end_ = fake_now + (limit_ms);                                             \
		while (!(cond) && fake_now < end_) {                                               \
			struct pollfd p_;                                                          \
			int t_;                                                                    \
			CHECK(ho_link_step((l), fake_now) == LIM_OK);                              \
			if ((m))                                                                   \
				mini_step((m));                                                    \
			if (ho_link_fds((l), &p_, 1, fake_now, &t_))                               \
				(void)poll(&p_, 1, t_ != 0 ? 1 : 0);                               \
			else                                                                       \
				(void)poll(NULL, 0, 1);                                            \
			fake_now++;                                                                \
		}                                                                                  \
	} while (0)

static void t_ho_link_names(void)
{
	char *d = mkdir_tmp(), addr[64], name[80];
	static struct mini_lemf m;
	struct mini_lemf *mp = &m, *none = NULL;
	struct ho_spool *s;
	struct ho_spool_stats ss;
	struct ho_link *l = NULL;
	struct ho_link_stats ls;
	struct ho_link_cfg cfg;
	uint64_t rngv = 0;

	mini_listen(&m, 0, addr, sizeof addr); /* 127.0.0.1 only */
	snprintf(name, sizeof name, "localhost:%s", strrchr(addr, ':') + 1);
	s = open_sp(d, 8u << 20, 1u << 20);
	for (unsigned i = 0; i < 10; i++)
		CHECK(put_iri(s, "L", 3, i) == LIM_OK);
	link_cfg(&cfg, name, &rngv);
	cfg.connect_timeout_ms = 8000;
	CHECK(ho_link_new(&cfg, s, &l, NULL, 0) == LIM_OK && l);
	if (!l)
		return;
	fake_now = 1000;
	/* a resolver that takes 3 s to answer a lookup made in the step would hold the step (and,
	 * in limf, every pipeline thread waiting for the sink) that long: the step must return at
	 * once (well under half of it, whatever the machine's load) */
	gai_slow_ms = 3000;
	{
		uint64_t t0 = lim_mono_ms();
		CHECK(ho_link_step(l, fake_now) == LIM_OK);
		CHECK(lim_mono_ms() - t0 < 1500);
	}
	gai_slow_ms = 0;
	RUN_PACED(l, mp, (ho_spool_get_stats(s, &ss), ss.confirmed == 10), 10000);
	ho_link_get_stats(l, &ls);
	CHECK(ss.confirmed == 10 && m.pdus == 10);
	CHECK(ls.connects == 1 && ls.connect_failures == 0 && ls.state == HO_LINK_UP);
	ho_link_free(l);
	/* two addresses, the first where nobody listens: the second is tried within the same
	 * attempt (no failed attempt, no back-off) and delivers */
	for (unsigned i = 10; i < 20; i++)
		CHECK(put_iri(s, "L", 3, i) == LIM_OK);
	gai_two_addrs = true;
	cfg.addr = addr;
	CHECK(ho_link_new(&cfg, s, &l, NULL, 0) == LIM_OK && l);
	if (!l)
		return;
	RUN_PACED(l, mp, (ho_spool_get_stats(s, &ss), ss.confirmed == 20), 10000);
	ho_link_get_stats(l, &ls);
	CHECK(ss.confirmed == 20 && m.pdus == 20);
	CHECK(ls.connects == 1 && ls.connect_failures == 0 && ls.state == HO_LINK_UP);
	gai_two_addrs = false;
	ho_link_free(l);
	close(m.lfd);
	if (m.cfd >= 0)
		close(m.cfd);
	/* a name that does not resolve: failed attempts, never up */
	cfg.addr = "lemf.invalid:1";
	cfg.connect_timeout_ms = 200;
	CHECK(ho_link_new(&cfg, s, &l, NULL, 0) == LIM_OK && l);
	if (!l)
		return;
	/* (until it backs off: its last resolution collected or cancelled, not left running) */
	RUN_PACED(l, none,
		  (ho_link_get_stats(l, &ls),
		   ls.connect_failures >= 2 && ls.state == HO_LINK_BACKOFF),
		  20000);
	CHECK(ls.connect_failures >= 2 && ls.connects == 0 && ls.state != HO_LINK_UP);
	ho_link_free(l);
	ho_spool_free(s);
	rm_rf(d);
	free(d);
}

/* ThreadSanitizer's builds (SAN=thread) */
#if defined(__SANITIZE_THREAD__)
#define T_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define T_TSAN 1
#endif
#endif
#ifndef T_TSAN
#define T_TSAN 0
#endif

/* see test_handover.c */
void t_ho_link_errors(void)
{
	if (T_TSAN)
		/* glibc starts getaddrinfo_a's resolver thread itself, unseen by ThreadSanitizer,
		 * whose malloc then crashes in that thread: host names are tested in the other
		 * builds */
		fprintf(stderr, "note: link_names skipped under ThreadSanitizer (getaddrinfo_a)\n");
	else
		t_ho_link_names();
	t_ho_link_tls_args();
	t_ho_link_why();
	t_ho_link_spool_error();
	t_ho_spool_lost();
	t_ho_link_ka_written();
}

/* An empty "ended" journal found at open (created, then its data lost in a power loss) is
 * started again, magic first: a forget made after it survives a crash (review: its lines were
 * appended without the magic, and every later open ignored the whole journal). */
static void t_ho_spool_ended_empty(void)
{
	char *d = mkdir_tmp(), path[600];
	struct ho_spool *s = open_sp(d, 8u << 20, 1u << 20);
	FILE *f;
	pid_t pid;
	int ws = 0;
	ho_spool_free(s);
	snprintf(path, sizeof path, "%s/ended", d);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f)
		fclose(f);
	pid = fork();
	if (pid == 0) {
		struct ho_spool *c = open_sp(d, 8u << 20, 1u << 20);
		if (put_iri(c, "L1", 7, 0) != LIM_OK || ho_spool_seq_forget(c, NULL, 7) != LIM_OK ||
		    ho_spool_sync(c) != LIM_OK)
			_exit(2);
		_exit(0); /* a crash: no close, no seq file written */
	}
	CHECK(pid > 0 && waitpid(pid, &ws, 0) == pid && WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
	s = open_sp(d, 8u << 20, 1u << 20);
	CHECK(ho_spool_next_seq(s, "L1", 7, false) == 0); /* the forget held */
	ho_spool_free(s);
	rm_rf(d);
	free(d);
}

/* Which files were synced, for t_ho_spool_open_syncs: this binary's fsync() and fdatasync()
 * come before libc's for every call the binary makes (handover/spool.c's included); they make
 * the same system call, and while sync_rec is set note the synced file's inode first. */
static bool sync_rec;
static size_t sync_n;
static ino_t sync_ino[64];

static void sync_note(int fd)
{
	struct stat st;
	if (sync_rec && sync_n < sizeof sync_ino / sizeof sync_ino[0] && fstat(fd, &st) == 0)
		sync_ino[sync_n++] = st.st_ino;
}

int fsync(int fd)
{
	sync_note(fd);
	return (int)syscall(SYS_fsync, fd);
}

int fdatasync(int fd)
{
	sync_note(fd);
	return (int)syscall(SYS_fdatasync, fd);
}

/* path was synced while sync_rec was set */
static bool synced(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return false;
	for (size_t i = 0; i < sync_n; i++)
		if (sync_ino[i] == st.st_ino)
			return true;
	return false;
}

/* Records a process wrote and died without syncing (still in the page cache: they read back
 * whole) count as synced once a spool is opened again, and the link may send them: the open
 * makes them durable first - the last segment, the ended journal (its forgets, before the
 * records), the ack file (a confirmation's slot, which the open trims by), and the directory
 * that holds segments made since its last sync. Before, the open
 * synced nothing, and a power loss after the authority got those records took them away and
 * gave their indices and sequence numbers again. */
static void t_ho_spool_open_syncs(void)
{
	char *d = mkdir_tmp(), path[600];
	struct ho_spool *s;
	struct ho_spool_stats st;
	pid_t pid;
	int ws = 0;
	pid = fork();
	if (pid == 0) {
		struct ho_spool *c = open_sp(d, 8u << 20, 1u << 20);
		for (unsigned i = 0; i < 3; i++)
			if (put_iri(c, "L1", 7, i) != LIM_OK)
				_exit(2);
		if (ho_spool_seq_forget(c, "L1", 7) != LIM_OK)
			_exit(3);
		/* and a confirmation, whose ack slot is written, not synced (no trim) */
		if (ho_spool_sync(c) != LIM_OK || ho_spool_confirm(c, 1) != LIM_OK)
			_exit(4);
		if (put_iri(c, "L1", 8, 0) != LIM_OK)
			_exit(5);
		_exit(0); /* a crash before the next sync */
	}
	CHECK(pid > 0 && waitpid(pid, &ws, 0) == pid && WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
	sync_n = 0;
	sync_rec = true;
	s = open_sp(d, 8u << 20, 1u << 20);
	sync_rec = false;
	ho_spool_get_stats(s, &st);
	CHECK(st.head == 4 && st.synced == 4 && st.confirmed == 1);
	snprintf(path, sizeof path, "%s/seg-0000000000000000.spool", d);
	CHECK(synced(path));
	snprintf(path, sizeof path, "%s/ended", d);
	CHECK(synced(path));
	snprintf(path, sizeof path, "%s/ack", d);
	CHECK(synced(path));
	CHECK(synced(d));
	ho_spool_free(s);
	rm_rf(d);
	free(d);
}

/* The ack file's generation counts every confirmation of the spool's life and wraps after
 * 2^32 - 1: the newer slot is still the one read at open (serial-number order). Before, the
 * slot of generation 0xffffffff won over the one of 0 that followed it; a trim had removed the
 * segments below the newer index, and the open failed ("the ack file's index 2 is outside the
 * segments") - that authority's delivery stopped. */
static void t_ho_spool_ack_wrap(void)
{
	char *d = mkdir_tmp(), path[600];
	struct ho_spool *s = open_sp(d, 8u << 20, 256);
	struct ho_spool_stats st;
	uint8_t slots[2 * 24] = { 0 };
	FILE *f;
	ho_spool_free(s);
	/* slot 0 (even generations): index 0, generation 0xfffffffe; slot 1 never written */
	memcpy(slots, "LIMFACK2", 8);
	slots[16] = slots[17] = slots[18] = 0xff;
	slots[19] = 0xfe;
	{
		uint32_t c = ho_crc32c(0, slots, 20);
		for (int i = 0; i < 4; i++)
			slots[20 + i] = (uint8_t)(c >> (24 - 8 * i));
	}
	snprintf(path, sizeof path, "%s/ack", d);
	f = fopen(path, "wb");
	CHECK(f && fwrite(slots, 1, sizeof slots, f) == sizeof slots);
	if (f)
		fclose(f);
	s = open_sp(d, 8u << 20, 256);
	for (unsigned i = 0; i < 12; i++)
		CHECK(put_iri(s, "W1", 1, i) == LIM_OK);
	CHECK(ho_spool_sync(s) == LIM_OK);
	CHECK(ho_spool_confirm(s, 2) == LIM_OK);  /* generation 0xffffffff */
	CHECK(ho_spool_confirm(s, 10) == LIM_OK); /* generation 0: segments below 10 go */
	CHECK(count_segs(d) < 6);
	ho_spool_free(s);
	s = NULL;
	{
		struct ho_spool_cfg c = { .dir = d, .max_bytes = 8u << 20, .segment_bytes = 256 };
		CHECK(ho_spool_open(&c, &s) == LIM_OK);
	}
	if (s) {
		ho_spool_get_stats(s, &st);
		CHECK(st.confirmed == 10 && st.head == 12);
		CHECK(rec_is(s, 10, 10, 10));
		ho_spool_free(s);
	}
	rm_rf(d);
	free(d);
}

/* An audit of the spool (session 27):
 * - a confirmation whose trim fails (the seq file cannot be rewritten: a full disk, here a
 *   directory in the way of its temporary file) no longer fails the spool: appends, reads
 *   and later confirmations go on, and the segments go once the rewrite works; an open
 *   whose trim fails the same way opens;
 * - a segment of a run under a larger bound opens under a smaller one;
 * - a record length above HO_PDU_MAX near the end of the last segment is damage (the
 *   records after it quarantined, the alarm raised), not a torn tail silently cut. */
static void t_ho_spool_trim_fail(void)
{
	char *d = mkdir_tmp(), tmpdir[600], seg[600];
	struct ho_spool *s = open_sp(d, 1u << 30, 8192);
	struct ho_spool_stats st;
	uint8_t buf[HO_PDU_MAX];
	size_t n, nseg;
	unsigned i;
	for (i = 0; i < 400; i++)
		CHECK(put_iri(s, "E1", 1, i) == LIM_OK);
	CHECK(ho_spool_sync(s) == LIM_OK);
	nseg = count_segs(d);
	CHECK(nseg > 4);
	snprintf(tmpdir, sizeof tmpdir, "%s/seq.tmp", d);
	CHECK(mkdir(tmpdir, 0700) == 0);
	CHECK(ho_spool_confirm(s, 200) == LIM_OK);
	CHECK(count_segs(d) == nseg); /* nothing deleted before the seq file is rewritten */
	CHECK(put_iri(s, "E1", 1, 400) == LIM_OK && ho_spool_sync(s) == LIM_OK);
	CHECK(rec_is(s, 400, 400, 400) && rec_is(s, 250, 250, 250));
	CHECK(ho_spool_confirm(s, 200) == LIM_OK && count_segs(d) == nseg);
	CHECK(rmdir(tmpdir) == 0);
	CHECK(ho_spool_confirm(s, 200) == LIM_OK); /* the same index: the trim due is done */
	CHECK(count_segs(d) < nseg);
	nseg = count_segs(d);
	CHECK(ho_spool_read(s, 300, buf, sizeof buf, &n) == LIM_OK && n > 0);
	/* confirmed while the rewrite fails, then closed (its seq file not written either):
	 * the open's trim fails the same way, and the spool opens all the same */
	for (i = 401; i < 600; i++)
		CHECK(put_iri(s, "E1", 1, i) == LIM_OK);
	CHECK(ho_spool_sync(s) == LIM_OK);
	nseg = count_segs(d);
	CHECK(mkdir(tmpdir, 0700) == 0);
	CHECK(ho_spool_confirm(s, 550) == LIM_OK && count_segs(d) == nseg);
	ho_spool_free(s);
	s = open_sp(d, 1u << 30, 8192);
	ho_spool_get_stats(s, &st);
	CHECK(st.head == 600 && st.confirmed == 550 && count_segs(d) == nseg);
	CHECK(put_iri(s, "E1", 1, 600) == LIM_OK && ho_spool_sync(s) == LIM_OK);
	CHECK(rmdir(tmpdir) == 0);
	CHECK(ho_spool_confirm(s, 601) == LIM_OK && count_segs(d) == 1);
	ho_spool_free(s);
	rm_rf(d);
	free(d);

	/* written under 1 MiB (segments of 256 KiB), opened under 64 KiB: refused before */
	d = mkdir_tmp();
	s = open_sp(d, 1u << 20, 0);
	for (i = 0; i < 240; i++)
		CHECK(put_cc(s, "B1", 2, 1000) == LIM_OK);
	CHECK(ho_spool_sync(s) == LIM_OK && count_segs(d) == 1);
	ho_spool_free(s);
	s = open_sp(d, 64u << 10, 0);
	ho_spool_get_stats(s, &st);
	CHECK(st.head == 240 && st.bytes > (64u << 10));
	CHECK(ho_spool_read(s, 239, buf, sizeof buf, &n) == LIM_OK && n > 1000);
	CHECK(put_cc(s, "B1", 2, 1000) == LIM_E_LIMIT); /* over the new bound: a full spool */
	ho_spool_free(s);
	rm_rf(d);
	free(d);

	/* record 5 of 20's length made 0x40...: damage, not a torn tail */
	d = mkdir_tmp();
	s = open_sp(d, 1u << 20, 1u << 20);
	for (i = 0; i < 20; i++)
		CHECK(put_iri(s, "L1", 1, i) == LIM_OK);
	CHECK(ho_spool_sync(s) == LIM_OK);
	ho_spool_free(s);
	last_seg_path(d, seg, sizeof seg);
	{
		int fd = open(seg, O_RDWR);
		off_t off = 16;
		uint8_t h[4], top = 0x40;
		CHECK(fd >= 0);
		for (int r = 0; r < 5; r++) {
			CHECK(pread(fd, h, 4, off) == 4);
			off += 8 + (off_t)((uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 |
					   (uint32_t)h[2] << 8 | h[3]);
		}
		CHECK(pwrite(fd, &top, 1, off) == 1);
		close(fd);
	}
	s = open_sp(d, 1u << 20, 1u << 20);
	ho_spool_get_stats(s, &st);
	/* (the records from 5 on are one quarantined stretch: index 5; the next is 6) */
	CHECK(st.torn_bytes == 0 && st.alarm && st.damaged == 1 && st.head == 6);
	CHECK(rec_is(s, 4, 4, 4));
	ho_spool_free(s);
	rm_rf(d);
	free(d);
}

/* see test_handover.c */
void t_ho_deliver(void)
{
	t_ho_spool();
	t_ho_spool_torn();
	t_ho_spool_full();
	t_ho_spool_set_max();
	t_ho_spool_corrupt();
	t_ho_spool_confirmed_tail();
	t_ho_seqno();
	t_ho_seqtab();
	t_ho_spool_keys();
	t_ho_spool_enospc();
	t_ho_spool_trim_fail();
	t_ho_spool_lock();
	t_ho_spool_zeros();
	t_ho_spool_len_damage();
	t_ho_spool_seq_damage();
	t_ho_spool_ended_empty();
	t_ho_spool_open_syncs();
	t_ho_spool_ack_wrap();
	t_ho_link();
}
