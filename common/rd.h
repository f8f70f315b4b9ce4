/* Bounded big-endian byte reader (STYLE.md rule 11, OpenBSD ibuf style).
 * A reader is a borrowed view {p, len} of a buffer it does not own. Every getter checks the
 * remaining length first; a failed read returns false, consumes nothing and zeroes *out.
 * Carve sub-structures with lim_rd_sub(r, n, &sub), which tests n against r->len: never add
 * untrusted lengths to offsets. */
#ifndef LIM_RD_H
#define LIM_RD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct lim_rd {
	const uint8_t *p;
	size_t len;
};

static inline struct lim_rd lim_rd_make(const void *p, size_t len)
{
	struct lim_rd r = { (const uint8_t *)p, len };
	return r;
}

static inline bool lim_rd_empty(const struct lim_rd *r)
{
	return r->len == 0;
}

static inline bool lim_rd_skip(struct lim_rd *r, size_t n)
{
	if (n > r->len)
		return false;
	r->p += n;
	r->len -= n;
	return true;
}

static inline bool lim_rd_u8(struct lim_rd *r, uint8_t *out)
{
	if (r->len < 1) {
		*out = 0;
		return false;
	}
	*out = r->p[0];
	r->p += 1;
	r->len -= 1;
	return true;
}

static inline bool lim_rd_u16be(struct lim_rd *r, uint16_t *out)
{
	if (r->len < 2) {
		*out = 0;
		return false;
	}
	*out = (uint16_t)(((unsigned)r->p[0] << 8) | r->p[1]);
	r->p += 2;
	r->len -= 2;
	return true;
}

static inline bool lim_rd_u32be(struct lim_rd *r, uint32_t *out)
{
	if (r->len < 4) {
		*out = 0;
		return false;
	}
	*out = ((uint32_t)r->p[0] << 24) | ((uint32_t)r->p[1] << 16) | ((uint32_t)r->p[2] << 8) |
	       (uint32_t)r->p[3];
	r->p += 4;
	r->len -= 4;
	return true;
}

static inline bool lim_rd_u64be(struct lim_rd *r, uint64_t *out)
{
	uint32_t hi, lo;
	struct lim_rd save = *r;
	if (!lim_rd_u32be(r, &hi) || !lim_rd_u32be(r, &lo)) {
		*r = save;
		*out = 0;
		return false;
	}
	*out = ((uint64_t)hi << 32) | lo;
	return true;
}

/* Copies n bytes to out (n may be 0). On failure out is zeroed (n bytes). */
static inline bool lim_rd_bytes(struct lim_rd *r, void *out, size_t n)
{
	if (n > r->len) {
		if (n)
			memset(out, 0, n);
		return false;
	}
	if (n)
		memcpy(out, r->p, n);
	r->p += n;
	r->len -= n;
	return true;
}

/* Borrowed view of the next n bytes, consumed from r. */
static inline bool lim_rd_sub(struct lim_rd *r, size_t n, struct lim_rd *out)
{
	if (n > r->len) {
		out->p = NULL;
		out->len = 0;
		return false;
	}
	out->p = r->p;
	out->len = n;
	r->p += n;
	r->len -= n;
	return true;
}

#endif
