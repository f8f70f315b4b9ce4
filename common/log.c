#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>

static enum lim_log_level log_level = LIM_LOG_WARN;

/* see log.h */
void lim_log_set_level(enum lim_log_level lvl)
{
	log_level = lvl;
}

/* see log.h */
enum lim_log_level lim_log_get_level(void)
{
	return log_level;
}

/* see log.h */
void lim_log(enum lim_log_level lvl, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	va_list ap;
	if (lvl > log_level)
		return;
	fprintf(stderr, "limf: %s: ", names[lvl]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
