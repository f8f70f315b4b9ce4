/* test_capture suites "mime_iter", "mime_both", "mime_hostile": the one MIME multipart walk of
 * capture/ (capture/internal.h) and its two callers, cap_sip_sdp_body and cap_mc_extract.
 * mime_both runs every body of a table through the iterator and through both callers inside a
 * real SIP message, so each framing rule (boundary syntax, transport padding, folding, header
 * case, preamble/epilogue, truncation, nesting, counts) is pinned for both at once. The part the
 * callers look for is written "@T" (application/sdp for the SDP lookup, application/mikey for
 * mcbody) with the content "@C": the base64 of a 12-octet MIKEY header (version 1, data type
 * 26), which mcbody takes as an I_MESSAGE and the SDP lookup returns as is. */
#include <stdlib.h>

#include "capture/internal.h"
#include "capture/mcbody.h"
#include "tests/unit/capture_suites.h"

#define CONTENT "ARoAAAAAAAAAAAAA" /* base64 of 01 1a 00 ... (12 octets) */
#define B(x)    (x), (sizeof(x) - 1)

static bool streq(struct cap_str s, const char *lit)
{
	return cap_str_eq(s, lit);
}

/* Replaces @T by type and @C by CONTENT in src[0..n) into dst (cap octets); returns the
 * length. */
static size_t expand(char *dst, size_t cap, const char *src, size_t n, const char *type)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const char *rep = NULL;
		if (src[i] == '@' && i + 1 < n && src[i + 1] == 'T')
			rep = type;
		else if (src[i] == '@' && i + 1 < n && src[i + 1] == 'C')
			rep = CONTENT;
		if (rep) {
			size_t l = strlen(rep);
			if (cap - k < l)
				exit(1);
			memcpy(dst + k, rep, l);
			k += l;
			i++;
			continue;
		}
		if (k == cap)
			exit(1);
		dst[k++] = src[i];
	}
	return k;
}

static char msgbuf[CAP_SIP_MAX_MSG + 1];

/* A SIP MESSAGE with Content-Type ct and the given body, parsed into m. */
static bool sip_with(struct cap_sip_msg *m, const char *ct, const char *body, size_t blen)
{
	int h = snprintf(msgbuf, sizeof msgbuf,
			 "MESSAGE sip:x@y SIP/2.0\r\nCall-ID: mime-1\r\nFrom: <sip:a@b>;tag=1\r\n"
			 "To: <sip:c@d>\r\nCSeq: 2 MESSAGE\r\nContent-Type: %s\r\n"
			 "Content-Length: %zu\r\n\r\n",
			 ct, blen);
	if (h < 0 || (size_t)h + blen > sizeof msgbuf)
		return false;
	memcpy(msgbuf + h, body, blen);
	return cap_sip_parse((const uint8_t *)msgbuf, (size_t)h + blen, m) == LIM_OK;
}

/* ---------------------------------------------------------------- the iterator itself */

static void t_iter(void)
{
	static const char nested[] = "preamble\r\n"
				     "--out\r\n"
				     "Content-Type: text/plain\r\n"
				     "\r\n"
				     "first\r\n"
				     "--out\r\n"
				     "content-type: multipart/alternative;\r\n"
				     "\tboundary=\"in 1\"\r\n"
				     "X-Other: a\r\n"
				     "  b\r\n"
				     "\r\n"
				     "--in 1\r\n"
				     "Content-Type: application/sdp\r\n"
				     "CONTENT-TRANSFER-ENCODING :  8bit \r\n"
				     "\r\n"
				     "v=0\r\n"
				     "--in 1\r\n"
				     "\r\n"
				     "no headers\r\n"
				     "--in 1--\r\n"
				     "inner epilogue\r\n"
				     "--out\r\n"
				     "Content-Type: application/octet-stream\r\n"
				     "\r\n"
				     "\0\0\r\n\0"
				     "\r\n"
				     "--out--\r\n"
				     "epilogue\r\n";
	struct cap_str ct = { B("multipart/mixed; boundary=out") }, body = { B(nested) };
	struct cap_mime it;
	struct cap_mime_part p;
	const char *why, *at;

	cap_mime_init(&it, ct, body, 16);
	CHECK(cap_mime_next(&it, &p));
	CHECK(streq(p.type, "text/plain") && p.cte.len == 0 && streq(p.content, "first"));
	CHECK(p.depth == 1);
	CHECK(cap_mime_next(&it, &p));
	CHECK(streq(p.type, "application/sdp") && streq(p.cte, "8bit") && p.depth == 2);
	CHECK(streq(p.content, "v=0")); /* the CRLF before the delimiter is not content */
	CHECK(cap_mime_next(&it, &p));
	CHECK(p.type.len == 0 && streq(p.content, "no headers") && p.depth == 2);
	CHECK(cap_mime_next(&it, &p));
	CHECK(streq(p.type, "application/octet-stream") && p.depth == 1);
	CHECK(p.content.len == 5 && memcmp(p.content.p, "\0\0\r\n\0", 5) == 0);
	CHECK(!cap_mime_next(&it, &p) && p.content.p == NULL && p.type.len == 0);
	CHECK(!cap_mime_next(&it, &p)); /* stays at the end */
	CHECK(cap_mime_err(&it, &why, &at) == LIM_OK && strcmp(why, "ok") == 0 && at == NULL);

	/* a body that is not multipart is one entity at depth 0, empty or not */
	ct = (struct cap_str){ B("  application/sdp ; charset=x ") };
	body = (struct cap_str){ B("v=0\r\n") };
	cap_mime_init(&it, ct, body, 1);
	CHECK(cap_mime_next(&it, &p) && p.depth == 0 && p.content.p == body.p &&
	      p.content.len == 5 && streq(p.type, "application/sdp ; charset=x"));
	CHECK(!cap_mime_next(&it, &p) && cap_mime_err(&it, NULL, NULL) == LIM_OK);
	cap_mime_init(&it, (struct cap_str){ NULL, 0 }, (struct cap_str){ NULL, 0 }, 0);
	CHECK(cap_mime_next(&it, &p) && p.type.len == 0 && p.content.len == 0);
	CHECK(!cap_mime_next(&it, &p));

	/* the error is sticky and says where */
	body = (struct cap_str){ B("--b\r\nContent-Type: a/b\r\n\r\nx\r\n--b\r\n\x01\r\n\r\ny\r\n"
				   "--b--\r\n") };
	cap_mime_init(&it, (struct cap_str){ B("multipart/mixed;boundary=b") }, body, 16);
	CHECK(cap_mime_next(&it, &p) && streq(p.content, "x"));
	CHECK(!cap_mime_next(&it, &p));
	CHECK(cap_mime_err(&it, &why, &at) == LIM_E_PARSE && strstr(why, "control character"));
	CHECK(at == body.p + 34);
	CHECK(!cap_mime_next(&it, &p) && cap_mime_err(&it, NULL, NULL) == LIM_E_PARSE);

	/* helpers */
	CHECK(streq(cap_media_type((struct cap_str){ B(" Text/Plain ; x=\"a;b\"") }),
		    "Text/Plain"));
	CHECK(streq(cap_media_type((struct cap_str){ B("a/b") }), "a/b"));
	CHECK(cap_media_type((struct cap_str){ NULL, 0 }).len == 0);
	CHECK(cap_mime_identity((struct cap_str){ NULL, 0 }));
	CHECK(cap_mime_identity((struct cap_str){ B("7BIT") }));
	CHECK(cap_mime_identity((struct cap_str){ B("binary") }));
	CHECK(!cap_mime_identity((struct cap_str){ B("base64") }));
	CHECK(!cap_mime_identity((struct cap_str){ B("quoted-printable") }));
	CHECK(cap_str_prefix_ieq((struct cap_str){ B("MultiPart/x") }, "multipart/"));
	CHECK(!cap_str_prefix_ieq((struct cap_str){ B("multi") }, "multipart/"));
}

/* ---------------------------------------------------------------- both callers, one table */

/* Expected outcome of one caller: rc, and whether the target part (@C) was found. */
struct t_want {
	enum lim_err rc;
	bool found;
};

struct t_case {
	const char *name;
	const char *ct; /* Content-Type of the SIP message ("@T" allowed) */
	const char *body;
	size_t len;
	struct t_want sdp, mc;
	const char *why; /* in the iterator's and mcbody's error text; NULL on success */
};

#define OK_FOUND                                                                                   \
	{                                                                                          \
		LIM_OK, true                                                                       \
	}
#define OK_NONE                                                                                    \
	{                                                                                          \
		LIM_OK, false                                                                      \
	}
#define ERR(e)                                                                                     \
	{                                                                                          \
		e, false                                                                           \
	}
#define ERR_FOUND(e)                                                                               \
	{                                                                                          \
		e, true                                                                            \
	}
#define MP    "multipart/mixed;boundary=b"
#define TPART "Content-Type: @T\r\n\r\n@C\r\n"
#define B70   "0123456789012345678901234567890123456789012345678901234567890123456789"

static const struct t_case cases[] = {
	/* framing that works */
	{ "flat", MP, B("--b\r\n" TPART "--b--\r\n"), OK_FOUND, OK_FOUND, NULL },
	{ "lf_only", MP, B("--b\nContent-Type: @T\n\n@C\n--b--\n"), OK_FOUND, OK_FOUND, NULL },
	{ "second_part", MP,
	  B("--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\n" TPART "--b--"), OK_FOUND,
	  OK_FOUND, NULL },
	{ "preamble_epilogue", MP,
	  B("preamble --b\r\n-- b\r\n--b\r\n" TPART "--b--\r\nepilogue\r\n--b\r\njunk"), OK_FOUND,
	  OK_FOUND, NULL },
	/* RFC 2046 s5.1.1 transport padding: LWSP after the boundary and the close delimiter */
	{ "padding", MP, B("--b \t \r\n" TPART "--b--\t \r\n"), OK_FOUND, OK_FOUND, NULL },
	{ "close_at_end", MP, B("--b\r\n" TPART "--b--"), OK_FOUND, OK_FOUND, NULL },
	{ "close_padding_at_end", MP, B("--b\r\n" TPART "--b--  "), OK_FOUND, OK_FOUND, NULL },
	/* part headers: folding, case, blanks before ':', other fields folded too */
	{ "folded", MP, B("--b\r\nContent-Type:\r\n @T\r\nX-A: 1\r\n\t2\r\n\r\n@C\r\n--b--\r\n"),
	  OK_FOUND, OK_FOUND, NULL },
	{ "folded_params", MP, B("--b\r\nContent-Type: @T;\r\n\tx=y\r\n\r\n@C\r\n--b--\r\n"),
	  OK_FOUND, OK_FOUND, NULL },
	{ "header_case_ws", MP, B("--b\r\ncOnTeNt-TyPe \t:   @T  \r\n\r\n@C\r\n--b--\r\n"),
	  OK_FOUND, OK_FOUND, NULL },
	{ "identity_cte", MP,
	  B("--b\r\nContent-Type: @T\r\nContent-Transfer-Encoding: BINARY\r\n\r\n@C\r\n--b--\r\n"),
	  OK_FOUND, OK_FOUND, NULL },
	/* no headers at all: text/plain; headers only: empty content (not examined by mcbody) */
	{ "no_headers", MP, B("--b\r\n\r\n@C\r\n--b--\r\n"), OK_NONE, OK_NONE, NULL },
	{ "headers_only", MP, B("--b\r\nContent-Type: @T\r\n--b--\r\n"), OK_NONE, OK_NONE, NULL },
	{ "empty_part", MP, B("--b\r\n--b\r\n" TPART "--b--\r\n"), OK_FOUND, OK_FOUND, NULL },
	/* NUL octets are content anywhere but in part headers */
	{ "nul_content", MP,
	  B("\0pre\0\r\n--b\r\nContent-Type: application/octet-stream\r\n\r\n\0\0\r\n"
	    "--b\r\n" TPART "--b--\r\n\0"),
	  OK_FOUND, OK_FOUND, NULL },
	{ "nul_header", MP, B("--b\r\nContent-Type: @T\0\r\n\r\n@C\r\n--b--\r\n"), ERR(LIM_E_PARSE),
	  ERR(LIM_E_PARSE), "control character" },
	{ "nul_header_name", MP, B("--b\r\nX\0Y: 1\r\n" TPART "--b--\r\n"), ERR(LIM_E_PARSE),
	  ERR(LIM_E_PARSE), "control character" },
	{ "bare_cr_header", MP, B("--b\r\nX: a\rb\r\n" TPART "--b--\r\n"), ERR(LIM_E_PARSE),
	  ERR(LIM_E_PARSE), "control character" },
	/* malformed part headers */
	{ "not_a_field", MP, B("--b\r\nnot a header\r\n" TPART "--b--\r\n"), ERR(LIM_E_PARSE),
	  ERR(LIM_E_PARSE), "not a field" },
	{ "empty_name", MP, B("--b\r\n: x\r\n" TPART "--b--\r\n"), ERR(LIM_E_PARSE),
	  ERR(LIM_E_PARSE), "not a field" },
	{ "lead_continuation", MP, B("--b\r\n Content-Type: @T\r\n\r\n@C\r\n--b--\r\n"),
	  ERR(LIM_E_PARSE), ERR(LIM_E_PARSE), "continuation" },
	{ "two_types", MP, B("--b\r\nContent-Type: text/plain\r\n" TPART "--b--\r\n"),
	  ERR(LIM_E_PARSE), ERR(LIM_E_PARSE), "two Content-Type" },
	{ "two_ctes", MP,
	  B("--b\r\nContent-Transfer-Encoding: 8bit\r\nContent-Transfer-Encoding: 8bit\r\n" TPART
	    "--b--\r\n"),
	  ERR(LIM_E_PARSE), ERR(LIM_E_PARSE), "two Content-Transfer-Encoding" },
	/* truncated headers: the part ends inside its header section (content empty) */
	{ "truncated_headers", MP, B("--b\r\nContent-Type: @T\r\nContent-Len"), ERR(LIM_E_PARSE),
	  ERR(LIM_E_PARSE), "close delimiter" },
	/* delimiters */
	{ "junk_after_boundary", MP,
	  B("--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--bx\r\n" TPART "--b--\r\n"),
	  ERR(LIM_E_PARSE), ERR(LIM_E_PARSE), "junk after the boundary" },
	{ "junk_after_close", MP, B("--b\r\n" TPART "--b--x\r\n"), ERR_FOUND(LIM_OK),
	  ERR_FOUND(LIM_E_PARSE), "junk after the boundary" },
	{ "inner_has_outer_prefix", MP,
	  B("--b\r\nContent-Type: multipart/mixed;boundary=b1\r\n\r\n--b1\r\n" TPART
	    "--b1--\r\n--b--\r\n"),
	  ERR(LIM_E_PARSE), ERR(LIM_E_PARSE), "no boundary delimiter" },
	{ "delimiter_at_end", MP, B("--b\r\n" TPART "--b"), ERR_FOUND(LIM_OK),
	  ERR_FOUND(LIM_E_PARSE), "truncated delimiter line" },
	{ "only_delimiter", MP, B("--b"), ERR(LIM_E_PARSE), ERR(LIM_E_PARSE),
	  "truncated delimiter line" },
	{ "delimiter_padding_at_end", MP, B("--b  "), ERR(LIM_E_PARSE), ERR(LIM_E_PARSE),
	  "truncated delimiter line" },
	{ "no_close", MP, B("--b\r\n" TPART), ERR(LIM_E_PARSE), ERR(LIM_E_PARSE),
	  "close delimiter" },
	{ "no_close_after_target", MP, B("--b\r\n" TPART "--b\r\n\r\ntail\r\n"), ERR_FOUND(LIM_OK),
	  ERR_FOUND(LIM_E_PARSE), "close delimiter" },
	{ "delimiter_mid_line", MP, B("x --b\r\n" TPART), ERR(LIM_E_PARSE), ERR(LIM_E_PARSE),
	  "no boundary delimiter" },
	{ "close_first", MP, B("x --b\r\n" TPART "--b--\r\n--b\r\n" TPART "--b--"),
	  ERR(LIM_E_PARSE), ERR(LIM_E_PARSE), "close delimiter before any part" },
	{ "no_delimiter", MP, B("@C"), ERR(LIM_E_PARSE), ERR(LIM_E_PARSE),
	  "no boundary delimiter" },
	{ "empty_body", MP, B(""), ERR(LIM_E_PARSE), ERR(LIM_E_PARSE), "no boundary delimiter" },
	/* boundary parameter (RFC 2046 s5.1.1, RFC 2045 s5.1) */
	{ "no_boundary", "multipart/mixed", B("--b\r\n" TPART "--b--\r\n"), ERR(LIM_E_PARSE),
	  ERR(LIM_E_PARSE), "no boundary parameter" },
	{ "empty_boundary", "multipart/mixed;boundary=", B("--\r\n" TPART "----\r\n"),
	  ERR(LIM_E_PARSE), ERR(LIM_E_PARSE), "empty boundary" },
	{ "empty_quoted_boundary", "multipart/mixed;boundary=\"\"", B("--\r\n" TPART "----\r\n"),
	  ERR(LIM_E_PARSE), ERR(LIM_E_PARSE), "empty boundary" },
	{ "boundary_70", "multipart/mixed;boundary=" B70, B("--" B70 "\r\n" TPART "--" B70 "--"),
	  OK_FOUND, OK_FOUND, NULL },
	{ "boundary_71", "multipart/mixed;boundary=" B70 "x",
	  B("--" B70 "x\r\n" TPART "--" B70 "x--"), ERR(LIM_E_PARSE), ERR(LIM_E_PARSE),
	  "longer than 70" },
	{ "boundary_71_quoted", "multipart/mixed;boundary=\"" B70 "\\x\"",
	  B("--" B70 "x\r\n" TPART "--" B70 "x--"), ERR(LIM_E_PARSE), ERR(LIM_E_PARSE),
	  "longer than 70" },
	{ "boundary_case_param", "Multipart/Related; type=x; BOUNDARY=b",
	  B("--b\r\n" TPART "--b--"), OK_FOUND, OK_FOUND, NULL },
	{ "boundary_in_other_param", "multipart/mixed; x=\"boundary=zz;\"; boundary=b",
	  B("--zz\r\n--b\r\n" TPART "--b--"), OK_FOUND, OK_FOUND, NULL },
	{ "quoted_specials", "multipart/mixed; boundary=\"=_a/b:c?(d),e 1\"",
	  B("--=_a/b:c?(d),e 1\r\n" TPART "--=_a/b:c?(d),e 1--"), OK_FOUND, OK_FOUND, NULL },
	{ "quoted_pair", "multipart/mixed; boundary=\"a\\-b\\\\\"", B("--a-b\r\n" TPART "--a-b--"),
	  ERR(LIM_E_PARSE), ERR(LIM_E_PARSE), "not in RFC 2046 bchars" },
	{ "quoted_pair_ok", "multipart/mixed; boundary=\"a\\-b\\c\"",
	  B("--a-bc\r\n" TPART "--a-bc--"), OK_FOUND, OK_FOUND, NULL },
	{ "quoted_escaped_quote", "multipart/mixed; boundary=\"a\\\"b\"",
	  B("--a\"b\r\n" TPART "--a\"b--"), ERR(LIM_E_PARSE), ERR(LIM_E_PARSE),
	  "not in RFC 2046 bchars" },
	{ "quoted_lone_backslash", "multipart/mixed; boundary=\"ab\\\"",
	  B("--ab\r\n" TPART "--ab--"), ERR(LIM_E_PARSE), ERR(LIM_E_PARSE), "lone backslash" },
	{ "quoted_trailing_space", "multipart/mixed; boundary=\"ab \"",
	  B("--ab \r\n" TPART "--ab --"), ERR(LIM_E_PARSE), ERR(LIM_E_PARSE), "ends in a space" },
	{ "unquoted_tspecial", "multipart/mixed; boundary=a/b", B("--a/b\r\n" TPART "--a/b--"),
	  ERR(LIM_E_PARSE), ERR(LIM_E_PARSE), "not a token" },
	{ "unquoted_space", "multipart/mixed; boundary=a b", B("--a b\r\n" TPART "--a b--"),
	  ERR(LIM_E_PARSE), ERR(LIM_E_PARSE), "not a token" },
	{ "unterminated_quote", "multipart/mixed; boundary=\"ab", B("--\"ab\r\n" TPART "--\"ab--"),
	  ERR(LIM_E_PARSE), ERR(LIM_E_PARSE), "not a token" },
	{ "bad_bchar", "multipart/mixed; boundary=\"a#b\"", B("--a#b\r\n" TPART "--a#b--"),
	  ERR(LIM_E_PARSE), ERR(LIM_E_PARSE), "bchars" },
	/* nesting: the SDP lookup descends too; RFC 2045 s6.4: multipart is never encoded */
	{ "nested", MP,
	  B("--b\r\nContent-Type: multipart/alternative; boundary=\"in\"\r\n\r\n--in\r\n"
	    "Content-Type: text/plain\r\n\r\nx\r\n--in\r\n" TPART "--in--\r\n--b--\r\n"),
	  OK_FOUND, OK_FOUND, NULL },
	{ "nested_folded_boundary", MP,
	  B("--b\r\nContent-Type: multipart/mixed;\r\n boundary=in\r\n\r\n--in\r\n" TPART
	    "--in--\r\n--b--\r\n"),
	  OK_FOUND, OK_FOUND, NULL },
	{ "nested_no_boundary", MP,
	  B("--b\r\nContent-Type: multipart/mixed\r\n\r\nx\r\n--b\r\n" TPART "--b--\r\n"),
	  ERR(LIM_E_PARSE), ERR(LIM_E_PARSE), "no boundary parameter" },
	{ "nested_encoded", MP,
	  B("--b\r\nContent-Type: multipart/mixed;boundary=in\r\nContent-Transfer-Encoding: "
	    "base64\r\n\r\n--in\r\n" TPART "--in--\r\n--b--\r\n"),
	  ERR(LIM_E_PARSE), ERR(LIM_E_PARSE), "encoded multipart" },
	{ "nested_no_close", MP,
	  B("--b\r\nContent-Type: multipart/mixed;boundary=in\r\n\r\n--in\r\n"
	    "\r\nx\r\n--b\r\n" TPART "--b--\r\n"),
	  ERR(LIM_E_PARSE), ERR(LIM_E_PARSE), "close delimiter" },
	{ "depth_4", "multipart/mixed;boundary=d1",
	  B("--d1\r\nContent-Type: multipart/mixed;boundary=d2\r\n\r\n"
	    "--d2\r\nContent-Type: multipart/mixed;boundary=d3\r\n\r\n"
	    "--d3\r\nContent-Type: multipart/mixed;boundary=d4\r\n\r\n"
	    "--d4\r\n" TPART "--d4--\r\n--d3--\r\n--d2--\r\n--d1--\r\n"),
	  OK_FOUND, OK_FOUND, NULL },
	{ "depth_5", "multipart/mixed;boundary=d1",
	  B("--d1\r\nContent-Type: multipart/mixed;boundary=d2\r\n\r\n"
	    "--d2\r\nContent-Type: multipart/mixed;boundary=d3\r\n\r\n"
	    "--d3\r\nContent-Type: multipart/mixed;boundary=d4\r\n\r\n"
	    "--d4\r\nContent-Type: multipart/mixed;boundary=d5\r\n\r\n"
	    "--d5\r\n" TPART "--d5--\r\n--d4--\r\n--d3--\r\n--d2--\r\n--d1--\r\n"),
	  ERR(LIM_E_LIMIT), ERR(LIM_E_LIMIT), "nested too deep" },
	/* the whole body, not multipart */
	{ "single", "@T", B("@C"), OK_FOUND, OK_FOUND, NULL },
	{ "single_params", "@T ; x=\"a;b\"", B("@C"), OK_FOUND, OK_FOUND, NULL },
	/* a transfer-encoded target: mcbody decodes base64, the SDP lookup refuses it */
	{ "encoded_target", MP,
	  B("--b\r\nContent-Type: @T\r\nContent-Transfer-Encoding: base64\r\n\r\n"
	    "QVJvQUFBQUFBQUFBQUFBQQ==\r\n--b--\r\n"),
	  ERR(LIM_E_PARSE), OK_FOUND, NULL },
};

/* The found part of each caller compared with CONTENT. */
static bool sdp_is_target(struct cap_str s)
{
	return streq(s, CONTENT);
}

static bool mc_is_target(const struct cap_mc_result *r)
{
	static const uint8_t want[12] = { 1, 26 };
	return r->n_imsg == 1 && r->imsg[0].len == 12 && memcmp(r->imsg[0].bytes, want, 12) == 0;
}

static void run_case(const struct t_case *c, struct cap_sip_msg *m)
{
	static char body[CAP_SIP_MAX_MSG], ct[512];
	struct cap_mc_result *r = t_mc_res();
	struct cap_str sdp;
	enum lim_err rc;
	size_t n, before = lim_t_fail;

	/* the SDP lookup */
	n = expand(body, sizeof body, c->body, c->len, "application/sdp");
	ct[expand(ct, sizeof ct - 1, c->ct, strlen(c->ct), "application/sdp")] = 0;
	CHECK(sip_with(m, ct, body, n));
	rc = cap_sip_sdp_body(m, &sdp);
	CHECK(rc == c->sdp.rc);
	CHECK(sdp_is_target(sdp) == c->sdp.found);
	CHECK(c->sdp.found || sdp.len == 0);
	/* the iterator on the same body: its error text */
	{
		struct cap_mime it;
		struct cap_mime_part p;
		const char *why;
		size_t leaves = 0;
		cap_mime_init(&it, m->content_type, m->body, CAP_SIP_MAX_PARTS);
		while (cap_mime_next(&it, &p))
			leaves++;
		rc = cap_mime_err(&it, &why, NULL);
		CHECK(c->why ? rc != LIM_OK && strstr(why, c->why) != NULL : rc == LIM_OK);
		CHECK(c->why || leaves > 0);
	}
	/* mcbody on the message with application/mikey as the target */
	n = expand(body, sizeof body, c->body, c->len, "application/mikey");
	ct[expand(ct, sizeof ct - 1, c->ct, strlen(c->ct), "application/mikey")] = 0;
	CHECK(sip_with(m, ct, body, n));
	rc = cap_mc_extract(m, r);
	CHECK(rc == c->mc.rc);
	CHECK(mc_is_target(r) == c->mc.found);
	CHECK(c->mc.found || r->n_imsg == 0);
	CHECK(c->why ? strstr(r->err_detail, c->why) != NULL : strcmp(r->err_detail, "ok") == 0);
	if (lim_t_fail != before)
		fprintf(stderr, "  case %s: mc rc %d \"%s\"\n", c->name, rc, r->err_detail);
}

static void t_both(void)
{
	struct cap_sip_msg *m = malloc(sizeof *m);
	CHECK(m != NULL);
	if (!m)
		return;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		run_case(&cases[i], m);
	free(m);
}

/* ---------------------------------------------------------------- hostile sizes */

#define BIG 65000 /* a body that still fits in a SIP message of CAP_SIP_MAX_MSG */
static char big[BIG];

/* n parts "--b\r\n\r\nx\r\n" with the target as part number target (1-based; 0: none), then
 * the close delimiter. Returns the length. */
static size_t many_parts(size_t n, size_t target)
{
	size_t k = 0;
	for (size_t i = 1; i <= n; i++) {
		const char *part = i == target ? "--b\r\n" TPART : "--b\r\n\r\nx\r\n";
		size_t l = strlen(part);
		if (sizeof big - k < l + 8)
			break;
		memcpy(big + k, part, l);
		k += l;
	}
	memcpy(big + k, "--b--\r\n", 7);
	return k + 7;
}

/* Both callers on big[0..n) with @T / @C expanded: expected rc and found for each. */
static void both_big(size_t n, struct t_want sdp_want, struct t_want mc_want)
{
	static char body[CAP_SIP_MAX_MSG];
	struct cap_sip_msg *m = malloc(sizeof *m);
	struct cap_mc_result *r = t_mc_res();
	struct cap_str sdp;
	size_t l;
	CHECK(m != NULL);
	if (!m)
		return;
	l = expand(body, sizeof body, big, n, "application/sdp");
	CHECK(sip_with(m, MP, body, l));
	CHECK(cap_sip_sdp_body(m, &sdp) == sdp_want.rc);
	CHECK(sdp_is_target(sdp) == sdp_want.found);
	l = expand(body, sizeof body, big, n, "application/mikey");
	CHECK(sip_with(m, MP, body, l));
	CHECK(cap_mc_extract(m, r) == mc_want.rc);
	CHECK(mc_is_target(r) == mc_want.found);
	free(m);
}

static void t_hostile(void)
{
	struct cap_sip_msg *m = malloc(sizeof *m);
	struct cap_mc_result *r = t_mc_res();
	struct cap_mime it;
	struct cap_mime_part p;
	const char *why;
	size_t n, k;

	CHECK(m != NULL);
	if (!m)
		return;
	/* part counts: CAP_SIP_MAX_PARTS for the SDP lookup, CAP_MC_MAX_PARTS for mcbody */
	both_big(many_parts(CAP_SIP_MAX_PARTS, CAP_SIP_MAX_PARTS), (struct t_want)OK_FOUND,
		 (struct t_want)OK_FOUND);
	both_big(many_parts(CAP_SIP_MAX_PARTS + 1, CAP_SIP_MAX_PARTS + 1),
		 (struct t_want)ERR(LIM_E_LIMIT), (struct t_want)OK_FOUND);
	both_big(many_parts(CAP_MC_MAX_PARTS, CAP_MC_MAX_PARTS), (struct t_want)ERR(LIM_E_LIMIT),
		 (struct t_want)OK_FOUND);
	both_big(many_parts(CAP_MC_MAX_PARTS + 1, CAP_MC_MAX_PARTS + 1),
		 (struct t_want)ERR(LIM_E_LIMIT), (struct t_want)ERR(LIM_E_LIMIT));
	/* the SDP lookup stops at its part: what follows is not counted */
	both_big(many_parts(CAP_SIP_MAX_PARTS * 100, 1), (struct t_want)OK_FOUND,
		 (struct t_want)ERR_FOUND(LIM_E_LIMIT));
	/* as many empty parts as fit in a SIP message */
	n = 0;
	while (n + 5 + 7 <= sizeof big) {
		memcpy(big + n, "--b\r\n", 5);
		n += 5;
	}
	memcpy(big + n, "--b--\r\n", 7);
	n += 7;
	both_big(n, (struct t_want)ERR(LIM_E_LIMIT), (struct t_want)ERR(LIM_E_LIMIT));
	/* nested multipart parts count too */
	{
		size_t l = (size_t)snprintf(big, sizeof big,
					    "--b\r\n\r\nx\r\n--b\r\n"
					    "Content-Type: multipart/mixed;boundary=c\r\n"
					    "\r\n");
		for (int i = 0; i < CAP_SIP_MAX_PARTS - 2; i++)
			l += (size_t)snprintf(big + l, sizeof big - l, "--c\r\n\r\nx\r\n");
		l += (size_t)snprintf(big + l, sizeof big - l,
				      "--c--\r\n--b\r\n" TPART "--b--\r\n");
		both_big(l, (struct t_want)ERR(LIM_E_LIMIT), (struct t_want)OK_FOUND);
	}

	/* deep nesting: far more levels than allowed, each with its own boundary (none a prefix
	 * of another: "d1z" is not one of "d10z"), each closed */
	k = 0;
	for (int d = 0; d < 900; d++)
		k += (size_t)snprintf(
			big + k, sizeof big - k,
			"--d%dz\r\nContent-Type: multipart/mixed;boundary=d%dz\r\n\r\n", d, d + 1);
	k += (size_t)snprintf(big + k, sizeof big - k, "--d900z\r\n\r\nx\r\n--d900z--");
	for (int d = 899; d >= 0; d--)
		k += (size_t)snprintf(big + k, sizeof big - k, "\r\n--d%dz--", d);
	CHECK(k < sizeof big - 200);
	CHECK(sip_with(m, "multipart/mixed;boundary=d0z", big, k));
	{
		struct cap_str sdp;
		CHECK(cap_sip_sdp_body(m, &sdp) == LIM_E_LIMIT && sdp.len == 0);
		CHECK(cap_mc_extract(m, r) == LIM_E_LIMIT &&
		      strstr(r->err_detail, "nested too deep"));
		cap_mime_init(&it, m->content_type, m->body, 1000);
		CHECK(!cap_mime_next(&it, &p) && cap_mime_err(&it, &why, NULL) == LIM_E_LIMIT);
		CHECK(strstr(why, "nested too deep") != NULL);
	}
	/* the same boundary at every level: the inner delimiters close the outer part first */
	k = 0;
	for (int d = 0; d < 8; d++)
		k += (size_t)snprintf(big + k, sizeof big - k,
				      "--s\r\nContent-Type: multipart/mixed;boundary=s\r\n\r\n");
	k += (size_t)snprintf(big + k, sizeof big - k, "--s--\r\n");
	CHECK(sip_with(m, "multipart/mixed;boundary=s", big, k));
	{
		struct cap_str sdp;
		CHECK(cap_sip_sdp_body(m, &sdp) == LIM_E_PARSE);
		CHECK(cap_mc_extract(m, r) == LIM_E_PARSE && r->n_imsg == 0);
	}

	/* a part header line longer than CAP_SIP_MAX_LINE; more fields than CAP_MIME_MAX_HDRS */
	k = (size_t)snprintf(big, sizeof big, "--b\r\nX-Long: ");
	memset(big + k, 'a', CAP_SIP_MAX_LINE);
	k += CAP_SIP_MAX_LINE;
	k += (size_t)snprintf(big + k, sizeof big - k, "\r\n" TPART "--b--\r\n");
	both_big(k, (struct t_want)ERR(LIM_E_LIMIT), (struct t_want)ERR(LIM_E_LIMIT));
	CHECK(strstr(r->err_detail, "too long") != NULL);
	k = (size_t)snprintf(big, sizeof big, "--b\r\n");
	for (int i = 0; i < CAP_MIME_MAX_HDRS; i++)
		k += (size_t)snprintf(big + k, sizeof big - k, "X-%d: %d\r\n", i, i);
	k += (size_t)snprintf(big + k, sizeof big - k, TPART "--b--\r\n");
	both_big(k, (struct t_want)ERR(LIM_E_LIMIT), (struct t_want)ERR(LIM_E_LIMIT));
	CHECK(strstr(r->err_detail, "too many part header fields") != NULL);
	/* CAP_MIME_MAX_HDRS - 1 others and the Content-Type: fine */
	k = (size_t)snprintf(big, sizeof big, "--b\r\n");
	for (int i = 0; i < CAP_MIME_MAX_HDRS - 1; i++)
		k += (size_t)snprintf(big + k, sizeof big - k, "X-%d: %d\r\n", i, i);
	k += (size_t)snprintf(big + k, sizeof big - k, TPART "--b--\r\n");
	both_big(k, (struct t_want)OK_FOUND, (struct t_want)OK_FOUND);

	/* a body of nothing but dashes and near-boundaries: no delimiter line anywhere */
	memset(big, '-', sizeof big);
	both_big(sizeof big, (struct t_want)ERR(LIM_E_PARSE), (struct t_want)ERR(LIM_E_PARSE));
	memset(big, '\n', sizeof big);
	both_big(sizeof big, (struct t_want)ERR(LIM_E_PARSE), (struct t_want)ERR(LIM_E_PARSE));
	/* a 70-octet boundary and lines that all but match it */
	k = 0;
	while (sizeof big - k > 200)
		k += (size_t)snprintf(big + k, sizeof big - k, "--%.69s\r\n", B70);
	cap_mime_init(&it, (struct cap_str){ B("multipart/mixed;boundary=" B70) },
		      (struct cap_str){ big, k }, 1000);
	CHECK(!cap_mime_next(&it, &p) && cap_mime_err(&it, &why, NULL) == LIM_E_PARSE);
	CHECK(strstr(why, "no boundary delimiter") != NULL);
	free(m);
}

const struct lim_suite t_mime_suites[] = {
	{ "mime_iter", t_iter },
	{ "mime_both", t_both },
	{ "mime_hostile", t_hostile },
	{ NULL, NULL },
};
