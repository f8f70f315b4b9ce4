/* Delivery link to an authority's HI2 / HI3: a non-blocking state machine over TCP or TLS that
 * sends spooled PS-PDUs and confirms them with keep-alives (see deliver.h). */
#define _GNU_SOURCE /* getaddrinfo_a: names resolve beside the step, never in it */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "common/err.h"
#include "common/pkey.h"
#include "handover/ber.h"
#include "handover/deliver.h"
#include "handover/handover.h"

#define OUT_FILL  65536u /* stop filling the output buffer past this */
#define OUT_CAP   (OUT_FILL + HO_PDU_MAX + 2 * KA_CAP)
#define IN_CAP    4096u /* responses are keep-aliveResponses (~60 octets) */
#define PROBE_MAX 64u   /* keep-alives outstanding */
#define KA_CAP    256u

/* What the authority sends, read as BER (ho_ber_to_der): the decoder's depth, IN_CAP. */
static const struct ho_ber_limits in_lim = { HO_PDU_DEPTH, IN_CAP };

/* A keep-alive in the output buffer or on the wire. It counts as sent - for its timeout, and for
 * a response to confirm anything - only once its last octet has been written to the socket
 * (written): queued bytes may never reach the peer (the connection can die first), and until
 * they are written nothing the peer says can be an answer to them. */
struct probe {
	uint32_t seq;  /* the keep-alive's sequenceNumber (echoed in the response) */
	uint64_t idx;  /* records below idx were written before it */
	size_t end;    /* offset just past it in the output buffer, while not written */
	bool written;  /* its last octet went to the socket */
	uint64_t sent; /* when that happened */
};

/* CONNECTING: a host name being resolved (getaddrinfo_a: the step never waits on a resolver),
 * the TCP connect to one of its addresses, the TLS handshake. */
enum phase { PH_RESOLVE, PH_TCP, PH_TLS };
#define RESOLVE_POLL_MS 20 /* how often a resolution in progress is looked at */

struct ho_link {
	struct ho_link_cfg cfg;
	struct ho_spool *sp; /* borrowed */
	char host[256], port[16], name[256];
	bool name_is_ip;
	SSL_CTX *ctx;
	SSL *ssl;
	int fd;
	/* the resolution of host (a name, not an address literal): started at a connection
	 * attempt; heap-allocated because a request the resolver has begun cannot be cancelled:
	 * it is then left to finish (gai_busy) and collected at the next attempt, or, when the
	 * link is freed, abandoned to the resolver thread (a few hundred octets) */
	struct gaicb *gai;
	bool gai_busy;
	/* the addresses of this attempt, tried in turn (the resolver's order) until one connects:
	 * a name whose first address is unreachable still connects by the next */
	struct addrinfo *ais, *ai_cur;
	enum ho_link_state state;
	enum phase phase;
	bool want_write;   /* TLS wants the socket writable */
	uint64_t deadline; /* connect timeout, or end of back-off */
	uint32_t failures;
	uint64_t next_idx; /* next record to write */
	uint64_t max_idx;  /* highest record index ever written + 1 (re-send accounting) */
	uint32_t since_probe;
	struct probe probes[PROBE_MAX];
	size_t np;
	bool answered;                         /* a response arrived on this connection */
	struct ho_psheader ka_peer[PROBE_MAX]; /* the peer's keep-alives to answer (echoed) */
	size_t nka_peer;
	uint8_t *out;
	size_t out_len, out_off;
	uint8_t in[IN_CAP];
	uint8_t der[IN_CAP]; /* a PDU of in as DER (read_in) */
	size_t in_len;
	uint64_t last_send;
	uint32_t ka_seq;
	bool draining, done;
	uint64_t drain_deadline;
	uint64_t rng_state;
	struct ho_link_stats st;
	/* a read error met while earlier records of the same fill were queued: those are sent and
	 * confirmed first, then the link fails (HO_LINK_SPOOL_ERROR); cleared by drop_conn */
	enum lim_err rd_err;
};

static uint64_t xorshift(void *ctx)
{
	uint64_t *s = ctx;
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

/* see deliver.h */
const char *ho_link_state_name(enum ho_link_state s)
{
	switch (s) {
	case HO_LINK_DOWN: return "down";
	case HO_LINK_CONNECTING: return "connecting";
	case HO_LINK_UP: return "up";
	case HO_LINK_BACKOFF: return "backoff";
	case HO_LINK_CLOSED: return "closed";
	case HO_LINK_SPOOL_ERROR: return "spool_error";
	}
	return "?";
}

/* "host:port" or "[v6]:port". */
static bool split_addr(const char *a, char *host, size_t hcap, char *port, size_t pcap)
{
	const char *colon, *h = a;
	size_t hl;
	if (a[0] == '[') {
		const char *rb = strchr(a, ']');
		if (!rb || rb[1] != ':')
			return false;
		h = a + 1;
		hl = (size_t)(rb - h);
		colon = rb + 1;
	} else {
		colon = strrchr(a, ':');
		if (!colon)
			return false;
		hl = (size_t)(colon - a);
	}
	if (hl == 0 || hl >= hcap || strlen(colon + 1) == 0 || strlen(colon + 1) >= pcap)
		return false;
	for (const char *c = colon + 1; *c; c++)
		if (*c < '0' || *c > '9')
			return false;
	memcpy(host, h, hl);
	host[hl] = '\0';
	memcpy(port, colon + 1, strlen(colon + 1) + 1);
	return true;
}

static bool is_ip_literal(const char *h)
{
	struct in6_addr a6;
	struct in_addr a4;
	return inet_pton(AF_INET, h, &a4) == 1 || inet_pton(AF_INET6, h, &a6) == 1;
}

/* see deliver.h */
enum lim_err ho_link_new(const struct ho_link_cfg *cfg, struct ho_spool *spool,
			 struct ho_link **out, char *why, size_t whycap)
{
	struct ho_link *l;
	enum lim_err err = LIM_E_ARG;
	char r[600] = "";
	*out = NULL;
	if (why && whycap)
		why[0] = 0;
	if (!cfg || !cfg->addr || !spool) {
		if (why && whycap)
			snprintf(why, whycap, "no address or no spool");
		return LIM_E_ARG;
	}
	l = calloc(1, sizeof *l);
	if (!l) {
		if (why && whycap)
			snprintf(why, whycap, "%s", lim_strerror(LIM_E_NOMEM));
		return LIM_E_NOMEM;
	}
	l->fd = -1;
	l->cfg = *cfg;
	l->cfg.addr = NULL;
	l->sp = spool;
	if (!split_addr(cfg->addr, l->host, sizeof l->host, l->port, sizeof l->port)) {
		snprintf(r, sizeof r, "%s: not HOST:PORT or [IPv6]:PORT", cfg->addr);
		goto out;
	}
	if (!l->cfg.connect_timeout_ms)
		l->cfg.connect_timeout_ms = 5000;
	if (!l->cfg.backoff_min_ms)
		l->cfg.backoff_min_ms = 100;
	if (!l->cfg.backoff_max_ms)
		l->cfg.backoff_max_ms = 30000;
	if (l->cfg.backoff_max_ms < l->cfg.backoff_min_ms)
		l->cfg.backoff_max_ms = l->cfg.backoff_min_ms;
	if (!l->cfg.keepalive_idle_ms)
		l->cfg.keepalive_idle_ms = 10000;
	if (!l->cfg.keepalive_timeout_ms)
		l->cfg.keepalive_timeout_ms = 10000;
	if (!l->cfg.confirm_every)
		l->cfg.confirm_every = 256;
	if (!l->cfg.window)
		l->cfg.window = 4096;
	if (l->cfg.confirm_every > l->cfg.window)
		l->cfg.confirm_every = l->cfg.window;
	if (!l->cfg.rng) {
		l->rng_state = 0x9e3779b97f4a7c15ULL;
		l->cfg.rng = xorshift;
		l->cfg.rng_ctx = &l->rng_state;
	}
	{
		/* the keep-alive header must encode */
		uint8_t ka[KA_CAP];
		size_t n;
		if (ho_encode_keepalive(&l->cfg.ka_hdr, ka, sizeof ka, &n) != LIM_OK) {
			snprintf(r, sizeof r, "the keep-alive's PS header does not encode");
			goto out;
		}
	}
	/* a client certificate without a CA to check the server against would be silently
	 * ignored (plain TCP): refused, so that a half-written TLS setup never goes out in clear */
	if (!cfg->tls_ca && (cfg->tls_cert || cfg->tls_key || cfg->tls_name)) {
		snprintf(r, sizeof r, "a client certificate, key or server name without a CA");
		goto out;
	}
	err = LIM_E_NOMEM;
	l->out = malloc(OUT_CAP);
	if (!l->out)
		goto out;
	if (cfg->tls_ca) {
		const char *nm = cfg->tls_name ? cfg->tls_name : l->host;
		err = LIM_E_ARG;
		if (strlen(nm) >= sizeof l->name) {
			snprintf(r, sizeof r, "the server name is too long");
			goto out;
		}
		memcpy(l->name, nm, strlen(nm) + 1);
		l->name_is_ip = is_ip_literal(l->name);
		err = LIM_E_CRYPTO;
		l->ctx = SSL_CTX_new(TLS_client_method());
		if (!l->ctx || !SSL_CTX_set_min_proto_version(l->ctx, TLS1_2_VERSION)) {
			snprintf(r, sizeof r, "OpenSSL could not make a TLS context");
			goto out;
		}
		if (SSL_CTX_load_verify_locations(l->ctx, cfg->tls_ca, NULL) != 1) {
			snprintf(r, sizeof r, "%s: no CA certificate could be read (PEM)",
				 cfg->tls_ca);
			goto out;
		}
		if ((cfg->tls_cert != NULL) != (cfg->tls_key != NULL)) {
			err = LIM_E_ARG;
			snprintf(r, sizeof r,
				 "a client certificate without its key, or a key "
				 "without its certificate");
			goto out;
		}
		if (cfg->tls_cert) {
			char kwhy[400];
			EVP_PKEY *pk = lim_pkey_load(cfg->tls_key, kwhy, sizeof kwhy); /* (wiped) */
			bool ok = false;
			if (!pk)
				snprintf(r, sizeof r, "%s", kwhy);
			else if (SSL_CTX_use_certificate_chain_file(l->ctx, cfg->tls_cert) != 1)
				snprintf(r, sizeof r,
					 "%s: no client certificate could be read (PEM)",
					 cfg->tls_cert);
			else if (SSL_CTX_use_PrivateKey(l->ctx, pk) != 1 ||
				 SSL_CTX_check_private_key(l->ctx) != 1)
				snprintf(r, sizeof r,
					 "%s: the key does not match the certificate %s",
					 cfg->tls_key, cfg->tls_cert);
			else
				ok = true;
			EVP_PKEY_free(pk);
			if (!ok)
				goto out;
		}
		SSL_CTX_set_verify(l->ctx, SSL_VERIFY_PEER, NULL);
		SSL_CTX_set_mode(l->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
						 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	}
	l->state = HO_LINK_DOWN;
	err = LIM_OK;
out:
	if (err != LIM_OK) {
		ERR_clear_error();
		ho_link_free(l);
		if (why && whycap)
			snprintf(why, whycap, "%s", r[0] ? r : lim_strerror(err));
		return err;
	}
	*out = l;
	return LIM_OK;
}

/* Ends a resolution in progress (see struct ho_link: gai). */
static void gai_stop(struct ho_link *l)
{
	if (!l->gai_busy)
		return;
	if (gai_cancel(l->gai) == EAI_NOTCANCELED)
		return; /* still running: collected later */
	l->gai_busy = false;
	if (l->gai->ar_result) {
		freeaddrinfo(l->gai->ar_result);
		l->gai->ar_result = NULL;
	}
}

/* A resolution left running by gai_stop has finished since: its result is dropped. */
static bool gai_collect(struct ho_link *l)
{
	if (!l->gai_busy)
		return true;
	if (gai_error(l->gai) == EAI_INPROGRESS)
		return false;
	l->gai_busy = false;
	if (l->gai->ar_result) {
		freeaddrinfo(l->gai->ar_result);
		l->gai->ar_result = NULL;
	}
	return true;
}

static void drop_conn(struct ho_link *l, bool graceful)
{
	gai_stop(l);
	if (l->ais) {
		freeaddrinfo(l->ais);
		l->ais = l->ai_cur = NULL;
	}
	if (l->ssl) {
		if (graceful)
			(void)SSL_shutdown(l->ssl);
		SSL_free(l->ssl);
		l->ssl = NULL;
	}
	if (l->fd >= 0) {
		close(l->fd);
		l->fd = -1;
	}
	ERR_clear_error();
	l->out_len = l->out_off = 0;
	l->in_len = 0;
	l->np = 0;
	l->nka_peer = 0;
	l->since_probe = 0;
	l->want_write = false;
	l->answered = false;
	l->rd_err = LIM_OK;
}

/* see deliver.h */
void ho_link_free(struct ho_link *l)
{
	if (!l)
		return;
	drop_conn(l, false);
	/* a resolution that could not be cancelled owns its request until it ends: left to it,
	 * never waited for (a link is freed at a reload, under the pipeline's sink lock) */
	(void)gai_collect(l);
	if (!l->gai_busy) {
		if (l->gai) {
			free((char *)l->gai->ar_name);
			free((char *)l->gai->ar_service);
			free((void *)l->gai->ar_request);
		}
		free(l->gai);
	}
	SSL_CTX_free(l->ctx);
	free(l->out);
	free(l);
}

/* The delay before the next attempt (exponential, capped, "equal jitter": half the delay fixed,
 * half random); sets the deadline. */
static void retry_later(struct ho_link *l, uint64_t now)
{
	uint64_t base = l->cfg.backoff_min_ms;
	for (uint32_t i = 0; i < l->failures && base < l->cfg.backoff_max_ms; i++)
		base *= 2;
	if (base > l->cfg.backoff_max_ms)
		base = l->cfg.backoff_max_ms;
	if (l->failures < 64)
		l->failures++;
	base = base / 2 + l->cfg.rng(l->cfg.rng_ctx) % (base / 2 + 1);
	l->st.backoff_ms = (uint32_t)base;
	l->deadline = now + base;
}

/* A failed attempt or a lost connection: close and wait before the next attempt. */
static void backoff(struct ho_link *l, uint64_t now, enum lim_err why)
{
	if (l->state == HO_LINK_UP)
		l->st.disconnects++;
	else
		l->st.connect_failures++;
	l->st.last_err = why;
	drop_conn(l, false);
	retry_later(l, now);
	l->state = HO_LINK_BACKOFF;
}

/* A spool operation failed: nothing more can be sent or confirmed on this connection. Close
 * it (what was written and not confirmed is sent again later), say why in the stats, and try
 * again after the usual back-off: a transient error (EIO) may clear; a lasting one fails
 * again at every attempt and stays reported. what...: the operation, in words. */
__attribute__((format(printf, 4, 5))) static void spool_fail(struct ho_link *l, uint64_t now,
							     enum lim_err e, const char *what, ...)
{
	char op[80];
	va_list ap;
	if (l->state == HO_LINK_UP)
		l->st.disconnects++;
	l->st.spool_errors++;
	l->st.spool_err = e;
	va_start(ap, what);
	(void)vsnprintf(op, sizeof op, what, ap);
	va_end(ap);
	snprintf(l->st.error, sizeof l->st.error, "%s: %s", op, lim_strerror(e));
	drop_conn(l, false);
	retry_later(l, now);
	l->state = HO_LINK_SPOOL_ERROR;
}

/* Starts the TCP connect to the next address of this attempt (after ai_cur); when none is
 * left, the attempt has failed (back-off). */
static void next_addr(struct ho_link *l, uint64_t now)
{
	int one = 1;
	for (struct addrinfo *a = l->ai_cur ? l->ai_cur->ai_next : l->ais; a; a = a->ai_next) {
		int fd;
		l->ai_cur = a;
		if (l->fd >= 0) {
			close(l->fd);
			l->fd = -1;
		}
		fd = socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		l->fd = fd;
		l->phase = PH_TCP;
		l->deadline = now + l->cfg.connect_timeout_ms; /* for this address */
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0 || errno == EINPROGRESS)
			return;
	}
	backoff(l, now, LIM_E_IO);
}

/* The TCP connect to ai_cur failed or timed out: the next address, if any. */
static void addr_failed(struct ho_link *l, uint64_t now)
{
	if (l->ai_cur && l->ai_cur->ai_next)
		next_addr(l, now);
	else
		backoff(l, now, LIM_E_IO);
}

static void start_connect(struct ho_link *l, uint64_t now)
{
	struct addrinfo hints, *ai = NULL;
	int r;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | AI_NUMERICHOST;
	l->state = HO_LINK_CONNECTING;
	l->deadline = now + l->cfg.connect_timeout_ms;
	/* an address literal needs no resolver */
	r = getaddrinfo(l->host, l->port, &hints, &ai);
	if (r == 0 && ai) {
		l->ais = ai;
		l->ai_cur = NULL;
		next_addr(l, now);
		return;
	}
	if (ai)
		freeaddrinfo(ai);
	if (r != EAI_NONAME || !gai_collect(l)) {
		backoff(l, now, LIM_E_IO); /* (the previous resolution is still running) */
		return;
	}
	/* a name: resolved in the background (getaddrinfo_a), looked at by each step */
	if (!l->gai) {
		struct addrinfo *h = malloc(sizeof *h);
		l->gai = calloc(1, sizeof *l->gai);
		if (!h || !l->gai) {
			free(h);
			free(l->gai);
			l->gai = NULL;
			backoff(l, now, LIM_E_NOMEM);
			return;
		}
		memset(h, 0, sizeof *h);
		h->ai_family = AF_UNSPEC;
		h->ai_socktype = SOCK_STREAM;
		h->ai_flags = AI_NUMERICSERV;
		l->gai->ar_name = strdup(l->host);
		l->gai->ar_service = strdup(l->port);
		l->gai->ar_request = h;
		if (!l->gai->ar_name || !l->gai->ar_service) {
			free((char *)l->gai->ar_name);
			free((char *)l->gai->ar_service);
			free(h);
			free(l->gai);
			l->gai = NULL;
			backoff(l, now, LIM_E_NOMEM);
			return;
		}
	}
	l->gai->ar_result = NULL;
	{
		struct gaicb *list[1] = { l->gai };
		struct sigevent sev;
		memset(&sev, 0, sizeof sev);
		sev.sigev_notify = SIGEV_NONE;
		if (getaddrinfo_a(GAI_NOWAIT, list, 1, &sev) != 0) {
			backoff(l, now, LIM_E_IO);
			return;
		}
	}
	l->gai_busy = true;
	l->phase = PH_RESOLVE;
}

/* PH_RESOLVE: the name's addresses, once the resolver has them. */
static void resolve_step(struct ho_link *l, uint64_t now)
{
	int r = gai_error(l->gai);
	if (r == EAI_INPROGRESS)
		return; /* the connect deadline bounds the wait (ho_link_step) */
	l->gai_busy = false;
	if (r != 0 || !l->gai->ar_result) {
		if (l->gai->ar_result) {
			freeaddrinfo(l->gai->ar_result);
			l->gai->ar_result = NULL;
		}
		backoff(l, now, LIM_E_IO);
		return;
	}
	l->ais = l->gai->ar_result;
	l->gai->ar_result = NULL;
	l->ai_cur = NULL;
	next_addr(l, now);
}

static void became_up(struct ho_link *l, uint64_t now)
{
	struct ho_spool_stats ss;
	ho_spool_get_stats(l->sp, &ss);
	l->state = HO_LINK_UP;
	l->st.connects++;
	l->next_idx = ss.confirmed; /* resume at the confirmed position */
	l->last_send = now;
}

/* TLS handshake step. */
static void tls_step(struct ho_link *l, uint64_t now)
{
	int r;
	if (!l->ssl) {
		l->ssl = SSL_new(l->ctx);
		if (!l->ssl || SSL_set_fd(l->ssl, l->fd) != 1) {
			backoff(l, now, LIM_E_CRYPTO);
			return;
		}
		if (l->name[0]) {
			if (l->name_is_ip) {
				if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(l->ssl),
								  l->name) != 1) {
					backoff(l, now, LIM_E_CRYPTO);
					return;
				}
			} else if (SSL_set1_host(l->ssl, l->name) != 1 ||
				   SSL_set_tlsext_host_name(l->ssl, l->name) != 1) {
				backoff(l, now, LIM_E_CRYPTO);
				return;
			}
		}
		SSL_set_connect_state(l->ssl);
	}
	r = SSL_do_handshake(l->ssl);
	if (r == 1) {
		l->want_write = false;
		became_up(l, now);
		return;
	}
	switch (SSL_get_error(l->ssl, r)) {
	case SSL_ERROR_WANT_READ: l->want_write = false; return;
	case SSL_ERROR_WANT_WRITE: l->want_write = true; return;
	default: backoff(l, now, LIM_E_AUTH);
	}
}

static void connect_step(struct ho_link *l, uint64_t now)
{
	if (l->phase == PH_RESOLVE) {
		resolve_step(l, now);
		if (l->state != HO_LINK_CONNECTING || l->phase == PH_RESOLVE)
			return;
	}
	if (l->phase == PH_TCP) {
		struct pollfd p = { .fd = l->fd, .events = POLLOUT };
		int soerr = 0;
		socklen_t sl = sizeof soerr;
		if (poll(&p, 1, 0) <= 0)
			return;
		if (getsockopt(l->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr != 0) {
			addr_failed(l, now);
			return;
		}
		/* connected: the other addresses are not needed */
		if (l->ais)
			freeaddrinfo(l->ais);
		l->ais = l->ai_cur = NULL;
		if (!l->ctx) {
			became_up(l, now);
			return;
		}
		l->phase = PH_TLS;
	}
	tls_step(l, now);
}

static uint64_t sp_confirmed(const struct ho_link *l)
{
	struct ho_spool_stats ss;
	ho_spool_get_stats(l->sp, &ss);
	return ss.confirmed;
}

/* What read_in found. */
enum rd_res {
	RD_OK,
	RD_LOST,  /* the connection was lost or the peer sent something malformed */
	RD_EARLY, /* a response to a keep-alive not yet fully written (see read_in) */
	RD_SPOOL  /* persisting a confirmation failed (*spool_e) */
};

/* Reads what the peer sent and acts on keep-alive responses. */
static enum rd_res read_in(struct ho_link *l, enum lim_err *spool_e, uint64_t *conf_idx)
{
	for (;;) {
		ssize_t r;
		size_t off = 0;
		if (l->in_len == IN_CAP)
			return RD_LOST; /* a PDU larger than any keep-alive response */
		if (l->ssl) {
			int n = SSL_read(l->ssl, l->in + l->in_len, (int)(IN_CAP - l->in_len));
			if (n <= 0) {
				int e = SSL_get_error(l->ssl, n);
				if (e == SSL_ERROR_WANT_READ)
					break;
				if (e == SSL_ERROR_WANT_WRITE) {
					l->want_write = true;
					break;
				}
				return RD_LOST;
			}
			r = n;
		} else {
			r = recv(l->fd, l->in + l->in_len, IN_CAP - l->in_len, 0);
			if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
				break;
			if (r <= 0)
				return RD_LOST;
		}
		l->in_len += (size_t)r;
		for (;;) {
			size_t plen, dlen;
			struct ho_pdu pdu;
			enum lim_err e;
			/* the authority may write BER (long-form or indefinite lengths,
			 * constructed strings: X.690): made DER, then decoded */
			if (off == l->in_len)
				break;
			if (l->in[off] != 0x30)
				return RD_LOST; /* not a PS-PDU SEQUENCE */
			e = ho_ber_to_der(l->in + off, l->in_len - off, &in_lim, l->der,
					  sizeof l->der, &plen, &dlen);
			if (e == LIM_E_TRUNC)
				break;
			if (e != LIM_OK || ho_decode_pdu(l->der, dlen, &pdu) != LIM_OK)
				return RD_LOST;
			off += plen;
			if (pdu.kind == HO_PAYLOAD_KEEPALIVE) {
				/* the LEMF's own keep-alive: answered (echoing its header) when the
				 * output buffer is next empty; beyond PROBE_MAX, dropped */
				if (l->nka_peer < PROBE_MAX) {
					l->ka_peer[l->nka_peer++] = pdu.hdr;
				}
				continue;
			}
			if (pdu.kind != HO_PAYLOAD_KEEPALIVE_RESPONSE)
				continue; /* data PDUs are not expected from a LEMF; ignored */
			/* responses come in order: older probes without an answer are skipped */
			for (size_t i = 0; i < l->np; i++) {
				if (l->probes[i].seq != pdu.hdr.seqno)
					continue;
				/* The peer cannot have read a keep-alive that is still (partly) in
				 * our output buffer, so this answer is forged (keep-alive numbers
				 * are predictable: on plain TCP anyone on the path can send one)
				 * or the peer is broken. Either way it must not confirm records
				 * that were never written - the spool would delete them as
				 * delivered - and nothing else this connection says can be
				 * trusted: a protocol error that drops the connection, rather
				 * than ignoring it and carrying on. */
				if (!l->probes[i].written)
					return RD_EARLY;
				l->st.ka_answered++;
				l->answered = true;
				l->failures = 0;
				if (l->probes[i].idx > sp_confirmed(l)) {
					e = ho_spool_confirm(l->sp, l->probes[i].idx);
					if (e != LIM_OK) {
						*spool_e = e;
						*conf_idx = l->probes[i].idx;
						return RD_SPOOL;
					}
				}
				memmove(l->probes, l->probes + i + 1,
					(l->np - i - 1) * sizeof l->probes[0]);
				l->np -= i + 1;
				break;
			}
		}
		memmove(l->in, l->in + off, l->in_len - off);
		l->in_len -= off;
	}
	return RD_OK;
}

/* Appends a keep-alive confirming the records below next_idx. */
static bool add_probe(struct ho_link *l)
{
	struct ho_psheader h = l->cfg.ka_hdr;
	struct timespec ts;
	size_t n;
	if (l->np == PROBE_MAX || OUT_CAP - l->out_len < KA_CAP)
		return false;
	clock_gettime(CLOCK_REALTIME, &ts);
	h.seqno = l->ka_seq;
	h.ts_sec = (uint32_t)ts.tv_sec;
	h.ts_usec = (uint32_t)(ts.tv_nsec / 1000);
	if (ho_encode_keepalive(&h, l->out + l->out_len, OUT_CAP - l->out_len, &n) != LIM_OK)
		return false; /* checked in ho_link_new */
	l->out_len += n;
	l->probes[l->np].seq = l->ka_seq++;
	l->probes[l->np].idx = l->next_idx;
	l->probes[l->np].end = l->out_len;
	l->probes[l->np].written = false; /* flush() marks it and starts its timer */
	l->probes[l->np].sent = 0;
	l->np++;
	l->since_probe = 0;
	l->st.ka_sent++;
	return true;
}

/* Queues keep-aliveResponses to the LEMF's keep-alives (TS 102 232-1: either end may send). */
static void answer_peer(struct ho_link *l)
{
	for (size_t i = 0; i < l->nka_peer; i++) {
		size_t n;
		/* each answer echoes its own keep-alive's header */
		if (ho_encode_keepalive_response(&l->ka_peer[i], l->out + l->out_len,
						 OUT_CAP - l->out_len, &n) == LIM_OK)
			l->out_len += n;
	}
	l->nka_peer = 0;
}

/* Fills the (empty) output buffer with synced records and the keep-alives that confirm them.
 * An index the spool says holds nothing to send (a damaged record it quarantined) is passed
 * over and confirmed with the others. A record that cannot be read (an I/O error) ends the
 * fill: when records of this connection wait for their confirmation (queued now or in
 * flight), they are confirmed first (l->rd_err holds the error and nothing more is read);
 * then, or at once when none wait, the error is returned and *bad_idx names the record. */
static enum lim_err fill(struct ho_link *l, uint64_t *bad_idx)
{
	struct ho_spool_stats ss;
	bool stop = false;
	if (l->rd_err != LIM_OK) {
		if (l->np)
			return LIM_OK; /* still waiting for the confirmation */
		*bad_idx = l->next_idx;
		return l->rd_err;
	}
	ho_spool_get_stats(l->sp, &ss);
	while (l->out_len < OUT_FILL && l->next_idx < ss.synced &&
	       l->next_idx - ss.confirmed < l->cfg.window && l->np < PROBE_MAX) {
		size_t n;
		enum lim_err e = ho_spool_read(l->sp, l->next_idx, l->out + l->out_len,
					       OUT_CAP - l->out_len - KA_CAP, &n);
		if (e != LIM_OK) {
			if (l->since_probe == 0 && l->np == 0) {
				*bad_idx = l->next_idx;
				return e;
			}
			l->rd_err = e;
			stop = true;
			break;
		}
		if (n) {
			l->out_len += n;
			l->st.sent++;
			l->st.bytes += n;
			if (l->next_idx < l->max_idx)
				l->st.resent++;
		} else {
			l->st.skipped++; /* damaged, quarantined by the spool: nothing to send */
		}
		/* a skipped index counts like a record: the next keep-alive confirms it too */
		l->next_idx++;
		if (l->next_idx > l->max_idx)
			l->max_idx = l->next_idx;
		if (++l->since_probe >= l->cfg.confirm_every)
			(void)add_probe(l);
	}
	/* the end of a burst (or of the window, or before an unreadable record) is confirmed too */
	if (l->since_probe && (stop || l->next_idx == ss.synced || l->out_len >= OUT_FILL ||
			       l->next_idx - ss.confirmed >= l->cfg.window))
		(void)add_probe(l);
	return LIM_OK;
}

/* Writes the output buffer; false when the connection is lost. A keep-alive counts as sent
 * once its last octet is written (struct probe). */
static bool flush(struct ho_link *l, uint64_t now)
{
	while (l->out_off < l->out_len) {
		size_t n = l->out_len - l->out_off;
		ssize_t w;
		if (l->ssl) {
			int r = SSL_write(l->ssl, l->out + l->out_off,
					  n > 1u << 30 ? 1 << 30 : (int)n);
			if (r <= 0) {
				int e = SSL_get_error(l->ssl, r);
				if (e == SSL_ERROR_WANT_WRITE) {
					l->want_write = true;
					return true;
				}
				if (e == SSL_ERROR_WANT_READ)
					return true;
				return false;
			}
			w = r;
		} else {
			w = send(l->fd, l->out + l->out_off, n, MSG_NOSIGNAL);
			if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
				l->want_write = true;
				return true;
			}
			if (w <= 0)
				return false;
		}
		l->want_write = false;
		l->out_off += (size_t)w;
		l->last_send = now;
		/* probes are in buffer order: the written ones come first */
		for (size_t k = 0; k < l->np; k++) {
			if (l->probes[k].written)
				continue;
			if (l->probes[k].end > l->out_off)
				break;
			l->probes[k].written = true;
			l->probes[k].sent = now;
		}
	}
	l->out_off = l->out_len = 0;
	return true;
}

static void close_done(struct ho_link *l, bool graceful)
{
	drop_conn(l, graceful);
	l->state = HO_LINK_CLOSED;
	l->done = true;
}

/* When the keep-alive timer of an UP link runs out: the oldest written keep-alive's answer is
 * due keepalive_timeout_ms after it was written; while output waits and no keep-alive is
 * written, the peer must take some of it within the same time (else it reads nothing, and a
 * keep-alive stuck behind the output would never be sent); otherwise an idle keep-alive is due
 * keepalive_idle_ms after the last write. *idle: the last case. */
static uint64_t ka_due(const struct ho_link *l, bool *idle)
{
	*idle = false;
	if (l->np && l->probes[0].written)
		return l->probes[0].sent + l->cfg.keepalive_timeout_ms;
	if (l->out_len > l->out_off || l->np)
		return l->last_send + l->cfg.keepalive_timeout_ms;
	*idle = true;
	return l->last_send + l->cfg.keepalive_idle_ms;
}

/* see deliver.h */
enum lim_err ho_link_step(struct ho_link *l, uint64_t now)
{
	struct ho_spool_stats ss;
	enum lim_err e;
	if (l->done)
		return LIM_OK;
	if (l->state == HO_LINK_SPOOL_ERROR && now < l->deadline) {
		/* nothing to do until the retry (no connection is open) */
		if (l->draining && now >= l->drain_deadline)
			close_done(l, false);
		return LIM_OK;
	}
	ho_spool_get_stats(l->sp, &ss);

	if (ss.synced < ss.head) {
		e = ho_spool_sync(l->sp); /* group commit: nothing unsynced is ever sent */
		if (e != LIM_OK) {
			spool_fail(l, now, e, "syncing the spool");
			return e;
		}
		ho_spool_get_stats(l->sp, &ss);
	}
	if (l->draining) {
		if (ss.confirmed == ss.head && (l->state != HO_LINK_UP || l->out_len == 0)) {
			close_done(l, true);
			return LIM_OK;
		}
		if (now >= l->drain_deadline) {
			close_done(l, false);
			return LIM_OK;
		}
	}
	switch (l->state) {
	case HO_LINK_BACKOFF:
	case HO_LINK_SPOOL_ERROR:
		if (now < l->deadline)
			break;
		l->state = HO_LINK_DOWN;
		/* fall through */
	case HO_LINK_DOWN:
		start_connect(l, now);
		if (l->state != HO_LINK_CONNECTING)
			break;
		/* fall through */
	case HO_LINK_CONNECTING:
		connect_step(l, now);
		if (l->state == HO_LINK_CONNECTING && now >= l->deadline) {
			if (l->phase == PH_TCP)
				addr_failed(l, now); /* this address timed out: the next one */
			else
				backoff(l, now, LIM_E_IO); /* resolution or TLS handshake */
		}
		if (l->state != HO_LINK_UP)
			break;
		/* fall through */
	case HO_LINK_UP: {
		enum lim_err se = LIM_OK;
		uint64_t idx = 0;
		bool idle;
		switch (read_in(l, &se, &idx)) {
		case RD_OK: break;
		case RD_LOST: backoff(l, now, LIM_E_IO); return LIM_OK;
		case RD_EARLY: backoff(l, now, LIM_E_PARSE); return LIM_OK;
		case RD_SPOOL:
			spool_fail(l, now, se, "confirming the records below %" PRIu64, idx);
			return se;
		}
		for (int round = 0; round < 16; round++) {
			if (l->out_len == 0)
				answer_peer(l);
			if (l->out_len == 0) {
				e = fill(l, &idx);
				if (e != LIM_OK) {
					spool_fail(l, now, e, "reading record %" PRIu64, idx);
					return e;
				}
				/* a fill that read what it had to: a spool error is past */
				if (l->rd_err == LIM_OK && l->st.spool_err != LIM_OK) {
					l->st.spool_err = LIM_OK;
					l->st.error[0] = '\0';
				}
			}
			if (l->out_len == 0 && l->np == 0 &&
			    now - l->last_send >= l->cfg.keepalive_idle_ms)
				(void)add_probe(l); /* idle keep-alive */
			if (l->out_len == 0)
				break;
			if (!flush(l, now)) {
				backoff(l, now, LIM_E_IO);
				return LIM_OK;
			}
			if (l->out_len)
				break; /* the socket is full */
		}
		if (now >= ka_due(l, &idle) && !idle) {
			l->st.ka_timeouts++;
			backoff(l, now, LIM_E_STATE);
		}
		break;
	}
	case HO_LINK_CLOSED: break;
	}
	return LIM_OK;
}

static int until(uint64_t now, uint64_t t)
{
	if (t <= now)
		return 0;
	return t - now > 0x7fffffff ? 0x7fffffff : (int)(t - now);
}

/* see deliver.h */
size_t ho_link_fds(struct ho_link *l, struct pollfd *pfd, size_t cap, uint64_t now_ms,
		   int *timeout_ms)
{
	int t = -1;
	struct ho_spool_stats ss;
	*timeout_ms = -1;
	if (l->done)
		return 0;
	ho_spool_get_stats(l->sp, &ss);
	if (l->draining)
		t = until(now_ms, l->drain_deadline);
	switch (l->state) {
	case HO_LINK_DOWN: t = 0; break;
	case HO_LINK_BACKOFF:
	case HO_LINK_SPOOL_ERROR: {
		int b = until(now_ms, l->deadline);
		t = t < 0 || b < t ? b : t;
		break;
	}
	case HO_LINK_CONNECTING:
	case HO_LINK_UP: {
		int d;
		bool idle;
		if (l->state == HO_LINK_CONNECTING)
			d = until(now_ms, l->deadline);
		else
			d = until(now_ms, ka_due(l, &idle));
		t = t < 0 || d < t ? d : t;
		if (l->state == HO_LINK_CONNECTING && l->phase == PH_RESOLVE) {
			/* no descriptor yet: look at the resolution again shortly */
			if (t < 0 || t > RESOLVE_POLL_MS)
				t = RESOLVE_POLL_MS;
			break;
		}
		if (l->state == HO_LINK_UP && ss.synced < ss.head)
			t = 0; /* a sync is due */
		if (cap == 0)
			break;
		pfd[0].fd = l->fd;
		pfd[0].events = POLLIN;
		pfd[0].revents = 0;
		if (l->state == HO_LINK_CONNECTING
			    ? (l->phase == PH_TCP || l->want_write)
			    : (l->want_write || l->out_len > l->out_off ||
			       (l->rd_err == LIM_OK && l->next_idx < ss.synced &&
				l->next_idx - ss.confirmed < l->cfg.window && l->np < PROBE_MAX)))
			pfd[0].events |= POLLOUT;
		*timeout_ms = t;
		return 1;
	}
	case HO_LINK_CLOSED: break;
	}
	*timeout_ms = t;
	return 0;
}

/* see deliver.h */
void ho_link_drain(struct ho_link *l, uint64_t deadline_ms)
{
	l->draining = true;
	l->drain_deadline = deadline_ms;
}

/* see deliver.h */
bool ho_link_done(const struct ho_link *l)
{
	return l->done;
}

/* see deliver.h */
void ho_link_get_stats(const struct ho_link *l, struct ho_link_stats *st)
{
	*st = l->st;
	st->state = l->state;
	st->confirmed = sp_confirmed(l);
}
