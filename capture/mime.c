/* MIME multipart walk (RFC 2046 s5.1, RFC 2045) over a length-bounded body, shared by the SIP
 * SDP lookup and the GMK body scan (see internal.h). No octet is special, the input is never
 * written, nothing is allocated; every offset is tested against the view it indexes. */
#include <string.h>

#include "capture/internal.h"

/* see internal.h */
bool cap_str_prefix_ieq(struct cap_str s, const char *lit)
{
	size_t n = strlen(lit);
	return s.len >= n && cap_str_ieq(cap_str_sub(s, 0, n), lit);
}

/* see internal.h */
struct cap_str cap_media_type(struct cap_str ctype)
{
	size_t i = 0;
	bool q = false;
	while (i < ctype.len) {
		char x = ctype.p[i];
		if (q && x == '\\' && ctype.len - i >= 2) {
			i += 2; /* quoted-pair */
			continue;
		}
		if (x == '"')
			q = !q;
		else if (x == ';' && !q)
			break;
		i++;
	}
	return cap_str_trim(cap_str_sub(ctype, 0, i));
}

/* see internal.h */
bool cap_mime_identity(struct cap_str cte)
{
	return cte.len == 0 || cap_str_ieq(cte, "7bit") || cap_str_ieq(cte, "8bit") ||
	       cap_str_ieq(cte, "binary");
}

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || cap_is_digit(c);
}

/* RFC 2046 s5.1.1 bchars; the space is allowed only quoted and not last. */
static bool is_bchar(char c, bool quoted)
{
	if (is_alnum(c) || c == '\'' || c == '+' || c == '_' || c == '-' || c == '.')
		return true; /* also token characters (RFC 2045 s5.1): fine unquoted */
	if (!quoted)
		return false;
	return c == '(' || c == ')' || c == ',' || c == '/' || c == ':' || c == '=' || c == '?' ||
	       c == ' ';
}

/* Records the first failure (sticky); returns false for the callers' convenience. */
static bool fail(struct cap_mime *it, enum lim_err e, const char *why, const char *at)
{
	if (it->err == LIM_OK) {
		it->err = e;
		it->why = why;
		it->at = at;
	}
	return false;
}

/* The boundary parameter of ctype into lv (see internal.h for what is accepted). */
static bool get_boundary(struct cap_mime *it, struct cap_str ctype, struct cap_mime_level *lv)
{
	struct cap_str v;
	bool quoted;
	size_t n = 0;
	lv->bnd_len = 0;
	if (!cap_param(ctype, "boundary", &v))
		return fail(it, LIM_E_PARSE, "multipart: no boundary parameter", ctype.p);
	/* cap_param drops the quotes of a quoted-string; they still surround the view */
	quoted = v.p && v.p > ctype.p && v.p[-1] == '"' &&
		 (size_t)(v.p - ctype.p) + v.len < ctype.len && v.p[v.len] == '"';
	for (size_t i = 0; i < v.len; i++) {
		char x = v.p[i];
		if (quoted && x == '\\') {
			/* RFC 822 quoted-pair: the next character stands for itself */
			if (++i == v.len)
				return fail(it, LIM_E_PARSE,
					    "multipart: boundary ends in a lone backslash",
					    v.p + i);
			x = v.p[i];
		}
		if (!is_bchar(x, quoted))
			return fail(
				it, LIM_E_PARSE,
				quoted ? "multipart: boundary character not in RFC 2046 bchars"
				       : "multipart: unquoted boundary is not a token of bchars",
				v.p + i);
		if (n == CAP_MIME_MAX_BOUNDARY)
			return fail(it, LIM_E_PARSE,
				    "multipart: boundary longer than 70 characters", v.p);
		lv->bnd[n++] = x;
	}
	if (n == 0)
		return fail(it, LIM_E_PARSE, "multipart: empty boundary", v.p ? v.p : ctype.p);
	if (lv->bnd[n - 1] == ' ')
		return fail(it, LIM_E_PARSE, "multipart: boundary ends in a space", v.p);
	lv->bnd_len = n;
	return true;
}

/* Offset of the first line at or after from that starts with "--" boundary, or body.len. from
 * is 0 or follows a LF: the delimiter must open a line (RFC 2046 s5.1.1). */
static size_t find_delim(const struct cap_mime_level *lv, size_t from)
{
	struct cap_str b = lv->body;
	size_t i = from;
	while (i < b.len) {
		const char *lf;
		if (b.len - i >= lv->bnd_len + 2 && b.p[i] == '-' && b.p[i + 1] == '-' &&
		    memcmp(b.p + i + 2, lv->bnd, lv->bnd_len) == 0)
			return i;
		lf = memchr(b.p + i, '\n', b.len - i);
		if (!lf)
			break;
		i = (size_t)(lf - b.p) + 1;
	}
	return b.len;
}

/* Opens the multipart entity body (Content-Type ctype) as a new level. */
static bool open_level(struct cap_mime *it, struct cap_str ctype, struct cap_str body)
{
	struct cap_mime_level *lv;
	if (it->n_lv == CAP_SIP_MAX_DEPTH)
		return fail(it, LIM_E_LIMIT, "multipart: nested too deep", body.p);
	lv = &it->lv[it->n_lv];
	if (!get_boundary(it, ctype, lv))
		return false;
	lv->body = body;
	lv->pos = find_delim(lv, 0); /* what lies before is the preamble */
	if (lv->pos == body.len)
		return fail(it, LIM_E_PARSE, "multipart: no boundary delimiter in body", body.p);
	it->n_lv++;
	return true;
}

/* Part headers of part (see internal.h) into p->type, p->cte, p->disp, p->content. */
static bool part_headers(struct cap_mime *it, struct cap_str part, struct cap_mime_part *p)
{
	struct cap_str other = { NULL, 0 }, *last = NULL;
	bool have_type = false, have_cte = false, have_disp = false;
	size_t i = 0, n_hdr = 0;
	p->content = cap_str_sub(part, part.len, part.len); /* headers only, unless a blank line */
	while (i < part.len) {
		const char *lf = memchr(part.p + i, '\n', part.len - i);
		size_t e = lf ? (size_t)(lf - part.p) : part.len, k = 0;
		struct cap_str l = cap_str_sub(part, i, e);
		if (l.len && l.p[l.len - 1] == '\r')
			l.len--;
		if (l.len == 0) {
			p->content = cap_str_sub(part, e < part.len ? e + 1 : e, part.len);
			break;
		}
		if (l.len > CAP_SIP_MAX_LINE)
			return fail(it, LIM_E_LIMIT, "multipart: part header line too long", l.p);
		for (size_t j = 0; j < l.len; j++) {
			unsigned char c = (unsigned char)l.p[j];
			if ((c < 0x20 && c != '\t') || c == 0x7f)
				return fail(it, LIM_E_PARSE,
					    "multipart: control character in a part header",
					    l.p + j);
		}
		if (cap_is_blank(l.p[0])) {
			/* RFC 5322 s2.2.3 unfolding: the field before runs on */
			if (!last)
				return fail(it, LIM_E_PARSE,
					    "multipart: continuation line with no header before it",
					    l.p);
			if (last->p)
				last->len = (size_t)(l.p + l.len - last->p);
		} else {
			struct cap_str v;
			/* RFC 5322 s3.6.8 field-name: printable ASCII but ':' */
			while (k < l.len && l.p[k] > ' ' && l.p[k] < 0x7f && l.p[k] != ':')
				k++;
			v = cap_str_sub(l, k, l.len);
			while (v.len && cap_is_blank(v.p[0])) {
				v.p++;
				v.len--;
			}
			if (k == 0 || v.len == 0 || v.p[0] != ':')
				return fail(it, LIM_E_PARSE,
					    "multipart: part header line is not a field", l.p);
			if (++n_hdr > CAP_MIME_MAX_HDRS)
				return fail(it, LIM_E_LIMIT,
					    "multipart: too many part header fields", l.p);
			v = cap_str_sub(v, 1, v.len);
			if (cap_str_ieq(cap_str_sub(l, 0, k), "content-type")) {
				if (have_type)
					return fail(it, LIM_E_PARSE,
						    "multipart: two Content-Type fields in a part",
						    l.p);
				have_type = true;
				p->type = v;
				last = &p->type;
			} else if (cap_str_ieq(cap_str_sub(l, 0, k), "content-transfer-encoding")) {
				if (have_cte)
					return fail(
						it, LIM_E_PARSE,
						"multipart: two Content-Transfer-Encoding fields "
						"in a part",
						l.p);
				have_cte = true;
				p->cte = v;
				last = &p->cte;
			} else if (!have_disp &&
				   cap_str_ieq(cap_str_sub(l, 0, k), "content-disposition")) {
				have_disp = true;
				p->disp = v;
				last = &p->disp;
			} else {
				last = &other; /* its continuation lines are skipped */
			}
		}
		if (e == part.len)
			break;
		i = e + 1;
	}
	p->type = cap_str_trim(p->type);
	p->cte = cap_str_trim(p->cte);
	p->disp = cap_str_trim(p->disp);
	return true;
}

/* Reads the delimiter line at lv->pos and, unless it is the close delimiter, the part after it
 * up to the next delimiter. 1: a part in *p; 0: the close delimiter; -1: error. */
static int next_part(struct cap_mime *it, struct cap_mime_level *lv, struct cap_mime_part *p)
{
	struct cap_str b = lv->body;
	size_t i = lv->pos + 2 + lv->bnd_len, start, next, end;
	bool close = false;
	if (b.len - i >= 2 && b.p[i] == '-' && b.p[i + 1] == '-') {
		close = true;
		i += 2;
	}
	if (close && lv->n == 0) {
		fail(it, LIM_E_PARSE, "multipart: close delimiter before any part", b.p + lv->pos);
		return -1;
	}
	while (i < b.len && cap_is_blank(b.p[i]))
		i++; /* transport-padding := *LWSP-char (RFC 2046 s5.1.1) */
	if (i == b.len) {
		if (close)
			return 0;
		fail(it, LIM_E_PARSE, "multipart: truncated delimiter line (body ends after it)",
		     b.p + i);
		return -1;
	}
	if (b.p[i] == '\r' && b.len - i >= 2 && b.p[i + 1] == '\n') {
		i += 2;
	} else if (b.p[i] == '\n') {
		i++;
	} else {
		fail(it, LIM_E_PARSE, "multipart: junk after the boundary in a delimiter line",
		     b.p + i);
		return -1;
	}
	if (close)
		return 0; /* the epilogue is ignored */
	start = i;
	next = find_delim(lv, start);
	if (next == b.len) {
		fail(it, LIM_E_PARSE, "multipart: no close delimiter", b.p + start);
		return -1;
	}
	/* the CRLF before the delimiter belongs to it (RFC 2046 s5.1.1) */
	end = next;
	if (end > start && b.p[end - 1] == '\n')
		end--;
	if (end > start && b.p[end - 1] == '\r')
		end--;
	lv->pos = next;
	lv->n++;
	return part_headers(it, cap_str_sub(b, start, end), p) ? 1 : -1;
}

/* see internal.h */
void cap_mime_init(struct cap_mime *it, struct cap_str ctype, struct cap_str body, size_t max_parts)
{
	memset(it, 0, sizeof *it);
	it->type = ctype;
	it->body = body;
	it->max_parts = max_parts;
}

/* see internal.h */
bool cap_mime_next(struct cap_mime *it, struct cap_mime_part *part)
{
	memset(part, 0, sizeof *part);
	if (it->err != LIM_OK || it->done)
		return false;
	if (!it->started) {
		it->started = true;
		if (!cap_str_prefix_ieq(cap_media_type(it->type), "multipart/")) {
			part->type = cap_str_trim(it->type);
			part->content = it->body;
			it->done = true;
			return true;
		}
		if (!open_level(it, it->type, it->body))
			return false;
	}
	while (it->n_lv > 0) {
		struct cap_mime_part p;
		int r;
		memset(&p, 0, sizeof p);
		r = next_part(it, &it->lv[it->n_lv - 1], &p);
		if (r < 0)
			return false;
		if (r == 0) {
			it->n_lv--;
			continue;
		}
		if (++it->n_parts > it->max_parts)
			return fail(it, LIM_E_LIMIT, "multipart: too many parts", p.content.p);
		if (cap_str_prefix_ieq(cap_media_type(p.type), "multipart/")) {
			if (!cap_mime_identity(p.cte))
				return fail(it, LIM_E_PARSE,
					    "multipart: encoded multipart entity (RFC 2045 s6.4)",
					    p.content.p);
			if (!open_level(it, p.type, p.content))
				return false;
			continue;
		}
		p.depth = it->n_lv;
		*part = p;
		return true;
	}
	it->done = true;
	return false;
}

/* see internal.h */
enum lim_err cap_mime_err(const struct cap_mime *it, const char **why, const char **at)
{
	if (why)
		*why = it->err != LIM_OK ? it->why : "ok";
	if (at)
		*at = it->err != LIM_OK ? it->at : NULL;
	return it->err;
}
