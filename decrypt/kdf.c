/* MIKEY PRF and key derivation (RFC 3830 s4.1.2-4.1.4, RFC 6043 s6.1). */
#include "decrypt/kdf.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/wipe.h"
#include "common/wr.h"

#define KEYBLK 32 /* RFC 3830 s4.1.2: inkey split into 256-bit blocks */
#define HMAX   32 /* largest HMAC output (SHA-256) */

/* One-shot HMAC of a || b into out (hlen octets). buf is scratch of HMAX + KDF_LABEL_MAX. */
static int hmac2(const EVP_MD *md, const uint8_t *key, size_t keylen, const uint8_t *a, size_t alen,
		 const uint8_t *b, size_t blen, uint8_t *buf, uint8_t *out, size_t hlen)
{
	unsigned int olen = 0;
	if (alen)
		memcpy(buf, a, alen);
	if (blen)
		memcpy(buf + alen, b, blen);
	if (keylen > (size_t)0x7fffffff)
		return 0;
	if (!HMAC(md, key, (int)keylen, buf, alen + blen, out, &olen))
		return 0;
	return olen == hlen;
}

/* see kdf.h */
enum lim_err kdf_prf(enum mikey_prf prf, const uint8_t *key, size_t keylen, const uint8_t *label,
		     size_t labellen, uint8_t *out, size_t outlen)
{
	enum lim_err rc = LIM_E_ARG;
	const EVP_MD *md;
	size_t hlen;
	uint8_t a[HMAX], h[HMAX], buf[HMAX + KDF_LABEL_MAX];

	if (!out)
		return LIM_E_ARG;
	if (prf == MIKEY_PRF_MIKEY1) {
		md = EVP_sha1();
		hlen = 20;
	} else if (prf == MIKEY_PRF_HMAC_SHA256) {
		md = EVP_sha256();
		hlen = 32;
	} else {
		goto out;
	}
	if (!key || keylen == 0 || outlen == 0 || (!label && labellen))
		goto out;
	if (labellen > KDF_LABEL_MAX || outlen > KDF_OUT_MAX) {
		rc = LIM_E_LIMIT;
		goto out;
	}
	rc = LIM_E_CRYPTO;
	memset(out, 0, outlen);
	/* outkey = P(s_1, label, m) XOR ... XOR P(s_n, label, m) */
	for (size_t off = 0; off < keylen; off += KEYBLK) {
		const uint8_t *s = key + off;
		size_t slen = keylen - off < KEYBLK ? keylen - off : KEYBLK;
		size_t alen = labellen;
		const uint8_t *prev = label; /* A_0 = label */
		for (size_t done = 0; done < outlen; done += hlen) {
			/* A_i = HMAC(s, A_(i-1)); block i = HMAC(s, A_i || label) */
			if (!hmac2(md, s, slen, prev, alen, NULL, 0, buf, a, hlen))
				goto out;
			prev = a;
			alen = hlen;
			if (!hmac2(md, s, slen, a, hlen, label, labellen, buf, h, hlen))
				goto out;
			for (size_t i = 0; i < hlen && done + i < outlen; i++)
				out[done + i] ^= h[i];
		}
	}
	rc = LIM_OK;
out:
	if (rc != LIM_OK && out && outlen)
		lim_wipe(out, outlen);
	LIM_WIPE(a);
	LIM_WIPE(h);
	LIM_WIPE(buf);
	return rc;
}

/* see kdf.h */
enum lim_err kdf_derive(enum mikey_prf prf, const uint8_t *tgk, size_t tgklen, uint32_t constant,
			uint8_t cs_id, uint32_t csb_id, const uint8_t *rand, size_t randlen,
			uint8_t *out, size_t outlen)
{
	enum lim_err rc = LIM_E_ARG;
	uint8_t label[KDF_LABEL_MAX];
	struct lim_wr w;

	if (!rand && randlen)
		goto out;
	if (randlen > KDF_LABEL_MAX - 9) {
		rc = LIM_E_LIMIT;
		goto out;
	}
	/* RFC 3830 s4.1.3: label = constant || cs_id || csb_id || RAND */
	lim_wr_init(&w, label, sizeof label);
	lim_wr_u32be(&w, constant);
	lim_wr_u8(&w, cs_id);
	lim_wr_u32be(&w, csb_id);
	lim_wr_bytes(&w, rand, randlen);
	if (!lim_wr_ok(&w)) {
		rc = LIM_E_LIMIT;
		goto out;
	}
	rc = kdf_prf(prf, tgk, tgklen, label, w.len, out, outlen);
out:
	if (rc != LIM_OK && out && outlen)
		lim_wipe(out, outlen);
	LIM_WIPE(label);
	return rc;
}
