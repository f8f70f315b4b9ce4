/* ho-send: test-only driver of handover/ delivery (spool + link), used by tests/cli/test_lemf.sh.
 *   ho-send --spool DIR [--append N] [--kind iri|cc] [--liid L] [--cin C] [--payload BYTES]
 *           [--to ADDR:PORT [--tls-ca F [--tls-cert F --tls-key F]] [--timeout SECS]
 *            [--confirm-every N] [--window N] [--idle-ka MS] [--ka-timeout MS]
 *            [--kill-after N]] [--max-bytes B]
 * Appends N PS-PDUs (IRI: a SIP INVITE text numbered i; CC: an RTP packet of --payload bytes)
 * with the spool's sequence numbers, syncs, then with --to delivers until every record is
 * confirmed (graceful drain) or the timeout passes. --kill-after N raises SIGKILL once N records
 * have been written to the socket (a crash at a deterministic point). --interleave appends 50
 * PDUs per loop turn while delivering (as limf does) and reports append_ms, the time to append
 * them all. Prints one JSON line of
 * counters; exit 0 when everything appended is confirmed (or nothing to deliver), 1 otherwise,
 * 3 when an append was refused (spool full). */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/json.h"
#include "handover/deliver.h"
#include "handover/handover.h"

static void die(const char *m, enum lim_err e)
{
	fprintf(stderr, "ho-send: %s: %s\n", m, lim_strerror(e));
	exit(2);
}

static uint64_t num(const char *v)
{
	char *end;
	unsigned long long x = strtoull(v, &end, 10);
	if (!*v || *end)
		die("bad number", LIM_E_ARG);
	return x;
}

/* Appends PDU number i (false: refused, the spool is full). */
static bool append_one(struct ho_spool *sp, uint64_t i, const char *kind, const char *liid,
		       uint64_t cin, size_t payload)
{
	enum lim_err e;
	struct ho_psheader h;
	uint8_t body[60000];
	char sip[256];
	memset(&h, 0, sizeof h);
	h.version = HO_PS_VERSION_DEFAULT;
	snprintf(h.liid, sizeof h.liid, "%s", liid);
	memcpy(h.op_id, "limf-op", 8);
	memcpy(h.auth_cc, "GB", 3);
	h.cin = (uint32_t)cin;
	h.ts_sec = (uint32_t)time(NULL);
	h.ts_usec = (uint32_t)(i % 1000000u);
	h.tsq = HO_TSQ_INTERCEPTION;
	if (strcmp(kind, "cc") == 0) {
		struct ho_cc_rtp cc = { .dir = i % 2 ? HO_DIR_TO_TARGET : HO_DIR_FROM_TARGET };
		for (size_t b = 0; b < payload; b++)
			body[b] = (uint8_t)(i + b);
		body[0] = 0x80;
		cc.rtp = body;
		cc.rtp_len = payload;
		e = ho_spool_put_cc(sp, &h, &cc);
	} else {
		struct ho_iri_sip iri = { .type = i == 0 ? HO_IRI_BEGIN : HO_IRI_CONTINUE };
		int n = snprintf(sip, sizeof sip,
				 "INVITE sip:bob@example.org SIP/2.0\r\nCSeq: %llu INVITE\r\n\r\n",
				 (unsigned long long)i);
		iri.src.family = iri.dst.family = 4;
		memcpy(iri.src.addr, "\x0a\x00\x00\x01", 4);
		memcpy(iri.dst.addr, "\x0a\x00\x00\x02", 4);
		iri.sip = (const uint8_t *)sip;
		iri.sip_len = (size_t)n;
		e = ho_spool_put_iri(sp, &h, &iri);
	}
	if (e == LIM_E_LIMIT)
		return false;
	if (e != LIM_OK)
		die("append", e);
	return true;
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *to = NULL, *liid = "LIID-1", *kind = "iri";
	uint64_t appended = 0, t_app = 0;
	bool interleave = false;
	uint64_t append = 0, timeout = 30, kill_after = 0, max_bytes = 64u << 20, cin = 7;
	size_t payload = 160;
	struct ho_spool_cfg scfg;
	struct ho_link_cfg lcfg;
	struct ho_spool *sp;
	struct ho_link *lk = NULL;
	struct ho_spool_stats ss;
	struct ho_link_stats ls;
	uint64_t t0, t1 = 0, refused = 0;
	struct lim_json j;
	enum lim_err e;
	int rc;
	memset(&lcfg, 0, sizeof lcfg);
	for (int i = 1; i < argc; i += 2) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
		if (strcmp(a, "--interleave") == 0) {
			interleave = true;
			i--;
		} else if (strcmp(a, "--spool") == 0)
			dir = v;
		else if (strcmp(a, "--append") == 0)
			append = num(v);
		else if (strcmp(a, "--kind") == 0)
			kind = v;
		else if (strcmp(a, "--liid") == 0)
			liid = v;
		else if (strcmp(a, "--cin") == 0)
			cin = num(v);
		else if (strcmp(a, "--payload") == 0)
			payload = (size_t)num(v);
		else if (strcmp(a, "--to") == 0)
			to = v;
		else if (strcmp(a, "--tls-ca") == 0)
			lcfg.tls_ca = v;
		else if (strcmp(a, "--tls-cert") == 0)
			lcfg.tls_cert = v;
		else if (strcmp(a, "--tls-key") == 0)
			lcfg.tls_key = v;
		else if (strcmp(a, "--timeout") == 0)
			timeout = num(v);
		else if (strcmp(a, "--confirm-every") == 0)
			lcfg.confirm_every = (uint32_t)num(v);
		else if (strcmp(a, "--window") == 0)
			lcfg.window = (uint32_t)num(v);
		else if (strcmp(a, "--idle-ka") == 0)
			lcfg.keepalive_idle_ms = (uint32_t)num(v);
		else if (strcmp(a, "--ka-timeout") == 0)
			lcfg.keepalive_timeout_ms = (uint32_t)num(v);
		else if (strcmp(a, "--kill-after") == 0)
			kill_after = num(v);
		else if (strcmp(a, "--max-bytes") == 0)
			max_bytes = num(v);
		else
			die("unknown option", LIM_E_ARG);
	}
	if (!dir || payload == 0 || payload > 60000)
		die("usage: ho-send --spool DIR [--append N] [--to ADDR:PORT] ...", LIM_E_ARG);
	memset(&scfg, 0, sizeof scfg);
	scfg.dir = dir;
	scfg.max_bytes = max_bytes;
	scfg.segment_bytes = 4u << 20;
	e = ho_spool_open(&scfg, &sp);
	if (e != LIM_OK)
		die("spool open", e);
	if (!interleave)
		for (uint64_t i = 0; i < append; i++)
			if (!append_one(sp, i, kind, liid, cin, payload))
				refused++;
	e = ho_spool_sync(sp);
	if (e != LIM_OK)
		die("sync", e);
	t0 = lim_mono_ms();
	if (to) {
		lcfg.addr = to;
		lcfg.backoff_min_ms = 50;
		lcfg.backoff_max_ms = 1000;
		lcfg.connect_timeout_ms = 2000;
		lcfg.ka_hdr.version = HO_PS_VERSION_DEFAULT;
		memcpy(lcfg.ka_hdr.liid, "-", 2);
		memcpy(lcfg.ka_hdr.op_id, "limf-op", 8);
		e = ho_link_new(&lcfg, sp, &lk, NULL, 0);
		if (e != LIM_OK)
			die("link", e);
		for (;;) {
			struct pollfd p[1];
			int tmo;
			uint64_t now = lim_mono_ms();
			size_t n;
			if (interleave && appended < append) {
				/* as limf would: capture keeps appending whatever the link does */
				for (unsigned k = 0; k < 50 && appended < append; k++, appended++)
					if (!append_one(sp, appended, kind, liid, cin, payload))
						refused++;
				if (appended == append)
					t_app = lim_mono_ms() - t0;
			}
			ho_spool_get_stats(sp, &ss);
			if (ss.confirmed == ss.head && !t1 && (!interleave || appended == append)) {
				t1 = now;
				ho_link_drain(lk, now + 2000);
			}
			if (now - t0 >= timeout * 1000u && !t1) {
				t1 = now;
				ho_link_drain(lk, now);
			}
			e = ho_link_step(lk, now);
			if (e != LIM_OK)
				die("link step", e);
			if (ho_link_done(lk))
				break;
			ho_link_get_stats(lk, &ls);
			if (kill_after && ls.sent >= kill_after)
				raise(SIGKILL);
			n = ho_link_fds(lk, p, 1, lim_mono_ms(), &tmo);
			if (tmo < 0 || tmo > 100)
				tmo = 100;
			if (interleave && appended < append)
				tmo = 0;
			(void)poll(p, (nfds_t)n, tmo);
		}
		ho_link_get_stats(lk, &ls);
	} else {
		memset(&ls, 0, sizeof ls);
	}
	ho_spool_get_stats(sp, &ss);
	lim_json_init(&j, stdout);
	lim_json_obj_open(&j);
#define FIELD(k, v)                                                                                \
	do {                                                                                       \
		lim_json_key(&j, k);                                                               \
		lim_json_u64(&j, v);                                                               \
	} while (0)
	FIELD("head", ss.head);
	FIELD("confirmed", ss.confirmed);
	FIELD("appended", ss.appended);
	FIELD("refused", ss.refused);
	FIELD("torn_bytes", ss.torn_bytes);
	FIELD("bytes", ss.bytes);
	FIELD("sent", ls.sent);
	FIELD("resent", ls.resent);
	FIELD("connects", ls.connects);
	FIELD("connect_failures", ls.connect_failures);
	FIELD("disconnects", ls.disconnects);
	FIELD("ka_sent", ls.ka_sent);
	FIELD("ka_answered", ls.ka_answered);
	FIELD("ka_timeouts", ls.ka_timeouts);
	FIELD("elapsed_ms", t1 ? t1 - t0 : 0);
	FIELD("append_ms", t_app);
	FIELD("pdus_per_s", t1 > t0 ? ls.sent * 1000u / (t1 - t0) : 0);
	lim_json_key(&j, "alarm");
	lim_json_bool(&j, ss.alarm);
	lim_json_key(&j, "state");
	lim_json_str(&j, ho_link_state_name(ls.state));
	lim_json_obj_close(&j);
	if (lim_json_end(&j) != LIM_OK)
		fprintf(stderr, "output error\n");
	rc = refused ? 3 : ss.confirmed == ss.head || !to ? 0 : 1;
	ho_link_free(lk);
	ho_spool_free(sp);
	return rc;
}
