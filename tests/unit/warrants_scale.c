/* test_warrants: schema version 3 (issue 8, "Scale-out" and the X2/X3 XID): warrant XIDs
 * (parse, add/modify/get, uniqueness, audit, NOTIFY, the wr_xid_decide gate), the shared CIN
 * counter (disjoint blocks from concurrent processes on their own connections, the wrap,
 * least privilege), the instances' health rows (report, list, stale, privileges), and a
 * version 2 database migrated in place to version 3. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "tests/unit/warrants_suites.h"
#include "warrants/internal.h" /* wr_migrations: to build a version 2 database */

#define X1 "0b6e7d1c-3f2a-4c5b-9d8e-7f6a5b4c3d2e"
#define X2 "5f0c2a1e-8b7d-4e6f-a1b2-c3d4e5f60718"
#define X3 "a0a1a2a3-b0b1-4c0c-8d0d-e0e1e2e3e4e5"

static void t_xid_parse(void)
{
	char out[WR_XID_STRLEN];
	CHECK(wr_xid_parse(X1, out) && strcmp(out, X1) == 0);
	CHECK(wr_xid_parse("0B6E7D1C-3F2A-4C5B-9D8E-7F6A5B4C3D2E", out) && strcmp(out, X1) == 0);
	CHECK(wr_xid_parse("00000000-0000-0000-0000-000000000000", out));
	static const char *const bad[] = {
		"",
		"0b6e7d1c3f2a4c5b9d8e7f6a5b4c3d2e",       /* no hyphens */
		"0b6e7d1c-3f2a-4c5b-9d8e-7f6a5b4c3d2",    /* short */
		"0b6e7d1c-3f2a-4c5b-9d8e-7f6a5b4c3d2e0",  /* long */
		"0b6e7d1c-3f2a-4c5b-9d8e-7f6a5b4c3d2g",   /* not hex */
		"{0b6e7d1c-3f2a-4c5b-9d8e-7f6a5b4c3d2e}", /* braces */
		"0b6e7d1c-3f2a-4c5b-9d8e_7f6a5b4c3d2e",   /* wrong separator */
		" 0b6e7d1c-3f2a-4c5b-9d8e-7f6a5b4c3d2e",  /* space */
		"0b6e7d1c-3f2a-4c5b-9d8e-7f6a5b4c3d2e ",
		"0b6e7d1-c3f2a-4c5b-9d8e-7f6a5b4c3d2e", /* hyphen misplaced */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK(!wr_xid_parse(bad[i], out));
		if (wr_xid_parse(bad[i], out))
			fprintf(stderr, "  accepted '%s'\n", bad[i]);
	}
	/* binary (X2/X3 header octets) to text */
	{
		static const uint8_t bin[16] = { 0x0b, 0x6e, 0x7d, 0x1c, 0x3f, 0x2a, 0x4c, 0x5b,
						 0x9d, 0x8e, 0x7f, 0x6a, 0x5b, 0x4c, 0x3d, 0x2e };
		char txt[WR_XID_STRLEN];
		wr_xid_format(bin, txt);
		CHECK(strcmp(txt, X1) == 0);
	}
	/* the in-memory list: sorted, unique, capped */
	struct wr_warrant *w = calloc(1, sizeof *w);
	char x[WR_XID_STRLEN];
	CHECK(wr_warrant_add_xid(w, X2) == LIM_OK);
	CHECK(wr_warrant_add_xid(w, X1) == LIM_OK);
	CHECK(w->n_xids == 2 && strcmp(w->xids[0], X1) == 0 && strcmp(w->xids[1], X2) == 0);
	CHECK(wr_warrant_add_xid(w, "0B6E7D1C-3F2A-4C5B-9D8E-7F6A5B4C3D2E") == LIM_E_ARG);
	CHECK(wr_warrant_add_xid(w, "nope") == LIM_E_PARSE);
	for (int i = 2; i < WR_MAX_XIDS; i++) {
		snprintf(x, sizeof x, "11111111-2222-4333-8444-%012d", i);
		CHECK(wr_warrant_add_xid(w, x) == LIM_OK);
	}
	CHECK(wr_warrant_add_xid(w, X3) == LIM_E_LIMIT);
	CHECK(w->n_xids == WR_MAX_XIDS);
	free(w);
}

/* Whether a change notification arrives on db within ms. */
static bool notified(struct wr_db *db, int ms)
{
	int64_t end = (int64_t)lim_mono_ms() + ms;
	for (;;) {
		size_t n = 0;
		int64_t left = end - (int64_t)lim_mono_ms();
		struct pollfd p = { .fd = wr_db_fd(db), .events = POLLIN, .revents = 0 };
		(void)poll(&p, 1, left > 0 ? (int)left : 0);
		if (wr_db_changes(db, &n) != LIM_OK)
			return false;
		if (n)
			return true;
		if (left <= 0)
			return false;
	}
}

static int count_audit(void *ctx, const struct wr_audit_row *r)
{
	int *n = ctx;
	if (strstr(r->detail, "xids=") != NULL)
		(*n)++;
	return 0;
}

/* Whether xid (canonical text) is among the n XIDs of v (wr_xids_known), checking they are
 * sorted. */
static bool xid_known(const uint8_t (*v)[16], size_t n, const char *xid)
{
	bool in = false;
	for (size_t i = 0; i < n; i++) {
		char t[WR_XID_STRLEN];
		wr_xid_format(v[i], t);
		in |= strcmp(t, xid) == 0;
		CHECK(i == 0 || memcmp(v[i - 1], v[i], 16) < 0);
	}
	return in;
}

static void t_xid_store(void)
{
	struct wr_db *op = t_db(T_OPERATOR), *svc = t_db(T_SERVICE);
	struct wr_warrant *w = calloc(1, sizeof *w), *g = calloc(1, sizeof *g);
	struct wr_change ch;
	struct wr_match m;
	char l1[WR_LIID_MAX + 1], l2[WR_LIID_MAX + 1], snap[128], snap2[128], st[6];
	char x1[WR_XID_STRLEN], x2[WR_XID_STRLEN], x3[WR_XID_STRLEN];
	int64_t from = t_time("2026-01-01T00:00Z"), to = t_time("2027-01-01T00:00Z");
	int64_t mid = t_time("2026-06-01T00:00Z");
	size_t n = 9;
	int audited = 0;

	/* XIDs unique to this run (the store keeps them for ever) */
	snprintf(x1, sizeof x1, "%08x-0000-4000-8000-000000000001", (unsigned)getpid());
	snprintf(x2, sizeof x2, "%08x-0000-4000-8000-000000000002", (unsigned)getpid());
	snprintf(x3, sizeof x3, "%08x-0000-4000-8000-000000000003", (unsigned)getpid());
	CHECK(wr_db_listen(svc) == LIM_OK);
	t_liid(l1, sizeof l1, "xid1");
	t_liid(l2, sizeof l2, "xid2");
	t_fill(w, l1, from, to, "sip:xid1@example.org");
	CHECK(wr_warrant_add_xid(w, x2) == LIM_OK && wr_warrant_add_xid(w, x1) == LIM_OK);
	CHECK(wr_warrant_add(op, w) == LIM_OK);
	CHECK(notified(svc, 1000));
	CHECK(wr_warrant_get(svc, l1, g) == LIM_OK);
	CHECK(g->n_xids == 2 && strcmp(g->xids[0], x1) == 0 && strcmp(g->xids[1], x2) == 0);

	/* the gate: in force at t, by XID in any case */
	CHECK(wr_xid_decide(svc, x1, mid, &m, &n) == LIM_OK && n == 1 && strcmp(m.liid, l1) == 0 &&
	      m.scope == WR_SCOPE_IRI_CC);
	{
		char up[WR_XID_STRLEN];
		for (size_t i = 0; i < sizeof up; i++)
			up[i] = (char)(x2[i] >= 'a' && x2[i] <= 'f' ? x2[i] - 32 : x2[i]);
		n = 9;
		CHECK(wr_xid_decide(svc, up, mid, &m, &n) == LIM_OK && n == 1);
	}
	n = 9;
	CHECK(wr_xid_decide(svc, x1, to, &m, &n) == LIM_OK && n == 0); /* end exclusive */
	n = 9;
	CHECK(wr_xid_decide(svc, x1, from - 1, &m, &n) == LIM_OK && n == 0);
	n = 9;
	CHECK(wr_xid_decide(svc, x3, mid, &m, &n) == LIM_OK && n == 0); /* unknown */
	n = 9;
	CHECK(wr_xid_decide(svc, "not-a-uuid", mid, &m, &n) == LIM_E_ARG && n == 0);

	/* an XID belongs to one warrant: a second warrant claiming it changes nothing */
	t_snapshot(snap);
	t_fill(w, l2, from, to, "sip:xid2@example.org");
	CHECK(wr_warrant_add_xid(w, x3) == LIM_OK && wr_warrant_add_xid(w, x1) == LIM_OK);
	CHECK(wr_warrant_add(op, w) == LIM_E_ARG);
	CHECK(strstr(wr_db_msg(op), "another warrant") != NULL);
	t_snapshot(snap2);
	CHECK(strcmp(snap, snap2) == 0);
	CHECK(!notified(svc, 200));
	t_fill(w, l2, from, to, "sip:xid2@example.org");
	CHECK(wr_warrant_add(op, w) == LIM_OK); /* none: a v2-style warrant */
	CHECK(notified(svc, 1000));
	memset(&ch, 0, sizeof ch);
	const char *add1[] = { x1 }, *add3[] = { x3 }, *del2[] = { x2 };
	ch.add_xids = add1;
	ch.n_add_xids = 1;
	CHECK(wr_warrant_modify(op, l2, &ch) == LIM_E_ARG); /* x1 is l1's */
	ch.add_xids = add3;
	CHECK(wr_warrant_modify(op, l2, &ch) == LIM_OK);
	CHECK(notified(svc, 1000));
	n = 9;
	CHECK(wr_xid_decide(svc, x3, mid, &m, &n) == LIM_OK && n == 1 && strcmp(m.liid, l2) == 0);
	/* modify: remove one, unknown removal refused, a malformed one refused */
	char xm1[WR_MARK_LEN], xm2[WR_MARK_LEN], xm3[WR_MARK_LEN];
	CHECK(wr_xids_mark(svc, xm1) == LIM_OK && strlen(xm1) == 32);
	memset(&ch, 0, sizeof ch);
	ch.del_xids = del2;
	ch.n_del_xids = 1;
	CHECK(wr_warrant_modify(op, l2, &ch) == LIM_E_ARG); /* not on l2 */
	CHECK(wr_warrant_modify(op, l1, &ch) == LIM_OK);
	CHECK(notified(svc, 1000));
	CHECK(wr_warrant_get(op, l1, g) == LIM_OK && g->n_xids == 1 && strcmp(g->xids[0], x1) == 0);
	n = 9;
	CHECK(wr_xid_decide(svc, x2, mid, &m, &n) == LIM_OK && n == 0);
	/* every XID a warrant has, for the service (X2/X3 asks only for those), and its mark:
	 * moved by the removal, else the same */
	CHECK(wr_xids_mark(svc, xm2) == LIM_OK && strcmp(xm1, xm2) != 0);
	{
		bool same = false; /* (other suites may add XIDs meanwhile: a few tries) */
		for (int k = 0; k < 5 && !same; k++)
			same = wr_xids_mark(svc, xm2) == LIM_OK &&
			       wr_xids_mark(svc, xm3) == LIM_OK && strcmp(xm2, xm3) == 0;
		CHECK(same);
	}
	{
		uint8_t(*v)[16] = NULL;
		size_t nv = 0;
		CHECK(wr_xids_known(svc, &v, &nv) == LIM_OK && nv >= 2);
		CHECK(xid_known((const uint8_t(*)[16])v, nv, x1) &&
		      xid_known((const uint8_t(*)[16])v, nv, x3) &&
		      !xid_known((const uint8_t(*)[16])v, nv, x2));
		free(v);
	}
	const char *junk[] = { "zz" };
	memset(&ch, 0, sizeof ch);
	ch.add_xids = junk;
	ch.n_add_xids = 1;
	CHECK(wr_warrant_modify(op, l1, &ch) == LIM_E_ARG);
	/* the warrant's status gates its XIDs */
	CHECK(wr_warrant_set_status(op, l1, WR_SUSPENDED, "test") == LIM_OK);
	n = 9;
	CHECK(wr_xid_decide(svc, x1, mid, &m, &n) == LIM_OK && n == 0);
	CHECK(wr_warrant_set_status(op, l1, WR_ACTIVE, NULL) == LIM_OK);
	n = 9;
	CHECK(wr_xid_decide(svc, x1, mid, &m, &n) == LIM_OK && n == 1);
	CHECK(wr_warrant_set_status(op, l1, WR_REVOKED, "test") == LIM_OK);
	n = 9;
	CHECK(wr_xid_decide(svc, x1, mid, &m, &n) == LIM_OK && n == 0);
	/* audited: add with xids, two modifies with xids */
	CHECK(wr_audit_list(op, l1, count_audit, &audited) == LIM_OK);
	CHECK(audited == 2);
	audited = 0;
	CHECK(wr_audit_list(op, l2, count_audit, &audited) == LIM_OK);
	CHECK(audited == 1);

	/* least privilege and invariant 2 on the new table */
	{
		PGconn *s = t_pg(T_SERVICE), *o = t_pg(T_OPERATOR);
		char sql[256];
		snprintf(sql, sizeof sql,
			 "INSERT INTO limf.warrant_xids (xid, warrant_id)"
			 " SELECT '%s', id FROM limf.warrants WHERE liid = '%s'",
			 X3, l2);
		t_sql(s, sql, st);
		CHECK(strcmp(st, "42501") == 0); /* the service role reads only */
		t_sql(o, sql, st);
		CHECK(strcmp(st, "23000") == 0); /* no audit row in that transaction */
		t_sql(o, "UPDATE limf.warrant_xids SET added_at = now()", st);
		CHECK(strcmp(st, "42501") == 0);
		PQfinish(s);
		PQfinish(o);
	}
	free(w);
	free(g);
	wr_db_close(op);
	wr_db_close(svc);
}

/* ---- CINs ---- */

#define CIN_PROCS  4
#define CIN_ROUNDS 150

/* A child: its own connection, CIN_ROUNDS reservations of 1..7, "first n" lines to path. */
static int cin_child(const char *conn, const char *path, unsigned seed)
{
	struct wr_db *db = NULL;
	FILE *f = fopen(path, "w");
	if (!f || wr_db_open(conn, "cin-test", &db) != LIM_OK)
		return 2;
	for (int i = 0; i < CIN_ROUNDS; i++) {
		uint32_t n = 1 + (uint32_t)(rand_r(&seed) % 7), first = 0;
		if (wr_cin_reserve(db, n, &first) != LIM_OK) {
			fprintf(stderr, "  child: %s\n", wr_db_msg(db));
			return 3;
		}
		fprintf(f, "%u %u\n", first, n);
	}
	wr_db_close(db);
	return fclose(f) == 0 ? 0 : 4;
}

struct blk {
	uint32_t first, n;
};

static int cmp_blk(const void *a, const void *b)
{
	const struct blk *x = a, *y = b;
	return x->first < y->first ? -1 : x->first > y->first;
}

static void t_cin_concurrent(void)
{
	const char *conn = T_SERVICE;
	char dir[] = "/tmp/limf-cin-XXXXXX", path[CIN_PROCS][64];
	pid_t pid[CIN_PROCS];
	struct blk *b = calloc(CIN_PROCS * CIN_ROUNDS, sizeof *b);
	size_t nb = 0;
	uint64_t total = 0;
	bool disjoint = true;
	int64_t t0 = (int64_t)lim_mono_ms();
	CHECK(mkdtemp(dir) != NULL);
	fflush(NULL);
	for (int i = 0; i < CIN_PROCS; i++) {
		snprintf(path[i], sizeof path[i], "%s/%d", dir, i);
		pid[i] = fork();
		if (pid[i] == 0)
			_exit(cin_child(conn, path[i], 7u * (unsigned)i + 1));
	}
	for (int i = 0; i < CIN_PROCS; i++) {
		int stt = -1;
		CHECK(waitpid(pid[i], &stt, 0) == pid[i] && WIFEXITED(stt) &&
		      WEXITSTATUS(stt) == 0);
		FILE *f = fopen(path[i], "r");
		unsigned a, c;
		while (f && nb < CIN_PROCS * CIN_ROUNDS && fscanf(f, "%u %u", &a, &c) == 2) {
			b[nb].first = a;
			b[nb++].n = c;
			total += c;
		}
		if (f)
			fclose(f);
		remove(path[i]);
	}
	remove(dir);
	CHECK(nb == CIN_PROCS * CIN_ROUNDS);
	qsort(b, nb, sizeof *b, cmp_blk);
	for (size_t i = 0; i < nb; i++) {
		CHECK(b[i].first >= 1);
		if (i + 1 < nb && b[i].first + b[i].n > b[i + 1].first) {
			disjoint = false;
			fprintf(stderr, "  overlap: %u+%u and %u\n", b[i].first, b[i].n,
				b[i + 1].first);
		}
	}
	CHECK(disjoint);
	/* nobody else reserved meanwhile: the blocks tile one range without a gap */
	CHECK(nb > 0 && (uint64_t)b[nb - 1].first + b[nb - 1].n - b[0].first == total);
	fprintf(stderr, "  %zu blocks, %llu CINs from %d processes: disjoint (%lld ms)\n", nb,
		(unsigned long long)total, CIN_PROCS, (long long)((int64_t)lim_mono_ms() - t0));
	free(b);
}

static void t_cin_rules(void)
{
	struct wr_db *svc = t_db(T_SERVICE), *op = t_db(T_OPERATOR);
	PGconn *adm = t_pg(T_ADMIN), *s = t_pg(T_SERVICE);
	uint32_t a = 0, b = 0, c = 0;
	char st[6], v[32], saved[32];

	CHECK(wr_cin_reserve(svc, 1, &a) == LIM_OK && a >= 1);
	CHECK(wr_cin_reserve(svc, 10, &b) == LIM_OK && b == a + 1);
	CHECK(wr_cin_reserve(svc, 1, &c) == LIM_OK && c == b + 10);
	CHECK(wr_cin_reserve(svc, 0, &a) == LIM_E_ARG && a == 0);
	CHECK(wr_cin_reserve(svc, WR_CIN_BLOCK_MAX + 1, &a) == LIM_E_ARG);
	/* inside a transaction: refused (the block must be committed before it is used) */
	CHECK(wr_begin(svc) == LIM_OK);
	CHECK(wr_cin_reserve(svc, 1, &a) == LIM_E_STATE);
	wr_rollback(svc);
	/* least privilege: the operator may not reserve; nobody but the admin touches the row */
	CHECK(wr_cin_reserve(op, 1, &a) == LIM_E_DB && strcmp(wr_db_sqlstate(op), "42501") == 0);
	t_sql(s, "UPDATE limf.cin_counter SET next = 1", st);
	CHECK(strcmp(st, "42501") == 0);
	t_sql(s, "SELECT next FROM limf.cin_counter", st);
	CHECK(strcmp(st, "42501") == 0);
	t_sql(s, "SELECT limf.cin_reserve(0)", st);
	CHECK(strcmp(st, "22023") == 0);

	/* the wrap: a block never straddles 2^32-1; the next one starts at 1, counted, audited */
	t_sql_val(adm, "SELECT next::text FROM limf.cin_counter", saved, sizeof saved);
	t_sql(adm, "UPDATE limf.cin_counter SET next = 4294967290", st);
	CHECK(st[0] == '\0');
	CHECK(wr_cin_reserve(svc, 4, &a) == LIM_OK && a == 4294967290u);
	CHECK(wr_cin_reserve(svc, 2, &a) == LIM_OK && a == 4294967294u); /* ..4294967295 */
	t_sql_val(adm, "SELECT wraps::text FROM limf.cin_counter", v, sizeof v);
	CHECK(strcmp(v, "0") == 0);
	CHECK(wr_cin_reserve(svc, 3, &a) == LIM_OK && a == 1);
	CHECK(wr_cin_reserve(svc, 1, &a) == LIM_OK && a == 4);
	t_sql_val(adm, "SELECT wraps::text FROM limf.cin_counter", v, sizeof v);
	CHECK(strcmp(v, "1") == 0);
	t_sql_val(adm,
		  "SELECT count(*)::text FROM limf.audit WHERE action = 'cin.wrap'"
		  " AND db_role = 'limf_service'",
		  v, sizeof v);
	CHECK(strcmp(v, "1") == 0);
	/* a block that does not fit at the end wraps whole */
	t_sql(adm, "UPDATE limf.cin_counter SET next = 4294967295", st);
	CHECK(wr_cin_reserve(svc, 2, &a) == LIM_OK && a == 1);
	{
		/* put the counter back past everything handed out before */
		char sql[128];
		snprintf(sql, sizeof sql, "UPDATE limf.cin_counter SET next = %s + 1000, wraps = 0",
			 saved);
		t_sql(adm, sql, st);
		CHECK(st[0] == '\0');
	}
	{
		struct wr_audit_verdict vd;
		CHECK(wr_audit_verify(op, &vd) == LIM_OK && vd.bad_id == 0);
	}
	PQfinish(adm);
	PQfinish(s);
	wr_db_close(svc);
	wr_db_close(op);
}

/* ---- instances ---- */

struct find {
	const char *name;
	bool found;
	struct wr_instance in;
	char json[256];
};

static int find_one(void *ctx, const struct wr_instance *in)
{
	struct find *f = ctx;
	if (strcmp(in->name, f->name) != 0)
		return 0;
	f->found = true;
	f->in = *in;
	snprintf(f->json, sizeof f->json, "%s", in->status_json ? in->status_json : "(null)");
	f->in.status_json = NULL;
	return 1;
}

static void t_instances(void)
{
	struct wr_db *svc = t_db(T_SERVICE), *op = t_db(T_OPERATOR);
	struct wr_instance in;
	struct find f;
	char name[WR_INSTANCE_MAX + 1], st[6];
	PGconn *s = t_pg(T_SERVICE), *o = t_pg(T_OPERATOR);

	snprintf(name, sizeof name, "test-%ld@host.example:1", (long)getpid());
	memset(&in, 0, sizeof in);
	snprintf(in.name, sizeof in.name, "%s", name);
	snprintf(in.host, sizeof in.host, "host.example");
	in.pid = 4242;
	in.running = true;
	in.interval_ms = 60000;
	in.uptime_ms = 5000;
	in.frames = 1000;
	in.bytes = 123456;
	in.drops = 3;
	in.calls = 7;
	in.intercepted = 2;
	in.kms_ok = 4;
	in.kms_failed = 1;
	in.links_up = 1;
	in.links = 2;
	in.spool_pending = 9;
	in.alarm = true;
	in.status_json = "{\"uptime_ms\": 5000, \"alarm\": true}";
	CHECK(wr_instance_report(svc, &in) == LIM_OK);
	memset(&f, 0, sizeof f);
	f.name = name;
	CHECK(wr_instance_list(op, find_one, &f) == LIM_OK && f.found);
	CHECK(f.in.running && !f.in.stale && f.in.pid == 4242 && f.in.interval_ms == 60000);
	CHECK(f.in.frames == 1000 && f.in.bytes == 123456 && f.in.drops == 3 && f.in.calls == 7 &&
	      f.in.intercepted == 2 && f.in.kms_ok == 4 && f.in.kms_failed == 1 &&
	      f.in.links_up == 1 && f.in.links == 2 && f.in.spool_pending == 9 && f.in.alarm);
	CHECK(f.in.age_ms >= 0 && f.in.age_ms < 5000);
	/* started_at = seen_at - uptime (server clock) */
	CHECK(f.in.seen_at - f.in.started_at == 5000000);
	CHECK(strstr(f.json, "\"uptime_ms\": 5000") != NULL);

	/* an upsert: the same row; then stopped */
	in.frames = 2000;
	in.running = false;
	in.status_json = NULL;
	CHECK(wr_instance_report(svc, &in) == LIM_OK);
	memset(&f, 0, sizeof f);
	f.name = name;
	CHECK(wr_instance_list(op, find_one, &f) == LIM_OK && f.found);
	CHECK(!f.in.running && !f.in.stale && f.in.frames == 2000);
	CHECK(strcmp(f.json, "(null)") == 0);

	/* stale: running, not seen for more than 3 intervals */
	in.running = true;
	in.interval_ms = 100;
	CHECK(wr_instance_report(svc, &in) == LIM_OK);
	memset(&f, 0, sizeof f);
	f.name = name;
	CHECK(wr_instance_list(op, find_one, &f) == LIM_OK && f.found && !f.in.stale);
	usleep(450000);
	memset(&f, 0, sizeof f);
	f.name = name;
	CHECK(wr_instance_list(op, find_one, &f) == LIM_OK && f.found && f.in.stale);
	CHECK(f.in.age_ms >= 300);

	/* refused input */
	snprintf(in.name, sizeof in.name, "bad name");
	CHECK(wr_instance_report(svc, &in) == LIM_E_ARG);
	in.name[0] = '\0';
	CHECK(wr_instance_report(svc, &in) == LIM_E_ARG);
	snprintf(in.name, sizeof in.name, "%s", name);
	in.interval_ms = 99;
	CHECK(wr_instance_report(svc, &in) == LIM_E_ARG);
	in.interval_ms = 1000;
	in.status_json = "{not json";
	CHECK(wr_instance_report(svc, &in) == LIM_E_DB);
	CHECK(strcmp(wr_db_sqlstate(svc), "22P02") == 0);

	/* least privilege: the service writes only through the function and reads nothing; the
	 * operator reads and cannot report */
	CHECK(wr_instance_list(svc, find_one, &f) == LIM_E_DB &&
	      strcmp(wr_db_sqlstate(svc), "42501") == 0);
	in.status_json = NULL;
	CHECK(wr_instance_report(op, &in) == LIM_E_DB && strcmp(wr_db_sqlstate(op), "42501") == 0);
	t_sql(s, "UPDATE limf.instances SET state = 'stopped'", st);
	CHECK(strcmp(st, "42501") == 0);
	t_sql(s, "DELETE FROM limf.instances", st);
	CHECK(strcmp(st, "42501") == 0);
	t_sql(o, "DELETE FROM limf.instances", st);
	CHECK(strcmp(st, "42501") == 0);
	PQfinish(s);
	PQfinish(o);
	wr_db_close(svc);
	wr_db_close(op);
}

/* ---- a version 2 database migrates to version 3 (and on to the latest) ---- */

static void t_migrate_v3(void)
{
	PGconn *su = t_pg(T_SUPER);
	struct wr_db *op, *svc, *adm;
	struct wr_warrant *w = calloc(1, sizeof *w);
	struct wr_change ch;
	struct wr_match m;
	struct wr_audit_verdict vd;
	struct wr_instance in;
	char st[6], adm_cs[512], op_cs[512], svc_cs[512], liid[WR_LIID_MAX + 1];
	const char *xids[] = { X1 };
	int from = -1, to = -1;
	uint32_t cin = 0;
	size_t n = 0;
	int latest = wr_db_schema_latest();

	CHECK(latest >= 3);
	t_sql(su, "DROP DATABASE IF EXISTS limf_v3test", st);
	t_sql(su, "CREATE DATABASE limf_v3test OWNER limf_admin TEMPLATE template0 ENCODING 'UTF8'",
	      st);
	CHECK(st[0] == '\0');
	snprintf(adm_cs, sizeof adm_cs, "%s dbname=limf_v3test", T_ADMIN);
	snprintf(op_cs, sizeof op_cs, "%s dbname=limf_v3test", T_OPERATOR);
	snprintf(svc_cs, sizeof svc_cs, "%s dbname=limf_v3test", T_SERVICE);
	t_migrate_to(adm_cs, 2);
	op = t_db(op_cs);
	svc = t_db(svc_cs);
	/* version 2 in use: a warrant without XIDs can be added; v3 features are absent */
	t_liid(liid, sizeof liid, "v3");
	t_fill(w, liid, t_time("2026-01-01T00:00Z"), t_time("2027-01-01T00:00Z"),
	       "sip:v3@example.org");
	CHECK(wr_warrant_add(op, w) == LIM_OK);
	CHECK(wr_cin_reserve(svc, 1, &cin) == LIM_E_DB);
	CHECK(strcmp(wr_db_sqlstate(svc), "42883") == 0); /* the message limf completes */
	CHECK(wr_db_listen(svc) == LIM_OK);

	adm = t_db(adm_cs);
	CHECK(wr_db_migrate(adm, &from, &to) == LIM_OK && from == 2 && to == latest);
	CHECK(wr_db_migrate(adm, &from, &to) == LIM_OK && from == latest && to == latest);
	/* versions 1 and 2, warrant.add, one per later migration */
	CHECK(wr_audit_verify(adm, &vd) == LIM_OK && vd.bad_id == 0 && vd.rows == 1 + latest);
	wr_db_close(adm);

	/* the warrant is intact, gains an XID (audited, notified), the gate finds it */
	CHECK(wr_warrant_get(svc, liid, w) == LIM_OK && w->n_targets == 1 && w->n_xids == 0);
	memset(&ch, 0, sizeof ch);
	ch.add_xids = xids;
	ch.n_add_xids = 1;
	CHECK(wr_warrant_modify(op, liid, &ch) == LIM_OK);
	CHECK(notified(svc, 1000));
	CHECK(wr_xid_decide(svc, X1, t_time("2026-06-01T00:00Z"), &m, &n) == LIM_OK && n == 1 &&
	      strcmp(m.liid, liid) == 0);
	/* the CIN counter starts at 1; health rows can be written and read */
	CHECK(wr_cin_reserve(svc, 5, &cin) == LIM_OK && cin == 1);
	CHECK(wr_cin_reserve(svc, 1, &cin) == LIM_OK && cin == 6);
	memset(&in, 0, sizeof in);
	snprintf(in.name, sizeof in.name, "migrated");
	in.running = true;
	in.interval_ms = 5000;
	CHECK(wr_instance_report(svc, &in) == LIM_OK);
	{
		struct find f;
		memset(&f, 0, sizeof f);
		f.name = "migrated";
		CHECK(wr_instance_list(op, find_one, &f) == LIM_OK && f.found && f.in.running);
	}
	/* (+ warrant.modify and, schema version 11, the database's row.warrant_xids.insert and
	 * row.warrants.update) */
	CHECK(wr_audit_verify(op, &vd) == LIM_OK && vd.bad_id == 0 && vd.rows == 4 + latest);
	wr_db_close(op);
	wr_db_close(svc);
	t_sql(su, "DROP DATABASE limf_v3test WITH (FORCE)", st);
	CHECK(st[0] == '\0');
	PQfinish(su);
	free(w);
}

const struct lim_suite t_wr_scale_suites[] = {
	{ "xid_parse", t_xid_parse },
	{ "xid_store", t_xid_store },
	{ "cin_concurrent", t_cin_concurrent },
	{ "cin_rules", t_cin_rules },
	{ "instances", t_instances },
	{ "migrate_v3", t_migrate_v3 },
	{ NULL, NULL },
};
