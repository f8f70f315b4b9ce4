#include "common/codec.h"

#include <stdbool.h>

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static enum lim_err hex_decode(const char *s, size_t slen, uint8_t *out, size_t cap, size_t *outlen,
			       bool skip_ws)
{
	size_t n = 0;
	int hi = -1;
	*outlen = 0;
	for (size_t i = 0; i < slen; i++) {
		unsigned char c = (unsigned char)s[i];
		int v;
		if (skip_ws && is_ws(c))
			continue;
		v = hexval(c);
		if (v < 0)
			return LIM_E_PARSE;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n >= cap)
			return LIM_E_LIMIT;
		out[n++] = (uint8_t)((hi << 4) | v);
		hi = -1;
	}
	if (hi >= 0)
		return LIM_E_PARSE;
	*outlen = n;
	return LIM_OK;
}

/* see codec.h */
enum lim_err lim_hex_decode(const char *s, size_t slen, uint8_t *out, size_t cap, size_t *outlen)
{
	return hex_decode(s, slen, out, cap, outlen, false);
}

/* see codec.h */
enum lim_err lim_hex_decode_ws(const char *s, size_t slen, uint8_t *out, size_t cap, size_t *outlen)
{
	return hex_decode(s, slen, out, cap, outlen, true);
}

/* see codec.h */
void lim_hex_encode(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* see codec.h */
void lim_b64_encode(const uint8_t *in, size_t n, char *out)
{
	size_t o = 0, i = 0;
	for (; i + 3 <= n; i += 3) {
		uint32_t v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8) | in[i + 2];
		out[o++] = b64[v >> 18];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = b64[(v >> 6) & 63];
		out[o++] = b64[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		out[o++] = b64[v >> 18];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		uint32_t v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8);
		out[o++] = b64[v >> 18];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = b64[(v >> 6) & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
}

static int b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* see codec.h */
enum lim_err lim_b64_decode(const char *s, size_t slen, uint8_t *out, size_t cap, size_t *outlen)
{
	size_t n = 0;
	*outlen = 0;
	if (slen % 4 != 0)
		return LIM_E_PARSE;
	for (size_t i = 0; i < slen; i += 4) {
		int v[4];
		size_t pad = 0;
		bool last = (i + 4 == slen);
		for (size_t k = 0; k < 4; k++) {
			unsigned char c = (unsigned char)s[i + k];
			if (c == '=' && last && k >= 2) {
				v[k] = 0;
				pad++;
				continue;
			}
			if (pad)
				return LIM_E_PARSE; /* data after '=' */
			v[k] = b64val(c);
			if (v[k] < 0)
				return LIM_E_PARSE;
		}
		uint32_t w = ((uint32_t)v[0] << 18) | ((uint32_t)v[1] << 12) |
			     ((uint32_t)v[2] << 6) | (uint32_t)v[3];
		size_t take = 3 - pad;
		if ((pad == 1 && (w & 0xff)) || (pad == 2 && (w & 0xffff)))
			return LIM_E_PARSE; /* non-zero pad bits: not canonical */
		if (take > cap - n)
			return LIM_E_LIMIT;
		out[n++] = (uint8_t)(w >> 16);
		if (take > 1)
			out[n++] = (uint8_t)(w >> 8);
		if (take > 2)
			out[n++] = (uint8_t)w;
	}
	*outlen = n;
	return LIM_OK;
}
