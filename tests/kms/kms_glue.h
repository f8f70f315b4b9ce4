/* Test-only helpers of the test KMS and the unit tests. The production glue between
 * warrants/ and decrypt/ (identifiers, RSK/SSK validation, wr_uid_fn) is limf/kms_glue.c, which
 * both link, so that every side computes identifiers the same way. */
#ifndef LIM_TESTS_KMS_GLUE_H
#define LIM_TESTS_KMS_GLUE_H

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/codec.h"
#include "decrypt/eccsi.h"
#include "decrypt/sakke.h"
#include "limf/kms_glue.h"
#include "warrants/kms.h"

/* The test KMS's key issue for an identifier: RSK = sakke_rsk_issue(z, id); (SSK, PVT) =
 * eccsi_issue(ksak, id, v) with v = SHA-256("limf-test-kms-v" || ksak || id || ctr), ctr the
 * first of 0, 1, ... that eccsi_issue accepts: deterministic, so tests can recompute it. */
static inline enum lim_err kg_issue(const uint8_t *z, size_t zlen, const uint8_t ksak[32],
				    const uint8_t *id, size_t idlen, uint8_t rsk[WR_KMS_RSK_LEN],
				    uint8_t ssk[WR_KMS_SSK_LEN], uint8_t pvt[WR_KMS_PVT_LEN])
{
	enum lim_err e = sakke_rsk_issue(z, zlen, id, idlen, rsk);
	if (e != LIM_OK)
		return e;
	for (uint8_t ctr = 0; ctr < 8; ctr++) {
		uint8_t v[32];
		unsigned vl = 0;
		EVP_MD_CTX *m = EVP_MD_CTX_new();
		int ok = m && EVP_DigestInit_ex(m, EVP_sha256(), NULL) &&
			 EVP_DigestUpdate(m, "limf-test-kms-v", 15) &&
			 EVP_DigestUpdate(m, ksak, 32) && EVP_DigestUpdate(m, id, idlen) &&
			 EVP_DigestUpdate(m, &ctr, 1) && EVP_DigestFinal_ex(m, v, &vl);
		EVP_MD_CTX_free(m);
		if (!ok)
			return LIM_E_CRYPTO;
		e = eccsi_issue(ksak, id, idlen, v, ssk, pvt);
		memset(v, 0, sizeof v);
		if (e != LIM_E_ARG)
			return e;
	}
	return LIM_E_CRYPTO;
}

/* ---- the community file (written by `limf-kms init`, read by limf-kms serve and limf-gen) ---- */

/* A community: the KMS certificate it implies (kms_uri, cert_uri, validity, scheme, period,
 * offset, Z, KPAK) and its master secrets. A KMS that rolled over (`limf-kms rollover`) has one
 * file per certificate: community.json the newest, each naming the one before ("previous", a
 * file name in the same directory; "" for the first). */
struct kg_community {
	struct wr_kms_cert cert;
	uint8_t z[SAKKE_P_LEN]; /* secret */
	size_t zlen;
	uint8_t ksak[ECCSI_KSAK_LEN]; /* secret */
	char previous[128];
};

#define KG_VALID_FROM "2000-01-01T00:00:00Z" /* the validity of a file that names none */
#define KG_VALID_TO   "2100-01-01T00:00:00Z"

/* The value of "key" in a flat JSON object: a string (without escapes) or a number. */
static inline int kg_json_get(const char *js, const char *key, char *out, size_t cap)
{
	char pat[64];
	const char *p, *e;
	snprintf(pat, sizeof pat, "\"%s\"", key);
	p = strstr(js, pat);
	if (!p)
		return -1;
	p += strlen(pat);
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (*p++ != ':')
		return -1;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (*p == '"') {
		e = strchr(++p, '"');
	} else {
		e = p;
		while (*e >= '0' && *e <= '9')
			e++;
	}
	if (!e || e == p || (size_t)(e - p) >= cap)
		return -1;
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';
	return 0;
}

/* Reads the community file at path into *c (Z and KPAK computed from z and KSAK, parameter set
 * 1). 0, or -1 with a reason in why ("kms_uri/id_scheme", "z", ...). Temporaries wiped. */
static inline int kg_community_load(const char *path, struct kg_community *c, const char **why)
{
	char js[8192], v[600];
	size_t n, kl;
	int rc = -1;
	FILE *f = fopen(path, "r");
	memset(c, 0, sizeof *c);
	*why = "cannot open the community file";
	if (!f)
		return -1;
	n = fread(js, 1, sizeof js - 1, f);
	fclose(f);
	js[n] = '\0';
	*why = "kms_uri/id_scheme missing";
	if (kg_json_get(js, "kms_uri", c->cert.kms_uri, sizeof c->cert.kms_uri) != 0 ||
	    kg_json_get(js, "id_scheme", v, sizeof v) != 0)
		goto out;
	*why = "unknown id_scheme";
	if (strcmp(v, "rfc6509") == 0)
		c->cert.scheme = WR_KMS_ID_RFC6509;
	else if (strcmp(v, "3gpp-uid") == 0)
		c->cert.scheme = WR_KMS_ID_3GPP;
	else
		goto out;
	*why = "user_key_period missing";
	if (kg_json_get(js, "user_key_period", v, sizeof v) != 0)
		goto out;
	c->cert.user_key_period = strtoull(v, NULL, 10);
	*why = "user_key_offset missing";
	if (kg_json_get(js, "user_key_offset", v, sizeof v) != 0)
		goto out;
	c->cert.user_key_offset = strtoull(v, NULL, 10);
	*why = "z";
	if (kg_json_get(js, "z", v, sizeof v) != 0 ||
	    lim_hex_decode(v, strlen(v), c->z, sizeof c->z, &c->zlen) != LIM_OK)
		goto out;
	*why = "ksak";
	if (kg_json_get(js, "ksak", v, sizeof v) != 0 ||
	    lim_hex_decode(v, strlen(v), c->ksak, sizeof c->ksak, &kl) != LIM_OK ||
	    kl != sizeof c->ksak)
		goto out;
	*why = "bad z or ksak";
	if (sakke_kms_public(c->z, c->zlen, c->cert.z) != LIM_OK ||
	    eccsi_kpak_from_ksak(c->ksak, c->cert.kpak) != LIM_OK)
		goto out;
	c->cert.parameter_set = 1;
	/* optional (files written before roll-overs existed): the first certificate */
	if (kg_json_get(js, "cert_uri", c->cert.cert_uri, sizeof c->cert.cert_uri) != 0) {
		size_t l = strlen(c->cert.kms_uri);
		l = l > 240 ? 240 : l;
		memcpy(c->cert.cert_uri, "cert1.", 6);
		memcpy(c->cert.cert_uri + 6, c->cert.kms_uri, l);
		c->cert.cert_uri[6 + l] = '\0';
	}
	snprintf(c->cert.issuer, sizeof c->cert.issuer, "limf test KMS");
	*why = "valid_from/valid_to";
	if (kg_json_get(js, "valid_from", v, sizeof v) != 0)
		snprintf(v, sizeof v, "%s", KG_VALID_FROM);
	if (wr_time_parse(v, &c->cert.valid_from) != LIM_OK)
		goto out;
	if (kg_json_get(js, "valid_to", v, sizeof v) != 0)
		snprintf(v, sizeof v, "%s", KG_VALID_TO);
	if (wr_time_parse(v, &c->cert.valid_to) != LIM_OK || c->cert.valid_to <= c->cert.valid_from)
		goto out;
	if (kg_json_get(js, "previous", c->previous, sizeof c->previous) != 0 ||
	    strchr(c->previous, '/'))
		c->previous[0] = '\0';
	*why = "";
	rc = 0;
out:
	OPENSSL_cleanse(js, sizeof js);
	OPENSSL_cleanse(v, sizeof v);
	return rc;
}

#endif
