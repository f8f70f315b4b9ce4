/* limf capture's X2/X3 input: see x2x3_in.h. */
#include "limf/x2x3_in.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "warrants/warrants.h"

#define FRAME_MAX      65535         /* an IPv4 total length / IPv6 payload length */
#define XID_RECHECK_NS 1000000000ull /* an XID's warrant is asked again after 1 s */

struct limf_x23 {
	struct cap_x2x3_srv *srv;
	char listen[256]; /* as opened: a reload cannot move the socket */
	struct limf_pool *p;
	struct wr_db *db;
	struct limf_x23_stats st;
	/* every XID a warrant has (wr_xids_known): its mark (wr_xids_mark) asked for at most
	 * once per XID_RECHECK_NS (known_ns, monotonic) when a check is due, and at the next
	 * after a warrant change (limf_x23_warrants_changed), the list read again when the mark
	 * moved; known_ok false: not read (a database error), every XID is asked for */
	uint8_t (*known)[16];
	size_t n_known;
	bool known_ok;
	uint64_t known_ns;
	char known_mark[WR_MARK_LEN];
	uint8_t frame[40 + 8 + FRAME_MAX];
};

/* The slot a new XID takes in a full table: the least recently seen XID no warrant owned at
 * its last check, else the least recently seen of all (x2x3_in.h). */
static struct limf_x23_xid *victim(struct limf_x23 *x)
{
	struct limf_x23_xid *v = NULL;
	for (int pass = 0; pass < 2 && !v; pass++)
		for (size_t i = 0; i < x->st.n_xid; i++) {
			struct limf_x23_xid *e = &x->st.xid[i];
			if ((pass == 0 && e->ok) || (v && v->seen_ns <= e->seen_ns))
				continue;
			v = e;
		}
	return v;
}

/* The PDU's XID entry (never NULL); *fresh when the XID was not in the table. */
static struct limf_x23_xid *note_xid(struct limf_x23 *x, const struct cap_x2x3_in *in, uint64_t now,
				     bool *fresh)
{
	struct limf_x23_xid *e = NULL;
	*fresh = false;
	for (size_t i = 0; i < x->st.n_xid; i++)
		if (memcmp(x->st.xid[i].xid, in->pdu->xid, 16) == 0) {
			e = &x->st.xid[i];
			break;
		}
	if (!e) {
		if (x->st.n_xid < LIMF_X23_MAX_XIDS) {
			e = &x->st.xid[x->st.n_xid++];
		} else {
			if (x->st.xid_evicted++ == 0)
				fprintf(stderr,
					"limf capture: x2x3: more than %d XIDs: the least recently "
					"seen (refused ones first) are forgotten for new ones "
					"(counted "
					"as xids_evicted); new XIDs are logged only when a warrant "
					"owns them\n",
					LIMF_X23_MAX_XIDS);
			e = victim(x);
		}
		memset(e, 0, sizeof *e);
		memcpy(e->xid, in->pdu->xid, 16);
		*fresh = true;
	}
	e->seen_ns = now;
	if (in->pdu->type == CAP_X2X3_X2)
		e->x2++;
	else
		e->x3++;
	return e;
}

/* The XIDs warrants have, read again when due and moved (struct limf_x23 known). When they
 * changed, every XID's answer goes (asked again at its next PDU). */
static void known_refresh(struct limf_x23 *x, uint64_t now)
{
	uint8_t(*v)[16] = NULL;
	size_t n = 0;
	char mark[WR_MARK_LEN];
	if (x->known_ns && now - x->known_ns < XID_RECHECK_NS)
		return; /* (a failed read too: tried again at most once a second) */
	x->known_ns = now ? now : 1;
	if (wr_xids_mark(x->db, mark) != LIM_OK) {
		x->known_ok = false; /* (every XID asked for, as the database allows) */
		return;
	}
	if (x->known_ok && strcmp(mark, x->known_mark) == 0)
		return;
	if (wr_xids_known(x->db, &v, &n) != LIM_OK) {
		x->known_ok = false;
		return;
	}
	memcpy(x->known_mark, mark, sizeof mark);
	x->st.xid_lists++;
	if (!x->known_ok || n != x->n_known || (n && memcmp(v, x->known, n * sizeof *v) != 0))
		for (size_t i = 0; i < x->st.n_xid; i++)
			x->st.xid[i].checked_ns = 0;
	free(x->known);
	x->known = v;
	x->n_known = n;
	x->known_ok = true;
}

/* see x2x3_in.h */
void limf_x23_warrants_changed(struct limf_x23 *x)
{
	if (!x)
		return;
	x->known_ns = 0; /* (read again at the next check) */
	for (size_t i = 0; i < x->st.n_xid; i++)
		x->st.xid[i].checked_ns = 0;
}

/* Does a warrant in force at t_ns own the XID of e? (the answer is kept for XID_RECHECK_NS of
 * the monotonic clock now: PDU Timestamps that go backwards do not ask the database again;
 * an XID no warrant has is refused without asking: known_refresh) */
static bool xid_allowed(struct limf_x23 *x, struct limf_x23_xid *e, uint64_t t_ns, uint64_t now)
{
	char id[WR_XID_STRLEN];
	struct wr_match m;
	size_t n = 0;
	if (!x->db)
		return true;
	if (e->checked_ns && now - e->checked_ns < XID_RECHECK_NS)
		return e->ok;
	known_refresh(x, now);
	if (x->known_ok &&
	    !(x->n_known && bsearch(e->xid, x->known, x->n_known, sizeof *x->known, wr_xid_cmp))) {
		/* (held as long as the list: an XID added since is found at the next read) */
		e->ok = false;
		e->checked_ns = x->known_ns;
		return false;
	}
	wr_xid_format(e->xid, id);
	x->st.xid_queries++;
	e->ok = wr_xid_decide(x->db, id, (int64_t)(t_ns / 1000), &m, &n) == LIM_OK && n > 0;
	e->checked_ns = now ? now : 1;
	return e->ok;
}

static uint16_t ip4_csum(const uint8_t *h)
{
	uint32_t acc = 0;
	for (int i = 0; i < 20; i += 2)
		acc += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)~acc;
}

/* IPv4/IPv6 + UDP around data (addresses and ports from the PDU; missing ones are zero).
 * Returns the frame length, 0 when it does not fit. */
static size_t wrap_udp(struct limf_x23 *x, const struct cap_x2x3_pdu *pdu, bool v6)
{
	uint8_t *f = x->frame;
	size_t dl = pdu->payload.len, ul = 8 + dl, hl = v6 ? 40 : 20;
	if (ul > FRAME_MAX - (v6 ? 0 : 20))
		return 0;
	memset(f, 0, hl + 8);
	if (v6) {
		f[0] = 0x60;
		f[4] = (uint8_t)(ul >> 8), f[5] = (uint8_t)ul;
		f[6] = CAP_PROTO_UDP;
		f[7] = 64;
		memcpy(f + 8, pdu->src.a, 16);
		memcpy(f + 24, pdu->dst.a, 16);
	} else {
		size_t tl = 20 + ul;
		uint16_t c;
		f[0] = 0x45;
		f[2] = (uint8_t)(tl >> 8), f[3] = (uint8_t)tl;
		f[8] = 64;
		f[9] = CAP_PROTO_UDP;
		if (pdu->src.family == 4)
			memcpy(f + 12, pdu->src.a, 4);
		if (pdu->dst.family == 4)
			memcpy(f + 16, pdu->dst.a, 4);
		c = ip4_csum(f);
		f[10] = (uint8_t)(c >> 8), f[11] = (uint8_t)c;
	}
	f[hl] = (uint8_t)(pdu->sport >> 8), f[hl + 1] = (uint8_t)pdu->sport;
	f[hl + 2] = (uint8_t)(pdu->dport >> 8), f[hl + 3] = (uint8_t)pdu->dport;
	f[hl + 4] = (uint8_t)(ul >> 8), f[hl + 5] = (uint8_t)ul;
	memcpy(f + hl + 8, pdu->payload.p, dl);
	if (cap_sip_looks_like(pdu->payload.p, dl)) {
		/* SIP's checksum is right, so that verify_csum (--verify-checksums) keeps what
		 * the POI sent as SIP alone; media's stays 0, "none" (not checked:
		 * cap_calls_limits). A PDU of a whole IP packet is checked as it came */
		uint16_t c = cap_l4_csum(v6 ? 6 : 4, f + (v6 ? 8 : 12), f + (v6 ? 24 : 16),
					 CAP_PROTO_UDP, f + hl, ul);
		f[hl + 6] = (uint8_t)(c >> 8), f[hl + 7] = (uint8_t)c;
	}
	return hl + ul;
}

static uint64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void on_pdu(void *ctx, const struct cap_x2x3_in *in)
{
	struct limf_x23 *x = ctx;
	const struct cap_x2x3_pdu *pdu = in->pdu;
	struct cap_frame fr;
	bool have_addr = pdu->src.family && pdu->dst.family &&
			 (pdu->present & (1u << CAP_X2X3_A_SPORT)) &&
			 (pdu->present & (1u << CAP_X2X3_A_DPORT));
	size_t len = 0;
	uint64_t now = lim_mono_ns();
	bool fresh, allowed;
	struct limf_x23_xid *e = note_xid(x, in, now, &fresh);
	memset(&fr, 0, sizeof fr);
	fr.linktype = CAP_LINK_RAW;
	/* the PDU's Timestamp is the capture time within LIMF_X23_TS_SKEW_NS of the wall clock,
	 * else the wall clock is (counted: ts_skewed). Before, a POI's clock an hour ahead moved
	 * the call table's clock there and ended every call of the worker at its next step, and
	 * a POI's PDUs dated into a warrant's days were let through by it */
	fr.ts_ns = wall_ns();
	if (pdu->present & (1u << CAP_X2X3_A_TS)) {
		uint64_t t = (uint64_t)pdu->ts_sec * 1000000000ull + pdu->ts_nsec;
		if (t + LIMF_X23_TS_SKEW_NS >= fr.ts_ns && t <= fr.ts_ns + LIMF_X23_TS_SKEW_NS)
			fr.ts_ns = t;
		else
			x->st.ts_skewed++;
	}
	allowed = xid_allowed(x, e, fr.ts_ns, now);
	if (fresh && (allowed || !x->st.xid_evicted)) {
		char s[37];
		limf_x23_xid_str(e->xid, s);
		fprintf(stderr, "limf capture: x2x3: XID %s first seen from POI %s\n", s, in->poi);
	}
	if (!allowed) {
		x->st.xid_refused++;
		e->refused++;
		return;
	}
	switch (pdu->format) {
	case CAP_X2X3_FMT_IPV4:
	case CAP_X2X3_FMT_IPV6:
		if (pdu->payload.len > sizeof x->frame) {
			x->st.too_big++;
			return;
		}
		fr.data = pdu->payload.p;
		len = pdu->payload.len;
		break;
	case CAP_X2X3_FMT_SIP:
	case CAP_X2X3_FMT_RTP:
		if ((pdu->format == CAP_X2X3_FMT_SIP) != (pdu->type == CAP_X2X3_X2)) {
			x->st.bad_format++; /* SIP is xIRI, RTP xCC */
			return;
		}
		if (pdu->format == CAP_X2X3_FMT_RTP && !have_addr) {
			x->st.no_addr++; /* media cannot be bound to a call without them */
			return;
		}
		if (pdu->src.family && pdu->dst.family && pdu->src.family != pdu->dst.family) {
			x->st.bad_format++;
			return;
		}
		len = wrap_udp(x, pdu, pdu->src.family == 6 || pdu->dst.family == 6);
		if (!len) {
			x->st.too_big++;
			return;
		}
		fr.data = x->frame;
		break;
	default: x->st.bad_format++; return;
	}
	fr.caplen = fr.origlen = (uint32_t)len;
	x->st.fed++;
	x->st.fed_bytes += len;
	limf_pool_frame(x->p, &fr);
}

/* see x2x3_in.h */
enum lim_err limf_x23_open(const struct limf_x23_cfg *cfg, struct limf_pool *p,
			   struct limf_x23 **out, char *why, size_t whylen)
{
	struct cap_x2x3_srv_cfg sc;
	struct limf_x23 *x = calloc(1, sizeof *x);
	enum lim_err rc;
	*out = NULL;
	if (!x)
		return LIM_E_NOMEM;
	memset(&sc, 0, sizeof sc);
	sc.listen = cfg->listen;
	sc.ca = cfg->ca;
	sc.cert = cfg->cert;
	sc.key = cfg->key;
	sc.crl = cfg->crl;
	sc.max_conns = cfg->max_conns;
	sc.hs_ms = cfg->hs_ms;
	sc.max_pdu = CAP_X2X3_MAX_HEADER + FRAME_MAX + 1;
	if (cfg->listen)
		snprintf(x->listen, sizeof x->listen, "%s", cfg->listen);
	x->p = p;
	x->db = cfg->db;
	rc = cap_x2x3_srv_open(&sc, on_pdu, x, &x->srv, why, whylen);
	if (rc != LIM_OK) {
		free(x);
		return rc;
	}
	*out = x;
	return LIM_OK;
}

/* see x2x3_in.h */
enum lim_err limf_x23_reload(struct limf_x23 *x, const struct limf_x23_cfg *cfg, bool *listen_kept,
			     char *why, size_t whylen)
{
	struct cap_x2x3_srv_cfg sc;
	*listen_kept = !cfg->listen || strcmp(cfg->listen, x->listen) != 0;
	memset(&sc, 0, sizeof sc);
	sc.listen = x->listen;
	sc.ca = cfg->ca;
	sc.cert = cfg->cert;
	sc.key = cfg->key;
	sc.crl = cfg->crl;
	sc.max_conns = cfg->max_conns;
	sc.hs_ms = cfg->hs_ms;
	return cap_x2x3_srv_reload(x->srv, &sc, why, whylen);
}

/* see x2x3_in.h */
const char *limf_x23_listen(const struct limf_x23 *x)
{
	return x->listen;
}

/* see x2x3_in.h */
size_t limf_x23_pollfds(const struct limf_x23 *x, struct pollfd *pfd, size_t max)
{
	return cap_x2x3_srv_pollfds(x->srv, pfd, max);
}

/* see x2x3_in.h */
void limf_x23_step(struct limf_x23 *x, const struct pollfd *pfd, size_t n, uint64_t now_ms)
{
	cap_x2x3_srv_step(x->srv, pfd, n, now_ms);
}

/* see x2x3_in.h */
const struct cap_x2x3_stats *limf_x23_srv_stats(const struct limf_x23 *x)
{
	return cap_x2x3_srv_stats(x->srv);
}

/* see x2x3_in.h */
const struct limf_x23_stats *limf_x23_stats(const struct limf_x23 *x)
{
	return &x->st;
}

/* see x2x3_in.h */
uint16_t limf_x23_port(const struct limf_x23 *x)
{
	return cap_x2x3_srv_port(x->srv);
}

/* see x2x3_in.h */
void limf_x23_summary(const struct limf_x23 *x, FILE *f)
{
	const struct cap_x2x3_stats *s;
	if (!x)
		return;
	s = cap_x2x3_srv_stats(x->srv);
	fprintf(f,
		"limf capture: x2x3: connections %" PRIu64 " tls_failed %" PRIu64
		" refused_full %" PRIu64 " closed %" PRIu64 " cut %" PRIu64 " active %zu\n",
		s->accepted, s->tls_failed, s->refused_full, s->closed, s->cut, s->active);
	fprintf(f,
		"limf capture: x2x3: pdus %" PRIu64 " bytes %" PRIu64 " x2 %" PRIu64 " x3 %" PRIu64
		" keepalive %" PRIu64 " answered %" PRIu64 " fed %" PRIu64 " no_addr %" PRIu64
		" too_big %" PRIu64 " bad_format %" PRIu64 " ts_skewed %" PRIu64
		" xid_queries %" PRIu64 " xid_lists %" PRIu64 " xid_refused %" PRIu64
		" xids_evicted %" PRIu64 "\n",
		s->pdus, s->bytes, s->x2, s->x3, s->ka, s->ka_answered, x->st.fed, x->st.no_addr,
		x->st.too_big, x->st.bad_format, x->st.ts_skewed, x->st.xid_queries,
		x->st.xid_lists, x->st.xid_refused, x->st.xid_evicted);
	fprintf(f,
		"limf capture: x2x3: handshake_timeout %" PRIu64 " no_certificate %" PRIu64
		" bad_certificate %" PRIu64 " server_certificate_refused %" PRIu64
		" reloads %" PRIu64 " reload_failed %" PRIu64 " handshake_evicted %" PRIu64
		" revoked %" PRIu64 "\n",
		s->hs_timeout, s->hs_no_cert, s->hs_bad_cert, s->hs_refused_ours, s->reloads,
		s->reload_failed, s->hs_evicted, s->revoked);
	fprintf(f, "limf capture: x2x3: rejected");
	for (int r = CAP_X2X3_R_TRUNC; r < CAP_X2X3_R__COUNT; r++)
		fprintf(f, " %s %" PRIu64, cap_x2x3_rej_name((enum cap_x2x3_rej)r), s->rej[r]);
	fprintf(f, "\n");
	for (size_t i = 0; i < s->n_poi; i++)
		fprintf(f,
			"limf capture: x2x3 poi %s: conns %" PRIu64 " x2 %" PRIu64 " x3 %" PRIu64
			" keepalive %" PRIu64 " bytes %" PRIu64 " rejected %" PRIu64 " cut %" PRIu64
			"\n",
			s->poi[i].name, s->poi[i].conns, s->poi[i].x2, s->poi[i].x3, s->poi[i].ka,
			s->poi[i].bytes, s->poi[i].rejected, s->poi[i].cut);
	for (size_t i = 0; i < x->st.n_xid; i++) {
		char id[37];
		limf_x23_xid_str(x->st.xid[i].xid, id);
		fprintf(f,
			"limf capture: x2x3 xid %s: x2 %" PRIu64 " x3 %" PRIu64 " refused %" PRIu64
			"\n",
			id, x->st.xid[i].x2, x->st.xid[i].x3, x->st.xid[i].refused);
	}
}

/* see x2x3_in.h */
void limf_x23_stop(struct limf_x23 *x)
{
	if (x)
		cap_x2x3_srv_stop(x->srv);
}

/* see x2x3_in.h */
void limf_x23_stop_accepting(struct limf_x23 *x)
{
	if (x)
		cap_x2x3_srv_stop_accepting(x->srv);
}

/* see x2x3_in.h */
void limf_x23_free(struct limf_x23 *x)
{
	if (!x)
		return;
	cap_x2x3_srv_free(x->srv);
	free(x->known);
	free(x);
}
