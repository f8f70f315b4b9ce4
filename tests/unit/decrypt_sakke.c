/* test_decrypt suites for sakke (to be filled by its owner). */
#include "tests/unit/decrypt_suites.h"

const struct lim_suite t_sakke_suites[] = {
	{ NULL, NULL },
};
