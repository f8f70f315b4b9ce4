/* test_capture: SIP (RFC 3261) and SDP (RFC 8866, RFC 4567) parsing, hostile messages. */
#include "capture/capture.h"
#include "tests/unit/capture_suites.h"

#define S(x) ((const uint8_t *)(x)), (sizeof(x) - 1)
#define T(x) (x), (sizeof(x) - 1)

static bool streq(struct cap_str s, const char *lit)
{
	return cap_str_eq(s, lit);
}

static const char invite[] =
	"INVITE sip:bob@example.org SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds\r\n"
	"Max-Forwards: 70\r\n"
	"To: Bob <sip:bob@example.org>\r\n"
	"From: \"Alice \\\"A\\\" <x>\" <sip:alice@example.org>;tag=1928301774\r\n"
	"i: a84b4c76e66710@pc33.example.org\r\n"
	"CSeq: 314159 INVITE\r\n"
	"P-Asserted-Identity: <sip:alice@ims.example.org>,\r\n"
	" <tel:+15551234567>\r\n"
	"m: <sip:alice@192.0.2.1>\r\n"
	"Subject: a folded\r\n"
	"\t subject line\r\n"
	"c: application/sdp\r\n"
	"l: 320\r\n"
	"\r\n"
	"v=0\r\n"
	"o=alice 2890844526 2890844526 IN IP4 192.0.2.1\r\n"
	"s=-\r\n"
	"c=IN IP4 192.0.2.1\r\n"
	"t=0 0\r\n"
	"a=key-mgmt:mikey AQIDBAUGBwg=\r\n"
	"m=audio 49170 RTP/SAVP 0 8 97\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:97 AMR-WB/16000/1\r\n"
	"m=video 51372 RTP/SAVP 31\r\n"
	"c=IN IP6 2001:db8::7/3\r\n"
	"a=key-mgmt:mikey CQoLDA==\r\n"
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:x\r\n";

static void t_invite(void)
{
	struct cap_sip_msg *m = calloc(1, sizeof *m);
	struct cap_sdp *sdp = calloc(1, sizeof *sdp);
	struct cap_str body;
	const struct cap_sip_hdr *h;
	size_t from = 0;

	CHECK(cap_sip_looks_like(S(invite)));
	CHECK(cap_sip_parse(S(invite), m) == LIM_OK);
	CHECK(m->reject == CAP_OK);
	CHECK(m->is_request && streq(m->method, "INVITE") && streq(m->ruri, "sip:bob@example.org"));
	CHECK(streq(m->call_id, "a84b4c76e66710@pc33.example.org"));
	CHECK(streq(m->from.uri, "sip:alice@example.org") && streq(m->from.tag, "1928301774"));
	CHECK(streq(m->from.display, "Alice \\\"A\\\" <x>"));
	CHECK(streq(m->to.uri, "sip:bob@example.org") && m->to.tag.len == 0);
	CHECK(streq(m->to.display, "Bob"));
	CHECK(m->n_pai == 2 && streq(m->pai[0].uri, "sip:alice@ims.example.org") &&
	      streq(m->pai[1].uri, "tel:+15551234567"));
	CHECK(m->cseq == 314159 && streq(m->cseq_method, "INVITE"));
	CHECK(streq(m->content_type, "application/sdp"));
	CHECK(m->has_clen && m->content_length == 320 && m->body.len == 320);
	CHECK(m->n_hdr == 11);
	h = cap_sip_find(m, CAP_H_SUBJECT, &from);
	CHECK(h && streq(h->value, "a folded\r\n\t subject line"));
	from = 0;
	h = cap_sip_find(m, CAP_H_CONTACT, &from);
	CHECK(h && streq(h->name, "m") && streq(h->value, "<sip:alice@192.0.2.1>"));
	CHECK(cap_sip_find(m, CAP_H_CONTACT, &from) == NULL);
	from = 0;
	CHECK(cap_sip_find(m, CAP_H_VIA, &from) != NULL);
	CHECK(cap_sip_sdp_body(m, &body) == LIM_OK && body.p == m->body.p && body.len == 320);

	CHECK(cap_sdp_parse((const uint8_t *)body.p, body.len, sdp) == LIM_OK);
	CHECK(sdp->conn.family == 4 && memcmp(sdp->conn.a, t_ip4_src, 4) == 0);
	CHECK(streq(sdp->key_mgmt, "AQIDBAUGBwg="));
	CHECK(sdp->n_media == 2);
	CHECK(streq(sdp->media[0].media, "audio") && sdp->media[0].port == 49170 &&
	      sdp->media[0].nports == 1 && streq(sdp->media[0].proto, "RTP/SAVP"));
	CHECK(sdp->media[0].n_fmt == 3 && sdp->media[0].fmt[0] == 0 && sdp->media[0].fmt[2] == 97);
	CHECK(sdp->media[0].n_rtpmap == 2 && sdp->media[0].rtpmap[1].pt == 97 &&
	      streq(sdp->media[0].rtpmap[1].encoding, "AMR-WB") &&
	      sdp->media[0].rtpmap[1].clock == 16000 && streq(sdp->media[0].rtpmap[1].params, "1"));
	CHECK(sdp->media[0].conn.family == 4 && sdp->media[0].key_mgmt.len == 0);
	CHECK(streq(cap_sdp_key_mgmt(sdp, 0), "AQIDBAUGBwg="));
	CHECK(sdp->media[1].conn.family == 6 && sdp->media[1].conn.a[15] == 7);
	CHECK(streq(sdp->media[1].key_mgmt, "CQoLDA==") && sdp->media[1].has_crypto);
	CHECK(streq(cap_sdp_key_mgmt(sdp, 1), "CQoLDA=="));
	{
		char a[64];
		cap_addr_str(&sdp->media[1].conn, a, sizeof a);
		CHECK(strcmp(a, "2001:db8::7") == 0);
	}
	/* every prefix of the message: rejected or parsed, never read past its end */
	for (size_t n = 0; n < sizeof invite - 1; n++) {
		uint8_t *c = malloc(n ? n : 1);
		memcpy(c, invite, n);
		if (cap_sip_parse(c, n, m) == LIM_OK)
			CHECK(!m->has_clen || m->body.len == m->content_length);
		else
			CHECK(m->reject != CAP_OK);
		if (cap_sdp_parse(c, n, sdp) == LIM_OK)
			CHECK(sdp->n_media <= 2);
		free(c);
	}
	free(m);
	free(sdp);
}

static const char ok200[] =
	"SIP/2.0 200 OK\r\n"
	"v: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds;received=192.0.2.1\n"
	"t: <sip:bob@example.org>;tag=a6c85cf\n"
	"f: sip:alice@example.org;tag=1928301774\n"
	"CALL-ID: a84b4c76e66710@pc33.example.org\n"
	"cseq:   314159    INVITE\n"
	"Content-Type: Application/SDP\n"
	"\n"
	"v=0\n"
	"o=bob 1 1 IN IP4 192.0.2.2\n"
	"c=IN IP4 192.0.2.2\n"
	"m=audio 3456 RTP/SAVP 0\n"
	"a=key-mgmt:mikey !!notbase64\n"
	"a=key-mgmt:other AAAA\n";

static void t_response(void)
{
	struct cap_sip_msg *m = calloc(1, sizeof *m);
	struct cap_sdp *sdp = calloc(1, sizeof *sdp);
	struct cap_str body;
	CHECK(cap_sip_looks_like(S(ok200)));
	CHECK(cap_sip_parse(S(ok200), m) == LIM_OK);
	CHECK(!m->is_request && m->status == 200 && streq(m->reason, "OK"));
	CHECK(streq(m->to.tag, "a6c85cf") && streq(m->to.uri, "sip:bob@example.org"));
	/* addr-spec form: the parameters belong to the header */
	CHECK(streq(m->from.uri, "sip:alice@example.org") && streq(m->from.tag, "1928301774"));
	CHECK(m->cseq == 314159 && streq(m->cseq_method, "INVITE"));
	CHECK(!m->has_clen && m->n_pai == 0);
	CHECK(cap_sip_sdp_body(m, &body) == LIM_OK && body.len == m->body.len && body.len > 0);
	CHECK(cap_sdp_parse((const uint8_t *)body.p, body.len, sdp) == LIM_OK);
	CHECK(sdp->n_media == 1 && sdp->media[0].port == 3456 && sdp->media[0].conn.a[3] == 2);
	CHECK(sdp->media[0].key_mgmt.len == 0 && sdp->key_mgmt.len == 0 &&
	      sdp->n_bad_key_mgmt == 1);
	CHECK(cap_sdp_key_mgmt(sdp, 0).len == 0 && cap_sdp_key_mgmt(sdp, 5).len == 0);
	/* Content-Length shorter than the datagram: the rest is discarded (RFC 3261 s18.3) */
	{
		static const char r[] =
			"SIP/2.0 180 Ringing\r\nCall-ID: x\r\nFrom: <sip:a@b>\r\n"
			"To: <sip:c@d>\r\nCSeq: 1 INVITE\r\nContent-Length: 2\r\n\r\n"
			"abcdef";
		CHECK(cap_sip_parse(S(r), m) == LIM_OK && m->status == 180 && m->body.len == 2);
		CHECK(cap_sip_sdp_body(m, &body) == LIM_OK && body.p == NULL && body.len == 0);
	}
	CHECK(!cap_sip_looks_like(S("HTTP/1.1 200 OK\r\n")));
	CHECK(!cap_sip_looks_like(S("\x01\x1a\x05")));
	CHECK(!cap_sip_looks_like(S("INVITE sip:x SIP/2.1\r\n")));
	free(m);
	free(sdp);
}

/* MCPTT: SDP beside mcptt-info XML and a resource list (TS 24.379). */
static const char mcptt[] = "INVITE sip:mcptt-server@example.org SIP/2.0\r\n"
			    "Via: SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1\r\n"
			    "From: <sip:mcptt-id-alice@example.org>;tag=f1\r\n"
			    "To: <sip:mcptt-server@example.org>\r\n"
			    "Call-ID: mcptt-call-1\r\n"
			    "CSeq: 1 INVITE\r\n"
			    "Content-Type: multipart/mixed;boundary=\"++boundary++\"\r\n"
			    "\r\n"
			    "--++boundary++\r\n"
			    "Content-Type: application/vnd.3gpp.mcptt-info+xml\r\n"
			    "\r\n"
			    "<?xml version=\"1.0\"?><mcpttinfo><mcptt-Params/></mcpttinfo>\r\n"
			    "--++boundary++   \r\n"
			    "Content-Type: application/sdp\r\n"
			    "Content-ID: <sdp1>\r\n"
			    "\r\n"
			    "v=0\r\n"
			    "o=- 1 1 IN IP6 2001:db8::1\r\n"
			    "c=IN IP6 2001:db8::1\r\n"
			    "m=audio 30000 RTP/SAVP 96\r\n"
			    "a=key-mgmt:mikey AQID\r\n"
			    "\r\n"
			    "--++boundary++\r\n"
			    "Content-Type: application/resource-lists+xml\r\n"
			    "\r\n"
			    "<resource-lists/>\r\n"
			    "--++boundary++--\r\n";

static void t_multipart(void)
{
	struct cap_sip_msg *m = calloc(1, sizeof *m);
	struct cap_sdp *sdp = calloc(1, sizeof *sdp);
	struct cap_str body;
	CHECK(cap_sip_parse(S(mcptt), m) == LIM_OK);
	CHECK(cap_sip_sdp_body(m, &body) == LIM_OK && body.len > 0);
	CHECK(body.len >= 5 && memcmp(body.p, "v=0\r\n", 5) == 0);
	CHECK(body.len >= 6 && memcmp(body.p + body.len - 6, "AQID\r\n", 6) == 0);
	CHECK(cap_sdp_parse((const uint8_t *)body.p, body.len, sdp) == LIM_OK);
	CHECK(sdp->n_media == 1 && sdp->media[0].port == 30000 && sdp->media[0].conn.family == 6);
	CHECK(streq(cap_sdp_key_mgmt(sdp, 0), "AQID"));
	/* RFC 3959: an early-session SDP part (a decoy put first) is not the session's; the
	 * part of disposition session is (Content-Disposition folded, in any case) */
	{
		char buf[2048];
		int n = snprintf(buf, sizeof buf,
				 "INVITE sip:x@y SIP/2.0\r\nCall-ID: c\r\nFrom: <sip:a@b>;tag=1\r\n"
				 "To: <sip:c@d>\r\nCSeq: 2 INVITE\r\n"
				 "Content-Type: multipart/mixed;boundary=b\r\n\r\n"
				 "--b\r\nContent-Type: application/sdp\r\nContent-Disposition:\r\n"
				 " Early-Session;handling=optional\r\n\r\nv=0\r\ns=decoy\r\n"
				 "--b\r\nContent-Type: application/sdp\r\n"
				 "Content-Disposition: session\r\n\r\nv=0\r\ns=real\r\n--b--\r\n");
		CHECK(cap_sip_parse((const uint8_t *)buf, (size_t)n, m) == LIM_OK);
		CHECK(cap_sip_sdp_body(m, &body) == LIM_OK && streq(body, "v=0\r\ns=real"));
	}
	/* no SDP part; no boundary; no closing delimiter; too many parts */
	{
		char buf[8192];
		static const char hdr[] =
			"MESSAGE sip:x@y SIP/2.0\r\nCall-ID: c\r\nFrom: <sip:a@b>;tag=1\r\n"
			"To: <sip:c@d>\r\nCSeq: 2 MESSAGE\r\nContent-Type: "
			"multipart/mixed%s\r\n\r\n";
		int n;
		n = snprintf(buf, sizeof buf, hdr, ";boundary=b");
		n += snprintf(buf + n, sizeof buf - (size_t)n,
			      "--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b--\r\n");
		CHECK(cap_sip_parse((const uint8_t *)buf, (size_t)n, m) == LIM_OK);
		CHECK(cap_sip_sdp_body(m, &body) == LIM_OK && body.len == 0);
		n = snprintf(buf, sizeof buf, hdr, "");
		n += snprintf(buf + n, sizeof buf - (size_t)n, "--b\r\n\r\nhi\r\n--b--\r\n");
		CHECK(cap_sip_parse((const uint8_t *)buf, (size_t)n, m) == LIM_OK);
		CHECK(cap_sip_sdp_body(m, &body) == LIM_E_PARSE);
		n = snprintf(buf, sizeof buf, hdr, ";boundary=b");
		n += snprintf(buf + n, sizeof buf - (size_t)n,
			      "--b\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n");
		CHECK(cap_sip_parse((const uint8_t *)buf, (size_t)n, m) == LIM_OK);
		CHECK(cap_sip_sdp_body(m, &body) == LIM_E_PARSE);
		n = snprintf(buf, sizeof buf, hdr, ";boundary=b");
		for (int i = 0; i < 20; i++)
			n += snprintf(buf + n, sizeof buf - (size_t)n, "--b\r\n\r\nx\r\n");
		n += snprintf(buf + n, sizeof buf - (size_t)n, "--b--\r\n");
		CHECK(cap_sip_parse((const uint8_t *)buf, (size_t)n, m) == LIM_OK);
		CHECK(cap_sip_sdp_body(m, &body) == LIM_E_LIMIT);
	}
	free(m);
	free(sdp);
}

static const char base[] = "OPTIONS sip:x@y SIP/2.0\r\nCall-ID: c1\r\nFrom: <sip:a@b>;tag=1\r\n"
			   "To: <sip:c@d>\r\nCSeq: 7 OPTIONS\r\n";

/* Parses base + extra + "\r\n" + body and returns the reject reason. */
static enum cap_drop try_sip(const char *extra, size_t elen, const char *body)
{
	static struct cap_sip_msg m;
	size_t bl = strlen(body), n = sizeof base - 1 + elen + 2 + bl;
	uint8_t *b = malloc(n);
	enum lim_err rc;
	memcpy(b, base, sizeof base - 1);
	memcpy(b + sizeof base - 1, extra, elen);
	memcpy(b + sizeof base - 1 + elen, "\r\n", 2);
	memcpy(b + sizeof base - 1 + elen + 2, body, bl);
	rc = cap_sip_parse(b, n, &m);
	free(b);
	CHECK((rc == LIM_OK) == (m.reject == CAP_OK));
	return m.reject;
}

static void t_hostile_sip(void)
{
	struct cap_sip_msg *m = calloc(1, sizeof *m);
	char *big;
	size_t n;

	CHECK(try_sip("", 0, "") == CAP_OK);
	/* 10 000 headers */
	big = malloc(200000);
	n = 0;
	for (int i = 0; i < 10000; i++)
		n += (size_t)snprintf(big + n, 200000 - n, "X-H%d: v\r\n", i % 10);
	CHECK(try_sip(big, n > 60000 ? 60000 : n, "") == CAP_DROP_SIP_HDRS);
	/* the same over the size cap */
	CHECK(try_sip(big, n, "") == CAP_DROP_SIP_SIZE);
	/* huge Content-Length, Content-Length past the body, not a number, twice */
	CHECK(try_sip(T("Content-Length: 99999999999999999999999\r\n"), "x") == CAP_DROP_SIP_CLEN);
	CHECK(try_sip(T("Content-Length: 4294967296\r\n"), "x") == CAP_DROP_SIP_CLEN);
	CHECK(try_sip(T("Content-Length: 65536\r\n"), "x") == CAP_DROP_SIP_CLEN);
	CHECK(try_sip(T("Content-Length: 5\r\n"), "abcd") == CAP_DROP_SIP_TRUNC);
	CHECK(try_sip(T("Content-Length: -1\r\n"), "") == CAP_DROP_SIP_CLEN);
	/* twice with the same value: passed over (the message was dropped before); leading
	 * zeros read; twice with another value: refused (stacks differ on which counts) */
	CHECK(try_sip(T("l: 0\r\nContent-Length: 0\r\n"), "") == CAP_OK);
	{
		static const char two[] = "OPTIONS sip:x@y SIP/2.0\r\nCall-ID: c1\r\ni: c1\r\n"
					  "From: <sip:a@b>\r\nTo: <sip:c@d>\r\nCSeq: 7 OPTIONS\r\n"
					  "CSeq: 7 OPTIONS\r\nl: 000000000000000000000000003\r\n"
					  "l: 000000000000000000000000003\r\n\r\nabcdef";
		CHECK(cap_sip_parse(S(two), m) == LIM_OK && streq(m->call_id, "c1") &&
		      m->cseq == 7 && m->content_length == 3 && m->body.len == 3);
	}
	/* the same value in another spelling: the same number, a media type in another case
	 * (before, dropped: a message the UA's stack took); another value: refused */
	CHECK(try_sip(T("l: 0\r\nContent-Length: 00\r\n"), "") == CAP_OK);
	CHECK(try_sip(T("l: 0\r\nContent-Length: 1\r\n"), "") == CAP_DROP_SIP_HEADER);
	CHECK(try_sip(T("Content-Type: application/sdp\r\nc: Application/SDP \r\nl: 0\r\n"), "") ==
	      CAP_OK);
	CHECK(try_sip(T("c: multipart/mixed;boundary=ab\r\nContent-Type: Multipart/Mixed ;"
			"boundary=ab\r\nl: 0\r\n"),
		      "") == CAP_OK);
	CHECK(try_sip(T("c: multipart/mixed;boundary=ab\r\nContent-Type: multipart/mixed;"
			"boundary=AB\r\nl: 0\r\n"),
		      "") == CAP_DROP_SIP_HEADER);
	CHECK(try_sip(T("c: application/sdp\r\nContent-Type: application/sdpx\r\nl: 0\r\n"), "") ==
	      CAP_DROP_SIP_HEADER);
	/* NULs and control octets in the header section; NULs in the body are fine */
	CHECK(try_sip(T("X-A: a\0b\r\n"), "") == CAP_DROP_SIP_NUL);
	CHECK(try_sip(T("X-A: a\x01"
			"b\r\n"),
		      "") == CAP_DROP_SIP_NUL);
	CHECK(try_sip(T("X-A: a\rb\r\n"), "") == CAP_DROP_SIP_NUL);
	{
		static const char nb[] =
			"OPTIONS sip:x@y SIP/2.0\r\nCall-ID: c1\r\nFrom: <sip:a@b>\r\n"
			"To: <sip:c@d>\r\nCSeq: 7 OPTIONS\r\nl: 3\r\n\r\n\0\0\0";
		CHECK(cap_sip_parse(S(nb), m) == LIM_OK && m->body.len == 3);
	}
	/* a line over the cap */
	memset(big, 'a', 10000);
	memcpy(big, "X-Long: ", 8);
	memcpy(big + 10000, "\r\n", 2);
	CHECK(try_sip(big, 10002, "") == CAP_DROP_SIP_LINE);
	memcpy(big + 8192, "\r\n", 2);
	CHECK(try_sip(big, 8192 + 2, "") == CAP_OK); /* exactly the cap */
	memcpy(big + 8192, "a\r\n", 3);
	CHECK(try_sip(big, 8193 + 2, "") == CAP_DROP_SIP_LINE);
	/* malformed fields */
	CHECK(try_sip(T("No colon here\r\n"), "") == CAP_DROP_SIP_HEADER);
	CHECK(try_sip(T(": empty name\r\n"), "") == CAP_DROP_SIP_HEADER);
	CHECK(try_sip(T("Call-ID: c2\r\n"), "") == CAP_DROP_SIP_HEADER);
	CHECK(try_sip(T("i: c1\r\n"), "") == CAP_OK);
	CHECK(try_sip(T("CSeq: 8 OPTIONS\r\n"), "") == CAP_DROP_SIP_HEADER);
	CHECK(try_sip(T("CSeq: 7 OPTIONS\r\n"), "") == CAP_OK);
	CHECK(try_sip(T("f: <sip:a@b>\r\n"), "") == CAP_DROP_SIP_HEADER);
	CHECK(try_sip(T("f: <sip:a@b>;tag=1\r\n"), "") == CAP_OK);
	/* a P-Asserted-Identity that does not parse is left out, not the message */
	CHECK(try_sip(T("P-Asserted-Identity: <sip:unterminated\r\n"), "") == CAP_OK);
	CHECK(try_sip(T("P-Asserted-Identity: \"no uri\"\r\n"), "") == CAP_OK);
	{
		static const char pai[] =
			"OPTIONS sip:x@y SIP/2.0\r\nCall-ID: c1\r\n"
			"From: <sip:a@b>\r\nTo: <sip:c@d>\r\nCSeq: 7 OPTIONS\r\n"
			"P-Asserted-Identity: Alice sip:alice@x, <tel:+4412>\r\n\r\n";
		CHECK(cap_sip_parse(S(pai), m) == LIM_OK && m->n_pai == 1 &&
		      streq(m->pai[0].uri, "tel:+4412"));
	}
	CHECK(try_sip(T("X-A: a\r\n  continued\r\n"), "") == CAP_OK);
	/* the header section never ends */
	CHECK(cap_sip_parse(S("OPTIONS sip:x@y SIP/2.0\r\nCall-ID: c1\r\n"), m) == LIM_E_TRUNC &&
	      m->reject == CAP_DROP_SIP_TRUNC);
	/* start lines */
	CHECK(cap_sip_parse(S("OPTIONS sip:x@y SIP/3.0\r\n\r\n"), m) == LIM_E_PARSE &&
	      m->reject == CAP_DROP_SIP_START);
	CHECK(cap_sip_parse(S("SIP/2.0 99 Low\r\n\r\n"), m) == LIM_E_PARSE &&
	      m->reject == CAP_DROP_SIP_START);
	CHECK(cap_sip_parse(S("SIP/2.0 200OK\r\n\r\n"), m) == LIM_E_PARSE);
	CHECK(cap_sip_parse(S(" folded-first\r\n\r\n"), m) == LIM_E_PARSE);
	CHECK(cap_sip_parse(S(""), m) != LIM_OK);
	/* mandatory headers */
	CHECK(cap_sip_parse(S("SIP/2.0 200 OK\r\nCall-ID: c\r\nFrom: <sip:a@b>\r\n"
			      "To: <sip:c@d>\r\n\r\n"),
			    m) == LIM_E_PARSE &&
	      m->reject == CAP_DROP_SIP_MISSING);
	CHECK(try_sip(T("CSeq: x\r\n"), "") == CAP_DROP_SIP_HEADER);
	{
		static const char cx[] = "SIP/2.0 200 OK\r\nCall-ID: c\r\nFrom: <sip:a@b>\r\n"
					 "To: <sip:c@d>\r\nCSeq: x\r\n\r\n";
		CHECK(cap_sip_parse(S(cx), m) == LIM_E_PARSE && m->reject == CAP_DROP_SIP_HEADER);
	}
	/* start lines as SIP stacks take them (RFC 3261 s7.1: the version is case-insensitive;
	 * s7.5: CRLFs before the start line, however many, are ignored), and whitespace after
	 * the request's version */
	{
		static const char *const ok[] = {
			"\r\n\r\n\r\n\r\n\r\nOPTIONS sip:x@y SIP/2.0\r\n",
			"OPTIONS sip:x@y sip/2.0\r\n",
			"OPTIONS sip:x@y SIP/2.0 \t\r\n",
			"sip/2.0 200 OK\r\n",
		};
		static const char rest[] = "Call-ID: c\r\nFrom: <sip:a@b>\r\nTo: <sip:c@d>\r\n"
					   "CSeq: 1 OPTIONS\r\n\r\n";
		char msg[256];
		for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
			int k = snprintf(msg, sizeof msg, "%s%s", ok[i], rest);
			CHECK(cap_sip_parse((const uint8_t *)msg, (size_t)k, m) == LIM_OK);
			CHECK(cap_sip_looks_like((const uint8_t *)msg, (size_t)k));
		}
		CHECK(!cap_sip_looks_like(S("OPTIONS sip:x@y SIP/2.0x\r\n")));
		CHECK(cap_sip_parse(S("OPTIONS sip:x@y SIP/2.0x\r\n\r\n"), m) == LIM_E_PARSE);
		CHECK(cap_sip_parse(S("OPTIONS sip:x@y  SIP/2.0\r\n\r\n"), m) == LIM_E_PARSE);
	}
	{
		static const char cs[] = "SIP/2.0 200 OK\r\nCall-ID: c\r\nFrom: <sip:a@b>\r\n"
					 "To: <sip:c@d>\r\nCSeq: 2147483648 INVITE\r\n\r\n";
		CHECK(cap_sip_parse(S(cs), m) == LIM_E_PARSE && m->reject == CAP_DROP_SIP_HEADER);
	}
	free(big);
	free(m);
}

static void t_hostile_sdp(void)
{
	struct cap_sdp *s = calloc(1, sizeof *s);
	char *big = malloc(100000);
	size_t n = 0;
	CHECK(cap_sdp_parse(S("v=0\r\nm=audio 1 RTP/AVP 0\r\n"), s) == LIM_OK && s->n_media == 1);
	CHECK(cap_sdp_parse(S("v=0\nm=audio 1 RTP/AVP 0"), s) == LIM_OK && s->n_media == 1);
	CHECK(cap_sdp_parse(S("o=x\r\nv=0\r\n"), s) == LIM_E_PARSE);
	CHECK(cap_sdp_parse(S(""), s) == LIM_E_PARSE);
	CHECK(cap_sdp_parse(S("v=0\r\nbroken\r\n"), s) == LIM_E_PARSE);
	CHECK(cap_sdp_parse(S("v=0\r\ns=a\0b\r\n"), s) == LIM_E_PARSE);
	CHECK(cap_sdp_parse(S("v=0\r\nm=audio 65536 RTP/AVP 0\r\n"), s) == LIM_E_PARSE);
	CHECK(cap_sdp_parse(S("v=0\r\nm=audio x RTP/AVP 0\r\n"), s) == LIM_E_PARSE);
	CHECK(cap_sdp_parse(S("v=0\r\nm=audio 5/0 RTP/AVP 0\r\n"), s) == LIM_E_PARSE);
	CHECK(cap_sdp_parse(S("v=0\r\nm=audio 5/2 RTP/AVP 0 x 300\r\n"), s) == LIM_OK &&
	      s->media[0].nports == 2 && s->media[0].n_fmt == 1);
	CHECK(cap_sdp_parse(S("v=0\r\nm=audio\r\n"), s) == LIM_E_PARSE);
	CHECK(cap_sdp_parse(S("v=0\r\nc=IN IP4\r\n"), s) == LIM_E_PARSE);
	CHECK(cap_sdp_parse(S("v=0\r\nc=XX IP4 1.2.3.4\r\n"), s) == LIM_E_PARSE);
	CHECK(cap_sdp_parse(S("v=0\r\nc=IN IP4 1.2.3.4 extra\r\n"), s) == LIM_E_PARSE);
	CHECK(cap_sdp_parse(S("v=0\r\nc=IN IP4 host.example\r\n"), s) == LIM_OK &&
	      s->conn.family == 0);
	CHECK(cap_sdp_parse(S("v=0\r\nc=IN IP4 1.2.3.256\r\n"), s) == LIM_OK &&
	      s->conn.family == 0);
	CHECK(cap_sdp_parse(S("v=0\r\nc=IN IP4 224.2.1.1/127/3\r\n"), s) == LIM_OK &&
	      s->conn.family == 4 && s->conn.a[0] == 224);
	/* a=ice-ufrag (RFC 8839 s5.4): the line's, else the session's; 4..256 ice-chars */
	CHECK(cap_sdp_parse(S("v=0\r\na=ice-ufrag:Sess\r\nm=audio 5000 RTP/AVP 0\r\n"
			      "m=video 5002 RTP/AVP 96\r\na=ice-ufrag:Li+/ne\r\n"
			      "m=audio 5004 RTP/AVP 0\r\na=ice-ufrag:abc\r\n"
			      "m=audio 5006 RTP/AVP 0\r\na=ice-ufrag:ab-cd\r\n"),
			    s) == LIM_OK &&
	      s->n_media == 4 && cap_str_eq(s->media[0].ice_ufrag, "Sess") &&
	      cap_str_eq(s->media[1].ice_ufrag, "Li+/ne") &&
	      cap_str_eq(s->media[2].ice_ufrag, "Sess") &&
	      cap_str_eq(s->media[3].ice_ufrag, "Sess"));
	/* a line's own c= overrides the session's, an FQDN too (RFC 8866 s5.7): no address,
	 * not the session's; a line without one takes the session's */
	CHECK(cap_sdp_parse(S("v=0\r\nc=IN IP4 192.0.2.1\r\nm=audio 5000 RTP/AVP 0\r\n"
			      "c=IN IP4 media.example.com\r\nm=video 5002 RTP/AVP 96\r\n"
			      "m=audio 5004 RTP/AVP 0\r\nc=IN IP4 192.0.2.9\r\n"),
			    s) == LIM_OK &&
	      s->n_media == 3 && s->media[0].has_conn && s->media[0].conn.family == 0 &&
	      !s->media[1].has_conn && s->media[1].conn.family == 4 && s->media[1].conn.a[3] == 1 &&
	      s->media[2].conn.a[3] == 9);
	CHECK(cap_sdp_parse(S("v=0\r\nm=a 1 RTP/AVP 0\r\na=rtpmap:0\r\na=rtpmap:x y/1\r\n"
			      "a=rtpmap:0 PCMU/\r\na=rtpmap:0 /8000\r\n"),
			    s) == LIM_OK &&
	      s->media[0].n_rtpmap == 0);
	CHECK(cap_sdp_parse(S("v=0\r\na=key-mgmt:mikey\r\n"), s) == LIM_OK &&
	      s->n_bad_key_mgmt == 1);
	/* a=rtcp (RFC 3605): the port, and an address when it parses */
	CHECK(cap_sdp_parse(S("v=0\r\nm=a 1 RTP/AVP 0\r\na=rtcp:9 IN IP6 2001:db8::7\r\n"), s) ==
		      LIM_OK &&
	      s->media[0].rtcp_port == 9 && s->media[0].rtcp_addr.family == 6 &&
	      s->media[0].rtcp_addr.a[15] == 7);
	CHECK(cap_sdp_parse(S("v=0\r\nm=a 1 RTP/AVP 0\r\na=rtcp:9 IN IP4 10.1.2.3\r\n"), s) ==
		      LIM_OK &&
	      s->media[0].rtcp_addr.family == 4 && s->media[0].rtcp_addr.a[3] == 3 &&
	      s->media[0].rtcp_addr.a[4] == 0);
	CHECK(cap_sdp_parse(S("v=0\r\nm=a 1 RTP/AVP 0\r\na=rtcp:9 IN IP4 10.1.2\r\n"), s) ==
		      LIM_OK &&
	      s->media[0].rtcp_port == 9 && s->media[0].rtcp_addr.family == 0);
	CHECK(cap_sdp_parse(S("v=0\r\nm=a 1 RTP/AVP 0\r\na=rtcp:9 XX\r\n"), s) == LIM_OK &&
	      s->media[0].rtcp_port == 9 && s->media[0].rtcp_addr.family == 0);
	CHECK(cap_sdp_parse(S("v=0\r\nm=a 1 RTP/AVP 0\r\na=rtcp:0 IN IP4 10.1.2.3\r\n"), s) ==
		      LIM_OK &&
	      s->media[0].rtcp_port == 0 && s->media[0].rtcp_addr.family == 0);
	/* a=candidate (RFC 8839 s5.1): kept, and each way of not being kept */
	CHECK(cap_sdp_parse(
		      S("v=0\r\na=candidate:0 1 UDP 1 10.0.0.1 5 typ host\r\n"
			"m=a 1 RTP/AVP 0\r\n"
			"a=candidate:1 1 UDP 2130706431 10.0.0.2 5000 typ host\r\n"
			"a=candidate:2 2 udp 1 2001:db8::5 5001 typ srflx raddr :: rport 9\r\n"
			"a=candidate:3 1 TCP 1 10.0.0.3 5002 typ host\r\n"
			"a=candidate:4 1 UDP 1 x.local 5003 typ host\r\n"
			"a=candidate:5 0 UDP 1 10.0.0.5 5004 typ host\r\n"
			"a=candidate:6 3 UDP 1 10.0.0.6 5005 typ host\r\n"
			"a=candidate:7 1 UDP 1 10.0.0.7 0 typ host\r\n"
			"a=candidate:8 1 UDP 1 10.0.0.8 5007 host\r\n"
			"a=candidate:9 1 UDP 1 10.0.0.9 5008 typ\r\n"
			"a=candidate:10 1 UDP 4294967296 10.0.0.10 5009 typ host\r\n"
			"a=candidate:11 1 UDP 1 10.0.0.11 65536 typ host\r\n"
			"a=candidate:123456789012345678901234567890123 1 UDP 1 10.0.0.12 5 typ "
			"host\r\n"
			"a=candidate: 1 UDP 1 10.0.0.13 5 typ host\r\n"
			"a=candidate\r\n"
			"a=candidate:1 1 UDP 1 10.0.0.256 5 typ host\r\n"
			"a=candidate:1 1 UDP 1 [2001:db8::1] 5 typ host\r\n"),
		      s) == LIM_OK &&
	      s->n_media == 1 && s->media[0].n_cand == 2 && s->media[0].n_cand_over == 0 &&
	      s->media[0].cand[0].component == 1 && s->media[0].cand[0].port == 5000 &&
	      s->media[0].cand[0].addr.family == 4 && s->media[0].cand[0].addr.a[3] == 2 &&
	      s->media[0].cand[1].component == 2 && s->media[0].cand[1].addr.family == 6 &&
	      s->media[0].cand[1].addr.a[15] == 5 && s->media[0].cand[1].port == 5001);
	n = (size_t)snprintf(big, 100000, "v=0\r\nm=a 1 RTP/AVP 0\r\n");
	/* each given twice: kept once (past the cap both copies count: only the kept are known) */
	for (int i = 0; i < CAP_SDP_MAX_CAND + 3; i++)
		n += (size_t)snprintf(big + n, 100000 - n,
				      "a=candidate:%d 1 UDP 1 10.0.1.%d %d typ host\r\n"
				      "a=candidate:%d 2 UDP 1 10.0.1.%d %d typ host\r\n",
				      i, i, 7000 + i, i, i, 7000 + i);
	CHECK(cap_sdp_parse((const uint8_t *)big, n, s) == LIM_OK &&
	      s->media[0].n_cand == CAP_SDP_MAX_CAND && s->media[0].n_cand_over == 6 &&
	      s->media[0].cand[CAP_SDP_MAX_CAND - 1].port == 7000 + CAP_SDP_MAX_CAND - 1);
	/* past the cap the highest priorities stay, in SDP order: relays (low) first, then
	 * host candidates (high), then one of a priority equal to the lowest kept (left out) */
	n = (size_t)snprintf(big, 100000, "v=0\r\nm=a 1 RTP/AVP 0\r\n");
	for (int i = 0; i < CAP_SDP_MAX_CAND; i++)
		n += (size_t)snprintf(big + n, 100000 - n,
				      "a=candidate:%d 1 UDP %d 10.0.2.%d 8000 typ relay\r\n", i,
				      16777215 - i, i);
	for (int i = 0; i < 4; i++)
		n += (size_t)snprintf(big + n, 100000 - n,
				      "a=candidate:h%d 1 UDP %u 10.0.3.%d 9000 typ host\r\n", i,
				      2130706431u - (unsigned)i, i);
	n += (size_t)snprintf(big + n, 100000 - n,
			      "a=candidate:e 1 UDP %d 10.0.4.1 9000 typ relay\r\n",
			      16777215 - CAP_SDP_MAX_CAND + 5);
	CHECK(cap_sdp_parse((const uint8_t *)big, n, s) == LIM_OK &&
	      s->media[0].n_cand == CAP_SDP_MAX_CAND && s->media[0].n_cand_over == 5 &&
	      s->media[0].cand[0].addr.a[2] == 2 && s->media[0].cand[0].addr.a[3] == 0 &&
	      s->media[0].cand[CAP_SDP_MAX_CAND - 5].addr.a[3] == CAP_SDP_MAX_CAND - 5 &&
	      s->media[0].cand[CAP_SDP_MAX_CAND - 4].addr.a[2] == 3 &&
	      s->media[0].cand[CAP_SDP_MAX_CAND - 4].addr.a[3] == 0 &&
	      s->media[0].cand[CAP_SDP_MAX_CAND - 1].addr.a[3] == 3 &&
	      s->media[0].cand[CAP_SDP_MAX_CAND - 1].priority == 2130706428u);
	/* too many m= lines, too many lines, a line over the cap, over the size cap */
	n = (size_t)snprintf(big, 100000, "v=0\r\n");
	for (int i = 0; i < 17; i++)
		n += (size_t)snprintf(big + n, 100000 - n, "m=audio %d RTP/AVP 0\r\n", 1000 + i);
	CHECK(cap_sdp_parse((const uint8_t *)big, n, s) == LIM_E_LIMIT);
	n = (size_t)snprintf(big, 100000, "v=0\r\n");
	for (int i = 0; i < 600; i++)
		n += (size_t)snprintf(big + n, 100000 - n, "a=x\r\n");
	CHECK(cap_sdp_parse((const uint8_t *)big, n, s) == LIM_E_LIMIT);
	memcpy(big, "v=0\r\na=", 7);
	memset(big + 7, 'A', 20000);
	CHECK(cap_sdp_parse((const uint8_t *)big, 20007, s) == LIM_E_LIMIT);
	CHECK(cap_sdp_parse((const uint8_t *)big, 70000, s) == LIM_E_LIMIT);
	free(big);
	free(s);
}

static void t_party(void)
{
	struct cap_sip_party p;
	CHECK(cap_sip_party_parse(T("sip:a@b;tag=x;foo"), &p) == LIM_OK && streq(p.tag, "x"));
	CHECK(cap_sip_party_parse(T("Anon <sip:a@b;tag=inuri>;TAG=\"q\""), &p) == LIM_OK &&
	      streq(p.uri, "sip:a@b;tag=inuri") && streq(p.tag, "q") && streq(p.display, "Anon"));
	CHECK(cap_sip_party_parse(T("\"x\\\" <y>\" <sip:z@w>;tag=1"), &p) == LIM_OK &&
	      streq(p.uri, "sip:z@w") && streq(p.tag, "1"));
	CHECK(cap_sip_party_parse(T("\r\n <sip:f@g>\r\n ;tag=2"), &p) == LIM_OK &&
	      streq(p.uri, "sip:f@g") && streq(p.tag, "2"));
	CHECK(cap_sip_party_parse(T("\"unterminated <sip:a@b>"), &p) == LIM_E_PARSE);
	CHECK(cap_sip_party_parse(T("<>"), &p) == LIM_E_PARSE);
	CHECK(cap_sip_party_parse(T("   "), &p) == LIM_E_PARSE);
	CHECK(cap_sip_party_parse(T("<sip:a b@c>"), &p) == LIM_E_PARSE);
}

const struct lim_suite t_sip_suites[] = {
	{ "sip_invite", t_invite },
	{ "sip_response", t_response },
	{ "sip_multipart", t_multipart },
	{ "sip_hostile", t_hostile_sip },
	{ "sdp_hostile", t_hostile_sdp },
	{ "sip_party", t_party },
	{ NULL, NULL },
};
