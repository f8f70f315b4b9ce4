/* limf/ wiring of warrants/ (KMS client, decision) with decrypt/ (identifiers, validation):
 * the production struct wr_kms_crypto and wr_uid_fn. warrants/ may not include decrypt/, so
 * limf/ injects these (DESIGN.md s3). Also used by the test KMS and the unit tests, so that
 * every side computes identifiers the same way.
 *
 * Identifiers per UserIdFormat of the KMS certificate:
 *   3gpp-uid: UID = mikey_uid(uri, kms_uri, period, offset, period_no) (TS 33.180 F.2.1),
 *             period_no = floor((ntp - offset) / period), key period
 *             [offset + n*period, offset + (n+1)*period) on the NTP timescale
 *   rfc6509:  id = "YYYY-MM\0uri\0" (RFC 6509 s3.2); one key period per UTC month, numbered
 *             as months since 1900-01 (the NTP epoch).
 * All functions are pure and reentrant; pointers are borrowed for the call. */
#ifndef LIMF_KMS_GLUE_H
#define LIMF_KMS_GLUE_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "warrants/kms.h"
#include "warrants/warrants.h"

#define LIMF_NTP_UNIX 2208988800ULL /* seconds from 1900-01-01 to 1970-01-01 */

/* wr time (microseconds since 1970) of NTP seconds; INT64_MAX past what it can hold. */
int64_t limf_ntp_to_wr(uint64_t ntp);

/* wr_kms_crypto.ident: the identifier of uri at t_us under c's scheme, with its key period
 * number and window. ctx unused. LIM_E_ARG for t_us < 0, a time before the key period offset,
 * a zero period or a URI the identifier cannot hold; LIM_E_LIMIT, LIM_E_CRYPTO as decrypt/. */
enum lim_err limf_kms_ident(void *ctx, const struct wr_kms_cert *c, const char *uri, int64_t t_us,
			    struct wr_kms_ident *out) LIM_WUR;

/* wr_kms_crypto.rsk_validate: sakke_rsk_validate (RFC 6508 s6.1.2). LIM_OK or LIM_E_AUTH. */
enum lim_err limf_kms_rsk_validate(void *ctx, const uint8_t z[WR_KMS_Z_LEN], const uint8_t *id,
				   size_t idlen, const uint8_t rsk[WR_KMS_RSK_LEN]) LIM_WUR;

/* wr_kms_crypto.ssk_validate: eccsi_validate (RFC 6507 s5.1.2). LIM_OK or LIM_E_AUTH. */
enum lim_err limf_kms_ssk_validate(void *ctx, const uint8_t kpak[WR_KMS_KPAK_LEN],
				   const uint8_t *id, size_t idlen,
				   const uint8_t ssk[WR_KMS_SSK_LEN],
				   const uint8_t pvt[WR_KMS_PVT_LEN]) LIM_WUR;

/* The three above, ctx NULL. */
struct wr_kms_crypto limf_kms_crypto(void);

/* The context of a UID party (TS 33.180 F.2.1): the KMS URI and key period of the call's
 * I_MESSAGE. kms_uri borrowed. */
struct limf_uid_ctx {
	const char *kms_uri;
	uint64_t period, offset, period_no;
};

/* wr_uid_fn: mikey_uid(uri, c->kms_uri, c->period, c->offset, c->period_no), ctx a
 * const struct limf_uid_ctx *. Errors as mikey_uid; LIM_E_ARG for a NULL ctx. */
enum lim_err limf_uid(void *ctx, const char *uri, size_t urilen, uint8_t uid[WR_UID_LEN]) LIM_WUR;

#endif
