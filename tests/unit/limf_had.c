/* limf/had.h: which packets of group media each LIID has had. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "limf/had.h"
#include "tests/unit/check.h"

void t_had(void);

#define S UINT64_C(1000000000)

static bool mark(struct limf_had *h, const char *liid, uint32_t ssrc, uint64_t idx, uint64_t t)
{
	return limf_had_mark(h, liid, 0x0fb615fe, 0x068f98ee, ssrc, idx, t);
}

void t_had(void)
{
	struct limf_had *h = NULL;
	CHECK(limf_had_new(&h) == LIM_OK);
	/* a packet once per LIID and stream; another LIID, SSRC, GMK or GUK is apart */
	CHECK(!mark(h, "L1", 7, 100, 1 * S));
	CHECK(mark(h, "L1", 7, 100, 1 * S));
	CHECK(!mark(h, "L2", 7, 100, 1 * S));
	CHECK(!mark(h, "L1", 8, 100, 1 * S));
	CHECK(!limf_had_mark(h, "L1", 0x0fb615ff, 0x068f98ee, 7, 100, 1 * S));
	CHECK(!limf_had_mark(h, "L1", 0x0fb615fe, 0x068f98ef, 7, 100, 1 * S));
	CHECK(!mark(h, "L12", 7, 100, 1 * S)); /* (not L1's: no prefix match) */
	CHECK(mark(h, "L12", 7, 100, 1 * S));
	/* reordered, behind the newest, within the window: each once */
	CHECK(!mark(h, "L1", 7, 105, 1 * S));
	CHECK(!mark(h, "L1", 7, 103, 1 * S));
	CHECK(mark(h, "L1", 7, 103, 1 * S));
	CHECK(mark(h, "L1", 7, 105, 1 * S));
	CHECK(!mark(h, "L1", 7, 101, 1 * S));
	CHECK(mark(h, "L1", 7, 100, 1 * S));
	/* indexes across the sequence number's wrap (ROC || SEQ), then the copies again; one
	 * 64K ahead is another packet */
	for (uint64_t i = 0; i < 16; i++)
		CHECK(!mark(h, "W", 9, 65530 + i, 2 * S));
	for (uint64_t i = 0; i < 16; i++)
		CHECK(mark(h, "W", 9, 65530 + i, 2 * S));
	CHECK(!mark(h, "W", 9, 65529, 2 * S));
	CHECK(mark(h, "W", 9, 65529, 2 * S));
	CHECK(!mark(h, "W", 9, 65536 + 65533, 2 * S));
	CHECK(!mark(h, "W", 9, 65536 + 65533 - 1000, 2 * S));
	CHECK(mark(h, "W", 9, 65536 + 65533, 2 * S));
	/* the window's edge: LIMF_HAD_WIN - 1 behind the newest is told, LIMF_HAD_WIN is not
	 * (handed over again rather than never) */
	CHECK(!mark(h, "E", 3, 0, 3 * S));
	for (uint64_t i = 1; i < LIMF_HAD_WIN + 200; i++)
		CHECK(!mark(h, "E", 3, i, 3 * S));
	CHECK(mark(h, "E", 3, LIMF_HAD_WIN + 200 - LIMF_HAD_WIN, 3 * S));
	CHECK(!mark(h, "E", 3, 199, 3 * S));
	/* jumps: by 63, 64, 65 and 700 (the window moves by bits and by words) */
	uint64_t at = 5000;
	CHECK(!mark(h, "J", 4, at, 4 * S));
	const uint64_t jumps[] = { 63, 64, 65, 700, 1, 129, UINT64_C(1) << 40 };
	for (size_t j = 0; j < sizeof jumps / sizeof jumps[0]; j++) {
		uint64_t prev = at;
		at += jumps[j];
		CHECK(!mark(h, "J", 4, at, 4 * S));
		if (jumps[j] < LIMF_HAD_WIN)
			CHECK(mark(h, "J", 4, prev, 4 * S)); /* still had after the move */
		if (jumps[j] > 1)
			CHECK(!mark(h, "J", 4, at - 1, 4 * S)); /* a gap, not had */
	}
	/* idle for longer than LIMF_HAD_IDLE_NS: begun afresh (a later call of the same talker
	 * whose numbers start over) */
	CHECK(mark(h, "L1", 7, 105, 1 * S + LIMF_HAD_IDLE_NS));
	CHECK(!mark(h, "L1", 7, 105, 1 * S + 2 * LIMF_HAD_IDLE_NS + 1));
	CHECK(mark(h, "L1", 7, 105, 1 * S + 2 * LIMF_HAD_IDLE_NS + 1));
	/* or stamped that long before its last packet (inputs of other times) */
	CHECK(!mark(h, "L1", 7, 105, 1 * S));
	CHECK(limf_had_evicted(h) == 0);
	/* many streams: each still told while the table has room (a quarter full); beyond it
	 * the least recently used go, counted, and their packets count as not had */
	char liid[32];
	for (uint32_t i = 0; i < LIMF_HAD_SLOTS / 4; i++) {
		snprintf(liid, sizeof liid, "M%u", i);
		CHECK(!mark(h, liid, i, 1, 100 * S + i));
	}
	for (uint32_t i = 0; i < LIMF_HAD_SLOTS / 4; i++) {
		snprintf(liid, sizeof liid, "M%u", i);
		CHECK(mark(h, liid, i, 1, 100 * S + LIMF_HAD_SLOTS));
	}
	CHECK(limf_had_evicted(h) == 0);
	for (uint32_t i = 0; i < 4 * LIMF_HAD_SLOTS; i++) {
		snprintf(liid, sizeof liid, "N%u", i);
		CHECK(!mark(h, liid, i, 1, 200 * S + i));
	}
	CHECK(limf_had_evicted(h) > 0);
	/* a LIID longer than any (WR_LIID_MAX) is cut, not overrun; NULLs are refused */
	CHECK(!mark(h, "LIID-THAT-IS-MUCH-LONGER-THAN-ETSI-ALLOWS-0123456789", 1, 1, 300 * S));
	CHECK(!limf_had_mark(NULL, "L1", 1, 1, 1, 1, 1));
	CHECK(!limf_had_mark(h, NULL, 1, 1, 1, 1, 1));
	limf_had_free(h);
	limf_had_free(NULL);
}
