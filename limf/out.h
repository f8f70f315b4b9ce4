/* limf/ outputs of the pipeline (limf/pipeline.h sink), shared by `limf replay` and
 * `limf capture`: for each LIID a warrant gave,
 *   - the evidence bundle (handover/bundle.h), when one is open:
 *       <LIID>/iri.jsonl   one JSON object per IRI record (see write_iri in out.c)
 *       <LIID>/hi2.pdu     every IRI record as an ETSI TS 102 232-1/-5 PS-PDU, back to
 *                          back (SIP messages as sIPMessage; key management, the end of a call
 *                          no SIP message ended and group facts as limf's
 *                          nationalIPMMIRIParameters records, handover/pdu.h)
 *       <LIID>/cc.pcap     clear RTP in IP/UDP with the original addresses, ports and times
 *       <LIID>/hi3.pdu     the same packets as IPMMCC PS-PDUs
 *       <LIID>/audio/<CIN>-<SSRC>.wav   each PCMU/PCMA stream decoded to 16-bit PCM
 *     with sequence numbers per (LIID, CIN), IRI and CC separately, from 0;
 *   - the network handover (limf/delivery.h), when one is open, for LIIDs whose warrant's
 *     delivery names a configured authority (the same PDUs; the spool stamps the numbers and
 *     the authority's li-psDomainId version; CINs come from the spool directory's counter).
 * A recording failure stops the recording (limf_out_error) but not the delivery.
 *
 * Threads: while a bundle is recorded, the CC packets (cc.pcap, hi3.pdu, WAV) are written by a
 * recording thread that o starts at the first one, fed through a bounded ring (4096 packets of up
 * to 1600 octets, 1 MiB of packet octets in all; a longer one is recorded in place). Everything
 * else that writes the bundle (new LIIDs, call ends, reconfiguration, limf_out_manifest) and every
 * accessor below first waits until that thread has written all it was given; IRI records
 * (iri.jsonl, hi2.pdu) are written by the caller's thread meanwhile (different outputs:
 * handover/bundle.h). Each file gets its records in the pipeline's order, so the files are exactly
 * those of the single-threaded writer. All functions are for the pipeline's thread;
 * limf_out_manifest ends the recording thread (the pipeline is done) and limf_out_free ends it too.
 * The bundle must not be touched directly while the pipeline runs, nor closed before
 * limf_out_manifest. */
#ifndef LIMF_OUT_H
#define LIMF_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/err.h"
#include "handover/bundle.h"
#include "limf/config.h"
#include "limf/delivery.h"
#include "limf/pipeline.h"
#include "limf/pool.h"
#include "limf/status.h"
#include "warrants/kms.h"
#include "warrants/warrants.h"

struct limf_out;

struct limf_out_cfg {
	struct ho_bundle *bundle;     /* borrowed; NULL = no evidence recording */
	struct limf_dlv *dlv;         /* borrowed; NULL = no network handover */
	struct wr_db *db;             /* borrowed: the warrants' countries for the PS headers */
	const struct limf_conf *conf; /* borrowed: operator and network element ids, country */
};

struct limf_out_stats {
	uint64_t dlv_iri, dlv_cc, dlv_refused; /* PDUs spooled / refused by a full spool */
	size_t n_liids, n_wavs;                /* LIIDs and WAVs written */
	uint64_t wav_refused;  /* G.711 CC packets in no WAV (out.c struct limf_out) */
	uint64_t pcap_refused; /* CC packets cc.pcap cannot hold, in hi3.pdu only */
	/* records (IRI, CC) of LIIDs whose delivery names no [authority] of the network
	 * handover's configuration: not handed over (limf_out_undelivered) */
	uint64_t undelivered;
};

/* LIM_E_NOMEM. */
enum lim_err limf_out_new(const struct limf_out_cfg *cfg, struct limf_out **out) LIM_WUR;
/* The pipeline sink that writes to o (o must outlive the pipeline's use of it). */
struct limf_sink limf_out_sink(struct limf_out *o);
/* After a configuration reload (SIGHUP): the new configuration (operator/network element ids,
 * country) and network handover (may be NULL) from the next record on; each LIID's PS header
 * template is rebuilt and warnings about unknown authorities are given again. conf and dlv
 * are borrowed as in limf_out_cfg. */
void limf_out_reconfigure(struct limf_out *o, const struct limf_conf *conf, struct limf_dlv *dlv);

/* The first recording failure ("what: reason"), or NULL. Waits for the recording thread. */
const char *limf_out_error(struct limf_out *o);
/* Whether the recording has failed, without waiting (a replay stops reading then). */
bool limf_out_failed(const struct limf_out *o);
void limf_out_stats(struct limf_out *o, struct limf_out_stats *st);
/* The bundle's LIIDs while the run goes on, from any thread (limf status): recorded, the most
 * it records, and the records of later LIIDs that were not recorded (their network handover
 * went on); false (all 0) without a bundle. */
bool limf_out_bundle_liids(struct limf_out *o, uint64_t *recorded, uint64_t *max,
			   uint64_t *unrecorded);
/* While the run goes on, from any thread (limf status): the records of LIIDs whose warrant's
 * delivery names no [authority] of the network handover (one is configured), not handed over
 * (said once per LIID on stderr; before, that was all: no counter, alarm or exit status, an
 * audit). 0 with no network handover (no [authority] at all: recorded only, by choice). */
uint64_t limf_out_undelivered(const struct limf_out *o);
/* Whether the evidence of a run whose pipeline has finished is incomplete, the reason in
 * why[0..cap) (the manifest's "incomplete", the ALARM of replay and capture):
 * limf_pipe_incomplete of p's counts (kernel_dropped: see there), or records of LIIDs the
 * bundle could not record (past the number of LIIDs it can hold open at once: REC_MAX, or
 * fewer under a low open-file limit; their network handover went on). */
bool limf_out_incomplete(struct limf_out *o, struct limf_pool *p, uint64_t kernel_dropped,
			 char *why, size_t cap);
/* The i-th LIID that had output / WAV written (bundle-relative path); NULL past the end. */
const char *limf_out_liid(struct limf_out *o, size_t i);
const char *limf_out_wav(struct limf_out *o, size_t i);
/* After the pipeline finished (ends the recording thread): the members for ho_bundle_close's
 * extra_json: "warrants",
 * "kms" (kms_url, p's certificate and, in "certificates", every KMS certificate kms holds:
 * the ones before a roll-over too; kms may be NULL), "incomplete" when limf_pipe_incomplete
 * says so (the kernel drops of src[0..nsrc) counted), "sources" (src, when nsrc > 0: limf
 * capture's), "summary" (p's counters, drops included), "calls". reserve: the octets of the
 * members the caller adds after them (the calls list leaves room for them within
 * HO_BUNDLE_EXTRA_MAX). malloc'd; NULL on failure. */
char *limf_out_manifest(struct limf_out *o, struct limf_pool *p, const char *kms_url,
			const struct wr_kms *kms, const struct limf_status_src *src, size_t nsrc,
			size_t reserve);
void limf_out_free(struct limf_out *o); /* NULL is a no-op */

/* The audit chain's head once a run's own rows are in (wr_audit_head after the pool has
 * finished): the manifest's "audit" member, {"rows": N, "head": hex} or {"unavailable": why},
 * of a replay's bundle and of limf capture --record's. Signed with the bundle, it anchors the
 * chain up to every key request and decryption that made the bundle, outside the database:
 * `limf audit verify --expect-head HEAD --min-rows N` shows later whether any of those rows
 * was deleted or the chain rewritten. Rows of other clients written meanwhile may come
 * before the head too: N is an upper bound of the run's rows, never below them. */
struct lim_json;
struct limf_audit_mark {
	bool ok;
	int64_t rows;
	uint8_t head[WR_HASH_LEN];
	char why[256];
};
/* Reads the head from db (a warning on stderr when it cannot: no anchor). */
void limf_audit_mark_read(struct wr_db *db, struct limf_audit_mark *a);
/* The member's value into j. */
void limf_json_audit(struct lim_json *j, const struct limf_audit_mark *a);
/* Further members for limf_with_audit: writes each, with its leading ',', into f; false on
 * failure. */
typedef bool (*limf_members_fn)(FILE *f, void *ctx);
/* extra (object members, as limf_out_manifest gives) with ,"audit":{...} and what more (NULL:
 * nothing) writes after them, built once; malloc'd, NULL on failure. The audit member is at
 * most LIMF_AUDIT_MEMBER_MAX octets (a reserve for limf_out_manifest; JSON escapes a character
 * of why in 6 at most). */
char *limf_with_audit(const char *extra, const struct limf_audit_mark *a, limf_members_fn more,
		      void *ctx);
/* limf_members_fn writing ,"verify_checksums":true (ctx unused): a bundle of a replay or
 * capture run with --verify-checksums says so (cap_calls_limits verify_csum). */
bool limf_put_verify_csum(FILE *f, void *ctx);
#define LIMF_AUDIT_MEMBER_MAX                                                                      \
	(64 + 6 * sizeof(((struct limf_audit_mark *)0)->why) + 2 * WR_HASH_LEN + 64)

/* ---- set-up shared by replay and capture (messages on stderr; 0 ok, 1 failed) ---- */

/* flag, else the config's value, else the environment variable env; NULL when none. */
const char *limf_setting(const char *flag, const char *conf, const char *env);
/* The KMS client for url (mutual TLS with ca, cert, key); url NULL: *out NULL and a note that
 * intercepted calls get IRI only. keep_ended: wr_kms_config.keep_ended (replay). refresh: the
 * [kms] cert_refresh seconds (1..86400; NULL or "": the default), else 1 with a message. */
int limf_kms_open(const char *url, const char *ca, const char *cert, const char *key,
		  const char *refresh, bool keep_ended, struct wr_kms **out);
/* A pool worker's own database connection (limf_pool_cfg.open / close, ctx the connection
 * string or NULL: $LIMF_DB): as limf_open_db. */
enum lim_err limf_worker_open(void *ctx, unsigned i, struct wr_db **db);
void limf_worker_close(void *ctx, unsigned i, struct wr_db *db);
/* --workers N (NULL: 1) into *n: 0 ok, 1 with a message. */
int limf_workers_opt(const char *s, unsigned *n);
/* The evidence bundle in dir (must not exist or be empty). */
int limf_bundle_open(const char *dir, struct ho_bundle **out);

struct lim_json;
/* The pipeline's counters as one JSON object (frames, calls, intercepted, decrypted...). */
void limf_json_pipe_summary(struct lim_json *j, struct limf_pool *p);

#endif
