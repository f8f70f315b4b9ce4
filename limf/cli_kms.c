/* limf kms cert | fetch (README.md "Usage"): the KMS client of warrants/ wired with limf/'s
 * crypto glue (limf/kms_glue.h). The KMS is chosen by --kms URL --ca FILE --cert FILE --key
 * FILE, else LIMF_KMS_URL, LIMF_KMS_CA, LIMF_KMS_CERT, LIMF_KMS_KEY; the database by --db
 * CONNSTR, else LIMF_DB, else libpq's PG* environment (as limf warrant).
 *
 * `fetch` asks the warrant gate (wr_kms_decide) first, with the user as the only party of a
 * call at --at (default now): without a warrant in force nothing is sent to the KMS. On
 * success it prints the key set's public facts only; the RSK and SSK are never printed (they
 * stay in the client's secure-heap cache and are wiped when it is freed). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/codec.h"
#include "common/json.h"
#include "limf/cli.h"
#include "limf/config.h"
#include "limf/kms_glue.h"
#include "limf/opts.h"
#include "limf/text.h"
#include "warrants/kms.h"
#include "warrants/warrants.h"

struct k_opts {
	const char *cmd, *db, *config, *url, *ca, *cert, *key, *user, *at;
	bool json;
	struct limf_conf conf;
};

static void kms_usage(FILE *f)
{
	fputs("usage: limf kms [--config FILE] [--db CONNSTR] [--kms URL --ca FILE --cert FILE\n"
	      "                --key FILE] ...\n"
	      "  cert [--json]                          the KMS certificate (public data)\n"
	      "  fetch --user URI [--at TIME] [--json]  a user's key set, under a warrant\n"
	      "The KMS defaults to the config's [kms], then LIMF_KMS_URL, LIMF_KMS_CA,\n"
	      "LIMF_KMS_CERT, LIMF_KMS_KEY; the database to the config's [database] conninfo,\n"
	      "then LIMF_DB. TIME is ISO 8601 with a zone (default now).\n"
	      "fetch asks the KMS only when a warrant in force at TIME targets URI (else exit 1,\n"
	      "nothing sent); it is audited (kms.request/kms.result with the LIIDs). It prints\n"
	      "the key set's public facts (KMS URI, user URI, UserID, key period, validity,\n"
	      "LIIDs) and NEVER the secret keys: the RSK and SSK are not printed, in any format.\n",
	      f);
}

static int parse_k_opts(int argc, char **argv, struct k_opts *o)
{
	const struct limf_opt opts[] = {
		{ "--json", NULL, &o->json, NULL, NULL, 0 },
		{ "--db", &o->db, NULL, NULL, NULL, 0 },
		{ "--config", &o->config, NULL, NULL, NULL, 0 },
		{ "--kms", &o->url, NULL, NULL, NULL, 0 },
		{ "--ca", &o->ca, NULL, NULL, NULL, 0 },
		{ "--cert", &o->cert, NULL, NULL, NULL, 0 },
		{ "--key", &o->key, NULL, NULL, NULL, 0 },
		{ "--user", &o->user, NULL, NULL, NULL, 0 },
		{ "--at", &o->at, NULL, NULL, NULL, 0 },
	};
	memset(o, 0, sizeof *o);
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], "-") == 0)
			return -1;
	if (limf_parse_opts(argc, argv, opts, sizeof opts / sizeof opts[0], &o->cmd, 1) != 0)
		return -1;
	if (!o->cmd || (strcmp(o->cmd, "cert") && strcmp(o->cmd, "fetch")))
		return -1;
	if (strcmp(o->cmd, "fetch") == 0 ? !o->user : (o->user || o->at))
		return -1;
	/* flags, then the config file, then the environment */
	limf_conf_init(&o->conf);
	if (o->config) {
		char why[512];
		if (limf_conf_load(o->config, &o->conf, why, sizeof why) != LIM_OK) {
			fprintf(stderr, "limf: %s\n", why);
			return -2;
		}
		if (!o->db && o->conf.db[0])
			o->db = o->conf.db;
		if (!o->url && o->conf.kms_url[0])
			o->url = o->conf.kms_url;
		if (!o->ca && o->conf.kms_ca[0])
			o->ca = o->conf.kms_ca;
		if (!o->cert && o->conf.kms_cert[0])
			o->cert = o->conf.kms_cert;
		if (!o->key && o->conf.kms_key[0])
			o->key = o->conf.kms_key;
	}
	if (!o->url)
		o->url = getenv("LIMF_KMS_URL");
	if (!o->ca)
		o->ca = getenv("LIMF_KMS_CA");
	if (!o->cert)
		o->cert = getenv("LIMF_KMS_CERT");
	if (!o->key)
		o->key = getenv("LIMF_KMS_KEY");
	return 0;
}

static int open_db(const char *connstr, struct wr_db **db)
{
	return limf_open_db(connstr, db);
}

static int open_kms(const struct k_opts *o, struct wr_kms **k)
{
	struct wr_kms_config cfg;
	const char *why;
	enum lim_err rc;
	*k = NULL;
	if (!o->url || !o->ca || !o->cert || !o->key) {
		fprintf(stderr, "limf: kms: the KMS URL, CA, client certificate and key are "
				"required (--kms --ca --cert --key or LIMF_KMS_URL, LIMF_KMS_CA, "
				"LIMF_KMS_CERT, LIMF_KMS_KEY)\n");
		return 1;
	}
	if (!wr_kms_url_ok(o->url, &why)) {
		fprintf(stderr, "limf: kms: %s\n", why);
		return 1;
	}
	memset(&cfg, 0, sizeof cfg);
	cfg.base_url = o->url;
	cfg.ca_file = o->ca;
	cfg.cert_file = o->cert;
	cfg.key_file = o->key;
	cfg.crypto = limf_kms_crypto();
	rc = wr_kms_new(&cfg, k);
	if (rc != LIM_OK) {
		fprintf(stderr, "limf: kms: %s\n", lim_strerror(rc));
		*k = NULL;
		return 1;
	}
	return 0;
}

static int kms_error(const struct wr_kms *k, enum lim_err rc)
{
	const char *m = wr_kms_msg(k);
	fprintf(stderr, "limf: kms: %s%s%s\n", lim_strerror(rc), m[0] ? ": " : "", m);
	return 1;
}

static const char *scheme_name(enum wr_kms_idscheme s)
{
	return s == WR_KMS_ID_3GPP ? "3gpp-uid" : "rfc6509";
}

static int print_cert(const struct wr_kms_cert *c, bool json)
{
	if (json) {
		struct lim_json j;
		lim_json_init(&j, stdout);
		lim_json_obj_open(&j);
		lim_json_key(&j, "kms_uri");
		lim_json_str(&j, c->kms_uri);
		lim_json_key(&j, "cert_uri");
		lim_json_str(&j, c->cert_uri);
		lim_json_key(&j, "issuer");
		lim_json_str(&j, c->issuer);
		limf_json_wr_time(&j, "valid_from", c->valid_from);
		limf_json_wr_time(&j, "valid_to", c->valid_to);
		lim_json_key(&j, "id_scheme");
		lim_json_str(&j, scheme_name(c->scheme));
		lim_json_key(&j, "user_key_period");
		lim_json_u64(&j, c->user_key_period);
		lim_json_key(&j, "user_key_offset");
		lim_json_u64(&j, c->user_key_offset);
		lim_json_key(&j, "parameter_set");
		lim_json_u64(&j, c->parameter_set);
		lim_json_key(&j, "pub_enc_key");
		lim_json_hex(&j, c->z, sizeof c->z);
		lim_json_key(&j, "pub_auth_key");
		lim_json_hex(&j, c->kpak, sizeof c->kpak);
		lim_json_obj_close(&j);
		return limf_json_end(&j);
	}
	char z[2 * WR_KMS_Z_LEN + 1], kpak[2 * WR_KMS_KPAK_LEN + 1];
	char a[WR_TIME_STRLEN], b[WR_TIME_STRLEN];
	lim_hex_encode(c->z, sizeof c->z, z);
	lim_hex_encode(c->kpak, sizeof c->kpak, kpak);
	wr_time_format(c->valid_from, a);
	wr_time_format(c->valid_to, b);
	printf("KMS URI       %s\n", c->kms_uri);
	printf("cert URI      %s\n", c->cert_uri);
	printf("issuer        %s\n", c->issuer);
	printf("valid         %s .. %s (end exclusive)\n", a, b);
	printf("id scheme     %s\n", scheme_name(c->scheme));
	printf("key period    %llu s, offset %llu s\n", (unsigned long long)c->user_key_period,
	       (unsigned long long)c->user_key_offset);
	printf("parameter set %u\n", c->parameter_set);
	printf("PubEncKey     %s\n", z);
	printf("PubAuthKey    %s\n", kpak);
	return 0;
}

static int print_keys(const struct wr_kms_cert *c, const struct wr_kms_keys *keys,
		      const struct wr_match *m, size_t n, bool json)
{
	/* Public facts only: keys->rsk is never read here (the SSK is not kept at all). */
	char id[2 * WR_KMS_ID_MAX + 1], a[WR_TIME_STRLEN], b[WR_TIME_STRLEN], e[WR_TIME_STRLEN];
	lim_hex_encode(keys->ident.id, keys->ident.idlen, id);
	if (json) {
		struct lim_json j;
		lim_json_init(&j, stdout);
		lim_json_obj_open(&j);
		lim_json_key(&j, "kms_uri");
		lim_json_str(&j, c->kms_uri);
		lim_json_key(&j, "cert_uri");
		lim_json_str(&j, keys->cert_uri);
		lim_json_key(&j, "user_uri");
		lim_json_str(&j, keys->user_uri);
		lim_json_key(&j, "id_scheme");
		lim_json_str(&j, scheme_name(c->scheme));
		lim_json_key(&j, "user_id");
		lim_json_str(&j, id);
		lim_json_key(&j, "key_period");
		lim_json_u64(&j, keys->ident.period_no);
		limf_json_wr_time(&j, "valid_from", keys->ident.valid_from);
		limf_json_wr_time(&j, "valid_to", keys->ident.valid_to);
		limf_json_wr_time(&j, "cached_until", keys->expires);
		lim_json_key(&j, "liids");
		lim_json_arr_open(&j);
		for (size_t i = 0; i < n; i++)
			lim_json_str(&j, m[i].liid);
		lim_json_arr_close(&j);
		lim_json_obj_close(&j);
		return limf_json_end(&j);
	}
	wr_time_format(keys->ident.valid_from, a);
	wr_time_format(keys->ident.valid_to, b);
	wr_time_format(keys->expires, e);
	printf("KMS URI       %s\n", c->kms_uri);
	printf("certificate   %s\n", keys->cert_uri);
	printf("user URI      %s\n", keys->user_uri);
	printf("UserID        %s (%s)\n", id, scheme_name(c->scheme));
	printf("key period    %llu\n", (unsigned long long)keys->ident.period_no);
	printf("valid         %s .. %s (end exclusive)\n", a, b);
	printf("cached until  %s\n", e);
	printf("LIIDs        ");
	for (size_t i = 0; i < n; i++)
		printf(" %s", m[i].liid);
	printf("\n");
	printf("keys          RSK and SSK received and validated (RSK not shown; SSK not kept)\n");
	return 0;
}

static int kms_cert(const struct k_opts *o, struct wr_db *db)
{
	struct wr_kms *k = NULL;
	struct wr_kms_cert c;
	enum lim_err rc;
	int ret = 1;
	if (open_kms(o, &k))
		return 1;
	rc = wr_kms_fetch_cert(k, db, &c);
	if (rc != LIM_OK) {
		ret = kms_error(k, rc);
		goto out;
	}
	ret = print_cert(&c, o->json);
out:
	wr_kms_free(k);
	return ret;
}

static int kms_fetch(const struct k_opts *o, struct wr_db *db)
{
	struct wr_kms *k = NULL;
	struct wr_kms_decision *d = NULL;
	struct wr_kms_cert c;
	const struct wr_kms_keys *keys = NULL;
	const struct wr_match *m;
	struct wr_party party;
	char ts[WR_TIME_STRLEN];
	int64_t t;
	size_t n = 0;
	enum lim_err rc;
	int ret = 1;
	if (o->at) {
		if (wr_time_parse(o->at, &t) != LIM_OK) {
			fprintf(stderr, "limf: --at: not an ISO 8601 time with a zone: %s\n",
				o->at);
			return 1;
		}
	} else {
		struct timeval tv;
		gettimeofday(&tv, NULL);
		t = (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
	}
	wr_time_format(t, ts);
	/* The gate first: no warrant, no request (DESIGN.md s5.1). */
	memset(&party, 0, sizeof party);
	party.uri = o->user;
	rc = wr_kms_decide(db, &party, 1, t, &d);
	if (rc != LIM_OK || !d) {
		if (rc != LIM_OK)
			fprintf(stderr, "limf: kms: warrant decision failed (%s: %s)\n",
				lim_strerror(rc), wr_db_msg(db));
		fprintf(stderr,
			"limf: kms: refused: no warrant in force at %s covers %s; nothing was "
			"sent to the KMS\n",
			ts, o->user);
		goto out;
	}
	/* keys serve content: an iri warrant gives none (wr_kms_keys refuses it too; said here
	 * before the KMS is contacted at all) */
	if (!wr_kms_decision_has_content(d)) {
		fprintf(stderr,
			"limf: kms: refused: the warrants in force at %s for %s are of scope iri, "
			"which gives no keys; nothing was sent to the KMS\n",
			ts, o->user);
		goto out;
	}
	if (open_kms(o, &k))
		goto out;
	rc = wr_kms_fetch_cert(k, db, &c);
	if (rc == LIM_OK)
		rc = wr_kms_keys(k, db, d, o->user, &keys);
	if (rc != LIM_OK) {
		ret = kms_error(k, rc);
		goto out;
	}
	{
		/* the keys are named by the certificate they were validated under (a roll-over,
		 * or --at in another certificate's time: not always the one just fetched) */
		struct wr_kms_cert all[WR_KMS_CERTS];
		size_t nc = wr_kms_certs(k, all, WR_KMS_CERTS);
		bool found = false;
		for (size_t i = 0; i < nc && i < WR_KMS_CERTS && !found; i++)
			if (strcmp(all[i].cert_uri, keys->cert_uri) == 0) {
				c = all[i];
				found = true;
			}
		if (!found) { /* (cannot happen: keys are validated under a certificate held) */
			fprintf(stderr,
				"limf: kms: the keys' certificate %s is not among the client's: "
				"not printed\n",
				keys->cert_uri);
			goto out;
		}
	}
	m = wr_kms_decision_matches(d, &n);
	ret = print_keys(&c, keys, m, n, o->json);
out:
	wr_kms_decision_free(d);
	wr_kms_free(k); /* wipes the cached keys */
	return ret;
}

/* see cli.h */
int limf_cmd_kms(int argc, char **argv)
{
	struct k_opts o;
	struct wr_db *db = NULL;
	int ret;
	if (limf_wants_help(argc, argv)) {
		kms_usage(stdout);
		return 0;
	}
	int po = parse_k_opts(argc, argv, &o);
	if (po == -2)
		return 1;
	if (po != 0) {
		kms_usage(stderr);
		return 2;
	}
	if (open_db(o.db, &db))
		return 1;
	if (strcmp(o.cmd, "cert") == 0)
		ret = kms_cert(&o, db);
	else
		ret = kms_fetch(&o, db);
	wr_db_close(db);
	return ret;
}
