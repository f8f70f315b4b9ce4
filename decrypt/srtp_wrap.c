/* The one file that includes libsrtp2 (STYLE.md rule 3): lim_srtp on top of srtp_t. */
#include "decrypt/srtp.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <srtp2/srtp.h>

#include "common/wipe.h"

#define KEYSALT_MAX   32 /* 16-octet key + up to 14-octet salt (+ libsrtp's GCM padding) */
#define REPLAY_WINDOW 1024

struct lim_srtp {
	srtp_t ctx;
	int use_mki;
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static srtp_err_status_t init_status = srtp_err_status_init_fail;

static void do_init(void)
{
	init_status = srtp_init();
}

/* see srtp.h */
enum lim_err lim_srtp_new(enum lim_srtp_profile profile, const uint8_t *key, size_t keylen,
			  const uint8_t *salt, size_t saltlen, const uint8_t *mki, size_t mkilen,
			  struct lim_srtp **out)
{
	enum lim_err rc = LIM_E_ARG;
	struct lim_srtp *s = NULL;
	srtp_policy_t pol;
	srtp_master_key_t mk;
	srtp_master_key_t *mks[1];
	uint8_t keysalt[KEYSALT_MAX], mkibuf[LIM_SRTP_MKI_MAX];
	size_t need_key, need_salt, taglen;
	srtp_err_status_t st;

	*out = NULL;
	memset(&pol, 0, sizeof pol);
	memset(keysalt, 0, sizeof keysalt);
	if (lim_srtp_profile_params(profile, &need_key, &need_salt, &taglen) != LIM_OK)
		goto out;
	if (!key || !salt || keylen != need_key || saltlen != need_salt ||
	    mkilen > LIM_SRTP_MKI_MAX || (!mki && mkilen))
		goto out;
	rc = LIM_E_CRYPTO;
	if (pthread_once(&init_once, do_init) != 0 || init_status != srtp_err_status_ok)
		goto out;
	switch (profile) {
	case LIM_SRTP_AES128_CM_SHA1_80:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtcp);
		break;
	case LIM_SRTP_AES128_CM_SHA1_32:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&pol.rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtcp); /* RFC 4568: SRTCP 80 */
		break;
	case LIM_SRTP_AEAD_AES_128_GCM:
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol.rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol.rtcp);
		break;
	}
	/* libsrtp takes the master key and salt concatenated */
	memcpy(keysalt, key, keylen);
	memcpy(keysalt + keylen, salt, saltlen);
	pol.ssrc.type = ssrc_any_inbound;
	pol.window_size = REPLAY_WINDOW;
	if (mkilen) {
		memcpy(mkibuf, mki, mkilen);
		mk.key = keysalt;
		mk.mki_id = mkibuf;
		mk.mki_size = (unsigned int)mkilen;
		mks[0] = &mk;
		pol.keys = mks;
		pol.num_master_keys = 1;
	} else {
		pol.key = keysalt;
	}
	if (!(s = calloc(1, sizeof *s))) {
		rc = LIM_E_NOMEM;
		goto out;
	}
	s->use_mki = mkilen ? 1 : 0;
	st = srtp_create(&s->ctx, &pol);
	if (st != srtp_err_status_ok) {
		s->ctx = NULL;
		rc = st == srtp_err_status_alloc_fail  ? LIM_E_NOMEM
		     : st == srtp_err_status_bad_param ? LIM_E_UNSUPP
						       : LIM_E_CRYPTO;
		goto out;
	}
	*out = s;
	s = NULL;
	rc = LIM_OK;
out:
	LIM_WIPE(keysalt);
	lim_wipe(&mk, sizeof mk);
	lim_srtp_free(s);
	return rc;
}

/* see srtp.h */
enum lim_err lim_srtp_unprotect(struct lim_srtp *s, uint8_t *pkt, size_t *len)
{
	enum lim_err rc = LIM_E_ARG;
	srtp_err_status_t st;
	int n;

	if (!s || !s->ctx || !pkt || !len || *len > (size_t)INT_MAX)
		goto out;
	n = (int)*len;
	st = s->use_mki ? srtp_unprotect_mki(s->ctx, pkt, &n, 1) : srtp_unprotect(s->ctx, pkt, &n);
	switch (st) {
	case srtp_err_status_ok:
		if (n < 0 || (size_t)n > *len) {
			rc = LIM_E_CRYPTO;
			goto out;
		}
		*len = (size_t)n;
		rc = LIM_OK;
		break;
	case srtp_err_status_auth_fail:
	case srtp_err_status_bad_mki: rc = LIM_E_AUTH; break;
	case srtp_err_status_replay_fail:
	case srtp_err_status_replay_old: rc = LIM_E_STATE; break;
	case srtp_err_status_bad_param:
	case srtp_err_status_parse_err: rc = LIM_E_PARSE; break;
	default: rc = LIM_E_CRYPTO; break;
	}
out:
	return rc;
}

/* see srtp.h */
void lim_srtp_free(struct lim_srtp *s)
{
	if (!s)
		return;
	if (s->ctx)
		(void)srtp_dealloc(s->ctx); /* libsrtp zeroises its session keys */
	free(s);
}
