/* see owner.h */
#define _GNU_SOURCE /* O_PATH */
#include "common/owner.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void owner_from(const struct stat *st, struct lim_owner *o)
{
	o->give = geteuid() == 0 && (st->st_uid != geteuid() || st->st_gid != getegid());
	o->uid = st->st_uid;
	o->gid = st->st_gid;
}

/* see owner.h */
bool lim_owner_of_fd(int dirfd, struct lim_owner *o)
{
	struct stat st;
	memset(o, 0, sizeof *o);
	if (fstat(dirfd, &st) != 0)
		return false;
	owner_from(&st, o);
	return true;
}

/* see owner.h */
bool lim_owner_give(const struct lim_owner *o, int fd)
{
	return !o->give || fchown(fd, o->uid, o->gid) == 0;
}

/* see owner.h */
int lim_dir_open(const char *path, size_t trusted, bool make, mode_t mode)
{
	char buf[PATH_MAX];
	size_t n = strlen(path), t;
	int fd, e;
	while (n > 1 && path[n - 1] == '/')
		n--;
	if (n == 0 || n >= sizeof buf) {
		errno = n ? ENAMETOOLONG : ENOENT;
		return -1;
	}
	memcpy(buf, path, n);
	buf[n] = '\0';
	if (trusted == 0 || trusted >= n) {
		/* the parent, by name: all but the last component */
		char *slash = strrchr(buf, '/');
		t = !slash ? 0 : slash == buf ? 1 : (size_t)(slash - buf);
		if (slash && slash[1] == '\0') { /* "/" itself */
			errno = EISDIR;
			return -1;
		}
	} else {
		t = trusted;
	}
	/* the trusted part by name, following links (an administrator's spool_dir may be one);
	 * O_PATH: only search permission is needed on it, as mkdir needs */
	if (t == 0) {
		fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	} else {
		char c = buf[t];
		buf[t] = '\0';
		fd = open(buf, O_PATH | O_DIRECTORY | O_CLOEXEC);
		buf[t] = c;
	}
	if (fd < 0)
		return -1;
	/* then each further component under its parent's descriptor, never through a link */
	char *p = buf + t, *save = NULL;
	for (char *comp = strtok_r(p, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
		int next;
		if (strlen(comp) > NAME_MAX) {
			close(fd);
			errno = ENAMETOOLONG;
			return -1;
		}
		if (make) {
			next = lim_mkdirat_open(fd, comp, mode);
		} else {
			next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (next < 0 && errno == ELOOP)
				errno = ENOTDIR;
		}
		e = errno;
		close(fd);
		errno = e;
		if (next < 0)
			return -1;
		fd = next;
	}
	return fd;
}

/* see owner.h */
int lim_mkdir_open(const char *path, mode_t mode)
{
	return lim_dir_open(path, 0, true, mode);
}

/* see owner.h */
int lim_mkdirat_open(int pfd, const char *leaf, mode_t mode)
{
	struct lim_owner o;
	struct stat st;
	int fd, e;
	if (strchr(leaf, '/') || !leaf[0]) {
		errno = EINVAL;
		return -1;
	}
	if (!lim_owner_of_fd(pfd, &o))
		return -1;
	bool made = mkdirat(pfd, leaf, mode) == 0;
	if (!made && errno != EEXIST)
		return -1;
	fd = openat(pfd, leaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ELOOP)
			errno = ENOTDIR;
		return -1;
	}
	if (made && o.give) {
		/* what is there now is the directory just made, root's (one of another's put in
		 * its place is given nothing; the user cannot move one of root's there). Not
		 * given: removed (when still empty), so that no later run takes a root-owned
		 * directory for the user's */
		errno = 0;
		if (fstat(fd, &st) != 0 || st.st_uid != geteuid() || !lim_owner_give(&o, fd)) {
			e = errno ? errno : EPERM;
			close(fd);
			(void)unlinkat(pfd, leaf, AT_REMOVEDIR);
			errno = e;
			return -1;
		}
	}
	return fd;
}

/* see owner.h */
int lim_mkdir_owned(const char *path, mode_t mode)
{
	int fd = lim_mkdir_open(path, mode);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/* see owner.h */
int lim_create_file(int dirfd, const char *name, int flags, const struct lim_owner *o)
{
	int fd = openat(dirfd, name, flags | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0 && !lim_owner_give(o, fd)) {
		int e = errno;
		close(fd);
		(void)unlinkat(dirfd, name, 0);
		errno = e;
		return -1;
	}
	return fd;
}

/* lim_open_file's rule for a regular file st of a directory owned by o: as root, one with more
 * than one link, or of a user other than root and o's, is refused (a hard link matters to
 * root only: one to a file of root's). */
static bool root_refuses(const struct stat *st, const struct lim_owner *o)
{
	return geteuid() == 0 &&
	       (st->st_nlink != 1 || (st->st_uid != 0 && (!o || st->st_uid != o->uid)));
}

/* see owner.h */
int lim_open_file(int dirfd, const char *name, int flags, const struct lim_owner *o)
{
	struct stat st;
	int fd, fl;
	if (flags & (O_CREAT | O_EXCL | O_TRUNC)) { /* (a caller's error: they would act first) */
		errno = EINVAL;
		return -1;
	}
	fd = openat(dirfd, name, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	if (st.st_nlink == 0) { /* removed since (a segment confirmed, seq replaced) */
		close(fd);
		errno = ENOENT;
		return -1;
	}
	if (!S_ISREG(st.st_mode) || root_refuses(&st, o)) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static const char *kind_of(mode_t m)
{
	if (S_ISLNK(m))
		return "a symbolic link (limf follows none here)";
	if (S_ISFIFO(m))
		return "a FIFO, not a regular file";
	if (S_ISDIR(m))
		return "a directory, not a regular file";
	if (S_ISSOCK(m))
		return "a socket, not a regular file";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "a device, not a regular file";
	return NULL;
}

/* see owner.h */
void lim_file_why(int dirfd, const char *name, int err, const struct lim_owner *o, char *buf,
		  size_t cap)
{
	struct stat st;
	const char *kind;
	if (!cap)
		return;
	if ((err != EPERM && err != ELOOP && err != ENXIO && err != EEXIST && err != ENOTDIR) ||
	    fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		snprintf(buf, cap, "%s", strerror(err));
		return;
	}
	kind = kind_of(st.st_mode);
	if (kind) {
		snprintf(buf, cap, "refused: %s", kind);
	} else if (err != EPERM || !root_refuses(&st, o)) {
		/* not lim_open_file's refusal (an immutable file, a race...): the system's words */
		snprintf(buf, cap, "%s", strerror(err));
	} else if (st.st_nlink > 1) {
		snprintf(buf, cap,
			 "refused: a file with %ju hard links (run as root, limf opens only a file "
			 "with one)",
			 (uintmax_t)st.st_nlink);
	} else {
		char who[64], pwbuf[1024];
		struct passwd pwd, *pw = NULL;
		if (getpwuid_r(st.st_uid, &pwd, pwbuf, sizeof pwbuf, &pw) != 0)
			pw = NULL;
		if (pw)
			snprintf(who, sizeof who, "%s (uid %ju)", pw->pw_name,
				 (uintmax_t)st.st_uid);
		else
			snprintf(who, sizeof who, "uid %ju", (uintmax_t)st.st_uid);
		if (o && o->uid != 0)
			snprintf(buf, cap,
				 "refused: the file is %s's, neither root's nor that of the "
				 "directory's owner (uid %ju)",
				 who, (uintmax_t)o->uid);
		else
			snprintf(buf, cap, "refused: the file is %s's, not root's", who);
	}
}
