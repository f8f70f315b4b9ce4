#include "common/clock.h"

#include <time.h>

/* see clock.h */
uint64_t lim_mono_ns(void)
{
	struct timespec ts;
	uint64_t ns;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	return ns ? ns : 1;
}

/* see clock.h */
uint64_t lim_mono_us(void)
{
	return lim_mono_ns() / 1000u;
}

/* see clock.h */
uint64_t lim_mono_ms(void)
{
	return lim_mono_ns() / 1000000u;
}
