/* Bounded byte writer into a caller-owned buffer, with a sticky overflow flag: after the first
 * write that does not fit, nothing more is written and lim_wr_ok() is false (BearSSL style). */
#ifndef LIM_WR_H
#define LIM_WR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct lim_wr {
	uint8_t *p; /* borrowed */
	size_t cap;
	size_t len;
	bool overflow;
};

static inline void lim_wr_init(struct lim_wr *w, void *buf, size_t cap)
{
	w->p = (uint8_t *)buf;
	w->cap = cap;
	w->len = 0;
	w->overflow = false;
}

static inline bool lim_wr_ok(const struct lim_wr *w)
{
	return !w->overflow;
}

static inline void lim_wr_bytes(struct lim_wr *w, const void *b, size_t n)
{
	if (w->overflow || n > w->cap - w->len) {
		w->overflow = true;
		return;
	}
	if (n)
		memcpy(w->p + w->len, b, n);
	w->len += n;
}

static inline void lim_wr_u8(struct lim_wr *w, uint8_t v)
{
	lim_wr_bytes(w, &v, 1);
}

static inline void lim_wr_u16be(struct lim_wr *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	lim_wr_bytes(w, b, 2);
}

static inline void lim_wr_u32be(struct lim_wr *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	lim_wr_bytes(w, b, 4);
}

static inline void lim_wr_u64be(struct lim_wr *w, uint64_t v)
{
	lim_wr_u32be(w, (uint32_t)(v >> 32));
	lim_wr_u32be(w, (uint32_t)v);
}

/* Reserve n bytes and return a pointer to them (NULL and sticky overflow if they do not fit). */
static inline uint8_t *lim_wr_reserve(struct lim_wr *w, size_t n)
{
	uint8_t *q;
	if (w->overflow || n > w->cap - w->len) {
		w->overflow = true;
		return NULL;
	}
	q = w->p + w->len;
	w->len += n;
	return q;
}

#endif
