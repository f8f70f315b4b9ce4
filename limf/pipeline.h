/* The interception pipeline (DESIGN.md s2): the one code path of `limf replay` and, later,
 * `limf capture`. It takes capture/'s call-table events and, per call:
 *
 *   1. parses each I_MESSAGE the call's SDP carries (decrypt/mikey.h);
 *   2. asks the warrant gate (warrants/ wr_kms_decide) with the parties of the call: the SIP
 *      From, To and P-Asserted-Identity URIs and the I_MESSAGE's initiator and responder
 *      (clear URIs, or TS 33.180 UIDs matched through limf_uid), at the time the call was
 *      observed (the capture time of its first I_MESSAGE or INVITE: the T payload is the
 *      sender's claim, used for the key period only);
 *   3. with no warrant in force: nothing else happens for that call: no key request, no
 *      decryption, no output. The call is remembered only as "not intercepted" until it is
 *      freed;
 *   4. with warrants in force: IRI (every SIP message of the call, and key-management facts)
 *      goes to the sink for each matched LIID; when one of them has scope IRI+CC, the keys of
 *      the responder (the identity the SAKKE payload is encrypted to) are fetched through the
 *      decision (wr_kms_keys_at, the key period named by the message first), the SSV
 *      recovered, the initiator's ECCSI signature verified (the result is IRI; a bad signature
 *      is reported and the keys are NOT used), all under the KMS certificate valid at the
 *      call's time (else at the message's T): the KMS client keeps the ones it has seen
 *      (warrants/kms.h), and a time no certificate held is valid at, or a signature that does
 *      not verify (a roll-over this process has not seen), re-fetches the certificate once,
 *      rate-limited by the client ([kms] cert_refresh), and tries once more when it changed;
 *      still no certificate valid then: outcome "no-valid-certificate", nothing requested
 *      or decrypted. Then SRTP master keys are derived per crypto session, libsrtp2 sessions
 *      opened once the decryption is on the audit log ("decrypt.keys" per
 *      LIID with content; a row that cannot be written means the keys are not used). Keys
 *      that failed for a reason that may pass (outcome "kms-error": the KMS unreachable, no
 *      certificate yet, the key request's audit row; "audit-error": the "decrypt.keys" row;
 *      not a KMS that refuses or answers what cannot be used) are asked again while the call
 *      goes on, at its first event 1, 2, 4, 8, then every 16 s on (keys_again; said once per
 *      call; not within KMS_HOLD_US of a key request that failed in transport; an attempt
 *      that fails again is counted, not handed over; a row written by an attempt is not
 *      written again): content from the attempt that gets them, its key-management record
 *      to the LIIDs with content alone. No certificate held because the first fetch failed:
 *      re-fetched at the next call or key attempt, at that rate limit. An intercept that
 *      begins at the answer's I_MESSAGE keys the offer's too (and its BEGIN says "in
 *      progress": the INVITE went by);
 *   5. each media packet of the call is unprotected with the session its SSRC is bound to (the
 *      first session that authenticates a new SSRC binds it, newest key set first, so a
 *      re-key switches at the first packet under the new key and a late or changed SSRC is
 *      picked up); clear RTP goes to the sink as CC for the LIIDs with scope IRI+CC; packets
 *      that fail authentication are counted and never handed on. When the call is freed a
 *      "decrypt.done" audit row per such LIID records what was decrypted;
 *   3a. a warrant that comes into force during a call (its valid_from after the call's
 *      decision: the gate tells the earliest such start with a negative decision,
 *      wr_kms_decide_next; each decision of a call is on the parties of both I_MESSAGEs it
 *      carries then, so a target named in the offer alone is still the call's when the
 *      answer's I_MESSAGE is decided; the earliest start or retry any of them asked for) intercepts
 *      it from then on: at the call's first event at or after that instant (on the capture clock)
 *      the call is decided again at that instant, with the I_MESSAGEs it carries (the call table
 *      keeps the offer's and the answer's), and is handled as in 4 from there; its BEGIN records
 *      say "in progress" (limf_iri.in_progress) and nothing of the call before that instant is
 *      handed on (its SIP messages were never kept; its media before are not decrypted). A warrant
 *      added while the call is in progress reaches it the same way, through limf_pipe_recheck
 *      (which also bounds how many calls a pipeline sends to the gate again per second in the live
 *      service: cfg late_rate, 200; the others wait for the next second);
 *   3b. so does a warrant that comes into force during a call intercepted already under
 *      others (the gate tells the earliest start to come with a positive decision too; a
 *      warrant added reaches it through limf_pipe_recheck, which sees it in force; a party
 *      that a later I_MESSAGE of the call names first, the answering party of a diverted
 *      call say, joins the call's parties and is asked about at its next event): at the
 *      call's first event at or after that instant its parties go to the gate again, and each
 *      LIID in force the call does not serve joins it (up to LIMF_CALL_MAX_LIIDS) with the
 *      call's CIN: its BEGIN record "in progress" (the call's key-management facts, at that
 *      instant; in a group call its first record then, at the latest a "talker" record of
 *      the first packet it gets, before that packet), its IRI and content from there on. Its
 *      decryption is on its audit log first ("decrypt.keys" for the keys in use; a row not written:
 *      IRI only for it); a call that had no content gets its keys then, as in 3a; later re-keys'
 *      key requests are audited under it too (and a LIID that ends, or is held ended when others
 *      join, is struck from the call's decision: no key request audited or cached under it after
 *      its end); a LIID that takes over from one that ended (keep 0 at a re-check) joins before the
 *      call would stop. A LIID whose warrant's scope was widened from IRI to IRI+CC gets the
 *      content from then on the same way (the re-check sees it); the key-management records of keys
 *      got then go to the LIIDs with content alone. A LIID of the call whose warrant was found not
 *      in force (6, or suspended at a re-check) and is in force again (resumed, its valid_to moved
 *      later; on the call's clock, after a suspension period its valid_to began: the call goes
 *      to the gate again at its first event after that valid_to, which tells when) comes back
 *      the same way, in `limf replay` too: a BEGIN "in progress" again (the same CIN; its sequence
 *      numbers go on), content from then (in a group call, once a GMK is known again: the group's
 *      GMKs go when its last cover ends). An audit row not written: IRI only, tried again 1, 2, 4,
 *      8, then every 16 s on, from that row (the rows written before it are not written twice).
 *      Stats late_joins (LIIDs that joined or came back);
 *   6. a warrant covers the call only until its valid_to, on the call's own (capture) clock:
 *      at the first event of the call at or after a LIID's valid_to that LIID gets its last
 *      IRI record (LIMF_IRI_CALLEND, type REPORT, end_reason "warrant-not-in-force") and no
 *      IRI or CC after it (unless it comes back in force, 3b); when no LIID with content remains,
 *      the call's SRTP sessions are freed (keys wiped) and nothing more is decrypted. Replay,
 *      capture and a pool's workers alike (limf_pipe_recheck, at the wall clock, is for changes to
 *      warrants).
 *   7. a GMK distribution (a SIP message outside a call carrying I_MESSAGEs of the group
 *      management server, issue 9) goes through the gate like a call; its I_MESSAGEs that fail
 *      for a reason that may pass (the gate, no CIN, the KMS, an audit row) are kept with the
 *      message and handled again 1, 2, 4, 8, then every 16 s on at the pipe's first event or
 *      tick at or after then, for up to an hour (GMK_RETRY_MAX messages at once; the oldest
 *      goes), each decided at the distribution's time; a retry's IRI (a new CIN) only when it
 *      ends the retries, no audit row twice under a LIID; a GMK recovered sends the calls of
 *      every group it covers to the gate again (late_start, join_start), those of every
 *      pipeline sharing the group table (a distribution goes to the worker of its first group,
 *      a group's calls to the worker of theirs): each looks before its next event or tick.
 *      Those given up: stats gmk_given_up.
 *
 * Synchronous: limf_pipe_frame() runs everything, KMS requests included, before it returns.
 * One pipeline is used by one thread at a time; a pool (limf/pool.h) runs one per worker
 * thread, each with its own database connection and KMS client, sharing one group table
 * (struct limf_groups, locked) and one sink (which the pool serialises). Secrets (SSV, SRTP keys)
 * stay in decrypt/ and libsrtp2 sessions, wiped when the call's state is freed; the RSK stays in
 * warrants/' cache. */
#ifndef LIMF_PIPELINE_H
#define LIMF_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/capture.h"
#include "common/err.h"
#include "warrants/kms.h"
#include "warrants/warrants.h"

/* IRI record types (the values of ETSI TS 102 232-1 IRIType). */
enum limf_iri_type {
	LIMF_IRI_BEGIN = 1,
	LIMF_IRI_END = 2,
	LIMF_IRI_CONTINUE = 3,
	LIMF_IRI_REPORT = 4
};

enum limf_iri_kind {
	LIMF_IRI_SIP = 1, /* one SIP message of the call */
	LIMF_IRI_KEYMGMT, /* what happened to an I_MESSAGE (limf-defined) */
	LIMF_IRI_CALLEND, /* the call ended with no SIP message saying so (timeout, end of input) */
	LIMF_IRI_GROUP    /* a group-communication fact (limf-defined): talker, GMK */
};

/* Group-communication facts (issue 9): public values only. */
struct limf_group_ev {
	const char *event;  /* "talker": a talker's first media in the call (or a new GMK);
			     * "floor-request", "floor-granted", "floor-taken", "floor-release",
			     * "floor-idle", ... (capture/floor.h cap_floor_name): floor control */
	const char *group;  /* the MC group ID */
	const char *talker; /* the member whose GUK-ID it is, "" when no known member has it */
	uint32_t gmk_id, guk_id;
	uint32_t ssrc;      /* talker: the stream's SSRC */
	const char *detail; /* one line, "" when none */
	/* the packet it comes from passed an integrity check: a talker's SRTP under the group's
	 * GMK (true); floor control seen in the clear (false: anyone on the path could have sent
	 * or altered it, and it is evidence of what was on the wire, not of who sent it) */
	bool authenticated;
};

/* Key-management facts of one I_MESSAGE: public values only, never key material. */
struct limf_keymgmt {
	const char *side;      /* "offer" or "answer" */
	const char *initiator; /* identities as carried: URI text or UID hex */
	const char *responder;
	const char *kms_uri; /* of the KMS certificate used ("" when none) */
	const char *t;       /* T payload as ISO 8601, "" when absent */
	/* T (NTP types) minus the capture time of the packet that carried it, in seconds: an
	 * I_MESSAGE replayed from an earlier call shows its age (RFC 3830 s5.4: T is for replay
	 * protection; limf reports it, the gate does not judge it) */
	bool has_t_offset;
	int64_t t_offset_s;
	const char *key_user; /* URI whose keys were fetched ("" when none) */
	uint64_t key_period;  /* its key period number */
	uint32_t csb_id;
	unsigned n_keys;     /* SRTP crypto sessions derived */
	const char *outcome; /* "keys", "iri-only", "kms-error", "unwrap-failed", "parse-error",
			       * "bad-signature", "no-responder", "audit-error", "gmk", "no-group",
			       * "gmk-conflict", "no-valid-certificate" (the call's time is outside
			       * the validity of every KMS certificate, after one re-fetch) */
	const char *sig;     /* "valid", "invalid", "not-checked" */
	const char *detail;  /* one line, "" when none */
	/* the SIP party (offer: From or a P-Asserted-Identity; answer: To) that the initiator
	 * identity is (its URI, or its UID in T's key period or a neighbour); "" when none is,
	 * or for a GMK: the signature then proves only that some community member signed */
	const char *initiator_sip;
};

/* Where in a call the target of a warrant was found (limf_iri.matched, bits 1 << value): the
 * SIP headers are the sender's claims (From, To, Request-URI are set by the caller's UA; a
 * P-Asserted-Identity by the network), the I_MESSAGE's identities are checked by its ECCSI
 * signature (initiator) and SAKKE (responder: the key that opens it) only once keys are
 * fetched; a group call's members are covered through the GMK their warrant recovered. */
enum limf_match {
	LIMF_MATCH_SIP_FROM = 0,
	LIMF_MATCH_SIP_PAI,
	LIMF_MATCH_SIP_TO,
	LIMF_MATCH_MIKEY_INITIATOR,
	LIMF_MATCH_MIKEY_RESPONDER,
	LIMF_MATCH_GROUP,          /* the group ID (mcptt-info, the group document) */
	LIMF_MATCH_GROUP_MEMBER,   /* a member whose GMK made the group interceptable */
	LIMF_MATCH_MC_TARGET,      /* a GMK message's addressee (To, mcptt-info) */
	LIMF_MATCH_SIP_ANSWER_PAI, /* a P-Asserted-Identity of the 2xx: the party that answered */
	LIMF_MATCH_N
};
/* "sip-from", "sip-p-asserted-identity", "sip-to", "mikey-initiator", "mikey-responder",
 * "group", "group-member", "mc-target", "sip-answer-p-asserted-identity"; NULL out of range. */
const char *limf_match_name(unsigned m);

struct limf_iri {
	const char *liid;
	const char *delivery; /* the warrant's delivery destination */
	uint32_t cin;
	enum limf_iri_type type;
	/* LIMF_IRI_BEGIN: where this LIID's target(s) were found in the call (bits 1 << enum
	 * limf_match); 0 in other records */
	uint32_t matched;
	/* LIMF_IRI_BEGIN: the interception began during the call, when a warrant came into
	 * force (nothing of the call before that instant is in the IRI or CC) */
	bool in_progress;
	enum limf_iri_kind kind;
	uint64_t ts_ns;
	const struct cap_call *call; /* NULL for SIP outside INVITE dialogs (a GMK NOTIFY) */
	/* LIMF_IRI_SIP */
	const uint8_t *sip;
	size_t sip_len;
	struct cap_addr src, dst;
	uint16_t sport, dport;
	bool over_tcp;
	/* LIMF_IRI_KEYMGMT */
	const struct limf_keymgmt *km;
	/* LIMF_IRI_CALLEND */
	const char *end_reason;
	/* LIMF_IRI_GROUP */
	const struct limf_group_ev *grp;
};

/* One clear RTP packet for one LIID. */
struct limf_cc {
	const char *liid;
	const char *delivery;
	uint32_t cin;
	uint64_t ts_ns;
	bool from_target; /* sent by a party under this LIID's warrant (else to it) */
	uint8_t dir;      /* enum cap_dir */
	struct cap_addr src, dst;
	uint16_t sport, dport;
	const uint8_t *rtp; /* the whole clear RTP packet (borrowed for the call) */
	size_t len;
	uint32_t ssrc, rtp_ts;
	uint16_t seq;
	uint8_t pt;
	const struct cap_call *call;
	/* group media (issue 9): the talker (member URI, "" when unknown) and its GUK-ID; NULL/0
	 * for other calls */
	const char *talker;
	uint32_t guk_id;
};

/* Per-call summary at the end of an intercepted call (for the evidence manifest). */
struct limf_call_stream {
	uint32_t ssrc;
	uint8_t dir; /* enum cap_dir */
	uint8_t pt;  /* of the last decrypted packet */
	uint64_t decrypted, auth_failed, replayed, other_failed;
};
#define LIMF_CALL_MAX_STREAMS 16
/* LIIDs one call serves: as many as the gate's decision holds. When more warrants are in force
 * for a call's parties, the first LIMF_CALL_MAX_LIIDS by LIID are served and the others are
 * counted (stats warrants_left_out) and logged: never dropped silently, and never a reason to
 * intercept nothing. */
#define LIMF_CALL_MAX_LIIDS WR_KMS_DECIDE_MAX
#define LIMF_CALL_MAX_IMSG  8
struct limf_call_summary {
	uint32_t cin;
	const struct cap_call *call;
	size_t n_liids;
	const char *liids[LIMF_CALL_MAX_LIIDS];
	bool cc; /* at least one LIID with scope IRI+CC */
	size_t n_km;
	const struct limf_keymgmt *km[LIMF_CALL_MAX_IMSG];
	/* key-management records of the call not listed in km: more than LIMF_CALL_MAX_IMSG, the
	 * oldest (each delivered as IRI when it was made) made room for later ones */
	uint64_t km_not_listed;
	size_t n_streams;
	struct limf_call_stream streams[LIMF_CALL_MAX_STREAMS];
	/* streams before those (their slots went to newer SSRCs once they fell idle: a group
	 * call's talkers), as they stood then; streams_not_listed past the ones kept */
	const struct limf_call_stream *old_streams;
	size_t n_old_streams;
	uint64_t streams_not_listed;
	/* those streams' counters summed (decrypted, auth_failed, replayed, other_failed; the
	 * other fields 0), so that the call's sums still account for every packet */
	struct limf_call_stream not_listed;
	/* media packets of the call seen with no key to try (none yet, or a group call's GMK
	 * whose use could not be audited yet) */
	uint64_t media_undecrypted;
	/* SSRCs of the call's media that never authenticated under any of its keys and whose
	 * stream slot was taken back for a newer SSRC (junk or foreign packets sent to the call's
	 * ports must not fill the LIMF_CALL_MAX_STREAMS slots its real streams need), and their
	 * packets (all failed: counted in no stream above) */
	uint64_t streams_unauthenticated, packets_unauthenticated;
};

/* Where intercepts go (evidence bundle, handover links). Every view dies when the callback
 * returns. Any callback may be NULL. */
struct limf_sink {
	void (*iri)(void *ctx, const struct limf_iri *iri);
	void (*cc)(void *ctx, const struct limf_cc *cc);
	void (*call_done)(void *ctx, const struct limf_call_summary *s);
	/* the communication identity number of a call that is intercepted (called once per such
	 * call, when the gate first says yes); NULL = 1, 2, ... for this pipeline; 0 = refuse
	 * (the call is then not intercepted: no number, no output; counted in stats cin_errors
	 * and said; the next call asks again) */
	uint32_t (*cin)(void *ctx);
	/* the call numbered cin is freed: no IRI or CC with that CIN follows (its number is
	 * never handed out again). Called once per number the cin callback gave, after the
	 * call's last record and after its call_done - also for a call whose warrants all ended
	 * during it (which has no call_done), and for a GMK distribution's number after its
	 * records. Not called by limf_pipe_free for calls still open. */
	void (*cin_end)(void *ctx, uint32_t cin);
	void *ctx;
};

struct limf_pipe_cfg {
	struct wr_db *db;   /* borrowed: warrants and audit (service role) */
	struct wr_kms *kms; /* borrowed: KMS client; NULL = no KMS (IRI only, keys "kms-error") */
	const char *only_liid; /* borrowed: outputs for this LIID only; NULL = every match */
	struct limf_sink sink; /* copied */
	const struct cap_calls_limits *limits; /* NULL = defaults */
	/* borrowed: GMKs and group coverage shared with the other pipelines of a pool; NULL =
	 * the pipeline's own */
	struct limf_groups *groups;
	/* borrowed: the KMS client and SAKKE receiver contexts shared with the other pipelines of
	 * a pool (then kms above is not used); NULL = the pipeline's own, over kms */
	struct limf_keyshare *keys;
	/* how long limf_pipe_recheck keeps ongoing interceptions while the gate cannot answer
	 * (microseconds); 0 = LIMF_RECHECK_GRACE_US */
	int64_t recheck_grace_us;
	/* calls in progress sent to the gate again per second once limf_pipe_recheck runs (3a);
	 * 0 = 200 */
	int late_rate;
};

/* The key path of a pool's pipelines (thread-safe): one KMS client (kms, borrowed, may be
 * NULL: no KMS), so one key request per user and key period for the pool, and one set of SAKKE
 * receiver contexts. LIM_E_NOMEM. */
struct limf_keyshare;
enum lim_err limf_keyshare_new(struct wr_kms *kms, struct limf_keyshare **out) LIM_WUR;
void limf_keyshare_free(struct limf_keyshare *k); /* contexts wiped; NULL is a no-op */
/* Secrets held now: key sets in the KMS client's cache plus SAKKE receiver contexts (as last
 * counted under their locks: never waits for a key request). 0 for NULL. */
size_t limf_keyshare_cached(struct limf_keyshare *k);

/* The group table of a pool's pipelines (thread-safe). LIM_E_NOMEM. */
struct limf_groups;
enum lim_err limf_groups_new(struct limf_groups **out) LIM_WUR;
void limf_groups_free(struct limf_groups *g); /* keys wiped; NULL is a no-op */

struct limf_pipe_stats {
	uint64_t calls, calls_intercepted, calls_cc;
	uint64_t imsg, imsg_bad, decisions;
	/* gate queries that failed (database errors): a call's decision (the call is not
	 * intercepted: fail closed; asked again 1, 2, 4, 8, then every 16 s on while it goes on,
	 * each try counted) or a re-check (limf_pipe_recheck: the call is kept) */
	uint64_t decision_errors;
	uint64_t audit_errors; /* audit rows of intercepted calls that could not be written */
	/* calls (or GMK distributions) under a warrant NOT intercepted because the sink had no
	 * communication identity number for them (limf_sink.cin returned 0: the database's or
	 * the spool's CIN counter failing), once per call (a call is asked again 1, 2, 4, 8, then
	 * every 16 s on while it goes on, and intercepted from the first CIN on); raises the gate
	 * alarm as decision_errors do */
	uint64_t cin_errors;
	/* warrants in force for an intercepted call beyond LIMF_CALL_MAX_LIIDS (not served for
	 * that call), summed over calls */
	uint64_t warrants_left_out;
	uint64_t warrant_ends; /* LIIDs ended during a call by their warrant's valid_to */
	/* calls intercepted from the instant a warrant came into force during them (its
	 * valid_from after the call began) */
	uint64_t late_intercepts;
	/* LIIDs that joined a call intercepted already, from the instant their warrant came into
	 * force during it, and LIIDs of a call that came back in force during it (3b) */
	uint64_t late_joins;
	uint64_t kms_ok, kms_fail, unwrap_fail, sig_bad;
	uint64_t media_target, decrypted, auth_failed, replayed, cc_out, iri_out;
	/* group communications (issue 9) */
	uint64_t gmk_seen, gmk_bad, gmk_intercepted, gmk_keys, group_calls;
	uint64_t floor_msgs, floor_bad; /* floor-control messages told in IRI / refused */
	uint64_t gmk_dropped; /* GMKs wiped: no warrant in force covers their group any more */
	/* GMK distributions (SIP messages) under a warrant with I_MESSAGEs that failed and were
	 * not handled again: retried for an hour (or until the end of the input) in vain, or
	 * more kept for a retry than GMK_RETRY_MAX (the oldest), or out of memory */
	uint64_t gmk_given_up;
	/* GMKs whose signed key parameters name another group than the NOTIFY's group document
	 * (filed under the signed one) */
	uint64_t gmk_group_mismatch;
	/* talkers' SRTCP verified / not (failed, or under a GMK not yet in use for the call) */
	uint64_t group_srtcp, group_srtcp_failed;
	/* group media packets decrypted, each with a GMK whose use for the call is audited first
	 * (a packet of a GMK whose row could not be written is not decrypted), and handed over;
	 * copies: decrypted on one leg of a group call, not handed over, every LIID of the leg
	 * having had it from another leg (counted in replayed too) */
	uint64_t group_decrypted, group_copies;
	/* LIIDs' streams of group media whose copies had were forgotten for room (limf/had.h):
	 * their next copies may be handed over twice */
	uint64_t group_had_evicted;
	/* media packets of an intercepted call not tried against the call's other sessions: their
	 * SSRC had failed every session SSRC_TRIALS_MAX times in a row (pipeline.c) since the
	 * call's keys last changed (counted in auth_failed too) */
	uint64_t trials_skipped;
	/* media packets of an intercepted call that no key set authenticated when they came
	 * (counted in auth_failed), held a moment (pipeline.c HELD_NS) and decrypted when the
	 * call's next keys came: a re-key's media ahead of its 2xx */
	uint64_t held_decrypted;
	/* tries of carry_roc (pipeline.c): a packet of a stream bound to an older key set, found
	 * forged by its session, tried under the newer sets from the ROC that session reached;
	 * at most SSRC_TRIALS_MAX failed ones per stream per key change, whatever comes between */
	uint64_t carry_tries;
	/* tries of gap_roc (pipeline.c): a bound stream's packet its session refused, tried there
	 * with the next ROCs (a capture gap of more than half the sequence numbers); at most one a
	 * second per stream */
	uint64_t gap_tries;
	/* KMS certificates (warrants/kms.h): KMSInit requests this pipe's KMS uses made (the
	 * first and the re-fetches after a roll-over), re-fetches the client's rate limit refused,
	 * and I_MESSAGEs of calls at a time no certificate held is valid at (outcome
	 * "no-valid-certificate": nothing requested or decrypted) */
	uint64_t cert_fetches, cert_refused, cert_outside;
	/* the certificate store (wr_kms_cert_stats): certificates loaded from it, certificates
	 * the KMS served that it refused (other content under a recorded CertUri: audited
	 * "kms.cert.conflict"), and reads or writes of it that failed */
	uint64_t cert_loaded, cert_conflicts, cert_store_failed;
};
/* Traffic a run lost before the pipeline examined it, for limf's own reasons: a reassembly,
 * TCP or call table limit was reached (a frame refused, a media binding not made, whose
 * frames then go unbound), something held was evicted for room (limf_evictions: a datagram
 * in reassembly, an unanswered call; media that came for a call's binding or a dispatcher's
 * endpoint evicted before, SIP of a group dialog whose pin was evicted; an eviction that
 * costs nothing later, such as an ended call's endpoint, is no loss), or a worker's queue was
 * full (live capture drops rather than stalls). The sum of c's drop[] counts of those reasons
 * (limf_limit_drop says which they are) and of its evictions; malformed input (also a datagram
 * in more than CAP_FRAG_MAX_PIECES fragments or over max_datagram octets, frag_pieces and
 * frag_toobig: no SIP message or RTP packet is cut so, only hostile traffic), data missing
 * from the input (a TCP hole, a fragment that never came), traffic limf does not decode and a
 * call's SSRC table being full (its packets still go on) are not losses. Nor are the TCP
 * counters that also count streams of no SIP (tcp_evicted: any SYN makes a stream; tcp_mem,
 * tcp_stream_cap: a non-SIP stream with a hole in the input): on a link carrying other TCP
 * they would call every bundle incomplete. c may be NULL (0). */
uint64_t limf_limit_drops(const struct cap_stats *c);
bool limf_limit_drop(enum cap_drop d);
/* All the traffic a run lost to capacity limits: limf_limit_drops(c), plus what the kernel or
 * the interface dropped (kernel_dropped) and the routing notes lost (see limf_pipe_incomplete);
 * not 0 makes the evidence incomplete. */
uint64_t limf_lost(const struct cap_stats *c, uint64_t kernel_dropped, uint64_t notes_lost);
#define LIMF_EVICTIONS 4
struct limf_eviction {
	const char *name; /* frag_evicted, calls_evicted, media_lost, sip_pin_lost */
	uint64_t n;
};
/* c's eviction counters, named (the summary's "evicted"); returns LIMF_EVICTIONS. */
size_t limf_evictions(const struct cap_stats *c, struct limf_eviction ev[LIMF_EVICTIONS]);
/* Whether a run with these counts is incomplete evidence, the reason in why[0..cap) (the
 * manifest's "incomplete", limf replay's ALARM):
 * - the gate failed (a warrant decision, a CIN, an audit row): warranted calls may be
 *   missing, or decryptions not on the audit log;
 * - a key request failed (kms_fail: the KMS, its certificate, or no KMS configured): a call
 *   under a warrant with content has none, or none until a later request succeeded;
 * - traffic was lost to capacity limits: at limf's limits (c, may be NULL), by
 *   the kernel or the interface (kernel_dropped, live sources), or routing notes between
 *   source threads were lost (notes_lost: the media they would have routed went unbound).
 *   A lost frame may have been a target's. */
bool limf_pipe_incomplete(const struct limf_pipe_stats *s, const struct cap_stats *c,
			  uint64_t kernel_dropped, uint64_t notes_lost, char *why, size_t cap);

struct limf_pipe;

/* LIM_E_NOMEM, LIM_E_ARG (no db). */
enum lim_err limf_pipe_new(const struct limf_pipe_cfg *cfg, struct limf_pipe **out) LIM_WUR;
/* Feeds one captured frame. */
void limf_pipe_frame(struct limf_pipe *p, const struct cap_frame *f);
/* A pool's worker (limf/pool.h): a packet its dispatcher decoded (whole UDP datagram), or a
 * SIP message the dispatcher framed on a TCP stream (pkt: the completing segment); they go
 * straight to the call table (cap_calls_feed, cap_calls_feed_sip). */
void limf_pipe_pkt(struct limf_pipe *p, const struct cap_pkt *pkt, uint64_t ts_ns);
void limf_pipe_sip(struct limf_pipe *p, const struct cap_pkt *pkt, const uint8_t *msg, size_t len,
		   uint64_t ts_ns);
/* End of input at now_ns: every call ends and is summarised. */
void limf_pipe_finish(struct limf_pipe *p, uint64_t now_ns);
/* Capture counters (decoder, call table) and pipeline counters. */
const struct cap_stats *limf_pipe_cap_stats(const struct limf_pipe *p);
const struct limf_pipe_stats *limf_pipe_stats(const struct limf_pipe *p);
/* Time passes without frames (a silent live link): ends calls idle since before
 * now_ns - the call table's idle timeout and frees lingering ones (their events and IRI as
 * for a timeout), expires stale IP fragments. Returns how many calls ended. */
size_t limf_pipe_tick(struct limf_pipe *p, uint64_t now_ns);

/* How long limf_pipe_recheck keeps what the gate last allowed while the gate cannot answer
 * (the database unreachable, every attempt failing), in microseconds, unless the pipe's
 * configuration says otherwise (recheck_grace_us; limf.conf [database] recheck_grace). */
#define LIMF_RECHECK_GRACE_US (60 * INT64_C(1000000))

/* Warrant changes during calls (the live service calls it every second): first, when the
 * warrant table changed since the last call of it (wr_warrants_mark: a warrant added, or one
 * modified, suspended, resumed or revoked), every call in progress that is not intercepted
 * (and not stopped) goes to the gate again at its next event, as in 3a: a warrant added
 * during a call intercepts it from about a second after; a call whose every LIID ended is
 * re-checked once more below, so that a warrant added for its parties since joins it (3b);
 * every other intercepted call goes to the gate again at its next event (3b), which learns
 * the start of a warrant added to come into force later in the call (it joins then).
 * Then it re-runs the gate at now_us for every intercepted call with the parties of its
 * decision. Each LIID whose warrant is no longer in force (revoked, suspended, expired) gets a
 * last IRI record (LIMF_IRI_CALLEND, type REPORT, end_reason "warrant-not-in-force") and nothing
 * more of the call; that record is stamped on the capture's clock, where its content stopped
 * (the latest packet time the pipeline decoded, the call's own latest event when that is past
 * now_us, never before the call's latest event), so that a call's records keep their order when
 * the capture runs behind the wall clock (a backlog, a file at its recorded pace). A LIID still
 * in force takes its warrant as it stands now: delivery and valid_to (the end of the stretch at
 * the call's own clock: asked for at that clock too when the stretch in force now began after
 * it, a suspension the capture has not reached), and a scope narrowed to IRI (a scope widened to
 * IRI+CC gives the content from the call's next event, 3b). A warrant in force that the call
 * does not serve joins it at its next event (3b), also when every LIID of the call ended just
 * now; not asked again while the warrants stay as they were at the call's last join decision (on
 * the call's clock, which may be ahead of this one: that decision stands, and a start to come is
 * its join_at). LIIDs are looked up among every warrant in force (wr_decide_all), however many:
 * a warrant added for the same target never makes a LIID of the call look ended.
 * A gate that cannot answer (a database error: stats decision_errors, warned once per outage)
 * is no decision, not "the warrant ended", so one database restart must not end every ongoing
 * interception. The LIIDs are kept
 * as the last decision allowed them, with two bounds that need no database: a LIID whose
 * warrant's end (valid_to, read with that decision, or with the last re-check that answered)
 * has passed is stopped as above; and once the gate has not answered for
 * the grace (LIMF_RECHECK_GRACE_US, or cfg recheck_grace_us; nothing confirms a revocation
 * made meanwhile) every LIID is stopped,
 * end_reason "warrant-not-confirmed"; while the gate is failing and the warrants' mark still
 * answers (so also when every call is stopped), and once the gate answers again, each
 * re-check sends the stopped calls to the gate again, and a LIID found in force comes back as
 * one whose warrant was resumed (3b); the grace counts from the first failure, however often
 * the mark answers meanwhile. A revocation needs the database: while it is down none
 * can be made, and one made over a link that only limf lost is seen at the first re-check
 * after the reconnect (warrants/ reconnects at most once a second). The group covers below
 * are kept the same way, for the grace only (a cover knows no warrant end).
 * When no LIID with content remains the call's SRTP sessions are freed (keys
 * wiped) and its media is no longer decrypted; the LIID stays in the call's list (ended), so
 * that the call's summary (sink.call_done) and its "decrypt.done" audit row at the call's end
 * still account for what was decrypted for it while in force. When no LIID is left in force
 * and none joins or is to come, nothing more is recorded for the call and it is not decided
 * again (a
 * later re-INVITE does not re-open it) until the warrants change (above). GMKs (issue 9)
 * likewise: a group whose GMK
 * was recovered for a member stays covered while a warrant on that member or on the group is
 * in force; when none is, the group's GMKs are wiped (stats gmk_dropped). The keys go with
 * the warrants (DESIGN.md s5.3): the stopped LIIDs no longer justify the KMS client's cached
 * key sets (wr_kms_forget_liid: those left with none are wiped) and the SAKKE receiver
 * contexts whose key set is no longer cached are wiped (limf_keyshare_cached). Returns how many
 * LIIDs were dropped (a LIID already ended by its valid_to is not counted again). */
size_t limf_pipe_recheck(struct limf_pipe *p, int64_t now_us);

/* limf_keyshare_cached of the pipeline's key path (its own or the pool's). */
size_t limf_pipe_keys_cached(const struct limf_pipe *p);

/* The KMS certificate the pipeline fetched (public), or NULL when it has none. */
const struct wr_kms_cert *limf_pipe_cert(const struct limf_pipe *p);
/* Frees every call's state (keys wiped). NULL is a no-op. */
void limf_pipe_free(struct limf_pipe *p);

#endif
