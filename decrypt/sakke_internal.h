/* Private to decrypt/sakke*.c: constant-time arithmetic modulo the 1024-bit SAKKE prime p of
 * RFC 6509 Appendix A (parameter set 1), F_p2 = F_p[i]/(i^2+1), and points of
 * E: y^2 = x^3 - 3x. Not a public API; the tests use it to cross-check against BIGNUM.
 *
 * Field elements are 16 little-endian 64-bit limbs in Montgomery form (a*2^1024 mod p), fully
 * reduced (< p). Every function is constant time in its operands and allows its output to
 * alias any input. On x86-64 multiplication and squaring use AVX-512 IFMA intrinsics when the
 * CPU and OS support them, else BMI2/ADX (mulx/adcx/adox) inline assembly when the CPU has it,
 * else a mulq Comba (chosen at run time with CPUID/XGETBV); elsewhere portable unsigned __int128
 * C. The per-operation stack and register temporaries of these kernels are not wiped (they are
 * overwritten by the next operation); callers wipe their own values. */
#ifndef LIM_SAKKE_INTERNAL_H
#define LIM_SAKKE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define FP_N 16

/* p and 2^1024 mod p (Montgomery 1), little-endian limbs. */
extern const uint64_t sakke_fp_p[FP_N];
extern const uint64_t sakke_fp_one[FP_N];

/* r = a*b*2^-1024 mod p (Montgomery product). */
void sakke_fp_mul(uint64_t r[FP_N], const uint64_t a[FP_N], const uint64_t b[FP_N]);
/* r = a^2*2^-1024 mod p. */
void sakke_fp_sqr(uint64_t r[FP_N], const uint64_t a[FP_N]);
/* r = a + b mod p, r = a - b mod p, r = -a mod p. */
void sakke_fp_add(uint64_t r[FP_N], const uint64_t a[FP_N], const uint64_t b[FP_N]);
void sakke_fp_sub(uint64_t r[FP_N], const uint64_t a[FP_N], const uint64_t b[FP_N]);
void sakke_fp_neg(uint64_t r[FP_N], const uint64_t a[FP_N]);
/* r = a^-1 (Montgomery form in and out) by Fermat, a^(p-2); 0 maps to 0. */
void sakke_fp_inv(uint64_t r[FP_N], const uint64_t a[FP_N]);
/* r = a if mask is all ones, r unchanged if mask is 0 (mask must be 0 or ~0). */
void sakke_fp_cmov(uint64_t r[FP_N], const uint64_t a[FP_N], uint64_t mask);
/* ~0 if a == 0 (resp. a == b), else 0. */
uint64_t sakke_fp_is_zero(const uint64_t a[FP_N]);
uint64_t sakke_fp_eq(const uint64_t a[FP_N], const uint64_t b[FP_N]);
/* Decodes 128 big-endian octets into Montgomery form; false (r = 0) if the value is >= p. */
bool sakke_fp_from_bytes(uint64_t r[FP_N], const uint8_t in[128]);
/* Encodes a Montgomery-form element as 128 big-endian octets of its normal value. */
void sakke_fp_to_bytes(uint8_t out[128], const uint64_t a[FP_N]);

/* Comb table of the base point P (decrypt/sakke_ptab.c): entry m = sum over set bits j of m of
 * [2^(128j)]P as affine (x, y) in Montgomery form; entry 0 unused. */
extern const uint64_t sakke_comb_p[256][2][FP_N];

/* Test hooks exposing intermediate values of RFC 6508 (tests/unit/decrypt_sakke.c). Points are
 * 0x04||x||y, values big-endian. */
/* out = <R, Q> (F_p representation), s3.2. LIM_E_PARSE for a bad point. */
enum lim_err sakke_t_pairing(const uint8_t r[257], const uint8_t q[257], uint8_t out[128]);
/* r = HashToIntegerRange(ssv || id, q, SHA-256), s5.1. */
enum lim_err sakke_t_h2ir_q(const uint8_t ssv[16], const uint8_t *id, size_t idlen, uint8_t r[128]);
/* Multiplication and squaring by a given implementation, so that tests can cross-check every one
 * the CPU runs: 0 = mulq Comba (x86-64) or portable C, 1 = BMI2/ADX, 2 = AVX-512 IFMA. Returns
 * false (r untouched) if impl is not available here; sakke_fp_mul uses the highest available. */
bool sakke_t_fp_mul_impl(int impl, uint64_t r[FP_N], const uint64_t a[FP_N],
			 const uint64_t b[FP_N]);
bool sakke_t_fp_sqr_impl(int impl, uint64_t r[FP_N], const uint64_t a[FP_N]);
/* out = g^r in PF_p (F_p representation). */
void sakke_t_gt_pow(const uint8_t r[128], uint8_t out[128]);
/* out = [k]pt by the generic constant-time variable-base scalar multiplication (the one used for
 * [r]([b]P+Z)), k big-endian with 0 < k < q. LIM_E_PARSE for a bad point, LIM_E_ARG if the result
 * is infinity. Used to recheck every entry of sakke_comb_p. */
enum lim_err sakke_t_ec_mul(const uint8_t k[128], const uint8_t pt[257], uint8_t out[257]);

#endif
