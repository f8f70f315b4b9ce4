#include "common/wipe.h"

#include <openssl/crypto.h>

/* see wipe.h */
void lim_wipe(void *p, size_t n)
{
	if (p && n)
		OPENSSL_cleanse(p, n);
}
