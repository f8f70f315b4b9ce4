/* limf/input.h limf_bg_digest: the digest computed beside the writer is the digest of what was
 * written, in order, however it was cut into pieces. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "handover/bundle.h"
#include "limf/input.h"
#include "tests/unit/check.h"

void t_bg_digest(void);

/* The digest of buf written in pieces of pseudo-random sizes up to max (seed). */
static void pieces(const uint8_t *buf, size_t len, size_t max, uint32_t seed, uint64_t *size,
		   uint8_t sha[32])
{
	struct limf_bg_digest *g = NULL;
	size_t at = 0;
	CHECK(limf_bg_digest_new(&g) == LIM_OK && g);
	if (!g)
		return;
	while (at < len) {
		size_t n;
		seed = seed * 1103515245u + 12345u;
		n = 1 + (seed >> 8) % max;
		if (n > len - at)
			n = len - at;
		limf_bg_digest_update(g, buf + at, n);
		at += n;
	}
	CHECK(limf_bg_digest_final(g, size, sha) == LIM_OK);
	limf_bg_digest_free(g);
}

void t_bg_digest(void)
{
	size_t len = (9u << 20) + 12345u; /* more than twice the ring, not a multiple of it */
	uint8_t *buf = malloc(len), ref[32], got[32];
	uint64_t rsize = 0, gsize = 0;
	struct ho_digest *d = NULL;
	struct limf_bg_digest *g = NULL;
	uint32_t x = 7;
	CHECK(buf != NULL);
	if (!buf)
		return;
	for (size_t i = 0; i < len; i++) {
		x = x * 1664525u + 1013904223u;
		buf[i] = (uint8_t)(x >> 24);
	}
	CHECK(ho_digest_new(&d) == LIM_OK);
	ho_digest_update(d, buf, len);
	CHECK(ho_digest_final(d, &rsize, ref) == LIM_OK && rsize == len);
	ho_digest_free(d);
	/* small pieces (a stdio reader's), large ones (past the ring's end and size), one */
	pieces(buf, len, 700, 1, &gsize, got);
	CHECK(gsize == len && memcmp(got, ref, 32) == 0);
	pieces(buf, len, 6u << 20, 2, &gsize, got);
	CHECK(gsize == len && memcmp(got, ref, 32) == 0);
	pieces(buf, len, len, 3, &gsize, got);
	CHECK(gsize == len && memcmp(got, ref, 32) == 0);
	/* a different octet: a different digest */
	buf[len / 2] ^= 1;
	pieces(buf, len, 4096, 4, &gsize, got);
	CHECK(gsize == len && memcmp(got, ref, 32) != 0);
	/* nothing written: the empty input's digest (SHA-256 of "") */
	{
		static const uint8_t empty[32] = { 0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14,
						   0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
						   0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c,
						   0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55 };
		CHECK(limf_bg_digest_new(&g) == LIM_OK);
		CHECK(limf_bg_digest_final(g, &gsize, got) == LIM_OK && gsize == 0 &&
		      memcmp(got, empty, 32) == 0);
		limf_bg_digest_free(g);
	}
	/* freed without final (a replay that stops early): the thread ends */
	CHECK(limf_bg_digest_new(&g) == LIM_OK);
	limf_bg_digest_update(g, buf, 5u << 20);
	limf_bg_digest_free(g);
	limf_bg_digest_free(NULL);
	free(buf);
}
