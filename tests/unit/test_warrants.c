/* test_warrants: warrants/ against a real private PostgreSQL cluster (STYLE.md rule 23).
 * Each tests/unit/warrants_*.c file exports one suite table, listed in warrants_suites.h.
 * `test_warrants NAME...` runs a subset. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/warrants_suites.h"
#include "warrants/internal.h" /* wr_exec, wr_migrations: t_migrate_to */

/* warrants_notify.c (declared here, next to the table it joins) */
extern const struct lim_suite t_wr_notify_suites[];

const char *t_conn(const char *var)
{
	const char *v = getenv(var);
	if (!v || !*v) {
		fprintf(stderr,
			"test_warrants: %s is not set: run through `make test` "
			"(scripts/pg-test.sh run DIR CMD)\n",
			var);
		exit(2);
	}
	return v;
}

struct wr_db *t_db(const char *conn)
{
	struct wr_db *db = NULL;
	if (wr_db_open(conn, "test", &db) != LIM_OK) {
		fprintf(stderr, "test_warrants: cannot connect (%s): %s\n", conn, wr_db_msg(db));
		exit(2);
	}
	return db;
}

static void quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

PGconn *t_pg(const char *conn)
{
	PGconn *c = PQconnectdb(conn);
	if (!c || PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "test_warrants: cannot connect (%s)\n", conn);
		exit(2);
	}
	PQsetNoticeProcessor(c, quiet, NULL);
	return c;
}

void t_sql(PGconn *c, const char *sql, char state[6])
{
	PGresult *r = PQexecParams(c, sql, 0, NULL, NULL, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(r);
	state[0] = '\0';
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		const char *s = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		snprintf(state, 6, "%s", s ? s : "?????");
	}
	PQclear(r);
}

void t_sql_val(PGconn *c, const char *sql, char *out, size_t cap)
{
	PGresult *r = PQexecParams(c, sql, 0, NULL, NULL, NULL, NULL, 0);
	out[0] = '\0';
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0)
		snprintf(out, cap, "%s", PQgetvalue(r, 0, 0));
	else
		fprintf(stderr, "t_sql_val: %s: %s", sql, PQerrorMessage(c));
	PQclear(r);
}

void t_liid(char *out, size_t cap, const char *tag)
{
	snprintf(out, cap, "U%ld-%s", (long)getpid(), tag);
}

void t_snapshot(char out[128])
{
	PGconn *c = t_pg(T_SUPER);
	char a[40], b[40], d[40];
	/* the superuser connection is to the postgres database: use limf's */
	PQfinish(c);
	c = t_pg(T_ADMIN);
	t_sql_val(c,
		  "SELECT coalesce(md5(string_agg(w::text, '|' ORDER BY id)), '-')"
		  " FROM limf.warrants w",
		  a, sizeof a);
	t_sql_val(c,
		  "SELECT coalesce(md5(string_agg(t::text, '|' ORDER BY warrant_id, norm)), '-')"
		  " FROM limf.targets t",
		  b, sizeof b);
	t_sql_val(c,
		  "SELECT coalesce(md5(string_agg(a::text, '|' ORDER BY id)), '-')"
		  " FROM limf.audit a",
		  d, sizeof d);
	snprintf(out, 128, "%s/%s/%s", a, b, d);
	PQfinish(c);
}

void t_fill(struct wr_warrant *w, const char *liid, int64_t from, int64_t to, const char *target)
{
	memset(w, 0, sizeof *w);
	snprintf(w->liid, sizeof w->liid, "%s", liid);
	snprintf(w->authority, sizeof w->authority, "Test Court");
	snprintf(w->authority_ref, sizeof w->authority_ref, "REF/%s", liid);
	snprintf(w->country, sizeof w->country, "GB");
	w->valid_from = from;
	w->valid_to = to;
	w->scope = WR_SCOPE_IRI_CC;
	snprintf(w->delivery, sizeof w->delivery, "hi2=192.0.2.1:6000 hi3=192.0.2.1:6001");
	if (wr_warrant_add_target(w, target) != LIM_OK) {
		fprintf(stderr, "t_fill: bad target %s\n", target);
		exit(2);
	}
}

int64_t t_time(const char *iso)
{
	int64_t t;
	if (wr_time_parse(iso, &t) != LIM_OK) {
		fprintf(stderr, "t_time: %s\n", iso);
		exit(2);
	}
	return t;
}

void t_migrate_to(const char *conn, int version)
{
	struct wr_db *db = t_db(conn);
	CHECK(wr_begin(db) == LIM_OK);
	CHECK(wr_exec(db, "CREATE SCHEMA limf", 0, NULL, NULL) == LIM_OK);
	CHECK(wr_exec(db,
		      "CREATE TABLE limf.schema_version ("
		      " version integer PRIMARY KEY, name text NOT NULL,"
		      " applied_at timestamptz NOT NULL DEFAULT now(),"
		      " applied_by text NOT NULL DEFAULT session_user)",
		      0, NULL, NULL) == LIM_OK);
	for (int m = 0; m < version; m++) {
		char v[24], d[160];
		CHECK(wr_migrations[m].version == m + 1);
		for (const char *const *s = wr_migrations[m].stmts; *s; s++)
			CHECK(wr_exec(db, *s, 0, NULL, NULL) == LIM_OK);
		if (wr_migrations[m].fn)
			CHECK(wr_migrations[m].fn(db) == LIM_OK);
		wr_i64_str(m + 1, v);
		const char *p[] = { v, wr_migrations[m].name };
		CHECK(wr_exec(db, "INSERT INTO limf.schema_version (version, name) VALUES ($1, $2)",
			      2, p, NULL) == LIM_OK);
		snprintf(d, sizeof d, "schema version %d: %s", m + 1, wr_migrations[m].name);
		CHECK(wr_audit_append(db, "", "db.migrate", d) == LIM_OK);
	}
	CHECK(wr_commit(db) == LIM_OK);
	wr_db_close(db);
}

int main(int argc, char **argv)
{
	struct lim_suite all[64];
	size_t n = 0;
	const struct lim_suite *const tables[] = WARRANTS_SUITE_TABLES;
	for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
		for (const struct lim_suite *s = tables[t]; s->name && n < 64; s++)
			all[n++] = *s;
	for (const struct lim_suite *s = t_wr_notify_suites; s->name && n < 64; s++)
		all[n++] = *s;
	return lim_t_main(all, n, argc, argv);
}
