/* TCP stream reassembly and SIP framing on streams (see capture.h, "TCP reassembly").
 * Sequence numbers are compared modulo 2^32 (RFC 793 s3.3). Segment payload lengths come
 * from the decoder (at most 65535); the Content-Length from the wire is compared with
 * CAP_SIP_MAX_MSG before any arithmetic (STYLE.md rule 13). */
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "capture/internal.h"

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

/* RFC 5961 s3/s4 style: a RST, or a SYN on a tracked tuple, is taken only when its sequence
 * number lies in [next expected, next expected + SEQ_WINDOW] of its sender's stream; a blind
 * forger (who does not see the connection) misses that window. */
#define SEQ_WINDOW 65536u

/* A hole that neither its receiver's acknowledgement nor its retransmission closed in this
 * long (of capture time) is given up when a segment of its stream comes (RFC 6298's RTO
 * starts at 1 s and doubles: most retransmissions come well within it). */
#define HOLE_NS (5ull * 1000000000ull)

/* Streams that carried SIP looked at for one to make room when the table is full of them */
#define EVICT_SCAN 64

/* one out-of-order piece: [seq, seq + len) */
struct seg {
	struct seg *next;
	uint32_t seq;
	size_t len;
	uint8_t data[];
};

struct stream {
	struct stream *hnext, *lprev, *lnext;
	uint8_t ver;
	uint8_t src[16], dst[16];
	uint16_t sport, dport, vlan;
	bool have_seq; /* next_seq is known */
	bool have_fin;
	bool sip_seen; /* a SIP message was framed on it (its list: lru[1], else lru[0]) */
	bool resync;   /* skipping lines until a SIP start line */
	bool resync_counted;
	uint32_t next_seq;
	uint32_t fin_seq;
	bool have_ack; /* ack: the last ACK number sent on this direction (the peer's next_seq) */
	uint32_t ack;
	bool syn_pend;     /* a SYN outside the window was refused: a new connection on the */
	uint32_t syn_next; /* tuple is taken once data comes at its ISN + 1 (syn_next) */
	/* peer_ack: the last ACK number the other direction sent, its receiver's next expected
	 * octet of this stream (tracked or not, that direction) */
	bool have_peer_ack;
	uint32_t peer_ack;
	uint32_t max_end; /* past the farthest octet taken, in order or held */
	uint64_t hole_ns; /* when the hole before the held pieces (at hole_seq) opened; 0: none */
	uint32_t hole_seq;
	uint64_t moved_ns; /* when next_seq last moved (or the stream began) */
	uint64_t win_ns;   /* when a data segment last came within the window (take) */
	/* where the stream was before it was taken up far away (take): a segment there takes it
	 * back (a forged segment far away cannot hold a real connection off) */
	bool have_alt;
	uint32_t alt_seq;
	/* the headers of its last segment (views empty): the segment a message completed by
	 * the other direction's acknowledgement (a hole given up) is delivered with */
	struct cap_pkt last;
	uint8_t *buf; /* in-order octets not yet framed */
	size_t len, cap;
	/* what frame() learnt of the message at the start of buf, so that each segment costs
	 * its own octets, not a scan of all held (one-octet segments made it quadratic): no
	 * header end in buf[0..hscan), or the message's total length (0: not known yet).
	 * Cleared whenever buf's start moves (consume) */
	size_t hscan, total;
	struct seg *ooo; /* sorted by seq, non-overlapping, all after next_seq */
	size_t n_ooo, ooo_bytes;
	uint64_t last_ns;
};

struct cap_tcp {
	struct cap_tcp_limits lim;
	struct cap_stats *st;
	cap_tcp_msg_fn fn;
	void *ctx;
	struct stream **bucket;
	size_t nbucket;       /* power of two */
	struct cap_hkey hkey; /* keyed: traffic cannot aim its streams at one bucket */
	size_t n, bytes;
	uint64_t now; /* of the segment being fed */
	/* [0] streams that never framed a SIP message (idle_nosip_ns), [1] the others (idle_ns);
	 * oldest first */
	struct stream *lru_head[2], *lru_tail[2];
};

/* see capture.h */
void cap_tcp_limits_default(struct cap_tcp_limits *l)
{
	l->max_streams = 4096;
	l->max_stream = 96 * 1024;
	l->max_segs = 64;
	l->max_total = 64u * 1024 * 1024;
	l->idle_ns = 300ull * 1000000000ull;
	l->idle_nosip_ns = 32ull * 1000000000ull;
	l->hash_seed = 0;
}

static int32_t seq_diff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}

static size_t hash_key(const struct cap_tcp *t, const uint8_t *src, const uint8_t *dst,
		       uint16_t sport, uint16_t dport, uint16_t vlan)
{
	uint8_t k[38];
	memcpy(k, src, 16);
	memcpy(k + 16, dst, 16);
	k[32] = (uint8_t)(sport >> 8);
	k[33] = (uint8_t)sport;
	k[34] = (uint8_t)(dport >> 8);
	k[35] = (uint8_t)dport;
	k[36] = (uint8_t)(vlan >> 8);
	k[37] = (uint8_t)vlan;
	return (size_t)cap_hash(&t->hkey, k, sizeof k);
}

/* see capture.h */
enum lim_err cap_tcp_new(const struct cap_tcp_limits *l, struct cap_stats *st, cap_tcp_msg_fn fn,
			 void *ctx, struct cap_tcp **out)
{
	struct cap_tcp *t;
	struct cap_tcp_limits d;
	*out = NULL;
	if (!l) {
		cap_tcp_limits_default(&d);
		l = &d;
	}
	if (!st || !fn || l->max_streams == 0 || l->max_segs == 0 || l->idle_ns == 0 ||
	    l->idle_nosip_ns == 0 || l->max_stream < CAP_SIP_MAX_MSG + CAP_SIP_MAX_MSG / 4 ||
	    l->max_total < l->max_stream || l->max_streams > ((size_t)1 << 24))
		return LIM_E_ARG;
	t = calloc(1, sizeof *t);
	if (!t)
		return LIM_E_NOMEM;
	t->lim = *l;
	cap_hkey_init(&t->hkey, l->hash_seed);
	t->st = st;
	t->fn = fn;
	t->ctx = ctx;
	t->nbucket = 16;
	while (t->nbucket < l->max_streams)
		t->nbucket <<= 1;
	t->bucket = calloc(t->nbucket, sizeof *t->bucket);
	if (!t->bucket) {
		free(t);
		return LIM_E_NOMEM;
	}
	*out = t;
	return LIM_OK;
}

static struct stream **slot_of(struct cap_tcp *t, const struct stream *s)
{
	size_t h = hash_key(t, s->src, s->dst, s->sport, s->dport, s->vlan);
	return &t->bucket[h & (t->nbucket - 1)];
}

static void lru_unlink(struct cap_tcp *t, struct stream *s)
{
	int l = s->sip_seen ? 1 : 0;
	if (s->lprev)
		s->lprev->lnext = s->lnext;
	else
		t->lru_head[l] = s->lnext;
	if (s->lnext)
		s->lnext->lprev = s->lprev;
	else
		t->lru_tail[l] = s->lprev;
	s->lprev = s->lnext = NULL;
}

static void lru_append(struct cap_tcp *t, struct stream *s)
{
	int l = s->sip_seen ? 1 : 0;
	s->lprev = t->lru_tail[l];
	s->lnext = NULL;
	if (t->lru_tail[l])
		t->lru_tail[l]->lnext = s;
	else
		t->lru_head[l] = s;
	t->lru_tail[l] = s;
}

/* true when the stream holds octets of a message (not just CR/LF between messages) */
static bool holds_partial(const struct stream *s)
{
	if (s->ooo)
		return true;
	for (size_t i = 0; i < s->len; i++)
		if (s->buf[i] != '\r' && s->buf[i] != '\n')
			return true;
	return false;
}

static void free_ooo(struct cap_tcp *t, struct stream *s)
{
	struct seg *g = s->ooo;
	while (g) {
		struct seg *n = g->next;
		t->bytes -= g->len;
		free(g);
		g = n;
	}
	s->ooo = NULL;
	s->n_ooo = 0;
	s->ooo_bytes = 0;
}

/* Removes and frees s; counts a lost partial message when cut is set. */
static void stream_drop(struct cap_tcp *t, struct stream *s, bool cut)
{
	struct stream **pp = slot_of(t, s);
	if (cut && holds_partial(s))
		t->st->drop[CAP_DROP_TCP_CUT]++;
	while (*pp && *pp != s)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = s->hnext;
	lru_unlink(t, s);
	free_ooo(t, s);
	t->bytes -= s->cap;
	free(s->buf);
	free(s);
	t->n--;
}

/* see capture.h */
void cap_tcp_free(struct cap_tcp *t)
{
	if (!t)
		return;
	for (int l = 0; l < 2; l++)
		while (t->lru_head[l])
			stream_drop(t, t->lru_head[l], false);
	free(t->bucket);
	free(t);
}

static bool deliver_rest(struct cap_tcp *t, struct stream *s);

/* see capture.h */
size_t cap_tcp_expire(struct cap_tcp *t, uint64_t now_ns)
{
	size_t n = 0;
	for (int l = 0; l < 2; l++) {
		uint64_t idle = l ? t->lim.idle_ns : t->lim.idle_nosip_ns;
		struct stream *h;
		while ((h = t->lru_head[l]) &&
		       (now_ns == UINT64_MAX ||
			(now_ns > h->last_ns && now_ns - h->last_ns > idle))) {
			/* gone idle with messages complete after a hole: they are delivered first
			 * (not at the end of the input: the call table is flushed before) */
			if (now_ns != UINT64_MAX && h->ooo && !deliver_rest(t, h)) {
				n++;
				continue; /* (framing dropped it: not SIP) */
			}
			stream_drop(t, h, true);
			n++;
		}
	}
	return n;
}

/* see capture.h */
size_t cap_tcp_streams(const struct cap_tcp *t)
{
	return t->n;
}

/* see capture.h */
size_t cap_tcp_bytes(const struct cap_tcp *t)
{
	return t->bytes;
}

static void key_of(const struct cap_pkt *p, bool reverse, uint8_t src[16], uint8_t dst[16],
		   uint16_t *sport, uint16_t *dport, uint16_t *vlan)
{
	size_t n = p->ip_ver == 4 ? 4 : 16;
	memset(src, 0, 16);
	memset(dst, 0, 16);
	memcpy(src, reverse ? p->dst.a : p->src.a, n);
	memcpy(dst, reverse ? p->src.a : p->dst.a, n);
	*sport = reverse ? p->dport : p->sport;
	*dport = reverse ? p->sport : p->dport;
	*vlan = p->n_vlan ? p->vlan[0] : 0;
}

static struct stream *lookup(struct cap_tcp *t, const struct cap_pkt *p, bool reverse)
{
	uint8_t src[16], dst[16];
	uint16_t sport, dport, vlan;
	struct stream *s;
	key_of(p, reverse, src, dst, &sport, &dport, &vlan);
	s = t->bucket[hash_key(t, src, dst, sport, dport, vlan) & (t->nbucket - 1)];
	for (; s; s = s->hnext)
		if (s->ver == p->ip_ver && s->sport == sport && s->dport == dport &&
		    s->vlan == vlan && memcmp(s->src, src, 16) == 0 && memcmp(s->dst, dst, 16) == 0)
			return s;
	return NULL;
}

/* Whether s's partial message made no progress for HOLE_NS: stuck behind a hole, or cut off */
/* Whether the time ns is more than HOLE_NS before the segment being fed */
static bool older(const struct cap_tcp *t, uint64_t ns)
{
	return t->now > ns && t->now - ns > HOLE_NS;
}

static bool stalled(const struct cap_tcp *t, const struct stream *s)
{
	return older(t, s->moved_ns);
}

/* Octets s holds (its buffer and held pieces) */
static size_t held_octets(const struct stream *s)
{
	return s->cap + s->ooo_bytes;
}

/* Whether v may go for room, not keep. For the table (!mem): a stream that never framed SIP;
 * a SIP stream holding no partial message (its connection is picked up again at its next
 * message: a SIP start line at a segment's start), or a stalled one. For memory: the same, of
 * those that hold octets (dropping a bare handshake frees nothing). */
static bool evictable(const struct cap_tcp *t, const struct stream *v, const struct stream *keep,
		      bool mem)
{
	if (v == keep || (mem && held_octets(v) == 0))
		return false;
	if (!v->sip_seen)
		return true;
	return mem ? (v->ooo || v->len) && stalled(t, v) : !holds_partial(v) || stalled(t, v);
}

/* A stream to drop for room (evictable): the least recent that never framed SIP, else one of
 * the least recent SIP streams (EVICT_SCAN of them for the table). NULL: none. */
static struct stream *victim(const struct cap_tcp *t, const struct stream *keep, bool mem)
{
	size_t k = 0;
	for (int l = 0; l < 2; l++)
		for (struct stream *v = t->lru_head[l]; v && (mem || l == 0 || k < EVICT_SCAN);
		     v = v->lnext, k += (size_t)l)
			if (evictable(t, v, keep, mem))
				return v;
	return NULL;
}

/* Frees other streams (victim) until need more octets fit in max_total; false when they
 * cannot, and then none is dropped. A flood of streams holding out-of-order junk must not keep
 * a target's message out. */
static bool make_room(struct cap_tcp *t, const struct stream *keep, size_t need)
{
	struct stream *v;
	size_t could = t->lim.max_total - t->bytes;
	if (need <= could)
		return true;
	for (int l = 0; l < 2 && need > could; l++)
		for (v = t->lru_head[l]; v && need > could; v = v->lnext)
			if (evictable(t, v, keep, true))
				could += held_octets(v);
	if (need > could)
		return false; /* (before, streams were dropped for nothing) */
	while (need > t->lim.max_total - t->bytes && (v = victim(t, keep, true))) {
		stream_drop(t, v, true);
		t->st->tcp_evicted++;
	}
	return need <= t->lim.max_total - t->bytes;
}

static struct stream *create(struct cap_tcp *t, const struct cap_pkt *p)
{
	struct stream *s, **pp, *v;
	if (t->n >= t->lim.max_streams && (v = victim(t, NULL, false))) {
		/* full: a stream that never framed SIP makes room (finding 8 of the capture
		 * review: a scan or a SYN flood must not keep a target's SIP connection out), else
		 * a SIP stream idle between messages (one forged OPTIONS per stream made streams
		 * that kept every new connection out for idle_ns) */
		stream_drop(t, v, true);
		t->st->tcp_evicted++;
	}
	if (t->n >= t->lim.max_streams) {
		t->st->drop[CAP_DROP_TCP_TABLE]++;
		return NULL;
	}
	s = calloc(1, sizeof *s);
	if (!s) {
		t->st->drop[CAP_DROP_TCP_NOMEM]++;
		return NULL;
	}
	s->ver = p->ip_ver;
	s->moved_ns = t->now;
	key_of(p, false, s->src, s->dst, &s->sport, &s->dport, &s->vlan);
	pp = slot_of(t, s);
	s->hnext = *pp;
	*pp = s;
	lru_append(t, s);
	t->n++;
	t->st->tcp_streams++;
	return s;
}

/* Grows buf to hold need octets (need <= max_stream checked by the caller). */
static bool reserve(struct cap_tcp *t, struct stream *s, size_t need)
{
	size_t nc;
	uint8_t *nb;
	if (need <= s->cap)
		return true;
	nc = s->cap ? s->cap : 2048;
	while (nc < need)
		nc *= 2;
	if (nc > t->lim.max_stream)
		nc = t->lim.max_stream;
	if (!make_room(t, s, nc - s->cap)) {
		t->st->drop[CAP_DROP_TCP_MEM]++;
		return false;
	}
	nb = realloc(s->buf, nc);
	if (!nb) {
		t->st->drop[CAP_DROP_TCP_NOMEM]++;
		return false;
	}
	t->bytes = t->bytes - s->cap + nc;
	s->buf = nb;
	s->cap = nc;
	return true;
}

/* Appends in-order octets; false (counted) when a cap stops it. */
static bool append(struct cap_tcp *t, struct stream *s, const uint8_t *d, size_t n)
{
	if (n == 0)
		return true;
	if (n > t->lim.max_stream - s->len - s->ooo_bytes) {
		t->st->drop[CAP_DROP_TCP_STREAM]++;
		return false;
	}
	if (!reserve(t, s, s->len + n))
		return false;
	memcpy(s->buf + s->len, d, n);
	s->len += n;
	s->next_seq += (uint32_t)n;
	s->moved_ns = t->now;
	if (seq_diff(s->next_seq, s->max_end) > 0)
		s->max_end = s->next_seq;
	return true;
}

/* Stores [seq, seq+n) as an out-of-order piece before *at. */
static bool store_piece(struct cap_tcp *t, struct stream *s, struct seg **at, uint32_t seq,
			const uint8_t *d, size_t n)
{
	struct seg *g;
	if (s->n_ooo >= t->lim.max_segs || n > t->lim.max_stream - s->len - s->ooo_bytes) {
		t->st->drop[CAP_DROP_TCP_STREAM]++;
		return false;
	}
	if (!make_room(t, s, n)) {
		t->st->drop[CAP_DROP_TCP_MEM]++;
		return false;
	}
	g = malloc(sizeof *g + n);
	if (!g) {
		t->st->drop[CAP_DROP_TCP_NOMEM]++;
		return false;
	}
	g->seq = seq;
	g->len = n;
	memcpy(g->data, d, n);
	g->next = *at;
	*at = g;
	s->n_ooo++;
	s->ooo_bytes += n;
	t->bytes += n;
	if (seq_diff(seq + (uint32_t)n, s->max_end) > 0)
		s->max_end = seq + (uint32_t)n;
	return true;
}

/* Inserts the ranges of [seq, seq+n) that no held piece covers (first copy wins). n > 0 and
 * seq is after next_seq. Returns false when a cap refused a piece. */
static bool insert_ooo(struct cap_tcp *t, struct stream *s, uint32_t seq, const uint8_t *d,
		       size_t n)
{
	struct seg **pp = &s->ooo;
	size_t off = 0; /* octets of d already handled */
	while (off < n) {
		struct seg *g = *pp;
		uint32_t cur = seq + (uint32_t)off;
		size_t take = n - off;
		if (g) {
			int32_t gs = seq_diff(g->seq, cur);
			if (gs <= 0) {
				/* g starts at or before cur: skip what g covers */
				int64_t gend = (int64_t)gs + (int64_t)g->len;
				if (gend > 0) {
					size_t cov = (size_t)gend < take ? (size_t)gend : take;
					off += cov;
				}
				pp = &g->next;
				continue;
			}
			if ((size_t)gs < take)
				take = (size_t)gs;
		}
		if (!store_piece(t, s, pp, cur, d + off, take))
			return false;
		pp = &(*pp)->next;
		off += take;
	}
	return true;
}

/* Moves pieces now contiguous with next_seq into buf. */
static void drain(struct cap_tcp *t, struct stream *s)
{
	while (s->ooo && seq_diff(s->ooo->seq, s->next_seq) <= 0) {
		struct seg *g = s->ooo;
		int32_t skip = seq_diff(s->next_seq, g->seq); /* >= 0 */
		s->ooo = g->next;
		s->n_ooo--;
		s->ooo_bytes -= g->len;
		t->bytes -= g->len;
		if ((uint32_t)skip < g->len) {
			size_t n = g->len - (uint32_t)skip;
			/* room is guaranteed: the piece was counted against the same cap */
			if (!append(t, s, g->data + skip, n)) {
				free(g);
				continue;
			}
		}
		free(g);
	}
}

/* Gives up on the hole before the first held piece: the partial message is lost. */
static void skip_gap(struct cap_tcp *t, struct stream *s)
{
	if (!s->ooo)
		return;
	t->st->drop[CAP_DROP_TCP_GAP]++;
	s->len = 0;
	s->hscan = s->total = 0; /* (of the message lost: as consume does) */
	s->next_seq = s->ooo->seq;
	s->moved_ns = t->now;
	s->resync = true;
	s->resync_counted = false;
	drain(t, s);
}

/* Notes when the hole before the held pieces opened (hole_ns). */
static void hole_mark(struct cap_tcp *t, struct stream *s)
{
	if (!s->ooo) {
		s->hole_ns = 0;
	} else if (!s->hole_ns || s->hole_seq != s->next_seq) {
		s->hole_ns = t->now ? t->now : 1;
		s->hole_seq = s->next_seq;
	}
}

/* Whether the hole before s's first held piece will not be filled: its receiver acknowledged
 * past it (it has those octets: nobody sends them again), or it has been open HOLE_NS. Before,
 * a hole (one segment the capture missed) held every message after it until a cap was hit. */
static bool hole_dead(const struct cap_tcp *t, const struct stream *s)
{
	if (!s->ooo)
		return false;
	/* (a FIN takes a sequence number: its acknowledgement is one past the last octet) */
	if (s->have_peer_ack && seq_diff(s->peer_ack, s->ooo->seq) >= 0 &&
	    seq_diff(s->peer_ack, s->max_end) <= (s->have_fin ? 1 : 0))
		return true;
	return s->hole_ns && older(t, s->hole_ns);
}

static bool frame(struct cap_tcp *t, struct stream *s, const struct cap_pkt *p, uint64_t now);

/* Gives up the holes hole_dead says will not be filled (every hole: all), framing what each
 * makes complete (as frame, with p and now) before the next is given up (which drops a
 * partial message: before, a second hole given up at once dropped the messages the first had
 * let in). false when framing dropped s (not SIP). */
static bool give_up_holes(struct cap_tcp *t, struct stream *s, const struct cap_pkt *p,
			  uint64_t now, bool all)
{
	hole_mark(t, s);
	while (s->ooo && (all || hole_dead(t, s))) {
		skip_gap(t, s);
		if (!frame(t, s, p, now))
			return false;
		hole_mark(t, s);
	}
	return true;
}

static void consume(struct stream *s, size_t n)
{
	if (n == 0)
		return;
	if (n < s->len)
		memmove(s->buf, s->buf + n, s->len - n);
	s->len -= n;
	s->hscan = 0;
	s->total = 0;
}

/* Gives back a large buffer once it is empty (idle SIP connections hold nothing). */
static void shrink(struct cap_tcp *t, struct stream *s)
{
	if (s->len || s->cap <= 4096)
		return;
	t->bytes -= s->cap;
	free(s->buf);
	s->buf = NULL;
	s->cap = 0;
}

/* Index just past the CRLFCRLF (or LFLF) ending the header block, or 0 when absent; from
 * index from on (none ends before it). */
static size_t header_end(const uint8_t *b, size_t len, size_t from)
{
	for (size_t i = from; i + 1 < len; i++) {
		if (b[i] != '\n')
			continue;
		if (b[i + 1] == '\n')
			return i + 2;
		if (b[i + 1] == '\r' && i + 2 < len && b[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* Content-Length of the header block b[0..len): 1 found (*v set), 0 absent, -1 bad. Given
 * twice, the first one frames the message (Kamailio and PJSIP both take it; cap_sip_parse
 * then refuses a message whose copies differ), and leading zeros are read as a SIP stack
 * reads them (before, either was "bad", and the stream was framed again from the next line
 * that looked like a start line - inside the body: a message hidden there was taken for the
 * real one). */
static int content_length(const uint8_t *b, size_t len, uint64_t *v)
{
	size_t pos = 0;
	int found = 0;
	/* skip the start line */
	while (pos < len && b[pos] != '\n')
		pos++;
	while (pos < len) {
		size_t ls = ++pos, le, c;
		struct cap_str name, val;
		while (pos < len && b[pos] != '\n')
			pos++;
		le = pos;
		if (ls >= le)
			continue;
		if (b[ls] == ' ' || b[ls] == '\t')
			continue; /* continuation line */
		for (c = ls; c < le && b[c] != ':'; c++)
			;
		if (c == le)
			continue;
		/* the value goes on over continuation lines (RFC 3261 s7.3.1 folding), as
		 * cap_sip_parse reads it over UDP */
		while (le + 1 < len && (b[le + 1] == ' ' || b[le + 1] == '\t')) {
			for (pos = le + 1; pos < len && b[pos] != '\n'; pos++)
				;
			le = pos;
		}
		pos = le;
		name.p = (const char *)b + ls;
		name.len = c - ls;
		name = cap_str_trim(name);
		if (!cap_str_ieq(name, "content-length") && !cap_str_ieq(name, "l"))
			continue;
		val.p = (const char *)b + c + 1;
		val.len = le - c - 1;
		val = cap_str_trim(val);
		if (found)
			continue; /* given twice: the first counts, as in cap_sip_parse */
		if (!cap_str_u64(val, UINT64_MAX, v))
			return -1;
		found = 1;
	}
	return found;
}

/* Skips complete lines that do not start a SIP message (and an incomplete line longer than
 * CAP_SIP_MAX_LINE); returns true when the buffer now starts with a SIP start line. */
static bool resync(struct cap_tcp *t, struct stream *s)
{
	size_t pos = 0;
	while (pos < s->len) {
		const uint8_t *nl = memchr(s->buf + pos, '\n', s->len - pos);
		size_t e;
		if (!nl) {
			if (s->len - pos > CAP_SIP_MAX_LINE)
				pos = s->len;
			break;
		}
		e = (size_t)(nl - s->buf);
		if (cap_sip_looks_like(s->buf + pos, e - pos + 1))
			break;
		pos = e + 1;
	}
	if (pos && !s->resync_counted) {
		t->st->drop[CAP_DROP_SIP_RESYNC]++;
		s->resync_counted = true;
	}
	consume(s, pos);
	if (s->len && memchr(s->buf, '\n', s->len) && cap_sip_looks_like(s->buf, s->len)) {
		s->resync = false;
		s->resync_counted = false;
		return true;
	}
	return false;
}

static void reject(struct cap_tcp *t, struct stream *s, enum cap_drop why, size_t n)
{
	t->st->drop[why]++;
	consume(s, n);
	s->resync = true;
	s->resync_counted = false;
}

/* Frames messages at the start of buf. Returns false when the stream was dropped. */
static bool frame(struct cap_tcp *t, struct stream *s, const struct cap_pkt *p, uint64_t now)
{
	for (;;) {
		size_t i = 0, h, total;
		uint64_t clen;
		int r;
		while (i < s->len && (s->buf[i] == '\r' || s->buf[i] == '\n'))
			i++;
		consume(s, i);
		if (s->len == 0) {
			shrink(t, s);
			return true;
		}
		if (s->resync && !resync(t, s))
			return true;
		if (s->total && s->len < s->total)
			return true; /* (the body is still coming) */
		/* a terminator of up to 3 octets may begin in the last 2 scanned */
		h = header_end(s->buf, s->len, s->hscan > 2 ? s->hscan - 2 : 0);
		if (h == 0) {
			s->hscan = s->len;
			if (s->len > CAP_SIP_MAX_MSG)
				reject(t, s, CAP_DROP_SIP_SIZE, s->len);
			else if (!s->sip_seen && memchr(s->buf, '\n', s->len) &&
				 !cap_sip_looks_like(s->buf, s->len))
				goto not_sip;
			return true;
		}
		if (!cap_sip_looks_like(s->buf, h)) {
			if (!s->sip_seen)
				goto not_sip;
			reject(t, s, CAP_DROP_SIP_START, h);
			continue;
		}
		r = content_length(s->buf, h, &clen);
		if (r == 0) {
			reject(t, s, CAP_DROP_SIP_NOCLEN, h);
			continue;
		}
		if (r < 0 || clen > CAP_SIP_MAX_MSG || h > CAP_SIP_MAX_MSG - clen) {
			reject(t, s, CAP_DROP_SIP_CLEN, h);
			continue;
		}
		total = h + (size_t)clen;
		if (s->len < total) {
			s->total = total;
			return true;
		}
		{
			struct cap_tcp_msg m = { p, s->buf, total, now };
			if (!s->sip_seen) {
				/* a SIP stream now: the long idle time, never evicted for room */
				lru_unlink(t, s);
				s->sip_seen = true;
				lru_append(t, s);
			}
			t->st->tcp_sip++;
			t->fn(t->ctx, &m);
		}
		consume(s, total);
	}
not_sip:
	t->st->tcp_not_sip++;
	stream_drop(t, s, false);
	return false;
}

static bool seq_in_window(uint32_t seq, uint32_t next)
{
	int32_t d = seq_diff(seq, next);
	return d >= 0 && (uint32_t)d <= SEQ_WINDOW;
}

/* A RST from the sender of s (reverse stream r) is in the window: against what s expects
 * next, else against what r last acknowledged; false when neither is known. */
static bool rst_in_window(const struct stream *s, const struct stream *r, uint32_t seq)
{
	if (s && s->have_seq)
		return seq_in_window(seq, s->next_seq);
	if (r && r->have_ack)
		return seq_in_window(seq, r->ack);
	return false;
}

/* Whether s may be taken up far from where it is (take, a new connection on the tuple): no
 * data segment came within its window for HOLE_NS (a connection still sending keeps its
 * place: before, one forged segment far away took an idle stream, and its forger then held
 * it), and it holds no partial message, or a stalled one */
static bool may_pick_up(const struct cap_tcp *t, const struct stream *s)
{
	return older(t, s->win_ns) && (!holds_partial(s) || stalled(t, s));
}

/* Starts s's octets at seq (what it held goes: a partial message counted cut). */
static void start_at(struct cap_tcp *t, struct stream *s, uint32_t seq)
{
	if (s->have_seq && holds_partial(s))
		t->st->drop[CAP_DROP_TCP_CUT]++;
	free_ooo(t, s);
	consume(s, s->len);
	s->have_seq = true;
	s->next_seq = s->max_end = seq;
	s->moved_ns = s->win_ns = t->now;
	s->resync = false;
	s->resync_counted = false;
	/* (what was known of the old octets says nothing of these) */
	s->have_fin = s->have_peer_ack = s->have_ack = s->syn_pend = false;
	s->hole_ns = 0;
}

/* Takes s up at seq, far from where it was: that place is kept (alt_seq) */
static void move_to(struct cap_tcp *t, struct stream *s, uint32_t seq)
{
	uint32_t was = s->next_seq;
	start_at(t, s, seq);
	s->have_alt = true;
	s->alt_seq = was;
}

/* Takes octets [seq, seq + n) (n > 0) of s's sender. In order, they are appended, and a hole
 * they fill lets the held pieces after it in; what held pieces cover is theirs and what lies
 * past them is taken in turn (first copy wins). Ahead of a hole, within max_stream of what is
 * expected next, they are held; farther, or farther behind, they are refused (stats
 * tcp_bad_seq: a receiver discards what is outside its window, and a segment a billion octets
 * ahead made the stream skip to it once a cap was hit), but for a segment ahead that starts
 * like a SIP message when the stream may be taken up (may_pick_up: the capture lost more than
 * a window, a new connection on the tuple), and one at the place it was taken up from. */
static bool take(struct cap_tcp *t, struct stream *s, uint32_t seq, const uint8_t *d, size_t n)
{
	int32_t off = seq_diff(seq, s->next_seq);
	uint64_t far = off > 0 ? (uint64_t)(uint32_t)off + n : (uint64_t)(-(int64_t)off);
	if (far > t->lim.max_stream) {
		if (s->have_alt && seq == s->alt_seq) {
			/* the place it was taken up from, continued: back there (a blind forger
			 * cannot know it) */
			start_at(t, s, seq);
			s->have_alt = false;
		} else if (cap_sip_looks_like(d, n) && may_pick_up(t, s)) {
			/* (ahead or behind: a new connection on the tuple whose RST the capture
			 * missed may start anywhere; an old retransmission after 5 s of quiet
			 * costs a message shown again, and the place is kept) */
			move_to(t, s, seq);
		} else {
			t->st->tcp_bad_seq++;
			return false;
		}
		off = 0;
	}
	s->win_ns = t->now;
	if (off > 0) {
		t->st->tcp_ooo++;
		if (!insert_ooo(t, s, seq, d, n))
			skip_gap(t, s);
		return true;
	}
	if ((size_t)(-(int64_t)off) >= n) {
		t->st->tcp_retrans++;
		return true;
	}
	if (off < 0)
		t->st->tcp_overlap++;
	for (;;) {
		size_t skip = (size_t)(-(int64_t)off), k;
		seq += (uint32_t)skip;
		d += skip;
		n -= skip;
		if (!s->ooo) {
			if (!append(t, s, d, n)) {
				/* over the per-stream cap: what is buffered cannot complete */
				consume(s, s->len);
				s->next_seq = seq + (uint32_t)n;
				s->moved_ns = t->now;
				s->resync = true;
				s->resync_counted = false;
			}
			return true;
		}
		/* fill the hole, let the held pieces after it in, then the rest (before, the rest
		 * was held first, and a cap that refused it gave up the buffer the hole had just
		 * completed: whole messages in it were lost) */
		k = (size_t)(uint32_t)seq_diff(s->ooo->seq, s->next_seq);
		k = n < k ? n : k;
		if (!append(t, s, d, k)) {
			skip_gap(t, s);
			return true;
		}
		seq += (uint32_t)k;
		d += k;
		n -= k;
		drain(t, s);
		off = seq_diff(seq,
			       s->next_seq); /* (<= 0: the pieces drained, or the hole's end) */
		if (n == 0 || (size_t)(-(int64_t)off) >= n)
			return true;
	}
}

/* Gives up s's holes and frames what is complete after them, stamped with its last segment
 * (its headers and time); false when framing dropped s (not SIP). */
static bool deliver_rest(struct cap_tcp *t, struct stream *s)
{
	uint64_t now = t->now;
	bool ok;
	t->now = s->last_ns; /* (the time the octets came, for the caps' and holes' clocks too) */
	ok = give_up_holes(t, s, &s->last, s->last_ns, true);
	t->now = now;
	return ok;
}

/* The other direction of the segment p acknowledged octets of s up to ack: a hole of s the
 * receiver has got past is given up now and the messages after it delivered (with the headers
 * of s's last segment) */
/* A FIN whose octets before it have all come ends the stream. */
static void fin_close(struct cap_tcp *t, struct stream *s)
{
	if (s->have_fin && seq_diff(s->fin_seq, s->next_seq) <= 0)
		stream_drop(t, s, true);
}

static void peer_acked(struct cap_tcp *t, struct stream *s, uint32_t ack)
{
	s->have_peer_ack = true;
	s->peer_ack = ack;
	if (s->ooo && give_up_holes(t, s, &s->last, t->now, false))
		fin_close(t, s);
}

/* see capture.h */
void cap_tcp_feed(struct cap_tcp *t, const struct cap_pkt *p, uint64_t now_ns)
{
	struct stream *s;
	const uint8_t *d = p->payload.p;
	size_t n = p->payload.len;
	uint32_t seq = p->tcp_seq;

	if (p->proto != CAP_PROTO_TCP || (p->ip_ver != 4 && p->ip_ver != 6))
		return;
	t->now = now_ns;
	(void)cap_tcp_expire(t, now_ns);
	s = lookup(t, p, false);
	if (p->tcp_flags & TCP_RST) {
		struct stream *r = lookup(t, p, true);
		if ((s || r) && !rst_in_window(s, r, seq)) {
			t->st->tcp_bad_seq++; /* a forged RST must not cut a message */
			return;
		}
		if (s)
			stream_drop(t, s, true);
		if (r && r != s) /* (a connection to itself: one stream, dropped once) */
			stream_drop(t, r, true);
		return;
	}
	/* an acknowledgement is taken from a segment within its own stream's window, when that
	 * is tracked: a forged pure ACK at any sequence number must not set what a RST is then
	 * checked against, nor give up a hole */
	if ((p->tcp_flags & TCP_ACK) &&
	    (!s || !s->have_seq || seq_in_window(seq + (uint32_t)n, s->next_seq))) {
		struct stream *r = lookup(t, p, true);
		if (s) {
			s->have_ack = true;
			s->ack = p->tcp_ack;
		}
		if (r && r != s && r->have_seq) {
			peer_acked(t, r, p->tcp_ack);
			/* (r's octets may have needed memory another stream held: make_room) */
			s = lookup(t, p, false);
		}
	}
	if (p->tcp_flags & TCP_SYN) {
		if (s &&
		    (s->have_seq && seq_diff(seq + 1, s->next_seq) == 0 && !s->len && !s->ooo)) {
			seq++; /* retransmitted SYN: its data (if any) at ISN + 1, not ISN */
			goto touch;
		}
		if (s && s->have_seq) {
			/* a SYN on a stream in progress, idle or not (RFC 5961 s4): refused, or
			 * anyone could reset the stream to an ISN of theirs, after which the real
			 * segments looked like retransmissions and every later message was lost.
			 * Outside the window it may be a new connection on the tuple: taken when
			 * its data comes at its ISN + 1 (below) */
			t->st->tcp_bad_seq++;
			if (!seq_in_window(seq + 1, s->next_seq)) {
				s->syn_pend = true;
				s->syn_next = seq + 1;
			}
			return;
		}
		if (s)
			stream_drop(t, s, true);
		s = create(t, p);
		if (!s)
			return;
		start_at(t, s, seq + 1);
		seq++;
	} else if (s && s->syn_pend && n && seq_in_window(seq, s->syn_next) &&
		   !seq_in_window(seq, s->next_seq) && (!holds_partial(s) || stalled(t, s))) {
		/* the refused SYN's connection sends its data (its first segment, or one after
		 * it the capture missed): a new connection on the tuple, taken unless the old one
		 * holds part of a message still moving (before, a forged SYN and two octets at
		 * its ISN + 1 cut a held half INVITE); the old place is kept (take), so the old
		 * connection's next segment takes it back */
		move_to(t, s, seq);
	} else if (!s) {
		if (n == 0 || !cap_sip_looks_like(d, n)) {
			t->st->tcp_other++;
			return;
		}
		s = create(t, p);
		if (!s)
			return;
	}
touch:
	s->last = *p;
	memset(&s->last.payload, 0, sizeof s->last.payload);
	memset(&s->last.ip_payload, 0, sizeof s->last.ip_payload);
	if (!s->have_seq)
		start_at(t, s, seq);
	if (p->tcp_flags & TCP_FIN) {
		/* a FIN ends the stream only at or past what is expected next, within the window:
		 * a stale or forged one (RFC 5961 s5's check, as RST and SYN have) must not drop
		 * a message in the middle */
		if (seq_in_window(seq + (uint32_t)n, s->next_seq)) {
			s->have_fin = true;
			s->fin_seq = seq + (uint32_t)n;
		} else {
			t->st->tcp_bad_seq++;
		}
	}
	if (!n || take(t, s, seq, d, n)) {
		/* (a segment refused for its sequence number does not keep the stream: one stuck
		 * on a connection gone goes at its idle time, not never) */
		s->last_ns = now_ns;
		lru_unlink(t, s);
		lru_append(t, s);
	}
	if (n && !frame(t, s, p, now_ns))
		return;
	if (!give_up_holes(t, s, p, now_ns, false))
		return;
	/* a FIN with holes before it: given up now (every one: before, the first only) when the
	 * other direction's acknowledgements are not seen (none will tell that the receiver got
	 * past them), else when one does */
	if (s->have_fin && s->ooo && !s->have_peer_ack && seq_diff(s->fin_seq, s->next_seq) > 0 &&
	    !give_up_holes(t, s, p, now_ns, true))
		return;
	fin_close(t, s);
}
