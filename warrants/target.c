/* warrants/ target identities: normalisation (rules in warrants.h) and names. */
#include <string.h>

#include "warrants/warrants.h"

struct sb {
	char *p;
	size_t cap, len;
	bool over;
};

static void put(struct sb *b, char c)
{
	if (b->len + 1 >= b->cap) {
		b->over = true;
		return;
	}
	b->p[b->len++] = c;
	b->p[b->len] = '\0';
}

static void puts_n(struct sb *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put(b, s[i]);
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Case-insensitive prefix test on (s, n). */
static bool prefix(const char *s, size_t n, const char *pre)
{
	size_t k = strlen(pre);
	if (n < k)
		return false;
	for (size_t i = 0; i < k; i++)
		if (lower(s[i]) != pre[i])
			return false;
	return true;
}

/* RFC 3261 s25.1 unreserved (mark included). */
static bool unreserved(char c)
{
	return is_alnum(c) || (c && strchr("-_.!~*'()", c));
}

/* tel: number part (after the scheme), global numbers only. */
static enum lim_err norm_tel(const char *s, size_t n, struct sb *b)
{
	size_t i = 0, nd = 0;
	if (n == 0 || s[0] != '+')
		return LIM_E_PARSE;
	puts_n(b, "tel:+", 5);
	for (i = 1; i < n && s[i] != ';'; i++) {
		char c = s[i];
		if (c >= '0' && c <= '9') {
			put(b, c);
			nd++;
		} else if (!strchr("-.() ", c)) {
			return LIM_E_PARSE;
		}
	}
	if (nd < 1 || nd > 15)
		return LIM_E_PARSE;
	return LIM_OK;
}

/* sip:/sips: after the scheme. */
static enum lim_err norm_sip(const char *s, size_t n, struct sb *b)
{
	const char *at = memchr(s, '@', n);
	const char *host = s, *end = s + n;
	puts_n(b, "sip:", 4);
	if (at) {
		const char *u = s, *ue = at;
		const char *colon = memchr(s, ':', (size_t)(at - s));
		if (colon)
			ue = colon; /* password dropped */
		if (ue == u)
			return LIM_E_PARSE;
		for (const char *p = u; p < ue; p++) {
			char c = *p;
			if (c == '%') {
				int hi, lo;
				if (ue - p < 3 || (hi = hexval(p[1])) < 0 ||
				    (lo = hexval(p[2])) < 0)
					return LIM_E_PARSE;
				char d = (char)(hi * 16 + lo);
				if (unreserved(d)) {
					put(b, d);
				} else {
					static const char hx[] = "0123456789ABCDEF";
					put(b, '%');
					put(b, hx[hi]);
					put(b, hx[lo]);
				}
				p += 2;
			} else if (unreserved(c) || strchr("&=+$,;?/", c)) {
				put(b, c);
			} else {
				return LIM_E_PARSE;
			}
		}
		put(b, '@');
		host = at + 1;
	}
	/* hostport ends at parameters or headers */
	const char *he = host;
	if (he < end && *he == '[') {
		while (he < end && *he != ']')
			he++;
		if (he == end)
			return LIM_E_PARSE;
		he++;
		for (const char *p = host + 1; p < he - 1; p++)
			if (hexval(*p) < 0 && *p != ':' && *p != '.')
				return LIM_E_PARSE;
		if (he - host < 3)
			return LIM_E_PARSE;
	} else {
		while (he < end && (is_alnum(*he) || *he == '-' || *he == '.'))
			he++;
		if (he == host || *host == '-' || *host == '.')
			return LIM_E_PARSE;
	}
	for (const char *p = host; p < he; p++)
		put(b, lower(*p));
	const char *p = he;
	if (p < end && *p == ':') { /* port dropped */
		p++;
		const char *d0 = p;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		if (p == d0 || p - d0 > 5)
			return LIM_E_PARSE;
	}
	if (p < end && *p != ';' && *p != '?')
		return LIM_E_PARSE;
	return LIM_OK;
}

/* see warrants.h */
enum lim_err wr_target_normalise(const char *in, size_t len, enum wr_kind *kind, char *out,
				 size_t cap)
{
	const char *s = in;
	size_t n = len;
	struct sb b = { out, cap, 0, false };
	enum lim_err rc;
	bool mcptt = false;

	*kind = WR_KIND_SIP;
	if (cap == 0)
		return LIM_E_LIMIT;
	out[0] = '\0';
	if (!in)
		return LIM_E_PARSE;
	if (memchr(in, '\0', len))
		return LIM_E_PARSE;
	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	const char *lt = memchr(s, '<', n);
	if (lt) { /* name-addr */
		const char *gt = memchr(lt, '>', n - (size_t)(lt - s));
		if (!gt)
			return LIM_E_PARSE;
		s = lt + 1;
		n = (size_t)(gt - s);
	}
	if (prefix(s, n, "mcptt:")) {
		mcptt = true;
		s += 6;
		n -= 6;
	}
	if (n == 0)
		return LIM_E_PARSE;
	if (prefix(s, n, "tel:")) {
		*kind = WR_KIND_TEL;
		rc = norm_tel(s + 4, n - 4, &b);
	} else if (s[0] == '+' && !memchr(s, '@', n)) {
		*kind = WR_KIND_TEL;
		rc = norm_tel(s, n, &b);
	} else if (prefix(s, n, "sip:")) {
		rc = norm_sip(s + 4, n - 4, &b);
	} else if (prefix(s, n, "sips:")) {
		rc = norm_sip(s + 5, n - 5, &b);
	} else if (mcptt && memchr(s, '@', n) && !memchr(s, ':', n)) {
		rc = norm_sip(s, n, &b); /* bare user@host MCPTT ID */
	} else {
		rc = LIM_E_PARSE;
	}
	if (mcptt)
		*kind = WR_KIND_MCPTT;
	if (rc == LIM_OK && b.over)
		rc = LIM_E_LIMIT;
	if (rc != LIM_OK)
		out[0] = '\0';
	return rc;
}

/* see warrants.h */
const char *wr_status_name(enum wr_status s)
{
	switch (s) {
	case WR_ACTIVE: return "active";
	case WR_SUSPENDED: return "suspended";
	case WR_REVOKED: return "revoked";
	}
	return "?";
}

/* see warrants.h */
const char *wr_scope_name(enum wr_scope s)
{
	return s == WR_SCOPE_IRI_CC ? "iri+cc" : "iri";
}

/* see warrants.h */
const char *wr_kind_name(enum wr_kind k)
{
	switch (k) {
	case WR_KIND_TEL: return "tel";
	case WR_KIND_SIP: return "sip";
	case WR_KIND_MCPTT: return "mcptt";
	}
	return "?";
}

/* see warrants.h */
bool wr_scope_parse(const char *s, enum wr_scope *out)
{
	if (strcmp(s, "iri") == 0)
		*out = WR_SCOPE_IRI;
	else if (strcmp(s, "iri+cc") == 0)
		*out = WR_SCOPE_IRI_CC;
	else
		return false;
	return true;
}
