/* libFuzzer target for the worker-pool dispatcher (capture/dispatch.h, STYLE.md rule 22), run
 * differentially against the single pipeline. Input: one octet sel, then records of
 * step(1) len(2, big-endian) frame(len; the last one is cut at the end of input), at most 64:
 *   sel bits 0-1: workers - 1; bit 2: a tiny endpoint table (4 entries, 2 s idle); bit 3:
 *   Ethernet frames (else raw IP); bit 4: two dispatchers (two capture threads: step bit 7
 *   picks the one a frame goes to; each one's routing notes applied to the other at once);
 *   bit 5: checksums verified (verify_csum: (a)'s call table, (b)'s dispatcher);
 *   step bits 0-1: time advance (1 ms, 1 s, 100 s, 1000 s).
 * The same frames go (a) through cap_dec + cap_calls and (b) through cap_disp + N cap_calls fed
 * its units, every worker expiring at each decoded frame's time. Checks: units well-formed and
 * for a worker below N; the endpoint table within its cap and empty after cap_disp_flush;
 * counters summed over the dispatcher and the workers equal (a)'s for every field that does
 * not depend on where media is bound (decode, reassembly, TCP, SIP, SDP, the media total);
 * with one worker and an endpoint table that never had to evict or expire, every counter and the
 * whole event stream equal (dispatch.h: the dispatcher then holds every endpoint the table binds);
 * an endpoint table that evicted or expired an entry gets the first set of checks only; two
 * dispatchers (a datagram's fragments, a stream's segments may be split) only the frame and octet
 * totals, units, caps and flushes. Small TCP and reassembly caps so that the limits are reached.
 * Deterministic, no I/O, nothing kept between runs. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "capture/dispatch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXW 4

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

/* a digest of the event stream, in order */
struct evs {
	uint64_t h;
	uint64_t n;
};

static void on_ev(void *ctx, const struct cap_event *ev)
{
	struct evs *s = ctx;
	struct {
		uint32_t type, changed, state, end, over_tcp, dir, rtcp, side, by_src, ssrc_new;
		uint32_t ssrc, seq, ts, pt;
		uint64_t raw_len, pkt_len, stream;
	} sig;
	volatile uint8_t sink = 0;
	memset(&sig, 0, sizeof sig);
	sig.type = (uint32_t)ev->type;
	sig.changed = ev->changed;
	switch (ev->type) {
	case CAP_EV_SIP:
		if (!ev->sip || ev->raw.len == 0 || ev->raw.len > CAP_SIP_MAX_MSG)
			abort();
		sink ^= ev->raw.p[0];
		sink ^= ev->raw.p[ev->raw.len - 1];
		sig.raw_len = ev->raw.len;
		sig.over_tcp = ev->over_tcp;
		s->h = fnv(s->h, ev->sip->call_id.p, ev->sip->call_id.len);
		break;
	case CAP_EV_CALL_START:
	case CAP_EV_CALL_UPDATE:
	case CAP_EV_CALL_END:
	case CAP_EV_CALL_FREE:
		if (!ev->call || ev->call->call_id.len >= CAP_CALL_MAX_TEXT)
			abort();
		break;
	case CAP_EV_MEDIA:
		if (!ev->call || ev->media.dir > 1 || ev->media.payload.len > ev->media.packet.len)
			abort();
		sig.dir = ev->media.dir;
		sig.rtcp = ev->media.rtcp;
		sig.side = ev->media.side;
		sig.by_src = ev->media.by_source;
		sig.ssrc_new = ev->media.ssrc_new;
		sig.ssrc = ev->media.ssrc;
		sig.seq = ev->media.seq;
		sig.ts = ev->media.timestamp;
		sig.pt = ev->media.pt;
		sig.pkt_len = ev->media.packet.len;
		sig.stream = ev->media.stream;
		break;
	default: abort();
	}
	if (ev->call) {
		sig.state = (uint32_t)ev->call->state;
		sig.end = (uint32_t)ev->call->end;
		s->h = fnv(s->h, ev->call->call_id.s, ev->call->call_id.len);
		s->h = fnv(s->h, ev->call->to_tag.s, ev->call->to_tag.len);
	}
	s->h = fnv(s->h, &sig, sizeof sig);
	s->n++;
	(void)sink;
}

struct pool {
	unsigned n;
	struct cap_calls *w[MAXW];
	bool ok;
};

static void on_unit(void *ctx, const struct cap_unit *u)
{
	struct pool *p = ctx;
	if (u->worker >= p->n || !u->pkt || u->ts_ns == 0) {
		p->ok = false;
		return;
	}
	if (u->kind == CAP_UNIT_UDP) {
		if (u->msg || u->pkt->proto != CAP_PROTO_UDP)
			abort();
		cap_calls_feed(p->w[u->worker], u->pkt, u->ts_ns);
	} else if (u->kind == CAP_UNIT_SIP_TCP) {
		if (!u->msg || u->msg_len == 0 || u->msg_len > CAP_SIP_MAX_MSG ||
		    u->pkt->proto != CAP_PROTO_TCP)
			abort();
		cap_calls_feed_sip(p->w[u->worker], u->pkt, u->msg, u->msg_len, u->ts_ns);
	} else {
		abort();
	}
}

/* an Ethernet frame around an IP packet (EtherType from the version nibble) */
static size_t eth(uint8_t *out, const uint8_t *ip, size_t n)
{
	memset(out, 0, 12);
	out[12] = (n && (ip[0] >> 4) == 6) ? 0x86 : 0x08;
	out[13] = (n && (ip[0] >> 4) == 6) ? 0xdd : 0x00;
	if (n)
		memcpy(out + 14, ip, n);
	return n + 14;
}

static void pass_note(void *ctx, const struct cap_disp_note *n)
{
	if (!cap_disp_apply((struct cap_disp *)ctx, n))
		abort(); /* a dispatcher's own notes are always well-formed */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t steps[4] = { 1000000ull, 1000000000ull, 100000000000ull,
					   1000000000000ull };
	struct lim_rd r = lim_rd_make(data, size);
	struct cap_disp_limits dl;
	struct cap_calls_limits cl;
	struct cap_stats ref_st, dst, wst[MAXW], sum;
	struct cap_dec dec;
	struct cap_calls *ref = NULL;
	struct cap_disp *d = NULL, *d2 = NULL;
	struct cap_stats dst2;
	struct pool pool;
	struct evs ref_ev = { 0, 0 }, pool_ev = { 0, 0 };
	uint64_t now = 1700000000ull * 1000000000ull;
	uint8_t sel;
	bool tiny, ether, full, split, verify;

	if (!lim_rd_u8(&r, &sel))
		return 0;
	memset(&pool, 0, sizeof pool);
	pool.n = 1u + (sel & 3u);
	pool.ok = true;
	tiny = (sel & 4) != 0;
	ether = (sel & 8) != 0;
	split = (sel & 16) != 0;
	full = pool.n == 1 && !tiny && !split;
	verify = (sel & 32) != 0;
	memset(&ref_st, 0, sizeof ref_st);
	memset(&dst, 0, sizeof dst);
	memset(&dst2, 0, sizeof dst2);
	memset(wst, 0, sizeof wst);

	cap_disp_limits_default(&dl);
	dl.max_endpoints = tiny ? 4 : 4096;
	if (tiny)
		dl.endpoint_idle_ns = 2000000000ull;
	dl.defrag.max_inflight = 4;
	dl.defrag.max_total = 16384;
	dl.defrag.timeout_ns = 5000000000ull;
	dl.tcp.max_streams = 4;
	dl.tcp.max_segs = 8;
	dl.tcp.max_stream = CAP_SIP_MAX_MSG + CAP_SIP_MAX_MSG / 4;
	dl.tcp.max_total = dl.tcp.max_stream * 2;
	dl.hash_seed = 7;
	dl.verify_csum = verify;
	cap_calls_limits_default(&cl);
	cl.verify_csum = verify;
	cl.idle_ns = 200000000000ull;
	cl.max_calls =
		256; /* small tables: fast runs (caps are the same for (a) and each worker) */
	cl.max_bindings = 1024;
	cl.tcp = dl.tcp;

	if (cap_dec_init(&dec, &dl.defrag) != LIM_OK)
		abort();
	if (cap_calls_new(&cl, &dec.st, on_ev, &ref_ev, &ref) != LIM_OK ||
	    cap_disp_new(&dl, pool.n, &dst, on_unit, &pool, &d) != LIM_OK)
		abort();
	/* the workers, as limf/pool.c's: the dispatcher has verified the checksums */
	cl.verify_csum = false;
	for (unsigned w = 0; w < pool.n; w++)
		if (cap_calls_new(&cl, &wst[w], on_ev, &pool_ev, &pool.w[w]) != LIM_OK)
			abort();
	if (split) {
		if (cap_disp_new(&dl, pool.n, &dst2, on_unit, &pool, &d2) != LIM_OK)
			abort();
		cap_disp_set_note_fn(d, pass_note, d2);
		cap_disp_set_note_fn(d2, pass_note, d);
	}

	for (int i = 0; i < 64 && !lim_rd_empty(&r); i++) {
		static uint8_t buf[65536 + 14];
		uint8_t step;
		uint16_t len;
		struct lim_rd fr;
		struct cap_frame f;
		struct cap_pkt p;
		uint8_t *copy;
		size_t n;
		uint64_t decoded;
		if (!lim_rd_u8(&r, &step) || !lim_rd_u16be(&r, &len))
			break;
		if (!lim_rd_sub(&r, len, &fr))
			(void)lim_rd_sub(&r, r.len, &fr);
		n = ether ? eth(buf, fr.p, fr.len) : fr.len;
		/* an exact-size copy so that ASan sees any read past the frame */
		copy = malloc(n ? n : 1);
		if (!copy)
			abort();
		if (n)
			memcpy(copy, ether ? buf : fr.p, n);
		now += steps[step & 3];
		f.ts_ns = now;
		f.caplen = f.origlen = (uint32_t)n;
		f.linktype = ether ? CAP_LINK_ETHERNET : CAP_LINK_RAW;
		f.data = copy;
		/* (a) */
		if (cap_dec_frame(&dec, &f, &p) == CAP_OK)
			cap_calls_feed(ref, &p, now);
		/* (b) */
		decoded = dst.udp + dst.tcp + dst2.udp + dst2.tcp;
		cap_disp_frame(split && (step & 0x80) ? d2 : d, &f);
		if (dst.udp + dst.tcp + dst2.udp + dst2.tcp != decoded)
			for (unsigned w = 0; w < pool.n; w++)
				(void)cap_calls_expire(pool.w[w], now);
		if (cap_disp_endpoints(d) > dl.max_endpoints ||
		    (d2 && cap_disp_endpoints(d2) > dl.max_endpoints))
			abort();
		free(copy);
	}
	cap_calls_flush(ref, now);
	cap_disp_flush(d, now);
	if (d2)
		cap_disp_flush(d2, now);
	for (unsigned w = 0; w < pool.n; w++)
		cap_calls_flush(pool.w[w], now);
	if (!pool.ok || cap_disp_endpoints(d) != 0 || (d2 && cap_disp_endpoints(d2) != 0))
		abort();
	if (split) {
		if (dst.frames + dst2.frames != dec.st.frames ||
		    dst.bytes + dst2.bytes != dec.st.bytes)
			abort();
		for (unsigned w = 0; w < pool.n; w++)
			cap_calls_free(pool.w[w]);
		cap_disp_free(d2);
		cap_disp_free(d);
		cap_calls_free(ref);
		cap_dec_clear(&dec);
		return 0;
	}

	ref_st = dec.st;
	sum = dst;
	for (unsigned w = 0; w < pool.n; w++) {
		uint64_t *o = (uint64_t *)&sum;
		const uint64_t *x = (const uint64_t *)&wst[w];
		for (size_t i = 0; i < sizeof sum / sizeof *o; i++)
			o[i] += x[i];
	}
	{
		struct cap_disp_info in;
		cap_disp_info(d, &in);
		if (in.evicted || in.expired) /* such an endpoint may still be bound in the table */
			full = false;
	}
	if (full) {
		if (memcmp(&sum, &ref_st, sizeof sum) != 0 || ref_ev.n != pool_ev.n ||
		    ref_ev.h != pool_ev.h)
			abort();
	} else {
		/* the fields that do not depend on where media is bound */
		uint64_t m_ref = ref_st.media_bound + ref_st.media_unbound + ref_st.media_bad;
		uint64_t m_sum = sum.media_bound + sum.media_unbound + sum.media_bad;
		if (sum.frames != ref_st.frames || sum.bytes != ref_st.bytes ||
		    sum.ipv4 != ref_st.ipv4 || sum.ipv6 != ref_st.ipv6 || sum.udp != ref_st.udp ||
		    sum.tcp != ref_st.tcp || sum.fragments != ref_st.fragments ||
		    sum.reassembled != ref_st.reassembled ||
		    sum.tcp_streams != ref_st.tcp_streams ||
		    sum.tcp_not_sip != ref_st.tcp_not_sip || sum.tcp_other != ref_st.tcp_other ||
		    sum.tcp_retrans != ref_st.tcp_retrans ||
		    sum.tcp_overlap != ref_st.tcp_overlap || sum.tcp_ooo != ref_st.tcp_ooo ||
		    sum.tcp_sip != ref_st.tcp_sip || sum.sip != ref_st.sip ||
		    sum.sip_tcp != ref_st.sip_tcp || sum.sdp != ref_st.sdp || m_ref != m_sum)
			abort();
		for (int k = 0; k < CAP_DROP__COUNT; k++)
			if (k < CAP_DROP_CALL_TABLE && sum.drop[k] != ref_st.drop[k])
				abort();
	}
	for (unsigned w = 0; w < pool.n; w++)
		cap_calls_free(pool.w[w]);
	cap_disp_free(d);
	cap_calls_free(ref);
	cap_dec_clear(&dec);
	return 0;
}
