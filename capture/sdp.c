/* SDP parser (RFC 8866; key management attribute RFC 4567) over a length-bounded cursor
 * (see capture.h). */
#include <arpa/inet.h>
#include <string.h>

#include "capture/capture.h"
#include "capture/internal.h"

/* s[from, to); callers keep from <= to <= s.len. An empty view may have p NULL. */
static struct cap_str sub(struct cap_str s, size_t from, size_t to)
{
	struct cap_str r = { s.p ? s.p + from : NULL, to - from };
	return r;
}

/* Next blank-separated token of *s (consumed). */
static struct cap_str token(struct cap_str *s)
{
	size_t i = 0, j;
	while (i < s->len && cap_is_blank(s->p[i]))
		i++;
	j = i;
	while (j < s->len && !cap_is_blank(s->p[j]))
		j++;
	{
		struct cap_str t = sub(*s, i, j);
		*s = sub(*s, j, s->len);
		return t;
	}
}

static bool parse_ip4(struct cap_str s, uint8_t out[4])
{
	size_t i = 0;
	for (int k = 0; k < 4; k++) {
		size_t st = i;
		uint64_t v;
		while (i < s.len && cap_is_digit(s.p[i]))
			i++;
		if (i - st > 3 || !cap_str_u64(sub(s, st, i), 255, &v))
			return false;
		out[k] = (uint8_t)v;
		if (k < 3) {
			if (i >= s.len || s.p[i] != '.')
				return false;
			i++;
		}
	}
	return i == s.len;
}

/* An IPv6 address literal; false for anything else (an FQDN). */
static bool parse_ip6(struct cap_str s, uint8_t out[16])
{
	char tmp[64];
	if (s.len == 0 || s.len >= sizeof tmp)
		return false;
	memcpy(tmp, s.p, s.len);
	tmp[s.len] = '\0';
	return inet_pton(AF_INET6, tmp, out) == 1;
}

/* "IN IP4 addr[/ttl[/n]]" or "IN IP6 addr[/n]". FQDNs leave family 0 (not an error). */
static bool parse_conn(struct cap_str v, struct cap_addr *a)
{
	struct cap_str nt = token(&v), at = token(&v), addr = token(&v);
	size_t slash = 0;
	memset(a, 0, sizeof *a);
	if (!cap_str_eq(nt, "IN") || addr.len == 0 || cap_str_trim(v).len != 0)
		return false;
	while (slash < addr.len && addr.p[slash] != '/')
		slash++;
	addr = sub(addr, 0, slash);
	if (cap_str_eq(at, "IP4")) {
		if (parse_ip4(addr, a->a))
			a->family = 4;
		else
			memset(a->a, 0, sizeof a->a);
		return true;
	}
	if (cap_str_eq(at, "IP6")) {
		if (parse_ip6(addr, a->a))
			a->family = 6;
		else
			memset(a->a, 0, sizeof a->a);
		return true;
	}
	return false;
}

/* RFC 3605: "<port> [IN IP4|IP6 <address>]". A bad port leaves the line unused; an address
 * that does not parse (or an FQDN) leaves the port alone, on c=. */
static void parse_rtcp(struct cap_str v, struct cap_sdp_media *m)
{
	struct cap_str pv = token(&v);
	struct cap_addr a = { 0 };
	uint64_t port;
	if (!cap_str_u64(pv, 65535, &port) || port == 0)
		return;
	m->rtcp_port = (uint16_t)port;
	if (cap_str_trim(v).len && parse_conn(v, &a))
		m->rtcp_addr = a;
}

/* RFC 8839 s5.1: "<foundation> <component-id> <transport> <priority> <connection-address>
 * <port> typ <cand-type> [raddr <a> rport <p>] *(<name> <value>)". Kept (see capture.h): UDP,
 * component 1 or 2, an address literal, port not 0. Anything else, a line that does not parse
 * among them, is passed over. */
static void parse_cand(struct cap_str v, struct cap_sdp_media *m)
{
	struct cap_str fnd = token(&v), comp = token(&v), tr = token(&v), prio = token(&v);
	struct cap_str addr = token(&v), port = token(&v), typ = token(&v), type = token(&v);
	struct cap_sdp_cand c;
	uint64_t n, p, pri;
	memset(&c, 0, sizeof c);
	if (fnd.len == 0 || fnd.len > 32 || !cap_str_u64(comp, 256, &n) || n == 0 ||
	    !cap_str_ieq(tr, "UDP") || !cap_str_u64(prio, 0xffffffffu, &pri) ||
	    !cap_str_u64(port, 65535, &p) || p == 0 || !cap_str_ieq(typ, "typ") || type.len == 0)
		return;
	if (n > 2) /* not RTP or RTCP */
		return;
	if (parse_ip4(addr, c.addr.a)) {
		c.addr.family = 4;
	} else {
		memset(c.addr.a, 0, sizeof c.addr.a);
		if (!parse_ip6(addr, c.addr.a))
			return;
		c.addr.family = 6;
	}
	c.port = (uint16_t)p;
	c.component = (uint8_t)n;
	c.priority = (uint32_t)pri;
	for (size_t i = 0; i < m->n_cand; i++) /* (copies must not fill the list) */
		if (m->cand[i].port == c.port && cap_addr_eq(&m->cand[i].addr, &c.addr))
			return;
	if (m->n_cand == CAP_SDP_MAX_CAND) {
		/* full: one goes, the lowest priority (the later of equals) if below c's */
		size_t lo = 0;
		m->n_cand_over++;
		for (size_t i = 1; i < m->n_cand; i++)
			if (m->cand[i].priority <= m->cand[lo].priority)
				lo = i;
		if (m->cand[lo].priority >= c.priority)
			return;
		memmove(&m->cand[lo], &m->cand[lo + 1], (m->n_cand - lo - 1) * sizeof m->cand[0]);
		m->cand[m->n_cand - 1] = c;
		return;
	}
	m->cand[m->n_cand++] = c;
}

/* RFC 8839 s5.4: "a=ice-ufrag:" 4*256ice-char, ice-char = ALPHA / DIGIT / "+" / "/". Another
 * value is passed over (the line's ufrag then the session's). */
static void parse_ufrag(struct cap_str v, struct cap_str *out)
{
	v = cap_str_trim(v);
	if (v.len < 4 || v.len > 256)
		return;
	for (size_t i = 0; i < v.len; i++) {
		char ch = v.p[i];
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= '0' && ch <= '9') || ch == '+' || ch == '/'))
			return;
	}
	*out = v;
}

static bool parse_media(struct cap_str v, struct cap_sdp_media *m)
{
	struct cap_str port = token(&v), pn;
	size_t slash = 0;
	uint64_t n;
	m->media = token(&port);
	port = token(&v);
	m->proto = token(&v);
	if (m->media.len == 0 || port.len == 0 || m->proto.len == 0)
		return false;
	while (slash < port.len && port.p[slash] != '/')
		slash++;
	if (!cap_str_u64(sub(port, 0, slash), 65535, &n))
		return false;
	m->port = (uint16_t)n;
	m->nports = 1;
	if (slash < port.len) {
		pn = sub(port, slash + 1, port.len);
		if (!cap_str_u64(pn, 65535, &n) || n == 0)
			return false;
		m->nports = (uint16_t)n;
	}
	for (;;) {
		struct cap_str f = token(&v);
		if (f.len == 0)
			break;
		if (cap_str_u64(f, 127, &n) && m->n_fmt < CAP_SDP_MAX_FMT)
			m->fmt[m->n_fmt++] = (uint8_t)n;
	}
	return true;
}

/* "<pt> <encoding>/<clock>[/<params>]" */
static void parse_rtpmap(struct cap_str v, struct cap_sdp_media *m)
{
	struct cap_str pt = token(&v), enc = cap_str_trim(v);
	struct cap_sdp_rtpmap *r;
	size_t s1 = 0, s2;
	uint64_t n, clk;
	if (m->n_rtpmap >= CAP_SDP_MAX_RTPMAP || !cap_str_u64(pt, 127, &n))
		return;
	while (s1 < enc.len && enc.p[s1] != '/')
		s1++;
	if (s1 == 0 || s1 == enc.len)
		return;
	s2 = s1 + 1;
	while (s2 < enc.len && enc.p[s2] != '/')
		s2++;
	if (!cap_str_u64(sub(enc, s1 + 1, s2), 0xffffffffu, &clk))
		return;
	r = &m->rtpmap[m->n_rtpmap++];
	r->pt = (uint8_t)n;
	r->encoding = sub(enc, 0, s1);
	r->clock = (uint32_t)clk;
	r->params = s2 < enc.len ? sub(enc, s2 + 1, enc.len) : sub(enc, enc.len, enc.len);
}

static bool is_b64(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || cap_is_digit(c) || c == '+' ||
	       c == '/' || c == '=';
}

/* "mikey <data>" (RFC 4567 s3.1: key-mgmt:<prtcl-id> <keymgmt-data>) */
static void parse_key_mgmt(struct cap_str v, struct cap_str *dst, size_t *bad)
{
	struct cap_str id = token(&v), data = cap_str_trim(v);
	if (!cap_str_ieq(id, "mikey"))
		return;
	if (data.len == 0) {
		(*bad)++;
		return;
	}
	for (size_t i = 0; i < data.len; i++)
		if (!is_b64(data.p[i])) {
			(*bad)++;
			return;
		}
	if (dst->len == 0)
		*dst = data;
}

/* see capture.h */
enum lim_err cap_sdp_parse(const uint8_t *buf, size_t len, struct cap_sdp *out)
{
	const char *s = (const char *)buf;
	size_t pos = 0, lines = 0;
	bool seen_v = false;
	struct cap_sdp_media *cur = NULL;

	memset(out, 0, sizeof *out);
	if (len > CAP_SDP_MAX_SIZE)
		return LIM_E_LIMIT;
	while (pos < len) {
		size_t e = pos, at = pos;
		struct cap_str l, v;
		while (e < len && s[e] != '\n') {
			if (s[e] == '\0') {
				out->err_offset = e;
				return LIM_E_PARSE;
			}
			e++;
		}
		l.p = s + pos;
		l.len = e - pos;
		pos = e < len ? e + 1 : e;
		if (l.len && l.p[l.len - 1] == '\r')
			l.len--;
		if (l.len > CAP_SDP_MAX_LINE || ++lines > CAP_SDP_MAX_LINES) {
			out->err_offset = at;
			return LIM_E_LIMIT;
		}
		if (l.len == 0)
			continue;
		if (l.len < 2 || l.p[1] != '=') {
			out->err_offset = at;
			return LIM_E_PARSE;
		}
		v = sub(l, 2, l.len);
		if (!seen_v) {
			if (l.p[0] != 'v') {
				out->err_offset = at;
				return LIM_E_PARSE;
			}
			seen_v = true;
			continue;
		}
		switch (l.p[0]) {
		case 'o': out->origin = v; break;
		case 'c':
			if (!parse_conn(v, cur ? &cur->conn : &out->conn)) {
				out->err_offset = at;
				return LIM_E_PARSE;
			}
			if (cur)
				cur->has_conn = true;
			break;
		case 'm':
			if (out->n_media >= CAP_SDP_MAX_MEDIA) {
				out->err_offset = at;
				return LIM_E_LIMIT;
			}
			cur = &out->media[out->n_media++];
			if (!parse_media(v, cur)) {
				out->err_offset = at;
				return LIM_E_PARSE;
			}
			break;
		case 'a': {
			size_t c = 0;
			struct cap_str name, val;
			while (c < v.len && v.p[c] != ':')
				c++;
			name = sub(v, 0, c);
			val = c < v.len ? sub(v, c + 1, v.len) : sub(v, v.len, v.len);
			if (cap_str_eq(name, "key-mgmt"))
				parse_key_mgmt(val, cur ? &cur->key_mgmt : &out->key_mgmt,
					       &out->n_bad_key_mgmt);
			else if (cur && cap_str_eq(name, "rtpmap"))
				parse_rtpmap(val, cur);
			else if (cur && cap_str_eq(name, "crypto"))
				cur->has_crypto = true;
			else if (cur && cap_str_eq(name, "rtcp-mux"))
				cur->rtcp_mux = true;
			else if (cur && cap_str_eq(name, "rtcp"))
				parse_rtcp(val, cur);
			else if (cur && cap_str_eq(name, "candidate"))
				parse_cand(val, cur);
			else if (cap_str_eq(name, "ice-ufrag"))
				parse_ufrag(val, cur ? &cur->ice_ufrag : &out->ice_ufrag);
			break;
		}
		default: break;
		}
	}
	if (!seen_v)
		return LIM_E_PARSE;
	/* a line's own c= overrides the session's (RFC 8866 s5.7), an FQDN too: its media are at
	 * an address a tap cannot bind, not at the session's (which another stream or call may
	 * use: claiming it for this line would contest theirs) */
	for (size_t i = 0; i < out->n_media; i++) {
		if (!out->media[i].has_conn)
			out->media[i].conn = out->conn;
		if (out->media[i].ice_ufrag.len == 0) /* RFC 8839 s5.4: session level */
			out->media[i].ice_ufrag = out->ice_ufrag;
	}
	return LIM_OK;
}

/* see capture.h */
struct cap_str cap_sdp_key_mgmt(const struct cap_sdp *s, size_t i)
{
	if (i < s->n_media && s->media[i].key_mgmt.len)
		return s->media[i].key_mgmt;
	return s->key_mgmt;
}

/* see capture.h */
bool cap_addr_eq(const struct cap_addr *a, const struct cap_addr *b)
{
	return a->family == b->family && memcmp(a->a, b->a, sizeof a->a) == 0;
}

/* see capture.h */
void cap_addr_str(const struct cap_addr *a, char *buf, size_t cap)
{
	if (cap == 0)
		return;
	buf[0] = '\0';
	if (cap > (size_t)0x7fffffff)
		cap = 0x7fffffff;
	if (a->family == 4)
		(void)inet_ntop(AF_INET, a->a, buf, (socklen_t)cap);
	else if (a->family == 6)
		(void)inet_ntop(AF_INET6, a->a, buf, (socklen_t)cap);
}
