/* libFuzzer target: limf_conf_load over a hostile limf.conf. A failure leaves a NUL-terminated
 * reason; a success leaves every field NUL-terminated, at most LIMF_CONF_AUTH authorities, each
 * found again by its name. I/O: a private directory. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "limf/config.h"
#include "tests/fuzz/fuzz_dir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TERMINATED(f) (memchr((f), 0, sizeof(f)) != NULL)

static bool auth_ok(const struct limf_conf *c, const struct limf_conf_auth *a)
{
	return TERMINATED(a->name) && TERMINATED(a->hi2) && TERMINATED(a->hi3) &&
	       TERMINATED(a->version) && TERMINATED(a->ca) && TERMINATED(a->cert) &&
	       TERMINATED(a->key) && TERMINATED(a->insecure_plaintext) &&
	       limf_conf_authority(c, a->name) == a;
}

static bool conf_ok(const struct limf_conf *c)
{
	if (!(TERMINATED(c->db) && TERMINATED(c->recheck_grace) && TERMINATED(c->late_rate) &&
	      TERMINATED(c->kms_url) && TERMINATED(c->kms_ca) && TERMINATED(c->kms_cert) &&
	      TERMINATED(c->kms_key) && TERMINATED(c->kms_refresh) && TERMINATED(c->sign_key) &&
	      TERMINATED(c->op_id) && TERMINATED(c->ne_id) && TERMINATED(c->country) &&
	      TERMINATED(c->spool_dir) && TERMINATED(c->spool_max_mb) &&
	      TERMINATED(c->control_socket) && TERMINATED(c->metrics) && TERMINATED(c->svc_user) &&
	      TERMINATED(c->svc_group) && TERMINATED(c->x2x3_listen) && TERMINATED(c->x2x3_ca) &&
	      TERMINATED(c->x2x3_cert) && TERMINATED(c->x2x3_key) && TERMINATED(c->x2x3_crl) &&
	      TERMINATED(c->x2x3_max_conns) && TERMINATED(c->x2x3_hs_timeout)))
		return false;
	if (c->n_auth > LIMF_CONF_AUTH)
		return false;
	for (size_t i = 0; i < c->n_auth; i++)
		if (!auth_ok(c, &c->auth[i]))
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct limf_conf c;
	char why[256];
	enum lim_err e;
	fuzz_dir("conf");
	limf_conf_init(&c);
	memset(why, 0x55, sizeof why);
	e = limf_conf_load(fuzz_put("limf.conf", data, size), &c, why, sizeof why);
	if (e != LIM_OK && !TERMINATED(why))
		abort();
	if (e == LIM_OK && !conf_ok(&c))
		abort();
	return 0;
}
