/* MIKEY-SAKKE identities (TS 33.180 F.2.1, RFC 6509 s3.2, TS 33.180 GUK-ID). */
#include "decrypt/uid.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/wipe.h"
#include "common/wr.h"

#define NTP_UNIX_OFFSET 2208988800u /* seconds from 1900-01-01 to 1970-01-01 */
#define GUK_LABEL_MAX   (1 + 65535 + 2)

/* see uid.h */
enum lim_err mikey_key_period_no(uint64_t ntp_secs, uint64_t period, uint64_t offset,
				 uint64_t *period_no)
{
	enum lim_err rc = LIM_E_ARG;
	*period_no = 0;
	if (period == 0 || ntp_secs < offset)
		goto out;
	*period_no = (ntp_secs - offset) / period;
	rc = LIM_OK;
out:
	return rc;
}

/* Writes v as minimal big-endian octets (0 = one 0x00) followed by their count as len16. */
static void wr_minint(struct lim_wr *w, uint64_t v)
{
	uint8_t b[8];
	size_t n = 0;
	for (int sh = 56; sh >= 0; sh -= 8) {
		uint8_t o = (uint8_t)(v >> sh);
		if (n || o || sh == 0)
			b[n++] = o;
	}
	lim_wr_bytes(w, b, n);
	lim_wr_u16be(w, (uint16_t)n);
}

/* see uid.h */
enum lim_err mikey_uid_input(const char *uri, size_t urilen, const char *kms_uri, size_t kmslen,
			     uint64_t period, uint64_t offset, uint64_t period_no, uint8_t *out,
			     size_t cap, size_t *outlen)
{
	static const char fc_label[] = "MIKEY-SAKKE-UID";
	enum lim_err rc = LIM_E_ARG;
	struct lim_wr w;

	*outlen = 0;
	if ((!uri && urilen) || (!kms_uri && kmslen) || (!out && cap) || urilen > 0xFFFF ||
	    kmslen > 0xFFFF)
		goto out;
	/* TS 33.180 F.2.1 (33.220 B.2 style S): FC = 0x00, P0..P5 each followed by L_i */
	lim_wr_init(&w, out, cap);
	lim_wr_u8(&w, 0x00);
	lim_wr_bytes(&w, fc_label, sizeof fc_label - 1);
	lim_wr_u16be(&w, (uint16_t)(sizeof fc_label - 1));
	lim_wr_bytes(&w, uri, urilen);
	lim_wr_u16be(&w, (uint16_t)urilen);
	lim_wr_bytes(&w, kms_uri, kmslen);
	lim_wr_u16be(&w, (uint16_t)kmslen);
	wr_minint(&w, period);
	wr_minint(&w, offset);
	wr_minint(&w, period_no);
	if (!lim_wr_ok(&w)) {
		rc = LIM_E_LIMIT;
		goto out;
	}
	*outlen = w.len;
	rc = LIM_OK;
out:
	return rc;
}

/* see uid.h */
enum lim_err mikey_uid(const char *uri, size_t urilen, const char *kms_uri, size_t kmslen,
		       uint64_t period, uint64_t offset, uint64_t period_no,
		       uint8_t uid[MIKEY_UID_LEN])
{
	enum lim_err rc;
	uint8_t *s = NULL;
	size_t slen = 0, cap = 16 + 2 + urilen + 2 + kmslen + 2 + 3 * (8 + 2);
	unsigned int olen = 0;

	memset(uid, 0, MIKEY_UID_LEN);
	if (urilen > 0xFFFF || kmslen > 0xFFFF) {
		rc = LIM_E_ARG;
		goto out;
	}
	if (!(s = malloc(cap))) {
		rc = LIM_E_NOMEM;
		goto out;
	}
	rc = mikey_uid_input(uri, urilen, kms_uri, kmslen, period, offset, period_no, s, cap,
			     &slen);
	if (rc != LIM_OK)
		goto out;
	if (!EVP_Digest(s, slen, uid, &olen, EVP_sha256(), NULL) || olen != MIKEY_UID_LEN) {
		memset(uid, 0, MIKEY_UID_LEN);
		rc = LIM_E_CRYPTO;
	}
out:
	free(s);
	return rc;
}

/* Civil date of a day count since 1970-01-01 (H. Hinnant's days_from_civil inverse). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;                                      /* [0, 146096] */
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
	int64_t mp = (5 * doy + 2) / 153;                                    /* [0, 11] */
	unsigned mm = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (mm <= 2);
	*m = mm;
}

/* see uid.h */
enum lim_err mikey_rfc6509_id(uint64_t ntp_secs, const char *uri, size_t urilen, uint8_t *out,
			      size_t cap, size_t *outlen)
{
	enum lim_err rc = LIM_E_ARG;
	int64_t days, year;
	unsigned month;
	uint8_t ym[7];
	struct lim_wr w;

	*outlen = 0;
	if ((!uri && urilen) || (!out && cap) || (urilen && memchr(uri, 0, urilen)))
		goto out;
	/* 10000-01-01 is 253402300800 s after 1970; anything beyond needs 5 digits */
	if (ntp_secs >= (uint64_t)253402300800 + NTP_UNIX_OFFSET)
		goto out;
	days = ((int64_t)ntp_secs - (int64_t)NTP_UNIX_OFFSET);
	days = (days >= 0 ? days : days - 86399) / 86400;
	civil_from_days(days, &year, &month);
	if (year < 0 || year > 9999)
		goto out;
	ym[0] = (uint8_t)('0' + year / 1000);
	ym[1] = (uint8_t)('0' + year / 100 % 10);
	ym[2] = (uint8_t)('0' + year / 10 % 10);
	ym[3] = (uint8_t)('0' + year % 10);
	ym[4] = '-';
	ym[5] = (uint8_t)('0' + month / 10);
	ym[6] = (uint8_t)('0' + month % 10);
	/* RFC 6509 s3.2: "YYYY-MM" || 0x00 || URI || 0x00 */
	lim_wr_init(&w, out, cap);
	lim_wr_bytes(&w, ym, sizeof ym);
	lim_wr_u8(&w, 0x00);
	lim_wr_bytes(&w, uri, urilen);
	lim_wr_u8(&w, 0x00);
	if (!lim_wr_ok(&w)) {
		rc = LIM_E_LIMIT;
		goto out;
	}
	*outlen = w.len;
	rc = LIM_OK;
out:
	return rc;
}

/* see uid.h */
enum lim_err mikey_guk_id(const uint8_t *gmk, size_t gmklen, uint32_t gmk_id, const char *uri,
			  size_t urilen, uint32_t *guk_id)
{
	enum lim_err rc = LIM_E_ARG;
	uint8_t *label = NULL, mac[32];
	unsigned int olen = 0;
	struct lim_wr w;
	uint32_t t;

	*guk_id = 0;
	if (!gmk || gmklen == 0 || gmklen > 0x7fffffff || (!uri && urilen) || urilen > 0xFFFF)
		goto out;
	if (!(label = malloc(1 + urilen + 2))) {
		rc = LIM_E_NOMEM;
		goto out;
	}
	/* TS 33.180: HMAC-SHA-256(GMK, FC = 0x50 || P0 = URI || L0) */
	lim_wr_init(&w, label, 1 + urilen + 2);
	lim_wr_u8(&w, 0x50);
	lim_wr_bytes(&w, uri, urilen);
	lim_wr_u16be(&w, (uint16_t)urilen);
	if (!lim_wr_ok(&w))
		goto out;
	rc = LIM_E_CRYPTO;
	if (!HMAC(EVP_sha256(), gmk, (int)gmklen, label, w.len, mac, &olen) || olen != sizeof mac)
		goto out;
	/* 28 least significant bits of the output, XORed into GMK-ID; purpose tag kept */
	t = ((uint32_t)mac[28] << 24) | ((uint32_t)mac[29] << 16) | ((uint32_t)mac[30] << 8) |
	    (uint32_t)mac[31];
	*guk_id = gmk_id ^ (t & 0x0FFFFFFFu);
	rc = LIM_OK;
out:
	LIM_WIPE(mac);
	free(label);
	return rc;
}
