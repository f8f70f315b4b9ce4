/* libFuzzer target: cap_floor_parse (capture/floor.h), MCPTT floor-control messages in RTCP
 * APP packets from a floor-control port. Checks the result's invariants: LIM_OK or a refusal
 * with a reason and nothing stored; counts within their caps; texts NUL-terminated within
 * their buffers; the type is the subtype's low 4 bits. Deterministic, no I/O. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture/floor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void text(const struct cap_floor_text *t)
{
	if (t->len >= CAP_FLOOR_TEXT || t->s[t->len] != '\0')
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cap_floor_msg out;
	enum lim_err rc = cap_floor_parse(data, size, &out);
	if (!out.err_detail)
		abort();
	if (rc != LIM_OK) {
		if ((rc != LIM_E_PARSE && rc != LIM_E_TRUNC) || out.n != 0 || out.more ||
		    strcmp(out.err_detail, "ok") == 0)
			abort();
		return 0;
	}
	if (out.n > CAP_FLOOR_MAX_MSGS || out.n > out.n_app || out.n_app > out.n_rtcp ||
	    (out.more && out.n != CAP_FLOOR_MAX_MSGS) || out.n_rtcp * 4 > size)
		abort();
	for (size_t i = 0; i < out.n; i++) {
		const struct cap_floor_one *m = &out.m[i];
		if (m->subtype > 31 || m->type != (m->subtype & 15) ||
		    m->ack_req != ((m->subtype & CAP_FLOOR_ACK_BIT) != 0) ||
		    cap_floor_name(m->subtype) == NULL || m->present >> 21)
			abort();
		text(&m->reject_phrase);
		text(&m->granted_party);
		text(&m->user_id);
		text(&m->queued_user_id);
		text(&m->track_part_type);
		text(&m->func_alias);
		if (m->track_nrefs * 4 > size)
			abort();
	}
	return 0;
}
