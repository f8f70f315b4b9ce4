/* limf scan [--json] PCAP... (README.md "Usage"): a diagnostic for compliance testers. Reads
 * capture files through capture/, counts frames per protocol and rejections per reason, and
 * lists the SIP dialogs per Call-ID with their parties, times, I_MESSAGE identities as carried
 * (decrypt/'s MIKEY codec, no key material involved) and the media endpoints of their SDP with
 * the UDP packets sent to them. Decrypts nothing, asks no KMS.
 *
 * GMK distributions (issue 9, 3GPP TS 33.180 s5.7): every SIP message whose body may carry
 * one (multipart, XML, application/mikey) goes through capture/mcbody.h; each I_MESSAGE that
 * decrypt/gmk.h calls a GMK one is listed with its group ID(s), its addressee (To URI,
 * Request-URI, mcptt-info target), its GUK-ID (the CSB-ID) and its GMK-ID when the message
 * carries it in the clear (GENERIC-ID SPI); without the key the GMK-ID is otherwise unknown.
 * Group calls: a dialog whose INVITE has mcptt-info names its group (calling-group-id, else
 * the request URI of a call without I_MESSAGE); its talkers are the (GMK-ID, GUK-ID, SSRC)
 * of media packets ending with an MKI (optionally followed by the RFC 4771 ROC) whose GMK-ID
 * a distribution carried, each named by the addressee of the distribution whose GUK-ID it is
 * ("unknown" for a GUK-ID no distribution names).
 *
 * Checksums: the SIP datagrams and TCP segments whose UDP/TCP or IPv4 header checksum is wrong
 * (cap_l4_csum_ok) are counted, not dropped: what `replay --verify-checksums` would drop. Nearly
 * all of them wrong is a capture made on a party's host (checksum offload); a few, packets a
 * receiver would have discarded.
 *
 * The dialogs, their media bindings, TCP reassembly and the counters are capture/'s call table
 * (cap_calls): this file only records its events per call (a record outlives the table's
 * handle, so the listing covers calls already freed) and prints them. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture/capture.h"
#include "capture/mcbody.h"
#include "common/json.h"
#include "common/log.h"
#include "decrypt/gmk.h"
#include "decrypt/mikey.h"
#include "limf/cli.h"
#include "limf/input.h"
#include "limf/opts.h"
#include "limf/text.h"

#define SCAN_MAX_CALLS  (1u << 20) /* call records kept (the table itself caps live calls) */
#define SCAN_MAX_MEDIA  16         /* media endpoints per call (ICE candidates among them) */
#define SCAN_MAX_PAI    2
#define SCAN_TEXT       256    /* octets kept of a Call-ID, URI or identity */
#define SCAN_MAX_GMK    65536u /* GMK distribution records kept */
#define SCAN_MAX_TALK   16     /* group talkers (MKI GMK-ID || GUK-ID, SSRC) kept per call */
#define SCAN_GMK_GROUPS CAP_MC_MAX_GROUPS

struct scan_text {
	char s[SCAN_TEXT];
	size_t len;
	bool cut; /* longer on the wire than kept */
};

struct scan_media {
	struct cap_addr addr, rtcp_addr; /* rtcp_addr: a=rtcp's (RFC 3605), else addr */
	uint16_t port, rtcp_port;
	char media[16];
	bool candidate; /* an ICE candidate's (RFC 8839), not c= and m= */
	uint64_t packets, rtcp;
};

struct scan_call {
	struct scan_text call_id, from, to, to_tag, pai[SCAN_MAX_PAI];
	size_t n_pai;
	uint64_t first_ns, last_ns;
	uint64_t msgs, requests, responses;
	uint16_t last_status;
	bool invite, bye, cancel, tcp, forked;
	uint32_t reinvites;
	enum cap_call_state state;
	enum cap_call_end end;
	size_t n_imsg;    /* distinct I_MESSAGEs seen (offer, answer, re-INVITEs) */
	size_t n_imsg_ok; /* of those, how many parse as MIKEY */
	bool have_ids;
	struct scan_text initiator, responder; /* identities as carried (text or hex) */
	size_t n_media;
	struct scan_media media[SCAN_MAX_MEDIA];
	uint64_t ssrcs;
	/* group calls (issue 9): the MC group of the INVITE's mcptt-info and the talkers whose
	 * MKI (GMK-ID || GUK-ID) names a GMK-ID some distribution carried in the clear */
	struct scan_text group;
	size_t n_talk;
	struct {
		uint32_t gmk_id, guk_id, ssrc;
		uint64_t packets;
	} talk[SCAN_MAX_TALK];
};

/* One GMK I_MESSAGE found in a SIP body. */
struct scan_gmk {
	uint64_t ts_ns;
	struct scan_text method, to, ruri, mc_target, element, gktp_id, gms;
	size_t n_group;
	struct scan_text group[SCAN_GMK_GROUPS];
	uint32_t guk_id, gmk_id;
	bool has_gmk_id; /* carried in the clear (GENERIC-ID SPI) */
};

struct scan {
	struct cap_dec dec;
	struct cap_calls *calls;
	uint64_t calls_dropped, media_dropped, last_ts;
	uint64_t csum_sip_udp, csum_tcp; /* checksums wrong (not dropped) */
	size_t n_calls, cap_calls;
	struct scan_call *rec;
	/* GMK distributions */
	struct cap_mc_result *mc; /* scratch for cap_mc_extract */
	size_t n_gmk, cap_gmk;
	struct scan_gmk *gmk;
	uint64_t gmk_dropped;   /* records over SCAN_MAX_GMK or out of memory */
	uint64_t body_imsg;     /* type-26 I_MESSAGEs found in bodies (GMK or not) */
	uint64_t body_rejected; /* bodies cap_mc_extract refused */
};

static void text_set(struct scan_text *t, const char *p, size_t n)
{
	t->cut = n >= sizeof t->s;
	t->len = t->cut ? sizeof t->s - 1 : n;
	if (t->len)
		memcpy(t->s, p, t->len);
	t->s[t->len] = '\0';
}

static void text_copy(struct scan_text *t, const struct cap_text *c)
{
	text_set(t, c->s, c->len);
	t->cut = t->cut || c->cut;
}

static void text_hex(struct scan_text *t, const uint8_t *b, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	size_t k = 0;
	t->cut = 2 * n >= sizeof t->s;
	for (size_t i = 0; i < n && k + 2 < sizeof t->s; i++) {
		t->s[k++] = hx[b[i] >> 4];
		t->s[k++] = hx[b[i] & 15];
	}
	t->s[k] = '\0';
	t->len = k;
}

static void id_text(struct scan_text *t, const struct mikey_idr *id)
{
	size_t tl;
	if (!id || !id->len) {
		text_set(t, "", 0);
		return;
	}
	tl = mikey_id_textlen(id);
	if (limf_printable(id->data, tl))
		text_set(t, (const char *)id->data, tl);
	else
		text_hex(t, id->data, id->len);
}

/* The I_MESSAGE as carried: identities from decrypt/'s parser (no key is touched). */
static void imsg_ids(struct scan_call *c, const char *b64, size_t len)
{
	uint8_t *bin = NULL;
	size_t blen = 0;
	struct mikey_msg *m;
	c->n_imsg++;
	if (limf_decode_imsg((const uint8_t *)b64, len, &bin, &blen) != LIM_OK)
		return;
	m = malloc(sizeof *m);
	if (m && mikey_parse(bin, blen, m) == LIM_OK) {
		c->n_imsg_ok++;
		if (!c->have_ids) {
			id_text(&c->initiator, mikey_initiator(m));
			id_text(&c->responder, mikey_responder(m));
			c->have_ids = true;
		}
	}
	free(m);
	free(bin);
}

/* Keeps one RTP endpoint of a media line, with where its RTCP goes (rtcp_addr, rtcp_port; port
 * 0: nowhere known), unless the call has it already. */
static void media_ep_add(struct scan *sc, struct scan_call *c, const struct cap_call_media *m,
			 const struct cap_addr *addr, uint16_t port,
			 const struct cap_addr *rtcp_addr, uint16_t rtcp_port, bool cand)
{
	struct scan_media *e;
	for (size_t k = 0; k < c->n_media; k++)
		if (c->media[k].port == port && cap_addr_eq(&c->media[k].addr, addr))
			return;
	if (c->n_media >= SCAN_MAX_MEDIA) {
		sc->media_dropped++;
		return;
	}
	e = &c->media[c->n_media++];
	memset(e, 0, sizeof *e);
	e->addr = *addr;
	e->rtcp_addr = *rtcp_addr;
	e->port = port;
	e->rtcp_port = rtcp_port;
	e->candidate = cand;
	memcpy(e->media, m->media, sizeof e->media);
}

/* Keeps every endpoint a call's SDP named (re-INVITEs add to the list): c= and m=, and the
 * RTP (component 1) ICE candidates the call table follows, each with the RTCP candidate on
 * its address (component 2), or its own port with a=rtcp-mux. */
static void media_add(struct scan *sc, struct scan_call *c, const struct cap_call_sdp *sd)
{
	for (size_t i = 0; i < sd->n_media; i++) {
		const struct cap_call_media *m = &sd->media[i];
		if (m->port == 0)
			continue;
		if (m->addr.family)
			media_ep_add(sc, c, m, &m->addr, m->port, &m->rtcp_addr, m->rtcp_port,
				     false);
		const struct cap_sdp_cand *cd = &sd->cand[m->cand_at];
		for (size_t k = 0; k < m->n_cand; k++) {
			const struct cap_sdp_cand *r = &cd[k];
			uint16_t rp = m->rtcp_mux ? r->port : 0;
			if (r->component != 1)
				continue;
			for (size_t q = 0; q < m->n_cand && !rp; q++)
				if (cd[q].component == 2 && cap_addr_eq(&cd[q].addr, &r->addr))
					rp = cd[q].port;
			media_ep_add(sc, c, m, &r->addr, r->port, &r->addr, rp, true);
		}
	}
}

static struct scan_call *record_new(struct scan *sc, struct cap_call *call)
{
	struct scan_call *c;
	if (sc->n_calls >= SCAN_MAX_CALLS) {
		sc->calls_dropped++;
		return NULL;
	}
	if (sc->n_calls == sc->cap_calls) {
		size_t n = sc->cap_calls ? sc->cap_calls * 2 : 64;
		struct scan_call *r = realloc(sc->rec, n * sizeof *r);
		if (!r) {
			sc->calls_dropped++;
			return NULL;
		}
		sc->rec = r;
		sc->cap_calls = n;
	}
	c = &sc->rec[sc->n_calls];
	memset(c, 0, sizeof *c);
	text_copy(&c->call_id, &call->call_id);
	text_copy(&c->from, &call->from_uri);
	text_copy(&c->to, &call->to_uri);
	c->first_ns = c->last_ns = call->first_ns;
	c->forked = call->forked;
	c->tcp = call->over_tcp;
	/* the record is found again through the handle: its index, not a pointer (realloc) */
	call->user = (void *)(uintptr_t)(sc->n_calls + 1);
	return &sc->rec[sc->n_calls++];
}

static struct scan_call *record_of(struct scan *sc, const struct cap_call *call)
{
	uintptr_t i = call ? (uintptr_t)call->user : 0;
	return i && i <= sc->n_calls ? &sc->rec[i - 1] : NULL;
}

static void on_sip(struct scan_call *c, const struct cap_event *ev)
{
	const struct cap_sip_msg *m = ev->sip;
	if (ev->ts_ns < c->first_ns)
		c->first_ns = ev->ts_ns;
	if (ev->ts_ns > c->last_ns)
		c->last_ns = ev->ts_ns;
	c->msgs++;
	for (size_t i = 0; i < m->n_pai && c->n_pai < SCAN_MAX_PAI; i++) {
		bool dup = false;
		for (size_t k = 0; k < c->n_pai; k++)
			if (c->pai[k].len == m->pai[i].uri.len &&
			    memcmp(c->pai[k].s, m->pai[i].uri.p, c->pai[k].len) == 0)
				dup = true;
		if (!dup)
			text_set(&c->pai[c->n_pai++], m->pai[i].uri.p, m->pai[i].uri.len);
	}
	if (m->is_request) {
		c->requests++;
		if (cap_str_eq(m->method, "INVITE"))
			c->invite = true;
		else if (cap_str_eq(m->method, "BYE"))
			c->bye = true;
		else if (cap_str_eq(m->method, "CANCEL"))
			c->cancel = true;
	} else {
		c->responses++;
		c->last_status = m->status;
	}
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A group talker: the packet ends with MKI GMK-ID || GUK-ID (optionally followed by the RFC 4771
 * ROC) whose GMK-ID a distribution carried and whose GUK-ID has its purpose tag (TS 33.180);
 * no key needed. */
static void talker_of(struct scan *sc, struct scan_call *c, const struct cap_event *ev)
{
	const struct lim_rd *pk = &ev->media.packet;
	static const size_t tail[2] = { 12, 8 };
	if (ev->media.rtcp || sc->n_gmk == 0)
		return;
	for (size_t t = 0; t < 2; t++) {
		if (pk->len < 12 + tail[t])
			continue;
		uint32_t gmk = be32(pk->p + pk->len - tail[t]),
			 guk = be32(pk->p + pk->len - tail[t] + 4);
		bool known = false;
		for (size_t i = 0; i < sc->n_gmk && !known; i++)
			known = sc->gmk[i].has_gmk_id && sc->gmk[i].gmk_id == gmk;
		if (!known || (gmk >> 28) != (guk >> 28))
			continue;
		for (size_t i = 0; i < c->n_talk; i++)
			if (c->talk[i].gmk_id == gmk && c->talk[i].guk_id == guk &&
			    c->talk[i].ssrc == ev->media.ssrc) {
				c->talk[i].packets++;
				return;
			}
		if (c->n_talk < SCAN_MAX_TALK) {
			c->talk[c->n_talk].gmk_id = gmk;
			c->talk[c->n_talk].guk_id = guk;
			c->talk[c->n_talk].ssrc = ev->media.ssrc;
			c->talk[c->n_talk++].packets = 1;
		}
		return;
	}
}

/* The member a GUK-ID belongs to: the addressee of the distribution whose CSB-ID it is. */
static const struct scan_gmk *member_of(const struct scan *sc, uint32_t gmk_id, uint32_t guk_id)
{
	for (size_t i = 0; i < sc->n_gmk; i++)
		if (sc->gmk[i].has_gmk_id && sc->gmk[i].gmk_id == gmk_id &&
		    sc->gmk[i].guk_id == guk_id)
			return &sc->gmk[i];
	return NULL;
}

/* Whether p went to address a. */
static bool to_addr(const struct cap_addr *a, const struct cap_pkt *p)
{
	return a->family == p->ip_ver && memcmp(a->a, p->dst.a, p->ip_ver == 4 ? 4 : 16) == 0;
}

static void on_media(struct scan *sc, struct scan_call *c, const struct cap_event *ev)
{
	const struct cap_pkt *p = ev->pkt;
	talker_of(sc, c, ev);
	if (ev->media.by_source)
		return;
	for (size_t k = 0; k < c->n_media; k++) {
		struct scan_media *e = &c->media[k];
		if (ev->media.rtcp &&
		    ((e->rtcp_port && p->dport == e->rtcp_port && to_addr(&e->rtcp_addr, p)) ||
		     (p->dport == e->port && to_addr(&e->addr, p)))) {
			e->rtcp++;
			return;
		}
		if (!ev->media.rtcp && p->dport == e->port && to_addr(&e->addr, p)) {
			e->packets++;
			return;
		}
	}
}

static bool icontains(struct cap_str s, const char *lit)
{
	size_t n = strlen(lit);
	for (size_t i = 0; i + n <= s.len; i++) {
		size_t k = 0;
		while (k < n && (s.p[i + k] | 0x20) == lit[k])
			k++;
		if (k == n)
			return true;
	}
	return false;
}

static struct scan_gmk *gmk_new(struct scan *sc)
{
	if (sc->n_gmk == sc->cap_gmk) {
		size_t nc = sc->cap_gmk ? 2 * sc->cap_gmk : 16;
		struct scan_gmk *g;
		if (sc->cap_gmk >= SCAN_MAX_GMK)
			return NULL;
		g = realloc(sc->gmk, nc * sizeof *g);
		if (!g)
			return NULL;
		sc->gmk = g;
		sc->cap_gmk = nc;
	}
	memset(&sc->gmk[sc->n_gmk], 0, sizeof sc->gmk[0]);
	return &sc->gmk[sc->n_gmk++];
}

/* GMK I_MESSAGEs in the body of one SIP message (see the top of this file). */
static void gmk_scan(struct scan *sc, struct scan_call *c, const struct cap_event *ev)
{
	const struct cap_sip_msg *m = ev->sip;
	struct mikey_msg *mm;
	if (!m || m->body.len == 0 ||
	    !(icontains(m->content_type, "multipart") || icontains(m->content_type, "xml") ||
	      icontains(m->content_type, "mikey")))
		return;
	if (!sc->mc && !(sc->mc = malloc(sizeof *sc->mc))) {
		sc->body_rejected++;
		return;
	}
	if (cap_mc_extract(m, sc->mc) != LIM_OK)
		sc->body_rejected++; /* what was found before the error is still listed */
	if (c && m->is_request && cap_str_eq(m->method, "INVITE") && c->group.len == 0) {
		/* a group call: calling-group-id (server to member), else the request URI */
		if (sc->mc->mc_group.len)
			text_set(&c->group, sc->mc->mc_group.s, sc->mc->mc_group.len);
		else if (sc->mc->mc_target.len && c->n_imsg == 0)
			text_set(&c->group, sc->mc->mc_target.s, sc->mc->mc_target.len);
	}
	if (sc->mc->n_imsg == 0 || !(mm = malloc(sizeof *mm)))
		return;
	for (size_t i = 0; i < sc->mc->n_imsg; i++) {
		const struct cap_mc_imsg *im = &sc->mc->imsg[i];
		struct scan_gmk *g;
		sc->body_imsg++;
		if (mikey_parse(im->bytes, im->len, mm) != LIM_OK ||
		    mikey_gmk_check(mm, NULL) != LIM_OK)
			continue;
		if (!(g = gmk_new(sc))) {
			sc->gmk_dropped++;
			continue;
		}
		g->ts_ns = ev->ts_ns;
		text_set(&g->method, sc->mc->method.p, sc->mc->method.len);
		text_set(&g->to, sc->mc->to_uri.p, sc->mc->to_uri.len);
		text_set(&g->ruri, sc->mc->ruri.p, sc->mc->ruri.len);
		text_set(&g->mc_target, sc->mc->mc_target.s, sc->mc->mc_target.len);
		text_set(&g->element, im->element.s, im->element.len);
		text_set(&g->gktp_id, im->gktp_id.s, im->gktp_id.len);
		id_text(&g->gms, mikey_initiator(mm));
		for (size_t k = 0; k < im->n_group && k < SCAN_GMK_GROUPS; k++)
			text_set(&g->group[g->n_group++], im->group[k].s, im->group[k].len);
		g->guk_id = mm->csb_id;
		for (size_t k = 0; k < mm->n_map; k++)
			if (mm->map_type == MIKEY_MAP_GENERIC_ID && mm->cs[k].spi_len == 8) {
				const uint8_t *p = mm->cs[k].spi;
				g->gmk_id = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
					    ((uint32_t)p[2] << 8) | p[3];
				g->has_gmk_id = true;
				break;
			}
	}
	free(mm);
}

static void on_event(void *ctx, const struct cap_event *ev)
{
	struct scan *sc = ctx;
	struct scan_call *c = record_of(sc, ev->call);
	const struct cap_call *call = ev->call;
	switch (ev->type) {
	case CAP_EV_CALL_START:
		c = record_new(sc, ev->call);
		if (!c)
			return;
		if (call->offer.imsg)
			imsg_ids(c, call->offer.imsg, call->offer.imsg_len);
		media_add(sc, c, &call->offer);
		break;
	case CAP_EV_CALL_UPDATE:
		if (!c)
			return;
		if ((ev->changed & CAP_UPD_OFFER_IMSG) && call->offer.imsg)
			imsg_ids(c, call->offer.imsg, call->offer.imsg_len);
		if ((ev->changed & CAP_UPD_ANSWER_IMSG) && call->answer.imsg)
			imsg_ids(c, call->answer.imsg, call->answer.imsg_len);
		media_add(sc, c, &call->offer);
		media_add(sc, c, &call->answer);
		break;
	case CAP_EV_SIP:
		if (c)
			on_sip(c, ev);
		gmk_scan(sc, c, ev);
		break;
	case CAP_EV_MEDIA:
		if (c)
			on_media(sc, c, ev);
		break;
	case CAP_EV_CALL_END:
	case CAP_EV_CALL_FREE: break;
	}
	if (c && call) {
		text_copy(&c->to_tag, &call->to_tag);
		c->state = call->state;
		c->end = call->end;
		c->reinvites = call->reinvites;
		c->ssrcs = call->n_ssrc;
	}
}

static int scan_file(struct scan *sc, const char *path)
{
	struct cap_source *s = NULL;
	enum lim_err rc = cap_source_open_file(path, &s);
	if (rc != LIM_OK) {
		fprintf(stderr, "limf: %s: cannot read as pcap/pcapng\n", path);
		return 1;
	}
	uint64_t frames = 0;
	for (;;) {
		struct cap_frame f;
		struct cap_pkt p;
		bool eof;
		rc = cap_source_next(s, &f, &eof);
		if (rc != LIM_OK || eof)
			break;
		frames++;
		if (f.ts_ns > sc->last_ts)
			sc->last_ts = f.ts_ns;
		if (cap_dec_frame(&sc->dec, &f, &p) != CAP_OK)
			continue;
		if (cap_l4_csum_checked(&p) && !cap_l4_csum_ok(&p)) {
			if (p.proto == CAP_PROTO_TCP)
				sc->csum_tcp++;
			else
				sc->csum_sip_udp++;
		}
		cap_calls_feed(sc->calls, &p, f.ts_ns);
	}
	if (rc == LIM_E_TRUNC)
		fprintf(stderr,
			"limf: %s: cut short after %" PRIu64 " whole frames (%s); listed up "
			"to there\n",
			path, frames, cap_source_error(s));
	else if (rc != LIM_OK)
		fprintf(stderr, "limf: %s: unreadable after %" PRIu64 " frames\n", path, frames);
	cap_source_close(s);
	return rc == LIM_OK ? 0 : 1;
}

/* Text output: bytes from the wire are printed with control octets replaced. */
static void put_text(const struct scan_text *t)
{
	for (size_t i = 0; i < t->len; i++) {
		unsigned char ch = (unsigned char)t->s[i];
		putchar(ch < 0x20 || ch == 0x7f ? '?' : ch);
	}
	if (t->cut)
		fputs("...", stdout);
}

static void print_text(const struct scan *sc)
{
	const struct cap_stats *st = &sc->dec.st;
	char a[64], b[64];
	printf("frames %" PRIu64 " (%" PRIu64 " octets)\n", st->frames, st->bytes);
	printf("ipv4 %" PRIu64 ", ipv6 %" PRIu64 ", udp %" PRIu64 ", tcp %" PRIu64
	       ", fragments %" PRIu64 ", reassembled %" PRIu64 "\n",
	       st->ipv4, st->ipv6, st->udp, st->tcp, st->fragments, st->reassembled);
	printf("sip %" PRIu64 " (tcp %" PRIu64 "), sdp %" PRIu64 ", media %" PRIu64
	       ", other udp %" PRIu64 "\n",
	       st->sip, st->sip_tcp, st->sdp, st->media_bound, st->media_unbound + st->media_bad);
	printf("tcp streams %" PRIu64 ", sip over tcp %" PRIu64 ", retransmitted %" PRIu64
	       ", out of order %" PRIu64 ", not sip %" PRIu64 "\n",
	       st->tcp_streams, st->tcp_sip, st->tcp_retrans, st->tcp_ooo, st->tcp_not_sip);
	for (int i = 0; i < CAP_DROP__COUNT; i++)
		if (st->drop[i])
			printf("rejected %-22s %" PRIu64 "\n", cap_drop_name((enum cap_drop)i),
			       st->drop[i]);
	if (sc->calls_dropped)
		printf("rejected %-22s %" PRIu64 "\n", "call_records_full", sc->calls_dropped);
	if (sc->media_dropped)
		printf("rejected %-22s %" PRIu64 "\n", "call_media_full", sc->media_dropped);
	if (st->media_cand_over) /* (capture.h: endpoints a call's media may use, not followed) */
		printf("rejected %-22s %" PRIu64 "\n", "ice_candidates_over", st->media_cand_over);
	if (sc->csum_sip_udp || sc->csum_tcp)
		printf("checksums wrong: sip over udp %" PRIu64 ", tcp segments %" PRIu64
		       " (what replay --verify-checksums drops)\n",
		       sc->csum_sip_udp, sc->csum_tcp);
	printf("calls %zu\n", sc->n_calls);
	for (size_t i = 0; i < sc->n_calls; i++) {
		const struct scan_call *c = &sc->rec[i];
		limf_fmt_time(c->first_ns, a, sizeof a);
		limf_fmt_time(c->last_ns, b, sizeof b);
		printf("call %zu: Call-ID ", i + 1);
		put_text(&c->call_id);
		printf("\n  from ");
		put_text(&c->from);
		printf("\n  to   ");
		put_text(&c->to);
		for (size_t k = 0; k < c->n_pai; k++) {
			printf("\n  pai  ");
			put_text(&c->pai[k]);
		}
		printf("\n  first %s  last %s\n", a, b);
		printf("  messages %" PRIu64 " (%" PRIu64 " requests, %" PRIu64
		       " responses)%s%s%s\n",
		       c->msgs, c->requests, c->responses, c->invite ? " INVITE" : "",
		       c->bye ? " BYE" : "", c->cancel ? " CANCEL" : "");
		printf("  dialog to-tag ");
		put_text(&c->to_tag);
		printf(" over %s%s, state %s, end %s, re-invites %" PRIu32 ", ssrcs %" PRIu64 "\n",
		       c->tcp ? "tcp" : "udp", c->forked ? " (fork)" : "",
		       cap_call_state_name(c->state), cap_call_end_name(c->end), c->reinvites,
		       c->ssrcs);
		printf("  i_message %s (%zu seen, %zu parsed)\n", c->n_imsg ? "yes" : "no",
		       c->n_imsg, c->n_imsg_ok);
		if (c->have_ids) {
			printf("  initiator ");
			put_text(&c->initiator);
			printf("\n  responder ");
			put_text(&c->responder);
			printf("\n");
		}
		for (size_t k = 0; k < c->n_media; k++) {
			const struct scan_media *e = &c->media[k];
			cap_addr_str(&e->addr, a, sizeof a);
			printf("  media %s %s%s%s:%u%s packets %" PRIu64 " rtcp %" PRIu64 "\n",
			       e->media, e->addr.family == 6 ? "[" : "", a,
			       e->addr.family == 6 ? "]" : "", e->port,
			       e->candidate ? " (ice candidate)" : "", e->packets, e->rtcp);
		}
		if (c->group.len) {
			printf("  group ");
			put_text(&c->group);
			printf("\n");
		}
		for (size_t k = 0; k < c->n_talk; k++) {
			const struct scan_gmk *g =
				member_of(sc, c->talk[k].gmk_id, c->talk[k].guk_id);
			printf("  talker gmk-id %08" PRIx32 " guk-id %08" PRIx32 " ssrc %08" PRIx32
			       " packets %" PRIu64 " member ",
			       c->talk[k].gmk_id, c->talk[k].guk_id, c->talk[k].ssrc,
			       c->talk[k].packets);
			if (g)
				put_text(&g->to);
			else
				printf("unknown");
			printf("\n");
		}
	}
	printf("gmk distributions %zu (i_messages in bodies %" PRIu64 ", bodies rejected %" PRIu64
	       ")\n",
	       sc->n_gmk, sc->body_imsg, sc->body_rejected);
	if (sc->gmk_dropped)
		printf("rejected %-22s %" PRIu64 "\n", "gmk_records_full", sc->gmk_dropped);
	for (size_t i = 0; i < sc->n_gmk; i++) {
		const struct scan_gmk *g = &sc->gmk[i];
		printf("gmk %zu: group", i + 1);
		if (g->n_group == 0)
			printf(" -");
		for (size_t k = 0; k < g->n_group; k++) {
			printf(" ");
			put_text(&g->group[k]);
		}
		printf("\n  to ");
		put_text(&g->to);
		if (g->ruri.len) {
			printf(" request-uri ");
			put_text(&g->ruri);
		}
		if (g->mc_target.len) {
			printf(" mc-target ");
			put_text(&g->mc_target);
		}
		limf_fmt_time(g->ts_ns, a, sizeof a);
		printf("\n  via ");
		put_text(&g->method);
		printf(" at %s, element ", a);
		put_text(&g->element);
		if (g->gktp_id.len) {
			printf(" id ");
			put_text(&g->gktp_id);
		}
		printf("\n  gmk-id ");
		if (g->has_gmk_id)
			printf("%08" PRIx32 " (carried)", g->gmk_id);
		else
			printf("unknown (needs the key)");
		printf(" guk-id %08" PRIx32 " gms ", g->guk_id);
		put_text(&g->gms);
		printf("\n");
	}
}

static void json_text(struct lim_json *j, const char *key, const struct scan_text *t)
{
	lim_json_kv_wire(j, key, t->s, t->len);
}

static int print_json(const struct scan *sc)
{
	const struct cap_stats *st = &sc->dec.st;
	struct lim_json j;
	char a[64];
	lim_json_init(&j, stdout);
	lim_json_obj_open(&j);
	lim_json_key(&j, "counts");
	lim_json_obj_open(&j);
	{
		const char *names[] = { "frames",
					"octets",
					"ipv4",
					"ipv6",
					"udp",
					"tcp",
					"fragments",
					"reassembled",
					"sip",
					"sip_tcp",
					"sdp",
					"media",
					"other_udp",
					"tcp_streams",
					"tcp_retransmitted",
					"tcp_out_of_order",
					"tcp_not_sip" };
		uint64_t v[] = { st->frames,
				 st->bytes,
				 st->ipv4,
				 st->ipv6,
				 st->udp,
				 st->tcp,
				 st->fragments,
				 st->reassembled,
				 st->sip,
				 st->sip_tcp,
				 st->sdp,
				 st->media_bound,
				 st->media_unbound + st->media_bad,
				 st->tcp_streams,
				 st->tcp_retrans,
				 st->tcp_ooo,
				 st->tcp_not_sip };
		for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
			lim_json_key(&j, names[i]);
			lim_json_u64(&j, v[i]);
		}
	}
	lim_json_obj_close(&j);
	lim_json_key(&j, "rejected");
	lim_json_obj_open(&j);
	for (int i = 0; i < CAP_DROP__COUNT; i++)
		if (st->drop[i]) {
			lim_json_key(&j, cap_drop_name((enum cap_drop)i));
			lim_json_u64(&j, st->drop[i]);
		}
	if (sc->calls_dropped) {
		lim_json_key(&j, "call_records_full");
		lim_json_u64(&j, sc->calls_dropped);
	}
	if (sc->media_dropped) {
		lim_json_key(&j, "call_media_full");
		lim_json_u64(&j, sc->media_dropped);
	}
	if (st->media_cand_over) {
		lim_json_key(&j, "ice_candidates_over");
		lim_json_u64(&j, st->media_cand_over);
	}
	lim_json_obj_close(&j);
	lim_json_key(&j, "checksums_wrong");
	lim_json_obj_open(&j);
	lim_json_key(&j, "sip_udp");
	lim_json_u64(&j, sc->csum_sip_udp);
	lim_json_key(&j, "tcp");
	lim_json_u64(&j, sc->csum_tcp);
	lim_json_obj_close(&j);
	lim_json_key(&j, "calls");
	lim_json_arr_open(&j);
	for (size_t i = 0; i < sc->n_calls; i++) {
		const struct scan_call *c = &sc->rec[i];
		lim_json_obj_open(&j);
		json_text(&j, "call_id", &c->call_id);
		json_text(&j, "to_tag", &c->to_tag);
		lim_json_key(&j, "transport");
		lim_json_str(&j, c->tcp ? "tcp" : "udp");
		lim_json_key(&j, "forked");
		lim_json_bool(&j, c->forked);
		lim_json_key(&j, "state");
		lim_json_str(&j, cap_call_state_name(c->state));
		lim_json_key(&j, "end");
		lim_json_str(&j, cap_call_end_name(c->end));
		lim_json_key(&j, "reinvites");
		lim_json_u64(&j, c->reinvites);
		lim_json_key(&j, "i_messages");
		lim_json_u64(&j, c->n_imsg);
		lim_json_key(&j, "ssrcs");
		lim_json_u64(&j, c->ssrcs);
		lim_json_key(&j, "cancel");
		lim_json_bool(&j, c->cancel);
		lim_json_key(&j, "last_status");
		lim_json_u64(&j, c->last_status);
		json_text(&j, "from", &c->from);
		json_text(&j, "to", &c->to);
		lim_json_key(&j, "pai");
		lim_json_arr_open(&j);
		for (size_t k = 0; k < c->n_pai; k++)
			lim_json_strn(&j, c->pai[k].s, c->pai[k].len);
		lim_json_arr_close(&j);
		limf_fmt_time(c->first_ns, a, sizeof a);
		lim_json_key(&j, "first");
		lim_json_str(&j, a);
		limf_fmt_time(c->last_ns, a, sizeof a);
		lim_json_key(&j, "last");
		lim_json_str(&j, a);
		lim_json_key(&j, "messages");
		lim_json_u64(&j, c->msgs);
		lim_json_key(&j, "invite");
		lim_json_bool(&j, c->invite);
		lim_json_key(&j, "bye");
		lim_json_bool(&j, c->bye);
		lim_json_key(&j, "i_message");
		lim_json_bool(&j, c->n_imsg != 0);
		lim_json_key(&j, "i_messages_parsed");
		lim_json_u64(&j, c->n_imsg_ok);
		if (c->have_ids) {
			json_text(&j, "initiator", &c->initiator);
			json_text(&j, "responder", &c->responder);
		}
		lim_json_key(&j, "media");
		lim_json_arr_open(&j);
		for (size_t k = 0; k < c->n_media; k++) {
			const struct scan_media *e = &c->media[k];
			lim_json_obj_open(&j);
			lim_json_key(&j, "media");
			lim_json_str(&j, e->media);
			cap_addr_str(&e->addr, a, sizeof a);
			lim_json_key(&j, "addr");
			lim_json_str(&j, a);
			lim_json_key(&j, "port");
			lim_json_u64(&j, e->port);
			lim_json_key(&j, "candidate");
			lim_json_bool(&j, e->candidate);
			lim_json_key(&j, "packets");
			lim_json_u64(&j, e->packets);
			lim_json_key(&j, "rtcp");
			lim_json_u64(&j, e->rtcp);
			lim_json_obj_close(&j);
		}
		lim_json_arr_close(&j);
		if (c->group.len)
			json_text(&j, "group", &c->group);
		lim_json_key(&j, "talkers");
		lim_json_arr_open(&j);
		for (size_t k = 0; k < c->n_talk; k++) {
			const struct scan_gmk *g =
				member_of(sc, c->talk[k].gmk_id, c->talk[k].guk_id);
			char id[12];
			lim_json_obj_open(&j);
			snprintf(id, sizeof id, "%08" PRIx32, c->talk[k].gmk_id);
			lim_json_key(&j, "gmk_id");
			lim_json_str(&j, id);
			snprintf(id, sizeof id, "%08" PRIx32, c->talk[k].guk_id);
			lim_json_key(&j, "guk_id");
			lim_json_str(&j, id);
			snprintf(id, sizeof id, "%08" PRIx32, c->talk[k].ssrc);
			lim_json_key(&j, "ssrc");
			lim_json_str(&j, id);
			lim_json_key(&j, "packets");
			lim_json_u64(&j, c->talk[k].packets);
			lim_json_key(&j, "member");
			if (g)
				lim_json_strn(&j, g->to.s, g->to.len);
			else
				lim_json_null(&j);
			lim_json_obj_close(&j);
		}
		lim_json_arr_close(&j);
		lim_json_obj_close(&j);
	}
	lim_json_arr_close(&j);
	lim_json_key(&j, "gmk_counts");
	lim_json_obj_open(&j);
	lim_json_key(&j, "i_messages_in_bodies");
	lim_json_u64(&j, sc->body_imsg);
	lim_json_key(&j, "bodies_rejected");
	lim_json_u64(&j, sc->body_rejected);
	lim_json_key(&j, "records_full");
	lim_json_u64(&j, sc->gmk_dropped);
	lim_json_obj_close(&j);
	lim_json_key(&j, "gmk_distributions");
	lim_json_arr_open(&j);
	for (size_t i = 0; i < sc->n_gmk; i++) {
		const struct scan_gmk *g = &sc->gmk[i];
		char h[16];
		lim_json_obj_open(&j);
		lim_json_key(&j, "groups");
		lim_json_arr_open(&j);
		for (size_t k = 0; k < g->n_group; k++)
			lim_json_strn(&j, g->group[k].s, g->group[k].len);
		lim_json_arr_close(&j);
		json_text(&j, "to", &g->to);
		json_text(&j, "request_uri", &g->ruri);
		json_text(&j, "mc_target", &g->mc_target);
		json_text(&j, "method", &g->method);
		json_text(&j, "element", &g->element);
		json_text(&j, "gktp_id", &g->gktp_id);
		limf_fmt_time(g->ts_ns, a, sizeof a);
		lim_json_key(&j, "time");
		lim_json_str(&j, a);
		lim_json_key(&j, "gmk_id");
		if (g->has_gmk_id) {
			snprintf(h, sizeof h, "%08" PRIx32, g->gmk_id);
			lim_json_str(&j, h);
		} else {
			lim_json_null(&j);
		}
		snprintf(h, sizeof h, "%08" PRIx32, g->guk_id);
		lim_json_key(&j, "guk_id");
		lim_json_str(&j, h);
		json_text(&j, "gms", &g->gms);
		lim_json_obj_close(&j);
	}
	lim_json_arr_close(&j);
	lim_json_obj_close(&j);
	return limf_json_end(&j);
}

/* see cli.h */
int limf_cmd_scan(int argc, char **argv)
{
	struct scan *sc;
	bool json = false;
	int i = 0, rc = 0;

	if (limf_wants_help(argc, argv)) {
		printf("usage: limf scan [--json] PCAP...\n"
		       "Lists the calls, I_MESSAGEs and media streams in capture files\n"
		       "(pcap, pcapng); needs no warrant, decrypts nothing, fetches no key.\n");
		return 0;
	}
	while (i < argc && argv[i][0] == '-' && argv[i][1] != '\0') {
		if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else {
			fprintf(stderr, "limf scan: unknown option '%s'\n", argv[i]);
			return 2;
		}
		i++;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: limf scan [--json] PCAP...\n");
		return 2;
	}
	sc = calloc(1, sizeof *sc);
	if (!sc) {
		fprintf(stderr, "limf scan: out of memory\n");
		return 1;
	}
	if (cap_dec_init(&sc->dec, NULL) != LIM_OK ||
	    cap_calls_new(NULL, &sc->dec.st, on_event, sc, &sc->calls) != LIM_OK) {
		cap_dec_clear(&sc->dec);
		free(sc);
		fprintf(stderr, "limf scan: out of memory\n");
		return 1;
	}
	for (; i < argc; i++)
		if (scan_file(sc, argv[i]) != 0)
			rc = 1;
	/* datagrams still incomplete at the end of the input count as timed out; open calls end
	 * and partial TCP messages are counted */
	sc->dec.st.drop[CAP_DROP_FRAG_TIMEOUT] += cap_defrag_expire(sc->dec.defrag, UINT64_MAX);
	cap_calls_flush(sc->calls, sc->last_ts);
	if (json) {
		if (print_json(sc) != 0)
			rc = 1;
	} else {
		print_text(sc);
	}
	cap_calls_free(sc->calls);
	cap_dec_clear(&sc->dec);
	free(sc->rec);
	free(sc->gmk);
	free(sc->mc);
	free(sc);
	return rc;
}
