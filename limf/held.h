/* A sink output held back: a deep copy of one IRI, CC, call summary or call end, made in a
 * buffer of its own so that it can reach the sink later, after the pipeline has moved on (its
 * views die when the sink callback returns: pipeline.h struct limf_sink). limf/pool.h uses it
 * to hand the outputs of several workers to the sink in input order (cfg.ordered) without
 * making a worker wait for the others at every output.
 *
 * The copy holds every string and octet string the output points at, and the structs it
 * points at (the call, the key-management facts, the group event) with theirs, all inside the
 * buffer, so it lives as long as the buffer and does not move. What it does not keep: a CC's
 * call (NULL in the copy: no sink reads it), and of a call (IRI, summary) its SDP I_MESSAGE
 * octets (imsg NULL, imsg_len 0), its user pointer and the table's links (NULL). */
#ifndef LIMF_HELD_H
#define LIMF_HELD_H

#include <stddef.h>
#include <stdint.h>

#include "limf/pipeline.h"

enum limf_held_kind {
	LIMF_HELD_IRI = 1, /* sink.iri */
	LIMF_HELD_CC,      /* sink.cc */
	LIMF_HELD_DONE,    /* sink.call_done */
	LIMF_HELD_CIN_END  /* sink.cin_end */
};

struct limf_held {
	enum limf_held_kind kind;
	union {
		struct limf_iri iri;
		struct limf_cc cc;
		struct limf_call_summary done;
		uint32_t cin;
	} u;
};

/* Copies `in` (its views as given to the sink; of its union only the member of its kind is
 * read, and written) into buf, which must be aligned for struct
 * limf_held (16 octets suffice), and returns the octets it takes: at most cap, or, when more
 * than cap would be needed (or buf is NULL), nothing is written and the octets needed are
 * returned. The copy is a struct limf_held at buf. */
size_t limf_held_copy(void *buf, size_t cap, const struct limf_held *in);

/* Hands a copy (or any struct limf_held) to the sink's callback for its kind (none when that
 * callback is NULL). */
void limf_held_emit(const struct limf_sink *sink, const struct limf_held *h);

#endif
