/* Constant-time Montgomery arithmetic modulo the SAKKE parameter-set-1 prime (see sakke_internal.h). */
#include "decrypt/sakke_internal.h"

#include <string.h>

#include "common/wipe.h"

__extension__ typedef unsigned __int128 u128;

/* p = RFC 6509 Appendix A, little-endian 64-bit limbs. */
const uint64_t sakke_fp_p[FP_N] = {
	0x666d807afea85febULL, 0x80c5df10ac7ace87ULL, 0xfce3e82389857db0ULL, 0x9f94d6af56971f1fULL,
	0xa7cf3c521c3c09aaULL, 0xb6aff4a831852a82ULL, 0x512ac5cd65681ce1ULL, 0xe26c6487326b4cd4ULL,
	0x356d27f4a666a6d0ULL, 0xe791b39ff7c88a19ULL, 0x228730d531a59cb0ULL, 0xf40aab27e2fc0f1bULL,
	0xbe9ae358b3e01a2eULL, 0x416c0ce19cb48261ULL, 0x65c61198dad0657aULL, 0x997abb1f0a563fdaULL,
};
/* 2^1024 mod p */
const uint64_t sakke_fp_one[FP_N] = {
	0x99927f850157a015ULL, 0x7f3a20ef53853178ULL, 0x031c17dc767a824fULL, 0x606b2950a968e0e0ULL,
	0x5830c3ade3c3f655ULL, 0x49500b57ce7ad57dULL, 0xaed53a329a97e31eULL, 0x1d939b78cd94b32bULL,
	0xca92d80b5999592fULL, 0x186e4c60083775e6ULL, 0xdd78cf2ace5a634fULL, 0x0bf554d81d03f0e4ULL,
	0x41651ca74c1fe5d1ULL, 0xbe93f31e634b7d9eULL, 0x9a39ee67252f9a85ULL, 0x668544e0f5a9c025ULL,
};
/* 2^2048 mod p */
static const uint64_t fp_r2[FP_N] = {
	0xe199c8ceed17b0a1ULL, 0x7ffd8b4be3620f7fULL, 0xca865d5f4f76e245ULL, 0x623ff8dc27ecf5cbULL,
	0x229900e1d19bb697ULL, 0xed6aef26ea40c71fULL, 0xa3aed42cc906365cULL, 0x17d461b69eab6451ULL,
	0x2009367d7d666da9ULL, 0x8bcad1dcb63c1d56ULL, 0x5a126231c31a92dcULL, 0x5fb41b0eb8d94c5bULL,
	0xc113d394843f623cULL, 0x5d8d8e74f159f1ebULL, 0xae4ba7edb5d48c14ULL, 0x191640b9698af16aULL,
};
/* -p^-1 mod 2^64 */
#define FP_N0 0x290420077c8f2f3dULL

/* r = t - p if (hi:t) >= p else t, constant time; t < 2p, hi in {0,1}. */
static inline void fp_final_sub(uint64_t r[FP_N], const uint64_t t[FP_N], uint64_t hi)
{
	uint64_t s[FP_N], borrow = 0;
#pragma GCC unroll 16
	for (int j = 0; j < FP_N; j++) {
		u128 d = (u128)t[j] - sakke_fp_p[j] - borrow;
		s[j] = (uint64_t)d;
		borrow = (uint64_t)(d >> 64) & 1;
	}
	/* keep t iff the 17-word subtraction borrowed: borrow && !hi */
	uint64_t keep = 0 - (borrow & (hi ^ 1));
#pragma GCC unroll 16
	for (int j = 0; j < FP_N; j++)
		r[j] = (t[j] & keep) | (s[j] & ~keep);
}

/* Montgomery reduction of the 2048-bit product w (destroyed) into r. */
static inline void fp_redc(uint64_t r[FP_N], uint64_t w[2 * FP_N])
{
	uint64_t c2 = 0;
#pragma GCC unroll 16
	for (int i = 0; i < FP_N; i++) {
		uint64_t m = w[i] * FP_N0, c = 0;
#pragma GCC unroll 16
		for (int j = 0; j < FP_N; j++) {
			u128 t = (u128)m * sakke_fp_p[j] + w[i + j] + c;
			w[i + j] = (uint64_t)t;
			c = (uint64_t)(t >> 64);
		}
		u128 t = (u128)w[i + FP_N] + c + c2;
		w[i + FP_N] = (uint64_t)t;
		c2 = (uint64_t)(t >> 64);
	}
	fp_final_sub(r, w + FP_N, c2);
}

#if defined(__x86_64__) && defined(__GNUC__)
#define FP_COMBA 1
#endif

#ifndef FP_COMBA
/* see sakke_internal.h */
void sakke_fp_mul(uint64_t r[FP_N], const uint64_t a[FP_N], const uint64_t b[FP_N])
{
	uint64_t w[2 * FP_N];
	memset(w, 0, sizeof w);
#pragma GCC unroll 16
	for (int i = 0; i < FP_N; i++) {
		uint64_t c = 0, ai = a[i];
#pragma GCC unroll 16
		for (int j = 0; j < FP_N; j++) {
			u128 t = (u128)ai * b[j] + w[i + j] + c;
			w[i + j] = (uint64_t)t;
			c = (uint64_t)(t >> 64);
		}
		w[i + FP_N] = c;
	}
	fp_redc(r, w);
}

/* see sakke_internal.h */
void sakke_fp_sqr(uint64_t r[FP_N], const uint64_t a[FP_N])
{
	uint64_t w[2 * FP_N];
	memset(w, 0, sizeof w);
	/* off-diagonal products */
#pragma GCC unroll 16
	for (int i = 0; i < FP_N - 1; i++) {
		uint64_t c = 0, ai = a[i];
#pragma GCC unroll 16
		for (int j = i + 1; j < FP_N; j++) {
			u128 t = (u128)ai * a[j] + w[i + j] + c;
			w[i + j] = (uint64_t)t;
			c = (uint64_t)(t >> 64);
		}
		w[i + FP_N] = c;
	}
	/* double, add the squares */
	uint64_t top = 0, c = 0;
#pragma GCC unroll 16
	for (int i = 0; i < FP_N; i++) {
		uint64_t lo = w[2 * i], hi = w[2 * i + 1];
		uint64_t dlo = (lo << 1) | top;
		uint64_t dhi = (hi << 1) | (lo >> 63);
		top = hi >> 63;
		u128 sq = (u128)a[i] * a[i];
		u128 t = (u128)dlo + (uint64_t)sq + c;
		w[2 * i] = (uint64_t)t;
		t = (u128)dhi + (uint64_t)(sq >> 64) + (uint64_t)(t >> 64);
		w[2 * i + 1] = (uint64_t)t;
		c = (uint64_t)(t >> 64);
	}
	fp_redc(r, w);
}
#else
/* (c2:c1:c0) += x*y */
#define MULADD(c0, c1, c2, x, y)                                                     \
	do {                                                                         \
		uint64_t lo_, hi_;                                                   \
		__asm__("mulq %3" : "=a"(lo_), "=d"(hi_) : "a"(x), "rm"(y) : "cc"); \
		__asm__("addq %3, %0\n\tadcq %4, %1\n\tadcq $0, %2"                 \
			: "+r"(c0), "+r"(c1), "+r"(c2)                               \
			: "r"(lo_), "r"(hi_)                                         \
			: "cc");                                                     \
	} while (0)

/* Montgomery reduction of the plain 2048-bit product w by product scanning (Comba): m*p is
 * accumulated column by column into the three-word accumulator c2:c1:c0. */
static inline void fp_redc_comba(uint64_t r[FP_N], const uint64_t w[2 * FP_N])
{
	uint64_t m[FP_N], t[FP_N], c0 = 0, c1 = 0, c2 = 0;
#pragma GCC unroll 16
	for (int k = 0; k < FP_N; k++) {
		/* c += w[k] */
		__asm__("addq %3, %0\n\tadcq $0, %1\n\tadcq $0, %2"
			: "+r"(c0), "+r"(c1), "+r"(c2)
			: "rm"(w[k])
			: "cc");
		for (int j = 0; j < k; j++)
			MULADD(c0, c1, c2, m[j], sakke_fp_p[k - j]);
		m[k] = c0 * FP_N0;
		MULADD(c0, c1, c2, m[k], sakke_fp_p[0]);
		/* c0 is now 0: shift */
		c0 = c1;
		c1 = c2;
		c2 = 0;
	}
#pragma GCC unroll 16
	for (int k = FP_N; k < 2 * FP_N - 1; k++) {
		__asm__("addq %3, %0\n\tadcq $0, %1\n\tadcq $0, %2"
			: "+r"(c0), "+r"(c1), "+r"(c2)
			: "rm"(w[k])
			: "cc");
		for (int j = k - FP_N + 1; j < FP_N; j++)
			MULADD(c0, c1, c2, m[j], sakke_fp_p[k - j]);
		t[k - FP_N] = c0;
		c0 = c1;
		c1 = c2;
		c2 = 0;
	}
	__asm__("addq %3, %0\n\tadcq $0, %1\n\tadcq $0, %2"
		: "+r"(c0), "+r"(c1), "+r"(c2)
		: "rm"(w[2 * FP_N - 1])
		: "cc");
	t[FP_N - 1] = c0;
	fp_final_sub(r, t, c1);
}

/* see sakke_internal.h */
void sakke_fp_mul(uint64_t r[FP_N], const uint64_t a[FP_N], const uint64_t b[FP_N])
{
	/* product scanning with the Montgomery reduction interleaved (FIPS method) */
	uint64_t m[FP_N], t[FP_N], c0 = 0, c1 = 0, c2 = 0;
#pragma GCC unroll 16
	for (int k = 0; k < FP_N; k++) {
		for (int j = 0; j <= k; j++)
			MULADD(c0, c1, c2, a[j], b[k - j]);
		for (int j = 0; j < k; j++)
			MULADD(c0, c1, c2, m[j], sakke_fp_p[k - j]);
		m[k] = c0 * FP_N0;
		MULADD(c0, c1, c2, m[k], sakke_fp_p[0]);
		c0 = c1;
		c1 = c2;
		c2 = 0;
	}
#pragma GCC unroll 16
	for (int k = FP_N; k < 2 * FP_N - 1; k++) {
		for (int j = k - FP_N + 1; j < FP_N; j++)
			MULADD(c0, c1, c2, a[j], b[k - j]);
		for (int j = k - FP_N + 1; j < FP_N; j++)
			MULADD(c0, c1, c2, m[j], sakke_fp_p[k - j]);
		t[k - FP_N] = c0;
		c0 = c1;
		c1 = c2;
		c2 = 0;
	}
	t[FP_N - 1] = c0;
	fp_final_sub(r, t, c1);
}

/* see sakke_internal.h */
void sakke_fp_sqr(uint64_t r[FP_N], const uint64_t a[FP_N])
{
	uint64_t w[2 * FP_N], c0 = 0, c1 = 0, c2 = 0;
#pragma GCC unroll 32
	for (int k = 0; k < 2 * FP_N - 1; k++) {
		uint64_t d0 = 0, d1 = 0, d2 = 0;
		int lo = k < FP_N ? 0 : k - FP_N + 1;
		for (int j = lo; j < k - j; j++)
			MULADD(d0, d1, d2, a[j], a[k - j]);
		/* c += 2d */
		__asm__("addq %3, %0\n\tadcq %4, %1\n\tadcq %5, %2\n\t"
			"addq %3, %0\n\tadcq %4, %1\n\tadcq %5, %2"
			: "+r"(c0), "+r"(c1), "+r"(c2)
			: "r"(d0), "r"(d1), "r"(d2)
			: "cc");
		if ((k & 1) == 0)
			MULADD(c0, c1, c2, a[k / 2], a[k / 2]);
		w[k] = c0;
		c0 = c1;
		c1 = c2;
		c2 = 0;
	}
	w[2 * FP_N - 1] = c0;
	fp_redc_comba(r, w);
}
#endif

/* see sakke_internal.h */
void sakke_fp_add(uint64_t r[FP_N], const uint64_t a[FP_N], const uint64_t b[FP_N])
{
	uint64_t t[FP_N], c = 0;
#pragma GCC unroll 16
	for (int j = 0; j < FP_N; j++) {
		u128 s = (u128)a[j] + b[j] + c;
		t[j] = (uint64_t)s;
		c = (uint64_t)(s >> 64);
	}
	fp_final_sub(r, t, c);
}

/* see sakke_internal.h */
void sakke_fp_sub(uint64_t r[FP_N], const uint64_t a[FP_N], const uint64_t b[FP_N])
{
	uint64_t t[FP_N], borrow = 0, c = 0;
#pragma GCC unroll 16
	for (int j = 0; j < FP_N; j++) {
		u128 d = (u128)a[j] - b[j] - borrow;
		t[j] = (uint64_t)d;
		borrow = (uint64_t)(d >> 64) & 1;
	}
	uint64_t mask = 0 - borrow;
#pragma GCC unroll 16
	for (int j = 0; j < FP_N; j++) {
		u128 s = (u128)t[j] + (sakke_fp_p[j] & mask) + c;
		r[j] = (uint64_t)s;
		c = (uint64_t)(s >> 64);
	}
}

/* see sakke_internal.h */
void sakke_fp_neg(uint64_t r[FP_N], const uint64_t a[FP_N])
{
	static const uint64_t zero[FP_N];
	sakke_fp_sub(r, zero, a);
}

/* see sakke_internal.h */
void sakke_fp_cmov(uint64_t r[FP_N], const uint64_t a[FP_N], uint64_t mask)
{
	for (int j = 0; j < FP_N; j++)
		r[j] = (r[j] & ~mask) | (a[j] & mask);
}

/* see sakke_internal.h */
uint64_t sakke_fp_is_zero(const uint64_t a[FP_N])
{
	uint64_t acc = 0;
	for (int j = 0; j < FP_N; j++)
		acc |= a[j];
	/* (acc | -acc) has the top bit set iff acc != 0 */
	return ((acc | (0 - acc)) >> 63) - 1;
}

/* see sakke_internal.h */
uint64_t sakke_fp_eq(const uint64_t a[FP_N], const uint64_t b[FP_N])
{
	uint64_t d[FP_N];
	for (int j = 0; j < FP_N; j++)
		d[j] = a[j] ^ b[j];
	return sakke_fp_is_zero(d);
}

/* see sakke_internal.h */
void sakke_fp_inv(uint64_t r[FP_N], const uint64_t a[FP_N])
{
	/* Fixed 5-bit windows over the public exponent p-2 (the base stays secret: no branch or
	 * index depends on it). */
	uint64_t tab[32][FP_N], acc[FP_N], e[FP_N];
	memcpy(e, sakke_fp_p, sizeof e);
	e[0] -= 2; /* p is odd and p[0] >= 2: no borrow */
	memcpy(tab[0], sakke_fp_one, sizeof tab[0]);
	memcpy(tab[1], a, sizeof tab[1]);
	for (int k = 2; k < 32; k++)
		sakke_fp_mul(tab[k], tab[k - 1], a);
	/* leading window: bits 1023..1020, then 204 windows of 5 bits down to bit 0 */
	memcpy(acc, tab[e[15] >> 60], sizeof acc);
	for (int top = 1019; top >= 0; top -= 5) {
		unsigned win = 0;
		for (int k = 0; k < 5; k++) {
			int b = top - k;
			win = (win << 1) | (unsigned)((e[b / 64] >> (b % 64)) & 1);
			sakke_fp_sqr(acc, acc);
		}
		if (win) /* public exponent */
			sakke_fp_mul(acc, acc, tab[win]);
	}
	memcpy(r, acc, sizeof acc);
	LIM_WIPE(tab);
	LIM_WIPE(acc);
}

/* see sakke_internal.h */
bool sakke_fp_from_bytes(uint64_t r[FP_N], const uint8_t in[128])
{
	uint64_t t[FP_N], borrow = 0;
	for (int j = 0; j < FP_N; j++) {
		uint64_t v = 0;
		for (int k = 0; k < 8; k++)
			v = (v << 8) | in[128 - 8 * (j + 1) + k];
		t[j] = v;
	}
	for (int j = 0; j < FP_N; j++) {
		u128 d = (u128)t[j] - sakke_fp_p[j] - borrow;
		borrow = (uint64_t)(d >> 64) & 1;
	}
	if (!borrow) {
		memset(r, 0, FP_N * sizeof r[0]);
		LIM_WIPE(t);
		return false;
	}
	sakke_fp_mul(r, t, fp_r2);
	LIM_WIPE(t);
	return true;
}

/* see sakke_internal.h */
void sakke_fp_to_bytes(uint8_t out[128], const uint64_t a[FP_N])
{
	uint64_t w[2 * FP_N], t[FP_N];
	memset(w, 0, sizeof w);
	memcpy(w, a, FP_N * sizeof a[0]);
	fp_redc(t, w);
	for (int j = 0; j < FP_N; j++)
		for (int k = 0; k < 8; k++)
			out[128 - 8 * (j + 1) + k] = (uint8_t)(t[j] >> (56 - 8 * k));
	LIM_WIPE(w);
	LIM_WIPE(t);
}
