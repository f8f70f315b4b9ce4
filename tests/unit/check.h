/* Minimal test harness (STYLE.md rule 19). Each test binary has a table of named suites;
 * `test_x name...` runs a subset. CHECK() prints file:line on failure and counts it; the binary
 * prints "N passed, N failed" last and exits non-zero when anything failed. */
#ifndef LIM_CHECK_H
#define LIM_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern unsigned long lim_t_pass, lim_t_fail;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (cond) {                                                                        \
			lim_t_pass++;                                                              \
		} else {                                                                           \
			lim_t_fail++;                                                              \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);   \
		}                                                                                  \
	} while (0)

#define CHECK_EQ_MEM(a, b, n) CHECK(memcmp((a), (b), (n)) == 0)

struct lim_suite {
	const char *name;
	void (*fn)(void);
};

/* Runs the suites named in argv (all when none), prints the totals, returns the exit code. */
int lim_t_main(const struct lim_suite *suites, size_t n, int argc, char **argv);

/* Directory holding shared/vectors (set by the Makefile as LIMF_VECTORS, default
 * ../shared/vectors). */
const char *lim_t_vectors_dir(void);
/* Reads a whole file into a malloc'd NUL-terminated buffer; exits the test binary on failure. */
char *lim_t_read_file(const char *path, size_t *len);

/* KAT files (tests/kat/NAME.vec): lines "name = hex", '#' comments. Finds the line for name in
 * the NUL-terminated text and hex-decodes its value into out[0..cap); *n gets the length.
 * Returns 0 on success, -1 when the name is missing or the value is not hex (and prints why). */
int lim_t_vec_hex(const char *text, const char *name, uint8_t *out, size_t cap, size_t *n);

#endif
