/* What a run lost to limf's own limits, and whether its evidence is incomplete (see
 * limf/pipeline.h limf_pipe_incomplete): counters only, no pipeline state, so that it can be
 * tested alone. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "limf/pipeline.h"

/* see pipeline.h */
bool limf_limit_drop(enum cap_drop d)
{
	switch (d) {
	case CAP_DROP_FRAG_TABLE:
	case CAP_DROP_FRAG_MEM:
	case CAP_DROP_FRAG_NOMEM:
	case CAP_DROP_TCP_TABLE: /* (full of streams that framed SIP: none could go) */
	case CAP_DROP_TCP_NOMEM:
	case CAP_DROP_CALL_TABLE:
	case CAP_DROP_CALL_MEDIA:
	case CAP_DROP_CALL_NOMEM:
	case CAP_DROP_CALL_IMSG:
	case CAP_DROP_QUEUE_FULL: return true;
	default: return false;
	}
}

/* see pipeline.h */
size_t limf_evictions(const struct cap_stats *c, struct limf_eviction ev[LIMF_EVICTIONS])
{
	ev[0] = (struct limf_eviction){ "frag_evicted", c ? c->frag_evicted : 0 };
	ev[1] = (struct limf_eviction){ "calls_evicted", c ? c->calls_evicted : 0 };
	ev[2] = (struct limf_eviction){ "media_lost", c ? c->media_lost : 0 };
	ev[3] = (struct limf_eviction){ "sip_pin_lost", c ? c->sip_pin_lost : 0 };
	return LIMF_EVICTIONS;
}

/* see pipeline.h */
uint64_t limf_limit_drops(const struct cap_stats *c)
{
	struct limf_eviction ev[LIMF_EVICTIONS];
	uint64_t n = 0;
	for (unsigned d = 0; c && d < CAP_DROP__COUNT; d++)
		if (limf_limit_drop((enum cap_drop)d))
			n += c->drop[d];
	for (size_t i = 0; i < limf_evictions(c, ev); i++)
		n += ev[i].n;
	return n;
}

/* see pipeline.h */
uint64_t limf_lost(const struct cap_stats *c, uint64_t kernel_dropped, uint64_t notes_lost)
{
	return limf_limit_drops(c) + kernel_dropped + notes_lost;
}

/* see pipeline.h */
bool limf_pipe_incomplete(const struct limf_pipe_stats *s, const struct cap_stats *c,
			  uint64_t kernel_dropped, uint64_t notes_lost, char *why, size_t cap)
{
	bool gate = s->decision_errors || s->cin_errors || s->audit_errors;
	bool lost = limf_lost(c, kernel_dropped, notes_lost) != 0;
	bool keys = s->kms_fail != 0;
	size_t n = 0;
	if (cap)
		why[0] = '\0';
#define PUT(...)                                                                                   \
	do {                                                                                       \
		if (n < cap) {                                                                     \
			int w_ = snprintf(why + n, cap - n, __VA_ARGS__);                          \
			n += w_ > 0 ? (size_t)w_ : 0;                                              \
		}                                                                                  \
	} while (0)
	if (gate)
		PUT("%" PRIu64 " warrant decision(s) failed, %" PRIu64
		    " call(s) under a warrant got no CIN (not intercepted), %" PRIu64
		    " audit row(s) not written",
		    s->decision_errors, s->cin_errors, s->audit_errors);
	if (keys)
		PUT("%s%" PRIu64 " key request(s) failed (the KMS, its certificate, or none "
		    "configured): content of calls under warrant may be missing",
		    gate ? "; " : "", s->kms_fail);
	if (lost) {
		PUT("%straffic lost to capacity limits (", gate || keys ? "; " : "");
		const char *sep = "";
		if (kernel_dropped) {
			PUT("kernel_dropped %" PRIu64, kernel_dropped);
			sep = ", ";
		}
		struct limf_eviction ev[LIMF_EVICTIONS];
		for (unsigned d = 0; c && d < CAP_DROP__COUNT; d++)
			if (limf_limit_drop((enum cap_drop)d) && c->drop[d]) {
				PUT("%s%s %" PRIu64, sep, cap_drop_name((enum cap_drop)d),
				    c->drop[d]);
				sep = ", ";
			}
		for (size_t i = 0; i < limf_evictions(c, ev); i++)
			if (ev[i].n) {
				PUT("%s%s %" PRIu64, sep, ev[i].name, ev[i].n);
				sep = ", ";
			}
		if (notes_lost)
			PUT("%srouting_notes_lost %" PRIu64, sep, notes_lost);
		PUT("): a target's packets may be among them");
	}
#undef PUT
	if (n >= cap && cap > 4) /* cut: say so (the summary's counters have it all) */
		memcpy(why + cap - 4, "...", 4);
	return gate || keys || lost;
}
