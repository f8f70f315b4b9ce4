/* handover/ delivery: the durable spool and the link to an authority's HI2 or HI3 (ETSI TS 102
 * 232-1 clause 6, TCP with optional TLS). One spool and one link per (authority, stream): the
 * HI2 spool carries IRI PS-PDUs, the HI3 spool CC PS-PDUs. No threads, no signals: the caller
 * (limf/) polls the descriptors from ho_link_fds() and calls ho_link_step() (STYLE.md rule 2).
 *
 * ---- Spool format (directory, one per stream) ----
 *   seg-<16 hex digits>.spool   append-only segment; the digits are the index of its first record
 *                               (records are numbered 0, 1, 2, ... for the life of the spool).
 *       header  "LIMFSPL1" (8 octets) | first index (u64be)
 *       record  length n (u32be, 1..HO_PDU_MAX) | CRC32C (u32be, Castagnoli, over the length
 *               octets and the n data octets) | n octets: one encoded PS-PDU
 *   ack        the confirmed index: two 24-octet slots written alternately in place,
 *              "LIMFACK2" | confirmed index (u64be) | generation (u32be) | CRC32C of the 20
 *              octets before; the valid slot with the higher generation wins (a torn write
 *              loses at most the newest confirmation: more re-sends, never a loss); no valid
 *              slot is corruption (LIM_E_PARSE). Every record below the index was confirmed
 *              delivered (see below). fdatasync'd before any segment is deleted and at close.
 *   seq        sequence-number state: "limf-seq 1 <spool index>" then one line per key
 *              "<iri|cc> <LIID hex> <CIN> <next seqno>", written atomically (seq.tmp, fsync,
 *              rename, fsync of the directory) when a segment is deleted and at close. It holds
 *              the counters as of <spool index>; ho_spool_open() replays the records at and
 *              after that index (decoding each PS-PDU) to bring the counters up to date, so a
 *              number is never reused and never skipped, unless synced records are damaged on
 *              disk: a damaged record (quarantined, below) is not replayed, so when it held
 *              its call's highest number, that number may be given again to the call's next
 *              record - acceptable, since the damaged one is not delivered (had it been
 *              confirmed before the damage, a de-duplicating LEMF would drop the new one: a
 *              window of one segment, as deleted segments are covered by the seq file). A
 *              damaged length loses the framing: the records after it in its segment are not
 *              replayed either, so up to that segment's worth of numbers may come again.
 *              (limf starts every run with fresh counters - ho_spool_seq_reset, its CINs are
 *              new - so for limf only a reopen within a run, at a reload, can meet this.)
 *              A refused append uses up its number (a gap: the loss shows where it
 *              happened, and the numbers stay the bundle's). Counters are one per
 *              (LIID, CIN, IRI|CC), at most cfg.max_keys: a call's are forgotten when it
 *              ends (ho_spool_seq_forget), else the table fills and new calls are refused.
 *   ended      journal of forgotten calls since the seq file: "limf-end 1" then one line
 *              "<CIN> <LIID hex>" (or "<CIN> *": every LIID) per ho_spool_seq_forget(),
 *              appended at once and fdatasync'd by ho_spool_sync() before the records; folded
 *              into the seq file (and emptied) at every seq file write, every 4096 lines or
 *              a quarter of the counters held, and at the latest when it holds 4 max_keys
 *              (a fold that fails is tried again 1024 forgets later).
 *              At open its calls' counters are dropped from the seq file's and not rebuilt by
 *              the replay, so a forgotten counter stays forgotten across a crash. Only a memory
 *              saving: a line that does not parse (a torn append) ends it, and is cut off.
 *   lock       the owner lock: ho_spool_open() holds an open-file-description write lock
 *              (fcntl F_OFD_SETLK, whole file) on it until ho_spool_free(); like flock() it
 *              belongs to that open, so a second open - another limf process, or the same one -
 *              fails with LIM_E_STATE before reading or changing anything. ho_spool_peek()
 *              reads a spool without taking it (and queries the lock with F_OFD_GETLK).
 *   quarantine/ damaged records (below), one file each: "<16 hex digits: the segment's first
 *              index>-<the record's index, decimal>.bad" holding the record's octets as on
 *              disk, or, when its length is damaged, everything from it to the end of the
 *              segment. Created 0700 / 0600 on first use, written once (temporary file,
 *              fsync, rename); never deleted by limf: the operator keeps them for forensics
 *              and removes them (which also ends the alarm at the next open).
 * A segment is deleted once every record in it is confirmed and the seq file covers it. The
 * active segment is kept below max_bytes / 4 (segment_bytes is clamped), so at least 3/4 of the
 * bound is available to unconfirmed records.
 *
 * ---- Durability ----
 * ho_spool_append() write()s the record; it is durable once ho_spool_sync() (an fdatasync of
 * the segment, plus an fsync of the directory after a new segment) has returned. With
 * cfg.sync_every == 1 every append syncs before returning; with any other value the caller
 * groups appends and calls ho_spool_sync() (group commit), and ho_link_step() syncs before it
 * sends, so limf's loop commits once per turn. Records that are not yet synced survive a kill -9 of
 * the process (they are in the page cache) but not a power loss; the link never sends a record
 * before it is synced, so nothing that an authority has seen can be lost, and its sequence numbers
 * are never reused. Recovery at open: a record that is cut short or fails its CRC at the end of the
 * last segment (a torn write), at or above the ack file's index, is truncated away and counted in
 * ho_spool_stats.torn_bytes, and so is a tail of zero octets from a record header (or from the end
 * of a record that fails its CRC) to the end of the last segment, whatever its length: what a file
 * system returns for data that was never synced after a power loss - never synced, so never sent.
 * Each cut is also a warning on stderr (file, offset, octets): a synced last record damaged on
 * disk looks the same (no synced mark is kept) and is cut alike, its content not handed over.
 * But a record whose length does not frame (0 with non-zero octets after it, or past the end)
 * followed by a record that checks is damage, not a tear (what a crash leaves unwritten
 * holds nothing that checks): quarantined as below, never cut.
 * Below the ack file's index a record was confirmed delivered, hence synced: whatever is wrong
 * there is damage (below), not a tear.
 * ---- Damaged records (a bit flip on disk) ----
 * One damaged synced record must not stop an authority's delivery: for lawful interception the
 * interception and delivery go on, the damage is reported loudly and its octets kept. A record
 * that does not check and is not a torn tail - at open (scan) or at a read (which re-checks
 * length and CRC) - is quarantined (quarantine/ above), counted in ho_spool_stats.damaged,
 * raises the alarm and is logged once per handle; its index then holds nothing to send
 * (ho_spool_read: *len 0), so the link passes over it and the authority sees a gap in the
 * sequence numbers (TS 102 232-1's signal for loss). Two kinds:
 *   - the length is in range and the record ends where a record that checks starts (or where
 *     the segment ends): only its CRC fails, its boundary is known, only it is skipped;
 *   - otherwise (an impossible length, or a CRC failure with no record that checks after it)
 *     the framing is lost: the rest of the segment cannot be delimited and is quarantined as
 *     one file (damaged + 1); its indices run up to the next segment's first index (from its
 *     name and header). In the last segment that number is unknown: at least one index, and
 *     enough to reach the ack file's index. No record is appended after such octets: the next
 *     append starts a new segment.
 * A record damaged since it was confirmed (in a segment not yet deleted) is quarantined too.
 * Still refused at open (LIM_E_PARSE, the directory left as it is, a log line naming the file
 * and offset): a segment header that does not match its name, a non-last segment shorter than
 * its header or whose undelimitable octets leave no index before the next segment, a record
 * that checks but does not decode, gaps between segments, an unreadable ack file. A damaged
 * seq file, or none once segments were deleted, is not refused: the alarm is raised, a log line
 * says so, and the counters are made again from every record held (those of a call whose
 * records were all delivered and deleted are lost: its numbers may be given again).
 * A full disk is a full spool: a record or a new segment's header that cannot be written is
 * undone (truncated, or the half-made segment removed) and the append refused (LIM_E_LIMIT,
 * alarm); the next append tries again, so appends and reads resume once there is room. A
 * confirmation whose deletion of the segments it covers fails (their seq file rewrite, on a
 * full disk) keeps them until a later confirmation, or an append refused for room (at most
 * once a second), deletes them; an open does the same. A segment written under a larger
 * max_bytes opens under a smaller one.
 *
 * ---- Delivery guarantee (exactly once, precisely) ----
 * TS 102 232-1 gives no per-PDU acknowledgement over HI2/HI3; a TCP send only says the bytes
 * reached the local kernel. The one application-level answer is keep-aliveResponse, and it
 * travels in order on the same connection: when the LEMF answers a keep-alive that was sent
 * after record k, it has read every record up to k. The link therefore uses keep-alives as
 * cumulative acknowledgements: after every cfg.confirm_every records (and at the end of each
 * burst) it sends a keep-alive, remembers the spool index it followed, and on the matching
 * response persists that index in the ack file. A keep-alive counts as sent once its last octet
 * has been written to the socket: a response to one still in limf's output buffer cannot be
 * genuine (on plain TCP it may be forged: the numbers are predictable) and drops the
 * connection without confirming anything. At most cfg.window records are sent beyond the
 * confirmed index. After a lost connection or a restart, sending resumes at the confirmed index.
 * Guarantee: every record appended and synced is delivered, in spool order, at least once,
 * as long as the spool directory survives. A record is re-sent only when it was not yet
 * confirmed when the connection or the process died: at most cfg.window records per lost
 * connection or killed process (the ack slots are written before the process can die, into the
 * page cache). After an OS crash or power loss the ack may be older - by the confirmations
 * since its last fdatasync, at most the records of one segment plus the window - and those are
 * re-sent too. A repeated record is byte-identical to the first copy (same PS-PDU, same
 * sequenceNumber, stamped once at append), so a LEMF that discards a (LIID, CIN, IRI|CC,
 * sequenceNumber) it has already accepted - as TS 102 232-1's sequence numbering allows and
 * tests/lemf does - sees every PDU exactly once and in order. Without that de-duplication the
 * guarantee is at-least-once with bounded, identified repeats (the LEMF's de-duplication state
 * must itself survive the LEMF's restarts). Keep-alives carry their own
 * sequence counter and LIID (cfg.ka_hdr) and are not spooled.
 */
#ifndef HO_DELIVER_H
#define HO_DELIVER_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "handover/handover.h"

/* ---- spool ---- */

#define HO_SPOOL_SEG_DEFAULT (16u << 20) /* default segment size */
#define HO_SEQ_KEYS_MAX      65536u      /* (LIID, CIN, IRI|CC) counters per spool: default */
#define HO_SEQ_KEYS_HARD     (1u << 24)  /* the most ho_spool_cfg.max_keys may say */

struct ho_spool;

struct ho_spool_cfg {
	const char *dir; /* borrowed; created (0700) when missing */
	/* dir's first trusted_len characters name the directory an administrator configured
	 * (spool_dir), opened by name; the components after it are limf's own, each opened under
	 * its parent's descriptor, never through a link (common/owner.h lim_dir_open). 0: all
	 * but dir's last component. */
	size_t trusted_len;
	uint64_t max_bytes;     /* bound on all live segments; appends beyond it: LIM_E_LIMIT */
	uint64_t segment_bytes; /* a new segment starts past this size (0: HO_SPOOL_SEG_DEFAULT) */
	unsigned sync_every;    /* 1: every append syncs; else the caller calls ho_spool_sync() */
	/* sequence counters held at once, one per (LIID, CIN, IRI|CC) of the calls in progress
	 * (0: HO_SEQ_KEYS_MAX; at most HO_SEQ_KEYS_HARD): a new call's first PDU beyond them is
	 * refused. Size it from the calls the caller can have in progress, so that only its own
	 * tables' limits, never this one, decide which call is left out. */
	size_t max_keys;
};

struct ho_spool_stats {
	uint64_t head;       /* index the next appended record gets */
	uint64_t synced;     /* records below this are durable */
	uint64_t confirmed;  /* records below this are confirmed delivered */
	uint64_t bytes;      /* bytes in live segments */
	uint64_t appended;   /* records appended since open */
	uint64_t refused;    /* appends refused: spool or disk full, or counter table full */
	uint64_t torn_bytes; /* bytes truncated from a torn tail at open */
	/* damaged records quarantined: the files in quarantine/ (counted at open, so earlier
	 * runs' too, plus each new one); a damaged region (a lost framing) counts once */
	uint64_t damaged;
	uint64_t seq_keys;  /* sequence counters held */
	uint64_t max_bytes; /* the bound in force (ho_spool_set_max_bytes) */
	/* latched when an append was refused or a record quarantined, and at open when
	 * quarantine/ holds files; see clear_alarm */
	bool alarm;
};

/* Opens (recovering) or creates the spool in cfg->dir, and holds its owner lock until
 * ho_spool_free (see top). Errors: LIM_E_ARG (bad cfg), LIM_E_STATE (another handle - another
 * limf process, or this one - has the directory open: nothing was read or changed), LIM_E_IO,
 * LIM_E_PARSE (corruption, see top), LIM_E_NOMEM. */
LIM_WUR enum lim_err ho_spool_open(const struct ho_spool_cfg *cfg, struct ho_spool **out);
/* Syncs, writes the seq file and frees; NULL is a no-op. */
void ho_spool_free(struct ho_spool *s);
/* A new bound on the live segments (a reload of the configuration, without re-reading the
 * spool): the next appends are checked against it; what is already spooled above it stays and
 * is delivered (appends are refused until it drains below). LIM_E_ARG when too small (as
 * ho_spool_open). */
LIM_WUR enum lim_err ho_spool_set_max_bytes(struct ho_spool *s, uint64_t max_bytes);

/* Appends one encoded PS-PDU (copied), which must decode (ho_decode_pdu) and be IRI (SIP, key
 * management, call end or group) or CC; its
 * sequenceNumber must be the one ho_spool_next_seq() gives (the counter then advances). For most
 * callers ho_spool_put_iri/_cc below are simpler. Errors: LIM_E_ARG (not a data PDU, or a
 * sequence number out of order), LIM_E_LIMIT (refused, nothing written, the alarm raised and
 * refused counted; its sequence number is used up all the same - the authority sees a gap, the
 * loss's ETSI signal - except for a new call's first PDU refused for a full counter table,
 * which makes no counter: the spool is full (max_bytes), or the disk is - also when
 * a new segment cannot be started; it is removed and the next append tries again - or the PDU
 * starts a new (LIID, CIN, IRI|CC) counter while max_keys are held), LIM_E_IO. Errors
 * other than LIM_E_LIMIT/LIM_E_ARG are sticky. */
LIM_WUR enum lim_err ho_spool_append(struct ho_spool *s, const uint8_t *pdu, size_t n);
/* Stamps h->seqno with the next number for (h->liid, h->cin, IRI|CC), encodes and appends. */
LIM_WUR enum lim_err ho_spool_put_iri(struct ho_spool *s, struct ho_psheader *h,
				      const struct ho_iri_sip *iri);
LIM_WUR enum lim_err ho_spool_put_cc(struct ho_spool *s, struct ho_psheader *h,
				     const struct ho_cc_rtp *cc);
/* A limf key-management IRI record (handover.h), numbered with the SIP IRI of its call. */
LIM_WUR enum lim_err ho_spool_put_keymgmt(struct ho_spool *s, struct ho_psheader *h,
					  const struct ho_iri_keymgmt *km);
/* A limf call-end or group IRI record (handover.h), numbered with the other IRI of its call. */
LIM_WUR enum lim_err ho_spool_put_callend(struct ho_spool *s, struct ho_psheader *h,
					  const struct ho_iri_callend *ce);
LIM_WUR enum lim_err ho_spool_put_group(struct ho_spool *s, struct ho_psheader *h,
					const struct ho_iri_group *g);
/* The sequence number the next PDU for (liid, cin, cc ? CC : IRI) gets (0 for a new key). */
uint32_t ho_spool_next_seq(const struct ho_spool *s, const char *liid, uint32_t cin, bool cc);
/* Forgets the counters of a finished call: of (liid, cin), or of every LIID of cin when liid is
 * NULL. The caller promises that no PDU of that call is appended afterwards (limf: its CIN is
 * never handed out again, and the call is forgotten when its state is freed, after its last
 * record); a PDU appended anyway would start again at sequence number 0. Records of the call
 * still in the spool keep their numbers and are delivered as before. Persistent: written at
 * once to the ended journal (see top), so a restart does not bring the counters back. Without
 * forgets the table fills (max_keys) and every new call is refused. A call with no
 * counter held is a no-op. Errors (the counters are forgotten in memory all the same, and the
 * seq file written at close leaves them out): LIM_E_ARG (bad liid), LIM_E_IO (the journal line
 * could not be written: after a crash that call's counters may come back), LIM_E_LIMIT (the
 * journal is full because folding it into the seq file keeps failing), the sticky error. */
LIM_WUR enum lim_err ho_spool_seq_forget(struct ho_spool *s, const char *liid, uint32_t cin);
/* Forgets every counter, durably (the seq file is written at once): for a process that starts
 * anew and never appends to a call numbered before (limf: a run's CINs are new, so the calls
 * of an earlier run - also those cut off by a crash, which never ended - get no more records).
 * Records keep their numbers. Errors: LIM_E_IO (the counters are forgotten in memory all the
 * same; the seq file is written again at close), the sticky error. */
LIM_WUR enum lim_err ho_spool_seq_reset(struct ho_spool *s);
/* Makes every appended record durable. */
LIM_WUR enum lim_err ho_spool_sync(struct ho_spool *s);

/* Reads record idx (confirmed <= idx < synced) into buf[0..cap) (borrowed), *len = its length.
 * LIM_OK with *len == 0: idx holds nothing to send (a damaged record, quarantined: see
 * "Damaged records"); the caller passes over it and confirms it with the others. A damaged
 * record is never an error. LIM_E_ARG for an index outside that range, LIM_E_LIMIT when cap is
 * too small, LIM_E_IO (a read that failed: nothing skipped). Sequential reads are cheap (the
 * spool keeps a read cursor). */
LIM_WUR enum lim_err ho_spool_read(struct ho_spool *s, uint64_t idx, uint8_t *buf, size_t cap,
				   size_t *len);
/* Records below idx are delivered: persists the ack file and deletes finished segments.
 * idx must lie in [confirmed, synced] (LIM_E_ARG). A failed write of the ack slot returns
 * LIM_E_IO and is not sticky: that confirmation is simply not recorded (confirmed unchanged;
 * the other slot still holds the previous index, and the torn one is written again next
 * time), so the records are sent again later - duplicates, never a loss. A failed ack
 * fdatasync after it is sticky; the seq file's rewrite or a segment's deletion that fails
 * leaves the segments for a later try (see "A full disk" above), not sticky. */
LIM_WUR enum lim_err ho_spool_confirm(struct ho_spool *s, uint64_t idx);

/* CRC32C (Castagnoli) of p[0..n) continuing from crc (0 to start); "123456789" -> e3069283. */
uint32_t ho_crc32c(uint32_t crc, const void *p, size_t n);

void ho_spool_get_stats(const struct ho_spool *s, struct ho_spool_stats *st);
/* Read-only look at the spool in dir, for a process that does not own it (`limf handover
 * status` while `limf capture` runs): takes no lock, writes nothing, replays nothing. Fills
 * head (= synced: whole records on disk; a torn or in-progress tail is not counted), confirmed,
 * bytes, damaged (the files in quarantine/) and alarm (damaged > 0); the owner's other counters
 * (appended, refused, torn_bytes, seq_keys) are not on disk and stay 0. *in_use: another
 * handle holds the owner lock (a query: F_OFD_GETLK). A missing dir is an empty spool. Errors:
 * LIM_E_IO, LIM_E_PARSE (a segment header that does not match its name, an unreadable ack
 * file; damaged records are not errors), LIM_E_NOMEM, LIM_E_LIMIT. trusted_len: as in
 * struct ho_spool_cfg. */
LIM_WUR enum lim_err ho_spool_peek(const char *dir, size_t trusted_len, struct ho_spool_stats *st,
				   bool *in_use);
void ho_spool_clear_alarm(struct ho_spool *s);

/* ---- link ---- */

enum ho_link_state {
	HO_LINK_DOWN = 0,       /* not connected, will connect at the next step */
	HO_LINK_CONNECTING = 1, /* TCP connect or TLS handshake in progress */
	HO_LINK_UP = 2,
	HO_LINK_BACKOFF = 3, /* waiting before the next attempt */
	HO_LINK_CLOSED = 4,  /* drained and closed (ho_link_drain) */
	/* a spool operation failed (sync, an I/O error reading the next record, persisting a
	 * confirmation; never a damaged record, which is passed over: see the spool):
	 * the connection is closed and nothing is sent; after the back-off the link connects
	 * again and retries. ho_link_stats.spool_err / .error say what failed; they stay set
	 * through the retries (states down, connecting, up) until one gets past the failure. */
	HO_LINK_SPOOL_ERROR = 5
};

/* Random source for the back-off jitter (injected: tests pass a deterministic one). */
typedef uint64_t (*ho_rng_fn)(void *ctx);

struct ho_link_cfg {
	const char *addr; /* "host:port" or "[v6]:port", borrowed for ho_link_new only */
	/* TLS 1.2+ when tls_ca is set: the server certificate must chain to tls_ca; tls_cert and
	 * tls_key (PEM files) are the client certificate, sent when set (both or neither).
	 * tls_name: the name the server certificate must carry (default: the host of addr; "" =
	 * chain check only). Without tls_ca the link is plain TCP, and tls_cert, tls_key or
	 * tls_name set without it is refused (LIM_E_ARG) rather than ignored. Mutual TLS is the
	 * caller's policy: limf/ requires all three unless the authority opts in to plaintext. */
	const char *tls_ca, *tls_cert, *tls_key, *tls_name;
	uint32_t connect_timeout_ms; /* TCP connect + TLS handshake (0: 5000) */
	uint32_t backoff_min_ms;     /* first retry delay (0: 100) */
	uint32_t backoff_max_ms;     /* cap (0: 30000) */
	uint32_t keepalive_idle_ms;  /* keep-alive after this long without sending (0: 10000) */
	/* a keep-alive's response is expected within this time (0: 10000) of its last octet
	 * being written to the socket (not of its queueing: on a slow path queued output takes
	 * time to leave); while output waits, the peer must take some of it within the same time;
	 * else the link reconnects (ka_timeouts) */
	uint32_t keepalive_timeout_ms;
	uint32_t confirm_every;    /* keep-alive after this many records (0: 256) */
	uint32_t window;           /* most unconfirmed records in flight (0: 4096) */
	struct ho_psheader ka_hdr; /* header of keep-alives (LIID, operator; seqno is the link's) */
	ho_rng_fn rng;             /* NULL: a fixed-seed xorshift */
	void *rng_ctx;
};

struct ho_link_stats {
	enum ho_link_state state;
	uint64_t connects;         /* connections established (after TLS) */
	uint64_t connect_failures; /* attempts that failed or timed out */
	uint64_t disconnects;      /* established connections lost */
	uint64_t sent;             /* records written (re-sends included) */
	uint64_t skipped;          /* indices passed over: damaged records the spool quarantined */
	uint64_t resent;           /* records written a second time or more */
	uint64_t bytes;            /* record bytes written */
	uint64_t ka_sent, ka_answered, ka_timeouts;
	uint64_t confirmed;  /* the spool's confirmed index */
	uint32_t backoff_ms; /* the current (last chosen) back-off delay */
	/* the last connection error (LIM_OK when none); LIM_E_PARSE also for a keep-aliveResponse
	 * to a keep-alive not yet fully written (forged, or a broken peer: connection dropped) */
	enum lim_err last_err;
	uint64_t spool_errors;  /* times a spool error stopped sending (HO_LINK_SPOOL_ERROR) */
	enum lim_err spool_err; /* that error, until a retry gets past it (LIM_OK: none) */
	/* the same in words ("" when none), e.g. "confirming the records below 15: I/O error" */
	char error[128];
};

struct ho_link;

/* TLS: the client certificate is checked by the server during the handshake; with TLS 1.3 a
 * server that refuses it does so after the client's handshake completes, so such a connection
 * counts as established and then lost (disconnects), never confirming anything.
 * spool is borrowed and must outlive the link. Errors: LIM_E_ARG (bad addr / cfg), LIM_E_CRYPTO
 * (TLS files unreadable or unusable), LIM_E_NOMEM; why (may be NULL) then says which, e.g. the
 * key file's reason (common/pkey.h) or a key that does not match its certificate, naming the
 * file. No connection is made yet. */
LIM_WUR enum lim_err ho_link_new(const struct ho_link_cfg *cfg, struct ho_spool *spool,
				 struct ho_link **out, char *why, size_t whycap);
void ho_link_free(struct ho_link *l);

/* Fills at most cap pollfds (1 is enough) for the current state and returns how many; *timeout_ms
 * is the time until the next timer (-1: none), for poll(). now_ms: a monotonic clock. */
size_t ho_link_fds(struct ho_link *l, struct pollfd *pfd, size_t cap, uint64_t now_ms,
		   int *timeout_ms);
/* Advances the state machine: connects, handshakes, writes records, reads responses, runs the
 * timers. Never waits on the network (a host name, not an address literal, is resolved in the
 * background by getaddrinfo_a at each connection attempt, within the connect timeout; each of
 * its addresses is then tried in turn, each with the connect timeout, until one connects); it
 * does wait on the disk (ho_spool_sync, the ack slot, and when a segment is finished the seq
 * file and ack fdatasync). Connection errors are handled
 * inside (back-off). The return is LIM_OK, or the spool error (LIM_E_IO, LIM_E_PARSE, ...)
 * that stopped sending in this step: the link is then HO_LINK_SPOOL_ERROR (see there) and
 * retries by itself; keep stepping. Records before an unreadable one that were already queued
 * on the connection are confirmed first; the unreadable one and all after it wait, and the
 * spool goes on accepting appends until it is full. */
LIM_WUR enum lim_err ho_link_step(struct ho_link *l, uint64_t now_ms);
/* Graceful shutdown: from now on the link sends what is synced, waits for the confirming
 * keep-alive response and then closes (state HO_LINK_CLOSED), or gives up at deadline_ms
 * (closing; what is unconfirmed stays in the spool). Keep stepping until ho_link_done(). */
void ho_link_drain(struct ho_link *l, uint64_t deadline_ms);
bool ho_link_done(const struct ho_link *l); /* closed after ho_link_drain (never by an error) */
void ho_link_get_stats(const struct ho_link *l, struct ho_link_stats *st);
const char *ho_link_state_name(enum ho_link_state s);

#endif
