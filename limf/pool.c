/* A pool of interception pipelines: see pool.h. */
#define _GNU_SOURCE /* PTHREAD_MUTEX_ADAPTIVE_NP */
#include "limf/pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/dispatch.h"
#include "common/log.h"
#include "common/wipe.h"

#define DEFAULT_QUEUE (16u << 20)
#define SNAP_EVERY    512u /* records between two counter snapshots of a busy worker */
#define REC_ALIGN     16u
#define TICK_NS       1000000000ull
#define CONTROL_RESERVE (64u * 1024u) /* octets a lossy push leaves free for control records */
#define WAKE_BATCH    64u  /* records queued to a sleeping worker before it is woken */
#define SPIN          512u /* polls of an empty ring before a worker sleeps */

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

/* A record in a ring: this header, then len octets of data, padded to REC_ALIGN. */
struct rec {
	uint32_t size; /* of the whole record, padding included */
	uint32_t kind;
	uint64_t ts;
	uint32_t len;
	struct cap_pkt pkt; /* payload views reset by the worker to point at the data */
};

struct worker {
	struct limf_pool *pool;
	unsigned no;
	pthread_t th;
	bool started;
	struct limf_pipe *pipe;
	struct cap_calls_limits lim; /* its call table's, with a seed of its own */
	struct wr_db *db;
	/* the ring: [tail, head) of size cap (a power of two), positions in octets */
	uint8_t *ring;
	size_t cap;
	char pad0[64];
	_Atomic uint64_t head; /* producer (the caller's thread) */
	_Atomic uint64_t pushed;
	char pad1[64];
	_Atomic uint64_t tail; /* consumer (the worker) */
	_Atomic uint64_t done; /* records handled */
	char pad2[64];
	atomic_bool sleeping, full_wait, done_wait;
	pthread_mutex_t mu;
	pthread_cond_t work, room;
	size_t peak;         /* caller's thread only */
	unsigned unwoken;    /* caller's thread only: records queued while the worker slept */
	/* counters published by the worker (under snap_mu) */
	pthread_mutex_t snap_mu;
	struct limf_pipe_stats st;
	struct cap_stats cst;
	bool have_cert;
	struct wr_kms_cert cert;
	_Atomic uint64_t rechecked; /* LIIDs dropped by its re-checks */
};

struct limf_pool {
	struct limf_pool_cfg cfg;
	unsigned n;
	struct limf_pipe *one; /* one worker: the caller's pipeline */
	struct cap_calls_limits lim1;
	struct cap_disp *disp;
	struct cap_stats dst; /* the dispatcher's counters (caller's thread) */
	struct limf_groups *groups;
	struct limf_keyshare *keys;
	pthread_mutex_t sink_mu;
	struct limf_sink sink; /* the caller's */
	uint64_t rechecked_seen;
	_Atomic uint32_t next_cin;
	uint64_t next_tick; /* capture time of the next clock record */
	bool have_cert;
	struct wr_kms_cert cert;
	struct worker w[LIMF_POOL_MAX_WORKERS];
};

/* ---- the serialised sink ----------------------------------------------------------------- */

static void s_iri(void *ctx, const struct limf_iri *iri)
{
	struct limf_pool *p = ctx;
	pthread_mutex_lock(&p->sink_mu);
	p->sink.iri(p->sink.ctx, iri);
	pthread_mutex_unlock(&p->sink_mu);
}

static void s_cc(void *ctx, const struct limf_cc *cc)
{
	struct limf_pool *p = ctx;
	pthread_mutex_lock(&p->sink_mu);
	p->sink.cc(p->sink.ctx, cc);
	pthread_mutex_unlock(&p->sink_mu);
}

static void s_done(void *ctx, const struct limf_call_summary *s)
{
	struct limf_pool *p = ctx;
	pthread_mutex_lock(&p->sink_mu);
	p->sink.call_done(p->sink.ctx, s);
	pthread_mutex_unlock(&p->sink_mu);
}

/* The caller's numbering, else 1, 2, ... for the whole pool (as one pipeline numbers its own) */
static uint32_t s_cin(void *ctx)
{
	struct limf_pool *p = ctx;
	uint32_t c;
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

/* Wakes the worker when it sleeps: at once (force), else once WAKE_BATCH records or an
 * eighth of the ring wait, so that a worker keeping up is not woken (a futex call and a
 * context switch) for every packet; the caller's idle points and every control record force
 * the wake-up (limf_pool_kick). */
static void wake(struct worker *w, bool force)
{
	if (!atomic_load(&w->sleeping)) {
		w->unwoken = 0;
		return;
	}
	if (!force && ++w->unwoken < WAKE_BATCH &&
	    atomic_load_explicit(&w->head, memory_order_relaxed) -
			    atomic_load_explicit(&w->tail, memory_order_relaxed) <
		    w->cap / 8)
		return;
	w->unwoken = 0;
	pthread_mutex_lock(&w->mu);
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->mu);
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* Room for a record of size sz at the head, keeping reserve octets free: the position to
 * write at (after a WRAP record when the end of the ring is too close), or false when the ring
 * is too full. */
static bool room(struct worker *w, size_t sz, size_t reserve, uint64_t *at)
{
	uint64_t h = atomic_load_explicit(&w->head, memory_order_relaxed);
	uint64_t t = atomic_load(&w->tail);
	size_t off = (size_t)(h & (w->cap - 1)), to_end = w->cap - off;
	size_t need = sz <= to_end ? sz : to_end + sz;
	if (w->cap - (size_t)(h - t) < need + reserve)
		return false;
	if (sz > to_end) {
		struct rec *wr = (struct rec *)(w->ring + off);
		wr->size = (uint32_t)to_end;
		wr->kind = REC_WRAP;
		h += to_end;
	}
	*at = h;
	return true;
}

/* Copies a record into w's ring. Blocking: waits for room; else false when full. force: the
 * worker is woken at once. */
static bool push(struct worker *w, const struct rec *r, const uint8_t *data, size_t len,
		 bool block, bool force)
{
	size_t sz = rec_size(len);
	/* a packet that may be dropped leaves room for the control records (a warrant re-check,
	 * the end) behind it, which then never wait for a stalled worker */
	size_t reserve = block ? 0 : CONTROL_RESERVE;
	uint64_t at;
	struct rec *dst;
	if (sz > w->cap / 2)
		return false; /* cannot happen with the 64 KiB datagram limit and >= 1 MiB rings */
	if (!room(w, sz, reserve, &at)) {
		if (!block)
			return false;
		/* the flag, then the tail: the worker stores the tail, then reads the flag (both
		 * sequentially consistent), so one of the two sees the other */
		wake(w, true);
		atomic_store(&w->full_wait, true);
		pthread_mutex_lock(&w->mu);
		while (!room(w, sz, 0, &at))
			pthread_cond_wait(&w->room, &w->mu);
		pthread_mutex_unlock(&w->mu);
		atomic_store(&w->full_wait, false);
	}
	dst = (struct rec *)(w->ring + (at & (w->cap - 1)));
	*dst = *r;
	dst->size = (uint32_t)sz;
	dst->len = (uint32_t)len;
	if (len)
		memcpy(dst + 1, data, len);
	if (at + sz - atomic_load_explicit(&w->tail, memory_order_relaxed) > w->peak)
		w->peak = (size_t)(at + sz - atomic_load_explicit(&w->tail, memory_order_relaxed));
	atomic_fetch_add_explicit(&w->pushed, 1, memory_order_relaxed);
	atomic_store(&w->head, at + sz); /* publishes the record (sequentially consistent, paired
					  * with the worker's sleeping flag) */
	wake(w, force);
	return true;
}

/* Waits until w has handled every record pushed so far. */
static void settle(struct worker *w)
{
	uint64_t want = atomic_load(&w->pushed);
	if (!w->started || atomic_load(&w->done) >= want)
		return;
	wake(w, true);
	atomic_store(&w->done_wait, true);
	pthread_mutex_lock(&w->mu);
	while (atomic_load(&w->done) < want)
		pthread_cond_wait(&w->room, &w->mu);
	pthread_mutex_unlock(&w->mu);
	atomic_store(&w->done_wait, false);
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

static void *worker_run(void *ctx)
{
	struct worker *w = ctx;
	unsigned since = 0;
	for (;;) {
		uint64_t t = atomic_load_explicit(&w->tail, memory_order_relaxed);
		struct rec *r;
		struct cap_pkt pkt;
		const uint8_t *data;
		bool quit = false;
		for (unsigned i = 0; i < SPIN && atomic_load(&w->head) == t; i++)
			cpu_relax(); /* a producer close behind: no sleep */
		if (atomic_load(&w->head) == t) {
			publish(w); /* idle: the counters are current */
			since = 0;
			atomic_store(&w->sleeping, true);
			if (atomic_load(&w->head) == t) {
				pthread_mutex_lock(&w->mu);
				while (atomic_load(&w->head) == t)
					pthread_cond_wait(&w->work, &w->mu);
				pthread_mutex_unlock(&w->mu);
			}
			atomic_store(&w->sleeping, false);
			continue;
		}
		r = (struct rec *)(w->ring + (t & (w->cap - 1)));
		data = (const uint8_t *)(r + 1);
		if (r->kind == REC_UDP || r->kind == REC_SIP_TCP) {
			/* the packet's views, to its copy in the ring */
			pkt = r->pkt;
			pkt.payload.p = data;
			pkt.payload.len = r->len;
			pkt.ip_payload = pkt.payload;
		}
		switch ((enum rec_kind)r->kind) {
		case REC_WRAP:
			break;
		case REC_UDP:
			limf_pipe_pkt(w->pipe, &pkt, r->ts);
			break;
		case REC_SIP_TCP:
			limf_pipe_sip(w->pipe, &pkt, data, r->len, r->ts);
			break;
		case REC_TICK:
			(void)limf_pipe_tick(w->pipe, r->ts);
			since = SNAP_EVERY;
			break;
		case REC_RECHECK:
			atomic_fetch_add(&w->rechecked, limf_pipe_recheck(w->pipe, (int64_t)r->ts));
			since = SNAP_EVERY;
			break;
		case REC_FINISH:
			limf_pipe_finish(w->pipe, r->ts);
			since = SNAP_EVERY;
			break;
		case REC_QUIT:
			quit = true;
			break;
		}
		if (r->kind != REC_WRAP) {
			if (++since >= SNAP_EVERY) {
				publish(w);
				since = 0;
			}
		}
		/* the datagram's copy may hold target media: it is overwritten by later records,
		 * and the ring is wiped when freed */
		{
			uint32_t kind = r->kind;
			atomic_store(&w->tail, t + r->size);
			if (kind != REC_WRAP)
				atomic_fetch_add(&w->done, 1);
		}
		if (atomic_load(&w->full_wait) || atomic_load(&w->done_wait)) {
			pthread_mutex_lock(&w->mu);
			pthread_cond_broadcast(&w->room);
			pthread_mutex_unlock(&w->mu);
		}
		if (quit)
			break;
	}
	publish(w);
	return NULL;
}

/* ---- dispatching ------------------------------------------------------------------------- */

static void on_unit(void *ctx, const struct cap_unit *u)
{
	struct limf_pool *p = ctx;
	struct worker *w = &p->w[u->worker % p->n];
	struct rec r;
	const uint8_t *data;
	size_t len;
	memset(&r, 0, sizeof r);
	r.ts = u->ts_ns;
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
	 * (replay): every worker first handles what came before it, and its own worker handles it
	 * before anything after it is dispatched, so the group table holds exactly the GMKs one
	 * pipeline would hold at each call, whatever the threads' timing. (The dispatcher sends
	 * a group's GMKs and calls to one worker, which orders them in live capture too:
	 * capture/dispatch.h; the barrier covers GMKs whose group it cannot tell.) */
	bool barrier = !p->cfg.lossy &&
		       (u->kind == CAP_UNIT_SIP_TCP || cap_sip_looks_like(data, len)) &&
		       cap_sip_may_carry_gmk(data, len);
	if (barrier)
		for (unsigned i = 0; i < p->n; i++)
			settle(&p->w[i]);
	if (!push(w, &r, data, len, !p->cfg.lossy, false)) {
		p->dst.drop[CAP_DROP_QUEUE_FULL]++;
		return;
	}
	if (barrier)
		settle(w);
}

/* A control record to every worker; block: the caller waits for room, else a worker whose
 * queue is full skips it (a tick: the next one comes). */
static void control(struct limf_pool *p, enum rec_kind k, uint64_t ts, bool block)
{
	struct rec r;
	memset(&r, 0, sizeof r);
	r.kind = k;
	r.ts = ts;
	for (unsigned i = 0; i < p->n; i++)
		if (p->w[i].started)
			(void)push(&p->w[i], &r, NULL, 0, block, true);
}

/* ---- the pool ---------------------------------------------------------------------------- */

static void stop_workers(struct limf_pool *p)
{
	control(p, REC_QUIT, 0, true);
	for (unsigned i = 0; i < p->n; i++) {
		struct worker *w = &p->w[i];
		if (w->started)
			pthread_join(w->th, NULL);
		w->started = false;
	}
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
}

/* see pool.h */
enum lim_err limf_pool_new(const struct limf_pool_cfg *cfg, struct limf_pool **out)
{
	struct limf_pool *p;
	enum lim_err e = LIM_OK;
	*out = NULL;
	if (!cfg || cfg->workers > LIMF_POOL_MAX_WORKERS)
		return LIM_E_ARG;
	if (cfg->workers <= 1 ? !cfg->pipe.db : !cfg->open)
		return LIM_E_ARG;
	p = calloc(1, sizeof *p);
	if (!p)
		return LIM_E_NOMEM;
	p->cfg = *cfg;
	p->n = cfg->workers ? cfg->workers : 1;
	{
		/* the workers take it for every packet they hand over: spin a little before
		 * sleeping in the kernel */
		pthread_mutexattr_t a;
		pthread_mutexattr_init(&a);
		pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ADAPTIVE_NP);
		pthread_mutex_init(&p->sink_mu, &a);
		pthread_mutexattr_destroy(&a);
	}
	if (p->n == 1) {
		struct limf_pipe_cfg pc = cfg->pipe;
		seeded(&p->lim1, cfg, 0);
		pc.limits = &p->lim1;
		e = limf_pipe_new(&pc, &p->one);
		if (e != LIM_OK) {
			pthread_mutex_destroy(&p->sink_mu);
			free(p);
			return e;
		}
		*out = p;
		return LIM_OK;
	}
	{
		struct cap_disp_limits dl;
		cap_disp_limits_default(&dl);
		dl.hash_seed = cfg->hash_seed;
		e = cap_disp_new(&dl, p->n, &p->dst, on_unit, p, &p->disp);
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
		size_t cap = cfg->queue_bytes ? cfg->queue_bytes : DEFAULT_QUEUE;
		w->pool = p;
		w->no = i;
		pthread_mutex_init(&w->mu, NULL);
		pthread_cond_init(&w->work, NULL);
		pthread_cond_init(&w->room, NULL);
		pthread_mutex_init(&w->snap_mu, NULL);
		w->cap = 1u << 20;
		while (w->cap < cap && w->cap < ((size_t)1 << 30))
			w->cap <<= 1;
		w->ring = calloc(1, w->cap);
		if (!w->ring) {
			e = LIM_E_NOMEM;
			break;
		}
		e = cfg->open(cfg->ctx, i, &w->db);
		if (e != LIM_OK)
			break;
		pc.db = w->db;
		pc.kms = NULL;
		pc.keys = p->keys;
		seeded(&w->lim, cfg, i);
		pc.limits = &w->lim;
		pc.groups = p->groups;
		pc.sink.iri = p->sink.iri ? s_iri : NULL;
		pc.sink.cc = p->sink.cc ? s_cc : NULL;
		pc.sink.call_done = p->sink.call_done ? s_done : NULL;
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
	for (unsigned i = 0; !p->one && i < p->n; i++) {
		struct worker *w = &p->w[i];
		if (w->started)
			continue;
		if (pthread_create(&w->th, NULL, worker_run, w) != 0)
			return LIM_E_NOMEM;
		w->started = true;
		{
			char name[24];
			snprintf(name, sizeof name, "limf-w%u", i); /* top -H, perf */
			(void)pthread_setname_np(w->th, name);
		}
	}
	return LIM_OK;
}

/* see pool.h */
unsigned limf_pool_workers(const struct limf_pool *p)
{
	return p->n;
}

/* see pool.h */
void limf_pool_frame(struct limf_pool *p, const struct cap_frame *f)
{
	if (p->one) {
		limf_pipe_frame(p->one, f);
		return;
	}
	cap_disp_frame(p->disp, f);
	/* the capture clock, once a second, to every worker: one pipeline expires idle calls on
	 * every packet, a worker sees only its own */
	if (f->ts_ns >= p->next_tick) {
		if (p->next_tick)
			control(p, REC_TICK, f->ts_ns, !p->cfg.lossy);
		p->next_tick = f->ts_ns + TICK_NS;
	}
}

/* see pool.h */
size_t limf_pool_tick(struct limf_pool *p, uint64_t now_ns)
{
	if (p->one)
		return limf_pipe_tick(p->one, now_ns);
	(void)cap_disp_expire(p->disp, now_ns);
	control(p, REC_TICK, now_ns, !p->cfg.lossy);
	return 0;
}

/* see pool.h */
size_t limf_pool_recheck(struct limf_pool *p, int64_t now_us)
{
	uint64_t sum = 0;
	size_t n;
	if (p->one)
		return limf_pipe_recheck(p->one, now_us);
	control(p, REC_RECHECK, (uint64_t)now_us, true);
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
	cap_disp_flush(p->disp, now_ns);
	control(p, REC_FINISH, now_ns, true);
	for (unsigned i = 0; i < p->n; i++)
		settle(&p->w[i]);
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
		*cap = p->dst;
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
	return p->one ? 0 : p->dst.drop[CAP_DROP_QUEUE_FULL];
}

/* see pool.h */
size_t limf_pool_queue_peak(struct limf_pool *p)
{
	size_t n = 0;
	for (unsigned i = 0; !p->one && i < p->n; i++)
		if (p->w[i].peak > n)
			n = p->w[i].peak;
	return n;
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
	for (unsigned i = 0; !p->one && i < p->n; i++)
		if (p->w[i].started && p->w[i].unwoken)
			wake(&p->w[i], true);
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
		stop_workers(p);
		for (unsigned i = 0; i < p->n; i++) {
			struct worker *w = &p->w[i];
			if (!w->ring)
				continue; /* never set up (limf_pool_new failed before it) */
			limf_pipe_free(w->pipe);
			if (p->cfg.close && w->db)
				p->cfg.close(p->cfg.ctx, i, w->db);
			lim_wipe(w->ring, w->cap);
			free(w->ring);
			pthread_mutex_destroy(&w->mu);
			pthread_cond_destroy(&w->work);
			pthread_cond_destroy(&w->room);
			pthread_mutex_destroy(&w->snap_mu);
		}
		cap_disp_free(p->disp);
		limf_groups_free(p->groups);
		limf_keyshare_free(p->keys);
	}
	pthread_mutex_destroy(&p->sink_mu);
	lim_wipe(&p->cert, sizeof p->cert);
	free(p);
}
