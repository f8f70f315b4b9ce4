/* A pool of interception pipelines: see pool.h. */
#define _GNU_SOURCE /* PTHREAD_MUTEX_ADAPTIVE_NP */
#include "limf/pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture/dispatch.h"
#include "common/log.h"
#include "common/thread.h"
#include "common/wipe.h"
#include "handover/deliver.h"
#include "limf/held.h"

#define DEFAULT_QUEUE   (16u << 20)
#define SNAP_EVERY      512u /* records between two counter snapshots of a busy worker */
#define REC_ALIGN       16u
#define TICK_NS         1000000000ull
#define CONTROL_RESERVE (64u * 1024u) /* octets a lossy push leaves free for control records */
#define WAKE_BATCH      64u           /* records queued to a sleeping worker before it is woken */
#define SPIN            512u          /* polls of empty rings before a worker sleeps */
#define REFILL_DIV      8u    /* a producer waiting for room sleeps until 1/8 of the ring is free */
#define BURST           64u   /* records a worker takes from one lane's ring before the next's */
#define NOTE_CAP        8192u /* routing notes in flight from one lane to another (power of 2) */
#define HELD_BYTES      (16u << 20) /* cfg.ordered: a worker's queue of outputs for the merger */

/* What a queue record asks of its worker. */
enum rec_kind {
	REC_WRAP = 1, /* nothing: the rest of the ring up to its end is skipped */
	REC_UDP,      /* a UDP datagram: limf_pipe_pkt */
	REC_SIP_TCP,  /* a SIP message framed on TCP: limf_pipe_sip */
	REC_TICK,     /* limf_pipe_tick(ts) */
	REC_RECHECK,  /* limf_pipe_recheck(ts as microseconds) */
	REC_FINISH,   /* limf_pipe_finish(ts) */
	REC_QUIT      /* the thread ends */
};

/* A fence: a unit routed by a route another lane's SIP taught (capture/dispatch.h notes) waits
 * until its worker has handled that SIP, which sits in that lane's ring before this position */
#define FENCE(lane, pos) ((((uint64_t)(lane) + 1u) << 56) | ((pos) & ((1ull << 56) - 1u)))
#define FENCE_LANE(f)    ((unsigned)((f) >> 56) - 1u)
#define FENCE_POS(f)     ((f) & ((1ull << 56) - 1u))

/* A record in a ring: this header, then len octets of data, padded to REC_ALIGN. */
struct rec {
	uint32_t size; /* of the whole record, padding included */
	uint32_t kind;
	uint64_t ts;
	uint64_t fence; /* handle lane FENCE_LANE(f)'s ring up to FENCE_POS(f) first (0: none) */
	uint64_t seq;   /* cfg.ordered: 1, 2, ... in the order the records were queued */
	uint32_t len;
	struct cap_pkt pkt; /* payload views reset by the worker to point at the data */
};

/* A ring of records: one producer (a lane's thread), one consumer (a worker). Positions are
 * in octets: [tail, head) of cap (a power of two). */
struct ring {
	uint8_t *buf;
	size_t cap;
	char pad0[64];
	_Atomic uint64_t head; /* producer */
	_Atomic uint64_t pushed;
	_Atomic size_t peak; /* written by the producer, read by anyone */
	unsigned unwoken;    /* producer only: records queued while the worker slept */
	char pad1[64];
	_Atomic uint64_t tail; /* consumer */
	_Atomic uint64_t done; /* records handled */
	char pad2[64];
	atomic_bool full_wait, done_wait; /* the producer waits for room / for done */
	/* what the waiting producer waits for (set before the flag): free octets / records
	 * done. The worker wakes it only then, not for every record it takes: a replay's reader
	 * is always ahead of the workers, so it waits on a full ring for most of the input, and
	 * a wake-up per record cost two futex calls and two context switches per packet */
	_Atomic size_t room_want;
	_Atomic uint64_t done_want;
	_Atomic uint64_t waits; /* the producer's sleeps (full ring or settle), for the tests */
};

struct worker {
	struct limf_pool *pool;
	unsigned no;
	pthread_t th;
	bool started;
	struct limf_pipe *pipe;
	struct cap_calls_limits lim; /* its call table's, with a seed of its own */
	struct wr_db *db;
	struct ring *in[LIMF_POOL_MAX_LANES + 1]; /* from each lane (lane k's r[no]) */
	atomic_bool sleeping;
	pthread_mutex_t mu;
	pthread_cond_t work, room;
	/* counters published by the worker (under snap_mu) */
	pthread_mutex_t snap_mu;
	struct limf_pipe_stats st;
	struct cap_stats cst;
	bool have_cert;
	struct wr_kms_cert cert;
	_Atomic uint64_t rechecked; /* LIIDs dropped by its re-checks */
	/* cfg.ordered: the seq of the record it handles now, or handled last (its records
	 * below it are done: a worker handles its ring in order), read by the other workers */
	char pad_seq[64];
	_Atomic uint64_t cur_seq;
	_Atomic uint64_t cin_wait; /* the seq of the record whose CIN it waits for, 0: none */
	/* cfg.ordered: its outputs (struct held_rec, in seq order) for the merger: a ring of
	 * held_cap (a power of two) octets, [held_tail, held_head); the worker writes, the
	 * merger reads. held_max: the most ever written (what is wiped). */
	uint8_t *held;
	size_t held_cap, held_max;
	_Atomic uint64_t held_head;
	char pad_seq2[64];
	_Atomic uint64_t held_tail; /* the merger */
	atomic_bool held_full;      /* the worker waits for room (held_want octets free) */
	_Atomic size_t held_want;
};

/* Routing notes from one lane's dispatcher to another's: single producer, single consumer,
 * fixed slots (notes are plain values); a full ring loses the note (counted). */
struct note_ring {
	_Atomic uint32_t head, tail;
	struct cap_disp_note q[NOTE_CAP];
};

/* A producer thread: lane 0 is the caller's (limf_pool_frame: replay's reader, the capture
 * loop's X2/X3 input and every control record), lanes 1.. are capture threads, one per
 * source (limf_pool_lane_frame). Each has its own dispatcher and one ring to each worker. */
struct lane {
	struct limf_pool *pool;
	unsigned no;
	struct cap_disp *disp;
	struct cap_stats dst; /* the dispatcher's counters (the lane's thread) */
	struct ring *r;       /* one per worker */
	uint64_t next_tick;   /* capture time of the next clock record */
	uint64_t next_expire; /* lanes >= 1: of the next cap_disp_expire (limf_pool_lane_idle) */
	unsigned since;       /* frames since the counters were published */
	_Atomic uint64_t notes_lost;
	atomic_bool open;        /* takes notes: its thread runs (lane 0: cfg.caller_frames) */
	pthread_mutex_t snap_mu; /* lanes >= 1: dst published for the caller's thread */
	struct cap_stats snap;
};

struct limf_pool {
	struct limf_pool_cfg cfg;
	unsigned n;            /* workers */
	unsigned n_lanes;      /* 1 + cfg.lanes */
	struct limf_pipe *one; /* one worker: the caller's pipeline */
	struct cap_calls_limits lim1;
	struct limf_groups *groups;
	struct limf_keyshare *keys;
	pthread_mutex_t sink_mu;
	struct limf_sink sink; /* the caller's */
	uint64_t rechecked_seen;
	_Atomic uint32_t next_cin;
	bool ordered; /* cfg.ordered with workers >= 2 (and no lanes) */
	/* cfg.ordered: the merger thread (merge_run) and how it is woken: mg_idle, it sleeps
	 * with every queue empty (a worker queueing an output wakes it); mg_quit, it ends
	 * sleeps; drain_wait: the caller waits for every output to be handed over. A worker
	 * waiting for the others to be past its record (a CIN) sleeps on turn_cv. */
	pthread_t merge_th;
	bool merge_started;
	pthread_mutex_t mg_mu;
	pthread_cond_t mg_cv, drain_cv, turn_cv;
	atomic_bool mg_idle, mg_quit, drain_wait;
	_Atomic unsigned cin_waiters;
	uint64_t seq_next; /* lane 0's thread: the seq of the last record queued */
	bool have_cert;
	struct wr_kms_cert cert;
	struct note_ring *notes; /* n_lanes x n_lanes: [to * n_lanes + from]; NULL with one lane */
	struct lane lane[LIMF_POOL_MAX_LANES + 1];
	struct worker w[LIMF_POOL_MAX_WORKERS];
};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* ---- the serialised sink ----------------------------------------------------------------- */

/* The worker this thread runs (NULL on any other thread). */
static _Thread_local struct worker *self;

/* cfg.ordered. Every record the reader queues has a seq (1, 2, ...), and the sink must see the
 * outputs in seq order. A worker does not call the sink: it copies each output (limf/held.h)
 * into its own queue, tagged with the seq of the record that caused it, and goes on; one
 * merger thread takes the outputs from the workers' queues in seq order and hands them to the
 * sink. The merger may hand over output s when every other worker o can no longer produce an
 * output before s: o's queue holds a later one (a worker produces its outputs in seq order),
 * or o is past s, that is it has started a record after s (cur_seq) or its ring is empty (its
 * tail is stored once a record is done; anything queued to it later comes after s, which was
 * queued before). A worker stores an output (held_head) before it moves on (tail, cur_seq),
 * and the merger reads these in the other order, so no output is missed.
 *
 * Waits: a worker whose queue is full waits for the merger; the merger, when it cannot go on,
 * for a worker to queue an output or to move past what the merger waits for (the worker
 * wakes it then: at most once per stall, and for outputs only once a batch of them waits or
 * the worker pauses); and a worker taking a CIN (the sink numbers intercepted calls in input
 * order) waits until every other worker is past its record (without their queued outputs: a
 * CIN is asked for while a record is handled). No deadlock: the merger always may hand over
 * the earliest output when the workers with empty queues are past it, which each is or will
 * be (a worker waiting for room has output in its queue; a worker waiting for a CIN waits for
 * the others to pass a record before its own, which they do without the merger). */
#define MG_ANY     UINT64_MAX
#define MG_POLL_NS 1000000L /* the merger waiting for a worker to move on looks again after */

/* Is worker o past record s (no output before s can come from it any more, besides those in
 * its queue)? */
static bool past(const struct worker *o, uint64_t s)
{
	const struct ring *q = o->in[0];
	uint64_t t;
	if (atomic_load(&o->cur_seq) > s)
		return true;
	t = atomic_load(&q->tail);
	return atomic_load(&q->head) == t;
}

static bool all_empty(struct worker *w);

/* Wakes worker o when it sleeps with records queued: the reader wakes a sleeping worker only
 * once a batch of records waits for it (wake), so o may sleep with a few records before s
 * until the reader queues more, and at the end of the input, or with the reader waiting for
 * room in a ring of the worker that waits for o, it never does. Whoever waits for o to move
 * past a record (a CIN, the merger) wakes it. */
static void nudge(struct worker *o)
{
	if (atomic_load(&o->sleeping) && !all_empty(o)) {
		pthread_mutex_lock(&o->mu);
		pthread_cond_signal(&o->work);
		pthread_mutex_unlock(&o->mu);
	}
}

/* Wakes the merger (it sleeps with every queue empty, or waits for room to be needed). */
static void wake_merger(struct limf_pool *p)
{
	pthread_mutex_lock(&p->mg_mu);
	pthread_cond_signal(&p->mg_cv);
	pthread_mutex_unlock(&p->mg_mu);
}

/* Worker me moved on (started or finished a record): the workers waiting for a CIN may go on
 * now. (The merger is not woken for this: it looks again every MG_POLL_NS while it waits for a
 * worker to move on, which costs far less than a wake-up per record.) */
static void moved_on(struct limf_pool *p, struct worker *me)
{
	if (atomic_load(&p->cin_waiters)) {
		for (unsigned i = 0; i < p->n; i++) {
			uint64_t s = atomic_load(&p->w[i].cin_wait);
			if (s && &p->w[i] != me && past(me, s)) {
				pthread_mutex_lock(&p->mg_mu);
				pthread_cond_broadcast(&p->turn_cv);
				pthread_mutex_unlock(&p->mg_mu);
				break;
			}
		}
	}
}

/* Is every worker other than me past record s? */
static bool others_past(const struct limf_pool *p, const struct worker *me, uint64_t s)
{
	for (unsigned i = 0; i < p->n; i++)
		if (&p->w[i] != me && !past(&p->w[i], s))
			return false;
	return true;
}

/* Worker me, handling record s, waits until every other worker is past s (a CIN). */
static void wait_others_past(struct limf_pool *p, struct worker *me, uint64_t s)
{
	if (others_past(p, me, s))
		return;
	/* what it waits for, then the count, then the state: a worker moving on stores its
	 * state, then reads the count and what is waited for (all sequentially consistent) */
	atomic_store(&me->cin_wait, s);
	atomic_fetch_add(&p->cin_waiters, 1);
	pthread_mutex_lock(&p->mg_mu);
	while (!others_past(p, me, s)) {
		for (unsigned i = 0; i < p->n; i++)
			if (&p->w[i] != me && !past(&p->w[i], s))
				nudge(&p->w[i]); /* (mg_mu, then a worker's mu, not reversed) */
		pthread_cond_wait(&p->turn_cv, &p->mg_mu);
	}
	pthread_mutex_unlock(&p->mg_mu);
	atomic_fetch_sub(&p->cin_waiters, 1);
	atomic_store(&me->cin_wait, 0);
}

/* A queued output: this, then the copy (struct limf_held, held.h); size padded to REC_ALIGN;
 * seq 0: nothing, the rest of the queue up to its end is skipped. */
struct held_rec {
	uint32_t size;
	uint64_t seq;
} __attribute__((aligned(16)));

static struct held_rec *held_at(const struct worker *w, uint64_t pos)
{
	return (struct held_rec *)(w->held + (pos & (w->held_cap - 1)));
}

static size_t held_free(const struct worker *w)
{
	return w->held_cap - (size_t)(atomic_load_explicit(&w->held_head, memory_order_relaxed) -
				      atomic_load(&w->held_tail));
}

/* Queues a copy of out, an output of record s, for the merger (worker me's thread); false
 * when it cannot be queued (larger than a quarter of the queue). Waits for room. */
static bool queue_out(struct limf_pool *p, struct worker *me, const struct limf_held *out,
		      uint64_t s)
{
	size_t len = limf_held_copy(NULL, 0, out);
	size_t sz = (sizeof(struct held_rec) + len + REC_ALIGN - 1) & ~(size_t)(REC_ALIGN - 1);
	uint64_t h = atomic_load_explicit(&me->held_head, memory_order_relaxed);
	size_t off = (size_t)(h & (me->held_cap - 1)), to_end = me->held_cap - off;
	size_t need = sz <= to_end ? sz : to_end + sz;
	struct held_rec *r;
	if (sz > me->held_cap / 4)
		return false;
	if (held_free(me) < need) {
		/* until an eighth of the queue is free beyond this output: one wake-up is worth
		 * many outputs (the flag and want, then the tail: as the rings' producers) */
		size_t want = need + me->held_cap / 8;
		atomic_store(&me->held_want, want < me->held_cap ? want : me->held_cap);
		atomic_store(&me->held_full, true);
		wake_merger(p);
		pthread_mutex_lock(&me->mu);
		while (held_free(me) < atomic_load(&me->held_want))
			pthread_cond_wait(&me->room, &me->mu);
		pthread_mutex_unlock(&me->mu);
		atomic_store(&me->held_full, false);
	}
	if (sz > to_end) {
		r = held_at(me, h);
		r->size = (uint32_t)to_end;
		r->seq = 0;
		h += to_end;
	}
	r = held_at(me, h);
	r->size = (uint32_t)sz;
	r->seq = s;
	(void)limf_held_copy(r + 1, sz - sizeof *r, out);
	h += sz;
	if (h >= me->held_cap)
		me->held_max = me->held_cap;
	else if ((size_t)h > me->held_max)
		me->held_max = (size_t)h;
	atomic_store(&me->held_head, h); /* publishes it (before the worker moves on) */
	if (atomic_load(&p->mg_idle))
		wake_merger(p); /* the flag after the head: as the merger, the other way round */
	return true;
}

/* The merger's view of worker w's oldest queued output: its seq, or 0 when the queue is empty
 * (wrap records skipped). */
static uint64_t front(struct worker *w)
{
	uint64_t t = atomic_load_explicit(&w->held_tail, memory_order_relaxed);
	while (t != atomic_load(&w->held_head)) {
		const struct held_rec *r = held_at(w, t);
		if (r->seq)
			return r->seq;
		t += r->size;
		atomic_store(&w->held_tail, t);
	}
	return 0;
}

/* The merger: which worker's output goes next (*seq its seq), -1 when none may go yet; *want
 * is then what to wait for (MG_ANY: any output). */
static int next_out(struct limf_pool *p, uint64_t *seq, uint64_t *want)
{
	int best = -1;
	uint64_t bs = 0;
	for (unsigned i = 0; i < p->n; i++) {
		uint64_t f = front(&p->w[i]);
		if (f && (best < 0 || f < bs)) {
			best = (int)i;
			bs = f;
		}
	}
	if (best < 0) {
		*want = MG_ANY;
		return -1;
	}
	for (unsigned i = 0; i < p->n; i++) {
		bool pst;
		uint64_t f;
		if ((int)i == best)
			continue;
		/* a later output queued: nothing earlier can come from that worker (its outputs
		 * come in seq order), whatever it does now */
		f = front(&p->w[i]);
		if (f > bs)
			continue;
		if (f)
			return -2; /* an earlier one queued since the first look: look again */
		/* an empty queue: past first, then the queue again (an output stored before its
		 * worker moved on is seen) */
		pst = past(&p->w[i], bs);
		f = front(&p->w[i]);
		if (f && f < bs)
			return -2;
		if (!f && !pst) {
			nudge(&p->w[i]);
			*want = bs;
			return -1;
		}
	}
	*seq = bs;
	return best;
}

/* Hands worker w's oldest output to the sink (merger, sink_mu held). */
static void emit_front(struct limf_pool *p, struct worker *w)
{
	uint64_t t = atomic_load_explicit(&w->held_tail, memory_order_relaxed);
	const struct held_rec *r = held_at(w, t);
	limf_held_emit(&p->sink, (const struct limf_held *)(r + 1));
	atomic_store(&w->held_tail, t + r->size);
	if (atomic_load(&w->held_full) && held_free(w) >= atomic_load(&w->held_want)) {
		pthread_mutex_lock(&w->mu);
		pthread_cond_broadcast(&w->room);
		pthread_mutex_unlock(&w->mu);
	}
}

/* The merger's: is every queue empty? */
static bool queues_empty(struct limf_pool *p)
{
	for (unsigned i = 0; i < p->n; i++)
		if (front(&p->w[i]))
			return false;
	return true;
}

/* Any thread's: has the merger taken everything queued (front(), which skips wrap records,
 * is the merger's own)? */
static bool queues_taken(const struct limf_pool *p)
{
	for (unsigned i = 0; i < p->n; i++)
		if (atomic_load(&p->w[i].held_tail) != atomic_load(&p->w[i].held_head))
			return false;
	return true;
}

static void *merge_run(void *ctx)
{
	struct limf_pool *p = ctx;
	for (;;) {
		uint64_t s = 0, want = MG_ANY;
		int i = next_out(p, &s, &want);
		if (i == -2)
			continue;
		if (i >= 0) {
			/* a run: as long as the next output may go */
			pthread_mutex_lock(&p->sink_mu);
			for (unsigned k = 0; k < 256 && i >= 0; k++) {
				emit_front(p, &p->w[i]);
				i = next_out(p, &s, &want);
			}
			pthread_mutex_unlock(&p->sink_mu);
			continue;
		}
		if (want == MG_ANY && atomic_load(&p->drain_wait)) {
			pthread_mutex_lock(&p->mg_mu);
			pthread_cond_broadcast(&p->drain_cv);
			pthread_mutex_unlock(&p->mg_mu);
		}
		if (atomic_load(&p->mg_quit) && queues_empty(p))
			return NULL;
		/* every queue empty: asleep until a worker queues an output (the flag, then the
		 * queues; a worker stores its head, then reads the flag). Waiting for a worker to
		 * move on: a look again every MG_POLL_NS (outputs pile up in the queues
		 * meanwhile, and go in one run) */
		atomic_store(&p->mg_idle, want == MG_ANY);
		pthread_mutex_lock(&p->mg_mu);
		if (!atomic_load(&p->mg_quit) && next_out(p, &s, &want) == -1) {
			if (want == MG_ANY && !atomic_load(&p->drain_wait)) {
				pthread_cond_wait(&p->mg_cv, &p->mg_mu);
			} else {
				struct timespec ts;
				clock_gettime(CLOCK_REALTIME, &ts);
				ts.tv_nsec += MG_POLL_NS;
				if (ts.tv_nsec >= 1000000000L) {
					ts.tv_sec++;
					ts.tv_nsec -= 1000000000L;
				}
				pthread_cond_timedwait(&p->mg_cv, &p->mg_mu, &ts);
			}
		}
		pthread_mutex_unlock(&p->mg_mu);
		atomic_store(&p->mg_idle, false);
	}
}

/* cfg.ordered, the caller's thread: waits until the merger has handed over every queued
 * output (the workers have handled everything: settle_all). */
static void drain(struct limf_pool *p)
{
	atomic_store(&p->drain_wait, true);
	pthread_mutex_lock(&p->mg_mu);
	pthread_cond_signal(&p->mg_cv);
	while (!queues_taken(p))
		pthread_cond_wait(&p->drain_cv, &p->mg_mu);
	pthread_mutex_unlock(&p->mg_mu);
	atomic_store(&p->drain_wait, false);
}

/* An output for the sink: at once, or (cfg.ordered, on a worker) through the merger. */
static void output(struct limf_pool *p, const struct limf_held *out)
{
	struct worker *me = self;
	if (p->ordered && me) {
		uint64_t s = atomic_load_explicit(&me->cur_seq, memory_order_relaxed);
		if (queue_out(p, me, out, s))
			return;
		/* cannot happen: the largest output (an IRI with a 64 KiB SIP message and its
		 * call) is far below a quarter of the queue (HELD_BYTES) */
	}
	pthread_mutex_lock(&p->sink_mu);
	limf_held_emit(&p->sink, out);
	pthread_mutex_unlock(&p->sink_mu);
}

static void s_iri(void *ctx, const struct limf_iri *iri)
{
	struct limf_held o; /* only the member of its kind: held.h */
	o.kind = LIMF_HELD_IRI;
	o.u.iri = *iri;
	output(ctx, &o);
}

static void s_cc(void *ctx, const struct limf_cc *cc)
{
	struct limf_held o; /* only the member of its kind: held.h */
	o.kind = LIMF_HELD_CC;
	o.u.cc = *cc;
	output(ctx, &o);
}

static void s_done(void *ctx, const struct limf_call_summary *s)
{
	struct limf_held o; /* only the member of its kind: held.h */
	o.kind = LIMF_HELD_DONE;
	o.u.done = *s;
	output(ctx, &o);
}

static void s_cin_end(void *ctx, uint32_t cin)
{
	struct limf_held o; /* only the member of its kind: held.h */
	o.kind = LIMF_HELD_CIN_END;
	o.u.cin = cin;
	output(ctx, &o);
}

/* The caller's numbering, else 1, 2, ... for the whole pool (as one pipeline numbers its own) */
static uint32_t s_cin(void *ctx)
{
	struct limf_pool *p = ctx;
	uint32_t c;
	if (p->ordered && self)
		wait_others_past(p, self,
				 atomic_load_explicit(&self->cur_seq, memory_order_relaxed));
	if (!p->sink.cin)
		return atomic_fetch_add(&p->next_cin, 1) + 1;
	pthread_mutex_lock(&p->sink_mu);
	c = p->sink.cin(p->sink.ctx);
	pthread_mutex_unlock(&p->sink_mu);
	return c;
}

/* ---- the rings --------------------------------------------------------------------------- */

static size_t rec_size(size_t len)
{
	return (sizeof(struct rec) + len + REC_ALIGN - 1) & ~(size_t)(REC_ALIGN - 1);
}

/* Wakes worker w, fed by ring q, when it sleeps: at once (force), else once WAKE_BATCH records
 * or an eighth of the ring wait, so that a worker keeping up is not woken (a futex call and
 * a context switch) for every packet; the producers' idle points and every control record
 * force the wake-up (limf_pool_kick, limf_pool_lane_idle). */
static void wake(struct worker *w, struct ring *q, bool force)
{
	if (!atomic_load(&w->sleeping)) {
		q->unwoken = 0;
		return;
	}
	if (!force && ++q->unwoken < WAKE_BATCH &&
	    atomic_load_explicit(&q->head, memory_order_relaxed) -
			    atomic_load_explicit(&q->tail, memory_order_relaxed) <
		    q->cap / 8)
		return;
	q->unwoken = 0;
	pthread_mutex_lock(&w->mu);
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->mu);
}

/* Room for a record of size sz at the head of q, keeping reserve octets free: the position to
 * write at (after a WRAP record when the end of the ring is too close), or false when the ring
 * is too full. */
static bool room(struct ring *q, size_t sz, size_t reserve, uint64_t *at)
{
	uint64_t h = atomic_load_explicit(&q->head, memory_order_relaxed);
	uint64_t t = atomic_load(&q->tail);
	size_t off = (size_t)(h & (q->cap - 1)), to_end = q->cap - off;
	size_t need = sz <= to_end ? sz : to_end + sz;
	if (q->cap - (size_t)(h - t) < need + reserve)
		return false;
	if (sz > to_end) {
		struct rec *wr = (struct rec *)(q->buf + off);
		wr->size = (uint32_t)to_end;
		wr->kind = REC_WRAP;
		h += to_end;
	}
	*at = h;
	return true;
}

/* Octets of q not in use (by the records between tail and head). */
static size_t free_octets(struct ring *q)
{
	return q->cap - (size_t)(atomic_load_explicit(&q->head, memory_order_relaxed) -
				 atomic_load(&q->tail));
}

/* Copies a record into ring q of worker w. Blocking: waits for room; else false when full.
 * force: the worker is woken at once. */
static bool push(struct worker *w, struct ring *q, const struct rec *r, const uint8_t *data,
		 size_t len, bool block, bool force)
{
	size_t sz = rec_size(len);
	/* a packet that may be dropped leaves room for the control records (a warrant re-check,
	 * the end) behind it, which then never wait for a stalled worker */
	size_t reserve = block ? 0 : CONTROL_RESERVE;
	uint64_t at;
	size_t depth;
	struct rec *dst;
	if (sz > q->cap / 2)
		return false; /* cannot happen with the 64 KiB datagram limit and >= 1 MiB rings */
	if (!room(q, sz, reserve, &at)) {
		if (!block)
			return false;
		/* sleep until an eighth of the ring is free beyond this record (its wrap included),
		 * so that one wake-up is worth many records; the head does not move meanwhile */
		size_t to_end =
			q->cap - (size_t)(atomic_load_explicit(&q->head, memory_order_relaxed) &
					  (q->cap - 1));
		size_t need = sz <= to_end ? sz : to_end + sz; /* <= 2 sz <= cap */
		size_t want = need + q->cap / REFILL_DIV;
		atomic_store(&q->room_want, want < q->cap ? want : q->cap);
		/* want and the flag, then the tail: the worker stores the tail, then reads the flag
		 * and want (all sequentially consistent), so one of the two sees the other */
		wake(w, q, true);
		atomic_store(&q->full_wait, true);
		pthread_mutex_lock(&w->mu);
		while (free_octets(q) < atomic_load(&q->room_want)) {
			atomic_fetch_add_explicit(&q->waits, 1, memory_order_relaxed);
			pthread_cond_wait(&w->room, &w->mu);
		}
		pthread_mutex_unlock(&w->mu);
		atomic_store(&q->full_wait, false);
		if (!room(q, sz, 0, &at))
			return false; /* cannot happen: the free octets only grow */
	}
	dst = (struct rec *)(q->buf + (at & (q->cap - 1)));
	*dst = *r;
	if (w->pool->ordered)
		dst->seq = ++w->pool->seq_next; /* lane 0's thread: the only producer then */
	dst->size = (uint32_t)sz;
	dst->len = (uint32_t)len;
	if (len)
		memcpy(dst + 1, data, len);
	depth = (size_t)(at + sz - atomic_load_explicit(&q->tail, memory_order_relaxed));
	if (depth > atomic_load_explicit(&q->peak, memory_order_relaxed))
		atomic_store_explicit(&q->peak, depth, memory_order_relaxed);
	atomic_fetch_add_explicit(&q->pushed, 1, memory_order_relaxed);
	atomic_store(&q->head, at + sz); /* publishes the record (sequentially consistent, paired
					  * with the worker's sleeping flag) */
	wake(w, q, force);
	return true;
}

/* Waits until worker w has handled every record pushed into q so far. */
static void settle(struct worker *w, struct ring *q)
{
	uint64_t want = atomic_load(&q->pushed);
	if (!w->started || atomic_load(&q->done) >= want)
		return;
	wake(w, q, true);
	atomic_store(&q->done_want, want);
	atomic_store(&q->done_wait, true);
	pthread_mutex_lock(&w->mu);
	while (atomic_load(&q->done) < want) {
		atomic_fetch_add_explicit(&q->waits, 1, memory_order_relaxed);
		pthread_cond_wait(&w->room, &w->mu);
	}
	pthread_mutex_unlock(&w->mu);
	atomic_store(&q->done_wait, false);
}

/* Waits until every worker has handled everything every lane pushed so far. */
static void settle_all(struct limf_pool *p)
{
	for (unsigned k = 0; k < p->n_lanes; k++)
		for (unsigned i = 0; i < p->n; i++)
			settle(&p->w[i], &p->lane[k].r[i]);
}

static void publish(struct worker *w)
{
	const struct wr_kms_cert *c = limf_pipe_cert(w->pipe);
	pthread_mutex_lock(&w->snap_mu);
	w->st = *limf_pipe_stats(w->pipe);
	w->cst = *limf_pipe_cap_stats(w->pipe);
	if (c && !w->have_cert) {
		w->cert = *c;
		w->have_cert = true;
	}
	pthread_mutex_unlock(&w->snap_mu);
}

/* Is every ring of w empty? */
static bool all_empty(struct worker *w)
{
	for (unsigned k = 0; k < w->pool->n_lanes; k++)
		if (atomic_load(&w->in[k]->head) !=
		    atomic_load_explicit(&w->in[k]->tail, memory_order_relaxed))
			return false;
	return true;
}

/* Handles the record at q's tail (q not empty). *since counts records between two counter
 * snapshots. Returns true for REC_QUIT. */
static bool handle(struct worker *w, struct ring *q, unsigned *since)
{
	uint64_t t = atomic_load_explicit(&q->tail, memory_order_relaxed);
	struct rec *r = (struct rec *)(q->buf + (t & (q->cap - 1)));
	const uint8_t *data = (const uint8_t *)(r + 1);
	struct cap_pkt pkt;
	bool quit = false;
	uint32_t kind = r->kind;
	if (kind != REC_WRAP && r->fence) {
		/* the SIP that taught this unit's route first: it is in the other lane's ring
		 * already (published before the note that carried the fence), so this waits for
		 * nothing; the lanes' causality (a fence points at what was pushed before) keeps
		 * it from cycling */
		unsigned k = FENCE_LANE(r->fence);
		if (k < w->pool->n_lanes && w->in[k] != q) {
			struct ring *o = w->in[k];
			while (atomic_load_explicit(&o->tail, memory_order_relaxed) <
				       FENCE_POS(r->fence) &&
			       atomic_load(&o->head) !=
				       atomic_load_explicit(&o->tail, memory_order_relaxed))
				if (handle(w, o, since))
					return true;
		}
	}
	if (kind != REC_WRAP && w->pool->ordered) {
		atomic_store(&w->cur_seq, r->seq); /* before anything it does for the record */
		moved_on(w->pool, w);
	}
	if (kind == REC_UDP || kind == REC_SIP_TCP) {
		/* the packet's views, to its copy in the ring */
		pkt = r->pkt;
		pkt.payload.p = data;
		pkt.payload.len = r->len;
		pkt.ip_payload = pkt.payload;
	}
	switch ((enum rec_kind)kind) {
	case REC_WRAP: break;
	case REC_UDP: limf_pipe_pkt(w->pipe, &pkt, r->ts); break;
	case REC_SIP_TCP: limf_pipe_sip(w->pipe, &pkt, data, r->len, r->ts); break;
	case REC_TICK:
		(void)limf_pipe_tick(w->pipe, r->ts);
		*since = SNAP_EVERY;
		break;
	case REC_RECHECK:
		atomic_fetch_add(&w->rechecked, limf_pipe_recheck(w->pipe, (int64_t)r->ts));
		*since = SNAP_EVERY;
		break;
	case REC_FINISH:
		limf_pipe_finish(w->pipe, r->ts);
		*since = SNAP_EVERY;
		break;
	case REC_QUIT: quit = true; break;
	}
	if (kind != REC_WRAP && ++*since >= SNAP_EVERY) {
		publish(w);
		*since = 0;
	}
	/* the datagram's copy may hold target media: it is overwritten by later records, and the
	 * ring is wiped when freed */
	atomic_store(&q->tail, t + r->size);
	if (w->pool->ordered)
		moved_on(w->pool, w); /* perhaps empty now */
	uint64_t done =
		kind != REC_WRAP ? atomic_fetch_add(&q->done, 1) + 1 : atomic_load(&q->done);
	/* the producer only when what it waits for is there (the ring's producer stores head
	 * only, never while it waits, so free_octets is exact here) */
	if ((atomic_load(&q->full_wait) && free_octets(q) >= atomic_load(&q->room_want)) ||
	    (atomic_load(&q->done_wait) && done >= atomic_load(&q->done_want))) {
		pthread_mutex_lock(&w->mu);
		pthread_cond_broadcast(&w->room);
		pthread_mutex_unlock(&w->mu);
	}
	return quit;
}

/* A worker takes up to BURST records from each lane's ring in turn (no lane starves another;
 * within a lane, input order), and sleeps when every ring is empty. */
static void *worker_run(void *ctx)
{
	struct worker *w = ctx;
	unsigned since = 0;
	self = w;
	for (;;) {
		bool any = false;
		for (unsigned k = 0; k < w->pool->n_lanes; k++) {
			struct ring *q = w->in[k];
			for (unsigned b = 0; b < BURST; b++) {
				if (atomic_load(&q->head) ==
				    atomic_load_explicit(&q->tail, memory_order_relaxed))
					break;
				any = true;
				if (handle(w, q, &since)) {
					publish(w);
					return NULL;
				}
			}
		}
		if (any)
			continue;
		for (unsigned i = 0; i < SPIN && all_empty(w); i++)
			cpu_relax(); /* a producer close behind: no sleep */
		if (!all_empty(w))
			continue;
		publish(w); /* idle: the counters are current */
		since = 0;
		/* the flag, then the heads: a producer stores a head, then reads the flag (both
		 * sequentially consistent), so one of the two sees the other */
		atomic_store(&w->sleeping, true);
		if (all_empty(w)) {
			pthread_mutex_lock(&w->mu);
			while (all_empty(w))
				pthread_cond_wait(&w->work, &w->mu);
			pthread_mutex_unlock(&w->mu);
		}
		atomic_store(&w->sleeping, false);
	}
}

/* ---- dispatching ------------------------------------------------------------------------- */

/* A unit from lane l's dispatcher (on l's thread) into its worker's ring. */
static void on_unit(void *ctx, const struct cap_unit *u)
{
	struct lane *l = ctx;
	struct limf_pool *p = l->pool;
	unsigned wi = u->worker % p->n;
	struct worker *w = &p->w[wi];
	struct rec r;
	const uint8_t *data;
	size_t len;
	memset(&r, 0, sizeof r);
	r.ts = u->ts_ns;
	r.fence = u->tag;
	r.pkt = *u->pkt;
	r.pkt.payload.p = NULL;
	r.pkt.ip_payload.p = NULL;
	if (u->kind == CAP_UNIT_SIP_TCP) {
		r.kind = REC_SIP_TCP;
		data = u->msg;
		len = u->msg_len;
	} else {
		r.kind = REC_UDP;
		data = u->pkt->payload.p;
		len = u->pkt->payload.len;
	}
	/* A message that may carry a GMK distribution is a barrier when nothing may be lost
	 * (replay): every worker first handles what came before it on this lane, and its own
	 * worker handles it before anything after it is dispatched, so the group table holds
	 * exactly the GMKs one pipeline would hold at each call, whatever the threads' timing.
	 * (The dispatcher sends a group's GMKs and calls to one worker, which orders them in
	 * live capture too: capture/dispatch.h; the barrier covers GMKs whose group it cannot
	 * tell. Between lanes, sources with clocks of their own, there is no input order.) */
	bool barrier = !p->cfg.lossy &&
		       (u->kind == CAP_UNIT_SIP_TCP || cap_sip_looks_like(data, len)) &&
		       cap_sip_may_carry_gmk(data, len);
	if (barrier)
		for (unsigned i = 0; i < p->n; i++)
			settle(&p->w[i], &l->r[i]);
	if (!push(w, &l->r[wi], &r, data, len, !p->cfg.lossy, false)) {
		l->dst.drop[CAP_DROP_QUEUE_FULL]++;
		return;
	}
	if (barrier)
		settle(w, &l->r[wi]);
}

/* A routing note of lane l's dispatcher (on l's thread, after the unit that caused it was
 * queued) to every other lane that takes notes, tagged with a fence: the end of that unit in
 * its worker's ring from this lane. */
static void on_note(void *ctx, const struct cap_disp_note *n)
{
	struct lane *l = ctx;
	struct limf_pool *p = l->pool;
	struct cap_disp_note t = *n;
	t.tag = FENCE(l->no,
		      atomic_load_explicit(&l->r[n->worker % p->n].head, memory_order_relaxed));
	for (unsigned k = 0; k < p->n_lanes; k++) {
		struct note_ring *q = &p->notes[k * p->n_lanes + l->no];
		uint32_t h = atomic_load_explicit(&q->head, memory_order_relaxed);
		if (k == l->no || !atomic_load_explicit(&p->lane[k].open, memory_order_relaxed))
			continue;
		if (h - atomic_load(&q->tail) >= NOTE_CAP) {
			atomic_fetch_add_explicit(&l->notes_lost, 1, memory_order_relaxed);
			continue;
		}
		q->q[h & (NOTE_CAP - 1)] = t;
		atomic_store(&q->head, h + 1);
	}
}

/* Lane l (on its thread) applies the notes the other lanes sent it. */
static void take_notes(struct limf_pool *p, struct lane *l)
{
	for (unsigned k = 0; k < p->n_lanes; k++) {
		struct note_ring *q = &p->notes[l->no * p->n_lanes + k];
		uint32_t t = atomic_load_explicit(&q->tail, memory_order_relaxed);
		uint32_t h = atomic_load(&q->head);
		if (k == l->no || t == h)
			continue;
		for (; t != h; t++)
			(void)cap_disp_apply(l->disp, &q->q[t & (NOTE_CAP - 1)]);
		atomic_store(&q->tail, t);
	}
}

/* A control record to every worker through lane l; block: waits for room, else a worker
 * whose ring is full skips it (a tick: the next one comes). */
static void control(struct limf_pool *p, struct lane *l, enum rec_kind k, uint64_t ts, bool block)
{
	struct rec r;
	memset(&r, 0, sizeof r);
	r.kind = k;
	r.ts = ts;
	for (unsigned i = 0; i < p->n; i++)
		if (p->w[i].started)
			(void)push(&p->w[i], &l->r[i], &r, NULL, 0, block, true);
}

/* Lane l's thread is about to wait: the other lanes' notes applied, and every worker it
 * queued records for while that worker slept woken now. */
static void lane_kick(struct limf_pool *p, struct lane *l)
{
	if (p->notes)
		take_notes(p, l);
	for (unsigned i = 0; i < p->n; i++)
		if (p->w[i].started && l->r[i].unwoken)
			wake(&p->w[i], &l->r[i], true);
}

/* Lane l's counters, for the caller's thread (lanes >= 1). */
static void lane_publish(struct lane *l)
{
	pthread_mutex_lock(&l->snap_mu);
	l->snap = l->dst;
	pthread_mutex_unlock(&l->snap_mu);
	l->since = 0;
}

/* One frame on lane l: its dispatcher, then the capture clock once a second to every worker
 * (one pipeline expires idle calls on every packet, a worker sees only its own). */
static void lane_frame(struct limf_pool *p, struct lane *l, const struct cap_frame *f)
{
	if (p->notes) {
		cap_disp_clock(l->disp, f->ts_ns); /* notes taken now are as fresh as this frame */
		take_notes(p, l);
	}
	cap_disp_frame(l->disp, f);
	if (f->ts_ns >= l->next_tick) {
		if (l->next_tick)
			control(p, l, REC_TICK, f->ts_ns, !p->cfg.lossy);
		l->next_tick = f->ts_ns + TICK_NS;
	}
}

/* ---- the pool ---------------------------------------------------------------------------- */

static void stop_workers(struct limf_pool *p)
{
	control(p, &p->lane[0], REC_QUIT, 0, true);
	for (unsigned i = 0; i < p->n; i++) {
		struct worker *w = &p->w[i];
		if (w->started)
			pthread_join(w->th, NULL);
		w->started = false;
	}
	if (p->merge_started) {
		/* after the workers (one may wait for room in its queue until then); it hands
		 * over what they queued, as they would have themselves without cfg.ordered */
		atomic_store(&p->mg_quit, true);
		pthread_mutex_lock(&p->mg_mu);
		pthread_cond_signal(&p->mg_cv);
		pthread_mutex_unlock(&p->mg_mu);
		pthread_join(p->merge_th, NULL);
		p->merge_started = false;
	}
}

/* see pool.h */
size_t limf_pool_seq_keys(unsigned workers)
{
	struct cap_calls_limits l;
	uint64_t n;
	cap_calls_limits_default(&l);
	n = (uint64_t)(workers ? workers : 1) * l.max_calls * LIMF_CALL_MAX_LIIDS;
	if (n < HO_SEQ_KEYS_MAX)
		n = HO_SEQ_KEYS_MAX;
	return n > HO_SEQ_KEYS_HARD ? HO_SEQ_KEYS_HARD : (size_t)n;
}

/* The call-table limits of worker i: the caller's (or the defaults) with the pool's seed,
 * different per worker (the tables' hashes are keyed: traffic cannot aim at a bucket). */
static void seeded(struct cap_calls_limits *l, const struct limf_pool_cfg *cfg, unsigned i)
{
	if (cfg->pipe.limits)
		*l = *cfg->pipe.limits;
	else
		cap_calls_limits_default(l);
	if (cfg->hash_seed)
		l->hash_seed = cfg->hash_seed ^ (0x9e3779b9u * (i + 1u));
	else if (cfg->table_seed)
		l->hash_seed = cfg->table_seed ^ (0x9e3779b9u * (i + 1u));
}

/* Lane k: its dispatcher (the same seed in every lane: a Call-ID gives the same worker
 * whichever source sees it) and its rings, cap octets each. */
static enum lim_err lane_new(struct limf_pool *p, unsigned k, size_t cap)
{
	struct lane *l = &p->lane[k];
	struct cap_disp_limits dl;
	enum lim_err e;
	l->pool = p;
	l->no = k;
	atomic_store(&l->open, k > 0 || p->cfg.caller_frames);
	pthread_mutex_init(&l->snap_mu, NULL);
	l->r = calloc(p->n, sizeof *l->r);
	if (!l->r)
		return LIM_E_NOMEM;
	for (unsigned i = 0; i < p->n; i++) {
		struct ring *q = &l->r[i];
		q->cap = 1u << 20;
		while (q->cap < cap && q->cap < ((size_t)1 << 30))
			q->cap <<= 1;
		q->buf = calloc(1, q->cap);
		if (!q->buf)
			return LIM_E_NOMEM;
		p->w[i].in[k] = q;
	}
	cap_disp_limits_default(&dl);
	dl.hash_seed = p->cfg.hash_seed;
	dl.table_seed = p->cfg.table_seed; /* (replay: random; routing stays on hash_seed) */
	/* what the workers' call tables drop, dropped before it routes anything */
	dl.verify_csum = p->cfg.pipe.limits && p->cfg.pipe.limits->verify_csum;
	e = cap_disp_new(&dl, p->n, &l->dst, on_unit, l, &l->disp);
	if (e == LIM_OK && p->notes)
		cap_disp_set_note_fn(l->disp, on_note, l);
	return e;
}

static void lane_free(struct lane *l, unsigned n)
{
	if (!l->pool)
		return; /* never set up */
	cap_disp_free(l->disp);
	for (unsigned i = 0; l->r && i < n; i++)
		if (l->r[i].buf) {
			/* what was ever written: [0, head) until the ring first wraps (calloc'd
			 * pages never touched stay untouched, not faulted in to be wiped) */
			uint64_t h = atomic_load(&l->r[i].head);
			lim_wipe(l->r[i].buf, h < l->r[i].cap ? (size_t)h : l->r[i].cap);
			free(l->r[i].buf);
		}
	free(l->r);
	pthread_mutex_destroy(&l->snap_mu);
}

/* see pool.h */
enum lim_err limf_pool_new(const struct limf_pool_cfg *cfg, struct limf_pool **out)
{
	struct limf_pool *p;
	enum lim_err e = LIM_OK;
	size_t cap;
	*out = NULL;
	if (!cfg || cfg->workers > LIMF_POOL_MAX_WORKERS || cfg->lanes > LIMF_POOL_MAX_LANES)
		return LIM_E_ARG;
	if (cfg->workers <= 1 ? !cfg->pipe.db || cfg->lanes : !cfg->open)
		return LIM_E_ARG;
	if (cfg->ordered && (cfg->lanes || cfg->lossy))
		return LIM_E_ARG; /* no one input order to keep */
	p = calloc(1, sizeof *p);
	if (!p)
		return LIM_E_NOMEM;
	p->cfg = *cfg;
	p->n = cfg->workers ? cfg->workers : 1;
	p->n_lanes = 1 + cfg->lanes;
	p->ordered = cfg->ordered && p->n > 1;
	{
		/* the workers take it for every packet they hand over: spin a little before
		 * sleeping in the kernel */
		pthread_mutexattr_t a;
		pthread_mutexattr_init(&a);
		pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ADAPTIVE_NP);
		pthread_mutex_init(&p->sink_mu, &a);
		pthread_mutexattr_destroy(&a);
	}
	pthread_mutex_init(&p->mg_mu, NULL);
	pthread_cond_init(&p->mg_cv, NULL);
	pthread_cond_init(&p->drain_cv, NULL);
	pthread_cond_init(&p->turn_cv, NULL);
	if (p->n == 1) {
		struct limf_pipe_cfg pc = cfg->pipe;
		seeded(&p->lim1, cfg, 0);
		pc.limits = &p->lim1;
		e = limf_pipe_new(&pc, &p->one);
		if (e != LIM_OK) {
			pthread_mutex_destroy(&p->sink_mu);
			pthread_mutex_destroy(&p->mg_mu);
			pthread_cond_destroy(&p->mg_cv);
			pthread_cond_destroy(&p->drain_cv);
			pthread_cond_destroy(&p->turn_cv);
			free(p);
			return e;
		}
		*out = p;
		return LIM_OK;
	}
	cap = cfg->queue_bytes ? cfg->queue_bytes : DEFAULT_QUEUE;
	for (unsigned i = 0; i < p->n; i++) {
		struct worker *w = &p->w[i];
		w->pool = p;
		w->no = i;
		pthread_mutex_init(&w->mu, NULL);
		pthread_cond_init(&w->work, NULL);
		pthread_cond_init(&w->room, NULL);
		pthread_mutex_init(&w->snap_mu, NULL);
		if (p->ordered && e == LIM_OK) {
			w->held_cap = HELD_BYTES;
			w->held = malloc(w->held_cap);
			if (!w->held)
				e = LIM_E_NOMEM;
		}
	}
	if (p->n_lanes > 1) {
		p->notes = calloc((size_t)p->n_lanes * p->n_lanes, sizeof *p->notes);
		if (!p->notes)
			e = LIM_E_NOMEM;
	}
	for (unsigned k = 0; k < p->n_lanes && e == LIM_OK; k++) {
		/* the queue space shared by the lanes that carry frames (at least 2 MiB a ring);
		 * a caller's lane with control records only gets the smallest ring */
		unsigned fl = cfg->lanes + (cfg->caller_frames ? 1u : 0u);
		size_t c = cap;
		if (cfg->lanes && k == 0 && !cfg->caller_frames)
			c = 1u << 20;
		else if (fl > 1)
			c = cap / fl > (2u << 20) ? cap / fl : (2u << 20);
		e = lane_new(p, k, c);
	}
	if (e == LIM_OK)
		e = limf_groups_new(&p->groups);
	if (e == LIM_OK)
		e = limf_keyshare_new(cfg->pipe.kms, &p->keys);
	/* the caller's sink, serialised; a NULL callback stays NULL */
	p->sink = cfg->pipe.sink;
	for (unsigned i = 0; i < p->n && e == LIM_OK; i++) {
		struct worker *w = &p->w[i];
		struct limf_pipe_cfg pc = cfg->pipe;
		e = cfg->open(cfg->ctx, i, &w->db);
		if (e != LIM_OK)
			break;
		pc.db = w->db;
		pc.kms = NULL;
		pc.keys = p->keys;
		seeded(&w->lim, cfg, i);
		/* the dispatchers verify checksums (lane_new); a unit reaches the worker as its
		 * payload, its headers not copied into the queue */
		w->lim.verify_csum = false;
		pc.limits = &w->lim;
		pc.groups = p->groups;
		pc.sink.iri = p->sink.iri ? s_iri : NULL;
		pc.sink.cc = p->sink.cc ? s_cc : NULL;
		pc.sink.call_done = p->sink.call_done ? s_done : NULL;
		pc.sink.cin_end = p->sink.cin_end ? s_cin_end : NULL;
		pc.sink.cin = s_cin;
		pc.sink.ctx = p;
		e = limf_pipe_new(&pc, &w->pipe);
	}
	if (e == LIM_OK && !cfg->defer_start)
		e = limf_pool_start(p);
	if (e != LIM_OK) {
		limf_pool_free(p);
		return e;
	}
	*out = p;
	return LIM_OK;
}

/* see pool.h */
enum lim_err limf_pool_start(struct limf_pool *p)
{
	/* the workers block every signal but the faults (lim_thread_start): SIGTERM, SIGHUP...
	 * reach the caller's thread, whose poll() they interrupt */
	for (unsigned i = 0; !p->one && i < p->n; i++) {
		struct worker *w = &p->w[i];
		char name[32]; /* lim_thread_start keeps the first 15 characters */
		if (w->started)
			continue;
		snprintf(name, sizeof name, "limf-w%u", i);
		if (lim_thread_start(&w->th, worker_run, w, name) != 0)
			return LIM_E_NOMEM;
		w->started = true;
	}
	if (p->ordered && !p->merge_started) {
		if (lim_thread_start(&p->merge_th, merge_run, p, "limf-merge") != 0)
			return LIM_E_NOMEM;
		p->merge_started = true;
	}
	return LIM_OK;
}

/* see pool.h */
unsigned limf_pool_workers(const struct limf_pool *p)
{
	return p->n;
}

/* see pool.h */
unsigned limf_pool_lanes(const struct limf_pool *p)
{
	return p->n_lanes - 1;
}

/* see pool.h */
void limf_pool_frame(struct limf_pool *p, const struct cap_frame *f)
{
	if (p->one) {
		limf_pipe_frame(p->one, f);
		return;
	}
	lane_frame(p, &p->lane[0], f);
}

/* see pool.h */
void limf_pool_lane_frame(struct limf_pool *p, unsigned lane, const struct cap_frame *f)
{
	struct lane *l = &p->lane[lane];
	lane_frame(p, l, f);
	if (++l->since >= SNAP_EVERY)
		lane_publish(l);
}

/* see pool.h */
void limf_pool_lane_idle(struct limf_pool *p, unsigned lane, uint64_t now_ns)
{
	struct lane *l = &p->lane[lane];
	if (now_ns)
		cap_disp_clock(l->disp,
			       now_ns); /* a quiet source: notes stamped with the present */
	lane_kick(p, l);
	if (now_ns && now_ns >= l->next_expire) {
		(void)cap_disp_expire(l->disp, now_ns);
		l->next_expire = now_ns + TICK_NS;
	}
	lane_publish(l);
}

/* see pool.h */
void limf_pool_lane_done(struct limf_pool *p, unsigned lane)
{
	struct lane *l = &p->lane[lane];
	atomic_store(&l->open, false); /* the others stop sending it notes */
	lane_publish(l);
}

/* see pool.h */
size_t limf_pool_tick(struct limf_pool *p, uint64_t now_ns)
{
	if (p->one)
		return limf_pipe_tick(p->one, now_ns);
	(void)cap_disp_expire(p->lane[0].disp, now_ns);
	control(p, &p->lane[0], REC_TICK, now_ns, !p->cfg.lossy);
	return 0;
}

/* see pool.h */
size_t limf_pool_recheck(struct limf_pool *p, int64_t now_us)
{
	uint64_t sum = 0;
	size_t n;
	if (p->one)
		return limf_pipe_recheck(p->one, now_us);
	control(p, &p->lane[0], REC_RECHECK, (uint64_t)now_us, true);
	for (unsigned i = 0; i < p->n; i++)
		sum += atomic_load(&p->w[i].rechecked);
	n = (size_t)(sum - p->rechecked_seen);
	p->rechecked_seen = sum;
	return n;
}

/* see pool.h */
void limf_pool_finish(struct limf_pool *p, uint64_t now_ns)
{
	if (p->one) {
		limf_pipe_finish(p->one, now_ns);
		return;
	}
	/* the lanes' threads have stopped (pool.h): this thread now drives their dispatchers; the
	 * TCP streams' partial messages are counted, then every worker handles everything the
	 * lanes queued before the end reaches it */
	for (unsigned k = p->n_lanes; k-- > 0;) {
		cap_disp_flush(p->lane[k].disp, now_ns);
		if (k)
			lane_publish(&p->lane[k]);
	}
	settle_all(p);
	control(p, &p->lane[0], REC_FINISH, now_ns, true);
	settle_all(p);
	if (p->ordered)
		drain(p); /* every output in the sink (pool.h) */
}

/* a += b for two counter structs whose every member is a uint64_t (struct cap_stats,
 * struct limf_pipe_stats), size octets each */
static void add_counters(void *a, const void *b, size_t size)
{
	uint64_t *x = a;
	const uint64_t *y = b;
	for (size_t i = 0; i < size / sizeof(uint64_t); i++)
		x[i] += y[i];
}

/* The dispatchers' counters summed: lane 0's own (the caller's thread), the others' last
 * published. */
static void lanes_sum(struct limf_pool *p, struct cap_stats *out)
{
	*out = p->lane[0].dst;
	for (unsigned k = 1; k < p->n_lanes; k++) {
		struct lane *l = &p->lane[k];
		pthread_mutex_lock(&l->snap_mu);
		add_counters(out, &l->snap, sizeof *out);
		pthread_mutex_unlock(&l->snap_mu);
	}
}

/* see pool.h */
void limf_pool_stats(struct limf_pool *p, struct limf_pipe_stats *pipe, struct cap_stats *cap)
{
	if (p->one) {
		if (pipe)
			*pipe = *limf_pipe_stats(p->one);
		if (cap)
			*cap = *limf_pipe_cap_stats(p->one);
		return;
	}
	if (pipe)
		memset(pipe, 0, sizeof *pipe);
	if (cap)
		lanes_sum(p, cap);
	for (unsigned i = 0; i < p->n; i++) {
		struct worker *w = &p->w[i];
		pthread_mutex_lock(&w->snap_mu);
		if (pipe)
			add_counters(pipe, &w->st, sizeof *pipe);
		if (cap)
			add_counters(cap, &w->cst, sizeof *cap);
		pthread_mutex_unlock(&w->snap_mu);
	}
}

/* see pool.h */
uint64_t limf_pool_drops(struct limf_pool *p)
{
	struct cap_stats st;
	if (p->one)
		return 0;
	lanes_sum(p, &st);
	return st.drop[CAP_DROP_QUEUE_FULL];
}

/* see pool.h */
uint64_t limf_pool_notes_lost(struct limf_pool *p)
{
	uint64_t n = 0;
	for (unsigned k = 0; !p->one && k < p->n_lanes; k++)
		n += atomic_load(&p->lane[k].notes_lost);
	return n;
}

/* see pool.h */
size_t limf_pool_queue_peak(struct limf_pool *p)
{
	size_t n = 0;
	for (unsigned k = 0; !p->one && k < p->n_lanes; k++)
		for (unsigned i = 0; i < p->n; i++) {
			size_t x =
				atomic_load_explicit(&p->lane[k].r[i].peak, memory_order_relaxed);
			if (x > n)
				n = x;
		}
	return n;
}

/* see pool.h */
uint64_t limf_pool_sleeps(struct limf_pool *p)
{
	uint64_t n = 0;
	for (unsigned k = 0; !p->one && k < p->n_lanes; k++)
		for (unsigned i = 0; i < p->n; i++)
			n += atomic_load_explicit(&p->lane[k].r[i].waits, memory_order_relaxed);
	return n;
}

/* see pool.h */
size_t limf_pool_keys_cached(struct limf_pool *p)
{
	return p->one ? limf_pipe_keys_cached(p->one) : limf_keyshare_cached(p->keys);
}

/* see pool.h */
const struct wr_kms_cert *limf_pool_cert(struct limf_pool *p)
{
	if (p->one)
		return limf_pipe_cert(p->one);
	if (!p->have_cert)
		for (unsigned i = 0; i < p->n && !p->have_cert; i++) {
			struct worker *w = &p->w[i];
			pthread_mutex_lock(&w->snap_mu);
			if (w->have_cert) {
				p->cert = w->cert;
				p->have_cert = true;
			}
			pthread_mutex_unlock(&w->snap_mu);
		}
	return p->have_cert ? &p->cert : NULL;
}

/* see pool.h */
void limf_pool_kick(struct limf_pool *p)
{
	if (!p->one)
		lane_kick(p, &p->lane[0]);
}

/* see pool.h */
void limf_pool_sink_lock(struct limf_pool *p)
{
	if (!p->one)
		pthread_mutex_lock(&p->sink_mu);
}

/* see pool.h */
void limf_pool_sink_unlock(struct limf_pool *p)
{
	if (!p->one)
		pthread_mutex_unlock(&p->sink_mu);
}

/* see pool.h */
void limf_pool_free(struct limf_pool *p)
{
	if (!p)
		return;
	if (p->one) {
		limf_pipe_free(p->one);
	} else {
		if (p->lane[0].r)
			stop_workers(p);
		for (unsigned i = 0; i < p->n; i++) {
			struct worker *w = &p->w[i];
			limf_pipe_free(w->pipe);
			if (p->cfg.close && w->db)
				p->cfg.close(p->cfg.ctx, i, w->db);
			pthread_mutex_destroy(&w->mu);
			pthread_cond_destroy(&w->work);
			pthread_cond_destroy(&w->room);
			pthread_mutex_destroy(&w->snap_mu);
			if (w->held) {
				/* clear content of target calls: wiped (as the rings) */
				lim_wipe(w->held, w->held_max);
				free(w->held);
			}
		}
		for (unsigned k = 0; k < p->n_lanes; k++)
			lane_free(&p->lane[k], p->n);
		free(p->notes);
		limf_groups_free(p->groups);
		limf_keyshare_free(p->keys);
	}
	pthread_mutex_destroy(&p->sink_mu);
	pthread_mutex_destroy(&p->mg_mu);
	pthread_cond_destroy(&p->mg_cv);
	pthread_cond_destroy(&p->drain_cv);
	pthread_cond_destroy(&p->turn_cv);
	lim_wipe(&p->cert, sizeof p->cert);
	free(p);
}
