/* The one file that includes libsrtp2 (STYLE.md rule 3): lim_srtp on top of srtp_t, with the
 * RFC 4771 ROC carriage and the per-SSRC ROC estimate done here (libsrtp 2.5 has neither). */
#include "decrypt/srtp.h"

#include <arpa/inet.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <srtp2/srtp.h>
#ifdef LIM_SRTP_NSS
#include <nss.h>
#endif

#include "common/rd.h"
#include "common/wipe.h"
#include "decrypt/srtp_ossl.h"

#define KEYSALT_MAX   32 /* 16-octet key + up to 14-octet salt (+ libsrtp's GCM padding) */
#define REPLAY_WINDOW 1024
#define RTP_HDR_LEN   12
#define RTCP_HDR_LEN  8
#define ROC_LEN       4
#define SRTCP_IDX_LEN 4
#define SEQ_MEDIAN    32768 /* libsrtp seq_num_median */
#define SCRATCH_MIN   2048
#define SCRATCH_MAX   65536 /* RTP over UDP or RFC 4571 framing: packets are shorter */

/* libsrtp contexts of one session: the default transform, the RCC one for ROC packets (HMAC
 * truncated by 32 bits) and the no-integrity one (RCCm1 other packets, RCCm3 on AES-CM). */
enum ctx_kind { CTX_MAIN, CTX_RCC, CTX_NULL, CTX_N };

/* ROC state of one SSRC (RFC 3711 s3.3.1: ROC and s_l; pinned = next packet uses roc as is).
 * idx[k]: the highest index libsrtp's stream for this SSRC in ctx[k] holds (0: no stream yet,
 * which libsrtp estimates alike), kept so that the common packet needs no srtp_set_stream_roc;
 * valid while sync (receive sessions only). */
struct roc_ent {
	uint32_t ssrc, roc;
	uint16_t s_l;
	bool pinned, sync;
	uint64_t idx[CTX_N];
};

struct lim_srtp {
	srtp_t ctx[CTX_N];
	enum lim_srtp_profile profile;
	bool tx, used;
	unsigned rcc, rate;
	size_t keylen, saltlen, taglen, mkilen;
	uint8_t *keysalt; /* OPENSSL_secure_malloc, KEYSALT_MAX octets */
	uint8_t mki[LIM_SRTP_MKI_MAX];
	struct roc_ent ent[LIM_SRTP_STREAMS_MAX];
	size_t nent, last; /* last: ent_find hint */
	bool desync;       /* libsrtp state not mirrored in ent[].idx: no fast path any more */
	uint8_t *scratch;  /* copy of a packet for the RCC retry (wire octets only), scratchcap */
	size_t scratchcap;
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static srtp_err_status_t init_status = srtp_err_status_init_fail;

/* The types libsrtp2 was built with (LIM_SRTP_CRYPTO_LIBSRTP), taken before any replacement */
static const srtp_cipher_type_t *lib_icm, *lib_gcm;
static const srtp_auth_type_t *lib_hmac;

/* Loads one set of types into libsrtp2's kernel; libsrtp2 runs each one's known answers and
 * those of the type it replaces first, and keeps the old type when they fail. */
static srtp_err_status_t load_crypto(enum lim_srtp_crypto c)
{
	bool ossl = c == LIM_SRTP_CRYPTO_OPENSSL;
	srtp_err_status_t st;
	if (!ossl && (!lib_icm || !lib_gcm || !lib_hmac))
		return srtp_err_status_init_fail;
	st = srtp_replace_cipher_type(ossl ? &lim_ossl_aes_icm_128 : lib_icm, SRTP_AES_ICM_128);
	if (st == srtp_err_status_ok)
		st = srtp_replace_cipher_type(ossl ? &lim_ossl_aes_gcm_128 : lib_gcm,
					      SRTP_AES_GCM_128);
	if (st == srtp_err_status_ok)
		st = srtp_replace_auth_type(ossl ? &lim_ossl_hmac_sha1 : lib_hmac, SRTP_HMAC_SHA1);
	return st;
}

#ifdef LIM_SRTP_NSS
/* NSS as set up for libsrtp2 (below), for the life of the process */
static NSSInitContext *nss_ctx;
#endif

static void do_init(void)
{
#ifdef LIM_SRTP_NSS
	/* libsrtp2's NSS back end (Debian's build) opens an NSS context for every cipher and
	 * HMAC it allocates, with NSS_INIT_OPTIMIZESPACE, and every packet creates and destroys
	 * PKCS#11 contexts (AES-CM: one per packet; HMAC: a restart). The first initialisation
	 * sets the softoken's parameters, and "optimize space" means one lock for all its
	 * sessions and 32-bucket session and object hash tables, walked under locks on every
	 * call: pipeline threads unprotecting at once serialise there (a bare srtp_unprotect
	 * loop, 2 threads: 1.6x (AES-CM) to 3x (GCM) the CPU per packet of 1), and the chains
	 * grow with every session's keys. Initialised here first, the same way but without
	 * OPTIMIZESPACE (and without the root certificate module, which nothing here uses), the
	 * softoken has a lock per few session buckets and 1024-bucket tables; libsrtp2's own
	 * NSS_InitContext calls then only add contexts. Kept for the process: NSS also stays up
	 * between calls (without it, the last session freed shut NSS down and the next one loaded
	 * and self-tested the softoken again). On failure libsrtp2 initialises NSS as before. */
	if (!NSS_IsInitialized())
		nss_ctx = NSS_InitContext("", "", "", "", NULL,
					  NSS_INIT_READONLY | NSS_INIT_NOCERTDB | NSS_INIT_NOMODDB |
						  NSS_INIT_FORCEOPEN | NSS_INIT_NOROOTINIT);
	(void)nss_ctx;
#endif
	init_status = srtp_init();
	if (init_status != srtp_err_status_ok)
		return;
	lib_icm = srtp_crypto_kernel_get_cipher_type(SRTP_AES_ICM_128);
	lib_gcm = srtp_crypto_kernel_get_cipher_type(SRTP_AES_GCM_128);
	lib_hmac = srtp_crypto_kernel_get_auth_type(SRTP_HMAC_SHA1);
	init_status = load_crypto(LIM_SRTP_CRYPTO_OPENSSL);
}

/* see srtp.h */
enum lim_err lim_srtp_init(void)
{
	return pthread_once(&init_once, do_init) == 0 && init_status == srtp_err_status_ok
		       ? LIM_OK
		       : LIM_E_CRYPTO;
}

/* see srtp.h */
enum lim_err lim_srtp_set_crypto(enum lim_srtp_crypto c)
{
	if (lim_srtp_init() != LIM_OK)
		return LIM_E_CRYPTO;
	return load_crypto(c) == srtp_err_status_ok ? LIM_OK : LIM_E_CRYPTO;
}

static enum lim_err map_st(srtp_err_status_t st)
{
	switch (st) {
	case srtp_err_status_ok: return LIM_OK;
	case srtp_err_status_auth_fail:
	case srtp_err_status_bad_mki: return LIM_E_AUTH;
	case srtp_err_status_replay_fail:
	case srtp_err_status_replay_old:
	case srtp_err_status_pkt_idx_old: return LIM_E_STATE;
	case srtp_err_status_bad_param:
	case srtp_err_status_parse_err: return LIM_E_PARSE;
	case srtp_err_status_alloc_fail: return LIM_E_NOMEM;
	default: return LIM_E_CRYPTO;
	}
}

/* Fills pol for context kind (ssrc: template for the session's direction when !specific).
 * mk/mks/mkibuf: storage the policy points into, owned by the caller (wiped by it). */
static void make_policy(const struct lim_srtp *s, enum ctx_kind kind, bool specific, uint32_t ssrc,
			srtp_policy_t *pol, srtp_master_key_t *mk, srtp_master_key_t **mks)
{
	memset(pol, 0, sizeof *pol);
	switch (s->profile) {
	case LIM_SRTP_AES128_CM_SHA1_80:
	case LIM_SRTP_AES128_CM_SHA1_32:
		if (s->profile == LIM_SRTP_AES128_CM_SHA1_80)
			srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol->rtp);
		else
			srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&pol->rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol->rtcp); /* RFC 4568: SRTCP 80 */
		if (kind == CTX_RCC)
			pol->rtp.auth_tag_len =
				(int)(s->taglen - ROC_LEN); /* RFC 4771 s3.1 MAC_tr */
		else if (kind == CTX_NULL)
			srtp_crypto_policy_set_aes_cm_128_null_auth(&pol->rtp);
		break;
	case LIM_SRTP_AEAD_AES_128_GCM:
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol->rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol->rtcp);
		break;
	}
	if (specific) {
		pol->ssrc.type = ssrc_specific;
		pol->ssrc.value = ssrc;
	} else {
		pol->ssrc.type = s->tx ? ssrc_any_outbound : ssrc_any_inbound;
	}
	pol->window_size = REPLAY_WINDOW;
	if (s->mkilen) {
		mk->key = s->keysalt;
		mk->mki_id = (unsigned char *)(uintptr_t)s->mki;
		mk->mki_size = (unsigned int)s->mkilen;
		mks[0] = mk;
		pol->keys = mks;
		pol->num_master_keys = 1;
	} else {
		pol->key = s->keysalt;
	}
}

static enum lim_err create_ctx(struct lim_srtp *s, enum ctx_kind kind)
{
	srtp_policy_t pol;
	srtp_master_key_t mk;
	srtp_master_key_t *mks[1];
	srtp_err_status_t st;
	enum lim_err rc = LIM_OK;

	memset(&mk, 0, sizeof mk);
	make_policy(s, kind, false, 0, &pol, &mk, mks);
	st = srtp_create(&s->ctx[kind], &pol);
	if (st != srtp_err_status_ok) {
		s->ctx[kind] = NULL;
		rc = st == srtp_err_status_alloc_fail  ? LIM_E_NOMEM
		     : st == srtp_err_status_bad_param ? LIM_E_UNSUPP
						       : LIM_E_CRYPTO;
	}
	lim_wipe(&pol, sizeof pol);
	lim_wipe(&mk, sizeof mk);
	return rc;
}

static enum lim_err new_session(bool tx, enum lim_srtp_profile profile, const uint8_t *key,
				size_t keylen, const uint8_t *salt, size_t saltlen,
				const uint8_t *mki, size_t mkilen, struct lim_srtp **out)
{
	enum lim_err rc = LIM_E_ARG;
	struct lim_srtp *s = NULL;
	size_t need_key, need_salt, taglen;

	if (!out)
		return LIM_E_ARG;
	*out = NULL;
	if (lim_srtp_profile_params(profile, &need_key, &need_salt, &taglen) != LIM_OK)
		goto out;
	if (!key || !salt || keylen != need_key || saltlen != need_salt ||
	    mkilen > LIM_SRTP_MKI_MAX || (!mki && mkilen) || keylen + saltlen > KEYSALT_MAX)
		goto out;
	rc = LIM_E_CRYPTO;
	if (pthread_once(&init_once, do_init) != 0 || init_status != srtp_err_status_ok)
		goto out;
	rc = LIM_E_NOMEM;
	if (!(s = calloc(1, sizeof *s)))
		goto out;
	if (!(s->keysalt = OPENSSL_secure_zalloc(KEYSALT_MAX)))
		goto out;
	s->tx = tx;
	s->profile = profile;
	s->keylen = keylen;
	s->saltlen = saltlen;
	s->taglen = taglen;
	s->mkilen = mkilen;
	/* libsrtp takes the master key and salt concatenated */
	memcpy(s->keysalt, key, keylen);
	memcpy(s->keysalt + keylen, salt, saltlen);
	if (mkilen)
		memcpy(s->mki, mki, mkilen);
	if ((rc = create_ctx(s, CTX_MAIN)) != LIM_OK)
		goto out;
	*out = s;
	s = NULL;
	rc = LIM_OK;
out:
	lim_srtp_free(s);
	return rc;
}

/* see srtp.h */
enum lim_err lim_srtp_new(enum lim_srtp_profile profile, const uint8_t *key, size_t keylen,
			  const uint8_t *salt, size_t saltlen, const uint8_t *mki, size_t mkilen,
			  struct lim_srtp **out)
{
	return new_session(false, profile, key, keylen, salt, saltlen, mki, mkilen, out);
}

/* see srtp.h */
enum lim_err lim_srtp_new_tx(enum lim_srtp_profile profile, const uint8_t *key, size_t keylen,
			     const uint8_t *salt, size_t saltlen, const uint8_t *mki, size_t mkilen,
			     struct lim_srtp **out)
{
	return new_session(true, profile, key, keylen, salt, saltlen, mki, mkilen, out);
}

/* see srtp.h */
enum lim_err lim_srtp_set_rcc(struct lim_srtp *s, unsigned mode, unsigned rate)
{
	bool gcm;
	enum lim_err rc;

	if (!s || mode > LIM_SRTP_RCCM3 || (mode && (rate < 1 || rate > LIM_SRTP_RATE_MAX)))
		return LIM_E_ARG;
	if (s->used)
		return LIM_E_STATE;
	gcm = s->profile == LIM_SRTP_AEAD_AES_128_GCM;
	if (gcm && (mode == LIM_SRTP_RCCM1 || mode == LIM_SRTP_RCCM2))
		return LIM_E_UNSUPP; /* no separate MAC to truncate */
	/* RFC 4771 s4: AES-CM under RCCm3 authenticates nothing, under RCCm1 nothing but the ROC
	 * packets. Such a receive session accepts any bytes under any key: trial decryption would
	 * bind streams to the wrong key set and hand garbage or forged packets over as content,
	 * and forged group MKIs would all "authenticate". Send sessions (test traffic) may. */
	if (!gcm && !s->tx && (mode == LIM_SRTP_RCCM1 || mode == LIM_SRTP_RCCM3))
		return LIM_E_UNSUPP;
	if (!gcm && (mode == LIM_SRTP_RCCM1 || mode == LIM_SRTP_RCCM2) && s->taglen <= ROC_LEN)
		return LIM_E_UNSUPP; /* MAC_tr would be empty */
	if (!gcm && (mode == LIM_SRTP_RCCM1 || mode == LIM_SRTP_RCCM2) && !s->ctx[CTX_RCC] &&
	    (rc = create_ctx(s, CTX_RCC)) != LIM_OK)
		return rc;
	if (!gcm && (mode == LIM_SRTP_RCCM1 || mode == LIM_SRTP_RCCM3) && !s->ctx[CTX_NULL] &&
	    (rc = create_ctx(s, CTX_NULL)) != LIM_OK)
		return rc;
	s->rcc = mode;
	s->rate = mode ? rate : 0;
	return LIM_OK;
}

static struct roc_ent *ent_find(struct lim_srtp *s, uint32_t ssrc)
{
	if (s->last < s->nent && s->ent[s->last].ssrc == ssrc)
		return &s->ent[s->last];
	for (size_t i = 0; i < s->nent; i++)
		if (s->ent[i].ssrc == ssrc) {
			s->last = i;
			return &s->ent[i];
		}
	return NULL;
}

/* a new entry for ssrc (none yet), NULL when LIM_SRTP_STREAMS_MAX are tracked. libsrtp has no
 * stream of an untracked SSRC (streams are made by packets, and those make entries), so the
 * mirror starts at index 0 unless that chain was broken (desync) or on send sessions. */
static struct roc_ent *ent_add(struct lim_srtp *s, uint32_t ssrc)
{
	struct roc_ent *e;

	if (s->nent >= LIM_SRTP_STREAMS_MAX)
		return NULL;
	e = &s->ent[s->nent++];
	memset(e, 0, sizeof *e);
	e->ssrc = ssrc;
	e->sync = !s->desync && !s->tx;
	return e;
}

/* see srtp.h */
enum lim_err lim_srtp_set_roc(struct lim_srtp *s, uint32_t ssrc, uint32_t roc)
{
	struct roc_ent *e;

	if (!s)
		return LIM_E_ARG;
	if (!(e = ent_find(s, ssrc)) && !(e = ent_add(s, ssrc)))
		return LIM_E_LIMIT;
	e->roc = roc;
	e->s_l = 0;
	e->pinned = true;
	return LIM_OK;
}

/* see srtp.h */
enum lim_err lim_srtp_set_top(struct lim_srtp *s, uint32_t ssrc, uint32_t roc, uint16_t seq)
{
	struct roc_ent *e;

	if (!s)
		return LIM_E_ARG;
	e = ent_find(s, ssrc);
	for (int k = 0; e && k < CTX_N; k++)
		if (e->idx[k])
			return LIM_E_STATE; /* (a packet of it was processed) */
	if (e && !e->pinned)
		return LIM_E_STATE;
	if (!e && !(e = ent_add(s, ssrc)))
		return LIM_E_LIMIT;
	e->roc = roc;
	e->s_l = seq;
	e->pinned = false;
	return LIM_OK;
}

/* RFC 3711 Appendix A: the ROC v of a packet with sequence number seq */
static uint32_t roc_estimate(const struct roc_ent *e, uint16_t seq)
{
	if (!e)
		return 0;
	if (e->pinned)
		return e->roc;
	if (e->s_l < 32768) {
		if ((uint32_t)seq - e->s_l > 32768 && seq > e->s_l)
			return e->roc ? e->roc - 1 : e->roc;
		return e->roc;
	}
	if ((uint32_t)e->s_l - 32768 > seq)
		return e->roc + 1;
	return e->roc;
}

/* The ROC libsrtp 2.5 gives a packet of a stream whose highest index is idx when no ROC is
 * pending (srtp_rdbx_estimate_index, srtp_index_guess): 0 while idx <= 2^15, then RFC 3711
 * Appendix A. A nonzero one has its index within +-2^15 of idx, where srtp_estimate_index
 * (pending ROC) computes the same index and delta: setting that ROC would change nothing (and
 * ROC 0 is never set). */
static uint32_t lib_roc(uint64_t idx, uint16_t seq)
{
	uint32_t roc = (uint32_t)(idx >> 16);
	uint16_t s_l = (uint16_t)idx;

	if (idx <= SEQ_MEDIAN)
		return 0;
	if (s_l < SEQ_MEDIAN)
		return (uint32_t)seq - s_l > SEQ_MEDIAN && seq > s_l ? roc - 1 : roc;
	return (uint32_t)s_l - SEQ_MEDIAN > seq ? roc + 1 : roc;
}

/* RFC 3711 s3.3.1: after an authenticated packet, s_l and ROC follow the highest index. e: the
 * SSRC's entry or NULL; v: the ROC libsrtp used in ctx kind (its index there only grows). The
 * packet authenticated under it: that is its index, also where the estimate was another (0,
 * which libsrtp cannot be told: it used its own guess, from a stream past the point
 * lim_srtp_unprotect_from started the estimate at). */
static void roc_update(struct lim_srtp *s, struct roc_ent *e, uint32_t ssrc, uint32_t v,
		       uint16_t seq, enum ctx_kind kind)
{
	uint64_t idx = ((uint64_t)v << 16) | seq;

	if (!e) {
		if (!(e = ent_add(s, ssrc)))
			return; /* untracked: libsrtp's own estimate is used for it */
		e->roc = v;
		e->s_l = seq;
	} else if (e->pinned || idx > (((uint64_t)e->roc << 16) | e->s_l)) {
		e->roc = v;
		e->s_l = seq;
	}
	e->pinned = false;
	if (idx > e->idx[kind])
		e->idx[kind] = idx;
	if ((e->idx[kind] >> 16) == UINT32_MAX)
		e->sync = false; /* libsrtp's guess wraps the 32-bit ROC there */
}

/* Makes libsrtp use ROC v for the next packet of ssrc in ctx (libsrtp's pending ROC; 0 means
 * "none" there, which is also what a fresh stream starts with). A missing stream is added with
 * a specific-SSRC policy; *added tells the caller to remove it if the packet fails. */
static enum lim_err push_roc(struct lim_srtp *s, enum ctx_kind kind, uint32_t ssrc, uint32_t v,
			     bool *added)
{
	srtp_policy_t pol;
	srtp_master_key_t mk;
	srtp_master_key_t *mks[1];
	srtp_err_status_t st;
	uint32_t cur;
	enum lim_err rc = LIM_OK;

	*added = false;
	if (v == 0)
		return LIM_OK;
	if (srtp_get_stream_roc(s->ctx[kind], ssrc, &cur) != srtp_err_status_ok) {
		memset(&mk, 0, sizeof mk);
		make_policy(s, kind, true, ssrc, &pol, &mk, mks);
		st = srtp_add_stream(s->ctx[kind], &pol);
		lim_wipe(&pol, sizeof pol);
		lim_wipe(&mk, sizeof mk);
		if (st != srtp_err_status_ok)
			return map_st(st) == LIM_E_NOMEM ? LIM_E_NOMEM : LIM_E_CRYPTO;
		*added = true;
	}
	if (srtp_set_stream_roc(s->ctx[kind], ssrc, v) != srtp_err_status_ok)
		rc = LIM_E_CRYPTO;
	return rc;
}

static void pop_roc(struct lim_srtp *s, enum ctx_kind kind, uint32_t ssrc, bool added, bool ok)
{
	if (added && !ok) {
		(void)srtp_remove_stream(s->ctx[kind], htonl(ssrc));
		return;
	}
	(void)srtp_set_stream_roc(s->ctx[kind], ssrc, 0); /* no-op when there is no stream */
}

/* RTP header: version 2, the fixed 12 octets present; seq and SSRC out */
static bool rtp_hdr(const uint8_t *pkt, size_t len, uint16_t *seq, uint32_t *ssrc)
{
	struct lim_rd r = lim_rd_make(pkt, len);
	uint8_t b0, b1;
	uint32_t ts;

	if (!lim_rd_u8(&r, &b0) || !lim_rd_u8(&r, &b1) || !lim_rd_u16be(&r, seq) ||
	    !lim_rd_u32be(&r, &ts) || !lim_rd_u32be(&r, ssrc))
		return false;
	return (b0 >> 6) == 2;
}

static bool carries_roc(const struct lim_srtp *s, uint16_t seq)
{
	return s->rcc != LIM_SRTP_RCC_NONE && seq % s->rate == 0; /* RFC 4771 s3.1 */
}

/* which context processes a packet, and whether the RCC TAG is ROC || MAC_tr there */
static enum ctx_kind pick_ctx(const struct lim_srtp *s, bool roc_pkt)
{
	if (s->profile == LIM_SRTP_AEAD_AES_128_GCM || s->rcc == LIM_SRTP_RCC_NONE)
		return CTX_MAIN;
	if (s->rcc == LIM_SRTP_RCCM3)
		return CTX_NULL;
	if (roc_pkt)
		return CTX_RCC;
	return s->rcc == LIM_SRTP_RCCM1 ? CTX_NULL : CTX_MAIN;
}

/* Octets of pkt's whole RTP header (12, the CSRCs, the header extension: RFC 3550 s5.1,
 * s5.3.1) in *hlen; false when it runs past len. */
static bool rtp_full_hdr(const uint8_t *pkt, size_t len, size_t *hlen)
{
	struct lim_rd r = lim_rd_make(pkt, len);
	uint8_t b0 = 0;
	uint16_t profile = 0, words = 0;

	if (!lim_rd_u8(&r, &b0) || !lim_rd_skip(&r, RTP_HDR_LEN - 1) ||
	    !lim_rd_skip(&r, 4u * (b0 & 0x0Fu)))
		return false;
	if ((b0 & 0x10u) && (!lim_rd_u16be(&r, &profile) || !lim_rd_u16be(&r, &words) ||
			     !lim_rd_skip(&r, 4u * words)))
		return false;
	*hlen = len - r.len;
	return true;
}

/* one libsrtp unprotect of pkt[0..*n) in ctx kind with ROC v (e: the SSRC's entry or NULL).
 * forced: v was carried in the packet. libsrtp cannot be forced to ROC 0 (its "no pending
 * ROC"), so a carried 0 is accepted only where the estimate is 0 too; otherwise the packet is
 * older than the stream (E_STATE). The stream's ROC is set only when libsrtp would not use v
 * by itself (late join, wrap, a ROC from lim_srtp_set_roc). *used: the ROC libsrtp used. */
static enum lim_err unprotect_once(struct lim_srtp *s, struct roc_ent *e, enum ctx_kind kind,
				   uint32_t ssrc, uint32_t v, bool forced, uint16_t seq,
				   uint8_t *pkt, int *n, uint32_t *used)
{
	bool added = false, push = v != 0;
	enum lim_err rc;
	srtp_err_status_t st;

	*used = v;
	/* libsrtp2 (2.5, AEAD path) subtracts the tag and MKI lengths from the packet length
	 * unchecked: a packet shorter than header + MKI + tag made it read far out of bounds
	 * (found by fuzz_group). Refuse those here, whatever the path. */
	size_t hlen = 0, tag = kind == CTX_NULL  ? 0
			       : kind == CTX_RCC ? s->taglen - ROC_LEN
						 : s->taglen;
	if (*n < 0 || !rtp_full_hdr(pkt, (size_t)*n, &hlen) || (size_t)*n - hlen < s->mkilen + tag)
		return LIM_E_PARSE;
	if (forced && v == 0 && roc_estimate(e, seq) != 0)
		return LIM_E_STATE;
	if (e && e->sync && !s->desync) {
		*used = lib_roc(e->idx[kind], seq);
		push = push && *used != v;
		if (push)
			*used = v;
	}
	if (push && (rc = push_roc(s, kind, ssrc, v, &added)) != LIM_OK)
		return rc;
	st = s->mkilen ? srtp_unprotect_mki(s->ctx[kind], pkt, n, 1)
		       : srtp_unprotect(s->ctx[kind], pkt, n);
	rc = map_st(st);
	if (push)
		pop_roc(s, kind, ssrc, added, rc == LIM_OK);
	return rc;
}

/* keeps pkt[0..l) for a retry: in s->scratch (grown up to SCRATCH_MAX), else in a *tmp the
 * caller frees */
static enum lim_err keep_copy(struct lim_srtp *s, const uint8_t *pkt, size_t l, uint8_t **kept,
			      uint8_t **tmp)
{
	uint8_t *p;
	size_t cap;

	if (l > SCRATCH_MAX) {
		if (!(*tmp = malloc(l)))
			return LIM_E_NOMEM;
		*kept = *tmp;
	} else {
		if (l > s->scratchcap) {
			cap = l < SCRATCH_MIN ? SCRATCH_MIN : l;
			if (!(p = malloc(cap)))
				return LIM_E_NOMEM;
			if (s->scratch) {
				lim_wipe(s->scratch, s->scratchcap);
				free(s->scratch);
			}
			s->scratch = p;
			s->scratchcap = cap;
		}
		*kept = s->scratch;
	}
	memcpy(*kept, pkt, l);
	return LIM_OK;
}

/* Whether the RTP packet pkt[0..l) carries s's MKI where its layout puts it (top of srtp.h):
 * GCM: last, or before the ROC trailer of a ROC packet (or, the vendor tolerance, without it);
 * HMAC-SHA1: before the tag field (which holds ROC || MAC_tr in an RCCm2 ROC packet). */
static bool mki_at(const struct lim_srtp *s, const uint8_t *pkt, size_t l, bool roc_pkt)
{
	size_t m = s->mkilen, hlen = 0;
	bool gcm = s->profile == LIM_SRTP_AEAD_AES_128_GCM;
	/* (too short to hold the MKI and the tag: yes, and refused as such, LIM_E_PARSE) */
	if (!rtp_full_hdr(pkt, l, &hlen) || l < hlen + m + s->taglen)
		return true;
	if (gcm)
		return memcmp(pkt + l - m, s->mki, m) == 0 ||
		       (roc_pkt && l >= hlen + m + s->taglen + ROC_LEN &&
			memcmp(pkt + l - ROC_LEN - m, s->mki, m) == 0);
	return memcmp(pkt + l - s->taglen - m, s->mki, m) == 0;
}

/* see srtp.h */
enum lim_err lim_srtp_unprotect(struct lim_srtp *s, uint8_t *pkt, size_t *len)
{
	enum lim_err rc = LIM_E_ARG;
	uint8_t save[32]; /* ROC || MAC_tr: at most 4 + 16 octets */
	uint16_t seq = 0;
	uint32_t ssrc = 0, v, used = 0;
	size_t l, trail = 0;
	uint8_t *kept = NULL, *tmp = NULL;
	size_t tmplen = 0;
	bool roc_pkt;
	enum ctx_kind kind;
	struct roc_ent *e;
	int n = 0;

	if (!s || !s->ctx[CTX_MAIN] || !pkt || !len || *len > (size_t)INT_MAX)
		goto out;
	rc = LIM_E_STATE;
	if (s->tx)
		goto out;
	rc = LIM_E_PARSE;
	l = *len;
	if (!rtp_hdr(pkt, l, &seq, &ssrc))
		goto out;
	s->used = true;
	roc_pkt = carries_roc(s, seq);
	/* another key's packet (its MKI) is not this session's, whatever its index: libsrtp2
	 * checks the replay window before the MKI, and called a re-key's packets numbered far
	 * behind this stream's replays (LIM_E_STATE), which ended a caller's search for keys */
	rc = LIM_E_AUTH;
	if (s->mkilen && !mki_at(s, pkt, l, roc_pkt))
		goto out;
	kind = pick_ctx(s, roc_pkt);
	e = ent_find(s, ssrc);
	v = roc_estimate(e, seq);
	if (roc_pkt && s->profile == LIM_SRTP_AEAD_AES_128_GCM) {
		/* header || ciphertext+tag || [MKI] || ROC. GCM decrypts in place before the tag
		 * check, so the packet is kept for the retry below when that could decrypt too:
		 * without MKI, or when the last MKI-length octets are the MKI. Otherwise the retry
		 * stops at the unknown MKI (libsrtp picks keys by MKI before decrypting), having
		 * read only the RTP header and those octets, which decryption leaves alone. */
		rc = LIM_E_AUTH;
		if (l >= RTP_HDR_LEN + s->mkilen + ROC_LEN) {
			if ((!s->mkilen || memcmp(pkt + l - s->mkilen, s->mki, s->mkilen) == 0) &&
			    (rc = keep_copy(s, pkt, l, &kept, &tmp)) != LIM_OK)
				goto out;
			tmplen = tmp ? l : 0;
			v = ((uint32_t)pkt[l - 4] << 24) | ((uint32_t)pkt[l - 3] << 16) |
			    ((uint32_t)pkt[l - 2] << 8) | pkt[l - 1];
			n = (int)(l - ROC_LEN);
			rc = unprotect_once(s, e, kind, ssrc, v, true, seq, pkt, &n, &used);
			if (kept && (rc == LIM_E_AUTH || rc == LIM_E_STATE))
				memcpy(pkt, kept, l);
		}
		if (rc == LIM_E_AUTH || rc == LIM_E_STATE || rc == LIM_E_PARSE) {
			/* vendor tolerance: RCCm3 signalled, no ROC trailer sent (see srtp.h); a
			 * short payload may be too short only when read with a trailer */
			v = roc_estimate(e, seq);
			n = (int)l;
			rc = unprotect_once(s, e, kind, ssrc, v, false, seq, pkt, &n, &used);
		}
	} else if (roc_pkt) {
		/* [MKI] || ROC || MAC_tr (RCCm1/2) or [MKI] || ROC (RCCm3), RFC 4771 s3.1 */
		struct lim_rd r = lim_rd_make(pkt, l), tail;
		trail = kind == CTX_RCC ? s->taglen - ROC_LEN : 0;
		if (!lim_rd_skip(&r, RTP_HDR_LEN) ||
		    l - RTP_HDR_LEN < s->mkilen + ROC_LEN + trail ||
		    !lim_rd_skip(&r, l - RTP_HDR_LEN - ROC_LEN - trail) ||
		    !lim_rd_sub(&r, ROC_LEN + trail, &tail) || !lim_rd_u32be(&tail, &v))
			goto out;
		/* drop the ROC; libsrtp verifies the t-4 octet MAC_tr (HMAC verified before
		 * decryption, so a failed packet is restored as it came) */
		memcpy(save, pkt + l - ROC_LEN - trail, ROC_LEN + trail);
		memmove(pkt + l - ROC_LEN - trail, pkt + l - trail, trail);
		n = (int)(l - ROC_LEN);
		rc = unprotect_once(s, e, kind, ssrc, v, true, seq, pkt, &n, &used);
		if (rc != LIM_OK)
			memcpy(pkt + l - ROC_LEN - trail, save, ROC_LEN + trail);
	} else {
		n = (int)l;
		rc = unprotect_once(s, e, kind, ssrc, v, false, seq, pkt, &n, &used);
	}
	if (rc != LIM_OK)
		goto out;
	if (n < RTP_HDR_LEN || (size_t)n > l) {
		s->desync = true; /* libsrtp took the packet, the ROC state did not */
		rc = LIM_E_CRYPTO;
		goto out;
	}
	roc_update(s, e, ssrc, used, seq, kind);
	*len = (size_t)n;
	rc = LIM_OK;
out:
	if (tmp) {
		lim_wipe(tmp, tmplen);
		free(tmp);
	}
	return rc;
}

/* see srtp.h */
enum lim_err lim_srtp_get_roc(struct lim_srtp *s, uint32_t ssrc, uint32_t *roc, uint16_t *seq)
{
	const struct roc_ent *e;

	*roc = 0;
	*seq = 0;
	if (!s)
		return LIM_E_ARG;
	/* a pinned entry holds a ROC for the next packet, not an index reached */
	if (!(e = ent_find(s, ssrc)) || e->pinned)
		return LIM_E_STATE;
	*roc = e->roc;
	*seq = e->s_l;
	return LIM_OK;
}

/* see srtp.h */
enum lim_err lim_srtp_packet_index(struct lim_srtp *s, uint32_t ssrc, uint16_t seq, uint64_t *idx)
{
	uint32_t roc = 0;
	uint16_t hs = 0;
	*idx = seq;
	if (lim_srtp_get_roc(s, ssrc, &roc, &hs) != LIM_OK)
		return LIM_E_STATE;
	uint64_t h = (uint64_t)roc << 16 | hs, i = (h & ~UINT64_C(0xffff)) | seq;
	if (i > h)
		i = i >= 0x10000 ? i - 0x10000 : h;
	*idx = i;
	return LIM_OK;
}

/* see srtp.h */
size_t lim_srtp_tops(const struct lim_srtp *s, uint32_t *ssrc, uint64_t *top, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; s && i < s->nent && n < cap; i++)
		if (!s->ent[i].pinned) {
			ssrc[n] = s->ent[i].ssrc;
			top[n++] = (uint64_t)s->ent[i].roc << 16 | s->ent[i].s_l;
		}
	return n;
}

/* see srtp.h */
enum lim_err lim_srtp_unprotect_from(struct lim_srtp *s, uint8_t *pkt, size_t *len, uint32_t roc,
				     uint16_t seq)
{
	struct roc_ent *e, saved;
	uint16_t pseq = 0;
	uint32_t ssrc = 0;
	bool added = false;
	enum lim_err rc;

	if (!s || !pkt || !len)
		return LIM_E_ARG;
	if (s->tx)
		return LIM_E_STATE;
	if (!rtp_hdr(pkt, *len, &pseq, &ssrc))
		return LIM_E_PARSE;
	memset(&saved, 0, sizeof saved);
	if ((e = ent_find(s, ssrc)))
		saved = *e;
	else if ((e = ent_add(s, ssrc)))
		added = true; /* the last entry: dropped again below on failure */
	else
		return LIM_E_LIMIT;
	/* only the estimate's starting point changes: e->idx and sync still mirror libsrtp's
	 * stream (none for a new entry), so unprotect_once sets libsrtp's ROC where it differs */
	e->roc = roc;
	e->s_l = seq;
	e->pinned = false;
	rc = lim_srtp_unprotect(s, pkt, len);
	if (rc != LIM_OK) {
		if (added)
			s->nent--; /* (s->last >= nent then: ent_find searches) */
		else
			*e = saved;
	}
	return rc;
}

/* see srtp.h */
enum lim_err lim_srtp_protect(struct lim_srtp *s, uint8_t *pkt, size_t *len, size_t cap)
{
	enum lim_err rc = LIM_E_ARG;
	uint16_t seq = 0;
	uint32_t ssrc = 0, v;
	size_t l, need, trail;
	bool roc_pkt, added = false;
	enum ctx_kind kind;
	srtp_err_status_t st;
	int n;

	if (!s || !s->ctx[CTX_MAIN] || !pkt || !len || *len > (size_t)INT_MAX || cap < *len)
		goto out;
	rc = LIM_E_STATE;
	if (!s->tx)
		goto out;
	l = *len;
	rc = LIM_E_LIMIT;
	need = s->mkilen + s->taglen + (s->rcc ? ROC_LEN : 0);
	if (cap - l < need || l + need > (size_t)INT_MAX)
		goto out;
	rc = LIM_E_PARSE;
	if (!rtp_hdr(pkt, l, &seq, &ssrc))
		goto out;
	s->used = true;
	roc_pkt = carries_roc(s, seq);
	kind = pick_ctx(s, roc_pkt);
	v = roc_estimate(ent_find(s, ssrc), seq);
	if ((rc = push_roc(s, kind, ssrc, v, &added)) != LIM_OK)
		goto out;
	n = (int)l;
	st = s->mkilen ? srtp_protect_mki(s->ctx[kind], pkt, &n, 1, 0)
		       : srtp_protect(s->ctx[kind], pkt, &n);
	rc = map_st(st);
	if (rc == LIM_E_AUTH || rc == LIM_E_PARSE)
		rc = LIM_E_CRYPTO;
	pop_roc(s, kind, ssrc, added, rc == LIM_OK);
	if (rc != LIM_OK)
		goto out;
	if ((size_t)n < l || (size_t)n > l + need) {
		rc = LIM_E_CRYPTO;
		goto out;
	}
	if (roc_pkt) {
		/* insert the ROC before MAC_tr (RCCm1/2) or at the end (RCCm3), RFC 4771 s3.1 */
		size_t at = (size_t)n - (kind == CTX_RCC ? s->taglen - ROC_LEN : 0);
		trail = (size_t)n - at;
		memmove(pkt + at + ROC_LEN, pkt + at, trail);
		pkt[at] = (uint8_t)(v >> 24);
		pkt[at + 1] = (uint8_t)(v >> 16);
		pkt[at + 2] = (uint8_t)(v >> 8);
		pkt[at + 3] = (uint8_t)v;
		n += ROC_LEN;
	}
	roc_update(s, ent_find(s, ssrc), ssrc, v, seq, kind);
	*len = (size_t)n;
	rc = LIM_OK;
out:
	return rc;
}

/* see srtp.h */
enum lim_err lim_srtp_protect_rtcp(struct lim_srtp *s, uint8_t *pkt, size_t *len, size_t cap)
{
	enum lim_err rc = LIM_E_ARG;
	size_t need, rtcp_tag;
	srtp_err_status_t st;
	int n;

	if (!s || !s->ctx[CTX_MAIN] || !pkt || !len || *len > (size_t)INT_MAX || cap < *len)
		goto out;
	rc = LIM_E_STATE;
	if (!s->tx)
		goto out;
	rtcp_tag = s->profile == LIM_SRTP_AEAD_AES_128_GCM ? 16 : 10;
	need = SRTCP_IDX_LEN + s->mkilen + rtcp_tag;
	rc = LIM_E_LIMIT;
	if (cap - *len < need || *len + need > (size_t)INT_MAX)
		goto out;
	rc = LIM_E_PARSE;
	if (*len < RTCP_HDR_LEN || (pkt[0] >> 6) != 2)
		goto out;
	n = (int)*len;
	st = s->mkilen ? srtp_protect_rtcp_mki(s->ctx[CTX_MAIN], pkt, &n, 1, 0)
		       : srtp_protect_rtcp(s->ctx[CTX_MAIN], pkt, &n);
	rc = map_st(st);
	if (rc == LIM_E_AUTH || rc == LIM_E_PARSE)
		rc = LIM_E_CRYPTO;
	if (rc != LIM_OK)
		goto out;
	if ((size_t)n < *len || (size_t)n > *len + need) {
		rc = LIM_E_CRYPTO;
		goto out;
	}
	*len = (size_t)n;
out:
	return rc;
}

/* see srtp.h */
enum lim_err lim_srtp_unprotect_rtcp(struct lim_srtp *s, uint8_t *pkt, size_t *len)
{
	enum lim_err rc = LIM_E_ARG;
	srtp_err_status_t st;
	int n;

	if (!s || !s->ctx[CTX_MAIN] || !pkt || !len || *len > (size_t)INT_MAX)
		goto out;
	rc = LIM_E_STATE;
	if (s->tx)
		goto out;
	rc = LIM_E_PARSE;
	/* header || encrypted part (incl. the GCM tag) || E+index || MKI || HMAC tag: refused
	 * before libsrtp2 when it cannot hold them (as for SRTP: see unprotect_once) */
	if (*len < RTCP_HDR_LEN || (pkt[0] >> 6) != 2 ||
	    *len - RTCP_HDR_LEN < SRTCP_IDX_LEN + s->mkilen +
					  (s->profile == LIM_SRTP_AEAD_AES_128_GCM ? 16u : 10u))
		goto out;
	n = (int)*len;
	if (s->mkilen && s->profile == LIM_SRTP_AES128_CM_SHA1_32) {
		/* libsrtp 2.5 looks for the SRTCP MKI using the SRTP tag length (4, not 10):
		 * check and drop the MKI here (header || ... || index || MKI || 10-octet tag). */
		uint8_t tag[10];
		size_t l = *len, at;
		rc = LIM_E_PARSE;
		if (l < RTCP_HDR_LEN + SRTCP_IDX_LEN + s->mkilen + sizeof tag)
			goto out;
		at = l - sizeof tag - s->mkilen;
		rc = LIM_E_AUTH;
		if (memcmp(pkt + at, s->mki, s->mkilen) != 0)
			goto out;
		memcpy(tag, pkt + l - sizeof tag, sizeof tag);
		memmove(pkt + at, tag, sizeof tag);
		n = (int)(l - s->mkilen);
		rc = map_st(srtp_unprotect_rtcp(s->ctx[CTX_MAIN], pkt, &n));
		if (rc != LIM_OK) { /* HMAC fails before decryption: restore the packet */
			memcpy(pkt + at, s->mki, s->mkilen);
			memcpy(pkt + at + s->mkilen, tag, sizeof tag);
			goto out;
		}
	} else {
		st = s->mkilen ? srtp_unprotect_rtcp_mki(s->ctx[CTX_MAIN], pkt, &n, 1)
			       : srtp_unprotect_rtcp(s->ctx[CTX_MAIN], pkt, &n);
		rc = map_st(st);
		if (rc != LIM_OK)
			goto out;
	}
	if (n < RTCP_HDR_LEN || (size_t)n > *len) {
		rc = LIM_E_CRYPTO;
		goto out;
	}
	*len = (size_t)n;
out:
	return rc;
}

/* see srtp.h */
void lim_srtp_free(struct lim_srtp *s)
{
	if (!s)
		return;
	for (int k = 0; k < CTX_N; k++)
		if (s->ctx[k])
			(void)srtp_dealloc(s->ctx[k]); /* libsrtp zeroises its session keys */
	OPENSSL_secure_clear_free(s->keysalt, KEYSALT_MAX);
	if (s->scratch) { /* wire octets only (never plaintext); wiped all the same */
		lim_wipe(s->scratch, s->scratchcap);
		free(s->scratch);
	}
	lim_wipe(s, sizeof *s);
	free(s);
}
