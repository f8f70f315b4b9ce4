/* limf warrant | audit | db (README.md "Usage"). The database is chosen by --db CONNSTR, else
 * the LIMF_DB environment variable, else libpq's PG* environment. `db local` runs a private
 * cluster (initdb + pg_ctl, Unix socket only) under a directory; as root it runs the
 * PostgreSQL programs as the unprivileged `postgres` user (initdb refuses root). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/codec.h"
#include "common/json.h"
#include "limf/cli.h"
#include "limf/config.h"
#include "limf/opts.h"
#include "limf/text.h"
#include "warrants/warrants.h"

#define MAX_OPT_TARGETS WR_MAX_TARGETS

/* ---- shared ------------------------------------------------------------------------------ */

/* Removes "--db CONNSTR" and "--config FILE" from argv (in place), returning the connection
 * string to use: --db, else the config's [database] conninfo, else $LIMF_DB, else "" (libpq's
 * PG* environment). *bad: 1 for a missing argument, 2 for a config that does not load (the
 * reason is printed). */
static const char *take_db(int *argc, char **argv, int *bad)
{
	static struct limf_conf conf;
	const char *db = NULL, *cfg = NULL;
	char why[512];
	int o = 0;
	*bad = 0;
	for (int i = 0; i < *argc; i++) {
		if (strcmp(argv[i], "--db") == 0 || strcmp(argv[i], "--config") == 0) {
			if (i + 1 >= *argc) {
				*bad = 1;
				break;
			}
			if (argv[i][2] == 'd')
				db = argv[++i];
			else
				cfg = argv[++i];
		} else {
			argv[o++] = argv[i];
		}
	}
	*argc = o;
	if (!db && cfg && !*bad) {
		limf_conf_init(&conf);
		if (limf_conf_load(cfg, &conf, why, sizeof why) != LIM_OK) {
			fprintf(stderr, "limf: %s\n", why);
			*bad = 2;
		} else if (conf.db[0]) {
			db = conf.db;
		}
	}
	if (!db)
		db = getenv("LIMF_DB");
	return db ? db : "";
}

static int open_db(const char *connstr, struct wr_db **db)
{
	return limf_open_db(connstr, db);
}

static int db_error(struct wr_db *db, enum lim_err rc)
{
	fprintf(stderr, "limf: %s\n", wr_db_msg(db)[0] ? wr_db_msg(db) : lim_strerror(rc));
	return 1;
}

/* ---- limf warrant ------------------------------------------------------------------------ */

/* A warrant's suspension periods (wr_warrant_suspensions), for show. */
struct susp_list {
	int64_t (*v)[2]; /* [from, to); to WR_TIME_INFINITY while suspended */
	size_t n, cap;
	bool nomem;
	bool unknown; /* not read: the schema predates them */
};

static int susp_one(void *ctx, int64_t from, int64_t to)
{
	struct susp_list *l = ctx;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 8;
		void *v = realloc(l->v, cap * sizeof *l->v);
		if (!v) {
			l->nomem = true;
			return 1;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n][0] = from;
	l->v[l->n][1] = to;
	l->n++;
	return 0;
}

/* w as JSON; with its suspension periods when sp (show) */
static void json_warrant(struct lim_json *j, const struct wr_warrant *w, const struct susp_list *sp)
{
	lim_json_obj_open(j);
	lim_json_key(j, "liid");
	lim_json_str(j, w->liid);
	lim_json_key(j, "authority");
	lim_json_str(j, w->authority);
	lim_json_key(j, "authority_ref");
	lim_json_str(j, w->authority_ref);
	lim_json_key(j, "country");
	lim_json_str(j, w->country);
	limf_json_wr_time(j, "valid_from", w->valid_from);
	limf_json_wr_time(j, "valid_to", w->valid_to);
	lim_json_key(j, "status");
	lim_json_str(j, wr_status_name(w->status));
	lim_json_key(j, "scope");
	lim_json_str(j, wr_scope_name(w->scope));
	lim_json_key(j, "delivery");
	lim_json_str(j, w->delivery);
	lim_json_key(j, "reason");
	lim_json_str(j, w->reason);
	lim_json_key(j, "created_by");
	lim_json_str(j, w->created_by);
	limf_json_wr_time(j, "created_at", w->created_at);
	lim_json_key(j, "modified_by");
	lim_json_str(j, w->modified_by);
	limf_json_wr_time(j, "modified_at", w->modified_at);
	lim_json_key(j, "targets");
	lim_json_arr_open(j);
	for (size_t i = 0; i < w->n_targets; i++) {
		lim_json_obj_open(j);
		lim_json_key(j, "kind");
		lim_json_str(j, wr_kind_name(w->targets[i].kind));
		lim_json_key(j, "uri");
		lim_json_str(j, w->targets[i].uri);
		lim_json_key(j, "norm");
		lim_json_str(j, w->targets[i].norm);
		lim_json_obj_close(j);
	}
	lim_json_arr_close(j);
	lim_json_key(j, "xids");
	lim_json_arr_open(j);
	for (size_t i = 0; i < w->n_xids; i++)
		lim_json_str(j, w->xids[i]);
	lim_json_arr_close(j);
	if (sp && sp->unknown) {
		lim_json_key(j, "suspensions");
		lim_json_null(j);
	} else if (sp) {
		lim_json_key(j, "suspensions");
		lim_json_arr_open(j);
		for (size_t i = 0; i < sp->n; i++)
			limf_json_period(j, sp->v[i][0], sp->v[i][1]);
		lim_json_arr_close(j);
	}
	lim_json_obj_close(j);
}

static void text_warrant(const struct wr_warrant *w, const struct susp_list *sp)
{
	char a[WR_TIME_STRLEN], b[WR_TIME_STRLEN];
	wr_time_format(w->valid_from, a);
	wr_time_format(w->valid_to, b);
	printf("LIID          %s\n", w->liid);
	printf("status        %s%s%s\n", wr_status_name(w->status), w->reason[0] ? " - " : "",
	       w->reason);
	printf("authority     %s (ref %s, %s)\n", w->authority, w->authority_ref, w->country);
	printf("valid         %s .. %s (end exclusive)\n", a, b);
	printf("scope         %s\n", wr_scope_name(w->scope));
	printf("delivery      %s\n", w->delivery);
	for (size_t i = 0; i < w->n_targets; i++)
		printf("target        %-5s %s%s%s%s\n", wr_kind_name(w->targets[i].kind),
		       w->targets[i].norm,
		       strcmp(w->targets[i].norm, w->targets[i].uri) ? "  (entered as " : "",
		       strcmp(w->targets[i].norm, w->targets[i].uri) ? w->targets[i].uri : "",
		       strcmp(w->targets[i].norm, w->targets[i].uri) ? ")" : "");
	for (size_t i = 0; i < w->n_xids; i++)
		printf("xid           %s\n", w->xids[i]);
	wr_time_format(w->created_at, a);
	wr_time_format(w->modified_at, b);
	printf("created       %s by %s\n", a, w->created_by);
	printf("modified      %s by %s\n", b, w->modified_by);
	/* each period out of force, also once resumed: a replay of traffic from it decrypts
	 * nothing */
	if (sp->unknown)
		printf("suspended     (periods unknown: run `limf db migrate`)\n");
	for (size_t i = 0; i < sp->n; i++) {
		wr_time_format(sp->v[i][0], a);
		wr_time_format(sp->v[i][1], b);
		printf("suspended     %s .. %s\n", a,
		       sp->v[i][1] == WR_TIME_INFINITY ? "(not resumed)" : b);
	}
}

/* LIIDs one suspend, resume or revoke takes: a case's warrants at once, in one connection */
#define W_MAX_LIIDS 1024

/* Options of add and modify. */
struct w_opts {
	const char *liid, *authority, *ref, *country, *from, *to, *scope, *delivery, *reason;
	const char *add[MAX_OPT_TARGETS], *del[MAX_OPT_TARGETS];
	size_t n_add, n_del;
	const char *xid[WR_MAX_XIDS], *del_xid[WR_MAX_XIDS];
	size_t n_xid, n_del_xid;
	bool json, all;
	const char *pos; /* the positional LIID (the first, for suspend, resume and revoke) */
	const char *lids[W_MAX_LIIDS]; /* every positional LIID, pos the first */
	size_t n_lids;
};

static int parse_w_opts(int argc, char **argv, struct w_opts *o)
{
	const struct limf_opt opts[] = {
		{ "--json", NULL, &o->json, NULL, NULL, 0 },
		{ "--all", NULL, &o->all, NULL, NULL, 0 },
		{ "--liid", &o->liid, NULL, NULL, NULL, 0 },
		{ "--authority", &o->authority, NULL, NULL, NULL, 0 },
		{ "--ref", &o->ref, NULL, NULL, NULL, 0 },
		{ "--country", &o->country, NULL, NULL, NULL, 0 },
		{ "--from", &o->from, NULL, NULL, NULL, 0 },
		{ "--to", &o->to, NULL, NULL, NULL, 0 },
		{ "--scope", &o->scope, NULL, NULL, NULL, 0 },
		{ "--delivery", &o->delivery, NULL, NULL, NULL, 0 },
		{ "--reason", &o->reason, NULL, NULL, NULL, 0 },
		{ "--target", NULL, NULL, o->add, &o->n_add, MAX_OPT_TARGETS },
		{ "--add-target", NULL, NULL, o->add, &o->n_add, MAX_OPT_TARGETS },
		{ "--remove-target", NULL, NULL, o->del, &o->n_del, MAX_OPT_TARGETS },
		{ "--xid", NULL, NULL, o->xid, &o->n_xid, WR_MAX_XIDS },
		{ "--remove-xid", NULL, NULL, o->del_xid, &o->n_del_xid, WR_MAX_XIDS },
	};
	memset(o, 0, sizeof *o);
	/* "-" is not a LIID: only words not starting with '-' are positional here */
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], "-") == 0)
			return -1;
	if (limf_parse_opts(argc, argv, opts, sizeof opts / sizeof opts[0], o->lids, W_MAX_LIIDS))
		return -1;
	while (o->n_lids < W_MAX_LIIDS && o->lids[o->n_lids])
		o->n_lids++;
	o->pos = o->lids[0];
	return 0;
}

static int parse_time_opt(const char *name, const char *s, int64_t *t)
{
	if (wr_time_parse(s, t) != LIM_OK) {
		fprintf(stderr,
			"limf: %s '%s': not an ISO 8601 time with a zone "
			"(e.g. 2026-01-31T08:00:00Z or 2026-01-31T09:00:00+01:00)\n",
			name, s);
		return 1;
	}
	return 0;
}

static int copy_opt(char *dst, size_t cap, const char *src, const char *name)
{
	if (strlen(src) >= cap) {
		fprintf(stderr, "limf: %s is too long (at most %zu characters)\n", name, cap - 1);
		return 1;
	}
	memcpy(dst, src, strlen(src) + 1);
	return 0;
}

static int w_add(struct wr_db *db, const struct w_opts *o)
{
	struct wr_warrant *w = calloc(1, sizeof *w);
	char msg[160];
	int ret = 1;
	enum lim_err rc;
	if (!w)
		return 1;
	if (!o->liid || !o->authority || !o->ref || !o->country || !o->from || !o->to ||
	    !o->scope || !o->delivery || o->n_add == 0 || o->pos || o->n_del || o->n_del_xid) {
		/* what is missing or out of place, then the usage */
		const struct {
			bool bad;
			const char *what;
		} why[] = {
			{ !o->liid, "--liid is missing" },
			{ !o->authority, "--authority is missing" },
			{ !o->ref, "--ref is missing" },
			{ !o->country, "--country is missing" },
			{ !o->from, "--from is missing" },
			{ !o->to, "--to is missing" },
			{ !o->scope, "--scope is missing" },
			{ !o->delivery, "--delivery is missing" },
			{ o->n_add == 0, "no --target" },
			{ o->n_del || o->n_del_xid, "--remove-target/--remove-xid are for modify" },
		};
		size_t n = 0;
		fprintf(stderr, "limf warrant add:");
		for (size_t i = 0; i < sizeof why / sizeof why[0]; i++)
			if (why[i].bad)
				fprintf(stderr, "%s %s", n++ ? ";" : "", why[i].what);
		if (o->pos)
			fprintf(stderr,
				"%s '%s' is no option's value (each target takes a --target of its "
				"own; the LIID goes in --liid)",
				n ? ";" : "", o->pos);
		fprintf(stderr,
			"\nusage: limf warrant add --liid L --authority A --ref R --country CC"
			" --from T --to T --scope iri|iri+cc --delivery D --target URI"
			" [--target URI]... [--xid UUID]... [--json]\n");
		ret = 2;
		goto out;
	}
	if (copy_opt(w->liid, sizeof w->liid, o->liid, "LIID") ||
	    copy_opt(w->authority, sizeof w->authority, o->authority, "authority") ||
	    copy_opt(w->authority_ref, sizeof w->authority_ref, o->ref, "reference") ||
	    copy_opt(w->country, sizeof w->country, o->country, "country (two letters)") ||
	    copy_opt(w->delivery, sizeof w->delivery, o->delivery, "delivery destination") ||
	    parse_time_opt("--from", o->from, &w->valid_from) ||
	    parse_time_opt("--to", o->to, &w->valid_to))
		goto out;
	if (!wr_scope_parse(o->scope, &w->scope)) {
		fprintf(stderr, "limf: --scope must be iri or iri+cc\n");
		goto out;
	}
	for (size_t i = 0; i < o->n_add; i++) {
		rc = wr_warrant_add_target(w, o->add[i]);
		if (rc == LIM_E_UNSUPP) {
			/* (not echoed: the escape would reach the terminal) */
			fprintf(stderr,
				"limf: --target number %zu holds a control character (C0, DEL or "
				"C1): refused, as it would be shown to other operators\n",
				i + 1);
			goto out;
		}
		if (rc != LIM_OK) {
			fprintf(stderr, "limf: target '%s': %s\n", o->add[i],
				rc == LIM_E_ARG
					? "given twice (same normalised form)"
					: "malformed (expected tel:+E.164, sip:user@host or "
					  "mcptt:<sip URI>)");
			goto out;
		}
	}
	for (size_t i = 0; i < o->n_xid; i++) {
		rc = wr_warrant_add_xid(w, o->xid[i]);
		if (rc != LIM_OK) {
			fprintf(stderr, "limf: --xid '%s': %s\n", o->xid[i],
				rc == LIM_E_ARG ? "given twice"
						: "not a UUID (8-4-4-4-12 hexadecimal digits)");
			goto out;
		}
	}
	if (wr_warrant_check(w, msg, sizeof msg) != LIM_OK) {
		fprintf(stderr, "limf: %s\n", msg);
		goto out;
	}
	rc = wr_warrant_add(db, w);
	if (rc != LIM_OK) {
		db_error(db, rc);
		goto out;
	}
	if (wr_warrant_get(db, w->liid, w) != LIM_OK) {
		db_error(db, LIM_E_DB);
		goto out;
	}
	if (o->json) {
		struct lim_json j;
		lim_json_init(&j, stdout);
		json_warrant(&j, w, NULL);
		if (limf_json_end(&j) != 0)
			goto out;
	} else {
		printf("added warrant %s\n", w->liid);
	}
	ret = 0;
out:
	free(w);
	return ret;
}

static int w_modify(struct wr_db *db, const struct w_opts *o)
{
	struct wr_change ch;
	memset(&ch, 0, sizeof ch);
	if (!o->pos || o->liid || o->reason) {
		fprintf(stderr, "usage: limf warrant modify LIID [--authority A] [--ref R]"
				" [--country CC] [--from T] [--to T] [--scope S] [--delivery D]"
				" [--add-target URI]... [--remove-target URI]..."
				" [--xid UUID]... [--remove-xid UUID]...\n");
		return 2;
	}
	for (size_t i = 0; i < o->n_xid + o->n_del_xid; i++) {
		const char *x = i < o->n_xid ? o->xid[i] : o->del_xid[i - o->n_xid];
		char canon[WR_XID_STRLEN];
		if (!wr_xid_parse(x, canon)) {
			fprintf(stderr,
				"limf: XID '%s': not a UUID (8-4-4-4-12 hexadecimal digits)\n", x);
			return 1;
		}
	}
	ch.authority = o->authority;
	ch.authority_ref = o->ref;
	ch.country = o->country;
	ch.delivery = o->delivery;
	if (o->from) {
		if (parse_time_opt("--from", o->from, &ch.valid_from))
			return 1;
		ch.set_from = true;
	}
	if (o->to) {
		if (parse_time_opt("--to", o->to, &ch.valid_to))
			return 1;
		ch.set_to = true;
	}
	if (o->scope) {
		if (!wr_scope_parse(o->scope, &ch.scope)) {
			fprintf(stderr, "limf: --scope must be iri or iri+cc\n");
			return 1;
		}
		ch.set_scope = true;
	}
	ch.add_targets = o->add;
	ch.n_add = o->n_add;
	ch.del_targets = o->del;
	ch.n_del = o->n_del;
	ch.add_xids = o->xid;
	ch.n_add_xids = o->n_xid;
	ch.del_xids = o->del_xid;
	ch.n_del_xids = o->n_del_xid;
	enum lim_err rc = wr_warrant_modify(db, o->pos, &ch);
	if (rc != LIM_OK)
		return db_error(db, rc);
	printf("modified warrant %s\n", o->pos);
	return 0;
}

static int w_status(struct wr_db *db, const struct w_opts *o, enum wr_status to)
{
	static const char *const verbs[] = { "resumed", "suspended", "revoked" };
	/* (an option that does not apply is an error, not ignored: `suspend L --to T` does not
	 * shorten the warrant) */
	if (!o->pos || o->liid || o->n_add || o->n_del || o->authority || o->ref || o->country ||
	    o->from || o->to || o->scope || o->delivery || o->n_xid || o->n_del_xid || o->json ||
	    o->all) {
		fprintf(stderr, "usage: limf warrant suspend|resume LIID... [--reason R]\n"
				"       limf warrant revoke LIID... --reason R\n");
		return 2;
	}
	if (to == WR_REVOKED && (!o->reason || !o->reason[0])) {
		fprintf(stderr, "limf: revoke needs --reason\n");
		return 2;
	}
	/* several: each in turn, each with its own audit row; the first that fails stops the
	 * rest, and the message names it (those before it are done, as printed) */
	for (size_t i = 0; i < o->n_lids; i++) {
		enum lim_err rc = wr_warrant_set_status(db, o->lids[i], to, o->reason);
		if (rc != LIM_OK) {
			if (o->n_lids > 1)
				fprintf(stderr, "limf: warrant %s (%zu of %zu): not %s%s\n",
					o->lids[i], i + 1, o->n_lids, verbs[to],
					i + 1 < o->n_lids ? ", nor any after it" : "");
			return db_error(db, rc);
		}
		printf("%s warrant %s\n", verbs[to], o->lids[i]);
	}
	return 0;
}

struct list_ctx {
	struct lim_json j;
	bool json;
	size_t n;
};

static int list_one(void *ctx, const struct wr_warrant *w)
{
	struct list_ctx *l = ctx;
	l->n++;
	if (l->json) {
		json_warrant(&l->j, w, NULL);
	} else {
		char a[WR_TIME_STRLEN], b[WR_TIME_STRLEN];
		wr_time_format(w->valid_from, a);
		wr_time_format(w->valid_to, b);
		printf("%-25s %-9s %-6s %s .. %s ", w->liid, wr_status_name(w->status),
		       wr_scope_name(w->scope), a, b);
		for (size_t i = 0; i < w->n_targets; i++)
			printf("%s%s", i ? "," : "", w->targets[i].norm);
		for (size_t i = 0; i < w->n_xids; i++)
			printf("%s%s", i ? "," : " xid=", w->xids[i]);
		printf("\n");
	}
	return 0;
}

static int w_list(struct wr_db *db, const struct w_opts *o)
{
	struct list_ctx l;
	enum lim_err rc;
	memset(&l, 0, sizeof l);
	if (o->pos || o->liid) {
		fprintf(stderr, "usage: limf warrant list [--all] [--json]\n");
		return 2;
	}
	l.json = o->json;
	if (l.json) {
		lim_json_init(&l.j, stdout);
		lim_json_arr_open(&l.j);
	}
	rc = wr_warrant_list(db, o->all, list_one, &l);
	if (l.json) {
		lim_json_arr_close(&l.j);
		if (limf_json_end(&l.j) != 0 && rc == LIM_OK)
			return 1;
	} else if (rc == LIM_OK && l.n == 0) {
		printf("no warrants%s\n", o->all ? "" : " in force or pending (--all lists all)");
	}
	return rc == LIM_OK ? 0 : db_error(db, rc);
}

static int w_show(struct wr_db *db, const struct w_opts *o)
{
	struct susp_list sp = { 0 };
	struct wr_warrant *w;
	enum lim_err rc;
	int ret = 1;
	if (!o->pos) {
		fprintf(stderr, "usage: limf warrant show LIID [--json]\n");
		return 2;
	}
	w = calloc(1, sizeof *w);
	if (!w)
		return 1;
	/* the warrant and its periods as of one moment: a resume between the two reads would
	 * show "suspended" beside a closed period */
	rc = wr_snapshot_begin(db);
	if (rc == LIM_OK)
		rc = wr_warrant_get(db, o->pos, w);
	if (rc == LIM_OK) {
		rc = wr_warrant_suspensions(db, o->pos, susp_one, &sp);
		if (rc == LIM_OK && sp.nomem)
			rc = LIM_E_NOMEM;
		if (rc == LIM_E_STATE) {
			/* a database not yet migrated to schema 8: the warrant all the same, its
			 * periods said to be unknown (an operator preparing the migration) */
			fprintf(stderr, "limf: %s\n", wr_db_msg(db));
			sp.unknown = true;
			rc = LIM_OK;
		}
	}
	wr_snapshot_end(db);
	if (rc != LIM_OK) {
		db_error(db, rc);
	} else if (o->json) {
		struct lim_json j;
		lim_json_init(&j, stdout);
		json_warrant(&j, w, &sp);
		ret = limf_json_end(&j);
	} else {
		text_warrant(w, &sp);
		ret = 0;
	}
	free(sp.v);
	free(w);
	return ret;
}

static void warrant_usage(FILE *f)
{
	fprintf(f,
		"usage: limf warrant [--db CONNSTR | --config FILE] "
		"add|list|show|modify|suspend|resume|revoke "
		"...\n"
		"  add --liid L --authority A --ref R --country CC --from T --to T\n"
		"      --scope iri|iri+cc --delivery D --target URI [--target URI]...\n"
		"      [--xid UUID]... [--json]\n"
		"  list [--all] [--json]        show LIID [--json]\n"
		"  modify LIID [--authority A] [--ref R] [--country CC] [--from T] [--to T]\n"
		"      [--scope S] [--delivery D] [--add-target URI]... [--remove-target URI]...\n"
		"      [--xid UUID]... [--remove-xid UUID]...\n"
		"XID: the X1/X2/X3 task identifier (ETSI TS 103 221), a UUID unique among "
		"warrants.\n"
		"  suspend LIID... [--reason R]   resume LIID...   revoke LIID... --reason R\n"
		"Times are ISO 8601 with a zone; validity is [from, to). list and show print UTC;\n"
		"a time stored as infinity/-infinity (by hand, before schema version 4) prints as\n"
		"the string infinity (open-ended) or -infinity (since always), in --json too.\n");
}

/* see cli.h */
int limf_cmd_warrant(int argc, char **argv)
{
	struct w_opts o;
	struct wr_db *db = NULL;
	int bad, ret;
	const char *cmd;
	const char *conn;
	if (limf_wants_help(argc, argv)) {
		warrant_usage(stdout);
		return 0;
	}
	conn = take_db(&argc, argv, &bad);
	if (bad == 2)
		return 1;
	if (bad || argc < 1 || parse_w_opts(argc - 1, argv + 1, &o) != 0) {
		warrant_usage(stderr);
		return 2;
	}
	cmd = argv[0];
	if (strcmp(cmd, "add") && strcmp(cmd, "list") && strcmp(cmd, "show") &&
	    strcmp(cmd, "modify") && strcmp(cmd, "suspend") && strcmp(cmd, "resume") &&
	    strcmp(cmd, "revoke")) {
		warrant_usage(stderr);
		return 2;
	}
	if (o.n_lids > 1 && strcmp(cmd, "suspend") && strcmp(cmd, "resume") &&
	    strcmp(cmd, "revoke")) {
		warrant_usage(stderr); /* (one LIID: show, modify) */
		return 2;
	}
	if (open_db(conn, &db))
		return 1;
	if (strcmp(cmd, "add") == 0)
		ret = w_add(db, &o);
	else if (strcmp(cmd, "list") == 0)
		ret = w_list(db, &o);
	else if (strcmp(cmd, "show") == 0)
		ret = w_show(db, &o);
	else if (strcmp(cmd, "modify") == 0)
		ret = w_modify(db, &o);
	else if (strcmp(cmd, "suspend") == 0)
		ret = w_status(db, &o, WR_SUSPENDED);
	else if (strcmp(cmd, "resume") == 0)
		ret = w_status(db, &o, WR_ACTIVE);
	else
		ret = w_status(db, &o, WR_REVOKED);
	wr_db_close(db);
	return ret;
}

/* ---- limf audit -------------------------------------------------------------------------- */

struct alist_ctx {
	struct lim_json j;
	bool json;
};

/* A text column of an audit row to stdout, its control characters (C0, DEL, and C1 as UTF-8
 * encodes them) as \xHH. limf writes its own details through wr_audit_text, which leaves
 * none; a row written otherwise (a SQL function's text, an INSERT by hand) may hold a line
 * break, which would print as a row of its own. PostgreSQL's text is valid UTF-8; everything
 * else, the backslash of limf's own escapes included, is printed as stored. */
static void put_col(const char *s)
{
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c < 0x20 || *c == 0x7f)
			printf("\\x%02X", *c);
		else if (*c == 0xc2 && c[1] >= 0x80 && c[1] <= 0x9f)
			printf("\\x%02X\\x%02X", c[0], c[1]), c++;
		else
			putchar(*c);
	}
}

static int audit_one(void *ctx, const struct wr_audit_row *r)
{
	struct alist_ctx *a = ctx;
	char ts[WR_TIME_STRLEN];
	wr_time_format(r->at_us, ts);
	if (!a->json) {
		printf("%6lld %s ", (long long)r->id, ts);
		put_col(r->os_user);
		putchar('/');
		put_col(r->db_role);
		putchar(' ');
		put_col(r->liid[0] ? r->liid : "-");
		putchar(' ');
		put_col(r->action);
		putchar(' ');
		put_col(r->detail);
		putchar('\n');
		return 0;
	}
	lim_json_obj_open(&a->j);
	lim_json_key(&a->j, "id");
	lim_json_u64(&a->j, (uint64_t)r->id);
	lim_json_key(&a->j, "at");
	lim_json_str(&a->j, ts);
	lim_json_key(&a->j, "os_user");
	lim_json_str(&a->j, r->os_user);
	lim_json_key(&a->j, "db_role");
	lim_json_str(&a->j, r->db_role);
	lim_json_key(&a->j, "liid");
	lim_json_str(&a->j, r->liid);
	lim_json_key(&a->j, "action");
	lim_json_str(&a->j, r->action);
	lim_json_key(&a->j, "detail");
	lim_json_str(&a->j, r->detail);
	lim_json_key(&a->j, "prev_hash");
	lim_json_hex(&a->j, r->prev_hash, WR_HASH_LEN);
	lim_json_key(&a->j, "hash");
	lim_json_hex(&a->j, r->hash, WR_HASH_LEN);
	lim_json_obj_close(&a->j);
	return 0;
}

static int audit_list(struct wr_db *db, int argc, char **argv)
{
	struct alist_ctx a;
	const char *liid = NULL;
	enum lim_err rc;
	memset(&a, 0, sizeof a);
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			a.json = true;
		} else if (strcmp(argv[i], "--liid") == 0 && i + 1 < argc) {
			liid = argv[++i];
		} else {
			fprintf(stderr, "usage: limf audit list [--liid L] [--json]\n");
			return 2;
		}
	}
	if (a.json) {
		lim_json_init(&a.j, stdout);
		lim_json_arr_open(&a.j);
	}
	rc = wr_audit_list(db, liid, audit_one, &a);
	if (a.json) {
		lim_json_arr_close(&a.j);
		if (limf_json_end(&a.j) != 0 && rc == LIM_OK)
			return 1;
	}
	return rc == LIM_OK ? 0 : db_error(db, rc);
}

/* limf audit head: what an operator records outside the database (docs/audit-anchor.md). */
static int audit_head(struct wr_db *db, int argc, char **argv)
{
	uint8_t head[WR_HASH_LEN];
	char hex[2 * WR_HASH_LEN + 1];
	int64_t rows = 0;
	enum lim_err rc;
	bool json = argc == 1 && strcmp(argv[0], "--json") == 0;
	if (argc != 0 && !json) {
		fprintf(stderr, "usage: limf audit head [--json]\n");
		return 2;
	}
	rc = wr_audit_head(db, &rows, head);
	if (rc != LIM_OK)
		return db_error(db, rc);
	lim_hex_encode(head, WR_HASH_LEN, hex);
	if (json)
		printf("{\"rows\":%lld,\"head\":\"%s\"}\n", (long long)rows, hex);
	else
		printf("%lld %s\n", (long long)rows, hex);
	return 0;
}

static int audit_verify(struct wr_db *db, int argc, char **argv)
{
	struct wr_audit_verdict v;
	struct wr_audit_anchor a;
	char head[2 * WR_HASH_LEN + 1];
	enum lim_err rc;
	bool anchored = false;
	memset(&a, 0, sizeof a);
	for (int i = 0; i < argc; i++) {
		size_t n = 0;
		long rows = 0;
		if (strcmp(argv[i], "--expect-head") == 0 && i + 1 < argc &&
		    strlen(argv[i + 1]) == 2 * WR_HASH_LEN &&
		    lim_hex_decode(argv[i + 1], 2 * WR_HASH_LEN, a.head, WR_HASH_LEN, &n) ==
			    LIM_OK &&
		    n == WR_HASH_LEN) {
			a.have_head = anchored = true;
			i++;
		} else if (strcmp(argv[i], "--min-rows") == 0 && i + 1 < argc &&
			   limf_num_opt(argv[i + 1], 1, LONG_MAX, &rows)) {
			a.rows = rows;
			anchored = true;
			i++;
		} else {
			fprintf(stderr,
				"usage: limf audit verify [--expect-head HASH (64 hex digits)]"
				" [--min-rows N]\n");
			return 2;
		}
	}
	rc = wr_audit_verify_anchor(db, anchored ? &a : NULL, &v);
	if (rc == LIM_E_AUTH && v.anchor_failed) {
		lim_hex_encode(v.head, WR_HASH_LEN, head);
		printf("audit chain does NOT match the recorded head: %s; it has %lld rows, head "
		       "%s\n",
		       v.reason, (long long)v.rows, head);
		return 1;
	}
	if (rc == LIM_E_AUTH) {
		printf("audit chain BROKEN at row id %lld (position %lld of those read): %s\n",
		       (long long)v.bad_id, (long long)v.bad_pos, v.reason);
		return 1;
	}
	if (rc != LIM_OK)
		return db_error(db, rc);
	lim_hex_encode(v.head, WR_HASH_LEN, head);
	printf("audit chain intact: %lld rows, head %s%s\n", (long long)v.rows, head,
	       anchored ? " (holds the recorded head)" : "");
	return 0;
}

static void audit_usage(FILE *f)
{
	fprintf(f, "usage: limf audit [--db CONNSTR | --config FILE] list [--liid L] [--json] | "
		   "head [--json] | verify [--expect-head HASH] [--min-rows N]\n");
}

/* see cli.h */
int limf_cmd_audit(int argc, char **argv)
{
	struct wr_db *db = NULL;
	int bad, ret;
	const char *conn;
	if (limf_wants_help(argc, argv)) {
		audit_usage(stdout);
		return 0;
	}
	conn = take_db(&argc, argv, &bad);
	if (bad == 2)
		return 1;
	if (bad || argc < 1 ||
	    (strcmp(argv[0], "list") && strcmp(argv[0], "verify") && strcmp(argv[0], "head"))) {
		audit_usage(stderr);
		return 2;
	}
	if (open_db(conn, &db))
		return 1;
	if (strcmp(argv[0], "list") == 0)
		ret = audit_list(db, argc - 1, argv + 1);
	else if (strcmp(argv[0], "head") == 0)
		ret = audit_head(db, argc - 1, argv + 1);
	else
		ret = audit_verify(db, argc - 1, argv + 1);
	wr_db_close(db);
	return ret;
}

/* ---- limf db ----------------------------------------------------------------------------- */

/* A private cluster under dir: dir/data (PGDATA), dir/run (the socket), dir/server.log and
 * dir/ctl.log (output of initdb and pg_ctl). */
struct local {
	char dir[PATH_MAX], data[PATH_MAX], run[PATH_MAX], log[PATH_MAX], ctl[PATH_MAX];
	char bindir[PATH_MAX];
	bool root;
	uid_t uid;
	gid_t gid;
};

static bool find_bindir(struct local *l)
{
	const char *env = getenv("LIMF_PG_BINDIR");
	char probe[PATH_MAX + 16];
	if (env && *env) {
		snprintf(l->bindir, sizeof l->bindir, "%s", env);
		return true;
	}
	FILE *p = popen("pg_config --bindir 2>/dev/null", "r");
	if (p) {
		if (fgets(l->bindir, sizeof l->bindir, p)) {
			l->bindir[strcspn(l->bindir, "\n")] = '\0';
		}
		pclose(p);
		snprintf(probe, sizeof probe, "%s/initdb", l->bindir);
		if (l->bindir[0] && access(probe, X_OK) == 0)
			return true;
	}
	/* Debian: the newest /usr/lib/postgresql/N/bin */
	DIR *d = opendir("/usr/lib/postgresql");
	long best = -1;
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		char *end;
		long v = strtol(e->d_name, &end, 10);
		if (end != e->d_name && *end == '\0' && v > best) {
			snprintf(probe, sizeof probe, "/usr/lib/postgresql/%ld/bin/initdb", v);
			if (access(probe, X_OK) == 0)
				best = v;
		}
	}
	if (d)
		closedir(d);
	if (best < 0)
		return false;
	snprintf(l->bindir, sizeof l->bindir, "/usr/lib/postgresql/%ld/bin", best);
	return true;
}

/* Characters allowed in the cluster directory (it goes into postgresql.conf and into
 * shell-quoted output). */
static bool path_ok(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("/._-+", *s)))
			return false;
	return true;
}

static int local_setup(const char *dir, bool create, struct local *l)
{
	char tmp[PATH_MAX];
	memset(l, 0, sizeof *l);
	if (create && mkdir(dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "limf: mkdir %s: %s\n", dir, strerror(errno));
		return 1;
	}
	if (!realpath(dir, tmp)) {
		fprintf(stderr, "limf: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	if (!path_ok(tmp) || strlen(tmp) > 80) {
		fprintf(stderr,
			"limf: %s: use a directory path of at most 80 characters of "
			"A-Z a-z 0-9 / . _ - + (it names the Unix socket)\n",
			tmp);
		return 1;
	}
	snprintf(l->dir, sizeof l->dir, "%s", tmp);
	snprintf(l->data, sizeof l->data, "%.200s/data", tmp);
	snprintf(l->run, sizeof l->run, "%.200s/run", tmp);
	snprintf(l->log, sizeof l->log, "%.200s/server.log", tmp);
	snprintf(l->ctl, sizeof l->ctl, "%.200s/ctl.log", tmp);
	if (!find_bindir(l)) {
		fprintf(stderr, "limf: PostgreSQL server programs not found (install postgresql, "
				"or set LIMF_PG_BINDIR)\n");
		return 1;
	}
	{
		/* (said once here; run_pg refuses it at each run, a link put there since) */
		struct stat st;
		if (lstat(l->ctl, &st) == 0 && (!S_ISREG(st.st_mode) || st.st_nlink > 1)) {
			fprintf(stderr,
				"limf: %s is not a regular file of its own (a link?): refused; "
				"remove it\n",
				l->ctl);
			return 1;
		}
	}
	l->root = geteuid() == 0;
	l->uid = geteuid();
	l->gid = getegid();
	if (l->root) {
		struct passwd *pw = getpwnam("postgres");
		if (!pw) {
			fprintf(stderr, "limf: running as root needs the unprivileged 'postgres' "
					"user (Debian's postgresql package creates it)\n");
			return 1;
		}
		l->uid = pw->pw_uid;
		l->gid = pw->pw_gid;
	}
	return 0;
}

/* Opens a file of the cluster's directory, which the postgres account owns (root chowns it
 * to postgres): that account may have put a symbolic or hard link there to a file of root's
 * (/etc/cron.d/x), which root, appending pg_ctl's output (partly the account's text), must not
 * write. So: the file itself (O_NOFOLLOW), a regular file of one link (O_NONBLOCK: a FIFO does
 * not hang the open). -1 with errno EPERM for another kind. */
static int open_own_at(int dfd, const char *path, int flags)
{
	struct stat st;
	int fd = openat(dfd, path, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == ELOOP || errno == ENXIO ? (errno = EPERM, -1) : -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink > 1) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	return fd;
}

static int open_own(const char *path, int flags)
{
	return open_own_at(AT_FDCWD, path, flags);
}

/* A directory of the cluster's, name under dir, which postgres owns or may replace: the
 * directory itself, never a link's target (O_NOFOLLOW; ENOTDIR for a link or a file). */
static int open_own_dir(const char *dir, const char *name)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd;
	if (dfd < 0)
		return -1;
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ELOOP)
		errno = ENOTDIR;
	close(dfd);
	return fd;
}

/* Runs bindir/prog args... (as postgres when root), output appended to ctl.log. Returns the
 * exit status, or -1. */
static int run_pg(const struct local *l, const char *prog, const char *const *args)
{
	const char *argv[24];
	char path[PATH_MAX + 32];
	size_t n = 0;
	pid_t pid;
	int st;
	snprintf(path, sizeof path, "%s/%s", l->bindir, prog);
	if (l->root) {
		argv[n++] = "runuser";
		argv[n++] = "-u";
		argv[n++] = "postgres";
		argv[n++] = "--";
	}
	argv[n++] = path;
	for (size_t i = 0; args[i] && n < 23; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open_own(l->ctl, O_WRONLY | O_CREAT | O_APPEND);
		int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd < 0 && errno == EPERM) {
			fprintf(stderr, "limf: %s is not a regular file of its own: refused\n",
				l->ctl);
			_exit(126);
		}
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		if (nul >= 0)
			dup2(nul, 0);
		if (chdir(l->dir) != 0)
			_exit(126);
		if (l->root) {
			execv("/usr/sbin/runuser", (char *const *)argv);
			execvp("runuser", (char *const *)argv);
		} else {
			execv(path, (char *const *)argv);
		}
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void tail_ctl(const struct local *l)
{
	int fd = open_own(l->ctl, O_RDONLY);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	char line[512];
	if (!f) {
		if (fd >= 0)
			close(fd);
		return;
	}
	fprintf(stderr, "limf: last lines of %s:\n", l->ctl);
	long pos = 0;
	if (fseek(f, 0, SEEK_END) == 0 && (pos = ftell(f)) > 2000)
		(void)fseek(f, pos - 2000, SEEK_SET);
	else
		rewind(f);
	while (fgets(line, sizeof line, f))
		fprintf(stderr, "  %s", line);
	fclose(f);
}

static bool running(const struct local *l)
{
	const char *args[] = { "-D", l->data, "status", NULL };
	return run_pg(l, "pg_ctl", args) == 0;
}

static void print_conn(const struct local *l)
{
	static const char *const var[] = { "LIMF_DB_SUPER", "LIMF_DB_ADMIN", "LIMF_DB_OPERATOR",
					   "LIMF_DB_SERVICE", "LIMF_DB" };
	static const char *const user[] = { "postgres", WR_ROLE_ADMIN, WR_ROLE_OPERATOR,
					    WR_ROLE_SERVICE, WR_ROLE_OPERATOR };
	for (size_t i = 0; i < 5; i++)
		printf("export %s='host=%s port=5432 dbname=%s user=%s'\n", var[i], l->run,
		       i == 0 ? "postgres" : WR_DB_NAME, user[i]);
}

static int conn_as(const struct local *l, const char *db, const char *user, char *out, size_t cap)
{
	int n = snprintf(out, cap, "host=%s port=5432 dbname=%s user=%s", l->run, db, user);
	return n < 0 || (size_t)n >= cap;
}

/* Whether dir holds nothing but what a cluster start leaves there (data, run, server.log,
 * ctl.log: a start that failed is tried again), none of them a link */
static bool local_dir_ours(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	bool ok = d != NULL;
	while (ok && (de = readdir(d)) != NULL) {
		struct stat st;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		ok = (!strcmp(de->d_name, "data") || !strcmp(de->d_name, "run") ||
		      !strcmp(de->d_name, "server.log") || !strcmp(de->d_name, "ctl.log")) &&
		     fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		     !S_ISLNK(st.st_mode) && (S_ISDIR(st.st_mode) || st.st_nlink == 1);
	}
	if (d)
		closedir(d);
	return ok;
}

static int local_init(const struct local *l)
{
	char pv[PATH_MAX + 16];
	snprintf(pv, sizeof pv, "%s/PG_VERSION", l->data);
	if (access(pv, F_OK) == 0)
		return 0;
	/* a new cluster: as root the directory goes to the server's user, so it must be one
	 * made for it (before, any directory was taken: `start /var` gave /var to postgres) */
	if (l->root && !local_dir_ours(l->dir)) {
		fprintf(stderr,
			"limf: %s: holds other files: a new cluster needs an empty directory (or a "
			"new one, which limf makes)\n",
			l->dir);
		return 1;
	}
	if (l->root && chown(l->dir, l->uid, l->gid) != 0) {
		fprintf(stderr, "limf: chown %s: %s\n", l->dir, strerror(errno));
		return 1;
	}
	if (mkdir(l->run, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "limf: mkdir %s: %s\n", l->run, strerror(errno));
		return 1;
	}
	{
		/* (one postgres put there, a link to /etc/cron.d say, is not what root chowns) */
		int rfd = open_own_dir(l->dir, "run");
		if (rfd < 0 || (l->root && fchown(rfd, l->uid, l->gid) != 0)) {
			fprintf(stderr, "limf: %s: %s\n", l->run,
				errno == ENOTDIR ? "not a directory of its own (a link?): refused"
						 : strerror(errno));
			if (rfd >= 0)
				close(rfd);
			return 1;
		}
		close(rfd);
	}
	const char *nosync = getenv("LIMF_PG_NOSYNC");
	bool fast = nosync && strcmp(nosync, "1") == 0;
	const char *args[] = { "-D",    l->data, "-U",   "postgres",   "-A",
			       "trust", "-E",    "UTF8", "--locale=C", fast ? "--no-sync" : NULL,
			       NULL };
	if (run_pg(l, "initdb", args) != 0) {
		fprintf(stderr, "limf: initdb failed\n");
		tail_ctl(l);
		return 1;
	}
	char conf[PATH_MAX + 32];
	snprintf(conf, sizeof conf, "%s/postgresql.conf", l->data);
	int dfd = open_own_dir(l->dir, "data");
	int cfd = dfd >= 0 ? open_own_at(dfd, "postgresql.conf", O_WRONLY | O_APPEND) : -1;
	if (dfd >= 0)
		close(dfd);
	FILE *f = cfd >= 0 ? fdopen(cfd, "a") : NULL;
	if (!f) {
		fprintf(stderr, "limf: %s: %s\n", conf,
			errno == EPERM ? "not a regular file of its own" : strerror(errno));
		if (cfd >= 0)
			close(cfd);
		return 1;
	}
	fprintf(f,
		"\n# limf db local: Unix socket only, private directory\n"
		"listen_addresses = ''\n"
		"port = 5432\n"
		"unix_socket_directories = '%s'\n"
		"unix_socket_permissions = 0700\n",
		l->run);
	if (fast)
		fprintf(f, "# test cluster (LIMF_PG_NOSYNC=1): durability off\n"
			   "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n");
	if (fclose(f) != 0) {
		fprintf(stderr, "limf: %s: write failed\n", conf);
		return 1;
	}
	return 0;
}

static int db_local(int argc, char **argv)
{
	struct local l;
	char cs[PATH_MAX + 128];
	struct wr_db *db = NULL;
	enum lim_err rc;
	if (argc != 2 ||
	    (strcmp(argv[0], "start") && strcmp(argv[0], "stop") && strcmp(argv[0], "status"))) {
		fprintf(stderr, "usage: limf db local start|stop|status DIR\n");
		return 2;
	}
	if (local_setup(argv[1], strcmp(argv[0], "start") == 0, &l))
		return 1;
	if (strcmp(argv[0], "stop") == 0) {
		if (!running(&l)) {
			fprintf(stderr, "limf: no cluster running under %s\n", l.dir);
			return 0;
		}
		const char *args[] = { "-D", l.data, "-m", "fast", "-w", "stop", NULL };
		if (run_pg(&l, "pg_ctl", args) != 0) {
			fprintf(stderr, "limf: pg_ctl stop failed\n");
			tail_ctl(&l);
			return 1;
		}
		fprintf(stderr, "limf: stopped the cluster under %s\n", l.dir);
		return 0;
	}
	if (strcmp(argv[0], "status") == 0) {
		if (!running(&l)) {
			printf("not running: %s\n", l.dir);
			return 1;
		}
		print_conn(&l);
		return 0;
	}
	if (local_init(&l))
		return 1;
	if (!running(&l)) {
		const char *args[] = { "-D", l.data, "-l", l.log, "-w", "-t", "60", "start", NULL };
		if (run_pg(&l, "pg_ctl", args) != 0) {
			fprintf(stderr, "limf: pg_ctl start failed (server log: %s)\n", l.log);
			tail_ctl(&l);
			return 1;
		}
	}
	/* roles and database, then the schema */
	if (conn_as(&l, "postgres", "postgres", cs, sizeof cs) || open_db(cs, &db))
		return 1;
	rc = wr_db_provision(db);
	if (rc != LIM_OK) {
		db_error(db, rc);
		wr_db_close(db);
		return 1;
	}
	wr_db_close(db);
	if (conn_as(&l, WR_DB_NAME, WR_ROLE_ADMIN, cs, sizeof cs) || open_db(cs, &db))
		return 1;
	rc = wr_db_migrate(db, NULL, NULL);
	if (rc != LIM_OK) {
		db_error(db, rc);
		wr_db_close(db);
		return 1;
	}
	wr_db_close(db);
	print_conn(&l);
	return 0;
}

static void db_usage(FILE *f)
{
	fprintf(f, "usage: limf db [--db CONNSTR | --config FILE] migrate [--wait SECONDS] | "
		   "provision\n"
		   "       limf db local start|stop|status DIR\n");
}

/* see cli.h */
int limf_cmd_db(int argc, char **argv)
{
	struct wr_db *db = NULL;
	enum lim_err rc;
	int bad, from = 0, to = 0, wait_ms = WR_MIGRATE_WAIT_MS;
	if (limf_wants_help(argc, argv)) {
		db_usage(stdout);
		return 0;
	}
	if (argc >= 1 && strcmp(argv[0], "local") == 0)
		return db_local(argc - 1, argv + 1);
	const char *conn = take_db(&argc, argv, &bad);
	if (bad == 2)
		return 1;
	if (!bad && argc == 3 && strcmp(argv[0], "migrate") == 0 &&
	    strcmp(argv[1], "--wait") == 0) {
		char *end;
		errno = 0;
		long w = strtol(argv[2], &end, 10);
		if (errno || end == argv[2] || *end || w < 0 || w > 86400) {
			fprintf(stderr, "limf db migrate: --wait takes seconds, 0 to 86400\n");
			return 2;
		}
		wait_ms = (int)w * 1000;
		argc = 1;
	}
	if (bad || argc != 1 || (strcmp(argv[0], "migrate") && strcmp(argv[0], "provision"))) {
		db_usage(stderr);
		return 2;
	}
	if (open_db(conn, &db))
		return 1;
	if (strcmp(argv[0], "provision") == 0) {
		rc = wr_db_provision(db);
		if (rc == LIM_OK)
			printf("roles %s, %s, %s and database %s are in place\n", WR_ROLE_ADMIN,
			       WR_ROLE_OPERATOR, WR_ROLE_SERVICE, WR_DB_NAME);
	} else {
		rc = wr_db_migrate_wait(db, wait_ms, &from, &to);
		if (rc == LIM_OK)
			printf("schema at version %d (was %d)\n", to, from);
	}
	int ret = rc == LIM_OK ? 0 : db_error(db, rc);
	wr_db_close(db);
	return ret;
}
