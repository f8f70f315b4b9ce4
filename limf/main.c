/* limf: the command-line program. Dispatches to the subcommands. */
#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "common/log.h"
#include "limf/cli.h"

static void usage(FILE *f)
{
	fputs("usage: limf [-v] COMMAND ...\n"
	      "  mikey inspect [--json] FILE|-      print an I_MESSAGE's payloads\n"
	      "  mikey unwrap --z Z --rsk RSK ...   recover the SSV (and SRTP keys)\n"
	      "  mikey verify --kpak KPAK ...       verify the ECCSI signature\n"
	      "  scan [--json] PCAP...              calls, I_MESSAGEs and media in captures\n"
	      "  warrant add|list|show|modify|suspend|resume|revoke ...   manage warrants\n"
	      "  audit list [--liid L] [--json] | head | verify [--expect-head H] the audit log\n"
	      "  db migrate | db provision | db local start|stop|status DIR\n"
	      "  kms cert | kms fetch --user URI [--at T]   KMS certificate, keys (warrant)\n"
	      "  replay [--liid L] --out DIR PCAP...  decrypt targets' calls into evidence\n"
	      "  handover --config F status|flush   the network handover's spools and links\n"
	      "  capture --config F -i IFACE|--pcap F   the live service (intercept, hand over)\n"
	      "  status [--socket P|--config F] [--json]   health of a running capture\n"
	      "  verify [--key PUB.pem] [--json] DIR  check an evidence bundle (signature, files)\n"
	      "  version                            print the version\n"
	      "Key arguments are HEX or @FILE; see README.md.\n",
	      f);
}

/* Secrets must never reach a core file (STYLE.md rule 18). */
static void harden_process(void)
{
	struct rlimit rl = { 0, 0 };
	(void)setrlimit(RLIMIT_CORE, &rl);
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/* The open-file limit raised to its hard limit (at most NOFILE_WANT): an evidence bundle holds
 * four descriptors for each LIID it records until it is closed, and a shell's usual 1024 would
 * hold 64 LIIDs (limf/out.c rec_max). limf uses no select(2), which FD_SETSIZE would bound. */
#define NOFILE_WANT 65536
static void raise_nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= NOFILE_WANT)
		return;
	rl.rlim_cur = rl.rlim_max < NOFILE_WANT ? rl.rlim_max : NOFILE_WANT;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
}

/* see cli.h */
const char *limf_version(void)
{
	static char v[64];
	if (!v[0])
		snprintf(v, sizeof v, "%s+%s", LIMF_VERSION, limf_build_id);
	return v;
}

/* CRYPTO_secure_malloc_init's result (see limf_secure_heap_warn) */
static int secure_heap;

/* see cli.h */
void limf_secure_heap_warn(void)
{
	if (secure_heap == 1)
		return;
	fprintf(stderr,
		"limf: WARNING: %s: keys could be swapped out to disk (raise the memory-lock "
		"limit to at least %u MiB: `ulimit -l`, systemd LimitMEMLOCK=; or hold "
		"CAP_IPC_LOCK)\n",
		secure_heap == 2 ? "the secure heap for keys is not locked in memory (mlock "
				   "refused)"
				 : "no secure heap: keys are on the normal heap (wiped, not locked "
				   "in memory)",
		LIMF_SECURE_HEAP_MB + 1);
}

/* What a command printed is written only when standard output is flushed: a full disk, a
 * closed file or a failed write would otherwise lose a listing, a summary or --json output
 * unseen, with exit 0. Reported once, here, for every command; the command's own failure
 * status is kept, a success becomes 1. */
static int finish_stdout(int rc)
{
	int e = fflush(stdout) != 0 ? errno : 0;
	if (!e && !ferror(stdout))
		return rc;
	fprintf(stderr, "limf: could not write standard output%s%s\n", e ? ": " : "",
		e ? strerror(e) : "");
	return rc == 0 ? 1 : rc;
}

static int dispatch(int argc, char **argv, int i)
{
	if (strcmp(argv[i], "mikey") == 0)
		return limf_cmd_mikey(argc - i - 1, argv + i + 1);
	if (strcmp(argv[i], "scan") == 0)
		return limf_cmd_scan(argc - i - 1, argv + i + 1);
	if (strcmp(argv[i], "warrant") == 0)
		return limf_cmd_warrant(argc - i - 1, argv + i + 1);
	if (strcmp(argv[i], "audit") == 0)
		return limf_cmd_audit(argc - i - 1, argv + i + 1);
	if (strcmp(argv[i], "db") == 0)
		return limf_cmd_db(argc - i - 1, argv + i + 1);
	if (strcmp(argv[i], "kms") == 0)
		return limf_cmd_kms(argc - i - 1, argv + i + 1);
	if (strcmp(argv[i], "verify") == 0)
		return limf_cmd_verify(argc - i - 1, argv + i + 1);
	if (strcmp(argv[i], "replay") == 0)
		return limf_cmd_replay(argc - i - 1, argv + i + 1);
	if (strcmp(argv[i], "handover") == 0)
		return limf_cmd_handover(argc - i - 1, argv + i + 1);
	if (strcmp(argv[i], "capture") == 0)
		return limf_cmd_capture(argc - i - 1, argv + i + 1);
	if (strcmp(argv[i], "status") == 0)
		return limf_cmd_status(argc - i - 1, argv + i + 1);
	if (strcmp(argv[i], "version") == 0) {
		printf("limf %s\n", limf_version());
		return 0;
	}
	if (strcmp(argv[i], "help") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "limf: unknown command '%s'\n", argv[i]);
	usage(stderr);
	return 2;
}

int main(int argc, char **argv)
{
	int i = 1;
	harden_process();
	raise_nofile();
	/* Secure heap (mlock'd, excluded from dumps) for RSKs, SSVs and keys. A SAKKE receiver
	 * context with its precomputed Miller-loop lines takes about 1.3 MiB: 16 MiB holds a
	 * dozen. Failure leaves OpenSSL on the normal heap (secrets are still wiped); a heap that
	 * could not be locked (2: mlock refused, over RLIMIT_MEMLOCK without CAP_IPC_LOCK) is not
	 * dumped but may be swapped out. The commands that handle keys say so. */
	secure_heap = CRYPTO_secure_malloc_init((size_t)LIMF_SECURE_HEAP_MB << 20, 64);
	while (i < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "-v") == 0) {
			lim_log_set_level(lim_log_get_level() < LIM_LOG_DEBUG
						  ? (enum lim_log_level)(lim_log_get_level() + 1)
						  : LIM_LOG_DEBUG);
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return finish_stdout(0);
		} else {
			usage(stderr);
			return 2;
		}
		i++;
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	return finish_stdout(dispatch(argc, argv, i));
}
