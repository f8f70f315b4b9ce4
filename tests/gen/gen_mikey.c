/* limf-gen: the community file, key issue as the test KMS does it, and the signed
 * MIKEY-SAKKE I_MESSAGE (see gen.h; shapes documented in limf_gen.c). */
#include <stdlib.h>
#include <string.h>

#include "common/codec.h"
#include "common/wipe.h"
#include "decrypt/uid.h"
#include "limf/kms_glue.h"
#include "tests/gen/gen.h"
#include "tests/kms/kms_glue.h"

static void finish_cert(struct gen_community *c)
{
	if (sakke_kms_public(c->z, c->zlen, c->cert.z) != LIM_OK ||
	    eccsi_kpak_from_ksak(c->ksak, c->cert.kpak) != LIM_OK)
		gen_die("community: bad z or ksak");
	c->cert.parameter_set = 1;
}

/* see gen.h */
void gen_community_load(const char *path, struct gen_community *c)
{
	const char *why = "";
	if (kg_community_load(path, c, &why) != 0)
		gen_die("%s: %s", path, why);
}

/* see gen.h */
void gen_community_foreign(const struct gen_community *base, struct gen_rng *r,
			   struct gen_community *out)
{
	*out = *base;
	/* z < 2^1008 < q and KSAK < 2^255 < q(P-256); both non-zero */
	memset(out->z, 0, sizeof out->z);
	gen_rng_bytes(r, out->z + 2, sizeof out->z - 2);
	out->z[2] |= 0x01;
	out->zlen = sizeof out->z;
	gen_rng_bytes(r, out->ksak, sizeof out->ksak);
	out->ksak[0] = (uint8_t)((out->ksak[0] & 0x7f) | 0x01);
	finish_cert(out);
}

/* see gen.h */
void gen_community_wipe(struct gen_community *c)
{
	lim_wipe(c, sizeof *c);
}

/* The SAKKE/ECCSI identifier of uri at t_us, exactly as the test KMS forms it. */
static void ident(const struct gen_community *c, const char *uri, uint64_t t_us,
		  struct wr_kms_ident *id)
{
	if (limf_kms_ident(NULL, &c->cert, uri, (int64_t)t_us, id) != LIM_OK)
		gen_die("cannot form the identifier of %s at this time", uri);
}

static void set_idr(struct mikey_msg *m, uint8_t role, const uint8_t *d, size_t len)
{
	struct mikey_idr *r = &m->idr[m->n_idr++];
	r->role = role;
	r->type = MIKEY_IDT_URI;
	r->data = d;
	r->len = (uint16_t)len;
}

static void sp_add(struct mikey_sp *sp, uint8_t type, const uint8_t *val)
{
	struct mikey_sp_param *q = &sp->params[sp->n_params++];
	q->type = type;
	q->len = 1;
	q->val = val;
}

/* see gen.h */
void gen_imsg_build(const struct gen_imsg_in *in, bool want_rsk, struct gen_imsg_out *out)
{
	/* one-octet SP values; static so that the views in m stay valid */
	static const uint8_t v0 = 0, v1 = 1, v4 = 4, v6 = 6, v10 = 10, v12 = 12, v14 = 14, v16 = 16,
			     v20 = 20;
	const struct gen_community *c = in->com;
	struct wr_kms_ident ci, ri;
	uint8_t rsk[SAKKE_POINT_LEN], ssk[ECCSI_SSK_LEN], pvt[ECCSI_PVT_LEN];
	uint8_t sed[SAKKE_SED_LEN], sig[ECCSI_SIG_LEN], j[32];
	uint8_t rate[2] = { (uint8_t)(in->rcc_rate >> 8), (uint8_t)in->rcc_rate };
	struct mikey_msg m, parsed;
	const uint8_t *signed_p;
	size_t signed_len;
	uint64_t ntp = in->t_us / 1000000 + LIMF_NTP_UNIX;
	enum lim_err e;

	memset(out, 0, sizeof *out);
	ident(c, in->caller, in->t_us, &ci);
	ident(c, in->callee, in->t_us, &ri);
	if (in->profile == GEN_PROFILE_MCX && c->cert.scheme != WR_KMS_ID_3GPP)
		gen_die("--profile mcx needs a 3gpp-uid community (limf-kms init --scheme "
			"3gpp-uid)");
	/* the caller's signing key (SSK, PVT) as the KMS issues it */
	if (kg_issue(c->z, c->zlen, c->ksak, ci.id, ci.idlen, rsk, ssk, pvt) != LIM_OK)
		gen_die("key issue failed for %s", in->caller);
	/* RFC 6508 s6.2.1: r derives from SSV || b, so the SED is a function of the SSV */
	if (sakke_encapsulate(c->cert.z, ri.id, ri.idlen, in->ssv, sed) != LIM_OK)
		gen_die("SAKKE encapsulation failed for %s", in->callee);
	if (want_rsk) {
		const struct gen_community *k = in->kms ? in->kms : c;
		uint8_t s2[ECCSI_SSK_LEN], p2[ECCSI_PVT_LEN];
		if (kg_issue(k->z, k->zlen, k->ksak, ri.id, ri.idlen, out->callee_rsk, s2, p2) !=
		    LIM_OK)
			gen_die("key issue failed for %s", in->callee);
		LIM_WIPE(s2);
	}
	memcpy(out->callee_id, ri.id, ri.idlen);
	out->callee_idlen = ri.idlen;
	out->callee_period_no = ri.period_no;

	memset(&m, 0, sizeof m);
	m.version = MIKEY_VERSION;
	m.data_type = MIKEY_DT_SAKKE;
	m.has_t = true;
	m.ts_type = MIKEY_TS_NTP_UTC;
	m.ts = ntp << 32 | (((in->t_us % 1000000) << 32) / 1000000);
	m.has_rand = true;
	m.rand = in->rand;
	m.rand_len = sizeof in->rand;
	m.n_sp = 1;
	m.sp[0].policy_no = 0;
	m.sp[0].prot_type = MIKEY_PROT_SRTP;
	m.has_sakke = true;
	m.sakke_params = 1;
	m.sakke_id_scheme = c->cert.scheme == WR_KMS_ID_3GPP ? 2 : 1;
	m.sed = sed;
	m.sed_len = SAKKE_SED_LEN;
	m.has_sign = true;
	m.sign_type = MIKEY_SIGN_ECCSI;
	m.sig = NULL;
	m.sig_len = ECCSI_SIG_LEN;
	if (in->profile == GEN_PROFILE_MCX) {
		/* TS 33.180 private call: PRF-HMAC-SHA-256, CSB ID = PCK-ID, empty map, the
		 * parties as UIDs (roles 8/9; clear_ids: their URIs, roles 1/2) and their KMS URIs
		 * (roles 6/7) */
		m.prf = MIKEY_PRF_HMAC_SHA256;
		m.csb_id = in->csb_id;
		m.n_cs = 0;
		m.map_type = MIKEY_MAP_EMPTY;
		if (in->clear_ids) {
			if (!in->no_idri)
				set_idr(&m, MIKEY_ROLE_IDRI, (const uint8_t *)in->caller,
					strlen(in->caller));
			set_idr(&m, MIKEY_ROLE_IDRR, (const uint8_t *)in->callee,
				in->empty_idrr ? 0 : strlen(in->callee));
		} else {
			if (!in->no_idri)
				set_idr(&m, MIKEY_ROLE_IDRUIDI, ci.id, ci.idlen);
			set_idr(&m, MIKEY_ROLE_IDRUIDR, ri.id, in->empty_idrr ? 0 : ri.idlen);
		}
		set_idr(&m, MIKEY_ROLE_IDRKMSI, (const uint8_t *)c->cert.kms_uri,
			strlen(c->cert.kms_uri));
		set_idr(&m, MIKEY_ROLE_IDRKMSR, (const uint8_t *)c->cert.kms_uri,
			strlen(c->cert.kms_uri));
		/* AEAD_AES_128_GCM (RFC 7714), RCCm3 with rate R (RFC 4771), 16-octet tag;
		 * no_rcc: auth alg 0 and no R, so no packet carries the ROC */
		sp_add(&m.sp[0], MIKEY_SRTP_ENC_ALG, &v6);
		sp_add(&m.sp[0], MIKEY_SRTP_ENC_KEY_LEN, &v16);
		sp_add(&m.sp[0], MIKEY_SRTP_AUTH_ALG, in->no_rcc ? &v0 : &v4);
		sp_add(&m.sp[0], MIKEY_SRTP_SALT_KEY_LEN, &v12);
		sp_add(&m.sp[0], MIKEY_SRTP_PRF, &v0);
		sp_add(&m.sp[0], MIKEY_SRTP_KDR, &v0);
		if (!in->no_rcc) {
			sp_add(&m.sp[0], MIKEY_SRTP_ROC_RATE, rate);
			m.sp[0].params[m.sp[0].n_params - 1].len = 2; /* RFC 4771 s5: 16 bits */
		}
		sp_add(&m.sp[0], MIKEY_SRTP_AEAD_TAG_LEN, &v16);
	} else {
		/* RFC 6509: MIKEY-1 PRF, SRTP-ID map with both streams, clear URIs as IDRi/IDRr
		 * (RFC 6043 s6.6) and the KMS as IDRkms */
		m.prf = MIKEY_PRF_MIKEY1;
		m.csb_id = in->csb_id;
		m.n_cs = 2;
		m.map_type = MIKEY_MAP_SRTP_ID;
		m.n_map = 2;
		for (int i = 0; i < 2; i++) {
			m.cs[i].policy_no = 0;
			m.cs[i].ssrc = in->ssrc[i];
			m.cs[i].roc = in->roc[i];
		}
		if (!in->no_idri)
			set_idr(&m, MIKEY_ROLE_IDRI, (const uint8_t *)in->caller,
				strlen(in->caller));
		set_idr(&m, MIKEY_ROLE_IDRR, (const uint8_t *)in->callee,
			in->empty_idrr ? 0 : strlen(in->callee));
		set_idr(&m, MIKEY_ROLE_IDRKMS, (const uint8_t *)c->cert.kms_uri,
			strlen(c->cert.kms_uri));
		/* AES_CM_128_HMAC_SHA1_80 (RFC 3711) */
		sp_add(&m.sp[0], MIKEY_SRTP_ENC_ALG, &v1);
		sp_add(&m.sp[0], MIKEY_SRTP_ENC_KEY_LEN, &v16);
		sp_add(&m.sp[0], MIKEY_SRTP_AUTH_ALG, &v1);
		sp_add(&m.sp[0], MIKEY_SRTP_AUTH_KEY_LEN, &v20);
		sp_add(&m.sp[0], MIKEY_SRTP_SALT_KEY_LEN, &v14);
		sp_add(&m.sp[0], MIKEY_SRTP_PRF, &v0);
		sp_add(&m.sp[0], MIKEY_SRTP_KDR, &v0);
		sp_add(&m.sp[0], MIKEY_SRTP_SRTP_ENC, &v1);
		sp_add(&m.sp[0], MIKEY_SRTP_SRTCP_ENC, &v1);
		sp_add(&m.sp[0], MIKEY_SRTP_SRTP_AUTH, &v1);
		sp_add(&m.sp[0], MIKEY_SRTP_AUTH_TAG_LEN, &v10);
	}
	e = mikey_build(&m, out->msg, sizeof out->msg, &out->len);
	if (e != LIM_OK)
		gen_die("mikey_build: %s", lim_strerror(e));
	/* RFC 6509 s4 / RFC 3830 s5.2: the signature covers the message up to the signature,
	 * including the SIGN payload's 2-octet header */
	if (mikey_parse(out->msg, out->len, &parsed) != LIM_OK ||
	    mikey_signed_part(&parsed, MIKEY_SIGN_COVER_HDR, &signed_p, &signed_len) != LIM_OK)
		gen_die("cannot re-parse the built I_MESSAGE");
	do {
		gen_rng_bytes(in->rng, j, sizeof j);
		j[0] &= 0x7f;
		e = eccsi_sign(c->cert.kpak, ci.id, ci.idlen, ssk, pvt, signed_p, signed_len, j,
			       sig);
	} while (e == LIM_E_ARG);
	if (e != LIM_OK)
		gen_die("ECCSI signing failed: %s", lim_strerror(e));
	if (in->forge_sig)
		sig[40] ^= 0x01; /* in s: still well-formed, never verifies */
	memcpy(out->msg + out->len - ECCSI_SIG_LEN, sig, ECCSI_SIG_LEN);
	LIM_WIPE(rsk);
	LIM_WIPE(ssk);
	LIM_WIPE(j);
}

/* see gen.h */
unsigned gen_sp_roc_rate(const struct mikey_msg *m)
{
	for (size_t i = 0; i < m->n_sp; i++)
		for (size_t k = 0; k < m->sp[i].n_params; k++) {
			const struct mikey_sp_param *q = &m->sp[i].params[k];
			if (m->sp[i].policy_no != 0 || q->type != MIKEY_SRTP_ROC_RATE)
				continue;
			if (q->len == 1 && q->val[0])
				return q->val[0];
			if (q->len == 2 && (q->val[0] || q->val[1]))
				return (unsigned)(q->val[0] << 8 | q->val[1]);
		}
	return 1;
}
