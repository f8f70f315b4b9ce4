/* limf handover status | flush (README.md "Usage"): the network handover's spools and links
 * from the [authority NAME] sections and [handover] spool_dir of limf.conf.
 *   status [--json]            per authority and stream: spooled, confirmed, bytes; read-only
 *                              (works while `limf capture` owns the spools, changes nothing)
 *   flush [--timeout SECONDS]  connects and delivers what is spooled (after an outage, or
 *                              what a replay left); exit 0 when everything is confirmed,
 *                              3 when something is still spooled at the deadline. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/json.h"
#include "limf/cli.h"
#include "limf/config.h"
#include "limf/delivery.h"
#include "limf/opts.h"
#include "limf/text.h"

static void ho_usage(FILE *f)
{
	fputs("usage: limf handover --config FILE status [--json]\n"
	      "       limf handover --config FILE flush [--timeout SECONDS] [--json]\n"
	      "The authorities are the [authority NAME] sections of the config, their spools\n"
	      "under [handover] spool_dir. flush delivers what is spooled and waits for the\n"
	      "authorities to confirm it (default 30 s): exit 0 all confirmed, 3 some left.\n",
	      f);
}

/* How full a spool is, in percent of its bound: 100 only at the bound, where appends are
 * refused; below it rounded down, but 1 at least while the spool holds any octet. */
static unsigned full_pct(const struct ho_spool_stats *sp)
{
	uint64_t p;
	if (!sp->max_bytes || !sp->bytes)
		return 0;
	if (sp->bytes >= sp->max_bytes)
		return 100;
	p = sp->bytes * 100 / sp->max_bytes; /* bytes < max_bytes <= 2^40: no overflow */
	return p ? (unsigned)p : 1u;
}

/* One stream's line or JSON object. in_use: status only (NULL for flush, whose links are ours). */
static void print_stream(struct lim_json *j, bool json, const char *name, int k,
			 const struct ho_spool_stats *sp, const struct ho_link_stats *ln,
			 const bool *in_use)
{
	const char *link = in_use ? (*in_use ? "in-use" : "down") : ho_link_state_name(ln->state);
	if (!json) {
		printf("%-16s %s  spooled %" PRIu64 "  confirmed %" PRIu64 "  pending %" PRIu64
		       "  bytes %" PRIu64 " of %" PRIu64 " (%u%%)  damaged %" PRIu64
		       "  link %s%s%s%s%s\n",
		       name, k ? "hi3" : "hi2", sp->head, sp->confirmed, sp->head - sp->confirmed,
		       sp->bytes, sp->max_bytes, full_pct(sp), sp->damaged, link,
		       sp->alarm && sp->refused ? "  ALARM: appends refused" : "",
		       sp->alarm && sp->damaged ? "  ALARM: damaged records quarantined" : "",
		       ln->error[0] ? "  ALARM: spool error: " : "", ln->error);
		return;
	}
	lim_json_key(j, k ? "hi3" : "hi2");
	lim_json_obj_open(j);
	lim_json_key(j, "spooled");
	lim_json_u64(j, sp->head);
	lim_json_key(j, "confirmed");
	lim_json_u64(j, sp->confirmed);
	lim_json_key(j, "pending");
	lim_json_u64(j, sp->head - sp->confirmed);
	lim_json_key(j, "bytes");
	lim_json_u64(j, sp->bytes);
	/* the bound (spool_max_mb): a spool that reaches it refuses PDUs (alarm) */
	lim_json_key(j, "max_bytes");
	lim_json_u64(j, sp->max_bytes);
	/* damaged records skipped and kept in the spool's quarantine/ (deliver.h) */
	lim_json_key(j, "damaged");
	lim_json_u64(j, sp->damaged);
	lim_json_key(j, "alarm");
	lim_json_bool(j, sp->alarm);
	lim_json_key(j, "link");
	lim_json_str(j, link);
	if (in_use) {
		lim_json_key(j, "in_use");
		lim_json_bool(j, *in_use);
	}
	lim_json_key(j, "sent");
	lim_json_u64(j, ln->sent);
	lim_json_key(j, "resent");
	lim_json_u64(j, ln->resent);
	lim_json_key(j, "error");
	lim_json_str(j, ln->error);
	lim_json_obj_close(j);
}

/* flush: the spools and links it drove. */
static void print_stats(const struct limf_dlv *d, bool json)
{
	struct lim_json j;
	if (json) {
		lim_json_init(&j, stdout);
		lim_json_arr_open(&j);
	}
	for (size_t i = 0; i < limf_dlv_count(d); i++) {
		struct limf_dlv_stats st;
		limf_dlv_stats(d, i, &st);
		if (json) {
			lim_json_obj_open(&j);
			lim_json_key(&j, "authority");
			lim_json_str(&j, st.name);
		}
		for (int k = 0; k < 2; k++)
			print_stream(&j, json, st.name, k, &st.spool[k], &st.link[k], NULL);
		if (json)
			lim_json_obj_close(&j);
	}
	if (json) {
		lim_json_arr_close(&j);
		(void)limf_json_end(&j);
	}
}

/* status: a read-only look at every spool (ho_spool_peek), so that it works while `limf
 * capture` owns them, and changes nothing: no recovery, no lock taken. The link state of a
 * spool in use is the owner's ("in-use": `limf status` shows it); of the owner's alarm only the
 * damaged records are on disk (the files in quarantine/). Returns 0, or 1 when a spool cannot
 * be read (the others are still shown). */
static int print_status(const struct limf_conf *c, bool json)
{
	struct lim_json j;
	int rc = 0;
	uint64_t max = limf_dlv_spool_max(c);
	if (!max) {
		fprintf(stderr, "limf: handover: spool_max_mb: not a number of MiB\n");
		return 1;
	}
	if (json) {
		lim_json_init(&j, stdout);
		lim_json_arr_open(&j);
	}
	for (size_t i = 0; i < c->n_auth; i++) {
		const char *name = c->auth[i].name;
		if (json) {
			lim_json_obj_open(&j);
			lim_json_key(&j, "authority");
			lim_json_str(&j, name);
		}
		for (int k = 0; k < 2; k++) {
			char path[LIMF_CONF_PATH + 2 * LIMF_AUTH_NAME];
			struct ho_spool_stats sp;
			struct ho_link_stats ln;
			bool in_use = false;
			enum lim_err e;
			snprintf(path, sizeof path, "%s/%s/%s", c->spool_dir, name,
				 k ? "hi3" : "hi2");
			memset(&ln, 0, sizeof ln);
			e = ho_spool_peek(path, strlen(c->spool_dir), &sp, &in_use);
			sp.max_bytes = max; /* the file's (an owner may run under another) */
			if (e != LIM_OK) {
				fprintf(stderr, "limf: handover: %s: spool: %s\n", path,
					lim_strerror(e));
				rc = 1;
			}
			print_stream(&j, json, name, k, &sp, &ln, &in_use);
		}
		if (json)
			lim_json_obj_close(&j);
	}
	if (json) {
		lim_json_arr_close(&j);
		(void)limf_json_end(&j);
	}
	return rc;
}

/* see cli.h */
int limf_cmd_handover(int argc, char **argv)
{
	const char *cmd = NULL, *config = NULL, *timeout = NULL;
	bool json = false;
	struct limf_conf *conf = NULL;
	struct limf_dlv *d = NULL;
	char why[512];
	int rc = 1;
	const struct limf_opt opts[] = {
		{ "--config", &config, NULL, NULL, NULL, 0 },
		{ "--timeout", &timeout, NULL, NULL, NULL, 0 },
		{ "--json", NULL, &json, NULL, NULL, 0 },
	};
	if (limf_wants_help(argc, argv)) {
		ho_usage(stdout);
		return 0;
	}
	if (limf_parse_opts(argc, argv, opts, sizeof opts / sizeof opts[0], &cmd, 1) != 0 || !cmd ||
	    !config || (strcmp(cmd, "status") != 0 && strcmp(cmd, "flush") != 0) ||
	    (timeout && strcmp(cmd, "flush") != 0)) {
		ho_usage(stderr);
		return 2;
	}
	conf = malloc(sizeof *conf);
	if (!conf) {
		fprintf(stderr, "limf: out of memory\n");
		return 1;
	}
	limf_conf_init(conf);
	if (limf_conf_load(config, conf, why, sizeof why) != LIM_OK) {
		fprintf(stderr, "limf: %s\n", why);
		goto out;
	}
	if (conf->n_auth == 0) {
		fprintf(stderr, "limf: %s: no [authority NAME] section\n", config);
		goto out;
	}
	if (strcmp(cmd, "status") == 0) {
		if (!conf->spool_dir[0]) {
			fprintf(stderr, "limf: %s: no [handover] spool_dir\n", config);
			goto out;
		}
		rc = print_status(conf, json);
		goto out;
	}
	/* flush owns the spools while it runs: refused (LIM_E_STATE) while another limf has them */
	if (limf_dlv_new(conf, 0, &d, why, sizeof why) != LIM_OK) {
		fprintf(stderr, "limf: handover: %s\n", why);
		goto out;
	}
	if (strcmp(cmd, "flush") == 0) {
		long secs = 30;
		if (timeout) {
			char *end = NULL;
			secs = strtol(timeout, &end, 10);
			if (!end || *end || secs < 0 || secs > 86400) {
				ho_usage(stderr);
				rc = 2;
				goto out;
			}
		}
		enum lim_err e = limf_dlv_flush(d, lim_mono_ms() + (uint64_t)secs * 1000u);
		print_stats(d, json);
		if (e != LIM_OK) {
			fprintf(stderr, "limf: handover: %s\n",
				e == LIM_E_STATE ? "not everything was confirmed: still spooled"
						 : lim_strerror(e));
			rc = 3;
			goto out;
		}
		rc = 0;
		goto out;
	}
out:
	limf_dlv_free(d);
	free(conf);
	return rc;
}
