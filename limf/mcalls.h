/* The manifest's "calls" (DESIGN.md s7): each intercepted call's JSON object, kept as the
 * calls end and listed by CIN, up to a cap on their octets in all (limf/out.c: what the
 * bundle's manifest may hold less room for its other members). The calls that end after the
 * cap is reached are counted, not listed: their records are in their LIIDs' files all the
 * same, and the manifest says how many are missing from the list ("calls_not_listed").
 * Before, the call past the cap stopped the whole evidence recording: a long --record, or a
 * flood of INVITEs naming a target, lost every LIID's bundle. */
#ifndef LIMF_MCALLS_H
#define LIMF_MCALLS_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

struct limf_mcalls {
	size_t cap;       /* octets of objects listed at most */
	char *buf;        /* the listed objects, one after another, in the order they ended */
	size_t len, size; /* buf's octets used / allocated */
	struct limf_mcall {
		uint32_t cin;
		size_t off, len; /* in buf */
	} * at;
	size_t n, n_cap;
	uint64_t left_out; /* calls not listed: ended once the cap was reached */
};

void limf_mcalls_init(struct limf_mcalls *m, size_t cap);
/* Call cin's object obj[0..len) (no separators): LIM_OK (listed); LIM_E_LIMIT when it would
 * take the listed objects past the cap, or one did before (counted in left_out: the list is
 * the calls that ended first); LIM_E_NOMEM (neither listed nor counted). */
enum lim_err limf_mcalls_add(struct limf_mcalls *m, uint32_t cin, const char *obj,
			     size_t len) LIM_WUR;
/* Takes the calls that ended last off the list (counted in left_out) until
 * limf_mcalls_size is at most max (2 at least): the room the manifest has left once its other
 * members are written. Before limf_mcalls_write. */
void limf_mcalls_fit(struct limf_mcalls *m, size_t max);
/* Octets limf_mcalls_write writes ("[" objects by CIN, comma-separated, "]"). */
size_t limf_mcalls_size(const struct limf_mcalls *m);
/* Writes the list into out (limf_mcalls_size octets, no NUL), sorted by CIN (the order in
 * which the calls were intercepted, whatever the order in which they ended); returns the
 * octets written. */
size_t limf_mcalls_write(struct limf_mcalls *m, char *out);
void limf_mcalls_free(struct limf_mcalls *m);

#endif
