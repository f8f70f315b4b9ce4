/* warrants/ schema: the versioned migrations and wr_db_migrate. Each migration is a list of
 * single statements (PQexecParams runs one statement at a time). Never edit a released
 * migration: add a new one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "warrants/internal.h"

#define ZERO_HASH    "'\\x0000000000000000000000000000000000000000000000000000000000000000'::bytea"
#define MIGRATE_KEY  "7163897000001"
#define LOCK_MIGRATE "SELECT pg_try_advisory_xact_lock(" MIGRATE_KEY ")"
/* the session that holds the migration lock in this database (pg_locks: a bigint key is
 * classid, objid; objsubid 1): its process, role and application (the names any text: control
 * characters as '?'; a role that is not the holder's sees nothing more of its session) */
#define NO_CTL "'[\\x01-\\x1f\\x7f-\\x9f]', '?', 'g'"
#define LOCK_HOLDER                                                                                \
	"SELECT a.pid, regexp_replace(coalesce(a.usename, '?'), " NO_CTL "),"                      \
	" regexp_replace(coalesce(a.application_name, ''), " NO_CTL ")"                            \
	" FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid"          \
	" WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"                          \
	" AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d"                            \
	" WHERE d.datname = pg_catalog.current_database())"                                        \
	" AND l.classid::bigint = (" MIGRATE_KEY "::bigint >> 32)"                                 \
	" AND l.objid::bigint = (" MIGRATE_KEY "::bigint & 4294967295) LIMIT 1"

/* The audit chain's trigger function (see m1), serialised by the statement lock: version 1
 * took an advisory lock, version 10 a row lock (m10). */
/* version 10's statement lock (m10, m15) */
#define AUDIT_ROW_LOCK                                                                             \
	"PERFORM 1 FROM limf.audit_lock WHERE id = 1 FOR UPDATE;"                                  \
	"  IF NOT FOUND THEN RAISE EXCEPTION 'limf.audit_lock has no row: the audit"               \
	" chain cannot be serialised'; END IF;"
#define AUDIT_CHAIN(create, lock) AUDIT_CHAIN_OS(create, lock, "coalesce(NEW.os_user, '')")
#define AUDIT_CHAIN_OS(create, lock, os_user)                                                      \
	create " FUNCTION limf.audit_chain() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER"    \
	       " SET search_path = pg_catalog, pg_temp AS $$"                                      \
	       " DECLARE last_id bigint; last_hash bytea;"                                         \
	       " BEGIN"                                                                            \
	       "  " lock "  SELECT a.id, a.hash INTO last_id, last_hash FROM limf.audit a"         \
	       "   ORDER BY a.id DESC LIMIT 1;"                                                    \
	       "  IF last_id IS NULL THEN last_id := 0; last_hash := " ZERO_HASH "; END IF;"       \
	       "  NEW.id := last_id + 1;"                                                          \
	       "  NEW.at := clock_timestamp();"                                                    \
	       "  NEW.db_role := session_user;"                                                    \
	       "  NEW.os_user := " os_user ";"                                                     \
	       "  NEW.liid := coalesce(NEW.liid, '');"                                             \
	       "  NEW.detail := coalesce(NEW.detail, '');"                                         \
	       "  NEW.txid := txid_current();"                                                     \
	       "  NEW.prev_hash := last_hash;"                                                     \
	       "  NEW.hash := sha256(convert_to('limf-audit-v1', 'UTF8') || '\\x00'::bytea || "    \
	       "last_hash"                                                                         \
	       "   || limf.audit_ns(NEW.id::text)"                                                 \
	       "   || limf.audit_ns(((extract(epoch FROM NEW.at) * 1000000)::bigint)::text)"       \
	       "   || limf.audit_ns(NEW.os_user) || limf.audit_ns(NEW.db_role)"                    \
	       "   || limf.audit_ns(NEW.liid) || limf.audit_ns(NEW.action)"                        \
	       "   || limf.audit_ns(NEW.detail));"                                                 \
	       "  RETURN NEW;"                                                                     \
	       " END $$"

/* The require_audit of versions 3 and 11 (m3, m11; m1 has the first): a change to a warrant,
 * its targets or its XIDs needs an audit row of its LIID in the transaction, and such a row is
 * one that matches row (versions 11 on: the client's own, not the database's row.*). */
#define REQUIRE_AUDIT(row)                                                                         \
	"CREATE OR REPLACE FUNCTION limf.require_audit() RETURNS trigger LANGUAGE plpgsql"         \
	" SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$"                            \
	" DECLARE l text;"                                                                         \
	" BEGIN"                                                                                   \
	"  IF TG_TABLE_NAME IN ('targets', 'warrant_xids') THEN"                                   \
	"   SELECT w.liid INTO l FROM limf.warrants w"                                             \
	"    WHERE w.id = coalesce(NEW.warrant_id, OLD.warrant_id);"                               \
	"  ELSE l := NEW.liid; END IF;"                                                            \
	"  IF l IS NOT NULL AND NOT EXISTS (SELECT 1 FROM limf.audit a"                            \
	"    WHERE a.txid = txid_current() AND a.liid = l" row ") THEN"                            \
	"   RAISE EXCEPTION 'change to warrant % without its audit row', l"                        \
	"    USING ERRCODE = 'integrity_constraint_violation';"                                    \
	"  END IF;"                                                                                \
	"  RETURN NULL;"                                                                           \
	" END $$"

static const char *const m1[] = {
	"GRANT USAGE ON SCHEMA limf TO " WR_ROLE_OPERATOR ", " WR_ROLE_SERVICE,
	"GRANT SELECT ON limf.schema_version TO " WR_ROLE_OPERATOR ", " WR_ROLE_SERVICE,

	"CREATE TABLE limf.warrants ("
	" id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
	" liid text NOT NULL UNIQUE CHECK (liid ~ '^[A-Za-z0-9._:/-]{1,25}$'),"
	" authority text NOT NULL CHECK (octet_length(authority) BETWEEN 1 AND 200),"
	" authority_ref text NOT NULL CHECK (octet_length(authority_ref) BETWEEN 1 AND 200),"
	" country text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),"
	" valid_from timestamptz NOT NULL,"
	" valid_to timestamptz NOT NULL,"
	" status text NOT NULL DEFAULT 'active'"
	"  CHECK (status IN ('active', 'suspended', 'revoked')),"
	" scope text NOT NULL CHECK (scope IN ('iri', 'iri+cc')),"
	" delivery text NOT NULL CHECK (octet_length(delivery) BETWEEN 1 AND 512),"
	" reason text NOT NULL DEFAULT '' CHECK (octet_length(reason) <= 200),"
	" created_by text NOT NULL,"
	" created_at timestamptz NOT NULL DEFAULT now(),"
	" modified_by text NOT NULL,"
	" modified_at timestamptz NOT NULL DEFAULT now(),"
	" CHECK (valid_to > valid_from))",

	"CREATE TABLE limf.targets ("
	" warrant_id bigint NOT NULL REFERENCES limf.warrants (id),"
	" kind text NOT NULL CHECK (kind IN ('tel', 'sip', 'mcptt')),"
	" uri text NOT NULL CHECK (octet_length(uri) BETWEEN 1 AND 256),"
	" norm text NOT NULL CHECK (octet_length(norm) BETWEEN 1 AND 256),"
	" PRIMARY KEY (warrant_id, norm))",
	"CREATE INDEX targets_norm ON limf.targets (norm)",

	"CREATE TABLE limf.audit ("
	" id bigint PRIMARY KEY,"
	" at timestamptz NOT NULL,"
	" os_user text NOT NULL DEFAULT '' CHECK (octet_length(os_user) <= 64),"
	" db_role text NOT NULL CHECK (octet_length(db_role) <= 64),"
	" liid text NOT NULL DEFAULT '' CHECK (octet_length(liid) <= 25),"
	" action text NOT NULL CHECK (octet_length(action) BETWEEN 1 AND 63),"
	" detail text NOT NULL DEFAULT '' CHECK (octet_length(detail) <= 2048),"
	" txid bigint NOT NULL DEFAULT 0," /* the appending transaction (not hashed) */
	" prev_hash bytea NOT NULL CHECK (octet_length(prev_hash) = 32),"
	" hash bytea NOT NULL CHECK (octet_length(hash) = 32))",
	"CREATE INDEX audit_liid ON limf.audit (liid)",

	/* ns(s): the netstring of s's UTF-8 octets (see warrants.h "Audit chain"). */
	"CREATE FUNCTION limf.audit_ns(s text) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT AS $$"
	" SELECT convert_to(octet_length(convert_to(s, 'UTF8'))::text || ':', 'UTF8')"
	" || convert_to(s, 'UTF8') || convert_to(',', 'UTF8') $$",

	/* The chain: serialised by an advisory lock held to the end of the inserting transaction,
	 * so concurrent appends cannot fork it; ids are gap-free in chain order. SECURITY
	 * DEFINER (owned by limf_admin) so that appending roles need no SELECT on audit. */
	AUDIT_CHAIN("CREATE", "PERFORM pg_advisory_xact_lock(7163897000002);"),
	"CREATE TRIGGER audit_chain BEFORE INSERT ON limf.audit"
	" FOR EACH ROW EXECUTE FUNCTION limf.audit_chain()",

	/* Append-only for everyone, the owner included (a superuser can still disable
	 * triggers: that is what `limf audit verify` is for). */
	"CREATE FUNCTION limf.audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$"
	" BEGIN RAISE EXCEPTION 'limf.audit is append-only (% refused)', TG_OP; END $$",
	"CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON limf.audit"
	" FOR EACH ROW EXECUTE FUNCTION limf.audit_append_only()",
	"CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON limf.audit"
	" FOR EACH STATEMENT EXECUTE FUNCTION limf.audit_append_only()",

	/* Invariant 2 held by the database itself: a transaction that changes a warrant or its
	 * targets must also append an audit row for that LIID, or it cannot commit (deferred
	 * constraint triggers, checked at COMMIT), whoever sends the SQL. */
	"CREATE INDEX audit_txid ON limf.audit (txid)",
	"CREATE FUNCTION limf.require_audit() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER"
	" SET search_path = pg_catalog, pg_temp AS $$"
	" DECLARE l text;"
	" BEGIN"
	"  IF TG_TABLE_NAME = 'targets' THEN"
	"   SELECT w.liid INTO l FROM limf.warrants w"
	"    WHERE w.id = coalesce(NEW.warrant_id, OLD.warrant_id);"
	"  ELSE l := NEW.liid; END IF;"
	"  IF l IS NOT NULL AND NOT EXISTS (SELECT 1 FROM limf.audit a"
	"    WHERE a.txid = txid_current() AND a.liid = l) THEN"
	"   RAISE EXCEPTION 'change to warrant % without its audit row', l"
	"    USING ERRCODE = 'integrity_constraint_violation';"
	"  END IF;"
	"  RETURN NULL;"
	" END $$",
	"CREATE CONSTRAINT TRIGGER warrants_audited AFTER INSERT OR UPDATE ON limf.warrants"
	" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION limf.require_audit()",
	"CREATE CONSTRAINT TRIGGER targets_audited AFTER INSERT OR DELETE ON limf.targets"
	" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION limf.require_audit()",

	"REVOKE ALL ON ALL TABLES IN SCHEMA limf FROM PUBLIC",
	"REVOKE ALL ON FUNCTION limf.require_audit() FROM PUBLIC",
	"REVOKE ALL ON FUNCTION limf.audit_chain() FROM PUBLIC",
	"GRANT SELECT, INSERT, UPDATE ON limf.warrants TO " WR_ROLE_OPERATOR,
	"GRANT SELECT, INSERT, DELETE ON limf.targets TO " WR_ROLE_OPERATOR,
	"GRANT USAGE ON ALL SEQUENCES IN SCHEMA limf TO " WR_ROLE_OPERATOR,
	"GRANT SELECT ON limf.audit TO " WR_ROLE_OPERATOR,
	"GRANT SELECT ON limf.warrants, limf.targets TO " WR_ROLE_SERVICE,
	"GRANT INSERT (os_user, liid, action, detail) ON limf.audit TO " WR_ROLE_OPERATOR
	", " WR_ROLE_SERVICE,
	NULL
};

/* Live warrant changes (see warrants.h "Change notifications"): every row inserted, updated
 * or deleted in warrants or targets sends NOTIFY limf_warrants with the warrant's LIID ('' for a
 * TRUNCATE). PostgreSQL delivers notifications at COMMIT only (nothing for a rolled-back
 * change) and folds identical payloads of one transaction into one. SECURITY DEFINER (owned by
 * limf_admin) so that finding a target's LIID needs no privilege of the changing role; the
 * service role gains nothing: LISTEN needs no grant. */
static const char *const m2[] = {
	"CREATE FUNCTION limf.notify_change() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER"
	" SET search_path = pg_catalog, pg_temp AS $$"
	" DECLARE l text;"
	" BEGIN"
	"  IF TG_LEVEL = 'STATEMENT' THEN"
	"   l := '';"
	"  ELSIF TG_TABLE_NAME = 'targets' THEN"
	"   SELECT w.liid INTO l FROM limf.warrants w"
	"    WHERE w.id = CASE WHEN TG_OP = 'DELETE' THEN OLD.warrant_id ELSE NEW.warrant_id END;"
	"   IF TG_OP = 'UPDATE' AND OLD.warrant_id <> NEW.warrant_id THEN"
	"    PERFORM pg_notify('" WR_NOTIFY_CHANNEL "', coalesce((SELECT w.liid"
	"     FROM limf.warrants w WHERE w.id = OLD.warrant_id), ''));"
	"   END IF;"
	"  ELSIF TG_OP = 'DELETE' THEN l := OLD.liid;"
	"  ELSE"
	"   l := NEW.liid;"
	"   IF TG_OP = 'UPDATE' AND OLD.liid <> NEW.liid THEN"
	"    PERFORM pg_notify('" WR_NOTIFY_CHANNEL "', OLD.liid);"
	"   END IF;"
	"  END IF;"
	"  PERFORM pg_notify('" WR_NOTIFY_CHANNEL "', coalesce(l, ''));"
	"  RETURN NULL;"
	" END $$",
	"REVOKE ALL ON FUNCTION limf.notify_change() FROM PUBLIC",
	"CREATE TRIGGER warrants_notify AFTER INSERT OR UPDATE OR DELETE ON limf.warrants"
	" FOR EACH ROW EXECUTE FUNCTION limf.notify_change()",
	"CREATE TRIGGER warrants_notify_truncate AFTER TRUNCATE ON limf.warrants"
	" FOR EACH STATEMENT EXECUTE FUNCTION limf.notify_change()",
	"CREATE TRIGGER targets_notify AFTER INSERT OR UPDATE OR DELETE ON limf.targets"
	" FOR EACH ROW EXECUTE FUNCTION limf.notify_change()",
	"CREATE TRIGGER targets_notify_truncate AFTER TRUNCATE ON limf.targets"
	" FOR EACH STATEMENT EXECUTE FUNCTION limf.notify_change()",
	NULL
};

/* Schema version 3 (issue 8, scale-out and X2/X3 input):
 *  - warrant_xids: the XIDs of each warrant (warrants.h "XIDs"); changes to them must be
 *    audited and NOTIFY like targets (require_audit and notify_change learn the table);
 *  - cin_counter + cin_reserve(n): CINs shared by every instance (warrants.h wr_cin_reserve);
 *  - instances + instance_report(...): each instance's health (wr_instance_report).
 * The service role gets EXECUTE on the two functions and SELECT on warrant_xids, nothing on
 * the two tables behind the functions. */
static const char *const m3[] = {
	"CREATE TABLE limf.warrant_xids ("
	" xid uuid PRIMARY KEY,"
	" warrant_id bigint NOT NULL REFERENCES limf.warrants (id),"
	" added_at timestamptz NOT NULL DEFAULT now())",
	"CREATE INDEX warrant_xids_warrant ON limf.warrant_xids (warrant_id)",

	REQUIRE_AUDIT(""),
	"CREATE CONSTRAINT TRIGGER warrant_xids_audited AFTER INSERT OR DELETE"
	" ON limf.warrant_xids DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"
	" EXECUTE FUNCTION limf.require_audit()",
	/* an XID never moves to another warrant: delete it and insert it (both audited) */
	"CREATE FUNCTION limf.xid_no_update() RETURNS trigger LANGUAGE plpgsql AS $$"
	" BEGIN RAISE EXCEPTION 'limf.warrant_xids rows are not updated (delete and insert)'; END "
	"$$",
	"CREATE TRIGGER warrant_xids_no_update BEFORE UPDATE ON limf.warrant_xids"
	" FOR EACH ROW EXECUTE FUNCTION limf.xid_no_update()",

	"CREATE OR REPLACE FUNCTION limf.notify_change() RETURNS trigger LANGUAGE plpgsql"
	" SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$"
	" DECLARE l text;"
	" BEGIN"
	"  IF TG_LEVEL = 'STATEMENT' THEN"
	"   l := '';"
	"  ELSIF TG_TABLE_NAME IN ('targets', 'warrant_xids') THEN"
	"   SELECT w.liid INTO l FROM limf.warrants w"
	"    WHERE w.id = CASE WHEN TG_OP = 'DELETE' THEN OLD.warrant_id ELSE NEW.warrant_id END;"
	"   IF TG_OP = 'UPDATE' AND OLD.warrant_id <> NEW.warrant_id THEN"
	"    PERFORM pg_notify('" WR_NOTIFY_CHANNEL "', coalesce((SELECT w.liid"
	"     FROM limf.warrants w WHERE w.id = OLD.warrant_id), ''));"
	"   END IF;"
	"  ELSIF TG_OP = 'DELETE' THEN l := OLD.liid;"
	"  ELSE"
	"   l := NEW.liid;"
	"   IF TG_OP = 'UPDATE' AND OLD.liid <> NEW.liid THEN"
	"    PERFORM pg_notify('" WR_NOTIFY_CHANNEL "', OLD.liid);"
	"   END IF;"
	"  END IF;"
	"  PERFORM pg_notify('" WR_NOTIFY_CHANNEL "', coalesce(l, ''));"
	"  RETURN NULL;"
	" END $$",
	"CREATE TRIGGER warrant_xids_notify AFTER INSERT OR UPDATE OR DELETE ON limf.warrant_xids"
	" FOR EACH ROW EXECUTE FUNCTION limf.notify_change()",
	"CREATE TRIGGER warrant_xids_notify_truncate AFTER TRUNCATE ON limf.warrant_xids"
	" FOR EACH STATEMENT EXECUTE FUNCTION limf.notify_change()",

	"CREATE TABLE limf.cin_counter ("
	" id integer PRIMARY KEY CHECK (id = 1),"
	" next bigint NOT NULL CHECK (next BETWEEN 1 AND 4294967296),"
	" wraps bigint NOT NULL DEFAULT 0 CHECK (wraps >= 0))",
	"INSERT INTO limf.cin_counter (id, next) VALUES (1, 1)",
	/* One UPDATE: the row lock serialises every caller; the SET expressions all read the
	 * old row, RETURNING the new one. A block never straddles the end of the 32-bit range.
	 * Only a wrap brings first back to 1 once wraps > 0 (the very first block has wraps 0). */
	"CREATE FUNCTION limf.cin_reserve(n integer) RETURNS bigint LANGUAGE plpgsql"
	" SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$"
	" DECLARE first bigint; wrapped boolean;"
	" BEGIN"
	"  IF n IS NULL OR n < 1 OR n > 65536 THEN"
	"   RAISE EXCEPTION 'cin_reserve: % CINs: 1..65536 at a time', n"
	"    USING ERRCODE = 'invalid_parameter_value';"
	"  END IF;"
	"  UPDATE limf.cin_counter c SET"
	"   wraps = c.wraps + CASE WHEN c.next + n - 1 > 4294967295 THEN 1 ELSE 0 END,"
	"   next = CASE WHEN c.next + n - 1 > 4294967295 THEN 1 + n ELSE c.next + n END"
	"   WHERE c.id = 1 RETURNING c.next - n, c.wraps > 0 INTO first, wrapped;"
	"  IF first IS NULL THEN RAISE EXCEPTION 'limf.cin_counter has no row'; END IF;"
	"  IF wrapped AND first = 1 THEN"
	"   INSERT INTO limf.audit (liid, action, detail)"
	"    VALUES ('', 'cin.wrap', 'CINs start again at 1 (32-bit range used up)');"
	"  END IF;"
	"  RETURN first;"
	" END $$",
	"REVOKE ALL ON FUNCTION limf.cin_reserve(integer) FROM PUBLIC",

	"CREATE TABLE limf.instances ("
	" name text PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9._:@-]{1,64}$'),"
	" host text NOT NULL DEFAULT '' CHECK (octet_length(host) <= 64),"
	" pid bigint NOT NULL DEFAULT 0,"
	" state text NOT NULL CHECK (state IN ('running', 'stopped')),"
	" interval_ms integer NOT NULL CHECK (interval_ms BETWEEN 100 AND 3600000),"
	" started_at timestamptz NOT NULL,"
	" seen_at timestamptz NOT NULL,"
	" uptime_ms bigint NOT NULL DEFAULT 0, frames bigint NOT NULL DEFAULT 0,"
	" bytes bigint NOT NULL DEFAULT 0, drops bigint NOT NULL DEFAULT 0,"
	" calls bigint NOT NULL DEFAULT 0, intercepted bigint NOT NULL DEFAULT 0,"
	" kms_ok bigint NOT NULL DEFAULT 0, kms_failed bigint NOT NULL DEFAULT 0,"
	" links_up bigint NOT NULL DEFAULT 0, links bigint NOT NULL DEFAULT 0,"
	" spool_pending bigint NOT NULL DEFAULT 0, alarm boolean NOT NULL DEFAULT false,"
	" status jsonb CHECK (status IS NULL OR octet_length(status::text) <= 262144))",
	"CREATE FUNCTION limf.instance_report(p_name text, p_host text, p_pid bigint,"
	" p_state text, p_interval_ms integer, p_uptime_ms bigint, p_frames bigint,"
	" p_bytes bigint, p_drops bigint, p_calls bigint, p_intercepted bigint, p_kms_ok bigint,"
	" p_kms_failed bigint, p_links_up bigint, p_links bigint, p_spool_pending bigint,"
	" p_alarm boolean, p_status jsonb) RETURNS void LANGUAGE sql SECURITY DEFINER"
	" SET search_path = pg_catalog, pg_temp AS $$"
	" INSERT INTO limf.instances AS i (name, host, pid, state, interval_ms, started_at,"
	"  seen_at, uptime_ms, frames, bytes, drops, calls, intercepted, kms_ok, kms_failed,"
	"  links_up, links, spool_pending, alarm, status)"
	" VALUES (p_name, p_host, p_pid, p_state, p_interval_ms,"
	"  now() - p_uptime_ms * interval '1 millisecond', now(), p_uptime_ms, p_frames, p_bytes,"
	"  p_drops, p_calls, p_intercepted, p_kms_ok, p_kms_failed, p_links_up, p_links,"
	"  p_spool_pending, p_alarm, p_status)"
	" ON CONFLICT (name) DO UPDATE SET host = EXCLUDED.host, pid = EXCLUDED.pid,"
	"  state = EXCLUDED.state, interval_ms = EXCLUDED.interval_ms,"
	"  started_at = EXCLUDED.started_at, seen_at = EXCLUDED.seen_at,"
	"  uptime_ms = EXCLUDED.uptime_ms, frames = EXCLUDED.frames, bytes = EXCLUDED.bytes,"
	"  drops = EXCLUDED.drops, calls = EXCLUDED.calls, intercepted = EXCLUDED.intercepted,"
	"  kms_ok = EXCLUDED.kms_ok, kms_failed = EXCLUDED.kms_failed,"
	"  links_up = EXCLUDED.links_up, links = EXCLUDED.links,"
	"  spool_pending = EXCLUDED.spool_pending, alarm = EXCLUDED.alarm,"
	"  status = EXCLUDED.status $$",
	"REVOKE ALL ON FUNCTION limf.instance_report(text, text, bigint, text, integer, bigint,"
	" bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint, boolean,"
	" jsonb) FROM PUBLIC",

	"REVOKE ALL ON limf.warrant_xids, limf.cin_counter, limf.instances FROM PUBLIC",
	"REVOKE ALL ON FUNCTION limf.xid_no_update() FROM PUBLIC",
	"GRANT SELECT, INSERT, DELETE ON limf.warrant_xids TO " WR_ROLE_OPERATOR,
	"GRANT SELECT ON limf.instances TO " WR_ROLE_OPERATOR,
	"GRANT SELECT ON limf.warrant_xids TO " WR_ROLE_SERVICE,
	"GRANT EXECUTE ON FUNCTION limf.cin_reserve(integer) TO " WR_ROLE_SERVICE,
	"GRANT EXECUTE ON FUNCTION limf.instance_report(text, text, bigint, text, integer, bigint,"
	" bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint, boolean,"
	" jsonb) TO " WR_ROLE_SERVICE,
	NULL
};

/* Schema version 4: no new 'infinity' or '-infinity' in the times limf reads as numbers
 * (warrants.h "Times"). PostgreSQL accepts them in a timestamptz (valid_to > valid_from holds
 * for valid_to = 'infinity'); the CLI cannot write them, but raw SQL could, and every reader
 * converting to microseconds then failed: one such warrant broke `limf warrant list` for all.
 * The readers now tolerate them; this stops new ones at the source.
 *  - warrants: a BEFORE INSERT OR UPDATE trigger refuses a non-finite valid_from, valid_to,
 *    created_at or modified_at (check_violation, naming the column) that is new: inserted, or
 *    changed by the update. Not a CHECK constraint: a CHECK added NOT VALID keeps the existing
 *    rows and spares the migration a failing scan, but PostgreSQL checks it on every later
 *    UPDATE of the row, whatever column changes, so a warrant that already holds 'infinity'
 *    could no longer be suspended or revoked. The trigger lets such a row keep its value
 *    through other changes and never fails the migration (existing rows are not checked).
 *  - instances: CHECK (isfinite(started_at) AND isfinite(seen_at)) NOT VALID: only
 *    limf.instance_report writes the table, always finite times, and its upsert rewrites both
 *    columns, so the next report of an instance whose row holds 'infinity' heals it; NOT VALID
 *    so that such a row does not fail the migration.
 * warrant_xids.added_at is never read by limf; audit.at is set by its trigger (clock time). */
static const char *const m4[] = {
	"CREATE FUNCTION limf.warrant_times_finite() RETURNS trigger LANGUAGE plpgsql"
	" SET search_path = pg_catalog, pg_temp AS $$"
	" DECLARE c text;"
	" BEGIN"
	"  IF NOT isfinite(NEW.valid_from) AND (TG_OP = 'INSERT'"
	"    OR NEW.valid_from IS DISTINCT FROM OLD.valid_from) THEN c := 'valid_from';"
	"  ELSIF NOT isfinite(NEW.valid_to) AND (TG_OP = 'INSERT'"
	"    OR NEW.valid_to IS DISTINCT FROM OLD.valid_to) THEN c := 'valid_to';"
	"  ELSIF NOT isfinite(NEW.created_at) AND (TG_OP = 'INSERT'"
	"    OR NEW.created_at IS DISTINCT FROM OLD.created_at) THEN c := 'created_at';"
	"  ELSIF NOT isfinite(NEW.modified_at) AND (TG_OP = 'INSERT'"
	"    OR NEW.modified_at IS DISTINCT FROM OLD.modified_at) THEN c := 'modified_at';"
	"  END IF;"
	"  IF c IS NOT NULL THEN"
	"   RAISE EXCEPTION 'limf.warrants: % must be a finite time (infinity and -infinity are"
	" refused)', c USING ERRCODE = 'check_violation', TABLE = 'warrants', COLUMN = c;"
	"  END IF;"
	"  RETURN NEW;"
	" END $$",
	"REVOKE ALL ON FUNCTION limf.warrant_times_finite() FROM PUBLIC",
	"CREATE TRIGGER warrants_times_finite BEFORE INSERT OR UPDATE ON limf.warrants"
	" FOR EACH ROW EXECUTE FUNCTION limf.warrant_times_finite()",
	"ALTER TABLE limf.instances ADD CONSTRAINT instances_times_finite"
	" CHECK (isfinite(started_at) AND isfinite(seen_at)) NOT VALID",
	NULL
};

/* Schema version 5: the target normal forms of warrants.h as they are now. Before, a tel:
 * target's ext and isub were dropped (a warrant on one extension matched the number and every
 * other extension) and a sip:+E164@host;user=phone target stayed a SIP URI (it missed the same
 * number carried as tel:). The gate compares normal forms only, so stored rows normalised the
 * old way would keep both faults: every target is normalised again from the URI as entered
 * (targets.uri), in C, by the one function the CLI and the gate use (SQL cannot repeat it).
 *  - a changed row gets the new norm and kind, with one audit row "target.renormalise" for its
 *    LIID (uri, old and new form); the targets_audited constraint holds, the change NOTIFYs;
 *  - two targets of one warrant that now share a normal form (tel:+44... and
 *    sip:+44...@host;user=phone) become one row (audited as merged);
 *  - a URI that no longer normalises (a malformed ext or isub the old rules ignored) keeps its
 *    old form, audited as kept, so that no warrant silently loses a target.
 * No table changes: the statement list is empty. */
static const char *const m5[] = { NULL };

struct renorm {
	char id[24], liid[WR_LIID_MAX + 1], uri[WR_URI_MAX + 1], old[WR_URI_MAX + 1];
	char norm[WR_URI_MAX + 1];
	enum wr_kind kind;
	bool ok;
};

static enum lim_err renormalise(struct wr_db *db)
{
	PGresult *r = NULL;
	struct renorm *t = NULL;
	enum lim_err rc;
	int n;
	char detail[3 * WR_URI_MAX + 96];

	rc = wr_exec(db,
		     "SELECT t.warrant_id, w.liid, t.uri, t.norm FROM limf.targets t"
		     " JOIN limf.warrants w ON w.id = t.warrant_id ORDER BY t.warrant_id, t.norm",
		     0, NULL, &r);
	if (rc != LIM_OK)
		goto out;
	n = PQntuples(r);
	t = calloc(n ? (size_t)n : 1, sizeof *t);
	if (!t) {
		rc = wr_fail(db, LIM_E_NOMEM, "out of memory");
		goto out;
	}
	for (int i = 0; i < n; i++) {
		wr_get_text(r, i, 0, t[i].id, sizeof t[i].id);
		wr_get_text(r, i, 1, t[i].liid, sizeof t[i].liid);
		wr_get_text(r, i, 2, t[i].uri, sizeof t[i].uri);
		wr_get_text(r, i, 3, t[i].old, sizeof t[i].old);
		t[i].ok = wr_target_normalise(t[i].uri, strlen(t[i].uri), &t[i].kind, t[i].norm,
					      sizeof t[i].norm) == LIM_OK;
	}
	PQclear(r);
	r = NULL;
	/* the changed rows go first, then come back under their new form: a new form may be the
	 * old form of another row of the same warrant that changes too */
	for (int i = 0; i < n; i++) {
		const char *p[] = { t[i].id, t[i].old };
		if (!t[i].ok || strcmp(t[i].norm, t[i].old) == 0)
			continue;
		if ((rc = wr_exec(db,
				  "DELETE FROM limf.targets WHERE warrant_id = $1 AND norm = $2", 2,
				  p, NULL)) != LIM_OK)
			goto out;
	}
	for (int i = 0; i < n; i++) {
		const char *p[] = { t[i].id, wr_kind_name(t[i].kind), t[i].uri, t[i].norm };
		PGresult *ins = NULL;
		bool merged;
		if (!t[i].ok) {
			snprintf(detail, sizeof detail,
				 "uri=%s kept as %s: not a valid target under the schema version 5 "
				 "rules",
				 t[i].uri, t[i].old);
			if ((rc = wr_audit_append(db, t[i].liid, "target.renormalise", detail)) !=
			    LIM_OK)
				goto out;
			continue;
		}
		if (strcmp(t[i].norm, t[i].old) == 0)
			continue;
		if ((rc = wr_exec(
			     db,
			     "INSERT INTO limf.targets (warrant_id, kind, uri, norm)"
			     " VALUES ($1, $2, $3, $4) ON CONFLICT (warrant_id, norm) DO NOTHING"
			     " RETURNING 1",
			     4, p, &ins)) != LIM_OK)
			goto out;
		merged = PQntuples(ins) == 0;
		PQclear(ins);
		snprintf(detail, sizeof detail, "uri=%s norm=%s -> %s%s", t[i].uri, t[i].old,
			 t[i].norm, merged ? " (merged: already a target of the warrant)" : "");
		if ((rc = wr_audit_append(db, t[i].liid, "target.renormalise", detail)) != LIM_OK)
			goto out;
	}
	rc = LIM_OK;
out:
	PQclear(r);
	free(t);
	return rc;
}

/* Schema version 6: limf.audit_head(), the newest audit row's id and hash, for the service
 * role too. limf replay records the head reached after its own rows in each bundle's signed
 * manifest (limf/cli_replay.c "audit"), so that every bundle anchors the chain up to the key
 * requests and decryptions that made it, outside the database (docs/audit-anchor.md). The
 * service role holds no SELECT on limf.audit (and gets none): the function reads one row and
 * returns only those two columns. No row for an empty chain. */
static const char *const m6[] = {
	"CREATE FUNCTION limf.audit_head() RETURNS TABLE (rows bigint, head text) LANGUAGE sql"
	" STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$"
	" SELECT a.id, encode(a.hash, 'hex') FROM limf.audit a ORDER BY a.id DESC LIMIT 1 $$",
	"REVOKE ALL ON FUNCTION limf.audit_head() FROM PUBLIC",
	"GRANT EXECUTE ON FUNCTION limf.audit_head() TO " WR_ROLE_OPERATOR ", " WR_ROLE_SERVICE,
	NULL
};

/* Schema version 7: the KMS certificates limf has fetched (warrants/kms.h "Certificate
 * store"). A KMS serves only its current certificate (KMSInit), so a process started after a
 * roll-over (limf replay of an older capture) could not check the calls made under the earlier
 * one. Every certificate a limf process fetches over mutual TLS and validates is recorded
 * here, once, by (kms_uri, cert_uri), and a later process loads the ones it needs and does not
 * hold. Certificates are public: nothing secret is stored.
 *  - kms_certificate: the certificate's public fields, first_seen and fetched_by (the role);
 *    rows never change (a trigger refuses every UPDATE, the owner's too); the service and
 *    operator roles read it and write nothing directly;
 *  - kms_cert_record(...): SECURITY DEFINER, the only writer for those roles. A new
 *    certificate is inserted and audited ("kms.cert.record"); the same one again changes
 *    nothing ("known"); the same keys and parameters with another validity are the KMS
 *    amending it (a roll-over ends the old certificate early): its ValidFrom/ValidTo take the
 *    new values, audited with the old ones ("kms.cert.amend", "amended"); any other content
 *    under a recorded (kms_uri, cert_uri) is refused, the row kept as it was, and audited
 *    ("kms.cert.conflict"): a certificate's keys, once recorded, never change. Returns the
 *    outcome and the row's first_seen (wr time);
 *  - kms_certificate_revoked + kms_cert_revoked(kms_uri, cert_uri): the certificates a KMS
 *    said are revoked (audited "kms.cert.revoked" once), which are never loaded again. */
static const char *const m7[] = {
	"CREATE TABLE limf.kms_certificate ("
	" kms_uri text NOT NULL CHECK (octet_length(kms_uri) BETWEEN 1 AND 256),"
	" cert_uri text NOT NULL CHECK (octet_length(cert_uri) <= 256),"
	" issuer text NOT NULL DEFAULT '' CHECK (octet_length(issuer) <= 256),"
	" id_scheme integer NOT NULL CHECK (id_scheme IN (0, 2)),"
	" user_key_period numeric(20, 0) NOT NULL"
	"  CHECK (user_key_period BETWEEN 0 AND 18446744073709551615),"
	" user_key_offset numeric(20, 0) NOT NULL"
	"  CHECK (user_key_offset BETWEEN 0 AND 18446744073709551615),"
	" parameter_set integer NOT NULL CHECK (parameter_set = 1),"
	" pub_enc_key bytea NOT NULL CHECK (octet_length(pub_enc_key) = 257),"
	" pub_auth_key bytea NOT NULL CHECK (octet_length(pub_auth_key) = 65),"
	" valid_from timestamptz NOT NULL CHECK (isfinite(valid_from)),"
	" valid_to timestamptz NOT NULL CHECK (isfinite(valid_to)),"
	" first_seen timestamptz NOT NULL DEFAULT now(),"
	" fetched_by text NOT NULL DEFAULT session_user,"
	" PRIMARY KEY (kms_uri, cert_uri),"
	" CHECK (valid_to > valid_from))",
	"CREATE INDEX kms_certificate_valid ON limf.kms_certificate (kms_uri, valid_from)",
	"CREATE TABLE limf.kms_certificate_revoked ("
	" kms_uri text NOT NULL CHECK (octet_length(kms_uri) BETWEEN 1 AND 256),"
	" cert_uri text NOT NULL CHECK (octet_length(cert_uri) <= 256),"
	" seen_at timestamptz NOT NULL DEFAULT now(),"
	" seen_by text NOT NULL DEFAULT session_user,"
	" PRIMARY KEY (kms_uri, cert_uri))",
	/* only a certificate's validity may change (kms_cert_record's amendment) */
	"CREATE FUNCTION limf.kms_cert_no_update() RETURNS trigger LANGUAGE plpgsql AS $$"
	" BEGIN"
	"  IF TG_TABLE_NAME = 'kms_certificate' AND (NEW.kms_uri, NEW.cert_uri, NEW.issuer,"
	"   NEW.id_scheme, NEW.user_key_period, NEW.user_key_offset, NEW.parameter_set,"
	"   NEW.pub_enc_key, NEW.pub_auth_key, NEW.first_seen, NEW.fetched_by)"
	"   IS NOT DISTINCT FROM (OLD.kms_uri, OLD.cert_uri, OLD.issuer, OLD.id_scheme,"
	"   OLD.user_key_period, OLD.user_key_offset, OLD.parameter_set, OLD.pub_enc_key,"
	"   OLD.pub_auth_key, OLD.first_seen, OLD.fetched_by) THEN RETURN NEW; END IF;"
	"  RAISE EXCEPTION 'limf.% rows never change but for a certificate''s validity (what the"
	" KMS served, once recorded)', TG_TABLE_NAME USING ERRCODE ="
	" 'integrity_constraint_violation';"
	" END $$",
	"CREATE TRIGGER kms_certificate_no_update BEFORE UPDATE ON limf.kms_certificate"
	" FOR EACH ROW EXECUTE FUNCTION limf.kms_cert_no_update()",
	"CREATE TRIGGER kms_certificate_revoked_no_update BEFORE UPDATE"
	" ON limf.kms_certificate_revoked FOR EACH ROW EXECUTE FUNCTION limf.kms_cert_no_update()",
	/* a certificate the KMS said is revoked (TS 33.180 D.3.2): never loaded again */
	"CREATE FUNCTION limf.kms_cert_revoked(p_kms_uri text, p_cert_uri text) RETURNS boolean"
	" LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$"
	" BEGIN"
	"  INSERT INTO limf.kms_certificate_revoked (kms_uri, cert_uri)"
	"   VALUES (p_kms_uri, p_cert_uri) ON CONFLICT ON CONSTRAINT kms_certificate_revoked_pkey"
	"   DO NOTHING;"
	"  IF NOT FOUND THEN RETURN false; END IF;"
	"  INSERT INTO limf.audit (liid, action, detail) VALUES ('', 'kms.cert.revoked',"
	"   format('kms_uri=%s cert_uri=%s: revoked by the KMS, never loaded from the database"
	" again', p_kms_uri, p_cert_uri));"
	"  RETURN true;"
	" END $$",

	"CREATE FUNCTION limf.kms_cert_record(p_kms_uri text, p_cert_uri text, p_issuer text,"
	" p_id_scheme integer, p_period numeric, p_offset numeric, p_parameter_set integer,"
	" p_z bytea, p_kpak bytea, p_from bigint, p_to bigint)"
	" RETURNS TABLE (r_outcome text, r_first_seen bigint) LANGUAGE plpgsql SECURITY DEFINER"
	" SET search_path = pg_catalog, pg_temp AS $$"
	" DECLARE"
	"  vf timestamptz := timestamptz 'epoch' + p_from * interval '1 microsecond';"
	"  vt timestamptz := timestamptz 'epoch' + p_to * interval '1 microsecond';"
	"  fmt constant text := 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"';"
	"  r limf.kms_certificate%ROWTYPE;"
	" BEGIN"
	"  INSERT INTO limf.kms_certificate (kms_uri, cert_uri, issuer, id_scheme,"
	"   user_key_period, user_key_offset, parameter_set, pub_enc_key, pub_auth_key,"
	"   valid_from, valid_to)"
	"   VALUES (p_kms_uri, p_cert_uri, p_issuer, p_id_scheme, p_period, p_offset,"
	"   p_parameter_set, p_z, p_kpak, vf, vt)"
	"   ON CONFLICT ON CONSTRAINT kms_certificate_pkey DO NOTHING;"
	"  IF FOUND THEN"
	"   INSERT INTO limf.audit (liid, action, detail) VALUES ('', 'kms.cert.record',"
	"    format('kms_uri=%s cert_uri=%s valid=%s..%s', p_kms_uri, p_cert_uri,"
	"    to_char(vf AT TIME ZONE 'UTC', fmt), to_char(vt AT TIME ZONE 'UTC', fmt)));"
	"   r_outcome := 'added';"
	"  END IF;"
	"  SELECT * INTO r FROM limf.kms_certificate k"
	"   WHERE k.kms_uri = p_kms_uri AND k.cert_uri = p_cert_uri;"
	"  IF r_outcome IS NULL THEN"
	"   IF r.issuer = p_issuer AND r.id_scheme = p_id_scheme AND r.user_key_period = p_period"
	"    AND r.user_key_offset = p_offset AND r.parameter_set = p_parameter_set"
	"    AND r.pub_enc_key = p_z AND r.pub_auth_key = p_kpak THEN"
	"    IF r.valid_from = vf AND r.valid_to = vt THEN"
	"     r_outcome := 'known';"
	"    ELSE"
	"     UPDATE limf.kms_certificate k SET valid_from = vf, valid_to = vt"
	"      WHERE k.kms_uri = p_kms_uri AND k.cert_uri = p_cert_uri;"
	"     INSERT INTO limf.audit (liid, action, detail) VALUES ('', 'kms.cert.amend',"
	"      format('kms_uri=%s cert_uri=%s valid=%s..%s, was %s..%s', p_kms_uri, p_cert_uri,"
	"      to_char(vf AT TIME ZONE 'UTC', fmt), to_char(vt AT TIME ZONE 'UTC', fmt),"
	"      to_char(r.valid_from AT TIME ZONE 'UTC', fmt),"
	"      to_char(r.valid_to AT TIME ZONE 'UTC', fmt)));"
	"     r_outcome := 'amended';"
	"    END IF;"
	"   ELSE"
	"    INSERT INTO limf.audit (liid, action, detail) VALUES ('', 'kms.cert.conflict',"
	"     format('kms_uri=%s cert_uri=%s valid=%s..%s differs from the certificate recorded"
	" under that CertUri at %s (valid=%s..%s): kept, the new one refused', p_kms_uri,"
	"     p_cert_uri, to_char(vf AT TIME ZONE 'UTC', fmt), to_char(vt AT TIME ZONE 'UTC', fmt),"
	"     to_char(r.first_seen AT TIME ZONE 'UTC', fmt),"
	"     to_char(r.valid_from AT TIME ZONE 'UTC', fmt),"
	"     to_char(r.valid_to AT TIME ZONE 'UTC', fmt)));"
	"    r_outcome := 'conflict';"
	"   END IF;"
	"  END IF;"
	"  r_first_seen := (extract(epoch FROM r.first_seen) * 1000000)::bigint;"
	"  RETURN NEXT;"
	" END $$",

	"REVOKE ALL ON limf.kms_certificate, limf.kms_certificate_revoked FROM PUBLIC",
	"REVOKE ALL ON FUNCTION limf.kms_cert_revoked(text, text) FROM PUBLIC",
	"GRANT SELECT ON limf.kms_certificate_revoked TO " WR_ROLE_OPERATOR ", " WR_ROLE_SERVICE,
	"GRANT EXECUTE ON FUNCTION limf.kms_cert_revoked(text, text) TO " WR_ROLE_OPERATOR
	", " WR_ROLE_SERVICE,
	"REVOKE ALL ON FUNCTION limf.kms_cert_no_update() FROM PUBLIC",
	"REVOKE ALL ON FUNCTION limf.kms_cert_record(text, text, text, integer, numeric, numeric,"
	" integer, bytea, bytea, bigint, bigint) FROM PUBLIC",
	"GRANT SELECT ON limf.kms_certificate TO " WR_ROLE_OPERATOR ", " WR_ROLE_SERVICE,
	"GRANT EXECUTE ON FUNCTION limf.kms_cert_record(text, text, text, integer, numeric,"
	" numeric, integer, bytea, bytea, bigint, bigint) TO " WR_ROLE_OPERATOR
	", " WR_ROLE_SERVICE,
	NULL
};

/* Schema version 8: the periods a warrant was suspended. A warrant's status is what it is
 * now, so a warrant suspended and resumed read as in force throughout, and limf replay of
 * traffic of the suspended period decrypted it. limf.warrant_suspensions keeps each period:
 * written only by a trigger on limf.warrants (a status that becomes 'suspended' opens one at
 * that instant, clock_timestamp(), one that stops being it closes it), whoever changes the
 * status, so no one writes it directly; the operator and service roles read it, and the gate
 * (warrants/warrant.c) counts a warrant in force only outside its periods, and never after one
 * still open. The periods of earlier suspensions are taken from the audit chain's
 * warrant.suspend / warrant.resume / warrant.revoke rows (a LIID names one warrant for ever),
 * only those the operator's CLI writes: not the service role's (it may insert audit rows of
 * any action, and must not shorten a suspension), and with the status the CLI puts in their
 * detail; an end never before its start (a clock stepped back). A warrant suspended now
 * without such a row gets one from its last modification; a period left open for a warrant
 * that is not suspended (its status changed by hand) ends at its LIID's latest audit row or
 * modification, the latest the change can have been (never earlier: fail closed). */
static const char *const m8[] = {
	"CREATE TABLE limf.warrant_suspensions ("
	" id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
	" warrant_id bigint NOT NULL REFERENCES limf.warrants (id),"
	" suspended_at timestamptz NOT NULL CHECK (isfinite(suspended_at)),"
	" resumed_at timestamptz CHECK (isfinite(resumed_at)),"
	" CHECK (resumed_at >= suspended_at))",
	"CREATE INDEX warrant_suspensions_w ON limf.warrant_suspensions (warrant_id, suspended_at)",
	"CREATE FUNCTION limf.warrant_status_history() RETURNS trigger LANGUAGE plpgsql"
	" SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$"
	" BEGIN"
	"  IF NEW.status = 'suspended' AND OLD.status IS DISTINCT FROM 'suspended' THEN"
	"   INSERT INTO limf.warrant_suspensions (warrant_id, suspended_at)"
	"    VALUES (NEW.id, clock_timestamp());"
	"  ELSIF OLD.status = 'suspended' AND NEW.status IS DISTINCT FROM 'suspended' THEN"
	"   UPDATE limf.warrant_suspensions"
	"    SET resumed_at = greatest(clock_timestamp(), suspended_at)"
	"    WHERE warrant_id = NEW.id AND resumed_at IS NULL;"
	"  END IF;"
	"  RETURN NULL;"
	" END $$",
	"CREATE TRIGGER warrants_status_history AFTER INSERT OR UPDATE OF status ON limf.warrants"
	" FOR EACH ROW EXECUTE FUNCTION limf.warrant_status_history()",
	"INSERT INTO limf.warrant_suspensions (warrant_id, suspended_at, resumed_at)"
	" SELECT w.id, a.at, CASE WHEN e.at IS NULL THEN NULL ELSE greatest(a.at, e.at) END"
	" FROM limf.audit a JOIN limf.warrants w ON w.liid = a.liid"
	" LEFT JOIN LATERAL (SELECT min(r.at) AS at FROM limf.audit r"
	"  WHERE r.liid = a.liid AND r.id > a.id AND isfinite(r.at)"
	"  AND r.db_role <> '" WR_ROLE_SERVICE "'"
	"  AND ((r.action = 'warrant.resume' AND r.detail LIKE 'status=active%')"
	"   OR (r.action = 'warrant.revoke' AND r.detail LIKE 'status=revoked%'))) e ON true"
	" WHERE a.action = 'warrant.suspend' AND a.detail LIKE 'status=suspended%'"
	" AND a.db_role <> '" WR_ROLE_SERVICE "' AND isfinite(a.at)",
	/* left open, the warrant not suspended: its status changed by hand, in a transaction
	 * with an audit row of its LIID (require_audit), so by its latest one at the latest */
	"UPDATE limf.warrant_suspensions s SET resumed_at = greatest(s.suspended_at, w.modified_at,"
	" (SELECT max(r.at) FROM limf.audit r WHERE r.liid = w.liid AND isfinite(r.at)"
	"  AND r.db_role <> '" WR_ROLE_SERVICE "'))"
	" FROM limf.warrants w WHERE w.id = s.warrant_id AND s.resumed_at IS NULL"
	" AND w.status <> 'suspended' AND isfinite(w.modified_at)",
	"INSERT INTO limf.warrant_suspensions (warrant_id, suspended_at)"
	" SELECT w.id, w.modified_at FROM limf.warrants w WHERE w.status = 'suspended'"
	" AND isfinite(w.modified_at) AND NOT EXISTS (SELECT 1 FROM limf.warrant_suspensions s"
	"  WHERE s.warrant_id = w.id AND s.resumed_at IS NULL)",
	"REVOKE ALL ON limf.warrant_suspensions FROM PUBLIC",
	"REVOKE ALL ON FUNCTION limf.warrant_status_history() FROM PUBLIC",
	"GRANT SELECT ON limf.warrant_suspensions TO " WR_ROLE_OPERATOR ", " WR_ROLE_SERVICE, NULL
};

/* Schema version 9: audit details up to 16384 octets (WR_DETAIL_MAX), from 2048. A warrant's
 * add or modify row names all of its targets (up to 32 of 256 octets), its authority,
 * reference and delivery: up to about 10 kB, which did not fit, and the legal record of the
 * targets authorised lost its tail. The constraint is replaced; no row changes. */
static const char *const m9[] = { "ALTER TABLE limf.audit DROP CONSTRAINT audit_detail_check",
				  "ALTER TABLE limf.audit ADD CONSTRAINT audit_detail_check"
				  " CHECK (octet_length(detail) <= 16384)",
				  NULL };

/* Schema version 10: two things the database held only by convention.
 *  - Revoked is final. The CLI refuses to change a revoked warrant, but the operator role may
 *    UPDATE limf.warrants: status 'active' on a revoked warrant, with any audit row of its
 *    LIID (require_audit asks for no more), committed, and the gate then took it as in force
 *    throughout, the span it was revoked included (no period records a revocation). A BEFORE
 *    UPDATE trigger now refuses any change to a row that is revoked, whoever sends the SQL.
 *    (It fires before warrants_times_finite: trigger names in alphabetical order.)
 *  - The audit chain was serialised on an advisory lock, and any role that can connect can
 *    take an advisory lock: one holding 7163897000002 made every append wait out its
 *    lock_timeout and fail, and with it every key request and decryption (invariant 2). It is
 *    now a row lock on limf.audit_lock, which only its owner (the SECURITY DEFINER trigger's)
 *    can lock: no other role has any privilege on it. */
static const char *const m10[] = {
	"CREATE FUNCTION limf.warrant_revoked_final() RETURNS trigger LANGUAGE plpgsql"
	" SET search_path = pg_catalog, pg_temp AS $$"
	" BEGIN"
	"  IF OLD.status = 'revoked' THEN"
	"   RAISE EXCEPTION 'limf.warrants: warrant % is revoked, and revoked is final', OLD.liid"
	"    USING ERRCODE = 'check_violation', TABLE = 'warrants';"
	"  END IF;"
	"  RETURN NEW;"
	" END $$",
	"REVOKE ALL ON FUNCTION limf.warrant_revoked_final() FROM PUBLIC",
	"CREATE TRIGGER warrants_revoked_final BEFORE UPDATE ON limf.warrants"
	" FOR EACH ROW EXECUTE FUNCTION limf.warrant_revoked_final()",
	"CREATE TABLE limf.audit_lock (id integer PRIMARY KEY CHECK (id = 1))",
	"INSERT INTO limf.audit_lock (id) VALUES (1)", "REVOKE ALL ON limf.audit_lock FROM PUBLIC",
	/* the trigger runs as the function's owner: the row must be its (a superuser migrating
	 * a database limf_admin created would own it otherwise, and every append fail) */
	"DO $$ BEGIN EXECUTE format('ALTER TABLE limf.audit_lock OWNER TO %I',"
	" (SELECT pg_get_userbyid(p.proowner) FROM pg_proc p"
	"  WHERE p.oid = 'limf.audit_chain()'::regprocedure)); END $$",
	AUDIT_CHAIN("CREATE OR REPLACE", AUDIT_ROW_LOCK), NULL
};

/* Schema version 11: every change to the warrant tables is on the audit chain as the database
 * made it. require_audit asked only for some audit row of the LIID in the transaction, and the
 * operator role writes that row's action and detail itself: raw SQL that added a target,
 * moved a warrant's start back years, or renamed its LIID committed with a row of its
 * choosing ("warrant.show", empty), and the chain verified (an audit). An AFTER trigger on
 * warrants, targets and warrant_xids now appends, for each row changed, "row.<table>.<op>"
 * under the warrant's LIID with the row inserted or deleted, or the columns an UPDATE
 * changed (old and new), as JSON; its db_role is the changing session's (audit_chain), so
 * whoever sends the SQL, the log says what changed. SECURITY DEFINER (owned by limf_admin):
 * the changing role needs no more than its INSERT on limf.audit. A detail over the column's
 * bound fails the change (fail closed). */
static const char *const m11[] = {
	"CREATE FUNCTION limf.audit_row_change() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER"
	" SET search_path = pg_catalog, pg_temp AS $$"
	" DECLARE l text; d jsonb; o jsonb; n jsonb;"
	" BEGIN"
	"  IF TG_OP <> 'INSERT' THEN o := to_jsonb(OLD); END IF;"
	"  IF TG_OP <> 'DELETE' THEN n := to_jsonb(NEW); END IF;"
	"  IF TG_TABLE_NAME = 'warrants' THEN"
	"   l := coalesce(n, o) ->> 'liid';"
	"  ELSE"
	"   SELECT w.liid INTO l FROM limf.warrants w"
	"    WHERE w.id = (coalesce(n, o) ->> 'warrant_id')::bigint;"
	"  END IF;"
	"  IF TG_OP = 'UPDATE' THEN"
	"   SELECT coalesce(jsonb_object_agg(x.key, jsonb_build_array(x.value, y.value)), '{}')"
	"    INTO d FROM jsonb_each(o) x JOIN jsonb_each(n) y ON y.key = x.key"
	"    WHERE x.value IS DISTINCT FROM y.value;"
	"   IF d = '{}' THEN RETURN NULL; END IF;"
	"   d := jsonb_build_object('id', o -> 'id', 'changed', d);"
	"  ELSIF TG_OP = 'INSERT' THEN d := jsonb_build_object('new', n);"
	"  ELSE d := jsonb_build_object('old', o); END IF;"
	"  INSERT INTO limf.audit (os_user, liid, action, detail) VALUES ("
	"   left(coalesce(current_setting('limf.actor', true), ''), 64), coalesce(l, ''),"
	"   'row.' || TG_TABLE_NAME || '.' || lower(TG_OP), d::text);"
	"  RETURN NULL;"
	" END $$",
	"REVOKE ALL ON FUNCTION limf.audit_row_change() FROM PUBLIC",
	/* "row." rows are the database's own: an INSERT of one by a client is refused (a row
	 * from audit_row_change is inserted at trigger depth 2) */
	"CREATE FUNCTION limf.audit_db_reserved() RETURNS trigger LANGUAGE plpgsql"
	" SET search_path = pg_catalog, pg_temp AS $$"
	" BEGIN"
	"  IF NEW.action LIKE 'row.%' AND pg_trigger_depth() < 2 THEN"
	"   RAISE EXCEPTION 'limf.audit: actions row.* are written by the database only'"
	"    USING ERRCODE = 'insufficient_privilege';"
	"  END IF;"
	"  RETURN NEW;"
	" END $$",
	"REVOKE ALL ON FUNCTION limf.audit_db_reserved() FROM PUBLIC",
	"CREATE TRIGGER audit_db_reserved BEFORE INSERT ON limf.audit"
	" FOR EACH ROW EXECUTE FUNCTION limf.audit_db_reserved()",
	/* the client's own row is still required (who and why), beside the database's */
	REQUIRE_AUDIT(" AND a.action NOT LIKE 'row.%'"),
	"CREATE TRIGGER warrants_audit_row AFTER INSERT OR UPDATE OR DELETE ON limf.warrants"
	" FOR EACH ROW EXECUTE FUNCTION limf.audit_row_change()",
	"CREATE TRIGGER targets_audit_row AFTER INSERT OR UPDATE OR DELETE ON limf.targets"
	" FOR EACH ROW EXECUTE FUNCTION limf.audit_row_change()",
	"CREATE TRIGGER warrant_xids_audit_row AFTER INSERT OR UPDATE OR DELETE"
	" ON limf.warrant_xids FOR EACH ROW EXECUTE FUNCTION limf.audit_row_change()",
	NULL
};

/* Schema version 12: the row.* rows are the database's own, whatever the client builds. Version
 * 11 refused a client's row.* insert unless it came from a trigger (pg_trigger_depth() >= 2):
 * a role that may create a trigger (CREATE on schema public is PUBLIC's by default before
 * PostgreSQL 15) could write one from its own trigger, indistinguishable from the database's
 * (a review). The insert must now run as the owner of audit_row_change (its SECURITY DEFINER
 * context, which no client can enter: EXECUTE on it is revoked), and the prefix is matched in
 * any case (a client's "Row.targets.insert" looked alike). */
static const char *const m12[] = {
	"CREATE OR REPLACE FUNCTION limf.audit_db_reserved() RETURNS trigger LANGUAGE plpgsql"
	" SET search_path = pg_catalog, pg_temp AS $$"
	" BEGIN"
	"  IF NEW.action ILIKE 'row.%' AND current_user <> (SELECT pg_get_userbyid(p.proowner)"
	"    FROM pg_proc p WHERE p.oid = 'limf.audit_row_change()'::regprocedure) THEN"
	"   RAISE EXCEPTION 'limf.audit: actions row.* are written by the database only'"
	"    USING ERRCODE = 'insufficient_privilege';"
	"  END IF;"
	"  RETURN NEW;"
	" END $$",
	NULL
};

/* Schema version 13: no change to the warrant tables escapes the chain. TRUNCATE fires no row
 * trigger, so the owner's TRUNCATE of warrants, targets, XIDs or suspension periods left no
 * audit row (session 27's note): it is refused, for everyone (rows are changed one by one,
 * each on the chain). The suspension periods the gate counts (m8) get their row.* rows too:
 * written by the database as a status changes, they were the one table whose direct change
 * (a period deleted by the owner: the content of a suspension then in force for a replay)
 * left no trace. */
static const char *const m13[] = {
	"CREATE FUNCTION limf.refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$"
	" BEGIN RAISE EXCEPTION 'TRUNCATE of limf.% is refused: its rows change one by one, each"
	" on the audit chain', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege'; END $$",
	"REVOKE ALL ON FUNCTION limf.refuse_truncate() FROM PUBLIC",
	"CREATE TRIGGER warrants_no_truncate BEFORE TRUNCATE ON limf.warrants"
	" FOR EACH STATEMENT EXECUTE FUNCTION limf.refuse_truncate()",
	"CREATE TRIGGER targets_no_truncate BEFORE TRUNCATE ON limf.targets"
	" FOR EACH STATEMENT EXECUTE FUNCTION limf.refuse_truncate()",
	"CREATE TRIGGER warrant_xids_no_truncate BEFORE TRUNCATE ON limf.warrant_xids"
	" FOR EACH STATEMENT EXECUTE FUNCTION limf.refuse_truncate()",
	"CREATE TRIGGER warrant_suspensions_no_truncate BEFORE TRUNCATE"
	" ON limf.warrant_suspensions FOR EACH STATEMENT EXECUTE FUNCTION limf.refuse_truncate()",
	"CREATE TRIGGER warrant_suspensions_audit_row AFTER INSERT OR UPDATE OR DELETE"
	" ON limf.warrant_suspensions FOR EACH ROW EXECUTE FUNCTION limf.audit_row_change()",
	NULL
};

/* Schema version 14: a transaction left open in the database is ended after 60 s idle, by
 * default for every session, not only limf's own (db.c sets the same for those). Any role that
 * appends to the audit log holds the chain's lock (audit_lock, m10) until it commits: an
 * operator's psql left in a transaction after an INSERT into limf.audit made every append of
 * the service fail (lock_timeout) for as long as it stayed open, so no key request or
 * decryption could be audited, and none was made (session 27's note). A session may still set
 * its own value: this ends the forgotten transaction, not a deliberate hold. Only the
 * database's owner (`limf db provision` makes the admin role its owner) or a superuser may
 * set it: migrating as another role warns and goes on (a review: it failed the migration). */
static const char *const m14[] = {
	"DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET idle_in_transaction_session_timeout"
	" = ''60s''', pg_catalog.current_database());"
	" EXCEPTION WHEN insufficient_privilege THEN RAISE WARNING 'limf: the database''s"
	" idle_in_transaction_session_timeout was not set (only its owner or a superuser may):"
	" a session left in a transaction can hold the audit chain''s lock; set it as the owner"
	" (ALTER DATABASE % SET idle_in_transaction_session_timeout = ''60s'')',"
	" pg_catalog.current_database(); END $$",
	NULL
};

/* Schema version 15: an audit row written without an OS user (none given, so the column's
 * default '', or an empty one) takes the session's limf.actor (db.c sets it per session), as
 * the client's own rows give it. The rows the database's functions write for a client
 * (kms.cert.record, .amend, .conflict, .revoked: SECURITY DEFINER functions that name no
 * os_user) had an empty one, the only rows of a run not saying which OS user ran it (an
 * audit). Like every os_user, it is what the client says: db_role is the one the server
 * vouches for. */
static const char *const m15[] = { AUDIT_CHAIN_OS(
					   "CREATE OR REPLACE", AUDIT_ROW_LOCK,
					   "coalesce(nullif(NEW.os_user, ''), "
					   "left(current_setting('limf.actor', true), 64), '')"),
				   NULL };

/* Schema version 16: an XID taken off its warrant (limf warrant modify --remove-xid, or a row
 * deleted by hand) is never given to another warrant (warrants.h "XIDs": for ever). Before,
 * the row went and the XID was free: PDUs of the old warrant's POI task were then let in for
 * the new warrant (a review). Each deleted row leaves a tombstone (xids_retired, written by
 * the database only: no role but the owner can change it); an XID is refused (unique_violation,
 * as a held one) to any warrant but the one it was taken from. XIDs removed before this
 * version are not known. */
static const char *const m16[] = {
	"CREATE TABLE limf.xids_retired ("
	" xid uuid PRIMARY KEY,"
	" warrant_id bigint NOT NULL REFERENCES limf.warrants (id),"
	" retired_at timestamptz NOT NULL DEFAULT now())",
	"REVOKE ALL ON limf.xids_retired FROM PUBLIC",
	"GRANT SELECT ON limf.xids_retired TO " WR_ROLE_OPERATOR,
	"CREATE FUNCTION limf.xid_retire() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER"
	" SET search_path = pg_catalog, pg_temp AS $$"
	" BEGIN PERFORM pg_advisory_xact_lock(hashtext('limf.xids_retired'));"
	"  INSERT INTO limf.xids_retired (xid, warrant_id) VALUES (OLD.xid, OLD.warrant_id)"
	"  ON CONFLICT (xid) DO NOTHING; RETURN OLD; END $$",
	"REVOKE ALL ON FUNCTION limf.xid_retire() FROM PUBLIC",
	"CREATE TRIGGER warrant_xids_retire AFTER DELETE ON limf.warrant_xids"
	" FOR EACH ROW EXECUTE FUNCTION limf.xid_retire()",
	"CREATE FUNCTION limf.xid_not_retired() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER"
	" SET search_path = pg_catalog, pg_temp AS $$"
	" BEGIN"
	/* (a removal not yet committed is waited for: its tombstone is then seen, each
	 * statement here taking a snapshot of its own) */
	"  PERFORM pg_advisory_xact_lock(hashtext('limf.xids_retired'));"
	"  IF EXISTS (SELECT 1 FROM limf.xids_retired r"
	"             WHERE r.xid = NEW.xid AND r.warrant_id <> NEW.warrant_id) THEN"
	"   RAISE EXCEPTION 'XID % was taken off another warrant: never given again', NEW.xid"
	"    USING ERRCODE = 'unique_violation';"
	"  END IF;"
	"  RETURN NEW;"
	" END $$",
	"REVOKE ALL ON FUNCTION limf.xid_not_retired() FROM PUBLIC",
	"CREATE TRIGGER warrant_xids_not_retired BEFORE INSERT ON limf.warrant_xids"
	" FOR EACH ROW EXECUTE FUNCTION limf.xid_not_retired()",
	"CREATE TRIGGER xids_retired_no_truncate BEFORE TRUNCATE ON limf.xids_retired"
	" FOR EACH STATEMENT EXECUTE FUNCTION limf.refuse_truncate()",
	NULL
};

const struct wr_migration wr_migrations[] = {
	{ 1, "warrants, targets, hash-chained audit, role grants", m1, NULL },
	{ 2, "NOTIFY " WR_NOTIFY_CHANNEL " on warrant and target changes", m2, NULL },
	{ 3, "warrant XIDs, shared CIN counter, instance health", m3, NULL },
	{ 4, "finite warrant and instance times", m4, NULL },
	{ 5, "target normal forms: tel ext and isub kept, sip user=phone as tel", m5, renormalise },
	{ 6, "audit head readable by the service role (anchored in evidence manifests)", m6, NULL },
	{ 7, "KMS certificates recorded once fetched (replay after a roll-over)", m7, NULL },
	{ 8, "warrant suspension periods (not in force during them)", m8, NULL },
	{ 9, "audit details up to 16384 octets (a warrant's targets all recorded)", m9, NULL },
	{ 10, "revoked warrants final; the audit chain serialised on a row lock", m10, NULL },
	{ 11, "every change to the warrant tables on the audit chain as the database made it", m11,
	  NULL },
	{ 12, "row.* audit rows written by the database only (its trigger's owner)", m12, NULL },
	{ 13, "warrant tables never truncated; suspension periods on the audit chain", m13, NULL },
	{ 14, "transactions left idle end after 60 s (the audit chain's lock freed)", m14, NULL },
	{ 15, "audit rows without an OS user take the session's (limf.actor)", m15, NULL },
	{ 16, "an XID taken off a warrant never given to another", m16, NULL },
};
const size_t wr_n_migrations = sizeof wr_migrations / sizeof wr_migrations[0];

/* see warrants.h */
int wr_db_schema_latest(void)
{
	return wr_migrations[wr_n_migrations - 1].version;
}

/* Takes the migration lock in db's transaction, trying every 100 ms for up to wait_ms. */
static enum lim_err migrate_lock(struct wr_db *db, int wait_ms)
{
	PGresult *r = NULL;
	enum lim_err rc;
	for (int waited = 0;; waited += 100) {
		if ((rc = wr_exec(db, LOCK_MIGRATE, 0, NULL, &r)) != LIM_OK)
			return rc;
		bool got = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
		PQclear(r);
		r = NULL;
		if (got)
			return LIM_OK;
		if (waited >= wait_ms)
			break;
		nanosleep(&(struct timespec){ 0, 100000000L }, NULL);
	}
	if (wr_exec(db, LOCK_HOLDER, 0, NULL, &r) == LIM_OK && PQntuples(r) == 1)
		rc = wr_fail(
			db, LIM_E_STATE,
			"the migration lock (advisory " MIGRATE_KEY ") is held by the session "
			"of process %s (role %.64s, application '%.64s'); waited %d s. Another "
			"`limf db migrate` still running? Else end that session (SELECT "
			"pg_terminate_backend(%s)) and migrate again",
			PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2),
			wait_ms / 1000, PQgetvalue(r, 0, 0));
	else
		rc = wr_fail(db, LIM_E_STATE,
			     "the migration lock (advisory " MIGRATE_KEY
			     ") is held by another session; waited %d s",
			     wait_ms / 1000);
	PQclear(r);
	return rc;
}

/* see warrants.h */
enum lim_err wr_db_migrate(struct wr_db *db, int *from, int *to)
{
	return wr_db_migrate_wait(db, WR_MIGRATE_WAIT_MS, from, to);
}

/* see warrants.h */
enum lim_err wr_db_migrate_wait(struct wr_db *db, int wait_ms, int *from, int *to)
{
	PGresult *r = NULL;
	enum lim_err rc;
	int64_t cur = 0;
	char ver[24], detail[160];

	if (from)
		*from = 0;
	if (to)
		*to = 0;
	if (wait_ms < 0)
		return wr_fail(db, LIM_E_ARG, "a negative wait");
	if ((rc = wr_begin(db)) != LIM_OK)
		return rc;
	/* a migration waits for the tables' locks as long as it takes: the session's
	 * lock_timeout (db.c) is for the service's statements; for its own lock, as long as
	 * wait_ms (migrate_lock) */
	if ((rc = wr_exec(db, "SET LOCAL lock_timeout = 0", 0, NULL, NULL)) != LIM_OK ||
	    (rc = migrate_lock(db, wait_ms)) != LIM_OK ||
	    (rc = wr_exec(db, "CREATE SCHEMA IF NOT EXISTS limf", 0, NULL, NULL)) != LIM_OK ||
	    (rc = wr_exec(db,
			  "CREATE TABLE IF NOT EXISTS limf.schema_version ("
			  " version integer PRIMARY KEY, name text NOT NULL,"
			  " applied_at timestamptz NOT NULL DEFAULT now(),"
			  " applied_by text NOT NULL DEFAULT session_user)",
			  0, NULL, NULL)) != LIM_OK ||
	    (rc = wr_exec(db, "SELECT coalesce(max(version), 0) FROM limf.schema_version", 0, NULL,
			  &r)) != LIM_OK)
		goto out;
	if (!wr_get_i64(r, 0, 0, &cur) || cur < 0 || cur > wr_db_schema_latest()) {
		rc = wr_fail(db, LIM_E_STATE, "schema version %s is newer than this limf (%d)",
			     PQgetvalue(r, 0, 0), wr_db_schema_latest());
		goto out;
	}
	if (from)
		*from = (int)cur;
	for (size_t i = 0; i < wr_n_migrations; i++) {
		const struct wr_migration *m = &wr_migrations[i];
		if (m->version <= cur)
			continue;
		for (const char *const *s = m->stmts; *s; s++) {
			if ((rc = wr_exec(db, *s, 0, NULL, NULL)) != LIM_OK) {
				char keep[sizeof db->msg];
				memcpy(keep, db->msg, sizeof keep);
				snprintf(db->msg, sizeof db->msg, "migration %d: %.400s",
					 m->version, keep);
				goto out;
			}
		}
		if (m->fn && (rc = m->fn(db)) != LIM_OK) {
			char keep[sizeof db->msg];
			memcpy(keep, db->msg, sizeof keep);
			snprintf(db->msg, sizeof db->msg, "migration %d: %.400s", m->version, keep);
			goto out;
		}
		wr_i64_str(m->version, ver);
		{
			const char *p[] = { ver, m->name };
			rc = wr_exec(
				db,
				"INSERT INTO limf.schema_version (version, name) VALUES ($1, $2)",
				2, p, NULL);
		}
		if (rc != LIM_OK)
			goto out;
		snprintf(detail, sizeof detail, "schema version %d: %s", m->version, m->name);
		if ((rc = wr_audit_append(db, "", "db.migrate", detail)) != LIM_OK)
			goto out;
		cur = m->version;
	}
	rc = wr_commit(db);
out:
	PQclear(r);
	if (rc != LIM_OK)
		wr_rollback(db);
	else if (to)
		*to = (int)cur;
	return rc;
}
