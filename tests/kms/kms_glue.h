/* Test-only helpers of the test KMS and the unit tests. The production glue between
 * warrants/ and decrypt/ (identifiers, RSK/SSK validation, wr_uid_fn) is limf/kms_glue.c, which
 * both link, so that every side computes identifiers the same way. */
#ifndef LIM_TESTS_KMS_GLUE_H
#define LIM_TESTS_KMS_GLUE_H

#include <openssl/evp.h>
#include <string.h>

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

#endif
