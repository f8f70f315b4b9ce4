/* capture/ private declarations (STYLE.md rule 2). */
#ifndef CAP_INTERNAL_H
#define CAP_INTERNAL_H

#include "capture/capture.h"

/* Walks IPv6 extension headers starting with next-header nh over *r (consumed up to the
 * upper-layer data). first: r starts right after the fixed header (hop-by-hop allowed).
 * Sets out->proto; on a fragment header with offset or M set, fills out->frag_* and
 * is_frag and returns CAP_PENDING with *r at the fragment data. */
enum cap_drop cap_ip6_walk(uint8_t nh, struct lim_rd *r, bool first, struct cap_pkt *out);

/* Seeded hash of the capture tables (capture/hash.c): SipHash-1-3 keyed from a 32-bit seed, so
 * that bucket and worker choices cannot be predicted (or flooded) without the seed. */
struct cap_hkey {
	uint64_t k0, k1;
};
void cap_hkey_init(struct cap_hkey *k, uint32_t seed);
uint64_t cap_hash(const struct cap_hkey *k, const void *data, size_t n);

/* Decodes one frame with defragmenter df, counting into st: cap_dec_frame's body, shared with
 * the dispatcher (capture/dispatch.c), which counts into the caller's cap_stats. */
enum cap_drop cap_dec_frame_st(struct cap_defrag *df, struct cap_stats *st,
			       const struct cap_frame *f, struct cap_pkt *out);

/* The call table's view of one SDP m= line (calls.c): media name, c= address, port, RTCP port
 * (a=rtcp, else port + 1; the RTP port with a=rtcp-mux or on an MCPTT floor-control line). */
void cap_media_of_sdp(const struct cap_sdp_media *sm, struct cap_call_media *m);
/* The ports of m the call table binds, into ports[]: none (port 0 or no c= address), the RTP
 * port alone (rtcp-mux, or no RTCP port), or the RTP port then the RTCP port. Returns 0..2. The
 * dispatcher registers exactly these, from the first CAP_CALL_MAX_MEDIA m= lines. */
size_t cap_media_endpoints(const struct cap_call_media *m, uint16_t ports[2]);

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
