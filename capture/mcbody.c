/* GMK I_MESSAGEs in SIP bodies: leaves of the MIME walk (capture/mime.c), bounded XML scan (see
 * mcbody.h). Every input length is tested against the view it came from; the XML scanner
 * refuses DTDs outright and never allocates. */
#include <stdlib.h>
#include <string.h>

#include "capture/internal.h"
#include "capture/mcbody.h"
#include "common/codec.h"

#define MC_MAX_GID_REC 32 /* group-id elements remembered per XML part */

struct mc_gid {
	uint32_t parent; /* id of the parent element */
	struct cap_str text;
	bool cdata; /* text is a CDATA section's inside: no references in it */
};

struct mc_frame {
	struct cap_str name;  /* qualified name as written */
	size_t content_start; /* offset of the first octet after the start tag */
	uint32_t id, parent;
	bool has_child;
	struct cap_str ls_uri; /* <list-service uri=...> (len 0 otherwise) */
	bool is_ls;
	struct cap_str id_attr; /* id="..." (the GKTP id, TS 24.481) */
	struct cap_str tmp_gid; /* <on-network-regrouped-GKTPs temporary-MCPTT-group-ID=...> */
};

struct mc_ctx {
	struct cap_mc_result *out;
	const char *top; /* the outermost body, for err_offset */
	size_t top_len;
	uint8_t *scratch; /* bump allocator for decoded parts */
	size_t scap, sused;
	char b64[2 * CAP_MC_IMSG_MAX + 8]; /* hex/base64 text with whitespace removed */
	/* per XML part */
	struct mc_frame st[CAP_MC_XML_MAX_DEPTH];
	struct mc_gid gid[MC_MAX_GID_REC];
	size_t n_gid;
	uint32_t imsg_parent[CAP_MC_MAX_IMSG];
	struct cap_str part_type;
	struct cap_mc_imsg tmp; /* candidate being decoded */
};

static enum lim_err fail(struct mc_ctx *c, enum lim_err e, const char *why, const char *at)
{
	if (c->out->err_detail == NULL || strcmp(c->out->err_detail, "ok") == 0) {
		c->out->err_detail = why;
		c->out->err_offset = 0;
		if (at && at >= c->top && (size_t)(at - c->top) <= c->top_len)
			c->out->err_offset = (size_t)(at - c->top);
	}
	return e;
}

static bool suffix_ieq(struct cap_str s, const char *lit)
{
	size_t n = strlen(lit);
	return s.len >= n && cap_str_ieq(cap_str_sub(s, s.len - n, s.len), lit);
}

static void text_set(struct cap_mc_text *t, const char *p, size_t n)
{
	size_t k = n < CAP_MC_TEXT - 1 ? n : CAP_MC_TEXT - 1;
	if (k)
		memcpy(t->s, p, k);
	t->s[k] = '\0';
	t->len = k;
	t->cut = k < n;
}

/* ---------------------------------------------------------------- XML helpers */

static bool is_name_char(unsigned char x)
{
	return (x >= 'a' && x <= 'z') || (x >= 'A' && x <= 'Z') || (x >= '0' && x <= '9') ||
	       x == '_' || x == ':' || x == '.' || x == '-' || x >= 0x80;
}

static bool is_xml_ws(char x)
{
	return x == ' ' || x == '\t' || x == '\r' || x == '\n';
}

static struct cap_str local_name(struct cap_str q)
{
	for (size_t i = q.len; i > 0; i--)
		if (q.p[i - 1] == ':')
			return cap_str_sub(q, i, q.len);
	return q;
}

/* A reference starting at s[0] == '&': one of the five predefined entities or a character
 * reference. Sets *n to its length and *ch to the character when it is ASCII (else '?').
 * false for anything else (an undeclared entity: no DTD can declare one here). */
static bool xml_ref(const char *s, size_t len, size_t *n, char *ch)
{
	static const struct {
		const char *name;
		char ch;
	} pre[] = {
		{ "lt;", '<' }, { "gt;", '>' }, { "amp;", '&' }, { "quot;", '"' }, { "apos;", '\'' }
	};
	*n = 0;
	*ch = '?';
	if (len < 3)
		return false;
	for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++) {
		size_t k = strlen(pre[i].name);
		if (len - 1 >= k && memcmp(s + 1, pre[i].name, k) == 0) {
			*n = k + 1;
			*ch = pre[i].ch;
			return true;
		}
	}
	if (s[1] == '#') {
		bool hex = len > 2 && (s[2] == 'x' || s[2] == 'X');
		size_t i = hex ? 3 : 2, digits = 0;
		uint32_t v = 0;
		for (; i < len && s[i] != ';'; i++, digits++) {
			char x = s[i];
			unsigned d;
			if (x >= '0' && x <= '9')
				d = (unsigned)(x - '0');
			else if (hex && x >= 'a' && x <= 'f')
				d = (unsigned)(x - 'a' + 10);
			else if (hex && x >= 'A' && x <= 'F')
				d = (unsigned)(x - 'A' + 10);
			else
				return false;
			if (digits >= 8)
				return false;
			v = v * (hex ? 16u : 10u) + d;
		}
		if (i == len || digits == 0 || v == 0 || v > 0x10FFFF)
			return false;
		*n = i + 1;
		if (v < 0x80)
			*ch = (char)v;
		return true;
	}
	return false;
}

/* Checks every '&' of s is a valid reference. */
static bool refs_ok(struct cap_str s)
{
	for (size_t i = 0; i < s.len; i++) {
		if (s.p[i] == '&') {
			size_t n;
			char ch;
			if (!xml_ref(s.p + i, s.len - i, &n, &ch))
				return false;
			i += n - 1;
		}
	}
	return true;
}

/* Copies s (references decoded, leading/trailing XML whitespace dropped) into t. s was checked
 * by refs_ok. */
static void text_xml(struct cap_mc_text *t, struct cap_str s)
{
	size_t k = 0, total = 0;
	while (s.len && is_xml_ws(s.p[0])) {
		s.p++;
		s.len--;
	}
	while (s.len && is_xml_ws(s.p[s.len - 1]))
		s.len--;
	for (size_t i = 0; i < s.len; i++) {
		char ch = s.p[i];
		if (ch == '&') {
			size_t n;
			if (!xml_ref(s.p + i, s.len - i, &n, &ch))
				break;
			i += n - 1;
		}
		total++;
		if (k < CAP_MC_TEXT - 1)
			t->s[k++] = ch;
	}
	t->s[k] = '\0';
	t->len = k;
	t->cut = k < total;
}

/* A leaf's text into t: a CDATA section's inside as it is (trimmed), else text_xml. */
static void text_leaf(struct cap_mc_text *t, struct cap_str s, bool cdata)
{
	if (!cdata) {
		text_xml(t, s);
		return;
	}
	while (s.len && is_xml_ws(s.p[0])) {
		s.p++;
		s.len--;
	}
	while (s.len && is_xml_ws(s.p[s.len - 1]))
		s.len--;
	text_set(t, s.p, s.len);
}

/* If s (trimmed) is one CDATA section, its inside (*cdata set: its octets are the text, an &
 * in it no reference, XML 1.0 s2.7); otherwise s. *mixed is set when s holds markup other than
 * that (comments, processing instructions, several sections). */
static struct cap_str leaf_text(struct cap_str s, bool *mixed, bool *cdata)
{
	struct cap_str t = s;
	*mixed = false;
	*cdata = false;
	while (t.len && is_xml_ws(t.p[0])) {
		t.p++;
		t.len--;
	}
	while (t.len && is_xml_ws(t.p[t.len - 1]))
		t.len--;
	if (t.len >= 12 && memcmp(t.p, "<![CDATA[", 9) == 0 &&
	    memcmp(t.p + t.len - 3, "]]>", 3) == 0) {
		struct cap_str in = cap_str_sub(t, 9, t.len - 3);
		for (size_t i = 0; i + 2 < in.len; i++)
			if (in.p[i] == ']' && in.p[i + 1] == ']' && in.p[i + 2] == '>')
				*mixed = true;
		*cdata = true;
		return in;
	}
	for (size_t i = 0; i < t.len; i++)
		if (t.p[i] == '<')
			*mixed = true;
	return s;
}

/* ---------------------------------------------------------------- I_MESSAGE candidates */

static bool is_hex(char x)
{
	return (x >= '0' && x <= '9') || (x >= 'a' && x <= 'f') || (x >= 'A' && x <= 'F');
}

/* Text (whitespace ignored) that decodes to a MIKEY I_MESSAGE header (version 1, data type
 * 26)? TS 24.481 types the GKTP as xs:hexBinary ("011a..."); base64 ("ARo...") is accepted
 * too. Decoded into im->bytes. */
static bool try_imsg(struct mc_ctx *c, struct cap_str s, struct cap_mc_imsg *im)
{
	size_t n = 0, outlen = 0;
	bool hex = true;
	enum lim_err rc;
	for (size_t i = 0; i < s.len; i++) {
		char x = s.p[i];
		if (is_xml_ws(x))
			continue;
		if (n == sizeof c->b64)
			return false; /* longer than any I_MESSAGE we keep */
		hex = hex && is_hex(x);
		c->b64[n++] = x;
	}
	/* 16 characters: below any MIKEY header + T payload */
	if (n < 16)
		return false;
	if (hex && (c->b64[0] == '0' && c->b64[1] == '1' && c->b64[2] == '1' &&
		    (c->b64[3] == 'a' || c->b64[3] == 'A')))
		rc = lim_hex_decode(c->b64, n, im->bytes, sizeof im->bytes, &outlen);
	else if (memcmp(c->b64, "ARo", 3) == 0)
		rc = lim_b64_decode(c->b64, n, im->bytes, sizeof im->bytes, &outlen);
	else
		return false;
	if (rc != LIM_OK || outlen < 10 || im->bytes[0] != 1 || im->bytes[1] != 26)
		return false;
	im->len = outlen;
	return true;
}

static struct cap_mc_imsg *next_imsg(struct mc_ctx *c)
{
	struct cap_mc_result *o = c->out;
	if (o->n_imsg == CAP_MC_MAX_IMSG) {
		o->imsg_cut = true;
		return NULL;
	}
	return &o->imsg[o->n_imsg];
}

/* xml: s is a leaf's character data (text_leaf: a CDATA section's inside when cdata); else
 * s is the text itself */
static void add_group(struct cap_mc_imsg *im, struct cap_str s, bool xml, bool cdata)
{
	struct cap_mc_text t;
	memset(&t, 0, sizeof t);
	if (xml)
		text_leaf(&t, s, cdata);
	else
		text_set(&t, s.p, s.len);
	if (t.len == 0)
		return;
	for (size_t i = 0; i < im->n_group; i++)
		if (im->group[i].len == t.len && memcmp(im->group[i].s, t.s, t.len) == 0)
			return;
	if (im->n_group == CAP_MC_MAX_GROUPS) {
		im->group_cut = true;
		return;
	}
	im->group[im->n_group++] = t;
}

/* A leaf element closed: content is what lies between its tags. */
static void on_leaf(struct mc_ctx *c, size_t depth, struct cap_str content)
{
	struct mc_frame *f = &c->st[depth];
	struct cap_str ln = local_name(f->name), text;
	bool mixed, cdata;
	struct cap_mc_imsg *im;

	/* (before, a CDATA section's inside was read as character data: an & in it made the
	 * leaf ignored, an &amp; in it was decoded) */
	text = leaf_text(content, &mixed, &cdata);
	if (mixed || (!cdata && !refs_ok(text)))
		return;
	/* TS 24.379 F.1 mcpttinfo: <mcptt-request-uri><mcpttURI>, <mcptt-calling-group-id>... */
	if (cap_str_ieq(ln, "mcpttURI") && depth > 0) {
		struct cap_str pn = local_name(c->st[depth - 1].name);
		if (cap_str_ieq(pn, "mcptt-request-uri") && c->out->mc_target.len == 0)
			text_leaf(&c->out->mc_target, text, cdata);
		else if (cap_str_ieq(pn, "mcptt-calling-group-id") && c->out->mc_group.len == 0)
			text_leaf(&c->out->mc_group, text, cdata);
		return;
	}
	/* some implementations put the URI directly in the element */
	if (cap_str_ieq(ln, "mcptt-request-uri")) {
		if (c->out->mc_target.len == 0)
			text_leaf(&c->out->mc_target, text, cdata);
		return;
	}
	if (cap_str_ieq(ln, "mcptt-calling-group-id")) {
		if (c->out->mc_group.len == 0)
			text_leaf(&c->out->mc_group, text, cdata);
		return;
	}
	if (suffix_ieq(ln, "group-id") || suffix_ieq(ln, "groupid")) {
		if (c->n_gid < MC_MAX_GID_REC) {
			c->gid[c->n_gid].parent = f->parent;
			c->gid[c->n_gid].text = text;
			c->gid[c->n_gid].cdata = cdata;
			c->n_gid++;
		}
		return;
	}
	memset(&c->tmp, 0, sizeof c->tmp);
	if (!try_imsg(c, text, &c->tmp))
		return;
	im = next_imsg(c);
	if (!im)
		return;
	*im = c->tmp;
	im->src = CAP_MC_SRC_XML;
	text_set(&im->element, ln.p, ln.len);
	text_set(&im->part_type, c->part_type.p, c->part_type.len);
	if (f->id_attr.len && refs_ok(f->id_attr))
		text_xml(&im->gktp_id, f->id_attr);
	if (depth > 0) {
		struct cap_str pn = local_name(c->st[depth - 1].name);
		text_set(&im->container, pn.p, pn.len);
	}
	/* TS 24.481: GKTPs of a temporary (regrouped) group name it */
	for (size_t d = depth; d-- > 0;)
		if (c->st[d].tmp_gid.len) {
			add_group(im, c->st[d].tmp_gid, true, false);
			break;
		}
	for (size_t d = depth; d-- > 0;)
		if (c->st[d].is_ls) {
			add_group(im, c->st[d].ls_uri, true, false);
			break;
		}
	c->imsg_parent[c->out->n_imsg] = f->parent;
	c->out->n_imsg++;
}

/* Parses one attribute list starting at x[*pos] (after the element name) up to '>' or "/>".
 * Sets *empty for "/>". Fills f->ls_uri for a list-service. */
static enum lim_err xml_attrs(struct mc_ctx *c, struct cap_str x, size_t *pos, bool *empty,
			      struct mc_frame *f)
{
	size_t i = *pos, n_attr = 0;
	*empty = false;
	for (;;) {
		size_t ns, q0;
		struct cap_str an, av;
		char q;
		bool ws = false;
		while (i < x.len && is_xml_ws(x.p[i])) {
			i++;
			ws = true;
		}
		if (i == x.len)
			return fail(c, LIM_E_PARSE, "xml: unterminated start tag", x.p + i);
		if (x.p[i] == '>') {
			*pos = i + 1;
			return LIM_OK;
		}
		if (x.p[i] == '/') {
			if (x.len - i < 2 || x.p[i + 1] != '>')
				return fail(c, LIM_E_PARSE, "xml: '/' not followed by '>'",
					    x.p + i);
			*empty = true;
			*pos = i + 2;
			return LIM_OK;
		}
		if (!ws)
			return fail(c, LIM_E_PARSE, "xml: attribute not separated by blank",
				    x.p + i);
		if (++n_attr > CAP_MC_XML_MAX_ATTRS)
			return fail(c, LIM_E_LIMIT, "xml: too many attributes", x.p + i);
		ns = i;
		while (i < x.len && is_name_char((unsigned char)x.p[i]))
			i++;
		if (i == ns || i - ns > CAP_MC_XML_MAX_NAME)
			return fail(c, LIM_E_PARSE, "xml: bad attribute name", x.p + ns);
		an = cap_str_sub(x, ns, i);
		while (i < x.len && is_xml_ws(x.p[i]))
			i++;
		if (i == x.len || x.p[i] != '=')
			return fail(c, LIM_E_PARSE, "xml: attribute without '='", x.p + i);
		i++;
		while (i < x.len && is_xml_ws(x.p[i]))
			i++;
		if (i == x.len || (x.p[i] != '"' && x.p[i] != '\''))
			return fail(c, LIM_E_PARSE, "xml: attribute value not quoted", x.p + i);
		q = x.p[i++];
		q0 = i;
		while (i < x.len && x.p[i] != q) {
			if (x.p[i] == '<')
				return fail(c, LIM_E_PARSE, "xml: '<' in attribute value", x.p + i);
			i++;
		}
		if (i == x.len)
			return fail(c, LIM_E_PARSE, "xml: unterminated attribute value", x.p + q0);
		av = cap_str_sub(x, q0, i);
		i++;
		if (!refs_ok(av))
			return fail(c, LIM_E_PARSE, "xml: undeclared entity in attribute", av.p);
		if (f->is_ls && cap_str_ieq(local_name(an), "uri"))
			f->ls_uri = av;
		else if (cap_str_ieq(local_name(an), "id"))
			f->id_attr = av;
		else if (cap_str_ieq(local_name(an), "temporary-MCPTT-group-ID"))
			f->tmp_gid = av;
	}
}

/* Finds lit in x at or after from; returns its index or x.len. */
static size_t find_lit(struct cap_str x, size_t from, const char *lit)
{
	size_t n = strlen(lit);
	for (size_t i = from; i < x.len && x.len - i >= n; i++)
		if (x.p[i] == lit[0] && memcmp(x.p + i, lit, n) == 0)
			return i;
	return x.len;
}

/* Scans one XML document (see mcbody.h: no DTD, bounded). */
static enum lim_err xml_doc(struct mc_ctx *c, struct cap_str x)
{
	size_t i = 0, depth = 0, elems = 0, first_imsg = c->out->n_imsg;
	uint32_t next_id = 1;
	bool root_done = false;

	c->n_gid = 0;
	while (i < x.len) {
		if (x.p[i] != '<') {
			size_t s = i;
			while (i < x.len && x.p[i] != '<')
				i++;
			if (!refs_ok(cap_str_sub(x, s, i)))
				return fail(c, LIM_E_PARSE, "xml: undeclared entity reference",
					    x.p + s);
			continue;
		}
		if (x.len - i >= 2 && x.p[i + 1] == '?') {
			size_t e = find_lit(x, i + 2, "?>");
			if (e == x.len)
				return fail(c, LIM_E_PARSE,
					    "xml: unterminated processing instruction", x.p + i);
			i = e + 2;
			continue;
		}
		if (x.len - i >= 4 && memcmp(x.p + i, "<!--", 4) == 0) {
			size_t e = find_lit(x, i + 4, "-->");
			if (e == x.len)
				return fail(c, LIM_E_PARSE, "xml: unterminated comment", x.p + i);
			i = e + 3;
			continue;
		}
		if (x.len - i >= 9 && memcmp(x.p + i, "<![CDATA[", 9) == 0) {
			size_t e = find_lit(x, i + 9, "]]>");
			if (e == x.len || depth == 0)
				return fail(c, LIM_E_PARSE, "xml: bad CDATA section", x.p + i);
			i = e + 3;
			continue;
		}
		if (x.len - i >= 2 && x.p[i + 1] == '!')
			return fail(c, LIM_E_PARSE,
				    "xml: DOCTYPE/markup declaration refused (no DTD processing)",
				    x.p + i);
		if (x.len - i >= 2 && x.p[i + 1] == '/') {
			size_t ns = i + 2, e = ns;
			struct mc_frame *f;
			while (e < x.len && is_name_char((unsigned char)x.p[e]))
				e++;
			if (depth == 0)
				return fail(c, LIM_E_PARSE, "xml: end tag without start tag",
					    x.p + i);
			f = &c->st[depth - 1];
			if (e - ns != f->name.len || memcmp(x.p + ns, f->name.p, f->name.len) != 0)
				return fail(c, LIM_E_PARSE, "xml: end tag does not match", x.p + i);
			while (e < x.len && is_xml_ws(x.p[e]))
				e++;
			if (e == x.len || x.p[e] != '>')
				return fail(c, LIM_E_PARSE, "xml: unterminated end tag", x.p + i);
			if (!f->has_child)
				on_leaf(c, depth - 1, cap_str_sub(x, f->content_start, i));
			depth--;
			if (depth == 0)
				root_done = true;
			i = e + 1;
			continue;
		}
		/* start tag */
		{
			size_t ns = i + 1, e = ns;
			struct mc_frame *f;
			bool empty;
			enum lim_err rc;
			while (e < x.len && is_name_char((unsigned char)x.p[e]))
				e++;
			if (e == ns || e - ns > CAP_MC_XML_MAX_NAME)
				return fail(c, LIM_E_PARSE, "xml: bad element name", x.p + i);
			if (root_done)
				return fail(c, LIM_E_PARSE, "xml: second root element", x.p + i);
			if (depth == CAP_MC_XML_MAX_DEPTH)
				return fail(c, LIM_E_LIMIT, "xml: nesting too deep", x.p + i);
			if (++elems > CAP_MC_XML_MAX_ELEMS)
				return fail(c, LIM_E_LIMIT, "xml: too many elements", x.p + i);
			if (depth > 0)
				c->st[depth - 1].has_child = true;
			f = &c->st[depth];
			memset(f, 0, sizeof *f);
			f->name = cap_str_sub(x, ns, e);
			f->id = next_id++;
			f->parent = depth > 0 ? c->st[depth - 1].id : 0;
			f->is_ls = cap_str_ieq(local_name(f->name), "list-service");
			rc = xml_attrs(c, x, &e, &empty, f);
			if (rc != LIM_OK)
				return rc;
			f->content_start = e;
			depth++;
			if (empty) {
				on_leaf(c, depth - 1, cap_str_sub(x, e, e));
				depth--;
				if (depth == 0)
					root_done = true;
			}
			i = e;
		}
	}
	if (depth != 0)
		return fail(c, LIM_E_PARSE, "xml: element not closed", x.p + x.len);
	if (!root_done)
		return fail(c, LIM_E_PARSE, "xml: no root element", x.p);
	/* group-id elements beside each I_MESSAGE (same parent), in document order */
	for (size_t k = first_imsg; k < c->out->n_imsg; k++)
		for (size_t g = 0; g < c->n_gid; g++)
			if (c->gid[g].parent == c->imsg_parent[k])
				add_group(&c->out->imsg[k], c->gid[g].text, true, c->gid[g].cdata);
	return LIM_OK;
}

/* xml_doc; on error the document's I_MESSAGEs go (mcbody.h: those of the parts examined whole
 * stay). They would lack their group IDs, which are attached once the whole document is read,
 * and a distribution's group is what a warrant on the group and the dispatcher's routing go
 * by (before, a document that failed after its I_MESSAGE, a second root say, gave the
 * I_MESSAGE without its group). */
static enum lim_err xml_scan(struct mc_ctx *c, struct cap_str x)
{
	size_t first = c->out->n_imsg;
	/* (and what its mcptt-info gave: the group and target named as they are read) */
	struct cap_mc_text group = c->out->mc_group;
	struct cap_mc_text target = c->out->mc_target;
	bool cut = c->out->imsg_cut;
	enum lim_err rc = xml_doc(c, x);
	if (rc != LIM_OK) {
		for (size_t k = first; k < c->out->n_imsg; k++)
			memset(&c->out->imsg[k], 0, sizeof c->out->imsg[k]);
		c->out->n_imsg = first;
		c->out->mc_group = group;
		c->out->mc_target = target;
		c->out->imsg_cut = cut;
	}
	return rc;
}

/* ---------------------------------------------------------------- body entities */

static uint8_t *scratch(struct mc_ctx *c, size_t n)
{
	uint8_t *p;
	if (n > c->scap - c->sused)
		return NULL;
	p = c->scratch + c->sused;
	c->sused += n;
	return p;
}

/* Base64 with whitespace (RFC 2045 s6.8 line breaks) into scratch. */
static enum lim_err b64_part(struct mc_ctx *c, struct cap_str s, struct cap_str *out)
{
	size_t n = 0, outlen = 0;
	char *t = (char *)scratch(c, s.len + 1);
	uint8_t *d;
	if (!t)
		return fail(c, LIM_E_LIMIT, "multipart: decoded parts exceed the scratch cap", s.p);
	for (size_t i = 0; i < s.len; i++)
		if (!is_xml_ws(s.p[i]))
			t[n++] = s.p[i];
	d = scratch(c, n / 4 * 3 + 3);
	if (!d || lim_b64_decode(t, n, d, n / 4 * 3 + 3, &outlen) != LIM_OK)
		return fail(c, LIM_E_PARSE, "multipart: bad base64 part", s.p);
	out->p = (const char *)d;
	out->len = outlen;
	return LIM_OK;
}

static bool is_xml_type(struct cap_str mt)
{
	return cap_str_ieq(mt, "text/xml") || cap_str_ieq(mt, "application/xml") ||
	       (cap_str_prefix_ieq(mt, "application/") && suffix_ieq(mt, "+xml"));
}

/* One leaf entity of the body (cap_mime_next): decoded by its transfer encoding, then examined
 * by media type. An empty one is not examined (RFC 3261 s20.15: a zero-length body of its type). */
static enum lim_err leaf(struct mc_ctx *c, const struct cap_mime_part *p)
{
	struct cap_str mt = cap_media_type(p->type), cte = p->cte, body = p->content;
	enum lim_err rc;
	if (body.len == 0)
		return LIM_OK;
	c->out->n_parts++;
	if (cte.len && cap_str_ieq(cte, "base64")) {
		rc = b64_part(c, body, &body);
		if (rc != LIM_OK)
			return rc;
	} else if (!cap_mime_identity(cte)) {
		return LIM_OK; /* quoted-printable or unknown: not examined */
	}
	if (cap_str_ieq(mt, "application/mikey")) {
		struct cap_mc_imsg *im = &c->tmp;
		memset(im, 0, sizeof *im);
		if (body.len && (uint8_t)body.p[0] != 1) {
			/* base64 text without a Content-Transfer-Encoding header */
			if (!try_imsg(c, body, im))
				return fail(c, LIM_E_PARSE,
					    "application/mikey: not a MIKEY message", body.p);
		} else {
			if (body.len < 10 || body.len > CAP_MC_IMSG_MAX || (uint8_t)body.p[1] != 26)
				return LIM_OK; /* not an I_MESSAGE (or too large to keep) */
			memcpy(im->bytes, body.p, body.len);
			im->len = body.len;
		}
		im = next_imsg(c);
		if (!im)
			return LIM_OK;
		*im = c->tmp;
		im->src = CAP_MC_SRC_MIKEY;
		text_set(&im->part_type, mt.p, mt.len);
		c->imsg_parent[c->out->n_imsg] = 0;
		c->out->n_imsg++;
		return LIM_OK;
	}
	if (is_xml_type(mt)) {
		c->out->n_xml++;
		c->part_type = mt;
		return xml_scan(c, body);
	}
	return LIM_OK;
}

/* see mcbody.h */
enum lim_err cap_mc_extract_body(struct cap_str ctype, struct cap_str body,
				 struct cap_mc_result *out)
{
	struct mc_ctx *c = NULL;
	struct cap_mime it;
	struct cap_mime_part part;
	enum lim_err rc = LIM_OK;
	if (!out)
		return LIM_E_ARG;
	memset(out, 0, sizeof *out);
	out->err_detail = "ok";
	if (body.len > CAP_SIP_MAX_MSG) {
		out->err_detail = "body over CAP_SIP_MAX_MSG";
		return LIM_E_LIMIT;
	}
	if (ctype.len == 0)
		return LIM_OK; /* RFC 3261 s20.15: a body needs a Content-Type; nothing to see */
	c = calloc(1, sizeof *c);
	if (!c) {
		out->err_detail = "out of memory";
		return LIM_E_NOMEM;
	}
	c->out = out;
	c->top = body.p;
	c->top_len = body.len;
	c->scap = 5 * body.len + 64;
	c->scratch = malloc(c->scap);
	if (!c->scratch) {
		free(c);
		out->err_detail = "out of memory";
		return LIM_E_NOMEM;
	}
	cap_mime_init(&it, ctype, body, CAP_MC_MAX_PARTS);
	/* a part refused (bad XML, bad base64: its own I_MESSAGEs rolled back) does not stop the
	 * walk: the first refusal is reported, the parts after it examined all the same (before,
	 * an unrelated XML part with &nbsp; first hid the GKTP part after it). Framing errors stop
	 * it: what follows cannot be delimited */
	while (cap_mime_next(&it, &part)) {
		enum lim_err e = leaf(c, &part);
		if (e != LIM_OK && rc == LIM_OK)
			rc = e;
		if (e == LIM_E_NOMEM)
			break;
	}
	if (rc != LIM_E_NOMEM) {
		const char *why, *at;
		enum lim_err e = cap_mime_err(&it, &why, &at);
		if (e != LIM_OK) {
			(void)fail(c, e, why, at);
			if (rc == LIM_OK)
				rc = e;
		}
	}
	if (out->mc_group.len)
		for (size_t k = 0; k < out->n_imsg; k++)
			add_group(&out->imsg[k],
				  (struct cap_str){ out->mc_group.s, out->mc_group.len }, false,
				  false);
	free(c->scratch);
	free(c);
	return rc;
}

/* see mcbody.h */
enum lim_err cap_mc_extract(const struct cap_sip_msg *m, struct cap_mc_result *out)
{
	enum lim_err rc;
	if (!m || !out)
		return LIM_E_ARG;
	rc = cap_mc_extract_body(m->content_type, m->body, out);
	if (m->is_request) {
		out->method = m->method;
		out->ruri = m->ruri;
	}
	out->to_uri = m->to.uri;
	return rc;
}
