/* see warrants/kms.h */
#include <curl/curl.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/codec.h"
#include "common/pkey.h"
#include "common/wipe.h"
#include "warrants/internal.h"
#include "warrants/kms.h"

#define KMS_PERIOD_MAX  (UINT64_C(1) << 32)
#define KMS_OFFSET_MAX  (UINT64_C(1) << 40)
#define KMS_DECIDE_MAX  WR_KMS_DECIDE_MAX
#define KMS_PARTIES_MAX 16   /* parties kept in a decision */
#define KMS_TEXT_MAX    1024 /* an element's text (hex of Z is 514 characters) */

/* The proof of a positive decision: only wr_kms_decide creates one (see kms.h). */
struct wr_kms_decision {
	int64_t t_us;
	size_t n_matches, n_total; /* kept; in force (n_total > n_matches: some left out) */
	struct wr_match matches[KMS_DECIDE_MAX];
	size_t n_parties;
	struct {
		char norm[WR_URI_MAX + 1]; /* "" when the party had no (parsable) URI */
		bool has_uid;
		uint8_t uid[WR_UID_LEN];
		wr_uid_fn uid_fn;
		void *uid_ctx;
	} parties[KMS_PARTIES_MAX];
};

struct kms_entry {
	struct wr_kms_keys keys;
	bool run_scoped; /* fetched after its expiry, kept for this run (keep_ended) */
	/* the warrants whose decisions reached these keys (fetch and cache hits): the keys are
	 * wiped when none is left (wr_kms_forget_liid). A LIID that finds the set full is not
	 * added: the keys may then go early (a request again), never late. */
	size_t n_liids;
	char liids[KMS_DECIDE_MAX][WR_LIID_MAX + 1];
	struct kms_entry *next;
};

struct wr_kms {
	char *base_url, *ca_file, *cert_file, *key_file;
	/* the client key of the request under way (lim_pkey_load: its text wiped), handed to its
	 * TLS context (client_tls): curl's CURLOPT_SSLKEY read the file through stdio and left
	 * its text in freed memory (an audit) */
	EVP_PKEY *pkey;
	long connect_ms, total_ms;
	unsigned retries;
	bool keep_ended;
	size_t max_response, cache_max, n_cached;
	struct wr_kms_crypto crypto;
	int64_t (*now)(void *ctx);
	void *now_ctx;
	/* the certificates fetched, newest first (certs[0]: the current one) */
	size_t n_certs;
	struct wr_kms_cert certs[WR_KMS_CERTS];
	int64_t refresh_min;
	int64_t last_refresh;  /* wr time of the last re-fetch sent (INT64_MIN: none) */
	int64_t fetch_seen_to; /* the newest ValidTo held after the last fetch */
	int64_t due_for;       /* the fetch_seen_to a due re-fetch was made for */
	struct wr_kms_cert_stats cst;
	struct kms_entry *cache; /* secure heap */
	char msg[256];
	char store_msg[256]; /* the last certificate store event (wr_kms_store_msg) */
};

/* A response body in the secure heap, capped. */
struct kms_buf {
	char *p;
	size_t len, cap;
	bool toobig;
};

/* Periods of more than 2^32 s (136 years) or offsets past 2^40 s are no KMS's: bounded, so that
 * a period's start and end in microseconds cannot overflow (kms_glue.c); a certificate from the
 * KMS and one from the store alike (one stored before the bound came). A period of 0 is the
 * scheme's to judge (3GPP: refused; RFC 6509 periods are months). */
static bool period_ok(const struct wr_kms_cert *c)
{
	return c->user_key_period <= KMS_PERIOD_MAX && c->user_key_offset <= KMS_OFFSET_MAX;
}

static enum lim_err kms_fail(struct wr_kms *k, enum lim_err e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static enum lim_err kms_fail(struct wr_kms *k, enum lim_err e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(k->msg, sizeof k->msg, fmt, ap);
	va_end(ap);
	return e;
}

static int64_t real_now(void *ctx)
{
	struct timespec ts;
	(void)ctx;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static char *dup_str(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

/* ---- cache ---------------------------------------------------------------------------- */

static void entry_free(struct kms_entry *e)
{
	OPENSSL_secure_clear_free(e, sizeof *e);
}

/* Takes the entry *pp out of the cache and wipes it; *pp is then the one after it. */
static void cache_unlink(struct wr_kms *k, struct kms_entry **pp)
{
	struct kms_entry *e = *pp;
	*pp = e->next;
	entry_free(e);
	k->n_cached--;
}

/* The cache is full: the key set that expires first (a run-scoped one whose warrant ended,
 * else the nearest end) is wiped to make room. Asked for again, it is fetched again, with its
 * own audit rows: a full cache costs requests, never a party's interception. */
static void cache_evict(struct wr_kms *k)
{
	struct kms_entry **victim = NULL;
	for (struct kms_entry **pp = &k->cache; *pp; pp = &(*pp)->next)
		if (!victim || (*pp)->keys.expires < (*victim)->keys.expires)
			victim = pp;
	if (victim)
		cache_unlink(k, victim);
}

static void cache_sweep(struct wr_kms *k)
{
	int64_t now = k->now(k->now_ctx);
	struct kms_entry **pp = &k->cache;
	while (*pp) {
		if ((*pp)->keys.expires <= now && !(*pp)->run_scoped)
			cache_unlink(k, pp);
		else
			pp = &(*pp)->next;
	}
}

/* Adds d's matched warrants to the ones that justify e. */
static void entry_justify(struct kms_entry *e, const struct wr_kms_decision *d)
{
	for (size_t i = 0; i < d->n_matches; i++) {
		bool have = false;
		if (d->matches[i].scope != WR_SCOPE_IRI_CC)
			continue; /* an IRI-only warrant justifies no keys */
		for (size_t j = 0; j < e->n_liids && !have; j++)
			have = strcmp(e->liids[j], d->matches[i].liid) == 0;
		if (!have && e->n_liids < KMS_DECIDE_MAX)
			memcpy(e->liids[e->n_liids++], d->matches[i].liid, sizeof e->liids[0]);
	}
}

/* see kms.h */
size_t wr_kms_forget_liid(struct wr_kms *k, const char *liid)
{
	struct kms_entry **pp = &k->cache;
	size_t wiped = 0;
	while (*pp) {
		struct kms_entry *e = *pp;
		for (size_t j = 0; j < e->n_liids;)
			if (strcmp(e->liids[j], liid) == 0)
				memcpy(e->liids[j], e->liids[--e->n_liids], sizeof e->liids[0]);
			else
				j++;
		if (e->n_liids == 0) {
			cache_unlink(k, pp);
			wiped++;
		} else {
			pp = &e->next;
		}
	}
	return wiped;
}

/* see kms.h */
size_t wr_kms_liids(const struct wr_kms *k, char (*out)[WR_LIID_MAX + 1], size_t max)
{
	size_t n = 0;
	for (const struct kms_entry *e = k->cache; e; e = e->next)
		for (size_t j = 0; j < e->n_liids; j++) {
			bool seen = false;
			/* (once each: an earlier entry's, or this one's, the same LIID) */
			for (const struct kms_entry *f = k->cache; f != e && !seen; f = f->next)
				for (size_t q = 0; q < f->n_liids && !seen; q++)
					seen = strcmp(f->liids[q], e->liids[j]) == 0;
			for (size_t q = 0; q < j && !seen; q++)
				seen = strcmp(e->liids[q], e->liids[j]) == 0;
			if (seen)
				continue;
			if (n < max)
				memcpy(out[n], e->liids[j], sizeof out[0]);
			n++;
		}
	return n;
}

/* see kms.h */
void wr_kms_limit_ends(struct wr_kms *k, char (*liids)[WR_LIID_MAX + 1], const int64_t *ends,
		       size_t n)
{
	for (struct kms_entry *e = k->cache; e; e = e->next) {
		int64_t latest = INT64_MIN;
		for (size_t j = 0; j < e->n_liids && latest != INT64_MAX; j++) {
			size_t i = 0;
			while (i < n && strcmp(liids[i], e->liids[j]) != 0)
				i++;
			/* (a warrant not among them: its end is not known here) */
			if (i == n || ends[i] > latest)
				latest = i == n ? INT64_MAX : ends[i];
		}
		if (e->n_liids && latest < e->keys.expires)
			e->keys.expires = latest;
	}
}

/* see kms.h */
bool wr_kms_holds(struct wr_kms *k, const uint8_t z[WR_KMS_Z_LEN], const uint8_t *id, size_t idlen)
{
	cache_sweep(k);
	for (const struct kms_entry *e = k->cache; e; e = e->next)
		if (e->keys.ident.idlen == idlen && memcmp(e->keys.ident.id, id, idlen) == 0 &&
		    memcmp(e->keys.z, z, WR_KMS_Z_LEN) == 0)
			return true;
	return false;
}

/* Wipes the cached key sets of certificate cert_uri (it was replaced, dropped or revoked). */
static void cache_drop_cert(struct wr_kms *k, const char *cert_uri)
{
	struct kms_entry **pp = &k->cache;
	while (*pp) {
		if (strcmp((*pp)->keys.cert_uri, cert_uri) == 0)
			cache_unlink(k, pp);
		else
			pp = &(*pp)->next;
	}
}

/* see kms.h */
void wr_kms_purge(struct wr_kms *k)
{
	while (k->cache) {
		struct kms_entry *e = k->cache;
		k->cache = e->next;
		entry_free(e);
	}
	k->n_cached = 0;
}

/* see kms.h */
size_t wr_kms_cached(struct wr_kms *k)
{
	cache_sweep(k);
	return k->n_cached;
}

/* ---- client lifetime ------------------------------------------------------------------ */

/* see kms.h */
bool wr_kms_url_ok(const char *url, const char **why)
{
	const char *h, *end;
	if (!url || strncmp(url, "https://", 8) != 0) {
		*why = "not an https:// URL";
		return false;
	}
	h = url + 8;
	end = h + strcspn(h, "/?#");
	if (memchr(h, '@', (size_t)(end - h))) {
		*why = "credentials in the URL (user@host): limf authenticates to the KMS with its "
		       "client certificate, and the URL is written into the evidence and the logs";
		return false;
	}
	return true;
}

/* see kms.h */
enum lim_err wr_kms_new(const struct wr_kms_config *cfg, struct wr_kms **out)
{
	struct wr_kms *k;
	const char *why;
	*out = NULL;
	if (!cfg || !cfg->base_url || !cfg->ca_file || !cfg->cert_file || !cfg->key_file ||
	    !cfg->crypto.ident || !cfg->crypto.rsk_validate || !cfg->crypto.ssk_validate)
		return LIM_E_ARG;
	if (!wr_kms_url_ok(cfg->base_url, &why))
		return LIM_E_ARG;
	k = calloc(1, sizeof *k);
	if (!k)
		return LIM_E_NOMEM;
	k->base_url = dup_str(cfg->base_url);
	k->ca_file = dup_str(cfg->ca_file);
	k->cert_file = dup_str(cfg->cert_file);
	k->key_file = dup_str(cfg->key_file);
	if (!k->base_url || !k->ca_file || !k->cert_file || !k->key_file) {
		wr_kms_free(k);
		return LIM_E_NOMEM;
	}
	k->connect_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 5000;
	k->total_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 15000;
	k->retries = cfg->retries;
	k->keep_ended = cfg->keep_ended;
	k->max_response = cfg->max_response && cfg->max_response < WR_KMS_RESPONSE_MAX
				  ? cfg->max_response
				  : WR_KMS_RESPONSE_MAX;
	k->cache_max = cfg->cache_max ? cfg->cache_max : 256;
	k->crypto = cfg->crypto;
	k->now = cfg->now ? cfg->now : real_now;
	k->now_ctx = cfg->now_ctx;
	k->refresh_min = cfg->refresh_min_us > 0 ? cfg->refresh_min_us : WR_KMS_REFRESH_US;
	k->last_refresh = k->fetch_seen_to = k->due_for = INT64_MIN;
	/* libxml2 and curl wipe what they free (the response's key text), OpenSSL's TLS plaintext
	 * buffers are cleansed (http_post) */
	if (wr_mem_init() != LIM_OK) {
		wr_kms_free(k);
		return LIM_E_IO;
	}
	*out = k;
	return LIM_OK;
}

/* see kms.h */
void wr_kms_free(struct wr_kms *k)
{
	if (!k)
		return;
	wr_kms_purge(k);
	free(k->base_url);
	free(k->ca_file);
	free(k->cert_file);
	free(k->key_file);
	EVP_PKEY_free(k->pkey);
	lim_wipe(k, sizeof *k);
	free(k);
}

/* see kms.h */
const char *wr_kms_msg(const struct wr_kms *k)
{
	return k ? k->msg : "";
}

/* see kms.h */
const char *wr_kms_store_msg(const struct wr_kms *k)
{
	return k ? k->store_msg : "";
}

/* ---- the decision --------------------------------------------------------------------- */

/* wr_kms_decide, or with liid the decision for that one warrant (wr_kms_decide_liid); with
 * next_from, wr_kms_decide_next. */
static enum lim_err decide(struct wr_db *db, const struct wr_party *parties, size_t n_parties,
			   int64_t t_us, const char *liid, struct wr_kms_decision **out,
			   int64_t *next_from)
{
	struct wr_kms_decision *d = NULL;
	struct wr_match *all = NULL;
	enum lim_err e;
	size_t n = 0, first = 0;
	*out = NULL;
	if (next_from)
		*next_from = WR_TIME_INFINITY;
	if (!db || (!parties && n_parties) || n_parties > KMS_PARTIES_MAX)
		return LIM_E_ARG;
	e = next_from ? wr_decide_upcoming(db, parties, n_parties, t_us, &all, &n)
		      : wr_decide_all(db, parties, n_parties, t_us, &all, &n);
	if (e == LIM_OK && next_from) {
		/* the ones to come out of the list (their earliest start kept), keeping the order
		 * by LIID of the ones in force */
		size_t k = 0;
		for (size_t i = 0; i < n; i++) {
			if (all[i].valid_from <= t_us)
				all[k++] = all[i];
			else if ((!liid || strcmp(all[i].liid, liid) == 0) &&
				 all[i].valid_from < *next_from)
				*next_from = all[i].valid_from;
		}
		n = k;
	}
	if (e != LIM_OK || n == 0)
		goto out;
	if (liid) {
		while (first < n && strcmp(all[first].liid, liid) != 0)
			first++;
		if (first == n)
			goto out; /* that warrant is not in force for these parties */
		n = first + 1;
	}
	d = calloc(1, sizeof *d);
	if (!d) {
		e = LIM_E_NOMEM;
		goto out;
	}
	/* the first KMS_DECIDE_MAX by LIID: all is ordered by LIID */
	n -= first;
	d->n_total = n;
	if (n > KMS_DECIDE_MAX)
		n = KMS_DECIDE_MAX;
	memcpy(d->matches, all + first, n * sizeof *all);
	d->n_matches = n;
	d->t_us = t_us;
	d->n_parties = n_parties;
	for (size_t i = 0; i < n_parties; i++) {
		enum wr_kind kind;
		const struct wr_party *p = &parties[i];
		d->parties[i].norm[0] = '\0';
		if (p->uri && wr_target_normalise(p->uri, strlen(p->uri), &kind, d->parties[i].norm,
						  sizeof d->parties[i].norm) != LIM_OK)
			d->parties[i].norm[0] = '\0';
		if (p->uid && p->uid_fn) {
			d->parties[i].has_uid = true;
			memcpy(d->parties[i].uid, p->uid, WR_UID_LEN);
			d->parties[i].uid_fn = p->uid_fn;
			d->parties[i].uid_ctx = p->uid_ctx;
		}
	}
	*out = d;
	d = NULL;
	e = LIM_OK;
out:
	free(all);
	free(d);
	return e;
}

/* see kms.h */
enum lim_err wr_kms_decide(struct wr_db *db, const struct wr_party *parties, size_t n_parties,
			   int64_t t_us, struct wr_kms_decision **out)
{
	return decide(db, parties, n_parties, t_us, NULL, out, NULL);
}

/* see kms.h */
enum lim_err wr_kms_decide_next(struct wr_db *db, const struct wr_party *parties, size_t n_parties,
				int64_t t_us, const char *liid, struct wr_kms_decision **out,
				int64_t *next_from)
{
	*out = NULL;
	*next_from = WR_TIME_INFINITY;
	return decide(db, parties, n_parties, t_us, liid, out, next_from);
}

/* see kms.h */
enum lim_err wr_kms_decide_liid(struct wr_db *db, const struct wr_party *parties, size_t n_parties,
				int64_t t_us, const char *liid, struct wr_kms_decision **out)
{
	*out = NULL;
	if (!liid)
		return LIM_E_ARG;
	return decide(db, parties, n_parties, t_us, liid, out, NULL);
}

/* see kms.h */
void wr_kms_decision_free(struct wr_kms_decision *d)
{
	free(d);
}

/* see kms.h */
const struct wr_match *wr_kms_decision_matches(const struct wr_kms_decision *d, size_t *n)
{
	*n = d ? d->n_matches : 0;
	return d ? d->matches : NULL;
}

/* see kms.h */
size_t wr_kms_decision_total(const struct wr_kms_decision *d)
{
	return d ? d->n_total : 0;
}

/* The index of liid among d's matches, KMS_DECIDE_MAX when it is not one. */
static size_t match_of(const struct wr_kms_decision *d, const char *liid)
{
	for (size_t i = 0; i < d->n_matches; i++)
		if (strcmp(d->matches[i].liid, liid) == 0)
			return i;
	return KMS_DECIDE_MAX;
}

/* see kms.h */
enum lim_err wr_kms_decision_keep(struct wr_kms_decision *d, const char *liid)
{
	size_t k;
	if (!d || !liid)
		return LIM_E_ARG;
	if ((k = match_of(d, liid)) == KMS_DECIDE_MAX)
		return LIM_E_AUTH;
	d->matches[0] = d->matches[k];
	d->n_matches = 1;
	d->n_total = 1;
	return LIM_OK;
}

/* see kms.h */
enum lim_err wr_kms_decision_drop(struct wr_kms_decision *d, const char *liid)
{
	size_t k;
	if (!d || !liid)
		return LIM_E_ARG;
	if ((k = match_of(d, liid)) == KMS_DECIDE_MAX)
		return LIM_E_AUTH;
	memmove(&d->matches[k], &d->matches[k + 1], (d->n_matches - k - 1) * sizeof d->matches[0]);
	d->n_matches--;
	if (d->n_total > 0)
		d->n_total--;
	return LIM_OK;
}

/* see kms.h */
enum lim_err wr_kms_decision_scope(struct wr_kms_decision *d, const char *liid, enum wr_scope scope)
{
	size_t k;
	if (!d || !liid || (scope != WR_SCOPE_IRI && scope != WR_SCOPE_IRI_CC))
		return LIM_E_ARG;
	if ((k = match_of(d, liid)) == KMS_DECIDE_MAX)
		return LIM_E_AUTH;
	d->matches[k].scope = scope;
	return LIM_OK;
}

/* see kms.h */
enum lim_err wr_kms_decision_join(struct wr_kms_decision *d, const struct wr_kms_decision *more,
				  size_t *added)
{
	enum lim_err e = LIM_OK;
	size_t n = 0;
	if (added)
		*added = 0;
	if (!d || !more)
		return LIM_E_ARG;
	for (size_t i = 0; i < more->n_matches; i++) {
		bool held = false;
		for (size_t j = 0; j < d->n_matches && !held; j++)
			if (strcmp(d->matches[j].liid, more->matches[i].liid) == 0) {
				/* its end as read now (a warrant extended or cut short since
				 * d was made): what the cache keeps keys until */
				d->matches[j].valid_to = more->matches[i].valid_to;
				held = true;
			}
		if (held)
			continue;
		if (d->n_matches == KMS_DECIDE_MAX) {
			e = LIM_E_LIMIT;
			continue;
		}
		d->matches[d->n_matches++] = more->matches[i];
		n++;
	}
	if (d->n_total < d->n_matches)
		d->n_total = d->n_matches;
	/* the call's parties named since (more's: a positive decision for them too) */
	for (size_t i = 0; i < more->n_parties; i++) {
		bool held = false;
		for (size_t j = 0; j < d->n_parties && !held; j++)
			held = strcmp(d->parties[j].norm, more->parties[i].norm) == 0 &&
			       d->parties[j].has_uid == more->parties[i].has_uid &&
			       (!more->parties[i].has_uid ||
				memcmp(d->parties[j].uid, more->parties[i].uid, WR_UID_LEN) == 0);
		if (held)
			continue;
		if (d->n_parties == KMS_PARTIES_MAX) {
			e = LIM_E_LIMIT;
			continue;
		}
		d->parties[d->n_parties++] = more->parties[i];
	}
	if (added)
		*added = n;
	return e;
}

/* see kms.h */
int64_t wr_kms_decision_time(const struct wr_kms_decision *d)
{
	return d ? d->t_us : 0;
}

/* Whether uri names a party of d (normalised URI, or a UID the party's uid_fn gives). */
static bool decision_binds(const struct wr_kms_decision *d, const char *uri)
{
	char norm[WR_URI_MAX + 1];
	enum wr_kind kind;
	bool have_norm = wr_target_normalise(uri, strlen(uri), &kind, norm, sizeof norm) == LIM_OK;
	for (size_t i = 0; i < d->n_parties; i++) {
		if (have_norm && d->parties[i].norm[0] && strcmp(d->parties[i].norm, norm) == 0)
			return true;
		if (d->parties[i].has_uid) {
			uint8_t uid[WR_UID_LEN];
			bool eq = d->parties[i].uid_fn(d->parties[i].uid_ctx, uri, strlen(uri),
						       uid) == LIM_OK &&
				  CRYPTO_memcmp(uid, d->parties[i].uid, WR_UID_LEN) == 0;
			if (!eq && have_norm)
				eq = d->parties[i].uid_fn(d->parties[i].uid_ctx, norm, strlen(norm),
							  uid) == LIM_OK &&
				     CRYPTO_memcmp(uid, d->parties[i].uid, WR_UID_LEN) == 0;
			if (eq)
				return true;
		}
	}
	return false;
}

/* ---- HTTP ----------------------------------------------------------------------------- */

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct kms_buf *b = ud;
	size_t n = size * nmemb;
	if (n > b->cap - b->len) {
		b->toobig = true;
		return 0; /* aborts the transfer (CURLE_WRITE_ERROR) */
	}
	memcpy(b->p + b->len, ptr, n);
	b->len += n;
	return n;
}

static bool retryable(CURLcode c)
{
	return c == CURLE_COULDNT_CONNECT || c == CURLE_OPERATION_TIMEDOUT ||
	       c == CURLE_GOT_NOTHING || c == CURLE_RECV_ERROR || c == CURLE_SEND_ERROR ||
	       c == CURLE_PARTIAL_FILE;
}

/* CURLOPT_SSL_CTX_FUNCTION: what wr_mem_ssl_ctx does, and the client's certificate chain and
 * key (k->pkey) on the context: not through CURLOPT_SSLCERT/SSLKEY, whose key read left the
 * key's text in freed memory. */
static CURLcode client_tls(CURL *c, void *ssl_ctx, void *ud)
{
	const struct wr_kms *k = ud;
	SSL_CTX *ctx = ssl_ctx;
	CURLcode rc = wr_mem_ssl_ctx(c, ssl_ctx, NULL);
	if (rc != CURLE_OK)
		return rc;
	if (SSL_CTX_use_certificate_chain_file(ctx, k->cert_file) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, k->pkey) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
		ERR_clear_error();
		return CURLE_SSL_CERTPROBLEM;
	}
	return CURLE_OK;
}

/* POSTs body to base_url + path; the response body lands in b (secure heap, wiped by the
 * caller). LIM_E_IO on transport failure or a status other than 200. */
static enum lim_err http_post(struct wr_kms *k, const char *path, const char *body,
			      struct kms_buf *b)
{
	char url[1024];
	CURL *c = NULL;
	struct curl_slist *hdr = NULL;
	enum lim_err e = LIM_E_IO;
	if ((size_t)snprintf(url, sizeof url, "%s%s", k->base_url, path) >= sizeof url)
		return kms_fail(k, LIM_E_LIMIT, "KMS URL too long");
	{
		/* read again at each request, with the certificate (client_tls), as curl read
		 * both: a key and certificate renewed in place take effect while running */
		char why[256];
		EVP_PKEY_free(k->pkey);
		if (!(k->pkey = lim_pkey_load(k->key_file, why, sizeof why)))
			return kms_fail(k, LIM_E_CRYPTO, "client key: %s", why);
	}
	hdr = curl_slist_append(NULL, "Content-Type: application/xml; charset=utf-8");
	c = curl_easy_init();
	if (!c || !hdr) {
		e = kms_fail(k, LIM_E_NOMEM, "curl initialisation failed");
		goto out;
	}
	for (unsigned attempt = 0; attempt <= k->retries; attempt++) {
		long status = 0;
		CURLcode rc;
		lim_wipe(b->p, b->len);
		b->len = 0;
		b->toobig = false;
		curl_easy_reset(c);
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
		curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_SESSIONID_CACHE, 0L);
		curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
		curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
		curl_easy_setopt(c, CURLOPT_CAINFO, k->ca_file);
		curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, k->connect_ms);
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, k->total_ms);
		curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)b->cap);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
		/* keys in the response must not stay in OpenSSL's record buffers: a TLS back end
		 * that cannot be told so is not used */
		if (curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION, client_tls) != CURLE_OK ||
		    curl_easy_setopt(c, CURLOPT_SSL_CTX_DATA, k) != CURLE_OK) {
			e = kms_fail(k, LIM_E_UNSUPP,
				     "curl's TLS back end cannot cleanse plaintext (not OpenSSL)");
			break;
		}
		rc = curl_easy_perform(c);
		if (rc == CURLE_OK) {
			curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
			if (status == 200) {
				e = LIM_OK;
				break;
			}
			e = kms_fail(k, LIM_E_IO, "KMS answered HTTP %ld", status);
			if (status < 500)
				break;
			continue;
		}
		if (b->toobig || rc == CURLE_FILESIZE_EXCEEDED) {
			e = kms_fail(k, LIM_E_LIMIT, "KMS response exceeds %zu octets", b->cap);
			break;
		}
		e = kms_fail(k, LIM_E_IO, "KMS request failed: %s", curl_easy_strerror(rc));
		if (!retryable(rc))
			break;
	}
out:
	curl_easy_cleanup(c);
	curl_slist_free_all(hdr);
	/* the key is not kept between requests (OpenSSL cleanses it when the last reference,
	 * the TLS context's, is gone with the handle) */
	EVP_PKEY_free(k->pkey);
	k->pkey = NULL;
	return e;
}

/* ---- XML ------------------------------------------------------------------------------ */

static bool is_elem(const xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       strcmp((const char *)n->ns->href, WR_KMS_NS) == 0 &&
	       strcmp((const char *)n->name, name) == 0;
}

/* The one child element `name` of parent (NULL when absent or repeated). */
static const xmlNode *child(const xmlNode *parent, const char *name)
{
	const xmlNode *found = NULL;
	if (!parent)
		return NULL;
	for (const xmlNode *n = parent->children; n; n = n->next)
		if (is_elem(n, name)) {
			if (found)
				return NULL;
			found = n;
		}
	return found;
}

/* How many child elements `name` parent has. */
static size_t n_children(const xmlNode *parent, const char *name)
{
	size_t n = 0;
	if (parent)
		for (const xmlNode *c = parent->children; c; c = c->next)
			n += is_elem(c, name);
	return n;
}

/* The text of element n, whitespace-trimmed, into out (cap). False when n is missing, has
 * child elements, or its text does not fit. */
static bool text_of(const xmlNode *n, char *out, size_t cap)
{
	size_t len = 0, a = 0;
	if (!n)
		return false;
	for (const xmlNode *c = n->children; c; c = c->next) {
		if (c->type == XML_ELEMENT_NODE)
			return false;
		if (c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE)
			continue;
		size_t l = strlen((const char *)c->content);
		if (l >= cap - len)
			return false;
		memcpy(out + len, c->content, l);
		len += l;
	}
	while (len && (out[len - 1] == ' ' || out[len - 1] == '\n' || out[len - 1] == '\r' ||
		       out[len - 1] == '\t'))
		len--;
	while (a < len && (out[a] == ' ' || out[a] == '\n' || out[a] == '\r' || out[a] == '\t'))
		a++;
	memmove(out, out + a, len - a);
	out[len - a] = '\0';
	return true;
}

/* An optional element `name` of parent: 0 when absent (out ""), 1 with its text in out, -1
 * when it is repeated, has child elements or does not fit (out ""): ambiguous, refused. */
static int opt_text(const xmlNode *parent, const char *name, char *out, size_t cap)
{
	size_t n = n_children(parent, name);
	out[0] = '\0';
	if (n == 0)
		return 0;
	if (n == 1 && text_of(child(parent, name), out, cap))
		return 1;
	out[0] = '\0';
	return -1;
}

/* An optional xs:boolean element (Revoked): *v false when absent; -1 when it is repeated or
 * not one of "true", "false", "1", "0" (never read as false). */
static int opt_bool(const xmlNode *parent, const char *name, bool *v)
{
	char s[16];
	int r = opt_text(parent, name, s, sizeof s);
	*v = false;
	if (r <= 0)
		return r;
	if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
		*v = true;
	else if (strcmp(s, "false") != 0 && strcmp(s, "0") != 0)
		return -1;
	return 1;
}

static bool text_u64(const xmlNode *n, uint64_t *v)
{
	char s[32];
	uint64_t x = 0;
	if (!text_of(n, s, sizeof s) || !s[0])
		return false;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9' || x > (UINT64_MAX - 9) / 10)
			return false;
		x = x * 10 + (uint64_t)(*p - '0');
	}
	*v = x;
	return true;
}

/* Decodes a key element (hex, or base64) of exactly len octets. An element with children
 * (EncryptedKey, Annex D.3.5) is LIM_E_UNSUPP. */
static enum lim_err text_key(const xmlNode *n, uint8_t *out, size_t len)
{
	char s[KMS_TEXT_MAX];
	size_t got = 0;
	enum lim_err e = LIM_E_PARSE;
	if (n && child(n, "EncryptedKey"))
		return LIM_E_UNSUPP;
	if (!text_of(n, s, sizeof s))
		goto out;
	if (lim_hex_decode_ws(s, strlen(s), out, len, &got) == LIM_OK && got == len)
		e = LIM_OK;
	else if (lim_b64_decode(s, strlen(s), out, len, &got) == LIM_OK && got == len)
		e = LIM_OK;
	else
		lim_wipe(out, len);
out:
	LIM_WIPE(s);
	return e;
}

/* Wipes every text node (keys included) before the tree is freed. Only elements are
 * descended into: an entity reference's children are the DTD's entity declaration, whose
 * siblings are the other declarations, so following them loops for ever (a DOCTYPE whose
 * entity refers to one declared before it) - and a response with a DTD is refused anyway.
 * The depth is libxml2's (256 without XML_PARSE_HUGE). */
static void wipe_tree(xmlNode *n)
{
	for (; n; n = n->next) {
		if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) && n->content)
			lim_wipe(n->content, strlen((const char *)n->content));
		if (n->type == XML_ELEMENT_NODE)
			wipe_tree(n->children);
	}
}

static void doc_free(xmlDoc *doc)
{
	if (!doc)
		return;
	wipe_tree(doc->children);
	xmlFreeDoc(doc);
}

/* Whether p[0..len) holds "<!DOCTYPE" anywhere. */
static bool has_doctype(const char *p, size_t len)
{
	static const char d[] = "<!DOCTYPE";
	for (size_t i = 0; i + sizeof d - 1 <= len; i++)
		if (p[i] == '<' && memcmp(p + i, d, sizeof d - 1) == 0)
			return true;
	return false;
}

/* Parses b: no network, no DTD (any DOCTYPE is refused), no entity substitution. Returns
 * the KmsResponse/KmsMessage/<what> element. */
static enum lim_err parse_response(struct wr_kms *k, const char *p, size_t len, const char *what,
				   xmlDoc **doc, const xmlNode **msg)
{
	xmlParserCtxt *ctx;
	const xmlNode *root;
	*doc = NULL;
	*msg = NULL;
	if (len > WR_KMS_RESPONSE_MAX)
		return kms_fail(k, LIM_E_LIMIT, "KMS response exceeds %u octets",
				WR_KMS_RESPONSE_MAX);
	/* refused before parsing too: the parser would process an internal subset's entity
	 * declarations first (bounded only by libxml2's own amplification limits) */
	if (p && has_doctype(p, len))
		return kms_fail(k, LIM_E_PARSE, "KMS response carries a DTD");
	ctx = xmlNewParserCtxt();
	if (!ctx)
		return kms_fail(k, LIM_E_NOMEM, "XML parser allocation failed");
	*doc = xmlCtxtReadMemory(ctx, p, (int)len, "kms-response.xml", "UTF-8",
				 XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
					 XML_PARSE_NOCDATA);
	xmlFreeParserCtxt(ctx);
	if (!*doc)
		return kms_fail(k, LIM_E_PARSE, "KMS response is not well-formed XML");
	if ((*doc)->intSubset || (*doc)->extSubset)
		return kms_fail(k, LIM_E_PARSE, "KMS response carries a DTD");
	root = xmlDocGetRootElement(*doc);
	if (!is_elem(root, "KmsResponse"))
		return kms_fail(k, LIM_E_PARSE, "KMS response root is not KmsResponse in %s",
				WR_KMS_NS);
	*msg = child(child(root, "KmsMessage"), what);
	if (!*msg)
		return kms_fail(k, LIM_E_PARSE, "KMS response lacks KmsMessage/%s", what);
	return LIM_OK;
}

/* s as XML character data into out[0..cap): the markup characters escaped; false when it does
 * not fit or holds a control character (XML 1.0 s2.2 forbids most; none belongs in a URI). */
static bool xml_text(const char *s, char *out, size_t cap)
{
	size_t o = 0;
	for (; *s; s++) {
		const char *rep = NULL;
		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		default: break;
		}
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
		size_t l = rep ? strlen(rep) : 1;
		if (l >= cap - o)
			return false;
		memcpy(out + o, rep ? rep : s, l);
		o += l;
	}
	out[o] = '\0';
	return true;
}

/* The request body (Annex D.2): KmsRequest with UserUri, KmsUri (the current certificate's, ""
 * before the first; both escaped: the KMS URI comes decoded from the KMS's own XML) and, for
 * keyprov, Time. */
static enum lim_err request_body(struct wr_kms *k, const char *user_uri, int64_t t_us, char *out,
				 size_t cap)
{
	char ts[WR_TIME_STRLEN] = "";
	char uri[6 * WR_URI_MAX + 1], kms[6 * WR_KMS_URI_MAX + 1];
	if (!xml_text(user_uri ? user_uri : "", uri, sizeof uri))
		return kms_fail(k, LIM_E_ARG, "user URI too long or with a control character");
	if (!xml_text(k->n_certs ? k->certs[0].kms_uri : "", kms, sizeof kms))
		return kms_fail(k, LIM_E_ARG, "KMS URI too long or with a control character");
	if (user_uri)
		wr_time_format(t_us, ts);
	if ((size_t)snprintf(out, cap,
			     "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			     "<KmsRequest xmlns=\"" WR_KMS_NS "\" Version=\"1.0.0\">"
			     "<UserUri>%s</UserUri><KmsUri>%s</KmsUri>%s%s%s</KmsRequest>\n",
			     uri, kms, user_uri ? "<Time>" : "", ts,
			     user_uri ? "</Time>" : "") >= cap)
		return kms_fail(k, LIM_E_LIMIT, "KMS request too long");
	return LIM_OK;
}

static enum lim_err buf_new(struct wr_kms *k, struct kms_buf *b)
{
	b->len = 0;
	b->toobig = false;
	b->cap = k->max_response;
	b->p = OPENSSL_secure_zalloc(b->cap);
	return b->p ? LIM_OK : kms_fail(k, LIM_E_NOMEM, "out of secure memory");
}

static void buf_free(struct kms_buf *b)
{
	if (b->p)
		OPENSSL_secure_clear_free(b->p, b->cap);
	b->p = NULL;
}

/* ---- the certificate ------------------------------------------------------------------ */

/* see kms.h */
bool wr_kms_cert_valid(const struct wr_kms_cert *c, int64_t t_us)
{
	return c->valid_from <= t_us && t_us < c->valid_to;
}

/* A required xs:dateTime element of the certificate (Annex D.3.2 ValidFrom/ValidTo). */
static enum lim_err cert_time(struct wr_kms *k, const xmlNode *kc, const char *name, int64_t *t)
{
	char s[64];
	if (n_children(kc, name) > 1)
		return kms_fail(k, LIM_E_PARSE, "KmsCertificate repeats %s", name);
	if (!text_of(child(kc, name), s, sizeof s) || !s[0])
		return kms_fail(k, LIM_E_PARSE, "KmsCertificate lacks %s", name);
	if (wr_time_parse(s, t) != LIM_OK)
		return kms_fail(k, LIM_E_PARSE, "KmsCertificate %s is not a date and time: '%.40s'",
				name, s);
	return LIM_OK;
}

static enum lim_err parse_cert(struct wr_kms *k, const xmlNode *init, struct wr_kms_cert *c)
{
	const xmlNode *kc = child(init, "KmsCertificate");
	uint64_t ps = 0, fmt = 0;
	enum lim_err e;
	memset(c, 0, sizeof *c);
	bool revoked = false;
	if (!kc)
		return kms_fail(k, LIM_E_PARSE, "KmsInit lacks exactly one KmsCertificate");
	if (!text_of(child(kc, "KmsUri"), c->kms_uri, sizeof c->kms_uri) || !c->kms_uri[0]) {
		c->kms_uri[0] = '\0';
		return kms_fail(k, LIM_E_PARSE, "KmsCertificate lacks exactly one KmsUri");
	}
	/* optional, but never ambiguous: a repeated one is refused, not read as absent */
	if (opt_text(kc, "CertUri", c->cert_uri, sizeof c->cert_uri) < 0 ||
	    opt_text(kc, "Issuer", c->issuer, sizeof c->issuer) < 0)
		return kms_fail(k, LIM_E_PARSE,
				"KmsCertificate CertUri or Issuer is repeated or "
				"malformed");
	/* TS 33.180 D.3.2: a revoked KMS certificate must not be used */
	if (opt_bool(kc, "Revoked", &revoked) < 0)
		return kms_fail(k, LIM_E_PARSE,
				"KmsCertificate Revoked is repeated or not a boolean");
	if (revoked)
		return kms_fail(k, LIM_E_AUTH, "the KMS certificate %.128s is revoked",
				c->cert_uri);
	e = cert_time(k, kc, "ValidFrom", &c->valid_from);
	if (e == LIM_OK)
		e = cert_time(k, kc, "ValidTo", &c->valid_to);
	if (e != LIM_OK)
		return e;
	if (c->valid_from >= c->valid_to)
		return kms_fail(k, LIM_E_PARSE,
				"KmsCertificate ValidFrom is not before its ValidTo");
	if (!text_u64(child(kc, "UserKeyPeriod"), &c->user_key_period) ||
	    !text_u64(child(kc, "UserKeyOffset"), &c->user_key_offset))
		return kms_fail(k, LIM_E_PARSE,
				"KmsCertificate lacks exactly one UserKeyPeriod and UserKeyOffset, "
				"each a decimal below 2^64");
	if (!period_ok(c))
		return kms_fail(k, LIM_E_PARSE,
				"KmsCertificate UserKeyPeriod (at most 2^32 s) or UserKeyOffset "
				"(at most 2^40 s) out of range");
	if (!text_u64(child(kc, "ParameterSet"), &ps))
		return kms_fail(k, LIM_E_PARSE,
				"KmsCertificate lacks exactly one ParameterSet "
				"(a decimal)");
	if (ps != 1)
		return kms_fail(k, LIM_E_UNSUPP, "SAKKE parameter set %llu",
				(unsigned long long)ps);
	c->parameter_set = 1;
	if (n_children(kc, "UserIdFormat") == 0)
		fmt = WR_KMS_ID_3GPP; /* absent: the TS 33.180 UID */
	else if (!text_u64(child(kc, "UserIdFormat"), &fmt))
		return kms_fail(k, LIM_E_PARSE,
				"KmsCertificate UserIdFormat is repeated or not a "
				"number");
	if (fmt == WR_KMS_ID_RFC6509)
		c->scheme = WR_KMS_ID_RFC6509;
	else if (fmt == WR_KMS_ID_3GPP)
		c->scheme = WR_KMS_ID_3GPP;
	else
		return kms_fail(k, LIM_E_UNSUPP, "UserIdFormat %llu", (unsigned long long)fmt);
	if (c->scheme == WR_KMS_ID_3GPP && c->user_key_period == 0)
		return kms_fail(k, LIM_E_PARSE, "UserKeyPeriod is 0");
	e = text_key(child(kc, "PubEncKey"), c->z, sizeof c->z);
	if (e == LIM_OK && c->z[0] != 0x04)
		e = LIM_E_PARSE;
	if (e != LIM_OK)
		return kms_fail(k, e, "KmsCertificate PubEncKey is not a %d-octet point",
				WR_KMS_Z_LEN);
	e = text_key(child(kc, "PubAuthKey"), c->kpak, sizeof c->kpak);
	if (e == LIM_OK && c->kpak[0] != 0x04)
		e = LIM_E_PARSE;
	if (e != LIM_OK)
		return kms_fail(k, e, "KmsCertificate PubAuthKey is not a %d-octet point",
				WR_KMS_KPAK_LEN);
	return LIM_OK;
}

/* The certificate of a KMSInit response: parse_response + parse_cert, the tree wiped and
 * freed. Shared by wr_kms_fetch_cert and wr_kms_parse_init. c as wr_kms_parse_init's out. */
static enum lim_err parse_init(struct wr_kms *k, const char *p, size_t len, struct wr_kms_cert *c)
{
	xmlDoc *doc = NULL;
	const xmlNode *init;
	enum lim_err e;
	memset(c, 0, sizeof *c);
	e = parse_response(k, p, len, "KmsInit", &doc, &init);
	if (e == LIM_OK)
		e = parse_cert(k, init, c);
	doc_free(doc);
	c->source = WR_KMS_SRC_KMS;
	c->first_seen = INT64_MIN;
	if (e != LIM_OK && e != LIM_E_AUTH)
		memset(c, 0, sizeof *c);
	return e;
}

/* see kms.h */
enum lim_err wr_kms_parse_init(struct wr_kms *k, const char *resp, size_t len,
			       struct wr_kms_cert *out)
{
	k->msg[0] = '\0';
	if (!resp && len) {
		memset(out, 0, sizeof *out);
		return kms_fail(k, LIM_E_ARG, "no response");
	}
	return parse_init(k, resp, len, out);
}

/* Drops the certificate cert_uri and its cached key sets; whether one was held. */
static bool cert_drop(struct wr_kms *k, const char *cert_uri)
{
	for (size_t i = 0; i < k->n_certs; i++)
		if (strcmp(k->certs[i].cert_uri, cert_uri) == 0) {
			cache_drop_cert(k, cert_uri);
			memmove(&k->certs[i], &k->certs[i + 1],
				(k->n_certs - i - 1) * sizeof k->certs[0]);
			k->n_certs--;
			return true;
		}
	return false;
}

/* Whether a and b are the same certificate (every field the KMS served; not where the
 * client got it). */
static bool cert_same(const struct wr_kms_cert *a, const struct wr_kms_cert *b)
{
	return strcmp(a->kms_uri, b->kms_uri) == 0 && strcmp(a->cert_uri, b->cert_uri) == 0 &&
	       strcmp(a->issuer, b->issuer) == 0 && a->scheme == b->scheme &&
	       a->user_key_period == b->user_key_period &&
	       a->user_key_offset == b->user_key_offset && a->parameter_set == b->parameter_set &&
	       memcmp(a->z, b->z, sizeof a->z) == 0 &&
	       memcmp(a->kpak, b->kpak, sizeof a->kpak) == 0 && a->valid_from == b->valid_from &&
	       a->valid_to == b->valid_to;
}

/* Makes c the current certificate (first), replacing one of its CertUri (whose key sets go
 * when its keys differ) or, with the set full, the oldest fetched. Whether the set changed. */
static bool cert_add(struct wr_kms *k, const struct wr_kms_cert *c)
{
	bool changed = true;
	for (size_t i = 0; i < k->n_certs; i++)
		if (strcmp(k->certs[i].cert_uri, c->cert_uri) == 0) {
			changed = !cert_same(&k->certs[i], c);
			if (changed)
				cache_drop_cert(k, c->cert_uri);
			memmove(&k->certs[i], &k->certs[i + 1],
				(k->n_certs - i - 1) * sizeof k->certs[0]);
			k->n_certs--;
			break;
		}
	if (k->n_certs == WR_KMS_CERTS)
		(void)cert_drop(k, k->certs[WR_KMS_CERTS - 1].cert_uri);
	memmove(&k->certs[1], &k->certs[0], k->n_certs * sizeof k->certs[0]);
	k->certs[0] = *c;
	k->n_certs++;
	return changed;
}

/* see kms.h */
size_t wr_kms_certs(const struct wr_kms *k, struct wr_kms_cert *out, size_t max)
{
	size_t n = k->n_certs < max ? k->n_certs : max;
	memcpy(out, k->certs, n * sizeof *out);
	return n;
}

/* see kms.h */
void wr_kms_cert_stats(const struct wr_kms *k, struct wr_kms_cert_stats *out)
{
	*out = k->cst;
}

/* ---- the certificate store (schema version 7) ------------------------------------------ */

/* see kms.h */
enum lim_err wr_kms_cert_record(struct wr_db *db, const struct wr_kms_cert *c, bool *added,
				int64_t *first_seen)
{
	char scheme[24], period[24], offset[24], ps[24], from[24], to[24];
	char z[2 + 2 * WR_KMS_Z_LEN + 1], kpak[2 + 2 * WR_KMS_KPAK_LEN + 1], outcome[16];
	const char *p[11];
	PGresult *r = NULL;
	enum lim_err e;
	int64_t fs = INT64_MIN;
	if (added)
		*added = false;
	if (first_seen)
		*first_seen = INT64_MIN;
	if (!db || !c)
		return LIM_E_ARG;
	snprintf(scheme, sizeof scheme, "%d", (int)c->scheme);
	snprintf(period, sizeof period, "%llu", (unsigned long long)c->user_key_period);
	snprintf(offset, sizeof offset, "%llu", (unsigned long long)c->user_key_offset);
	snprintf(ps, sizeof ps, "%u", c->parameter_set);
	wr_i64_str(c->valid_from, from);
	wr_i64_str(c->valid_to, to);
	memcpy(z, "\\x", 2);
	lim_hex_encode(c->z, sizeof c->z, z + 2);
	memcpy(kpak, "\\x", 2);
	lim_hex_encode(c->kpak, sizeof c->kpak, kpak + 2);
	p[0] = c->kms_uri;
	p[1] = c->cert_uri;
	p[2] = c->issuer;
	p[3] = scheme;
	p[4] = period;
	p[5] = offset;
	p[6] = ps;
	p[7] = z;
	p[8] = kpak;
	p[9] = from;
	p[10] = to;
	e = wr_exec(db,
		    "SELECT r_outcome, r_first_seen FROM limf.kms_cert_record($1, $2, $3,"
		    " $4::integer, $5::numeric, $6::numeric, $7::integer, $8::bytea, $9::bytea,"
		    " $10::bigint, $11::bigint)",
		    11, p, &r);
	if (e != LIM_OK)
		goto out;
	if (PQntuples(r) != 1 || !wr_get_i64(r, 0, 1, &fs)) {
		e = wr_fail(db, LIM_E_DB, "limf.kms_cert_record returned no row");
		goto out;
	}
	wr_get_text(r, 0, 0, outcome, sizeof outcome);
	if (strcmp(outcome, "conflict") == 0) {
		e = wr_fail(db, LIM_E_AUTH,
			    "the KMS certificate %.128s of %.128s differs from the one recorded "
			    "under that CertUri (kept; audited kms.cert.conflict)",
			    c->cert_uri, c->kms_uri);
		goto out;
	}
	if (added)
		*added = strcmp(outcome, "added") == 0;
	if (first_seen)
		*first_seen = fs;
out:
	PQclear(r);
	return e;
}

/* Records c (just fetched) in the store, its first_seen set from there; a conflict or a
 * store that fails is counted (k->msg says why), never an error of the fetch. */
static void store_record(struct wr_kms *k, struct wr_db *db, struct wr_kms_cert *c)
{
	enum lim_err e = wr_kms_cert_record(db, c, NULL, &c->first_seen);
	if (e == LIM_E_AUTH)
		k->cst.conflicts++;
	else if (e != LIM_OK)
		k->cst.store_failed++;
	if (e != LIM_OK)
		snprintf(k->store_msg, sizeof k->store_msg, "certificate store: %s", wr_db_msg(db));
}

/* The KMS said certificate cert_uri of kms_uri is revoked: recorded, so that it is never
 * loaded from the store again; a store that fails is counted. */
static void store_revoked(struct wr_kms *k, struct wr_db *db, const char *kms_uri,
			  const char *cert_uri)
{
	const char *p[2] = { kms_uri, cert_uri };
	if (!kms_uri[0])
		return;
	if (wr_exec(db, "SELECT limf.kms_cert_revoked($1, $2)", 2, p, NULL) != LIM_OK) {
		k->cst.store_failed++;
		snprintf(k->store_msg, sizeof k->store_msg, "certificate store: %s", wr_db_msg(db));
	}
}

/* Parses the store's row i (the columns of store_load's query) into c; false when a field is
 * not what the table's checks allow (a row edited by hand). */
static bool store_row(const PGresult *r, int i, struct wr_kms_cert *c)
{
	char hex[2 * WR_KMS_Z_LEN + 1], num[32];
	int64_t v;
	size_t n = 0;
	memset(c, 0, sizeof *c);
	wr_get_text(r, i, 0, c->kms_uri, sizeof c->kms_uri);
	wr_get_text(r, i, 1, c->cert_uri, sizeof c->cert_uri);
	wr_get_text(r, i, 2, c->issuer, sizeof c->issuer);
	if (!wr_get_i64(r, i, 3, &v) || (v != WR_KMS_ID_RFC6509 && v != WR_KMS_ID_3GPP))
		return false;
	c->scheme = (enum wr_kms_idscheme)v;
	for (int col = 4; col <= 5; col++) {
		uint64_t x = 0;
		wr_get_text(r, i, col, num, sizeof num);
		if (!num[0])
			return false;
		for (const char *q = num; *q; q++) {
			if (*q < '0' || *q > '9' || x > (UINT64_MAX - 9) / 10)
				return false;
			x = x * 10 + (uint64_t)(*q - '0');
		}
		*(col == 4 ? &c->user_key_period : &c->user_key_offset) = x;
	}
	if (!wr_get_i64(r, i, 6, &v) || v != 1)
		return false;
	c->parameter_set = 1;
	wr_get_text(r, i, 7, hex, sizeof hex);
	if (lim_hex_decode(hex, strlen(hex), c->z, sizeof c->z, &n) != LIM_OK || n != sizeof c->z ||
	    c->z[0] != 0x04)
		return false;
	wr_get_text(r, i, 8, hex, sizeof hex);
	if (lim_hex_decode(hex, strlen(hex), c->kpak, sizeof c->kpak, &n) != LIM_OK ||
	    n != sizeof c->kpak || c->kpak[0] != 0x04)
		return false;
	if (!wr_get_i64(r, i, 9, &c->valid_from) || !wr_get_i64(r, i, 10, &c->valid_to) ||
	    !wr_get_i64(r, i, 11, &c->first_seen) || c->valid_from >= c->valid_to)
		return false;
	if ((c->scheme == WR_KMS_ID_3GPP && c->user_key_period == 0) || !period_ok(c))
		return false;
	c->source = WR_KMS_SRC_DB;
	return true;
}

/* Adds c, loaded from the store, after the current certificate (the set full: in place of the
 * oldest fetched, never of the current one). */
static void cert_add_loaded(struct wr_kms *k, const struct wr_kms_cert *c)
{
	if (k->n_certs == WR_KMS_CERTS)
		(void)cert_drop(k, k->certs[WR_KMS_CERTS - 1].cert_uri);
	k->certs[k->n_certs++] = *c;
}

/* The store's certificates of KmsUri $1 valid at wr time $2, newest first (store_row). At
 * most WR_KMS_CERTS held share the KmsUri: one row more is always one not held. */
/* clang-format off */
static const char store_load_sql[] =
	"SELECT kms_uri, cert_uri, issuer, id_scheme, user_key_period::text,"
	" user_key_offset::text, parameter_set, encode(pub_enc_key, 'hex'),"
	" encode(pub_auth_key, 'hex'), " WR_SQL_US("valid_from") ", " WR_SQL_US("valid_to") ","
	" " WR_SQL_US("first_seen") " FROM limf.kms_certificate c WHERE kms_uri = $1"
	" AND valid_from <= " WR_SQL_TS(2) " AND valid_to > " WR_SQL_TS(2)
	" AND NOT EXISTS (SELECT 1 FROM limf.kms_certificate_revoked r"
	"  WHERE r.kms_uri = c.kms_uri AND r.cert_uri = c.cert_uri)"
	" ORDER BY valid_from DESC, first_seen DESC LIMIT 5";
/* clang-format on */

/* When no certificate held is valid at t_us: the newest one of the current certificate's
 * KmsUri valid then, and not held, from the store, added (see kms.h "Certificate store").
 * Whether one was. */
static bool store_load(struct wr_kms *k, struct wr_db *db, int64_t t_us)
{
	char t[24], detail[WR_DETAIL_MAX + 1];
	char vf[WR_TIME_STRLEN], vt[WR_TIME_STRLEN], fs[WR_TIME_STRLEN], at[WR_TIME_STRLEN];
	const char *p[2];
	PGresult *r = NULL;
	struct wr_kms_cert c;
	bool loaded = false;
	if (!k->n_certs || !db)
		return false;
	for (size_t i = 0; i < k->n_certs; i++)
		if (wr_kms_cert_valid(&k->certs[i], t_us))
			return false;
	wr_i64_str(t_us, t);
	p[0] = k->certs[0].kms_uri;
	p[1] = t;
	if (wr_exec(db, store_load_sql, 2, p, &r) != LIM_OK) {
		k->cst.store_failed++;
		snprintf(k->store_msg, sizeof k->store_msg, "certificate store: %s", wr_db_msg(db));
		goto out;
	}
	for (int i = 0; i < PQntuples(r) && !loaded; i++) {
		bool held = false;
		if (!store_row(r, i, &c))
			continue;
		for (size_t j = 0; j < k->n_certs && !held; j++)
			held = strcmp(k->certs[j].cert_uri, c.cert_uri) == 0;
		if (held || !wr_kms_cert_valid(&c, t_us))
			continue;
		wr_time_format(c.valid_from, vf);
		wr_time_format(c.valid_to, vt);
		wr_time_format(c.first_seen, fs);
		wr_time_format(t_us, at);
		snprintf(detail, sizeof detail,
			 "from the database (no KMS request): kms_uri=%s cert_uri=%s valid=%s..%s "
			 "first_seen=%s for t=%s",
			 c.kms_uri, c.cert_uri, vf, vt, fs, at);
		/* audited before it is used, as a fetch is */
		if (wr_audit_append(db, "", "kms.cert.load", detail) != LIM_OK) {
			k->cst.store_failed++;
			snprintf(k->store_msg, sizeof k->store_msg, "certificate store: audit: %s",
				 wr_db_msg(db));
			break;
		}
		snprintf(k->store_msg, sizeof k->store_msg,
			 "certificate %.100s (valid %s..%s) loaded from the database", c.cert_uri,
			 vf, vt);
		cert_add_loaded(k, &c);
		k->cst.loaded++;
		k->cst.changes++;
		loaded = true;
	}
out:
	PQclear(r);
	return loaded;
}

/* see kms.h */
enum lim_err wr_kms_refresh_cert(struct wr_kms *k, struct wr_db *db, int64_t t_us, bool *changed)
{
	int64_t now = k->now(k->now_ctx);
	uint64_t before = k->cst.changes;
	enum lim_err e;
	*changed = false;
	/* a certificate of an earlier fetch (this process's or another's) before the KMS */
	if (store_load(k, db, t_us)) {
		*changed = true;
		return LIM_OK;
	}
	/* a time past every ValidTo held: the roll-over is due, fetched at once, but once per
	 * such ValidTo (a KMS that has not rolled over yet is asked again at the rate limit) */
	bool due = k->n_certs && t_us >= k->fetch_seen_to && k->due_for != k->fetch_seen_to;
	if (due)
		k->due_for = k->fetch_seen_to;
	else if (k->last_refresh != INT64_MIN && now - k->last_refresh < k->refresh_min) {
		k->cst.refused++;
		return kms_fail(k, LIM_E_LIMIT,
				"KMS certificate re-fetched less than %lld s ago: not again yet",
				(long long)(k->refresh_min / 1000000));
	}
	if (!due)
		k->last_refresh = now;
	e = wr_kms_fetch_cert(k, db, NULL);
	*changed = k->cst.changes != before;
	return e;
}

/* see kms.h */
enum lim_err wr_kms_fetch_cert(struct wr_kms *k, struct wr_db *db, struct wr_kms_cert *out)
{
	char body[2048], detail[WR_DETAIL_MAX + 1];
	struct kms_buf b = { 0 };
	struct wr_kms_cert c;
	enum lim_err e, ea;
	k->msg[0] = '\0';
	if (!db)
		return kms_fail(k, LIM_E_ARG, "no database");
	e = request_body(k, NULL, 0, body, sizeof body);
	if (e != LIM_OK)
		return e;
	e = wr_audit_append(db, "", "kms.init", "request");
	if (e != LIM_OK)
		return kms_fail(k, e, "audit: %s", wr_db_msg(db));
	e = buf_new(k, &b);
	if (e == LIM_OK) {
		k->cst.fetched++;
		e = http_post(k, WR_KMS_PATH_INIT, body, &b);
	}
	if (e == LIM_OK) {
		e = parse_init(k, b.p, b.len, &c);
		if (e == LIM_E_AUTH) /* revoked: never used again, nor loaded from the store */
			store_revoked(k, db, c.kms_uri, c.cert_uri);
		if (e == LIM_E_AUTH && cert_drop(k, c.cert_uri))
			k->cst.changes++;
	}
	if (e == LIM_OK) {
		char vf[WR_TIME_STRLEN], vt[WR_TIME_STRLEN];
		c.source = WR_KMS_SRC_KMS;
		c.first_seen = INT64_MIN;
		store_record(k, db, &c);
		if (cert_add(k, &c))
			k->cst.changes++;
		k->fetch_seen_to = INT64_MIN;
		for (size_t i = 0; i < k->n_certs; i++)
			if (k->certs[i].valid_to > k->fetch_seen_to)
				k->fetch_seen_to = k->certs[i].valid_to;
		if (out)
			*out = c;
		wr_time_format(c.valid_from, vf);
		wr_time_format(c.valid_to, vt);
		snprintf(detail, sizeof detail,
			 "ok kms_uri=%s cert_uri=%s valid=%s..%s period=%llu offset=%llu scheme=%s",
			 c.kms_uri, c.cert_uri, vf, vt, (unsigned long long)c.user_key_period,
			 (unsigned long long)c.user_key_offset,
			 c.scheme == WR_KMS_ID_RFC6509 ? "rfc6509" : "3gpp-uid");
	} else {
		snprintf(detail, sizeof detail, "error %s: %s", lim_strerror(e), k->msg);
	}
	ea = wr_audit_append(db, "", "kms.init", detail);
	if (e == LIM_OK && ea != LIM_OK)
		e = kms_fail(k, ea, "audit: %s", wr_db_msg(db));
	buf_free(&b);
	return e;
}

/* ---- key sets ------------------------------------------------------------------------- */

/* A required element `name` of the key set: its text in s (cap), or a LIM_E_PARSE failure
 * naming it (absent, repeated, with child elements or too long). */
static bool set_text(struct wr_kms *k, const xmlNode *set, const char *name, char *s, size_t cap)
{
	if (text_of(child(set, name), s, cap))
		return true;
	s[0] = '\0';
	kms_fail(k, LIM_E_PARSE, "KmsKeySet lacks exactly one %s", name);
	return false;
}

/* The key set of prov checked against certificate c (the CertUri it names, when it names one,
 * is c's), the user uri and the identifier ks->ident, then validated with c's keys. Fills
 * ks->rsk, ks->pvt, ks->cert_uri and ks->z; ks->rsk and ks->pvt are wiped on failure. Shared by
 * the network path (keyset_under) and wr_kms_parse_keyprov. */
static enum lim_err parse_keyset(struct wr_kms *k, const xmlNode *prov, const char *uri,
				 const struct wr_kms_cert *c, struct wr_kms_keys *ks)
{
	const xmlNode *set = child(prov, "KmsKeySet");
	char s[KMS_TEXT_MAX];
	uint8_t uid[WR_KMS_ID_MAX];
	uint8_t ssk[WR_KMS_SSK_LEN]; /* validated, then wiped: never cached (kms.h) */
	size_t uidlen = 0;
	uint64_t pno = 0;
	bool revoked = false;
	int named;
	enum lim_err e = LIM_E_PARSE;
	memset(ssk, 0, sizeof ssk);
	if (!set) {
		e = kms_fail(k, LIM_E_PARSE, "KmsKeyProv lacks exactly one KmsKeySet");
		goto out;
	}
	named = opt_text(set, "CertUri", s, sizeof s);
	if (named < 0) {
		e = kms_fail(k, LIM_E_PARSE, "KmsKeySet CertUri is repeated or malformed");
		goto out;
	}
	if (named > 0 && s[0] && strcmp(s, c->cert_uri) != 0) {
		e = kms_fail(k, LIM_E_AUTH, "the key set is under certificate %.100s, not %.100s",
			     s, c->cert_uri);
		goto out;
	}
	/* TS 33.180 D.3.3: keys the KMS says are revoked are not used */
	if (opt_bool(set, "Revoked", &revoked) < 0) {
		e = kms_fail(k, LIM_E_PARSE, "KmsKeySet Revoked is repeated or not a boolean");
		goto out;
	}
	if (revoked) {
		e = kms_fail(k, LIM_E_AUTH, "the KMS says the key set is revoked");
		goto out;
	}
	if (!set_text(k, set, "KmsUri", s, sizeof s))
		goto out;
	if (strcmp(s, c->kms_uri) != 0) {
		e = kms_fail(k, LIM_E_AUTH, "KmsKeySet KmsUri differs from the certificate's");
		goto out;
	}
	if (!set_text(k, set, "UserUri", s, sizeof s))
		goto out;
	if (strcmp(s, uri) != 0) {
		e = kms_fail(k, LIM_E_AUTH, "KmsKeySet UserUri is not the one requested");
		goto out;
	}
	if (!set_text(k, set, "UserID", s, sizeof s))
		goto out;
	if (lim_hex_decode_ws(s, strlen(s), uid, sizeof uid, &uidlen) != LIM_OK) {
		e = kms_fail(k, LIM_E_PARSE, "KmsKeySet UserID is not hex");
		goto out;
	}
	if (uidlen != ks->ident.idlen || CRYPTO_memcmp(uid, ks->ident.id, uidlen) != 0) {
		e = kms_fail(k, LIM_E_AUTH, "KmsKeySet UserID is not the identifier expected");
		goto out;
	}
	if (!text_u64(child(set, "KeyPeriodNo"), &pno)) {
		e = kms_fail(k, LIM_E_PARSE,
			     "KmsKeySet lacks exactly one KeyPeriodNo (a decimal below 2^64)");
		goto out;
	}
	if (pno != ks->ident.period_no) {
		e = kms_fail(k, LIM_E_AUTH, "KmsKeySet KeyPeriodNo is not %llu",
			     (unsigned long long)ks->ident.period_no);
		goto out;
	}
	e = text_key(child(set, "UserDecryptKey"), ks->rsk, sizeof ks->rsk);
	if (e == LIM_OK)
		e = text_key(child(set, "UserSigningKeySSK"), ssk, sizeof ssk);
	if (e == LIM_OK)
		e = text_key(child(set, "UserPubTokenPVT"), ks->pvt, sizeof ks->pvt);
	if (e != LIM_OK) {
		kms_fail(k, e, "KmsKeySet keys are missing or malformed");
		goto out;
	}
	/* RFC 6508 s6.1.2, RFC 6507 s5.1.2: validate before any use */
	if (k->crypto.rsk_validate(k->crypto.ctx, c->z, ks->ident.id, ks->ident.idlen, ks->rsk) !=
	    LIM_OK) {
		e = kms_fail(k, LIM_E_AUTH, "UserDecryptKey does not validate against Z");
		goto out;
	}
	if (k->crypto.ssk_validate(k->crypto.ctx, c->kpak, ks->ident.id, ks->ident.idlen, ssk,
				   ks->pvt) != LIM_OK) {
		e = kms_fail(k, LIM_E_AUTH, "UserSigningKeySSK/UserPubTokenPVT do not validate");
		goto out;
	}
	memcpy(ks->cert_uri, c->cert_uri, sizeof ks->cert_uri);
	memcpy(ks->z, c->z, sizeof ks->z);
	e = LIM_OK;
out:
	if (e != LIM_OK) {
		LIM_WIPE(ks->rsk);
		LIM_WIPE(ks->pvt);
	}
	LIM_WIPE(s);
	LIM_WIPE(ssk);
	return e;
}

/* see kms.h */
enum lim_err wr_kms_parse_keyprov(struct wr_kms *k, const char *resp, size_t len,
				  const struct wr_kms_cert *c, const char *user_uri,
				  const struct wr_kms_ident *ident, struct wr_kms_keys *out)
{
	xmlDoc *doc = NULL;
	const xmlNode *prov;
	enum lim_err e;
	lim_wipe(out, sizeof *out);
	k->msg[0] = '\0';
	if (!c || !user_uri || !ident || (!resp && len) || ident->idlen > sizeof ident->id)
		return kms_fail(k, LIM_E_ARG, "no certificate, user URI or identifier");
	if (strlen(user_uri) > WR_URI_MAX)
		return kms_fail(k, LIM_E_LIMIT, "user URI too long");
	memcpy(out->user_uri, user_uri, strlen(user_uri) + 1);
	out->ident = *ident;
	e = parse_response(k, resp, len, "KmsKeyProv", &doc, &prov);
	if (e == LIM_OK)
		e = parse_keyset(k, prov, user_uri, c, out);
	doc_free(doc);
	if (e != LIM_OK)
		lim_wipe(out, sizeof *out);
	return e;
}

/* How many of d's warrants have scope iri+cc: the ones keys may be fetched under. */
static size_t n_content(const struct wr_kms_decision *d)
{
	size_t n = 0;
	for (size_t i = 0; i < d->n_matches; i++)
		n += d->matches[i].scope == WR_SCOPE_IRI_CC;
	return n;
}

/* see kms.h */
bool wr_kms_decision_has_content(const struct wr_kms_decision *d)
{
	return d && n_content(d) > 0;
}

/* One row of action per LIID of d (content_only: per LIID of scope iri+cc, the warrants a key
 * request is made under; an IRI-only warrant's log shows none), all or none: in a transaction
 * of their own when there are several and none is open. Appended one by one, a row that failed
 * for one LIID left those of the others: kms.request rows of a request never sent, with no
 * kms.result (an audit). The first error into *first. */
static void audit_all(struct wr_db *db, const struct wr_kms_decision *d, bool content_only,
		      const char *action, const char *detail, enum lim_err *first)
{
	size_t n = content_only ? n_content(d) : d->n_matches;
	bool tx = n > 1 && !db->in_tx && !wr_in_tx(db);
	enum lim_err e = tx ? wr_begin(db) : LIM_OK;
	for (size_t i = 0; i < d->n_matches && e == LIM_OK; i++)
		if (!content_only || d->matches[i].scope == WR_SCOPE_IRI_CC)
			e = wr_audit_append(db, d->matches[i].liid, action, detail);
	if (tx && e == LIM_OK) {
		e = wr_commit(db);
	} else if (tx) {
		wr_rollback(db);
		/* (wr_audit_append could not name them inside the failed transaction) */
		if (strcmp(db->sqlstate, "55P03") == 0)
			wr_name_lock_holders(db);
	}
	if (e != LIM_OK && *first == LIM_OK)
		*first = e;
}

/* see kms.h */
enum lim_err wr_kms_keys(struct wr_kms *k, struct wr_db *db, const struct wr_kms_decision *d,
			 const char *user_uri, const struct wr_kms_keys **out)
{
	return wr_kms_keys_at(k, db, d, user_uri, 0, out);
}

/* The identifier of uri for the key period of d's time shifted by delta periods (-1, 0, +1)
 * and the time inside that period the request names. */
static enum lim_err period_ident(struct wr_kms *k, const struct wr_kms_cert *c,
				 const struct wr_kms_decision *d, const char *uri, int delta,
				 struct wr_kms_ident *id, int64_t *t_req)
{
	enum lim_err e = k->crypto.ident(k->crypto.ctx, c, uri, d->t_us, id);
	int64_t t;
	if (e != LIM_OK || delta == 0) {
		*t_req = d->t_us;
		return e;
	}
	/* the last microsecond of the period before, or the first of the one after */
	t = delta < 0 ? id->valid_from - 1 : id->valid_to;
	*t_req = t;
	return k->crypto.ident(k->crypto.ctx, c, uri, t, id);
}

/* The newest certificate held that is valid at t, or of CertUri cert_uri when not NULL;
 * copied (a fetch reorders them). */
static bool cert_find(const struct wr_kms *k, int64_t t, const char *cert_uri,
		      struct wr_kms_cert *out)
{
	for (size_t i = 0; i < k->n_certs; i++)
		if (cert_uri ? strcmp(k->certs[i].cert_uri, cert_uri) == 0
			     : wr_kms_cert_valid(&k->certs[i], t)) {
			*out = k->certs[i];
			return true;
		}
	return false;
}

/* The key set in prov, under the certificate it names (KmsKeySet/CertUri; none named: c, the
 * one it was asked under), which must be valid at t_req. A CertUri not held, or keys that do
 * not validate, cause one re-fetch (rate-limited) and, when it changed the certificates, one
 * more try. */
static enum lim_err keyset_under(struct wr_kms *k, struct wr_db *db, const xmlNode *prov,
				 const char *uri, const struct wr_kms_cert *c, int64_t t_req,
				 struct wr_kms_keys *ks)
{
	char named[WR_KMS_URI_MAX + 1] = "";
	struct wr_kms_cert vc;
	enum lim_err e = LIM_E_AUTH;
	bool refreshed = false, changed = false;
	if (!text_of(child(child(prov, "KmsKeySet"), "CertUri"), named, sizeof named))
		named[0] = '\0';
	for (;;) {
		bool have = named[0] ? cert_find(k, t_req, named, &vc) : (vc = *c, true);
		if (!have)
			e = kms_fail(k, LIM_E_AUTH,
				     "the key set is under certificate %.128s, which the "
				     "KMS does not publish",
				     named);
		else if (!wr_kms_cert_valid(&vc, t_req))
			e = kms_fail(k, LIM_E_AUTH,
				     "the key set's certificate %.128s is not valid "
				     "at the time asked for",
				     vc.cert_uri);
		else
			e = parse_keyset(k, prov, uri, &vc, ks);
		if (e != LIM_E_AUTH || refreshed)
			break;
		/* a roll-over this client has not seen, or a certificate re-issued */
		refreshed = true;
		{
			char why[sizeof k->msg];
			memcpy(why, k->msg, sizeof why);
			if (wr_kms_refresh_cert(k, db, t_req, &changed) != LIM_OK || !changed) {
				memcpy(k->msg, why, sizeof why);
				break;
			}
		}
	}
	return e;
}

/* see kms.h */
enum lim_err wr_kms_keys_at(struct wr_kms *k, struct wr_db *db, const struct wr_kms_decision *d,
			    const char *user_uri, int period_delta, const struct wr_kms_keys **out)
{
	int64_t t_req = 0;
	char body[4096], detail[WR_DETAIL_MAX + 1], ts[WR_TIME_STRLEN];
	struct kms_buf b = { 0 };
	xmlDoc *doc = NULL;
	const xmlNode *prov;
	struct kms_entry *ent = NULL;
	struct wr_kms_cert cert;
	enum lim_err e, ea = LIM_OK;
	*out = NULL;
	k->msg[0] = '\0';
	if (!d || d->n_matches == 0 || !db || !user_uri)
		return kms_fail(k, LIM_E_ARG, "no positive warrant decision");
	if (period_delta < -1 || period_delta > 1)
		return kms_fail(k, LIM_E_ARG, "only the neighbouring key periods may be asked for");
	if (strlen(user_uri) > WR_URI_MAX)
		return kms_fail(k, LIM_E_LIMIT, "user URI too long");
	if (!decision_binds(d, user_uri)) {
		snprintf(detail, sizeof detail, "uri=%s not a party of the decided call", user_uri);
		audit_all(db, d, false, "kms.refused", detail, &ea);
		return kms_fail(k, LIM_E_AUTH, "%s is not a party of the decided call", user_uri);
	}
	/* keys serve content: a warrant of scope iri gives none, and keys expire with the
	 * warrants that justify them (DESIGN.md s5, invariants 1 and 3) */
	if (n_content(d) == 0) {
		snprintf(detail, sizeof detail, "uri=%s no warrant of scope iri+cc", user_uri);
		audit_all(db, d, false, "kms.refused", detail, &ea);
		return kms_fail(k, LIM_E_AUTH,
				"no warrant in force for %s has scope iri+cc: a warrant of scope "
				"iri gives no keys",
				user_uri);
	}
	if (!k->n_certs) {
		e = wr_kms_fetch_cert(k, db, NULL);
		if (e != LIM_OK)
			return e;
	}
	if (!cert_find(k, d->t_us, NULL, &cert)) {
		bool changed;
		e = wr_kms_refresh_cert(k, db, d->t_us, &changed);
		if (!cert_find(k, d->t_us, NULL, &cert)) {
			wr_time_format(d->t_us, ts);
			return kms_fail(k, LIM_E_STATE, "no KMS certificate valid at %s", ts);
		}
	}
	cache_sweep(k);
	ent = OPENSSL_secure_zalloc(sizeof *ent);
	if (!ent)
		return kms_fail(k, LIM_E_NOMEM, "out of secure memory");
	e = period_ident(k, &cert, d, user_uri, period_delta, &ent->keys.ident, &t_req);
	if (e != LIM_OK) {
		kms_fail(k, e, "cannot form the identifier of %s", user_uri);
		goto out;
	}
	for (struct kms_entry *c = k->cache; c; c = c->next)
		if (strcmp(c->keys.user_uri, user_uri) == 0 &&
		    strcmp(c->keys.cert_uri, cert.cert_uri) == 0 &&
		    c->keys.ident.period_no == ent->keys.ident.period_no &&
		    c->keys.ident.idlen == ent->keys.ident.idlen &&
		    memcmp(c->keys.ident.id, ent->keys.ident.id, c->keys.ident.idlen) == 0) {
			entry_justify(c, d);
			*out = &c->keys;
			e = LIM_OK;
			goto out;
		}
	if (k->n_cached >= k->cache_max)
		cache_evict(k);
	memcpy(ent->keys.user_uri, user_uri, strlen(user_uri) + 1);
	e = request_body(k, user_uri, t_req, body, sizeof body);
	if (e != LIM_OK)
		goto out;
	/* invariant 2: the request is on the audit log, per LIID, before it is sent */
	wr_time_format(t_req, ts);
	snprintf(detail, sizeof detail, "keyprov uri=%s period=%llu t=%s kms=%s cert=%s", user_uri,
		 (unsigned long long)ent->keys.ident.period_no, ts, cert.kms_uri, cert.cert_uri);
	audit_all(db, d, true, "kms.request", detail, &ea);
	if (ea != LIM_OK) {
		e = kms_fail(k, ea, "audit: %s (nothing requested)", wr_db_msg(db));
		goto out;
	}
	e = buf_new(k, &b);
	if (e == LIM_OK)
		e = http_post(k, WR_KMS_PATH_PROV, body, &b);
	if (e == LIM_OK)
		e = parse_response(k, b.p, b.len, "KmsKeyProv", &doc, &prov);
	if (e == LIM_OK)
		e = keyset_under(k, db, prov, user_uri, &cert, t_req, &ent->keys);
	if (e == LIM_OK) {
		/* kept until the key period or the last content warrant ends, whichever first
		 * (valid_to was read with each match: the same row, the same snapshot) */
		int64_t end = ent->keys.ident.valid_to, wend = INT64_MIN;
		for (size_t i = 0; i < d->n_matches; i++)
			if (d->matches[i].scope == WR_SCOPE_IRI_CC && d->matches[i].valid_to > wend)
				wend = d->matches[i].valid_to;
		if (wend < end)
			end = wend;
		ent->keys.expires = end;
		snprintf(detail, sizeof detail, "ok uri=%s period=%llu cert=%s", user_uri,
			 (unsigned long long)ent->keys.ident.period_no, ent->keys.cert_uri);
	} else {
		snprintf(detail, sizeof detail, "error uri=%s period=%llu %s: %s", user_uri,
			 (unsigned long long)ent->keys.ident.period_no, lim_strerror(e), k->msg);
	}
	audit_all(db, d, true, "kms.result", detail, &ea);
	if (e == LIM_OK && ea != LIM_OK)
		e = kms_fail(k, ea, "audit: %s (keys dropped)", wr_db_msg(db));
	if (e == LIM_OK) {
		ent->run_scoped = k->keep_ended && ent->keys.expires <= k->now(k->now_ctx);
		entry_justify(ent, d);
		ent->next = k->cache;
		k->cache = ent;
		k->n_cached++;
		*out = &ent->keys;
		ent = NULL;
	}
out:
	if (ent)
		entry_free(ent);
	doc_free(doc);
	buf_free(&b);
	LIM_WIPE(body);
	return e;
}
