/* limf capture (DESIGN.md s6, issue 8): the live service.
 *
 *   limf capture --config FILE [-i IFACE]... [--bpf FILTER] [--snaplen N] [--buffer-mb N]
 *                [--immediate] [--pcap FILE [--speed recorded|max]] [--liid L] [--record DIR]
 *                [--duration SECONDS] [--verify-checksums]
 *
 * Sources: live interfaces (libpcap: promiscuous, non-blocking, BPF) and X2/X3 input, or
 * one pcap file fed at its recorded speed (each frame is due at the wall time of the first
 * frame plus its offset from it; --speed max: as fast as possible). The frames keep their
 * capture timestamps (the warrant gate and the handover use them). A file does not run beside
 * live input: the loop ticks the call tables at the wall clock for live input, and a
 * recording's calls, on their recorded times, ended as idle within 32-300 s of it (an audit:
 * content lost with no alarm).
 *
 * Live sources and stalls: the loop stalls while a new target call is set up (KMS request,
 * SAKKE, ECCSI, audit rows, all synchronous: tens to hundreds of ms), and the kernel ring
 * must hold what arrives meanwhile. So each live source gets a DEFAULT_BUFFER_MB ring unless
 * --buffer-mb says otherwise (libpcap's own 2 MiB held about a second of a 200 packets/s link:
 * tests/cli/test_live.sh saw kernel drops with two -i, and in a 1.5 s stall), in libpcap's
 * buffered mode: on Linux TPACKET_V3, whose blocks pack the frames and are handed over when
 * full or after the 100 ms timeout. --immediate asks for immediate mode (each frame at once,
 * no 100 ms delay), which libpcap serves with TPACKET_V2: one snaplen-sized slot per frame, a
 * few hundred frames in 32 MiB on an interface with offloads (veth, most NICs);
 * scripts/bench-live.sh measured drops from 17 kpps with it, none at 140 kpps without.
 *
 * Threads: with --workers N >= 2 (the default: one per CPU, 2..16) each source has a
 * capture thread of its own (src_run: the same reading as below, into its lane of the pool,
 * limf/pool.h) and the loop keeps the rest; with --workers 1 everything runs in the loop:
 *
 * One loop, one thread: each turn feeds the file frames that are due (at most BATCH per turn),
 * poll()s the live sources' descriptors for at most TURN_MS (less when a file frame falls due
 * sooner), drains each readable live source (at most BATCH frames), then drives the handover
 * links (limf_dlv_pump(d, 0)) and, once a second, re-runs the warrant gate for ongoing calls
 * (limf_pipe_recheck at the wall clock: a revoked, suspended or expired warrant stops the
 * call's CC within about a second). New warrants need nothing: the gate asks the database per
 * call. The pipeline (limf/pipeline.h) is the one of `limf replay`.
 *
 * Sink: limf/out.h, as for `limf replay`: the IRI and CC of each LIID whose warrant's
 * delivery names an [authority] of the config go to its spool and link (limf/delivery.h);
 * with --record DIR also into an evidence bundle of replay's layout (iri.jsonl, hi2/hi3.pdu,
 * cc.pcap, WAV, signed manifest). CINs come from the database's counter (limf.cin_reserve,
 * limf/delivery.h); when none can be reserved the call is not intercepted, and that is counted
 * (cin_errors), said per call and raises the gate alarm; the next call asks again.
 *
 * Ends at the end of every source (files), after --duration, or at SIGTERM/SIGINT (the live
 * sources are first drained for 250 ms: what the kernel still holds is processed): the calls
 * are finished, the bundle closed and the links drained for up to 10 s (what is not confirmed
 * stays spooled: `limf handover flush`); a second signal exits at once. SIGHUP re-reads the
 * config and applies the [handover], [authority] and [x2x3] settings (see reload()). A
 * summary goes to stderr. Exit 0; 1 on a start-up, source or recording error; 2 usage; 3 when
 * a spool refused PDUs (full) or the interception is incomplete (limf_pipe_incomplete: a call
 * under a warrant got no CIN, a warrant decision or audit row failed, or traffic was lost to
 * capacity limits: by the kernel, to a full worker queue, at limf's tables or evicted from
 * them; said in the --record manifest's "incomplete" too).
 *
 * Health (limf/status.h): with [service] control_socket the loop also answers `limf status`
 * on that Unix socket, and with [service] metrics = 127.0.0.1:PORT it serves Prometheus
 * GET /metrics (libmicrohttpd, polled by this loop); both open after the sources and close
 * when the loop ends (the socket file is removed). Neither can stall the loop.
 *
 * Privileges (limf/privs.h): started as root with [service] user, the spool and the --record
 * bundle are created as that user (effective ids only), and once the sources, the control
 * socket and the metrics listener are open it drops to the user for good, with no capability
 * at all (the capture sockets are open by then: reading them and their statistics needs none;
 * nothing re-opens one). Before anything is opened it
 * checks that the user may write the spool and --record directories and read the files it
 * reads later (limf.conf, KMS, [authority] and [x2x3] TLS files, the signing key): else exit 1
 * naming the path. As root without [service] user it runs on as root with a loud warning; not root,
 * it switches nothing. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/json.h"
#include "common/thread.h"
#include "handover/bundle.h"
#include "handover/handover.h"
#include "limf/cli.h"
#include "limf/config.h"
#include "limf/delivery.h"
#include "limf/health.h"
#include "limf/input.h"
#include "limf/opts.h"
#include "limf/out.h"
#include "limf/pipeline.h"
#include "limf/privs.h"
#include "limf/status.h"
#include "limf/x2x3_in.h"
#include "warrants/kms.h"
#include "warrants/warrants.h"

#define MAX_IFACES   8
#define MAX_SOURCES  (MAX_IFACES + 1)
#define TURN_MS      50  /* longest poll: links and recheck run at least this often */
#define BATCH        512 /* frames per source per turn */
#define RECHECK_NS   1000000000ull
#define FLUSH_MS     10000u
#define MAX_DURATION 31536000L /* --duration cap: a year */

#define DEFAULT_BUFFER_MB 32           /* kernel ring per live source without --buffer-mb */
#define TAIL_NS           250000000ull /* live sources drained this long at the end */

static volatile sig_atomic_t g_stop, g_hup;

static void on_stop(int sig)
{
	static const char msg[] = "limf: second signal: exiting now\n";
	if (g_stop) {
		(void)!write(2, msg, sizeof msg - 1);
		_exit(128 + sig);
	}
	g_stop = sig;
}

static void on_hup(int sig)
{
	(void)sig;
	g_hup = 1;
}

/* A file's first frame this far behind the wall clock is said (a recording, not live) */
#define FAR_BEHIND_NS (3600ull * 1000000000u)

static uint64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A source. Without source threads (one worker) the loop reads every source; with them
 * (--workers N >= 2: lane >= 1) its thread reads it and the loop only reads the atomics. */
struct src {
	struct cap_source *s;
	const char *name;
	bool file;
	struct ho_digest *dg; /* --record of a file: its octets as read (the manifest's input) */
	atomic_bool done, failed;
	int fd;
	bool pending; /* file: f holds the next frame, not due yet */
	struct cap_frame f;
	uint64_t due_ns;                         /* monotonic time f is due */
	_Atomic uint64_t frames, bytes, last_ts; /* written by the source's reader only */
	/* source threads */
	unsigned lane; /* the pool's lane (limf/pool.h), 0 = read by the loop */
	struct limf_pool *p;
	bool max_speed;
	pthread_t th;
	bool started;
	atomic_bool have_kernel; /* the kernel's counters, read by the thread once a second */
	_Atomic uint64_t k_recv, k_drop;
};

/* Set when the source threads are to stop (after the loop). */
static atomic_bool g_src_stop;

/* x += v for a counter only one thread writes (no locked instruction on the frame path). */
static void bump(_Atomic uint64_t *x, uint64_t v)
{
	atomic_store_explicit(x, atomic_load_explicit(x, memory_order_relaxed) + v,
			      memory_order_relaxed);
}

/* The kernel's counters of a live source: its thread's last reading when it has one (libpcap
 * handles are not shared between threads), else the handle's. */
static bool src_kstats(struct src *s, uint64_t *recv, uint64_t *drop)
{
	if (s->lane) {
		*recv = atomic_load(&s->k_recv);
		*drop = atomic_load(&s->k_drop);
		return atomic_load(&s->have_kernel);
	}
	return cap_source_kstats(s->s, recv, drop) == LIM_OK;
}

struct c_opts;

struct run {
	const struct limf_conf *conf;
	struct limf_dlv *dlv;
	struct ho_bundle *b;          /* --record, else NULL */
	struct limf_out *out;         /* the sink (limf/out.h): --record bundle and handover */
	struct limf_ctl *ctl;         /* [service] control_socket, else NULL */
	struct limf_metrics *metrics; /* [service] metrics, else NULL */
	const char *config_path;      /* limf.conf, re-read on SIGHUP */
	struct limf_conf *conf_heap;  /* the configuration loaded by the last reload (owned) */
	/* warrant changes: a connection of its own that LISTENs (NULL while down) */
	const char *conninfo;
	struct wr_db *listen_db;
	uint64_t listen_retry;     /* monotonic ns of the next reconnection attempt */
	uint64_t notified;         /* change notifications received */
	struct wr_db *cin_db;      /* CINs from the warrant database (limf/delivery.h) */
	struct limf_health *hl;    /* health rows in the database (limf/health.h) */
	struct limf_x23 *x23;      /* --x2x3 / [x2x3] listen: X2/X3 input from POIs, else NULL */
	const struct c_opts *opts; /* the command line (its --x2x3* flags win over [x2x3]) */
	/* the last SIGHUP reload, for `limf status` (limf/status.h) */
	enum limf_reload reload_last;
	uint64_t reload_at_ms; /* wall clock */
	uint64_t reloads_applied, reloads_refused;
	char reload_why[512]; /* refused: why */
};

static void x23_reload(struct run *r, const struct limf_conf *nc);

/* A reload refused: said on stderr and kept for `limf status` (its alarm is raised until a
 * later reload is applied: the running configuration is not the file's). */
static void reload_refused(struct run *r, const char *what)
{
	fprintf(stderr, "limf: SIGHUP: %s: keeping the running configuration\n", what);
	r->reload_last = LIMF_RELOAD_REFUSED;
	r->reload_at_ms = wall_ns() / 1000000u;
	r->reloads_refused++;
	snprintf(r->reload_why, sizeof r->reload_why, "%s", what);
}

/* SIGHUP: re-reads the configuration and applies what can change while running: the
 * [handover] identifiers, country and spool directory and the [authority] sections (links are
 * closed and reopened; what is unconfirmed stays spooled and is sent again; a spool still in
 * use is taken over without being re-read, and a reload that would close a spool holding
 * unconfirmed PDUs - spool_dir moved, an authority renamed or removed - is refused:
 * limf_dlv_reopen), and the [x2x3]
 * TLS files, max_conns and handshake_timeout (x23_reload: new POI connections get the new
 * certificate, open ones go on; listen needs a restart). The database,
 * KMS, [service] and [evidence] settings need a restart (a changed one is reported). A file
 * that does not load, or authorities that cannot be opened, leave the running configuration
 * (its handover untouched: nothing was closed). */
static void reload(struct run *r)
{
	struct limf_conf *nc = malloc(sizeof *nc);
	struct limf_dlv *nd = NULL;
	char why[512], what[sizeof why + 16];
	if (!nc) {
		reload_refused(r, "out of memory");
		return;
	}
	limf_conf_init(nc);
	if (limf_conf_load(r->config_path, nc, why, sizeof why) != LIM_OK) {
		reload_refused(r, why);
		free(nc);
		return;
	}
	if (strcmp(nc->db, r->conf->db) != 0 || strcmp(nc->kms_url, r->conf->kms_url) != 0 ||
	    strcmp(nc->kms_ca, r->conf->kms_ca) != 0 ||
	    strcmp(nc->kms_cert, r->conf->kms_cert) != 0 ||
	    strcmp(nc->kms_key, r->conf->kms_key) != 0 ||
	    strcmp(nc->kms_refresh, r->conf->kms_refresh) != 0 ||
	    strcmp(nc->sign_key, r->conf->sign_key) != 0)
		fprintf(stderr,
			"limf: SIGHUP: [database], [kms] and [evidence] changes take effect "
			"at the next start\n");
	/* the spools in use are taken over, not re-read; one that would be closed with PDUs
	 * still unconfirmed refuses the reload (limf_dlv_reopen): nothing is stranded */
	if (limf_dlv_reopen(&r->dlv, nc, why, sizeof why) != LIM_OK) {
		snprintf(what, sizeof what, "handover: %s", why);
		reload_refused(r, what);
		free(nc);
		return;
	}
	x23_reload(r, nc); /* its own TLS context and caps: applied (or kept) on their own */
	nd = r->dlv;
	limf_out_reconfigure(r->out, nc, nd);
	free(r->conf_heap);
	r->conf_heap = nc;
	r->conf = nc;
	r->reload_last = LIMF_RELOAD_APPLIED;
	r->reload_at_ms = wall_ns() / 1000000u;
	r->reloads_applied++;
	r->reload_why[0] = '\0';
	fprintf(stderr, "limf: SIGHUP: configuration reloaded (%zu authorit%s)\n",
		limf_dlv_count(nd), limf_dlv_count(nd) == 1 ? "y" : "ies");
}

/* (Re)opens the LISTEN connection; on failure the once-a-second re-read carries on alone. */
static void listen_open(struct run *r, uint64_t now)
{
	char who[] = "limf-capture";
	if (r->listen_db || now < r->listen_retry)
		return;
	r->listen_retry = now + 10 * RECHECK_NS;
	if (wr_db_open(r->conninfo, who, &r->listen_db) != LIM_OK ||
	    wr_db_listen(r->listen_db) != LIM_OK) {
		fprintf(stderr,
			"limf: warrant notifications unavailable (%s): re-reading every "
			"second\n",
			r->listen_db ? wr_db_msg(r->listen_db) : "no connection");
		wr_db_close(r->listen_db);
		r->listen_db = NULL;
	}
}

/* What the health answers read (limf/status.h). */
struct health {
	const struct run *r;
	struct limf_pool *p;
	struct src *s;
	size_t ns;
	uint64_t t0;                                /* monotonic start */
	struct limf_status_src ss[MAX_SOURCES + 1]; /* + the X2/X3 listener */
	struct limf_pipe_stats ps;                  /* the pool's counters, summed */
	struct cap_stats cs;
	uint64_t gate_errors;  /* decision_errors + audit_errors + cin_errors at the last look */
	uint64_t gate_grew_ms; /* uptime when they last grew */
	bool gate_grew;
	uint64_t lost, lost_grew_ms; /* traffic lost to capacity limits, as gate_errors */
	bool lost_grew;
	uint64_t store_failed;  /* cert_store_failed at the last look */
	uint64_t store_grew_ms; /* uptime when it last grew */
	bool store_grew;
};

/* ---- summary --------------------------------------------------------------------------------- */

struct totals {
	uint64_t pending;
	size_t links;
};

static void dlv_totals(const struct limf_dlv *d, struct totals *t)
{
	memset(t, 0, sizeof *t);
	for (size_t i = 0; i < limf_dlv_count(d); i++) {
		struct limf_dlv_stats st;
		limf_dlv_stats(d, i, &st);
		for (int k = 0; k < 2; k++) {
			t->pending += st.spool[k].head - st.spool[k].confirmed;
			t->links++;
		}
	}
}

static void summary(FILE *f, const struct run *r, struct limf_pool *p, struct src *s, size_t ns,
		    double secs)
{
	struct limf_pipe_stats pst;
	struct cap_stats cst;
	const struct limf_pipe_stats *ps = &pst;
	const struct cap_stats *cs = &cst;
	limf_pool_stats(p, &pst, &cst);
	struct totals t;
	struct limf_out_stats ost;
	dlv_totals(r->dlv, &t);
	limf_out_stats(r->out, &ost);
	fprintf(f,
		"limf capture: %.1f s: frames %" PRIu64 " sip %" PRIu64 " calls %" PRIu64
		" intercepted %" PRIu64 " with_content %" PRIu64 " decrypted %" PRIu64
		" auth_failed %" PRIu64 " kms_ok %" PRIu64 " kms_failed %" PRIu64
		" warrant_ends_in_call %" PRIu64 " warrants_left_out %" PRIu64
		" kms_cert_fetches %" PRIu64 " kms_cert_refused %" PRIu64
		" imsg_outside_certificates %" PRIu64 " kms_cert_store_loaded %" PRIu64
		" kms_cert_store_conflicts %" PRIu64 " kms_cert_store_failed %" PRIu64 "\n",
		secs, cs->frames, cs->sip, ps->calls, ps->calls_intercepted, ps->calls_cc,
		ps->decrypted, ps->auth_failed, ps->kms_ok, ps->kms_fail, ps->warrant_ends,
		ps->warrants_left_out, ps->cert_fetches, ps->cert_refused, ps->cert_outside,
		ps->cert_loaded, ps->cert_conflicts, ps->cert_store_failed);
	if (ps->cert_conflicts)
		fprintf(f,
			"limf capture: ALARM: the KMS served %" PRIu64 " certificate(s) other than "
			"the one recorded under their CertUri (audit: kms.cert.conflict)\n",
			ps->cert_conflicts);
	if (r->reloads_applied || r->reloads_refused)
		fprintf(f, "limf capture: reloads applied %" PRIu64 " refused %" PRIu64 "%s%s\n",
			r->reloads_applied, r->reloads_refused,
			r->reload_last == LIMF_RELOAD_REFUSED
				? " (the last refused: the running configuration was not the "
				  "file's): "
				: "",
			r->reload_last == LIMF_RELOAD_REFUSED ? r->reload_why : "");
	fprintf(f,
		"limf capture: handover: iri_spooled %" PRIu64 " cc_spooled %" PRIu64
		" refused %" PRIu64 " pending %" PRIu64 " links %zu\n",
		ost.dlv_iri, ost.dlv_cc, ost.dlv_refused, t.pending, t.links);
	if (limf_pool_workers(p) > 1)
		fprintf(f,
			"limf capture: workers %u source_threads %u queue_full %" PRIu64
			" queue_peak_bytes %zu notes_lost %" PRIu64 "\n",
			limf_pool_workers(p), limf_pool_lanes(p), limf_pool_drops(p),
			limf_pool_queue_peak(p), limf_pool_notes_lost(p));
	fprintf(f, "limf capture: warrant notifications %" PRIu64 "%s\n", r->notified,
		r->listen_db ? "" : " (not listening at the end)");
	/* a failing gate (database errors) fails closed for new calls: said, not only counted */
	fprintf(f,
		"limf capture: warrant gate: decisions %" PRIu64 " decision_errors %" PRIu64
		" audit_errors %" PRIu64 " cin_errors %" PRIu64 "%s\n",
		ps->decisions, ps->decision_errors, ps->audit_errors, ps->cin_errors,
		ps->cin_errors ? " (ALARM: calls under a warrant NOT intercepted: no CIN)" : "");
	if (ps->gmk_seen)
		fprintf(f,
			"limf capture: groups: gmk distributions %" PRIu64 " intercepted %" PRIu64
			" gmks recovered %" PRIu64 " wiped %" PRIu64 " group calls %" PRIu64
			" floor messages %" PRIu64 " distributions given up %" PRIu64
			" media copies %" PRIu64 " media decrypted %" PRIu64 "\n",
			ps->gmk_seen, ps->gmk_intercepted, ps->gmk_keys, ps->gmk_dropped,
			ps->group_calls, ps->floor_msgs, ps->gmk_given_up, ps->group_copies,
			ps->group_decrypted);
	for (size_t i = 0; i < ns; i++) {
		uint64_t recv = 0, drop = 0;
		if (s[i].file)
			fprintf(f, "limf capture: source %s: frames %" PRIu64 "\n", s[i].name,
				atomic_load(&s[i].frames));
		else if (src_kstats(&s[i], &recv, &drop))
			fprintf(f,
				"limf capture: source %s: frames %" PRIu64
				" kernel_received %" PRIu64 " kernel_dropped %" PRIu64 "\n",
				s[i].name, atomic_load(&s[i].frames), recv, drop);
	}
}

/* ---- health ---------------------------------------------------------------------------------- */

/* What source s handed to the pipeline, and what the kernel dropped (status, manifest). */
static void src_fill(struct src *s, struct limf_status_src *x)
{
	memset(x, 0, sizeof *x);
	x->name = s->name;
	x->live = !s->file;
	x->frames = atomic_load(&s->frames);
	x->bytes = atomic_load(&s->bytes);
	if (x->live) {
		x->have_kernel = src_kstats(s, &x->kernel_received, &x->kernel_dropped);
		x->failed = atomic_load(&s->failed);
	}
}

static void health_fill(void *ctx, struct limf_status *st)
{
	struct health *h = ctx;
	for (size_t i = 0; i < h->ns; i++)
		src_fill(&h->s[i], &h->ss[i]);
	st->uptime_ms = (lim_mono_ns() - h->t0) / 1000000u;
	st->n_src = h->ns;
	if (h->r->x23) { /* X2/X3: frames = PDUs fed to the pipeline */
		struct limf_status_src *x = &h->ss[h->ns];
		memset(x, 0, sizeof *x);
		x->name = "x2x3";
		x->live = true;
		x->frames = limf_x23_stats(h->r->x23)->fed;
		x->bytes = limf_x23_stats(h->r->x23)->fed_bytes;
		st->n_src++;
		st->x2x3 = limf_x23_srv_stats(h->r->x23); /* and its own section */
		st->x2x3_in = limf_x23_stats(h->r->x23);
		st->x2x3_listen = limf_x23_listen(h->r->x23);
	}
	st->src = h->ss;
	limf_pool_stats(h->p, &h->ps, &h->cs);
	st->cap = &h->cs;
	st->pipe = &h->ps;
	st->keys_cached = limf_pool_keys_cached(h->p);
	{
		/* the gate alarm: its errors grew since the last look, or within
		 * LIMF_GATE_ALARM_MS of it (a status read later still sees it) */
		uint64_t e = h->ps.decision_errors + h->ps.audit_errors + h->ps.cin_errors;
		if (e > h->gate_errors) {
			h->gate_errors = e;
			h->gate_grew_ms = st->uptime_ms;
			h->gate_grew = true;
		}
		st->gate_alarm =
			h->gate_grew && st->uptime_ms - h->gate_grew_ms < LIMF_GATE_ALARM_MS;
	}
	{
		/* the KMS certificate store: a conflict (another certificate under a recorded
		 * CertUri: a KMS re-keyed in place, or not the KMS) for the life of the process;
		 * a store that cannot be read or written as the gate's errors (it may pass) */
		if (h->ps.cert_store_failed > h->store_failed) {
			h->store_failed = h->ps.cert_store_failed;
			h->store_grew_ms = st->uptime_ms;
			h->store_grew = true;
		}
		st->cert_store_alarm =
			h->ps.cert_conflicts > 0 ||
			(h->store_grew && st->uptime_ms - h->store_grew_ms < LIMF_GATE_ALARM_MS);
	}
	{
		/* traffic lost to capacity limits (the counts that make the run's evidence
		 * incomplete, limf_pipe_incomplete): an alarm as the gate's while it grows */
		uint64_t lost = limf_lost(&h->cs, limf_status_kernel_dropped(h->ss, h->ns),
					  limf_pool_notes_lost(h->p));
		if (lost > h->lost) {
			h->lost = lost;
			h->lost_grew_ms = st->uptime_ms;
			h->lost_grew = true;
		}
		st->lost = lost;
		st->loss_alarm =
			h->lost_grew && st->uptime_ms - h->lost_grew_ms < LIMF_GATE_ALARM_MS;
	}
	st->have_bundle = limf_out_bundle_liids(h->r->out, &st->bundle_liids, &st->bundle_max_liids,
						&st->bundle_unrecorded);
	st->bundle_alarm = st->bundle_unrecorded > 0;
	st->undelivered = limf_out_undelivered(h->r->out);
	st->reload.last = h->r->reload_last;
	st->reload.at_ms = h->r->reload_at_ms;
	st->reload.why = h->r->reload_why;
	st->reload.applied = h->r->reloads_applied;
	st->reload.refused = h->r->reloads_refused;
	st->dlv = h->r->dlv;
}

static void health_close(struct run *r)
{
	limf_ctl_close(r->ctl);
	limf_metrics_close(r->metrics);
	r->ctl = NULL;
	r->metrics = NULL;
}

/* ---- the loop -------------------------------------------------------------------------------- */

/* A frame of s into the pool: its lane's, or (read by the loop) the caller's. */
static void src_frame(struct limf_pool *p, struct src *s, const struct cap_frame *f)
{
	bump(&s->frames, 1);
	bump(&s->bytes, f->caplen);
	if (f->ts_ns > atomic_load_explicit(&s->last_ts, memory_order_relaxed))
		atomic_store_explicit(&s->last_ts, f->ts_ns, memory_order_relaxed);
	if (s->lane)
		limf_pool_lane_frame(p, s->lane, f);
	else
		limf_pool_frame(p, f);
}

/* Feeds the file frames that are due at now (at most BATCH). Returns the ms until the next one
 * is due (0: more are due now, -1: the file has ended). */
static int feed_file(struct limf_pool *p, struct src *s, bool max_speed, uint64_t now,
		     uint64_t *t0_mono, uint64_t *t0_ts)
{
	for (int n = 0; n < BATCH; n++) {
		if (!s->pending) {
			bool got, eof;
			enum lim_err e = cap_source_try_next(s->s, &s->f, &got, &eof);
			if (e != LIM_OK || eof || !got) {
				if (e != LIM_OK) {
					fprintf(stderr, "limf: %s: read error (truncated file?)\n",
						s->name);
					s->failed = true;
				}
				s->done = true;
				return -1;
			}
			if (*t0_mono == 0) {
				uint64_t w = wall_ns();
				*t0_mono = now;
				*t0_ts = s->f.ts_ns;
				/* the mapping, for whoever relates wall-clock events to the file */
				fprintf(stderr,
					"limf capture: %s: first frame %" PRIu64 ".%09" PRIu64
					" played at wall %" PRIu64 ".%09" PRIu64 " (%s speed)\n",
					s->name, *t0_ts / 1000000000u, *t0_ts % 1000000000u,
					w / 1000000000u, w % 1000000000u,
					max_speed ? "max" : "recorded");
				/* the service judges warrants at the wall clock as well: one not in
				 * force now stops a recording's calls (an audit took that for a
				 * bug); a recording is replay's */
				if (w > FAR_BEHIND_NS && *t0_ts < w - FAR_BEHIND_NS)
					fprintf(stderr,
						"limf capture: WARNING: %s is %" PRIu64
						" h behind the wall clock: limf capture re-checks "
						"warrants at the wall clock, as a live service, so "
						"a "
						"warrant not in force now stops its calls; "
						"evidence "
						"from a recording comes from `limf replay`\n",
						s->name, (w - *t0_ts) / 3600000000000u);
			}
			s->due_ns = max_speed || s->f.ts_ns <= *t0_ts
					    ? 0
					    : *t0_mono + (s->f.ts_ns - *t0_ts);
			s->pending = true;
		}
		if (s->due_ns > now) {
			uint64_t ms = (s->due_ns - now + 999999u) / 1000000u;
			return ms > TURN_MS ? TURN_MS : (int)ms;
		}
		s->pending = false;
		src_frame(p, s, &s->f);
	}
	return 0;
}

static void drain_live(struct limf_pool *p, struct src *s)
{
	for (int n = 0; n < BATCH; n++) {
		struct cap_frame f;
		bool got, eof;
		enum lim_err e = cap_source_try_next(s->s, &f, &got, &eof);
		if (e != LIM_OK || eof) {
			fprintf(stderr, "limf: %s: capture failed: source closed\n", s->name);
			s->done = s->failed = true;
			return;
		}
		if (!got)
			return;
		src_frame(p, s, &f);
	}
}

/* At the end of a run: the buffered mode hands frames over in blocks, the last one when its
 * 100 ms timeout fires, so the live sources are drained for TAIL_NS more (a frame on the wire
 * before the stop is processed, not left in the kernel's ring). */
static void drain_tail(struct limf_pool *p, struct src *s, size_t ns)
{
	struct pollfd pfd[MAX_SOURCES];
	size_t src_of[MAX_SOURCES];
	uint64_t end = lim_mono_ns() + TAIL_NS;
	while (lim_mono_ns() < end) {
		nfds_t np = 0;
		for (size_t i = 0; i < ns; i++)
			if (!s[i].file && !s[i].done && !s[i].lane) {
				pfd[np].fd = s[i].fd;
				pfd[np].events = POLLIN;
				pfd[np].revents = 0;
				src_of[np++] = i;
			}
		if (np == 0)
			return;
		(void)poll(pfd, np, TURN_MS);
		for (nfds_t k = 0; k < np; k++)
			if (pfd[k].revents)
				drain_live(p, &s[src_of[k]]);
	}
}

/* ---- source threads (workers >= 2: one per source, limf/pool.h lanes) ------------------------ */

static void src_kernel(struct src *s)
{
	uint64_t recv, drop;
	if (!s->file && cap_source_kstats(s->s, &recv, &drop) == LIM_OK) {
		atomic_store(&s->k_recv, recv);
		atomic_store(&s->k_drop, drop);
		atomic_store(&s->have_kernel, true);
	}
}

static void *src_run(void *ctx)
{
	struct src *s = ctx;
	struct limf_pool *p = s->p;
	uint64_t next_k = 0;
	if (s->file) {
		uint64_t t0_mono = 0, t0_ts = 0;
		while (!atomic_load(&g_src_stop)) {
			int t = feed_file(p, s, s->max_speed, lim_mono_ns(), &t0_mono, &t0_ts);
			/* reassembly and TCP state expire on the file's own clock */
			limf_pool_lane_idle(p, s->lane, atomic_load(&s->last_ts));
			if (t < 0)
				break;
			if (t > 0)
				(void)poll(NULL, 0, t);
		}
	} else {
		struct pollfd pfd;
		uint64_t end = 0;
		for (;;) {
			uint64_t now = lim_mono_ns();
			if (atomic_load(&g_src_stop) && end == 0)
				end = now + TAIL_NS; /* what the kernel still holds (drain_tail) */
			if (end && now >= end)
				break;
			limf_pool_lane_idle(p, s->lane, wall_ns());
			if (now >= next_k) {
				src_kernel(s);
				next_k = now + 1000000000ull;
			}
			pfd.fd = s->fd;
			pfd.events = POLLIN;
			pfd.revents = 0;
			(void)poll(&pfd, 1, TURN_MS);
			if (pfd.revents)
				drain_live(p, s);
			if (atomic_load(&s->done))
				break;
		}
		src_kernel(s);
	}
	limf_pool_lane_idle(p, s->lane, 0);
	limf_pool_lane_done(p, s->lane);
	atomic_store(&s->done, true);
	return NULL;
}

/* Starts a thread per source (s[i].lane = i + 1); 0, or 1 when one could not be started. */
static int sources_start(struct limf_pool *p, struct src *s, size_t ns, bool max_speed)
{
	int rc = 0;
	/* signals go to this thread (its poll() returns at once): the source threads block all */
	for (size_t i = 0; i < ns && rc == 0; i++) {
		char name[32]; /* lim_thread_start keeps the first 15 characters */
		s[i].lane = (unsigned)i + 1;
		s[i].p = p;
		s[i].max_speed = max_speed;
		snprintf(name, sizeof name, "limf-src%zu", i);
		if (lim_thread_start(&s[i].th, src_run, &s[i], name) != 0) {
			s[i].lane = 0;
			rc = 1;
			break;
		}
		s[i].started = true;
	}
	return rc;
}

/* Stops and joins the source threads (each live one first drains its kernel ring for
 * TAIL_NS); 1 when a source failed. */
static int sources_stop(struct src *s, size_t ns)
{
	int rc = 0;
	atomic_store(&g_src_stop, true);
	for (size_t i = 0; i < ns; i++) {
		if (s[i].started)
			pthread_join(s[i].th, NULL);
		s[i].started = false;
		if (atomic_load(&s[i].failed))
			rc = 1;
	}
	return rc;
}

/* Runs until a stop condition; returns 0, or 1 when a source failed. */
static int loop(struct run *r, struct limf_pool *p, struct src *s, size_t ns, bool max_speed,
		uint64_t duration_ns)
{
	uint64_t start = lim_mono_ns(), next_recheck = start + RECHECK_NS;
	uint64_t t0_mono = 0, t0_ts = 0;
	struct pollfd pfd[MAX_SOURCES + LIMF_STATUS_MAX_FDS + 1 + LIMF_X23_MAX_FDS];
	size_t src_of[MAX_SOURCES];
	int rc = 0;
	while (!g_stop) {
		uint64_t now = lim_mono_ns();
		int tmo = TURN_MS;
		bool active = false;
		nfds_t np = 0, nsrc, nctl = 0, nx0 = 0, nx = 0;
		for (size_t i = 0; i < ns; i++) {
			if (s[i].done)
				continue;
			active = true;
			if (s[i].lane)
				continue; /* its thread reads it */
			if (s[i].file) {
				int t = feed_file(p, &s[i], max_speed, now, &t0_mono, &t0_ts);
				if (t >= 0 && t < tmo)
					tmo = t;
				if (s[i].failed)
					rc = 1;
			} else {
				pfd[np].fd = s[i].fd;
				pfd[np].events = POLLIN;
				pfd[np].revents = 0;
				src_of[np++] = i;
			}
		}
		if (!active && !r->x23)
			break; /* every source has ended (an X2/X3 listener runs until stopped) */
		nsrc = np;
		if (r->x23) {
			nx0 = np;
			nx = limf_x23_pollfds(r->x23, pfd + np, LIMF_X23_MAX_FDS);
			np += nx;
		}
		if (r->ctl) {
			nctl = limf_ctl_pollfds(r->ctl, pfd + np, LIMF_CTL_CLIENTS + 1);
			np += nctl;
		}
		if (r->metrics) {
			limf_metrics_pollfd(r->metrics, &pfd[np++]);
			tmo = limf_metrics_timeout_ms(r->metrics, tmo);
		}
		listen_open(r, now);
		nfds_t nlisten = np;
		if (r->listen_db && wr_db_fd(r->listen_db) >= 0) {
			pfd[np].fd = wr_db_fd(r->listen_db);
			pfd[np].events = POLLIN;
			pfd[np].revents = 0;
			np++;
		}
		limf_pool_kick(p); /* the workers take what is queued while this thread waits */
		if (np)
			(void)poll(pfd, np, tmo);
		else if (tmo > 0)
			(void)poll(NULL, 0, tmo);
		if (r->x23)
			limf_x23_step(r->x23, pfd + nx0, nx, lim_mono_ns() / 1000000u);
		/* the status answers read the handover's state: the workers' sink is held */
		limf_pool_sink_lock(p);
		if (r->ctl)
			limf_ctl_step(r->ctl, pfd + nsrc + nx, nctl, lim_mono_ns() / 1000000u);
		if (r->metrics)
			limf_metrics_step(r->metrics);
		limf_pool_sink_unlock(p);
		for (nfds_t k = 0; k < nsrc; k++)
			if (pfd[k].revents) {
				drain_live(p, &s[src_of[k]]);
				if (s[src_of[k]].failed)
					rc = 1;
			}
		if (r->dlv) {
			limf_pool_sink_lock(p);
			/* a spool error is said by the pump, per link, when it starts, changes
			 * and ends; the link retries by itself (its state: spool_error) */
			(void)!limf_dlv_pump(r->dlv, 0);
			limf_pool_sink_unlock(p);
		}
		now = lim_mono_ns();
		if (nlisten < np && pfd[nlisten].revents) {
			size_t changed = 0;
			if (wr_db_changes(r->listen_db, &changed) != LIM_OK) {
				fprintf(stderr,
					"limf: warrant notifications lost (%s): reconnecting\n",
					wr_db_msg(r->listen_db));
				wr_db_close(r->listen_db);
				r->listen_db = NULL;
				r->listen_retry = now + RECHECK_NS;
			} else if (changed) {
				r->notified += changed;
				next_recheck = now; /* a warrant changed: re-check the calls now */
				limf_x23_warrants_changed(r->x23); /* (and its XIDs) */
			}
		}
		if (now >= next_recheck) {
			size_t n = limf_pool_recheck(p, (int64_t)(wall_ns() / 1000u));
			if (n)
				fprintf(stderr,
					"limf: %zu LIID(s) of ongoing calls no longer under a "
					"warrant "
					"in force: their interception stopped\n",
					n);
			next_recheck = now + RECHECK_NS;
			/* live sources: time passes without frames too (idle calls end) */
			for (size_t i = 0; i < ns + (r->x23 ? 1 : 0); i++)
				if (i == ns || (!s[i].file && !s[i].done)) {
					limf_pool_tick(p, wall_ns());
					break;
				}
		}
		limf_health_tick(r->hl, now / 1000000u); /* takes the sink lock for its snapshot */
		limf_pool_sink_lock(p);
		if (g_hup) {
			g_hup = 0;
			reload(r);
		}
		limf_pool_sink_unlock(p);
		if (duration_ns && now - start >= duration_ns)
			break;
	}
	drain_tail(p, s, ns);
	return rc;
}

/* The end of X2/X3 input: what the POIs' connections hold is read for up to TAIL_NS (as the
 * live sources' kernel rings are drained), then the listener and connections close without
 * a close_notify (limf_x23_stop), before the calls are finished and the handover flushed: they
 * stayed open through both, up to 10 s, their PDUs acknowledged by TCP and never read, then
 * closed in order (an audit: 9800 PDUs after a SIGTERM lost, the POI none the wiser). */
static void x23_tail(struct limf_x23 *x)
{
	uint64_t end = lim_mono_ns() + TAIL_NS;
	limf_x23_stop_accepting(x); /* (a connection made now would only be cut: a review) */
	while (x && lim_mono_ns() < end) {
		struct pollfd pfd[LIMF_X23_MAX_FDS];
		size_t n = limf_x23_pollfds(x, pfd, LIMF_X23_MAX_FDS);
		if (n == 0)
			break;
		(void)poll(pfd, (nfds_t)n, TURN_MS);
		limf_x23_step(x, pfd, n, lim_mono_ns() / 1000000u);
	}
	limf_x23_stop(x);
}

static void sink_lock(void *p)
{
	limf_pool_sink_lock(p);
}

static void sink_unlock(void *p)
{
	limf_pool_sink_unlock(p);
}

/* ---- options and set-up ---------------------------------------------------------------------- */

struct c_opts {
	const char *config, *bpf, *pcap, *speed, *liid, *record, *duration, *snaplen, *buffer_mb;
	const char *instance, *workers;
	const char *x2x3, *x2x3_ca, *x2x3_cert, *x2x3_key, *x2x3_crl; /* X2/X3 input (x2x3_in.h) */
	const char *x2x3_flag; /* --x2x3 as given (x2x3 may come from [x2x3] listen) */
	size_t n_if;
	const char *ifs[MAX_IFACES];
	bool immediate, verify_csum;
};

static void capture_usage(FILE *f)
{
	fputs("usage: limf capture --config FILE [-i IFACE]... [--bpf FILTER] [--snaplen N]\n"
	      "                    [--buffer-mb N] [--immediate] [--pcap FILE]\n"
	      "                    [--speed recorded|max] [--liid L] [--record DIR]\n"
	      "                    [--duration SECONDS] [--instance NAME] [--workers N]\n"
	      "                    [--x2x3 ADDR:PORT [--x2x3-ca F --x2x3-cert F --x2x3-key F]\n"
	      "                     [--x2x3-crl F]] [--verify-checksums]\n"
	      "The live service: captures calls on the interfaces (promiscuous; up to 8 -i)\n"
	      "(and X2/X3 input), or plays a pcap file at its recorded speed, intercepts the calls "
	      "of\n"
	      "targets under a warrant in force (keys from the config's KMS) and hands their\n"
	      "IRI and CC over to the authority each warrant's delivery names ([authority NAME]),\n"
	      "through the durable spool. --record DIR also writes an evidence bundle. Warrant\n"
	      "changes take effect while running (checked every second). Stops at SIGTERM or\n"
	      "SIGINT (flushes the handover for up to 10 s), after --duration, or when every\n"
	      "source has ended; prints a summary on stderr. --buffer-mb: the kernel ring of\n"
	      "each interface (default 32 MiB); frames reach limf within 100 ms, --immediate:\n"
	      "at once (a ring slot per frame: give it a much larger --buffer-mb). Reports its\n"
	      "health into the database as --instance NAME (default $LIMF_INSTANCE, else\n"
	      "HOST:PID) for `limf status --all`.\n"
	      "--x2x3 ADDR:PORT (or [x2x3] listen): a TLS listener for points of interception\n"
	      "(ETSI TS 103 221-2; client certificates signed by --x2x3-ca / [x2x3] ca); their\n"
	      "X2 SIP and X3 RTP enter the same pipeline.\n"
	      "--workers N (else LIMF_WORKERS, else one per CPU, 2..16): N pipeline threads\n"
	      "and a capture thread per source, which dispatches each call's SIP and media to\n"
	      "one of them (a worker's full queue drops the packet, counted as queue_full);\n"
	      "--workers 1: one thread for everything.\n"
	      "--verify-checksums drops SIP datagrams and TCP segments whose UDP/TCP checksum\n"
	      "is wrong, as their receiver does (counted as l4_checksum drops), so that such a\n"
	      "packet can neither end nor change a call. For a tap or mirror port, not for a\n"
	      "party's own host (checksum offload leaves its outgoing packets unsummed); it\n"
	      "applies to X2 PDUs that carry whole IP packets too.\n",
	      f);
}

static void hash_tap(void *ctx, const uint8_t *p, size_t n)
{
	ho_digest_update(ctx, p, n);
}

static int open_sources(const struct c_opts *o, long snaplen, long buffer_mb, struct src *s,
			size_t *ns)
{
	*ns = 0;
	for (size_t i = 0; i < o->n_if; i++) {
		struct cap_live_cfg lc;
		struct src *x = &s[(*ns)++];
		memset(&lc, 0, sizeof lc);
		lc.iface = o->ifs[i];
		lc.bpf = o->bpf;
		lc.snaplen = (uint32_t)snaplen;
		lc.buffer_size = (uint32_t)(buffer_mb ? buffer_mb : DEFAULT_BUFFER_MB) << 20;
		lc.promisc = true;
		lc.immediate = o->immediate;
		x->name = o->ifs[i];
		if (cap_source_open_live_cfg(&lc, &x->s) != LIM_OK) {
			fprintf(stderr,
				"limf: %s: cannot capture (no such interface, no permission "
				"or a bad filter)\n",
				o->ifs[i]);
			return 1;
		}
		x->fd = cap_source_fd(x->s);
		if (x->fd < 0) {
			fprintf(stderr, "limf: %s: no selectable descriptor\n", o->ifs[i]);
			return 1;
		}
	}
	if (o->pcap) {
		struct src *x = &s[(*ns)++];
		enum lim_err e = LIM_OK;
		x->name = o->pcap;
		x->file = true;
		x->fd = -1;
		/* recorded: the manifest's input digest is of the octets this source reads, not of
		 * the path read again (the file may grow or be replaced meanwhile) */
		if (o->record) {
			struct cap_tap tap;
			e = ho_digest_new(&x->dg);
			tap.fn = hash_tap;
			tap.ctx = x->dg;
			if (e == LIM_OK)
				e = cap_source_open_file_tap(o->pcap, &tap, &x->s);
		} else {
			e = cap_source_open_file(o->pcap, &x->s);
		}
		if (e != LIM_OK) {
			fprintf(stderr, "limf: %s: cannot read as pcap/pcapng\n", o->pcap);
			return 1;
		}
	}
	return 0;
}

/* The service's default pool: a worker per online CPU, at least 2 (so a KMS request or an
 * audit row of one call never stalls the capture threads), at most 16. */
static unsigned default_workers(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 2 ? 2u : n > 16 ? 16u : (unsigned)n;
}

/* A random seed for the dispatcher's hashes (traffic cannot aim at one worker). */
static uint32_t seed(void)
{
	uint32_t v = 0;
	if (getrandom(&v, sizeof v, 0) != (ssize_t)sizeof v)
		v = (uint32_t)(lim_mono_ns() ^ (uint64_t)getpid() << 16);
	return v;
}

/* The listener's settings from the flags over the [x2x3] section of c (the listen address is
 * the flag's, else c's). 0, or 1 with a message (prefix: "limf: " or "limf: SIGHUP: "). */
static int x23_cfg(const struct c_opts *o, const struct limf_conf *c, struct limf_x23_cfg *xc,
		   const char *pfx)
{
	long mc = 0, hs = 0;
	memset(xc, 0, sizeof *xc);
	xc->listen = o->x2x3_flag ? o->x2x3_flag : c->x2x3_listen;
	xc->ca = o->x2x3_ca ? o->x2x3_ca : c->x2x3_ca;
	xc->cert = o->x2x3_cert ? o->x2x3_cert : c->x2x3_cert;
	xc->key = o->x2x3_key ? o->x2x3_key : c->x2x3_key;
	xc->crl = o->x2x3_crl ? o->x2x3_crl : c->x2x3_crl;
	if (!limf_num_opt(c->x2x3_max_conns[0] ? c->x2x3_max_conns : NULL, 1, CAP_X2X3_MAX_CONNS,
			  &mc)) {
		fprintf(stderr, "%s[x2x3] max_conns: 1..%d\n", pfx, CAP_X2X3_MAX_CONNS);
		return 1;
	}
	if (!limf_num_opt(c->x2x3_hs_timeout[0] ? c->x2x3_hs_timeout : NULL, 1, 300, &hs)) {
		fprintf(stderr, "%s[x2x3] handshake_timeout: 1..300 seconds\n", pfx);
		return 1;
	}
	xc->max_conns = (size_t)mc;
	xc->hs_ms = (uint64_t)hs * 1000u;
	if (!xc->ca[0] || !xc->cert[0] || !xc->key[0]) {
		fprintf(stderr,
			"%s--x2x3 needs --x2x3-ca, --x2x3-cert and --x2x3-key (or [x2x3] ca, "
			"cert, key)\n",
			pfx);
		return 1;
	}
	return 0;
}

/* --x2x3: the X2/X3 listener (flags over the [x2x3] section). 0, or 1 with a message. */
static int x23_open(const struct c_opts *o, const struct limf_conf *c, struct limf_pool *p,
		    struct wr_db *db, struct run *r)
{
	struct limf_x23_cfg xc;
	char why[512];
	if (x23_cfg(o, c, &xc, "limf: ") != 0)
		return 1;
	xc.listen = o->x2x3;
	xc.db = db; /* PDUs only for XIDs of warrants in force */
	if (limf_x23_open(&xc, p, &r->x23, why, sizeof why) != LIM_OK) {
		fprintf(stderr, "limf: %s\n", why);
		return 1;
	}
	fprintf(stderr, "limf capture: x2x3: listening on %s (port %u)\n", o->x2x3,
		(unsigned)limf_x23_port(r->x23));
	return 0;
}

/* SIGHUP, [x2x3]: a new TLS context (files read again) and caps for the running listener; a
 * changed listen address is reported and not applied; any error keeps what runs. */
static void x23_reload(struct run *r, const struct limf_conf *nc)
{
	struct limf_x23_cfg xc;
	char why[512];
	bool kept = false;
	if (!r->x23) {
		if (nc->x2x3_listen[0])
			fprintf(stderr,
				"limf: SIGHUP: [x2x3] listen = %s: the X2/X3 input starts "
				"at the next start\n",
				nc->x2x3_listen);
		return;
	}
	if (x23_cfg(r->opts, nc, &xc, "limf: SIGHUP: ") != 0) {
		fprintf(stderr, "limf: SIGHUP: x2x3: keeping the running TLS context and "
				"settings\n");
		return;
	}
	if (limf_x23_reload(r->x23, &xc, &kept, why, sizeof why) != LIM_OK)
		fprintf(stderr,
			"limf: SIGHUP: %s: keeping the running TLS context and settings (new POI "
			"connections still get the old certificate)\n",
			why);
	else
		fprintf(stderr,
			"limf: SIGHUP: x2x3: TLS context reloaded (certificate %s, CA %s; "
			"max_conns %zu, handshake_timeout %llu s): new POI connections use it, "
			"open ones go on\n",
			xc.cert, xc.ca, limf_x23_srv_stats(r->x23)->max_conns,
			(unsigned long long)(limf_x23_srv_stats(r->x23)->hs_ms / 1000u));
	if (kept)
		fprintf(stderr,
			"limf: SIGHUP: x2x3: listen address changed (%s -> %s): needs a restart; "
			"still listening on %s\n",
			limf_x23_listen(r->x23), xc.listen[0] ? xc.listen : "none",
			limf_x23_listen(r->x23));
}

/* Signals during start-up (it opens the database, the KMS and the spools, which takes a while
 * with a large backlog, a slow KMS or database): their default action would kill the service.
 * First thing, SIGHUP is blocked (acted on once the loop runs: a reload at its first turn)
 * and SIGTERM/SIGINT set the stop flag (SA_RESTART: start-up's calls go on; the loop then
 * does not start and the run ends cleanly; a second one exits at once, as in the loop, so a
 * start-up stuck on an unreachable server can still be interrupted). Before the worker and
 * source threads start, all three are blocked so that those threads keep them blocked;
 * signals_mask(SIG_UNBLOCK) lets this thread take them once the loop is about to run. */
static void signals_mask(int how, bool hup_only)
{
	sigset_t ss;
	sigemptyset(&ss);
	if (!hup_only) {
		sigaddset(&ss, SIGTERM);
		sigaddset(&ss, SIGINT);
	}
	sigaddset(&ss, SIGHUP);
	(void)pthread_sigmask(how, &ss, NULL);
}

static void signals_early(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signals_mask(SIG_BLOCK, true);
}

static void set_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop; /* no SA_RESTART: poll() returns at once */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/* As the user (pv->drop): may it write the directories and read the files used after the
 * drop? Those are also limf.conf itself and the [x2x3] TLS files, which every SIGHUP re-reads
 * as the user (a root-only one would make each later reload fail). 0, or 1 with a message. */
static int privs_check(const struct limf_privs *pv, const struct limf_conf *c,
		       const struct c_opts *o)
{
	const char *files[8 + 3 * LIMF_CONF_AUTH];
	const char *record = o->record;
	size_t nf = 0;
	char why[2 * LIMF_CONF_PATH];
	bool ok = true;
	files[nf++] = o->config;
	if (o->x2x3) {
		files[nf++] = o->x2x3_ca ? o->x2x3_ca : c->x2x3_ca;
		files[nf++] = o->x2x3_cert ? o->x2x3_cert : c->x2x3_cert;
		files[nf++] = o->x2x3_key ? o->x2x3_key : c->x2x3_key;
		if ((o->x2x3_crl ? o->x2x3_crl : c->x2x3_crl)[0])
			files[nf++] = o->x2x3_crl ? o->x2x3_crl : c->x2x3_crl;
	}
	files[nf++] = limf_setting(NULL, c->kms_ca, "LIMF_KMS_CA");
	files[nf++] = limf_setting(NULL, c->kms_cert, "LIMF_KMS_CERT");
	files[nf++] = limf_setting(NULL, c->kms_key, "LIMF_KMS_KEY");
	for (size_t i = 0; i < c->n_auth; i++) {
		files[nf++] = c->auth[i].ca;
		files[nf++] = c->auth[i].cert;
		files[nf++] = c->auth[i].key;
	}
	if (limf_privs_become(pv) != LIM_OK) {
		fprintf(stderr, "limf: cannot take on user %s's ids to check its access\n",
			pv->user);
		return 1;
	}
	if (c->spool_dir[0] && !limf_privs_dir_ok(pv, c->spool_dir, why, sizeof why)) {
		fprintf(stderr, "limf: [handover] spool_dir %s: refusing to start\n", why);
		ok = false;
	}
	if (ok && record && !limf_privs_dir_ok(pv, record, why, sizeof why)) {
		fprintf(stderr, "limf: --record %s: refusing to start\n", why);
		ok = false;
	}
	for (size_t i = 0; ok && i < nf; i++)
		if (files[i] && files[i][0] && !limf_privs_file_ok(pv, files[i], why, sizeof why)) {
			fprintf(stderr,
				"limf: %s (read after the drop to user %s): refusing to "
				"start\n",
				why, pv->user);
			ok = false;
		}
	if (limf_privs_restore(pv) != LIM_OK) {
		fprintf(stderr, "limf: cannot return to root after the access checks\n");
		return 1;
	}
	return ok ? 0 : 1;
}

/* see cli.h */
int limf_cmd_capture(int argc, char **argv)
{
	struct c_opts o;
	struct limf_conf conf;
	struct run *r = NULL;
	struct limf_pool *p = NULL;
	struct wr_kms *kms = NULL;
	struct wr_db *db = NULL, *xdb = NULL;
	unsigned workers = 1;
	struct src s[MAX_SOURCES];
	size_t ns = 0;
	char why[512];
	const char *url, *sign_key = NULL;
	struct ho_sign_key *skey = NULL; /* --record: held from the start, signs at the end */
	long duration = 0, snaplen = 0, buffer_mb = 0, grace_s = 0, late_rate = 0;
	uint64_t last_ts = 0, t_start;
	struct limf_status_src fin[MAX_SOURCES]; /* the sources at the end (the manifest's) */
	struct health health;
	struct limf_privs pv;
	struct cap_calls_limits climits;
	int rc = 1, src_rc;
	const struct limf_opt opts[] = {
		{ "--config", &o.config, NULL, NULL, NULL, 0 },
		{ "-i", NULL, NULL, o.ifs, &o.n_if, MAX_IFACES },
		{ "--bpf", &o.bpf, NULL, NULL, NULL, 0 },
		{ "--snaplen", &o.snaplen, NULL, NULL, NULL, 0 },
		{ "--buffer-mb", &o.buffer_mb, NULL, NULL, NULL, 0 },
		{ "--immediate", NULL, &o.immediate, NULL, NULL, 0 },
		{ "--verify-checksums", NULL, &o.verify_csum, NULL, NULL, 0 },
		{ "--pcap", &o.pcap, NULL, NULL, NULL, 0 },
		{ "--speed", &o.speed, NULL, NULL, NULL, 0 },
		{ "--liid", &o.liid, NULL, NULL, NULL, 0 },
		{ "--record", &o.record, NULL, NULL, NULL, 0 },
		{ "--duration", &o.duration, NULL, NULL, NULL, 0 },
		{ "--instance", &o.instance, NULL, NULL, NULL, 0 },
		{ "--x2x3", &o.x2x3, NULL, NULL, NULL, 0 },
		{ "--x2x3-ca", &o.x2x3_ca, NULL, NULL, NULL, 0 },
		{ "--x2x3-cert", &o.x2x3_cert, NULL, NULL, NULL, 0 },
		{ "--x2x3-key", &o.x2x3_key, NULL, NULL, NULL, 0 },
		{ "--x2x3-crl", &o.x2x3_crl, NULL, NULL, NULL, 0 },
		{ "--workers", &o.workers, NULL, NULL, NULL, 0 },
	};
	memset(&o, 0, sizeof o);
	memset(s, 0, sizeof s);
	signals_early(); /* before anything that takes time (signals_mask) */
	if (limf_wants_help(argc, argv)) {
		capture_usage(stdout);
		return 0;
	}
	if (limf_parse_opts(argc, argv, opts, sizeof opts / sizeof opts[0], NULL, 0) != 0 ||
	    !o.config ||
	    (o.speed && strcmp(o.speed, "recorded") != 0 && strcmp(o.speed, "max") != 0) ||
	    !limf_num_opt(o.duration, 1, MAX_DURATION, &duration) ||
	    !limf_num_opt(o.snaplen, 64, 262144, &snaplen) ||
	    !limf_num_opt(o.buffer_mb, 1, 1024, &buffer_mb)) {
		capture_usage(stderr);
		return 2;
	}
	if (limf_workers_opt(limf_setting(o.workers, NULL, "LIMF_WORKERS"), &workers) != 0)
		return 2;
	if (!limf_setting(o.workers, NULL, "LIMF_WORKERS"))
		workers = default_workers();
	limf_conf_init(&conf);
	if (limf_conf_load(o.config, &conf, why, sizeof why) != LIM_OK) {
		fprintf(stderr, "limf: %s\n", why);
		return 1;
	}
	o.x2x3_flag = o.x2x3;
	if (!o.x2x3 && conf.x2x3_listen[0])
		o.x2x3 = conf.x2x3_listen;
	if (o.n_if == 0 && !o.pcap && !o.x2x3) {
		capture_usage(stderr);
		return 2;
	}
	if (o.pcap && (o.n_if || o.x2x3)) {
		fprintf(stderr,
			"limf: --pcap does not run beside %s: a file's frames keep their "
			"recorded times and live input the wall clock, which one call table "
			"cannot age together (the file's calls would end early)\n",
			o.n_if        ? "-i"
			: o.x2x3_flag ? "--x2x3"
				      : "[x2x3] listen");
		return 2;
	}
	if (!limf_num_opt(conf.recheck_grace[0] ? conf.recheck_grace : NULL, 1, 3600, &grace_s)) {
		fprintf(stderr, "limf: [database] recheck_grace: 1..3600 seconds\n");
		return 1;
	}
	if (!limf_num_opt(conf.late_rate[0] ? conf.late_rate : NULL, 1, 100000, &late_rate)) {
		fprintf(stderr, "limf: [database] late_rate: 1..100000 calls a second\n");
		return 1;
	}
	if (conf.metrics[0] && !limf_metrics_addr_ok(conf.metrics)) {
		fprintf(stderr,
			"limf: [service] metrics = %s refused: 127.x.x.x:PORT or [::1]:PORT only "
			"(loopback)\n",
			conf.metrics);
		return 1;
	}
	limf_secure_heap_warn();
	url = limf_setting(NULL, conf.kms_url, "LIMF_KMS_URL");
	if (o.record) {
		sign_key = limf_setting(NULL, conf.sign_key, "LIMF_SIGN_KEY");
		if (!sign_key) {
			fprintf(stderr, "limf: --record needs a readable evidence signing key "
					"([evidence] sign_key)\n");
			return 1;
		}
		/* loaded and made to sign now, as root, and held: the recording, maybe days of
		 * content, is signed at its end by this key, whatever became of the file (read
		 * again then, a file replaced meanwhile signed it with another key, one removed
		 * left it unsigned), and the user the service drops to need not read it */
		if (limf_sign_key(sign_key, &skey) != 0)
			return 1;
	}
	if (limf_privs_init(&pv, conf.svc_user, conf.svc_group, why, sizeof why) != LIM_OK) {
		fprintf(stderr, "limf: %s: refusing to start\n", why);
		ho_sign_key_free(skey);
		return 1;
	}
	if (pv.root && !pv.drop)
		fprintf(stderr, "limf: WARNING: running as root with no [service] user: every "
				"privilege is kept for the whole run (set [service] user)\n");
	if (pv.drop && privs_check(&pv, &conf, &o) != 0) {
		ho_sign_key_free(skey);
		return 1;
	}
	r = calloc(1, sizeof *r);
	if (!r) {
		fprintf(stderr, "limf: out of memory\n");
		ho_sign_key_free(skey);
		return 1;
	}
	r->conf = &conf;
	r->opts = &o;
	r->config_path = o.config;
	r->conninfo = limf_setting(NULL, conf.db, "LIMF_DB");
	if (!r->conninfo)
		r->conninfo = "";
	if (limf_open_db(r->conninfo, &db) != 0)
		goto out;
	/* the spool and the bundle are created as the user (pv.drop) */
	if (limf_privs_become(&pv) != LIM_OK) {
		fprintf(stderr, "limf: cannot take on user %s's ids\n", pv.user);
		goto out;
	}
	if (limf_dlv_new(&conf, limf_pool_seq_keys(workers), &r->dlv, why, sizeof why) != LIM_OK) {
		fprintf(stderr, "limf: handover: %s\n", why[0] ? why : "cannot start");
		goto out;
	}
	r->cin_db = db; /* CINs shared with every instance on this database */
	limf_dlv_set_cin_db(r->dlv, db);
	if (limf_dlv_new_run(r->dlv) != LIM_OK)
		fprintf(stderr, "limf: handover: the spools' sequence counters of earlier runs "
				"could not be dropped (they stay until a later start)\n");
	if (conf.n_auth == 0)
		fprintf(stderr, "limf: no [authority] in the config: nothing is handed over%s\n",
			o.record ? " (recorded only)" : "");
	/* live keys expire with their key period (no keep_ended) */
	if (limf_kms_open(url, limf_setting(NULL, conf.kms_ca, "LIMF_KMS_CA"),
			  limf_setting(NULL, conf.kms_cert, "LIMF_KMS_CERT"),
			  limf_setting(NULL, conf.kms_key, "LIMF_KMS_KEY"), conf.kms_refresh, false,
			  &kms) != 0)
		goto out;
	if (o.record) {
		if (limf_bundle_open(o.record, &r->b) != 0)
			goto out;
	}
	if (limf_privs_restore(&pv) != LIM_OK) {
		fprintf(stderr, "limf: cannot return to root to open the sources\n");
		goto out;
	}
	cap_calls_limits_default(&climits);
	climits.verify_csum = o.verify_csum;
	{
		struct limf_pool_cfg pc;
		memset(&pc, 0, sizeof pc);
		pc.workers = workers;
		pc.pipe.limits = &climits;
		pc.pipe.db = db;
		pc.pipe.kms = kms;
		pc.pipe.only_liid = o.liid;
		pc.pipe.recheck_grace_us = (int64_t)grace_s * 1000000; /* 0: the default */
		pc.pipe.late_rate = (int)late_rate;                    /* 0: the default */
		struct limf_out_cfg oc = { r->b, r->dlv, db, &conf };
		if (limf_out_new(&oc, &r->out) != LIM_OK) {
			fprintf(stderr, "limf: out of memory\n");
			goto out;
		}
		pc.pipe.sink = limf_out_sink(r->out);
		/* each worker its own database connection (the KMS client is shared); the
		 * queues drop rather than stall a live capture (counted as queue_full); the
		 * threads start once root is dropped */
		pc.open = limf_worker_open;
		pc.close = limf_worker_close;
		pc.ctx = (void *)r->conninfo;
		pc.lossy = o.n_if > 0 || o.x2x3;
		pc.defer_start = true;
		pc.hash_seed = seed();
		/* with workers, one capture thread per source (a lane each): this thread keeps
		 * the X2/X3 input, the links, the health answers and the warrant re-checks */
		pc.lanes = workers > 1 ? (unsigned)(o.n_if + (o.pcap ? 1 : 0)) : 0;
		pc.caller_frames = o.x2x3 != NULL; /* X2/X3 PDUs enter on this thread */
		if (limf_pool_new(&pc, &p) != LIM_OK) {
			fprintf(stderr, "limf: the pipeline could not be set up\n");
			goto out;
		}
	}
	/* sources last: a live capture starts only when everything else is ready */
	if (open_sources(&o, snaplen, buffer_mb, s, &ns) != 0)
		goto out;
	/* the X2/X3 listener checks XIDs on the capture thread: with workers, on a connection
	 * of its own (the caller's is the sink's) */
	if (o.x2x3 && workers > 1 && limf_open_db(r->conninfo, &xdb) != 0)
		goto out;
	if (o.x2x3 && x23_open(&o, &conf, p, xdb ? xdb : db, r) != 0)
		goto out;
	t_start = lim_mono_ns();
	memset(&health, 0, sizeof health);
	health.r = r;
	health.p = p;
	health.s = s;
	health.ns = ns;
	health.t0 = t_start;
	if (conf.control_socket[0] && limf_ctl_open(conf.control_socket, health_fill, &health,
						    &r->ctl, why, sizeof why) != LIM_OK) {
		fprintf(stderr, "limf: control socket: %s\n", why);
		goto out;
	}
	/* made as root (0600): the service user's, so that it (and root) can ask for status */
	if (r->ctl && pv.drop && lchown(conf.control_socket, pv.uid, pv.gid) != 0)
		fprintf(stderr,
			"limf: control socket %s: cannot be given to user %s (%s): only root can "
			"ask for status\n",
			conf.control_socket, pv.user, strerror(errno));
	if (conf.metrics[0] && limf_metrics_open(conf.metrics, health_fill, &health, &r->metrics,
						 why, sizeof why) != LIM_OK) {
		fprintf(stderr, "limf: %s\n", why);
		goto out;
	}
	/* the LISTEN connection too, while its socket is surely within reach (a reconnection
	 * later is the user's); then everything privileged is open: drop root for good */
	listen_open(r, lim_mono_ns());
	if (limf_health_open(r->conninfo, o.instance, health_fill, &health, &r->hl, why,
			     sizeof why) != LIM_OK) {
		fprintf(stderr, "limf: health reports: %s\n", why);
		goto out;
	}
	limf_health_set_lock(r->hl, sink_lock, sink_unlock, p);
	/* no CAP_NET_RAW kept, even live: the parsers of hostile SIP, SDP, MIKEY and RTP must not
	 * be able to sniff or inject on every interface (review-live finding 7) */
	if (limf_privs_drop(&pv, false, why, sizeof why) != LIM_OK) {
		fprintf(stderr, "limf: dropping root: %s: refusing to run\n", why);
		goto out;
	}
	if (pv.drop)
		fprintf(stderr,
			"limf capture: dropped root: user %s (uid %u gid %u), no capabilities\n",
			pv.user, (unsigned)pv.uid, (unsigned)pv.gid);
	signals_mask(SIG_BLOCK, false); /* the threads started from here keep them blocked */
	if (limf_pool_start(p) != LIM_OK) {
		fprintf(stderr, "limf: cannot start the worker threads\n");
		goto out;
	}
	set_signals();
	if (limf_pool_lanes(p) && sources_start(p, s, ns, o.speed && strcmp(o.speed, "max") == 0)) {
		fprintf(stderr, "limf: cannot start the source threads\n");
		(void)sources_stop(s, ns);
		goto out;
	}
	signals_mask(SIG_UNBLOCK, false); /* this thread only: what came during start-up now */
	if (limf_pool_lanes(p))
		fprintf(stderr, "limf capture: %u workers, a capture thread per source\n",
			limf_pool_workers(p));
	fprintf(stderr, "limf capture: running (%zu source(s), %zu authorit%s)\n", ns,
		limf_dlv_count(r->dlv), limf_dlv_count(r->dlv) == 1 ? "y" : "ies");
	src_rc = loop(r, p, s, ns, o.speed && strcmp(o.speed, "max") == 0,
		      (uint64_t)duration * 1000000000ull);
	x23_tail(r->x23);
	if (sources_stop(s, ns))
		src_rc = 1;
	for (size_t i = 0; i < ns; i++)
		if (atomic_load(&s[i].last_ts) > last_ts)
			last_ts = atomic_load(&s[i].last_ts);
	health_close(r); /* the health answers end with the loop */
	if (g_stop)
		fprintf(stderr, "limf capture: signal %d: stopping\n", (int)g_stop);
	/* live frames carry wall-clock times; a file's calls end at its last frame */
	limf_pool_finish(p, o.n_if || r->x23 ? wall_ns() : last_ts);
	rc = src_rc;
	for (size_t i = 0; i < ns; i++)
		src_fill(&s[i], &fin[i]);
	if (r->b) {
		/* the audit chain's head after the run's rows, as replay's bundle has it (an
		 * audit: README promises it of every bundle, and --record's had none) */
		char *extra =
			limf_out_manifest(r->out, p, url, kms, fin, ns, LIMF_AUDIT_MEMBER_MAX);
		enum lim_err e = limf_out_error(r->out) ? LIM_E_IO : LIM_OK;
		if (extra) {
			struct limf_audit_mark am;
			char *x;
			limf_audit_mark_read(db, &am);
			x = limf_with_audit(extra, &am, o.verify_csum ? limf_put_verify_csum : NULL,
					    NULL);
			free(extra);
			extra = x;
		}
		if (!extra)
			e = LIM_E_NOMEM;
		/* the file's octets as its source read them (sources_stop joined its thread) */
		for (size_t i = 0; i < ns && e == LIM_OK; i++) {
			uint64_t size = 0;
			uint8_t sha[32];
			if (!s[i].dg)
				continue;
			e = ho_digest_final(s[i].dg, &size, sha);
			if (e == LIM_OK)
				e = ho_bundle_input_digest(r->b, s[i].name, size, sha);
		}
		if (e == LIM_OK)
			e = ho_bundle_close_key(r->b, limf_version(), extra, skey);
		else
			ho_bundle_abort(r->b);
		r->b = NULL;
		free(extra);
		if (e != LIM_OK) {
			fprintf(stderr, "limf: the evidence bundle %s is not complete: %s\n",
				o.record,
				limf_out_error(r->out) ? limf_out_error(r->out) : lim_strerror(e));
			rc = 1;
		}
	}
	if (limf_dlv_count(r->dlv) && limf_dlv_flush(r->dlv, lim_mono_ms() + FLUSH_MS) != LIM_OK)
		fprintf(stderr,
			"limf capture: not all PDUs were confirmed: they stay spooled in %s "
			"(delivered by the next run or `limf handover flush --config %s`)\n",
			r->conf->spool_dir, o.config);
	/* (r->conf: the spool of the configuration in force, which a reload may have moved) */
	limf_health_close(r->hl); /* the last report: stopped */
	r->hl = NULL;
	summary(stderr, r, p, s, ns, (double)(lim_mono_ns() - t_start) / 1e9);
	limf_x23_summary(r->x23, stderr);
	{
		struct limf_out_stats ost;
		char lost[HO_BUNDLE_INCOMPLETE_MAX + 1];
		uint64_t kdrop = limf_status_kernel_dropped(fin, ns);
		limf_out_stats(r->out, &ost);
		/* what the manifest of --record says (without it, the handover lacked what the
		 * pipeline lost; LIIDs the bundle could not hold went on to the handover) */
		if (limf_out_incomplete(r->out, p, kdrop, lost, sizeof lost)) {
			fprintf(stderr, "limf capture: ALARM: the interception is INCOMPLETE: %s\n",
				lost);
			if (rc == 0)
				rc = 3;
		}
		if (ost.dlv_refused && rc == 0)
			rc = 3;
		if (ost.undelivered) {
			fprintf(stderr,
				"limf capture: ALARM: %" PRIu64
				" record(s) of LIIDs whose delivery "
				"names no [authority] were not handed over\n",
				ost.undelivered);
			if (rc == 0)
				rc = 3;
		}
	}
out:
	if (r)
		limf_health_close(r->hl); /* reads the sources and the pipeline */
	for (size_t i = 0; i < ns; i++) {
		cap_source_close(s[i].s);
		ho_digest_free(s[i].dg);
	}
	limf_pool_free(p);
	if (r) {
		health_close(r);
		limf_x23_free(r->x23);
		wr_db_close(r->listen_db);
		limf_out_free(r->out);
		if (r->b)
			ho_bundle_abort(r->b);
		limf_dlv_free(r->dlv);
		free(r->conf_heap);
		free(r);
	}
	wr_kms_free(kms);
	wr_db_close(xdb);
	wr_db_close(db);
	ho_sign_key_free(skey);
	return rc;
}
