/* limf/delivery.c: a reload that is refused leaves the running spools as they were. It used to
 * set the refused configuration's spool_max_mb on the spools it had taken over before it failed
 * (session 27's note), so a refused reload still changed how much each spool holds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "limf/config.h"
#include "limf/delivery.h"
#include "tests/unit/check.h"

void t_dlv_refused_reload(void);

static void conf_one(struct limf_conf *c, const char *dir, const char *mb, const char *version)
{
	memset(c, 0, sizeof *c);
	snprintf(c->spool_dir, sizeof c->spool_dir, "%s", dir);
	snprintf(c->spool_max_mb, sizeof c->spool_max_mb, "%s", mb);
	c->n_auth = 1;
	snprintf(c->auth[0].name, sizeof c->auth[0].name, "lemf1");
	snprintf(c->auth[0].hi2, sizeof c->auth[0].hi2, "127.0.0.1:9");
	snprintf(c->auth[0].hi3, sizeof c->auth[0].hi3, "127.0.0.1:9");
	snprintf(c->auth[0].version, sizeof c->auth[0].version, "%s", version);
	snprintf(c->auth[0].insecure_plaintext, sizeof c->auth[0].insecure_plaintext, "yes");
}

static uint64_t bound(const struct limf_dlv *d, int k)
{
	struct limf_dlv_stats st;
	limf_dlv_stats(d, 0, &st);
	return st.spool[k].max_bytes;
}

void t_dlv_refused_reload(void)
{
	char tmpl[] = "/tmp/limf-dlv-XXXXXX", cmd[64];
	char *dir = mkdtemp(tmpl);
	static struct limf_conf c1, c2, c3;
	struct limf_dlv *d = NULL;
	char why[256];
	CHECK(dir != NULL);
	if (!dir)
		return;
	conf_one(&c1, dir, "4", "");
	CHECK(limf_dlv_new(&c1, 0, &d, why, sizeof why) == LIM_OK && d);
	if (!d)
		goto out;
	CHECK(bound(d, 0) == 4u << 20 && bound(d, 1) == 4u << 20);
	/* refused before any spool is taken over: the authority's version is not a number */
	conf_one(&c2, dir, "1", "x");
	CHECK(limf_dlv_reopen(&d, &c2, why, sizeof why) != LIM_OK && d);
	CHECK(bound(d, 0) == 4u << 20 && bound(d, 1) == 4u << 20);
	/* refused after lemf1's spools were taken over (under c2's bound): a second authority
	 * with no hi2 */
	conf_one(&c2, dir, "1", "");
	c2.n_auth = 2;
	snprintf(c2.auth[1].name, sizeof c2.auth[1].name, "lemf2");
	CHECK(limf_dlv_reopen(&d, &c2, why, sizeof why) != LIM_OK && d);
	CHECK(strstr(why, "lemf2") != NULL);
	CHECK(bound(d, 0) == 4u << 20 && bound(d, 1) == 4u << 20);
	/* accepted: the new bound */
	conf_one(&c3, dir, "2", "");
	CHECK(limf_dlv_reopen(&d, &c3, why, sizeof why) == LIM_OK && d);
	CHECK(bound(d, 0) == 2u << 20 && bound(d, 1) == 2u << 20);
out:
	limf_dlv_free(d);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
}
