/* test_decrypt suites "gmk_vectors", "gmk_check", "gmk_kp": decrypt/gmk.h on the Streamwide
 * GMK I_MESSAGEs of tests/kat/mcx_unwrap.vec (SSV recovered by real SAKKE with the member's
 * RSK, then GMK, GMK-ID, GUK-ID, GMK-RAND and the E.6 key parameters checked against the
 * values the interop vectors state), the GMK/not-GMK decision, and the key-parameter parser
 * and protected-payload opener on valid, truncated, mis-sized and tampered input. */
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/wr.h"
#include "decrypt/gmk.h"
#include "decrypt/mikey.h"
#include "decrypt/sakke.h"
#include "decrypt/unwrap.h"
#include "tests/unit/decrypt_suites.h"

#define VEC "tests/kat/mcx_unwrap.vec"

static char *vec;

static int hex(const char *name, uint8_t *out, size_t cap, size_t *n)
{
	if (!vec)
		vec = lim_t_read_file(VEC, NULL);
	return lim_t_vec_hex(vec, name, out, cap, n);
}

struct gm {
	uint8_t msg[1024];
	size_t len;
	struct mikey_msg m;
	uint8_t ssv[SAKKE_SSV_LEN];
	char uri[128];
	size_t urilen;
};

/* Loads name ("gmk", "gmk_iwf"...) whose responder is who; recovers its SSV with who's RSK. */
static int load(const char *name, const char *who, struct gm *g)
{
	char key[64];
	uint8_t Z[SAKKE_POINT_LEN], rsk[SAKKE_POINT_LEN], want[SAKKE_SSV_LEN];
	size_t n;
	struct mikey_ident_cfg cfg;
	snprintf(key, sizeof key, "%s_msg", name);
	if (hex(key, g->msg, sizeof g->msg, &g->len) || mikey_parse(g->msg, g->len, &g->m))
		return -1;
	snprintf(key, sizeof key, "%s_rsk", who);
	if (hex("Z", Z, sizeof Z, &n) || n != sizeof Z || hex(key, rsk, sizeof rsk, &n) ||
	    n != sizeof rsk)
		return -1;
	snprintf(key, sizeof key, "%s_uri", who);
	if (hex(key, (uint8_t *)g->uri, sizeof g->uri - 1, &g->urilen))
		return -1;
	g->uri[g->urilen] = 0;
	memset(&cfg, 0, sizeof cfg);
	if (mikey_sakke_unwrap(&g->m, Z, rsk, &cfg, g->ssv, NULL) != LIM_OK)
		return -1;
	snprintf(key, sizeof key, "%s_ssv", name);
	if (hex(key, want, sizeof want, &n) || n != sizeof want || memcmp(want, g->ssv, n) != 0)
		return -1;
	return 0;
}

static const uint8_t gmk_val[16] = { 0x07, 0xd1, 0xa1, 0x67, 0x7a, 0xc3, 0x6d, 0x8e,
				     0x81, 0x62, 0x04, 0x84, 0x68, 0x9b, 0x3c, 0x2d };
static const uint8_t rand1[16] = { 0xca, 0x2f, 0x5d, 0x51, 0xff, 0x08, 0x66, 0x36,
				   0x2c, 0x1d, 0x85, 0xa5, 0x6f, 0x84, 0x65, 0x1e };
static const uint8_t rand4[16] = { 0xcd, 0xd4, 0xe7, 0x1a, 0xd9, 0x2c, 0xc0, 0x90,
				   0xf3, 0xa1, 0x3c, 0xb6, 0x6a, 0x2e, 0xcb, 0x18 };

static void t_vectors(void)
{
	struct gm g, b;
	struct mikey_gmk f;
	/* Test 1: GMK to sip:alice@streamwide.com (GMK 07d1..., GMK-ID 0df9bc39,
	 * GUK-ID 06a12aea) */
	CHECK(load("gmk", "alice", &g) == 0);
	CHECK(mikey_gmk_check(&g.m, NULL) == LIM_OK);
	CHECK(mikey_gmk_facts(&g.m, g.ssv, sizeof g.ssv, g.uri, g.urilen, &f) == LIM_OK);
	CHECK(f.gmk_len == 16);
	CHECK_EQ_MEM(f.gmk, gmk_val, 16);
	CHECK(f.gmk_id == 0x0df9bc39u && f.gmk_id_src == MIKEY_GMKID_BOTH);
	CHECK(f.guk_id == 0x06a12aeau);
	CHECK(f.rand_len == 16);
	CHECK_EQ_MEM(f.rand, rand1, 16);
	CHECK(f.prf == 1 && f.has_ts);
	/* E.6 key parameters: opened with the GMK (tag verified), a GMK, not revoked */
	CHECK(f.has_kp && f.kp_err == LIM_OK && !f.dppk_mismatch);
	CHECK(!f.kp.legacy && f.kp.key_type == MIKEY_KEY_GMK && f.kp.status == 1);
	CHECK(f.kp.activation == 0 && f.kp.expiry == 0 && f.kp.text_len == 0);
	CHECK(f.kp.has_groups && f.kp.n_group == 0);
	mikey_gmk_wipe(&f);
	/* no URI: the SPI alone */
	CHECK(mikey_gmk_facts(&g.m, g.ssv, sizeof g.ssv, NULL, 0, &f) == LIM_OK);
	CHECK(f.gmk_id == 0x0df9bc39u && f.gmk_id_src == MIKEY_GMKID_SPI);
	mikey_gmk_wipe(&f);
	/* a URI that is not the addressee's disagrees with the SPI */
	{
		static const char bob[] = "sip:bob@streamwide.com";
		CHECK(mikey_gmk_facts(&g.m, g.ssv, sizeof g.ssv, bob, sizeof bob - 1, &f) ==
		      LIM_E_AUTH);
		CHECK(f.gmk_len == 0 && f.gmk_id == 0);
	}
	/* the wrong key: facts still given, the key parameters fail their GCM tag */
	{
		uint8_t bad[16];
		memcpy(bad, g.ssv, 16);
		bad[0] ^= 1;
		CHECK(mikey_gmk_facts(&g.m, bad, sizeof bad, NULL, 0, &f) == LIM_OK);
		CHECK(f.has_kp && f.kp_err == LIM_E_AUTH);
		mikey_gmk_wipe(&f);
	}
	/* Test 4: legacy IWF format: SRTP-ID map, no SPI, clear pre-standard key parameters */
	CHECK(load("gmk_iwf", "iwf", &b) == 0);
	CHECK(mikey_gmk_check(&b.m, NULL) == LIM_OK);
	CHECK(mikey_gmk_facts(&b.m, b.ssv, sizeof b.ssv, b.uri, b.urilen, &f) == LIM_OK);
	CHECK_EQ_MEM(f.gmk, gmk_val, 16);
	CHECK(f.gmk_id == 0x0df9bc39u && f.gmk_id_src == MIKEY_GMKID_SALT);
	CHECK(f.guk_id == 0x048209a7u);
	CHECK(f.rand_len == 16);
	CHECK_EQ_MEM(f.rand, rand4, 16);
	CHECK(f.has_kp && f.kp_err == LIM_OK && f.kp.legacy && f.kp.key_type == MIKEY_KEY_GMK);
	mikey_gmk_wipe(&f);
	CHECK(mikey_gmk_facts(&b.m, b.ssv, sizeof b.ssv, NULL, 0, &f) == LIM_OK);
	CHECK(f.gmk_id_src == MIKEY_GMKID_NONE && f.gmk_id == 0);
	mikey_gmk_wipe(&f);
	CHECK(mikey_gmk_facts(&b.m, b.ssv, 0, NULL, 0, &f) == LIM_E_ARG);
	CHECK(mikey_gmk_facts(NULL, b.ssv, 16, NULL, 0, &f) == LIM_E_ARG);
}

static void t_check(void)
{
	struct gm g;
	uint8_t buf[1024];
	size_t n;
	struct mikey_msg m;
	const char *why = NULL;
	/* the PCK and CSK messages are not GMK distributions */
	CHECK(hex("pck_msg", buf, sizeof buf, &n) == 0 && mikey_parse(buf, n, &m) == LIM_OK);
	CHECK(mikey_gmk_check(&m, &why) == LIM_E_PARSE && why && strstr(why, "purpose"));
	CHECK(hex("csk_msg", buf, sizeof buf, &n) == 0 && mikey_parse(buf, n, &m) == LIM_OK);
	CHECK(mikey_gmk_check(&m, &why) == LIM_E_PARSE);
	CHECK(load("gmk", "alice", &g) == 0);
	/* CS-ID 6 instead of 4 (octet 10: first GENERIC-ID entry) */
	memcpy(buf, g.msg, g.len);
	CHECK(buf[10] == 4);
	buf[10] = 6;
	CHECK(mikey_parse(buf, g.len, &m) == LIM_OK);
	CHECK(mikey_gmk_check(&m, &why) == LIM_E_PARSE && strstr(why, "CS-ID"));
	/* purpose tag PCK on the CSB-ID */
	memcpy(buf, g.msg, g.len);
	buf[4] |= 0x10;
	CHECK(mikey_parse(buf, g.len, &m) == LIM_OK);
	CHECK(mikey_gmk_check(&m, &why) == LIM_E_PARSE);
	{
		struct mikey_gmk f;
		CHECK(mikey_gmk_facts(&m, g.ssv, 16, NULL, 0, &f) == LIM_E_PARSE);
	}
	/* SPI's GUK-ID half not the CSB-ID: SPI at the end of the GENERIC-ID entry */
	memcpy(buf, g.msg, g.len);
	CHECK(g.m.cs[0].spi_len == 8);
	buf[(size_t)(g.m.cs[0].spi - g.msg) + 7] ^= 1;
	CHECK(mikey_parse(buf, g.len, &m) == LIM_OK);
	CHECK(mikey_gmk_check(&m, &why) == LIM_E_PARSE && strstr(why, "SPI"));
	/* not an I_MESSAGE at all */
	memset(&m, 0, sizeof m);
	CHECK(mikey_gmk_check(&m, NULL) == LIM_E_PARSE);
	CHECK(mikey_gmk_check(NULL, &why) == LIM_E_PARSE);
}

/* Builds a protected key-parameters payload (TS 33.180 E.6.1 / s8.5.4) around plaintext pt,
 * independently of gmk.c: HMAC for the DPCK, EVP AES-128-GCM. Returns its length. */
static size_t seal(const uint8_t key[16], uint32_t dppk, const uint8_t *pt, size_t ptlen,
		   uint8_t *out, size_t cap)
{
	uint8_t s[7] = { 0x53,
			 (uint8_t)(dppk >> 24),
			 (uint8_t)(dppk >> 16),
			 (uint8_t)(dppk >> 8),
			 (uint8_t)dppk,
			 0,
			 4 },
		mac[32];
	unsigned int ml = 0;
	struct lim_wr w;
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	int n = 0;
	size_t ct;
	HMAC(EVP_sha256(), key, 16, s, sizeof s, mac, &ml);
	lim_wr_init(&w, out, cap);
	lim_wr_u8(&w, 0x43);
	lim_wr_bytes(&w, "\x00\x00\x00\x00\x07", 5); /* date/time */
	lim_wr_u32be(&w, 0);                         /* payload ID */
	lim_wr_u8(&w, 0);                            /* sequence */
	lim_wr_u8(&w, 1);                            /* AEAD_AES_128_GCM */
	for (int i = 0; i < 16; i++)
		lim_wr_u8(&w, (uint8_t)(0xa0 + i)); /* IV */
	lim_wr_u32be(&w, dppk);
	lim_wr_u8(&w, 0);
	lim_wr_u16be(&w, (uint16_t)(ptlen + 16));
	ct = w.len;
	EVP_EncryptInit_ex(x, EVP_aes_128_gcm(), NULL, NULL, NULL);
	EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_IVLEN, 16, NULL);
	EVP_EncryptInit_ex(x, NULL, NULL, mac + 16, out + 12);
	{
		uint8_t ad[32];
		memcpy(ad, out, 12);
		memcpy(ad + 12, out + 12, 20);
		EVP_EncryptUpdate(x, NULL, &n, ad, 32);
	}
	EVP_EncryptUpdate(x, out + ct, &n, pt, (int)ptlen);
	EVP_EncryptFinal_ex(x, out + ct + n, &n);
	EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_GET_TAG, 16, out + ct + ptlen);
	EVP_CIPHER_CTX_free(x);
	return ct + ptlen + 16;
}

/* Key Parameters content with the given groups. */
static size_t kp_build(uint8_t *out, size_t cap, uint8_t type, const char *const *groups, size_t ng)
{
	struct lim_wr w;
	size_t glen = 1;
	lim_wr_init(&w, out, cap);
	lim_wr_u8(&w, type);
	lim_wr_u32be(&w, 1);
	lim_wr_bytes(&w, "\x00\xe9\x12\x34\x56", 5); /* activation */
	lim_wr_bytes(&w, "\x00\xea\x00\x00\x01", 5); /* expiry */
	lim_wr_u16be(&w, 7);
	lim_wr_bytes(&w, "Group A", 7);
	if (type != MIKEY_KEY_GMK)
		return w.len;
	for (size_t i = 0; i < ng; i++)
		glen += 3 + strlen(groups[i]);
	lim_wr_u16be(&w, (uint16_t)glen);
	lim_wr_u8(&w, (uint8_t)ng);
	for (size_t i = 0; i < ng; i++) {
		lim_wr_u8(&w, 0x78);
		lim_wr_u16be(&w, (uint16_t)strlen(groups[i]));
		lim_wr_bytes(&w, groups[i], strlen(groups[i]));
	}
	lim_wr_bytes(&w, "\xff\xff", 2); /* reserved */
	return lim_wr_ok(&w) ? w.len : 0;
}

static void t_kp(void)
{
	static const char *const groups[] = { "sip:fire-north@mcptt.example.org",
					      "sip:fire-all@mcdata.example.org" };
	static const uint8_t key[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	uint8_t pt[512], pp[1024];
	size_t ptlen, pplen;
	struct mikey_key_params kp;
	bool mm;

	ptlen = kp_build(pt, sizeof pt, MIKEY_KEY_GMK, groups, 2);
	CHECK(ptlen > 0);
	CHECK(mikey_key_params_parse(pt, ptlen, &kp) == LIM_OK);
	CHECK(kp.key_type == MIKEY_KEY_GMK && kp.status == 1);
	CHECK(kp.activation == 0x00e9123456ull && kp.expiry == 0x00ea000001ull);
	CHECK(kp.text_len == 7 && strcmp(kp.text, "Group A") == 0);
	CHECK(kp.has_groups && kp.n_group == 2 && !kp.group_cut);
	CHECK(kp.group[0].iei == 0x78 && kp.group[0].len == strlen(groups[0]) &&
	      memcmp(kp.group[0].id, groups[0], kp.group[0].len) == 0);
	CHECK(kp.group[1].len == strlen(groups[1]) &&
	      memcmp(kp.group[1].id, groups[1], kp.group[1].len) == 0);
	/* every truncation fails cleanly (up to the end of the group IDs) */
	for (size_t cut = 0; cut < ptlen - 2; cut++) {
		enum lim_err rc = mikey_key_params_parse(pt, cut, &kp);
		/* after the text the group element is optional (legacy layout) */
		CHECK(rc == LIM_E_TRUNC || (cut == 24 && rc == LIM_OK));
	}
	/* group LV-E one longer than its IEs: PARSE; IE length past the LV-E: TRUNC */
	{
		uint8_t b[512];
		memcpy(b, pt, ptlen);
		b[25]++; /* LV-E length low octet (offset 24..25) */
		CHECK(mikey_key_params_parse(b, ptlen, &kp) == LIM_E_PARSE);
		memcpy(b, pt, ptlen);
		b[29]++; /* first IE length low octet (27 IEI, 28..29 length) */
		CHECK(mikey_key_params_parse(b, ptlen, &kp) == LIM_E_TRUNC);
		memcpy(b, pt, ptlen);
		b[15] = 0xff; /* text length high octet */
		CHECK(mikey_key_params_parse(b, ptlen, &kp) == LIM_E_TRUNC);
		memcpy(b, pt, ptlen);
		b[26] = 9; /* nine IDs announced, two there */
		CHECK(mikey_key_params_parse(b, ptlen, &kp) == LIM_E_TRUNC);
	}
	/* sealed and opened */
	pplen = seal(key, 0x0123abcd, pt, ptlen, pp, sizeof pp);
	CHECK(mikey_key_params_open(pp, pplen, key, 16, 0x0123abcd, &kp, &mm) == LIM_OK);
	CHECK(!mm && kp.n_group == 2 && kp.activation == 0x00e9123456ull);
	CHECK(mikey_key_params_open(pp, pplen, key, 16, 0x0123abce, &kp, &mm) == LIM_OK && mm);
	for (size_t cut = 0; cut < pplen; cut++)
		CHECK(mikey_key_params_open(pp, cut, key, 16, 0x0123abcd, &kp, NULL) != LIM_OK);
	{
		uint8_t b[1024];
		memcpy(b, pp, pplen);
		b[pplen - 20] ^= 0x80; /* ciphertext */
		CHECK(mikey_key_params_open(b, pplen, key, 16, 0x0123abcd, &kp, NULL) ==
		      LIM_E_AUTH);
		memcpy(b, pp, pplen);
		b[3] ^= 1; /* date/time is authenticated (associated data) */
		CHECK(mikey_key_params_open(b, pplen, key, 16, 0x0123abcd, &kp, NULL) ==
		      LIM_E_AUTH);
		memcpy(b, pp, pplen);
		b[11] = 2; /* algorithm */
		CHECK(mikey_key_params_open(b, pplen, key, 16, 0x0123abcd, &kp, NULL) ==
		      LIM_E_UNSUPP);
		memcpy(b, pp, pplen);
		b[0] = 0x00; /* neither encrypted nor legacy */
		CHECK(mikey_key_params_open(b, pplen, key, 16, 0x0123abcd, &kp, NULL) ==
		      LIM_E_UNSUPP);
		memcpy(b, pp, pplen);
		b[34]++; /* payload length past the end */
		CHECK(mikey_key_params_open(b, pplen, key, 16, 0x0123abcd, &kp, NULL) ==
		      LIM_E_TRUNC);
		memcpy(b, pp, pplen);
		b[pplen] = 0; /* a trailing octet */
		CHECK(mikey_key_params_open(b, pplen + 1, key, 16, 0x0123abcd, &kp, NULL) ==
		      LIM_E_PARSE);
		CHECK(mikey_key_params_open(pp, pplen, key, 32, 0x0123abcd, &kp, NULL) ==
		      LIM_E_UNSUPP);
	}
	/* a PCK's parameters carry no groups */
	ptlen = kp_build(pt, sizeof pt, MIKEY_KEY_PCK, NULL, 0);
	CHECK(mikey_key_params_parse(pt, ptlen, &kp) == LIM_OK && !kp.has_groups);
	CHECK(strcmp(mikey_key_type_name(MIKEY_KEY_CSK), "CSK") == 0);
	CHECK(strcmp(mikey_key_type_name(200), "unknown") == 0);
}

const struct lim_suite t_gmk_suites[] = {
	{ "gmk_vectors", t_vectors },
	{ "gmk_check", t_check },
	{ "gmk_kp", t_kp },
	{ NULL, NULL },
};
