/* test_decrypt suites "interop_unwrap", "interop_keys", "interop_srtp": the four real vendor
 * I_MESSAGEs of tests/kat/mcx_unwrap.vec opened end to end through decrypt/unwrap.h — identity
 * from the message and derived from the URI, SAKKE decapsulation with the re-check, ECCSI over
 * the coverage found in the field, SRTP master keys, and libsrtp2 decrypting with them. */
#include <openssl/rand.h>

#include "common/wipe.h"
#include "decrypt/eccsi.h"
#include "decrypt/mikey.h"
#include "decrypt/sakke.h"
#include "decrypt/srtp.h"
#include "decrypt/uid.h"
#include "decrypt/unwrap.h"
#include "tests/unit/decrypt_suites.h"

#define VEC "tests/kat/mcx_unwrap.vec"

static const char *const names[] = { "pck", "gmk", "csk", "gmk_iwf" };

struct imsg {
	uint8_t msg[1024];
	size_t len;
	struct mikey_msg m;
	uint8_t rsk[SAKKE_POINT_LEN];
	char uri[128];
	size_t urilen;
	uint8_t ssv[SAKKE_SSV_LEN];
};

static char *vec;
static uint8_t Z[SAKKE_POINT_LEN], kpak[ECCSI_KPAK_LEN];

static int get(const char *name, uint8_t *out, size_t want)
{
	size_t n;
	if (lim_t_vec_hex(vec, name, out, want, &n) != 0 || n != want) {
		fprintf(stderr, "%s: %s: want %zu octets\n", VEC, name, want);
		return -1;
	}
	return 0;
}

/* Loads test t; 0 on success. */
static int load(size_t t, struct imsg *im)
{
	char key[64], who[32];
	if (!vec)
		vec = lim_t_read_file(VEC, NULL);
	if (get("Z", Z, sizeof Z) || get("kpak", kpak, sizeof kpak))
		return -1;
	snprintf(key, sizeof key, "%s_msg", names[t]);
	if (lim_t_vec_hex(vec, key, im->msg, sizeof im->msg, &im->len))
		return -1;
	if (mikey_parse(im->msg, im->len, &im->m) != LIM_OK)
		return -1;
	snprintf(key, sizeof key, "%s_ssv", names[t]);
	if (get(key, im->ssv, sizeof im->ssv))
		return -1;
	/* the responder's name is stored as ASCII hex of e.g. "bob" */
	snprintf(key, sizeof key, "%s_responder", names[t]);
	{
		const char *p = strstr(vec, key);
		size_t i = 0;
		if (!p)
			return -1;
		p += strlen(key) + 3;
		while (p[i] && p[i] != '\n' && i < sizeof who - 1) {
			who[i] = p[i];
			i++;
		}
		who[i] = '\0';
	}
	snprintf(key, sizeof key, "%s_rsk", who);
	if (get(key, im->rsk, sizeof im->rsk))
		return -1;
	snprintf(key, sizeof key, "%s_uri", who);
	if (lim_t_vec_hex(vec, key, (uint8_t *)im->uri, sizeof im->uri - 1, &im->urilen))
		return -1;
	im->uri[im->urilen] = '\0';
	return 0;
}

static void t_unwrap(void)
{
	for (size_t t = 0; t < sizeof names / sizeof names[0]; t++) {
		struct imsg im;
		struct mikey_ident used;
		struct mikey_ident_cfg cfg;
		uint8_t ssv[SAKKE_SSV_LEN];
		static const char kms[] = "kms.mydev.streamwide.com";

		CHECK(load(t, &im) == 0);
		/* 1. the responder UID as carried in the message */
		memset(&cfg, 0, sizeof cfg);
		CHECK(mikey_sakke_unwrap(&im.m, Z, im.rsk, &cfg, ssv, &used) == LIM_OK);
		CHECK_EQ_MEM(ssv, im.ssv, sizeof ssv);
		CHECK(used.kind == MIKEY_IDENT_MSG_UID && used.len == 32);
		/* 2. the UID derived from the responder's URI, KMS URI and key period (236) */
		cfg.uri = im.uri;
		cfg.urilen = im.urilen;
		cfg.has_period = true;
		cfg.period = 16777215;
		cfg.offset = 0;
		memset(ssv, 0, sizeof ssv);
		CHECK(mikey_sakke_unwrap(&im.m, Z, im.rsk, &cfg, ssv, &used) == LIM_OK);
		CHECK_EQ_MEM(ssv, im.ssv, sizeof ssv);
		CHECK(used.kind == MIKEY_IDENT_UID && used.period_no == 236);
		/* 2b. KMS URI given explicitly, offset that puts T in period 237: the
		 * neighbouring period is tried and works */
		cfg.kms_uri = kms;
		cfg.kmslen = sizeof kms - 1;
		/* T one key period later (clock skew at a boundary): period 237 is tried first,
		 * then the neighbour 236 works; two periods later nothing fits. The UID hashes
		 * period, offset and number, so only T can move. */
		{
			struct mikey_msg mm = im.m;
			mm.ts += (uint64_t)16777215u << 32;
			CHECK(mikey_sakke_unwrap(&mm, Z, im.rsk, &cfg, ssv, &used) == LIM_OK);
			CHECK_EQ_MEM(ssv, im.ssv, sizeof ssv);
			CHECK(used.kind == MIKEY_IDENT_UID && used.period_no == 236);
			mm.ts -= (uint64_t)(2u * 16777215u) << 32;
			CHECK(mikey_sakke_unwrap(&mm, Z, im.rsk, &cfg, ssv, &used) == LIM_OK);
			CHECK(used.period_no == 236);
			mm.ts += (uint64_t)(3u * 16777215u) << 32;
			CHECK(mikey_sakke_unwrap(&mm, Z, im.rsk, &cfg, ssv, &used) == LIM_E_AUTH);
		}
		/* 2c. with a receiver context built for the carried UID: the same SSV; a
		 * tampered SED does not decapsulate and the output is wiped */
		{
			struct sakke_rsk_ctx *ctx = NULL;
			const struct mikey_idr *r = mikey_responder(&im.m);
			CHECK(r && sakke_rsk_ctx_new(Z, r->data, r->len, im.rsk, &ctx) == LIM_OK);
			memset(ssv, 0, sizeof ssv);
			CHECK(mikey_sakke_unwrap_ctx(&im.m, ctx, ssv) == LIM_OK);
			CHECK_EQ_MEM(ssv, im.ssv, sizeof ssv);
			struct mikey_msg mm = im.m;
			uint8_t sed[SAKKE_SED_LEN];
			memcpy(sed, mm.sed, sizeof sed);
			sed[SAKKE_SED_LEN - 1] ^= 1;
			mm.sed = sed;
			CHECK(mikey_sakke_unwrap_ctx(&mm, ctx, ssv) == LIM_E_AUTH);
			for (size_t i = 0; i < sizeof ssv; i++)
				CHECK(ssv[i] == 0);
			CHECK(mikey_sakke_unwrap_ctx(&im.m, NULL, ssv) == LIM_E_ARG);
			sakke_rsk_ctx_free(ctx);
		}
		/* 3. a wrong URI: no candidate fits, and the SSV output is wiped */
		cfg.uri = "sip:mallory@streamwide.com";
		cfg.urilen = strlen(cfg.uri);
		CHECK(mikey_sakke_unwrap(&im.m, Z, im.rsk, &cfg, ssv, &used) == LIM_E_AUTH);
		for (size_t i = 0; i < sizeof ssv; i++)
			CHECK(ssv[i] == 0);
		/* 4. another user's RSK, a flipped RSK bit, a flipped Z bit */
		memset(&cfg, 0, sizeof cfg);
		{
			struct imsg other;
			CHECK(load((t + 1) % 4, &other) == 0);
			if (memcmp(other.rsk, im.rsk, sizeof im.rsk) != 0)
				CHECK(mikey_sakke_unwrap(&im.m, Z, other.rsk, &cfg, ssv, NULL) ==
				      LIM_E_AUTH);
			LIM_WIPE(other.rsk);
		}
		im.rsk[100] ^= 0x10;
		CHECK(mikey_sakke_unwrap(&im.m, Z, im.rsk, &cfg, ssv, NULL) != LIM_OK);
		im.rsk[100] ^= 0x10;
		Z[200] ^= 0x01;
		CHECK(mikey_sakke_unwrap(&im.m, Z, im.rsk, &cfg, ssv, NULL) != LIM_OK);
		Z[200] ^= 0x01;
		/* 5. tampered SED: in R and in H (H changes the SSV, so the re-check fails) */
		{
			size_t sed_off = (size_t)(im.m.sed - im.msg);
			static const size_t flips[] = { 1, 129, 256, 257, 272 };
			for (size_t f = 0; f < sizeof flips / sizeof flips[0]; f++) {
				struct mikey_msg mm;
				im.msg[sed_off + flips[f]] ^= 0x04;
				CHECK(mikey_parse(im.msg, im.len, &mm) == LIM_OK);
				CHECK(mikey_sakke_unwrap(&mm, Z, im.rsk, &cfg, ssv, NULL) ==
				      LIM_E_AUTH);
				im.msg[sed_off + flips[f]] ^= 0x04;
			}
		}
		/* 6. ECCSI: the initiator's UID from the message */
		CHECK(mikey_sakke_verify(&im.m, kpak, &cfg, &used) == LIM_OK);
		CHECK(used.kind == MIKEY_IDENT_MSG_UID);
		{
			struct mikey_msg mm;
			uint8_t k2[ECCSI_KPAK_LEN];
			size_t r = (size_t)(im.m.rand - im.msg); /* inside RAND: parses, */
			im.msg[r] ^= 0x80;                       /* the signature fails */
			CHECK(mikey_parse(im.msg, im.len, &mm) == LIM_OK);
			CHECK(mikey_sakke_verify(&mm, kpak, &cfg, NULL) == LIM_E_AUTH);
			im.msg[r] ^= 0x80;
			memcpy(k2, kpak, sizeof k2);
			k2[40] ^= 1;
			CHECK(mikey_sakke_verify(&im.m, k2, &cfg, NULL) == LIM_E_AUTH);
		}
		LIM_WIPE(im.rsk);
		LIM_WIPE(ssv);
	}
}

static void check_key(const struct mikey_srtp_key *k, const char *name)
{
	char kn[64];
	uint8_t want[16];
	snprintf(kn, sizeof kn, "%s_key", name);
	CHECK(get(kn, want, 16) == 0 && k->key_len == 16 && memcmp(k->key, want, 16) == 0);
	snprintf(kn, sizeof kn, "%s_salt", name);
	CHECK(get(kn, want, 12) == 0 && k->salt_len == 12 && memcmp(k->salt, want, 12) == 0);
	CHECK(k->enc_alg == MIKEY_SRTP_AES_GCM && k->auth_tag_len == 16);
}

static void t_keys(void)
{
	struct imsg im;
	struct mikey_srtp_key k[MIKEY_MAX_KEYS];
	size_t n = 0;
	static const uint8_t pck_id[4] = { 0x16, 0x99, 0x26, 0x38 };
	static const uint8_t gmk_mki[8] = { 0x0d, 0xf9, 0xbc, 0x39, 0x06, 0xa1, 0x2a, 0xea };
	static const uint8_t csk_mki[4] = { 0x2d, 0xdd, 0x5b, 0xf0 };

	/* PCK: empty map, CS 0 and 1, MKI = PCK-ID */
	CHECK(load(0, &im) == 0);
	CHECK(mikey_srtp_keys(&im.m, im.ssv, sizeof im.ssv, mikey_srtp_def_of(&im.m), k, &n) ==
		      LIM_OK &&
	      n == 2);
	CHECK(k[0].cs_id == 0 && k[1].cs_id == 1);
	check_key(&k[0], "pck_cs0");
	check_key(&k[1], "pck_cs1");
	CHECK(k[0].mki_len == 4 && memcmp(k[0].mki, pck_id, 4) == 0);
	/* a different TGK gives different keys (the KAT is not a constant) */
	im.ssv[0] ^= 1;
	CHECK(mikey_srtp_keys(&im.m, im.ssv, sizeof im.ssv, mikey_srtp_def_of(&im.m), k, &n) ==
		      LIM_OK &&
	      n == 2);
	{
		uint8_t want[16];
		CHECK(get("pck_cs0_key", want, 16) == 0 && memcmp(k[0].key, want, 16) != 0);
	}
	/* GMK: GENERIC-ID CS 4, MKI = GMK-ID || GUK-ID */
	CHECK(load(1, &im) == 0);
	CHECK(mikey_srtp_keys(&im.m, im.ssv, sizeof im.ssv, mikey_srtp_def_of(&im.m), k, &n) ==
		      LIM_OK &&
	      n == 1);
	CHECK(k[0].cs_id == 4);
	check_key(&k[0], "gmk_cs4");
	CHECK(k[0].mki_len == 8 && memcmp(k[0].mki, gmk_mki, 8) == 0);
	/* CSK: GENERIC-ID CS 6 */
	CHECK(load(2, &im) == 0);
	CHECK(mikey_srtp_keys(&im.m, im.ssv, sizeof im.ssv, mikey_srtp_def_of(&im.m), k, &n) ==
		      LIM_OK &&
	      n == 1);
	CHECK(k[0].cs_id == 6);
	check_key(&k[0], "csk_cs6");
	CHECK(k[0].mki_len == 4 && memcmp(k[0].mki, csk_mki, 4) == 0);
	/* legacy IWF format: SRTP-ID map, two streams, CS IDs 1 and 2, SSRCs as sent */
	CHECK(load(3, &im) == 0);
	CHECK(mikey_srtp_keys(&im.m, im.ssv, sizeof im.ssv, mikey_srtp_def_of(&im.m), k, &n) ==
		      LIM_OK &&
	      n == 2);
	CHECK(k[0].cs_id == 1 && k[1].cs_id == 2 && k[0].has_ssrc && k[0].ssrc == 0xcafebabe);
	CHECK(memcmp(k[0].key, k[1].key, 16) != 0);
	mikey_srtp_keys_wipe(k, MIKEY_MAX_KEYS);
	for (size_t i = 0; i < sizeof k; i++)
		CHECK(((const uint8_t *)k)[i] == 0);
	LIM_WIPE(im.rsk);
}

/* The SRTP policy where the SP payload says nothing. TS 33.180 E.3.1: with no crypto session
 * (CS# 0) "the default security profile defined in Annex E.3.2 shall be used, and no Security
 * Properties payload (SP) is required" - AEAD_AES_128_GCM, 12-octet salt (TS 33.179 Table
 * E.3-1); a GMK's (Table E.2-1) adds RCCm3; RFC 6509's SRTP-ID messages keep RFC 3830's AES-CM
 * and HMAC-SHA-1-80. Softil's PCK messages carry no SP (mcx_interop_vectors.txt s8): the
 * interop PCK with its SP taken out must still give the keys that decrypt the s7 fixture packet
 * (before: AES-CM and a 14-octet salt, and the packet failed authentication). And a policy limf
 * would decrypt wrongly or without integrity is refused: SRTP encryption off (RFC 3830 SP
 * param 7 = 0: the payload is clear, and a keystream XORed over it would be handed over as
 * content), authentication off (10 = 0), a key derivation rate (6) other than 0. */
static void t_keys_default(void)
{
	static const uint8_t zero = 0, one = 1;
	struct imsg im;
	struct mikey_srtp_key k[MIKEY_MAX_KEYS];
	struct lim_srtp *s = NULL;
	uint8_t pkt[64], plain[64];
	size_t n = 0, len = 0, plen = 0;

	CHECK(load(0, &im) == 0);
	im.m.n_sp = 0;
	CHECK(mikey_srtp_def_of(&im.m) == MIKEY_SRTP_DEF_MCX_PCK);
	CHECK(mikey_srtp_keys(&im.m, im.ssv, sizeof im.ssv, mikey_srtp_def_of(&im.m), k, &n) ==
		      LIM_OK &&
	      n == 2);
	check_key(&k[0], "pck_cs0");
	check_key(&k[1], "pck_cs1");
	CHECK(k[0].auth_alg == 0 && k[0].mki_len == 4);
	CHECK(lim_srtp_new(LIM_SRTP_AEAD_AES_128_GCM, k[0].key, k[0].key_len, k[0].salt,
			   k[0].salt_len, k[0].mki, k[0].mki_len, &s) == LIM_OK);
	CHECK(lim_t_vec_hex(vec, "srtp1_prot", pkt, sizeof pkt, &len) == 0);
	CHECK(lim_t_vec_hex(vec, "srtp1_plain", plain, sizeof plain, &plen) == 0);
	if (s) {
		CHECK(lim_srtp_unprotect(s, pkt, &len) == LIM_OK);
		CHECK(len == plen && memcmp(pkt, plain, plen) == 0);
	}
	lim_srtp_free(s);
	/* RFC 3830's defaults on the same message: another cipher, another salt length */
	CHECK(mikey_srtp_keys(&im.m, im.ssv, sizeof im.ssv, MIKEY_SRTP_DEF_RFC3830, k, &n) ==
		      LIM_OK &&
	      n == 2);
	CHECK(k[0].enc_alg == MIKEY_SRTP_AES_CM && k[0].salt_len == 14 && k[0].auth_alg == 1 &&
	      k[0].auth_tag_len == 10);
	/* a GMK without SP: GCM with the ROC in every packet (RCCm3) */
	CHECK(load(1, &im) == 0);
	im.m.n_sp = 0;
	CHECK(mikey_srtp_keys(&im.m, im.ssv, sizeof im.ssv, MIKEY_SRTP_DEF_MCX_GMK, k, &n) ==
		      LIM_OK &&
	      n == 1);
	check_key(&k[0], "gmk_cs4");
	CHECK(k[0].auth_alg == 4);
	/* the SRTP-ID map (RFC 6509's form) without SP: RFC 3830's */
	CHECK(load(3, &im) == 0);
	im.m.n_sp = 0;
	CHECK(mikey_srtp_def_of(&im.m) == MIKEY_SRTP_DEF_RFC3830);
	CHECK(mikey_srtp_keys(&im.m, im.ssv, sizeof im.ssv, mikey_srtp_def_of(&im.m), k, &n) ==
		      LIM_OK &&
	      n == 2);
	CHECK(k[0].enc_alg == MIKEY_SRTP_AES_CM && k[0].salt_len == 14 && k[0].auth_tag_len == 10);
	/* the PCK's SP with one more parameter: refused, or (said on: 1) as before */
	{
		static const struct {
			uint8_t type;
			const uint8_t *val;
			enum lim_err want;
		} extra[] = {
			{ MIKEY_SRTP_SRTP_ENC, &zero, LIM_E_UNSUPP },
			{ MIKEY_SRTP_SRTP_AUTH, &zero, LIM_E_UNSUPP },
			{ MIKEY_SRTP_KDR, &one, LIM_E_UNSUPP },
			{ MIKEY_SRTP_SRTP_ENC, &one, LIM_OK },
			{ MIKEY_SRTP_SRTP_AUTH, &one, LIM_OK },
		};
		for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++) {
			struct mikey_sp *sp;
			CHECK(load(0, &im) == 0 && im.m.n_sp == 1);
			sp = &im.m.sp[0];
			CHECK(sp->n_params < MIKEY_MAX_SP_PARAMS);
			if (sp->n_params >= MIKEY_MAX_SP_PARAMS)
				continue;
			/* the parameter the message gave (KDR 0) goes, the new one is added */
			for (size_t j = 0; j < sp->n_params; j++)
				if (sp->params[j].type == extra[i].type)
					sp->params[j].type = 0xff;
			sp->params[sp->n_params++] =
				(struct mikey_sp_param){ extra[i].type, 1, extra[i].val };
			CHECK(mikey_srtp_keys(&im.m, im.ssv, sizeof im.ssv,
					      mikey_srtp_def_of(&im.m), k, &n) == extra[i].want);
			if (extra[i].want == LIM_OK)
				check_key(&k[0], "pck_cs0");
			else
				CHECK(n == 0);
		}
	}
	/* an SP payload that leaves the cipher out: RFC 3830's AES-CM, not TS 33.180's profile
	 * (that is for no SP at all); a KDR of two octets: not understood, refused */
	{
		static const uint8_t kdr2[2] = { 0, 0 };
		struct mikey_sp *sp;
		CHECK(load(0, &im) == 0 && im.m.n_sp == 1);
		sp = &im.m.sp[0];
		for (size_t j = 0; j < sp->n_params; j++)
			if (sp->params[j].type == MIKEY_SRTP_ENC_ALG ||
			    sp->params[j].type == MIKEY_SRTP_SALT_KEY_LEN ||
			    sp->params[j].type == MIKEY_SRTP_AUTH_ALG)
				sp->params[j].type = 0xff;
		CHECK(mikey_srtp_keys(&im.m, im.ssv, sizeof im.ssv, MIKEY_SRTP_DEF_MCX_PCK, k,
				      &n) == LIM_OK &&
		      n == 2 && k[0].enc_alg == MIKEY_SRTP_AES_CM && k[0].salt_len == 14);
		CHECK(load(0, &im) == 0 && im.m.n_sp == 1);
		sp = &im.m.sp[0];
		for (size_t j = 0; j < sp->n_params; j++)
			if (sp->params[j].type == MIKEY_SRTP_KDR)
				sp->params[j] = (struct mikey_sp_param){ MIKEY_SRTP_KDR, 2, kdr2 };
		CHECK(mikey_srtp_keys(&im.m, im.ssv, sizeof im.ssv, MIKEY_SRTP_DEF_MCX_PCK, k,
				      &n) == LIM_E_UNSUPP &&
		      n == 0);
	}
	/* so is every parameter the keys are made from, in two octets (before, such a value was
	 * passed over for the default: a NULL cipher as 00 00 was taken for AES-CM). The PCK's
	 * policy is GCM's: its tag length is the AEAD one */
	{
		static const uint8_t two[2] = { 0, 0 };
		static const uint8_t types[] = { MIKEY_SRTP_ENC_ALG, MIKEY_SRTP_ENC_KEY_LEN,
						 MIKEY_SRTP_SALT_KEY_LEN, MIKEY_SRTP_AUTH_ALG,
						 MIKEY_SRTP_AEAD_TAG_LEN };
		for (size_t t = 0; t < sizeof types; t++) {
			struct mikey_sp *sp;
			CHECK(load(0, &im) == 0 && im.m.n_sp == 1);
			sp = &im.m.sp[0];
			for (size_t j = 0; j < sp->n_params; j++)
				if (sp->params[j].type == types[t])
					sp->params[j].type = 0xff;
			CHECK(sp->n_params < MIKEY_MAX_SP_PARAMS);
			if (sp->n_params >= MIKEY_MAX_SP_PARAMS)
				continue;
			sp->params[sp->n_params++] = (struct mikey_sp_param){ types[t], 2, two };
			CHECK(mikey_srtp_keys(&im.m, im.ssv, sizeof im.ssv, MIKEY_SRTP_DEF_MCX_PCK,
					      k, &n) == LIM_E_UNSUPP &&
			      n == 0);
		}
	}
	/* a profile limf does not decrypt: refused here, not only when a session is set up (an
	 * audit: AES-CM with a NULL auth algorithm, say, is SRTP without integrity). The PCK's SP
	 * is GCM's, RFC 3830's AES-CM without ENC_ALG, each with one parameter set */
	{
		static const uint8_t v0 = 0, v1 = 1, v2 = 2, v3 = 3, v4 = 4, v5 = 5, v8 = 8,
				     v12 = 12, v14 = 14, v16 = 16, v20 = 20, v32 = 32;
		static const struct {
			bool cm;
			uint8_t type;
			const uint8_t *val;
			enum lim_err want;
		} pol[] = {
			{ true, MIKEY_SRTP_AUTH_ALG, &v0, LIM_E_UNSUPP },
			{ true, MIKEY_SRTP_AUTH_ALG, &v5, LIM_E_UNSUPP },
			{ true, MIKEY_SRTP_AUTH_ALG, &v4, LIM_E_UNSUPP }, /* RCCm3: no MAC */
			{ true, MIKEY_SRTP_AUTH_ALG, &v2, LIM_E_UNSUPP }, /* RCCm1 */
			{ true, MIKEY_SRTP_AUTH_ALG, &v3, LIM_OK },       /* RCCm2 */
			{ true, MIKEY_SRTP_ENC_KEY_LEN, &v32, LIM_E_UNSUPP },
			{ true, MIKEY_SRTP_SALT_KEY_LEN, &v12, LIM_E_UNSUPP },
			{ true, MIKEY_SRTP_AUTH_TAG_LEN, &v8, LIM_E_UNSUPP },
			{ true, MIKEY_SRTP_AUTH_TAG_LEN, &v4, LIM_OK },
			{ false, MIKEY_SRTP_AUTH_ALG, &v1, LIM_E_UNSUPP },
			{ false, MIKEY_SRTP_AUTH_ALG, &v4, LIM_OK },
			{ false, MIKEY_SRTP_AUTH_ALG, &v2, LIM_E_UNSUPP },
			{ false, MIKEY_SRTP_SALT_KEY_LEN, &v14, LIM_E_UNSUPP },
			{ false, MIKEY_SRTP_AEAD_TAG_LEN, &v8, LIM_E_UNSUPP },
			{ false, MIKEY_SRTP_AEAD_TAG_LEN, &v16, LIM_OK },
			/* what the sessions are made with besides (a review: a prefix shifts the
			 * key stream while the packets authenticate; it was not looked at) */
			{ false, MIKEY_SRTP_PREFIX_LEN, &v4, LIM_E_UNSUPP },
			{ true, MIKEY_SRTP_PREFIX_LEN, &v4, LIM_E_UNSUPP },
			{ true, MIKEY_SRTP_PREFIX_LEN, &v0, LIM_OK },
			{ true, MIKEY_SRTP_PRF, &v1, LIM_E_UNSUPP },
			{ true, MIKEY_SRTP_PRF, &v0, LIM_OK },
			{ true, MIKEY_SRTP_AUTH_KEY_LEN, &v16, LIM_E_UNSUPP },
			{ true, MIKEY_SRTP_AUTH_KEY_LEN, &v20, LIM_OK },
			{ false, MIKEY_SRTP_AUTH_KEY_LEN, &v16, LIM_OK }, /* (GCM: no such key) */
		};
		for (size_t i = 0; i < sizeof pol / sizeof pol[0]; i++) {
			struct mikey_sp *sp;
			CHECK(load(0, &im) == 0 && im.m.n_sp == 1);
			sp = &im.m.sp[0];
			for (size_t j = 0; j < sp->n_params; j++)
				if (sp->params[j].type == pol[i].type ||
				    (pol[i].cm && (sp->params[j].type == MIKEY_SRTP_ENC_ALG ||
						   sp->params[j].type == MIKEY_SRTP_SALT_KEY_LEN ||
						   sp->params[j].type == MIKEY_SRTP_AUTH_ALG)))
					sp->params[j].type = 0xff;
			CHECK(sp->n_params < MIKEY_MAX_SP_PARAMS);
			if (sp->n_params >= MIKEY_MAX_SP_PARAMS)
				continue;
			sp->params[sp->n_params++] =
				(struct mikey_sp_param){ pol[i].type, 1, pol[i].val };
			n = 9;
			CHECK(mikey_srtp_keys(&im.m, im.ssv, sizeof im.ssv, MIKEY_SRTP_DEF_MCX_PCK,
					      k, &n) == pol[i].want);
			if (pol[i].want == LIM_OK)
				CHECK(n == 2 && k[0].enc_alg == (pol[i].cm ? MIKEY_SRTP_AES_CM
									   : MIKEY_SRTP_AES_GCM));
			else
				CHECK(n == 0);
		}
	}
	mikey_srtp_keys_wipe(k, MIKEY_MAX_KEYS);
	LIM_WIPE(im.rsk);
}

/* The whole chain: I_MESSAGE -> RSK -> PCK -> SRTP master key -> libsrtp2 decrypts media. */
static void t_srtp(void)
{
	struct imsg im;
	struct mikey_ident_cfg cfg;
	struct mikey_srtp_key k[MIKEY_MAX_KEYS];
	struct lim_srtp *s = NULL;
	uint8_t ssv[SAKKE_SSV_LEN], pkt[64], plain[64];
	size_t n = 0, len = 0, plen = 0;

	CHECK(load(0, &im) == 0);
	memset(&cfg, 0, sizeof cfg);
	CHECK(mikey_sakke_unwrap(&im.m, Z, im.rsk, &cfg, ssv, NULL) == LIM_OK);
	CHECK(mikey_srtp_keys(&im.m, ssv, sizeof ssv, mikey_srtp_def_of(&im.m), k, &n) == LIM_OK &&
	      n == 2);
	CHECK(lim_srtp_new(LIM_SRTP_AEAD_AES_128_GCM, k[0].key, k[0].key_len, k[0].salt,
			   k[0].salt_len, k[0].mki, k[0].mki_len, &s) == LIM_OK);
	CHECK(lim_t_vec_hex(vec, "srtp1_prot", pkt, sizeof pkt, &len) == 0);
	CHECK(lim_t_vec_hex(vec, "srtp1_plain", plain, sizeof plain, &plen) == 0);
	if (s) {
		uint8_t bad[64];
		size_t blen = len;
		memcpy(bad, pkt, len);
		bad[20] ^= 1;
		CHECK(lim_srtp_unprotect(s, bad, &blen) == LIM_E_AUTH);
		CHECK(lim_srtp_unprotect(s, pkt, &len) == LIM_OK);
		CHECK(len == plen && memcmp(pkt, plain, plen) == 0);
	}
	lim_srtp_free(s);
	/* CS 1's key is not the one that protected the initiator's stream */
	s = NULL;
	CHECK(lim_t_vec_hex(vec, "srtp1_prot", pkt, sizeof pkt, &len) == 0);
	CHECK(lim_srtp_new(LIM_SRTP_AEAD_AES_128_GCM, k[1].key, k[1].key_len, k[1].salt,
			   k[1].salt_len, k[1].mki, k[1].mki_len, &s) == LIM_OK);
	if (s)
		CHECK(lim_srtp_unprotect(s, pkt, &len) == LIM_E_AUTH);
	lim_srtp_free(s);
	mikey_srtp_keys_wipe(k, MIKEY_MAX_KEYS);
	LIM_WIPE(ssv);
	LIM_WIPE(im.rsk);
}

/* Builds, signs and opens an I_MESSAGE with a fresh random community: the RFC 6509 generic
 * profile (IDRi/IDRr clear tel: URIs, identifiers "YYYY-MM\0uri\0" from T, SRTP-ID map, PRF 0)
 * or the 3GPP one (UIDs in IDR 8/9, empty map, PRF 1), under either signature coverage. */
static void roundtrip_one(bool uid_profile, enum mikey_sign_cover cover, bool cert)
{
	static const uint8_t certdata[] = "-- a certificate the sender chose to add --";
	static const char ini[] = "tel:+447700900123", res[] = "tel:+447700900456";
	static const uint8_t rnd[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	static const char kms[] = "kms.example.org";
	uint8_t z[SAKKE_P_LEN], Zr[SAKKE_POINT_LEN], rsk[SAKKE_POINT_LEN], ssv[SAKKE_SSV_LEN];
	uint8_t got[SAKKE_SSV_LEN], sed[SAKKE_SED_LEN];
	uint8_t ksak[ECCSI_KSAK_LEN], kp[ECCSI_KPAK_LEN], ssk[ECCSI_SSK_LEN], pvt[ECCSI_PVT_LEN];
	uint8_t buf[1024], sig[ECCSI_SIG_LEN];
	struct mikey_ident ri[MIKEY_IDENT_CANDIDATES], ii[MIKEY_IDENT_CANDIDATES], used;
	struct mikey_ident_cfg cfg;
	struct mikey_msg m, p;
	size_t n = 0, len = 0;
	const uint8_t *sp;
	size_t splen;

	memset(&m, 0, sizeof m);
	m.version = 1;
	m.data_type = MIKEY_DT_SAKKE;
	m.prf = uid_profile ? MIKEY_PRF_HMAC_SHA256 : MIKEY_PRF_MIKEY1;
	m.csb_id = 0x01020304;
	if (uid_profile) {
		m.map_type = MIKEY_MAP_EMPTY;
	} else {
		m.map_type = MIKEY_MAP_SRTP_ID;
		m.n_cs = m.n_map = 2;
		m.cs[0].ssrc = 0x11111111;
		m.cs[1].ssrc = 0x22222222;
	}
	m.has_t = true;
	m.ts_type = MIKEY_TS_NTP_UTC;
	m.ts = (uint64_t)3505680000u << 32; /* 2011-02-02 */
	m.has_rand = true;
	m.rand_len = sizeof rnd;
	m.rand = rnd;
	m.n_idr = 4;
	m.idr[0] = (struct mikey_idr){ MIKEY_ROLE_IDRI, MIKEY_IDT_URI, (const uint8_t *)ini,
				       sizeof ini - 1 };
	m.idr[1] = (struct mikey_idr){ MIKEY_ROLE_IDRR, MIKEY_IDT_URI, (const uint8_t *)res,
				       sizeof res - 1 };
	m.idr[2] = (struct mikey_idr){ MIKEY_ROLE_IDRKMSI, MIKEY_IDT_URI, (const uint8_t *)kms,
				       sizeof kms - 1 };
	m.idr[3] = (struct mikey_idr){ MIKEY_ROLE_IDRKMSR, MIKEY_IDT_URI, (const uint8_t *)kms,
				       sizeof kms - 1 };
	if (cert) { /* RFC 6509 s2.1: HDR, T, RAND, [IDRi], [IDRr], [IDRkmsi], [IDRkmsr], [CERT] */
		m.n_cert = 1;
		m.cert[0] = (struct mikey_ext){ 0, certdata, sizeof certdata };
	}
	m.has_sakke = true;
	m.sakke_params = 1;
	m.sakke_id_scheme = uid_profile ? 2 : 1;
	m.sed = sed;
	m.sed_len = sizeof sed;
	m.has_sign = true;
	m.sign_type = MIKEY_SIGN_ECCSI;
	m.sig_len = ECCSI_SIG_LEN;
	memset(&cfg, 0, sizeof cfg);
	if (uid_profile) { /* identities as the KMS would issue them: UIDs of period 1 */
		cfg.has_period = true;
		cfg.period = 2592000;
	}
	/* the parties' identifiers, as limf will form them */
	cfg.uri = res;
	cfg.urilen = sizeof res - 1;
	CHECK(mikey_ident_candidates(&m, true, &cfg, ri, &n) == LIM_OK && n >= 1);
	cfg.uri = ini;
	cfg.urilen = sizeof ini - 1;
	CHECK(mikey_ident_candidates(&m, false, &cfg, ii, &n) == LIM_OK && n >= 1);
	if (uid_profile) { /* carry the UIDs in IDR 8/9 instead of the clear URIs */
		m.idr[0] = (struct mikey_idr){ MIKEY_ROLE_IDRUIDI, MIKEY_IDT_URI, ii[0].id, 32 };
		m.idr[1] = (struct mikey_idr){ MIKEY_ROLE_IDRUIDR, MIKEY_IDT_URI, ri[0].id, 32 };
	} else {
		static const uint8_t want[] = "2011-02\0tel:+447700900456";
		CHECK(ri[0].kind == MIKEY_IDENT_RFC6509 && ri[0].len == sizeof want &&
		      memcmp(ri[0].id, want, sizeof want) == 0);
	}
	/* a fresh community and keys */
	CHECK(sakke_kms_generate(z, Zr) == LIM_OK);
	CHECK(sakke_rsk_issue(z, sizeof z, ri[0].id, ri[0].len, rsk) == LIM_OK);
	CHECK(eccsi_kms_generate(ksak, kp) == LIM_OK);
	CHECK(eccsi_issue(ksak, ii[0].id, ii[0].len, NULL, ssk, pvt) == LIM_OK);
	CHECK(RAND_bytes(ssv, sizeof ssv) == 1);
	CHECK(sakke_encapsulate(Zr, ri[0].id, ri[0].len, ssv, sed) == LIM_OK);
	/* build, sign the covered part, re-parse */
	CHECK(mikey_build(&m, buf, sizeof buf, &len) == LIM_OK);
	CHECK(mikey_parse(buf, len, &p) == LIM_OK);
	CHECK(mikey_signed_part(&p, cover, &sp, &splen) == LIM_OK);
	CHECK(eccsi_sign(kp, ii[0].id, ii[0].len, ssk, pvt, sp, splen, NULL, sig) == LIM_OK);
	memcpy(buf + len - ECCSI_SIG_LEN, sig, sizeof sig);
	CHECK(mikey_parse(buf, len, &p) == LIM_OK);
	CHECK(p.n_cert == (cert ? 1u : 0u) &&
	      (!cert || (p.pl[6].type == MIKEY_PT_CERT && p.cert[0].len == sizeof certdata)));
	/* open it as limf would: identities from the message */
	memset(&cfg, 0, sizeof cfg);
	CHECK(mikey_sakke_unwrap(&p, Zr, rsk, &cfg, got, &used) == LIM_OK);
	CHECK(memcmp(got, ssv, sizeof ssv) == 0);
	CHECK(used.kind == (uid_profile ? MIKEY_IDENT_MSG_UID : MIKEY_IDENT_RFC6509));
	CHECK(mikey_sakke_verify(&p, kp, &cfg, &used) == LIM_OK);
	/* a message from the month after: the RFC 6509 identifier changes, nothing opens */
	if (!uid_profile) {
		struct mikey_msg later = p;
		later.ts += (uint64_t)(31u * 86400u) << 32;
		CHECK(mikey_sakke_unwrap(&later, Zr, rsk, &cfg, got, NULL) == LIM_E_AUTH);
		CHECK(mikey_sakke_verify(&later, kp, &cfg, NULL) == LIM_E_AUTH);
	}
	/* the other KMS's keys do not open it */
	{
		uint8_t z2[SAKKE_P_LEN], Z2[SAKKE_POINT_LEN];
		CHECK(sakke_kms_generate(z2, Z2) == LIM_OK);
		CHECK(mikey_sakke_unwrap(&p, Z2, rsk, &cfg, got, NULL) == LIM_E_AUTH);
		LIM_WIPE(z2);
	}
	LIM_WIPE(z);
	LIM_WIPE(rsk);
	LIM_WIPE(ssv);
	LIM_WIPE(got);
	LIM_WIPE(ksak);
	LIM_WIPE(ssk);
}

static void t_roundtrip(void)
{
	roundtrip_one(false, MIKEY_SIGN_COVER_HDR, false);
	roundtrip_one(false, MIKEY_SIGN_COVER_NOHDR, false);
	roundtrip_one(true, MIKEY_SIGN_COVER_HDR, false);
	roundtrip_one(true, MIKEY_SIGN_COVER_NOHDR, false);
	/* with the CERT payload RFC 6509 s2.1 allows (before, refused: nothing decrypted) */
	roundtrip_one(false, MIKEY_SIGN_COVER_HDR, true);
	roundtrip_one(true, MIKEY_SIGN_COVER_NOHDR, true);
}

/* T in NTP era 1 (top bit of the seconds clear: 2036-02-07 on, RFC 4330 s3): the month of the
 * RFC 6509 identifier and the key period number follow the real date, not 1900. */
static void t_ntp_era(void)
{
	struct mikey_msg m;
	struct mikey_ident c[MIKEY_IDENT_CANDIDATES];
	struct mikey_ident_cfg cfg;
	size_t n = 0;
	static const uint8_t want[] = "2036-02\0tel:+1";
	static const char kms[] = "kms.example.org";

	memset(&m, 0, sizeof m);
	m.has_t = true;
	m.ts_type = MIKEY_TS_NTP_UTC;
	m.ts = (uint64_t)0x10 << 32; /* 2036-02-07T06:28:32Z */
	memset(&cfg, 0, sizeof cfg);
	cfg.uri = "tel:+1";
	cfg.urilen = 6;
	CHECK(mikey_ident_candidates(&m, true, &cfg, c, &n) == LIM_OK && n == 1);
	CHECK(c[0].len == sizeof want && memcmp(c[0].id, want, sizeof want) == 0);
	/* period 30 days from 1900: (2^32 + 16) / 2592000 = 1657 */
	cfg.kms_uri = kms;
	cfg.kmslen = sizeof kms - 1;
	cfg.has_period = true;
	cfg.period = 2592000;
	CHECK(mikey_ident_candidates(&m, true, &cfg, c, &n) == LIM_OK && n == 3);
	CHECK(c[0].period_no == 1657 && c[1].period_no == 1656 && c[2].period_no == 1658);
	/* era 0 (top bit set) is unchanged: 0xec898da8 / 16777215 = 236 */
	m.ts = 0xec898da800000000ull;
	cfg.period = 16777215;
	CHECK(mikey_ident_candidates(&m, true, &cfg, c, &n) == LIM_OK && c[0].period_no == 236);
	/* the seconds the pipeline forms key periods and certificate times from, the same way
	 * (before, it read T's upper 32 bits as they are: 2036 on, 136 years back) */
	{
		uint64_t secs = 0;
		CHECK(mikey_t_ntp_secs(&m, &secs) && secs == 0xec898da8u);
		m.ts = (uint64_t)0x10 << 32;
		CHECK(mikey_t_ntp_secs(&m, &secs) && secs == ((uint64_t)1 << 32) + 0x10);
		m.ts_type = MIKEY_TS_COUNTER;
		CHECK(!mikey_t_ntp_secs(&m, &secs));
		m.ts_type = MIKEY_TS_NTP;
		m.has_t = false;
		CHECK(!mikey_t_ntp_secs(&m, &secs));
	}
}

/* Builds a signed 3GPP I_MESSAGE (SAKKE ID scheme 2, empty map) whose IDRi carries the clear
 * URI ini, with KMS IDRs kms, signed by the identifier sid with (ssk, pvt) of KPAK kp, and
 * parses it into *p (buf holds it). */
static void clear_uri_imsg(const char *ini, const char *kms, uint64_t ntp_secs, const uint8_t kp[],
			   const uint8_t *sid, size_t sidlen, const uint8_t ssk[],
			   const uint8_t pvt[], uint8_t *buf, size_t cap, struct mikey_msg *p)
{
	static const char res[] = "sip:bob@example.org";
	static const uint8_t rnd[16] = { 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6 };
	uint8_t sed[SAKKE_SED_LEN] = { 4 }, sig[ECCSI_SIG_LEN];
	struct mikey_msg m;
	const uint8_t *sp;
	size_t len = 0, splen = 0;

	memset(&m, 0, sizeof m);
	m.version = 1;
	m.data_type = MIKEY_DT_SAKKE;
	m.prf = MIKEY_PRF_HMAC_SHA256;
	m.csb_id = 0x11223344;
	m.map_type = MIKEY_MAP_EMPTY;
	m.has_t = true;
	m.ts_type = MIKEY_TS_NTP_UTC;
	m.ts = ntp_secs << 32;
	m.has_rand = true;
	m.rand = rnd;
	m.rand_len = sizeof rnd;
	m.n_idr = 3;
	m.idr[0] = (struct mikey_idr){ MIKEY_ROLE_IDRI, MIKEY_IDT_URI, (const uint8_t *)ini,
				       (uint16_t)strlen(ini) };
	m.idr[1] = (struct mikey_idr){ MIKEY_ROLE_IDRR, MIKEY_IDT_URI, (const uint8_t *)res,
				       sizeof res - 1 };
	m.idr[2] = (struct mikey_idr){ MIKEY_ROLE_IDRKMS, MIKEY_IDT_URI, (const uint8_t *)kms,
				       (uint16_t)strlen(kms) };
	m.has_sakke = true;
	m.sakke_params = 1;
	m.sakke_id_scheme = 2;
	m.sed = sed;
	m.sed_len = sizeof sed;
	m.has_sign = true;
	m.sign_type = MIKEY_SIGN_ECCSI;
	m.sig_len = ECCSI_SIG_LEN;
	CHECK(mikey_build(&m, buf, cap, &len) == LIM_OK);
	CHECK(mikey_parse(buf, len, p) == LIM_OK);
	CHECK(mikey_signed_part(p, MIKEY_SIGN_COVER_HDR, &sp, &splen) == LIM_OK);
	CHECK(eccsi_sign(kp, sid, sidlen, ssk, pvt, sp, splen, NULL, sig) == LIM_OK);
	memcpy(buf + len - ECCSI_SIG_LEN, sig, sizeof sig);
	CHECK(mikey_parse(buf, len, p) == LIM_OK);
}

/* Review finding 2: a TS 33.180 I_MESSAGE with the initiator's clear URI in IDRi under SAKKE ID
 * scheme 2 (no identity hiding) verifies against the UID derived from that URI, the KMS URI and
 * T's key period (or a neighbour), with the cfg limf passes for a 3GPP KMS (no cfg.uri, as the
 * message names its initiator). A 32-character clear URI is a URI, not a UID; another
 * community member's signature does not verify. */
static void t_clear_uri_verify(void)
{
	static const char ini[] = "sip:alice@example.org", mal[] = "sip:mallory@example.org";
	static const char ini32[] = "sip:alice-0123456@example.org.uk"; /* 32 characters */
	static const char kms[] = "kms.example.org";
	const uint64_t period = 2592000, secs = 0xED0A1B2Cull;
	uint8_t ksak[ECCSI_KSAK_LEN], kp[ECCSI_KPAK_LEN], ssk[ECCSI_SSK_LEN], pvt[ECCSI_PVT_LEN];
	uint8_t uid[MIKEY_UID_LEN], buf[2048];
	struct mikey_ident_cfg cfg;
	struct mikey_ident used;
	struct mikey_msg p;
	uint64_t pno = 0;

	CHECK(sizeof ini32 - 1 == MIKEY_UID_LEN);
	memset(&cfg, 0, sizeof cfg);
	cfg.kms_uri = kms;
	cfg.kmslen = sizeof kms - 1;
	cfg.has_period = true;
	cfg.period = period;
	CHECK(eccsi_kms_generate(ksak, kp) == LIM_OK);
	CHECK(mikey_key_period_no(secs, period, 0, &pno) == LIM_OK);

	/* signed with the UID of T's key period */
	CHECK(mikey_uid(ini, sizeof ini - 1, kms, sizeof kms - 1, period, 0, pno, uid) == LIM_OK);
	CHECK(eccsi_issue(ksak, uid, sizeof uid, NULL, ssk, pvt) == LIM_OK);
	clear_uri_imsg(ini, kms, secs, kp, uid, sizeof uid, ssk, pvt, buf, sizeof buf, &p);
	CHECK(!mikey_idr_is_uid(mikey_initiator(&p)));
	memset(&used, 0, sizeof used);
	CHECK(mikey_sakke_verify(&p, kp, &cfg, &used) == LIM_OK);
	CHECK(used.kind == MIKEY_IDENT_UID && used.period_no == pno && used.len == sizeof uid &&
	      memcmp(used.id, uid, sizeof uid) == 0);
	/* the KMS URI from the message's KMS IDR */
	cfg.kms_uri = NULL;
	cfg.kmslen = 0;
	CHECK(mikey_sakke_verify(&p, kp, &cfg, NULL) == LIM_OK);
	cfg.kms_uri = kms;
	cfg.kmslen = sizeof kms - 1;
	/* without a key period a clear URI under scheme 2 has no identifier */
	{
		struct mikey_ident_cfg none;
		memset(&none, 0, sizeof none);
		CHECK(mikey_sakke_verify(&p, kp, &none, NULL) == LIM_E_AUTH);
	}
	/* another KMS URI gives another UID */
	{
		struct mikey_ident_cfg other = cfg;
		other.kms_uri = "kms.example.net";
		other.kmslen = strlen(other.kms_uri);
		CHECK(mikey_sakke_verify(&p, kp, &other, NULL) == LIM_E_AUTH);
	}

	/* signed with the previous period's UID (clock skew at a boundary): the neighbour */
	CHECK(mikey_uid(ini, sizeof ini - 1, kms, sizeof kms - 1, period, 0, pno - 1, uid) ==
	      LIM_OK);
	CHECK(eccsi_issue(ksak, uid, sizeof uid, NULL, ssk, pvt) == LIM_OK);
	clear_uri_imsg(ini, kms, secs, kp, uid, sizeof uid, ssk, pvt, buf, sizeof buf, &p);
	CHECK(mikey_sakke_verify(&p, kp, &cfg, &used) == LIM_OK && used.period_no == pno - 1);

	/* a 32-character clear URI is a URI: its derived UID verifies */
	CHECK(mikey_uid(ini32, sizeof ini32 - 1, kms, sizeof kms - 1, period, 0, pno, uid) ==
	      LIM_OK);
	CHECK(eccsi_issue(ksak, uid, sizeof uid, NULL, ssk, pvt) == LIM_OK);
	clear_uri_imsg(ini32, kms, secs, kp, uid, sizeof uid, ssk, pvt, buf, sizeof buf, &p);
	CHECK(!mikey_idr_is_uid(mikey_initiator(&p)));
	CHECK(mikey_sakke_verify(&p, kp, &cfg, &used) == LIM_OK && used.kind == MIKEY_IDENT_UID);

	/* mallory signs a message naming alice, with mallory's own (valid) key: rejected */
	CHECK(mikey_uid(mal, sizeof mal - 1, kms, sizeof kms - 1, period, 0, pno, uid) == LIM_OK);
	CHECK(eccsi_issue(ksak, uid, sizeof uid, NULL, ssk, pvt) == LIM_OK);
	clear_uri_imsg(ini, kms, secs, kp, uid, sizeof uid, ssk, pvt, buf, sizeof buf, &p);
	CHECK(mikey_sakke_verify(&p, kp, &cfg, NULL) == LIM_E_AUTH);
	/* alice's UID of a period two away is not a candidate */
	CHECK(mikey_uid(ini, sizeof ini - 1, kms, sizeof kms - 1, period, 0, pno + 2, uid) ==
	      LIM_OK);
	CHECK(eccsi_issue(ksak, uid, sizeof uid, NULL, ssk, pvt) == LIM_OK);
	clear_uri_imsg(ini, kms, secs, kp, uid, sizeof uid, ssk, pvt, buf, sizeof buf, &p);
	CHECK(mikey_sakke_verify(&p, kp, &cfg, NULL) == LIM_E_AUTH);

	/* a UID carried in IDRi (32 non-printable octets) is used as is */
	{
		struct mikey_idr u = { MIKEY_ROLE_IDRI, MIKEY_IDT_URI, uid, sizeof uid };
		uid[0] = 0x01;
		CHECK(mikey_idr_is_uid(&u));
		u.role = MIKEY_ROLE_IDRUIDI;
		u.len = 31;
		CHECK(!mikey_idr_is_uid(&u));
	}
	LIM_WIPE(ksak);
	LIM_WIPE(ssk);
}

static void t_done(void)
{
	free(vec);
	vec = NULL;
}

const struct lim_suite t_interop_suites[] = {
	{ "interop_unwrap", t_unwrap },
	{ "interop_keys", t_keys },
	{ "interop_keys_default", t_keys_default },
	{ "interop_srtp", t_srtp },
	{ "roundtrip_imsg", t_roundtrip },
	{ "ntp_era", t_ntp_era },
	{ "clear_uri_verify", t_clear_uri_verify },
	{ "interop_done", t_done },
	{ NULL, NULL },
};
