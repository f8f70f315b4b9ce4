/* limf/ command-line helpers shared by the subcommands: one table-driven option parser and
 * one way to open the warrant database as the invoking OS user. */
#ifndef LIMF_OPTS_H
#define LIMF_OPTS_H

#include <stdbool.h>
#include <stddef.h>

struct wr_db;

/* One option. Exactly one of: val (takes the next argument; a repeat overrides), flag (no
 * argument), list (takes the next argument each time, up to cap; n counts them). */
struct limf_opt {
	const char *name; /* "--x" */
	const char **val;
	bool *flag;
	const char **list;
	size_t *n;
	size_t cap;
};

/* Parses argv[0..argc) against opts[0..nopts). Words that are not options ("-" counts as a
 * word, and so does every argument after a "--") fill pos[0..npos) in order. Returns 0, or -1
 * for an unknown option, a missing value, a full list, one word too many, or an option with a
 * value given twice (or two of its aliases: said on stderr). Outputs not named on the command
 * line are left as they are. */
int limf_parse_opts(int argc, char **argv, const struct limf_opt *opts, size_t nopts,
		    const char **pos, size_t npos);

/* A decimal number option or setting in [lo, hi]: true with *out set, true leaving *out as it
 * is when s is NULL (not given), false for anything else (junk, trailing text, overflow, out
 * of range). */
bool limf_num_opt(const char *s, long lo, long hi, long *out);

/* Whether an argument (before a "--") is "-h" or "--help": a command given one anywhere prints
 * its usage on stdout and exits 0, whatever else it was given (nothing is opened or checked). */
bool limf_wants_help(int argc, char **argv);

/* Opens the warrant database (connstr, else $LIMF_DB, else libpq's PG* environment) with the
 * OS user name as the audit actor. Prints the reason and returns 1 on failure, else 0. */
int limf_open_db(const char *connstr, struct wr_db **db);

#endif
