#include "limf/input.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/codec.h"
#include "common/log.h"
#include "common/thread.h"
#include "common/wipe.h"
#include "decrypt/srtp.h"

/* see input.h */
enum lim_err limf_read_all(const char *path, size_t cap, uint8_t **buf, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	uint8_t *b = NULL;
	size_t n = 0, bcap = 0;
	enum lim_err rc = LIM_OK;

	*buf = NULL;
	*len = 0;
	if (!f)
		return LIM_E_IO;
	for (;;) {
		if (bcap - n < 4096 + 1) {
			size_t ncap = bcap ? bcap * 2 : 8192;
			uint8_t *nb;
			if (bcap > cap + 8192) {
				rc = LIM_E_LIMIT;
				goto out;
			}
			nb = realloc(b, ncap);
			if (!nb) {
				rc = LIM_E_NOMEM;
				goto out;
			}
			b = nb;
			bcap = ncap;
		}
		size_t got = fread(b + n, 1, 4096, f);
		n += got;
		if (n > cap) {
			rc = LIM_E_LIMIT;
			goto out;
		}
		if (got < 4096) {
			if (ferror(f))
				rc = LIM_E_IO;
			break;
		}
	}
out:
	if (f != stdin)
		fclose(f);
	if (rc != LIM_OK) {
		if (b)
			lim_wipe(b, bcap);
		free(b);
		return rc;
	}
	if (!b) {
		b = malloc(1);
		if (!b)
			return LIM_E_NOMEM;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return LIM_OK;
}

#define KEY_FILE_MAX 8192 /* an RSK is 514 hex digits; room for whitespace */

/* see input.h */
enum lim_err limf_key_arg(const char *arg, int secret, uint8_t *out, size_t cap, size_t *outlen)
{
	/* Key files are read into one fixed buffer, never realloc'd, and wiped: no copy of a
	 * secret is left behind on the heap. */
	char text[KEY_FILE_MAX + 1];
	size_t n = 0;
	FILE *f;
	enum lim_err rc;

	*outlen = 0;
	if (arg[0] != '@') {
		if (secret)
			lim_warn("a secret key given on the command line is visible to other "
				 "users; prefer @FILE");
		return lim_hex_decode_ws(arg, strlen(arg), out, cap, outlen);
	}
	f = fopen(arg + 1, "rb");
	if (!f)
		return LIM_E_IO;
	setvbuf(f, NULL, _IONBF, 0); /* no stdio buffer holding a copy */
	n = fread(text, 1, sizeof text, f);
	rc = ferror(f) ? LIM_E_IO : n > KEY_FILE_MAX ? LIM_E_LIMIT : LIM_OK;
	fclose(f);
	if (rc == LIM_OK)
		rc = lim_hex_decode_ws(text, n, out, cap, outlen);
	LIM_WIPE(text);
	return rc;
}

/* see input.h */
int limf_sign_key(const char *path, struct ho_sign_key **out)
{
	char why[512];
	enum lim_err e = ho_sign_key_load(path, out, why, sizeof why);
	if (e == LIM_E_NOMEM)
		fprintf(stderr, "limf: out of memory\n");
	else if (e != LIM_OK)
		fprintf(stderr,
			"limf: the evidence signing key cannot be used: %s (it must be a readable, "
			"unencrypted Ed25519 private key in PEM: openssl genpkey -algorithm "
			"ed25519)\n",
			why);
	return e == LIM_OK ? 0 : 1;
}

static int is_b64_char(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/' || c == '=';
}

static int is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* see input.h */
enum lim_err limf_decode_imsg(const uint8_t *in, size_t inlen, uint8_t **out, size_t *outlen)
{
	size_t s = 0, e = inlen;
	uint8_t *b;
	enum lim_err rc;

	*out = NULL;
	*outlen = 0;
	/* A binary MIKEY message starts with version 1, which is not base64 text. */
	if (inlen > 0 && in[0] == 0x01) {
		b = malloc(inlen);
		if (!b)
			return LIM_E_NOMEM;
		memcpy(b, in, inlen);
		*out = b;
		*outlen = inlen;
		return LIM_OK;
	}
	while (s < e && is_space(in[s]))
		s++;
	while (e > s && is_space(in[e - 1]))
		e--;
	if (e - s >= 6 && memcmp(in + s, "mikey", 5) == 0 && is_space(in[s + 5])) {
		s += 6;
		while (s < e && is_space(in[s]))
			s++;
	}
	for (size_t i = s; i < e; i++)
		if (!is_b64_char(in[i]))
			return LIM_E_PARSE;
	b = malloc(e - s + 1);
	if (!b)
		return LIM_E_NOMEM;
	rc = lim_b64_decode((const char *)in + s, e - s, b, e - s + 1, outlen);
	if (rc != LIM_OK || *outlen == 0) {
		free(b);
		*outlen = 0;
		return rc != LIM_OK ? rc : LIM_E_PARSE;
	}
	*out = b;
	return LIM_OK;
}

struct limf_prep {
	pthread_t th;
	bool thread;
	enum lim_err srtp; /* lim_srtp_init's result (a failure shows again at lim_srtp_new) */
};

static void *prep_run(void *ctx)
{
	struct limf_prep *p = ctx;
	p->srtp = lim_srtp_init();
	return NULL;
}

/* see input.h */
enum lim_err limf_prep_start(struct limf_prep **out)
{
	struct limf_prep *p = calloc(1, sizeof *p);
	*out = NULL;
	if (!p)
		return LIM_E_NOMEM;
	p->thread = lim_thread_start(&p->th, prep_run, p, "limf-prep") == 0;
	if (!p->thread)
		prep_run(p);
	*out = p;
	return LIM_OK;
}

/* see input.h */
void limf_prep_free(struct limf_prep *p)
{
	if (!p)
		return;
	if (p->thread)
		pthread_join(p->th, NULL);
	free(p);
}

/* ---- a digest computed on a thread of its own ------------------------------------------- */

#define BG_RING (4u << 20) /* octets in flight from the reader to the hashing thread */

struct limf_bg_digest {
	struct ho_digest *d;
	pthread_t th;
	bool thread; /* else the caller's thread hashes */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint8_t *ring;
	uint64_t head, tail; /* octets written / hashed, under mu */
	bool end, waiting;   /* the writer said all; a side waits (under mu) */
};

static void *bg_run(void *ctx)
{
	struct limf_bg_digest *g = ctx;
	pthread_mutex_lock(&g->mu);
	for (;;) {
		size_t off, n;
		while (g->head == g->tail && !g->end) {
			g->waiting = true;
			pthread_cond_wait(&g->cv, &g->mu);
		}
		if (g->head == g->tail)
			break; /* the end, all hashed */
		off = (size_t)(g->tail % BG_RING);
		n = (size_t)(g->head - g->tail);
		if (n > BG_RING - off)
			n = BG_RING - off;
		pthread_mutex_unlock(&g->mu);
		/* the writer never touches [tail, head) */
		ho_digest_update(g->d, g->ring + off, n);
		pthread_mutex_lock(&g->mu);
		g->tail += n;
		if (g->waiting) {
			g->waiting = false;
			pthread_cond_broadcast(&g->cv);
		}
	}
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

/* see input.h */
enum lim_err limf_bg_digest_new(struct limf_bg_digest **out)
{
	struct limf_bg_digest *g = calloc(1, sizeof *g);
	*out = NULL;
	if (!g)
		return LIM_E_NOMEM;
	if (ho_digest_new(&g->d) != LIM_OK) {
		free(g);
		return LIM_E_NOMEM;
	}
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->cv, NULL);
	g->ring = malloc(BG_RING);
	g->thread = g->ring && lim_thread_start(&g->th, bg_run, g, "limf-hash") == 0;
	*out = g;
	return LIM_OK;
}

/* see input.h */
void limf_bg_digest_update(struct limf_bg_digest *g, const uint8_t *p, size_t n)
{
	if (!g->thread) {
		ho_digest_update(g->d, p, n);
		return;
	}
	while (n > 0) {
		size_t off, room;
		pthread_mutex_lock(&g->mu);
		while (g->head - g->tail == BG_RING) {
			g->waiting = true;
			pthread_cond_wait(&g->cv, &g->mu);
		}
		off = (size_t)(g->head % BG_RING);
		room = BG_RING - (size_t)(g->head - g->tail);
		pthread_mutex_unlock(&g->mu);
		if (room > BG_RING - off)
			room = BG_RING - off;
		if (room > n)
			room = n;
		/* the hashing thread never reads [head, tail+RING) */
		memcpy(g->ring + off, p, room);
		pthread_mutex_lock(&g->mu);
		g->head += room;
		if (g->waiting) {
			g->waiting = false;
			pthread_cond_broadcast(&g->cv);
		}
		pthread_mutex_unlock(&g->mu);
		p += room;
		n -= room;
	}
}

/* Stops the thread once everything written is hashed. */
static void bg_stop(struct limf_bg_digest *g)
{
	if (!g->thread)
		return;
	pthread_mutex_lock(&g->mu);
	g->end = true;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
	pthread_join(g->th, NULL);
	g->thread = false;
}

/* see input.h */
enum lim_err limf_bg_digest_final(struct limf_bg_digest *g, uint64_t *size, uint8_t sha[32])
{
	bg_stop(g);
	return ho_digest_final(g->d, size, sha);
}

/* see input.h */
void limf_bg_digest_free(struct limf_bg_digest *g)
{
	if (!g)
		return;
	bg_stop(g);
	ho_digest_free(g->d);
	free(g->ring); /* octets of the capture file: nothing secret */
	pthread_mutex_destroy(&g->mu);
	pthread_cond_destroy(&g->cv);
	free(g);
}
