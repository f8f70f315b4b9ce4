/* warrants/ audit log: append, list, and the C recomputation of the hash chain. */
#include <assert.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/codec.h"
#include "warrants/internal.h"

#define AUDIT_COLS                                                                                 \
	"id, " WR_SQL_US("at") ", os_user, db_role, liid, action, detail,"                         \
			       " encode(prev_hash, 'hex'), encode(hash, 'hex')"

static void ns(EVP_MD_CTX *c, const char *s)
{
	char len[24];
	size_t n = strlen(s);
	int k = snprintf(len, sizeof len, "%zu:", n);
	EVP_DigestUpdate(c, len, (size_t)k);
	EVP_DigestUpdate(c, s, n);
	EVP_DigestUpdate(c, ",", 1);
}

/* see warrants.h */
void wr_audit_hash(const struct wr_audit_row *r, uint8_t out[WR_HASH_LEN])
{
	static const char tag[] = "limf-audit-v1"; /* hashed with its NUL */
	char num[24];
	unsigned int outlen = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	memset(out, 0, WR_HASH_LEN);
	if (!c)
		return;
	if (EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1) {
		EVP_DigestUpdate(c, tag, sizeof tag);
		EVP_DigestUpdate(c, r->prev_hash, WR_HASH_LEN);
		wr_i64_str(r->id, num);
		ns(c, num);
		wr_i64_str(r->at_us, num);
		ns(c, num);
		ns(c, r->os_user);
		ns(c, r->db_role);
		ns(c, r->liid);
		ns(c, r->action);
		ns(c, r->detail);
		if (EVP_DigestFinal_ex(c, out, &outlen) != 1 || outlen != WR_HASH_LEN)
			memset(out, 0, WR_HASH_LEN);
	}
	EVP_MD_CTX_free(c);
}

/* The length (2..4) of the well-formed UTF-8 sequence at s (n octets left) of a code point
 * U+00A0 or above, or 0 (RFC 3629 s4: the second octet's range depends on the first, which
 * excludes overlong forms, surrogates and code points above U+10FFFF). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xBF;
	size_t k;
	if (c >= 0xC2 && c <= 0xDF)
		k = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		k = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		k = 4;
	else
		return 0;
	if (c == 0xC2)
		lo = 0xA0; /* U+0080..U+009F: the C1 controls */
	else if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	if (n < k || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < k; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return k;
}

/* The escaped form of the character at in[i] (rules in warrants.h): *w and *k get the octets
 * to write (in e[], or in itself for a UTF-8 sequence, copied as is); returns the number of
 * input octets it stands for. */
static size_t piece(const char *in, size_t i, size_t len, char e[4], const char **w, size_t *k)
{
	static const char hx[] = "0123456789ABCDEF";
	const unsigned char *s = (const unsigned char *)in;
	size_t take;
	*w = e;
	if (s[i] == '\\') {
		e[0] = e[1] = '\\';
		*k = 2;
		return 1;
	}
	if (s[i] >= 0x20 && s[i] < 0x7F) {
		e[0] = in[i];
		*k = 1;
		return 1;
	}
	if ((take = utf8_len(s + i, len - i)) != 0) {
		*w = in + i;
		*k = take;
		return take;
	}
	e[0] = '\\';
	e[1] = 'x';
	e[2] = hx[s[i] >> 4];
	e[3] = hx[s[i] & 15];
	*k = 4;
	return 1;
}

/* see warrants.h */
bool wr_audit_text(const char *in, size_t len, char *out, size_t cap)
{
	const size_t mark = sizeof WR_AUDIT_CUT - 1;
	size_t o = 0, i = 0, room = cap - 1, need = 0;
	char e[4];
	const char *w;
	size_t k;
	bool whole;
	assert(cap > mark);
	for (i = 0; i < len && need <= room;) { /* the whole text's length, until it is too long */
		i += piece(in, i, len, e, &w, &k);
		need += k;
	}
	whole = need <= room;
	if (!whole)
		room -= mark;
	for (i = 0; i < len;) {
		size_t take = piece(in, i, len, e, &w, &k);
		if (o + k > room)
			break;
		memcpy(out + o, w, k);
		o += k;
		i += take;
	}
	if (!whole) {
		memcpy(out + o, WR_AUDIT_CUT, mark);
		o += mark;
	}
	out[o] = '\0';
	return whole;
}

/* An append that waited out the lock timeout (55P03): the sessions holding the chain's lock
 * (a transaction that appended and has not ended: any role that may append can keep one open)
 * named in db->msg, so that whoever stops every key request and decryption that way is on
 * limf's log (the audit chain cannot record it: the blocker's row is never committed; an
 * audit). Only outside a transaction (one that failed takes no more statements), and never
 * at the cost of the message already there. */
/* see internal.h */
void wr_name_lock_holders(struct wr_db *db)
{
	PGresult *r;
	size_t n = strlen(db->msg);
	if (PQtransactionStatus(db->conn) != PQTRANS_IDLE)
		return;
	/* a session that waits for the row holds locks on the relation too (RowShareLock, the
	 * tuple's): those that wait for any lock are left out, each session named once (a review
	 * saw limf's own waiting workers named, twice each); names without control characters */
	r = PQexec(db->conn,
		   "SELECT string_agg(regexp_replace(format('pid %s, role %s, %s, in a transaction"
		   " since %s', a.pid, a.usename, coalesce(nullif(a.application_name, ''),"
		   " 'no application'), coalesce(to_char(a.xact_start AT TIME ZONE 'UTC',"
		   " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), 'a time not shown to this role')),"
		   " '[[:cntrl:]]', '?', 'g'), '; ' ORDER BY a.pid)"
		   " FROM pg_stat_activity a WHERE a.pid IN (SELECT l.pid FROM pg_locks l"
		   "  WHERE l.relation = to_regclass('limf.audit_lock') AND l.granted"
		   "  AND l.pid <> pg_backend_pid() AND NOT EXISTS (SELECT 1 FROM pg_locks w"
		   "   WHERE w.pid = l.pid AND NOT w.granted))");
	if (r && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
	    !PQgetisnull(r, 0, 0) && n + 1 < sizeof db->msg)
		snprintf(db->msg + n, sizeof db->msg - n, " (the audit chain's lock is held by %s)",
			 PQgetvalue(r, 0, 0));
	PQclear(r);
}

/* see warrants.h */
enum lim_err wr_audit_append(struct wr_db *db, const char *liid, const char *action,
			     const char *detail)
{
	char text[WR_DETAIL_MAX + 1];
	const char *d = detail ? detail : "";
	const char *p[] = { db->actor, liid ? liid : "", action, text };
	enum lim_err rc;
	(void)wr_audit_text(d, strlen(d), text, sizeof text);
	rc = wr_exec_stmt(db, WR_STMT_AUDIT,
			  "INSERT INTO limf.audit (os_user, liid, action, detail)"
			  " VALUES ($1, $2, $3, $4)",
			  4, p, NULL);
	if (rc == LIM_E_DB && strcmp(db->sqlstate, "55P03") == 0)
		wr_name_lock_holders(db);
	return rc;
}

/* Fills r from row i of res (AUDIT_COLS). False when a value is malformed or too long. */
static bool get_row(const PGresult *res, int i, struct wr_audit_row *r)
{
	size_t n = 0;
	const char *h;
	bool ok = wr_get_i64(res, i, 0, &r->id) && wr_get_i64(res, i, 1, &r->at_us);
	static const int cols[] = { 2, 3, 4, 5, 6 };
	char *dst[] = { r->os_user, r->db_role, r->liid, r->action, r->detail };
	size_t caps[] = { sizeof r->os_user, sizeof r->db_role, sizeof r->liid, sizeof r->action,
			  sizeof r->detail };
	for (size_t k = 0; k < 5; k++) {
		if ((size_t)PQgetlength(res, i, cols[k]) >= caps[k])
			ok = false;
		wr_get_text(res, i, cols[k], dst[k], caps[k]);
	}
	h = PQgetvalue(res, i, 7);
	if (lim_hex_decode(h, strlen(h), r->prev_hash, WR_HASH_LEN, &n) != LIM_OK ||
	    n != WR_HASH_LEN)
		ok = false;
	h = PQgetvalue(res, i, 8);
	if (lim_hex_decode(h, strlen(h), r->hash, WR_HASH_LEN, &n) != LIM_OK || n != WR_HASH_LEN)
		ok = false;
	return ok;
}

/* Streams the rows of a query one at a time (libpq single-row mode, parameterised like
 * PQexecParams). fn returns 0 to go on, > 0 to stop quietly, < 0 (an lim_err) to fail. */
static enum lim_err stream(struct wr_db *db, const char *sql, int n, const char *const *params,
			   int (*fn)(void *ctx, const PGresult *res), void *ctx)
{
	PGresult *r;
	enum lim_err rc = LIM_OK;
	bool stop = false;
	if (!PQsendQueryParams(db->conn, sql, n, NULL, params, NULL, NULL, 0) ||
	    !PQsetSingleRowMode(db->conn))
		return wr_fail(db, LIM_E_DB, "%s", PQerrorMessage(db->conn));
	while ((r = PQgetResult(db->conn)) != NULL) {
		ExecStatusType st = PQresultStatus(r);
		if (st == PGRES_SINGLE_TUPLE && !stop && rc == LIM_OK) {
			int k = fn(ctx, r);
			if (k < 0)
				rc = (enum lim_err)k;
			else if (k > 0)
				stop = true;
		} else if (st != PGRES_SINGLE_TUPLE && st != PGRES_TUPLES_OK && rc == LIM_OK) {
			const char *m = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
			const char *s = PQresultErrorField(r, PG_DIAG_SQLSTATE);
			rc = wr_fail(db, LIM_E_DB, "%s", m ? m : PQerrorMessage(db->conn));
			snprintf(db->sqlstate, sizeof db->sqlstate, "%s", s ? s : "");
		}
		PQclear(r);
	}
	return rc;
}

struct list_ctx {
	int (*fn)(void *ctx, const struct wr_audit_row *r);
	void *ctx;
	struct wr_audit_row row;
};

static int list_one(void *ctx, const PGresult *res)
{
	struct list_ctx *l = ctx;
	if (!get_row(res, 0, &l->row))
		return LIM_E_PARSE;
	return l->fn(l->ctx, &l->row) ? 1 : 0;
}

/* see warrants.h */
enum lim_err wr_audit_list(struct wr_db *db, const char *liid,
			   int (*fn)(void *ctx, const struct wr_audit_row *r), void *ctx)
{
	struct list_ctx *l = calloc(1, sizeof *l);
	enum lim_err rc;
	if (!l)
		return LIM_E_NOMEM;
	l->fn = fn;
	l->ctx = ctx;
	if (liid)
		rc = stream(db, "SELECT " AUDIT_COLS " FROM limf.audit WHERE liid = $1 ORDER BY id",
			    1, &liid, list_one, l);
	else
		rc = stream(db, "SELECT " AUDIT_COLS " FROM limf.audit ORDER BY id", 0, NULL,
			    list_one, l);
	free(l);
	return rc;
}

struct verify_ctx {
	struct wr_audit_verdict *v;
	uint8_t prev[WR_HASH_LEN];
	struct wr_audit_row row;
	const struct wr_audit_anchor *a; /* or NULL */
	int64_t anchor_pos;              /* position of the row whose hash is a->head, or 0 */
	uint8_t at_rows[WR_HASH_LEN];    /* hash of row a->rows */
};

static int bad(struct verify_ctx *c, const char *why)
{
	c->v->bad_id = c->row.id;
	c->v->bad_pos = c->v->rows;
	snprintf(c->v->reason, sizeof c->v->reason, "%s", why);
	return 1;
}

static int verify_one(void *ctx, const PGresult *res)
{
	struct verify_ctx *c = ctx;
	uint8_t h[WR_HASH_LEN];
	c->v->rows++;
	if (!get_row(res, 0, &c->row)) {
		c->row.id = c->row.id ? c->row.id : -1;
		return bad(c, "malformed row");
	}
	wr_audit_hash(&c->row, h);
	if (memcmp(h, c->row.hash, WR_HASH_LEN) != 0)
		return bad(c, "contents do not match the row's hash (row edited)");
	if (memcmp(c->prev, c->row.prev_hash, WR_HASH_LEN) != 0)
		return bad(c, "prev_hash is not the previous row's hash (rows deleted, "
			      "inserted or reordered)");
	if (c->row.id != c->v->rows)
		return bad(c, "id is not the row's position (rows deleted or renumbered)");
	memcpy(c->prev, c->row.hash, WR_HASH_LEN);
	memcpy(c->v->head, c->row.hash, WR_HASH_LEN);
	if (c->a && c->a->have_head && c->anchor_pos == 0 &&
	    memcmp(c->row.hash, c->a->head, WR_HASH_LEN) == 0)
		c->anchor_pos = c->v->rows;
	if (c->a && c->a->rows == c->v->rows)
		memcpy(c->at_rows, c->row.hash, WR_HASH_LEN);
	return 0;
}

/* The anchor test of wr_audit_verify_anchor on an intact chain: false with v->reason set. */
static bool anchor_holds(const struct verify_ctx *c, struct wr_audit_verdict *v)
{
	static const uint8_t zero[WR_HASH_LEN];
	const struct wr_audit_anchor *a = c->a;
	bool empty_head = a->have_head && memcmp(a->head, zero, WR_HASH_LEN) == 0;
	if (a->rows > v->rows) {
		snprintf(v->reason, sizeof v->reason,
			 "the chain has %lld rows, fewer than the %lld recorded with the head "
			 "(rows deleted from its end)",
			 (long long)v->rows, (long long)a->rows);
		return false;
	}
	if (!a->have_head)
		return true;
	if (a->rows > 0) {
		if (memcmp(c->at_rows, a->head, WR_HASH_LEN) != 0) {
			snprintf(v->reason, sizeof v->reason,
				 "row %lld's hash is not the recorded head (the chain was "
				 "rewritten)",
				 (long long)a->rows);
			return false;
		}
		return true;
	}
	if (c->anchor_pos == 0 && !empty_head) {
		snprintf(v->reason, sizeof v->reason,
			 "the recorded head is in no row (rows deleted from the end, or the chain "
			 "rewritten)");
		return false;
	}
	return true;
}

/* see warrants.h */
enum lim_err wr_audit_verify_anchor(struct wr_db *db, const struct wr_audit_anchor *a,
				    struct wr_audit_verdict *v)
{
	struct verify_ctx *c = calloc(1, sizeof *c);
	enum lim_err rc;
	memset(v, 0, sizeof *v);
	if (!c)
		return LIM_E_NOMEM;
	c->v = v;
	c->a = a;
	rc = stream(db, "SELECT " AUDIT_COLS " FROM limf.audit ORDER BY id", 0, NULL, verify_one,
		    c);
	if (rc == LIM_OK && v->bad_pos != 0) {
		rc = LIM_E_AUTH;
	} else if (rc == LIM_OK && a && !anchor_holds(c, v)) {
		v->anchor_failed = true;
		rc = LIM_E_AUTH;
	}
	free(c);
	return rc;
}

/* see warrants.h */
enum lim_err wr_audit_verify(struct wr_db *db, struct wr_audit_verdict *v)
{
	return wr_audit_verify_anchor(db, NULL, v);
}

/* see warrants.h */
enum lim_err wr_audit_head(struct wr_db *db, int64_t *rows, uint8_t head[WR_HASH_LEN])
{
	PGresult *r = NULL;
	size_t n = 0;
	enum lim_err rc;
	*rows = 0;
	memset(head, 0, WR_HASH_LEN);
	rc = wr_exec(db, "SELECT rows, head FROM limf.audit_head()", 0, NULL, &r);
	/* a schema older than version 6: the operator can still read the table itself */
	if (rc == LIM_E_DB && strcmp(db->sqlstate, "42883") == 0)
		rc = wr_exec(
			db,
			"SELECT id, encode(hash, 'hex') FROM limf.audit ORDER BY id DESC LIMIT 1",
			0, NULL, &r);
	if (rc != LIM_OK)
		return rc;
	if (PQntuples(r) == 1) {
		const char *h = PQgetvalue(r, 0, 1);
		if (!wr_get_i64(r, 0, 0, rows) ||
		    lim_hex_decode(h, strlen(h), head, WR_HASH_LEN, &n) != LIM_OK ||
		    n != WR_HASH_LEN) {
			*rows = 0;
			memset(head, 0, WR_HASH_LEN);
			rc = wr_fail(db, LIM_E_PARSE, "the newest audit row is malformed");
		}
	}
	PQclear(r);
	return rc;
}
