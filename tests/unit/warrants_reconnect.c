/* test_warrants: a lost database connection (review finding 4). The server ends the session
 * under the handle (pg_terminate_backend, as a restart or a failover does): the next statement
 * reconnects, forgets the prepared statements, and is sent once more; at most one attempt a
 * second (a dead server does not stall every decision); never inside a transaction (its work
 * is gone: the caller's transaction fails) and never on a listening connection (its owner
 * reconnects, wr_db_changes). A failed decision is no decision (n = 0). A server that takes
 * the connection and never answers holds a reconnect at most WR_RECONNECT_TIMEOUT_MS. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
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
		snprintf(q, sizeof q, "SELECT count(*) FROM limf.audit WHERE liid = '%s'", liid);
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

/* The value of key in a libpq connection string of key=value words (test constants). */
static void conn_word(const char *conn, const char *key, char *out, size_t cap)
{
	size_t kl = strlen(key);
	out[0] = '\0';
	for (const char *p = conn; *p;) {
		while (*p == ' ')
			p++;
		const char *e = strchr(p, ' ');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n > kl && strncmp(p, key, kl) == 0 && p[kl] == '=')
			snprintf(out, cap, "%.*s", (int)(n - kl - 1), p + kl + 1);
		p += n;
	}
}

/* The handle reaches the server through a socket path of our own (a symlink to the real
 * one); after its session ends, the path answers nothing (a listening socket nobody serves:
 * the connection is taken, the startup packet never answered): the reconnect gives up after
 * its bound, the decision fails closed; with the symlink back, the next attempt (a second
 * later) reconnects. */
static void t_reconnect_silent(void)
{
	char host[128], port[16], dir[] = "/tmp/limf-rc.XXXXXX", path[160], real[160], cs[512];
	struct wr_db *op = t_db(T_OPERATOR), *db;
	struct wr_warrant w;
	struct sockaddr_un sa;
	char liid[WR_LIID_MAX + 1], uri[80];
	int64_t from = t_time("2026-03-01T00:00:00Z"), to = t_time("2026-04-01T00:00:00Z"), t0;
	int fd;

	conn_word(T_SERVICE, "host", host, sizeof host);
	conn_word(T_SERVICE, "port", port, sizeof port);
	CHECK(host[0] == '/' && port[0]);
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/.s.PGSQL.%s", dir, port[0] ? port : "5432");
	snprintf(real, sizeof real, "%s/.s.PGSQL.%s", host, port[0] ? port : "5432");
	CHECK(symlink(real, path) == 0);
	snprintf(cs, sizeof cs, "host=%s port=%s dbname=limf user=" WR_ROLE_SERVICE, dir,
		 port[0] ? port : "5432");
	db = t_db(cs);
	t_liid(liid, sizeof liid, "rs");
	snprintf(uri, sizeof uri, "sip:rs-%s@example.org", liid);
	t_fill(&w, liid, from, to, uri);
	CHECK(wr_warrant_add(op, &w) == LIM_OK);
	CHECK(decide1(db, uri, from) == 1);

	/* the path now leads to a server that never answers */
	CHECK(unlink(path) == 0);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	CHECK(strlen(path) < sizeof sa.sun_path);
	memcpy(sa.sun_path, path, strlen(path) < sizeof sa.sun_path ? strlen(path) : 0);
	CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(fd, 8) == 0);
	kill_backend(backend_pid(db));
	t0 = (int64_t)lim_mono_ms();
	CHECK(decide1(db, uri, from) == -1);
	CHECK((int64_t)lim_mono_ms() - t0 >= WR_RECONNECT_TIMEOUT_MS - 100);
	CHECK((int64_t)lim_mono_ms() - t0 < WR_RECONNECT_TIMEOUT_MS + 1500);
	CHECK(strstr(wr_db_msg(db), "reconnect failed") != NULL);
	/* within the interval after that attempt: at once */
	t0 = (int64_t)lim_mono_ms();
	CHECK(decide1(db, uri, from) == -1);
	CHECK((int64_t)lim_mono_ms() - t0 < 500);
	CHECK(strstr(wr_db_msg(db), "reconnect deferred") != NULL);

	/* the server reachable again: the next attempt, a second on, reconnects */
	close(fd);
	CHECK(unlink(path) == 0 && symlink(real, path) == 0);
	usleep(WR_RECONNECT_US + 100000);
	CHECK(decide1(db, uri, from) == 1);
	CHECK(wr_db_reconnects(db) == 1);
	wr_db_close(db);
	wr_db_close(op);
	unlink(path);
	rmdir(dir);
}

const struct lim_suite t_wr_reconnect_suites[] = {
	{ "reconnect", t_reconnect },
	{ "reconnect_silent", t_reconnect_silent },
	{ NULL, NULL },
};
