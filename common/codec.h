/* Hex and base64 codecs. Decoders are strict: any character outside the alphabet, an odd
 * number of hex digits, bad base64 padding or non-zero pad bits is LIM_E_PARSE; output that
 * does not fit is LIM_E_LIMIT. lim_hex_decode_ws additionally skips ASCII whitespace (for
 * vectors written in groups). Encoders NUL-terminate and need 2n+1 / lim_b64_enclen(n)+1. */
#ifndef LIM_CODEC_H
#define LIM_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

enum lim_err lim_hex_decode(const char *s, size_t slen, uint8_t *out, size_t cap,
			    size_t *outlen) LIM_WUR;
enum lim_err lim_hex_decode_ws(const char *s, size_t slen, uint8_t *out, size_t cap,
			       size_t *outlen) LIM_WUR;
/* Lower-case hex of in[0..n) into out (2n+1 bytes). */
void lim_hex_encode(const uint8_t *in, size_t n, char *out);

static inline size_t lim_b64_enclen(size_t n)
{
	return 4 * ((n + 2) / 3);
}
/* Standard alphabet with '=' padding; out needs lim_b64_enclen(n)+1 bytes. */
void lim_b64_encode(const uint8_t *in, size_t n, char *out);
/* Standard alphabet, padding required (length a multiple of 4); no whitespace. */
enum lim_err lim_b64_decode(const char *s, size_t slen, uint8_t *out, size_t cap,
			    size_t *outlen) LIM_WUR;

#endif
