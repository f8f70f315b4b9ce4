/* Private keys from PEM files without leaving their text in freed memory (STYLE.md rule 16).
 * OpenSSL's file readers (BIO_new_file, SSL_CTX_use_PrivateKey_file, curl's CURLOPT_SSLKEY) read
 * through stdio, whose buffer holds the whole file and is freed unwiped, and decode the PEM
 * lines in ordinary heap (an audit found the key's text in freed blocks after each load). Here
 * the file is read with read(2) into OpenSSL's secure heap, the PEM block decoded there
 * (PEM_FLAG_SECURE), and every copy wiped before it is freed. */
#ifndef LIM_PKEY_H
#define LIM_PKEY_H

#include <openssl/evp.h>
#include <stddef.h>

#define LIM_PKEY_FILE_MAX 65536 /* octets of a key file read at most */

/* The first private key of the PEM file path ("PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE
 * KEY"; other blocks, e.g. "EC PARAMETERS", are passed over), or NULL with why set: a file that
 * cannot be read, is larger than LIM_PKEY_FILE_MAX, holds no private key, holds an encrypted
 * one (never a passphrase prompt), or one OpenSSL cannot decode. */
EVP_PKEY *lim_pkey_load(const char *path, char *why, size_t whycap);

#endif
