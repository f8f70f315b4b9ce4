/* warrants/ KMS client: TS 33.180 Annex D over HTTPS with mutual TLS (libcurl), responses
 * parsed with libxml2, behind the warrant gate (DESIGN.md s3, s5 invariants 1, 2, 3 and 5).
 *
 * The gate in the type system: the only way to ask the KMS for a user's keys is
 * wr_kms_keys(), which takes a `const struct wr_kms_decision *`. That type is opaque
 * (defined in warrants/kms.c only) and the only function that creates one is
 * wr_kms_decide(), which runs wr_decide() and returns a decision only when at least one
 * warrant is in force for a party at the call's time. The decision also binds the call's
 * parties: wr_kms_keys() refuses (LIM_E_AUTH, no request, audited) a user URI that is not one
 * of them (same normalised URI, or a UID party whose uid_fn maps the URI to its UID).
 *
 * Requests (Annex D.2/D.3, namespace WR_KMS_NS, POST with a KmsRequest body):
 *   <base>/keymanagement/identity/v1/init    -> KmsResponse/KmsMessage/KmsInit/KmsCertificate
 *   <base>/keymanagement/identity/v1/keyprov -> KmsResponse/KmsMessage/KmsKeyProv/KmsKeySet
 * Keys (PubEncKey, PubAuthKey, UserDecryptKey, UserSigningKeySSK, UserPubTokenPVT) are hex
 * octet strings (base64 accepted too); encrypted keys (TrK, Annex D.3.5) are LIM_E_UNSUPP.
 *
 * Certificates (Annex D.3.2 KmsCertificate): each is valid in [ValidFrom, ValidTo) (both
 * required; a date that is absent, malformed or not before the other rejects the certificate,
 * LIM_E_PARSE) unless Revoked. A KMS rolls its keys over by issuing a new certificate (a new
 * CertUri, new Z and KPAK; the old one's ValidTo is the new one's ValidFrom) and then keys
 * under it; a key set names the certificate it belongs to (KmsKeySet/CertUri). The client
 * keeps the certificates it has fetched, by CertUri, newest first, at most WR_KMS_CERTS (the
 * oldest fetched goes, with the key sets cached under it): the current one and those before,
 * so that calls made before a roll-over still verify. A revoked certificate is dropped. Re-
 * fetches (wr_kms_refresh_cert, and the ones wr_kms_keys_at makes itself: a key set under a
 * CertUri not held, or keys that fail validation against their certificate) are limited to
 * one per refresh_min_us (the first fetch does not count): forged I_MESSAGEs must not make
 * the LIMF hammer the KMS. The one exception is a time at or past the latest ValidTo held: the
 * announced end of the certificate has come, a roll-over is due, and it is fetched at once,
 * once per such ValidTo (a KMS that has not rolled over then is asked again only at the rate
 * limit). Refused re-fetches send nothing and are counted (wr_kms_cert_stats).
 *
 * Certificate store (schema version 7, limf.kms_certificate): every certificate fetched and
 * checked is recorded in the database, once, by (KmsUri, CertUri) (wr_kms_cert_record); a
 * certificate once recorded never changes (another content under its CertUri is refused and
 * audited "kms.cert.conflict"; the fetch itself goes on with what the KMS served). A KMS
 * serves only its current certificate, so a client started after a roll-over (limf replay of
 * an older capture) holds none valid at the time of calls made before it: when no certificate
 * held is valid at the time a re-fetch is asked for (wr_kms_refresh_cert, and the ones
 * wr_kms_keys_at makes), the store is read first, for the newest certificate of the current
 * certificate's KmsUri valid then whose CertUri is not held; one found is added to the set
 * (after the current one, bounded as fetched ones are: the oldest goes when full) with source
 * WR_KMS_SRC_DB, audited "kms.cert.load" (no KMS request is made: not "kms.init"), and the
 * re-fetch is not made. A certificate the KMS said is revoked is recorded as such and never
 * loaded. The store's copy is what a limf process itself fetched over mutual TLS
 * from a KMS of that URI, and keys under it are still validated against its Z and KPAK. A
 * store that cannot be read or written (an older schema) does not fail a fetch: nothing is
 * recorded or loaded, and wr_kms_cert_stats counts it.
 *
 * Audit (wr_audit_append on the caller's db): "kms.init" (LIID "") for each certificate
 * fetch, first or re-fetch alike; for a key fetch, before any byte is sent, one "kms.request" row
 * per matched LIID (user URI, key period, call time) and after it one "kms.result" row per LIID
 * with the outcome ("ok ..." or "error ..."); each action's rows for all the LIIDs or for none
 * (one transaction, when the caller has none open). A request whose audit rows cannot be
 * written is not sent; keys whose result rows cannot be are dropped. A URI refused by the
 * decision binding is audited as "kms.refused".
 *
 * Validation and cache: received keys are checked against the KMS certificate they name
 * (UserUri, UserID equal to the identifier computed locally, KeyPeriodNo, KmsUri; a key set
 * marked Revoked is refused, LIM_E_AUTH) and then
 * with the injected validators (RSK against its Z: RFC 6508 s6.1.2; SSK/PVT against its KPAK:
 * RFC 6507 s5.1.2). Only then they are cached, per certificate (one identifier has keys under
 * each certificate of a roll-over), in OpenSSL's secure heap, until
 * min(end of the key period, end of the latest matched warrant) on the client's clock, and
 * wiped when they expire, on wr_kms_purge and on wr_kms_free. Nothing is cached on failure.
 * Keys of key periods that have already ended (replay of old traffic) are served once and
 * dropped at the next call, unless the client was made with keep_ended (an evidence replay):
 * then they stay cached until wr_kms_purge / wr_kms_free, the end of that run. A revoked warrant
 * gives no decision, so cached keys are no longer reachable for it; each key set remembers the
 * warrants (LIIDs) whose decisions reached it, and wr_kms_forget_liid wipes those left with none
 * once their warrant stopped (DESIGN.md s5.3: keys expire with the warrant); wr_kms_purge wipes
 * them all at once.
 *
 * Transport: HTTPS only, server verified against ca_file (host name/IP checked), client
 * certificate and key required, no redirects, no proxy from the environment, connect and total
 * timeouts, responses capped at max_response octets (held in the secure heap and wiped), and
 * `retries` further attempts after a transport failure or an HTTP 5xx. */
#ifndef LIM_WARRANTS_KMS_H
#define LIM_WARRANTS_KMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "warrants/warrants.h"

#define WR_KMS_NS        "urn:3gpp:ns:mcsecKMSInterface:1.0"
#define WR_KMS_PATH_INIT "/keymanagement/identity/v1/init"
#define WR_KMS_PATH_PROV "/keymanagement/identity/v1/keyprov"

#define WR_KMS_URI_MAX      256
#define WR_KMS_Z_LEN        257 /* SAKKE Z, 0x04||x||y over the 1024-bit p (RFC 6509 App. A) */
#define WR_KMS_KPAK_LEN     65  /* ECCSI KPAK on P-256 */
#define WR_KMS_RSK_LEN      257
#define WR_KMS_SSK_LEN      32
#define WR_KMS_PVT_LEN      65
#define WR_KMS_ID_MAX       (WR_URI_MAX + 16) /* RFC 6509 "YYYY-MM\0uri\0", or a 32-octet UID */
#define WR_KMS_RESPONSE_MAX (64u * 1024u)

/* UserIdFormat of the KmsCertificate: how identifiers are formed. */
enum wr_kms_idscheme {
	WR_KMS_ID_RFC6509 = 0, /* "YYYY-MM\0uri\0", monthly (RFC 6509 s3.2) */
	WR_KMS_ID_3GPP = 2     /* TS 33.180 F.2.1 UID, UserKeyPeriod/UserKeyOffset */
};

#define WR_KMS_CERTS      4                       /* certificates a client keeps */
#define WR_KMS_REFRESH_US (60 * INT64_C(1000000)) /* default refresh_min_us */

/* Where a certificate held came from: fetched from the KMS by this client (KMSInit), or
 * loaded from the certificate store (a fetch by an earlier limf process, see top). */
enum wr_kms_cert_source { WR_KMS_SRC_KMS = 0, WR_KMS_SRC_DB = 1 };

/* The KMS certificate (public). */
struct wr_kms_cert {
	char kms_uri[WR_KMS_URI_MAX + 1];
	char cert_uri[WR_KMS_URI_MAX + 1];
	char issuer[WR_KMS_URI_MAX + 1];
	enum wr_kms_idscheme scheme;
	uint64_t user_key_period, user_key_offset; /* seconds; offset on the NTP timescale */
	unsigned parameter_set;                    /* 1 = RFC 6509 App. A */
	uint8_t z[WR_KMS_Z_LEN];                   /* PubEncKey */
	uint8_t kpak[WR_KMS_KPAK_LEN];             /* PubAuthKey */
	int64_t valid_from, valid_to; /* ValidFrom, ValidTo in wr time: valid in [from, to) */
	/* where the client got it (not part of the certificate: left out of every comparison) */
	enum wr_kms_cert_source source;
	int64_t first_seen; /* when the store first recorded it (wr time); INT64_MIN: unknown */
};

/* Whether c is valid at t_us (valid_from <= t_us < valid_to). */
bool wr_kms_cert_valid(const struct wr_kms_cert *c, int64_t t_us);

/* The identifier of a user URI at a time, and its key period [valid_from, valid_to) in wr
 * time (microseconds since 1970). */
struct wr_kms_ident {
	uint8_t id[WR_KMS_ID_MAX];
	size_t idlen;
	uint64_t period_no;
	int64_t valid_from, valid_to;
};

/* What warrants/ cannot do itself (it may not include decrypt/): injected by limf/ from
 * decrypt/ (mikey_uid / mikey_rfc6509_id / mikey_key_period_no, sakke_rsk_validate,
 * eccsi_validate). Each returns LIM_OK or an error; validators LIM_OK or LIM_E_AUTH. */
struct wr_kms_crypto {
	enum lim_err (*ident)(void *ctx, const struct wr_kms_cert *c, const char *uri, int64_t t_us,
			      struct wr_kms_ident *out);
	enum lim_err (*rsk_validate)(void *ctx, const uint8_t z[WR_KMS_Z_LEN], const uint8_t *id,
				     size_t idlen, const uint8_t rsk[WR_KMS_RSK_LEN]);
	enum lim_err (*ssk_validate)(void *ctx, const uint8_t kpak[WR_KMS_KPAK_LEN],
				     const uint8_t *id, size_t idlen,
				     const uint8_t ssk[WR_KMS_SSK_LEN],
				     const uint8_t pvt[WR_KMS_PVT_LEN]);
	void *ctx;
};

struct wr_kms_config {
	const char *base_url;                /* "https://host:port" (no trailing path); copied */
	const char *ca_file;                 /* PEM CA(s) the server must chain to; copied */
	const char *cert_file, *key_file;    /* client certificate and key (PEM); copied */
	long connect_timeout_ms, timeout_ms; /* 0 = 5000 / 15000 */
	unsigned retries;                    /* further attempts after a transport failure */
	size_t max_response;                 /* 0 = WR_KMS_RESPONSE_MAX (also the cap) */
	size_t cache_max; /* cached key sets, 0 = 256; when full, the one that expires first goes */
	bool keep_ended;  /* keys whose expiry has passed when fetched stay until purge/free */
	int64_t refresh_min_us;      /* certificate re-fetches at most once per this; 0 = 60 s */
	struct wr_kms_crypto crypto; /* all three functions required */
	int64_t (*now)(void *ctx);   /* wr time clock for the cache; NULL = real time */
	void *now_ctx;
};

/* The cached keys of one user and key period: secret, read-only for the caller. The user's
 * ECCSI signing key (UserSigningKeySSK) is validated with the PVT (RFC 6507 s5.1.2) and then
 * wiped, never kept: the LIMF only verifies signatures (KPAK, PVT), and a kept SSK would let
 * whoever reads its memory forge the user's I_MESSAGEs. */
struct wr_kms_keys {
	char user_uri[WR_URI_MAX + 1];
	char cert_uri[WR_KMS_URI_MAX + 1]; /* the certificate they belong to */
	uint8_t z[WR_KMS_Z_LEN];           /* its PubEncKey: the RSK validated against it */
	struct wr_kms_ident ident;
	int64_t expires; /* wr time: min(key period end, warrant end) */
	uint8_t rsk[WR_KMS_RSK_LEN];
	uint8_t pvt[WR_KMS_PVT_LEN];
};

struct wr_kms;          /* opaque: configuration, curl handle, certificate, key cache */
struct wr_kms_decision; /* opaque: proof of a positive wr_decide (see top) */

/* Whether url can be a KMS's: https://, and no credentials in it (user@host: limf authenticates
 * with its client certificate, and the URL goes into the evidence's manifest and the logs).
 * false with *why (static text) otherwise. */
bool wr_kms_url_ok(const char *url, const char **why);

/* Creates a client (config copied; crypto.ctx and now_ctx borrowed). LIM_E_ARG for a missing
 * field or a URL wr_kms_url_ok refuses, LIM_E_NOMEM, LIM_E_IO. The first call installs,
 * process-wide, allocators for libxml2 and libcurl that wipe every block freed (the response's
 * key text passes through their own buffers) and initialises both libraries
 * (curl_global_init_mem): it must precede any other libcurl use in the process. Transfers set
 * SSL_OP_CLEANSE_PLAINTEXT (OpenSSL back end only; another one fails the request with
 * LIM_E_UNSUPP). */
enum lim_err wr_kms_new(const struct wr_kms_config *cfg, struct wr_kms **out) LIM_WUR;
/* Wipes the cache and frees; NULL is a no-op. */
void wr_kms_free(struct wr_kms *k);
/* One-line reason of the last failure ("" when none). */
const char *wr_kms_msg(const struct wr_kms *k);
/* One line on the last certificate store event ("" when none): a certificate loaded from it,
 * a conflict, a store that failed (see wr_kms_cert_stats). */
const char *wr_kms_store_msg(const struct wr_kms *k);

/* Fetches and checks the KMS certificate (KMSInit): added to k's certificates as the current
 * one (replacing one of the same CertUri), copied to out when out != NULL. Not rate-limited.
 * Audited as "kms.init". Errors: LIM_E_IO (transport, HTTP status), LIM_E_PARSE (XML, a
 * missing or malformed field, ValidFrom/ValidTo included), LIM_E_AUTH (revoked: a held
 * certificate of that CertUri is dropped), LIM_E_UNSUPP (parameter set, id format), LIM_E_DB
 * (audit). */
enum lim_err wr_kms_fetch_cert(struct wr_kms *k, struct wr_db *db, struct wr_kms_cert *out) LIM_WUR;

/* A re-fetch of the certificate for time t_us (the call whose I_MESSAGE needs it): as
 * wr_kms_fetch_cert, rate-limited (see top): LIM_E_LIMIT, nothing sent, when refused. When no
 * certificate held is valid at t_us the certificate store is read first (see top): one loaded
 * from it is LIM_OK with *changed true, and no KMS request is made (nor counted by the limit).
 * *changed: the set of certificates changed (one not held before, or other keys under a held
 * CertUri). */
enum lim_err wr_kms_refresh_cert(struct wr_kms *k, struct wr_db *db, int64_t t_us,
				 bool *changed) LIM_WUR;

/* The response parsers of wr_kms_fetch_cert and wr_kms_keys, on a response already received
 * (resp, len octets; borrowed): no I/O, no database, no audit; k's certificates and cache are
 * left alone, only wr_kms_msg changes (the reason of a failure; never a key value). The XML
 * rules are the network path's: at most WR_KMS_RESPONSE_MAX octets (LIM_E_LIMIT), well-formed,
 * no DTD (a DOCTYPE is refused), root KmsResponse in WR_KMS_NS, exactly one of each required
 * element; an optional element that is repeated or malformed is refused, never read as absent
 * (LIM_E_PARSE). They exist for tests and fuzzing of the untrusted-input parser (STYLE.md
 * rule 22).
 *
 * wr_kms_parse_init: the KmsCertificate of a KMSInit response (Annex D.3.2), checked as
 * wr_kms_fetch_cert checks it, into *out (source WR_KMS_SRC_KMS, first_seen INT64_MIN).
 * Errors as wr_kms_fetch_cert's parse errors: LIM_E_PARSE, LIM_E_UNSUPP, LIM_E_LIMIT, LIM_E_ARG
 * (resp NULL with len > 0), LIM_E_AUTH for a revoked certificate (then only kms_uri, cert_uri
 * and issuer are set); on any other error *out is zeroed. */
enum lim_err wr_kms_parse_init(struct wr_kms *k, const char *resp, size_t len,
			       struct wr_kms_cert *out) LIM_WUR;

/* wr_kms_parse_keyprov: the KmsKeySet of a KMSKeyProv response (Annex D.3.3) for user_uri and
 * the identifier *ident (its id, idlen and period_no; from crypto.ident) under certificate c,
 * checked and validated as wr_kms_keys does once it has chosen c: a CertUri it names is c's,
 * not Revoked, KmsUri, UserUri, UserID and KeyPeriodNo equal to c's and the expected ones, the
 * RSK validated against c's Z and the SSK/PVT against its KPAK with k's crypto validators
 * (the SSK then wiped). On LIM_OK *out holds user_uri, ident, cert_uri, z, rsk and pvt
 * (expires 0): secret, owned by the caller, who must wipe it (lim_wipe). On failure *out is
 * wiped (all zero). Errors: LIM_E_PARSE (malformed), LIM_E_AUTH (a key set for another
 * certificate, user, identifier or period, revoked, or keys that do not validate),
 * LIM_E_UNSUPP (encrypted keys), LIM_E_LIMIT, LIM_E_ARG (NULL c, user_uri or ident). */
enum lim_err wr_kms_parse_keyprov(struct wr_kms *k, const char *resp, size_t len,
				  const struct wr_kms_cert *c, const char *user_uri,
				  const struct wr_kms_ident *ident,
				  struct wr_kms_keys *out) LIM_WUR;

/* Records c in the certificate store (see top) as fetched by db's role: *added (may be NULL)
 * true when it was new, *first_seen (may be NULL) the time the store first recorded it. The
 * same certificate again is LIM_OK, nothing changed; with only its ValidFrom/ValidTo changed
 * (the KMS amending it: a roll-over ends the old one early), LIM_OK, the recorded validity
 * replaced and the old one audited ("kms.cert.amend"). Other keys or parameters under a
 * recorded (kms_uri, cert_uri): LIM_E_AUTH, the recorded one kept, audited "kms.cert.conflict"
 * (by the database). LIM_E_DB when the store cannot be written (no schema version 7). */
enum lim_err wr_kms_cert_record(struct wr_db *db, const struct wr_kms_cert *c, bool *added,
				int64_t *first_seen) LIM_WUR;

/* The certificates held, newest fetched first (one loaded from the certificate store, source
 * WR_KMS_SRC_DB, goes after those held when it was loaded), copied into out (at most max);
 * returns how many. out[0] is the current one. */
size_t wr_kms_certs(const struct wr_kms *k, struct wr_kms_cert *out, size_t max);

/* Certificate fetches: KMSInit requests sent (first and re-fetches), re-fetches refused by the
 * rate limit, and changes of the set of certificates (a generation number). */
struct wr_kms_cert_stats {
	uint64_t fetched, refused, changes;
	/* the certificate store: loaded from it, refused by it (another content under a recorded
	 * CertUri), and failed (unreadable or unwritable, e.g. a schema before version 7) */
	uint64_t loaded, conflicts, store_failed;
};
void wr_kms_cert_stats(const struct wr_kms *k, struct wr_kms_cert_stats *out);

#define WR_KMS_DECIDE_MAX 16 /* matched warrants a decision holds */

/* The gate: runs wr_decide_all(db, parties, n, t_us). Only when at least one warrant is in
 * force is *out set to a new decision (LIM_OK); with no warrant *out is NULL and LIM_OK is
 * returned; on any error *out is NULL (treat as no warrant). The decision copies the parties'
 * URIs and UIDs (uid_fn/uid_ctx stay borrowed) and reads the matched warrants' validity ends.
 * More than WR_KMS_DECIDE_MAX warrants in force is still a decision: it holds the first
 * WR_KMS_DECIDE_MAX by LIID (the same ones whatever the order of the rows), and
 * wr_kms_decision_total tells how many matched, so the caller can report the ones left out.
 * One warrant too many must never turn interception off for the others. */
enum lim_err wr_kms_decide(struct wr_db *db, const struct wr_party *parties, size_t n_parties,
			   int64_t t_us, struct wr_kms_decision **out) LIM_WUR;
/* wr_kms_decide (liid NULL) or wr_kms_decide_liid (liid), and in *next_from the earliest
 * valid_from after t_us of a warrant not in force at t_us that will be and whose targets
 * include a party (with liid: that warrant only), WR_TIME_INFINITY when none, also when a
 * decision is made: the instant a call in progress at t_us becomes (also) a target's. One
 * statement, as wr_kms_decide. Errors as wr_kms_decide (*next_from then WR_TIME_INFINITY). */
enum lim_err wr_kms_decide_next(struct wr_db *db, const struct wr_party *parties, size_t n_parties,
				int64_t t_us, const char *liid, struct wr_kms_decision **out,
				int64_t *next_from) LIM_WUR;
/* The gate for one warrant (an evidence replay for one case): as wr_kms_decide, with only
 * liid's match, whatever the others in force (so never one left out of a full decision);
 * *out NULL (LIM_OK) when that warrant is not in force for these parties at t_us. LIM_E_ARG
 * for a NULL liid. Key requests through it are audited under liid only. */
enum lim_err wr_kms_decide_liid(struct wr_db *db, const struct wr_party *parties, size_t n_parties,
				int64_t t_us, const char *liid,
				struct wr_kms_decision **out) LIM_WUR;
void wr_kms_decision_free(struct wr_kms_decision *d); /* NULL is a no-op */
/* The matched warrants (1..n), ordered by LIID; borrowed from d. */
const struct wr_match *wr_kms_decision_matches(const struct wr_kms_decision *d, size_t *n);
/* How many warrants were in force for the decision's parties, the ones beyond
 * WR_KMS_DECIDE_MAX included (then more than wr_kms_decision_matches gives); 0 for NULL. */
size_t wr_kms_decision_total(const struct wr_kms_decision *d);

/* The keys of user_uri (a party of d) for the key period of d's call time: from the cache, or
 * fetched (the certificate first when k has none), audited, validated and cached. They are
 * asked for under the newest certificate held that is valid at the request's time (none:
 * one re-fetch as wr_kms_refresh_cert, then LIM_E_STATE) and validated against the
 * certificate the key set names (KmsKeySet/CertUri; one it does not name: the one asked
 * under); a CertUri not held, or keys that fail validation, cause one re-fetch (rate-limited)
 * and one more try when the certificates changed. Cached per certificate. Keys serve content:
 * only d's warrants of scope iri+cc justify them. The request and its result are audited under
 * those LIIDs alone, the keys are cached for them alone (until the key period or the last of
 * them ends), and a decision with none is refused (LIM_E_AUTH, audited as kms.refused; nothing
 * sent). *out is borrowed from k until the next call on k. Errors: LIM_E_ARG (d NULL),
 * LIM_E_AUTH (URI not a party of d, no warrant of scope iri+cc, keys that fail validation or
 * do not match the request), LIM_E_IO, LIM_E_PARSE,
 * LIM_E_UNSUPP, LIM_E_DB (audit; nothing requested), LIM_E_LIMIT; *out is NULL then. A full
 * cache is no error: the key set that expires first is wiped to make room. */
enum lim_err wr_kms_keys(struct wr_kms *k, struct wr_db *db, const struct wr_kms_decision *d,
			 const char *user_uri, const struct wr_kms_keys **out) LIM_WUR;

/* As wr_kms_keys, for the key period before (period_delta -1), of (0) or after (+1) the one
 * of d's call time: a sender's clock near a period boundary, or the T payload of its
 * I_MESSAGE, may name the neighbouring period (DESIGN.md s4). The request carries a time
 * inside that period (its last or first microsecond); the audit rows name it. Any other delta
 * is LIM_E_ARG: the gate never lets a decision reach keys further from the call's time. */
enum lim_err wr_kms_keys_at(struct wr_kms *k, struct wr_db *db, const struct wr_kms_decision *d,
			    const char *user_uri, int period_delta,
			    const struct wr_kms_keys **out) LIM_WUR;

/* Narrows d to the one warrant liid (an evidence replay for one case): later key requests
 * are audited under that LIID only and cached until its end. It can only remove matches:
 * LIM_E_AUTH (d unchanged) when liid is not one of them, LIM_E_ARG for NULLs. */
enum lim_err wr_kms_decision_keep(struct wr_kms_decision *d, const char *liid) LIM_WUR;

/* Widens d with the matches of more (a later decision for the call's parties: a warrant that
 * came into force during the call) whose LIIDs d does not hold, up to WR_KMS_DECIDE_MAX, and
 * with more's parties d does not bind (ones the call named since: the answering party of a
 * diverted call), up to its party limit; d keeps its call time, so later key requests through
 * it are audited under those LIIDs too (those of scope iri+cc) and cached until the latest end
 * of those, and may be for those parties. A match d holds is kept, with more's end (a warrant
 * extended or cut short since; key sets cached from then on are kept until it): its scope is
 * set with wr_kms_decision_scope. A party's uid_ctx must outlive d. *added: how many matches were
 * added (may be NULL). LIM_E_ARG for NULLs; LIM_E_LIMIT when some did not fit (those that did
 * are added). */
enum lim_err wr_kms_decision_join(struct wr_kms_decision *d, const struct wr_kms_decision *more,
				  size_t *added) LIM_WUR;

/* Strikes the warrant liid from d (it is no longer in force during the call: ended, revoked,
 * suspended): later key requests through d are not audited under it, nor cached for it; the
 * latest end is that of the others. A decision left with no match serves no key request
 * (wr_kms_keys: LIM_E_ARG). LIM_E_AUTH (d unchanged) when liid is not one of them, LIM_E_ARG
 * for NULLs. */
enum lim_err wr_kms_decision_drop(struct wr_kms_decision *d, const char *liid) LIM_WUR;

/* Sets the scope of liid's match in d to what the warrant gives the call now, as the caller
 * sees it: a scope widened or narrowed since d was made (wr_kms_decision_join keeps the scope of
 * a match it holds), or content withheld. wr_kms_keys goes by d's scopes: keys only under
 * matches of scope iri+cc. LIM_E_AUTH (d unchanged) when liid is not one of d's matches,
 * LIM_E_ARG for NULLs or another scope value. */
enum lim_err wr_kms_decision_scope(struct wr_kms_decision *d, const char *liid,
				   enum wr_scope scope) LIM_WUR;

/* The call time the decision was made for (wr time). */
int64_t wr_kms_decision_time(const struct wr_kms_decision *d);

/* Whether d holds a warrant of scope iri+cc: the only kind keys are fetched under (wr_kms_keys
 * refuses a decision without one). false for NULL. */
bool wr_kms_decision_has_content(const struct wr_kms_decision *d);

/* Number of key sets cached now (expired ones are wiped first). */
size_t wr_kms_cached(struct wr_kms *k);
/* Wipes every cached key set. */
void wr_kms_purge(struct wr_kms *k);
/* Warrant liid no longer justifies keys (it was found not in force: revoked, suspended,
 * expired, or no longer on the call's parties): struck from the warrants of every cached key
 * set, and the sets left with none are wiped. Another warrant that still needs them gets them
 * again by a new (audited) request. Returns how many sets were wiped. */
size_t wr_kms_forget_liid(struct wr_kms *k, const char *liid);
/* The warrants (LIIDs) that justify cached key sets now, each once: the first max into out
 * (NULL when max is 0); returns how many there are. For wr_liids_content: a warrant that
 * stopped giving content after its calls ended must not keep keys cached (invariant 3). */
size_t wr_kms_liids(const struct wr_kms *k, char (*out)[WR_LIID_MAX + 1], size_t max);
/* The warrants liids[0..n) end at ends[i] now (wr_liids_content): every cached key set whose
 * warrants are all among them is kept until the latest of their ends at most (its expiry is
 * lowered, never raised): a warrant cut short to a later time. */
void wr_kms_limit_ends(struct wr_kms *k, char (*liids)[WR_LIID_MAX + 1], const int64_t *ends,
		       size_t n);
/* Whether a key set for the identifier id (wr_kms_ident.id: the user and key period) under
 * the certificate whose PubEncKey is z is cached now (expired ones are wiped first): whether
 * keys derived from it (a SAKKE receiver context) may be kept. */
bool wr_kms_holds(struct wr_kms *k, const uint8_t z[WR_KMS_Z_LEN], const uint8_t *id, size_t idlen);

#endif
