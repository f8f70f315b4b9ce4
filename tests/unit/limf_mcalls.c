/* limf/mcalls.c: the manifest's list of calls, by CIN, up to its cap; the calls past it are
 * counted, not listed. */
#include <stdio.h>
#include <string.h>

#include "limf/mcalls.h"
#include "tests/unit/check.h"

void t_mcalls(void);

/* m's list as a string (at most cap - 1 octets) */
static const char *list(struct limf_mcalls *m, char *out, size_t cap)
{
	size_t n = limf_mcalls_size(m);
	CHECK(n < cap);
	if (n >= cap)
		return "";
	CHECK(limf_mcalls_write(m, out) == n);
	out[n] = '\0';
	return out;
}

void t_mcalls(void)
{
	struct limf_mcalls m;
	char out[256];
	/* none: an empty list */
	limf_mcalls_init(&m, 32);
	CHECK(strcmp(list(&m, out, sizeof out), "[]") == 0);
	CHECK(m.left_out == 0);
	/* listed by CIN, not in the order they ended */
	CHECK(limf_mcalls_add(&m, 7, "{\"cin\":7}", 9) == LIM_OK);
	CHECK(limf_mcalls_add(&m, 2, "{\"cin\":2}", 9) == LIM_OK);
	CHECK(limf_mcalls_add(&m, 5, "{\"cin\":5}", 9) == LIM_OK);
	CHECK(strcmp(list(&m, out, sizeof out), "[{\"cin\":2},{\"cin\":5},{\"cin\":7}]") == 0);
	/* 27 of 32 octets used: a 9-octet object does not fit, and is counted; so is every later
	 * one, even one that would fit (the list is the calls that ended first) */
	CHECK(limf_mcalls_add(&m, 1, "{\"cin\":1}", 9) == LIM_E_LIMIT);
	CHECK(limf_mcalls_add(&m, 3, "{}", 2) == LIM_E_LIMIT);
	CHECK(m.left_out == 2 && m.n == 3);
	CHECK(strcmp(list(&m, out, sizeof out), "[{\"cin\":2},{\"cin\":5},{\"cin\":7}]") == 0);
	limf_mcalls_free(&m);
	/* exactly the cap fits; an object larger than the cap alone is left out */
	limf_mcalls_init(&m, 9);
	CHECK(limf_mcalls_add(&m, 1, "{\"cin\":1}", 9) == LIM_OK);
	CHECK(limf_mcalls_add(&m, 2, "{}", 2) == LIM_E_LIMIT);
	CHECK(strcmp(list(&m, out, sizeof out), "[{\"cin\":1}]") == 0);
	limf_mcalls_free(&m);
	limf_mcalls_init(&m, 8);
	CHECK(limf_mcalls_add(&m, 1, "{\"cin\":1}", 9) == LIM_E_LIMIT);
	CHECK(m.left_out == 1 && strcmp(list(&m, out, sizeof out), "[]") == 0);
	limf_mcalls_free(&m);
	/* fitted to the room the manifest has left: the calls that ended last go (counted), the
	 * list stays in CIN order; a room below "[]" leaves it empty */
	limf_mcalls_init(&m, 64);
	CHECK(limf_mcalls_add(&m, 7, "{\"cin\":7}", 9) == LIM_OK);
	CHECK(limf_mcalls_add(&m, 2, "{\"cin\":2}", 9) == LIM_OK);
	CHECK(limf_mcalls_add(&m, 5, "{\"cin\":5}", 9) == LIM_OK);
	limf_mcalls_fit(&m, 32);
	CHECK(m.left_out == 0 && limf_mcalls_size(&m) == 31);
	limf_mcalls_fit(&m, 30);
	CHECK(m.left_out == 1 &&
	      strcmp(list(&m, out, sizeof out), "[{\"cin\":2},{\"cin\":7}]") == 0);
	limf_mcalls_free(&m);
	limf_mcalls_init(&m, 64);
	CHECK(limf_mcalls_add(&m, 1, "{\"cin\":1}", 9) == LIM_OK);
	limf_mcalls_fit(&m, 10);
	CHECK(m.left_out == 1 && m.n == 0 && strcmp(list(&m, out, sizeof out), "[]") == 0);
	limf_mcalls_fit(&m, 0);
	CHECK(m.left_out == 1 && limf_mcalls_size(&m) == 2);
	limf_mcalls_free(&m);
	/* many: the buffer and the index grow (past their first 4096 octets and 64 entries) */
	limf_mcalls_init(&m, 1u << 20);
	for (uint32_t i = 0; i < 3000; i++) {
		char o[32];
		int n = snprintf(o, sizeof o, "{\"cin\":%u}", 2999 - i);
		CHECK(limf_mcalls_add(&m, 2999 - i, o, (size_t)n) == LIM_OK);
	}
	{
		static char big[64 * 1024];
		size_t n = limf_mcalls_size(&m);
		CHECK(n < sizeof big);
		if (n < sizeof big) {
			CHECK(limf_mcalls_write(&m, big) == n);
			big[n] = '\0';
			CHECK(strncmp(big, "[{\"cin\":0},{\"cin\":1},", 21) == 0);
			CHECK(n > 14 && strcmp(big + n - 14, ",{\"cin\":2999}]") == 0);
		}
	}
	limf_mcalls_free(&m);
}
