/* The monotonic clock (CLOCK_MONOTONIC): for intervals, timeouts, rates and progress, never for
 * a time of day or a time that leaves the process (those are the wall clock's). */
#ifndef LIM_CLOCK_H
#define LIM_CLOCK_H

#include <stdint.h>

/* Nanoseconds since an unspecified instant (on Linux, the boot); never 0, so that a caller
 * may keep 0 for "never". */
uint64_t lim_mono_ns(void);

/* The same in microseconds and milliseconds (0 only within the first of them after boot). */
uint64_t lim_mono_us(void);
uint64_t lim_mono_ms(void);

#endif
