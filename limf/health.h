/* Scale-out health (issue 8, "Scale-out"): each `limf capture` instance writes its health into
 * the shared database every LIMF_HEALTH_MS (table limf.instances through wr_instance_report,
 * schema version 3), so that `limf status --all` shows every instance of a deployment, from
 * any machine that can read the database, and flags those not heard from for more than three
 * intervals as stale (crashed, hung or cut off). The row carries the summary counters (uptime,
 * frames and bytes, drops, calls seen and intercepted, KMS requests and failures, handover
 * links up, spool depth, alarm: a full spool or a link stopped by a spool error) and the
 * instance's whole `limf status --json` object (which names the error).
 *
 * The reporter has a database connection of its own (the service role), opened at
 * limf_health_open and reopened at most every 10 s after a failure; a failing report is said
 * once on stderr and never stops the service. One report is one short statement on the loop's
 * thread (the same bound as the pipeline's warrant queries), taken outside the lock given to
 * limf_health_set_lock. Not thread-safe. */
#ifndef LIMF_HEALTH_H
#define LIMF_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "limf/status.h"

#define LIMF_HEALTH_MS 5000u /* report interval; LIMF_HEALTH_INTERVAL_MS overrides (100..) */

struct limf_health;

/* Starts reporting as instance name (NULL or "": $LIMF_INSTANCE, else "<hostname>:<pid>";
 * characters outside [A-Za-z0-9._:@-] become '-', cut at 64) into the database conninfo
 * (borrowed), the snapshot coming from fn/ctx (borrowed for the life of *out). The first
 * report is sent at once: a database that cannot take it is reported on stderr and retried,
 * never fatal. LIM_E_ARG for a malformed name or interval, LIM_E_NOMEM; why gets a reason. */
enum lim_err limf_health_open(const char *conninfo, const char *name, limf_status_fn fn, void *ctx,
			      struct limf_health **out, char *why, size_t whycap) LIM_WUR;
/* Reports when a report is due at now_ms (monotonic); call every loop turn: cheap otherwise. */
void limf_health_tick(struct limf_health *h, uint64_t now_ms);
/* The snapshot (fn, and the rendering of what it fills in) is taken between lock(ctx) and
 * unlock(ctx) (e.g. a worker pool's sink lock: the handover state it reads is the workers'),
 * the database statement after unlock: a slow database never holds the lock. */
void limf_health_set_lock(struct limf_health *h, void (*lock)(void *), void (*unlock)(void *),
			  void *ctx);
/* The instance name in use. */
const char *limf_health_name(const struct limf_health *h);
/* Sends a last report marked "stopped" (a clean exit: `status --all` then shows it stopped,
 * not stale), closes the connection and frees h. NULL is a no-op. */
void limf_health_close(struct limf_health *h);

/* Fills the summary fields of *in (not name, host, pid, running, interval) from a snapshot. */
struct wr_instance;
void limf_health_summary(const struct limf_status *st, struct wr_instance *in);

#endif
