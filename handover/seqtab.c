/* Sequence counters by (IRI|CC, CIN, LIID): see seqtab.h. */
#include "handover/seqtab.h"

#include <stdlib.h>
#include <string.h>

/* (IRI|CC, CIN) -> a slot: CINs are consecutive, so they are mixed (a 32-bit finalizer) */
static size_t slot_of(uint8_t cc, uint32_t cin, size_t cap)
{
	uint32_t h = cin * 2u + cc;
	h ^= h >> 16;
	h *= 0x7feb352du;
	h ^= h >> 15;
	h *= 0x846ca68bu;
	h ^= h >> 16;
	return (size_t)h & (cap - 1);
}

/* see seqtab.h */
void ho_seqtab_init(struct ho_seqtab *t)
{
	memset(t, 0, sizeof *t);
	t->free_head = HO_SEQ_NIL;
}

/* see seqtab.h */
void ho_seqtab_clear(struct ho_seqtab *t)
{
	free(t->e);
	free(t->ix);
	ho_seqtab_init(t);
}

/* The index slot of (cc, cin)'s chain, or SIZE_MAX when it has none. */
static size_t find_slot(const struct ho_seqtab *t, uint8_t cc, uint32_t cin)
{
	if (!t->ix_cap)
		return SIZE_MAX;
	for (size_t i = slot_of(cc, cin, t->ix_cap), n = 0; n < t->ix_cap;
	     i = (i + 1) & (t->ix_cap - 1), n++) {
		uint32_t v = t->ix[i];
		if (v == 0)
			return SIZE_MAX;
		if (v != HO_SEQ_NIL && t->e[v - 1].cc == cc && t->e[v - 1].cin == cin)
			return i;
	}
	return SIZE_MAX;
}

/* see seqtab.h */
uint32_t *ho_seqtab_get(const struct ho_seqtab *t, uint8_t cc, uint32_t cin, const char *liid)
{
	size_t s = find_slot(t, cc, cin);
	if (s == SIZE_MAX)
		return NULL;
	for (uint32_t k = t->ix[s] - 1; k != HO_SEQ_NIL; k = t->e[k].link)
		if (strcmp(t->e[k].liid, liid) == 0)
			return &t->e[k].next;
	return NULL;
}

/* Re-makes the index with cap slots (no tombstones). */
static enum lim_err reindex(struct ho_seqtab *t, size_t cap)
{
	uint32_t *ix = calloc(cap, sizeof *ix);
	if (!ix)
		return LIM_E_NOMEM;
	for (size_t i = 0; i < t->ix_cap; i++) {
		uint32_t v = t->ix[i];
		size_t j;
		if (v == 0 || v == HO_SEQ_NIL)
			continue;
		for (j = slot_of(t->e[v - 1].cc, t->e[v - 1].cin, cap); ix[j];
		     j = (j + 1) & (cap - 1))
			;
		ix[j] = v;
	}
	free(t->ix);
	t->ix = ix;
	t->ix_cap = cap;
	t->ix_tombs = 0;
	return LIM_OK;
}

/* An entry for a new counter (from the free list, or the array grown). */
static enum lim_err new_entry(struct ho_seqtab *t, uint32_t *out)
{
	if (t->free_head != HO_SEQ_NIL) {
		*out = t->free_head;
		t->free_head = t->e[*out].link;
		return LIM_OK;
	}
	if (t->n_e >= (size_t)HO_SEQ_NIL - 1)
		return LIM_E_LIMIT;
	if (t->n_e == t->cap_e) {
		size_t nc = t->cap_e ? t->cap_e * 2 : 64;
		struct ho_seqent *e;
		if (nc > (size_t)HO_SEQ_NIL - 1)
			nc = (size_t)HO_SEQ_NIL - 1;
		e = realloc(t->e, nc * sizeof *e);
		if (!e)
			return LIM_E_NOMEM;
		t->e = e;
		t->cap_e = nc;
	}
	*out = (uint32_t)t->n_e++;
	return LIM_OK;
}

/* see seqtab.h */
enum lim_err ho_seqtab_set(struct ho_seqtab *t, uint8_t cc, uint32_t cin, const char *liid,
			   uint32_t next)
{
	size_t s, n = strlen(liid);
	uint32_t k;
	enum lim_err e;
	if (n == 0 || n > HO_LIID_MAX || cc > 1)
		return LIM_E_ARG;
	/* one probe: the key's counter when held, else where its chain is (or none) */
	s = find_slot(t, cc, cin);
	for (k = s == SIZE_MAX ? HO_SEQ_NIL : t->ix[s] - 1; k != HO_SEQ_NIL; k = t->e[k].link)
		if (strcmp(t->e[k].liid, liid) == 0) {
			t->e[k].next = next;
			return LIM_OK;
		}
	if (s == SIZE_MAX && (t->ix_heads + t->ix_tombs + 1) * 4 > t->ix_cap * 3) {
		/* at most 3/4 used: twice the chains (at least 64 slots), tombstones left out */
		size_t cap = 64;
		while (cap < (t->ix_heads + 1) * 2)
			cap *= 2;
		e = reindex(t, cap);
		if (e != LIM_OK)
			return e;
	}
	e = new_entry(t, &k);
	if (e != LIM_OK)
		return e;
	memset(&t->e[k], 0, sizeof t->e[k]);
	t->e[k].cc = cc;
	t->e[k].cin = cin;
	memcpy(t->e[k].liid, liid, n + 1);
	t->e[k].next = next;
	if (s != SIZE_MAX) {
		/* the chain's new first entry */
		t->e[k].link = t->ix[s] - 1;
		t->ix[s] = k + 1;
	} else {
		size_t i = slot_of(cc, cin, t->ix_cap);
		while (t->ix[i] != 0 && t->ix[i] != HO_SEQ_NIL)
			i = (i + 1) & (t->ix_cap - 1);
		if (t->ix[i] == HO_SEQ_NIL)
			t->ix_tombs--;
		t->e[k].link = HO_SEQ_NIL;
		t->ix[i] = k + 1;
		t->ix_heads++;
	}
	t->live++;
	return LIM_OK;
}

static void free_entry(struct ho_seqtab *t, uint32_t k)
{
	t->e[k].cc = HO_SEQ_FREE;
	t->e[k].link = t->free_head;
	t->free_head = k;
	t->live--;
}

/* see seqtab.h */
bool ho_seqtab_drop(struct ho_seqtab *t, const char *liid, uint32_t cin)
{
	bool any = false;
	for (uint8_t cc = 0; cc < 2; cc++) {
		size_t s = find_slot(t, cc, cin);
		uint32_t k, prev = HO_SEQ_NIL, nx;
		if (s == SIZE_MAX)
			continue;
		for (k = t->ix[s] - 1; k != HO_SEQ_NIL; k = nx) {
			nx = t->e[k].link;
			if (liid && strcmp(t->e[k].liid, liid) != 0) {
				prev = k;
				continue;
			}
			if (prev == HO_SEQ_NIL)
				t->ix[s] = nx == HO_SEQ_NIL ? 0 : nx + 1;
			else
				t->e[prev].link = nx;
			free_entry(t, k);
			any = true;
		}
		if (t->ix[s] == 0) {
			/* the chain is gone: a tombstone keeps the probe sequences of others */
			t->ix[s] = HO_SEQ_NIL;
			t->ix_heads--;
			t->ix_tombs++;
		}
	}
	if (t->live == 0 && t->n_e)
		ho_seqtab_clear(t); /* (the memory of a flood goes back) */
	return any;
}

static int ent_cmp(const void *a, const void *b)
{
	const struct ho_seqent *x = *(const struct ho_seqent *const *)a,
			       *y = *(const struct ho_seqent *const *)b;
	if (x->cc != y->cc)
		return x->cc < y->cc ? -1 : 1;
	if (x->cin != y->cin)
		return x->cin < y->cin ? -1 : 1;
	return strcmp(x->liid, y->liid);
}

/* see seqtab.h */
size_t ho_seqtab_sorted(const struct ho_seqtab *t, const struct ho_seqent ***out)
{
	const struct ho_seqent **v;
	size_t n = 0;
	*out = NULL;
	if (t->live == 0)
		return 0;
	v = malloc(t->live * sizeof *v);
	if (!v)
		return SIZE_MAX;
	for (size_t i = 0; i < t->n_e; i++)
		if (t->e[i].cc != HO_SEQ_FREE)
			v[n++] = &t->e[i];
	qsort(v, n, sizeof *v, ent_cmp);
	*out = v;
	return n;
}
