/* limf/ subcommand entry points. Each takes the arguments after its own name and returns the
 * process exit status: 0 success, 1 a negative answer or bad input, 2 a usage error. */
#ifndef LIMF_CLI_H
#define LIMF_CLI_H

#define LIMF_VERSION "0.1.0"
/* The source revision of this build ($(BUILD)/gen/build_id.c, made by the Makefile): a git
 * commit (12 hex digits, "-dirty" with uncommitted changes), or "unknown". */
extern const char limf_build_id[];
/* "LIMF_VERSION+BUILD_ID" (semver build metadata): what `limf version` prints and every
 * evidence manifest names as the tool's version, so a bundle says which code made it. */
const char *limf_version(void);

/* OpenSSL's secure heap for keys, made at start (main.c): its size in MiB. */
#define LIMF_SECURE_HEAP_MB 16u
/* A WARNING on stderr when that heap is not locked in memory (mlock refused: the memory-lock
 * limit below it and no CAP_IPC_LOCK) or could not be made: keys could reach swap. Said by the
 * commands that fetch keys and decrypt (replay, capture), at their start. */
void limf_secure_heap_warn(void);

int limf_cmd_mikey(int argc, char **argv);
int limf_cmd_scan(int, char **); /* limf scan (limf/cli_scan.c) */
/* limf warrant | audit | db (limf/cli_warrant.c) */
int limf_cmd_warrant(int argc, char **argv);
int limf_cmd_audit(int argc, char **argv);
int limf_cmd_db(int argc, char **argv);
int limf_cmd_kms(int argc, char **argv);      /* limf kms cert | fetch (limf/cli_kms.c) */
int limf_cmd_verify(int argc, char **argv);   /* limf verify (limf/cli_verify.c) */
int limf_cmd_replay(int argc, char **argv);   /* limf replay (limf/cli_replay.c) */
int limf_cmd_handover(int argc, char **argv); /* limf handover (limf/cli_handover.c) */
int limf_cmd_capture(int argc, char **argv);  /* limf capture (limf/cli_capture.c) */
int limf_cmd_status(int argc, char **argv);   /* limf status (limf/cli_status.c) */

#endif
