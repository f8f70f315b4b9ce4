/* test_decrypt: suites of decrypt/ (SAKKE, ECCSI, MIKEY, KDF, UID). Each tests/unit/decrypt_*.c
 * file exports one suite table, listed here. `test_decrypt NAME...` runs a subset. */
#include "tests/unit/decrypt_suites.h"

int main(int argc, char **argv)
{
	struct lim_suite all[64];
	size_t n = 0;
	const struct lim_suite *const tables[] = DECRYPT_SUITE_TABLES;
	for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
		for (const struct lim_suite *s = tables[t]; s->name && n < 64; s++)
			all[n++] = *s;
	return lim_t_main(all, n, argc, argv);
}
