#include "limf/text.h"
#include "limf/x2x3_in.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "common/json.h"
#include "warrants/warrants.h"

/* see text.h */
bool limf_printable(const uint8_t *b, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (b[i] < 0x20 || b[i] > 0x7e)
			return false;
	return true;
}

/* see text.h */
size_t limf_utf8_fix(char *s)
{
	size_t n = strlen(s), fixed = 0;
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		size_t k = c < 0x80                 ? 1
			   : c >= 0xc2 && c <= 0xdf ? 2
			   : c >= 0xe0 && c <= 0xef ? 3
			   : c >= 0xf0 && c <= 0xf4 ? 4
						    : 0;
		if (c < 0x20 || c == 0x7f || k == 0 || k > n - i ||
		    (k > 1 && !lim_json_utf8_valid(s + i, k))) {
			s[i++] = '?';
			fixed++;
			continue;
		}
		i += k;
	}
	return fixed;
}

/* see text.h */
void limf_print_hex(FILE *f, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", b[i]);
}

/* see text.h */
void limf_print_safe(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p >= 0x20 && *p <= 0x7e && *p != '\\')
			fputc(*p, f);
		else
			fprintf(f, "\\x%02x", *p);
	}
}

/* see text.h */
void limf_fmt_time(uint64_t ns, char *buf, size_t cap)
{
	time_t t = (time_t)(ns / 1000000000u);
	struct tm tm;
	char d[32];
	if (!gmtime_r(&t, &tm) || strftime(d, sizeof d, "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		snprintf(buf, cap, "%" PRIu64, ns);
		return;
	}
	snprintf(buf, cap, "%s.%06uZ", d, (unsigned)(ns % 1000000000u / 1000u));
}

/* see text.h */
void limf_json_wr_time(struct lim_json *j, const char *key, int64_t t)
{
	char ts[WR_TIME_STRLEN];
	wr_time_format(t, ts);
	lim_json_key(j, key);
	lim_json_str(j, ts);
}

/* see text.h */
void limf_json_period(struct lim_json *j, int64_t from, int64_t to)
{
	lim_json_obj_open(j);
	limf_json_wr_time(j, "from", from);
	if (to == WR_TIME_INFINITY) {
		lim_json_key(j, "to");
		lim_json_null(j);
	} else {
		limf_json_wr_time(j, "to", to);
	}
	lim_json_obj_close(j);
}

/* see text.h */
int limf_json_end(struct lim_json *j)
{
	if (lim_json_end(j) == LIM_OK)
		return 0;
	if (!ferror(j->f))
		fputs("limf: internal error: the JSON output is incomplete\n", stderr);
	return 1;
}

/* see x2x3_in.h (defined here: status.c renders XIDs, and its unit test links no X2/X3 input) */
void limf_x23_xid_str(const uint8_t x[16], char out[37])
{
	static const char hx[] = "0123456789abcdef";
	size_t o = 0;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hx[x[i] >> 4];
		out[o++] = hx[x[i] & 15];
	}
	out[o] = '\0';
}
