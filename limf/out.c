/* limf/ outputs of the pipeline: see out.h. */
#include "limf/out.h"
#include "limf/opts.h"
#include "limf/text.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "common/json.h"
#include "common/log.h"
#include "common/thread.h"
#include "common/wipe.h"
#include "handover/handover.h"
#include "limf/kms_glue.h"
#include "limf/mcalls.h"
#include "warrants/warrants.h"

/* LIIDs a bundle records at most: each holds up to REC_FDS descriptors (and write buffers)
 * until the bundle is closed; fewer when the open-file limit leaves less room beside FD_SPARE
 * for the rest (limf_out_new; none below it). The LIIDs past it are not recorded (the bundle
 * says it is incomplete); their network handover goes on. */
#define REC_MAX  1024
#define REC_FDS  4                /* iri.jsonl, hi2.pdu, cc.pcap, hi3.pdu */
#define FD_SPARE (MAX_WAV + 256u) /* the WAVs, inputs, sockets, the database, the spools */
/* The LIIDs known without being recorded (no bundle: the live handover; or past REC_MAX) are
 * forgotten once no call of theirs is in progress, when there are SWEEP_AT LIIDs (then twice
 * as many as are left): a service running for months meets any number of LIIDs. One that
 * comes back has its warrant read again (out_of). */
#define SWEEP_AT 256
/* WAVs a bundle holds at most: the other outputs (REC_FDS a LIID) keep their room */
#define WAV_FILES (HO_BUNDLE_MAX_FILES - REC_MAX * REC_FDS)

#define MAX_WAV 512 /* WAVs open at once (each holds a descriptor); closed ones are reused */
#define PDU_BUF (96u * 1024u)
#define Q_SLOTS 4096u /* CC packets queued for the recording thread */
#define Q_DATA  1600u /* RTP octets of a queued packet at most; a longer one is recorded in place */
#define Q_BYTES (1u << 20) /* the queued packets' octets (Q_SLOTS voice packets of ~200 fit) */
#define Q_BATCH 128u       /* packets queued before the recording thread is woken (or a drain) */
#define HINT_N  1024u /* stream hints (on_cc): a power of two, well above the streams of a run */

/* the manifest's "calls" at most: ho_bundle_close's cap less room for the other members */
#define CALLS_MAX (HO_BUNDLE_EXTRA_MAX - (1u << 20))

/* A LIID's sequence counters of one call in progress (by CIN: struct liid_out's seqs) */
struct seq {
	uint32_t cin, iri, cc;
	bool used;
};

/* A LIID as the name of its directory in the bundle: one path component. A LIID may hold '/'
 * and be "." or ".." (TS 102 232-1 allows 1..25 of [A-Za-z0-9._:/-]: warrants/), which would
 * nest one LIID's directory in another's ("A" and "A/audio") or leave the bundle, or be the
 * name of one of the bundle's own files (manifest.json, .sig, .pub: the bundle could not be
 * signed); so '/' is written %2F, and the dots of a LIID made of dots only, or named like one
 * of those files, %2E. '%' never occurs in a LIID: the mapping is one to one, and any other
 * LIID without '/' is its own name. The manifest's warrants give each LIID's directory
 * ("dir"). */
#define LIID_DIR_MAX (3 * WR_LIID_MAX + 1)
static void liid_dir(const char *liid, char out[LIID_DIR_MAX])
{
	size_t k = 0;
	bool dots = (liid[0] != '\0' && strspn(liid, ".") == strlen(liid)) ||
		    strcmp(liid, "manifest.json") == 0 || strcmp(liid, "manifest.sig") == 0 ||
		    strcmp(liid, "manifest.pub") == 0;
	for (size_t i = 0; liid[i] && i < WR_LIID_MAX && k + 4 <= LIID_DIR_MAX; i++) {
		if (liid[i] == '/' || (dots && liid[i] == '.')) {
			memcpy(out + k, liid[i] == '/' ? "%2F" : "%2E", 3);
			k += 3;
		} else {
			out[k++] = liid[i];
		}
	}
	out[k] = '\0';
}

/* A WAV of the bundle. cin, ssrc, pt, path and open belong to the pipeline's thread (which
 * decides which packet goes to which WAV, and when its call ends); w and tried to the thread
 * that records the CC packets (which opens the file at the stream's first packet). */
/* A WAV slot. A slot whose call has ended (open false) is reused for a new stream once the
 * recording thread has closed its file (closed, set by it with release after its last use of
 * the slot; the packets of the old stream all come before the close in the ring): before, the
 * 513th G.711 stream of a run got no WAV at all, silently (review finding 3). */
struct wavs {
	uint32_t cin, ssrc;
	uint8_t pt;
	bool open;          /* takes packets (until its call ends) */
	bool tried;         /* the file was opened (or that failed) */
	atomic_bool closed; /* the slot is free: its close was done (pipeline: acquire) */
	const struct liid_out *o;
	struct ho_wav *w;
	char liid[WR_LIID_MAX + 1];
	char path[128];
};

/* What on_cc looked up last for one stream (LIID, CIN, SSRC): the slot of its (LIID, CIN)
 * sequence counters and the index of its WAV, so that a packet does not look them up. Only a
 * shortcut to what the look-ups return: a LIID holds one counter slot per CIN, and a WAV's
 * index is the open one of the stream (a stream has at most one open WAV; a closed slot may be
 * reused by another stream), so an entry whose slot still holds this CIN, and an open WAV of
 * this stream, is exactly what the look-ups would find. Direct-mapped: a collision only costs
 * the look-up. */
struct stream_hint {
	const struct liid_out *o; /* NULL: empty */
	uint32_t cin, ssrc;
	uint32_t seq; /* slot of o->seqs */
	uint32_t wav; /* not 0: WAV wav - 1 */
};

/* A warrant's facts for the manifest as read at a time (as_of, wall clock, wr time) */
struct w_facts {
	bool have;
	int64_t as_of;
	char authority[WR_TEXT_MAX + 1], authority_ref[WR_TEXT_MAX + 1], country[3];
	enum wr_scope scope;
	enum wr_status status;
	int64_t valid_from, valid_to;
};

struct liid_out {
	char liid[WR_LIID_MAX + 1];
	/* the warrant when this bundle first had output of it: what the interception began
	 * under (a capture --record lasting days may see it modified, suspended, revoked); its
	 * country is the PS header's authorisation country ("" when it could not be read) */
	struct w_facts first;
	struct ho_psheader hdr; /* this LIID's PS header fields (per packet: CIN, seq, time) */
	struct ho_bfile *iri, *hi2, *hi3;
	struct ho_ccw *cc;
	bool recorded;   /* the bundle records it (its outputs are in the bundle) */
	bool dlv_warned; /* its delivery names no configured authority: said */
	/* the calls in progress (n_seq) in an open-addressing table by CIN (cap_seq slots, a
	 * power of two, at most half full): found, added and removed in constant time, however
	 * many a flood of INVITEs naming the target makes (bounded by the call tables) */
	size_t n_seq, cap_seq;
	struct seq *seqs;
	uint64_t n_iri, n_cc;
};

/* The facts of w, read now */
static void w_facts_of(const struct wr_warrant *w, struct w_facts *f)
{
	struct timespec ts;
	memset(f, 0, sizeof *f);
	f->have = true;
	clock_gettime(CLOCK_REALTIME, &ts);
	f->as_of = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	memcpy(f->authority, w->authority, sizeof f->authority);
	memcpy(f->authority_ref, w->authority_ref, sizeof f->authority_ref);
	memcpy(f->country, w->country, sizeof f->country);
	f->scope = w->scope;
	f->status = w->status;
	f->valid_from = w->valid_from;
	f->valid_to = w->valid_to;
}

static bool w_facts_same(const struct w_facts *a, const struct w_facts *b)
{
	return strcmp(a->authority, b->authority) == 0 &&
	       strcmp(a->authority_ref, b->authority_ref) == 0 &&
	       strcmp(a->country, b->country) == 0 && a->scope == b->scope &&
	       a->status == b->status && a->valid_from == b->valid_from &&
	       a->valid_to == b->valid_to;
}

/* One decrypted packet for the evidence recording (cc.pcap, hi3.pdu, WAV): everything on_cc
 * computed on the pipeline's thread (sequence number, PS header), and the packet. */
struct cc_item {
	size_t close_wav; /* not 0: no packet, close WAV close_wav - 1 (its call has ended) */
	size_t wav;       /* not 0: the packet's payload also goes to WAV wav - 1 */
	struct liid_out *o;
	struct ho_psheader h;
	uint64_t ts_ns;
	uint32_t cin, ssrc, rtp_ts;
	uint16_t sport, dport;
	uint8_t family, pt;
	enum ho_direction dir;
	uint8_t src[16], dst[16];
	const uint8_t *rtp; /* in the ring's octets, or the caller's when recorded in place */
	size_t len;
	uint64_t dpos; /* queued: where its octets start in the ring's octet stream (ccq.data) */
};

/* The recording thread: a single-producer ring of CC packets [tail, head) in
 * items[i % Q_SLOTS], their octets in data (a byte ring: item i's start at position
 * items[i].dpos of the octet stream, data[dpos % Q_BYTES], never split by the ring's end;
 * positions only grow, so the octets in use are [items[tail].dpos, dhead)), written to
 * cc.pcap, hi3.pdu and the WAVs (which only it writes, in ring order) while the pipeline's
 * thread goes on, also writing iri.jsonl and hi2.pdu (which only it writes; bundle.h allows
 * different outputs on different threads). Whatever opens or closes outputs or reads the
 * recording thread's state on the pipeline's thread (a new LIID, a call's end, the manifest,
 * reconfiguration, the accessors) first waits until the ring is empty and the thread idle
 * (drain). Each file thus gets its records in the pipeline's order: the files are those the
 * single-threaded writer made. */
struct ccq {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	bool running;
	bool quit, busy; /* under mu */
	/* head (producer) and tail (recording thread) are published with release/acquire, so a
	 * packet passes without a lock; the flags (sequentially consistent) decide who must take
	 * mu to wake the other: the thread waits for work (sleeping), the producer for space
	 * (full_wait), a drain for everything (flush) */
	char pad0[64]; /* head, tail and the flags on cache lines of their own */
	_Atomic uint64_t head;
	char pad1[64];
	_Atomic uint64_t tail;
	char pad2[64];
	atomic_bool sleeping, full_wait, flush;
	char pad3[64];
	struct cc_item *items;
	uint8_t *data;  /* Q_BYTES */
	uint64_t dhead; /* producer: the octet stream's next free position */
	uint8_t *pdu;   /* PDU_BUF: the recording thread's encoding buffer */
};

struct limf_out {
	struct ho_bundle *b;
	struct limf_dlv *dlv; /* --deliver: the network handover, else NULL */
	uint64_t dlv_iri, dlv_cc, dlv_err, cin_err, forget_err;
	/* the spool refusing: said when it starts, when its reason changes and when it ends (a
	 * refusal that clears and comes back is said again; not once per run) */
	bool dlv_failing;
	enum lim_err dlv_last;
	uint64_t dlv_run; /* refused since it started */
	uint32_t local_cin;
	bool cin_failing; /* the last CIN reservation failed (said when it starts and ends) */
	struct wr_db *db;
	const struct limf_conf *conf;
	/* every LIID with output (allocated one by one: the stream hints, queued packets and
	 * WAVs point at them), and an index of them by name (ix_cap slots, a power of two, at
	 * most half full; 0 empty, else 1 + the index into out) */
	struct liid_out **out;
	size_t n_out, cap_out, sweep_at;
	uint32_t *ix;
	size_t ix_cap;
	size_t rec_max;  /* LIIDs the bundle records at most */
	uint64_t nofile; /* rec_max is set by this open-file limit (else 0: REC_MAX) */
	/* LIIDs the bundle records, and the records of LIIDs past rec_max, not recorded (the
	 * first such LIID below): the pipeline's thread writes them, limf status reads them */
	_Atomic size_t n_rec;
	_Atomic uint64_t unrec_iri, unrec_cc;
	_Atomic uint64_t undelivered; /* records of LIIDs with no [authority] (dlv_wanted) */
	char unrec_first[WR_LIID_MAX + 1];
	/* CC packets cc.pcap cannot hold (longer than an IPv4 record, dated after 2106): in
	 * hi3.pdu only (recording thread; read when drained) */
	uint64_t pcap_refused;
	size_t n_wav; /* slots ever used: wav[0..n_wav) */
	struct wavs wav[MAX_WAV];
	char (*wpath)[128]; /* every WAV of the run, in order (limf_out_wav) */
	size_t n_wpath, cap_wpath;
	/* G.711 packets of the CC that no WAV has (cc.pcap and hi3.pdu have them all): given none
	 * by the pipeline's thread (MAX_WAV open at once, the bundle's WAVs all made, another
	 * payload type in the stream's WAV, no RTP payload), and left out by the writer on the
	 * recording thread (before the WAV's segment start, past its length cap; read when
	 * drained). The manifest's audio.packets_without_wav is their sum */
	uint64_t wav_refused, wav_dropped;
	bool wav_warned;
	struct stream_hint hint[HINT_N]; /* pipeline's thread */
	struct limf_mcalls calls;        /* the manifest's "calls" (with a bundle) */
	bool calls_warned;
	_Atomic(enum lim_err) err; /* first output failure (sticky; set under q.mu) */
	char errmsg[256];
	struct ccq q;
	uint8_t pdu[PDU_BUF];
};

static void drain(struct limf_out *r);

/* The first failure of the evidence recording: from then on nothing more is recorded (the
 * network delivery goes on); limf_out_error reports it, and it is said on stderr now (a
 * capture --record service used to say it only when stopped, days later). */
static void fail(struct limf_out *r, enum lim_err e, const char *what)
{
	bool first = false;
	pthread_mutex_lock(&r->q.mu);
	if (r->err == LIM_OK) {
		snprintf(r->errmsg, sizeof r->errmsg, "%s: %s", what, lim_strerror(e));
		r->err = e;
		first = true;
	}
	pthread_mutex_unlock(&r->q.mu);
	if (first)
		lim_err_log(
			"the evidence recording stopped: %s: %s (the bundle will not be signed)",
			what, lim_strerror(e));
}

/* Whether the evidence bundle is being written. */
static bool rec(const struct limf_out *r)
{
	return r->b && r->err == LIM_OK;
}

/* The fixed part of a LIID's PS headers, built once (out_of). */
static void psheader_init(const struct limf_out *r, struct liid_out *o)
{
	struct ho_psheader *h = &o->hdr;
	memset(h, 0, sizeof *h);
	h->version = HO_PS_VERSION_DEFAULT;
	snprintf(h->liid, sizeof h->liid, "%s", o->liid);
	memcpy(h->auth_cc, o->first.country, sizeof h->auth_cc);
	snprintf(h->op_id, sizeof h->op_id, "%s", limf_conf_op_id(r->conf));
	snprintf(h->ne_id, sizeof h->ne_id, "%s", r->conf->ne_id);
	memcpy(h->deliv_cc, r->conf->country, sizeof h->deliv_cc);
	h->tsq = HO_TSQ_INTERCEPTION;
}

static uint64_t liid_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325u; /* FNV-1a */
	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 0x100000001b3u;
	}
	return h;
}

static struct liid_out *liid_find(const struct limf_out *r, const char *liid)
{
	size_t m = r->ix_cap - 1;
	if (!r->ix_cap)
		return NULL;
	for (size_t i = liid_hash(liid) & m;; i = (i + 1) & m) {
		uint32_t k = r->ix[i];
		if (k == 0)
			return NULL;
		if (strcmp(r->out[k - 1]->liid, liid) == 0)
			return r->out[k - 1];
	}
}

static void ix_put(struct limf_out *r, size_t idx)
{
	size_t m = r->ix_cap - 1, i = liid_hash(r->out[idx]->liid) & m;
	while (r->ix[i])
		i = (i + 1) & m;
	r->ix[i] = (uint32_t)idx + 1;
}

/* Every LIID put into the index again (emptied first). */
static void ix_refill(struct limf_out *r)
{
	memset(r->ix, 0, r->ix_cap * sizeof *r->ix);
	for (size_t i = 0; i < r->n_out; i++)
		ix_put(r, i);
}

/* The index rebuilt with cap slots (a power of two); false, nothing changed, without memory. */
static bool ix_build(struct limf_out *r, size_t cap)
{
	uint32_t *ix = calloc(cap, sizeof *ix);
	if (!ix)
		return false;
	free(r->ix);
	r->ix = ix;
	r->ix_cap = cap;
	ix_refill(r);
	return true;
}

/* Forgets the LIIDs that are not recorded and have no call in progress (SWEEP_AT), but for
 * those whose delivery names no authority (kept so that it is said once). They are in no
 * queued packet and no WAV (only recorded LIIDs are); the stream hints, which may name them,
 * are cleared (they are only shortcuts). */
static void sweep(struct limf_out *r)
{
	size_t k = 0;
	for (size_t i = 0; i < r->n_out; i++) {
		struct liid_out *o = r->out[i];
		/* (one whose delivery was said to be unknown is kept: said once, until a reload) */
		if (!o->recorded && o->n_seq == 0 && !o->dlv_warned) {
			free(o->seqs);
			free(o);
		} else {
			r->out[k++] = o;
		}
	}
	if (k < r->n_out) {
		r->n_out = k;
		memset(r->hint, 0, sizeof r->hint);
		ix_refill(r);
	}
	r->sweep_at = 2 * r->n_out > SWEEP_AT ? 2 * r->n_out : SWEEP_AT;
}

/* Whether a record of o would have been recorded but is not: o is past rec_max. */
static bool unrec(const struct limf_out *r, const struct liid_out *o)
{
	return rec(r) && !o->recorded;
}

static struct liid_out *out_of(struct limf_out *r, const char *liid)
{
	char path[128], dir[LIID_DIR_MAX];
	struct liid_out *o = liid_find(r, liid);
	struct wr_warrant *w;
	enum lim_err e;
	if (o)
		return o;
	drain(r); /* the bundle is used below */
	if (r->n_out >= r->sweep_at)
		sweep(r);
	if (r->n_out == r->cap_out) {
		size_t nc = r->cap_out ? 2 * r->cap_out : 64;
		struct liid_out **no =
			nc < UINT32_MAX / 4 ? realloc(r->out, nc * sizeof *no) : NULL;
		if (!no)
			goto nomem;
		r->out = no;
		r->cap_out = nc;
	}
	if (2 * (r->n_out + 1) > r->ix_cap && !ix_build(r, r->ix_cap ? 2 * r->ix_cap : 128))
		goto nomem;
	if (!(o = calloc(1, sizeof *o)))
		goto nomem;
	snprintf(o->liid, sizeof o->liid, "%s", liid);
	w = malloc(sizeof *w);
	if (w && wr_warrant_get(r->db, liid, w) == LIM_OK)
		w_facts_of(w, &o->first);
	free(w);
	psheader_init(r, o);
	r->out[r->n_out] = o;
	ix_put(r, r->n_out);
	r->n_out++;
	if (!rec(r))
		return o;
	if (r->n_rec == r->rec_max) {
		if (!r->unrec_first[0]) {
			snprintf(r->unrec_first, sizeof r->unrec_first, "%s", liid);
			if (r->nofile)
				lim_warn("the evidence bundle can hold %zu LIIDs under the "
					 "open-file "
					 "limit of %" PRIu64 " (ulimit -n, systemd LimitNOFILE=): "
					 "LIID %s and any later ones are not recorded (their "
					 "network "
					 "handover goes on); the bundle will say it is incomplete",
					 r->rec_max, r->nofile, liid);
			else
				lim_warn("the evidence bundle records %zu LIIDs at most: LIID %s "
					 "and any later ones are not recorded (their network "
					 "handover "
					 "goes on; --liid makes a bundle of one); the bundle will "
					 "say "
					 "it is incomplete",
					 r->rec_max, liid);
		}
		return o;
	}
	o->recorded = true;
	atomic_fetch_add_explicit(&r->n_rec, 1, memory_order_relaxed);
	liid_dir(liid, dir);
	snprintf(path, sizeof path, "%s/iri.jsonl", dir);
	e = ho_bundle_file(r->b, path, &o->iri);
	if (e == LIM_OK) {
		snprintf(path, sizeof path, "%s/hi2.pdu", dir);
		e = ho_bundle_file(r->b, path, &o->hi2);
	}
	if (e != LIM_OK)
		fail(r, e, "bundle output");
	return o;
nomem:
	fail(r, LIM_E_NOMEM, "LIIDs");
	return NULL;
}

/* The (LIID, CIN) sequence counters. */
static size_t cin_slot(uint32_t cin, size_t cap)
{
	uint32_t h = cin;
	h ^= h >> 16;
	h *= 0x7feb352du;
	h ^= h >> 15;
	return (size_t)h & (cap - 1);
}

/* The slot of o's counters of cin, or SIZE_MAX. */
static size_t seq_find(const struct liid_out *o, uint32_t cin)
{
	if (!o->cap_seq)
		return SIZE_MAX;
	for (size_t i = cin_slot(cin, o->cap_seq);; i = (i + 1) & (o->cap_seq - 1)) {
		if (!o->seqs[i].used)
			return SIZE_MAX;
		if (o->seqs[i].cin == cin)
			return i;
	}
}

/* o's counters of cin, made (at 0) when none are held; NULL (the recording failed) without
 * memory. */
static struct seq *seq_of(struct limf_out *r, struct liid_out *o, uint32_t cin)
{
	size_t i = seq_find(o, cin);
	if (i != SIZE_MAX)
		return &o->seqs[i];
	/* no bound but memory: a LIID's calls in progress are bounded by the call tables (a
	 * bound here would let a flood of INVITEs that name a target - any From will do - stop
	 * the recording) */
	if ((o->n_seq + 1) * 2 > o->cap_seq) {
		size_t nc = o->cap_seq ? 2 * o->cap_seq : 8;
		struct seq *t = nc < UINT32_MAX ? calloc(nc, sizeof *t) : NULL;
		if (!t) {
			fail(r, LIM_E_NOMEM, "sequence numbers");
			return NULL;
		}
		for (size_t k = 0; k < o->cap_seq; k++) {
			size_t j;
			if (!o->seqs[k].used)
				continue;
			for (j = cin_slot(o->seqs[k].cin, nc); t[j].used; j = (j + 1) & (nc - 1))
				;
			t[j] = o->seqs[k];
		}
		free(o->seqs);
		o->seqs = t;
		o->cap_seq = nc;
	}
	for (i = cin_slot(cin, o->cap_seq); o->seqs[i].used; i = (i + 1) & (o->cap_seq - 1))
		;
	memset(&o->seqs[i], 0, sizeof o->seqs[i]);
	o->seqs[i].cin = cin;
	o->seqs[i].used = true;
	o->n_seq++;
	return &o->seqs[i];
}

/* Removes o's counters of cin (the call is over), moving back the entries after it that
 * their probe allows (linear probing's deletion: no tombstones). */
static void seq_drop(struct liid_out *o, uint32_t cin)
{
	size_t i = seq_find(o, cin), m = o->cap_seq - 1;
	if (i == SIZE_MAX)
		return;
	for (size_t j = (i + 1) & m; o->seqs[j].used; j = (j + 1) & m) {
		size_t h = cin_slot(o->seqs[j].cin, o->cap_seq);
		/* j's entry may fill the hole at i when its home h is not in (i, j] (cyclically) */
		if (i <= j ? (h <= i || h > j) : (h <= i && h > j)) {
			o->seqs[i] = o->seqs[j];
			i = j;
		}
	}
	o->seqs[i].used = false;
	o->n_seq--;
}

static void addr_port(char *buf, size_t cap, const struct cap_addr *a, uint16_t port)
{
	char s[64];
	cap_addr_str(a, s, sizeof s);
	snprintf(buf, cap, a->family == 6 ? "[%s]:%u" : "%s:%u", s, port);
}

static const char *iri_type_name(enum limf_iri_type t)
{
	switch (t) {
	case LIMF_IRI_BEGIN: return "begin";
	case LIMF_IRI_END: return "end";
	case LIMF_IRI_CONTINUE: return "continue";
	case LIMF_IRI_REPORT: return "report";
	}
	return "report";
}

static void json_text(struct lim_json *j, const char *key, const struct cap_text *t)
{
	lim_json_kv_wire(j, key, t->s, t->len);
}

static void json_wire(struct lim_json *j, const char *key, const char *s)
{
	lim_json_kv_wire(j, key, s, strlen(s));
}

static void json_km(struct lim_json *j, const struct limf_keymgmt *km)
{
	lim_json_obj_open(j);
	lim_json_key(j, "side");
	lim_json_str(j, km->side);
	json_wire(j, "initiator", km->initiator);
	json_wire(j, "responder", km->responder);
	if (km->initiator_sip)
		json_wire(j, "initiator_sip", km->initiator_sip);
	lim_json_key(j, "t");
	lim_json_str(j, km->t);
	if (km->has_t_offset) {
		lim_json_key(j, "t_offset_s");
		lim_json_i64(j, km->t_offset_s);
	}
	lim_json_key(j, "csb_id");
	lim_json_u64(j, km->csb_id);
	lim_json_key(j, "kms_uri");
	lim_json_str(j, km->kms_uri);
	lim_json_key(j, "key_user");
	lim_json_str(j, km->key_user);
	lim_json_key(j, "key_period");
	lim_json_u64(j, km->key_period);
	lim_json_key(j, "signature");
	lim_json_str(j, km->sig);
	lim_json_key(j, "srtp_sessions");
	lim_json_u64(j, km->n_keys);
	lim_json_key(j, "outcome");
	lim_json_str(j, km->outcome);
	lim_json_key(j, "detail");
	lim_json_str(j, km->detail);
	lim_json_obj_close(j);
}

/* One iri.jsonl record:
 *   {"liid","cin","type":"begin|continue|end|report","kind":"sip|key-management|call-end",
 *    "time":ISO-8601 (µs, UTC),"call_id","from","to",
 *    sip:  "src":"addr:port","dst":...,"transport":"udp|tcp","sip":the message text,
 *    key-management: "key_management":{side, initiator, responder, t, csb_id, kms_uri,
 *          key_user, key_period, signature valid|invalid|not-checked, srtp_sessions,
 *          outcome, detail},
 *    call-end: "reason":"none|bye|cancel|rejected|timeout|flush|evicted", or
 *          "warrant-not-in-force" / "warrant-not-confirmed" (type report: the LIID's warrant
 *          ended, was revoked or suspended, or was not confirmed, during the call; its last
 *          record unless the warrant comes back in force),
 *    type report on sip and key-management too: a record of a call whose dialog went on
 *          after its end (cap_call went_on), to a LIID that had its END,
 *    group: "group":{event talker|..., group, talker ("" unknown), gmk_id, guk_id (hex),
 *          ssrc, detail}}
 *  call_id/from/to are absent for SIP outside an INVITE dialog (a GMK NOTIFY). */
static void write_iri(struct limf_out *r, struct liid_out *o, const struct limf_iri *iri)
{
	char *txt = NULL, buf[80];
	size_t len = 0;
	struct lim_json j;
	FILE *f;
	enum lim_err e;
	if (!rec(r) || !o->iri)
		return;
	f = open_memstream(&txt, &len);
	if (!f) {
		fail(r, LIM_E_NOMEM, "IRI record");
		return;
	}
	lim_json_init(&j, f);
	lim_json_obj_open(&j);
	lim_json_key(&j, "liid");
	lim_json_str(&j, iri->liid);
	lim_json_key(&j, "cin");
	lim_json_u64(&j, iri->cin);
	lim_json_key(&j, "type");
	lim_json_str(&j, iri_type_name(iri->type));
	if (iri->matched) {
		/* the basis of the interception: where the warrant's target was found */
		lim_json_key(&j, "matched_by");
		lim_json_arr_open(&j);
		for (unsigned m = 0; m < LIMF_MATCH_N; m++)
			if (iri->matched & (1u << m))
				lim_json_str(&j, limf_match_name(m));
		lim_json_arr_close(&j);
	}
	if (iri->in_progress) {
		/* began when a warrant came into force during the call: nothing before it */
		lim_json_key(&j, "in_progress");
		lim_json_bool(&j, true);
	}
	lim_json_key(&j, "kind");
	lim_json_str(&j, iri->kind == LIMF_IRI_SIP       ? "sip"
			 : iri->kind == LIMF_IRI_KEYMGMT ? "key-management"
			 : iri->kind == LIMF_IRI_GROUP   ? "group"
							 : "call-end");
	limf_fmt_time(iri->ts_ns, buf, sizeof buf);
	lim_json_key(&j, "time");
	lim_json_str(&j, buf);
	if (iri->call) { /* none for a GMK NOTIFY outside a dialog */
		json_text(&j, "call_id", &iri->call->call_id);
		json_text(&j, "from", &iri->call->from_uri);
		json_text(&j, "to", &iri->call->to_uri);
	}
	if (iri->kind == LIMF_IRI_SIP) {
		addr_port(buf, sizeof buf, &iri->src, iri->sport);
		lim_json_key(&j, "src");
		lim_json_str(&j, buf);
		addr_port(buf, sizeof buf, &iri->dst, iri->dport);
		lim_json_key(&j, "dst");
		lim_json_str(&j, buf);
		lim_json_key(&j, "transport");
		lim_json_str(&j, iri->over_tcp ? "tcp" : "udp");
		lim_json_kv_wire(&j, "sip", (const char *)iri->sip, iri->sip_len);
	} else if (iri->kind == LIMF_IRI_KEYMGMT) {
		lim_json_key(&j, "key_management");
		json_km(&j, iri->km);
	} else if (iri->kind == LIMF_IRI_GROUP) {
		char id[12];
		lim_json_key(&j, "group");
		lim_json_obj_open(&j);
		lim_json_key(&j, "event");
		lim_json_str(&j, iri->grp->event);
		json_wire(&j, "group", iri->grp->group);
		json_wire(&j, "talker", iri->grp->talker);
		snprintf(id, sizeof id, "%08" PRIx32, iri->grp->gmk_id);
		lim_json_key(&j, "gmk_id");
		lim_json_str(&j, id);
		snprintf(id, sizeof id, "%08" PRIx32, iri->grp->guk_id);
		lim_json_key(&j, "guk_id");
		lim_json_str(&j, id);
		lim_json_key(&j, "ssrc");
		lim_json_u64(&j, iri->grp->ssrc);
		lim_json_key(&j, "detail");
		lim_json_str(&j, iri->grp->detail ? iri->grp->detail : "");
		lim_json_key(&j, "authenticated");
		lim_json_bool(&j, iri->grp->authenticated);
		lim_json_obj_close(&j);
	} else {
		lim_json_key(&j, "reason");
		lim_json_str(&j, iri->end_reason ? iri->end_reason : "");
	}
	lim_json_obj_close(&j);
	e = lim_json_end(&j);
	if (fclose(f) != 0 && e == LIM_OK)
		e = LIM_E_NOMEM;
	if (e == LIM_OK)
		e = ho_bfile_write(o->iri, txt, len);
	if (e != LIM_OK)
		fail(r, e, "iri.jsonl");
	free(txt);
}

static void psheader(const struct limf_out *r, const struct liid_out *o, uint32_t cin, uint32_t seq,
		     uint64_t ts_ns, struct ho_psheader *h)
{
	(void)r;
	*h = o->hdr;
	h->cin = cin;
	h->seqno = seq;
	h->ts_sec = (uint32_t)(ts_ns / 1000000000u);
	h->ts_usec = (uint32_t)(ts_ns % 1000000000u / 1000u);
}

/* Whether o's records also go to the network (--deliver and a known authority); warns once
 * per LIID (until a reload) whose delivery destination names no configured authority. */
static bool dlv_wanted(struct limf_out *r, struct liid_out *o, const char *delivery)
{
	if (!r->dlv)
		return false;
	if (limf_dlv_known(r->dlv, delivery))
		return true;
	if (limf_dlv_count(r->dlv)) /* (none at all: recorded only, by choice) */
		atomic_fetch_add_explicit(&r->undelivered, 1, memory_order_relaxed);
	if (!o->dlv_warned)
		fprintf(stderr,
			"limf: warrant %s: delivery '%s' is no [authority] of the config: evidence "
			"bundle only\n",
			o->liid, delivery);
	o->dlv_warned = true;
	return false;
}

static void dlv_result(struct limf_out *r, enum lim_err e, uint64_t *count)
{
	if (e == LIM_OK) {
		(*count)++;
		if (r->dlv_failing) {
			fprintf(stderr,
				"limf: handover spool: PDUs accepted again (%" PRIu64
				" refused meanwhile)\n",
				r->dlv_run);
			r->dlv_failing = false;
		}
		return;
	}
	r->dlv_err++;
	if (!r->dlv_failing)
		r->dlv_run = 0;
	r->dlv_run++;
	if (r->dlv_failing && e == r->dlv_last)
		return;
	fprintf(stderr, "limf: handover spool: %s%s\n", lim_strerror(e),
		e == LIM_E_LIMIT ? " (spool or disk full, or too many calls in progress: "
				   "ALARM, PDUs refused)"
				 : "");
	r->dlv_failing = true;
	r->dlv_last = e;
}

static uint32_t next_cin(void *ctx)
{
	struct limf_out *r = ctx;
	uint32_t cin = 0;
	if (!r->dlv) /* the handover failed to reopen after a reload: this run's own numbers */
		return ++r->local_cin ? r->local_cin : 0;
	if (limf_dlv_cin_reserve(r->dlv, 1, &cin) != LIM_OK) {
		/* said when an outage starts (each call it costs is counted and said by the
		 * pipeline: stats cin_errors); every call tries again */
		if (!r->cin_failing)
			fprintf(stderr,
				"limf: ALARM: no communication identity number (CIN) from %s: "
				"calls under a warrant are NOT intercepted until it works again "
				"(each one is retried; counted as cin_errors in `limf status`)\n",
				limf_dlv_cin_source(r->dlv));
		r->cin_failing = true;
		r->cin_err++;
		return 0;
	}
	if (r->cin_failing)
		fprintf(stderr, "limf: CINs from %s again: calls under a warrant are intercepted\n",
			limf_dlv_cin_source(r->dlv));
	r->cin_failing = false;
	return cin;
}

/* A key-management record as a limf-defined IRI PS-PDU (handover.h, TS 102 232-5
 * nationalIPMMIRIParameters) in hi2.pdu and on the network. */
static void on_iri_km(struct limf_out *r, struct liid_out *o, struct seq *s,
		      const struct limf_iri *iri)
{
	const struct limf_keymgmt *k = iri->km;
	struct ho_psheader h;
	struct ho_iri_keymgmt km;
	size_t len = 0;
	enum lim_err e;
	psheader(r, o, iri->cin, s->iri++, iri->ts_ns, &h);
	memset(&km, 0, sizeof km);
	km.type = (enum ho_iri_type)iri->type;
	km.side = k->side;
	km.initiator = k->initiator;
	km.responder = k->responder;
	km.kms_uri = k->kms_uri;
	km.t = k->t;
	km.outcome = k->outcome;
	km.sig = k->sig;
	km.detail = k->detail;
	km.key_period = k->key_period;
	km.csb_id = k->csb_id;
	km.n_keys = k->n_keys;
	if (rec(r) && o->hi2) {
		e = ho_encode_iri_keymgmt(&h, &km, r->pdu, sizeof r->pdu, &len);
		if (e == LIM_OK)
			e = ho_bfile_write(o->hi2, r->pdu, len);
		if (e != LIM_OK)
			fail(r, e, "hi2.pdu (key management)");
	}
	if (dlv_wanted(r, o, iri->delivery))
		dlv_result(r, limf_dlv_keymgmt(r->dlv, iri->delivery, &h, &km), &r->dlv_iri);
}

/* A call's end that no SIP message carried as a limf-defined IRI PS-PDU (handover.h
 * ho_encode_iri_callend): its IRI-END (IRI-REPORT for a warrant no longer in force) in hi2.pdu
 * and on the network, as the authority saw the call begin there. */
static void on_iri_ce(struct limf_out *r, struct liid_out *o, struct seq *s,
		      const struct limf_iri *iri)
{
	struct ho_psheader h;
	struct ho_iri_callend ce;
	size_t len = 0;
	enum lim_err e;
	psheader(r, o, iri->cin, s->iri++, iri->ts_ns, &h);
	ce.type = (enum ho_iri_type)iri->type;
	ce.reason = iri->end_reason;
	if (rec(r) && o->hi2) {
		e = ho_encode_iri_callend(&h, &ce, r->pdu, sizeof r->pdu, &len);
		if (e == LIM_OK)
			e = ho_bfile_write(o->hi2, r->pdu, len);
		if (e != LIM_OK)
			fail(r, e, "hi2.pdu (call end)");
	}
	if (dlv_wanted(r, o, iri->delivery))
		dlv_result(r, limf_dlv_callend(r->dlv, iri->delivery, &h, &ce), &r->dlv_iri);
}

/* A group-communication fact (a talker, floor control) as a limf-defined IRI PS-PDU
 * (handover.h ho_encode_iri_group) in hi2.pdu and on the network: it may be a LIID's BEGIN. */
static void on_iri_ge(struct limf_out *r, struct liid_out *o, struct seq *s,
		      const struct limf_iri *iri)
{
	struct ho_psheader h;
	struct ho_iri_group g;
	size_t len = 0;
	enum lim_err e;
	psheader(r, o, iri->cin, s->iri++, iri->ts_ns, &h);
	memset(&g, 0, sizeof g);
	g.type = (enum ho_iri_type)iri->type;
	g.event = iri->grp->event;
	g.group = iri->grp->group;
	g.talker = iri->grp->talker;
	g.detail = iri->grp->detail;
	g.gmk_id = iri->grp->gmk_id;
	g.guk_id = iri->grp->guk_id;
	g.ssrc = iri->grp->ssrc;
	g.authenticated = iri->grp->authenticated;
	if (rec(r) && o->hi2) {
		e = ho_encode_iri_group(&h, &g, r->pdu, sizeof r->pdu, &len);
		if (e == LIM_OK)
			e = ho_bfile_write(o->hi2, r->pdu, len);
		if (e != LIM_OK)
			fail(r, e, "hi2.pdu (group)");
	}
	if (dlv_wanted(r, o, iri->delivery))
		dlv_result(r, limf_dlv_group(r->dlv, iri->delivery, &h, &g), &r->dlv_iri);
}

static void on_iri(void *ctx, const struct limf_iri *iri)
{
	struct limf_out *r = ctx;
	struct liid_out *o;
	struct seq *s;
	/* iri.jsonl / hi2.pdu are this thread's: no drain (out_of drains for a new LIID) */
	o = out_of(r, iri->liid);
	if (!o)
		return;
	if (unrec(r, o))
		atomic_fetch_add_explicit(&r->unrec_iri, 1, memory_order_relaxed);
	write_iri(r, o, iri);
	o->n_iri++;
	s = seq_of(r, o, iri->cin);
	if (!s)
		return;
	if (iri->kind == LIMF_IRI_KEYMGMT) {
		on_iri_km(r, o, s, iri);
		return;
	}
	if (iri->kind == LIMF_IRI_CALLEND) {
		on_iri_ce(r, o, s, iri);
		return;
	}
	if (iri->kind == LIMF_IRI_GROUP) {
		on_iri_ge(r, o, s, iri);
		return;
	}
	struct ho_psheader h;
	struct ho_iri_sip sip;
	size_t len = 0;
	enum lim_err e;
	psheader(r, o, iri->cin, s->iri++, iri->ts_ns, &h);
	memset(&sip, 0, sizeof sip);
	sip.type = (enum ho_iri_type)iri->type;
	sip.src.family = iri->src.family;
	memcpy(sip.src.addr, iri->src.a, sizeof sip.src.addr);
	sip.dst.family = iri->dst.family;
	memcpy(sip.dst.addr, iri->dst.a, sizeof sip.dst.addr);
	sip.sip = iri->sip;
	sip.sip_len = iri->sip_len;
	if (rec(r) && o->hi2) {
		e = ho_encode_iri_sip(&h, &sip, r->pdu, sizeof r->pdu, &len);
		if (e == LIM_OK)
			e = ho_bfile_write(o->hi2, r->pdu, len);
		if (e != LIM_OK)
			fail(r, e, "hi2.pdu");
	}
	if (dlv_wanted(r, o, iri->delivery))
		dlv_result(r, limf_dlv_iri(r->dlv, iri->delivery, &h, &sip), &r->dlv_iri);
}

/* The first open WAV of (liid, cin, ssrc), or NULL. (The LIID itself is compared: two
 * warrants on one call share its CIN and SSRCs.) */
static struct wavs *wav_find(struct limf_out *r, const char *liid, uint32_t cin, uint32_t ssrc)
{
	for (size_t i = 0; i < r->n_wav; i++)
		if (r->wav[i].open && r->wav[i].cin == cin && r->wav[i].ssrc == ssrc &&
		    strcmp(r->wav[i].liid, liid) == 0)
			return &r->wav[i];
	return NULL;
}

/* A free WAV slot: a never used one, else one whose call ended and whose file the recording
 * thread has closed; when all are taken but some are still being closed, after a drain (the
 * caller holds no ring slot). NULL: MAX_WAV WAVs of calls still going. */
static struct wavs *wav_slot(struct limf_out *r)
{
	bool closing = false;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < r->n_wav; i++)
			if (!r->wav[i].open) {
				if (atomic_load_explicit(&r->wav[i].closed, memory_order_acquire))
					return &r->wav[i];
				closing = true;
			}
		if (r->n_wav < MAX_WAV)
			return &r->wav[r->n_wav++];
		if (!closing)
			break;
		drain(r); /* the closes queued are done after it */
	}
	return NULL;
}

/* The WAV a packet of payload type pt of (o, cin, ssrc) goes to: the stream's open one
 * (NULL when that one has another payload type), else a new one (PCMU/PCMA only). found: the
 * open one when the caller knows it (stream_hint), else NULL (looked up here). Called before
 * the packet takes a ring slot (wav_slot may drain). */
static struct wavs *wav_of(struct limf_out *r, const struct liid_out *o, uint32_t cin,
			   uint32_t ssrc, uint8_t pt, struct wavs *found)
{
	struct wavs *w = found ? found : wav_find(r, o->liid, cin, ssrc);
	if (w)
		return w->pt == pt ? w : NULL;
	if (pt != 0 && pt != 8)
		return NULL;
	w = r->n_wpath < WAV_FILES ? wav_slot(r) : NULL;
	if (!w) {
		/* every slot holds a WAV of a call still going (the stream gets one when one
		 * frees), or the bundle has all the WAVs it can hold: this packet is not in a WAV
		 * (said once, counted in the manifest's "audio"; cc.pcap has it) */
		if (!r->wav_warned)
			lim_warn("%s %zu %s: some audio is not written to WAVs (counted in "
				 "the manifest: audio.packets_without_wav)",
				 r->n_wpath < WAV_FILES ? "more than" : "the bundle holds",
				 r->n_wpath < WAV_FILES ? (size_t)MAX_WAV : r->n_wpath,
				 r->n_wpath < WAV_FILES ? "G.711 streams at once"
							: "WAVs, as many as it can");
		r->wav_warned = true;
		return NULL;
	}
	if (r->n_wpath == r->cap_wpath) {
		size_t nc = r->cap_wpath ? r->cap_wpath * 2 : 64;
		char(*np)[128] =
			nc <= HO_BUNDLE_MAX_FILES ? realloc(r->wpath, nc * sizeof *np) : NULL;
		if (!np) {
			fail(r, LIM_E_NOMEM, "WAV names");
			return NULL;
		}
		r->wpath = np;
		r->cap_wpath = nc;
	}
	w->cin = cin;
	w->ssrc = ssrc;
	w->pt = pt;
	w->tried = false;
	w->w = NULL;
	w->o = o;
	atomic_store_explicit(&w->closed, false, memory_order_relaxed); /* published by q_push */
	snprintf(w->liid, sizeof w->liid, "%s", o->liid);
	{
		char dir[LIID_DIR_MAX];
		liid_dir(o->liid, dir);
		snprintf(w->path, sizeof w->path, "%s/audio/%" PRIu32 "-%08" PRIx32 ".wav", dir,
			 cin, ssrc);
	}
	memcpy(r->wpath[r->n_wpath++], w->path, sizeof w->path);
	w->open = true; /* the file itself: at its first packet, by the recording (wav_record) */
	return w;
}

static struct stream_hint *hint_of(struct limf_out *r, const struct liid_out *o, uint32_t cin,
				   uint32_t ssrc)
{
	uint64_t k = ((uint64_t)cin << 32 | ssrc) ^ (uint64_t)(uintptr_t)o;
	k *= 0x9e3779b97f4a7c15u; /* Fibonacci hashing: the top bits mix every input bit */
	return &r->hint[k >> 54]; /* 64 - log2(HINT_N) */
}

/* The RTP payload of a clear packet (RFC 3550 s5.1: CSRCs, extension, padding). */
static bool rtp_payload(const uint8_t *p, size_t n, const uint8_t **pl, size_t *pln)
{
	size_t off = 12, end = n;
	if (n < 12 || (p[0] >> 6) != 2)
		return false;
	off += 4u * (p[0] & 15u);
	if (off > n)
		return false;
	if (p[0] & 0x10) {
		if (n - off < 4)
			return false;
		size_t ext = 4u + 4u * ((size_t)p[off + 2] << 8 | p[off + 3]);
		if (ext > n - off)
			return false;
		off += ext;
	}
	if (p[0] & 0x20) {
		uint8_t pad = p[n - 1];
		if (pad == 0 || pad > n - off)
			return false;
		end = n - pad;
	}
	*pl = p + off;
	*pln = end - off;
	return true;
}

/* Closes WAV k's file (the recording thread, or in place) and frees the slot for reuse. */
static void wav_close(struct limf_out *r, size_t k)
{
	if (r->wav[k].w && ho_wav_close(r->wav[k].w) != LIM_OK)
		fail(r, LIM_E_IO, r->wav[k].path);
	r->wav[k].w = NULL;
	atomic_store_explicit(&r->wav[k].closed, true, memory_order_release);
}

/* The evidence recording of one CC packet, or a WAV's end (on the recording thread, or in
 * place), encoding into pdu[0..PDU_BUF). */
static void cc_record(struct limf_out *r, const struct cc_item *it, uint8_t *pdu)
{
	struct liid_out *o = it->o;
	struct ho_cc_pkt pk;
	struct ho_cc_rtp hc;
	struct wavs *w;
	const uint8_t *pl;
	size_t pln, len = 0;
	char path[128];
	enum lim_err e = LIM_OK;
	if (it->close_wav) {
		wav_close(r, it->close_wav - 1);
		return;
	}
	if (!rec(r))
		return;
	if (!o->cc) {
		char dir[LIID_DIR_MAX];
		liid_dir(o->liid, dir);
		snprintf(path, sizeof path, "%s/cc.pcap", dir);
		e = ho_bundle_ccw(r->b, path, &o->cc);
		if (e == LIM_OK) {
			snprintf(path, sizeof path, "%s/hi3.pdu", dir);
			e = ho_bundle_file(r->b, path, &o->hi3);
		}
		if (e != LIM_OK) {
			fail(r, e, "cc.pcap");
			return;
		}
	}
	memset(&pk, 0, sizeof pk);
	pk.ts_ns = it->ts_ns;
	pk.family = it->family;
	memcpy(pk.src, it->src, sizeof pk.src);
	memcpy(pk.dst, it->dst, sizeof pk.dst);
	pk.sport = it->sport;
	pk.dport = it->dport;
	pk.data = it->rtp;
	pk.len = it->len;
	memset(&hc, 0, sizeof hc);
	hc.dir = it->dir;
	hc.rtp = it->rtp;
	hc.rtp_len = it->len;
	e = ho_ccw_write(o->cc, &pk);
	if (e == LIM_E_ARG) {
		/* one packet a pcap record cannot hold: refused before anything is written, and
		 * the file stays whole; hi3.pdu has no such limit (the manifest counts it) */
		if (r->pcap_refused++ == 0)
			lim_warn("LIID %s: a CC packet of %zu octets at %" PRIu64
				 " s cannot be a cc.pcap record; it is in hi3.pdu only (counted in "
				 "the manifest: cc.packets_not_in_pcap)",
				 o->liid, it->len, it->ts_ns / 1000000000u);
		e = LIM_OK;
	}
	if (e == LIM_OK)
		e = ho_encode_cc_rtp(&it->h, &hc, pdu, PDU_BUF, &len);
	if (e == LIM_OK)
		e = ho_bfile_write(o->hi3, pdu, len);
	if (e != LIM_OK) {
		fail(r, e, "cc.pcap / hi3.pdu");
		return;
	}
	if (!it->wav)
		return;
	w = &r->wav[it->wav - 1];
	if (!w->tried) { /* the stream's first packet: its file */
		w->tried = true;
		if (ho_bundle_wav(r->b, w->path, w->pt, &w->w) != LIM_OK)
			fail(r, LIM_E_IO, w->path);
	}
	if (w->w && rtp_payload(it->rtp, it->len, &pl, &pln)) {
		struct ho_wav_stats b, a;
		ho_wav_stats(w->w, &b);
		e = ho_wav_write(w->w, it->rtp_ts, it->ts_ns, pl, pln);
		ho_wav_stats(w->w, &a);
		if (e == LIM_E_IO)
			fail(r, e, w->path);
		else if (a.dropped != b.dropped)
			r->wav_dropped++; /* a packet before its segment, past the cap: the file
					   * stays valid, the manifest counts it */
	}
}

static bool enough(struct ccq *q)
{
	uint64_t n = atomic_load(&q->head) - atomic_load(&q->tail);
	return n >= Q_BATCH || (n > 0 && atomic_load(&q->flush));
}

static void *recorder(void *ctx)
{
	struct limf_out *r = ctx;
	struct ccq *q = &r->q;
	pthread_mutex_lock(&q->mu);
	for (;;) {
		uint64_t t, h;
		/* a batch at a time: one wake-up per Q_BATCH packets, not per packet */
		while (!q->quit && !enough(q)) {
			atomic_store(&q->sleeping, true);
			if (!enough(q)) /* re-checked after the flag: no lost wake-up */
				pthread_cond_wait(&q->work, &q->mu);
			atomic_store(&q->sleeping, false);
		}
		if (q->quit && atomic_load(&q->head) == atomic_load(&q->tail))
			break; /* quit, and nothing left */
		q->busy = true;
		pthread_mutex_unlock(&q->mu);
		t = atomic_load_explicit(&q->tail, memory_order_relaxed);
		h = atomic_load_explicit(&q->head, memory_order_acquire);
		while (t != h) {
			/* free the slots every 64 packets, so a full ring refills early */
			uint64_t stop = h - t > 64 ? t + 64 : h;
			for (; t != stop; t++)
				cc_record(r, &q->items[t % Q_SLOTS], q->pdu);
			atomic_store(&q->tail, t);
			if (atomic_load(&q->full_wait)) {
				pthread_mutex_lock(&q->mu);
				pthread_cond_broadcast(&q->done);
				pthread_mutex_unlock(&q->mu);
			}
		}
		pthread_mutex_lock(&q->mu);
		q->busy = false;
		pthread_cond_broadcast(&q->done); /* a drain may wait (once per batch) */
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

/* Wakes the recording thread when it sleeps and has work (or a drain or quit waits). */
static void wake(struct ccq *q)
{
	pthread_mutex_lock(&q->mu);
	pthread_cond_signal(&q->work);
	pthread_mutex_unlock(&q->mu);
}

/* Waits until the recording thread has written everything queued and is idle. */
static void drain(struct limf_out *r)
{
	struct ccq *q = &r->q;
	if (!q->running)
		return;
	atomic_store(&q->flush, true);
	pthread_mutex_lock(&q->mu);
	pthread_cond_signal(&q->work);
	while (atomic_load(&q->tail) != atomic_load(&q->head) || q->busy)
		pthread_cond_wait(&q->done, &q->mu);
	pthread_mutex_unlock(&q->mu);
	atomic_store(&q->flush, false);
}

/* Ends the recording thread (after draining it). */
static void stop(struct limf_out *r)
{
	struct ccq *q = &r->q;
	if (!q->running)
		return;
	drain(r);
	pthread_mutex_lock(&q->mu);
	q->quit = true;
	pthread_cond_signal(&q->work);
	pthread_mutex_unlock(&q->mu);
	pthread_join(q->th, NULL);
	q->running = false;
	q->quit = false;
}

/* Starts the recording thread at the first CC packet; false: record in place. */
static bool start(struct limf_out *r)
{
	struct ccq *q = &r->q;
	if (q->running)
		return true;
	if (!q->items && !(q->items = malloc(Q_SLOTS * sizeof *q->items)))
		return false;
	if (!q->data && !(q->data = malloc(Q_BYTES)))
		return false;
	q->dhead = 0;
	if (!q->pdu && !(q->pdu = malloc(PDU_BUF)))
		return false;
	atomic_store(&q->head, 0);
	atomic_store(&q->tail, 0);
	atomic_store(&q->sleeping, false);
	atomic_store(&q->full_wait, false);
	atomic_store(&q->flush, false);
	q->busy = q->quit = false;
	if (lim_thread_start(&q->th, recorder, r, "limf-rec") != 0)
		return false;
	q->running = true;
	return true;
}

/* Whether slot h and n octets at *pos (moved past the ring's end when they would straddle it)
 * are free, given the consumer's tail t. */
static bool q_room(const struct ccq *q, uint64_t h, uint64_t t, size_t n, uint64_t *pos)
{
	uint64_t p = q->dhead, off = p % Q_BYTES;
	if (n > Q_BYTES - off)
		p += Q_BYTES - off; /* the octets up to the end stay unused */
	*pos = p;
	if (h - t == Q_SLOTS)
		return false;
	/* in use: from the oldest queued packet's octets (none when the ring is empty) */
	return t == h || p + n - q->items[t % Q_SLOTS].dpos <= Q_BYTES;
}

/* The next free slot of the ring with n (<= Q_DATA) free octets for its packet at
 * items[h].dpos, which it sets (waits while either is full). */
static struct cc_item *q_slot(struct ccq *q, size_t n)
{
	uint64_t h = atomic_load_explicit(&q->head, memory_order_relaxed), pos;
	struct cc_item *it;
	if (!q_room(q, h, atomic_load_explicit(&q->tail, memory_order_acquire), n, &pos)) {
		pthread_mutex_lock(&q->mu);
		atomic_store(&q->full_wait, true);
		while (!q_room(q, h, atomic_load(&q->tail), n, &pos)) {
			pthread_cond_signal(&q->work); /* it may sleep below a batch: never here */
			pthread_cond_wait(&q->done, &q->mu);
		}
		atomic_store(&q->full_wait, false);
		pthread_mutex_unlock(&q->mu);
	}
	it = &q->items[h % Q_SLOTS];
	it->dpos = pos;
	q->dhead = pos + n;
	return it;
}

/* Publishes the slot q_slot gave. The recording thread is looked at every 32 packets only
 * (a full fence each time): one that went to sleep just before enough packets became visible
 * is woken at most 32 packets later (or by a drain), well within the ring. */
static void q_push(struct ccq *q)
{
	uint64_t h = atomic_load_explicit(&q->head, memory_order_relaxed) + 1;
	atomic_store_explicit(&q->head, h, memory_order_release);
	if ((h & 31u) == 0) {
		atomic_thread_fence(memory_order_seq_cst);
		if (atomic_load_explicit(&q->sleeping, memory_order_relaxed) && enough(q))
			wake(q);
	}
}

static void on_cc(void *ctx, const struct limf_cc *cc)
{
	struct limf_out *r = ctx;
	struct liid_out *o = out_of(r, cc->liid);
	struct ho_psheader h;
	struct ho_cc_rtp hc;
	struct seq *s;
	struct cc_item *it, local;
	struct stream_hint *hi;
	struct wavs *w, *open_w = NULL;
	const uint8_t *pl;
	size_t pln;
	bool queued;
	if (!o)
		return;
	o->n_cc++;
	hi = hint_of(r, o, cc->cin, cc->ssrc);
	if (hi->o != o || hi->cin != cc->cin || hi->ssrc != cc->ssrc) {
		hi->o = NULL; /* taken over by this stream below */
		hi->wav = 0;
	}
	if (hi->o && hi->seq < o->cap_seq && o->seqs[hi->seq].used &&
	    o->seqs[hi->seq].cin == cc->cin) {
		s = &o->seqs[hi->seq];
	} else {
		s = seq_of(r, o, cc->cin);
		if (!s)
			return;
		hi->o = o;
		hi->cin = cc->cin;
		hi->ssrc = cc->ssrc;
		hi->seq = (uint32_t)(s - o->seqs);
		hi->wav = 0;
	}
	if (hi->wav) {
		struct wavs *hw = &r->wav[hi->wav - 1];
		if (hw->open && hw->o == o && hw->cin == cc->cin && hw->ssrc == cc->ssrc)
			open_w = hw; /* still this stream's (the slot may have been reused) */
	}
	psheader(r, o, cc->cin, s->cc++, cc->ts_ns, &h);
	if (dlv_wanted(r, o, cc->delivery)) {
		/* a copy: delivery stamps the authority's version and its spool's number, and the
		 * bundle's hi3.pdu keeps its own (as hi2.pdu, written before delivery) */
		struct ho_psheader hd = h;
		memset(&hc, 0, sizeof hc);
		hc.dir = cc->from_target ? HO_DIR_FROM_TARGET : HO_DIR_TO_TARGET;
		hc.rtp = cc->rtp;
		hc.rtp_len = cc->len;
		dlv_result(r, limf_dlv_cc(r->dlv, cc->delivery, &hd, &hc), &r->dlv_cc);
	}
	if (!r->b || !o->recorded) {
		if (unrec(r, o))
			atomic_fetch_add_explicit(&r->unrec_cc, 1, memory_order_relaxed);
		return;
	}
	/* the WAV first: finding a free slot may drain the ring */
	w = NULL;
	if (rec(r) && (cc->pt == 0 || cc->pt == 8)) {
		if (rtp_payload(cc->rtp, cc->len, &pl, &pln))
			w = wav_of(r, o, cc->cin, cc->ssrc, cc->pt, open_w);
		if (!w)
			r->wav_refused++; /* (the manifest says how many) */
	}
	queued = cc->len <= Q_DATA && start(r);
	if (queued) {
		it = q_slot(&r->q, cc->len);
	} else {
		drain(r);
		it = &local;
	}
	it->close_wav = 0;
	it->wav = 0;
	if (w) {
		it->wav = (size_t)(w - r->wav) + 1;
		hi->wav = (uint32_t)it->wav;
	} else if (open_w == NULL && hi->wav) {
		hi->wav = 0; /* closed */
	}
	it->o = o;
	it->h = h;
	it->ts_ns = cc->ts_ns;
	it->cin = cc->cin;
	it->ssrc = cc->ssrc;
	it->rtp_ts = cc->rtp_ts;
	it->sport = cc->sport;
	it->dport = cc->dport;
	it->family = cc->src.family;
	it->pt = cc->pt;
	it->dir = cc->from_target ? HO_DIR_FROM_TARGET : HO_DIR_TO_TARGET;
	memcpy(it->src, cc->src.a, sizeof it->src);
	memcpy(it->dst, cc->dst.a, sizeof it->dst);
	it->len = cc->len;
	if (queued) {
		uint8_t *d = r->q.data + it->dpos % Q_BYTES;
		if (cc->len)
			memcpy(d, cc->rtp, cc->len);
		it->rtp = d;
		q_push(&r->q);
	} else {
		it->rtp = cc->rtp;
		cc_record(r, it, r->pdu);
	}
}

static void on_call_done(void *ctx, const struct limf_call_summary *s)
{
	struct limf_out *r = ctx;
	const struct cap_call *c = s->call;
	struct lim_json j;
	char buf[80], *txt = NULL;
	size_t len = 0;
	FILE *f;
	enum lim_err e;
	/* no drain: what is read here (the WAVs' names, calls) is this thread's */
	if (!r->b)
		return;
	if (!(f = open_memstream(&txt, &len))) {
		fail(r, LIM_E_NOMEM, "manifest calls");
		return;
	}
	lim_json_init(&j, f);
	lim_json_obj_open(&j);
	lim_json_key(&j, "cin");
	lim_json_u64(&j, s->cin);
	json_text(&j, "call_id", &c->call_id);
	json_text(&j, "from", &c->from_uri);
	json_text(&j, "to", &c->to_uri);
	limf_fmt_time(c->first_ns, buf, sizeof buf);
	lim_json_key(&j, "start");
	lim_json_str(&j, buf);
	limf_fmt_time(c->end_ns ? c->end_ns : c->last_ns, buf, sizeof buf);
	lim_json_key(&j, "end");
	lim_json_str(&j, buf);
	lim_json_key(&j, "end_reason");
	lim_json_str(&j, cap_call_end_name(c->end));
	/* media that reached the call after that end: trailing packets, or a call whose media
	 * went on past an end its peer never saw (capture.h: it is followed while it flows) */
	lim_json_key(&j, "rtp_after_end");
	lim_json_u64(&j, c->rtp_after_end);
	/* its dialog went on after that end (a re-INVITE or UPDATE answered 2xx): the end was
	 * not the call's, and its records since are REPORTs */
	lim_json_key(&j, "went_on_after_end");
	lim_json_bool(&j, c->went_on);
	lim_json_key(&j, "liids");
	lim_json_arr_open(&j);
	for (size_t i = 0; i < s->n_liids; i++)
		lim_json_str(&j, s->liids[i]);
	lim_json_arr_close(&j);
	lim_json_key(&j, "content");
	lim_json_bool(&j, s->cc);
	lim_json_key(&j, "key_management");
	lim_json_arr_open(&j);
	for (size_t i = 0; i < s->n_km; i++)
		json_km(&j, s->km[i]);
	lim_json_arr_close(&j);
	if (s->km_not_listed) { /* (the oldest, in the call's IRI: pipeline.h) */
		lim_json_key(&j, "key_management_not_listed");
		lim_json_u64(&j, s->km_not_listed);
	}
	lim_json_key(&j, "streams");
	lim_json_arr_open(&j);
	/* (those whose slots went to later SSRCs first: pipeline.h) */
	for (size_t i = 0; i < s->n_old_streams + s->n_streams; i++) {
		const struct limf_call_stream *st = i < s->n_old_streams
							    ? &s->old_streams[i]
							    : &s->streams[i - s->n_old_streams];
		lim_json_obj_open(&j);
		snprintf(buf, sizeof buf, "%08" PRIx32, st->ssrc);
		lim_json_key(&j, "ssrc");
		lim_json_str(&j, buf);
		lim_json_key(&j, "direction");
		lim_json_str(&j, st->dir == CAP_DIR_TO_ANSWERER ? "caller-to-callee"
								: "callee-to-caller");
		lim_json_key(&j, "payload_type");
		lim_json_u64(&j, st->pt);
		lim_json_key(&j, "decrypted");
		lim_json_u64(&j, st->decrypted);
		lim_json_key(&j, "auth_failed");
		lim_json_u64(&j, st->auth_failed);
		lim_json_key(&j, "replayed");
		lim_json_u64(&j, st->replayed);
		/* (refused for another reason than the tag: too short to hold it, say; the
		 * summary's auth_failed counts these too) */
		lim_json_key(&j, "other_failed");
		lim_json_u64(&j, st->other_failed);
		lim_json_key(&j, "wav");
		lim_json_arr_open(&j);
		for (size_t k = 0; k < r->n_wav; k++)
			if (r->wav[k].cin == s->cin && r->wav[k].ssrc == st->ssrc)
				lim_json_str(&j, r->wav[k].path);
		lim_json_arr_close(&j);
		lim_json_obj_close(&j);
	}
	lim_json_arr_close(&j);
	if (s->streams_not_listed) {
		lim_json_key(&j, "streams_not_listed");
		lim_json_u64(&j, s->streams_not_listed);
		/* (their counters summed: the call's sums account for every packet) */
		lim_json_key(&j, "not_listed");
		lim_json_obj_open(&j);
		lim_json_key(&j, "decrypted");
		lim_json_u64(&j, s->not_listed.decrypted);
		lim_json_key(&j, "auth_failed");
		lim_json_u64(&j, s->not_listed.auth_failed);
		lim_json_key(&j, "replayed");
		lim_json_u64(&j, s->not_listed.replayed);
		lim_json_key(&j, "other_failed");
		lim_json_u64(&j, s->not_listed.other_failed);
		lim_json_obj_close(&j);
	}
	lim_json_key(&j, "media_without_key");
	lim_json_u64(&j, s->media_undecrypted);
	lim_json_key(&j, "streams_unauthenticated");
	lim_json_u64(&j, s->streams_unauthenticated);
	lim_json_key(&j, "packets_unauthenticated");
	lim_json_u64(&j, s->packets_unauthenticated);
	lim_json_obj_close(&j);
	/* the call's audio is complete: release its descriptors (finishing a WAV reads it back
	 * to hash it: on the recording thread when it runs) */
	for (size_t k = 0; k < r->n_wav; k++)
		if (r->wav[k].cin == s->cin && r->wav[k].open) {
			r->wav[k].open = false;
			if (r->q.running) {
				struct cc_item *it = q_slot(&r->q, 0);
				it->close_wav = k + 1;
				q_push(&r->q);
			} else {
				wav_close(r, k);
			}
		}
	e = lim_json_end(&j) == LIM_OK ? LIM_OK : LIM_E_NOMEM;
	if (fclose(f) != 0 || !txt)
		e = LIM_E_NOMEM;
	if (e == LIM_OK) {
		if (len && txt[len - 1] == '\n') /* (lim_json_end's) */
			len--;
		e = limf_mcalls_add(&r->calls, s->cin, txt, len);
	}
	free(txt);
	if (e == LIM_E_LIMIT && !r->calls_warned) {
		/* the manifest cannot list more calls: said now, not at the end */
		lim_warn("the manifest lists the first %zu calls that ended: CIN %" PRIu32
			 " and later calls are in their LIIDs' records, not in the manifest's "
			 "calls (it says how many: calls_not_listed)",
			 r->calls.n, s->cin);
		r->calls_warned = true;
	} else if (e != LIM_OK && e != LIM_E_LIMIT) {
		fail(r, e, "manifest calls");
	}
}

/* f's members, into the open object */
static void json_w_facts(struct lim_json *j, const struct w_facts *f)
{
	lim_json_key(j, "authority");
	lim_json_str(j, f->authority);
	lim_json_key(j, "authority_ref");
	lim_json_str(j, f->authority_ref);
	lim_json_key(j, "country");
	lim_json_str(j, f->country);
	lim_json_key(j, "scope");
	lim_json_str(j, wr_scope_name(f->scope));
	limf_json_wr_time(j, "valid_from", f->valid_from);
	limf_json_wr_time(j, "valid_to", f->valid_to);
	lim_json_key(j, "status");
	lim_json_str(j, wr_status_name(f->status));
	limf_json_wr_time(j, "as_of", f->as_of);
}

/* Suspension periods of o's warrant since the bundle first had output of it (a warrant
 * suspended and resumed meanwhile reads as before at the end: the gap in its IRI and CC is
 * these): "suspended_during_run", when there are; null when they could not be read. The first
 * SUSP_LIST_MAX are listed, the rest counted ("suspended_periods_not_listed"): with at most
 * REC_MAX warrants, the manifest's members other than the calls stay far below what the
 * bundle takes (limf_mcalls_fit gives the calls what is left), however often a warrant was
 * suspended and resumed. */
#define SUSP_SKEW_US  (60 * INT64_C(1000000)) /* limf's clock against the database's */
#define SUSP_LIST_MAX 256u
struct susp_ctx {
	struct lim_json *j;
	int64_t since;
	bool any;
	size_t n;
	uint64_t left_out;
};
static int susp_one(void *ctx, int64_t from, int64_t to)
{
	struct susp_ctx *c = ctx;
	if (to != WR_TIME_INFINITY && to <= c->since)
		return 0;
	if (c->n == SUSP_LIST_MAX) {
		c->left_out++;
		return 0;
	}
	c->n++;
	if (!c->any) {
		lim_json_key(c->j, "suspended_during_run");
		lim_json_arr_open(c->j);
		c->any = true;
	}
	limf_json_period(c->j, from, to);
	return 0;
}

static void json_w_suspended(struct lim_json *j, struct limf_out *r, const struct liid_out *o)
{
	/* since a minute before as_of: as_of is limf's clock, the periods the database's */
	struct susp_ctx c = { j, o->first.as_of - SUSP_SKEW_US, false, 0, 0 };
	if (!o->first.have) { /* (since when is not known) */
		lim_json_key(j, "suspended_during_run");
		lim_json_null(j);
		return;
	}
	if (wr_warrant_suspensions(r->db, o->liid, susp_one, &c) != LIM_OK && !c.any) {
		lim_json_key(j, "suspended_during_run");
		lim_json_null(j);
	}
	if (c.any) /* (a malformed row after some: the list as far as it goes) */
		lim_json_arr_close(j);
	if (c.left_out) {
		lim_json_key(j, "suspended_periods_not_listed");
		lim_json_u64(j, c.left_out);
	}
}

/* Each LIID's warrant as it was when the bundle first had output of it; and, when it was
 * changed since (read again now), "at_end": the same members as they are now */
static void json_warrants(struct lim_json *j, struct limf_out *r)
{
	lim_json_key(j, "warrants");
	lim_json_arr_open(j);
	for (size_t i = 0; i < r->n_out; i++) {
		const struct liid_out *o = r->out[i];
		struct wr_warrant *w;
		struct w_facts now = { 0 };
		if (!o->recorded) /* (no outputs: the manifest's "incomplete" says so) */
			continue;
		w = malloc(sizeof *w);
		lim_json_obj_open(j);
		lim_json_key(j, "liid");
		lim_json_str(j, o->liid);
		{
			/* where its outputs are (liid_dir) */
			char dir[LIID_DIR_MAX];
			liid_dir(o->liid, dir);
			lim_json_key(j, "dir");
			lim_json_str(j, dir);
		}
		if (w && wr_warrant_get(r->db, o->liid, w) == LIM_OK)
			w_facts_of(w, &now);
		if (o->first.have) {
			json_w_facts(j, &o->first);
			if (!now.have) { /* (not read again: unknown, not "unchanged") */
				lim_json_key(j, "at_end");
				lim_json_null(j);
			} else if (!w_facts_same(&o->first, &now)) {
				lim_json_key(j, "at_end");
				lim_json_obj_open(j);
				json_w_facts(j, &now);
				lim_json_obj_close(j);
			}
		} else if (now.have) {
			json_w_facts(j, &now);
			lim_json_key(j, "read_at_first_output");
			lim_json_bool(j, false);
		}
		json_w_suspended(j, r, o);
		lim_json_key(j, "iri_records");
		lim_json_u64(j, o->n_iri);
		lim_json_key(j, "cc_packets");
		lim_json_u64(j, o->n_cc);
		lim_json_obj_close(j);
		free(w);
	}
	lim_json_arr_close(j);
}

/* see out.h */
void limf_json_pipe_summary(struct lim_json *j, struct limf_pool *p)
{
	struct limf_pipe_stats st;
	struct cap_stats cst;
	const struct limf_pipe_stats *s = &st;
	const struct cap_stats *c = &cst;
	limf_pool_stats(p, &st, &cst);
	lim_json_obj_open(j);
	lim_json_key(j, "frames");
	lim_json_u64(j, c->frames);
	lim_json_key(j, "sip_messages");
	lim_json_u64(j, c->sip);
	lim_json_key(j, "calls");
	lim_json_u64(j, s->calls);
	lim_json_key(j, "calls_intercepted");
	lim_json_u64(j, s->calls_intercepted);
	lim_json_key(j, "calls_with_content");
	lim_json_u64(j, s->calls_cc);
	/* of calls_intercepted: from the instant a warrant came into force during the call */
	lim_json_key(j, "calls_intercepted_in_progress");
	lim_json_u64(j, s->late_intercepts);
	/* LIIDs that joined a call intercepted already, from the instant their warrant came
	 * into force during it, or came back in force during it */
	lim_json_key(j, "liids_joined_in_progress");
	lim_json_u64(j, s->late_joins);
	/* warrants in force that a call could not serve (more than LIMF_CALL_MAX_LIIDS) */
	lim_json_key(j, "warrants_left_out");
	lim_json_u64(j, s->warrants_left_out);
	/* LIIDs whose warrant ended during a call (valid_to reached on the capture's clock) */
	lim_json_key(j, "warrant_ends_in_call");
	lim_json_u64(j, s->warrant_ends);
	lim_json_key(j, "i_messages");
	lim_json_u64(j, s->imsg);
	/* the gate: a failed decision is no interception (fail closed), so a run with errors
	 * may have missed targets; an audit row not written is a decryption not on the log */
	lim_json_key(j, "warrant_decisions");
	lim_json_u64(j, s->decisions);
	lim_json_key(j, "decision_errors");
	lim_json_u64(j, s->decision_errors);
	lim_json_key(j, "audit_errors");
	lim_json_u64(j, s->audit_errors);
	/* calls under a warrant not intercepted: no CIN could be reserved */
	lim_json_key(j, "cin_errors");
	lim_json_u64(j, s->cin_errors);
	lim_json_key(j, "kms_requests_ok");
	lim_json_u64(j, s->kms_ok);
	lim_json_key(j, "kms_requests_failed");
	lim_json_u64(j, s->kms_fail);
	lim_json_key(j, "unwrap_failed");
	lim_json_u64(j, s->unwrap_fail);
	lim_json_key(j, "bad_signatures");
	lim_json_u64(j, s->sig_bad);
	lim_json_key(j, "kms_cert_fetches");
	lim_json_u64(j, s->cert_fetches);
	lim_json_key(j, "kms_cert_refetches_refused");
	lim_json_u64(j, s->cert_refused);
	lim_json_key(j, "imsg_outside_certificates");
	lim_json_u64(j, s->cert_outside);
	lim_json_key(j, "media_packets_intercepted");
	lim_json_u64(j, s->media_target);
	lim_json_key(j, "decrypted");
	lim_json_u64(j, s->decrypted);
	lim_json_key(j, "auth_failed");
	lim_json_u64(j, s->auth_failed);
	lim_json_key(j, "replayed");
	lim_json_u64(j, s->replayed);
	lim_json_key(j, "srtp_trials_skipped");
	lim_json_u64(j, s->trials_skipped);
	lim_json_key(j, "decrypted_when_keys_came");
	lim_json_u64(j, s->held_decrypted);
	lim_json_key(j, "srtp_carry_tries");
	lim_json_u64(j, s->carry_tries);
	lim_json_key(j, "srtp_gap_tries");
	lim_json_u64(j, s->gap_tries);
	lim_json_key(j, "iri_records");
	lim_json_u64(j, s->iri_out);
	lim_json_key(j, "cc_packets");
	lim_json_u64(j, s->cc_out);
	/* group communications (issue 9) */
	lim_json_key(j, "gmk_distributions");
	lim_json_u64(j, s->gmk_seen);
	lim_json_key(j, "gmk_distributions_intercepted");
	lim_json_u64(j, s->gmk_intercepted);
	lim_json_key(j, "gmks_recovered");
	lim_json_u64(j, s->gmk_keys);
	lim_json_key(j, "gmk_distributions_given_up");
	lim_json_u64(j, s->gmk_given_up);
	lim_json_key(j, "gmk_group_mismatches");
	lim_json_u64(j, s->gmk_group_mismatch);
	lim_json_key(j, "group_calls_intercepted");
	lim_json_u64(j, s->group_calls);
	lim_json_key(j, "floor_messages");
	lim_json_u64(j, s->floor_msgs);
	lim_json_key(j, "group_media_decrypted");
	lim_json_u64(j, s->group_decrypted);
	lim_json_key(j, "group_media_copies");
	lim_json_u64(j, s->group_copies);
	lim_json_key(j, "group_copy_streams_forgotten");
	lim_json_u64(j, s->group_had_evicted);
	/* drops, by reason (capture/capture.h: the ones counted, by name), and what was evicted
	 * for room; those at limf's own limits and the evictions are also summed
	 * (limf_limit_drops): they make the evidence incomplete */
	lim_json_key(j, "drops");
	lim_json_obj_open(j);
	for (unsigned d = 0; d < CAP_DROP__COUNT; d++)
		if (c->drop[d]) {
			lim_json_key(j, cap_drop_name((enum cap_drop)d));
			lim_json_u64(j, c->drop[d]);
		}
	lim_json_obj_close(j);
	{
		struct limf_eviction ev[LIMF_EVICTIONS];
		lim_json_key(j, "evicted");
		lim_json_obj_open(j);
		for (size_t i = 0; i < limf_evictions(c, ev); i++) {
			lim_json_key(j, ev[i].name);
			lim_json_u64(j, ev[i].n);
		}
		lim_json_obj_close(j);
	}
	lim_json_key(j, "lost_at_limits");
	lim_json_u64(j, limf_limit_drops(c));
	lim_json_key(j, "routing_notes_lost");
	lim_json_u64(j, limf_pool_notes_lost(p));
	lim_json_obj_close(j);
}

/* extra_json for ho_bundle_close: warrants, calls, kms, summary. */
/* see out.h */
char *limf_out_manifest(struct limf_out *r, struct limf_pool *p, const char *url,
			const struct wr_kms *kms, const struct limf_status_src *src, size_t nsrc,
			size_t reserve)
{
	const struct wr_kms_cert *cert = limf_pool_cert(p);
	bool have_cert = cert != NULL;
	char *txt = NULL;
	size_t len = 0;
	struct lim_json j;
	FILE *f;
	stop(r); /* the pipeline has finished: everything recorded */
	f = open_memstream(&txt, &len);
	if (!f)
		return NULL;
	/* written as one object, then unwrapped to its members */
	lim_json_init(&j, f);
	lim_json_obj_open(&j);
	json_warrants(&j, r);
	lim_json_key(&j, "kms");
	lim_json_obj_open(&j);
	lim_json_key(&j, "url");
	lim_json_str(&j, url ? url : "");
	if (have_cert) {
		lim_json_key(&j, "kms_uri");
		lim_json_str(&j, cert->kms_uri);
		lim_json_key(&j, "user_id_format");
		lim_json_str(&j, cert->scheme == WR_KMS_ID_3GPP ? "3gpp-uid" : "rfc6509");
		lim_json_key(&j, "user_key_period");
		lim_json_u64(&j, cert->user_key_period);
		lim_json_key(&j, "user_key_offset");
		lim_json_u64(&j, cert->user_key_offset);
		lim_json_key(&j, "pub_enc_key_z");
		lim_json_hex(&j, cert->z, sizeof cert->z);
		lim_json_key(&j, "pub_auth_key_kpak");
		lim_json_hex(&j, cert->kpak, sizeof cert->kpak);
	}
	{
		/* every certificate the run used or saw (a roll-over: the old and the new) */
		struct wr_kms_cert certs[WR_KMS_CERTS];
		size_t n = kms ? wr_kms_certs(kms, certs, WR_KMS_CERTS) : 0;
		lim_json_key(&j, "certificates");
		lim_json_arr_open(&j);
		for (size_t i = 0; i < n; i++) {
			char vf[WR_TIME_STRLEN], vt[WR_TIME_STRLEN];
			wr_time_format(certs[i].valid_from, vf);
			wr_time_format(certs[i].valid_to, vt);
			lim_json_obj_open(&j);
			lim_json_key(&j, "cert_uri");
			lim_json_str(&j, certs[i].cert_uri);
			lim_json_key(&j, "kms_uri");
			lim_json_str(&j, certs[i].kms_uri);
			lim_json_key(&j, "valid_from");
			lim_json_str(&j, vf);
			lim_json_key(&j, "valid_to");
			lim_json_str(&j, vt);
			lim_json_key(&j, "pub_enc_key_z");
			lim_json_hex(&j, certs[i].z, sizeof certs[i].z);
			lim_json_key(&j, "pub_auth_key_kpak");
			lim_json_hex(&j, certs[i].kpak, sizeof certs[i].kpak);
			/* fetched from the KMS by this run, or loaded from the database (fetched
			 * over mutual TLS by an earlier limf process), recorded there since */
			lim_json_key(&j, "source");
			lim_json_str(&j, certs[i].source == WR_KMS_SRC_DB ? "database" : "kms");
			lim_json_key(&j, "first_seen");
			if (certs[i].first_seen == INT64_MIN) {
				lim_json_null(&j);
			} else {
				char fs[WR_TIME_STRLEN];
				wr_time_format(certs[i].first_seen, fs);
				lim_json_str(&j, fs);
			}
			lim_json_obj_close(&j);
		}
		lim_json_arr_close(&j);
	}
	lim_json_obj_close(&j);
	{
		/* the gate failed somewhere, or traffic was lost to capacity limits (limf replay's
		 * "complete", exit 3): warranted calls may be missing, or decryptions not on the
		 * audit log. Stated in the signed manifest, so that limf verify says so beside
		 * "verified" (handover/bundle.h) */
		char why[HO_BUNDLE_INCOMPLETE_MAX + 1];
		if (limf_out_incomplete(r, p, limf_status_kernel_dropped(src, nsrc), why,
					sizeof why)) {
			lim_json_key(&j, "incomplete");
			lim_json_str(&j, why);
		}
	}
	if (nsrc) {
		/* what each source of limf capture handed over, and what the kernel dropped
		 * before (null: a file, or counters that could not be read) */
		lim_json_key(&j, "sources");
		lim_json_arr_open(&j);
		for (size_t i = 0; i < nsrc; i++) {
			lim_json_obj_open(&j);
			lim_json_key(&j, "name");
			lim_json_str(&j, src[i].name);
			lim_json_key(&j, "live");
			lim_json_bool(&j, src[i].live);
			lim_json_key(&j, "frames");
			lim_json_u64(&j, src[i].frames);
			lim_json_key(&j, "kernel_received");
			if (src[i].have_kernel)
				lim_json_u64(&j, src[i].kernel_received);
			else
				lim_json_null(&j);
			lim_json_key(&j, "kernel_dropped");
			if (src[i].have_kernel)
				lim_json_u64(&j, src[i].kernel_dropped);
			else
				lim_json_null(&j);
			lim_json_obj_close(&j);
		}
		lim_json_arr_close(&j);
	}
	lim_json_key(&j, "summary");
	limf_json_pipe_summary(&j, p);
	/* the WAVs written, and the G.711 packets left out of them for want of a WAV slot */
	lim_json_key(&j, "audio");
	lim_json_obj_open(&j);
	lim_json_key(&j, "wavs");
	lim_json_u64(&j, r->n_wpath);
	lim_json_key(&j, "packets_without_wav");
	lim_json_u64(&j, r->wav_refused + r->wav_dropped);
	lim_json_obj_close(&j);
	/* CC packets in hi3.pdu that cc.pcap could not hold */
	lim_json_key(&j, "cc");
	lim_json_obj_open(&j);
	lim_json_key(&j, "packets_not_in_pcap");
	lim_json_u64(&j, r->pcap_refused);
	lim_json_obj_close(&j);
	lim_json_obj_close(&j);
	{
		/* (the stream closed whatever the JSON says: it holds the text so far) */
		bool ok = lim_json_end(&j) == LIM_OK;
		if (fclose(f) != 0 || !ok) {
			free(txt);
			return NULL;
		}
	}
	/* "{members}\n" -> "members" + ,"calls":[...] (+ ,"calls_not_listed":N) */
	{
		char *close = strrchr(txt, '}');
		size_t n = close && close > txt ? (size_t)(close - txt) - 1 : 0;
		char *out = close ? malloc(n + limf_mcalls_size(&r->calls) + 64) : NULL;
		size_t o = 0;
		if (!out) {
			free(txt);
			return NULL;
		}
		memcpy(out, txt + 1, n);
		o = n;
		/* the list takes what the bundle's extra_json has left once the other members, and
		 * the caller's (reserve), are in: CALLS_MAX leaves 1 MiB for them, which the
		 * warrants of a thousand LIIDs with long texts can pass */
		{
			size_t other = n + 9 + 48 + reserve;
			limf_mcalls_fit(&r->calls, other < HO_BUNDLE_EXTRA_MAX - 2
							   ? HO_BUNDLE_EXTRA_MAX - other
							   : 2);
		}
		memcpy(out + o, ",\"calls\":", 9);
		o += 9;
		/* by CIN (the order in which the calls were intercepted), not the order in which
		 * they ended: with several workers (limf/pool.h cfg.ordered) the calls still open
		 * at the end of the input end worker by worker, and the manifest stays the same
		 * whatever their number */
		o += limf_mcalls_write(&r->calls, out + o);
		if (r->calls.left_out)
			o += (size_t)snprintf(out + o, 48, ",\"calls_not_listed\":%" PRIu64,
					      r->calls.left_out);
		out[o] = '\0';
		free(txt);
		return out;
	}
}

/* see cli.h */

/* LIIDs a bundle records at most: REC_MAX, or what the open-file limit leaves room for
 * (*nofile: that limit; else 0). */
static size_t rec_max(uint64_t *nofile)
{
	struct rlimit rl;
	*nofile = 0;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		rlim_t room = rl.rlim_cur > FD_SPARE ? (rl.rlim_cur - FD_SPARE) / REC_FDS : 0;
		if (room < REC_MAX) {
			*nofile = (uint64_t)rl.rlim_cur;
			return (size_t)room;
		}
	}
	return REC_MAX;
}

/* see out.h */
enum lim_err limf_out_new(const struct limf_out_cfg *cfg, struct limf_out **out)
{
	struct limf_out *r = calloc(1, sizeof *r);
	*out = NULL;
	if (!r)
		return LIM_E_NOMEM;
	r->b = cfg->bundle;
	r->dlv = cfg->dlv;
	r->db = cfg->db;
	r->conf = cfg->conf;
	r->err = LIM_OK;
	r->rec_max = rec_max(&r->nofile);
	r->sweep_at = SWEEP_AT;
	if (pthread_mutex_init(&r->q.mu, NULL) != 0) {
		free(r);
		return LIM_E_NOMEM;
	}
	if (pthread_cond_init(&r->q.work, NULL) != 0) {
		pthread_mutex_destroy(&r->q.mu);
		free(r);
		return LIM_E_NOMEM;
	}
	if (pthread_cond_init(&r->q.done, NULL) != 0) {
		pthread_cond_destroy(&r->q.work);
		pthread_mutex_destroy(&r->q.mu);
		free(r);
		return LIM_E_NOMEM;
	}
	limf_mcalls_init(&r->calls, CALLS_MAX);
	*out = r;
	return LIM_OK;
}

/* A call is over (pipeline.h cin_end): nothing more with its CIN comes, so its sequence
 * counters go - the bundle's (so they count the calls of a LIID in progress, not all its
 * calls) and the spools' (handover/deliver.h ho_spool_seq_forget: else a long-running capture
 * fills their tables and every new call is refused). */
static void on_cin_end(void *ctx, uint32_t cin)
{
	struct limf_out *r = ctx;
	/* (the stream hints name a slot and check its CIN: moving entries is safe) */
	for (size_t i = 0; i < r->n_out; i++)
		seq_drop(r->out[i], cin);
	if (r->dlv) {
		enum lim_err e = limf_dlv_call_end(r->dlv, cin);
		if (e != LIM_OK && r->forget_err++ == 0)
			fprintf(stderr,
				"limf: handover spool: the end of a call could not be recorded "
				"(%s): "
				"its sequence counters may come back after a crash\n",
				lim_strerror(e));
	}
}

/* see out.h */
struct limf_sink limf_out_sink(struct limf_out *o)
{
	struct limf_sink s;
	memset(&s, 0, sizeof s);
	s.iri = on_iri;
	s.cc = on_cc;
	s.call_done = on_call_done;
	s.cin_end = on_cin_end;
	s.cin = o->dlv ? next_cin : NULL;
	s.ctx = o;
	return s;
}

/* see out.h */
bool limf_out_failed(const struct limf_out *o)
{
	return atomic_load(&o->err) != LIM_OK;
}

/* see out.h */
const char *limf_out_error(struct limf_out *o)
{
	drain(o);
	return o->err != LIM_OK ? o->errmsg : NULL;
}

/* Appends one reason to why[0..cap) after "; " when more is set (a text already cut to
 * "..." stays so; one that does not fit ends in "..."). Returns true. */
static bool why_add(char *why, size_t cap, bool more, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static bool why_add(char *why, size_t cap, bool more, const char *fmt, ...)
{
	size_t n = cap ? strlen(why) : 0;
	va_list ap;
	int w = 0;
	if (cap < 4 || n >= cap - 4)
		return true;
	if (more)
		w = snprintf(why + n, cap - n, "; ");
	if (w >= 0 && (size_t)w < cap - n) {
		n += (size_t)w;
		va_start(ap, fmt);
		w = vsnprintf(why + n, cap - n, fmt, ap);
		va_end(ap);
	}
	if (w < 0 || (size_t)w >= cap - n)
		memcpy(why + cap - 4, "...", 4);
	return true;
}

/* see out.h */
bool limf_out_incomplete(struct limf_out *o, struct limf_pool *p, uint64_t kernel_dropped,
			 char *why, size_t cap)
{
	struct limf_pipe_stats gs;
	struct cap_stats gc;
	bool inc;
	limf_pool_stats(p, &gs, &gc);
	inc = limf_pipe_incomplete(&gs, &gc, kernel_dropped, limf_pool_notes_lost(p), why, cap);
	drain(o);
	if (atomic_load(&o->unrec_iri) || atomic_load(&o->unrec_cc))
		inc = why_add(why, cap, inc,
			      "%" PRIu64 " IRI record(s) and %" PRIu64
			      " CC packet(s) of LIIDs past the %zu the bundle can hold (the "
			      "first: %s) not recorded in it",
			      atomic_load(&o->unrec_iri), atomic_load(&o->unrec_cc), o->rec_max,
			      o->unrec_first);
	if (o->pcap_refused)
		inc = why_add(why, cap, inc,
			      "%" PRIu64 " CC packet(s) too long for a cc.pcap record or dated "
			      "after 2106, in hi3.pdu only",
			      o->pcap_refused);
	return inc;
}

/* see out.h */
bool limf_out_bundle_liids(struct limf_out *o, uint64_t *recorded, uint64_t *max,
			   uint64_t *unrecorded)
{
	*recorded = *max = *unrecorded = 0;
	if (!o || !o->b)
		return false;
	*recorded = atomic_load_explicit(&o->n_rec, memory_order_relaxed);
	*max = o->rec_max;
	*unrecorded = atomic_load_explicit(&o->unrec_iri, memory_order_relaxed) +
		      atomic_load_explicit(&o->unrec_cc, memory_order_relaxed);
	return true;
}

/* see out.h */
void limf_out_stats(struct limf_out *o, struct limf_out_stats *st)
{
	drain(o);
	memset(st, 0, sizeof *st);
	st->dlv_iri = o->dlv_iri;
	st->dlv_cc = o->dlv_cc;
	st->dlv_refused = o->dlv_err;
	st->n_liids = atomic_load(&o->n_rec);
	st->n_wavs = o->n_wpath;
	st->wav_refused = o->wav_refused + o->wav_dropped;
	st->pcap_refused = o->pcap_refused;
	st->undelivered = atomic_load(&o->undelivered);
}

/* see out.h */
uint64_t limf_out_undelivered(const struct limf_out *o)
{
	return o ? atomic_load_explicit(&o->undelivered, memory_order_relaxed) : 0;
}

/* see out.h */
const char *limf_out_liid(struct limf_out *o, size_t i)
{
	drain(o);
	for (size_t k = 0; k < o->n_out; k++)
		if (o->out[k]->recorded && i-- == 0)
			return o->out[k]->liid;
	return NULL;
}

/* see out.h */
const char *limf_out_wav(struct limf_out *o, size_t i)
{
	drain(o);
	return i < o->n_wpath ? o->wpath[i] : NULL;
}

/* see out.h */
void limf_out_free(struct limf_out *o)
{
	if (!o)
		return;
	stop(o);
	/* (clear content of target calls: wiped, as the pool's queues are) */
	if (o->q.items)
		lim_wipe(o->q.items, Q_SLOTS * sizeof *o->q.items);
	if (o->q.data)
		lim_wipe(o->q.data, Q_BYTES);
	if (o->q.pdu)
		lim_wipe(o->q.pdu, PDU_BUF);
	free(o->q.items);
	free(o->q.data);
	free(o->q.pdu);
	pthread_cond_destroy(&o->q.work);
	pthread_cond_destroy(&o->q.done);
	pthread_mutex_destroy(&o->q.mu);
	for (size_t i = 0; i < o->n_out; i++) {
		free(o->out[i]->seqs);
		free(o->out[i]);
	}
	free(o->out);
	free(o->ix);
	limf_mcalls_free(&o->calls);
	free(o->wpath);
	free(o);
}

/* see out.h */
const char *limf_setting(const char *flag, const char *conf, const char *env)
{
	const char *e;
	if (flag && flag[0])
		return flag;
	if (conf && conf[0])
		return conf;
	e = env ? getenv(env) : NULL;
	return e && e[0] ? e : NULL;
}

/* see out.h */
int limf_kms_open(const char *url, const char *ca, const char *cert, const char *key,
		  const char *refresh, bool keep_ended, struct wr_kms **out)
{
	struct wr_kms_config kc;
	long refresh_s = 0;
	const char *why;
	*out = NULL;
	if (refresh && refresh[0] && !limf_num_opt(refresh, 1, 86400, &refresh_s)) {
		fprintf(stderr, "limf: [kms] cert_refresh: 1..86400 seconds\n");
		return 1;
	}
	if (!url) {
		fprintf(stderr, "limf: no KMS configured: intercepted calls get IRI only\n");
		return 0;
	}
	if (!wr_kms_url_ok(url, &why)) {
		fprintf(stderr, "limf: KMS URL: %s\n", why);
		return 1;
	}
	memset(&kc, 0, sizeof kc);
	kc.base_url = url;
	kc.ca_file = ca;
	kc.cert_file = cert;
	kc.key_file = key;
	kc.crypto = limf_kms_crypto();
	kc.keep_ended = keep_ended;
	kc.refresh_min_us = (int64_t)refresh_s * 1000000; /* 0: the default */
	if (!ca || !cert || !key || wr_kms_new(&kc, out) != LIM_OK) {
		fprintf(stderr, "limf: KMS: the URL needs a CA, a client certificate and its key "
				"(mutual TLS)\n");
		*out = NULL;
		return 1;
	}
	return 0;
}

/* see out.h */
enum lim_err limf_worker_open(void *ctx, unsigned i, struct wr_db **db)
{
	(void)i;
	*db = NULL;
	return limf_open_db(ctx, db) == 0 ? LIM_OK : LIM_E_IO;
}

/* see out.h */
void limf_worker_close(void *ctx, unsigned i, struct wr_db *db)
{
	(void)ctx;
	(void)i;
	wr_db_close(db);
}

/* see out.h */
int limf_workers_opt(const char *s, unsigned *n)
{
	char *end = NULL;
	long v;
	*n = 1;
	if (!s)
		return 0;
	v = strtol(s, &end, 10);
	if (!end || end == s || *end || v < 1 || v > LIMF_POOL_MAX_WORKERS) {
		fprintf(stderr, "limf: --workers: a number from 1 to %d\n", LIMF_POOL_MAX_WORKERS);
		return 1;
	}
	*n = (unsigned)v;
	return 0;
}

/* see out.h */
int limf_bundle_open(const char *dir, struct ho_bundle **out)
{
	switch (ho_bundle_open(dir, out)) {
	case LIM_OK: return 0;
	case LIM_E_STATE:
		fprintf(stderr, "limf: %s: not empty (or not a directory): refusing to write\n",
			dir);
		return 1;
	default: fprintf(stderr, "limf: %s: cannot be created\n", dir); return 1;
	}
}

/* see out.h */
void limf_out_reconfigure(struct limf_out *o, const struct limf_conf *conf, struct limf_dlv *dlv)
{
	drain(o);
	o->conf = conf;
	o->dlv = dlv;
	for (size_t i = 0; i < o->n_out; i++) {
		o->out[i]->dlv_warned = false;
		psheader_init(o, o->out[i]);
	}
}

/* see out.h */
void limf_audit_mark_read(struct wr_db *db, struct limf_audit_mark *a)
{
	enum lim_err e;
	memset(a, 0, sizeof *a);
	e = wr_audit_head(db, &a->rows, a->head);
	a->ok = e == LIM_OK && a->rows >= 0;
	if (!a->ok) {
		snprintf(a->why, sizeof a->why, "the audit head could not be read: %s",
			 e == LIM_OK ? "bad row id" : wr_db_msg(db));
		fprintf(stderr, "limf: WARNING: %s; the manifest records no audit anchor\n",
			a->why);
	}
}

/* see out.h */
void limf_json_audit(struct lim_json *j, const struct limf_audit_mark *a)
{
	lim_json_obj_open(j);
	if (a->ok) {
		lim_json_key(j, "rows");
		lim_json_u64(j, (uint64_t)a->rows);
		lim_json_key(j, "head");
		lim_json_hex(j, a->head, sizeof a->head);
	} else {
		lim_json_key(j, "unavailable");
		lim_json_str(j, a->why);
	}
	lim_json_obj_close(j);
}

/* see out.h */
bool limf_put_verify_csum(FILE *f, void *ctx)
{
	(void)ctx;
	return fputs(",\"verify_checksums\":true", f) >= 0;
}

/* see out.h */
char *limf_with_audit(const char *extra, const struct limf_audit_mark *a, limf_members_fn more,
		      void *ctx)
{
	struct lim_json j;
	char *txt = NULL;
	size_t len = 0;
	bool ok;
	FILE *f = open_memstream(&txt, &len);
	if (!f)
		return NULL;
	fputs(extra, f);
	if (extra[strspn(extra, " \t\r\n")])
		fputc(',', f);
	fputs("\"audit\":", f);
	lim_json_init(&j, f);
	limf_json_audit(&j, a);
	ok = lim_json_end(&j) == LIM_OK && (!more || more(f, ctx));
	if (fclose(f) != 0 || !ok) {
		free(txt);
		return NULL;
	}
	return txt;
}
