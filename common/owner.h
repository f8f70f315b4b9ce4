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
 * descriptors: it reads the owner to give from the parent's descriptor before it creates,
 * creates with mkdirat / O_EXCL, gives away only what it has just created, through the
 * descriptor it created, after checking it is that (root's, new); it opens nothing through a
 * symbolic link (O_NOFOLLOW), and an existing file only when it is a regular file with one
 * link (lim_open_file), as root also only one of root's or of the directory's owner. */
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
/* The directory path, made (mode) when it does not exist - then given the owner of the
 * directory it is made in, as above - open O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC:
 * its descriptor, or -1 with errno (ENOTDIR: a file or a symbolic link is there). Trailing
 * '/' are ignored; the directories on the way may be links (a spool_dir that is one). */
int lim_mkdir_open(const char *path, mode_t mode);
/* The same for the directory leaf (a name, no '/') of the directory open as pfd. */
int lim_mkdirat_open(int pfd, const char *leaf, mode_t mode);
/* lim_mkdir_open, the descriptor closed: 0 or -1 (errno). */
int lim_mkdir_owned(const char *path, mode_t mode);
/* Opens the existing file name of dirfd with flags (O_RDONLY, O_RDWR, O_WRONLY | O_APPEND;
 * no O_CREAT), never through a symbolic link, never blocking on a FIFO: -1 with errno
 * (ENOENT: none; EPERM: not a regular file with one link or, as root, owned by another user
 * than root and o's) unless it is a regular file with one link. o may be NULL (root's
 * only, as root). */
int lim_open_file(int dirfd, const char *name, int flags, const struct lim_owner *o);

#endif
