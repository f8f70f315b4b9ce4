/* limf/ network handover (DESIGN.md s2, s5.6): the IRI and CC of each LIID go to the authority
 * its warrant's delivery destination names ([authority NAME] in limf.conf), through handover/'s
 * durable spools and links: one HI2 and one HI3 spool per authority under
 * <spool_dir>/<NAME>/hi2 and .../hi3, each drained by its own link: mutual TLS (the authority's
 * ca, cert and key; config.c refuses an authority without all three), or plain TCP when the
 * authority says insecure_plaintext = yes (warned about loudly on stderr at every open).
 *
 * Communication identity numbers must not repeat for a LIID across runs: limf_dlv_cin_reserve
 * hands out blocks from a counter persisted in <spool_dir>/cin (written atomically), so that a
 * replay's CINs, its bundle's and the network's agree and never collide with an earlier run's.
 * When the run has the warrant database (`limf capture`: limf_dlv_set_cin_db), the CINs come
 * from the database's counter instead (warrants.h wr_cin_reserve), shared by every instance
 * on that database: several instances never hand out the same CIN (issue 8, "Scale-out").
 * Without either (no spool directory, no database) they are this run's own, from 1.
 *
 * Single-threaded; limf_dlv_pump() drives the links (poll) and must be called regularly. */
#ifndef LIMF_DELIVERY_H
#define LIMF_DELIVERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "handover/deliver.h"
#include "handover/handover.h"
#include "limf/config.h"

struct limf_dlv;

/* Per authority, for status output. */
struct limf_dlv_stats {
	const char *name;
	struct ho_spool_stats spool[2]; /* [0] HI2, [1] HI3 */
	struct ho_link_stats link[2];
};

/* Opens the spools and links of every authority in c (none configured: a valid, empty
 * delivery). spool_dir: c->spool_dir; required when c has authorities (LIM_E_ARG). seq_keys:
 * the sequence counters each spool holds at once (limf/pool.h limf_pool_seq_keys for a
 * process that intercepts; 0: HO_SEQ_KEYS_MAX), kept by limf_dlv_reopen. Errors from
 * handover/ (LIM_E_IO, LIM_E_PARSE for a damaged spool, LIM_E_CRYPTO for TLS files); why gets
 * a one-line reason. c is borrowed for the life of *out. */
enum lim_err limf_dlv_new(const struct limf_conf *c, size_t seq_keys, struct limf_dlv **out,
			  char *why, size_t whycap) LIM_WUR;
void limf_dlv_free(struct limf_dlv *d);
/* The bound in octets of each spool ([handover] spool_max_mb, 1024 MiB when unset); 0 when the
 * value is not a number of MiB (1..1048576), which limf_dlv_new refuses. */
uint64_t limf_dlv_spool_max(const struct limf_conf *c);

/* SIGHUP: replaces the running delivery *dp with c's. A spool c still uses (same spool_dir and
 * authority name) is taken over as it is: not closed, not re-read (a large backlog costs
 * nothing), its bound set to c's spool_max_mb; only its link is replaced (what it had sent
 * unconfirmed is sent again, as after a reconnection). The other spools c names are opened;
 * the running ones c does not use are closed, but never while they hold unconfirmed PDUs:
 * LIM_E_STATE then (why names the spool and the count), and nothing is changed. The CIN
 * source (limf_dlv_set_cin_db) carries over. On any error *dp is untouched and goes on
 * running; on success the old delivery is freed. c is borrowed for the life of *dp. */
enum lim_err limf_dlv_reopen(struct limf_dlv **dp, const struct limf_conf *c, char *why,
			     size_t whycap) LIM_WUR;

/* CINs from the database from now on (db borrowed for the life of d; NULL: back to the spool
 * counter). They are taken from it in blocks of LIMF_DLV_CIN_BLOCK (one round trip per block;
 * the rest of a block is lost, never reused, when the run ends or d is freed). */
#define LIMF_DLV_CIN_BLOCK 16u
struct wr_db;
void limf_dlv_set_cin_db(struct limf_dlv *d, struct wr_db *db);

/* Reserves n consecutive CINs; *first gets the first. Persisted before it returns (in the
 * database or the spool directory). LIM_E_DB when the database refuses (its message on stderr
 * once per run of failures). */
enum lim_err limf_dlv_cin_reserve(struct limf_dlv *d, uint32_t n, uint32_t *first) LIM_WUR;
/* Where limf_dlv_cin_reserve takes the CINs from, for messages: "the database (limf.cin_reserve)",
 * "the spool directory's counter (<spool_dir>/cin)" or "this run's own counter" (static or
 * owned by d). */
const char *limf_dlv_cin_source(const struct limf_dlv *d);

/* Whether delivery names a configured authority. */
bool limf_dlv_known(const struct limf_dlv *d, const char *delivery);

/* Spools one IRI / CC PDU for the authority named by delivery (h->seqno is stamped by the
 * spool, h->version set to the authority's li-psDomainId version). LIM_E_ARG when delivery names no
 * configured authority; LIM_E_LIMIT when its spool is full (the alarm is raised, counted);
 * LIM_E_IO. */
enum lim_err limf_dlv_iri(struct limf_dlv *d, const char *delivery, struct ho_psheader *h,
			  const struct ho_iri_sip *iri) LIM_WUR;
enum lim_err limf_dlv_cc(struct limf_dlv *d, const char *delivery, struct ho_psheader *h,
			 const struct ho_cc_rtp *cc) LIM_WUR;
enum lim_err limf_dlv_keymgmt(struct limf_dlv *d, const char *delivery, struct ho_psheader *h,
			      const struct ho_iri_keymgmt *km) LIM_WUR;
enum lim_err limf_dlv_callend(struct limf_dlv *d, const char *delivery, struct ho_psheader *h,
			      const struct ho_iri_callend *ce) LIM_WUR;
enum lim_err limf_dlv_group(struct limf_dlv *d, const char *delivery, struct ho_psheader *h,
			    const struct ho_iri_group *g) LIM_WUR;

/* The call numbered cin is over: nothing more with that CIN is handed over (its CIN is never
 * handed out again). Forgets its sequence counters in every spool (ho_spool_seq_forget), so the
 * spools' counter tables stay bounded by the calls in progress; what is still spooled of it is
 * delivered as before. cin 0 is a no-op. Errors from ho_spool_seq_forget (the counters are
 * forgotten in memory all the same). */
enum lim_err limf_dlv_call_end(struct limf_dlv *d, uint32_t cin) LIM_WUR;

/* A new run starts (`limf capture` or `limf replay --deliver`, once, before its first call; not
 * at a SIGHUP reopen, whose calls go on): every call of an earlier run is over - also those a
 * crash cut off, which never ended - since a run's CINs are new (limf_dlv_cin_reserve). Drops
 * every sequence counter of every spool (ho_spool_seq_reset), so that crashes do not leave
 * counters behind for good. Errors from ho_spool_seq_reset (not fatal: forgotten in memory). */
enum lim_err limf_dlv_new_run(struct limf_dlv *d) LIM_WUR;

/* One turn of every link: poll for up to timeout_ms, then step. LIM_OK, or the first spool
 * error a link met in this turn: that link stops sending (state spool_error, the error in its
 * stats) and retries by itself after its back-off; the others go on. Each link's spool error
 * is said on stderr when it starts, when it changes and when it is over. */
enum lim_err limf_dlv_pump(struct limf_dlv *d, int timeout_ms) LIM_WUR;
/* Graceful end: drains every link until everything spooled is confirmed or deadline_ms
 * (lim_mono_ms, common/clock.h) passes (a link with a spool error keeps retrying until then,
 * without holding up the others). LIM_OK when all was confirmed, LIM_E_STATE when something stays
 * in a spool (delivered by a later run: nothing is lost). */
enum lim_err limf_dlv_flush(struct limf_dlv *d, uint64_t deadline_ms) LIM_WUR;

size_t limf_dlv_count(const struct limf_dlv *d);
void limf_dlv_stats(const struct limf_dlv *d, size_t i, struct limf_dlv_stats *st);

#endif
