/* Worker-pool dispatcher: one decode, SIP framing and Call-ID / endpoint routing for N call
 * tables (see dispatch.h). The endpoint table is a fixed pool of max_endpoints entries
 * (indices, not pointers), chained in power-of-two buckets and kept in two least-recently-seen
 * lists (endpoints media never reached, and those it has) for eviction and idle expiry: the
 * media path allocates nothing. */
#include <stdlib.h>
#include <string.h>

#include "capture/dispatch.h"
#include "capture/internal.h"
#include "capture/mcbody.h"

#define NIL       UINT32_MAX
#define PINS      16384 /* Call-IDs pinned to their group's worker (a power of two) */
#define PIN_PROBE 8
#define PIN_LINGER_NS                                                                              \
	(32ull * 1000000000ull)                      /* a pin's life after its dialog's BYE is
					       * answered: retransmissions (RFC 3261 timer J) */
#define PIN_IDLE_NS (6ull * 3600ull * 1000000000ull) /* a dialog never ended (a lost BYE) */
#define PIN_TELL_NS                                                                                \
	(3600ull * 1000000000ull) /* media refreshes the other dispatchers' copy of
					       * a pin at most this often */
/* an endpoint media reached within this long carries a call's media now: a registration
 * makes room with an endpoint media never reached rather than with it (a flood of SDPs cannot
 * take a talking call's routes); one idle longer (a call ended, or on hold) is evicted by age
 * with the rest */
#define MEDIA_FRESH_NS (5ull * 1000000000ull)
/* notes of one message: endpoints (c= and m= of each line, the SDP's candidates, its ICE
 * ufrags' pseudo endpoints) and a pin; of a connectivity check, its two endpoints */
#define PEND_MAX (2 * CAP_CALL_MAX_MEDIA + CAP_CALL_MAX_CAND + CAP_CALL_MAX_UFRAG + 2)
/* ICE connectivity checks that register their endpoints, per second of capture time */
#define CHECKS_PER_S 256
#define EP_SSRCS     4 /* SSRCs remembered per endpoint (struct ep rs) */
#define DLG_PROBE    8

/* A dialog that registered endpoints, and when it was last seen: its SIP, or media to or from
 * one of those endpoints. An idle endpoint media has reached whose dialog was seen since is kept
 * (expire_endpoints): a call's RTCP keeps its RTP routes through a pause of the RTP, its SIP (a
 * refresh without SDP) keeps its routes while it is held. max_endpoints / 2 entries (a power of
 * two), in probe runs of DLG_PROBE placed by the table key (tkey: a capture cannot aim Call-IDs
 * at a run); only a registration adds one (SIP alone refreshes one there), in place of the least
 * recently seen of its run when it is full (that dialog's endpoints then expire by their own
 * time). */
struct dlg {
	uint64_t h; /* the Call-ID's hash (cid_hash); 0 = free */
	uint64_t seen_ns;
};

/* A dialog routed by its MC group, not by its Call-ID (see dispatch.h "Group calls"). */
struct pin {
	uint64_t h; /* the Call-ID's hash; 0 = free */
	uint64_t seen_ns;
	uint64_t told_ns;  /* when the other dispatchers last heard of it */
	uint64_t tag;      /* another dispatcher's note's tag (dispatch.h), else 0 */
	uint64_t until_ns; /* its dialog ended: free from then on; 0 = open */
	uint8_t worker;
	/* its dialog's re-INVITEs and UPDATEs (either side's): a 2xx to one after the end opens
	 * the pin again (calls.c went_on) */
	struct cap_dlg_req dreq;
};

struct ep {
	uint8_t a[16]; /* IPv4 in a[0..4), the rest zero */
	uint16_t port;
	uint8_t ver;    /* 4 or 6; 0 = free entry */
	uint8_t worker; /* < CAP_DISP_MAX_WORKERS */
	uint8_t media;  /* 1 once media has reached it: the list it is in (lru_head[media]) */
	uint64_t pin_h; /* registered by a pinned dialog: its Call-ID hash (media keeps the pin
			 * alive), else 0 */
	uint64_t tag;   /* another dispatcher's note's tag (dispatch.h), else 0 */
	uint64_t dlg_h; /* the dialog that registered it (struct dlg): its Call-ID hash, else 0 */
	uint32_t dlg_i; /* its entry in d->dlg (valid while that entry's h is dlg_h) */
	uint32_t hnext; /* bucket chain, or free list */
	uint32_t lprev, lnext;
	uint64_t seen_ns;
	/* the SSRCs of the media routed by it, with their packets and last time (the least used
	 * replaced by a new one). A registration for another worker while some of them flowed
	 * (within MEDIA_FRESH_NS) keeps those on their worker (kept; keep_worker, keep_tag)
	 * while they flow, each within MEDIA_FRESH_NS of its last packet; other SSRCs go to the
	 * new worker. So an SDP forged with another Call-ID (another worker) cannot take a
	 * talking call's streams, and a few packets of other SSRCs sent just before it cannot
	 * push a stream out of the slots (it has far more packets); a new call on the endpoints
	 * of one whose end was missed, whose SSRCs are new, gets its media. While a kept stream
	 * flows, a later move keeps it where it is */
	struct {
		uint32_t ssrc, n;
		uint64_t ns;
		bool kept;
	} rs[EP_SSRCS];
	uint8_t keep_worker;
	uint64_t keep_tag;
};

struct cap_disp {
	struct cap_disp_limits lim;
	unsigned n_workers;
	struct cap_stats *st;
	cap_unit_fn fn;
	void *ctx;
	struct cap_hkey hkey; /* Call-IDs and groups: routing */
	struct cap_hkey tkey; /* endpoints: the table (limits table_seed) */
	struct cap_defrag *defrag;
	struct cap_tcp *tcp;
	struct cap_sip_msg *msg;  /* scratch */
	struct cap_sdp *sdp;      /* scratch */
	struct cap_call_sdp csdp; /* scratch: the call table's view of *sdp (no imsg) */
	struct cap_mc_result *mc; /* scratch */
	struct pin *pin;          /* PINS entries */
	struct dlg *dlg;          /* n_dlg entries */
	size_t n_dlg;             /* a power of two */
	struct ep *ep;            /* max_endpoints entries */
	uint32_t *bucket;
	size_t nb; /* power of two */
	size_t n_ep;
	uint32_t free_head; /* entries never used are taken in order first */
	size_t n_used;      /* entries ever taken from the pool */
	/* two lists, least recently seen first: endpoints media never reached (made room from
	 * first), and those it has */
	uint32_t lru_head[2], lru_tail[2];
	struct cap_disp_info info;
	struct cap_victims ep_victims;  /* endpoints evicted for room (stats media_lost) */
	struct cap_victims pin_victims; /* Call-ID hashes of pins evicted (stats sip_pin_lost) */
	cap_disp_note_fn note_fn;       /* several dispatchers: see dispatch.h */
	void *note_ctx;
	/* the notes of the unit being routed, given to note_fn once it has been handed on */
	struct cap_disp_note pend[PEND_MAX];
	uint64_t chk_sec, chk_n; /* check_worker's registrations in capture second chk_sec */
	size_t n_pend;
	uint64_t route_tag; /* of the note whose endpoint or pin routed the unit */
	uint64_t now;       /* the latest capture time this dispatcher has seen (its own clock) */
};

/* see dispatch.h */
void cap_disp_limits_default(struct cap_disp_limits *l)
{
	l->max_endpoints = 131072;
	l->endpoint_idle_ns = 600ull * 1000000000ull;
	l->hash_seed = 0;
	l->table_seed = 0;
	l->verify_csum = false;
	cap_defrag_limits_default(&l->defrag);
	cap_tcp_limits_default(&l->tcp);
}

static void tcp_msg(void *ctx, const struct cap_tcp_msg *m);

/* see dispatch.h */
enum lim_err cap_disp_new(const struct cap_disp_limits *l, unsigned n_workers, struct cap_stats *st,
			  cap_unit_fn fn, void *ctx, struct cap_disp **out)
{
	struct cap_disp *d;
	struct cap_disp_limits def;
	enum lim_err rc = LIM_E_NOMEM;
	uint32_t tseed;

	*out = NULL;
	if (!l) {
		cap_disp_limits_default(&def);
		l = &def;
	}
	tseed = l->table_seed ? l->table_seed : l->hash_seed; /* the tables' (not routing's) */
	if (n_workers == 0 || n_workers > CAP_DISP_MAX_WORKERS || !st || !fn ||
	    l->max_endpoints == 0 || l->max_endpoints > ((size_t)1 << 24) ||
	    l->endpoint_idle_ns == 0)
		return LIM_E_ARG;
	d = calloc(1, sizeof *d);
	if (!d)
		return LIM_E_NOMEM;
	d->lim = *l;
	d->n_workers = n_workers;
	d->st = st;
	d->fn = fn;
	d->ctx = ctx;
	cap_hkey_init(&d->hkey, l->hash_seed);
	cap_hkey_init(&d->tkey, tseed);
	d->nb = 16;
	while (d->nb < l->max_endpoints)
		d->nb <<= 1;
	d->free_head = NIL;
	d->lru_head[0] = d->lru_head[1] = d->lru_tail[0] = d->lru_tail[1] = NIL;
	d->msg = malloc(sizeof *d->msg);
	d->sdp = malloc(sizeof *d->sdp);
	d->ep = calloc(l->max_endpoints, sizeof *d->ep);
	d->bucket = malloc(d->nb * sizeof *d->bucket);
	d->mc = malloc(sizeof *d->mc);
	d->pin = calloc(PINS, sizeof *d->pin);
	d->n_dlg = DLG_PROBE;
	while (d->n_dlg < l->max_endpoints / 2)
		d->n_dlg <<= 1;
	d->dlg = calloc(d->n_dlg, sizeof *d->dlg);
	if (!d->msg || !d->sdp || !d->ep || !d->bucket || !d->mc || !d->pin || !d->dlg)
		goto fail;
	for (size_t i = 0; i < d->nb; i++)
		d->bucket[i] = NIL;
	rc = cap_defrag_new(&l->defrag, &d->defrag);
	if (rc != LIM_OK)
		goto fail;
	{
		/* the stream table keyed too, from this table's seed (a value of its own) */
		struct cap_tcp_limits tl = l->tcp;
		if (!tl.hash_seed)
			tl.hash_seed = tseed ^ 0x7cb5c3a1u;
		rc = cap_tcp_new(&tl, st, tcp_msg, d, &d->tcp);
	}
	if (rc != LIM_OK)
		goto fail;
	*out = d;
	return LIM_OK;
fail:
	cap_disp_free(d);
	return rc;
}

/* see dispatch.h */
void cap_disp_free(struct cap_disp *d)
{
	if (!d)
		return;
	cap_tcp_free(d->tcp);
	cap_defrag_free(d->defrag);
	free(d->msg);
	free(d->sdp);
	free(d->ep);
	free(d->bucket);
	free(d->mc);
	free(d->pin);
	free(d->dlg);
	cap_victims_free(&d->ep_victims);
	cap_victims_free(&d->pin_victims);
	free(d);
}

/* ------------------------------------------------------------------ endpoint table */

static size_t slot(const struct cap_disp *d, uint8_t ver, const uint8_t a[16], uint16_t port)
{
	return (size_t)cap_ep_hash(&d->tkey, ver, a, port) & (d->nb - 1);
}

/* The table's form of an address: IPv4 in the first 4 octets, zeros after. */
static void norm(uint8_t ver, const uint8_t *in, uint8_t out[16])
{
	memset(out, 0, 16);
	memcpy(out, in, ver == 4 ? 4 : 16);
}

/* The entry of (ver, a, port) whose cap_ep_hash is h, or NIL. */
static uint32_t find_h(const struct cap_disp *d, uint64_t h, uint8_t ver, const uint8_t a[16],
		       uint16_t port)
{
	uint32_t i = d->bucket[(size_t)h & (d->nb - 1)];
	while (i != NIL) {
		const struct ep *e = &d->ep[i];
		if (e->port == port && e->ver == ver && memcmp(e->a, a, 16) == 0)
			return i;
		i = e->hnext;
	}
	return NIL;
}

static void lru_unlink(struct cap_disp *d, uint32_t i)
{
	struct ep *e = &d->ep[i];
	if (e->lprev != NIL)
		d->ep[e->lprev].lnext = e->lnext;
	else
		d->lru_head[e->media] = e->lnext;
	if (e->lnext != NIL)
		d->ep[e->lnext].lprev = e->lprev;
	else
		d->lru_tail[e->media] = e->lprev;
	e->lprev = e->lnext = NIL;
}

static void lru_append(struct cap_disp *d, uint32_t i)
{
	struct ep *e = &d->ep[i];
	e->lprev = d->lru_tail[e->media];
	e->lnext = NIL;
	if (d->lru_tail[e->media] != NIL)
		d->ep[d->lru_tail[e->media]].lnext = i;
	else
		d->lru_head[e->media] = i;
	d->lru_tail[e->media] = i;
}

/* Seen at ts (by media: it moves to the list of endpoints media has reached): last in the
 * least-recently-seen order of its list (capture time never goes back here). */
static void touch(struct cap_disp *d, uint32_t i, uint64_t ts, bool media)
{
	struct ep *e = &d->ep[i];
	if (ts > e->seen_ns)
		e->seen_ns = ts;
	if (media && !e->media) {
		lru_unlink(d, i);
		e->media = 1;
		lru_append(d, i);
	} else if (d->lru_tail[e->media] != i) {
		lru_unlink(d, i);
		lru_append(d, i);
	}
}

static void ep_remove(struct cap_disp *d, uint32_t i)
{
	struct ep *e = &d->ep[i];
	uint32_t *pp = &d->bucket[slot(d, e->ver, e->a, e->port)];
	while (*pp != NIL && *pp != i)
		pp = &d->ep[*pp].hnext;
	if (*pp == i)
		*pp = e->hnext;
	lru_unlink(d, i);
	e->ver = 0;
	e->hnext = d->free_head;
	d->free_head = i;
	d->n_ep--;
}

/* Dialog h seen at ts: its entry, or when it has none, with add a new one (in a free slot of
 * its probe run, else in place of the least recently seen there), else NIL. */
static uint32_t dlg_seen(struct cap_disp *d, uint64_t h, uint64_t ts, bool add)
{
	size_t best = SIZE_MAX;
	uint64_t base = cap_hash(&d->tkey, &h, sizeof h);
	for (size_t k = 0; k < DLG_PROBE; k++) {
		size_t i = (size_t)(base + k) & (d->n_dlg - 1);
		struct dlg *x = &d->dlg[i];
		if (x->h == h) {
			if (ts > x->seen_ns)
				x->seen_ns = ts;
			return (uint32_t)i;
		}
		if (best == SIZE_MAX ||
		    (d->dlg[best].h != 0 && (x->h == 0 || x->seen_ns < d->dlg[best].seen_ns)))
			best = i;
	}
	if (!add)
		return NIL;
	d->dlg[best].h = h;
	d->dlg[best].seen_ns = ts;
	return (uint32_t)best;
}

/* The dialog of endpoint e, if its entry is still its own, else NULL. */
static struct dlg *dlg_of(struct cap_disp *d, const struct ep *e)
{
	struct dlg *x = e->dlg_h ? &d->dlg[e->dlg_i] : NULL;
	return x && x->h == e->dlg_h ? x : NULL;
}

/* Registers the endpoint (ver, a normalised, port) to worker w at ts (newest registration
 * wins), for dialog dlg_h (0: none), pinned as pin_h (0: not pinned). */
static void reg_ep(struct cap_disp *d, uint8_t ver, const uint8_t a[16], uint16_t port, unsigned w,
		   uint64_t pin_h, uint64_t dlg_h, uint64_t tag, uint64_t ts)
{
	uint32_t dlg_i = dlg_h ? dlg_seen(d, dlg_h, ts, true) : 0;
	uint64_t h = cap_ep_hash(&d->tkey, ver, a, port);
	uint32_t i;
	size_t s;
	struct ep *e;

	d->info.registered++;
	i = find_h(d, h, ver, a, port);
	if (i != NIL) {
		struct ep *x = &d->ep[i];
		if (x->worker != w && x->media) {
			/* moved: the streams flowing stay where they are (struct ep), unless some
			 * kept by an earlier move still flow (those stay kept, where they were) */
			bool kept = false, any = false;
			for (int k = 0; k < EP_SSRCS; k++)
				kept = kept || (x->rs[k].kept && ts >= x->rs[k].ns &&
						ts - x->rs[k].ns < MEDIA_FRESH_NS);
			for (int k = 0; !kept && k < EP_SSRCS; k++) {
				x->rs[k].kept = x->rs[k].n && ts >= x->rs[k].ns &&
						ts - x->rs[k].ns < MEDIA_FRESH_NS;
				any = any || x->rs[k].kept;
			}
			if (any) {
				x->keep_worker = x->worker;
				x->keep_tag = x->tag;
				d->info.kept++;
			}
		}
		x->worker = (uint8_t)w;
		x->pin_h = pin_h;
		x->dlg_h = dlg_h;
		x->dlg_i = dlg_i;
		x->tag = tag;
		touch(d, i, ts, false);
		return;
	}
	if (d->n_ep >= d->lim.max_endpoints) {
		/* full: the least recently seen endpoint makes room (of ended calls, first, in a
		 * busy but ordinary hour), but not one whose media flowed within MEDIA_FRESH_NS
		 * while an endpoint media never reached is left (a flood of SDPs then evicts its
		 * own endpoints, not a talking call's routes); media that comes for it later is
		 * lost to the limit */
		uint32_t v0 = d->lru_head[0], v1 = d->lru_head[1], vi = v0;
		if (v1 != NIL) {
			uint64_t s1 = d->ep[v1].seen_ns;
			bool stale = ts > s1 && ts - s1 >= MEDIA_FRESH_NS;
			if (v0 == NIL || (stale && s1 <= d->ep[v0].seen_ns))
				vi = v1;
		}
		const struct ep *v = &d->ep[vi];
		cap_victims_add(&d->ep_victims, cap_ep_hash(&d->tkey, v->ver, v->a, v->port));
		ep_remove(d, vi);
		d->info.evicted++;
	}
	cap_victims_take(&d->ep_victims, h);
	if (d->free_head != NIL) {
		i = d->free_head;
		d->free_head = d->ep[i].hnext;
	} else {
		i = (uint32_t)d->n_used++; /* n_ep < max_endpoints: the pool has one left */
	}
	e = &d->ep[i];
	e->ver = ver;
	memcpy(e->a, a, 16);
	e->port = port;
	e->worker = (uint8_t)w;
	e->pin_h = pin_h;
	e->dlg_h = dlg_h;
	e->dlg_i = dlg_i;
	e->tag = tag;
	e->seen_ns = ts;
	e->media = 0;
	memset(e->rs, 0, sizeof e->rs);
	s = (size_t)h & (d->nb - 1);
	e->hnext = d->bucket[s];
	d->bucket[s] = i;
	lru_append(d, i);
	d->n_ep++;
}

/* Queues a note for the other dispatchers: given to note_fn after the unit that caused it
 * has been handed on (flush_notes), so that its owner can tag it with that unit's place. */
static void emit(struct cap_disp *d, const struct cap_disp_note *n)
{
	if (!d->note_fn)
		return;
	if (d->n_pend == PEND_MAX) { /* cannot happen: PEND_MAX covers one message's notes */
		d->note_fn(d->note_ctx, n);
		return;
	}
	d->pend[d->n_pend++] = *n;
}

static void flush_notes(struct cap_disp *d)
{
	for (size_t i = 0; i < d->n_pend; i++)
		d->note_fn(d->note_ctx, &d->pend[i]);
	d->n_pend = 0;
}

/* Registers addr/port to worker w at ts, and tells the other dispatchers. */
static void reg(struct cap_disp *d, const struct cap_addr *addr, uint16_t port, unsigned w,
		uint64_t pin_h, uint64_t dlg_h, uint64_t ts)
{
	uint8_t a[16];
	norm(addr->family, addr->a, a);
	reg_ep(d, addr->family, a, port, w, pin_h, dlg_h, 0, ts);
	if (d->note_fn) {
		struct cap_disp_note n;
		memset(&n, 0, sizeof n);
		n.kind = CAP_DISP_NOTE_EP;
		n.ver = addr->family;
		n.worker = (uint8_t)w;
		n.port = port;
		memcpy(n.a, a, 16);
		n.h = pin_h;
		n.dlg = dlg_h;
		n.ts_ns = ts;
		emit(d, &n);
	}
}

static bool idle(const struct cap_disp *d, uint64_t seen, uint64_t now)
{
	return now > seen && now - seen > d->lim.endpoint_idle_ns;
}

/* Forgets the endpoints idle at now, except those media has reached whose dialog was seen since
 * (struct dlg): each of those is seen again when its dialog was, or when the last of its list
 * was if that is later (the list stays in order: so a kept endpoint may outlive its dialog's
 * last sign by up to endpoint_idle_ns more), last in its list. */
static size_t expire_endpoints(struct cap_disp *d, uint64_t now)
{
	size_t n = 0;
	for (int k = 0; k < 2; k++)
		while (d->lru_head[k] != NIL) {
			uint32_t i = d->lru_head[k];
			struct ep *e = &d->ep[i];
			const struct dlg *g;
			if (!idle(d, e->seen_ns, now))
				break;
			g = e->media ? dlg_of(d, e) : NULL;
			if (g && g->seen_ns > e->seen_ns && !idle(d, g->seen_ns, now)) {
				uint64_t t = d->ep[d->lru_tail[k]].seen_ns;
				e->seen_ns = g->seen_ns > t ? g->seen_ns : t;
				lru_unlink(d, i);
				lru_append(d, i);
				d->info.dialog_kept++;
				continue;
			}
			ep_remove(d, i);
			n++;
		}
	d->info.expired += n;
	return n;
}

/* ------------------------------------------------------------------ routing */

/* The worker of a Call-ID: the top 32 bits of its hash scaled to n (the tables' buckets use the
 * low bits, so one worker's calls still spread over all of its buckets). Only the prefix the
 * call table keeps is hashed: it treats longer Call-IDs sharing it as one call. */
static uint64_t cid_hash(const struct cap_disp *d, struct cap_str cid)
{
	size_t n = cid.len < CAP_CALL_MAX_TEXT ? cid.len : CAP_CALL_MAX_TEXT - 1;
	uint64_t h = cap_hash(&d->hkey, cid.p, n);
	return h ? h : 1; /* 0 marks a free pin */
}

static unsigned scale(const struct cap_disp *d, uint64_t h)
{
	return (unsigned)(((h >> 32) * d->n_workers) >> 32);
}

/* A pin is free once its dialog has ended and PIN_LINGER_NS passed, or after PIN_IDLE_NS
 * with neither SIP of its dialog nor media to its endpoints (a time before its last one is
 * not late). */
static bool stale(const struct pin *x, uint64_t ts)
{
	return (x->until_ns && ts >= x->until_ns) ||
	       (ts > x->seen_ns && ts - x->seen_ns >= PIN_IDLE_NS);
}

/* The pin of Call-ID hash h, or NULL. */
static struct pin *pin_find(struct cap_disp *d, uint64_t h, uint64_t ts)
{
	for (size_t k = 0; k < PIN_PROBE; k++) {
		struct pin *x = &d->pin[(h + k) & (PINS - 1)];
		if (x->h == h && !stale(x, ts))
			return x;
	}
	return NULL;
}

/* Pins h to worker w: a free or stale slot of its probe run, else the least recently seen of
 * the dialogs that ended (lingering for retransmissions), else of the others (a live pin
 * lost: counted; a later message of its dialog is lost to the limit when its Call-ID's own
 * worker is another). */
static struct pin *pin_add(struct cap_disp *d, uint64_t h, unsigned w, uint64_t ts)
{
	struct pin *best = NULL;
	bool evict = true;
	for (size_t k = 0; k < PIN_PROBE; k++) {
		struct pin *x = &d->pin[(h + k) & (PINS - 1)];
		if (x->h == 0 || x->h == h || stale(x, ts)) {
			best = x;
			evict = false;
			break;
		}
		if (!best || (x->until_ns != 0) > (best->until_ns != 0) ||
		    ((x->until_ns != 0) == (best->until_ns != 0) && x->seen_ns < best->seen_ns))
			best = x;
	}
	if (evict) {
		d->info.pins_evicted++;
		if (!best->until_ns && scale(d, best->h) != best->worker)
			cap_victims_add(&d->pin_victims, best->h);
	}
	cap_victims_take(&d->pin_victims, h);
	best->h = h;
	best->worker = (uint8_t)w;
	best->seen_ns = ts;
	best->told_ns = ts;
	best->until_ns = 0;
	best->tag = 0;
	memset(&best->dreq, 0, sizeof best->dreq);
	return best;
}

/* (reopened: the note tells the others that the dialog went on after its end) */
static void note_pin_as(struct cap_disp *d, const struct pin *x, uint64_t ts, bool reopened)
{
	struct cap_disp_note n;
	if (!d->note_fn)
		return;
	memset(&n, 0, sizeof n);
	n.kind = CAP_DISP_NOTE_PIN;
	n.worker = x->worker;
	n.h = x->h;
	n.ended = reopened ? 2 : x->until_ns != 0;
	n.ts_ns = ts;
	emit(d, &n);
}

static void note_pin(struct cap_disp *d, const struct pin *x, uint64_t ts)
{
	note_pin_as(d, x, ts, false);
}

static bool has(struct cap_str s, const char *lit)
{
	size_t k = strlen(lit);
	for (size_t i = 0; i + k <= s.len; i++)
		if (memcmp(s.p + i, lit, k) == 0)
			return true;
	return false;
}

/* see dispatch.h */
bool cap_sip_may_carry_gmk(const uint8_t *m, size_t n)
{
	static const char *const pat[] = { "mikey", "gmk", "gktp" };
	if ((n >= 8 && memcmp(m, "SIP/2.0 ", 8) == 0) || (n >= 7 && memcmp(m, "INVITE ", 7) == 0))
		return false;
	for (size_t k = 0; k < sizeof pat / sizeof pat[0]; k++) {
		size_t l = strlen(pat[k]);
		for (size_t i = 0; i + l <= n; i++) {
			size_t j = 0;
			while (j < l && (m[i + j] | 0x20) == (uint8_t)pat[k][j])
				j++;
			if (j == l)
				return true;
		}
	}
	return false;
}

/* The MC group of d->msg (raw: its octets), or a len-0 view: an MCPTT group call's INVITE
 * (TS 24.379 mcptt-info: the calling group ID, else the request URI of a call that carries no
 * I_MESSAGE, as limf/pipeline.c decides), or a GMK distribution's group (the first group ID of
 * its first I_MESSAGE: TS 24.481 <list-service uri>), so that a group's GMKs and calls are
 * handled by one worker in input order. */
static struct cap_str mc_group(struct cap_disp *d, const uint8_t *raw, size_t len)
{
	const struct cap_sip_msg *m = d->msg;
	struct cap_str none = { NULL, 0 };
	if (!m->is_request || m->body.len == 0)
		return none;
	if (!cap_str_eq(m->method, "INVITE")) {
		/* (a part refused keeps the I_MESSAGEs of the other parts, as limf/pipeline.c
		 * takes them: routed by their group as there) */
		if (!cap_sip_may_carry_gmk(raw, len) ||
		    (cap_mc_extract(m, d->mc) != LIM_OK && d->mc->n_imsg == 0) ||
		    d->mc->n_imsg == 0 || d->mc->imsg[0].n_group == 0)
			return none;
		return (struct cap_str){ d->mc->imsg[0].group[0].s, d->mc->imsg[0].group[0].len };
	}
	/* (a part refused leaves what the others said: the pipeline takes it so, group_of) */
	if (!cap_str_prefix_ieq(m->content_type, "multipart/") ||
	    (cap_mc_extract(m, d->mc) != LIM_OK && !d->mc->mc_group.len && !d->mc->mc_target.len))
		return none;
	if (d->mc->mc_group.len)
		return (struct cap_str){ d->mc->mc_group.s, d->mc->mc_group.len };
	if (d->mc->mc_target.len) {
		struct cap_str sdp;
		if (cap_sip_sdp_body(m, &sdp) == LIM_OK && sdp.len && !has(sdp, "key-mgmt"))
			return (struct cap_str){ d->mc->mc_target.s, d->mc->mc_target.len };
	}
	return none;
}

/* The worker of the message in d->msg (raw: its octets): its dialog's pin, else its group's
 * (group call, GMK distribution), else its Call-ID's. *pin_h: the pinned dialog's Call-ID
 * hash, else 0. A 2xx to a BYE ends the pin (PIN_LINGER_NS later, or after its media's last
 * packet, which keeps the call too: calls.c linger_on); a BYE alone ends neither the call
 * (calls.c: it waits for the BYE's answer) nor its pin, and a 2xx to a re-INVITE or UPDATE
 * after the end opens the pin again (the dialog went on). (A 481, which ends the call,
 * leaves the pin to PIN_IDLE_NS: a pin ended early would send the rest of a call that goes
 * on to another worker.) */
static unsigned worker_of(struct cap_disp *d, const uint8_t *raw, size_t len, uint64_t ts,
			  uint64_t *pin_h, uint64_t *cid_h)
{
	const struct cap_sip_msg *m = d->msg;
	uint64_t h = cid_hash(d, m->call_id);
	*cid_h = h;
	struct pin *x = pin_find(d, h, ts);
	struct cap_str g;
	*pin_h = 0;
	if (x) {
		x->seen_ns = ts;
		d->route_tag = x->tag;
		if (!m->is_request && m->status >= 200 && m->status < 300 && !x->until_ns &&
		    cap_str_eq(m->cseq_method, "BYE")) {
			x->until_ns = ts + PIN_LINGER_NS;
			d->info.pins_ended++;
			note_pin(d, x, ts);
		} else if (cap_str_eq(m->cseq_method, "INVITE") ||
			   cap_str_eq(m->cseq_method, "UPDATE")) {
			/* a re-INVITE or UPDATE unanswered at the BYE's 2xx or sent since, taken
			 * (2xx) after it: the dialog went on (calls.c went_on), and so does its
			 * pin */
			if (cap_dlg_req_feed(&x->dreq, m) && x->until_ns) {
				x->until_ns = 0;
				note_pin_as(d, x, ts, true);
			}
		}
		*pin_h = h;
		return x->worker;
	}
	g = mc_group(d, raw, len);
	if (g.len) {
		unsigned w = scale(d, cap_hash(&d->hkey, g.p, g.len));
		x = pin_add(d, h, w, ts);
		d->info.pinned++;
		note_pin(d, x, ts);
		*pin_h = h;
		return w;
	}
	if (cap_victims_has(&d->pin_victims, h))
		d->st->sip_pin_lost++;
	return scale(d, h);
}

/* Registers the endpoints of d->msg's SDP to w, for dialog dlg_h (pinned as pin_h, or 0);
 * nothing is counted (the worker parses the same body and counts it). */
static void reg_sdp(struct cap_disp *d, unsigned w, uint64_t pin_h, uint64_t dlg_h, uint64_t ts)
{
	struct cap_str body;
	const struct cap_sdp *s = d->sdp;
	/* only the SDP a worker's call table would apply: an OPTIONS or MESSAGE with SDP naming
	 * a call's endpoints must not move that call's media to its own Call-ID's worker */
	if (!cap_calls_sdp_applies(d->msg))
		return;
	if (cap_sip_sdp_body(d->msg, &body) != LIM_OK || body.len == 0 ||
	    cap_sdp_parse((const uint8_t *)body.p, body.len, d->sdp) != LIM_OK)
		return;
	memset(&d->csdp, 0, sizeof d->csdp);
	(void)cap_sdp_media_build(s, &d->csdp);
	for (size_t i = 0; i < d->csdp.n_media; i++) {
		struct cap_media_ep ep[CAP_MEDIA_MAX_EP];
		size_t n = cap_media_eps(&d->csdp, i, ep);
		for (size_t k = 0; k < n; k++)
			reg(d, &ep[k].addr, ep[k].port, w, pin_h, dlg_h, ts);
	}
}

/* Parses one SIP message: false (the reason counted as cap_calls would) when refused; else
 * its worker in *w, its SDP endpoints registered. */
static bool route_sip(struct cap_disp *d, const uint8_t *raw, size_t len, uint64_t ts, unsigned *w)
{
	d->route_tag = 0;
	if (cap_sip_parse(raw, len, d->msg) != LIM_OK) {
		if ((unsigned)d->msg->reject < CAP_DROP__COUNT)
			d->st->drop[d->msg->reject]++;
		return false;
	}
	uint64_t pin_h, dlg_h;
	*w = worker_of(d, raw, len, ts, &pin_h, &dlg_h);
	/* (a dialog that registered endpoints seen: they are kept while it goes on; one that
	 * registered none takes no room) */
	(void)dlg_seen(d, dlg_h, ts, false);
	reg_sdp(d, *w, pin_h, dlg_h, ts);
	d->info.units_sip++;
	return true;
}

static void tcp_msg(void *ctx, const struct cap_tcp_msg *m)
{
	struct cap_disp *d = ctx;
	struct cap_unit u;
	unsigned w;
	if (!route_sip(d, m->bytes, m->len, m->ts_ns, &w))
		return;
	memset(&u, 0, sizeof u);
	u.kind = CAP_UNIT_SIP_TCP;
	u.worker = w;
	u.ts_ns = m->ts_ns;
	u.pkt = m->pkt;
	u.msg = m->bytes;
	u.msg_len = m->len;
	u.tag = d->route_tag;
	d->fn(d->ctx, &u);
	flush_notes(d);
}

/* The worker of a media datagram (destination endpoint, then source), or -1 (then h[0], h[1]:
 * the two endpoints' cap_ep_hash). */
static int media_worker(struct cap_disp *d, const struct cap_pkt *p, uint64_t ts, uint64_t h[2])
{
	uint8_t a[16];
	uint32_t i;
	d->route_tag = 0;
	norm(p->ip_ver, p->dst.a, a);
	h[0] = cap_ep_hash(&d->tkey, p->ip_ver, a, p->dport);
	i = find_h(d, h[0], p->ip_ver, a, p->dport);
	if (i == NIL) {
		norm(p->ip_ver, p->src.a, a);
		h[1] = cap_ep_hash(&d->tkey, p->ip_ver, a, p->sport);
		i = find_h(d, h[1], p->ip_ver, a, p->sport);
	}
	if (i == NIL)
		return -1;
	touch(d, i, ts, true);
	d->route_tag = d->ep[i].tag;
	{
		/* media keeps its dialog's other endpoints (RTCP while RTP pauses, and back) */
		struct dlg *g = dlg_of(d, &d->ep[i]);
		if (g && ts > g->seen_ns)
			g->seen_ns = ts;
	}
	{
		/* the sender's SSRC */
		struct ep *e = &d->ep[i];
		uint32_t ssrc;
		if (cap_media_ssrc(p->payload.p, p->payload.len, &ssrc)) {
			int k = 0, low = 0;
			while (k < EP_SSRCS && !(e->rs[k].n && e->rs[k].ssrc == ssrc))
				k++;
			if (k == EP_SSRCS) { /* new: in the least used slot (the older of equals) */
				for (int j = 1; j < EP_SSRCS; j++)
					if (e->rs[j].n < e->rs[low].n ||
					    (e->rs[j].n == e->rs[low].n &&
					     e->rs[j].ns < e->rs[low].ns))
						low = j;
				k = low;
				e->rs[k].ssrc = ssrc;
				e->rs[k].n = 0;
				e->rs[k].kept = false;
			}
			if (e->rs[k].kept &&
			    (ts < e->rs[k].ns || ts - e->rs[k].ns >= MEDIA_FRESH_NS))
				e->rs[k].kept = false; /* the kept stream had stopped */
			if (e->rs[k].n < UINT32_MAX)
				e->rs[k].n++;
			if (ts > e->rs[k].ns)
				e->rs[k].ns = ts;
			if (e->rs[k].kept && e->keep_worker != e->worker) {
				d->route_tag = e->keep_tag;
				d->info.units_kept++;
				return e->keep_worker;
			}
		}
	}
	if (d->ep[i].pin_h) {
		/* a group call's media keeps its dialog's pin (a long call may have no SIP), and
		 * now and then the other dispatchers' copies (SIP may come on another source) */
		struct pin *x = pin_find(d, d->ep[i].pin_h, ts);
		if (x && ts > x->seen_ns)
			x->seen_ns = ts;
		/* (RTP after its dialog's end: the call lingers on while it flows, calls.c
		 * linger_on, and so does the pin, here; the other dispatchers' copies end
		 * PIN_LINGER_NS after the end unless its dialog is seen to go on) */
		const struct lim_rd pl = p->payload;
		if (x && x->until_ns && ts + PIN_LINGER_NS > x->until_ns && pl.len >= 12 &&
		    (pl.p[0] >> 6) == 2 && !cap_media_is_rtcp(pl.p, pl.len))
			x->until_ns = ts + PIN_LINGER_NS;
		if (x && ts > x->told_ns && ts - x->told_ns >= PIN_TELL_NS) {
			x->told_ns = ts;
			note_pin(d, x, ts);
		}
	}
	return d->ep[i].worker;
}

/* An ICE connectivity check (cap_stun_check) between endpoints not registered: the worker of
 * the call whose SDP has the ufrag it is sent to (that SDP registered the ufrag's pseudo
 * endpoint, cap_media_eps), or -1. The check's two endpoints are registered to that worker
 * (and told to the other dispatchers): the pair the agents select is one they checked, and its
 * media must reach the worker whose call table learns it from this check (calls.c). */
/* The entry of ufrag's pseudo endpoint (registered with its SDP), or NIL. */
static uint32_t ufrag_entry(const struct cap_disp *d, struct cap_str ufrag)
{
	uint8_t id[CAP_UFRAG_ID_LEN];
	cap_ufrag_id(ufrag, id);
	return find_h(d, cap_ep_hash(&d->tkey, CAP_FAM_UFRAG, id, 0), CAP_FAM_UFRAG, id, 0);
}

static int check_worker(struct cap_disp *d, const struct cap_pkt *p, uint64_t ts)
{
	struct cap_stun_check k;
	uint32_t i, j;
	unsigned w;
	uint64_t pin_h, dlg_h, tag;
	if (!cap_stun_check(p->payload.p, p->payload.len, &k))
		return -1;
	/* (at most CHECKS_PER_S a second of capture time register endpoints: a flood of checks
	 * to known ufrags must not evict the routes of calls whose media has not begun) */
	if (ts / 1000000000u != d->chk_sec) {
		d->chk_sec = ts / 1000000000u;
		d->chk_n = 0;
	}
	if (d->chk_n >= CHECKS_PER_S)
		return -1;
	i = ufrag_entry(d, k.to_ufrag);
	if (i == NIL)
		return -1;
	/* the sender's ufrag too, on the same worker: a check between the two sides of one call */
	j = ufrag_entry(d, k.from_ufrag);
	if (j == NIL || d->ep[j].worker != d->ep[i].worker)
		return -1;
	d->chk_n++;
	touch(d, i, ts, false);
	touch(d, j, ts, false);
	w = d->ep[i].worker;
	pin_h = d->ep[i].pin_h;
	dlg_h = d->ep[i].dlg_h;
	tag = d->ep[i].tag;
	reg(d, &p->dst, p->dport, w, pin_h, dlg_h, ts); /* (reg keeps its table's form: norm) */
	reg(d, &p->src, p->sport, w, pin_h, dlg_h, ts);
	d->route_tag = tag; /* (after the SIP that registered the ufrag) */
	return (int)w;
}

/* see dispatch.h */
void cap_disp_frame(struct cap_disp *d, const struct cap_frame *f)
{
	struct cap_pkt p;
	struct cap_unit u;
	unsigned w;
	int mw;
	uint64_t h[2];

	if (f->ts_ns > d->now)
		d->now = f->ts_ns;
	if (cap_dec_frame_st(d->defrag, d->st, f, &p) != CAP_OK ||
	    cap_csum_drop(d->lim.verify_csum, &p, d->st)) {
		(void)expire_endpoints(d, f->ts_ns);
		return;
	}
	if (p.proto == CAP_PROTO_TCP) {
		(void)expire_endpoints(d, f->ts_ns);
		cap_tcp_feed(d->tcp, &p, f->ts_ns);
		return;
	}
	if (cap_sip_looks_like(p.payload.p, p.payload.len)) {
		(void)expire_endpoints(d, f->ts_ns);
		if (!route_sip(d, p.payload.p, p.payload.len, f->ts_ns, &w))
			return;
	} else {
		/* looked up before the idle endpoints go: a stream back after a pause longer than
		 * endpoint_idle_ns (a capture outage) still reaches the worker whose table has
		 * its call, which decides, as one table does (calls.c linger_on) */
		mw = media_worker(d, &p, f->ts_ns, h);
		(void)expire_endpoints(d, f->ts_ns);
		if (mw < 0)
			mw = check_worker(d, &p, f->ts_ns);
		if (mw < 0) {
			/* to or from an endpoint evicted for room: lost to the limit */
			d->st->media_unbound++;
			if (cap_victims_has(&d->ep_victims, h[0]) ||
			    cap_victims_has(&d->ep_victims, h[1]))
				d->st->media_lost++;
			return;
		}
		w = (unsigned)mw;
		d->info.units_media++;
	}
	memset(&u, 0, sizeof u);
	u.kind = CAP_UNIT_UDP;
	u.worker = w;
	u.ts_ns = f->ts_ns;
	u.pkt = &p;
	u.tag = d->route_tag;
	d->fn(d->ctx, &u);
	flush_notes(d);
}

/* see dispatch.h */
size_t cap_disp_expire(struct cap_disp *d, uint64_t now_ns)
{
	cap_disp_clock(d, now_ns);
	d->st->drop[CAP_DROP_FRAG_TIMEOUT] += cap_defrag_expire(d->defrag, now_ns);
	(void)cap_tcp_expire(d->tcp, now_ns);
	return expire_endpoints(d, now_ns);
}

/* see dispatch.h */
void cap_disp_flush(struct cap_disp *d, uint64_t now_ns)
{
	(void)now_ns;
	(void)cap_tcp_expire(d->tcp, UINT64_MAX);
	for (int k = 0; k < 2; k++)
		while (d->lru_head[k] != NIL)
			ep_remove(d, d->lru_head[k]);
}

/* see dispatch.h */
size_t cap_disp_endpoints(const struct cap_disp *d)
{
	return d->n_ep;
}

/* see dispatch.h */
void cap_disp_info(const struct cap_disp *d, struct cap_disp_info *out)
{
	*out = d->info;
	out->endpoints = d->n_ep;
}

/* see dispatch.h */
void cap_disp_clock(struct cap_disp *d, uint64_t now_ns)
{
	if (now_ns > d->now)
		d->now = now_ns;
}

/* see dispatch.h */
void cap_disp_set_note_fn(struct cap_disp *d, cap_disp_note_fn fn, void *ctx)
{
	d->note_fn = fn;
	d->note_ctx = ctx;
}

/* see dispatch.h */
bool cap_disp_apply(struct cap_disp *d, const struct cap_disp_note *n)
{
	/* on this dispatcher's clock (another source's may be far behind: a pcap file next to a
	 * live interface), unless the note is newer (this source quiet, its clock not moved on
	 * by cap_disp_clock): a fresh route is never idle on arrival */
	uint64_t ts = d->now > n->ts_ns ? d->now : n->ts_ns;
	if (n->worker >= d->n_workers)
		return false;
	switch (n->kind) {
	case CAP_DISP_NOTE_EP: {
		uint8_t a[16];
		if (n->ver != 4 && n->ver != 6 && n->ver != CAP_FAM_UFRAG)
			return false;
		/* (the idle go first, as before a frame's registrations: those their dialog
		 * keeps are not taken for room) */
		(void)expire_endpoints(d, ts);
		norm(n->ver, n->a, a); /* whatever a sender left past an IPv4 address */
		reg_ep(d, n->ver, a, n->port, n->worker, n->h, n->dlg, n->tag, ts);
		d->info.registered--; /* counted as applied, not as this dispatcher's own */
		break;
	}
	case CAP_DISP_NOTE_PIN: {
		struct pin *x;
		if (n->h == 0)
			return false;
		x = pin_find(d, n->h, ts);
		if (!x)
			x = pin_add(d, n->h, n->worker, ts);
		x->worker = n->worker;
		x->tag = n->tag;
		x->seen_ns = ts > x->seen_ns ? ts : x->seen_ns;
		x->told_ns = x->seen_ns; /* the sender tells the others itself */
		if (n->ended == 2)
			x->until_ns = 0; /* (its dialog went on after its end) */
		else if (n->ended && !x->until_ns)
			x->until_ns = ts + PIN_LINGER_NS;
		break;
	}
	default: return false;
	}
	d->info.notes_applied++;
	return true;
}
