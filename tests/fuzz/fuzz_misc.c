/* libFuzzer target: the small parsers of operator and file input - wr_time_parse (warrant
 * windows, KMS certificate validity), wr_xid_parse, wr_scope_parse, limf_num_opt, and
 * limf_decode_imsg (`limf mikey inspect`/`unwrap` input) followed by mikey_parse. A parsed time
 * lies in 1970..9999 and formats back to itself; a parsed XID is canonical and parses back to
 * itself; a number lies in its bounds. The input is one C string (a copy, NUL added). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decrypt/mikey.h"
#include "limf/input.h"
#include "limf/opts.h"
#include "warrants/warrants.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 9999-12-31T23:59:59.999999Z */
#define LAST_US 253402300799999999LL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	char x[WR_XID_STRLEN], y[WR_XID_STRLEN], t[WR_TIME_STRLEN];
	int64_t us, us2;
	enum wr_scope sc;
	long v;
	uint8_t *bin = NULL;
	size_t bl = 0;
	static struct mikey_msg m;
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	if (wr_time_parse(s, &us) == LIM_OK) {
		if (us < 0 || us > LAST_US) {
			fprintf(stderr, "time out of range: '%s' -> %lld\n", s, (long long)us);
			abort();
		}
		wr_time_format(us, t);
		if (wr_time_parse(t, &us2) != LIM_OK || us2 != us) {
			fprintf(stderr, "time round trip: '%s' -> %lld -> '%s'\n", s, (long long)us,
				t);
			abort();
		}
	}
	if (wr_xid_parse(s, x) && (strlen(x) != 36 || !wr_xid_parse(x, y) || strcmp(x, y)))
		abort();
	(void)wr_scope_parse(s, &sc);
	if (limf_num_opt(s, -5, 100000, &v) && (v < -5 || v > 100000))
		abort();
	if (limf_decode_imsg(data, size, &bin, &bl) == LIM_OK) {
		(void)!mikey_parse(bin, bl, &m);
		free(bin);
	}
	free(s);
	return 0;
}
