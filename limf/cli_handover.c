/* limf handover status | flush (README.md "Usage"): the network handover's spools and links
 * from the [authority NAME] sections and [handover] spool_dir of limf.conf.
 *   status [--json]            per authority and stream: spooled, confirmed, bytes, alarm
 *   flush [--timeout SECONDS]  connects and delivers what is spooled (after an outage, or
 *                              what a replay left); exit 0 when everything is confirmed,
 *                              3 when something is still spooled at the deadline. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "limf/cli.h"
#include "limf/config.h"
#include "limf/delivery.h"
#include "limf/opts.h"

static void ho_usage(FILE *f)
{
	fputs("usage: limf handover --config FILE status [--json]\n"
	      "       limf handover --config FILE flush [--timeout SECONDS] [--json]\n"
	      "The authorities are the [authority NAME] sections of the config, their spools\n"
	      "under [handover] spool_dir. flush delivers what is spooled and waits for the\n"
	      "authorities to confirm it (default 30 s): exit 0 all confirmed, 3 some left.\n",
	      f);
}

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
		for (int k = 0; k < 2; k++) {
			const struct ho_spool_stats *sp = &st.spool[k];
			const struct ho_link_stats *ln = &st.link[k];
			if (!json) {
				printf("%-16s %s  spooled %" PRIu64 "  confirmed %" PRIu64
				       "  pending %" PRIu64 "  bytes %" PRIu64 "  link %s%s%s%s\n",
				       st.name, k ? "hi3" : "hi2", sp->head, sp->confirmed,
				       sp->head - sp->confirmed, sp->bytes,
				       ho_link_state_name(ln->state),
				       sp->alarm ? "  ALARM: spool full" : "",
				       ln->error[0] ? "  ALARM: spool error: " : "", ln->error);
				continue;
			}
			lim_json_key(&j, k ? "hi3" : "hi2");
			lim_json_obj_open(&j);
			lim_json_key(&j, "spooled");
			lim_json_u64(&j, sp->head);
			lim_json_key(&j, "confirmed");
			lim_json_u64(&j, sp->confirmed);
			lim_json_key(&j, "pending");
			lim_json_u64(&j, sp->head - sp->confirmed);
			lim_json_key(&j, "bytes");
			lim_json_u64(&j, sp->bytes);
			lim_json_key(&j, "alarm");
			lim_json_bool(&j, sp->alarm);
			lim_json_key(&j, "link");
			lim_json_str(&j, ho_link_state_name(ln->state));
			lim_json_key(&j, "sent");
			lim_json_u64(&j, ln->sent);
			lim_json_key(&j, "resent");
			lim_json_u64(&j, ln->resent);
			lim_json_key(&j, "error");
			lim_json_str(&j, ln->error);
			lim_json_obj_close(&j);
		}
		if (json)
			lim_json_obj_close(&j);
	}
	if (json) {
		lim_json_arr_close(&j);
		if (lim_json_end(&j) != LIM_OK)
			fprintf(stderr, "limf: output error\n");
	}
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
	if (argc >= 1 && (strcmp(argv[0], "-h") == 0 || strcmp(argv[0], "--help") == 0)) {
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
	if (limf_dlv_new(conf, &d, why, sizeof why) != LIM_OK) {
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
		enum lim_err e = limf_dlv_flush(d, limf_dlv_now_ms() + (uint64_t)secs * 1000u);
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
	print_stats(d, json);
	rc = 0;
out:
	limf_dlv_free(d);
	free(conf);
	return rc;
}
