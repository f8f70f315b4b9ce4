/* Who owns what limf creates in another user's directory, and opening files there safely.
 *
 * The spool directory belongs to [service] user, the user `limf capture` runs as. An operator
 * who runs `limf replay --deliver` or `limf handover flush` as root writes into it too: new
 * segments, the seq, ack, ended and lock files, the spool's own directories, the CIN counter.
 * Left root's (mode 0600), they would stop the service at its next start or append. So, as
 * root, whatever limf creates in a directory owned by someone else is given that directory's
 * owner and group (lim_owner_give). Not root, or in root's own directory: nothing changes.
 *
 * That user could have put a symbolic link, a hard link or a FIFO where limf creates or opens
 * a file, or swap a directory for a link while limf works, to have root chown, write, read
 * (and quarantine into its reach) a file elsewhere, or hang. So limf works from directory
 * descriptors below the configured spool_dir (lim_dir_open): it reads the owner to give from
 * the parent's descriptor before it creates, creates with mkdirat / O_EXCL, gives away only
 * what it has just created, through the descriptor it created, after checking it is that
 * (root's, new); it opens nothing through a symbolic link (O_NOFOLLOW), and an existing file
 * only when it is a regular file (lim_open_file), as root also only one with one link, of
 * root's or of the directory's owner. */
#ifndef LIM_OWNER_H
#define LIM_OWNER_H

#include <stdbool.h>
#include <sys/types.h>

struct lim_owner {
	bool give; /* root, and the directory is another owner's (or group's) */
	uid_t uid;
	gid_t gid;
};

/* The owner for what is created in the directory open as dirfd; false (errno) when it
 * cannot be read. */
bool lim_owner_of_fd(int dirfd, struct lim_owner *o);
/* Gives fd (a file or directory just created, opened O_NOFOLLOW: never a name, which another
 * user may have pointed elsewhere meanwhile) the owner o; true when there is nothing to
 * give. */
bool lim_owner_give(const struct lim_owner *o, int fd);
/* The directory path, open O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC: its descriptor, or
 * -1 with errno (ENOTDIR: a file or a symbolic link where a directory should be; ENOENT
 * without make). Its first trusted characters name a directory an administrator configured
 * (spool_dir), opened by name, links followed; each component after it is opened under its
 * parent's descriptor, never through a link, so that a user owning them cannot swap one for
 * a link meanwhile; with make, each missing one is made (mode) and given the owner of the one
 * it is made in, as above. trusted 0 (or not shorter than path): all but the last component
 * trusted. Trailing '/' are ignored. */
int lim_dir_open(const char *path, size_t trusted, bool make, mode_t mode);
/* lim_dir_open(path, 0, true, mode) */
int lim_mkdir_open(const char *path, mode_t mode);
/* The same for the directory leaf (a name: no '/') of the directory open as pfd (which may be
 * an O_PATH descriptor). Not given away (fchown refused): removed again, -1. */
int lim_mkdirat_open(int pfd, const char *leaf, mode_t mode);
/* lim_mkdir_open, the descriptor closed: 0 or -1 (errno). */
int lim_mkdir_owned(const char *path, mode_t mode);
/* Creates the file name of dirfd (0600; flags: O_WRONLY, O_RDWR, O_APPEND...) with O_EXCL,
 * never through a symbolic link, and gives it the owner o: its descriptor, or -1 with errno
 * (EEXIST: a file or link of that name is there; a file made but not given is removed). */
int lim_create_file(int dirfd, const char *name, int flags, const struct lim_owner *o);
/* Opens the existing file name of dirfd with flags (O_RDONLY, O_RDWR, O_WRONLY | O_APPEND;
 * O_CREAT, O_EXCL, O_TRUNC are EINVAL), never through a symbolic link, never blocking on a
 * FIFO: -1 with errno (ENOENT: none, or removed since; ELOOP: a link; EPERM: not a regular
 * file or, as root, one with more than one link or owned by another user than root and o's;
 * ENXIO: a FIFO opened for writing). o may be NULL (as root: root's files only). */
int lim_open_file(int dirfd, const char *name, int flags, const struct lim_owner *o);
/* Why name of dirfd could not be opened or created (err: the errno lim_open_file,
 * lim_create_file or lim_mkdirat_open left), in words for an operator, into buf (cap octets,
 * always terminated): for EPERM, ELOOP, ENXIO and EEXIST what is there in its place (a symbolic
 * link, a FIFO, a directory..., and as root a file with more than one link or one of a user
 * other than root and o's (o may be NULL), as lim_open_file refuses them; ENOTDIR too, for a
 * directory); else strerror(err). Looks again (fstatat, no link followed), so it can name
 * what replaced the file since. */
void lim_file_why(int dirfd, const char *name, int err, const struct lim_owner *o, char *buf,
		  size_t cap);

#endif
