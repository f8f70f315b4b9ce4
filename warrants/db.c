/* warrants/ database handle: connection, statement helpers, provisioning. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "warrants/internal.h"

static void set_msg(struct wr_db *db, const char *s)
{
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		n--;
	if (n >= sizeof db->msg)
		n = sizeof db->msg - 1;
	memcpy(db->msg, s, n);
	db->msg[n] = '\0';
	for (char *p = db->msg; *p; p++)
		if (*p == '\n')
			*p = ' ';
}

/* see internal.h */
enum lim_err wr_fail(struct wr_db *db, enum lim_err e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(db->msg, sizeof db->msg, fmt, ap);
	va_end(ap);
	db->sqlstate[0] = '\0';
	return e;
}

/* Takes r (a statement's result, NULL when libpq had no memory): LIM_OK with *res = r (res
 * NULL: cleared), or LIM_E_DB with db->msg and db->sqlstate saying why. */
static enum lim_err result(struct wr_db *db, PGresult *r, PGresult **res)
{
	ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
		const char *m = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
		set_msg(db, m ? m : PQerrorMessage(db->conn));
		snprintf(db->sqlstate, sizeof db->sqlstate, "%s", state ? state : "");
		PQclear(r);
		return LIM_E_DB;
	}
	if (res)
		*res = r;
	else
		PQclear(r);
	return LIM_OK;
}

/* The session settings every connection gets (at open and after a reconnect). */
static enum lim_err session_setup(struct wr_db *db)
{
	if (PQsetClientEncoding(db->conn, "UTF8") != 0) {
		set_msg(db, PQerrorMessage(db->conn));
		return LIM_E_DB;
	}
	/* Quiet NOTICEs (IF NOT EXISTS) are not errors. A session stopped half-way through a
	 * transaction (a CLI whose network went before its COMMIT: the server waits for TCP to
	 * give up, hours) holds the audit chain's lock, which every audit row of every
	 * instance then waits for: the server ends a limf session idle in a transaction after
	 * WR_IDLE_TX_TIMEOUT, and no limf statement waits longer than WR_LOCK_TIMEOUT for a
	 * lock. It fails instead (SQLSTATE 55P03), fail closed as any database error: no key
	 * request or decryption without its row, retried as such. The audit chain's trigger
	 * reads the newest row after taking the chain's lock, which sees rows committed while
	 * it waited only under READ COMMITTED: a server or role whose default is REPEATABLE
	 * READ or SERIALIZABLE would fail every contended append (fail closed, but no
	 * interception); limf's sessions use READ COMMITTED whatever the default (a snapshot
	 * asks for its own level, wr_snapshot_begin). An audit row must be on disk before the
	 * key request or decryption it records goes ahead: a database, role (the service role
	 * may set its own) or server whose default is synchronous_commit = off would return
	 * before the WAL is flushed, and a crash would cut the newest rows off the chain's end,
	 * which verify cannot see (an audit): every limf session commits synchronously. The
	 * names in limf's SQL are resolved in pg_catalog alone (then pg_temp, for relations
	 * only): with the default search path ("$user", public) a role that may create in
	 * schema public (PUBLIC may, before PostgreSQL 15, and after pg_upgrade from one) could
	 * put there a function or operator that matches an argument type better than the
	 * built-in one - a *(bigint, interval) (WR_SQL_TS) - and change what the service's
	 * gate computes (a warrant that has ended in force again, or none at all), with no
	 * audit row. limf's own objects are named with their schema (limf.) everywhere. */
	{
		/* first: the settings (the search path before any other name is looked up) */
		enum lim_err e = result(
			db,
			PQexec(db->conn,
			       "SET search_path = pg_catalog, pg_temp;"
			       " SET client_min_messages = warning;"
			       " SET synchronous_commit = on;"
			       " SET default_transaction_isolation = 'read committed';"
			       " SET lock_timeout = '" WR_LOCK_TIMEOUT "';"
			       " SET idle_in_transaction_session_timeout = '" WR_IDLE_TX_TIMEOUT
			       "'"),
			NULL);
		if (e != LIM_OK)
			return e;
	}
	{
		/* the OS user the audit rows name (os_user), for the rows the database writes
		 * itself (schema version 11: row.<table>.<op>) */
		const char *p[] = { db->actor };
		return result(db,
			      PQexecParams(db->conn, "SELECT set_config('limf.actor', $1, false)",
					   1, NULL, p, NULL, NULL, 0),
			      NULL);
	}
}

/* PQreset bounded in time (PQreset waits as long as the connection string's connect_timeout,
 * which is unbounded by default, e.g. for a server host that drops packets): PQresetStart and
 * PQresetPoll for at most timeout_ms. Whether the connection is made; a late one stays
 * half-open (not CONNECTION_OK) and is started afresh by the next attempt. */
static bool reset_bounded(PGconn *c, int timeout_ms)
{
	PostgresPollingStatusType st = PGRES_POLLING_WRITING; /* libpq: as if it said so */
	int64_t end = (int64_t)lim_mono_us() + (int64_t)timeout_ms * 1000;
	if (!PQresetStart(c))
		return false;
	for (;;) {
		struct pollfd pf;
		int64_t left;
		int r;
		if (st == PGRES_POLLING_OK)
			return true;
		if (st == PGRES_POLLING_FAILED)
			return false;
		left = end - (int64_t)lim_mono_us();
		pf.fd = PQsocket(c);
		pf.events = st == PGRES_POLLING_READING ? POLLIN : POLLOUT;
		pf.revents = 0;
		if (left <= 0 || pf.fd < 0)
			return false;
		r = poll(&pf, 1, (int)(left / 1000) + 1);
		if (r < 0 && errno != EINTR)
			return false;
		if (r > 0)
			st = PQresetPoll(c);
	}
}

/* Called after a statement failed, with db->msg saying why; idle: no transaction was open
 * when it was sent. Whether the connection was lost and is back (the statement may be sent
 * again); see wr_exec in internal.h for when it is not tried. db->msg keeps the statement's
 * error, with the reconnect's outcome appended when it failed or was deferred. */
static bool reconnect(struct wr_db *db, bool idle)
{
	char why[sizeof db->msg];
	int64_t now;
	/* (not OK rather than BAD: a reconnect that timed out leaves it half-open) */
	if (!db->conn || PQstatus(db->conn) == CONNECTION_OK)
		return false;
	/* the server's prepared statements died with its session, whatever happens next */
	db->prepared = 0;
	if (!idle || db->in_tx || db->listening)
		return false;
	memcpy(why, db->msg, sizeof why);
	now = (int64_t)lim_mono_us();
	if (db->reset_tried && now - db->reset_at < WR_RECONNECT_US) {
		snprintf(db->msg, sizeof db->msg,
			 "%.400s (database connection lost: reconnect "
			 "deferred)",
			 why);
		return false;
	}
	db->reset_tried = true;
	if (!reset_bounded(db->conn, WR_RECONNECT_TIMEOUT_MS) ||
	    PQstatus(db->conn) != CONNECTION_OK) {
		char fail[sizeof db->msg];
		set_msg(db, PQerrorMessage(db->conn));
		if (!db->msg[0])
			snprintf(db->msg, sizeof db->msg, "no answer within %d ms",
				 WR_RECONNECT_TIMEOUT_MS);
		memcpy(fail, db->msg, sizeof fail);
		snprintf(db->msg, sizeof db->msg, "%.200s (reconnect failed: %.200s)", why, fail);
		db->sqlstate[0] = '\0';
		/* the interval counts from the end of the attempt: a server that does not
		 * answer holds a caller at most WR_RECONNECT_TIMEOUT_MS per interval */
		db->reset_at = (int64_t)lim_mono_us();
		return false;
	}
	db->reset_at = (int64_t)lim_mono_us();
	if (session_setup(db) != LIM_OK)
		return false;
	db->reconnects++;
	return true;
}

/* Whether a statement sent now would run outside any transaction (it may then be re-sent). */
static bool idle_now(const struct wr_db *db)
{
	PGTransactionStatusType t = PQtransactionStatus(db->conn);
	return !db->in_tx && t != PQTRANS_INTRANS && t != PQTRANS_INERROR;
}

/* Whether WR_CONNECT_TIMEOUT_S may stand in for a connect_timeout connstr does not set: not
 * when PGCONNECT_TIMEOUT says one, nor when a service is named (PGSERVICE, or service= in the
 * string: its file may say one), nor when the string sets one itself (it would win anyway). */
static bool default_timeout_ok(const char *connstr)
{
	PQconninfoOption *o;
	bool ok = true;
	const char *e = getenv("PGCONNECT_TIMEOUT"), *sv = getenv("PGSERVICE");
	if ((e && e[0]) || (sv && sv[0]))
		return false;
	o = PQconninfoParse(connstr, NULL);
	for (PQconninfoOption *p = o; p && p->keyword; p++)
		if ((strcmp(p->keyword, "service") == 0 ||
		     strcmp(p->keyword, "connect_timeout") == 0) &&
		    p->val && p->val[0])
			ok = false;
	PQconninfoFree(o);
	return ok;
}

/* see warrants.h */
enum lim_err wr_db_open(const char *connstr, const char *actor, struct wr_db **out)
{
	struct wr_db *db = calloc(1, sizeof *db);
	*out = NULL;
	if (!db)
		return LIM_E_NOMEM;
	*out = db;
	snprintf(db->actor, sizeof db->actor, "%s", actor ? actor : "");
	{
		/* connect_timeout first: the connection string's own, if it sets one, comes
		 * after it and wins (libpq: a later keyword, or one from the expanded dbname,
		 * overrides an earlier one). A value in the array takes the place of libpq's
		 * other sources (PGCONNECT_TIMEOUT, a service file: a review), so it is given only
		 * when none of them can say: no PGCONNECT_TIMEOUT, and no service named. */
		const char *const kw[] = { "connect_timeout", "dbname", NULL };
		const char *val[] = { WR_CONNECT_TIMEOUT_S, connstr ? connstr : "", NULL };
		if (!default_timeout_ok(val[1]))
			val[0] = NULL; /* (NULL or "": ignored by libpq) */
		db->conn = PQconnectdbParams(kw, val, 1);
	}
	if (!db->conn)
		return wr_fail(db, LIM_E_NOMEM, "out of memory connecting to the database");
	if (PQstatus(db->conn) != CONNECTION_OK) {
		set_msg(db, PQerrorMessage(db->conn));
		return LIM_E_DB;
	}
	return session_setup(db);
}

/* see warrants.h */
void wr_db_close(struct wr_db *db)
{
	if (!db)
		return;
	if (db->conn)
		PQfinish(db->conn);
	free(db);
}

/* see warrants.h */
const char *wr_db_msg(const struct wr_db *db)
{
	return db ? db->msg : "out of memory";
}

/* see warrants.h */
const char *wr_db_sqlstate(const struct wr_db *db)
{
	return db ? db->sqlstate : "";
}

/* see internal.h */
enum lim_err wr_exec(struct wr_db *db, const char *sql, int n, const char *const *params,
		     PGresult **res)
{
	bool idle = idle_now(db);
	enum lim_err e;
	if (res)
		*res = NULL;
	e = result(db, PQexecParams(db->conn, sql, n, NULL, params, NULL, NULL, 0), res);
	if (e != LIM_OK && reconnect(db, idle))
		e = result(db, PQexecParams(db->conn, sql, n, NULL, params, NULL, NULL, 0), res);
	return e;
}

/* Drops our statement name on the server (its result ignored: it may not exist). */
static void deallocate(struct wr_db *db, const char *name)
{
	char sql[48];
	snprintf(sql, sizeof sql, "DEALLOCATE %s", name);
	PQclear(PQexec(db->conn, sql));
}

/* wr_exec_stmt on the connection as it is (no reconnect). */
static enum lim_err exec_stmt(struct wr_db *db, enum wr_stmt id, const char *sql, int n,
			      const char *const *params, PGresult **res)
{
	char name[24];
	enum lim_err e;
	snprintf(name, sizeof name, "limf_stmt_%d", (int)id);
	for (int again = 0;; again++) {
		if (!(db->prepared & (1u << id))) {
			e = result(db, PQprepare(db->conn, name, sql, n, NULL), NULL);
			if (e != LIM_OK && !again && strcmp(db->sqlstate, "42P05") == 0) {
				/* the name taken without us knowing (a pooler): ours again */
				deallocate(db, name);
				continue;
			}
			if (e != LIM_OK)
				return e;
			db->prepared |= 1u << id;
		}
		e = result(db, PQexecPrepared(db->conn, name, n, params, NULL, NULL, 0), res);
		if (e == LIM_OK || again ||
		    (strcmp(db->sqlstate, "26000") != 0 && strcmp(db->sqlstate, "0A000") != 0))
			return e;
		/* the statement gone (DISCARD ALL, a pooler) or stale (a migration changed a
		 * column's type: "cached plan must not change result type"): prepared afresh once,
		 * rather than every later decision on this connection failing */
		deallocate(db, name);
		db->prepared &= ~(1u << id);
	}
}

/* see internal.h */
enum lim_err wr_exec_stmt(struct wr_db *db, enum wr_stmt id, const char *sql, int n,
			  const char *const *params, PGresult **res)
{
	bool idle = idle_now(db);
	enum lim_err e;
	if (res)
		*res = NULL;
	e = exec_stmt(db, id, sql, n, params, res);
	if (e != LIM_OK && reconnect(db, idle))
		e = exec_stmt(db, id, sql, n, params, res);
	return e;
}

/* see internal.h */
enum lim_err wr_begin(struct wr_db *db)
{
	/* (BEGIN itself may be re-sent after a reconnect: nothing was done yet) */
	enum lim_err e = wr_exec(db, "BEGIN", 0, NULL, NULL);
	db->in_tx = e == LIM_OK;
	return e;
}

/* see internal.h */
enum lim_err wr_commit(struct wr_db *db)
{
	/* never re-sent (in_tx): a COMMIT lost with its connection may have committed, and
	 * the transaction's statements are not sent again anyway */
	enum lim_err e = wr_exec(db, "COMMIT", 0, NULL, NULL);
	db->in_tx = false;
	return e;
}

/* see internal.h */
void wr_rollback(struct wr_db *db)
{
	PGresult *r;
	db->in_tx = false;
	if (!wr_in_tx(db))
		return;
	r = PQexecParams(db->conn, "ROLLBACK", 0, NULL, NULL, NULL, NULL, 0);
	PQclear(r);
}

/* see warrants.h */
enum lim_err wr_snapshot_begin(struct wr_db *db)
{
	enum lim_err e;
	if (db->in_tx || wr_in_tx(db))
		return wr_fail(db, LIM_E_STATE, "a transaction is open already");
	e = wr_exec(db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, NULL);
	db->in_tx = e == LIM_OK;
	return e;
}

/* see warrants.h */
void wr_snapshot_end(struct wr_db *db)
{
	wr_rollback(db);
}

/* see internal.h */
bool wr_in_tx(const struct wr_db *db)
{
	PGTransactionStatusType t = PQtransactionStatus(db->conn);
	return t == PQTRANS_INTRANS || t == PQTRANS_INERROR;
}

/* see internal.h */
void wr_get_text(const PGresult *res, int row, int col, char *out, size_t cap)
{
	const char *v = PQgetvalue(res, row, col);
	size_t n = v ? strlen(v) : 0;
	if (cap == 0)
		return;
	if (n >= cap)
		n = cap - 1;
	if (n)
		memcpy(out, v, n);
	out[n] = '\0';
}

/* see internal.h */
bool wr_get_i64(const PGresult *res, int row, int col, int64_t *v)
{
	const char *s = PQgetvalue(res, row, col);
	char *end = NULL;
	long long x;
	*v = 0;
	if (!s || !*s)
		return false;
	errno = 0;
	x = strtoll(s, &end, 10);
	if (errno || *end)
		return false;
	*v = (int64_t)x;
	return true;
}

/* see internal.h */
void wr_i64_str(int64_t v, char out[24])
{
	snprintf(out, 24, "%" PRId64, v);
}

/* Whether a row exists for the query with one parameter. */
static enum lim_err exists(struct wr_db *db, const char *sql, const char *p, bool *yes)
{
	PGresult *r = NULL;
	enum lim_err rc = wr_exec(db, sql, 1, &p, &r);
	*yes = rc == LIM_OK && PQntuples(r) > 0;
	PQclear(r);
	return rc;
}

/* see warrants.h */
enum lim_err wr_db_provision(struct wr_db *db)
{
	static const char *const roles[] = { WR_ROLE_ADMIN, WR_ROLE_OPERATOR, WR_ROLE_SERVICE };
	/* Role names are constants: identifiers cannot be parameters, no value is spliced. */
	static const char *const create[] = {
		"CREATE ROLE " WR_ROLE_ADMIN " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE",
		"CREATE ROLE " WR_ROLE_OPERATOR " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE",
		"CREATE ROLE " WR_ROLE_SERVICE " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE",
	};
	static const char *const after[] = {
		"REVOKE ALL ON DATABASE " WR_DB_NAME " FROM PUBLIC",
		"GRANT CONNECT ON DATABASE " WR_DB_NAME " TO " WR_ROLE_OPERATOR
		", " WR_ROLE_SERVICE,
		"GRANT ALL ON DATABASE " WR_DB_NAME " TO " WR_ROLE_ADMIN,
	};
	enum lim_err rc;
	bool yes = false;
	for (size_t i = 0; i < 3; i++) {
		rc = exists(db, "SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1", roles[i],
			    &yes);
		if (rc != LIM_OK)
			return rc;
		if (!yes && (rc = wr_exec(db, create[i], 0, NULL, NULL)) != LIM_OK)
			return rc;
	}
	rc = exists(db, "SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1", WR_DB_NAME,
		    &yes);
	if (rc != LIM_OK)
		return rc;
	if (!yes) {
		rc = wr_exec(db,
			     "CREATE DATABASE " WR_DB_NAME " OWNER " WR_ROLE_ADMIN
			     " ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0",
			     0, NULL, NULL);
		if (rc != LIM_OK)
			return rc;
	}
	for (size_t i = 0; i < sizeof after / sizeof after[0]; i++)
		if ((rc = wr_exec(db, after[i], 0, NULL, NULL)) != LIM_OK)
			return rc;
	return LIM_OK;
}

/* see warrants.h */
enum lim_err wr_db_listen(struct wr_db *db)
{
	if (!db->conn || PQstatus(db->conn) != CONNECTION_OK)
		return wr_fail(db, LIM_E_DB, "not connected to the database");
	/* The channel is a constant: identifiers cannot be parameters, no value is spliced. */
	if (wr_exec(db, "LISTEN " WR_NOTIFY_CHANNEL, 0, NULL, NULL) != LIM_OK)
		return LIM_E_DB;
	/* from now on a lost connection is the caller's to see (wr_db_changes) and to reopen:
	 * a silent reconnect would lose the subscription and the notifications in between */
	db->listening = true;
	return LIM_OK;
}

/* see warrants.h */
uint64_t wr_db_reconnects(const struct wr_db *db)
{
	return db ? db->reconnects : 0;
}

/* see warrants.h */
int wr_db_fd(const struct wr_db *db)
{
	if (!db || !db->conn)
		return -1;
	return PQsocket(db->conn);
}

/* see warrants.h */
enum lim_err wr_db_changes(struct wr_db *db, size_t *changed)
{
	PGnotify *n;
	size_t count = 0;

	*changed = 0;
	if (!db->conn || PQstatus(db->conn) != CONNECTION_OK)
		return wr_fail(db, LIM_E_DB, "not connected to the database");
	/* libpq's socket is non-blocking: PQconsumeInput reads what has arrived, never waits.
	 * Read again while the socket stays readable (bounded), so that a server's FATAL
	 * followed by its close is reported now, not at the next wake-up. */
	for (int round = 0; round < 8; round++) {
		struct pollfd p = { .fd = PQsocket(db->conn), .events = POLLIN, .revents = 0 };
		if (PQconsumeInput(db->conn) == 0 || PQstatus(db->conn) != CONNECTION_OK) {
			set_msg(db, PQerrorMessage(db->conn));
			db->sqlstate[0] = '\0';
			if (!db->msg[0])
				snprintf(db->msg, sizeof db->msg,
					 "connection to the database lost");
			return LIM_E_DB;
		}
		p.fd = PQsocket(db->conn);
		if (p.fd < 0 || poll(&p, 1, 0) <= 0)
			break;
	}
	while ((n = PQnotifies(db->conn)) != NULL) {
		if (strcmp(n->relname, WR_NOTIFY_CHANNEL) == 0)
			count++;
		PQfreemem(n);
	}
	*changed = count;
	return LIM_OK;
}
