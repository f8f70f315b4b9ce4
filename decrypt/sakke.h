/* SAKKE: Sakai-Kasahara Key Encryption, RFC 6508, with parameter set 1 of RFC 6509 Appendix A
 * (1024-bit p, E: y^2 = x^3 - 3x, q = (p+1)/4, n = 128, SHA-256).
 *
 * Encodings: scalars and field elements are big-endian octet strings; points are
 * 0x04 || x || y (SAKKE_POINT_LEN octets, RFC 6508 s2.2). The identifier b is the octet string
 * id, interpreted as a big-endian integer (RFC 6509 "YYYY-MM\0uri\0", or a 32-octet 3GPP UID);
 * it is reduced mod q where used as a scalar and used verbatim in SSV || b (RFC 6508 s6.2.1).
 * Identifiers longer than SAKKE_ID_MAX octets are LIM_E_LIMIT.
 *
 * Points read from the caller (Z, RSK, R in the SED) are rejected unless both coordinates are
 * < p, the point is on E and y != 0 (no point of order 2; infinity has no 0x04 encoding).
 *
 * Secrets (z, the RSK, SSV, r, w, mask and every intermediate) are wiped on every exit. Field
 * and scalar-multiplication arithmetic is constant time in secret data. Random numbers come from
 * RAND_priv_bytes. All functions are reentrant; a sakke_rsk_ctx may be shared by threads for
 * sakke_rsk_ctx_decapsulate (it is not modified). */
#ifndef LIM_SAKKE_H
#define LIM_SAKKE_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define SAKKE_P_LEN     128  /* octets of p */
#define SAKKE_POINT_LEN 257  /* 0x04 || x || y */
#define SAKKE_SSV_LEN   16   /* n = 128 */
#define SAKKE_SED_LEN   273  /* 0x04||Rx||Ry||H */
#define SAKKE_ID_MAX    1024 /* cap on identifier octets */

/* KMS key pair (RFC 6508 s2.2): random z in [1,q-1] written to z (SAKKE_P_LEN octets,
 * big-endian, a secret the caller must wipe), Z = [z]P. LIM_E_CRYPTO if the RNG fails. */
enum lim_err sakke_kms_generate(uint8_t z[SAKKE_P_LEN], uint8_t Z[SAKKE_POINT_LEN]) LIM_WUR;

/* Z = [z]P for a KMS secret z (zlen <= SAKKE_P_LEN octets, big-endian, 1 <= z < q; otherwise
 * LIM_E_ARG). z is borrowed. */
enum lim_err sakke_kms_public(const uint8_t *z, size_t zlen, uint8_t Z[SAKKE_POINT_LEN]) LIM_WUR;

/* RSK issue (RFC 6508 s6.1.1): rsk = [(b+z)^-1]P. LIM_E_ARG for a bad z or b+z = 0 mod q. */
enum lim_err sakke_rsk_issue(const uint8_t *z, size_t zlen, const uint8_t *id, size_t idlen,
			     uint8_t rsk[SAKKE_POINT_LEN]) LIM_WUR;

/* RSK validation (RFC 6508 s6.1.2): LIM_OK iff <[b]P+Z, K> == g, else LIM_E_AUTH (also for a
 * malformed rsk). A malformed Z is LIM_E_PARSE. */
enum lim_err sakke_rsk_validate(const uint8_t Z[SAKKE_POINT_LEN], const uint8_t *id, size_t idlen,
				const uint8_t rsk[SAKKE_POINT_LEN]) LIM_WUR;

/* Sender (RFC 6508 s6.2.1): r = HashToIntegerRange(SSV||b, q), R = [r]([b]P+Z),
 * H = SSV XOR HashToIntegerRange(g^r, 2^n); sed = 0x04 || Rx || Ry || H. */
enum lim_err sakke_encapsulate(const uint8_t Z[SAKKE_POINT_LEN], const uint8_t *id, size_t idlen,
			       const uint8_t ssv[SAKKE_SSV_LEN],
			       uint8_t sed[SAKKE_SED_LEN]) LIM_WUR;

/* Receiver (RFC 6508 s6.2.2), including the re-check [r]([b]P+Z) == R. The RSK is not
 * validated here (do that once on receipt, or use sakke_rsk_ctx_new); a wrong RSK fails the
 * re-check. Errors: LIM_E_PARSE if sedlen != SAKKE_SED_LEN or sed[0] != 0x04; LIM_E_AUTH for
 * anything else wrong with the SED (R off the curve, a coordinate >= p, failed re-check) or a
 * malformed rsk; ssv is zeroed on failure. */
enum lim_err sakke_decapsulate(const uint8_t Z[SAKKE_POINT_LEN], const uint8_t *id, size_t idlen,
			       const uint8_t rsk[SAKKE_POINT_LEN], const uint8_t *sed,
			       size_t sedlen, uint8_t ssv[SAKKE_SSV_LEN]) LIM_WUR;

/* Receiver context with per-RSK precomputation: the validated RSK's Miller-loop lines (1373
 * affine lines over the NAF of q-1) and two 256-entry fixed-base comb tables of Q = [b]P+Z for
 * the re-check, about 475 KiB allocated with OPENSSL_secure_zalloc (once CRYPTO_secure_malloc_init
 * is active the arena must hold it plus ~0.5 MiB of temporaries during sakke_rsk_ctx_new, else
 * LIM_E_NOMEM) and wiped by sakke_rsk_ctx_free. Building one
 * costs a few pairings' worth of time; each decapsulation with it is about 3-4x cheaper than
 * sakke_decapsulate. Opaque; read-only after creation, so threads may share it. */
struct sakke_rsk_ctx;

/* Builds *out (Z, id, rsk are copied as needed, not retained). LIM_E_AUTH if the RSK does not
 * validate or is malformed, LIM_E_PARSE for a malformed Z, LIM_E_NOMEM. */
enum lim_err sakke_rsk_ctx_new(const uint8_t Z[SAKKE_POINT_LEN], const uint8_t *id, size_t idlen,
			       const uint8_t rsk[SAKKE_POINT_LEN],
			       struct sakke_rsk_ctx **out) LIM_WUR;

/* As sakke_decapsulate, with the context's receiver key. */
enum lim_err sakke_rsk_ctx_decapsulate(const struct sakke_rsk_ctx *ctx, const uint8_t *sed,
				       size_t sedlen, uint8_t ssv[SAKKE_SSV_LEN]) LIM_WUR;

/* Wipes and frees ctx; NULL is a no-op. */
void sakke_rsk_ctx_free(struct sakke_rsk_ctx *ctx);

#endif
