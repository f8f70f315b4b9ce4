/* libFuzzer target for TCP reassembly, SIP framing on streams and the call table
 * (STYLE.md rule 22): the input is a script of packets fed to cap_calls_feed. Each record is
 * op(1) seq(4) sport(2) dport(2) len(2) then len payload octets (cut at the end of input):
 *   op bit 0: direction (192.0.2.1 -> 192.0.2.2, or back); bit 1: IPv6; bit 2: UDP (else TCP);
 *   bits 3-5: TCP flags FIN, SYN, RST (all three: a segment of a connection to itself, from
 *   and to the source address and port: data, or without payload a RST); bits 6-7: time
 *   step (1 ms, 1 s, 100 s, 1000 s).
 * Every TCP segment has ACK set; a bare one (no payload, no other flag) acknowledges seq (the
 * seq field is its acknowledgement number: the other direction's holes), others 0.
 * Small caps so that every limit is reached. Checks: events are well-formed, the tables are
 * empty after cap_calls_flush, memory stays within the TCP cap. Deterministic, no I/O. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_ev(void *ctx, const struct cap_event *ev)
{
	volatile uint8_t sink = 0;
	(void)ctx;
	switch (ev->type) {
	case CAP_EV_SIP:
		if (!ev->sip || ev->raw.len == 0 || ev->raw.len > CAP_SIP_MAX_MSG)
			abort();
		sink ^= ev->raw.p[0];
		sink ^= ev->raw.p[ev->raw.len - 1];
		break;
	case CAP_EV_CALL_START:
	case CAP_EV_CALL_UPDATE:
	case CAP_EV_CALL_END:
	case CAP_EV_CALL_FREE:
		if (!ev->call || ev->call->call_id.len >= CAP_CALL_MAX_TEXT ||
		    ev->call->offer.n_media > CAP_CALL_MAX_MEDIA ||
		    ev->call->n_ssrc > CAP_CALL_MAX_SSRC)
			abort();
		if (ev->call->offer.imsg &&
		    strlen(ev->call->offer.imsg) != ev->call->offer.imsg_len)
			abort();
		if (ev->type == CAP_EV_CALL_END && ev->call->state != CAP_CALL_ENDED)
			abort();
		break;
	case CAP_EV_MEDIA:
		if (!ev->call || ev->media.dir > 1 || ev->media.payload.len > ev->media.packet.len)
			abort();
		if (ev->media.payload.len)
			sink ^= ev->media.payload.p[ev->media.payload.len - 1];
		break;
	default: abort();
	}
	(void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t a6[16] = {
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
	};
	static const uint8_t b6[16] = {
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2
	};
	static const uint64_t steps[4] = { 1000000ull, 1000000000ull, 100000000000ull,
					   1000000000000ull };
	struct cap_stats st;
	struct cap_calls_limits l;
	struct cap_calls *c = NULL;
	struct lim_rd r = lim_rd_make(data, size);
	uint64_t now = 1700000000ull * 1000000000ull;

	memset(&st, 0, sizeof st);
	cap_calls_limits_default(&l);
	l.max_calls = 8;
	l.max_bindings = 16;
	l.idle_ns = 200000000000ull;
	l.tcp.max_streams = 4;
	l.tcp.max_segs = 8;
	l.tcp.max_stream = CAP_SIP_MAX_MSG + CAP_SIP_MAX_MSG / 4;
	l.tcp.max_total = l.tcp.max_stream * 2;
	if (cap_calls_new(&l, &st, on_ev, NULL, &c) != LIM_OK)
		return 0;
	while (!lim_rd_empty(&r)) {
		uint8_t op;
		uint16_t len;
		struct cap_pkt p;
		struct lim_rd pl;
		bool back, v6;
		memset(&p, 0, sizeof p);
		if (!lim_rd_u8(&r, &op) || !lim_rd_u32be(&r, &p.tcp_seq) ||
		    !lim_rd_u16be(&r, &p.sport) || !lim_rd_u16be(&r, &p.dport) ||
		    !lim_rd_u16be(&r, &len))
			break;
		if (!lim_rd_sub(&r, len, &pl)) {
			pl = r;
			r.len = 0;
		}
		back = op & 1;
		v6 = (op & 2) != 0;
		p.ip_ver = v6 ? 6 : 4;
		p.src.family = p.dst.family = p.ip_ver;
		if (v6) {
			memcpy(p.src.a, back ? b6 : a6, 16);
			memcpy(p.dst.a, back ? a6 : b6, 16);
		} else {
			const uint8_t x[4] = { 192, 0, 2, 1 }, y[4] = { 192, 0, 2, 2 };
			memcpy(p.src.a, back ? y : x, 4);
			memcpy(p.dst.a, back ? x : y, 4);
		}
		p.proto = (op & 4) ? CAP_PROTO_UDP : CAP_PROTO_TCP;
		p.tcp_flags = (uint8_t)(((op >> 3) & 7) | 0x10);
		if (((op >> 3) & 7) == 7) {
			memcpy(&p.dst, &p.src, sizeof p.dst);
			p.dport = p.sport;
			p.tcp_flags = (uint8_t)(pl.len ? 0x10 : 0x04 | 0x10);
		} else if (((op >> 3) & 7) == 0 && pl.len == 0) {
			p.tcp_ack = p.tcp_seq;
		}
		p.payload = pl;
		p.ip_payload = pl;
		now += steps[op >> 6];
		cap_calls_feed(c, &p, now);
	}
	cap_calls_flush(c, now);
	if (cap_calls_count(c) != 0 || cap_calls_bindings(c) != 0)
		abort();
	cap_calls_free(c);
	return 0;
}
