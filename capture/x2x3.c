/* X2/X3 PDU codec and stream reassembly (ETSI TS 103 221-2 s5). See x2x3.h. */
#include "capture/x2x3.h"

#include <stdlib.h>
#include <string.h>

#include "common/wr.h"

/* see x2x3.h */
const char *cap_x2x3_rej_name(enum cap_x2x3_rej r)
{
	static const char *const names[CAP_X2X3_R__COUNT] = {
		"ok",        "more",      "trunc",      "version",  "type",
		"hdrlen",    "paylen",    "attr_trunc", "attr_len", "attr_dup",
		"attr_many", "keepalive", "trailing",
	};
	return (unsigned)r < CAP_X2X3_R__COUNT ? names[r] : "unknown";
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* see x2x3.h */
enum cap_x2x3_rej cap_x2x3_check_fixed(const uint8_t *buf, size_t len, size_t max_payload,
				       size_t *total)
{
	uint16_t ver, type;
	uint32_t hl, pl;
	*total = 0;
	if (len < CAP_X2X3_FIXED)
		return CAP_X2X3_R_TRUNC;
	ver = be16(buf);
	type = be16(buf + 2);
	hl = be32(buf + 4);
	pl = be32(buf + 8);
	/* TS 103 221-2 s5.2.1 */
	if (ver < CAP_X2X3_VERSION_MIN || ver > CAP_X2X3_VERSION_MAX)
		return CAP_X2X3_R_VERSION;
	if (type < CAP_X2X3_X2 || type > CAP_X2X3_KEEPALIVE_ACK)
		return CAP_X2X3_R_TYPE;
	if (hl < CAP_X2X3_FIXED || hl > CAP_X2X3_MAX_HEADER)
		return CAP_X2X3_R_HDRLEN;
	if (pl > CAP_X2X3_MAX_PAYLOAD || pl > max_payload)
		return CAP_X2X3_R_PAYLEN;
	if ((type == CAP_X2X3_KEEPALIVE || type == CAP_X2X3_KEEPALIVE_ACK) && pl != 0)
		return CAP_X2X3_R_KEEPALIVE;
	/* both bounded above: no overflow */
	*total = (size_t)hl + (size_t)pl;
	return CAP_X2X3_OK;
}

static bool fixed_len(uint16_t t, size_t *n)
{
	switch (t) {
	case CAP_X2X3_A_SEQ: *n = 4; return true;
	case CAP_X2X3_A_TS: *n = 8; return true;
	case CAP_X2X3_A_SRC4:
	case CAP_X2X3_A_DST4: *n = 4; return true;
	case CAP_X2X3_A_SRC6:
	case CAP_X2X3_A_DST6: *n = 16; return true;
	case CAP_X2X3_A_SPORT:
	case CAP_X2X3_A_DPORT: *n = 2; return true;
	case CAP_X2X3_A_PROTO: *n = 1; return true;
	default: return false;
	}
}

/* One attribute into out; the value v has been carved from the header. */
static enum cap_x2x3_rej attr(struct cap_x2x3_pdu *out, uint16_t t, struct lim_rd v)
{
	size_t want;
	uint32_t bit = t < 32 ? 1u << t : 0;
	if (fixed_len(t, &want) && v.len != want)
		return CAP_X2X3_R_ATTR_LEN;
	if (t == CAP_X2X3_A_MTI || t == CAP_X2X3_A_OTI) {
		size_t *n = t == CAP_X2X3_A_MTI ? &out->n_mti : &out->n_oti;
		struct lim_rd *a = t == CAP_X2X3_A_MTI ? out->mti : out->oti;
		if (v.len == 0)
			return CAP_X2X3_R_ATTR_LEN;
		if (*n < CAP_X2X3_MAX_TARGETS)
			a[*n] = v;
		(*n)++;
		out->present |= bit;
		return CAP_X2X3_OK;
	}
	if (t < CAP_X2X3_A_DID || t > CAP_X2X3_A_OTI)
		return CAP_X2X3_OK; /* opaque (1-4) or unknown: skipped */
	if (out->present & bit)
		return CAP_X2X3_R_ATTR_DUP;
	/* one source and one destination address (IPv4 or IPv6) */
	if (((t == CAP_X2X3_A_SRC4 || t == CAP_X2X3_A_SRC6) && out->src.family) ||
	    ((t == CAP_X2X3_A_DST4 || t == CAP_X2X3_A_DST6) && out->dst.family))
		return CAP_X2X3_R_ATTR_DUP;
	switch (t) {
	case CAP_X2X3_A_DID: out->did = v; break;
	case CAP_X2X3_A_NFID: out->nfid = v; break;
	case CAP_X2X3_A_IPID: out->ipid = v; break;
	case CAP_X2X3_A_SEQ: out->seq = be32(v.p); break;
	case CAP_X2X3_A_TS:
		out->ts_sec = be32(v.p);
		out->ts_nsec = be32(v.p + 4);
		/* TS 103 221-2 s5.3.9: seconds, then nanoseconds */
		if (out->ts_nsec >= 1000000000u)
			return CAP_X2X3_R_ATTR_LEN;
		break;
	case CAP_X2X3_A_SRC4:
	case CAP_X2X3_A_DST4: {
		struct cap_addr *a = t == CAP_X2X3_A_SRC4 ? &out->src : &out->dst;
		a->family = 4;
		memcpy(a->a, v.p, 4);
		break;
	}
	case CAP_X2X3_A_SRC6:
	case CAP_X2X3_A_DST6: {
		struct cap_addr *a = t == CAP_X2X3_A_SRC6 ? &out->src : &out->dst;
		a->family = 6;
		memcpy(a->a, v.p, 16);
		break;
	}
	case CAP_X2X3_A_SPORT: out->sport = be16(v.p); break;
	case CAP_X2X3_A_DPORT: out->dport = be16(v.p); break;
	case CAP_X2X3_A_PROTO: out->proto = v.p[0]; break;
	default: break;
	}
	out->present |= bit;
	return CAP_X2X3_OK;
}

static enum cap_x2x3_rej decode(const uint8_t *buf, size_t len, struct cap_x2x3_pdu *out)
{
	struct lim_rd r = lim_rd_make(buf, len), hdr, attrs;
	size_t total;
	enum cap_x2x3_rej rej;
	memset(out, 0, sizeof *out);
	rej = cap_x2x3_check_fixed(buf, len, CAP_X2X3_MAX_PAYLOAD, &total);
	if (rej != CAP_X2X3_OK)
		return rej;
	/* the header first (its attributes are checked before the payload length) */
	(void)lim_rd_u16be(&r, &out->version);
	(void)lim_rd_u16be(&r, &out->type);
	(void)lim_rd_u32be(&r, &out->hdr_len);
	(void)lim_rd_u32be(&r, &out->payload_len);
	(void)lim_rd_u16be(&r, &out->format);
	(void)lim_rd_u16be(&r, &out->direction);
	(void)lim_rd_bytes(&r, out->xid, 16);
	(void)lim_rd_bytes(&r, out->corr, 8);
	r = lim_rd_make(buf, len);
	if (!lim_rd_sub(&r, out->hdr_len, &hdr))
		return CAP_X2X3_R_TRUNC;
	attrs = hdr;
	(void)lim_rd_skip(&attrs, CAP_X2X3_FIXED);
	while (!lim_rd_empty(&attrs)) {
		uint16_t t, l;
		struct lim_rd v;
		if (!lim_rd_u16be(&attrs, &t) || !lim_rd_u16be(&attrs, &l) ||
		    !lim_rd_sub(&attrs, l, &v))
			return CAP_X2X3_R_ATTR_TRUNC;
		if (++out->n_attr > CAP_X2X3_MAX_ATTRS)
			return CAP_X2X3_R_ATTR_MANY;
		rej = attr(out, t, v);
		if (rej != CAP_X2X3_OK)
			return rej;
	}
	if (!lim_rd_sub(&r, out->payload_len, &out->payload))
		return CAP_X2X3_R_TRUNC;
	if (!lim_rd_empty(&r))
		return CAP_X2X3_R_TRAILING;
	return CAP_X2X3_OK;
}

/* see x2x3.h */
enum cap_x2x3_rej cap_x2x3_decode(const uint8_t *buf, size_t len, struct cap_x2x3_pdu *out)
{
	enum cap_x2x3_rej rej = decode(buf, len, out);
	if (rej != CAP_X2X3_OK)
		memset(out, 0, sizeof *out); /* nothing half-decoded is handed on */
	return rej;
}

static void put_attr(struct lim_wr *w, uint16_t t, const void *v, size_t n)
{
	lim_wr_u16be(w, t);
	lim_wr_u16be(w, (uint16_t)n);
	lim_wr_bytes(w, v, n);
}

/* see x2x3.h */
enum lim_err cap_x2x3_encode(const struct cap_x2x3_pdu *in, uint8_t *buf, size_t cap, size_t *len)
{
	struct lim_wr w;
	uint8_t *hl;
	size_t hdr;
	*len = 0;
	if (in->payload.len > CAP_X2X3_MAX_PAYLOAD || in->did.len > 0xffff ||
	    in->nfid.len > 0xffff || in->ipid.len > 0xffff)
		return LIM_E_LIMIT;
	if (((in->present & (1u << CAP_X2X3_A_SRC4)) && in->src.family != 4) ||
	    ((in->present & (1u << CAP_X2X3_A_DST4)) && in->dst.family != 4) ||
	    ((in->present & (1u << CAP_X2X3_A_SRC6)) && in->src.family != 6) ||
	    ((in->present & (1u << CAP_X2X3_A_DST6)) && in->dst.family != 6) ||
	    in->n_mti > CAP_X2X3_MAX_TARGETS || in->n_oti > CAP_X2X3_MAX_TARGETS)
		return LIM_E_ARG;
	lim_wr_init(&w, buf, cap);
	lim_wr_u16be(&w, in->version);
	lim_wr_u16be(&w, in->type);
	hl = lim_wr_reserve(&w, 4);
	lim_wr_u32be(&w, (uint32_t)in->payload.len);
	lim_wr_u16be(&w, in->format);
	lim_wr_u16be(&w, in->direction);
	lim_wr_bytes(&w, in->xid, 16);
	lim_wr_bytes(&w, in->corr, 8);
	for (uint16_t t = CAP_X2X3_A_DID; t <= CAP_X2X3_A_OTI; t++) {
		uint8_t v[16];
		if (!(in->present & (1u << t)))
			continue;
		switch (t) {
		case CAP_X2X3_A_DID: put_attr(&w, t, in->did.p, in->did.len); break;
		case CAP_X2X3_A_NFID: put_attr(&w, t, in->nfid.p, in->nfid.len); break;
		case CAP_X2X3_A_IPID: put_attr(&w, t, in->ipid.p, in->ipid.len); break;
		case CAP_X2X3_A_SEQ:
			v[0] = (uint8_t)(in->seq >> 24), v[1] = (uint8_t)(in->seq >> 16);
			v[2] = (uint8_t)(in->seq >> 8), v[3] = (uint8_t)in->seq;
			put_attr(&w, t, v, 4);
			break;
		case CAP_X2X3_A_TS:
			for (int i = 0; i < 4; i++) {
				v[i] = (uint8_t)(in->ts_sec >> (24 - 8 * i));
				v[4 + i] = (uint8_t)(in->ts_nsec >> (24 - 8 * i));
			}
			put_attr(&w, t, v, 8);
			break;
		case CAP_X2X3_A_SRC4: put_attr(&w, t, in->src.a, 4); break;
		case CAP_X2X3_A_DST4: put_attr(&w, t, in->dst.a, 4); break;
		case CAP_X2X3_A_SRC6: put_attr(&w, t, in->src.a, 16); break;
		case CAP_X2X3_A_DST6: put_attr(&w, t, in->dst.a, 16); break;
		case CAP_X2X3_A_SPORT:
		case CAP_X2X3_A_DPORT: {
			uint16_t p = t == CAP_X2X3_A_SPORT ? in->sport : in->dport;
			v[0] = (uint8_t)(p >> 8), v[1] = (uint8_t)p;
			put_attr(&w, t, v, 2);
			break;
		}
		case CAP_X2X3_A_PROTO: put_attr(&w, t, &in->proto, 1); break;
		case CAP_X2X3_A_MTI:
		case CAP_X2X3_A_OTI: {
			const struct lim_rd *a = t == CAP_X2X3_A_MTI ? in->mti : in->oti;
			size_t n = t == CAP_X2X3_A_MTI ? in->n_mti : in->n_oti;
			for (size_t i = 0; i < n; i++) {
				if (a[i].len > 0xffff)
					return LIM_E_LIMIT;
				put_attr(&w, t, a[i].p, a[i].len);
			}
			break;
		}
		default: break;
		}
	}
	hdr = w.len;
	if (!lim_wr_ok(&w) || hdr > CAP_X2X3_MAX_HEADER)
		return LIM_E_LIMIT;
	hl[0] = (uint8_t)(hdr >> 24), hl[1] = (uint8_t)(hdr >> 16);
	hl[2] = (uint8_t)(hdr >> 8), hl[3] = (uint8_t)hdr;
	lim_wr_bytes(&w, in->payload.p, in->payload.len);
	if (!lim_wr_ok(&w))
		return LIM_E_LIMIT;
	*len = w.len;
	return LIM_OK;
}

/* ---------------------------------------------------------------- stream */

struct cap_x2x3_stream {
	uint8_t *buf;
	size_t cap;
	size_t start, end; /* unread octets: buf[start..end) */
	size_t last;       /* octets of the PDU handed out by the last next(), dropped first */
	enum cap_x2x3_rej err;
};

/* see x2x3.h */
enum lim_err cap_x2x3_stream_new(size_t max_pdu, struct cap_x2x3_stream **out)
{
	struct cap_x2x3_stream *s;
	*out = NULL;
	if (max_pdu <= CAP_X2X3_FIXED || max_pdu > CAP_X2X3_MAX_HEADER + CAP_X2X3_MAX_PAYLOAD)
		return LIM_E_ARG;
	s = calloc(1, sizeof *s);
	if (!s)
		return LIM_E_NOMEM;
	s->buf = malloc(max_pdu);
	if (!s->buf) {
		free(s);
		return LIM_E_NOMEM;
	}
	s->cap = max_pdu;
	*out = s;
	return LIM_OK;
}

/* see x2x3.h */
void cap_x2x3_stream_free(struct cap_x2x3_stream *s)
{
	if (!s)
		return;
	free(s->buf);
	free(s);
}

static void drop_last(struct cap_x2x3_stream *s)
{
	s->start += s->last;
	s->last = 0;
	if (s->start == s->end) {
		s->start = s->end = 0;
	} else if (s->start > 0 && s->cap - s->end < s->cap / 2) {
		memmove(s->buf, s->buf + s->start, s->end - s->start);
		s->end -= s->start;
		s->start = 0;
	}
}

/* see x2x3.h */
void cap_x2x3_stream_space(struct cap_x2x3_stream *s, uint8_t **p, size_t *room)
{
	drop_last(s);
	if (s->start > 0 && s->end == s->cap) {
		memmove(s->buf, s->buf + s->start, s->end - s->start);
		s->end -= s->start;
		s->start = 0;
	}
	*p = s->buf + s->end;
	*room = s->err != CAP_X2X3_OK ? 0 : s->cap - s->end;
}

/* see x2x3.h */
void cap_x2x3_stream_commit(struct cap_x2x3_stream *s, size_t n)
{
	if (n > s->cap - s->end)
		n = s->cap - s->end; /* caller bug: clamp */
	s->end += n;
}

/* see x2x3.h */
size_t cap_x2x3_stream_write(struct cap_x2x3_stream *s, const uint8_t *data, size_t len)
{
	uint8_t *p;
	size_t room;
	cap_x2x3_stream_space(s, &p, &room);
	if (len > room)
		len = room;
	if (len)
		memcpy(p, data, len);
	cap_x2x3_stream_commit(s, len);
	return len;
}

/* see x2x3.h */
enum cap_x2x3_rej cap_x2x3_stream_next(struct cap_x2x3_stream *s, struct cap_x2x3_pdu *out)
{
	size_t have, total;
	enum cap_x2x3_rej rej;
	memset(out, 0, sizeof *out);
	if (s->err != CAP_X2X3_OK)
		return s->err;
	drop_last(s);
	have = s->end - s->start;
	if (have < CAP_X2X3_FIXED)
		return CAP_X2X3_MORE;
	rej = cap_x2x3_check_fixed(s->buf + s->start, have, s->cap, &total);
	if (rej == CAP_X2X3_OK && total > s->cap)
		rej = CAP_X2X3_R_PAYLEN; /* could never be buffered */
	if (rej != CAP_X2X3_OK)
		return s->err = rej;
	if (have < total)
		return CAP_X2X3_MORE;
	rej = cap_x2x3_decode(s->buf + s->start, total, out);
	if (rej != CAP_X2X3_OK) {
		memset(out, 0, sizeof *out);
		return s->err = rej;
	}
	s->last = total;
	return CAP_X2X3_OK;
}

/* see x2x3.h */
size_t cap_x2x3_stream_held(const struct cap_x2x3_stream *s)
{
	return s->end - s->start - s->last;
}
