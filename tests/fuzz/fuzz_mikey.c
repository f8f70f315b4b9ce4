/* libFuzzer target for mikey_parse (STYLE.md rule 22): deterministic, no I/O, no state kept
 * between runs. When the input parses, it checks the codec's round-trip contracts and abort()s
 * on a mismatch so the fuzzer reports it:
 *   1. mikey_build(parse(x)) == x octet for octet (payload order is recorded in pl[]);
 *   2. the canonical-order build c = mikey_build(parse(x) with n_pl = 0) parses, has the same
 *      length as x, and rebuilds to itself (build(parse(c)) == c);
 *   3. the accessors (signed parts, identity lookups, names, timestamps) stay in bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decrypt/mikey.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void touch_accessors(const struct mikey_msg *m)
{
	const uint8_t *p;
	size_t n;
	const struct mikey_idr *ids[4] = { mikey_initiator(m), mikey_responder(m),
					   mikey_kms_initiator(m), mikey_kms_responder(m) };
	char ts[MIKEY_TS_STRLEN];
	const char *why;
	volatile size_t sink = 0;
	for (int c = 0; c < 2; c++)
		if (mikey_signed_part(m, (enum mikey_sign_cover)c, &p, &n) == LIM_OK) {
			if (p != m->raw || n > m->raw_len)
				abort();
			sink += n ? p[n - 1] : 0;
		}
	for (int i = 0; i < 4; i++)
		if (ids[i])
			sink += mikey_id_textlen(ids[i]);
	if (m->has_t && mikey_ts_iso8601(m->ts_type, m->ts, ts) == LIM_OK)
		sink += strlen(ts);
	if (mikey_check_sakke_imessage(m, &why) == LIM_OK)
		sink++;
	sink += strlen(why) + strlen(mikey_data_type_name(m->data_type)) +
		strlen(mikey_prf_name(m->prf)) + strlen(mikey_map_type_name(m->map_type));
	for (size_t i = 0; i < m->n_idr; i++)
		sink += strlen(mikey_role_name(m->idr[i].role));
	for (size_t i = 0; i < m->n_sp; i++)
		for (size_t k = 0; k < m->sp[i].n_params; k++) {
			const struct mikey_sp_param *pp = &m->sp[i].params[k];
			const char *v =
				mikey_sp_value_name(m->sp[i].prot_type, pp->type, pp->val, pp->len);
			sink += strlen(mikey_sp_param_name(m->sp[i].prot_type, pp->type)) +
				(v ? strlen(v) : 0);
		}
	(void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mikey_msg *m = malloc(sizeof *m), *m2 = malloc(sizeof *m2);
	uint8_t *out = malloc(size + 1), *out2 = malloc(size + 1);
	size_t n = 0, n2 = 0;

	if (!m || !m2 || !out || !out2)
		goto done;
	if (mikey_parse(data, size, m) != LIM_OK) {
		if (!m->err_detail || m->err_offset > size || m->n_pl != 0)
			abort();
		goto done;
	}
	touch_accessors(m);
	/* 1. exact rebuild */
	if (mikey_build(m, out, size + 1, &n) != LIM_OK || n != size ||
	    (size && memcmp(out, data, size) != 0))
		abort();
	/* 2. canonical order: same payloads, same length, a fixed point of parse+build */
	m->n_pl = 0;
	if (mikey_build(m, out, size + 1, &n) != LIM_OK || n != size)
		abort();
	if (mikey_parse(out, n, m2) != LIM_OK)
		abort();
	if (mikey_build(m2, out2, size + 1, &n2) != LIM_OK || n2 != n ||
	    (n && memcmp(out, out2, n) != 0))
		abort();
	if (m2->n_idr != m->n_idr || m2->n_sp != m->n_sp || m2->n_ext != m->n_ext ||
	    m2->has_sign != m->has_sign || m2->csb_id != m->csb_id)
		abort();
done:
	free(m);
	free(m2);
	free(out);
	free(out2);
	return 0;
}
