/* libFuzzer target: `limf scan [--json] FILE` (capture file -> frames -> call table -> SIP body
 * -> MIKEY -> GMK, printed) and `limf mikey inspect [--json] FILE`, whole, on hostile files: the
 * paths an operator runs on a capture of unknown origin. Input: one octet (bit 0: --json;
 * bit 1: mikey inspect, else scan), then the file. The command's stdout goes to /dev/null.
 * I/O: a private directory. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "limf/cli.h"
#include "tests/fuzz/fuzz_dir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int null_fd = -1, out_fd = -1;
	static char path[1024];
	char *argv[4];
	int argc = 0;
	if (null_fd < 0) {
		null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		out_fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
		if (null_fd < 0 || out_fd < 0)
			abort();
		fuzz_dir("cli");
	}
	if (size < 1)
		return 0;
	snprintf(path, sizeof path, "%s", fuzz_put("in", data + 1, size - 1));
	if (data[0] & 2)
		argv[argc++] = "inspect";
	if (data[0] & 1)
		argv[argc++] = "--json";
	argv[argc++] = path;
	argv[argc] = NULL;
	/* the command's output to /dev/null, the replay driver's own to stdout */
	fflush(stdout);
	if (dup2(null_fd, STDOUT_FILENO) < 0)
		abort();
	(void)((data[0] & 2) ? limf_cmd_mikey(argc, argv) : limf_cmd_scan(argc, argv));
	fflush(stdout);
	if (dup2(out_fd, STDOUT_FILENO) < 0)
		abort();
	return 0;
}
