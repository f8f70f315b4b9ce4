/* libFuzzer target: a hostile capture file (pcap or pcapng) as `limf replay` and `limf scan`
 * read evidence: cap_source over the file, plain or tapped (the input's last octet, bit 0), and
 * each frame through cap_dec_frame. Every frame must lie in its buffer, and a tapped source must
 * have passed the whole file on, once, when it reports the end. I/O: a private directory. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "tests/fuzz/fuzz_dir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct tapbuf {
	uint8_t *p;
	size_t n, cap;
};

static void tapfn(void *ctx, const uint8_t *p, size_t n)
{
	struct tapbuf *t = ctx;
	if (t->n + n > t->cap) {
		t->cap = (t->n + n) * 2;
		t->p = realloc(t->p, t->cap);
		if (!t->p)
			abort();
	}
	memcpy(t->p + t->n, p, n);
	t->n += n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cap_source *s = NULL;
	struct tapbuf tb = { NULL, 0, 0 };
	struct cap_tap tap = { tapfn, &tb };
	struct cap_dec dec;
	struct cap_defrag_limits lim;
	bool tapped = size && (data[size - 1] & 1);
	const char *path;
	enum lim_err e;
	fuzz_dir("pcap");
	path = fuzz_put("in.pcap", data, size);
	e = tapped ? cap_source_open_file_tap(path, &tap, &s) : cap_source_open_file(path, &s);
	if (e != LIM_OK) {
		if (s)
			abort(); /* *out NULL on failure */
		free(tb.p);
		return 0;
	}
	cap_defrag_limits_default(&lim);
	lim.max_inflight = 4;
	lim.max_total = 16384;
	if (cap_dec_init(&dec, &lim) != LIM_OK)
		abort();
	for (int i = 0; i < 1000; i++) {
		struct cap_frame fr;
		struct cap_pkt p;
		bool eof;
		if (cap_source_next(s, &fr, &eof) != LIM_OK || eof) {
			if (tapped && eof && (tb.n != size || memcmp(tb.p, data, size)))
				abort(); /* the tap's promise: the whole file, once, by the end */
			break;
		}
		if (fr.caplen && !fr.data)
			abort();
		if (fr.caplen) {
			volatile uint8_t x = fr.data[0] ^ fr.data[fr.caplen - 1];
			(void)x;
		}
		(void)!cap_dec_frame(&dec, &fr, &p);
	}
	cap_dec_clear(&dec);
	cap_source_close(s);
	free(tb.p);
	return 0;
}
