/* SRTP receive sessions for decrypting intercepted MC media (RFC 3711, RFC 7714 AEAD-GCM),
 * libsrtp2 kept behind one wrapper file (decrypt/srtp_wrap.c, STYLE.md rule 3).
 *
 * A struct lim_srtp is an opaque receive session for one master key (+ optional MKI), matching
 * any SSRC (libsrtp ssrc_any_inbound), with a 1024-packet replay window. It is not
 * thread-safe: one thread per session at a time. Packet failures are per packet (not sticky):
 * a forged or corrupted packet on the wire must not stop the stream's decryption. */
#ifndef LIM_SRTP_H
#define LIM_SRTP_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

struct lim_srtp;

enum lim_srtp_profile {
	LIM_SRTP_AES128_CM_SHA1_80, /* RFC 3711: 16-octet key, 14-octet salt, 10-octet tag */
	LIM_SRTP_AES128_CM_SHA1_32, /* RFC 3711: 16-octet key, 14-octet salt, 4-octet tag */
	LIM_SRTP_AEAD_AES_128_GCM   /* RFC 7714: 16-octet key, 12-octet salt, 16-octet tag */
};

#define LIM_SRTP_MKI_MAX 128 /* libsrtp2 SRTP_MAX_MKI_LEN */

/* Lengths a profile requires: master key, master salt, authentication tag. LIM_E_ARG for an
 * unknown profile (outputs then zero). */
enum lim_err lim_srtp_profile_params(enum lim_srtp_profile profile, size_t *keylen, size_t *saltlen,
				     size_t *taglen) LIM_WUR;

/* Creates a receive session. key/salt: the SRTP master key and salt (copied; exactly the
 * profile's lengths, else LIM_E_ARG); mki: the MKI carried in every packet (copied; NULL with
 * mkilen 0 for none; at most LIM_SRTP_MKI_MAX octets, else LIM_E_ARG). For MIKEY-SAKKE MC
 * media the MKI is the 4-octet key ID (PCK-ID/CSK-ID) or GMK-ID||GUK-ID (TS 33.180 E.4).
 * *out is owned by the caller (lim_srtp_free). LIM_E_NOMEM / LIM_E_CRYPTO on library failure
 * (including a libsrtp2 built without GCM: LIM_E_UNSUPP). Calls srtp_init() once per process. */
enum lim_err lim_srtp_new(enum lim_srtp_profile profile, const uint8_t *key, size_t keylen,
			  const uint8_t *salt, size_t saltlen, const uint8_t *mki, size_t mkilen,
			  struct lim_srtp **out) LIM_WUR;

/* Verifies and decrypts one SRTP packet in place: on LIM_OK pkt[0..*len) is the RTP packet.
 * LIM_E_AUTH: bad tag or unknown MKI; LIM_E_STATE: replayed or too old (replay window);
 * LIM_E_PARSE: not a parsable SRTP packet; LIM_E_ARG: NULL or *len > INT_MAX;
 * LIM_E_CRYPTO: other libsrtp failure. On failure *len is unchanged; pkt content is then
 * unspecified (libsrtp may have decrypted part of it in place). */
enum lim_err lim_srtp_unprotect(struct lim_srtp *s, uint8_t *pkt, size_t *len) LIM_WUR;

/* Frees the session and wipes its keys; NULL is a no-op. */
void lim_srtp_free(struct lim_srtp *s);

#endif
