/* bench_sakke: median CPU milliseconds per SAKKE decapsulation (RFC 6508 s6.2.2, with the re-check)
 * of the RFC 6508 Appendix A SED, limf (decrypt/sakke.h) against Debian's libwolfssl in the same
 * run. Both must recover the KAT SSV: any mismatch or failure exits 1. */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/sakke.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/codec.h"
#include "decrypt/sakke.h"

#define VEC_PATH "tests/kat/rfc6508.vec"
#define MAX_RUNS 64

static uint8_t Z[257], K[257], id[26], ssv_kat[16], sed[273];
static double budget_ms = 8000.0; /* per measured variant */

/* Thread CPU time: the build machine is shared, and CPU time is far less noisy than wall time
 * when other processes compete for the cores. */
static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static int vec_get(const char *txt, const char *name, uint8_t *out, size_t n)
{
	size_t nl = strlen(name), got = 0;
	const char *s = txt;
	while (s && *s) {
		const char *eol = strchr(s, '\n');
		size_t len = eol ? (size_t)(eol - s) : strlen(s);
		if (len > nl + 3 && memcmp(s, name, nl) == 0 && memcmp(s + nl, " = ", 3) == 0)
			return lim_hex_decode(s + nl + 3, len - nl - 3, out, n, &got) == LIM_OK &&
			       got == n;
		s = eol ? eol + 1 : NULL;
	}
	return 0;
}

static int load(void)
{
	static char txt[16384];
	uint8_t x[128], y[128];
	FILE *f = fopen(VEC_PATH, "rb");
	if (!f)
		return 0;
	size_t n = fread(txt, 1, sizeof txt - 1, f);
	fclose(f);
	txt[n] = '\0';
	if (!vec_get(txt, "Zx", x, 128) || !vec_get(txt, "Zy", y, 128))
		return 0;
	Z[0] = 4;
	memcpy(Z + 1, x, 128);
	memcpy(Z + 129, y, 128);
	if (!vec_get(txt, "Kx", x, 128) || !vec_get(txt, "Ky", y, 128))
		return 0;
	K[0] = 4;
	memcpy(K + 1, x, 128);
	memcpy(K + 129, y, 128);
	return vec_get(txt, "b", id, sizeof id) && vec_get(txt, "SSV", ssv_kat, 16) &&
	       vec_get(txt, "SED", sed, sizeof sed);
}

/* One decapsulation per call; returns 0 if it recovered the KAT SSV. */
typedef int (*decap_fn)(void *arg);

/* Median over runs within the time budget (at least 5). -1 on failure. */
static double measure(const char *name, decap_fn fn, void *arg)
{
	double t[MAX_RUNS], start = now_ms();
	int n = 0;
	if (fn(arg) != 0) { /* warm-up and correctness */
		printf("%-44s FAILED (SSV mismatch or error)\n", name);
		return -1;
	}
	while (n < MAX_RUNS && (n < 5 || now_ms() - start < budget_ms)) {
		double t0 = now_ms();
		if (fn(arg) != 0) {
			printf("%-44s FAILED (SSV mismatch or error)\n", name);
			return -1;
		}
		t[n++] = now_ms() - t0;
	}
	qsort(t, (size_t)n, sizeof t[0], cmp_d);
	double med = n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
	printf("%-44s median %8.3f ms CPU  (%d runs)\n", name, med, n);
	return med;
}

static int limf_scratch(void *arg)
{
	uint8_t ssv[16];
	(void)arg;
	if (sakke_decapsulate(Z, id, sizeof id, K, sed, sizeof sed, ssv) != LIM_OK)
		return 1;
	return memcmp(ssv, ssv_kat, 16) != 0;
}

static int limf_ctx(void *arg)
{
	uint8_t ssv[16];
	if (sakke_rsk_ctx_decapsulate(arg, sed, sizeof sed, ssv) != LIM_OK)
		return 1;
	return memcmp(ssv, ssv_kat, 16) != 0;
}

/* wolfSSL from scratch: fresh key, import Z, decode and set the RSK (no table), set the
 * identity, derive. */
static int wolf_run(void *arg)
{
	SakkeKey key;
	ecc_point *rsk = NULL;
	byte ssv[16];
	int ok = 1;
	(void)arg;
	if (wc_InitSakkeKey(&key, NULL, INVALID_DEVID) != 0)
		return 1;
	rsk = wc_ecc_new_point();
	if (!rsk || wc_ImportSakkePublicKey(&key, Z + 1, 256, 1) != 0 ||
	    wc_DecodeSakkeRsk(&key, K + 1, 256, rsk) != 0 ||
	    wc_SetSakkeRsk(&key, rsk, NULL, 0) != 0 ||
	    wc_SetSakkeIdentity(&key, id, sizeof id) != 0)
		goto out;
	memcpy(ssv, sed + 257, 16);
	if (wc_DeriveSakkeSSV(&key, WC_HASH_TYPE_SHA256, ssv, 16, sed, 257) != 0)
		goto out;
	ok = memcmp(ssv, ssv_kat, 16) != 0;
out:
	if (rsk)
		wc_ecc_del_point(rsk);
	wc_FreeSakkeKey(&key);
	return ok;
}

/* wolfSSL with everything prepared once (RSK table, point-I table): time only the derive. */
struct wolf_ready {
	SakkeKey key;
	ecc_point *rsk;
	byte *table, *itable;
};

static int wolf_ready_setup(struct wolf_ready *r, int use_table, int use_pointi)
{
	word32 len = 0, ilen = 0;
	memset(r, 0, sizeof *r);
	if (wc_InitSakkeKey(&r->key, NULL, INVALID_DEVID) != 0)
		return 1;
	r->rsk = wc_ecc_new_point();
	if (!r->rsk || wc_ImportSakkePublicKey(&r->key, Z + 1, 256, 1) != 0 ||
	    wc_DecodeSakkeRsk(&r->key, K + 1, 256, r->rsk) != 0)
		return 1;
	if (use_table) {
		(void)wc_GenerateSakkeRskTable(&r->key, r->rsk, NULL, &len);
		r->table = malloc(len);
		if (!r->table || wc_GenerateSakkeRskTable(&r->key, r->rsk, r->table, &len) != 0)
			return 1;
	}
	if (wc_SetSakkeRsk(&r->key, r->rsk, r->table, len) != 0 ||
	    wc_SetSakkeIdentity(&r->key, id, sizeof id) != 0)
		return 1;
	if (use_pointi) {
		if (wc_MakeSakkePointI(&r->key, id, sizeof id) != 0)
			return 1;
		(void)wc_GenerateSakkePointITable(&r->key, NULL, &ilen);
		r->itable = malloc(ilen ? ilen : 1);
		if (!r->itable || wc_GenerateSakkePointITable(&r->key, r->itable, &ilen) != 0 ||
		    wc_SetSakkePointITable(&r->key, r->itable, ilen) != 0)
			return 1;
	}
	return 0;
}

static int wolf_ready_run(void *arg)
{
	struct wolf_ready *r = arg;
	byte ssv[16];
	memcpy(ssv, sed + 257, 16);
	if (wc_DeriveSakkeSSV(&r->key, WC_HASH_TYPE_SHA256, ssv, 16, sed, 257) != 0)
		return 1;
	return memcmp(ssv, ssv_kat, 16) != 0;
}

static void wolf_ready_free(struct wolf_ready *r)
{
	if (r->rsk)
		wc_ecc_del_point(r->rsk);
	wc_FreeSakkeKey(&r->key);
	free(r->table);
	free(r->itable);
}

int main(void)
{
	struct sakke_rsk_ctx *ctx = NULL;
	struct wolf_ready wr = { 0 };
	int fail = 0;
	if (!load()) {
		fprintf(stderr, "bench_sakke: cannot read %s (run from the repo root)\n", VEC_PATH);
		return 1;
	}
	if (getenv("BENCH_MS"))
		budget_ms = atof(getenv("BENCH_MS"));
	if (wolfCrypt_Init() != 0)
		return 1;
	double t0 = now_ms();
	if (sakke_rsk_ctx_new(Z, id, sizeof id, K, &ctx) != LIM_OK) {
		fprintf(stderr, "bench_sakke: sakke_rsk_ctx_new failed\n");
		return 1;
	}
	printf("limf sakke_rsk_ctx_new (once per RSK): %.3f ms\n", now_ms() - t0);
	double a = measure("(a) limf sakke_decapsulate (scratch)", limf_scratch, NULL);
	double b = measure("(b) limf sakke_rsk_ctx_decapsulate (cached)", limf_ctx, ctx);
	double c = measure("(c) wolfSSL wc_DeriveSakkeSSV (scratch)", wolf_run, NULL);
	double d = -1, e = -1;
	if (wolf_ready_setup(&wr, 1, 0) == 0)
		d = measure("(d) wolfSSL derive, RSK table", wolf_ready_run, &wr);
	else
		printf("(d) wolfSSL RSK table setup FAILED\n");
	wolf_ready_free(&wr);
	if (wolf_ready_setup(&wr, 1, 1) == 0)
		e = measure("(e) wolfSSL derive, RSK table + point-I table", wolf_ready_run, &wr);
	else
		printf("(e) wolfSSL RSK + I table setup FAILED\n");
	wolf_ready_free(&wr);
	sakke_rsk_ctx_free(ctx);
	if (a < 0 || b < 0 || c < 0 || d < 0 || e < 0)
		fail = 1;
	if (!fail) {
		double best = d < e ? d : e;
		printf("ratio (c)/(a) wolfSSL scratch / limf scratch    : %.2fx\n", c / a);
		printf("ratio (c)/(b) wolfSSL scratch / limf cached ctx : %.2fx\n", c / b);
		printf("ratio best(d,e)/(b) wolfSSL tables / limf ctx   : %.2fx\n", best / b);
	}
	wolfCrypt_Cleanup();
	return fail;
}
