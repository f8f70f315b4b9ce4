/* libFuzzer target for the SDP parser (STYLE.md rule 22). Every view must lie inside the input
 * and every count within its cap: abort() otherwise. Deterministic, no I/O. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "tests/fuzz/fuzz_views.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cap_sdp *s = malloc(sizeof *s);
	uint8_t *copy = malloc(size ? size : 1);
	char a[64];
	if (!s || !copy)
		goto out;
	if (size)
		memcpy(copy, data, size);
	base = (const char *)copy;
	blen = size;
	if (cap_sdp_parse(copy, size, s) != LIM_OK)
		goto out;
	if (s->n_media > CAP_SDP_MAX_MEDIA)
		abort();
	in(s->origin);
	in(s->key_mgmt);
	cap_addr_str(&s->conn, a, sizeof a);
	for (size_t i = 0; i < s->n_media; i++) {
		const struct cap_sdp_media *m = &s->media[i];
		if (m->n_fmt > CAP_SDP_MAX_FMT || m->n_rtpmap > CAP_SDP_MAX_RTPMAP ||
		    m->nports == 0)
			abort();
		in(m->media);
		in(m->proto);
		in(m->key_mgmt);
		in(cap_sdp_key_mgmt(s, i));
		cap_addr_str(&m->conn, a, sizeof a);
		for (size_t k = 0; k < m->n_rtpmap; k++) {
			in(m->rtpmap[k].encoding);
			in(m->rtpmap[k].params);
			if (m->rtpmap[k].pt > 127)
				abort();
		}
		for (size_t k = 0; k < m->n_fmt; k++)
			if (m->fmt[k] > 127)
				abort();
	}
out:
	free(s);
	free(copy);
	return 0;
}
