/* limf/ the manifest's list of calls: see mcalls.h. */
#include "limf/mcalls.h"

#include <stdlib.h>
#include <string.h>

/* see mcalls.h */
void limf_mcalls_init(struct limf_mcalls *m, size_t cap)
{
	memset(m, 0, sizeof *m);
	m->cap = cap;
}

/* see mcalls.h */
enum lim_err limf_mcalls_add(struct limf_mcalls *m, uint32_t cin, const char *obj, size_t len)
{
	if (m->left_out || len > m->cap - m->len) {
		m->left_out++;
		return LIM_E_LIMIT;
	}
	if (m->n == m->n_cap) {
		size_t nc = m->n_cap ? 2 * m->n_cap : 64;
		struct limf_mcall *a = realloc(m->at, nc * sizeof *a);
		if (!a)
			return LIM_E_NOMEM;
		m->at = a;
		m->n_cap = nc;
	}
	if (len > m->size - m->len) {
		size_t ns = m->size ? m->size : 4096;
		while (ns - m->len < len)
			ns *= 2;
		char *b = realloc(m->buf, ns);
		if (!b)
			return LIM_E_NOMEM;
		m->buf = b;
		m->size = ns;
	}
	memcpy(m->buf + m->len, obj, len);
	m->at[m->n++] = (struct limf_mcall){ cin, m->len, len };
	m->len += len;
	return LIM_OK;
}

/* see mcalls.h */
void limf_mcalls_fit(struct limf_mcalls *m, size_t max)
{
	/* at[] is in the order the calls ended, their objects one after another in buf */
	while (m->n && limf_mcalls_size(m) > max) {
		m->n--;
		m->len = m->at[m->n].off;
		m->left_out++;
	}
}

/* see mcalls.h */
size_t limf_mcalls_size(const struct limf_mcalls *m)
{
	return m->len + (m->n ? m->n - 1 : 0) + 2;
}

static int by_cin(const void *a, const void *b)
{
	const struct limf_mcall *x = a, *y = b;
	if (x->cin != y->cin)
		return x->cin < y->cin ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off; /* (one CIN per call: not reached) */
}

/* see mcalls.h */
size_t limf_mcalls_write(struct limf_mcalls *m, char *out)
{
	size_t o = 0;
	if (m->n > 1) /* (none: at is NULL, which qsort may not be given) */
		qsort(m->at, m->n, sizeof *m->at, by_cin);
	out[o++] = '[';
	for (size_t i = 0; i < m->n; i++) {
		if (i)
			out[o++] = ',';
		memcpy(out + o, m->buf + m->at[i].off, m->at[i].len);
		o += m->at[i].len;
	}
	out[o++] = ']';
	return o;
}

/* see mcalls.h */
void limf_mcalls_free(struct limf_mcalls *m)
{
	free(m->buf);
	free(m->at);
	memset(m, 0, sizeof *m);
}
