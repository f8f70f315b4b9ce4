/* see owner.h */
#include "common/owner.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
int lim_mkdir_open(const char *path, mode_t mode)
{
	char parent[PATH_MAX], leaf[NAME_MAX + 1];
	size_t n = strlen(path);
	const char *slash;
	int pfd, fd, e;
	while (n > 1 && path[n - 1] == '/')
		n--;
	if (n == 0 || n >= sizeof parent) {
		errno = n ? ENAMETOOLONG : ENOENT;
		return -1;
	}
	memcpy(parent, path, n);
	parent[n] = '\0';
	slash = strrchr(parent, '/');
	if (!slash) {
		if (n > NAME_MAX) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(leaf, parent, n + 1);
		memcpy(parent, ".", 2);
	} else {
		size_t l = n - (size_t)(slash - parent) - 1;
		if (l == 0 || l > NAME_MAX) { /* "/" itself, or a name too long */
			errno = l ? ENAMETOOLONG : EISDIR;
			return -1;
		}
		memcpy(leaf, slash + 1, l + 1);
		parent[slash == parent ? 1 : (size_t)(slash - parent)] = '\0';
	}
	pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0)
		return -1;
	fd = lim_mkdirat_open(pfd, leaf, mode);
	e = errno;
	close(pfd);
	errno = e;
	return fd;
}

/* see owner.h */
int lim_mkdirat_open(int pfd, const char *leaf, mode_t mode)
{
	struct lim_owner o;
	struct stat st;
	int fd, e;
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
		 * its place is given nothing; the user cannot move one of root's there) */
		errno = 0;
		if (fstat(fd, &st) != 0 || st.st_uid != geteuid() || !lim_owner_give(&o, fd)) {
			e = errno ? errno : EPERM;
			close(fd);
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
int lim_open_file(int dirfd, const char *name, int flags, const struct lim_owner *o)
{
	struct stat st;
	int fd = openat(dirfd, name, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1 ||
	    (geteuid() == 0 && st.st_uid != 0 && (!o || st.st_uid != o->uid)) ||
	    fcntl(fd, F_SETFL, flags & ~(O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC)) != 0) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	return fd;
}
