/* Streaming JSON writer to a FILE*: handles commas, nesting and string escaping, so every
 * `--json` output of limf is valid JSON whatever bytes the input carried. Nesting is capped at
 * LIM_JSON_MAX_DEPTH; deeper opens set a sticky error (lim_json_end returns LIM_E_LIMIT). */
#ifndef LIM_JSON_H
#define LIM_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/err.h"

#define LIM_JSON_MAX_DEPTH 16

struct lim_json {
	FILE *f; /* borrowed */
	int depth;
	bool first[LIM_JSON_MAX_DEPTH + 1];
	bool after_key;
	bool err;
};

void lim_json_init(struct lim_json *j, FILE *f);
void lim_json_obj_open(struct lim_json *j);
void lim_json_obj_close(struct lim_json *j);
void lim_json_arr_open(struct lim_json *j);
void lim_json_arr_close(struct lim_json *j);
void lim_json_key(struct lim_json *j, const char *key);
/* Values; strings are escaped (bytes >= 0x80 that are not valid UTF-8 become \u00XX). */
void lim_json_str(struct lim_json *j, const char *s);
void lim_json_strn(struct lim_json *j, const char *s, size_t n);
void lim_json_hex(struct lim_json *j, const uint8_t *b, size_t n); /* as a lower-case hex string */
void lim_json_u64(struct lim_json *j, uint64_t v);
void lim_json_i64(struct lim_json *j, int64_t v);
void lim_json_bool(struct lim_json *j, bool v);
void lim_json_null(struct lim_json *j);
/* "key": the octets s[0..n) as a string and, when they are not valid UTF-8, also
 * "key_base64": the same octets exactly (RFC 4648 base64). The string alone is ambiguous for
 * such input (an invalid octet 0xFF and a real U+00FF both read back as "\u00ff"); wire text
 * in evidence (Call-IDs, URIs, SIP messages) goes through this, so that a reader can always
 * recover what was on the wire. key is at most 56 octets. */
void lim_json_kv_wire(struct lim_json *j, const char *key, const char *s, size_t n);
/* true when s[0..n) is valid UTF-8 (RFC 3629: no overlong forms, surrogates or code points
 * above U+10FFFF); NUL and other controls are valid (the writer escapes them exactly). */
bool lim_json_utf8_valid(const char *s, size_t n);
/* Writes the final newline; LIM_OK when everything was balanced and written. */
enum lim_err lim_json_end(struct lim_json *j) LIM_WUR;

#endif
