/* see owner.h */
#include "common/owner.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
bool lim_owner_of_parent(const char *path, struct lim_owner *o)
{
	char parent[PATH_MAX];
	const char *slash = strrchr(path, '/');
	struct stat st;
	size_t n;
	memset(o, 0, sizeof *o);
	if (!slash) {
		n = 1;
		parent[0] = '.';
	} else {
		n = slash == path ? 1 : (size_t)(slash - path); /* "/x": the root */
		if (n >= sizeof parent) {
			errno = ENAMETOOLONG;
			return false;
		}
		memcpy(parent, path, n);
	}
	parent[n] = '\0';
	if (stat(parent, &st) != 0)
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
int lim_mkdir_owned(const char *path, mode_t mode)
{
	struct stat sb;
	struct lim_owner o;
	if (mkdir(path, mode) == 0) {
		/* the directory made, through a descriptor: not what a name stands for by then */
		int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		bool ok = fd >= 0 && lim_owner_of_parent(path, &o) && lim_owner_give(&o, fd);
		int e = errno;
		if (fd >= 0)
			close(fd);
		if (!ok) {
			(void)rmdir(path);
			errno = e;
			return -1;
		}
		return 0;
	}
	if (errno == EEXIST && lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
		return 0;
	if (errno == EEXIST)
		errno = ENOTDIR;
	return -1;
}
