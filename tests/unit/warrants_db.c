/* test_warrants: migrations, role privileges, the audit chain under tampering, concurrent
 * appends, and the CLI against the same cluster. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "tests/unit/warrants_suites.h"
#include "warrants/internal.h"
#include "warrants/kms.h" /* wr_exec: targets written the version 4 way */

/* The superuser on a given database (a later dbname= overrides the earlier one). */
static PGconn *super_on(const char *dbname)
{
	char cs[512];
	snprintf(cs, sizeof cs, "%s dbname=%s", T_SUPER, dbname);
	return t_pg(cs);
}

static void t_migrate(void)
{
	struct wr_db *db = t_db(T_ADMIN);
	PGconn *su = t_pg(T_SUPER);
	char st[6], v[32], cs[512];
	int from = -1, to = -1;

	/* the test cluster is migrated: again is a no-op */
	CHECK(wr_db_migrate(db, &from, &to) == LIM_OK);
	CHECK(from == wr_db_schema_latest() && to == wr_db_schema_latest());
	CHECK(wr_db_migrate(db, &from, &to) == LIM_OK && from == to);
	wr_db_close(db);

	/* from scratch in a fresh database: 0 -> latest, then latest -> latest */
	t_sql(su, "DROP DATABASE IF EXISTS limf_mtest", st);
	t_sql(su, "CREATE DATABASE limf_mtest OWNER limf_admin TEMPLATE template0 ENCODING 'UTF8'",
	      st);
	CHECK(st[0] == '\0');
	/* the operator cannot migrate (no CREATE on the database): refused, nothing created */
	snprintf(cs, sizeof cs, "%s dbname=limf_mtest", T_OPERATOR);
	db = t_db(cs);
	CHECK(wr_db_migrate(db, &from, &to) == LIM_E_DB);
	CHECK(strcmp(wr_db_sqlstate(db), "42501") == 0);
	wr_db_close(db);
	snprintf(cs, sizeof cs, "%s dbname=limf_mtest", T_ADMIN);
	db = t_db(cs);
	CHECK(wr_db_migrate(db, &from, &to) == LIM_OK);
	CHECK(from == 0 && to == wr_db_schema_latest());
	CHECK(wr_db_migrate(db, &from, &to) == LIM_OK);
	CHECK(from == wr_db_schema_latest() && to == wr_db_schema_latest());
	{
		PGconn *a = t_pg(cs);
		t_sql_val(a, "SELECT count(*) FROM limf.schema_version", v, sizeof v);
		CHECK(atoi(v) == wr_db_schema_latest());
		t_sql_val(a, "SELECT count(*) FROM limf.audit WHERE action = 'db.migrate'", v,
			  sizeof v);
		CHECK(atoi(v) == wr_db_schema_latest()); /* one per migration */
		PQfinish(a);
	}
	{
		struct wr_audit_verdict vd;
		CHECK(wr_audit_verify(db, &vd) == LIM_OK && vd.rows == wr_db_schema_latest());
	}
	wr_db_close(db);
	t_sql(su, "DROP DATABASE limf_mtest", st);
	CHECK(st[0] == '\0');
	PQfinish(su);
}

/* The last audit row of an action (wr_audit_list callback): its detail and role. */
struct row_find {
	const char *action;
	char detail[WR_DETAIL_MAX + 1];
	char db_role[65];
};
static int row_find_cb(void *ctx, const struct wr_audit_row *r)
{
	struct row_find *f = ctx;
	if (strcmp(r->action, f->action) == 0) {
		snprintf(f->detail, sizeof f->detail, "%s", r->detail);
		snprintf(f->db_role, sizeof f->db_role, "%s", r->db_role);
	}
	return 0;
}

static void expect_denied(PGconn *c, const char *sql, const char *want)
{
	char st[6];
	t_sql(c, sql, st);
	CHECK(strcmp(st, want) == 0);
	if (strcmp(st, want) != 0)
		fprintf(stderr, "  %s: SQLSTATE '%s', want %s\n", sql, st, want);
}

static void t_roles(void)
{
	PGconn *svc = t_pg(T_SERVICE), *op = t_pg(T_OPERATOR), *adm = t_pg(T_ADMIN);
	struct wr_db *sdb = t_db(T_SERVICE);
	struct wr_warrant w;
	char liid[WR_LIID_MAX + 1], st[6], snap[128], snap2[128];

	char t_liid_api[WR_LIID_MAX + 1];
	t_liid(liid, sizeof liid, "roles");
	t_liid(t_liid_api, sizeof t_liid_api, "rolesw");
	t_fill(&w, t_liid_api, t_time("2026-01-01T00:00Z"), t_time("2026-02-01T00:00Z"),
	       "sip:rolesw@example.org");
	{
		struct wr_db *odb = t_db(T_OPERATOR);
		CHECK(wr_warrant_add(odb, &w) == LIM_OK);
		wr_db_close(odb);
	}
	t_fill(&w, liid, t_time("2026-01-01T00:00Z"), t_time("2026-02-01T00:00Z"),
	       "sip:roles@example.org");
	t_snapshot(snap);
	/* the service reads warrants and targets, appends audit, nothing else */
	t_sql(svc, "SELECT count(*) FROM limf.warrants JOIN limf.targets ON id = warrant_id", st);
	CHECK(st[0] == '\0');
	expect_denied(svc, "UPDATE limf.warrants SET delivery = 'x'", "42501");
	expect_denied(svc, "DELETE FROM limf.warrants", "42501");
	expect_denied(svc,
		      "INSERT INTO limf.warrants (liid, authority, authority_ref, country,"
		      " valid_from, valid_to, scope, delivery, created_by, modified_by)"
		      " VALUES ('S1', 'a', 'r', 'GB', now(), now() + interval '1 day', 'iri',"
		      " 'd', 'x', 'x')",
		      "42501");
	expect_denied(svc, "DELETE FROM limf.targets", "42501");
	expect_denied(svc, "UPDATE limf.targets SET norm = 'x'", "42501");
	expect_denied(svc, "UPDATE limf.audit SET detail = 'x'", "42501");
	expect_denied(svc, "DELETE FROM limf.audit", "42501");
	expect_denied(svc, "TRUNCATE limf.audit", "42501");
	expect_denied(svc, "SELECT count(*) FROM limf.audit", "42501");
	expect_denied(svc,
		      "INSERT INTO limf.audit (id, action, prev_hash, hash)"
		      " VALUES (999999, 'forged', '\\x00', '\\x00')",
		      "42501");
	expect_denied(svc, "CREATE TABLE limf.evil (a int)", "42501");
	expect_denied(svc, "ALTER TABLE limf.audit DISABLE TRIGGER audit_no_update", "42501");
	CHECK(wr_warrant_add(sdb, &w) == LIM_E_DB);
	CHECK(strcmp(wr_db_sqlstate(sdb), "42501") == 0);
	/* the operator edits warrants but never deletes them nor touches past audit rows */
	expect_denied(op, "DELETE FROM limf.warrants", "42501");
	expect_denied(op, "UPDATE limf.audit SET detail = 'x'", "42501");
	expect_denied(op, "DELETE FROM limf.audit", "42501");
	expect_denied(op, "TRUNCATE limf.audit", "42501");
	expect_denied(op,
		      "INSERT INTO limf.audit (id, action, prev_hash, hash)"
		      " VALUES (999999, 'forged', '\\x00', '\\x00')",
		      "42501");
	expect_denied(op, "CREATE TABLE limf.evil (a int)", "42501");
	/* a warrant change without its audit row cannot commit, whoever sends the SQL */
	{
		char sql[256];
		snprintf(sql, sizeof sql,
			 "UPDATE limf.warrants SET delivery = 'unaudited' WHERE liid = '%s'",
			 t_liid_api);
		expect_denied(op, sql, "23000");
		expect_denied(op,
			      "INSERT INTO limf.warrants (liid, authority, authority_ref, country,"
			      " valid_from, valid_to, scope, delivery, created_by, modified_by)"
			      " VALUES ('S1', 'a', 'r', 'GB', now(), now() + interval '1 day',"
			      " 'iri', 'd', 'x', 'x')",
			      "23000");
		snprintf(sql, sizeof sql,
			 "DELETE FROM limf.targets WHERE warrant_id = (SELECT id FROM"
			 " limf.warrants WHERE liid = '%s')",
			 t_liid_api);
		expect_denied(op, sql, "23000");
	}
	/* even the owner is refused by the append-only triggers */
	expect_denied(adm, "UPDATE limf.audit SET detail = 'x'", "P0001");
	expect_denied(adm, "DELETE FROM limf.audit WHERE id = 1", "P0001");
	expect_denied(adm, "TRUNCATE limf.audit", "P0001");
	/* a raw session (not limf's, which sets its own) gets the database's limit on a
	 * transaction left idle, which would otherwise hold the chain's lock (schema version 14) */
	{
		char v[32];
		t_sql_val(op, "SHOW idle_in_transaction_session_timeout", v, sizeof v);
		CHECK(strcmp(v, "1min") == 0);
		t_sql_val(svc, "SHOW idle_in_transaction_session_timeout", v, sizeof v);
		CHECK(strcmp(v, "1min") == 0);
	}
	/* nor may the owner empty a warrant table past the chain (schema version 13) */
	expect_denied(adm, "TRUNCATE limf.targets", "42501");
	expect_denied(adm, "TRUNCATE limf.warrant_xids", "42501");
	expect_denied(adm, "TRUNCATE limf.warrant_suspensions", "42501");
	expect_denied(adm, "TRUNCATE limf.warrants CASCADE", "42501");
	t_snapshot(snap2);
	CHECK(strcmp(snap, snap2) == 0);
	/* a row the database's own function writes (no os_user given) names the session's
	 * limf.actor, as the client's rows do (schema version 15; before, an empty one) */
	{
		char sql[256], v[64];
		snprintf(sql, sizeof sql,
			 "SELECT set_config('limf.actor', 'actor-%ld', false),"
			 " limf.kms_cert_revoked('kms.os.test', 'cert-%ld')",
			 (long)getpid(), (long)getpid());
		t_sql(op, sql, st);
		CHECK(st[0] == '\0');
		snprintf(sql, sizeof sql,
			 "SELECT os_user FROM limf.audit WHERE action = 'kms.cert.revoked'"
			 " AND detail LIKE '%%cert_uri=cert-%ld:%%'",
			 (long)getpid());
		t_sql_val(op, sql, v, sizeof v);
		snprintf(sql, sizeof sql, "actor-%ld", (long)getpid());
		CHECK(strcmp(v, sql) == 0);
	}
	/* by hand, with its audit row in the same transaction: accepted */
	{
		char sql[256];
		t_sql(op, "BEGIN", st);
		snprintf(sql, sizeof sql,
			 "UPDATE limf.warrants SET delivery = 'by hand' WHERE liid = '%s'",
			 t_liid_api);
		t_sql(op, sql, st);
		CHECK(st[0] == '\0');
		snprintf(sql, sizeof sql,
			 "INSERT INTO limf.audit (os_user, liid, action, detail)"
			 " VALUES ('test', '%s', 'warrant.modify', 'delivery=by hand')",
			 t_liid_api);
		t_sql(op, sql, st);
		CHECK(st[0] == '\0');
		t_sql(op, "COMMIT", st);
		CHECK(st[0] == '\0');
		struct wr_db *odb = t_db(T_OPERATOR);
		struct wr_warrant g;
		CHECK(wr_warrant_get(odb, t_liid_api, &g) == LIM_OK);
		CHECK(strcmp(g.delivery, "by hand") == 0);
		/* whatever the hand-written row says, the chain holds what the database changed
		 * (schema version 11): the columns, old and new, under the operator's role */
		{
			struct row_find f = { "row.warrants.update", "", "" };
			CHECK(wr_audit_list(odb, t_liid_api, row_find_cb, &f) == LIM_OK);
			CHECK(strstr(f.detail, "\"delivery\": [") &&
			      strstr(f.detail, "\"by hand\"]") &&
			      strcmp(f.db_role, "limf_operator") == 0);
			if (!strstr(f.detail, "by hand"))
				fprintf(stderr, "  row.warrants.update: '%s'\n", f.detail);
		}
		wr_db_close(odb);
	}
	/* nobody writes the database's own rows */
	expect_denied(op,
		      "INSERT INTO limf.audit (liid, action) VALUES ('', 'row.warrants.update')",
		      "42501");
	expect_denied(svc,
		      "INSERT INTO limf.audit (liid, action) VALUES ('', 'row.targets.insert')",
		      "42501");
	expect_denied(op, "INSERT INTO limf.audit (liid, action) VALUES ('', 'Row.targets.insert')",
		      "42501");
	/* nor from a trigger of the client's own (schema 11 let a row from trigger depth 2 in: a
	 * role with CREATE on a schema, as PUBLIC has on public before PostgreSQL 15, forged
	 * one; a review) */
	{
		PGconn *su = super_on("limf");
		t_sql(su, "GRANT CREATE ON SCHEMA public TO limf_operator", st);
		CHECK(st[0] == '\0');
		t_sql(op, "CREATE TABLE public.t27 (a int)", st);
		CHECK(st[0] == '\0');
		t_sql(op,
		      "CREATE FUNCTION public.f27() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
		      " INSERT INTO limf.audit (liid, action, detail)"
		      " VALUES ('', 'row.targets.delete', 'forged'); RETURN NULL; END $$",
		      st);
		CHECK(st[0] == '\0');
		t_sql(op,
		      "CREATE TRIGGER t27 AFTER INSERT ON public.t27 FOR EACH ROW"
		      " EXECUTE FUNCTION public.f27()",
		      st);
		CHECK(st[0] == '\0');
		expect_denied(op, "INSERT INTO public.t27 VALUES (1)", "42501");
		t_sql(op, "DROP TABLE public.t27", st);
		CHECK(st[0] == '\0');
		t_sql(op, "DROP FUNCTION public.f27()", st);
		CHECK(st[0] == '\0');
		t_sql(su, "REVOKE CREATE ON SCHEMA public FROM limf_operator", st);
		CHECK(st[0] == '\0');
		PQfinish(su);
	}
	/* the service's own append works and is chained */
	CHECK(wr_audit_append(sdb, liid, "kms.request", "test append by the service") == LIM_OK);
	{
		struct wr_db *odb = t_db(T_OPERATOR);
		struct wr_audit_verdict v;
		CHECK(wr_audit_verify(odb, &v) == LIM_OK);
		wr_db_close(odb);
	}
	wr_db_close(sdb);
	PQfinish(svc);
	PQfinish(op);
	PQfinish(adm);
}

/* The documented serialisation, built by hand. */
static void t_audit_hash(void)
{
	struct wr_audit_row r;
	uint8_t got[WR_HASH_LEN], want[WR_HASH_LEN];
	uint8_t buf[512];
	size_t n = 0;
	memset(&r, 0, sizeof r);
	r.id = 7;
	r.at_us = 1772368215000001LL;
	snprintf(r.os_user, sizeof r.os_user, "alice");
	snprintf(r.db_role, sizeof r.db_role, "limf_operator");
	snprintf(r.liid, sizeof r.liid, "L1");
	snprintf(r.action, sizeof r.action, "warrant.add");
	snprintf(r.detail, sizeof r.detail, "caf\xc3\xa9"); /* 5 octets */
	memset(r.prev_hash, 0xab, WR_HASH_LEN);
	memcpy(buf, "limf-audit-v1", 14); /* with its NUL */
	n = 14;
	memcpy(buf + n, r.prev_hash, WR_HASH_LEN);
	n += WR_HASH_LEN;
	const char *tail = "1:7,16:1772368215000001,5:alice,13:limf_operator,2:L1,11:warrant.add,"
			   "5:caf\xc3\xa9,";
	memcpy(buf + n, tail, strlen(tail));
	n += strlen(tail);
	SHA256(buf, n, want);
	wr_audit_hash(&r, got);
	CHECK_EQ_MEM(got, want, WR_HASH_LEN);
	r.detail[0] = 'C';
	wr_audit_hash(&r, got);
	CHECK(memcmp(got, want, WR_HASH_LEN) != 0);
}

/* Replaces the targets of warrant liid (adm: the admin role) with rows normalised the way
 * schema version 4 did, which wr_warrant_add no longer writes: uris[i] stored as olds[i]. */
static void old_targets(struct wr_db *adm, const char *liid, const char *const *uris,
			const char *const *olds, const char *const *kinds, size_t n)
{
	const char *p[] = { liid };
	CHECK(wr_begin(adm) == LIM_OK);
	CHECK(wr_exec(adm,
		      "DELETE FROM limf.targets WHERE warrant_id ="
		      " (SELECT id FROM limf.warrants WHERE liid = $1)",
		      1, p, NULL) == LIM_OK);
	for (size_t i = 0; i < n; i++) {
		const char *q[] = { liid, kinds[i], uris[i], olds[i] };
		CHECK(wr_exec(adm,
			      "INSERT INTO limf.targets (warrant_id, kind, uri, norm)"
			      " SELECT id, $2, $3, $4 FROM limf.warrants WHERE liid = $1",
			      4, q, NULL) == LIM_OK);
	}
	CHECK(wr_audit_append(adm, liid, "test.v4-targets", "targets as version 4 stored them") ==
	      LIM_OK);
	CHECK(wr_commit(adm) == LIM_OK);
}

static size_t decide_one(struct wr_db *svc, const char *uri, int64_t t, char *liid)
{
	struct wr_party p = { uri, NULL, NULL, NULL };
	struct wr_match m[4];
	size_t n = 99;
	CHECK(wr_decide(svc, &p, 1, t, m, 4, &n) == LIM_OK);
	liid[0] = '\0';
	if (n == 1)
		snprintf(liid, WR_LIID_MAX + 1, "%s", m[0].liid);
	return n;
}

/* A scratch database NAME owned by limf_admin, migrated to schema version ver; cs gets the
 * admin's, the operator's and the service's connection strings to it. */
static void scratch_db(PGconn *su, const char *name, int ver, char cs[3][512])
{
	const char *role[3] = { T_ADMIN, T_OPERATOR, T_SERVICE };
	char st[6], sql[160];
	snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", name);
	t_sql(su, sql, st);
	snprintf(sql, sizeof sql,
		 "CREATE DATABASE %s OWNER limf_admin TEMPLATE template0 ENCODING 'UTF8'", name);
	t_sql(su, sql, st);
	CHECK(st[0] == '\0');
	for (int i = 0; i < 3; i++)
		snprintf(cs[i], 512, "%s dbname=%s", role[i], name);
	t_migrate_to(cs[0], ver);
}

/* Drops scratch_db's NAME, then closes su. */
static void scratch_drop(PGconn *su, const char *name)
{
	char st[6], sql[160];
	snprintf(sql, sizeof sql, "DROP DATABASE %s", name);
	t_sql(su, sql, st);
	CHECK(st[0] == '\0');
	PQfinish(su);
}

/* Schema version 5: targets stored under the old normal forms are normalised again from the
 * URI as entered, audited, and the gate then decides by the new rules. */
static void t_migrate_v5(void)
{
	PGconn *su = t_pg(T_SUPER);
	struct wr_db *op, *svc, *adm;
	struct wr_warrant w;
	struct wr_audit_verdict vd;
	char cs[3][512], l[4][WR_LIID_MAX + 1], got[WR_LIID_MAX + 1], v[64];
	int64_t t = t_time("2026-06-01T00:00Z");
	int from = -1, to = -1;

	CHECK(wr_db_schema_latest() >= 5);
	scratch_db(su, "limf_v5test", 4, cs);
	adm = t_db(cs[0]);
	op = t_db(cs[1]);
	svc = t_db(cs[2]);
	{ /* before schema 6: no limf.audit_head(); the operator reads the table instead, the
	   * service role reads nothing (replay records "unavailable") */
		uint8_t h[WR_HASH_LEN];
		int64_t n = -1;
		CHECK(wr_audit_head(op, &n, h) == LIM_OK && n >= 1);
		CHECK(wr_audit_head(svc, &n, h) == LIM_E_DB && n == 0);
	}
	for (int i = 0; i < 4; i++) {
		char tag[8];
		snprintf(tag, sizeof tag, "v5-%d", i);
		t_liid(l[i], sizeof l[i], tag);
		t_fill(&w, l[i], t_time("2026-01-01T00:00Z"), t_time("2027-01-01T00:00Z"),
		       "sip:placeholder@example.org");
		CHECK(wr_warrant_add(op, &w) == LIM_OK);
	}
	{ /* one extension; the number in SIP form and in tel form; a malformed ext; a SIP URI */
		const char *u0[] = { "tel:+442079460000;ext=1234" },
			   *o0[] = { "tel:+442079460000" };
		const char *u1[] = { "sip:+447700900123@ims.example;user=phone",
				     "tel:+447700900123" };
		const char *o1[] = { "sip:+447700900123@ims.example", "tel:+447700900123" };
		const char *u2[] = { "tel:+441;ext=x1" }, *o2[] = { "tel:+441" };
		const char *u3[] = { "sip:alice@example.org" }, *o3[] = { "sip:alice@example.org" };
		const char *kt[] = { "tel" }, *k1[] = { "sip", "tel" }, *ks[] = { "sip" };
		old_targets(adm, l[0], u0, o0, kt, 1);
		old_targets(adm, l[1], u1, o1, k1, 2);
		old_targets(adm, l[2], u2, o2, kt, 1);
		old_targets(adm, l[3], u3, o3, ks, 1);
	}
	/* before: the rows of one extension are stored as the switchboard (this limf's gate
	 * needs schema version 8 and decides nothing on this one) */
	{
		PGconn *a = t_pg(cs[0]);
		char nv[128], q[256];
		snprintf(q, sizeof q,
			 "SELECT string_agg(t.norm, ' ') FROM limf.targets t JOIN limf.warrants w"
			 " ON w.id = t.warrant_id WHERE w.liid = '%s'",
			 l[0]);
		t_sql_val(a, q, nv, sizeof nv);
		CHECK(strcmp(nv, "tel:+442079460000") == 0);
		PQfinish(a);
	}

	CHECK(wr_db_migrate(adm, &from, &to) == LIM_OK && from == 4 && to >= 5);
	/* the extension alone now */
	CHECK(decide_one(svc, "tel:+44-20-7946-0000;ext=1234", t, got) == 1 && !strcmp(got, l[0]));
	CHECK(decide_one(svc, "tel:+442079460000;ext=5678", t, got) == 0);
	CHECK(decide_one(svc, "tel:+442079460000", t, got) == 0);
	/* the number in either form; its two targets merged into one row */
	CHECK(decide_one(svc, "tel:+447700900123", t, got) == 1 && !strcmp(got, l[1]));
	CHECK(decide_one(svc, "sip:+447700900123@other.example;user=phone", t, got) == 1 &&
	      !strcmp(got, l[1]));
	CHECK(decide_one(svc, "sip:+447700900123@other.example", t, got) == 0);
	CHECK(wr_warrant_get(op, l[1], &w) == LIM_OK && w.n_targets == 1);
	CHECK(strcmp(w.targets[0].norm, "tel:+447700900123") == 0 &&
	      w.targets[0].kind == WR_KIND_TEL);
	/* the malformed one kept as it was; the SIP URI untouched */
	CHECK(decide_one(svc, "tel:+441", t, got) == 1 && !strcmp(got, l[2]));
	CHECK(decide_one(svc, "sip:alice@example.org", t, got) == 1 && !strcmp(got, l[3]));
	{
		PGconn *a = t_pg(cs[0]);
		char q[256];
		snprintf(q, sizeof q,
			 "SELECT string_agg(liid || ' ' || detail, ' | ' ORDER BY id) FROM "
			 "limf.audit"
			 " WHERE action = 'target.renormalise'");
		char all[2048];
		t_sql_val(a, q, all, sizeof all);
		CHECK(strstr(all, "norm=tel:+442079460000 -> tel:+442079460000;ext=1234") != NULL);
		CHECK(strstr(all, "-> tel:+447700900123 (merged") != NULL);
		CHECK(strstr(all, "uri=tel:+441;ext=x1 kept as tel:+441") != NULL);
		CHECK(strstr(all, "alice") == NULL);
		t_sql_val(a, "SELECT count(*) FROM limf.audit WHERE action = 'target.renormalise'",
			  v, sizeof v);
		CHECK(atoi(v) == 3);
		if (atoi(v) != 3)
			fprintf(stderr, "  renormalise rows: %s\n", all);
		PQfinish(a);
	}
	CHECK(wr_audit_verify(adm, &vd) == LIM_OK && vd.bad_id == 0);
	/* again: nothing left to do */
	CHECK(wr_db_migrate(adm, &from, &to) == LIM_OK && from == to);
	wr_db_close(adm);
	wr_db_close(op);
	wr_db_close(svc);
	scratch_drop(su, "limf_v5test");
}

/* Schema version 7 on a version 6 database (limf db migrate 6 -> 7): before, no certificate
 * store (recording fails, LIM_E_DB); after, the service role records a certificate through
 * limf.kms_cert_record (once: the same one again is "known") and reads it, and migrating again
 * changes nothing. */
static void t_migrate_v7(void)
{
	PGconn *su = t_pg(T_SUPER);
	struct wr_db *adm, *svc;
	struct wr_kms_cert c;
	char cs[3][512], v[64];
	int from = -1, to = -1;
	bool added = false;
	int64_t fs = 0, fs2 = 0;

	CHECK(wr_db_schema_latest() >= 7);
	scratch_db(su, "limf_v7test", 6, cs);
	adm = t_db(cs[0]);
	svc = t_db(cs[2]);
	memset(&c, 0, sizeof c);
	snprintf(c.kms_uri, sizeof c.kms_uri, "kms.v7.test");
	snprintf(c.cert_uri, sizeof c.cert_uri, "cert1.kms.v7.test");
	c.scheme = WR_KMS_ID_3GPP;
	c.user_key_period = 2592000;
	c.user_key_offset = UINT64_C(18446744073709551615); /* the full range is kept */
	c.parameter_set = 1;
	c.z[0] = 0x04;
	c.kpak[0] = 0x04;
	c.valid_from = t_time("2026-01-01T00:00Z");
	c.valid_to = t_time("2027-01-01T00:00Z");
	CHECK(wr_kms_cert_record(svc, &c, &added, &fs) == LIM_E_DB && !added);

	CHECK(wr_db_migrate(adm, &from, &to) == LIM_OK && from == 6 && to == wr_db_schema_latest());
	CHECK(wr_kms_cert_record(svc, &c, &added, &fs) == LIM_OK && added && fs != INT64_MIN);
	CHECK(wr_kms_cert_record(svc, &c, &added, &fs2) == LIM_OK && !added && fs2 == fs);
	{
		PGconn *s = t_pg(cs[2]);
		t_sql_val(s,
			  "SELECT count(*) || ' ' || min(user_key_offset) || ' ' || min(fetched_by)"
			  " FROM limf.kms_certificate",
			  v, sizeof v);
		CHECK(strcmp(v, "1 18446744073709551615 limf_service") == 0);
		PQfinish(s);
	}
	/* again: nothing left to do, the row kept */
	CHECK(wr_db_migrate(adm, &from, &to) == LIM_OK && from == wr_db_schema_latest() &&
	      to == from);
	CHECK(wr_kms_cert_record(svc, &c, &added, &fs2) == LIM_OK && !added && fs2 == fs);
	{
		struct wr_audit_verdict vd;
		CHECK(wr_audit_verify(adm, &vd) == LIM_OK && vd.bad_id == 0);
	}
	wr_db_close(adm);
	wr_db_close(svc);
	scratch_drop(su, "limf_v7test");
}

/* One suspension period of LIID l (the n-th, 0 first): its bounds as wr time (resumed
 * INT64_MIN while it lasts); false when there is none. */
static bool susp_period(PGconn *c, const char *l, int n, int64_t *from, int64_t *to)
{
	char sql[512], v[64];
	long long a = 0, b = 0;
	snprintf(sql, sizeof sql,
		 "SELECT coalesce((SELECT (extract(epoch FROM s.suspended_at) * 1000000)::bigint"
		 " || ' ' || coalesce((extract(epoch FROM s.resumed_at) * 1000000)::bigint, -1)"
		 " FROM limf.warrant_suspensions s JOIN limf.warrants w ON w.id = s.warrant_id"
		 " WHERE w.liid = '%s' ORDER BY s.suspended_at OFFSET %d LIMIT 1), 'none')",
		 l, n);
	t_sql_val(c, sql, v, sizeof v);
	if (sscanf(v, "%lld %lld", &a, &b) != 2)
		return false;
	*from = a;
	*to = b < 0 ? INT64_MIN : b;
	return true;
}

/* An audit row written by hand on c (not through limf's functions), as the role c is;
 * true when the database took it. */
static bool hand_audit(PGconn *c, const char *liid, const char *action, const char *detail)
{
	char q[512], st[6];
	snprintf(q, sizeof q,
		 "INSERT INTO limf.audit (liid, action, detail) VALUES ('%s', '%s', '%s')", liid,
		 action, detail);
	t_sql(c, q, st);
	return st[0] == '\0';
}

/* wr_warrant_suspensions: the n-th period of liid (0 first) as it reports it, each to the
 * caller's from/to; the count of periods through n. */
struct susp_at {
	int n, seen;
	int64_t from, to;
};
static int susp_at_one(void *ctx, int64_t from, int64_t to)
{
	struct susp_at *s = ctx;
	if (s->seen++ == s->n) {
		s->from = from;
		s->to = to;
	}
	return 0;
}

/* Schema version 8 on a version 7 database: the suspension periods of earlier suspensions are
 * taken from the audit chain (suspend .. resume, suspend .. revoke, one still suspended); the
 * gate then counts a resumed warrant as not in force during them (before: in force, as its
 * status is active now), and as coming into force at their end (wr_decide_upcoming); a later
 * suspension and resumption is recorded by the trigger, whoever changes the status. */
static void t_migrate_v8(void)
{
	PGconn *su = t_pg(T_SUPER), *sv;
	struct wr_db *adm, *op, *svc;
	struct wr_warrant w;
	char st[6], cs[3][512], l[4][WR_LIID_MAX + 1], got[WR_LIID_MAX + 1];
	int from = -1, to = -1;
	int64_t a0, b0, a1, b1, a2, b2, mid;
	const char *x = "sip:suspended@example.org";

	CHECK(wr_db_schema_latest() >= 8);
	scratch_db(su, "limf_v8test", 7, cs);
	adm = t_db(cs[0]);
	op = t_db(cs[1]);
	svc = t_db(cs[2]);
	for (int i = 0; i < 4; i++) {
		char tag[8];
		snprintf(tag, sizeof tag, "v8-%d", i);
		t_liid(l[i], sizeof l[i], tag);
		t_fill(&w, l[i], t_time("2026-01-01T00:00Z"), t_time("2036-01-01T00:00Z"),
		       i == 0 ? x : "sip:other@example.org");
		CHECK(wr_warrant_add(op, &w) == LIM_OK);
	}
	/* l0 suspended and resumed twice (the second after the migration), l1 suspended and
	 * revoked, l2 suspended still */
	CHECK(wr_warrant_set_status(op, l[0], WR_SUSPENDED, "") == LIM_OK);
	CHECK(wr_warrant_set_status(op, l[0], WR_ACTIVE, "") == LIM_OK);
	CHECK(wr_warrant_set_status(op, l[1], WR_SUSPENDED, "") == LIM_OK);
	CHECK(wr_warrant_set_status(op, l[1], WR_REVOKED, "done") == LIM_OK);
	CHECK(wr_warrant_set_status(op, l[2], WR_SUSPENDED, "") == LIM_OK);
	/* l3 suspended, then made active by hand (an audit row of another action: the database
	 * requires one): its period is open in the chain, closed by the migration at the change */
	CHECK(wr_warrant_set_status(op, l[3], WR_SUSPENDED, "") == LIM_OK);
	{
		PGconn *o = t_pg(cs[1]);
		char q[512];
		t_sql(o, "BEGIN", st);
		snprintf(q, sizeof q,
			 "UPDATE limf.warrants SET status = 'active' WHERE liid = '%s'", l[3]);
		t_sql(o, q, st);
		CHECK(st[0] == '\0');
		CHECK(hand_audit(o, l[3], "note", "by hand"));
		t_sql(o, "COMMIT", st);
		CHECK(st[0] == '\0');
		PQfinish(o);
	}
	/* the service role may write audit rows of any action: a resume of l2 and a suspension
	 * of l0 it wrote are no periods' bounds */
	sv = t_pg(cs[2]);
	CHECK(hand_audit(sv, l[2], "warrant.resume", "status=active"));
	CHECK(hand_audit(sv, l[0], "warrant.suspend", "status=suspended"));
	{
		/* before the migration, `limf warrant show` cannot list periods: it says why */
		struct susp_at sa = { 0, 0, 0, 0 };
		CHECK(wr_warrant_suspensions(op, l[0], susp_at_one, &sa) == LIM_E_STATE &&
		      strstr(wr_db_msg(op), "limf db migrate") && sa.seen == 0);
	}
	{
		/* schema version 9: a detail over 2048 octets (a warrant's 32 targets) fits after
		 * the migration only */
		static char longd[3001];
		memset(longd, 'x', 3000);
		CHECK(wr_audit_append(op, "", "test.long", longd) != LIM_OK);
		CHECK(wr_db_migrate(adm, &from, &to) == LIM_OK && from == 7 &&
		      to == wr_db_schema_latest() && to >= 9);
		CHECK(wr_audit_append(op, "", "test.long", longd) == LIM_OK);
	}
	CHECK(susp_period(sv, l[0], 0, &a0, &b0) && b0 > a0 && !susp_period(sv, l[0], 1, &a1, &b1));
	CHECK(susp_period(sv, l[1], 0, &a1, &b1) && b1 > a1);
	CHECK(susp_period(sv, l[2], 0, &a2, &b2) && b2 == INT64_MIN && a2 > b1);
	CHECK(!susp_period(sv, l[2], 1, &a1, &b1));
	{
		int64_t a3, b3;
		CHECK(susp_period(sv, l[3], 0, &a3, &b3) && b3 > a3 && b3 != INT64_MIN);
		CHECK(decide_one(svc, "sip:other@example.org", b3, got) == 1 &&
		      strcmp(got, l[3]) == 0);
		CHECK(decide_one(svc, "sip:other@example.org", a3, got) == 0);
	}
	/* the chain's rows of l1 again (a1, b1 were reused above) */
	CHECK(susp_period(sv, l[1], 0, &a1, &b1) && b1 > a1);
	/* the gate: not in force during the period, in force before and after it */
	mid = a0 + (b0 - a0) / 2;
	CHECK(decide_one(svc, x, a0 - 1, got) == 1 && strcmp(got, l[0]) == 0);
	CHECK(decide_one(svc, x, a0, got) == 0);
	CHECK(decide_one(svc, x, mid, got) == 0);
	CHECK(decide_one(svc, x, b0, got) == 1);
	{
		/* in force up to the period's start; during it, upcoming from its end */
		struct wr_party p = { x, NULL, NULL, NULL };
		struct wr_match *m = NULL;
		size_t n = 0;
		CHECK(wr_decide_all(svc, &p, 1, a0 - 1000, &m, &n) == LIM_OK && n == 1 &&
		      m[0].valid_to == a0);
		free(m);
		m = NULL;
		CHECK(wr_decide_upcoming(svc, &p, 1, mid, &m, &n) == LIM_OK && n == 1 &&
		      m[0].valid_from == b0 && m[0].valid_to == t_time("2036-01-01T00:00Z"));
		free(m);
	}
	/* a later suspension: recorded by the trigger at the status change, the gate follows */
	CHECK(wr_warrant_set_status(op, l[0], WR_SUSPENDED, "") == LIM_OK);
	CHECK(wr_warrant_set_status(op, l[0], WR_ACTIVE, "") == LIM_OK);
	CHECK(susp_period(sv, l[0], 1, &a1, &b1) && a1 > b0 && b1 > a1);
	{
		/* the periods as `limf warrant show` lists them: both, oldest first; l2's open */
		struct susp_at sa = { 1, 0, 0, 0 };
		CHECK(wr_warrant_suspensions(op, l[0], susp_at_one, &sa) == LIM_OK &&
		      sa.seen == 2 && sa.from == a1 && sa.to == b1);
		sa = (struct susp_at){ 0, 0, 0, 0 };
		CHECK(wr_warrant_suspensions(op, l[0], susp_at_one, &sa) == LIM_OK &&
		      sa.seen == 2 && sa.from == a0 && sa.to == b0);
		sa = (struct susp_at){ 0, 0, 0, 0 };
		CHECK(wr_warrant_suspensions(svc, l[2], susp_at_one, &sa) == LIM_OK &&
		      sa.seen == 1 && sa.from == a2 && sa.to == WR_TIME_INFINITY);
		CHECK(wr_warrant_suspensions(op, "no-such-liid", susp_at_one, &sa) == LIM_E_ARG);
	}
	CHECK(decide_one(svc, x, a1 + (b1 - a1) / 2, got) == 0);
	CHECK(decide_one(svc, x, mid, got) == 0);
	CHECK(decide_one(svc, x, b1, got) == 1);
	{
		/* no role of limf's writes the periods itself */
		PGconn *o = t_pg(cs[1]);
		t_sql(o, "DELETE FROM limf.warrant_suspensions", st);
		CHECK(strcmp(st, "42501") == 0);
		t_sql(sv, "UPDATE limf.warrant_suspensions SET resumed_at = now()", st);
		CHECK(strcmp(st, "42501") == 0);
		PQfinish(o);
	}
	CHECK(wr_db_migrate(adm, &from, &to) == LIM_OK && from == wr_db_schema_latest() &&
	      to == from);
	{
		/* a snapshot (`limf warrant show`): the warrant and its periods as of one moment,
		 * while another session suspends it between the two reads; after it, the new
		 * state, the open period with it */
		struct wr_db *op2 = t_db(cs[1]);
		struct susp_at sa = { 2, 0, 0, 0 };
		CHECK(wr_snapshot_begin(op) == LIM_OK);
		CHECK(wr_snapshot_begin(op) == LIM_E_STATE); /* (one at a time) */
		CHECK(wr_warrant_get(op, l[0], &w) == LIM_OK && w.status == WR_ACTIVE);
		CHECK(wr_warrant_set_status(op2, l[0], WR_SUSPENDED, "") == LIM_OK);
		CHECK(wr_warrant_suspensions(op, l[0], susp_at_one, &sa) == LIM_OK && sa.seen == 2);
		CHECK(wr_warrant_get(op, l[0], &w) == LIM_OK && w.status == WR_ACTIVE);
		wr_snapshot_end(op);
		sa = (struct susp_at){ 2, 0, 0, 0 };
		CHECK(wr_warrant_get(op, l[0], &w) == LIM_OK && w.status == WR_SUSPENDED);
		CHECK(wr_warrant_suspensions(op, l[0], susp_at_one, &sa) == LIM_OK &&
		      sa.seen == 3 && sa.to == WR_TIME_INFINITY);
		CHECK(wr_warrant_set_status(op, l[0], WR_ACTIVE, "") == LIM_OK);
		wr_db_close(op2);
	}
	{
		struct wr_audit_verdict vd;
		CHECK(wr_audit_verify(adm, &vd) == LIM_OK && vd.bad_id == 0);
	}
	PQfinish(sv);
	wr_db_close(adm);
	wr_db_close(op);
	wr_db_close(svc);
	scratch_drop(su, "limf_v8test");
}

/* A session stuck inside a transaction that holds the audit chain's lock (a CLI whose network
 * went before its COMMIT): a limf audit row waits for it at most the lock timeout (5 s) and
 * fails (LIM_E_DB, SQLSTATE 55P03), where it waited for as long as that session lived; once
 * the lock is free, rows are written again. Every limf session has both bounds set. */
static void t_session_timeouts(void)
{
	PGconn *su = super_on("limf"), *waiter = t_pg(T_SERVICE);
	struct wr_db *svc, *op;
	PGconn *held = t_pg(T_OPERATOR);
	PGresult *r = NULL;
	char st[6];
	uint64_t t0, ms;
	/* a role whose default is asynchronous commit (the service role may set its own, an
	 * audit): limf's sessions still commit synchronously, their audit rows on disk first */
	t_sql(su, "ALTER ROLE limf_service SET synchronous_commit = off", st);
	CHECK(st[0] == '\0');
	svc = t_db(T_SERVICE);
	op = t_db(T_OPERATOR);
	for (int i = 0; i < 2; i++) {
		CHECK(wr_exec(i ? svc : op,
			      "SELECT current_setting('lock_timeout') || ' ' ||"
			      " current_setting('idle_in_transaction_session_timeout') || ' ' ||"
			      " current_setting('synchronous_commit')",
			      0, NULL, &r) == LIM_OK);
		CHECK(r && PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "5s 1min on") == 0);
		if (r && PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "5s 1min on") != 0)
			fprintf(stderr, "  session settings: %s\n", PQgetvalue(r, 0, 0));
		PQclear(r);
		r = NULL;
	}
	t_sql(su, "ALTER ROLE limf_service RESET synchronous_commit", st);
	CHECK(st[0] == '\0');
	PQfinish(su);
	t_sql(held, "BEGIN", st);
	t_sql(held,
	      "INSERT INTO limf.audit (liid, action, detail) VALUES ('', 'test.hold',"
	      " 'a transaction left open: holds the chain''s lock')",
	      st);
	CHECK(st[0] == '\0');
	/* another session waits for the lock meanwhile (as limf's other workers do): it holds
	 * locks on the relation too, and is not named (a review saw waiters named, twice) */
	CHECK(PQsendQuery(waiter, "INSERT INTO limf.audit (liid, action, detail) VALUES ('',"
				  " 'test.waiter', 'waits')") == 1);
	usleep(300000);
	t0 = lim_mono_ms();
	CHECK(wr_audit_append(svc, "", "test.wait", "behind the open transaction") == LIM_E_DB);
	ms = lim_mono_ms() - t0;
	CHECK(strcmp(wr_db_sqlstate(svc), "55P03") == 0);
	CHECK(ms >= 4500 && ms < 15000);
	/* the message names the session that holds the lock (on limf's log: the chain cannot
	 * record it) */
	CHECK(strstr(wr_db_msg(svc), "the audit chain's lock is held by pid ") &&
	      strstr(wr_db_msg(svc), ", role limf_operator, ") &&
	      !strstr(wr_db_msg(svc), "role limf_service") && !strstr(wr_db_msg(svc), "; "));
	if (!strstr(wr_db_msg(svc), "held by pid") || strstr(wr_db_msg(svc), "limf_service"))
		fprintf(stderr, "  lock timeout: %s\n", wr_db_msg(svc));
	t_sql(held, "ROLLBACK", st);
	{
		PGresult *wr;
		bool done = false;
		while ((wr = PQgetResult(waiter)) != NULL) {
			done = done || PQresultStatus(wr) == PGRES_COMMAND_OK;
			PQclear(wr);
		}
		CHECK(done); /* (the waiter's row went in once the lock was free) */
		PQfinish(waiter);
	}
	CHECK(wr_audit_append(svc, "", "test.wait", "the lock free again") == LIM_OK);
	PQfinish(held);
	wr_db_close(op);
	wr_db_close(svc);
}

/* A server that takes the connection and never answers (a stopped postmaster, a host that
 * hangs): wr_db_open gives up after WR_CONNECT_TIMEOUT_S (it waited for ever, and limf
 * capture's service loop with it: an audit); a connection string's own connect_timeout wins. */
static void t_connect_timeout(void)
{
	struct sockaddr_in a;
	socklen_t al = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char cs[128];
	struct wr_db *db = NULL;
	uint64_t t0, ms;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && listen(fd, 8) == 0 &&
	      getsockname(fd, (struct sockaddr *)&a, &al) == 0);
	snprintf(cs, sizeof cs, "host=127.0.0.1 port=%u dbname=limf", (unsigned)ntohs(a.sin_port));
	t0 = lim_mono_ms();
	CHECK(wr_db_open(cs, "test", &db) == LIM_E_DB);
	ms = lim_mono_ms() - t0;
	CHECK(ms >= 4000 && ms < 9000);
	if (!(ms >= 4000 && ms < 9000))
		fprintf(stderr, "  wr_db_open gave up after %llu ms\n", (unsigned long long)ms);
	wr_db_close(db);
	snprintf(cs, sizeof cs, "host=127.0.0.1 port=%u dbname=limf connect_timeout=2",
		 (unsigned)ntohs(a.sin_port));
	t0 = lim_mono_ms();
	CHECK(wr_db_open(cs, "test", &db) == LIM_E_DB);
	ms = lim_mono_ms() - t0;
	CHECK(ms >= 1500 && ms < 4000);
	wr_db_close(db);
	/* nor does it hide libpq's environment: PGCONNECT_TIMEOUT=2 is 2 s (it was 5: a review) */
	snprintf(cs, sizeof cs, "host=127.0.0.1 port=%u dbname=limf", (unsigned)ntohs(a.sin_port));
	CHECK(setenv("PGCONNECT_TIMEOUT", "2", 1) == 0);
	t0 = lim_mono_ms();
	CHECK(wr_db_open(cs, "test", &db) == LIM_E_DB);
	ms = lim_mono_ms() - t0;
	CHECK(ms >= 1500 && ms < 4000);
	wr_db_close(db);
	unsetenv("PGCONNECT_TIMEOUT");
	close(fd);
}

/* Saves rows a and b, runs the tampering statements as the superuser (triggers off), checks
 * that verify reports want_bad, restores the rows and checks that verify passes again. */
static void tamper(const char *const *sqls, int64_t a, int64_t b, int64_t want_bad)
{
	PGconn *su = super_on("limf");
	struct wr_db *db = t_db(T_OPERATOR);
	struct wr_audit_verdict v;
	char st[6], sql[256];
	t_sql(su, "SET session_replication_role = replica", st);
	CHECK(st[0] == '\0');
	snprintf(sql, sizeof sql,
		 "CREATE TEMP TABLE saved AS SELECT * FROM limf.audit WHERE id IN (%lld, %lld)",
		 (long long)a, (long long)b);
	t_sql(su, sql, st);
	CHECK(st[0] == '\0');
	for (const char *const *s = sqls; *s; s++) {
		t_sql(su, *s, st);
		CHECK(st[0] == '\0');
		if (st[0])
			fprintf(stderr, "  tamper %s: %s\n", *s, st);
	}
	CHECK(wr_audit_verify(db, &v) == LIM_E_AUTH);
	CHECK(v.bad_id == want_bad);
	if (v.bad_id != want_bad)
		fprintf(stderr, "  verify: bad id %lld (%s), want %lld\n", (long long)v.bad_id,
			v.reason, (long long)want_bad);
	snprintf(sql, sizeof sql, "DELETE FROM limf.audit WHERE id IN (%lld, %lld, -1)",
		 (long long)a, (long long)b);
	t_sql(su, sql, st);
	t_sql(su, "INSERT INTO limf.audit SELECT * FROM saved", st);
	CHECK(st[0] == '\0');
	t_sql(su, "DROP TABLE saved", st);
	CHECK(wr_audit_verify(db, &v) == LIM_OK && v.bad_id == 0);
	wr_db_close(db);
	PQfinish(su);
}

struct audit_find {
	const char *detail;
	int found;
};

static int audit_find_one(void *ctx, const struct wr_audit_row *r)
{
	struct audit_find *f = ctx;
	if (strcmp(r->action, "test.captured") == 0) {
		CHECK(strcmp(r->detail, f->detail) == 0);
		if (strcmp(r->detail, f->detail) != 0)
			fprintf(stderr, "  stored detail: %s\n", r->detail);
		f->found++;
	}
	return 0;
}

static void t_audit(void)
{
	struct wr_db *db = t_db(T_OPERATOR);
	struct wr_audit_verdict v;
	char liid[WR_LIID_MAX + 1], sql[3][400];
	int64_t x;

	/* a few rows of our own, so that the chain has a middle */
	t_liid(liid, sizeof liid, "audit");
	for (int i = 0; i < 4; i++)
		CHECK(wr_audit_append(db, liid, "test.note", i % 2 ? "odd" : "even") == LIM_OK);
	CHECK(wr_audit_verify(db, &v) == LIM_OK && v.bad_id == 0 && v.rows >= 5);
	x = v.rows - 2; /* a middle row: x-1 and x+1 exist */

	/* captured text that is not UTF-8 (a Call-ID with 0xFF): the row is written, escaped,
	 * and the chain still verifies */
	{
		struct audit_find f = { "call-id=abc\\xFF\\\\x01\\x0A caf\xc3\xa9", 0 };
		CHECK(wr_audit_append(db, liid, "test.captured",
				      "call-id=abc\xff\\x01\n caf\xc3\xa9") == LIM_OK);
		CHECK(wr_audit_list(db, liid, audit_find_one, &f) == LIM_OK && f.found == 1);
		CHECK(wr_audit_verify(db, &v) == LIM_OK && v.bad_id == 0);
	}

	/* UPDATE of one field */
	snprintf(sql[0], sizeof sql[0],
		 "UPDATE limf.audit SET detail = detail || ' (edited)' WHERE id = %lld",
		 (long long)x);
	{
		const char *s[] = { sql[0], NULL };
		tamper(s, x, x + 1, x);
	}
	/* UPDATE with the row's hash recomputed as the trigger would: the next row breaks */
	snprintf(sql[0], sizeof sql[0],
		 "UPDATE limf.audit SET detail = 'forged', hash = sha256("
		 "convert_to('limf-audit-v1', 'UTF8') || '\\x00'::bytea || prev_hash"
		 " || limf.audit_ns(id::text)"
		 " || limf.audit_ns(((extract(epoch FROM at) * 1000000)::bigint)::text)"
		 " || limf.audit_ns(os_user) || limf.audit_ns(db_role) || limf.audit_ns(liid)"
		 " || limf.audit_ns(action) || limf.audit_ns('forged')) WHERE id = %lld",
		 (long long)x);
	{
		const char *s[] = { sql[0], NULL };
		tamper(s, x, x + 1, x + 1);
	}
	/* DELETE of a middle row */
	snprintf(sql[0], sizeof sql[0], "DELETE FROM limf.audit WHERE id = %lld", (long long)x);
	{
		const char *s[] = { sql[0], NULL };
		tamper(s, x, x + 1, x + 1);
	}
	/* reorder: rows x and x+1 swap places */
	snprintf(sql[0], sizeof sql[0], "UPDATE limf.audit SET id = -1 WHERE id = %lld",
		 (long long)x);
	snprintf(sql[1], sizeof sql[1], "UPDATE limf.audit SET id = %lld WHERE id = %lld",
		 (long long)x, (long long)x + 1);
	snprintf(sql[2], sizeof sql[2], "UPDATE limf.audit SET id = %lld WHERE id = -1",
		 (long long)x + 1);
	{
		const char *s[] = { sql[0], sql[1], sql[2], NULL };
		tamper(s, x, x + 1, x);
	}
	/* the at column is covered too */
	snprintf(sql[0], sizeof sql[0],
		 "UPDATE limf.audit SET at = at + interval '1 microsecond' WHERE id = %lld",
		 (long long)x);
	{
		const char *s[] = { sql[0], NULL };
		tamper(s, x, x + 1, x);
	}
	wr_db_close(db);
}

/* A head recorded outside the database (wr_audit_head) is what shows a deleted tail or a
 * rewritten chain, which the chain alone verifies as intact (the reviewer's finding 5). */
static void t_audit_anchor(void)
{
	struct wr_db *db = t_db(T_OPERATOR);
	struct wr_audit_verdict v;
	struct wr_audit_anchor a;
	uint8_t head[WR_HASH_LEN], head2[WR_HASH_LEN];
	int64_t rows = 0, rows2 = 0;
	char liid[WR_LIID_MAX + 1], st[6], sql[200];

	t_liid(liid, sizeof liid, "anchor");
	CHECK(wr_audit_append(db, liid, "test.note", "before the anchor") == LIM_OK);
	CHECK(wr_audit_head(db, &rows, head) == LIM_OK && rows >= 1);
	CHECK(wr_audit_verify(db, &v) == LIM_OK && v.rows == rows);
	CHECK(memcmp(v.head, head, WR_HASH_LEN) == 0);
	memset(&a, 0, sizeof a);
	a.have_head = true;
	memcpy(a.head, head, WR_HASH_LEN);
	a.rows = rows;
	CHECK(wr_audit_verify_anchor(db, &a, &v) == LIM_OK && !v.anchor_failed);
	{ /* the service role (limf replay) reads the same head through limf.audit_head() (schema
	   * 6) but still no row of the table */
		struct wr_db *sdb = t_db(T_SERVICE);
		uint8_t sh[WR_HASH_LEN];
		int64_t sr = -1;
		struct wr_audit_verdict sv;
		CHECK(wr_audit_head(sdb, &sr, sh) == LIM_OK && sr == rows);
		CHECK(memcmp(sh, head, WR_HASH_LEN) == 0);
		CHECK(wr_audit_verify(sdb, &sv) == LIM_E_DB);
		CHECK(strcmp(wr_db_sqlstate(sdb), "42501") == 0); /* insufficient_privilege */
		wr_db_close(sdb);
	}
	/* the chain grows: the anchor still holds, with or without its row count */
	for (int i = 0; i < 3; i++)
		CHECK(wr_audit_append(db, liid, "test.note", "after the anchor") == LIM_OK);
	CHECK(wr_audit_verify_anchor(db, &a, &v) == LIM_OK && v.rows == rows + 3);
	a.rows = 0;
	CHECK(wr_audit_verify_anchor(db, &a, &v) == LIM_OK);
	/* the empty chain's head is in every chain */
	memset(&a, 0, sizeof a);
	a.have_head = true;
	CHECK(wr_audit_verify_anchor(db, &a, &v) == LIM_OK);
	/* a row count alone */
	a.have_head = false;
	a.rows = rows + 3;
	CHECK(wr_audit_verify_anchor(db, &a, &v) == LIM_OK);
	a.rows = rows + 4;
	CHECK(wr_audit_verify_anchor(db, &a, &v) == LIM_E_AUTH && v.anchor_failed);
	CHECK(v.bad_id == 0 && strstr(v.reason, "fewer than the") != NULL);
	/* another head at that row: rewritten; a head that is nowhere */
	a.have_head = true;
	memcpy(a.head, head, WR_HASH_LEN);
	a.head[5] ^= 0x40;
	a.rows = rows;
	CHECK(wr_audit_verify_anchor(db, &a, &v) == LIM_E_AUTH && v.anchor_failed);
	CHECK(strstr(v.reason, "is not the recorded head") != NULL);
	a.rows = 0;
	CHECK(wr_audit_verify_anchor(db, &a, &v) == LIM_E_AUTH && v.anchor_failed);
	CHECK(strstr(v.reason, "in no row") != NULL);
	memcpy(a.head, head, WR_HASH_LEN);
	a.rows = rows + 1; /* the right head, the wrong row */
	CHECK(wr_audit_verify_anchor(db, &a, &v) == LIM_E_AUTH && v.anchor_failed);

	/* the newest three rows deleted with the triggers off: the chain alone is intact, the
	 * head recorded before shows it */
	CHECK(wr_audit_head(db, &rows2, head2) == LIM_OK && rows2 == rows + 3);
	{
		PGconn *su = super_on("limf");
		t_sql(su, "SET session_replication_role = replica", st);
		CHECK(st[0] == '\0');
		snprintf(sql, sizeof sql,
			 "CREATE TEMP TABLE saved AS SELECT * FROM limf.audit WHERE id > %lld",
			 (long long)rows);
		t_sql(su, sql, st);
		CHECK(st[0] == '\0');
		snprintf(sql, sizeof sql, "DELETE FROM limf.audit WHERE id > %lld",
			 (long long)rows);
		t_sql(su, sql, st);
		CHECK(st[0] == '\0');
		CHECK(wr_audit_verify(db, &v) == LIM_OK && v.rows == rows);
		memcpy(a.head, head2, WR_HASH_LEN);
		a.rows = rows2;
		CHECK(wr_audit_verify_anchor(db, &a, &v) == LIM_E_AUTH && v.anchor_failed);
		CHECK(strstr(v.reason, "rows deleted from its end") != NULL);
		a.rows = 0;
		CHECK(wr_audit_verify_anchor(db, &a, &v) == LIM_E_AUTH && v.anchor_failed);
		/* the older anchor still holds: what it covers is intact */
		memcpy(a.head, head, WR_HASH_LEN);
		a.rows = rows;
		CHECK(wr_audit_verify_anchor(db, &a, &v) == LIM_OK);
		t_sql(su, "INSERT INTO limf.audit SELECT * FROM saved", st);
		CHECK(st[0] == '\0');
		t_sql(su, "DROP TABLE saved", st);
		PQfinish(su);
	}
	memcpy(a.head, head2, WR_HASH_LEN);
	a.rows = rows2;
	CHECK(wr_audit_verify_anchor(db, &a, &v) == LIM_OK);
	wr_db_close(db);
}

/* Concurrent appends from several processes: the chain never forks. */
/* Concurrent appends from several processes: the chain stays one. conn: their connection
 * string (a server default isolation level in its options, say). */
static void concurrent(const char *conn)
{
	enum { PROCS = 4, EACH = 25 };
	pid_t pids[PROCS];
	struct wr_db *db;
	struct wr_audit_verdict v0, v;
	int ok = 1;

	db = t_db(conn);
	wr_db_close(db);
	db = t_db(T_OPERATOR);
	CHECK(wr_audit_verify(db, &v0) == LIM_OK);
	fflush(NULL);
	for (int p = 0; p < PROCS; p++) {
		pids[p] = fork();
		if (pids[p] == 0) {
			struct wr_db *c = NULL;
			int bad = 0;
			if (wr_db_open(conn, "test", &c) != LIM_OK)
				_exit(3);
			for (int i = 0; i < EACH; i++)
				if (wr_audit_append(c, "", "test.concurrent", "x") != LIM_OK)
					bad = 1;
			wr_db_close(c);
			_exit(bad);
		}
	}
	for (int p = 0; p < PROCS; p++) {
		int st = 0;
		if (pids[p] < 0 || waitpid(pids[p], &st, 0) < 0 || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != 0)
			ok = 0;
	}
	CHECK(ok);
	CHECK(wr_audit_verify(db, &v) == LIM_OK);
	CHECK(v.rows == v0.rows + PROCS * EACH);
	wr_db_close(db);
}

static void t_concurrent(void)
{
	char conn[1024];
	concurrent(T_SERVICE);
	/* a server (or role) whose default isolation is SERIALIZABLE: limf's sessions still
	 * append under READ COMMITTED (the trigger then sees the rows committed while it
	 * waited for the chain's lock; under the default, contended appends failed) */
	snprintf(conn, sizeof conn, "%s options='-c default_transaction_isolation=serializable'",
		 T_SERVICE);
	concurrent(conn);
}

/* Runs a limf command line (through sh, LIMF_DB from the environment), output into out. */
static int run_limf(const char *args, char *out, size_t cap)
{
	const char *b = getenv("BUILD");
	char cmd[1024];
	size_t n = 0;
	snprintf(cmd, sizeof cmd, "%s/limf %s 2>&1", b && *b ? b : "build", args);
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	n = fread(out, 1, cap - 1, p);
	out[n] = '\0';
	/* the rest unread (so the command never dies of SIGPIPE): a caller that needs all of a
	 * long output passes a buffer large enough for it */
	for (char sink[4096]; fread(sink, 1, sizeof sink, p) > 0;)
		;
	int st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void t_cli(void)
{
	struct wr_db *db = t_db(T_OPERATOR);
	struct wr_warrant g;
	char liid[WR_LIID_MAX + 1], args[768], out[8192], want[128];

	t_liid(liid, sizeof liid, "cli");
	snprintf(args, sizeof args,
		 "warrant add --liid %s --authority 'CLI Court' --ref R-1 --country FR"
		 " --from 2026-05-01T10:00:00+02:00 --to 2026-06-01T00:00:00Z --scope iri"
		 " --delivery 'hi2=[2001:db8::1]:6000' --target 'tel:+33 1 23 45 67 89'"
		 " --target 'mcptt:sip:cli-%s@org.example' --json",
		 liid, liid);
	CHECK(run_limf(args, out, sizeof out) == 0);
	snprintf(want, sizeof want, "\"liid\":\"%s\"", liid);
	CHECK(strstr(out, want) != NULL);
	CHECK(strstr(out, "\"valid_from\":\"2026-05-01T08:00:00Z\"") != NULL);
	CHECK(strstr(out, "\"norm\":\"tel:+33123456789\"") != NULL);
	/* what the CLI wrote is what the API reads */
	CHECK(wr_warrant_get(db, liid, &g) == LIM_OK);
	CHECK(g.valid_from == t_time("2026-05-01T08:00:00Z") && g.scope == WR_SCOPE_IRI);
	CHECK(strcmp(g.authority, "CLI Court") == 0 && strcmp(g.country, "FR") == 0);
	CHECK(g.n_targets == 2 && strcmp(g.delivery, "hi2=[2001:db8::1]:6000") == 0);
	/* show --json, list --all --json */
	snprintf(args, sizeof args, "warrant show %s --json", liid);
	CHECK(run_limf(args, out, sizeof out) == 0 && strstr(out, want) != NULL);
	{
		/* every warrant of the cluster, those of the suites run before this one included */
		static char all[1 << 20];
		CHECK(run_limf("warrant list --all --json", all, sizeof all) == 0);
		CHECK(strlen(all) < sizeof all - 1 && strstr(all, want) != NULL && all[0] == '[');
	}
	/* bad input through the CLI: exit 1, a message, nothing changed */
	{
		char snap[128], snap2[128];
		t_snapshot(snap);
		snprintf(args, sizeof args,
			 "warrant add --liid %s --authority A --ref R --country FR"
			 " --from 2026-05-01T00:00Z --to 2026-06-01T00:00Z --scope iri"
			 " --delivery d --target tel:+331",
			 liid);
		CHECK(run_limf(args, out, sizeof out) == 1 && strstr(out, "duplicate LIID"));
		snprintf(args, sizeof args, "warrant modify %s --to 2026-04-01T00:00Z", liid);
		CHECK(run_limf(args, out, sizeof out) == 1 && strstr(out, "after its start"));
		CHECK(run_limf("warrant revoke U-unknown-liid --reason x", out, sizeof out) == 1);
		CHECK(strstr(out, "unknown LIID") != NULL);
		t_snapshot(snap2);
		CHECK(strcmp(snap, snap2) == 0);
	}
	wr_db_close(db);
}

/* Warrants added with the CLI and decided by the gate (the reviewer's case): the CLI stores
 * the normal form the gate computes for a party (one function for both), so an extension
 * matches itself only, and a number matches its tel: and sip:...;user=phone forms. */
static void t_cli_norm(void)
{
	struct wr_db *svc = t_db(T_SERVICE), *op = t_db(T_OPERATOR);
	struct wr_warrant g;
	char num[32], sw[32], l_num[WR_LIID_MAX + 1], l_ext[WR_LIID_MAX + 1], args[768];
	char out[4096], got[WR_LIID_MAX + 1], u[160], norm[WR_URI_MAX + 1];
	int64_t t = t_time("2026-05-15T00:00:00Z");
	enum wr_kind k;
	unsigned pid = (unsigned)getpid() % 10000u;

	snprintf(num, sizeof num, "+4477009%04u", pid);
	snprintf(sw, sizeof sw, "+4420794%04u", pid);
	t_liid(l_num, sizeof l_num, "NUM1");
	t_liid(l_ext, sizeof l_ext, "EXT1");
	snprintf(args, sizeof args,
		 "warrant add --liid %s --authority C --ref R --country GB"
		 " --from 2026-05-01T00:00:00Z --to 2026-06-01T00:00:00Z --scope iri+cc"
		 " --delivery lemf:x --target 'tel:%s'",
		 l_num, num);
	CHECK(run_limf(args, out, sizeof out) == 0);
	snprintf(args, sizeof args,
		 "warrant add --liid %s --authority C --ref R --country GB"
		 " --from 2026-05-01T00:00:00Z --to 2026-06-01T00:00:00Z --scope iri+cc"
		 " --delivery lemf:x --target 'tel:%.3s-%s;EXT=12-34'",
		 l_ext, sw, sw + 3);
	CHECK(run_limf(args, out, sizeof out) == 0);
	/* the stored form is the gate's form of the same text */
	CHECK(wr_warrant_get(op, l_ext, &g) == LIM_OK && g.n_targets == 1);
	CHECK(wr_target_normalise(g.targets[0].uri, strlen(g.targets[0].uri), &k, norm,
				  sizeof norm) == LIM_OK);
	CHECK(strcmp(g.targets[0].norm, norm) == 0 && strstr(norm, ";ext=1234") != NULL);
	CHECK(g.targets[0].kind == WR_KIND_TEL && k == WR_KIND_TEL);

	/* the number: as tel:, as the IMS sip: form with user=phone, with separators */
	snprintf(u, sizeof u, "tel:%s", num);
	CHECK(decide_one(svc, u, t, got) == 1 && !strcmp(got, l_num));
	snprintf(u, sizeof u, "sip:%s@ims.mnc015.mcc234.3gppnetwork.org;user=phone", num);
	CHECK(decide_one(svc, u, t, got) == 1 && !strcmp(got, l_num));
	snprintf(u, sizeof u, "<sips:%.3s-%s@ims.example:5061;user=phone>;tag=a", num, num + 3);
	CHECK(decide_one(svc, u, t, got) == 1 && !strcmp(got, l_num));
	snprintf(u, sizeof u, "sip:%s@ims.example", num); /* no user=phone: a SIP user */
	CHECK(decide_one(svc, u, t, got) == 0);
	snprintf(u, sizeof u, "tel:%s;ext=1", num); /* an extension of it: another line */
	CHECK(decide_one(svc, u, t, got) == 0);
	/* the extension: itself only, in any spelling; not another one, not the switchboard */
	snprintf(u, sizeof u, "tel:%s;ext=1234", sw);
	CHECK(decide_one(svc, u, t, got) == 1 && !strcmp(got, l_ext));
	snprintf(u, sizeof u, "sip:%s;ext=1234@pbx.example;user=phone", sw);
	CHECK(decide_one(svc, u, t, got) == 1 && !strcmp(got, l_ext));
	snprintf(u, sizeof u, "tel:%s;ext=5678", sw);
	CHECK(decide_one(svc, u, t, got) == 0);
	snprintf(u, sizeof u, "tel:%s", sw);
	CHECK(decide_one(svc, u, t, got) == 0);
	/* a malformed extension is refused by the CLI, nothing stored */
	snprintf(args, sizeof args,
		 "warrant add --liid %s-x --authority C --ref R --country GB"
		 " --from 2026-05-01T00:00:00Z --to 2026-06-01T00:00:00Z --scope iri"
		 " --delivery lemf:x --target 'tel:%s;ext=12a'",
		 l_ext, sw);
	CHECK(run_limf(args, out, sizeof out) == 1);
	wr_db_close(svc);
	wr_db_close(op);
}

const struct lim_suite t_wr_db_suites[] = {
	{ "migrate", t_migrate },
	{ "roles", t_roles },
	{ "audit_hash", t_audit_hash },
	{ "audit", t_audit },
	{ "concurrent", t_concurrent },
	{ "cli", t_cli },
	{ "cli_norm", t_cli_norm },
	{ "migrate_v5", t_migrate_v5 },
	{ "migrate_v7", t_migrate_v7 },
	{ "migrate_v8", t_migrate_v8 },
	{ "audit_anchor", t_audit_anchor },
	{ "session_timeouts", t_session_timeouts },
	{ "connect_timeout", t_connect_timeout },
	{ NULL, NULL },
};
