/* test_decrypt suites for eccsi (to be filled by its owner). */
#include "tests/unit/decrypt_suites.h"

const struct lim_suite t_eccsi_suites[] = {
	{ NULL, NULL },
};
