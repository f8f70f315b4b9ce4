/* libFuzzer target for GMK distributions in SIP bodies (STYLE.md rule 22):
 *   1. the input as a SIP message: cap_sip_parse, then cap_mc_extract;
 *   2. the input as "Content-Type line \n body": cap_mc_extract_body (multipart, XML);
 *   3. every I_MESSAGE found through mikey_parse and mikey_gmk_check, and its type-7
 *      extensions through mikey_key_params_open with a fixed key;
 *   4. the raw input through mikey_key_params_parse and mikey_key_params_open.
 * Results must respect the caps and every view must lie inside the input: abort() otherwise.
 * Deterministic, no I/O. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture/mcbody.h"
#include "decrypt/gmk.h"
#include "decrypt/mikey.h"
#include "tests/fuzz/fuzz_views.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile int sink;

static const uint8_t key[16] = { 7, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };

static void text_ok(const struct cap_mc_text *t)
{
	if (t->len >= CAP_MC_TEXT || t->s[t->len] != '\0')
		abort();
}

static void check(const struct cap_mc_result *r, struct mikey_msg *mm, struct mikey_key_params *kp)
{
	if (!r->err_detail || r->n_imsg > CAP_MC_MAX_IMSG || r->n_parts > CAP_MC_MAX_PARTS)
		abort();
	text_ok(&r->mc_target);
	text_ok(&r->mc_group);
	for (size_t i = 0; i < r->n_imsg; i++) {
		const struct cap_mc_imsg *im = &r->imsg[i];
		if (im->len < 10 || im->len > CAP_MC_IMSG_MAX || im->bytes[0] != 1 ||
		    im->bytes[1] != 26 || im->n_group > CAP_MC_MAX_GROUPS)
			abort();
		text_ok(&im->element);
		text_ok(&im->part_type);
		for (size_t g = 0; g < im->n_group; g++)
			text_ok(&im->group[g]);
		if (mikey_parse(im->bytes, im->len, mm) == LIM_OK) {
			sink += mikey_gmk_check(mm, NULL);
			for (size_t e = 0; e < mm->n_ext; e++)
				if (mm->ext[e].type == MIKEY_EXT_KEY_PARAMS)
					sink += mikey_key_params_open(mm->ext[e].data,
								      mm->ext[e].len, key, 16,
								      mm->csb_id, kp, NULL);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cap_sip_msg *m = malloc(sizeof *m);
	struct cap_mc_result *r = malloc(sizeof *r);
	struct mikey_msg *mm = malloc(sizeof *mm);
	struct mikey_key_params *kp = malloc(sizeof *kp);
	uint8_t *copy = calloc(1, size ? size : 1);
	if (!m || !r || !mm || !kp || !copy)
		goto out;
	if (size)
		memcpy(copy, data, size);
	base = (const char *)copy;
	blen = size;
	if (cap_sip_parse(copy, size, m) == LIM_OK) {
		sink += cap_mc_extract(m, r);
		in(r->method);
		in(r->ruri);
		in(r->to_uri);
		check(r, mm, kp);
	}
	{
		size_t nl = 0;
		struct cap_str ct, b;
		while (nl < size && copy[nl] != '\n')
			nl++;
		ct.p = (const char *)copy;
		ct.len = nl;
		b.p = (const char *)copy + (nl < size ? nl + 1 : nl);
		b.len = nl < size ? size - nl - 1 : 0;
		sink += cap_mc_extract_body(ct, b, r);
		check(r, mm, kp);
	}
	sink += mikey_key_params_parse(copy, size, kp);
	if (kp->text_len > MIKEY_KP_TEXT_MAX || kp->n_group > MIKEY_KP_MAX_GROUPS)
		abort();
	sink += mikey_key_params_open(copy, size, key, sizeof key, 0x0123abcd, kp, NULL);
	if (kp->text_len > MIKEY_KP_TEXT_MAX || kp->n_group > MIKEY_KP_MAX_GROUPS)
		abort();
out:
	free(m);
	free(r);
	free(mm);
	free(kp);
	free(copy);
	return 0;
}
