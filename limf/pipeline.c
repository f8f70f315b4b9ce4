/* The interception pipeline: see pipeline.h. */
#include "limf/pipeline.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "capture/floor.h"
#include "capture/mcbody.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/wipe.h"
#include "decrypt/gmk.h"
#include "decrypt/group.h"
#include "decrypt/mikey.h"
#include "decrypt/srtp.h"
#include "decrypt/uid.h"
#include "decrypt/unwrap.h"
#include "limf/had.h"
#include "limf/input.h"
#include "limf/kms_glue.h"
#include "limf/text.h"

#define KEYSETS 4 /* key sets (I_MESSAGEs) kept per call, newest first */
/* key sets a call retired after they had authenticated packets, remembered with their replay
 * state (struct retired): the RETIRED_MAX retired last (one retired before those comes back
 * with empty replay windows), and FLOORS_MAX streams of each */
#define RETIRED_MAX 16
#define FLOORS_MAX  32
/* An SSRC whose packets failed every session of the call this many times in a row is tried
 * with its bound session and the newest key set's alone until the call's keys change: junk sent
 * to a target's media port would else cost up to KEYSETS x MIKEY_MAX_KEYS unprotect attempts per
 * packet (live capture then drops the target's own packets for want of time). Its packets are
 * counted as failed. carry_roc's tries (each may add a libsrtp stream and take it away again:
 * several times the cost of an unprotect that fails) have a budget of their own of as many
 * per key change. */
#define SSRC_TRIALS_MAX 64
#define GAP_RETRY_NS    UINT64_C(1000000000) /* gap_roc: one try a second a stream */
#define KEYSET_T_SKEW_S 300 /* s: a T further than this from its packet is stale (struct keyset) */
/* A stream slot that authenticated is taken for a new SSRC, all slots being taken, once this
 * many packets of the call came since its last one (a talker whose turn ended); the streams it
 * held are listed in the call's summary (up to STREAMS_OLD_MAX a call, the others counted) */
#define SSRC_IDLE       256
#define STREAMS_OLD_MAX 240
/* Packets that no key set of the call authenticated are held a moment (HELD_MAX a call, up to
 * HELD_LEN octets, for HELD_NS of the call's clock) and tried again when new keys come: a
 * re-INVITE's keys are taken at its 2xx (RFC 3264 s8: a rejected one changes nothing), and
 * media the answerer sends under them may reach the capture point before that 2xx (the media
 * path is not the signalling's). Counted as failed when they come all the same (a counter
 * never goes back), and as held_decrypted too when later keys decrypt them. */
#define HELD_MAX 32 /* (0.64 s of one stream at 20 ms a packet; 50 KiB a call, at its first) */
#define HELD_LEN 1500
#define HELD_NS  UINT64_C(2000000000)
_Static_assert(HELD_MAX <= 256, "held_ord holds slot numbers in octets");
/* parties handed to the gate: From, up to 4 PAIs, To, up to 4 of the answer's PAIs (those
 * other than these), 2 IDRs, the group, and the group's covering members and the other
 * I_MESSAGE's IDRs in what is left */
#define MAX_PARTIES     16
#define ID_TEXT         160
#define PKT_MAX         65536
#define RSK_CTXS        4   /* SAKKE receiver contexts kept (about 1.3 MiB of secure heap each) */
#define COVER_MAX       256 /* groups made interceptable by GMKs recovered for targets */
#define DUE_MAX         64  /* groups a recovered GMK covered, kept for the other pipelines */
#define GMK_AUDITED_MAX 16  /* GMKs a group call's media is decrypted with (one per key period) */

/* A key set the call retired (evicted for room, or dropped when its content stopped) after it
 * had authenticated packets: its id, and per stream (SSRC) the highest index its sessions
 * authenticated. When its I_MESSAGE comes again (in a re-INVITE: valid, and public) the keys are
 * used again, and the new sessions, whose replay windows start empty, refuse the packets at or
 * below those indexes as replays: the packets handed over under the old set, sent again, are
 * not handed over twice. (A packet behind such an index that had not come before, delayed
 * past the set's retirement, is refused with them.) */
struct retired {
	uint8_t id[32];
	size_t n;
	uint8_t sess[FLOORS_MAX]; /* the session of the set (its index) */
	uint32_t ssrc[FLOORS_MAX];
	uint64_t top[FLOORS_MAX];
};

/* The SRTP sessions of one I_MESSAGE. */
struct keyset {
	size_t n;
	struct lim_srtp *s[MIKEY_MAX_KEYS];
	bool proven; /* a packet of the call authenticated under it */
	bool answer; /* of the answer's I_MESSAGE (else the offer's) */
	uint64_t t;  /* its I_MESSAGE's T (NTP era-extended, 33.31; 0: none, or a COUNTER) */
	/* its I_MESSAGE's T more than KEYSET_T_SKEW_S from the packet that carried it: an old
	 * I_MESSAGE sent again (RFC 3830 s5.4: the responder refuses such a T) */
	bool stale;
	/* SHA-256 of its keys (master key, salt, MKI, SSRC and ROC of each crypto session):
	 * the same keys again are this set, not a new one (keyset_add) */
	uint8_t id[32];
	/* the keys of a set the call retired: its replay state then (NULL: a set never retired) */
	struct retired *floors;
};

/* A media SSRC of the call and the session that authenticated it. */
struct ssrc_bind {
	struct limf_call_stream st;
	int set, idx;  /* keyset slot / session; set < 0: not bound */
	uint64_t seen; /* pcall.ssrc_clock at its last packet */
	/* packets in a row that no session of the call's key sets authenticated, while
	 * pcall.ks_gen was ks_gen (on_media: SSRC_TRIALS_MAX) */
	uint32_t misses, ks_gen;
	/* carry_roc tries that failed while pcall.ks_gen was ks_gen: at most SSRC_TRIALS_MAX,
	 * whatever comes between (a replayed packet resets misses, not these) */
	uint32_t carries;
	uint64_t gap_at_ns; /* capture time of its last gap_roc try (0: none) */
	/* group media: the talker last seen on this SSRC (GMK-ID, GUK-ID), told in IRI */
	uint32_t gmk_id, guk_id;
	bool talker_told;
};

/* A packet held for keys to come (HELD_MAX): the facts of its event media_unprotect and
 * hand_cc read, and its octets (no pointer: held_retry makes the event again) */
struct held {
	uint64_t ts_ns;
	struct cap_addr src, dst;
	uint16_t sport, dport;
	uint8_t dir;
	uint32_t ssrc;
	size_t len;
	uint8_t data[HELD_LEN];
};

/* A group a GMK recovered through a target's warrant made interceptable (issue 9: "a warrant
 * on a user covers the groups whose GMK was distributed to that user while the warrant was
 * active"): the member is added to the parties of the group's calls, so the gate decides with
 * that member's warrant as it stands at the time of the call. */
struct cover {
	char group[CAP_MC_TEXT];
	char member[WR_URI_MAX + 1];
};

/* GMKs, talkers' sessions and coverage: one table for every pipeline of a pool (a GMK arrives
 * in a NOTIFY that another worker may handle than the group's calls). Every use holds mu,
 * which is only ever taken on the paths of intercepted group traffic. Lock order: mu, then
 * whatever the sink takes. */
struct limf_groups {
	pthread_mutex_t mu;
	struct mikey_group *t;
	size_t n_cover;
	struct cover cover[COVER_MAX];
	/* the groups each recovered GMK covered, newest last: a ring of DUE_MAX, due_n counting
	 * every one (written under mu, also read without it). Every pipeline sharing the table
	 * sends its own calls of them to the gate again (groups_due): a distribution goes to the
	 * worker of its first group, the calls of its other groups may be on other workers. */
	_Atomic uint64_t due_n;
	char due[DUE_MAX][CAP_MC_TEXT];
	uint64_t next_leg;    /* the last leg ID given (pcall.group_leg) */
	struct limf_had *had; /* which LIID has had which packet (limf/had.h) */
};

/* Stored key-management facts (the strings limf_keymgmt points at). */
struct km_rec {
	char side[8], initiator[ID_TEXT], responder[ID_TEXT], kms_uri[WR_KMS_URI_MAX + 1];
	char t[MIKEY_TS_STRLEN], key_user[WR_URI_MAX + 1], outcome[24], sig[16], detail[256];
	char initiator_sip[WR_URI_MAX + 1];
	struct limf_keymgmt view;
	uint64_t ts_ns;
	bool emitted;
	uint32_t to;       /* the LIIDs (bit i: pc->liid[i]) it goes to; 0: every one */
	enum lim_err kerr; /* outcome "kms-error" / "audit-error": why (keys_may_pass); else 0 */
};

struct party_set;

struct liid_state {
	char liid[WR_LIID_MAX + 1];
	char delivery[WR_DELIVERY_MAX + 1];
	enum wr_scope scope;
	int64_t valid_to; /* the warrant's end (wr time), from the decision or the recheck */
	/* the start of the stretch in force it was decided (or joined) on (wr time): nothing
	 * of the call stamped before it is its own, though it may come after (reordered or
	 * merged inputs, a POI's timestamps that go back) */
	int64_t valid_from;
	uint8_t target_side; /* bit 0: the caller (offerer) is a target, bit 1: the callee */
	uint32_t matched;    /* limf_iri.matched of its BEGIN record */
	uint64_t parties;    /* the decision's: bit k, party k of the set decided on is a target */
	bool began, ended;
	/* ended: the call's time reached valid_to, or a re-check found its warrant not in force;
	 * nothing more for this LIID unless it comes back (join_start: with back after a
	 * re-check; after a valid_to, when the call's clock finds it in force past it) */
	bool out_of_force;
	/* out of force because a re-check found its warrant not in force (suspended, revoked,
	 * its target removed, its valid_to passed at the wall clock, not confirmed past the
	 * grace), not by its valid_to on the call's clock; also one ended by its valid_to that a
	 * re-check finds not in force at the wall clock (suspended again meanwhile: the wall clock
	 * rules) */
	bool checked_out;
	/* out of force, and a re-check found its warrant in force again (resumed, or its valid_to
	 * moved later): join_start takes it back if the call's own clock agrees */
	bool back;
	bool joined; /* its warrant came into force while the call was intercepted (join_start) */
	/* the decrypt.keys rows of an audit_fresh that stopped partway: key-management records
	 * (pc->km[0..km_audited)) and GMKs (pc->gmk_audited[0..gmk_audited)) on its log already;
	 * the retry goes on from there instead of writing them twice (0 when none is pending) */
	uint16_t km_audited, gmk_audited;
	uint64_t delivered; /* CC packets handed over to it ("decrypt.done") */
};

/* Failures in a row of one kind, and the next attempt (backoff_next). */
struct backoff {
	uint8_t n;
	int64_t t, at; /* the instant of the last failure counted, and its next attempt */
};

struct pcall {
	uint32_t cin;
	bool intercept, cc;
	struct wr_kms_decision *d;
	size_t n_liids;
	/* LIMF_CALL_MAX_LIIDS, allocated at the call's first positive decision; km:
	 * LIMF_CALL_MAX_IMSG, at its first key-management record. ~19 KiB that the many calls
	 * that are never intercepted do not hold (NULL: none yet) */
	struct liid_state *liid;
	/* warrants that came into force during the call when it could serve no more LIIDs
	 * (join_start): counted and told once each (NULL: none yet) */
	char (*left)[WR_LIID_MAX + 1];
	size_t n_left;
	/* the offer's/answer's I_MESSAGE handled (an unchanged one is not redone): its SHA-256,
	 * not a copy (up to 16 KiB), as every tracked call, target or not, has one */
	uint8_t seen_imsg[2][32];
	bool seen_side[2];
	size_t n_ks;
	struct keyset ks[KEYSETS];
	uint32_t n_keysets; /* key sets opened during the call (some may have been evicted) */
	/* the proven sets retired, up to RETIRED_MAX (allocated at the first) */
	struct retired *retired;
	size_t n_retired; /* held, oldest first: retired[0..n_retired) */
	size_t n_ssrc;
	struct ssrc_bind ssrc[LIMF_CALL_MAX_STREAMS];
	uint64_t ssrc_clock; /* ssrc_of's recency */
	uint64_t last_ns;    /* the latest time of an event of the call (recheck_stamp) */
	uint32_t ks_gen;     /* key sets added so far (ssrc_bind.misses) */
	uint64_t streams_unauth, packets_unauth; /* slots taken back (limf_call_summary) */
	/* streams whose slot went to a newer SSRC after they had authenticated and fallen idle
	 * (ssrc_of: a group call's talkers come and go), as they stood then, for the summary;
	 * past STREAMS_OLD_MAX counted in streams_not_listed */
	struct limf_call_stream *old_st;
	size_t n_old_st;
	uint64_t streams_not_listed;
	struct limf_call_stream not_listed; /* those streams' counters, summed */
	/* packets no key set authenticated, held for keys to come: HELD_MAX slots (allocated at
	 * the first), n_held of them in use, oldest first: held_ord[0..n_held) (the slots in
	 * use in order, then the free ones: held_at); held_gen: ks_gen when they were last tried */
	struct held *held;
	uint8_t held_ord[HELD_MAX];
	size_t n_held;
	uint32_t held_gen;
	bool held_stale; /* the LIIDs with content changed, or the keys went: none is tried again */
	size_t n_km;
	struct km_rec *km;
	uint64_t media_undecrypted;
	bool end_pending; /* ended by a BYE's answer: END IRI on it (the next event) */
	/* its dialog went on after its end (cap_call went_on): its later SIP and key-management
	 * records go to the LIIDs that had its END as REPORT records */
	bool went_on;
	/* until then, the latest re-INVITE or UPDATE of the ended dialog (its record, a copy of
	 * the message): the first of those REPORTs if its 2xx shows the dialog went on */
	struct limf_iri post_iri;
	uint8_t *post_sip;
	/* the parties of its positive decision (its SIP headers' and those of the I_MESSAGEs it
	 * carried then), and those its I_MESSAGEs named since (more_parties):
	 * limf_pipe_recheck's and join_start's */
	struct party_set *parties;
	bool parties_full;       /* said that a party did not fit (MAX_PARTIES) */
	char group[CAP_MC_TEXT]; /* a group call's MC group ID (mcptt-info), "" otherwise */
	bool decide_pending;     /* no I_MESSAGE at the start: decide on the INVITE itself */
	bool apai_asked; /* the answering party's identities (cap_call.apai) in a decision */
	/* group media: the GMKs whose use for this call is audited, the only ones its media is
	 * decrypted with (a further one, beyond GMK_AUDITED_MAX: not used, said once) */
	size_t n_gmk_audited;
	uint32_t gmk_audited[GMK_AUDITED_MAX];
	bool said_gmk_full;
	/* group media: the leg of its talker sessions (decrypt/group.h; 0: none yet) */
	uint64_t group_leg;
	/* group media: the first use of a GMK could not be audited, so nothing is decrypted before
	 * this instant (wr time; 0: none), when the row is tried again (1, 2, 4, 8, then every
	 * 16 s on) */
	int64_t group_audit_at;
	struct backoff group_retry;
	/* the LIIDs whose row of GMK group_written_gmk's use such an attempt wrote */
	uint32_t group_written, group_written_gmk;
	/* every warrant ended during the call: not re-checked, nothing more for it unless a
	 * warrant is added or changed, or the gate answers after failing (recheck_new: then
	 * re-checked again, and a warrant in force for its parties joins it or comes back) */
	bool stopped;
	/* not intercepted: a warrant of a party comes into force then (wr time; 0: none known),
	 * and the call is decided again at its first event at or after it (late_start) */
	int64_t late_at;
	bool late; /* intercepted from late_start: BEGIN records say "in progress" */
	/* the offer's I_MESSAGE names an initiator that is not the SIP From (its signature, checked
	 * before any key is used, says who calls): a LIID whose target only the From names gets no
	 * content (deny_from) */
	bool from_contradicted;
	/* keys got during the call (late_start, or join_start turning content on): its streams
	 * may have wrapped their sequence numbers since the I_MESSAGE (late_roc) */
	bool late_keys;
	bool km_full; /* said that the key-management table is full */
	/* key-management records made, and those that made room for later ones (km_new) */
	uint64_t km_made, km_not_listed;
	bool counted_cc; /* in calls_cc (once, however often its content stops and resumes) */
	/* intercepted: a warrant of a party not among its LIIDs comes into force then (wr time;
	 * 0: none known; 1: at the next event, the re-check saw one in force, or a LIID ended at
	 * its valid_to, which may be a suspension's start), and the call is decided again at its
	 * first event at or after it to add that LIID (join_start) */
	int64_t join_at;
	bool join_retry; /* join_at is the retry of a failed join_start (decision or audit) */
	/* intercepted with content: the keys of the call's current I_MESSAGE of side bit i
	 * (1 offer, 2 answer) failed for a reason that may pass ("kms-error": the KMS, its
	 * certificate or the key request's audit row; "audit-error": the "decrypt.keys" row), and
	 * are asked again then (wr time; 0: none), at the call's first event at or after it
	 * (keys_again), 1, 2, 4, 8, then every 16 s on while the call goes on */
	int64_t keys_at;
	uint8_t keys_side;
	struct backoff keys_retry;
	bool keys_said; /* said that (once per call) */
	/* per side, the LIIDs whose "decrypt.keys" row of its current I_MESSAGE an attempt wrote
	 * while another LIID's failed (keys not used): a retry does not write them twice */
	uint32_t keys_written[2];
	/* the mark_epoch of its last join decision answered: the warrants as they stood then,
	 * on the call's clock, each start to come in join_at; what a re-check at the wall clock
	 * finds in force that it does not serve is not asked again before the warrants change
	 * (a call whose clock is ahead of the wall clock: not a decision every second) */
	uint64_t join_epoch;
	/* its last decision failed (the gate did not answer, or no CIN): said once per call, and
	 * asked again LATE_RETRY_US on (late_at) while the call goes on */
	bool gate_failed, cin_failed, gate_failed_once;
	struct backoff retry; /* failed decisions in a row: the next is asked later (retry_at) */
	bool ended;           /* CAP_EV_CALL_END seen: never decided again */
	const struct cap_call *call; /* while intercepted */
	struct pcall *prev, *next;   /* the pipe's list of intercepted calls */
	struct pcall *wprev, *wnext; /* the pipe's list of every call (warrant changes) */
};

/* A SAKKE receiver context for one identifier and RSK (the RSK copy lives in the secure
 * heap). Used only right after wr_kms has handed out that same RSK through a decision, so it
 * never outlives the gate; evicted least recently used, wiped when its key set leaves the
 * KMS client's cache (keyshare_sweep: the warrant stopped, or the keys expired) and when the
 * pipeline is freed. */
struct rsk_ctx {
	struct sakke_rsk_ctx *ctx;
	uint8_t *rsk; /* SAKKE_POINT_LEN octets, OPENSSL_secure_malloc */
	/* the KMS's Z it was built with: an identifier is the same under two certificates of one
	 * KMS (a roll-over keeps the KMS URI and key period), its RSK and Z are not */
	uint8_t z[SAKKE_POINT_LEN];
	uint8_t id[WR_KMS_ID_MAX];
	size_t idlen;
	uint64_t used; /* LRU clock */
	unsigned refs; /* pipelines decapsulating with it now: not evicted */
	bool doomed;   /* its key set is gone: wiped when the last user puts it back */
};

/* The key path's shared state (limf_keyshare in pipeline.h): one KMS client, so one request
 * per user and key period for a whole pool, and the SAKKE receiver contexts built from its
 * RSKs (read-only once built: several threads decapsulate with one). kms_mu is held while the
 * client is used (its cache, its requests); mu while a context is found or built: a request
 * to a slow KMS does not hold up a call whose context is built. Neither is held while
 * decapsulating; kms_mu is never taken under mu. */
struct limf_keyshare {
	pthread_mutex_t kms_mu, mu;
	struct wr_kms *kms; /* borrowed; NULL = no KMS */
	bool cert_tried;    /* the first certificate fetch was made (under kms_mu) */
	/* the client's certificates as last published (under mu; written under kms_mu too), and
	 * a generation that changes when they do (pipelines copy them then: certs_sync) */
	size_t n_certs;
	struct wr_kms_cert certs[WR_KMS_CERTS];
	atomic_uint_fast64_t cert_gen;
	struct rsk_ctx rctx[RSK_CTXS];
	uint64_t rctx_clock;
	/* key sets in the KMS client's cache and receiver contexts built, as last seen under
	 * kms_mu / mu (limf_keyshare_cached reads them without waiting for a KMS request) */
	atomic_size_t n_kms, n_rctx;
	/* when a key request last failed in transport (mono_us; 0: none since one answered):
	 * retries hold off KMS_HOLD_US after it (keys_again), so that an outage does not turn
	 * every call waiting for keys into a blocking request every few seconds */
	atomic_int_fast64_t kms_io_failed;
};

/* What the attempts at one I_MESSAGE of a GMK distribution did so far (gmk_one). */
struct gmk_try {
	bool counted;   /* counted as intercepted (gmk_intercepted) */
	bool said_gate; /* its failed decision said in the log (not again at each retry) */
	bool said_km;   /* its failed keys or audit row said */
	bool recovered; /* its GMK recovered (outcome "gmk") */
	/* the LIIDs whose "decrypt.keys" row of its GMK an attempt wrote while another's failed
	 * (the GMK not used): a retry does not write them twice */
	size_t n_written;
	char written[LIMF_CALL_MAX_LIIDS][WR_LIID_MAX + 1];
};

/* A GMK distribution one of whose I_MESSAGEs failed for a reason that may pass (gmk_one):
 * its SIP message kept, and those I_MESSAGEs handled again (gmk_again) 1, 2, 4, 8, then every
 * 16 s on, at the pipe's first event or tick at or after then, for up to GMK_RETRY_FOR_US;
 * else the group's content would be lost until the group management server sends the GMK
 * again. */
struct gmk_retry {
	struct gmk_retry *next;
	uint8_t *raw; /* the SIP message */
	size_t len;
	struct cap_pkt pkt; /* its addresses and ports (no payload views) */
	bool over_tcp;
	uint64_t ts_ns; /* its capture time */
	uint32_t todo;  /* bit i: its I_MESSAGE i (cap_mc_extract) to handle again */
	struct gmk_try t[CAP_MC_MAX_IMSG];
	int64_t at; /* the next attempt (wr time) */
	struct backoff b;
};

/* GMK distributions kept for a retry at once (one more: the oldest is given up, and said),
 * and for how long after the distribution (then given up, and said) */
#define GMK_RETRY_MAX    64
#define GMK_RETRY_FOR_US (3600 * INT64_C(1000000))

struct limf_pipe {
	struct limf_pipe_cfg cfg;
	struct pcall *icalls; /* intercepted calls (limf_pipe_recheck) */
	struct pcall *wcalls; /* every call (a warrant may come into force for one) */
	/* the warrant table's mark (wr_warrants_mark) at the last re-check: when it changes,
	 * the calls not intercepted go to the gate again (3a in pipeline.h) */
	char wmark[WR_MARK_LEN];
	/* counts the moves of wmark (and the gate's returns), from 1: a call's join decision
	 * taken under one (pcall.join_epoch) holds until the next */
	uint64_t mark_epoch;
	/* late starts (late_start) left this second; -1: no limit (no re-check: replay) */
	int late_budget;
	/* the capture's clock here: the latest time of a packet this pipeline decoded (0: none
	 * yet; not ticks, which carry the wall clock). recheck_stamp */
	uint64_t clock_ns;
	struct limf_keyshare *ks; /* cfg.keys, else own_ks */
	struct limf_keyshare *own_ks;
	char *only_liid;
	struct cap_dec dec;
	struct cap_calls *calls;
	struct limf_pipe_stats st;
	/* st.decision_errors when a call under no warrant last said the gate answers again:
	 * said once after each failure, not once per such call */
	uint64_t back_said;
	bool have_cert, cert_tried;
	/* the certificate the I_MESSAGE at hand is handled under (cert_pick: valid at its time;
	 * certs[0], the current one, otherwise), and this pipe's copy of the key share's */
	struct wr_kms_cert cert;
	size_t n_certs;
	struct wr_kms_cert certs[WR_KMS_CERTS];
	uint_fast64_t cert_gen;
	uint32_t next_cin;
	/* the gate failing in limf_pipe_recheck since gate_down_us (pipeline.h: the grace) */
	bool gate_down;
	int64_t gate_down_us;
	/* the gate answered again after failing: the next re-check sends the calls stopped
	 * meanwhile ("warrant-not-confirmed" after the grace) to the gate again (recheck_new) */
	bool gate_back;
	/* the warrants changed since the KMS client's cached keys were last checked against
	 * them (kms_recheck: until a check is answered) */
	bool kms_recheck;
	/* group communications (issue 9) */
	struct limf_groups *g; /* cfg.groups, else own_g */
	struct limf_groups *own_g;
	uint64_t due_seen;        /* g->due_n when groups_due last looked */
	struct cap_mc_result *mc; /* scratch of cap_mc_extract */
	struct gmk_retry *gmk_retries;
	size_t n_gmk_retry;
	int64_t gmk_retry_at; /* the earliest of their attempts (wr time) */
	uint8_t buf[PKT_MAX];
};

/* ---- small helpers ----------------------------------------------------------------------- */

static void copy_text(char *dst, size_t cap, const char *s, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

static void hex_text(char *dst, size_t cap, const uint8_t *b, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	size_t o = 0;
	for (size_t i = 0; i < n && o + 2 < cap; i++) {
		dst[o++] = hx[b[i] >> 4];
		dst[o++] = hx[b[i] & 15];
	}
	dst[o] = '\0';
}

/* An identity of the I_MESSAGE as text: the URI when printable, else hex. */
static void id_text(char *dst, size_t cap, const struct mikey_idr *id)
{
	size_t tl;
	if (!id || id->len == 0) {
		dst[0] = '\0';
		return;
	}
	tl = mikey_id_textlen(id);
	if (limf_printable(id->data, tl))
		copy_text(dst, cap, (const char *)id->data, tl);
	else
		hex_text(dst, cap, id->data, id->len);
}

/* (decrypt/'s test, so that the gate, the key request and the signature check agree) */
static bool is_uid(const struct mikey_idr *id)
{
	return mikey_idr_is_uid(id);
}

static bool liid_wanted(const struct limf_pipe *p, const char *liid)
{
	return !p->only_liid || strcmp(p->only_liid, liid) == 0;
}

/* ---- output ------------------------------------------------------------------------------ */

/* A private call's key-management record as a LIID with IRI only sees it: what limf reports
 * for such a LIID alone (outcome "iri-only", no signature check, no KMS, no key user, no
 * detail), whatever another LIID's content made it do with the message, so that no authority
 * learns from its IRI of another warrant on the call. false: km is shown as it is (a parse
 * error, which IRI alone reports too, or a GMK distribution's record). */
static bool km_iri_only(const struct limf_keymgmt *km, struct limf_keymgmt *out)
{
	if (!km->side || (strcmp(km->side, "offer") != 0 && strcmp(km->side, "answer") != 0) ||
	    !km->outcome || strcmp(km->outcome, "iri-only") == 0 ||
	    strcmp(km->outcome, "parse-error") == 0)
		return false;
	*out = *km;
	out->kms_uri = "";
	out->key_user = "";
	out->key_period = 0;
	out->n_keys = 0;
	out->outcome = "iri-only";
	out->sig = "not-checked";
	out->detail = "";
	return true;
}

/* To the call's LIIDs in mask (bit i: pc->liid[i]; 0: every LIID). */
static void emit_iri_to(struct limf_pipe *p, struct pcall *pc, struct limf_iri *iri, bool end,
			uint32_t mask)
{
	const struct limf_keymgmt *km = iri->km;
	struct limf_keymgmt masked;
	for (size_t i = 0; i < pc->n_liids; i++) {
		struct liid_state *l = &pc->liid[i];
		/* (after the call's END: none, unless its dialog went on, to a LIID still in
		 * force, as a REPORT; no second call-end record) */
		bool after = l->ended && pc->went_on && !l->out_of_force &&
			     iri->kind != LIMF_IRI_CALLEND;
		if ((l->ended && !after) || (mask && !(mask & (UINT32_C(1) << i))))
			continue;
		if (iri->kind == LIMF_IRI_SIP && (int64_t)(iri->ts_ns / 1000) < l->valid_from)
			continue; /* (a message stamped before its stretch, come late) */
		iri->km = km;
		if (km && iri->kind == LIMF_IRI_KEYMGMT && l->scope != WR_SCOPE_IRI_CC &&
		    km_iri_only(km, &masked))
			iri->km = &masked;
		iri->liid = l->liid;
		iri->delivery = l->delivery;
		iri->cin = pc->cin;
		iri->type = !l->began ? LIMF_IRI_BEGIN : end ? LIMF_IRI_END : LIMF_IRI_CONTINUE;
		iri->matched = !l->began ? l->matched : 0;
		iri->in_progress = !l->began && (pc->late || l->joined);
		if (!l->began && end) /* a call that begins and ends in one record */
			iri->type = LIMF_IRI_END;
		if (after)
			iri->type = LIMF_IRI_REPORT;
		l->began = true;
		if (end)
			l->ended = true;
		p->st.iri_out++;
		if (p->cfg.sink.iri)
			p->cfg.sink.iri(p->cfg.sink.ctx, iri);
	}
	iri->km = km;
}

static void emit_iri(struct limf_pipe *p, struct pcall *pc, struct limf_iri *iri, bool end)
{
	emit_iri_to(p, pc, iri, end, 0);
}

static void emit_pending_km(struct limf_pipe *p, struct pcall *pc, const struct cap_call *call)
{
	for (size_t i = 0; i < pc->n_km; i++) {
		struct limf_iri iri;
		if (pc->km[i].emitted)
			continue;
		pc->km[i].emitted = true;
		memset(&iri, 0, sizeof iri);
		iri.kind = LIMF_IRI_KEYMGMT;
		iri.ts_ns = pc->km[i].ts_ns;
		iri.call = call;
		iri.km = &pc->km[i].view;
		emit_iri_to(p, pc, &iri, false, pc->km[i].to);
	}
}

/* ---- the gate ---------------------------------------------------------------------------- */

struct party_set {
	size_t n;
	struct wr_party p[MAX_PARTIES];
	char uri[MAX_PARTIES][CAP_CALL_MAX_TEXT + 1];
	uint8_t uid[MAX_PARTIES][WR_UID_LEN];
	uint8_t side[MAX_PARTIES]; /* 1 caller, 2 callee */
	uint8_t src[MAX_PARTIES];  /* enum limf_match */
	/* a UID's own context: the KMS URI and key period of the I_MESSAGE that named it (a call's
	 * parties come from several) */
	struct limf_uid_ctx uidctx[MAX_PARTIES];
	char uid_kms[MAX_PARTIES][WR_KMS_URI_MAX + 1];
};

/* Points entry k of s (copied from another set, say) at s's own copies. */
static void party_own(struct party_set *s, size_t k)
{
	if (s->p[k].uri) {
		s->p[k].uri = s->uri[k];
		return;
	}
	s->p[k].uid = s->uid[k];
	s->uidctx[k].kms_uri = s->uid_kms[k];
	s->p[k].uid_ctx = &s->uidctx[k];
}

/* see pipeline.h */
const char *limf_match_name(unsigned m)
{
	static const char *const names[LIMF_MATCH_N] = {
		"sip-from",
		"sip-p-asserted-identity",
		"sip-to",
		"mikey-initiator",
		"mikey-responder",
		"group",
		"group-member",
		"mc-target",
		"sip-answer-p-asserted-identity",
	};
	return m < LIMF_MATCH_N ? names[m] : NULL;
}

static void add_uri(struct party_set *s, const char *u, size_t n, uint8_t side, enum limf_match src)
{
	if (n == 0 || s->n >= MAX_PARTIES)
		return;
	copy_text(s->uri[s->n], sizeof s->uri[s->n], u, n);
	memset(&s->p[s->n], 0, sizeof s->p[s->n]);
	s->p[s->n].uri = s->uri[s->n];
	s->side[s->n] = side;
	s->src[s->n] = (uint8_t)src;
	s->n++;
}

static void add_idr(struct party_set *s, const struct limf_uid_ctx *ctx, const struct mikey_idr *id,
		    uint8_t side, enum limf_match src)
{
	if (!id || id->len == 0 || s->n >= MAX_PARTIES)
		return;
	if (is_uid(id)) {
		if (!ctx)
			return; /* no KMS URI or key period to compute targets' UIDs with */
		memcpy(s->uid[s->n], id->data, WR_UID_LEN);
		memset(&s->p[s->n], 0, sizeof s->p[s->n]);
		s->p[s->n].uid_fn = limf_uid;
		s->uidctx[s->n] = *ctx;
		copy_text(s->uid_kms[s->n], sizeof s->uid_kms[s->n], ctx->kms_uri,
			  strlen(ctx->kms_uri));
		party_own(s, s->n);
		s->side[s->n] = side;
		s->src[s->n] = (uint8_t)src;
		s->n++;
	} else {
		add_uri(s, (const char *)id->data, mikey_id_textlen(id), side, src);
	}
}

/* The UID context of an I_MESSAGE in *c, its KMS URI in kms[WR_KMS_URI_MAX + 1]: KMS URI
 * (message's, else the certificate's), the certificate's key period and offset, the period of
 * T. false when any is missing. */
static bool uid_context(const struct limf_pipe *p, const struct mikey_msg *m,
			struct limf_uid_ctx *c, char *kms)
{
	const struct mikey_idr *k = mikey_kms_initiator(m);
	uint64_t pno, secs;
	if (!p->have_cert || p->cert.scheme != WR_KMS_ID_3GPP || !mikey_t_ntp_secs(m, &secs))
		return false;
	if (k && k->len && limf_printable(k->data, mikey_id_textlen(k)))
		copy_text(kms, WR_KMS_URI_MAX + 1, (const char *)k->data, mikey_id_textlen(k));
	else
		copy_text(kms, WR_KMS_URI_MAX + 1, p->cert.kms_uri, strlen(p->cert.kms_uri));
	if (mikey_key_period_no(secs, p->cert.user_key_period, p->cert.user_key_offset, &pno) !=
	    LIM_OK)
		return false;
	c->kms_uri = kms;
	c->period = p->cert.user_key_period;
	c->offset = p->cert.user_key_offset;
	c->period_no = pno;
	return true;
}

/* Adds to s the initiator (side 1, 2 when answer) and the responder (the other side) of the
 * I_MESSAGE m, UIDs with m's own context (uid_context; none: UIDs are left out). */
static void add_imsg_ids(const struct limf_pipe *p, struct party_set *s, const struct mikey_msg *m,
			 bool answer)
{
	struct limf_uid_ctx c;
	char kms[WR_KMS_URI_MAX + 1];
	bool have = uid_context(p, m, &c, kms);
	add_idr(s, have ? &c : NULL, mikey_initiator(m), answer ? 2 : 1,
		LIMF_MATCH_MIKEY_INITIATOR);
	add_idr(s, have ? &c : NULL, mikey_responder(m), answer ? 1 : 2,
		LIMF_MATCH_MIKEY_RESPONDER);
}

/* The I_MESSAGE a call side carries, decoded and parsed: NULL when it has none, or none a
 * decryption can use (*why: the check's reason, static text, when it got that far; may stay
 * NULL). m->raw is its own decoded copy; call_imsg_free wipes and frees both. */
static struct mikey_msg *call_imsg(const struct cap_call_sdp *sd, const char **why)
{
	struct mikey_msg *m;
	uint8_t *bin = NULL;
	size_t blen = 0;
	if (!sd->imsg)
		return NULL;
	m = malloc(sizeof *m);
	if (m && limf_decode_imsg((const uint8_t *)sd->imsg, sd->imsg_len, &bin, &blen) == LIM_OK &&
	    mikey_parse(bin, blen, m) == LIM_OK && mikey_check_sakke_imessage(m, why) == LIM_OK)
		return m;
	if (bin) {
		lim_wipe(bin, blen);
		free(bin);
	}
	free(m);
	return NULL;
}

static void call_imsg_free(struct mikey_msg *m)
{
	if (!m)
		return;
	lim_wipe((void *)m->raw, m->raw_len);
	free((void *)m->raw);
	free(m);
}

/* Under ks->kms_mu, after a use of the client: the certificate fetches it made since before
 * go to p's counters, and its certificates, when they changed, to the key share. */
static void certs_publish(struct limf_pipe *p, const struct wr_kms_cert_stats *before)
{
	struct limf_keyshare *ks = p->ks;
	struct wr_kms_cert_stats now;
	wr_kms_cert_stats(ks->kms, &now);
	p->st.cert_fetches += now.fetched - before->fetched;
	p->st.cert_refused += now.refused - before->refused;
	p->st.cert_loaded += now.loaded - before->loaded;
	p->st.cert_conflicts += now.conflicts - before->conflicts;
	p->st.cert_store_failed += now.store_failed - before->store_failed;
	/* the certificate store (warrants/kms.h): a certificate loaded from it, or one it refused
	 * or could not take */
	if (now.loaded != before->loaded)
		lim_info("KMS %s", wr_kms_store_msg(ks->kms));
	if (now.conflicts != before->conflicts || now.store_failed != before->store_failed)
		lim_warn("KMS %s", wr_kms_store_msg(ks->kms));
	if (now.changes == before->changes)
		return;
	pthread_mutex_lock(&ks->mu);
	ks->n_certs = wr_kms_certs(ks->kms, ks->certs, WR_KMS_CERTS);
	atomic_fetch_add(&ks->cert_gen, 1);
	pthread_mutex_unlock(&ks->mu);
}

/* p's copy of the key share's certificates, renewed when they changed; p->cert the current. */
static void certs_sync(struct limf_pipe *p)
{
	struct limf_keyshare *ks = p->ks;
	if (atomic_load(&ks->cert_gen) == p->cert_gen)
		return;
	pthread_mutex_lock(&ks->mu);
	p->n_certs = ks->n_certs;
	memcpy(p->certs, ks->certs, ks->n_certs * sizeof ks->certs[0]);
	p->cert_gen = atomic_load(&ks->cert_gen);
	pthread_mutex_unlock(&ks->mu);
	p->have_cert = p->n_certs > 0;
	if (p->have_cert)
		p->cert = p->certs[0];
}

static bool cert_refresh(struct limf_pipe *p, int64_t t_us);

/* The KMS certificate for a call (or GMK distribution) at t_us. None held yet, the first
 * fetch done and failed (the KMS, or the database for its audit row, did not answer): asked
 * again (the database's certificate store, then the KMS), at the client's rate limit, so that
 * an outage at the first call does not leave every later one without keys, nor its UIDs
 * unmatched. */
static void fetch_cert(struct limf_pipe *p, int64_t t_us)
{
	struct limf_keyshare *ks = p->ks;
	bool now = false;
	if (!p->cert_tried) {
		p->cert_tried = true;
		pthread_mutex_lock(&ks->kms_mu);
		if (!ks->cert_tried && ks->kms) {
			/* once for all the pipelines sharing the client; later ones are re-fetches
			 * (cert_refresh) */
			struct wr_kms_cert_stats before;
			ks->cert_tried = now = true;
			wr_kms_cert_stats(ks->kms, &before);
			if (wr_kms_fetch_cert(ks->kms, p->cfg.db, NULL) != LIM_OK)
				lim_warn("KMS certificate: %s", wr_kms_msg(ks->kms));
			certs_publish(p, &before);
		}
		pthread_mutex_unlock(&ks->kms_mu);
	}
	certs_sync(p);
	if (!p->have_cert && !now && ks->kms)
		(void)cert_refresh(p, t_us);
}

/* Makes p->cert the newest certificate valid at t_us; false (p->cert unchanged) when none. */
static bool cert_pick(struct limf_pipe *p, int64_t t_us)
{
	certs_sync(p);
	for (size_t i = 0; i < p->n_certs; i++)
		if (wr_kms_cert_valid(&p->certs[i], t_us)) {
			p->cert = p->certs[i];
			return true;
		}
	return false;
}

/* A re-fetch of the KMS certificate for an I_MESSAGE at t_us that none held fits (no
 * certificate valid at its time, a signature that does not verify): rate-limited by the
 * client (warrants/kms.h). Whether the certificates changed. */
static bool cert_refresh(struct limf_pipe *p, int64_t t_us)
{
	struct limf_keyshare *ks = p->ks;
	struct wr_kms_cert_stats before;
	bool changed = false;
	enum lim_err e;
	if (!ks->kms)
		return false;
	pthread_mutex_lock(&ks->kms_mu);
	wr_kms_cert_stats(ks->kms, &before);
	e = wr_kms_refresh_cert(ks->kms, p->cfg.db, t_us, &changed);
	if (e != LIM_OK && e != LIM_E_LIMIT)
		lim_warn("KMS certificate re-fetch: %s", wr_kms_msg(ks->kms));
	certs_publish(p, &before);
	pthread_mutex_unlock(&ks->kms_mu);
	certs_sync(p);
	return changed;
}

/* Calls a pipeline of the live service sends to the gate again a second (late_start: a
 * warrant changed, a failed decision retried): a change to the warrants with thousands of
 * calls in progress, or a database back after an outage, must not hold a worker in gate
 * queries for seconds while its queue fills; the calls over it wait for the next second. */
#define LATE_BUDGET 200

/* A call whose decision failed is asked again this long after (at its first event then),
 * doubled at each failure in a row up to 16 s: an outage does not turn every call in
 * progress into a query a second, and a database that comes back is not stormed. */
#define LATE_RETRY_US INT64_C(1000000)

/* Keys asked again (keys_again) wait this long after any key request of the process failed in
 * transport: each such request may block its worker for the client's timeouts. */
#define KMS_HOLD_US INT64_C(4000000)

/* The next attempt after a failure at t_us: LATE_RETRY_US on, doubled at each failure in a
 * row up to 16 s. Failures at one instant are one (late_start decides the offer's and the
 * answer's I_MESSAGE at once): the schedule stays 1, 2, 4, 8, 16 s. */
static int64_t backoff_next(struct backoff *b, int64_t t_us)
{
	if (b->n && b->t == t_us)
		return b->at;
	b->at = t_us + (LATE_RETRY_US << (b->n < 4 ? b->n : 4));
	b->t = t_us;
	if (b->n < UINT8_MAX)
		b->n++;
	return b->at;
}

static int64_t retry_at(struct pcall *pc, int64_t t_us)
{
	return backoff_next(&pc->retry, t_us);
}

/* Runs the gate for a call not yet intercepted. m may be NULL (no usable I_MESSAGE). */
static void decide_parties(struct limf_pipe *p, struct pcall *pc, const struct cap_call *call,
			   struct party_set *s, uint64_t ts_ns);
static void pcall_free(struct limf_pipe *p, struct pcall *pc);

/* Adds the members whose recovered GMK covers group (struct cover) on side 2. */
static void add_covering(struct limf_pipe *p, struct party_set *s, const char *group)
{
	struct limf_groups *g = p->g;
	pthread_mutex_lock(&g->mu);
	for (size_t i = 0; i < g->n_cover && group[0]; i++)
		if (strcmp(g->cover[i].group, group) == 0)
			add_uri(s, g->cover[i].member, strlen(g->cover[i].member), 2,
				LIMF_MATCH_GROUP_MEMBER);
	pthread_mutex_unlock(&g->mu);
}

/* Whether a and b's entries i and j are one party: the same identity (URI or UID) on the same
 * side, however it was named (SIP header, MIKEY IDR). */
static bool same_party(const struct party_set *a, size_t i, const struct party_set *b, size_t j)
{
	if (a->side[i] != b->side[j])
		return false;
	if (a->p[i].uri && b->p[j].uri)
		return strcmp(a->p[i].uri, b->p[j].uri) == 0;
	return !a->p[i].uri && !b->p[j].uri && memcmp(a->uid[i], b->uid[j], WR_UID_LEN) == 0;
}

/* Adds to dst the parties of src it does not hold (same_party), as many as fit: the number
 * added; *left (may be NULL) those that did not fit. */
static size_t merge_parties(struct party_set *dst, const struct party_set *src, size_t *left)
{
	size_t added = 0;
	if (left)
		*left = 0;
	for (size_t j = 0; j < src->n; j++) {
		size_t i = 0, k = dst->n;
		while (i < dst->n && !same_party(dst, i, src, j))
			i++;
		if (i < dst->n)
			continue;
		if (dst->n == MAX_PARTIES) {
			if (left)
				(*left)++;
			continue;
		}
		dst->p[k] = src->p[j];
		memcpy(dst->uri[k], src->uri[j], sizeof dst->uri[k]);
		memcpy(dst->uid[k], src->uid[j], sizeof dst->uid[k]);
		dst->uidctx[k] = src->uidctx[j];
		memcpy(dst->uid_kms[k], src->uid_kms[j], sizeof dst->uid_kms[k]);
		party_own(dst, k);
		dst->side[k] = src->side[j];
		dst->src[k] = src->src[j];
		dst->n++;
		added++;
	}
	return added;
}

/* The SIP URIs of one side of the call: the caller's (From, every P-Asserted-Identity of the
 * INVITE) or the callee's (To, every P-Asserted-Identity of the 2xx that answered: a diverted
 * call's answering party). Returns how many, into cand. */
static size_t sip_side(const struct cap_call *call, bool caller,
		       const struct cap_text *cand[1 + CAP_SIP_MAX_PAI])
{
	size_t nc = 0;
	if (caller) {
		cand[nc++] = &call->from_uri;
		for (size_t i = 0; i < call->n_pai; i++)
			cand[nc++] = &call->pai[i];
	} else {
		cand[nc++] = &call->to_uri;
		for (size_t i = 0; i < call->n_apai; i++) /* (the party that answered) */
			cand[nc++] = &call->apai[i];
	}
	return nc;
}

static bool same_text(const struct cap_text *a, const struct cap_text *b)
{
	return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
}

/* Whether l is a LIID whose target the call names only in its SIP From, while the offer's
 * I_MESSAGE names another initiator (pc->from_contradicted). The From is whatever the caller
 * writes: a non-target's call whose From names a target (forged, or a captured call sent
 * again) was decrypted for that target's warrant, though its I_MESSAGE, signed by the real
 * caller, said otherwise (an audit). Such a LIID gets the call's IRI (its SIP names the
 * target) and no content. A target the I_MESSAGE names (initiator, responder), or the
 * network asserts (P-Asserted-Identity, the answering party's included), is not from_only. */
static bool from_only(const struct pcall *pc, const struct liid_state *l)
{
	return pc->from_contradicted && l->matched == 1u << LIMF_MATCH_SIP_FROM;
}

/* Withholds content from l when it is from_only: its iri+cc scope becomes IRI. Whether it did. */
static bool deny_from(const struct pcall *pc, struct liid_state *l)
{
	if (l->scope != WR_SCOPE_IRI_CC || !from_only(pc, l))
		return false;
	l->scope = WR_SCOPE_IRI;
	return true;
}

/* Whether LIID l takes content stamped ts_ns: in force with content, its stretch begun by then
 * (liid_state valid_from). */
static bool takes_cc(const struct liid_state *l, uint64_t ts_ns)
{
	return l->scope == WR_SCOPE_IRI_CC && !l->out_of_force &&
	       (int64_t)(ts_ns / 1000) >= l->valid_from;
}

/* Whether the answer's asserted identity i (cap_call.apai) is one the call's SIP does not
 * name already (the To, most often: an answer asserts the party called, which a diverted call's
 * does not; From or the INVITE's P-Asserted-Identity, for a call to oneself). */
static bool apai_new(const struct cap_call *call, size_t i)
{
	const struct cap_text *a = &call->apai[i];
	const struct cap_text *cand[1 + CAP_SIP_MAX_PAI]; /* (the caller's side fills it) */
	size_t nc = sip_side(call, true, cand);
	if (same_text(&call->to_uri, a))
		return false;
	for (size_t k = 0; k < nc; k++)
		if (same_text(cand[k], a))
			return false;
	return true;
}

/* The parties of a call as its SIP headers and the I_MESSAGE m (NULL: none usable) name them;
 * NULL when out of memory. */
static struct party_set *parties_of(struct limf_pipe *p, struct pcall *pc,
				    const struct cap_call *call, const struct mikey_msg *m,
				    bool from_answer, uint64_t ts_ns)
{
	struct party_set *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	add_uri(s, call->from_uri.s, call->from_uri.len, 1, LIMF_MATCH_SIP_FROM);
	for (size_t i = 0; i < call->n_pai; i++) /* RFC 3325: a sip: and a tel: form, often */
		add_uri(s, call->pai[i].s, call->pai[i].len, 1, LIMF_MATCH_SIP_PAI);
	add_uri(s, call->to_uri.s, call->to_uri.len, 2, LIMF_MATCH_SIP_TO);
	for (size_t i = 0; i < call->n_apai; i++) /* the party that answered (diverted: not To) */
		if (apai_new(call, i))
			add_uri(s, call->apai[i].s, call->apai[i].len, 2,
				LIMF_MATCH_SIP_ANSWER_PAI);
	pc->apai_asked = call->n_apai > 0;
	if (m) {
		/* UIDs as the certificate of the call's time forms them (a roll-over may change
		 * the KMS URI or the key period) */
		(void)cert_pick(p, (int64_t)(ts_ns / 1000));
		add_imsg_ids(p, s, m, from_answer);
	}
	if (pc->group[0]) {
		/* a group call: the group ID may be a target itself, and the members whose GMK
		 * was recovered under their warrant make it interceptable */
		add_uri(s, pc->group, strlen(pc->group), 2, LIMF_MATCH_GROUP);
		add_covering(p, s, pc->group);
	}
	return s;
}

/* Adds to s the initiator and responder of the call's I_MESSAGE on the answer side (else the
 * offer side) when it is a usable one, those s does not hold. */
static void imsg_parties(struct limf_pipe *p, const struct cap_call *call, bool answer,
			 struct party_set *s)
{
	struct mikey_msg *m = call_imsg(answer ? &call->answer : &call->offer, NULL);
	struct party_set *t = m ? calloc(1, sizeof *t) : NULL;
	if (t) {
		add_imsg_ids(p, t, m, answer);
		(void)merge_parties(s, t, NULL); /* (SIP and m first: as for one I_MESSAGE) */
	}
	free(t);
	call_imsg_free(m);
}

/* The gate for the call's parties: its SIP headers', the I_MESSAGE m's (of the answer when
 * from_answer; NULL: none usable) and those of the other side's I_MESSAGE it carries (the
 * offer's when the answer's is decided: a target named in the offer alone is the call's too). */
static void decide(struct limf_pipe *p, struct pcall *pc, const struct cap_call *call,
		   const struct mikey_msg *m, bool from_answer, uint64_t ts_ns)
{
	struct party_set *s = parties_of(p, pc, call, m, from_answer, ts_ns);
	if (!s)
		return;
	imsg_parties(p, call, !from_answer, s);
	decide_parties(p, pc, call, s, ts_ns);
}

/* A further I_MESSAGE m of a call intercepted already (the answer's, a re-key's) may name a
 * party its decisions did not: the answering party of a diverted call, say. Such a party joins
 * the call's parties, and a warrant in force for it joins the call at its next event
 * (join_start; one that starts later, then). */
static void more_parties(struct limf_pipe *p, struct pcall *pc, const struct cap_call *call,
			 const struct mikey_msg *m, bool from_answer, uint64_t ts_ns)
{
	struct party_set *s = parties_of(p, pc, call, m, from_answer, ts_ns);
	size_t left = 0;
	if (s && pc->parties && merge_parties(pc->parties, s, &left)) {
		if (!pc->join_retry)
			pc->join_at = 1;
		pc->stopped = false; /* (every warrant had ended: a new party's may be in force) */
	}
	if (left && !pc->parties_full) {
		pc->parties_full = true;
		lim_warn("call %.*s: %zu parties its I_MESSAGE names are not asked about: the call "
			 "already has %d",
			 (int)call->call_id.len, call->call_id.s, left, MAX_PARTIES);
	}
	free(s);
}

/* The answer (2xx) of a call asserted who answered (cap_call.apai) and no decision of the call
 * has had them: a party, like the others, which the gate hears of at the call's next event
 * (late_start), or which joins a call intercepted already (more_parties; a warrant for it joins
 * then). A call diverted to a target is intercepted from its answer so, when neither SIP To nor
 * any I_MESSAGE names that target in clear. */
static void answer_parties(struct limf_pipe *p, struct pcall *pc, const struct cap_call *call,
			   uint64_t ts_ns)
{
	size_t i = 0;
	pc->apai_asked = true;
	while (i < call->n_apai && !apai_new(call, i))
		i++;
	if (i == call->n_apai)
		return; /* (the party called, as most answers assert: nothing new to ask about) */
	if (pc->intercept)
		more_parties(p, pc, call, NULL, true, ts_ns);
	else if (!pc->stopped && !pc->decide_pending && (!pc->late_at || pc->late_at > 1))
		pc->late_at = 1;
}

/* More warrants in force than a decision holds (WR_KMS_DECIDE_MAX = LIMF_CALL_MAX_LIIDS):
 * the decision serves the first n by LIID, so the others lose this call and are counted and
 * told, never silently; an extra warrant never turns the call's interception off. */
static void left_out(struct limf_pipe *p, const struct wr_kms_decision *d, size_t n,
		     const struct cap_call *call)
{
	size_t total = wr_kms_decision_total(d);
	const struct wr_match *mt;
	if (total <= n)
		return;
	mt = wr_kms_decision_matches(d, &n);
	p->st.warrants_left_out += total - n;
	lim_warn("%zu warrants are in force for the parties of call %.*s, more than the %d one "
		 "call can serve: only the first %zu by LIID (%s to %s) are intercepted, %zu get "
		 "no IRI and no content for this call",
		 total, call ? (int)call->call_id.len : 5, call ? call->call_id.s : "(gmk)",
		 LIMF_CALL_MAX_LIIDS, n, mt[0].liid, mt[n - 1].liid, total - n);
}

/* The gate with the parties s (taken). call may be NULL (a GMK NOTIFY outside a dialog). */
static void decide_parties(struct limf_pipe *p, struct pcall *pc, const struct cap_call *call,
			   struct party_set *s, uint64_t ts_ns)
{
	struct wr_kms_decision *d = NULL;
	const struct wr_match *mt;
	size_t n = 0;
	int64_t t_us = (int64_t)(ts_ns / 1000), next = WR_TIME_INFINITY;
	/* what an earlier decision of the call left due (a retry, a warrant's start) stays due,
	 * the earlier of the two: a decision is on the I_MESSAGEs the call carries then (a
	 * re-key replaces one), and late_start decides them all again */
	int64_t due = pc->late_at;
	p->st.decisions++;
	pc->late_at = 0;
	pc->cc = false; /* (of this decision only: not of an earlier one that failed) */
	/* --liid: the decision for that warrant alone (key requests audited under it only); the
	 * start of a warrant to come during the call with it (3a in pipeline.h) */
	if (wr_kms_decide_next(p->cfg.db, s->p, s->n, t_us, p->only_liid, &d, &next) != LIM_OK) {
		/* fail closed: no warrant until the gate answers; a call is asked again a second
		 * on (at its next event then): an outage costs it that long, not all of it */
		p->st.decision_errors++;
		if (!pc->gate_failed)
			lim_warn("warrant decision failed (treated as no warrant%s): %s",
				 call ? "; the call is asked again while it goes on, after 1, 2, "
					"4, 8, then every 16 s"
				      : "",
				 wr_db_msg(p->cfg.db));
		pc->gate_failed = pc->gate_failed_once = true;
		if (call)
			pc->late_at = retry_at(pc, t_us);
		goto out;
	}
	/* a call none of whose parties is a target is not named: nothing of it is kept */
	if (pc->gate_failed && call && d)
		lim_info("call %.*s: the warrant gate answers again", (int)call->call_id.len,
			 call->call_id.s);
	else if (pc->gate_failed && call && p->back_said != p->st.decision_errors) {
		p->back_said = p->st.decision_errors;
		lim_info("the warrant gate answers again (a call under no warrant)");
	}
	pc->gate_failed = false;
	if (!d) {
		pc->retry.n = 0;
		if (next != WR_TIME_INFINITY && next > 0)
			pc->late_at = next;
		goto out;
	}
	mt = wr_kms_decision_matches(d, &n);
	pc->n_liids = 0;
	if (!pc->liid && !(pc->liid = calloc(LIMF_CALL_MAX_LIIDS, sizeof *pc->liid))) {
		p->st.decision_errors++; /* (fail closed, as a failed decision) */
		lim_warn("out of memory: a call under a warrant is not intercepted");
		goto out;
	}
	for (size_t i = 0; i < n && pc->n_liids < LIMF_CALL_MAX_LIIDS; i++) {
		struct liid_state *l;
		if (!liid_wanted(p, mt[i].liid))
			continue;
		l = &pc->liid[pc->n_liids++];
		memset(l, 0, sizeof *l);
		memcpy(l->liid, mt[i].liid, sizeof l->liid);
		memcpy(l->delivery, mt[i].delivery, sizeof l->delivery);
		l->scope = mt[i].scope;
		l->valid_to = mt[i].valid_to;
		l->valid_from = mt[i].valid_from;
		if (l->scope == WR_SCOPE_IRI_CC)
			pc->cc = true;
	}
	left_out(p, d, n, call);
	if (pc->n_liids == 0) {
		wr_kms_decision_free(d);
		d = NULL;
		goto out;
	}
	/* which side each LIID targets (payload direction): the sides of the parties that are
	 * its targets, from the same decision */
	for (size_t j = 0; j < n; j++)
		for (size_t i = 0; i < pc->n_liids; i++)
			if (strcmp(pc->liid[i].liid, mt[j].liid) == 0)
				for (size_t k = 0; k < s->n && k < 64; k++)
					if (mt[j].parties & (UINT64_C(1) << k)) {
						pc->liid[i].target_side |= s->side[k];
						pc->liid[i].matched |= 1u << s->src[k];
						pc->liid[i].parties |= UINT64_C(1) << k;
					}
	pc->cin = p->cfg.sink.cin ? p->cfg.sink.cin(p->cfg.sink.ctx) : ++p->next_cin;
	if (pc->cin == 0) {
		/* fail closed, but never silently: counted (gate alarm) and said once per call;
		 * a call is asked again 1, 2, 4, 8, then every 16 s on, as for a failed decision */
		if (!pc->cin_failed) {
			p->st.cin_errors++;
			lim_warn("no communication identity number (CIN): %s %.*s under warrant "
				 "%s%s is NOT intercepted (%" PRIu64 " so far)%s",
				 call ? "call" : "GMK distribution",
				 call ? (int)call->call_id.len : 0, call ? call->call_id.s : "",
				 pc->liid[0].liid, pc->n_liids > 1 ? " and others" : "",
				 p->st.cin_errors,
				 call ? "; asked again while it goes on, after 1, 2, 4, 8, then "
					"every 16 s"
				      : "");
		}
		pc->cin_failed = true;
		pc->n_liids = 0;
		if (call)
			pc->late_at = retry_at(pc, t_us);
		goto out;
	}
	pc->d = d;
	d = NULL;
	/* a warrant to come for these parties joins the call then (join_start) */
	pc->join_at = next != WR_TIME_INFINITY && next > 0 ? next : 0;
	free(pc->parties);
	pc->parties = s;
	s = NULL;
	pc->call = call;
	pc->next = p->icalls;
	if (p->icalls)
		p->icalls->prev = pc;
	p->icalls = pc;
	pc->intercept = true;
	pc->retry.n = 0;
	/* an earlier decision of this call failed: the interception begins during it, whatever
	 * event brought the answer (BEGIN "in_progress") */
	if (pc->gate_failed_once || pc->cin_failed)
		pc->late = true;
	if (call) { /* a GMK distribution is counted as such (gmk_intercepted) */
		p->st.calls_intercepted++;
		if (pc->cc) {
			p->st.calls_cc++;
			pc->counted_cc = true;
		}
	}
out:
	if (due && !pc->intercept && (!pc->late_at || due < pc->late_at))
		pc->late_at = due;
	wr_kms_decision_free(d);
	free(s);
}

/* ---- keys -------------------------------------------------------------------------------- */

/* km's T offset (struct limf_keymgmt) from m's T and carried_ns, the capture time of the SIP
 * message that carried m: not the record's time, which is later when the interception began
 * during the call (late_start, join_start: an I_MESSAGE of the call's start is not "older"
 * for that). 0: not known, the record's time. */
static void km_t_offset(struct km_rec *km, const struct mikey_msg *m, uint64_t carried_ns)
{
	uint64_t secs;
	if (!mikey_t_ntp_secs(m, &secs))
		return;
	km->view.has_t_offset = true;
	km->view.t_offset_s = (int64_t)secs - (int64_t)LIMF_NTP_UNIX -
			      (int64_t)((carried_ns ? carried_ns : km->ts_ns) / 1000000000u);
}

static void km_finish(struct km_rec *k);

static struct km_rec *km_new(struct pcall *pc, bool answer, uint64_t ts_ns)
{
	struct km_rec *k;
	if (!pc->km && !(pc->km = calloc(LIMF_CALL_MAX_IMSG, sizeof *pc->km)))
		return NULL;
	if (pc->n_km >= LIMF_CALL_MAX_IMSG) {
		/* full (a call re-keyed often, or I_MESSAGEs that do not parse, which anyone on
		 * the path can send): the oldest record already delivered as IRI makes room, and
		 * the call's summary says how many it does not list. Before, every later
		 * I_MESSAGE went unhandled, its keys too: eight junk ones stopped a call's
		 * decryption for good */
		size_t i = 0;
		while (i < pc->n_km && !pc->km[i].emitted)
			i++;
		if (i == pc->n_km)
			return NULL;
		memmove(&pc->km[i], &pc->km[i + 1], (pc->n_km - i - 1) * sizeof pc->km[0]);
		pc->n_km--;
		pc->km_not_listed++;
		/* the records moved: their views point into their own storage (km_finish), and
		 * a LIID's audit progress is an index into the table */
		for (size_t j = i; j < pc->n_km; j++)
			km_finish(&pc->km[j]);
		for (size_t l = 0; l < pc->n_liids; l++)
			if (pc->liid[l].km_audited > i)
				pc->liid[l].km_audited--;
	}
	pc->km_made++;
	k = &pc->km[pc->n_km++];
	memset(k, 0, sizeof *k);
	copy_text(k->side, sizeof k->side, answer ? "answer" : "offer", answer ? 6 : 5);
	copy_text(k->sig, sizeof k->sig, "not-checked", 11);
	k->ts_ns = ts_ns;
	return k;
}

/* The index of the first record km_new made since pc->km_made was made0: the records made since
 * are the last ones (km_new may have dropped older ones for room, which moves those down). */
static size_t km_since(const struct pcall *pc, uint64_t made0)
{
	uint64_t made = pc->km_made - made0;
	return pc->n_km - (size_t)(made < pc->n_km ? made : pc->n_km);
}

static void km_finish(struct km_rec *k)
{
	/* the detail may quote captured octets (a group ID, cut to fit): the record must stay
	 * encodable (a handover UTF8String, JSON), else the evidence recording would stop */
	(void)limf_utf8_fix(k->detail);
	(void)limf_utf8_fix(k->kms_uri);
	k->view.side = k->side;
	k->view.initiator = k->initiator;
	k->view.responder = k->responder;
	k->view.kms_uri = k->kms_uri;
	k->view.t = k->t;
	k->view.key_user = k->key_user;
	k->view.outcome = k->outcome;
	k->view.sig = k->sig;
	k->view.detail = k->detail;
	k->view.initiator_sip = k->initiator_sip;
}

static void km_outcome(struct km_rec *k, const char *o)
{
	copy_text(k->outcome, sizeof k->outcome, o, strlen(o));
}

/* The key period of the message relative to the decision's: which neighbour to ask for. For
 * a carried UID the period whose UID equals it; for a clear URI under a 3GPP KMS the period
 * T falls in; for the RFC 6509 form the month of T. */
static int period_delta(struct limf_pipe *p, const struct pcall *pc, const struct mikey_msg *m,
			const char *uri)
{
	int64_t t = wr_kms_decision_time(pc->d);
	struct wr_kms_ident id;
	const struct mikey_idr *r = mikey_responder(m);
	uint8_t want[WR_KMS_ID_MAX];
	size_t wantlen = 0;
	uint64_t secs = 0;
	/* (era-extended as the unwrap reads it: from 2036 on, m->ts >> 32 alone named a period
	 * 136 years back, and no neighbour was ever asked) */
	bool has_t = mikey_t_ntp_secs(m, &secs);
	if (is_uid(r)) {
		memcpy(want, r->data, MIKEY_UID_LEN);
		wantlen = MIKEY_UID_LEN;
	} else if (p->cert.scheme == WR_KMS_ID_3GPP) {
		/* a clear URI under a 3GPP KMS: T names the key period (TS 33.180 F.2.1); the
		 * RFC 6509 form below would never match a UID, so no neighbour was ever asked */
		uint64_t want_no;
		if (!has_t ||
		    mikey_key_period_no(secs, p->cert.user_key_period, p->cert.user_key_offset,
					&want_no) != LIM_OK ||
		    limf_kms_ident(NULL, &p->cert, uri, t, &id) != LIM_OK)
			return 0;
		if (want_no == id.period_no + 1)
			return 1;
		if (id.period_no > 0 && want_no == id.period_no - 1)
			return -1;
		return 0;
	} else if (has_t && mikey_rfc6509_id(secs, uri, strlen(uri), want, sizeof want, &wantlen) !=
				    LIM_OK) {
		wantlen = 0;
	}
	if (wantlen == 0 || limf_kms_ident(NULL, &p->cert, uri, t, &id) != LIM_OK)
		return 0;
	if (id.idlen == wantlen && memcmp(id.id, want, wantlen) == 0)
		return 0;
	for (int delta = -1; delta <= 1; delta += 2) {
		struct wr_kms_ident nb;
		int64_t tn = delta < 0 ? id.valid_from - 1 : id.valid_to;
		if (limf_kms_ident(NULL, &p->cert, uri, tn, &nb) == LIM_OK && nb.idlen == wantlen &&
		    memcmp(nb.id, want, wantlen) == 0)
			return delta;
	}
	return 0;
}

/* The URI of the responder (the identity the SAKKE payload is encrypted to): the message's
 * clear URI, else the SIP party on the responder's side whose UID (this or a neighbouring key
 * period) equals the carried one. */
/* Whether URI u has the UID uid (MIKEY_UID_LEN octets) in the key period of time t (a
 * decision's), the one before or the one after. */
static bool uri_has_uid(struct limf_pipe *p, int64_t t, const char *u, const uint8_t *uid)
{
	if (!uid)
		return false;
	for (int delta = -1; delta <= 1; delta++) {
		struct wr_kms_ident id;
		if (limf_kms_ident(NULL, &p->cert, u, t, &id) != LIM_OK)
			continue;
		if (delta != 0 &&
		    limf_kms_ident(NULL, &p->cert, u, delta < 0 ? id.valid_from - 1 : id.valid_to,
				   &id) != LIM_OK)
			continue;
		if (id.idlen == MIKEY_UID_LEN && memcmp(id.id, uid, MIKEY_UID_LEN) == 0)
			return true;
	}
	return false;
}

static bool responder_uri(struct limf_pipe *p, const struct pcall *pc, const struct cap_call *call,
			  const struct mikey_msg *m, bool answer, char *out, size_t cap)
{
	const struct mikey_idr *r = mikey_responder(m);
	const struct cap_text *cand[1 + CAP_SIP_MAX_PAI];
	size_t nc = sip_side(call, answer, cand);
	if (r && !is_uid(r)) {
		if (!mikey_id_textlen(r))
			return false; /* an empty identity names no one (and may have no octets) */
		copy_text(out, cap, (const char *)r->data, mikey_id_textlen(r));
		return true;
	}
	for (size_t i = 0; i < nc; i++) {
		char u[CAP_CALL_MAX_TEXT + 1];
		if (cand[i]->len == 0)
			continue;
		copy_text(u, sizeof u, cand[i]->s, cand[i]->len);
		if (!r || uri_has_uid(p, wr_kms_decision_time(pc->d), u, r->data)) {
			copy_text(out, cap, u, strlen(u));
			return true;
		}
	}
	return false;
}

/* The SIP party whose identity the I_MESSAGE's initiator is: for an offer the caller's From or
 * a P-Asserted-Identity, for an answer the callee's To, equal to the initiator's clear URI or
 * having its UID (this, the previous or the next key period). An ECCSI signature proves which
 * community member signed, not that it was the party SIP names: "" here (false) says the
 * message was signed by someone the call's SIP does not show on that side. */
static bool initiator_sip(struct limf_pipe *p, const struct pcall *pc, const struct cap_call *call,
			  const struct mikey_msg *m, bool answer, char *out, size_t cap)
{
	const struct mikey_idr *r = mikey_initiator(m);
	const struct cap_text *cand[1 + CAP_SIP_MAX_PAI];
	size_t nc = sip_side(call, !answer, cand);
	out[0] = '\0';
	if (!r || !r->len || !p->have_cert)
		return false;
	for (size_t i = 0; i < nc; i++) {
		char u[CAP_CALL_MAX_TEXT + 1];
		if (cand[i]->len == 0)
			continue;
		copy_text(u, sizeof u, cand[i]->s, cand[i]->len);
		if (is_uid(r) ? uri_has_uid(p, wr_kms_decision_time(pc->d), u, r->data)
			      : mikey_id_textlen(r) == strlen(u) &&
					memcmp(r->data, u, strlen(u)) == 0) {
			copy_text(out, cap, u, strlen(u));
			return true;
		}
	}
	return false;
}

static bool srtp_profile(const struct mikey_srtp_key *k, enum lim_srtp_profile *pr)
{
	if (k->enc_alg == MIKEY_SRTP_AES_GCM)
		*pr = LIM_SRTP_AEAD_AES_128_GCM;
	else if (k->enc_alg == MIKEY_SRTP_AES_CM && k->auth_tag_len == 4)
		*pr = LIM_SRTP_AES128_CM_SHA1_32;
	else if (k->enc_alg == MIKEY_SRTP_AES_CM && (k->auth_tag_len == 10 || k->auth_tag_len == 0))
		*pr = LIM_SRTP_AES128_CM_SHA1_80;
	else
		return false;
	return true;
}

/* RFC 4771 ROC transmission rate of the message's SRTP policy (1 when not given). */
static unsigned roc_rate(const struct mikey_msg *m)
{
	for (size_t i = 0; i < m->n_sp; i++)
		for (size_t j = 0; j < m->sp[i].n_params; j++) {
			const struct mikey_sp_param *sp = &m->sp[i].params[j];
			if (m->sp[i].prot_type == MIKEY_PROT_SRTP &&
			    sp->type == MIKEY_SRTP_ROC_RATE && sp->len >= 1) {
				unsigned v = 0;
				for (size_t b = 0; b < sp->len && b < 4; b++)
					v = v << 8 | sp->val[b];
				return v ? v : 1;
			}
		}
	return 1;
}

static void keyset_clear(struct keyset *ks)
{
	for (size_t i = 0; i < ks->n; i++)
		lim_srtp_free(ks->s[i]);
	if (ks->floors) {
		lim_wipe(ks->floors, sizeof *ks->floors); /* (ids: hashes of keys) */
		free(ks->floors);
	}
	memset(ks, 0, sizeof *ks);
}

/* The sequence number of an RTP packet of at least 4 octets. */
static uint16_t rtp_seq(const struct lim_rd *pkt)
{
	return (uint16_t)(pkt->p[2] << 8 | pkt->p[3]);
}

/* The retired set of id, or NULL. */
static struct retired *retired_of(struct pcall *pc, const uint8_t id[32])
{
	for (size_t j = 0; pc->retired && j < pc->n_retired; j++)
		if (memcmp(pc->retired[j].id, id, 32) == 0)
			return &pc->retired[j];
	return NULL;
}

/* Set ks of pc goes: when it authenticated packets, or was itself a retired set's keys used
 * again, its replay state is kept (struct retired): the highest index of each stream its
 * sessions hold, merged with the floors it had, as the newest entry of the list (its entry from
 * before, if any, taken out; the oldest goes when RETIRED_MAX sets are held: one set retired
 * again and again takes one entry). Without memory for the list nothing is kept (its packets
 * could then be handed over twice). */
static void keyset_retire(struct pcall *pc, struct keyset *ks)
{
	struct retired *r, *was, old;
	if ((!ks->proven && !ks->floors) ||
	    (!pc->retired && !(pc->retired = calloc(RETIRED_MAX, sizeof *pc->retired))))
		return;
	memset(&old, 0, sizeof old);
	if (ks->floors)
		old = *ks->floors;
	was = retired_of(pc, ks->id);
	if (!was && pc->n_retired == RETIRED_MAX)
		was = &pc->retired[0]; /* (full: the oldest goes) */
	if (was) {
		size_t k = (size_t)(was - pc->retired);
		memmove(was, was + 1, (pc->n_retired - k - 1) * sizeof *was);
		pc->n_retired--;
	}
	r = &pc->retired[pc->n_retired++];
	lim_wipe(r, sizeof *r);
	memcpy(r->id, ks->id, sizeof r->id);
	for (size_t i = 0; i <= ks->n; i++) {
		uint32_t ss[FLOORS_MAX];
		uint64_t tt[FLOORS_MAX];
		/* (i == ks->n: the floors it had) */
		size_t n = i < ks->n ? lim_srtp_tops(ks->s[i], ss, tt, FLOORS_MAX) : old.n;
		for (size_t k = 0; k < n; k++) {
			uint8_t sess = i < ks->n ? (uint8_t)i : old.sess[k];
			uint32_t ssrc = i < ks->n ? ss[k] : old.ssrc[k];
			uint64_t top = i < ks->n ? tt[k] : old.top[k];
			size_t j = 0;
			while (j < r->n && !(r->ssrc[j] == ssrc && r->sess[j] == sess))
				j++;
			if (j == r->n) {
				if (r->n == FLOORS_MAX)
					continue;
				r->n++;
				r->sess[j] = sess;
				r->ssrc[j] = ssrc;
				r->top[j] = top;
			} else if (top > r->top[j]) {
				r->top[j] = top;
			}
		}
	}
	lim_wipe(&old, sizeof old);
}

/* Whether the packet of ssrc that session idx of set ks has just authenticated (pkt: the SRTP
 * packet as it came) is at or below the index that session's stream of ssrc had reached when
 * the set was retired: handed over then, now a replay. */
static bool below_floor(struct keyset *ks, int idx, uint32_t ssrc, const struct lim_rd *pkt)
{
	const struct retired *r = ks->floors;
	uint64_t i;
	if (!r || idx < 0 || (size_t)idx >= ks->n || pkt->len < 4)
		return false;
	for (size_t j = 0; j < r->n; j++)
		if (r->ssrc[j] == ssrc && r->sess[j] == (uint8_t)idx)
			/* (no index of it in the session: it tracks LIM_SRTP_STREAMS_MAX others,
			 * and the packet's cannot be told: refused) */
			return lim_srtp_packet_index(ks->s[idx], ssrc, rtp_seq(pkt), &i) !=
				       LIM_OK ||
			       i <= r->top[j];
	return false;
}

/* Opens the sessions of keys[0..n) as the newest key set of pc (the same keys as a set it has:
 * that set made the newest; those of a set it retired: with that set's replay state). */
static enum lim_err keyset_add(struct limf_pipe *p, struct pcall *pc, const struct mikey_msg *m,
			       const struct mikey_srtp_key *keys, size_t n, bool answer, bool stale)
{
	struct keyset ks;
	enum lim_err e = LIM_OK;
	memset(&ks, 0, sizeof ks);
	{
		/* the same keys as a set the call has (an I_MESSAGE sent again in a re-INVITE,
		 * or one of an earlier offer/answer replayed, A B A): that set, made the newest,
		 * not a second one. A second set's sessions would start with empty replay
		 * windows, so packets the first had already authenticated (replayed, anyone can
		 * send them) would authenticate again under it and be handed over twice */
		uint8_t buf[MIKEY_MAX_KEYS *
			    (sizeof keys[0].key + sizeof keys[0].salt + sizeof keys[0].mki + 13)];
		size_t bl = 0;
		for (size_t i = 0; i < n && i < MIKEY_MAX_KEYS; i++) {
			buf[bl++] = keys[i].key_len;
			memcpy(buf + bl, keys[i].key, keys[i].key_len);
			bl += keys[i].key_len;
			buf[bl++] = keys[i].salt_len;
			memcpy(buf + bl, keys[i].salt, keys[i].salt_len);
			bl += keys[i].salt_len;
			buf[bl++] = keys[i].mki_len;
			memcpy(buf + bl, keys[i].mki, keys[i].mki_len);
			bl += keys[i].mki_len;
			memcpy(buf + bl, &keys[i].ssrc, 4);
			memcpy(buf + bl + 4, &keys[i].roc, 4);
			buf[bl + 8] = keys[i].has_ssrc;
			buf[bl + 9] = keys[i].auth_alg;
			bl += 10;
		}
		SHA256(buf, bl, ks.id);
		lim_wipe(buf, sizeof buf);
		for (size_t j = 0; j < pc->n_ks; j++) {
			struct keyset same;
			if (memcmp(pc->ks[j].id, ks.id, sizeof ks.id) != 0)
				continue;
			same = pc->ks[j];
			memmove(&pc->ks[1], &pc->ks[0], j * sizeof pc->ks[0]);
			pc->ks[0] = same;
			lim_wipe(&same, sizeof same);
			for (size_t i = 0; i < pc->n_ssrc; i++) {
				int *set = &pc->ssrc[i].set;
				if (*set == (int)j)
					*set = 0;
				else if (*set >= 0 && *set < (int)j)
					(*set)++;
			}
			lim_wipe(&ks, sizeof ks);
			pc->ks_gen++;
			return LIM_OK;
		}
	}
	for (size_t i = 0; i < n && e == LIM_OK; i++) {
		enum lim_srtp_profile pr;
		struct lim_srtp *s = NULL;
		if (!srtp_profile(&keys[i], &pr)) {
			e = LIM_E_UNSUPP;
			break;
		}
		e = lim_srtp_new(pr, keys[i].key, keys[i].key_len, keys[i].salt, keys[i].salt_len,
				 keys[i].mki_len ? keys[i].mki : NULL, keys[i].mki_len, &s);
		if (e == LIM_OK && keys[i].auth_alg >= 2 && keys[i].auth_alg <= 4)
			e = lim_srtp_set_rcc(s, keys[i].auth_alg - 1u, roc_rate(m));
		if (e == LIM_OK && keys[i].has_ssrc && keys[i].roc)
			e = lim_srtp_set_roc(s, keys[i].ssrc, keys[i].roc);
		if (e != LIM_OK) {
			lim_srtp_free(s);
			break;
		}
		ks.s[ks.n] = s;
		ks.n++;
	}
	if (e != LIM_OK || ks.n == 0) {
		keyset_clear(&ks);
		return e != LIM_OK ? e : LIM_E_PARSE;
	}
	{
		/* the keys of a set the call retired: used again, with its replay state */
		const struct retired *r = retired_of(pc, ks.id);
		if (r && !(ks.floors = malloc(sizeof *ks.floors))) {
			keyset_clear(&ks);
			return LIM_E_NOMEM;
		}
		/* its streams go on from the index they had reached (a stream held and
		 * resumed under its I_MESSAGE sent again: RFC 3711 s3.3.1, the ROC is not
		 * reset; a session that has not seen the SSRC would take it for ROC 0), estimated
		 * from there (a wrap since is followed), which a replay cannot move back */
		for (size_t j = 0; r && j < r->n; j++) {
			enum lim_err re = LIM_OK;
			if (r->sess[j] < ks.n)
				re = lim_srtp_set_top(ks.s[r->sess[j]], r->ssrc[j],
						      (uint32_t)(r->top[j] >> 16),
						      (uint16_t)r->top[j]);
			(void)re; /* (LIM_SRTP_STREAMS_MAX tracked: that one from ROC 0; and
				   * below_floor refuses its packets) */
		}
		if (r)
			*ks.floors = *r;
	}
	pc->n_keysets++;
	ks.answer = answer;
	ks.stale = stale;
	{
		/* (era-extended: an I_MESSAGE from after 2036-02-07 is later than one from
		 * before; a COUNTER names no time) */
		uint64_t secs;
		ks.t = mikey_t_ntp_secs(m, &secs) ? (secs << 31) | ((m->ts & 0xffffffffu) >> 1) : 0;
	}
	/* full: which set goes. Not simply the oldest: valid I_MESSAGEs of the same two parties
	 * are public (any earlier call carries them), so a few re-INVITEs replaying them would
	 * push out the set the call's media uses and turn decryption off for the rest of the
	 * call. Nor the newest that never authenticated anything: that may be the keys of a
	 * re-key whose media has not begun, pushed out by an answer's keys or by one replayed
	 * I_MESSAGE after it. Each side's latest keys are those of its I_MESSAGE of the latest
	 * T (a replay's T is older: the signature covers it), which are kept unless the new set
	 * is that side's and later still. So, in this order: the oldest set that authenticated
	 * packets but has no stream bound to it any more (superseded by a re-key); else, of the
	 * sets that never authenticated anything and have no stream, the newest stale one (an
	 * old I_MESSAGE: a replay), else the newest but a side's latest (the call's first keys,
	 * older, stay: they are the offer/answer the media most likely uses); else the oldest
	 * but a side's latest. */
	size_t v = pc->n_ks; /* the slot that goes (n_ks: none) */
	if (pc->n_ks == KEYSETS) {
		bool bound[KEYSETS] = { false }, latest[KEYSETS] = { false };
		size_t sup = KEYSETS, old = KEYSETS, unproven = KEYSETS, oldest = KEYSETS;
		for (size_t i = 0; i < pc->n_ssrc; i++)
			if (pc->ssrc[i].set >= 0 && pc->ssrc[i].set < KEYSETS)
				bound[pc->ssrc[i].set] = true;
		for (int side = 0; side < 2; side++) {
			size_t l = KEYSETS;
			/* (newest first: the newest of a tie) */
			for (size_t k = 0; k < KEYSETS; k++)
				if (pc->ks[k].answer == (side == 1) &&
				    (l == KEYSETS || pc->ks[k].t > pc->ks[l].t))
					l = k;
			if (l < KEYSETS && !(answer == (side == 1) && ks.t > pc->ks[l].t))
				latest[l] = true;
		}
		for (size_t k = KEYSETS; k-- > 0 && sup == KEYSETS;) /* oldest first */
			if (pc->ks[k].proven && !bound[k])
				sup = k;
		for (size_t k = 0; k < KEYSETS; k++) /* newest first */
			if (!pc->ks[k].proven && !bound[k]) {
				if (pc->ks[k].stale && !latest[k] && old == KEYSETS)
					old = k;
				if (!latest[k] && unproven == KEYSETS)
					unproven = k;
			}
		for (size_t k = KEYSETS; k-- > 0 && oldest == KEYSETS;)
			if (!latest[k])
				oldest = k;
		v = sup < KEYSETS        ? sup
		    : old < KEYSETS      ? old
		    : unproven < KEYSETS ? unproven
		    : oldest < KEYSETS   ? oldest
					 : KEYSETS - 1;
		keyset_retire(pc, &pc->ks[v]);
		keyset_clear(&pc->ks[v]);
		pc->n_ks--;
	}
	memmove(&pc->ks[1], &pc->ks[0], v * sizeof pc->ks[0]);
	pc->ks[0] = ks;
	pc->n_ks++;
	pc->ks_gen++;
	/* bindings point at slots: those before the one that went move up by one */
	for (size_t i = 0; i < pc->n_ssrc; i++) {
		int *set = &pc->ssrc[i].set;
		if (*set == (int)v)
			*set = -1;
		else if (*set >= 0 && *set < (int)v)
			(*set)++;
	}
	(void)p;
	return LIM_OK;
}

static void rsk_ctx_clear(struct rsk_ctx *c)
{
	sakke_rsk_ctx_free(c->ctx);
	if (c->rsk)
		OPENSSL_secure_clear_free(c->rsk, SAKKE_POINT_LEN);
	memset(c, 0, sizeof *c);
}

/* Receiver contexts built now. Under ks->mu. */
static void rsk_ctx_count(struct limf_keyshare *ks)
{
	size_t n = 0;
	for (size_t i = 0; i < RSK_CTXS; i++)
		n += ks->rctx[i].ctx != NULL;
	atomic_store(&ks->n_rctx, n);
}

/* The receiver context for (id, rsk), its use counted (rsk_ctx_put): cached, or built into a
 * free slot or the least recently used one not in use. NULL when it cannot be (every slot in
 * use, no memory): the caller then decapsulates without one. Under ks->mu. */
static struct rsk_ctx *rsk_ctx_get(struct limf_keyshare *ks, const uint8_t z[SAKKE_POINT_LEN],
				   const uint8_t *id, size_t idlen, const uint8_t *rsk)
{
	struct rsk_ctx *c = NULL; /* a free slot, else the least recently used */
	for (size_t i = 0; i < RSK_CTXS; i++) {
		struct rsk_ctx *x = &ks->rctx[i];
		if (!x->ctx) {
			if (!c || c->ctx)
				c = x;
			continue;
		}
		if (!x->doomed && x->idlen == idlen && memcmp(x->id, id, idlen) == 0 &&
		    memcmp(x->z, z, SAKKE_POINT_LEN) == 0 &&
		    CRYPTO_memcmp(x->rsk, rsk, SAKKE_POINT_LEN) == 0) {
			x->used = ++ks->rctx_clock;
			x->refs++;
			return x;
		}
		if (x->refs == 0 && (!c || (c->ctx && x->used < c->used)))
			c = x;
	}
	if (!c || idlen > sizeof c->id)
		return NULL;
	rsk_ctx_clear(c);
	c->rsk = OPENSSL_secure_malloc(SAKKE_POINT_LEN);
	if (!c->rsk || sakke_rsk_ctx_new(z, id, idlen, rsk, &c->ctx) != LIM_OK) {
		rsk_ctx_clear(c);
		rsk_ctx_count(ks);
		return NULL;
	}
	memcpy(c->rsk, rsk, SAKKE_POINT_LEN);
	memcpy(c->z, z, SAKKE_POINT_LEN);
	memcpy(c->id, id, idlen);
	c->idlen = idlen;
	c->used = ++ks->rctx_clock;
	c->refs = 1;
	rsk_ctx_count(ks);
	return c;
}

static void rsk_ctx_put(struct limf_keyshare *ks, struct rsk_ctx *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&ks->mu);
	if (--c->refs == 0 && c->doomed) {
		rsk_ctx_clear(c);
		rsk_ctx_count(ks);
	}
	pthread_mutex_unlock(&ks->mu);
}

/* Invariant 3 (DESIGN.md s5.3: keys expire with the warrant). The warrants liids[0..n) were
 * found no longer in force: they stop justifying the KMS client's cached key sets (those left
 * with no warrant are wiped: wr_kms_forget_liid), then every receiver context whose key set is
 * no longer cached (forgotten, or expired at its warrant's end) is wiped, or doomed while a
 * pipeline decapsulates with it. block: wait for the client (a stopped warrant is never
 * skipped); else (the periodic sweep) only when no key request holds it. */
static void keyshare_sweep(struct limf_keyshare *ks, char (*liids)[WR_LIID_MAX + 1], size_t n,
			   bool block)
{
	if (block)
		pthread_mutex_lock(&ks->kms_mu);
	else if (pthread_mutex_trylock(&ks->kms_mu) != 0)
		return;
	for (size_t i = 0; i < n && ks->kms; i++)
		(void)wr_kms_forget_liid(ks->kms, liids[i]);
	pthread_mutex_lock(&ks->mu); /* (mu under kms_mu: the order of unwrap_signed) */
	for (size_t i = 0; i < RSK_CTXS; i++) {
		struct rsk_ctx *c = &ks->rctx[i];
		if (!c->ctx || (ks->kms && wr_kms_holds(ks->kms, c->z, c->id, c->idlen)))
			continue;
		if (c->refs)
			c->doomed = true;
		else
			rsk_ctx_clear(c);
	}
	rsk_ctx_count(ks);
	pthread_mutex_unlock(&ks->mu);
	atomic_store(&ks->n_kms, ks->kms ? wr_kms_cached(ks->kms) : 0);
	pthread_mutex_unlock(&ks->kms_mu);
}

/* Invariant 2 (DESIGN.md s5): every decryption is on the audit log, per LIID that receives
 * content, before the first packet is decrypted; false when a row could not be written. */
/* The detail of a keys row: the call and what km's I_MESSAGE gave. */
static void keys_detail(const struct pcall *pc, const struct cap_call *call,
			const struct km_rec *km, size_t n_keys, char *detail, size_t cap)
{
	snprintf(detail, cap,
		 "cin=%" PRIu32 " call-id=%.*s imsg=%s key-user=%s period=%" PRIu64
		 " srtp-sessions=%zu signature=%s",
		 pc->cin, (int)call->call_id.len, call->call_id.s, km->side, km->key_user,
		 km->view.key_period, n_keys, km->sig);
}

/* The row action/detail on the audit log of each LIID of the call with content in force, but
 * not again for those in *written: the ones an earlier attempt wrote while another LIID's row
 * failed (its keys were not used), added to as rows are written, emptied when all are (the
 * keys are used: a later use is audited anew). How many rows failed. */
static size_t audit_rows(struct limf_pipe *p, const struct pcall *pc, const char *action,
			 const char *detail, uint32_t *written)
{
	size_t failed = 0;
	for (size_t i = 0; i < pc->n_liids; i++) {
		uint32_t bit = UINT32_C(1) << i;
		if (pc->liid[i].scope != WR_SCOPE_IRI_CC || pc->liid[i].out_of_force ||
		    (*written & bit))
			continue;
		if (wr_audit_append(p->cfg.db, pc->liid[i].liid, action, detail) != LIM_OK)
			failed++;
		else
			*written |= bit;
	}
	if (!failed)
		*written = 0;
	return failed;
}

static bool audit_cc(struct limf_pipe *p, const struct pcall *pc, const struct cap_call *call,
		     const char *action, const struct km_rec *km, size_t n_keys, uint32_t *written)
{
	char detail[WR_DETAIL_MAX + 1];
	size_t failed;
	keys_detail(pc, call, km, n_keys, detail, sizeof detail);
	failed = audit_rows(p, pc, action, detail, written);
	p->st.audit_errors += failed;
	return failed == 0;
}

/* Whether m's ECCSI signature verifies with the KPAK of p->cert. A message that names its
 * initiator is checked with that identity. One that names none (RFC 6509 s4.2 leaves it to the
 * signalling) is checked with each of the nc SIP parties in cand, the side's that sent it
 * (sip_side): *signer is then the one it verifies with (else, and for a named initiator, NULL).
 * A SIP header is only a claim: the signature proves which of them holds the key. */
static bool sig_verifies(struct limf_pipe *p, const struct mikey_msg *m,
			 const struct cap_text *const *cand, size_t nc,
			 const struct cap_text **signer)
{
	struct mikey_ident_cfg cfg;
	*signer = NULL;
	memset(&cfg, 0, sizeof cfg);
	if (p->cert.scheme == WR_KMS_ID_3GPP) {
		cfg.kms_uri = p->cert.kms_uri;
		cfg.kmslen = strlen(p->cert.kms_uri);
		cfg.has_period = true;
		cfg.period = p->cert.user_key_period;
		cfg.offset = p->cert.user_key_offset;
	}
	if (mikey_initiator(m))
		return mikey_sakke_verify(m, p->cert.kpak, &cfg, NULL) == LIM_OK;
	for (size_t i = 0; i < nc; i++) {
		if (cand[i]->len == 0)
			continue;
		cfg.uri = cand[i]->s;
		cfg.urilen = cand[i]->len;
		if (mikey_sakke_verify(m, p->cert.kpak, &cfg, NULL) == LIM_OK) {
			*signer = cand[i];
			return true;
		}
	}
	return false;
}

/* The time an I_MESSAGE's certificate must be valid at: the call's (the decision's), and the
 * message's T as a second choice. */
static int64_t imsg_t(const struct mikey_msg *m, int64_t call_t)
{
	uint64_t secs;
	return mikey_t_ntp_secs(m, &secs) ? limf_ntp_to_wr(secs) : call_t;
}

/* Makes p->cert the certificate of m's time (cert_pick: the call's, else T's), with one
 * re-fetch when none held is valid then (a roll-over this process has not seen). false with
 * km's outcome "no-valid-certificate" when still none is: nothing is requested or decrypted
 * under a certificate outside its validity. */
static bool cert_for_imsg(struct limf_pipe *p, const struct pcall *pc, const struct mikey_msg *m,
			  struct km_rec *km)
{
	int64_t t = wr_kms_decision_time(pc->d);
	char ts[WR_TIME_STRLEN], held[160] = "";
	size_t o = 0;
	if (cert_pick(p, t) || cert_pick(p, imsg_t(m, t)))
		return true;
	(void)cert_refresh(p, t);
	if (cert_pick(p, t) || cert_pick(p, imsg_t(m, t)))
		return true;
	p->st.cert_outside++;
	km_outcome(km, "no-valid-certificate");
	for (size_t i = 0; i < p->n_certs && o < sizeof held; i++) {
		char vf[WR_TIME_STRLEN], vt[WR_TIME_STRLEN];
		wr_time_format(p->certs[i].valid_from, vf);
		wr_time_format(p->certs[i].valid_to, vt);
		int n = snprintf(held + o, sizeof held - o, "%s%.40s %s..%s", i ? ", " : "",
				 p->certs[i].cert_uri, vf, vt);
		o = n < 0 ? sizeof held : o + (size_t)n;
	}
	wr_time_format(t, ts);
	snprintf(km->detail, sizeof km->detail,
		 "no KMS certificate valid at the call's time %s (held: %s): keys not requested",
		 ts, held[0] ? held : "none");
	return false;
}

/* The SSV of m for km->key_user (the identity its SAKKE payload is encrypted to): that user's
 * keys through the call's decision (the key period named by the message, else a neighbour)
 * and the SAKKE unwrap, once the initiator's ECCSI signature (RFC 6509 s3.3; who: "initiator" or
 * "group management server" in the detail; cand, nc: the SIP parties a message that names no
 * initiator is checked with, as sig_verifies; the one it verifies with goes to
 * km->initiator_sip when sip_signer). false with km's outcome and detail set: then nothing of
 * the message is used. ssv is wiped by the caller. */
static bool unwrap_signed(struct limf_pipe *p, struct pcall *pc, const struct mikey_msg *m,
			  const struct cap_text *const *cand, size_t nc, bool sip_signer,
			  const char *who, struct km_rec *km, uint8_t ssv[SAKKE_SSV_LEN])
{
	const struct cap_text *signer = NULL;
	const struct wr_kms_keys *keys = NULL;
	struct limf_keyshare *ks = p->ks;
	struct mikey_ident_cfg cfg;
	struct mikey_ident used;
	struct wr_kms_ident ident;
	struct wr_kms_cert_stats before;
	struct rsk_ctx *rc = NULL;
	uint8_t rsk[WR_KMS_RSK_LEN], z[WR_KMS_Z_LEN];
	int delta = period_delta(p, pc, m, km->key_user);
	int64_t t = wr_kms_decision_time(pc->d);
	enum lim_err e;
	/* the signature first (it needs only the KMS's public KPAK): a forged I_MESSAGE is
	 * reported and reaches neither the KMS (no key request, nothing cached) nor SAKKE. One
	 * that does not verify may be signed under a certificate this process has not seen (a
	 * roll-over): one re-fetch, rate-limited by the client, and one more check if it changed */
	bool sig_ok = sig_verifies(p, m, cand, nc, &signer);
	if (!sig_ok && cert_refresh(p, t) && (cert_pick(p, t) || cert_pick(p, imsg_t(m, t))))
		sig_ok = sig_verifies(p, m, cand, nc, &signer);
	if (sig_ok)
		copy_text(km->kms_uri, sizeof km->kms_uri, p->cert.kms_uri,
			  strlen(p->cert.kms_uri));
	if (sig_ok && signer && sip_signer)
		copy_text(km->initiator_sip, sizeof km->initiator_sip, signer->s, signer->len);
	if (!sig_ok) {
		p->st.sig_bad++;
		copy_text(km->sig, sizeof km->sig, "invalid", 7);
		km_outcome(km, "bad-signature");
		snprintf(km->detail, sizeof km->detail,
			 "the %s's ECCSI signature does not verify with the KPAK of KMS %.64s "
			 "(certificate %.64s; forged, or signed under another KMS): keys not used",
			 who, p->cert.kms_uri, p->cert.cert_uri);
		return false;
	}
	copy_text(km->sig, sizeof km->sig, "valid", 5);
	/* the gate goes by the decision's scopes: each LIID's as the call has it now (widened or
	 * narrowed by a re-check, content withheld from a From-only match, out of force), so
	 * that the request is audited, and its keys cached, under the LIIDs with content alone */
	for (size_t i = 0; i < pc->n_liids; i++) {
		const struct liid_state *l = &pc->liid[i];
		bool cc = l->scope == WR_SCOPE_IRI_CC && !l->out_of_force;
		(void)!wr_kms_decision_scope(pc->d, l->liid, cc ? WR_SCOPE_IRI_CC : WR_SCOPE_IRI);
	}
	/* the shared client under its lock, then the contexts under theirs; the RSK copied out
	 * (wiped below) so that decapsulating runs beside the other pipelines */
	pthread_mutex_lock(&ks->kms_mu);
	if (ks->kms)
		wr_kms_cert_stats(ks->kms, &before);
	e = ks->kms ? wr_kms_keys_at(ks->kms, p->cfg.db, pc->d, km->key_user, delta, &keys)
		    : LIM_E_STATE;
	if (ks->kms)
		certs_publish(p, &before); /* (its own re-fetches: a key set under a new CertUri) */
	if (e == LIM_E_IO)
		atomic_store(&ks->kms_io_failed,
			     (int64_t)lim_mono_us()); /* (keys_again holds off a while) */
	else if (e == LIM_OK)
		atomic_store(&ks->kms_io_failed, 0);
	if (e != LIM_OK || !keys) {
		p->st.kms_fail++;
		km_outcome(km, "kms-error");
		km->kerr = e != LIM_OK ? e : LIM_E_STATE;
		snprintf(km->detail, sizeof km->detail, "%s: %s", lim_strerror(e),
			 ks->kms ? wr_kms_msg(ks->kms) : "no KMS");
		pthread_mutex_unlock(&ks->kms_mu);
		return false;
	}
	ident = keys->ident;
	memcpy(rsk, keys->rsk, sizeof rsk);
	memcpy(z, keys->z, sizeof z); /* the Z of the certificate the RSK was validated under */
	keys = NULL; /* (borrowed until the next call on the client: wr_kms_cached sweeps) */
	atomic_store(&ks->n_kms, wr_kms_cached(ks->kms));
	pthread_mutex_unlock(&ks->kms_mu);
	pthread_mutex_lock(&ks->mu);
	rc = rsk_ctx_get(ks, z, ident.id, ident.idlen, rsk);
	pthread_mutex_unlock(&ks->mu);
	p->st.kms_ok++;
	km->view.key_period = ident.period_no;
	memset(&cfg, 0, sizeof cfg);
	cfg.id = ident.id;
	cfg.idlen = ident.idlen;
	e = rc ? mikey_sakke_unwrap_ctx(m, rc->ctx, ssv)
	       : mikey_sakke_unwrap(m, z, rsk, &cfg, ssv, &used);
	rsk_ctx_put(ks, rc);
	LIM_WIPE(rsk);
	if (e != LIM_OK) {
		p->st.unwrap_fail++;
		km_outcome(km, "unwrap-failed");
		snprintf(km->detail, sizeof km->detail,
			 "%s: the SAKKE payload does not decrypt with %.128s's key of period "
			 "%" PRIu64,
			 lim_strerror(e), km->key_user, ident.period_no);
		return false;
	}
	return true;
}

/* Keys of one I_MESSAGE for an intercepted call with CC scope. */
static void do_keys(struct limf_pipe *p, struct pcall *pc, const struct cap_call *call,
		    const struct mikey_msg *m, bool answer, struct km_rec *km)
{
	struct mikey_srtp_key sk[MIKEY_MAX_KEYS];
	const struct cap_text *cand[1 + CAP_SIP_MAX_PAI];
	uint8_t ssv[SAKKE_SSV_LEN];
	size_t nk = 0, nc;
	int side = answer ? 1 : 0;
	enum lim_err e;
	memset(sk, 0, sizeof sk);
	if (!p->have_cert)
		fetch_cert(p, wr_kms_decision_time(pc->d));
	if (!p->have_cert) {
		km_outcome(km, "kms-error");
		km->kerr = LIM_E_STATE;
		snprintf(km->detail, sizeof km->detail, "no KMS certificate");
		p->st.kms_fail++;
		goto out;
	}
	if (!cert_for_imsg(p, pc, m, km))
		goto out;
	copy_text(km->kms_uri, sizeof km->kms_uri, p->cert.kms_uri, strlen(p->cert.kms_uri));
	if (!responder_uri(p, pc, call, m, answer, km->key_user, sizeof km->key_user)) {
		km_outcome(km, "no-responder");
		snprintf(km->detail, sizeof km->detail,
			 "no party of the call has the responder's identifier");
		goto out;
	}
	nc = sip_side(call, !answer, cand);
	if (!unwrap_signed(p, pc, m, cand, nc, true, "initiator", km, ssv))
		goto out;
	e = mikey_srtp_keys(m, ssv, sizeof ssv, mikey_srtp_def_of(m), sk, &nk);
	if (e == LIM_OK &&
	    !audit_cc(p, pc, call, "decrypt.keys", km, nk, &pc->keys_written[side])) {
		km_outcome(km, "audit-error");
		km->kerr = LIM_E_DB;
		snprintf(km->detail, sizeof km->detail,
			 "the decryption could not be audited: keys not used (%s)",
			 wr_db_msg(p->cfg.db));
		goto out;
	}
	if (e == LIM_OK)
		e = keyset_add(p, pc, m, sk, nk, answer,
			       km->view.has_t_offset && (km->view.t_offset_s > KEYSET_T_SKEW_S ||
							 km->view.t_offset_s < -KEYSET_T_SKEW_S));
	if (e == LIM_E_UNSUPP) {
		km_outcome(km, "unwrap-failed");
		snprintf(km->detail, sizeof km->detail,
			 "SRTP keys: the policy has no integrity or is not supported (AES-CM under "
			 "RFC 4771 RCCm1/RCCm3 accepts any key): not used");
		goto out;
	}
	if (e != LIM_OK) {
		km_outcome(km, "unwrap-failed");
		snprintf(km->detail, sizeof km->detail, "SRTP keys: %s", lim_strerror(e));
		goto out;
	}
	km->view.n_keys = (unsigned)nk;
	km_outcome(km, "keys");
out:
	mikey_srtp_keys_wipe(sk, MIKEY_MAX_KEYS);
	LIM_WIPE(ssv);
}

/* A key outcome that may pass: the KMS unreachable (transport, HTTP 5xx), no certificate yet,
 * the database (the key request's audit row, the "decrypt.keys" row), memory; not a forged,
 * undecryptable or unusable I_MESSAGE, nor a KMS that refuses or answers what limf cannot use
 * (LIM_E_AUTH, LIM_E_PARSE, LIM_E_UNSUPP, LIM_E_LIMIT: the same again). */
static bool keys_may_pass(const struct km_rec *km)
{
	return km->kerr == LIM_E_IO || km->kerr == LIM_E_DB || km->kerr == LIM_E_STATE ||
	       km->kerr == LIM_E_NOMEM;
}

/* Whether side's current I_MESSAGE is the one handled last on that side (not one a re-INVITE
 * or its answer brought since, whose own event handles it). */
static bool same_imsg(const struct pcall *pc, const struct cap_call *call, int side)
{
	const struct cap_call_sdp *sd = side ? &call->answer : &call->offer;
	uint8_t h[32];
	if (!sd->imsg || !pc->seen_side[side])
		return false;
	SHA256((const unsigned char *)sd->imsg, sd->imsg_len, h);
	return memcmp(h, pc->seen_imsg[side], sizeof h) == 0;
}

/* After do_keys for side's current I_MESSAGE: asked again later (keys_at) if its keys
 * failed for a reason that may pass, else that side is settled. Not for group calls (their
 * content is under GMKs), nor without a KMS client (IRI only by configuration). */
static void keys_due(struct limf_pipe *p, struct pcall *pc, const struct cap_call *call, int side,
		     const struct km_rec *km, uint64_t ts_ns)
{
	uint8_t bit = (uint8_t)(1u << side);
	if (pc->group[0] || !p->ks->kms || !keys_may_pass(km)) {
		pc->keys_side &= (uint8_t)~bit;
		if (!pc->keys_side) {
			pc->keys_at = 0;
			pc->keys_retry.n = 0;
		}
		return;
	}
	int64_t at = backoff_next(&pc->keys_retry, (int64_t)(ts_ns / 1000));
	if (!pc->keys_said)
		lim_warn("call %.*s: no keys from the %s's I_MESSAGE (%s: %s): IRI only for now, "
			 "the keys are asked again while the call goes on, after 1, 2, 4, 8, then "
			 "every 16 s",
			 (int)call->call_id.len, call->call_id.s, side ? "answer" : "offer",
			 km->outcome, km->detail);
	pc->keys_said = true;
	pc->keys_side |= bit;
	if (!pc->keys_at || at < pc->keys_at)
		pc->keys_at = at;
}

/* The offer's I_MESSAGE m names its initiator (checked against its signature before any key
 * is used): when that is not the call's SIP From, the LIIDs whose target only the From names
 * (from_only) lose their content for this call, and the record km says so. A message without
 * an initiator, or no KMS certificate to tell a UID by, contradicts nothing. */
static void from_check(struct limf_pipe *p, struct pcall *pc, const struct cap_call *call,
		       const struct mikey_msg *m, struct km_rec *km)
{
	const struct mikey_idr *r = mikey_initiator(m);
	size_t n = 0;
	bool any_cc = false;
	pc->from_contradicted =
		r && r->len && p->have_cert &&
		!(km->initiator_sip[0] && strlen(km->initiator_sip) == call->from_uri.len &&
		  memcmp(km->initiator_sip, call->from_uri.s, call->from_uri.len) == 0);
	for (size_t i = 0; i < pc->n_liids; i++) {
		struct liid_state *l = &pc->liid[i];
		if (deny_from(pc, l)) {
			n++;
			lim_warn("call %.*s: LIID %s gets no content: only the SIP From names its "
				 "target, and the I_MESSAGE's initiator is another party",
				 (int)call->call_id.len, call->call_id.s, l->liid);
		}
		any_cc = any_cc || (l->scope == WR_SCOPE_IRI_CC && !l->out_of_force);
	}
	if (n) {
		snprintf(km->detail, sizeof km->detail,
			 "content withheld from %zu LIID(s): only the SIP From names their target, "
			 "and the signed initiator is another party",
			 n);
		if (!any_cc)
			pc->cc = false;
	}
}

static void on_imsg(struct limf_pipe *p, struct pcall *pc, const struct cap_call *call, bool answer,
		    uint64_t ts_ns, bool again);

/* The keys of the call's I_MESSAGEs that failed for a reason that may pass (keys_at), asked
 * again at ts_ns: each I_MESSAGE handled again (its key request, its "decrypt.keys" row under
 * the LIIDs with content). Keys got: content from now on, their key-management record to the
 * LIIDs at this instant. Failed again: asked again later, that attempt's record dropped (the
 * first failure's went out with the call's IRI; each attempt is counted in kms_failed or
 * audit_errors and said in the log). */
static void keys_again(struct limf_pipe *p, struct pcall *pc, const struct cap_call *call,
		       uint64_t ts_ns)
{
	uint8_t sides = pc->keys_side;
	size_t k0, w;
	uint64_t made0 = pc->km_made;
	uint32_t gen0 = pc->ks_gen, to = 0;
	int64_t failed = atomic_load(&p->ks->kms_io_failed);
	pc->keys_at = 0;
	if (failed && (int64_t)lim_mono_us() - failed < KMS_HOLD_US) {
		/* a key request (this call's or another's) failed in transport a moment ago */
		pc->keys_at = backoff_next(&pc->keys_retry, (int64_t)(ts_ns / 1000));
		return;
	}
	for (int side = 0; side < 2; side++) {
		if (!(sides & (1u << side)))
			continue;
		if (!same_imsg(pc, call, side)) {
			pc->keys_side &= (uint8_t) ~(1u << side); /* (replaced, or gone) */
			continue;
		}
		pc->seen_side[side] = false;
		on_imsg(p, pc, call, side == 1, ts_ns, true);
	}
	/* this attempt's records: the last ones (km_new may have dropped older ones for room) */
	k0 = km_since(pc, made0);
	w = k0;
	/* the records of keys got now go to the LIIDs with content alone: one with IRI only
	 * had the first attempt's (as for any call), and a second one would tell it that a
	 * warrant with content is on the call */
	for (size_t i = 0; i < pc->n_liids; i++)
		if (pc->liid[i].scope == WR_SCOPE_IRI_CC && !pc->liid[i].out_of_force &&
		    (!pc->liid[i].ended || pc->went_on))
			to |= UINT32_C(1) << i;
	for (size_t k = k0; k < pc->n_km; k++) {
		if (!keys_may_pass(&pc->km[k]) && to) {
			if (w != k) {
				pc->km[w] = pc->km[k];
				km_finish(&pc->km[w]);
			}
			pc->km[w].to = to;
			w++;
		}
	}
	for (size_t k = w; k < pc->n_km; k++)
		lim_wipe(&pc->km[k], sizeof pc->km[k]);
	pc->n_km = w;
	if (pc->ks_gen != gen0) {
		/* (its streams may have wrapped their sequence numbers since: late_roc) */
		pc->late_keys = true;
		lim_info("call %.*s: keys got on a retry, content from now on",
			 (int)call->call_id.len, call->call_id.s);
	}
	if (!pc->keys_side)
		pc->keys_retry.n = 0;
	emit_pending_km(p, pc, call);
}

/* One I_MESSAGE of a call side: parse, gate, keys. */
static void on_imsg(struct limf_pipe *p, struct pcall *pc, const struct cap_call *call, bool answer,
		    uint64_t ts_ns, bool again)
{
	const struct cap_call_sdp *sd = answer ? &call->answer : &call->offer;
	int side = answer ? 1 : 0;
	struct mikey_msg *m;
	const char *why = NULL;
	struct km_rec *km;
	bool ok, was = pc->intercept;
	if (!sd->imsg)
		return;
	{
		uint8_t h[32];
		SHA256((const unsigned char *)sd->imsg, sd->imsg_len, h);
		if (pc->seen_side[side] && memcmp(pc->seen_imsg[side], h, sizeof h) == 0)
			return; /* the same I_MESSAGE again (retransmission, SDP re-sent) */
		memcpy(pc->seen_imsg[side], h, sizeof h);
		pc->seen_side[side] = true;
	}
	if (!again) { /* (late_start handles a counted one again) */
		p->st.imsg++;
		pc->keys_written[side] = 0; /* (rows of another I_MESSAGE) */
	}
	m = call_imsg(sd, &why);
	ok = m != NULL;
	if (!ok && !again)
		p->st.imsg_bad++;
	if (!pc->intercept && !pc->stopped)
		decide(p, pc, call, m, answer, ts_ns);
	else if (was && ok && !again)
		more_parties(p, pc, call, m, answer, ts_ns);
	if (!pc->intercept)
		goto out;
	km = km_new(pc, answer, ts_ns);
	if (!km) {
		/* (a call re-keyed more than LIMF_CALL_MAX_IMSG times): said once per call */
		if (!pc->km_full)
			lim_warn("call %.*s: more than %d key-management records not yet "
				 "delivered: a further I_MESSAGE is not handled (no IRI record, no "
				 "keys from it)",
				 (int)call->call_id.len, call->call_id.s, LIMF_CALL_MAX_IMSG);
		pc->km_full = true;
		goto out;
	}
	if (!ok) {
		km_outcome(km, "parse-error");
		snprintf(km->detail, sizeof km->detail, "not a usable MIKEY-SAKKE I_MESSAGE%s%s",
			 why ? ": " : "", why ? why : "");
	} else {
		id_text(km->initiator, sizeof km->initiator, mikey_initiator(m));
		id_text(km->responder, sizeof km->responder, mikey_responder(m));
		(void)initiator_sip(p, pc, call, m, answer, km->initiator_sip,
				    sizeof km->initiator_sip);
		if (!answer)
			from_check(p, pc, call, m, km);
		km->view.csb_id = m->csb_id;
		if (m->has_t && mikey_ts_iso8601(m->ts_type, m->ts, km->t) != LIM_OK)
			km->t[0] = '\0';
		km_t_offset(km, m, sd->imsg_ts_ns);
		if (pc->cc) {
			do_keys(p, pc, call, m, answer, km);
			keys_due(p, pc, call, side, km, ts_ns);
		} else {
			km_outcome(km, "iri-only");
		}
	}
	km_finish(km);
out:
	call_imsg_free(m);
	/* intercepted from this I_MESSAGE on (the answer's, say, when the offer's decision
	 * failed or named no target): the other side's, seen before, is keyed now too, as
	 * late_start does; the INVITE went by without IRI, so the BEGIN says "in progress" */
	if (!was && pc->intercept && !again) {
		bool seen = same_imsg(pc, call, 1 - side);
		if (answer || seen)
			pc->late = true;
		if (seen) {
			pc->seen_side[1 - side] = false;
			on_imsg(p, pc, call, !answer, ts_ns, true);
		}
	}
}

/* The IRI record of the SIP message of ev (its call, NULL outside INVITE dialogs). */
static void sip_iri(struct limf_iri *iri, const struct cap_event *ev)
{
	memset(iri, 0, sizeof *iri);
	iri->kind = LIMF_IRI_SIP;
	iri->ts_ns = ev->ts_ns;
	iri->call = ev->call;
	iri->sip = ev->raw.p;
	iri->sip_len = ev->raw.len;
	iri->src = ev->pkt->src;
	iri->dst = ev->pkt->dst;
	iri->sport = ev->pkt->sport;
	iri->dport = ev->pkt->dport;
	iri->over_tcp = ev->over_tcp;
}

/* ---- group key distribution (issue 9) ------------------------------------------------- */

/* The URI among cand[0..nc) whose identifier (this key period or a neighbour) is the
 * I_MESSAGE's responder, or the responder's clear URI. */
static bool member_of_imsg(struct limf_pipe *p, const struct wr_kms_decision *d,
			   const struct mikey_msg *m, const struct cap_str *cand, size_t nc,
			   char *out, size_t cap)
{
	const struct mikey_idr *r = mikey_responder(m);
	int64_t t = wr_kms_decision_time(d);
	if (r && !is_uid(r)) {
		if (!mikey_id_textlen(r))
			return false; /* (as responder_uri) */
		copy_text(out, cap, (const char *)r->data, mikey_id_textlen(r));
		return true;
	}
	for (size_t i = 0; i < nc; i++) {
		char u[WR_URI_MAX + 1];
		if (cand[i].len == 0 || cand[i].len > WR_URI_MAX)
			continue;
		copy_text(u, sizeof u, cand[i].p, cand[i].len);
		if (r && uri_has_uid(p, t, u, r->data)) {
			copy_text(out, cap, u, strlen(u));
			return true;
		}
	}
	return false;
}

/* Under g->mu: the group a GMK recovered for member covers, and its calls due (groups_due). */
static void add_cover(struct limf_groups *g, const char *group, const char *member)
{
	uint64_t n = atomic_load_explicit(&g->due_n, memory_order_relaxed);
	size_t i = 0;
	while (i < g->n_cover &&
	       (strcmp(g->cover[i].group, group) != 0 || strcmp(g->cover[i].member, member) != 0))
		i++;
	if (i == g->n_cover && g->n_cover == COVER_MAX) {
		lim_warn("group coverage table full: %s not recorded for %s", group, member);
		return;
	}
	if (i == g->n_cover) {
		copy_text(g->cover[i].group, sizeof g->cover[0].group, group, strlen(group));
		copy_text(g->cover[i].member, sizeof g->cover[0].member, member, strlen(member));
		g->n_cover++;
	}
	copy_text(g->due[n % DUE_MAX], sizeof g->due[0], group, strlen(group));
	atomic_store_explicit(&g->due_n, n + 1, memory_order_release);
}

/* The "decrypt.keys" rows of a GMK under the LIIDs of pc with content, but those an attempt
 * before wrote (t->written). *ok false when one is not written. */
static void audit_gmk(struct limf_pipe *p, const struct pcall *pc, const char *detail,
		      struct gmk_try *t, bool *ok)
{
	for (size_t i = 0; i < pc->n_liids; i++) {
		const char *liid = pc->liid[i].liid;
		size_t w = 0;
		if (pc->liid[i].scope != WR_SCOPE_IRI_CC)
			continue;
		while (w < t->n_written && strcmp(t->written[w], liid) != 0)
			w++;
		if (w < t->n_written)
			continue;
		if (wr_audit_append(p->cfg.db, liid, "decrypt.keys", detail) != LIM_OK) {
			p->st.audit_errors++;
			*ok = false;
		} else if (t->n_written < LIMF_CALL_MAX_LIIDS) {
			copy_text(t->written[t->n_written++], sizeof t->written[0], liid,
				  strlen(liid));
		}
	}
}

/* The calls of group (NULL: of every group), now that a member's GMK covers it (add_covering:
 * the GMK came during them, or on a retry): decided again at their next event (late_start;
 * join_start for one intercepted already under other LIIDs). */
static void group_due(struct limf_pipe *p, const char *group)
{
	for (struct pcall *pc = p->wcalls; pc; pc = pc->wnext) {
		if (pc->stopped || pc->ended || !pc->group[0] ||
		    (group && strcmp(pc->group, group) != 0))
			continue;
		if (!pc->intercept && (!pc->late_at || pc->late_at > 1))
			pc->late_at = 1;
		else if (pc->intercept && pc->parties && !pc->join_retry)
			pc->join_at = 1; /* (a member's LIID joins one intercepted under others) */
	}
}

/* This pipeline's calls of the groups recovered GMKs covered since it last looked, by any
 * pipeline sharing its table, sent to the gate again (group_due); all its group calls when it
 * fell more than DUE_MAX behind. At a GMK's recovery and before each event and tick: in
 * replay, a distribution is a barrier of the pool (limf/pool.c), so every worker looks before
 * any event after it, as one pipeline would. */
static void groups_due(struct limf_pipe *p)
{
	struct limf_groups *g = p->g;
	char group[CAP_MC_TEXT];
	uint64_t n;
	if (!g || atomic_load_explicit(&g->due_n, memory_order_acquire) == p->due_seen)
		return;
	/* one name at a time under the lock (the other pipelines take it for every group media
	 * packet), the calls walked without it */
	for (;;) {
		pthread_mutex_lock(&g->mu);
		n = atomic_load_explicit(&g->due_n, memory_order_relaxed);
		if (n == p->due_seen || n - p->due_seen > DUE_MAX) {
			pthread_mutex_unlock(&g->mu);
			break;
		}
		memcpy(group, g->due[p->due_seen % DUE_MAX], sizeof group);
		p->due_seen++;
		pthread_mutex_unlock(&g->mu);
		group_due(p, group);
	}
	if (n != p->due_seen) {
		p->due_seen = n; /* (fell behind the ring: every group call of this pipeline) */
		group_due(p, NULL);
	}
}

/* Group ID i of a GMK's key parameters (TS 33.180 E.6: inside the signed I_MESSAGE, sealed
 * under the GMK), NULL when they name none usable (absent, cut, not printable text). */
static const char *kp_group(const struct mikey_gmk *gf, size_t i)
{
	const struct mikey_kp_group *g;
	if (gf->kp_err != LIM_OK || i >= gf->kp.n_group)
		return NULL;
	g = &gf->kp.group[i];
	if (g->cut || !g->len || strlen((const char *)g->id) != g->len ||
	    !limf_printable(g->id, g->len))
		return NULL;
	return (const char *)g->id;
}

/* The first usable group ID of a GMK's key parameters, NULL when none is. */
static const char *kp_first(const struct mikey_gmk *gf)
{
	for (size_t i = 0; gf->kp_err == LIM_OK && i < gf->kp.n_group; i++)
		if (kp_group(gf, i))
			return kp_group(gf, i);
	return NULL;
}

/* Whether the GMK's key parameters name group g. */
static bool kp_names(const struct mikey_gmk *gf, const char *g)
{
	for (size_t i = 0; gf->kp_err == LIM_OK && i < gf->kp.n_group; i++)
		if (kp_group(gf, i) && strcmp(kp_group(gf, i), g) == 0)
			return true;
	return false;
}

/* The GMK of one distribution I_MESSAGE addressed to a target (km: what happened). The GMK
 * goes into the group table under each of its group IDs' coverage. */
static void gmk_keys(struct limf_pipe *p, struct pcall *pc, const struct party_set *s,
		     const struct cap_sip_msg *sm, const struct cap_mc_result *res,
		     const struct cap_mc_imsg *im, const struct mikey_msg *m, struct km_rec *km,
		     struct gmk_try *t)
{
	struct mikey_gmk gf;
	uint8_t ssv[SAKKE_SSV_LEN];
	struct cap_str cand[3];
	char mc_target[CAP_MC_TEXT], detail[WR_DETAIL_MAX + 1];
	const char *group = NULL;
	enum lim_err e;
	bool ok = true;

	memset(&gf, 0, sizeof gf);
	if (!p->have_cert)
		fetch_cert(p, wr_kms_decision_time(pc->d));
	if (!p->have_cert) {
		km_outcome(km, "kms-error");
		km->kerr = LIM_E_STATE;
		snprintf(km->detail, sizeof km->detail, "no KMS certificate");
		p->st.kms_fail++;
		goto out;
	}
	if (!cert_for_imsg(p, pc, m, km))
		goto out;
	copy_text(km->kms_uri, sizeof km->kms_uri, p->cert.kms_uri, strlen(p->cert.kms_uri));
	copy_text(mc_target, sizeof mc_target, res->mc_target.s, res->mc_target.len);
	cand[0] = res->to_uri;
	cand[1] = (struct cap_str){ mc_target, strlen(mc_target) };
	cand[2] = res->ruri;
	if (!member_of_imsg(p, pc->d, m, cand, 3, km->key_user, sizeof km->key_user)) {
		km_outcome(km, "no-responder");
		snprintf(km->detail, sizeof km->detail,
			 "no addressee of the message has the responder's identifier");
		goto out;
	}
	{
		/* the NOTIFY's From: the group management server */
		struct cap_text gms;
		const struct cap_text *gc = &gms;
		memset(&gms, 0, sizeof gms);
		copy_text(gms.s, sizeof gms.s, sm->from.uri.p, sm->from.uri.len);
		gms.len = strlen(gms.s);
		if (!unwrap_signed(p, pc, m, &gc, 1, false, "group management server", km, ssv))
			goto out;
	}
	e = mikey_gmk_facts(m, ssv, sizeof ssv, km->key_user, strlen(km->key_user), &gf);
	if (e != LIM_OK || gf.gmk_id_src == MIKEY_GMKID_NONE) {
		km_outcome(km, "unwrap-failed");
		snprintf(km->detail, sizeof km->detail, "GMK facts: %s",
			 e != LIM_OK ? lim_strerror(e) : "no GMK-ID");
		goto out;
	}
	/* the group: the key parameters' (signed), else the group document's. The document is
	 * the NOTIFY's body, which the signature does not cover: anyone on the path could file
	 * a genuine GMK under another group, and the group's media went undecrypted */
	group = kp_first(&gf);
	if (group) {
		/* a document group the signed parameters do not name is said and counted. The
		 * gate may then have let the distribution in on a group that is not the GMK's:
		 * the GMK is kept for a LIID in for a party other than a group (the member, the
		 * GMS) or for a group the signed parameters name, not for one in only for groups
		 * the document alone named */
		size_t other = SIZE_MAX;
		bool entitled = false;
		for (size_t d = 0; d < im->n_group; d++)
			if (!kp_names(&gf, im->group[d].s)) {
				other = d;
				break;
			}
		for (size_t i = 0; i < pc->n_liids && !entitled; i++)
			for (size_t k = 0; k < s->n && k < 64 && !entitled; k++)
				entitled = pc->liid[i].scope == WR_SCOPE_IRI_CC &&
					   (pc->liid[i].parties & (UINT64_C(1) << k)) &&
					   (s->src[k] != LIMF_MATCH_GROUP ||
					    (s->p[k].uri && kp_names(&gf, s->p[k].uri)));
		if (other != SIZE_MAX) {
			p->st.gmk_group_mismatch++;
			lim_warn("GMK-ID %08" PRIx32 ": the group document names %.80s, which the "
				 "GMK's signed key parameters do not (%.80s): %s",
				 gf.gmk_id, im->group[other].s, group,
				 entitled
					 ? "filed under theirs"
					 : "not kept (no warrant is on the member or their group)");
		}
		if (other != SIZE_MAX && !entitled) {
			/* (no-group: the GMK is of no group under warrant; the outcomes are the
			 * handover's enumeration, handover/pdu.c) */
			km_outcome(km, "no-group");
			snprintf(km->detail, sizeof km->detail,
				 "group document %.100s, signed key parameters %.100s: not kept",
				 im->group[other].s, group);
			goto out;
		}
	}
	if (!group && im->n_group)
		group = im->group[0].s;
	if (!group || !group[0]) {
		km_outcome(km, "no-group");
		snprintf(km->detail, sizeof km->detail, "GMK-ID %08" PRIx32 " names no group",
			 gf.gmk_id);
		goto out;
	}
	{
		/* an SRTP policy limf does not decrypt: said, and not audited as a use (not the
		 * default profile instead: its sessions would fail on every packet, unexplained) */
		struct mikey_srtp_key sk[MIKEY_MAX_KEYS];
		size_t nk = 0;
		enum lim_err ek =
			mikey_srtp_keys(m, gf.gmk, gf.gmk_len, MIKEY_SRTP_DEF_MCX_GMK, sk, &nk);
		mikey_srtp_keys_wipe(sk, MIKEY_MAX_KEYS);
		if (ek == LIM_E_UNSUPP) {
			km_outcome(km, "unwrap-failed");
			snprintf(km->detail, sizeof km->detail,
				 "GMK %08" PRIx32 ": its SRTP policy has no integrity or is not "
				 "one limf decrypts: not used",
				 gf.gmk_id);
			goto out;
		}
	}
	snprintf(detail, sizeof detail,
		 "gmk-id=%08" PRIx32 " guk-id=%08" PRIx32 " group=%s member=%s period=%" PRIu64
		 " signature=valid",
		 gf.gmk_id, gf.guk_id, group, km->key_user, km->view.key_period);
	audit_gmk(p, pc, detail, t, &ok);
	if (!ok) {
		km_outcome(km, "audit-error");
		km->kerr = LIM_E_DB;
		snprintf(km->detail, sizeof km->detail,
			 "the GMK could not be audited: not used (%s)", wr_db_msg(p->cfg.db));
		goto out;
	}
	{
		/* the group media's SRTP policy: the message's SP payload (TS 33.180:
		 * AEAD_AES_128_GCM with the RFC 4771 ROC, RCCm3; AES-CM where a deployment uses
		 * it), read through the crypto session mikey_srtp_keys derives (then wiped) */
		struct mikey_srtp_key sk[MIKEY_MAX_KEYS];
		size_t nk = 0;
		struct mikey_group_key gk = { .gmk_id = gf.gmk_id,
					      .gmk = gf.gmk,
					      .gmk_len = gf.gmk_len,
					      .rand = gf.rand,
					      .rand_len = gf.rand_len,
					      .prf = (enum mikey_prf)gf.prf,
					      .profile = LIM_SRTP_AEAD_AES_128_GCM,
					      .rcc_mode = LIM_SRTP_RCCM3,
					      .rcc_rate = roc_rate(m),
					      .group = group };
		enum lim_err ek =
			mikey_srtp_keys(m, gf.gmk, gf.gmk_len, MIKEY_SRTP_DEF_MCX_GMK, sk, &nk);
		if (ek == LIM_OK && nk > 0 && srtp_profile(&sk[0], &gk.profile))
			gk.rcc_mode = sk[0].auth_alg >= 2 && sk[0].auth_alg <= 4
					      ? sk[0].auth_alg - 1u
					      : (gk.profile == LIM_SRTP_AEAD_AES_128_GCM
							 ? LIM_SRTP_RCCM3
							 : LIM_SRTP_RCC_NONE);
		mikey_srtp_keys_wipe(sk, MIKEY_MAX_KEYS);
		pthread_mutex_lock(&p->g->mu);
		e = mikey_group_add_gmk(p->g->t, &gk);
		if (e != LIM_OK)
			pthread_mutex_unlock(&p->g->mu);
	}
	if (e == LIM_E_STATE) {
		/* (decrypt/group.h: a GMK-ID names one GMK; the signer may be any member) */
		km_outcome(km, "gmk-conflict");
		snprintf(km->detail, sizeof km->detail,
			 "refused: another GMK is in use under GMK-ID %08" PRIx32
			 " (forged by a member, or an ID collision), group %.80s",
			 gf.gmk_id, group);
		goto out;
	}
	if (e != LIM_OK) {
		km_outcome(km, "unwrap-failed");
		snprintf(km->detail, sizeof km->detail, "group table: %s", lim_strerror(e));
		goto out;
	}
	/* the member itself, and every group the GMK serves, are now known */
	if (mikey_group_add_member(p->g->t, group, km->key_user, strlen(km->key_user)) != LIM_OK)
		lim_warn("group %s: member %s not recorded", group, km->key_user);
	add_cover(p->g, group, km->key_user);
	if (kp_first(&gf)) {
		for (size_t i = 0; i < gf.kp.n_group; i++)
			if (kp_group(&gf, i) && kp_group(&gf, i) != group)
				add_cover(p->g, kp_group(&gf, i), km->key_user);
	} else {
		for (size_t i = 1; i < im->n_group; i++)
			add_cover(p->g, im->group[i].s, km->key_user);
	}
	pthread_mutex_unlock(&p->g->mu);
	groups_due(p);
	p->st.gmk_keys++;
	km->view.csb_id = gf.guk_id;
	km->view.n_keys = 1;
	km_outcome(km, "gmk");
	snprintf(km->detail, sizeof km->detail, "GMK-ID %08" PRIx32 " of group %.200s", gf.gmk_id,
		 group);
out:
	mikey_gmk_wipe(&gf);
	LIM_WIPE(ssv);
}

/* I_MESSAGE im of the GMK distribution in ev's SIP message (res: what cap_mc_extract found
 * there), addressed to a target (or naming a targeted group): through the gate like a call, at
 * ev's time (a retry's too: the warrants in force when it was sent), and with IRI+CC the
 * member's key fetched and the GMK kept (its use audited first). IRI: its own CIN, BEGIN the SIP
 * message (at ev's time), END the key-management record (at t_ns: ev's time, or a retry's).
 * Nothing at all for a message with no target. true when it failed for a reason that may pass
 * (the gate did not answer, no CIN; the KMS, its certificate, the key request's or the GMK's
 * audit row): handled again later (gmk_retry); a retry (retry) that fails so again hands
 * nothing over (its attempt is counted, its first failure was said and, when intercepted, IRI).
 * t: what the attempts before did (in and out). */
static bool gmk_one(struct limf_pipe *p, const struct cap_event *ev,
		    const struct cap_mc_result *res, const struct cap_mc_imsg *im, uint64_t t_ns,
		    bool retry, struct gmk_try *t)
{
	const struct cap_sip_msg *sm = ev->sip;
	struct mikey_msg *m = malloc(sizeof *m);
	struct pcall *pc = calloc(1, sizeof *pc);
	struct party_set *s = calloc(1, sizeof *s);
	struct km_rec *km = NULL;
	const char *why = NULL;
	bool again = false;
	if (!retry)
		p->st.gmk_seen++;
	if (!m || !pc || !s || mikey_parse(im->bytes, im->len, m) != LIM_OK ||
	    mikey_gmk_check(m, &why) != LIM_OK) {
		if (m && pc && s && !retry)
			p->st.gmk_bad++;
		again = !m || !pc || !s; /* (out of memory: may pass) */
		free(m);
		free(pc);
		free(s);
		return again;
	}
	fetch_cert(p, (int64_t)(ev->ts_ns / 1000));
	/* parties: the GMS (side 1), the addressee and the groups (side 2) */
	add_uri(s, sm->from.uri.p, sm->from.uri.len, 1, LIMF_MATCH_SIP_FROM);
	add_uri(s, res->to_uri.p, res->to_uri.len, 2, LIMF_MATCH_SIP_TO);
	add_uri(s, res->mc_target.s, res->mc_target.len, 2, LIMF_MATCH_MC_TARGET);
	add_imsg_ids(p, s, m, false);
	for (size_t g = 0; g < im->n_group; g++)
		add_uri(s, im->group[g].s, im->group[g].len, 2, LIMF_MATCH_GROUP);
	pc->gate_failed = t->said_gate; /* (a gate failure said once per distribution) */
	decide_parties(p, pc, NULL, s, ev->ts_ns);
	if (!pc->intercept) {
		again = pc->gate_failed || pc->cin_failed;
		t->said_gate |= pc->gate_failed;
		goto out;
	}
	if (!t->counted)
		p->st.gmk_intercepted++;
	t->counted = true;
	km = km_new(pc, false, t_ns);
	if (!km) {
		again = true; /* (out of memory) */
		goto out;
	}
	copy_text(km->side, sizeof km->side, "gmk", 3);
	id_text(km->initiator, sizeof km->initiator, mikey_initiator(m));
	id_text(km->responder, sizeof km->responder, mikey_responder(m));
	km->view.csb_id = m->csb_id;
	if (m->has_t && mikey_ts_iso8601(m->ts_type, m->ts, km->t) != LIM_OK)
		km->t[0] = '\0';
	km_t_offset(km, m, ev->ts_ns);
	if (pc->cc)
		gmk_keys(p, pc, s, sm, res, im, m, km, t);
	else
		km_outcome(km, "iri-only");
	km_finish(km);
	/* (no KMS configured: IRI only, as for a call; not a failure that passes) */
	again = p->ks->kms && keys_may_pass(km);
	t->recovered = strcmp(km->outcome, "gmk") == 0;
	if (again && !t->said_km)
		lim_warn("GMK distribution from %.*s to %s: %s (%s)", (int)sm->from.uri.len,
			 sm->from.uri.p, km->key_user[0] ? km->key_user : "a member", km->outcome,
			 km->detail);
	t->said_km |= again;
	if (!again || !retry) {
		struct limf_iri iri;
		sip_iri(&iri, ev);
		emit_iri(p, pc, &iri, false);
		memset(&iri, 0, sizeof iri);
		iri.kind = LIMF_IRI_KEYMGMT;
		iri.ts_ns = t_ns;
		iri.km = &km->view;
		emit_iri(p, pc, &iri, true);
	}
out:
	/* the distribution is over: its CIN's sequence counters go (the bundle's and the
	 * spools', pipeline.h cin_end), as a call's do when it is freed - else each one kept a
	 * counter for the rest of the run, and a long capture filled the tables */
	if (pc->cin && p->cfg.sink.cin_end)
		p->cfg.sink.cin_end(p->cfg.sink.ctx, pc->cin);
	pcall_free(p, pc);
	free(m);
	return again;
}

static void gmk_retry_free(struct limf_pipe *p, struct gmk_retry **link)
{
	struct gmk_retry *r = *link;
	*link = r->next;
	p->n_gmk_retry--;
	free(r->raw);
	lim_wipe(r, sizeof *r);
	free(r);
}

/* Says that the retries of r end (why) with I_MESSAGEs still failing, and frees it. */
static void gmk_give_up(struct limf_pipe *p, struct gmk_retry **link, const char *why)
{
	struct gmk_retry *r = *link;
	char when[40];
	limf_fmt_time(r->ts_ns, when, sizeof when);
	p->st.gmk_given_up++;
	lim_warn("GMK distribution of %s: %d of its I_MESSAGEs still fail, and it is NOT handled "
		 "again (%s): the group's content under warrant is missing until the group "
		 "management server sends its GMK again",
		 when, __builtin_popcount(r->todo), why);
	gmk_retry_free(p, link);
}

/* ev's GMK distribution, whose I_MESSAGEs todo (bit i: res->imsg[i]) failed for a reason that
 * may pass, kept to be handled again (gmk_again); t: what the attempt did for each. */
static void gmk_retry(struct limf_pipe *p, const struct cap_event *ev, uint32_t todo,
		      const struct gmk_try *t)
{
	struct gmk_retry *r = calloc(1, sizeof *r);
	if (!r || !(r->raw = malloc(ev->raw.len ? ev->raw.len : 1))) {
		free(r);
		p->st.gmk_given_up++;
		lim_warn("GMK distribution from %.*s: it failed, and it is NOT handled again (out "
			 "of memory): the group's content under warrant is missing until the group "
			 "management server sends its GMK again",
			 (int)ev->sip->from.uri.len, ev->sip->from.uri.p);
		return;
	}
	if (p->n_gmk_retry >= GMK_RETRY_MAX) {
		struct gmk_retry **oldest = &p->gmk_retries;
		while ((*oldest)->next)
			oldest = &(*oldest)->next;
		gmk_give_up(p, oldest, "more distributions wait for a retry than are kept");
	}
	memcpy(r->raw, ev->raw.p, ev->raw.len);
	r->len = ev->raw.len;
	r->pkt = *ev->pkt;
	r->pkt.payload = (struct lim_rd){ NULL, 0 };
	r->pkt.ip_payload = (struct lim_rd){ NULL, 0 };
	r->over_tcp = ev->over_tcp;
	r->ts_ns = ev->ts_ns;
	r->todo = todo;
	memcpy(r->t, t, sizeof r->t);
	r->at = backoff_next(&r->b, (int64_t)(ev->ts_ns / 1000));
	r->next = p->gmk_retries;
	p->gmk_retries = r;
	p->n_gmk_retry++;
	if (p->n_gmk_retry == 1 || r->at < p->gmk_retry_at)
		p->gmk_retry_at = r->at;
	lim_warn("GMK distribution from %.*s: %d of its I_MESSAGEs failed for a reason that may "
		 "pass (see above): handled again after 1, 2, 4, 8, then every 16 s, for an hour",
		 (int)ev->sip->from.uri.len, ev->sip->from.uri.p, __builtin_popcount(todo));
}

/* Whether a key request of this process failed in transport less than KMS_HOLD_US ago. */
static bool kms_held(const struct limf_pipe *p)
{
	int64_t failed = atomic_load(&p->ks->kms_io_failed);
	return failed && (int64_t)lim_mono_us() - failed < KMS_HOLD_US;
}

/* The GMK distributions kept by gmk_retry whose attempt is due at now_ns (capture time): each
 * handled again from its SIP message (gmk_one). Within the live service's budget
 * (late_budget) a second; while a key request failed in transport a moment ago (kms_held),
 * not tried. */
static void gmk_again(struct limf_pipe *p, uint64_t now_ns)
{
	int64_t t_us = (int64_t)(now_ns / 1000);
	struct cap_sip_msg *sm = NULL;
	p->gmk_retry_at = INT64_MAX;
	for (struct gmk_retry **link = &p->gmk_retries; *link;) {
		struct gmk_retry *r = *link;
		struct cap_mc_result *res = p->mc;
		struct cap_event ev;
		uint32_t left;
		bool parsed;
		if (r->at <= t_us && t_us - (int64_t)(r->ts_ns / 1000) >= GMK_RETRY_FOR_US) {
			gmk_give_up(p, link, "an hour of retries");
			continue;
		}
		if (r->at > t_us || p->late_budget == 0 || kms_held(p) ||
		    (!sm && !(sm = malloc(sizeof *sm)))) {
			if (r->at <= t_us && p->late_budget != 0)
				r->at = backoff_next(&r->b, t_us); /* (held, or no memory) */
			if (r->at < p->gmk_retry_at)
				p->gmk_retry_at = r->at; /* (one kept for the budget: due now) */
			link = &r->next;
			continue;
		}
		if (p->late_budget > 0)
			p->late_budget--;
		memset(&ev, 0, sizeof ev);
		ev.type = CAP_EV_SIP;
		ev.ts_ns = r->ts_ns;
		ev.pkt = &r->pkt;
		ev.sip = sm;
		ev.raw = (struct lim_rd){ r->raw, r->len };
		ev.over_tcp = r->over_tcp;
		/* (the same octets cap_sip_parse and cap_mc_extract took the first time) */
		parsed = cap_sip_parse(r->raw, r->len, sm) == LIM_OK &&
			 (cap_mc_extract(sm, res) == LIM_OK || res->n_imsg);
		left = parsed ? 0 : r->todo; /* (out of memory, say: again later) */
		for (size_t i = 0; parsed && i < res->n_imsg && i < CAP_MC_MAX_IMSG; i++) {
			uint32_t bit = UINT32_C(1) << i;
			if (!(r->todo & bit))
				continue;
			if (kms_held(p) ||
			    gmk_one(p, &ev, res, &res->imsg[i], now_ns, true, &r->t[i]))
				left |= bit;
			else if (r->t[i].recovered)
				lim_info("GMK distribution from %.*s: GMK recovered on a retry",
					 (int)sm->from.uri.len, sm->from.uri.p);
		}
		memset(res, 0, sizeof *res);
		r->todo = left;
		if (!left) {
			gmk_retry_free(p, link);
			continue;
		}
		r->at = backoff_next(&r->b, t_us);
		if (r->at < p->gmk_retry_at)
			p->gmk_retry_at = r->at;
		link = &r->next;
	}
	free(sm);
}

/* A SIP message that may carry GMK distributions (TS 33.180 s5.7: a NOTIFY of the group
 * document, TS 24.481 <GKTP>): each I_MESSAGE goes through gmk_one; those that failed for a
 * reason that may pass are handled again later (gmk_retry). */
static void on_gmk_sip(struct limf_pipe *p, const struct cap_event *ev)
{
	const struct cap_sip_msg *sm = ev->sip;
	struct cap_mc_result *res = p->mc;
	struct gmk_try t[CAP_MC_MAX_IMSG];
	uint32_t todo = 0;
	if (!sm || sm->body.len == 0 || sm->content_type.len == 0 || !res)
		return;
	if (cap_mc_extract(sm, res) != LIM_OK && res->n_imsg == 0)
		return;
	memset(t, 0, sizeof t);
	for (size_t i = 0; i < res->n_imsg && i < CAP_MC_MAX_IMSG; i++)
		if (gmk_one(p, ev, res, &res->imsg[i], ev->ts_ns, false, &t[i]))
			todo |= UINT32_C(1) << i;
	/* the I_MESSAGE copies in the scratch are public, but do not keep them around */
	memset(res, 0, sizeof *res);
	if (todo)
		gmk_retry(p, ev, todo, t);
}

/* ---- media ------------------------------------------------------------------------------- */

/* Whether stream slot b ever authenticated a packet (bound, or decrypted before a re-key). */
static bool ssrc_proven(const struct ssrc_bind *b)
{
	return b->set >= 0 || b->st.decrypted || b->st.replayed;
}

/* The stream slot of ssrc, made on its first packet. A slot is made before any key has
 * authenticated the SSRC (its failures are counted per stream), so when all
 * LIMF_CALL_MAX_STREAMS are taken, the least recently seen slot that never authenticated is
 * taken back (counted in the call's streams/packets_unauthenticated): otherwise 16 junk SSRCs
 * sent to the call's ports would leave no slot for the target's real streams, which start,
 * change SSRC or join late after them. With none such, the least recently seen slot idle for
 * SSRC_IDLE packets of the call is taken (its stream kept for the summary). NULL when every
 * slot has authenticated and none is idle. */
static struct ssrc_bind *ssrc_of(struct pcall *pc, uint32_t ssrc, uint8_t dir)
{
	struct ssrc_bind *b = NULL;
	for (size_t i = 0; i < pc->n_ssrc; i++)
		if (pc->ssrc[i].st.ssrc == ssrc) {
			pc->ssrc[i].seen = ++pc->ssrc_clock;
			return &pc->ssrc[i];
		}
	if (pc->n_ssrc < LIMF_CALL_MAX_STREAMS) {
		b = &pc->ssrc[pc->n_ssrc++];
	} else {
		for (size_t i = 0; i < pc->n_ssrc; i++)
			if (!ssrc_proven(&pc->ssrc[i]) && (!b || pc->ssrc[i].seen < b->seen))
				b = &pc->ssrc[i];
		if (b) {
			pc->streams_unauth++;
			pc->packets_unauth += b->st.auth_failed + b->st.other_failed;
		} else {
			/* every slot authenticated: the least recently seen of those idle for
			 * SSRC_IDLE packets of the call goes, its counters kept for the summary
			 * (before, a group call's 17th talker, or a 9th SSRC change each way, was
			 * not decrypted for the rest of the call) */
			for (size_t i = 0; i < pc->n_ssrc; i++)
				if (pc->ssrc_clock - pc->ssrc[i].seen >= SSRC_IDLE &&
				    (!b || pc->ssrc[i].seen < b->seen))
					b = &pc->ssrc[i];
			if (!b)
				return NULL;
			if (pc->n_old_st < STREAMS_OLD_MAX &&
			    (pc->old_st ||
			     (pc->old_st = calloc(STREAMS_OLD_MAX, sizeof *pc->old_st))))
				pc->old_st[pc->n_old_st++] = b->st;
			else {
				pc->streams_not_listed++;
				pc->not_listed.decrypted += b->st.decrypted;
				pc->not_listed.auth_failed += b->st.auth_failed;
				pc->not_listed.replayed += b->st.replayed;
				pc->not_listed.other_failed += b->st.other_failed;
			}
		}
	}
	memset(b, 0, sizeof *b);
	b->seen = ++pc->ssrc_clock;
	b->st.ssrc = ssrc;
	b->st.dir = dir;
	b->set = -1;
	return b;
}

/* Tries one session on a fresh copy of the packet. */
static enum lim_err try_session(struct limf_pipe *p, struct lim_srtp *s, const struct lim_rd *pkt,
				size_t *len)
{
	memcpy(p->buf, pkt->p, pkt->len);
	*len = pkt->len;
	return lim_srtp_unprotect(s, p->buf, len);
}

/* try_session with the packet's ROC estimated as if its stream's highest index were roc || seq
 * (lim_srtp_unprotect_from: a failed try leaves the session as it was). */
static enum lim_err try_session_from(struct limf_pipe *p, struct lim_srtp *s,
				     const struct lim_rd *pkt, size_t *len, uint32_t roc,
				     uint16_t seq)
{
	memcpy(p->buf, pkt->p, pkt->len);
	*len = pkt->len;
	return lim_srtp_unprotect_from(s, p->buf, len, roc, seq);
}

/* A call intercepted in progress (3a): its streams' sequence numbers may have wrapped since
 * the ROC its I_MESSAGE gave (RFC 3711 s3.3.1: no packet says; at 50 packets a second a
 * stream wraps at least every 22 min, and its first wrap may come at any packet), so an SSRC
 * no session authenticates yet is tried with the ROCs 1..LATE_ROC_MAX (a call some hours
 * old). A session that authenticates it under one binds it. Each try starts the estimate at
 * that ROC and the packet's own sequence number (lim_srtp_unprotect_from), which leaves the
 * session as it was when the packet fails: an SSRC no session authenticates stays in none of
 * their ROC tables. (Before, each try pinned the SSRC's ROC in every session, and junk SSRCs
 * sent to the media port filled the tables, LIM_SRTP_STREAMS_MAX each, for the life of the
 * keys: a real stream's late try then found no room and was never decrypted.) */
#define LATE_ROC_MAX 8

static bool late_roc(struct limf_pipe *p, struct pcall *pc, struct ssrc_bind *b,
		     const struct lim_rd *pkt, size_t *len)
{
	uint16_t seq;
	if (pkt->len < 4)
		return false;
	seq = rtp_seq(pkt);
	for (uint32_t r = 1; r <= LATE_ROC_MAX; r++)
		for (size_t k = 0; k < pc->n_ks; k++)
			for (size_t i = 0; i < pc->ks[k].n; i++) {
				if (try_session_from(p, pc->ks[k].s[i], pkt, len, r, seq) ==
				    LIM_OK) {
					b->set = (int)k;
					b->idx = (int)i;
					return true;
				}
			}
	return false;
}

/* A re-key: the stream's ROC goes on under the new keys (RFC 3711 s3.3.1), but when the new
 * I_MESSAGE does not give it (the empty map of a TS 33.180 private call, or a GENERIC-ID map)
 * and no packet carries it (no RCC), the new sets' sessions, which have not seen the SSRC,
 * start it at 0: once the stream has wrapped, every packet after the re-key failed. So a
 * stream bound to an older set that the newer sets' sessions do not authenticate is tried
 * there from the ROC and sequence number its bound session has reached (the RFC 3711
 * Appendix A estimate from them also covers a wrap between its last old-key packet and this
 * one, and reordering around it). One authenticating it binds it; a failed try leaves the
 * sessions as they were. */
static bool carry_roc(struct limf_pipe *p, struct pcall *pc, struct ssrc_bind *b, uint32_t ssrc,
		      const struct lim_rd *pkt, size_t *len)
{
	uint32_t roc = 0;
	uint16_t seq = 0;
	if (lim_srtp_get_roc(pc->ks[b->set].s[b->idx], ssrc, &roc, &seq) != LIM_OK)
		return false;
	for (size_t k = 0; k < (size_t)b->set; k++) /* the newer sets, newest first */
		for (size_t i = 0; i < pc->ks[k].n; i++) {
			if (try_session_from(p, pc->ks[k].s[i], pkt, len, roc, seq) == LIM_OK) {
				b->set = (int)k;
				b->idx = (int)i;
				return true;
			}
		}
	return false;
}

/* A gap in the capture (an outage at the interception point) longer than half the sequence
 * numbers of a bound stream with no ROC in its packets: the RFC 3711 Appendix A estimate from
 * the last packet seen is then a ROC or more short, and the bound session calls every later
 * packet too old (LIM_E_STATE) or forged, for good. So a bound stream's packet that its
 * session refused is tried there with the next ROCs, 1..LATE_ROC_MAX past the highest it
 * reached, the packet's own sequence number (lim_srtp_unprotect_from: a failed try leaves the
 * session as it was; only the right ROC authenticates). At most once every GAP_RETRY_NS of a
 * stream's capture time: a flood of forged or replayed packets with its SSRC costs little, and
 * a real stream after an outage is back within about a second. */
static bool gap_roc(struct limf_pipe *p, struct pcall *pc, struct ssrc_bind *b, uint32_t ssrc,
		    const struct lim_rd *pkt, size_t *len)
{
	struct lim_srtp *s = pc->ks[b->set].s[b->idx];
	uint32_t roc = 0;
	uint16_t hs = 0, seq;
	if (pkt->len < 4 || lim_srtp_get_roc(s, ssrc, &roc, &hs) != LIM_OK)
		return false;
	seq = rtp_seq(pkt);
	for (uint32_t r = 1; r <= LATE_ROC_MAX && roc + r > roc; r++)
		if (try_session_from(p, s, pkt, len, roc + r, seq) == LIM_OK)
			return true;
	return false;
}

/* Counts an unprotect that failed (replayed, failed authentication, other) on stream b; true
 * when e is LIM_OK. */
static bool counted(struct limf_pipe *p, struct ssrc_bind *b, enum lim_err e)
{
	if (e == LIM_E_STATE) {
		b->st.replayed++;
		p->st.replayed++;
	} else if (e != LIM_OK) {
		if (e == LIM_E_AUTH)
			b->st.auth_failed++;
		else
			b->st.other_failed++;
		p->st.auth_failed++;
	}
	return e == LIM_OK;
}

/* The clear RTP packet in p->buf[0..len) of stream b goes to every LIID with content but those
 * of had (bit i: pc->liid[i] has had it, from another leg of a group call: group_had).
 * talker/guk_id: group media's talker (NULL/0 otherwise). */
static void hand_cc(struct limf_pipe *p, struct pcall *pc, const struct cap_event *ev,
		    struct ssrc_bind *b, size_t len, const char *talker, uint32_t guk_id,
		    uint32_t had)
{
	const struct cap_media_pkt *mp = &ev->media;
	b->st.decrypted++;
	p->st.decrypted++;
	if (len < 12)
		return;
	b->st.pt = p->buf[1] & 0x7f;
	for (size_t i = 0; i < pc->n_liids; i++) {
		struct liid_state *l = &pc->liid[i];
		struct limf_cc cc;
		uint8_t sender = mp->dir == CAP_DIR_TO_ANSWERER ? 1 : 2;
		if (!takes_cc(l, ev->ts_ns) || (had & (UINT32_C(1) << i)))
			continue;
		memset(&cc, 0, sizeof cc);
		cc.liid = l->liid;
		cc.delivery = l->delivery;
		cc.cin = pc->cin;
		cc.ts_ns = ev->ts_ns;
		cc.from_target = (l->target_side & sender) != 0;
		cc.dir = mp->dir;
		cc.src = ev->pkt->src;
		cc.dst = ev->pkt->dst;
		cc.sport = ev->pkt->sport;
		cc.dport = ev->pkt->dport;
		cc.rtp = p->buf;
		cc.len = len;
		cc.ssrc = mp->ssrc;
		cc.seq = (uint16_t)(p->buf[2] << 8 | p->buf[3]);
		cc.rtp_ts = (uint32_t)p->buf[4] << 24 | (uint32_t)p->buf[5] << 16 |
			    (uint32_t)p->buf[6] << 8 | p->buf[7];
		cc.pt = p->buf[1] & 0x7f;
		cc.call = ev->call;
		cc.talker = talker;
		cc.guk_id = guk_id;
		l->delivered++;
		p->st.cc_out++;
		if (p->cfg.sink.cc)
			p->cfg.sink.cc(p->cfg.sink.ctx, &cc);
	}
}

/* The audit detail of the use of GMK gmk_id for group call pc (group: its group ID). */
static void gmk_use_detail(const struct pcall *pc, const struct cap_call *call, const char *group,
			   uint32_t gmk_id, char *detail, size_t cap)
{
	snprintf(detail, cap,
		 "cin=%" PRIu32 " call-id=%.*s group=%s gmk-id=%08" PRIx32 " (group media)",
		 pc->cin, (int)call->call_id.len, call->call_id.s, group, gmk_id);
}

static bool gmk_audited(const struct pcall *pc, uint32_t gmk_id)
{
	for (size_t i = 0; i < pc->n_gmk_audited; i++)
		if (pc->gmk_audited[i] == gmk_id)
			return true;
	return false;
}

/* Invariant 2 for group media: the first use of a GMK (of this call's group) for a call is on
 * the audit log of every LIID with content before anything is decrypted with it; the call's
 * media is decrypted with those GMKs only (gmk_audited). false: a row not written. */
static bool audit_group_use(struct limf_pipe *p, struct pcall *pc, const struct cap_call *call,
			    uint32_t gmk_id)
{
	char detail[WR_DETAIL_MAX + 1];
	if (gmk_audited(pc, gmk_id) || pc->n_gmk_audited == GMK_AUDITED_MAX)
		return false; /* (the caller's error: it asks for a new one, with room) */
	gmk_use_detail(pc, call, pc->group, gmk_id, detail, sizeof detail);
	if (pc->group_written_gmk != gmk_id)
		pc->group_written = 0;
	pc->group_written_gmk = gmk_id;
	if (audit_rows(p, pc, "decrypt.keys", detail, &pc->group_written) != 0)
		return false;
	pc->gmk_audited[pc->n_gmk_audited++] = gmk_id;
	pc->n_keysets++; /* a "decrypt.done" row follows at the end */
	return true;
}

/* Floor control of a group call (TS 24.380 s8.2, RTCP APP "MCPT"), when visible in the clear:
 * each message is an IRI record (kind group, event floor-request / floor-granted / ...; the
 * talker: the User ID or Granted Party's Identity it carries, "" when it names none), so the
 * authority can tell who asked for, got and released the floor. Not handed over as CC. */
static void on_floor(struct limf_pipe *p, struct pcall *pc, const struct cap_event *ev)
{
	const struct cap_media_pkt *mp = &ev->media;
	struct cap_floor_msg *fm = malloc(sizeof *fm);
	if (!fm)
		return;
	if (cap_floor_parse(mp->packet.p, mp->packet.len, fm) != LIM_OK) {
		p->st.floor_bad++;
		free(fm);
		return;
	}
	for (size_t i = 0; i < fm->n; i++) {
		const struct cap_floor_one *f = &fm->m[i];
		struct limf_group_ev g;
		struct limf_iri iri;
		char detail[96];
		memset(&g, 0, sizeof g);
		g.event = cap_floor_name(f->subtype);
		g.group = pc->group;
		g.talker = CAP_FLOOR_HAS(f, CAP_FLOOR_FLD_USER_ID)         ? f->user_id.s
			   : CAP_FLOOR_HAS(f, CAP_FLOOR_FLD_GRANTED_PARTY) ? f->granted_party.s
									   : "";
		g.ssrc = CAP_FLOOR_HAS(f, CAP_FLOOR_FLD_SSRC) ? f->field_ssrc : f->ssrc;
		snprintf(detail, sizeof detail, "%s%s",
			 mp->dir == CAP_DIR_TO_ANSWERER ? "towards the answerer"
							: "towards the offerer",
			 f->ack_req ? ", acknowledgement requested" : "");
		g.detail = detail;
		g.authenticated = false; /* clear RTCP APP: no integrity check */
		memset(&iri, 0, sizeof iri);
		iri.kind = LIMF_IRI_GROUP;
		iri.ts_ns = ev->ts_ns;
		iri.call = ev->call;
		iri.grp = &g;
		p->st.floor_msgs++;
		emit_iri(p, pc, &iri, false);
	}
	free(fm);
}

/* The leg of pc's talker sessions in the group table (decrypt/group.h), given at first use.
 * Under g->mu. */
static uint64_t group_leg(struct limf_pipe *p, struct pcall *pc)
{
	if (!pc->group_leg)
		pc->group_leg = ++p->g->next_leg;
	return pc->group_leg;
}

/* pc's talker sessions in the group table wiped and freed (a leg of its own if it has group
 * media again). Not under g->mu. */
static void group_leg_drop(struct limf_pipe *p, struct pcall *pc)
{
	if (!pc->group_leg)
		return;
	pthread_mutex_lock(&p->g->mu);
	(void)mikey_group_drop_leg(p->g->t, pc->group_leg);
	pthread_mutex_unlock(&p->g->mu);
	pc->group_leg = 0;
}

/* The LIIDs of pc (bit i: pc->liid[i]) taking content at ts_ns (*takes), and of those the ones
 * that have had the group packet of talker who already, from another leg (returned); the
 * others are marked as having had it. Under g->mu. A LIID whose entry cannot be made counts as
 * not having had it. */
static uint32_t group_had(struct limf_pipe *p, struct pcall *pc,
			  const struct mikey_group_talker *who, uint32_t ssrc, uint64_t ts_ns,
			  uint32_t *takes)
{
	uint32_t had = 0;
	uint64_t ev0 = limf_had_evicted(p->g->had);
	*takes = 0;
	for (size_t i = 0; i < pc->n_liids && i < 32; i++) {
		if (!takes_cc(&pc->liid[i], ts_ns))
			continue;
		*takes |= UINT32_C(1) << i;
		if (limf_had_mark(p->g->had, pc->liid[i].liid, who->gmk_id, who->guk_id, ssrc,
				  who->index, ts_ns))
			had |= UINT32_C(1) << i;
	}
	p->st.group_had_evicted += limf_had_evicted(p->g->had) - ev0;
	return had;
}

/* A talker's SRTCP on a group call's media (its key, the MKI before the tag): verified and
 * counted like the SRTCP of private calls, not handed over (TS 102 232-5 IPMMCC carries RTP). */
static void on_group_rtcp(struct limf_pipe *p, struct pcall *pc, const struct cap_event *ev)
{
	const struct cap_media_pkt *mp = &ev->media;
	struct mikey_group_talker who;
	size_t len = mp->packet.len;
	if (len > sizeof p->buf)
		return;
	memcpy(p->buf, mp->packet.p, len);
	pthread_mutex_lock(&p->g->mu);
	/* with the GMKs whose use for this call is audited only (on_group_media) */
	if (mikey_group_unprotect_rtcp_with(p->g->t, group_leg(p, pc), pc->group, pc->gmk_audited,
					    pc->n_gmk_audited, p->buf, &len, ev->ts_ns,
					    &who) == LIM_OK)
		p->st.group_srtcp++;
	else
		p->st.group_srtcp_failed++;
	pthread_mutex_unlock(&p->g->mu);
	lim_wipe(p->buf, mp->packet.len);
}

/* Group media (TS 33.180): the MKI names the GMK and the talker; the GMK must serve this
 * call's group. Each talker's first packet on an SSRC (or a new GMK) is an IRI record, and so
 * is the first packet a LIID gets (to it alone) when it has had no record yet. */
static void on_group_media(struct limf_pipe *p, struct pcall *pc, const struct cap_event *ev)
{
	const struct cap_media_pkt *mp = &ev->media;
	struct mikey_group_talker who;
	struct ssrc_bind *b;
	size_t len = mp->packet.len;
	enum lim_err e = LIM_E_AUTH;
	char talker[MIKEY_GROUP_ID_MAX];
	uint32_t had = 0, takes = 0; /* (group_had) */
	int64_t t_us = (int64_t)(ev->ts_ns / 1000);
	if (len > sizeof p->buf || (pc->group_audit_at && t_us < pc->group_audit_at)) {
		pc->media_undecrypted++;
		return;
	}
	b = ssrc_of(pc, mp->ssrc, mp->dir);
	if (!b) {
		pc->media_undecrypted++;
		return;
	}
	if (len >= 2 && mp->packet.p[1] >= 192 && mp->packet.p[1] <= 223) {
		/* RTCP on the floor-control port (RFC 5761 s4 demultiplexing): floor control,
		 * not media */
		on_floor(p, pc, ev);
		return;
	}
	memcpy(p->buf, mp->packet.p, len);
	/* the group table is shared by the pool's workers: held for the decryption only, never
	 * over an audit row; who's strings live in the table, so the talker's URI is copied out
	 * (the group is this call's) before the hand-over. A GMK not yet used for this call is
	 * audited first (invariant 2): till then nothing is decrypted with it */
	for (int pass = 0;; pass++) {
		uint32_t gmk_id = 0;
		bool audit = false, full = false;
		pthread_mutex_lock(&p->g->mu);
		/* every GMK of the group the packet's MKIs name is audited before the first try
		 * (mikey_group_which_new: not the first alone, which a decoy GMK distributed for
		 * the group could be), then all of them are tried */
		if (!mikey_group_which(p->g->t, p->buf, len, false, ev->ts_ns, pc->group, &gmk_id))
			e = LIM_E_AUTH; /* no GMK of this call's group: not its media */
		else if (pass <= GMK_AUDITED_MAX && pc->n_gmk_audited < GMK_AUDITED_MAX &&
			 mikey_group_which_new(p->g->t, p->buf, len, false, ev->ts_ns, pc->group,
					       pc->gmk_audited, pc->n_gmk_audited, &gmk_id))
			audit = true;
		else if (pc->n_gmk_audited == GMK_AUDITED_MAX &&
			 mikey_group_which_new(p->g->t, p->buf, len, false, ev->ts_ns, pc->group,
					       pc->gmk_audited, pc->n_gmk_audited, &gmk_id)) {
			/* a GMK past those the call audits: the audited ones are still tried (one
			 * of them may be the packet's, beside a decoy); not decrypted by them, the
			 * packet counts as media without a key, not as failed */
			e = mikey_group_unprotect_with(p->g->t, group_leg(p, pc), pc->group,
						       pc->gmk_audited, pc->n_gmk_audited, p->buf,
						       &len, ev->ts_ns, &who);
			full = e != LIM_OK;
		} else
			e = mikey_group_unprotect_with(p->g->t, group_leg(p, pc), pc->group,
						       pc->gmk_audited, pc->n_gmk_audited, p->buf,
						       &len, ev->ts_ns, &who);
		if (e == LIM_OK) /* (with this group's GMKs alone: _with) */
			had = group_had(p, pc, &who, mp->ssrc, ev->ts_ns, &takes);
		if (e == LIM_OK) {
			copy_text(talker, sizeof talker, who.uri ? who.uri : "",
				  who.uri ? strlen(who.uri) : 0);
			who.uri = who.uri ? talker : NULL;
			who.group = pc->group;
		}
		pthread_mutex_unlock(&p->g->mu);
		if (full) {
			if (!pc->said_gmk_full)
				lim_warn("group call of %s: more than %d GMKs in use: the media of "
					 "a "
					 "further one is not decrypted",
					 pc->group, GMK_AUDITED_MAX);
			pc->said_gmk_full = true;
			pc->media_undecrypted++;
			return;
		}
		if (!audit)
			break;
		if (pc->n_gmk_audited == GMK_AUDITED_MAX) { /* (cannot: which_new not asked then) */
			pc->media_undecrypted++;
			return;
		}
		if (!audit_group_use(p, pc, ev->call, gmk_id)) {
			if (!pc->group_retry.n)
				lim_warn(
					"audit: %s: group media of %s not decrypted or handed over "
					"(the row is tried again while the call goes on, after 1, "
					"2, 4, 8, then every 16 s)",
					wr_db_msg(p->cfg.db), pc->group);
			pc->group_audit_at = backoff_next(&pc->group_retry, t_us);
			pc->media_undecrypted++;
			return;
		}
		pc->group_audit_at = 0;
		pc->group_retry.n = 0;
	}
	if (!counted(p, b, e))
		return;
	ev->call->media_ok = true;
	if (!(takes & ~had)) {
		/* a copy every LIID here has had from another leg: as a replay */
		b->st.replayed++;
		p->st.replayed++;
		p->st.group_copies++;
		return;
	}
	p->st.group_decrypted++;
	/* a LIID with content that has had no record yet (it joined the call, or came back)
	 * learns of the talker before its first packet: its BEGIN */
	uint32_t unbegun = 0;
	for (size_t i = 0; i < pc->n_liids; i++)
		if (pc->liid[i].scope == WR_SCOPE_IRI_CC && !pc->liid[i].began &&
		    !pc->liid[i].out_of_force && !pc->liid[i].ended)
			unbegun |= UINT32_C(1) << i;
	bool told = b->talker_told && b->gmk_id == who.gmk_id && b->guk_id == who.guk_id;
	if (!told || unbegun) {
		struct limf_group_ev g;
		struct limf_iri iri;
		char detail[96];
		b->talker_told = true;
		b->gmk_id = who.gmk_id;
		b->guk_id = who.guk_id;
		snprintf(detail, sizeof detail, "%s",
			 who.uri ? "" : "no member of the group known here has this GUK-ID");
		memset(&g, 0, sizeof g);
		g.event = "talker";
		g.group = who.group;
		g.talker = who.uri ? who.uri : "";
		g.gmk_id = who.gmk_id;
		g.guk_id = who.guk_id;
		g.ssrc = mp->ssrc;
		g.detail = detail;
		g.authenticated = true; /* its SRTP packet verified under the GMK */
		memset(&iri, 0, sizeof iri);
		iri.kind = LIMF_IRI_GROUP;
		iri.ts_ns = ev->ts_ns;
		iri.call = ev->call;
		iri.grp = &g;
		emit_iri_to(p, pc, &iri, false, told ? unbegun : 0);
	}
	hand_cc(p, pc, ev, b, len, who.uri ? who.uri : "", who.guk_id, had);
}

static enum lim_err media_unprotect(struct limf_pipe *p, struct pcall *pc,
				    const struct cap_media_pkt *mp, uint64_t ts_ns,
				    struct ssrc_bind *b, size_t *lenp, bool *skipped);
static void held_add(struct pcall *pc, const struct cap_event *ev);

/* Whether some LIID of pc takes content stamped ts_ns (takes_cc). */
static bool cc_wanted_at(const struct pcall *pc, uint64_t ts_ns)
{
	for (size_t i = 0; i < pc->n_liids; i++)
		if (takes_cc(&pc->liid[i], ts_ns))
			return true;
	return false;
}

static void on_media(struct limf_pipe *p, struct pcall *pc, const struct cap_event *ev)
{
	const struct cap_media_pkt *mp = &ev->media;
	struct ssrc_bind *b;
	size_t len = 0;
	enum lim_err e;
	bool skipped;
	if (mp->rtcp && pc->group[0] && pc->n_ks == 0) {
		const struct cap_call_sdp *sd =
			mp->side == 0 ? &ev->call->offer : &ev->call->answer;
		if (mp->stream < sd->n_media && strcmp(sd->media[mp->stream].media, "audio") == 0)
			on_group_rtcp(p, pc, ev); /* a talker's SRTCP */
		else
			on_floor(p, pc, ev); /* floor control (clear RTCP APP) */
		return;
	}
	if (mp->rtcp)
		return; /* SRTCP is not handed over (RTP only, TS 102 232-5 IPMMCC rtpFrame) */
	if (!cc_wanted_at(pc, ev->ts_ns))
		return; /* stamped before every LIID's stretch: nobody's content, not decrypted */
	p->st.media_target++;
	if (pc->group[0] && pc->n_ks == 0) {
		on_group_media(p, pc, ev);
		return;
	}
	if (pc->n_ks == 0 || mp->packet.len > sizeof p->buf) {
		pc->media_undecrypted++;
		return;
	}
	b = ssrc_of(pc, mp->ssrc, mp->dir);
	if (!b) {
		pc->media_undecrypted++;
		return;
	}
	e = media_unprotect(p, pc, mp, ev->ts_ns, b, &len, &skipped);
	if (e == LIM_OK || e == LIM_E_STATE)
		b->misses = 0;
	else if (b->misses < SSRC_TRIALS_MAX)
		b->misses++;
	if (e == LIM_E_AUTH && !skipped && !pc->group[0])
		held_add(pc, ev); /* (counted failed all the same: it was, when it came) */
	if (!counted(p, b, e))
		return;
	ev->call->media_ok = true; /* (an ended call lingers on for it: capture.h) */
	pc->ks[b->set].proven = true;
	hand_cc(p, pc, ev, b, len, NULL, 0, 0);
}

/* Packet mp of stream b through the call's key sets (the bound session, the others newest
 * first, carry_roc, late_roc); the clear RTP in p->buf[0..*len) on LIM_OK, which binds b.
 * *skipped: not tried, b having failed SSRC_TRIALS_MAX times under these keys. */
static enum lim_err media_unprotect(struct limf_pipe *p, struct pcall *pc,
				    const struct cap_media_pkt *mp, uint64_t ts_ns,
				    struct ssrc_bind *b, size_t *lenp, bool *skipped)
{
	enum lim_err e = LIM_E_AUTH;
	bool done = false;
	size_t len = 0, sets = pc->n_ks; /* the key sets searched below */
	int set0 = b->set, idx0 = b->idx;
	*skipped = false;
	if (b->set >= 0 && (size_t)b->set < pc->n_ks) {
		e = try_session(p, pc->ks[b->set].s[b->idx], &mp->packet, &len);
		done = e == LIM_OK;
		/* a replay to the bound session, or a packet behind its window: libsrtp2 reads
		 * the window before the tag (and, without an MKI, cannot tell another key's
		 * packet), so it may be a packet of newer keys numbered behind the old ones (a
		 * sender that numbers again with a re-key): those are tried, no other set. A
		 * replayed packet fails them all and stays a replay */
		if (e == LIM_E_STATE)
			sets = (size_t)b->set;
		done = done || (e == LIM_E_STATE && sets == 0);
	}
	if (b->ks_gen != pc->ks_gen) { /* new keys: a stream that failed gets tried again */
		b->ks_gen = pc->ks_gen;
		b->misses = 0;
		b->carries = 0;
	}
	if (!done && b->misses >= SSRC_TRIALS_MAX) {
		/* over the cap: the newest key set's sessions still (as many tries as a packet
		 * costs anyway), the sweep of the older sets, carry_roc and late_roc not. A flood
		 * of forged packets with a target stream's SSRC (in clear in every packet) keeps
		 * its count at the cap: before, every packet of the stream was then skipped, its
		 * first under a re-key's keys, or all of one not bound yet, until the next keys */
		for (size_t i = 0; !done && pc->n_ks > 0 && i < pc->ks[0].n; i++) {
			if (b->set == 0 && (int)i == b->idx)
				continue;
			if (try_session(p, pc->ks[0].s[i], &mp->packet, &len) == LIM_OK) {
				b->set = 0;
				b->idx = (int)i;
				e = LIM_OK;
				done = true;
			}
		}
		if (!done) {
			done = true; /* (e: the bound session's failure, or LIM_E_AUTH) */
			p->st.trials_skipped++;
			*skipped = true;
		}
	}
	/* newest key set first: a re-key, a new SSRC or a late stream binds here */
	for (size_t k = 0; !done && k < sets; k++)
		for (size_t i = 0; !done && i < pc->ks[k].n; i++) {
			if ((int)k == b->set && (int)i == b->idx)
				continue;
			enum lim_err e2 = try_session(p, pc->ks[k].s[i], &mp->packet, &len);
			if (e2 == LIM_OK) {
				b->set = (int)k;
				b->idx = (int)i;
				e = e2;
				done = true;
			}
		}
	/* (only a packet its bound session found forged: not a replay, nor one too short) */
	if (!done && e == LIM_E_AUTH && b->set > 0 && (size_t)b->set < pc->n_ks &&
	    b->carries < SSRC_TRIALS_MAX) {
		p->st.carry_tries++;
		if (carry_roc(p, pc, b, mp->ssrc, &mp->packet, &len))
			e = LIM_OK;
		else
			b->carries++;
	}
	if (!done && (pc->late || pc->late_keys) && b->set < 0 && b->misses < SSRC_TRIALS_MAX &&
	    late_roc(p, pc, b, &mp->packet, &len))
		e = LIM_OK;
	/* (also a packet the bound session called a replay with no newer set to try: done) */
	if ((e == LIM_E_AUTH || e == LIM_E_STATE) && b->set >= 0 && (size_t)b->set < pc->n_ks &&
	    (!b->gap_at_ns || ts_ns >= b->gap_at_ns + GAP_RETRY_NS || ts_ns < b->gap_at_ns)) {
		b->gap_at_ns = ts_ns ? ts_ns : 1;
		p->st.gap_tries++;
		if (gap_roc(p, pc, b, mp->ssrc, &mp->packet, &len))
			e = LIM_OK;
	}
	/* (a set used again after it was retired: what it had handed over is a replay now) */
	if (e == LIM_OK && b->set >= 0 && (size_t)b->set < pc->n_ks &&
	    below_floor(&pc->ks[b->set], b->idx, mp->ssrc, &mp->packet)) {
		e = LIM_E_STATE;
		b->set = set0; /* (the stream stays where it was) */
		b->idx = idx0;
	}
	*lenp = len;
	return e;
}

/* The i-th held packet of pc, oldest first (i < HELD_MAX: from n_held on, free slots). */
static struct held *held_at(struct pcall *pc, size_t i)
{
	return &pc->held[pc->held_ord[i]];
}

/* The i-th held packet goes (never decrypted); the later ones move up. */
static void held_cut(struct pcall *pc, size_t i)
{
	uint8_t slot = pc->held_ord[i];
	memmove(pc->held_ord + i, pc->held_ord + i + 1, HELD_MAX - 1 - i);
	pc->held_ord[HELD_MAX - 1] = slot;
	pc->n_held--;
}

static bool held_same(const struct held *h, uint32_t ssrc, uint8_t dir)
{
	return h->ssrc == ssrc && h->dir == dir;
}

/* Which held packet must go for a new one (SIZE_MAX: none, there is room). When all slots are
 * in use, the oldest packet of the stream holding the most goes, the streams holding one packet
 * each counted together as one (and taken first on a tie): the slots go in about equal shares
 * between the call's streams, a few streams of junk kept fresh among them, and junk of many
 * SSRCs, one packet each, takes one share (a real stream's first packet among it). A lone
 * stream has them all. Before, the oldest packet went, whoever's it was: junk pushed the
 * call's own out. */
static size_t held_victim(struct pcall *pc)
{
	size_t singles = 0, single = SIZE_MAX, most = 0, cut = SIZE_MAX;
	if (pc->n_held < HELD_MAX)
		return SIZE_MAX;
	for (size_t i = 0; i < pc->n_held; i++) {
		const struct held *h = held_at(pc, i);
		size_t n = 0, j;
		for (j = 0; j < i && !held_same(held_at(pc, j), h->ssrc, h->dir); j++)
			;
		if (j < i)
			continue; /* (that stream counted at its oldest) */
		for (j = i; j < pc->n_held; j++)
			n += held_same(held_at(pc, j), h->ssrc, h->dir);
		if (n == 1) {
			if (singles++ == 0)
				single = i;
		} else if (n > most) {
			most = n;
			cut = i;
		}
	}
	return singles >= most ? single : cut;
}

/* Holds media packet ev that no key set authenticated (HELD_MAX; not one too long, or with no
 * memory for it). Those held before the call's LIIDs or keys changed, or beyond HELD_NS before
 * it, go, and one for room as held_victim says. */
static void held_add(struct pcall *pc, const struct cap_event *ev)
{
	const struct cap_media_pkt *mp = &ev->media;
	struct held *h;
	size_t cut;
	if (mp->packet.len > HELD_LEN)
		return;
	if (!pc->held) {
		if (!(pc->held = calloc(HELD_MAX, sizeof *pc->held)))
			return;
		for (size_t i = 0; i < HELD_MAX; i++)
			pc->held_ord[i] = (uint8_t)i;
	}
	if (pc->held_stale)
		pc->n_held = 0;
	pc->held_stale = false;
	while (pc->n_held > 0 && held_at(pc, 0)->ts_ns + HELD_NS < ev->ts_ns)
		held_cut(pc, 0);
	cut = held_victim(pc);
	if (cut != SIZE_MAX)
		held_cut(pc, cut);
	if (pc->n_held == 0)
		pc->held_gen = pc->ks_gen; /* (not later: keys that came since the first are new) */
	h = held_at(pc, pc->n_held++);
	h->ts_ns = ev->ts_ns;
	h->src = ev->pkt->src;
	h->dst = ev->pkt->dst;
	h->sport = ev->pkt->sport;
	h->dport = ev->pkt->dport;
	h->dir = mp->dir;
	h->ssrc = mp->ssrc;
	h->len = mp->packet.len;
	memcpy(h->data, mp->packet.p, mp->packet.len);
}

/* New keys since the held packets were last tried (on an event of the call, ev): each is
 * tried under them, and one they authenticate goes on as content with its own time and
 * addresses (after the records of those keys). The others stay, for keys still to come,
 * while HELD_NS lasts. */
static void held_retry(struct limf_pipe *p, struct pcall *pc, const struct cap_event *ev)
{
	size_t w = 0, n = pc->n_held;
	pc->held_gen = pc->ks_gen;
	if (pc->held_stale || !pc->intercept || !pc->cc || pc->group[0] ||
	    (pc->ended && !pc->went_on)) {
		pc->held_stale = false;
		pc->n_held = 0;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct held *h = held_at(pc, i);
		struct cap_event e2;
		struct cap_pkt pkt;
		struct ssrc_bind *b;
		size_t len = 0;
		bool skipped;
		enum lim_err e = LIM_E_AUTH;
		if (h->ts_ns + HELD_NS < ev->ts_ns || !(b = ssrc_of(pc, h->ssrc, h->dir)))
			continue; /* (goes) */
		memset(&pkt, 0, sizeof pkt);
		pkt.src = h->src;
		pkt.dst = h->dst;
		pkt.sport = h->sport;
		pkt.dport = h->dport;
		memset(&e2, 0, sizeof e2);
		e2.type = CAP_EV_MEDIA;
		e2.ts_ns = h->ts_ns;
		e2.call = ev->call;
		e2.pkt = &pkt;
		e2.media.dir = h->dir;
		e2.media.ssrc = h->ssrc;
		e2.media.packet = (struct lim_rd){ h->data, h->len };
		e = media_unprotect(p, pc, &e2.media, e2.ts_ns, b, &len, &skipped);
		if (e == LIM_OK) {
			b->misses = 0;
			pc->ks[b->set].proven = true;
			p->st.held_decrypted++;
			hand_cc(p, pc, &e2, b, len, NULL, 0, 0);
		} else if (e != LIM_E_STATE && !skipped) { /* (a replay: its copy went on) */
			uint8_t slot = pc->held_ord[w]; /* (w <= i: a slot already read, or i's) */
			pc->held_ord[w++] = pc->held_ord[i];
			pc->held_ord[i] = slot;
		}
	}
	pc->n_held = w;
}

/* ---- events ------------------------------------------------------------------------------ */

static void pcall_free(struct limf_pipe *p, struct pcall *pc)
{
	if (!pc)
		return;
	if (pc->intercept) {
		if (pc->prev)
			pc->prev->next = pc->next;
		else if (p->icalls == pc)
			p->icalls = pc->next;
		if (pc->next)
			pc->next->prev = pc->prev;
	}
	if (pc->wprev)
		pc->wprev->wnext = pc->wnext;
	else if (p->wcalls == pc)
		p->wcalls = pc->wnext;
	if (pc->wnext)
		pc->wnext->wprev = pc->wprev;
	group_leg_drop(p, pc);
	free(pc->parties);
	for (size_t i = 0; i < pc->n_ks; i++)
		keyset_clear(&pc->ks[i]);
	wr_kms_decision_free(pc->d);
	free(pc->liid);
	free(pc->km);
	free(pc->old_st);
	free(pc->left);
	free(pc->held);
	free(pc->post_sip);
	if (pc->retired) {
		lim_wipe(pc->retired, RETIRED_MAX * sizeof *pc->retired);
		free(pc->retired);
	}
	lim_wipe(pc, sizeof *pc);
	free(pc);
}

static void on_sip(struct limf_pipe *p, struct pcall *pc, const struct cap_event *ev)
{
	const struct cap_sip_msg *m = ev->sip;
	struct limf_iri iri;
	bool end = false;
	if (!pc->intercept)
		return;
	if (pc->end_pending && !m->is_request && m->status >= 200 &&
	    cap_str_eq(m->cseq_method, "BYE")) {
		end = true;
		pc->end_pending = false; /* (a later BYE's answer, in a dialog that went on, is no
					  * end of the call's records) */
	}
	if ((ev->call->end == CAP_END_REJECTED || ev->call->end == CAP_END_CANCEL) &&
	    !m->is_request && m->status >= 300 && cap_str_eq(m->cseq_method, "INVITE"))
		end = true;
	sip_iri(&iri, ev);
	emit_iri(p, pc, &iri, end);
	if (!end)
		emit_pending_km(p, pc, ev->call);
	if (!pc->went_on && ev->call->state == CAP_CALL_ENDED && m->is_request && m->to.tag.len &&
	    (cap_str_eq(m->method, "INVITE") || cap_str_eq(m->method, "UPDATE"))) {
		uint8_t *c = malloc(iri.sip_len ? iri.sip_len : 1);
		free(pc->post_sip);
		pc->post_sip = c;
		if (c) {
			if (iri.sip_len)
				memcpy(c, iri.sip, iri.sip_len);
			pc->post_iri = iri;
			pc->post_iri.sip = c;
		}
	}
}

static void on_end(struct limf_pipe *p, struct pcall *pc, const struct cap_event *ev)
{
	struct limf_iri iri;
	enum cap_call_end why = ev->call->end;
	pc->late_at = 0; /* an ended call is never decided again */
	pc->ended = true;
	if (!pc->intercept)
		return;
	if (why == CAP_END_BYE && ev->pkt) {
		pc->end_pending = true; /* the BYE's answer, that ended it, follows */
		return;
	}
	if (why == CAP_END_REJECTED || why == CAP_END_CANCEL)
		return; /* the final error (a 487 after a CANCEL) follows as the END record */
	emit_pending_km(p, pc, ev->call);
	memset(&iri, 0, sizeof iri);
	iri.kind = LIMF_IRI_CALLEND;
	iri.ts_ns = ev->ts_ns;
	iri.call = ev->call;
	iri.end_reason = cap_call_end_name(why);
	emit_iri(p, pc, &iri, true);
}

/* The end of a call's decryption, with what was decrypted (audit, per CC LIID): of its
 * streams, the packets decrypted and those that failed authentication; and the packets of
 * streams that never authenticated, taken back (the manifest's packets_unauthenticated), so
 * that the row accounts for every failure the summary counts. */
static void audit_done(struct limf_pipe *p, const struct pcall *pc,
		       const struct limf_call_summary *s)
{
	char detail[WR_DETAIL_MAX + 1];
	uint64_t dec = s->not_listed.decrypted,
		 bad = s->not_listed.auth_failed + s->not_listed.other_failed;
	for (size_t i = 0; i < s->n_old_streams + s->n_streams; i++) {
		const struct limf_call_stream *st = i < s->n_old_streams
							    ? &s->old_streams[i]
							    : &s->streams[i - s->n_old_streams];
		dec += st->decrypted;
		bad += st->auth_failed + st->other_failed;
	}
	for (size_t i = 0; i < pc->n_liids; i++) {
		/* (a scope narrowed to IRI during the call: the content it had is accounted) */
		if (pc->liid[i].scope != WR_SCOPE_IRI_CC && pc->liid[i].delivered == 0)
			continue;
		/* the call's decryption, and what of it this LIID received (a warrant that joined
		 * the call or ended during it: the part while it was in force) */
		snprintf(detail, sizeof detail,
			 "cin=%" PRIu32 " call-id=%.*s streams=%zu decrypted=%" PRIu64
			 " failed-authentication=%" PRIu64 " unauthenticated-packets=%" PRIu64
			 " delivered=%" PRIu64 " end=%s",
			 pc->cin, (int)s->call->call_id.len, s->call->call_id.s,
			 s->n_old_streams + s->n_streams + (size_t)s->streams_not_listed, dec, bad,
			 s->packets_unauthenticated, pc->liid[i].delivered,
			 cap_call_end_name(s->call->end));
		if (wr_audit_append(p->cfg.db, pc->liid[i].liid, "decrypt.done", detail) !=
		    LIM_OK) {
			/* the decryption is over: the row cannot gate anything any more; it is
			 * said and counted (stats audit_errors, `limf status` alarm) */
			p->st.audit_errors++;
			lim_warn("audit: decrypt.done of LIID %s (cin %" PRIu32 ") lost: %s",
				 pc->liid[i].liid, pc->cin, wr_db_msg(p->cfg.db));
		}
	}
}

static void on_free(struct limf_pipe *p, struct pcall *pc, const struct cap_event *ev)
{
	struct limf_call_summary s;
	if (pc->intercept) {
		struct limf_iri iri;
		emit_pending_km(p, pc, ev->call);
		/* (each end writes its END in on_end, or on_sip at the BYE's answer that ended
		 * the call, which follows at once: this one, once per LIID like those, is for
		 * a call freed otherwise) */
		memset(&iri, 0, sizeof iri);
		iri.kind = LIMF_IRI_CALLEND;
		iri.ts_ns = ev->ts_ns;
		iri.call = ev->call;
		iri.end_reason = cap_call_end_name(ev->call->end);
		emit_iri(p, pc, &iri, true);
		memset(&s, 0, sizeof s);
		s.cin = pc->cin;
		s.call = ev->call;
		for (size_t i = 0; i < pc->n_liids; i++)
			s.liids[s.n_liids++] = pc->liid[i].liid;
		s.cc = pc->cc;
		for (size_t i = 0; i < pc->n_km; i++)
			s.km[s.n_km++] = &pc->km[i].view;
		s.km_not_listed = pc->km_not_listed;
		for (size_t i = 0; i < pc->n_ssrc; i++)
			s.streams[s.n_streams++] = pc->ssrc[i].st;
		s.media_undecrypted = pc->media_undecrypted;
		s.streams_unauthenticated = pc->streams_unauth;
		s.old_streams = pc->old_st;
		s.n_old_streams = pc->n_old_st;
		s.streams_not_listed = pc->streams_not_listed;
		s.not_listed = pc->not_listed;
		s.packets_unauthenticated = pc->packets_unauth;
		if (pc->n_keysets)
			audit_done(p, pc, &s);
		if (p->cfg.sink.call_done)
			p->cfg.sink.call_done(p->cfg.sink.ctx, &s);
	}
	/* the call is gone, and with it every way to a record with its CIN */
	if (pc->cin && p->cfg.sink.cin_end)
		p->cfg.sink.cin_end(p->cfg.sink.ctx, pc->cin);
	pcall_free(p, pc);
}

/* A call without an I_MESSAGE: is it an MCPTT group call (TS 24.379 mcptt-info
 * <mcptt-calling-group-id>)? Sets pc->group. */
static void group_of_invite(struct limf_pipe *p, struct pcall *pc, const struct cap_event *ev)
{
	struct cap_mc_result *res = p->mc;
	const struct cap_sip_msg *sm = ev->sip;
	if (!res || !sm || !sm->is_request || sm->body.len == 0)
		return;
	/* the server's INVITE to a member names the group in <mcptt-calling-group-id>; the
	 * originator's INVITE to its server in <mcptt-request-uri> (TS 24.379 s10.2.1: a call
	 * with no I_MESSAGE and an MCPTT request URI is a group call, a private call carries its
	 * PCK I_MESSAGE in the SDP) */
	/* (a part refused leaves what the others said, as the dispatcher routes it) */
	if (cap_mc_extract(sm, res) == LIM_OK || res->mc_group.len || res->mc_target.len) {
		if (res->mc_group.len)
			copy_text(pc->group, sizeof pc->group, res->mc_group.s, res->mc_group.len);
		else if (res->mc_target.len)
			copy_text(pc->group, sizeof pc->group, res->mc_target.s,
				  res->mc_target.len);
	}
	memset(res, 0, sizeof *res);
}

/* The parties of an intercepted group call's leg are members of the group: their GUK-IDs
 * name their media (mikey_group_add_member). */
static void group_members(struct limf_pipe *p, struct pcall *pc, const struct cap_call *call)
{
	const struct cap_text *t[2 + CAP_SIP_MAX_PAI] = { &call->from_uri, &call->to_uri };
	size_t nt = 2;
	for (size_t i = 0; i < call->n_pai; i++)
		t[nt++] = &call->pai[i];
	p->st.group_calls++;
	pthread_mutex_lock(&p->g->mu);
	for (size_t i = 0; i < nt; i++)
		if (t[i]->len &&
		    (t[i]->len != strlen(pc->group) || memcmp(t[i]->s, pc->group, t[i]->len) != 0))
			if (mikey_group_add_member(p->g->t, pc->group, t[i]->s, t[i]->len) !=
			    LIM_OK)
				lim_warn("group %s: a member not recorded", pc->group);
	pthread_mutex_unlock(&p->g->mu);
}

/* No LIID may receive content any more: the call's SRTP sessions go (keys wiped), also its
 * talker sessions of group media (a leg of its own if content comes back), and its media is no
 * longer decrypted. Not under g->mu. */
static void drop_keys(struct limf_pipe *p, struct pcall *pc)
{
	group_leg_drop(p, pc);
	for (size_t i = 0; i < pc->n_ks; i++) {
		keyset_retire(pc, &pc->ks[i]); /* (its I_MESSAGE may come again: join_start) */
		keyset_clear(&pc->ks[i]);
	}
	pc->n_ks = 0;
	for (size_t i = 0; i < pc->n_ssrc; i++)
		pc->ssrc[i].set = -1;
	pc->cc = false;
	pc->held_stale = true;
}

/* LIID l of pc is no longer in force during the call: struck from the call's decision, so that
 * a later key request (a re-key, keys for a LIID that joined) is neither audited nor cached
 * under it (its cached keys go with keyshare_sweep). */
static void liid_gone(struct pcall *pc, const struct liid_state *l)
{
	if (pc->d && wr_kms_decision_drop(pc->d, l->liid) != LIM_OK)
		return; /* (not in it: --liid narrowed it, or a full decision left it out) */
}

/* The last record of a LIID whose warrant is no longer in force during the call (at ts_ns).
 * None for a LIID that has had no record of the call (its interception began during the call,
 * and no SIP message or key-management fact came before its end): its LEMF never saw the CIN
 * begin, and a REPORT would be the only record naming it. */
static void iri_not_in_force(struct limf_pipe *p, struct pcall *pc, struct liid_state *l,
			     uint64_t ts_ns, const char *reason)
{
	struct limf_iri iri;
	if (l->ended || !l->began)
		return;
	memset(&iri, 0, sizeof iri);
	iri.kind = LIMF_IRI_CALLEND;
	iri.ts_ns = ts_ns;
	iri.call = pc->call;
	iri.end_reason = reason;
	iri.liid = l->liid;
	iri.delivery = l->delivery;
	iri.cin = pc->cin;
	iri.type = LIMF_IRI_REPORT;
	p->st.iri_out++;
	if (p->cfg.sink.iri)
		p->cfg.sink.iri(p->cfg.sink.ctx, &iri);
}

/* Invariant 1 over time (DESIGN.md s5.1): a warrant covers the call's traffic up to its
 * valid_to, not to the end of a call that began inside it. Checked on the capture time of
 * each event of an intercepted call, so `limf replay` (which never re-checks) stops where the
 * warrant ends, and `limf capture` does on the packets' own clock before the next re-check.
 * A LIID whose valid_to is reached gets its last record ("warrant-not-in-force") and nothing
 * more unless its warrant is in force again later in the call (a valid_to may be the start of
 * a suspension: join_start); when no LIID with content remains, the keys go. The LIID stays in
 * the call's list (out_of_force) so that the call's summary and "decrypt.done" still account
 * for what was decrypted while it was in force. */
static void window_check(struct limf_pipe *p, struct pcall *pc, uint64_t ts_ns)
{
	int64_t t_us = (int64_t)(ts_ns / 1000u);
	bool ended = false, cc = false;
	for (size_t i = 0; i < pc->n_liids; i++) {
		struct liid_state *l = &pc->liid[i];
		if (!l->out_of_force && t_us >= l->valid_to) {
			/* the record carries the warrant's end, the instant it stopped */
			iri_not_in_force(p, pc, l, (uint64_t)l->valid_to * 1000u,
					 "warrant-not-in-force");
			l->ended = l->out_of_force = true;
			liid_gone(pc, l);
			ended = true;
			p->st.warrant_ends++;
			lim_info("call %.*s: the warrant of %s ended during the call: no more "
				 "IRI or content for it",
				 pc->call ? (int)pc->call->call_id.len : 0,
				 pc->call ? pc->call->call_id.s : "", l->liid);
		}
		if (!l->out_of_force && l->scope == WR_SCOPE_IRI_CC)
			cc = true;
	}
	if (ended && pc->cc && !cc)
		drop_keys(p, pc);
	/* a valid_to may be the start of a suspension period, not the warrant's end: the call is
	 * decided again at its next event, on its clock, and so learns when the warrant is in
	 * force again (join_at), where that LIID comes back (join_start), as `limf replay` must
	 * for a call that spans the whole period (not a failed decision's retry: it comes; not
	 * for a call that has ended, which has no event to decide it at and must not keep the
	 * re-check from stopping it) */
	if (ended && !pc->join_retry && !pc->ended && pc->call && pc->call->state != CAP_CALL_ENDED)
		pc->join_at = 1;
}

/* A warrant came into force during the call (pc->late_at, 3a in pipeline.h): the call is
 * decided again at ts_ns, the instant of its first event since, with the I_MESSAGEs it
 * carries now (else on its SIP parties alone), and, intercepted, its key-management records
 * go out at once (no SIP message may follow before the media). */
static void late_start(struct limf_pipe *p, struct pcall *pc, const struct cap_call *call,
		       uint64_t ts_ns)
{
	pc->late_at = 0;
	pc->late = true;
	pc->seen_side[0] = pc->seen_side[1] = false;
	if (call->offer.imsg)
		on_imsg(p, pc, call, false, ts_ns, true);
	if (call->answer.imsg)
		on_imsg(p, pc, call, true, ts_ns, true);
	if (!call->offer.imsg && !call->answer.imsg && !pc->intercept && !pc->stopped)
		decide(p, pc, call, NULL, false, ts_ns);
	if (!pc->intercept) {
		pc->late = false;
		return;
	}
	p->st.late_intercepts++;
	lim_info("call %.*s: intercepted from now on (the interception began during the call)",
		 (int)call->call_id.len, call->call_id.s);
	if (pc->group[0])
		group_members(p, pc, call);
	emit_pending_km(p, pc, call);
}

/* Content for the LIIDs in fresh (bit i: pc->liid[i]) from now on, on their audit logs first:
 * "decrypt.keys" under each for every key in use (each I_MESSAGE whose keys were got; each GMK
 * of a group call audited so far). A row not written: that LIID stays with IRI only (its bit
 * cleared, false); its retry writes the rows from that one on (liid_state.km_audited), so that
 * no key use is on its log twice. */
static bool audit_fresh(struct limf_pipe *p, struct pcall *pc, const struct cap_call *call,
			uint32_t *fresh, size_t n_km)
{
	bool ok = true;
	for (size_t i = 0; i < pc->n_liids; i++) {
		struct liid_state *l = &pc->liid[i];
		char detail[WR_DETAIL_MAX + 1];
		bool l_ok = true;
		if (!(*fresh & (UINT32_C(1) << i)))
			continue;
		for (size_t k = l->km_audited; k < n_km && l_ok; k++) {
			if (strcmp(pc->km[k].outcome, "keys") == 0) {
				keys_detail(pc, call, &pc->km[k], pc->km[k].view.n_keys, detail,
					    sizeof detail);
				l_ok = wr_audit_append(p->cfg.db, l->liid, "decrypt.keys",
						       detail) == LIM_OK;
			}
			if (l_ok)
				l->km_audited = (uint16_t)(k + 1);
		}
		for (size_t g = l->gmk_audited; g < pc->n_gmk_audited && l_ok; g++) {
			gmk_use_detail(pc, call, pc->group, pc->gmk_audited[g], detail,
				       sizeof detail);
			l_ok = wr_audit_append(p->cfg.db, l->liid, "decrypt.keys", detail) ==
			       LIM_OK;
			if (l_ok)
				l->gmk_audited = (uint16_t)(g + 1);
		}
		if (l_ok) {
			l->km_audited = l->gmk_audited = 0; /* all on its log: none pending */
			continue;
		}
		p->st.audit_errors++;
		l->scope = WR_SCOPE_IRI; /* no content that is not on its log */
		*fresh &= ~(UINT32_C(1) << i);
		ok = false;
		lim_warn("call %.*s: LIID %s has IRI only for now: its decryption could not be "
			 "audited (%s); tried again later",
			 (int)call->call_id.len, call->call_id.s, l->liid, wr_db_msg(p->cfg.db));
	}
	return ok;
}

/* A warrant in force that a call full of LIIDs cannot serve (join_start): true the first time
 * for the call (then counted and told; a call asked again at every warrant change must not
 * count it again). A list that cannot grow counts again rather than hide one. */
static bool left_new(struct pcall *pc, const char *liid)
{
	enum { LEFT_MAX = 2 * LIMF_CALL_MAX_LIIDS };
	for (size_t i = 0; i < pc->n_left; i++)
		if (strcmp(pc->left[i], liid) == 0)
			return false;
	if (!pc->left && !(pc->left = calloc(LEFT_MAX, sizeof *pc->left)))
		return true;
	if (pc->n_left < LEFT_MAX)
		copy_text(pc->left[pc->n_left++], sizeof pc->left[0], liid, strlen(liid));
	return true;
}

/* l serves the call from now on under the warrant m (join_start): a LIID that joins, or one back
 * in force (its earlier records and counts are kept; its next record is a BEGIN "in progress"
 * again, with the call's CIN, as for any LIID whose interception begins during the call). */
static void liid_join(struct pcall *pc, struct liid_state *l, const struct wr_match *m)
{
	pc->held_stale = true; /* (held before it joined: not its content) */
	memcpy(l->liid, m->liid, sizeof l->liid);
	memcpy(l->delivery, m->delivery, sizeof l->delivery);
	l->scope = m->scope;
	l->valid_to = m->valid_to;
	l->valid_from = m->valid_from;
	l->joined = true;
	l->began = l->ended = l->out_of_force = l->checked_out = l->back = false;
	l->km_audited = l->gmk_audited = 0; /* (a LIID back: its decryption audited again) */
	l->target_side = 0;
	l->matched = 0;
	for (size_t k = 0; k < pc->parties->n && k < 64; k++)
		if (m->parties & (UINT64_C(1) << k)) {
			l->target_side |= pc->parties->side[k];
			l->matched |= 1u << pc->parties->src[k];
		}
	deny_from(pc, l);
}

/* A warrant came into force during a call intercepted already (pc->join_at, 3b in pipeline.h):
 * the call's parties go to the gate again at ts_ns, the instant of its first event since, and
 * each LIID in force then that the call does not serve joins it from there: its BEGIN record
 * "in progress" (the call's key-management facts so far, or the SIP message that follows),
 * its IRI and, with content, its CC from then on, with the call's CIN. A LIID of the call whose
 * warrant's scope was widened from IRI to content (warrant modify) gets the content from there
 * the same way. Their decryption is audited first (audit_fresh; a row not written: IRI only,
 * tried again later); a call with no content before gets its keys now from the I_MESSAGEs it
 * carries, as late_start does, and their key-management records go to those LIIDs alone (the
 * others' authorities do not learn of another warrant); key requests of later re-keys are
 * audited under the LIIDs that joined too (wr_kms_decision_join). */
static void join_start(struct limf_pipe *p, struct pcall *pc, const struct cap_call *call,
		       uint64_t ts_ns)
{
	struct wr_kms_decision *d = NULL;
	const struct wr_match *mt;
	int64_t t_us = (int64_t)(ts_ns / 1000), next = WR_TIME_INFINITY;
	size_t n = 0, n0 = pc->n_liids, n_km = pc->n_km, out = 0, widened = 0, resumed = 0;
	uint32_t fresh = 0, joined = 0; /* LIIDs whose content begins now; the ones (re)added */
	bool want_cc = false, failed = false;
	pc->join_at = 0;
	pc->join_retry = false;
	p->st.decisions++;
	if (wr_kms_decide_next(p->cfg.db, pc->parties->p, pc->parties->n, t_us, p->only_liid, &d,
			       &next) != LIM_OK) {
		/* the call stays as it is (its LIIDs are the re-check's); asked again later */
		p->st.decision_errors++;
		if (!pc->gate_failed)
			lim_warn("warrant decision failed for intercepted call %.*s (warrants that "
				 "came into force during it are asked again after 1, 2, 4, 8, "
				 "then every 16 s): %s",
				 (int)call->call_id.len, call->call_id.s, wr_db_msg(p->cfg.db));
		pc->gate_failed = true;
		pc->join_at = retry_at(pc, t_us);
		pc->join_retry = true;
		return;
	}
	pc->gate_failed = false;
	pc->join_epoch = p->mark_epoch;
	if (next != WR_TIME_INFINITY && next > 0)
		pc->join_at = next;
	mt = wr_kms_decision_matches(d, &n);
	for (size_t i = 0; i < n; i++) {
		struct liid_state *l = NULL;
		if (!liid_wanted(p, mt[i].liid))
			continue;
		for (size_t j = 0; j < pc->n_liids && !l; j++)
			if (strcmp(pc->liid[j].liid, mt[i].liid) == 0)
				l = &pc->liid[j];
		/* held: ended at a re-check, and no re-check has found it in force since (the
		 * wall clock rules, not the call's clock, behind); or ended at its valid_to on
		 * the call's clock, which is before it again (a packet of an earlier time: the
		 * same stretch, whatever a re-check found; the gate is asked again at that
		 * valid_to, where a stretch after it would show) */
		if (l && l->out_of_force && !l->checked_out && t_us < l->valid_to) {
			if (!pc->join_at || l->valid_to < pc->join_at)
				pc->join_at = l->valid_to;
			continue;
		}
		if (l && l->out_of_force && l->checked_out && !l->back)
			continue;
		if (l && l->out_of_force) {
			/* no longer in force at a re-check (suspended) or at its valid_to, and in
			 * force again now (resumed, its end moved later; on the call's clock, a
			 * stretch after a suspension period that its valid_to was the start of):
			 * back from now on as a LIID that joins (3b in pipeline.h) */
			liid_join(pc, l, &mt[i]);
			joined |= UINT32_C(1) << (l - pc->liid);
			if (l->scope == WR_SCOPE_IRI_CC)
				fresh |= UINT32_C(1) << (l - pc->liid);
			resumed++;
			continue;
		}
		if (l) {
			/* held; one whose scope was widened to content gets it from now on */
			if (l->scope == WR_SCOPE_IRI && mt[i].scope == WR_SCOPE_IRI_CC &&
			    !from_only(pc, l)) {
				l->scope = WR_SCOPE_IRI_CC;
				fresh |= UINT32_C(1) << (l - pc->liid);
				widened++;
			}
			continue;
		}
		if (pc->n_liids == LIMF_CALL_MAX_LIIDS) {
			if (left_new(pc, mt[i].liid))
				out++;
			continue;
		}
		l = &pc->liid[pc->n_liids];
		memset(l, 0, sizeof *l);
		liid_join(pc, l, &mt[i]);
		joined |= UINT32_C(1) << pc->n_liids;
		if (l->scope == WR_SCOPE_IRI_CC)
			fresh |= UINT32_C(1) << pc->n_liids;
		pc->n_liids++;
	}
	if (out) {
		p->st.warrants_left_out += out;
		lim_warn("call %.*s: %zu warrants came into force during it beyond the %d one call "
			 "can serve: they get no IRI and no content for it",
			 (int)call->call_id.len, call->call_id.s, out, LIMF_CALL_MAX_LIIDS);
	}
	/* the LIIDs that joined, and the parties the call named since (more_parties: a re-key's
	 * keys may be for one), to the call's decision */
	if (d && wr_kms_decision_join(pc->d, d, NULL) != LIM_OK)
		lim_warn("call %.*s: key requests of a re-key are not audited under every LIID "
			 "that joined it, or not allowed for every party it named since",
			 (int)call->call_id.len, call->call_id.s);
	if (d)
		for (size_t i = 0; i < n; i++) {
			/* the join took every LIID of d: struck again are those the call does not
			 * serve from now on (held, or beyond the call's LIIDs), so that no key
			 * request is audited or cached under them */
			const struct liid_state *l = NULL;
			for (size_t j = 0; j < pc->n_liids && !l; j++)
				if (strcmp(pc->liid[j].liid, mt[i].liid) == 0)
					l = &pc->liid[j];
			if (!l || l->out_of_force)
				(void)!wr_kms_decision_drop(pc->d, mt[i].liid);
		}
	wr_kms_decision_free(d);
	if (!joined && !fresh)
		return;
	pc->held_stale = true; /* (a LIID's content begins now: none of before is its) */
	p->st.late_joins += pc->n_liids - n0 + resumed;
	if (pc->n_liids > n0)
		lim_info("call %.*s: %zu more LIID(s) from now on (a warrant came into force "
			 "during it, the first %s)",
			 (int)call->call_id.len, call->call_id.s, pc->n_liids - n0,
			 pc->liid[n0].liid);
	if (resumed)
		lim_info("call %.*s: %zu LIID(s) back from now on (their warrant is in force "
			 "again: resumed, or its end moved later)",
			 (int)call->call_id.len, call->call_id.s, resumed);
	if (widened)
		lim_info("call %.*s: content from now on for %zu LIID(s) whose warrant's scope "
			 "was widened to iri+cc",
			 (int)call->call_id.len, call->call_id.s, widened);
	/* the decryption under those LIIDs: on their audit logs first (with keys in use) */
	want_cc = fresh && !pc->cc;
	if (!want_cc && fresh && !audit_fresh(p, pc, call, &fresh, n_km))
		failed = true;
	if (want_cc) {
		/* no LIID had content: the keys now, from the I_MESSAGEs the call carries
		 * (do_keys audits them under these LIIDs, the only ones with content); their
		 * records go to these LIIDs alone */
		size_t k0;
		uint64_t made0 = pc->km_made;
		pc->cc = true;
		pc->late_keys = true;
		if (pc->group[0])
			pc->n_gmk_audited = 0; /* each GMK's next use: audited under these */
		/* (do_keys audits their keys, not audit_fresh: nothing pending) */
		for (size_t i = 0; i < pc->n_liids; i++)
			pc->liid[i].km_audited = pc->liid[i].gmk_audited = 0;
		pc->seen_side[0] = pc->seen_side[1] = false;
		if (call->offer.imsg)
			on_imsg(p, pc, call, false, ts_ns, true);
		if (call->answer.imsg)
			on_imsg(p, pc, call, true, ts_ns, true);
		/* this attempt's records: the last ones (km_new may have dropped older ones for
		 * room, which moves the earlier records down) */
		k0 = km_since(pc, made0);
		if (n_km > k0)
			n_km = k0;
		if (!pc->group[0] && pc->n_ks == 0 && (call->offer.imsg || call->answer.imsg)) {
			/* no keys (their audit row, the KMS or the table failed: said where it
			 * failed): IRI only for these LIIDs for now, tried again later; this
			 * attempt's records go (the next one makes its own) */
			for (size_t k = k0; k < pc->n_km; k++)
				lim_wipe(&pc->km[k], sizeof pc->km[k]);
			pc->n_km = k0;
			for (size_t i = 0; i < pc->n_liids; i++)
				if (fresh & (UINT32_C(1) << i))
					pc->liid[i].scope = WR_SCOPE_IRI;
			pc->cc = false;
			fresh = 0;
			failed = true;
		} else {
			if (!pc->counted_cc) /* (content again after none: the same call) */
				p->st.calls_cc++;
			pc->counted_cc = true;
			for (size_t k = k0; k < pc->n_km; k++)
				pc->km[k].to = fresh;
		}
	}
	if (failed) {
		/* asked again 1, 2, 4, 8, then every 16 s on (a start to come first if sooner) */
		int64_t again = retry_at(pc, t_us);
		if (!pc->join_at || again < pc->join_at) {
			pc->join_at = again;
			pc->join_retry = true;
		}
	} else {
		pc->retry.n = 0;
	}
	/* the key-management facts so far, at this instant, to the LIIDs that joined (each one's
	 * BEGIN); those given records of keys got just now above have those instead */
	for (size_t k = 0; k < n_km; k++) {
		struct limf_iri iri;
		uint32_t to = joined & ~(want_cc ? fresh : 0);
		if (pc->km[k].to)
			to &= fresh; /* (keys got for LIIDs with content: to those alone) */
		if (!pc->km[k].emitted || !to)
			continue; /* (one not yet out goes with the others below) */
		memset(&iri, 0, sizeof iri);
		iri.kind = LIMF_IRI_KEYMGMT;
		iri.ts_ns = ts_ns;
		iri.call = call;
		iri.km = &pc->km[k].view;
		emit_iri_to(p, pc, &iri, false, to);
	}
	emit_pending_km(p, pc, call);
}

/* Whether what a call has due at `at` (wr time; 0: nothing: a decision, a join, a key retry)
 * runs at its event ev: only the call's own traffic while it goes on (not a call ended, its
 * lingering retransmissions, nor the clock of a timeout or of the end of the input), at or
 * after `at`, and within the live service's budget (LATE_BUDGET a second), which it takes. */
static bool due(struct limf_pipe *p, const struct cap_event *ev, int64_t at)
{
	if (!at ||
	    (ev->type != CAP_EV_SIP && ev->type != CAP_EV_MEDIA &&
	     ev->type != CAP_EV_CALL_UPDATE) ||
	    ev->call->state == CAP_CALL_ENDED || (int64_t)(ev->ts_ns / 1000u) < at ||
	    p->late_budget == 0)
		return false;
	if (p->late_budget > 0)
		p->late_budget--;
	return true;
}

static void on_event(void *ctx, const struct cap_event *ev)
{
	struct limf_pipe *p = ctx;
	struct cap_call *call = ev->call;
	struct pcall *pc;
	if (ev->type == CAP_EV_SIP && ev->sip && ev->sip->is_request && ev->sip->body.len &&
	    !cap_str_eq(ev->sip->method, "INVITE"))
		on_gmk_sip(p, ev); /* GMK distributions (NOTIFY, MESSAGE): issue 9 */
	if (p->gmk_retries && (int64_t)(ev->ts_ns / 1000) >= p->gmk_retry_at &&
	    (ev->type == CAP_EV_SIP || ev->type == CAP_EV_MEDIA || ev->type == CAP_EV_CALL_UPDATE))
		gmk_again(p, ev->ts_ns);
	groups_due(p); /* (GMKs another pipeline of the pool recovered) */
	if (!call)
		return; /* other SIP outside INVITE dialogs (REGISTER...): not handled */
	pc = call->user;
	if (pc && ev->ts_ns > pc->last_ns)
		pc->last_ns = ev->ts_ns;
	if (pc && !pc->intercept && !pc->stopped && !pc->decide_pending && due(p, ev, pc->late_at))
		late_start(p, pc, call, ev->ts_ns);
	if (pc && pc->intercept && !pc->stopped && pc->parties && due(p, ev, pc->join_at))
		join_start(p, pc, call, ev->ts_ns);
	if (pc && pc->intercept && ev->type != CAP_EV_CALL_START)
		window_check(p, pc, ev->ts_ns);
	/* keys that failed for a reason that may pass, asked again (not once the content
	 * stopped: the window, a re-check) */
	if (pc && pc->intercept && pc->cc && !pc->stopped && due(p, ev, pc->keys_at))
		keys_again(p, pc, call, ev->ts_ns);
	switch (ev->type) {
	case CAP_EV_CALL_START:
		pc = calloc(1, sizeof *pc);
		call->user = pc;
		if (!pc)
			return;
		pc->last_ns = ev->ts_ns;
		pc->wnext = p->wcalls;
		if (p->wcalls)
			p->wcalls->wprev = pc;
		p->wcalls = pc;
		p->st.calls++;
		fetch_cert(p, (int64_t)(ev->ts_ns / 1000));
		if (call->offer.imsg)
			on_imsg(p, pc, call, false, ev->ts_ns, false);
		else
			pc->decide_pending = true; /* on the INVITE's own event, next */
		break;
	case CAP_EV_CALL_UPDATE:
		if (!pc)
			return;
		if ((ev->changed & CAP_UPD_WENT_ON) && !pc->went_on) {
			pc->went_on = true;
			if (pc->intercept && pc->post_sip)
				emit_iri(p, pc, &pc->post_iri, false); /* (the request, first) */
			free(pc->post_sip);
			pc->post_sip = NULL;
			if (pc->intercept)
				lim_warn(
					"call %.*s (CIN %" PRIu32 "): its dialog went on "
					"after its end (a request of it answered 2xx: a re-INVITE, "
					"an UPDATE, or its INVITE after an error not the "
					"callee's): "
					"followed, its records since as REPORTs",
					(int)call->call_id.len, call->call_id.s, pc->cin);
		}
		if (ev->changed & CAP_UPD_OFFER_IMSG)
			on_imsg(p, pc, call, false, ev->ts_ns, false);
		if (ev->changed & CAP_UPD_ANSWER_IMSG)
			on_imsg(p, pc, call, true, ev->ts_ns, false);
		if ((ev->changed & CAP_UPD_STATE) && call->n_apai && !pc->apai_asked)
			answer_parties(p, pc, call, ev->ts_ns);
		break;
	case CAP_EV_SIP:
		if (pc && pc->decide_pending) {
			pc->decide_pending = false;
			group_of_invite(p, pc, ev);
			if (!pc->intercept && !pc->stopped)
				decide(p, pc, call, NULL, false, ev->ts_ns);
			if (pc->intercept && pc->group[0])
				group_members(p, pc, call);
		}
		if (pc)
			on_sip(p, pc, ev);
		break;
	case CAP_EV_MEDIA:
		if (pc && pc->intercept && pc->cc) {
			on_media(p, pc, ev);
		} else if (pc && pc->intercept && pc->group[0] && ev->media.rtcp) {
			/* floor control (clear RTCP APP on the floor-control line) is IRI: a group
			 * call intercepted with IRI only, or whose content stopped (drop_keys),
			 * has its floor records too (before, only calls with content had them) */
			const struct cap_call_sdp *sd =
				ev->media.side == 0 ? &call->offer : &call->answer;
			if (ev->media.stream < sd->n_media &&
			    strcmp(sd->media[ev->media.stream].media, "audio") != 0)
				on_floor(p, pc, ev);
		}
		break;
	case CAP_EV_CALL_END:
		if (pc)
			on_end(p, pc, ev);
		break;
	case CAP_EV_CALL_FREE:
		if (pc)
			on_free(p, pc, ev);
		call->user = NULL;
		return;
	}
	/* a call intercepted, or with a warrant (or a decision) to come, never goes to make room
	 * in a full call or binding table (capture.h struct cap_call held) */
	if (pc) /* (as it stands now: a call once due for a decision that found no target is
		 * not held for ever, which a flood of answers asserting new parties would use) */
		call->held = pc->intercept || pc->join_at || pc->late_at;
	/* new keys (a re-key at its 2xx, keys got on a retry): the packets held for them */
	if (pc && pc->n_held && pc->held_gen != pc->ks_gen)
		held_retry(p, pc, ev);
}

/* The gate answered a re-check. */
static void gate_up(struct limf_pipe *p)
{
	if (p->gate_down) {
		lim_warn("warrant re-checks answered again: ongoing interceptions confirmed");
		p->gate_back = true;
	}
	p->gate_down = false;
}

/* The gate could not answer a re-check at now_us (db->msg says why): counted, said once per
 * outage; whether what it last allowed may still be kept (within LIMF_RECHECK_GRACE_US of the
 * first failure, pipeline.h). */
static bool gate_error(struct limf_pipe *p, int64_t now_us)
{
	p->st.decision_errors++;
	if (!p->gate_down) {
		p->gate_down = true;
		p->gate_down_us = now_us;
		int64_t g = p->cfg.recheck_grace_us > 0 ? p->cfg.recheck_grace_us
							: LIMF_RECHECK_GRACE_US;
		lim_warn("warrant re-check failed (ongoing interceptions kept for up to %d s "
			 "unless their warrant ends): %s",
			 (int)(g / 1000000), wr_db_msg(p->cfg.db));
	}
	return now_us - p->gate_down_us <
	       (p->cfg.recheck_grace_us > 0 ? p->cfg.recheck_grace_us : LIMF_RECHECK_GRACE_US);
}

/* Invariant 3 for GMKs: a group stays covered only while a warrant on its member (or on the
 * group) is in force; a group with no cover left loses its GMKs (wiped). */
static size_t recheck_covers(struct limf_pipe *p, int64_t now_us)
{
	struct limf_groups *g = p->g;
	size_t dropped = 0;
	/* every pipeline of a pool re-checks the covers (once a second each): idempotent, the
	 * first that finds a cover's warrants gone drops it; the queries run under the lock (a
	 * few per second, only while covers exist) */
	pthread_mutex_lock(&g->mu);
	for (size_t i = 0; i < g->n_cover;) {
		struct wr_party two[2];
		struct wr_match *m = NULL;
		size_t n = 0;
		enum lim_err e;
		char group[CAP_MC_TEXT];
		memset(two, 0, sizeof two);
		two[0].uri = g->cover[i].member;
		two[1].uri = g->cover[i].group;
		/* however many warrants: one in force is enough */
		e = wr_decide_all(p->cfg.db, two, 2, now_us, &m, &n);
		free(m);
		m = NULL;
		if (e == LIM_OK) {
			gate_up(p);
			if (n > 0) {
				i++;
				continue;
			}
		} else if (gate_error(p, now_us)) {
			/* no decision is not "the warrant ended": kept (pipeline.h, the grace) */
			i++;
			continue;
		}
		memcpy(group, g->cover[i].group, sizeof group);
		g->cover[i] = g->cover[--g->n_cover];
		bool still = false;
		for (size_t k = 0; k < g->n_cover && !still; k++)
			still = strcmp(g->cover[k].group, group) == 0;
		if (!still)
			dropped += mikey_group_drop_group(g->t, group);
	}
	pthread_mutex_unlock(&g->mu);
	return dropped;
}

/* ---- warrant changes during a call ----------------------------------------------------- */

/* Warrants added or changed since the last look (the table's mark moved): every call in
 * progress that is not intercepted goes to the gate again at its next event (late_start), as
 * when a warrant it was told of comes into force; a call intercepted until every warrant of it
 * ended is re-checked (limf_pipe_recheck, right after), so that a warrant added for its parties
 * since (a new one after a revocation, say) joins it; every other intercepted call goes to the
 * gate again at its next event (join_start), which also learns when a warrant added to start
 * later in the call begins (join_at), so that it joins at that instant, not at a re-check. */
static void recheck_new(struct limf_pipe *p)
{
	char mk[WR_MARK_LEN];
	if (wr_warrants_mark(p->cfg.db, mk) != LIM_OK)
		return; /* (the re-check's own query says the gate is failing) */
	bool moved = p->wmark[0] && strcmp(mk, p->wmark) != 0;
	if (moved)
		p->kms_recheck = true;
	/* the warrants changed; or the gate answers again after an outage (gate_back), or may
	 * (gate_down, and this query answered: also when every call is stopped, so that none
	 * would ask): the calls stopped then go to the re-check again ("warrant-not-confirmed"
	 * was not "ended"; the others' LIIDs not confirmed then come back through it,
	 * limf_pipe_recheck, whose queries say whether the gate is up; gate_down stays until one
	 * answers, so the grace keeps counting from the first failure) */
	bool back = p->gate_back || p->gate_down;
	if (moved || back)
		for (struct pcall *pc = p->wcalls; pc; pc = pc->wnext) {
			if (pc->ended || (!moved && !(pc->intercept && pc->stopped)))
				continue;
			if (!pc->intercept && !pc->stopped)
				pc->late_at = 1; /* at the call's next event */
			else if (pc->intercept && pc->stopped && pc->parties)
				pc->stopped = false;
			else if (pc->intercept && pc->parties && !pc->join_retry)
				pc->join_at = 1; /* a warrant added may start later in the call */
		}
	if (moved || back)
		p->mark_epoch++;
	memcpy(p->wmark, mk, sizeof mk);
	p->gate_back = false;
}

/* Invariant 3 (DESIGN.md s5: keys expire with the warrant) for the keys no call in progress
 * holds: limf_pipe_recheck ends the LIIDs of its calls in progress, and their keys go with
 * them, but a warrant revoked, suspended, cut short or narrowed to iri after its calls ended
 * kept the key sets it had justified cached until their key period ended (a month, say). So
 * when the warrants change, every warrant that justifies cached keys is asked again, at the
 * wall clock now_us: those that no longer give content stop justifying them (keyshare_sweep;
 * a set left with none is wiped, with its receiver contexts). Not answered: asked again at the
 * next re-check. */
static void kms_recheck(struct limf_pipe *p, int64_t now_us)
{
	struct limf_keyshare *ks = p->ks;
	char(*l)[WR_LIID_MAX + 1] = NULL;
	bool *in = NULL;
	int64_t *end = NULL;
	size_t n = 0, m = 0;
	if (ks && ks->kms) {
		pthread_mutex_lock(&ks->kms_mu);
		n = wr_kms_liids(ks->kms, NULL, 0);
		l = n ? calloc(n, sizeof *l) : NULL;
		if (l)
			(void)wr_kms_liids(ks->kms, l, n);
		pthread_mutex_unlock(&ks->kms_mu);
	}
	if (n == 0) {
		p->kms_recheck = false;
		return;
	}
	in = calloc(n, sizeof *in);
	end = calloc(n, sizeof *end);
	if (l && in && end && wr_liids_content(p->cfg.db, l, n, now_us, in, end) == LIM_OK) {
		/* those in force: kept until their ends as they stand now (a warrant cut short to
		 * a later time); the others go */
		pthread_mutex_lock(&ks->kms_mu);
		wr_kms_limit_ends(ks->kms, l, end, n);
		pthread_mutex_unlock(&ks->kms_mu);
		for (size_t i = 0; i < n; i++)
			if (!in[i])
				memmove(l[m++], l[i], sizeof l[0]);
		if (m)
			keyshare_sweep(ks, l, m, true);
		p->kms_recheck = false;
	}
	free(end);
	free(in);
	free(l);
}

/* The time of a record a re-check at the wall clock now_us makes for call pc: on the
 * capture's clock, where the capture has got to (the records of a call running behind the
 * wall clock, a backlog or a file at its recorded pace, keep their order, and a REPORT sits
 * right after the content it ended): the latest packet the pipeline decoded (p->clock_ns,
 * which the re-check clears when it is past now_us: a source whose clock is ahead, or a forged
 * X2/X3 timestamp, moves no other call's records into the future), else the call's own latest
 * event, else now_us; never before the call's latest event. */
static uint64_t recheck_stamp(const struct limf_pipe *p, const struct pcall *pc, int64_t now_us)
{
	uint64_t t = p->clock_ns   ? p->clock_ns
		     : pc->last_ns ? pc->last_ns
		     : now_us > 0  ? (uint64_t)now_us * 1000u
				   : 0;
	return t > pc->last_ns ? t : pc->last_ns;
}

/* see pipeline.h */
size_t limf_pipe_recheck(struct limf_pipe *p, int64_t now_us)
{
	size_t dropped = 0, n_gone = 0;
	char gone[16][WR_LIID_MAX + 1]; /* the LIIDs stopped now: their keys go (keyshare_sweep) */
	p->late_budget = p->cfg.late_rate > 0 ? p->cfg.late_rate : LATE_BUDGET;
	if (now_us > 0 && p->clock_ns > (uint64_t)now_us * 1000u)
		p->clock_ns = 0; /* (ahead of the wall clock: recheck_stamp; taken up again from
				  * the next packets) */
	recheck_new(p);
	p->st.gmk_dropped += recheck_covers(p, now_us);
	for (struct pcall *pc = p->icalls, *next; pc; pc = next) {
		struct wr_match *m = NULL, *mc = NULL;
		size_t n = 0, keep = 0, nc = 0;
		bool cc = false, answered, grace = false;
		next = pc->next;
		if (!pc->parties || pc->stopped)
			continue;
		/* every warrant in force (not a capped prefix: a LIID of the call must not look
		 * ended because others were added) */
		answered = wr_decide_all(p->cfg.db, pc->parties->p, pc->parties->n, now_us, &m,
					 &n) == LIM_OK;
		if (answered)
			gate_up(p);
		else
			grace = gate_error(p, now_us);
		/* a call whose clock is behind the wall clock (a backlog, a file at its pace): the
		 * ends of its LIIDs' stretches are those of its own clock, where window_check ends
		 * them. A stretch in force now that began after the call's clock (a suspension
		 * the wall clock has passed and the call's clock has not) does not tell that end:
		 * the gate is asked at the call's clock too (not answered: kept as it was) */
		int64_t t_call = (int64_t)(pc->last_ns / 1000u);
		bool behind = false;
		for (size_t i = 0; answered && pc->last_ns && i < pc->n_liids && !behind; i++)
			for (size_t j = 0; j < n && !behind; j++)
				behind = !pc->liid[i].out_of_force && m[j].valid_from > t_call &&
					 strcmp(m[j].liid, pc->liid[i].liid) == 0;
		bool behind_known =
			behind && wr_decide_all(p->cfg.db, pc->parties->p, pc->parties->n, t_call,
						&mc, &nc) == LIM_OK;
		for (size_t i = 0; i < pc->n_liids; i++) {
			struct liid_state *l = &pc->liid[i];
			const struct wr_match *f = NULL;
			bool in_force;
			if (l->out_of_force) {
				/* ended before (valid_to, an earlier re-check): had its last
				 * record, kept for the summary and the "decrypt.done" row. One
				 * ended at its valid_to and not in force now either is held as
				 * if this re-check had ended it: the call's clock, behind, must
				 * not take it back while the wall clock says no */
				bool now = false;
				for (size_t j = 0; answered && j < n && !now; j++)
					now = strcmp(m[j].liid, l->liid) == 0;
				if (answered && !now)
					l->checked_out = true;
				continue;
			}
			for (size_t j = 0; answered && j < n && !f; j++)
				if (strcmp(m[j].liid, l->liid) == 0)
					f = &m[j];
			/* no answer: kept as last allowed, up to its end and the grace */
			in_force = answered ? f != NULL : grace && now_us < l->valid_to;
			if (!in_force) {
				dropped++;
				iri_not_in_force(p, pc, l, recheck_stamp(p, pc, now_us),
						 answered || now_us >= l->valid_to
							 ? "warrant-not-in-force"
							 : "warrant-not-confirmed");
				/* kept in the call's list like a LIID ended by its valid_to
				 * (window_check): the call's summary and its "decrypt.done" row
				 * still account for what was decrypted while it was in force */
				l->ended = l->out_of_force = l->checked_out = true;
				liid_gone(pc, l);
				bool seen = false;
				for (size_t g = 0; g < n_gone && !seen; g++)
					seen = strcmp(gone[g], l->liid) == 0;
				if (!seen && n_gone == sizeof gone / sizeof gone[0]) {
					keyshare_sweep(p->ks, gone, n_gone, true);
					n_gone = 0;
				}
				if (!seen)
					memcpy(gone[n_gone++], l->liid, sizeof gone[0]);
				continue;
			}
			keep++;
			/* the warrant as it stands now: a scope narrowed to IRI stops the content;
			 * a scope widened to IRI+CC gets it at the call's next event (join_start:
			 * audited first; not while a failed attempt waits for its retry); no
			 * answer: as last decided */
			if (f && f->scope == WR_SCOPE_IRI)
				l->scope = WR_SCOPE_IRI;
			if (f && f->scope == WR_SCOPE_IRI_CC && l->scope == WR_SCOPE_IRI &&
			    !pc->join_retry && liid_wanted(p, l->liid))
				pc->join_at = 1;
			if (f) {
				memcpy(l->delivery, f->delivery, sizeof l->delivery);
				const struct wr_match *fc = NULL;
				for (size_t j = 0; behind_known && j < nc && !fc; j++)
					if (strcmp(mc[j].liid, l->liid) == 0)
						fc = &mc[j];
				if (!behind)
					l->valid_to = f->valid_to; /* modify may move it */
				else if (fc)
					l->valid_to = fc->valid_to;
				else if (behind_known && t_call < l->valid_to)
					l->valid_to = t_call; /* (not in force at the call's clock:
							       * window_check ends it at its next
							       * event, the gate says when it is
							       * back) */
			}
			if (l->scope == WR_SCOPE_IRI_CC)
				cc = true;
		}
		/* a warrant in force that the call does not serve (added, or its valid_from
		 * passed at the wall clock; also one that takes over from a warrant that ended
		 * just now): it joins at the call's next event (join_start) */
		bool unheld = false;
		for (size_t i = 0; answered && i < pc->n_liids; i++)
			pc->liid[i].back = false; /* (set again below while in force) */
		for (size_t j = 0; answered && j < n; j++) {
			bool held = !liid_wanted(p, m[j].liid), back = false;
			for (size_t i = 0; i < pc->n_liids && !held && !back; i++) {
				struct liid_state *l = &pc->liid[i];
				if (strcmp(l->liid, m[j].liid) != 0)
					continue;
				/* one of the call's that is out of force and in force again: found
				 * not in force at a re-check and resumed, or ended at its valid_to
				 * and that moved later (not one whose valid_to the call's clock
				 * passed while the wall clock has not: the same end) */
				back = l->out_of_force &&
				       (l->checked_out || m[j].valid_to > l->valid_to);
				held = !back;
				l->back = back;
			}
			unheld |= back || (!held && pc->n_liids < LIMF_CALL_MAX_LIIDS);
		}
		/* (not when a join decision under these warrants said otherwise, on the call's
		 * clock: not in force there, or starting later, at join_at; its unheld still
		 * keeps the call from stopping) */
		if (unheld && pc->join_epoch != p->mark_epoch)
			pc->join_at = 1;
		free(m);
		free(mc);
		if (pc->cc && !cc)
			drop_keys(p,
				  pc); /* no LIID may receive content any more: the keys go now */
		if (keep == 0 && !unheld && !pc->join_at) {
			/* no LIID in force any more, and none known to come (join_at: a start, or
			 * a retry): not re-checked or decided again until the warrants change
			 * (recheck_new; its parties are kept for that); the call stays intercepted
			 * to account at its end (summary, "decrypt.done") */
			pc->stopped = true;
		}
	}
	/* the stopped warrants' keys at once; else the keys expired since (trying only: a key
	 * request of another pipeline holds the client, and the next second comes) */
	keyshare_sweep(p->ks, gone, n_gone, n_gone > 0);
	if (p->kms_recheck)
		kms_recheck(p, now_us);
	return dropped;
}

/* ---- the pipe ---------------------------------------------------------------------------- */

/* see pipeline.h */
enum lim_err limf_pipe_new(const struct limf_pipe_cfg *cfg, struct limf_pipe **out)
{
	struct limf_pipe *p;
	*out = NULL;
	if (!cfg || !cfg->db)
		return LIM_E_ARG;
	p = calloc(1, sizeof *p);
	if (!p)
		return LIM_E_NOMEM;
	p->cfg = *cfg;
	if (cfg->only_liid && cfg->only_liid[0] && !(p->only_liid = strdup(cfg->only_liid))) {
		free(p);
		return LIM_E_NOMEM;
	}
	p->cfg.only_liid = NULL;
	if (cap_dec_init(&p->dec, NULL) != LIM_OK) {
		free(p->only_liid);
		free(p);
		return LIM_E_NOMEM;
	}
	if (!cfg->groups && limf_groups_new(&p->own_g) != LIM_OK)
		p->own_g = NULL;
	p->g = cfg->groups ? cfg->groups : p->own_g;
	if (p->g)
		p->due_seen = atomic_load(&p->g->due_n);
	if (!cfg->keys && limf_keyshare_new(cfg->kms, &p->own_ks) != LIM_OK)
		p->own_ks = NULL;
	p->ks = cfg->keys ? cfg->keys : p->own_ks;
	if (!p->g || !p->ks ||
	    cap_calls_new(cfg->limits, &p->dec.st, on_event, p, &p->calls) != LIM_OK ||
	    !(p->mc = calloc(1, sizeof *p->mc))) {
		cap_calls_free(p->calls);
		limf_groups_free(p->own_g);
		limf_keyshare_free(p->own_ks);
		cap_dec_clear(&p->dec);
		free(p->only_liid);
		free(p);
		return LIM_E_NOMEM;
	}
	/* the warrants as they stand before any call: a change from here on is seen by the
	 * first re-check (recheck_new); "" when not known, then that re-check sets it */
	if (wr_warrants_mark(p->cfg.db, p->wmark) != LIM_OK)
		p->wmark[0] = '\0';
	p->late_budget = -1;
	p->mark_epoch = 1;
	*out = p;
	return LIM_OK;
}

/* p's clock (limf_pipe.clock_ns) at ts_ns. */
static void clock_at(struct limf_pipe *p, uint64_t ts_ns)
{
	if (ts_ns > p->clock_ns)
		p->clock_ns = ts_ns;
}

/* see pipeline.h */
void limf_pipe_frame(struct limf_pipe *p, const struct cap_frame *f)
{
	struct cap_pkt pkt;
	if (cap_dec_frame(&p->dec, f, &pkt) != CAP_OK)
		return;
	clock_at(p, f->ts_ns);
	cap_calls_feed(p->calls, &pkt, f->ts_ns);
}

/* see pipeline.h */
void limf_pipe_pkt(struct limf_pipe *p, const struct cap_pkt *pkt, uint64_t ts_ns)
{
	clock_at(p, ts_ns);
	cap_calls_feed(p->calls, pkt, ts_ns);
}

/* see pipeline.h */
void limf_pipe_sip(struct limf_pipe *p, const struct cap_pkt *pkt, const uint8_t *msg, size_t len,
		   uint64_t ts_ns)
{
	clock_at(p, ts_ns);
	cap_calls_feed_sip(p->calls, pkt, msg, len, ts_ns);
}

/* see pipeline.h */
enum lim_err limf_groups_new(struct limf_groups **out)
{
	struct limf_groups *g = calloc(1, sizeof *g);
	*out = NULL;
	if (!g)
		return LIM_E_NOMEM;
	if (mikey_group_new(&g->t) != LIM_OK || limf_had_new(&g->had) != LIM_OK) {
		mikey_group_free(g->t);
		free(g);
		return LIM_E_NOMEM;
	}
	pthread_mutex_init(&g->mu, NULL);
	*out = g;
	return LIM_OK;
}

/* see pipeline.h */
enum lim_err limf_keyshare_new(struct wr_kms *kms, struct limf_keyshare **out)
{
	struct limf_keyshare *k = calloc(1, sizeof *k);
	*out = NULL;
	if (!k)
		return LIM_E_NOMEM;
	pthread_mutex_init(&k->mu, NULL);
	pthread_mutex_init(&k->kms_mu, NULL);
	k->kms = kms;
	*out = k;
	return LIM_OK;
}

/* see pipeline.h */
size_t limf_keyshare_cached(struct limf_keyshare *k)
{
	return k ? atomic_load(&k->n_kms) + atomic_load(&k->n_rctx) : 0;
}

/* see pipeline.h */
size_t limf_pipe_keys_cached(const struct limf_pipe *p)
{
	return limf_keyshare_cached(p->ks);
}

/* see pipeline.h */
void limf_keyshare_free(struct limf_keyshare *k)
{
	if (!k)
		return;
	for (size_t i = 0; i < RSK_CTXS; i++)
		rsk_ctx_clear(&k->rctx[i]);
	pthread_mutex_destroy(&k->mu);
	pthread_mutex_destroy(&k->kms_mu);
	free(k);
}

/* see pipeline.h */
void limf_groups_free(struct limf_groups *g)
{
	if (!g)
		return;
	mikey_group_free(g->t);
	limf_had_free(g->had);
	pthread_mutex_destroy(&g->mu);
	lim_wipe(g, sizeof *g);
	free(g);
}

/* see pipeline.h */
void limf_pipe_finish(struct limf_pipe *p, uint64_t now_ns)
{
	p->dec.st.drop[CAP_DROP_FRAG_TIMEOUT] += cap_defrag_expire(p->dec.defrag, UINT64_MAX);
	cap_calls_flush(p->calls, now_ns);
	while (p->gmk_retries)
		gmk_give_up(p, &p->gmk_retries, "the end of the input");
}

/* see pipeline.h */
size_t limf_pipe_tick(struct limf_pipe *p, uint64_t now_ns)
{
	p->dec.st.drop[CAP_DROP_FRAG_TIMEOUT] += cap_defrag_expire(p->dec.defrag, now_ns);
	if (p->gmk_retries && (int64_t)(now_ns / 1000) >= p->gmk_retry_at)
		gmk_again(p, now_ns);
	groups_due(p);
	return cap_calls_expire(p->calls, now_ns);
}

/* see pipeline.h */
const struct cap_stats *limf_pipe_cap_stats(const struct limf_pipe *p)
{
	return &p->dec.st;
}

/* see pipeline.h */
const struct limf_pipe_stats *limf_pipe_stats(const struct limf_pipe *p)
{
	return &p->st;
}

/* see pipeline.h */
const struct wr_kms_cert *limf_pipe_cert(const struct limf_pipe *p)
{
	return p->n_certs ? &p->certs[0] : NULL;
}

/* see pipeline.h */
void limf_pipe_free(struct limf_pipe *p)
{
	if (!p)
		return;
	/* calls still held (no limf_pipe_finish): end them without output, wiping their keys */
	memset(&p->cfg.sink, 0, sizeof p->cfg.sink);
	cap_calls_flush(p->calls, UINT64_MAX / 2);
	cap_calls_free(p->calls);
	cap_dec_clear(&p->dec);
	free(p->only_liid);
	limf_keyshare_free(p->own_ks);
	limf_groups_free(p->own_g);
	while (p->gmk_retries)
		gmk_retry_free(p, &p->gmk_retries);
	free(p->mc);
	lim_wipe(p->buf, sizeof p->buf);
	free(p);
}
