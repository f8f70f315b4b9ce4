/* GMK distribution I_MESSAGEs: check, GMK-ID, key parameters (see gmk.h). */
#include "decrypt/gmk.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/rd.h"
#include "common/wipe.h"
#include "decrypt/uid.h"

#define PP_HDR_LEN       32 /* type .. DPPK-ID: the GCM associated data */
#define PP_IV_LEN        16
#define PP_TAG_LEN       16
#define PP_ALG_AES128GCM 1

/* see gmk.h */
const char *mikey_key_type_name(uint8_t t)
{
	static const char *const n[] = { "GMK", "PCK", "CSK", "SPK", "MKFC", "MSCCK", "MuSiK" };
	return t < sizeof n / sizeof n[0] ? n[t] : "unknown";
}

static bool rd_u40(struct lim_rd *r, uint64_t *v)
{
	uint8_t b[5];
	if (!lim_rd_bytes(r, b, 5)) {
		*v = 0;
		return false;
	}
	*v = ((uint64_t)b[0] << 32) | ((uint64_t)b[1] << 24) | ((uint64_t)b[2] << 16) |
	     ((uint64_t)b[3] << 8) | b[4];
	return true;
}

static bool has_groups(uint8_t t)
{
	return t == MIKEY_KEY_GMK || t == MIKEY_KEY_MKFC || t == MIKEY_KEY_MUSIK;
}

/* MC Group IDs (E.6.3): number (1), then IEs IEI (1) length (2) value, filling g exactly. */
static enum lim_err parse_groups(struct lim_rd g, struct mikey_key_params *kp)
{
	uint8_t n;
	if (!lim_rd_u8(&g, &n))
		return LIM_E_TRUNC;
	for (unsigned i = 0; i < n; i++) {
		uint8_t iei;
		uint16_t l;
		struct lim_rd v;
		if (!lim_rd_u8(&g, &iei) || !lim_rd_u16be(&g, &l) || !lim_rd_sub(&g, l, &v))
			return LIM_E_TRUNC;
		if (kp->n_group == MIKEY_KP_MAX_GROUPS) {
			kp->group_cut = true;
			continue;
		}
		{
			struct mikey_kp_group *e = &kp->group[kp->n_group++];
			size_t k = v.len < MIKEY_KP_GROUP_MAX ? v.len : MIKEY_KP_GROUP_MAX;
			e->iei = iei;
			if (k)
				memcpy(e->id, v.p, k);
			e->id[k] = 0;
			e->len = k;
			e->cut = k < v.len;
		}
	}
	if (!lim_rd_empty(&g))
		return LIM_E_PARSE; /* octets after the last IE inside the LV-E */
	return LIM_OK;
}

static enum lim_err parse_kp(const uint8_t *p, size_t len, bool legacy, struct mikey_key_params *kp)
{
	struct lim_rd r = lim_rd_make(p, len), t, g;
	uint16_t tl, gl;
	enum lim_err rc;
	if (!kp || (!p && len))
		return LIM_E_ARG;
	memset(kp, 0, sizeof *kp);
	kp->legacy = legacy;
	if (!lim_rd_u8(&r, &kp->key_type) || !lim_rd_u32be(&r, &kp->status) ||
	    !rd_u40(&r, &kp->activation) || !rd_u40(&r, &kp->expiry) || !lim_rd_u16be(&r, &tl))
		return LIM_E_TRUNC;
	if (!lim_rd_sub(&r, tl, &t))
		return LIM_E_TRUNC;
	kp->text_len = t.len < MIKEY_KP_TEXT_MAX ? t.len : MIKEY_KP_TEXT_MAX;
	kp->text_cut = kp->text_len < t.len;
	if (kp->text_len)
		memcpy(kp->text, t.p, kp->text_len);
	kp->text[kp->text_len] = 0;
	if (!has_groups(kp->key_type) || lim_rd_empty(&r))
		return LIM_OK; /* the legacy layout ends here */
	if (!lim_rd_u16be(&r, &gl) || !lim_rd_sub(&r, gl, &g))
		return LIM_E_TRUNC;
	kp->has_groups = true;
	if (gl == 0)
		return LIM_OK;
	rc = parse_groups(g, kp);
	/* what follows is "reserved" (Table E.6.1-1): ignored */
	return rc;
}

/* see gmk.h */
enum lim_err mikey_key_params_parse(const uint8_t *p, size_t len, struct mikey_key_params *kp)
{
	return parse_kp(p, len, false, kp);
}

/* DPCK = 128 LSBs of HMAC-SHA-256(key, 0x53 || DPPK-ID || 0x0004) (TS 33.180 s8.5.3). */
static enum lim_err dpck(const uint8_t *key, size_t keylen, const uint8_t id[4], uint8_t out[16])
{
	uint8_t s[7] = { 0x53, id[0], id[1], id[2], id[3], 0x00, 0x04 }, mac[32];
	unsigned int olen = 0;
	enum lim_err rc = LIM_E_CRYPTO;
	if (HMAC(EVP_sha256(), key, (int)keylen, s, sizeof s, mac, &olen) && olen == sizeof mac) {
		memcpy(out, mac + 16, 16);
		rc = LIM_OK;
	}
	LIM_WIPE(mac);
	return rc;
}

static enum lim_err gcm_open(const uint8_t k[16], const uint8_t *iv, const uint8_t *ad,
			     size_t adlen, const uint8_t *ct, size_t ctlen, const uint8_t *tag,
			     uint8_t *pt)
{
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	enum lim_err rc = LIM_E_CRYPTO;
	int n = 0;
	if (!x)
		return LIM_E_NOMEM;
	if (EVP_DecryptInit_ex(x, EVP_aes_128_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_IVLEN, PP_IV_LEN, NULL) != 1 ||
	    EVP_DecryptInit_ex(x, NULL, NULL, k, iv) != 1 ||
	    EVP_DecryptUpdate(x, NULL, &n, ad, (int)adlen) != 1 ||
	    (ctlen && EVP_DecryptUpdate(x, pt, &n, ct, (int)ctlen) != 1) ||
	    EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_TAG, PP_TAG_LEN, (void *)(uintptr_t)tag) != 1)
		goto out;
	rc = EVP_DecryptFinal_ex(x, pt + (ctlen ? (size_t)n : 0), &n) == 1 ? LIM_OK : LIM_E_AUTH;
out:
	EVP_CIPHER_CTX_free(x);
	return rc;
}

/* see gmk.h */
enum lim_err mikey_key_params_open(const uint8_t *ext, size_t len, const uint8_t *key,
				   size_t keylen, uint32_t csb_id, struct mikey_key_params *kp,
				   bool *dppk_mismatch)
{
	struct lim_rd r = lim_rd_make(ext, len), body;
	uint8_t type, alg, ptype, k[16], pt[4096];
	const uint8_t *hdr = ext, *iv;
	uint32_t dppk;
	uint16_t plen;
	enum lim_err rc;

	if (dppk_mismatch)
		*dppk_mismatch = false;
	if (!kp || !key || (!ext && len))
		return LIM_E_ARG;
	memset(kp, 0, sizeof *kp);
	if (!lim_rd_u8(&r, &type))
		return LIM_E_TRUNC;
	if (type >= 1 && type <= 3) {
		/* Streamwide legacy: clear, key type + 1 first */
		uint8_t tmp[MIKEY_KP_TEXT_MAX + 64];
		if (len > sizeof tmp)
			return LIM_E_PARSE;
		memcpy(tmp, ext, len);
		tmp[0] = (uint8_t)(type - 1);
		rc = parse_kp(tmp, len, true, kp);
		lim_wipe(tmp, sizeof tmp);
		return rc;
	}
	if (!(type & 0x40))
		return LIM_E_UNSUPP; /* not encrypted and not legacy: unknown layout */
	if (keylen != 16)
		return LIM_E_UNSUPP;
	if (!lim_rd_skip(&r, 5 + 4 + 1) || !lim_rd_u8(&r, &alg))
		return LIM_E_TRUNC;
	iv = r.p;
	if (!lim_rd_skip(&r, PP_IV_LEN) || !lim_rd_u32be(&r, &dppk))
		return LIM_E_TRUNC;
	if (alg != PP_ALG_AES128GCM)
		return LIM_E_UNSUPP;
	if (dppk != csb_id && dppk_mismatch)
		*dppk_mismatch = true;
	if (!lim_rd_u8(&r, &ptype) || !lim_rd_u16be(&r, &plen) || !lim_rd_sub(&r, plen, &body))
		return LIM_E_TRUNC;
	if (!lim_rd_empty(&r))
		return LIM_E_PARSE; /* octets after the payload */
	if (body.len < PP_TAG_LEN || body.len - PP_TAG_LEN > sizeof pt)
		return body.len < PP_TAG_LEN ? LIM_E_TRUNC : LIM_E_PARSE;
	{
		uint8_t ad[PP_HDR_LEN], idb[4] = { (uint8_t)(dppk >> 24), (uint8_t)(dppk >> 16),
						   (uint8_t)(dppk >> 8), (uint8_t)dppk };
		size_t ctlen = body.len - PP_TAG_LEN;
		memcpy(ad, hdr, 12);
		memcpy(ad + 12, iv, PP_IV_LEN);
		memcpy(ad + 28, idb, 4);
		rc = dpck(key, keylen, idb, k);
		if (rc == LIM_OK)
			rc = gcm_open(k, iv, ad, sizeof ad, body.p, ctlen, body.p + ctlen, pt);
		if (rc == LIM_OK)
			rc = mikey_key_params_parse(pt, ctlen, kp);
	}
	LIM_WIPE(k);
	LIM_WIPE(pt);
	return rc;
}

/* see gmk.h */
enum lim_err mikey_gmk_check(const struct mikey_msg *m, const char **why)
{
	const char *w = NULL, *chk = NULL;
	if (!m) {
		w = "no message";
	} else if (mikey_check_sakke_imessage(m, &chk) != LIM_OK) {
		w = chk ? chk : "not a MIKEY-SAKKE I_MESSAGE";
	} else if ((m->csb_id >> 28) != MIKEY_KEY_GMK) {
		w = "CSB-ID purpose tag is not GMK (0)";
	} else if (m->map_type == MIKEY_MAP_GENERIC_ID) {
		for (size_t i = 0; i < m->n_map && !w; i++) {
			const struct mikey_cs *cs = &m->cs[i];
			if (cs->cs_id != 4)
				w = "GENERIC-ID crypto session is not CS-ID 4 (GMK)";
			else if (cs->spi_len == 8 &&
				 ((((uint32_t)cs->spi[4] << 24) | ((uint32_t)cs->spi[5] << 16) |
				   ((uint32_t)cs->spi[6] << 8) | cs->spi[7]) != m->csb_id ||
				  (cs->spi[0] >> 4) != MIKEY_KEY_GMK))
				w = "GENERIC-ID SPI is not GMK-ID || GUK-ID";
		}
	} else if (m->map_type != MIKEY_MAP_EMPTY && m->map_type != MIKEY_MAP_SRTP_ID) {
		w = "unknown CS ID map type";
	}
	if (why)
		*why = w ? w : "ok";
	return w ? LIM_E_PARSE : LIM_OK;
}

/* see gmk.h */
void mikey_gmk_wipe(struct mikey_gmk *g)
{
	if (g)
		lim_wipe(g, sizeof *g);
}

/* see gmk.h */
enum lim_err mikey_gmk_facts(const struct mikey_msg *m, const uint8_t *ssv, size_t ssvlen,
			     const char *member_uri, size_t urilen, struct mikey_gmk *out)
{
	enum lim_err rc;
	bool spi = false;
	uint32_t spi_id = 0;
	if (!out)
		return LIM_E_ARG;
	memset(out, 0, sizeof *out);
	if (!m || !ssv || ssvlen == 0 || ssvlen > MIKEY_GMK_MAX || (!member_uri && urilen))
		return LIM_E_ARG;
	rc = mikey_gmk_check(m, NULL);
	if (rc != LIM_OK)
		return rc;
	memcpy(out->gmk, ssv, ssvlen);
	out->gmk_len = ssvlen;
	out->guk_id = m->csb_id;
	out->prf = m->prf;
	out->has_ts = m->has_t;
	out->ts = m->ts;
	out->rand_len = m->rand_len;
	memcpy(out->rand, m->rand, m->rand_len);
	for (size_t i = 0; i < m->n_map; i++)
		if (m->map_type == MIKEY_MAP_GENERIC_ID && m->cs[i].spi_len == 8) {
			const uint8_t *s = m->cs[i].spi;
			spi = true;
			spi_id = ((uint32_t)s[0] << 24) | ((uint32_t)s[1] << 16) |
				 ((uint32_t)s[2] << 8) | s[3];
			break;
		}
	if (member_uri) {
		uint32_t id;
		/* XOR with the User Salt is its own inverse (purpose tag untouched) */
		rc = mikey_guk_id(ssv, ssvlen, m->csb_id, member_uri, urilen, &id);
		if (rc != LIM_OK)
			goto fail;
		if (spi && id != spi_id) {
			rc = LIM_E_AUTH;
			goto fail;
		}
		out->gmk_id = id;
		out->gmk_id_src = spi ? MIKEY_GMKID_BOTH : MIKEY_GMKID_SALT;
	} else if (spi) {
		out->gmk_id = spi_id;
		out->gmk_id_src = MIKEY_GMKID_SPI;
	}
	out->kp_err = LIM_E_STATE;
	for (size_t i = 0; i < m->n_ext; i++)
		if (m->ext[i].type == MIKEY_EXT_KEY_PARAMS) {
			out->has_kp = true;
			out->kp_err =
				mikey_key_params_open(m->ext[i].data, m->ext[i].len, ssv, ssvlen,
						      m->csb_id, &out->kp, &out->dppk_mismatch);
			break;
		}
	return LIM_OK;
fail:
	mikey_gmk_wipe(out);
	return rc;
}
