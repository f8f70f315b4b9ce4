/* ECCSI verification speed: limf eccsi_verify vs Debian libwolfssl wc_VerifyEccsiHash on the
 * RFC 6507 App. A signature, in the same run. Prints the median microseconds per verification
 * of each and their ratio; exits 1 if the two disagree on validity (KAT and a mutated twin).
 * The wolfSSL side is timed as a verifier of a fresh signature must run it: PVT decoded from
 * the signature, HS = wc_HashEccsiId, wc_SetEccsiHash, wc_VerifyEccsiHash; its KPAK is
 * imported once, outside the loop (limf parses KPAK on every call). */
#include <wolfssl/options.h>
#include <wolfssl/version.h>
#include <wolfssl/wolfcrypt/eccsi.h>
#include <wolfssl/wolfcrypt/wc_port.h>

#include <openssl/crypto.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/codec.h"
#include "decrypt/eccsi.h"

#define ITERS  1000
#define WARMUP 50

/* RFC 6507 App. A (tests/kat/rfc6507.vec) */
static const char KPAK[] = "0450d4670bde75244f28d2838a0d25558a7a72686d4522d4c8273fb6442aebfa93db"
			   "dd37551afd263b5dfd617f3960c65a8c298850ff99f20366dce7d4367217f4";
static const char SIG[] = "269d4c8fdeb66a74e4ef8c0d5dcc597ddfe6029c2affc4936008cd2cc1045d81e09b"
			  "528d0ef8d6df1aa3ecbf80110cfcec9fc68252cebb679f4134846940ccfd04758a14"
			  "2779be89e829e71984cb40ef758cc4ad775fc5b9a3e1c8ed52f6fa36d9a79d247692"
			  "f4eda3a6bdab77d6aa6474a464ae4934663c5265ba7018ba091f79";
static const uint8_t ID[] = "2011-02\0tel:+447700900123"; /* 26 octets with the final NUL */
static const uint8_t MSG[] = "message";                   /* 8 octets with the final NUL */

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof *v, cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* 1 valid, 0 invalid, -1 error */
static int wolf_verify(EccsiKey *key, ecc_point *pvt, const uint8_t *sig)
{
	byte hs[WC_MAX_DIGEST_SIZE], hsz = sizeof hs;
	int ok = 0;
	if (wc_DecodeEccsiPvtFromSig(key, sig, ECCSI_SIG_LEN, pvt) != 0)
		return 0; /* a malformed PVT is an invalid signature */
	if (wc_HashEccsiId(key, WC_HASH_TYPE_SHA256, ID, sizeof ID, pvt, hs, &hsz) != 0 ||
	    wc_SetEccsiHash(key, hs, hsz) != 0)
		return -1;
	if (wc_VerifyEccsiHash(key, WC_HASH_TYPE_SHA256, MSG, sizeof MSG, sig, ECCSI_SIG_LEN,
			       &ok) != 0)
		return 0;
	return ok ? 1 : 0;
}

int main(void)
{
	uint8_t kpak[ECCSI_KPAK_LEN], sig[ECCSI_SIG_LEN], bad[ECCSI_SIG_LEN];
	size_t n = 0;
	static double tl[ITERS], tw[ITERS];
	EccsiKey key;
	ecc_point *pvt = NULL;
	int rc = 1;

	if (lim_hex_decode(KPAK, strlen(KPAK), kpak, sizeof kpak, &n) != LIM_OK ||
	    n != sizeof kpak || lim_hex_decode(SIG, strlen(SIG), sig, sizeof sig, &n) != LIM_OK ||
	    n != sizeof sig)
		return 2;
	memcpy(bad, sig, sizeof sig);
	bad[40] ^= 0x01; /* s mutated */
	if (wolfCrypt_Init() != 0 || wc_InitEccsiKey(&key, NULL, INVALID_DEVID) != 0)
		return 2;
	if (wc_ImportEccsiPublicKey(&key, kpak, sizeof kpak, 0) != 0 ||
	    !(pvt = wc_ecc_new_point())) {
		fprintf(stderr, "wolfSSL: cannot import KPAK\n");
		goto out;
	}

	/* agreement on validity */
	int l_ok = eccsi_verify(kpak, ID, sizeof ID, MSG, sizeof MSG, sig, sizeof sig) == LIM_OK;
	int l_bad = eccsi_verify(kpak, ID, sizeof ID, MSG, sizeof MSG, bad, sizeof bad) == LIM_OK;
	int w_ok = wolf_verify(&key, pvt, sig), w_bad = wolf_verify(&key, pvt, bad);
	printf("validity: KAT limf=%d wolfSSL=%d; mutated limf=%d wolfSSL=%d\n", l_ok, w_ok, l_bad,
	       w_bad);
	if (l_ok != 1 || w_ok != 1 || l_bad != 0 || w_bad != 0) {
		fprintf(stderr, "limf and wolfSSL disagree (or a KAT failed)\n");
		goto out;
	}

	for (int i = 0; i < WARMUP; i++) {
		if (eccsi_verify(kpak, ID, sizeof ID, MSG, sizeof MSG, sig, sizeof sig) != LIM_OK ||
		    wolf_verify(&key, pvt, sig) != 1)
			goto out;
	}
	/* interleaved so that both see the same machine state */
	for (int i = 0; i < ITERS; i++) {
		double t0 = (double)lim_mono_ns() / 1e3;
		int a = eccsi_verify(kpak, ID, sizeof ID, MSG, sizeof MSG, sig, sizeof sig) ==
			LIM_OK;
		double t1 = (double)lim_mono_ns() / 1e3;
		int b = wolf_verify(&key, pvt, sig);
		double t2 = (double)lim_mono_ns() / 1e3;
		if (a != 1 || b != 1) {
			fprintf(stderr, "iteration %d: limf=%d wolfSSL=%d\n", i, a, b);
			goto out;
		}
		tl[i] = t1 - t0;
		tw[i] = t2 - t1;
	}
	double ml = median(tl, ITERS), mw = median(tw, ITERS);
	printf("ECCSI verify (RFC 6507 App. A, P-256/SHA-256), median of %d:\n", ITERS);
	printf("  limf eccsi_verify (%s): %8.1f us\n", OpenSSL_version(OPENSSL_VERSION), ml);
	printf("  wolfSSL %s wc_VerifyEccsiHash:   %8.1f us\n", LIBWOLFSSL_VERSION_STRING, mw);
	printf("  ratio limf/wolfSSL: %.2f\n", ml / mw);
	rc = 0;
out:
	if (pvt)
		wc_ecc_del_point(pvt);
	wc_FreeEccsiKey(&key);
	wolfCrypt_Cleanup();
	return rc;
}
