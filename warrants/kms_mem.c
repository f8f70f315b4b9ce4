/* see warrants/internal.h */
#include <curl/curl.h>
#include <libxml/parser.h>
#include <libxml/xmlmemory.h>
#include <malloc.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "warrants/internal.h"

/* see internal.h */
void wr_mem_free_with(void *p, void (*release)(void *))
{
	if (!p)
		return;
	/* the whole block as malloc sized it: libxml2 and curl do not say how much they used */
	OPENSSL_cleanse(p, malloc_usable_size(p));
	release(p);
}

/* see internal.h */
void *wr_mem_realloc_with(void *p, size_t n, void (*release)(void *))
{
	size_t have;
	void *q;
	if (!p)
		return malloc(n);
	if (n == 0) {
		/* realloc(p, 0) frees p (glibc); never reached by libxml2 or curl */
		wr_mem_free_with(p, release);
		return NULL;
	}
	have = malloc_usable_size(p);
	if (n <= have)
		return p; /* shrinks in place: the tail is wiped with the block when it is freed */
	/* grows: never realloc, which may move the block and free the old one unwiped */
	q = malloc(n);
	if (!q)
		return NULL; /* p stays valid, as realloc leaves it */
	memcpy(q, p, have);
	wr_mem_free_with(p, release);
	return q;
}

/* see internal.h */
void wr_mem_free(void *p)
{
	wr_mem_free_with(p, free);
}

/* see internal.h */
void *wr_mem_realloc(void *p, size_t n)
{
	return wr_mem_realloc_with(p, n, free);
}

static char *mem_strdup(const char *s)
{
	return strdup(s);
}

static pthread_once_t mem_once = PTHREAD_ONCE_INIT;
static CURLcode curl_status = CURLE_FAILED_INIT;

static void mem_init(void)
{
	/* libxml2 (2.9: also xmlMallocAtomic): the parser's copy of the input (an xmlBuf), its
	 * text nodes and every other block holding response text are wiped when freed. Blocks
	 * allocated before this point came from malloc too, so they free correctly. */
	xmlMemSetup(wr_mem_free, malloc, wr_mem_realloc, mem_strdup);
	xmlInitParser();
	/* curl: the download buffer and header copies are wiped when freed. Only the first
	 * global initialisation of the process picks the allocator (see wr_mem_init). */
	curl_status = curl_global_init_mem(CURL_GLOBAL_DEFAULT, malloc, wr_mem_free, wr_mem_realloc,
					   mem_strdup, calloc);
	/* wr_mem_ssl_ctx and the KMS client's TLS callback take curl's context for OpenSSL's
	 * SSL_CTX: curl accepts CURLOPT_SSL_CTX_FUNCTION with other back ends too (wolfSSL,
	 * mbedTLS), whose contexts those calls would corrupt. Debian's libcurl4-openssl is
	 * OpenSSL; another is refused here */
	if (curl_status == CURLE_OK) {
		const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
		if (!v || !v->ssl_version || strncmp(v->ssl_version, "OpenSSL/", 8) != 0)
			curl_status = CURLE_NOT_BUILT_IN;
	}
}

/* see internal.h */
enum lim_err wr_mem_init(void)
{
	if (pthread_once(&mem_once, mem_init) != 0 || curl_status != CURLE_OK)
		return LIM_E_IO;
	return LIM_OK;
}

/* see internal.h */
CURLcode wr_mem_ssl_ctx(CURL *c, void *ssl_ctx, void *ud)
{
	(void)c;
	(void)ud;
	/* OpenSSL 3.0: the record layer's plaintext copies are cleansed once delivered */
	SSL_CTX_set_options((SSL_CTX *)ssl_ctx, SSL_OP_CLEANSE_PLAINTEXT);
	return CURLE_OK;
}
