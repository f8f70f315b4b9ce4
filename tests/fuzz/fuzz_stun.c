/* libFuzzer target: capture/stun cap_stun_check, the ICE connectivity checks the call table and
 * the dispatcher read off media ports that no call claims (hostile datagrams). A check's two
 * ufrags are non-empty views inside the datagram, one after the other around a ':'; anything
 * else is refused with the result zeroed. cap_ufrag_id of each, and cap_stun_like, on the way. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "capture/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cap_stun_check k;
	uint8_t id[CAP_UFRAG_ID_LEN];
	/* (a copy of its own size: a read past it is ASan's to find) */
	uint8_t *p = malloc(size ? size : 1);
	if (!p)
		return 0;
	memcpy(p, data, size);
	(void)cap_stun_like(p, size);
	if (cap_stun_check(p, size, &k)) {
		const char *b = (const char *)p, *e = (const char *)p + size;
		if (size < 20 || !k.to_ufrag.len || !k.from_ufrag.len || k.to_ufrag.p < b ||
		    k.from_ufrag.p + k.from_ufrag.len > e ||
		    k.to_ufrag.p + k.to_ufrag.len + 1 != k.from_ufrag.p ||
		    k.to_ufrag.p[k.to_ufrag.len] != ':')
			abort();
		cap_ufrag_id(k.to_ufrag, id);
		cap_ufrag_id(k.from_ufrag, id);
	} else {
		static const struct cap_stun_check zero;
		if (memcmp(&k, &zero, sizeof k) != 0)
			abort();
	}
	free(p);
	return 0;
}
