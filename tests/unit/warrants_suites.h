/* test_warrants: shared helpers and the suite tables (tests/unit/warrants_*.c). The tests run
 * against the private cluster that `make test` starts (scripts/pg-test.sh): the connection
 * strings come from LIMF_DB_SUPER, LIMF_DB_ADMIN, LIMF_DB_OPERATOR and LIMF_DB_SERVICE. Never
 * skipped: a missing variable or an unreachable server fails the run. */
#ifndef LIM_WARRANTS_SUITES_H
#define LIM_WARRANTS_SUITES_H

#include <libpq-fe.h>

#include "tests/unit/check.h"
#include "warrants/warrants.h"

extern const struct lim_suite t_wr_api_suites[];
extern const struct lim_suite t_wr_db_suites[];
extern const struct lim_suite t_wr_kms_suites[];
extern const struct lim_suite t_wr_scale_suites[];
extern const struct lim_suite t_wr_inf_suites[];
extern const struct lim_suite t_wr_reconnect_suites[];

#define WARRANTS_SUITE_TABLES                                                                      \
	{                                                                                          \
		t_wr_api_suites, t_wr_db_suites, t_wr_kms_suites, t_wr_scale_suites,               \
			t_wr_inf_suites, t_wr_reconnect_suites                                     \
	}

/* Connection strings (exits when a variable is missing). */
const char *t_conn(const char *var);
#define T_SUPER    t_conn("LIMF_DB_SUPER")
#define T_ADMIN    t_conn("LIMF_DB_ADMIN")
#define T_OPERATOR t_conn("LIMF_DB_OPERATOR")
#define T_SERVICE  t_conn("LIMF_DB_SERVICE")

/* Opens a wr_db as actor "test" (exits on failure). */
struct wr_db *t_db(const char *conn);
/* A raw libpq connection (exits on failure). */
PGconn *t_pg(const char *conn);
/* Runs one statement with PQexecParams; returns its SQLSTATE ("" on success) in state. */
void t_sql(PGconn *c, const char *sql, char state[6]);
/* First column of the first row of a query, as text (into out). */
void t_sql_val(PGconn *c, const char *sql, char *out, size_t cap);
/* A LIID unique to this run: "U<pid>-tag". */
void t_liid(char *out, size_t cap, const char *tag);
/* Digest of the whole store (warrants, targets, audit), read as the superuser. */
void t_snapshot(char out[128]);
/* A valid warrant with one target. */
void t_fill(struct wr_warrant *w, const char *liid, int64_t from, int64_t to, const char *target);
/* Brings the fresh database of conn (admin role) to schema version `version` exactly as
 * wr_db_migrate would have then: migrations 1..version, their schema_version and audit rows. */
void t_migrate_to(const char *conn, int version);
/* Parses an ISO 8601 time (exits when malformed: test constants only). */
int64_t t_time(const char *iso);

#endif
