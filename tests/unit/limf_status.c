/* limf/status.c: a live source whose capture failed, and records not handed over for want of
 * an [authority], are alarms in every rendering (text, JSON, Prometheus); before, status said
 * "alarm: none" while an interface read nothing, or a LIID's content went nowhere (an
 * audit). */
#include <stdlib.h>
#include <string.h>

#include "limf/status.h"
#include "tests/unit/check.h"

void t_status_sources(void);

static char *render(const struct limf_status *st, enum limf_status_fmt fmt)
{
	char *out = NULL;
	size_t len = 0;
	CHECK(limf_status_render(st, fmt, &out, &len) == LIM_OK && out && strlen(out) == len);
	return out ? out : strdup("");
}

void t_status_sources(void)
{
	struct limf_status_src src[2];
	struct limf_status st;
	char *t, *j, *p;
	memset(src, 0, sizeof src);
	memset(&st, 0, sizeof st);
	src[0].name = "eth1";
	src[0].live = true;
	src[0].frames = 10;
	src[1].name = "eth2";
	src[1].live = true;
	st.n_src = 2;
	st.src = src;
	/* all well */
	t = render(&st, LIMF_STATUS_TEXT);
	j = render(&st, LIMF_STATUS_JSON);
	p = render(&st, LIMF_STATUS_PROM);
	CHECK(strstr(t, "alarm: none\n") && !strstr(t, "FAILED"));
	CHECK(strstr(j, "\"alarm\":false") && strstr(j, "\"failed\":false"));
	CHECK(strstr(p, "\nlimf_sources_failed 0\n"));
	free(t);
	free(j);
	free(p);
	/* eth2's capture failed */
	src[1].failed = true;
	t = render(&st, LIMF_STATUS_TEXT);
	j = render(&st, LIMF_STATUS_JSON);
	p = render(&st, LIMF_STATUS_PROM);
	CHECK(strstr(t, "source eth2 (live): frames 0 bytes 0 FAILED (capture ended)\n") &&
	      !strstr(t, "source eth1 (live): frames 10 bytes 0 FAILED"));
	CHECK(strstr(t, "alarm: 1 source(s) failed: capture ended (see sources)\n"));
	CHECK(strstr(j, "\"alarm\":true") && strstr(j, "\"name\":\"eth2\"") &&
	      strstr(j, "\"failed\":true"));
	CHECK(strstr(p, "\nlimf_sources_failed 1\n"));
	free(t);
	free(j);
	free(p);
	/* records of a LIID whose delivery names no [authority]: not handed over, an alarm */
	src[1].failed = false;
	st.undelivered = 5;
	t = render(&st, LIMF_STATUS_TEXT);
	j = render(&st, LIMF_STATUS_JSON);
	p = render(&st, LIMF_STATUS_PROM);
	CHECK(strstr(t, "alarm: 5 record(s) of LIIDs whose delivery names no [authority] not "
			"handed over\n"));
	CHECK(strstr(j, "\"alarm\":true") && strstr(j, "\"undelivered_records\":5"));
	CHECK(strstr(p, "\nlimf_records_undelivered_total 5\n"));
	free(t);
	free(j);
	free(p);
	/* several at once: each said, apart (a review found them run together) */
	src[0].failed = true;
	st.gate_alarm = true;
	t = render(&st, LIMF_STATUS_TEXT);
	CHECK(strstr(t,
		     "alarm: 5 record(s) of LIIDs whose delivery names no [authority] not "
		     "handed over, 1 source(s) failed: capture ended (see sources), warrant gate "
		     "failing (decision or audit errors)\n"));
	free(t);
}
