/* libFuzzer target for the KMS response parser (STYLE.md rule 22): the XML a KMS sends over
 * TLS, through wr_kms_parse_init and wr_kms_parse_keyprov (the parsers wr_kms_fetch_cert and
 * wr_kms_keys run on what they receive). Deterministic, no network, no database: a client is
 * made per input (nothing carried between runs) and never sends a request.
 *
 * Input: the first octet selects.
 *   even: the rest is a KMSInit response.
 *   odd:  the rest is a KMSInit response, a NUL, and a KMSKeyProv response: the certificate
 *         parsed from the first is the one the key set is checked against, for KR_USER at
 *         KR_TIME (the identifier from limf/'s production glue, as the LIMF computes it), and
 *         the keys are validated with the production SAKKE/ECCSI validators. The seeds are
 *         real responses of the test KMS (tests/corpus/kmsresp/).
 * abort() when:
 *  - the result is not one of the documented errors, or wr_kms_msg is unterminated within its
 *    256 octets, empty on failure or not empty on success;
 *  - an accepted certificate has a string unterminated within its cap, an empty KmsUri,
 *    ValidFrom not before ValidTo, a parameter set other than 1, an unknown scheme, a 3GPP
 *    scheme with a zero key period, a Z or KPAK that is not an uncompressed point (0x04), or
 *    source/first_seen other than WR_KMS_SRC_KMS/INT64_MIN; a refused one (other than revoked)
 *    is not all zero; the same input parsed twice gives another result;
 *  - an accepted key set is not for KR_USER, the certificate's CertUri and Z, the expected
 *    identifier, or has expires set; a refused one is not all zero (secrets wiped). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "limf/kms_glue.h"
#include "warrants/kms.h"
#include "warrants/warrants.h"

#define KR_USER "sip:alice@example.org"
#define KR_TIME "2026-01-15T12:00:00Z"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

static void check_str(const char *s, size_t cap)
{
	if (strnlen(s, cap) >= cap)
		abort();
}

static void check_msg(const struct wr_kms *k, enum lim_err e)
{
	const char *m = wr_kms_msg(k);
	check_str(m, 256);
	if ((e == LIM_OK) != (m[0] == '\0'))
		abort();
}

/* Parses one KMSInit response (twice: the results must agree) and checks the invariants. */
static enum lim_err init_once(struct wr_kms *k, const char *p, size_t n, struct wr_kms_cert *c)
{
	struct wr_kms_cert again;
	enum lim_err e = wr_kms_parse_init(k, p, n, c), e2;
	check_msg(k, e);
	if (e != LIM_OK && e != LIM_E_PARSE && e != LIM_E_UNSUPP && e != LIM_E_AUTH &&
	    e != LIM_E_LIMIT)
		abort();
	check_str(c->kms_uri, sizeof c->kms_uri);
	check_str(c->cert_uri, sizeof c->cert_uri);
	check_str(c->issuer, sizeof c->issuer);
	if (e == LIM_OK) {
		if (!c->kms_uri[0] || c->valid_from >= c->valid_to || c->parameter_set != 1 ||
		    (c->scheme != WR_KMS_ID_RFC6509 && c->scheme != WR_KMS_ID_3GPP) ||
		    (c->scheme == WR_KMS_ID_3GPP && c->user_key_period == 0) || c->z[0] != 0x04 ||
		    c->kpak[0] != 0x04 || c->source != WR_KMS_SRC_KMS || c->first_seen != INT64_MIN)
			abort();
	} else if (e == LIM_E_AUTH) {
		if (!c->kms_uri[0])
			abort();
	} else if (!all_zero(c, sizeof *c)) {
		abort();
	}
	e2 = wr_kms_parse_init(k, p, n, &again);
	if (e2 != e || memcmp(&again, c, sizeof again) != 0)
		abort();
	return e;
}

static void keyprov(struct wr_kms *k, const struct wr_kms_cert *c, const char *p, size_t n)
{
	struct wr_kms_ident id;
	struct wr_kms_keys ks;
	int64_t t;
	enum lim_err e;
	if (wr_time_parse(KR_TIME, &t) != LIM_OK)
		abort();
	if (limf_kms_ident(NULL, c, KR_USER, t, &id) != LIM_OK)
		return; /* a certificate no identifier can be formed under (a key period offset
			 * after KR_TIME): nothing to check a key set against */
	e = wr_kms_parse_keyprov(k, p, n, c, KR_USER, &id, &ks);
	check_msg(k, e);
	if (e == LIM_OK) {
		if (strcmp(ks.user_uri, KR_USER) != 0 || strcmp(ks.cert_uri, c->cert_uri) != 0 ||
		    memcmp(ks.z, c->z, sizeof ks.z) != 0 || ks.ident.idlen != id.idlen ||
		    memcmp(ks.ident.id, id.id, id.idlen) != 0 ||
		    ks.ident.period_no != id.period_no || ks.expires != 0 || ks.pvt[0] != 0x04)
			abort();
	} else if (e != LIM_E_PARSE && e != LIM_E_AUTH && e != LIM_E_UNSUPP && e != LIM_E_LIMIT) {
		abort();
	} else if (!all_zero(&ks, sizeof ks)) {
		abort(); /* secrets left behind on a refusal */
	}
	memset(&ks, 0, sizeof ks);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wr_kms_config cfg;
	struct wr_kms *k = NULL;
	struct wr_kms_cert c;
	const char *p = (const char *)data + 1;
	size_t n = size ? size - 1 : 0, cut = n;
	if (size == 0)
		return 0;
	memset(&cfg, 0, sizeof cfg);
	/* never contacted: the parsers make no request */
	cfg.base_url = "https://kms.invalid";
	cfg.ca_file = cfg.cert_file = cfg.key_file = "/nonexistent";
	cfg.crypto = limf_kms_crypto();
	if (wr_kms_new(&cfg, &k) != LIM_OK)
		abort();
	if (data[0] & 1) {
		const char *nul = memchr(p, '\0', n);
		if (nul)
			cut = (size_t)(nul - p);
	}
	if (init_once(k, p, cut, &c) == LIM_OK && (data[0] & 1) && cut < n)
		keyprov(k, &c, p + cut + 1, n - cut - 1);
	wr_kms_free(k);
	return 0;
}
