/* libFuzzer target: the strict hex and base64 decoders of common/codec.h (they read key files
 * and the base64 of SDP a=key-mgmt lines). Whatever decodes must re-encode to the canonical form
 * and decode again to the same bytes; anything else must be rejected without reading out of
 * bounds. Deterministic, no I/O. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[4096], again[4096];
	static char enc[2 * 4096 + 8];
	size_t n = 0, m = 0;
	const char *s = (const char *)data;

	if (size > 4096)
		return 0;
	if (lim_b64_decode(s, size, out, sizeof out, &n) == LIM_OK) {
		lim_b64_encode(out, n, enc);
		/* strict decoding accepts only the canonical encoding */
		if (strlen(enc) != size || memcmp(enc, s, size) != 0)
			abort();
	}
	if (lim_hex_decode(s, size, out, sizeof out, &n) == LIM_OK) {
		lim_hex_encode(out, n, enc);
		if (lim_hex_decode(enc, 2 * n, again, sizeof again, &m) != LIM_OK || m != n ||
		    memcmp(out, again, n) != 0)
			abort();
	}
	if (lim_hex_decode_ws(s, size, out, sizeof out, &n) == LIM_OK && n > sizeof out)
		abort();
	return 0;
}
