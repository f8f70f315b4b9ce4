#include "limf/opts.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "warrants/warrants.h"

/* see opts.h */
int limf_parse_opts(int argc, char **argv, const struct limf_opt *opts, size_t nopts,
		    const char **pos, size_t npos)
{
	size_t np = 0, nseen = 0;
	bool words = false;     /* after "--": every argument is a word */
	const char **seen[128]; /* the values given (an option's aliases share theirs) */
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const struct limf_opt *o = NULL;
		if (!words && strcmp(a, "--") == 0) {
			words = true;
			continue;
		}
		if (words || a[0] != '-' || strcmp(a, "-") == 0) {
			if (np >= npos)
				return -1;
			pos[np++] = a;
			continue;
		}
		for (size_t k = 0; k < nopts && !o; k++)
			if (strcmp(a, opts[k].name) == 0)
				o = &opts[k];
		if (!o)
			return -1;
		if (o->flag) {
			*o->flag = true;
			continue;
		}
		if (i + 1 >= argc)
			return -1;
		if (o->list) {
			if (*o->n >= o->cap)
				return -1;
			o->list[(*o->n)++] = argv[++i];
		} else {
			/* given twice: refused (before, the last counted: a warrant's --to or
			 * --scope pasted twice widened it without a word) */
			for (size_t k = 0; k < nseen; k++)
				if (seen[k] == o->val) {
					fprintf(stderr, "limf: %s given twice\n", a);
					return -1;
				}
			if (nseen < sizeof seen / sizeof seen[0])
				seen[nseen++] = o->val;
			*o->val = argv[++i];
		}
	}
	return 0;
}

/* see opts.h */
int limf_open_db(const char *connstr, struct wr_db **db)
{
	char who[WR_USER_MAX + 1];
	struct passwd *pw = getpwuid(getuid());
	enum lim_err rc;

	if (!connstr)
		connstr = getenv("LIMF_DB");
	if (pw && pw->pw_name)
		snprintf(who, sizeof who, "%s", pw->pw_name);
	else
		snprintf(who, sizeof who, "uid:%lu", (unsigned long)getuid());
	rc = wr_db_open(connstr ? connstr : "", who, db);
	if (rc != LIM_OK) {
		fprintf(stderr, "limf: database: %s\n", *db ? wr_db_msg(*db) : lim_strerror(rc));
		wr_db_close(*db);
		*db = NULL;
		return 1;
	}
	return 0;
}

/* see opts.h */
bool limf_num_opt(const char *s, long lo, long hi, long *out)
{
	char *end = NULL;
	long v;
	if (!s)
		return true;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || !end || end == s || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/* see opts.h */
bool limf_wants_help(int argc, char **argv)
{
	for (int i = 0; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return true;
	return false;
}
