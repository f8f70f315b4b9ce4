/* Which packets of group media each LIID has had (issue 9, group calls).
 *
 * A group server relays each talker's packet unchanged to every member, one SIP call (leg)
 * each. Each intercepted leg decrypts its own copy (decrypt/group.h: talker sessions per leg),
 * and a LIID on several legs gets each packet once, from the first of its legs that carries
 * it; a LIID on one leg alone gets that leg's copies. This table tells them apart: per (LIID,
 * talker stream: GMK-ID, GUK-ID, SSRC) the packet indexes had (ROC || SEQ, RFC 3711 s3.3.1, as
 * the leg's session authenticated them: mikey_group_talker.index), in a window of LIMF_HAD_WIN
 * behind the newest (the group table refuses packets further behind any leg's newest).
 *
 * Where it cannot tell, a packet counts as not had (handed over twice rather than never): an
 * index older than the window; a stream idle for LIMF_HAD_IDLE_NS of capture time (or stamped
 * that far before its last packet) begins afresh; with all LIMF_HAD_PROBE slots of its hash in
 * use, the least recently used goes (counted, limf_had_evicted); no memory for the table. The
 * slots (about 0.8 MB) are allocated at the first mark. Holds no secret: LIIDs and indexes.
 * Not thread-safe: the caller locks (limf/pipeline.c: the group table's). */
#ifndef LIMF_HAD_H
#define LIMF_HAD_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"

#define LIMF_HAD_SLOTS   4096
#define LIMF_HAD_PROBE   8
#define LIMF_HAD_WIN     1024
#define LIMF_HAD_IDLE_NS UINT64_C(10000000000)

struct limf_had;

/* An empty table; *out is the caller's (limf_had_free). LIM_E_NOMEM. */
enum lim_err limf_had_new(struct limf_had **out) LIM_WUR;

/* Whether liid had the packet of index idx of the stream (gmk_id, guk_id, ssrc), stamped ts_ns
 * (capture time); when not, it has had it now. */
bool limf_had_mark(struct limf_had *h, const char *liid, uint32_t gmk_id, uint32_t guk_id,
		   uint32_t ssrc, uint64_t idx, uint64_t ts_ns);

/* Streams forgotten while in use (room for others), since the table was made. */
uint64_t limf_had_evicted(const struct limf_had *h);

/* Frees the table; NULL is a no-op. */
void limf_had_free(struct limf_had *h);

#endif
