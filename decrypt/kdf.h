/* MIKEY key derivation (RFC 3830 s4.1.2-4.1.4) with the PRF selected by the MIKEY HDR PRF
 * field: 0 = MIKEY-1 PRF (P-SHA1 over HMAC-SHA-1, RFC 3830 s4.1.2), 1 = PRF-HMAC-SHA-256
 * (RFC 6043 s6.1). Pure functions; all pointers borrowed; intermediates wiped on every exit.
 * On failure the output buffer is zeroed. */
#ifndef LIM_KDF_H
#define LIM_KDF_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/* The MIKEY HDR PRF field (RFC 3830 s6.1, RFC 6043 s6.1). */
enum mikey_prf { MIKEY_PRF_MIKEY1 = 0, MIKEY_PRF_HMAC_SHA256 = 1 };

/* RFC 3830 s4.1.3 constants: keys derived from a TGK (the SRTP master key, TEK, and salt
 * limf uses). MIKEY's own keys (s4.1.4, from an envelope or pre-shared key) have constants of
 * their own, not these, and limf never derives them. */
#define KDF_CONST_TEK  0x2AD01C64u
#define KDF_CONST_AUTH 0x1B5C7973u
#define KDF_CONST_ENCR 0x15798CEFu
#define KDF_CONST_SALT 0x39A2C14Bu

/* Longest label kdf_prf accepts (a MIKEY label is 9 octets + RAND, RAND at most 255). */
#define KDF_LABEL_MAX 512
/* Longest output kdf_prf produces in one call. */
#define KDF_OUT_MAX 1024

/* outkey = PRF(inkey = key, label), outlen octets (RFC 3830 s4.1.2): the key is split into
 * 256-bit blocks s_1..s_n (the last possibly shorter), outkey = P(s_1, label, m) XOR ... XOR
 * P(s_n, label, m) truncated, with P(s, label, m) = HMAC(s, A_1 || label) || ... ||
 * HMAC(s, A_m || label), A_0 = label, A_i = HMAC(s, A_(i-1)). HMAC-SHA-1 for
 * MIKEY_PRF_MIKEY1, HMAC-SHA-256 for MIKEY_PRF_HMAC_SHA256 (RFC 6043 s6.1).
 * LIM_E_ARG: unknown prf, keylen 0, outlen 0 or NULL pointers; LIM_E_LIMIT: labellen >
 * KDF_LABEL_MAX or outlen > KDF_OUT_MAX; LIM_E_CRYPTO: OpenSSL failure. */
enum lim_err kdf_prf(enum mikey_prf prf, const uint8_t *key, size_t keylen, const uint8_t *label,
		     size_t labellen, uint8_t *out, size_t outlen) LIM_WUR;

/* out = PRF(tgk, label) with label = constant(4) || cs_id(1) || csb_id(4) || rand
 * (RFC 3830 s4.1.3 / s4.1.4; all integers big-endian). constant is one of KDF_CONST_*
 * (TEK for the SRTP master key from a TGK, SALT for the master salt). Errors as kdf_prf;
 * LIM_E_LIMIT if randlen > KDF_LABEL_MAX - 9. */
enum lim_err kdf_derive(enum mikey_prf prf, const uint8_t *tgk, size_t tgklen, uint32_t constant,
			uint8_t cs_id, uint32_t csb_id, const uint8_t *rand, size_t randlen,
			uint8_t *out, size_t outlen) LIM_WUR;

#endif
