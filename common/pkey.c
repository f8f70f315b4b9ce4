#include "common/pkey.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* path's octets into a secure buffer of *cap octets (*n of them read); NULL with why set. */
static unsigned char *read_secure(const char *path, size_t *n, size_t *cap, char *why,
				  size_t whycap)
{
	struct stat sb;
	unsigned char *buf = NULL;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(why, whycap, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		snprintf(why, whycap, "%s: not a regular file", path);
		goto fail;
	}
	if (sb.st_size > LIM_PKEY_FILE_MAX) {
		snprintf(why, whycap, "%s: larger than %d octets: not a key file", path,
			 LIM_PKEY_FILE_MAX);
		goto fail;
	}
	/* (one octet more than the size: a file that grew meanwhile is still read whole) */
	buf = OPENSSL_secure_zalloc((size_t)sb.st_size + 1);
	if (!buf) {
		snprintf(why, whycap, "%s: out of memory", path);
		goto fail;
	}
	for (;;) {
		ssize_t r = read(fd, buf + got, (size_t)sb.st_size + 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(why, whycap, "%s: %s", path, strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		got += (size_t)r;
		if (got > (size_t)sb.st_size) {
			snprintf(why, whycap, "%s: changed while it was read", path);
			goto fail;
		}
	}
	close(fd);
	*n = got;
	*cap = (size_t)sb.st_size + 1;
	return buf;
fail:
	if (buf)
		OPENSSL_secure_clear_free(buf, (size_t)sb.st_size + 1);
	close(fd);
	return NULL;
}

/* see pkey.h */
EVP_PKEY *lim_pkey_load(const char *path, char *why, size_t whycap)
{
	size_t n = 0, cap = 0;
	unsigned char *buf;
	BIO *bio;
	EVP_PKEY *key = NULL;
	bool found = false;
	why[0] = '\0';
	if (!path || !*path) {
		snprintf(why, whycap, "no key file");
		return NULL;
	}
	if (!(buf = read_secure(path, &n, &cap, why, whycap)))
		return NULL;
	bio = BIO_new_mem_buf(buf, (int)n);
	while (bio && !found) {
		char *name = NULL, *header = NULL;
		unsigned char *der = NULL;
		long len = 0;
		if (!PEM_read_bio_ex(bio, &name, &header, &der, &len,
				     PEM_FLAG_SECURE | PEM_FLAG_EAY_COMPATIBLE))
			break;
		if (strstr(name, "PRIVATE KEY")) {
			const unsigned char *p = der;
			found = true;
			if (strstr(name, "ENCRYPTED") || strstr(header, "ENCRYPTED"))
				snprintf(why, whycap,
					 "%s: an encrypted private key (not supported)", path);
			else if (!(key = d2i_AutoPrivateKey(NULL, &p, len)))
				snprintf(why, whycap, "%s: the private key cannot be decoded",
					 path);
		}
		OPENSSL_secure_clear_free(der, (size_t)len);
		OPENSSL_secure_clear_free(header, strlen(header));
		OPENSSL_secure_clear_free(name, strlen(name));
	}
	if (!found && !why[0])
		snprintf(why, whycap, "%s: no PEM private key", path);
	BIO_free(bio);
	OPENSSL_secure_clear_free(buf, cap);
	ERR_clear_error();
	return key;
}
