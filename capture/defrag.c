/* IPv4/IPv6 fragment reassembly (see capture.h). A fixed table of max_inflight datagrams, each
 * with a buffer grown up to max_datagram octets and a list of received ranges; every
 * allocation is checked against max_total first. Lookup is linear (the table is small). */
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "capture/internal.h"

struct piece {
	uint32_t off, len;
};

struct dg {
	bool used;
	bool have_first; /* the offset-0 fragment arrived: hdr holds its fields */
	bool have_last;
	bool ip_hdr_bad; /* some fragment's IPv4 header checksum was wrong */
	bool ext_bad;    /* some fragment's IPv6 headers were ones its receiver discards */
	uint8_t ver, proto;
	struct cap_addr src, dst;
	uint32_t id;
	uint64_t first_ns;
	uint8_t *buf;
	size_t cap;
	uint32_t total; /* end of the last fragment (valid with have_last) */
	uint32_t got;   /* octets received (pieces never overlap) */
	size_t n_pieces;
	struct piece pieces[CAP_FRAG_MAX_PIECES];
	struct cap_pkt hdr;
};

struct cap_defrag {
	struct cap_defrag_limits lim;
	struct dg *tab;
	size_t inflight;
	size_t bytes;
	uint64_t evicted; /* incomplete datagrams dropped for room (cap_defrag_evicted) */
	uint8_t *done;    /* the last reassembled datagram handed out (freed at the next call) */
};

/* see capture.h */
void cap_defrag_limits_default(struct cap_defrag_limits *l)
{
	l->max_datagram = 65535;
	l->max_inflight = 256;
	l->max_total = 4u << 20;
	l->timeout_ns = 30ull * 1000000000ull;
}

/* see capture.h */
enum lim_err cap_defrag_new(const struct cap_defrag_limits *l, struct cap_defrag **out)
{
	struct cap_defrag *d;
	struct cap_defrag_limits def;
	*out = NULL;
	if (!l) {
		cap_defrag_limits_default(&def);
		l = &def;
	}
	if (l->max_datagram == 0 || l->max_datagram > 65535 || l->max_inflight == 0 ||
	    l->max_inflight > 65536 || l->max_total == 0 || l->timeout_ns == 0)
		return LIM_E_ARG;
	d = calloc(1, sizeof *d);
	if (!d)
		return LIM_E_NOMEM;
	d->lim = *l;
	d->tab = calloc(l->max_inflight, sizeof *d->tab);
	if (!d->tab) {
		free(d);
		return LIM_E_NOMEM;
	}
	*out = d;
	return LIM_OK;
}

static void dg_drop(struct cap_defrag *d, struct dg *g)
{
	free(g->buf);
	d->bytes -= g->cap;
	d->inflight--;
	memset(g, 0, sizeof *g);
}

/* see capture.h */
void cap_defrag_free(struct cap_defrag *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->lim.max_inflight; i++)
		free(d->tab[i].buf);
	free(d->tab);
	free(d->done);
	free(d);
}

/* see capture.h */
size_t cap_defrag_expire(struct cap_defrag *d, uint64_t now_ns)
{
	size_t n = 0;
	for (size_t i = 0; i < d->lim.max_inflight && d->inflight; i++) {
		struct dg *g = &d->tab[i];
		if (g->used && now_ns > g->first_ns && now_ns - g->first_ns > d->lim.timeout_ns) {
			dg_drop(d, g);
			n++;
		}
	}
	return n;
}

/* see capture.h */
size_t cap_defrag_inflight(const struct cap_defrag *d)
{
	return d->inflight;
}

/* see capture.h */
size_t cap_defrag_bytes(const struct cap_defrag *d)
{
	return d->bytes;
}

/* see capture.h */
uint64_t cap_defrag_evicted(const struct cap_defrag *d)
{
	return d->evicted;
}

/* Drops the incomplete datagram that started first, other than keep, for room: a flood of
 * stray fragments (a few octets each, at offsets that make large buffers) would otherwise hold
 * the table and max_total for the whole timeout, and every new datagram - a target's
 * fragmented INVITE carrying its I_MESSAGE among them - would be refused meanwhile. With
 * eviction, a flood has to outpace a datagram's own fragments (milliseconds apart) to cost
 * it. false when there is none to drop. */
static bool evict_oldest(struct cap_defrag *d, const struct dg *keep)
{
	struct dg *o = NULL;
	for (size_t i = 0; i < d->lim.max_inflight; i++) {
		struct dg *g = &d->tab[i];
		if (g->used && g != keep && (!o || g->first_ns < o->first_ns))
			o = g;
	}
	if (!o)
		return false;
	dg_drop(d, o);
	d->evicted++;
	return true;
}

static bool same_key(const struct dg *g, const struct cap_pkt *f)
{
	return g->used && g->ver == f->ip_ver && g->id == f->frag_id &&
	       (f->ip_ver == 6 || g->proto == f->proto) &&
	       memcmp(g->src.a, f->src.a, sizeof g->src.a) == 0 &&
	       memcmp(g->dst.a, f->dst.a, sizeof g->dst.a) == 0;
}

/* see capture.h */
enum cap_drop cap_defrag_add(struct cap_defrag *d, const struct cap_pkt *f, uint64_t now_ns,
			     struct cap_pkt *out)
{
	struct dg *g = NULL, *freeslot = NULL;
	uint32_t off = f->frag_off, len, end;

	free(d->done);
	d->done = NULL;
	(void)cap_defrag_expire(d, now_ns);
	if (!f->is_frag || (f->ip_ver != 4 && f->ip_ver != 6))
		return CAP_DROP_FRAG_BAD;
	if (f->ip_payload.len == 0 || f->ip_payload.len > 65535 ||
	    (f->frag_more && f->ip_payload.len % 8 != 0))
		return CAP_DROP_FRAG_BAD;
	len = (uint32_t)f->ip_payload.len;
	end = off + len; /* off <= 65528 and len <= 65535: no overflow */

	for (size_t i = 0; i < d->lim.max_inflight; i++) {
		if (same_key(&d->tab[i], f)) {
			g = &d->tab[i];
			break;
		}
		if (!d->tab[i].used && !freeslot)
			freeslot = &d->tab[i];
	}
	/* an IPv4 datagram's total length (16 bits) counts its header of at least 20 octets;
	 * IPv6's payload length does not count the fixed header (RFC 791 s3.1, RFC 8200 s3) */
	if (end > d->lim.max_datagram || (f->ip_ver == 4 && end > 65535u - 20u)) {
		if (g)
			dg_drop(d, g);
		return CAP_DROP_FRAG_TOOBIG;
	}
	if (!g) {
		if (!freeslot) {
			if (!evict_oldest(d, NULL))
				return CAP_DROP_FRAG_TABLE;
			for (size_t i = 0; i < d->lim.max_inflight && !freeslot; i++)
				if (!d->tab[i].used)
					freeslot = &d->tab[i];
		}
		g = freeslot;
		memset(g, 0, sizeof *g);
		g->used = true;
		g->ver = f->ip_ver;
		g->proto = f->proto;
		g->src = f->src;
		g->dst = f->dst;
		g->id = f->frag_id;
		g->first_ns = now_ns;
		d->inflight++;
	}
	/* overlap: exact duplicates are ignored, anything else drops the datagram */
	for (size_t i = 0; i < g->n_pieces; i++) {
		const struct piece *p = &g->pieces[i];
		if (off < p->off + p->len && p->off < end) {
			if (p->off == off && p->len == len &&
			    memcmp(g->buf + off, f->ip_payload.p, len) == 0)
				return CAP_PENDING;
			dg_drop(d, g);
			return CAP_DROP_FRAG_OVERLAP;
		}
	}
	/* the last fragment fixes the length; nothing may end past it */
	if (!f->frag_more) {
		if ((g->have_last && g->total != end)) {
			dg_drop(d, g);
			return CAP_DROP_FRAG_BAD;
		}
		g->have_last = true;
		g->total = end;
	}
	if (g->have_last) {
		bool past = end > g->total;
		for (size_t i = 0; i < g->n_pieces; i++)
			if (g->pieces[i].off + g->pieces[i].len > g->total)
				past = true;
		if (past) {
			dg_drop(d, g);
			return CAP_DROP_FRAG_BAD;
		}
	}
	if (g->n_pieces >= CAP_FRAG_MAX_PIECES) {
		dg_drop(d, g);
		return CAP_DROP_FRAG_PIECES;
	}
	if (end > g->cap) {
		/* grow in 2 KiB steps, never past max_datagram, never past max_total overall */
		size_t ncap = ((size_t)end + 2047) & ~(size_t)2047;
		uint8_t *nb;
		if (ncap > d->lim.max_datagram)
			ncap = d->lim.max_datagram;
		while (ncap - g->cap > d->lim.max_total - d->bytes && evict_oldest(d, g))
			;
		if (ncap - g->cap > d->lim.max_total - d->bytes) {
			if (g->n_pieces == 0)
				dg_drop(d, g);
			return CAP_DROP_FRAG_MEM;
		}
		nb = realloc(g->buf, ncap);
		if (!nb) {
			dg_drop(d, g);
			return CAP_DROP_FRAG_NOMEM;
		}
		d->bytes += ncap - g->cap;
		g->buf = nb;
		g->cap = ncap;
	}
	memcpy(g->buf + off, f->ip_payload.p, len);
	g->pieces[g->n_pieces].off = off;
	g->pieces[g->n_pieces].len = len;
	g->n_pieces++;
	g->got += len;
	g->ip_hdr_bad = g->ip_hdr_bad || f->ip_hdr_bad;
	/* a receiver processes the headers before the Fragment header in every fragment (RFC
	 * 8200 s4.5): one it discards never completes the datagram; their addresses are taken
	 * from the first fragment alone */
	g->ext_bad = g->ext_bad || f->ext_bad;
	if (off == 0) {
		g->have_first = true;
		g->hdr = *f;
		g->proto = f->proto;
	}
	if (!g->have_last || g->got != g->total)
		return CAP_PENDING;

	/* complete: pieces do not overlap, all lie below total and sum to total */
	*out = g->hdr;
	out->is_frag = false;
	out->frag_more = false;
	out->ip_hdr_bad = g->ip_hdr_bad;
	out->ext_bad = g->ext_bad;
	out->frag_off = 0;
	out->reassembled = true;
	out->sport = out->dport = 0;
	out->payload = lim_rd_make(NULL, 0);
	d->done = g->buf;
	d->bytes -= g->cap;
	g->buf = NULL;
	g->cap = 0;
	out->ip_payload = lim_rd_make(d->done, g->total);
	dg_drop(d, g);
	if (out->ip_ver == 6) {
		/* extension headers after the fragment header belong to the fragmentable part */
		struct lim_rd r = out->ip_payload;
		enum cap_drop e = cap_ip6_walk(out->proto, &r, false, out);
		if (e == CAP_PENDING) {
			out->is_frag = false;
			return CAP_DROP_IP6_EXT; /* a fragment header inside a fragment */
		}
		if (e != CAP_OK)
			return e;
		out->ip_payload = r;
	}
	return CAP_OK;
}
