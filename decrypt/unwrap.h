/* MIKEY-SAKKE I_MESSAGE processing on top of the codec (mikey.h) and the primitives (sakke.h,
 * eccsi.h, kdf.h, uid.h): which identifier to use for a party, recovery of the SSV with the
 * responder's RSK, verification of the initiator's ECCSI signature, and the SRTP master key and
 * salt of every crypto session (RFC 6509, RFC 3830 s4.1.3, 3GPP TS 33.180).
 *
 * Pure: bytes in, bytes out; no I/O, no logging. Outputs holding secrets (SSV, keys) are the
 * caller's to wipe (LIM_WIPE / mikey_srtp_keys_wipe). */
#ifndef LIM_UNWRAP_H
#define LIM_UNWRAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "decrypt/mikey.h"
#include "decrypt/sakke.h"

#define MIKEY_IDENT_MAX        512 /* octets of one identifier (RFC 6509 form: "YYYY-MM\0uri\0") */
#define MIKEY_IDENT_CANDIDATES 3

/* *secs: the seconds since 1900 of m's T payload (NTP-UTC or NTP: its upper 32 bits),
 * era-extended as RFC 4330 s3 says: with the top bit clear, from 2036-02-07 on. false when m
 * has no T of those types (a COUNTER names no time). The time every identifier and key period
 * of the message is formed from. */
bool mikey_t_ntp_secs(const struct mikey_msg *m, uint64_t *secs);

/* How to form one party's identifier. Everything optional; zero it for "from the message". */
struct mikey_ident_cfg {
	const uint8_t *id; /* borrowed: explicit identifier octets (a UID), used as is */
	size_t idlen;
	const char *uri; /* borrowed: the party's URI; NULL = the URI/UID in the message */
	size_t urilen;
	const char *kms_uri; /* borrowed: KMS URI for the UID; NULL = the message's KMS IDR */
	size_t kmslen;
	bool has_period; /* key period known: form a TS 33.180 UID, else the RFC 6509 form */
	uint64_t period, offset;
};

enum mikey_ident_kind {
	MIKEY_IDENT_EXPLICIT = 0, /* given by the caller */
	MIKEY_IDENT_MSG_UID = 1,  /* a 32-octet UID carried in the message */
	MIKEY_IDENT_UID = 2,      /* TS 33.180 UID derived from URI, KMS URI and key period */
	MIKEY_IDENT_RFC6509 = 3   /* "YYYY-MM\0uri\0", month from the T payload */
};

struct mikey_ident {
	uint8_t id[MIKEY_IDENT_MAX];
	size_t len;
	uint8_t kind;       /* enum mikey_ident_kind */
	uint64_t period_no; /* MIKEY_IDENT_UID only */
};

/* Whether an IDR payload carries a TS 33.180 UID rather than a URI: exactly MIKEY_UID_LEN
 * octets, and role IDRuidi/IDRuidr or content that is not printable ASCII text (trailing NULs
 * aside). The same test as limf's; a 32-character clear URI is a URI under either SAKKE ID
 * scheme. NULL: false. */
bool mikey_idr_is_uid(const struct mikey_idr *id);

/* Candidate identifiers for the initiator (responder = false) or the responder, most likely
 * first: for a derived UID the key period of T, then the one before and after (DESIGN.md s4:
 * "try the neighbouring period when the first fails").
 * Where they come from, in order: cfg->id as is; cfg->uri (a UID with cfg->has_period, else the
 * RFC 6509 form); else the message's IDR of the party: a carried UID (mikey_idr_is_uid) as is;
 * a clear URI as TS 33.180 UIDs (Annex F) with cfg->has_period (KMS URI: cfg->kms_uri, else
 * the message's KMS IDR of that party), in the RFC 6509 form without a key period under any
 * SAKKE ID scheme but 2 (1, RFC 6509's, or one the message does not carry). LIM_E_ARG when
 * cfg cannot be satisfied (no URI/UID in the message, an IDR of role 8/9 that is not 32
 * octets, no KMS URI, no T, a clear URI under ID scheme 2 with no key period). */
enum lim_err mikey_ident_candidates(const struct mikey_msg *m, bool responder,
				    const struct mikey_ident_cfg *cfg,
				    struct mikey_ident out[MIKEY_IDENT_CANDIDATES],
				    size_t *n) LIM_WUR;

/* Recovers the SSV of a MIKEY-SAKKE I_MESSAGE with the responder's RSK and the KMS public key
 * Z (RFC 6508 s6.2.2, with the re-check), trying each candidate identifier; *used (may be
 * NULL) receives the one that worked. LIM_OK; LIM_E_PARSE when m is not a usable I_MESSAGE;
 * LIM_E_UNSUPP for a SAKKE parameter set other than 1; LIM_E_ARG as mikey_ident_candidates;
 * LIM_E_AUTH when no candidate decapsulates (wrong RSK, identity, Z, or tampered data). */
enum lim_err mikey_sakke_unwrap(const struct mikey_msg *m, const uint8_t Z[SAKKE_POINT_LEN],
				const uint8_t rsk[SAKKE_POINT_LEN],
				const struct mikey_ident_cfg *cfg, uint8_t ssv[SAKKE_SSV_LEN],
				struct mikey_ident *used) LIM_WUR;

/* As mikey_sakke_unwrap for a responder whose receiver context (sakke_rsk_ctx_new with its
 * identifier and RSK) is already built: the same message checks, then one decapsulation with
 * ctx (about 3-4x cheaper; for many calls to the same user). LIM_E_AUTH when the SAKKE payload
 * is not for ctx's identifier (or was tampered with). */
enum lim_err mikey_sakke_unwrap_ctx(const struct mikey_msg *m, const struct sakke_rsk_ctx *ctx,
				    uint8_t ssv[SAKKE_SSV_LEN]) LIM_WUR;

/* Verifies the ECCSI signature (SIGN type 2) with the KMS's KPAK and the initiator's
 * identifier candidates, over both coverage conventions (mikey_sign_cover). LIM_OK or
 * LIM_E_AUTH (also for an unusable message); *used (may be NULL) gets the identifier. */
enum lim_err mikey_sakke_verify(const struct mikey_msg *m, const uint8_t kpak[65],
				const struct mikey_ident_cfg *cfg,
				struct mikey_ident *used) LIM_WUR;

enum mikey_srtp_alg { MIKEY_SRTP_AES_CM = 1, MIKEY_SRTP_AES_GCM = 6 };

/* SRTP master key material of one crypto session. */
struct mikey_srtp_key {
	uint8_t cs_id;
	bool has_ssrc; /* SRTP-ID map: the stream's SSRC and ROC */
	uint32_t ssrc, roc;
	uint8_t enc_alg;      /* enum mikey_srtp_alg (SP param 0, else enum mikey_srtp_def's) */
	uint8_t auth_alg;     /* SP param 2 as sent: 0 none, 1 HMAC-SHA-1, 2-4 RCCm1-3 (RFC 4771:
				 the ROC travels in the packet; handled where SRTP is opened) */
	uint8_t auth_tag_len; /* octets: SP param 11 (HMAC) or 20 (AEAD) or the default */
	uint8_t key[32];
	uint8_t key_len;
	uint8_t salt[14];
	uint8_t salt_len;
	uint8_t mki[16]; /* TS 33.180: the key's ID (PCK-ID, CSK-ID) or the GENERIC-ID SPI */
	uint8_t mki_len;
};

#define MIKEY_MAX_KEYS (MIKEY_MAX_CS + 2)

/* The SRTP policy a crypto session gets when the message has no SP payload for its policy
 * (TS 33.180: "where no security profile is provided"): the defaults of the message's kind.
 * The parameters an SP payload leaves out take RFC 3830's whatever the kind. */
enum mikey_srtp_def {
	/* RFC 3830 s6.10.1: AES-CM, 16-octet key, 14-octet salt, HMAC-SHA-1 with a 10-octet
	 * tag (RFC 6509's messages, SRTP-ID map) */
	MIKEY_SRTP_DEF_RFC3830,
	/* TS 33.180 E.3.1-E.3.2 (TS 33.179 Table E.3-1), a PCK: "Where no crypto sessions are
	 * included in the payload, (CS# is 0), the default security profile defined in Annex
	 * E.3.2 shall be used, and no Security Properties payload (SP) is required":
	 * AEAD_AES_128_GCM (AES-GCM, key 16, salt 12, AEAD tag 16), no ROC in the packet */
	MIKEY_SRTP_DEF_MCX_PCK,
	/* TS 33.179 Table E.2-1, a GMK: the PCK's, with RCCm3 (the RFC 4771 ROC in every
	 * packet) */
	MIKEY_SRTP_DEF_MCX_GMK
};

/* The defaults of m's kind as far as the message tells: the empty map (TS 33.180's private
 * call) and GENERIC-ID (TS 33.180's PCK, GMK, CSK) MCX_PCK, the SRTP-ID map RFC3830. That a
 * message carries a GMK only its caller knows (it then gives MCX_GMK). */
enum mikey_srtp_def mikey_srtp_def_of(const struct mikey_msg *m);

/* Derives the SRTP master key and salt of every crypto session of m from the TGK (the SSV:
 * PCK, GMK, CSK...): RFC 3830 s4.1.3 with m's PRF, label = const || CS ID || CSB ID || RAND.
 * CS IDs: SRTP-ID map 1..#CS; empty map (TS 33.180 private call) 0 and 1; GENERIC-ID as sent.
 * The CSB ID is the message's. For a GMK that is the receiving member's GUK-ID, which keys only
 * that member's own transmissions; the media of other talkers is keyed with their GUK-IDs
 * (TS 33.180: CSB ID = the sender's GUK-ID, MKI = GMK-ID || GUK-ID), derived per sender by the
 * group-call code with mikey_guk_id and kdf_derive.
 * Lengths and algorithm from the CS's SP payload; with no SP payload for its policy, def's
 * profile; a parameter an SP payload leaves out, RFC 3830's default (RFC 7714's for GCM's
 * salt and tag). LIM_E_PARSE when m lacks RAND; LIM_E_UNSUPP for key/salt lengths out of
 * range, another cipher, and a policy limf would decrypt wrongly or without integrity: SRTP
 * encryption off (SP param 7 = 0: the clear payload would come out XORed with a keystream),
 * SRTP authentication off (param 10 = 0), a key derivation rate other than 0 (param 6:
 * session keys that change during the stream), or one of those three of another length than
 * one octet; and a profile limf does not decrypt (keys of 16 octets): AES-CM other than with
 * HMAC-SHA1 (SP auth algorithm 1, or RFC 4771 RCCm2, 3: not NULL, nor the RCC modes that
 * leave packets without a MAC), a 14-octet salt and a 10- or 4-octet tag; AES-GCM other than
 * with auth algorithm NULL or RCCm3 (4), a 12-octet salt and a 16-octet tag. */
enum lim_err mikey_srtp_keys(const struct mikey_msg *m, const uint8_t *tgk, size_t tgklen,
			     enum mikey_srtp_def def, struct mikey_srtp_key out[MIKEY_MAX_KEYS],
			     size_t *n) LIM_WUR;

/* TS 33.180 group media (issue 9): the SRTP master key and salt of one talker of a group,
 * keyed by the group's GMK. The talker's GUK-ID (mikey_guk_id of gmk, gmk_id and the talker's
 * MC service ID uri) is the CSB ID; CS ID 4 (MIKEY_CS_GMK); RAND = the GMK-RAND of the GMK's
 * I_MESSAGE; prf as that message's (PRF-HMAC-SHA-256 in TS 33.180). The packets' MKI is then
 * GMK-ID || GUK-ID (*guk_id). key_len 16, salt_len 12 (AEAD_AES_128_GCM) unless other lengths
 * are asked for (1..32 / 1..14). Errors: LIM_E_ARG (empty GMK or RAND, NULL pointers, lengths
 * out of range), LIM_E_LIMIT, LIM_E_CRYPTO; the outputs are wiped on every error. */
#define MIKEY_CS_GMK 4
enum lim_err mikey_group_talker_key(enum mikey_prf prf, const uint8_t *gmk, size_t gmklen,
				    uint32_t gmk_id, const uint8_t *gmk_rand, size_t randlen,
				    const char *uri, size_t urilen, uint8_t *key, size_t key_len,
				    uint8_t *salt, size_t salt_len, uint32_t *guk_id) LIM_WUR;

/* Wipes n key entries. */
void mikey_srtp_keys_wipe(struct mikey_srtp_key *k, size_t n);

#endif
