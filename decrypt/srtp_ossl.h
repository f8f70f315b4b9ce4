/* libsrtp2 cipher and authentication types that run on OpenSSL (decrypt/srtp_ossl.c), for
 * decrypt/srtp_wrap.c alone: it puts them into libsrtp2's crypto kernel in place of the ones
 * libsrtp2 was built with (lim_srtp_set_crypto, srtp.h). Private to decrypt/ (STYLE.md rule 3:
 * only these two files include srtp2/).
 *
 * Why: Debian's libsrtp2 does its AES and HMAC-SHA1 with NSS, which creates and destroys a
 * PKCS#11 context for every packet and takes the softoken's locks for it: about 2.5 us per
 * 200-octet AES-CM packet, and a second thread unprotecting in the same process doubles the CPU
 * of both. These types keep one EVP context per libsrtp2 cipher and re-key nothing per packet
 * (AES-CM: a new counter block; GCM: a new IV; HMAC-SHA1: copies of the keyed SHA-1 states).
 *
 * The types (ids as libsrtp2's, RFC 3711 s4 and RFC 7714 s14):
 *   lim_ossl_aes_icm_128  SRTP_AES_ICM_128: AES-128 counter mode, key 16 || salt 14 octets
 *                         (RFC 3711 s4.1.1); also libsrtp2's key derivation (s4.3.3).
 *   lim_ossl_aes_gcm_128  SRTP_AES_GCM_128: AEAD_AES_128_GCM, key 16 || salt 12 octets (the
 *                         salt is libsrtp2's: it builds the 12-octet IV), tag 8 or 16 octets.
 *   lim_ossl_hmac_sha1    SRTP_HMAC_SHA1: HMAC-SHA1 (RFC 2104), key up to 64 octets, tag up to
 *                         20 octets.
 * Each carries published known answers as its test_data (RFC 3711 B.2, the GCM specification's
 * test case 4, RFC 2202 s3), which libsrtp2 runs when the type is loaded or replaced, along with
 * the test data of the type it replaces. Key material lives in the EVP / SHA contexts and the
 * salt field of the state and is wiped when libsrtp2 frees the cipher or auth. */
#ifndef LIMF_DECRYPT_SRTP_OSSL_H
#define LIMF_DECRYPT_SRTP_OSSL_H

#include <srtp2/auth.h>
#include <srtp2/cipher.h>

extern const srtp_cipher_type_t lim_ossl_aes_icm_128;
extern const srtp_cipher_type_t lim_ossl_aes_gcm_128;
extern const srtp_auth_type_t lim_ossl_hmac_sha1;

/* libsrtp2's crypto_kernel.c (exported by libsrtp2.so since 2.0, but no installed header
 * declares them): the types loaded now */
const srtp_cipher_type_t *srtp_crypto_kernel_get_cipher_type(srtp_cipher_type_id_t id);
const srtp_auth_type_t *srtp_crypto_kernel_get_auth_type(srtp_auth_type_id_t id);

#endif
