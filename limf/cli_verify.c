/* limf verify [--key PUB.pem | --fingerprint HEX] [--json] DIR (DESIGN.md s6, s7): checks an
 * evidence bundle with handover/'s verifier: the Ed25519 signature over manifest.json (with the
 * bundle's own manifest.pub, or with the authority's pinned key --key, which manifest.pub must
 * then equal, or --fingerprint, the SHA-256 fingerprint the producer gave, which it must have),
 * every listed output's size and SHA-256, nothing missing, nothing added. Prints
 * "verified: N files, key SHA-256 fingerprint HEX" and whose key that is (exit 0), or
 * "FAILED: WHY" naming the first difference (exit 1); 2 for a usage error. The fingerprint is
 * SHA-256 over the key's DER SubjectPublicKeyInfo, so an authority can compare it with one it
 * received out of band. Without --key the signature shows only that the bundle is as the key
 * it carries signed it: anyone who rewrites a bundle can sign it again with a key of their own.
 * So that a reader cannot take that for the producer's word, the text says NOT PINNED (and a
 * --key inside DIR, links resolved, is refused as a usage error: it would pin nothing). A
 * bundle whose producer stated that it is incomplete (the manifest's "incomplete", handover/
 * bundle.h) verifies, and the statement is printed beside it. */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/codec.h"
#include "common/json.h"
#include "handover/bundle.h"
#include "limf/cli.h"
#include "limf/opts.h"
#include "limf/text.h"

static void verify_usage(FILE *f)
{
	fputs("usage: limf verify [--key PUB.pem | --fingerprint HEX] [--json] DIR\n"
	      "Checks the evidence bundle DIR: manifest signature (with --key: made by that key;\n"
	      "with --fingerprint: by the key of that SHA-256 fingerprint, as limf replay prints\n"
	      "it), every output's size and SHA-256, no file missing or added. Exit 0 verified,\n"
	      "1 not verified, 2 usage.\n",
	      f);
}

/* Whether key is the bundle's own: inside dir, its symbolic links resolved (a manifest.pub given
 * as the pin, or a link to it), or the very file dir/manifest.pub under another name (a hard
 * link, a bind mount). False when they do not resolve (the check of the bundle then says why). */
static bool key_in_bundle(const char *key, const char *dir)
{
	char *k = realpath(key, NULL), *d = realpath(dir, NULL);
	bool in = false;
	struct stat ks, ms;
	if (k && d) {
		size_t n = strlen(d);
		in = strncmp(k, d, n) == 0 && (k[n] == '/' || (n == 1 && d[0] == '/'));
	}
	if (!in && d) {
		char mp[PATH_MAX];
		int w = snprintf(mp, sizeof mp, "%s/manifest.pub", d);
		in = w > 0 && (size_t)w < sizeof mp && stat(key, &ks) == 0 && stat(mp, &ms) == 0 &&
		     ks.st_dev == ms.st_dev && ks.st_ino == ms.st_ino;
	}
	free(k);
	free(d);
	return in;
}

/* see cli.h */

int limf_cmd_verify(int argc, char **argv)
{
	const char *key = NULL, *dir = NULL, *pin = NULL;
	bool json = false;
	const struct limf_opt opts[] = {
		{ "--key", &key, NULL, NULL, NULL, 0 },
		{ "--fingerprint", &pin, NULL, NULL, NULL, 0 },
		{ "--json", NULL, &json, NULL, NULL, 0 },
	};
	uint8_t want[32];
	struct ho_verify_info info;
	char why[512], fpr[65];
	enum lim_err rc;

	if (limf_wants_help(argc, argv)) {
		verify_usage(stdout);
		return 0;
	}
	if (limf_parse_opts(argc, argv, opts, sizeof opts / sizeof opts[0], &dir, 1) != 0 || !dir) {
		verify_usage(stderr);
		return 2;
	}
	size_t wl = 0;
	if (pin && (key || strlen(pin) != 2 * sizeof want ||
		    lim_hex_decode(pin, strlen(pin), want, sizeof want, &wl) != LIM_OK ||
		    wl != sizeof want)) {
		fputs(key ? "limf verify: --key or --fingerprint, not both\n"
			  : "limf verify: --fingerprint: 64 hexadecimal digits (SHA-256)\n",
		      stderr);
		return 2;
	}
	if (key && key_in_bundle(key, dir)) {
		fputs("limf verify: --key: that file is inside the bundle: a bundle's own key "
		      "pins nothing (whoever made it put it there); give the producer's key as "
		      "received, or --fingerprint\n",
		      stderr);
		return 2;
	}
	memset(&info, 0, sizeof info);
	rc = ho_bundle_verify_ex(dir, key, why, sizeof why, &info);
	if (rc == LIM_OK)
		lim_hex_encode(info.fpr, sizeof info.fpr, fpr);
	if (rc == LIM_OK && pin && memcmp(info.fpr, want, sizeof want) != 0) {
		snprintf(why, sizeof why,
			 "manifest.pub: not the key of the pinned fingerprint (it is %s)", fpr);
		rc = LIM_E_AUTH;
	}
	if (json) {
		struct lim_json j;
		lim_json_init(&j, stdout);
		lim_json_obj_open(&j);
		lim_json_key(&j, "verified");
		lim_json_bool(&j, rc == LIM_OK);
		if (rc == LIM_OK) {
			lim_json_key(&j, "files");
			lim_json_u64(&j, info.files);
			lim_json_key(&j, "key_sha256");
			lim_json_str(&j, fpr);
		} else {
			lim_json_key(&j, "reason");
			lim_json_str(&j, why);
		}
		lim_json_key(&j, "pinned");
		lim_json_bool(&j, key != NULL || pin != NULL);
		if (rc == LIM_OK && info.incomplete[0]) {
			lim_json_key(&j, "incomplete");
			lim_json_str(&j, info.incomplete);
		}
		lim_json_obj_close(&j);
		if (limf_json_end(&j) != 0)
			return 1;
	} else if (rc == LIM_OK) {
		printf("verified: %zu files, key SHA-256 fingerprint %s (%s)\n", info.files, fpr,
		       key   ? "the pinned key"
		       : pin ? "the pinned fingerprint"
			     : "the bundle's own key, NOT PINNED");
		if (!key && !pin)
			printf("  the bundle is as that key signed it; whose key it is, only its "
			       "fingerprint can tell: compare it with the producer's, or check "
			       "with "
			       "--key PRODUCER.pub or --fingerprint HEX\n");
		if (info.incomplete[0]) {
			fputs("WARNING: its producer stated the evidence is INCOMPLETE: ", stdout);
			limf_print_safe(stdout, info.incomplete);
			putchar('\n');
		}
	} else {
		/* why may hold a file name of the bundle, byte for byte: escaped, so that a name
		 * with CR or escape sequences cannot make FAILED look like "verified" */
		fputs("FAILED: ", stdout);
		limf_print_safe(stdout, why);
		putchar('\n');
	}
	return rc == LIM_OK ? 0 : 1;
}
