/* ECCSI: Elliptic Curve-Based Certificateless Signatures for Identity-Based Encryption,
 * RFC 6507, on NIST P-256 (G = its base point, q = its order, p = its prime) with SHA-256
 * (N = 32). As used by MIKEY-SAKKE (RFC 6509) and 3GPP TS 33.180 (ECCSI ID = 32-octet UID).
 *
 * Encodings (RFC 6507 s3.3): scalars are N-octet big-endian integers; points are uncompressed
 * 0x04 || x || y (65 octets); Signature = r || s || PVT (129 octets).
 *
 * All functions are pure (bytes in, bytes out), thread-safe, and keep no state between calls.
 * All pointer arguments are borrowed for the duration of the call. Secret intermediates live in
 * OpenSSL secure BIGNUMs with BN_FLG_CONSTTIME and are wiped on every exit; output buffers of
 * secrets (ksak, ssk) are left zeroed when a function fails.
 *
 * Errors: LIM_E_ARG for a caller-supplied value outside its domain (KSAK, v, j not in [1, q-1],
 * malformed KPAK/PVT given to a KMS/signer function), LIM_E_CRYPTO when OpenSSL fails (including
 * allocation), LIM_E_AUTH only from the checking functions (eccsi_validate, eccsi_verify). */
#ifndef LIM_ECCSI_H
#define LIM_ECCSI_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define ECCSI_KSAK_LEN 32
#define ECCSI_KPAK_LEN 65 /* 0x04||x||y */
#define ECCSI_SSK_LEN  32
#define ECCSI_PVT_LEN  65
#define ECCSI_SIG_LEN  129 /* r(32)||s(32)||PVT(65) */

/* KMS: fresh KSAK uniform in [1, q-1] and KPAK = [KSAK]G (RFC 6507 s4.2). */
enum lim_err eccsi_kms_generate(uint8_t ksak[ECCSI_KSAK_LEN], uint8_t kpak[ECCSI_KPAK_LEN]) LIM_WUR;

/* KPAK = [KSAK]G (RFC 6507 s4.2). LIM_E_ARG unless 0 < KSAK < q. */
enum lim_err eccsi_kpak_from_ksak(const uint8_t ksak[ECCSI_KSAK_LEN],
				  uint8_t kpak[ECCSI_KPAK_LEN]) LIM_WUR;

/* KMS: issue (SSK, PVT) for identity id (RFC 6507 s5.1.1): PVT = [v]G,
 * HS = hash(G || KPAK || ID || PVT), SSK = (KSAK + HS * v) mod q.
 * v: the KMS's ephemeral (32 octets) for known answers, or NULL for a fresh random one.
 * With v given, LIM_E_ARG unless 0 < v < q, and LIM_E_ARG if it yields SSK = 0 or HS = 0 mod q
 * (the RFC's "restart with a fresh v"); with v NULL such a v is silently redrawn. */
enum lim_err eccsi_issue(const uint8_t ksak[ECCSI_KSAK_LEN], const uint8_t *id, size_t idlen,
			 const uint8_t *v, uint8_t ssk[ECCSI_SSK_LEN],
			 uint8_t pvt[ECCSI_PVT_LEN]) LIM_WUR;

/* User: check a received (SSK, PVT) (RFC 6507 s5.1.2): PVT on the curve, 0 < SSK < q, and
 * [SSK]G == KPAK + [HS]PVT. Returns LIM_OK or LIM_E_AUTH only. */
enum lim_err eccsi_validate(const uint8_t kpak[ECCSI_KPAK_LEN], const uint8_t *id, size_t idlen,
			    const uint8_t ssk[ECCSI_SSK_LEN],
			    const uint8_t pvt[ECCSI_PVT_LEN]) LIM_WUR;

/* Sign msg (RFC 6507 s5.2.1): J = [j]G, r = Jx, HE = hash(HS || r || M),
 * s' = ((HE + r * SSK)^-1 * j) mod q, s = s' (always fits N octets on P-256).
 * j: signer ephemeral for known answers, or NULL for random. A random j is redrawn when
 * HE + r*SSK = 0 mod q (RFC step 5) or when r is not in [1, q-1] (so that every signature made
 * here passes eccsi_verify's range checks); with j given those cases are LIM_E_ARG, as is
 * j not in [1, q-1]. The caller's (SSK, PVT) are not re-validated here (use eccsi_validate
 * once on provisioning); kpak/pvt must be valid curve points and 0 < SSK < q (else LIM_E_ARG). */
enum lim_err eccsi_sign(const uint8_t kpak[ECCSI_KPAK_LEN], const uint8_t *id, size_t idlen,
			const uint8_t ssk[ECCSI_SSK_LEN], const uint8_t pvt[ECCSI_PVT_LEN],
			const uint8_t *msg, size_t msglen, const uint8_t *j,
			uint8_t sig[ECCSI_SIG_LEN]) LIM_WUR;

/* Verify sig over msg for identity id (RFC 6507 s5.2.2): siglen == ECCSI_SIG_LEN,
 * 0 < r < p (r is an x-coordinate: RFC 6507 s5.2.1 r = Jx) and 0 < s < q, KPAK and PVT valid
 * uncompressed points on the curve, HS = hash(G || KPAK || ID || PVT), HE = hash(HS || r || M),
 * Y = [HS]PVT + KPAK, J = [s]([HE]G + [r]Y) not at infinity, and Jx == r (both below p:
 * compared as integers).
 * Returns LIM_OK or LIM_E_AUTH only: every malformed input and every internal failure is
 * LIM_E_AUTH (no reason oracle, fail closed). */
enum lim_err eccsi_verify(const uint8_t kpak[ECCSI_KPAK_LEN], const uint8_t *id, size_t idlen,
			  const uint8_t *msg, size_t msglen, const uint8_t *sig,
			  size_t siglen) LIM_WUR;

#endif
