/* Secret wiping (STYLE.md rule 16): lim_wipe = OPENSSL_cleanse, not optimised away. */
#ifndef LIM_WIPE_H
#define LIM_WIPE_H

#include <stddef.h>

void lim_wipe(void *p, size_t n);
#define LIM_WIPE(arr) lim_wipe((arr), sizeof(arr))

#endif
