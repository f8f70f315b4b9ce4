/* libFuzzer target: the delivery link's reading of what an authority (LEMF) sends back
 * (handover/deliver.c: BER to DER, PS-PDU decoding, keep-alive responses that confirm spool
 * records, the peer's own keep-alives). A spool holds 4 records; the link connects to a
 * listener in the process and sends them, with a keep-alive after every 2 (seqno 0, 1); the
 * harness reads it all, then sends the input in chunks (first octet: the chunk size), stepping
 * the link between. The spool never confirms more than the link has sent. I/O: a private
 * directory and a loopback TCP port. */
#include "handover/deliver.h"
#include "handover/handover.h"
#include "tests/fuzz/fuzz_dir.h"
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
static int lfd = -1;
static char addr[64];

static void hdr_init(struct ho_psheader *h, const char *liid, uint32_t cin)
{
	memset(h, 0, sizeof *h);
	h->version = HO_PS_VERSION_DEFAULT;
	snprintf(h->liid, sizeof h->liid, "%s", liid);
	memcpy(h->op_id, "op", 3);
	h->cin = cin;
	h->ts_sec = 1700000000;
}
static void setup(void)
{
	struct sockaddr_in a;
	socklen_t al = sizeof a;
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&a, sizeof a) || listen(lfd, 16) ||
	    getsockname(lfd, (struct sockaddr *)&a, &al))
		abort();
	snprintf(addr, sizeof addr, "127.0.0.1:%u", (unsigned)ntohs(a.sin_port));
}
static int drain(int fd)
{
	uint8_t b[65536];
	int got = 0;
	for (;;) {
		ssize_t r = recv(fd, b, sizeof b, 0);
		if (r <= 0)
			return got;
		got += (int)r;
	}
}
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ho_spool_cfg sc = { .max_bytes = 1u << 20, .segment_bytes = 1u << 16 };
	struct ho_spool *s = NULL;
	struct ho_link *l = NULL;
	struct ho_link_cfg cfg;
	struct ho_link_stats ls;
	struct ho_spool_stats ss;
	uint64_t now = 1000;
	int cfd = -1;
	size_t chunk, off = 0;
	if (lfd < 0)
		setup();
	if (size < 1)
		return 0;
	chunk = (size_t)data[0] * 4 + 1;
	data++, size--;
	sc.dir = fuzz_dir("link");
	fuzz_empty();
	if (ho_spool_open(&sc, &s) != LIM_OK)
		abort();
	for (unsigned i = 0; i < 4; i++) {
		struct ho_psheader h;
		struct ho_iri_sip iri;
		char sip[32];
		hdr_init(&h, "L", 3);
		memset(&iri, 0, sizeof iri);
		iri.type = HO_IRI_REPORT;
		iri.src.family = iri.dst.family = 4;
		iri.sip = (const uint8_t *)sip;
		iri.sip_len = (size_t)snprintf(sip, sizeof sip, "MESSAGE %u", i);
		if (ho_spool_put_iri(s, &h, &iri) != LIM_OK)
			abort();
	}
	memset(&cfg, 0, sizeof cfg);
	cfg.addr = addr;
	cfg.confirm_every = 2;
	cfg.window = 16;
	cfg.keepalive_idle_ms = 100000;
	cfg.keepalive_timeout_ms = 100000;
	hdr_init(&cfg.ka_hdr, "-", 0);
	if (ho_link_new(&cfg, s, &l, NULL, 0) != LIM_OK)
		abort();
	/* up to ~3 s of wall clock (1 ms a turn) for a loopback connection, also on a loaded
	 * machine; the link's clock is the harness's (1 ms a turn), far from its timeouts */
	for (int i = 0; i < 3000; i++) {
		if (ho_link_step(l, now++) != LIM_OK)
			break;
		if (cfd < 0) {
			cfd = accept(lfd, NULL, NULL);
			if (cfd >= 0)
				fcntl(cfd, F_SETFL, O_NONBLOCK);
		}
		if (cfd >= 0)
			drain(cfd);
		ho_link_get_stats(l, &ls);
		if (ls.sent == 4 && ls.ka_sent >= 2)
			break;
		poll(NULL, 0, 1);
	}
	ho_link_get_stats(l, &ls);
	if (cfd < 0 || ls.state != HO_LINK_UP || ls.sent != 4) {
		/* the set-up does not depend on the input: a failure here would make every input
		 * pass untested */
		fprintf(stderr,
			"fuzz_link: the link did not come up over loopback (state %d, %llu sent)\n",
			(int)ls.state, (unsigned long long)ls.sent);
		abort();
	}
	while (off < size) {
		size_t n = size - off < chunk ? size - off : chunk;
		if (send(cfd, data + off, n, MSG_NOSIGNAL) != (ssize_t)n)
			break;
		off += n;
		for (int k = 0; k < 3; k++) {
			struct pollfd p;
			int t;
			(void)!ho_link_step(l, now++);
			drain(cfd);
			if (ho_link_fds(l, &p, 1, now, &t) && t != 0)
				(void)poll(&p, 1, 0);
		}
		ho_link_get_stats(l, &ls);
		if (ls.state != HO_LINK_UP)
			break;
	}
	for (int k = 0; k < 3; k++)
		(void)!ho_link_step(l, now++);
	ho_link_get_stats(l, &ls);
	ho_spool_get_stats(s, &ss);
	if (ss.confirmed > ls.sent || ss.confirmed > 4)
		abort();
	if (cfd >= 0)
		close(cfd);
	ho_link_free(l);
	ho_spool_free(s);
	return 0;
}
