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

/* Case-insensitive equality of (s, n) and the lower-case word w. */
static bool word_eq(const char *s, size_t n, const char *w)
{
	return n == strlen(w) && prefix(s, n, w);
}

static bool visual_sep(char c)
{
	return c == '-' || c == '.' || c == '(' || c == ')' || c == ' ';
}

/* The value of an ext parameter (RFC 3966 s3: 1*phonedigit): its digits, at least one. */
static enum lim_err norm_ext(const char *s, size_t n, struct sb *b)
{
	size_t nd = 0;
	puts_n(b, ";ext=", 5);
	for (size_t i = 0; i < n; i++) {
		if (s[i] >= '0' && s[i] <= '9') {
			put(b, s[i]);
			nd++;
		} else if (!visual_sep(s[i])) {
			return LIM_E_PARSE;
		}
	}
	return nd ? LIM_OK : LIM_E_PARSE;
}

/* The value of an isub parameter (RFC 3966 s3: 1*uric): compared case-insensitively (s4),
 * so lower-cased; escapes of unreserved characters decoded, others' hex upper-cased; visual
 * separators, there for readability only (as in RFC 2806's ISUB), removed. */
static enum lim_err norm_isub(const char *s, size_t n, struct sb *b)
{
	static const char hx[] = "0123456789ABCDEF";
	size_t kept = 0;
	puts_n(b, ";isub=", 6);
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '%') {
			int hi, lo;
			if (n - i < 3 || (hi = hexval(s[i + 1])) < 0 || (lo = hexval(s[i + 2])) < 0)
				return LIM_E_PARSE;
			i += 2;
			c = (char)(hi * 16 + lo);
			if (!unreserved(c)) {
				put(b, '%');
				put(b, hx[hi]);
				put(b, hx[lo]);
				kept++;
				continue;
			}
		} else if (!unreserved(c) && !(c && strchr("/?:@&=+$,", c))) {
			return LIM_E_PARSE;
		}
		if (visual_sep(c))
			continue;
		put(b, lower(c));
		kept++;
	}
	return kept ? LIM_OK : LIM_E_PARSE;
}

/* tel: number part (after the scheme), global numbers only. RFC 3966 s3: global-number-digits
 * *par, par = ";" name ["=" value]. The number's digits, then ext and isub (the identity: an
 * extension or a subaddress behind the number, compared as s4 says) in that order whatever
 * their order in the input; other parameters (phone-context, routing data) are dropped. An ext
 * or isub given twice, an empty name or a malformed value is LIM_E_PARSE. */
static enum lim_err norm_tel(const char *s, size_t n, struct sb *b)
{
	size_t i = 0, nd = 0;
	const char *ext = NULL, *isub = NULL;
	size_t ext_n = 0, isub_n = 0;
	enum lim_err rc = LIM_OK;
	if (n == 0 || s[0] != '+')
		return LIM_E_PARSE;
	puts_n(b, "tel:+", 5);
	for (i = 1; i < n && s[i] != ';'; i++) {
		char c = s[i];
		if (c >= '0' && c <= '9') {
			put(b, c);
			nd++;
		} else if (!visual_sep(c)) {
			return LIM_E_PARSE;
		}
	}
	if (nd < 1 || nd > 15)
		return LIM_E_PARSE;
	while (i < n) { /* s[i] == ';' */
		size_t p0 = ++i, nl;
		const char *eq;
		while (i < n && s[i] != ';')
			i++;
		eq = memchr(s + p0, '=', i - p0);
		nl = eq ? (size_t)(eq - (s + p0)) : i - p0;
		if (nl == 0)
			return LIM_E_PARSE;
		for (size_t k = p0; k < p0 + nl; k++)
			if (!is_alnum(s[k]) && s[k] != '-')
				return LIM_E_PARSE;
		if (word_eq(s + p0, nl, "ext")) {
			if (ext || !eq)
				return LIM_E_PARSE;
			ext = eq + 1;
			ext_n = (size_t)(s + i - ext);
		} else if (word_eq(s + p0, nl, "isub")) {
			if (isub || !eq)
				return LIM_E_PARSE;
			isub = eq + 1;
			isub_n = (size_t)(s + i - isub);
		}
	}
	if (ext)
		rc = norm_ext(ext, ext_n, b);
	if (rc == LIM_OK && isub)
		rc = norm_isub(isub, isub_n, b);
	return rc;
}

/* RFC 3261 s19.1.6: a SIP URI with user=phone whose user part is a global telephone number
 * names the same subscriber as that tel URI. (s, n): the user part as carried (password
 * excluded). Every %XX escape is decoded first (a '+' sent as %2B is still that number: the
 * gate must not be evaded by spelling). True with the tel normal form in b when the user part
 * is a global number; false (b untouched) otherwise. */
static bool sip_phone_as_tel(const char *s, size_t n, struct sb *b)
{
	char dec[WR_URI_MAX + 1], tel[WR_URI_MAX + 1];
	size_t dn = 0;
	struct sb tb = { tel, sizeof tel, 0, false };
	for (size_t i = 0; i < n; i++) {
		int hi, lo;
		if (dn == WR_URI_MAX)
			return false;
		if (s[i] == '%' && n - i >= 3 && (hi = hexval(s[i + 1])) >= 0 &&
		    (lo = hexval(s[i + 2])) >= 0) {
			dec[dn++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			dec[dn++] = s[i];
		}
	}
	if (dn == 0 || dec[0] != '+' || memchr(dec, '\0', dn))
		return false;
	if (norm_tel(dec, dn, &tb) != LIM_OK || tb.over)
		return false;
	b->len = 0;
	b->over = false;
	puts_n(b, tel, tb.len);
	return true;
}

/* sip:/sips: after the scheme. *tel is set when the URI is a telephone number in SIP form
 * (user=phone and a global number: sip_phone_as_tel), b then holding the tel normal form. */
static enum lim_err norm_sip(const char *s, size_t n, struct sb *b, bool *tel)
{
	const char *at = memchr(s, '@', n);
	const char *host = s, *end = s + n;
	const char *u = NULL, *ue = NULL;
	*tel = false;
	puts_n(b, "sip:", 4);
	if (at) {
		u = s;
		ue = at;
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
	/* uri-parameters (RFC 3261 s19.1.1): only user=phone matters to the identity; names and
	 * values compared case-insensitively (s19.1.4) */
	while (p < end && *p == ';') {
		const char *p0 = ++p, *eq = NULL;
		while (p < end && *p != ';' && *p != '?') {
			if (*p == '=' && !eq)
				eq = p;
			p++;
		}
		if (u && eq && word_eq(p0, (size_t)(eq - p0), "user") &&
		    word_eq(eq + 1, (size_t)(p - eq - 1), "phone") &&
		    sip_phone_as_tel(u, (size_t)(ue - u), b))
			*tel = true;
	}
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
	bool mcptt = false, tel = false;

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
	/* name-addr: the first '<' outside the display name's quoted-string (RFC 3261 s25.1:
	 * a '<' inside quotes is text, and the quoted-pair \" does not end the quotes) */
	const char *lt = NULL;
	bool quoted = false;
	for (size_t i = 0; i < n && !lt; i++) {
		if (quoted && s[i] == '\\' && i + 1 < n)
			i++;
		else if (s[i] == '"')
			quoted = !quoted;
		else if (!quoted && s[i] == '<')
			lt = s + i;
	}
	if (quoted || (!lt && n && s[0] == '"'))
		return LIM_E_PARSE; /* quotes never closed, or a display name without <addr> */
	if (lt) {                   /* name-addr */
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
		rc = norm_sip(s + 4, n - 4, &b, &tel);
	} else if (prefix(s, n, "sips:")) {
		rc = norm_sip(s + 5, n - 5, &b, &tel);
	} else if (mcptt && memchr(s, '@', n) && !memchr(s, ':', n)) {
		rc = norm_sip(s, n, &b, &tel); /* bare user@host MCPTT ID */
	} else {
		rc = LIM_E_PARSE;
	}
	if (tel)
		*kind = WR_KIND_TEL;
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
