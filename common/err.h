/* limf common error codes (STYLE.md rule 6).
 * Every fallible function returns enum lim_err: LIM_OK (0) or a negative code. Outputs go by
 * pointer, last. Verification functions return only LIM_OK or LIM_E_AUTH (no reason oracle). */
#ifndef LIM_ERR_H
#define LIM_ERR_H

enum lim_err {
	LIM_OK = 0,
	LIM_E_PARSE = -1,   /* malformed input */
	LIM_E_TRUNC = -2,   /* input ends before a declared length */
	LIM_E_AUTH = -3,    /* a signature, tag, key check or re-check failed */
	LIM_E_NOMEM = -4,   /* allocation failed */
	LIM_E_LIMIT = -5,   /* an explicit cap was hit */
	LIM_E_STATE = -6,   /* call not allowed in this state (sticky errors, misuse) */
	LIM_E_IO = -7,      /* file/socket error */
	LIM_E_DB = -8,      /* database error */
	LIM_E_ARG = -9,     /* bad argument from the caller or the command line */
	LIM_E_CRYPTO = -10, /* the crypto library failed (not an input problem) */
	LIM_E_UNSUPP = -11  /* well-formed but not supported (unknown parameter set, ...) */
};

#define LIM_WUR __attribute__((warn_unused_result))

/* Static English text for e (never NULL). */
const char *lim_strerror(enum lim_err e);

#endif
