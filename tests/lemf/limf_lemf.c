/* limf-lemf: the test LEMF (DESIGN.md s6, issue 6). Listens on HI2 and HI3 (TCP, or TLS that
 * requires a client certificate), reads PS-PDUs framed by their BER length, decodes each into
 * one JSON line (the limf key-management, call-end and group IRI as "kind":"iri_keymgmt",
 * "iri_callend", "iri_group" with all their fields, on the IRI sequence numbers), answers
 * keep-alives with keep-aliveResponse (echoing the header, so the sender can match it), and
 * checks sequence numbers per (stream, LIID, CIN):
 *   next expected        -> the PDU line
 *   higher               -> {"error":"gap",...} then the PDU line
 *   lower, byte-identical to the copy accepted from an EARLIER connection
 *                        -> {"event":"resent",...}: a re-send of an unconfirmed PDU after a
 *                           reconnect (handover/deliver.h); discarded, not an error
 *   lower otherwise      -> {"error":"duplicate",...}
 * Usage: limf-lemf --hi2 ADDR:PORT --hi3 ADDR:PORT --out FILE.jsonl [--port-file F]
 *          [--tls-cert F --tls-key F --tls-ca F] [--drop-after N] [--no-keepalive-response]
 *          [--refuse-for SECS] [--stall-after N]
 * --drop-after N closes each connection after N data PDUs; --refuse-for closes connections as
 * soon as they are accepted during the first SECS seconds; --stall-after N stops reading a
 * connection after N data PDUs (a slow LEMF: the sender's socket and window fill up).
 * SIGTERM/SIGINT: writes a summary line {"event":"summary",...} and exits 0. Single-threaded,
 * poll-based.
 *        limf-lemf --decode FILE --out FILE.jsonl
 * decodes the PDUs of a file written back to back (an evidence bundle's hi2.pdu / hi3.pdu)
 * into the same lines (no sequence check); exit 1 at the first that does not decode. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/json.h"
#include "handover/handover.h"

#define MAX_CONN 64
#define RING     65536u     /* seq history per key (resend detection window) */
#define MAX_KEYS (1u << 22) /* (stream, IRI|CC, CIN, LIID) keys: a flood's calls, each a key */
#define IN_CAP   (HO_PDU_MAX + 64)
#define OUT_CAP  65536u

struct key {
	int stream; /* 2 or 3 */
	bool cc;
	char liid[HO_LIID_MAX + 1];
	uint32_t cin;
	uint32_t next;
	bool seen;
	/* the digest (0 = none) and the connection id of each number, by number modulo cap: cap
	 * grows by doubling up to RING with the highest number seen (most keys hold a few) */
	uint64_t *dig;
	uint32_t *conn;
	uint32_t cap;
};

struct conn {
	int fd;
	SSL *ssl;
	bool hs; /* TLS handshake done */
	int stream;
	uint32_t id;
	uint8_t *in;
	size_t in_len;
	uint8_t out[OUT_CAP];
	size_t out_len;
	uint64_t pdus;
	bool stalled; /* --stall-after reached: never read again */
};

static volatile sig_atomic_t stop_flag;
static void on_sig(int s)
{
	(void)s;
	stop_flag = 1;
}

static struct {
	FILE *out;
	SSL_CTX *ctx;
	uint64_t drop_after, stall_after;
	bool no_ka_resp;
	uint64_t refuse_until;
	struct key *keys; /* nkeys of cap_keys, found through ix (ix_cap slots, 1 + index) */
	size_t nkeys, cap_keys;
	uint32_t *ix;
	size_t ix_cap;
	struct conn conns[MAX_CONN];
	uint32_t next_id;
	uint64_t pdus, gaps, dups, resent, kas, errors, conns_total;
} g;

static void die(const char *m)
{
	fprintf(stderr, "limf-lemf: %s\n", m);
	exit(2);
}

static int listen_on(const char *a, int *port)
{
	char host[256], serv[16];
	const char *colon, *h = a;
	size_t hl;
	struct addrinfo hints, *ai;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	int fd, one = 1;
	if (a[0] == '[') {
		const char *rb = strchr(a, ']');
		if (!rb || rb[1] != ':')
			die("bad address");
		h = a + 1;
		hl = (size_t)(rb - h);
		colon = rb + 1;
	} else {
		colon = strrchr(a, ':');
		if (!colon)
			die("bad address (want ADDR:PORT)");
		hl = (size_t)(colon - a);
	}
	if (hl == 0 || hl >= sizeof host || strlen(colon + 1) >= sizeof serv)
		die("bad address");
	memcpy(host, h, hl);
	host[hl] = '\0';
	memcpy(serv, colon + 1, strlen(colon + 1) + 1);
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if (getaddrinfo(host, serv, &hints, &ai) != 0)
		die("cannot resolve listen address");
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		die("socket");
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 16) != 0)
		die("cannot listen");
	freeaddrinfo(ai);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
		die("getsockname");
	*port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					       : ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

static void close_conn(struct conn *c)
{
	if (c->ssl) {
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->in);
	c->in = NULL;
	c->in_len = c->out_len = 0;
	ERR_clear_error();
}

static uint64_t fnv(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h | 1; /* never 0 */
}

static const char *sname(int stream)
{
	return stream == 2 ? "hi2" : "hi3";
}

static void line_begin(struct lim_json *j, int stream)
{
	lim_json_init(j, g.out);
	lim_json_obj_open(j);
	lim_json_key(j, "stream");
	lim_json_str(j, sname(stream));
}

static void line_end(struct lim_json *j)
{
	lim_json_obj_close(j);
	if (lim_json_end(j) != LIM_OK)
		die("cannot write the output");
}

static void event(int stream, const char *what, const char *kind, const struct ho_pdu *p,
		  uint32_t expected)
{
	struct lim_json j;
	line_begin(&j, stream);
	lim_json_key(&j, kind);
	lim_json_str(&j, what);
	if (p) {
		lim_json_key(&j, "liid");
		lim_json_str(&j, p->hdr.liid);
		lim_json_key(&j, "cin");
		lim_json_u64(&j, p->hdr.cin);
		lim_json_key(&j, "kind");
		lim_json_str(&j, p->kind == HO_PAYLOAD_CC_RTP ? "cc" : "iri");
		lim_json_key(&j, "seq");
		lim_json_u64(&j, p->hdr.seqno);
		lim_json_key(&j, "expected");
		lim_json_u64(&j, expected);
	}
	line_end(&j);
}

static void addr_json(struct lim_json *j, const char *k, const struct ho_ipaddr *a)
{
	char buf[INET6_ADDRSTRLEN];
	lim_json_key(j, k);
	if (inet_ntop(a->family == 6 ? AF_INET6 : AF_INET, a->addr, buf, sizeof buf))
		lim_json_str(j, buf);
	else
		lim_json_null(j);
}

static void pdu_line(int stream, const struct ho_pdu *p)
{
	static const char *const iri_t[] = { "?", "begin", "end", "continue", "report" };
	static const char *const dirs[] = { "fromTarget", "toTarget", "indeterminate", "combined",
					    "notApplicable" };
	struct lim_json j;
	char ts[32];
	line_begin(&j, stream);
	lim_json_key(&j, "liid");
	lim_json_str(&j, p->hdr.liid);
	lim_json_key(&j, "cin");
	lim_json_u64(&j, p->hdr.cin);
	lim_json_key(&j, "seq");
	lim_json_u64(&j, p->hdr.seqno);
	snprintf(ts, sizeof ts, "%lu.%06lu", (unsigned long)p->hdr.ts_sec,
		 (unsigned long)p->hdr.ts_usec);
	lim_json_key(&j, "ts");
	lim_json_str(&j, ts);
	lim_json_key(&j, "op");
	lim_json_str(&j, p->hdr.op_id);
	lim_json_key(&j, "version");
	lim_json_u64(&j, p->hdr.version);
	switch (p->kind) {
	case HO_PAYLOAD_IRI_SIP:
		lim_json_key(&j, "kind");
		lim_json_str(&j, "iri");
		lim_json_key(&j, "iri_type");
		lim_json_str(&j, (unsigned)p->iri.type <= 4 ? iri_t[p->iri.type] : "?");
		addr_json(&j, "src", &p->iri.src);
		addr_json(&j, "dst", &p->iri.dst);
		lim_json_key(&j, "sip");
		lim_json_strn(&j, (const char *)p->iri.sip, p->iri.sip_len);
		break;
	case HO_PAYLOAD_IRI_KEYMGMT:
		/* the limf key-management IRI (handover/pdu.h): every field, no key material */
		lim_json_key(&j, "kind");
		lim_json_str(&j, "iri_keymgmt");
		lim_json_key(&j, "iri_type");
		lim_json_str(&j, (unsigned)p->km.type <= 4 ? iri_t[p->km.type] : "?");
		lim_json_key(&j, "country");
		lim_json_str(&j, p->km_cc);
		lim_json_key(&j, "side");
		lim_json_str(&j, p->km.side);
		lim_json_key(&j, "initiator");
		lim_json_str(&j, p->km.initiator);
		lim_json_key(&j, "responder");
		lim_json_str(&j, p->km.responder);
		lim_json_key(&j, "kms_uri");
		lim_json_str(&j, p->km.kms_uri);
		lim_json_key(&j, "key_period");
		lim_json_u64(&j, p->km.key_period);
		lim_json_key(&j, "t");
		lim_json_str(&j, p->km.t);
		lim_json_key(&j, "outcome");
		lim_json_str(&j, p->km.outcome);
		lim_json_key(&j, "sig");
		lim_json_str(&j, p->km.sig);
		lim_json_key(&j, "csb_id");
		lim_json_u64(&j, p->km.csb_id);
		lim_json_key(&j, "n_keys");
		lim_json_u64(&j, p->km.n_keys);
		lim_json_key(&j, "detail");
		lim_json_str(&j, p->km.detail);
		break;
	case HO_PAYLOAD_IRI_CALLEND:
		/* the limf call-end IRI (handover/pdu.h) */
		lim_json_key(&j, "kind");
		lim_json_str(&j, "iri_callend");
		lim_json_key(&j, "iri_type");
		lim_json_str(&j, (unsigned)p->ce.type <= 4 ? iri_t[p->ce.type] : "?");
		lim_json_key(&j, "country");
		lim_json_str(&j, p->km_cc);
		lim_json_key(&j, "reason");
		lim_json_str(&j, p->ce.reason);
		break;
	case HO_PAYLOAD_IRI_GROUP:
		/* the limf group IRI (handover/pdu.h): group and talker as carried */
		lim_json_key(&j, "kind");
		lim_json_str(&j, "iri_group");
		lim_json_key(&j, "iri_type");
		lim_json_str(&j, (unsigned)p->ge.type <= 4 ? iri_t[p->ge.type] : "?");
		lim_json_key(&j, "country");
		lim_json_str(&j, p->km_cc);
		lim_json_key(&j, "event");
		lim_json_str(&j, p->ge.event);
		lim_json_key(&j, "group");
		lim_json_strn(&j, p->ge.group, strlen(p->ge.group));
		lim_json_key(&j, "talker");
		lim_json_strn(&j, p->ge.talker, strlen(p->ge.talker));
		lim_json_key(&j, "gmk_id");
		lim_json_u64(&j, p->ge.gmk_id);
		lim_json_key(&j, "guk_id");
		lim_json_u64(&j, p->ge.guk_id);
		lim_json_key(&j, "ssrc");
		lim_json_u64(&j, p->ge.ssrc);
		lim_json_key(&j, "authenticated");
		lim_json_bool(&j, p->ge.authenticated);
		lim_json_key(&j, "detail");
		lim_json_str(&j, p->ge.detail);
		break;
	case HO_PAYLOAD_CC_RTP:
		lim_json_key(&j, "kind");
		lim_json_str(&j, "cc");
		lim_json_key(&j, "dir");
		lim_json_str(&j, (unsigned)p->cc.dir <= 4 ? dirs[p->cc.dir] : "?");
		lim_json_key(&j, "rtp");
		lim_json_hex(&j, p->cc.rtp, p->cc.rtp_len);
		break;
	default:
		lim_json_key(&j, "kind");
		lim_json_str(&j,
			     p->kind == HO_PAYLOAD_KEEPALIVE ? "keepalive" : "keepalive_response");
		break;
	}
	line_end(&j);
}

static size_t key_hash(int stream, bool cc, uint32_t cin, const char *liid)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	uint8_t b[6] = { (uint8_t)stream,      cc,
			 (uint8_t)(cin >> 24), (uint8_t)(cin >> 16),
			 (uint8_t)(cin >> 8),  (uint8_t)cin };
	for (size_t i = 0; i < sizeof b; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	for (const char *c = liid; *c; c++)
		h = (h ^ (uint8_t)*c) * 0x100000001b3ULL;
	return (size_t)(h ^ h >> 29);
}

/* Places key index i in the index (ix_cap slots, at most half full). */
static void ix_put(size_t i)
{
	const struct key *k = &g.keys[i];
	size_t j = key_hash(k->stream, k->cc, k->cin, k->liid) & (g.ix_cap - 1);
	while (g.ix[j])
		j = (j + 1) & (g.ix_cap - 1);
	g.ix[j] = (uint32_t)i + 1;
}

static struct key *find_key(int stream, const struct ho_pdu *p)
{
	bool cc = p->kind == HO_PAYLOAD_CC_RTP;
	struct key *k;
	if (g.ix_cap) {
		for (size_t j = key_hash(stream, cc, p->hdr.cin, p->hdr.liid) & (g.ix_cap - 1);
		     g.ix[j]; j = (j + 1) & (g.ix_cap - 1)) {
			k = &g.keys[g.ix[j] - 1];
			if (k->stream == stream && k->cc == cc && k->cin == p->hdr.cin &&
			    strcmp(k->liid, p->hdr.liid) == 0)
				return k;
		}
	}
	if (g.nkeys == MAX_KEYS)
		die("too many (LIID, CIN) keys");
	if (g.nkeys == g.cap_keys) {
		size_t nc = g.cap_keys ? g.cap_keys * 2 : 1024;
		struct key *n = realloc(g.keys, nc * sizeof *n);
		if (!n)
			die("out of memory");
		g.keys = n;
		g.cap_keys = nc;
	}
	if ((g.nkeys + 1) * 2 > g.ix_cap) {
		free(g.ix);
		g.ix_cap = g.ix_cap ? g.ix_cap * 2 : 4096;
		g.ix = calloc(g.ix_cap, sizeof *g.ix);
		if (!g.ix)
			die("out of memory");
		for (size_t i = 0; i < g.nkeys; i++)
			ix_put(i);
	}
	k = &g.keys[g.nkeys];
	memset(k, 0, sizeof *k);
	k->stream = stream;
	k->cc = cc;
	k->cin = p->hdr.cin;
	memcpy(k->liid, p->hdr.liid, sizeof k->liid);
	ix_put(g.nkeys++);
	return k;
}

/* Room in k's history for number seq (up to RING numbers). */
static void key_room(struct key *k, uint32_t seq)
{
	uint32_t nc = k->cap ? k->cap : 8;
	uint64_t *d;
	uint32_t *c;
	while (nc < RING && nc <= seq)
		nc *= 2;
	if (nc == k->cap)
		return;
	d = realloc(k->dig, nc * sizeof *d);
	if (d)
		k->dig = d;
	c = d ? realloc(k->conn, nc * sizeof *c) : NULL;
	if (!d || !c)
		die("out of memory");
	k->conn = c;
	memset(k->dig + k->cap, 0, (nc - k->cap) * sizeof *d);
	memset(k->conn + k->cap, 0, (nc - k->cap) * sizeof *c);
	k->cap = nc;
}

static void queue_out(struct conn *c, const uint8_t *p, size_t n)
{
	if (OUT_CAP - c->out_len < n)
		return; /* the peer does not read its responses: drop them */
	memcpy(c->out + c->out_len, p, n);
	c->out_len += n;
}

/* Handles one framed PDU; false closes the connection. */
static bool on_pdu(struct conn *c, const uint8_t *p, size_t n)
{
	struct ho_pdu pdu;
	struct key *k;
	uint64_t d;
	enum lim_err e = ho_decode_pdu(p, n, &pdu);
	if (e != LIM_OK) {
		struct lim_json j;
		g.errors++;
		line_begin(&j, c->stream);
		lim_json_key(&j, "error");
		lim_json_str(&j, "decode");
		lim_json_key(&j, "detail");
		lim_json_str(&j, lim_strerror(e));
		line_end(&j);
		return false;
	}
	if (pdu.kind == HO_PAYLOAD_KEEPALIVE) {
		g.kas++;
		pdu_line(c->stream, &pdu);
		if (!g.no_ka_resp) {
			uint8_t r[512];
			size_t rl;
			if (ho_encode_keepalive_response(&pdu.hdr, r, sizeof r, &rl) == LIM_OK)
				queue_out(c, r, rl);
		}
		return true;
	}
	if (pdu.kind == HO_PAYLOAD_KEEPALIVE_RESPONSE) {
		pdu_line(c->stream, &pdu);
		return true;
	}
	k = find_key(c->stream, &pdu);
	d = fnv(p, n);
	if (k->seen && pdu.hdr.seqno < k->next) {
		/* (numbers below next are within cap, or cap is RING) */
		uint32_t slot = pdu.hdr.seqno % k->cap;
		if (k->next - pdu.hdr.seqno <= RING && k->dig[slot] == d &&
		    k->conn[slot] != c->id) {
			g.resent++;
			event(c->stream, "resent", "event", &pdu, k->next);
		} else {
			g.dups++;
			event(c->stream, "duplicate", "error", &pdu, k->next);
		}
	} else {
		if (k->seen ? pdu.hdr.seqno > k->next : pdu.hdr.seqno != 0) {
			g.gaps++;
			event(c->stream, "gap", "error", &pdu, k->seen ? k->next : 0);
		}
		k->seen = true;
		k->next = pdu.hdr.seqno + 1;
		key_room(k, pdu.hdr.seqno);
		k->dig[pdu.hdr.seqno % k->cap] = d;
		k->conn[pdu.hdr.seqno % k->cap] = c->id;
		g.pdus++;
		pdu_line(c->stream, &pdu);
	}
	c->pdus++;
	if (g.stall_after && c->pdus >= g.stall_after)
		c->stalled = true;
	return !(g.drop_after && c->pdus >= g.drop_after);
}

/* Reads and handles input; false closes. */
static bool conn_read(struct conn *c)
{
	for (;;) {
		size_t off = 0;
		ssize_t r;
		if (c->ssl) {
			int n = SSL_read(c->ssl, c->in + c->in_len, (int)(IN_CAP - c->in_len));
			if (n <= 0) {
				int e = SSL_get_error(c->ssl, n);
				return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
			}
			r = n;
		} else {
			r = recv(c->fd, c->in + c->in_len, IN_CAP - c->in_len, 0);
			if (r < 0 && (errno == EAGAIN || errno == EINTR))
				return true;
			if (r <= 0)
				return false;
		}
		c->in_len += (size_t)r;
		for (;;) {
			size_t plen;
			enum lim_err e = ho_pdu_length(c->in + off, c->in_len - off, &plen);
			if (e == LIM_E_TRUNC)
				break;
			if (e != LIM_OK) {
				struct lim_json j;
				g.errors++;
				line_begin(&j, c->stream);
				lim_json_key(&j, "error");
				lim_json_str(&j, "framing");
				line_end(&j);
				return false;
			}
			if (!on_pdu(c, c->in + off, plen))
				return false;
			off += plen;
			if (c->stalled)
				break;
		}
		memmove(c->in, c->in + off, c->in_len - off);
		c->in_len -= off;
		if (c->stalled)
			return true;
	}
}

static bool conn_write(struct conn *c)
{
	while (c->out_len) {
		ssize_t w;
		if (c->ssl) {
			int n = SSL_write(c->ssl, c->out, (int)c->out_len);
			if (n <= 0) {
				int e = SSL_get_error(c->ssl, n);
				return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
			}
			w = n;
		} else {
			w = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL);
			if (w < 0 && (errno == EAGAIN || errno == EINTR))
				return true;
			if (w <= 0)
				return false;
		}
		memmove(c->out, c->out + w, c->out_len - (size_t)w);
		c->out_len -= (size_t)w;
	}
	return true;
}

static void accept_on(int lfd, int stream)
{
	struct conn *c = NULL;
	int one = 1;
	int fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		return;
	(void)fcntl(fd, F_SETFL, O_NONBLOCK);
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); /* prompt responses */
	g.conns_total++;
	if (lim_mono_ms() < g.refuse_until) {
		close(fd);
		return;
	}
	for (size_t i = 0; i < MAX_CONN; i++)
		if (g.conns[i].fd < 0) {
			c = &g.conns[i];
			break;
		}
	if (!c) {
		close(fd);
		return;
	}
	memset(c, 0, sizeof *c);
	c->fd = fd;
	c->stream = stream;
	c->id = ++g.next_id;
	c->in = malloc(IN_CAP);
	if (!c->in)
		die("out of memory");
	if (g.ctx) {
		c->ssl = SSL_new(g.ctx);
		if (!c->ssl || SSL_set_fd(c->ssl, fd) != 1)
			die("SSL_new");
		SSL_set_accept_state(c->ssl);
	} else {
		c->hs = true;
	}
}

static void summary(void)
{
	struct lim_json j;
	lim_json_init(&j, g.out);
	lim_json_obj_open(&j);
	lim_json_key(&j, "event");
	lim_json_str(&j, "summary");
	lim_json_key(&j, "pdus");
	lim_json_u64(&j, g.pdus);
	lim_json_key(&j, "gaps");
	lim_json_u64(&j, g.gaps);
	lim_json_key(&j, "duplicates");
	lim_json_u64(&j, g.dups);
	lim_json_key(&j, "resent");
	lim_json_u64(&j, g.resent);
	lim_json_key(&j, "keepalives");
	lim_json_u64(&j, g.kas);
	lim_json_key(&j, "errors");
	lim_json_u64(&j, g.errors);
	lim_json_key(&j, "connections");
	lim_json_u64(&j, g.conns_total);
	lim_json_obj_close(&j);
	if (lim_json_end(&j) != LIM_OK)
		fprintf(stderr, "output error\n");
}

/* --decode FILE: the PS-PDUs of a file written back to back (a bundle's hi2.pdu / hi3.pdu),
 * one line each as received ones are; exit 1 at the first that does not decode. */
static int decode_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	static uint8_t buf[HO_PDU_MAX + 16];
	size_t have = 0, n;
	unsigned count = 0;
	if (!f)
		die("cannot open --decode");
	for (;;) {
		size_t plen;
		enum lim_err e;
		struct ho_pdu pdu;
		n = fread(buf + have, 1, sizeof buf - have, f);
		have += n;
		if (have == 0)
			break;
		e = ho_pdu_length(buf, have, &plen);
		if (e == LIM_E_TRUNC && n > 0)
			continue;
		if (e != LIM_OK || ho_decode_pdu(buf, plen, &pdu) != LIM_OK) {
			fprintf(stderr, "limf-lemf: %s: PDU %u does not decode\n", path, count);
			fclose(f);
			return 1;
		}
		pdu_line(pdu.kind == HO_PAYLOAD_CC_RTP ? 3 : 2, &pdu);
		count++;
		memmove(buf, buf + plen, have - plen);
		have -= plen;
	}
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	const char *hi2 = NULL, *hi3 = NULL, *out = NULL, *pfile = NULL, *decode = NULL;
	const char *cert = NULL, *key = NULL, *ca = NULL;
	int lfd[2], port[2];
	struct sigaction sa;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--no-keepalive-response") == 0) {
			g.no_ka_resp = true;
			continue;
		}
		if (!v)
			die("usage: limf-lemf --hi2 ADDR:PORT --hi3 ADDR:PORT --out FILE "
			    "[--port-file "
			    "F] [--tls-cert F --tls-key F --tls-ca F] [--drop-after N] "
			    "[--no-keepalive-response] [--refuse-for SECS] [--stall-after N] | "
			    "--decode FILE --out FILE");
		i++;
		if (strcmp(a, "--hi2") == 0)
			hi2 = v;
		else if (strcmp(a, "--hi3") == 0)
			hi3 = v;
		else if (strcmp(a, "--out") == 0)
			out = v;
		else if (strcmp(a, "--decode") == 0)
			decode = v;
		else if (strcmp(a, "--port-file") == 0)
			pfile = v;
		else if (strcmp(a, "--tls-cert") == 0)
			cert = v;
		else if (strcmp(a, "--tls-key") == 0)
			key = v;
		else if (strcmp(a, "--tls-ca") == 0)
			ca = v;
		else if (strcmp(a, "--drop-after") == 0)
			g.drop_after = strtoull(v, NULL, 10);
		else if (strcmp(a, "--stall-after") == 0)
			g.stall_after = strtoull(v, NULL, 10);
		else if (strcmp(a, "--refuse-for") == 0)
			g.refuse_until = lim_mono_ms() + 1000u * strtoull(v, NULL, 10);
		else
			die("unknown option");
	}
	if (decode && out) {
		g.out = strcmp(out, "-") == 0 ? stdout : fopen(out, "w");
		if (!g.out)
			die("cannot open --out");
		int rc = decode_file(decode);
		if (fclose(g.out) != 0)
			die("cannot write the output");
		return rc;
	}
	if (!hi2 || !hi3 || !out)
		die("usage: limf-lemf --hi2 ADDR:PORT --hi3 ADDR:PORT --out FILE ... | --decode "
		    "FILE "
		    "--out FILE");
	if ((cert || key || ca) && !(cert && key && ca))
		die("TLS needs --tls-cert, --tls-key and --tls-ca");
	g.out = strcmp(out, "-") == 0 ? stdout : fopen(out, "w");
	if (!g.out)
		die("cannot open --out");
	setvbuf(g.out, NULL, _IOLBF, 0);
	if (cert) {
		g.ctx = SSL_CTX_new(TLS_server_method());
		if (!g.ctx || !SSL_CTX_set_min_proto_version(g.ctx, TLS1_2_VERSION) ||
		    SSL_CTX_use_certificate_chain_file(g.ctx, cert) != 1 ||
		    SSL_CTX_use_PrivateKey_file(g.ctx, key, SSL_FILETYPE_PEM) != 1 ||
		    SSL_CTX_load_verify_locations(g.ctx, ca, NULL) != 1)
			die("cannot load the TLS files");
		/* the authority authenticates the mediation function: client certificate needed */
		SSL_CTX_set_verify(g.ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
		SSL_CTX_set_mode(g.ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
						SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	}
	lfd[0] = listen_on(hi2, &port[0]);
	lfd[1] = listen_on(hi3, &port[1]);
	for (size_t i = 0; i < MAX_CONN; i++)
		g.conns[i].fd = -1;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sig;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (pfile) {
		char tmp[4096];
		FILE *f;
		snprintf(tmp, sizeof tmp, "%s.tmp", pfile);
		f = fopen(tmp, "w");
		if (!f || fprintf(f, "%d %d\n", port[0], port[1]) < 0 || fclose(f) != 0 ||
		    rename(tmp, pfile) != 0)
			die("cannot write --port-file");
	}
	while (!stop_flag) {
		struct pollfd p[2 + MAX_CONN];
		size_t map[2 + MAX_CONN], np = 2;
		p[0].fd = lfd[0];
		p[1].fd = lfd[1];
		p[0].events = p[1].events = POLLIN;
		for (size_t i = 0; i < MAX_CONN; i++) {
			struct conn *c = &g.conns[i];
			if (c->fd < 0)
				continue;
			p[np].fd = c->fd;
			p[np].events = c->stalled ? 0 : POLLIN;
			if (c->out_len || (c->ssl && SSL_want_write(c->ssl)))
				p[np].events |= POLLOUT;
			map[np++] = i;
		}
		if (poll(p, (nfds_t)np, 200) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		if (p[0].revents & POLLIN)
			accept_on(lfd[0], 2);
		if (p[1].revents & POLLIN)
			accept_on(lfd[1], 3);
		for (size_t k = 2; k < np; k++) {
			struct conn *c = &g.conns[map[k]];
			bool ok = true;
			if (!p[k].revents)
				continue;
			if (!c->hs) {
				int r = SSL_do_handshake(c->ssl);
				if (r == 1) {
					c->hs = true;
				} else {
					int e = SSL_get_error(c->ssl, r);
					if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
						struct lim_json j;
						line_begin(&j, c->stream);
						lim_json_key(&j, "event");
						lim_json_str(&j, "tls_refused");
						line_end(&j);
						close_conn(c);
					}
					continue;
				}
			}
			ok = conn_read(c);
			if (ok || c->out_len)
				ok = conn_write(c) && ok;
			if (!ok)
				close_conn(c);
		}
	}
	for (size_t i = 0; i < MAX_CONN; i++)
		if (g.conns[i].fd >= 0)
			close_conn(&g.conns[i]);
	summary();
	fprintf(stderr, "limf-lemf: %llu PDUs, %llu gaps, %llu duplicates, %llu resent\n",
		(unsigned long long)g.pdus, (unsigned long long)g.gaps, (unsigned long long)g.dups,
		(unsigned long long)g.resent);
	if (g.out != stdout)
		fclose(g.out);
	for (size_t i = 0; i < g.nkeys; i++) {
		free(g.keys[i].dig);
		free(g.keys[i].conn);
	}
	free(g.keys);
	free(g.ix);
	SSL_CTX_free(g.ctx);
	close(lfd[0]);
	close(lfd[1]);
	return 0;
}
