/* libsrtp2 cipher and authentication types on OpenSSL: see srtp_ossl.h. */
/* The low-level SHA-1 functions are deprecated in OpenSSL 3 but are the only ones that restart a
 * keyed hash by copying a plain struct: EVP_MD_CTX_copy_ex allocates a provider context and
 * takes a reference on the shared EVP_MD (an atomic every thread touches) for every packet. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "decrypt/srtp_ossl.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#define ICM_KEY     16 /* AES-128 */
#define ICM_SALT    14 /* RFC 3711 s4.1.1 */
#define GCM_KEY     16
#define GCM_SALT    12 /* RFC 7714 s8.1 */
#define GCM_IV      12
#define GCM_TAG_MAX 16
#define HMAC_BLOCK  64 /* SHA-1 block */
#define HMAC_OUT    20 /* SHA-1 digest */

/* The state of either cipher: one EVP context for the life of the cipher, and
 *   AES-128 counter mode: offset = salt || 0x0000; set_iv's counter block = offset XOR iv
 *     (libsrtp2 passes the SSRC and index, or the KDF's label and index, already shifted:
 *     RFC 3711 s4.1.1);
 *   AEAD_AES_128_GCM: the tag length, and dir: 1 encrypt, 0 decrypt, -1 until set_iv. */
struct ossl_cipher {
	EVP_CIPHER_CTX *ctx;
	uint8_t offset[16];
	int tag_len, dir;
};

/* A cipher of type t (its id is also libsrtp2's "algorithm") with a fresh state */
static srtp_err_status_t cipher_alloc(srtp_cipher_pointer_t *cp, const srtp_cipher_type_t *t,
				      int key_len)
{
	srtp_cipher_t *c = calloc(1, sizeof *c);
	struct ossl_cipher *st = calloc(1, sizeof *st);
	*cp = NULL;
	if (c && st)
		st->ctx = EVP_CIPHER_CTX_new();
	if (!c || !st || !st->ctx) {
		free(c);
		free(st);
		return srtp_err_status_alloc_fail;
	}
	st->dir = -1;
	c->type = t;
	c->state = st;
	c->key_len = key_len;
	c->algorithm = (int)t->id;
	*cp = c;
	return srtp_err_status_ok;
}

static srtp_err_status_t cipher_dealloc(srtp_cipher_pointer_t c)
{
	struct ossl_cipher *st;
	if (!c)
		return srtp_err_status_bad_param;
	st = c->state;
	if (st) {
		EVP_CIPHER_CTX_free(st->ctx); /* cleanses the key schedule */
		OPENSSL_cleanse(st, sizeof *st);
		free(st);
	}
	free(c);
	return srtp_err_status_ok;
}

static srtp_err_status_t icm_alloc(srtp_cipher_pointer_t *cp, int key_len, int tlen)
{
	(void)tlen;
	*cp = NULL;
	if (key_len != ICM_KEY + ICM_SALT)
		return srtp_err_status_bad_param;
	return cipher_alloc(cp, &lim_ossl_aes_icm_128, key_len);
}

static srtp_err_status_t icm_init(void *state, const uint8_t *key)
{
	struct ossl_cipher *st = state;
	memcpy(st->offset, key + ICM_KEY, ICM_SALT);
	st->offset[14] = st->offset[15] = 0;
	return EVP_EncryptInit_ex(st->ctx, EVP_aes_128_ctr(), NULL, key, NULL) == 1
		       ? srtp_err_status_ok
		       : srtp_err_status_init_fail;
}

static srtp_err_status_t icm_set_iv(void *state, uint8_t *iv, srtp_cipher_direction_t dir)
{
	struct ossl_cipher *st = state;
	uint8_t ctr[16];
	srtp_err_status_t rc;
	(void)dir; /* counter mode: the same keystream both ways */
	for (size_t i = 0; i < sizeof ctr; i++)
		ctr[i] = (uint8_t)(st->offset[i] ^ iv[i]);
	rc = EVP_EncryptInit_ex(st->ctx, NULL, NULL, NULL, ctr) == 1 ? srtp_err_status_ok
								     : srtp_err_status_cipher_fail;
	OPENSSL_cleanse(ctr, sizeof ctr); /* the session salt XOR a known index */
	return rc;
}

/* XORs the keystream into buf; a second call goes on with the keystream where the first ended */
static srtp_err_status_t icm_crypt(void *state, uint8_t *buf, unsigned int *len)
{
	struct ossl_cipher *st = state;
	int outl = 0;
	if (*len == 0)
		return srtp_err_status_ok;
	if (*len > INT_MAX)
		return srtp_err_status_bad_param;
	if (EVP_EncryptUpdate(st->ctx, buf, &outl, buf, (int)*len) != 1 || outl != (int)*len)
		return srtp_err_status_cipher_fail;
	return srtp_err_status_ok;
}

/* RFC 3711 Appendix B.2: session key and salt, IV 0 (counter = salt || 0000), the first three
 * keystream blocks as the ciphertext of zeros */
static const uint8_t icm_kat_key[ICM_KEY + ICM_SALT] = {
	0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6, 0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f,
	0x3c, 0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd
};
static uint8_t icm_kat_iv[16];
static const uint8_t icm_kat_pt[48];
static const uint8_t icm_kat_ct[48] = { 0xe0, 0x3e, 0xad, 0x09, 0x35, 0xc9, 0x5e, 0x80, 0xe1, 0x66,
					0xb1, 0x6d, 0xd9, 0x2b, 0x4e, 0xb4, 0xd2, 0x35, 0x13, 0x16,
					0x2b, 0x02, 0xd0, 0xf7, 0x2a, 0x43, 0xa2, 0xfe, 0x4a, 0x5f,
					0x97, 0xab, 0x41, 0xe9, 0x5b, 0x3b, 0xb0, 0xa2, 0xe8, 0xdd,
					0x47, 0x79, 0x01, 0xe4, 0xfc, 0xa8, 0x94, 0xc0 };
static const srtp_cipher_test_case_t icm_kat = {
	.key_length_octets = sizeof icm_kat_key,
	.key = icm_kat_key,
	.idx = icm_kat_iv,
	.plaintext_length_octets = sizeof icm_kat_pt,
	.plaintext = icm_kat_pt,
	.ciphertext_length_octets = sizeof icm_kat_ct,
	.ciphertext = icm_kat_ct,
};

/* see srtp_ossl.h */
const srtp_cipher_type_t lim_ossl_aes_icm_128 = {
	.alloc = icm_alloc,
	.dealloc = cipher_dealloc,
	.init = icm_init,
	.encrypt = icm_crypt,
	.decrypt = icm_crypt,
	.set_iv = icm_set_iv,
	.description = "AES-128 counter mode (limf, OpenSSL)",
	.test_data = &icm_kat,
	.id = SRTP_AES_ICM_128,
};

/* AEAD_AES_128_GCM. libsrtp2 drives it as: set_iv (direction), set_aad (any number of times),
 * then encrypt + get_tag, or decrypt over ciphertext || tag. */
static srtp_err_status_t gcm_alloc(srtp_cipher_pointer_t *cp, int key_len, int tlen)
{
	srtp_err_status_t rc;
	*cp = NULL;
	if (key_len != GCM_KEY + GCM_SALT || (tlen != 16 && tlen != 8))
		return srtp_err_status_bad_param;
	rc = cipher_alloc(cp, &lim_ossl_aes_gcm_128, key_len);
	if (rc == srtp_err_status_ok)
		((struct ossl_cipher *)(*cp)->state)->tag_len = tlen;
	return rc;
}

/* key: the 16-octet key (the salt after it is libsrtp2's business) */
static srtp_err_status_t gcm_init(void *state, const uint8_t *key)
{
	struct ossl_cipher *st = state;
	st->dir = -1;
	if (EVP_CipherInit_ex(st->ctx, EVP_aes_128_gcm(), NULL, NULL, NULL, 1) != 1 ||
	    EVP_CIPHER_CTX_ctrl(st->ctx, EVP_CTRL_GCM_SET_IVLEN, GCM_IV, NULL) != 1 ||
	    EVP_CipherInit_ex(st->ctx, NULL, NULL, key, NULL, 1) != 1)
		return srtp_err_status_init_fail;
	return srtp_err_status_ok;
}

static srtp_err_status_t gcm_set_iv(void *state, uint8_t *iv, srtp_cipher_direction_t dir)
{
	struct ossl_cipher *st = state;
	int enc;
	if (dir == srtp_direction_encrypt)
		enc = 1;
	else if (dir == srtp_direction_decrypt)
		enc = 0;
	else
		return srtp_err_status_bad_param;
	st->dir = -1;
	if (EVP_CipherInit_ex(st->ctx, NULL, NULL, NULL, iv, enc) != 1)
		return srtp_err_status_init_fail;
	st->dir = enc;
	return srtp_err_status_ok;
}

static srtp_err_status_t gcm_set_aad(void *state, const uint8_t *aad, uint32_t len)
{
	struct ossl_cipher *st = state;
	int outl = 0;
	if (st->dir < 0 || len > INT_MAX)
		return srtp_err_status_bad_param;
	if (len && EVP_CipherUpdate(st->ctx, NULL, &outl, aad, (int)len) != 1)
		return srtp_err_status_algo_fail;
	return srtp_err_status_ok;
}

static srtp_err_status_t gcm_encrypt(void *state, uint8_t *buf, unsigned int *len)
{
	struct ossl_cipher *st = state;
	int outl = 0;
	if (st->dir != 1 || *len > INT_MAX)
		return srtp_err_status_bad_param;
	if (*len &&
	    (EVP_CipherUpdate(st->ctx, buf, &outl, buf, (int)*len) != 1 || outl != (int)*len))
		return srtp_err_status_cipher_fail;
	return srtp_err_status_ok;
}

static srtp_err_status_t gcm_get_tag(void *state, uint8_t *tag, uint32_t *len)
{
	struct ossl_cipher *st = state;
	uint8_t none[16];
	int outl = 0;
	if (st->dir != 1)
		return srtp_err_status_bad_param;
	st->dir = -1; /* the next packet needs a new IV */
	if (EVP_CipherFinal_ex(st->ctx, none, &outl) != 1 ||
	    EVP_CIPHER_CTX_ctrl(st->ctx, EVP_CTRL_GCM_GET_TAG, st->tag_len, tag) != 1)
		return srtp_err_status_algo_fail;
	*len = (uint32_t)st->tag_len;
	return srtp_err_status_ok;
}

/* buf: ciphertext || tag, *len octets; decrypted in place, *len less the tag on success. On a
 * tag mismatch buf holds the unauthenticated plaintext: libsrtp2 returns the failure and the
 * caller drops the packet. */
static srtp_err_status_t gcm_decrypt(void *state, uint8_t *buf, unsigned int *len)
{
	struct ossl_cipher *st = state;
	uint8_t none[16], tag[GCM_TAG_MAX];
	unsigned int n;
	int outl = 0;
	if (st->dir != 0 || *len > INT_MAX || *len < (unsigned)st->tag_len)
		return srtp_err_status_bad_param;
	st->dir = -1;
	n = *len - (unsigned)st->tag_len;
	memcpy(tag, buf + n, (size_t)st->tag_len);
	if (EVP_CIPHER_CTX_ctrl(st->ctx, EVP_CTRL_GCM_SET_TAG, st->tag_len, tag) != 1 ||
	    (n && (EVP_CipherUpdate(st->ctx, buf, &outl, buf, (int)n) != 1 || outl != (int)n)))
		return srtp_err_status_cipher_fail;
	if (EVP_CipherFinal_ex(st->ctx, none, &outl) != 1)
		return srtp_err_status_auth_fail;
	*len = n;
	return srtp_err_status_ok;
}

/* The GCM specification's test case 4 (McGrew and Viega, "The Galois/Counter Mode of Operation",
 * also NIST's gcmEncryptExtIV128 vectors): key || a 12-octet salt libsrtp2 does not pass on, IV,
 * 20 octets of AAD, 60 of plaintext; ciphertext || 16-octet tag. */
static const uint8_t gcm_kat_key[GCM_KEY + GCM_SALT] = { 0xfe, 0xff, 0xe9, 0x92, 0x86, 0x65, 0x73,
							 0x1c, 0x6d, 0x6a, 0x8f, 0x94, 0x67, 0x30,
							 0x83, 0x08, 0x00, 0x01, 0x02, 0x03, 0x04,
							 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b };
static uint8_t gcm_kat_iv[16] = { 0xca, 0xfe, 0xba, 0xbe, 0xfa, 0xce,
				  0xdb, 0xad, 0xde, 0xca, 0xf8, 0x88 };
static const uint8_t gcm_kat_aad[20] = {
	0xfe, 0xed, 0xfa, 0xce, 0xde, 0xad, 0xbe, 0xef, 0xfe, 0xed,
	0xfa, 0xce, 0xde, 0xad, 0xbe, 0xef, 0xab, 0xad, 0xda, 0xd2
};
static const uint8_t gcm_kat_pt[60] = {
	0xd9, 0x31, 0x32, 0x25, 0xf8, 0x84, 0x06, 0xe5, 0xa5, 0x59, 0x09, 0xc5, 0xaf, 0xf5, 0x26,
	0x9a, 0x86, 0xa7, 0xa9, 0x53, 0x15, 0x34, 0xf7, 0xda, 0x2e, 0x4c, 0x30, 0x3d, 0x8a, 0x31,
	0x8a, 0x72, 0x1c, 0x3c, 0x0c, 0x95, 0x95, 0x68, 0x09, 0x53, 0x2f, 0xcf, 0x0e, 0x24, 0x49,
	0xa6, 0xb5, 0x25, 0xb1, 0x6a, 0xed, 0xf5, 0xaa, 0x0d, 0xe6, 0x57, 0xba, 0x63, 0x7b, 0x39
};
static const uint8_t gcm_kat_ct[76] = { 0x42, 0x83, 0x1e, 0xc2, 0x21, 0x77, 0x74, 0x24, 0x4b, 0x72,
					0x21, 0xb7, 0x84, 0xd0, 0xd4, 0x9c, 0xe3, 0xaa, 0x21, 0x2f,
					0x2c, 0x02, 0xa4, 0xe0, 0x35, 0xc1, 0x7e, 0x23, 0x29, 0xac,
					0xa1, 0x2e, 0x21, 0xd5, 0x14, 0xb2, 0x54, 0x66, 0x93, 0x1c,
					0x7d, 0x8f, 0x6a, 0x5a, 0xac, 0x84, 0xaa, 0x05, 0x1b, 0xa3,
					0x0b, 0x39, 0x6a, 0x0a, 0xac, 0x97, 0x3d, 0x58, 0xe0, 0x91,
					/* tag */
					0x5b, 0xc9, 0x4f, 0xbc, 0x32, 0x21, 0xa5, 0xdb, 0x94, 0xfa,
					0xe9, 0x5a, 0xe7, 0x12, 0x1a, 0x47 };
static const srtp_cipher_test_case_t gcm_kat = {
	.key_length_octets = sizeof gcm_kat_key,
	.key = gcm_kat_key,
	.idx = gcm_kat_iv,
	.plaintext_length_octets = sizeof gcm_kat_pt,
	.plaintext = gcm_kat_pt,
	.ciphertext_length_octets = sizeof gcm_kat_ct,
	.ciphertext = gcm_kat_ct,
	.aad_length_octets = sizeof gcm_kat_aad,
	.aad = gcm_kat_aad,
	.tag_length_octets = 16,
};

/* see srtp_ossl.h */
const srtp_cipher_type_t lim_ossl_aes_gcm_128 = {
	.alloc = gcm_alloc,
	.dealloc = cipher_dealloc,
	.init = gcm_init,
	.set_aad = gcm_set_aad,
	.encrypt = gcm_encrypt,
	.decrypt = gcm_decrypt,
	.set_iv = gcm_set_iv,
	.get_tag = gcm_get_tag,
	.description = "AES-128 GCM (limf, OpenSSL)",
	.test_data = &gcm_kat,
	.id = SRTP_AES_GCM_128,
};

/* HMAC-SHA1 (RFC 2104): inner and outer are SHA-1 after (key XOR ipad) and (key XOR opad);
 * work is the running inner hash of a message (start copies inner into it). */
struct hmac_state {
	SHA_CTX inner, outer, work;
};

static srtp_err_status_t hmac_alloc(srtp_auth_pointer_t *ap, int key_len, int out_len)
{
	srtp_auth_t *a = NULL;
	struct hmac_state *st = NULL;
	*ap = NULL;
	if (key_len < 0 || key_len > HMAC_BLOCK || out_len < 0 || out_len > HMAC_OUT)
		return srtp_err_status_bad_param;
	a = calloc(1, sizeof *a);
	st = calloc(1, sizeof *st);
	if (!a || !st) {
		free(a);
		free(st);
		return srtp_err_status_alloc_fail;
	}
	a->type = &lim_ossl_hmac_sha1;
	a->state = st;
	a->out_len = out_len;
	a->key_len = key_len;
	a->prefix_len = 0;
	*ap = a;
	return srtp_err_status_ok;
}

static srtp_err_status_t hmac_dealloc(srtp_auth_pointer_t a)
{
	if (!a)
		return srtp_err_status_bad_param;
	if (a->state) {
		OPENSSL_cleanse(a->state, sizeof(struct hmac_state));
		free(a->state);
	}
	free(a);
	return srtp_err_status_ok;
}

static srtp_err_status_t hmac_init(void *state, const uint8_t *key, int key_len)
{
	struct hmac_state *st = state;
	uint8_t pad[HMAC_BLOCK];
	srtp_err_status_t rc = srtp_err_status_auth_fail;
	if (key_len < 0 || key_len > HMAC_BLOCK)
		return srtp_err_status_bad_param;
	memset(pad, 0x36, sizeof pad);
	for (int i = 0; i < key_len; i++)
		pad[i] ^= key[i];
	if (SHA1_Init(&st->inner) != 1 || SHA1_Update(&st->inner, pad, sizeof pad) != 1)
		goto out;
	for (size_t i = 0; i < sizeof pad; i++)
		pad[i] ^= 0x36 ^ 0x5c;
	if (SHA1_Init(&st->outer) != 1 || SHA1_Update(&st->outer, pad, sizeof pad) != 1)
		goto out;
	st->work = st->inner;
	rc = srtp_err_status_ok;
out:
	OPENSSL_cleanse(pad, sizeof pad);
	return rc;
}

static srtp_err_status_t hmac_start(void *state)
{
	struct hmac_state *st = state;
	st->work = st->inner;
	return srtp_err_status_ok;
}

static srtp_err_status_t hmac_update(void *state, const uint8_t *buf, int len)
{
	struct hmac_state *st = state;
	if (len < 0)
		return srtp_err_status_bad_param;
	return SHA1_Update(&st->work, buf, (size_t)len) == 1 ? srtp_err_status_ok
							     : srtp_err_status_auth_fail;
}

static srtp_err_status_t hmac_compute(void *state, const uint8_t *buf, int len, int tag_len,
				      uint8_t *tag)
{
	struct hmac_state *st = state;
	uint8_t h[HMAC_OUT];
	srtp_err_status_t rc = srtp_err_status_auth_fail;
	if (len < 0 || tag_len < 0 || tag_len > HMAC_OUT)
		return srtp_err_status_bad_param;
	if (SHA1_Update(&st->work, buf, (size_t)len) != 1 || SHA1_Final(h, &st->work) != 1)
		goto out;
	st->work = st->outer;
	if (SHA1_Update(&st->work, h, sizeof h) != 1 || SHA1_Final(h, &st->work) != 1)
		goto out;
	memcpy(tag, h, (size_t)tag_len);
	rc = srtp_err_status_ok;
out:
	OPENSSL_cleanse(h, sizeof h);
	return rc;
}

/* RFC 2202 s3, test cases 1 and 2 (a 4-octet key) */
static const uint8_t hmac_kat1_key[20] = { 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
					   0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
					   0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b };
static const uint8_t hmac_kat1_data[8] = { 'H', 'i', ' ', 'T', 'h', 'e', 'r', 'e' };
static const uint8_t hmac_kat1_tag[20] = { 0xb6, 0x17, 0x31, 0x86, 0x55, 0x05, 0x72,
					   0x64, 0xe2, 0x8b, 0xc0, 0xb6, 0xfb, 0x37,
					   0x8c, 0x8e, 0xf1, 0x46, 0xbe, 0x00 };
static const uint8_t hmac_kat2_key[4] = { 'J', 'e', 'f', 'e' };
static const uint8_t hmac_kat2_data[28] = { 'w', 'h', 'a', 't', ' ', 'd', 'o', ' ', 'y', 'a',
					    ' ', 'w', 'a', 'n', 't', ' ', 'f', 'o', 'r', ' ',
					    'n', 'o', 't', 'h', 'i', 'n', 'g', '?' };
static const uint8_t hmac_kat2_tag[20] = { 0xef, 0xfc, 0xdf, 0x6a, 0xe5, 0xeb, 0x2f,
					   0xa2, 0xd2, 0x74, 0x16, 0xd5, 0xf1, 0x84,
					   0xdf, 0x9c, 0x25, 0x9a, 0x7c, 0x79 };
static const srtp_auth_test_case_t hmac_kat2 = {
	.key_length_octets = sizeof hmac_kat2_key,
	.key = hmac_kat2_key,
	.data_length_octets = sizeof hmac_kat2_data,
	.data = hmac_kat2_data,
	.tag_length_octets = sizeof hmac_kat2_tag,
	.tag = hmac_kat2_tag,
};
static const srtp_auth_test_case_t hmac_kat1 = {
	.key_length_octets = sizeof hmac_kat1_key,
	.key = hmac_kat1_key,
	.data_length_octets = sizeof hmac_kat1_data,
	.data = hmac_kat1_data,
	.tag_length_octets = sizeof hmac_kat1_tag,
	.tag = hmac_kat1_tag,
	.next_test_case = &hmac_kat2,
};

/* see srtp_ossl.h */
const srtp_auth_type_t lim_ossl_hmac_sha1 = {
	.alloc = hmac_alloc,
	.dealloc = hmac_dealloc,
	.init = hmac_init,
	.compute = hmac_compute,
	.update = hmac_update,
	.start = hmac_start,
	.description = "HMAC-SHA1 (limf, OpenSSL)",
	.test_data = &hmac_kat1,
	.id = SRTP_HMAC_SHA1,
};
