/* test_warrants: times holding PostgreSQL's 'infinity' / '-infinity' (warrants.h "Times").
 * limf never writes them, but raw SQL could before schema version 4: a version 3 database gets
 * such rows by hand, every reader must still work on them (get, list, status changes, modify,
 * the gate, instances, audit), the migration to version 4 must not fail on them, and after it
 * new ones are refused while the old ones keep working. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/warrants_suites.h"
#include "warrants/internal.h" /* wr_exec: raw SQL in a transaction with its audit row */

#define XI "6c1d8e2f-0a3b-4c5d-8e9f-a0b1c2d3e4f5"

/* Runs sql ($1 = liid) as db's role in one transaction with an audit row for liid, as the
 * deferred require_audit trigger wants. Returns the statement's result (the transaction is
 * rolled back when it fails). */
static enum lim_err raw(struct wr_db *db, const char *liid, const char *sql)
{
	const char *p[] = { liid };
	enum lim_err rc = wr_begin(db);
	if (rc != LIM_OK)
		return rc;
	rc = wr_exec(db, sql, 1, p, NULL);
	if (rc == LIM_OK)
		rc = wr_audit_append(db, liid, "warrant.modify", "raw SQL (test)");
	if (rc == LIM_OK)
		return wr_commit(db);
	wr_rollback(db);
	return rc;
}

/* The refusal of schema version 4: check_violation naming the column. */
static bool refused(struct wr_db *db, const char *col)
{
	return strcmp(wr_db_sqlstate(db), "23514") == 0 && strstr(wr_db_msg(db), col) &&
	       strstr(wr_db_msg(db), "must be a finite time");
}

struct seen {
	const char *liid;
	size_t n;
	bool found;
	struct wr_warrant w;
};

static int see(void *ctx, const struct wr_warrant *w)
{
	struct seen *s = ctx;
	s->n++;
	if (strcmp(w->liid, s->liid) == 0) {
		s->found = true;
		s->w = *w;
	}
	return 0;
}

/* Lists (all when all) and returns whether liid was seen; *n gets how many were listed. */
static bool listed(struct wr_db *db, bool all, const char *liid, struct wr_warrant *w, size_t *n)
{
	struct seen *s = calloc(1, sizeof *s);
	bool found = false;
	*n = 0;
	if (!s)
		return false;
	s->liid = liid;
	if (wr_warrant_list(db, all, see, s) == LIM_OK) {
		found = s->found;
		*n = s->n;
		if (w)
			*w = s->w;
	}
	free(s);
	return found;
}

/* The number of warrants in force at t for the party uri (the gate), -1 on error; m[0] gets
 * the first. */
static int gate(struct wr_db *svc, const char *uri, int64_t t, struct wr_match *m)
{
	struct wr_party p = { uri, NULL, NULL, NULL };
	size_t n = 0;
	return wr_decide(svc, &p, 1, t, m, 4, &n) == LIM_OK ? (int)n : -1;
}

static int xgate(struct wr_db *svc, int64_t t, struct wr_match *m)
{
	size_t n = 0;
	return wr_xid_decide(svc, XI, t, m, &n) == LIM_OK ? (int)n : -1;
}

struct inst {
	const char *name;
	bool found;
	struct wr_instance in;
};

static int inst_one(void *ctx, const struct wr_instance *in)
{
	struct inst *f = ctx;
	if (strcmp(in->name, f->name) == 0) {
		f->found = true;
		f->in = *in;
		f->in.status_json = NULL;
	}
	return 0;
}

/* Whether the legacy warrant li reads back as it was written: since always, open-ended. */
static bool open_ended(struct wr_db *db, const char *li, const char *delivery)
{
	struct wr_warrant *w = calloc(1, sizeof *w);
	bool ok = w && wr_warrant_get(db, li, w) == LIM_OK &&
		  w->valid_from == WR_TIME_NEG_INFINITY && w->valid_to == WR_TIME_INFINITY &&
		  w->n_targets == 1 && w->n_xids == 1 && strcmp(w->xids[0], XI) == 0 &&
		  strcmp(w->delivery, delivery) == 0;
	free(w);
	return ok;
}

static int audit_at(void *ctx, const struct wr_audit_row *r)
{
	int64_t *at3 = ctx;
	if (r->id == 3)
		*at3 = r->at_us;
	return 0;
}

static void t_infinity(void)
{
	PGconn *su = t_pg(T_SUPER);
	struct wr_db *op, *svc, *adm;
	struct wr_warrant *w = calloc(1, sizeof *w);
	struct wr_change ch;
	struct wr_match m[4];
	struct wr_audit_verdict vd;
	struct inst f;
	char st[6], adm_cs[512], op_cs[512], svc_cs[512], su_cs[512], q[512];
	char li[WR_LIID_MAX + 1], lf[WR_LIID_MAX + 1], ts[WR_TIME_STRLEN], uri[80];
	int from_v = -1, to_v = -1;
	size_t n = 0;
	const int64_t t0 = t_time("2026-01-01T00:00Z"), t1 = t_time("2099-01-01T00:00Z");
	const int64_t far = t_time("9999-12-31T23:59:59Z"), before = 0; /* 1970 */

	if (!w)
		return;
	/* the text and JSON of `limf warrant list/show` */
	wr_time_format(WR_TIME_INFINITY, ts);
	CHECK(strcmp(ts, "infinity") == 0);
	wr_time_format(WR_TIME_NEG_INFINITY, ts);
	CHECK(strcmp(ts, "-infinity") == 0);
	wr_time_format(WR_TIME_INFINITY - 1, ts); /* finite, beyond year 9999 */
	CHECK(strcmp(ts, "(time out of range)") == 0);

	CHECK(wr_db_schema_latest() >= 4);
	t_sql(su, "DROP DATABASE IF EXISTS limf_itest", st);
	t_sql(su, "CREATE DATABASE limf_itest OWNER limf_admin TEMPLATE template0 ENCODING 'UTF8'",
	      st);
	CHECK(st[0] == '\0');
	snprintf(adm_cs, sizeof adm_cs, "%s dbname=limf_itest", T_ADMIN);
	snprintf(op_cs, sizeof op_cs, "%s dbname=limf_itest", T_OPERATOR);
	snprintf(svc_cs, sizeof svc_cs, "%s dbname=limf_itest", T_SERVICE);
	snprintf(su_cs, sizeof su_cs, "%s dbname=limf_itest", T_SUPER);
	t_migrate_to(adm_cs, 3);
	op = t_db(op_cs);
	svc = t_db(svc_cs);

	/* version 3: a finite warrant through limf, an infinite one through raw SQL (operator) */
	t_liid(lf, sizeof lf, "if");
	t_fill(w, lf, t0, t1, "sip:if@example.org");
	CHECK(wr_warrant_add(op, w) == LIM_OK);
	t_liid(li, sizeof li, "ii");
	snprintf(uri, sizeof uri, "sip:%s@example.org", li);
	CHECK(raw(op, li,
		  "INSERT INTO limf.warrants (liid, authority, authority_ref, country, valid_from,"
		  " valid_to, scope, delivery, created_by, modified_by) VALUES ($1, 'Court', 'R',"
		  " 'GB', '-infinity', 'infinity', 'iri+cc', 'by hand', 'psql', 'psql')") ==
	      LIM_OK);
	snprintf(q, sizeof q,
		 "INSERT INTO limf.targets (warrant_id, kind, uri, norm) SELECT id, 'sip',"
		 " '%s', '%s' FROM limf.warrants WHERE liid = $1",
		 uri, uri);
	CHECK(raw(op, li, q) == LIM_OK);
	CHECK(raw(op, li,
		  "INSERT INTO limf.warrant_xids (xid, warrant_id) SELECT '" XI "', id"
		  " FROM limf.warrants WHERE liid = $1") == LIM_OK);
	/* and an instance whose times were set by the owner by hand */
	{
		PGconn *a = t_pg(adm_cs);
		t_sql(a,
		      "INSERT INTO limf.instances (name, state, interval_ms, started_at, seen_at)"
		      " VALUES ('inf-test', 'running', 1000, '-infinity', '-infinity')",
		      st);
		CHECK(st[0] == '\0');
		PQfinish(a);
	}

	/* every reader, before the migration: get, list (all the warrants, not just the others) */
	CHECK(open_ended(op, li, "by hand"));
	CHECK(listed(op, false, li, w, &n) && n == 2 && w->valid_to == WR_TIME_INFINITY);
	CHECK(listed(op, true, lf, NULL, &n) && n == 2);
	/* the gate of this limf needs schema version 8 (suspension periods): before, every
	 * decision fails (closed), saying to migrate */
	CHECK(gate(svc, uri, before, m) == -1 && strstr(wr_db_msg(svc), "limf db migrate"));
	CHECK(xgate(svc, far, m) == -1 && strstr(wr_db_msg(svc), "limf db migrate"));
	/* instances: -infinity never seen (stale), no error */
	memset(&f, 0, sizeof f);
	f.name = "inf-test";
	CHECK(wr_instance_list(op, inst_one, &f) == LIM_OK && f.found);
	CHECK(f.in.started_at == WR_TIME_NEG_INFINITY && f.in.seen_at == WR_TIME_NEG_INFINITY);
	CHECK(f.in.age_ms == INT64_MAX && f.in.stale);
	/* status changes and a modify keep its times */
	CHECK(wr_warrant_set_status(op, li, WR_SUSPENDED, "pause") == LIM_OK);
	CHECK(wr_warrant_set_status(op, li, WR_ACTIVE, NULL) == LIM_OK);
	memset(&ch, 0, sizeof ch);
	ch.delivery = "modified v3";
	CHECK(wr_warrant_modify(op, li, &ch) == LIM_OK);
	CHECK(open_ended(op, li, "modified v3"));
	/* the API never writes a new infinity */
	t_fill(w, "Inf-new", t0, WR_TIME_INFINITY, "sip:new@example.org");
	CHECK(wr_warrant_add(op, w) == LIM_E_ARG && strstr(wr_db_msg(op), "finite"));
	t_fill(w, "Inf-new", WR_TIME_NEG_INFINITY, t1, "sip:new@example.org");
	CHECK(wr_warrant_add(op, w) == LIM_E_ARG);
	memset(&ch, 0, sizeof ch);
	ch.set_to = true;
	ch.valid_to = WR_TIME_INFINITY;
	CHECK(wr_warrant_modify(op, lf, &ch) == LIM_E_ARG && strstr(wr_db_msg(op), "finite"));
	memset(&ch, 0, sizeof ch);
	ch.set_from = true;
	ch.valid_from = WR_TIME_NEG_INFINITY;
	CHECK(wr_warrant_modify(op, lf, &ch) == LIM_E_ARG);

	/* the migration keeps those rows and does not fail on them */
	adm = t_db(adm_cs);
	CHECK(wr_db_migrate(adm, &from_v, &to_v) == LIM_OK && from_v == 3 &&
	      to_v == wr_db_schema_latest());
	CHECK(wr_audit_verify(adm, &vd) == LIM_OK && vd.bad_id == 0);
	wr_db_close(adm);

	/* after it: the old row reads, lists, decides, changes and is revoked as before; the gate
	 * reads it in force at any time (but during its suspension, the period the migration
	 * took from the audit chain), its end the end of time */
	CHECK(open_ended(svc, li, "modified v3"));
	CHECK(listed(op, false, li, NULL, &n) && n == 2);
	CHECK(gate(svc, uri, far, m) == 1 && m[0].valid_to == WR_TIME_INFINITY);
	CHECK(gate(svc, uri, before, m) == 1 && strcmp(m[0].liid, li) == 0);
	CHECK(xgate(svc, before, m) == 1 && strcmp(m[0].liid, li) == 0);
	CHECK(xgate(svc, far, m) == 1 && m[0].valid_to == WR_TIME_INFINITY);
	CHECK(wr_warrant_set_status(op, li, WR_SUSPENDED, "pause") == LIM_OK);
	CHECK(gate(svc, uri, far, m) == 0 && xgate(svc, far, m) == 0);
	CHECK(wr_warrant_set_status(op, li, WR_ACTIVE, NULL) == LIM_OK);
	CHECK(gate(svc, uri, far, m) == 1);
	memset(&ch, 0, sizeof ch);
	ch.delivery = "modified v4";
	CHECK(wr_warrant_modify(op, li, &ch) == LIM_OK);
	CHECK(open_ended(op, li, "modified v4"));
	/* raw SQL keeping its values is no new infinity either */
	CHECK(raw(op, li, "UPDATE limf.warrants SET reason = 'raw' WHERE liid = $1") == LIM_OK);

	/* new infinities are refused at the source, whoever sends the SQL (operator, owner) */
	CHECK(raw(op, lf, "UPDATE limf.warrants SET valid_to = 'infinity' WHERE liid = $1") ==
	      LIM_E_DB);
	CHECK(refused(op, "valid_to"));
	CHECK(raw(op, lf, "UPDATE limf.warrants SET valid_from = '-infinity' WHERE liid = $1") ==
	      LIM_E_DB);
	CHECK(refused(op, "valid_from"));
	CHECK(raw(op, lf, "UPDATE limf.warrants SET created_at = 'infinity' WHERE liid = $1") ==
	      LIM_E_DB);
	CHECK(refused(op, "created_at"));
	CHECK(raw(op, li, "UPDATE limf.warrants SET modified_at = '-infinity' WHERE liid = $1") ==
	      LIM_E_DB);
	CHECK(refused(op, "modified_at"));
	CHECK(raw(op, "Inf-raw",
		  "INSERT INTO limf.warrants (liid, authority, authority_ref, country, valid_from,"
		  " valid_to, scope, delivery, created_by, modified_by) VALUES ($1, 'Court', 'R',"
		  " 'GB', now(), 'infinity', 'iri', 'd', 'psql', 'psql')") == LIM_E_DB);
	CHECK(refused(op, "valid_to"));
	{
		struct wr_db *own = t_db(adm_cs);
		CHECK(raw(own, lf,
			  "UPDATE limf.warrants SET valid_to = 'infinity' WHERE liid = $1") ==
		      LIM_E_DB);
		CHECK(refused(own, "valid_to"));
		wr_db_close(own);
	}
	{
		PGconn *a = t_pg(adm_cs);
		t_sql(a,
		      "INSERT INTO limf.instances (name, state, interval_ms, started_at, seen_at)"
		      " VALUES ('inf-test2', 'running', 1000, now(), 'infinity')",
		      st);
		CHECK(strcmp(st, "23514") == 0);
		PQfinish(a);
	}
	/* nothing of that was written; the finite warrant is intact */
	CHECK(!listed(op, true, "Inf-raw", NULL, &n) && n == 2);
	CHECK(wr_warrant_get(op, lf, w) == LIM_OK && w->valid_from == t0 && w->valid_to == t1);
	/* the instance's next report heals its row (the CHECK holds for the new version) */
	{
		struct wr_instance in;
		memset(&in, 0, sizeof in);
		snprintf(in.name, sizeof in.name, "inf-test");
		in.running = true;
		in.interval_ms = 1000;
		CHECK(wr_instance_report(svc, &in) == LIM_OK);
		memset(&f, 0, sizeof f);
		f.name = "inf-test";
		CHECK(wr_instance_list(op, inst_one, &f) == LIM_OK && f.found && !f.in.stale);
		CHECK(f.in.seen_at > t0 && f.in.seen_at < far && f.in.age_ms < 60000);
	}
	/* revoked with its times as they are: no longer in force */
	CHECK(wr_warrant_set_status(op, li, WR_REVOKED, "withdrawn") == LIM_OK);
	CHECK(gate(svc, uri, far, m) == 0 && xgate(svc, far, m) == 0);
	CHECK(wr_warrant_get(op, li, w) == LIM_OK && w->status == WR_REVOKED &&
	      w->valid_to == WR_TIME_INFINITY);
	CHECK(wr_audit_verify(op, &vd) == LIM_OK && vd.bad_id == 0);

	/* an audit row whose time was edited to 'infinity' (superuser, triggers off) is reported
	 * as a broken row, not a failed statement; the list still reads */
	{
		PGconn *s = t_pg(su_cs);
		t_sql(s, "SET session_replication_role = replica", st);
		CHECK(st[0] == '\0');
		t_sql(s, "UPDATE limf.audit SET at = 'infinity' WHERE id = 3", st);
		CHECK(st[0] == '\0');
		PQfinish(s);
		CHECK(wr_audit_verify(op, &vd) == LIM_E_AUTH && vd.bad_id == 3);
		int64_t at3 = 0;
		CHECK(wr_audit_list(op, NULL, audit_at, &at3) == LIM_OK);
		CHECK(at3 == WR_TIME_INFINITY);
	}

	wr_db_close(op);
	wr_db_close(svc);
	t_sql(su, "DROP DATABASE limf_itest WITH (FORCE)", st);
	CHECK(st[0] == '\0');
	PQfinish(su);
	free(w);
}

const struct lim_suite t_wr_inf_suites[] = {
	{ "infinity", t_infinity },
	{ NULL, NULL },
};
