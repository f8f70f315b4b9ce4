/* limf status (issue 8, "Health"): asks a running `limf capture` for its health over its
 * control socket (limf/status.h) and prints the answer.
 *
 *   limf status [--socket PATH | --config FILE] [--json]
 *
 * Exit 0 with the answer on stdout; 1 when nothing listens on the socket (or it answers
 * nothing within 5 s); 2 usage. */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "limf/cli.h"
#include "limf/config.h"
#include "limf/opts.h"

#define ANSWER_MS  5000
#define ANSWER_MAX (4u << 20) /* a status answer is a few KiB; stop reading past this */

static void status_usage(FILE *f)
{
	fputs("usage: limf status [--socket PATH | --config FILE] [--json]\n"
	      "Prints the health of a running `limf capture` (uptime, sources, drops, calls,\n"
	      "KMS requests, handover links and spools, alarms) from its control socket\n"
	      "([service] control_socket of the config, or --socket). Exit 1 when nothing\n"
	      "listens there.\n",
	      f);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* see cli.h */
int limf_cmd_status(int argc, char **argv)
{
	const char *sock = NULL, *config = NULL, *req;
	bool as_json = false;
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
	};
	if (argc >= 1 && (strcmp(argv[0], "-h") == 0 || strcmp(argv[0], "--help") == 0)) {
		status_usage(stdout);
		return 0;
	}
	if (limf_parse_opts(argc, argv, opts, sizeof opts / sizeof opts[0], NULL, 0) != 0 ||
	    (sock && config) || (!sock && !config)) {
		status_usage(stderr);
		return 2;
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
	deadline = now_ms() + ANSWER_MS;
	for (;;) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		int64_t left = deadline - now_ms();
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
		if (total > ANSWER_MAX || fwrite(buf, 1, (size_t)r, stdout) != (size_t)r) {
			fprintf(stderr, "limf: %s: answer too long or stdout failed\n", sock);
			goto out;
		}
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
