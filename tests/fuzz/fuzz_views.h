/* Shared by the capture/ fuzz targets: every string view a parser returns must lie inside the
 * fuzz input (set base/blen first); abort() otherwise, and touch both ends so ASan sees any
 * overread. */
#ifndef LIM_FUZZ_VIEWS_H
#define LIM_FUZZ_VIEWS_H

#include <stdlib.h>

#include "capture/capture.h"

static const char *base;
static size_t blen;

static void in(struct cap_str s)
{
	volatile char sink = 0;
	if (s.len == 0)
		return;
	if (s.p < base || s.len > blen || (size_t)(s.p - base) > blen - s.len)
		abort();
	sink ^= s.p[0];
	sink ^= s.p[s.len - 1];
	(void)sink;
}

#endif
