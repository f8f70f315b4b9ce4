/* Who owns what limf creates in another user's directory.
 *
 * The spool directory belongs to [service] user, the user `limf capture` runs as. An operator
 * who runs `limf replay --deliver` or `limf handover flush` as root writes into it too: new
 * segments, the seq, ack, ended and lock files, the spool's own directories, the CIN counter.
 * Left root's (mode 0600), they would stop the service at its next start or append. So, as
 * root, whatever limf creates in a directory owned by someone else is given that directory's
 * owner and group (lim_owner_give). Not root, or in root's own directory: nothing changes.
 * That user could have put a symbolic link where limf creates or opens a file, to have root
 * chown, write or read (and quarantine into its reach) a file elsewhere: so limf opens nothing
 * in a spool through one (O_NOFOLLOW), creates with O_EXCL, and gives away only what it has
 * just created, through the descriptor it created. */
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
/* The same for the directory that holds path (its parent: "." when path has no '/'). */
bool lim_owner_of_parent(const char *path, struct lim_owner *o);
/* Gives fd (a file or directory just created, opened O_NOFOLLOW: never a name, which another
 * user may have pointed elsewhere meanwhile) the owner o; true when there is nothing to
 * give. */
bool lim_owner_give(const struct lim_owner *o, int fd);
/* mkdir(path, mode) as the directories limf makes for itself: 0 when made or already a
 * directory (not a link to one), given the owner of its parent when made (as above). -1 with
 * errno otherwise. */
int lim_mkdir_owned(const char *path, mode_t mode);

#endif
