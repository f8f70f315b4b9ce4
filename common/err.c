#include "common/err.h"

/* see err.h */
const char *lim_strerror(enum lim_err e)
{
	switch (e) {
	case LIM_OK: return "ok";
	case LIM_E_PARSE: return "malformed input";
	case LIM_E_TRUNC: return "truncated input";
	case LIM_E_AUTH: return "authentication failed";
	case LIM_E_NOMEM: return "out of memory";
	case LIM_E_LIMIT: return "limit exceeded";
	case LIM_E_STATE: return "invalid state";
	case LIM_E_IO: return "I/O error";
	case LIM_E_DB: return "database error";
	case LIM_E_ARG: return "invalid argument";
	case LIM_E_CRYPTO: return "crypto library failure";
	case LIM_E_UNSUPP: return "unsupported";
	}
	return "unknown error";
}
