/* Dropping root after start-up (issue 8 "Operations"; STYLE.md rule 18).
 *
 * `limf capture` starts as root to open its capture devices, then becomes [service] user
 * (and group, else the user's primary group) for good: supplementary groups = the user's,
 * setresgid, setresuid, verified irreversible (setuid(0)/setgid(0) must fail afterwards). It
 * keeps no capability (limf capture: its capture sockets are open by then, and reading them
 * needs none); keep_net_raw would keep CAP_NET_RAW in the permitted and effective sets, for
 * a caller that re-opens capture handles later. The bounding and ambient sets are emptied too,
 * PR_SET_NO_NEW_PRIVS is set and PR_SET_DUMPABLE stays 0. No libcap: prctl + capset(2).
 *
 * Between limf_privs_init and limf_privs_drop, limf_privs_become / limf_privs_restore switch
 * only the effective ids (and the supplementary groups) to the user and back, so that the
 * files created at start-up (spool, evidence bundle) are the user's and the start-up checks
 * ask the kernel "may the user do this?" rather than guess from modes.
 *
 * Not root (euid != 0): nothing is switched or dropped (no error); only NO_NEW_PRIVS is set. */
#ifndef LIMF_PRIVS_H
#define LIMF_PRIVS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/err.h"

#define LIMF_PRIVS_GROUPS 64

struct limf_privs {
	bool root; /* started with euid 0 */
	bool drop; /* root and a user configured: limf_privs_drop switches */
	uid_t uid;
	gid_t gid;
	char user[64];
	int ngroups; /* the user's supplementary groups */
	gid_t groups[LIMF_PRIVS_GROUPS];
	int nroot; /* the groups we started with (restore) */
	gid_t root_groups[LIMF_PRIVS_GROUPS];
};

/* Resolves user (NULL/"" = none) and group (NULL/"" = the user's primary group). An unknown
 * user or group is LIM_E_ARG with why saying so, also when not root (a typo must not go
 * unnoticed). A group without a user is LIM_E_ARG. */
enum lim_err limf_privs_init(struct limf_privs *pv, const char *user, const char *group, char *why,
			     size_t whycap) LIM_WUR;

/* Effective ids to the user's and back (no-ops unless pv->drop). */
enum lim_err limf_privs_become(const struct limf_privs *pv) LIM_WUR;
enum lim_err limf_privs_restore(const struct limf_privs *pv) LIM_WUR;

/* Under limf_privs_become: may the user write into dir (or, when dir does not exist, create it
 * in its parent)? And read file? false with why naming the path and the user. */
bool limf_privs_dir_ok(const struct limf_privs *pv, const char *dir, char *why, size_t whycap);
bool limf_privs_file_ok(const struct limf_privs *pv, const char *file, char *why, size_t whycap);

/* The irreversible drop (see above); keep_net_raw for live capture. Sets NO_NEW_PRIVS and
 * DUMPABLE 0 in every case. LIM_OK, or an error with why: the caller must then exit. */
enum lim_err limf_privs_drop(const struct limf_privs *pv, bool keep_net_raw, char *why,
			     size_t whycap) LIM_WUR;

#endif
