/* libFuzzer target for the frame decoder and IP defragmentation (STYLE.md rule 22).
 * Input: one octet choosing the link type, then frames, each a 2-octet big-endian length
 * and that many octets (the last frame takes what is left when its length runs past the end).
 * Each run uses a fresh decoder with small reassembly caps, so the caps and the overlap and
 * timeout paths are reachable; deterministic, no I/O, nothing kept between runs. Every view
 * handed out must lie inside the frame or the reassembled datagram: abort() otherwise. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint32_t links[] = { CAP_LINK_ETHERNET,
				  CAP_LINK_SLL,
				  CAP_LINK_SLL2,
				  CAP_LINK_RAW,
				  CAP_LINK_RAW_LT,
				  CAP_LINK_IPV4,
				  CAP_LINK_IPV6,
				  CAP_LINK_NULL,
				  CAP_LINK_LOOP,
				  14,
				  147 };

static void within(const struct lim_rd *v, const uint8_t *base, size_t len, bool reasm)
{
	volatile uint8_t sink = 0;
	if (v->len == 0)
		return;
	if (!reasm && (v->p < base || v->len > len || (size_t)(v->p - base) > len - v->len))
		abort();
	sink ^= v->p[0];
	sink ^= v->p[v->len - 1];
	(void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cap_dec dec;
	struct cap_defrag_limits lim;
	struct lim_rd r = lim_rd_make(data, size);
	uint8_t sel;
	uint64_t t = 0;

	if (!lim_rd_u8(&r, &sel))
		return 0;
	cap_defrag_limits_default(&lim);
	lim.max_inflight = 4;
	lim.max_total = 16384;
	lim.max_datagram = 8192;
	lim.timeout_ns = 5;
	if (cap_dec_init(&dec, &lim) != LIM_OK)
		abort();
	for (int i = 0; i < 32 && !lim_rd_empty(&r); i++) {
		uint16_t n;
		struct lim_rd fr;
		struct cap_frame f;
		struct cap_pkt p;
		enum cap_drop d;
		uint8_t *copy;
		if (!lim_rd_u16be(&r, &n))
			break;
		if (!lim_rd_sub(&r, n, &fr))
			(void)lim_rd_sub(&r, r.len, &fr);
		/* an exact-size copy so that ASan sees any read past the frame */
		copy = malloc(fr.len ? fr.len : 1);
		if (!copy)
			break;
		if (fr.len)
			memcpy(copy, fr.p, fr.len);
		t += (uint64_t)(n & 3);
		f.ts_ns = t;
		f.caplen = f.origlen = (uint32_t)fr.len;
		f.linktype = links[sel % (sizeof links / sizeof links[0])];
		f.data = copy;
		d = cap_dec_frame(&dec, &f, &p);
		if (d == CAP_OK) {
			if (p.proto != CAP_PROTO_UDP && p.proto != CAP_PROTO_TCP)
				abort();
			within(&p.ip_payload, copy, fr.len, p.reassembled);
			within(&p.payload, copy, fr.len, p.reassembled);
			if (p.payload.len > p.ip_payload.len)
				abort();
		} else if (d != CAP_PENDING && (unsigned)d >= CAP_DROP__COUNT) {
			abort();
		}
		if (cap_defrag_bytes(dec.defrag) > lim.max_total ||
		    cap_defrag_inflight(dec.defrag) > lim.max_inflight)
			abort();
		free(copy);
	}
	cap_dec_clear(&dec);
	return 0;
}
