/* libFuzzer target: what the pipeline does with a parsed I_MESSAGE once a warrant matched -
 * identifier candidates, SAKKE unwrap (with the RSK, and with a receiver context), ECCSI verify,
 * SRTP key derivation, the GMK facts - and the raw SAKKE and ECCSI decoders on hostile octets.
 * The keys are the harness's own, so a hostile message reaches every check before the
 * decapsulation; no random octets may pass an ECCSI verification. Input: one selector octet,
 * then the message (bits 0-1: 0/1 an I_MESSAGE, 2 a SAKKE Encapsulated Data, 3 an ECCSI
 * message and signature; the other bits choose the identifier configuration). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decrypt/eccsi.h"
#include "decrypt/gmk.h"
#include "decrypt/mikey.h"
#include "decrypt/sakke.h"
#include "decrypt/unwrap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t Z[SAKKE_POINT_LEN], rsk[SAKKE_POINT_LEN], kpak[ECCSI_KPAK_LEN];
static uint8_t ssk[ECCSI_SSK_LEN], pvt[ECCSI_PVT_LEN];
static struct sakke_rsk_ctx *ctx;
static const uint8_t id[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
				1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
static const uint8_t tgk[16] = { 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9 };

static void setup(void)
{
	uint8_t z[SAKKE_P_LEN], ksak[ECCSI_KSAK_LEN], v[32];
	memset(z, 0, sizeof z);
	z[127] = 0x35;
	z[100] = 0x11;
	memset(ksak, 0x22, sizeof ksak);
	memset(v, 0x33, sizeof v);
	if (sakke_kms_public(z, sizeof z, Z) != LIM_OK ||
	    sakke_rsk_issue(z, sizeof z, id, sizeof id, rsk) != LIM_OK ||
	    sakke_rsk_ctx_new(Z, id, sizeof id, rsk, &ctx) != LIM_OK ||
	    eccsi_kpak_from_ksak(ksak, kpak) != LIM_OK ||
	    eccsi_issue(ksak, id, sizeof id, v, ssk, pvt) != LIM_OK)
		abort();
}

static void imessage(uint8_t sel, const uint8_t *data, size_t size)
{
	static struct mikey_msg m;
	struct mikey_ident_cfg cfg;
	struct mikey_ident cand[MIKEY_IDENT_CANDIDATES], used;
	struct mikey_srtp_key keys[MIKEY_MAX_KEYS];
	struct mikey_gmk g;
	uint8_t ssv[SAKKE_SSV_LEN];
	size_t n = 0;
	const char *why;
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy)
		return;
	if (size)
		memcpy(copy, data, size);
	if (mikey_parse(copy, size, &m) != LIM_OK) {
		free(copy);
		return;
	}
	memset(&cfg, 0, sizeof cfg);
	if (sel & 4) {
		cfg.has_period = true;
		cfg.period = (sel & 8) ? 2592000 : 0;
		cfg.offset = (sel & 16) ? 0xffffffffffffull : 0;
	}
	if (sel & 32) {
		cfg.uri = "sip:a@b";
		cfg.urilen = 7;
	}
	if (sel & 64) {
		cfg.kms_uri = "kms.example.org";
		cfg.kmslen = 15;
	}
	(void)!mikey_check_sakke_imessage(&m, &why);
	for (int r = 0; r < 2; r++)
		if (mikey_ident_candidates(&m, r, &cfg, cand, &n) == LIM_OK &&
		    n > MIKEY_IDENT_CANDIDATES)
			abort();
	if (sel & 128)
		(void)!mikey_sakke_unwrap_ctx(&m, ctx, ssv);
	else
		(void)!mikey_sakke_unwrap(&m, Z, rsk, &cfg, ssv, &used);
	(void)!mikey_sakke_verify(&m, kpak, &cfg, &used);
	for (int d = MIKEY_SRTP_DEF_RFC3830; d <= MIKEY_SRTP_DEF_MCX_GMK; d++) {
		if (mikey_srtp_keys(&m, tgk, sizeof tgk, (enum mikey_srtp_def)d, keys, &n) ==
			    LIM_OK &&
		    n > MIKEY_MAX_KEYS)
			abort();
		mikey_srtp_keys_wipe(keys, MIKEY_MAX_KEYS);
	}
	if (mikey_gmk_check(&m, &why) == LIM_OK &&
	    mikey_gmk_facts(&m, tgk, sizeof tgk, (sel & 1) ? "sip:a@b" : NULL, (sel & 1) ? 7 : 0,
			    &g) == LIM_OK)
		mikey_gmk_wipe(&g);
	free(copy);
}

static void sed(uint8_t sel, const uint8_t *data, size_t size)
{
	uint8_t ssv[SAKKE_SSV_LEN];
	uint8_t *p = malloc(size ? size : 1);
	if (!p)
		return;
	if (size)
		memcpy(p, data, size);
	(void)!sakke_decapsulate(Z, id, sizeof id, rsk, p, size, ssv);
	(void)!sakke_rsk_ctx_decapsulate(ctx, p, size, ssv);
	if (size >= SAKKE_POINT_LEN && (sel & 4)) {
		/* the octets as an RSK, then as a KMS public key */
		(void)!sakke_rsk_validate(p, id, sizeof id, rsk);
		(void)!sakke_rsk_validate(Z, id, sizeof id, p);
	}
	if (size >= SAKKE_POINT_LEN && (sel & 8))
		(void)!sakke_decapsulate(p, id, sizeof id, p, p,
					 size >= SAKKE_SED_LEN ? SAKKE_SED_LEN : size, ssv);
	free(p);
}

static void sig(const uint8_t *data, size_t size)
{
	uint8_t *p = malloc(size ? size : 1);
	if (!p)
		return;
	if (size)
		memcpy(p, data, size);
	if (eccsi_verify(kpak, id, sizeof id, p, size / 2, p + size / 2, size - size / 2) == LIM_OK)
		abort(); /* a forgery under the harness's KPAK */
	if (size >= ECCSI_SIG_LEN)
		(void)!eccsi_verify(kpak, id, sizeof id, p, 3, p, ECCSI_SIG_LEN);
	if (size >= ECCSI_KPAK_LEN + ECCSI_SSK_LEN) {
		/* the octets as a KPAK, then as an SSK and PVT */
		(void)!eccsi_validate(p, id, sizeof id, ssk, pvt);
		(void)!eccsi_validate(kpak, id, sizeof id, p + ECCSI_KPAK_LEN, p);
		(void)!eccsi_verify(p, id, sizeof id, data, 1, p,
				    size > ECCSI_SIG_LEN ? ECCSI_SIG_LEN : size);
	}
	free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t sel;
	if (!ctx)
		setup();
	if (size < 1)
		return 0;
	sel = data[0];
	switch (sel & 3) {
	case 0:
	case 1: imessage(sel, data + 1, size - 1); break;
	case 2: sed(sel, data + 1, size - 1); break;
	default: sig(data + 1, size - 1); break;
	}
	return 0;
}
