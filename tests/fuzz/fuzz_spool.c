/* libFuzzer target: the spool's recovery at open (handover/deliver.h ho_spool_open, and
 * ho_spool_peek) over hostile files in its directory - the seq file, the ended journal, the
 * ack file and one segment, as a crash, a power loss, a bit flip or a stranger could leave
 * them - then every read, a confirm and an append. Nothing may crash, leak or read out of
 * bounds; an open that succeeds must give a consistent index space (confirmed <= synced <=
 * head) and reads that are LIM_OK or an error. Input: four length-prefixed parts (u16 big-
 * endian length, then the octets): seq, ended, ack, then the rest is the segment
 * seg-0000000000000000.spool. A part of length 0xffff is left out (no such file). I/O: a
 * private directory (fuzz_dir.h), emptied before each input. */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "handover/deliver.h"
#include "handover/handover.h"
#include "tests/fuzz/fuzz_dir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The next length-prefixed part; false when the input ends first. */
static bool part(const uint8_t **d, size_t *size, const uint8_t **p, size_t *n, bool *absent)
{
	size_t l;
	if (*size < 2)
		return false;
	l = (size_t)(*d)[0] << 8 | (*d)[1];
	*d += 2;
	*size -= 2;
	*absent = l == 0xffff;
	if (*absent)
		l = 0;
	if (l > *size)
		l = *size;
	*p = *d;
	*n = l;
	*d += l;
	*size -= l;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[3] = { "seq", "ended", "ack" };
	struct ho_spool_cfg cfg = { .max_bytes = 1u << 20, .segment_bytes = 4096 };
	struct ho_spool *s = NULL;
	struct ho_spool_stats st;
	static uint8_t buf[HO_PDU_MAX];
	bool in_use = false;
	const char *dir = fuzz_dir("spool");
	fuzz_empty();
	for (int i = 0; i < 3; i++) {
		const uint8_t *p;
		size_t n;
		bool absent;
		if (!part(&data, &size, &p, &n, &absent))
			return 0;
		if (!absent)
			fuzz_put(names[i], p, n);
	}
	fuzz_put("seg-0000000000000000.spool", data, size);
	if (ho_spool_peek(dir, 0, &st, &in_use) == LIM_OK && in_use)
		abort(); /* nobody holds it */
	cfg.dir = dir;
	if (ho_spool_open(&cfg, &s) != LIM_OK) {
		if (s)
			abort(); /* *out NULL on failure */
		return 0;
	}
	ho_spool_get_stats(s, &st);
	if (st.confirmed > st.synced || st.synced > st.head)
		abort();
	for (uint64_t i = st.confirmed; i < st.synced && i < st.confirmed + 256; i++) {
		size_t n = 0;
		if (ho_spool_read(s, i, buf, sizeof buf, &n) == LIM_OK && n > sizeof buf)
			abort();
	}
	if (st.synced > st.confirmed && ho_spool_confirm(s, st.confirmed + 1) == LIM_OK) {
		ho_spool_get_stats(s, &st);
		if (st.confirmed > st.synced)
			abort();
	}
	{
		struct ho_psheader h;
		struct ho_iri_sip iri;
		static const uint8_t sip[] = "MESSAGE sip:x SIP/2.0";
		memset(&h, 0, sizeof h);
		h.version = HO_PS_VERSION_DEFAULT;
		memcpy(h.liid, "FUZZ", 5);
		memcpy(h.op_id, "op", 3);
		h.cin = 1;
		h.ts_sec = 1700000000;
		memset(&iri, 0, sizeof iri);
		iri.type = HO_IRI_REPORT;
		iri.src.family = iri.dst.family = 4;
		iri.sip = sip;
		iri.sip_len = sizeof sip - 1;
		if (ho_spool_put_iri(s, &h, &iri) == LIM_OK && ho_spool_sync(s) == LIM_OK) {
			ho_spool_get_stats(s, &st);
			if (st.synced != st.head)
				abort();
		}
	}
	ho_spool_free(s);
	return 0;
}
