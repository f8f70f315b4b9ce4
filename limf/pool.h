/* A pool of interception pipelines (issue 8: "one capture thread per source, a fixed pool of
 * workers; packets are dispatched so that a call's SIP and its media reach the same worker;
 * bounded queues; every drop counted; no lock on the per-packet path of non-target traffic").
 *
 * The caller's thread (the capture loop of `limf capture`, the file reader of `limf replay`)
 * calls limf_pool_frame for every frame. With one worker (the default) that is the whole
 * pipeline, run right there, as limf_pipe_frame: every output in input order.
 *
 * With N >= 2 workers the caller's thread only dispatches (capture/dispatch.h: decoding, IP
 * reassembly, SIP-over-TCP framing; SIP by Call-ID, media by the SDP endpoints its SIP
 * registered) and copies each packet into the owning worker's queue: a single-producer,
 * single-consumer ring of bytes, lock-free on both sides (a mutex is taken only to wake a
 * sleeping side). Each worker thread runs its own pipeline (limf/pipeline.h: call table,
 * warrant gate, keys, SRTP) with its own database connection (cfg.open), so a gate query or
 * an audit row on one worker stalls only that worker's calls. The pipelines share one KMS
 * client and the SAKKE receiver contexts (limf_keyshare: one key request per user and key
 * period and one context per RSK for the pool; its lock is held for a request or a context's
 * construction, never while decapsulating), one group table (GMKs: the NOTIFY that carries a
 * GMK may reach another worker than the group's calls) and one sink, which the pool
 * serialises with a mutex: the sink (evidence writer, handover) sees one call at a time. All
 * three locks are taken only by intercepted traffic.
 *
 * Queues: cfg.lossy (live capture) drops a packet whose worker's queue is full, counted per
 * worker (limf_pool_drops); otherwise (replay) the caller waits for room, so nothing is lost.
 * Ticks, warrant re-checks and the end of input go through the same queues, so each worker
 * handles them in input order. A SIP message that may carry a GMK distribution is a barrier
 * when not lossy: the caller waits until its worker has handled it, so a group call later in
 * the input finds the GMK however far the other workers are behind (the legs of one group
 * call share a worker: capture/dispatch.h).
 *
 * Lanes (one capture thread per source): with cfg.lanes = S, S more producer threads may feed
 * the workers, each through limf_pool_lane_frame(p, k, f) for k = 1..S from its own thread
 * (one thread per lane). A lane has a dispatcher of its own (decoding, reassembly and TCP
 * state are per source) and one ring to each worker; the caller's thread stays lane 0 (X2/X3
 * input, and every tick, re-check and the end). Call-IDs map to the same worker in every lane
 * (one hash seed); endpoints and group pins learnt from SIP in one lane reach the others as
 * routing notes (capture/dispatch.h "Several dispatchers") through lock-free single-producer
 * rings of NOTE_CAP notes per pair of lanes, applied by each lane before its next frame and
 * at its idle point (a full ring loses a note: limf_pool_notes_lost; the media it would have
 * routed is then counted media_unbound). A note is tagged with a fence: where the SIP unit
 * that taught the route ends in its worker's ring; a unit routed by it carries the fence, and
 * the worker first handles the other ring up to there, so a call's SIP seen on one source is
 * always handled before the media (or the dialog's later SIP) routed by what it taught, on
 * any source. Otherwise a worker takes up to a burst of records from each of its rings in
 * turn: per lane, input order; between lanes none (sources have no common order: e.g. a
 * 200 OK seen on one source before the INVITE seen on another is handled first when its
 * source's thread is ahead). Still no lock on the per-packet path. Queue space: queue_bytes
 * per worker is shared by the lanes that carry frames (at least 2 MiB a ring); the caller's
 * lane without frames (no caller_frames) has 1 MiB rings for its control records.
 *
 * Output order: per call as with one worker; between calls of different workers it depends on
 * timing (each output keeps its capture time stamp), unless cfg.ordered (replay: one input,
 * nothing dropped): then every record the reader queues is numbered, the workers queue a copy
 * of each output (limf/held.h) instead of calling the sink, and one more thread, the merger,
 * hands them to the sink in the order of the records that caused them (pool.c explains when
 * an output may go); a worker taking a CIN waits until the others are past its record. The
 * sink then sees the outputs, and the CINs are taken, in input order: a replay's bundle is
 * the same at every run, whatever the threads' timing (with as many workers: a call still
 * open at the end of the input, or ended by its idle timeout, may end at another point of
 * the output with another number of workers, whose call tables are separate). In the sink, a
 * CC's call is then NULL and a call's I_MESSAGE octets are not there (held.h). Counters: the sums
 * over the dispatcher and the workers equal those of one pipeline (snapshots, at most ~512 packets
 * old while running, exact after limf_pool_finish). */
#ifndef LIMF_POOL_H
#define LIMF_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/capture.h"
#include "common/err.h"
#include "limf/pipeline.h"

#define LIMF_POOL_MAX_WORKERS 64
#define LIMF_POOL_MAX_LANES   16 /* producer threads besides the caller's */

struct limf_pool_cfg {
	unsigned workers; /* 0 or 1: no thread (the caller runs the pipeline) */
	/* the pipeline configuration: with one worker its db and kms are used; with more, kms is
	 * shared by the workers (limf_keyshare: one key request per user and period, one SAKKE
	 * context per RSK, for the pool) and each worker's database connection comes from open
	 * (db here is then not touched by the pool) */
	struct limf_pipe_cfg pipe;
	/* workers >= 2: opens worker i's database connection; LIM_OK or an error that fails
	 * limf_pool_new. close (may be NULL) closes it after the worker stopped. */
	enum lim_err (*open)(void *ctx, unsigned i, struct wr_db **db);
	void (*close)(void *ctx, unsigned i, struct wr_db *db);
	void *ctx;
	size_t queue_bytes; /* per worker; 0 = 16 MiB */
	bool lossy;         /* a full queue drops (live), else the caller waits (replay) */
	uint32_t hash_seed; /* of the dispatcher's hashes (live: a random one) */
	/* of the workers' call tables, and of the dispatchers' endpoint and TCP stream tables,
	 * when hash_seed is 0 (replay: a random one per run, so a crafted capture cannot aim at
	 * a bucket and make the replay quadratic; a table's layout never reaches the outputs:
	 * calls end in LRU order). The routing, which decides which worker takes a call and so
	 * the order calls open at the end of the input end in, stays on hash_seed (Call-ID
	 * hashes): replay's bundle is the same at every run with the same N. */
	uint32_t table_seed;
	bool defer_start;   /* the threads start at limf_pool_start (after a privilege drop:
			     * capabilities are per thread) */
	unsigned lanes;     /* producer threads besides the caller's (workers >= 2 only) */
	bool caller_frames; /* with lanes: the caller's thread feeds frames too (X2/X3), so it
			     * takes routing notes and gets a ring of full size */
	bool ordered;       /* outputs in input order (above); not with lanes or lossy */
};

struct limf_pool;

/* LIM_E_ARG (no db with one worker, no open with more, more than LIMF_POOL_MAX_WORKERS,
 * lanes with one worker or more than LIMF_POOL_MAX_LANES, ordered with lanes or lossy),
 * LIM_E_NOMEM, or open's error. */
enum lim_err limf_pool_new(const struct limf_pool_cfg *cfg, struct limf_pool **out) LIM_WUR;
/* Starts the worker threads (cfg.defer_start; a no-op otherwise). LIM_E_NOMEM. */
enum lim_err limf_pool_start(struct limf_pool *p) LIM_WUR;
unsigned limf_pool_workers(const struct limf_pool *p);
/* The handover sequence counters (one per LIID and call in progress: handover/deliver.h
 * max_keys) that the calls a pool of that many workers can have in progress at once, each of
 * up to LIMF_CALL_MAX_LIIDS LIIDs, may need: its call tables (default limits) decide which
 * calls go when there are too many, never a full counter table. At most HO_SEQ_KEYS_HARD. */
size_t limf_pool_seq_keys(unsigned workers);
unsigned limf_pool_lanes(const struct limf_pool *p);
/* One captured frame (caller's thread). */
void limf_pool_frame(struct limf_pool *p, const struct cap_frame *f);
/* Lane `lane`'s thread has ended (no more frames from it): the other lanes stop sending it
 * notes (they would fill its note rings and count as lost); its counters are published. */
void limf_pool_lane_done(struct limf_pool *p, unsigned lane);
/* One captured frame on lane 1 <= lane <= cfg.lanes, from that lane's thread only. */
void limf_pool_lane_frame(struct limf_pool *p, unsigned lane, const struct cap_frame *f);
/* Lane `lane`'s thread is about to wait (poll) or has nothing to read: the other lanes' routing
 * notes are applied, its workers woken for what it queued, its counters published; at most
 * once a second, with now_ns != 0, its dispatcher's reassembly, TCP and endpoint state older
 * than now_ns expires (cap_disp_expire: now_ns on the clock of its frames). Call it at least
 * every 100 ms or so while the lane runs. */
void limf_pool_lane_idle(struct limf_pool *p, unsigned lane, uint64_t now_ns);
/* Time passes (limf_pipe_tick on every worker). With one worker: calls ended, else 0. */
size_t limf_pool_tick(struct limf_pool *p, uint64_t now_ns);
/* limf_pipe_recheck on every worker. With one worker: the LIIDs dropped now; with more: those
 * the workers reported since the previous call (a re-check runs on the workers after this
 * returns). */
size_t limf_pool_recheck(struct limf_pool *p, int64_t now_us);
/* End of input at now_ns: every call of every worker ends and is summarised; returns when
 * every worker has handled everything (the counters are then exact). Every lane's thread must
 * have stopped calling into the pool (joined) before. */
void limf_pool_finish(struct limf_pool *p, uint64_t now_ns);
/* The caller is about to wait (poll): every worker with records queued is woken now (a
 * sleeping worker is otherwise woken once a batch of records waits). */
void limf_pool_kick(struct limf_pool *p);
/* Summed counters (snapshots while running). */
void limf_pool_stats(struct limf_pool *p, struct limf_pipe_stats *pipe, struct cap_stats *cap);
/* Packets dropped because a worker's queue was full (lossy), and the deepest any queue has
 * been, in octets. */
uint64_t limf_pool_drops(struct limf_pool *p);
size_t limf_pool_queue_peak(struct limf_pool *p);
/* Times a producer slept (not lossy): on a full queue, which wakes it once an eighth of the
 * queue is free again (not at every record taken), or waiting for a worker to catch up (a
 * barrier, the end). 0 with one worker. */
uint64_t limf_pool_sleeps(struct limf_pool *p);
/* Routing notes lost to a full note ring (lanes). */
uint64_t limf_pool_notes_lost(struct limf_pool *p);
/* The KMS certificate of the first worker that fetched one (public), or NULL. */
const struct wr_kms_cert *limf_pool_cert(struct limf_pool *p);
/* limf_keyshare_cached of the pool's key path: key sets and SAKKE receiver contexts held. */
size_t limf_pool_keys_cached(struct limf_pool *p);
/* The caller's thread must hold this around anything it does with the sink's state while the
 * workers run (handover pumping, reading the evidence writer's counters). No-ops with one
 * worker. */
void limf_pool_sink_lock(struct limf_pool *p);
void limf_pool_sink_unlock(struct limf_pool *p);
/* Stops the workers (their calls freed without output, keys wiped). NULL is a no-op. */
void limf_pool_free(struct limf_pool *p);

#endif
