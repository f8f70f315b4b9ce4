#include "decrypt/unwrap.h"

#include <string.h>

#include "common/wipe.h"
#include "decrypt/eccsi.h"
#include "decrypt/kdf.h"
#include "decrypt/uid.h"

/* see unwrap.h (as mikey_ts_iso8601 reads T) */
bool mikey_t_ntp_secs(const struct mikey_msg *m, uint64_t *secs)
{
	if (!m->has_t || (m->ts_type != MIKEY_TS_NTP_UTC && m->ts_type != MIKEY_TS_NTP))
		return false;
	*secs = m->ts >> 32;
	if (!(*secs & 0x80000000u))
		*secs += (uint64_t)1 << 32;
	return true;
}

static enum lim_err add_rfc6509(const struct mikey_msg *m, const char *uri, size_t urilen,
				struct mikey_ident *c)
{
	uint64_t secs;
	if (!mikey_t_ntp_secs(m, &secs))
		return LIM_E_ARG;
	c->kind = MIKEY_IDENT_RFC6509;
	c->period_no = 0;
	return mikey_rfc6509_id(secs, uri, urilen, c->id, sizeof c->id, &c->len);
}

/* The TS 33.180 UIDs (Annex F) of uri for the key period of m's T, then the one before and
 * after (clock skew at a period boundary). The KMS URI is cfg's, else the message's KMS IDR. */
static enum lim_err add_uids(const struct mikey_msg *m, const struct mikey_idr *kms,
			     const struct mikey_ident_cfg *cfg, const char *uri, size_t urilen,
			     struct mikey_ident out[MIKEY_IDENT_CANDIDATES], size_t *n)
{
	const char *kuri = cfg->kms_uri;
	size_t klen = cfg->kmslen;
	uint64_t secs, no;
	enum lim_err rc;

	if (!kuri) {
		if (!kms)
			return LIM_E_ARG;
		kuri = (const char *)kms->data;
		klen = mikey_id_textlen(kms);
	}
	if (urilen == 0 || klen == 0 || !mikey_t_ntp_secs(m, &secs))
		return LIM_E_ARG;
	rc = mikey_key_period_no(secs, cfg->period, cfg->offset, &no);
	if (rc != LIM_OK)
		return rc;
	const uint64_t tries[3] = { no, no - 1, no + 1 };
	for (size_t i = 0; i < 3; i++) {
		if ((i == 1 && no == 0) || (i == 2 && no == UINT64_MAX))
			continue;
		rc = mikey_uid(uri, urilen, kuri, klen, cfg->period, cfg->offset, tries[i],
			       out[*n].id);
		if (rc != LIM_OK) {
			*n = 0;
			return rc;
		}
		out[*n].len = MIKEY_UID_LEN;
		out[*n].kind = MIKEY_IDENT_UID;
		out[*n].period_no = tries[i];
		(*n)++;
	}
	return LIM_OK;
}

/* see unwrap.h */
bool mikey_idr_is_uid(const struct mikey_idr *id)
{
	if (!id || id->len != MIKEY_UID_LEN)
		return false;
	if (id->role == MIKEY_ROLE_IDRUIDI || id->role == MIKEY_ROLE_IDRUIDR)
		return true;
	size_t tl = mikey_id_textlen(id);
	if (tl == 0)
		return true;
	for (size_t i = 0; i < tl; i++)
		if (id->data[i] < 0x20 || id->data[i] > 0x7e)
			return true;
	return false;
}

/* see unwrap.h */
enum lim_err mikey_ident_candidates(const struct mikey_msg *m, bool responder,
				    const struct mikey_ident_cfg *cfg,
				    struct mikey_ident out[MIKEY_IDENT_CANDIDATES], size_t *n)
{
	const struct mikey_idr *party = responder ? mikey_responder(m) : mikey_initiator(m);
	const struct mikey_idr *kms = responder ? mikey_kms_responder(m) : mikey_kms_initiator(m);
	enum lim_err rc;

	*n = 0;
	if (cfg && cfg->id) {
		if (cfg->idlen == 0 || cfg->idlen > sizeof out[0].id)
			return LIM_E_ARG;
		memcpy(out[0].id, cfg->id, cfg->idlen);
		out[0].len = cfg->idlen;
		out[0].kind = MIKEY_IDENT_EXPLICIT;
		out[0].period_no = 0;
		*n = 1;
		return LIM_OK;
	}
	if (cfg && cfg->uri) {
		if (cfg->has_period)
			return add_uids(m, kms, cfg, cfg->uri, cfg->urilen, out, n);
		rc = add_rfc6509(m, cfg->uri, cfg->urilen, &out[0]);
		if (rc == LIM_OK)
			*n = 1;
		return rc;
	}
	/* From the message: a UID as carried (mikey_idr_is_uid), else the clear URI, in the
	 * TS 33.180 UID form when the key period is known and the RFC 6509 form otherwise. */
	if (!party || party->len == 0)
		return LIM_E_ARG;
	if (party->role == MIKEY_ROLE_IDRUIDI || party->role == MIKEY_ROLE_IDRUIDR ||
	    mikey_idr_is_uid(party)) {
		/* roles 8/9 carry exactly one UID (TS 33.180 E.6); anything else is malformed */
		if (!mikey_idr_is_uid(party))
			return LIM_E_ARG;
		memcpy(out[0].id, party->data, MIKEY_UID_LEN);
		out[0].len = MIKEY_UID_LEN;
		out[0].kind = MIKEY_IDENT_MSG_UID;
		out[0].period_no = 0;
		*n = 1;
		return LIM_OK;
	}
	if (cfg && cfg->has_period)
		return add_uids(m, kms, cfg, (const char *)party->data, mikey_id_textlen(party),
				out, n);
	/* a clear URI under the 3GPP scheme needs the key period to form its UID */
	if (m->sakke_id_scheme == 2)
		return LIM_E_ARG;
	rc = add_rfc6509(m, (const char *)party->data, mikey_id_textlen(party), &out[0]);
	if (rc == LIM_OK)
		*n = 1;
	return rc;
}

/* see unwrap.h */
enum lim_err mikey_sakke_unwrap(const struct mikey_msg *m, const uint8_t Z[SAKKE_POINT_LEN],
				const uint8_t rsk[SAKKE_POINT_LEN],
				const struct mikey_ident_cfg *cfg, uint8_t ssv[SAKKE_SSV_LEN],
				struct mikey_ident *used)
{
	struct mikey_ident cand[MIKEY_IDENT_CANDIDATES];
	size_t n = 0;
	enum lim_err rc;
	const char *why;

	memset(ssv, 0, SAKKE_SSV_LEN);
	if (mikey_check_sakke_imessage(m, &why) != LIM_OK)
		return LIM_E_PARSE;
	if (m->sakke_params != 1)
		return LIM_E_UNSUPP;
	rc = mikey_ident_candidates(m, true, cfg, cand, &n);
	if (rc != LIM_OK)
		return rc;
	rc = LIM_E_AUTH;
	for (size_t i = 0; i < n; i++) {
		enum lim_err r =
			sakke_decapsulate(Z, cand[i].id, cand[i].len, rsk, m->sed, m->sed_len, ssv);
		if (r == LIM_OK) {
			if (used)
				*used = cand[i];
			rc = LIM_OK;
			break;
		}
		if (r != LIM_E_AUTH) {
			rc = r;
			break;
		}
	}
	if (rc != LIM_OK)
		lim_wipe(ssv, SAKKE_SSV_LEN);
	return rc;
}

/* see unwrap.h */
enum lim_err mikey_sakke_unwrap_ctx(const struct mikey_msg *m, const struct sakke_rsk_ctx *ctx,
				    uint8_t ssv[SAKKE_SSV_LEN])
{
	const char *why;
	enum lim_err rc;
	memset(ssv, 0, SAKKE_SSV_LEN);
	if (!ctx || mikey_check_sakke_imessage(m, &why) != LIM_OK)
		return ctx ? LIM_E_PARSE : LIM_E_ARG;
	if (m->sakke_params != 1)
		return LIM_E_UNSUPP;
	rc = sakke_rsk_ctx_decapsulate(ctx, m->sed, m->sed_len, ssv);
	if (rc != LIM_OK)
		lim_wipe(ssv, SAKKE_SSV_LEN);
	return rc;
}

/* see unwrap.h */
enum lim_err mikey_sakke_verify(const struct mikey_msg *m, const uint8_t kpak[65],
				const struct mikey_ident_cfg *cfg, struct mikey_ident *used)
{
	struct mikey_ident cand[MIKEY_IDENT_CANDIDATES];
	size_t n = 0;

	if (!m->has_sign || m->sign_type != MIKEY_SIGN_ECCSI || m->sig_len != ECCSI_SIG_LEN)
		return LIM_E_AUTH;
	if (mikey_ident_candidates(m, false, cfg, cand, &n) != LIM_OK)
		return LIM_E_AUTH;
	for (size_t i = 0; i < n; i++) {
		for (int c = MIKEY_SIGN_COVER_HDR; c <= MIKEY_SIGN_COVER_NOHDR; c++) {
			const uint8_t *p;
			size_t len;
			if (mikey_signed_part(m, (enum mikey_sign_cover)c, &p, &len) != LIM_OK)
				return LIM_E_AUTH;
			if (eccsi_verify(kpak, cand[i].id, cand[i].len, p, len, m->sig,
					 m->sig_len) == LIM_OK) {
				if (used)
					*used = cand[i];
				return LIM_OK;
			}
		}
	}
	return LIM_E_AUTH;
}

/* Parameter `type` of SRTP policy policy_no: 1 with *v its value (one octet), 0 when absent (*v
 * untouched), -1 when present with another length. */
static int sp_get(const struct mikey_msg *m, uint8_t policy_no, uint8_t type, unsigned *v)
{
	for (size_t i = 0; i < m->n_sp; i++) {
		const struct mikey_sp *sp = &m->sp[i];
		if (sp->policy_no != policy_no || sp->prot_type != MIKEY_PROT_SRTP)
			continue;
		for (size_t k = 0; k < sp->n_params; k++)
			if (sp->params[k].type == type) {
				if (sp->params[k].len != 1)
					return -1;
				*v = sp->params[k].val[0];
				return 1;
			}
	}
	return 0;
}

/* Whether the message has an SRTP policy policy_no (an SP payload for it). */
static bool sp_has(const struct mikey_msg *m, uint8_t policy_no)
{
	for (size_t i = 0; i < m->n_sp; i++)
		if (m->sp[i].policy_no == policy_no && m->sp[i].prot_type == MIKEY_PROT_SRTP)
			return true;
	return false;
}

/* *v: parameter `type` of SRTP policy policy_no, or def when absent. false when it is present
 * with another length than one octet: not understood, so refused (before, such a value was
 * passed over for the default: a NULL cipher sent in two octets was taken for AES-CM, and the
 * clear payload XORed with a key stream was handed over as content) */
static bool sp_val(const struct mikey_msg *m, uint8_t policy_no, uint8_t type, unsigned def,
		   unsigned *v)
{
	*v = def;
	return sp_get(m, policy_no, type, v) >= 0;
}

/* see unwrap.h */
enum mikey_srtp_def mikey_srtp_def_of(const struct mikey_msg *m)
{
	return m->map_type == MIKEY_MAP_SRTP_ID ? MIKEY_SRTP_DEF_RFC3830 : MIKEY_SRTP_DEF_MCX_PCK;
}

static enum lim_err derive_one(const struct mikey_msg *m, const uint8_t *tgk, size_t tgklen,
			       uint8_t policy_no, enum mikey_srtp_def def, struct mikey_srtp_key *k)
{
	unsigned alg, klen, slen, enc = 1, auth = 1, kdr = 0, aalg, tag;
	enum lim_err rc;

	/* TS 33.180's profile is the one "where no security profile is provided" (no SP): the
	 * parameters an SP leaves out are RFC 3830's (RFC 7714's for GCM's salt and tag) */
	if (sp_has(m, policy_no))
		def = MIKEY_SRTP_DEF_RFC3830;
	if (!sp_val(m, policy_no, MIKEY_SRTP_ENC_ALG,
		    def == MIKEY_SRTP_DEF_RFC3830 ? MIKEY_SRTP_AES_CM : MIKEY_SRTP_AES_GCM, &alg) ||
	    !sp_val(m, policy_no, MIKEY_SRTP_ENC_KEY_LEN, 16, &klen) ||
	    !sp_val(m, policy_no, MIKEY_SRTP_SALT_KEY_LEN, alg == MIKEY_SRTP_AES_GCM ? 12 : 14,
		    &slen) ||
	    !sp_val(m, policy_no, MIKEY_SRTP_AUTH_ALG,
		    alg != MIKEY_SRTP_AES_GCM       ? 1
		    : def == MIKEY_SRTP_DEF_MCX_GMK ? 4
						    : 0,
		    &aalg) ||
	    !sp_val(m, policy_no,
		    alg == MIKEY_SRTP_AES_GCM ? MIKEY_SRTP_AEAD_TAG_LEN : MIKEY_SRTP_AUTH_TAG_LEN,
		    alg == MIKEY_SRTP_AES_GCM ? 16 : 10, &tag))
		return LIM_E_UNSUPP;
	if (alg != MIKEY_SRTP_AES_CM && alg != MIKEY_SRTP_AES_GCM)
		return LIM_E_UNSUPP;
	/* the rest of what the sessions are made with, as the sessions make them: the AES-CM
	 * PRF, no SRTP prefix (RFC 3711 s4.1.1: a prefix shifts the key stream, and its packets
	 * still authenticate: the payload would go on garbled), HMAC-SHA1's 20-octet key */
	{
		unsigned prf, prefix, aklen;
		if (!sp_val(m, policy_no, MIKEY_SRTP_PRF, 0, &prf) ||
		    !sp_val(m, policy_no, MIKEY_SRTP_PREFIX_LEN, 0, &prefix) ||
		    !sp_val(m, policy_no, MIKEY_SRTP_AUTH_KEY_LEN, 20, &aklen) || prf != 0 ||
		    prefix != 0 || (alg == MIKEY_SRTP_AES_CM && aklen != 20))
			return LIM_E_UNSUPP;
	}
	if ((klen != 16 && klen != 32) || slen < 12 || slen > sizeof k->salt)
		return LIM_E_UNSUPP;
	/* RFC 3830 s6.10.1: encryption and authentication on and a rate of 0 unless said (a
	 * value of another length than one octet: not understood, refused too) */
	if (sp_get(m, policy_no, MIKEY_SRTP_SRTP_ENC, &enc) < 0 ||
	    sp_get(m, policy_no, MIKEY_SRTP_SRTP_AUTH, &auth) < 0 ||
	    sp_get(m, policy_no, MIKEY_SRTP_KDR, &kdr) < 0 || enc != 1 || auth != 1 || kdr != 0)
		return LIM_E_UNSUPP;
	k->enc_alg = (uint8_t)alg;
	k->auth_alg = (uint8_t)aalg;
	k->auth_tag_len = (uint8_t)tag;
	/* the profiles limf decrypts, and no other (unwrap.h: a caller must never be handed a
	 * policy without integrity to open a session with), all of 16-octet keys: AES-CM with
	 * HMAC-SHA1 (auth algorithm 1, or RFC 4771 RCCm2, 3: the RCC mode limf's SRTP wrapper
	 * receives with AES-CM, decrypt/srtp.h; RCCm3 leaves the packets that carry the ROC
	 * without a MAC), a 14-octet salt and a 10- or 4-octet tag; AES-GCM (RFC 7714: its own
	 * tag; auth algorithm NULL, or RCCm3, 4: the ROC beside the AEAD tag), a 12-octet salt
	 * and a 16-octet tag. (Before, a NULL auth algorithm with AES-CM, other salt and tag
	 * lengths passed here and were refused only by the session set-up, or not at all.) */
	if (klen != 16 ||
	    (alg == MIKEY_SRTP_AES_CM ? (k->auth_alg != 1 && k->auth_alg != 3) || slen != 14 ||
						(k->auth_tag_len != 10 && k->auth_tag_len != 4)
				      : (k->auth_alg != 0 && k->auth_alg != 4) || slen != 12 ||
						k->auth_tag_len != 16))
		return LIM_E_UNSUPP;
	k->key_len = (uint8_t)klen;
	k->salt_len = (uint8_t)slen;
	rc = kdf_derive((enum mikey_prf)m->prf, tgk, tgklen, KDF_CONST_TEK, k->cs_id, m->csb_id,
			m->rand, m->rand_len, k->key, klen);
	if (rc == LIM_OK)
		rc = kdf_derive((enum mikey_prf)m->prf, tgk, tgklen, KDF_CONST_SALT, k->cs_id,
				m->csb_id, m->rand, m->rand_len, k->salt, slen);
	return rc;
}

/* see unwrap.h */
enum lim_err mikey_group_talker_key(enum mikey_prf prf, const uint8_t *gmk, size_t gmklen,
				    uint32_t gmk_id, const uint8_t *gmk_rand, size_t randlen,
				    const char *uri, size_t urilen, uint8_t *key, size_t key_len,
				    uint8_t *salt, size_t salt_len, uint32_t *guk_id)
{
	enum lim_err rc = LIM_E_ARG;
	uint32_t guk = 0;
	if (!gmk || !gmk_rand || !uri || !key || !salt || !guk_id || gmklen == 0 || randlen == 0 ||
	    key_len == 0 || key_len > 32 || salt_len == 0 || salt_len > 14)
		goto out;
	rc = mikey_guk_id(gmk, gmklen, gmk_id, uri, urilen, &guk);
	if (rc == LIM_OK)
		rc = kdf_derive(prf, gmk, gmklen, KDF_CONST_TEK, MIKEY_CS_GMK, guk, gmk_rand,
				randlen, key, key_len);
	if (rc == LIM_OK)
		rc = kdf_derive(prf, gmk, gmklen, KDF_CONST_SALT, MIKEY_CS_GMK, guk, gmk_rand,
				randlen, salt, salt_len);
out:
	if (rc != LIM_OK) {
		if (key && key_len <= 32)
			lim_wipe(key, key_len);
		if (salt && salt_len <= 14)
			lim_wipe(salt, salt_len);
		guk = 0;
	}
	if (guk_id)
		*guk_id = guk;
	return rc;
}

/* see unwrap.h */
enum lim_err mikey_srtp_keys(const struct mikey_msg *m, const uint8_t *tgk, size_t tgklen,
			     enum mikey_srtp_def def, struct mikey_srtp_key out[MIKEY_MAX_KEYS],
			     size_t *n)
{
	enum lim_err rc = LIM_OK;
	size_t cnt = 0;

	*n = 0;
	memset(out, 0, sizeof(struct mikey_srtp_key) * MIKEY_MAX_KEYS);
	if (!m->has_rand)
		return LIM_E_PARSE;
	switch (m->map_type) {
	case MIKEY_MAP_SRTP_ID:
		/* RFC 3830 s6.1.1: the CS ID of entry i is i + 1 */
		for (size_t i = 0; i < m->n_map && rc == LIM_OK; i++, cnt++) {
			out[cnt].cs_id = (uint8_t)(i + 1);
			out[cnt].has_ssrc = true;
			out[cnt].ssrc = m->cs[i].ssrc;
			out[cnt].roc = m->cs[i].roc;
			rc = derive_one(m, tgk, tgklen, m->cs[i].policy_no, def, &out[cnt]);
		}
		break;
	case MIKEY_MAP_EMPTY:
		/* TS 33.180 private call: CS 0 the initiator's stream, CS 1 the responder's; the
		 * MKI is the key's ID (PCK-ID = CSB ID) */
		for (uint8_t cs = 0; cs < 2 && rc == LIM_OK; cs++, cnt++) {
			out[cnt].cs_id = cs;
			out[cnt].mki[0] = (uint8_t)(m->csb_id >> 24);
			out[cnt].mki[1] = (uint8_t)(m->csb_id >> 16);
			out[cnt].mki[2] = (uint8_t)(m->csb_id >> 8);
			out[cnt].mki[3] = (uint8_t)m->csb_id;
			out[cnt].mki_len = 4;
			rc = derive_one(m, tgk, tgklen, m->n_sp ? m->sp[0].policy_no : 0, def,
					&out[cnt]);
		}
		break;
	case MIKEY_MAP_GENERIC_ID:
		for (size_t i = 0; i < m->n_map && rc == LIM_OK; i++, cnt++) {
			const struct mikey_cs *cs = &m->cs[i];
			out[cnt].cs_id = cs->cs_id;
			if (cs->spi_len > sizeof out[cnt].mki) {
				rc = LIM_E_UNSUPP;
				break;
			}
			if (cs->spi_len)
				memcpy(out[cnt].mki, cs->spi, cs->spi_len);
			out[cnt].mki_len = cs->spi_len;
			rc = derive_one(m, tgk, tgklen, cs->n_ps ? cs->ps[0] : 0, def, &out[cnt]);
		}
		break;
	default: rc = LIM_E_PARSE;
	}
	if (rc != LIM_OK) {
		mikey_srtp_keys_wipe(out, MIKEY_MAX_KEYS);
		return rc;
	}
	*n = cnt;
	return LIM_OK;
}

/* see unwrap.h */
void mikey_srtp_keys_wipe(struct mikey_srtp_key *k, size_t n)
{
	lim_wipe(k, sizeof *k * n);
}
