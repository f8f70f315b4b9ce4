/* warrants/: the warrant store (PostgreSQL through libpq), target normalisation, the warrant
 * decision for the pipeline, and the tamper-evident audit log (DESIGN.md s3, s5 invariants 1, 2
 * and 5). Nothing here includes another module; limf/ wires it with the plain structs below.
 *
 * Database layout (schema `limf`, created by wr_db_migrate as the admin role):
 *   schema_version  one row per applied migration (version, applied_at, applied_by)
 *   warrants        LIID (unique), authority, authority reference, country, validity window,
 *                   status, scope, delivery destination, reason, created/modified by and at
 *   targets         one or more per warrant: the URI as entered, its kind and normalised form
 *   warrant_xids    0..16 per warrant (schema v3): the X1/X2/X3 XIDs (UUID), each unique
 *   cin_counter     one row (schema v3): the next CIN of every instance (wr_cin_reserve)
 *   instances       one row per `limf capture` instance (schema v3): its last health report
 *   warrant_suspensions  each period a warrant was suspended (schema v8), [suspended_at,
 *                   resumed_at), written only by a trigger on warrants' status; the gate
 *                   counts no warrant in force during one (read by the operator and service)
 *   audit           append-only, hash-chained (see "Audit chain" below)
 *   triggers on warrants and targets NOTIFY limf_warrants (see "Change notifications")
 * Roles (fixed names, created by wr_db_provision or by a DBA with the same SQL):
 *   limf_admin      owns the database, the schema and every object; runs migrations
 *   limf_operator   the CLI: SELECT/INSERT/UPDATE warrants, SELECT/INSERT/DELETE targets and
 *                   warrant_xids, SELECT audit and instances, INSERT audit (os_user, liid,
 *                   action, detail only)
 *   limf_service    capture/replay: SELECT warrants, targets and warrant_xids, INSERT audit,
 *                   EXECUTE limf.cin_reserve and limf.instance_report, LISTEN; nothing else
 *                   (no direct access to cin_counter or instances)
 * No non-admin role holds UPDATE, DELETE or TRUNCATE on audit, and triggers refuse them to
 * everyone while they are enabled. They do not stop the table's owner (limf_admin, which can
 * ALTER TABLE ... DISABLE TRIGGER) or a superuser: either can edit, delete or renumber rows
 * and recompute the hashes with the schema's own functions. `limf audit verify` detects an
 * edit whose hashes were not recomputed; a rewritten chain or a deleted tail only against a
 * head recorded outside the database (`limf audit head`, `verify --expect-head`,
 * docs/audit-anchor.md).
 * A transaction that inserts or updates a warrant, or inserts or deletes a target, cannot
 * commit unless it also appended an audit row with that LIID (deferred constraint triggers):
 * SQL sent by hand with the operator role is audited too. The audit's os_user and liid are
 * what the appending client says; its db_role (session_user) and time come from the server.
 *
 * Times are int64 microseconds since 1970-01-01T00:00:00Z ("wr time"); they travel to and
 * from PostgreSQL as integers, so no session time zone or DateStyle affects them. A warrant is
 * in force at t when valid_from <= t < valid_to (start inclusive, end exclusive) and its status
 * is active. A timestamptz may also hold 'infinity' or '-infinity', which limf never writes as a
 * new value and schema version 4 refuses; a row written by hand before that may still hold one
 * (see "Times" below: readers get WR_TIME_INFINITY / WR_TIME_NEG_INFINITY, never an error).
 *
 * Errors: every function returns enum lim_err; LIM_E_ARG for invalid input (bad field, unknown
 * LIID, duplicate LIID, illegal status change), LIM_E_DB for database failures (including
 * permission errors), LIM_E_LIMIT when a fixed cap below is hit. A failing change rolls back
 * its transaction: nothing is changed. wr_db_msg() then holds a one-line English reason. */
#ifndef LIM_WARRANTS_H
#define LIM_WARRANTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define WR_LIID_MAX     25    /* ETSI TS 102 232-1 LawfulInterceptionIdentifier SIZE(1..25) */
#define WR_TEXT_MAX     200   /* authority, authority reference, reason */
#define WR_URI_MAX      256   /* a target URI, as entered and normalised */
#define WR_DELIVERY_MAX 512   /* delivery destination(s), free text for handover/ */
#define WR_USER_MAX     64    /* an OS user or DB role name */
#define WR_MAX_TARGETS  32    /* targets per warrant */
#define WR_UID_LEN      32    /* TS 33.180 F.2.1 UID */
#define WR_HASH_LEN     32    /* audit chain: SHA-256 */
#define WR_DETAIL_MAX   16384 /* audit detail text (schema version 9; 2048 before) */
#define WR_MAX_XIDS     16    /* XIDs per warrant (TS 103 221-1 tasks) */
#define WR_XID_STRLEN   37    /* a UUID as text, 8-4-4-4-12 lower-case hex, with its NUL */
#define WR_INSTANCE_MAX 64    /* a `limf capture` instance name */

/* The fixed role names (see above). */
#define WR_ROLE_ADMIN    "limf_admin"
#define WR_ROLE_OPERATOR "limf_operator"
#define WR_ROLE_SERVICE  "limf_service"
#define WR_DB_NAME       "limf"

enum wr_status { WR_ACTIVE = 0, WR_SUSPENDED = 1, WR_REVOKED = 2 };
enum wr_scope { WR_SCOPE_IRI = 0, WR_SCOPE_IRI_CC = 1 };
enum wr_kind { WR_KIND_TEL = 0, WR_KIND_SIP = 1, WR_KIND_MCPTT = 2 };

/* Names as stored and printed: "active"/"suspended"/"revoked", "iri"/"iri+cc",
 * "tel"/"sip"/"mcptt". The parsers return false for anything else. */
const char *wr_status_name(enum wr_status s);
const char *wr_scope_name(enum wr_scope s);
const char *wr_kind_name(enum wr_kind k);
bool wr_scope_parse(const char *s, enum wr_scope *out);

/* ---- time ---------------------------------------------------------------------------------- */

/* Parses ISO 8601 / RFC 3339 with a mandatory zone: YYYY-MM-DDTHH:MM[:SS[.f{1,6}]] followed
 * by Z, +HH:MM, -HH:MM, +HHMM or +HH (a space may replace T). Years 1970..9999. LIM_E_PARSE
 * on anything else (a missing zone included: local time is never guessed). */
enum lim_err wr_time_parse(const char *s, int64_t *t_us) LIM_WUR;
/* Times: a time read from the database that is PostgreSQL's 'infinity' or '-infinity' (a row
 * written by hand: for warrants and instances before schema version 4, which refuses new ones
 * and keeps the older rows) is WR_TIME_INFINITY or WR_TIME_NEG_INFINITY: later, or earlier,
 * than every finite time, so comparisons keep their meaning. A valid_to of WR_TIME_INFINITY is
 * an open-ended warrant, a valid_from of WR_TIME_NEG_INFINITY one valid since always (the gate
 * and the KMS cache read them so). An audit row's time edited to one reads too, and fails
 * wr_audit_verify as an edited row. wr_warrant_add and wr_warrant_modify refuse them as new
 * values (LIM_E_ARG); a warrant holding one can still be read, listed, modified in other fields
 * (the time is kept), suspended, resumed and revoked. */
#define WR_TIME_INFINITY     INT64_MAX
#define WR_TIME_NEG_INFINITY INT64_MIN
/* Formats t as "YYYY-MM-DDTHH:MM:SSZ", with ".ffffff" when t has a sub-second part;
 * WR_TIME_INFINITY as "infinity" and WR_TIME_NEG_INFINITY as "-infinity" (PostgreSQL's
 * spelling: no ISO 8601 parser takes them for a date). out needs WR_TIME_STRLEN bytes. */
#define WR_TIME_STRLEN 28
void wr_time_format(int64_t t_us, char out[WR_TIME_STRLEN]);

/* ---- targets and their normalisation ------------------------------------------------------- */

/* Normalises a target or a party identity (len bytes, no NUL needed) into out (cap bytes,
 * NUL-terminated); *kind gets the kind. Equivalent forms give the same string:
 *  - Accepted wrappers: surrounding whitespace, a SIP name-addr (`"Name" <uri>;tag=x` keeps
 *    what is inside <>), a `mcptt:` prefix before a URI (kind MCPTT ID; the rest is normalised
 *    as the URI it is: an MCPTT ID is a SIP URI, so `mcptt:sip:a@b` and `sip:a@b` are the same
 *    identity), a bare `+digits` (taken as tel:) and a bare `user@host` after `mcptt:`.
 *  - tel: (RFC 3966, global numbers only, as E.164 requires): scheme case-insensitive; the
 *    visual separators - . ( ) and space are removed; the result is `tel:+` and 1..15 digits,
 *    then `;ext=DIGITS` and `;isub=VALUE` when given (in that order, whatever their order in
 *    the input; parameter names case-insensitive): an extension or ISDN subaddress is part of
 *    the identity (RFC 3966 s4 compares them), so a warrant on tel:+44...;ext=1234 matches
 *    neither another extension nor the bare number (the switchboard), and one on the bare
 *    number does not match its extensions. ext keeps its digits only (separators removed; at
 *    least one digit); isub is lower-cased, its visual separators removed, %XX escapes of
 *    unreserved characters decoded (others' hex upper-cased). Other parameters
 *    (phone-context, routing data) are dropped. Local numbers (no +), an empty or malformed
 *    ext/isub and a repeated ext or isub are rejected.
 *  - sip:/sips: (RFC 3261 s19.1.4): sips becomes sip (the same identity over TLS); scheme and
 *    host lower-cased; user part kept case-sensitive, with %XX escapes of unreserved
 *    characters decoded (and other escapes' hex upper-cased); the password, port, URI
 *    parameters (;...) and headers (?...) are dropped. `sip:host` without a user is accepted.
 *  - A SIP URI with the parameter user=phone (name and value case-insensitive) whose user
 *    part (all %XX escapes decoded, password excluded) is a global number as above, ext and
 *    isub included, is that telephone number (RFC 3261 s19.1.6): it normalises to the tel:
 *    form and kind tel (MCPTT when under `mcptt:`), whatever its host, so
 *    sip:+44-7700-900123@ims.example;user=phone and tel:+447700900123 are one target. Without
 *    user=phone, or when the user part is not a global number (a local number, letters), it
 *    stays a SIP URI.
 *  - Not equivalent: a different user case, a different host, tel:+1... vs sip:+1...@host
 *    without user=phone, a number with and without an extension or subaddress.
 * LIM_E_PARSE for a malformed identity, LIM_E_LIMIT when the result exceeds cap. */
enum lim_err wr_target_normalise(const char *in, size_t len, enum wr_kind *kind, char *out,
				 size_t cap) LIM_WUR;

struct wr_target {
	enum wr_kind kind;
	char uri[WR_URI_MAX + 1];  /* as entered */
	char norm[WR_URI_MAX + 1]; /* wr_target_normalise(uri) */
};

/* ---- warrants ------------------------------------------------------------------------------ */

struct wr_warrant {
	char liid[WR_LIID_MAX + 1]; /* 1..25 of [A-Za-z0-9._:/-] */
	char authority[WR_TEXT_MAX + 1];
	char authority_ref[WR_TEXT_MAX + 1];
	char country[3];              /* ISO 3166-1 alpha-2, upper case */
	int64_t valid_from, valid_to; /* wr time; valid_from < valid_to; see "Times" */
	enum wr_status status;
	enum wr_scope scope;
	char delivery[WR_DELIVERY_MAX + 1]; /* non-empty */
	char reason[WR_TEXT_MAX + 1];       /* of the last suspend/revoke, or "" */
	char created_by[2 * WR_USER_MAX + 2], modified_by[2 * WR_USER_MAX + 2]; /* "os/role" */
	int64_t created_at, modified_at;
	size_t n_targets; /* 1..WR_MAX_TARGETS */
	struct wr_target targets[WR_MAX_TARGETS];
	size_t n_xids; /* 0..WR_MAX_XIDS (schema version 3), ordered */
	char xids[WR_MAX_XIDS][WR_XID_STRLEN];
};

/* Adds target text to w (normalised; a duplicate of an existing target is LIM_E_ARG; a
 * control character anywhere in it, C0, DEL or C1, LIM_E_UNSUPP: the text is kept as entered
 * and printed to operators). Does not touch the database. */
enum lim_err wr_warrant_add_target(struct wr_warrant *w, const char *uri) LIM_WUR;

/* XIDs (schema version 3). An XID is the UUID (RFC 4122 text form) that ETSI TS 103 221-1
 * (X1) gives a task at a point of interception and that TS 103 221-2 puts in every X2/X3 PDU
 * header: it ties a PDU to the warrant it serves. A warrant has 0..WR_MAX_XIDS of them (X1
 * provisions one task per POI and per target identity: several XIDs for one warrant), each
 * XID belongs to one warrant only, for ever (table limf.warrant_xids, primary key xid; a
 * revoked warrant keeps its XIDs, and one taken off a warrant is kept in limf.xids_retired,
 * schema version 16, and refused to any other: a stale PDU can never be attributed to a newer
 * warrant).
 * Parses s as 8-4-4-4-12 hexadecimal digits (either case, nothing around it; any version
 * and variant: X1 mandates v4 but the XID is opaque to limf) into its canonical lower-case
 * form. false when malformed. */
bool wr_xid_parse(const char *s, char out[WR_XID_STRLEN]);
/* The canonical text of a binary XID (the 16 octets of a TS 103 221-2 PDU header's XID field,
 * RFC 4122 byte order), for wr_xid_decide. */
void wr_xid_format(const uint8_t xid[16], char out[WR_XID_STRLEN]);
/* Adds an XID to w (canonicalised; malformed LIM_E_PARSE, duplicate LIM_E_ARG, more than
 * WR_MAX_XIDS LIM_E_LIMIT). Does not touch the database. */
enum lim_err wr_warrant_add_xid(struct wr_warrant *w, const char *xid) LIM_WUR;
/* Checks every field of w as wr_warrant_add would (LIM_E_ARG with a reason in msg, msgcap
 * bytes). */
enum lim_err wr_warrant_check(const struct wr_warrant *w, char *msg, size_t msgcap) LIM_WUR;

/* ---- the database handle ------------------------------------------------------------------- */

struct wr_db; /* opaque: one libpq connection, the actor, the last error */

/* Connects with a libpq connection string (borrowed; "" = libpq defaults, i.e. the PG*
 * environment). actor = the OS user recorded in the audit (copied, truncated to
 * WR_USER_MAX). Sets client_encoding UTF8. On failure (LIM_E_DB, or LIM_E_NOMEM inside
 * libpq) *out is still a handle whose wr_db_msg() says why: free it with wr_db_close. Only
 * when the handle itself cannot be allocated is *out NULL (LIM_E_NOMEM). */
enum lim_err wr_db_open(const char *connstr, const char *actor, struct wr_db **out) LIM_WUR;
void wr_db_close(struct wr_db *db); /* NULL is a no-op */
/* Last error message ("" when none); valid until the next call on db. */
const char *wr_db_msg(const struct wr_db *db);
/* SQLSTATE of the last database error ("" when the last error was not from the server). */
const char *wr_db_sqlstate(const struct wr_db *db);
/* How many times db's lost connection was re-established (a statement after a server
 * restart or a dropped session reconnects once, at most once a second, and is re-sent once:
 * internal.h wr_exec). 0 for NULL. */
uint64_t wr_db_reconnects(const struct wr_db *db);

/* Superuser only, connected to any database of the cluster: creates the three roles (LOGIN,
 * no password: the local cluster trusts its private socket) and the database `limf` owned by
 * limf_admin, if missing; revokes CONNECT/TEMP from PUBLIC. Idempotent. */
enum lim_err wr_db_provision(struct wr_db *db) LIM_WUR;

/* Admin only: applies the migrations newer than the schema version, all in one transaction
 * with their version rows and one audit row each ("db.migrate"). Idempotent; concurrent runs
 * serialise on an advisory lock, waited for up to WR_MIGRATE_WAIT_MS. *from and *to (may be
 * NULL) get the versions before and after. */
enum lim_err wr_db_migrate(struct wr_db *db, int *from, int *to) LIM_WUR;

/* wr_db_migrate waiting up to wait_ms (>= 0) for the migration lock. Any role that can
 * connect can take that advisory lock, so one held longer (a migration that hangs, or a
 * session holding it on purpose) is no reason to wait for ever: LIM_E_STATE, nothing
 * changed, and the message names the session that holds it (process ID, role,
 * application, since when) so that the operator can end it. */
#define WR_MIGRATE_WAIT_MS 60000
enum lim_err wr_db_migrate_wait(struct wr_db *db, int wait_ms, int *from, int *to) LIM_WUR;
/* The newest migration this build knows. */
int wr_db_schema_latest(void);

/* ---- change notifications (any role; the service role in `limf capture`) ------------------ */

/* Change notifications (schema version 2). Triggers on warrants and targets send
 * NOTIFY limf_warrants, '<LIID>' for every row inserted, updated or deleted (add, modify,
 * suspend, resume, revoke, targets added or removed; '' for a TRUNCATE). The server delivers
 * them when the changing transaction commits (never for a rollback), one per LIID and
 * transaction, to every connection listening, whichever instance it belongs to. LISTEN needs
 * no privilege: the service role listens and still changes nothing.
 * A notification is a hint to re-read the warrants (wr_decide does), never data: any role
 * that can connect may NOTIFY the channel too, and a broken connection loses what was sent
 * meanwhile, so callers re-read on each notification, after reconnecting, and periodically.
 * Listen on a connection of its own: notifications that arrive while db runs other calls are
 * queued in db and do not wake poll(); wr_db_changes reports them at its next call. */
#define WR_NOTIFY_CHANNEL "limf_warrants"

/* Subscribes this connection to warrant changes (LISTEN limf_warrants). Outside a
 * transaction it takes effect at once; LIM_E_DB when the connection is broken. */
enum lim_err wr_db_listen(struct wr_db *db) LIM_WUR;
/* The connection's socket, to poll() for readability (-1 when closed, and for NULL). Owned by
 * db: never read from or close it. */
int wr_db_fd(const struct wr_db *db);
/* Consumes pending notifications without blocking (PQconsumeInput + PQnotifies); *changed =
 * number of warrant-change notifications received (0 = none; notifications on other channels
 * are discarded). LIM_E_DB with *changed 0 when the connection broke (the caller reconnects:
 * wr_db_close, wr_db_open, wr_db_listen, then re-reads; until then it falls back to periodic
 * re-reads). */
enum lim_err wr_db_changes(struct wr_db *db, size_t *changed) LIM_WUR;

/* ---- warrant changes (operator role); each is one transaction with its audit row ------------ */

/* Inserts w (checked first; status forced to active; by/at fields ignored) with its targets
 * and XIDs. Audit action "warrant.add" (detail lists the XIDs too). Duplicate LIID, or an XID
 * that another warrant holds, is LIM_E_ARG. */
enum lim_err wr_warrant_add(struct wr_db *db, const struct wr_warrant *w) LIM_WUR;

/* The reads on db until wr_snapshot_end see the database as of one moment (a read-only
 * REPEATABLE READ transaction): a warrant and its suspension periods, read in two calls, agree
 * with each other however the warrant changes meanwhile (`limf warrant show`). For reads
 * only (READ ONLY: a write fails). LIM_E_STATE in a transaction already. */
enum lim_err wr_snapshot_begin(struct wr_db *db) LIM_WUR;
/* Ends wr_snapshot_begin's transaction (nothing to keep: rolled back); the message stays. */
void wr_snapshot_end(struct wr_db *db);

/* Reads one warrant with its targets and XIDs, from one snapshot (in a transaction already:
 * from that one). Unknown LIID is LIM_E_ARG. */
enum lim_err wr_warrant_get(struct wr_db *db, const char *liid, struct wr_warrant *out) LIM_WUR;

/* Changes to a warrant: NULL / false fields are left as they are. Targets in add_targets are
 * added, those in del_targets (matched by normalised form) removed; at least one must remain. */
struct wr_change {
	const char *authority, *authority_ref, *country, *delivery;
	bool set_from, set_to, set_scope;
	int64_t valid_from, valid_to;
	enum wr_scope scope;
	const char *const *add_targets;
	size_t n_add;
	const char *const *del_targets;
	size_t n_del;
	const char *const *add_xids; /* schema version 3 */
	size_t n_add_xids;
	const char *const *del_xids;
	size_t n_del_xids;
};
/* Applies ch to the warrant liid (locked FOR UPDATE, checked as a whole). A revoked warrant
 * cannot be modified. XIDs in add_xids are added (held by another warrant: LIM_E_ARG), those in
 * del_xids removed (not on the warrant: LIM_E_ARG); a warrant may have none. Audit action
 * "warrant.modify" with the changed fields in detail ("xids=..." when they changed). */
enum lim_err wr_warrant_modify(struct wr_db *db, const char *liid,
			       const struct wr_change *ch) LIM_WUR;

/* Status changes: suspend (active -> suspended), resume (suspended -> active), revoke (active
 * or suspended -> revoked; final; reason required). Others are LIM_E_ARG. reason may be NULL
 * except for revoke. Audit actions "warrant.suspend", "warrant.resume", "warrant.revoke". */
enum lim_err wr_warrant_set_status(struct wr_db *db, const char *liid, enum wr_status to,
				   const char *reason) LIM_WUR;

/* Calls fn for each period the warrant liid was suspended (schema version 8), oldest first:
 * [from, to), to WR_TIME_INFINITY while it lasts. Such a period is out of the warrant's force
 * for a decision at any time in it, also after the resume (wr_decide). fn returning non-zero
 * stops. Unknown LIID is LIM_E_ARG; a schema older than 8 is LIM_E_STATE, saying to migrate. */
enum lim_err wr_warrant_suspensions(struct wr_db *db, const char *liid,
				    int (*fn)(void *ctx, int64_t from, int64_t to),
				    void *ctx) LIM_WUR;

/* Calls fn for each warrant ordered by LIID: all of them when all, else those neither revoked
 * nor expired (valid_to > now), each as wr_warrant_get reads it. w is borrowed for the call.
 * fn returning non-zero stops. */
enum lim_err wr_warrant_list(struct wr_db *db, bool all,
			     int (*fn)(void *ctx, const struct wr_warrant *w), void *ctx) LIM_WUR;

/* ---- the decision (service role) ----------------------------------------------------------- */

/* Computes the TS 33.180 UID of a target's user URI (urilen bytes, NUL-terminated too) in the
 * caller's context (KMS URI, key period, offset and period number of the call's I_MESSAGE):
 * limf/ builds it on decrypt/'s mikey_uid. Returns LIM_OK and fills uid, or an error (the
 * target is then skipped for this party). */
typedef enum lim_err (*wr_uid_fn)(void *ctx, const char *uri, size_t urilen,
				  uint8_t uid[WR_UID_LEN]);

/* One party of a call: its URI as carried (NUL-terminated, any wrapper wr_target_normalise
 * accepts), or its UID with the function computing a target's UID in this party's context,
 * or both. All pointers borrowed. */
struct wr_party {
	const char *uri;    /* or NULL */
	const uint8_t *uid; /* WR_UID_LEN octets, or NULL */
	wr_uid_fn uid_fn;   /* required when uid != NULL */
	void *uid_ctx;
};

struct wr_match {
	char liid[WR_LIID_MAX + 1];
	enum wr_scope scope;
	char delivery[WR_DELIVERY_MAX + 1];
	/* the stretch of the warrant in force at t (or, from wr_decide_upcoming, the next one):
	 * valid_from..valid_to cut by its suspension periods (schema v8): its end is the next
	 * suspension's start when one comes first, its start the end of the last one before */
	int64_t valid_to;   /* the end (wr time, WR_TIME_INFINITY when open-ended), read in the
			   * same statement */
	int64_t valid_from; /* its start (wr time): after t only from wr_decide_upcoming */
	/* bit i: parties[i] is a target of this warrant: which side of a call a warrant
	 * targets, without asking again */
	uint64_t parties;
};

#define WR_PARTIES_MAX 64 /* parties of one wr_decide (the bits of wr_match.parties) */

/* The gate (DESIGN.md s5.1): the warrants in force at t (active, valid_from <= t < valid_to,
 * in none of its suspension periods) with a target equal to a party. A URI party matches a
 * target with the same normalised form; a UID party matches when uid_fn(target) equals its
 * UID, computed on the target's normalised URI and, when different, on the URI as entered
 * (the KMS keys whichever form was provisioned). Each LIID appears once, ordered by LIID, in
 * out[0..cap); *n gets the count (0 = not a target: nothing may be decrypted). More than cap
 * matches is LIM_E_LIMIT. A party whose URI does not parse matches nothing. Any error means
 * "no decision": callers must treat it as no warrant; more than WR_PARTIES_MAX parties is
 * LIM_E_ARG. One statement (prepared once per connection) whatever the parties: the service
 * asks it for every call. */
enum lim_err wr_decide(struct wr_db *db, const struct wr_party *parties, size_t n_parties,
		       int64_t t_us, struct wr_match *out, size_t cap, size_t *n) LIM_WUR;

#define WR_DECIDE_ALL_MAX 4096 /* matches of one wr_decide_all (its allocation's cap) */

/* wr_decide without a caller's cap: every match, in *out (malloc'd, the caller frees it; NULL
 * when *n is 0), ordered by LIID. A caller that can serve only some keeps a prefix of the list,
 * so which warrants it keeps does not depend on the order of the rows, and knows how many it
 * left out. More than WR_DECIDE_ALL_MAX is LIM_E_LIMIT; errors as wr_decide (*out NULL). */
enum lim_err wr_decide_all(struct wr_db *db, const struct wr_party *parties, size_t n_parties,
			   int64_t t_us, struct wr_match **out, size_t *n) LIM_WUR;

/* wr_decide_all, with also the warrants not yet in force at t_us that will be (active,
 * t < valid_from, so t < valid_to): every match whose valid_to is after t_us, each with its
 * valid_from. What a call in progress at t_us may become a target's during the call (limf
 * pipeline: a warrant that comes into force during a call). The same one statement as
 * wr_decide_all. */
enum lim_err wr_decide_upcoming(struct wr_db *db, const struct wr_party *parties, size_t n_parties,
				int64_t t_us, struct wr_match **out, size_t *n) LIM_WUR;

#define WR_MARK_LEN 96 /* a wr_warrants_mark, NUL included */

/* A mark of the warrants as they stand: a digest of every warrant's state (status,
 * validity, scope, modified_at) and of every target, so it changes with every warrant added
 * and every change to one or to its targets, whatever order concurrent transactions commit
 * in; a live service tells from it, with one statement a second (linear in the number of
 * warrants), that its calls in progress must go to the gate again (a warrant may have come
 * into force for one of them). Text, NUL-terminated, into out (WR_MARK_LEN). Service
 * role. */
enum lim_err wr_warrants_mark(struct wr_db *db, char out[WR_MARK_LEN]) LIM_WUR;

/* Which of the warrants liids[0..n) give content at t_us: content[i] true when LIID i is in
 * force then (as wr_decide reads it: active, valid_from <= t < valid_to, in no suspension) with
 * scope iri+cc; false for one that is not, or is unknown. For the KMS client's cached keys,
 * which expire with the warrants that justify them (DESIGN.md s5, invariant 3): a warrant
 * revoked, suspended, cut short or narrowed to iri after its calls ended no longer holds them.
 * ends (NULL: not wanted) gets each one in force its stretch's end (valid_to, or a suspension
 * to come), for keys kept until then: a warrant cut short to a later time. Any error: content
 * and ends untouched. Service role. */
enum lim_err wr_liids_content(struct wr_db *db, char (*liids)[WR_LIID_MAX + 1], size_t n,
			      int64_t t_us, bool *content, int64_t *ends) LIM_WUR;

/* The gate for X2/X3 input (schema version 3): the warrant owning xid (any case; malformed
 * LIM_E_ARG) when it is in force at t_us (active, valid_from <= t < valid_to). *n gets 1 with
 * out filled, or 0 (unknown XID, or its warrant not in force: nothing may be delivered). Any
 * error means "no decision" and *n is 0. Service role (SELECT on warrants and warrant_xids). */
enum lim_err wr_xid_decide(struct wr_db *db, const char *xid, int64_t t_us, struct wr_match *out,
			   size_t *n) LIM_WUR;

/* Every XID a warrant has (limf.warrant_xids, revoked warrants' too: a superset of those
 * wr_xid_decide may find in force), as 16 octets each, sorted by memcmp, in *out (malloc'd, the
 * caller frees it; NULL when *n is 0). An X2/X3 input asks the database per XID only for
 * these: a POI's random XIDs cost no query. More than WR_XIDS_KNOWN_MAX is LIM_E_LIMIT;
 * errors leave *out NULL and *n 0. Service role. */
#define WR_XIDS_KNOWN_MAX 1000000
enum lim_err wr_xids_known(struct wr_db *db, uint8_t (**out)[16], size_t *n) LIM_WUR;
/* The order of that list (memcmp of 16 octets), for qsort and bsearch over it. */
int wr_xid_cmp(const void *a, const void *b);
/* A mark of that list (count and hashes of the XIDs: one row, computed by the server) into out:
 * unchanged while the list is, so that it is read again only when it changed. */
enum lim_err wr_xids_mark(struct wr_db *db, char out[WR_MARK_LEN]) LIM_WUR;

/* ---- scale-out: CINs and instance health (schema version 3, service role) ------------------ */

/* Communication identity numbers (ETSI TS 102 232-1 CIN, 32 bits) for every `limf capture`
 * instance sharing the database come from one counter row, limf.cin_counter, advanced by the
 * SECURITY DEFINER function limf.cin_reserve(n) in a single UPDATE (row lock: concurrent
 * callers, whichever connection or machine, serialise on it and get disjoint blocks). The
 * service role may only EXECUTE that function: it cannot read, set back or reset the counter.
 * CINs run 1..4294967295 (0 is never handed out); a block that would pass 4294967295 starts
 * again at 1 (the wrap: counted in limf.cin_counter.wraps and audited as "cin.wrap"): a CIN
 * is then reused after 2^32-1 calls of all LIIDs together, which the LEMF tells apart by
 * their LIID and time stamps. Sequence numbers are per (LIID, CIN) and counted by the one
 * instance that owns the call, so disjoint CINs are enough for them never to collide either.
 * Reserves n (1..65536, else LIM_E_ARG) consecutive CINs; *first gets the first. Runs alone
 * (not inside a transaction open on db, LIM_E_STATE), so that a reservation is committed, and
 * never handed out again, before it is used. */
#define WR_CIN_BLOCK_MAX 65536u
enum lim_err wr_cin_reserve(struct wr_db *db, uint32_t n, uint32_t *first) LIM_WUR;

/* One instance's health row (limf.instances). Reported by the instance (service role,
 * through the SECURITY DEFINER function limf.instance_report: the row's seen_at and
 * started_at come from the database server's clock, so staleness does not depend on the
 * instances' clocks); read back by wr_instance_list (operator role). */
struct wr_instance {
	char name[WR_INSTANCE_MAX + 1]; /* 1..64 of [A-Za-z0-9._:@-] */
	char host[WR_INSTANCE_MAX + 1]; /* informational */
	int64_t pid;
	bool running;        /* false: stopped cleanly (its last report) */
	int64_t interval_ms; /* how often it reports: 100..3600000 */
	uint64_t uptime_ms, frames, bytes, drops, calls, intercepted, kms_ok, kms_failed;
	uint64_t links_up, links, spool_pending;
	bool alarm;
	const char *status_json; /* the instance's `limf status --json` object, or NULL; borrowed */
	/* filled by wr_instance_list only */
	int64_t started_at, seen_at; /* wr time, server clock */
	int64_t age_ms;              /* now() - seen_at on the server (INT64_MAX: -infinity) */
	bool stale;                  /* running and not seen for more than 3 intervals */
};

/* Upserts in's row (seen_at = the server's now(); started_at = now() - uptime). LIM_E_ARG for
 * a malformed name or interval. */
enum lim_err wr_instance_report(struct wr_db *db, const struct wr_instance *in) LIM_WUR;

/* Calls fn for each instance ordered by name (in borrowed for the call, status_json
 * included). fn returning non-zero stops. */
enum lim_err wr_instance_list(struct wr_db *db, int (*fn)(void *ctx, const struct wr_instance *in),
			      void *ctx) LIM_WUR;

/* ---- audit --------------------------------------------------------------------------------- */

/* Audit chain. Row i (ids 1, 2, ... without gaps, assigned under a lock held to the end of the
 * transaction (schema version 10: a row of limf.audit_lock no other role can lock) by the
 * BEFORE INSERT trigger, which also sets at = clock_timestamp(), db_role =
 * session_user, prev_hash = hash of row i-1 (32 zero octets for row 1) and hash):
 *   hash = SHA-256( "limf-audit-v1" 0x00 || prev_hash (32 octets)
 *                   || ns(id) || ns(at_us) || ns(os_user) || ns(db_role) || ns(liid)
 *                   || ns(action) || ns(detail) )
 *   ns(s) = decimal octet length of s || ":" || s (UTF-8) || ","     (a netstring)
 *   id and at_us (microseconds since the Unix epoch, UTC) as decimal integers, '-' for < 0.
 * The trigger (SQL, sha256()) and wr_audit_verify (C, OpenSSL) compute it independently. */
struct wr_audit_row {
	int64_t id, at_us;
	char os_user[WR_USER_MAX + 1], db_role[WR_USER_MAX + 1];
	char liid[WR_LIID_MAX + 1];
	char action[64];
	char detail[WR_DETAIL_MAX + 1];
	uint8_t prev_hash[WR_HASH_LEN], hash[WR_HASH_LEN];
};

/* The canonical hash of r (from its fields and prev_hash; r->hash is not read). */
void wr_audit_hash(const struct wr_audit_row *r, uint8_t out[WR_HASH_LEN]);

/* Audit text: the detail is stored as wr_audit_text makes it, whatever the caller passes.
 * Details quote what was captured (a SIP Call-ID, a URI from a MIKEY message: any octets the
 * network sent) and PostgreSQL refuses text that is not valid UTF-8, which would fail the
 * row and with it, fail-closed, the interception it records. So in copies (len octets of in) to
 * out (cap >= 5 bytes, NUL-terminated) as printable text:
 *  - printable ASCII (0x20..0x7E) other than the backslash, and well-formed UTF-8 sequences
 *    of code points U+00A0 and above (RFC 3629: no overlong forms, no surrogates, nothing
 *    above U+10FFFF), are copied;
 *  - the backslash becomes the two characters \\ (so the text stays unambiguous);
 *  - every other octet (controls, DEL, the octets of a C1 control, of a malformed or cut
 *    sequence, NUL included) becomes \xHH (upper-case hex), one per octet;
 *  - when the result does not fit in cap - 1 octets it is cut at a character boundary and
 *    ends with the four characters \... (a backslash followed by '.', which escaping never
 *    produces, so a cut is told apart from text that ends in dots).
 * Returns false when the text was cut, true otherwise. */
#define WR_AUDIT_CUT "\\..."
bool wr_audit_text(const char *in, size_t len, char *out, size_t cap);

/* Appends one row (operator or service role). liid may be "" (no warrant), detail may be
 * NULL; the detail is stored as wr_audit_text makes it (cut to WR_DETAIL_MAX octets, marked
 * as such). Runs inside the caller's transaction when one is open on db, else alone. */
enum lim_err wr_audit_append(struct wr_db *db, const char *liid, const char *action,
			     const char *detail) LIM_WUR;

/* Calls fn for each row in id order, only those of liid when liid != NULL. */
enum lim_err wr_audit_list(struct wr_db *db, const char *liid,
			   int (*fn)(void *ctx, const struct wr_audit_row *r), void *ctx) LIM_WUR;

struct wr_audit_verdict {
	int64_t rows;              /* rows checked */
	int64_t bad_id;            /* first broken row (its id as stored), 0 when intact */
	int64_t bad_pos;           /* its 1-based position in id order */
	bool anchor_failed;        /* the chain is intact but does not hold the anchor */
	char reason[160];          /* why it is broken, or why the anchor fails */
	uint8_t head[WR_HASH_LEN]; /* hash of the last row (record it to detect tail deletion) */
};
/* Recomputes the whole chain in id order (streamed, constant memory). LIM_OK with bad_id 0
 * when intact; LIM_E_AUTH with bad_id/bad_pos/reason at the first row whose id is not its
 * position, whose prev_hash is not the previous row's hash, or whose hash does not match its
 * contents. The chain alone proves nothing about what is gone from its end, nor about a chain
 * rewritten by whoever can disable the triggers and recompute the hashes (the table's owner,
 * limf_admin, can, as can a superuser): only a head recorded outside the database can
 * (wr_audit_verify_anchor, docs/audit-anchor.md). */
enum lim_err wr_audit_verify(struct wr_db *db, struct wr_audit_verdict *v) LIM_WUR;

/* The newest row's id (the chain's row count when intact) and hash: what an operator records
 * outside the database to anchor the chain. 0 and 32 zero octets for an empty chain (the
 * zero hash is row 1's prev_hash). Reads one row: it checks nothing (wr_audit_verify does).
 * Through limf.audit_head() (schema version 6), so the service role can too (limf replay
 * anchors it in the manifest); on an older schema, the table directly (operator role). */
enum lim_err wr_audit_head(struct wr_db *db, int64_t *rows, uint8_t head[WR_HASH_LEN]) LIM_WUR;

/* A head recorded earlier (wr_audit_head), kept where the database roles cannot write. */
struct wr_audit_anchor {
	bool have_head;
	uint8_t head[WR_HASH_LEN];
	int64_t rows; /* the row count recorded with it; 0 = not given */
};
/* wr_audit_verify, then the anchor: the chain only grows, so an intact chain that still holds
 * everything up to the anchor has at least a->rows rows, and row a->rows (any row, when
 * a->rows is 0) has the hash a->head. Otherwise LIM_E_AUTH with anchor_failed and a reason
 * saying what differs: fewer rows than recorded (rows deleted from the end), that row's hash
 * not the head (the chain rewritten), or the head in no row. A broken chain is reported as by
 * wr_audit_verify (bad_id), not as an anchor failure. The all-zero head with rows 0 (the
 * empty chain's) is held by every chain. */
enum lim_err wr_audit_verify_anchor(struct wr_db *db, const struct wr_audit_anchor *a,
				    struct wr_audit_verdict *v) LIM_WUR;

#endif
