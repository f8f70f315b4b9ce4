/* test_capture: the call table (capture/calls.c): dialogs, states, forks, re-INVITE re-key,
 * SDP endpoints, media binding (IPv4/IPv6, RTCP, rtcp-mux, by source), SSRC learning, idle
 * expiry, caps. Packets are built as raw IP frames and go through cap_decode. */
#include "capture/capture.h"
#include "tests/unit/capture_suites.h"

/* ------------------------------------------------------------------ event recorder */

struct rec {
	enum cap_ev_type type;
	uint64_t call; /* call->id, 0 for none */
	unsigned changed;
	enum cap_call_state state;
	enum cap_call_end end;
	bool sip_req;
	char method[16];
	uint16_t status;
	struct cap_media_pkt media;
	bool tcp;
	bool pkt; /* e->pkt != NULL */
	uint64_t ts;
};

static struct rec ev[512];
static size_t n_ev;
static struct cap_stats st;
static struct cap_calls *calls;
static struct cap_call *last_call[16]; /* by id, valid until its FREE */
static size_t n_free;
static bool hold_new;    /* mark each new call held at its start, as limf/ does a target's */
static uint32_t ok_ssrc; /* media of this SSRC is the call's own (media_ok), as limf/ says */

static void on_ev(void *ctx, const struct cap_event *e)
{
	struct rec *r;
	(void)ctx;
	if (e->call && e->call->id < 16)
		last_call[e->call->id] = e->type == CAP_EV_CALL_FREE ? NULL : e->call;
	if (e->type == CAP_EV_CALL_FREE)
		n_free++;
	if (e->type == CAP_EV_CALL_START && hold_new)
		((struct cap_call *)e->call)->held = true;
	if (e->type == CAP_EV_MEDIA && ok_ssrc && e->media.ssrc == ok_ssrc)
		((struct cap_call *)e->call)->media_ok = true;
	if (n_ev >= sizeof ev / sizeof ev[0])
		return;
	r = &ev[n_ev++];
	memset(r, 0, sizeof *r);
	r->type = e->type;
	r->call = e->call ? e->call->id : 0;
	r->changed = e->changed;
	r->tcp = e->over_tcp;
	r->pkt = e->pkt != NULL;
	r->ts = e->ts_ns;
	if (e->call) {
		r->state = e->call->state;
		r->end = e->call->end;
	}
	if (e->type == CAP_EV_SIP) {
		const struct cap_sip_msg *m = e->sip;
		struct cap_str s = m->is_request ? m->method : m->cseq_method;
		size_t n = s.len < sizeof r->method - 1 ? s.len : sizeof r->method - 1;
		r->sip_req = m->is_request;
		memcpy(r->method, s.p, n);
		r->status = m->status;
		CHECK(e->raw.len > 0 && e->pkt != NULL);
	}
	if (e->type == CAP_EV_MEDIA) {
		r->media = e->media;
		r->media.packet.p = r->media.payload.p = NULL; /* views die here */
	}
}

static void start(const struct cap_calls_limits *l)
{
	cap_calls_free(calls);
	memset(&st, 0, sizeof st);
	memset(last_call, 0, sizeof last_call);
	n_ev = n_free = 0;
	hold_new = false;
	ok_ssrc = 0;
	CHECK(cap_calls_new(l, &st, on_ev, NULL, &calls) == LIM_OK);
}

static void finish_calls(void)
{
	cap_calls_flush(calls, UINT64_MAX - 1);
	CHECK(cap_calls_count(calls) == 0 && cap_calls_bindings(calls) == 0 &&
	      cap_calls_imsg_bytes(calls) == 0);
	cap_calls_free(calls);
	calls = NULL;
}

/* last event of a type (NULL: none since index from) */
static const struct rec *find(size_t from, enum cap_ev_type t)
{
	const struct rec *r = NULL;
	for (size_t i = from; i < n_ev; i++)
		if (ev[i].type == t)
			r = &ev[i];
	return r;
}
static size_t count(size_t from, enum cap_ev_type t)
{
	size_t n = 0;
	for (size_t i = from; i < n_ev; i++)
		n += ev[i].type == t;
	return n;
}

/* ------------------------------------------------------------------ packets */

#define T1 (1759448872ull * 1000000000ull)
static uint64_t now = T1;

static const uint8_t A4[4] = { 192, 0, 2, 1 }, B4[4] = { 192, 0, 2, 2 }, C4[4] = { 192, 0, 2, 3 },
		     X4[4] = { 198, 51, 100, 9 };

static void feed_ip(const uint8_t *ip, size_t il)
{
	struct cap_pkt p;
	CHECK(il > 0);
	CHECK(cap_decode(CAP_LINK_RAW, ip, il, &p) == CAP_OK);
	cap_calls_feed(calls, &p, now += 1000000);
}

/* the checksums udp() writes: 0 zero UDP and IPv4 header checksums (as built); else a right
 * IPv4 header checksum and 1 the right UDP one, 2 a wrong one, 3 the right one but then the
 * IPv4 header's made wrong, 4 zero (UDP's "none") */
static int udp_csum;

static void udp(int ver, const uint8_t *src, const uint8_t *dst, uint16_t sport, uint16_t dport,
		const void *pl, size_t n)
{
	static uint8_t ip[70000];
	size_t il = t_build_ip(ip, sizeof ip, ver, CAP_PROTO_UDP, sport, dport, src, dst, pl, n);
	size_t hl = ver == 4 ? 20 : 40;
	if (udp_csum && ver == 4 && il > hl) /* and the IPv4 header's, right */
		t_ip4_sum(ip);
	if (udp_csum && udp_csum != 4 && il > hl + 8) {
		struct cap_pkt p;
		uint16_t c;
		CHECK(cap_decode(CAP_LINK_RAW, ip, il, &p) == CAP_OK);
		c = cap_l4_csum((uint8_t)ver, p.src.a, p.dst.a, CAP_PROTO_UDP, ip + hl, il - hl);
		if (udp_csum == 2)
			c ^= 0x0101;
		ip[hl + 6] = (uint8_t)(c >> 8);
		ip[hl + 7] = (uint8_t)c;
		if (udp_csum == 3 && ver == 4)
			ip[11] ^= 1;
	}
	feed_ip(ip, il);
}

static void rtp(int ver, const uint8_t *src, const uint8_t *dst, uint16_t sport, uint16_t dport,
		uint8_t pt, uint16_t seq, uint32_t ssrc)
{
	uint8_t b[172] = { 0x80 };
	b[1] = pt;
	b[2] = (uint8_t)(seq >> 8);
	b[3] = (uint8_t)seq;
	b[4] = 0x11;
	b[8] = (uint8_t)(ssrc >> 24);
	b[9] = (uint8_t)(ssrc >> 16);
	b[10] = (uint8_t)(ssrc >> 8);
	b[11] = (uint8_t)ssrc;
	udp(ver, src, dst, sport, dport, b, sizeof b);
}

static void rtcp(int ver, const uint8_t *src, const uint8_t *dst, uint16_t sport, uint16_t dport,
		 uint8_t pt, uint32_t ssrc)
{
	uint8_t b[28] = { 0x80, 0, 0, 6 };
	b[1] = pt;
	b[4] = (uint8_t)(ssrc >> 24);
	b[5] = (uint8_t)(ssrc >> 16);
	b[6] = (uint8_t)(ssrc >> 8);
	b[7] = (uint8_t)ssrc;
	udp(ver, src, dst, sport, dport, b, sizeof b);
}

static char sdpbuf[8192];

/* SDP with one audio stream (and a second when port2), optional I_MESSAGE text and extra
 * media-level attribute lines. */
static const char *sdp(int ver, const char *addr, unsigned port, unsigned port2, const char *imsg,
		       const char *extra)
{
	int n = snprintf(sdpbuf, sizeof sdpbuf,
			 "v=0\r\no=- 1 1 IN IP%d %s\r\ns=-\r\nc=IN IP%d %s\r\nt=0 0\r\n%s%s%s"
			 "m=audio %u RTP/SAVP 0 96\r\na=rtpmap:96 AMR-WB/16000\r\n%s",
			 ver, addr, ver, addr, imsg ? "a=key-mgmt:mikey " : "", imsg ? imsg : "",
			 imsg ? "\r\n" : "", port, extra ? extra : "");
	if (port2)
		snprintf(sdpbuf + n, sizeof sdpbuf - (size_t)n, "m=video %u RTP/SAVP 97\r\n",
			 port2);
	return sdpbuf;
}

static char msgbuf[16384];

static size_t sip(const char *start, const char *cid, const char *ftag, const char *ttag, int cseq,
		  const char *method, const char *body)
{
	int n = snprintf(msgbuf, sizeof msgbuf,
			 "%s\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-%d\r\n"
			 "From: <sip:alice@example.org>;tag=%s\r\nTo: <sip:bob@example.org>%s%s\r\n"
			 "Call-ID: %s\r\nCSeq: %d %s\r\n%sContent-Length: %zu\r\n\r\n%s",
			 start, cseq, ftag, ttag ? ";tag=" : "", ttag ? ttag : "", cid, cseq,
			 method, body ? "Content-Type: application/sdp\r\n" : "",
			 body ? strlen(body) : 0, body ? body : "");
	return (size_t)n;
}

/* a request from the caller (A -> B) or a response from the callee (B -> A) over UDP */
static void req(const char *cid, const char *ttag, int cseq, const char *method, const char *body)
{
	char start[128];
	snprintf(start, sizeof start, "%s sip:bob@example.org SIP/2.0", method);
	udp(4, A4, B4, 5060, 5060, msgbuf, sip(start, cid, "a1", ttag, cseq, method, body));
}
static void resp(const char *cid, const char *ttag, int cseq, const char *method, int status,
		 const char *body)
{
	char start[128];
	snprintf(start, sizeof start, "SIP/2.0 %d Whatever", status);
	udp(4, B4, A4, 5060, 5060, msgbuf, sip(start, cid, "a1", ttag, cseq, method, body));
}

/* ------------------------------------------------------------------ suites */

static void t_calls_udp(void)
{
	size_t m;
	struct cap_call *c;
	const struct rec *r;
	start(NULL);
	req("c1", NULL, 1, "INVITE", sdp(4, "192.0.2.1", 49170, 0, "AAAA", NULL));
	CHECK(n_ev == 2 && ev[0].type == CAP_EV_CALL_START && ev[1].type == CAP_EV_SIP);
	c = last_call[1];
	CHECK(c && c->state == CAP_CALL_INVITED && cap_calls_count(calls) == 1);
	if (!c)
		return;
	CHECK(c->offer.present && c->offer.imsg && strcmp(c->offer.imsg, "AAAA") == 0);
	CHECK(c->offer.n_media == 1 && c->offer.media[0].port == 49170 &&
	      c->offer.media[0].rtcp_port == 49171 && c->offer.media[0].bound);
	CHECK(strcmp(c->call_id.s, "c1") == 0 && strcmp(c->from_tag.s, "a1") == 0 &&
	      c->to_tag.len == 0 && !c->over_tcp);
	CHECK(cap_calls_bindings(calls) == 2);
	/* retransmitted INVITE: no new call */
	req("c1", NULL, 1, "INVITE", sdp(4, "192.0.2.1", 49170, 0, "AAAA", NULL));
	CHECK(cap_calls_count(calls) == 1 && count(0, CAP_EV_CALL_START) == 1 &&
	      count(0, CAP_EV_CALL_UPDATE) == 0);
	resp("c1", NULL, 1, "INVITE", 100, NULL);
	CHECK(c->state == CAP_CALL_PROCEEDING && find(0, CAP_EV_CALL_UPDATE) &&
	      find(0, CAP_EV_CALL_UPDATE)->changed == CAP_UPD_STATE);
	resp("c1", "b2", 1, "INVITE", 180, NULL);
	CHECK(strcmp(c->to_tag.s, "b2") == 0 && c->state == CAP_CALL_PROCEEDING);
	m = n_ev;
	resp("c1", "b2", 1, "INVITE", 200, sdp(4, "192.0.2.2", 3456, 0, NULL, NULL));
	r = find(m, CAP_EV_CALL_UPDATE);
	CHECK(r && r->changed == (CAP_UPD_STATE | CAP_UPD_ANSWER_SDP) &&
	      r->state == CAP_CALL_ACCEPTED);
	CHECK(c->answer.present && c->answer.imsg == NULL && c->answer.media[0].port == 3456);
	CHECK(cap_calls_bindings(calls) == 4 && c->final_status == 200);
	req("c1", "b2", 1, "ACK", NULL);
	CHECK(c->state == CAP_CALL_CONFIRMED);
	/* media both ways, RTCP both ways */
	m = n_ev;
	rtp(4, A4, B4, 49170, 3456, 0, 1, 0x1111);
	rtp(4, B4, A4, 3456, 49170, 0x80, 7, 0x2222);
	rtp(4, A4, B4, 49170, 3456, 0, 2, 0x1111);
	rtcp(4, A4, B4, 49171, 3457, 200, 0x1111); /* RTCP SR */
	rtcp(4, B4, A4, 3457, 49171, 201, 0x2222);
	CHECK(count(m, CAP_EV_MEDIA) == 5);
	CHECK(ev[m].media.dir == CAP_DIR_TO_ANSWERER && !ev[m].media.rtcp &&
	      ev[m].media.ssrc == 0x1111 && ev[m].media.seq == 1 && ev[m].media.ssrc_new &&
	      ev[m].media.timestamp == 0x11000000u && ev[m].media.pt == 0 && !ev[m].media.marker &&
	      ev[m].media.side == 1 && ev[m].call == 1);
	CHECK(ev[m + 1].media.dir == CAP_DIR_TO_OFFERER && ev[m + 1].media.marker &&
	      ev[m + 1].media.pt == 0 && ev[m + 1].media.ssrc == 0x2222 &&
	      ev[m + 1].media.ssrc_new);
	CHECK(!ev[m + 2].media.ssrc_new);
	CHECK(ev[m + 3].media.rtcp && ev[m + 3].media.ssrc == 0x1111 &&
	      ev[m + 3].media.dir == CAP_DIR_TO_ANSWERER);
	CHECK(ev[m + 4].media.rtcp && ev[m + 4].media.dir == CAP_DIR_TO_OFFERER);
	CHECK(c->rtp[CAP_DIR_TO_ANSWERER] == 2 && c->rtp[CAP_DIR_TO_OFFERER] == 1 &&
	      c->rtcp[0] == 1 && c->rtcp[1] == 1 && c->n_ssrc == 2);
	CHECK(c->answer.media[0].packets == 2 && c->answer.media[0].rtcp == 1 &&
	      c->offer.media[0].packets == 1);
	CHECK(st.media_bound == 5 && st.media_rtcp == 2);
	/* a BYE ends the call at its 2xx, not before (the media between the two still its):
	 * the END first, with the 2xx's packet, then the 2xx's SIP event */
	req("c1", "b2", 2, "BYE", NULL);
	CHECK(!find(0, CAP_EV_CALL_END) && c->state == CAP_CALL_CONFIRMED && c->bye_pending[0]);
	m = n_ev;
	rtp(4, B4, A4, 3456, 49170, 0, 3, 0x2222);
	CHECK(count(m, CAP_EV_MEDIA) == 1 && ev[n_ev - 1].call == 1);
	m = n_ev;
	resp("c1", "b2", 2, "BYE", 200, NULL);
	r = find(0, CAP_EV_CALL_END);
	CHECK(r && r->end == CAP_END_BYE && r->pkt && c->state == CAP_CALL_ENDED);
	CHECK(n_ev == m + 2 && ev[m].type == CAP_EV_CALL_END && ev[n_ev - 1].type == CAP_EV_SIP &&
	      ev[n_ev - 1].call == 1 && ev[n_ev - 1].status == 200);
	/* linger over: freed, bindings gone; later media unbound */
	now += 6ull * 1000000000ull;
	rtp(4, A4, B4, 49170, 3456, 0, 3, 0x1111);
	CHECK(n_free == 1 && cap_calls_count(calls) == 0 && cap_calls_bindings(calls) == 0);
	CHECK(st.media_unbound == 1 && st.calls == 1 && st.calls_ended == 1);
	CHECK(st.sip == 8 && st.sdp == 3);
	finish_calls();
}

/* the same call over TCP, segments split and one out of order */
static void t_calls_tcp(void)
{
	static uint8_t pkt[9000];
	static char inv[6000];
	size_t il, m;
	uint32_t sa = 100, sb = 9000;
	struct cap_call *c;
	start(NULL);
	il = sip("INVITE sip:bob@example.org SIP/2.0", "t1", "a1", NULL, 1, "INVITE",
		 sdp(6, "2001:db8::1", 20000, 0, "QUJD", NULL));
	memcpy(inv, msgbuf, il);
	feed_ip(pkt, t_build_tcp(pkt, sizeof pkt, 6, NULL, NULL, 5555, 5060, sa, 0x02, NULL, 0));
	sa++;
	/* second half first */
	feed_ip(pkt, t_build_tcp(pkt, sizeof pkt, 6, NULL, NULL, 5555, 5060, sa + 200, 0x08,
				 inv + 200, il - 200));
	CHECK(n_ev == 0);
	feed_ip(pkt, t_build_tcp(pkt, sizeof pkt, 6, NULL, NULL, 5555, 5060, sa, 0x08, inv, 200));
	sa += (uint32_t)il;
	CHECK(n_ev == 2 && ev[0].type == CAP_EV_CALL_START && ev[1].tcp);
	c = last_call[1];
	CHECK(c && c->over_tcp && c->offer.media[0].addr.family == 6);
	if (!c)
		return;
#define FROM_B(status, ttag, cseq, meth, body)                                                     \
	do {                                                                                       \
		char s_[64];                                                                       \
		size_t l_;                                                                         \
		snprintf(s_, sizeof s_, "SIP/2.0 %d X", status);                                   \
		l_ = sip(s_, "t1", "a1", ttag, cseq, meth, body);                                  \
		feed_ip(pkt, t_build_tcp(pkt, sizeof pkt, 6, t_ip6_dst, t_ip6_src, 5060, 5555, sb, \
					 0x08, msgbuf, l_));                                       \
		sb += (uint32_t)l_;                                                                \
	} while (0)
#define FROM_A(meth, ttag, cseq, body)                                                             \
	do {                                                                                       \
		size_t l_ = sip(meth " sip:bob@example.org SIP/2.0", "t1", "a1", ttag, cseq, meth, \
				body);                                                             \
		feed_ip(pkt, t_build_tcp(pkt, sizeof pkt, 6, NULL, NULL, 5555, 5060, sa, 0x08,     \
					 msgbuf, l_));                                             \
		sa += (uint32_t)l_;                                                                \
	} while (0)
	FROM_B(100, NULL, 1, "INVITE", NULL);
	CHECK(c->state == CAP_CALL_PROCEEDING);
	FROM_B(180, "bt", 1, "INVITE", NULL);
	FROM_B(200, "bt", 1, "INVITE", sdp(6, "2001:db8::2", 30000, 0, "REVG", NULL));
	CHECK(c->state == CAP_CALL_ACCEPTED && c->answer.imsg &&
	      strcmp(c->answer.imsg, "REVG") == 0);
	CHECK(find(0, CAP_EV_CALL_UPDATE)->changed & CAP_UPD_ANSWER_IMSG);
	FROM_A("ACK", "bt", 1, NULL);
	CHECK(c->state == CAP_CALL_CONFIRMED);
	m = n_ev;
	rtp(6, t_ip6_src, t_ip6_dst, 20000, 30000, 96, 1, 5);
	rtp(6, t_ip6_dst, t_ip6_src, 30000, 20000, 96, 1, 6);
	CHECK(count(m, CAP_EV_MEDIA) == 2 && ev[m].media.dir == CAP_DIR_TO_ANSWERER &&
	      ev[m + 1].media.dir == CAP_DIR_TO_OFFERER);
	FROM_B(0, "a1", 2, "BYE", NULL); /* placeholder replaced below */
	CHECK(st.drop[CAP_DROP_SIP_START] == 1);
	/* BYE from the callee: From/To swapped */
	{
		int n = snprintf(msgbuf, sizeof msgbuf,
				 "BYE sip:alice@example.org SIP/2.0\r\nVia: SIP/2.0/TCP x\r\n"
				 "From: <sip:bob@example.org>;tag=bt\r\n"
				 "To: <sip:alice@example.org>;tag=a1\r\nCall-ID: t1\r\n"
				 "CSeq: 7 BYE\r\nContent-Length: 0\r\n\r\n");
		feed_ip(pkt, t_build_tcp(pkt, sizeof pkt, 6, t_ip6_dst, t_ip6_src, 5060, 5555, sb,
					 0x08, msgbuf, (size_t)n));
	}
	CHECK(c->state == CAP_CALL_CONFIRMED && c->bye_pending[1]); /* (ends at its 2xx) */
	CHECK(st.sip_tcp == 6 && st.tcp_streams == 2 && st.tcp_ooo == 1);
	finish_calls();
#undef FROM_A
#undef FROM_B
}

static void t_calls_cancel_reject(void)
{
	struct cap_call *c;
	start(NULL);
	req("k1", NULL, 1, "INVITE", sdp(4, "192.0.2.1", 4000, 0, "AAAA", NULL));
	resp("k1", "x", 1, "INVITE", 180, NULL);
	req("k1", NULL, 1, "CANCEL", NULL);
	c = last_call[1];
	/* a CANCEL only asks: the call ends on its effect, the 487 to the INVITE */
	CHECK(c && c->state == CAP_CALL_PROCEEDING && count(0, CAP_EV_CALL_END) == 0);
	resp("k1", "x", 1, "CANCEL", 200, NULL);
	CHECK(c && c->state == CAP_CALL_PROCEEDING);
	resp("k1", "x", 1, "INVITE", 487, NULL);
	CHECK(c && c->state == CAP_CALL_ENDED && c->final_status == 487 &&
	      c->end == CAP_END_CANCEL);
	CHECK(count(0, CAP_EV_CALL_END) == 1);
	/* 486 Busy: rejected */
	req("k2", NULL, 1, "INVITE", sdp(4, "192.0.2.1", 4002, 0, NULL, NULL));
	resp("k2", "y", 1, "INVITE", 486, NULL);
	c = last_call[2];
	CHECK(c && c->end == CAP_END_REJECTED && c->final_status == 486);
	CHECK(find(0, CAP_EV_CALL_END) && find(0, CAP_EV_CALL_END)->call == 2);
	/* 200 OK then BYE: a normal end; a CANCEL after the 2xx changes nothing */
	req("k3", NULL, 1, "INVITE", NULL);
	resp("k3", "z", 1, "INVITE", 200, NULL);
	req("k3", NULL, 1, "CANCEL", NULL);
	c = last_call[3];
	CHECK(c && c->state == CAP_CALL_ACCEPTED);
	/* non-INVITE traffic: SIP events with no call */
	req("o1", NULL, 1, "OPTIONS", NULL);
	CHECK(ev[n_ev - 1].type == CAP_EV_SIP && ev[n_ev - 1].call == 0);
	/* a BYE for a dialog never seen: no call */
	req("zz", "q", 2, "BYE", NULL);
	CHECK(ev[n_ev - 1].call == 0 && cap_calls_count(calls) == 3);
	/* rejected SIP is counted, no event */
	{
		size_t m = n_ev;
		udp(4, A4, B4, 5060, 5060, "INVITE sip:x SIP/2.0\r\n\r\n", 24);
		CHECK(n_ev == m && st.drop[CAP_DROP_SIP_MISSING] == 1);
	}
	finish_calls();
	CHECK(n_free == 3);
}

static void t_calls_reinvite(void)
{
	struct cap_call *c;
	const struct rec *r;
	size_t m;
	start(NULL);
	uint64_t t_inv, t_200, t_re;
	req("r1", NULL, 1, "INVITE", sdp(4, "192.0.2.1", 5000, 0, "AAAA", NULL));
	t_inv = now;
	resp("r1", "b", 1, "INVITE", 200, sdp(4, "192.0.2.2", 6000, 0, "QUFB", NULL));
	t_200 = now;
	req("r1", "b", 1, "ACK", NULL);
	c = last_call[1];
	CHECK(c && c->answer.imsg && strcmp(c->answer.imsg, "QUFB") == 0);
	if (!c)
		return;
	/* each I_MESSAGE with the time of the message that carried it first */
	CHECK(c->offer.imsg_ts_ns == t_inv && c->answer.imsg_ts_ns == t_200 && t_inv != t_200);
	/* re-INVITE with a new I_MESSAGE and the same endpoints: held until its 2xx */
	m = n_ev;
	req("r1", "b", 2, "INVITE", sdp(4, "192.0.2.1", 5000, 0, "BBBB", NULL));
	t_re = now;
	CHECK(count(m, CAP_EV_CALL_UPDATE) == 0 && strcmp(c->offer.imsg, "AAAA") == 0);
	/* its retransmission: nothing new */
	req("r1", "b", 2, "INVITE", sdp(4, "192.0.2.1", 5000, 0, "BBBB", NULL));
	CHECK(count(m, CAP_EV_CALL_UPDATE) == 0 && c->reinvites == 1);
	/* the 2xx: update, re-key */
	resp("r1", "b", 2, "INVITE", 200, sdp(4, "192.0.2.2", 6000, 0, "QUFB", NULL));
	r = find(m, CAP_EV_CALL_UPDATE);
	CHECK(count(m, CAP_EV_CALL_UPDATE) == 1 && r &&
	      r->changed == (CAP_UPD_OFFER_SDP | CAP_UPD_OFFER_IMSG));
	CHECK(c->reinvites == 1 && strcmp(c->offer.imsg, "BBBB") == 0 && c->offer.version == 2);
	/* the re-INVITE's I_MESSAGE: its first transmission's time (not the retransmission's,
	 * nor the 2xx's that put it in force); the answer's unchanged one keeps its first */
	CHECK(c->offer.imsg_ts_ns == t_re && c->answer.imsg_ts_ns == t_200);
	CHECK(c->offer.media[0].bound && c->state == CAP_CALL_CONFIRMED);
	/* the 2xx retransmitted: nothing new */
	m = n_ev;
	resp("r1", "b", 2, "INVITE", 200, sdp(4, "192.0.2.2", 6000, 0, "QUFB", NULL));
	CHECK(count(m, CAP_EV_CALL_UPDATE) == 0);
	/* re-INVITE from the callee with a new I_MESSAGE and a new port: answer side */
	m = n_ev;
	{
		int n = snprintf(msgbuf, sizeof msgbuf,
				 "INVITE sip:alice@example.org SIP/2.0\r\nVia: SIP/2.0/UDP x\r\n"
				 "From: <sip:bob@example.org>;tag=b\r\n"
				 "To: <sip:alice@example.org>;tag=a1\r\nCall-ID: r1\r\n"
				 "CSeq: 9 INVITE\r\nContent-Type: application/sdp\r\n"
				 "Content-Length: %zu\r\n\r\n%s",
				 strlen(sdp(4, "192.0.2.2", 6100, 0, "Q0ND", NULL)), sdpbuf);
		udp(4, B4, A4, 5060, 5060, msgbuf, (size_t)n);
		CHECK(count(m, CAP_EV_CALL_UPDATE) == 0 && c->answer.media[0].port == 6000);
		n = snprintf(msgbuf, sizeof msgbuf,
			     "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP x\r\n"
			     "From: <sip:bob@example.org>;tag=b\r\n"
			     "To: <sip:alice@example.org>;tag=a1\r\nCall-ID: r1\r\n"
			     "CSeq: 9 INVITE\r\nContent-Length: 0\r\n\r\n");
		udp(4, A4, B4, 5060, 5060, msgbuf, (size_t)n);
	}
	r = find(m, CAP_EV_CALL_UPDATE);
	CHECK(r && r->changed == (CAP_UPD_ANSWER_SDP | CAP_UPD_ANSWER_IMSG));
	CHECK(c->reinvites == 2 && c->answer.media[0].port == 6100);
	CHECK(strcmp(c->answer.imsg, "Q0ND") == 0);
	/* the old answer port is unbound, the new one bound */
	m = n_ev;
	rtp(4, A4, B4, 5000, 6000, 0, 1, 1);
	rtp(4, A4, B4, 5000, 6100, 0, 1, 1);
	CHECK(count(m, CAP_EV_MEDIA) == 2);
	CHECK(ev[m].media.by_source && ev[m].media.dir == CAP_DIR_TO_ANSWERER);
	CHECK(!ev[m + 1].media.by_source && ev[m + 1].media.side == 1);
	/* an error answer to a re-INVITE keeps the call */
	req("r1", "b", 3, "INVITE", sdp(4, "192.0.2.1", 5000, 0, "BBBB", NULL));
	resp("r1", "b", 3, "INVITE", 488, NULL);
	CHECK(c->state == CAP_CALL_CONFIRMED && c->final_status == 488);
	/* a re-INVITE without key-mgmt keeps the I_MESSAGE in force */
	req("r1", "b", 4, "INVITE", sdp(4, "192.0.2.1", 5002, 0, NULL, NULL));
	resp("r1", "b", 4, "INVITE", 200, NULL);
	CHECK(c->offer.imsg && strcmp(c->offer.imsg, "BBBB") == 0 &&
	      c->offer.media[0].port == 5002);
	/* a re-INVITE of a dialog whose start was not seen is picked up */
	req("r9", "b", 5, "INVITE", sdp(4, "192.0.2.1", 5100, 0, "CCCC", NULL));
	CHECK(last_call[2] && last_call[2]->state == CAP_CALL_CONFIRMED &&
	      strcmp(last_call[2]->offer.imsg, "CCCC") == 0);
	finish_calls();
}

/* Review finding 6: a request without a To tag touches only the calls still without a final
 * answer, and a CANCEL ends a call only through the INVITE's final error, so that a 2xx that
 * crosses it (or a spoofed CANCEL) still establishes the call. */
static void t_calls_notag(void)
{
	struct cap_call *c;
	size_t m;
	start(NULL);
	req("n1", NULL, 1, "INVITE", sdp(4, "192.0.2.1", 5000, 0, "AAAA", NULL));
	resp("n1", "b", 1, "INVITE", 200, sdp(4, "192.0.2.2", 6000, 0, NULL, NULL));
	req("n1", "b", 1, "ACK", NULL);
	c = last_call[1];
	CHECK(c && c->state == CAP_CALL_CONFIRMED);
	if (!c)
		return;
	/* a BYE without To tag: shown with the call, ends nothing */
	m = n_ev;
	udp(4, X4, B4, 5060, 5060, msgbuf,
	    sip("BYE sip:bob@example.org SIP/2.0", "n1", "a1", NULL, 2, "BYE", NULL));
	CHECK(count(m, CAP_EV_CALL_END) == 0 && count(m, CAP_EV_CALL_UPDATE) == 0);
	CHECK(ev[n_ev - 1].type == CAP_EV_SIP && ev[n_ev - 1].call == 1);
	CHECK(c->state == CAP_CALL_CONFIRMED);
	/* an INVITE without To tag, new SDP and I_MESSAGE: no re-offer */
	m = n_ev;
	udp(4, X4, B4, 5060, 5060, msgbuf,
	    sip("INVITE sip:bob@example.org SIP/2.0", "n1", "a1", NULL, 1, "INVITE",
		sdp(4, "192.0.2.9", 5002, 0, "BBBB", NULL)));
	CHECK(count(m, CAP_EV_CALL_UPDATE) == 0 && count(m, CAP_EV_CALL_START) == 0);
	CHECK(strcmp(c->offer.imsg, "AAAA") == 0 && c->offer.media[0].port == 5000 &&
	      c->offer.media[0].bound && cap_calls_count(calls) == 1);
	/* a CANCEL after the 2xx changes nothing either */
	req("n1", NULL, 1, "CANCEL", NULL);
	CHECK(c->state == CAP_CALL_CONFIRMED && !c->cancelled);
	/* past the linger time the call and its media are still there */
	now += 6ull * 1000000000ull;
	m = n_ev;
	rtp(4, A4, B4, 5000, 6000, 0, 1, 0x1111);
	rtp(4, B4, A4, 6000, 5000, 0, 1, 0x2222);
	CHECK(count(m, CAP_EV_MEDIA) == 2 && ev[m].call == 1 && ev[m + 1].call == 1 &&
	      st.media_unbound == 0 && n_free == 0);
	finish_calls();

	/* a (spoofed) CANCEL while ringing, the real 200 OK 6 s later: the call is set up */
	start(NULL);
	req("n2", NULL, 1, "INVITE", sdp(4, "192.0.2.1", 5000, 0, "AAAA", NULL));
	resp("n2", "b", 1, "INVITE", 180, NULL);
	udp(4, X4, B4, 5060, 5060, msgbuf,
	    sip("CANCEL sip:bob@example.org SIP/2.0", "n2", "a1", NULL, 1, "CANCEL", NULL));
	c = last_call[1];
	CHECK(c && c->cancelled && c->state == CAP_CALL_PROCEEDING);
	now += 6ull * 1000000000ull;
	resp("n2", "b", 1, "INVITE", 200, sdp(4, "192.0.2.2", 6000, 0, NULL, NULL));
	req("n2", "b", 1, "ACK", NULL);
	CHECK(last_call[1] == c && c->state == CAP_CALL_CONFIRMED && n_free == 0);
	m = n_ev;
	rtp(4, A4, B4, 5000, 6000, 0, 1, 0x1111);
	CHECK(count(m, CAP_EV_MEDIA) == 1 && ev[m].call == 1 && st.media_unbound == 0);
	CHECK(count(0, CAP_EV_CALL_END) == 0);
	finish_calls();

	/* a CANCEL of two early forks: the 487 (one, from the proxy) ends both as cancelled */
	start(NULL);
	req("n3", NULL, 1, "INVITE", NULL);
	resp("n3", "t1", 1, "INVITE", 180, NULL);
	resp("n3", "t2", 1, "INVITE", 180, NULL);
	CHECK(last_call[1] && last_call[2] && cap_calls_count(calls) == 2);
	req("n3", NULL, 1, "CANCEL", NULL);
	CHECK(count(0, CAP_EV_CALL_END) == 0 && last_call[2] && last_call[2]->cancelled);
	resp("n3", "t1", 1, "INVITE", 487, NULL);
	CHECK(count(0, CAP_EV_CALL_END) == 2 && last_call[1] && last_call[2] &&
	      last_call[1]->end == CAP_END_CANCEL && last_call[2]->end == CAP_END_CANCEL);
	/* the retransmitted 487 and a late tag-less CANCEL: nothing more */
	resp("n3", "t1", 1, "INVITE", 487, NULL);
	req("n3", NULL, 1, "CANCEL", NULL);
	CHECK(count(0, CAP_EV_CALL_END) == 2 && cap_calls_count(calls) == 2);
	finish_calls();

	/* a retry after 407 (same Call-ID and From tag, new CSeq, no To tag) is a new call; the
	 * first INVITE's retransmission is not */
	start(NULL);
	req("n4", NULL, 1, "INVITE", NULL);
	resp("n4", "p", 1, "INVITE", 407, NULL);
	req("n4", "p", 1, "ACK", NULL);
	CHECK(last_call[1] && last_call[1]->end == CAP_END_REJECTED);
	req("n4", NULL, 1, "INVITE", NULL);
	CHECK(cap_calls_count(calls) == 1 && ev[n_ev - 1].call == 1);
	req("n4", NULL, 2, "INVITE", sdp(4, "192.0.2.1", 5000, 0, "AAAA", NULL));
	CHECK(cap_calls_count(calls) == 2 && last_call[2] &&
	      last_call[2]->state == CAP_CALL_INVITED && last_call[2]->offer.imsg);
	resp("n4", "b", 2, "INVITE", 200, NULL);
	CHECK(last_call[2] && last_call[2]->state == CAP_CALL_ACCEPTED &&
	      strcmp(last_call[2]->to_tag.s, "b") == 0);
	finish_calls();
}

/* A request from the callee (From bob;tag=b, To alice;tag=a1) or a response to one. */
static void from_callee(const char *start, const char *cid, int cseq, const char *meth,
			const char *body)
{
	int n = snprintf(msgbuf, sizeof msgbuf,
			 "%s\r\nVia: SIP/2.0/UDP x\r\nFrom: <sip:bob@example.org>;tag=b\r\n"
			 "To: <sip:alice@example.org>;tag=a1\r\nCall-ID: %s\r\nCSeq: %d %s\r\n"
			 "%sContent-Length: %zu\r\n\r\n%s",
			 start, cid, cseq, meth, body ? "Content-Type: application/sdp\r\n" : "",
			 body ? strlen(body) : 0, body ? body : "");
	if (start[0] == 'S')
		udp(4, A4, B4, 5060, 5060, msgbuf, (size_t)n);
	else
		udp(4, B4, A4, 5060, 5060, msgbuf, (size_t)n);
}

/* Review finding 7: a re-INVITE's offer (SDP, I_MESSAGE) is in force only once it is
 * accepted; a rejected one (488, 491...) leaves the call's media and keys as they were. */
static void t_calls_reinvite_rejected(void)
{
	struct cap_call *c;
	size_t m;
	start(NULL);
	req("j1", NULL, 1, "INVITE", sdp(4, "192.0.2.1", 5000, 0, "AAAA", NULL));
	resp("j1", "b", 1, "INVITE", 200, sdp(4, "192.0.2.2", 6000, 0, "QUFB", NULL));
	req("j1", "b", 1, "ACK", NULL);
	c = last_call[1];
	CHECK(c && c->state == CAP_CALL_CONFIRMED);
	if (!c)
		return;
	/* the caller's re-INVITE (new port, new key), rejected */
	m = n_ev;
	req("j1", "b", 2, "INVITE", sdp(4, "192.0.2.1", 5002, 0, "BBBB", NULL));
	CHECK(count(m, CAP_EV_CALL_UPDATE) == 0 && c->reinvites == 1);
	rtp(4, B4, A4, 6000, 5000, 0, 1, 0x2222); /* the current offer port: still bound */
	resp("j1", "b", 2, "INVITE", 488, NULL);
	req("j1", "b", 2, "ACK", NULL);
	CHECK(count(m, CAP_EV_CALL_UPDATE) == 0 && c->state == CAP_CALL_CONFIRMED);
	CHECK(strcmp(c->offer.imsg, "AAAA") == 0 && c->offer.media[0].port == 5000 &&
	      c->offer.media[0].bound && c->offer.version == 1);
	rtp(4, B4, A4, 6000, 5000, 0, 2, 0x2222);
	rtp(4, C4, A4, 7000, 5002, 0, 1, 0x3333); /* the rejected port: nothing */
	CHECK(count(m, CAP_EV_MEDIA) == 2 && st.media_unbound == 1);
	CHECK(!ev[n_ev - 2].media.by_source && ev[n_ev - 2].media.side == 0);
	/* the callee's re-INVITE, 491 (glare) */
	m = n_ev;
	from_callee("INVITE sip:alice@example.org SIP/2.0", "j1", 7, "INVITE",
		    sdp(4, "192.0.2.2", 6002, 0, "Q0ND", NULL));
	from_callee("SIP/2.0 491 Request Pending", "j1", 7, "INVITE", NULL);
	CHECK(count(m, CAP_EV_CALL_UPDATE) == 0 && strcmp(c->answer.imsg, "QUFB") == 0 &&
	      c->answer.media[0].port == 6000 && c->answer.media[0].bound);
	/* both sides at once: the caller's is accepted, the callee's rejected */
	m = n_ev;
	req("j1", "b", 3, "INVITE", sdp(4, "192.0.2.1", 5004, 0, "RERE", NULL));
	from_callee("INVITE sip:alice@example.org SIP/2.0", "j1", 8, "INVITE",
		    sdp(4, "192.0.2.2", 6004, 0, "RUVF", NULL));
	from_callee("SIP/2.0 491 Request Pending", "j1", 8, "INVITE", NULL);
	CHECK(count(m, CAP_EV_CALL_UPDATE) == 0);
	resp("j1", "b", 3, "INVITE", 200, sdp(4, "192.0.2.2", 6000, 0, "QUFB", NULL));
	CHECK(count(m, CAP_EV_CALL_UPDATE) == 1 && find(m, CAP_EV_CALL_UPDATE) &&
	      find(m, CAP_EV_CALL_UPDATE)->changed == (CAP_UPD_OFFER_SDP | CAP_UPD_OFFER_IMSG));
	CHECK(strcmp(c->offer.imsg, "RERE") == 0 && c->offer.media[0].port == 5004 &&
	      c->offer.media[0].bound && c->offer.version == 2);
	CHECK(strcmp(c->answer.imsg, "QUFB") == 0 && c->answer.media[0].port == 6000);
	/* the old offer port is unbound, the new one bound */
	m = n_ev;
	rtp(4, C4, A4, 7000, 5000, 0, 1, 0x4444);
	rtp(4, C4, A4, 7000, 5004, 0, 1, 0x4444);
	CHECK(count(m, CAP_EV_MEDIA) == 1 && st.media_unbound == 2);
	/* a re-INVITE whose final response never comes, then one accepted: the newer offer */
	m = n_ev;
	req("j1", "b", 4, "INVITE", sdp(4, "192.0.2.1", 5006, 0, "RkZG", NULL));
	req("j1", "b", 5, "INVITE", sdp(4, "192.0.2.1", 5008, 0, "R0dH", NULL));
	resp("j1", "b", 4, "INVITE", 200, NULL); /* stale: for the replaced one */
	CHECK(count(m, CAP_EV_CALL_UPDATE) == 0 && c->offer.media[0].port == 5004);
	resp("j1", "b", 5, "INVITE", 200, NULL);
	CHECK(count(m, CAP_EV_CALL_UPDATE) == 1 && c->offer.media[0].port == 5008 &&
	      strcmp(c->offer.imsg, "R0dH") == 0);
	/* a re-INVITE pending when the call ends, answered 2xx after the end: the peer took it,
	 * not the end (had it taken the BYE, it would answer 487): the dialog went on, and its
	 * offer is in force (before, it was dropped with the call: a re-key just before a BYE to
	 * a party's second UA took the media's keys away); answered 487, nothing changes */
	req("j1", "b", 6, "INVITE", sdp(4, "192.0.2.1", 5010, 0, "SEhI", NULL));
	req("j1", "b", 7, "BYE", NULL);
	resp("j1", "b", 7, "BYE", 200, NULL);
	CHECK(c->state == CAP_CALL_ENDED && !c->went_on);
	resp("j1", "b", 6, "INVITE", 200, NULL);
	CHECK(c->state == CAP_CALL_ENDED && c->went_on && c->offer.media[0].port == 5010 &&
	      strcmp(c->offer.imsg, "SEhI") == 0);
	finish_calls();
	start(NULL);
	req("j2", NULL, 1, "INVITE", sdp(4, "192.0.2.1", 49170, 0, "AAAA", NULL));
	resp("j2", "t1", 1, "INVITE", 200, sdp(4, "192.0.2.2", 3456, 0, NULL, NULL));
	req("j2", "t1", 1, "ACK", NULL);
	c = last_call[1];
	req("j2", "t1", 6, "INVITE", sdp(4, "192.0.2.1", 5010, 0, "SEhI", NULL));
	req("j2", "t1", 7, "BYE", NULL);
	resp("j2", "t1", 7, "BYE", 200, NULL);
	resp("j2", "t1", 6, "INVITE", 487, NULL);
	CHECK(c && !c->went_on && c->offer.media[0].port == 49170 &&
	      strcmp(c->offer.imsg, "AAAA") == 0);
	finish_calls();
}

/* Review finding 5 (the call table's half): only the offer/answer of an INVITE dialog moves a
 * call's media, never the SDP of an in-dialog INFO or MESSAGE or of a tag-less UPDATE. */
static void t_calls_sdp_methods(void)
{
	struct cap_call *c;
	size_t m;
	start(NULL);
	req("s1", NULL, 1, "INVITE", sdp(4, "192.0.2.1", 5000, 0, "AAAA", NULL));
	resp("s1", NULL, 1, "INVITE", 100, NULL);
	CHECK(last_call[1] && last_call[1]->state == CAP_CALL_PROCEEDING);
	m = n_ev;
	req("s1", NULL, 2, "UPDATE", sdp(4, "192.0.2.9", 5900, 0, "BBBB", NULL));
	CHECK(count(m, CAP_EV_CALL_UPDATE) == 0);
	resp("s1", "b", 1, "INVITE", 200, sdp(4, "192.0.2.2", 6000, 0, NULL, NULL));
	req("s1", "b", 1, "ACK", NULL);
	c = last_call[1];
	CHECK(c && c->state == CAP_CALL_CONFIRMED);
	if (!c)
		return;
	m = n_ev;
	req("s1", "b", 3, "INFO", sdp(4, "192.0.2.9", 5900, 0, "BBBB", NULL));
	req("s1", "b", 4, "MESSAGE", sdp(4, "192.0.2.9", 5902, 0, "CCCC", NULL));
	resp("s1", "b", 5, "OPTIONS", 200, sdp(4, "192.0.2.9", 5904, 0, NULL, NULL));
	CHECK(count(m, CAP_EV_CALL_UPDATE) == 0 && count(m, CAP_EV_SIP) == 3);
	CHECK(strcmp(c->offer.imsg, "AAAA") == 0 && c->offer.media[0].port == 5000 &&
	      c->answer.media[0].port == 6000 && c->offer.media[0].bound);
	/* an UPDATE in the dialog does, once accepted (RFC 3311 s5.1); refused (491, glare), the
	 * session stays as it was */
	req("s1", "b", 6, "UPDATE", sdp(4, "192.0.2.1", 5010, 0, "EEEE", NULL));
	CHECK(count(m, CAP_EV_CALL_UPDATE) == 0 && c->offer.media[0].port == 5000);
	resp("s1", "b", 6, "UPDATE", 200, sdp(4, "192.0.2.2", 6000, 0, NULL, NULL));
	CHECK(find(m, CAP_EV_CALL_UPDATE) && c->offer.media[0].port == 5010 &&
	      strcmp(c->offer.imsg, "EEEE") == 0 && c->answer.media[0].port == 6000);
	m = n_ev;
	req("s1", "b", 8, "UPDATE", sdp(4, "192.0.2.1", 5030, 0, "FFFF", NULL));
	resp("s1", "b", 8, "UPDATE", 491, NULL);
	CHECK(count(m, CAP_EV_CALL_UPDATE) == 0 && c->offer.media[0].port == 5010 &&
	      strcmp(c->offer.imsg, "EEEE") == 0 && c->offer.media[0].bound);
	m = n_ev;
	/* a re-INVITE refused with a 488 whose SDP lists what the callee would take (TS 24.229):
	 * no answer, the session as it was (the callee's port kept, still bound) */
	m = n_ev;
	req("s1", "b", 7, "INVITE", sdp(4, "192.0.2.1", 5020, 0, "DDDD", NULL));
	resp("s1", "b", 7, "INVITE", 488, sdp(4, "192.0.2.2", 0, 0, NULL, NULL));
	CHECK(count(m, CAP_EV_CALL_UPDATE) == 0);
	CHECK(c->answer.media[0].port == 6000 && c->answer.media[0].bound &&
	      c->offer.media[0].port == 5010 && c->state == CAP_CALL_CONFIRMED);
	finish_calls();
}

static void t_calls_fork(void)
{
	struct cap_call *c1, *c2;
	size_t m;
	start(NULL);
	req("f1", NULL, 1, "INVITE", sdp(4, "192.0.2.1", 7000, 0, "AAAA", NULL));
	resp("f1", "t1", 1, "INVITE", 180, NULL);
	m = n_ev;
	resp("f1", "t2", 1, "INVITE", 183, sdp(4, "192.0.2.3", 7200, 0, NULL, NULL));
	CHECK(find(m, CAP_EV_CALL_START) && find(m, CAP_EV_CALL_START)->call == 2);
	c1 = last_call[1];
	c2 = last_call[2];
	CHECK(c1 && c2 && c2->forked && !c1->forked && st.forks == 1);
	if (!c1 || !c2)
		return;
	CHECK(strcmp(c1->to_tag.s, "t1") == 0 && strcmp(c2->to_tag.s, "t2") == 0);
	CHECK(c2->offer.imsg && strcmp(c2->offer.imsg, "AAAA") == 0 &&
	      c2->offer.imsg != c1->offer.imsg && c2->answer.media[0].port == 7200);
	CHECK(c2->state == CAP_CALL_PROCEEDING);
	/* the second branch answers: it owns the offer's endpoint now */
	resp("f1", "t2", 1, "INVITE", 200, sdp(4, "192.0.2.3", 7200, 0, "RkZG", NULL));
	CHECK(c2->state == CAP_CALL_ACCEPTED && c1->state == CAP_CALL_PROCEEDING);
	m = n_ev;
	rtp(4, C4, A4, 7200, 7000, 0, 1, 9);
	rtp(4, A4, C4, 7000, 7200, 0, 1, 8);
	CHECK(count(m, CAP_EV_MEDIA) == 2 && ev[m].call == 2 && ev[m + 1].call == 2);
	CHECK(ev[m].media.dir == CAP_DIR_TO_OFFERER && ev[m + 1].media.dir == CAP_DIR_TO_ANSWERER);
	/* a final error from another branch ends the early dialog, not the answered one */
	resp("f1", "t3", 1, "INVITE", 480, NULL);
	CHECK(c1->state == CAP_CALL_ENDED && c1->end == CAP_END_REJECTED);
	CHECK(c2->state == CAP_CALL_ACCEPTED);
	/* the early fork is freed after its linger; the offer endpoint stays bound to c2 */
	now += 6ull * 1000000000ull;
	rtp(4, C4, A4, 7200, 7000, 0, 2, 9);
	CHECK(last_call[1] == NULL && ev[n_ev - 1].type == CAP_EV_MEDIA && ev[n_ev - 1].call == 2);
	finish_calls();
}

/* A retry after 407 (RFC 3261 s22.2: a new INVITE, new CSeq, here new SDP and key) that forks:
 * each fork is a dialog of the retry (its offer and key, its CSeq), not of the challenged
 * INVITE; a CANCEL and the 487s then end both early dialogs as cancelled. */
static void t_calls_fork_after_auth(void)
{
	struct cap_call *r, *f;
	start(NULL);
	req("fa", NULL, 1, "INVITE", sdp(4, "192.0.2.1", 7000, 0, "AAAA", NULL));
	resp("fa", "x", 1, "INVITE", 407, NULL);
	req("fa", "x", 1, "ACK", NULL);
	CHECK(last_call[1] && last_call[1]->state == CAP_CALL_ENDED);
	req("fa", NULL, 2, "INVITE", sdp(4, "192.0.2.1", 7100, 0, "QkJC", NULL));
	resp("fa", "t1", 2, "INVITE", 180, NULL);
	resp("fa", "t2", 2, "INVITE", 183, sdp(4, "192.0.2.3", 7200, 0, NULL, NULL));
	r = last_call[2];
	f = last_call[3];
	CHECK(r && f && f->forked && strcmp(r->to_tag.s, "t1") == 0 &&
	      strcmp(f->to_tag.s, "t2") == 0);
	if (!r || !f)
		return;
	CHECK(f->invite_cseq == 2 && f->offer.media[0].port == 7100 && f->offer.imsg &&
	      strcmp(f->offer.imsg, "QkJC") == 0);
	req("fa", NULL, 2, "CANCEL", NULL);
	resp("fa", "t1", 2, "INVITE", 487, NULL);
	resp("fa", "t2", 2, "INVITE", 487, NULL);
	CHECK(r->state == CAP_CALL_ENDED && r->end == CAP_END_CANCEL);
	CHECK(f->state == CAP_CALL_ENDED && f->end == CAP_END_CANCEL);
	finish_calls();
}

/* Every P-Asserted-Identity reaches the call (RFC 3325: a sip: and a tel: form of the caller,
 * in two headers or one), and a fork keeps them: the gate must see the tel: form too. */
static void t_calls_pai(void)
{
	static const char inv[] =
		"INVITE sip:bob@example.org SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-p1\r\n"
		"From: <sip:alice@example.org>;tag=a1\r\nTo: <sip:bob@example.org>\r\n"
		"Call-ID: p1\r\nCSeq: 1 INVITE\r\n"
		"P-Asserted-Identity: \"Alice\" <sip:+447700900123@ims.example;user=phone>\r\n"
		"P-Asserted-Identity: <tel:+447700900123>, <sip:alice@example.org>\r\n"
		"Content-Length: 0\r\n\r\n";
	struct cap_call *c1, *c2;
	start(NULL);
	udp(4, A4, B4, 5060, 5060, inv, sizeof inv - 1);
	c1 = last_call[1];
	CHECK(c1 && c1->n_pai == 3);
	if (!c1 || c1->n_pai != 3)
		return;
	CHECK(strcmp(c1->pai[0].s, "sip:+447700900123@ims.example;user=phone") == 0);
	CHECK(strcmp(c1->pai[1].s, "tel:+447700900123") == 0 && c1->pai[1].len == 17);
	CHECK(strcmp(c1->pai[2].s, "sip:alice@example.org") == 0);
	resp("p1", "t1", 1, "INVITE", 180, NULL);
	resp("p1", "t2", 1, "INVITE", 180, NULL);
	c2 = last_call[2];
	CHECK(c2 && c2->forked && c2->n_pai == 3);
	if (c2)
		CHECK(strcmp(c2->pai[1].s, "tel:+447700900123") == 0);
	/* the 2xx that answers asserts who answered (a diverted call: not the To); the caller's
	 * stay as they were, a later 2xx (retransmitted, re-INVITE) changes nothing */
	{
		static const char ok[] =
			"SIP/2.0 200 OK\r\n"
			"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-p1\r\n"
			"From: <sip:alice@example.org>;tag=a1\r\n"
			"To: <sip:bob@example.org>;tag=t2\r\n"
			"Call-ID: p1\r\nCSeq: 1 INVITE\r\n"
			"P-Asserted-Identity: <sip:carol@example.org>, <tel:+447700900456>\r\n"
			"Content-Length: 0\r\n\r\n";
		static const char ok2[] = "SIP/2.0 200 OK\r\n"
					  "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-p1\r\n"
					  "From: <sip:alice@example.org>;tag=a1\r\n"
					  "To: <sip:bob@example.org>;tag=t2\r\n"
					  "Call-ID: p1\r\nCSeq: 1 INVITE\r\n"
					  "P-Asserted-Identity: <sip:mallory@example.org>\r\n"
					  "Content-Length: 0\r\n\r\n";
		CHECK(c1 && c1->n_apai == 0 && c2 && c2->n_apai == 0);
		udp(4, B4, A4, 5060, 5060, ok, sizeof ok - 1);
		CHECK(c2 && c2->state == CAP_CALL_ACCEPTED && c2->n_apai == 2 && c2->n_pai == 3);
		if (c2 && c2->n_apai == 2)
			CHECK(strcmp(c2->apai[0].s, "sip:carol@example.org") == 0 &&
			      strcmp(c2->apai[1].s, "tel:+447700900456") == 0);
		CHECK(c1 && c1->n_apai == 0);
		udp(4, B4, A4, 5060, 5060, ok2, sizeof ok2 - 1);
		CHECK(c2 && c2->n_apai == 2 && strcmp(c2->apai[0].s, "sip:carol@example.org") == 0);
	}
	/* no PAI: none */
	req("p2", NULL, 1, "INVITE", NULL);
	CHECK(last_call[3] && last_call[3]->n_pai == 0);
	finish_calls();
}

static void t_calls_media(void)
{
	struct cap_call *c;
	size_t m;
	start(NULL);
	/* IPv6, explicit a=rtcp on the offer, rtcp-mux on the answer */
	{
		char start_l[] = "INVITE sip:bob@example.org SIP/2.0";
		size_t n = sip(start_l, "v6", "a1", NULL, 1, "INVITE",
			       sdp(6, "2001:db8::1", 40000, 0, "AAAA", "a=rtcp:40009\r\n"));
		udp(6, t_ip6_src, t_ip6_dst, 5060, 5060, msgbuf, n);
		n = sip("SIP/2.0 200 OK", "v6", "a1", "b", 1, "INVITE",
			sdp(6, "2001:db8::2", 50000, 50010, NULL, "a=rtcp-mux\r\n"));
		udp(6, t_ip6_dst, t_ip6_src, 5060, 5060, msgbuf, n);
	}
	c = last_call[1];
	/* (an answer's mux the offer did not ask for, RFC 5761 s5.1.1: not in use, its RTCP
	 * port bound too; RTCP on its RTP port is still told apart) */
	CHECK(c && c->offer.media[0].rtcp_port == 40009 && c->answer.media[0].rtcp_mux &&
	      c->answer.media[0].mux_refused && c->answer.media[0].rtcp_port == 50001 &&
	      c->answer.n_media == 2 && c->answer.media[1].port == 50010);
	CHECK(cap_calls_bindings(calls) == 2 + 2 + 2);
	m = n_ev;
	rtp(6, t_ip6_dst, t_ip6_src, 50000, 40000, 96, 1, 77); /* RTP to offerer */
	rtcp(6, t_ip6_dst, t_ip6_src, 50000, 40009, 200, 77);  /* RTCP on a=rtcp port */
	rtp(6, t_ip6_src, t_ip6_dst, 40000, 50000, 96, 1, 78); /* RTP on the mux port */
	rtcp(6, t_ip6_src, t_ip6_dst, 40000, 50000, 200, 78);  /* RTCP on the mux port */
	rtp(6, t_ip6_src, t_ip6_dst, 40002, 50010, 97, 1, 79); /* video stream */
	CHECK(count(m, CAP_EV_MEDIA) == 5);
	CHECK(!ev[m].media.rtcp && ev[m].media.dir == CAP_DIR_TO_OFFERER);
	CHECK(ev[m + 1].media.rtcp && ev[m + 1].media.dir == CAP_DIR_TO_OFFERER);
	CHECK(!ev[m + 2].media.rtcp && ev[m + 2].media.dir == CAP_DIR_TO_ANSWERER &&
	      ev[m + 2].media.pt == 96);
	CHECK(ev[m + 3].media.rtcp && ev[m + 3].media.dir == CAP_DIR_TO_ANSWERER);
	CHECK(ev[m + 4].media.stream == 1 && ev[m + 4].media.ssrc == 79);
	m = n_ev;
	rtcp(6, t_ip6_src, t_ip6_dst, 40009, 50001, 200, 78); /* RTCP at port + 1 after all */
	CHECK(count(m, CAP_EV_MEDIA) == 1 && ev[m].media.rtcp &&
	      ev[m].media.dir == CAP_DIR_TO_ANSWERER);
	/* bound by source: from the offer's endpoint to an address nobody announced */
	m = n_ev;
	{
		static const uint8_t other6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
						    0,    0,    0,    0,    0, 0, 0, 0x99 };
		rtp(6, t_ip6_src, other6, 40000, 1234, 96, 2, 78);
	}
	CHECK(count(m, CAP_EV_MEDIA) == 1 && ev[m].media.by_source &&
	      ev[m].media.dir == CAP_DIR_TO_ANSWERER);
	/* unbound, malformed, too short */
	rtp(4, X4, X4, 1, 2, 0, 0, 0);
	{
		uint8_t v1[20] = { 0x40, 0 };
		uint8_t shortp[5] = { 0x80, 0 };
		uint8_t ext[16] = { 0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xbe, 0xde, 0, 9 };
		udp(6, t_ip6_dst, t_ip6_src, 50000, 40000, v1, sizeof v1);
		udp(6, t_ip6_dst, t_ip6_src, 50000, 40000, shortp, sizeof shortp);
		udp(6, t_ip6_dst, t_ip6_src, 50000, 40000, ext, sizeof ext); /* ext past end */
	}
	CHECK(st.media_unbound == 1 && st.media_bad == 3);
	/* SSRCs: learned, added by limf/, the cap */
	CHECK(c && c->n_ssrc == 3); /* 77, 78, 79 (RTCP teaches none) */
	if (c) {
		CHECK(cap_calls_add_ssrc(calls, c, 77, CAP_DIR_TO_OFFERER) == LIM_OK &&
		      c->ssrc[0].from_user && c->n_ssrc == 3);
		CHECK(cap_calls_add_ssrc(calls, c, 0xabcdef, CAP_DIR_TO_ANSWERER) == LIM_OK &&
		      c->n_ssrc == 4);
		m = n_ev;
		rtp(6, t_ip6_src, t_ip6_dst, 40000, 50000, 96, 3, 0xabcdef);
		CHECK(n_ev == m + 1 && !ev[m].media.ssrc_new);
		for (uint32_t s = 100; s < 120; s++)
			rtp(6, t_ip6_src, t_ip6_dst, 40000, 50000, 96, 3, s);
		CHECK(c->n_ssrc == CAP_CALL_MAX_SSRC && st.drop[CAP_DROP_CALL_SSRC] == 8);
		CHECK(cap_calls_add_ssrc(calls, c, 0x5555, CAP_DIR_TO_OFFERER) == LIM_E_LIMIT);
		CHECK(st.drop[CAP_DROP_CALL_SSRC] == 9);
	}
	finish_calls();
}

/* A call (192.0.2.1:49170 <-> 192.0.2.2:3456) whose two streams flow, then an answered dialog
 * forged with another Call-ID and SDP forged (naming the call's endpoints); when own_line, the
 * forger sends one packet of each of the call's SSRCs to a line of its own (198.51.100.9:7000).
 * The call's next 20 packets must all go to it. The table is left open. */
static void steal_case(const char *forged, bool own_line)
{
	char start_l[64];
	size_t m;
	start(NULL);
	req("tc", NULL, 1, "INVITE", sdp(4, "192.0.2.1", 49170, 0, "AAAA", NULL));
	resp("tc", "b2", 1, "INVITE", 200, sdp(4, "192.0.2.2", 3456, 0, NULL, NULL));
	req("tc", "b2", 1, "ACK", NULL);
	rtp(4, A4, B4, 49170, 3456, 0, 1, 0x1111);
	rtp(4, B4, A4, 3456, 49170, 0, 1, 0x2222);
	snprintf(start_l, sizeof start_l, "INVITE sip:bob@example.org SIP/2.0");
	udp(4, X4, X4, 5060, 5060, msgbuf, sip(start_l, "evil", "e1", NULL, 1, "INVITE", forged));
	udp(4, X4, X4, 5060, 5060, msgbuf,
	    sip("SIP/2.0 200 OK", "evil", "e1", "e2", 1, "INVITE", forged));
	CHECK(last_call[2] && last_call[2]->state >= CAP_CALL_ACCEPTED);
	if (own_line) {
		rtp(4, C4, X4, 9, 7000, 0, 1, 0x1111);
		rtp(4, C4, X4, 9, 7000, 0, 2, 0x2222);
		CHECK(last_call[2] && last_call[2]->n_ssrc == 2);
	}
	m = n_ev;
	for (uint16_t q = 2; q < 12; q++) {
		rtp(4, A4, B4, 49170, 3456, 0, q, 0x1111);
		rtp(4, B4, A4, 3456, 49170, 0, q, 0x2222);
	}
	CHECK(count(m, CAP_EV_MEDIA) == 20);
	for (size_t k = m; k < n_ev; k++)
		CHECK(ev[k].type != CAP_EV_MEDIA || ev[k].call == 1);
}

/* A STUN Binding request (RFC 8489) with USERNAME user, PRIORITY of component comp (0: none);
 * into b, its length. */
static size_t stun_req(uint8_t *b, const char *user, unsigned comp)
{
	size_t ul = strlen(user), n = 20;
	memset(b, 0, 128);
	b[1] = 0x01;
	b[4] = 0x21;
	b[5] = 0x12;
	b[6] = 0xa4;
	b[7] = 0x42;
	b[8] = 0x77; /* transaction ID */
	b[n + 1] = 0x06;
	b[n + 3] = (uint8_t)ul;
	memcpy(b + n + 4, user, ul);
	n += 4 + ((ul + 3) & ~(size_t)3);
	if (comp) {
		uint32_t pr = (126u << 24) | (65535u << 8) | (256u - comp);
		b[n + 1] = 0x24;
		b[n + 3] = 4;
		b[n + 4] = (uint8_t)(pr >> 24);
		b[n + 5] = (uint8_t)(pr >> 16);
		b[n + 6] = (uint8_t)(pr >> 8);
		b[n + 7] = (uint8_t)pr;
		n += 8;
	}
	b[2] = (uint8_t)((n - 20) >> 8);
	b[3] = (uint8_t)(n - 20);
	return n;
}

/* cap_stun_check on good, truncated and hostile datagrams */
static void t_stun_parse(void)
{
	uint8_t b[128];
	struct cap_stun_check k;
	size_t n = stun_req(b, "bRem:aLoc", 2);
	CHECK(cap_stun_check(b, n, &k) && k.to_ufrag.len == 4 &&
	      memcmp(k.to_ufrag.p, "bRem", 4) == 0 && k.from_ufrag.len == 4 &&
	      memcmp(k.from_ufrag.p, "aLoc", 4) == 0 && k.has_priority &&
	      (k.priority & 0xff) == 254 && cap_stun_like(b, n));
	for (size_t l = 0; l < n; l++) /* every truncation: refused (the length says more) */
		CHECK(!cap_stun_check(b, l, &k) && k.to_ufrag.p == NULL);
	n = stun_req(b, "x:y", 0);
	CHECK(cap_stun_check(b, n, &k) && !k.has_priority && k.to_ufrag.len == 1);
	{
		static const char *const bad[] = { ":aLoc", "bRem:", "noColon", ":" };
		for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
			n = stun_req(b, bad[i], 1);
			CHECK(!cap_stun_check(b, n, &k));
		}
	}
	n = stun_req(b, "bRem:aLoc", 1);
	b[1] = 0x11; /* an indication, not a request */
	CHECK(!cap_stun_check(b, n, &k));
	b[1] = 0x01;
	b[4] ^= 1; /* the magic cookie */
	CHECK(!cap_stun_check(b, n, &k));
	b[4] ^= 1;
	b[23] = 0xff; /* USERNAME's length past the datagram */
	CHECK(!cap_stun_check(b, n, &k));
	n = stun_req(b, "bRem:aLoc", 1);
	b[3] += 4; /* a message length that is not the datagram's */
	CHECK(!cap_stun_check(b, n, &k));
	CHECK(!cap_stun_check(NULL, 0, &k) && !cap_stun_like(b, 0));
	b[0] = 0x80; /* RTP */
	CHECK(!cap_stun_like(b, n));
}

/* ICE connectivity checks (an audit of session 36's work): endpoints no SDP named (a
 * peer-reflexive candidate, one past the twelve followed, a trickled one) are bound to the call
 * whose two sides' a=ice-ufrag the check's USERNAME names, RTP or RTCP by its component; media
 * between them is then the call's. A check naming unknown ufrags, or the ufrags of one side
 * only, binds nothing; an endpoint another call claims is never taken; past
 * CAP_CALL_MAX_LEARN they are counted; an ICE restart (new ufrags) drops them; STUN between
 * bound endpoints is media_stun, not media_bad. */
static void t_calls_stun(void)
{
	static const uint8_t P1[4] = { 10, 0, 0, 5 }, P2[4] = { 10, 0, 0, 6 },
			     P3[4] = { 10, 0, 0, 7 };
	uint8_t b[128];
	size_t m, n, bound0;
	start(NULL);
	req("st", NULL, 1, "INVITE",
	    sdp(4, "203.0.113.50", 40000, 0, "AAAA", "a=rtcp-mux\r\na=ice-ufrag:OffR\r\n"));
	resp("st", "b", 1, "INVITE", 200,
	     sdp(4, "198.51.100.60", 3000, 0, NULL, "a=rtcp-mux\r\na=ice-ufrag:AnsW\r\n"));
	req("st", "b", 1, "ACK", NULL);
	bound0 = cap_calls_bindings(calls);
	CHECK(last_call[1] && last_call[1]->offer.n_ufrag == 1 &&
	      last_call[1]->offer.media[0].ufrag_ix == 1 && bound0 == 2 + 2);
	/* unknown ufrags, one side's only, the receiver's alone: nothing */
	m = n_ev;
	n = stun_req(b, "Nope:OffR", 1);
	udp(4, P1, P2, 7000, 8000, b, n);
	n = stun_req(b, "AnsW:Nope", 1);
	udp(4, P1, P2, 7000, 8000, b, n);
	n = stun_req(b, "AnsW:AnsW", 1);
	udp(4, P1, P2, 7000, 8000, b, n);
	CHECK(cap_calls_bindings(calls) == bound0 && st.media_ice_learned == 0 &&
	      st.media_stun == 3 && count(m, CAP_EV_MEDIA) == 0);
	/* the offerer checks the pair (its prflx 10.0.0.5:7000 -> the answerer's 10.0.0.6:8000):
	 * both learned, RTP (component 1, muxed) */
	n = stun_req(b, "AnsW:OffR", 1);
	udp(4, P1, P2, 7000, 8000, b, n);
	CHECK(st.media_ice_learned == 2 && cap_calls_bindings(calls) == bound0 + 2 &&
	      last_call[1]->offer.n_learn == 1 && last_call[1]->answer.n_learn == 1 &&
	      last_call[1]->offer.learn[0].port == 7000);
	rtp(4, P1, P2, 7000, 8000, 0, 1, 0x1111);
	rtp(4, P2, P1, 8000, 7000, 0, 1, 0x2222);
	rtcp(4, P1, P2, 7000, 8000, 200, 0x1111); /* muxed */
	CHECK(count(m, CAP_EV_MEDIA) == 3 && ev[n_ev - 3].call == 1 &&
	      ev[n_ev - 3].media.dir == CAP_DIR_TO_ANSWERER &&
	      ev[n_ev - 2].media.dir == CAP_DIR_TO_OFFERER && ev[n_ev - 1].media.rtcp);
	/* the answerer's own check back, and consent freshness: STUN between bound endpoints */
	n = stun_req(b, "OffR:AnsW", 1);
	udp(4, P2, P1, 8000, 7000, b, n);
	CHECK(st.media_stun == 5 && st.media_bad == 0 && st.media_ice_learned == 2);
	/* a check to an endpoint another call's SDP claims: that claim is not taken (the
	 * check is that call's STUN, nothing learned) */
	req("other", NULL, 1, "INVITE", sdp(4, "10.0.0.7", 9000, 0, NULL, "a=rtcp-mux\r\n"));
	n = stun_req(b, "AnsW:OffR", 2);
	udp(4, P1, P3, 7001, 9000, b, n);
	CHECK(st.media_ice_learned == 2 && last_call[2] && last_call[1]->answer.n_learn == 1);
	m = n_ev;
	rtp(4, P1, P3, 7001, 9000, 0, 1, 0x3333);
	CHECK(count(m, CAP_EV_MEDIA) == 1 && ev[m].call == 2);
	/* past CAP_CALL_MAX_LEARN a side, the oldest goes (counted): checks of failed or forged
	 * pairs do not keep the selected one out; the newest pair is the call's */
	for (uint16_t i = 0; i < 4; i++) {
		n = stun_req(b, "AnsW:OffR", 1);
		udp(4, P1, P2, (uint16_t)(7100 + i), (uint16_t)(8100 + i), b, n);
	}
	CHECK(last_call[1]->offer.n_learn == CAP_CALL_MAX_LEARN &&
	      last_call[1]->answer.n_learn == CAP_CALL_MAX_LEARN && st.media_ice_learn_over == 2 &&
	      last_call[1]->offer.learn[0].port == 7100);
	m = n_ev;
	rtp(4, P1, P2, 7103, 8103, 0, 1, 0x1111);
	CHECK(count(m, CAP_EV_MEDIA) == 1 && ev[m].call == 1);
	n = st.media_unbound;
	rtp(4, P1, P2, 7000, 8000, 0, 3, 0x1111); /* the first pair: replaced */
	CHECK(count(m, CAP_EV_MEDIA) == 1 && st.media_unbound == n + 1);
	/* a dialog forged with the call's ufrags (its SDPs copied): both calls learn a pair both
	 * are checked on, and the media goes to the call whose claim is the newest, the older
	 * dialog's (learned last), as with SDP claims (before, the newest dialog alone learned) */
	req("forged", NULL, 1, "INVITE",
	    sdp(4, "203.0.113.90", 40000, 0, NULL, "a=rtcp-mux\r\na=ice-ufrag:OffR\r\n"));
	resp("forged", "b", 1, "INVITE", 200,
	     sdp(4, "198.51.100.90", 3000, 0, NULL, "a=rtcp-mux\r\na=ice-ufrag:AnsW\r\n"));
	n = stun_req(b, "AnsW:OffR", 1);
	udp(4, P1, P2, 7200, 8200, b, n);
	CHECK(last_call[3] && last_call[3]->offer.n_learn == 1 &&
	      last_call[1]->offer.learn[CAP_CALL_MAX_LEARN - 1].port == 7200);
	m = n_ev;
	rtp(4, P1, P2, 7200, 8200, 0, 1, 0x7777);
	CHECK(count(m, CAP_EV_MEDIA) == 1 && ev[m].call == 1);
	/* an ICE restart (a re-INVITE with new ufrags): the learned endpoints go */
	req("st", "b", 2, "INVITE",
	    sdp(4, "203.0.113.50", 40000, 0, "AAAA", "a=rtcp-mux\r\na=ice-ufrag:OffX\r\n"));
	resp("st", "b", 2, "INVITE", 200,
	     sdp(4, "198.51.100.60", 3000, 0, NULL, "a=rtcp-mux\r\na=ice-ufrag:AnsX\r\n"));
	CHECK(last_call[1]->offer.n_learn == 0 && last_call[1]->answer.n_learn == 0);
	m = n_ev;
	n = st.media_unbound;
	rtp(4, P1, P2, 7000, 8000, 0, 2, 0x1111);
	CHECK(count(m, CAP_EV_MEDIA) == 0 && st.media_unbound == n + 1);
	finish_calls();
}

/* RFC 5761 s5.1.1 (an audit): RTCP shares the RTP port only when both sides say a=rtcp-mux.
 * An offer with mux answered without: the offerer's RTCP port (port + 1, or the a=rtcp one)
 * is bound after all, and unbound again when a re-INVITE's answer takes mux up; JSEP's
 * "a=rtcp:9 IN IP4 0.0.0.0" beside mux binds no 0.0.0.0. (Before, the RTCP the answerer sent
 * to port + 1 went unbound.) */
static void t_calls_mux(void)
{
	size_t m, u;
	start(NULL);
	req("mx", NULL, 1, "INVITE", sdp(4, "192.0.2.1", 6000, 0, "AAAA", "a=rtcp-mux\r\n"));
	CHECK(cap_calls_bindings(calls) == 1);
	resp("mx", "b", 1, "INVITE", 200, sdp(4, "192.0.2.2", 7000, 0, NULL, NULL));
	req("mx", "b", 1, "ACK", NULL);
	CHECK(last_call[1] && last_call[1]->offer.media[0].mux_refused &&
	      !last_call[1]->answer.media[0].mux_refused && cap_calls_bindings(calls) == 4);
	m = n_ev;
	rtcp(4, B4, A4, 7001, 6001, 200, 0x2222); /* the answerer's RTCP to port + 1 */
	rtcp(4, A4, B4, 6000, 7001, 201, 0x1111); /* the offerer's, from its RTP port */
	rtp(4, B4, A4, 7000, 6000, 0, 1, 0x2222);
	CHECK(count(m, CAP_EV_MEDIA) == 3 && ev[m].call == 1 && ev[m].media.rtcp &&
	      ev[m].media.dir == CAP_DIR_TO_OFFERER && ev[m + 1].media.rtcp &&
	      !ev[m + 2].media.rtcp);
	/* a re-INVITE whose answer takes mux up: port + 1 is no endpoint of the call any more */
	req("mx", "b", 2, "INVITE", sdp(4, "192.0.2.1", 6000, 0, "AAAA", "a=rtcp-mux\r\n"));
	resp("mx", "b", 2, "INVITE", 200, sdp(4, "192.0.2.2", 7000, 0, NULL, "a=rtcp-mux\r\n"));
	CHECK(last_call[1] && !last_call[1]->offer.media[0].mux_refused &&
	      cap_calls_bindings(calls) == 2);
	m = n_ev;
	u = st.media_unbound;
	rtcp(4, B4, A4, 7001, 6001, 200, 0x2222);
	CHECK(count(m, CAP_EV_MEDIA) == 0 && st.media_unbound == u + 1);
	finish_calls();

	/* a=rtcp beside mux: where RTCP goes when mux is refused; 0.0.0.0 (JSEP): nowhere */
	start(NULL);
	req("ma", NULL, 1, "INVITE",
	    sdp(4, "192.0.2.1", 6000, 0, NULL, "a=rtcp-mux\r\na=rtcp:6100\r\n"));
	resp("ma", "b", 1, "INVITE", 200, sdp(4, "192.0.2.2", 7000, 0, NULL, NULL));
	m = n_ev;
	rtcp(4, B4, A4, 7001, 6100, 200, 0x2222);
	CHECK(count(m, CAP_EV_MEDIA) == 1 && ev[m].media.rtcp);
	req("mj", NULL, 1, "INVITE",
	    sdp(4, "192.0.2.1", 6200, 0, NULL, "a=rtcp-mux\r\na=rtcp:9 IN IP4 0.0.0.0\r\n"));
	resp("mj", "b", 1, "INVITE", 200, sdp(4, "192.0.2.2", 7200, 0, NULL, NULL));
	CHECK(last_call[2] && last_call[2]->offer.media[0].mux_refused &&
	      cap_calls_bindings(calls) == 4 + 3);
	finish_calls();
}

/* Finding 4 of the capture review: a third party's SDP that names a live call's endpoints
 * (a dummy INVITE, or an INVITE with the call's Call-ID and From tag and another To tag) must
 * neither take the call's media nor, once its own call is freed, leave the endpoints unbound. */
static void t_calls_contested(void)
{
	static const char steal[] = "v=0\r\no=- 1 1 IN IP4 198.51.100.9\r\ns=-\r\nt=0 0\r\n"
				    "m=audio 49170 RTP/SAVP 0\r\nc=IN IP4 192.0.2.1\r\n"
				    "m=audio 3456 RTP/SAVP 0\r\nc=IN IP4 192.0.2.2\r\n";
	char start_l[128];
	size_t m;
	start(NULL);
	req("tc", NULL, 1, "INVITE", sdp(4, "192.0.2.1", 49170, 0, "AAAA", NULL));
	resp("tc", "b2", 1, "INVITE", 200, sdp(4, "192.0.2.2", 3456, 0, NULL, NULL));
	req("tc", "b2", 1, "ACK", NULL);
	CHECK(last_call[1] && last_call[1]->state == CAP_CALL_CONFIRMED);
	/* a dummy call from elsewhere names both endpoints */
	snprintf(start_l, sizeof start_l, "INVITE sip:bob@example.org SIP/2.0");
	udp(4, X4, X4, 5060, 5060, msgbuf, sip(start_l, "dummy", "d1", NULL, 1, "INVITE", steal));
	CHECK(last_call[2] && last_call[2]->state == CAP_CALL_INVITED && st.media_contested == 4);
	m = n_ev;
	rtp(4, A4, B4, 49170, 3456, 0, 1, 0x1111);
	rtp(4, B4, A4, 3456, 49170, 0, 1, 0x2222);
	CHECK(count(m, CAP_EV_MEDIA) == 2 && ev[m].call == 1 && ev[m + 1].call == 1 &&
	      !ev[m].media.by_source && ev[m].media.dir == CAP_DIR_TO_ANSWERER &&
	      ev[m + 1].media.dir == CAP_DIR_TO_OFFERER);
	/* cancelled, its 487, its linger: freed; the target's claims remain */
	snprintf(start_l, sizeof start_l, "CANCEL sip:bob@example.org SIP/2.0");
	udp(4, X4, X4, 5060, 5060, msgbuf, sip(start_l, "dummy", "d1", NULL, 1, "CANCEL", NULL));
	udp(4, X4, X4, 5060, 5060, msgbuf,
	    sip("SIP/2.0 487 Request Terminated", "dummy", "d1", "x", 1, "INVITE", NULL));
	CHECK(find(0, CAP_EV_CALL_END) && find(0, CAP_EV_CALL_END)->end == CAP_END_CANCEL);
	now += 6ull * 1000000000ull;
	m = n_ev;
	rtp(4, A4, B4, 49170, 3456, 0, 2, 0x1111);
	rtp(4, B4, A4, 3456, 49170, 0, 2, 0x2222);
	CHECK(n_free == 1 && last_call[2] == NULL && cap_calls_count(calls) == 1);
	CHECK(count(m, CAP_EV_MEDIA) == 2 && ev[m + 1].call == 1 && ev[n_ev - 1].call == 1);
	CHECK(st.media_unbound == 0 && cap_calls_bindings(calls) == 4);
	/* the call's Call-ID and From tag with another To tag: picked up as a dialog whose start
	 * was not seen, but unanswered, it does not take the media */
	snprintf(start_l, sizeof start_l, "INVITE sip:bob@example.org SIP/2.0");
	udp(4, X4, X4, 5060, 5060, msgbuf, sip(start_l, "tc", "a1", "zz", 9, "INVITE", steal));
	CHECK(last_call[3] && last_call[3]->state == CAP_CALL_CONFIRMED);
	m = n_ev;
	rtp(4, A4, B4, 49170, 3456, 0, 3, 0x1111);
	rtp(4, B4, A4, 3456, 49170, 0, 3, 0x2222);
	CHECK(count(m, CAP_EV_MEDIA) == 2 && ev[m].call == 1 && ev[m + 1].call == 1);
	/* the target ends and is freed: the endpoints fall back to the claim left */
	req("tc", "b2", 2, "BYE", NULL);
	resp("tc", "b2", 2, "BYE", 200, NULL);
	now += 6ull * 1000000000ull;
	m = n_ev;
	rtp(4, A4, B4, 49170, 3456, 0, 4, 0x1111);
	CHECK(last_call[1] == NULL && count(m, CAP_EV_MEDIA) == 1 && ev[n_ev - 1].call == 3);
	finish_calls();

	/* two answered calls claim one endpoint: a packet between the two endpoints of one of
	 * them goes to that one, though the other claim is newer */
	start(NULL);
	req("o1", NULL, 1, "INVITE", sdp(4, "192.0.2.1", 6000, 0, NULL, NULL));
	resp("o1", "b", 1, "INVITE", 200, sdp(4, "192.0.2.2", 7000, 0, NULL, NULL));
	req("o1", "b", 1, "ACK", NULL);
	req("o2", NULL, 1, "INVITE", sdp(4, "192.0.2.1", 6000, 0, NULL, NULL));
	resp("o2", "b", 1, "INVITE", 200, sdp(4, "192.0.2.3", 8000, 0, NULL, NULL));
	req("o2", "b", 1, "ACK", NULL);
	m = n_ev;
	rtp(4, B4, A4, 7000, 6000, 0, 1, 0x7);
	rtp(4, C4, A4, 8000, 6000, 0, 1, 0x8);
	rtp(4, X4, A4, 9999, 6000, 0, 1, 0x9); /* a stranger: the newest claim */
	CHECK(count(m, CAP_EV_MEDIA) == 3 && ev[m].call == 1 && ev[m + 1].call == 2 &&
	      ev[m + 2].call == 2);
	finish_calls();

	/* an answered dialog forged with another Call-ID that names both endpoints of a call
	 * whose media flows (audit): the streams it continues (their SSRCs) stay the call's;
	 * before, the newer claim took every packet. A stream new to both goes to the newest,
	 * as for a new call on the endpoints of one whose end was missed */
	steal_case(steal, false);
	m = n_ev;
	rtp(4, A4, B4, 49170, 3456, 0, 1, 0x3333); /* new to both: the newest claim */
	CHECK(count(m, CAP_EV_MEDIA) == 1 && ev[n_ev - 1].call == 2);
	finish_calls();
	/* the forged dialog adds a line of its own and sends it one packet of each of the
	 * target's SSRCs (in clear in every packet): seen on another line, they do not tie it
	 * with the call whose streams they are (a review: before, the newer claim won again) */
	steal_case("v=0\r\no=- 1 1 IN IP4 198.51.100.9\r\ns=-\r\nt=0 0\r\n"
		   "m=audio 49170 RTP/SAVP 0\r\nc=IN IP4 192.0.2.1\r\n"
		   "m=audio 3456 RTP/SAVP 0\r\nc=IN IP4 192.0.2.2\r\n"
		   "m=audio 7000 RTP/SAVP 0\r\nc=IN IP4 198.51.100.9\r\n",
		   true);
	finish_calls();
}

/* The target INVITE (A -> B, media at 192.0.2.1:4000, over UDP or TCP) after a flood: it must
 * be seen, and its media bound to it. */
/* 4096 INVITEs with SDP (Call-IDs junk-0.., from tag j, X4 to itself), 8 m= lines each on
 * 10.<100 + i / 256>.<i % 256>.9 ports 10000..10014 (16 endpoints with RTCP): 65536 bindings;
 * each rejected at once (486) when reject */
static void sdp_flood(bool reject)
{
	static char body[2048];
	char cid[32], start_l[] = "INVITE sip:n@example.org SIP/2.0";
	for (int i = 0; i < 4096; i++) {
		int o = snprintf(body, sizeof body,
				 "v=0\r\no=- 1 1 IN IP4 10.9.9.9\r\ns=-\r\nc=IN IP4 10.%d.%d.9\r\n"
				 "t=0 0\r\n",
				 (i >> 8) + 100, i & 255);
		for (int k = 0; k < 8; k++)
			o += snprintf(body + o, sizeof body - (size_t)o, "m=audio %d RTP/AVP 0\r\n",
				      10000 + 2 * k);
		snprintf(cid, sizeof cid, "junk-%d", i);
		udp(4, X4, X4, 5060, 5060, msgbuf, sip(start_l, cid, "j", NULL, 1, "INVITE", body));
		if (reject)
			udp(4, X4, X4, 5060, 5060, msgbuf,
			    sip("SIP/2.0 486 Busy Here", cid, "j", "b", 1, "INVITE", NULL));
	}
}

static void flood_target(bool over_tcp)
{
	const struct rec *r;
	uint64_t id;
	n_ev = 0;
	if (over_tcp) {
		static uint8_t pkt[9000];
		char start_l[] = "INVITE sip:bob@example.org SIP/2.0";
		size_t n = sip(start_l, "target", "a1", NULL, 1, "INVITE",
			       sdp(4, "192.0.2.1", 4000, 0, "AAAA", NULL));
		feed_ip(pkt,
			t_build_tcp(pkt, sizeof pkt, 4, A4, B4, 40000, 5060, 5000, 0x02, NULL, 0));
		feed_ip(pkt, t_build_tcp(pkt, sizeof pkt, 4, A4, B4, 40000, 5060, 5001, 0x08,
					 msgbuf, n));
	} else {
		req("target", NULL, 1, "INVITE", sdp(4, "192.0.2.1", 4000, 0, "AAAA", NULL));
	}
	r = find(0, CAP_EV_CALL_START);
	CHECK(r != NULL);
	if (!r)
		return;
	id = r->call;
	rtp(4, B4, A4, 5000, 4000, 0, 1, 0x2222);
	r = find(0, CAP_EV_MEDIA);
	CHECK(r && r->call == id && find(0, CAP_EV_SIP) && find(0, CAP_EV_SIP)->tcp == over_tcp);
}

/* Finding 8 of the capture review: floods that fill the call table, the binding table or
 * the TCP stream table must not keep a new (target) call out. */
static void t_calls_flood(void)
{
	char cid[32], start_l[] = "INVITE sip:n@example.org SIP/2.0";
	/* 16384 unanswered INVITEs: the oldest makes room */
	start(NULL);
	for (int i = 0; i < 16384; i++) {
		snprintf(cid, sizeof cid, "junk-%d", i);
		udp(4, X4, X4, 5060, 5060, msgbuf, sip(start_l, cid, "j", NULL, 1, "INVITE", NULL));
	}
	CHECK(cap_calls_count(calls) == 16384 && st.calls_evicted == 0);
	flood_target(false);
	CHECK(cap_calls_count(calls) == 16384 && st.calls_evicted == 1 &&
	      st.drop[CAP_DROP_CALL_TABLE] == 0);
	CHECK(find(0, CAP_EV_CALL_END) && find(0, CAP_EV_CALL_END)->end == CAP_END_EVICTED &&
	      find(0, CAP_EV_CALL_END)->call == 1);
	/* calls without a response time out 32 s after their last message: the flood is gone,
	 * the answered target call stays */
	resp("target", "t", 1, "INVITE", 200, NULL);
	now += 33ull * 1000000000ull;
	CHECK(cap_calls_expire(calls, now) == 16383 && cap_calls_count(calls) == 16384);
	now += 6ull * 1000000000ull;
	CHECK(cap_calls_expire(calls, now) == 0 && cap_calls_count(calls) == 1);
	finish_calls();

	/* 4096 unanswered INVITEs with 8 m= lines each fill the 65536 bindings */
	start(NULL);
	sdp_flood(false);
	CHECK(cap_calls_bindings(calls) == 65536 && st.media_evicted == 0);
	flood_target(false);
	CHECK(st.media_evicted == 1 && st.drop[CAP_DROP_CALL_MEDIA] == 0 &&
	      cap_calls_bindings(calls) == 65536 - 16 + 2 && st.media_unbound == 0);
	{
		static const uint8_t J0[4] = { 10, 100, 0, 9 }, J1[4] = { 10, 100, 1, 9 };
		/* media to the evicted call's endpoints is lost to the limit; other unbound
		 * media is not */
		rtp(4, X4, J0, 7000, 10000, 0, 1, 0x3333);
		rtp(4, X4, J0, 7000, 10015, 0, 1, 0x3333);
		rtp(4, X4, C4, 7000, 10000, 0, 1, 0x3333);
		CHECK(st.media_unbound == 3 && st.media_lost == 2);
		/* answered, it binds again (the next weak call's claims go): its media is bound,
		 * the newly evicted call's is lost */
		udp(4, X4, X4, 5060, 5060, msgbuf,
		    sip("SIP/2.0 200 OK", "junk-0", "j", "b", 1, "INVITE", NULL));
		rtp(4, X4, J0, 7000, 10000, 0, 2, 0x3333);
		rtp(4, X4, J1, 7000, 10002, 0, 2, 0x3333);
		CHECK(st.media_evicted == 2 && st.media_unbound == 4 && st.media_lost == 3);
	}
	finish_calls();

	/* the same calls rejected: ended, their claims linger for trailing RTP (a linger long
	 * enough for the whole flood) and make room without a loss */
	{
		struct cap_calls_limits lg;
		cap_calls_limits_default(&lg);
		lg.linger_ns = 600ull * 1000000000ull;
		start(&lg);
	}
	sdp_flood(true);
	CHECK(cap_calls_bindings(calls) == 65536 && st.calls_ended == 4096);
	flood_target(false);
	{
		static const uint8_t J0[4] = { 10, 100, 0, 9 };
		rtp(4, X4, J0, 7000, 10000, 0, 1, 0x3333);
		CHECK(st.media_evicted == 0 && st.drop[CAP_DROP_CALL_MEDIA] == 0 &&
		      cap_calls_bindings(calls) == 65536 - 16 + 2 && st.media_unbound == 1 &&
		      st.media_lost == 0);
	}
	finish_calls();

	/* 4096 bare SYNs fill the TCP stream table; then the target's SIP over TCP */
	start(NULL);
	for (int i = 0; i < 4096; i++) {
		static uint8_t pkt[100];
		feed_ip(pkt, t_build_tcp(pkt, sizeof pkt, 4, X4, C4, (uint16_t)(20000 + i), 443,
					 1000, 0x02, NULL, 0));
	}
	CHECK(st.tcp_streams == 4096 && st.tcp_evicted == 0);
	flood_target(true);
	CHECK(st.tcp_evicted == 1 && st.drop[CAP_DROP_TCP_TABLE] == 0 && st.sip_tcp == 1);
	finish_calls();
}

/* msgbuf (n octets) with a header line h added after the start line; returns the new length */
static size_t with_hdr(size_t n, const char *h)
{
	char *e = strstr(msgbuf, "\r\n");
	size_t hl = strlen(h);
	CHECK(e && n + hl + 2 < sizeof msgbuf);
	if (!e || n + hl + 2 >= sizeof msgbuf)
		return n;
	memmove(e + 2 + hl + 2, e + 2, n - (size_t)(e + 2 - msgbuf) + 1);
	memcpy(e + 2, h, hl);
	memcpy(e + 2 + hl, "\r\n", 2);
	return n + hl + 2;
}

/* A call A -> B: INVITE (extra header h_inv), 200 OK (h_ok), ACK; NULL: no extra header */
static void call_hdrs(const char *cid, int cseq, const char *h_inv, const char *h_ok)
{
	char start_l[] = "INVITE sip:bob@example.org SIP/2.0";
	size_t n = sip(start_l, cid, "a1", cseq > 1 ? "b" : NULL, cseq, "INVITE", NULL);
	if (h_inv)
		n = with_hdr(n, h_inv);
	udp(4, A4, B4, 5060, 5060, msgbuf, n);
	n = sip("SIP/2.0 200 OK", cid, "a1", "b", cseq, "INVITE", NULL);
	if (h_ok)
		n = with_hdr(n, h_ok);
	udp(4, B4, A4, 5060, 5060, msgbuf, n);
	req(cid, "b", cseq, "ACK", NULL);
}

#define SEC 1000000000ull

/* Finding 10 of the capture review: a confirmed call on hold (no RTP) refreshed by session
 * timers every Session-Expires/2 must not time out after the default idle time. */
static void t_calls_session_expires(void)
{
	start(NULL);
	call_hdrs("se1", 1, "Session-Expires: 1800;refresher=uac",
		  "Session-Expires: 1800;refresher=uac");
	call_hdrs("se2", 1, NULL, NULL);
	call_hdrs("se3", 1, NULL, "x: 1800"); /* compact form, in the 2xx only */
	call_hdrs("se4", 1, "Session-Expires: soon", "Session-Expires: ;refresher=uas");
	call_hdrs("se5", 1, "Session-Expires: 100000", NULL); /* capped at 2 h */
	call_hdrs("se6", 1, "Session-Expires: 90", "Session-Expires: 90");
	CHECK(last_call[1] && last_call[1]->session_expires == 1800 && last_call[2] &&
	      last_call[2]->session_expires == 0 && last_call[3] &&
	      last_call[3]->session_expires == 1800 && last_call[4] &&
	      last_call[4]->session_expires == 0 && last_call[5] &&
	      last_call[5]->session_expires == 100000 && last_call[6] &&
	      last_call[6]->session_expires == 90);
	/* the default idle time: calls without a Session-Expires longer than it end */
	now += 301 * SEC;
	CHECK(cap_calls_expire(calls, now) == 3);
	for (int i = 1; i <= 6; i++) {
		bool held = i == 1 || i == 3 || i == 5;
		CHECK(last_call[i] && (last_call[i]->state == CAP_CALL_CONFIRMED) == held &&
		      (held || last_call[i]->end == CAP_END_TIMEOUT));
	}
	/* held 600 s: still open */
	now += 299 * SEC;
	CHECK(cap_calls_expire(calls, now) == 0 && cap_calls_count(calls) == 3);
	CHECK(last_call[1] && last_call[1]->state == CAP_CALL_CONFIRMED && last_call[3] &&
	      last_call[3]->state == CAP_CALL_CONFIRMED);
	/* the session refresh (a re-INVITE at Session-Expires/2) keeps it going */
	now += 300 * SEC;
	call_hdrs("se1", 2, "Session-Expires: 1800;refresher=uac",
		  "Session-Expires: 1800;refresher=uac");
	CHECK(cap_calls_expire(calls, now) == 0 && last_call[1] &&
	      last_call[1]->state == CAP_CALL_CONFIRMED && last_call[1]->reinvites == 1);
	/* no refresh for longer than Session-Expires (+ the tier): it ends */
	now += 2401 * SEC;
	CHECK(cap_calls_expire(calls, now) == 2 && last_call[1] &&
	      last_call[1]->end == CAP_END_TIMEOUT && last_call[3] &&
	      last_call[3]->end == CAP_END_TIMEOUT && last_call[5] &&
	      last_call[5]->state == CAP_CALL_CONFIRMED);
	/* 100000 s is capped at session_max_ns (2 h) */
	now += (7201 - 3301) * SEC;
	CHECK(cap_calls_expire(calls, now) == 1 && last_call[5] &&
	      last_call[5]->end == CAP_END_TIMEOUT);
	finish_calls();
}

/* Calls "o2".."o5" (claims_stress): their INVITEs, ringing, each claiming addr:port (muxed),
 * when invite; else each CANCELled and answered 487 (ended). */
static void ringing_o(bool invite, const char *addr, unsigned port)
{
	for (int i = 2; i <= 5; i++) {
		char cid[8];
		snprintf(cid, sizeof cid, "o%d", i);
		if (invite) {
			req(cid, NULL, 1, "INVITE", sdp(4, addr, port, 0, NULL, "a=rtcp-mux\r\n"));
		} else {
			req(cid, NULL, 1, "CANCEL", NULL);
			resp(cid, "b", 1, "INVITE", 487, NULL);
		}
	}
}

/* Calls that share endpoints in every way (a few addresses and ports for many calls), in
 * small tables that are always full: answers, re-INVITEs, CANCELs, BYEs, timeouts and media
 * in a pseudo-random order. Every claim must go with its call (run under ASan: a claim left
 * behind would be followed by the next packet), and the counts must add up. */
static void t_calls_claims_stress(void)
{
	static const char *const addrs[] = { "192.0.2.1", "192.0.2.2", "192.0.2.3" };
	static const uint8_t *const ips[] = { A4, B4, C4 };
	struct cap_calls_limits l;
	uint32_t r = 12345;
	size_t m;
	cap_calls_limits_default(&l);
	l.max_calls = 12;
	l.max_bindings = 10;
	start(&l);
	for (int step = 0; step < 6000; step++) {
		char cid[16];
		unsigned op, k, a, port, port2;
		r = r * 1103515245u + 12345u;
		op = (r >> 16) % 9;
		k = (r >> 8) % 20;
		a = (r >> 4) % 3;
		port = 4000 + 2 * ((r >> 12) % 3);
		port2 = (r >> 20) % 2 ? 4000 + 2 * ((r >> 24) % 3) : 0;
		snprintf(cid, sizeof cid, "s%u", k);
		switch (op) {
		case 0:
		case 1:
			req(cid, NULL, 1, "INVITE", sdp(4, addrs[a], port, port2, NULL, NULL));
			break;
		case 2:
			resp(cid, "b", 1, "INVITE", (r >> 28) % 2 ? 183 : 200,
			     sdp(4, addrs[a], port, port2, NULL, NULL));
			break;
		case 3: req(cid, "b", 1, "ACK", NULL); break;
		case 4:
			req(cid, "b", 2 + (int)(r % 5), "INVITE",
			    sdp(4, addrs[a], port, port2, NULL, NULL));
			resp(cid, "b", 2 + (int)(r % 5), "INVITE", (r >> 30) ? 200 : 488,
			     sdp(4, addrs[(a + 1) % 3], port2 ? port2 : port, 0, NULL, NULL));
			break;
		case 5:
			if ((r >> 28) % 2) {
				req(cid, NULL, 1, "CANCEL", NULL);
				resp(cid, "b", 1, "INVITE", 487, NULL);
			} else {
				req(cid, "b", 9, "BYE", NULL);
			}
			break;
		case 6: now += ((r >> 8) % 40) * 1000000000ull; break;
		default:
			rtp(4, ips[a], ips[(a + 1 + (r >> 28) % 2) % 3], (uint16_t)port,
			    (uint16_t)(4000 + 2 * ((r >> 24) % 3)), 0, (uint16_t)step, k);
			break;
		}
		CHECK(cap_calls_bindings(calls) <= l.max_bindings &&
		      cap_calls_count(calls) <= l.max_calls);
	}
	CHECK(st.media_contested > 0 && st.media_evicted > 0 && st.calls_evicted > 0 &&
	      st.media_bound > 0);
	finish_calls();
	CHECK(n_free == st.calls);

	/* a call whose RTP claim was pushed out of a full endpoint (the weakest) and cannot
	 * come back when it is answered (the table is full) keeps no claim on its RTCP port */
	l.max_bindings = 2;
	l.max_calls = 16;
	start(&l);
	req("x", NULL, 1, "INVITE", sdp(4, "192.0.2.1", 4000, 0, NULL, NULL));
	ringing_o(true, "192.0.2.1", 4000);
	CHECK(cap_calls_bindings(calls) == 2 && st.media_contested == 4);
	ringing_o(false, NULL, 0);
	now += 6ull * 1000000000ull;
	req("y", NULL, 1, "INVITE", sdp(4, "192.0.2.3", 6000, 0, NULL, "a=rtcp-mux\r\n"));
	resp("y", "b", 1, "INVITE", 200, NULL);
	CHECK(n_free == 4 && cap_calls_bindings(calls) == 2);
	CHECK(last_call[6] != NULL);
	if (last_call[6])
		last_call[6]->held = true; /* intercepted: its claims never go for room */
	resp("x", "b", 1, "INVITE", 200, NULL);
	CHECK(last_call[1] && !last_call[1]->offer.media[0].bound &&
	      st.drop[CAP_DROP_CALL_MEDIA] == 1 && cap_calls_bindings(calls) == 1);
	req("x", "b", 2, "BYE", NULL);
	resp("x", "b", 2, "BYE", 200, NULL);
	now += 6ull * 1000000000ull;
	rtp(4, B4, A4, 5000, 4001, 0, 1, 1);
	CHECK(n_free == 5 && st.media_unbound == 1 && cap_calls_bindings(calls) == 1);
	finish_calls();

	/* the same, on the answer's line, whose ICE candidate is the offer's endpoint: dropping
	 * the line's claims must not take the one the offer still names (before, its RTP went
	 * unbound for the rest of the call) */
	l.max_bindings = 2;
	l.max_calls = 16;
	start(&l);
	req("x", NULL, 1, "INVITE", sdp(4, "192.0.2.1", 4000, 0, NULL, "a=rtcp-mux\r\n"));
	resp("x", "b", 1, "INVITE", 183,
	     sdp(4, "192.0.2.2", 5000, 0, NULL,
		 "a=rtcp-mux\r\na=candidate:1 1 UDP 1 192.0.2.1 4000 typ host\r\n"));
	CHECK(last_call[1] && last_call[1]->answer.media[0].bound &&
	      cap_calls_bindings(calls) == 2);
	ringing_o(true, "192.0.2.2", 5000);
	ringing_o(false, NULL, 0);
	now += 6ull * 1000000000ull;
	req("y", NULL, 1, "INVITE", sdp(4, "192.0.2.3", 6000, 0, NULL, "a=rtcp-mux\r\n"));
	resp("y", "b", 1, "INVITE", 200, NULL);
	CHECK(n_free == 4 && cap_calls_bindings(calls) == 2 && last_call[6] != NULL);
	if (last_call[6])
		last_call[6]->held = true;
	resp("x", "b", 1, "INVITE", 200, NULL);
	CHECK(last_call[1] && last_call[1]->offer.media[0].bound &&
	      !last_call[1]->answer.media[0].bound && st.drop[CAP_DROP_CALL_MEDIA] == 1 &&
	      cap_calls_bindings(calls) == 2);
	m = n_ev;
	rtp(4, B4, A4, 5000, 4000, 0, 1, 1);
	CHECK(count(m, CAP_EV_MEDIA) == 1 && ev[m].call == 1 && st.media_unbound == 0);
	finish_calls();

	/* a table full of the claims of answered calls nobody holds (dialogs anyone can forge,
	 * INVITE and 200 OK: an audit): the oldest's go for a new call's; the held one's stay */
	l.max_bindings = 3;
	start(&l);
	req("f1", NULL, 1, "INVITE", sdp(4, "192.0.2.1", 4000, 0, NULL, "a=rtcp-mux\r\n"));
	resp("f1", "b", 1, "INVITE", 200, NULL);
	req("f2", NULL, 1, "INVITE", sdp(4, "192.0.2.2", 4000, 0, NULL, "a=rtcp-mux\r\n"));
	resp("f2", "b", 1, "INVITE", 200, NULL);
	req("h", NULL, 1, "INVITE", sdp(4, "192.0.2.4", 4000, 0, NULL, "a=rtcp-mux\r\n"));
	resp("h", "b", 1, "INVITE", 200, NULL);
	CHECK(cap_calls_bindings(calls) == 3 && last_call[3]);
	if (last_call[3])
		last_call[3]->held = true;
	req("t", NULL, 1, "INVITE", sdp(4, "192.0.2.3", 4000, 0, NULL, "a=rtcp-mux\r\n"));
	CHECK(last_call[4] && last_call[4]->offer.media[0].bound && last_call[1] &&
	      !last_call[1]->offer.media[0].bound && last_call[2] &&
	      last_call[2]->offer.media[0].bound && last_call[3] &&
	      last_call[3]->offer.media[0].bound);
	CHECK(st.media_evicted == 1 && st.drop[CAP_DROP_CALL_MEDIA] == 0 &&
	      cap_calls_bindings(calls) == 3);
	finish_calls();
}

static void t_calls_expiry_caps(void)
{
	struct cap_calls_limits l;
	cap_calls_limits_default(&l);
	l.idle_ns = 10ull * 1000000000ull;
	l.linger_ns = 1000000000ull;
	start(&l);
	req("e1", NULL, 1, "INVITE", sdp(4, "192.0.2.1", 8000, 0, NULL, NULL));
	resp("e1", "b", 1, "INVITE", 200, NULL);
	/* media keeps it alive */
	for (int i = 0; i < 5; i++) {
		now += 5ull * 1000000000ull;
		rtp(4, B4, A4, 9, 8000, 0, (uint16_t)i, 3);
	}
	CHECK(last_call[1] && last_call[1]->state == CAP_CALL_ACCEPTED);
	now += 11ull * 1000000000ull;
	CHECK(cap_calls_expire(calls, now) == 1);
	CHECK(find(0, CAP_EV_CALL_END) && find(0, CAP_EV_CALL_END)->end == CAP_END_TIMEOUT);
	CHECK(st.calls_timeout == 1 && n_free == 0);
	now += 2ull * 1000000000ull;
	CHECK(cap_calls_expire(calls, now) == 0 && n_free == 1 && cap_calls_count(calls) == 0);
	finish_calls();

	/* no response: 32 s; ringing (1xx only): 180 s; both from the last message */
	start(NULL);
	req("r1", NULL, 1, "INVITE", NULL);
	req("r2", NULL, 1, "INVITE", NULL);
	resp("r2", "b", 1, "INVITE", 180, NULL);
	now += 33ull * 1000000000ull;
	CHECK(cap_calls_expire(calls, now) == 1 && last_call[1] &&
	      last_call[1]->end == CAP_END_TIMEOUT && last_call[2] &&
	      last_call[2]->state == CAP_CALL_PROCEEDING);
	now += 140ull * 1000000000ull;
	resp("r2", "b", 1, "INVITE", 180, NULL);
	now += 170ull * 1000000000ull;
	CHECK(cap_calls_expire(calls, now) == 0 && last_call[2] &&
	      last_call[2]->state == CAP_CALL_PROCEEDING);
	now += 11ull * 1000000000ull;
	CHECK(cap_calls_expire(calls, now) == 1 && last_call[2] &&
	      last_call[2]->end == CAP_END_TIMEOUT);
	finish_calls();

	/* call cap: 2 calls. An ended call makes room, else the oldest call without a final
	 * answer (CAP_END_EVICTED), else the oldest answered one the caller does not hold; a
	 * held one is never evicted */
	cap_calls_limits_default(&l);
	l.max_calls = 2;
	l.max_bindings = 3;
	start(&l);
	req("p1", NULL, 1, "INVITE", sdp(4, "192.0.2.1", 9000, 9100, NULL, NULL));
	CHECK(cap_calls_bindings(calls) == 3 && st.drop[CAP_DROP_CALL_MEDIA] == 1);
	CHECK(last_call[1] && last_call[1]->offer.media[0].bound);
	req("p2", NULL, 1, "INVITE", NULL);
	resp("p2", "x", 1, "INVITE", 200, NULL);
	req("p3", NULL, 1, "INVITE", NULL);
	CHECK(cap_calls_count(calls) == 2 && st.drop[CAP_DROP_CALL_TABLE] == 0 &&
	      st.calls_evicted == 1 && n_free == 1 && last_call[1] == NULL && last_call[3]);
	CHECK(find(0, CAP_EV_CALL_END) && find(0, CAP_EV_CALL_END)->call == 1 &&
	      find(0, CAP_EV_CALL_END)->end == CAP_END_EVICTED && cap_calls_bindings(calls) == 0);
	resp("p3", "y", 1, "INVITE", 200, NULL);
	CHECK(last_call[2] && last_call[3]);
	if (last_call[2] && last_call[3])
		last_call[2]->held = last_call[3]->held = true;
	req("p4", NULL, 1, "INVITE", NULL);
	CHECK(cap_calls_count(calls) == 2 && st.drop[CAP_DROP_CALL_TABLE] == 1);
	CHECK(ev[n_ev - 1].type == CAP_EV_SIP && ev[n_ev - 1].call == 0);
	req("p2", "x", 2, "BYE", NULL);
	resp("p2", "x", 2, "BYE", 200, NULL);
	req("p5", NULL, 1, "INVITE", NULL);
	CHECK(cap_calls_count(calls) == 2 && st.drop[CAP_DROP_CALL_TABLE] == 1 && n_free == 2 &&
	      st.calls_evicted == 1);
	/* p5 answered, not held (a dialog anyone can forge): it goes for p6; p3 (held) stays */
	resp("p5", "z", 1, "INVITE", 200, NULL);
	req("p6", NULL, 1, "INVITE", NULL);
	CHECK(cap_calls_count(calls) == 2 && st.drop[CAP_DROP_CALL_TABLE] == 1 && n_free == 3 &&
	      st.calls_evicted == 2 && last_call[3] && last_call[4] == NULL && last_call[5]);
	/* p6 still ringing, but held (a target's call): p7 is refused rather than take its place
	 * (before, any call without a final answer went first) */
	resp("p6", NULL, 1, "INVITE", 180, NULL);
	if (last_call[5])
		last_call[5]->held = true;
	req("p7", NULL, 1, "INVITE", NULL);
	CHECK(cap_calls_count(calls) == 2 && st.drop[CAP_DROP_CALL_TABLE] == 2 &&
	      st.calls_evicted == 2 && last_call[5] && last_call[3]);
	finish_calls();
	CHECK(n_free == 5);
	/* bad limits */
	l.max_calls = 0;
	CHECK(cap_calls_new(&l, &st, on_ev, NULL, &calls) == LIM_E_ARG && calls == NULL);
	cap_calls_free(NULL);
	CHECK(strcmp(cap_call_state_name(CAP_CALL_CONFIRMED), "confirmed") == 0 &&
	      strcmp(cap_call_end_name(CAP_END_CANCEL), "cancel") == 0 &&
	      strcmp(cap_drop_name(CAP_DROP_CALL_TABLE), "call_table_full") == 0);
}

/* The I_MESSAGE text the calls hold is capped (max_imsg_bytes): calls with the largest
 * I_MESSAGEs kept (16 KiB, four per call) held some 64 KiB each, 1 GiB per table of 16384
 * (an audit). Past the cap the oldest calls nobody holds that hold some give theirs up, a
 * call without one stays, held calls stay, and past the cap and its slack (four of the
 * largest) new text is not kept. */
static void t_calls_imsg_cap(void)
{
	static char im[2001];
	const size_t u = sizeof im; /* one I_MESSAGE: 2000 octets + NUL */
	struct cap_calls_limits l;
	size_t held = 0;
	memset(im, 'A', sizeof im - 1);
	cap_calls_limits_default(&l);
	l.max_imsg_bytes = 3 * u;
	start(&l);
	req("n1", NULL, 1, "INVITE", sdp(4, "192.0.2.1", 4000, 0, NULL, NULL));
	req("i1", NULL, 1, "INVITE", sdp(4, "192.0.2.1", 4002, 0, im, NULL));
	req("i2", NULL, 1, "INVITE", sdp(4, "192.0.2.1", 4004, 0, im, NULL));
	resp("i2", "b", 1, "INVITE", 200, sdp(4, "192.0.2.2", 4004, 0, im, NULL));
	CHECK(cap_calls_imsg_bytes(calls) == 3 * u && st.calls_evicted == 0);
	/* a fourth: the oldest unheld call holding one (i1, unanswered) goes, not n1 */
	req("i3", NULL, 1, "INVITE", sdp(4, "192.0.2.1", 4006, 0, im, NULL));
	CHECK(cap_calls_imsg_bytes(calls) == 3 * u && st.calls_evicted == 1 && last_call[1] &&
	      last_call[2] == NULL && last_call[3] && last_call[4]);
	CHECK(find(0, CAP_EV_CALL_END) && find(0, CAP_EV_CALL_END)->call == 2 &&
	      find(0, CAP_EV_CALL_END)->end == CAP_END_EVICTED);
	/* i2 held (intercepted): a re-INVITE's offer makes i3 go, never i2 */
	if (last_call[3])
		last_call[3]->held = true;
	req("i2", "b", 2, "INVITE", sdp(4, "192.0.2.1", 4004, 0, im, NULL));
	CHECK(cap_calls_imsg_bytes(calls) == 3 * u && st.calls_evicted == 2 && last_call[3] &&
	      last_call[4] == NULL && last_call[1]);
	resp("i2", "b", 2, "INVITE", 200, NULL);
	CHECK(cap_calls_imsg_bytes(calls) == 2 * u && last_call[3] && last_call[3]->offer.imsg &&
	      last_call[3]->answer.imsg && st.drop[CAP_DROP_CALL_IMSG] == 0);
	/* every new call held: nothing can go, and past the slack the text is not kept */
	hold_new = true;
	for (int i = 0; i < 40; i++) {
		char cid[8];
		snprintf(cid, sizeof cid, "h%d", i);
		req(cid, NULL, 1, "INVITE",
		    sdp(4, "192.0.2.3", 5000 + 2 * (unsigned)i, 0, im, NULL));
	}
	held = (3 * u + 4 * (CAP_CALL_MAX_IMSG + 1)) / u - 2;
	CHECK(st.calls_evicted == 2 && cap_calls_count(calls) == 42 &&
	      st.drop[CAP_DROP_CALL_IMSG] == 40 - held &&
	      cap_calls_imsg_bytes(calls) == (2 + held) * u);
	/* the calls end: their text is freed (finish_calls: none left) */
	finish_calls();
	/* 70 calls without SDP ahead of those with text (more than the 64 calls a look goes
	 * past): each new one with text makes the oldest with text go, none of the others; the
	 * text stays within the cap, none refused (a look through the state lists gave up, and
	 * the text grew to the hard cap: a review) */
	start(&l);
	for (int i = 0; i < 70; i++) {
		char cid[8];
		snprintf(cid, sizeof cid, "e%d", i);
		req(cid, NULL, 1, "INVITE", NULL);
	}
	for (int i = 0; i < 10; i++) {
		char cid[8];
		snprintf(cid, sizeof cid, "t%d", i);
		req(cid, NULL, 1, "INVITE",
		    sdp(4, "192.0.2.5", 6000 + 2 * (unsigned)i, 0, im, NULL));
		CHECK(cap_calls_imsg_bytes(calls) <= 3 * u);
	}
	CHECK(st.drop[CAP_DROP_CALL_IMSG] == 0 && cap_calls_imsg_bytes(calls) == 3 * u &&
	      st.calls_evicted == 7 && cap_calls_count(calls) == 73);
	finish_calls();
	CHECK(strcmp(cap_drop_name(CAP_DROP_CALL_IMSG), "call_imsg_full") == 0);
	/* a zero cap is refused */
	l.max_imsg_bytes = 0;
	CHECK(cap_calls_new(&l, &st, on_ev, NULL, &calls) == LIM_E_ARG && calls == NULL);
}

/* verify_csum: a BYE with a wrong UDP checksum, which its receiver discards, neither ends the
 * call nor is read (l4_checksum drop); without verify_csum it ends the call as before. UDP's
 * zero is "none" over IPv4 (taken) and invalid over IPv6; a TCP segment with a wrong checksum
 * opens no stream. */
static void t_calls_csum(void)
{
	static const uint8_t A6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 },
			     B6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
	struct cap_calls_limits l;
	struct cap_call *c;
	cap_calls_limits_default(&l);
	CHECK(!l.verify_csum);
	for (int verify = 0; verify < 2; verify++) {
		l.verify_csum = verify;
		start(&l);
		udp_csum = 1;
		req("k1", NULL, 1, "INVITE", sdp(4, "192.0.2.1", 49170, 0, "AAAA", NULL));
		resp("k1", "b2", 1, "INVITE", 200, sdp(4, "192.0.2.2", 3456, 0, NULL, NULL));
		req("k1", "b2", 1, "ACK", NULL);
		c = last_call[1];
		CHECK(c && c->state == CAP_CALL_CONFIRMED && st.drop[CAP_DROP_L4_CSUM] == 0);
		udp_csum = 2;
		req("k1", "b2", 2, "BYE", NULL);
		CHECK(c->bye_pending[0] == !verify); /* (the BYE taken: its call ends at its 2xx) */
		CHECK(st.drop[CAP_DROP_L4_CSUM] == (uint64_t)verify && st.sip == 3u + !verify);
		if (verify) {
			/* the media goes on, not checked (SRTP authenticates it); a BYE whose
			 * IPv4 header checksum is wrong is dropped too; the BYE with no UDP
			 * checksum (IPv4) ends the call */
			rtp(4, A4, B4, 49170, 3456, 0, 1, 0x1111);
			CHECK(find(0, CAP_EV_MEDIA) && c->state == CAP_CALL_CONFIRMED);
			udp_csum = 3;
			req("k1", "b2", 2, "BYE", NULL);
			CHECK(!c->bye_pending[0] && st.drop[CAP_DROP_L4_CSUM] == 2);
			udp_csum = 4;
			req("k1", "b2", 2, "BYE", NULL);
			CHECK(c->bye_pending[0] && c->state == CAP_CALL_CONFIRMED);
			CHECK(st.drop[CAP_DROP_L4_CSUM] == 2);
		}
		udp_csum = 0;
		finish_calls();
	}
	/* IPv6: zero is no checksum there */
	l.verify_csum = true;
	start(&l);
	{
		size_t n = sip("INVITE sip:bob@example.org SIP/2.0", "k6", "a1", NULL, 1, "INVITE",
			       NULL);
		udp(6, A6, B6, 5060, 5060, msgbuf, n);
		CHECK(st.drop[CAP_DROP_L4_CSUM] == 1 && cap_calls_count(calls) == 0);
		udp_csum = 1;
		udp(6, A6, B6, 5060, 5060, msgbuf, n);
		CHECK(st.drop[CAP_DROP_L4_CSUM] == 1 && cap_calls_count(calls) == 1);
		udp_csum = 0;
	}
	/* TCP: t_build_tcp writes a zero checksum, wrong for TCP */
	{
		uint8_t pkt[400];
		feed_ip(pkt,
			t_build_tcp(pkt, sizeof pkt, 6, NULL, NULL, 5555, 5060, 1, 0x02, NULL, 0));
		CHECK(st.drop[CAP_DROP_L4_CSUM] == 2 && st.tcp_streams == 0);
	}
	finish_calls();
}

/* Which a=key-mgmt an SDP's I_MESSAGE is: a media-level one overrides the session-level one
 * (RFC 4567 s3.1), and a stream of port 0 is not used (RFC 3264 s5.1), so neither a
 * session-level decoy beside the stream's own, nor one on a disabled stream, is taken. */
static void t_calls_keymgmt_choice(void)
{
	static const char *const sdps[] = {
		/* session level DDDD, the stream's own RRRR */
		"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		"a=key-mgmt:mikey DDDD\r\nm=audio 49170 RTP/SAVP 0\r\na=key-mgmt:mikey RRRR\r\n",
		/* a disabled stream's DDDD before the stream in use's RRRR */
		"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		"m=audio 0 RTP/SAVP 0\r\na=key-mgmt:mikey DDDD\r\n"
		"m=audio 49170 RTP/SAVP 0\r\na=key-mgmt:mikey RRRR\r\n",
		/* the stream in use has none: the session level's RRRR applies to it, not the
		 * disabled stream's DDDD */
		"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		"a=key-mgmt:mikey RRRR\r\nm=audio 0 RTP/SAVP 0\r\na=key-mgmt:mikey DDDD\r\n"
		"m=audio 49170 RTP/SAVP 0\r\n",
		/* the first stream in use has none, the second has RRRR */
		"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		"m=audio 49170 RTP/SAVP 0\r\nm=video 49172 RTP/SAVP 96\r\n"
		"a=key-mgmt:mikey RRRR\r\n",
		/* a stream in use without one, then one with its own RRRR: not the session level's
		 * DDDD (it is the first stream's, not the second's) */
		"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		"a=key-mgmt:mikey DDDD\r\nm=video 49172 RTP/SAVP 96\r\n"
		"m=audio 49170 RTP/SAVP 0\r\na=key-mgmt:mikey RRRR\r\n",
		/* no stream in use: the session level's */
		"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		"a=key-mgmt:mikey RRRR\r\nm=audio 0 RTP/SAVP 0\r\na=key-mgmt:mikey DDDD\r\n",
	};
	for (size_t i = 0; i < sizeof sdps / sizeof sdps[0]; i++) {
		char cid[16];
		struct cap_call *c;
		start(NULL);
		snprintf(cid, sizeof cid, "km%zu", i);
		req(cid, NULL, 1, "INVITE", sdps[i]);
		c = last_call[1];
		CHECK(c && c->offer.present && c->offer.imsg && strcmp(c->offer.imsg, "RRRR") == 0);
		finish_calls();
	}
}

/* A new table holding one answered call (INVITE, 200 OK, ACK; caller A4, callee B4, To tag t1)
 * of Call-ID cid; NULL when it failed (checked). */
static struct cap_call *answered(const char *cid)
{
	start(NULL);
	req(cid, NULL, 1, "INVITE", sdp(4, "192.0.2.1", 49170, 0, "AAAA", NULL));
	resp(cid, "t1", 1, "INVITE", 200, sdp(4, "192.0.2.2", 3456, 0, NULL, NULL));
	req(cid, "t1", 1, "ACK", NULL);
	CHECK(last_call[1] && last_call[1]->state == CAP_CALL_CONFIRMED);
	return last_call[1];
}

/* In msgbuf: the callee's BYE (CSeq 9, its tag t1) of call cid, or a response to it, with start
 * line start; returns its length. */
static size_t callee_bye(const char *start, const char *cid)
{
	int n = snprintf(msgbuf, sizeof msgbuf,
			 "%s\r\nVia: SIP/2.0/UDP x\r\nFrom: <sip:bob@example.org>;tag=t1\r\n"
			 "To: <sip:alice@example.org>;tag=a1\r\nCall-ID: %s\r\n"
			 "CSeq: 9 BYE\r\nContent-Length: 0\r\n\r\n",
			 start, cid);
	return (size_t)n;
}

/* What a BYE ends: the call, at its final answer (a 2xx, a 481 or a 408), not before. A BYE
 * refused (one whose CSeq is lower than the caller's last request's must be, with a 500:
 * RFC 3261 s12.2.2; a proxy answers 404 to one sent where no one is) ends nothing: the call goes
 * on, and so does its interception; before, limf ended it at the BYE and its media went
 * unbound. One whose answer never comes ends the call no sooner than it would have ended
 * without it.
 * And a Call-ID is compared octet for octet (s20.8) also past the 255 octets a call keeps: a
 * BYE of a Call-ID that differs only there is another dialog's (its peer answers 481), not
 * this call's end. */
static void t_calls_bye_checked(void)
{
	char cid[320], other[320];
	struct cap_call *c;
	const struct rec *r;
	size_t m;
	c = answered("b0");
	if (!c)
		return;
	/* the caller's BYE to a Request-URI a proxy does not know: the media goes on, the call's */
	req("b0", "t1", 2, "BYE", NULL);
	m = n_ev;
	rtp(4, A4, B4, 49170, 3456, 0, 1, 0x1111);
	CHECK(count(m, CAP_EV_MEDIA) == 1 && ev[n_ev - 1].call == 1 && c->bye_pending[0]);
	resp("b0", "t1", 2, "BYE", 404, NULL);
	m = n_ev;
	now += 40ull * 1000000000ull; /* (past early_idle_ns: it is established again) */
	rtp(4, B4, A4, 3456, 49170, 0, 1, 0x2222);
	CHECK(count(m, CAP_EV_MEDIA) == 1 && ev[n_ev - 1].call == 1 && !c->bye_pending[0]);
	CHECK(count(0, CAP_EV_CALL_END) == 0 && c->state == CAP_CALL_CONFIRMED);
	/* the callee's BYE, answered 481 (the dialog is gone at the caller, s12.2.1.2) */
	udp(4, B4, A4, 5060, 5060, msgbuf, callee_bye("BYE sip:alice@192.0.2.1 SIP/2.0", "b0"));
	CHECK(c->bye_pending[1] && !c->bye_pending[0] && c->state == CAP_CALL_CONFIRMED);
	udp(4, A4, B4, 5060, 5060, msgbuf, callee_bye("SIP/2.0 481 Call Does Not Exist", "b0"));
	r = find(0, CAP_EV_CALL_END);
	CHECK(r && r->end == CAP_END_BYE && r->pkt && c->state == CAP_CALL_ENDED);
	finish_calls();
	/* only the answer to the BYE seen ends the call: not a 200 OK to no BYE (one a party
	 * sends, that the peer's stack discards), nor one of another CSeq, nor one from another
	 * address than the BYE went to (a response comes back the way its request went); a 408
	 * (a proxy's, after Timer F: the peer never got the BYE) leaves the call as it was */
	c = answered("b8");
	if (!c)
		return;
	resp("b8", "t1", 5, "BYE", 200, NULL);
	CHECK(c->state == CAP_CALL_CONFIRMED && !c->bye_pending[0]);
	req("b8", "t1", 6, "BYE", NULL);
	resp("b8", "t1", 5, "BYE", 200, NULL);
	CHECK(c->state == CAP_CALL_CONFIRMED && c->bye_pending[0]);
	udp(4, C4, A4, 5060, 5060, msgbuf, sip("SIP/2.0 200 OK", "b8", "a1", "t1", 6, "BYE", NULL));
	CHECK(c->state == CAP_CALL_CONFIRMED && c->bye_pending[0]);
	resp("b8", "t1", 6, "BYE", 408, NULL);
	CHECK(c->state == CAP_CALL_CONFIRMED && !c->bye_pending[0] &&
	      count(0, CAP_EV_CALL_END) == 0);
	req("b8", "t1", 7, "BYE", NULL);
	resp("b8", "t1", 7, "BYE", 200, NULL);
	CHECK(c->state == CAP_CALL_ENDED && c->end == CAP_END_BYE &&
	      count(0, CAP_EV_CALL_END) == 1);
	finish_calls();
	/* a BYE whose answer never comes: the call ends idle_ns (300 s) after its last packet,
	 * as it would have without the BYE (no sooner: a BYE to nowhere, on a call on hold,
	 * would end it before a proxy's 408 came), as a BYE's end (no packet: pkt NULL), not a
	 * timeout; while its media goes on, it is no end */
	c = answered("b9");
	if (!c)
		return;
	req("b9", "t1", 2, "BYE", NULL);
	for (int i = 0; i < 5; i++) {
		now += 20ull * 1000000000ull;
		rtp(4, A4, B4, 49170, 3456, 0, (uint16_t)(1 + i), 0x1111);
	}
	CHECK(count(0, CAP_EV_CALL_END) == 0 && ev[n_ev - 1].type == CAP_EV_MEDIA &&
	      ev[n_ev - 1].call == 1);
	now += 299ull * 1000000000ull;
	CHECK(cap_calls_expire(calls, now) == 0 && c->state == CAP_CALL_CONFIRMED);
	now += 2ull * 1000000000ull;
	CHECK(cap_calls_expire(calls, now) == 1 && c->state == CAP_CALL_ENDED);
	r = find(0, CAP_EV_CALL_END);
	/* (at its deadline, the last packet and 300 s, not when the expiry ran) */
	CHECK(r && r->end == CAP_END_BYE && !r->pkt && c->end_ns == now - 1000000000ull);
	CHECK(st.calls_timeout == 0 && st.calls_ended == 1);
	finish_calls();
	/* an idle call's end is its deadline too when the expiry runs hours later (a replay
	 * expires at the next packet's time): last packet + idle_ns (300 s), not that time */
	(void)answered("b7");
	{
		uint64_t ack = now; /* (the ACK's capture time: feed_ip's) */
		now += 7200ull * 1000000000ull;
		CHECK(cap_calls_expire(calls, now) == 1);
		r = find(0, CAP_EV_CALL_END);
		CHECK(r && r->end == CAP_END_TIMEOUT && st.calls_timeout == 1 &&
		      r->ts == ack + 300ull * 1000000000ull);
	}
	finish_calls();
	start(NULL);
	req("b1", NULL, 5, "INVITE", sdp(4, "192.0.2.1", 49170, 0, "AAAA", NULL));
	resp("b1", "t1", 5, "INVITE", 200, sdp(4, "192.0.2.2", 3456, 0, NULL, NULL));
	req("b1", "t1", 5, "ACK", NULL);
	c = last_call[1];
	CHECK(c && c->state == CAP_CALL_CONFIRMED);
	req("b1", "t1", 0, "BYE", NULL);
	resp("b1", "t1", 0, "BYE", 500, NULL);
	CHECK(c && c->state == CAP_CALL_CONFIRMED && count(0, CAP_EV_CALL_END) == 0);
	req("b1", "t1", 6, "BYE", NULL);
	resp("b1", "t1", 6, "BYE", 200, NULL);
	CHECK(c && c->state == CAP_CALL_ENDED && c->end == CAP_END_BYE &&
	      count(0, CAP_EV_CALL_END) == 1);
	finish_calls();
	/* a request limf saw may never have reached the peer (a proxy refused it): a BYE below
	 * its CSeq still ends the call when the peer takes it (its 2xx) */
	start(NULL);
	req("b2", NULL, 5, "INVITE", sdp(4, "192.0.2.1", 49170, 0, "AAAA", NULL));
	resp("b2", "t1", 5, "INVITE", 200, sdp(4, "192.0.2.2", 3456, 0, NULL, NULL));
	req("b2", "t1", 5, "ACK", NULL);
	req("b2", "t1", 2147483647, "INFO", NULL);
	req("b2", "t1", 6, "BYE", NULL);
	c = last_call[1];
	CHECK(c && c->state == CAP_CALL_CONFIRMED);
	resp("b2", "t1", 6, "BYE", 200, NULL);
	CHECK(c && c->state == CAP_CALL_ENDED && c->end == CAP_END_BYE);
	finish_calls();

	memset(cid, 'L', 300);
	cid[300] = '\0';
	memcpy(other, cid, sizeof cid);
	other[299] = 'M';
	start(NULL);
	req(cid, NULL, 1, "INVITE", sdp(4, "192.0.2.1", 49170, 0, "AAAA", NULL));
	resp(cid, "t1", 1, "INVITE", 200, sdp(4, "192.0.2.2", 3456, 0, NULL, NULL));
	req(cid, "t1", 1, "ACK", NULL);
	c = last_call[1];
	CHECK(c && c->state == CAP_CALL_CONFIRMED && c->call_id.cut);
	req(other, "t1", 2, "BYE", NULL);
	resp(other, "t1", 2, "BYE", 481, NULL);
	CHECK(c && c->state == CAP_CALL_CONFIRMED && count(0, CAP_EV_CALL_END) == 0);
	req(cid, "t1", 3, "BYE", NULL);
	resp(cid, "t1", 3, "BYE", 200, NULL);
	CHECK(c && c->state == CAP_CALL_ENDED && count(0, CAP_EV_CALL_END) == 1);
	finish_calls();
}

/* answered(cid), a packet of SSRC 0x1111 from the caller, then the caller's BYE (CSeq 2) and
 * its 200: an ended call, lingering; NULL when it failed (checked). */
static struct cap_call *ended(const char *cid)
{
	struct cap_call *c = answered(cid);
	if (!c)
		return NULL;
	rtp(4, A4, B4, 49170, 3456, 0, 1, 0x1111);
	req(cid, "t1", 2, "BYE", NULL);
	resp(cid, "t1", 2, "BYE", 200, NULL);
	CHECK(c->state == CAP_CALL_ENDED);
	return c;
}

/* Media that goes on after the call's end (a BYE a party's second UA answered 200 from the
 * address the BYE went to; the peer never saw it): while a stream the call had before its end
 * (an SSRC first seen on that line) still reaches it, the call lingers 5 s past the latest such
 * packet, its content still the call's; before, it was freed 5 s after the end and the rest of
 * the media went unbound (not decrypted). An SSRC first seen after the end keeps nothing alive
 * (unless the dialog went on, below), and a call that claims the endpoints since takes their
 * media. */
static void t_calls_media_after_end(void)
{
	struct cap_call *c = answered("ae");
	size_t m;
	if (!c)
		return;
	rtp(4, A4, B4, 49170, 3456, 0, 1, 0x1111);
	rtp(4, B4, A4, 3456, 49170, 0, 1, 0x2222);
	req("ae", "t1", 2, "BYE", NULL);
	resp("ae", "t1", 2, "BYE", 200, NULL);
	CHECK(c->state == CAP_CALL_ENDED && c->rtp_after_end == 0);
	m = n_ev;
	for (int i = 0; i < 60; i++) { /* a minute, a packet a second each way */
		now += 1000000000ull;
		rtp(4, A4, B4, 49170, 3456, 0, (uint16_t)(2 + i), 0x1111);
		rtp(4, B4, A4, 3456, 49170, 0, (uint16_t)(2 + i), 0x2222);
	}
	CHECK(count(m, CAP_EV_MEDIA) == 120 && n_free == 0 && cap_calls_count(calls) == 1);
	CHECK(c->rtp_after_end == 120 && st.media_unbound == 0);
	/* a stream first seen after the end reaches the call while it lingers, but does not keep
	 * it: freed 5 s after the last packet of its own streams */
	for (int i = 0; i < 4; i++) {
		now += 1000000000ull;
		rtp(4, A4, B4, 49170, 3456, 0, (uint16_t)i, 0x3333);
	}
	CHECK(n_free == 0 && c->rtp_after_end == 124);
	now += 2000000000ull;
	rtp(4, A4, B4, 49170, 3456, 0, 9, 0x3333);
	CHECK(n_free == 1 && cap_calls_count(calls) == 0 && st.media_unbound == 1);
	finish_calls();
	/* unless the caller finds it the call's own (media_ok: SRTP authenticated it under the
	 * call's keys): a stream that changed SSRC after an end the peer never saw */
	c = ended("ak");
	if (!c)
		return;
	ok_ssrc = 0x8888;
	for (int i = 0; i < 20; i++) {
		now += 1000000000ull;
		rtp(4, A4, B4, 49170, 3456, 0, (uint16_t)i, 0x8888);
	}
	CHECK(n_free == 0 && c->rtp_after_end == 20);
	now += 6000000000ull;
	CHECK(cap_calls_expire(calls, now) == 0 && n_free == 1);
	finish_calls();
	/* a call that claims the endpoints since takes their new streams, not the ended call's
	 * own (its SSRC keeps it, as an open call's: a dialog forged on the endpoints of a
	 * stream that goes on, an unanswered INVITE will do, does not take it; before, the new
	 * claim took every packet); once that stream stops, the ended call goes 5 s after its
	 * last packet */
	c = ended("af");
	if (!c)
		return;
	now += 1000000000ull;
	req("ag", NULL, 1, "INVITE", sdp(4, "192.0.2.1", 49170, 0, "AAAA", NULL));
	resp("ag", "t2", 1, "INVITE", 200, sdp(4, "192.0.2.2", 3456, 0, NULL, NULL));
	req("ag", "t2", 1, "ACK", NULL);
	m = n_ev;
	for (int i = 0; i < 10; i++) {
		now += 1000000000ull;
		rtp(4, A4, B4, 49170, 3456, 0, (uint16_t)(2 + i), 0x1111);
		CHECK(ev[n_ev - 1].type == CAP_EV_MEDIA && ev[n_ev - 1].call == 1);
		rtp(4, A4, B4, 49170, 3456, 0, (uint16_t)(2 + i), 0x6666);
		CHECK(ev[n_ev - 1].type == CAP_EV_MEDIA && ev[n_ev - 1].call == 2);
	}
	CHECK(count(m, CAP_EV_MEDIA) == 20 && n_free == 0 && c->rtp_after_end == 10);
	for (int i = 0; i < 6; i++) {
		now += 1000000000ull;
		rtp(4, A4, B4, 49170, 3456, 0, (uint16_t)(20 + i), 0x6666);
	}
	CHECK(n_free == 1 && !last_call[1] && last_call[2]);
	finish_calls();
	/* the same SSRC both ways (first seen towards the answerer): a packet to the offerer's
	 * endpoint is still by its destination, as in an open call (the bonus is the call's,
	 * not one claim's; before, it went by its source) */
	c = ended("aj");
	if (!c)
		return;
	{
		uint64_t o0 = c->offer.media[0].packets;
		rtp(4, B4, A4, 3456, 49170, 0, 2, 0x1111);
		CHECK(ev[n_ev - 1].type == CAP_EV_MEDIA && ev[n_ev - 1].call == 1 &&
		      !ev[n_ev - 1].media.by_source && c->offer.media[0].packets == o0 + 1);
	}
	finish_calls();
	/* one unanswered INVITE on both endpoints (two m= lines) ranks no higher */
	c = ended("ah");
	if (!c)
		return;
	req("ai", NULL, 1, "INVITE",
	    "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
	    "m=audio 49170 RTP/SAVP 0\r\nm=audio 3456 RTP/SAVP 0\r\nc=IN IP4 192.0.2.2\r\n");
	m = n_ev;
	rtp(4, A4, B4, 49170, 3456, 0, 2, 0x1111);
	CHECK(count(m, CAP_EV_MEDIA) == 1 && ev[n_ev - 1].call == 1);
	finish_calls();
	/* the dialog goes on after its end: a re-INVITE sent since, answered 2xx (the peer of a
	 * dialog that is gone answers 481), is applied, a re-key with it (CAP_UPD_WENT_ON), and
	 * from then on any RTP keeps the call, a new SSRC's too; before, the ended call took no
	 * offer, and the media under the new keys was not decrypted */
	c = ended("wo");
	if (!c)
		return;
	now += 1000000000ull;
	m = n_ev;
	req("wo", "t1", 3, "INVITE", sdp(4, "192.0.2.1", 49170, 0, "TkVX", NULL));
	CHECK(count(m, CAP_EV_CALL_UPDATE) == 0 && !c->went_on);
	resp("wo", "t1", 3, "INVITE", 200, sdp(4, "192.0.2.2", 3456, 0, NULL, NULL));
	{
		const struct rec *u = find(m, CAP_EV_CALL_UPDATE);
		CHECK(count(m, CAP_EV_CALL_UPDATE) == 1 && u &&
		      u->changed == (CAP_UPD_WENT_ON | CAP_UPD_OFFER_SDP | CAP_UPD_OFFER_IMSG));
	}
	CHECK(c->went_on && c->state == CAP_CALL_ENDED && strcmp(c->offer.imsg, "TkVX") == 0);
	m = n_ev;
	for (int i = 0; i < 30; i++) {
		now += 1000000000ull;
		rtp(4, A4, B4, 49170, 3456, 0, (uint16_t)i, 0x5555);
	}
	CHECK(count(m, CAP_EV_MEDIA) == 30 && n_free == 0 && c->rtp_after_end == 30);
	now += 6000000000ull;
	CHECK(cap_calls_expire(calls, now) == 0 && n_free == 1);
	finish_calls();
	/* one answered 481 is no sign of it: the call goes 5 s after its end */
	c = ended("wp");
	if (!c)
		return;
	req("wp", "t1", 3, "INVITE", sdp(4, "192.0.2.1", 49170, 0, "TkVX", NULL));
	resp("wp", "t1", 3, "INVITE", 481, NULL);
	CHECK(!c->went_on && strcmp(c->offer.imsg, "AAAA") == 0);
	for (int i = 0; i < 6; i++) {
		now += 1000000000ull;
		rtp(4, A4, B4, 49170, 3456, 0, (uint16_t)i, 0x5555);
	}
	CHECK(n_free == 1);
	finish_calls();
	/* a re-INVITE without SDP after the end: the offer in its 2xx, the answer in the ACK */
	c = ended("wq");
	if (!c)
		return;
	req("wq", "t1", 3, "INVITE", NULL);
	resp("wq", "t1", 3, "INVITE", 200, sdp(4, "192.0.2.2", 3458, 0, "T0ZG", NULL));
	CHECK(c->went_on && c->answer.media[0].port == 3458 && c->answer.imsg &&
	      strcmp(c->answer.imsg, "T0ZG") == 0);
	req("wq", "t1", 3, "ACK", sdp(4, "192.0.2.1", 49172, 0, "QU5T", NULL));
	CHECK(c->offer.media[0].port == 49172 && strcmp(c->offer.imsg, "QU5T") == 0);
	finish_calls();
	/* the 2xx of a re-INVITE answered before the end, sent again after it (its ACK lost) is
	 * no sign of it */
	c = answered("wr");
	if (!c)
		return;
	req("wr", "t1", 3, "INVITE", sdp(4, "192.0.2.1", 49170, 0, "UkVL", NULL));
	resp("wr", "t1", 3, "INVITE", 200, sdp(4, "192.0.2.2", 3456, 0, NULL, NULL));
	req("wr", "t1", 4, "BYE", NULL);
	resp("wr", "t1", 4, "BYE", 200, NULL);
	resp("wr", "t1", 3, "INVITE", 200, sdp(4, "192.0.2.2", 3456, 0, NULL, NULL));
	CHECK(c->state == CAP_CALL_ENDED && !c->went_on);
	/* (its request and its 2xx both sent again) */
	req("wr", "t1", 3, "INVITE", sdp(4, "192.0.2.1", 49170, 0, "UkVL", NULL));
	resp("wr", "t1", 3, "INVITE", 200, sdp(4, "192.0.2.2", 3456, 0, NULL, NULL));
	CHECK(c->state == CAP_CALL_ENDED && !c->went_on);
	finish_calls();
	/* a re-INVITE without SDP unanswered at the end, answered 2xx after it (the offer in
	 * the 2xx, the answer in the ACK): the dialog went on */
	c = answered("ws");
	if (!c)
		return;
	req("ws", "t1", 3, "INVITE", NULL);
	req("ws", "t1", 4, "BYE", NULL);
	resp("ws", "t1", 4, "BYE", 200, NULL);
	CHECK(c->state == CAP_CALL_ENDED && !c->went_on);
	resp("ws", "t1", 3, "INVITE", 200, sdp(4, "192.0.2.2", 3460, 0, "V1NX", NULL));
	req("ws", "t1", 3, "ACK", sdp(4, "192.0.2.1", 49174, 0, NULL, NULL));
	CHECK(c->went_on && c->answer.media[0].port == 3460 &&
	      strcmp(c->answer.imsg, "V1NX") == 0 && c->offer.media[0].port == 49174);
	finish_calls();
	/* an end no dialog had (a CANCEL's): an early UPDATE answered 2xx after the 487 is no
	 * dialog going on */
	start(NULL);
	req("wt", NULL, 1, "INVITE", sdp(4, "192.0.2.1", 49170, 0, "AAAA", NULL));
	resp("wt", "t1", 1, "INVITE", 183, sdp(4, "192.0.2.2", 3456, 0, NULL, NULL));
	req("wt", "t1", 2, "UPDATE", sdp(4, "192.0.2.1", 49176, 0, NULL, NULL));
	req("wt", NULL, 1, "CANCEL", NULL);
	resp("wt", "t1", 1, "INVITE", 487, NULL);
	c = last_call[1];
	CHECK(c && c->state == CAP_CALL_ENDED && c->end == CAP_END_CANCEL);
	resp("wt", "t1", 2, "UPDATE", 200, sdp(4, "192.0.2.2", 3456, 0, NULL, NULL));
	CHECK(c && !c->went_on && c->offer.media[0].port == 49170);
	finish_calls();
	/* ended calls that linger in turn: one kept by its media moves past the others, which
	 * still go 5 s after their end (the list stays in deadline order) */
	start(NULL);
	for (int i = 0; i < 3; i++) {
		char id[8];
		snprintf(id, sizeof id, "l%d", i);
		req(id, NULL, 1, "INVITE",
		    sdp(4, "192.0.2.1", (uint16_t)(40000 + 2 * i), 0, "AAAA", NULL));
		resp(id, "t1", 1, "INVITE", 200,
		     sdp(4, "192.0.2.2", (uint16_t)(30000 + 2 * i), 0, NULL, NULL));
		req(id, "t1", 1, "ACK", NULL);
		rtp(4, A4, B4, (uint16_t)(40000 + 2 * i), (uint16_t)(30000 + 2 * i), 0, 1,
		    0x7000u + (uint32_t)i);
	}
	for (int i = 0; i < 3; i++) {
		char id[8];
		snprintf(id, sizeof id, "l%d", i);
		req(id, "t1", 2, "BYE", NULL);
		resp(id, "t1", 2, "BYE", 200, NULL);
		now += 1000000000ull;
	}
	CHECK(count(0, CAP_EV_CALL_END) == 3 && n_free == 0);
	for (int k = 0; k < 8; k++) { /* the first call's stream goes on */
		now += 1000000000ull;
		rtp(4, A4, B4, 40000, 30000, 0, (uint16_t)(2 + k), 0x7000);
	}
	/* 11 s after the first end, 9 s after the last: those two gone, the first kept */
	CHECK(n_free == 2 && last_call[1] && !last_call[2] && !last_call[3]);
	now += 6000000000ull;
	CHECK(cap_calls_expire(calls, now) == 0 && n_free == 3);
	finish_calls();
	/* a full table makes room with an ended call not held: an interception whose media
	 * goes on (held) stays, and the oldest call not held goes instead */
	{
		struct cap_calls_limits l;
		cap_calls_limits_default(&l);
		l.max_calls = 2;
		start(&l);
	}
	req("wh", NULL, 1, "INVITE", sdp(4, "192.0.2.1", 49170, 0, "AAAA", NULL));
	resp("wh", "t1", 1, "INVITE", 200, sdp(4, "192.0.2.2", 3456, 0, NULL, NULL));
	req("wh", "t1", 1, "ACK", NULL);
	c = last_call[1];
	CHECK(c != NULL);
	if (!c)
		return;
	c->held = true;
	rtp(4, A4, B4, 49170, 3456, 0, 1, 0x1111);
	req("wh", "t1", 2, "BYE", NULL);
	resp("wh", "t1", 2, "BYE", 200, NULL);
	req("wi", NULL, 1, "INVITE", sdp(4, "192.0.2.1", 50000, 0, NULL, NULL));
	req("wj", NULL, 1, "INVITE", sdp(4, "192.0.2.1", 50002, 0, NULL, NULL));
	CHECK(last_call[1] && !last_call[2] && last_call[3] && st.calls_evicted == 1);
	rtp(4, A4, B4, 49170, 3456, 0, 2, 0x1111);
	CHECK(ev[n_ev - 1].type == CAP_EV_MEDIA && ev[n_ev - 1].call == 1);
	finish_calls();
}

/* ICE (RFC 8839): c= and m= name a relay, the media flows between the parties' host
 * candidates; a=rtcp with an address (RFC 3605); the limits on candidates. */
static void t_calls_ice(void)
{
	static const uint8_t R4[4] = { 198, 51, 100, 7 };
	size_t m, b0;
	static char big[4096];
	int n;
	start(NULL);
	req("ice", NULL, 1, "INVITE",
	    sdp(4, "203.0.113.50", 40000, 0, "AAAA",
		"a=candidate:1 1 UDP 2130706431 192.0.2.1 49170 typ host\r\n"
		"a=candidate:1 2 UDP 2130706430 192.0.2.1 49171 typ host\r\n"
		/* the default candidate: c= and m= again (bound once) */
		"a=candidate:3 1 udp 16777215 203.0.113.50 40000 typ relay raddr 192.0.2.1 "
		"rport 49170\r\n"
		/* passed over: TCP, an mDNS name, component 3, port 0, no typ */
		"a=candidate:4 1 TCP 2105524479 192.0.2.1 9 typ host tcptype active\r\n"
		"a=candidate:5 1 UDP 2122260223 4f5e.local 50000 typ host\r\n"
		"a=candidate:6 3 UDP 2122260223 192.0.2.1 50002 typ host\r\n"
		"a=candidate:7 1 UDP 2122260223 192.0.2.1 0 typ host\r\n"
		"a=candidate:8 1 UDP 2122260223 192.0.2.1 50004 host\r\n"));
	resp("ice", "b", 1, "INVITE", 200,
	     sdp(4, "198.51.100.60", 3000, 0, NULL,
		 "a=candidate:1 1 UDP 2130706431 192.0.2.2 3456 typ host\r\n"
		 "a=candidate:1 2 UDP 2130706430 192.0.2.2 3457 typ host\r\n"));
	req("ice", "b", 1, "ACK", NULL);
	CHECK(last_call[1] && last_call[1]->offer.media[0].n_cand == 2 &&
	      last_call[1]->answer.media[0].n_cand == 2 && last_call[1]->offer.n_cand == 2 &&
	      last_call[1]->offer.cand[1].component == 2);
	CHECK(cap_calls_bindings(calls) == 8 && st.media_cand_over == 0);
	/* the selected pair: host to host, RTP and RTCP, both ways */
	m = n_ev;
	rtp(4, A4, B4, 49170, 3456, 0, 1, 0x1111);
	rtp(4, B4, A4, 3456, 49170, 0, 1, 0x2222);
	rtcp(4, A4, B4, 49171, 3457, 200, 0x1111);
	CHECK(count(m, CAP_EV_MEDIA) == 3 && st.media_unbound == 0);
	CHECK(ev[m].call == 1 && !ev[m].media.rtcp && !ev[m].media.by_source &&
	      ev[m].media.dir == CAP_DIR_TO_ANSWERER && ev[m].media.side == 1);
	CHECK(ev[m + 1].media.dir == CAP_DIR_TO_OFFERER && ev[m + 1].media.side == 0);
	CHECK(ev[m + 2].media.rtcp && ev[m + 2].media.dir == CAP_DIR_TO_ANSWERER);
	/* a re-INVITE without candidates: the offer's go, the answer's stay */
	req("ice", "b", 2, "INVITE", sdp(4, "203.0.113.50", 40000, 0, "AAAA", NULL));
	resp("ice", "b", 2, "INVITE", 200,
	     sdp(4, "198.51.100.60", 3000, 0, NULL,
		 "a=candidate:1 1 UDP 2130706431 192.0.2.2 3456 typ host\r\n"
		 "a=candidate:1 2 UDP 2130706430 192.0.2.2 3457 typ host\r\n"));
	CHECK(last_call[1] && last_call[1]->offer.media[0].n_cand == 0 &&
	      cap_calls_bindings(calls) == 6);
	m = n_ev;
	rtp(4, X4, A4, 7, 49170, 0, 1, 0x3333); /* to the offer's old candidate */
	CHECK(count(m, CAP_EV_MEDIA) == 0 && st.media_unbound == 1);
	rtp(4, A4, B4, 49170, 3456, 0, 2, 0x1111); /* to the answer's candidate still */
	CHECK(count(m, CAP_EV_MEDIA) == 1);

	/* more candidates than kept; a disabled line's; a session-level one (no line) */
	b0 = cap_calls_bindings(calls);
	n = snprintf(big, sizeof big, "a=rtcp-mux\r\n");
	for (int i = 0; i < CAP_CALL_MAX_CAND + 3; i++)
		n += snprintf(big + n, sizeof big - (size_t)n,
			      "a=candidate:%d 1 UDP %d 10.0.0.%d %d typ host\r\n"
			      "a=candidate:%d 1 UDP %d 203.0.113.51 41000 typ relay\r\n"
			      "a=candidate:%d 1 UDP %d 10.0.0.%d %d typ host\r\n",
			      i, 100 + i, i + 1, 6000 + i, i, 50 + i, i, 100 + i, i + 1, 6000 + i);
	n += snprintf(big + n, sizeof big - (size_t)n,
		      "m=audio 0 RTP/SAVP 0\r\na=candidate:1 1 UDP 1 10.9.9.9 9 typ host\r\n");
	CHECK(n > 0 && (size_t)n < sizeof big);
	{
		const char *s = sdp(4, "203.0.113.51", 41000, 0, NULL, big);
		static char withsess[8192];
		const char *mline = strstr(s, "m=audio");
		CHECK(mline != NULL);
		/* a candidate before the first m= line names no stream */
		snprintf(withsess, sizeof withsess,
			 "%.*sa=candidate:1 1 UDP 1 10.8.8.8 8 typ host\r\n%s", (int)(mline - s), s,
			 mline);
		req("ice2", NULL, 1, "INVITE", withsess);
	}
	/* the highest priorities are kept (3 .. 14), in SDP order */
	CHECK(last_call[2] && last_call[2]->offer.n_media == 2 &&
	      last_call[2]->offer.media[0].n_cand == CAP_CALL_MAX_CAND &&
	      last_call[2]->offer.cand[0].port == 6003 &&
	      last_call[2]->offer.cand[CAP_CALL_MAX_CAND - 1].port ==
		      6000 + CAP_CALL_MAX_CAND + 2 &&
	      last_call[2]->offer.media[1].n_cand == 0 &&
	      last_call[2]->offer.media[1].cand_at == CAP_CALL_MAX_CAND && st.media_cand_over == 3);
	/* mux: one endpoint per candidate, c= and m= one; a candidate given twice (or a
	 * copy of c= and m=) is one, and fills nothing */
	CHECK(cap_calls_bindings(calls) == b0 + 1 + CAP_CALL_MAX_CAND);
	{
		static const uint8_t T4[4] = { 10, 0, 0, 4 }, L4[4] = { 10, 0, 0, 3 };
		size_t u = st.media_unbound;
		m = n_ev;
		rtcp(4, X4, T4, 7, 6003, 200, 0x4444); /* RTCP on a muxed candidate */
		CHECK(count(m, CAP_EV_MEDIA) == 1 && ev[m].call == 2 && ev[m].media.rtcp);
		rtp(4, X4, L4, 7, 6002, 0, 1, 0x4444); /* one of the three lowest: left out */
		CHECK(count(m, CAP_EV_MEDIA) == 1 && st.media_unbound == u + 1);
	}

	/* the SDP's twelve go by priority across its lines: the video line's ten host
	 * candidates before the audio line's ten relays (before, the audio line took ten in
	 * SDP order and the video line two); an audio candidate that is the video line's c=
	 * and m= is that line's, not audio's */
	{
		static char two[4096];
		const struct cap_call *x;
		int k = snprintf(two, sizeof two,
				 "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"
				 "t=0 0\r\nm=audio 43000 RTP/SAVP 0\r\na=rtcp-mux\r\n"
				 "a=candidate:v 1 UDP 2130706431 192.0.2.1 43100 typ host\r\n");
		for (int i = 0; i < 10; i++)
			k += snprintf(two + k, sizeof two - (size_t)k,
				      "a=candidate:r%d 1 UDP %d 203.0.113.%d 43000 typ relay\r\n",
				      i, 16777215 - i, 60 + i);
		k += snprintf(two + k, sizeof two - (size_t)k,
			      "m=video 43100 RTP/SAVP 97\r\na=rtcp-mux\r\n");
		for (int i = 0; i < 10; i++)
			k += snprintf(two + k, sizeof two - (size_t)k,
				      "a=candidate:h%d 1 UDP %d 10.1.0.%d 43100 typ host\r\n", i,
				      2130706431 - i, i + 1);
		CHECK(k > 0 && (size_t)k < sizeof two);
		m = st.media_cand_over;
		req("ice4", NULL, 1, "INVITE", two);
		x = last_call[3];
		CHECK(x && x->offer.n_media == 2 && x->offer.media[0].n_cand == 2 &&
		      x->offer.media[1].n_cand == 10 && x->offer.media[1].cand_at == 2 &&
		      x->offer.cand[0].addr.a[3] == 60 && x->offer.cand[1].addr.a[3] == 61 &&
		      x->offer.cand[2].addr.a[3] == 1 && st.media_cand_over == m + 8);
	}

	/* a=rtcp with an address */
	req("ice3", NULL, 1, "INVITE",
	    sdp(4, "203.0.113.52", 42000, 0, NULL, "a=rtcp:41000 IN IP4 198.51.100.7\r\n"));
	CHECK(last_call[4] && last_call[4]->offer.media[0].rtcp_port == 41000 &&
	      last_call[4]->offer.media[0].rtcp_addr.a[0] == 198);
	m = n_ev;
	rtcp(4, B4, R4, 5, 41000, 200, 0x5555);
	CHECK(count(m, CAP_EV_MEDIA) == 1 && ev[m].call == 4 && ev[m].media.rtcp);
	{
		/* (not on c=: its port 41000 there is no endpoint of the call) */
		static const uint8_t C52[4] = { 203, 0, 113, 52 };
		size_t u = st.media_unbound;
		rtcp(4, X4, C52, 5, 41000, 200, 0x5555);
		CHECK(count(m, CAP_EV_MEDIA) == 1 && st.media_unbound == u + 1);
	}
	finish_calls();

	/* an endpoint both sides name (here a candidate): the call's one claim on it stays when
	 * one side's SDP changes without it, for the side that still names it (before, a
	 * re-INVITE dropping it left it unbound for the rest of the call) */
	start(NULL);
	req("both", NULL, 1, "INVITE",
	    sdp(4, "203.0.113.50", 40000, 0, "AAAA",
		"a=candidate:1 1 UDP 1 192.0.2.9 5000 typ host\r\n"));
	resp("both", "b", 1, "INVITE", 200,
	     sdp(4, "198.51.100.60", 3000, 0, NULL,
		 "a=candidate:1 1 UDP 1 192.0.2.9 5000 typ host\r\n"));
	req("both", "b", 1, "ACK", NULL);
	CHECK(cap_calls_bindings(calls) == 5);
	req("both", "b", 2, "INVITE", sdp(4, "203.0.113.50", 40000, 0, "AAAA", NULL));
	resp("both", "b", 2, "INVITE", 200,
	     sdp(4, "198.51.100.60", 3000, 0, NULL,
		 "a=candidate:1 1 UDP 1 192.0.2.9 5000 typ host\r\n"));
	CHECK(cap_calls_bindings(calls) == 5);
	{
		static const uint8_t N9[4] = { 192, 0, 2, 9 };
		m = n_ev;
		rtp(4, X4, N9, 7, 5000, 0, 1, 0x6666);
		CHECK(count(m, CAP_EV_MEDIA) == 1 && ev[m].call == 1 && ev[m].media.side == 1);
		/* and the other way: the answer drops it, the offer still names it */
		req("both", "b", 3, "INVITE",
		    sdp(4, "203.0.113.50", 40000, 0, "AAAA",
			"a=candidate:1 1 UDP 1 192.0.2.9 5000 typ host\r\n"));
		resp("both", "b", 3, "INVITE", 200, sdp(4, "198.51.100.60", 3000, 0, NULL, NULL));
		CHECK(cap_calls_bindings(calls) == 5);
		m = n_ev;
		rtp(4, X4, N9, 7, 5000, 0, 2, 0x6666);
		CHECK(count(m, CAP_EV_MEDIA) == 1 && ev[m].call == 1 && ev[m].media.side == 0);
	}
	finish_calls();

	/* two lines in use, each with candidates of its own (the second's slice after the
	 * first's), the second repeating the first's (followed once, for the first line) */
	start(NULL);
	{
		static const char two[] =
			"v=0\r\no=- 1 1 IN IP4 203.0.113.50\r\ns=-\r\nc=IN IP4 203.0.113.50\r\n"
			"t=0 0\r\nm=audio 40000 RTP/SAVP 0\r\n"
			"a=candidate:1 1 UDP 9 192.0.2.1 49170 typ host\r\n"
			"m=video 40010 RTP/SAVP 97\r\n"
			"a=candidate:1 1 UDP 9 192.0.2.1 49170 typ host\r\n"
			"a=candidate:2 1 UDP 9 192.0.2.1 %u typ host\r\n";
		static char body[512];
		const struct cap_call *x;
		snprintf(body, sizeof body, two, 49180u);
		req("two", NULL, 1, "INVITE", body);
		resp("two", "b", 1, "INVITE", 200, sdp(4, "198.51.100.60", 3000, 3010, NULL, NULL));
		req("two", "b", 1, "ACK", NULL);
		x = last_call[1];
		CHECK(x && x->offer.n_cand == 2 && x->offer.media[0].n_cand == 1 &&
		      x->offer.media[1].cand_at == 1 && x->offer.media[1].n_cand == 1 &&
		      x->offer.cand[1].port == 49180);
		m = n_ev;
		rtp(4, X4, A4, 7, 49170, 0, 1, 0x7001);
		rtp(4, X4, A4, 7, 49180, 97, 1, 0x7002);
		CHECK(count(m, CAP_EV_MEDIA) == 2 && ev[m].media.stream == 0 &&
		      ev[m + 1].media.stream == 1 && ev[m + 1].media.side == 0);
		/* a re-offer moving only the video candidate */
		snprintf(body, sizeof body, two, 49190u);
		req("two", "b", 2, "INVITE", body);
		resp("two", "b", 2, "INVITE", 200, sdp(4, "198.51.100.60", 3000, 3010, NULL, NULL));
		m = n_ev;
		rtp(4, X4, A4, 7, 49180, 97, 2, 0x7003);
		rtp(4, X4, A4, 7, 49190, 97, 2, 0x7002);
		CHECK(count(m, CAP_EV_MEDIA) == 1 && ev[m].media.stream == 1 &&
		      ev[m].media.ssrc == 0x7002);
	}
	finish_calls();

	/* a re-offer turning a=rtcp on the RTP port into a=rtcp-mux (the same ports): RTCP there
	 * is told apart from RTP from then on (before, the line was kept as it was) */
	start(NULL);
	req("mux", NULL, 1, "INVITE", sdp(4, "192.0.2.1", 40000, 0, "AAAA", "a=rtcp:40000\r\n"));
	resp("mux", "b", 1, "INVITE", 200, sdp(4, "192.0.2.2", 3000, 0, NULL, "a=rtcp-mux\r\n"));
	req("mux", "b", 1, "ACK", NULL);
	m = n_ev;
	rtcp(4, B4, A4, 3000, 40000, 200, 0x8001);
	CHECK(count(m, CAP_EV_MEDIA) == 1 && !ev[m].media.rtcp);
	req("mux", "b", 2, "INVITE", sdp(4, "192.0.2.1", 40000, 0, "AAAA", "a=rtcp-mux\r\n"));
	resp("mux", "b", 2, "INVITE", 200, sdp(4, "192.0.2.2", 3000, 0, NULL, "a=rtcp-mux\r\n"));
	m = n_ev;
	rtcp(4, B4, A4, 3000, 40000, 200, 0x8001);
	CHECK(count(m, CAP_EV_MEDIA) == 1 && ev[m].media.rtcp);
	finish_calls();
}

/* A review of the call table: a stranger's messages end or rewrite a target's call.
 * - a forged final error (486 from anyone) ended a ringing call for good: the real 200 after it
 *   was passed over, the answer never known, the media unbound once the call lingered out;
 * - an INVITE of another CSeq without To tag while the call rang replaced its offer and its
 *   I_MESSAGE. */
static void t_calls_forged_end(void)
{
	static const char evil[] = "v=0\r\no=- 1 1 IN IP4 198.51.100.9\r\ns=-\r\n"
				   "c=IN IP4 198.51.100.9\r\nt=0 0\r\na=key-mgmt:mikey EVIL\r\n"
				   "m=audio 7000 RTP/SAVP 0\r\n";
	size_t m;
	uint64_t unbound;
	start(NULL);
	hold_new = true;
	req("fe", NULL, 1, "INVITE", sdp(4, "192.0.2.1", 49170, 0, "AAAA", NULL));
	resp("fe", "b2", 1, "INVITE", 180, NULL);
	udp(4, X4, C4, 5060, 5060, msgbuf,
	    sip("SIP/2.0 486 Busy Here", "fe", "a1", "b2", 1, "INVITE", NULL));
	CHECK(last_call[1] && last_call[1]->state == CAP_CALL_ENDED &&
	      last_call[1]->end == CAP_END_REJECTED && !last_call[1]->went_on);
	m = n_ev;
	resp("fe", "b2", 1, "INVITE", 200, sdp(4, "192.0.2.2", 3456, 0, "BBBB", NULL));
	req("fe", "b2", 1, "ACK", NULL);
	CHECK(last_call[1] && last_call[1]->went_on && last_call[1]->answer.present &&
	      last_call[1]->answer.imsg && strcmp(last_call[1]->answer.imsg, "BBBB") == 0);
	CHECK(count(m, CAP_EV_CALL_UPDATE) >= 1);
	unbound = st.media_unbound;
	for (uint16_t i = 1; i <= 10; i++) {
		now += 1000000000ull;
		m = n_ev;
		rtp(4, A4, B4, 49170, 3456, 0, i, 0x1111);
		rtp(4, B4, A4, 3456, 49170, 0, i, 0x2222);
		CHECK(count(m, CAP_EV_MEDIA) == 2);
	}
	CHECK(last_call[1] != NULL && st.media_unbound == unbound);
	hold_new = false;
	finish_calls();

	start(NULL);
	req("ni", NULL, 1, "INVITE", sdp(4, "192.0.2.1", 49170, 0, "AAAA", NULL));
	resp("ni", "b2", 1, "INVITE", 180, NULL);
	udp(4, X4, C4, 5060, 5060, msgbuf,
	    sip("INVITE sip:bob@example.org SIP/2.0", "ni", "a1", NULL, 7, "INVITE", evil));
	CHECK(last_call[1] && last_call[1]->offer.media[0].port == 49170 &&
	      last_call[1]->offer.imsg && strcmp(last_call[1]->offer.imsg, "AAAA") == 0);
	/* the same CSeq (a retransmission) with other SDP: changes nothing either */
	udp(4, X4, C4, 5060, 5060, msgbuf,
	    sip("INVITE sip:bob@example.org SIP/2.0", "ni", "a1", NULL, 1, "INVITE", evil));
	CHECK(last_call[1] && last_call[1]->offer.media[0].port == 49170 &&
	      strcmp(last_call[1]->offer.imsg, "AAAA") == 0 && cap_calls_count(calls) == 1);
	finish_calls();

	/* a retry (CSeq 2, a fresh I_MESSAGE) whose 407 the capture missed, before any answer: a
	 * call of its own, which its 200 answers (a review of the change above: it was shown
	 * and dropped, its keys never taken) */
	start(NULL);
	req("rt", NULL, 1, "INVITE", sdp(4, "192.0.2.1", 49170, 0, "AAAA", NULL));
	req("rt", NULL, 2, "INVITE", sdp(4, "192.0.2.1", 49172, 0, "CCCC", NULL));
	CHECK(cap_calls_count(calls) == 2 && last_call[2] && last_call[2]->offer.imsg &&
	      strcmp(last_call[2]->offer.imsg, "CCCC") == 0 &&
	      strcmp(last_call[1]->offer.imsg, "AAAA") == 0);
	resp("rt", "b2", 2, "INVITE", 200, sdp(4, "192.0.2.2", 3456, 0, "BBBB", NULL));
	CHECK(last_call[2] && last_call[2]->answer.present &&
	      last_call[2]->state == CAP_CALL_ACCEPTED && !last_call[1]->answer.present);
	finish_calls();
}

const struct lim_suite t_calls_suites[] = {
	{ "calls_forged_end", t_calls_forged_end },
	{ "calls_ice", t_calls_ice },
	{ "calls_mux", t_calls_mux },
	{ "stun_parse", t_stun_parse },
	{ "calls_stun", t_calls_stun },
	{ "calls_csum", t_calls_csum },
	{ "calls_udp", t_calls_udp },
	{ "calls_bye_checked", t_calls_bye_checked },
	{ "calls_media_after_end", t_calls_media_after_end },
	{ "calls_keymgmt_choice", t_calls_keymgmt_choice },
	{ "calls_tcp", t_calls_tcp },
	{ "calls_cancel_reject", t_calls_cancel_reject },
	{ "calls_reinvite", t_calls_reinvite },
	{ "calls_notag", t_calls_notag },
	{ "calls_sdp_methods", t_calls_sdp_methods },
	{ "calls_fork_after_auth", t_calls_fork_after_auth },
	{ "calls_reinvite_rejected", t_calls_reinvite_rejected },
	{ "calls_fork", t_calls_fork },
	{ "calls_pai", t_calls_pai },
	{ "calls_imsg_cap", t_calls_imsg_cap },
	{ "calls_media", t_calls_media },
	{ "calls_expiry_caps", t_calls_expiry_caps },
	{ "calls_contested", t_calls_contested },
	{ "calls_flood", t_calls_flood },
	{ "calls_session_expires", t_calls_session_expires },
	{ "calls_claims_stress", t_calls_claims_stress },
	{ NULL, NULL },
};
