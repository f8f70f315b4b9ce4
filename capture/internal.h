/* capture/ private declarations (STYLE.md rule 2). */
#ifndef CAP_INTERNAL_H
#define CAP_INTERNAL_H

#include "capture/capture.h"

/* Walks IPv6 extension headers starting with next-header nh over *r (consumed up to the
 * upper-layer data). first: r starts right after the fixed header (hop-by-hop allowed).
 * Sets out->proto; on a fragment header with offset or M set, fills out->frag_* and
 * is_frag and returns CAP_PENDING with *r at the fragment data. */
enum cap_drop cap_ip6_walk(uint8_t nh, struct lim_rd *r, bool first, struct cap_pkt *out);

/* ASCII helpers for the text parsers (locale-independent). */
static inline char cap_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}
static inline bool cap_is_digit(char c)
{
	return c >= '0' && c <= '9';
}
static inline bool cap_is_blank(char c)
{
	return c == ' ' || c == '\t';
}
/* blank or folding (CR/LF inside a folded header value) */
static inline bool cap_is_lws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Trims LWS at both ends. */
struct cap_str cap_str_trim(struct cap_str s);
/* Parses a decimal number of at most max_digits digits and value <= max over the whole view.
 * false on anything else (empty, sign, overflow). */
bool cap_str_u64(struct cap_str s, uint64_t max, uint64_t *out);
/* Case-insensitive search of a parameter "name=value" in a ';'-separated list starting at
 * s (the part after the first ';' is examined); value returned without quotes. */
bool cap_param(struct cap_str s, const char *name, struct cap_str *value);

#endif
