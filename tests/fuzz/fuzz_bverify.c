/* libFuzzer target: ho_bundle_verify (`limf verify`) over a hostile bundle whose manifest
 * signature verifies with the bundle's own key (what `limf verify` without --key accepts), so
 * that every check after the signature is reached. A failure leaves a NUL-terminated reason; a
 * success none, and at most HO_BUNDLE_MAX_FILES files. Input: flags (1; bit 0: a signature one
 * octet short), manifest length (2, big-endian) and manifest, then up to 16 entries: kind (1;
 * bits 0-1: 0 file, 1 directory, 2 symlink whose target is the data, 3 FIFO), name length (1),
 * name, data length (2), data. Names and targets with ".." or a leading '/' are skipped. I/O:
 * a private directory. */
#include "handover/bundle.h"
#include "tests/fuzz/fuzz_dir.h"
#include <dirent.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
static EVP_PKEY *key;
static uint8_t pub[512];
static size_t publen;

static void setup(void)
{
	static const uint8_t raw[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
					 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	BIO *b = BIO_new(BIO_s_mem());
	const char *q;
	long l;
	key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, raw, 32);
	if (!key || !b || PEM_write_bio_PUBKEY(b, key) != 1)
		abort();
	l = BIO_get_mem_data(b, &q);
	if (l <= 0 || (size_t)l > sizeof pub)
		abort();
	memcpy(pub, q, (size_t)l);
	publen = (size_t)l;
	BIO_free(b);
}
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t sig[64];
	size_t siglen = 64, mlen;
	char why[512];
	struct ho_verify_info info;
	EVP_MD_CTX *m;
	uint8_t flags;
	if (!key)
		setup();
	fuzz_dir("bverify");
	fuzz_empty();
	if (size < 3)
		return 0;
	flags = data[0];
	mlen = (size_t)data[1] << 8 | data[2];
	data += 3, size -= 3;
	if (mlen > size)
		mlen = size;
	fuzz_put("manifest.json", data, mlen);
	m = EVP_MD_CTX_new();
	if (!m || EVP_DigestSignInit(m, NULL, NULL, NULL, key) != 1 ||
	    EVP_DigestSign(m, sig, &siglen, data, mlen) != 1)
		abort();
	EVP_MD_CTX_free(m);
	fuzz_put("manifest.sig", sig, (flags & 1) ? 63 : 64);
	fuzz_put("manifest.pub", pub, publen);
	data += mlen, size -= mlen;
	for (int i = 0; i < 16 && size >= 4; i++) {
		uint8_t kind = data[0], nl = data[1];
		char name[300], path[1024];
		size_t dl;
		data += 2, size -= 2;
		if (nl > size)
			nl = (uint8_t)size;
		memcpy(name, data, nl);
		name[nl] = 0;
		data += nl, size -= nl;
		if (size < 2)
			break;
		dl = (size_t)data[0] << 8 | data[1];
		data += 2, size -= 2;
		if (dl > size)
			dl = size;
		if (strstr(name, "..") || name[0] == '/' || !name[0])
			goto next;
		snprintf(path, sizeof path, "%s/%s", fuzz_dir_path, name);
		switch (kind & 3) {
		case 0: fuzz_put(name, data, dl); break;
		case 1: mkdir(path, 0700); break;
		case 2: {
			char t[300];
			size_t tl = dl < 299 ? dl : 299;
			memcpy(t, data, tl);
			t[tl] = 0;
			if (!strstr(t, "..") && t[0] != '/')
				(void)!symlink(t, path);
			break;
		}
		case 3: mkfifo(path, 0600); break;
		}
	next:
		data += dl, size -= dl;
	}
	memset(why, 0x55, sizeof why);
	enum lim_err rc = ho_bundle_verify_ex(fuzz_dir_path, NULL, why, sizeof why, &info);
	if (!memchr(why, 0, sizeof why))
		abort();
	if (rc == LIM_OK && (why[0] || info.files > HO_BUNDLE_MAX_FILES))
		abort();
	return 0;
}
