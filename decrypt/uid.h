/* MIKEY-SAKKE identities: key periods, 3GPP TS 33.180 UIDs, RFC 6509 identifiers and
 * 3GPP TS 33.180 GUK-IDs. Pure functions; all pointers borrowed; strings are (ptr, len) and
 * need no NUL terminator. */
#ifndef LIM_UID_H
#define LIM_UID_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define MIKEY_UID_LEN 32
/* Size of the largest UID input S that mikey_uid_input can produce. */
#define MIKEY_UID_S_MAX (16 + 2 + 2 * (65535 + 2) + 3 * (8 + 2))

/* key period number = floor((ntp_secs - offset) / period) (TS 33.180 F.2.1; ntp_secs = the
 * seconds of the MIKEY T payload's NTP-UTC time). LIM_E_ARG if period == 0 or
 * ntp_secs < offset. */
enum lim_err mikey_key_period_no(uint64_t ntp_secs, uint64_t period, uint64_t offset,
				 uint64_t *period_no) LIM_WUR;

/* The TS 33.180 F.2.1 UID input S = 0x00 || "MIKEY-SAKKE-UID" || 0x000F || uri || len16(uri)
 * || kms || len16(kms) || period || len16 || offset || len16 || period_no || len16, integers as
 * minimal big-endian octets (0 = a single 0x00). Written to out (cap octets; LIM_E_LIMIT if
 * short, MIKEY_UID_S_MAX always suffices), length in *outlen. LIM_E_ARG if a URI is longer
 * than 65535 octets or NULL with a non-zero length. Exposed for tests and diagnostics. */
enum lim_err mikey_uid_input(const char *uri, size_t urilen, const char *kms_uri, size_t kmslen,
			     uint64_t period, uint64_t offset, uint64_t period_no, uint8_t *out,
			     size_t cap, size_t *outlen) LIM_WUR;

/* TS 33.180 F.2.1 UID = SHA-256(S), S as mikey_uid_input above. The UID is the SAKKE
 * identifier b and the ECCSI ID (32 raw octets). Errors as mikey_uid_input (never LIMIT),
 * LIM_E_CRYPTO on an OpenSSL failure. */
enum lim_err mikey_uid(const char *uri, size_t urilen, const char *kms_uri, size_t kmslen,
		       uint64_t period, uint64_t offset, uint64_t period_no,
		       uint8_t uid[MIKEY_UID_LEN]) LIM_WUR;

/* RFC 6509 s3.2 identifier "YYYY-MM" 0x00 uri 0x00, the month (UTC, proleptic Gregorian)
 * from NTP seconds (since 1900-01-01T00:00:00Z). Written to out (cap octets), length in
 * *outlen = urilen + 9. LIM_E_ARG if uri contains a NUL octet, is NULL with a non-zero
 * length, or the year exceeds 9999; LIM_E_LIMIT if cap is too small. */
enum lim_err mikey_rfc6509_id(uint64_t ntp_secs, const char *uri, size_t urilen, uint8_t *out,
			      size_t cap, size_t *outlen) LIM_WUR;

/* TS 33.180 GUK-ID = GMK-ID XOR (28 LSBs of HMAC-SHA-256(GMK, 0x50 || uri || len16(uri))),
 * the top 4 bits (purpose tag) of GMK-ID kept. uri is the group member's (the sender's)
 * MC service ID. LIM_E_ARG on an empty GMK, NULL pointers or uri longer than 65535 octets;
 * LIM_E_CRYPTO on an OpenSSL failure. */
enum lim_err mikey_guk_id(const uint8_t *gmk, size_t gmklen, uint32_t gmk_id, const char *uri,
			  size_t urilen, uint32_t *guk_id) LIM_WUR;

#endif
