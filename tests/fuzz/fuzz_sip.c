/* libFuzzer target for the SIP parser (STYLE.md rule 22): cap_sip_parse, then on success the
 * SDP body lookup (multipart included), the SDP parser on it, and the party parser on every
 * header; the MIME walk under the SDP lookup (capture/internal.h) must keep its leaves inside
 * the body and within its caps, and the SDP returned must be its first application/sdp leaf
 * that is not an early-session part (RFC 3959).
 * Every view must lie inside the input: abort() otherwise. Deterministic, no I/O. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "capture/internal.h"
#include "tests/fuzz/fuzz_views.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void party(const struct cap_sip_party *p)
{
	in(p->value);
	in(p->display);
	in(p->uri);
	in(p->tag);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cap_sip_msg *m = malloc(sizeof *m);
	struct cap_sdp *sdp = malloc(sizeof *sdp);
	uint8_t *copy = malloc(size ? size : 1);
	struct cap_str body;
	if (!m || !sdp || !copy)
		goto out;
	if (size)
		memcpy(copy, data, size);
	base = (const char *)copy;
	blen = size;
	(void)cap_sip_looks_like(copy, size);
	if (cap_sip_parse(copy, size, m) != LIM_OK) {
		if (m->reject == CAP_OK || (unsigned)m->reject >= CAP_DROP__COUNT)
			abort();
		goto out;
	}
	if (m->reject != CAP_OK || m->n_hdr > CAP_SIP_MAX_HDRS || m->n_pai > CAP_SIP_MAX_PAI)
		abort();
	in(m->method);
	in(m->ruri);
	in(m->reason);
	in(m->call_id);
	in(m->cseq_method);
	in(m->content_type);
	in(m->body);
	party(&m->from);
	party(&m->to);
	for (size_t i = 0; i < m->n_pai; i++)
		party(&m->pai[i]);
	if (m->has_clen && m->body.len != m->content_length)
		abort();
	for (size_t i = 0; i < m->n_hdr; i++) {
		struct cap_sip_party p;
		in(m->hdr[i].name);
		in(m->hdr[i].value);
		if (cap_sip_party_parse(m->hdr[i].value.p, m->hdr[i].value.len, &p) == LIM_OK)
			party(&p);
	}
	{
		struct cap_mime it;
		struct cap_mime_part part;
		struct cap_str first = { NULL, 0 };
		const char *why, *at;
		size_t n = 0;
		enum lim_err rc = cap_sip_sdp_body(m, &body);
		cap_mime_init(&it, m->content_type, m->body, CAP_SIP_MAX_PARTS);
		while (cap_mime_next(&it, &part)) {
			in(part.type);
			in(part.cte);
			in(part.disp);
			in(part.content);
			if (part.depth > CAP_SIP_MAX_DEPTH || ++n > CAP_SIP_MAX_PARTS + 1)
				abort();
			if (part.content.len &&
			    (part.content.p < m->body.p ||
			     (size_t)(part.content.p - m->body.p) > m->body.len - part.content.len))
				abort();
			if (!first.p && cap_str_ieq(cap_media_type(part.type), "application/sdp") &&
			    !(part.depth > 0 &&
			      cap_str_ieq(cap_media_type(part.disp), "early-session")))
				first = part.content;
		}
		if (cap_mime_err(&it, &why, &at) != LIM_OK &&
		    (!why || (at && (at < base || at > base + blen))))
			abort();
		if (rc == LIM_OK && body.len && (body.p != first.p || body.len != first.len))
			abort();
	}
	if (cap_sip_sdp_body(m, &body) == LIM_OK && body.len) {
		in(body);
		if (cap_sdp_parse((const uint8_t *)body.p, body.len, sdp) == LIM_OK)
			for (size_t i = 0; i < sdp->n_media; i++)
				in(cap_sdp_key_mgmt(sdp, i));
	}
out:
	free(m);
	free(sdp);
	free(copy);
	return 0;
}
