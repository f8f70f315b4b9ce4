/* Call table: SIP dialogs, their SDP endpoints and I_MESSAGE texts, media bound to them (see
 * capture.h, "call table"). Every table is capped; every refusal is counted in cap_stats. */
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "capture/internal.h"

enum { SIDE_OFFER = 0, SIDE_ANSWER = 1 };

/* The call lists, each in the order of last activity (oldest first) and with an idle time of
 * its own: calls without any response (early_idle_ns), calls with a provisional one
 * (ringing_idle_ns), established calls in EST_TIERS tiers (idle_ns, and longer ones for the
 * dialogs whose Session-Expires asks for more: see est_tier), ended calls (linger_ns, from
 * their end). One idle time per list keeps each list sorted by its deadline. */
#define EST_TIERS 6
enum { L_INVITED = 0, L_PROCEEDING, L_EST, L_LINGER = L_EST + EST_TIERS, NLISTS };
#define UNHELD_SCAN 64 /* held calls looked past, per list, for one to give up (oldest_unheld) */
/* What oldest_unheld looks for: any call, one with claims (bindings to give up) */
enum want { W_ANY = 0, W_CLAIMS };

/* One call's claim on an endpoint. */
struct owner {
	struct cap_call *call;
	uint8_t side, kind; /* kind: CAP_EP_* */
	uint8_t stream;
};

/* An endpoint (IP version, address, port) and the calls whose SDP names it, oldest first.
 * Several calls may claim one endpoint: a port reused by a new call while the old one
 * lingers, two UEs behind NAT offering the same private address, or a third party's SDP that
 * copies a live call's endpoints. Each claim stays until its own call lets go of it, so that
 * freeing one call never unbinds another (finding 4 of the capture review). */
#define BIND_OWNERS 4
struct bind {
	struct bind *next;
	uint8_t ver;
	uint8_t a[16];
	uint16_t port;
	uint8_t n; /* claims in o[], oldest first */
	struct owner o[BIND_OWNERS];
};

struct cap_calls {
	struct cap_calls_limits lim;
	struct cap_hkey hkey; /* from lim.hash_seed */
	struct cap_stats *st;
	cap_event_fn fn;
	void *ctx;
	struct cap_call **cbucket;
	size_t ncb;
	size_t n_calls;
	uint64_t next_id;
	struct cap_call *head[NLISTS], *tail[NLISTS]; /* by L_*; oldest first */
	uint64_t idle[NLISTS];                        /* by L_* */
	uint64_t lseq;                                /* order of the list appends */
	struct cap_call *bhead, *btail; /* calls with weak claims (bweak), oldest first */
	struct bind **bbucket;
	size_t nbb, n_bind;
	struct cap_victims victims; /* endpoints whose bindings were evicted (stats media_lost) */
	struct cap_tcp *tcp;
	struct cap_sip_msg *msg;        /* scratch */
	struct cap_sdp *sdp;            /* scratch */
	uint64_t sip_ts;                /* the capture time of the SIP message being handled */
	size_t imsg_bytes;              /* I_MESSAGE text held by the calls (imsg_len + 1 each) */
	struct cap_call *thead, *ttail; /* calls holding text (in_tlist), oldest first */
};

/* see capture.h */
void cap_calls_limits_default(struct cap_calls_limits *l)
{
	l->max_calls = 16384;
	l->max_bindings = 65536;
	l->idle_ns = 300ull * 1000000000ull;
	l->linger_ns = 5ull * 1000000000ull;
	l->early_idle_ns = 32ull * 1000000000ull;
	l->ringing_idle_ns = 180ull * 1000000000ull;
	l->session_max_ns = 7200ull * 1000000000ull;
	l->max_imsg_bytes = (size_t)64 << 20;
	l->hash_seed = 0;
	l->verify_csum = false;
	cap_tcp_limits_default(&l->tcp);
}

/* see capture.h */
const char *cap_call_state_name(enum cap_call_state s)
{
	static const char *const n[] = { "invited", "proceeding", "accepted", "confirmed",
					 "ended" };
	return (unsigned)s < sizeof n / sizeof n[0] ? n[s] : "unknown";
}

/* see capture.h */
const char *cap_call_end_name(enum cap_call_end e)
{
	static const char *const n[] = { "none",    "bye",   "cancel", "rejected",
					 "timeout", "flush", "evicted" };
	return (unsigned)e < sizeof n / sizeof n[0] ? n[e] : "unknown";
}

static size_t pow2_at_least(size_t n)
{
	size_t b = 16;
	while (b < n)
		b <<= 1;
	return b;
}

static void tcp_msg(void *ctx, const struct cap_tcp_msg *m);

/* see capture.h */
enum lim_err cap_calls_new(const struct cap_calls_limits *l, struct cap_stats *st, cap_event_fn fn,
			   void *ctx, struct cap_calls **out)
{
	struct cap_calls *c;
	struct cap_calls_limits d;
	enum lim_err rc;
	*out = NULL;
	if (!l) {
		cap_calls_limits_default(&d);
		l = &d;
	}
	if (!st || !fn || l->max_calls == 0 || l->max_bindings == 0 || l->idle_ns == 0 ||
	    l->early_idle_ns == 0 || l->ringing_idle_ns == 0 || l->max_calls > ((size_t)1 << 24) ||
	    l->max_bindings > ((size_t)1 << 24) || l->max_imsg_bytes == 0 ||
	    l->max_imsg_bytes > ((size_t)1 << 40))
		return LIM_E_ARG;
	c = calloc(1, sizeof *c);
	if (!c)
		return LIM_E_NOMEM;
	c->lim = *l;
	/* an early call never waits longer than an established one */
	c->idle[L_INVITED] = l->early_idle_ns < l->idle_ns ? l->early_idle_ns : l->idle_ns;
	c->idle[L_PROCEEDING] = l->ringing_idle_ns < l->idle_ns ? l->ringing_idle_ns : l->idle_ns;
	/* established tiers: idle_ns, 2x, 4x, 8x, 16x (each at most session_max_ns), then
	 * session_max_ns; a dialog goes to the first tier not shorter than its Session-Expires */
	for (int k = 0; k < EST_TIERS; k++) {
		uint64_t v = l->idle_ns;
		for (int j = 0; j < k && v <= UINT64_MAX / 2; j++)
			v *= 2;
		if (k == EST_TIERS - 1 || v > l->session_max_ns)
			v = l->session_max_ns;
		c->idle[L_EST + k] = v > l->idle_ns ? v : l->idle_ns;
	}
	c->idle[L_LINGER] = l->linger_ns;
	cap_hkey_init(&c->hkey, l->hash_seed);
	c->st = st;
	c->fn = fn;
	c->ctx = ctx;
	c->ncb = pow2_at_least(l->max_calls);
	c->nbb = pow2_at_least(l->max_bindings);
	c->cbucket = calloc(c->ncb, sizeof *c->cbucket);
	c->bbucket = calloc(c->nbb, sizeof *c->bbucket);
	c->msg = malloc(sizeof *c->msg);
	c->sdp = malloc(sizeof *c->sdp);
	if (!c->cbucket || !c->bbucket || !c->msg || !c->sdp) {
		rc = LIM_E_NOMEM;
		goto fail;
	}
	{
		/* the stream table keyed too, from this table's seed (a value of its own) */
		struct cap_tcp_limits tl = l->tcp;
		if (!tl.hash_seed)
			tl.hash_seed = l->hash_seed ^ 0x7cb5c3a1u;
		rc = cap_tcp_new(&tl, st, tcp_msg, c, &c->tcp);
	}
	if (rc != LIM_OK)
		goto fail;
	*out = c;
	return LIM_OK;
fail:
	free(c->cbucket);
	free(c->bbucket);
	free(c->msg);
	free(c->sdp);
	free(c);
	return rc;
}

/* ------------------------------------------------------------------ media bindings */

static size_t bslot(const struct cap_calls *c, uint8_t ver, const uint8_t a[16], uint16_t port)
{
	return (size_t)cap_ep_hash(&c->hkey, ver, a, port) & (c->nbb - 1);
}

/* The binding of (ver, a, port) whose cap_ep_hash is h, or NULL. */
static struct bind *bfind_h(const struct cap_calls *c, uint64_t h, uint8_t ver, const uint8_t a[16],
			    uint16_t port)
{
	struct bind *b = c->bbucket[(size_t)h & (c->nbb - 1)];
	for (; b; b = b->next)
		if (b->ver == ver && b->port == port && memcmp(b->a, a, 16) == 0)
			return b;
	return NULL;
}

static struct bind *bfind(const struct cap_calls *c, uint8_t ver, const uint8_t a[16],
			  uint16_t port)
{
	return bfind_h(c, cap_ep_hash(&c->hkey, ver, a, port), ver, a, port);
}

/* How strongly a call's claim on an endpoint holds: an established dialog (answered in
 * our sight) over one still without a final answer (or picked up mid-dialog from a single
 * request nobody answered yet), over an ended one. */
static int call_rank(const struct cap_call *x)
{
	if (x->state == CAP_CALL_ENDED)
		return 0;
	if (x->state >= CAP_CALL_ACCEPTED && !x->pickup)
		return 2;
	return 1;
}

/* A call whose claims may go to make room in a full binding table: not established in our
 * sight (call_rank below 2), and holding at least one claim. */
static bool bweak(const struct cap_call *x)
{
	return x->n_claims > 0 && call_rank(x) < 2;
}

/* Keeps the list of bweak calls (c->bhead, in the order they became weak) up to date. */
static void bsync(struct cap_calls *c, struct cap_call *x)
{
	bool want = bweak(x);
	if (want == x->in_blist)
		return;
	if (want) {
		x->bprev = c->btail;
		x->bnext = NULL;
		if (c->btail)
			c->btail->bnext = x;
		else
			c->bhead = x;
		c->btail = x;
	} else {
		if (x->bprev)
			x->bprev->bnext = x->bnext;
		else
			c->bhead = x->bnext;
		if (x->bnext)
			x->bnext->bprev = x->bprev;
		else
			c->btail = x->bprev;
		x->bprev = x->bnext = NULL;
	}
	x->in_blist = want;
}

static void owner_remove(struct cap_calls *c, struct bind *b, size_t i)
{
	struct cap_call *x = b->o[i].call;
	memmove(&b->o[i], &b->o[i + 1], (b->n - i - 1) * sizeof b->o[0]);
	b->n--;
	x->n_claims--;
	bsync(c, x);
}

static void unbind_side(struct cap_calls *c, struct cap_call *call, struct cap_call_sdp *sd);
static void purge_claims(struct cap_calls *c, struct cap_call *x);

/* The endpoints of side sd of call v that v claims with no other open call (ended ones, which
 * linger, may claim them too): they are unbound when v's claims go (and the ended calls'
 * with them soon), so media that comes to them later is lost to the limit (stats
 * media_lost). */
static void note_victims(struct cap_calls *c, const struct cap_call *v,
			 const struct cap_call_sdp *sd)
{
	for (size_t i = 0; i < sd->n_media; i++) {
		const struct cap_call_media *m = &sd->media[i];
		struct cap_media_ep ep[CAP_MEDIA_MAX_EP];
		size_t n = m->bound ? cap_media_eps(sd, i, ep) : 0;
		for (size_t k = 0; k < n; k++) {
			const struct cap_addr *a = &ep[k].addr;
			uint64_t h = cap_ep_hash(&c->hkey, a->family, a->a, ep[k].port);
			const struct bind *b = bfind_h(c, h, a->family, a->a, ep[k].port);
			bool alone = b != NULL;
			for (size_t j = 0; b && j < b->n; j++)
				alone = alone &&
					(b->o[j].call == v || call_rank(b->o[j].call) == 0);
			if (alone)
				cap_victims_add(&c->victims, h);
		}
	}
}

static struct cap_call *oldest_unheld(const struct cap_calls *c, int first, int last,
				      const struct cap_call *keep, enum want w);

/* The binding table is full: the claims of the call that became weak first (an early call,
 * ended one or unanswered pick-up), other than keep, go. false when there is none. A flood of
 * unanswered INVITEs with SDP would otherwise fill the table and leave every new call,
 * a target's among them, unbound (finding 8 of the capture review); with none, those of the
 * oldest established call not held (answered floods: an audit). Only a call not ended
 * counts as evicted (an ended call's claims only wait for trailing RTP); its endpoints become
 * victims, whose media is then counted as lost until they are bound again (an early call
 * binds again when it is answered). */
static bool bevict(struct cap_calls *c, const struct cap_call *keep)
{
	struct cap_call *v = c->bhead;
	/* the weak claims of a call the caller holds stay (a target's call still ringing) */
	for (int k = 0; v && (v == keep || v->held) && k < UNHELD_SCAN; k++)
		v = v->bnext;
	if (v && (v == keep || v->held))
		v = NULL;
	if (!v) /* no weak claim: an established call's the caller does not hold (an audit) */
		v = oldest_unheld(c, L_EST, L_EST + EST_TIERS - 1, keep, W_CLAIMS);
	if (!v)
		return false;
	if (call_rank(v) > 0) {
		note_victims(c, v, &v->offer);
		note_victims(c, v, &v->answer);
		c->st->media_evicted++;
	}
	unbind_side(c, v, &v->offer);
	unbind_side(c, v, &v->answer);
	purge_claims(c, v);
	return true;
}

static bool bset(struct cap_calls *c, struct cap_call *call, uint8_t side, size_t stream,
		 const struct cap_addr *addr, uint16_t port, uint8_t kind)
{
	struct bind *b = bfind(c, addr->family, addr->a, port);
	bool contested = false;
	if (!b) {
		size_t s;
		uint64_t h;
		while (c->n_bind >= c->lim.max_bindings)
			if (!bevict(c, call))
				break;
		if (c->n_bind >= c->lim.max_bindings) {
			c->st->drop[CAP_DROP_CALL_MEDIA]++;
			return false;
		}
		b = calloc(1, sizeof *b);
		if (!b) {
			c->st->drop[CAP_DROP_CALL_NOMEM]++;
			return false;
		}
		b->ver = addr->family;
		memcpy(b->a, addr->a, 16);
		b->port = port;
		h = cap_ep_hash(&c->hkey, b->ver, b->a, port);
		cap_victims_take(&c->victims, h);
		s = (size_t)h & (c->nbb - 1);
		b->next = c->bbucket[s];
		c->bbucket[s] = b;
		c->n_bind++;
	}
	/* the call's own earlier claim moves to the top (the newest) */
	for (size_t i = 0; i < b->n; i++)
		if (b->o[i].call == call) {
			owner_remove(c, b, i);
			break;
		}
	if (b->n == BIND_OWNERS) {
		/* full: the weakest claim goes (lowest rank, the oldest of those) */
		size_t w = 0;
		for (size_t i = 1; i < b->n; i++)
			if (call_rank(b->o[i].call) < call_rank(b->o[w].call))
				w = i;
		owner_remove(c, b, w);
	}
	for (size_t i = 0; i < b->n; i++)
		if (b->o[i].call->state != CAP_CALL_ENDED)
			contested = true;
	if (contested)
		c->st->media_contested++;
	b->o[b->n].call = call;
	b->o[b->n].side = side;
	b->o[b->n].stream = (uint8_t)stream;
	b->o[b->n].kind = kind;
	b->n++;
	call->n_claims++;
	bsync(c, call);
	return true;
}

/* Drops call's claim on the endpoint *pp (if it has one); an endpoint nobody claims any more
 * is unlinked and freed: true then (*pp is the next one). */
static bool unclaim(struct cap_calls *c, struct bind **pp, const struct cap_call *call)
{
	struct bind *b = *pp;
	for (size_t i = 0; i < b->n; i++)
		if (b->o[i].call == call) {
			owner_remove(c, b, i);
			break;
		}
	if (b->n)
		return false;
	*pp = b->next;
	free(b);
	c->n_bind--;
	return true;
}

/* Drops the call's own claim on an endpoint; the endpoint stays bound to the other calls that
 * claim it, and is forgotten when none is left. */
static void bdel(struct cap_calls *c, struct cap_call *call, const struct cap_addr *addr,
		 uint16_t port)
{
	struct bind **pp = &c->bbucket[bslot(c, addr->family, addr->a, port)];
	for (; *pp; pp = &(*pp)->next) {
		struct bind *b = *pp;
		if (b->ver == addr->family && b->port == port && memcmp(b->a, addr->a, 16) == 0) {
			(void)unclaim(c, pp, call);
			return;
		}
	}
}

static bool claims(const struct bind *b, const struct cap_call *x)
{
	for (size_t i = 0; b && i < b->n; i++)
		if (b->o[i].call == x)
			return true;
	return false;
}

static struct cap_call_ssrc *ssrc_find(struct cap_call *x, uint32_t ssrc);

/* Whether the packet of ssrc continues a stream of o's call on o's own media line: its SSRC
 * first seen there (or named to the call by its user, cap_calls_add_ssrc). Seen on another
 * line of the call does not count: a forged dialog that adds a line of its own and sends it
 * one packet of the target's SSRC (in clear in every packet) must not tie with the call whose
 * stream it is (a review). */
static bool continues(const struct owner *o, uint32_t ssrc)
{
	const struct cap_call_ssrc *e = ssrc_find(o->call, ssrc);
	return e && (e->from_user || (e->side == o->side && e->stream == o->stream)) &&
	       (!e->after_end || o->call->went_on);
}

/* Whether the packet of ssrc continues a stream of call x on one of x's claims in b (its
 * other endpoint): the bonus is the call's, not one claim's, so that of two claims of one
 * call the destination still wins (a stream whose SSRC was first seen the other way, the
 * same SSRC both ways, went by its source). */
static bool continues_on(const struct bind *b, const struct cap_call *x, uint32_t ssrc)
{
	for (size_t i = 0; b && i < b->n; i++)
		if (b->o[i].call == x && continues(&b->o[i], ssrc))
			return true;
	return false;
}

/* The claim a media packet goes to, among those on its destination (bd) and source (bs)
 * endpoints: first a call that claims both (the packet runs between two endpoints of that
 * one dialog), then a call in progress that has seen the packet's SSRC (ssrc, when has_ssrc:
 * the stream it continues), then the call's rank, then the destination over the source, then
 * the newest claim. *by_src tells which endpoint matched. NULL when neither endpoint is
 * bound. The SSRC comes before the newest claim so that a dialog forged with another Call-ID
 * and the target's endpoints (an INVITE and a 200 OK anyone on the path can send) cannot
 * take a stream that is flowing: before, the newest claim took every later packet. A new
 * call on the endpoints of one whose end was missed still gets its media: its SSRC is new. */
static const struct owner *media_owner(const struct bind *bd, const struct bind *bs, bool has_ssrc,
				       uint32_t ssrc, bool *by_src)
{
	const struct owner *best = NULL;
	int best_score = -1;
	if ((bd ? bd->n : 0) + (bs ? bs->n : 0) < 2)
		has_ssrc = false; /* one claim: nothing to choose */
	for (int pass = 0; pass < 2; pass++) {
		const struct bind *b = pass ? bs : bd, *other = pass ? bd : bs;
		for (size_t i = 0; b && i < b->n; i++) {
			const struct owner *o = &b->o[i];
			int score = call_rank(o->call) * 2 + (pass == 0 ? 1 : 0);
			if (claims(other, o->call))
				score += 16;
			/* (not for a claim on the source alone: an established claim on the
			 * destination, alone there, still wins, which handle_media's one lookup
			 * relies on) */
			if (has_ssrc && (pass == 0 || claims(other, o->call)) &&
			    (call_rank(o->call) > 0 || o->call->linger) &&
			    (continues(o, ssrc) || continues_on(other, o->call, ssrc)))
				score += 8;
			if (score >= best_score) { /* equal: the newer claim */
				best = o;
				best_score = score;
				*by_src = pass == 1;
			}
		}
	}
	return best;
}

static void unbind_side(struct cap_calls *c, struct cap_call *call, struct cap_call_sdp *sd)
{
	for (size_t i = 0; i < sd->n_media; i++) {
		struct cap_call_media *m = &sd->media[i];
		struct cap_media_ep ep[CAP_MEDIA_MAX_EP];
		size_t n;
		if (!m->bound)
			continue;
		n = cap_media_eps(sd, i, ep);
		for (size_t k = 0; k < n; k++)
			bdel(c, call, &ep[k].addr, ep[k].port);
		m->bound = false;
	}
}

/* A media line is bound when its first endpoint is (c= and m=, else its first candidate); its
 * other endpoints follow that one. */
static void bind_side(struct cap_calls *c, struct cap_call *call, uint8_t side)
{
	struct cap_call_sdp *sd = side == SIDE_OFFER ? &call->offer : &call->answer;
	for (size_t i = 0; i < sd->n_media; i++) {
		struct cap_call_media *m = &sd->media[i];
		struct cap_media_ep ep[CAP_MEDIA_MAX_EP];
		size_t n = cap_media_eps(sd, i, ep);
		if (n == 0)
			continue;
		bool was = m->bound;
		m->bound = bset(c, call, side, i, &ep[0].addr, ep[0].port, ep[0].kind);
		if (m->bound) {
			for (size_t k = 1; k < n; k++)
				(void)bset(c, call, side, i, &ep[k].addr, ep[k].port, ep[k].kind);
		} else if (was) {
			/* its first claim went (the weakest of a full endpoint) and could not come
			 * back: no claim of it may stay behind on its other endpoints either */
			for (size_t k = 0; k < n; k++)
				bdel(c, call, &ep[k].addr, ep[k].port);
		}
	}
}

/* A call holds one claim per endpoint, whichever of its lines named it: when one side's
 * lines are unbound (its SDP changed), an endpoint the other side names too (a candidate
 * both list, or the same c= and m=) lost the claim that side still needs. It is claimed
 * again here, for that side. */
static void rebind_other(struct cap_calls *c, struct cap_call *call, uint8_t side)
{
	struct cap_call_sdp *sd = side == SIDE_OFFER ? &call->offer : &call->answer;
	for (size_t i = 0; i < sd->n_media; i++) {
		const struct cap_call_media *m = &sd->media[i];
		struct cap_media_ep ep[CAP_MEDIA_MAX_EP];
		size_t n = m->bound ? cap_media_eps(sd, i, ep) : 0;
		for (size_t k = 0; k < n; k++)
			if (!claims(bfind(c, ep[k].addr.family, ep[k].addr.a, ep[k].port), call))
				(void)bset(c, call, side, i, &ep[k].addr, ep[k].port, ep[k].kind);
	}
}

/* Claims of x left after unbinding its sides: none, by construction (every claim belongs to
 * a bound media line). Should that ever fail, the table is searched so that no claim outlives
 * its call (a dangling one would be followed by the next media packet). */
static void purge_claims(struct cap_calls *c, struct cap_call *x)
{
	for (size_t i = 0; x->n_claims && i < c->nbb; i++) {
		struct bind **pp = &c->bbucket[i];
		while (*pp) {
			if (!unclaim(c, pp, x))
				pp = &(*pp)->next;
		}
	}
	if (x->n_claims) {
		x->n_claims = 0;
		bsync(c, x);
	}
}

/* ------------------------------------------------------------------ calls */

static void text_set(const struct cap_calls *c, struct cap_text *t, struct cap_str s)
{
	t->cut = s.len >= sizeof t->s;
	t->len = t->cut ? sizeof t->s - 1 : s.len;
	/* a value longer than kept: its length and keyed hash, so that one that differs only
	 * after the kept prefix is another (text_eq) */
	t->wire_len = s.len;
	t->wire_sum = t->cut ? cap_hash(&c->hkey, s.p, s.len) : 0;
	if (t->len)
		memcpy(t->s, s.p, t->len);
	t->s[t->len] = '\0';
}

/* A wire value equals a kept text: octet for octet (RFC 3261 s20.8: Call-IDs "are compared
 * byte-by-byte"; tags alike), and beyond the kept prefix of one that was cut by its length
 * and keyed hash. (Before, only the prefix: a BYE whose Call-ID differed after octet 255
 * ended the call, which its peer answered with 481 and went on.) */
static bool text_eq(const struct cap_calls *c, const struct cap_text *t, struct cap_str s)
{
	if (t->cut)
		return s.len == t->wire_len && memcmp(t->s, s.p, t->len) == 0 &&
		       cap_hash(&c->hkey, s.p, s.len) == t->wire_sum;
	return s.len == t->len && (t->len == 0 || memcmp(t->s, s.p, t->len) == 0);
}

static size_t cslot(const struct cap_calls *c, struct cap_str cid)
{
	/* the kept prefix only: longer Call-IDs that share it are the same call (text_eq) */
	size_t n = cid.len < CAP_CALL_MAX_TEXT ? cid.len : CAP_CALL_MAX_TEXT - 1;
	return (size_t)cap_hash(&c->hkey, cid.p, n) & (c->ncb - 1);
}

static void emit(struct cap_calls *c, struct cap_event *ev)
{
	c->fn(c->ctx, ev);
}

static void emit_call(struct cap_calls *c, enum cap_ev_type type, struct cap_call *call,
		      const struct cap_pkt *p, uint64_t ts, unsigned changed)
{
	struct cap_event ev;
	memset(&ev, 0, sizeof ev);
	ev.type = type;
	ev.ts_ns = ts;
	ev.call = call;
	ev.pkt = p;
	ev.changed = changed;
	emit(c, &ev);
}

static void lru_unlink(struct cap_calls *c, struct cap_call *x)
{
	int l = x->lst;
	if (x->lprev)
		x->lprev->lnext = x->lnext;
	else
		c->head[l] = x->lnext;
	if (x->lnext)
		x->lnext->lprev = x->lprev;
	else
		c->tail[l] = x->lprev;
	x->lprev = x->lnext = NULL;
}

static void lru_append(struct cap_calls *c, struct cap_call *x)
{
	int l = x->lst;
	x->lseq = ++c->lseq;
	x->lprev = c->tail[l];
	x->lnext = NULL;
	if (c->tail[l])
		c->tail[l]->lnext = x;
	else
		c->head[l] = x;
	c->tail[l] = x;
}

static void touch(struct cap_calls *c, struct cap_call *x, uint64_t ts)
{
	if (x->linger)
		return; /* an ended call is freed linger_ns after its end */
	if (ts > x->last_ns)
		x->last_ns = ts;
	if (c->tail[x->lst] == x) {
		x->lseq = ++c->lseq; /* the order across the lists (oldest) */
		return;
	}
	lru_unlink(c, x);
	lru_append(c, x);
}

/* An ended call whose own stream goes on (RTP of an SSRC it had on that media line before its
 * end; any RTP once its dialog went on, x->went_on, or that the caller found the call's own,
 * x->media_ok: a new SSRC under the same keys) lingers linger_ns past that packet, at ts,
 * and so on while its media flows: a call the signalling says ended (a BYE that a party's
 * second UA answered 200 from the address the BYE went to, a forged 481) but whose media goes
 * on between the same endpoints is still followed, its content still the call's (a party could
 * otherwise blind its own interception with a dialog's end the peer never saw). The list stays
 * in deadline order: ts is the clock. */
static void linger_on(struct cap_calls *c, struct cap_call *x, uint64_t ts)
{
	if (ts <= x->last_ns)
		return;
	x->last_ns = ts;
	if (c->tail[x->lst] != x) {
		lru_unlink(c, x);
		lru_append(c, x);
	}
}

/* The list an open call belongs in (by its state). */
static uint8_t list_of(const struct cap_call *x)
{
	if (x->linger)
		return L_LINGER;
	if (x->state == CAP_CALL_INVITED)
		return L_INVITED;
	if (x->state == CAP_CALL_PROCEEDING)
		return L_PROCEEDING;
	return L_EST;
}

/* The list of an established call: the first tier whose idle time covers its Session-Expires
 * (capped at session_max_ns); RFC 4028 s10: a refresh comes before the interval ends, so a
 * held call without RTP lives as long as its refreshes keep coming. */
static uint8_t est_tier(const struct cap_calls *c, const struct cap_call *x)
{
	uint64_t want = (uint64_t)x->session_expires * 1000000000ull;
	if (want > c->lim.session_max_ns)
		want = c->lim.session_max_ns;
	for (int k = 0; k < EST_TIERS; k++)
		if (c->idle[L_EST + k] >= want)
			return (uint8_t)(L_EST + k);
	return L_EST + EST_TIERS - 1;
}

/* After a change of state: the call moves to its list (at the tail: it was just touched),
 * and its claims' weakness follows its rank. */
static void relist(struct cap_calls *c, struct cap_call *x)
{
	uint8_t l = list_of(x);
	if (l == L_EST)
		l = est_tier(c, x);
	if (l != x->lst) {
		lru_unlink(c, x);
		x->lst = l;
		lru_append(c, x);
	}
	bsync(c, x);
}

/* The head of the lists first..last (inclusive) that was appended first, other than keep; with
 * now_ns != 0, only a head idle past its list's idle time. NULL when none. */
static struct cap_call *oldest(const struct cap_calls *c, int first, int last,
			       const struct cap_call *keep, uint64_t now_ns)
{
	struct cap_call *o = NULL;
	for (int l = first; l <= last; l++) {
		struct cap_call *h = c->head[l];
		if (h && h == keep)
			h = h->lnext;
		if (!h || (now_ns && !(now_ns > h->last_ns && now_ns - h->last_ns > c->idle[l])))
			continue;
		if (!o || h->lseq < o->lseq)
			o = h;
	}
	return o;
}

/* The least recently active call of lists first..last that the caller does not hold (struct
 * cap_call held), other than keep, and with what w wants: what a full table gives up (the
 * caller's interceptions never go, ringing or established). Each list is looked at from its
 * head past at most UNHELD_SCAN calls held or without what w wants, so that a table of held
 * calls costs a bounded look, not a walk. */
static struct cap_call *oldest_unheld(const struct cap_calls *c, int first, int last,
				      const struct cap_call *keep, enum want w)
{
	struct cap_call *o = NULL;
	for (int l = first; l <= last; l++) {
		struct cap_call *h = c->head[l];
		for (int k = 0; h && k < UNHELD_SCAN; h = h->lnext, k++) {
			if (h == keep || h->held || (w == W_CLAIMS && !h->n_claims))
				continue;
			if (!o || h->lseq < o->lseq)
				o = h;
			break;
		}
	}
	return o;
}

/* Puts x in the text list when it holds I_MESSAGE text and is not in it, takes it out when it
 * holds none (after each change to its SDPs' text). */
static void tlist_sync(struct cap_calls *c, struct cap_call *x)
{
	bool has = x->offer.imsg || x->answer.imsg || x->pend[0].imsg || x->pend[1].imsg;
	if (has == x->in_tlist)
		return;
	if (has) {
		x->tprev = c->ttail;
		x->tnext = NULL;
		if (c->ttail)
			c->ttail->tnext = x;
		else
			c->thead = x;
		c->ttail = x;
	} else {
		if (x->tprev)
			x->tprev->tnext = x->tnext;
		else
			c->thead = x->tnext;
		if (x->tnext)
			x->tnext->tprev = x->tprev;
		else
			c->ttail = x->tprev;
		x->tprev = x->tnext = NULL;
	}
	x->in_tlist = has;
}

/* I_MESSAGE text of len octets (+ NUL) for a call, counted in c->imsg_bytes; NULL when it would
 * pass the hard cap (max_imsg_bytes + IMSG_SLACK: every call held, so imsg_trim could not
 * make room; CAP_DROP_CALL_IMSG) or on no memory (CAP_DROP_CALL_NOMEM). */
#define IMSG_SLACK (4 * (CAP_CALL_MAX_IMSG + 1)) /* one call's four SDPs' worth */
static char *imsg_alloc(struct cap_calls *c, size_t len)
{
	char *s;
	if (c->imsg_bytes > c->lim.max_imsg_bytes + IMSG_SLACK ||
	    len + 1 > c->lim.max_imsg_bytes + IMSG_SLACK - c->imsg_bytes) {
		c->st->drop[CAP_DROP_CALL_IMSG]++;
		return NULL;
	}
	s = malloc(len + 1);
	if (!s) {
		c->st->drop[CAP_DROP_CALL_NOMEM]++;
		return NULL;
	}
	c->imsg_bytes += len + 1;
	return s;
}

/* Frees imsg text of len octets that imsg_alloc gave. */
static void imsg_free(struct cap_calls *c, char *s, size_t len)
{
	if (!s)
		return;
	c->imsg_bytes -= len + 1;
	free(s);
}

static void sdp_clear(struct cap_calls *c, struct cap_call_sdp *s)
{
	imsg_free(c, s->imsg, s->imsg_len);
	memset(s, 0, sizeof *s);
}

/* Removes the call from every table; with events, CAP_EV_CALL_FREE is its last one. */
static void call_free(struct cap_calls *c, struct cap_call *x, bool events, uint64_t ts)
{
	struct cap_call **pp =
		&c->cbucket[cslot(c, (struct cap_str){ x->call_id.s, x->call_id.len })];
	unbind_side(c, x, &x->offer);
	unbind_side(c, x, &x->answer);
	purge_claims(c, x);
	while (*pp && *pp != x)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = x->hnext;
	lru_unlink(c, x);
	c->n_calls--;
	if (events)
		emit_call(c, CAP_EV_CALL_FREE, x, NULL, ts, 0);
	sdp_clear(c, &x->offer);
	sdp_clear(c, &x->answer);
	sdp_clear(c, &x->pend[0]);
	sdp_clear(c, &x->pend[1]);
	tlist_sync(c, x);
	free(x);
}

/* Ends an open call at ts (event) and moves it to the linger list, its linger_ns counted from
 * now (>= ts: the list stays in the order of its deadlines). */
static void call_end_at(struct cap_calls *c, struct cap_call *x, enum cap_call_end why,
			const struct cap_pkt *p, uint64_t ts, uint64_t now)
{
	if (x->state == CAP_CALL_ENDED)
		return;
	x->state = CAP_CALL_ENDED;
	x->end = why;
	x->end_ns = ts;
	c->st->calls_ended++;
	if (why == CAP_END_TIMEOUT)
		c->st->calls_timeout++;
	lru_unlink(c, x);
	x->linger = true;
	x->lst = L_LINGER;
	x->last_ns = now;
	lru_append(c, x);
	bsync(c, x);
	emit_call(c, CAP_EV_CALL_END, x, p, ts, 0);
}

/* Ends an open call at ts, the time of what ended it. */
static void call_end(struct cap_calls *c, struct cap_call *x, enum cap_call_end why,
		     const struct cap_pkt *p, uint64_t ts)
{
	call_end_at(c, x, why, p, ts, ts);
}

/* RFC 4028 s4: "Session-Expires" (compact "x") = delta-seconds *(";" se-params). An INVITE or
 * UPDATE, or their 2xx (whose value is the one in force, s9), sets the call's
 * session_expires; a malformed or zero value is ignored (the call keeps what it had). */
static void session_expires(const struct cap_sip_msg *m, struct cap_call *x)
{
	size_t from = 0;
	const struct cap_sip_hdr *h = cap_sip_find(m, CAP_H_SESSION_EXPIRES, &from);
	struct cap_str v;
	const char *semi;
	uint64_t n;
	if (!h)
		return;
	v = h->value;
	semi = v.len ? memchr(v.p, ';', v.len) : NULL;
	if (semi)
		v.len = (size_t)(semi - v.p);
	v = cap_str_trim(v);
	if (!cap_str_u64(v, UINT64_MAX, &n) || n == 0)
		return;
	x->session_expires = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

/* The call a full table gives up, other than keep: the oldest call without any response, else
 * the oldest ringing one, else the oldest established one, not held. */
static struct cap_call *unheld_victim(const struct cap_calls *c, const struct cap_call *keep)
{
	struct cap_call *x;
	if ((x = oldest_unheld(c, L_INVITED, L_INVITED, keep, W_ANY)) ||
	    (x = oldest_unheld(c, L_PROCEEDING, L_PROCEEDING, keep, W_ANY)))
		return x;
	return oldest_unheld(c, L_EST, L_EST + EST_TIERS - 1, keep, W_ANY);
}

static void call_evict(struct cap_calls *c, struct cap_call *x, uint64_t ts)
{
	call_end(c, x, CAP_END_EVICTED, NULL, ts);
	call_free(c, x, true, ts);
	c->st->calls_evicted++;
}

/* Brings the I_MESSAGE text held back within max_imsg_bytes once a SIP message is handled
 * (not during it: its handling holds pointers to calls): the calls holding text go in the
 * order they came to hold it (the text list), those the caller holds passed over (at most
 * UNHELD_SCAN of them: a bounded look), an ended one freed, another evicted. A flood of calls
 * (or re-INVITEs) with I_MESSAGEs of the largest size kept (CAP_CALL_MAX_IMSG, four per
 * call) held some 64 KiB per call, 1 GiB per table of 16384 calls (an audit). A list of its
 * own: looking through the state lists for calls with text, 64 INVITEs without SDP ahead of
 * the flood hid it (a review). Held calls never go: past max_imsg_bytes + IMSG_SLACK,
 * imsg_alloc refuses new text. */
static void imsg_trim(struct cap_calls *c, uint64_t ts)
{
	while (c->imsg_bytes > c->lim.max_imsg_bytes) {
		struct cap_call *x = c->thead;
		for (int k = 0; x && x->held && k < UNHELD_SCAN; k++)
			x = x->tnext;
		if (!x || x->held)
			break;
		if (x->state == CAP_CALL_ENDED) {
			call_free(c, x, true, ts);
		} else {
			call_evict(c, x, ts);
		}
	}
}

/* Creates a call for m. When the table is full, the oldest ended call not held makes room, else
 * the oldest call without any response, else the oldest ringing one, else the oldest
 * established one not held (CAP_END_EVICTED, stats calls_evicted), else the oldest ended one
 * held: a flood of unanswered INVITEs (finding 8 of the capture review), or of answered ones
 * (an audit: anyone can send the 200 OK too), must not keep new calls, a target's among them,
 * out for the whole idle time, nor take an interception whose media goes on after its end.
 * keep (may be NULL) is never the one to go: the caller still uses it. */
static struct cap_call *call_new(struct cap_calls *c, const struct cap_sip_msg *m, uint64_t ts,
				 const struct cap_call *keep)
{
	struct cap_call *x;
	size_t s;
	if (c->n_calls >= c->lim.max_calls &&
	    (x = oldest_unheld(c, L_LINGER, L_LINGER, keep, W_ANY)))
		call_free(c, x, true, ts);
	if (c->n_calls >= c->lim.max_calls && (x = unheld_victim(c, keep)))
		call_evict(c, x, ts);
	/* an ended call held (an interception whose media may go on after its end) only then,
	 * so that a flood of calls does not take it */
	if (c->n_calls >= c->lim.max_calls && (x = oldest(c, L_LINGER, L_LINGER, keep, 0)))
		call_free(c, x, true, ts);
	if (c->n_calls >= c->lim.max_calls) {
		c->st->drop[CAP_DROP_CALL_TABLE]++;
		return NULL;
	}
	x = calloc(1, sizeof *x);
	if (!x) {
		c->st->drop[CAP_DROP_CALL_NOMEM]++;
		return NULL;
	}
	x->id = ++c->next_id;
	text_set(c, &x->call_id, m->call_id);
	text_set(c, &x->from_uri, m->from.uri);
	text_set(c, &x->to_uri, m->to.uri);
	text_set(c, &x->from_tag, m->from.tag);
	text_set(c, &x->to_tag, m->to.tag);
	for (x->n_pai = 0; x->n_pai < m->n_pai && x->n_pai < CAP_SIP_MAX_PAI; x->n_pai++)
		text_set(c, &x->pai[x->n_pai], m->pai[x->n_pai].uri);
	x->first_ns = x->last_ns = ts;
	x->invite_cseq = m->cseq;
	if (m->is_request)
		session_expires(m, x); /* the INVITE's; its 2xx may change it */
	s = cslot(c, m->call_id);
	x->hnext = c->cbucket[s];
	c->cbucket[s] = x;
	x->lst = L_INVITED;
	lru_append(c, x);
	c->n_calls++;
	c->st->calls++;
	return x;
}

/* A fork of x (same offer) with To tag tag. */
static struct cap_call *call_fork(struct cap_calls *c, struct cap_call *x,
				  const struct cap_sip_msg *m, uint64_t ts)
{
	struct cap_call *f = call_new(c, m, ts, x);
	if (!f)
		return NULL;
	f->from_uri = x->from_uri;
	f->to_uri = x->to_uri;
	f->from_tag = x->from_tag;
	f->n_pai = x->n_pai;
	memcpy(f->pai, x->pai, sizeof f->pai);
	f->first_ns = x->first_ns;
	f->invite_cseq = x->invite_cseq;
	f->session_expires = x->session_expires;
	f->over_tcp = x->over_tcp;
	f->forked = true;
	text_set(c, &f->to_tag, m->to.tag);
	f->offer = x->offer;
	f->offer.imsg = NULL;
	f->offer.n_learn = 0; /* (learned by the dialog's own checks: not the fork's) */
	for (size_t i = 0; i < f->offer.n_media; i++) {
		f->offer.media[i].bound = false;
		f->offer.media[i].packets = f->offer.media[i].rtcp = 0;
	}
	if (x->offer.imsg) {
		f->offer.imsg = imsg_alloc(c, x->offer.imsg_len);
		if (f->offer.imsg)
			memcpy(f->offer.imsg, x->offer.imsg, x->offer.imsg_len + 1);
		else
			f->offer.imsg_len = 0;
	}
	tlist_sync(c, f);
	c->st->forks++;
	return f;
}

/* ------------------------------------------------------------------ SDP of a side */

/* An MCPTT floor-control m= line (TS 24.379 Annex: "m=application <port> udp MCPTT"). */
static bool floor_line(const struct cap_sdp_media *sm)
{
	return cap_str_ieq(sm->media, "application") && cap_str_ieq(sm->proto, "udp");
}

/* Whether a line of n names the endpoint already (its c= and m=, a=rtcp, a candidate): the
 * default candidate is c= and m= again, and one line's endpoint given again by another would
 * move the call's claim (and its media) to that line. */
static bool sdp_has_ep(const struct cap_call_sdp *n, const struct cap_addr *a, uint16_t port)
{
	for (size_t j = 0; j < n->n_media; j++) {
		struct cap_media_ep ep[CAP_MEDIA_MAX_EP];
		size_t ne = cap_media_eps(n, j, ep);
		for (size_t k = 0; k < ne; k++)
			if (ep[k].port == port && cap_addr_eq(&ep[k].addr, a))
				return true;
	}
	return false;
}

/* Appends line sm to n: its media, without candidates (cap_sdp_media_build adds them). */
static void media_of_sdp(const struct cap_sdp_media *sm, struct cap_call_sdp *n)
{
	size_t line = n->n_media++;
	struct cap_call_media *m = &n->media[line];
	size_t l = sm->media.len < sizeof m->media ? sm->media.len : sizeof m->media - 1;
	memset(m, 0, sizeof *m);
	if (l)
		memcpy(m->media, sm->media.p, l);
	m->media[l] = '\0';
	m->addr = sm->conn;
	m->port = sm->port;
	/* TS 24.380 s12 / TS 24.379: "m=application PORT udp MCPTT" carries MCPTT floor
	 * control, RTCP APP packets and nothing else: demultiplexed as RFC 5761 does, so
	 * that they are RTCP whatever their first octet says as RTP */
	m->mux_forced = floor_line(sm);
	m->rtcp_mux = sm->rtcp_mux || m->mux_forced;
	m->rtcp_addr = m->addr;
	/* (with a=rtcp-mux too: where RTCP goes if the peer does not take mux up) */
	if (sm->rtcp_port) {
		m->rtcp_port = sm->rtcp_port;
		if (sm->rtcp_addr.family)
			m->rtcp_addr = sm->rtcp_addr;
	} else if (sm->port && sm->port < 65535) {
		m->rtcp_port = (uint16_t)(sm->port + 1); /* RFC 3550 s11 */
	}
}

/* see internal.h. The candidates: the lines' own endpoints first (c= and m=, a=rtcp: the
 * default candidate is c= and m= again, and a line's endpoint given again by another line
 * would move the call's claim, and its media, to that line); of the others, of the lines in
 * use, each endpoint once, the CAP_CALL_MAX_CAND of highest priority (equals in SDP order:
 * the pair the agents select is the highest-priority one that works, so a client with many
 * interfaces keeps its host and server-reflexive candidates before the relays); each line's
 * then laid out in SDP order. */
size_t cap_sdp_media_build(const struct cap_sdp *s, struct cap_call_sdp *n)
{
	struct pick {
		uint8_t line, k;
	} pk[CAP_CALL_MAX_MEDIA * CAP_SDP_MAX_CAND];
	bool take[CAP_CALL_MAX_MEDIA][CAP_SDP_MAX_CAND];
	size_t np = 0, over = 0, taken = 0;
	for (size_t i = 0; i < s->n_media && n->n_media < CAP_CALL_MAX_MEDIA; i++)
		media_of_sdp(&s->media[i], n);
	memset(take, 0, sizeof take);
	for (size_t j = 0; j < n->n_media; j++) {
		const struct cap_sdp_media *sm = &s->media[j];
		if (n->media[j].port == 0) /* not in use: nor are its candidates */
			continue;
		over += sm->n_cand_over;
		for (size_t k = 0; k < sm->n_cand && k < CAP_SDP_MAX_CAND; k++) {
			size_t at = np++;
			if (sdp_has_ep(n, &sm->cand[k].addr, sm->cand[k].port)) {
				np--;
				continue;
			}
			/* insertion, stable: after every one of at least its priority */
			while (at > 0 && s->media[pk[at - 1].line].cand[pk[at - 1].k].priority <
						 sm->cand[k].priority) {
				pk[at] = pk[at - 1];
				at--;
			}
			pk[at].line = (uint8_t)j;
			pk[at].k = (uint8_t)k;
		}
	}
	for (size_t i = 0; i < np; i++) {
		const struct cap_sdp_cand *cd = &s->media[pk[i].line].cand[pk[i].k];
		bool dup = false;
		for (size_t q = 0; q < i && !dup; q++) {
			const struct cap_sdp_cand *o = &s->media[pk[q].line].cand[pk[q].k];
			dup = o->port == cd->port && cap_addr_eq(&o->addr, &cd->addr);
		}
		if (dup)
			continue;
		if (taken == CAP_CALL_MAX_CAND) {
			over++;
			continue;
		}
		take[pk[i].line][pk[i].k] = true;
		taken++;
	}
	for (size_t j = 0; j < n->n_media; j++) {
		struct cap_call_media *m = &n->media[j];
		m->cand_at = (uint8_t)n->n_cand;
		for (size_t k = 0; k < CAP_SDP_MAX_CAND; k++)
			if (take[j][k]) {
				n->cand[n->n_cand++] = s->media[j].cand[k];
				m->n_cand++;
			}
	}
	/* the lines' ICE ufrags (a session-level one is every line's), for the connectivity
	 * checks that name them (learn_check) */
	for (size_t j = 0; j < n->n_media; j++) {
		uint8_t id[CAP_UFRAG_ID_LEN];
		size_t k = 0;
		if (n->media[j].port == 0 || s->media[j].ice_ufrag.len == 0)
			continue;
		cap_ufrag_id(s->media[j].ice_ufrag, id);
		while (k < n->n_ufrag && memcmp(n->ufrag[k], id, sizeof id) != 0)
			k++;
		if (k == CAP_CALL_MAX_UFRAG)
			continue;
		if (k == n->n_ufrag)
			memcpy(n->ufrag[n->n_ufrag++], id, sizeof id);
		n->media[j].ufrag_ix = (uint8_t)(k + 1);
	}
	return over;
}

/* What arrives at an ICE endpoint of line m (a candidate, or one a check taught) of component
 * 1 or 2: RTCP for 2, else RTP, or both with a=rtcp-mux. */
static uint8_t comp_kind(const struct cap_call_media *m, unsigned component)
{
	return component == 2 ? CAP_EP_RTCP : m->rtcp_mux ? CAP_EP_MUX : CAP_EP_RTP;
}

/* 0.0.0.0 or :: (JSEP's "a=rtcp:9 IN IP4 0.0.0.0" beside a=rtcp-mux: no endpoint) */
static bool addr_unspec(const struct cap_addr *a)
{
	for (size_t i = 0; i < sizeof a->a; i++)
		if (a->a[i])
			return false;
	return true;
}

/* see internal.h */
size_t cap_media_eps(const struct cap_call_sdp *sd, size_t line,
		     struct cap_media_ep ep[CAP_MEDIA_MAX_EP])
{
	const struct cap_call_media *m = &sd->media[line];
	size_t n = 0;
	if (m->port == 0)
		return 0;
	bool mux = m->rtcp_mux && !m->mux_refused;
	if (m->addr.family) {
		/* a line that says a=rtcp-mux takes RTCP on its RTP endpoint (told apart by
		 * payload type, RFC 5761 s4) even when its peer did not take mux up: it sends
		 * it there, and a peer may mux all the same */
		bool same = m->rtcp_port == m->port && cap_addr_eq(&m->rtcp_addr, &m->addr);
		ep[n].addr = m->addr;
		ep[n].port = m->port;
		ep[n++].kind = m->rtcp_mux ? CAP_EP_MUX : CAP_EP_RTP;
		if (!mux && m->rtcp_port && m->rtcp_addr.family && !same &&
		    !(m->rtcp_mux && addr_unspec(&m->rtcp_addr))) {
			ep[n].addr = m->rtcp_addr;
			ep[n].port = m->rtcp_port;
			ep[n++].kind = CAP_EP_RTCP;
		}
	}
	for (size_t i = m->cand_at;
	     i < (size_t)m->cand_at + m->n_cand && i < CAP_CALL_MAX_CAND && n < CAP_MEDIA_MAX_EP;
	     i++) {
		ep[n].addr = sd->cand[i].addr;
		ep[n].port = sd->cand[i].port;
		ep[n++].kind = comp_kind(m, sd->cand[i].component);
	}
	if (m->ufrag_ix && m->ufrag_ix <= sd->n_ufrag && n < CAP_MEDIA_MAX_EP) {
		/* its ufrag's pseudo endpoint, on the first line in use that has it */
		bool first = true;
		for (size_t j = 0; j < line && first; j++)
			first = !(sd->media[j].port && sd->media[j].ufrag_ix == m->ufrag_ix);
		if (first) {
			memset(&ep[n].addr, 0, sizeof ep[n].addr);
			ep[n].addr.family = CAP_FAM_UFRAG;
			memcpy(ep[n].addr.a, sd->ufrag[m->ufrag_ix - 1], CAP_UFRAG_ID_LEN);
			ep[n].port = 0;
			ep[n++].kind = CAP_EP_UFRAG;
		}
	}
	for (size_t k = 0; k < sd->n_learn && k < CAP_CALL_MAX_LEARN && n < CAP_MEDIA_MAX_EP; k++)
		if (sd->learn[k].line == line) {
			ep[n].addr = sd->learn[k].addr;
			ep[n].port = sd->learn[k].port;
			ep[n++].kind = comp_kind(m, sd->learn[k].component);
		}
	return n;
}

/* Builds the side's new SDP from c->sdp into *n (imsg malloc'd). A call keeps one I_MESSAGE:
 * the media-level a=key-mgmt of the first stream in use that has one (RFC 4567 s3.1: it
 * overrides the session-level one for that stream), else the session-level one. A stream of
 * port 0 is not used (RFC 3264 s5.1): its attribute is not taken. (Before: the session-level
 * one first, else the first media-level one even of a port-0 stream - a decoy at session level
 * or on a disabled stream, and limf decided and keyed the call by it.) Limits: an SDP whose
 * streams in use carry different I_MESSAGEs is keyed by the first; a stream the answer
 * rejects (port 0 there) is not looked at. */
static void sdp_build(struct cap_calls *c, struct cap_call_sdp *n)
{
	const struct cap_sdp *s = c->sdp;
	struct cap_str k = s->key_mgmt;
	bool own = false;
	memset(n, 0, sizeof *n);
	n->present = true;
	c->st->media_cand_over += cap_sdp_media_build(s, n);
	for (size_t i = 0; i < s->n_media && i < CAP_CALL_MAX_MEDIA; i++) {
		const struct cap_sdp_media *sm = &s->media[i];
		if (sm->port != 0 && !own && sm->key_mgmt.len) {
			k = sm->key_mgmt;
			own = true;
		}
	}
	if (k.len && k.len <= CAP_CALL_MAX_IMSG) {
		n->imsg = imsg_alloc(c, k.len);
		if (n->imsg) {
			memcpy(n->imsg, k.p, k.len);
			n->imsg[k.len] = '\0';
			n->imsg_len = k.len;
			n->imsg_ts_ns = c->sip_ts;
		}
	}
}

static bool media_same(const struct cap_call_sdp *a, const struct cap_call_sdp *b)
{
	if (a->n_media != b->n_media)
		return false;
	for (size_t i = 0; i < a->n_media; i++) {
		const struct cap_call_media *x = &a->media[i], *y = &b->media[i];
		if (x->port != y->port || x->rtcp_port != y->rtcp_port ||
		    x->rtcp_mux != y->rtcp_mux || !cap_addr_eq(&x->addr, &y->addr) ||
		    !cap_addr_eq(&x->rtcp_addr, &y->rtcp_addr) || x->n_cand != y->n_cand ||
		    strcmp(x->media, y->media) != 0 || !x->ufrag_ix != !y->ufrag_ix ||
		    (x->ufrag_ix && memcmp(a->ufrag[x->ufrag_ix - 1], b->ufrag[y->ufrag_ix - 1],
					   CAP_UFRAG_ID_LEN) != 0))
			return false;
		for (size_t k = 0; k < x->n_cand; k++) {
			const struct cap_sdp_cand *p = &a->cand[x->cand_at + k],
						  *q = &b->cand[y->cand_at + k];
			if (p->port != q->port || p->component != q->component ||
			    !cap_addr_eq(&p->addr, &q->addr))
				return false;
		}
	}
	return true;
}

/* RFC 5761 s5.1.1: RTCP shares the RTP port only when both sides say a=rtcp-mux. Sets the
 * mux_refused of sd's lines from the peer's SDP o (a line o has in use without it); returns
 * whether one changed. (Before, a line whose peer answered without mux kept its RTCP on the
 * RTP port alone, and the RTCP the peer sent to its port + 1 or a=rtcp port went unbound.) */
static bool mux_refused_set(struct cap_call_sdp *sd, const struct cap_call_sdp *o)
{
	bool changed = false;
	for (size_t i = 0; i < sd->n_media; i++) {
		struct cap_call_media *m = &sd->media[i];
		bool r = m->rtcp_mux && !m->mux_forced && o->present && i < o->n_media &&
			 o->media[i].port != 0 && !o->media[i].rtcp_mux;
		changed |= r != m->mux_refused;
		m->mux_refused = r;
	}
	return changed;
}

/* Applies a built SDP n (its imsg taken) to a side; returns the CAP_UPD_* bits. */
static unsigned sdp_apply_built(struct cap_calls *c, struct cap_call *x, uint8_t side,
				struct cap_call_sdp n)
{
	struct cap_call_sdp *cur = side == SIDE_OFFER ? &x->offer : &x->answer;
	unsigned ch = 0;
	bool imsg_new, media_new;
	imsg_new = n.imsg && !(cur->imsg && cur->imsg_len == n.imsg_len &&
			       memcmp(cur->imsg, n.imsg, n.imsg_len) == 0);
	media_new = !cur->present || !media_same(cur, &n);
	if (!imsg_new && !media_new) {
		imsg_free(c, n.imsg, n.imsg_len);
		return 0;
	}
	if (media_new) {
		unbind_side(c, x, cur);
	} else {
		/* keep the endpoint state (bindings, counters; the endpoints checks taught) */
		for (size_t i = 0; i < n.n_media; i++)
			n.media[i] = cur->media[i];
		n.n_learn = cur->n_learn;
		memcpy(n.learn, cur->learn, sizeof n.learn);
	}
	if (!imsg_new && cur->imsg) {
		/* no I_MESSAGE in the new SDP: the previous one stays in force */
		imsg_free(c, n.imsg, n.imsg_len);
		n.imsg = cur->imsg;
		n.imsg_len = cur->imsg_len;
		n.imsg_ts_ns = cur->imsg_ts_ns;
		cur->imsg = NULL;
	}
	n.version = cur->version + 1;
	sdp_clear(c, cur);
	*cur = n;
	tlist_sync(c, x);
	if (media_new) {
		uint8_t oside = side == SIDE_OFFER ? SIDE_ANSWER : SIDE_OFFER;
		struct cap_call_sdp *other = side == SIDE_OFFER ? &x->answer : &x->offer;
		(void)mux_refused_set(cur, other); /* (cur's lines not bound yet) */
		bind_side(c, x, side);
		/* the peer's lines as this SDP answers their mux: bound again when that changed */
		bool was = false, old[CAP_CALL_MAX_MEDIA], now[CAP_CALL_MAX_MEDIA];
		for (size_t i = 0; i < other->n_media; i++) {
			was |= other->media[i].bound;
			old[i] = other->media[i].mux_refused;
		}
		if (mux_refused_set(other, cur) && was) {
			/* (unbound by the endpoints they were bound with) */
			for (size_t i = 0; i < other->n_media; i++) {
				now[i] = other->media[i].mux_refused;
				other->media[i].mux_refused = old[i];
			}
			unbind_side(c, x, other);
			for (size_t i = 0; i < other->n_media; i++)
				other->media[i].mux_refused = now[i];
			bind_side(c, x, oside);
			rebind_other(c, x, side);
		}
		rebind_other(c, x, oside);
	}
	ch |= side == SIDE_OFFER ? CAP_UPD_OFFER_SDP : CAP_UPD_ANSWER_SDP;
	if (imsg_new)
		ch |= side == SIDE_OFFER ? CAP_UPD_OFFER_IMSG : CAP_UPD_ANSWER_IMSG;
	return ch;
}

/* Applies the parsed SDP (c->sdp) to a side; returns the CAP_UPD_* bits. */
static unsigned sdp_apply(struct cap_calls *c, struct cap_call *x, uint8_t side)
{
	struct cap_call_sdp n;
	sdp_build(c, &n);
	return sdp_apply_built(c, x, side, n);
}

/* Parses the SDP body of c->msg into c->sdp; false when there is none or it is rejected. */
static bool parse_sdp(struct cap_calls *c)
{
	struct cap_str body;
	if (cap_sip_sdp_body(c->msg, &body) != LIM_OK) {
		c->st->drop[CAP_DROP_SIP_BODY]++;
		return false;
	}
	if (body.len == 0)
		return false;
	if (cap_sdp_parse((const uint8_t *)body.p, body.len, c->sdp) != LIM_OK) {
		c->st->drop[CAP_DROP_SDP]++;
		return false;
	}
	c->st->sdp++;
	return true;
}

/* ------------------------------------------------------------------ SIP */

static bool is_method(const struct cap_sip_msg *m, const char *name)
{
	return m->is_request ? cap_str_eq(m->method, name) : cap_str_eq(m->cseq_method, name);
}

/* see internal.h */
bool cap_calls_sdp_applies(const struct cap_sip_msg *m)
{
	/* an error response's SDP (a 488 listing acceptable media, TS 24.229) is no answer:
	 * answers come in 1xx and 2xx only (RFC 3261 s13.2.1, s21.4.26) */
	if (!m->is_request && m->status >= 300)
		return false;
	if (is_method(m, "INVITE"))
		return true;
	return m->to.tag.len &&
	       (is_method(m, "UPDATE") || is_method(m, "PRACK") || is_method(m, "ACK"));
}

/* Applies one message to one call; returns the CAP_UPD_* bits (END is emitted here). */
static unsigned apply(struct cap_calls *c, struct cap_call *x, const struct cap_sip_msg *m,
		      bool have_sdp, const struct cap_pkt *p, uint64_t ts)
{
	unsigned ch = 0;
	enum cap_call_state old = x->state;
	bool from_caller = m->is_request == text_eq(c, &x->from_tag, m->from.tag);
	bool invite = is_method(m, "INVITE");
	/* the side of the INVITE a response answers: the sender of that request */
	uint8_t req_side = text_eq(c, &x->from_tag, m->from.tag) ? SIDE_OFFER : SIDE_ANSWER;
	bool update = is_method(m, "UPDATE");
	/* an offer that takes effect on its 2xx only: a re-INVITE's, and an UPDATE's (RFC 3311
	 * s5.1: after an error the session is as if the UPDATE had not been sent; in an early
	 * dialog too); also in an ended call while it lingers, where its 2xx shows the dialog
	 * went on (see went_on) */
	bool held = m->is_request && m->to.tag.len &&
		    ((invite && x->state >= CAP_CALL_ACCEPTED) || update);

	x->sip_msgs++;
	touch(c, x, ts);
	if (invite || update) {
		/* A re-INVITE or UPDATE of the dialog (To tag) that the peer answers 2xx after the
		 * call's end, sent since or still unanswered at it: the dialog went on (its peer,
		 * had it taken the end, answers 481, or 487 to one pending, RFC 3261 s12.2.2,
		 * s15.1.2), and the call is followed while it does: its offer and answer applied,
		 * with or without SDP in the request (a re-key at once after a BYE to a party's
		 * second UA must not take its media away), its RTP and SIP keeping it (linger_on).
		 * Not one answered before the end, sent again (its request or its 2xx), nor after
		 * an end that no dialog had (a CANCEL's, a rejection's: an early UPDATE's 2xx). */
		unsigned s = m->is_request ? (from_caller ? 0u : 1u) : req_side;
		if (cap_dlg_req_feed(&x->dreq[s], m) && x->state == CAP_CALL_ENDED && !x->went_on &&
		    (x->end == CAP_END_BYE || x->end == CAP_END_TIMEOUT)) {
			x->went_on = true;
			ch |= CAP_UPD_WENT_ON;
		}
	}
	if (!m->is_request && invite && m->status >= 200 && m->status < 300 &&
	    x->state == CAP_CALL_ENDED && !x->went_on &&
	    (x->end == CAP_END_REJECTED || x->end == CAP_END_CANCEL) && m->cseq == x->invite_cseq) {
		/* the INVITE answered 2xx, in this dialog, after the final error that ended the
		 * call: a client transaction takes one final response (RFC 3261 s17.1.1), so the
		 * error was not the UAS's but anyone's (before, one forged 486 ended a ringing
		 * call for good, the real 200 was passed over, its media went unbound): the
		 * dialog goes on */
		x->went_on = true;
		ch |= CAP_UPD_WENT_ON;
	}
	if (x->went_on)
		linger_on(c, x, ts);
	if ((m->is_request
		     ? is_method(m, "INVITE") || is_method(m, "UPDATE")
		     : m->status >= 200 && m->status < 300 && (invite || is_method(m, "UPDATE"))))
		session_expires(m, x);
	if (m->is_request) {
		if (invite && m->to.tag.len && x->state >= CAP_CALL_ACCEPTED &&
		    x->state != CAP_CALL_ENDED && !(from_caller && m->cseq == x->invite_cseq) &&
		    m->cseq != x->reinv_cseq[from_caller ? 0 : 1]) {
			x->reinvites++;
			x->reinv_cseq[from_caller ? 0 : 1] = m->cseq;
		} else if (cap_str_eq(m->method, "ACK") && x->state == CAP_CALL_ACCEPTED)
			x->state = CAP_CALL_CONFIRMED;
	} else if (invite && m->status >= 100) {
		bool initial = x->state < CAP_CALL_ACCEPTED;
		if (m->status >= 200 && m->status < 300)
			x->pickup = false; /* the peer answered: the dialog exists */
		if (m->status >= 300)
			x->final_status = m->status;
		else if (m->status >= 200)
			x->final_status = m->status;
		if (initial && m->status < 200 && x->state == CAP_CALL_INVITED)
			x->state = CAP_CALL_PROCEEDING;
		else if (initial && m->status >= 200 && m->status < 300) {
			x->state = CAP_CALL_ACCEPTED;
			for (x->n_apai = 0; x->n_apai < m->n_pai && x->n_apai < CAP_SIP_MAX_PAI;
			     x->n_apai++)
				text_set(c, &x->apai[x->n_apai], m->pai[x->n_apai].uri);
		}
	}
	if (!m->is_request && (invite || update) && m->status >= 200 && x->pend[req_side].present &&
	    m->cseq == x->pend_cseq[req_side]) {
		/* the held re-INVITE's or UPDATE's outcome: in force on its 2xx, dropped on an
		 * error */
		struct cap_call_sdp n = x->pend[req_side];
		memset(&x->pend[req_side], 0, sizeof x->pend[req_side]);
		if (m->status < 300 && (x->state != CAP_CALL_ENDED || x->went_on))
			ch |= sdp_apply_built(c, x, req_side, n);
		else
			sdp_clear(c, &n);
		tlist_sync(c, x);
	}
	if (have_sdp && (x->state != CAP_CALL_ENDED || held || x->went_on)) {
		uint8_t side = from_caller ? SIDE_OFFER : SIDE_ANSWER;
		if (held) {
			/* hold the offer until the final response (a retransmission replaces it) */
			struct cap_call_sdp *h = &x->pend[side], n;
			sdp_build(c, &n);
			if (n.imsg && h->imsg && strcmp(n.imsg, h->imsg) == 0)
				n.imsg_ts_ns = h->imsg_ts_ns; /* carried first by the original */
			sdp_clear(c, h);
			*h = n;
			x->pend_cseq[side] = m->cseq;
			tlist_sync(c, x);
		} else {
			ch |= sdp_apply(c, x, side);
		}
	}
	if (x->state == CAP_CALL_ACCEPTED && old < CAP_CALL_ACCEPTED) {
		/* the answered dialog (of several forks) owns the endpoints. A line of the
		 * answer that could not be bound again dropped its claims, those on endpoints
		 * the offer names too: claimed again for the offer (the answer's bind_side
		 * repairs the offer's the same way) */
		bind_side(c, x, SIDE_OFFER);
		bind_side(c, x, SIDE_ANSWER);
		rebind_other(c, x, SIDE_OFFER);
	}
	relist(c, x);
	if (x->state != old)
		ch |= CAP_UPD_STATE;
	if (ch)
		emit_call(c, CAP_EV_CALL_UPDATE, x, p, ts, ch);
	/* endings. A BYE ends the call at its final answer, not at once: one its peer refuses
	 * (out of order, RFC 3261 s12.2.2; sent to a Request-URI that a proxy answers 404 or,
	 * after Timer F, 408) ends nothing, and a party that sent one (before, an end) had the
	 * rest of its media go unbound, not decrypted. The answer is the one to the BYE seen
	 * (its sender, CSeq, and the address it went to as the response's source: at one point
	 * on the path a response comes back the way its request went), so that a response the
	 * peer's stack discards (a 200 OK to no BYE, sent by a party) ends nothing either. */
	if (m->is_request && cap_str_eq(m->method, "BYE")) {
		unsigned d = from_caller ? 0 : 1;
		if (x->state != CAP_CALL_ENDED) {
			x->bye_pending[d] = true;
			x->bye_cseq[d] = m->cseq;
			if (p)
				x->bye_dst[d] = p->dst;
		}
	} else if (!m->is_request && is_method(m, "BYE") && m->status >= 200) {
		unsigned d = req_side == SIDE_OFFER ? 0 : 1;
		if (x->bye_pending[d] && m->cseq == x->bye_cseq[d] &&
		    (!p || cap_addr_eq(&p->src, &x->bye_dst[d]))) {
			if (m->status < 300 || m->status == 481) {
				call_end(c, x, CAP_END_BYE, p, ts);
			} else {
				x->bye_pending[d] = false;
			}
		}
	} else if (m->is_request && cap_str_eq(m->method, "CANCEL") && x->state < CAP_CALL_ACCEPTED)
		/* RFC 3261 s9.1: a CANCEL only asks; a 2xx that crosses it still establishes
		 * the call. Its effect is the final error (487) to the INVITE, which ends it. */
		x->cancelled = true;
	else if (!m->is_request && invite && m->status >= 300 && old < CAP_CALL_ACCEPTED &&
		 m->cseq == x->invite_cseq)
		call_end(c, x, x->cancelled ? CAP_END_CANCEL : CAP_END_REJECTED, p, ts);
	return ch;
}

static void sip_event(struct cap_calls *c, struct cap_call *x, const uint8_t *raw, size_t len,
		      const struct cap_pkt *p, uint64_t ts, bool tcp)
{
	struct cap_event ev;
	memset(&ev, 0, sizeof ev);
	ev.type = CAP_EV_SIP;
	ev.ts_ns = ts;
	ev.call = x;
	ev.pkt = p;
	ev.sip = c->msg;
	ev.raw = lim_rd_make(raw, len);
	ev.over_tcp = tcp;
	emit(c, &ev);
}

/* A new call from INVITE m (its SDP, if any, as the offer): CALL_START and the message's SIP
 * event. false when the table has no room (call_new said why). */
static bool start_call(struct cap_calls *c, const struct cap_sip_msg *m, const uint8_t *raw,
		       size_t len, const struct cap_pkt *p, uint64_t ts, bool tcp, bool have_sdp)
{
	struct cap_call *x = call_new(c, m, ts, NULL);
	if (!x)
		return false;
	x->over_tcp = tcp;
	if (have_sdp)
		(void)sdp_apply(c, x, SIDE_OFFER);
	x->sip_msgs++;
	emit_call(c, CAP_EV_CALL_START, x, p, ts, 0);
	sip_event(c, x, raw, len, p, ts, tcp);
	return true;
}

/* Whether dialog a rather than b (both of the INVITE a response answers) is the one a new
 * fork copies: one not ended first, then the oldest. */
static bool fork_parent_before(const struct cap_call *a, const struct cap_call *b)
{
	bool ae = a->state == CAP_CALL_ENDED, be = b->state == CAP_CALL_ENDED;
	return ae != be ? !ae : a->id < b->id;
}

static void handle_sip_msg(struct cap_calls *c, const uint8_t *raw, size_t len,
			   const struct cap_pkt *p, uint64_t ts, bool tcp)
{
	struct cap_sip_msg *m = c->msg;
	struct cap_call *x, *exact = NULL, *untagged = NULL, *same_from = NULL, *early = NULL,
			    *target = NULL, *passive = NULL, *same_inv = NULL;
	bool have_sdp, invite, live = false, same_cseq = false;

	if (cap_sip_parse(raw, len, m) != LIM_OK) {
		if ((unsigned)m->reject < CAP_DROP__COUNT)
			c->st->drop[m->reject]++;
		return;
	}
	c->sip_ts = ts;
	c->st->sip++;
	if (tcp)
		c->st->sip_tcp++;
	/* SDP outside the offer/answer of an INVITE dialog (OPTIONS, MESSAGE...) binds nothing */
	have_sdp = parse_sdp(c) && cap_calls_sdp_applies(m);
	invite = is_method(m, "INVITE");

	for (x = c->cbucket[cslot(c, m->call_id)]; x; x = x->hnext) {
		if (!text_eq(c, &x->call_id, m->call_id))
			continue;
		if ((text_eq(c, &x->from_tag, m->from.tag) && x->to_tag.len &&
		     text_eq(c, &x->to_tag, m->to.tag)) ||
		    (x->to_tag.len && text_eq(c, &x->to_tag, m->from.tag) &&
		     text_eq(c, &x->from_tag, m->to.tag))) {
			exact = x;
			break;
		}
		if (text_eq(c, &x->from_tag, m->from.tag)) {
			if (!same_from || x->id < same_from->id)
				same_from = x;
			if (x->state < CAP_CALL_ACCEPTED && (!early || x->id < early->id))
				early = x;
			if (x->state == CAP_CALL_ACCEPTED || x->state == CAP_CALL_CONFIRMED)
				live = true;
			if (x->invite_cseq == m->cseq) {
				same_cseq = true;
				/* the INVITE a response answers (a retry after 401/407 is a new
				 * one, RFC 3261 s22.2) */
				if (!same_inv || fork_parent_before(x, same_inv))
					same_inv = x;
			}
			/* (the one of the response's INVITE first: a retry's, a retry's earlier) */
			if (x->to_tag.len == 0 && (!untagged || x->invite_cseq == m->cseq))
				untagged = x;
		}
	}

	if (exact) {
		target = exact;
	} else if (m->to.tag.len == 0) {
		/* capture.h: without a To tag, only the dialogs still without a final answer
		 * match (CANCEL, INVITE retransmission, 100 Trying); a BYE is a request inside
		 * a dialog (RFC 3261 s15) and needs its To tag */
		bool bye = m->is_request && cap_str_eq(m->method, "BYE");
		if (early && m->is_request && cap_str_eq(m->method, "CANCEL")) {
			/* the CANCEL applies to every early dialog of the INVITE */
			struct cap_call *y, *nx;
			for (y = c->cbucket[cslot(c, m->call_id)]; y; y = nx) {
				nx = y->hnext;
				if (text_eq(c, &y->call_id, m->call_id) &&
				    text_eq(c, &y->from_tag, m->from.tag) && y != early &&
				    y->state < CAP_CALL_ACCEPTED)
					(void)apply(c, y, m, false, p, ts);
			}
			target = early;
		} else if (early && !bye && m->is_request && invite &&
			   m->cseq > early->invite_cseq && !early->to_tag.len && !live &&
			   !same_cseq) {
			/* a retry whose challenge (401/407) the capture missed: a new call, as one
			 * after a challenge seen (the earlier one never answered: it times out) */
			if (start_call(c, m, raw, len, p, ts, tcp, have_sdp))
				return;
		} else if (early && !bye && m->is_request && invite &&
			   m->cseq != early->invite_cseq) {
			/* an INVITE of another CSeq without To tag while the call rings: no
			 * retransmission (before, anyone's replaced the ringing call's offer and
			 * its I_MESSAGE); shown with the call, changing nothing */
			passive = early;
		} else if (early && !bye) {
			target = early; /* retransmission, 100 Trying */
			if (m->is_request && invite)
				have_sdp = false; /* (a retransmission changes nothing) */
		} else if (same_from && m->is_request && invite && !live && !same_cseq && !early) {
			/* every earlier INVITE of this Call-ID and From tag has ended unanswered:
			 * a new INVITE (a retry after 401/407, RFC 3261 s22.2) starts a call */
			if (start_call(c, m, raw, len, p, ts, tcp, have_sdp))
				return;
		} else if (same_from) {
			/* the dialogs have their final answer: the message is shown with the call
			 * but changes nothing (no state, no SDP, no end) */
			passive = same_from;
		} else if (m->is_request && invite) {
			if (start_call(c, m, raw, len, p, ts, tcp, have_sdp))
				return;
		}
	} else if (untagged) {
		/* the first To tag names the dialog */
		text_set(c, &untagged->to_tag, m->to.tag);
		target = untagged;
	} else if (same_from && !m->is_request && invite && m->status > 100 && m->status < 300) {
		/* a fork of the INVITE this answers (RFC 3261 s13.2.2.4), not of one before it */
		target = call_fork(c, same_inv ? same_inv : same_from, m, ts);
		if (target) {
			emit_call(c, CAP_EV_CALL_START, target, p, ts, 0);
		}
	} else if (same_from && !m->is_request && invite && m->status >= 300) {
		/* a final error from another branch ends every early dialog */
		struct cap_call *y, *nx;
		for (y = c->cbucket[cslot(c, m->call_id)]; y; y = nx) {
			nx = y->hnext;
			if (text_eq(c, &y->call_id, m->call_id) &&
			    text_eq(c, &y->from_tag, m->from.tag) && y != same_from)
				(void)apply(c, y, m, false, p, ts);
		}
		target = same_from; /* (each dialog's end checks its own INVITE's CSeq) */
	} else if (m->is_request && invite) {
		/* re-INVITE of a dialog whose start was not seen: pick it up */
		target = call_new(c, m, ts, NULL);
		if (target) {
			target->over_tcp = tcp;
			target->state = CAP_CALL_CONFIRMED;
			/* one request proves no dialog: its SDP claims endpoints weakly until a 2xx
			 * answers it (call_rank), so that it cannot take a live call's media */
			target->pickup = true;
			relist(c, target);
			if (have_sdp)
				(void)sdp_apply(c, target, SIDE_OFFER);
			target->sip_msgs++;
			emit_call(c, CAP_EV_CALL_START, target, p, ts, 0);
			sip_event(c, target, raw, len, p, ts, tcp);
			return;
		}
	}
	if (target && !m->is_request && invite && m->status >= 300 &&
	    target->state < CAP_CALL_ACCEPTED && m->cseq == target->invite_cseq) {
		/* the INVITE's final error (a proxy forwards one) ends its other early dialogs */
		struct cap_call *y, *nx;
		for (y = c->cbucket[cslot(c, m->call_id)]; y; y = nx) {
			nx = y->hnext;
			if (y != target && text_eq(c, &y->call_id, m->call_id) &&
			    text_eq(c, &y->from_tag, m->from.tag) && y->state < CAP_CALL_ACCEPTED &&
			    y->invite_cseq == m->cseq)
				(void)apply(c, y, m, false, p, ts);
		}
	}
	if (target)
		(void)apply(c, target, m, have_sdp, p, ts);
	sip_event(c, target ? target : passive, raw, len, p, ts, tcp);
}

static void handle_sip(struct cap_calls *c, const uint8_t *raw, size_t len, const struct cap_pkt *p,
		       uint64_t ts, bool tcp)
{
	handle_sip_msg(c, raw, len, p, ts, tcp);
	imsg_trim(c, ts);
}

static void tcp_msg(void *ctx, const struct cap_tcp_msg *m)
{
	struct cap_calls *c = ctx;
	handle_sip(c, m->bytes, m->len, m->pkt, m->ts_ns, true);
}

/* ------------------------------------------------------------------ media */

static struct cap_call_ssrc *ssrc_find(struct cap_call *x, uint32_t ssrc)
{
	for (size_t i = 0; i < x->n_ssrc; i++)
		if (x->ssrc[i].ssrc == ssrc)
			return &x->ssrc[i];
	return NULL;
}

/* see capture.h */
enum lim_err cap_calls_add_ssrc(struct cap_calls *c, struct cap_call *call, uint32_t ssrc,
				enum cap_dir dir)
{
	struct cap_call_ssrc *s = ssrc_find(call, ssrc);
	if (s) {
		s->from_user = true;
		s->dir = (uint8_t)dir;
		return LIM_OK;
	}
	if (call->n_ssrc >= CAP_CALL_MAX_SSRC) {
		c->st->drop[CAP_DROP_CALL_SSRC]++;
		return LIM_E_LIMIT;
	}
	s = &call->ssrc[call->n_ssrc++];
	memset(s, 0, sizeof *s);
	s->ssrc = ssrc;
	s->dir = (uint8_t)dir;
	s->from_user = true;
	s->after_end = call->linger;
	return LIM_OK;
}

/* RTP (RFC 3550 s5.1) header into e; false when not RTP version 2 or truncated. */
static bool rtp_parse(struct lim_rd r, struct cap_media_pkt *e)
{
	uint8_t b0, b1, cc;
	if (!lim_rd_u8(&r, &b0) || !lim_rd_u8(&r, &b1) || (b0 >> 6) != 2 ||
	    !lim_rd_u16be(&r, &e->seq) || !lim_rd_u32be(&r, &e->timestamp) ||
	    !lim_rd_u32be(&r, &e->ssrc))
		return false;
	e->marker = (b1 & 0x80) != 0;
	e->pt = b1 & 0x7f;
	cc = b0 & 0x0f;
	if (!lim_rd_skip(&r, (size_t)cc * 4))
		return false;
	if (b0 & 0x10) {
		uint16_t prof, words;
		if (!lim_rd_u16be(&r, &prof) || !lim_rd_u16be(&r, &words) ||
		    !lim_rd_skip(&r, (size_t)words * 4))
			return false;
	}
	e->payload = r;
	return true;
}

/* RTCP (RFC 3550 s6.4): version 2, at least the first header and sender SSRC. */
static bool rtcp_parse(struct lim_rd r, struct cap_media_pkt *e)
{
	uint8_t b0, b1;
	uint16_t l;
	if (!lim_rd_u8(&r, &b0) || !lim_rd_u8(&r, &b1) || (b0 >> 6) != 2 || !lim_rd_u16be(&r, &l) ||
	    !lim_rd_u32be(&r, &e->ssrc))
		return false;
	e->pt = b1;
	e->payload = r;
	return true;
}

/* Binds an endpoint a connectivity check named to line `line` of side `side` of call x, as
 * one more claim on it (learn_check binds only endpoints no SDP claimed: several calls whose
 * SDPs carry the same ufrags, a dialog forged with a target's, each claim, and media_owner
 * chooses among them as among SDPs' claims; none is taken when the endpoint has BIND_OWNERS).
 * An SDP side keeps CAP_CALL_MAX_LEARN: past that, its oldest learned endpoint goes (counted):
 * checks of pairs that failed, or forged ones, do not keep the selected pair out for good, and
 * a pair in use is learned again from its agents' consent checks (RFC 7675). */
static void learn_ep(struct cap_calls *c, struct cap_call *x, uint8_t side, size_t line,
		     const struct cap_addr *a, uint16_t port, uint8_t component)
{
	struct cap_call_sdp *sd = side == SIDE_OFFER ? &x->offer : &x->answer;
	const struct bind *b = bfind(c, a->family, a->a, port);
	if (line >= sd->n_media || !sd->media[line].bound || claims(b, x) ||
	    (b && b->n >= BIND_OWNERS))
		return;
	if (sd->n_learn >= CAP_CALL_MAX_LEARN) {
		const struct cap_call_learn *o = &sd->learn[0];
		c->st->media_ice_learn_over++;
		bdel(c, x, &o->addr, o->port);
		memmove(&sd->learn[0], &sd->learn[1], (sd->n_learn - 1) * sizeof sd->learn[0]);
		sd->n_learn--;
	}
	if (!bset(c, x, side, line, a, port, comp_kind(&sd->media[line], component)))
		return;
	sd->learn[sd->n_learn++] = (struct cap_call_learn){
		.addr = *a, .port = port, .line = (uint8_t)line, .component = component
	};
	c->st->media_ice_learned++;
}

/* An ICE connectivity check (cap_stun_check) between endpoints no call claims: the call one of
 * whose sides has the ufrag the check is sent to (its pseudo endpoint, CAP_EP_UFRAG) and whose
 * other side has the sender's learns the check's destination for the first side and its source
 * for the other, on the lines that have those ufrags, RTP or RTCP by the check's component
 * (RFC 8445 s5.1.2.1: PRIORITY's low octet is 256 - component; none: RTP). The pair the agents
 * select is one they checked, so its media is then the call's: candidates the SDP did not
 * carry (peer-reflexive ones, RFC 8445 s7.2.5.3.1; trickled ones, RFC 8838), or left past
 * CAP_CALL_MAX_CAND. true when p is such a check (learned or not). */
static bool learn_check(struct cap_calls *c, const struct cap_pkt *p)
{
	struct cap_stun_check k;
	uint8_t to[CAP_UFRAG_ID_LEN], from[CAP_UFRAG_ID_LEN];
	const struct bind *b;
	if (!cap_stun_check(p->payload.p, p->payload.len, &k))
		return false;
	cap_ufrag_id(k.to_ufrag, to);
	cap_ufrag_id(k.from_ufrag, from);
	b = bfind(c, CAP_FAM_UFRAG, to, 0);
	for (size_t i = b ? b->n : 0; i-- > 0;) { /* the newest claim first */
		struct cap_call *x = b->o[i].call;
		uint8_t side = b->o[i].side, oside = side == SIDE_OFFER ? SIDE_ANSWER : SIDE_OFFER;
		const struct cap_call_sdp *os = side == SIDE_OFFER ? &x->answer : &x->offer;
		size_t line = b->o[i].stream, oline = os->n_media;
		uint8_t comp = k.has_priority && 256u - (k.priority & 0xffu) == 2 ? 2 : 1;
		if (x->state == CAP_CALL_ENDED || b->o[i].kind != CAP_EP_UFRAG)
			continue;
		for (size_t j = 0; j < os->n_media && oline == os->n_media; j++)
			if (os->media[j].port && os->media[j].ufrag_ix &&
			    os->media[j].ufrag_ix <= os->n_ufrag &&
			    memcmp(os->ufrag[os->media[j].ufrag_ix - 1], from, sizeof from) == 0)
				oline = j;
		if (oline == os->n_media)
			continue;
		learn_ep(c, x, side, line, &p->dst, p->dport, comp);
		learn_ep(c, x, oside, oline, &p->src, p->sport, comp);
		b = bfind(c, CAP_FAM_UFRAG, to, 0); /* (learn_ep may have made room: b again) */
		if (!b || i > b->n)
			break;
	}
	c->st->media_stun++;
	return true;
}

static void handle_media(struct cap_calls *c, const struct cap_pkt *p, uint64_t ts)
{
	uint8_t a[16];
	const struct bind *bd, *bs;
	const struct owner *b;
	struct cap_event ev;
	struct cap_media_pkt *e = &ev.media;
	struct cap_call *x;
	bool by_src = false, ok, keep = false;

	uint64_t hd, hs = 0;
	memset(a, 0, sizeof a);
	memcpy(a, p->dst.a, p->ip_ver == 4 ? 4 : 16);
	hd = cap_ep_hash(&c->hkey, p->ip_ver, a, p->dport);
	bd = bfind_h(c, hd, p->ip_ver, a, p->dport);
	bs = NULL;
	if (!bd || bd->n != 1 || call_rank(bd->o[0].call) != 2) {
		/* else the source cannot change the choice (media_owner: a claim on the source
		 * alone scores below an established claim on the destination), and the common
		 * case costs one lookup */
		memset(a, 0, sizeof a);
		memcpy(a, p->src.a, p->ip_ver == 4 ? 4 : 16);
		hs = cap_ep_hash(&c->hkey, p->ip_ver, a, p->sport);
		bs = bfind_h(c, hs, p->ip_ver, a, p->sport);
	}
	{
		/* the sender's SSRC, to choose among several claims */
		uint32_t ssrc;
		bool has = cap_media_ssrc(p->payload.p, p->payload.len, &ssrc);
		b = media_owner(bd, bs, has, ssrc, &by_src);
	}
	if (!b && bd == NULL && learn_check(c, p))
		return;
	if (!b) {
		/* (bd NULL: the source was looked up too) to or from an endpoint whose binding
		 * was evicted (bevict): lost to the limit */
		c->st->media_unbound++;
		if (cap_victims_has(&c->victims, hd) || (!bd && cap_victims_has(&c->victims, hs)))
			c->st->media_lost++;
		return;
	}
	x = b->call;
	memset(&ev, 0, sizeof ev);
	ev.type = CAP_EV_MEDIA;
	ev.ts_ns = ts;
	ev.call = x;
	ev.pkt = p;
	e->packet = p->payload;
	e->side = b->side;
	e->stream = b->stream;
	e->by_source = by_src;
	/* to the offer's endpoint = towards the offerer; from it = towards the answerer */
	e->dir = (uint8_t)((b->side == SIDE_OFFER) != by_src ? CAP_DIR_TO_OFFERER
							     : CAP_DIR_TO_ANSWERER);
	if (cap_stun_like(p->payload.p, p->payload.len)) {
		/* STUN between bound endpoints (RFC 7983): checks of a pair the call has, consent
		 * freshness (RFC 7675); no media */
		c->st->media_stun++;
		return;
	}
	if (b->kind == CAP_EP_RTCP)
		e->rtcp = true;
	else if (b->kind == CAP_EP_MUX && cap_media_is_rtcp(p->payload.p, p->payload.len))
		e->rtcp = true; /* RFC 5761 s4 */
	ok = e->rtcp ? rtcp_parse(p->payload, e) : rtp_parse(p->payload, e);
	if (!ok) {
		c->st->media_bad++;
		return;
	}
	touch(c, x, ts);
	{
		struct cap_call_sdp *sd = b->side == SIDE_OFFER ? &x->offer : &x->answer;
		if (!by_src && b->stream < sd->n_media) {
			if (e->rtcp)
				sd->media[b->stream].rtcp++;
			else
				sd->media[b->stream].packets++;
		}
	}
	if (e->rtcp) {
		x->rtcp[e->dir]++;
		c->st->media_rtcp++;
	} else {
		struct cap_call_ssrc *s = ssrc_find(x, e->ssrc);
		x->rtp[e->dir]++;
		if (!s && x->n_ssrc < CAP_CALL_MAX_SSRC) {
			s = &x->ssrc[x->n_ssrc++];
			memset(s, 0, sizeof *s);
			s->ssrc = e->ssrc;
			s->dir = e->dir;
			s->side = b->side;
			s->stream = b->stream;
			s->after_end = x->linger;
			e->ssrc_new = true;
		} else if (!s) {
			c->st->drop[CAP_DROP_CALL_SSRC]++;
		}
		if (s)
			s->packets++;
		if (x->linger) {
			x->rtp_after_end++;
			keep = x->went_on || (s && continues(b, e->ssrc));
		}
	}
	c->st->media_bound++;
	x->media_ok = false;
	emit(c, &ev);
	/* (after the event: the caller may have found it the call's own, media_ok) */
	if (x->linger && !e->rtcp && (keep || x->media_ok))
		linger_on(c, x, ts);
}

/* ------------------------------------------------------------------ driving */

/* see capture.h */
size_t cap_calls_expire(struct cap_calls *c, uint64_t now_ns)
{
	size_t n = 0;
	struct cap_call *x;
	if (now_ns == 0)
		return 0;
	while ((x = oldest(c, L_INVITED, L_LINGER - 1, NULL, now_ns))) {
		/* ended at its deadline (its last packet and its list's idle time), not at now_ns:
		 * a replay expires calls at the next packet's time, which in a sparse capture
		 * came hours later, and the call's end (its IRI END, the manifest's "end") said
		 * so. (A BYE whose final answer never came: its call ended with it, but no
		 * sooner than it would have without it, which a BYE to nowhere would use.) */
		uint64_t at = x->last_ns + c->idle[x->lst];
		bool bye = x->bye_pending[0] || x->bye_pending[1];
		call_end_at(c, x, bye ? CAP_END_BYE : CAP_END_TIMEOUT, NULL,
			    at < now_ns ? at : now_ns, now_ns);
		n++;
	}
	while ((x = oldest(c, L_LINGER, L_LINGER, NULL, now_ns)))
		call_free(c, x, true, now_ns);
	return n;
}

/* see capture.h */
void cap_calls_feed(struct cap_calls *c, const struct cap_pkt *p, uint64_t now_ns)
{
	(void)cap_calls_expire(c, now_ns);
	if (cap_csum_drop(c->lim.verify_csum, p, c->st))
		return;
	if (p->proto == CAP_PROTO_TCP) {
		cap_tcp_feed(c->tcp, p, now_ns);
		return;
	}
	if (p->proto != CAP_PROTO_UDP)
		return;
	if (cap_sip_looks_like(p->payload.p, p->payload.len))
		handle_sip(c, p->payload.p, p->payload.len, p, now_ns, false);
	else
		handle_media(c, p, now_ns);
}

/* see capture.h */
void cap_calls_feed_sip(struct cap_calls *c, const struct cap_pkt *p, const uint8_t *msg,
			size_t len, uint64_t now_ns)
{
	(void)cap_calls_expire(c, now_ns);
	handle_sip(c, msg, len, p, now_ns, true);
}

/* see capture.h */
void cap_calls_flush(struct cap_calls *c, uint64_t now_ns)
{
	struct cap_call *x;
	while ((x = oldest(c, L_INVITED, L_LINGER - 1, NULL, 0)))
		call_end(c, x, CAP_END_FLUSH, NULL, now_ns);
	while (c->head[L_LINGER])
		call_free(c, c->head[L_LINGER], true, now_ns);
	(void)cap_tcp_expire(c->tcp, UINT64_MAX);
}

/* see capture.h */
void cap_calls_free(struct cap_calls *c)
{
	if (!c)
		return;
	for (int l = 0; l < NLISTS; l++)
		while (c->head[l])
			call_free(c, c->head[l], false, 0);
	for (size_t i = 0; i < c->nbb; i++)
		while (c->bbucket[i]) {
			struct bind *b = c->bbucket[i];
			c->bbucket[i] = b->next;
			free(b);
		}
	cap_tcp_free(c->tcp);
	cap_victims_free(&c->victims);
	free(c->cbucket);
	free(c->bbucket);
	free(c->msg);
	free(c->sdp);
	free(c);
}

/* see capture.h */
size_t cap_calls_count(const struct cap_calls *c)
{
	return c->n_calls;
}

/* see capture.h */
size_t cap_calls_bindings(const struct cap_calls *c)
{
	return c->n_bind;
}

/* see capture.h */
size_t cap_calls_imsg_bytes(const struct cap_calls *c)
{
	return c->imsg_bytes;
}
