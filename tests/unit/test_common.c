/* test_common: common/ (reader, writer, codecs, errors, wiping, threads, the clock). */
#define _GNU_SOURCE /* pthread_getname_np */
#include "common/clock.h"
#include "common/codec.h"
#include "common/err.h"
#include "common/json.h"
#include "common/owner.h"
#include "common/rd.h"
#include "common/thread.h"
#include "common/wipe.h"
#include "common/wr.h"
#include "tests/unit/check.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void t_pkey(void); /* common_pkey.c */

static void t_rd(void)
{
	static const uint8_t buf[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	struct lim_rd r = lim_rd_make(buf, sizeof buf), sub;
	uint8_t b = 0xaa;
	uint16_t h = 0xaaaa;
	uint32_t w = 0xaaaaaaaa;
	uint64_t q = 1;
	uint8_t out[4] = { 0xff, 0xff, 0xff, 0xff };

	CHECK(lim_rd_u8(&r, &b) && b == 1);
	CHECK(lim_rd_u16be(&r, &h) && h == 0x0203);
	CHECK(lim_rd_u32be(&r, &w) && w == 0x04050607);
	CHECK(r.len == 2);
	/* failed reads consume nothing and zero the output */
	CHECK(!lim_rd_u32be(&r, &w) && w == 0 && r.len == 2);
	CHECK(!lim_rd_u64be(&r, &q) && q == 0 && r.len == 2);
	CHECK(!lim_rd_bytes(&r, out, 3) && out[0] == 0 && out[2] == 0 && r.len == 2);
	CHECK(!lim_rd_sub(&r, 3, &sub) && sub.len == 0 && sub.p == NULL && r.len == 2);
	CHECK(!lim_rd_skip(&r, 3) && r.len == 2);
	CHECK(lim_rd_sub(&r, 2, &sub) && sub.len == 2 && sub.p[0] == 8 && lim_rd_empty(&r));
	CHECK(!lim_rd_u8(&r, &b) && b == 0);
	CHECK(!lim_rd_u16be(&r, &h) && h == 0);
	/* a huge length from the wire cannot wrap */
	r = lim_rd_make(buf, sizeof buf);
	CHECK(!lim_rd_sub(&r, SIZE_MAX, &sub) && r.len == sizeof buf);
	CHECK(lim_rd_u64be(&r, &q) && q == 0x0102030405060708ULL && r.len == 1);
}

static void t_wr(void)
{
	uint8_t buf[7];
	struct lim_wr w;
	lim_wr_init(&w, buf, sizeof buf);
	lim_wr_u8(&w, 0x11);
	lim_wr_u16be(&w, 0x2233);
	lim_wr_u32be(&w, 0x44556677);
	CHECK(lim_wr_ok(&w) && w.len == 7);
	CHECK(buf[0] == 0x11 && buf[1] == 0x22 && buf[6] == 0x77);
	lim_wr_u8(&w, 0x88);
	CHECK(!lim_wr_ok(&w) && w.len == 7);
	/* sticky: later small writes still fail */
	lim_wr_bytes(&w, "", 0);
	CHECK(!lim_wr_ok(&w) && w.len == 7);
	lim_wr_init(&w, buf, sizeof buf);
	CHECK(lim_wr_reserve(&w, 8) == NULL && !lim_wr_ok(&w));
	lim_wr_init(&w, buf, sizeof buf);
	lim_wr_u64be(&w, 1);
	CHECK(!lim_wr_ok(&w));
}

static void t_hex(void)
{
	uint8_t out[8];
	char enc[17];
	size_t n = 99;
	CHECK(lim_hex_decode("00ffA5", 6, out, sizeof out, &n) == LIM_OK && n == 3);
	CHECK(out[0] == 0 && out[1] == 0xff && out[2] == 0xa5);
	lim_hex_encode(out, 3, enc);
	CHECK(strcmp(enc, "00ffa5") == 0);
	CHECK(lim_hex_decode("0", 1, out, sizeof out, &n) == LIM_E_PARSE && n == 0);
	CHECK(lim_hex_decode("0g", 2, out, sizeof out, &n) == LIM_E_PARSE);
	CHECK(lim_hex_decode("00 11", 5, out, sizeof out, &n) == LIM_E_PARSE);
	CHECK(lim_hex_decode_ws("00 11\n2 2", 9, out, sizeof out, &n) == LIM_OK && n == 3 &&
	      out[2] == 0x22);
	CHECK(lim_hex_decode("000102030405060708", 18, out, sizeof out, &n) == LIM_E_LIMIT);
	CHECK(lim_hex_decode("", 0, out, sizeof out, &n) == LIM_OK && n == 0);
}

static void t_b64(void)
{
	static const struct {
		const char *plain, *b64;
	} v[] = { /* RFC 4648 s10 */
		  { "", "" },
		  { "f", "Zg==" },
		  { "fo", "Zm8=" },
		  { "foo", "Zm9v" },
		  { "foob", "Zm9vYg==" },
		  { "fooba", "Zm9vYmE=" },
		  { "foobar", "Zm9vYmFy" }
	};
	uint8_t out[16];
	char enc[32];
	size_t n;
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		size_t pl = strlen(v[i].plain);
		lim_b64_encode((const uint8_t *)v[i].plain, pl, enc);
		CHECK(strcmp(enc, v[i].b64) == 0);
		CHECK(lim_b64_decode(v[i].b64, strlen(v[i].b64), out, sizeof out, &n) == LIM_OK &&
		      n == pl && memcmp(out, v[i].plain, pl) == 0);
	}
	static const char *const bad[] = { "Zg=",      "Zg",       "Z===", "Zh==", "Zm9=",
					   "Zg==Zg==", "Zm9v!A==", "Zm 9", "=Zg=", "Zg=a" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK(lim_b64_decode(bad[i], strlen(bad[i]), out, sizeof out, &n) == LIM_E_PARSE);
	CHECK(lim_b64_decode("Zm9vYmFy", 8, out, 5, &n) == LIM_E_LIMIT);
}

static void t_err_wipe(void)
{
	uint8_t k[16];
	memset(k, 0x5a, sizeof k);
	LIM_WIPE(k);
	for (size_t i = 0; i < sizeof k; i++)
		CHECK(k[i] == 0);
	CHECK(strcmp(lim_strerror(LIM_OK), "ok") == 0);
	CHECK(strcmp(lim_strerror(LIM_E_AUTH), "authentication failed") == 0);
	CHECK(strcmp(lim_strerror((enum lim_err) - 999), "unknown error") == 0);
}

static void t_json(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct lim_json j;
	static const uint8_t b[] = { 0xde, 0xad };
	CHECK(f != NULL);
	if (!f)
		return;
	lim_json_init(&j, f);
	lim_json_obj_open(&j);
	lim_json_key(&j, "a");
	lim_json_str(&j, "q\"\\\n\x01\xc3\xa9\xff");
	lim_json_key(&j, "n");
	lim_json_u64(&j, 42);
	lim_json_key(&j, "l");
	lim_json_arr_open(&j);
	lim_json_bool(&j, true);
	lim_json_null(&j);
	lim_json_hex(&j, b, 2);
	lim_json_arr_close(&j);
	lim_json_obj_close(&j);
	CHECK(lim_json_end(&j) == LIM_OK);
	fclose(f);
	CHECK(strcmp(buf, "{\"a\":\"q\\\"\\\\\\n\\u0001\xc3\xa9\\u00ff\",\"n\":42,"
			  "\"l\":[true,null,\"dead\"]}\n") == 0);
	free(buf);
	/* unbalanced output is reported */
	f = open_memstream(&buf, &len);
	lim_json_init(&j, f);
	lim_json_arr_open(&j);
	CHECK(lim_json_end(&j) == LIM_E_LIMIT);
	fclose(f);
	free(buf);
}

/* Wire text: the string, and its exact octets in base64 only when they are not UTF-8 (an
 * invalid 0xFF and a real U+00FF read back alike from the string alone). */
static void t_json_wire(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct lim_json j;
	char key[80];
	CHECK(f != NULL);
	if (!f)
		return;
	lim_json_init(&j, f);
	lim_json_obj_open(&j);
	lim_json_kv_wire(&j, "a", "caf\xc3\xa9\x01", 6); /* UTF-8 and a control: the string */
	lim_json_kv_wire(&j, "b", "x\xff", 2);           /* not UTF-8: both */
	lim_json_kv_wire(&j, "c", "\xc3\xbf", 2);        /* U+00FF itself */
	lim_json_kv_wire(&j, "d", "a\0\xed\xa0\x80", 5); /* a NUL, an encoded surrogate */
	lim_json_kv_wire(&j, "e", "", 0);
	lim_json_obj_close(&j);
	CHECK(lim_json_end(&j) == LIM_OK);
	fclose(f);
	CHECK(strcmp(buf, "{\"a\":\"caf\xc3\xa9\\u0001\",\"b\":\"x\\u00ff\",\"b_base64\":\"eP8=\","
			  "\"c\":\"\xc3\xbf\",\"d\":\"a\\u0000\\u00ed\\u00a0\\u0080\","
			  "\"d_base64\":\"YQDtoIA=\",\"e\":\"\"}\n") == 0);
	free(buf);
	CHECK(lim_json_utf8_valid("", 0) && lim_json_utf8_valid("\xf4\x8f\xbf\xbf", 4));
	CHECK(!lim_json_utf8_valid("\xf4\x90\x80\x80", 4) && !lim_json_utf8_valid("\xc0\xaf", 2));
	CHECK(!lim_json_utf8_valid("\xe2\x82", 2)); /* cut */
	/* a key too long for its _base64 twin: the writer's sticky error (lim_json_end fails) */
	memset(key, 'k', sizeof key - 1);
	key[sizeof key - 1] = '\0';
	f = open_memstream(&buf, &len);
	lim_json_init(&j, f);
	lim_json_obj_open(&j);
	lim_json_kv_wire(&j, key, "\xff", 1);
	lim_json_obj_close(&j);
	CHECK(lim_json_end(&j) == LIM_E_LIMIT);
	fclose(f);
	free(buf);
}

/* What a helper thread sees of itself. */
struct seen {
	sigset_t mask;
	char name[32];
};

static void *look(void *arg)
{
	struct seen *s = arg;
	pthread_sigmask(SIG_BLOCK, NULL, &s->mask);
	if (pthread_getname_np(pthread_self(), s->name, sizeof s->name) != 0)
		s->name[0] = '\0';
	return NULL;
}

static void t_thread(void)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGPIPE, SIGCHLD, SIGALRM };
	struct seen s;
	sigset_t before, after;
	pthread_t th;
	sigemptyset(&before);
	sigaddset(&before, SIGUSR2); /* the caller's own mask, left as it was */
	pthread_sigmask(SIG_SETMASK, &before, NULL);
	memset(&s, 0, sizeof s);
	CHECK(lim_thread_start(&th, look, &s, "limf-test") == 0);
	CHECK(pthread_join(th, NULL) == 0);
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		CHECK(sigismember(&s.mask, sigs[i]) == 1);
	/* a fault on the thread still reaches its handler (a sanitizer's report) */
	CHECK(sigismember(&s.mask, SIGSEGV) == 0 && sigismember(&s.mask, SIGBUS) == 0);
	CHECK(strcmp(s.name, "limf-test") == 0);
	pthread_sigmask(SIG_BLOCK, NULL, &after);
	CHECK(sigismember(&after, SIGUSR2) == 1 && sigismember(&after, SIGTERM) == 0);
	/* a name longer than the kernel keeps: its first 15 characters, not none */
	memset(&s, 0, sizeof s);
	CHECK(lim_thread_start(&th, look, &s, "limf-a-very-long-thread-name") == 0);
	CHECK(pthread_join(th, NULL) == 0);
	CHECK(strcmp(s.name, "limf-a-very-lon") == 0);
	sigemptyset(&before);
	pthread_sigmask(SIG_SETMASK, &before, NULL);
}

/* lim_mono_*: never 0, never backwards, the three units of one clock, and a sleep of 20 ms
 * seen as at least that (CLOCK_MONOTONIC, not a clock that stands still or runs in us) */
static void t_clock(void)
{
	uint64_t ns0 = lim_mono_ns(), us0 = lim_mono_us(), ms0 = lim_mono_ms(), prev = ns0, ns1;
	struct timespec d = { 0, 20000000 };
	int back = 0;
	CHECK(ns0 != 0 && us0 != 0);
	CHECK(us0 >= ns0 / 1000u && ms0 >= ns0 / 1000000u);
	CHECK(ms0 <= us0 / 1000u + 1 && us0 / 1000u <= ms0 + 1);
	for (int i = 0; i < 1000; i++) {
		uint64_t t = lim_mono_ns();
		back += t < prev;
		prev = t;
	}
	CHECK(back == 0);
	CHECK(nanosleep(&d, NULL) == 0);
	ns1 = lim_mono_ns();
	CHECK(ns1 - ns0 >= 20000000u && ns1 - ns0 < 20000000000u);
	CHECK(lim_mono_ms() - ms0 >= 20);
}

/* common/owner.h: as root, what is made in another user's directory is that user's; in
 * root's own directory, or not root, nothing is given. A path that is a file, or a link to a
 * directory, is no directory of limf's. */
static void t_owner(void)
{
	char top[] = "/tmp/limf-owner-XXXXXX", p[128], q[160], why[192];
	struct stat st;
	struct lim_owner o;
	int fd, dfd;
	CHECK(mkdtemp(top) != NULL);
	snprintf(p, sizeof p, "%s/a", top);
	CHECK(lim_mkdir_owned(p, 0700) == 0 && lim_mkdir_owned(p, 0700) == 0);
	CHECK(stat(p, &st) == 0 && st.st_uid == geteuid() && (st.st_mode & 0777) == 0700);
	snprintf(q, sizeof q, "%s/a//", top); /* trailing '/': the same directory */
	dfd = lim_mkdir_open(q, 0700);
	CHECK(dfd >= 0 && fstat(dfd, &st) == 0 && S_ISDIR(st.st_mode));
	CHECK(lim_mkdir_open("/", 0700) == -1 && lim_mkdir_open("", 0700) == -1);
	snprintf(q, sizeof q, "%s/f", p);
	fd = open(q, O_WRONLY | O_CREAT | O_EXCL, 0600);
	CHECK(fd >= 0 && write(fd, "x", 1) == 1);
	close(fd);
	CHECK(lim_mkdir_owned(q, 0700) == -1 && errno == ENOTDIR);
	snprintf(q, sizeof q, "%s/l", top);
	CHECK(symlink(p, q) == 0);
	CHECK(lim_mkdir_owned(q, 0700) == -1 && errno == ENOTDIR);
	{
		/* below a trusted prefix, every component by descriptor: made when missing; one
		 * swapped for a link is refused, with make or without; the prefix may be a link */
		char r[200];
		int x;
		snprintf(r, sizeof r, "%s/l/m/n", top); /* top/l: a link to top/a */
		x = lim_dir_open(r, strlen(top) + 2, true, 0700);
		CHECK(x >= 0);
		if (x >= 0)
			close(x);
		snprintf(r, sizeof r, "%s/m/n", p);
		CHECK(stat(r, &st) == 0 && S_ISDIR(st.st_mode));
		x = lim_dir_open(r, strlen(p), false, 0);
		CHECK(x >= 0);
		if (x >= 0)
			close(x);
		snprintf(r, sizeof r, "%s/m/n", p);
		CHECK(rmdir(r) == 0);
		snprintf(r, sizeof r, "%s/m", p);
		CHECK(rmdir(r) == 0 && symlink(top, r) == 0); /* m: now a link elsewhere */
		snprintf(r, sizeof r, "%s/m/n", p);
		CHECK(lim_dir_open(r, strlen(p), true, 0700) == -1 && errno == ENOTDIR);
		CHECK(lim_dir_open(r, strlen(p), false, 0) == -1 && errno == ENOTDIR);
		snprintf(r, sizeof r, "%s/n", top);
		CHECK(stat(r, &st) != 0); /* nothing made through the link */
		snprintf(r, sizeof r, "%s/m/zz", p);
		CHECK(lim_dir_open(r, strlen(p), false, 0) == -1);
		snprintf(r, sizeof r, "%s/m", p);
		CHECK(unlink(r) == 0);
		CHECK(lim_dir_open(r, strlen(p), false, 0) == -1 && errno == ENOENT);
	}
	/* lim_open_file: a regular file with one link; not a link to one, a hard link, a FIFO
	 * (which would block an open for reading), a directory */
	CHECK(lim_owner_of_fd(dfd, &o));
	fd = lim_open_file(dfd, "f", O_RDONLY, &o);
	CHECK(fd >= 0 && (fcntl(fd, F_GETFL) & O_NONBLOCK) == 0);
	if (fd >= 0)
		close(fd);
	CHECK(lim_open_file(dfd, "none", O_RDONLY, &o) == -1 && errno == ENOENT);
	CHECK(symlinkat("f", dfd, "sl") == 0);
	CHECK(lim_open_file(dfd, "sl", O_RDONLY, &o) == -1 && errno == ELOOP);
	/* lim_file_why: what is there in the file's place, in words */
	lim_file_why(dfd, "sl", ELOOP, &o, why, sizeof why);
	CHECK(strcmp(why, "refused: a symbolic link (limf follows none here)") == 0);
	lim_file_why(dfd, "none", ENOENT, &o, why, sizeof why);
	CHECK(strcmp(why, strerror(ENOENT)) == 0);
	lim_file_why(dfd, "sl", ELOOP, &o, why, 9); /* (cut, terminated) */
	CHECK(strcmp(why, "refused:") == 0);
	lim_file_why(dfd, "sl", ENOTDIR, &o, why, sizeof why); /* (a link for a directory) */
	CHECK(strcmp(why, "refused: a symbolic link (limf follows none here)") == 0);
	lim_file_why(dfd, "f", ENOTDIR, &o, why, sizeof why);
	CHECK(strcmp(why, strerror(ENOTDIR)) == 0);
	/* lim_create_file: new only, never through a link */
	CHECK(lim_create_file(dfd, "f", O_WRONLY, &o) == -1 && errno == EEXIST);
	CHECK(lim_create_file(dfd, "sl", O_WRONLY, &o) == -1 && errno == EEXIST);
	fd = lim_create_file(dfd, "new", O_WRONLY, &o);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0600);
	if (fd >= 0)
		close(fd);
	CHECK(unlinkat(dfd, "new", 0) == 0);
	CHECK(linkat(dfd, "f", dfd, "hl", 0) == 0);
	if (geteuid() == 0) { /* (a hard link matters to root only) */
		CHECK(lim_open_file(dfd, "f", O_RDWR, &o) == -1 && errno == EPERM);
		lim_file_why(dfd, "f", EPERM, &o, why, sizeof why);
		CHECK(strstr(why, "refused: a file with 2 hard links") == why);
	} else {
		fd = lim_open_file(dfd, "f", O_RDWR, &o);
		CHECK(fd >= 0);
		if (fd >= 0)
			close(fd);
	}
	CHECK(lim_open_file(dfd, "f", O_RDWR | O_TRUNC, &o) == -1 && errno == EINVAL);
	CHECK(unlinkat(dfd, "hl", 0) == 0);
	CHECK(mkfifoat(dfd, "fifo", 0600) == 0);
	CHECK(lim_open_file(dfd, "fifo", O_RDONLY, &o) == -1 && errno == EPERM);
	lim_file_why(dfd, "fifo", EPERM, &o, why, sizeof why);
	CHECK(strcmp(why, "refused: a FIFO, not a regular file") == 0);
	CHECK(mkdirat(dfd, "d", 0700) == 0);
	CHECK(lim_open_file(dfd, "d", O_RDONLY, &o) == -1);
	lim_file_why(dfd, "d", EPERM, &o, why, sizeof why);
	CHECK(strcmp(why, "refused: a directory, not a regular file") == 0);
	CHECK(unlinkat(dfd, "sl", 0) == 0 && unlinkat(dfd, "fifo", 0) == 0 &&
	      unlinkat(dfd, "d", AT_REMOVEDIR) == 0);
	if (geteuid() == 0) {
		const uid_t u = 65534;
		const gid_t g = 65534;
		struct lim_owner none = { false, 0, 0 };
		/* as root: a file of another user than the directory's is not opened */
		CHECK(fchownat(dfd, "f", 4242, 4242, 0) == 0);
		CHECK(lim_open_file(dfd, "f", O_RDONLY, &o) == -1 && errno == EPERM);
		lim_file_why(dfd, "f", EPERM, &o, why, sizeof why);
		CHECK(strcmp(why, "refused: the file is uid 4242's, not root's") == 0);
		/* an EPERM for another reason (a file limf would open): the system's words */
		CHECK(fchownat(dfd, "f", 0, 0, 0) == 0);
		lim_file_why(dfd, "f", EPERM, &o, why, sizeof why);
		CHECK(strcmp(why, strerror(EPERM)) == 0);
		CHECK(fchownat(dfd, "f", 4242, 4242, 0) == 0);
		CHECK(fchownat(dfd, "f", u, g, 0) == 0);
		CHECK(lim_open_file(dfd, "f", O_RDONLY, &none) == -1 && errno == EPERM);
		{
			struct lim_owner other = { true, 1234, 1234 };
			lim_file_why(dfd, "f", EPERM, &other, why, sizeof why);
			CHECK(strstr(why, "refused: the file is ") == why &&
			      strstr(why,
				     "(uid 65534)'s, neither root's nor that of the directory's "
				     "owner (uid 1234)") != NULL);
		}
		CHECK(chown(p, u, g) == 0);
		CHECK(lim_owner_of_fd(dfd, &o) && o.give && o.uid == u && o.gid == g);
		fd = lim_open_file(dfd, "f", O_RDONLY, &o);
		CHECK(fd >= 0);
		if (fd >= 0)
			close(fd);
		/* made in the user's directory: the user's */
		snprintf(q, sizeof q, "%s/b", p);
		CHECK(lim_mkdir_owned(q, 0700) == 0);
		CHECK(stat(q, &st) == 0 && st.st_uid == u && st.st_gid == g);
		fd = open(q, O_RDONLY | O_DIRECTORY);
		CHECK(fd >= 0 && lim_owner_of_fd(fd, &o) && o.give && o.uid == u && o.gid == g);
		if (fd >= 0) {
			int f = openat(fd, "file", O_WRONLY | O_CREAT | O_EXCL, 0600);
			CHECK(f >= 0 && lim_owner_give(&o, f));
			CHECK(fstat(f, &st) == 0 && st.st_uid == u && st.st_gid == g);
			close(f);
			CHECK(unlinkat(fd, "file", 0) == 0);
			close(fd);
		}
		CHECK(rmdir(q) == 0);
		/* found, not made: nothing given (it is left as it is) */
		CHECK(mkdir(q, 0700) == 0);
		CHECK(lim_mkdir_owned(q, 0700) == 0 && stat(q, &st) == 0 && st.st_uid == 0);
		CHECK(rmdir(q) == 0);
	} else {
		fprintf(stderr, "  owner: the root half skipped (not root)\n");
	}
	if (dfd >= 0)
		close(dfd);
	snprintf(q, sizeof q, "%s/f", p);
	CHECK(unlink(q) == 0 && rmdir(p) == 0);
	snprintf(q, sizeof q, "%s/l", top);
	CHECK(unlink(q) == 0 && rmdir(top) == 0);
}

int main(int argc, char **argv)
{
	static const struct lim_suite suites[] = {
		{ "rd", t_rd },
		{ "wr", t_wr },
		{ "hex", t_hex },
		{ "b64", t_b64 },
		{ "err_wipe", t_err_wipe },
		{ "json", t_json },
		{ "json_wire", t_json_wire },
		{ "thread", t_thread },
		{ "clock", t_clock },
		{ "owner", t_owner },
		{ "pkey", t_pkey },
	};
	return lim_t_main(suites, sizeof suites / sizeof suites[0], argc, argv);
}
