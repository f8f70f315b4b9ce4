/* Shared by the fuzz targets that need files: one private directory per process, made with
 * mkdtemp under $TMPDIR (else /tmp; /dev/shm makes `make fuzz` faster) and removed with all it
 * holds at exit. fuzz_empty() clears it before each input; fuzz_put() writes one file in it. */
#ifndef LIM_FUZZ_DIR_H
#define LIM_FUZZ_DIR_H

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char fuzz_dir_path[256];

/* Everything under d, d itself kept; directories made unreadable by an input are opened up. */
static inline void fuzz_empty_at(const char *d)
{
	DIR *dp = opendir(d);
	struct dirent *e;
	char p[1024];
	if (!dp)
		return;
	while ((e = readdir(dp)) != NULL) {
		struct stat st;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if ((size_t)snprintf(p, sizeof p, "%s/%s", d, e->d_name) >= sizeof p)
			abort();
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			(void)chmod(p, 0700);
			fuzz_empty_at(p);
			(void)rmdir(p);
		} else {
			(void)unlink(p);
		}
	}
	closedir(dp);
}

static inline void fuzz_dir_cleanup(void)
{
	fuzz_empty_at(fuzz_dir_path);
	(void)rmdir(fuzz_dir_path);
}

/* The process's directory, made at the first call. */
static inline const char *fuzz_dir(const char *tag)
{
	if (!fuzz_dir_path[0]) {
		const char *t = getenv("TMPDIR");
		if ((size_t)snprintf(fuzz_dir_path, sizeof fuzz_dir_path, "%s/limf-fuzz-%s-XXXXXX",
				     t && t[0] ? t : "/tmp", tag) >= sizeof fuzz_dir_path ||
		    !mkdtemp(fuzz_dir_path))
			abort();
		atexit(fuzz_dir_cleanup);
	}
	return fuzz_dir_path;
}

static inline void fuzz_empty(void)
{
	fuzz_empty_at(fuzz_dir_path);
}

/* name (relative) in the directory; n octets of p. Returns the path (static). */
static inline const char *fuzz_put(const char *name, const uint8_t *p, size_t n)
{
	static char path[1024];
	int fd;
	if ((size_t)snprintf(path, sizeof path, "%s/%s", fuzz_dir_path, name) >= sizeof path)
		abort();
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return path;
	if (n && write(fd, p, n) != (ssize_t)n)
		abort();
	close(fd);
	return path;
}

#endif
