/* test_warrants: a lost database connection (review finding 4). The server ends the session
 * under the handle (pg_terminate_backend, as a restart or a failover does): the next statement
 * reconnects, forgets the prepared statements, and is sent once more; at most one attempt a
 * second (a dead server does not stall every decision); never inside a transaction (its work
 * is gone: the caller's transaction fails) and never on a listening connection (its owner
 * reconnects, wr_db_changes). A failed decision is no decision (n = 0). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/warrants_suites.h"
#include "warrants/internal.h" /* wr_exec, wr_begin: statements on the handle */

/* The handle's server process id (0 when the statement fails). */
static long backend_pid(struct wr_db *db)
{
	PGresult *r = NULL;
	long pid = 0;
	if (wr_exec(db, "SELECT pg_backend_pid()", 0, NULL, &r) == LIM_OK)
		pid = strtol(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return pid;
}

/* Ends the session pid as the superuser and waits (up to 5 s) until it is gone. */
static void kill_backend(long pid)
{
	PGconn *su = t_pg(T_SUPER);
	char q[96], v[8];
	snprintf(q, sizeof q, "SELECT pg_terminate_backend(%ld, 5000)", pid);
	t_sql_val(su, q, v, sizeof v);
	CHECK(strcmp(v, "t") == 0);
	PQfinish(su);
}

/* wr_decide of one URI party at t; the number of matches, -1 on an error. */
static int decide1(struct wr_db *db, const char *uri, int64_t t)
{
	struct wr_party p = { uri, NULL, NULL, NULL };
	struct wr_match m[4];
	size_t n = 99;
	enum lim_err e = wr_decide(db, &p, 1, t, m, 4, &n);
	if (e != LIM_OK) {
		CHECK(n == 0); /* no decision: nothing may be intercepted */
		return -1;
	}
	return (int)n;
}

static void t_reconnect(void)
{
	struct wr_db *op = t_db(T_OPERATOR), *svc = t_db(T_SERVICE);
	struct wr_warrant w;
	char liid[WR_LIID_MAX + 1], uri[80];
	int64_t from = t_time("2026-03-01T00:00:00Z"), to = t_time("2026-04-01T00:00:00Z");
	long pid, pid2;

	t_liid(liid, sizeof liid, "rc");
	snprintf(uri, sizeof uri, "sip:rc-%s@example.org", liid);
	t_fill(&w, liid, from, to, uri);
	CHECK(wr_warrant_add(op, &w) == LIM_OK);

	/* prepared and answered on the first session */
	CHECK(decide1(svc, uri, from) == 1);
	CHECK(wr_db_reconnects(svc) == 0);
	pid = backend_pid(svc);
	CHECK(pid > 0);

	/* the session ended under the handle: the decision reconnects, prepares its statement
	 * again on the new session (the old one's are gone) and answers */
	kill_backend(pid);
	CHECK(decide1(svc, uri, from) == 1);
	CHECK(wr_db_reconnects(svc) == 1);
	pid2 = backend_pid(svc);
	CHECK(pid2 > 0 && pid2 != pid);
	/* the session settings of wr_db_open again */
	{
		PGresult *r = NULL;
		CHECK(wr_exec(svc, "SHOW client_encoding", 0, NULL, &r) == LIM_OK);
		CHECK(r && strcmp(PQgetvalue(r, 0, 0), "UTF8") == 0);
		PQclear(r);
		CHECK(wr_exec(svc, "SHOW client_min_messages", 0, NULL, &r) == LIM_OK);
		CHECK(r && strcmp(PQgetvalue(r, 0, 0), "warning") == 0);
		PQclear(r);
	}
	/* the audit statement (prepared too) on the new session */
	CHECK(wr_audit_append(svc, liid, "test", "audit row after a reconnect") == LIM_OK);

	/* lost again within the second: no second attempt yet, the decision fails closed and
	 * says so; a second later it reconnects */
	kill_backend(pid2);
	CHECK(decide1(svc, uri, from) == -1);
	CHECK(strstr(wr_db_msg(svc), "reconnect deferred") != NULL);
	CHECK(decide1(svc, uri, from) == -1); /* still within the second: at once, no attempt */
	CHECK(wr_db_reconnects(svc) == 1);
	usleep(WR_RECONNECT_US + 100000);
	CHECK(decide1(svc, uri, from) == 1);
	CHECK(wr_db_reconnects(svc) == 2);
	CHECK(wr_audit_append(svc, liid, "test", "audit row after a second reconnect") == LIM_OK);
	wr_db_close(svc);

	/* inside a transaction: the statement is not re-sent (it would run outside the
	 * transaction, whose earlier work is gone); the caller rolls back and the next
	 * statement reconnects */
	{
		char before[32], after[32];
		PGconn *su = t_pg(T_SUPER);
		char q[200];
		const char *prm[1] = { liid };
		snprintf(q, sizeof q,
			 "SELECT count(*) FROM limf.audit WHERE liid = '%s'", liid);
		{
			char cs[512];
			snprintf(cs, sizeof cs, "%s dbname=limf", T_SUPER);
			PQfinish(su);
			su = t_pg(cs);
		}
		t_sql_val(su, q, before, sizeof before);
		pid = backend_pid(op);
		CHECK(wr_begin(op) == LIM_OK);
		CHECK(wr_audit_append(op, liid, "test", "inside a lost transaction") == LIM_OK);
		kill_backend(pid);
		CHECK(wr_exec(op, "SELECT liid FROM limf.warrants WHERE liid = $1", 1, prm, NULL) ==
		      LIM_E_DB);
		CHECK(wr_db_reconnects(op) == 0);
		/* still inside the (lost) transaction: nothing is re-sent */
		CHECK(wr_exec(op, "SELECT 1", 0, NULL, NULL) == LIM_E_DB);
		CHECK(wr_db_reconnects(op) == 0);
		wr_rollback(op);
		CHECK(wr_exec(op, "SELECT 1", 0, NULL, NULL) == LIM_OK);
		CHECK(wr_db_reconnects(op) == 1);
		t_sql_val(su, q, after, sizeof after);
		CHECK(strcmp(before, after) == 0); /* the lost transaction's row is not there */
		/* and the handle works for a whole change again */
		CHECK(wr_warrant_set_status(op, liid, WR_SUSPENDED, "after a reconnect") == LIM_OK);
		CHECK(wr_warrant_set_status(op, liid, WR_ACTIVE, "after a reconnect") == LIM_OK);
		PQfinish(su);
	}

	/* a listening connection is not reconnected silently (the subscription would be
	 * lost without a word): its owner sees the loss */
	{
		struct wr_db *l = t_db(T_SERVICE);
		size_t changed = 99;
		CHECK(wr_db_listen(l) == LIM_OK);
		kill_backend(backend_pid(l));
		CHECK(wr_exec(l, "SELECT 1", 0, NULL, NULL) == LIM_E_DB);
		CHECK(wr_db_reconnects(l) == 0);
		CHECK(wr_db_changes(l, &changed) == LIM_E_DB && changed == 0);
		wr_db_close(l);
	}
	wr_db_close(op);
}

const struct lim_suite t_wr_reconnect_suites[] = {
	{ "reconnect", t_reconnect },
	{ NULL, NULL },
};
