/* test_warrants: times, target normalisation, warrant changes and the decision (API level). */
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

#include "tests/unit/warrants_suites.h"
#include "warrants/internal.h" /* wr_exec: the session-level statements below */

static void t_times(void)
{
	int64_t t = 0;
	char s[WR_TIME_STRLEN];
	CHECK(wr_time_parse("1970-01-01T00:00:00Z", &t) == LIM_OK && t == 0);
	CHECK(wr_time_parse("2026-03-01T12:30:15Z", &t) == LIM_OK && t == 1772368215000000LL);
	wr_time_format(t, s);
	CHECK(strcmp(s, "2026-03-01T12:30:15Z") == 0);
	/* zones: the same instant */
	CHECK(wr_time_parse("2026-03-01T13:30:15+01:00", &t) == LIM_OK && t == 1772368215000000LL);
	CHECK(wr_time_parse("2026-03-01T07:00:15-0530", &t) == LIM_OK && t == 1772368215000000LL);
	CHECK(wr_time_parse("2026-03-01 14:30:15+02", &t) == LIM_OK && t == 1772368215000000LL);
	CHECK(wr_time_parse("2026-03-01T12:30Z", &t) == LIM_OK && t == 1772368200000000LL);
	/* fractions to the microsecond */
	CHECK(wr_time_parse("2026-03-01T12:30:15.000001Z", &t) == LIM_OK &&
	      t == 1772368215000001LL);
	wr_time_format(t, s);
	CHECK(strcmp(s, "2026-03-01T12:30:15.000001Z") == 0);
	CHECK(wr_time_parse("2026-03-01T12:30:15.5Z", &t) == LIM_OK && t == 1772368215500000LL);
	/* the range's ends, as instants */
	CHECK(wr_time_parse("1970-01-01T01:00+01:00", &t) == LIM_OK && t == 0);
	CHECK(wr_time_parse("9999-12-31T23:59:59.999999Z", &t) == LIM_OK);
	wr_time_format(t, s);
	CHECK(strcmp(s, "9999-12-31T23:59:59.999999Z") == 0);
	/* leap day */
	CHECK(wr_time_parse("2028-02-29T00:00:00Z", &t) == LIM_OK);
	wr_time_format(t, s);
	CHECK(strcmp(s, "2028-02-29T00:00:00Z") == 0);
	/* rejected: no zone, bad fields, junk */
	static const char *const bad[] = { "2026-03-01T12:30:15",
					   "2026-03-01",
					   "2026-02-29T00:00Z",
					   "2026-13-01T00:00Z",
					   "2026-03-01T24:00Z",
					   "2026-03-01T12:30:15.1234567Z",
					   "2026-03-01T12:30:15.Z",
					   "2026-03-01T12:30:15+25:00",
					   "2026-03-01T12:30:15Zjunk",
					   "1969-12-31T23:59:59Z",
					   "1970-01-01T00:00+14",
					   "9999-12-31T23:59:59.999999-0100",
					   "yesterday",
					   "" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK(wr_time_parse(bad[i], &t) == LIM_E_PARSE && t == 0);
	}
}

static void norm_is(const char *in, const char *want, enum wr_kind kind)
{
	char out[WR_URI_MAX + 1];
	enum wr_kind k;
	enum lim_err rc = wr_target_normalise(in, strlen(in), &k, out, sizeof out);
	CHECK(rc == LIM_OK);
	CHECK(strcmp(out, want) == 0);
	CHECK(k == kind);
	if (rc != LIM_OK || strcmp(out, want) != 0)
		fprintf(stderr, "  normalise(%s) = %s (%d), want %s\n", in, out, rc, want);
}

static void norm_bad(const char *in)
{
	char out[WR_URI_MAX + 1];
	enum wr_kind k;
	enum lim_err rc = wr_target_normalise(in, strlen(in), &k, out, sizeof out);
	CHECK(rc == LIM_E_PARSE && out[0] == '\0');
	if (rc != LIM_E_PARSE)
		fprintf(stderr, "  normalise(%s) accepted as %s\n", in, out);
}

static void t_norm(void)
{
	/* tel: separators, case, parameters; bare +digits */
	norm_is("tel:+44 (20) 7946-0000", "tel:+442079460000", WR_KIND_TEL);
	norm_is("TEL:+44.20.7946.0000", "tel:+442079460000", WR_KIND_TEL);
	norm_is("tel:+442079460000;phone-context=example.com", "tel:+442079460000", WR_KIND_TEL);
	norm_is("+44-20-7946-0000", "tel:+442079460000", WR_KIND_TEL);
	norm_is("  tel:+1  ", "tel:+1", WR_KIND_TEL);
	/* sip: scheme/host case, sips, port, parameters, headers, name-addr, password */
	norm_is("sip:alice@example.com", "sip:alice@example.com", WR_KIND_SIP);
	norm_is("SIP:alice@EXAMPLE.Com", "sip:alice@example.com", WR_KIND_SIP);
	norm_is("sips:alice@example.com", "sip:alice@example.com", WR_KIND_SIP);
	norm_is("sip:alice@example.com:5061;transport=tls", "sip:alice@example.com", WR_KIND_SIP);
	norm_is("sip:alice@example.com?subject=x", "sip:alice@example.com", WR_KIND_SIP);
	norm_is("sip:alice:secret@example.com", "sip:alice@example.com", WR_KIND_SIP);
	norm_is("\"Alice A.\" <sip:alice@Example.com>;tag=1234", "sip:alice@example.com",
		WR_KIND_SIP);
	norm_is("sip:%61lice@example.com", "sip:alice@example.com", WR_KIND_SIP);
	norm_is("sip:a%2fb@example.com", "sip:a%2Fb@example.com", WR_KIND_SIP);
	/* RFC 3261 s19.1.6: user=phone and a global number is that tel: number */
	norm_is("sip:+44-20@example.com;user=phone", "tel:+4420", WR_KIND_TEL);
	norm_is("sip:+1-212-555-1212:1234@gateway.com;user=phone", "tel:+12125551212",
		WR_KIND_TEL); /* s19.1.6's own example (1234 is a password) */
	norm_is("sip:+358-555-1234567;postd=pp22@foo.com;user=phone", "tel:+3585551234567",
		WR_KIND_TEL); /* s19.1.6: a tel parameter inside the user part */
	norm_is("sip:+447700900123@ims.mnc015.mcc234.3gppnetwork.org;user=phone",
		"tel:+447700900123", WR_KIND_TEL);
	norm_is("SIPS:+44(20)7946-0000;ext=12@Host.Example:5061;transport=udp;USER=Phone",
		"tel:+442079460000;ext=12", WR_KIND_TEL);
	norm_is("\"Bob\" <sip:%2B447700900123@ims.example;user=phone>;tag=1", "tel:+447700900123",
		WR_KIND_TEL);
	norm_is("mcptt:sip:+44123@x.example;user=phone", "tel:+44123", WR_KIND_MCPTT);
	/* ... only then: without user=phone, or with a user part that is no global number, it
	 * stays a SIP URI */
	norm_is("sip:+44@example.com;user=ip", "sip:+44@example.com", WR_KIND_SIP);
	norm_is("sip:+44@example.com?user=phone", "sip:+44@example.com", WR_KIND_SIP);
	norm_is("sip:+44@example.com;x=user=phone", "sip:+44@example.com", WR_KIND_SIP);
	norm_is("sip:5551234;phone-context=+1-914-555@example.com;user=phone",
		"sip:5551234;phone-context=+1-914-555@example.com", WR_KIND_SIP);
	norm_is("sip:+44abc@example.com;user=phone", "sip:+44abc@example.com", WR_KIND_SIP);
	norm_is("sip:+44;ext=@example.com;user=phone", "sip:+44;ext=@example.com", WR_KIND_SIP);
	norm_is("sip:example.com;user=phone", "sip:example.com", WR_KIND_SIP);
	/* tel: ext and isub are part of the identity (RFC 3966 s3, s4): kept, separators
	 * removed, names case-insensitive, in a fixed order */
	norm_is("tel:+442079460000;ext=1234", "tel:+442079460000;ext=1234", WR_KIND_TEL);
	norm_is("tel:+44-20-7946-0000;EXT=12-34", "tel:+442079460000;ext=1234", WR_KIND_TEL);
	norm_is("tel:+1-201-555-0123;ext=(1).2", "tel:+12015550123;ext=12", WR_KIND_TEL);
	norm_is("tel:+442079460000;isub=12.34;ext=5", "tel:+442079460000;ext=5;isub=1234",
		WR_KIND_TEL);
	norm_is("tel:+1-202-555-0100;isub=AbC%2d1;phone-context=x", "tel:+12025550100;isub=abc1",
		WR_KIND_TEL);
	norm_is("tel:+1;isub=a%2fb", "tel:+1;isub=a%2Fb", WR_KIND_TEL);
	norm_is("+44 20 7946 0000;ext=7", "tel:+442079460000;ext=7", WR_KIND_TEL);
	norm_is("<tel:+442079460000;ext=1234>;tag=x", "tel:+442079460000;ext=1234", WR_KIND_TEL);
	norm_bad("tel:+44;ext=");
	norm_bad("tel:+44;ext=--");
	norm_bad("tel:+44;ext=12a");
	norm_bad("tel:+44;ext");
	norm_bad("tel:+44;ext=1;EXT=2");
	norm_bad("tel:+44;isub=");
	norm_bad("tel:+44;isub=-.");
	norm_bad("tel:+44;isub=a b");
	norm_bad("tel:+44;isub=%zz");
	norm_bad("tel:+44;isub=1;isub=1");
	norm_bad("tel:+44;=x");
	norm_bad("tel:+44;e\xffxt=1");
	norm_bad("tel:7042;phone-context=example.com"); /* RFC 3966 s6 local numbers */
	norm_bad("tel:863-1234;phone-context=+1-914-555");
	norm_is("sip:[2001:DB8::1]", "sip:[2001:db8::1]", WR_KIND_SIP);
	norm_is("sip:example.com", "sip:example.com", WR_KIND_SIP);
	/* MCPTT IDs are SIP URIs */
	norm_is("mcptt:sip:Alice@Org.Example", "sip:Alice@org.example", WR_KIND_MCPTT);
	norm_is("MCPTT:alice@org.example", "sip:alice@org.example", WR_KIND_MCPTT);
	/* non-equivalences stay apart (user part is case-sensitive) */
	norm_is("sip:Alice@example.com", "sip:Alice@example.com", WR_KIND_SIP);
	norm_is("sip:+442079460000@example.com", "sip:+442079460000@example.com", WR_KIND_SIP);
	/* a number with and without an extension are different targets, both ways */
	{
		const char *forms[] = { "tel:+442079460000", "tel:+442079460000;ext=1234",
					"tel:+442079460000;ext=5678", "tel:+442079460000;isub=1234",
					"sip:+442079460000@example.com" };
		char o[5][WR_URI_MAX + 1];
		enum wr_kind k;
		for (size_t i = 0; i < 5; i++)
			CHECK(wr_target_normalise(forms[i], strlen(forms[i]), &k, o[i],
						  sizeof o[i]) == LIM_OK);
		for (size_t i = 0; i < 5; i++)
			for (size_t j = i + 1; j < 5; j++)
				CHECK(strcmp(o[i], o[j]) != 0);
	}
	/* malformed */
	norm_bad("");
	norm_bad("alice@example.com");
	norm_bad("tel:442079460000");      /* local number */
	norm_bad("tel:+44x20");            /* letters */
	norm_bad("tel:+1234567890123456"); /* 16 digits */
	norm_bad("tel:+");
	norm_bad("sip:");
	norm_bad("sip:@example.com");
	norm_bad("sip:alice@");
	norm_bad("sip:alice@exa mple.com");
	norm_bad("sip:al ice@example.com");
	norm_bad("sip:alice@example.com:port");
	norm_bad("sip:a%zzb@example.com");
	norm_bad("<sip:alice@example.com");
	/* a '<' inside the display name's quotes is text, not the address (RFC 3261 s25.1) */
	norm_is("\"x <sip:bob@a.example>\" <sip:alice@a.example>", "sip:alice@a.example",
		WR_KIND_SIP);
	norm_is("\"x\\\" <sip:bob@a.example>\" <sip:carol@a.example>", "sip:carol@a.example",
		WR_KIND_SIP);
	norm_bad("\"x <sip:bob@a.example>");
	norm_bad("\"Bob\" sip:bob@a.example");
	norm_bad("http://example.com/");
	norm_bad("mcptt:");
	/* embedded NUL and a result longer than the buffer */
	{
		char out[16];
		enum wr_kind k;
		CHECK(wr_target_normalise("sip:a\0b@x", 9, &k, out, sizeof out) == LIM_E_PARSE);
		CHECK(wr_target_normalise("sip:alice@example.com", 21, &k, out, sizeof out) ==
		      LIM_E_LIMIT);
	}
}

struct audit_cnt {
	int n;
	char actions[8][64];
	int rows; /* the database's own rows (row.<table>.<op>, schema version 11) */
	char row_actions[16][64];
	char row_last[64];
};

/* audit-list callback of t_api (collects actions, checks the actor fields) */
static int audit_collect(void *ctx, const struct wr_audit_row *r)
{
	struct audit_cnt *c = ctx;
	CHECK(strcmp(r->os_user, "test") == 0 && strcmp(r->db_role, "limf_operator") == 0);
	if (strncmp(r->action, "row.", 4) == 0) {
		if (c->rows < 16)
			snprintf(c->row_actions[c->rows], sizeof c->row_actions[0], "%s",
				 r->action);
		snprintf(c->row_last, sizeof c->row_last, "%s", r->action);
		c->rows++;
		return 0;
	}
	if (c->n < 8)
		snprintf(c->actions[c->n], sizeof c->actions[0], "%s", r->action);
	c->n++;
	return 0;
}

static void t_api(void)
{
	struct wr_db *db = t_db(T_OPERATOR);
	struct wr_warrant w, g;
	char liid[WR_LIID_MAX + 1], snap[128], snap2[128], tgt[80];
	int64_t from = t_time("2026-01-01T00:00:00Z"), to = t_time("2027-01-01T00:00:00Z");

	t_liid(liid, sizeof liid, "api");
	snprintf(tgt, sizeof tgt, "sip:api-%s@Example.org;transport=tcp", liid);
	t_fill(&w, liid, from, to, tgt);
	CHECK(wr_warrant_add_target(&w, "tel:+44 20 7946 0001") == LIM_OK);
	CHECK(wr_warrant_add_target(&w, "tel:+44-20-7946-0001") == LIM_E_ARG); /* same */
	CHECK(wr_warrant_add_target(&w, "tel:bogus") == LIM_E_PARSE);
	/* control characters where normalising does not look (a display name, a tel: parameter
	 * it does not know): the text entered is shown to operators, so refused (C0 ESC, BEL,
	 * DEL, C1 CSI as UTF-8); a printable display name is kept */
	CHECK(wr_warrant_add_target(&w, "\"\x1b[2J\x1b]0;x\x07\" <sip:esc@example.org>") ==
	      LIM_E_UNSUPP);
	CHECK(wr_warrant_add_target(&w, "tel:+441234;foo=\x1b[31mRED") == LIM_E_UNSUPP);
	CHECK(wr_warrant_add_target(&w, "tel:+441234;foo=\x7f") == LIM_E_UNSUPP);
	CHECK(wr_warrant_add_target(&w, "tel:+441234;foo=\xc2\x9b"
					"31m") == LIM_E_UNSUPP);
	{
		static struct wr_warrant w1;
		memset(&w1, 0, sizeof w1);
		CHECK(wr_warrant_add_target(&w1, "\"Esc \xc3\xa9\" <sip:esc@example.org>") ==
		      LIM_OK);
	}
	CHECK(wr_warrant_add(db, &w) == LIM_OK);
	/* round trip */
	CHECK(wr_warrant_get(db, liid, &g) == LIM_OK);
	CHECK(strcmp(g.liid, liid) == 0 && strcmp(g.authority, "Test Court") == 0);
	CHECK(strcmp(g.country, "GB") == 0 && g.valid_from == from && g.valid_to == to);
	CHECK(g.status == WR_ACTIVE && g.scope == WR_SCOPE_IRI_CC);
	CHECK(strcmp(g.delivery, w.delivery) == 0);
	CHECK(g.n_targets == 2);
	CHECK(strcmp(g.targets[1].norm, "tel:+442079460001") == 0 &&
	      g.targets[1].kind == WR_KIND_TEL);
	CHECK(strcmp(g.targets[0].uri, tgt) == 0);
	CHECK(strcmp(g.created_by, "test/limf_operator") == 0);
	CHECK(g.created_at > from && g.modified_at >= g.created_at);

	/* bad input: nothing changes */
	t_snapshot(snap);
	CHECK(wr_warrant_add(db, &w) == LIM_E_ARG); /* duplicate LIID */
	CHECK(strstr(wr_db_msg(db), "duplicate LIID") != NULL);
	{
		struct wr_warrant b = w;
		char l2[WR_LIID_MAX + 1];
		t_liid(l2, sizeof l2, "bad");
		snprintf(b.liid, sizeof b.liid, "%s", l2);
		b.valid_to = b.valid_from; /* end not after start */
		CHECK(wr_warrant_add(db, &b) == LIM_E_ARG);
		CHECK(strstr(wr_db_msg(db), "after its start") != NULL);
		b.valid_to = b.valid_from - 1;
		CHECK(wr_warrant_add(db, &b) == LIM_E_ARG);
		b = w;
		snprintf(b.liid, sizeof b.liid, "%s", l2);
		b.n_targets = 0;
		CHECK(wr_warrant_add(db, &b) == LIM_E_ARG);
		b = w;
		snprintf(b.liid, sizeof b.liid, "bad liid!");
		CHECK(wr_warrant_add(db, &b) == LIM_E_ARG);
		b = w;
		snprintf(b.liid, sizeof b.liid, "%s", l2);
		snprintf(b.country, sizeof b.country, "gb");
		CHECK(wr_warrant_add(db, &b) == LIM_E_ARG);
		CHECK(wr_warrant_get(db, l2, &g) == LIM_E_ARG);
		CHECK(strstr(wr_db_msg(db), "unknown LIID") != NULL);
	}
	CHECK(wr_warrant_get(db, "U-no-such-liid", &g) == LIM_E_ARG);
	CHECK(wr_warrant_get(db, "U-this-liid-is-far-too-long-to-exist", &g) == LIM_E_ARG);
	CHECK(wr_warrant_set_status(db, "U-no-such-liid", WR_SUSPENDED, NULL) == LIM_E_ARG);
	{
		struct wr_change ch;
		const char *add[] = { "tel:nonsense" };
		const char *del[] = { "tel:+999" };
		memset(&ch, 0, sizeof ch);
		ch.delivery = "x";
		CHECK(wr_warrant_modify(db, "U-no-such-liid", &ch) == LIM_E_ARG);
		memset(&ch, 0, sizeof ch);
		ch.set_to = true;
		ch.valid_to = from - 1000000; /* end before start */
		CHECK(wr_warrant_modify(db, liid, &ch) == LIM_E_ARG);
		memset(&ch, 0, sizeof ch);
		ch.add_targets = add;
		ch.n_add = 1;
		CHECK(wr_warrant_modify(db, liid, &ch) == LIM_E_ARG); /* malformed target */
		memset(&ch, 0, sizeof ch);
		ch.del_targets = del;
		ch.n_del = 1;
		CHECK(wr_warrant_modify(db, liid, &ch) == LIM_E_ARG); /* not a target */
		memset(&ch, 0, sizeof ch);
		CHECK(wr_warrant_modify(db, liid, &ch) == LIM_E_ARG); /* nothing */
		/* removing every target */
		const char *both[] = { tgt, "tel:+442079460001" };
		memset(&ch, 0, sizeof ch);
		ch.del_targets = both;
		ch.n_del = 2;
		CHECK(wr_warrant_modify(db, liid, &ch) == LIM_E_ARG);
	}
	CHECK(wr_warrant_set_status(db, liid, WR_ACTIVE, NULL) == LIM_E_ARG); /* not suspended */
	CHECK(wr_warrant_set_status(db, liid, WR_REVOKED, "") == LIM_E_ARG);  /* no reason */
	t_snapshot(snap2);
	CHECK(strcmp(snap, snap2) == 0);

	/* modify round trip */
	{
		struct wr_change ch;
		const char *add[] = { "mcptt:sip:api@org.example" };
		const char *del[] = { "TEL:+44.20.7946.0001" };
		memset(&ch, 0, sizeof ch);
		ch.authority = "Other Court";
		ch.set_scope = true;
		ch.scope = WR_SCOPE_IRI;
		ch.set_to = true;
		ch.valid_to = to + 1;
		ch.add_targets = add;
		ch.n_add = 1;
		ch.del_targets = del;
		ch.n_del = 1;
		CHECK(wr_warrant_modify(db, liid, &ch) == LIM_OK);
		CHECK(wr_warrant_get(db, liid, &g) == LIM_OK);
		CHECK(strcmp(g.authority, "Other Court") == 0 && g.scope == WR_SCOPE_IRI);
		CHECK(g.valid_to == to + 1 && g.valid_from == from);
		CHECK(g.n_targets == 2);
		size_t k = strcmp(g.targets[0].norm, "sip:api@org.example") == 0 ? 0 : 1;
		CHECK(strcmp(g.targets[k].norm, "sip:api@org.example") == 0 &&
		      g.targets[k].kind == WR_KIND_MCPTT);
		CHECK(strcmp(g.targets[1 - k].uri, tgt) == 0);
	}
	/* status machine */
	CHECK(wr_warrant_set_status(db, liid, WR_SUSPENDED, "court order") == LIM_OK);
	CHECK(wr_warrant_get(db, liid, &g) == LIM_OK && g.status == WR_SUSPENDED);
	CHECK(strcmp(g.reason, "court order") == 0);
	CHECK(wr_warrant_set_status(db, liid, WR_SUSPENDED, NULL) == LIM_E_ARG);
	CHECK(wr_warrant_set_status(db, liid, WR_ACTIVE, NULL) == LIM_OK);
	CHECK(wr_warrant_set_status(db, liid, WR_REVOKED, "expired order") == LIM_OK);
	CHECK(wr_warrant_get(db, liid, &g) == LIM_OK && g.status == WR_REVOKED);
	CHECK(wr_warrant_set_status(db, liid, WR_ACTIVE, NULL) == LIM_E_ARG);
	CHECK(wr_warrant_set_status(db, liid, WR_REVOKED, "again") == LIM_E_ARG);
	{
		struct wr_change ch;
		memset(&ch, 0, sizeof ch);
		ch.delivery = "elsewhere";
		CHECK(wr_warrant_modify(db, liid, &ch) == LIM_E_ARG); /* revoked is final */
	}
	/* every change is audited, in order */
	{
		struct audit_cnt c;
		memset(&c, 0, sizeof c);
		CHECK(wr_audit_list(db, liid, audit_collect, &c) == LIM_OK);
		CHECK(c.n == 5);
		CHECK(strcmp(c.actions[0], "warrant.add") == 0);
		CHECK(strcmp(c.actions[1], "warrant.modify") == 0);
		CHECK(strcmp(c.actions[2], "warrant.suspend") == 0);
		CHECK(strcmp(c.actions[3], "warrant.resume") == 0);
		CHECK(strcmp(c.actions[4], "warrant.revoke") == 0);
		/* and what the database changed: the row and its target inserted, then updates
		 * (the modify, the three status changes), under the same OS user and role */
		CHECK(c.rows >= 6 && strcmp(c.row_actions[0], "row.warrants.insert") == 0 &&
		      strcmp(c.row_actions[1], "row.targets.insert") == 0 &&
		      strcmp(c.row_last, "row.warrants.update") == 0);
		/* the suspension period the gate counts, opened and closed (schema version 13) */
		int per_ins = 0, per_upd = 0;
		for (int i = 0; i < c.rows && i < 16; i++) {
			per_ins += strcmp(c.row_actions[i], "row.warrant_suspensions.insert") == 0;
			per_upd += strcmp(c.row_actions[i], "row.warrant_suspensions.update") == 0;
		}
		CHECK(c.rows <= 16 && per_ins == 1 && per_upd == 1);
	}
	wr_db_close(db);
}

/* audit-list callback of t_audit_whole: the detail of each row, in order */
struct audit_details {
	int n;
	char action[4][64];
	char *detail[4];
};
static int audit_details(void *ctx, const struct wr_audit_row *r)
{
	struct audit_details *c = ctx;
	if (strncmp(r->action, "row.", 4) == 0)
		return 0; /* (the database's own rows) */
	if (c->n < 4) {
		snprintf(c->action[c->n], sizeof c->action[0], "%s", r->action);
		c->detail[c->n] = strdup(r->detail);
	}
	c->n++;
	return 0;
}

/* A warrant at its limits (32 targets of 256 octets, authority, reference and delivery full):
 * its warrant.add row names every target and all the rest, uncut (schema version 9); so does
 * a modify that adds the targets. The detail is about 10 kB: it was cut at 2048 octets, without
 * the cut mark, and the legal record of the targets authorised lost its tail. */
static void t_audit_whole(void)
{
	struct wr_db *db = t_db(T_OPERATOR);
	struct wr_warrant w;
	struct audit_details c;
	char liid[WR_LIID_MAX + 1], liid2[WR_LIID_MAX + 1], uri[WR_URI_MAX + 1];
	const char *add[WR_MAX_TARGETS - 1];
	static char t[WR_MAX_TARGETS][WR_URI_MAX + 1];
	struct wr_change ch;
	int64_t from = t_time("2026-01-01T00:00:00Z"), to = t_time("2027-01-01T00:00:00Z");
	t_liid(liid, sizeof liid, "whole");
	t_liid(liid2, sizeof liid2, "whole2");
	/* "sip:" user "@example.org": 256 octets, lower case (their own normal form) */
	for (int i = 0; i < WR_MAX_TARGETS; i++) {
		int k = snprintf(t[i], sizeof t[i], "sip:%s-%02d-", liid, i);
		memset(t[i] + k, 'a' + i % 26, WR_URI_MAX - (size_t)k - 12);
		memcpy(t[i] + WR_URI_MAX - 12, "@example.org", 13);
		CHECK(strlen(t[i]) == WR_URI_MAX);
	}
	t_fill(&w, liid, from, to, t[0]);
	for (int i = 1; i < WR_MAX_TARGETS; i++)
		CHECK(wr_warrant_add_target(&w, t[i]) == LIM_OK);
	memset(w.authority, 'A', sizeof w.authority - 1);
	memset(w.authority_ref, 'R', sizeof w.authority_ref - 1);
	memset(w.delivery, 'D', sizeof w.delivery - 1);
	CHECK(wr_warrant_add(db, &w) == LIM_OK);
	memset(&c, 0, sizeof c);
	CHECK(wr_audit_list(db, liid, audit_details, &c) == LIM_OK && c.n == 1);
	if (c.n == 1 && c.detail[0]) {
		CHECK(strcmp(c.action[0], "warrant.add") == 0);
		CHECK(strlen(c.detail[0]) > 9000 && !strstr(c.detail[0], WR_AUDIT_CUT));
		for (int i = 0; i < WR_MAX_TARGETS; i++)
			CHECK(strstr(c.detail[0], t[i]) != NULL);
		CHECK(strstr(c.detail[0], "delivery=DDDD") && strstr(c.detail[0], "ref=RRRR"));
	}
	for (int i = 0; i < c.n && i < 4; i++)
		free(c.detail[i]);
	/* a warrant of one target given the 31 others (other URIs) by a modify */
	for (int i = 1; i < WR_MAX_TARGETS; i++) {
		t[i][4] = 'x';
		add[i - 1] = t[i];
	}
	snprintf(uri, sizeof uri, "sip:%s@example.org", liid2);
	t_fill(&w, liid2, from, to, uri);
	CHECK(wr_warrant_add(db, &w) == LIM_OK);
	memset(&ch, 0, sizeof ch);
	ch.add_targets = add;
	ch.n_add = WR_MAX_TARGETS - 1;
	CHECK(wr_warrant_modify(db, liid2, &ch) == LIM_OK);
	memset(&c, 0, sizeof c);
	CHECK(wr_audit_list(db, liid2, audit_details, &c) == LIM_OK && c.n == 2);
	if (c.n == 2 && c.detail[1]) {
		CHECK(strcmp(c.action[1], "warrant.modify") == 0);
		CHECK(!strstr(c.detail[1], WR_AUDIT_CUT));
		for (int i = 1; i < WR_MAX_TARGETS; i++)
			CHECK(strstr(c.detail[1], t[i]) != NULL);
	}
	for (int i = 0; i < c.n && i < 4; i++)
		free(c.detail[i]);
	wr_db_close(db);
}

/* A test UID: SHA-256(kms || 0x00 || uri); the context is the KMS URI. */
static enum lim_err test_uid(void *ctx, const char *uri, size_t urilen, uint8_t uid[WR_UID_LEN])
{
	const char *kms = ctx;
	size_t kl = strlen(kms) + 1;
	uint8_t buf[512];
	if (kl + urilen > sizeof buf)
		return LIM_E_LIMIT;
	memcpy(buf, kms, kl);
	memcpy(buf + kl, uri, urilen);
	SHA256(buf, kl + urilen, uid);
	return LIM_OK;
}

static size_t decide_uri(struct wr_db *db, const char *uri, int64_t t, struct wr_match *m)
{
	struct wr_party p = { uri, NULL, NULL, NULL };
	size_t n = 99;
	CHECK(wr_decide(db, &p, 1, t, m, 4, &n) == LIM_OK);
	return n;
}

static void t_decide(void)
{
	struct wr_db *op = t_db(T_OPERATOR), *svc = t_db(T_SERVICE);
	struct wr_warrant w;
	struct wr_match m[4];
	char l1[WR_LIID_MAX + 1], l2[WR_LIID_MAX + 1], l3[WR_LIID_MAX + 1], a[80], b[80], c[80];
	int64_t from = t_time("2026-02-01T00:00:00Z"), to = t_time("2026-03-01T00:00:00Z");
	size_t n = 0;

	t_liid(l1, sizeof l1, "d1");
	t_liid(l2, sizeof l2, "d2");
	t_liid(l3, sizeof l3, "d3");
	snprintf(a, sizeof a, "sip:A-%s@Example.org", l1);
	snprintf(b, sizeof b, "sip:b-%s@example.org", l1);
	snprintf(c, sizeof c, "sip:c-%s@example.org", l1);
	t_fill(&w, l1, from, to, a);
	CHECK(wr_warrant_add(op, &w) == LIM_OK);
	t_fill(&w, l2, from, to, a); /* a second warrant on the same target */
	w.scope = WR_SCOPE_IRI;
	CHECK(wr_warrant_add_target(&w, b) == LIM_OK);
	CHECK(wr_warrant_add(op, &w) == LIM_OK);
	t_fill(&w, l3, from - 86400000000LL, from, c); /* expired before `from` */
	CHECK(wr_warrant_add(op, &w) == LIM_OK);

	/* window edges: start inclusive, end exclusive (to the microsecond) */
	CHECK(decide_uri(svc, a, from - 1, m) == 0);
	CHECK(decide_uri(svc, a, from, m) == 2);
	CHECK(strcmp(m[0].liid, l1) == 0 && strcmp(m[1].liid, l2) == 0);
	CHECK(m[0].scope == WR_SCOPE_IRI_CC && m[1].scope == WR_SCOPE_IRI);
	CHECK(strcmp(m[0].delivery, w.delivery) == 0);
	CHECK(decide_uri(svc, a, to - 1, m) == 2);
	CHECK(decide_uri(svc, a, to, m) == 0);
	/* the expired warrant: in force during its own window only */
	CHECK(decide_uri(svc, c, from, m) == 0);
	CHECK(decide_uri(svc, c, from - 1, m) == 1);
	/* equivalent forms of the party match, others do not */
	{
		char v[100];
		snprintf(v, sizeof v, "\"A\" <sips:A-%s@EXAMPLE.ORG:5061;transport=tls>;tag=9", l1);
		CHECK(decide_uri(svc, v, from, m) == 2);
		snprintf(v, sizeof v, "sip:a-%s@example.org", l1); /* user case differs */
		CHECK(decide_uri(svc, v, from, m) == 0);
		CHECK(decide_uri(svc, "not a uri", from, m) == 0);
	}
	/* several parties: each LIID once, with the parties that are its targets and its end */
	{
		struct wr_party p[3] = { { b, NULL, NULL, NULL },
					 { c, NULL, NULL, NULL },
					 { a, NULL, NULL, NULL } };
		CHECK(wr_decide(svc, p, 3, from, m, 4, &n) == LIM_OK && n == 2);
		CHECK(strcmp(m[0].liid, l1) == 0 && m[0].parties == 4 && m[0].valid_to == to);
		CHECK(strcmp(m[1].liid, l2) == 0 && m[1].parties == 5 && m[1].valid_to == to);
		CHECK(wr_decide(svc, p, 3, from - 1, m, 4, &n) == LIM_OK && n == 1);
		CHECK(strcmp(m[0].liid, l3) == 0 && m[0].parties == 2 && m[0].valid_to == from);
		CHECK(wr_decide(svc, p, 2, from, m, 4, &n) == LIM_OK && n == 1);
		CHECK(strcmp(m[0].liid, l2) == 0 && m[0].parties == 1);
		CHECK(wr_decide(svc, p, 3, from, m, 1, &n) == LIM_E_LIMIT && n == 0);
		/* the same statement, again and again on one connection (prepared once) */
		for (int i = 0; i < 8; i++)
			CHECK(wr_decide(svc, p + 2, 1, from, m, 4, &n) == LIM_OK && n == 2);
		CHECK(wr_decide(svc, p, 0, from, m, 4, &n) == LIM_OK && n == 0);
	}
	/* the prepared statement dropped under the connection (DISCARD ALL, a pooler), or its
	 * name taken before our first use: prepared afresh, the answer unchanged */
	{
		struct wr_db *fresh = t_db(T_SERVICE);
		CHECK(wr_exec(svc, "DEALLOCATE ALL", 0, NULL, NULL) == LIM_OK);
		CHECK(decide_uri(svc, a, from, m) == 2);
		CHECK(decide_uri(svc, a, from, m) == 2);
		CHECK(wr_exec(fresh, "PREPARE limf_stmt_0 AS SELECT 1", 0, NULL, NULL) == LIM_OK);
		CHECK(decide_uri(fresh, a, from, m) == 2 && strcmp(m[1].liid, l2) == 0);
		CHECK(wr_audit_append(fresh, l1, "test", "audit statement after a re-prepare") ==
		      LIM_OK);
		wr_db_close(fresh);
	}
	/* a warrant ending at 'infinity' (raw SQL; the CLI cannot, and schema version 4 refuses
	 * it: the row of an older database, written here as the superuser with triggers off):
	 * read as the end of time, and the decisions of every other call still answered (a UID
	 * party reads every target) */
	{
		char l5[WR_LIID_MAX + 1], e[80];
		uint8_t uid[WR_UID_LEN];
		char kms[] = "kms.example.org", norm_a[WR_URI_MAX + 1];
		enum wr_kind k;
		const char *prm[1];
		t_liid(l5, sizeof l5, "d5");
		snprintf(e, sizeof e, "sip:e-%s@example.org", l1);
		t_fill(&w, l5, from, to, e);
		CHECK(wr_warrant_add(op, &w) == LIM_OK);
		prm[0] = l5;
		/* the operator's raw SQL is refused now */
		CHECK(wr_exec(op, "BEGIN", 0, NULL, NULL) == LIM_OK);
		CHECK(wr_exec(op, "UPDATE limf.warrants SET valid_to = 'infinity' WHERE liid = $1",
			      1, prm, NULL) == LIM_E_DB);
		CHECK(strcmp(wr_db_sqlstate(op), "23514") == 0);
		wr_rollback(op);
		{
			char sucs[512], st[6], q[200];
			snprintf(sucs, sizeof sucs, "%s dbname=limf", T_SUPER);
			PGconn *su = t_pg(sucs);
			t_sql(su, "SET session_replication_role = replica", st);
			CHECK(st[0] == '\0');
			snprintf(q, sizeof q,
				 "UPDATE limf.warrants SET valid_to = 'infinity' WHERE liid = '%s'",
				 l5);
			t_sql(su, q, st);
			CHECK(st[0] == '\0');
			PQfinish(su);
		}
		CHECK(decide_uri(svc, e, to + 1, m) == 1 && m[0].valid_to == INT64_MAX);
		CHECK(wr_target_normalise(a, strlen(a), &k, norm_a, sizeof norm_a) == LIM_OK);
		CHECK(test_uid(kms, norm_a, strlen(norm_a), uid) == LIM_OK);
		struct wr_party p = { NULL, uid, test_uid, kms };
		CHECK(wr_decide(svc, &p, 1, from, m, 4, &n) == LIM_OK && n == 2);
		/* revoked as it is (its end kept): no longer in force */
		CHECK(wr_warrant_set_status(op, l5, WR_REVOKED, "test") == LIM_OK);
		CHECK(decide_uri(svc, e, to + 1, m) == 0);
	}
	/* more parties than a match has bits for: refused, never answered partly */
	{
		struct wr_party many[WR_PARTIES_MAX + 1];
		for (size_t i = 0; i <= WR_PARTIES_MAX; i++)
			many[i] = (struct wr_party){ a, NULL, NULL, NULL };
		n = 99;
		CHECK(wr_decide(svc, many, WR_PARTIES_MAX + 1, from, m, 4, &n) == LIM_E_ARG &&
		      n == 0);
		CHECK(wr_decide(svc, many, WR_PARTIES_MAX, from, m, 4, &n) == LIM_OK && n == 2);
		CHECK(m[0].parties == UINT64_MAX && m[1].parties == UINT64_MAX);
	}
	/* a target whose normal form has array syntax in it (',', '{', quotes are not allowed in a
	 * SIP user and are %-escaped): one party, one element */
	{
		char l4[WR_LIID_MAX + 1], odd[100], odd2[100];
		t_liid(l4, sizeof l4, "d4");
		snprintf(odd, sizeof odd, "sip:x,y'z;q=%s@example.org", l4);
		snprintf(odd2, sizeof odd2, "sip:x%%22,%%5C%%7B%s@example.org", l4);
		t_fill(&w, l4, from, to, odd);
		CHECK(wr_warrant_add_target(&w, odd2) == LIM_OK);
		CHECK(wr_warrant_add(op, &w) == LIM_OK);
		CHECK(decide_uri(svc, odd, from, m) == 1 && strcmp(m[0].liid, l4) == 0);
		CHECK(decide_uri(svc, odd2, from, m) == 1 && strcmp(m[0].liid, l4) == 0);
		snprintf(odd, sizeof odd, "sip:x@example.org,\"sip:y,y'z;q=%s@example.org", l4);
		CHECK(decide_uri(svc, odd, from, m) == 0);
		CHECK(wr_warrant_set_status(op, l4, WR_REVOKED, "test") == LIM_OK);
	}
	/* suspended / resumed / revoked take effect at once */
	CHECK(wr_warrant_set_status(op, l1, WR_SUSPENDED, NULL) == LIM_OK);
	CHECK(decide_uri(svc, a, from, m) == 1 && strcmp(m[0].liid, l2) == 0);
	CHECK(wr_warrant_set_status(op, l1, WR_ACTIVE, NULL) == LIM_OK);
	CHECK(decide_uri(svc, a, from, m) == 2);
	CHECK(wr_warrant_set_status(op, l2, WR_REVOKED, "test") == LIM_OK);
	CHECK(decide_uri(svc, a, from, m) == 1 && strcmp(m[0].liid, l1) == 0);
	CHECK(decide_uri(svc, b, from, m) == 0);

	/* UIDs: computed per target in the party's context */
	{
		uint8_t uid[WR_UID_LEN];
		char kms[] = "kms.example.org", other[] = "kms.other.example";
		char norm_a[WR_URI_MAX + 1];
		enum wr_kind k;
		CHECK(wr_target_normalise(a, strlen(a), &k, norm_a, sizeof norm_a) == LIM_OK);
		CHECK(test_uid(kms, norm_a, strlen(norm_a), uid) == LIM_OK);
		struct wr_party p = { NULL, uid, test_uid, kms };
		CHECK(wr_decide(svc, &p, 1, from, m, 4, &n) == LIM_OK && n == 1);
		CHECK(strcmp(m[0].liid, l1) == 0 && m[0].parties == 1);
		{ /* a UID party and URI parties in one decision */
			struct wr_party q[3] = { { c, NULL, NULL, NULL },
						 p,
						 { a, NULL, NULL, NULL } };
			CHECK(wr_decide(svc, q, 3, from, m, 4, &n) == LIM_OK && n == 1);
			CHECK(strcmp(m[0].liid, l1) == 0 && m[0].parties == 6 &&
			      m[0].valid_to == to);
			CHECK(wr_decide(svc, q, 3, from - 1, m, 4, &n) == LIM_OK && n == 1);
			CHECK(strcmp(m[0].liid, l3) == 0 && m[0].parties == 1);
		}
		CHECK(wr_decide(svc, &p, 1, to, m, 4, &n) == LIM_OK && n == 0); /* expired */
		p.uid_ctx = other; /* another KMS: another UID */
		CHECK(wr_decide(svc, &p, 1, from, m, 4, &n) == LIM_OK && n == 0);
		/* the UID of the form as entered (A-...@Example.org) also matches */
		CHECK(test_uid(kms, a, strlen(a), uid) == LIM_OK);
		p.uid_ctx = kms;
		CHECK(wr_decide(svc, &p, 1, from, m, 4, &n) == LIM_OK && n == 1);
		uid[0] ^= 1;
		CHECK(wr_decide(svc, &p, 1, from, m, 4, &n) == LIM_OK && n == 0);
		/* suspended: no UID match either */
		uid[0] ^= 1;
		CHECK(wr_warrant_set_status(op, l1, WR_SUSPENDED, NULL) == LIM_OK);
		CHECK(wr_decide(svc, &p, 1, from, m, 4, &n) == LIM_OK && n == 0);
		CHECK(wr_warrant_set_status(op, l1, WR_ACTIVE, NULL) == LIM_OK);
	}
	/* a party whose URI carries octets that are not UTF-8 (a hostile From) matches nothing,
	 * and does not stop the decision for the call's other party, a target */
	{
		char h[100];
		snprintf(h, sizeof h, "sip:x\xff-%s@example.org", l1);
		struct wr_party q[3] = { { h, NULL, NULL, NULL },
					 { "\"\xff\xfe\" <sip:\xc3\x28@example.org>", NULL, NULL,
					   NULL },
					 { a, NULL, NULL, NULL } };
		size_t na = decide_uri(svc, a, from, m); /* l1 (l2 was revoked above) */
		CHECK(na == 1 && strcmp(m[0].liid, l1) == 0);
		CHECK(wr_decide(svc, q, 3, from, m, 4, &n) == LIM_OK && n == na);
		CHECK(strcmp(m[0].liid, l1) == 0 && m[0].parties == 4);
		CHECK(wr_decide(svc, q, 2, from, m, 4, &n) == LIM_OK && n == 0);
		snprintf(h, sizeof h, "tel:+44\xff%s", "123");
		CHECK(decide_uri(svc, h, from, m) == 0);
	}
	wr_db_close(op);
	wr_db_close(svc);
}

static void text_is(const char *in, size_t len, size_t cap, const char *want, bool whole)
{
	char out[64];
	CHECK(cap <= sizeof out);
	memset(out, 'Z', sizeof out);
	bool w = wr_audit_text(in, len, out, cap);
	CHECK(w == whole && strcmp(out, want) == 0 && strlen(out) < cap);
	if (w != whole || strcmp(out, want) != 0)
		fprintf(stderr, "  audit_text -> \"%s\" (%d), want \"%s\"\n", out, w, want);
}

/* wr_audit_text: what the audit stores of captured text (warrants.h "Audit text") */
static void t_audit_text(void)
{
	const char *s;
	/* printable ASCII and well-formed UTF-8 unchanged */
	s = "cin=7 call-id=abc@host.example imsg=I";
	text_is(s, strlen(s), 64, s, true);
	s = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\x9e \xc2\xa0";
	text_is(s, strlen(s), 64, s, true);
	text_is("", 0, 8, "", true);
	/* the backslash doubled; invalid octets and controls as \xHH */
	text_is("a\\xFF", 5, 64, "a\\\\xFF", true);
	text_is("id\xff", 3, 64, "id\\xFF", true);
	text_is("\t\r\n\x7f\x01", 5, 64, "\\x09\\x0D\\x0A\\x7F\\x01", true);
	text_is("a\0b", 3, 64, "a\\x00b", true);
	/* C1 controls, overlong forms, surrogates, above U+10FFFF, cut and stray sequences */
	text_is("\xc2\x85", 2, 64, "\\xC2\\x85", true);
	text_is("\xc0\xaf", 2, 64, "\\xC0\\xAF", true);
	text_is("\xe0\x80\xaf", 3, 64, "\\xE0\\x80\\xAF", true);
	text_is("\xed\xa0\x80", 3, 64, "\\xED\\xA0\\x80", true);
	text_is("\xf4\x90\x80\x80", 4, 64, "\\xF4\\x90\\x80\\x80", true);
	text_is("\xf5\x80\x80\x80", 4, 64, "\\xF5\\x80\\x80\\x80", true);
	text_is("x\xe2\x82", 3, 64, "x\\xE2\\x82", true);
	text_is("\x80\xbf", 2, 64, "\\x80\\xBF", true);
	text_is("\xc3\xa9\xc3", 3, 64, "\xc3\xa9\\xC3", true);
	/* fits exactly; one octet more is cut at a character boundary and marked */
	text_is("abcdefg", 7, 8, "abcdefg", true);
	text_is("abcdefgh", 8, 8, "abc" WR_AUDIT_CUT, false);
	text_is("ab\xff\xff", 4, 8, "ab" WR_AUDIT_CUT, false);
	text_is("a\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac", 10, 8, "a" WR_AUDIT_CUT, false);
	text_is("ab\\cdef", 7, 8, "ab" WR_AUDIT_CUT, false); /* \\ is never split */
	/* a text that ends in dots is not a cut one */
	text_is("ab...", 5, 8, "ab...", true);
	/* the detail's own cap: WR_DETAIL_MAX octets of 0xFF become WR_DETAIL_MAX - 4 of escapes
	 * and the mark */
	{
		static char in[WR_DETAIL_MAX], out[WR_DETAIL_MAX + 1];
		const size_t k = (WR_DETAIL_MAX / 4 - 1) * 4;
		memset(in, 0xff, sizeof in);
		CHECK(!wr_audit_text(in, sizeof in, out, sizeof out));
		CHECK(strlen(out) == k + 4 && strncmp(out, "\\xFF\\xFF", 8) == 0);
		CHECK(strcmp(out + k, WR_AUDIT_CUT) == 0);
	}
}

const struct lim_suite t_wr_api_suites[] = {
	{ "time", t_times },    { "norm", t_norm },
	{ "api", t_api },       { "audit_whole", t_audit_whole },
	{ "decide", t_decide }, { "audit_text", t_audit_text },
	{ NULL, NULL },
};
