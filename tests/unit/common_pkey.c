/* common/pkey.c: private keys from PEM files, read without stdio (their text wiped). The keys
 * are made by the openssl command line tool, as an operator makes them. */
#include "common/pkey.h"
#include "tests/unit/check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void t_pkey(void);

/* Runs cmd in dir (through the shell); 0 on success. */
static int sh(const char *dir, const char *cmd)
{
	char line[1024];
	snprintf(line, sizeof line, "cd '%s' && %s >/dev/null 2>&1", dir, cmd);
	return system(line);
}

static EVP_PKEY *load(const char *dir, const char *name, char *why, size_t cap)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return lim_pkey_load(path, why, cap);
}

void t_pkey(void)
{
	char tmpl[] = "/tmp/limf-pkey-XXXXXX", why[256];
	char *d = mkdtemp(tmpl);
	EVP_PKEY *k;
	CHECK(d != NULL);
	if (!d)
		return;
	CHECK(sh(d, "openssl genpkey -algorithm ed25519 -out ed.pem") == 0);
	CHECK(sh(d, "openssl ecparam -name prime256v1 -genkey -out ec.pem") ==
	      0); /* params first */
	CHECK(sh(d, "openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:1024 -out rsa8.pem && "
		    "openssl pkey -in rsa8.pem -traditional -out rsa.pem") == 0);
	CHECK(sh(d, "openssl genpkey -algorithm ed25519 -aes128 -pass pass:x -out enc.pem") == 0);
	CHECK(sh(d, "openssl pkey -in ed.pem -pubout -out pub.pem") == 0);
	CHECK(sh(d, "head -c 70000 /dev/zero > big.pem && : > empty.pem && mkdir dir.pem") == 0);
	CHECK(sh(d, "head -c 100 ed.pem > cut.pem") == 0);
	/* the kinds an operator has */
	static const struct {
		const char *file;
		int type;
	} good[] = { { "ed.pem", EVP_PKEY_ED25519 },
		     { "ec.pem", EVP_PKEY_EC },
		     { "rsa.pem", EVP_PKEY_RSA },
		     { "rsa8.pem", EVP_PKEY_RSA } };
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		k = load(d, good[i].file, why, sizeof why);
		CHECK(k && EVP_PKEY_get_id(k) == good[i].type);
		EVP_PKEY_free(k);
	}
	/* refused, with the reason */
	CHECK(!load(d, "enc.pem", why, sizeof why) && strstr(why, "encrypted"));
	CHECK(!load(d, "pub.pem", why, sizeof why) && strstr(why, "no PEM private key"));
	CHECK(!load(d, "cut.pem", why, sizeof why) && strstr(why, "no PEM private key"));
	CHECK(!load(d, "empty.pem", why, sizeof why) && strstr(why, "no PEM private key"));
	CHECK(!load(d, "big.pem", why, sizeof why) && strstr(why, "larger than"));
	CHECK(!load(d, "dir.pem", why, sizeof why) && strstr(why, "not a regular file"));
	CHECK(!load(d, "none.pem", why, sizeof why) && strstr(why, "No such file"));
	CHECK(!lim_pkey_load(NULL, why, sizeof why) && strstr(why, "no key file"));
	{
		char cmd[600];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", d);
		CHECK(system(cmd) == 0);
	}
}
