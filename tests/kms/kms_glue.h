/* The glue between warrants/ (KMS client) and decrypt/ (identifiers, key issue and validation)
 * that limf/ provides in the service; shared here by the test KMS and the unit tests so that
 * both compute identifiers the same way (header-only: static functions).
 *   3gpp-uid: UID = mikey_uid(uri, kms_uri, period, offset, period_no) (TS 33.180 F.2.1),
 *             period_no = floor((ntp - offset) / period), period [offset + n*period, +period)
 *   rfc6509:  id = "YYYY-MM\0uri\0" (RFC 6509 s3.2); one key period per UTC month, numbered
 *             as months since 1900-01 (the NTP epoch). */
#ifndef LIM_TESTS_KMS_GLUE_H
#define LIM_TESTS_KMS_GLUE_H

#include <openssl/evp.h>
#include <string.h>
#include <time.h>

#include "decrypt/eccsi.h"
#include "decrypt/sakke.h"
#include "decrypt/uid.h"
#include "warrants/kms.h"

#define KG_NTP_UNIX 2208988800ULL /* seconds from 1900-01-01 to 1970-01-01 */

static inline int64_t kg_unix_us(uint64_t ntp)
{
	return ((int64_t)ntp - (int64_t)KG_NTP_UNIX) * 1000000;
}

static inline enum lim_err kg_ident(void *ctx, const struct wr_kms_cert *c, const char *uri,
				    int64_t t_us, struct wr_kms_ident *out)
{
	uint64_t ntp;
	(void)ctx;
	memset(out, 0, sizeof *out);
	if (t_us < 0)
		return LIM_E_ARG;
	ntp = (uint64_t)(t_us / 1000000) + KG_NTP_UNIX;
	if (c->scheme == WR_KMS_ID_3GPP) {
		uint64_t pno, start;
		enum lim_err e =
			mikey_key_period_no(ntp, c->user_key_period, c->user_key_offset, &pno);
		if (e != LIM_OK)
			return e;
		e = mikey_uid(uri, strlen(uri), c->kms_uri, strlen(c->kms_uri), c->user_key_period,
			      c->user_key_offset, pno, out->id);
		if (e != LIM_OK)
			return e;
		out->idlen = MIKEY_UID_LEN;
		out->period_no = pno;
		start = c->user_key_offset + pno * c->user_key_period;
		out->valid_from = kg_unix_us(start);
		out->valid_to = kg_unix_us(start + c->user_key_period);
		return LIM_OK;
	}
	{
		time_t secs = (time_t)(t_us / 1000000);
		struct tm tm, a;
		enum lim_err e;
		if (!gmtime_r(&secs, &tm))
			return LIM_E_ARG;
		e = mikey_rfc6509_id(ntp, uri, strlen(uri), out->id, sizeof out->id, &out->idlen);
		if (e != LIM_OK)
			return e;
		out->period_no = (uint64_t)tm.tm_year * 12 + (uint64_t)tm.tm_mon;
		memset(&a, 0, sizeof a);
		a.tm_year = tm.tm_year;
		a.tm_mon = tm.tm_mon;
		a.tm_mday = 1;
		out->valid_from = (int64_t)timegm(&a) * 1000000;
		a.tm_mon++;
		out->valid_to = (int64_t)timegm(&a) * 1000000;
		return LIM_OK;
	}
}

static inline enum lim_err kg_rsk_validate(void *ctx, const uint8_t z[WR_KMS_Z_LEN],
					   const uint8_t *id, size_t idlen,
					   const uint8_t rsk[WR_KMS_RSK_LEN])
{
	(void)ctx;
	return sakke_rsk_validate(z, id, idlen, rsk) == LIM_OK ? LIM_OK : LIM_E_AUTH;
}

static inline enum lim_err kg_ssk_validate(void *ctx, const uint8_t kpak[WR_KMS_KPAK_LEN],
					   const uint8_t *id, size_t idlen,
					   const uint8_t ssk[WR_KMS_SSK_LEN],
					   const uint8_t pvt[WR_KMS_PVT_LEN])
{
	(void)ctx;
	return eccsi_validate(kpak, id, idlen, ssk, pvt);
}

static inline struct wr_kms_crypto kg_crypto(void)
{
	struct wr_kms_crypto c = { kg_ident, kg_rsk_validate, kg_ssk_validate, NULL };
	return c;
}

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
