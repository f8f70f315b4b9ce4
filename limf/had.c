/* Which packets of group media each LIID has had: see limf/had.h. */
#include "limf/had.h"

#include <stdlib.h>
#include <string.h>

#include "warrants/warrants.h"

struct had_ent {
	uint64_t last_ns; /* capture time of its newest mark; 0: free */
	uint32_t gmk_id, guk_id, ssrc;
	uint64_t top;                     /* the newest index */
	uint64_t bits[LIMF_HAD_WIN / 64]; /* bit d: top - d had */
	char liid[WR_LIID_MAX + 1];
};

struct limf_had {
	struct had_ent *e; /* LIMF_HAD_SLOTS, at the first mark */
	uint64_t evicted;
};

/* see had.h */
enum lim_err limf_had_new(struct limf_had **out)
{
	*out = calloc(1, sizeof **out);
	return *out ? LIM_OK : LIM_E_NOMEM;
}

static bool idle(const struct had_ent *e, uint64_t ts_ns)
{
	return !e->last_ns || ts_ns > e->last_ns + LIMF_HAD_IDLE_NS ||
	       ts_ns + LIMF_HAD_IDLE_NS < e->last_ns;
}

/* The entry of the stream, begun afresh (last_ns 0) when new or idle; NULL without memory. */
static struct had_ent *entry(struct limf_had *h, const char *liid, uint32_t gmk_id, uint32_t guk_id,
			     uint32_t ssrc, uint64_t ts_ns)
{
	uint64_t k = UINT64_C(1469598103934665603); /* FNV-1a */
	struct had_ent *pick = NULL;
	if (!h->e && !(h->e = calloc(LIMF_HAD_SLOTS, sizeof *h->e)))
		return NULL;
	for (const char *c = liid; *c; c++)
		k = (k ^ (uint8_t)*c) * UINT64_C(1099511628211);
	k = (k ^ gmk_id) * UINT64_C(1099511628211);
	k = (k ^ guk_id) * UINT64_C(1099511628211);
	k = (k ^ ssrc) * UINT64_C(1099511628211);
	for (size_t i = 0; i < LIMF_HAD_PROBE; i++) {
		struct had_ent *e = &h->e[(k + i) % LIMF_HAD_SLOTS];
		if (e->last_ns && e->gmk_id == gmk_id && e->guk_id == guk_id && e->ssrc == ssrc &&
		    strcmp(e->liid, liid) == 0) {
			if (!idle(e, ts_ns))
				return e;
			pick = e; /* its own slot, begun afresh */
			e->last_ns = 0;
			break;
		}
		/* else the first free or idle slot, or the least recently used */
		if (idle(e, ts_ns)) {
			if (!pick || pick->last_ns) {
				e->last_ns = 0;
				pick = e;
			}
		} else if (!pick || (pick->last_ns && e->last_ns < pick->last_ns))
			pick = e;
	}
	if (pick->last_ns)
		h->evicted++;
	memset(pick, 0, sizeof *pick);
	pick->gmk_id = gmk_id;
	pick->guk_id = guk_id;
	pick->ssrc = ssrc;
	size_t n = strnlen(liid, WR_LIID_MAX);
	memcpy(pick->liid, liid, n);
	pick->liid[n] = '\0';
	return pick;
}

/* Bit i of the window moves to i + d (0 < d < LIMF_HAD_WIN); those past the end go. */
static void shift(uint64_t *w, uint32_t d)
{
	enum { N = LIMF_HAD_WIN / 64 };
	uint32_t q = d / 64, r = d % 64;
	for (uint32_t i = N; i-- > 0;) {
		uint64_t v = 0;
		if (i >= q)
			v = w[i - q] << r;
		if (r && i > q)
			v |= w[i - q - 1] >> (64 - r);
		w[i] = v;
	}
}

/* see had.h */
bool limf_had_mark(struct limf_had *h, const char *liid, uint32_t gmk_id, uint32_t guk_id,
		   uint32_t ssrc, uint64_t idx, uint64_t ts_ns)
{
	struct had_ent *e = h && liid ? entry(h, liid, gmk_id, guk_id, ssrc, ts_ns) : NULL;
	if (!e)
		return false;
	bool fresh = !e->last_ns;
	e->last_ns = ts_ns ? ts_ns : 1;
	if (fresh) {
		e->top = idx;
		e->bits[0] = 1;
		return false;
	}
	if (idx > e->top) {
		uint64_t d = idx - e->top;
		if (d >= LIMF_HAD_WIN)
			memset(e->bits, 0, sizeof e->bits);
		else
			shift(e->bits, (uint32_t)d);
		e->top = idx;
		e->bits[0] |= 1;
		return false;
	}
	uint64_t d = e->top - idx;
	if (d >= LIMF_HAD_WIN)
		return false; /* older than the window: cannot tell */
	if (e->bits[d / 64] >> (d % 64) & 1)
		return true;
	e->bits[d / 64] |= UINT64_C(1) << (d % 64);
	return false;
}

/* see had.h */
uint64_t limf_had_evicted(const struct limf_had *h)
{
	return h ? h->evicted : 0;
}

/* see had.h */
void limf_had_free(struct limf_had *h)
{
	if (!h)
		return;
	free(h->e);
	free(h);
}
