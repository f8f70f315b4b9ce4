/* libFuzzer target for the SDP parser (STYLE.md rule 22). Every view must lie inside the input
 * and every count within its cap: abort() otherwise. Deterministic, no I/O. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "capture/internal.h"
#include "tests/fuzz/fuzz_views.h"

static void addr_ok(const struct cap_addr *a)
{
	if (a->family != 0 && a->family != 4 && a->family != 6)
		abort();
	for (size_t k = a->family == 6 ? 16 : 4; k < 16; k++)
		if (a->a[k] != 0 && a->family != 0)
			abort(); /* IPv4 zero past its 4 octets (the call table compares all 16) */
}

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
		addr_ok(&m->conn);
		addr_ok(&m->rtcp_addr);
		if (m->n_cand > CAP_SDP_MAX_CAND ||
		    (m->n_cand_over && m->n_cand < CAP_SDP_MAX_CAND))
			abort();
		for (size_t k = 0; k < m->n_cand; k++) {
			addr_ok(&m->cand[k].addr);
			if (m->cand[k].addr.family == 0 || m->cand[k].port == 0 ||
			    m->cand[k].component < 1 || m->cand[k].component > 2)
				abort();
		}
	}
	/* the call table's view: each endpoint of a line once, within the caps */
	{
		struct cap_call_sdp *cs = calloc(1, sizeof *cs);
		size_t over, in_use = 0, sum = 0;
		if (!cs)
			goto out;
		over = cap_sdp_media_build(s, cs);
		for (size_t i = 0; i < s->n_media && i < CAP_CALL_MAX_MEDIA; i++)
			if (s->media[i].port)
				in_use += s->media[i].n_cand_over;
		if (cs->n_media > CAP_CALL_MAX_MEDIA || cs->n_cand > CAP_CALL_MAX_CAND ||
		    over < in_use)
			abort();
		for (size_t i = 0; i < cs->n_media; i++) {
			const struct cap_call_media *cm = &cs->media[i];
			struct cap_media_ep ep[CAP_MEDIA_MAX_EP];
			size_t n = cap_media_eps(cs, i, ep);
			if (cm->cand_at != sum || n > CAP_MEDIA_MAX_EP ||
			    (cm->port == 0 && (n || cm->n_cand)))
				abort();
			sum += cm->n_cand;
			for (size_t k = 0; k < n; k++) {
				/* (an ICE ufrag's pseudo endpoint: its own family, port 0) */
				bool uf = ep[k].kind == CAP_EP_UFRAG;
				if (ep[k].addr.family == 0 || (ep[k].port == 0) != uf ||
				    (ep[k].addr.family == CAP_FAM_UFRAG) != uf ||
				    ep[k].kind < CAP_EP_RTP || ep[k].kind > CAP_EP_UFRAG)
					abort();
				for (size_t q = 0; q < k; q++)
					if (ep[q].port == ep[k].port &&
					    memcmp(&ep[q].addr, &ep[k].addr, sizeof ep[k].addr) ==
						    0)
						abort();
			}
		}
		if (sum != cs->n_cand)
			abort();
		/* left out at the SDP's cap only when it is full; a candidate is no other
		 * endpoint of any line (nor another candidate) */
		if (over > in_use && cs->n_cand != CAP_CALL_MAX_CAND)
			abort();
		for (size_t k = 0; k < cs->n_cand; k++) {
			size_t seen = 0; /* (itself, once) */
			for (size_t i = 0; i < cs->n_media; i++) {
				struct cap_media_ep ep[CAP_MEDIA_MAX_EP];
				size_t n = cap_media_eps(cs, i, ep);
				for (size_t q = 0; q < n; q++)
					if (ep[q].port == cs->cand[k].port &&
					    memcmp(&ep[q].addr, &cs->cand[k].addr,
						   sizeof ep[q].addr) == 0)
						seen++;
			}
			if (seen != 1)
				abort();
		}
		/* a line's ufrag is one of its SDP's; one pseudo endpoint per ufrag in use */
		for (size_t i = 0; i < cs->n_media; i++)
			if (cs->media[i].ufrag_ix > cs->n_ufrag)
				abort();
		free(cs);
	}
out:
	free(s);
	free(copy);
	return 0;
}
