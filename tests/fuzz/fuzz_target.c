/* libFuzzer target for the warrant gate's identity parser, wr_target_normalise (every party URI
 * of every call goes through it), and for wr_audit_text (every audit detail, captured text
 * included, goes through it) (STYLE.md rule 22). Deterministic, no I/O; abort() when:
 *  - a normal form is not printable ASCII, does not start with tel:+ or sip:, or does not
 *    normalise to itself (same string; tel stays tel), or the result overruns its buffer;
 *  - an audit text is not valid UTF-8, holds a control character or overruns its buffer, or,
 *    when not cut, does not decode (\\ and \xHH) back to the input octets. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "warrants/warrants.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int hexv(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Valid UTF-8 without C0 controls, DEL or C1 controls (the printable text promised). */
static int printable_utf8(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		size_t k;
		unsigned long cp;
		if (c < 0x80) {
			if (c < 0x20 || c == 0x7F)
				return 0;
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			k = 2, cp = c & 0x1Fu;
		else if (c >= 0xE0 && c <= 0xEF)
			k = 3, cp = c & 0x0Fu;
		else if (c >= 0xF0 && c <= 0xF4)
			k = 4, cp = c & 0x07u;
		else
			return 0;
		if (n - i < k)
			return 0;
		for (size_t j = 1; j < k; j++) {
			if ((s[i + j] & 0xC0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + j] & 0x3Fu);
		}
		if ((k == 2 && cp < 0xA0) || (k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000) ||
		    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += k;
	}
	return 1;
}

static void check_norm(const char *in, size_t len)
{
	char out[WR_URI_MAX + 2], again[WR_URI_MAX + 2];
	enum wr_kind k, k2;
	size_t n;
	out[WR_URI_MAX + 1] = again[WR_URI_MAX + 1] = 0x5A;
	if (wr_target_normalise(in, len, &k, out, WR_URI_MAX + 1) != LIM_OK) {
		if (out[0] != '\0' || out[WR_URI_MAX + 1] != 0x5A)
			abort();
		return;
	}
	if (out[WR_URI_MAX + 1] != 0x5A)
		abort();
	n = strlen(out);
	if (n > WR_URI_MAX || (strncmp(out, "tel:+", 5) != 0 && strncmp(out, "sip:", 4) != 0))
		abort();
	for (size_t i = 0; i < n; i++)
		if (out[i] <= 0x20 || out[i] >= 0x7F)
			abort();
	if ((strncmp(out, "tel:", 4) == 0) != (k == WR_KIND_TEL || k == WR_KIND_MCPTT) &&
	    k != WR_KIND_MCPTT)
		abort();
	if (wr_target_normalise(out, n, &k2, again, WR_URI_MAX + 1) != LIM_OK ||
	    strcmp(out, again) != 0 || (k2 == WR_KIND_TEL) != (strncmp(out, "tel:", 4) == 0))
		abort();
}

static void check_text(const uint8_t *in, size_t len, size_t cap)
{
	char *out = malloc(cap + 1), *dec = malloc(len ? len : 1);
	size_t n, d = 0;
	int whole;
	if (!out || !dec)
		goto done;
	out[cap] = 0x5A;
	whole = wr_audit_text((const char *)in, len, out, cap);
	n = strlen(out);
	if (out[cap] != 0x5A || n >= cap || !printable_utf8((const unsigned char *)out, n))
		abort();
	if (!whole) {
		if (n < 4 || strcmp(out + n - 4, WR_AUDIT_CUT) != 0)
			abort();
		n -= 4;
	}
	for (size_t i = 0; i < n; i++) { /* decode: a prefix of the input (all of it if whole) */
		if (out[i] != '\\') {
			dec[d++] = out[i];
			continue;
		}
		if (i + 1 < n && out[i + 1] == '\\') {
			dec[d++] = '\\';
			i++;
		} else if (i + 3 < n && out[i + 1] == 'x' && hexv(out[i + 2]) >= 0 &&
			   hexv(out[i + 3]) >= 0) {
			dec[d++] = (char)(hexv(out[i + 2]) * 16 + hexv(out[i + 3]));
			i += 3;
		} else {
			abort();
		}
		if (d > len)
			abort();
	}
	if (d > len || memcmp(dec, in, d) != 0 || (whole && d != len))
		abort();
done:
	free(out);
	free(dec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = calloc(size ? size : 1, 1);
	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size);
	check_norm(copy, size);
	check_text(data, size, 5 + (size ? data[0] : 0u));
	check_text(data, size, WR_DETAIL_MAX + 1);
	free(copy);
	return 0;
}
