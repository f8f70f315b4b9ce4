/* Dropping root after start-up: see privs.h. */
#define _GNU_SOURCE /* setresuid, setresgid, getresuid, getresgid */
#include "limf/privs.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NSS_BUF 16384

/* see privs.h */
enum lim_err limf_privs_init(struct limf_privs *pv, const char *user, const char *group, char *why,
			     size_t whycap)
{
	char buf[NSS_BUF];
	struct passwd pw, *pwp = NULL;
	memset(pv, 0, sizeof *pv);
	why[0] = '\0';
	pv->root = geteuid() == 0;
	if (!user || !user[0]) {
		if (group && group[0]) {
			snprintf(why, whycap, "[service] group needs [service] user");
			return LIM_E_ARG;
		}
		return LIM_OK;
	}
	if (getpwnam_r(user, &pw, buf, sizeof buf, &pwp) != 0 || !pwp) {
		snprintf(why, whycap, "[service] user %s: no such user", user);
		return LIM_E_ARG;
	}
	if (pw.pw_uid == 0) {
		snprintf(why, whycap, "[service] user %s: uid 0 is not a drop of privileges", user);
		return LIM_E_ARG;
	}
	snprintf(pv->user, sizeof pv->user, "%s", user);
	pv->uid = pw.pw_uid;
	pv->gid = pw.pw_gid;
	if (group && group[0]) {
		char gbuf[NSS_BUF];
		struct group gr, *grp = NULL;
		if (getgrnam_r(group, &gr, gbuf, sizeof gbuf, &grp) != 0 || !grp) {
			snprintf(why, whycap, "[service] group %s: no such group", group);
			return LIM_E_ARG;
		}
		if (gr.gr_gid == 0) {
			snprintf(why, whycap, "[service] group %s: gid 0 refused", group);
			return LIM_E_ARG;
		}
		pv->gid = gr.gr_gid;
	}
	pv->ngroups = LIMF_PRIVS_GROUPS;
	if (getgrouplist(user, pv->gid, pv->groups, &pv->ngroups) < 0) {
		snprintf(why, whycap, "[service] user %s: more than %d groups", user,
			 LIMF_PRIVS_GROUPS);
		return LIM_E_LIMIT;
	}
	for (int i = 0; i < pv->ngroups; i++)
		if (pv->groups[i] == 0) {
			snprintf(why, whycap,
				 "[service] user %s: member of group 0 (root): refused", user);
			return LIM_E_ARG;
		}
	if (!pv->root)
		return LIM_OK;
	pv->nroot = getgroups(LIMF_PRIVS_GROUPS, pv->root_groups);
	if (pv->nroot < 0) {
		snprintf(why, whycap, "getgroups: %s", strerror(errno));
		return LIM_E_LIMIT;
	}
	pv->drop = true;
	return LIM_OK;
}

/* see privs.h */
enum lim_err limf_privs_become(const struct limf_privs *pv)
{
	if (!pv->drop)
		return LIM_OK;
	if (setgroups((size_t)pv->ngroups, pv->groups) != 0 || setegid(pv->gid) != 0 ||
	    seteuid(pv->uid) != 0)
		return LIM_E_STATE;
	return LIM_OK;
}

/* see privs.h */
enum lim_err limf_privs_restore(const struct limf_privs *pv)
{
	if (!pv->drop)
		return LIM_OK;
	if (seteuid(0) != 0 || setegid(0) != 0 ||
	    setgroups((size_t)pv->nroot, pv->root_groups) != 0)
		return LIM_E_STATE;
	return LIM_OK;
}

/* see privs.h */
bool limf_privs_dir_ok(const struct limf_privs *pv, const char *dir, char *why, size_t whycap)
{
	char parent[PATH_MAX];
	const char *slash;
	if (faccessat(AT_FDCWD, dir, F_OK, AT_EACCESS) == 0) {
		if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) == 0)
			return true;
		snprintf(why, whycap, "%s: not writable by user %s (uid %u)", dir, pv->user,
			 (unsigned)pv->uid);
		return false;
	}
	if (errno != ENOENT) {
		snprintf(why, whycap, "%s: not reachable by user %s (uid %u): %s", dir, pv->user,
			 (unsigned)pv->uid, strerror(errno));
		return false;
	}
	/* absent: created at start-up as the user, in its parent */
	slash = strrchr(dir, '/');
	if (!slash)
		snprintf(parent, sizeof parent, ".");
	else if (slash == dir)
		snprintf(parent, sizeof parent, "/");
	else
		snprintf(parent, sizeof parent, "%.*s", (int)(slash - dir), dir);
	if (faccessat(AT_FDCWD, parent, W_OK | X_OK, AT_EACCESS) == 0)
		return true;
	snprintf(why, whycap, "%s does not exist and user %s (uid %u) cannot create it in %s", dir,
		 pv->user, (unsigned)pv->uid, parent);
	return false;
}

/* see privs.h */
bool limf_privs_file_ok(const struct limf_privs *pv, const char *file, char *why, size_t whycap)
{
	if (faccessat(AT_FDCWD, file, R_OK, AT_EACCESS) == 0)
		return true;
	snprintf(why, whycap, "%s: not readable by user %s (uid %u): %s", file, pv->user,
		 (unsigned)pv->uid, strerror(errno));
	return false;
}

static int capset_to(uint32_t bits)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof d);
	d[0].effective = d[0].permitted = bits;
	return (int)syscall(SYS_capset, &h, d);
}

static int capget_now(uint64_t *eff, uint64_t *prm, uint64_t *inh)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof d);
	if (syscall(SYS_capget, &h, d) != 0)
		return -1;
	*eff = d[0].effective | (uint64_t)d[1].effective << 32;
	*prm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	*inh = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	return 0;
}

/* see privs.h */
enum lim_err limf_privs_drop(const struct limf_privs *pv, bool keep_net_raw, char *why,
			     size_t whycap)
{
	uint64_t want = keep_net_raw ? (uint64_t)1 << CAP_NET_RAW : 0, eff, prm, inh;
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	why[0] = '\0';
	if (pv->drop) {
		if (limf_privs_restore(pv) != LIM_OK) {
			snprintf(why, whycap, "cannot return to root before the drop");
			return LIM_E_STATE;
		}
		if (keep_net_raw && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) {
			snprintf(why, whycap, "PR_SET_KEEPCAPS: %s", strerror(errno));
			return LIM_E_STATE;
		}
		/* the bounding set: nothing beyond what is kept can come back (needs CAP_SETPCAP;
		 * EINVAL past the kernel's last capability ends the walk) */
		for (unsigned long c = 0; c < 64; c++) {
			if (keep_net_raw && c == CAP_NET_RAW)
				continue;
			if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0 && errno == EINVAL)
				break;
		}
		(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
		if (setgroups((size_t)pv->ngroups, pv->groups) != 0 ||
		    setresgid(pv->gid, pv->gid, pv->gid) != 0 ||
		    setresuid(pv->uid, pv->uid, pv->uid) != 0) {
			snprintf(why, whycap, "cannot become user %s: %s", pv->user,
				 strerror(errno));
			return LIM_E_STATE;
		}
		if (capset_to((uint32_t)want) != 0) {
			snprintf(why, whycap, "capset: %s", strerror(errno));
			return LIM_E_STATE;
		}
		(void)prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		snprintf(why, whycap, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		return LIM_E_STATE;
	}
	/* a change of credentials resets it: it stays 0 (STYLE.md rule 18) */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (!pv->drop)
		return LIM_OK;
	/* verify: the ids are the user's, there is no way back, only `want` is held */
	if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0 || ru != pv->uid ||
	    eu != pv->uid || su != pv->uid || rg != pv->gid || eg != pv->gid || sg != pv->gid) {
		snprintf(why, whycap, "the ids did not all change to user %s", pv->user);
		return LIM_E_STATE;
	}
	if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0 || setegid(0) == 0) {
		snprintf(why, whycap, "root could be regained after the drop");
		return LIM_E_STATE;
	}
	if (capget_now(&eff, &prm, &inh) != 0 || eff != want || prm != want || inh != 0) {
		snprintf(why, whycap, "capabilities left after the drop are not the expected ones");
		return LIM_E_STATE;
	}
	return LIM_OK;
}
