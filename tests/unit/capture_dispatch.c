/* test_capture: the worker-pool dispatcher (capture/dispatch.c).
 *
 * Equivalence: pcaps written by limf-gen (UDP, TCP, fragments, re-key + SSRC change + RTCP,
 * IPv6/VLAN with loss and reordering, MCX, group calls) and the committed ones are run through
 * (a) one cap_dec + cap_calls and (b) cap_disp with 1, 2, 3 and 7 workers, each unit fed to its
 * worker's cap_calls: the dispatcher's and the workers' counters summed must equal (a)'s field
 * by field, every Call-ID's events must come from one worker, and each Call-ID's event sequence
 * (type, changed bits, state, end, To tag, SIP start line, media direction/SSRC/sequence...)
 * must be (a)'s. Then targeted cases with hand-built packets: routing, unbound media, re-INVITE,
 * port reuse across workers, TCP framing, hostile SIP/SDP, the endpoint cap and expiry, limits.
 * limf-gen and limf-kms are run from $BUILD (built with the tests). */
#include <stdlib.h>

#include "capture/capture.h"
#include "capture/dispatch.h"
#include "capture/internal.h"
#include "tests/unit/capture_suites.h"

/* ------------------------------------------------------------------ per-Call-ID event logs */

struct clog {
	char cid[CAP_CALL_MAX_TEXT];
	size_t n;      /* events */
	uint64_t hash; /* FNV-1a over the event signatures, in order */
	int worker;    /* -1: reference run */
};

struct elog {
	struct clog *c;
	size_t n, cap;
	bool worker_mismatch;
};

static void elog_reset(struct elog *l)
{
	free(l->c);
	memset(l, 0, sizeof *l);
}

static struct clog *elog_get(struct elog *l, const char *cid, size_t len)
{
	char k[CAP_CALL_MAX_TEXT];
	if (len >= sizeof k)
		len = sizeof k - 1;
	memcpy(k, cid, len);
	k[len] = '\0';
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->c[i].cid, k) == 0)
			return &l->c[i];
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 64;
		struct clog *x = realloc(l->c, nc * sizeof *x);
		if (!x)
			abort();
		l->c = x;
		l->cap = nc;
	}
	memset(&l->c[l->n], 0, sizeof l->c[0]);
	memcpy(l->c[l->n].cid, k, len + 1);
	l->c[l->n].worker = -2;
	return &l->c[l->n++];
}

static uint64_t fnv64(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static void record(struct elog *l, int worker, const struct cap_event *e)
{
	char sig[600];
	int n = 0;
	struct clog *c;
	if (e->call) {
		c = elog_get(l, e->call->call_id.s, e->call->call_id.len);
		n = snprintf(sig, sizeof sig, "%d|%u|%d|%d|%.*s|%d|", (int)e->type, e->changed,
			     (int)e->call->state, (int)e->call->end, (int)e->call->to_tag.len,
			     e->call->to_tag.s, e->call->forked);
	} else if (e->type == CAP_EV_SIP) {
		c = elog_get(l, e->sip->call_id.p, e->sip->call_id.len);
		n = snprintf(sig, sizeof sig, "%d|nocall|", (int)e->type);
	} else {
		CHECK(!"event without call");
		return;
	}
	if (e->type == CAP_EV_SIP) {
		const uint8_t *p = e->raw.p, *eol = memchr(p, '\r', e->raw.len);
		size_t fl = eol ? (size_t)(eol - p) : e->raw.len;
		if (fl > 200)
			fl = 200;
		n += snprintf(sig + n, sizeof sig - (size_t)n, "%.*s|%d|%zu", (int)fl,
			      (const char *)p, e->over_tcp, e->raw.len);
	} else if (e->type == CAP_EV_MEDIA) {
		const struct cap_media_pkt *m = &e->media;
		n += snprintf(sig + n, sizeof sig - (size_t)n,
			      "%d|%d|%d|%zu|%d|%d|%08x|%u|%u|%d|%zu", m->dir, m->rtcp, m->side,
			      m->stream, m->by_source, m->ssrc_new, m->ssrc, m->seq, m->timestamp,
			      m->pt, m->packet.len);
	}
	if (c->worker == -2)
		c->worker = worker;
	else if (c->worker != worker)
		l->worker_mismatch = true;
	c->n++;
	c->hash = fnv64(c->hash ? c->hash : 0xcbf29ce484222325ull, sig, (size_t)n);
}

/* Same Call-IDs, same counts, same sequences. */
static bool elog_same(const struct elog *a, const struct elog *b)
{
	bool ok = a->n == b->n;
	for (size_t i = 0; i < a->n; i++) {
		const struct clog *x = &a->c[i], *y = NULL;
		for (size_t j = 0; j < b->n; j++)
			if (strcmp(b->c[j].cid, x->cid) == 0)
				y = &b->c[j];
		if (!y || y->n != x->n || y->hash != x->hash) {
			fprintf(stderr, "  call %s: %zu events vs %zu%s\n", x->cid, x->n,
				y ? y->n : 0, y && y->n == x->n ? " (different)" : "");
			ok = false;
		}
	}
	return ok;
}

/* ------------------------------------------------------------------ the two pipelines */

#define MAXW 8

static struct elog ref_log, pool_log;

struct wctx {
	int worker;
	struct elog *log;
};

static void on_ev(void *ctx, const struct cap_event *e)
{
	const struct wctx *w = ctx;
	record(w->log, w->worker, e);
}

struct pool {
	unsigned n;
	struct cap_disp *d;
	struct cap_stats dst;
	struct cap_stats wst[MAXW];
	struct cap_calls *w[MAXW];
	struct wctx wc[MAXW];
	size_t units[MAXW];
	bool bad_unit;
};

static void on_unit(void *ctx, const struct cap_unit *u)
{
	struct pool *p = ctx;
	if (u->worker >= p->n || !u->pkt ||
	    (u->kind == CAP_UNIT_UDP && (u->msg || u->pkt->proto != CAP_PROTO_UDP)) ||
	    (u->kind == CAP_UNIT_SIP_TCP &&
	     (!u->msg || !u->msg_len || u->pkt->proto != CAP_PROTO_TCP))) {
		p->bad_unit = true;
		return;
	}
	p->units[u->worker]++;
	if (u->kind == CAP_UNIT_UDP)
		cap_calls_feed(p->w[u->worker], u->pkt, u->ts_ns);
	else
		cap_calls_feed_sip(p->w[u->worker], u->pkt, u->msg, u->msg_len, u->ts_ns);
}

static bool pool_new(struct pool *p, unsigned n, const struct cap_disp_limits *dl, struct elog *log)
{
	memset(p, 0, sizeof *p);
	p->n = n;
	if (cap_disp_new(dl, n, &p->dst, on_unit, p, &p->d) != LIM_OK)
		return false;
	for (unsigned i = 0; i < n; i++) {
		p->wc[i].worker = (int)i;
		p->wc[i].log = log;
		if (cap_calls_new(NULL, &p->wst[i], on_ev, &p->wc[i], &p->w[i]) != LIM_OK)
			return false;
	}
	return true;
}

static void pool_free(struct pool *p)
{
	for (unsigned i = 0; i < p->n; i++)
		cap_calls_free(p->w[i]);
	cap_disp_free(p->d);
}

/* dispatcher + workers summed, field by field (cap_stats is all uint64_t) */
static void pool_sum(const struct pool *p, struct cap_stats *out)
{
	uint64_t *o = (uint64_t *)out;
	const size_t nf = sizeof *out / sizeof(uint64_t);
	*out = p->dst;
	for (unsigned w = 0; w < p->n; w++) {
		const uint64_t *x = (const uint64_t *)&p->wst[w];
		for (size_t i = 0; i < nf; i++)
			o[i] += x[i];
	}
}

static bool stats_same(const struct cap_stats *a, const struct cap_stats *b)
{
	const uint64_t *x = (const uint64_t *)a, *y = (const uint64_t *)b;
	bool ok = true;
	_Static_assert(sizeof(struct cap_stats) % sizeof(uint64_t) == 0,
		       "cap_stats: uint64_t only");
	for (size_t i = 0; i < sizeof *a / sizeof(uint64_t); i++)
		if (x[i] != y[i]) {
			fprintf(stderr, "  cap_stats word %zu: %llu vs %llu\n", i,
				(unsigned long long)x[i], (unsigned long long)y[i]);
			ok = false;
		}
	return ok;
}

/* Runs one pcap both ways with n workers; ticks: every worker expires at each decoded frame's
 * time (as the single table does on every packet), else only at the end. Returns frames. */
static size_t equiv(const char *path, unsigned n, bool ticks, const struct cap_stats *ref_st)
{
	struct cap_source *s = NULL;
	struct pool p;
	struct cap_disp_limits dl;
	struct cap_stats sum;
	uint64_t last = 0;
	size_t frames = 0;

	elog_reset(&pool_log);
	CHECK(cap_source_open_file(path, &s) == LIM_OK);
	if (!s)
		return 0;
	cap_disp_limits_default(&dl);
	dl.hash_seed = 0x9e3779b9u * n + (ticks ? 1u : 0u); /* the result must not depend on it */
	CHECK(pool_new(&p, n, &dl, &pool_log));
	for (;;) {
		struct cap_frame f;
		bool eof;
		uint64_t dec;
		if (cap_source_next(s, &f, &eof) != LIM_OK || eof)
			break;
		dec = p.dst.udp + p.dst.tcp;
		cap_disp_frame(p.d, &f);
		if (ticks && p.dst.udp + p.dst.tcp != dec)
			for (unsigned w = 0; w < n; w++)
				(void)cap_calls_expire(p.w[w], f.ts_ns);
		last = f.ts_ns;
		frames++;
	}
	cap_source_close(s);
	cap_disp_flush(p.d, last);
	for (unsigned w = 0; w < n; w++) {
		(void)cap_calls_expire(p.w[w], last);
		cap_calls_flush(p.w[w], last);
	}
	CHECK(cap_disp_endpoints(p.d) == 0);
	CHECK(!p.bad_unit);
	CHECK(!pool_log.worker_mismatch);
	pool_sum(&p, &sum);
	if (!stats_same(ref_st, &sum)) {
		fprintf(stderr, "%s: %u workers%s: counters differ\n", path, n,
			ticks ? "" : " (no ticks)");
		CHECK(!"counters equal");
	} else {
		CHECK(1);
	}
	if (!elog_same(&ref_log, &pool_log)) {
		fprintf(stderr, "%s: %u workers%s: events differ\n", path, n,
			ticks ? "" : " (no ticks)");
		CHECK(!"events equal");
	} else {
		CHECK(1);
	}
	/* with several workers, the calls spread (a pcap with many calls uses more than one);
	 * not the group call's: its legs share a worker by design (disp_group) */
	if (n > 1 && ref_log.n >= 8 && !strstr(path, "disp_group")) {
		unsigned used = 0;
		for (unsigned w = 0; w < n; w++)
			used += p.units[w] > 0;
		CHECK(used > 1);
	}
	pool_free(&p);
	return frames;
}

/* The single pipeline over path: ref_log and *st. */
static bool reference(const char *path, struct cap_stats *st)
{
	struct cap_source *s = NULL;
	struct cap_dec dec;
	struct cap_calls *c = NULL;
	struct wctx wc = { -1, &ref_log };
	uint64_t last = 0;

	elog_reset(&ref_log);
	if (cap_source_open_file(path, &s) != LIM_OK)
		return false;
	CHECK(cap_dec_init(&dec, NULL) == LIM_OK);
	CHECK(cap_calls_new(NULL, &dec.st, on_ev, &wc, &c) == LIM_OK);
	for (;;) {
		struct cap_frame f;
		struct cap_pkt p;
		bool eof;
		if (cap_source_next(s, &f, &eof) != LIM_OK || eof)
			break;
		last = f.ts_ns;
		if (cap_dec_frame(&dec, &f, &p) != CAP_OK)
			continue;
		cap_calls_feed(c, &p, f.ts_ns);
	}
	cap_source_close(s);
	cap_calls_flush(c, last);
	*st = dec.st;
	cap_calls_free(c);
	cap_dec_clear(&dec);
	return true;
}

/* Two sources: the side of a frame is a hash of its IP source address (both directions of a
 * flow usually differ; fragments of one datagram share it), or 0 when no IP header is found. */
static unsigned side_of(const struct cap_frame *f)
{
	size_t off;
	uint8_t h = 0;
	const uint8_t *d = f->data;
	switch (f->linktype) {
	case CAP_LINK_ETHERNET:
		off = 12;
		while (off + 2 <= f->caplen && (d[off] == 0x81 || d[off] == 0x88) &&
		       d[off + 1] == 0x00)
			off += 4; /* 802.1Q / 802.1ad tags */
		off += 2;
		break;
	case CAP_LINK_SLL: off = 16; break;
	case CAP_LINK_RAW:
	case CAP_LINK_RAW_LT:
	case CAP_LINK_IPV4:
	case CAP_LINK_IPV6: off = 0; break;
	default: return 0;
	}
	if (off >= f->caplen)
		return 0;
	if (d[off] >> 4 == 4 && off + 16 <= f->caplen)
		for (size_t i = 12; i < 16; i++)
			h ^= d[off + i];
	else if (d[off] >> 4 == 6 && off + 24 <= f->caplen)
		for (size_t i = 8; i < 24; i++)
			h ^= d[off + i];
	return (unsigned)(h ^ (h >> 4) ^ (h >> 1)) & 1u;
}

static struct cap_disp *note_to; /* the other dispatcher of the split below */
static size_t notes_sent;

static void pass_note(void *ctx, const struct cap_disp_note *n)
{
	(void)ctx;
	notes_sent++;
	CHECK(cap_disp_apply(note_to, n));
}
static void pass_note2(void *ctx, const struct cap_disp_note *n)
{
	notes_sent++;
	CHECK(cap_disp_apply((struct cap_disp *)ctx, n));
}

/* The same pcap fed to two dispatchers (one per "source", frames split by side_of) over one
 * set of n workers, each dispatcher's notes applied to the other at once (as limf/pool.c's
 * capture threads do, only without the delay): the sums and each call's events equal the
 * single pipeline's. Returns the frames of side 1. */
static size_t equiv_split(const char *path, unsigned n, const struct cap_stats *ref_st)
{
	struct cap_source *s = NULL;
	struct pool p;
	struct cap_disp_limits dl;
	struct cap_disp *d2 = NULL;
	struct cap_stats sum, dst2;
	uint64_t last = 0;
	size_t side1 = 0;

	elog_reset(&pool_log);
	memset(&dst2, 0, sizeof dst2);
	CHECK(cap_source_open_file(path, &s) == LIM_OK);
	if (!s)
		return 0;
	cap_disp_limits_default(&dl);
	dl.hash_seed = 0x51ed27u * n; /* both dispatchers of a pool share the seed */
	CHECK(pool_new(&p, n, &dl, &pool_log));
	CHECK(cap_disp_new(&dl, n, &dst2, on_unit, &p, &d2) == LIM_OK);
	note_to = d2;
	cap_disp_set_note_fn(p.d, pass_note, NULL);
	cap_disp_set_note_fn(d2, pass_note2, p.d);
	for (;;) {
		struct cap_frame f;
		bool eof;
		uint64_t dec;
		unsigned side;
		if (cap_source_next(s, &f, &eof) != LIM_OK || eof)
			break;
		side = side_of(&f);
		dec = p.dst.udp + p.dst.tcp + dst2.udp + dst2.tcp;
		cap_disp_frame(side ? d2 : p.d, &f);
		side1 += side;
		if (p.dst.udp + p.dst.tcp + dst2.udp + dst2.tcp != dec)
			for (unsigned w = 0; w < n; w++)
				(void)cap_calls_expire(p.w[w], f.ts_ns);
		last = f.ts_ns;
	}
	cap_source_close(s);
	cap_disp_flush(p.d, last);
	cap_disp_flush(d2, last);
	for (unsigned w = 0; w < n; w++) {
		(void)cap_calls_expire(p.w[w], last);
		cap_calls_flush(p.w[w], last);
	}
	CHECK(!p.bad_unit);
	CHECK(!pool_log.worker_mismatch);
	pool_sum(&p, &sum);
	{
		uint64_t *o = (uint64_t *)&sum;
		const uint64_t *x = (const uint64_t *)&dst2;
		for (size_t i = 0; i < sizeof sum / sizeof(uint64_t); i++)
			o[i] += x[i];
	}
	if (!stats_same(ref_st, &sum)) {
		fprintf(stderr, "%s: %u workers, two dispatchers: counters differ\n", path, n);
		CHECK(!"counters equal (split)");
	} else {
		CHECK(1);
	}
	if (!elog_same(&ref_log, &pool_log)) {
		fprintf(stderr, "%s: %u workers, two dispatchers: events differ\n", path, n);
		CHECK(!"events equal (split)");
	} else {
		CHECK(1);
	}
	cap_disp_free(d2);
	pool_free(&p);
	return side1;
}

static const char *build_dir(void)
{
	const char *b = getenv("BUILD");
	return b && *b ? b : "build";
}

static int run(const char *cmd)
{
	int rc = system(cmd);
	if (rc != 0)
		fprintf(stderr, "command failed (%d): %s\n", rc, cmd);
	return rc;
}

/* Writes the generated pcaps (once per run) and returns their count in paths[]. */
static size_t gen_pcaps(char paths[][700], size_t max)
{
	static const struct {
		const char *name, *scheme, *args;
	} g[] = {
		{ "udp", "rfc6509", "--calls 2 --background 6 --duration 2" },
		{ "tcp", "rfc6509", "--tcp --calls 2 --background 4 --duration 2 --seed 2" },
		{ "frag", "rfc6509", "--frag --calls 1 --background 3 --duration 2 --seed 3" },
		{ "rekey", "rfc6509",
		  "--rekey --ssrc-change --rtcp --calls 2 --background 2 --duration 6 --seed 4" },
		{ "v6", "rfc6509",
		  "--ipv6 --vlan 7 --tcp --loss 5 --reorder 5 --calls 2 --background 3 --duration "
		  "2" },
		{ "mcx", "3gpp-uid",
		  "--profile mcx --calls 2 --background 4 --duration 2 --seed 5" },
		{ "group", "3gpp-uid",
		  "--profile group --members 4 --talkers 2 --turn 1 --duration 3" },
	};
	const char *b = build_dir(), *o = t_outdir();
	static char cmd[16384];
	size_t n = 0;
	for (int k = 0; k < 2; k++) {
		snprintf(cmd, sizeof cmd,
			 "rm -rf '%s/disp_kms%d' && '%s/limf-kms' init '%s/disp_kms%d' --scheme %s "
			 "--kms-uri kms.disp%d.test --period 2592000 >/dev/null",
			 o, k, b, o, k, k ? "3gpp-uid" : "rfc6509", k);
		CHECK(run(cmd) == 0);
	}
	for (size_t i = 0; i < sizeof g / sizeof g[0] && n < max; i++) {
		int k = strcmp(g[i].scheme, "3gpp-uid") == 0;
		snprintf(paths[n], sizeof paths[n], "%s/disp_%s.pcap", o, g[i].name);
		snprintf(cmd, sizeof cmd,
			 "'%s/limf-gen' --community '%s/disp_kms%d/community.json' --out '%s' %s "
			 ">/dev/null",
			 b, o, k, paths[n], g[i].args);
		CHECK(run(cmd) == 0);
		n++;
	}
	return n;
}

/* LIMF_DISP_SEED_DIR set: writes seeds for tests/corpus/disp/ (fuzz_disp.c's format) from a
 * generated pcap: its SIP, TCP, fragment and RTCP frames and the first media frames after SIP, as
 * raw IP with the link header removed (at most 64), sel = workers - 1 (raw IP). */
static void write_seed(const char *path, const char *dir, unsigned workers)
{
	static uint8_t out[1 << 20];
	struct cap_source *s = NULL;
	size_t o = 0, frames = 0;
	int media_left = 0;
	char name[800];
	const char *base = strrchr(path, '/');
	FILE *f;
	if (cap_source_open_file(path, &s) != LIM_OK)
		return;
	out[o++] = (uint8_t)(workers - 1);
	while (frames < 64) {
		struct cap_frame fr;
		struct cap_pkt p;
		bool eof, take;
		size_t off;
		if (cap_source_next(s, &fr, &eof) != LIM_OK || eof)
			break;
		if (cap_decode(fr.linktype, fr.data, fr.caplen, &p) == CAP_PENDING)
			take = true;
		else if (p.proto == CAP_PROTO_TCP)
			take = true;
		else if (p.proto == CAP_PROTO_UDP && cap_sip_looks_like(p.payload.p, p.payload.len))
			take = true, media_left = 1;
		else if (p.proto == CAP_PROTO_UDP && p.payload.len >= 8 && p.payload.p[1] >= 200 &&
			 p.payload.p[1] <= 204)
			take = true; /* RTCP: to the RTCP endpoints */
		else
			take = media_left-- > 0;
		off = fr.linktype == CAP_LINK_ETHERNET ? 14 + 4 * (size_t)p.n_vlan : 0;
		if (!take || fr.caplen <= off || o + 3 + fr.caplen - off > sizeof out)
			continue;
		out[o++] = 0;
		out[o++] = (uint8_t)((fr.caplen - off) >> 8);
		out[o++] = (uint8_t)(fr.caplen - off);
		memcpy(out + o, fr.data + off, fr.caplen - off);
		o += fr.caplen - off;
		frames++;
	}
	cap_source_close(s);
	snprintf(name, sizeof name, "%.400s/%.300s_w%u", dir, base ? base + 1 : path, workers);
	f = fopen(name, "wb");
	CHECK(f != NULL);
	if (f) {
		CHECK(fwrite(out, 1, o, f) == o);
		fclose(f);
	}
}

static void t_disp_equiv(void)
{
	static char paths[16][700];
	static const unsigned ws[] = { 1, 2, 3, 7 };
	size_t np = gen_pcaps(paths, 12), split1 = 0, split_notes = 0;
	snprintf(paths[np++], sizeof paths[0], "tests/data/scan_calls2.pcap");
	snprintf(paths[np++], sizeof paths[0], "tests/data/scan_call.pcap");
	for (size_t i = 0; i < np; i++) {
		struct cap_stats st;
		size_t frames = 0;
		CHECK(reference(paths[i], &st));
		CHECK(ref_log.n > 0 && st.sip > 0);
		for (size_t k = 0; k < sizeof ws / sizeof ws[0]; k++)
			frames = equiv(paths[i], ws[k], true, &st);
		/* two sources (two capture threads): split by IP source, notes shared */
		notes_sent = 0;
		split1 += equiv_split(paths[i], 3, &st);
		split_notes += notes_sent;
		/* real traffic: without ticks, workers expire only on their units and at the end */
		(void)equiv(paths[i], 3, false, &st);
		CHECK(frames == st.frames && frames > 0);
		if (getenv("LIMF_DISP_SEED_DIR"))
			write_seed(paths[i], getenv("LIMF_DISP_SEED_DIR"), i % 3 == 1 ? 3 : 1);
	}
	/* the split is a real one: both sides saw frames, and the SDPs crossed between them */
	CHECK(split1 > 0 && split_notes > 0);
	elog_reset(&ref_log);
	elog_reset(&pool_log);
}

/* ------------------------------------------------------------------ targeted cases */

#define T1 (1759448872ull * 1000000000ull)

struct seen {
	size_t n;
	struct cap_unit u[64]; /* .tag kept */
	size_t msg_len[64];
	uint16_t dport[64];
};
static struct seen got;
static struct cap_stats dst;

static void on_unit2(void *ctx, const struct cap_unit *u)
{
	(void)ctx;
	if (got.n < 64) {
		got.u[got.n] = *u;
		got.msg_len[got.n] = u->msg_len;
		got.dport[got.n] = u->pkt->dport;
		got.u[got.n].pkt = NULL;
		got.u[got.n].msg = NULL;
		got.n++;
	}
}

static uint64_t now = T1;

static void frame_ip(struct cap_disp *d, const uint8_t *ip, size_t il)
{
	struct cap_frame f;
	CHECK(il > 0);
	f.ts_ns = now += 1000000;
	f.caplen = f.origlen = (uint32_t)il;
	f.linktype = CAP_LINK_RAW;
	f.data = ip;
	cap_disp_frame(d, &f);
}

static void udp(struct cap_disp *d, const uint8_t *src, const uint8_t *dst_, uint16_t sport,
		uint16_t dport, const void *pl, size_t n)
{
	static uint8_t ip[70000];
	frame_ip(d, ip,
		 t_build_ip(ip, sizeof ip, 4, CAP_PROTO_UDP, sport, dport, src, dst_, pl, n));
}

static void tcp(struct cap_disp *d, const uint8_t *src, const uint8_t *dst_, uint16_t sport,
		uint16_t dport, uint32_t seq, uint8_t flags, const void *pl, size_t n)
{
	static uint8_t ip[2000];
	frame_ip(d, ip, t_build_tcp(ip, sizeof ip, 4, src, dst_, sport, dport, seq, flags, pl, n));
}

static const uint8_t A[4] = { 192, 0, 2, 1 }, B[4] = { 192, 0, 2, 2 }, C[4] = { 192, 0, 2, 3 },
		     N9[4] = { 192, 0, 2, 9 };

/* An INVITE (or, with status, a response) for Call-ID cid; SDP with one audio line on
 * addr:port when port != 0 (rtcp-mux with mux). */
static size_t sip(char *buf, size_t cap, const char *cid, int status, int cseq, const char *addr,
		  int port, bool mux)
{
	char sdp[400] = "";
	int n;
	if (port)
		snprintf(sdp, sizeof sdp,
			 "v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
			 "m=audio %d RTP/AVP 0\r\n%s",
			 addr, addr, port, mux ? "a=rtcp-mux\r\n" : "");
	if (status)
		n = snprintf(buf, cap, "SIP/2.0 %d OK\r\n", status);
	else
		n = snprintf(buf, cap, "INVITE sip:b@example.org SIP/2.0\r\n");
	n += snprintf(
		buf + n, cap - (size_t)n,
		"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK%d\r\nFrom: <sip:a@example.org>;tag=f\r\n"
		"To: <sip:b@example.org>%s\r\nCall-ID: %s\r\nCSeq: %d INVITE\r\n"
		"%sContent-Length: %zu\r\n\r\n%s",
		cseq, status ? ";tag=t" : "", cid, cseq,
		port ? "Content-Type: application/sdp\r\n" : "", strlen(sdp), sdp);
	return (size_t)n;
}

static struct cap_disp *dnew(unsigned n, const struct cap_disp_limits *l)
{
	struct cap_disp *d = NULL;
	memset(&dst, 0, sizeof dst);
	memset(&got, 0, sizeof got);
	CHECK(cap_disp_new(l, n, &dst, on_unit2, NULL, &d) == LIM_OK && d);
	return d;
}

/* the worker an INVITE without SDP for cid goes to */
static unsigned worker_for(struct cap_disp *d, const char *cid)
{
	char m[2000];
	size_t l = sip(m, sizeof m, cid, 0, 1, NULL, 0, false);
	size_t before = got.n;
	udp(d, A, B, 5060, 5060, m, l);
	CHECK(got.n == before + 1);
	return got.n ? got.u[got.n - 1].worker : 0;
}

/* Two Call-IDs that land on different workers (cid2 filled). */
static void other_worker(struct cap_disp *d, const char *cid1, char *cid2, size_t cap)
{
	unsigned w1 = worker_for(d, cid1);
	for (int i = 0; i < 200; i++) {
		snprintf(cid2, cap, "other-%d@example.org", i);
		if (worker_for(d, cid2) != w1)
			return;
	}
	CHECK(!"no Call-ID on another worker");
}

static const uint8_t rtp[20] = { 0x80, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9 };
static const uint8_t rtp_b[20] = { 0x80, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0x0b }; /* another SSRC */

static void t_disp_route(void)
{
	char m[2000], cid2[64];
	struct cap_disp *d = dnew(7, NULL);
	size_t l, n0;
	unsigned w1, w2;

	/* media before any SDP: unbound, not handed on */
	udp(d, A, B, 4000, 4002, rtp, sizeof rtp);
	CHECK(got.n == 0 && dst.media_unbound == 1);
	/* the INVITE's SDP registers RTP and RTCP (port + 1) before the unit is handed on */
	l = sip(m, sizeof m, "call-1@example.org", 0, 1, "192.0.2.1", 4000, false);
	udp(d, A, B, 5060, 5060, m, l);
	CHECK(got.n == 1 && got.u[0].kind == CAP_UNIT_UDP && got.u[0].ts_ns == now);
	w1 = got.u[0].worker;
	CHECK(cap_disp_endpoints(d) == 2);
	udp(d, B, A, 4002, 4000, rtp, sizeof rtp); /* to the RTP endpoint */
	udp(d, B, A, 4003, 4001, rtp, sizeof rtp); /* to the RTCP endpoint */
	udp(d, A, B, 4000, 4002, rtp, sizeof rtp); /* from it (by source) */
	udp(d, A, C, 4001, 9, rtp, sizeof rtp);    /* from the RTCP endpoint */
	CHECK(got.n == 5);
	for (size_t i = 1; i < got.n; i++)
		CHECK(got.u[i].worker == w1 && got.u[i].kind == CAP_UNIT_UDP &&
		      got.u[i].msg == NULL);
	CHECK(dst.media_unbound == 1 && dst.sip == 0 && dst.sdp == 0 && dst.udp == 6);
	/* the answer (rtcp-mux: one endpoint) goes to the same worker */
	l = sip(m, sizeof m, "call-1@example.org", 200, 1, "192.0.2.2", 5000, true);
	udp(d, B, A, 5060, 5060, m, l);
	CHECK(got.n == 6 && got.u[5].worker == w1 && cap_disp_endpoints(d) == 3);
	udp(d, A, B, 4000, 5000, rtp, sizeof rtp);
	CHECK(got.n == 7 && got.u[6].worker == w1);
	/* re-INVITE moving the offer's media to a new port: the new port is routed too */
	l = sip(m, sizeof m, "call-1@example.org", 0, 2, "192.0.2.1", 4100, false);
	udp(d, A, B, 5060, 5060, m, l);
	n0 = got.n;
	udp(d, B, A, 5000, 4100, rtp, sizeof rtp);
	CHECK(got.n == n0 + 1 && got.u[n0].worker == w1 && cap_disp_endpoints(d) == 5);
	/* a later call on another worker reuses 192.0.2.1:4000: the newest registration wins
	 * for its streams (their SSRC is new); the stream flowing to the endpoint stays on the
	 * first worker while it flows (a forged SDP cannot take it) */
	other_worker(d, "call-1@example.org", cid2, sizeof cid2);
	w2 = got.u[got.n - 1].worker;
	CHECK(w2 != w1);
	l = sip(m, sizeof m, cid2, 0, 1, "192.0.2.1", 4000, false);
	udp(d, A, B, 5060, 5060, m, l);
	CHECK(got.u[got.n - 1].worker == w2);
	n0 = got.n;
	udp(d, C, A, 7000, 4000, rtp_b, sizeof rtp_b);
	udp(d, C, A, 7001, 4001, rtp_b, sizeof rtp_b);
	CHECK(got.n == n0 + 2 && got.u[n0].worker == w2 && got.u[n0 + 1].worker == w2);
	{
		struct cap_disp_info in;
		cap_disp_info(d, &in);
		CHECK(in.kept == 2 && in.units_kept == 0); /* (RTP and RTCP endpoints) */
	}
	n0 = got.n;
	udp(d, B, A, 4002, 4000, rtp, sizeof rtp); /* the first call's stream */
	udp(d, B, A, 4003, 4001, rtp, sizeof rtp);
	CHECK(got.n == n0 + 2 && got.u[n0].worker == w1 && got.u[n0 + 1].worker == w1);
	/* by source: the reused endpoint now belongs to the second worker */
	udp(d, A, C, 4000, 9, rtp_b, sizeof rtp_b);
	CHECK(got.u[got.n - 1].worker == w2);
	/* the kept stream stops for 5 s: forgotten; its SSRC now goes to the newest */
	now += 5ull * 1000000000ull;
	udp(d, B, A, 4002, 4000, rtp, sizeof rtp);
	CHECK(got.u[got.n - 1].worker == w2);
	{
		struct cap_disp_info in;
		cap_disp_info(d, &in);
		CHECK(in.units_kept == 2);
	}
	/* the first call's answer endpoint still goes to the first worker (destination first) */
	udp(d, A, B, 4000, 5000, rtp, sizeof rtp);
	CHECK(got.u[got.n - 1].worker == w1);
	/* the same Call-ID always gives the same worker; the call table's kept prefix counts */
	{
		char big1[400], big2[400];
		memset(big1, 'x', 300);
		big1[300] = '\0';
		memcpy(big2, big1, 301);
		big2[299] = 'y'; /* differs past CAP_CALL_MAX_TEXT - 1 octets: same call there */
		CHECK(worker_for(d, big1) == worker_for(d, big2));
		CHECK(worker_for(d, "call-1@example.org") == w1);
	}
	/* flush: endpoints forgotten */
	cap_disp_flush(d, now);
	CHECK(cap_disp_endpoints(d) == 0);
	udp(d, A, B, 4000, 4002, rtp, sizeof rtp);
	CHECK(dst.media_unbound == 2);
	{
		struct cap_disp_info in;
		cap_disp_info(d, &in);
		CHECK(in.endpoints == 0 && in.registered == 7 && in.evicted == 0 &&
		      in.units_media >= 12);
	}
	cap_disp_free(d);
}

/* The INVITE (first line) or its 200 OK of dialog ice-1 with SDP body, To tag to_tag ("" or
 * ";tag=..."), into m; its length (snprintf's). */
static int ice_msg(char *m, size_t cap, const char *first, const char *to_tag, const char *body)
{
	return snprintf(m, cap,
			"%s\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKi\r\n"
			"From: <sip:a@example.org>;tag=f\r\nTo: <sip:b@example.org>%s\r\n"
			"Call-ID: ice-1@example.org\r\nCSeq: 1 INVITE\r\n"
			"Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s",
			first, to_tag, strlen(body), body);
}

/* ICE candidates (RFC 8839) and a=rtcp's address (RFC 3605) are registered with c= and m=:
 * media between the candidates goes to the call's worker. */
static void t_disp_ice(void)
{
	static const char body[] = "v=0\r\no=- 1 1 IN IP4 203.0.113.5\r\ns=-\r\n"
				   "c=IN IP4 203.0.113.5\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"
				   "a=rtcp:4001 IN IP4 203.0.113.6\r\n"
				   "a=candidate:1 1 UDP 2130706431 192.0.2.1 6000 typ host\r\n"
				   "a=candidate:1 2 UDP 2130706430 192.0.2.1 6001 typ host\r\n"
				   "a=candidate:2 1 UDP 1 203.0.113.5 4000 typ relay\r\n"
				   "a=ice-ufrag:OffR\r\n";
	static const uint8_t R6[4] = { 203, 0, 113, 6 }, P1[4] = { 10, 0, 0, 5 },
			     P2[4] = { 10, 0, 0, 6 };
	char m[2000], cid2[64];
	struct cap_disp *d = dnew(7, NULL);
	int l;
	unsigned w1;
	other_worker(d, "ice-1@example.org", cid2, sizeof cid2);
	l = ice_msg(m, sizeof m, "INVITE sip:b@example.org SIP/2.0", "", body);
	CHECK(l > 0 && (size_t)l < sizeof m);
	udp(d, A, B, 5060, 5060, m, (size_t)l);
	w1 = got.u[got.n - 1].worker;
	/* c= and m=, a=rtcp's address, two candidates (the relay one is c= and m= again), the
	 * ufrag's pseudo endpoint */
	CHECK(cap_disp_endpoints(d) == 5);
	{
		size_t n0 = got.n;
		udp(d, B, A, 7000, 6000, rtp, sizeof rtp);  /* to the host candidate */
		udp(d, B, A, 7001, 6001, rtp, sizeof rtp);  /* its RTCP */
		udp(d, B, R6, 7001, 4001, rtp, sizeof rtp); /* a=rtcp's address */
		CHECK(got.n == n0 + 3 && dst.media_unbound == 0);
		for (size_t i = n0; i < got.n; i++)
			CHECK(got.u[i].worker == w1);
	}
	{
		/* an ICE check between endpoints nobody named, to the ufrag of this SDP: to the
		 * call's worker, and its two endpoints with it (the media the agents send there
		 * next); one to another ufrag: unbound, dropped */
		static const uint8_t chk[] = { 0x00, 0x01, 0x00, 0x10, 0x21, 0x12, 0xa4, 0x42, 1,
					       2,    3,    4,    5,    6,    7,    8,    9,    10,
					       11,   12,   0x00, 0x06, 0x00, 0x09, 'O',  'f',  'f',
					       'R',  ':',  'A',  'n',  's',  'W',  0,    0,    0 };
		static const char ans[] =
			"v=0\r\no=- 1 1 IN IP4 203.0.113.9\r\ns=-\r\n"
			"c=IN IP4 203.0.113.9\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n"
			"a=ice-ufrag:AnsW\r\n";
		uint8_t bad[sizeof chk];
		size_t n0, u0 = dst.media_unbound;
		memcpy(bad, chk, sizeof bad);
		/* before the answer: the sender's ufrag unknown, not routed */
		udp(d, P2, P1, 8000, 7000, chk, sizeof chk);
		CHECK(dst.media_unbound == u0 + 1);
		l = ice_msg(m, sizeof m, "SIP/2.0 200 OK", ";tag=t", ans);
		CHECK(l > 0 && (size_t)l < sizeof m);
		udp(d, B, A, 5060, 5060, m, (size_t)l);
		CHECK(cap_disp_endpoints(d) == 8); /* (its c= and m=, RTCP, its ufrag) */
		n0 = got.n;
		bad[24] = 'X';
		udp(d, P2, P1, 8000, 7000, bad, sizeof bad);
		CHECK(got.n == n0 && dst.media_unbound == u0 + 2);
		udp(d, P2, P1, 8000, 7000, chk, sizeof chk);
		CHECK(got.n == n0 + 1 && got.u[n0].worker == w1 && cap_disp_endpoints(d) == 10);
		udp(d, P1, P2, 7000, 8000, rtp, sizeof rtp);
		udp(d, P2, P1, 8000, 7000, rtp, sizeof rtp);
		CHECK(got.n == n0 + 3 && got.u[n0 + 1].worker == w1 && got.u[n0 + 2].worker == w1);
	}
	cap_disp_free(d);
}

static void t_disp_tcp(void)
{
	static char buf[8000];
	char m[2000], cid2[64];
	struct cap_disp *d = dnew(7, NULL);
	size_t l1, l2, n;
	unsigned w1, w2;
	uint32_t seq = 1000;

	/* two Call-IDs on different workers */
	other_worker(d, "tcp-a@example.org", cid2, sizeof cid2);
	w1 = worker_for(d, "tcp-a@example.org");
	w2 = worker_for(d, cid2);
	CHECK(w1 != w2);
	got.n = 0;
	/* one connection: SYN, call 1's INVITE split over three segments, then both calls'
	 * messages in one segment */
	tcp(d, A, B, 40000, 5060, seq, 0x02, NULL, 0);
	seq++;
	l1 = sip(m, sizeof m, "tcp-a@example.org", 0, 1, "192.0.2.1", 6000, false);
	tcp(d, A, B, 40000, 5060, seq, 0x08, m, 10);
	tcp(d, A, B, 40000, 5060, seq + 10, 0x08, m + 10, 100);
	CHECK(got.n == 0);
	tcp(d, A, B, 40000, 5060, seq + 110, 0x08, m + 110, l1 - 110);
	seq += (uint32_t)l1;
	CHECK(got.n == 1 && got.u[0].kind == CAP_UNIT_SIP_TCP && got.u[0].worker == w1 &&
	      got.msg_len[0] == l1 && got.dport[0] == 5060);
	l1 = sip(buf, sizeof buf, "tcp-a@example.org", 0, 2, "192.0.2.1", 6100, false);
	l2 = sip(buf + l1, sizeof buf - l1, cid2, 0, 1, "192.0.2.3", 6200, true);
	tcp(d, A, B, 40000, 5060, seq, 0x08, buf, l1 + l2);
	seq += (uint32_t)(l1 + l2);
	CHECK(got.n == 3 && got.u[1].worker == w1 && got.u[2].worker == w2 &&
	      got.u[2].kind == CAP_UNIT_SIP_TCP && got.msg_len[2] == l2);
	/* their media */
	n = got.n;
	udp(d, B, A, 9, 6000, rtp, sizeof rtp);
	udp(d, B, A, 9, 6101, rtp, sizeof rtp);
	udp(d, B, C, 9, 6200, rtp, sizeof rtp);
	udp(d, B, C, 9, 6201, rtp, sizeof rtp); /* rtcp-mux: no port + 1 */
	CHECK(got.n == n + 3 && got.u[n].worker == w1 && got.u[n + 1].worker == w1 &&
	      got.u[n + 2].worker == w2 && dst.media_unbound == 1);
	/* a malformed message on the stream (no Call-ID) is counted, not handed on */
	n = got.n;
	{
		static const char bad[] =
			"OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/TCP h\r\nFrom: <sip:a>;tag=1\r\n"
			"To: <sip:b>\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
		tcp(d, A, B, 40000, 5060, seq, 0x08, bad, sizeof bad - 1);
		seq += (uint32_t)(sizeof bad - 1);
	}
	CHECK(got.n == n && dst.drop[CAP_DROP_SIP_MISSING] == 1 && dst.tcp_sip == 4);
	/* a partial message cut by the flush: CAP_DROP_TCP_CUT, as cap_calls_flush counts it */
	tcp(d, A, B, 40000, 5060, seq, 0x08, m, 50);
	cap_disp_flush(d, now);
	CHECK(dst.drop[CAP_DROP_TCP_CUT] == 1 && dst.tcp_streams == 1 && dst.sip_tcp == 0);
	cap_disp_free(d);
}

static void t_disp_hostile(void)
{
	static char m[70000];
	struct cap_disp *d = dnew(3, NULL);
	size_t l;

	/* truncated (Content-Length past the datagram), no Call-ID, bad start line */
	l = sip(m, sizeof m, "h-1@example.org", 0, 1, "192.0.2.1", 4000, false);
	udp(d, A, B, 5060, 5060, m, l - 20);
	CHECK(got.n == 0 && dst.drop[CAP_DROP_SIP_TRUNC] == 1 && cap_disp_endpoints(d) == 0);
	udp(d, A, B, 5060, 5060, "INVITE sip:x SIP/2.0\r\n\r\n", 24);
	CHECK(got.n == 0 && dst.drop[CAP_DROP_SIP_MISSING] == 1);
	udp(d, A, B, 5060, 5060, "SIP/2.0 abc\r\nCall-ID: x\r\n\r\n", 27);
	CHECK(got.n == 0 && dst.drop[CAP_DROP_SIP_START] == 1);
	/* SDP rejected by cap_sdp_parse: handed on (the worker counts CAP_DROP_SDP), nothing
	 * registered, nothing counted here */
	l = (size_t)snprintf(m, sizeof m,
			     "INVITE sip:b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a>;tag=1\r\n"
			     "To: <sip:b>\r\nCall-ID: h-2\r\nCSeq: 1 INVITE\r\n"
			     "Content-Type: application/sdp\r\nContent-Length: 30\r\n\r\n"
			     "v=0\r\nc=IN IP4 1.2.3\r\nm=audio x");
	udp(d, A, B, 5060, 5060, m, l);
	CHECK(got.n == 1 && cap_disp_endpoints(d) == 0 && dst.drop[CAP_DROP_SDP] == 0 &&
	      dst.sdp == 0 && dst.sip == 0);
	/* multipart without boundary: handed on, not counted here */
	l = (size_t)snprintf(m, sizeof m,
			     "INVITE sip:b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a>;tag=1\r\n"
			     "To: <sip:b>\r\nCall-ID: h-3\r\nCSeq: 1 INVITE\r\n"
			     "Content-Type: multipart/mixed\r\nContent-Length: 4\r\n\r\nabcd");
	udp(d, A, B, 5060, 5060, m, l);
	CHECK(got.n == 2 && dst.drop[CAP_DROP_SIP_BODY] == 0);
	/* SDP with 16 m= lines, ports 0 and 65535, FQDN c=: only what the call table binds (the
	 * first CAP_CALL_MAX_MEDIA lines with a port and an address) */
	{
		int n = snprintf(
			m, sizeof m,
			"INVITE sip:b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a>;tag=1\r\n"
			"To: <sip:b>\r\nCall-ID: h-4\r\nCSeq: 1 INVITE\r\n"
			"Content-Type: application/sdp\r\nContent-Length: ");
		char body[3000];
		int b = snprintf(body, sizeof body, "v=0\r\n");
#define CLINE "c=IN IP4 192.0.2.9\r\n"
		b += snprintf(body + b, sizeof body - (size_t)b, "m=audio 0 RTP/AVP 0\r\n" CLINE);
		b += snprintf(body + b, sizeof body - (size_t)b,
			      "m=audio 65535 RTP/AVP 0\r\n" CLINE); /* no port + 1 */
		b += snprintf(body + b, sizeof body - (size_t)b,
			      "m=audio 3000 RTP/AVP 0\r\n"); /* no address at all */
		b += snprintf(body + b, sizeof body - (size_t)b,
			      "m=audio 3100 RTP/AVP 0\r\n" CLINE "a=rtcp:3300\r\n");
		for (int i = 0; i < 12; i++)
			b += snprintf(body + b, sizeof body - (size_t)b,
				      "m=audio %d RTP/AVP 0\r\n" CLINE, 3400 + 10 * i);
#undef CLINE
		n += snprintf(m + n, sizeof m - (size_t)n, "%d\r\n\r\n%s", b, body);
		udp(d, A, B, 5060, 5060, m, (size_t)n);
		/* 65535; 3100 + 3300; 4 lines 3400..3430 with port + 1 */
		CHECK(got.n == 3 && cap_disp_endpoints(d) == 1 + 2 + 8);
		udp(d, C, N9, 1, 3300, rtp, sizeof rtp);
		udp(d, C, N9, 1, 3431, rtp, sizeof rtp);
		udp(d, C, N9, 1, 3440, rtp, sizeof rtp); /* 9th line: not bound */
		udp(d, C, N9, 1, 3000, rtp, sizeof rtp); /* no address */
		CHECK(got.n == 5 && dst.media_unbound == 2);
	}
	/* non-UDP/TCP, junk frames, an empty UDP datagram */
	frame_ip(d, (const uint8_t *)"\x45\0\0\x14", 4);
	udp(d, A, B, 1, 2, "", 0);
	CHECK(got.n == 5 && dst.drop[CAP_DROP_IP4_TRUNC] == 1 && dst.media_unbound == 3);
	/* a 65507-octet SIP-looking datagram of junk */
	memset(m, 'a', 65507);
	memcpy(m, "SIP/2.0 200 OK\r\n", 16);
	udp(d, A, B, 5060, 5060, m, 65507);
	CHECK(got.n == 5);
	cap_disp_free(d);
}

/* 50 INVITEs (flood-0..) with SDP on 192.0.2.1 ports 10000 + 2 i (and RTCP), into d of 4
 * endpoints; media to flood-0's RTP port after each of the others keeps that one seen */
static void ep_flood(struct cap_disp *d)
{
	char m[2000];
	for (int i = 0; i < 50; i++) {
		char cid[32];
		size_t len;
		snprintf(cid, sizeof cid, "flood-%d", i);
		len = sip(m, sizeof m, cid, 0, 1, "192.0.2.1", 10000 + 2 * i, false);
		udp(d, A, B, 5060, 5060, m, len);
		CHECK(cap_disp_endpoints(d) <= 4);
		if (i == 0)
			continue;
		udp(d, B, A, 9, 10000, rtp, sizeof rtp);
	}
}

/* An endpoint idle for endpoint_idle_ns is kept while its dialog is seen: media to another of
 * its endpoints (RTCP while the RTP pauses), or SIP of the dialog without SDP (a held call's
 * refreshes). Before, both were forgotten, and the rest of the call was unbound. */
static void t_disp_dialog(void)
{
	static const uint8_t rtcp[28] = { 0x80, 200, 0, 6, 0, 0, 0, 9 };
	const uint64_t s = 1000000000ull;
	struct cap_disp_limits l;
	struct cap_disp *d;
	struct cap_disp_info in;
	char m[2000];
	size_t len;

	cap_disp_limits_default(&l);
	l.endpoint_idle_ns = 10 * s;
	d = dnew(2, &l);
	len = sip(m, sizeof m, "talk", 0, 1, "192.0.2.1", 40000, false);
	udp(d, A, B, 5060, 5060, m, len);
	len = sip(m, sizeof m, "held", 0, 1, "192.0.2.1", 42000, false);
	udp(d, A, B, 5060, 5060, m, len);
	len = sip(m, sizeof m, "gone", 0, 1, "192.0.2.1", 44000, false);
	udp(d, A, B, 5060, 5060, m, len);
	len = sip(m, sizeof m, "unused", 0, 1, "192.0.2.1", 46000, false);
	udp(d, A, B, 5060, 5060, m, len);
	CHECK(cap_disp_endpoints(d) == 8);
	udp(d, B, A, 9, 40000, rtp, sizeof rtp);
	udp(d, B, A, 9, 42000, rtp, sizeof rtp);
	udp(d, B, A, 9, 42001, rtcp, sizeof rtcp);
	/* 30 s: talk's RTP pauses, its RTCP goes on every 5 s; held's dialog sends SIP without
	 * SDP every 5 s, and so does unused's (whose endpoints media never reached: only those
	 * it has are kept, else one dialog's SDPs could hold the table); nothing of gone's */
	for (int i = 0; i < 6; i++) {
		now += 5 * s;
		udp(d, B, A, 9, 40001, rtcp, sizeof rtcp);
		len = sip(m, sizeof m, "held", 200, 2 + i, NULL, 0, false);
		udp(d, B, A, 5060, 5060, m, len);
		len = sip(m, sizeof m, "unused", 200, 2 + i, NULL, 0, false);
		udp(d, B, A, 5060, 5060, m, len);
	}
	got.n = 0;
	udp(d, B, A, 9, 40000, rtp, sizeof rtp);
	udp(d, B, A, 9, 42000, rtp, sizeof rtp);
	udp(d, B, A, 9, 42001, rtcp, sizeof rtcp);
	udp(d, B, A, 9, 44000, rtp, sizeof rtp);
	udp(d, B, A, 9, 44001, rtcp, sizeof rtcp);
	udp(d, B, A, 9, 46000, rtp, sizeof rtp);
	CHECK(got.n == 3 && dst.media_unbound == 3 && dst.media_lost == 0);
	cap_disp_info(d, &in);
	CHECK(in.expired == 4 && in.dialog_kept >= 3 && in.endpoints == 4);
	/* and once the dialogs too are quiet for longer than endpoint_idle_ns, all go */
	CHECK(cap_disp_expire(d, now + 11 * s) == 4 && cap_disp_endpoints(d) == 0);
	cap_disp_free(d);

	/* the dialog table (max_endpoints / 2 entries, probe runs of 8: here one run) */
	l.max_endpoints = 16;
	d = dnew(2, &l);
	len = sip(m, sizeof m, "talk", 0, 1, "192.0.2.1", 40000, false);
	udp(d, A, B, 5060, 5060, m, len);
	udp(d, B, A, 9, 40000, rtp, sizeof rtp);
	/* 64 dialogs of SIP alone (no SDP: no endpoints) take no room in it: talk's RTCP still
	 * keeps its RTP endpoint, idle 23 s */
	for (int i = 0; i < 64; i++) {
		char cid[32];
		now += s / 8;
		snprintf(cid, sizeof cid, "sip-only-%d", i);
		len = sip(m, sizeof m, cid, 0, 1, NULL, 0, false);
		udp(d, A, B, 5060, 5060, m, len);
		if (i % 16 == 0)
			udp(d, B, A, 9, 40001, rtcp, sizeof rtcp);
	}
	for (int i = 0; i < 3; i++) {
		now += 5 * s;
		udp(d, B, A, 9, 40001, rtcp, sizeof rtcp);
	}
	got.n = 0;
	udp(d, B, A, 9, 40000, rtp, sizeof rtp);
	cap_disp_info(d, &in);
	CHECK(got.n == 1 && in.dialog_kept >= 1 && in.expired == 0);
	/* 8 dialogs that register endpoints do: talk's entry, the least recently seen, goes, and
	 * its RTP endpoint expires by its own time, as without the table */
	for (int i = 0; i < 8; i++) {
		char cid[32];
		now += s / 8;
		snprintf(cid, sizeof cid, "with-sdp-%d", i);
		len = sip(m, sizeof m, cid, 0, 1, "192.0.2.5", 50000 + 2 * i, false);
		udp(d, A, B, 5060, 5060, m, len);
	}
	for (int i = 0; i < 4; i++) {
		now += 5 * s;
		udp(d, B, A, 9, 40001, rtcp, sizeof rtcp);
	}
	got.n = 0;
	udp(d, B, A, 9, 40000, rtp, sizeof rtp);
	cap_disp_info(d, &in);
	CHECK(got.n == 0 && in.endpoints == 1);
	cap_disp_free(d);
}

static void t_disp_caps(void)
{
	struct cap_disp_limits l;
	struct cap_disp *d;
	struct cap_disp_info in;
	char m[2000];
	size_t len;

	cap_disp_limits_default(&l);
	l.max_endpoints = 4;
	l.endpoint_idle_ns = 10ull * 1000000000ull;
	d = dnew(2, &l);
	/* a flood of SDPs: never more than 4 endpoints; the least recently seen go first */
	ep_flood(d);
	cap_disp_info(d, &in);
	CHECK(in.endpoints == 4 && in.evicted == 100 - 4 && in.registered == 100);
	/* flood-0's RTP port survived (seen all along), its RTCP port did not */
	got.n = 0;
	udp(d, B, A, 9, 10000, rtp, sizeof rtp);
	udp(d, B, A, 9, 10001, rtp, sizeof rtp);
	udp(d, B, A, 9, 10098, rtp, sizeof rtp); /* the newest call's RTP */
	CHECK(got.n == 2);
	/* media to an evicted endpoint is lost to the limit (media_lost), to one never
	 * registered only unbound */
	udp(d, B, A, 9, 10003, rtp, sizeof rtp);
	udp(d, B, C, 9, 10001, rtp, sizeof rtp);
	CHECK(got.n == 2 && dst.media_unbound == 3 && dst.media_lost == 2);
	/* registered again: routed, no longer a victim (even once evicted again) */
	len = sip(m, sizeof m, "again", 0, 1, "192.0.2.1", 10002, false);
	udp(d, A, B, 5060, 5060, m, len);
	udp(d, B, A, 9, 10003, rtp, sizeof rtp);
	CHECK(got.n == 4 && dst.media_unbound == 3 && dst.media_lost == 2);
	/* endpoints media has reached (10000, 10098, 10003 now) outlive a flood of registrations,
	 * which make room among themselves (the last one, 20003, stays; 20000's media is lost) */
	for (int i = 0; i < 2; i++) {
		len = sip(m, sizeof m, "later", 0, 1, "192.0.2.1", 20000 + 2 * i, false);
		udp(d, A, B, 5060, 5060, m, len);
	}
	udp(d, B, A, 9, 10003, rtp, sizeof rtp);
	udp(d, B, A, 9, 20003, rtp, sizeof rtp);
	udp(d, B, A, 9, 20000, rtp, sizeof rtp);
	CHECK(got.n == 8 && dst.media_unbound == 4 && dst.media_lost == 3);
	/* all four reached by media: the least recently seen of them makes room (10000), and
	 * its media is lost from then on */
	len = sip(m, sizeof m, "last", 0, 1, "192.0.2.1", 30000, false);
	udp(d, A, B, 5060, 5060, m, len);
	udp(d, B, A, 9, 10000, rtp, sizeof rtp);
	udp(d, B, A, 9, 10098, rtp, sizeof rtp);
	CHECK(got.n == 10 && dst.media_unbound == 5 && dst.media_lost == 4);
	cap_disp_info(d, &in);
	CHECK(in.endpoints == 4 && in.evicted == 96 + 2 + 4 + 2);
	cap_disp_free(d);

	d = dnew(2, &l);
	ep_flood(d);
	got.n = 0;
	/* idle expiry (the same flood again): nothing seen for 10 s is forgotten, and media that
	 * comes to an endpoint forgotten so is not lost to a limit */
	now += 5ull * 1000000000ull;
	udp(d, B, A, 9, 10000, rtp, sizeof rtp);
	CHECK(cap_disp_expire(d, now + 6ull * 1000000000ull) == 3);
	CHECK(cap_disp_endpoints(d) == 1);
	now += 11ull * 1000000000ull;
	/* its own media, idle since its last packet: found before the frame's time expires it
	 * (a stream back after an outage) */
	udp(d, B, A, 9, 10000, rtp, sizeof rtp);
	CHECK(cap_disp_endpoints(d) == 1 && got.n == 2 && dst.media_unbound == 0);
	now += 11ull * 1000000000ull;
	CHECK(cap_disp_expire(d, now) == 1 && cap_disp_endpoints(d) == 0);
	udp(d, B, A, 9, 10000, rtp, sizeof rtp);
	CHECK(cap_disp_endpoints(d) == 0 && got.n == 2 && dst.media_unbound == 1 &&
	      dst.media_lost == 0);
	cap_disp_free(d);

	/* limits */
	d = NULL;
	CHECK(cap_disp_new(NULL, 0, &dst, on_unit2, NULL, &d) == LIM_E_ARG && !d);
	CHECK(cap_disp_new(NULL, 257, &dst, on_unit2, NULL, &d) == LIM_E_ARG && !d);
	CHECK(cap_disp_new(NULL, 1, NULL, on_unit2, NULL, &d) == LIM_E_ARG && !d);
	CHECK(cap_disp_new(NULL, 1, &dst, NULL, NULL, &d) == LIM_E_ARG && !d);
	l.max_endpoints = 0;
	CHECK(cap_disp_new(&l, 1, &dst, on_unit2, NULL, &d) == LIM_E_ARG && !d);
	l.max_endpoints = ((size_t)1 << 24) + 1;
	CHECK(cap_disp_new(&l, 1, &dst, on_unit2, NULL, &d) == LIM_E_ARG && !d);
	cap_disp_limits_default(&l);
	l.endpoint_idle_ns = 0;
	CHECK(cap_disp_new(&l, 1, &dst, on_unit2, NULL, &d) == LIM_E_ARG && !d);
	cap_disp_limits_default(&l);
	l.tcp.max_streams = 0;
	CHECK(cap_disp_new(&l, 1, &dst, on_unit2, NULL, &d) == LIM_E_ARG && !d);
	cap_disp_limits_default(&l);
	l.defrag.max_datagram = 70000;
	CHECK(cap_disp_new(&l, 1, &dst, on_unit2, NULL, &d) == LIM_E_ARG && !d);
	/* 256 workers: every one reachable */
	cap_disp_limits_default(&l);
	l.hash_seed = 0x1234567u;
	d = dnew(256, &l);
	{
		static bool hit[256];
		size_t distinct = 0;
		for (int i = 0; i < 4000; i++) {
			char cid[32];
			snprintf(cid, sizeof cid, "spread-%d", i);
			hit[worker_for(d, cid) & 255] = true;
			got.n = 0;
		}
		for (int i = 0; i < 256; i++)
			distinct += hit[i];
		CHECK(distinct >= 250);
	}
	cap_disp_free(d);
	cap_disp_free(NULL);
}

/* Group calls: every leg of a generated MCPTT group call (the originator's INVITE to the
 * server and the server's to each member, each its own Call-ID) and every GMK distribution of
 * its group (a NOTIFY per member) are routed to one worker, and each dialog's later messages
 * (responses, BYE) follow its pin. */
struct gleg {
	char cid[CAP_CALL_MAX_TEXT];
	unsigned worker;
	bool invite;
};
static struct gleg gl[64];
static size_t n_gl;
static bool gl_split; /* one Call-ID's messages on two workers */
static struct cap_sip_msg gmsg;

static void on_unit_g(void *ctx, const struct cap_unit *u)
{
	const uint8_t *b = u->kind == CAP_UNIT_SIP_TCP ? u->msg : u->pkt->payload.p;
	size_t n = u->kind == CAP_UNIT_SIP_TCP ? u->msg_len : u->pkt->payload.len;
	size_t i;
	(void)ctx;
	if (!cap_sip_looks_like(b, n) || cap_sip_parse(b, n, &gmsg) != LIM_OK)
		return;
	for (i = 0; i < n_gl; i++)
		if (strlen(gl[i].cid) == gmsg.call_id.len &&
		    memcmp(gl[i].cid, gmsg.call_id.p, gmsg.call_id.len) == 0)
			break;
	if (i == n_gl && n_gl < 64 && gmsg.call_id.len < CAP_CALL_MAX_TEXT) {
		memcpy(gl[i].cid, gmsg.call_id.p, gmsg.call_id.len);
		gl[i].cid[gmsg.call_id.len] = '\0';
		gl[i].worker = u->worker;
		gl[i].invite = gmsg.is_request && cap_str_eq(gmsg.method, "INVITE");
		n_gl++;
	} else if (i < n_gl && gl[i].worker != u->worker) {
		gl_split = true;
	}
}

static void t_disp_group(void)
{
	const char *b = build_dir(), *o = t_outdir();
	static char cmd[4096], path[700];
	struct cap_stats st;
	struct cap_disp_info info;
	struct cap_source *src = NULL;
	struct cap_disp *d = NULL;
	size_t legs = 0, notify = 0;
	unsigned w0 = 0;
	snprintf(path, sizeof path, "%s/disp_grp.pcap", o);
	snprintf(cmd, sizeof cmd,
		 "rm -rf '%s/disp_gkms' && '%s/limf-kms' init '%s/disp_gkms' --scheme 3gpp-uid "
		 "--kms-uri kms.dispg.test --period 2592000 >/dev/null && '%s/limf-gen' "
		 "--community '%s/disp_gkms/community.json' --out '%s' --profile group --members 5 "
		 "--talkers 3 --turn 1 --duration 3 --seed 9 >/dev/null",
		 o, b, o, b, o, path);
	CHECK(run(cmd) == 0);
	memset(&st, 0, sizeof st);
	n_gl = 0;
	gl_split = false;
	CHECK(cap_disp_new(NULL, 7, &st, on_unit_g, NULL, &d) == LIM_OK);
	CHECK(cap_source_open_file(path, &src) == LIM_OK);
	for (;;) {
		struct cap_frame f;
		bool eof;
		if (!src || cap_source_next(src, &f, &eof) != LIM_OK || eof)
			break;
		cap_disp_frame(d, &f);
	}
	cap_source_close(src);
	for (size_t i = 0; i < n_gl; i++) {
		if (i == 0)
			w0 = gl[i].worker;
		CHECK(gl[i].worker == w0);
		if (gl[i].invite)
			legs++;
		else
			notify++;
	}
	/* the originator's leg and one per other member; the GMK NOTIFYs to each member */
	CHECK(legs == 5 && notify == 5);
	CHECK(!gl_split);
	cap_disp_info(d, &info);
	CHECK(info.pinned == legs + notify);
	cap_disp_free(d);
}

/* An MCPTT group call's INVITE for Call-ID cid, calling group grp-G, SDP audio on port. */
static size_t grp_invite(char *m, size_t cap, const char *cid, int g, int port)
{
	static const char grp[] =
		"INVITE sip:grp@example.org SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1\r\n"
		"From: <sip:a@example.org>;tag=1\r\nTo: <sip:grp@example.org>\r\n"
		"Call-ID: %s\r\nCSeq: 1 INVITE\r\n"
		"Content-Type: multipart/mixed;boundary=bb\r\nContent-Length: %zu\r\n\r\n%s";
	static const char body[] =
		"--bb\r\nContent-Type: application/sdp\r\n\r\nv=0\r\no=- 1 1 IN IP4 "
		"192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio %d RTP/AVP "
		"0\r\n--bb\r\nContent-Type: application/vnd.3gpp.mcptt-info+xml\r\n\r\n"
		"<?xml version=\"1.0\"?><mcpttinfo xmlns=\"urn:3gpp:ns:mcpttInfo:1.0\">"
		"<mcptt-Params><mcptt-calling-group-id type=\"Normal\"><mcpttURI>sip:"
		"grp-%d@example.org</mcpttURI></mcptt-calling-group-id></mcptt-Params>"
		"</mcpttinfo>\r\n--bb--\r\n";
	char b2[1500];
	size_t bl = (size_t)snprintf(b2, sizeof b2, body, port, g);
	return (size_t)snprintf(m, cap, grp, cid, bl, b2);
}

/* Review of 47c77b9: a group call's INVITE whose body has a part refused before its
 * mcptt-info (an XML part with an entity XML does not define) is routed by its calling group
 * all the same, as the pipeline takes the group (before, by its Call-ID: a private call). */
static void t_disp_grp_bad_part(void)
{
	struct cap_disp *clean = dnew(7, NULL), *bad = dnew(7, NULL), *plain = dnew(7, NULL);
	char m[2500], m2[2600], cid[64];
	int differ = 0;
	for (int i = 0; i < 32; i++) {
		size_t l;
		unsigned wg, wb;
		const char *at;
		snprintf(cid, sizeof cid, "gbp-%d@example.org", i);
		memset(&got, 0, sizeof got);
		l = grp_invite(m, sizeof m, cid, i, 41000 + 2 * i);
		udp(clean, A, B, 5060, 5060, m, l);
		CHECK(got.n == 1);
		wg = got.u[0].worker;
		/* the same INVITE with a refused part first (Content-Length grown to match) */
		at = strstr(m, "\r\n\r\n--bb\r\n");
		CHECK(at != NULL);
		if (!at)
			break;
		{
			static const char part[] =
				"--bb\r\nContent-Type: application/xml\r\n\r\n<p>a&nbsp;b</p>\r\n";
			size_t head = (size_t)(at - m) + 4, body = l - head;
			int n = snprintf(m2, sizeof m2, "%.*s", (int)head, m);
			char *cl = strstr(m2, "Content-Length: ");
			CHECK(cl != NULL);
			if (!cl)
				break;
			n = snprintf(cl, sizeof m2 - (size_t)(cl - m2),
				     "Content-Length: %zu\r\n\r\n%s%s", body + sizeof part - 1,
				     part, m + head);
			memset(&got, 0, sizeof got);
			udp(bad, A, B, 5060, 5060, m2, (size_t)(cl - m2) + (size_t)n);
		}
		CHECK(got.n == 1);
		wb = got.n ? got.u[0].worker : 99;
		CHECK(wb == wg);
		differ += worker_for(plain, cid) != wg; /* (its Call-ID's own worker) */
	}
	CHECK(differ > 0); /* (by Call-ID, some would have gone elsewhere) */
	cap_disp_free(clean);
	cap_disp_free(bad);
	cap_disp_free(plain);
}

/* A BYE (status 0) or a response to one, for Call-ID cid. */
static size_t bye(char *m, size_t cap, const char *cid, int status)
{
	int n = status ? snprintf(m, cap, "SIP/2.0 %d OK\r\n", status)
		       : snprintf(m, cap, "BYE sip:grp@example.org SIP/2.0\r\n");
	n += snprintf(
		m + n, cap - (size_t)n,
		"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKb\r\nFrom: <sip:a@example.org>;tag=1\r\n"
		"To: <sip:grp@example.org>;tag=2\r\nCall-ID: %s\r\nCSeq: 2 BYE\r\n"
		"Content-Length: 0\r\n\r\n",
		cid);
	return (size_t)n;
}

/* A message of the group dialog cid (From tag 1, To tag 2) without a body: start line start,
 * CSeq cseq method; its length. */
static size_t in_dialog(char *m, size_t cap, const char *start, const char *cid, int cseq,
			const char *method)
{
	int n = snprintf(m, cap,
			 "%s\r\nVia: SIP/2.0/UDP 192.0.2.2;branch=z9hG4bKd%d\r\n"
			 "From: <sip:a@example.org>;tag=1\r\nTo: <sip:grp@example.org>;tag=2\r\n"
			 "Call-ID: %s\r\nCSeq: %d %s\r\nContent-Length: 0\r\n\r\n",
			 start, cseq, cid, cseq, method);
	return (size_t)n;
}

/* Pins a group call's dialog on d to another worker than its Call-ID's own: tries fresh
 * Call-IDs BASE-0@..., BASE-1@... (never pinned before), the INVITE naming group grp-I with
 * SDP audio on port, until the group's worker differs. cid gets the Call-ID, *wc its own
 * worker; returns the group's worker; got then holds the INVITE's unit only. */
static unsigned pin_other(struct cap_disp *d, const char *base, int port, char *cid, size_t cap,
			  unsigned *wc)
{
	char m[2000];
	for (int i = 0; i < 200; i++) {
		size_t l;
		snprintf(cid, cap, "%s-%d@example.org", base, i);
		*wc = worker_for(d, cid); /* an INVITE without SDP: not pinned */
		memset(&got, 0, sizeof got);
		l = grp_invite(m, sizeof m, cid, i, port);
		udp(d, A, B, 5060, 5060, m, l);
		if (got.n == 1 && got.u[0].worker != *wc)
			return got.u[0].worker;
	}
	CHECK(!"no group on another worker than the Call-ID's");
	return *wc;
}

static struct cap_disp *nd_peer;
static struct cap_disp_note nd_last, nd_pin;
static size_t nd_count;
static void nd_note(void *ctx, const struct cap_disp_note *n)
{
	(void)ctx;
	nd_last = *n;
	if (n->kind == CAP_DISP_NOTE_PIN)
		nd_pin = *n;
	nd_count++;
	if (nd_peer)
		CHECK(cap_disp_apply(nd_peer, n));
}

/* Two dispatchers (two capture threads) sharing routing state by notes. */
static void t_disp_notes(void)
{
	char m[2000];
	struct cap_disp *d1 = dnew(7, NULL), *d2 = NULL;
	struct cap_stats st2;
	struct cap_disp_info i1, i2;
	struct cap_disp_note bad;
	size_t l, n0;
	unsigned w1;
	uint64_t dlg1;

	memset(&st2, 0, sizeof st2);
	CHECK(cap_disp_new(NULL, 7, &st2, on_unit2, NULL, &d2) == LIM_OK && d2);
	if (!d2)
		return;
	nd_peer = d2;
	nd_count = 0;
	cap_disp_set_note_fn(d1, nd_note, NULL);
	/* the INVITE on source 1: its endpoints (RTP, RTCP) noted and applied on source 2 */
	l = sip(m, sizeof m, "split-1@example.org", 0, 1, "192.0.2.1", 4000, false);
	udp(d1, A, B, 5060, 5060, m, l);
	CHECK(got.n == 1 && nd_count == 2);
	w1 = got.u[0].worker;
	CHECK(nd_last.kind == CAP_DISP_NOTE_EP && nd_last.ver == 4 && nd_last.worker == w1 &&
	      nd_last.port == 4001 && memcmp(nd_last.a, A, 4) == 0 && nd_last.a[4] == 0);
	dlg1 = nd_last.dlg; /* its dialog (not pinned) */
	CHECK(dlg1 != 0 && nd_last.h == 0);
	CHECK(cap_disp_endpoints(d2) == 2);
	/* media to and from it on source 2: to the INVITE's worker */
	udp(d2, B, A, 4002, 4000, rtp, sizeof rtp);
	udp(d2, A, B, 4001, 4003, rtp, sizeof rtp);
	CHECK(got.n == 3 && got.u[1].worker == w1 && got.u[2].worker == w1);
	CHECK(st2.media_unbound == 0 && dst.media_unbound == 0);
	/* the answer on source 2 (no note function there): its worker by Call-ID is the same;
	 * its endpoint is known on source 2 only, so media to it on source 1 is unbound */
	l = sip(m, sizeof m, "split-1@example.org", 200, 1, "192.0.2.2", 5000, true);
	udp(d2, B, A, 5060, 5060, m, l);
	CHECK(got.n == 4 && got.u[3].worker == w1 && nd_count == 2);
	n0 = got.n;
	udp(d1, A, B, 4000, 5000, rtp, sizeof rtp);
	CHECK(got.n == n0 + 1 &&
	      got.u[n0].worker == w1); /* by its source endpoint 192.0.2.1:4000 */
	udp(d1, C, B, 6000, 5000, rtp, sizeof rtp);
	CHECK(got.n == n0 + 1 && dst.media_unbound == 1);
	/* now both ways: source 2's registrations reach source 1 */
	nd_peer = d1;
	cap_disp_set_note_fn(d2, nd_note, NULL);
	cap_disp_set_note_fn(d1, NULL, NULL);
	udp(d2, B, A, 5060, 5060, m, l);
	CHECK(nd_count == 3 && nd_last.port == 5000 && nd_last.dlg == dlg1);
	udp(d1, C, B, 6000, 5000, rtp, sizeof rtp);
	CHECK(got.n == n0 + 3 && got.u[n0 + 2].worker == w1 && dst.media_unbound == 1);
	/* applying does not note again (no echo between dispatchers) */
	CHECK(nd_count == 3);
	cap_disp_info(d1, &i1);
	cap_disp_info(d2, &i2);
	CHECK(i1.notes_applied == 1 && i2.notes_applied == 2);
	CHECK(i1.registered == 2 && i2.registered == 2); /* own registrations only */
	/* hostile notes are refused, and change nothing */
	memset(&bad, 0, sizeof bad);
	CHECK(!cap_disp_apply(d1, &bad)); /* kind 0 */
	bad.kind = CAP_DISP_NOTE_EP;
	bad.ver = 5;
	CHECK(!cap_disp_apply(d1, &bad));
	bad.ver = 4;
	bad.worker = 7; /* past the 7 workers */
	CHECK(!cap_disp_apply(d1, &bad));
	bad.worker = 200;
	CHECK(!cap_disp_apply(d1, &bad));
	bad.kind = CAP_DISP_NOTE_PIN;
	bad.worker = 1;
	bad.h = 0; /* a free pin's mark */
	CHECK(!cap_disp_apply(d1, &bad));
	bad.kind = 99;
	CHECK(!cap_disp_apply(d1, &bad));
	/* an IPv4 note with junk past the address: stored as the table's form of the address */
	memset(&bad, 0xee, sizeof bad);
	bad.kind = CAP_DISP_NOTE_EP;
	bad.ver = 4;
	bad.worker = 3;
	memcpy(bad.a, N9, 4);
	bad.port = 7777;
	CHECK(cap_disp_apply(d1, &bad));
	n0 = got.n;
	udp(d1, C, N9, 1234, 7777, rtp, sizeof rtp);
	CHECK(got.n == n0 + 1 && got.u[n0].worker == 3);
	cap_disp_info(d1, &i1);
	CHECK(i1.notes_applied == 2);
	/* a pin note: a Call-ID pinned on source 1 goes to the pinned worker on source 2 */
	{
		struct cap_disp_note pn;
		unsigned wn, wp, wg;
		char cid[64];
		memset(&pn, 0, sizeof pn);
		/* the hash the notes carry is the one pins use: take it from a real pin note */
		nd_peer = NULL;
		cap_disp_set_note_fn(d1, nd_note, NULL);
		nd_count = 0;
		memset(&nd_pin, 0, sizeof nd_pin);
		wg = pin_other(d1, "pinned", 4400, cid, sizeof cid, &wn);
		/* the pin was noted, before the SDP's endpoints */
		CHECK(nd_count > 0 && nd_pin.kind == CAP_DISP_NOTE_PIN && nd_pin.h != 0);
		wp = nd_pin.worker;
		CHECK(got.n == 1 && wp != wn && wp == wg && got.u[0].worker == wp);
		CHECK(nd_last.kind == CAP_DISP_NOTE_EP && nd_last.port == 4401 &&
		      nd_last.worker == wp);
		pn = nd_pin;
		memset(&got, 0, sizeof got);
		CHECK(worker_for(d2, cid) == wn); /* not yet */
		CHECK(cap_disp_apply(d2, &pn));
		CHECK(worker_for(d2, cid) == wp); /* a BYE on source 2 follows */
	}
	/* the first call's RTP endpoint, learnt by a note on source 2, is kept there by the
	 * RTCP of its dialog there: 800 s, past the 600 s of idle expiry */
	for (int i = 0; i < 8; i++) {
		now += 100ull * 1000000000ull;
		udp(d2, B, A, 4003, 4001, rtp, sizeof rtp);
	}
	n0 = got.n;
	udp(d2, B, A, 4002, 4000, rtp, sizeof rtp);
	CHECK(got.n == n0 + 1 && got.u[n0].worker == w1);
	cap_disp_free(d2);
	cap_disp_free(d1);
}

/* A group call's pin lives as long as its dialog: kept by its media through hours without
 * SIP, ended 32 s after its BYE is answered (in the other dispatchers too), freed after 6 h
 * of nothing. */
static void t_disp_pins(void)
{
	char m[2000];
	struct cap_disp *d = dnew(7, NULL), *d2 = NULL;
	struct cap_stats st2;
	struct cap_disp_info in;
	const uint64_t S = 1000000000ull;
	unsigned wn = 0, wg;
	char cid[64];
	size_t l;
	memset(&st2, 0, sizeof st2);
	CHECK(cap_disp_new(NULL, 7, &st2, on_unit2, NULL, &d2) == LIM_OK && d2);
	if (!d2)
		return;
	nd_peer = d2;
	cap_disp_set_note_fn(d, nd_note, NULL);
	wg = pin_other(d, "long", 4600, cid, sizeof cid, &wn);
	/* seven hours of media (a packet a minute) and no SIP: the dialog stays pinned (its
	 * endpoints were registered by the pinned INVITE: they refresh the pin) */
	for (int i = 0; i < 420; i++) {
		now += 60 * S;
		udp(d, C, A, 7000, 4600, rtp, sizeof rtp);
	}
	memset(&got, 0, sizeof got);
	l = bye(m, sizeof m, cid, 0);
	udp(d, A, B, 5060, 5060, m, l);
	l = bye(m, sizeof m, cid, 200);
	udp(d, B, A, 5060, 5060, m, l);
	CHECK(got.n == 2 && got.u[0].worker == wg && got.u[1].worker == wg);
	cap_disp_info(d, &in);
	CHECK(in.pins_ended == 1 && in.pins_evicted == 0);
	/* the ending reached the other dispatcher; its copy had the pin from the INVITE */
	CHECK(nd_pin.kind == CAP_DISP_NOTE_PIN && nd_pin.ended == 1 && nd_pin.worker == wg);
	/* a retransmitted 200 within 32 s still goes to the group's worker, in both */
	now += 20 * S;
	memset(&got, 0, sizeof got);
	udp(d, B, A, 5060, 5060, m, l);
	udp(d2, B, A, 5060, 5060, m, l);
	CHECK(got.n == 2 && got.u[0].worker == wg && got.u[1].worker == wg);
	/* past 32 s the pin is gone: the Call-ID's own worker, in both */
	now += 13 * S;
	memset(&got, 0, sizeof got);
	udp(d, B, A, 5060, 5060, m, l);
	udp(d2, B, A, 5060, 5060, m, l);
	CHECK(got.n == 2 && got.u[0].worker == wn && got.u[1].worker == wn);
	/* a call whose RTP goes on after its end (one the peer never saw) keeps its pin while
	 * it flows (as calls.c keeps the call); a 2xx to a re-INVITE sent since opens it again,
	 * in the other dispatchers too; a 2xx that answers no request seen does not */
	{
		unsigned wn2 = 0, wg2;
		char cid2[64];
		wg2 = pin_other(d, "goes-on", 4800, cid2, sizeof cid2, &wn2);
		l = bye(m, sizeof m, cid2, 200);
		udp(d, B, A, 5060, 5060, m, l);
		for (int i = 0; i < 12; i++) { /* two minutes */
			now += 10 * S;
			udp(d, C, A, 7000, 4800, rtp, sizeof rtp);
		}
		now += 20 * S;
		memset(&got, 0, sizeof got);
		udp(d, B, A, 5060, 5060, m, l);
		CHECK(got.n == 1 && got.u[0].worker == wg2 && wg2 != wn2);
		l = sip(m, sizeof m, cid2, 200, 1, NULL, 0, false); /* (the INVITE's 200 again) */
		udp(d, B, A, 5060, 5060, m, l);
		l = in_dialog(m, sizeof m, "INVITE sip:a@example.org SIP/2.0", cid2, 3, "INVITE");
		udp(d, A, B, 5060, 5060, m, l);
		l = sip(m, sizeof m, cid2, 200, 3, NULL, 0, false);
		udp(d, B, A, 5060, 5060, m, l);
		CHECK(nd_pin.ended == 2 && worker_for(d2, cid2) == wg2);
		now += 3600 * S; /* (no media, no SIP: open, it is kept 6 h) */
		memset(&got, 0, sizeof got);
		l = bye(m, sizeof m, cid2, 0);
		udp(d, A, B, 5060, 5060, m, l);
		CHECK(got.n == 1 && got.u[0].worker == wg2);
	}
	/* the same within the 32 s of the end: the other dispatcher's copy, ended, opens too */
	{
		unsigned wn4 = 0, wg4;
		char cid4[64];
		wg4 = pin_other(d, "goes-on-soon", 5000, cid4, sizeof cid4, &wn4);
		l = bye(m, sizeof m, cid4, 200);
		udp(d, B, A, 5060, 5060, m, l);
		now += 5 * S;
		l = in_dialog(m, sizeof m, "UPDATE sip:a@example.org SIP/2.0", cid4, 4, "UPDATE");
		udp(d, A, B, 5060, 5060, m, l);
		l = in_dialog(m, sizeof m, "SIP/2.0 200 OK", cid4, 4, "UPDATE");
		udp(d, B, A, 5060, 5060, m, l);
		now += 60 * S;
		CHECK(worker_for(d2, cid4) == wg4 && wg4 != wn4);
	}
	/* the initial INVITE's 200 sent again after the BYE's opens nothing: gone after 32 s */
	{
		unsigned wn3 = 0, wg3;
		char cid3[64];
		wg3 = pin_other(d, "retrans", 4900, cid3, sizeof cid3, &wn3);
		l = bye(m, sizeof m, cid3, 200);
		udp(d, B, A, 5060, 5060, m, l);
		now += 2 * S;
		l = sip(m, sizeof m, cid3, 200, 1, NULL, 0, false);
		udp(d, B, A, 5060, 5060, m, l);
		now += 40 * S;
		memset(&got, 0, sizeof got);
		l = bye(m, sizeof m, cid3, 0);
		udp(d, A, B, 5060, 5060, m, l);
		CHECK(got.n == 1 && got.u[0].worker == wn3 && wg3 != wn3);
	}
	/* a dialog never ended and never seen again: its pin is freed after 6 hours */
	{
		unsigned wnl = 0, wl;
		char lost[64];
		wl = pin_other(d, "lost", 4700, lost, sizeof lost, &wnl);
		now += 5 * 3600 * S;
		l = bye(m, sizeof m, lost, 0);
		memset(&got, 0, sizeof got);
		udp(d, A, B, 5060, 5060, m, l); /* 5 h: still pinned (and seen now) */
		CHECK(got.n == 1 && got.u[0].worker == wl);
		now += 6 * 3600 * S + S;
		cap_disp_set_note_fn(d, NULL, NULL);
		/* d2's copy, not seen for 11 h, and d's, 6 h after its last SIP: both free */
		CHECK(worker_for(d2, lost) == wnl);
		memset(&got, 0, sizeof got);
		udp(d, A, B, 5060, 5060, m, l);
		CHECK(got.n == 1 && got.u[0].worker == wnl);
	}
	cap_disp_free(d2);
	cap_disp_free(d);
}

/* A busy but ordinary hour (a reviewer's simulation): a call a second, each ringing 3 s and
 * talking 5 s (RTP and RTCP both ways), then silent; 64 endpoints, idle for 600 s: the table
 * is soon full of ended calls' endpoints. Every packet of a live call must still be routed:
 * the ended calls' endpoints make room (the oldest), not the ringing calls' new ones. Then a
 * flood of 80 endpoints at once, more than the table: it takes no talking call's routes, only
 * those media has not reached yet (the ringing calls', and both sides of the call answered
 * that instant, whose 5 s of media is then lost, and counted so: media_lost). */
static void t_disp_busy(void)
{
	struct cap_disp_limits l;
	struct cap_disp *d;
	char m[2000];
	const int K = 3, M = 5, N = 400;
	uint64_t unrouted = 0, sent = 0, before = 0;
	cap_disp_limits_default(&l);
	l.max_endpoints = 64;
	l.endpoint_idle_ns = 600ull * 1000000000ull;
	d = dnew(2, &l);
	for (int t = 0; t < N; t++) {
		char cid[32], addr[32];
		size_t len;
		now += 1000000000ull;
		snprintf(cid, sizeof cid, "busy-%d", t);
		snprintf(addr, sizeof addr, "10.1.%d.%d", t >> 8, t & 255);
		len = sip(m, sizeof m, cid, 0, 1, addr, 4000, false);
		udp(d, A, B, 5060, 5060, m, len);
		if (t - K >= 0) { /* answered now */
			snprintf(cid, sizeof cid, "busy-%d", t - K);
			snprintf(addr, sizeof addr, "10.2.%d.%d", (t - K) >> 8, (t - K) & 255);
			len = sip(m, sizeof m, cid, 200, 1, addr, 5000, false);
			udp(d, B, A, 5060, 5060, m, len);
		}
		if (t == N / 2) /* a flood of 40 SDPs (80 endpoints) at once */
			before = unrouted;
		if (t == N / 2)
			for (int f = 0; f < 40; f++) {
				snprintf(cid, sizeof cid, "flood-%d", f);
				len = sip(m, sizeof m, cid, 0, 1, "10.9.9.9", 20000 + 2 * f, false);
				udp(d, A, B, 5060, 5060, m, len);
			}
		for (int x = t - K - M + 1; x <= t - K; x++) {
			uint8_t a[4] = { 10, 1, 0, 0 }, b[4] = { 10, 2, 0, 0 };
			uint64_t u0 = dst.media_unbound;
			if (x < 0)
				continue;
			a[2] = b[2] = (uint8_t)(x >> 8);
			a[3] = b[3] = (uint8_t)x;
			udp(d, a, b, 4000, 5000, rtp, sizeof rtp);
			udp(d, b, a, 5000, 4000, rtp, sizeof rtp);
			udp(d, a, b, 4001, 5001, rtp, sizeof rtp);
			udp(d, b, a, 5001, 4001, rtp, sizeof rtp);
			sent += 4;
			unrouted += dst.media_unbound - u0;
		}
	}
	CHECK(sent == 7900); /* 4 packets a second of each call's 5 s, the last ones cut */
	CHECK(before == 0 && unrouted == 4 * (uint64_t)M && dst.media_lost == unrouted);
	cap_disp_free(d);
}

/* A pin evicted for room (nine live group dialogs whose Call-IDs fall on one probe run of 8
 * pins): a later message of its dialog that names no group goes by its Call-ID and is counted
 * sip_pin_lost; other Call-IDs' messages are not, nor the dialog's once it is pinned again. */
static void t_disp_pin_evict(void)
{
	struct cap_disp *d = dnew(7, NULL);
	struct cap_disp_info in;
	struct cap_hkey k;
	char m[2000], cid[9][64];
	size_t n = 0, l;
	uint64_t run = 0;
	/* the dispatcher's Call-ID hash (seed 0; Call-IDs shorter than the prefix it keeps) */
	cap_hkey_init(&k, 0);
	for (int i = 0; n < 9 && i < 4000000; i++) {
		char c[64];
		snprintf(c, sizeof c, "pe-%d@example.org", i);
		uint64_t h = cap_hash(&k, c, strlen(c));
		if (n == 0)
			run = h & (16384 - 1);
		if ((h & (16384 - 1)) == run)
			memcpy(cid[n++], c, sizeof c);
	}
	CHECK(n == 9);
	if (n < 9) {
		cap_disp_free(d);
		return;
	}
	for (size_t i = 0; i < 9; i++) {
		l = grp_invite(m, sizeof m, cid[i], (int)i, 6000 + 2 * (int)i);
		udp(d, A, B, 5060, 5060, m, l);
	}
	cap_disp_info(d, &in);
	CHECK(in.pinned == 9 && in.pins_evicted == 1 && dst.sip_pin_lost == 0);
	/* the first dialog lost its pin: its BYE is counted, another Call-ID's is not */
	l = bye(m, sizeof m, cid[0], 0);
	udp(d, A, B, 5060, 5060, m, l);
	CHECK(dst.sip_pin_lost == 1);
	l = bye(m, sizeof m, "never-pinned@example.org", 0);
	udp(d, A, B, 5060, 5060, m, l);
	l = bye(m, sizeof m, cid[1], 0); /* still pinned */
	udp(d, A, B, 5060, 5060, m, l);
	CHECK(dst.sip_pin_lost == 1);
	/* pinned again (its INVITE names the group; the least recently seen pin goes now) */
	l = grp_invite(m, sizeof m, cid[0], 0, 6000);
	udp(d, A, B, 5060, 5060, m, l);
	l = bye(m, sizeof m, cid[0], 0);
	udp(d, A, B, 5060, 5060, m, l);
	cap_disp_info(d, &in);
	CHECK(dst.sip_pin_lost == 1 && in.pins_evicted == 2);
	cap_disp_free(d);
}

/* Notes carry their owner's tag to the units they route; a quiet dispatcher's clock moves on
 * (cap_disp_clock) so that notes applied there are not idle at once; a pinned dialog's media
 * on one dispatcher keeps the other's copy of the pin alive. */
static struct cap_disp *tg_peer;
static uint64_t tg_next = 0x100;
static size_t tg_pins;
static void tg_note(void *ctx, const struct cap_disp_note *n)
{
	struct cap_disp_note t = *n;
	(void)ctx;
	CHECK(n->tag == 0); /* the dispatcher's own */
	t.tag = tg_next++;
	if (n->kind == CAP_DISP_NOTE_PIN)
		tg_pins++;
	CHECK(cap_disp_apply(tg_peer, &t));
}

static void t_disp_tags(void)
{
	char m[2000];
	const uint64_t S = 1000000000ull;
	struct cap_disp *d1 = dnew(5, NULL), *d2 = NULL;
	struct cap_stats st2;
	size_t l, n0;
	unsigned w;
	uint64_t tag_rtp, tag_rtcp;
	memset(&st2, 0, sizeof st2);
	CHECK(cap_disp_new(NULL, 5, &st2, on_unit2, NULL, &d2) == LIM_OK && d2);
	if (!d2)
		return;
	tg_peer = d2;
	cap_disp_set_note_fn(d1, tg_note, NULL);
	/* d2 sees one frame, then nothing for 11 minutes (past the 600 s endpoint idle time) */
	udp(d2, C, N9, 1, 2, rtp, sizeof rtp);
	now += 660 * S;
	cap_disp_clock(d2, now); /* its thread's idle point, on the wall clock */
	tg_next = 0x100;
	l = sip(m, sizeof m, "tag-1@example.org", 0, 1, "192.0.2.1", 4800, false);
	memset(&got, 0, sizeof got);
	udp(d1, A, B, 5060, 5060, m, l);
	CHECK(got.n == 1 && got.u[0].tag == 0); /* its own route: no tag */
	w = got.u[0].worker;
	tag_rtp = 0x100;
	tag_rtcp = 0x101;
	/* media on d2: routed by the notes, each unit with its note's tag */
	udp(d2, B, A, 4900, 4800, rtp, sizeof rtp);
	udp(d2, B, A, 4901, 4801, rtp, sizeof rtp);
	CHECK(got.n == 3 && got.u[1].worker == w && got.u[2].worker == w);
	CHECK(got.u[1].tag == tag_rtp && got.u[2].tag == tag_rtcp);
	CHECK(st2.media_unbound == 1); /* only the very first frame */
	/* d2's own registration (the answer seen there) replaces the route: tag 0 again */
	l = sip(m, sizeof m, "tag-1@example.org", 200, 1, "192.0.2.1", 4800, false);
	udp(d2, B, A, 5060, 5060, m, l);
	n0 = got.n;
	udp(d2, B, A, 4900, 4800, rtp, sizeof rtp);
	CHECK(got.n == n0 + 1 && got.u[n0].tag == 0 && got.u[n0].worker == w);
	/* without the clock: a note applied on a dispatcher whose last frame is 11 minutes old
	 * takes the note's own time (the SIP's), so its route is not idle on arrival */
	{
		struct cap_disp *d3 = NULL;
		struct cap_stats st3;
		memset(&st3, 0, sizeof st3);
		CHECK(cap_disp_new(NULL, 5, &st3, on_unit2, NULL, &d3) == LIM_OK && d3);
		udp(d3, C, N9, 1, 2, rtp, sizeof rtp);
		now += 660 * S;
		tg_peer = d3;
		l = sip(m, sizeof m, "tag-2@example.org", 0, 1, "192.0.2.3", 5800, false);
		udp(d1, C, B, 5060, 5060, m, l);
		n0 = got.n;
		udp(d3, B, C, 4900, 5800, rtp, sizeof rtp);
		CHECK(got.n == n0 + 1 && st3.media_unbound == 1);
		cap_disp_free(d3);
	}
	/* a pinned dialog whose media is on d2 and SIP on d1: d2 refreshes d1's pin hourly */
	{
		unsigned wc = 0, wg;
		char cid[64];
		struct cap_disp *tmp = d1;
		tg_peer = d2;
		wg = pin_other(d1, "hours", 4950, cid, sizeof cid, &wc);
		/* d2's notes go to d1 from now on */
		cap_disp_set_note_fn(d1, NULL, NULL);
		cap_disp_set_note_fn(d2, tg_note, NULL);
		tg_peer = tmp;
		tg_pins = 0;
		for (int i = 0; i < 8 * 60; i++) { /* 8 h of media, a packet a minute, on d2 */
			now += 60 * S;
			udp(d2, C, A, 7000, 4950, rtp, sizeof rtp);
		}
		CHECK(tg_pins >= 7 && tg_pins <= 9);
		memset(&got, 0, sizeof got);
		l = bye(m, sizeof m, cid, 0);
		udp(d1, A, B, 5060, 5060, m, l); /* the BYE, on d1: still the group's worker */
		CHECK(got.n == 1 && got.u[0].worker == wg);
	}
	cap_disp_free(d2);
	cap_disp_free(d1);
}

/* A request (status 0) or response with method meth for Call-ID cid, To tag ttag (NULL: none)
 * and an SDP with one audio line on addr:port. */
static size_t sip_any(char *buf, size_t cap, const char *meth, int status, const char *cid,
		      const char *ttag, const char *addr, int port)
{
	char sdp[400];
	int n;
	snprintf(sdp, sizeof sdp,
		 "v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
		 "m=audio %d RTP/AVP 0\r\n",
		 addr, addr, port);
	if (status)
		n = snprintf(buf, cap, "SIP/2.0 %d OK\r\n", status);
	else
		n = snprintf(buf, cap, "%s sip:b@example.org SIP/2.0\r\n", meth);
	n += snprintf(buf + n, cap - (size_t)n,
		      "Via: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKx\r\n"
		      "From: <sip:x@example.org>;tag=x\r\nTo: <sip:b@example.org>%s%s\r\n"
		      "Call-ID: %s\r\nCSeq: 5 %s\r\nContent-Type: application/sdp\r\n"
		      "Content-Length: %zu\r\n\r\n%s",
		      ttag ? ";tag=" : "", ttag ? ttag : "", cid, meth, strlen(sdp), sdp);
	return (size_t)n;
}

/* Review finding 5: with workers, only the SDP a call table applies (the offer/answer of an
 * INVITE dialog) registers media endpoints. An OPTIONS, MESSAGE or INFO (or their answers)
 * whose SDP names a call's endpoints, on a Call-ID of another worker, must not send that
 * call's media away from the worker that holds it. */
static void t_disp_sdp_methods(void)
{
	static const struct {
		const char *meth;
		int status;
		const char *ttag;
	} bad[] = {
		{ "OPTIONS", 0, NULL },   { "OPTIONS", 200, "o" }, { "MESSAGE", 0, NULL },
		{ "INFO", 0, "t" },       { "UPDATE", 0, NULL },   { "PRACK", 0, NULL },
		{ "SUBSCRIBE", 0, NULL }, { "NOTIFY", 0, "t" },
	};
	char m[2000], cid2[64];
	struct cap_disp *d = dnew(2, NULL);
	size_t l, n0;
	unsigned w1, w2;
	l = sip(m, sizeof m, "target@example.org", 0, 1, "192.0.2.1", 4000, false);
	udp(d, A, B, 5060, 5060, m, l);
	CHECK(got.n == 1);
	w1 = got.u[0].worker;
	other_worker(d, "target@example.org", cid2, sizeof cid2);
	w2 = got.u[got.n - 1].worker;
	CHECK(w2 != w1);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		l = sip_any(m, sizeof m, bad[i].meth, bad[i].status, cid2, bad[i].ttag, "192.0.2.1",
			    4000);
		udp(d, N9, N9, 5060, 5060, m, l);
		CHECK(got.u[got.n - 1].worker == w2); /* the message itself: its Call-ID's */
		n0 = got.n;
		udp(d, B, A, 5000, 4000, rtp, sizeof rtp);
		CHECK(got.n == n0 + 1 && got.u[n0].worker == w1);
		if (got.n != n0 + 1 || got.u[n0].worker != w1)
			fprintf(stderr, "  %s %d moved the media\n", bad[i].meth, bad[i].status);
	}
	/* the offer/answer of an INVITE dialog still moves it: an UPDATE in a dialog, the
	 * answer to a PRACK, a re-INVITE; a stream new to the endpoint goes to the newest, the
	 * stream flowing to it stays where it flows (dispatch.c struct ep) */
	l = sip_any(m, sizeof m, "UPDATE", 0, cid2, "t", "192.0.2.1", 4000);
	udp(d, N9, N9, 5060, 5060, m, l);
	n0 = got.n;
	udp(d, B, A, 5000, 4000, rtp_b, sizeof rtp_b);
	udp(d, B, A, 5000, 4000, rtp, sizeof rtp);
	CHECK(got.n == n0 + 2 && got.u[n0].worker == w2 && got.u[n0 + 1].worker == w1);
	l = sip_any(m, sizeof m, "PRACK", 200, "target@example.org", "t", "192.0.2.1", 4000);
	udp(d, N9, N9, 5060, 5060, m, l);
	n0 = got.n;
	udp(d, B, A, 5000, 4000, rtp, sizeof rtp);
	udp(d, B, A, 5000, 4000, rtp_b, sizeof rtp_b);
	CHECK(got.n == n0 + 2 && got.u[n0].worker == w1 && got.u[n0 + 1].worker == w1);
	l = sip_any(m, sizeof m, "INVITE", 0, cid2, "t", "192.0.2.1", 4000);
	udp(d, N9, N9, 5060, 5060, m, l);
	n0 = got.n;
	udp(d, B, A, 5000, 4000, rtp_b, sizeof rtp_b);
	udp(d, B, A, 5000, 4000, rtp, sizeof rtp);
	CHECK(got.n == n0 + 2 && got.u[n0].worker == w2 && got.u[n0 + 1].worker == w1);
	cap_disp_free(d);
}

/* The endpoint and stream tables' seed (table_seed, random in a replay) changes no routing:
 * the same traffic gives the same units to the same workers whatever it is; hash_seed does
 * change the Call-IDs' workers. */
static void t_disp_table_seed(void)
{
	static const uint32_t seeds[] = { 0, 1, 0xdeadbeefu, 0x12345678u };
	unsigned ref[48], nref = 0;
	bool moved = false;
	for (size_t k = 0; k <= sizeof seeds / sizeof seeds[0]; k++) {
		struct cap_disp_limits l;
		struct cap_disp *d;
		char m[2000], cid[32];
		cap_disp_limits_default(&l);
		l.hash_seed = k < sizeof seeds / sizeof seeds[0] ? 77 : 78;
		l.table_seed = k < sizeof seeds / sizeof seeds[0] ? seeds[k] : 0;
		d = dnew(7, &l);
		for (int i = 0; i < 12; i++) {
			size_t n;
			snprintf(cid, sizeof cid, "seed-%d@example.org", i);
			n = sip(m, sizeof m, cid, 0, 1, "192.0.2.1", 4000 + 2 * i, false);
			udp(d, A, B, 5060, 5060, m, n);
			udp(d, B, A, 7000, (uint16_t)(4000 + 2 * i), rtp, sizeof rtp);
			udp(d, B, A, 7001, (uint16_t)(4001 + 2 * i), rtp, sizeof rtp);
		}
		CHECK(got.n == 36);
		for (size_t i = 0; i < got.n && i < 48; i++) {
			if (k == 0)
				ref[nref++] = got.u[i].worker;
			else if (k < sizeof seeds / sizeof seeds[0])
				CHECK(got.u[i].worker == ref[i]);
			else
				moved = moved || got.u[i].worker != ref[i];
		}
		cap_disp_free(d);
	}
	CHECK(nref == 36 && moved);
}

/* A talking call's stream stays on its worker when a forged SDP (another Call-ID, another
 * worker) names its endpoint, even after packets of other SSRCs sent to the endpoint just
 * before (a review: the last SSRC alone was kept, so one such packet made the target's stream
 * move); a new SSRC goes to the newest registration. */
static void t_disp_keep(void)
{
	static const uint8_t rtp_c[20] = { 0x80, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0x0c };
	char m[2000], cid2[64];
	struct cap_disp *d = dnew(2, NULL);
	size_t l, n0;
	unsigned w1, w2;
	l = sip(m, sizeof m, "talk@example.org", 0, 1, "192.0.2.1", 4000, false);
	udp(d, A, B, 5060, 5060, m, l);
	w1 = got.u[0].worker;
	for (int i = 0; i < 30; i++)
		udp(d, B, A, 5000, 4000, rtp, sizeof rtp); /* the call's stream */
	got.n = 0;
	udp(d, C, A, 9, 4000, rtp_b, sizeof rtp_b); /* strangers' packets just before */
	udp(d, C, A, 9, 4000, rtp_c, sizeof rtp_c);
	udp(d, C, A, 9, 4000, rtp_b, sizeof rtp_b);
	other_worker(d, "talk@example.org", cid2, sizeof cid2);
	w2 = got.u[got.n - 1].worker;
	CHECK(w2 != w1);
	l = sip(m, sizeof m, cid2, 0, 1, "192.0.2.1", 4000, false);
	udp(d, A, B, 5060, 5060, m, l);
	n0 = got.n;
	for (int i = 0; i < 10; i++)
		udp(d, B, A, 5000, 4000, rtp, sizeof rtp);
	CHECK(got.n == n0 + 10);
	for (size_t i = n0; i < got.n; i++)
		CHECK(got.u[i].worker == w1);
	udp(d, C, A, 9, 4000, rtp_c, sizeof rtp_c); /* a stream new since: the newest's */
	udp(d, B, A, 5000, 4000, (const uint8_t[20]){ 0x80, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0x0d },
	    20);
	CHECK(got.u[got.n - 1].worker == w2);
	cap_disp_free(d);
}

const struct lim_suite t_disp_suites[] = {
	{ "disp_keep", t_disp_keep },
	{ "disp_table_seed", t_disp_table_seed },
	{ "disp_sdp_methods", t_disp_sdp_methods },
	{ "disp_route", t_disp_route },
	{ "disp_ice", t_disp_ice },
	{ "disp_tcp", t_disp_tcp },
	{ "disp_hostile", t_disp_hostile },
	{ "disp_caps", t_disp_caps },
	{ "disp_dialog", t_disp_dialog },
	{ "disp_equiv", t_disp_equiv },
	{ "disp_group", t_disp_group },
	{ "disp_notes", t_disp_notes },
	{ "disp_grp_bad_part", t_disp_grp_bad_part },
	{ "disp_pins", t_disp_pins },
	{ "disp_pin_evict", t_disp_pin_evict },
	{ "disp_busy", t_disp_busy },
	{ "disp_tags", t_disp_tags },
	{ NULL, NULL },
};
