/* The sequence counters of a spool (handover/spool.c, deliver.h): one per (IRI|CC, CIN,
 * LIID), each the next sequenceNumber of that key. Found, set and dropped in constant time
 * whatever their number (a flood of calls in progress holds a million), and the counters of
 * one CIN, every LIID's, dropped at once when its call ends.
 *
 * Layout: the entries in one array (a free list through the holes), and an open-addressing
 * index (linear probing) keyed by (IRI|CC, CIN) whose slots hold the first entry of that key's
 * chain: the entries of one (IRI|CC, CIN), one per LIID, linked through `link`. A call has few
 * LIIDs (limf: at most LIMF_CALL_MAX_LIIDS), so a chain is short. Dropping the last counter
 * frees everything (memory goes back after a flood). Not thread-safe. */
#ifndef HO_SEQTAB_H
#define HO_SEQTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "handover/handover.h"

struct ho_seqent {
	uint8_t cc; /* 0 IRI, 1 CC; HO_SEQ_FREE: a hole on the free list */
	uint32_t cin;
	char liid[HO_LIID_MAX + 1];
	uint32_t next; /* the counter: the next sequenceNumber */
	uint32_t link; /* the next entry of the chain, or of the free list (HO_SEQ_NIL: none) */
};

#define HO_SEQ_FREE 0xffu
#define HO_SEQ_NIL  UINT32_MAX

struct ho_seqtab {
	struct ho_seqent *e;
	size_t n_e, cap_e; /* entries used (holes included) / allocated */
	uint32_t free_head;
	size_t live;     /* counters held */
	uint32_t *ix;    /* 0 empty, HO_SEQ_NIL a tombstone, else 1 + a chain's first entry */
	size_t ix_cap;   /* a power of two (0: none yet) */
	size_t ix_heads; /* slots holding a chain */
	size_t ix_tombs; /* tombstones */
};

/* An empty table (no allocation until the first counter). */
void ho_seqtab_init(struct ho_seqtab *t);
/* Frees everything; the table is empty (init) after. */
void ho_seqtab_clear(struct ho_seqtab *t);
/* The counter of the key, or NULL when none is held. liid: NUL-terminated. */
uint32_t *ho_seqtab_get(const struct ho_seqtab *t, uint8_t cc, uint32_t cin, const char *liid);
/* Sets the key's counter to next, making it when not held. LIM_E_ARG (liid empty or longer than
 * HO_LIID_MAX, cc not 0/1), LIM_E_NOMEM, LIM_E_LIMIT (2^32 - 2 entries). */
LIM_WUR enum lim_err ho_seqtab_set(struct ho_seqtab *t, uint8_t cc, uint32_t cin, const char *liid,
				   uint32_t next);
/* Drops the counters of (liid, cin), IRI and CC, or of every LIID of cin when liid is NULL.
 * True when any was held. */
bool ho_seqtab_drop(struct ho_seqtab *t, const char *liid, uint32_t cin);
/* The counters held, in *out (malloc'd, the caller frees; NULL when none) sorted by
 * (IRI|CC, CIN, LIID): the seq file's order. Returns how many, or SIZE_MAX (out of memory). */
size_t ho_seqtab_sorted(const struct ho_seqtab *t, const struct ho_seqent ***out);

#endif
