/* BER/DER encoder and bounded decoder (X.690). See ber.h. */
#include "handover/ber.h"

#include <string.h>
#include <time.h>

static void fail(struct ho_ber_enc *e, enum lim_err err)
{
	if (e->err == LIM_OK)
		e->err = err;
}

/* see ber.h */
void ho_ber_enc_init(struct ho_ber_enc *e, void *buf, size_t cap)
{
	e->buf = (uint8_t *)buf;
	e->cap = buf ? cap : 0;
	e->len = 0;
	e->err = LIM_OK;
}

/* see ber.h */
size_t ho_ber_mark(const struct ho_ber_enc *e)
{
	return e->len;
}

/* see ber.h */
void ho_ber_raw(struct ho_ber_enc *e, const void *p, size_t n)
{
	if (e->err != LIM_OK)
		return;
	if (n > e->cap - e->len) {
		fail(e, LIM_E_LIMIT);
		return;
	}
	if (n)
		memcpy(e->buf + (e->cap - e->len - n), p, n);
	e->len += n;
}

/* X.690 8.1.3: short form below 128, else 0x80|k and k big-endian octets, minimal. */
static void put_len(struct ho_ber_enc *e, size_t n)
{
	uint8_t b[1 + sizeof(size_t)];
	size_t k = 0;
	if (n < 128) {
		b[0] = (uint8_t)n;
		ho_ber_raw(e, b, 1);
		return;
	}
	for (size_t v = n; v; v >>= 8)
		k++;
	b[0] = (uint8_t)(0x80u | k);
	for (size_t i = 0; i < k; i++)
		b[k - i] = (uint8_t)(n >> (8 * i));
	ho_ber_raw(e, b, k + 1);
}

/* X.690 8.1.2: low tag number form below 31, else 0x1f and base-128 octets. */
static void put_tag(struct ho_ber_enc *e, struct ho_ber_tag t)
{
	uint8_t b[6];
	size_t k = 0;
	uint8_t first = (uint8_t)((t.cls & 0xc0u) | (t.cons ? 0x20u : 0u));
	if (t.cls & ~0xc0u) {
		fail(e, LIM_E_ARG);
		return;
	}
	if (t.num < 31) {
		b[0] = (uint8_t)(first | t.num);
		ho_ber_raw(e, b, 1);
		return;
	}
	for (uint32_t v = t.num; v; v >>= 7)
		k++;
	b[0] = (uint8_t)(first | 0x1fu);
	for (size_t i = 0; i < k; i++)
		b[k - i] = (uint8_t)(((t.num >> (7 * i)) & 0x7fu) | (i ? 0x80u : 0u));
	ho_ber_raw(e, b, k + 1);
}

/* see ber.h */
void ho_ber_header(struct ho_ber_enc *e, struct ho_ber_tag t, size_t n)
{
	put_len(e, n);
	put_tag(e, t);
}

/* see ber.h */
void ho_ber_wrap(struct ho_ber_enc *e, size_t mark, struct ho_ber_tag t)
{
	if (e->err != LIM_OK)
		return;
	if (mark > e->len) {
		fail(e, LIM_E_ARG);
		return;
	}
	ho_ber_header(e, t, e->len - mark);
}

static void prim(struct ho_ber_enc *e, struct ho_ber_tag t, const void *p, size_t n)
{
	if (t.cons) {
		fail(e, LIM_E_ARG);
		return;
	}
	ho_ber_raw(e, p, n);
	ho_ber_header(e, t, n);
}

/* Minimal two's complement of the 9-octet big-endian value b (X.690 8.3.2). */
static void put_twos(struct ho_ber_enc *e, struct ho_ber_tag t, const uint8_t b[9])
{
	size_t s = 0;
	/* drop a leading octet while it and the next octet's top bit are all 0s or all 1s */
	while (s < 8 &&
	       ((b[s] == 0x00 && !(b[s + 1] & 0x80)) || (b[s] == 0xff && (b[s + 1] & 0x80))))
		s++;
	prim(e, t, b + s, 9 - s);
}

/* see ber.h */
void ho_ber_int(struct ho_ber_enc *e, struct ho_ber_tag t, int64_t v)
{
	uint8_t b[9];
	uint64_t u = (uint64_t)v;
	b[0] = v < 0 ? 0xff : 0x00;
	for (size_t i = 0; i < 8; i++)
		b[8 - i] = (uint8_t)(u >> (8 * i));
	put_twos(e, t, b);
}

/* see ber.h */
void ho_ber_uint(struct ho_ber_enc *e, struct ho_ber_tag t, uint64_t v)
{
	uint8_t b[9];
	b[0] = 0;
	for (size_t i = 0; i < 8; i++)
		b[8 - i] = (uint8_t)(v >> (8 * i));
	put_twos(e, t, b);
}

/* see ber.h */
void ho_ber_bool(struct ho_ber_enc *e, struct ho_ber_tag t, bool v)
{
	uint8_t b = v ? 0xff : 0x00;
	prim(e, t, &b, 1);
}

/* see ber.h */
void ho_ber_null(struct ho_ber_enc *e, struct ho_ber_tag t)
{
	prim(e, t, NULL, 0);
}

/* see ber.h */
void ho_ber_octets(struct ho_ber_enc *e, struct ho_ber_tag t, const void *p, size_t n)
{
	if (n && !p) {
		fail(e, LIM_E_ARG);
		return;
	}
	prim(e, t, p, n);
}

/* see ber.h */
void ho_ber_ia5(struct ho_ber_enc *e, struct ho_ber_tag t, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)s[i] > 0x7f) {
			fail(e, LIM_E_ARG);
			return;
		}
	}
	ho_ber_octets(e, t, s, n);
}

/* Prepends one base-128 sub-identifier (X.690 8.19.2). */
static void put_subid(struct ho_ber_enc *e, uint64_t v)
{
	uint8_t b[10];
	size_t k = 0;
	do {
		b[sizeof b - 1 - k] = (uint8_t)((v & 0x7fu) | (k ? 0x80u : 0u));
		v >>= 7;
		k++;
	} while (v);
	ho_ber_raw(e, b + sizeof b - k, k);
}

/* see ber.h */
void ho_ber_oid(struct ho_ber_enc *e, struct ho_ber_tag t, const uint32_t *arcs, size_t n)
{
	size_t mark = ho_ber_mark(e);
	if (n < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] >= 40) || t.cons) {
		fail(e, LIM_E_ARG);
		return;
	}
	for (size_t i = n; i-- > 2;)
		put_subid(e, arcs[i]);
	put_subid(e, (uint64_t)arcs[0] * 40u + arcs[1]);
	ho_ber_wrap(e, mark, t);
}

/* see ber.h */
void ho_ber_reloid(struct ho_ber_enc *e, struct ho_ber_tag t, const uint32_t *arcs, size_t n)
{
	size_t mark = ho_ber_mark(e);
	if (n < 1 || t.cons) {
		fail(e, LIM_E_ARG);
		return;
	}
	for (size_t i = n; i-- > 0;)
		put_subid(e, arcs[i]);
	ho_ber_wrap(e, mark, t);
}

static void digits(char *out, unsigned v, size_t n)
{
	for (size_t i = n; i-- > 0;) {
		out[i] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* see ber.h */
void ho_ber_gentime(struct ho_ber_enc *e, struct ho_ber_tag t, int64_t secs, uint32_t usec)
{
	char s[32];
	size_t n = 14;
	struct tm tm;
	time_t tt = (time_t)secs;
	if (usec >= 1000000u || (int64_t)tt != secs || !gmtime_r(&tt, &tm) || tm.tm_year < -1900 ||
	    tm.tm_year > 9999 - 1900) {
		fail(e, LIM_E_ARG);
		return;
	}
	digits(s, (unsigned)(tm.tm_year + 1900), 4);
	digits(s + 4, (unsigned)(tm.tm_mon + 1), 2);
	digits(s + 6, (unsigned)tm.tm_mday, 2);
	digits(s + 8, (unsigned)tm.tm_hour, 2);
	digits(s + 10, (unsigned)tm.tm_min, 2);
	digits(s + 12, (unsigned)tm.tm_sec, 2);
	if (usec) {
		s[n++] = '.';
		digits(s + n, usec, 6);
		n += 6;
		while (s[n - 1] == '0') /* X.690 11.7.3: no trailing zeros */
			n--;
	}
	s[n++] = 'Z';
	prim(e, t, s, n);
}

/* see ber.h */
enum lim_err ho_ber_enc_finish(struct ho_ber_enc *e, size_t *len)
{
	*len = 0;
	if (e->err != LIM_OK)
		return e->err;
	if (e->len)
		memmove(e->buf, e->buf + (e->cap - e->len), e->len);
	*len = e->len;
	return LIM_OK;
}

/* ---- decoder ---- */

/* The identifier octets (X.690 8.1.2), as DER and BER alike require them. */
static enum lim_err read_tag(struct lim_rd *r, struct ho_ber_tag *tag)
{
	uint8_t b;
	if (!lim_rd_u8(r, &b))
		return LIM_E_TRUNC;
	tag->cls = (uint8_t)(b & 0xc0u);
	tag->cons = (b & 0x20u) != 0;
	tag->num = b & 0x1fu;
	if (tag->num == 0x1f) {
		uint32_t num = 0;
		size_t i = 0;
		do {
			if (!lim_rd_u8(r, &b))
				return LIM_E_TRUNC;
			if (i == 0 && b == 0x80) /* X.690 8.1.2.4.2 c */
				return LIM_E_PARSE;
			if (++i > 4) /* HO_BER_TAG_MAX */
				return LIM_E_PARSE;
			num = (num << 7) | (b & 0x7fu);
		} while (b & 0x80);
		if (num < 31) /* must have used the low tag number form */
			return LIM_E_PARSE;
		tag->num = num;
	}
	return LIM_OK;
}

/* The length octets (X.690 8.1.3). der: minimal definite lengths only. Else BER: long forms
 * with leading zero octets or for a short length, and the indefinite form (*indef; *n = 0).
 * A length above max: LIM_E_LIMIT. */
static enum lim_err read_len(struct lim_rd *r, bool der, size_t max, bool *indef, size_t *n)
{
	uint8_t b, k;
	*n = 0;
	*indef = false;
	if (!lim_rd_u8(r, &b))
		return LIM_E_TRUNC;
	if (b < 0x80) {
		*n = b;
	} else {
		k = b & 0x7fu;
		if (k == 0) { /* indefinite form */
			if (der)
				return LIM_E_PARSE;
			*indef = true;
			return LIM_OK;
		}
		if ((der && k > 4) || k == 0x7f) /* 0xff is reserved (X.690 8.1.3.5 c) */
			return LIM_E_PARSE;
		for (uint8_t i = 0; i < k; i++) {
			if (!lim_rd_u8(r, &b))
				return LIM_E_TRUNC;
			if (der && i == 0 && b == 0) /* non-minimal: leading zero octet */
				return LIM_E_PARSE;
			if (*n > (SIZE_MAX >> 8))
				return LIM_E_LIMIT;
			*n = (*n << 8) | b;
		}
		if (der && *n < 128) /* non-minimal: long form for a short length */
			return LIM_E_PARSE;
	}
	return *n > max ? LIM_E_LIMIT : LIM_OK;
}

static enum lim_err read_hdr(struct lim_rd *r, size_t max, struct ho_ber_tlv *out)
{
	bool indef;
	enum lim_err err = read_tag(r, &out->tag);
	if (err == LIM_OK)
		err = read_len(r, true, max, &indef, &out->val.len);
	return err;
}

/* see ber.h */
enum lim_err ho_ber_read(struct lim_rd *r, size_t max_len, struct ho_ber_tlv *out)
{
	struct lim_rd save = *r;
	size_t start = r->len;
	enum lim_err err;
	memset(out, 0, sizeof *out);
	err = read_hdr(r, max_len, out);
	if (err == LIM_OK) {
		size_t n = out->val.len;
		out->hdr_len = start - r->len;
		if (!lim_rd_sub(r, n, &out->val))
			err = LIM_E_TRUNC;
	}
	if (err != LIM_OK) {
		*r = save;
		memset(out, 0, sizeof *out);
	}
	return err;
}

static enum lim_err walk(struct lim_rd r, unsigned depth, const struct ho_ber_limits *lim,
			 ho_ber_walk_fn fn, void *ctx)
{
	while (!lim_rd_empty(&r)) {
		struct ho_ber_tlv t;
		enum lim_err err = ho_ber_read(&r, lim->max_len, &t);
		if (err != LIM_OK)
			return err;
		if (fn)
			fn(ctx, depth, &t);
		if (t.tag.cons && !lim_rd_empty(&t.val)) {
			if (depth >= lim->max_depth || depth >= HO_BER_DEPTH_HARD)
				return LIM_E_LIMIT;
			err = walk(t.val, depth + 1, lim, fn, ctx);
			if (err != LIM_OK)
				return err;
		}
	}
	return LIM_OK;
}

/* see ber.h */
enum lim_err ho_ber_walk(const uint8_t *p, size_t n, const struct ho_ber_limits *lim,
			 ho_ber_walk_fn fn, void *ctx)
{
	if (!p && n)
		return LIM_E_ARG;
	return walk(lim_rd_make(p, n), 0, lim, fn, ctx);
}

/* see ber.h */
enum lim_err ho_ber_get_int(const struct ho_ber_tlv *t, int64_t *out)
{
	const uint8_t *p = t->val.p;
	size_t n = t->val.len;
	uint64_t u;
	*out = 0;
	if (n == 0 || t->tag.cons)
		return LIM_E_PARSE;
	if (n > 1 && ((p[0] == 0x00 && !(p[1] & 0x80)) || (p[0] == 0xff && (p[1] & 0x80))))
		return LIM_E_PARSE; /* X.690 8.3.2 */
	if (n > 8)
		return LIM_E_LIMIT;
	u = (p[0] & 0x80) ? UINT64_MAX : 0;
	for (size_t i = 0; i < n; i++)
		u = (u << 8) | p[i];
	/* two's complement reinterpretation without implementation-defined conversion */
	*out = (u >> 63) ? -(int64_t)(~u) - 1 : (int64_t)u;
	return LIM_OK;
}

/* see ber.h */
enum lim_err ho_ber_get_uint(const struct ho_ber_tlv *t, uint64_t *out)
{
	const uint8_t *p = t->val.p;
	size_t n = t->val.len;
	uint64_t u = 0;
	*out = 0;
	if (n == 0 || t->tag.cons)
		return LIM_E_PARSE;
	if (n > 1 && ((p[0] == 0x00 && !(p[1] & 0x80)) || (p[0] == 0xff && (p[1] & 0x80))))
		return LIM_E_PARSE;
	if (p[0] & 0x80) /* negative */
		return LIM_E_LIMIT;
	if (n > 9 || (n == 9 && p[0] != 0))
		return LIM_E_LIMIT;
	for (size_t i = 0; i < n; i++)
		u = (u << 8) | p[i];
	*out = u;
	return LIM_OK;
}

/* see ber.h */
enum lim_err ho_ber_get_bool(const struct ho_ber_tlv *t, bool *out)
{
	*out = false;
	if (t->tag.cons || t->val.len != 1)
		return LIM_E_PARSE;
	*out = t->val.p[0] != 0;
	return LIM_OK;
}

/* see ber.h */
enum lim_err ho_ber_get_null(const struct ho_ber_tlv *t)
{
	return (!t->tag.cons && t->val.len == 0) ? LIM_OK : LIM_E_PARSE;
}

static enum lim_err subids(const struct ho_ber_tlv *t, bool oid, uint32_t *arcs, size_t cap,
			   size_t *n)
{
	struct lim_rd r = t->val;
	size_t k = 0;
	*n = 0;
	if (t->tag.cons || lim_rd_empty(&r))
		return LIM_E_PARSE;
	while (!lim_rd_empty(&r)) {
		uint64_t v = 0;
		uint8_t b;
		size_t i = 0;
		do {
			if (!lim_rd_u8(&r, &b))
				return LIM_E_PARSE; /* last octet has bit 8 set */
			if (i == 0 && b == 0x80)    /* X.690 8.19.2: no leading 0x80 */
				return LIM_E_PARSE;
			if (++i > 5)
				return LIM_E_LIMIT;
			v = (v << 7) | (b & 0x7fu);
		} while (b & 0x80);
		if (oid && k == 0) {
			uint64_t a0 = v < 40 ? 0 : v < 80 ? 1 : 2;
			if (cap < 2)
				return LIM_E_LIMIT;
			if (v - a0 * 40 > UINT32_MAX)
				return LIM_E_LIMIT;
			arcs[0] = (uint32_t)a0;
			arcs[1] = (uint32_t)(v - a0 * 40);
			k = 2;
			continue;
		}
		if (k >= cap || v > UINT32_MAX)
			return LIM_E_LIMIT;
		arcs[k++] = (uint32_t)v;
	}
	*n = k;
	return LIM_OK;
}

/* see ber.h */
enum lim_err ho_ber_get_oid(const struct ho_ber_tlv *t, uint32_t *arcs, size_t cap, size_t *n)
{
	return subids(t, true, arcs, cap, n);
}

/* see ber.h */
enum lim_err ho_ber_get_reloid(const struct ho_ber_tlv *t, uint32_t *arcs, size_t cap, size_t *n)
{
	return subids(t, false, arcs, cap, n);
}

/* ---- BER to DER (see ber.h ho_ber_to_der) ---- */

struct canon {
	const struct ho_ber_limits *lim;
	uint8_t *out;
	size_t cap, len; /* out[0..len) written */
};

#define CANON_HDR_MAX 10 /* identifier (at most 5 octets) + length (at most 5) */

/* Universal string types whose constructed form X.690 8.7.3 / 8.23.6 allow: OCTET STRING, the
 * restricted character strings 18..22, 25..28, 30 and UTF8String, and UTCTime /
 * GeneralizedTime (23, 24: VisibleStrings). Not 29, CHARACTER STRING (a SEQUENCE). */
static bool string_type(uint32_t num)
{
	return num == HO_BER_T_OCTET_STRING || num == HO_BER_T_UTF8STRING ||
	       (num >= 18 && num <= 30 && num != 29);
}

/* DER identifier and length octets of (t, n) into h; their number. */
static size_t der_hdr(struct ho_ber_tag t, size_t n, uint8_t h[CANON_HDR_MAX])
{
	uint8_t tmp[CANON_HDR_MAX + 8];
	struct ho_ber_enc e;
	size_t k = 0;
	ho_ber_enc_init(&e, tmp, sizeof tmp);
	ho_ber_header(&e, t, n);
	if (ho_ber_enc_finish(&e, &k) != LIM_OK || k > CANON_HDR_MAX)
		return 0;
	memcpy(h, tmp, k);
	return k;
}

static enum lim_err canon_tlv(struct canon *c, struct lim_rd *r, unsigned depth);

/* The contents of a constructed value: TLVs up to the end of r (definite), or up to the
 * end-of-contents octets (indef), each canonicalised and appended. */
static enum lim_err canon_children(struct canon *c, struct lim_rd *r, bool indef, unsigned depth)
{
	for (;;) {
		if (lim_rd_empty(r))
			return indef ? LIM_E_TRUNC : LIM_OK;
		if (r->p[0] == 0x00) { /* end-of-contents (X.690 8.1.5), or a tag [UNIVERSAL 0] */
			uint8_t b0, b1;
			if (!indef)
				return LIM_E_PARSE;
			(void)lim_rd_u8(r, &b0);
			if (!lim_rd_u8(r, &b1))
				return LIM_E_TRUNC;
			return b1 == 0x00 ? LIM_OK : LIM_E_PARSE;
		}
		/* (as ho_ber_walk: a value at the deepest level may be constructed, empty) */
		if (depth > c->lim->max_depth || depth > HO_BER_DEPTH_HARD)
			return LIM_E_LIMIT;
		enum lim_err err = canon_tlv(c, r, depth);
		if (err != LIM_OK)
			return err;
	}
}

/* Whether the DER TLVs at p[0..len) are all primitive universal OCTET STRINGs (at least one);
 * if so, joins their contents at p, *joined their length. */
static bool join_segments(uint8_t *p, size_t len, size_t *joined)
{
	struct lim_rd r = lim_rd_make(p, len);
	size_t w = 0, n = 0;
	/* first pass: check; second: move (contents only move towards the start) */
	while (!lim_rd_empty(&r)) {
		struct ho_ber_tlv t;
		if (ho_ber_read(&r, SIZE_MAX, &t) != LIM_OK || t.tag.cls != HO_BER_UNIVERSAL ||
		    t.tag.cons || t.tag.num != HO_BER_T_OCTET_STRING)
			return false;
		n++;
	}
	if (n == 0)
		return false;
	r = lim_rd_make(p, len);
	while (!lim_rd_empty(&r)) {
		struct ho_ber_tlv t;
		if (ho_ber_read(&r, SIZE_MAX, &t) != LIM_OK)
			return false; /* (read in the first pass) */
		memmove(p + w, t.val.p, t.val.len);
		w += t.val.len;
	}
	*joined = w;
	return true;
}

static enum lim_err canon_tlv(struct canon *c, struct lim_rd *r, unsigned depth)
{
	struct ho_ber_tag tag;
	bool indef;
	size_t n, start = c->len, body, hn, clen;
	uint8_t h[CANON_HDR_MAX];
	enum lim_err err;
	err = read_tag(r, &tag);
	if (err == LIM_OK)
		err = read_len(r, false, c->lim->max_len, &indef, &n);
	if (err != LIM_OK)
		return err;
	if (indef && !tag.cons)
		return LIM_E_PARSE; /* X.690 8.1.3.2 a */
	if (tag.cls == HO_BER_UNIVERSAL && tag.num == 0)
		return LIM_E_PARSE; /* end-of-contents where no indefinite value ends */
	if (c->cap - c->len < CANON_HDR_MAX)
		return LIM_E_LIMIT;
	body = c->len + CANON_HDR_MAX; /* contents written here, moved after the header */
	c->len = body;
	if (!tag.cons) {
		struct lim_rd v;
		if (!lim_rd_sub(r, n, &v))
			return LIM_E_TRUNC;
		if (c->cap - c->len < n)
			return LIM_E_LIMIT;
		if (n)
			memcpy(c->out + c->len, v.p, n);
		c->len += n;
	} else {
		if (indef) {
			err = canon_children(c, r, true, depth + 1);
		} else {
			struct lim_rd sub;
			if (!lim_rd_sub(r, n, &sub))
				return LIM_E_TRUNC;
			err = canon_children(c, &sub, false, depth + 1);
			if (err == LIM_E_TRUNC)
				err = LIM_E_PARSE; /* a value runs past its definite container */
		}
		if (err != LIM_OK)
			return err;
	}
	clen = c->len - body;
	/* a constructed string: primitive, its segments' contents joined */
	if (tag.cons && tag.cls == HO_BER_UNIVERSAL && string_type(tag.num)) {
		if (clen && !join_segments(c->out + body, clen, &clen))
			return LIM_E_PARSE; /* X.690 8.7.3.2: segments are OCTET STRINGs */
		tag.cons = false;
	} else if (tag.cons && tag.cls != HO_BER_UNIVERSAL &&
		   join_segments(c->out + body, clen, &clen)) {
		tag.cons = false; /* an IMPLICIT-tagged string in its constructed form */
	}
	hn = der_hdr(tag, clen, h);
	if (hn == 0)
		return LIM_E_LIMIT;
	memcpy(c->out + start, h, hn);
	memmove(c->out + start + hn, c->out + body, clen);
	c->len = start + hn + clen;
	return LIM_OK;
}

/* see ber.h */
enum lim_err ho_ber_to_der(const uint8_t *p, size_t n, const struct ho_ber_limits *lim,
			   uint8_t *out, size_t cap, size_t *used, size_t *out_len)
{
	struct canon c = { lim, out, out ? cap : 0, 0 };
	struct lim_rd r = lim_rd_make(p, n);
	enum lim_err err;
	*used = *out_len = 0;
	if ((!p && n) || !lim)
		return LIM_E_ARG;
	err = canon_tlv(&c, &r, 0);
	if (err != LIM_OK)
		return err;
	*used = n - r.len;
	*out_len = c.len;
	return LIM_OK;
}
