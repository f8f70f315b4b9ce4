/* SIP message parser (RFC 3261) over a length-bounded cursor (see capture.h). No input octet
 * is special: the parser never looks for NUL, never writes into the input, and tests every
 * length against the view it came from (STYLE.md rule 15). */
#include <string.h>

#include "capture/capture.h"
#include "capture/internal.h"

/* see capture.h */
bool cap_str_eq(struct cap_str s, const char *lit)
{
	size_t n = strlen(lit);
	return s.len == n && (n == 0 || memcmp(s.p, lit, n) == 0);
}

/* see capture.h */
bool cap_str_ieq(struct cap_str s, const char *lit)
{
	size_t n = strlen(lit);
	if (s.len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (cap_lower(s.p[i]) != cap_lower(lit[i]))
			return false;
	return true;
}

/* see internal.h */
struct cap_str cap_str_trim(struct cap_str s)
{
	while (s.len && cap_is_lws(s.p[0])) {
		s.p++;
		s.len--;
	}
	while (s.len && cap_is_lws(s.p[s.len - 1]))
		s.len--;
	return s;
}

/* see internal.h */
bool cap_str_u64(struct cap_str s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	*out = 0;
	/* leading zeros change no value, however many (a SIP stack reads "Content-Length:
	 * 000...0NNN" as NNN: refused, a TCP stream was framed from inside the body) */
	while (s.len > 1 && s.p[0] == '0') {
		s.p++;
		s.len--;
	}
	if (s.len == 0 || s.len > 20)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		unsigned d;
		if (!cap_is_digit(s.p[i]))
			return false;
		d = (unsigned)(s.p[i] - '0');
		if (v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* Splits s at the first top-level occurrence of c (outside "quoted strings" and <...>):
 * returns the index, or s.len when absent. Unterminated quotes run to the end. */
static size_t find_top(struct cap_str s, char c)
{
	bool q = false, a = false;
	for (size_t i = 0; i < s.len; i++) {
		char x = s.p[i];
		if (q) {
			if (x == '\\')
				i++;
			else if (x == '"')
				q = false;
			continue;
		}
		if (x == c && !a)
			return i;
		if (x == '"')
			q = true;
		else if (x == '<')
			a = true;
		else if (x == '>')
			a = false;
	}
	return s.len;
}

/* see internal.h */
bool cap_param(struct cap_str s, const char *name, struct cap_str *value)
{
	size_t i = find_top(s, ';');
	value->p = NULL;
	value->len = 0;
	while (i < s.len) {
		struct cap_str rest = cap_str_sub(s, i + 1, s.len), seg, pn, pv = { NULL, 0 };
		size_t e = find_top(rest, ';'), eq;
		seg = cap_str_sub(rest, 0, e);
		eq = find_top(seg, '=');
		pn = cap_str_trim(cap_str_sub(seg, 0, eq));
		if (eq < seg.len)
			pv = cap_str_trim(cap_str_sub(seg, eq + 1, seg.len));
		if (cap_str_ieq(pn, name)) {
			if (pv.len >= 2 && pv.p[0] == '"' && pv.p[pv.len - 1] == '"') {
				pv.p++;
				pv.len -= 2;
			}
			*value = pv;
			return true;
		}
		i = i + 1 + e;
	}
	return false;
}

/* see capture.h */
enum lim_err cap_sip_party_parse(const char *p, size_t len, struct cap_sip_party *out)
{
	struct cap_str s = { p, len }, params;
	size_t lt;
	memset(out, 0, sizeof *out);
	s = cap_str_trim(s);
	out->value = s;
	if (s.len == 0)
		return LIM_E_PARSE;
	/* display-name: a quoted string (RFC 3261 s25.1) or tokens, then <URI> */
	if (s.p[0] == '"') {
		size_t i = 1;
		bool closed = false;
		for (; i < s.len; i++) {
			if (s.p[i] == '\\') {
				i++;
				continue;
			}
			if (s.p[i] == '"') {
				closed = true;
				break;
			}
		}
		if (!closed)
			return LIM_E_PARSE;
		out->display = cap_str_sub(s, 1, i);
	}
	lt = find_top(s, '<');
	if (lt < s.len) {
		struct cap_str after = cap_str_sub(s, lt + 1, s.len);
		size_t gt = 0;
		while (gt < after.len && after.p[gt] != '>')
			gt++;
		if (gt == after.len)
			return LIM_E_PARSE;
		if (s.p[0] != '"')
			out->display = cap_str_trim(cap_str_sub(s, 0, lt));
		out->uri = cap_str_trim(cap_str_sub(after, 0, gt));
		params = cap_str_sub(after, gt + 1, after.len);
	} else {
		size_t semi;
		if (s.p[0] == '"')
			return LIM_E_PARSE; /* a display name needs <URI> */
		semi = find_top(s, ';');
		out->uri = cap_str_trim(cap_str_sub(s, 0, semi));
		params = cap_str_sub(s, semi, s.len);
	}
	if (out->uri.len == 0)
		return LIM_E_PARSE;
	for (size_t i = 0; i < out->uri.len; i++)
		if (cap_is_lws(out->uri.p[i]))
			return LIM_E_PARSE;
	(void)cap_param(params, "tag", &out->tag);
	return LIM_OK;
}

static bool is_token_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || cap_is_digit(c) ||
	       (c != 0 && strchr("-.!%*_+`'~", c) != NULL);
}

static const struct {
	const char *name;
	char compact;
	enum cap_sip_hid id;
} hnames[] = {
	{ "call-id", 'i', CAP_H_CALL_ID },
	{ "from", 'f', CAP_H_FROM },
	{ "to", 't', CAP_H_TO },
	{ "via", 'v', CAP_H_VIA },
	{ "contact", 'm', CAP_H_CONTACT },
	{ "cseq", 0, CAP_H_CSEQ },
	{ "content-type", 'c', CAP_H_CONTENT_TYPE },
	{ "content-length", 'l', CAP_H_CONTENT_LENGTH },
	{ "p-asserted-identity", 0, CAP_H_PAI },
	{ "content-encoding", 'e', CAP_H_CONTENT_ENCODING },
	{ "supported", 'k', CAP_H_SUPPORTED },
	{ "subject", 's', CAP_H_SUBJECT },
	{ "event", 'o', CAP_H_EVENT },
	{ "refer-to", 'r', CAP_H_REFER_TO },
	{ "referred-by", 'b', CAP_H_REFERRED_BY },
	{ "allow-events", 'u', CAP_H_ALLOW_EVENTS },
	{ "session-expires", 'x', CAP_H_SESSION_EXPIRES },
	{ "max-forwards", 0, CAP_H_MAX_FORWARDS },
};

static enum cap_sip_hid header_id(struct cap_str n)
{
	for (size_t i = 0; i < sizeof hnames / sizeof hnames[0]; i++) {
		if (n.len == 1 && hnames[i].compact && cap_lower(n.p[0]) == hnames[i].compact)
			return hnames[i].id;
		if (cap_str_ieq(n, hnames[i].name))
			return hnames[i].id;
	}
	return CAP_H_OTHER;
}

/* p[0..7) is the SIP-Version "SIP/2.0", in any case (RFC 3261 s7.1) */
static bool version_is(const char *p)
{
	return cap_str_ieq((struct cap_str){ p, 7 }, "SIP/2.0");
}

/* see capture.h */
bool cap_sip_looks_like(const uint8_t *buf, size_t len)
{
	const char *s = (const char *)buf;
	size_t i = 0, eol;
	/* RFC 3261 s7.5: CRLFs before the start line are ignored; s7.1: the version is
	 * case-insensitive */
	while (len && (*s == '\r' || *s == '\n')) {
		s++;
		len--;
	}
	if (len >= 8 && version_is(s) && s[7] == ' ')
		return true;
	while (i < len && is_token_char(s[i]))
		i++;
	if (i == 0 || i >= len || s[i] != ' ')
		return false;
	for (eol = i; eol < len && eol < CAP_SIP_MAX_LINE && s[eol] != '\n'; eol++)
		;
	if (eol < len && eol > 0 && s[eol] == '\n' && s[eol - 1] == '\r')
		eol--;
	while (eol > i && cap_is_blank(s[eol - 1]))
		eol--; /* (whitespace after the version: a stack trims it) */
	return eol >= i + 8 && s[eol - 8] == ' ' && version_is(s + eol - 7);
}

static enum lim_err fail(struct cap_sip_msg *m, enum cap_drop why, size_t off)
{
	m->reject = why;
	m->err_offset = off;
	if (why == CAP_DROP_SIP_SIZE || why == CAP_DROP_SIP_LINE || why == CAP_DROP_SIP_HDRS ||
	    why == CAP_DROP_SIP_CLEN)
		return LIM_E_LIMIT;
	if (why == CAP_DROP_SIP_TRUNC)
		return LIM_E_TRUNC;
	return LIM_E_PARSE;
}

/* Next line starting at *pos: [start, end) without CR LF. Returns 0, or the reason. */
static enum cap_drop next_line(const char *s, size_t len, size_t *pos, struct cap_str *line)
{
	size_t i = *pos, lim = len - *pos;
	if (lim > CAP_SIP_MAX_LINE + 2)
		lim = CAP_SIP_MAX_LINE + 2;
	for (size_t k = 0; k < lim; k++, i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n') {
			size_t e = i;
			if (e > *pos && s[e - 1] == '\r')
				e--;
			if (e - *pos > CAP_SIP_MAX_LINE)
				return CAP_DROP_SIP_LINE;
			line->p = s + *pos;
			line->len = e - *pos;
			*pos = i + 1;
			return CAP_OK;
		}
		if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f)
			return CAP_DROP_SIP_NUL;
		if (c == '\r' && i + 1 < len && s[i + 1] != '\n')
			return CAP_DROP_SIP_NUL; /* bare CR */
	}
	if (len - *pos > CAP_SIP_MAX_LINE + 1)
		return CAP_DROP_SIP_LINE;
	return CAP_DROP_SIP_TRUNC; /* the header section ends without a blank line */
}

static bool parse_start(struct cap_str l, struct cap_sip_msg *m)
{
	if (l.len >= 8 && version_is(l.p) && l.p[7] == ' ') {
		uint64_t st;
		if (l.len < 11 || !cap_str_u64(cap_str_sub(l, 8, 11), 699, &st) || st < 100 ||
		    (l.len > 11 && l.p[11] != ' '))
			return false;
		m->status = (uint16_t)st;
		m->reason = l.len > 12 ? cap_str_sub(l, 12, l.len) : cap_str_sub(l, l.len, l.len);
		return true;
	}
	{
		size_t i = 0, u;
		while (i < l.len && is_token_char(l.p[i]))
			i++;
		if (i == 0 || i >= l.len || l.p[i] != ' ')
			return false;
		m->method = cap_str_sub(l, 0, i);
		u = ++i;
		while (i < l.len && l.p[i] != ' ' && l.p[i] != '\t')
			i++;
		if (i == u || i >= l.len)
			return false;
		m->ruri = cap_str_sub(l, u, i);
		{
			/* one SP, the version, and any whitespace a stack trims after it */
			struct cap_str v = cap_str_sub(l, i + 1, l.len);
			while (v.len && cap_is_blank(v.p[v.len - 1]))
				v.len--;
			if (l.p[i] != ' ' || v.len != 7 || !version_is(v.p))
				return false;
		}
		m->is_request = true;
		return true;
	}
}

/* PAI: comma-separated name-addrs; up to CAP_SIP_MAX_PAI kept. One that does not parse is
 * left out, not the message (RFC 3261 s16.3: components "well-formed or not" a proxy passes
 * on; before, the whole INVITE was dropped, so a malformed PAI hid its call). */
static bool parse_pai(struct cap_str v, struct cap_sip_msg *m)
{
	while (v.len) {
		size_t c = find_top(v, ',');
		if (m->n_pai < CAP_SIP_MAX_PAI &&
		    cap_sip_party_parse(v.p, c, &m->pai[m->n_pai]) == LIM_OK)
			m->n_pai++;
		if (c == v.len)
			break;
		v = cap_str_sub(v, c + 1, v.len);
	}
	return true;
}

/* Whether a header's copy b says what its first copy a says: a Content-Length the same number
 * (05 is 5), a Content-Type the same media type in any case (RFC 2045 s5.1) with the same
 * parameters; others the same octets. Before, a copy in another spelling dropped the message,
 * which the UA's stack took. */
static bool same_value(int id, struct cap_str a, struct cap_str b)
{
	uint64_t x, y;
	if (id == CAP_H_CONTENT_LENGTH)
		return cap_str_u64(a, UINT64_MAX, &x) && cap_str_u64(b, UINT64_MAX, &y) && x == y;
	if (id == CAP_H_CONTENT_TYPE) {
		const char *sa = memchr(a.p, ';', a.len), *sb = memchr(b.p, ';', b.len);
		struct cap_str ta = { a.p, sa ? (size_t)(sa - a.p) : a.len };
		struct cap_str tb = { b.p, sb ? (size_t)(sb - b.p) : b.len };
		struct cap_str pa = cap_str_trim(cap_str_sub(a, ta.len, a.len));
		struct cap_str pb = cap_str_trim(cap_str_sub(b, tb.len, b.len));
		ta = cap_str_trim(ta);
		tb = cap_str_trim(tb);
		if (ta.len != tb.len || pa.len != pb.len || (pa.len && memcmp(pa.p, pb.p, pa.len)))
			return false;
		for (size_t i = 0; i < ta.len; i++)
			if (cap_lower(ta.p[i]) != cap_lower(tb.p[i]))
				return false;
		return true;
	}
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

static enum cap_drop parse_fields(struct cap_sip_msg *m, size_t *bad)
{
	bool seen[CAP_H_MAX_FORWARDS + 1] = { false };
	struct cap_str first[CAP_H_MAX_FORWARDS + 1];
	for (size_t i = 0; i < m->n_hdr; i++) {
		const struct cap_sip_hdr *h = &m->hdr[i];
		struct cap_str v = cap_str_trim(h->value);
		uint64_t n;
		*bad = (size_t)i;
		switch (h->id) {
		case CAP_H_CALL_ID:
		case CAP_H_CSEQ:
		case CAP_H_FROM:
		case CAP_H_TO:
		case CAP_H_CONTENT_LENGTH:
		case CAP_H_CONTENT_TYPE:
			/* one of these given twice: the same value again is passed over (before,
			 * the message was dropped: an INVITE the network accepted, not seen);
			 * another value is refused as before, as stacks differ on which copy
			 * counts (Kamailio keeps the first Call-ID, PJSIP the last), so limf could
			 * follow another dialog than the UA's. Over TCP the first Content-Length
			 * frames the message (tcp.c), which both keep. */
			if (seen[h->id]) {
				if (!same_value(h->id, first[h->id], v))
					return CAP_DROP_SIP_HEADER;
				continue;
			}
			seen[h->id] = true;
			first[h->id] = v;
			break;
		default: break;
		}
		switch (h->id) {
		case CAP_H_CALL_ID:
			if (v.len == 0)
				return CAP_DROP_SIP_HEADER;
			for (size_t k = 0; k < v.len; k++)
				if (cap_is_lws(v.p[k]))
					return CAP_DROP_SIP_HEADER;
			m->call_id = v;
			break;
		case CAP_H_FROM:
			if (cap_sip_party_parse(v.p, v.len, &m->from) != LIM_OK)
				return CAP_DROP_SIP_HEADER;
			break;
		case CAP_H_TO:
			if (cap_sip_party_parse(v.p, v.len, &m->to) != LIM_OK)
				return CAP_DROP_SIP_HEADER;
			break;
		case CAP_H_PAI:
			if (!parse_pai(v, m))
				return CAP_DROP_SIP_HEADER;
			break;
		case CAP_H_CSEQ: {
			size_t k = 0;
			while (k < v.len && cap_is_digit(v.p[k]))
				k++;
			/* RFC 3261 s8.1.1.5: less than 2**31 */
			if (!cap_str_u64(cap_str_sub(v, 0, k), 0x7fffffffu, &n))
				return CAP_DROP_SIP_HEADER;
			m->cseq = (uint32_t)n;
			m->cseq_method = cap_str_trim(cap_str_sub(v, k, v.len));
			if (m->cseq_method.len == 0 || k == v.len || !cap_is_lws(v.p[k]))
				return CAP_DROP_SIP_HEADER;
			for (size_t j = 0; j < m->cseq_method.len; j++)
				if (!is_token_char(m->cseq_method.p[j]))
					return CAP_DROP_SIP_HEADER;
			break;
		}
		case CAP_H_CONTENT_LENGTH:
			if (!cap_str_u64(v, CAP_SIP_MAX_MSG, &n))
				return CAP_DROP_SIP_CLEN;
			m->has_clen = true;
			m->content_length = (size_t)n;
			break;
		case CAP_H_CONTENT_TYPE: m->content_type = v; break;
		default: break;
		}
	}
	if (!m->call_id.len || !m->from.uri.len || !m->to.uri.len || !seen[CAP_H_CSEQ])
		return CAP_DROP_SIP_MISSING;
	return CAP_OK;
}

/* see capture.h */
enum lim_err cap_sip_parse(const uint8_t *buf, size_t len, struct cap_sip_msg *m)
{
	const char *s = (const char *)buf;
	size_t pos = 0, bad = 0;
	struct cap_str line;
	enum cap_drop d;

	memset(m, 0, sizeof *m);
	if (len > CAP_SIP_MAX_MSG)
		return fail(m, CAP_DROP_SIP_SIZE, CAP_SIP_MAX_MSG);
	/* RFC 3261 s7.5: CRLFs before the start line are ignored (keep-alives), however many */
	while (pos < len && (s[pos] == '\r' || s[pos] == '\n'))
		pos++;
	d = next_line(s, len, &pos, &line);
	if (d != CAP_OK)
		return fail(m, d, pos);
	if (!parse_start(line, m))
		return fail(m, CAP_DROP_SIP_START, 0);
	for (;;) {
		size_t at = pos;
		d = next_line(s, len, &pos, &line);
		if (d != CAP_OK)
			return fail(m, d, at);
		if (line.len == 0)
			break;
		if (cap_is_blank(line.p[0])) {
			/* folding: the value continues to the end of this line */
			struct cap_sip_hdr *h;
			if (m->n_hdr == 0)
				return fail(m, CAP_DROP_SIP_HEADER, at);
			h = &m->hdr[m->n_hdr - 1];
			if (cap_str_trim(line).len) {
				size_t end = (size_t)(line.p - h->value.p) + line.len;
				if (h->value.len == 0)
					h->value = cap_str_trim(line);
				else
					h->value.len = end;
				h->value = cap_str_trim(h->value);
			}
			continue;
		}
		{
			size_t i = 0;
			struct cap_sip_hdr *h;
			if (m->n_hdr >= CAP_SIP_MAX_HDRS)
				return fail(m, CAP_DROP_SIP_HDRS, at);
			while (i < line.len && is_token_char(line.p[i]))
				i++;
			if (i == 0)
				return fail(m, CAP_DROP_SIP_HEADER, at);
			h = &m->hdr[m->n_hdr];
			h->name = cap_str_sub(line, 0, i);
			while (i < line.len && cap_is_blank(line.p[i]))
				i++;
			if (i >= line.len || line.p[i] != ':')
				return fail(m, CAP_DROP_SIP_HEADER, at);
			h->value = cap_str_trim(cap_str_sub(line, i + 1, line.len));
			if (h->value.len == 0)
				h->value = cap_str_sub(line, line.len, line.len);
			h->id = header_id(h->name);
			m->n_hdr++;
		}
	}
	d = parse_fields(m, &bad);
	if (d != CAP_OK)
		return fail(m, d,
			    d == CAP_DROP_SIP_MISSING || m->n_hdr == 0
				    ? pos
				    : (size_t)(m->hdr[bad].name.p - s));
	/* body framing over UDP: RFC 3261 s18.3 */
	m->body.p = s + pos;
	m->body.len = len - pos;
	if (m->has_clen) {
		if (m->content_length > m->body.len)
			return fail(m, CAP_DROP_SIP_TRUNC, len);
		m->body.len = m->content_length;
	}
	return LIM_OK;
}

/* see capture.h */
const struct cap_sip_hdr *cap_sip_find(const struct cap_sip_msg *m, enum cap_sip_hid id,
				       size_t *from)
{
	for (size_t i = *from; i < m->n_hdr; i++)
		if (m->hdr[i].id == id) {
			*from = i + 1;
			return &m->hdr[i];
		}
	*from = m->n_hdr;
	return NULL;
}

/* see capture.h */
enum lim_err cap_sip_sdp_body(const struct cap_sip_msg *m, struct cap_str *sdp)
{
	struct cap_mime it;
	struct cap_mime_part part;

	sdp->p = NULL;
	sdp->len = 0;
	cap_mime_init(&it, m->content_type, m->body, CAP_SIP_MAX_PARTS);
	while (cap_mime_next(&it, &part)) {
		if (!cap_str_ieq(cap_media_type(part.type), "application/sdp"))
			continue;
		/* RFC 3959: a part of disposition early-session describes early media, not the
		 * session (the session's SDP is another part, of disposition session): before,
		 * such a part put first was taken, a decoy I_MESSAGE and addresses with it */
		if (part.depth > 0 && cap_str_ieq(cap_media_type(part.disp), "early-session"))
			continue;
		if (!cap_mime_identity(part.cte))
			return LIM_E_PARSE; /* base64/quoted-printable SDP: not decoded here */
		*sdp = part.content;
		return LIM_OK;
	}
	return cap_mime_err(&it, NULL, NULL);
}
