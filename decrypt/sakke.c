/* SAKKE (RFC 6508) with RFC 6509 parameter set 1 (see sakke.h). */
#include "decrypt/sakke.h"

#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "common/wipe.h"
#include "decrypt/sakke_internal.h"

#define SAKKE_NLINES    1373 /* 1021 doublings + 352 additions: NAF of q-1 */
#define NAF_MAX         1024
#define COMB_TEETH      8
#define CTX_COMB_TABLES 2 /* per-receiver comb: 16 teeth, spacing 64 */
#define COMB_SIZE       (1 << COMB_TEETH)

/* RFC 6509 Appendix A constants, big-endian. */
static const uint8_t q_be[SAKKE_P_LEN] = {
	0x26, 0x5E, 0xAE, 0xC7, 0xC2, 0x95, 0x8F, 0xF6, 0x99, 0x71, 0x84, 0x66, 0x36, 0xB4, 0x19,
	0x5E, 0x90, 0x5B, 0x03, 0x38, 0x67, 0x2D, 0x20, 0x98, 0x6F, 0xA6, 0xB8, 0xD6, 0x2C, 0xF8,
	0x06, 0x8B, 0xBD, 0x02, 0xAA, 0xC9, 0xF8, 0xBF, 0x03, 0xC6, 0xC8, 0xA1, 0xCC, 0x35, 0x4C,
	0x69, 0x67, 0x2C, 0x39, 0xE4, 0x6C, 0xE7, 0xFD, 0xF2, 0x22, 0x86, 0x4D, 0x5B, 0x49, 0xFD,
	0x29, 0x99, 0xA9, 0xB4, 0x38, 0x9B, 0x19, 0x21, 0xCC, 0x9A, 0xD3, 0x35, 0x14, 0x4A, 0xB1,
	0x73, 0x59, 0x5A, 0x07, 0x38, 0x6D, 0xAB, 0xFD, 0x2A, 0x0C, 0x61, 0x4A, 0xA0, 0xA9, 0xF3,
	0xCF, 0x14, 0x87, 0x0F, 0x02, 0x6A, 0xA7, 0xE5, 0x35, 0xAB, 0xD5, 0xA5, 0xC7, 0xC7, 0xFF,
	0x38, 0xFA, 0x08, 0xE2, 0x61, 0x5F, 0x6C, 0x20, 0x31, 0x77, 0xC4, 0x2B, 0x1E, 0xB3, 0xA1,
	0xD9, 0x9B, 0x60, 0x1E, 0xBF, 0xAA, 0x17, 0xFB,
};
/* g = <P,P> in its F_p representation */
static const uint8_t g_be[SAKKE_P_LEN] = {
	0x66, 0xFC, 0x2A, 0x43, 0x2B, 0x6E, 0xA3, 0x92, 0x14, 0x8F, 0x15, 0x86, 0x7D, 0x62, 0x30,
	0x68, 0xC6, 0xA8, 0x7B, 0xD1, 0xFB, 0x94, 0xC4, 0x1E, 0x27, 0xFA, 0xBE, 0x65, 0x8E, 0x01,
	0x5A, 0x87, 0x37, 0x1E, 0x94, 0x74, 0x4C, 0x96, 0xFE, 0xDA, 0x44, 0x9A, 0xE9, 0x56, 0x3F,
	0x8B, 0xC4, 0x46, 0xCB, 0xFD, 0xA8, 0x5D, 0x5D, 0x00, 0xEF, 0x57, 0x70, 0x72, 0xDA, 0x8F,
	0x54, 0x17, 0x21, 0xBE, 0xEE, 0x0F, 0xAE, 0xD1, 0x82, 0x8E, 0xAB, 0x90, 0xB9, 0x9D, 0xFB,
	0x01, 0x38, 0xC7, 0x84, 0x33, 0x55, 0xDF, 0x04, 0x60, 0xB4, 0xA9, 0xFD, 0x74, 0xB4, 0xF1,
	0xA3, 0x2B, 0xCA, 0xFA, 0x1F, 0xFA, 0xD6, 0x82, 0xC0, 0x33, 0xA7, 0x94, 0x2B, 0xCC, 0xE3,
	0x72, 0x0F, 0x20, 0xB9, 0xB7, 0xB0, 0x40, 0x3C, 0x8C, 0xAE, 0x87, 0xB7, 0xA0, 0x04, 0x2A,
	0xCD, 0xE0, 0xFA, 0xB3, 0x64, 0x61, 0xEA, 0x46,
};

struct fp2 {
	uint64_t a[FP_N], b[FP_N]; /* a + b*i */
};
struct ec_aff {
	uint64_t x[FP_N], y[FP_N];
};
struct ec_jac {
	uint64_t x[FP_N], y[FP_N], z[FP_N]; /* (X/Z^2, Y/Z^3) */
};
/* Miller-loop line through multiples of the fixed point T, evaluated at psi(R) = (-Rx, i*Ry)
 * and scaled by an F_p factor: (a*Rx + b) + i*c*Ry. Normalised lines have c = 1 (not stored). */
struct pline {
	uint64_t a[FP_N], b[FP_N], c[FP_N];
};
struct aline {
	uint64_t a[FP_N], b[FP_N];
};

struct sakke_rsk_ctx {
	struct aline lines[SAKKE_NLINES];                    /* secret: derived from the RSK */
	uint64_t comb[CTX_COMB_TABLES * COMB_SIZE][2][FP_N]; /* public: comb tables of Q */
	struct ec_aff q;                                     /* Q = [b]P + Z */
	size_t idlen;
	uint8_t id[SAKKE_ID_MAX];
};

/* Non-adjacent form of q - 1, least significant digit first (public: depends on q only);
 * returns the number of digits (1022). */
static int qm1_naf(int8_t d[NAF_MAX])
{
	uint64_t n[FP_N + 1];
	int len = 0;
	for (int j = 0; j < FP_N; j++) {
		uint64_t w = 0;
		for (int k = 0; k < 8; k++)
			w = (w << 8) | q_be[SAKKE_P_LEN - 8 * (j + 1) + k];
		n[j] = w;
	}
	n[FP_N] = 0;
	n[0] -= 1; /* q is odd */
	for (;;) {
		uint64_t any = 0;
		for (int j = 0; j <= FP_N; j++)
			any |= n[j];
		if (!any || len == NAF_MAX)
			break;
		int8_t z = 0;
		if (n[0] & 1) {
			z = (n[0] & 3) == 1 ? 1 : -1;
			if (z == 1) {
				n[0] -= 1;
			} else {
				for (int j = 0; j <= FP_N && ++n[j] == 0; j++)
					;
			}
		}
		d[len++] = z;
		for (int j = 0; j < FP_N; j++)
			n[j] = (n[j] >> 1) | (n[j + 1] << 63);
		n[FP_N] >>= 1;
	}
	return len;
}

/* ---- F_p2 ---- */

static void fp2_sqr(struct fp2 *r, const struct fp2 *x)
{
	uint64_t s[FP_N], d[FP_N], m[FP_N];
	sakke_fp_add(s, x->a, x->b);
	sakke_fp_sub(d, x->a, x->b);
	sakke_fp_mul(m, x->a, x->b);
	sakke_fp_mul(r->a, s, d);
	sakke_fp_add(r->b, m, m);
	LIM_WIPE(s);
	LIM_WIPE(d);
	LIM_WIPE(m);
}

static void fp2_mul(struct fp2 *r, const struct fp2 *x, const struct fp2 *y)
{
	uint64_t t0[FP_N], t1[FP_N], s0[FP_N], s1[FP_N];
	sakke_fp_mul(t0, x->a, y->a);
	sakke_fp_mul(t1, x->b, y->b);
	sakke_fp_add(s0, x->a, x->b);
	sakke_fp_add(s1, y->a, y->b);
	sakke_fp_mul(s0, s0, s1);
	sakke_fp_sub(r->a, t0, t1);
	sakke_fp_sub(s0, s0, t0);
	sakke_fp_sub(r->b, s0, t1);
	LIM_WIPE(t0);
	LIM_WIPE(t1);
	LIM_WIPE(s0);
	LIM_WIPE(s1);
}

/* v *= (l0 + i*l1) */
static void fp2_mul_line(struct fp2 *v, const uint64_t l0[FP_N], const uint64_t l1[FP_N])
{
	struct fp2 l;
	memcpy(l.a, l0, sizeof l.a);
	memcpy(l.b, l1, sizeof l.b);
	fp2_mul(v, v, &l);
	lim_wipe(&l, sizeof l);
}

/* r = a^-1 in Montgomery form (0 maps to 0), blinded as in OpenSSL's ec_GFp_simple_field_inv:
 * with u uniform in [1, 2^1023), r = u * (a*u)^-1, the inverse of a*u (uniform, independent of
 * a) by BN_mod_inverse: about 2.5x cheaper than Fermat's 1020 squarings. Nothing branches on a
 * (a = 0 is handled with masks). If the RNG or BIGNUM fails it falls back to the constant-time
 * sakke_fp_inv. */
static void fp_inv_blind(uint64_t r[FP_N], const uint64_t a[FP_N])
{
	uint8_t buf[SAKKE_P_LEN];
	uint64_t u[FP_N], au[FP_N], z;
	BIGNUM *p = BN_new(), *x = BN_secure_new();
	BN_CTX *bc = BN_CTX_secure_new();
	bool ok = false;
	if (!p || !x || !bc || RAND_priv_bytes(buf, sizeof buf) != 1)
		goto out;
	buf[0] &= 0x7f;
	(void)sakke_fp_from_bytes(u, buf);
	sakke_fp_cmov(u, sakke_fp_one, sakke_fp_is_zero(u));
	sakke_fp_mul(au, a, u);
	z = sakke_fp_is_zero(au);
	sakke_fp_cmov(au, sakke_fp_one, z);
	sakke_fp_to_bytes(buf, au);
	BN_set_flags(x, BN_FLG_CONSTTIME);
	if (!BN_bin2bn(buf, sizeof buf, x))
		goto out;
	for (int k = 0; k < SAKKE_P_LEN; k++)
		buf[k] = (uint8_t)(sakke_fp_p[FP_N - 1 - k / 8] >> (56 - 8 * (k % 8)));
	if (!BN_bin2bn(buf, sizeof buf, p) || !BN_mod_inverse(x, x, p, bc) ||
	    BN_bn2binpad(x, buf, sizeof buf) != (int)sizeof buf || !sakke_fp_from_bytes(au, buf))
		goto out;
	sakke_fp_mul(r, au, u);
	memset(au, 0, sizeof au);
	sakke_fp_cmov(r, au, z);
	ok = true;
out:
	if (!ok)
		sakke_fp_inv(r, a);
	LIM_WIPE(buf);
	LIM_WIPE(u);
	LIM_WIPE(au);
	BN_free(p);
	BN_clear_free(x);
	BN_CTX_free(bc);
}

/* F_p representation b/a of v^c, c = (p+1)/q = 4 (RFC 6508 s3.2 step 4; the class of v in
 * PF_p, so F_p factors of v cancel and vertical lines may be dropped). */
static void final_exp(uint64_t out[FP_N], const struct fp2 *v)
{
	struct fp2 w = *v;
	uint64_t inv[FP_N];
	fp2_sqr(&w, &w);
	fp2_sqr(&w, &w);
	fp_inv_blind(inv, w.a);
	sakke_fp_mul(out, w.b, inv);
	lim_wipe(&w, sizeof w);
	LIM_WIPE(inv);
}

/* ---- curve points ---- */

/* y^2 == x^3 - 3x */
static uint64_t on_curve(const struct ec_aff *p)
{
	uint64_t l[FP_N], r[FP_N], t[FP_N];
	sakke_fp_sqr(l, p->y);
	sakke_fp_sqr(r, p->x);
	sakke_fp_mul(r, r, p->x);
	sakke_fp_add(t, p->x, p->x);
	sakke_fp_add(t, t, p->x);
	sakke_fp_sub(r, r, t);
	uint64_t ok = sakke_fp_eq(l, r);
	LIM_WIPE(l);
	LIM_WIPE(r);
	LIM_WIPE(t);
	return ok;
}

/* Parses 0x04||x||y; false unless coordinates < p, on E and y != 0. Runs in constant time for a
 * well-formed encoding (the RSK is secret). */
static bool point_decode(struct ec_aff *p, const uint8_t in[SAKKE_POINT_LEN])
{
	bool okx = sakke_fp_from_bytes(p->x, in + 1);
	bool oky = sakke_fp_from_bytes(p->y, in + 1 + SAKKE_P_LEN);
	uint64_t ok = on_curve(p) & ~sakke_fp_is_zero(p->y);
	return in[0] == 0x04 && okx && oky && ok;
}

static void point_encode(uint8_t out[SAKKE_POINT_LEN], const struct ec_aff *p)
{
	out[0] = 0x04;
	sakke_fp_to_bytes(out + 1, p->x);
	sakke_fp_to_bytes(out + 1 + SAKKE_P_LEN, p->y);
}

/* r = [2]p, a = -3 (dbl-2001-b). Infinity (Z = 0) stays infinity. */
static void ec_dbl(struct ec_jac *r, const struct ec_jac *p)
{
	uint64_t delta[FP_N], gamma[FP_N], beta[FP_N], alpha[FP_N], t[FP_N], u[FP_N];
	sakke_fp_sqr(delta, p->z);
	sakke_fp_sqr(gamma, p->y);
	sakke_fp_mul(beta, p->x, gamma);
	sakke_fp_sub(t, p->x, delta);
	sakke_fp_add(u, p->x, delta);
	sakke_fp_mul(alpha, t, u);
	sakke_fp_add(t, alpha, alpha);
	sakke_fp_add(alpha, alpha, t);
	/* Z3 = (Y+Z)^2 - gamma - delta */
	sakke_fp_add(t, p->y, p->z);
	sakke_fp_sqr(t, t);
	sakke_fp_sub(t, t, gamma);
	sakke_fp_sub(r->z, t, delta);
	/* X3 = alpha^2 - 8 beta */
	sakke_fp_add(beta, beta, beta);
	sakke_fp_add(beta, beta, beta); /* 4 beta */
	sakke_fp_add(u, beta, beta);
	sakke_fp_sqr(t, alpha);
	sakke_fp_sub(r->x, t, u);
	/* Y3 = alpha (4 beta - X3) - 8 gamma^2 */
	sakke_fp_sub(t, beta, r->x);
	sakke_fp_mul(t, alpha, t);
	sakke_fp_sqr(gamma, gamma);
	sakke_fp_add(gamma, gamma, gamma);
	sakke_fp_add(gamma, gamma, gamma);
	sakke_fp_add(gamma, gamma, gamma);
	sakke_fp_sub(r->y, t, gamma);
	LIM_WIPE(delta);
	LIM_WIPE(gamma);
	LIM_WIPE(beta);
	LIM_WIPE(alpha);
	LIM_WIPE(t);
	LIM_WIPE(u);
}

/* r = p + q with q affine (madd-2007-bl); p != ±q, p not infinity (callers mask those). */
static void ec_madd(struct ec_jac *r, const struct ec_jac *p, const struct ec_aff *q)
{
	uint64_t z1z1[FP_N], u2[FP_N], s2[FP_N], h[FP_N], hh[FP_N], i4[FP_N], j[FP_N], rr[FP_N],
		v[FP_N], t[FP_N];
	sakke_fp_sqr(z1z1, p->z);
	sakke_fp_mul(u2, q->x, z1z1);
	sakke_fp_mul(s2, q->y, p->z);
	sakke_fp_mul(s2, s2, z1z1);
	sakke_fp_sub(h, u2, p->x);
	sakke_fp_sqr(hh, h);
	sakke_fp_add(i4, hh, hh);
	sakke_fp_add(i4, i4, i4);
	sakke_fp_mul(j, h, i4);
	sakke_fp_sub(rr, s2, p->y);
	sakke_fp_add(rr, rr, rr);
	sakke_fp_mul(v, p->x, i4);
	/* Z3 = (Z1+H)^2 - Z1Z1 - HH (before X3/Y3: r may alias p) */
	sakke_fp_add(t, p->z, h);
	sakke_fp_sqr(t, t);
	sakke_fp_sub(t, t, z1z1);
	sakke_fp_sub(t, t, hh);
	/* Y3 part: 2*Y1*J */
	sakke_fp_mul(s2, p->y, j);
	sakke_fp_add(s2, s2, s2);
	memcpy(r->z, t, sizeof t);
	/* X3 = r^2 - J - 2V */
	sakke_fp_sqr(t, rr);
	sakke_fp_sub(t, t, j);
	sakke_fp_sub(t, t, v);
	sakke_fp_sub(r->x, t, v);
	/* Y3 = r (V - X3) - 2 Y1 J */
	sakke_fp_sub(t, v, r->x);
	sakke_fp_mul(t, rr, t);
	sakke_fp_sub(r->y, t, s2);
	LIM_WIPE(z1z1);
	LIM_WIPE(u2);
	LIM_WIPE(s2);
	LIM_WIPE(h);
	LIM_WIPE(hh);
	LIM_WIPE(i4);
	LIM_WIPE(j);
	LIM_WIPE(rr);
	LIM_WIPE(v);
	LIM_WIPE(t);
}

/* Converts n Jacobian points (none at infinity) to affine with one inversion (Montgomery's
 * trick); scratch holds n field elements. */
static void ec_batch_affine(struct ec_aff *out, const struct ec_jac *in, size_t n,
			    uint64_t (*scratch)[FP_N])
{
	uint64_t inv[FP_N], t[FP_N], zi2[FP_N];
	memcpy(scratch[0], in[0].z, sizeof scratch[0]);
	for (size_t k = 1; k < n; k++)
		sakke_fp_mul(scratch[k], scratch[k - 1], in[k].z);
	fp_inv_blind(inv, scratch[n - 1]);
	for (size_t k = n; k-- > 0;) {
		if (k > 0) {
			sakke_fp_mul(t, inv, scratch[k - 1]); /* 1/Z_k */
			sakke_fp_mul(inv, inv, in[k].z);
		} else {
			memcpy(t, inv, sizeof t);
		}
		sakke_fp_sqr(zi2, t);
		sakke_fp_mul(out[k].x, in[k].x, zi2);
		sakke_fp_mul(zi2, zi2, t);
		sakke_fp_mul(out[k].y, in[k].y, zi2);
	}
	LIM_WIPE(inv);
	LIM_WIPE(t);
	LIM_WIPE(zi2);
}

static uint64_t ct_eq_u(unsigned a, unsigned b)
{
	uint64_t d = (uint64_t)(a ^ b);
	return ((d | (0 - d)) >> 63) - 1;
}

/* Masked lookup: *r = tab[idx] reading every entry. */
static void aff_lookup(struct ec_aff *r, const struct ec_aff *tab, unsigned n, unsigned idx)
{
	memset(r, 0, sizeof *r);
	for (unsigned k = 0; k < n; k++) {
		uint64_t m = ct_eq_u(k, idx);
		const uint64_t *src = tab[k].x;
		uint64_t *dst = r->x;
		for (int w = 0; w < 2 * FP_N; w++)
			dst[w] |= src[w] & m;
	}
}

/* Masked lookup in a comb table: *r = comb[idx] reading every entry. On x86-64 (SSE2 is part of
 * the base ISA) the accumulators stay in eight xmm registers per coordinate, instead of a
 * load-or-store round trip per word through *r. */
#if defined(__SSE2__)
static void comb_lookup(struct ec_aff *r, const uint64_t (*comb)[2][FP_N], unsigned idx)
{
	for (int half = 0; half < 2; half++) {
		__m128i acc[FP_N / 2];
#pragma GCC unroll 8
		for (int w = 0; w < FP_N / 2; w++)
			acc[w] = _mm_setzero_si128();
		for (unsigned k = 0; k < COMB_SIZE; k++) {
			__m128i m = _mm_set1_epi64x((long long)ct_eq_u(k, idx));
			const __m128i *src = (const __m128i *)(const void *)comb[k][half];
#pragma GCC unroll 8
			for (int w = 0; w < FP_N / 2; w++)
				acc[w] = _mm_or_si128(acc[w],
						      _mm_and_si128(_mm_loadu_si128(src + w), m));
		}
		uint64_t *dst = half ? r->y : r->x;
#pragma GCC unroll 8
		for (int w = 0; w < FP_N / 2; w++)
			_mm_storeu_si128((__m128i *)(void *)(dst + 2 * w), acc[w]);
	}
}
#else
static void comb_lookup(struct ec_aff *r, const uint64_t (*comb)[2][FP_N], unsigned idx)
{
	memset(r, 0, sizeof *r);
	for (unsigned k = 0; k < COMB_SIZE; k++) {
		uint64_t m = ct_eq_u(k, idx);
		for (int w = 0; w < FP_N; w++) {
			r->x[w] |= comb[k][0][w] & m;
			r->y[w] |= comb[k][1][w] & m;
		}
	}
}
#endif

/* acc = acc + e, where acc_inf/e_zero masks mark an infinite accumulator or an absent term. */
static void ec_acc_add(struct ec_jac *acc, uint64_t *acc_inf, const struct ec_aff *e,
		       uint64_t e_zero)
{
	struct ec_jac sum, fresh;
	ec_madd(&sum, acc, e);
	memcpy(fresh.x, e->x, sizeof fresh.x);
	memcpy(fresh.y, e->y, sizeof fresh.y);
	memcpy(fresh.z, sakke_fp_one, sizeof fresh.z);
	uint64_t take_sum = ~*acc_inf & ~e_zero, take_fresh = *acc_inf & ~e_zero;
	sakke_fp_cmov(acc->x, sum.x, take_sum);
	sakke_fp_cmov(acc->y, sum.y, take_sum);
	sakke_fp_cmov(acc->z, sum.z, take_sum);
	sakke_fp_cmov(acc->x, fresh.x, take_fresh);
	sakke_fp_cmov(acc->y, fresh.y, take_fresh);
	sakke_fp_cmov(acc->z, fresh.z, take_fresh);
	*acc_inf &= e_zero;
	lim_wipe(&sum, sizeof sum);
	lim_wipe(&fresh, sizeof fresh);
}

static unsigned scalar_bit(const uint8_t k[SAKKE_P_LEN], int i)
{
	return (unsigned)(k[SAKKE_P_LEN - 1 - i / 8] >> (i % 8)) & 1u;
}

/* Booth recoding of window i of k (bits 5i-1 .. 5i+4, bit -1 = 0), as OpenSSL's
 * ec_GFp_nistp_recode_scalar_bits: k = sum of (-1)^neg_i * mag_i * 2^(5i), mag_i in [0, 16].
 * Constant time (the bit positions depend on i only). */
static void booth5(const uint8_t k[SAKKE_P_LEN], int i, unsigned *mag, uint64_t *neg)
{
	unsigned w = 0;
	for (int t = 5; t >= 0; t--) {
		int bit = 5 * i - 1 + t;
		w = (w << 1) | (bit >= 0 && bit < 8 * SAKKE_P_LEN ? scalar_bit(k, bit) : 0u);
	}
	unsigned s = 0u - (w >> 5);
	unsigned d = ((63u - w) & s) | (w & ~s);
	*mag = (d >> 1) + (d & 1);
	*neg = 0 - (uint64_t)(s & 1u);
}

/* r = [k]p, k a 128-octet big-endian scalar with 0 < k < q, constant time: signed (Booth)
 * 5-bit windows over a masked table of [1..16]p in affine form, 205 windows, 1020 doublings
 * (a = -3) and 205 mixed additions. Returns ~0 if the result is infinity. Before window i the
 * accumulator is [32m]p, m = floor(k/2^(5i+5)) + bit 5i+4 of k, so 32m <= k/2^(5i) + 32; adding
 * the digit d (|d| <= 16) is exceptional (P + P or P + (-P)) only if 32m = +-d mod q. For i >= 1,
 * 32m < q - 16 leaves m = 0 (the masked infinity case). For i = 0, 32m = q + d would need
 * q + d = 0 mod 32, i.e. d = 5 (q = 27 mod 32), and then k = 32m + d = q + 10 > q: impossible.
 * (Checked near q by the sakke_kat test.) */
static uint64_t ec_mul(struct ec_jac *r, const struct ec_aff *p, const uint8_t k[SAKKE_P_LEN])
{
	struct ec_jac tj[16];
	struct ec_aff ta[17];
	uint64_t scratch[16][FP_N], ny[FP_N];
	struct ec_aff e;
	uint64_t inf = ~(uint64_t)0, neg;
	unsigned mag;
	memcpy(tj[0].x, p->x, sizeof tj[0].x);
	memcpy(tj[0].y, p->y, sizeof tj[0].y);
	memcpy(tj[0].z, sakke_fp_one, sizeof tj[0].z);
	ec_dbl(&tj[1], &tj[0]);
	for (int m = 2; m < 16; m++)
		ec_madd(&tj[m], &tj[m - 1], p);
	memset(&ta[0], 0, sizeof ta[0]);
	ec_batch_affine(&ta[1], tj, 16, scratch);
	memset(r, 0, sizeof *r);
	for (int i = (8 * SAKKE_P_LEN) / 5; i >= 0; i--) {
		if (i != (8 * SAKKE_P_LEN) / 5)
			for (int s = 0; s < 5; s++)
				ec_dbl(r, r);
		booth5(k, i, &mag, &neg);
		aff_lookup(&e, ta, 17, mag);
		sakke_fp_neg(ny, e.y);
		sakke_fp_cmov(e.y, ny, neg);
		ec_acc_add(r, &inf, &e, ct_eq_u(mag, 0));
	}
	lim_wipe(tj, sizeof tj);
	lim_wipe(ta, sizeof ta);
	LIM_WIPE(scratch);
	LIM_WIPE(ny);
	lim_wipe(&e, sizeof e);
	return inf;
}

/* Jacobian to affine (one inversion); false if p is infinity. */
static bool ec_to_affine(struct ec_aff *r, const struct ec_jac *p, uint64_t inf)
{
	uint64_t scratch[1][FP_N];
	ec_batch_affine(r, p, 1, scratch);
	LIM_WIPE(scratch);
	return inf == 0;
}

/* [r]Q by a comb of ntab tables of COMB_SIZE entries (constant time): 1024/(8*ntab) doublings
 * and 1024/8 masked additions. Table k, entry m = sum over set bits t of m of
 * [2^((8k+t)*spacing)]Q. Every partial sum is a multiple [k']Q with k' <= r < q whose
 * base-2^spacing digits rule out P + P and P + (-P), so only the masked infinity cases occur. */
static uint64_t comb_mul_impl(struct ec_jac *acc, const uint64_t (*comb)[2][FP_N], int ntab,
			      const uint8_t r[SAKKE_P_LEN], bool pub)
{
	struct ec_aff e;
	uint64_t inf = ~(uint64_t)0;
	int spacing = 1024 / (COMB_TEETH * ntab);
	memset(acc, 0, sizeof *acc);
	for (int i = spacing - 1; i >= 0; i--) {
		ec_dbl(acc, acc);
		for (int k = 0; k < ntab; k++) {
			unsigned idx = 0;
			for (int t = 0; t < COMB_TEETH; t++)
				idx |= scalar_bit(r, (COMB_TEETH * k + t) * spacing + i) << t;
			if (pub) {
				/* public scalar: direct index, absent terms skipped */
				if (idx == 0)
					continue;
				memcpy(e.x, comb[COMB_SIZE * k + (int)idx][0], sizeof e.x);
				memcpy(e.y, comb[COMB_SIZE * k + (int)idx][1], sizeof e.y);
			} else {
				comb_lookup(&e, comb + COMB_SIZE * k, idx);
			}
			ec_acc_add(acc, &inf, &e, ct_eq_u(idx, 0));
		}
	}
	lim_wipe(&e, sizeof e);
	return inf;
}

static uint64_t comb_mul(struct ec_jac *acc, const uint64_t (*comb)[2][FP_N], int ntab,
			 const uint8_t r[SAKKE_P_LEN])
{
	return comb_mul_impl(acc, comb, ntab, r, false);
}

/* comb_mul for a public scalar (variable time: table indexed directly). */
static uint64_t comb_mul_pub(struct ec_jac *acc, const uint64_t (*comb)[2][FP_N], int ntab,
			     const uint8_t r[SAKKE_P_LEN])
{
	return comb_mul_impl(acc, comb, ntab, r, true);
}

/* ---- pairing ---- */

/* Projective lines of the Miller loop of <., T> over the NAF of q-1 (RFC 6508 s3.2; a signed
 * digit chain gives the same reduced pairing) with T in the role of the running point. Vertical
 * lines are in F_p after psi and are dropped. Constant time in T (the loop shape depends only on
 * q). Writes SAKKE_NLINES lines. */
static void miller_lines(struct pline *ln, const struct ec_aff *t)
{
	struct ec_jac c;
	struct ec_aff tn;
	int8_t naf[NAF_MAX];
	uint64_t delta[FP_N], gamma[FP_N], alpha[FP_N], u[FP_N], v[FP_N];
	size_t n = 0;
	int len = qm1_naf(naf);
	memcpy(tn.x, t->x, sizeof tn.x);
	sakke_fp_neg(tn.y, t->y);
	memcpy(c.x, t->x, sizeof c.x);
	memcpy(c.y, t->y, sizeof c.y);
	memcpy(c.z, sakke_fp_one, sizeof c.z);
	for (int i = len - 2; i >= 0 && n < SAKKE_NLINES; i--) {
		struct pline *l = &ln[n++];
		/* tangent at C: (alpha*Z^2*Rx + alpha*X - 2Y^2) + i*(Z3*Z^2)*Ry,
		 * alpha = 3(X^2-Z^4) */
		sakke_fp_sqr(delta, c.z);
		sakke_fp_sqr(gamma, c.y);
		sakke_fp_sub(u, c.x, delta);
		sakke_fp_add(v, c.x, delta);
		sakke_fp_mul(alpha, u, v);
		sakke_fp_add(u, alpha, alpha);
		sakke_fp_add(alpha, alpha, u);
		sakke_fp_mul(l->a, alpha, delta);
		sakke_fp_mul(u, alpha, c.x);
		sakke_fp_add(v, gamma, gamma);
		sakke_fp_sub(l->b, u, v);
		ec_dbl(&c, &c);
		sakke_fp_mul(l->c, c.z, delta);
		if (naf[i] != 0 && n < SAKKE_NLINES) {
			/* chord through C and S = +-T: r*(Rx + Sx) - Sy*Z3 + i*Z3*Ry,
			 * r = 2(S2 - Y1) */
			const struct ec_aff *sp = naf[i] > 0 ? t : &tn;
			uint64_t z1z1[FP_N], s2[FP_N];
			l = &ln[n++];
			sakke_fp_sqr(z1z1, c.z);
			sakke_fp_mul(s2, sp->y, c.z);
			sakke_fp_mul(s2, s2, z1z1);
			sakke_fp_sub(u, s2, c.y);
			sakke_fp_add(l->a, u, u);
			ec_madd(&c, &c, sp);
			memcpy(l->c, c.z, sizeof l->c);
			sakke_fp_mul(u, l->a, sp->x);
			sakke_fp_mul(v, sp->y, c.z);
			sakke_fp_sub(l->b, u, v);
			LIM_WIPE(z1z1);
			LIM_WIPE(s2);
		}
	}
	lim_wipe(&c, sizeof c);
	lim_wipe(&tn, sizeof tn);
	LIM_WIPE(delta);
	LIM_WIPE(gamma);
	LIM_WIPE(alpha);
	LIM_WIPE(u);
	LIM_WIPE(v);
}

/* Miller loop of <R, T> computed on the fly (T running, R evaluation point), fusing the Jacobian
 * steps with their lines: per doubling 7M + 5S plus 5M for f, per addition 10M + 4S plus 3M.
 * Same value as miller_lines + miller_eval_proj, without storing lines. */
static void miller_onfly(struct fp2 *f, const struct ec_aff *t, const struct ec_aff *r)
{
	struct ec_jac c;
	struct ec_aff tn;
	int8_t naf[NAF_MAX];
	uint64_t delta[FP_N], gamma[FP_N], alpha[FP_N], beta[FP_N], u[FP_N], v[FP_N], l0[FP_N],
		l1[FP_N];
	int len = qm1_naf(naf);
	memcpy(tn.x, t->x, sizeof tn.x);
	sakke_fp_neg(tn.y, t->y);
	memcpy(c.x, t->x, sizeof c.x);
	memcpy(c.y, t->y, sizeof c.y);
	memcpy(c.z, sakke_fp_one, sizeof c.z);
	memcpy(f->a, sakke_fp_one, sizeof f->a);
	memset(f->b, 0, sizeof f->b);
	for (int i = len - 2; i >= 0; i--) {
		/* tangent at C scaled by 2YZ^3: (alpha*(Z^2*Rx + X) - 2Y^2) + i*(Z3*Z^2)*Ry */
		sakke_fp_sqr(delta, c.z);
		sakke_fp_sqr(gamma, c.y);
		sakke_fp_sub(u, c.x, delta);
		sakke_fp_add(v, c.x, delta);
		sakke_fp_mul(alpha, u, v);
		sakke_fp_add(u, alpha, alpha);
		sakke_fp_add(alpha, alpha, u);
		sakke_fp_mul(u, delta, r->x);
		sakke_fp_add(u, u, c.x);
		sakke_fp_mul(l0, alpha, u);
		sakke_fp_add(u, gamma, gamma);
		sakke_fp_sub(l0, l0, u);
		sakke_fp_mul(l1, delta, r->y);
		/* C = [2]C (dbl-2001-b, a = -3) reusing delta, gamma, alpha */
		sakke_fp_mul(beta, c.x, gamma);
		sakke_fp_add(u, c.y, c.z);
		sakke_fp_sqr(u, u);
		sakke_fp_sub(u, u, gamma);
		sakke_fp_sub(c.z, u, delta);
		sakke_fp_add(beta, beta, beta);
		sakke_fp_add(beta, beta, beta); /* 4 beta */
		sakke_fp_add(u, beta, beta);
		sakke_fp_sqr(v, alpha);
		sakke_fp_sub(c.x, v, u);
		sakke_fp_sub(u, beta, c.x);
		sakke_fp_mul(u, alpha, u);
		sakke_fp_sqr(gamma, gamma);
		sakke_fp_add(gamma, gamma, gamma);
		sakke_fp_add(gamma, gamma, gamma);
		sakke_fp_add(gamma, gamma, gamma);
		sakke_fp_sub(c.y, u, gamma);
		sakke_fp_mul(l1, l1, c.z);
		fp2_sqr(f, f);
		fp2_mul_line(f, l0, l1);
		if (naf[i] != 0) {
			/* chord through C and S = +-T (madd-2007-bl) scaled by Z3:
			 * (rr*(Rx + Sx) - Sy*Z3) + i*Z3*Ry, rr = 2(S2 - Y1) */
			const struct ec_aff *sp = naf[i] > 0 ? t : &tn;
			uint64_t h[FP_N], hh[FP_N], i4[FP_N], j[FP_N], rr[FP_N];
			sakke_fp_sqr(delta, c.z);      /* Z1Z1 */
			sakke_fp_mul(u, sp->x, delta); /* U2 */
			sakke_fp_mul(v, sp->y, c.z);
			sakke_fp_mul(v, v, delta); /* S2 */
			sakke_fp_sub(h, u, c.x);
			sakke_fp_sqr(hh, h);
			sakke_fp_add(i4, hh, hh);
			sakke_fp_add(i4, i4, i4);
			sakke_fp_mul(j, h, i4);
			sakke_fp_sub(rr, v, c.y);
			sakke_fp_add(rr, rr, rr);
			sakke_fp_mul(v, c.x, i4); /* V */
			sakke_fp_add(u, c.z, h);
			sakke_fp_sqr(u, u);
			sakke_fp_sub(u, u, delta);
			sakke_fp_sub(c.z, u, hh); /* Z3 */
			sakke_fp_mul(u, c.y, j);
			sakke_fp_add(gamma, u, u); /* 2 Y1 J */
			sakke_fp_sqr(u, rr);
			sakke_fp_sub(u, u, j);
			sakke_fp_sub(u, u, v);
			sakke_fp_sub(c.x, u, v);
			sakke_fp_sub(u, v, c.x);
			sakke_fp_mul(u, rr, u);
			sakke_fp_sub(c.y, u, gamma);
			sakke_fp_add(u, r->x, sp->x);
			sakke_fp_mul(l0, rr, u);
			sakke_fp_mul(u, sp->y, c.z);
			sakke_fp_sub(l0, l0, u);
			sakke_fp_mul(l1, c.z, r->y);
			fp2_mul_line(f, l0, l1);
			LIM_WIPE(h);
			LIM_WIPE(hh);
			LIM_WIPE(i4);
			LIM_WIPE(j);
			LIM_WIPE(rr);
		}
	}
	lim_wipe(&c, sizeof c);
	lim_wipe(&tn, sizeof tn);
	LIM_WIPE(delta);
	LIM_WIPE(gamma);
	LIM_WIPE(alpha);
	LIM_WIPE(beta);
	LIM_WIPE(u);
	LIM_WIPE(v);
	LIM_WIPE(l0);
	LIM_WIPE(l1);
}

/* Miller loop value at psi(R) from normalised lines (a*Rx + b) + i*Ry: per doubling 1 + 2 + 3
 * multiplications; a doubling and an addition line are first multiplied together,
 * (x1 + i*Ry)(x2 + i*Ry) = (x1*x2 - Ry^2) + i*Ry*(x1 + x2), saving one multiplication. */
static void miller_eval_aff(struct fp2 *f, const struct aline *ln, const struct ec_aff *r)
{
	uint64_t l0[FP_N], l1[FP_N], t0[FP_N], t1[FP_N], s[FP_N], ry2[FP_N];
	int8_t naf[NAF_MAX];
	size_t n = 0;
	int len = qm1_naf(naf);
	sakke_fp_sqr(ry2, r->y);
	memcpy(f->a, sakke_fp_one, sizeof f->a);
	memset(f->b, 0, sizeof f->b);
	for (int i = len - 2; i >= 0 && n < SAKKE_NLINES; i--) {
		fp2_sqr(f, f);
		sakke_fp_mul(l0, ln[n].a, r->x);
		sakke_fp_add(l0, l0, ln[n].b);
		n++;
		if (naf[i] != 0 && n < SAKKE_NLINES) {
			sakke_fp_mul(t0, ln[n].a, r->x);
			sakke_fp_add(t0, t0, ln[n].b);
			n++;
			sakke_fp_add(s, l0, t0);
			sakke_fp_mul(l1, s, r->y);
			sakke_fp_mul(l0, l0, t0);
			sakke_fp_sub(l0, l0, ry2);
		} else {
			memcpy(l1, r->y, sizeof l1);
		}
		/* f *= (l0 + i*l1), Karatsuba */
		sakke_fp_mul(t0, f->a, l0);
		sakke_fp_mul(t1, f->b, l1);
		sakke_fp_add(s, f->a, f->b);
		sakke_fp_add(l0, l0, l1);
		sakke_fp_mul(s, s, l0);
		sakke_fp_sub(f->a, t0, t1);
		sakke_fp_sub(s, s, t0);
		sakke_fp_sub(f->b, s, t1);
	}
	LIM_WIPE(l0);
	LIM_WIPE(l1);
	LIM_WIPE(t0);
	LIM_WIPE(t1);
	LIM_WIPE(s);
	LIM_WIPE(ry2);
}

/* ---- hashing and scalars ---- */

/* HashToIntegerRange(s, n, SHA-256), RFC 6508 s5.1, writing v' (l blocks of 32 octets). */
static enum lim_err h2ir_blocks(const uint8_t *s, size_t slen, const uint8_t *s2, size_t s2len,
				uint8_t *out, size_t l)
{
	enum lim_err err = LIM_E_CRYPTO;
	uint8_t a[32], h[32], buf[64];
	unsigned len;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	if (!md)
		return LIM_E_NOMEM;
	/* step 1: A = hashfn(s) */
	if (!EVP_DigestInit_ex(md, EVP_sha256(), NULL) || !EVP_DigestUpdate(md, s, slen) ||
	    (s2len && !EVP_DigestUpdate(md, s2, s2len)) || !EVP_DigestFinal_ex(md, a, &len))
		goto out;
	memset(h, 0, sizeof h); /* step 2: h_0 = 00..00 */
	for (size_t i = 0; i < l; i++) {
		/* step 4: h_i = hashfn(h_{i-1}); v_i = hashfn(h_i || A) */
		if (!EVP_Digest(h, sizeof h, h, &len, EVP_sha256(), NULL))
			goto out;
		memcpy(buf, h, 32);
		memcpy(buf + 32, a, 32);
		if (!EVP_Digest(buf, sizeof buf, out + 32 * i, &len, EVP_sha256(), NULL))
			goto out;
	}
	err = LIM_OK;
out:
	EVP_MD_CTX_free(md);
	LIM_WIPE(a);
	LIM_WIPE(h);
	LIM_WIPE(buf);
	return err;
}

/* mask = HashToIntegerRange(w, 2^128): l = 1, v_1 mod 2^128 = its last 16 octets. */
static enum lim_err h2ir_mask(const uint8_t w[SAKKE_P_LEN], uint8_t mask[SAKKE_SSV_LEN])
{
	uint8_t v[32];
	enum lim_err err = h2ir_blocks(w, SAKKE_P_LEN, NULL, 0, v, 1);
	if (err == LIM_OK)
		memcpy(mask, v + 32 - SAKKE_SSV_LEN, SAKKE_SSV_LEN);
	LIM_WIPE(v);
	return err;
}

static BIGNUM *bn_q(void)
{
	return BN_bin2bn(q_be, sizeof q_be, NULL);
}

/* r = HashToIntegerRange(ssv || b, q): l = ceil(1022/256) = 4 blocks, reduced mod q. */
static enum lim_err h2ir_q(const uint8_t ssv[SAKKE_SSV_LEN], const uint8_t *id, size_t idlen,
			   uint8_t r[SAKKE_P_LEN])
{
	enum lim_err err;
	uint8_t v[128];
	BIGNUM *q = bn_q(), *x = BN_secure_new();
	BN_CTX *bc = BN_CTX_secure_new();
	if (!q || !x || !bc) {
		err = LIM_E_NOMEM;
		goto out;
	}
	err = h2ir_blocks(ssv, SAKKE_SSV_LEN, id, idlen, v, 4);
	if (err != LIM_OK)
		goto out;
	BN_set_flags(x, BN_FLG_CONSTTIME);
	err = LIM_E_CRYPTO;
	if (!BN_bin2bn(v, sizeof v, x) || !BN_nnmod(x, x, q, bc) ||
	    BN_bn2binpad(x, r, SAKKE_P_LEN) != SAKKE_P_LEN)
		goto out;
	err = LIM_OK;
out:
	LIM_WIPE(v);
	BN_free(q);
	BN_clear_free(x);
	BN_CTX_free(bc);
	return err;
}

/* ---- shared steps ---- */

static bool id_ok(const uint8_t *id, size_t idlen)
{
	return (id || idlen == 0) && idlen <= SAKKE_ID_MAX;
}

/* Q = [b]P + Z (public values; variable time). LIM_E_AUTH-free: LIM_E_ARG if Q is infinity. */
static enum lim_err receiver_point(struct ec_aff *q, const struct ec_aff *z, const uint8_t *id,
				   size_t idlen)
{
	enum lim_err err = LIM_E_NOMEM;
	uint8_t bs[SAKKE_P_LEN];
	struct ec_aff bp;
	struct ec_jac j, sum;
	uint64_t lam[FP_N], t[FP_N], u[FP_N], inf;
	BIGNUM *bq = bn_q(), *b = BN_new();
	BN_CTX *bc = BN_CTX_new();
	if (!bq || !b || !bc)
		goto out;
	err = LIM_E_CRYPTO;
	if (!BN_bin2bn(id, (int)idlen, b) || !BN_nnmod(b, b, bq, bc) ||
	    BN_bn2binpad(b, bs, sizeof bs) != (int)sizeof bs)
		goto out;
	inf = comb_mul_pub(&j, sakke_comb_p, 1, bs); /* b is public */
	if (inf) {
		*q = *z; /* b = 0 mod q */
		err = LIM_OK;
		goto out;
	}
	/* usual case: one mixed addition and one inversion */
	ec_madd(&sum, &j, z);
	if (!sakke_fp_is_zero(sum.z)) {
		(void)ec_to_affine(q, &sum, 0);
		err = LIM_OK;
		goto out;
	}
	/* [b]P = +-Z: affine doubling or infinity */
	(void)ec_to_affine(&bp, &j, 0);
	if (sakke_fp_eq(bp.x, z->x)) {
		if (!sakke_fp_eq(bp.y, z->y)) {
			err = LIM_E_ARG; /* [b]P = -Z */
			goto out;
		}
		/* lambda = (3x^2 - 3) / 2y */
		sakke_fp_sqr(t, bp.x);
		sakke_fp_sub(t, t, sakke_fp_one);
		sakke_fp_add(u, t, t);
		sakke_fp_add(t, t, u);
		sakke_fp_add(u, bp.y, bp.y);
	} else {
		sakke_fp_sub(t, z->y, bp.y);
		sakke_fp_sub(u, z->x, bp.x);
	}
	fp_inv_blind(u, u);
	sakke_fp_mul(lam, t, u);
	sakke_fp_sqr(t, lam);
	sakke_fp_sub(t, t, bp.x);
	sakke_fp_sub(q->x, t, z->x);
	sakke_fp_sub(t, bp.x, q->x);
	sakke_fp_mul(t, lam, t);
	sakke_fp_sub(q->y, t, bp.y);
	err = LIM_OK;
out:
	BN_free(bq);
	BN_free(b);
	BN_CTX_free(bc);
	return err;
}

/* Secret scalar from z (1 <= z < q) or LIM_E_ARG; BN in BN_FLG_CONSTTIME. */
static enum lim_err z_scalar(const uint8_t *z, size_t zlen, BIGNUM *out, const BIGNUM *q)
{
	if (!z || zlen == 0 || zlen > SAKKE_P_LEN)
		return LIM_E_ARG;
	if (!BN_bin2bn(z, (int)zlen, out))
		return LIM_E_NOMEM;
	if (BN_is_zero(out) || BN_cmp(out, q) >= 0)
		return LIM_E_ARG;
	return LIM_OK;
}

/* see sakke.h */
enum lim_err sakke_kms_public(const uint8_t *z, size_t zlen, uint8_t Z[SAKKE_POINT_LEN])
{
	enum lim_err err = LIM_E_NOMEM;
	uint8_t zs[SAKKE_P_LEN];
	struct ec_aff r;
	struct ec_jac j;
	BIGNUM *q = bn_q(), *x = BN_secure_new();
	if (!q || !x)
		goto out;
	BN_set_flags(x, BN_FLG_CONSTTIME);
	err = z_scalar(z, zlen, x, q);
	if (err != LIM_OK)
		goto out;
	err = LIM_E_CRYPTO;
	if (BN_bn2binpad(x, zs, sizeof zs) != (int)sizeof zs)
		goto out;
	if (!ec_to_affine(&r, &j, comb_mul(&j, sakke_comb_p, 1, zs)))
		goto out;
	point_encode(Z, &r);
	err = LIM_OK;
out:
	LIM_WIPE(zs);
	lim_wipe(&r, sizeof r);
	lim_wipe(&j, sizeof j);
	BN_free(q);
	BN_clear_free(x);
	return err;
}

/* see sakke.h */
enum lim_err sakke_kms_generate(uint8_t z[SAKKE_P_LEN], uint8_t Z[SAKKE_POINT_LEN])
{
	enum lim_err err = LIM_E_NOMEM;
	uint8_t rnd[SAKKE_P_LEN + 32];
	BIGNUM *q = bn_q(), *qm1 = BN_new(), *x = BN_secure_new();
	BN_CTX *bc = BN_CTX_secure_new();
	if (!q || !qm1 || !x || !bc)
		goto out;
	BN_set_flags(x, BN_FLG_CONSTTIME);
	err = LIM_E_CRYPTO;
	/* z = 1 + (256 random bits more than q) mod (q-1): bias < 2^-250 */
	if (RAND_priv_bytes(rnd, sizeof rnd) != 1 || !BN_copy(qm1, q) || !BN_sub_word(qm1, 1) ||
	    !BN_bin2bn(rnd, sizeof rnd, x) || !BN_nnmod(x, x, qm1, bc) || !BN_add_word(x, 1) ||
	    BN_bn2binpad(x, z, SAKKE_P_LEN) != SAKKE_P_LEN)
		goto out;
	err = sakke_kms_public(z, SAKKE_P_LEN, Z);
out:
	if (err != LIM_OK)
		lim_wipe(z, SAKKE_P_LEN);
	LIM_WIPE(rnd);
	BN_free(q);
	BN_free(qm1);
	BN_clear_free(x);
	BN_CTX_free(bc);
	return err;
}

/* see sakke.h */
enum lim_err sakke_rsk_issue(const uint8_t *z, size_t zlen, const uint8_t *id, size_t idlen,
			     uint8_t rsk[SAKKE_POINT_LEN])
{
	enum lim_err err = LIM_E_NOMEM;
	uint8_t ks[SAKKE_P_LEN];
	struct ec_aff r;
	struct ec_jac j;
	BIGNUM *q = bn_q(), *x = BN_secure_new(), *b = BN_new(), *inv = BN_secure_new();
	BN_CTX *bc = BN_CTX_secure_new();
	if (!id_ok(id, idlen))
		err = LIM_E_LIMIT;
	if (!id_ok(id, idlen) || !q || !x || !b || !inv || !bc)
		goto out;
	BN_set_flags(x, BN_FLG_CONSTTIME);
	BN_set_flags(inv, BN_FLG_CONSTTIME);
	err = z_scalar(z, zlen, x, q);
	if (err != LIM_OK)
		goto out;
	err = LIM_E_CRYPTO;
	if (!BN_bin2bn(id, (int)idlen, b) || !BN_mod_add(x, x, b, q, bc))
		goto out;
	if (BN_is_zero(x)) {
		err = LIM_E_ARG;
		goto out;
	}
	/* RFC 6508 s6.1.1: K = [(b + z)^-1]P */
	if (!BN_mod_inverse(inv, x, q, bc) || BN_bn2binpad(inv, ks, sizeof ks) != (int)sizeof ks)
		goto out;
	if (!ec_to_affine(&r, &j, comb_mul(&j, sakke_comb_p, 1, ks)))
		goto out;
	point_encode(rsk, &r);
	err = LIM_OK;
out:
	LIM_WIPE(ks);
	lim_wipe(&r, sizeof r);
	lim_wipe(&j, sizeof j);
	BN_free(q);
	BN_clear_free(x);
	BN_free(b);
	BN_clear_free(inv);
	BN_CTX_free(bc);
	return err;
}

/* Pairing <R, T> computed with T as the running point (the reduced pairing is symmetric on
 * E(F_p)[q]). */
static enum lim_err pairing(uint64_t out[FP_N], const struct ec_aff *r, const struct ec_aff *t)
{
	struct fp2 f;
	miller_onfly(&f, t, r);
	final_exp(out, &f);
	lim_wipe(&f, sizeof f);
	return LIM_OK;
}

/* Decodes Z and forms Q = [b]P + Z. */
static enum lim_err public_q(struct ec_aff *q, const uint8_t Z[SAKKE_POINT_LEN], const uint8_t *id,
			     size_t idlen)
{
	struct ec_aff z;
	if (!Z)
		return LIM_E_ARG;
	if (!id_ok(id, idlen))
		return LIM_E_LIMIT;
	if (!point_decode(&z, Z))
		return LIM_E_PARSE;
	return receiver_point(q, &z, id, idlen);
}

/* see sakke.h */
enum lim_err sakke_rsk_validate(const uint8_t Z[SAKKE_POINT_LEN], const uint8_t *id, size_t idlen,
				const uint8_t rsk[SAKKE_POINT_LEN])
{
	struct ec_aff q, k, g;
	uint64_t w[FP_N];
	enum lim_err err = public_q(&q, Z, id, idlen);
	if (err != LIM_OK)
		goto out;
	err = LIM_E_AUTH;
	if (!rsk || !point_decode(&k, rsk))
		goto out;
	/* RFC 6508 s6.1.2: <[b]P + Z, K> == g */
	err = pairing(w, &q, &k);
	if (err != LIM_OK)
		goto out;
	(void)sakke_fp_from_bytes(g.x, g_be);
	err = sakke_fp_eq(w, g.x) ? LIM_OK : LIM_E_AUTH;
out:
	lim_wipe(&k, sizeof k);
	LIM_WIPE(w);
	return err;
}

/* t = g^r in PF_p: (1 + g*i)^r by fixed 4-bit windows with a masked table (r secret). */
static void gt_pow(uint64_t out[FP_N], const uint8_t r[SAKKE_P_LEN])
{
	struct fp2 tab[16], acc, e;
	uint64_t inv[FP_N];
	memcpy(tab[0].a, sakke_fp_one, sizeof tab[0].a);
	memset(tab[0].b, 0, sizeof tab[0].b);
	memcpy(tab[1].a, sakke_fp_one, sizeof tab[1].a);
	(void)sakke_fp_from_bytes(tab[1].b, g_be);
	for (int m = 2; m < 16; m++)
		fp2_mul(&tab[m], &tab[m - 1], &tab[1]);
	acc = tab[0];
	for (int w = 255; w >= 0; w--) {
		unsigned d = (unsigned)(r[SAKKE_P_LEN - 1 - w / 2] >> (4 * (w % 2))) & 15u;
		for (int s = 0; s < 4; s++)
			fp2_sqr(&acc, &acc);
		memset(&e, 0, sizeof e);
		for (unsigned m = 0; m < 16; m++) {
			uint64_t mask = ct_eq_u(m, d);
			sakke_fp_cmov(e.a, tab[m].a, mask);
			sakke_fp_cmov(e.b, tab[m].b, mask);
		}
		fp2_mul(&acc, &acc, &e);
	}
	fp_inv_blind(inv, acc.a);
	sakke_fp_mul(out, acc.b, inv);
	lim_wipe(tab, sizeof tab);
	lim_wipe(&acc, sizeof acc);
	lim_wipe(&e, sizeof e);
	LIM_WIPE(inv);
}

/* see sakke.h */
enum lim_err sakke_encapsulate(const uint8_t Z[SAKKE_POINT_LEN], const uint8_t *id, size_t idlen,
			       const uint8_t ssv[SAKKE_SSV_LEN], uint8_t sed[SAKKE_SED_LEN])
{
	struct ec_aff q, rp;
	struct ec_jac j;
	uint8_t r[SAKKE_P_LEN], gr[SAKKE_P_LEN], mask[SAKKE_SSV_LEN];
	uint64_t w[FP_N];
	enum lim_err err = public_q(&q, Z, id, idlen);
	if (err != LIM_OK)
		goto out;
	if (!ssv || !sed) {
		err = LIM_E_ARG;
		goto out;
	}
	/* RFC 6508 s6.2.1 step 1: r = HashToIntegerRange(SSV || b, q, Hash) */
	err = h2ir_q(ssv, id, idlen, r);
	if (err != LIM_OK)
		goto out;
	/* step 2: R_(b,S) = [r]([b]P + Z_S) */
	err = LIM_E_CRYPTO;
	if (!ec_to_affine(&rp, &j, ec_mul(&j, &q, r)))
		goto out;
	/* step 3: H = SSV XOR HashToIntegerRange(g^r, 2^n, Hash) */
	gt_pow(w, r);
	sakke_fp_to_bytes(gr, w);
	err = h2ir_mask(gr, mask);
	if (err != LIM_OK)
		goto out;
	/* step 4: SED = (R_(b,S), H) */
	point_encode(sed, &rp);
	for (int k = 0; k < SAKKE_SSV_LEN; k++)
		sed[SAKKE_POINT_LEN + k] = (uint8_t)(ssv[k] ^ mask[k]);
out:
	LIM_WIPE(r);
	LIM_WIPE(gr);
	LIM_WIPE(mask);
	LIM_WIPE(w);
	lim_wipe(&j, sizeof j);
	return err;
}

/* Steps of RFC 6508 s6.2.2 shared by both receivers, given w = <R, K> already computed:
 * SSV = H XOR mask, r = HashToIntegerRange(SSV || b, q); writes r. */
static enum lim_err recover_ssv(const uint64_t w[FP_N], const uint8_t h[SAKKE_SSV_LEN],
				const uint8_t *id, size_t idlen, uint8_t ssv[SAKKE_SSV_LEN],
				uint8_t r[SAKKE_P_LEN])
{
	uint8_t wb[SAKKE_P_LEN], mask[SAKKE_SSV_LEN];
	sakke_fp_to_bytes(wb, w);
	enum lim_err err = h2ir_mask(wb, mask);
	if (err == LIM_OK) {
		for (int k = 0; k < SAKKE_SSV_LEN; k++)
			ssv[k] = (uint8_t)(h[k] ^ mask[k]);
		err = h2ir_q(ssv, id, idlen, r);
	}
	LIM_WIPE(wb);
	LIM_WIPE(mask);
	return err;
}

/* Jacobian p == affine a (p not infinity), constant time; ~0 if equal. */
static uint64_t jac_eq_aff(const struct ec_jac *p, uint64_t inf, const struct ec_aff *a)
{
	uint64_t z2[FP_N], t[FP_N];
	sakke_fp_sqr(z2, p->z);
	sakke_fp_mul(t, a->x, z2);
	uint64_t eq = sakke_fp_eq(t, p->x);
	sakke_fp_mul(z2, z2, p->z);
	sakke_fp_mul(t, a->y, z2);
	eq &= sakke_fp_eq(t, p->y);
	LIM_WIPE(z2);
	LIM_WIPE(t);
	return eq & ~inf;
}

/* Checks the SED framing; LIM_E_PARSE, or LIM_E_AUTH for a bad point. */
static enum lim_err sed_decode(struct ec_aff *r, const uint8_t *sed, size_t sedlen)
{
	if (!sed || sedlen != SAKKE_SED_LEN || sed[0] != 0x04)
		return LIM_E_PARSE;
	return point_decode(r, sed) ? LIM_OK : LIM_E_AUTH;
}

/* see sakke.h */
enum lim_err sakke_decapsulate(const uint8_t Z[SAKKE_POINT_LEN], const uint8_t *id, size_t idlen,
			       const uint8_t rsk[SAKKE_POINT_LEN], const uint8_t *sed,
			       size_t sedlen, uint8_t ssv[SAKKE_SSV_LEN])
{
	struct ec_aff q, k, rp;
	struct ec_jac j;
	struct fp2 f;
	uint64_t w[FP_N], inf;
	uint8_t r[SAKKE_P_LEN];
	enum lim_err err;
	memset(ssv, 0, SAKKE_SSV_LEN);
	err = sed_decode(&rp, sed, sedlen);
	if (err != LIM_OK)
		goto out;
	err = public_q(&q, Z, id, idlen);
	if (err != LIM_OK)
		goto out;
	err = LIM_E_AUTH;
	if (!rsk || !point_decode(&k, rsk))
		goto out;
	/* RFC 6508 s6.2.2 step 1: w = <R_(b,S), K_(b,S)> */
	miller_onfly(&f, &k, &rp);
	final_exp(w, &f);
	/* steps 2-3 */
	err = recover_ssv(w, sed + SAKKE_POINT_LEN, id, idlen, ssv, r);
	if (err != LIM_OK)
		goto out;
	/* step 4: TEST = [r]([b]P + Z_S) == R_(b,S) */
	inf = ec_mul(&j, &q, r);
	err = jac_eq_aff(&j, inf, &rp) ? LIM_OK : LIM_E_AUTH;
out:
	if (err != LIM_OK)
		lim_wipe(ssv, SAKKE_SSV_LEN);
	lim_wipe(&k, sizeof k);
	lim_wipe(&j, sizeof j);
	lim_wipe(&f, sizeof f);
	LIM_WIPE(w);
	LIM_WIPE(r);
	return err;
}

/* Fixed-base comb tables of Q for comb_mul (public data, variable time). */
static enum lim_err comb_build(uint64_t (*comb)[2][FP_N], int ntab, const struct ec_aff *q)
{
	enum lim_err err = LIM_E_NOMEM;
	int nbase = COMB_TEETH * ntab, spacing = 1024 / nbase;
	struct ec_jac *tj = OPENSSL_zalloc(COMB_SIZE * sizeof *tj);
	struct ec_aff *ta = OPENSSL_zalloc(COMB_SIZE * sizeof *ta);
	struct ec_jac *bj = OPENSSL_zalloc((size_t)nbase * sizeof *bj);
	struct ec_aff *base = OPENSSL_zalloc((size_t)nbase * sizeof *base);
	uint64_t(*scratch)[FP_N] = OPENSSL_zalloc(COMB_SIZE * sizeof *scratch);
	if (!tj || !ta || !bj || !base || !scratch)
		goto out;
	memcpy(bj[0].x, q->x, sizeof bj[0].x);
	memcpy(bj[0].y, q->y, sizeof bj[0].y);
	memcpy(bj[0].z, sakke_fp_one, sizeof bj[0].z);
	for (int t = 1; t < nbase; t++) {
		bj[t] = bj[t - 1];
		for (int s = 0; s < spacing; s++)
			ec_dbl(&bj[t], &bj[t]);
	}
	ec_batch_affine(base, bj, (size_t)nbase, scratch);
	err = LIM_E_CRYPTO;
	for (int k = 0; k < ntab; k++) {
		const struct ec_aff *bk = base + COMB_TEETH * k;
		uint64_t(*ck)[2][FP_N] = comb + COMB_SIZE * k;
		for (unsigned t = 0; t < COMB_TEETH; t++) {
			memcpy(tj[1u << t].x, bk[t].x, sizeof tj[0].x);
			memcpy(tj[1u << t].y, bk[t].y, sizeof tj[0].y);
			memcpy(tj[1u << t].z, sakke_fp_one, sizeof tj[0].z);
		}
		for (unsigned m = 3; m < COMB_SIZE; m++) {
			unsigned low = m & (0u - m), t = 0;
			if (m == low)
				continue;
			while ((1u << t) != low)
				t++;
			ec_madd(&tj[m], &tj[m ^ low], &bk[t]);
		}
		for (unsigned m = 1; m < COMB_SIZE; m++)
			if (sakke_fp_is_zero(tj[m].z))
				goto out; /* a sum hit infinity: probability ~2^-1000 */
		ec_batch_affine(&ta[1], &tj[1], COMB_SIZE - 1, scratch);
		memset(ck[0], 0, sizeof ck[0]);
		for (unsigned m = 1; m < COMB_SIZE; m++) {
			memcpy(ck[m][0], ta[m].x, sizeof ck[m][0]);
			memcpy(ck[m][1], ta[m].y, sizeof ck[m][1]);
		}
	}
	err = LIM_OK;
out:
	OPENSSL_free(ta);
	OPENSSL_free(tj);
	OPENSSL_free(bj);
	OPENSSL_free(base);
	OPENSSL_free(scratch);
	return err;
}

/* see sakke.h */
void sakke_rsk_ctx_free(struct sakke_rsk_ctx *ctx)
{
	if (ctx)
		OPENSSL_secure_clear_free(ctx, sizeof *ctx);
}

/* see sakke.h */
enum lim_err sakke_rsk_ctx_new(const uint8_t Z[SAKKE_POINT_LEN], const uint8_t *id, size_t idlen,
			       const uint8_t rsk[SAKKE_POINT_LEN], struct sakke_rsk_ctx **out)
{
	struct sakke_rsk_ctx *ctx = NULL;
	struct pline *ln = NULL;
	uint64_t(*pre)[FP_N] = NULL;
	struct ec_aff k;
	struct fp2 f;
	uint64_t inv[FP_N], t[FP_N], w[FP_N], g[FP_N];
	enum lim_err err;
	if (!out)
		return LIM_E_ARG;
	*out = NULL;
	err = LIM_E_NOMEM;
	ctx = OPENSSL_secure_zalloc(sizeof *ctx);
	ln = OPENSSL_secure_zalloc(SAKKE_NLINES * sizeof *ln);
	pre = OPENSSL_secure_zalloc(SAKKE_NLINES * sizeof *pre);
	if (!ctx || !ln || !pre)
		goto out;
	err = public_q(&ctx->q, Z, id, idlen);
	if (err != LIM_OK)
		goto out;
	err = LIM_E_AUTH;
	if (!rsk || !point_decode(&k, rsk))
		goto out;
	if (idlen)
		memcpy(ctx->id, id, idlen);
	ctx->idlen = idlen;
	/* lines of K, normalised to c = 1 with one inversion (Montgomery's trick) */
	miller_lines(ln, &k);
	memcpy(pre[0], ln[0].c, sizeof pre[0]);
	for (size_t n = 1; n < SAKKE_NLINES; n++)
		sakke_fp_mul(pre[n], pre[n - 1], ln[n].c);
	fp_inv_blind(inv, pre[SAKKE_NLINES - 1]);
	for (size_t n = SAKKE_NLINES; n-- > 0;) {
		if (n > 0) {
			sakke_fp_mul(t, inv, pre[n - 1]);
			sakke_fp_mul(inv, inv, ln[n].c);
		} else {
			memcpy(t, inv, sizeof t);
		}
		sakke_fp_mul(ctx->lines[n].a, ln[n].a, t);
		sakke_fp_mul(ctx->lines[n].b, ln[n].b, t);
	}
	/* RFC 6508 s6.1.2: <[b]P + Z, K> == g */
	miller_eval_aff(&f, ctx->lines, &ctx->q);
	final_exp(w, &f);
	(void)sakke_fp_from_bytes(g, g_be);
	if (!sakke_fp_eq(w, g)) {
		err = LIM_E_AUTH;
		goto out;
	}
	err = comb_build(ctx->comb, CTX_COMB_TABLES, &ctx->q);
	if (err != LIM_OK)
		goto out;
	*out = ctx;
	ctx = NULL;
out:
	sakke_rsk_ctx_free(ctx);
	if (ln)
		OPENSSL_secure_clear_free(ln, SAKKE_NLINES * sizeof *ln);
	if (pre)
		OPENSSL_secure_clear_free(pre, SAKKE_NLINES * sizeof *pre);
	lim_wipe(&k, sizeof k);
	lim_wipe(&f, sizeof f);
	LIM_WIPE(inv);
	LIM_WIPE(t);
	LIM_WIPE(w);
	return err;
}

/* see sakke.h */
enum lim_err sakke_rsk_ctx_decapsulate(const struct sakke_rsk_ctx *ctx, const uint8_t *sed,
				       size_t sedlen, uint8_t ssv[SAKKE_SSV_LEN])
{
	struct ec_aff rp;
	struct ec_jac j;
	struct fp2 f;
	uint64_t w[FP_N], inf;
	uint8_t r[SAKKE_P_LEN];
	enum lim_err err;
	memset(ssv, 0, SAKKE_SSV_LEN);
	if (!ctx)
		return LIM_E_ARG;
	err = sed_decode(&rp, sed, sedlen);
	if (err != LIM_OK)
		goto out;
	/* RFC 6508 s6.2.2 step 1: w = <R, K>, K's lines precomputed */
	miller_eval_aff(&f, ctx->lines, &rp);
	final_exp(w, &f);
	err = recover_ssv(w, sed + SAKKE_POINT_LEN, ctx->id, ctx->idlen, ssv, r);
	if (err != LIM_OK)
		goto out;
	/* step 4: [r]Q == R */
	inf = comb_mul(&j, ctx->comb, CTX_COMB_TABLES, r);
	err = jac_eq_aff(&j, inf, &rp) ? LIM_OK : LIM_E_AUTH;
out:
	if (err != LIM_OK)
		lim_wipe(ssv, SAKKE_SSV_LEN);
	lim_wipe(&j, sizeof j);
	lim_wipe(&f, sizeof f);
	LIM_WIPE(w);
	LIM_WIPE(r);
	return err;
}

/* see sakke_internal.h */
enum lim_err sakke_t_pairing(const uint8_t r[257], const uint8_t q[257], uint8_t out[128])
{
	struct ec_aff a, b;
	uint64_t w[FP_N];
	if (!point_decode(&a, r) || !point_decode(&b, q))
		return LIM_E_PARSE;
	enum lim_err err = pairing(w, &a, &b);
	if (err == LIM_OK)
		sakke_fp_to_bytes(out, w);
	return err;
}

/* see sakke_internal.h */
enum lim_err sakke_t_h2ir_q(const uint8_t ssv[16], const uint8_t *id, size_t idlen, uint8_t r[128])
{
	return h2ir_q(ssv, id, idlen, r);
}

/* see sakke_internal.h */
void sakke_t_gt_pow(const uint8_t r[128], uint8_t out[128])
{
	uint64_t w[FP_N];
	gt_pow(w, r);
	sakke_fp_to_bytes(out, w);
	LIM_WIPE(w);
}

/* see sakke_internal.h */
enum lim_err sakke_t_ec_mul(const uint8_t k[128], const uint8_t pt[257], uint8_t out[257])
{
	struct ec_aff a, res;
	struct ec_jac j;
	if (!point_decode(&a, pt))
		return LIM_E_PARSE;
	if (!ec_to_affine(&res, &j, ec_mul(&j, &a, k)))
		return LIM_E_ARG;
	point_encode(out, &res);
	return LIM_OK;
}
