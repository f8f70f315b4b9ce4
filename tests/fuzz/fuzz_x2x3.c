/* libFuzzer target for the X2/X3 PDU decoder and stream reassembler (ETSI TS 103 221-2;
 * STYLE.md rule 22). The input is decoded as one PDU (cap_x2x3_decode), and also fed to a small
 * stream (600 octets) in chunks whose sizes come from the input's first octet, as TLS records
 * would split it. Checks: a decoded PDU's views lie inside the input and its lengths add up;
 * re-encoding a decoded PDU gives a PDU that decodes to the same fields; the stream never
 * holds more than its cap and a rejection is sticky. Deterministic, no I/O. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture/x2x3.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(struct lim_rd v, const uint8_t *data, size_t size)
{
	if (v.len && (v.p < data || v.p + v.len > data + size))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t re[CAP_X2X3_MAX_HEADER + CAP_X2X3_MAX_PAYLOAD];
	struct cap_x2x3_pdu p, q;
	struct cap_x2x3_stream *s = NULL;
	enum cap_x2x3_rej r;
	size_t off = 0, chunk;

	r = cap_x2x3_decode(data, size, &p);
	if (r == CAP_X2X3_OK) {
		size_t n;
		if ((size_t)p.hdr_len + p.payload_len != size || p.hdr_len < CAP_X2X3_FIXED)
			abort();
		inside(p.payload, data, size);
		inside(p.did, data, size);
		inside(p.nfid, data, size);
		inside(p.ipid, data, size);
		for (size_t i = 0; i < p.n_mti && i < CAP_X2X3_MAX_TARGETS; i++)
			inside(p.mti[i], data, size);
		for (size_t i = 0; i < p.n_oti && i < CAP_X2X3_MAX_TARGETS; i++)
			inside(p.oti[i], data, size);
		/* re-encode what was understood: it must decode to the same fields */
		if (p.n_mti <= CAP_X2X3_MAX_TARGETS && p.n_oti <= CAP_X2X3_MAX_TARGETS &&
		    cap_x2x3_encode(&p, re, sizeof re, &n) == LIM_OK) {
			if (cap_x2x3_decode(re, n, &q) != CAP_X2X3_OK || q.type != p.type ||
			    q.present != p.present || q.seq != p.seq || q.ts_nsec != p.ts_nsec ||
			    q.sport != p.sport || q.payload.len != p.payload.len ||
			    memcmp(q.xid, p.xid, 16) != 0 || memcmp(q.src.a, p.src.a, 16) != 0)
				abort();
		}
	} else if (r == CAP_X2X3_MORE || r >= CAP_X2X3_R__COUNT || p.payload.len || p.n_attr) {
		abort();
	}
	if (size == 0 || cap_x2x3_stream_new(600, &s) != LIM_OK)
		return 0;
	chunk = (size_t)(data[0] % 97) + 1;
	while (off < size) {
		size_t n = size - off < chunk ? size - off : chunk, took;
		took = cap_x2x3_stream_write(s, data + off, n);
		off += took;
		for (;;) {
			r = cap_x2x3_stream_next(s, &p);
			if (r != CAP_X2X3_OK)
				break;
			if ((size_t)p.hdr_len + p.payload_len > 600)
				abort();
		}
		if (cap_x2x3_stream_held(s) > 600)
			abort();
		if (r != CAP_X2X3_MORE) {
			if (cap_x2x3_stream_next(s, &p) != r ||
			    cap_x2x3_stream_write(s, data, size) != 0)
				abort();
			break;
		}
		if (took == 0)
			abort(); /* MORE with a full buffer would be a stall */
	}
	cap_x2x3_stream_free(s);
	return 0;
}
