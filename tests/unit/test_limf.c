/* test_limf: limf/'s own building blocks that run without a database (STYLE.md rule 19). The
 * pipeline, the pool and the CLI are tested end to end by tests/cli. */
#include "tests/unit/check.h"

void t_held_copy(void);
void t_held_sizes(void);
void t_held_emit(void);
void t_bg_digest(void);
void t_losses(void);
void t_utf8_fix(void);
void t_json_end(void);
void t_mcalls(void);
void t_status_sources(void);
void t_dlv_refused_reload(void);
void t_metrics_slow(void);
void t_had(void);

int main(int argc, char **argv)
{
	static const struct lim_suite suites[] = {
		{ "held_copy", t_held_copy },
		{ "held_sizes", t_held_sizes },
		{ "held_emit", t_held_emit },
		{ "bg_digest", t_bg_digest },
		{ "losses", t_losses },
		{ "utf8_fix", t_utf8_fix },
		{ "json_end", t_json_end },
		{ "mcalls", t_mcalls },
		{ "status_sources", t_status_sources },
		{ "dlv_refused_reload", t_dlv_refused_reload },
		{ "metrics_slow", t_metrics_slow },
		{ "had", t_had },
	};
	return lim_t_main(suites, sizeof suites / sizeof suites[0], argc, argv);
}
