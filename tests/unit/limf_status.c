/* limf/status.c: a live source whose capture failed, and records not handed over for want of
 * an [authority], are alarms in every rendering (text, JSON, Prometheus); before, status said
 * "alarm: none" while an interface read nothing, or a LIID's content went nowhere (an
 * audit). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/clock.h"
#include "limf/status.h"
#include "tests/unit/check.h"

void t_status_sources(void);
void t_metrics_slow(void);

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

/* ---- /metrics: slow clients are cut at the deadline ------------------------------------------ */

static void no_status(void *ctx, struct limf_status *st)
{
	(void)ctx;
	(void)st;
}

/* Runs m's loop (poll, step) for ms milliseconds. */
static void metrics_run(struct limf_metrics *m, int ms)
{
	uint64_t end = lim_mono_ns() / 1000000u + (uint64_t)ms;
	for (uint64_t now = lim_mono_ns() / 1000000u; now < end; now = lim_mono_ns() / 1000000u) {
		struct pollfd pfd;
		int tmo = limf_metrics_timeout_ms(m, (int)(end - now));
		limf_metrics_pollfd(m, &pfd);
		(void)poll(&pfd, 1, tmo);
		limf_metrics_step(m);
	}
}

void t_metrics_slow(void)
{
	struct limf_metrics *m = NULL;
	struct sockaddr_in sa;
	char why[256], addr[32];
	int fd[LIMF_METRICS_CLIENTS], port = 0;
	bool cut[LIMF_METRICS_CLIENTS] = { false };
	setenv("LIMF_METRICS_DEADLINE_MS", "600", 1);
	for (int p = 39000 + (int)(getpid() % 2000), k = 0; k < 50 && !m; p++, k++) {
		snprintf(addr, sizeof addr, "127.0.0.1:%d", p);
		if (limf_metrics_open(addr, no_status, NULL, &m, why, sizeof why) == LIM_OK)
			port = p;
	}
	unsetenv("LIMF_METRICS_DEADLINE_MS");
	CHECK(m != NULL);
	if (!m)
		return;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int i = 0; i < LIMF_METRICS_CLIENTS; i++) {
		fd[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		(void)connect(fd[i], (struct sockaddr *)&sa, sizeof sa);
	}
	metrics_run(m, 100);
	/* a header line every 100 ms: never idle, never whole */
	for (int round = 0; round < 12; round++) {
		for (int i = 0; i < LIMF_METRICS_CLIENTS; i++) {
			char b[64];
			ssize_t r;
			if (cut[i])
				continue;
			if (round == 0)
				(void)!write(fd[i], "GET /metrics HTTP/1.1\r\n", 23);
			else
				(void)!write(fd[i], "X-Slow: 1\r\n", 11);
			r = read(fd[i], b, sizeof b);
			cut[i] = r == 0 || (r < 0 && errno != EAGAIN);
		}
		metrics_run(m, 100);
	}
	for (int i = 0; i < LIMF_METRICS_CLIENTS; i++) {
		CHECK(cut[i]);
		close(fd[i]);
	}
	limf_metrics_close(m);
}
