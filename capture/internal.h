/* capture/ private declarations (STYLE.md rule 2). */
#ifndef CAP_INTERNAL_H
#define CAP_INTERNAL_H

#include "capture/capture.h"

/* Walks IPv6 extension headers starting with next-header nh over *r (consumed up to the
 * upper-layer data). first: r starts right after the fixed header (hop-by-hop allowed).
 * Sets out->proto; on a fragment header with offset or M set, fills out->frag_* and
 * is_frag and returns CAP_PENDING with *r at the fragment data. Notes what the UDP/TCP
 * checksum depends on (cap_l4_csum_ok): a Routing header's final destination or its fault
 * (rh_dst, ext_bad) and a Home Address option (hao_src). */
enum cap_drop cap_ip6_walk(uint8_t nh, struct lim_rd *r, bool first, struct cap_pkt *out);

/* Seeded hash of the capture tables (capture/hash.c): SipHash-1-3 keyed from a 32-bit seed, so
 * that bucket and worker choices cannot be predicted (or flooded) without the seed. */
struct cap_hkey {
	uint64_t k0, k1;
};
void cap_hkey_init(struct cap_hkey *k, uint32_t seed);
uint64_t cap_hash(const struct cap_hkey *k, const void *data, size_t n);

/* The 64-bit key hash of an endpoint (IP version, address in the tables' form: IPv4 in the
 * first 4 octets, zeros after; port): the call table's and the dispatcher's bucket choice, and
 * the key of their victims (below). */
uint64_t cap_ep_hash(const struct cap_hkey *k, uint8_t ver, const uint8_t a[16], uint16_t port);

/* What a table forgot for room (an eviction), remembered so that traffic coming for it later
 * is counted as lost to that limit, apart from traffic nothing ever claimed: a direct-mapped
 * table of CAP_VICTIMS 64-bit key hashes (1 MiB: as many as the dispatcher's default endpoint
 * table holds), allocated at the first eviction (before that: no memory, and a look-up is one
 * test). A later victim whose hash falls on the same slot replaces an older one (after as many
 * more evictions as it has slots, about a third of the older ones are still held), and a
 * failed allocation records nothing, so what is counted through it is a lower bound of what
 * the evictions cost. Zero-initialised; one thread. */
#define CAP_VICTIMS 131072
struct cap_victims {
	uint64_t *h;
};
void cap_victims_add(struct cap_victims *v, uint64_t h);
/* Whether h is a victim. */
bool cap_victims_has(const struct cap_victims *v, uint64_t h);
/* h is held again (bound, registered, pinned): no longer a victim. */
void cap_victims_take(struct cap_victims *v, uint64_t h);
void cap_victims_free(struct cap_victims *v);

/* The drop of checksum verification (cap_calls_limits, cap_disp_limits verify_csum): true, and
 * counted as CAP_DROP_L4_CSUM, when verify is on and p is a packet it looks at
 * (cap_l4_csum_checked) whose checksum is wrong. */
static inline bool cap_csum_drop(bool verify, const struct cap_pkt *p, struct cap_stats *st)
{
	if (!verify || !cap_l4_csum_checked(p) || cap_l4_csum_ok(p))
		return false;
	st->drop[CAP_DROP_L4_CSUM]++;
	return true;
}

/* Whether a media payload q[0..n) on a shared port is RTCP: its second octet (RTP's marker
 * and payload type) in 192..223 (RFC 5761 s4). */
static inline bool cap_media_is_rtcp(const uint8_t *q, size_t n)
{
	return n >= 2 && q[1] >= 192 && q[1] <= 223;
}

/* The sender's SSRC of a media payload q[0..n), to choose among claims and keep streams: an
 * RTCP packet's (cap_media_is_rtcp) at offset 4, else RTP's at 8. False (and *ssrc 0) when
 * the payload is too short to hold one. */
static inline bool cap_media_ssrc(const uint8_t *q, size_t n, uint32_t *ssrc)
{
	bool rtcp = n >= 8 && cap_media_is_rtcp(q, n);
	struct lim_rd r = lim_rd_make(q, n);
	*ssrc = 0;
	return lim_rd_skip(&r, rtcp ? 4 : 8) && lim_rd_u32be(&r, ssrc);
}

/* Feeds m, an INVITE or UPDATE of a dialog or a response to one, into r (that side's); true
 * when m is a 2xx answering r's open request: after the dialog's end, a sign it went on (the
 * peer of a dialog that is gone answers 481, or 487 to one pending). A request answered
 * before, sent again, opens nothing; the initial INVITE (no To tag) is none. calls.c
 * (went_on) and dispatch.c (a pin opened again) follow the same way. */
static inline bool cap_dlg_req_feed(struct cap_dlg_req *r, const struct cap_sip_msg *m)
{
	if (m->is_request) {
		if (m->to.tag.len && !(r->fin && r->fin_cseq == m->cseq)) {
			r->open = true;
			r->open_cseq = m->cseq;
		}
		return false;
	}
	if (m->status < 200 || !r->open || m->cseq != r->open_cseq)
		return false;
	r->open = false;
	r->fin = true;
	r->fin_cseq = m->cseq;
	return m->status < 300;
}

/* Decodes one frame with defragmenter df, counting into st: cap_dec_frame's body, shared with
 * the dispatcher (capture/dispatch.c), which counts into the caller's cap_stats. */
enum cap_drop cap_dec_frame_st(struct cap_defrag *df, struct cap_stats *st,
			       const struct cap_frame *f, struct cap_pkt *out);

/* The call table's view of the first CAP_CALL_MAX_MEDIA m= lines of s (calls.c), appended to
 * n (zeroed by the caller; neither present nor imsg set): per line media name, c= address,
 * port, RTCP port and address (a=rtcp, else port + 1 on c=; the RTP port with a=rtcp-mux or
 * on an MCPTT floor-control line), and the ICE candidates of the lines in use that are
 * other endpoints than any line's own: the CAP_CALL_MAX_CAND of highest priority, into
 * n->cand, each line's in SDP order. Returns how many candidates it left out (stats
 * media_cand_over). */
size_t cap_sdp_media_build(const struct cap_sdp *s, struct cap_call_sdp *n);

/* A media endpoint of an m= line and what arrives there: RTP, RTCP, or both (rtcp-mux, told
 * apart by payload type). */
enum { CAP_EP_RTP = 1, CAP_EP_RTCP = 2, CAP_EP_MUX = 3, CAP_EP_UFRAG = 4 };
/* The address family of an ICE ufrag's pseudo endpoint (CAP_EP_UFRAG): a = its cap_ufrag_id,
 * port 0. No packet has it (4 or 6), so the tables that hold media endpoints hold these too: the
 * call table finds a check's call by it, the dispatcher its worker. */
#define CAP_FAM_UFRAG 0x75
/* A 128-bit digest of an ICE ufrag (SipHash-2-4 under two fixed keys: the same in every table,
 * dispatcher and process; a ufrag is no secret, the SDP carries it in clear). */
void cap_ufrag_id(struct cap_str ufrag, uint8_t out[CAP_UFRAG_ID_LEN]);
struct cap_media_ep {
	struct cap_addr addr;
	uint16_t port;
	uint8_t kind; /* CAP_EP_* */
};
#define CAP_MEDIA_MAX_EP (2 + CAP_CALL_MAX_CAND + 1 + CAP_CALL_MAX_LEARN)
/* The endpoints of media line `line` of sd the call table binds, each once, into ep[]: none
 * when the line is disabled (port 0); else c= and m= (when c= has an address: RTP, then RTCP
 * unless muxed), then its ICE candidates (component 1 as the RTP endpoint, 2 as the RTCP
 * one), then its ICE ufrag's pseudo endpoint (CAP_EP_UFRAG, on the first line that uses the
 * ufrag), then the endpoints connectivity checks taught it (sd->learn). Returns
 * 0..CAP_MEDIA_MAX_EP. The dispatcher registers exactly these, from the first
 * CAP_CALL_MAX_MEDIA m= lines. */
size_t cap_media_eps(const struct cap_call_sdp *sd, size_t line,
		     struct cap_media_ep ep[CAP_MEDIA_MAX_EP]);
/* Whether the call table applies the SDP of message m (calls.c) to a call: the offer/answer
 * exchanges of an INVITE dialog (RFC 3261 s13, RFC 3262 PRACK, RFC 3311 UPDATE): INVITE,
 * UPDATE, PRACK and ACK requests and the responses to them; outside an INVITE (UPDATE, PRACK,
 * ACK) only with a To tag, i.e. inside a dialog. Never OPTIONS, MESSAGE, INFO or the like. The
 * dispatcher registers media endpoints only from the messages this accepts. */
bool cap_calls_sdp_applies(const struct cap_sip_msg *m);

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

/* s[from, to); callers keep from <= to <= s.len. An empty view may have p NULL. */
static inline struct cap_str cap_str_sub(struct cap_str s, size_t from, size_t to)
{
	struct cap_str r = { s.p ? s.p + from : NULL, to - from };
	return r;
}

/* Trims LWS at both ends. */
struct cap_str cap_str_trim(struct cap_str s);
/* Parses a decimal number (leading zeros skipped, however many; at most 20 digits after them)
 * of value <= max over the whole view. false on anything else (empty, sign, overflow). */
bool cap_str_u64(struct cap_str s, uint64_t max, uint64_t *out);
/* Does s start with lit (ASCII case-insensitive)? */
bool cap_str_prefix_ieq(struct cap_str s, const char *lit);
/* Case-insensitive search of a parameter "name=value" in a ';'-separated list starting at
 * s (the part after the first ';' is examined); value returned without quotes. */
bool cap_param(struct cap_str s, const char *name, struct cap_str *value);

/* ---------------------------------------------------------------- MIME bodies (RFC 2045/2046)
 * One walk of a SIP message body for every capture/ reader of it (cap_sip_sdp_body, mcbody.h):
 * the body is one entity when its Content-Type is not multipart/, else the tree of its parts,
 * of which the iterator returns the leaves in document order. What it accepts:
 *   - Boundary (RFC 2046 s5.1.1): the "boundary" parameter of a multipart/<any> Content-Type,
 *     1 to 70 characters from bchars, not ending in a space. Quoted: a quoted-pair ("\x",
 *     RFC 822) stands for x and the space is allowed; unquoted: a token, so only letters,
 *     digits and ' + _ - . (RFC 2045 s5.1). Anything else (missing, empty, longer, other
 *     characters, a lone backslash) is LIM_E_PARSE.
 *   - Delimiters: a line (at the body's start or after LF) starting with "--" boundary; per the
 *     RFC 2046 s5.1.1 note the boundary need not be the whole line, so a line "--" boundary
 *     "x" is a delimiter with junk after it and makes the body LIM_E_PARSE (a composer must
 *     not write one; an inner boundary must not have the outer one as a prefix, s5.1.2).
 *     After the boundary (and "--" for the close delimiter) only transport padding (SP, HT)
 *     then CRLF or LF; the close delimiter may also end the body. The CRLF (or LF) before a
 *     delimiter belongs to it, not to the part. CRLF and bare LF line ends alike.
 *   - Preamble (before the first delimiter) and epilogue (after the close delimiter) are
 *     ignored. A body with no delimiter, a close delimiter before any part (RFC 2046 s5.1.1:
 *     one part at least), a delimiter that ends the body before its line end
 *     ("--b" at the very end), a part with no delimiter after it (missing close delimiter) is
 *     LIM_E_PARSE, reported when the walk reaches it: the parts before it are returned first.
 *   - Part headers (RFC 2045, RFC 5322 s2.2): lines up to the first empty line; a field is a
 *     name (printable ASCII but ':'), optional blanks, ':' and a value; a line starting with a
 *     blank continues the field before it (unfolding, s2.2.3); names are case-insensitive.
 *     No empty line: the part is all headers and its content is empty; a part with no headers
 *     starts with the empty line. LIM_E_PARSE for a line that is not a field, a continuation
 *     with no field before it, a control octet (NUL included; HT allowed) in a header line,
 *     a second Content-Type or Content-Transfer-Encoding; LIM_E_LIMIT past CAP_MIME_MAX_HDRS
 *     fields or a line over CAP_SIP_MAX_LINE octets. The content itself may hold any octet.
 *   - Nesting: a part whose Content-Type is multipart/ is walked in turn (not returned), up to
 *     CAP_SIP_MAX_DEPTH multipart levels (LIM_E_LIMIT beyond); its Content-Transfer-Encoding
 *     must be 7bit, 8bit or binary (RFC 2045 s6.4), else LIM_E_PARSE.
 *   - Count: at most max_parts body parts in all, at every level, nested multipart parts
 *     included (LIM_E_LIMIT on the next one).
 * Work is linear in the body size times the nesting depth; nothing is allocated or written. */
#define CAP_MIME_MAX_BOUNDARY 70 /* RFC 2046 s5.1.1 */
#define CAP_MIME_MAX_HDRS     32 /* header fields per body part */

/* One leaf entity. Views are BORROWED from the body given to cap_mime_init. */
struct cap_mime_part {
	struct cap_str type;    /* Content-Type value, trimmed (a folded value keeps its CRLF and
				 * blanks inside); len 0 when absent (RFC 2045: text/plain) */
	struct cap_str cte;     /* Content-Transfer-Encoding value, trimmed; len 0 when absent */
	struct cap_str disp;    /* Content-Disposition value (the first), trimmed; len 0 when
				 * absent */
	struct cap_str content; /* the octets after the part headers, still encoded */
	size_t depth;           /* multipart levels around it: 0 = the whole (non-multipart) body */
};

/* Private: one open multipart level. */
struct cap_mime_level {
	struct cap_str body; /* the multipart entity's content */
	size_t pos;          /* offset of the next delimiter line's "--" */
	size_t n;            /* parts read at this level */
	size_t bnd_len;
	char bnd[CAP_MIME_MAX_BOUNDARY]; /* the boundary, quoted-pairs resolved */
};

/* Caller-allocated iterator; fields are private (use the functions). */
struct cap_mime {
	struct cap_str type, body; /* the top entity */
	struct cap_mime_level lv[CAP_SIP_MAX_DEPTH];
	size_t n_lv;
	size_t max_parts, n_parts;
	bool started, done;
	enum lim_err err; /* sticky: the first failure */
	const char *why;
	const char *at;
};

/* Starts a walk of body (BORROWED, must outlive the iterator) whose Content-Type value is
 * ctype (BORROWED; len 0: none). max_parts caps the body parts (see above). */
void cap_mime_init(struct cap_mime *it, struct cap_str ctype, struct cap_str body,
		   size_t max_parts);
/* The next leaf into *part: true, or false at the end of the walk or on an error (then and
 * later *part is zeroed; cap_mime_err says which). */
bool cap_mime_next(struct cap_mime *it, struct cap_mime_part *part);
/* LIM_OK while no error happened, else the first one (LIM_E_PARSE or LIM_E_LIMIT, see above).
 * When not NULL, *why gets static English text ("ok", or starting "multipart: ") and *at where
 * the fault lies (in the body, or in a Content-Type value for a bad boundary; NULL if none). */
enum lim_err cap_mime_err(const struct cap_mime *it, const char **why, const char **at);
/* The media type of a Content-Type value (before the first ';' outside quotes), trimmed. */
struct cap_str cap_media_type(struct cap_str ctype);
/* Is cte (trimmed) an identity Content-Transfer-Encoding: absent, 7bit, 8bit or binary? */
bool cap_mime_identity(struct cap_str cte);

#endif
