/* Health of the live service (issue 8, "Health"): a snapshot of `limf capture`'s counters,
 * rendered as text, JSON or the Prometheus text exposition format (version 0.0.4), and the two
 * places it is served from, both driven from the capture loop's one thread (never blocking it):
 *
 *   - the control socket ([service] control_socket = PATH): a Unix stream socket, mode 0600,
 *     one request per connection, a line "status", "status json" or "metrics", answered and
 *     closed. At most LIMF_CTL_CLIENTS connections at once; one that has not sent its line
 *     within LIMF_CTL_TIMEOUT_MS, or sends more than LIMF_CTL_LINE octets, or does not read
 *     its answer in that time, is dropped. The socket file is removed by limf_ctl_close.
 *   - the metrics endpoint ([service] metrics = ADDR:PORT, loopback only): HTTP GET /metrics
 *     served by libmicrohttpd in external-poll mode (MHD_USE_EPOLL without an internal thread:
 *     one epoll descriptor joins the loop's poll(), MHD_run does the work; connection limit,
 *     request memory cap and idle timeout set).
 *
 * The snapshot holds no secrets (counters, names and link states only). Counters by XID (a
 * warrant's task) go to the control socket's answers only, never to /metrics (status.c prom).
 * Not thread-safe. */
#ifndef LIMF_STATUS_H
#define LIMF_STATUS_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/capture.h"
#include "common/err.h"
#include "limf/delivery.h"
#include "limf/pipeline.h"
#include "limf/x2x3_in.h"

#define LIMF_CTL_CLIENTS     4    /* control connections served at once */
#define LIMF_CTL_LINE        64   /* longest request line */
#define LIMF_CTL_TIMEOUT_MS  2000 /* a connection's whole life */
#define LIMF_METRICS_CLIENTS 4    /* HTTP connections at once */
#define LIMF_METRICS_TIMEOUT 5    /* HTTP idle timeout, seconds */
/* A request must arrive whole within this of its connection's start or of the response before
 * it (limf_metrics_step cuts the connection): the idle timeout alone let four clients that each
 * sent a header line every few seconds keep every slot for good. */
#define LIMF_METRICS_DEADLINE_MS 10000 /* (the environment's LIMF_METRICS_DEADLINE_MS wins) */
/* pollfds limf_ctl_pollfds + limf_metrics_pollfd can add */
#define LIMF_STATUS_MAX_FDS (LIMF_CTL_CLIENTS + 2)

/* One capture source. */
struct limf_status_src {
	const char *name;
	bool live;              /* an interface (else a file) */
	uint64_t frames, bytes; /* handed to the pipeline (bytes: captured octets) */
	bool have_kernel;       /* live, and the kernel counters could be read */
	uint64_t kernel_received, kernel_dropped;
	/* live, and its capture failed (the interface went away, libpcap gave up): it reads
	 * nothing more while the service goes on, an alarm (the only sign was one stderr line
	 * and the exit status at the end: an audit) */
	bool failed;
};

/* What the kernel or the interfaces dropped, summed over src[0..n) (those with kernel
 * counters). */
uint64_t limf_status_kernel_dropped(const struct limf_status_src *src, size_t n);

/* The outcome of the last SIGHUP reload of `limf capture`'s configuration. */
enum limf_reload { LIMF_RELOAD_NONE = 0, LIMF_RELOAD_APPLIED, LIMF_RELOAD_REFUSED };

/* Reloads since start. While the last one was refused the running configuration is not the
 * file's (limf.conf was edited, the edit is not in force): the status alarm is raised until a
 * later reload is applied. */
struct limf_status_reload {
	enum limf_reload last;
	uint64_t at_ms;            /* wall clock of the last one, ms since the epoch (0: none) */
	const char *why;           /* refused: its one-line reason (borrowed; NULL or "" else) */
	uint64_t applied, refused; /* reloads applied, refused */
};

/* A snapshot; every pointer is borrowed and only read while rendering. */
struct limf_status {
	uint64_t uptime_ms;
	size_t n_src;
	const struct limf_status_src *src;
	const struct cap_stats *cap;        /* NULL: no capture counters */
	const struct limf_pipe_stats *pipe; /* NULL: no pipeline counters */
	const struct limf_dlv *dlv;         /* NULL: no authorities */
	/* the X2/X3 input (limf/x2x3_in.h); all NULL without --x2x3: nothing is rendered */
	const struct cap_x2x3_stats *x2x3;    /* the listener: connections, PDUs, POIs */
	const struct limf_x23_stats *x2x3_in; /* the XID gate and what was fed */
	const char *x2x3_listen;              /* its address as configured */
	/* the warrant gate failing: pipe's decision_errors, audit_errors or cin_errors grew
	 * recently (the producer decides how recently: `limf capture`, LIMF_GATE_ALARM_MS) */
	bool gate_alarm;
	/* secrets the key path holds now (limf_pool_keys_cached): key sets and SAKKE contexts */
	uint64_t keys_cached;
	/* the KMS certificate store (pipe's cert_conflicts, cert_store_failed): a conflict (the KMS
	 * served other content under a recorded CertUri) raises it for the life of the process; a
	 * store that failed, while it grew within LIMF_GATE_ALARM_MS (the producer decides) */
	bool cert_store_alarm;
	/* traffic lost to capacity limits (limf/pipeline.h limf_pipe_incomplete): what limf's
	 * limits lost (limf_limit_drops), what the kernel dropped on live sources and the routing
	 * notes lost, summed since start; the alarm while it grew within LIMF_GATE_ALARM_MS (the
	 * producer decides): a target's packets may be among them, and the run's evidence is
	 * incomplete */
	uint64_t lost;
	bool loss_alarm;
	/* capture --record (have_bundle): the LIIDs the evidence bundle records, the most it can
	 * (limf/out.h limf_out_bundle_liids), and the records of the LIIDs past that, not
	 * recorded (their handover goes on); the alarm once there is one, for the life of the
	 * process (no later warrant will be recorded: restart the recording) */
	bool have_bundle;
	uint64_t bundle_liids, bundle_max_liids, bundle_unrecorded;
	bool bundle_alarm;
	/* records of LIIDs whose warrant's delivery names no [authority] (limf/out.h
	 * limf_out_undelivered): decrypted, not handed over; the alarm once there is one */
	uint64_t undelivered;
	struct limf_status_reload reload; /* all zero: no reload (and none rendered as such) */
};

/* Live sources of st whose capture failed (struct limf_status_src failed): an alarm. */
size_t limf_status_failed_sources(const struct limf_status *st);

/* How long `limf capture` keeps the gate alarm (and the KMS certificate store's and the loss
 * alarm) raised after its counters last grew. */
#define LIMF_GATE_ALARM_MS 300000u

/* Fills *st with the current snapshot (called when a request is answered). */
typedef void (*limf_status_fn)(void *ctx, struct limf_status *st);

enum limf_status_fmt { LIMF_STATUS_TEXT = 0, LIMF_STATUS_JSON, LIMF_STATUS_PROM };

/* Renders st into a new heap string *out of *len octets (NUL-terminated, caller frees).
 * LIM_E_NOMEM. */
enum lim_err limf_status_render(const struct limf_status *st, enum limf_status_fmt fmt, char **out,
				size_t *len) LIM_WUR;

/* ---- control socket ---- */

struct limf_ctl;

/* Listens on the Unix socket path (mode 0600). A path that exists and is not a socket, or a
 * socket something answers on, is refused (LIM_E_STATE); a stale socket is replaced. LIM_E_ARG
 * (path empty or too long), LIM_E_IO, LIM_E_NOMEM; why gets a one-line reason. fn/ctx are
 * borrowed for the life of *out. */
enum lim_err limf_ctl_open(const char *path, limf_status_fn fn, void *ctx, struct limf_ctl **out,
			   char *why, size_t whycap) LIM_WUR;
/* Adds the descriptors to watch to pfd[0..cap) and returns how many (at most
 * LIMF_CTL_CLIENTS + 1); pass the same entries, after poll(), to limf_ctl_step. */
size_t limf_ctl_pollfds(const struct limf_ctl *c, struct pollfd *pfd, size_t cap);
/* Accepts, reads, answers and drops connections as pfd says (no blocking call); expires slow
 * ones at now_ms (monotonic). */
void limf_ctl_step(struct limf_ctl *c, const struct pollfd *pfd, size_t n, uint64_t now_ms);
/* Closes every connection and the socket, removes the socket file. NULL is a no-op. */
void limf_ctl_close(struct limf_ctl *c);

/* ---- metrics endpoint ---- */

struct limf_metrics;

/* Serves GET /metrics on addr ("127.0.0.1:PORT", any 127/8 address, or "[::1]:PORT"; PORT
 * 1..65535). A non-loopback or malformed address: LIM_E_ARG; cannot listen: LIM_E_IO; why
 * gets a one-line reason. fn/ctx are borrowed for the life of *out. */
enum lim_err limf_metrics_open(const char *addr, limf_status_fn fn, void *ctx,
			       struct limf_metrics **out, char *why, size_t whycap) LIM_WUR;
/* Fills *pfd with the descriptor to poll (POLLIN). */
void limf_metrics_pollfd(const struct limf_metrics *m, struct pollfd *pfd);
/* Longest wait (ms) before limf_metrics_step must run again, at most cap. */
int limf_metrics_timeout_ms(struct limf_metrics *m, int cap);
/* Does the pending HTTP work (accepts, reads, answers, expires); never blocks. */
void limf_metrics_step(struct limf_metrics *m);
/* NULL is a no-op. */
void limf_metrics_close(struct limf_metrics *m);

/* Whether addr is a loopback "HOST:PORT" limf_metrics_open accepts. */
bool limf_metrics_addr_ok(const char *addr);

#endif
