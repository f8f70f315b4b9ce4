/* libFuzzer target for the evidence verifier's manifest reader (STYLE.md rule 22):
 * ho_manifest_parse, what `limf verify` does with manifest.json once its signature verified.
 * Without --key the signature is the bundle's own, so anyone who hands over a bundle chooses
 * these octets. The seeds are manifests of real bundles (tests/corpus/manifest/).
 * abort() when:
 *  - the result is neither LIM_OK nor LIM_E_PARSE, or why is empty on failure;
 *  - on success: more outputs than HO_BUNDLE_MAX_FILES, or "incomplete" not terminated
 *    within its cap; on failure: an output count or "incomplete" left set;
 *  - the same input parsed twice gives another result. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "handover/bundle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char inc[2][HO_BUNDLE_INCOMPLETE_MAX + 1], why[2][256];
	size_t n[2];
	enum lim_err rc[2];
	if (size > HO_BUNDLE_MANIFEST_MAX)
		return 0;
	for (int k = 0; k < 2; k++) {
		memset(inc[k], 0x55, sizeof inc[k]);
		memset(why[k], 0x55, sizeof why[k]);
		n[k] = 12345;
		rc[k] = ho_manifest_parse(data, size, &n[k], inc[k], why[k], sizeof why[k]);
		if (rc[k] != LIM_OK && rc[k] != LIM_E_PARSE)
			abort();
		if (!memchr(why[k], '\0', sizeof why[k]) || !memchr(inc[k], '\0', sizeof inc[k]))
			abort();
		if (rc[k] == LIM_OK && (n[k] > HO_BUNDLE_MAX_FILES || why[k][0]))
			abort();
		if (rc[k] != LIM_OK && (n[k] != 0 || inc[k][0] || !why[k][0]))
			abort();
	}
	if (rc[0] != rc[1] || n[0] != n[1] || strcmp(inc[0], inc[1]) != 0 ||
	    strcmp(why[0], why[1]) != 0)
		abort();
	return 0;
}
