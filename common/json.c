#include "common/json.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/codec.h"

/* see json.h */
void lim_json_init(struct lim_json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->first[0] = true;
	j->after_key = false;
	j->err = false;
}

static void sep(struct lim_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
}

static void open_(struct lim_json *j, char c)
{
	sep(j);
	if (j->depth >= LIM_JSON_MAX_DEPTH) {
		j->err = true;
		return;
	}
	fputc(c, j->f);
	j->depth++;
	j->first[j->depth] = true;
}

static void close_(struct lim_json *j, char c)
{
	if (j->depth <= 0) {
		j->err = true;
		return;
	}
	fputc(c, j->f);
	j->depth--;
}

/* see json.h */
void lim_json_obj_open(struct lim_json *j)
{
	open_(j, '{');
}
/* see json.h */
void lim_json_obj_close(struct lim_json *j)
{
	close_(j, '}');
}
/* see json.h */
void lim_json_arr_open(struct lim_json *j)
{
	open_(j, '[');
}
/* see json.h */
void lim_json_arr_close(struct lim_json *j)
{
	close_(j, ']');
}

/* Length of the valid UTF-8 sequence at s (max n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1fu;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0fu;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07u;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3fu);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

static void put_str(struct lim_json *j, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	fputc('"', j->f);
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		if (c == '"' || c == '\\') {
			fputc('\\', j->f);
			fputc(c, j->f);
			i++;
		} else if (c == '\n') {
			fputs("\\n", j->f);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(j->f, "\\u%04x", c);
			i++;
		} else if (c < 0x80) {
			fputc(c, j->f);
			i++;
		} else {
			size_t l = utf8_len(s + i, n - i);
			if (l) {
				fwrite(s + i, 1, l, j->f);
				i += l;
			} else {
				fprintf(j->f, "\\u%04x", c);
				i++;
			}
		}
	}
	fputc('"', j->f);
}

/* see json.h */
void lim_json_key(struct lim_json *j, const char *key)
{
	sep(j);
	put_str(j, key, strlen(key));
	fputc(':', j->f);
	j->after_key = true;
}

/* see json.h */
void lim_json_strn(struct lim_json *j, const char *s, size_t n)
{
	sep(j);
	put_str(j, s, n);
}

/* see json.h */
void lim_json_str(struct lim_json *j, const char *s)
{
	lim_json_strn(j, s, strlen(s));
}

/* see json.h */
void lim_json_hex(struct lim_json *j, const uint8_t *b, size_t n)
{
	static const char d[] = "0123456789abcdef";
	sep(j);
	fputc('"', j->f);
	for (size_t i = 0; i < n; i++) {
		fputc(d[b[i] >> 4], j->f);
		fputc(d[b[i] & 15], j->f);
	}
	fputc('"', j->f);
}

/* see json.h */
void lim_json_u64(struct lim_json *j, uint64_t v)
{
	sep(j);
	fprintf(j->f, "%" PRIu64, v);
}

/* see json.h */
void lim_json_i64(struct lim_json *j, int64_t v)
{
	sep(j);
	fprintf(j->f, "%" PRId64, v);
}

/* see json.h */
void lim_json_bool(struct lim_json *j, bool v)
{
	sep(j);
	fputs(v ? "true" : "false", j->f);
}

/* see json.h */
void lim_json_null(struct lim_json *j)
{
	sep(j);
	fputs("null", j->f);
}

/* see json.h */
enum lim_err lim_json_end(struct lim_json *j)
{
	fputc('\n', j->f);
	if (j->err || j->depth != 0 || ferror(j->f))
		return LIM_E_LIMIT;
	return LIM_OK;
}

/* see json.h */
bool lim_json_utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	for (size_t i = 0; i < n;) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		size_t l = utf8_len(s + i, n - i);
		if (!l)
			return false;
		i += l;
	}
	return true;
}

/* see json.h */
void lim_json_kv_wire(struct lim_json *j, const char *key, const char *s, size_t n)
{
	char k[64];
	lim_json_key(j, key);
	lim_json_strn(j, s, n);
	if (lim_json_utf8_valid(s, n))
		return;
	if (snprintf(k, sizeof k, "%s_base64", key) >= (int)sizeof k || n > SIZE_MAX / 2) {
		j->err = true;
		return;
	}
	char *b = malloc(lim_b64_enclen(n) + 1);
	if (!b) {
		j->err = true;
		return;
	}
	lim_b64_encode((const uint8_t *)s, n, b);
	lim_json_key(j, k);
	lim_json_str(j, b);
	free(b);
}
