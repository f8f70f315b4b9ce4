/* limf status (issue 8, "Health"): asks a running `limf capture` for its health over its
 * control socket (limf/status.h) and prints the answer; with --all, reads every instance's
 * last health report from the database instead (limf/health.h, schema version 3).
 *
 *   limf status [--socket PATH | --config FILE] [--json]
 *   limf status --all [--db CONNSTR | --config FILE] [--json]
 *
 * Exit 0 with the answer on stdout; 1 when nothing listens on the socket (or it answers
 * nothing within 5 s), or the database cannot be read; 2 usage. With --all, exit 0 even when
 * instances are stale (they are flagged STALE, "stale": true). */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/json.h"
#include "limf/cli.h"
#include "limf/config.h"
#include "limf/opts.h"
#include "limf/text.h"
#include "warrants/warrants.h"

#define ANSWER_MS  5000
#define ANSWER_MAX (4u << 20) /* a status answer is a few KiB; stop reading past this */

static void status_usage(FILE *f)
{
	fputs("usage: limf status [--socket PATH | --config FILE] [--json]\n"
	      "       limf status --all [--db CONNSTR | --config FILE] [--json]\n"
	      "Prints the health of a running `limf capture` (uptime, sources, drops, calls,\n"
	      "KMS requests, handover links and spools, alarms, X2/X3 input) from its\n"
	      "control socket ([service] control_socket of the config, or --socket). Exit 1\n"
	      "when nothing listens there. --all prints every instance that reports into the\n"
	      "database (--db, else the config's [database] conninfo, else $LIMF_DB; the\n"
	      "operator role suffices), flagging as STALE those not seen for over 3 report\n"
	      "intervals.\n",
	      f);
}

struct all_ctx {
	struct lim_json j;
	FILE *out; /* the whole answer, written to stdout once every row is read */
	bool json, begun;
	size_t n, stale;
};

/* The table's header, or the JSON array's opening: at the first row, or once the rows are read
 * (into a->out: nothing on stdout when they cannot all be). */
static void all_begin(struct all_ctx *a)
{
	if (a->begun)
		return;
	a->begun = true;
	if (a->json) {
		lim_json_init(&a->j, a->out);
		lim_json_arr_open(&a->j);
	} else {
		fprintf(a->out, "%-24s %-7s %7s %7s %10s %6s %6s %6s %10s %7s %7s %s\n", "INSTANCE",
			"STATE", "SEEN", "UPTIME", "FRAMES", "DROPS", "CALLS", "INTCPT",
			"KMS_OK/FAIL", "LINKS", "PENDING", "ALARM");
	}
}

static void age_text(int64_t ms, char *out, size_t cap)
{
	if (ms < 100000)
		snprintf(out, cap, "%lld.%llds", (long long)(ms / 1000),
			 (long long)(ms % 1000 / 100));
	else if (ms < 3600000 * 48LL)
		snprintf(out, cap, "%lldm", (long long)(ms / 60000));
	else
		snprintf(out, cap, "%lldd", (long long)(ms / 86400000));
}

static int all_one(void *ctx, const struct wr_instance *in)
{
	struct all_ctx *a = ctx;
	const char *state = in->stale ? "STALE" : in->running ? "running" : "stopped";
	char t[WR_TIME_STRLEN];
	all_begin(a);
	a->n++;
	a->stale += in->stale;
	if (!a->json) {
		char seen[24], up[24];
		age_text(in->age_ms, seen, sizeof seen);
		age_text((int64_t)in->uptime_ms, up, sizeof up);
		fprintf(a->out,
			"%-24s %-7s %7s %7s %10llu %6llu %6llu %6llu %5llu/%-4llu %3llu/%-3llu "
			"%7llu %s\n",
			in->name, state, seen, up, (unsigned long long)in->frames,
			(unsigned long long)in->drops, (unsigned long long)in->calls,
			(unsigned long long)in->intercepted, (unsigned long long)in->kms_ok,
			(unsigned long long)in->kms_failed, (unsigned long long)in->links_up,
			(unsigned long long)in->links, (unsigned long long)in->spool_pending,
			in->alarm ? "ALARM" : "-");
		return 0;
	}
	struct lim_json *j = &a->j;
	lim_json_obj_open(j);
	lim_json_key(j, "name");
	lim_json_str(j, in->name);
	lim_json_key(j, "host");
	lim_json_str(j, in->host);
	lim_json_key(j, "pid");
	lim_json_u64(j, (uint64_t)in->pid);
	lim_json_key(j, "state");
	lim_json_str(j, in->running ? "running" : "stopped");
	lim_json_key(j, "stale");
	lim_json_bool(j, in->stale);
	lim_json_key(j, "interval_ms");
	lim_json_u64(j, (uint64_t)in->interval_ms);
	wr_time_format(in->started_at, t);
	lim_json_key(j, "started_at");
	lim_json_str(j, t);
	wr_time_format(in->seen_at, t);
	lim_json_key(j, "seen_at");
	lim_json_str(j, t);
	lim_json_key(j, "seen_ago_ms");
	lim_json_u64(j, (uint64_t)in->age_ms);
	const struct {
		const char *k;
		uint64_t v;
	} nums[] = { { "uptime_ms", in->uptime_ms },
		     { "frames", in->frames },
		     { "bytes", in->bytes },
		     { "drops", in->drops },
		     { "calls_seen", in->calls },
		     { "calls_intercepted", in->intercepted },
		     { "kms_ok", in->kms_ok },
		     { "kms_failed", in->kms_failed },
		     { "links_up", in->links_up },
		     { "links", in->links },
		     { "spool_pending", in->spool_pending } };
	for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
		lim_json_key(j, nums[i].k);
		lim_json_u64(j, nums[i].v);
	}
	lim_json_key(j, "alarm");
	lim_json_bool(j, in->alarm);
	lim_json_key(j, "status");
	if (in->status_json) {
		/* jsonb's text form, from the server: valid JSON as it stands */
		j->after_key = false;
		fputs(in->status_json, j->f);
	} else {
		lim_json_null(j);
	}
	lim_json_obj_close(j);
	return 0;
}

/* limf status --all: the instances' rows. from_config: conn is the config's [database]. */
static int status_all(const char *conn, bool from_config, bool as_json)
{
	struct wr_db *db = NULL;
	struct all_ctx a;
	enum lim_err rc;
	char *mem = NULL;
	size_t memlen = 0;
	int ret = 1;
	memset(&a, 0, sizeof a);
	if (limf_open_db(conn, &db) != 0)
		return 1;
	a.json = as_json;
	a.out = open_memstream(&mem, &memlen);
	if (!a.out) {
		fprintf(stderr, "limf: instances: %s\n", strerror(errno));
		wr_db_close(db);
		return 1;
	}
	rc = wr_instance_list(db, all_one, &a);
	if (rc != LIM_OK && strcmp(wr_db_sqlstate(db), "42501") == 0) {
		/* the service's own role writes its row and reads none: an operator's does (the
		 * config's database comes before LIMF_DB, and --db goes without --config) */
		fprintf(stderr,
			"limf: instances: this role may not read them (%s): `status --all` needs "
			"an operator's connection (a member of " WR_ROLE_OPERATOR "): %s\n",
			wr_db_msg(db),
			from_config ? "leave out --config and give --db or LIMF_DB"
				    : "give it with --db or LIMF_DB");
		goto out;
	}
	if (rc != LIM_OK) {
		/* a row that cannot be read (one written by hand): no table at all, not the rows
		 * before it */
		fprintf(stderr, "limf: instances: %s\n", wr_db_msg(db));
		goto out;
	}
	all_begin(&a);
	if (as_json) {
		lim_json_arr_close(&a.j);
		if (limf_json_end(&a.j) != 0) {
			if (ferror(a.out)) /* (a memory stream: only its allocation fails) */
				fprintf(stderr, "limf: instances: out of memory\n");
			goto out;
		}
	} else if (a.n == 0) {
		fprintf(a.out, "no instance has reported into this database\n");
	} else if (a.stale) {
		fprintf(a.out,
			"%zu of %zu instance(s) STALE: not seen for over 3 report intervals\n",
			a.stale, a.n);
	}
	if (fclose(a.out) != 0) {
		a.out = NULL;
		fprintf(stderr, "limf: instances: %s\n", strerror(errno));
		goto out;
	}
	a.out = NULL;
	ret = fwrite(mem, 1, memlen, stdout) == memlen && fflush(stdout) == 0 ? 0 : 1;
out:
	if (a.out)
		fclose(a.out);
	free(mem);
	wr_db_close(db);
	return ret;
}

/* see cli.h */
int limf_cmd_status(int argc, char **argv)
{
	const char *sock = NULL, *config = NULL, *req, *dbconn = NULL;
	bool as_json = false, all = false;
	struct limf_conf conf;
	struct sockaddr_un sa;
	char why[512], buf[4096];
	size_t total = 0;
	int64_t deadline;
	int fd = -1, rc = 1;
	const struct limf_opt opts[] = {
		{ "--socket", &sock, NULL, NULL, NULL, 0 },
		{ "--config", &config, NULL, NULL, NULL, 0 },
		{ "--json", NULL, &as_json, NULL, NULL, 0 },
		{ "--all", NULL, &all, NULL, NULL, 0 },
		{ "--db", &dbconn, NULL, NULL, NULL, 0 },
	};
	if (limf_wants_help(argc, argv)) {
		status_usage(stdout);
		return 0;
	}
	if (limf_parse_opts(argc, argv, opts, sizeof opts / sizeof opts[0], NULL, 0) != 0 ||
	    (all ? (sock || (dbconn && config))
		 : ((sock && config) || (!sock && !config) || dbconn))) {
		status_usage(stderr);
		return 2;
	}
	if (all) {
		bool from_config = false;
		if (!dbconn && config) {
			limf_conf_init(&conf);
			if (limf_conf_load(config, &conf, why, sizeof why) != LIM_OK) {
				fprintf(stderr, "limf: %s\n", why);
				return 1;
			}
			if (conf.db[0]) {
				dbconn = conf.db;
				from_config = true;
			}
		}
		if (!dbconn)
			dbconn = getenv("LIMF_DB");
		return status_all(dbconn ? dbconn : "", from_config, as_json);
	}
	if (config) {
		limf_conf_init(&conf);
		if (limf_conf_load(config, &conf, why, sizeof why) != LIM_OK) {
			fprintf(stderr, "limf: %s\n", why);
			return 1;
		}
		if (!conf.control_socket[0]) {
			fprintf(stderr, "limf: %s sets no [service] control_socket\n", config);
			return 1;
		}
		sock = conf.control_socket;
	}
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (strlen(sock) >= sizeof sa.sun_path) {
		fprintf(stderr, "limf: %s: socket path too long\n", sock);
		return 1;
	}
	memcpy(sa.sun_path, sock, strlen(sock));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (const struct sockaddr *)&sa, sizeof sa) != 0) {
		fprintf(stderr, "limf: no limf capture is listening on %s (%s)\n", sock,
			strerror(errno));
		goto out;
	}
	req = as_json ? "status json\n" : "status\n";
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t)strlen(req)) {
		fprintf(stderr, "limf: %s: cannot send the request (%s)\n", sock, strerror(errno));
		goto out;
	}
	deadline = (int64_t)lim_mono_ms() + ANSWER_MS;
	for (;;) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		int64_t left = deadline - (int64_t)lim_mono_ms();
		ssize_t r;
		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0) {
			fprintf(stderr, "limf: %s: no answer within %d s\n", sock,
				ANSWER_MS / 1000);
			goto out;
		}
		r = read(fd, buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fprintf(stderr, "limf: %s: %s\n", sock, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		total += (size_t)r;
		if (total > ANSWER_MAX) {
			fprintf(stderr, "limf: %s: answer too long\n", sock);
			goto out;
		}
		if (fwrite(buf, 1, (size_t)r, stdout) != (size_t)r)
			goto out; /* (main's check of stdout says so) */
	}
	if (total == 0) {
		fprintf(stderr, "limf: %s: empty answer (busy: too many status clients?)\n", sock);
		goto out;
	}
	rc = fflush(stdout) == 0 ? 0 : 1;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}
