/* handover/bundle.c: the evidence bundle writer and verifier (see bundle.h, DESIGN.md s7). */
#define _GNU_SOURCE /* sync_file_range (Linux), where available */
#include "handover/bundle.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "common/codec.h"
#include "common/json.h"
#include "common/pkey.h"
#include "common/wipe.h"

#define IO_CHUNK     16384
#define PUB_PEM_MAX  4096u
#define JSON_DEPTH   32u
#define EXTRA_KEYS   1024u /* top-level members in extra_json */
#define KEY_MAX      256u  /* octets of one extra_json key, decoded */
#define WALK_DEPTH   16u
#define TOP_KEYS_MAX (EXTRA_KEYS + 64u) /* top-level keys of a manifest the verifier reads */
#define PCAP_SNAPLEN 262144u
#define WAV_HDR      44u
#define REC_MAX      (16u + 40u + 8u + 65535u)
#define SIG_LEN      64u
#define OUT_BUF      65536u     /* octets buffered per IRI/PDU/pcap output before a write(2) */
#define WAV_WIN      32768u     /* samples (4.1 s) of a WAV kept in memory, written when passed */
#define WAV_KEEP     8192u      /* samples (1 s) the window keeps behind a packet when it moves */
#define KICK_BYTES   (4u << 20) /* a buffered output's octets between early write-back starts */

struct ho_bfile {
	struct ho_bundle *b;
	char *path;
	int fd;       /* -1 once closed */
	uint8_t *buf; /* OUT_BUF octets not yet written (NULL for a WAV and once closed) */
	size_t blen;
	struct ho_ccw *ccw;
	struct ho_wav *wav;
	/* SHA-256 of the octets written so far (buffered outputs, which are written strictly in
	 * order): finished by finish_file into sha/size, so ho_bundle_close need not read the file
	 * back. NULL for a WAV (header patched last: read back) and when it could not be made. */
	EVP_MD_CTX *md;
	bool hashed; /* sha/size hold the finished file's digest */
	uint64_t size;
	uint64_t flushed, unflushed; /* octets handed to early write-back / written since */
	bool sync_later;             /* closed early without fsync: ho_bundle_close fsyncs it */
	uint8_t sha[32];
};

struct ho_ccw {
	struct ho_bfile *f;
	uint8_t *rec; /* REC_MAX octets: one record at a time */
};

struct ho_wav {
	struct ho_bfile *f;
	uint8_t tab[256][2]; /* G.711 octet -> the file's 16-bit little-endian sample */
	bool started;
	uint32_t seg_ts;    /* RTP timestamp of the current segment's first sample */
	uint64_t seg_start; /* its sample index in the file */
	uint64_t seg_cap;   /* its first packet's capture time, in samples after t0_ns */
	uint64_t end;       /* samples in the file (furthest written + 1) */
	uint64_t t0_ns;     /* capture time of the first packet (sample 0) */
	/* The window: samples [win_base, win_base + WAV_WIN) live in win (2 octets each, the
	 * file's encoding) and nothing at or after win_base has reached the file yet, so the
	 * window's unwritten samples are zeros = the file's silence. Between calls win_base <=
	 * end <= win_base + WAV_WIN. NULL once closed. */
	uint8_t *win;
	uint64_t win_base;
	struct ho_wav_stats st;
};

struct ho_input {
	char *name;
	uint64_t size;
	uint8_t sha[32];
};

struct ho_bundle {
	int dirfd;
	/* sticky (I/O while writing outputs); atomic: outputs may be written by different threads
	 * (bundle.h) */
	_Atomic(enum lim_err) err;
	struct ho_bfile **files;
	size_t nfiles, capfiles;
	struct ho_input *ins;
	size_t nin, capin;
};

/* ---- small helpers ---- */

static void put_le16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	put_le16(p, v);
	put_le16(p + 2, v >> 16);
}

static void put_be16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static enum lim_err write_all(int fd, const void *p, size_t n)
{
	const uint8_t *q = p;
	while (n > 0) {
		ssize_t k = write(fd, q, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return LIM_E_IO;
		q += k;
		n -= (size_t)k;
	}
	return LIM_OK;
}

static enum lim_err pwrite_all(int fd, const void *p, size_t n, uint64_t off)
{
	const uint8_t *q = p;
	while (n > 0) {
		ssize_t k = pwrite(fd, q, n, (off_t)off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return LIM_E_IO;
		q += k;
		n -= (size_t)k;
		off += (uint64_t)k;
	}
	return LIM_OK;
}

/* Writes p[0..n) to a buffered output and adds it to the output's running digest (a digest
 * failure only drops the digest: the file is then read back by ho_bundle_close). */
static enum lim_err out_write(struct ho_bfile *f, const void *p, size_t n)
{
	enum lim_err rc = write_all(f->fd, p, n);
#ifdef SYNC_FILE_RANGE_WRITE
	/* start writing large outputs to disk as they grow, so that the fsync when they are
	 * closed (the durability point: finish_file) does not find them all dirty; a failure
	 * here changes nothing */
	if (rc == LIM_OK && (f->unflushed += n) >= KICK_BYTES) {
		(void)sync_file_range(f->fd, (off_t)f->flushed, (off_t)f->unflushed,
				      SYNC_FILE_RANGE_WRITE);
		f->flushed += f->unflushed;
		f->unflushed = 0;
	}
#endif
	if (rc == LIM_OK && f->md) {
		if (EVP_DigestUpdate(f->md, p, n) == 1) {
			f->size += n;
		} else {
			EVP_MD_CTX_free(f->md);
			f->md = NULL;
		}
	}
	return rc;
}

/* Streams fd from its current offset: size and SHA-256. */
static enum lim_err hash_fd(int fd, uint64_t *size, uint8_t sha[32])
{
	uint8_t buf[IO_CHUNK];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	enum lim_err rc = LIM_E_CRYPTO;
	unsigned int hl = 0;
	*size = 0;
	if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		goto out;
	for (;;) {
		ssize_t k = read(fd, buf, sizeof buf);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			rc = LIM_E_IO;
			goto out;
		}
		if (k == 0)
			break;
		if (EVP_DigestUpdate(ctx, buf, (size_t)k) != 1)
			goto out;
		*size += (uint64_t)k;
	}
	if (EVP_DigestFinal_ex(ctx, sha, &hl) != 1 || hl != 32)
		goto out;
	rc = LIM_OK;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

static bool reserved_top(const char *p)
{
	return strcmp(p, "manifest.json") == 0 || strcmp(p, "manifest.sig") == 0 ||
	       strcmp(p, "manifest.pub") == 0;
}

/* Whether p's first component is one of those names (a directory the manifest could not be
 * written beside: "manifest.json/x"). */
static bool reserved_dir(const char *p)
{
	static const char *const top[] = { "manifest.json/", "manifest.sig/", "manifest.pub/" };
	for (size_t i = 0; i < sizeof top / sizeof top[0]; i++)
		if (strncmp(p, top[i], strlen(top[i])) == 0)
			return true;
	return false;
}

/* relpath rules of ho_bundle_file (also applied to the manifest's paths by the verifier). */
static bool relpath_ok(const char *p)
{
	size_t n = strlen(p), start = 0, comps = 0;
	if (n == 0 || n > HO_BUNDLE_PATH_MAX || reserved_top(p) || reserved_dir(p))
		return false;
	for (size_t i = 0; i <= n; i++) {
		char c = p[i];
		if (c == '/' || c == '\0') {
			size_t cl = i - start;
			/* no deeper than the verifier walks (WALK_DEPTH), or no bundle verifies */
			if (cl == 0 || (cl == 1 && p[start] == '.') ||
			    (cl == 2 && p[start] == '.' && p[start + 1] == '.') ||
			    ++comps > WALK_DEPTH)
				return false;
			start = i + 1;
			continue;
		}
		if (c < 0x20 || c > 0x7e || c == '\\')
			return false;
	}
	return true;
}

/* Opens the directory that holds relpath's last component, component by component without
 * following symbolic links (creating them, mode 0750, when create). *leaf points into relpath. */
static enum lim_err open_parent(int dirfd, const char *relpath, bool create, int *pfd,
				const char **leaf)
{
	char comp[HO_BUNDLE_PATH_MAX + 1];
	const char *p = relpath, *slash;
	int cur = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	*pfd = -1;
	if (cur < 0)
		return LIM_E_IO;
	while ((slash = strchr(p, '/')) != NULL) {
		size_t cl = (size_t)(slash - p);
		int next;
		if (cl >= sizeof comp) {
			close(cur);
			return LIM_E_ARG;
		}
		memcpy(comp, p, cl);
		comp[cl] = '\0';
		if (create && mkdirat(cur, comp, 0750) != 0 && errno != EEXIST) {
			close(cur);
			return LIM_E_IO;
		}
		next = openat(cur, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0) {
			int e = errno;
			close(cur);
			return (e == ENOTDIR || e == ELOOP) ? LIM_E_STATE
			       : e == ENOENT                ? LIM_E_TRUNC
							    : LIM_E_IO;
		}
		close(cur);
		cur = next;
		p = slash + 1;
	}
	*pfd = cur;
	*leaf = p;
	return LIM_OK;
}

/* ---- JSON (RFC 8259) reader: validation of extra_json, the verifier's manifest ---- */

struct jp {
	const uint8_t *s;
	size_t n, i;
	unsigned depth;
};

static void jp_ws(struct jp *j)
{
	while (j->i < j->n && (j->s[j->i] == ' ' || j->s[j->i] == '\t' || j->s[j->i] == '\n' ||
			       j->s[j->i] == '\r'))
		j->i++;
}

static bool jp_eat(struct jp *j, char c)
{
	jp_ws(j);
	if (j->i < j->n && j->s[j->i] == (uint8_t)c) {
		j->i++;
		return true;
	}
	return false;
}

/* Length of the valid UTF-8 sequence at s[0..n) (no overlongs, surrogates, > U+10FFFF). */
static size_t utf8_seq(const uint8_t *s, size_t n)
{
	size_t len;
	uint32_t cp, min;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2, cp = s[0] & 0x1fu, min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3, cp = s[0] & 0x0fu, min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4, cp = s[0] & 0x07u, min = 0x10000;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t k = 1; k < len; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[k] & 0x3fu);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static bool jp_put(uint8_t *out, size_t cap, size_t *ol, const uint8_t *p, size_t n)
{
	if (!out)
		return true;
	if (cap - *ol < n)
		return false;
	memcpy(out + *ol, p, n);
	*ol += n;
	return true;
}

static bool jp_hex4(struct jp *j, uint32_t *v)
{
	*v = 0;
	if (j->n - j->i < 4)
		return false;
	for (int k = 0; k < 4; k++) {
		uint8_t c = j->s[j->i++];
		uint32_t d;
		if (c >= '0' && c <= '9')
			d = (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (uint32_t)(c - 'A' + 10);
		else
			return false;
		*v = *v << 4 | d;
	}
	return true;
}

/* A string; decoded (UTF-8) into out[0..cap) when out is non-NULL (false when it does not fit). */
static bool jp_string(struct jp *j, uint8_t *out, size_t cap, size_t *olen)
{
	size_t ol = 0;
	if (!jp_eat(j, '"'))
		return false;
	for (;;) {
		uint8_t c, u8[4];
		if (j->i >= j->n)
			return false;
		c = j->s[j->i];
		if (c == '"') {
			j->i++;
			break;
		}
		if (c < 0x20)
			return false;
		if (c == '\\') {
			uint32_t cp;
			size_t ul;
			if (j->n - j->i < 2)
				return false;
			c = j->s[j->i + 1];
			j->i += 2;
			switch (c) {
			case '"':
			case '\\':
			case '/': cp = c; break;
			case 'b': cp = '\b'; break;
			case 'f': cp = '\f'; break;
			case 'n': cp = '\n'; break;
			case 'r': cp = '\r'; break;
			case 't': cp = '\t'; break;
			case 'u':
				if (!jp_hex4(j, &cp))
					return false;
				if (cp >= 0xdc00 && cp <= 0xdfff)
					return false; /* lone low surrogate */
				if (cp >= 0xd800 && cp <= 0xdbff) {
					uint32_t lo;
					if (j->n - j->i < 2 || j->s[j->i] != '\\' ||
					    j->s[j->i + 1] != 'u')
						return false;
					j->i += 2;
					if (!jp_hex4(j, &lo) || lo < 0xdc00 || lo > 0xdfff)
						return false;
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				}
				break;
			default: return false;
			}
			if (cp < 0x80) {
				u8[0] = (uint8_t)cp, ul = 1;
			} else if (cp < 0x800) {
				u8[0] = (uint8_t)(0xc0 | cp >> 6), ul = 2;
			} else if (cp < 0x10000) {
				u8[0] = (uint8_t)(0xe0 | cp >> 12), ul = 3;
			} else {
				u8[0] = (uint8_t)(0xf0 | cp >> 18), ul = 4;
			}
			for (size_t k = 1; k < ul; k++)
				u8[k] = (uint8_t)(0x80 | ((cp >> (6 * (ul - 1 - k))) & 0x3f));
			if (!jp_put(out, cap, &ol, u8, ul))
				return false;
			continue;
		}
		{
			size_t sl = utf8_seq(j->s + j->i, j->n - j->i);
			if (sl == 0 || !jp_put(out, cap, &ol, j->s + j->i, sl))
				return false;
			j->i += sl;
		}
	}
	if (olen)
		*olen = ol;
	return true;
}

static bool jp_digits(struct jp *j)
{
	size_t st = j->i;
	while (j->i < j->n && j->s[j->i] >= '0' && j->s[j->i] <= '9')
		j->i++;
	return j->i > st;
}

static bool jp_number(struct jp *j)
{
	jp_ws(j);
	if (j->i < j->n && j->s[j->i] == '-')
		j->i++;
	if (j->i < j->n && j->s[j->i] == '0')
		j->i++;
	else if (!jp_digits(j))
		return false;
	if (j->i < j->n && j->s[j->i] == '.') {
		j->i++;
		if (!jp_digits(j))
			return false;
	}
	if (j->i < j->n && (j->s[j->i] == 'e' || j->s[j->i] == 'E')) {
		j->i++;
		if (j->i < j->n && (j->s[j->i] == '+' || j->s[j->i] == '-'))
			j->i++;
		if (!jp_digits(j))
			return false;
	}
	return true;
}

static bool jp_lit(struct jp *j, const char *w)
{
	size_t l = strlen(w);
	if (j->n - j->i < l || memcmp(j->s + j->i, w, l) != 0)
		return false;
	j->i += l;
	return true;
}

static bool jp_value(struct jp *j);

/* The keys of one object, as FNV-1a hashes of their decoded octets: a key twice is refused in
 * every object, not only at the top (the signed text must say one thing: before, a warrant's
 * "status" given twice verified, and readers that take the last copy read another manifest
 * than those that take the first). Two keys of one hash are refused as well: it fails closed. */
struct jkeys {
	uint64_t st[32];
	uint64_t *h;
	size_t n, cap;
};

static void jkeys_init(struct jkeys *k)
{
	k->h = k->st;
	k->n = 0;
	k->cap = sizeof k->st / sizeof k->st[0];
}

static void jkeys_free(struct jkeys *k)
{
	if (k->h != k->st)
		free(k->h);
	jkeys_init(k);
}

/* FNV-1a of a key's decoded octets */
static uint64_t key_hash(const uint8_t *key, size_t kl)
{
	uint64_t h = 14695981039346656037u;
	for (size_t i = 0; i < kl; i++)
		h = (h ^ key[i]) * 1099511628211u;
	return h;
}

static bool jkeys_add(struct jkeys *k, const uint8_t *key, size_t kl)
{
	uint64_t h = key_hash(key, kl);
	if (k->n == k->cap) {
		uint64_t *nh;
		if (k->cap > SIZE_MAX / 2 / sizeof *nh)
			return false;
		nh = malloc(2 * k->cap * sizeof *nh);
		if (!nh)
			return false;
		memcpy(nh, k->h, k->n * sizeof *nh);
		if (k->h != k->st)
			free(k->h);
		k->h = nh;
		k->cap *= 2;
	}
	k->h[k->n++] = h;
	return true;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Whether no key was given twice (sorted: many keys cost n log n, not n^2) */
static bool jkeys_unique(struct jkeys *k)
{
	qsort(k->h, k->n, sizeof *k->h, u64_cmp);
	for (size_t i = 1; i < k->n; i++)
		if (k->h[i] == k->h[i - 1])
			return false;
	return true;
}

static bool jp_container(struct jp *j, char close, bool obj)
{
	bool ok = false;
	struct jkeys keys;
	jkeys_init(&keys);
	if (++j->depth > JSON_DEPTH)
		goto out;
	if (jp_eat(j, close)) {
		ok = true;
		goto out;
	}
	do {
		if (obj) {
			uint8_t k[KEY_MAX];
			size_t kl = 0;
			if (!jp_string(j, k, sizeof k, &kl) || !jp_eat(j, ':') ||
			    !jkeys_add(&keys, k, kl))
				goto out;
		}
		if (!jp_value(j))
			goto out;
	} while (jp_eat(j, ','));
	ok = jp_eat(j, close) && jkeys_unique(&keys);
out:
	jkeys_free(&keys);
	j->depth--;
	return ok;
}

static bool jp_value(struct jp *j)
{
	jp_ws(j);
	if (j->i >= j->n)
		return false;
	switch (j->s[j->i]) {
	case '{': j->i++; return jp_container(j, '}', true);
	case '[': j->i++; return jp_container(j, ']', false);
	case '"': return jp_string(j, NULL, 0, NULL);
	case 't': return jp_lit(j, "true");
	case 'f': return jp_lit(j, "false");
	case 'n': return jp_lit(j, "null");
	default: return jp_number(j);
	}
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* extra_json: object members, unique keys, none reserved. */
static enum lim_err extra_check(const char *s)
{
	static const char *const reserved[] = { "format", "tool", "created", "inputs", "outputs" };
	struct jp j = { (const uint8_t *)s, s ? strlen(s) : 0, 0, 0 };
	char **keys = NULL;
	size_t nk = 0;
	enum lim_err rc = LIM_E_PARSE;
	if (j.n > HO_BUNDLE_EXTRA_MAX)
		return LIM_E_LIMIT;
	jp_ws(&j);
	if (j.i == j.n)
		return LIM_OK;
	keys = calloc(EXTRA_KEYS, sizeof *keys);
	if (!keys)
		return LIM_E_NOMEM;
	j.depth = 1;
	do {
		uint8_t k[KEY_MAX + 1];
		size_t kl = 0;
		if (nk >= EXTRA_KEYS)
			goto out;
		if (!jp_string(&j, k, KEY_MAX, &kl) || !jp_eat(&j, ':') || !jp_value(&j))
			goto out;
		if (memchr(k, 0, kl))
			goto out;
		k[kl] = '\0';
		for (size_t r = 0; r < sizeof reserved / sizeof reserved[0]; r++)
			if (strcmp((char *)k, reserved[r]) == 0)
				goto out;
		keys[nk] = strdup((char *)k);
		if (!keys[nk]) {
			rc = LIM_E_NOMEM;
			goto out;
		}
		nk++;
	} while (jp_eat(&j, ','));
	jp_ws(&j);
	if (j.i != j.n)
		goto out;
	qsort(keys, nk, sizeof *keys, key_cmp);
	for (size_t i = 1; i < nk; i++)
		if (strcmp(keys[i - 1], keys[i]) == 0)
			goto out;
	rc = LIM_OK;
out:
	for (size_t i = 0; i < nk; i++)
		free(keys[i]);
	free(keys);
	return rc;
}

/* ---- writer ---- */

/* see bundle.h */
enum lim_err ho_bundle_open(const char *dir, struct ho_bundle **out)
{
	struct ho_bundle *b = NULL;
	struct stat st;
	DIR *d = NULL;
	struct dirent *de;
	int fd = -1, fd2;
	enum lim_err rc = LIM_E_IO;
	*out = NULL;
	if (!dir || !*dir)
		return LIM_E_ARG;
	if (lstat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return LIM_E_STATE; /* symbolic link or not a directory */
	} else if (errno != ENOENT || mkdir(dir, 0750) != 0) {
		return LIM_E_IO;
	} else {
		/* made here: its entry in the parent made durable too (a crash after the run
		 * could otherwise lose the whole bundle). A parent this user may write but not
		 * read (mode 0333) cannot be opened to sync: then as before, unsynced */
		char *cp = strdup(dir);
		int pfd = cp ? open(dirname(cp), O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
		bool synced = cp && (pfd < 0 ? errno == EACCES : fsync(pfd) == 0);
		if (pfd >= 0)
			close(pfd);
		free(cp);
		if (!synced) {
			(void)rmdir(dir);
			return LIM_E_IO;
		}
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		rc = errno == ELOOP || errno == ENOTDIR ? LIM_E_STATE : LIM_E_IO;
		goto out;
	}
	fd2 = dup(fd);
	if (fd2 < 0 || !(d = fdopendir(fd2))) {
		if (fd2 >= 0)
			close(fd2);
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			rc = LIM_E_STATE;
			goto out;
		}
	}
	b = calloc(1, sizeof *b);
	if (!b) {
		rc = LIM_E_NOMEM;
		goto out;
	}
	atomic_init(&b->err, LIM_OK);
	b->dirfd = fd;
	fd = -1;
	*out = b;
	rc = LIM_OK;
out:
	if (d)
		closedir(d);
	if (fd >= 0)
		close(fd);
	return rc;
}

struct ho_digest {
	EVP_MD_CTX *md;
	uint64_t size;
	enum lim_err err; /* sticky: the first failure */
};

/* see bundle.h */
enum lim_err ho_digest_new(struct ho_digest **out)
{
	struct ho_digest *d = calloc(1, sizeof *d);
	*out = NULL;
	if (!d)
		return LIM_E_NOMEM;
	d->md = EVP_MD_CTX_new();
	if (!d->md || EVP_DigestInit_ex(d->md, EVP_sha256(), NULL) != 1) {
		ho_digest_free(d);
		return LIM_E_CRYPTO;
	}
	*out = d;
	return LIM_OK;
}

/* see bundle.h */
void ho_digest_update(struct ho_digest *d, const void *p, size_t n)
{
	if (d->err != LIM_OK)
		return;
	if (!d->md)
		d->err = LIM_E_STATE;
	else if (EVP_DigestUpdate(d->md, p, n) != 1)
		d->err = LIM_E_CRYPTO;
	else
		d->size += n;
}

/* see bundle.h */
enum lim_err ho_digest_final(struct ho_digest *d, uint64_t *size, uint8_t sha[32])
{
	unsigned int hl = 0;
	*size = 0;
	if (d->err == LIM_OK && !d->md)
		d->err = LIM_E_STATE;
	if (d->err == LIM_OK && (EVP_DigestFinal_ex(d->md, sha, &hl) != 1 || hl != 32))
		d->err = LIM_E_CRYPTO;
	EVP_MD_CTX_free(d->md);
	d->md = NULL;
	if (d->err != LIM_OK)
		return d->err;
	d->err = LIM_E_STATE; /* one final */
	*size = d->size;
	return LIM_OK;
}

/* see bundle.h */
void ho_digest_free(struct ho_digest *d)
{
	if (!d)
		return;
	EVP_MD_CTX_free(d->md);
	free(d);
}

/* Streams path (never mapped): size and SHA-256. */
static enum lim_err file_sha256(const char *path, uint64_t *size, uint8_t sha[32])
{
	enum lim_err rc;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	*size = 0;
	if (fd < 0)
		return LIM_E_IO;
	rc = hash_fd(fd, size, sha);
	close(fd);
	return rc;
}

/* see bundle.h */
enum lim_err ho_bundle_input(struct ho_bundle *b, const char *path)
{
	uint64_t size;
	uint8_t sha[32];
	enum lim_err rc;
	const char *name;
	if (!b || !path)
		return LIM_E_ARG;
	name = strrchr(path, '/');
	if (!*(name ? name + 1 : path))
		return LIM_E_ARG; /* before any I/O, as ho_bundle_input_digest would */
	if (b->nin >= HO_BUNDLE_MAX_IN)
		return LIM_E_LIMIT;
	rc = file_sha256(path, &size, sha);
	if (rc != LIM_OK)
		return rc;
	return ho_bundle_input_digest(b, path, size, sha);
}

/* see bundle.h */
enum lim_err ho_bundle_input_digest(struct ho_bundle *b, const char *path, uint64_t size,
				    const uint8_t sha[32])
{
	const char *name;
	struct ho_input in;
	if (!b || !path || !sha)
		return LIM_E_ARG;
	name = strrchr(path, '/');
	name = name ? name + 1 : path;
	if (!*name)
		return LIM_E_ARG;
	if (b->nin >= HO_BUNDLE_MAX_IN)
		return LIM_E_LIMIT;
	if (b->nin == b->capin) {
		size_t nc = b->capin ? 2 * b->capin : 8;
		struct ho_input *ni = realloc(b->ins, nc * sizeof *ni);
		if (!ni)
			return LIM_E_NOMEM;
		b->ins = ni;
		b->capin = nc;
	}
	in.size = size;
	memcpy(in.sha, sha, sizeof in.sha);
	in.name = strdup(name);
	if (!in.name)
		return LIM_E_NOMEM;
	b->ins[b->nin++] = in;
	return LIM_OK;
}

/* A new output; buffered: with its OUT_BUF write buffer (not for a WAV, which has its window). */
static enum lim_err new_file(struct ho_bundle *b, const char *relpath, bool buffered,
			     struct ho_bfile **out)
{
	struct ho_bfile *f = NULL;
	const char *leaf;
	int pfd = -1;
	enum lim_err rc;
	*out = NULL;
	if (!b || !relpath)
		return LIM_E_ARG;
	if (b->err)
		return b->err;
	if (!relpath_ok(relpath))
		return LIM_E_ARG;
	if (b->nfiles >= HO_BUNDLE_MAX_FILES)
		return LIM_E_LIMIT;
	if (b->nfiles == b->capfiles) {
		size_t nc = b->capfiles ? 2 * b->capfiles : 8;
		struct ho_bfile **nf = realloc(b->files, nc * sizeof *nf);
		if (!nf)
			return LIM_E_NOMEM;
		b->files = nf;
		b->capfiles = nc;
	}
	f = calloc(1, sizeof *f);
	if (!f || !(f->path = strdup(relpath))) {
		rc = LIM_E_NOMEM;
		goto out;
	}
	f->b = b;
	f->fd = -1;
	if (buffered && !(f->buf = malloc(OUT_BUF))) {
		rc = LIM_E_NOMEM;
		goto out;
	}
	if (buffered && (f->md = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestInit_ex(f->md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(f->md);
		f->md = NULL;
	}
	rc = open_parent(b->dirfd, relpath, true, &pfd, &leaf);
	if (rc == LIM_E_TRUNC)
		rc = LIM_E_IO;
	if (rc != LIM_OK)
		goto out;
	/* a WAV is read back (hashed) when it is closed: read-write */
	f->fd = openat(pfd, leaf,
		       (buffered ? O_WRONLY : O_RDWR) | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		       0640);
	if (f->fd < 0) {
		rc = (errno == EEXIST || errno == ELOOP || errno == EISDIR) ? LIM_E_STATE
									    : LIM_E_IO;
		goto out;
	}
	b->files[b->nfiles++] = f;
	*out = f;
	f = NULL;
out:
	if (pfd >= 0)
		close(pfd);
	if (f) {
		EVP_MD_CTX_free(f->md);
		free(f->buf);
		free(f->path);
		free(f);
	}
	return rc;
}

/* see bundle.h */
enum lim_err ho_bundle_file(struct ho_bundle *b, const char *relpath, struct ho_bfile **out)
{
	return new_file(b, relpath, true, out);
}

static enum lim_err fail(struct ho_bundle *b, enum lim_err e)
{
	enum lim_err ok = LIM_OK;
	atomic_compare_exchange_strong(&b->err, &ok, e); /* the first failure wins */
	return b->err;
}

/* Writes out f's buffer; the buffer is empty afterwards also on failure (the bundle has failed). */
static enum lim_err bfile_flush(struct ho_bfile *f)
{
	enum lim_err rc = LIM_OK;
	if (f->blen)
		rc = out_write(f, f->buf, f->blen);
	f->blen = 0;
	return rc;
}

/* see bundle.h */
enum lim_err ho_bfile_write(struct ho_bfile *f, const void *p, size_t n)
{
	if (!f || (!p && n))
		return LIM_E_ARG;
	if (f->b->err)
		return f->b->err;
	if (f->fd < 0)
		return LIM_E_STATE;
	if (!f->buf)
		return n && out_write(f, p, n) != LIM_OK ? fail(f->b, LIM_E_IO) : LIM_OK;
	for (const uint8_t *q = p; n > 0;) {
		size_t k;
		if (f->blen == 0 && n >= OUT_BUF) /* large: straight from the caller's memory */
			return out_write(f, q, n) != LIM_OK ? fail(f->b, LIM_E_IO) : LIM_OK;
		k = OUT_BUF - f->blen < n ? OUT_BUF - f->blen : n;
		memcpy(f->buf + f->blen, q, k);
		f->blen += k;
		q += k;
		n -= k;
		if (f->blen == OUT_BUF && bfile_flush(f) != LIM_OK)
			return fail(f->b, LIM_E_IO);
	}
	return LIM_OK;
}

/* WAV header with the data size in samples. */
static enum lim_err wav_header(int fd, uint64_t samples)
{
	uint8_t h[WAV_HDR];
	uint32_t data = (uint32_t)(2 * samples);
	memcpy(h, "RIFF", 4);
	put_le32(h + 4, 36 + data);
	memcpy(h + 8, "WAVEfmt ", 8);
	put_le32(h + 16, 16);              /* fmt chunk size */
	put_le16(h + 20, 1);               /* PCM */
	put_le16(h + 22, 1);               /* mono */
	put_le32(h + 24, HO_WAV_RATE);     /* sample rate */
	put_le32(h + 28, HO_WAV_RATE * 2); /* byte rate */
	put_le16(h + 32, 2);               /* block align */
	put_le16(h + 34, 16);              /* bits per sample */
	memcpy(h + 36, "data", 4);
	put_le32(h + 40, data);
	return pwrite_all(fd, h, sizeof h, 0);
}

static enum lim_err wav_flush(struct ho_wav *w);

/* What is still in memory goes to the file even after the bundle's sticky error (as the
 * unbuffered writer had done); the WAV header and fsync only without one. */
static enum lim_err flush_file(struct ho_bfile *f)
{
	enum lim_err rc = LIM_OK;
	if (f->fd < 0)
		return LIM_OK;
	if (f->buf)
		rc = bfile_flush(f);
	if (f->wav && f->wav->win && wav_flush(f->wav) != LIM_OK)
		rc = LIM_E_IO;
	return rc;
}

/* The clear content an output's buffers held (cc.pcap records, hi3.pdu, WAV samples of
 * target calls), wiped before they are freed (STYLE.md rule 16, as limf/pool.c's queues). */
static void bfile_wipe(struct ho_bfile *f)
{
	if (f->buf)
		lim_wipe(f->buf, OUT_BUF);
	if (f->ccw && f->ccw->rec)
		lim_wipe(f->ccw->rec, REC_MAX);
	if (f->wav && f->wav->win)
		lim_wipe(f->wav->win, 2 * (size_t)WAV_WIN);
}

/* early: closed before ho_bundle_close (a call's WAV): its write-back is started and the
 * fsync left to ho_bundle_close, which syncs every output before it signs (one wait for the
 * disk at the end instead of one per call on the recording thread). */
static enum lim_err finish_file(struct ho_bfile *f, bool early)
{
	enum lim_err rc;
	if (f->fd < 0)
		return LIM_OK;
	rc = flush_file(f);
	if (rc == LIM_OK && f->wav && f->b->err == LIM_OK)
		rc = wav_header(f->fd, f->wav->end);
#ifdef SYNC_FILE_RANGE_WRITE
	if (rc == LIM_OK && f->b->err == LIM_OK && early) {
		(void)sync_file_range(f->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
		f->sync_later = true;
	} else
#endif
		if (rc == LIM_OK && f->b->err == LIM_OK && fsync(f->fd) != 0)
		rc = LIM_E_IO;
	/* a WAV is complete now: hash it back here (page cache), not in ho_bundle_close; on any
	 * failure to do so, ho_bundle_close reads it back */
	if (rc == LIM_OK && f->wav && f->b->err == LIM_OK && lseek(f->fd, 0, SEEK_SET) == 0)
		f->hashed = hash_fd(f->fd, &f->size, f->sha) == LIM_OK;
	if (close(f->fd) != 0 && rc == LIM_OK)
		rc = LIM_E_IO;
	f->fd = -1;
	if (f->md) {
		unsigned int hl = 0;
		f->hashed = rc == LIM_OK && EVP_DigestFinal_ex(f->md, f->sha, &hl) == 1 && hl == 32;
		EVP_MD_CTX_free(f->md);
		f->md = NULL;
	}
	bfile_wipe(f);
	free(f->buf);
	f->buf = NULL;
	if (f->ccw) {
		free(f->ccw->rec);
		f->ccw->rec = NULL;
	}
	if (f->wav) {
		free(f->wav->win);
		f->wav->win = NULL;
	}
	if (rc != LIM_OK)
		return fail(f->b, rc);
	return f->b->err;
}

/* see bundle.h */
enum lim_err ho_bfile_close(struct ho_bfile *f)
{
	if (!f)
		return LIM_E_ARG;
	return finish_file(f, true);
}

/* see bundle.h */
enum lim_err ho_bundle_ccw(struct ho_bundle *b, const char *relpath, struct ho_ccw **out)
{
	struct ho_bfile *f;
	struct ho_ccw *w;
	uint8_t h[24];
	enum lim_err rc;
	*out = NULL;
	w = calloc(1, sizeof *w);
	if (!w)
		return LIM_E_NOMEM;
	w->rec = malloc(REC_MAX);
	if (!w->rec) {
		free(w);
		return LIM_E_NOMEM;
	}
	rc = new_file(b, relpath, true, &f);
	if (rc != LIM_OK) {
		free(w->rec);
		free(w);
		return rc;
	}
	f->ccw = w;
	w->f = f;
	put_le32(h, 0xa1b23c4du); /* nanosecond-resolution pcap */
	put_le16(h + 4, 2);
	put_le16(h + 6, 4);
	put_le32(h + 8, 0);  /* thiszone */
	put_le32(h + 12, 0); /* sigfigs */
	put_le32(h + 16, PCAP_SNAPLEN);
	put_le32(h + 20, 101); /* LINKTYPE_RAW */
	rc = ho_bfile_write(f, h, sizeof h);
	if (rc == LIM_OK)
		*out = w;
	return rc;
}

/* End-around fold of a one's complement sum to 16 bits (0 only for a sum of 0). */
static uint32_t csum_fold(uint64_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffffu) + (acc >> 16);
	return (uint32_t)acc;
}

/* Internet checksum accumulation (RFC 1071) over p[0..n), big-endian 16-bit words, added to
 * sum and folded to 16 bits. The words are summed eight octets at a time as the host loads
 * them (RFC 1071 s2(B): the one's complement sum may be taken in any width and byte order;
 * swapping the folded sum's two octets gives the big-endian one), so a packet costs one load
 * and two additions per eight octets; an odd last octet is the high half of a word. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	uint64_t acc = 0, w;
	uint32_t f;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		acc += (w & 0xffffffffu) + (w >> 32);
	}
	for (; i + 1 < n; i += 2) {
		uint16_t h;
		memcpy(&h, p + i, 2);
		acc += h;
	}
	f = csum_fold(acc);
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_BIG_ENDIAN__
	f = (f >> 8 | f << 8) & 0xffffu; /* host words were little-endian */
#endif
	acc = (uint64_t)sum + f;
	if (i < n)
		acc += (uint64_t)p[i] << 8;
	return csum_fold(acc);
}

/* see bundle.h */
enum lim_err ho_ccw_write(struct ho_ccw *w, const struct ho_cc_pkt *p)
{
	uint8_t *r, *ip, *udp;
	size_t iph, ulen, plen;
	uint32_t sum;
	uint64_t sec;
	if (!w || !p || (!p->data && p->len) || (p->family != 4 && p->family != 6))
		return LIM_E_ARG;
	if (w->f->b->err)
		return w->f->b->err;
	if (w->f->fd < 0 || !w->rec)
		return LIM_E_STATE;
	if (p->len > (p->family == 4 ? HO_CC_MAX_LEN4 : HO_CC_MAX_LEN6))
		return LIM_E_ARG;
	sec = p->ts_ns / 1000000000u;
	if (sec > UINT32_MAX)
		return LIM_E_ARG;
	iph = p->family == 4 ? 20 : 40;
	ulen = 8 + p->len;
	plen = iph + ulen;
	r = w->rec;
	ip = r + 16;
	udp = ip + iph;
	put_le32(r, (uint32_t)sec);
	put_le32(r + 4, (uint32_t)(p->ts_ns % 1000000000u));
	put_le32(r + 8, (uint32_t)plen);
	put_le32(r + 12, (uint32_t)plen);
	/* pseudo-header sum first (RFC 768; RFC 8200 s8.1) */
	if (p->family == 4) {
		ip[0] = 0x45;
		ip[1] = 0;
		put_be16(ip + 2, (uint32_t)plen);
		put_be16(ip + 4, 0);      /* identification */
		put_be16(ip + 6, 0x4000); /* DF */
		ip[8] = 64;
		ip[9] = 17;
		put_be16(ip + 10, 0);
		memcpy(ip + 12, p->src, 4);
		memcpy(ip + 16, p->dst, 4);
		put_be16(ip + 10, ~csum_add(0, ip, 20) & 0xffffu);
		sum = csum_add(0, ip + 12, 8);
		sum = csum_add(sum, (const uint8_t[]){ 0, 17 }, 2);
	} else {
		ip[0] = 0x60;
		ip[1] = ip[2] = ip[3] = 0;
		put_be16(ip + 4, (uint32_t)ulen);
		ip[6] = 17;
		ip[7] = 64;
		memcpy(ip + 8, p->src, 16);
		memcpy(ip + 24, p->dst, 16);
		sum = csum_add(0, ip + 8, 32);
		sum = csum_add(sum, (const uint8_t[]){ 0, 0, 0, 17 }, 4);
	}
	{
		uint8_t l[2];
		put_be16(l, (uint32_t)ulen);
		sum = csum_add(sum, l, 2); /* UDP length (the IPv6 32-bit form has the same sum) */
	}
	put_be16(udp, p->sport);
	put_be16(udp + 2, p->dport);
	put_be16(udp + 4, (uint32_t)ulen);
	put_be16(udp + 6, 0);
	if (p->len)
		memcpy(udp + 8, p->data, p->len);
	sum = csum_add(sum, udp, ulen);
	sum = ~sum & 0xffffu;
	put_be16(udp + 6, sum ? sum : 0xffffu);
	return ho_bfile_write(w->f, r, 16 + plen);
}

/* see bundle.h */
enum lim_err ho_ccw_close(struct ho_ccw *w)
{
	if (!w)
		return LIM_E_ARG;
	return finish_file(w->f, true);
}

/* ITU-T G.711 decoders (the tables of G.711 are these segment/quantisation rules). */
static int16_t ulaw_dec(uint8_t u)
{
	int t;
	u = (uint8_t)~u;
	t = ((u & 0x0f) << 3) + 0x84;
	t <<= (u & 0x70) >> 4;
	return (int16_t)((u & 0x80) ? 0x84 - t : t - 0x84);
}

static int16_t alaw_dec(uint8_t a)
{
	int t, seg;
	a ^= 0x55;
	t = (a & 0x0f) << 4;
	seg = (a & 0x70) >> 4;
	if (seg == 0)
		t += 8;
	else
		t = (t + 0x108) << (seg - 1);
	return (int16_t)((a & 0x80) ? t : -t);
}

/* see bundle.h */
enum lim_err ho_bundle_wav(struct ho_bundle *b, const char *relpath, uint8_t pt,
			   struct ho_wav **out)
{
	struct ho_bfile *f;
	struct ho_wav *w;
	enum lim_err rc;
	*out = NULL;
	if (pt != 0 && pt != 8)
		return LIM_E_UNSUPP;
	w = calloc(1, sizeof *w);
	if (!w)
		return LIM_E_NOMEM;
	w->win = calloc(WAV_WIN, 2);
	if (!w->win) {
		free(w);
		return LIM_E_NOMEM;
	}
	for (unsigned i = 0; i < 256; i++)
		put_le16(w->tab[i],
			 (uint16_t)(pt == 0 ? ulaw_dec((uint8_t)i) : alaw_dec((uint8_t)i)));
	rc = new_file(b, relpath, false, &f);
	if (rc != LIM_OK) {
		free(w->win);
		free(w);
		return rc;
	}
	f->wav = w;
	w->f = f;
	rc = wav_header(f->fd, 0);
	if (rc != LIM_OK)
		return fail(b, rc);
	*out = w;
	return LIM_OK;
}

/* Decodes payload[0..len) and writes it to the file at sample pos, bypassing the window. */
static enum lim_err wav_pwrite(struct ho_wav *w, uint64_t pos, const uint8_t *payload, size_t len)
{
	uint8_t buf[2 * 512];
	for (size_t done = 0; done < len;) {
		size_t k = len - done < 512 ? len - done : 512;
		for (size_t i = 0; i < k; i++)
			memcpy(buf + 2 * i, w->tab[payload[done + i]], 2);
		if (pwrite_all(w->f->fd, buf, 2 * k, WAV_HDR + 2 * (pos + done)) != LIM_OK)
			return LIM_E_IO;
		done += k;
	}
	return LIM_OK;
}

/* Moves the window's start to nb (>= win_base): writes the audio before nb (up to end; a gap
 * past end stays a hole, as with pwrite), keeps the rest, zeros what it frees. */
static enum lim_err wav_slide(struct ho_wav *w, uint64_t nb)
{
	uint64_t used = w->end > w->win_base ? w->end - w->win_base : 0, shift = nb - w->win_base;
	uint64_t out = shift < used ? shift : used;
	if (out &&
	    pwrite_all(w->f->fd, w->win, (size_t)(2 * out), WAV_HDR + 2 * w->win_base) != LIM_OK)
		return LIM_E_IO;
	if (out < used) {
		memmove(w->win, w->win + 2 * out, (size_t)(2 * (used - out)));
		memset(w->win + 2 * (used - out), 0, (size_t)(2 * out));
	} else {
		memset(w->win, 0, (size_t)(2 * used));
	}
	w->win_base = nb;
	return LIM_OK;
}

/* Writes the whole window out and empties it (it restarts at end). */
static enum lim_err wav_flush(struct ho_wav *w)
{
	return wav_slide(w, w->end > w->win_base ? w->end : w->win_base);
}

/* see bundle.h */
enum lim_err ho_wav_write(struct ho_wav *w, uint32_t rtp_ts, uint64_t ts_ns, const uint8_t *payload,
			  size_t len)
{
	int64_t pos;
	uint64_t q;
	if (!w || (!payload && len))
		return LIM_E_ARG;
	if (w->f->b->err)
		return w->f->b->err;
	if (w->f->fd < 0 || !w->win)
		return LIM_E_STATE;
	if (len == 0)
		return LIM_OK;
	if (!w->started) {
		w->started = true;
		w->seg_ts = rtp_ts;
		w->seg_start = 0;
		w->seg_cap = 0;
		w->t0_ns = ts_ns;
		w->st.segments = 1;
	}
	/* where the capture time puts it, in samples after the first packet */
	uint64_t cpos = ts_ns > w->t0_ns ? (ts_ns - w->t0_ns) / (1000000000u / HO_WAV_RATE) : 0;
	/* signed distance modulo 2^32 from the segment's origin, and how far that is from the
	 * capture time's */
	int64_t dts = (int64_t)(int32_t)(rtp_ts - w->seg_ts);
	int64_t skew = dts - ((int64_t)cpos - (int64_t)w->seg_cap);
	pos = (int64_t)w->seg_start + dts;
	if (skew > (int64_t)HO_WAV_JUMP_BACK || skew < -(int64_t)HO_WAV_JUMP_BACK) {
		/* the timestamp disagrees with the capture time: a new segment where the capture
		 * time puts it, never before the end */
		uint64_t at = cpos;
		if (at < w->end)
			at = w->end;
		if (at > HO_WAV_MAX_SAMPLES)
			at = HO_WAV_MAX_SAMPLES; /* (the packet is then refused below) */
		w->seg_start = at;
		w->seg_ts = rtp_ts;
		w->seg_cap = cpos;
		w->st.segments++;
		pos = (int64_t)at;
	}
	if (pos < (int64_t)w->seg_start) {
		w->st.dropped++;
		return LIM_OK;
	}
	if (len > HO_WAV_MAX_SAMPLES || (uint64_t)pos > HO_WAV_MAX_SAMPLES - len) {
		w->st.dropped++;
		return LIM_E_LIMIT;
	}
	q = (uint64_t)pos;
	if (len > WAV_WIN - WAV_KEEP) {
		/* more than the window takes: the window out first, so this packet wins, then the
		 * packet; the window restarts after everything written */
		if (wav_flush(w) != LIM_OK || wav_pwrite(w, q, payload, len) != LIM_OK)
			return fail(w->f->b, LIM_E_IO);
		if (q + len > w->end)
			w->end = q + len;
		w->win_base = w->end;
		w->st.packets++;
		return LIM_OK;
	}
	if (q < w->win_base) {
		/* late, before the window: that part straight to the file (rare) */
		size_t k = w->win_base - q < len ? (size_t)(w->win_base - q) : len;
		if (wav_pwrite(w, q, payload, k) != LIM_OK)
			return fail(w->f->b, LIM_E_IO);
		q += k;
		payload += k;
		len -= k;
	}
	if (len > 0) {
		uint8_t *d;
		/* past the window: move it to keep WAV_KEEP samples before q (len <= WAV_WIN -
		 * WAV_KEEP, so the packet then fits; q > win_base + WAV_KEEP here) */
		if (q + len > w->win_base + WAV_WIN && wav_slide(w, q - WAV_KEEP) != LIM_OK)
			return fail(w->f->b, LIM_E_IO);
		d = w->win + 2 * (q - w->win_base);
		for (size_t i = 0; i < len; i++)
			memcpy(d + 2 * i, w->tab[payload[i]], 2);
		if (q + len > w->end)
			w->end = q + len;
	}
	w->st.packets++;
	return LIM_OK;
}

/* see bundle.h */
void ho_wav_stats(const struct ho_wav *w, struct ho_wav_stats *st)
{
	*st = w->st;
	st->samples = w->end;
}

/* see bundle.h */
enum lim_err ho_wav_close(struct ho_wav *w)
{
	if (!w)
		return LIM_E_ARG;
	return finish_file(w->f, true);
}

static void bundle_free(struct ho_bundle *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->nfiles; i++) {
		struct ho_bfile *f = b->files[i];
		if (f->fd >= 0) {
			(void)flush_file(f); /* abort: leaves what was written, best effort */
			close(f->fd);
		}
		EVP_MD_CTX_free(f->md);
		bfile_wipe(f);
		free(f->buf);
		if (f->ccw)
			free(f->ccw->rec);
		free(f->ccw);
		if (f->wav)
			free(f->wav->win);
		free(f->wav);
		free(f->path);
		free(f);
	}
	for (size_t i = 0; i < b->nin; i++)
		free(b->ins[i].name);
	free(b->files);
	free(b->ins);
	if (b->dirfd >= 0)
		close(b->dirfd);
	free(b);
}

/* see bundle.h */
void ho_bundle_abort(struct ho_bundle *b)
{
	bundle_free(b);
}

/* fsync of every directory below DIR that holds an output (DIR itself is synced after the
 * manifest files): a file's data was synced when it was finished, but its name is an entry
 * of its directory, and a new directory's of its parent. b->files sorted (file_cmp), so the
 * paths under one directory are consecutive: each is synced once. LIM_OK, LIM_E_IO. */
static enum lim_err sync_dirs(const struct ho_bundle *b)
{
	for (size_t i = 0; i < b->nfiles; i++) {
		const char *p = b->files[i]->path, *prev = i ? b->files[i - 1]->path : "";
		for (const char *sl = strchr(p, '/'); sl; sl = strchr(sl + 1, '/')) {
			size_t n = (size_t)(sl - p);
			char d[HO_BUNDLE_PATH_MAX + 1];
			int fd, r;
			if (strncmp(prev, p, n + 1) == 0)
				continue; /* (synced with the previous output's) */
			if (n >= sizeof d)
				return LIM_E_IO;
			memcpy(d, p, n);
			d[n] = '\0';
			fd = openat(b->dirfd, d, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0)
				return LIM_E_IO;
			r = fsync(fd);
			close(fd);
			if (r != 0)
				return LIM_E_IO;
		}
	}
	return LIM_OK;
}

static int file_cmp(const void *a, const void *b)
{
	return strcmp((*(struct ho_bfile *const *)a)->path, (*(struct ho_bfile *const *)b)->path);
}

static int no_pass(char *buf, int size, int rw, void *u)
{
	(void)buf, (void)size, (void)rw, (void)u;
	return 0; /* never prompt: an encrypted key is refused */
}

static enum lim_err write_new(int dirfd, const char *name, const void *p, size_t n)
{
	enum lim_err rc;
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (fd < 0)
		return LIM_E_IO;
	rc = write_all(fd, p, n);
	if (rc == LIM_OK && fsync(fd) != 0)
		rc = LIM_E_IO;
	if (close(fd) != 0 && rc == LIM_OK)
		rc = LIM_E_IO;
	return rc;
}

struct ho_sign_key {
	EVP_PKEY *key;
};

/* The Ed25519 private key in the PEM file path (never a passphrase prompt: an encrypted key is
 * refused), or NULL with why set (may be NULL). */
static EVP_PKEY *load_sign_key(const char *path, char *why, size_t whycap)
{
	char r[400];
	EVP_PKEY *key = lim_pkey_load(path, r, sizeof r); /* (its text wiped) */
	if (key && EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
		snprintf(r, sizeof r, "%s: the key is %s, not Ed25519", path,
			 EVP_PKEY_get0_type_name(key) ? EVP_PKEY_get0_type_name(key)
						      : "another type");
		EVP_PKEY_free(key);
		key = NULL;
	}
	if (!key && why && whycap)
		snprintf(why, whycap, "%s", r);
	return key;
}

/* see bundle.h */
enum lim_err ho_sign_key_load(const char *path, struct ho_sign_key **out, char *why, size_t whycap)
{
	static const char probe[] = "limf: can this key sign?";
	struct ho_sign_key *k;
	EVP_MD_CTX *mctx;
	uint8_t sig[SIG_LEN];
	size_t siglen = sizeof sig;
	enum lim_err rc = LIM_E_CRYPTO;
	*out = NULL;
	if (why && whycap)
		why[0] = 0;
	k = calloc(1, sizeof *k);
	if (!k) {
		if (why && whycap)
			snprintf(why, whycap, "%s", lim_strerror(LIM_E_NOMEM));
		return LIM_E_NOMEM;
	}
	k->key = load_sign_key(path, why, whycap);
	if (!k->key) {
		free(k);
		return LIM_E_ARG;
	}
	mctx = EVP_MD_CTX_new();
	if (mctx && EVP_DigestSignInit(mctx, NULL, NULL, NULL, k->key) == 1 &&
	    EVP_DigestSign(mctx, sig, &siglen, (const uint8_t *)probe, sizeof probe - 1) == 1 &&
	    siglen == SIG_LEN)
		rc = LIM_OK;
	EVP_MD_CTX_free(mctx);
	if (rc != LIM_OK) {
		if (why && whycap)
			snprintf(why, whycap, "%s: the key makes no signature", path);
		ho_sign_key_free(k);
		return rc;
	}
	*out = k;
	return LIM_OK;
}

/* SHA-256 over the DER SubjectPublicKeyInfo of key (the verifier's fingerprint). */
static enum lim_err key_fpr(EVP_PKEY *key, uint8_t fpr[32])
{
	uint8_t *der = NULL;
	int derlen = i2d_PUBKEY(key, &der);
	enum lim_err rc = LIM_E_CRYPTO;
	if (derlen > 0 && EVP_Digest(der, (size_t)derlen, fpr, NULL, EVP_sha256(), NULL) == 1)
		rc = LIM_OK;
	OPENSSL_free(der);
	return rc;
}

/* see bundle.h */
enum lim_err ho_sign_key_fpr(const struct ho_sign_key *k, uint8_t fpr[32])
{
	return k && k->key ? key_fpr(k->key, fpr) : LIM_E_CRYPTO;
}

/* see bundle.h */
void ho_sign_key_free(struct ho_sign_key *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->key); /* OpenSSL cleanses the private key */
	free(k);
}

static enum lim_err close_with(struct ho_bundle *b, const char *tool_version,
			       const char *extra_json, EVP_PKEY *key);

/* see bundle.h */
enum lim_err ho_bundle_close(struct ho_bundle *b, const char *tool_version, const char *extra_json,
			     const char *sign_key)
{
	EVP_PKEY *key = b ? load_sign_key(sign_key, NULL, 0) : NULL;
	enum lim_err rc = close_with(b, tool_version, extra_json, key);
	EVP_PKEY_free(key);
	return rc;
}

/* see bundle.h */
enum lim_err ho_bundle_close_key(struct ho_bundle *b, const char *tool_version,
				 const char *extra_json, const struct ho_sign_key *key)
{
	return close_with(b, tool_version, extra_json, key ? key->key : NULL);
}

/* ho_bundle_close with key (borrowed; NULL: no usable key, LIM_E_ARG in its turn). */
static enum lim_err close_with(struct ho_bundle *b, const char *tool_version,
			       const char *extra_json, EVP_PKEY *key)
{
	enum lim_err rc;
	EVP_MD_CTX *mctx = NULL;
	BIO *pub = NULL;
	FILE *mf = NULL;
	char *man = NULL;
	size_t manlen = 0, siglen = SIG_LEN;
	uint8_t sig[SIG_LEN];
	struct out_hash {
		uint64_t size;
		uint8_t sha[32];
	} *hs = NULL;
	char created[32];
	time_t now;
	struct tm tm;
	const char *pubp;
	long publen;

	if (!b)
		return LIM_E_ARG;
	for (size_t i = 0; i < b->nfiles; i++)
		(void)finish_file(b->files[i], false);
	rc = b->err;
	if (rc != LIM_OK)
		goto out;
	/* the outputs closed early: fsync now (their write-back started when they were closed) */
	for (size_t i = 0; i < b->nfiles; i++) {
		const char *leaf;
		int pfd, fd;
		if (!b->files[i]->sync_later)
			continue;
		rc = open_parent(b->dirfd, b->files[i]->path, false, &pfd, &leaf);
		if (rc != LIM_OK) {
			rc = LIM_E_IO;
			goto out;
		}
		fd = openat(pfd, leaf, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		close(pfd);
		rc = fd >= 0 && fsync(fd) == 0 ? LIM_OK : LIM_E_IO;
		if (fd >= 0)
			close(fd);
		if (rc != LIM_OK)
			goto out;
	}
	rc = LIM_E_ARG;
	if (!tool_version || !key)
		goto out;
	rc = extra_check(extra_json);
	if (rc != LIM_OK)
		goto out;
	/* the outputs: their digests as written (WAVs: read back when closed), else read back */
	rc = LIM_E_NOMEM;
	if (b->nfiles > 1)
		qsort(b->files, b->nfiles, sizeof *b->files, file_cmp);
	hs = calloc(b->nfiles ? b->nfiles : 1, sizeof *hs);
	if (!hs)
		goto out;
	for (size_t i = 0; i < b->nfiles; i++) {
		const char *leaf;
		int pfd, fd;
		if (b->files[i]->hashed) { /* digested as written */
			hs[i].size = b->files[i]->size;
			memcpy(hs[i].sha, b->files[i]->sha, sizeof hs[i].sha);
			continue;
		}
		rc = open_parent(b->dirfd, b->files[i]->path, false, &pfd, &leaf);
		if (rc != LIM_OK) {
			rc = LIM_E_IO;
			goto out;
		}
		fd = openat(pfd, leaf, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		close(pfd);
		if (fd < 0) {
			rc = LIM_E_IO;
			goto out;
		}
		rc = hash_fd(fd, &hs[i].size, hs[i].sha);
		close(fd);
		if (rc != LIM_OK)
			goto out;
	}
	/* the outputs' directory entries made durable before the manifest that lists them */
	rc = sync_dirs(b);
	if (rc != LIM_OK)
		goto out;
	/* manifest.json */
	rc = LIM_E_NOMEM;
	mf = open_memstream(&man, &manlen);
	if (!mf)
		goto out;
	now = time(NULL);
	if (!gmtime_r(&now, &tm) ||
	    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		goto out;
	{
		struct lim_json j;
		lim_json_init(&j, mf);
		lim_json_obj_open(&j);
		lim_json_key(&j, "format");
		lim_json_str(&j, HO_BUNDLE_FORMAT);
		lim_json_key(&j, "tool");
		lim_json_obj_open(&j);
		lim_json_key(&j, "name");
		lim_json_str(&j, "limf");
		lim_json_key(&j, "version");
		lim_json_str(&j, tool_version);
		lim_json_obj_close(&j);
		lim_json_key(&j, "created");
		lim_json_str(&j, created);
		lim_json_key(&j, "inputs");
		lim_json_arr_open(&j);
		for (size_t i = 0; i < b->nin; i++) {
			lim_json_obj_open(&j);
			lim_json_key(&j, "name");
			lim_json_str(&j, b->ins[i].name);
			lim_json_key(&j, "size");
			lim_json_u64(&j, b->ins[i].size);
			lim_json_key(&j, "sha256");
			lim_json_hex(&j, b->ins[i].sha, 32);
			lim_json_obj_close(&j);
		}
		lim_json_arr_close(&j);
		/* the caller's members, checked above; the writer's comma state stays right because
		 * the next lim_json_key writes its separator after them */
		if (extra_json && extra_json[strspn(extra_json, " \t\r\n")]) {
			fputc(',', mf);
			fputs(extra_json, mf);
		}
		lim_json_key(&j, "outputs");
		lim_json_arr_open(&j);
		for (size_t i = 0; i < b->nfiles; i++) {
			lim_json_obj_open(&j);
			lim_json_key(&j, "path");
			lim_json_str(&j, b->files[i]->path);
			lim_json_key(&j, "size");
			lim_json_u64(&j, hs[i].size);
			lim_json_key(&j, "sha256");
			lim_json_hex(&j, hs[i].sha, 32);
			lim_json_obj_close(&j);
		}
		lim_json_arr_close(&j);
		lim_json_obj_close(&j);
		rc = lim_json_end(&j);
		if (rc != LIM_OK)
			goto out;
	}
	rc = LIM_E_NOMEM;
	if (fclose(mf) != 0) {
		mf = NULL;
		goto out;
	}
	mf = NULL;
	/* signature and public key */
	rc = LIM_E_CRYPTO;
	mctx = EVP_MD_CTX_new();
	if (!mctx || EVP_DigestSignInit(mctx, NULL, NULL, NULL, key) != 1 ||
	    EVP_DigestSign(mctx, sig, &siglen, (const uint8_t *)man, manlen) != 1 ||
	    siglen != SIG_LEN)
		goto out;
	pub = BIO_new(BIO_s_mem());
	if (!pub || PEM_write_bio_PUBKEY(pub, key) != 1)
		goto out;
	publen = BIO_get_mem_data(pub, &pubp);
	if (publen <= 0)
		goto out;
	rc = write_new(b->dirfd, "manifest.json", man, manlen);
	if (rc == LIM_OK)
		rc = write_new(b->dirfd, "manifest.sig", sig, SIG_LEN);
	if (rc == LIM_OK)
		rc = write_new(b->dirfd, "manifest.pub", pubp, (size_t)publen);
	if (rc == LIM_OK && fsync(b->dirfd) != 0)
		rc = LIM_E_IO;
out:
	if (mf)
		fclose(mf);
	free(man);
	free(hs);
	EVP_MD_CTX_free(mctx);
	BIO_free(pub);
	bundle_free(b);
	return rc;
}

/* ---- verifier ---- */

struct v_entry {
	char *path;
	uint64_t size;
	uint8_t sha[32];
};

struct v_state {
	int dirfd;
	char *why;
	size_t whycap;
	struct v_entry *e;
	size_t ne;
	char *extra;     /* the smallest unlisted path seen by the walk */
	bool extra_lost; /* an unlisted path not kept (out of memory): the walk fails */
	uint8_t incomplete[HO_BUNDLE_INCOMPLETE_MAX + 1]; /* the manifest's, NUL-terminated */
};

static enum lim_err v_fail(struct v_state *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static enum lim_err v_fail(struct v_state *v, const char *fmt, ...)
{
	va_list ap;
	if (v->why && v->whycap) {
		va_start(ap, fmt);
		vsnprintf(v->why, v->whycap, fmt, ap);
		va_end(ap);
	}
	return LIM_E_AUTH;
}

#define NOT_REG (-1) /* open_regular, read_small: not a regular file */

/* Opens name under dirfd for reading only if it is a regular file. Its type is checked before
 * the open, so a FIFO (whose open would block verify for ever) or a device node (whose open can
 * have side effects) is never opened; the open does not block and, with nofollow, follows no
 * symbolic link; the file opened must be the one checked (same device and inode). *st is the
 * open file's. Returns the descriptor, or -1 with *err = ENOENT (missing), NOT_REG (a symbolic
 * link under nofollow, a FIFO, socket, device or directory) or another errno. */
static int open_regular(int dirfd, const char *name, bool nofollow, struct stat *st, int *err)
{
	struct stat pre;
	int fd;
	*err = 0;
	if (fstatat(dirfd, name, &pre, nofollow ? AT_SYMLINK_NOFOLLOW : 0) != 0) {
		*err = errno;
		return -1;
	}
	if (!S_ISREG(pre.st_mode)) {
		*err = NOT_REG;
		return -1;
	}
	fd = openat(dirfd, name,
		    O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0));
	if (fd < 0) {
		*err = errno == ELOOP ? NOT_REG : errno;
		return -1;
	}
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode) || st->st_dev != pre.st_dev ||
	    st->st_ino != pre.st_ino) {
		close(fd);
		*err = NOT_REG; /* replaced between the check and the open */
		return -1;
	}
	return fd;
}

/* What read_small's or open_regular's error says, for a verify message. */
static const char *open_why(int e)
{
	return e == ENOENT ? "missing" : e == NOT_REG ? "not a regular file" : strerror(e);
}

/* Reads a regular file (open_regular) of at most cap octets into a malloc'd buffer.
 * Returns 0, ENOENT, NOT_REG, EFBIG, or another errno. nofollow refuses a symbolic link. */
static int read_small(int dirfd, const char *name, bool nofollow, size_t cap, uint8_t **out,
		      size_t *len)
{
	struct stat st;
	uint8_t *buf;
	size_t got = 0;
	int e;
	int fd = open_regular(dirfd, name, nofollow, &st, &e);
	*out = NULL;
	*len = 0;
	if (fd < 0)
		return e;
	if ((uint64_t)st.st_size > cap) {
		close(fd);
		return EFBIG;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t k = read(fd, buf + got, (size_t)st.st_size - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	close(fd);
	if (got != (size_t)st.st_size) {
		free(buf);
		return EIO;
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
	return 0;
}

static EVP_PKEY *pem_pub(const uint8_t *p, size_t n)
{
	BIO *bio = BIO_new_mem_buf(p, (int)n);
	EVP_PKEY *k = bio ? PEM_read_bio_PUBKEY(bio, NULL, no_pass, NULL) : NULL;
	BIO_free(bio);
	if (k && EVP_PKEY_get_id(k) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(k);
		k = NULL;
	}
	return k;
}

/* manifest.pub must be exactly what PEM_write_bio_PUBKEY writes for its key. */
static bool pem_canonical(EVP_PKEY *k, const uint8_t *p, size_t n)
{
	BIO *bio = BIO_new(BIO_s_mem());
	const char *q;
	long l;
	bool ok = false;
	if (bio && PEM_write_bio_PUBKEY(bio, k) == 1) {
		l = BIO_get_mem_data(bio, &q);
		ok = l > 0 && (size_t)l == n && memcmp(q, p, n) == 0;
	}
	BIO_free(bio);
	return ok;
}

static bool sha_hex(const uint8_t *s, size_t n, uint8_t out[32])
{
	size_t ol = 0;
	if (n != 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return lim_hex_decode((const char *)s, n, out, 32, &ol) == LIM_OK && ol == 32;
}

/* One outputs[] element: {"path":..,"size":..,"sha256":..}, other members ignored. */
static bool parse_entry(struct jp *j, struct v_entry *e)
{
	bool hp = false, hsz = false, hsh = false, ok;
	struct jkeys keys;
	if (!jp_eat(j, '{'))
		return false;
	if (++j->depth > JSON_DEPTH)
		return false;
	jkeys_init(&keys);
	do {
		uint8_t k[KEY_MAX], val[HO_BUNDLE_PATH_MAX + 1];
		size_t kl = 0, vl = 0;
		if (!jp_string(j, k, sizeof k, &kl) || !jp_eat(j, ':') || !jkeys_add(&keys, k, kl))
			goto fail;
		if (kl == 4 && memcmp(k, "path", 4) == 0) {
			if (hp || !jp_string(j, val, HO_BUNDLE_PATH_MAX, &vl) || memchr(val, 0, vl))
				goto fail;
			val[vl] = '\0';
			if (!relpath_ok((char *)val) || !(e->path = strdup((char *)val)))
				goto fail;
			hp = true;
		} else if (kl == 4 && memcmp(k, "size", 4) == 0) {
			uint64_t v = 0;
			size_t st;
			jp_ws(j);
			st = j->i;
			if (hsz || !jp_digits(j) || (j->s[st] == '0' && j->i - st > 1) ||
			    j->i - st > 19)
				goto fail;
			for (size_t i = st; i < j->i; i++)
				v = v * 10 + (uint64_t)(j->s[i] - '0');
			e->size = v;
			hsz = true;
		} else if (kl == 6 && memcmp(k, "sha256", 6) == 0) {
			if (hsh || !jp_string(j, val, 64, &vl) || !sha_hex(val, vl, e->sha))
				goto fail;
			hsh = true;
		} else if (!jp_value(j)) {
			goto fail;
		}
	} while (jp_eat(j, ','));
	j->depth--;
	ok = jp_eat(j, '}') && hp && hsz && hsh && jkeys_unique(&keys);
	jkeys_free(&keys);
	return ok;
fail:
	jkeys_free(&keys);
	return false;
}

/* The signed manifest: format, the sorted outputs and the producer's "incomplete" (into
 * v->incomplete: cut to fit, its octets as the JSON string holds them). Returns NULL or the
 * reason. */
static const char *parse_manifest(struct v_state *v, const uint8_t *s, size_t n)
{
	struct jp j = { s, n, 0, 0 };
	bool have_fmt = false, have_out = false;
	uint64_t keys[TOP_KEYS_MAX]; /* FNV-1a of each top-level key seen */
	size_t cap = 0, nkeys = 0;
	if (!jp_eat(&j, '{'))
		return "malformed";
	j.depth = 1;
	if (!jp_eat(&j, '}')) {
		do {
			uint8_t k[KEY_MAX], val[32];
			size_t kl = 0, vl = 0;
			uint64_t kh;
			if (!jp_string(&j, k, sizeof k, &kl) || !jp_eat(&j, ':'))
				return "malformed";
			/* a key twice is read one way here and maybe another by the authority's
			 * tools: the signed text must say one thing */
			kh = key_hash(k, kl);
			for (size_t i = 0; i < nkeys; i++)
				if (keys[i] == kh)
					return "a top-level key twice";
			if (nkeys == TOP_KEYS_MAX)
				return "too many top-level keys";
			keys[nkeys++] = kh;
			if (kl == 6 && memcmp(k, "format", 6) == 0) {
				if (have_fmt || !jp_string(&j, val, sizeof val, &vl) ||
				    vl != strlen(HO_BUNDLE_FORMAT) ||
				    memcmp(val, HO_BUNDLE_FORMAT, vl) != 0)
					return "format is not " HO_BUNDLE_FORMAT;
				have_fmt = true;
			} else if (kl == 7 && memcmp(k, "outputs", 7) == 0) {
				if (have_out || !jp_eat(&j, '['))
					return "malformed outputs";
				have_out = true;
				if (jp_eat(&j, ']'))
					continue;
				do {
					if (v->ne >= HO_BUNDLE_MAX_FILES)
						return "too many outputs";
					if (v->ne == cap) {
						size_t nc = cap ? 2 * cap : 16;
						struct v_entry *ne = realloc(v->e, nc * sizeof *ne);
						if (!ne)
							return "out of memory";
						v->e = ne;
						cap = nc;
					}
					memset(&v->e[v->ne], 0, sizeof v->e[0]);
					v->ne++;
					if (!parse_entry(&j, &v->e[v->ne - 1]))
						return "malformed outputs";
					if (v->ne > 1 &&
					    strcmp(v->e[v->ne - 2].path, v->e[v->ne - 1].path) >= 0)
						return "outputs not sorted";
				} while (jp_eat(&j, ','));
				if (!jp_eat(&j, ']'))
					return "malformed outputs";
			} else if (kl == 10 && memcmp(k, "incomplete", 10) == 0) {
				size_t st;
				jp_ws(&j);
				st = j.i;
				if (jp_string(&j, v->incomplete, sizeof v->incomplete - 1, &vl)) {
					/* present is incomplete: not hidden by "" or a NUL */
					for (size_t i = 0; i < vl; i++)
						if (!v->incomplete[i])
							v->incomplete[i] = '?';
					v->incomplete[vl] = '\0';
					if (!vl)
						snprintf((char *)v->incomplete,
							 sizeof v->incomplete, "(present, empty)");
				} else {
					/* longer than kept, or not a string: said so, once it is
					 * known to be a well-formed value */
					j.i = st;
					if (!jp_value(&j))
						return "malformed";
					snprintf((char *)v->incomplete, sizeof v->incomplete,
						 "(not shown: not a string of at most %u octets)",
						 HO_BUNDLE_INCOMPLETE_MAX);
				}
			} else if (!jp_value(&j)) {
				return "malformed";
			}
		} while (jp_eat(&j, ','));
		if (!jp_eat(&j, '}'))
			return "malformed";
	}
	jp_ws(&j);
	if (j.i != j.n)
		return "malformed (trailing data)";
	if (!have_fmt)
		return "format is not " HO_BUNDLE_FORMAT;
	if (!have_out)
		return "no outputs";
	return NULL;
}

/* Frees what parse_manifest and walk left in v (not its descriptor). */
static void v_release(struct v_state *v)
{
	for (size_t i = 0; i < v->ne; i++)
		free(v->e[i].path);
	free(v->e);
	free(v->extra);
}

/* see bundle.h */
enum lim_err ho_manifest_parse(const uint8_t *s, size_t n, size_t *n_outputs,
			       char incomplete[HO_BUNDLE_INCOMPLETE_MAX + 1], char *why,
			       size_t whycap)
{
	struct v_state v = { -1, why, whycap, NULL, 0, NULL, false, { 0 } };
	const char *reason;
	enum lim_err rc = LIM_OK;
	if (why && whycap)
		why[0] = '\0';
	*n_outputs = 0;
	incomplete[0] = '\0';
	reason = s ? parse_manifest(&v, s, n) : "no manifest";
	if (reason) {
		(void)v_fail(&v, "manifest.json: %s", reason);
		rc = LIM_E_PARSE;
	} else {
		*n_outputs = v.ne;
		memcpy(incomplete, v.incomplete, sizeof v.incomplete);
	}
	v_release(&v);
	return rc;
}

static int entry_cmp(const void *key, const void *el)
{
	return strcmp((const char *)key, ((const struct v_entry *)el)->path);
}

static void note_extra(struct v_state *v, const char *rel)
{
	if (!v->extra || strcmp(rel, v->extra) < 0) {
		char *c = strdup(rel);
		if (c) {
			free(v->extra);
			v->extra = c;
		} else {
			v->extra_lost = true;
		}
	}
}

/* Whether some listed path lies under directory rel (a bundle has no directory but those its
 * outputs are in). */
static bool dir_listed(const struct v_state *v, const char *rel)
{
	size_t l = strlen(rel), lo = 0, hi = v->ne;
	/* the first path not below rel + "/" in strcmp order (the entries are sorted): paths
	 * under rel + "/" follow it at once ('/' sorts before every other path octet but NUL) */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strncmp(v->e[mid].path, rel, l);
		if (c < 0 || (c == 0 && (unsigned char)v->e[mid].path[l] < '/'))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < v->ne && strncmp(v->e[lo].path, rel, l) == 0 && v->e[lo].path[l] == '/';
}

/* Walks the tree under fd (prefix = its path, "" at the top): every non-directory must be
 * listed, and every directory hold a listed path (before, added directories, empty or named
 * like evidence, verified). Returns false on an unreadable directory. */
static bool walk(struct v_state *v, int fd, const char *prefix, unsigned depth)
{
	DIR *d;
	struct dirent *de;
	bool ok = true;
	int fd2 = dup(fd);
	if (fd2 < 0)
		return false;
	d = fdopendir(fd2);
	if (!d) {
		close(fd2);
		return false;
	}
	for (;;) {
		char rel[2 * HO_BUNDLE_PATH_MAX + 2];
		struct stat st;
		errno = 0;
		if (!(de = readdir(d))) {
			ok = errno == 0; /* the end, not an error that hides the rest */
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (*prefix)
			snprintf(rel, sizeof rel, "%s/%s", prefix, de->d_name);
		else
			snprintf(rel, sizeof rel, "%s", de->d_name);
		if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			ok = false;
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			int sub;
			if (depth >= WALK_DEPTH || strlen(rel) > HO_BUNDLE_PATH_MAX) {
				note_extra(v, rel);
				continue;
			}
			if (!dir_listed(v, rel)) {
				char dn[sizeof rel + 1];
				snprintf(dn, sizeof dn, "%s/", rel); /* (named as a directory) */
				note_extra(v, dn);
			}
			sub = openat(fd, de->d_name,
				     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				ok = false;
				break;
			}
			ok = walk(v, sub, rel, depth + 1);
			close(sub);
			if (!ok)
				break;
			continue;
		}
		if (!*prefix && reserved_top(rel))
			continue;
		if (v->ne == 0 || !bsearch(rel, v->e, v->ne, sizeof *v->e, entry_cmp))
			note_extra(v, rel);
	}
	closedir(d);
	return ok;
}

/* see bundle.h */
enum lim_err ho_bundle_verify_ex(const char *dir, const char *pinned_pub, char *why, size_t whycap,
				 struct ho_verify_info *info)
{
	struct v_state v = { -1, why, whycap, NULL, 0, NULL, false, { 0 } };
	uint8_t *man = NULL, *sig = NULL, *pub = NULL, *pin = NULL;
	size_t manlen = 0, siglen = 0, publen = 0, pinlen = 0;
	EVP_PKEY *pk = NULL, *pinned = NULL;
	EVP_MD_CTX *mctx = NULL;
	uint8_t fpr[32];
	const char *reason;
	enum lim_err rc = LIM_E_AUTH;
	int e;

	if (why && whycap)
		why[0] = '\0';
	if (!dir) {
		rc = v_fail(&v, "no directory");
		goto out;
	}
	v.dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (v.dirfd < 0) {
		rc = v_fail(&v, "%s: cannot open the directory (%s)", dir, strerror(errno));
		goto out;
	}
	e = read_small(v.dirfd, "manifest.json", true, HO_BUNDLE_MANIFEST_MAX, &man, &manlen);
	if (e) {
		rc = v_fail(&v, "manifest.json: %s", open_why(e));
		goto out;
	}
	e = read_small(v.dirfd, "manifest.sig", true, SIG_LEN + 1, &sig, &siglen);
	if (e || siglen != SIG_LEN) {
		rc = v_fail(&v, "manifest.sig: %s",
			    e == ENOENT || e == NOT_REG ? open_why(e)
							: "not a 64-octet Ed25519 signature");
		goto out;
	}
	e = read_small(v.dirfd, "manifest.pub", true, PUB_PEM_MAX, &pub, &publen);
	if (e) {
		rc = v_fail(&v, "manifest.pub: %s", open_why(e));
		goto out;
	}
	pk = pem_pub(pub, publen);
	if (!pk || !pem_canonical(pk, pub, publen)) {
		rc = v_fail(&v, "manifest.pub: not an Ed25519 public key in canonical PEM");
		goto out;
	}
	if (pinned_pub) {
		uint8_t a[32], b[32];
		size_t al = sizeof a, bl = sizeof b;
		e = read_small(AT_FDCWD, pinned_pub, false, PUB_PEM_MAX * 4, &pin, &pinlen);
		if (e || !(pinned = pem_pub(pin, pinlen))) {
			rc = v_fail(&v, "%s: not an Ed25519 public key", pinned_pub);
			goto out;
		}
		if (EVP_PKEY_get_raw_public_key(pk, a, &al) != 1 ||
		    EVP_PKEY_get_raw_public_key(pinned, b, &bl) != 1 || al != bl ||
		    CRYPTO_memcmp(a, b, al) != 0) {
			rc = v_fail(&v, "manifest.pub: not the pinned key");
			goto out;
		}
	}
	mctx = EVP_MD_CTX_new();
	if (!mctx || EVP_DigestVerifyInit(mctx, NULL, NULL, NULL, pinned ? pinned : pk) != 1 ||
	    EVP_DigestVerify(mctx, sig, SIG_LEN, man, manlen) != 1) {
		rc = v_fail(&v, "manifest.sig: signature does not verify");
		goto out;
	}
	if (key_fpr(pinned ? pinned : pk, fpr) != LIM_OK) {
		rc = v_fail(&v, "manifest.pub: cannot encode the key");
		goto out;
	}
	reason = parse_manifest(&v, man, manlen);
	if (reason) {
		rc = v_fail(&v, "manifest.json: %s", reason);
		goto out;
	}
	for (size_t i = 0; i < v.ne; i++) {
		struct v_entry *en = &v.e[i];
		const char *leaf;
		int pfd = -1, fd;
		uint64_t size = 0;
		uint8_t sha[32];
		struct stat st;
		enum lim_err r = open_parent(v.dirfd, en->path, false, &pfd, &leaf);
		if (r == LIM_E_TRUNC) {
			rc = v_fail(&v, "%s: missing", en->path);
			goto out;
		}
		if (r != LIM_OK) {
			rc = v_fail(&v, "%s: not a regular file", en->path);
			goto out;
		}
		fd = open_regular(pfd, leaf, true, &st, &e);
		close(pfd);
		if (fd < 0) {
			rc = v_fail(&v, "%s: %s", en->path,
				    e == ENOENT ? "missing" : "not a regular file");
			goto out;
		}
		/* the size first: a hostile sparse file of terabytes is not hashed for hours
		 * before it is found to differ (compared again after, in case it changes) */
		if ((uint64_t)st.st_size != en->size) {
			close(fd);
			rc = v_fail(&v, "%s: size differs", en->path);
			goto out;
		}
		r = hash_fd(fd, &size, sha);
		close(fd);
		if (r != LIM_OK) {
			rc = v_fail(&v, "%s: unreadable", en->path);
			goto out;
		}
		if (size != en->size) {
			rc = v_fail(&v, "%s: size differs", en->path);
			goto out;
		}
		if (CRYPTO_memcmp(sha, en->sha, 32) != 0) {
			rc = v_fail(&v, "%s: SHA-256 differs", en->path);
			goto out;
		}
	}
	if (!walk(&v, v.dirfd, "", 0) || v.extra_lost) {
		rc = v_fail(&v, "%s: cannot read the directory tree", dir);
		goto out;
	}
	if (v.extra) {
		rc = v_fail(&v, "extra file: %s", v.extra);
		goto out;
	}
	if (info) {
		info->files = v.ne;
		memcpy(info->fpr, fpr, sizeof fpr);
		memcpy(info->incomplete, v.incomplete, sizeof info->incomplete);
	}
	rc = LIM_OK;
out:
	if (v.dirfd >= 0)
		close(v.dirfd);
	v_release(&v);
	free(man);
	free(sig);
	free(pub);
	free(pin);
	EVP_MD_CTX_free(mctx);
	EVP_PKEY_free(pk);
	EVP_PKEY_free(pinned);
	return rc;
}

/* see bundle.h */
enum lim_err ho_bundle_verify(const char *dir, const char *pinned_pub, char *why, size_t whycap)
{
	return ho_bundle_verify_ex(dir, pinned_pub, why, whycap, NULL);
}
