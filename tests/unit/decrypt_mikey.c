/* test_decrypt suites for mikey (to be filled by its owner). */
#include "tests/unit/decrypt_suites.h"

const struct lim_suite t_mikey_suites[] = {
	{ NULL, NULL },
};
