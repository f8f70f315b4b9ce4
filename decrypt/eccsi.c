/* ECCSI (RFC 6507) on P-256 / SHA-256 with OpenSSL 3.0 EC_POINT and BIGNUM. */
#include "decrypt/eccsi.h"

#include <stdbool.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include "common/wipe.h"

#define N       32 /* RFC 6507 s2.1: N = 32 for P-256 / SHA-256 */
#define RETRIES 64 /* random ephemerals redrawn at most this often (probability ~2^-256 each) */

/* Per-call curve context: no mutable globals (STYLE.md rule 2). */
struct ec {
	EC_GROUP *grp;
	BN_CTX *bn;
	const EC_POINT *g;
	const BIGNUM *q;
	uint8_t g_oct[ECCSI_KPAK_LEN];
};

static void ec_close(struct ec *e)
{
	BN_CTX_free(e->bn);
	EC_GROUP_free(e->grp);
	e->bn = NULL;
	e->grp = NULL;
}

/* secure: BN_CTX_secure_new for functions handling secrets (STYLE.md rule 17). */
static bool ec_open(struct ec *e, bool secure)
{
	memset(e, 0, sizeof *e);
	e->grp = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	e->bn = secure ? BN_CTX_secure_new() : BN_CTX_new();
	if (!e->grp || !e->bn)
		goto fail;
	e->g = EC_GROUP_get0_generator(e->grp);
	e->q = EC_GROUP_get0_order(e->grp);
	if (!e->g || !e->q)
		goto fail;
	if (EC_POINT_point2oct(e->grp, e->g, POINT_CONVERSION_UNCOMPRESSED, e->g_oct,
			       sizeof e->g_oct, e->bn) != sizeof e->g_oct)
		goto fail;
	return true;
fail:
	ec_close(e);
	return false;
}

static BIGNUM *bn_secret(void)
{
	BIGNUM *b = BN_secure_new();
	if (b)
		BN_set_flags(b, BN_FLG_CONSTTIME);
	return b;
}

/* 0 < x < q */
static bool in_fq_star(const BIGNUM *x, const BIGNUM *q)
{
	return !BN_is_zero(x) && !BN_is_negative(x) && BN_cmp(x, q) < 0;
}

/* An element of F_q*: the caller's fixed value (known answers; LIM_E_ARG when out of range) or a
 * fresh random one, drawn at most RETRIES times over all calls sharing *tries (LIM_E_CRYPTO). */
static enum lim_err pick_scalar(const struct ec *e, const uint8_t *fixed, BIGNUM *out, int *tries)
{
	if (fixed) {
		if (!BN_bin2bn(fixed, N, out))
			return LIM_E_CRYPTO;
		return in_fq_star(out, e->q) ? LIM_OK : LIM_E_ARG;
	}
	do {
		if (++*tries > RETRIES || !BN_priv_rand_range(out, e->q))
			return LIM_E_CRYPTO;
	} while (BN_is_zero(out));
	return LIM_OK;
}

/* Loads a 65-octet uncompressed point; OpenSSL checks it lies on the curve (P-256 has
 * cofactor 1, so every affine curve point is in the order-q group). */
static bool point_load(const struct ec *e, const uint8_t buf[ECCSI_PVT_LEN], EC_POINT *pt)
{
	if (buf[0] != 0x04)
		return false;
	if (!EC_POINT_oct2point(e->grp, pt, buf, ECCSI_PVT_LEN, e->bn))
		return false;
	return EC_POINT_is_on_curve(e->grp, pt, e->bn) == 1 && !EC_POINT_is_at_infinity(e->grp, pt);
}

static bool point_store(const struct ec *e, const EC_POINT *pt, uint8_t out[ECCSI_PVT_LEN])
{
	return EC_POINT_point2oct(e->grp, pt, POINT_CONVERSION_UNCOMPRESSED, out, ECCSI_PVT_LEN,
				  e->bn) == ECCSI_PVT_LEN;
}

/* out = SHA-256(a || b || c || d); absent parts have length 0. */
static bool sha256_4(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, const uint8_t *c,
		     size_t clen, const uint8_t *d, size_t dlen, uint8_t out[N])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned int olen = 0;
	bool ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) &&
		  EVP_DigestUpdate(md, a, alen) && EVP_DigestUpdate(md, b, blen) &&
		  EVP_DigestUpdate(md, c, clen) && EVP_DigestUpdate(md, d, dlen) &&
		  EVP_DigestFinal_ex(md, out, &olen) && olen == N;
	EVP_MD_CTX_free(md);
	return ok;
}

/* RFC 6507 s5.1.1 step 3 / s5.2.1 step 3 / s5.2.2 step 2: HS = hash(G || KPAK || ID || PVT) */
static bool hash_hs(const struct ec *e, const uint8_t kpak[ECCSI_KPAK_LEN], const uint8_t *id,
		    size_t idlen, const uint8_t pvt[ECCSI_PVT_LEN], uint8_t hs[N])
{
	return sha256_4(e->g_oct, sizeof e->g_oct, kpak, ECCSI_KPAK_LEN, id, idlen, pvt,
			ECCSI_PVT_LEN, hs);
}

/* KPAK = [KSAK]G for a ksak already range-checked. */
static bool kpak_of(const struct ec *e, const BIGNUM *ksak, uint8_t kpak[ECCSI_KPAK_LEN])
{
	EC_POINT *pt = EC_POINT_new(e->grp);
	bool ok =
		pt && EC_POINT_mul(e->grp, pt, ksak, NULL, NULL, e->bn) && point_store(e, pt, kpak);
	EC_POINT_free(pt);
	return ok;
}

/* see eccsi.h */
enum lim_err eccsi_kms_generate(uint8_t ksak[ECCSI_KSAK_LEN], uint8_t kpak[ECCSI_KPAK_LEN])
{
	enum lim_err rc = LIM_E_CRYPTO;
	struct ec e;
	BIGNUM *k = NULL;
	int tries = 0;

	if (!ec_open(&e, true))
		goto out;
	if (!(k = bn_secret()))
		goto out;
	if (pick_scalar(&e, NULL, k, &tries) != LIM_OK)
		goto out;
	if (BN_bn2binpad(k, ksak, ECCSI_KSAK_LEN) != ECCSI_KSAK_LEN || !kpak_of(&e, k, kpak))
		goto out;
	rc = LIM_OK;
out:
	if (rc != LIM_OK)
		lim_wipe(ksak, ECCSI_KSAK_LEN);
	BN_clear_free(k);
	ec_close(&e);
	return rc;
}

/* see eccsi.h */
enum lim_err eccsi_kpak_from_ksak(const uint8_t ksak[ECCSI_KSAK_LEN], uint8_t kpak[ECCSI_KPAK_LEN])
{
	enum lim_err rc = LIM_E_CRYPTO;
	struct ec e;
	BIGNUM *k = NULL;

	if (!ec_open(&e, true))
		goto out;
	if (!(k = bn_secret()) || !BN_bin2bn(ksak, ECCSI_KSAK_LEN, k))
		goto out;
	if (!in_fq_star(k, e.q)) {
		rc = LIM_E_ARG;
		goto out;
	}
	if (!kpak_of(&e, k, kpak))
		goto out;
	rc = LIM_OK;
out:
	BN_clear_free(k);
	ec_close(&e);
	return rc;
}

/* see eccsi.h */
enum lim_err eccsi_issue(const uint8_t ksak[ECCSI_KSAK_LEN], const uint8_t *id, size_t idlen,
			 const uint8_t *v, uint8_t ssk[ECCSI_SSK_LEN], uint8_t pvt[ECCSI_PVT_LEN])
{
	enum lim_err rc = LIM_E_CRYPTO;
	struct ec e;
	BIGNUM *k = NULL, *vv = NULL, *t = NULL, *sk = NULL, *hsn = NULL;
	EC_POINT *p = NULL;
	uint8_t kpak[ECCSI_KPAK_LEN], hs[N];
	int tries = 0;

	if (!ec_open(&e, true))
		goto out;
	if (!ksak || (!id && idlen) || !ssk || !pvt) {
		rc = LIM_E_ARG;
		goto out;
	}
	if (!(k = bn_secret()) || !(vv = bn_secret()) || !(t = bn_secret()) ||
	    !(sk = bn_secret()) || !(hsn = BN_new()) || !(p = EC_POINT_new(e.grp)))
		goto out;
	if (!BN_bin2bn(ksak, ECCSI_KSAK_LEN, k))
		goto out;
	if (!in_fq_star(k, e.q)) {
		rc = LIM_E_ARG;
		goto out;
	}
	if (!kpak_of(&e, k, kpak))
		goto out;
	for (;;) {
		/* s5.1.1 step 1: v in F_q* */
		rc = pick_scalar(&e, v, vv, &tries);
		if (rc != LIM_OK)
			goto out;
		rc = LIM_E_CRYPTO;
		/* step 2: PVT = [v]G */
		if (!EC_POINT_mul(e.grp, p, vv, NULL, NULL, e.bn) || !point_store(&e, p, pvt))
			goto out;
		/* step 3: HS = hash(G || KPAK || ID || PVT) */
		if (!hash_hs(&e, kpak, id, idlen, pvt, hs) || !BN_bin2bn(hs, N, hsn))
			goto out;
		/* step 4: SSK = (KSAK + HS * v) mod q */
		if (!BN_mod_mul(t, hsn, vv, e.q, e.bn) || !BN_mod_add(sk, k, t, e.q, e.bn))
			goto out;
		/* step 5: SSK or HS zero modulo q -> restart with a fresh v */
		if (!BN_nnmod(t, hsn, e.q, e.bn))
			goto out;
		if (!BN_is_zero(sk) && !BN_is_zero(t))
			break;
		if (v) {
			rc = LIM_E_ARG;
			goto out;
		}
	}
	if (BN_bn2binpad(sk, ssk, ECCSI_SSK_LEN) != ECCSI_SSK_LEN)
		goto out;
	rc = LIM_OK;
out:
	if (rc != LIM_OK) {
		lim_wipe(ssk, ECCSI_SSK_LEN);
		lim_wipe(pvt, ECCSI_PVT_LEN);
	}
	LIM_WIPE(hs);
	LIM_WIPE(kpak);
	BN_clear_free(k);
	BN_clear_free(vv);
	BN_clear_free(t);
	BN_clear_free(sk);
	BN_free(hsn);
	EC_POINT_clear_free(p);
	ec_close(&e);
	return rc;
}

/* see eccsi.h */
enum lim_err eccsi_validate(const uint8_t kpak[ECCSI_KPAK_LEN], const uint8_t *id, size_t idlen,
			    const uint8_t ssk[ECCSI_SSK_LEN], const uint8_t pvt[ECCSI_PVT_LEN])
{
	enum lim_err rc = LIM_E_AUTH;
	struct ec e;
	BIGNUM *sk = NULL, *hsn = NULL;
	EC_POINT *kp = NULL, *pv = NULL, *l = NULL, *r = NULL;
	uint8_t hs[N];

	if (!ec_open(&e, true))
		goto out;
	if (!kpak || (!id && idlen) || !ssk || !pvt)
		goto out;
	if (!(sk = bn_secret()) || !(hsn = BN_new()) || !(kp = EC_POINT_new(e.grp)) ||
	    !(pv = EC_POINT_new(e.grp)) || !(l = EC_POINT_new(e.grp)) || !(r = EC_POINT_new(e.grp)))
		goto out;
	/* s5.1.2 step 1: PVT (and KPAK) on the curve */
	if (!point_load(&e, kpak, kp) || !point_load(&e, pvt, pv))
		goto out;
	if (!BN_bin2bn(ssk, ECCSI_SSK_LEN, sk) || !in_fq_star(sk, e.q))
		goto out;
	/* step 2: HS */
	if (!hash_hs(&e, kpak, id, idlen, pvt, hs) || !BN_bin2bn(hs, N, hsn))
		goto out;
	/* step 3: [SSK]G == KPAK + [HS]PVT */
	if (!EC_POINT_mul(e.grp, l, sk, NULL, NULL, e.bn) ||
	    !EC_POINT_mul(e.grp, r, NULL, pv, hsn, e.bn) || !EC_POINT_add(e.grp, r, r, kp, e.bn))
		goto out;
	if (EC_POINT_cmp(e.grp, l, r, e.bn) == 0)
		rc = LIM_OK;
out:
	LIM_WIPE(hs);
	BN_clear_free(sk);
	BN_free(hsn);
	EC_POINT_free(kp);
	EC_POINT_free(pv);
	EC_POINT_clear_free(l);
	EC_POINT_free(r);
	ec_close(&e);
	return rc;
}

/* see eccsi.h */
enum lim_err eccsi_sign(const uint8_t kpak[ECCSI_KPAK_LEN], const uint8_t *id, size_t idlen,
			const uint8_t ssk[ECCSI_SSK_LEN], const uint8_t pvt[ECCSI_PVT_LEN],
			const uint8_t *msg, size_t msglen, const uint8_t *j,
			uint8_t sig[ECCSI_SIG_LEN])
{
	enum lim_err rc = LIM_E_CRYPTO;
	struct ec e;
	BIGNUM *sk = NULL, *jj = NULL, *t = NULL, *inv = NULL, *s = NULL, *r = NULL, *he = NULL;
	EC_POINT *kp = NULL, *pv = NULL, *jp = NULL;
	uint8_t hs[N], rb[N], heb[N];
	int tries = 0;

	if (!ec_open(&e, true))
		goto out;
	if (!kpak || (!id && idlen) || !ssk || !pvt || (!msg && msglen) || !sig) {
		rc = LIM_E_ARG;
		goto out;
	}
	if (!(sk = bn_secret()) || !(jj = bn_secret()) || !(t = bn_secret()) ||
	    !(inv = bn_secret()) || !(s = bn_secret()) || !(r = BN_new()) || !(he = BN_new()) ||
	    !(kp = EC_POINT_new(e.grp)) || !(pv = EC_POINT_new(e.grp)) ||
	    !(jp = EC_POINT_new(e.grp)))
		goto out;
	if (!point_load(&e, kpak, kp) || !point_load(&e, pvt, pv)) {
		rc = LIM_E_ARG;
		goto out;
	}
	if (!BN_bin2bn(ssk, ECCSI_SSK_LEN, sk))
		goto out;
	if (!in_fq_star(sk, e.q)) {
		rc = LIM_E_ARG;
		goto out;
	}
	/* s5.2.1 step 3: HS = hash(G || KPAK || ID || PVT) */
	if (!hash_hs(&e, kpak, id, idlen, pvt, hs))
		goto out;
	for (;;) {
		/* step 1: j in F_q* */
		rc = pick_scalar(&e, j, jj, &tries);
		if (rc != LIM_OK)
			goto out;
		rc = LIM_E_CRYPTO;
		/* step 2: J = [j]G, r = Jx (kept in [1, q-1] so that verifiers accept it) */
		if (!EC_POINT_mul(e.grp, jp, jj, NULL, NULL, e.bn) ||
		    !EC_POINT_get_affine_coordinates(e.grp, jp, r, NULL, e.bn))
			goto out;
		if (in_fq_star(r, e.q)) {
			if (BN_bn2binpad(r, rb, N) != N)
				goto out;
			/* step 4: HE = hash(HS || r || M) */
			if (!sha256_4(hs, N, rb, N, msg, msglen, NULL, 0, heb) ||
			    !BN_bin2bn(heb, N, he))
				goto out;
			/* step 5: HE + r * SSK must be non-zero mod q */
			if (!BN_mod_mul(t, r, sk, e.q, e.bn) || !BN_mod_add(t, t, he, e.q, e.bn))
				goto out;
			if (!BN_is_zero(t))
				break;
		}
		if (j) {
			rc = LIM_E_ARG;
			goto out;
		}
	}
	/* step 6: s' = ((HE + r * SSK)^-1 * j) mod q; step 7: s = s' (q < 2^256, s' fits N) */
	if (!BN_mod_inverse(inv, t, e.q, e.bn) || !BN_mod_mul(s, inv, jj, e.q, e.bn))
		goto out;
	/* step 8: Signature = r || s || PVT */
	memcpy(sig, rb, N);
	if (BN_bn2binpad(s, sig + N, N) != N)
		goto out;
	memcpy(sig + 2 * N, pvt, ECCSI_PVT_LEN);
	rc = LIM_OK;
out:
	if (rc != LIM_OK)
		lim_wipe(sig, ECCSI_SIG_LEN);
	LIM_WIPE(hs);
	LIM_WIPE(rb);
	LIM_WIPE(heb);
	BN_clear_free(sk);
	BN_clear_free(jj);
	BN_clear_free(t);
	BN_clear_free(inv);
	BN_clear_free(s);
	BN_free(r);
	BN_free(he);
	EC_POINT_free(kp);
	EC_POINT_free(pv);
	EC_POINT_clear_free(jp);
	ec_close(&e);
	return rc;
}

/* see eccsi.h */
enum lim_err eccsi_verify(const uint8_t kpak[ECCSI_KPAK_LEN], const uint8_t *id, size_t idlen,
			  const uint8_t *msg, size_t msglen, const uint8_t *sig, size_t siglen)
{
	enum lim_err rc = LIM_E_AUTH;
	struct ec e;
	BIGNUM *r = NULL, *s = NULL, *hsn = NULL, *he = NULL, *a = NULL, *b = NULL, *jx = NULL;
	EC_POINT *kp = NULL, *pv = NULL, *y = NULL, *jp = NULL;
	uint8_t hs[N], heb[N];
	const uint8_t *pvt = sig ? sig + 2 * N : NULL;

	if (!ec_open(&e, false))
		goto out;
	if (!kpak || !sig || siglen != ECCSI_SIG_LEN || (!id && idlen) || (!msg && msglen))
		goto out;
	if (!(r = BN_new()) || !(s = BN_new()) || !(hsn = BN_new()) || !(he = BN_new()) ||
	    !(a = BN_new()) || !(b = BN_new()) || !(jx = BN_new()) || !(kp = EC_POINT_new(e.grp)) ||
	    !(pv = EC_POINT_new(e.grp)) || !(y = EC_POINT_new(e.grp)) ||
	    !(jp = EC_POINT_new(e.grp)))
		goto out;
	/* r = Jx is an element of F_p* (s5.2.2 step 6 compares it with Jx, not reduced mod q:
	 * r >= p would alias r - p); s in F_q* */
	if (!BN_bin2bn(sig, N, r) || !BN_bin2bn(sig + N, N, s) ||
	    !in_fq_star(r, EC_GROUP_get0_field(e.grp)) || !in_fq_star(s, e.q))
		goto out;
	/* s5.2.2 step 1: PVT on the curve (and KPAK, which the caller should have checked) */
	if (!point_load(&e, kpak, kp) || !point_load(&e, pvt, pv))
		goto out;
	/* step 2: HS = hash(G || KPAK || ID || PVT); step 3: HE = hash(HS || r || M) */
	if (!hash_hs(&e, kpak, id, idlen, pvt, hs) || !BN_bin2bn(hs, N, hsn))
		goto out;
	if (!sha256_4(hs, N, sig, N, msg, msglen, NULL, 0, heb) || !BN_bin2bn(heb, N, he))
		goto out;
	/* step 4: Y = [HS]PVT + KPAK */
	if (!EC_POINT_mul(e.grp, y, NULL, pv, hsn, e.bn) || !EC_POINT_add(e.grp, y, y, kp, e.bn))
		goto out;
	if (EC_POINT_is_at_infinity(e.grp, y))
		goto out;
	/* step 5: J = [s]([HE]G + [r]Y), evaluated as [s*HE mod q]G + [s*r mod q]Y: the same
	 * point, as G and Y lie in the group of prime order q (cofactor 1), with one
	 * two-scalar multiplication instead of three. */
	if (!BN_mod_mul(a, s, he, e.q, e.bn) || !BN_mod_mul(b, s, r, e.q, e.bn))
		goto out;
	if (!EC_POINT_mul(e.grp, jp, a, y, b, e.bn) || EC_POINT_is_at_infinity(e.grp, jp))
		goto out;
	/* step 6: Jx == r (mod p; both are already reduced) and Jx non-zero (r > 0 above) */
	if (!EC_POINT_get_affine_coordinates(e.grp, jp, jx, NULL, e.bn))
		goto out;
	if (BN_cmp(jx, r) == 0)
		rc = LIM_OK;
out:
	BN_free(r);
	BN_free(s);
	BN_free(hsn);
	BN_free(he);
	BN_free(a);
	BN_free(b);
	BN_free(jx);
	EC_POINT_free(kp);
	EC_POINT_free(pv);
	EC_POINT_free(y);
	EC_POINT_free(jp);
	ec_close(&e);
	return rc;
}
