/* warrants/ private helpers (not for other modules). */
#ifndef LIM_WARRANTS_INTERNAL_H
#define LIM_WARRANTS_INTERNAL_H

#include <curl/curl.h>
#include <libpq-fe.h>
#include <stdarg.h>

#include "warrants/warrants.h"

struct wr_db {
	PGconn *conn;
	char actor[WR_USER_MAX + 1];
	char msg[512];
	char sqlstate[6];
	uint32_t prepared; /* bit i: statement WR_STMT i is prepared on conn */
	bool in_tx;        /* between wr_begin and wr_commit/wr_rollback: never re-sent */
	bool listening;    /* wr_db_listen: its owner reconnects (wr_db_changes) */
	bool reset_tried;  /* reset_at holds the last reconnect attempt */
	int64_t reset_at;  /* CLOCK_MONOTONIC, microseconds */
	uint64_t reconnects;
};

/* A lost connection is re-established at most once per this interval (wr_exec): while the
 * server is down, a statement fails at once instead of every caller waiting for a connect. */
#define WR_RECONNECT_US 1000000
/* How long one reconnect attempt may take (connect, authentication, session settings aside). */
#define WR_RECONNECT_TIMEOUT_MS 2000

/* Statements asked for every call (the gate, the audit row): prepared once per connection
 * (wr_exec_stmt), so the server does not parse and plan them each time. */
enum wr_stmt {
	WR_STMT_DECIDE_NORM, /* wr_decide: URI parties only */
	WR_STMT_DECIDE_ALL,  /* wr_decide: a UID party (every target in force) */
	WR_STMT_AUDIT,       /* wr_audit_append */
	WR_STMT_MARK,        /* wr_warrants_mark */
	WR_STMT_COUNT
};

/* Sets db->msg (printf-style) and clears the SQLSTATE; returns e. */
enum lim_err wr_fail(struct wr_db *db, enum lim_err e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* PQexecParams with n text parameters (NULL entries are SQL NULL), text results. On success
 * *res (may be NULL to discard) holds the result (PQclear it). On failure db->msg and
 * db->sqlstate say why, *res is NULL and LIM_E_DB is returned.
 * A lost connection (PQstatus CONNECTION_BAD after the failure: a server restart, a failover, a
 * dropped TCP session) is re-established (PQreset within WR_RECONNECT_TIMEOUT_MS, the session
 * settings of wr_db_open again,
 * db->prepared forgotten) and the statement sent ONCE more, unless a transaction was open (its
 * work is gone with the session: the caller's transaction fails, and the next statement after
 * it reconnects), db listens (wr_db_changes' caller reconnects) or the last attempt was less
 * than WR_RECONNECT_US ago (then it fails at once, "reconnect deferred" in db->msg). A
 * statement whose connection broke while the server ran it may have run: a write outside a
 * transaction (an audit row) may then be written twice; a read is unaffected. */
enum lim_err wr_exec(struct wr_db *db, const char *sql, int n, const char *const *params,
		     PGresult **res) LIM_WUR;
/* wr_exec of statement id, whose text is always sql: prepared under its own name on the first
 * use on this connection (a failed preparation is retried on the next use). A statement the
 * server no longer has (26000: DISCARD ALL, a pooler) or whose plan went stale (0A000: a
 * column's type changed), or a name taken by someone else (42P05), is prepared afresh once. */
enum lim_err wr_exec_stmt(struct wr_db *db, enum wr_stmt id, const char *sql, int n,
			  const char *const *params, PGresult **res) LIM_WUR;
enum lim_err wr_begin(struct wr_db *db) LIM_WUR;
enum lim_err wr_commit(struct wr_db *db) LIM_WUR;
void wr_rollback(struct wr_db *db); /* keeps db->msg */
/* After a 55P03 on an audit append: the sessions holding the audit chain's lock added to
 * db->msg (audit.c; only outside a transaction). */
void wr_name_lock_holders(struct wr_db *db);
/* Whether a transaction is open on db. */
bool wr_in_tx(const struct wr_db *db);

/* Copies PQgetvalue(res, row, col) into out (cap bytes, truncated, NUL-terminated). */
void wr_get_text(const PGresult *res, int row, int col, char *out, size_t cap);
/* Parses a decimal int64 column; false on a malformed value. */
bool wr_get_i64(const PGresult *res, int row, int col, int64_t *v);
/* Decimal text of v into out (24 bytes). */
void wr_i64_str(int64_t v, char out[24]);

/* SQL expression turning the bigint parameter $N into a timestamptz (finite times only: the
 * writers of new times). */
/* Every limf session's bounds (db.c session_setup): the longest wait for a lock, and the
 * longest a session may sit idle inside a transaction before the server ends it. */
#define WR_LOCK_TIMEOUT    "5s"
#define WR_IDLE_TX_TIMEOUT "60s"
/* Seconds a connection may take to open (libpq connect_timeout, where the connection string
 * sets none): without it, a server that accepts and never answers (stopped, or a host that
 * takes the TCP connection and hangs) held wr_db_open for ever, and limf capture's service
 * loop with it when it reopened its LISTEN or health connection (an audit). */
#define WR_CONNECT_TIMEOUT_S "5"

#define WR_SQL_TS(n) "(timestamptz 'epoch' + $" #n "::bigint * interval '1 microsecond')"
/* The same for a time read from a row and written back unchanged: WR_TIME_INFINITY and
 * WR_TIME_NEG_INFINITY become 'infinity' and '-infinity' again (warrants.h "Times"). */
#define WR_SQL_TS_KEEP(n)                                                                          \
	"(CASE $" #n "::bigint WHEN 9223372036854775807 THEN timestamptz 'infinity'"               \
	" WHEN -9223372036854775807 - 1 THEN timestamptz '-infinity' ELSE " WR_SQL_TS(n) " END)"
/* A timestamptz column col as wr time. Every reader goes through it: an 'infinity' or
 * '-infinity' written by hand (refused since schema version 4, kept in older rows) reads as
 * WR_TIME_INFINITY or WR_TIME_NEG_INFINITY instead of failing the statement ("cannot convert
 * infinity to bigint"), and with it every row the statement reads. */
#define WR_SQL_US(col)                                                                             \
	"(CASE WHEN isfinite(" col ") THEN (extract(epoch from " col ") * 1000000)::bigint"        \
	" WHEN " col " > timestamptz 'epoch' THEN 9223372036854775807"                             \
	" ELSE -9223372036854775807 - 1 END)"

/* The schema's migrations (schema.c). */
struct wr_migration {
	int version;
	const char *name;
	const char *const *stmts; /* NULL-terminated; one statement each (PQexecParams) */
	/* or NULL: run after stmts, in the same transaction, for a change SQL cannot express
	 * (data rewritten by limf's own C rules, e.g. target normal forms) */
	enum lim_err (*fn)(struct wr_db *db);
};
extern const struct wr_migration wr_migrations[];
extern const size_t wr_n_migrations;

/* ---- KMS client: wiping allocators (review-dec finding 4) ---------------------------------
 * The KMS response (RSK, SSK hex) passes through libxml2's and curl's own heap blocks (the
 * parser's copy of the input, curl's download buffer), which they free without wiping. These
 * allocators, installed process-wide once, wipe every block those libraries free. */

/* Installs, once per process (pthread_once), thread-safe: xmlMemSetup with wr_mem_free and
 * wr_mem_realloc, then xmlInitParser; curl_global_init_mem(CURL_GLOBAL_DEFAULT) with the same.
 * Must come before any other libcurl use in the process (curl_easy_init included): curl keeps
 * the allocator of its first global initialisation. LIM_OK, or LIM_E_IO when curl's global
 * initialisation failed (also on every later call). */
enum lim_err wr_mem_init(void) LIM_WUR;
/* free() that first wipes the whole block (OPENSSL_cleanse over malloc_usable_size). NULL is a
 * no-op. */
void wr_mem_free(void *p);
/* realloc() that never leaves a copy behind: a grown block is copied to a new one and the old
 * block wiped and freed; a shrunk one stays where it is. n = 0 frees p (wiped), returns NULL. */
void *wr_mem_realloc(void *p, size_t n);
/* wr_mem_free / wr_mem_realloc releasing blocks through release instead of free (tests: a
 * release that inspects the wiped block before freeing it). */
void wr_mem_free_with(void *p, void (*release)(void *));
void *wr_mem_realloc_with(void *p, size_t n, void (*release)(void *));
/* CURLOPT_SSL_CTX_FUNCTION: sets SSL_OP_CLEANSE_PLAINTEXT on the TLS context (OpenSSL keeps
 * received plaintext in its record buffers otherwise). ssl_ctx is an SSL_CTX *. */
CURLcode wr_mem_ssl_ctx(CURL *c, void *ssl_ctx, void *ud);

#endif
