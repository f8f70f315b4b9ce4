/* test_capture suites "mc_notify", "mc_variants", "mc_hostile": GMK I_MESSAGEs found in SIP
 * bodies by capture/mcbody.h. The I_MESSAGE is the Streamwide GMK vector (tests/kat/
 * mcx_unwrap.vec gmk_msg), base64-encoded here and placed in group documents, mcptt-info and
 * application/mikey parts the way TS 24.481 / 24.379 / RFC 3830 carry them; every found
 * message must equal the vector octet for octet. Hostile bodies (DTDs, entities, nesting,
 * caps, broken framing) must be refused with a clear reason. */
#include <stdlib.h>

#include "capture/mcbody.h"
#include "common/codec.h"
#include "tests/unit/capture_suites.h"

static uint8_t imsg[1024];
static size_t imsg_len;
static char b64[1500];  /* one line */
static char b64w[1600]; /* wrapped at 64 columns, CRLF */
static char hexw[2200]; /* hexBinary (TS 24.481 GKTP), wrapped at 64 columns, LF */

static void load(void)
{
	char *vec;
	size_t k = 0;
	if (imsg_len)
		return;
	vec = lim_t_read_file("tests/kat/mcx_unwrap.vec", NULL);
	if (lim_t_vec_hex(vec, "gmk_msg", imsg, sizeof imsg, &imsg_len) != 0)
		exit(1);
	free(vec);
	lim_b64_encode(imsg, imsg_len, b64);
	for (size_t i = 0; b64[i]; i++) {
		if (i && i % 64 == 0) {
			b64w[k++] = '\r';
			b64w[k++] = '\n';
			b64w[k++] = ' ';
		}
		b64w[k++] = b64[i];
	}
	b64w[k] = 0;
	k = 0;
	for (size_t i = 0; i < imsg_len; i++) {
		static const char hx[] = "0123456789ABCDEF";
		if (i && i % 32 == 0)
			hexw[k++] = '\n';
		hexw[k++] = hx[imsg[i] >> 4];
		hexw[k++] = hx[imsg[i] & 15];
	}
	hexw[k] = 0;
}

/* see capture_suites.h */
struct cap_mc_result *t_mc_res(void)
{
	static struct cap_mc_result *r;
	if (!r)
		r = malloc(sizeof *r);
	if (!r)
		exit(1);
	return r;
}

static enum lim_err body(const char *ct, const char *b, struct cap_mc_result *r)
{
	struct cap_str c = { ct, strlen(ct) }, x = { b, strlen(b) };
	return cap_mc_extract_body(c, x, r);
}

static bool is_vec(const struct cap_mc_imsg *im)
{
	return im->len == imsg_len && memcmp(im->bytes, imsg, imsg_len) == 0;
}

static bool has_group(const struct cap_mc_imsg *im, const char *g)
{
	for (size_t i = 0; i < im->n_group; i++)
		if (strcmp(im->group[i].s, g) == 0)
			return true;
	return false;
}

static char big[1 << 18];

/* A NOTIFY of the group document (xcap-diff) to the member, multipart/mixed: mcptt-info and
 * the group document whose list-service carries the member's GMK I_MESSAGE. */
static void t_notify(void)
{
	struct cap_sip_msg *m = malloc(sizeof *m);
	struct cap_mc_result *r = t_mc_res();
	int n;
	load();
	{
		char b[8192];
		int bl =
			snprintf(b, sizeof b,
				 "--gms-b1\r\n"
				 "Content-Type: application/vnd.3gpp.mcptt-info+xml\r\n\r\n"
				 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
				 "<mcpttinfo xmlns=\"urn:3gpp:ns:mcpttInfo:1.0\"><mcptt-Params>"
				 "<mcptt-request-uri><mcpttURI>sip:alice@streamwide.com</mcpttURI>"
				 "</mcptt-request-uri><mcptt-calling-group-id><mcpttURI>"
				 "sip:fire-north@streamwide.com</mcpttURI></mcptt-calling-group-id>"
				 "</mcptt-Params></mcpttinfo>\r\n"
				 "--gms-b1\r\n"
				 "Content-Type: application/vnd.oma.poc.groups+xml\r\n\r\n"
				 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
				 "<group xmlns=\"urn:oma:xml:poc:list-service\" "
				 "xmlns:mcpttgi=\"urn:3gpp:ns:mcpttGroupInfo:1.0\">\r\n"
				 " <list-service uri=\"sip:fire-north@streamwide.com\">\r\n"
				 "  <display-name xml:lang=\"en\">Fire north</display-name>\r\n"
				 "  <list><entry uri=\"sip:alice@streamwide.com\"/></list>\r\n"
				 "  <mgktp:GKTPs "
				 "xmlns:mgktp=\"urn:3gpp:ns:mcpttGKTP:1.0\"><mgktp:GMK-GKTPs>\r\n"
				 "   <mgktp:GKTP id=\"k1\">\r\n%s\r\n   </mgktp:GKTP>\r\n"
				 "  </mgktp:GMK-GKTPs></mgktp:GKTPs>\r\n"
				 " </list-service>\r\n</group>\r\n"
				 "--gms-b1--\r\n",
				 hexw);
		n = snprintf(big, sizeof big,
			     "NOTIFY sip:alice@192.0.2.10:5060 SIP/2.0\r\n"
			     "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776\r\n"
			     "From: <sip:gms@streamwide.com>;tag=g1\r\n"
			     "To: <sip:alice@streamwide.com>;tag=a1\r\n"
			     "Call-ID: gms-sub-1@192.0.2.1\r\n"
			     "CSeq: 2 NOTIFY\r\n"
			     "Event: xcap-diff\r\n"
			     "Subscription-State: active;expires=3600\r\n"
			     "Content-Type: multipart/mixed; boundary=\"gms-b1\"\r\n"
			     "Content-Length: %d\r\n\r\n%s",
			     bl, b);
	}
	CHECK(m && n > 0);
	CHECK(cap_sip_parse((const uint8_t *)big, (size_t)n, m) == LIM_OK);
	CHECK(cap_mc_extract(m, r) == LIM_OK);
	CHECK(strcmp(r->err_detail, "ok") == 0);
	CHECK(cap_str_eq(r->method, "NOTIFY"));
	CHECK(cap_str_eq(r->ruri, "sip:alice@192.0.2.10:5060"));
	CHECK(cap_str_eq(r->to_uri, "sip:alice@streamwide.com"));
	CHECK(strcmp(r->mc_target.s, "sip:alice@streamwide.com") == 0);
	CHECK(strcmp(r->mc_group.s, "sip:fire-north@streamwide.com") == 0);
	CHECK(r->n_parts == 2 && r->n_xml == 2);
	CHECK(r->n_imsg == 1 && !r->imsg_cut);
	CHECK(is_vec(&r->imsg[0]));
	CHECK(r->imsg[0].src == CAP_MC_SRC_XML);
	CHECK(strcmp(r->imsg[0].element.s, "GKTP") == 0);
	CHECK(strcmp(r->imsg[0].container.s, "GMK-GKTPs") == 0);
	CHECK(strcmp(r->imsg[0].gktp_id.s, "k1") == 0);
	CHECK(strcmp(r->imsg[0].part_type.s, "application/vnd.oma.poc.groups+xml") == 0);
	/* the list-service URI and the mcptt-info group are the same: kept once */
	CHECK(r->imsg[0].n_group == 1 && has_group(&r->imsg[0], "sip:fire-north@streamwide.com"));
	free(m);
	CHECK(cap_mc_extract(NULL, r) == LIM_E_ARG);
}

static void t_variants(void)
{
	struct cap_mc_result *r = t_mc_res();
	char b[16384];
	load();

	/* LF only, unquoted boundary, CDATA, group-id sibling, entity in the list-service uri */
	snprintf(b, sizeof b,
		 "preamble\n--xx\nContent-Type: application/xml\n\n"
		 "<doc><list-service uri=\"sip:g1@ex.org;a=1&amp;b=2\"><k>"
		 "<mcptt-group-id>sip:g2@ex.org</mcptt-group-id>"
		 "<key><![CDATA[%s]]></key><!-- c --></k></list-service></doc>\n--xx--\nepilogue",
		 b64);
	CHECK(body("multipart/mixed;boundary=xx", b, r) == LIM_OK);
	CHECK(r->n_imsg == 1 && is_vec(&r->imsg[0]));
	CHECK(has_group(&r->imsg[0], "sip:g1@ex.org;a=1&b=2"));
	CHECK(has_group(&r->imsg[0], "sip:g2@ex.org"));
	/* a group ID in a CDATA section: its octets as they are, an & in it no reference
	 * (before, the & made the element ignored, and an &amp; in it was decoded) */
	snprintf(b, sizeof b,
		 "<doc><k><mcptt-group-id><![CDATA[ sip:g3@ex.org;a=1&b=2 ]]></mcptt-group-id>"
		 "<other-group-id><![CDATA[sip:g4@ex.org;x=&amp;]]></other-group-id>"
		 "<key>%s</key></k></doc>",
		 b64);
	CHECK(body("application/xml", b, r) == LIM_OK && r->n_imsg == 1 && is_vec(&r->imsg[0]));
	CHECK(has_group(&r->imsg[0], "sip:g3@ex.org;a=1&b=2"));
	CHECK(has_group(&r->imsg[0], "sip:g4@ex.org;x=&amp;"));
	snprintf(b, sizeof b,
		 "<mcpttinfo><mcptt-Params><mcptt-calling-group-id><mcpttURI><![CDATA[sip:g&5@x]]>"
		 "</mcpttURI></mcptt-calling-group-id></mcptt-Params></mcpttinfo>");
	CHECK(body("application/vnd.3gpp.mcptt-info+xml", b, r) == LIM_OK &&
	      strcmp(r->mc_group.s, "sip:g&5@x") == 0);

	/* nested multipart (depth 2) with an application/mikey part, binary then base64 CTE */
	{
		size_t k = (size_t)snprintf(
			b, sizeof b,
			"--o\r\nContent-Type: multipart/mixed;\r\n boundary=in\r\n\r\n"
			"--in\r\nContent-Type: application/mikey\r\n\r\n");
		memcpy(b + k, imsg, imsg_len);
		k += imsg_len;
		k += (size_t)snprintf(b + k, sizeof b - k,
				      "\r\n--in\r\nContent-Type: application/mikey\r\n"
				      "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n--in--\r\n"
				      "--o\r\nContent-Type: text/plain\r\n\r\n%s\r\n--o--\r\n",
				      b64w, b64);
		{
			struct cap_str c = { "multipart/related; boundary=o", 29 }, x = { b, k };
			CHECK(cap_mc_extract_body(c, x, r) == LIM_OK);
		}
		CHECK(r->n_imsg == 2 && is_vec(&r->imsg[0]) && is_vec(&r->imsg[1]));
		CHECK(r->imsg[0].src == CAP_MC_SRC_MIKEY && r->imsg[0].n_group == 0);
		CHECK(r->n_parts == 3 && r->n_xml == 0); /* text/plain is not searched */
	}

	/* the whole body is an XML document sent with Content-Transfer-Encoding base64 */
	{
		char x[4096], e[8192];
		int xl = snprintf(
			x, sizeof x,
			"<a><list-service uri='sip:g3@ex.org'><b>%s</b></list-service></a>", b64);
		lim_b64_encode((const uint8_t *)x, (size_t)xl, e);
		snprintf(
			b, sizeof b,
			"--q\r\nContent-Type: text/xml\r\nContent-Transfer-Encoding: BASE64\r\n\r\n"
			"%s\r\n--q--\r\n",
			e);
		CHECK(body("multipart/mixed; boundary=q", b, r) == LIM_OK);
		CHECK(r->n_imsg == 1 && is_vec(&r->imsg[0]) &&
		      has_group(&r->imsg[0], "sip:g3@ex.org"));
	}

	/* a plain XML body (not multipart); two list-services, each with its own GMK */
	snprintf(b, sizeof b,
		 "<?xml version='1.0'?><g><list-service uri='sip:a@x'><m>%s</m></list-service>"
		 "<list-service uri='sip:b@x'><m>%s</m></list-service></g>",
		 b64, b64w);
	CHECK(body("application/vnd.oma.poc.groups+xml", b, r) == LIM_OK);
	CHECK(r->n_imsg == 2 && r->n_parts == 1);
	CHECK(r->imsg[0].n_group == 1 && has_group(&r->imsg[0], "sip:a@x"));
	CHECK(r->imsg[1].n_group == 1 && has_group(&r->imsg[1], "sip:b@x"));

	/* base64 that is not an I_MESSAGE, an SDP body, quoted-printable: nothing found */
	CHECK(body("application/xml", "<a><b>SGVsbG8gd29ybGQgaGVsbG8gd29ybGQ=</b></a>", r) ==
	      LIM_OK);
	CHECK(r->n_imsg == 0);
	CHECK(body("application/sdp", "v=0\r\n", r) == LIM_OK && r->n_imsg == 0);
	snprintf(b, sizeof b,
		 "--z\r\nContent-Type: application/xml\r\nContent-Transfer-Encoding: "
		 "quoted-printable\r\n\r\n<a><b>%s</b></a>\r\n--z--\r\n",
		 b64);
	CHECK(body("multipart/mixed;boundary=z", b, r) == LIM_OK && r->n_imsg == 0);
	CHECK(body("", "", r) == LIM_OK && r->n_imsg == 0);

	/* TS 24.481 regrouped GKTPs name their temporary group; hex in lower case */
	{
		char lo[2200];
		for (size_t i = 0; hexw[i]; i++)
			lo[i] = (char)((hexw[i] >= 'A' && hexw[i] <= 'F') ? hexw[i] + 32 : hexw[i]);
		lo[strlen(hexw)] = 0;
		snprintf(b, sizeof b,
			 "<group><list-service uri=\"sip:g@x\"><GKTPs><GMK-GKTPs>"
			 "<on-network-regrouped-GKTPs temporary-MCPTT-group-ID=\"sip:tmp@x\">"
			 "<GKTP id=\"7\">%s</GKTP></on-network-regrouped-GKTPs>"
			 "</GMK-GKTPs></GKTPs></list-service></group>",
			 lo);
		CHECK(body("application/vnd.oma.poc.groups+xml", b, r) == LIM_OK);
		CHECK(r->n_imsg == 1 && is_vec(&r->imsg[0]));
		CHECK(r->imsg[0].n_group == 2 && strcmp(r->imsg[0].group[0].s, "sip:tmp@x") == 0 &&
		      strcmp(r->imsg[0].group[1].s, "sip:g@x") == 0);
		CHECK(strcmp(r->imsg[0].container.s, "on-network-regrouped-GKTPs") == 0);
		/* odd-length or non-hex text after "011a" is not taken */
		snprintf(b, sizeof b, "<a><GKTP>%.40s0</GKTP><GKTP>011a%.36sZZ</GKTP></a>", lo,
			 lo + 4);
		CHECK(body("application/xml", b, r) == LIM_OK && r->n_imsg == 0);
	}

	/* more I_MESSAGEs than kept */
	{
		size_t k = (size_t)snprintf(b, sizeof b, "<a>");
		for (int i = 0; i < CAP_MC_MAX_IMSG + 2; i++)
			k += (size_t)snprintf(b + k, sizeof b - k, "<m>%s</m>", b64);
		snprintf(b + k, sizeof b - k, "</a>");
		CHECK(body("application/xml", b, r) == LIM_OK);
		CHECK(r->n_imsg == CAP_MC_MAX_IMSG && r->imsg_cut);
	}
}

static void expect(enum lim_err want, const char *ct, const char *b, const char *why)
{
	struct cap_mc_result *r = t_mc_res();
	enum lim_err rc = body(ct, b, r);
	CHECK(rc == want);
	CHECK(strstr(r->err_detail, why) != NULL);
	if (rc != want || !strstr(r->err_detail, why))
		fprintf(stderr, "  got %d \"%s\" want \"%s\"\n", rc, r->err_detail, why);
}

static void t_hostile(void)
{
	struct cap_mc_result *r = t_mc_res();
	char b[16384];
	size_t k;
	load();

	/* missing close delimiter: the part before it is kept, then the error */
	snprintf(b, sizeof b,
		 "--m\r\nContent-Type: application/xml\r\n\r\n<a><b>%s</b></a>\r\n"
		 "--m\r\nContent-Type: application/xml\r\n\r\n<a><b>%s</b></a>\r\n",
		 b64, b64);
	CHECK(body("multipart/mixed;boundary=m", b, r) == LIM_E_PARSE);
	CHECK(strstr(r->err_detail, "close delimiter") && r->n_imsg == 1 && is_vec(&r->imsg[0]));
	CHECK(r->err_offset > 0);
	expect(LIM_E_PARSE, "multipart/mixed", "--m\r\n\r\nx\r\n--m--\r\n", "boundary");
	expect(LIM_E_PARSE, "multipart/mixed;boundary=m", "no delimiter here", "delimiter");
	expect(LIM_E_PARSE, "multipart/mixed;boundary=m", "--m", "truncated");

	/* billion laughs, external entity, undeclared entity: no DTD is ever read */
	expect(LIM_E_PARSE, "application/xml",
	       "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
	       "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]>"
	       "<lolz>&lol2;</lolz>",
	       "DOCTYPE");
	expect(LIM_E_PARSE, "application/xml",
	       "<!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><a>&x;</a>", "DOCTYPE");
	expect(LIM_E_PARSE, "application/xml", "<a>&x;</a>", "entity");
	expect(LIM_E_PARSE, "application/xml", "<a b=\"&x;\"/>", "entity");
	expect(LIM_E_PARSE, "application/xml", "<a>&#0;</a>", "entity");
	expect(LIM_E_PARSE, "application/xml", "<a>&#x110000;</a>", "entity");
	/* structure */
	expect(LIM_E_PARSE, "application/xml", "<a><b></a></b>", "does not match");
	expect(LIM_E_PARSE, "application/xml", "<a><b>", "not closed");
	expect(LIM_E_PARSE, "application/xml", "<a/><b/>", "second root");
	/* a document that fails after its I_MESSAGE gives none of it (the group ID beside it is
	 * known only once the document is read: before, the I_MESSAGE came without it); a part
	 * read whole before it stays, with its group */
	snprintf(b, sizeof b, "<r><g><b>%s</b><mc-group-id>grp1</mc-group-id></g></r><x/>", b64);
	CHECK(body("application/xml", b, r) == LIM_E_PARSE && r->n_imsg == 0);
	snprintf(b, sizeof b, "<r><g><b>%s</b><mc-group-id>grp1</mc-group-id></g></r>", b64);
	CHECK(body("application/xml", b, r) == LIM_OK && r->n_imsg == 1 &&
	      has_group(&r->imsg[0], "grp1"));
	snprintf(b, sizeof b,
		 "--m\r\nContent-Type: application/xml\r\n\r\n"
		 "<r><g><b>%s</b><mc-group-id>grp1</mc-group-id></g></r>\r\n"
		 "--m\r\nContent-Type: application/xml\r\n\r\n"
		 "<r><g><b>%s</b><mc-group-id>grp2</mc-group-id></g>\r\n--m--\r\n",
		 b64, b64);
	CHECK(body("multipart/mixed;boundary=m", b, r) == LIM_E_PARSE && r->n_imsg == 1 &&
	      has_group(&r->imsg[0], "grp1") && !has_group(&r->imsg[0], "grp2"));
	/* a part refused first does not hide the parts after it (before, an unrelated XML part
	 * with an entity XML does not define stopped the walk): the refusal is still reported */
	snprintf(b, sizeof b,
		 "--m\r\nContent-Type: application/xml\r\n\r\n<p>a&nbsp;b</p>\r\n"
		 "--m\r\nContent-Type: application/mikey\r\n\r\n%s\r\n"
		 "--m\r\nContent-Type: application/xml\r\n\r\n"
		 "<r><g><b>%s</b><mc-group-id>grp3</mc-group-id></g></r>\r\n--m--\r\n",
		 "not base64 of a MIKEY message", b64);
	CHECK(body("multipart/mixed;boundary=m", b, r) == LIM_E_PARSE && r->n_imsg == 1 &&
	      is_vec(&r->imsg[0]) && has_group(&r->imsg[0], "grp3") &&
	      strstr(r->err_detail, "entity") && r->n_parts == 3);
	/* nor the calling group or request URI of an mcptt-info document that fails */
	snprintf(b, sizeof b,
		 "<mcpttinfo><mcptt-Params><mcptt-calling-group-id><mcpttURI>sip:g@x</mcpttURI>"
		 "</mcptt-calling-group-id><mcptt-request-uri><mcpttURI>sip:t@x</mcpttURI>"
		 "</mcptt-request-uri></mcptt-Params></mcpttinfo>%s",
		 "");
	CHECK(body("application/vnd.3gpp.mcptt-info+xml", b, r) == LIM_OK && r->mc_group.len == 7 &&
	      r->mc_target.len == 7);
	strcat(b, "<x/>");
	CHECK(body("application/vnd.3gpp.mcptt-info+xml", b, r) == LIM_E_PARSE &&
	      r->mc_group.len == 0 && r->mc_target.len == 0);
	expect(LIM_E_PARSE, "application/xml", "</a>", "without start");
	expect(LIM_E_PARSE, "application/xml", "<a><!-- x </a>", "comment");
	expect(LIM_E_PARSE, "application/xml", "<a b=c/>", "quoted");
	expect(LIM_E_PARSE, "application/xml", "<a b=\"<\"/>", "'<'");
	expect(LIM_E_PARSE, "application/xml", "<a b=\"1\"c=\"2\"/>", "blank");
	expect(LIM_E_PARSE, "application/xml", "text only", "no root");
	expect(LIM_E_PARSE, "application/xml", "<a><![CDATA[x</a>", "CDATA");
	/* caps: nesting, attributes, name length, parts, multipart depth, size */
	k = 0;
	for (int i = 0; i < CAP_MC_XML_MAX_DEPTH + 1; i++)
		k += (size_t)snprintf(b + k, sizeof b - k, "<e>");
	expect(LIM_E_LIMIT, "application/xml", b, "deep");
	k = (size_t)snprintf(b, sizeof b, "<a");
	for (int i = 0; i < CAP_MC_XML_MAX_ATTRS + 1; i++)
		k += (size_t)snprintf(b + k, sizeof b - k, " a%d='1'", i);
	snprintf(b + k, sizeof b - k, "/>");
	expect(LIM_E_LIMIT, "application/xml", b, "attributes");
	memset(b, 'n', 300);
	b[0] = '<';
	memcpy(b + 300, "/>", 3);
	expect(LIM_E_PARSE, "application/xml", b, "element name");
	k = 0;
	for (int i = 0; i < CAP_MC_MAX_PARTS + 1; i++)
		k += (size_t)snprintf(b + k, sizeof b - k,
				      "--p\r\nContent-Type: text/plain\r\n\r\nx\r\n");
	snprintf(b + k, sizeof b - k, "--p--\r\n");
	expect(LIM_E_LIMIT, "multipart/mixed;boundary=p", b, "too many parts");
	k = 0;
	for (int d = 0; d < CAP_MC_MAX_DEPTH + 1; d++)
		k += (size_t)snprintf(b + k, sizeof b - k,
				      "--b%d\r\nContent-Type: multipart/mixed;boundary=b%d\r\n\r\n",
				      d, d + 1);
	k += (size_t)snprintf(b + k, sizeof b - k, "--b%d\r\n\r\nx\r\n--b%d--\r\n",
			      CAP_MC_MAX_DEPTH + 1, CAP_MC_MAX_DEPTH + 1);
	for (int d = CAP_MC_MAX_DEPTH; d >= 0; d--)
		k += (size_t)snprintf(b + k, sizeof b - k, "\r\n--b%d--\r\n", d);
	expect(LIM_E_LIMIT, "multipart/mixed;boundary=b0", b, "nested too deep");
	/* elements: many small ones */
	{
		char *x = malloc(CAP_SIP_MAX_MSG + 1);
		size_t n = 0;
		struct cap_str c = { "application/xml", 15 }, xs;
		n += (size_t)snprintf(x, 8, "<a>");
		while (n + 12 < CAP_SIP_MAX_MSG)
			n += (size_t)snprintf(x + n, 8, "<b/>");
		n += (size_t)snprintf(x + n, 8, "</a>");
		xs.p = x;
		xs.len = n;
		CHECK(cap_mc_extract_body(c, xs, r) == LIM_E_LIMIT);
		CHECK(strstr(r->err_detail, "too many elements") != NULL);
		xs.len = CAP_SIP_MAX_MSG + 1;
		CHECK(cap_mc_extract_body(c, xs, r) == LIM_E_LIMIT);
		free(x);
	}
	/* a bad base64 part, a binary application/mikey that is not one */
	expect(LIM_E_PARSE, "multipart/mixed;boundary=m",
	       "--m\r\nContent-Type: text/xml\r\nContent-Transfer-Encoding: base64\r\n\r\n"
	       "!!!!\r\n--m--\r\n",
	       "base64");
	expect(LIM_E_PARSE, "application/mikey", "not mikey at all, not base64", "MIKEY");
	CHECK(body("application/mikey", "\x01\x02 short", r) == LIM_OK && r->n_imsg == 0);
}

const struct lim_suite t_mcbody_suites[] = {
	{ "mc_notify", t_notify },
	{ "mc_variants", t_variants },
	{ "mc_hostile", t_hostile },
	{ NULL, NULL },
};
