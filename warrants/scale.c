/* warrants/ scale-out (schema version 3): the shared CIN counter and the instances' health
 * rows. See warrants.h "scale-out". */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warrants/internal.h"

/* see warrants.h */
enum lim_err wr_cin_reserve(struct wr_db *db, uint32_t n, uint32_t *first)
{
	PGresult *r = NULL;
	enum lim_err rc;
	char ns[24];
	int64_t v = 0;

	*first = 0;
	if (n < 1 || n > WR_CIN_BLOCK_MAX)
		return wr_fail(db, LIM_E_ARG, "%" PRIu32 " CINs: 1..%u at a time", n,
			       WR_CIN_BLOCK_MAX);
	if (wr_in_tx(db))
		return wr_fail(db, LIM_E_STATE, "CINs are reserved outside a transaction");
	wr_i64_str(n, ns);
	const char *p[] = { ns };
	rc = wr_exec(db, "SELECT limf.cin_reserve($1::integer)", 1, p, &r);
	if (rc != LIM_OK)
		return rc;
	if (PQntuples(r) != 1 || !wr_get_i64(r, 0, 0, &v) || v < 1 ||
	    (uint64_t)v + n - 1 > UINT32_MAX) {
		PQclear(r);
		return wr_fail(db, LIM_E_DB, "limf.cin_reserve returned a malformed CIN");
	}
	PQclear(r);
	*first = (uint32_t)v;
	return LIM_OK;
}

static bool name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > WR_INSTANCE_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      strchr("._:@-", c)))
			return false;
	}
	return true;
}

static void u64_str(uint64_t v, char out[24])
{
	/* the columns are bigint: saturate rather than wrap negative */
	snprintf(out, 24, "%" PRIu64, v > INT64_MAX ? (uint64_t)INT64_MAX : v);
}

/* see warrants.h */
enum lim_err wr_instance_report(struct wr_db *db, const struct wr_instance *in)
{
	char pid[24], iv[24], num[12][24];
	const uint64_t v[12] = { in->uptime_ms, in->frames,      in->bytes,         in->drops,
				 in->calls,     in->intercepted, in->kms_ok,        in->kms_failed,
				 in->links_up,  in->links,       in->spool_pending, 0 };
	if (!name_ok(in->name))
		return wr_fail(db, LIM_E_ARG,
			       "instance name must be 1..64 characters of A-Z a-z 0-9 . _ : @ -");
	if (in->interval_ms < 100 || in->interval_ms > 3600000)
		return wr_fail(db, LIM_E_ARG, "report interval must be 100..3600000 ms");
	if (strlen(in->host) > WR_INSTANCE_MAX)
		return wr_fail(db, LIM_E_ARG, "host name too long");
	wr_i64_str(in->pid, pid);
	wr_i64_str(in->interval_ms, iv);
	for (int i = 0; i < 11; i++)
		u64_str(v[i], num[i]);
	const char *p[] = { in->name,
			    in->host,
			    pid,
			    in->running ? "running" : "stopped",
			    iv,
			    num[0],
			    num[1],
			    num[2],
			    num[3],
			    num[4],
			    num[5],
			    num[6],
			    num[7],
			    num[8],
			    num[9],
			    num[10],
			    in->alarm ? "true" : "false",
			    in->status_json };
	return wr_exec(db,
		       "SELECT limf.instance_report($1, $2, $3::bigint, $4, $5::integer,"
		       " $6::bigint, $7::bigint, $8::bigint, $9::bigint, $10::bigint, $11::bigint,"
		       " $12::bigint, $13::bigint, $14::bigint, $15::bigint, $16::bigint,"
		       " $17::boolean, $18::jsonb)",
		       18, p, NULL);
}

static bool get_u64(const PGresult *r, int row, int col, uint64_t *out)
{
	int64_t v;
	if (!wr_get_i64(r, row, col, &v) || v < 0)
		return false;
	*out = (uint64_t)v;
	return true;
}

/* see warrants.h */
enum lim_err wr_instance_list(struct wr_db *db, int (*fn)(void *ctx, const struct wr_instance *in),
			      void *ctx)
{
	PGresult *r = NULL;
	struct wr_instance in;
	enum lim_err rc = wr_exec(
		db,
		/* a non-finite seen_at (written by hand: limf.instance_report cannot) is no error:
		 * '-infinity' is seen never (the oldest age), 'infinity' in the future (age 0) */
		"SELECT name, host, pid, state, interval_ms, " WR_SQL_US(
			"started_at") ", " WR_SQL_US("seen_at") ","
								" CASE WHEN isfinite(seen_at) THEN"
								" greatest(0, (extract(epoch from "
								"now() - seen_at) * 1000)::bigint)"
								" WHEN seen_at < now() THEN"
								" 9223372036854775807 ELSE 0 END,"
								" uptime_ms, frames, bytes, drops, "
								"calls, intercepted, kms_ok,"
								" kms_failed, links_up, links, "
								"spool_pending, alarm, status::text"
								" FROM limf.instances ORDER BY "
								"name",
		0, NULL, &r);
	if (rc != LIM_OK)
		return rc;
	for (int i = 0; i < PQntuples(r); i++) {
		char st[16];
		uint64_t *u[] = { &in.uptime_ms, &in.frames,      &in.bytes,        &in.drops,
				  &in.calls,     &in.intercepted, &in.kms_ok,       &in.kms_failed,
				  &in.links_up,  &in.links,       &in.spool_pending };
		bool ok = true;
		memset(&in, 0, sizeof in);
		wr_get_text(r, i, 0, in.name, sizeof in.name);
		wr_get_text(r, i, 1, in.host, sizeof in.host);
		ok = wr_get_i64(r, i, 2, &in.pid);
		wr_get_text(r, i, 3, st, sizeof st);
		in.running = strcmp(st, "running") == 0;
		ok = ok && wr_get_i64(r, i, 4, &in.interval_ms) &&
		     wr_get_i64(r, i, 5, &in.started_at) && wr_get_i64(r, i, 6, &in.seen_at) &&
		     wr_get_i64(r, i, 7, &in.age_ms);
		for (int k = 0; ok && k < 11; k++)
			ok = get_u64(r, i, 8 + k, u[k]);
		in.alarm = strcmp(PQgetvalue(r, i, 19), "t") == 0;
		in.status_json = PQgetisnull(r, i, 20) ? NULL : PQgetvalue(r, i, 20);
		if (!ok) {
			rc = wr_fail(db, LIM_E_DB, "instance %s: malformed row", in.name);
			break;
		}
		in.stale = in.running && in.age_ms > 3 * in.interval_ms;
		if (fn(ctx, &in))
			break;
	}
	PQclear(r);
	return rc;
}
