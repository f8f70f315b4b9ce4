/* The X2/X3 TLS listener (ETSI TS 103 221-2 s6: TLS, mutual authentication). See x2x3.h.
 * One non-blocking listening socket and up to max_conns POI connections, each a TLS session
 * (client certificate required, verified against the configured CA) feeding a bounded
 * cap_x2x3_stream. Driven by the caller's poll() (cap_x2x3_srv_pollfds / _step).
 *
 * Handshakes have max_conns places of their own, apart from the open connections': anyone
 * who can reach the port can open TCP connections that say nothing, and if they counted
 * against the POIs' cap, 16 of them would lock every POI out. When the handshakes' places are
 * full, a new connection closes the oldest handshake of the source (IPv4 address, IPv6 /64)
 * holding the most of them, so a flood from a few sources ends its own handshakes, not a
 * POI's. A connection whose handshake completes while max_conns are open is closed
 * (refused_full). */
#include "capture/x2x3.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/pkey.h"

#define READS_PER_STEP 64  /* SSL_read calls per connection per step */
#define PDUS_PER_STEP  256 /* PDUs delivered per connection per step */
#define OUT_MAX        4096

enum conn_state { C_FREE = 0, C_HANDSHAKE, C_OPEN };

struct conn {
	enum conn_state st;
	int fd;
	SSL *ssl;
	struct cap_x2x3_stream *rx;
	uint64_t id;
	uint64_t hs_deadline;
	uint8_t src[8]; /* the source: IPv4 address, or IPv6 /64 (v4 zero-padded, family apart) */
	bool src_v6;
	size_t poi; /* index in stats.poi, or SIZE_MAX */
	char peer[64];
	bool again;    /* work left (TLS-buffered octets, PDUs not yet delivered) */
	bool hs_write; /* the handshake waits to write (a flight bigger than the socket takes) */
	uint8_t out[OUT_MAX];
	size_t out_len;   /* keep-alive acks waiting to be written */
	size_t out_retry; /* octets of an SSL_write to retry as it was (0: none) */
};

struct cap_x2x3_srv {
	int lfd;
	uint16_t port;
	SSL_CTX *ctx; /* for new connections; each SSL holds a reference to its own */
	/* the CRLs of the context in force (NULL: none): a handshake begun under an older
	 * context is checked against them when it completes (a reload's CRL revokes it too) */
	STACK_OF(X509_CRL) *crls;
	cap_x2x3_fn fn;
	void *fnctx;
	size_t max_conns, max_pdu;
	uint64_t hs_ms;
	uint64_t next_id;
	uint64_t wall_ms; /* wall clock at the start of the current step */
	/* CAP_X2X3_MAX_SLOTS slots whatever the cap, so that a reload can raise it */
	struct conn *c;
	uint64_t evict_said_ms; /* when an eviction was last logged (once per 10 s) */
	bool stopped;           /* cap_x2x3_srv_stop: nothing open, nothing more read */
	struct cap_x2x3_stats st;
};

static void set_why(char *why, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_why(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;
	if (!why || !n)
		return;
	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
}

static const char *ssl_err(void)
{
	static char buf[256];
	unsigned long e = ERR_get_error();
	if (!e)
		return "no detail";
	ERR_error_string_n(e, buf, sizeof buf);
	ERR_clear_error();
	return buf;
}

/* "ADDR:PORT" or "[ADDR]:PORT" into host/port strings. */
static bool split_hostport(const char *s, char *host, size_t hcap, char *port, size_t pcap)
{
	const char *colon;
	size_t hl;
	if (s[0] == '[') {
		const char *e = strchr(s, ']');
		if (!e || e[1] != ':')
			return false;
		hl = (size_t)(e - s - 1);
		s++;
		colon = e + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return false;
		hl = (size_t)(colon - s);
	}
	if (hl == 0 || hl >= hcap || strlen(colon + 1) == 0 || strlen(colon + 1) >= pcap)
		return false;
	memcpy(host, s, hl);
	host[hl] = '\0';
	strcpy(port, colon + 1);
	for (const char *p = port; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

static int nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* The PEM objects of path (certificates, or CRLs when crl) into a new stack in *out: every
 * object the file holds, at least one, at most CRL_MAX. LIM_E_CRYPTO with why filled. */
#define CRL_MAX 1024
static enum lim_err read_pems(const char *path, bool crl, STACK_OF(X509) **certs,
			      STACK_OF(X509_CRL) **crls, char *why, size_t whylen)
{
	const char *what = crl ? "CRL" : "CA";
	BIO *b = BIO_new_file(path, "r");
	enum lim_err rc = LIM_E_CRYPTO;
	int n = 0;
	if (crl)
		*crls = sk_X509_CRL_new_null();
	else
		*certs = sk_X509_new_null();
	if (!b || (crl ? !*crls : !*certs)) {
		set_why(why, whylen, "x2x3: %s %s: %s", what, path, ssl_err());
		goto out;
	}
	for (;;) {
		X509 *x = NULL;
		X509_CRL *c = NULL;
		ERR_clear_error();
		if (crl ? !(c = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL))
			: !(x = PEM_read_bio_X509(b, NULL, NULL, NULL))) {
			unsigned long e = ERR_peek_last_error();
			if (n && ERR_GET_LIB(e) == ERR_LIB_PEM &&
			    ERR_GET_REASON(e) == PEM_R_NO_START_LINE)
				break; /* the end of the file */
			set_why(why, whylen, "x2x3: %s %s: %s", what, path,
				n ? ssl_err() : "no PEM object of that kind in it");
			goto out;
		}
		if (++n > CRL_MAX ||
		    (crl ? !sk_X509_CRL_push(*crls, c) : !sk_X509_push(*certs, x))) {
			X509_CRL_free(c);
			X509_free(x);
			set_why(why, whylen, "x2x3: %s %s: more than %d objects, or out of memory",
				what, path, CRL_MAX);
			goto out;
		}
	}
	rc = LIM_OK;
out:
	ERR_clear_error();
	BIO_free(b);
	return rc;
}

/* "CN=..., O=..." of a name, control characters as '?', into buf. */
static const char *name_text(const X509_NAME *nm, char *buf, size_t cap)
{
	if (!X509_NAME_oneline(nm, buf, (int)cap))
		snprintf(buf, cap, "(no name)");
	for (char *q = buf; *q; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
			*q = '?';
	return buf;
}

/* cfg->crl's CRLs into ctx's store, with revocation checked for every certificate of a POI's
 * chain (OpenSSL's CRL_CHECK and CRL_CHECK_ALL: a certificate whose issuer has no CRL there
 * fails). Before they go in, each must be signed by a CA of cfg->ca and be in its validity
 * (lastUpdate <= now < nextUpdate), and every CA of cfg->ca must have one: otherwise every
 * POI would fail its handshake, which is better said now, naming the file and the CA. The
 * CRLs are left in *crls for the caller (cap_x2x3_srv_reload closes the open connections
 * whose certificates they revoke). LIM_E_CRYPTO with why filled. */
static enum lim_err load_crls(SSL_CTX *ctx, const struct cap_x2x3_srv_cfg *cfg,
			      STACK_OF(X509_CRL) **crls, char *why, size_t whylen)
{
	STACK_OF(X509) *cas = NULL;
	X509_STORE *st = SSL_CTX_get_cert_store(ctx);
	enum lim_err rc = read_pems(cfg->ca, false, &cas, NULL, why, whylen);
	char nm[256];
	if (rc == LIM_OK)
		rc = read_pems(cfg->crl, true, NULL, crls, why, whylen);
	for (int i = 0; rc == LIM_OK && i < sk_X509_CRL_num(*crls); i++) {
		X509_CRL *c = sk_X509_CRL_value(*crls, i);
		const X509_NAME *is = X509_CRL_get_issuer(c);
		const ASN1_TIME *next = X509_CRL_get0_nextUpdate(c);
		bool signed_ok = false;
		for (int k = 0; !signed_ok && k < sk_X509_num(cas); k++) {
			X509 *ca = sk_X509_value(cas, k);
			signed_ok = X509_NAME_cmp(X509_get_subject_name(ca), is) == 0 &&
				    X509_CRL_verify(c, X509_get0_pubkey(ca)) == 1;
		}
		rc = LIM_E_CRYPTO;
		if (!signed_ok)
			set_why(why, whylen,
				"x2x3: CRL %s: the one of %s is not signed by a CA of %s", cfg->crl,
				name_text(is, nm, sizeof nm), cfg->ca);
		else if (X509_cmp_current_time(X509_CRL_get0_lastUpdate(c)) > 0)
			set_why(why, whylen, "x2x3: CRL %s: the one of %s is not valid yet",
				cfg->crl, name_text(is, nm, sizeof nm));
		else if (next && X509_cmp_current_time(next) <= 0)
			set_why(why, whylen,
				"x2x3: CRL %s: the one of %s has expired (its next update is past)",
				cfg->crl, name_text(is, nm, sizeof nm));
		else if (X509_STORE_add_crl(st, c) != 1)
			set_why(why, whylen, "x2x3: CRL %s: %s", cfg->crl, ssl_err());
		else
			rc = LIM_OK;
	}
	for (int k = 0; rc == LIM_OK && k < sk_X509_num(cas); k++) {
		const X509_NAME *sub = X509_get_subject_name(sk_X509_value(cas, k));
		bool has = false;
		for (int i = 0; !has && i < sk_X509_CRL_num(*crls); i++)
			has = X509_NAME_cmp(X509_CRL_get_issuer(sk_X509_CRL_value(*crls, i)),
					    sub) == 0;
		if (!has) {
			set_why(why, whylen,
				"x2x3: CRL %s: none of CA %s (every CA of %s needs one)", cfg->crl,
				name_text(sub, nm, sizeof nm), cfg->ca);
			rc = LIM_E_CRYPTO;
		}
	}
	if (rc == LIM_OK &&
	    X509_STORE_set_flags(st, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL) != 1) {
		set_why(why, whylen, "x2x3: CRL %s: %s", cfg->crl, ssl_err());
		rc = LIM_E_CRYPTO;
	}
	sk_X509_pop_free(cas, X509_free);
	ERR_clear_error();
	return rc;
}

/* A server TLS context from cfg's CA, certificate, key and CRLs (cfg->crl: NULL or "" for
 * none). With CRLs, *crls gets them (the caller frees them: sk_X509_CRL_pop_free), else NULL.
 * LIM_E_CRYPTO with why filled. */
static enum lim_err new_ctx(const struct cap_x2x3_srv_cfg *cfg, SSL_CTX **out,
			    STACK_OF(X509_CRL) **crls, char *why, size_t whylen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	enum lim_err rc = LIM_E_CRYPTO;
	*out = NULL;
	*crls = NULL;
	/* TLS: TS 103 221-2 s6 asks for mutually authenticated TLS */
	if (!ctx || !SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION)) {
		set_why(why, whylen, "x2x3: TLS context: %s", ssl_err());
		goto out;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, cfg->cert) != 1) {
		set_why(why, whylen, "x2x3: certificate %s: %s", cfg->cert, ssl_err());
		goto out;
	}
	{
		char kwhy[256];
		EVP_PKEY *pk = lim_pkey_load(cfg->key, kwhy, sizeof kwhy); /* (its text wiped) */
		bool ok = pk && SSL_CTX_use_PrivateKey(ctx, pk) == 1 &&
			  SSL_CTX_check_private_key(ctx) == 1;
		EVP_PKEY_free(pk);
		if (!pk) {
			set_why(why, whylen, "x2x3: key %s", kwhy);
			goto out;
		}
		if (!ok) {
			set_why(why, whylen, "x2x3: key %s: %s", cfg->key, ssl_err());
			goto out;
		}
	}
	if (SSL_CTX_load_verify_locations(ctx, cfg->ca, NULL) != 1) {
		set_why(why, whylen, "x2x3: CA %s: %s", cfg->ca, ssl_err());
		goto out;
	}
	if (cfg->crl && cfg->crl[0] && load_crls(ctx, cfg, crls, why, whylen) != LIM_OK)
		goto out;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/* no session resumption: with a client certificate required and no session ID context,
	 * OpenSSL fails a resumed handshake (internal_error), so a POI that offered its last
	 * session never got back in; and a resumed session would skip the CA of a reload */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	if (SSL_CTX_set_num_tickets(ctx, 0) != 1) {
		set_why(why, whylen, "x2x3: TLS context: %s", ssl_err());
		goto out;
	}
	*out = ctx;
	ctx = NULL;
	rc = LIM_OK;
out:
	ERR_clear_error();
	SSL_CTX_free(ctx);
	if (rc != LIM_OK) {
		sk_X509_CRL_pop_free(*crls, X509_CRL_free);
		*crls = NULL;
	}
	return rc;
}

static bool caps_ok(const struct cap_x2x3_srv_cfg *cfg, char *why, size_t whylen)
{
	if (cfg->max_conns > CAP_X2X3_MAX_CONNS ||
	    (cfg->max_pdu && (cfg->max_pdu <= CAP_X2X3_FIXED ||
			      cfg->max_pdu > CAP_X2X3_MAX_HEADER + CAP_X2X3_MAX_PAYLOAD))) {
		set_why(why, whylen, "x2x3: connection or PDU cap out of range");
		return false;
	}
	return true;
}

/* see x2x3.h */
enum lim_err cap_x2x3_srv_open(const struct cap_x2x3_srv_cfg *cfg, cap_x2x3_fn fn, void *ctx,
			       struct cap_x2x3_srv **out, char *why, size_t whylen)
{
	struct cap_x2x3_srv *s = NULL;
	struct addrinfo hints, *ai = NULL;
	char host[256], port[16];
	enum lim_err rc = LIM_E_ARG;
	int one = 1;

	*out = NULL;
	if (!cfg->listen || !cfg->ca || !cfg->cert || !cfg->key ||
	    !split_hostport(cfg->listen, host, sizeof host, port, sizeof port)) {
		set_why(why, whylen, "x2x3: need ADDR:PORT (%s), a CA, a certificate and a key",
			cfg->listen ? cfg->listen : "none");
		return LIM_E_ARG;
	}
	if (!caps_ok(cfg, why, whylen))
		return LIM_E_ARG;
	s = calloc(1, sizeof *s);
	if (!s)
		return LIM_E_NOMEM;
	s->lfd = -1;
	s->fn = fn;
	s->fnctx = ctx;
	s->max_conns = cfg->max_conns ? cfg->max_conns : 16;
	s->max_pdu = cfg->max_pdu ? cfg->max_pdu : CAP_X2X3_MAX_HEADER + 65536;
	s->hs_ms = cfg->hs_ms ? cfg->hs_ms : 10000;
	s->st.max_conns = s->max_conns;
	s->st.hs_ms = s->hs_ms;
	s->c = calloc(CAP_X2X3_MAX_SLOTS, sizeof *s->c);
	if (!s->c) {
		rc = LIM_E_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < CAP_X2X3_MAX_SLOTS; i++)
		s->c[i].fd = -1;
	rc = new_ctx(cfg, &s->ctx, &s->crls, why, whylen);
	if (rc != LIM_OK)
		goto out;
	/* the socket */
	rc = LIM_E_IO;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	if (getaddrinfo(host, port, &hints, &ai) != 0 || !ai) {
		set_why(why, whylen, "x2x3: %s: not a numeric address and port", cfg->listen);
		rc = LIM_E_ARG;
		goto out;
	}
	s->lfd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->lfd < 0 || setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(s->lfd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(s->lfd, 64) != 0 ||
	    nonblock(s->lfd) != 0) {
		set_why(why, whylen, "x2x3: cannot listen on %s: %s", cfg->listen, strerror(errno));
		goto out;
	}
	{
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		if (getsockname(s->lfd, (struct sockaddr *)&ss, &sl) == 0)
			s->port = ntohs(ss.ss_family == AF_INET6
						? ((struct sockaddr_in6 *)&ss)->sin6_port
						: ((struct sockaddr_in *)&ss)->sin_port);
	}
	rc = LIM_OK;
	*out = s;
	s = NULL;
out:
	if (ai)
		freeaddrinfo(ai);
	cap_x2x3_srv_free(s);
	return rc;
}

static void conn_close(struct cap_x2x3_srv *s, struct conn *c, const char *why);

/* Does one of crls revoke a certificate of the chain ssl's peer was verified with? */
static bool revoked_chain(const SSL *ssl, STACK_OF(X509_CRL) *crls)
{
	STACK_OF(X509) *chain = ssl ? SSL_get0_verified_chain(ssl) : NULL;
	for (int k = 0; k < sk_X509_num(chain); k++)
		for (int i = 0; i < sk_X509_CRL_num(crls); i++) {
			X509_REVOKED *rv = NULL;
			if (X509_CRL_get0_by_cert(sk_X509_CRL_value(crls, i), &rv,
						  sk_X509_value(chain, k)) == 1)
				return true;
		}
	return false;
}

/* see x2x3.h */
enum lim_err cap_x2x3_srv_reload(struct cap_x2x3_srv *s, const struct cap_x2x3_srv_cfg *cfg,
				 char *why, size_t whylen)
{
	SSL_CTX *ctx = NULL;
	STACK_OF(X509_CRL) *crls = NULL;
	enum lim_err rc = LIM_E_ARG;
	if (!cfg->ca || !cfg->cert || !cfg->key) {
		set_why(why, whylen, "x2x3: need a CA, a certificate and a key");
		goto out;
	}
	if (!caps_ok(cfg, why, whylen))
		goto out;
	rc = new_ctx(cfg, &ctx, &crls, why, whylen);
	if (rc != LIM_OK)
		goto out;
	/* the SSLs of open connections hold their own reference to the old context: they go on
	 * (a new CA is for new connections), unless a CRL now revokes a certificate of theirs */
	SSL_CTX_free(s->ctx);
	s->ctx = ctx;
	sk_X509_CRL_pop_free(s->crls, X509_CRL_free);
	s->crls = crls;
	for (size_t i = 0; crls && i < CAP_X2X3_MAX_SLOTS; i++)
		if (s->c[i].st == C_OPEN && revoked_chain(s->c[i].ssl, crls)) {
			lim_warn("x2x3: %s (connection %llu): a reloaded CRL revokes its "
				 "certificate",
				 s->c[i].peer, (unsigned long long)s->c[i].id);
			s->st.revoked++;
			conn_close(s, &s->c[i], "its certificate is revoked (a CRL of the reload)");
		}
	s->max_conns = cfg->max_conns ? cfg->max_conns : 16;
	s->hs_ms = cfg->hs_ms ? cfg->hs_ms : 10000;
	s->st.max_conns = s->max_conns;
	s->st.hs_ms = s->hs_ms;
out:
	if (rc == LIM_OK)
		s->st.reloads++;
	else
		s->st.reload_failed++;
	return rc;
}

/* see x2x3.h */
uint16_t cap_x2x3_srv_port(const struct cap_x2x3_srv *s)
{
	return s->port;
}

/* see x2x3.h */
const struct cap_x2x3_stats *cap_x2x3_srv_stats(const struct cap_x2x3_srv *s)
{
	return &s->st;
}

static void conn_close(struct cap_x2x3_srv *s, struct conn *c, const char *why)
{
	if (c->st == C_FREE)
		return;
	if (c->st == C_HANDSHAKE && s->st.handshaking)
		s->st.handshaking--;
	if (c->st == C_OPEN) {
		size_t held = c->rx ? cap_x2x3_stream_held(c->rx) : 0;
		s->st.closed++;
		if (s->st.active)
			s->st.active--;
		if (c->poi < s->st.n_poi && s->st.poi[c->poi].active)
			s->st.poi[c->poi].active--;
		if (held) {
			s->st.cut++;
			if (c->poi < s->st.n_poi)
				s->st.poi[c->poi].cut++;
		}
		lim_info("x2x3: %s (connection %llu): closed: %s%s", c->peer,
			 (unsigned long long)c->id, why, held ? " (in the middle of a PDU)" : "");
		if (c->ssl && !s->stopped) /* (stopping: no close_notify, see cap_x2x3_srv_stop) */
			(void)SSL_shutdown(c->ssl);
	}
	SSL_free(c->ssl);
	if (c->fd >= 0)
		close(c->fd);
	cap_x2x3_stream_free(c->rx);
	memset(c, 0, sizeof *c);
	c->fd = -1;
}

/* see x2x3.h */
void cap_x2x3_srv_stop_accepting(struct cap_x2x3_srv *s)
{
	if (!s || s->lfd < 0)
		return;
	close(s->lfd);
	s->lfd = -1;
}

/* see x2x3.h */
void cap_x2x3_srv_stop(struct cap_x2x3_srv *s)
{
	if (!s || s->stopped)
		return;
	s->stopped = true;
	cap_x2x3_srv_stop_accepting(s);
	for (size_t i = 0; s->c && i < CAP_X2X3_MAX_SLOTS; i++)
		conn_close(s, &s->c[i], "the service stops");
}

/* see x2x3.h */
void cap_x2x3_srv_free(struct cap_x2x3_srv *s)
{
	if (!s)
		return;
	for (size_t i = 0; s->c && i < CAP_X2X3_MAX_SLOTS; i++)
		conn_close(s, &s->c[i], "listener closed");
	free(s->c);
	if (s->lfd >= 0)
		close(s->lfd);
	SSL_CTX_free(s->ctx);
	sk_X509_CRL_pop_free(s->crls, X509_CRL_free);
	free(s);
}

/* see x2x3.h */
size_t cap_x2x3_srv_pollfds(const struct cap_x2x3_srv *s, struct pollfd *pfd, size_t max)
{
	size_t n = 0;
	if (max == 0 || s->stopped)
		return 0;
	if (s->lfd >= 0) { /* (none once it stops accepting) */
		pfd[n].fd = s->lfd;
		pfd[n].events = POLLIN;
		pfd[n++].revents = 0;
	}
	for (size_t i = 0; i < CAP_X2X3_MAX_SLOTS && n < max; i++) {
		const struct conn *c = &s->c[i];
		if (c->st == C_FREE)
			continue;
		pfd[n].fd = c->fd;
		/* POLLOUT: acks to write, or work left (a writable socket wakes poll at once), or a
		 * handshake that waits to write: the POI reads its flight and sends nothing
		 * until it has all of it, so waiting for input stalled it to its timeout */
		pfd[n].events =
			(short)(POLLIN |
				(c->out_len || c->again || (c->st == C_HANDSHAKE && c->hs_write)
					 ? POLLOUT
					 : 0));
		pfd[n++].revents = 0;
	}
	return n;
}

static size_t poi_of(struct cap_x2x3_srv *s, const char *name)
{
	for (size_t i = 0; i < s->st.n_poi; i++)
		if (strcmp(s->st.poi[i].name, name) == 0)
			return i;
	if (s->st.n_poi >= CAP_X2X3_MAX_POIS)
		return SIZE_MAX; /* counted in the totals only */
	snprintf(s->st.poi[s->st.n_poi].name, sizeof s->st.poi[0].name, "%s", name);
	return s->st.n_poi++;
}

static void set_src(struct conn *c, const struct sockaddr_storage *ss)
{
	const struct in6_addr *a6 = &((const struct sockaddr_in6 *)ss)->sin6_addr;
	memset(c->src, 0, sizeof c->src);
	c->src_v6 = ss->ss_family == AF_INET6 && !IN6_IS_ADDR_V4MAPPED(a6);
	if (c->src_v6)
		memcpy(c->src, a6, 8);
	else if (ss->ss_family == AF_INET6) /* an IPv4 peer of a [::] listener: its address */
		memcpy(c->src, a6->s6_addr + 12, 4);
	else if (ss->ss_family == AF_INET)
		memcpy(c->src, &((const struct sockaddr_in *)ss)->sin_addr, 4);
}

static bool same_src(const struct conn *a, const struct conn *b)
{
	return a->src_v6 == b->src_v6 && memcmp(a->src, b->src, sizeof a->src) == 0;
}

/* The handshake to close for a new connection: the oldest of the source holding the most (of
 * sources holding as many, the oldest handshake of all: a new connection takes the lowest
 * free slot, so a tie broken by slot would close the connection that came last, a POI's). */
static struct conn *evictee(struct cap_x2x3_srv *s)
{
	struct conn *best = NULL;
	size_t best_n = 0;
	for (size_t i = 0; i < CAP_X2X3_MAX_SLOTS; i++) {
		struct conn *c = &s->c[i];
		size_t n = 0;
		bool older = true;
		if (c->st != C_HANDSHAKE)
			continue;
		for (size_t j = 0; j < CAP_X2X3_MAX_SLOTS; j++)
			if (s->c[j].st == C_HANDSHAKE && same_src(c, &s->c[j])) {
				n++;
				older = older && s->c[j].id >= c->id;
			}
		if (older && (n > best_n || (n == best_n && c->id < best->id))) {
			/* (c is its source's oldest) */
			best = c;
			best_n = n;
		}
	}
	return best;
}

static void accept_all(struct cap_x2x3_srv *s, uint64_t now_ms)
{
	for (int k = 0; k < 16; k++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		struct conn *c = NULL;
		int fd = accept(s->lfd, (struct sockaddr *)&ss, &sl);
		char host[NI_MAXHOST], serv[NI_MAXSERV];
		if (fd < 0)
			return;
		s->st.accepted++;
		if (nonblock(fd) != 0) {
			s->st.tls_failed++;
			close(fd);
			continue;
		}
		/* (more than max_conns after a reload lowered it: refused below, none closed) */
		if (s->st.handshaking == s->max_conns) {
			struct conn *v = evictee(s);
			if (v) {
				if (now_ms - s->evict_said_ms >= 10000 || !s->evict_said_ms) {
					lim_warn(
						"x2x3: %zu TLS handshakes under way: the oldest of "
						"%s's closed for a new connection (%" PRIu64
						" so far)",
						s->st.handshaking, v->peer, s->st.hs_evicted + 1);
					s->evict_said_ms = now_ms ? now_ms : 1;
				}
				s->st.tls_failed++;
				s->st.hs_evicted++;
				conn_close(s, v, "evicted");
			}
		}
		/* a free slot: open ones are at most CAP_X2X3_MAX_CONNS, handshakes max_conns */
		for (size_t i = 0; i < CAP_X2X3_MAX_SLOTS && s->st.handshaking < s->max_conns; i++)
			if (s->c[i].st == C_FREE) {
				c = &s->c[i];
				break;
			}
		if (!c) { /* (handshakes above a cap a reload lowered) */
			s->st.refused_full++;
			close(fd);
			continue;
		}
		memset(c, 0, sizeof *c);
		c->fd = fd;
		c->poi = SIZE_MAX;
		c->id = ++s->next_id;
		c->hs_deadline = now_ms + s->hs_ms;
		set_src(c, &ss);
		if (getnameinfo((struct sockaddr *)&ss, sl, host, sizeof host, serv, sizeof serv,
				NI_NUMERICHOST | NI_NUMERICSERV) == 0)
			snprintf(c->peer, sizeof c->peer, "%.46s:%.8s", host, serv);
		else
			snprintf(c->peer, sizeof c->peer, "unknown");
		c->ssl = SSL_new(s->ctx);
		c->st = C_HANDSHAKE;
		s->st.handshaking++;
		if (!c->ssl || SSL_set_fd(c->ssl, fd) != 1) {
			s->st.tls_failed++;
			conn_close(s, c, "out of memory");
			continue;
		}
	}
}

/* The POI's name: its certificate's subject CN, else the peer address. */
static void name_poi(struct cap_x2x3_srv *s, struct conn *c)
{
	char cn[64] = "";
	X509 *x = SSL_get1_peer_certificate(c->ssl);
	if (x) {
		X509_NAME *n = X509_get_subject_name(x);
		int len = n ? X509_NAME_get_text_by_NID(n, NID_commonName, cn, sizeof cn) : -1;
		if (len <= 0)
			cn[0] = '\0';
		for (char *p = cn; *p; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
				*p = '?';
		X509_free(x);
	}
	c->poi = poi_of(s, cn[0] ? cn : c->peer);
	if (c->poi < s->st.n_poi) {
		s->st.poi[c->poi].conns++;
		s->st.poi[c->poi].active++;
		s->st.poi[c->poi].last_ms = s->wall_ms;
	}
	if (cn[0]) {
		char peer[64];
		snprintf(peer, sizeof peer, "%s", c->peer);
		snprintf(c->peer, sizeof c->peer, "%.30s@%.30s", cn, peer);
	}
}

/* An OpenSSL reason for a certificate alert received from the peer: bad_certificate (42),
 * unsupported_certificate, certificate_revoked, certificate_expired, certificate_unknown (46)
 * or unknown_ca (48) (RFC 8446 s6.2; 47 is illegal_parameter). */
static bool cert_alert(int reason)
{
	int a = reason - SSL_AD_REASON_OFFSET;
	return (a >= SSL_AD_BAD_CERTIFICATE && a <= SSL_AD_CERTIFICATE_UNKNOWN) ||
	       a == SSL_AD_UNKNOWN_CA;
}

static void handshake(struct cap_x2x3_srv *s, struct conn *c, uint64_t now_ms)
{
	int r = SSL_accept(c->ssl);
	if (r == 1) {
		if (s->crls && SSL_get_SSL_CTX(c->ssl) != s->ctx &&
		    revoked_chain(c->ssl, s->crls)) {
			/* begun before a reload whose CRLs revoke it */
			s->st.tls_failed++;
			s->st.hs_bad_cert++;
			lim_warn("x2x3: %s: client certificate refused: a reloaded CRL revokes it",
				 c->peer);
			conn_close(s, c, "handshake");
			return;
		}
		if (s->st.active >= s->max_conns) {
			s->st.refused_full++;
			lim_warn("x2x3: %s: %zu connections open: a new one is refused", c->peer,
				 s->st.active);
			conn_close(s, c, "full");
			return;
		}
		/* the stream's buffer only now: a handshake holds none */
		if (cap_x2x3_stream_new(s->max_pdu, &c->rx) != LIM_OK) {
			s->st.tls_failed++;
			conn_close(s, c, "out of memory");
			return;
		}
		c->st = C_OPEN;
		if (s->st.handshaking)
			s->st.handshaking--;
		s->st.active++;
		name_poi(s, c);
		lim_info("x2x3: POI %s connected (connection %llu)", c->peer,
			 (unsigned long long)c->id);
		return;
	}
	r = SSL_get_error(c->ssl, r);
	switch (r) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		c->hs_write = r == SSL_ERROR_WANT_WRITE;
		if (now_ms < c->hs_deadline)
			return;
		s->st.tls_failed++;
		s->st.hs_timeout++;
		lim_warn("x2x3: %s: TLS handshake timed out", c->peer);
		break;
	default: {
		/* why, for the counters: no certificate, one that did not verify, or else */
		unsigned long e = ERR_peek_error();
		long vr = SSL_get_verify_result(c->ssl);
		const char *what = "TLS handshake failed";
		s->st.tls_failed++;
		if (ERR_GET_LIB(e) == ERR_LIB_SSL &&
		    ERR_GET_REASON(e) == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE) {
			s->st.hs_no_cert++;
			what = "no client certificate";
		} else if (vr != X509_V_OK ||
			   (ERR_GET_LIB(e) == ERR_LIB_SSL &&
			    ERR_GET_REASON(e) == SSL_R_CERTIFICATE_VERIFY_FAILED)) {
			s->st.hs_bad_cert++;
			what = "client certificate refused (not signed by the X2/X3 CA?)";
		} else if (ERR_GET_LIB(e) == ERR_LIB_SSL && cert_alert(ERR_GET_REASON(e))) {
			/* the POI does not trust our certificate (e.g. after a rotation) */
			s->st.hs_refused_ours++;
			what = "the POI refused this listener's certificate (its CA?)";
		}
		lim_warn("x2x3: %s: %s: %s%s%s", c->peer, what, ssl_err(),
			 vr != X509_V_OK ? ": " : "",
			 vr != X509_V_OK ? X509_verify_cert_error_string(vr) : "");
		break;
	}
	}
	conn_close(s, c, "handshake");
}

/* Writes what is queued; false when the connection must close. A write that could not finish
 * is retried with the same length (OpenSSL's rule), acks queued meanwhile go after it. */
static bool flush_out(struct conn *c)
{
	while (c->out_len) {
		size_t n = c->out_retry ? c->out_retry : c->out_len;
		int r = SSL_write(c->ssl, c->out, (int)n);
		if (r <= 0) {
			r = SSL_get_error(c->ssl, r);
			c->out_retry = n;
			return r == SSL_ERROR_WANT_READ || r == SSL_ERROR_WANT_WRITE;
		}
		c->out_retry = 0;
		memmove(c->out, c->out + n, c->out_len - n);
		c->out_len -= n;
	}
	return true;
}

/* Keep-alive: answered with a keep-alive acknowledgement echoing its sequence number (as
 * OpenLI's mediator does; TS 103 221-2 s5.x keep-alives). */
static bool answer_ka(struct cap_x2x3_srv *s, struct conn *c, const struct cap_x2x3_pdu *ka)
{
	struct cap_x2x3_pdu a;
	size_t len;
	memset(&a, 0, sizeof a);
	a.version = ka->version;
	a.type = CAP_X2X3_KEEPALIVE_ACK;
	memcpy(a.xid, ka->xid, 16);
	if (ka->present & (1u << CAP_X2X3_A_SEQ)) {
		a.present = 1u << CAP_X2X3_A_SEQ;
		a.seq = ka->seq;
	}
	if (cap_x2x3_encode(&a, c->out + c->out_len, sizeof c->out - c->out_len, &len) != LIM_OK)
		return false; /* the POI never reads its acks: give up on it */
	c->out_len += len;
	s->st.ka_answered++;
	return flush_out(c);
}

static void count(struct cap_x2x3_srv *s, struct conn *c, const struct cap_x2x3_pdu *p)
{
	struct cap_x2x3_poi *poi = c->poi < s->st.n_poi ? &s->st.poi[c->poi] : NULL;
	uint64_t n = (uint64_t)p->hdr_len + p->payload_len;
	uint64_t *by[2] = { NULL, NULL };
	s->st.pdus++;
	s->st.bytes += n;
	switch (p->type) {
	case CAP_X2X3_X2: by[0] = &s->st.x2, by[1] = poi ? &poi->x2 : NULL; break;
	case CAP_X2X3_X3: by[0] = &s->st.x3, by[1] = poi ? &poi->x3 : NULL; break;
	case CAP_X2X3_KEEPALIVE: by[0] = &s->st.ka, by[1] = poi ? &poi->ka : NULL; break;
	default: by[0] = &s->st.ka_ack, by[1] = poi ? &poi->ka_ack : NULL; break;
	}
	(*by[0])++;
	if (by[1])
		(*by[1])++;
	if (poi) {
		poi->bytes += n;
		poi->last_ms = s->wall_ms;
	}
}

/* Reads and delivers; closes the connection on a rejected PDU, EOF or error. */
static void serve(struct cap_x2x3_srv *s, struct conn *c)
{
	size_t delivered = 0;
	bool eof = false;
	c->again = false;
	if (!flush_out(c)) {
		conn_close(s, c, "write failed");
		return;
	}
	for (int k = 0; k < READS_PER_STEP && !eof; k++) {
		uint8_t *p;
		size_t room;
		int r;
		/* deliver what is whole first (frees room) */
		for (;;) {
			struct cap_x2x3_pdu pdu;
			enum cap_x2x3_rej rej;
			if (delivered >= PDUS_PER_STEP) {
				c->again = true;
				return;
			}
			rej = cap_x2x3_stream_next(c->rx, &pdu);
			if (rej == CAP_X2X3_MORE)
				break;
			if (rej != CAP_X2X3_OK) {
				char why[96];
				s->st.rej[rej]++;
				if (c->poi < s->st.n_poi)
					s->st.poi[c->poi].rejected++;
				lim_warn("x2x3: %s: PDU rejected (%s): closing the connection",
					 c->peer, cap_x2x3_rej_name(rej));
				snprintf(why, sizeof why, "rejected PDU (%s)",
					 cap_x2x3_rej_name(rej));
				/* the partial PDU is the rejected one, not a cut */
				cap_x2x3_stream_free(c->rx);
				c->rx = NULL;
				conn_close(s, c, why);
				return;
			}
			delivered++;
			count(s, c, &pdu);
			if (pdu.type == CAP_X2X3_KEEPALIVE) {
				if (!answer_ka(s, c, &pdu)) {
					conn_close(s, c, "keep-alive acknowledgement not sent");
					return;
				}
			} else if (pdu.type == CAP_X2X3_X2 || pdu.type == CAP_X2X3_X3) {
				struct cap_x2x3_in in = { &pdu,
							  c->poi < s->st.n_poi
								  ? s->st.poi[c->poi].name
								  : c->peer,
							  c->id };
				if (s->fn)
					s->fn(s->fnctx, &in);
			}
		}
		cap_x2x3_stream_space(c->rx, &p, &room);
		if (room == 0) {
			c->again = true;
			return;
		}
		r = SSL_read(c->ssl, p, room > INT32_MAX ? INT32_MAX : (int)room);
		if (r > 0) {
			cap_x2x3_stream_commit(c->rx, (size_t)r);
			continue;
		}
		switch (SSL_get_error(c->ssl, r)) {
		case SSL_ERROR_WANT_READ:
		case SSL_ERROR_WANT_WRITE: return;
		case SSL_ERROR_ZERO_RETURN: eof = true; break;
		default: eof = true; break;
		}
	}
	if (eof) {
		ERR_clear_error();
		conn_close(s, c, "disconnected");
		return;
	}
	/* the read budget ran out: the last SSL_read's octets are committed but not delivered,
	 * and OpenSSL may hold no more (SSL_pending 0) while the socket has nothing new (poll
	 * would not wake us): come back next step, whatever SSL_pending says */
	c->again = true;
}

/* see x2x3.h */
void cap_x2x3_srv_step(struct cap_x2x3_srv *s, const struct pollfd *pfd, size_t n, uint64_t now_ms)
{
	struct timespec ts;
	if (s->stopped)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	s->wall_ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
	for (size_t k = 0; k < n; k++)
		if (pfd[k].fd == s->lfd && (pfd[k].revents & POLLIN))
			accept_all(s, now_ms);
	for (size_t i = 0; i < CAP_X2X3_MAX_SLOTS; i++) {
		struct conn *c = &s->c[i];
		short rev = 0;
		if (c->st == C_FREE)
			continue;
		for (size_t k = 0; k < n; k++)
			if (pfd[k].fd == c->fd)
				rev = pfd[k].revents;
		if (c->st == C_HANDSHAKE) {
			if (rev || now_ms >= c->hs_deadline)
				handshake(s, c, now_ms);
			if (c->st != C_OPEN)
				continue;
		}
		if (rev || c->again || c->out_len)
			serve(s, c);
	}
}
