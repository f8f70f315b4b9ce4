/* The suite tables of test_decrypt, each NULL-terminated, defined in tests/unit/decrypt_*.c. */
#ifndef LIM_DECRYPT_SUITES_H
#define LIM_DECRYPT_SUITES_H

#include "tests/unit/check.h"

extern const struct lim_suite t_sakke_suites[];
extern const struct lim_suite t_eccsi_suites[];
extern const struct lim_suite t_mikey_suites[];
extern const struct lim_suite t_interop_suites[];
extern const struct lim_suite t_srtp_suites[];
extern const struct lim_suite t_group_suites[];
extern const struct lim_suite t_gmk_suites[];

#define DECRYPT_SUITE_TABLES                                                                       \
	{                                                                                          \
		t_sakke_suites, t_eccsi_suites, t_mikey_suites, t_interop_suites, t_srtp_suites,   \
			t_group_suites, t_gmk_suites                                               \
	}

#endif
