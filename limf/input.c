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
