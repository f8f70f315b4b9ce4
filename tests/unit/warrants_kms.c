/* test_warrants kms_*: the KMS client against the real test KMS ($BUILD/limf-kms) over mutual
 * TLS on 127.0.0.1, with the real private PostgreSQL cluster (warrants, decisions, audit).
 * Every assertion about "no request" reads the test KMS's own request log. */
#include <curl/curl.h>
#include <errno.h>
#include <libxml/xmlmemory.h>
#include <malloc.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/codec.h"
#include "common/wipe.h"
#include "tests/kms/kms_glue.h"
#include "tests/unit/warrants_suites.h"
#include "warrants/internal.h"
#include "warrants/kms.h"

struct tkms {
	char dir[64];
	char path[5][200]; /* community, ca, client cert, client key, log */
	char fault[128];
	char url[64];
	pid_t pid;
	uint8_t z[SAKKE_P_LEN];
	size_t zlen;
	uint8_t ksak[ECCSI_KSAK_LEN];
};
enum { P_COM, P_CA, P_CERT, P_KEY, P_LOG };

static struct tkms kms_3gpp, kms_6509, kms_roll, kms_store, kms_amp;
static int64_t fake_now; /* 0 = real time */

static int64_t real_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t test_now(void *ctx)
{
	(void)ctx;
	return fake_now ? fake_now : real_us();
}

static const char *kms_bin(char *buf, size_t cap)
{
	const char *b = getenv("BUILD");
	snprintf(buf, cap, "%s/limf-kms", b && *b ? b : "build");
	return buf;
}

static void stop_all(void)
{
	struct tkms *all[] = { &kms_3gpp, &kms_6509, &kms_roll, &kms_store, &kms_amp };
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
		struct tkms *t = all[i];
		char cmd[128];
		if (t->pid > 0) {
			kill(t->pid, SIGTERM);
			waitpid(t->pid, NULL, 0);
			t->pid = 0;
		}
		if (t->dir[0]) {
			snprintf(cmd, sizeof cmd, "rm -rf '%s'", t->dir);
			if (system(cmd) != 0)
				fprintf(stderr, "cannot remove %s\n", t->dir);
			t->dir[0] = '\0';
		}
	}
}

static int json_hex(const char *js, const char *key, uint8_t *out, size_t cap, size_t *n)
{
	char pat[32];
	const char *p, *e;
	snprintf(pat, sizeof pat, "\"%s\": \"", key);
	p = strstr(js, pat);
	if (!p)
		return -1;
	p += strlen(pat);
	e = strchr(p, '"');
	if (!e)
		return -1;
	return lim_hex_decode(p, (size_t)(e - p), out, cap, n) == LIM_OK ? 0 : -1;
}

/* init + serve a test KMS of the given scheme (once per process); kms_uri NULL: the test
 * KMS's default. */
static struct tkms *kms_start(struct tkms *t, const char *scheme, const char *valid_from,
			      const char *kms_uri);

static struct tkms *kms_up(const char *scheme)
{
	return kms_start(strcmp(scheme, "rfc6509") == 0 ? &kms_6509 : &kms_3gpp, scheme, NULL,
			 NULL);
}

/* A test KMS of its own (kms_roll, which the roll-over tests change), its certificate valid
 * from valid_from (ISO 8601). */
static struct tkms *kms_up_own(const char *valid_from)
{
	return kms_start(&kms_roll, "3gpp-uid", valid_from, NULL);
}

static struct tkms *kms_start(struct tkms *t, const char *scheme, const char *valid_from,
			      const char *kms_uri)
{
	char bin[256], port_file[160], sub[80];
	static const char *names[] = { "community.json", "ca.pem", "client.pem", "client.key" };
	pid_t pid;
	int st;
	if (t->pid > 0)
		return t;
	snprintf(t->dir, sizeof t->dir, "/tmp/limf-kms-test.XXXXXX");
	if (!mkdtemp(t->dir)) {
		fprintf(stderr, "mkdtemp failed\n");
		exit(2);
	}
	snprintf(sub, sizeof sub, "%s/k", t->dir);
	for (int i = 0; i < 4; i++)
		snprintf(t->path[i], sizeof t->path[i], "%s/%s", sub, names[i]);
	snprintf(t->path[P_LOG], sizeof t->path[P_LOG], "%s/requests.log", t->dir);
	snprintf(t->fault, sizeof t->fault, "%s/fault", t->dir);
	snprintf(port_file, sizeof port_file, "%s/port", t->dir);
	kms_bin(bin, sizeof bin);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		if (kms_uri)
			execl(bin, bin, "init", sub, "--scheme", scheme, "--valid-from", valid_from,
			      "--kms-uri", kms_uri, (char *)NULL);
		else if (valid_from)
			execl(bin, bin, "init", sub, "--scheme", scheme, "--valid-from", valid_from,
			      (char *)NULL);
		else
			execl(bin, bin, "init", sub, "--scheme", scheme, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "%s init failed\n", bin);
		exit(2);
	}
	{
		char srvc[160], srvk[160];
		snprintf(srvc, sizeof srvc, "%s/server.pem", sub);
		snprintf(srvk, sizeof srvk, "%s/server.key", sub);
		pid = fork();
		if (pid == 0) {
			execl(bin, bin, "serve", "--community", t->path[P_COM], "--cert", srvc,
			      "--key", srvk, "--ca", t->path[P_CA], "--listen", "127.0.0.1:0",
			      "--port-file", port_file, "--log", t->path[P_LOG], "--fault-file",
			      t->fault, "--slow-ms", "2500", (char *)NULL);
			_exit(127);
		}
	}
	if (pid < 0) {
		fprintf(stderr, "fork failed\n");
		exit(2);
	}
	t->pid = pid;
	atexit(stop_all);
	for (int i = 0; i < 200; i++) {
		FILE *f = fopen(port_file, "r");
		int port = 0;
		if (f) {
			if (fscanf(f, "%d", &port) == 1 && port > 0) {
				fclose(f);
				snprintf(t->url, sizeof t->url, "https://127.0.0.1:%d", port);
				break;
			}
			fclose(f);
		}
		usleep(50000);
	}
	if (!t->url[0]) {
		fprintf(stderr, "limf-kms serve did not start\n");
		exit(2);
	}
	{
		size_t n, kl;
		char *js = lim_t_read_file(t->path[P_COM], &n);
		if (json_hex(js, "z", t->z, sizeof t->z, &t->zlen) != 0 ||
		    json_hex(js, "ksak", t->ksak, sizeof t->ksak, &kl) != 0 || kl != 32) {
			fprintf(stderr, "bad community file\n");
			exit(2);
		}
		free(js);
	}
	return t;
}

static void set_fault(const struct tkms *t, const char *fault)
{
	FILE *f = fopen(t->fault, "w");
	if (!f || fprintf(f, "%s\n", fault) < 0 || fclose(f) != 0) {
		fprintf(stderr, "cannot write the fault file\n");
		exit(2);
	}
}

/* Lines of the KMS request log containing both needles (NULL = any). */
static int log_count(const struct tkms *t, const char *a, const char *b)
{
	char line[2048];
	int n = 0;
	FILE *f = fopen(t->path[P_LOG], "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof line, f))
		if ((!a || strstr(line, a)) && (!b || strstr(line, b)))
			n++;
	fclose(f);
	return n;
}

/* log_count once the test KMS has had up to 5 s to write a line about what its client saw
 * already (a refused handshake ends for the client before the server logs it): the count as
 * soon as it is want, else the last one read */
static int log_count_wait(const struct tkms *t, const char *a, const char *b, int want)
{
	int n = log_count(t, a, b);
	for (int i = 0; i < 500 && n != want; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		n = log_count(t, a, b);
	}
	return n;
}

#define PROV "path=" WR_KMS_PATH_PROV " "

/* A client configuration for t: its URL, CA and client certificate, limf's crypto, the test
 * clock; everything else the defaults. */
static void client_cfg(const struct tkms *t, struct wr_kms_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->base_url = t->url;
	cfg->ca_file = t->path[P_CA];
	cfg->cert_file = t->path[P_CERT];
	cfg->key_file = t->path[P_KEY];
	cfg->crypto = limf_kms_crypto();
	cfg->now = test_now;
}

static struct wr_kms *client(const struct tkms *t, const char *ca, long timeout_ms)
{
	struct wr_kms_config cfg;
	struct wr_kms *k = NULL;
	client_cfg(t, &cfg);
	if (ca)
		cfg.ca_file = ca;
	cfg.connect_timeout_ms = 2000;
	cfg.timeout_ms = timeout_ms;
	cfg.retries = 1;
	if (wr_kms_new(&cfg, &k) != LIM_OK) {
		fprintf(stderr, "wr_kms_new failed\n");
		exit(2);
	}
	return k;
}

struct acount {
	const char *action, *needle;
	int n;
};
static int count_row(void *ctx, const struct wr_audit_row *r)
{
	struct acount *c = ctx;
	if (strcmp(r->action, c->action) == 0 && (!c->needle || strstr(r->detail, c->needle)))
		c->n++;
	return 0;
}
/* Audit rows of liid with this action whose detail contains needle. The service role
 * cannot read the audit: count as the operator. */
static int audit_count(struct wr_db *db, const char *liid, const char *action, const char *needle)
{
	struct acount c = { action, needle, 0 };
	struct wr_db *op = t_db(T_OPERATOR);
	enum lim_err e = wr_audit_list(op, liid, count_row, &c);
	(void)db;
	wr_db_close(op);
	return e == LIM_OK ? c.n : -1;
}

static void add_warrant(const char *liid, int64_t from, int64_t to, const char *target)
{
	struct wr_db *op = t_db(T_OPERATOR);
	struct wr_warrant w;
	t_fill(&w, liid, from, to, target);
	CHECK(wr_warrant_add(op, &w) == LIM_OK);
	wr_db_close(op);
}

/* A decision for a call between a and b at t (may be NULL: no warrant). */
static struct wr_kms_decision *decide(struct wr_db *db, const char *a, const char *b, int64_t t)
{
	struct wr_party p[2] = { { a, NULL, NULL, NULL }, { b, NULL, NULL, NULL } };
	struct wr_kms_decision *d = NULL;
	CHECK(wr_kms_decide(db, p, b ? 2 : 1, t, &d) == LIM_OK);
	return d;
}

static void t_kms_cert(void)
{
	/* KMS URLs: https only; no credentials (they would be copied into the evidence) */
	{
		static const char *const good[] = { "https://kms.example", "https://k:8443/p?x=a@b",
						    "https://[::1]:8443/" };
		static const char *const bad[] = { "http://kms.example", "https://u:p@kms.example",
						   "https://u@kms.example/x", "", "https:" };
		const char *why = NULL;
		for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
			CHECK(wr_kms_url_ok(good[i], &why));
		for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
			CHECK(!wr_kms_url_ok(bad[i], &why) && why);
		CHECK(!wr_kms_url_ok(NULL, &why));
		CHECK(wr_kms_url_ok("https://u:p@k", &why) == false &&
		      strstr(why, "credentials") != NULL);
	}
	/* NTP seconds to wr time: exact where it can be, saturated past it (no overflow) */
	CHECK(limf_ntp_to_wr(LIMF_NTP_UNIX) == 0);
	CHECK(limf_ntp_to_wr(LIMF_NTP_UNIX + 1) == 1000000);
	CHECK(limf_ntp_to_wr(0) == -(int64_t)LIMF_NTP_UNIX * 1000000);
	CHECK(limf_ntp_to_wr(LIMF_NTP_UNIX + INT64_MAX / 1000000) == INT64_MAX / 1000000 * 1000000);
	CHECK(limf_ntp_to_wr(LIMF_NTP_UNIX + INT64_MAX / 1000000 + 1) == INT64_MAX);
	CHECK(limf_ntp_to_wr(UINT64_MAX) == INT64_MAX);
	struct tkms *t = kms_up("3gpp-uid");
	struct wr_db *db = t_db(T_SERVICE);
	struct wr_kms *k = client(t, NULL, 5000);
	struct wr_kms_cert c;
	uint8_t Z[SAKKE_POINT_LEN], kpak[ECCSI_KPAK_LEN];
	int before = audit_count(db, "", "kms.init", "ok kms_uri=kms.limf.test");
	CHECK(wr_kms_fetch_cert(k, db, &c) == LIM_OK);
	CHECK(strcmp(c.kms_uri, "kms.limf.test") == 0);
	CHECK(c.scheme == WR_KMS_ID_3GPP);
	CHECK(c.user_key_period == 2592000 && c.user_key_offset == 0 && c.parameter_set == 1);
	CHECK(sakke_kms_public(t->z, t->zlen, Z) == LIM_OK);
	CHECK(eccsi_kpak_from_ksak(t->ksak, kpak) == LIM_OK);
	CHECK_EQ_MEM(c.z, Z, sizeof Z);
	CHECK_EQ_MEM(c.kpak, kpak, sizeof kpak);
	CHECK(audit_count(db, "", "kms.init", "ok kms_uri=kms.limf.test") == before + 1);
	CHECK(log_count(t, "path=" WR_KMS_PATH_INIT " ", "CN=limf-client") >= 1);
	/* a client that does not trust the server's CA gets nothing */
	wr_kms_free(k);
	k = client(t, t->path[P_CERT], 5000);
	CHECK(wr_kms_fetch_cert(k, db, &c) == LIM_E_IO);
	CHECK(audit_count(db, "", "kms.init", "error") >= 1);
	wr_kms_free(k);
	wr_db_close(db);
}

/* Invariant 1: no key request without a positive decision (read on the KMS's own log). */
static void t_kms_gate(void)
{
	struct tkms *t = kms_up("3gpp-uid");
	struct wr_db *db = t_db(T_SERVICE);
	struct wr_kms *k = client(t, NULL, 5000);
	const struct wr_kms_keys *keys = (const void *)1;
	char liid[WR_LIID_MAX + 1], refused[WR_LIID_MAX + 1];
	int64_t now = real_us();
	int lines = log_count(t, PROV, NULL);
	struct wr_kms_decision *d = decide(db, "sip:nobody@example.org", "tel:+441632960000", now);
	CHECK(d == NULL);
	CHECK(wr_kms_keys(k, db, d, "sip:nobody@example.org", &keys) == LIM_E_ARG);
	CHECK(keys == NULL);
	CHECK(log_count(t, PROV, NULL) == lines); /* zero new lines */
	/* a suspended warrant: no decision either */
	t_liid(liid, sizeof liid, "kgate");
	add_warrant(liid, now - 3600000000LL, now + 3600000000LL, "sip:gate@example.org");
	{
		struct wr_db *op = t_db(T_OPERATOR);
		CHECK(wr_warrant_set_status(op, liid, WR_SUSPENDED, "test") == LIM_OK);
		wr_db_close(op);
	}
	d = decide(db, "sip:gate@example.org", NULL, now);
	CHECK(d == NULL);
	CHECK(log_count(t, PROV, NULL) == lines);
	/* a positive decision does not open the KMS for a user outside the call */
	t_liid(refused, sizeof refused, "kbind");
	add_warrant(refused, now - 3600000000LL, now + 3600000000LL, "sip:bound@example.org");
	d = decide(db, "sip:bound@example.org", "sip:peer@example.org", now);
	CHECK(d != NULL);
	CHECK(wr_kms_keys(k, db, d, "sip:stranger@example.org", &keys) == LIM_E_AUTH);
	CHECK(keys == NULL);
	CHECK(audit_count(db, refused, "kms.refused", "sip:stranger@example.org") == 1);
	CHECK(log_count(t, PROV, NULL) == lines);
	CHECK(wr_kms_cached(k) == 0);
	/* the call names that user later (a diverted call's answering party): a positive decision
	 * on its parties then, joined to the call's, binds it too (no LIID added) */
	{
		struct wr_kms_decision *d2 =
			decide(db, "sip:bound@example.org", "sip:stranger@example.org", now);
		size_t added = 9;
		CHECK(d2 != NULL);
		CHECK(wr_kms_decision_join(d, d2, &added) == LIM_OK && added == 0);
		CHECK(wr_kms_keys(k, db, d, "sip:stranger@example.org", &keys) == LIM_OK && keys);
		CHECK(log_count(t, PROV, NULL) == lines + 1);
		CHECK(wr_kms_keys(k, db, d, "sip:other@example.org", &keys) == LIM_E_AUTH);
		wr_kms_decision_free(d2);
	}
	wr_kms_decision_free(d);
	wr_kms_free(k);
	wr_db_close(db);
}

/* More warrants in force than a decision holds (review finding 7): still a decision, with
 * the first WR_KMS_DECIDE_MAX by LIID and the total; wr_decide_all gives every one, wr_decide
 * with a smaller cap is LIM_E_LIMIT. */
static void t_kms_many(void)
{
	struct wr_db *db = t_db(T_SERVICE);
	char base[16], liid[WR_LIID_MAX + 1 + 16]; /* "U<pid>-many" and "-NN" */
	char target[64];
	int64_t now = real_us();
	struct wr_kms_decision *d;
	struct wr_match *all = NULL, m[4];
	const struct wr_match *mt;
	struct wr_party p = { target, NULL, NULL, NULL };
	size_t n = 0;
	t_liid(base, sizeof base, "many");
	snprintf(target, sizeof target, "sip:%s@example.org", base); /* this run's warrants only */
	/* added in reverse order: the decision's order is the LIIDs', not the rows' */
	for (int i = WR_KMS_DECIDE_MAX + 1; i >= 1; i--) {
		snprintf(liid, sizeof liid, "%s-%02d", base, i);
		add_warrant(liid, now - 3600000000LL, now + 3600000000LL, target);
	}
	d = decide(db, target, NULL, now);
	CHECK(d != NULL);
	mt = wr_kms_decision_matches(d, &n);
	CHECK(n == WR_KMS_DECIDE_MAX && wr_kms_decision_total(d) == WR_KMS_DECIDE_MAX + 1);
	for (size_t i = 0; i < n; i++) {
		snprintf(liid, sizeof liid, "%s-%02u", base, (unsigned)(i + 1) % 100u);
		CHECK(strcmp(mt[i].liid, liid) == 0);
	}
	wr_kms_decision_free(d);
	CHECK(wr_kms_decision_total(NULL) == 0);
	CHECK(wr_decide_all(db, &p, 1, now, &all, &n) == LIM_OK && n == WR_KMS_DECIDE_MAX + 1);
	snprintf(liid, sizeof liid, "%s-%02d", base, WR_KMS_DECIDE_MAX + 1);
	CHECK(all && strcmp(all[n - 1].liid, liid) == 0 && all[n - 1].parties == 1);
	free(all);
	CHECK(wr_decide(db, &p, 1, now, m, 4, &n) == LIM_E_LIMIT && n == 0);
	/* narrowing a full decision keeps only what it holds; the decision for one warrant finds
	 * the one left out of it */
	d = decide(db, target, NULL, now);
	CHECK(wr_kms_decision_keep(d, liid) == LIM_E_AUTH);
	snprintf(liid, sizeof liid, "%s-%02d", base, 2);
	CHECK(wr_kms_decision_keep(d, liid) == LIM_OK && wr_kms_decision_total(d) == 1);
	wr_kms_decision_free(d);
	snprintf(liid, sizeof liid, "%s-%02d", base, WR_KMS_DECIDE_MAX + 1);
	CHECK(wr_kms_decide_liid(db, &p, 1, now, liid, &d) == LIM_OK && d != NULL);
	mt = wr_kms_decision_matches(d, &n);
	CHECK(n == 1 && wr_kms_decision_total(d) == 1 && strcmp(mt[0].liid, liid) == 0);
	CHECK(mt[0].parties == 1 && mt[0].scope == WR_SCOPE_IRI_CC);
	wr_kms_decision_free(d);
	CHECK(wr_kms_decide_liid(db, &p, 1, now, "no-such-liid", &d) == LIM_OK && d == NULL);
	CHECK(wr_kms_decide_liid(db, &p, 1, now, NULL, &d) == LIM_E_ARG && d == NULL);
	/* none in force */
	CHECK(wr_decide_all(db, &p, 1, now + 7200000000LL, &all, &n) == LIM_OK && n == 0 && !all);
	wr_db_close(db);
}

/* A warrant that comes into force during a call (wr_kms_decide_next, wr_decide_upcoming):
 * before its valid_from no decision, and the start told; at valid_from a decision (the
 * boundary is in force), which a later one joins (wr_kms_decision_join); the earliest of two
 * starts; with a LIID, that warrant's start only;
 * a suspended or ended warrant tells nothing; one in force and one to come: the decision
 * holds only the one in force. */
static void t_kms_upcoming(void)
{
	struct wr_db *db = t_db(T_SERVICE);
	char base[16], l1[WR_LIID_MAX + 1], l2[WR_LIID_MAX + 1], l3[WR_LIID_MAX + 1];
	char target[64];
	const int64_t S = 1000000LL;
	int64_t now = real_us(), next = 0;
	struct wr_kms_decision *d = (void *)1;
	struct wr_match *all = NULL;
	const struct wr_match *mt;
	struct wr_party p = { target, NULL, NULL, NULL };
	size_t n = 0;
	t_liid(base, sizeof base, "upc");
	snprintf(target, sizeof target, "sip:%s@example.org", base);
	snprintf(l1, sizeof l1, "%s-a", base);
	snprintf(l2, sizeof l2, "%s-b", base);
	snprintf(l3, sizeof l3, "%s-c", base);
	char mk0[WR_MARK_LEN], mk1[WR_MARK_LEN], mk2[WR_MARK_LEN];
	CHECK(wr_kms_decide_next(db, &p, 1, now, NULL, &d, &next) == LIM_OK && !d &&
	      next == WR_TIME_INFINITY);
	/* the warrants' mark: the same while nothing changes, another with each change */
	CHECK(wr_warrants_mark(db, mk0) == LIM_OK && strlen(mk0) == 32);
	CHECK(wr_warrants_mark(db, mk1) == LIM_OK && strcmp(mk0, mk1) == 0);
	add_warrant(l2, now + 20 * S, now + 3600 * S, target);
	CHECK(wr_warrants_mark(db, mk1) == LIM_OK && strcmp(mk0, mk1) != 0);
	add_warrant(l1, now + 10 * S, now + 3600 * S, target);
	CHECK(wr_kms_decide_next(db, &p, 1, now, NULL, &d, &next) == LIM_OK && !d &&
	      next == now + 10 * S);
	CHECK(wr_kms_decide_next(db, &p, 1, now, l2, &d, &next) == LIM_OK && !d &&
	      next == now + 20 * S);
	CHECK(wr_kms_decide_next(db, &p, 1, now, "no-such-liid", &d, &next) == LIM_OK && !d &&
	      next == WR_TIME_INFINITY);
	/* the in-force decision alone is unchanged by warrants to come */
	CHECK(wr_decide_all(db, &p, 1, now, &all, &n) == LIM_OK && n == 0 && !all);
	CHECK(wr_decide_upcoming(db, &p, 1, now, &all, &n) == LIM_OK && n == 2);
	CHECK(all && strcmp(all[0].liid, l1) == 0 && all[0].valid_from == now + 10 * S &&
	      all[1].valid_from == now + 20 * S);
	free(all);
	/* at valid_from: in force; the other still to come */
	CHECK(wr_kms_decide_next(db, &p, 1, now + 10 * S, NULL, &d, &next) == LIM_OK && d);
	mt = wr_kms_decision_matches(d, &n);
	CHECK(n == 1 && strcmp(mt[0].liid, l1) == 0 && next == now + 20 * S);
	/* the second comes into force during the call: it joins the call's decision, which keeps
	 * the call's time; joined twice, nothing more */
	{
		struct wr_kms_decision *d2 = NULL;
		size_t added = 9;
		CHECK(wr_kms_decide_next(db, &p, 1, now + 20 * S, NULL, &d2, &next) == LIM_OK &&
		      d2);
		CHECK(wr_kms_decision_join(d, d2, &added) == LIM_OK && added == 1);
		mt = wr_kms_decision_matches(d, &n);
		CHECK(n == 2 && strcmp(mt[0].liid, l1) == 0 && strcmp(mt[1].liid, l2) == 0);
		CHECK(wr_kms_decision_total(d) == 2 && wr_kms_decision_time(d) == now + 10 * S);
		CHECK(wr_kms_decision_join(d, d2, &added) == LIM_OK && added == 0);
		wr_kms_decision_free(d2);
		/* a held warrant extended since: joined, d has its new end (the cache's) */
		{
			struct wr_db *op = t_db(T_OPERATOR);
			struct wr_change ch;
			memset(&ch, 0, sizeof ch);
			ch.set_to = true;
			ch.valid_to = now + 7200 * S;
			CHECK(wr_warrant_modify(op, l1, &ch) == LIM_OK);
			wr_db_close(op);
		}
		mt = wr_kms_decision_matches(d, &n);
		CHECK(n == 2 && mt[0].valid_to == now + 3600 * S);
		d2 = NULL;
		CHECK(wr_kms_decide_next(db, &p, 1, now + 21 * S, NULL, &d2, &next) == LIM_OK &&
		      d2);
		CHECK(wr_kms_decision_join(d, d2, &added) == LIM_OK && added == 0);
		mt = wr_kms_decision_matches(d, &n);
		CHECK(n == 2 && strcmp(mt[0].liid, l1) == 0 && mt[0].valid_to == now + 7200 * S &&
		      mt[1].valid_to == now + 3600 * S);
		CHECK(wr_kms_decision_time(d) == now + 10 * S);
		CHECK(wr_kms_decision_join(d, NULL, &added) == LIM_E_ARG && added == 0);
		CHECK(wr_kms_decision_join(NULL, d2, NULL) == LIM_E_ARG);
		wr_kms_decision_free(d2);
		/* the first ends during the call: struck, the one that joined stays; the last
		 * struck leaves a decision that serves nothing */
		CHECK(wr_kms_decision_drop(d, l1) == LIM_OK);
		mt = wr_kms_decision_matches(d, &n);
		CHECK(n == 1 && strcmp(mt[0].liid, l2) == 0 && wr_kms_decision_total(d) == 1);
		CHECK(wr_kms_decision_drop(d, l1) == LIM_E_AUTH);
		CHECK(wr_kms_decision_drop(d, NULL) == LIM_E_ARG);
		CHECK(wr_kms_decision_drop(NULL, l2) == LIM_E_ARG);
		CHECK(wr_kms_decision_drop(d, l2) == LIM_OK);
		mt = wr_kms_decision_matches(d, &n);
		CHECK(n == 0 && wr_kms_decision_total(d) == 0);
	}
	wr_kms_decision_free(d);
	/* a suspended warrant tells no start; the suspension moves the mark */
	CHECK(wr_warrants_mark(db, mk1) == LIM_OK);
	{
		struct wr_db *op = t_db(T_OPERATOR);
		CHECK(wr_warrant_set_status(op, l1, WR_SUSPENDED, "test") == LIM_OK);
		wr_db_close(op);
	}
	CHECK(wr_warrants_mark(db, mk2) == LIM_OK && strcmp(mk1, mk2) != 0);
	CHECK(wr_kms_decide_next(db, &p, 1, now, NULL, &d, &next) == LIM_OK && !d &&
	      next == now + 20 * S);
	/* ended at t: nothing */
	add_warrant(l3, now - 3600 * S, now - 10 * S, target);
	CHECK(wr_decide_upcoming(db, &p, 1, now, &all, &n) == LIM_OK && n == 1);
	CHECK(all && strcmp(all[0].liid, l2) == 0);
	free(all);
	/* no parties: nothing, and told so */
	CHECK(wr_kms_decide_next(db, NULL, 0, now, NULL, &d, &next) == LIM_OK && !d &&
	      next == WR_TIME_INFINITY);
	wr_db_close(db);
}

/* Whether n octets of needle occur anywhere in hay[0..len). */
static bool holds(const void *hay, size_t len, const uint8_t *needle, size_t n)
{
	const uint8_t *h = hay;
	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(h + i, needle, n) == 0)
			return true;
	return false;
}

/* The cached key set is the one the test KMS issues for uri, with the RSK and PVT, and no copy
 * of the user's SSK anywhere in it (review-dec finding 5: validated, then wiped). The issued
 * SSK still validates against the cached PVT. */
static void check_keys(const struct tkms *t, const struct wr_kms_keys *keys, const char *uri,
		       const uint8_t *kpak)
{
	uint8_t rsk[WR_KMS_RSK_LEN], ssk[WR_KMS_SSK_LEN], pvt[WR_KMS_PVT_LEN];
	CHECK(strcmp(keys->user_uri, uri) == 0);
	CHECK(kg_issue(t->z, t->zlen, t->ksak, keys->ident.id, keys->ident.idlen, rsk, ssk, pvt) ==
	      LIM_OK);
	CHECK_EQ_MEM(keys->rsk, rsk, sizeof rsk);
	CHECK_EQ_MEM(keys->pvt, pvt, sizeof pvt);
	CHECK(!holds(keys, sizeof *keys, ssk, sizeof ssk));
	if (kpak)
		CHECK(limf_kms_ssk_validate(NULL, kpak, keys->ident.id, keys->ident.idlen, ssk,
					    keys->pvt) == LIM_OK);
	lim_wipe(rsk, sizeof rsk);
	lim_wipe(ssk, sizeof ssk);
}

static void fetch_scheme(const char *scheme, const char *tag)
{
	struct tkms *t = kms_up(scheme);
	struct wr_db *db = t_db(T_SERVICE);
	struct wr_kms *k = client(t, NULL, 5000);
	const struct wr_kms_keys *keys = NULL;
	struct wr_kms_ident id;
	struct wr_kms_cert c;
	char liid[WR_LIID_MAX + 1], alice[96], bob[96], want[160];
	int64_t now = real_us();
	t_liid(liid, sizeof liid, tag);
	snprintf(alice, sizeof alice, "sip:alice-%s-%ld@example.org", tag, (long)getpid());
	snprintf(bob, sizeof bob, "sip:bob-%s-%ld@example.org", tag, (long)getpid());
	add_warrant(liid, now - 3600000000LL, now + 3600000000LL, alice);
	struct wr_kms_decision *d = decide(db, alice, bob, now);
	CHECK(d != NULL);
	{
		size_t n = 0;
		const struct wr_match *m = wr_kms_decision_matches(d, &n);
		CHECK(n == 1 && m && strcmp(m[0].liid, liid) == 0);
	}
	CHECK(wr_kms_keys(k, db, d, alice, &keys) == LIM_OK);
	if (!keys) {
		fprintf(stderr, "wr_kms_keys: %s\n", wr_kms_msg(k));
		goto out;
	}
	CHECK(wr_kms_fetch_cert(k, db, &c) == LIM_OK);
	check_keys(t, keys, alice, c.kpak);
	CHECK(c.scheme == (strcmp(scheme, "rfc6509") == 0 ? WR_KMS_ID_RFC6509 : WR_KMS_ID_3GPP));
	CHECK(limf_kms_ident(NULL, &c, alice, now, &id) == LIM_OK);
	CHECK(keys->ident.idlen == id.idlen && memcmp(keys->ident.id, id.id, id.idlen) == 0);
	CHECK(keys->ident.idlen == (c.scheme == WR_KMS_ID_3GPP ? 32 : strlen(alice) + 9));
	CHECK(keys->expires == now + 3600000000LL || keys->expires == id.valid_to);
	CHECK(limf_kms_rsk_validate(NULL, c.z, id.id, id.idlen, keys->rsk) == LIM_OK);
	/* one request on the KMS, with the client certificate's subject and the key period */
	snprintf(want, sizeof want, "user=%s period=%llu ", alice,
		 (unsigned long long)id.period_no);
	CHECK(log_count(t, PROV, want) == 1);
	CHECK(log_count(t, want, "subject=/O=limf test/CN=limf-client") == 1);
	/* audited with the LIID: the request before, the outcome after */
	CHECK(audit_count(db, liid, "kms.request", alice) == 1);
	CHECK(audit_count(db, liid, "kms.result", "ok uri=") == 1);
	/* cached: no second request */
	CHECK(wr_kms_keys(k, db, d, alice, &keys) == LIM_OK);
	CHECK(keys != NULL);
	CHECK(log_count(t, PROV, want) == 1);
	CHECK(wr_kms_cached(k) == 1);
	/* the other party of the targeted call (the I_MESSAGE may be encrypted to it) */
	CHECK(wr_kms_keys(k, db, d, bob, &keys) == LIM_OK);
	if (keys)
		check_keys(t, keys, bob, c.kpak);
	CHECK(log_count(t, PROV, bob) == 1);
	CHECK(audit_count(db, liid, "kms.request", bob) == 1);
	CHECK(wr_kms_cached(k) == 2);
	wr_kms_purge(k);
	CHECK(wr_kms_cached(k) == 0);
	/* a full cache makes room (the key set that expires first goes): the second party's keys
	 * are fetched all the same (they were refused, "key cache full", and with them that
	 * party's interception), and the first party's, asked for again, fetched again and
	 * audited again */
	{
		struct wr_kms_config cfg;
		struct wr_kms *k1 = NULL;
		int na = log_count(t, PROV, alice), nb = log_count(t, PROV, bob);
		client_cfg(t, &cfg);
		cfg.cache_max = 1;
		CHECK(wr_kms_new(&cfg, &k1) == LIM_OK);
		if (k1) {
			CHECK(wr_kms_keys(k1, db, d, alice, &keys) == LIM_OK && keys != NULL);
			CHECK(wr_kms_keys(k1, db, d, bob, &keys) == LIM_OK && keys != NULL);
			if (keys)
				check_keys(t, keys, bob, c.kpak);
			CHECK(wr_kms_cached(k1) == 1);
			CHECK(wr_kms_keys(k1, db, d, alice, &keys) == LIM_OK && keys != NULL);
			if (keys)
				check_keys(t, keys, alice, c.kpak);
			CHECK(wr_kms_cached(k1) == 1);
			CHECK(log_count(t, PROV, alice) == na + 2 &&
			      log_count(t, PROV, bob) == nb + 1);
			CHECK(audit_count(db, liid, "kms.request", alice) == 3);
			wr_kms_free(k1);
		}
	}
	/* the neighbouring key periods, and nothing further */
	CHECK(wr_kms_decision_time(d) == now);
	CHECK(wr_kms_decision_keep(d, "no-such-liid") == LIM_E_AUTH);
	CHECK(wr_kms_decision_keep(NULL, liid) == LIM_E_ARG);
	CHECK(wr_kms_decision_keep(d, liid) == LIM_OK);
	{
		size_t n = 0;
		const struct wr_match *m = wr_kms_decision_matches(d, &n);
		CHECK(n == 1 && m && strcmp(m[0].liid, liid) == 0);
	}
	int n_prov = log_count(t, PROV, alice);
	for (int delta = -1; delta <= 1; delta += 2) {
		struct wr_kms_ident nb;
		int64_t tn = delta < 0 ? id.valid_from - 1 : id.valid_to;
		CHECK(limf_kms_ident(NULL, &c, alice, tn, &nb) == LIM_OK);
		CHECK(nb.period_no == (uint64_t)((int64_t)id.period_no + delta));
		keys = NULL;
		CHECK(wr_kms_keys_at(k, db, d, alice, delta, &keys) == LIM_OK);
		CHECK(keys && keys->ident.period_no == nb.period_no);
		CHECK(keys && keys->ident.idlen == nb.idlen &&
		      memcmp(keys->ident.id, nb.id, nb.idlen) == 0);
		if (keys)
			CHECK(limf_kms_rsk_validate(NULL, c.z, nb.id, nb.idlen, keys->rsk) ==
			      LIM_OK);
	}
	/* the previous period has ended: served once, dropped at the next call (kms.h) */
	CHECK(wr_kms_cached(k) == 1);
	CHECK(wr_kms_keys_at(k, db, d, alice, 2, &keys) == LIM_E_ARG && keys == NULL);
	CHECK(wr_kms_keys_at(k, db, d, alice, -2, &keys) == LIM_E_ARG && keys == NULL);
	CHECK(log_count(t, PROV, alice) == n_prov + 2);
out:
	wr_kms_decision_free(d);
	wr_kms_free(k);
	wr_db_close(db);
}

/* A KMS URI with a markup character (review finding 6): the request's KmsUri is escaped like
 * its UserUri (it comes decoded from the KMS's XML; sent bare, '&' made the KmsRequest
 * malformed and every key request failed). */
static void t_kms_uri_xml(void)
{
	char uri[96], vf[WR_TIME_STRLEN], liid[WR_LIID_MAX + 1], alice[96];
	int64_t now = real_us();
	struct tkms *t;
	struct wr_db *db = t_db(T_SERVICE);
	struct wr_kms *k;
	struct wr_kms_cert c;
	struct wr_kms_decision *d;
	const struct wr_kms_keys *keys = NULL;
	snprintf(uri, sizeof uri, "kms.a&b%ld.test", (long)getpid());
	wr_time_format(now - 7200 * INT64_C(1000000), vf);
	t = kms_start(&kms_amp, "3gpp-uid", vf, uri);
	k = client(t, NULL, 5000);
	CHECK(wr_kms_fetch_cert(k, db, &c) == LIM_OK && strcmp(c.kms_uri, uri) == 0);
	t_liid(liid, sizeof liid, "kxml");
	snprintf(alice, sizeof alice, "sip:alice-x-%ld@example.org", (long)getpid());
	add_warrant(liid, now - 3600000000LL, now + 3600000000LL, alice);
	d = decide(db, alice, "sip:other@example.org", now);
	CHECK(d != NULL);
	CHECK(wr_kms_keys(k, db, d, alice, &keys) == LIM_OK && keys != NULL);
	if (!keys)
		fprintf(stderr, "wr_kms_keys: %s\n", wr_kms_msg(k));
	CHECK(log_count(t, PROV, alice) == 1);
	wr_kms_decision_free(d);
	wr_kms_free(k);
	wr_db_close(db);
}

static void t_kms_fetch(void)
{
	fetch_scheme("3gpp-uid", "k3g");
}

static void t_kms_rfc6509(void)
{
	fetch_scheme("rfc6509", "k65");
}

/* ---- review-dec finding 4: no key text left in freed libxml2 blocks ---------------------- */

static char wipe_needle[2 * 16 + 1]; /* the hex of 16 octets of the RSK, as the KMS sends it */
static int wipe_hits, wipe_released;

/* Counts a block about to go back to malloc that still holds the needle, then frees it. */
static void scan_release(void *p)
{
	size_t n = malloc_usable_size(p), k = strlen(wipe_needle);
	wipe_released++;
	if (k && n >= k && holds(p, n, (const uint8_t *)wipe_needle, k))
		wipe_hits++;
	free(p);
}
/* libxml2 allocators with the scan: the installed ones (wr_mem_free/wr_mem_realloc, which wipe
 * first), or plain free/realloc as the control (what libxml2 does by default). */
static void scan_wipe_free(void *p)
{
	wr_mem_free_with(p, scan_release);
}
static void *scan_wipe_realloc(void *p, size_t n)
{
	return wr_mem_realloc_with(p, n, scan_release);
}
static void scan_plain_free(void *p)
{
	if (p)
		scan_release(p);
}
static void *scan_plain_realloc(void *p, size_t n)
{
	/* realloc may free p: scan it first, as a move would release it */
	if (p && n > malloc_usable_size(p)) {
		size_t k = strlen(wipe_needle);
		if (k && holds(p, malloc_usable_size(p), (const uint8_t *)wipe_needle, k))
			wipe_hits++;
	}
	return realloc(p, n);
}
static char *scan_strdup(const char *s)
{
	return strdup(s);
}

/* The allocators wr_kms_new installs wipe a block (all of it) before freeing it, and a grown
 * block's old copy; then, through the real KMS client (parse_response, wipe_tree, doc_free),
 * no block libxml2 frees holds the RSK text, where with plain free (the control) some do. */
static void t_kms_wipe(void)
{
	struct tkms *t = kms_up("3gpp-uid");
	struct wr_db *db = t_db(T_SERVICE);
	struct wr_kms *k = client(t, NULL, 5000);
	xmlFreeFunc f0 = NULL;
	xmlMallocFunc m0 = NULL;
	xmlReallocFunc r0 = NULL;
	xmlStrdupFunc s0 = NULL;
	struct wr_kms_cert c;
	char liid[WR_LIID_MAX + 1];
	int64_t now = real_us();

	/* installed by wr_kms_new, once */
	CHECK(xmlMemGet(&f0, &m0, &r0, &s0) == 0);
	CHECK(f0 == wr_mem_free && r0 == wr_mem_realloc);
	CHECK(wr_mem_init() == LIM_OK);
	/* the free wipes the whole block */
	{
		static const char key[] = "0123456789abcdef0123456789abcdef";
		char *p = malloc(100);
		CHECK(p != NULL);
		if (p) {
			memset(p, 'k', 100);
			memcpy(p, key, sizeof key - 1);
			snprintf(wipe_needle, sizeof wipe_needle, "%s", key);
			wipe_hits = wipe_released = 0;
			wr_mem_free_with(p, scan_release);
			CHECK(wipe_released == 1 && wipe_hits == 0);
		}
		/* and a grown block's old copy; the content moves */
		p = malloc(40);
		CHECK(p != NULL);
		if (p) {
			memcpy(p, key, sizeof key - 1);
			wipe_hits = wipe_released = 0;
			char *q = wr_mem_realloc_with(p, 64 * 1024, scan_release);
			CHECK(q != NULL && wipe_released == 1 && wipe_hits == 0);
			CHECK(q && memcmp(q, key, sizeof key - 1) == 0);
			/* shrinking keeps the block */
			CHECK(q && wr_mem_realloc_with(q, 10, scan_release) == q);
			free(q);
		}
		/* the control: a plain free would release it as it was */
		p = malloc(100);
		if (p) {
			memcpy(p, key, sizeof key - 1);
			wipe_hits = wipe_released = 0;
			scan_release(p);
			CHECK(wipe_hits == 1);
		}
	}
	/* end to end: two users fetched, under plain free (control) and the wiping free */
	CHECK(wr_kms_fetch_cert(k, db, &c) == LIM_OK);
	for (int wipe = 0; wipe <= 1; wipe++) {
		char user[96];
		struct wr_kms_ident id;
		uint8_t rsk[WR_KMS_RSK_LEN], ssk[WR_KMS_SSK_LEN], pvt[WR_KMS_PVT_LEN];
		const struct wr_kms_keys *keys = NULL;
		t_liid(liid, sizeof liid, wipe ? "kwipe" : "kwip0");
		snprintf(user, sizeof user, "sip:wipe%d-%ld@example.org", wipe, (long)getpid());
		add_warrant(liid, now - 3600000000LL, now + 3600000000LL, user);
		struct wr_kms_decision *d = decide(db, user, NULL, now);
		CHECK(d != NULL);
		CHECK(limf_kms_ident(NULL, &c, user, now, &id) == LIM_OK);
		CHECK(kg_issue(t->z, t->zlen, t->ksak, id.id, id.idlen, rsk, ssk, pvt) == LIM_OK);
		lim_hex_encode(rsk + 1, 16, wipe_needle);
		lim_wipe(ssk, sizeof ssk);
		lim_wipe(rsk, sizeof rsk);
		wipe_hits = wipe_released = 0;
		if (wipe)
			xmlMemSetup(scan_wipe_free, malloc, scan_wipe_realloc, scan_strdup);
		else
			xmlMemSetup(scan_plain_free, malloc, scan_plain_realloc, scan_strdup);
		CHECK(d && wr_kms_keys(k, db, d, user, &keys) == LIM_OK && keys != NULL);
		xmlMemSetup(f0, m0, r0, s0);
		if (wipe)
			CHECK(wipe_released > 0 && wipe_hits == 0);
		else /* libxml2 does leave the key text in what it frees: the check can see it */
			CHECK(wipe_hits > 0);
		if (wipe_hits && wipe)
			fprintf(stderr, "kms_wipe: %d freed blocks held the RSK text\n", wipe_hits);
		wr_kms_decision_free(d);
	}
	memset(wipe_needle, 0, sizeof wipe_needle);
	/* the TLS context callback asks OpenSSL to cleanse plaintext */
	{
		SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
		CHECK(ctx != NULL);
		if (ctx) {
			CHECK((SSL_CTX_get_options(ctx) & SSL_OP_CLEANSE_PLAINTEXT) == 0);
			CHECK(wr_mem_ssl_ctx(NULL, ctx, NULL) == CURLE_OK);
			CHECK((SSL_CTX_get_options(ctx) & SSL_OP_CLEANSE_PLAINTEXT) != 0);
			SSL_CTX_free(ctx);
		}
	}
	wr_kms_free(k);
	wr_db_close(db);
}

/* A broken KMS: clean error, nothing cached, audited as failed. */
static void t_kms_faults(void)
{
	static const struct {
		const char *fault;
		enum lim_err want;
		int requests; /* with one retry */
	} cases[] = {
		{ "garbage", LIM_E_PARSE, 1 },
		{ "wrong-rsk", LIM_E_AUTH, 1 },
		{ "wrong-ssk", LIM_E_AUTH, 1 },
		{ "close", LIM_E_IO, 2 },
		{ "http500", LIM_E_IO, 2 },
		/* last: the single-threaded KMS is still asleep when the retry comes, so the
		 * retry may time out before it is read (1 or 2 requests logged) */
		{ "slow", LIM_E_IO, -1 },
	};
	struct tkms *t = kms_up("3gpp-uid");
	struct wr_db *db = t_db(T_SERVICE);
	struct wr_kms *k = client(t, NULL, 800);
	char liid[WR_LIID_MAX + 1], carol[96];
	int64_t now = real_us();
	t_liid(liid, sizeof liid, "kfault");
	snprintf(carol, sizeof carol, "sip:carol-%ld@example.org", (long)getpid());
	add_warrant(liid, now - 3600000000LL, now + 3600000000LL, carol);
	struct wr_kms_decision *d = decide(db, carol, NULL, now);
	CHECK(d != NULL);
	CHECK(wr_kms_fetch_cert(k, db, NULL) == LIM_OK);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct wr_kms_keys *keys = (const void *)1;
		char tag[64];
		int before = log_count(t, PROV, carol);
		int fails = audit_count(db, liid, "kms.result", "error");
		enum lim_err e;
		set_fault(t, cases[i].fault);
		e = wr_kms_keys(k, db, d, carol, &keys);
		if (e != cases[i].want)
			fprintf(stderr, "fault %s: %s (%s)\n", cases[i].fault, lim_strerror(e),
				wr_kms_msg(k));
		CHECK(e == cases[i].want);
		CHECK(keys == NULL);
		CHECK(wr_kms_cached(k) == 0);
		snprintf(tag, sizeof tag, "fault=%s", cases[i].fault);
		int reqs = log_count(t, PROV, carol) - before;
		if (cases[i].requests >= 0 && reqs != cases[i].requests)
			fprintf(stderr, "fault %s: %d requests\n", cases[i].fault, reqs);
		CHECK(cases[i].requests < 0 ? reqs >= 1 && reqs <= 2 : reqs == cases[i].requests);
		CHECK(log_count(t, carol, tag) >= 1);
		CHECK(audit_count(db, liid, "kms.result", "error") == fails + 1);
	}
	/* a revoked KMS certificate is refused and not kept: no key request follows */
	{
		struct wr_kms *k2 = client(t, NULL, 5000);
		const struct wr_kms_keys *keys = (const void *)1;
		int before = log_count(t, PROV, carol);
		set_fault(t, "revoked-cert");
		CHECK(wr_kms_fetch_cert(k2, db, NULL) == LIM_E_AUTH);
		CHECK(strstr(wr_kms_msg(k2), "revoked") != NULL);
		CHECK(wr_kms_keys(k2, db, d, carol, &keys) == LIM_E_AUTH && keys == NULL);
		CHECK(log_count(t, PROV, carol) == before);
		wr_kms_free(k2);
	}
	set_fault(t, "none");
	/* and a healthy KMS again (once it has woken up) */
	wr_kms_free(k);
	k = client(t, NULL, 10000);
	{
		const struct wr_kms_keys *keys = NULL;
		CHECK(wr_kms_keys(k, db, d, carol, &keys) == LIM_OK);
		CHECK(keys != NULL);
		CHECK(wr_kms_cached(k) == 1);
	}
	wr_kms_decision_free(d);
	wr_kms_free(k);
	wr_db_close(db);
}

static size_t sink(char *p, size_t s, size_t n, void *u)
{
	(void)p;
	(void)u;
	return s * n;
}

/* Mutual TLS: the server refuses a client without a certificate. */
static void t_kms_mtls(void)
{
	struct tkms *t = kms_up("3gpp-uid");
	char url[160];
	int refused = log_count(t, "tls-refused", NULL);
	int prov = log_count(t, PROV, NULL);
	CURL *c = curl_easy_init();
	CURLcode rc;
	long status = 0;
	snprintf(url, sizeof url, "%.63s%s", t->url, WR_KMS_PATH_PROV);
	CHECK(c != NULL);
	if (!c)
		return;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, t->path[P_CA]);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS,
			 "<KmsRequest xmlns=\"" WR_KMS_NS "\"><UserUri>sip:x@example.org</UserUri>"
			 "</KmsRequest>");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	CHECK(rc != CURLE_OK);
	CHECK(status == 0);
	CHECK(log_count_wait(t, "tls-refused", NULL, refused + 1) == refused + 1);
	CHECK(log_count(t, PROV, NULL) == prov);
	/* with the certificate, a malformed request is answered 400 */
	curl_easy_setopt(c, CURLOPT_SSLCERT, t->path[P_CERT]);
	curl_easy_setopt(c, CURLOPT_SSLKEY, t->path[P_KEY]);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, "<not-a-kms-request/>");
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	CHECK(rc == CURLE_OK);
	CHECK(status == 400);
	curl_easy_cleanup(c);
}

/* Invariant 3: keys expire at the warrant's end or the key period's end, whichever first. */
static void t_kms_expiry(void)
{
	struct tkms *t = kms_up("3gpp-uid");
	struct wr_db *db = t_db(T_SERVICE);
	struct wr_kms *k = client(t, NULL, 5000);
	const struct wr_kms_keys *keys = NULL;
	char l1[WR_LIID_MAX + 1], l2[WR_LIID_MAX + 1], dave[96], erin[96];
	int64_t now = real_us(), wend = now + 600000000LL, pend;
	t_liid(l1, sizeof l1, "kexpw");
	t_liid(l2, sizeof l2, "kexpp");
	snprintf(dave, sizeof dave, "sip:dave-%ld@example.org", (long)getpid());
	snprintf(erin, sizeof erin, "sip:erin-%ld@example.org", (long)getpid());
	fake_now = 0;
	/* the warrant ends (10 min) before the key period (30 days) */
	add_warrant(l1, now - 3600000000LL, wend, dave);
	struct wr_kms_decision *d = decide(db, dave, NULL, now);
	CHECK(d != NULL);
	CHECK(wr_kms_keys(k, db, d, dave, &keys) == LIM_OK);
	CHECK(keys && keys->expires == wend && wend < keys->ident.valid_to);
	fake_now = wend - 1;
	CHECK(wr_kms_cached(k) == 1);
	fake_now = wend;
	CHECK(wr_kms_cached(k) == 0);
	fake_now = 0;
	wr_kms_decision_free(d);
	/* the key period ends before the warrant (valid for a year) */
	add_warrant(l2, now - 3600000000LL, now + 365LL * 86400 * 1000000, erin);
	d = decide(db, erin, NULL, now);
	CHECK(d != NULL);
	keys = NULL;
	CHECK(wr_kms_keys(k, db, d, erin, &keys) == LIM_OK);
	pend = keys ? keys->ident.valid_to : 0;
	CHECK(keys && keys->expires == pend && pend > now && pend <= now + 2592000LL * 1000000);
	fake_now = pend - 1;
	CHECK(wr_kms_cached(k) == 1);
	/* a cache hit does not ask the KMS again */
	int lines = log_count(t, PROV, erin);
	CHECK(wr_kms_keys(k, db, d, erin, &keys) == LIM_OK);
	CHECK(log_count(t, PROV, erin) == lines);
	fake_now = pend;
	CHECK(wr_kms_cached(k) == 0);
	/* after expiry, a new decision fetches again (audited again) */
	CHECK(wr_kms_keys(k, db, d, erin, &keys) == LIM_OK);
	CHECK(log_count(t, PROV, erin) == lines + 1);
	CHECK(audit_count(db, l2, "kms.request", erin) == 2);
	/* replay of old traffic: the key period has ended when the keys are fetched; they are
	 * served once and dropped... */
	fake_now = pend + 1;
	CHECK(wr_kms_keys(k, db, d, erin, &keys) == LIM_OK && keys != NULL);
	CHECK(wr_kms_cached(k) == 0);
	CHECK(log_count(t, PROV, erin) == lines + 2);
	/* ...unless the client keeps them for its run (keep_ended): until purge/free */
	{
		struct wr_kms *kr = NULL;
		struct wr_kms_config cfg;
		client_cfg(t, &cfg);
		cfg.keep_ended = true;
		CHECK(wr_kms_new(&cfg, &kr) == LIM_OK);
		if (kr) {
			CHECK(wr_kms_keys(kr, db, d, erin, &keys) == LIM_OK && keys != NULL);
			CHECK(wr_kms_cached(kr) == 1);
			CHECK(wr_kms_keys(kr, db, d, erin, &keys) == LIM_OK && keys != NULL);
			CHECK(log_count(t, PROV, erin) == lines + 3);
			fake_now = pend + 86400000000LL;
			CHECK(wr_kms_cached(kr) == 1);
			wr_kms_purge(kr);
			CHECK(wr_kms_cached(kr) == 0);
			wr_kms_free(kr);
		}
	}
	fake_now = 0;
	wr_kms_decision_free(d);
	wr_kms_free(k);
	wr_db_close(db);
}

/* Keys go with the warrants that reached them (review finding 8, DESIGN.md s5.3): each cached
 * key set remembers the LIIDs of the decisions that fetched or hit it; wr_kms_forget_liid
 * strikes one and wipes the sets left with none; wr_kms_holds says what is still cached. */

#define INIT "path=" WR_KMS_PATH_INIT " "
#define SEC  INT64_C(1000000)

/* TS 33.180 D.3.2: ValidFrom and ValidTo are required dates, ValidFrom before ValidTo. A
 * certificate whose validity is absent or malformed is refused with a reason that names the
 * field, audited as a kms.init error, and never held. */
static void t_kms_validity(void)
{
	static const struct {
		const char *fault, *msg;
	} bad[] = {
		{ "bad-validfrom", "KmsCertificate ValidFrom is not a date and time: 'yesterday'" },
		{ "no-validto", "KmsCertificate lacks ValidTo" },
		{ "inverted-validity", "KmsCertificate ValidFrom is not before its ValidTo" },
	};
	struct tkms *t = kms_up("3gpp-uid");
	struct wr_db *db = t_db(T_SERVICE);
	struct wr_kms *k = client(t, NULL, 5000);
	struct wr_kms_cert c, held[WR_KMS_CERTS];
	int64_t from = 0, to = 0;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int before = audit_count(db, "", "kms.init", bad[i].msg);
		set_fault(t, bad[i].fault);
		CHECK(wr_kms_fetch_cert(k, db, &c) == LIM_E_PARSE);
		CHECK(strcmp(wr_kms_msg(k), bad[i].msg) == 0);
		CHECK(audit_count(db, "", "kms.init", bad[i].msg) == before + 1);
		CHECK(wr_kms_certs(k, held, WR_KMS_CERTS) == 0);
	}
	set_fault(t, "none");
	CHECK(wr_kms_fetch_cert(k, db, &c) == LIM_OK);
	CHECK(wr_time_parse("2000-01-01T00:00:00Z", &from) == LIM_OK);
	CHECK(wr_time_parse("2100-01-01T00:00:00Z", &to) == LIM_OK);
	CHECK(c.valid_from == from && c.valid_to == to);
	CHECK(wr_kms_cert_valid(&c, from) && wr_kms_cert_valid(&c, to - 1));
	CHECK(!wr_kms_cert_valid(&c, from - 1) && !wr_kms_cert_valid(&c, to));
	CHECK(strcmp(c.cert_uri, "cert1.kms.limf.test") == 0);
	CHECK(wr_kms_certs(k, held, WR_KMS_CERTS) == 1);
	CHECK(audit_count(db, "", "kms.init",
			  "cert_uri=cert1.kms.limf.test "
			  "valid=2000-01-01T00:00:00Z..2100-01-01T00:00:00Z") >= 1);
	/* a revoked certificate is dropped from those held */
	set_fault(t, "revoked-cert");
	CHECK(wr_kms_fetch_cert(k, db, &c) == LIM_E_AUTH);
	CHECK(wr_kms_certs(k, held, WR_KMS_CERTS) == 0);
	set_fault(t, "none");
	wr_kms_free(k);
	wr_db_close(db);
}

/* The public Z of the community file path. */
static void community_z(const char *path, uint8_t z[WR_KMS_Z_LEN])
{
	struct kg_community c;
	const char *why = "";
	CHECK(kg_community_load(path, &c, &why) == 0);
	memcpy(z, c.cert.z, WR_KMS_Z_LEN);
	OPENSSL_cleanse(&c, sizeof c);
}

/* A key roll-over (`limf-kms rollover`) while the client runs: a call after it gets keys under
 * the new certificate (the key set names a CertUri the client does not hold: one re-fetch),
 * a call before it still under the old one; a time before every certificate's validity gets
 * no keys (one re-fetch, then LIM_E_STATE, no key request); re-fetches are rate-limited. */
static void t_kms_rollover(void)
{
	int64_t now = real_us(), roll = now - 600 * SEC;
	char vf[WR_TIME_STRLEN], at[WR_TIME_STRLEN], cmd[512], l[WR_LIID_MAX + 1], alice[96],
		bob[96], dir[96], old_com[128];
	struct tkms *t;
	struct wr_db *db = t_db(T_SERVICE);
	struct wr_kms *k;
	struct wr_kms_cert held[WR_KMS_CERTS];
	struct wr_kms_cert_stats st;
	struct wr_kms_decision *d0 = NULL, *d1 = NULL, *d2 = NULL;
	const struct wr_kms_keys *keys = NULL;
	struct wr_kms_ident i1, i2;
	uint8_t z1[WR_KMS_Z_LEN], z2[WR_KMS_Z_LEN];
	bool changed = true;
	int n_init2;
	wr_time_format(now - 7200 * SEC, vf);
	wr_time_format(roll, at);
	t = kms_up_own(vf);
	k = client(t, NULL, 5000);
	snprintf(dir, sizeof dir, "%.63s/k", t->dir);
	t_liid(l, sizeof l, "kro");
	snprintf(alice, sizeof alice, "sip:alice-ro-%ld@example.org", (long)getpid());
	snprintf(bob, sizeof bob, "sip:bob-ro-%ld@example.org", (long)getpid());
	add_warrant(l, now - 86400 * SEC, now + 3600 * SEC, alice);
	community_z(t->path[P_COM], z1);

	/* before the certificate's ValidFrom: the first fetch, one re-fetch, no key request */
	d0 = decide(db, alice, bob, now - 3 * 3600 * SEC);
	CHECK(d0 != NULL);
	if (!d0)
		goto out;
	CHECK(wr_kms_keys(k, db, d0, alice, &keys) == LIM_E_STATE && !keys);
	CHECK(strncmp(wr_kms_msg(k), "no KMS certificate valid at ", 28) == 0);
	CHECK(log_count(t, INIT, NULL) == 2 && log_count(t, PROV, NULL) == 0);
	/* again at once: the re-fetch is refused (rate limit), nothing is sent */
	CHECK(wr_kms_keys(k, db, d0, alice, &keys) == LIM_E_STATE && !keys);
	CHECK(log_count(t, INIT, NULL) == 2 && log_count(t, PROV, NULL) == 0);
	wr_kms_cert_stats(k, &st);
	CHECK(st.fetched == 2 && st.refused == 1 && st.changes == 1);

	/* the KMS rolls over (10 minutes ago); the client still holds the old certificate */
	snprintf(cmd, sizeof cmd, "%s rollover %s --at %s >/dev/null",
		 kms_bin(old_com, sizeof old_com), dir, at);
	CHECK(system(cmd) == 0);
	snprintf(old_com, sizeof old_com, "%s/community.1.json", dir);
	community_z(t->path[P_COM], z2);
	CHECK(memcmp(z1, z2, sizeof z1) != 0);
	fake_now = real_us() + 61 * SEC; /* past the rate limit of the re-fetch above */
	n_init2 = audit_count(db, "", "kms.init", "ok kms_uri=kms.limf.test cert_uri=cert2.");
	d2 = decide(db, alice, bob, now);
	CHECK(d2 != NULL);
	if (!d2)
		goto out;
	CHECK(wr_kms_keys(k, db, d2, alice, &keys) == LIM_OK && keys);
	if (!keys)
		goto out;
	CHECK(strcmp(keys->cert_uri, "cert2.kms.limf.test") == 0);
	CHECK_EQ_MEM(keys->z, z2, sizeof z2);
	i2 = keys->ident;
	CHECK(log_count(t, INIT, NULL) == 3 && log_count(t, PROV, "cert=cert2.") == 1);
	CHECK(audit_count(db, "", "kms.init", "ok kms_uri=kms.limf.test cert_uri=cert2.") ==
	      n_init2 + 1);
	CHECK(wr_kms_certs(k, held, WR_KMS_CERTS) == 2);
	CHECK(strcmp(held[0].cert_uri, "cert2.kms.limf.test") == 0 && held[0].valid_from == roll);
	/* a call before the roll-over: its keys under the old certificate, still held */
	d1 = decide(db, alice, bob, roll - 1800 * SEC);
	CHECK(d1 != NULL);
	if (!d1)
		goto out;
	CHECK(wr_kms_keys(k, db, d1, alice, &keys) == LIM_OK && keys);
	if (!keys)
		goto out;
	CHECK(strcmp(keys->cert_uri, "cert1.kms.limf.test") == 0);
	CHECK_EQ_MEM(keys->z, z1, sizeof z1);
	i1 = keys->ident;
	CHECK(log_count(t, INIT, NULL) == 3 && log_count(t, PROV, "cert=cert1.") == 1);
	/* the same identifier under both: cached apart, each with its own Z */
	CHECK(wr_kms_cached(k) == 2);
	CHECK(wr_kms_holds(k, z1, i1.id, i1.idlen) && wr_kms_holds(k, z2, i2.id, i2.idlen));
	z1[WR_KMS_Z_LEN - 1] ^= 1; /* a Z no certificate has: nothing held under it */
	CHECK(!wr_kms_holds(k, z1, i1.id, i1.idlen) && !wr_kms_holds(k, z1, i2.id, i2.idlen));
	/* the rate limit: a re-fetch right after one is refused, one a window later is sent */
	CHECK(wr_kms_refresh_cert(k, db, now, &changed) == LIM_E_LIMIT && !changed);
	CHECK(log_count(t, INIT, NULL) == 3);
	fake_now += 61 * SEC;
	CHECK(wr_kms_refresh_cert(k, db, now, &changed) == LIM_OK && !changed);
	CHECK(log_count(t, INIT, NULL) == 4);
	wr_kms_cert_stats(k, &st);
	CHECK(st.fetched == 4 && st.refused == 2);
	/* a time at the end of every certificate held (2100-01-01): a roll-over is due, asked for
	 * at once despite the rate limit, but once: then the limit holds again */
	CHECK(wr_kms_refresh_cert(k, db, held[0].valid_to, &changed) == LIM_OK && !changed);
	CHECK(log_count(t, INIT, NULL) == 5);
	CHECK(wr_kms_refresh_cert(k, db, held[0].valid_to + SEC, &changed) == LIM_E_LIMIT);
	CHECK(log_count(t, INIT, NULL) == 5);
out:
	fake_now = 0;
	wr_kms_decision_free(d0);
	wr_kms_decision_free(d1);
	wr_kms_decision_free(d2);
	wr_kms_free(k);
	wr_db_close(db);
}

/* Runs sql on c and checks that it fails with SQLSTATE want. */
static void expect_state(PGconn *c, const char *sql, const char *want)
{
	char st[6];
	t_sql(c, sql, st);
	CHECK(strcmp(st, want) == 0);
	if (strcmp(st, want) != 0)
		fprintf(stderr, "  %s: SQLSTATE '%s', want %s\n", sql, st, want);
}

/* The certificate store (schema version 7): a client records what it fetches, once; a client
 * started after a roll-over (a replay of older traffic) loads the earlier certificate from
 * the database instead of concluding there is none (no KMS request, audited kms.cert.load),
 * and gets keys under it; without the record it has none (LIM_E_STATE). A certificate once
 * recorded never changes: another content under its CertUri is refused and audited; the
 * service role cannot write the table but through limf.kms_cert_record. A certificate the
 * KMS said is revoked is never loaded. */
static void t_kms_store(void)
{
	int64_t now = real_us(), roll = now - 600 * SEC;
	char vf[WR_TIME_STRLEN], at[WR_TIME_STRLEN], cmd[512], l[WR_LIID_MAX + 1], alice[96],
		bob[96], dir[96], bin[128], uri[64], q[256], v[64], c1[96], st6[6];
	struct tkms *t;
	struct wr_db *db = t_db(T_SERVICE);
	struct wr_kms *k = NULL, *k2 = NULL;
	struct wr_kms_cert held[WR_KMS_CERTS], c, bad;
	struct wr_kms_cert_stats cs;
	struct wr_kms_decision *d1 = NULL;
	const struct wr_kms_keys *keys = NULL;
	PGconn *adm = t_pg(T_ADMIN), *svc = t_pg(T_SERVICE);
	bool added = true;
	int64_t fs = 0;
	uint8_t z1[WR_KMS_Z_LEN];

	snprintf(uri, sizeof uri, "kms.store%ld.test", (long)getpid());
	snprintf(c1, sizeof c1, "cert1.%s", uri);
	wr_time_format(now - 7200 * SEC, vf);
	wr_time_format(roll, at);
	t = kms_start(&kms_store, "3gpp-uid", vf, uri);
	snprintf(dir, sizeof dir, "%.63s/k", t->dir);
	t_liid(l, sizeof l, "kst");
	snprintf(alice, sizeof alice, "sip:alice-st-%ld@example.org", (long)getpid());
	snprintf(bob, sizeof bob, "sip:bob-st-%ld@example.org", (long)getpid());
	add_warrant(l, now - 86400 * SEC, now + 3600 * SEC, alice);
	community_z(t->path[P_COM], z1);

	/* the first fetch records the certificate, once: a second fetch changes nothing */
	k = client(t, NULL, 5000);
	CHECK(wr_kms_fetch_cert(k, db, &c) == LIM_OK);
	CHECK(c.source == WR_KMS_SRC_KMS && c.first_seen != INT64_MIN);
	CHECK(wr_kms_fetch_cert(k, db, NULL) == LIM_OK);
	snprintf(q, sizeof q,
		 "SELECT count(*) || ' ' || min(fetched_by) FROM limf.kms_certificate"
		 " WHERE kms_uri = '%s'",
		 uri);
	t_sql_val(adm, q, v, sizeof v);
	CHECK(strcmp(v, "1 limf_service") == 0);
	CHECK(audit_count(db, "", "kms.cert.record", c1) == 1);
	CHECK(wr_kms_cert_record(db, &c, &added, &fs) == LIM_OK && !added && fs == c.first_seen);
	wr_kms_cert_stats(k, &cs);
	CHECK(cs.conflicts == 0 && cs.store_failed == 0 && cs.loaded == 0);
	wr_kms_free(k);
	k = NULL;

	/* another content under the recorded CertUri: refused, the row kept, audited */
	bad = c;
	bad.z[WR_KMS_Z_LEN - 1] ^= 1;
	CHECK(wr_kms_cert_record(db, &bad, &added, &fs) == LIM_E_AUTH && !added && fs == INT64_MIN);
	CHECK(audit_count(db, "", "kms.cert.conflict", c1) == 1);
	/* the same keys with another validity: the KMS amending it (a roll-over ends it early),
	 * recorded with the old validity in the audit */
	bad = c;
	bad.valid_to = roll;
	CHECK(wr_kms_cert_record(db, &bad, &added, &fs) == LIM_OK && !added && fs == c.first_seen);
	CHECK(audit_count(db, "", "kms.cert.amend", c1) == 1);
	CHECK(audit_count(db, "", "kms.cert.conflict", c1) == 1);
	snprintf(q, sizeof q,
		 "SELECT (extract(epoch FROM valid_to) * 1000000)::bigint FROM limf.kms_certificate"
		 " WHERE kms_uri = '%s'",
		 uri);
	t_sql_val(adm, q, v, sizeof v);
	CHECK(strtoll(v, NULL, 10) == roll);
	CHECK(wr_kms_cert_record(db, &bad, &added, &fs) == LIM_OK && !added);
	CHECK(audit_count(db, "", "kms.cert.amend", c1) == 1); /* the same again: known */
	/* ... but the owner may change nothing else: below */
	{
		char zh[2 * WR_KMS_Z_LEN + 1], zq[1024];
		lim_hex_encode(z1, sizeof z1, zh);
		snprintf(zq, sizeof zq,
			 "SELECT count(*) FROM limf.kms_certificate WHERE kms_uri = '%s'"
			 " AND encode(pub_enc_key, 'hex') = '%s'",
			 uri, zh);
		t_sql_val(adm, zq, v, sizeof v);
	}
	CHECK(strcmp(v, "1") == 0); /* the Z recorded is still the KMS's */
	/* nobody writes the table directly: the service role has no privilege, the owner's
	 * UPDATE is refused by the trigger */
	snprintf(q, sizeof q, "UPDATE limf.kms_certificate SET issuer = 'x' WHERE kms_uri = '%s'",
		 uri);
	expect_state(svc, q, "42501");
	expect_state(adm, q, "23000");
	expect_state(svc, "DELETE FROM limf.kms_certificate", "42501");
	expect_state(svc,
		     "INSERT INTO limf.kms_certificate (kms_uri, cert_uri, id_scheme,"
		     " user_key_period, user_key_offset, parameter_set, pub_enc_key, pub_auth_key,"
		     " valid_from, valid_to) SELECT 'x', 'y', id_scheme, user_key_period,"
		     " user_key_offset, 1, pub_enc_key, pub_auth_key, valid_from, valid_to"
		     " FROM limf.kms_certificate LIMIT 1",
		     "42501");

	/* a row of a period past the bound (recorded before the bound came): not loaded (its
	 * period's end in microseconds overflowed: a review) */
	bad = c;
	snprintf(bad.cert_uri, sizeof bad.cert_uri, "cert9.%s", uri);
	bad.user_key_period = UINT64_C(1) << 40;
	CHECK(wr_kms_cert_record(db, &bad, &added, &fs) == LIM_OK && added);
	/* the KMS rolls over; a client started afterwards (a replay) fetches only the new one */
	snprintf(cmd, sizeof cmd, "%s rollover %s --at %s >/dev/null", kms_bin(bin, sizeof bin),
		 dir, at);
	CHECK(system(cmd) == 0);
	d1 = decide(db, alice, bob, roll - 1800 * SEC);
	CHECK(d1 != NULL);
	if (!d1)
		goto out;
	k2 = client(t, NULL, 5000);
	CHECK(wr_kms_keys(k2, db, d1, alice, &keys) == LIM_OK && keys);
	if (!keys)
		goto out;
	/* keys under the old certificate, loaded from the database: one KMSInit (the first
	 * fetch), no re-fetch */
	CHECK(strcmp(keys->cert_uri, c1) == 0);
	CHECK_EQ_MEM(keys->z, z1, sizeof z1);
	CHECK(log_count(t, INIT, NULL) == 3 && log_count(t, PROV, "cert=cert1.") == 1);
	CHECK(wr_kms_certs(k2, held, WR_KMS_CERTS) == 2);
	CHECK(strncmp(held[0].cert_uri, "cert2.", 6) == 0 && held[0].source == WR_KMS_SRC_KMS);
	CHECK(strcmp(held[1].cert_uri, c1) == 0 && held[1].source == WR_KMS_SRC_DB &&
	      held[1].first_seen == c.first_seen);
	wr_kms_cert_stats(k2, &cs);
	CHECK(cs.fetched == 1 && cs.loaded == 1 && cs.refused == 0); /* (not cert9: bounds) */
	for (size_t i = 0; i < 2; i++)
		CHECK(strncmp(held[i].cert_uri, "cert9.", 6) != 0);
	CHECK(audit_count(db, "", "kms.cert.load", c1) == 1);
	CHECK(strstr(wr_kms_store_msg(k2), "loaded from the database") != NULL);
	wr_kms_free(k2);
	k2 = NULL;

	/* the record removed: a new client has no certificate for that time (one re-fetch) */
	snprintf(q, sizeof q, "DELETE FROM limf.kms_certificate WHERE cert_uri = '%s'", c1);
	t_sql(adm, q, st6);
	CHECK(st6[0] == '\0');
	k2 = client(t, NULL, 5000);
	CHECK(wr_kms_keys(k2, db, d1, alice, &keys) == LIM_E_STATE && !keys);
	CHECK(log_count(t, INIT, NULL) == 5 && log_count(t, PROV, "cert=cert1.") == 1);
	wr_kms_cert_stats(k2, &cs);
	CHECK(cs.loaded == 0);
	wr_kms_free(k2);
	k2 = NULL;

	/* the KMS says its current certificate (cert2, recorded) is revoked, then rolls over
	 * again: a later client never loads cert2 from the store for a time it covered */
	set_fault(t, "revoked-cert");
	k2 = client(t, NULL, 5000);
	CHECK(wr_kms_fetch_cert(k2, db, NULL) == LIM_E_AUTH);
	set_fault(t, "none");
	wr_kms_free(k2);
	k2 = NULL;
	snprintf(q, sizeof q, "cert_uri=cert2.%s", uri);
	CHECK(audit_count(db, "", "kms.cert.revoked", q) == 1);
	wr_time_format(now - 300 * SEC, at);
	snprintf(cmd, sizeof cmd, "%s rollover %s --at %s >/dev/null", kms_bin(bin, sizeof bin),
		 dir, at);
	CHECK(system(cmd) == 0);
	wr_kms_decision_free(d1);
	d1 = decide(db, alice, bob, now - 420 * SEC);
	CHECK(d1 != NULL);
	if (!d1)
		goto out;
	k2 = client(t, NULL, 5000);
	CHECK(wr_kms_keys(k2, db, d1, alice, &keys) == LIM_E_STATE && !keys);
	CHECK(log_count(t, PROV, "cert=cert2.") == 0);
	wr_kms_cert_stats(k2, &cs);
	CHECK(cs.loaded == 0 && cs.fetched == 2);
out:
	wr_kms_decision_free(d1);
	wr_kms_free(k);
	wr_kms_free(k2);
	PQfinish(adm);
	PQfinish(svc);
	wr_db_close(db);
}

static void t_kms_forget(void)
{
	struct tkms *t = kms_up("3gpp-uid");
	struct wr_db *db = t_db(T_SERVICE);
	struct wr_kms *k = client(t, NULL, 5000);
	const struct wr_kms_keys *keys = NULL;
	struct wr_kms_decision *d1 = NULL, *d2 = NULL;
	struct wr_kms_cert c;
	struct wr_kms_ident ia, ib;
	char l1[WR_LIID_MAX + 1], l2[WR_LIID_MAX + 1], alice[96], bob[96], carol[96];
	int64_t now = real_us();
	t_liid(l1, sizeof l1, "kfg1");
	t_liid(l2, sizeof l2, "kfg2");
	snprintf(alice, sizeof alice, "sip:alice-fg-%ld@example.org", (long)getpid());
	snprintf(bob, sizeof bob, "sip:bob-fg-%ld@example.org", (long)getpid());
	snprintf(carol, sizeof carol, "sip:carol-fg-%ld@example.org", (long)getpid());
	add_warrant(l1, now - 3600000000LL, now + 3600000000LL, alice);
	add_warrant(l2, now - 3600000000LL, now + 3600000000LL, carol);
	CHECK(wr_kms_fetch_cert(k, db, &c) == LIM_OK);
	CHECK(limf_kms_ident(NULL, &c, alice, now, &ia) == LIM_OK);
	CHECK(limf_kms_ident(NULL, &c, bob, now, &ib) == LIM_OK);
	d1 = decide(db, alice, bob, now);   /* under l1 */
	d2 = decide(db, carol, alice, now); /* under l2 */
	CHECK(d1 != NULL && d2 != NULL);
	if (!d1 || !d2)
		goto out;
	CHECK(!wr_kms_holds(k, c.z, ia.id, ia.idlen));
	CHECK(wr_kms_keys(k, db, d1, alice, &keys) == LIM_OK && keys);
	CHECK(wr_kms_keys(k, db, d1, bob, &keys) == LIM_OK && keys);
	/* alice's keys again, through the other warrant: a cache hit, now justified by both */
	CHECK(wr_kms_keys(k, db, d2, alice, &keys) == LIM_OK && keys);
	CHECK(log_count(t, PROV, alice) == 1);
	CHECK(wr_kms_cached(k) == 2);
	CHECK(wr_kms_holds(k, c.z, ia.id, ia.idlen) && wr_kms_holds(k, c.z, ib.id, ib.idlen));
	/* l1 stops: bob's keys (only l1 reached them) are wiped, alice's stay for l2 */
	CHECK(wr_kms_forget_liid(k, "no-such-liid") == 0);
	CHECK(wr_kms_forget_liid(k, l1) == 1);
	CHECK(wr_kms_cached(k) == 1);
	CHECK(!wr_kms_holds(k, c.z, ib.id, ib.idlen) && wr_kms_holds(k, c.z, ia.id, ia.idlen));
	CHECK(wr_kms_forget_liid(k, l1) == 0);
	/* l2 stops too: nothing is left */
	CHECK(wr_kms_forget_liid(k, l2) == 1);
	CHECK(wr_kms_cached(k) == 0);
	CHECK(!wr_kms_holds(k, c.z, ia.id, ia.idlen));
	/* a warrant still in force asks again: a new request, audited */
	CHECK(wr_kms_keys(k, db, d2, alice, &keys) == LIM_OK && keys);
	CHECK(log_count(t, PROV, alice) == 2);
	CHECK(audit_count(db, l2, "kms.request", alice) == 1);
	CHECK(wr_kms_cached(k) == 1);
out:
	wr_kms_decision_free(d1);
	wr_kms_decision_free(d2);
	wr_kms_free(k);
	wr_db_close(db);
}

/* Makes the test's trigger on limf.audit refuse l's rows of action ("": none). */
static void refuse_rows(PGconn *adm, const char *l, const char *action)
{
	char sql[512], st[6];
	snprintf(sql, sizeof sql,
		 "CREATE OR REPLACE FUNCTION limf.t_refuse_%ld() RETURNS trigger LANGUAGE plpgsql"
		 " AS $$ BEGIN IF NEW.liid = '%s' AND NEW.action = '%s' THEN"
		 " RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$",
		 (long)getpid(), l, action);
	t_sql(adm, sql, st);
	CHECK(st[0] == '\0');
}

/* A key request under two warrants writes its kms.request rows, and its kms.result rows, for
 * both LIIDs or for neither: a row that failed for one left the other's (an audit). The
 * failure is made by a trigger that refuses one LIID's rows of one action. */
static void t_kms_audit_all(void)
{
	struct tkms *t = kms_up("3gpp-uid");
	struct wr_db *db = t_db(T_SERVICE);
	struct wr_kms *k = client(t, NULL, 5000);
	const struct wr_kms_keys *keys = NULL;
	struct wr_kms_decision *d = NULL;
	PGconn *adm = t_pg(T_ADMIN);
	char l1[WR_LIID_MAX + 1], l2[WR_LIID_MAX + 1], alice[96], sql[256], st[6];
	int64_t now = real_us();
	int lines;
	t_liid(l1, sizeof l1, "kaa1");
	t_liid(l2, sizeof l2, "kaa2");
	snprintf(alice, sizeof alice, "sip:alice-aa-%ld@example.org", (long)getpid());
	add_warrant(l1, now - 3600000000LL, now + 3600000000LL, alice);
	add_warrant(l2, now - 3600000000LL, now + 3600000000LL, alice);
	d = decide(db, alice, NULL, now);
	CHECK(d != NULL && wr_kms_decision_total(d) == 2);
	refuse_rows(adm, l2, "kms.request");
	snprintf(sql, sizeof sql,
		 "CREATE TRIGGER zz_t_refuse_%ld BEFORE INSERT ON limf.audit FOR EACH ROW"
		 " EXECUTE FUNCTION limf.t_refuse_%ld()",
		 (long)getpid(), (long)getpid());
	t_sql(adm, sql, st);
	CHECK(st[0] == '\0');
	if (!d || st[0])
		goto out;
	/* the request's rows: neither, and nothing asked */
	lines = log_count(t, PROV, alice);
	CHECK(wr_kms_keys(k, db, d, alice, &keys) != LIM_OK && keys == NULL);
	CHECK(log_count(t, PROV, alice) == lines);
	CHECK(audit_count(db, l1, "kms.request", alice) == 0);
	CHECK(audit_count(db, l2, "kms.request", alice) == 0);
	/* the result's rows: neither, and the keys dropped */
	refuse_rows(adm, l2, "kms.result");
	CHECK(wr_kms_keys(k, db, d, alice, &keys) != LIM_OK && keys == NULL);
	CHECK(log_count(t, PROV, alice) == lines + 1);
	CHECK(audit_count(db, l1, "kms.request", alice) == 1);
	CHECK(audit_count(db, l2, "kms.request", alice) == 1);
	CHECK(audit_count(db, l1, "kms.result", alice) == 0);
	CHECK(audit_count(db, l2, "kms.result", alice) == 0);
	CHECK(wr_kms_cached(k) == 0);
	/* nothing refused: both LIIDs' rows, on the same connection */
	refuse_rows(adm, l2, "");
	CHECK(wr_kms_keys(k, db, d, alice, &keys) == LIM_OK && keys != NULL);
	CHECK(audit_count(db, l1, "kms.request", alice) == 2);
	CHECK(audit_count(db, l2, "kms.request", alice) == 2);
	CHECK(audit_count(db, l1, "kms.result", alice) == 1);
	CHECK(audit_count(db, l2, "kms.result", alice) == 1);
out:
	snprintf(sql, sizeof sql, "DROP TRIGGER IF EXISTS zz_t_refuse_%ld ON limf.audit",
		 (long)getpid());
	t_sql(adm, sql, st);
	snprintf(sql, sizeof sql, "DROP FUNCTION IF EXISTS limf.t_refuse_%ld()", (long)getpid());
	t_sql(adm, sql, st);
	PQfinish(adm);
	wr_kms_decision_free(d);
	wr_kms_free(k);
	wr_db_close(db);
}

/* Keys serve content: a decision whose warrants are all of scope iri is refused (nothing sent,
 * audited as kms.refused); with an iri and an iri+cc warrant on the call the request, its
 * result and the cached keys are the iri+cc warrant's alone, so its end wipes them although
 * the iri warrant goes on (before: rows under both LIIDs, and keys the iri warrant kept). */
static void t_kms_scope(void)
{
	struct tkms *t = kms_up("3gpp-uid");
	struct wr_db *db = t_db(T_SERVICE);
	struct wr_kms *k = client(t, NULL, 5000);
	const struct wr_kms_keys *keys = NULL;
	struct wr_kms_decision *d = NULL;
	struct wr_db *op = t_db(T_OPERATOR);
	struct wr_warrant w;
	char li[WR_LIID_MAX + 1], lc[WR_LIID_MAX + 1], bob[96];
	int64_t now = real_us();
	int lines;
	t_liid(li, sizeof li, "ksi");
	t_liid(lc, sizeof lc, "ksc");
	snprintf(bob, sizeof bob, "sip:bob-scope-%ld@example.org", (long)getpid());
	t_fill(&w, li, now - 3600000000LL, now + 3600000000LL, bob);
	w.scope = WR_SCOPE_IRI;
	CHECK(wr_warrant_add(op, &w) == LIM_OK);
	/* the iri warrant alone: refused, nothing sent */
	d = decide(db, bob, NULL, now);
	CHECK(d != NULL);
	CHECK(d && !wr_kms_decision_has_content(d));
	lines = log_count(t, PROV, bob);
	CHECK(d && wr_kms_keys(k, db, d, bob, &keys) == LIM_E_AUTH && keys == NULL &&
	      strstr(wr_kms_msg(k), "scope iri+cc"));
	CHECK(log_count(t, PROV, bob) == lines);
	CHECK(audit_count(db, li, "kms.refused", bob) == 1);
	CHECK(audit_count(db, li, "kms.request", bob) == 0);
	wr_kms_decision_free(d);
	/* with an iri+cc warrant beside it: its rows alone, and its keys */
	add_warrant(lc, now - 3600000000LL, now + 3600000000LL, bob);
	d = decide(db, bob, NULL, now);
	CHECK(d != NULL && wr_kms_decision_total(d) == 2);
	CHECK(d && wr_kms_decision_has_content(d));
	CHECK(d && wr_kms_keys(k, db, d, bob, &keys) == LIM_OK && keys != NULL);
	CHECK(log_count(t, PROV, bob) == lines + 1);
	CHECK(audit_count(db, lc, "kms.request", bob) == 1);
	CHECK(audit_count(db, lc, "kms.result", bob) == 1);
	CHECK(audit_count(db, li, "kms.request", bob) == 0);
	CHECK(audit_count(db, li, "kms.result", bob) == 0);
	CHECK(wr_kms_cached(k) == 1);
	{
		/* the cached keys' re-check (DESIGN.md s5 invariant 3): the LIIDs that justify
		 * them (lc alone), and which of some warrants give content now, 64 a query */
		static char ls[70][WR_LIID_MAX + 1];
		bool c[70];
		int64_t e[70];
		memset(c, 1, sizeof c);
		memset(e, 0, sizeof e);
		CHECK(wr_kms_liids(k, NULL, 0) == 1 && wr_kms_liids(k, ls, 70) == 1 &&
		      strcmp(ls[0], lc) == 0);
		snprintf(ls[1], sizeof ls[1], "%s", li);
		for (int i = 2; i < 69; i++)
			snprintf(ls[i], sizeof ls[i], "no-such-%d", i);
		snprintf(ls[69], sizeof ls[69], "%s", lc);
		CHECK(wr_liids_content(db, ls, 70, now, c, e) == LIM_OK && c[0] && !c[1] && !c[2] &&
		      !c[68] && c[69]);
		/* the end of its stretch: valid_to (t_fill's now + 1 h) */
		CHECK(e[0] == now + 3600000000LL && e[69] == e[0] && e[1] == 0);
		CHECK(wr_liids_content(db, ls, 70, now + 7200000000LL, c, NULL) == LIM_OK &&
		      !c[0] && !c[69]);
		CHECK(wr_liids_content(db, ls, 0, now, c, NULL) == LIM_OK);
		/* a warrant cut short to a later time: its keys kept until then, not the key
		 * period's end (wr_kms_limit_ends lowers, never raises) */
		e[0] = now + 7200000000LL;
		wr_kms_limit_ends(k, ls, e, 1);
		CHECK(wr_kms_cached(k) == 1);
		e[0] = real_us() - 1;
		wr_kms_limit_ends(k, ls, e, 1);
		CHECK(wr_kms_cached(k) == 0);
	}
	/* the iri+cc warrant stops: its keys go, whatever the iri warrant does */
	CHECK(wr_kms_keys(k, db, d, bob, &keys) == LIM_OK && wr_kms_cached(k) == 1);
	CHECK(wr_kms_forget_liid(k, lc) == 1 && wr_kms_cached(k) == 0);
	wr_kms_decision_free(d);
	/* the caller's view of the scopes (a re-check widened one, withheld another): the gate
	 * goes by it; a join keeps what it holds (the pipeline sets them before each request) */
	d = decide(db, bob, NULL, now);
	CHECK(d && wr_kms_decision_scope(d, lc, WR_SCOPE_IRI) == LIM_OK);
	CHECK(d && !wr_kms_decision_has_content(d));
	CHECK(d && wr_kms_keys(k, db, d, bob, &keys) == LIM_E_AUTH);
	CHECK(log_count(t, PROV, bob) == lines + 2);
	CHECK(d && wr_kms_decision_scope(d, li, WR_SCOPE_IRI_CC) == LIM_OK);
	CHECK(d && wr_kms_decision_has_content(d));
	CHECK(d && wr_kms_keys(k, db, d, bob, &keys) == LIM_OK && keys != NULL);
	CHECK(log_count(t, PROV, bob) == lines + 3);
	CHECK(audit_count(db, li, "kms.request", bob) == 1);
	CHECK(audit_count(db, lc, "kms.request", bob) == 2);
	{
		/* li alone justifies the keys now, as the caller's view had it; in the database it
		 * is iri: no content. lc, suspended, gives none either */
		char ls[3][WR_LIID_MAX + 1];
		bool c[3] = { true, true, true };
		CHECK(wr_kms_liids(k, ls, 3) == 1 && strcmp(ls[0], li) == 0);
		snprintf(ls[1], sizeof ls[1], "%s", lc);
		CHECK(wr_liids_content(db, ls, 2, real_us(), c, NULL) == LIM_OK && !c[0] && c[1]);
		CHECK(wr_warrant_set_status(op, lc, WR_SUSPENDED, "test") == LIM_OK);
		CHECK(wr_liids_content(db, ls, 2, real_us(), c, NULL) == LIM_OK && !c[0] && !c[1]);
		CHECK(wr_warrant_set_status(op, lc, WR_ACTIVE, "") == LIM_OK);
	}
	CHECK(d && wr_kms_decision_scope(d, "no-such-liid", WR_SCOPE_IRI) == LIM_E_AUTH);
	CHECK(d && wr_kms_decision_scope(d, li, (enum wr_scope)7) == LIM_E_ARG);
	CHECK(wr_kms_decision_scope(NULL, li, WR_SCOPE_IRI) == LIM_E_ARG);
	CHECK(!wr_kms_decision_has_content(NULL));
	wr_kms_decision_free(d);
	wr_kms_free(k);
	wr_db_close(op);
	wr_db_close(db);
}

/* ---- the response parsers on their own (wr_kms_parse_init, wr_kms_parse_keyprov) ---------- */

struct tbody {
	char p[WR_KMS_RESPONSE_MAX + 2];
	size_t len;
};

static size_t collect(char *p, size_t s, size_t n, void *u)
{
	struct tbody *b = u;
	if (n * s > sizeof b->p - 1 - b->len)
		return 0;
	memcpy(b->p + b->len, p, n * s);
	b->len += n * s;
	b->p[b->len] = '\0';
	return n * s;
}

/* POSTs a KmsRequest to the test KMS with the client certificate (as wr_kms does): the
 * response body, NUL-terminated, in b. uri NULL: a KMSInit request. */
static void kms_post(const struct tkms *t, const char *uri, const char *when, struct tbody *b)
{
	char url[160], body[512];
	long status = 0;
	CURL *c = curl_easy_init();
	b->len = 0;
	b->p[0] = '\0';
	snprintf(url, sizeof url, "%.63s%s", t->url, uri ? WR_KMS_PATH_PROV : WR_KMS_PATH_INIT);
	snprintf(body, sizeof body,
		 "<KmsRequest xmlns=\"" WR_KMS_NS "\" Version=\"1.0.0\"><UserUri>%s</UserUri>"
		 "<KmsUri>kms.limf.test</KmsUri>%s%s%s</KmsRequest>",
		 uri ? uri : "", when ? "<Time>" : "", when ? when : "", when ? "</Time>" : "");
	CHECK(c != NULL);
	if (!c)
		return;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, t->path[P_CA]);
	curl_easy_setopt(c, CURLOPT_SSLCERT, t->path[P_CERT]);
	curl_easy_setopt(c, CURLOPT_SSLKEY, t->path[P_KEY]);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
	CHECK(curl_easy_perform(c) == CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	CHECK(status == 200);
	curl_easy_cleanup(c);
}

/* A copy of b with the first `from` at or after b->p + off replaced by `to` (from must occur). */
static void subst_at(const struct tbody *b, size_t off, const char *from, const char *to,
		     struct tbody *out)
{
	const char *at = strstr(b->p + off, from);
	size_t pre, fl = strlen(from), tl = strlen(to);
	CHECK(at != NULL);
	if (!at) {
		*out = *b;
		return;
	}
	pre = (size_t)(at - b->p);
	memcpy(out->p, b->p, pre);
	memcpy(out->p + pre, to, tl);
	memcpy(out->p + pre + tl, at + fl, b->len - pre - fl + 1);
	out->len = b->len - fl + tl;
}

static void subst(const struct tbody *b, const char *from, const char *to, struct tbody *out)
{
	subst_at(b, 0, from, to, out);
}

/* A copy of b with the first element <name ...>...</name> inside KmsMessage given text v, or, v
 * NULL, repeated right after itself. */
static void elem(const struct tbody *b, const char *name, const char *v, struct tbody *out)
{
	char open[64], close[64], whole[4096], repl[8192];
	const char *s = strstr(b->p, "<KmsMessage>"), *e;
	snprintf(open, sizeof open, "<%s", name);
	snprintf(close, sizeof close, "</%s>", name);
	while (s && (s = strstr(s + 1, open)) != NULL && s[strlen(open)] != '>' &&
	       s[strlen(open)] != ' ')
		;
	e = s ? strstr(s, close) : NULL;
	CHECK(s && e && (size_t)(e - s) + strlen(close) < sizeof whole);
	if (!s || !e || (size_t)(e - s) + strlen(close) >= sizeof whole) {
		*out = *b;
		return;
	}
	snprintf(whole, sizeof whole, "%.*s", (int)(e - s + (long)strlen(close)), s);
	if (v) /* the start tag (attributes kept), v, the end tag */
		snprintf(repl, sizeof repl, "%.*s%s%s", (int)(strchr(whole, '>') - whole + 1),
			 whole, v, close);
	else
		snprintf(repl, sizeof repl, "%s%s", whole, whole);
	subst_at(b, (size_t)(s - b->p), whole, repl, out);
	lim_wipe(whole, sizeof whole);
	lim_wipe(repl, sizeof repl);
}

static bool all_zero_keys(const struct wr_kms_keys *ks)
{
	const uint8_t *b = (const uint8_t *)ks;
	for (size_t i = 0; i < sizeof *ks; i++)
		if (b[i])
			return false;
	return true;
}

static struct tbody pb_init, pb_prov, pb_bad; /* responses: too large for the stack */

/* Real KMSInit and KMSKeyProv responses of the test KMS (both schemes) are accepted by the
 * parsers, with what the KMS serves; each kind of malformed response is refused with its
 * error and a reason that names it; a refused key set leaves nothing behind. */
static void t_kms_parse(void)
{
	static const char *schemes[] = { "3gpp-uid", "rfc6509" };
	const char *alice = "sip:alice@example.org", *when = "2026-01-15T12:00:00Z";
	struct tkms *t3 = NULL;
	struct wr_kms *k = NULL;
	struct wr_kms_cert c3, c;
	struct wr_kms_ident id3, id;
	struct wr_kms_keys ks;
	int64_t t_req = t_time(when);
	for (size_t i = 0; i < 2; i++) {
		struct tkms *t = kms_up(schemes[i]);
		struct kg_community com;
		const char *why = "";
		wr_kms_free(k);
		k = client(t, NULL, 5000); /* before any curl use (wr_kms_new) */
		CHECK(kg_community_load(t->path[P_COM], &com, &why) == 0);
		kms_post(t, NULL, NULL, &pb_init);
		CHECK(wr_kms_parse_init(k, pb_init.p, pb_init.len, &c) == LIM_OK);
		CHECK(strcmp(wr_kms_msg(k), "") == 0);
		CHECK(strcmp(c.kms_uri, com.cert.kms_uri) == 0 &&
		      strcmp(c.kms_uri, "kms.limf.test") == 0);
		CHECK(strcmp(c.cert_uri, com.cert.cert_uri) == 0);
		CHECK(strcmp(c.issuer, "limf test KMS") == 0);
		CHECK(c.scheme == com.cert.scheme &&
		      c.scheme == (i == 0 ? WR_KMS_ID_3GPP : WR_KMS_ID_RFC6509));
		CHECK(c.user_key_period == com.cert.user_key_period &&
		      c.user_key_period == 2592000);
		CHECK(c.user_key_offset == com.cert.user_key_offset && c.parameter_set == 1);
		CHECK(c.valid_from == com.cert.valid_from && c.valid_to == com.cert.valid_to);
		CHECK_EQ_MEM(c.z, com.cert.z, sizeof c.z);
		CHECK_EQ_MEM(c.kpak, com.cert.kpak, sizeof c.kpak);
		CHECK(c.source == WR_KMS_SRC_KMS && c.first_seen == INT64_MIN);
		OPENSSL_cleanse(&com, sizeof com);
		/* the key set of alice at `when`: the one the KMS issues, validated */
		kms_post(t, alice, when, &pb_prov);
		CHECK(limf_kms_ident(NULL, &c, alice, t_req, &id) == LIM_OK);
		CHECK(wr_kms_parse_keyprov(k, pb_prov.p, pb_prov.len, &c, alice, &id, &ks) ==
		      LIM_OK);
		CHECK(strcmp(wr_kms_msg(k), "") == 0);
		check_keys(t, &ks, alice, c.kpak);
		CHECK(strcmp(ks.cert_uri, c.cert_uri) == 0);
		CHECK_EQ_MEM(ks.z, c.z, sizeof c.z);
		CHECK(ks.ident.idlen == id.idlen && memcmp(ks.ident.id, id.id, id.idlen) == 0);
		CHECK(ks.ident.period_no == id.period_no && ks.expires == 0);
		lim_wipe(&ks, sizeof ks);
		if (i == 0) {
			t3 = t;
			c3 = c;
			id3 = id;
		}
	}
	/* the rfc6509 KMS's key set against the 3GPP certificate: another certificate */
	CHECK(wr_kms_parse_keyprov(k, pb_prov.p, pb_prov.len, &c3, alice, &id, &ks) == LIM_E_AUTH);
	CHECK(strstr(wr_kms_msg(k), "the key set is under certificate") == NULL); /* same CertUri */
	CHECK(strstr(wr_kms_msg(k), "KmsKeySet UserID is not the identifier expected") != NULL ||
	      strstr(wr_kms_msg(k), "does not validate") != NULL);
	wr_kms_free(k);
	k = client(t3, NULL, 5000);
	kms_post(t3, NULL, NULL, &pb_init);
	kms_post(t3, alice, when, &pb_prov);
	/* another user, another key period, another certificate than the key set's */
	{
		struct wr_kms_ident other;
		struct wr_kms_cert oc = c3;
		CHECK(wr_kms_parse_keyprov(k, pb_prov.p, pb_prov.len, &c3, "sip:bob@example.org",
					   &id3, &ks) == LIM_E_AUTH);
		CHECK(strcmp(wr_kms_msg(k), "KmsKeySet UserUri is not the one requested") == 0);
		CHECK(limf_kms_ident(NULL, &c3, alice, t_req + 2592000000000LL, &other) == LIM_OK);
		CHECK(wr_kms_parse_keyprov(k, pb_prov.p, pb_prov.len, &c3, alice, &other, &ks) ==
		      LIM_E_AUTH);
		CHECK(strcmp(wr_kms_msg(k), "KmsKeySet UserID is not the identifier expected") ==
		      0);
		snprintf(oc.cert_uri, sizeof oc.cert_uri, "cert2.kms.limf.test");
		CHECK(wr_kms_parse_keyprov(k, pb_prov.p, pb_prov.len, &oc, alice, &id3, &ks) ==
		      LIM_E_AUTH);
		CHECK(strcmp(wr_kms_msg(k), "the key set is under certificate cert1.kms.limf.test, "
					    "not cert2.kms.limf.test") == 0);
		CHECK(all_zero_keys(&ks));
	}
	/* keys of the KMS that do not validate (its wrong-rsk / wrong-ssk faults) */
	{
		static const char *faults[] = { "wrong-rsk", "wrong-ssk" };
		static const char *msgs[] = { "UserDecryptKey does not validate against Z",
					      "UserSigningKeySSK/UserPubTokenPVT do not validate" };
		for (size_t i = 0; i < 2; i++) {
			set_fault(t3, faults[i]);
			kms_post(t3, alice, when, &pb_bad);
			CHECK(wr_kms_parse_keyprov(k, pb_bad.p, pb_bad.len, &c3, alice, &id3,
						   &ks) == LIM_E_AUTH);
			CHECK(strcmp(wr_kms_msg(k), msgs[i]) == 0);
			CHECK(all_zero_keys(&ks));
		}
		set_fault(t3, "none");
	}
	/* malformed KMSInit responses */
	{
		static const struct {
			const char *what, *name, *val, *msg;
			enum lim_err want;
		} bad[] = {
			{ "truncated", NULL, NULL, "KMS response is not well-formed XML",
			  LIM_E_PARSE },
			{ "DOCTYPE", NULL, NULL, "KMS response carries a DTD", LIM_E_PARSE },
			{ "DOCTYPE with entities", NULL, NULL, "KMS response carries a DTD",
			  LIM_E_PARSE },
			{ "namespace", NULL, NULL,
			  "KMS response root is not KmsResponse in " WR_KMS_NS, LIM_E_PARSE },
			{ "dup", "KmsCertificate", NULL, "KmsInit lacks exactly one KmsCertificate",
			  LIM_E_PARSE },
			{ "dup", "Revoked", NULL,
			  "KmsCertificate Revoked is repeated or not a boolean", LIM_E_PARSE },
			{ "set", "Revoked", "yes",
			  "KmsCertificate Revoked is repeated or not a boolean", LIM_E_PARSE },
			{ "set", "Revoked", "true",
			  "the KMS certificate cert1.kms.limf.test is revoked", LIM_E_AUTH },
			{ "dup", "CertUri", NULL,
			  "KmsCertificate CertUri or Issuer is repeated or malformed",
			  LIM_E_PARSE },
			{ "dup", "UserIdFormat", NULL,
			  "KmsCertificate UserIdFormat is repeated or not a number", LIM_E_PARSE },
			{ "dup", "ValidTo", NULL, "KmsCertificate repeats ValidTo", LIM_E_PARSE },
			{ "dup", "KmsUri", NULL, "KmsCertificate lacks exactly one KmsUri",
			  LIM_E_PARSE },
			{ "set", "UserKeyPeriod", "18446744073709551616",
			  "KmsCertificate lacks exactly one UserKeyPeriod and UserKeyOffset, each "
			  "a "
			  "decimal below 2^64",
			  LIM_E_PARSE },
			{ "set", "UserKeyPeriod", "10000000000000",
			  "KmsCertificate UserKeyPeriod (at most 2^32 s) or UserKeyOffset (at most "
			  "2^40 s) out of range",
			  LIM_E_PARSE },
			{ "set", "UserKeyPeriod", "0", "UserKeyPeriod is 0", LIM_E_PARSE },
			{ "set", "UserKeyOffset", "1099511627777",
			  "KmsCertificate UserKeyPeriod (at most 2^32 s) or UserKeyOffset (at most "
			  "2^40 s) out of range",
			  LIM_E_PARSE },
			{ "set", "ParameterSet", "2", "SAKKE parameter set 2", LIM_E_UNSUPP },
			{ "set", "PubEncKey", "04zz",
			  "KmsCertificate PubEncKey is not a 257-octet point", LIM_E_PARSE },
			{ "set", "PubAuthKey", "BGL2ha8q!!Eto==",
			  "KmsCertificate PubAuthKey is not a 65-octet point", LIM_E_PARSE },
			{ "huge", NULL, NULL, "KMS response exceeds 65536 octets", LIM_E_LIMIT },
		};
		for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
			const char *w = bad[i].what;
			enum lim_err e;
			if (strcmp(w, "truncated") == 0) {
				pb_bad = pb_init;
				pb_bad.len /= 2;
			} else if (strcmp(w, "DOCTYPE") == 0) {
				subst(&pb_init, "?>", "?><!DOCTYPE KmsResponse>", &pb_bad);
			} else if (strcmp(w, "DOCTYPE with entities") == 0) {
				/* an entity referring to one declared before it (this crashed the
				 * tree wipe: a loop through the declarations) */
				struct tbody tmp;
				subst(&pb_init, "?>",
				      "?><!DOCTYPE KmsResponse [<!ENTITY a \"aaaa\">"
				      "<!ENTITY b \"&a;&a;\">]>",
				      &tmp);
				elem(&tmp, "Issuer", "&b;", &pb_bad);
			} else if (strcmp(w, "namespace") == 0) {
				subst(&pb_init, WR_KMS_NS, "urn:3gpp:ns:mcsecKMSInterface:2.0",
				      &pb_bad);
			} else if (strcmp(w, "huge") == 0) {
				pb_bad = pb_init;
				memset(pb_bad.p + pb_bad.len, ' ',
				       sizeof pb_bad.p - 1 - pb_bad.len);
				pb_bad.len = sizeof pb_bad.p - 1; /* one octet too many */
			} else {
				elem(&pb_init, bad[i].name, bad[i].val, &pb_bad);
			}
			memset(&c, 0x5A, sizeof c);
			e = wr_kms_parse_init(k, pb_bad.p, pb_bad.len, &c);
			if (e != bad[i].want || strcmp(wr_kms_msg(k), bad[i].msg) != 0)
				fprintf(stderr, "init %s %s: %s: %s\n", w,
					bad[i].name ? bad[i].name : "", lim_strerror(e),
					wr_kms_msg(k));
			CHECK(e == bad[i].want);
			CHECK(strcmp(wr_kms_msg(k), bad[i].msg) == 0);
			if (e != LIM_E_AUTH) {
				struct wr_kms_cert zero;
				memset(&zero, 0, sizeof zero);
				CHECK(memcmp(&c, &zero, sizeof c) == 0);
			}
		}
	}
	/* malformed KMSKeyProv responses */
	{
		static const struct {
			const char *what, *name, *val, *msg;
			enum lim_err want;
		} bad[] = {
			{ "truncated", NULL, NULL, "KMS response is not well-formed XML",
			  LIM_E_PARSE },
			{ "namespace", NULL, NULL,
			  "KMS response root is not KmsResponse in " WR_KMS_NS, LIM_E_PARSE },
			{ "init", NULL, NULL, "KMS response lacks KmsMessage/KmsKeyProv",
			  LIM_E_PARSE },
			{ "dup", "KmsKeySet", NULL, "KmsKeyProv lacks exactly one KmsKeySet",
			  LIM_E_PARSE },
			{ "dup", "UserID", NULL, "KmsKeySet lacks exactly one UserID",
			  LIM_E_PARSE },
			{ "dup", "CertUri", NULL, "KmsKeySet CertUri is repeated or malformed",
			  LIM_E_PARSE },
			{ "set", "Revoked", "true", "the KMS says the key set is revoked",
			  LIM_E_AUTH },
			{ "set", "Revoked", "no", "KmsKeySet Revoked is repeated or not a boolean",
			  LIM_E_PARSE },
			{ "set", "UserID", "8e13zz", "KmsKeySet UserID is not hex", LIM_E_PARSE },
			{ "set", "KeyPeriodNo", "99999999999999999999",
			  "KmsKeySet lacks exactly one KeyPeriodNo (a decimal below 2^64)",
			  LIM_E_PARSE },
			{ "set", "UserDecryptKey", "04zz00",
			  "KmsKeySet keys are missing or malformed", LIM_E_PARSE },
			{ "set", "UserPubTokenPVT", "BGL2ha8q!!Eto==",
			  "KmsKeySet keys are missing or malformed", LIM_E_PARSE },
			{ "set", "UserSigningKeySSK", "<EncryptedKey>AAAA</EncryptedKey>",
			  "KmsKeySet keys are missing or malformed", LIM_E_UNSUPP },
		};
		for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
			const char *w = bad[i].what;
			enum lim_err e;
			if (strcmp(w, "truncated") == 0) {
				pb_bad = pb_prov;
				pb_bad.len = pb_bad.len * 3 / 4; /* inside UserDecryptKey */
			} else if (strcmp(w, "namespace") == 0) {
				subst(&pb_prov, WR_KMS_NS, "urn:3gpp:ns:mcsecKMSInterface:2.0",
				      &pb_bad);
			} else if (strcmp(w, "init") == 0) {
				pb_bad = pb_init;
			} else {
				elem(&pb_prov, bad[i].name, bad[i].val, &pb_bad);
			}
			memset(&ks, 0x5A, sizeof ks);
			e = wr_kms_parse_keyprov(k, pb_bad.p, pb_bad.len, &c3, alice, &id3, &ks);
			if (e != bad[i].want || strcmp(wr_kms_msg(k), bad[i].msg) != 0)
				fprintf(stderr, "keyprov %s %s: %s: %s\n", w,
					bad[i].name ? bad[i].name : "", lim_strerror(e),
					wr_kms_msg(k));
			CHECK(e == bad[i].want);
			CHECK(strcmp(wr_kms_msg(k), bad[i].msg) == 0);
			CHECK(all_zero_keys(&ks)); /* secrets wiped on refusal */
		}
	}
	/* the real one still passes after all that (nothing kept between calls) */
	CHECK(wr_kms_parse_keyprov(k, pb_prov.p, pb_prov.len, &c3, alice, &id3, &ks) == LIM_OK);
	lim_wipe(&ks, sizeof ks);
	lim_wipe(&pb_prov, sizeof pb_prov);
	lim_wipe(&pb_bad, sizeof pb_bad);
	CHECK(wr_kms_cached(k) == 0);
	wr_kms_free(k);
}

const struct lim_suite t_wr_kms_suites[] = {
	{ "kms_cert", t_kms_cert },
	{ "kms_gate", t_kms_gate },
	{ "kms_fetch", t_kms_fetch },
	{ "kms_uri_xml", t_kms_uri_xml },
	{ "kms_rfc6509", t_kms_rfc6509 },
	{ "kms_faults", t_kms_faults },
	{ "kms_wipe", t_kms_wipe },
	{ "kms_mtls", t_kms_mtls },
	{ "kms_expiry", t_kms_expiry },
	{ "kms_many", t_kms_many },
	{ "kms_forget", t_kms_forget },
	{ "kms_audit_all", t_kms_audit_all },
	{ "kms_scope", t_kms_scope },
	{ "kms_validity", t_kms_validity },
	{ "kms_rollover", t_kms_rollover },
	{ "kms_store", t_kms_store },
	{ "kms_upcoming", t_kms_upcoming },
	{ "kms_parse", t_kms_parse },
	{ NULL, NULL },
};
