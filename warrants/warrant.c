/* warrants/ warrant CRUD and the decision (the gate of DESIGN.md s5.1). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warrants/internal.h"

/* clang-format off */
#define W_COLS \
	"id, liid, authority, authority_ref, country, " \
	WR_SQL_US("valid_from") ", " WR_SQL_US("valid_to") ", " \
	"status, scope, delivery, reason, " \
	"created_by, " WR_SQL_US("created_at") ", " \
	"modified_by, " WR_SQL_US("modified_at")

/* The suspension periods of a warrant (schema version 8: limf.warrant_suspensions, each
 * [suspended_at, resumed_at), resumed_at NULL while it lasts): not in force during them.
 * The stretch of w's validity in force at $n, or the next one after it, as a decision reads
 * it: from the later of valid_from and the end of a suspension that began by then (F: the
 * later of t and valid_from), to the earlier of valid_to and the next suspension after F.
 * Empty (from >= to) when a suspension lasts past valid_to. A suspension ahead (replay of
 * traffic older than it) ends a call's interception where it began; the one covering t
 * makes the warrant come into force at its end (upcoming), as valid_from does; one still open
 * (resumed_at NULL: an active warrant only when its status was changed by hand, as
 * IN_FORCE_AT reads it) keeps it out of force for good. SUSP_JOIN(n)
 * gives each suspended warrant's two bounds as sp.back and sp.next: one pass over the (few)
 * suspension rows, hash-joined, not a probe per warrant (a decision with a UID party reads
 * every target in force: with 10,000 warrants, subqueries per row doubled its time). */
#define EFF_F(n) "greatest(" WR_SQL_TS(n) ", v.valid_from)"
#define SUSP_JOIN(n) \
	" LEFT JOIN (SELECT s.warrant_id," \
	" max(coalesce(s.resumed_at, timestamptz 'infinity'))" \
	" FILTER (WHERE s.suspended_at <= " EFF_F(n) ") AS back," \
	" min(s.suspended_at) FILTER (WHERE s.suspended_at > " EFF_F(n) ") AS next" \
	" FROM limf.warrant_suspensions s JOIN limf.warrants v ON v.id = s.warrant_id" \
	" GROUP BY s.warrant_id) sp ON sp.warrant_id = w.id"
#define EFF_FROM "greatest(w.valid_from, sp.back)"
#define EFF_TO "least(w.valid_to, sp.next)"
/* In force at $n (wr time), in a statement with SUSP_JOIN(n): active, t < valid_to, and its
 * stretch begun (valid_from <= t, in no suspension period: one covering t, or still open,
 * puts EFF_FROM after t); IN_FORCE at $2. */
#define IN_FORCE_AT(n) \
	"w.status = 'active' AND " WR_SQL_TS(n) " < w.valid_to AND " EFF_FROM " <= " WR_SQL_TS(n)
#define IN_FORCE IN_FORCE_AT(2)
/* clang-format on */

/* Printable text (no control characters: C0, DEL, nor C1 as UTF-8, U+0080..U+009F, which a
 * terminal may take for escapes when `limf warrant show` prints the text to another
 * operator), 1..max octets (0..max when may_be_empty). */
static bool text_ok(const char *s, size_t max, bool may_be_empty)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s);
	if (n > max || (n == 0 && !may_be_empty))
		return false;
	for (size_t i = 0; i < n; i++)
		if (u[i] < 0x20 || u[i] == 0x7f ||
		    (u[i] == 0xc2 && i + 1 < n && u[i + 1] >= 0x80 && u[i + 1] <= 0x9f))
			return false;
	return true;
}

static bool liid_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > WR_LIID_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      strchr("._:/-", c)))
			return false;
	}
	return true;
}

static bool time_finite(int64_t t)
{
	return t != WR_TIME_INFINITY && t != WR_TIME_NEG_INFINITY;
}

#define WHY_NOT_FINITE                                                                             \
	"the validity times must be finite (infinity and -infinity are refused since schema "      \
	"version 4)"

/* wr_warrant_check; kept_times: valid_from/valid_to were read from the row and are written back
 * unchanged, so an infinity a row already holds (warrants.h "Times") is not refused; false for
 * a new warrant, whose LIID also may not begin with '-': the CLI takes such a word for an
 * option, so `limf warrant revoke` could not name it (one made before stays manageable with
 * `--`: limf/opts.h). */
static enum lim_err check_fields(const struct wr_warrant *w, bool kept_times, char *msg,
				 size_t msgcap)
{
	const char *why = NULL;
	if (!liid_ok(w->liid))
		why = "LIID must be 1..25 characters of A-Z a-z 0-9 . _ : / -";
	else if (!kept_times && w->liid[0] == '-')
		why = "LIID must not begin with '-' (the command line would take it for an option)";
	else if (!text_ok(w->authority, WR_TEXT_MAX, false))
		why = "authority must be 1..200 printable characters";
	else if (!text_ok(w->authority_ref, WR_TEXT_MAX, false))
		why = "authority reference must be 1..200 printable characters";
	else if (strlen(w->country) != 2 || w->country[0] < 'A' || w->country[0] > 'Z' ||
		 w->country[1] < 'A' || w->country[1] > 'Z')
		why = "country must be an ISO 3166-1 alpha-2 code (two capital letters)";
	else if (!kept_times && (!time_finite(w->valid_from) || !time_finite(w->valid_to)))
		why = WHY_NOT_FINITE;
	else if (w->valid_to <= w->valid_from)
		why = "the end of validity must be after its start";
	else if (w->scope != WR_SCOPE_IRI && w->scope != WR_SCOPE_IRI_CC)
		why = "scope must be iri or iri+cc";
	else if (!text_ok(w->delivery, WR_DELIVERY_MAX, false))
		why = "delivery destination must be 1..512 printable characters";
	else if (!text_ok(w->reason, WR_TEXT_MAX, true))
		why = "reason must be at most 200 printable characters";
	else if (w->n_targets < 1)
		why = "a warrant needs at least one target";
	else if (w->n_targets > WR_MAX_TARGETS)
		why = "too many targets";
	else if (w->n_xids > WR_MAX_XIDS)
		why = "too many XIDs";
	for (size_t i = 0; !why && i < w->n_xids; i++) {
		char x[WR_XID_STRLEN];
		if (!wr_xid_parse(w->xids[i], x) || strcmp(x, w->xids[i]) != 0)
			why = "an XID must be a UUID (8-4-4-4-12 hexadecimal digits)";
		else if (i > 0 && strcmp(w->xids[i - 1], w->xids[i]) >= 0)
			why = "XIDs must be sorted and unique";
	}
	if (why) {
		snprintf(msg, msgcap, "%s", why);
		return LIM_E_ARG;
	}
	return LIM_OK;
}

/* see warrants.h */
enum lim_err wr_warrant_check(const struct wr_warrant *w, char *msg, size_t msgcap)
{
	return check_fields(w, false, msg, msgcap);
}

/* see warrants.h */
enum lim_err wr_warrant_add_target(struct wr_warrant *w, const char *uri)
{
	struct wr_target t;
	enum lim_err rc;
	memset(&t, 0, sizeof t);
	if (strlen(uri) > WR_URI_MAX)
		return LIM_E_LIMIT;
	/* kept as entered and shown to operators (`warrant show`): printable, as the other
	 * texts (normalising ignores a display name, and tel: parameters it does not know) */
	if (!text_ok(uri, WR_URI_MAX, false))
		return LIM_E_UNSUPP;
	rc = wr_target_normalise(uri, strlen(uri), &t.kind, t.norm, sizeof t.norm);
	if (rc != LIM_OK)
		return rc;
	for (size_t i = 0; i < w->n_targets; i++)
		if (strcmp(w->targets[i].norm, t.norm) == 0)
			return LIM_E_ARG;
	if (w->n_targets >= WR_MAX_TARGETS)
		return LIM_E_LIMIT;
	memcpy(t.uri, uri, strlen(uri) + 1);
	w->targets[w->n_targets++] = t;
	return LIM_OK;
}

/* see warrants.h */
bool wr_xid_parse(const char *s, char out[WR_XID_STRLEN])
{
	static const char hex[] = "0123456789abcdef";
	size_t i;
	for (i = 0; i < WR_XID_STRLEN - 1; i++) {
		char c = s[i];
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return false;
			out[i] = '-';
			continue;
		}
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!c || !strchr(hex, c))
			return false;
		out[i] = c;
	}
	if (s[i] != '\0')
		return false;
	out[i] = '\0';
	return true;
}

/* see warrants.h */
void wr_xid_format(const uint8_t xid[16], char out[WR_XID_STRLEN])
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (size_t i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[xid[i] >> 4];
		out[o++] = hex[xid[i] & 15];
	}
	out[o] = '\0';
}

/* see warrants.h */
enum lim_err wr_warrant_add_xid(struct wr_warrant *w, const char *xid)
{
	char x[WR_XID_STRLEN];
	size_t i;
	if (!wr_xid_parse(xid, x))
		return LIM_E_PARSE;
	for (i = 0; i < w->n_xids; i++) {
		int c = strcmp(w->xids[i], x);
		if (c == 0)
			return LIM_E_ARG;
		if (c > 0)
			break;
	}
	if (w->n_xids >= WR_MAX_XIDS)
		return LIM_E_LIMIT;
	memmove(&w->xids[i + 1], &w->xids[i], (w->n_xids - i) * sizeof w->xids[0]);
	memcpy(w->xids[i], x, sizeof x);
	w->n_xids++;
	return LIM_OK;
}

/* Appends "key=value; " to a detail buffer (WR_DETAIL_MAX + 1 holds every field of a warrant
 * at their limits). Should it not fit, it is cut at a UTF-8 boundary and ends with
 * WR_AUDIT_CUT, as wr_audit_text marks a cut: a record that lost its tail says so. */
static void detail_add(char *d, size_t cap, const char *key, const char *val)
{
	size_t n = strlen(d), mark = sizeof WR_AUDIT_CUT - 1;
	int k;
	if (n >= mark && strcmp(d + n - mark, WR_AUDIT_CUT) == 0)
		return; /* already cut */
	k = snprintf(d + n, cap - n, "%s%s=%s", n ? "; " : "", key, val);
	if (k < 0 || (size_t)k >= cap - n) {
		size_t e = cap - 1 - mark;
		while (e > 0 && ((unsigned char)d[e] & 0xc0) == 0x80)
			e--; /* d[e] starts a character (or is the end): cut before it */
		memcpy(d + e, WR_AUDIT_CUT, mark + 1);
	}
}

static void detail_time(char *d, size_t cap, const char *key, int64_t t)
{
	char ts[WR_TIME_STRLEN];
	wr_time_format(t, ts);
	detail_add(d, cap, key, ts);
}

static void detail_targets(char *d, size_t cap, const struct wr_warrant *w)
{
	char list[WR_DETAIL_MAX + 1] = "";
	for (size_t i = 0; i < w->n_targets; i++) {
		size_t n = strlen(list);
		snprintf(list + n, sizeof list - n, "%s%s", i ? "," : "", w->targets[i].norm);
	}
	detail_add(d, cap, "targets", list);
}

static void detail_xids(char *d, size_t cap, const struct wr_warrant *w)
{
	char list[WR_MAX_XIDS * WR_XID_STRLEN + 1] = "";
	for (size_t i = 0; i < w->n_xids; i++) {
		size_t n = strlen(list);
		snprintf(list + n, sizeof list - n, "%s%s", i ? "," : "", w->xids[i]);
	}
	detail_add(d, cap, "xids", list);
}

/* Replaces the XIDs of warrant id by w's. An XID held by another warrant is LIM_E_ARG. */
static enum lim_err write_xids(struct wr_db *db, const char *id, const struct wr_warrant *w)
{
	enum lim_err rc =
		wr_exec(db, "DELETE FROM limf.warrant_xids WHERE warrant_id = $1", 1, &id, NULL);
	for (size_t i = 0; rc == LIM_OK && i < w->n_xids; i++) {
		const char *p[] = { w->xids[i], id };
		rc = wr_exec(db, "INSERT INTO limf.warrant_xids (xid, warrant_id) VALUES ($1, $2)",
			     2, p, NULL);
		if (rc != LIM_OK && strcmp(db->sqlstate, "23505") == 0)
			rc = wr_fail(db, LIM_E_ARG,
				     "XID %s belongs to another warrant, or was taken off one (an "
				     "XID is never given to another warrant)",
				     w->xids[i]);
	}
	return rc;
}

static enum lim_err write_targets(struct wr_db *db, const char *id, const struct wr_warrant *w)
{
	enum lim_err rc =
		wr_exec(db, "DELETE FROM limf.targets WHERE warrant_id = $1", 1, &id, NULL);
	for (size_t i = 0; rc == LIM_OK && i < w->n_targets; i++) {
		const struct wr_target *t = &w->targets[i];
		const char *p[] = { id, wr_kind_name(t->kind), t->uri, t->norm };
		rc = wr_exec(db,
			     "INSERT INTO limf.targets (warrant_id, kind, uri, norm)"
			     " VALUES ($1, $2, $3, $4)",
			     4, p, NULL);
	}
	return rc;
}

/* see warrants.h */
enum lim_err wr_warrant_add(struct wr_db *db, const struct wr_warrant *w)
{
	char from[24], to[24], id[24] = "", msg[160];
	char *detail = calloc(1, WR_DETAIL_MAX + 1);
	PGresult *r = NULL;
	enum lim_err rc;

	if (!detail)
		return LIM_E_NOMEM;
	if ((rc = wr_warrant_check(w, msg, sizeof msg)) != LIM_OK) {
		rc = wr_fail(db, rc, "%s", msg);
		goto out;
	}
	wr_i64_str(w->valid_from, from);
	wr_i64_str(w->valid_to, to);
	if ((rc = wr_begin(db)) != LIM_OK)
		goto out;
	{
		const char *p[] = { w->liid,  w->authority, w->authority_ref,        w->country,
				    from,     to,           wr_scope_name(w->scope), w->delivery,
				    db->actor };
		rc = wr_exec(db,
			     "INSERT INTO limf.warrants (liid, authority, authority_ref, country,"
			     " valid_from, valid_to, status, scope, delivery, created_by,"
			     " modified_by) VALUES ($1, $2, $3, $4, " WR_SQL_TS(5) ", " WR_SQL_TS(
				     6) ", 'active', $7, $8, $9 || '/' || session_user,"
					" $9 || '/' || session_user) RETURNING id",
			     9, p, &r);
	}
	if (rc != LIM_OK) {
		if (strcmp(db->sqlstate, "23505") == 0)
			rc = wr_fail(db, LIM_E_ARG, "duplicate LIID %s: a warrant with it exists",
				     w->liid);
		goto out;
	}
	wr_get_text(r, 0, 0, id, sizeof id);
	if ((rc = write_targets(db, id, w)) != LIM_OK)
		goto out;
	/* (a warrant without XIDs touches no table of schema version 3) */
	if (w->n_xids && (rc = write_xids(db, id, w)) != LIM_OK)
		goto out;
	detail_add(detail, WR_DETAIL_MAX + 1, "authority", w->authority);
	detail_add(detail, WR_DETAIL_MAX + 1, "ref", w->authority_ref);
	detail_add(detail, WR_DETAIL_MAX + 1, "country", w->country);
	detail_time(detail, WR_DETAIL_MAX + 1, "from", w->valid_from);
	detail_time(detail, WR_DETAIL_MAX + 1, "to", w->valid_to);
	detail_add(detail, WR_DETAIL_MAX + 1, "scope", wr_scope_name(w->scope));
	detail_add(detail, WR_DETAIL_MAX + 1, "delivery", w->delivery);
	detail_targets(detail, WR_DETAIL_MAX + 1, w);
	if (w->n_xids)
		detail_xids(detail, WR_DETAIL_MAX + 1, w);
	if ((rc = wr_audit_append(db, w->liid, "warrant.add", detail)) != LIM_OK)
		goto out;
	rc = wr_commit(db);
out:
	PQclear(r);
	if (rc != LIM_OK)
		wr_rollback(db);
	free(detail);
	return rc;
}

static bool status_parse(const char *s, enum wr_status *st)
{
	if (strcmp(s, "active") == 0)
		*st = WR_ACTIVE;
	else if (strcmp(s, "suspended") == 0)
		*st = WR_SUSPENDED;
	else if (strcmp(s, "revoked") == 0)
		*st = WR_REVOKED;
	else
		return false;
	return true;
}

/* Reads the warrant liid (FOR UPDATE when lock) and its targets; *id gets its row id. */
static enum lim_err load(struct wr_db *db, const char *liid, bool lock, struct wr_warrant *w,
			 char id[24])
{
	PGresult *r = NULL;
	enum lim_err rc;
	char st[16], sc[16], kind[16], key[WR_LIID_MAX + 1];
	if (strlen(liid) > WR_LIID_MAX) {
		memset(w, 0, sizeof *w);
		return wr_fail(db, LIM_E_ARG, "unknown LIID (longer than %d characters)",
			       WR_LIID_MAX);
	}
	snprintf(key, sizeof key, "%s", liid); /* liid may point into w */
	liid = key;
	memset(w, 0, sizeof *w);
	rc = wr_exec(db,
		     lock ? "SELECT " W_COLS " FROM limf.warrants WHERE liid = $1 FOR UPDATE"
			  : "SELECT " W_COLS " FROM limf.warrants WHERE liid = $1",
		     1, &liid, &r);
	if (rc != LIM_OK)
		return rc;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return wr_fail(db, LIM_E_ARG, "unknown LIID %s", liid);
	}
	wr_get_text(r, 0, 0, id, 24);
	wr_get_text(r, 0, 1, w->liid, sizeof w->liid);
	wr_get_text(r, 0, 2, w->authority, sizeof w->authority);
	wr_get_text(r, 0, 3, w->authority_ref, sizeof w->authority_ref);
	wr_get_text(r, 0, 4, w->country, sizeof w->country);
	bool ok = wr_get_i64(r, 0, 5, &w->valid_from) && wr_get_i64(r, 0, 6, &w->valid_to);
	wr_get_text(r, 0, 7, st, sizeof st);
	wr_get_text(r, 0, 8, sc, sizeof sc);
	wr_get_text(r, 0, 9, w->delivery, sizeof w->delivery);
	wr_get_text(r, 0, 10, w->reason, sizeof w->reason);
	wr_get_text(r, 0, 11, w->created_by, sizeof w->created_by);
	ok = ok && wr_get_i64(r, 0, 12, &w->created_at);
	wr_get_text(r, 0, 13, w->modified_by, sizeof w->modified_by);
	ok = ok && wr_get_i64(r, 0, 14, &w->modified_at);
	ok = ok && status_parse(st, &w->status) && wr_scope_parse(sc, &w->scope);
	PQclear(r);
	r = NULL;
	if (!ok)
		return wr_fail(db, LIM_E_DB, "warrant %s: malformed row", liid);
	const char *idp = id;
	rc = wr_exec(db,
		     "SELECT kind, uri, norm FROM limf.targets WHERE warrant_id = $1"
		     " ORDER BY norm",
		     1, &idp, &r);
	if (rc != LIM_OK)
		return rc;
	int nt = PQntuples(r);
	if (nt > WR_MAX_TARGETS) {
		PQclear(r);
		return wr_fail(db, LIM_E_LIMIT, "warrant %s: too many targets", liid);
	}
	for (int i = 0; i < nt; i++) {
		struct wr_target *t = &w->targets[i];
		wr_get_text(r, i, 0, kind, sizeof kind);
		t->kind = strcmp(kind, "tel") == 0     ? WR_KIND_TEL
			  : strcmp(kind, "mcptt") == 0 ? WR_KIND_MCPTT
						       : WR_KIND_SIP;
		wr_get_text(r, i, 1, t->uri, sizeof t->uri);
		wr_get_text(r, i, 2, t->norm, sizeof t->norm);
	}
	w->n_targets = (size_t)nt;
	PQclear(r);
	r = NULL;
	rc = wr_exec(db,
		     "SELECT xid::text FROM limf.warrant_xids WHERE warrant_id = $1"
		     " ORDER BY xid::text",
		     1, &idp, &r);
	if (rc != LIM_OK)
		return rc;
	nt = PQntuples(r);
	if (nt > WR_MAX_XIDS) {
		PQclear(r);
		return wr_fail(db, LIM_E_LIMIT, "warrant %s: too many XIDs", liid);
	}
	for (int i = 0; i < nt; i++)
		wr_get_text(r, i, 0, w->xids[i], sizeof w->xids[i]);
	w->n_xids = (size_t)nt;
	PQclear(r);
	return LIM_OK;
}

/* see warrants.h */
enum lim_err wr_warrant_get(struct wr_db *db, const char *liid, struct wr_warrant *out)
{
	char id[24];
	bool own = !db->in_tx && !wr_in_tx(db); /* (its three statements: one snapshot) */
	enum lim_err rc = own ? wr_snapshot_begin(db) : LIM_OK;
	if (rc == LIM_OK)
		rc = load(db, liid, false, out, id);
	if (own)
		wr_snapshot_end(db);
	return rc;
}

/* Writes the mutable fields of w back (and its modified by/at). Its times are either new
 * (checked finite by the caller) or read from the row: an infinity is written back as such. */
static enum lim_err update_row(struct wr_db *db, const char *id, const struct wr_warrant *w)
{
	char from[24], to[24];
	wr_i64_str(w->valid_from, from);
	wr_i64_str(w->valid_to, to);
	const char *p[] = { id,
			    w->authority,
			    w->authority_ref,
			    w->country,
			    from,
			    to,
			    wr_status_name(w->status),
			    wr_scope_name(w->scope),
			    w->delivery,
			    w->reason,
			    db->actor };
	return wr_exec(db,
		       "UPDATE limf.warrants SET authority = $2, authority_ref = $3, country = $4,"
		       " valid_from = " WR_SQL_TS_KEEP(5) ", valid_to = " WR_SQL_TS_KEEP(
			       6) ", status = $7,"
				  " scope = $8, delivery = $9, reason = $10,"
				  " modified_by = $11 || '/' || session_user, modified_at = now()"
				  " WHERE id = $1",
		       11, p, NULL);
}

static enum lim_err copy_field(struct wr_db *db, char *dst, size_t cap, const char *src,
			       const char *name)
{
	if (strlen(src) >= cap)
		return wr_fail(db, LIM_E_ARG, "%s is too long", name);
	memcpy(dst, src, strlen(src) + 1);
	return LIM_OK;
}

/* see warrants.h */
enum lim_err wr_warrant_modify(struct wr_db *db, const char *liid, const struct wr_change *ch)
{
	struct wr_warrant *w = calloc(1, sizeof *w);
	char *detail = calloc(1, WR_DETAIL_MAX + 1);
	char id[24], msg[160];
	enum lim_err rc = LIM_E_NOMEM;
	bool targets_changed = ch->n_add || ch->n_del;
	bool xids_changed = ch->n_add_xids || ch->n_del_xids;

	if (!w || !detail)
		goto out_free;
	if ((rc = wr_begin(db)) != LIM_OK)
		goto out;
	if ((rc = load(db, liid, true, w, id)) != LIM_OK)
		goto out;
	if (w->status == WR_REVOKED) {
		rc = wr_fail(db, LIM_E_ARG, "warrant %s is revoked and cannot be modified", liid);
		goto out;
	}
	if (ch->authority) {
		if ((rc = copy_field(db, w->authority, sizeof w->authority, ch->authority,
				     "authority")) != LIM_OK)
			goto out;
		detail_add(detail, WR_DETAIL_MAX + 1, "authority", w->authority);
	}
	if (ch->authority_ref) {
		if ((rc = copy_field(db, w->authority_ref, sizeof w->authority_ref,
				     ch->authority_ref, "authority reference")) != LIM_OK)
			goto out;
		detail_add(detail, WR_DETAIL_MAX + 1, "ref", w->authority_ref);
	}
	if (ch->country) {
		if ((rc = copy_field(db, w->country, sizeof w->country, ch->country, "country")) !=
		    LIM_OK)
			goto out;
		detail_add(detail, WR_DETAIL_MAX + 1, "country", w->country);
	}
	if (ch->delivery) {
		if ((rc = copy_field(db, w->delivery, sizeof w->delivery, ch->delivery,
				     "delivery destination")) != LIM_OK)
			goto out;
		detail_add(detail, WR_DETAIL_MAX + 1, "delivery", w->delivery);
	}
	if ((ch->set_from && !time_finite(ch->valid_from)) ||
	    (ch->set_to && !time_finite(ch->valid_to))) {
		rc = wr_fail(db, LIM_E_ARG, "%s", WHY_NOT_FINITE);
		goto out;
	}
	if (ch->set_from) {
		w->valid_from = ch->valid_from;
		detail_time(detail, WR_DETAIL_MAX + 1, "from", w->valid_from);
	}
	if (ch->set_to) {
		w->valid_to = ch->valid_to;
		detail_time(detail, WR_DETAIL_MAX + 1, "to", w->valid_to);
	}
	if (ch->set_scope) {
		w->scope = ch->scope;
		detail_add(detail, WR_DETAIL_MAX + 1, "scope", wr_scope_name(w->scope));
	}
	for (size_t i = 0; i < ch->n_del; i++) {
		char norm[WR_URI_MAX + 1];
		enum wr_kind k;
		size_t j;
		const char *u = ch->del_targets[i];
		if (wr_target_normalise(u, strlen(u), &k, norm, sizeof norm) != LIM_OK) {
			rc = wr_fail(db, LIM_E_ARG, "malformed target %s", u);
			goto out;
		}
		for (j = 0; j < w->n_targets && strcmp(w->targets[j].norm, norm) != 0; j++)
			;
		if (j == w->n_targets) {
			rc = wr_fail(db, LIM_E_ARG, "%s is not a target of warrant %s", u, liid);
			goto out;
		}
		memmove(&w->targets[j], &w->targets[j + 1],
			(w->n_targets - j - 1) * sizeof w->targets[0]);
		w->n_targets--;
	}
	for (size_t i = 0; i < ch->n_add; i++) {
		rc = wr_warrant_add_target(w, ch->add_targets[i]);
		if (rc != LIM_OK) {
			rc = wr_fail(db, LIM_E_ARG,
				     rc == LIM_E_ARG     ? "target %s is already on the warrant"
				     : rc == LIM_E_LIMIT ? "target %s: too long or too many targets"
							 : "malformed target %s",
				     ch->add_targets[i]);
			goto out;
		}
	}
	for (size_t i = 0; i < ch->n_del_xids; i++) {
		char x[WR_XID_STRLEN];
		size_t j;
		if (!wr_xid_parse(ch->del_xids[i], x)) {
			rc = wr_fail(db, LIM_E_ARG, "malformed XID %s (a UUID is expected)",
				     ch->del_xids[i]);
			goto out;
		}
		for (j = 0; j < w->n_xids && strcmp(w->xids[j], x) != 0; j++)
			;
		if (j == w->n_xids) {
			rc = wr_fail(db, LIM_E_ARG, "XID %s is not on warrant %s", x, liid);
			goto out;
		}
		memmove(&w->xids[j], &w->xids[j + 1], (w->n_xids - j - 1) * sizeof w->xids[0]);
		w->n_xids--;
	}
	for (size_t i = 0; i < ch->n_add_xids; i++) {
		rc = wr_warrant_add_xid(w, ch->add_xids[i]);
		if (rc != LIM_OK) {
			rc = wr_fail(db, LIM_E_ARG,
				     rc == LIM_E_ARG     ? "XID %s is already on the warrant"
				     : rc == LIM_E_LIMIT ? "XID %s: too many XIDs (at most 16)"
							 : "malformed XID %s (a UUID is expected)",
				     ch->add_xids[i]);
			goto out;
		}
	}
	if (targets_changed)
		detail_targets(detail, WR_DETAIL_MAX + 1, w);
	if (xids_changed)
		detail_xids(detail, WR_DETAIL_MAX + 1, w);
	if (detail[0] == '\0') {
		rc = wr_fail(db, LIM_E_ARG, "nothing to change");
		goto out;
	}
	if ((rc = check_fields(w, true, msg, sizeof msg)) != LIM_OK) {
		rc = wr_fail(db, rc, "%s", msg);
		goto out;
	}
	if ((rc = update_row(db, id, w)) != LIM_OK)
		goto out;
	if (targets_changed && (rc = write_targets(db, id, w)) != LIM_OK)
		goto out;
	if (xids_changed && (rc = write_xids(db, id, w)) != LIM_OK)
		goto out;
	if ((rc = wr_audit_append(db, liid, "warrant.modify", detail)) != LIM_OK)
		goto out;
	rc = wr_commit(db);
out:
	if (rc != LIM_OK)
		wr_rollback(db);
out_free:
	free(w);
	free(detail);
	return rc;
}

/* see warrants.h */
enum lim_err wr_warrant_set_status(struct wr_db *db, const char *liid, enum wr_status to,
				   const char *reason)
{
	struct wr_warrant *w = calloc(1, sizeof *w);
	char id[24], detail[WR_TEXT_MAX + 64];
	const char *action;
	enum lim_err rc = LIM_E_NOMEM;

	if (!w)
		return rc;
	if (!reason)
		reason = "";
	if (!text_ok(reason, WR_TEXT_MAX, to != WR_REVOKED)) {
		rc = wr_fail(db, LIM_E_ARG,
			     to == WR_REVOKED
				     ? "revoking needs a reason (1..200 printable characters)"
				     : "reason must be at most 200 printable characters");
		goto out_free;
	}
	if ((rc = wr_begin(db)) != LIM_OK)
		goto out;
	if ((rc = load(db, liid, true, w, id)) != LIM_OK)
		goto out;
	if (to == WR_SUSPENDED && w->status != WR_ACTIVE) {
		rc = wr_fail(db, LIM_E_ARG,
			     "warrant %s is %s: only an active warrant can be "
			     "suspended",
			     liid, wr_status_name(w->status));
		goto out;
	}
	if (to == WR_ACTIVE && w->status != WR_SUSPENDED) {
		rc = wr_fail(db, LIM_E_ARG,
			     "warrant %s is %s: only a suspended warrant can be "
			     "resumed",
			     liid, wr_status_name(w->status));
		goto out;
	}
	if (to == WR_REVOKED && w->status == WR_REVOKED) {
		rc = wr_fail(db, LIM_E_ARG, "warrant %s is already revoked", liid);
		goto out;
	}
	action = to == WR_ACTIVE      ? "warrant.resume"
		 : to == WR_SUSPENDED ? "warrant.suspend"
				      : "warrant.revoke";
	snprintf(detail, sizeof detail, "status=%s%s%s", wr_status_name(to),
		 reason[0] ? "; reason=" : "", reason);
	/* only what a status change changes: the rest of the row (its times included, whatever
	 * they hold) is not rewritten */
	{
		const char *p[] = { id, wr_status_name(to), reason, db->actor };
		rc = wr_exec(db,
			     "UPDATE limf.warrants SET status = $2, reason = $3,"
			     " modified_by = $4 || '/' || session_user, modified_at = now()"
			     " WHERE id = $1",
			     4, p, NULL);
	}
	if (rc != LIM_OK)
		goto out;
	if ((rc = wr_audit_append(db, liid, action, detail)) != LIM_OK)
		goto out;
	rc = wr_commit(db);
out:
	if (rc != LIM_OK)
		wr_rollback(db);
out_free:
	free(w);
	return rc;
}

/* see warrants.h */
enum lim_err wr_warrant_list(struct wr_db *db, bool all,
			     int (*fn)(void *ctx, const struct wr_warrant *w), void *ctx)
{
	PGresult *r = NULL;
	struct wr_warrant *w = calloc(1, sizeof *w);
	char liid[WR_LIID_MAX + 1];
	enum lim_err rc = LIM_E_NOMEM;
	if (!w)
		return rc;
	rc = wr_exec(db,
		     all ? "SELECT liid FROM limf.warrants ORDER BY liid"
			 : "SELECT liid FROM limf.warrants WHERE status <> 'revoked'"
			   " AND valid_to > now() ORDER BY liid",
		     0, NULL, &r);
	for (int i = 0; rc == LIM_OK && i < PQntuples(r); i++) {
		wr_get_text(r, i, 0, liid, sizeof liid);
		/* each warrant as of one moment; fn outside the transaction (an output paused for
		 * longer than the idle-in-transaction bound must not end the session) */
		rc = wr_warrant_get(db, liid, w);
		if (rc == LIM_OK && fn(ctx, w))
			break;
	}
	PQclear(r);
	free(w);
	return rc;
}

/* the warrant LIID $1 (no row: unknown) with each of its suspension periods, as wr time, an
 * open one's end infinity (one row of NULLs: none); one statement, not the whole warrant */
/* clang-format off */
#define SUSP_LIST \
	"SELECT s.id IS NOT NULL, " WR_SQL_US("s.suspended_at") ", " \
	WR_SQL_US("coalesce(s.resumed_at, 'infinity')") \
	" FROM limf.warrants w LEFT JOIN limf.warrant_suspensions s ON s.warrant_id = w.id" \
	" WHERE w.liid = $1 ORDER BY s.suspended_at, s.id"
/* clang-format on */

/* see warrants.h */
enum lim_err wr_warrant_suspensions(struct wr_db *db, const char *liid,
				    int (*fn)(void *ctx, int64_t from, int64_t to), void *ctx)
{
	PGresult *r = NULL;
	enum lim_err rc = wr_exec(db, SUSP_LIST, 1, &liid, &r);
	if (rc == LIM_E_DB && strcmp(db->sqlstate, "42P01") == 0)
		return wr_fail(db, LIM_E_STATE,
			       "the database schema predates warrant suspension periods (schema "
			       "version 8): run `limf db migrate`");
	if (rc == LIM_OK && PQntuples(r) == 0) {
		PQclear(r);
		return wr_fail(db, LIM_E_ARG, "unknown LIID %s", liid);
	}
	for (int i = 0; rc == LIM_OK && i < PQntuples(r); i++) {
		int64_t from, to;
		if (strcmp(PQgetvalue(r, i, 0), "t") != 0)
			continue; /* (a warrant never suspended) */
		if (!wr_get_i64(r, i, 1, &from) || !wr_get_i64(r, i, 2, &to))
			rc = wr_fail(db, LIM_E_DB, "warrant %s: malformed suspension row", liid);
		else if (fn(ctx, from, to))
			break;
	}
	PQclear(r);
	return rc;
}

/* Adds the match of row (liid, scope, delivery, valid_to, -, -, valid_from) for the parties in
 * mask, keeping out sorted by LIID and free of duplicates (a LIID seen again gains the
 * parties). out has room for cap; a new LIID beyond it is LIM_E_LIMIT. */
static enum lim_err add_match(const PGresult *r, int row, uint64_t mask, struct wr_match *out,
			      size_t cap, size_t *n)
{
	struct wr_match m;
	char sc[16];
	size_t i;
	memset(&m, 0, sizeof m);
	wr_get_text(r, row, 0, m.liid, sizeof m.liid);
	wr_get_text(r, row, 1, sc, sizeof sc);
	wr_get_text(r, row, 2, m.delivery, sizeof m.delivery);
	if (!wr_scope_parse(sc, &m.scope) || !wr_get_i64(r, row, 3, &m.valid_to) ||
	    !wr_get_i64(r, row, 6, &m.valid_from))
		return LIM_E_DB;
	m.parties = mask;
	for (i = 0; i < *n; i++) {
		int c = strcmp(out[i].liid, m.liid);
		if (c == 0) {
			out[i].parties |= mask;
			return LIM_OK;
		}
		if (c > 0)
			break;
	}
	if (*n >= cap)
		return LIM_E_LIMIT;
	memmove(&out[i + 1], &out[i], (*n - i) * sizeof out[0]);
	out[i] = m;
	(*n)++;
	return LIM_OK;
}

/* add_match into the growing list *all (*cap entries allocated, at most WR_DECIDE_ALL_MAX). */
static enum lim_err add_match_all(struct wr_db *db, const PGresult *r, int row, uint64_t mask,
				  struct wr_match **all, size_t *cap, size_t *n)
{
	enum lim_err rc = add_match(r, row, mask, *all, *cap, n);
	if (rc == LIM_E_LIMIT && *cap < WR_DECIDE_ALL_MAX) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct wr_match *g;
		if (nc > WR_DECIDE_ALL_MAX)
			nc = WR_DECIDE_ALL_MAX;
		g = realloc(*all, nc * sizeof *g);
		if (!g)
			return wr_fail(db, LIM_E_NOMEM, "out of memory");
		*all = g;
		*cap = nc;
		rc = add_match(r, row, mask, *all, *cap, n);
	}
	return rc;
}

/* Appends s to the PostgreSQL array literal in b (cap octets) as one quoted element. */
static bool array_add(char *b, size_t cap, size_t *len, const char *s)
{
	size_t k = *len;
	if (k + 2 > cap)
		return false;
	if (k > 1) /* b[0] is '{' */
		b[k++] = ',';
	b[k++] = '"';
	for (; *s; s++) {
		if (k + 3 > cap)
			return false;
		if (*s == '"' || *s == '\\')
			b[k++] = '\\';
		b[k++] = *s;
	}
	if (k + 1 > cap)
		return false;
	b[k++] = '"';
	*len = k;
	return true;
}

/* The parties whose UID is uid_fn(target) of the row's normalised target URI (col 4) or, when
 * different, its URI as entered (col 5). */
static uint64_t uid_hits(const PGresult *r, int row, const struct wr_party *parties,
			 size_t n_parties)
{
	const char *tn = PQgetvalue(r, row, 4), *tu = PQgetvalue(r, row, 5);
	uint64_t mask = 0;
	for (size_t i = 0; i < n_parties; i++) {
		const struct wr_party *p = &parties[i];
		uint8_t uid[WR_UID_LEN];
		if (!p->uid || !p->uid_fn)
			continue;
		if ((p->uid_fn(p->uid_ctx, tn, strlen(tn), uid) == LIM_OK &&
		     memcmp(uid, p->uid, WR_UID_LEN) == 0) ||
		    (strcmp(tn, tu) != 0 && p->uid_fn(p->uid_ctx, tu, strlen(tu), uid) == LIM_OK &&
		     memcmp(uid, p->uid, WR_UID_LEN) == 0))
			mask |= UINT64_C(1) << i;
	}
	return mask;
}

/* clang-format off */
/* A decision that failed for want of limf.warrant_suspensions (undefined_table): the database
 * was not migrated to this limf's schema. Said so: decisions fail (closed) until it is. */
static enum lim_err schema_too_old(struct wr_db *db, enum lim_err rc)
{
	char was[128];
	size_t wl;
	if (rc != LIM_E_DB || strcmp(db->sqlstate, "42P01") != 0)
		return rc;
	wl = strnlen(db->msg, sizeof was - 1);
	memcpy(was, db->msg, wl);
	was[wl] = '\0';
	return wr_fail(db, LIM_E_DB,
		       "the database schema predates warrant suspension periods (schema version "
		       "8): no decision can be made until `limf db migrate` has run (%s)",
		       was);
}

/* valid_to and valid_from as wr time for a decision at $n: the stretch in force (EFF_TO,
 * EFF_FROM); an 'infinity' written by hand (the CLI cannot) reads as WR_TIME_INFINITY
 * (WR_SQL_US) instead of failing the statement, and with it every decision with a UID party
 * (which reads every target in force) */
#define DECIDE_VALID_TO WR_SQL_US(EFF_TO)
#define DECIDE_VALID_FROM WR_SQL_US(EFF_FROM)
#define DECIDE_COLS(n) \
	"w.liid, w.scope, w.delivery, " DECIDE_VALID_TO ", t.norm, t.uri, " DECIDE_VALID_FROM \
	" FROM limf.warrants w JOIN limf.targets t ON t.warrant_id = w.id" SUSP_JOIN(n)
/* the gate for X2/X3 input: the warrant owning XID $1 in force at $2 */
#define XID_DECIDE \
	"SELECT w.liid, w.scope, w.delivery, " DECIDE_VALID_TO ", NULL, NULL, " \
	DECIDE_VALID_FROM " FROM limf.warrants w" \
	" JOIN limf.warrant_xids x ON x.warrant_id = w.id" SUSP_JOIN(2) \
	" WHERE x.xid = $1::uuid AND " IN_FORCE
/* Not ended at $n: in force, or to come (valid_from after t); wr_decide_all keeps the rows
 * with valid_from <= t (IN_FORCE_AT), wr_decide_upcoming all */
#define NOT_ENDED_AT(n) "w.status = 'active' AND " WR_SQL_TS(n) " < w.valid_to"
/* clang-format on */

/* wr_decide_all (upcoming false) and wr_decide_upcoming (true). */
static enum lim_err decide_rows(struct wr_db *db, const struct wr_party *parties, size_t n_parties,
				int64_t t_us, bool upcoming, struct wr_match **out, size_t *n)
{
	struct wr_match *all = NULL;
	size_t cap = 0;
	char t[24];
	char(*norm)[WR_URI_MAX + 1] = NULL;
	char *arr = NULL;
	size_t arr_cap, arr_len = 1;
	PGresult *r = NULL;
	enum lim_err rc = LIM_OK;
	bool any_uid = false, any_norm = false;

	*out = NULL;
	*n = 0;
	if (n_parties == 0)
		return LIM_OK;
	if (n_parties > WR_PARTIES_MAX)
		return wr_fail(db, LIM_E_ARG, "more than %d parties", WR_PARTIES_MAX);
	wr_i64_str(t_us, t);
	/* the array literal {"a","b"}: every octet may need escaping, plus quotes and comma */
	arr_cap = n_parties * (2 * WR_URI_MAX + 3) + 3;
	norm = calloc(n_parties, sizeof *norm);
	arr = malloc(arr_cap);
	if (!norm || !arr) {
		free(norm);
		free(arr);
		return wr_fail(db, LIM_E_NOMEM, "out of memory");
	}
	arr[0] = '{';
	for (size_t i = 0; i < n_parties; i++) {
		const struct wr_party *p = &parties[i];
		enum wr_kind k;
		if (p->uid)
			any_uid = true;
		if (!p->uri || wr_target_normalise(p->uri, strlen(p->uri), &k, norm[i],
						   sizeof norm[i]) != LIM_OK)
			norm[i][0] = '\0';
		else if (!array_add(arr, arr_cap, &arr_len, norm[i]))
			rc = wr_fail(db, LIM_E_ARG, "party URIs too long for the query");
		else
			any_norm = true;
	}
	arr[arr_len++] = '}';
	arr[arr_len] = '\0';
	/* (a party left out of the query would be a target missed: then no decision) */
	if (rc == LIM_OK && any_uid) {
		/* a UID is matched against every target in force, so one statement asks them all
		 * and the URI parties are matched on the same rows */
		const char *prm[] = { t };
		rc = wr_exec_stmt(db, WR_STMT_DECIDE_ALL,
				  "SELECT " DECIDE_COLS(1) " WHERE " NOT_ENDED_AT(1), 1, prm, &r);
	} else if (rc == LIM_OK && any_norm) {
		const char *prm[] = { arr, t };
		rc = wr_exec_stmt(db, WR_STMT_DECIDE_NORM,
				  "SELECT " DECIDE_COLS(
					  2) " WHERE t.norm = ANY($1::text[]) AND " NOT_ENDED_AT(2),
				  2, prm, &r);
	}
	rc = schema_too_old(db, rc);
	for (int j = 0; r && rc == LIM_OK && j < PQntuples(r); j++) {
		const char *tn = PQgetvalue(r, j, 4);
		int64_t from, to;
		if (!wr_get_i64(r, j, 6, &from) || !wr_get_i64(r, j, 3, &to)) {
			rc = LIM_E_DB;
			break;
		}
		if (!upcoming && from > t_us)
			continue; /* not in force yet */
		if (from >= to)
			continue; /* suspended until its end */
		if (to <= t_us)
			continue; /* ended: the query's own test, again here (not only in SQL) */
		uint64_t mask = any_uid ? uid_hits(r, j, parties, n_parties) : 0;
		for (size_t i = 0; i < n_parties; i++)
			if (norm[i][0] && strcmp(norm[i], tn) == 0)
				mask |= UINT64_C(1) << i;
		if (mask)
			rc = add_match_all(db, r, j, mask, &all, &cap, n);
	}
	PQclear(r);
	free(norm);
	free(arr);
	if (rc == LIM_E_LIMIT)
		wr_fail(db, rc, "more than %d warrants match", WR_DECIDE_ALL_MAX);
	else if (rc == LIM_E_DB && db->msg[0] == '\0')
		wr_fail(db, rc, "malformed warrant row");
	if (rc != LIM_OK) {
		free(all);
		*n = 0;
		return rc;
	}
	*out = all;
	return LIM_OK;
}

/* see warrants.h */
enum lim_err wr_decide_all(struct wr_db *db, const struct wr_party *parties, size_t n_parties,
			   int64_t t_us, struct wr_match **out, size_t *n)
{
	return decide_rows(db, parties, n_parties, t_us, false, out, n);
}

/* see warrants.h */
enum lim_err wr_decide_upcoming(struct wr_db *db, const struct wr_party *parties, size_t n_parties,
				int64_t t_us, struct wr_match **out, size_t *n)
{
	return decide_rows(db, parties, n_parties, t_us, true, out, n);
}

/* see warrants.h */
enum lim_err wr_liids_content(struct wr_db *db, char (*liids)[WR_LIID_MAX + 1], size_t n,
			      int64_t t_us, bool *content, int64_t *ends)
{
	/* asked 64 at a time: the array literal of 64 LIIDs, each escaped, fits */
	enum { CHUNK = 64 };
	char arr[CHUNK * (2 * WR_LIID_MAX + 3) + 3], t[24];
	bool *got = n ? calloc(n, sizeof *got) : NULL;
	int64_t *end = n ? calloc(n, sizeof *end) : NULL;
	enum lim_err rc = LIM_OK;
	if (n && (!got || !end)) {
		free(got);
		free(end);
		return wr_fail(db, LIM_E_NOMEM, "out of memory");
	}
	wr_i64_str(t_us, t);
	for (size_t at = 0; at < n && rc == LIM_OK; at += CHUNK) {
		size_t len = 1, stop = n - at < CHUNK ? n : at + CHUNK;
		PGresult *r = NULL;
		arr[0] = '{';
		for (size_t i = at; i < stop && rc == LIM_OK; i++)
			if (!array_add(arr, sizeof arr - 2, &len, liids[i]))
				rc = wr_fail(db, LIM_E_ARG, "LIID too long");
		if (rc != LIM_OK)
			break;
		arr[len++] = '}';
		arr[len] = '\0';
		const char *prm[] = { arr, t };
		/* clang-format off */
		rc = wr_exec(db,
			     "SELECT w.liid, " DECIDE_VALID_TO " FROM limf.warrants w" SUSP_JOIN(2)
			     " WHERE w.liid = ANY($1::text[]) AND w.scope = 'iri+cc' AND " IN_FORCE,
			     2, prm, &r);
		/* clang-format on */
		rc = schema_too_old(db, rc);
		for (int j = 0; r && rc == LIM_OK && j < PQntuples(r); j++) {
			const char *l = PQgetvalue(r, j, 0);
			int64_t to;
			if (!wr_get_i64(r, j, 1, &to)) {
				rc = wr_fail(db, LIM_E_DB, "malformed warrant row");
				break;
			}
			for (size_t i = at; i < stop; i++)
				if (strcmp(liids[i], l) == 0) {
					got[i] = true;
					end[i] = to;
				}
		}
		PQclear(r);
	}
	if (rc == LIM_OK)
		for (size_t i = 0; i < n; i++) {
			content[i] = got[i];
			if (ends && got[i])
				ends[i] = end[i];
		}
	free(got);
	free(end);
	return rc;
}

/* A mark's one row of one text column, r (cleared here; rc its query's result), into out; a
 * result of another shape is LIM_E_DB, naming what. */
static enum lim_err mark_row(struct wr_db *db, enum lim_err rc, PGresult *r, const char *what,
			     char out[WR_MARK_LEN])
{
	if (rc == LIM_OK && PQntuples(r) != 1)
		rc = wr_fail(db, LIM_E_DB, "malformed %s mark", what);
	if (rc == LIM_OK)
		wr_get_text(r, 0, 0, out, WR_MARK_LEN);
	PQclear(r);
	return rc;
}

/* see warrants.h */
enum lim_err wr_warrants_mark(struct wr_db *db, char out[WR_MARK_LEN])
{
	PGresult *r = NULL;
	enum lim_err rc;
	out[0] = '\0';
	rc = wr_exec_stmt(db, WR_STMT_MARK,
			  "SELECT md5(coalesce((SELECT string_agg(id || ' ' || status || ' ' ||"
			  " valid_from || ' ' || valid_to || ' ' || scope || ' ' || modified_at,"
			  " ',' ORDER BY id) FROM limf.warrants), '') || '/' ||"
			  " coalesce((SELECT string_agg(warrant_id || ' ' || norm, ','"
			  " ORDER BY warrant_id, norm) FROM limf.targets), ''))",
			  0, NULL, &r);
	return mark_row(db, rc, r, "warrant", out);
}

/* see warrants.h */
enum lim_err wr_decide(struct wr_db *db, const struct wr_party *parties, size_t n_parties,
		       int64_t t_us, struct wr_match *out, size_t cap, size_t *n)
{
	struct wr_match *all = NULL;
	size_t n_all = 0;
	enum lim_err rc = wr_decide_all(db, parties, n_parties, t_us, &all, &n_all);
	*n = 0;
	if (rc == LIM_OK && n_all > cap)
		rc = wr_fail(db, LIM_E_LIMIT, "more than %zu warrants match", cap);
	if (rc == LIM_OK && n_all) {
		memcpy(out, all, n_all * sizeof *all);
		*n = n_all;
	}
	free(all);
	return rc;
}

/* see warrants.h */
int wr_xid_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

/* a lower-case hexadecimal digit's value (wr_xid_parse checked it: 0 for anything else) */
static unsigned hexval(char c)
{
	return c >= '0' && c <= '9'   ? (unsigned)(c - '0')
	       : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
				      : 0;
}

/* see warrants.h */
enum lim_err wr_xids_mark(struct wr_db *db, char out[WR_MARK_LEN])
{
	PGresult *r = NULL;
	enum lim_err rc;
	out[0] = '\0';
	rc = wr_exec(
		db,
		"SELECT md5(count(*) || ' ' || coalesce(sum(hashtextextended(x.xid::text, 0)), 0)"
		" || ' ' || coalesce(min(x.xid::text), '') || ' ' ||"
		" coalesce(max(x.xid::text), '')) FROM limf.warrant_xids x",
		0, NULL, &r);
	return mark_row(db, schema_too_old(db, rc), r, "XID", out);
}

/* see warrants.h */
enum lim_err wr_xids_known(struct wr_db *db, uint8_t (**out)[16], size_t *n)
{
	PGresult *r = NULL;
	uint8_t(*v)[16] = NULL;
	size_t rows = 0;
	enum lim_err rc;
	*out = NULL;
	*n = 0;
	rc = wr_exec(db, "SELECT x.xid::text FROM limf.warrant_xids x", 0, NULL, &r);
	rc = schema_too_old(db, rc);
	if (rc == LIM_OK)
		rows = (size_t)PQntuples(r);
	if (rc == LIM_OK && rows > WR_XIDS_KNOWN_MAX)
		rc = wr_fail(db, LIM_E_LIMIT, "more than %d XIDs", WR_XIDS_KNOWN_MAX);
	if (rc == LIM_OK && rows && !(v = malloc(rows * sizeof *v)))
		rc = wr_fail(db, LIM_E_NOMEM, "out of memory for %zu XIDs", rows);
	for (size_t i = 0; rc == LIM_OK && i < rows; i++) {
		char x[WR_XID_STRLEN];
		if (!wr_xid_parse(PQgetvalue(r, (int)i, 0), x)) {
			rc = wr_fail(db, LIM_E_DB, "malformed XID row");
			break;
		}
		for (size_t k = 0, o = 0; k < WR_XID_STRLEN - 1; k += 2) {
			if (x[k] == '-')
				k++;
			v[i][o++] = (uint8_t)(hexval(x[k]) << 4 | hexval(x[k + 1]));
		}
	}
	PQclear(r);
	if (rc != LIM_OK) {
		free(v);
		return rc;
	}
	if (rows)
		qsort(v, rows, sizeof *v, wr_xid_cmp);
	*out = v;
	*n = rows;
	return LIM_OK;
}

/* see warrants.h */
enum lim_err wr_xid_decide(struct wr_db *db, const char *xid, int64_t t_us, struct wr_match *out,
			   size_t *n)
{
	char x[WR_XID_STRLEN], t[24];
	PGresult *r = NULL;
	enum lim_err rc;
	*n = 0;
	if (!wr_xid_parse(xid, x))
		return wr_fail(db, LIM_E_ARG, "malformed XID (a UUID is expected)");
	wr_i64_str(t_us, t);
	const char *prm[] = { x, t };
	rc = wr_exec(db, XID_DECIDE, 2, prm, &r);
	rc = schema_too_old(db, rc);
	if (rc == LIM_OK && PQntuples(r) > 1)
		rc = wr_fail(db, LIM_E_DB, "XID %s: several warrants", x);
	if (rc == LIM_OK && PQntuples(r) == 1) {
		int64_t from, to;
		if (!wr_get_i64(r, 0, 6, &from) || !wr_get_i64(r, 0, 3, &to))
			rc = LIM_E_DB;
		else if (from <= t_us && t_us < to) /* in force: the query's test, again here */
			rc = add_match(r, 0, 0, out, 1, n);
		if (rc != LIM_OK)
			rc = wr_fail(db, LIM_E_DB, "malformed warrant row");
	}
	PQclear(r);
	if (rc != LIM_OK)
		*n = 0;
	return rc;
}
