/* limf/ glue between warrants/ and decrypt/ (see kms_glue.h). */
#include <string.h>
#include <time.h>

#include "decrypt/eccsi.h"
#include "decrypt/sakke.h"
#include "decrypt/uid.h"
#include "limf/kms_glue.h"

_Static_assert(WR_KMS_Z_LEN == SAKKE_POINT_LEN, "Z length");
_Static_assert(WR_KMS_RSK_LEN == SAKKE_POINT_LEN, "RSK length");
_Static_assert(WR_KMS_KPAK_LEN == ECCSI_KPAK_LEN, "KPAK length");
_Static_assert(WR_KMS_SSK_LEN == ECCSI_SSK_LEN, "SSK length");
_Static_assert(WR_KMS_PVT_LEN == ECCSI_PVT_LEN, "PVT length");
_Static_assert(WR_UID_LEN == MIKEY_UID_LEN, "UID length");
_Static_assert(WR_KMS_ID_MAX >= MIKEY_UID_LEN, "identifier buffer");

/* see kms_glue.h */
int64_t limf_ntp_to_wr(uint64_t ntp)
{
	if (ntp > LIMF_NTP_UNIX + (uint64_t)(INT64_MAX / 1000000))
		return INT64_MAX; /* (no KMS certificate or T payload of ours gets here) */
	return ((int64_t)ntp - (int64_t)LIMF_NTP_UNIX) * 1000000;
}

static enum lim_err ident_3gpp(const struct wr_kms_cert *c, const char *uri, uint64_t ntp,
			       struct wr_kms_ident *out)
{
	uint64_t pno, start;
	enum lim_err e = mikey_key_period_no(ntp, c->user_key_period, c->user_key_offset, &pno);
	if (e != LIM_OK)
		return e;
	e = mikey_uid(uri, strlen(uri), c->kms_uri, strlen(c->kms_uri), c->user_key_period,
		      c->user_key_offset, pno, out->id);
	if (e != LIM_OK)
		return e;
	out->idlen = MIKEY_UID_LEN;
	out->period_no = pno;
	start = c->user_key_offset + pno * c->user_key_period;
	out->valid_from = limf_ntp_to_wr(start);
	out->valid_to = limf_ntp_to_wr(start + c->user_key_period);
	return LIM_OK;
}

static enum lim_err ident_rfc6509(const char *uri, int64_t t_us, uint64_t ntp,
				  struct wr_kms_ident *out)
{
	time_t secs = (time_t)(t_us / 1000000);
	struct tm tm, a;
	enum lim_err e;
	if (!gmtime_r(&secs, &tm))
		return LIM_E_ARG;
	e = mikey_rfc6509_id(ntp, uri, strlen(uri), out->id, sizeof out->id, &out->idlen);
	if (e != LIM_OK)
		return e;
	/* RFC 6509 s3.2: one key period per UTC month */
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

/* see kms_glue.h */
enum lim_err limf_kms_ident(void *ctx, const struct wr_kms_cert *c, const char *uri, int64_t t_us,
			    struct wr_kms_ident *out)
{
	uint64_t ntp;
	enum lim_err e;
	(void)ctx;
	memset(out, 0, sizeof *out);
	if (t_us < 0)
		return LIM_E_ARG;
	ntp = (uint64_t)(t_us / 1000000) + LIMF_NTP_UNIX;
	if (c->scheme == WR_KMS_ID_3GPP)
		e = ident_3gpp(c, uri, ntp, out);
	else
		e = ident_rfc6509(uri, t_us, ntp, out);
	if (e != LIM_OK)
		memset(out, 0, sizeof *out);
	return e;
}

/* see kms_glue.h */
enum lim_err limf_kms_rsk_validate(void *ctx, const uint8_t z[WR_KMS_Z_LEN], const uint8_t *id,
				   size_t idlen, const uint8_t rsk[WR_KMS_RSK_LEN])
{
	(void)ctx;
	return sakke_rsk_validate(z, id, idlen, rsk) == LIM_OK ? LIM_OK : LIM_E_AUTH;
}

/* see kms_glue.h */
enum lim_err limf_kms_ssk_validate(void *ctx, const uint8_t kpak[WR_KMS_KPAK_LEN],
				   const uint8_t *id, size_t idlen,
				   const uint8_t ssk[WR_KMS_SSK_LEN],
				   const uint8_t pvt[WR_KMS_PVT_LEN])
{
	(void)ctx;
	return eccsi_validate(kpak, id, idlen, ssk, pvt) == LIM_OK ? LIM_OK : LIM_E_AUTH;
}

/* see kms_glue.h */
struct wr_kms_crypto limf_kms_crypto(void)
{
	struct wr_kms_crypto c = { limf_kms_ident, limf_kms_rsk_validate, limf_kms_ssk_validate,
				   NULL };
	return c;
}

/* see kms_glue.h */
enum lim_err limf_uid(void *ctx, const char *uri, size_t urilen, uint8_t uid[WR_UID_LEN])
{
	const struct limf_uid_ctx *c = ctx;
	if (!c || !c->kms_uri)
		return LIM_E_ARG;
	return mikey_uid(uri, urilen, c->kms_uri, strlen(c->kms_uri), c->period, c->offset,
			 c->period_no, uid);
}
