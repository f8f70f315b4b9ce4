/* Health of the live service: see status.h. */
#include "limf/status.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/json.h"
#include "handover/deliver.h"

/* ---- rendering ------------------------------------------------------------------------------- */

static const char *const stream_name[2] = { "hi2", "hi3" };

/* The last reload's wall-clock time as YYYY-MM-DDTHH:MM:SS.mmmZ (UTC). */
static void reload_time(const struct limf_status_reload *rl, char out[32])
{
	struct tm tm;
	time_t t = (time_t)(rl->at_ms / 1000u);
	size_t n;
	out[0] = '\0';
	if (!gmtime_r(&t, &tm))
		return;
	n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%03uZ", (unsigned)(rl->at_ms % 1000u));
}

static const char *reload_name(enum limf_reload r)
{
	return r == LIMF_RELOAD_APPLIED ? "applied" : r == LIMF_RELOAD_REFUSED ? "refused" : "none";
}

/* The last reload refused: the running configuration is not the file's (an alarm until a
 * later reload is applied). */
static bool reload_alarm(const struct limf_status *st)
{
	return st->reload.last == LIMF_RELOAD_REFUSED;
}

/* ---- the X2/X3 input: its counters as (name, value) lists, rendered by all three formats ---- */

struct kv {
	const char *k;
	uint64_t v;
};

enum { X23_CONN_REFUSED = 7, X23_PDU_REFUSED = 4, X23_TYPES = 4 };
/* one kv[CAP_X2X3_R__COUNT] buffer serves every list */
_Static_assert((int)CAP_X2X3_R__COUNT >= (int)X23_CONN_REFUSED, "kv buffer");

/* Connections refused or closed before they carried a PDU, by reason. */
static void x23_conn_refused(const struct cap_x2x3_stats *x, struct kv out[X23_CONN_REFUSED])
{
	uint64_t known =
		x->hs_timeout + x->hs_no_cert + x->hs_bad_cert + x->hs_refused_ours + x->hs_evicted;
	out[0] = (struct kv){ "full", x->refused_full };
	out[1] = (struct kv){ "handshake_timeout", x->hs_timeout };
	out[2] = (struct kv){ "no_certificate", x->hs_no_cert };
	out[3] = (struct kv){ "bad_certificate", x->hs_bad_cert };
	out[4] = (struct kv){ "server_certificate_refused", x->hs_refused_ours };
	out[5] = (struct kv){ "handshake_evicted", x->hs_evicted };
	out[6] = (struct kv){ "handshake_failed",
			      x->tls_failed > known ? x->tls_failed - known : 0 };
}

/* PDUs decoded and not fed to the pipeline (the connection goes on), by reason. */
static void x23_pdu_refused(const struct limf_x23_stats *in, struct kv out[X23_PDU_REFUSED])
{
	out[0] = (struct kv){ "no_warrant", in->xid_refused };
	out[1] = (struct kv){ "no_addr", in->no_addr };
	out[2] = (struct kv){ "too_big", in->too_big };
	out[3] = (struct kv){ "bad_format", in->bad_format };
}

static void x23_types(uint64_t x2, uint64_t x3, uint64_t ka, uint64_t ka_ack,
		      struct kv out[X23_TYPES])
{
	out[0] = (struct kv){ "x2", x2 };
	out[1] = (struct kv){ "x3", x3 };
	out[2] = (struct kv){ "keepalive", ka };
	out[3] = (struct kv){ "keepalive_ack", ka_ack };
}

static uint64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* " k v" for each, or only the non-zero ones (" none" when all are zero) */
static void text_kv(FILE *f, const struct kv *kv, size_t n, bool nonzero)
{
	bool any = false;
	for (size_t i = 0; i < n; i++)
		if (!nonzero || kv[i].v) {
			fprintf(f, " %s %" PRIu64, kv[i].k, kv[i].v);
			any = true;
		}
	if (!any)
		fputs(" none", f);
	fputc('\n', f);
}

static void text_x23(FILE *f, const struct limf_status *st)
{
	const struct cap_x2x3_stats *x = st->x2x3;
	const struct limf_x23_stats *in = st->x2x3_in;
	struct kv kv[CAP_X2X3_R__COUNT];
	size_t n = 0;
	uint64_t now = wall_ms();
	fprintf(f,
		"x2x3 %s: open %zu handshaking %zu accepted %" PRIu64 " closed %" PRIu64
		" cut %" PRIu64 " max_conns %zu handshake_timeout %" PRIu64 ".%03" PRIu64
		" s reloads %" PRIu64 " reload_failed %" PRIu64 " revoked %" PRIu64 "\n",
		st->x2x3_listen ? st->x2x3_listen : "", x->active, x->handshaking, x->accepted,
		x->closed, x->cut, x->max_conns, x->hs_ms / 1000u, x->hs_ms % 1000u, x->reloads,
		x->reload_failed, x->revoked);
	fputs("x2x3 connections refused:", f);
	x23_conn_refused(x, kv);
	text_kv(f, kv, X23_CONN_REFUSED, true);
	fputs("x2x3 pdus:", f);
	x23_types(x->x2, x->x3, x->ka, x->ka_ack, kv);
	for (size_t i = 0; i < X23_TYPES; i++)
		fprintf(f, " %s %" PRIu64, kv[i].k, kv[i].v);
	fprintf(f,
		" bytes %" PRIu64 " keepalives_answered %" PRIu64 " fed %" PRIu64
		" fed_bytes %" PRIu64 "\n",
		x->bytes, x->ka_answered, in ? in->fed : 0, in ? in->fed_bytes : 0);
	if (in) {
		fputs("x2x3 pdus refused:", f);
		x23_pdu_refused(in, kv);
		text_kv(f, kv, X23_PDU_REFUSED, true);
	}
	fputs("x2x3 pdus rejected (connection closed):", f);
	for (int r = CAP_X2X3_R_TRUNC; r < CAP_X2X3_R__COUNT; r++)
		kv[n++] = (struct kv){ cap_x2x3_rej_name((enum cap_x2x3_rej)r), x->rej[r] };
	text_kv(f, kv, n, true);
	for (size_t i = 0; i < x->n_poi; i++) {
		const struct cap_x2x3_poi *p = &x->poi[i];
		uint64_t ago = now > p->last_ms ? now - p->last_ms : 0;
		fprintf(f,
			"x2x3 poi %s: open %zu conns %" PRIu64 " x2 %" PRIu64 " x3 %" PRIu64
			" keepalive %" PRIu64 " bytes %" PRIu64 " rejected %" PRIu64 " cut %" PRIu64
			" last_seen %" PRIu64 ".%01" PRIu64 " s ago\n",
			p->name, p->active, p->conns, p->x2, p->x3, p->ka, p->bytes, p->rejected,
			p->cut, ago / 1000u, ago % 1000u / 100u);
	}
	if (in) /* the XID table (limf/x2x3_in.h): XIDs listed below and those evicted */
		fprintf(f, "x2x3 xids: tracked %zu of %d evicted %" PRIu64 "\n", in->n_xid,
			LIMF_X23_MAX_XIDS, in->xid_evicted);
	for (size_t i = 0; in && i < in->n_xid; i++) {
		char id[37];
		limf_x23_xid_str(in->xid[i].xid, id);
		fprintf(f, "x2x3 xid %s: x2 %" PRIu64 " x3 %" PRIu64 " refused %" PRIu64 "\n", id,
			in->xid[i].x2, in->xid[i].x3, in->xid[i].refused);
	}
}

static void json_kv(struct lim_json *j, const char *key, const struct kv *kv, size_t n)
{
	lim_json_key(j, key);
	lim_json_obj_open(j);
	for (size_t i = 0; i < n; i++) {
		lim_json_key(j, kv[i].k);
		lim_json_u64(j, kv[i].v);
	}
	lim_json_obj_close(j);
}

static void json_x23(struct lim_json *j, const struct limf_status *st)
{
	const struct cap_x2x3_stats *x = st->x2x3;
	const struct limf_x23_stats *in = st->x2x3_in;
	struct kv kv[CAP_X2X3_R__COUNT];
	size_t n = 0;
	uint64_t now = wall_ms();
	const struct kv conn[] = { { "accepted", x->accepted },
				   { "closed", x->closed },
				   { "cut", x->cut } };
	lim_json_key(j, "x2x3");
	lim_json_obj_open(j);
	lim_json_key(j, "listen");
	lim_json_str(j, st->x2x3_listen ? st->x2x3_listen : "");
	lim_json_key(j, "max_conns");
	lim_json_u64(j, x->max_conns);
	lim_json_key(j, "handshake_timeout_ms");
	lim_json_u64(j, x->hs_ms);
	lim_json_key(j, "reloads");
	lim_json_u64(j, x->reloads);
	lim_json_key(j, "reload_failed");
	lim_json_u64(j, x->reload_failed);
	lim_json_key(j, "revoked");
	lim_json_u64(j, x->revoked);
	lim_json_key(j, "connections");
	lim_json_obj_open(j);
	lim_json_key(j, "open");
	lim_json_u64(j, x->active);
	lim_json_key(j, "handshaking");
	lim_json_u64(j, x->handshaking);
	for (size_t i = 0; i < sizeof conn / sizeof conn[0]; i++) {
		lim_json_key(j, conn[i].k);
		lim_json_u64(j, conn[i].v);
	}
	x23_conn_refused(x, kv);
	json_kv(j, "refused", kv, X23_CONN_REFUSED);
	lim_json_obj_close(j);
	lim_json_key(j, "pdus");
	lim_json_obj_open(j);
	x23_types(x->x2, x->x3, x->ka, x->ka_ack, kv);
	for (size_t i = 0; i < X23_TYPES; i++) {
		lim_json_key(j, kv[i].k);
		lim_json_u64(j, kv[i].v);
	}
	lim_json_key(j, "bytes");
	lim_json_u64(j, x->bytes);
	lim_json_key(j, "keepalives_answered");
	lim_json_u64(j, x->ka_answered);
	lim_json_key(j, "fed");
	lim_json_u64(j, in ? in->fed : 0);
	lim_json_key(j, "fed_bytes");
	lim_json_u64(j, in ? in->fed_bytes : 0);
	if (in) {
		x23_pdu_refused(in, kv);
		json_kv(j, "refused", kv, X23_PDU_REFUSED);
	}
	for (int r = CAP_X2X3_R_TRUNC; r < CAP_X2X3_R__COUNT; r++)
		kv[n++] = (struct kv){ cap_x2x3_rej_name((enum cap_x2x3_rej)r), x->rej[r] };
	json_kv(j, "rejected", kv, n);
	lim_json_obj_close(j);
	lim_json_key(j, "pois");
	lim_json_arr_open(j);
	for (size_t i = 0; i < x->n_poi; i++) {
		const struct cap_x2x3_poi *p = &x->poi[i];
		const struct kv pk[] = { { "open", p->active },  { "connections", p->conns },
					 { "x2", p->x2 },        { "x3", p->x3 },
					 { "keepalive", p->ka }, { "keepalive_ack", p->ka_ack },
					 { "bytes", p->bytes },  { "rejected", p->rejected },
					 { "cut", p->cut },      { "last_seen_ms", p->last_ms } };
		lim_json_obj_open(j);
		lim_json_key(j, "name");
		lim_json_str(j, p->name);
		for (size_t k = 0; k < sizeof pk / sizeof pk[0]; k++) {
			lim_json_key(j, pk[k].k);
			lim_json_u64(j, pk[k].v);
		}
		lim_json_key(j, "last_seen_ago_ms");
		lim_json_u64(j, now > p->last_ms ? now - p->last_ms : 0);
		lim_json_obj_close(j);
	}
	lim_json_arr_close(j);
	/* XIDs forgotten to make room in the XID table (limf/x2x3_in.h) */
	lim_json_key(j, "xids_evicted");
	lim_json_u64(j, in ? in->xid_evicted : 0);
	/* database questions "which warrant owns this XID" (one per XID and second at most) */
	lim_json_key(j, "xid_queries");
	lim_json_u64(j, in ? in->xid_queries : 0);
	/* reads of the XIDs warrants have: one no warrant has is refused without a question */
	lim_json_key(j, "xid_lists");
	lim_json_u64(j, in ? in->xid_lists : 0);
	lim_json_key(j, "xids");
	lim_json_arr_open(j);
	for (size_t i = 0; in && i < in->n_xid; i++) {
		char id[37];
		limf_x23_xid_str(in->xid[i].xid, id);
		lim_json_obj_open(j);
		lim_json_key(j, "xid");
		lim_json_str(j, id);
		lim_json_key(j, "x2");
		lim_json_u64(j, in->xid[i].x2);
		lim_json_key(j, "x3");
		lim_json_u64(j, in->xid[i].x3);
		lim_json_key(j, "refused");
		lim_json_u64(j, in->xid[i].refused);
		lim_json_obj_close(j);
	}
	lim_json_arr_close(j);
	lim_json_obj_close(j);
}

/* see status.h */
uint64_t limf_status_kernel_dropped(const struct limf_status_src *src, size_t n)
{
	uint64_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += src[i].have_kernel ? src[i].kernel_dropped : 0;
	return k;
}

/* see status.h */
size_t limf_status_failed_sources(const struct limf_status *st)
{
	size_t n = 0;
	for (size_t i = 0; i < st->n_src; i++)
		n += st->src[i].failed;
	return n;
}

/* The alarm line: a full spool, damaged records quarantined, a link stopped by a spool error,
 * the warrant gate failing, the last reload refused, the KMS certificate store, traffic lost
 * to capacity limits, LIIDs the evidence bundle cannot record, a live source that failed. */
static void alarm_line(FILE *f, const struct limf_status *st, bool full, bool damaged,
		       bool link_err)
{
	const char *sep = "";
	bool gate = st->gate_alarm, rl = reload_alarm(st), cs = st->cert_store_alarm;
	bool lost = st->loss_alarm, bun = st->bundle_alarm;
	size_t nf = limf_status_failed_sources(st);
	fputs("alarm: ", f);
	if (st->undelivered) {
		fprintf(f,
			"%" PRIu64 " record(s) of LIIDs whose delivery names no [authority] not "
			"handed over",
			st->undelivered);
		sep = ", ";
	}
	if (nf) {
		fprintf(f, "%s%zu source(s) failed: capture ended (see sources)", sep, nf);
		sep = ", ";
	}
	if (gate) {
		fprintf(f, "%swarrant gate failing (decision or audit errors)", sep);
		sep = ", ";
	}
	if (lost) {
		fprintf(f,
			"%straffic lost to capacity limits (%" PRIu64 " so far: see drops, "
			"lost_to_evictions, sources)",
			sep, st->lost);
		sep = ", ";
	}
	if (bun) {
		fprintf(f,
			"%sLIIDs past the %" PRIu64
			" the evidence bundle can hold are not recorded "
			"(%" PRIu64 " records so far)",
			sep, st->bundle_max_liids, st->bundle_unrecorded);
		sep = ", ";
	}
	if (rl) {
		fprintf(f, "%slast reload refused (the running configuration is not the file's)",
			sep);
		sep = ", ";
	}
	if (cs) {
		fprintf(f, "%sKMS certificate store (conflict or failure)", sep);
		sep = ", ";
	}
	if (full) {
		fprintf(f, "%sappends refused (spool, disk or counters full)", sep);
		sep = ", ";
	}
	if (damaged) {
		fprintf(f, "%sdamaged records quarantined", sep);
		sep = ", ";
	}
	if (link_err)
		fprintf(f, "%sspool error", sep);
	fputs(!full && !damaged && !link_err && !gate && !rl && !cs && !lost && !bun && !nf &&
			      !st->undelivered
		      ? "none\n"
		      : "\n",
	      f);
}

static void text(FILE *f, const struct limf_status *st)
{
	bool any = false, alarm = false, damaged = false, link_err = false;
	fprintf(f, "limf capture: up %" PRIu64 ".%01" PRIu64 " s\n", st->uptime_ms / 1000u,
		st->uptime_ms % 1000u / 100u);
	for (size_t i = 0; i < st->n_src; i++) {
		const struct limf_status_src *s = &st->src[i];
		fprintf(f, "source %s (%s): frames %" PRIu64 " bytes %" PRIu64, s->name,
			s->live ? "live" : "file", s->frames, s->bytes);
		if (s->have_kernel)
			fprintf(f, " kernel_received %" PRIu64 " kernel_dropped %" PRIu64,
				s->kernel_received, s->kernel_dropped);
		if (s->failed)
			fputs(" FAILED (capture ended)", f);
		fputc('\n', f);
	}
	if (st->cap) {
		fprintf(f,
			"capture: frames %" PRIu64 " bytes %" PRIu64 " sip %" PRIu64
			" calls %" PRIu64 " ice_candidates_over %" PRIu64
			" ice_endpoints_learned %" PRIu64 " ice_learn_over %" PRIu64 "\n",
			st->cap->frames, st->cap->bytes, st->cap->sip, st->cap->calls,
			st->cap->media_cand_over, st->cap->media_ice_learned,
			st->cap->media_ice_learn_over);
		fputs("drops:", f);
		for (int d = CAP_DROP_LINK_UNSUPP; d < CAP_DROP__COUNT; d++)
			if (st->cap->drop[d]) {
				fprintf(f, " %s %" PRIu64, cap_drop_name((enum cap_drop)d),
					st->cap->drop[d]);
				any = true;
			}
		fputs(any ? "\n" : " none\n", f);
		/* entries of a full table dropped to make room for new ones (a flood, or a table
		 * too small for the traffic) */
		fprintf(f,
			"evicted: calls %" PRIu64 " media_claims %" PRIu64 " tcp_streams %" PRIu64
			" fragments %" PRIu64 " contested_endpoints %" PRIu64 "\n",
			st->cap->calls_evicted, st->cap->media_evicted, st->cap->tcp_evicted,
			st->cap->frag_evicted, st->cap->media_contested);
		/* what the evictions cost later: media to an endpoint whose binding went, SIP of a
		 * group dialog whose pin went (capture/capture.h) */
		fprintf(f, "lost_to_evictions: media %" PRIu64 " sip_pin %" PRIu64 "\n",
			st->cap->media_lost, st->cap->sip_pin_lost);
	}
	if (st->have_bundle)
		fprintf(f,
			"bundle: liids %" PRIu64 " max_liids %" PRIu64
			" unrecorded_records %" PRIu64 "\n",
			st->bundle_liids, st->bundle_max_liids, st->bundle_unrecorded);
	if (st->pipe)
		fprintf(f,
			"pipeline: calls_seen %" PRIu64 " intercepted %" PRIu64
			" with_content %" PRIu64 " kms_ok %" PRIu64 " kms_failed %" PRIu64
			" decrypted %" PRIu64 " auth_failed %" PRIu64 " decision_errors %" PRIu64
			" audit_errors %" PRIu64 "%s%" PRIu64 " keys_cached %" PRIu64
			" warrant_ends_in_call %" PRIu64 "%s%" PRIu64 "%s\n",
			st->pipe->calls, st->pipe->calls_intercepted, st->pipe->calls_cc,
			st->pipe->kms_ok, st->pipe->kms_fail, st->pipe->decrypted,
			st->pipe->auth_failed, st->pipe->decision_errors, st->pipe->audit_errors,
			/* warranted calls not intercepted for want of a CIN (pipeline.h) */
			st->pipe->cin_errors ? " ALARM cin_errors (target calls NOT intercepted) "
					     : " cin_errors ",
			st->pipe->cin_errors, st->keys_cached, st->pipe->warrant_ends,
			st->pipe->warrants_left_out
				? " ALARM warrants_left_out (more warrants than a call serves) "
				: " warrants_left_out ",
			st->pipe->warrants_left_out,
			st->gate_alarm ? " ALARM warrant gate failing" : "");
	if (st->pipe)
		fprintf(f,
			"kms certificate: fetches %" PRIu64 " refetches_refused %" PRIu64
			" imsg_outside_validity %" PRIu64 "\n",
			st->pipe->cert_fetches, st->pipe->cert_refused, st->pipe->cert_outside);
	if (st->pipe)
		fprintf(f,
			"kms certificate store: loaded %" PRIu64 " conflicts %" PRIu64
			" failed %" PRIu64 "%s%s\n",
			st->pipe->cert_loaded, st->pipe->cert_conflicts,
			st->pipe->cert_store_failed,
			st->pipe->cert_conflicts
				? " ALARM the KMS served another certificate under a recorded "
				  "CertUri (audit: kms.cert.conflict)"
				: "",
			st->cert_store_alarm && st->pipe->cert_store_failed
				? " ALARM the store cannot be read or written"
				: "");
	if (st->reload.last != LIMF_RELOAD_NONE) {
		char at[32];
		reload_time(&st->reload, at);
		if (st->reload.last == LIMF_RELOAD_REFUSED)
			fprintf(f,
				"reload: ALARM refused at %s: %s: the running configuration is NOT "
				"the file's",
				at, st->reload.why && st->reload.why[0] ? st->reload.why : "?");
		else
			fprintf(f, "reload: applied at %s", at);
		fprintf(f, " (applied %" PRIu64 " refused %" PRIu64 ")\n", st->reload.applied,
			st->reload.refused);
	} else {
		fputs("reload: none\n", f);
	}
	for (size_t i = 0; st->dlv && i < limf_dlv_count(st->dlv); i++) {
		struct limf_dlv_stats ds;
		limf_dlv_stats(st->dlv, i, &ds);
		for (int k = 0; k < 2; k++) {
			fprintf(f,
				"authority %s %s: link %s spooled %" PRIu64 " confirmed %" PRIu64
				" pending %" PRIu64 " bytes %" PRIu64 " of %" PRIu64
				" refused %" PRIu64 " damaged %" PRIu64 "%s%s%s%s\n",
				ds.name, stream_name[k], ho_link_state_name(ds.link[k].state),
				ds.spool[k].appended, ds.spool[k].confirmed,
				ds.spool[k].head - ds.spool[k].confirmed, ds.spool[k].bytes,
				ds.spool[k].max_bytes, ds.spool[k].refused, ds.spool[k].damaged,
				ds.spool[k].alarm && ds.spool[k].refused
					? " ALARM appends refused (spool, disk or counters full)"
					: "",
				ds.spool[k].alarm && ds.spool[k].damaged
					? " ALARM damaged records quarantined"
					: "",
				ds.link[k].error[0] ? " ALARM spool error: " : "",
				ds.link[k].error);
			alarm = alarm || (ds.spool[k].alarm && ds.spool[k].refused);
			damaged = damaged || (ds.spool[k].alarm && ds.spool[k].damaged);
			link_err = link_err || ds.link[k].error[0];
		}
	}
	if (st->x2x3)
		text_x23(f, st);
	alarm_line(f, st, alarm, damaged, link_err);
}

static void json(FILE *f, const struct limf_status *st)
{
	struct lim_json j;
	bool alarm = false;
	lim_json_init(&j, f);
	lim_json_obj_open(&j);
	lim_json_key(&j, "uptime_ms");
	lim_json_u64(&j, st->uptime_ms);
	lim_json_key(&j, "sources");
	lim_json_arr_open(&j);
	for (size_t i = 0; i < st->n_src; i++) {
		const struct limf_status_src *s = &st->src[i];
		lim_json_obj_open(&j);
		lim_json_key(&j, "name");
		lim_json_str(&j, s->name);
		lim_json_key(&j, "kind");
		lim_json_str(&j, s->live ? "live" : "file");
		lim_json_key(&j, "frames");
		lim_json_u64(&j, s->frames);
		lim_json_key(&j, "bytes");
		lim_json_u64(&j, s->bytes);
		if (s->have_kernel) {
			lim_json_key(&j, "kernel_received");
			lim_json_u64(&j, s->kernel_received);
			lim_json_key(&j, "kernel_dropped");
			lim_json_u64(&j, s->kernel_dropped);
		}
		lim_json_key(&j, "failed");
		lim_json_bool(&j, s->failed);
		lim_json_obj_close(&j);
	}
	lim_json_arr_close(&j);
	if (st->cap) {
		lim_json_key(&j, "capture");
		lim_json_obj_open(&j);
		lim_json_key(&j, "frames");
		lim_json_u64(&j, st->cap->frames);
		lim_json_key(&j, "bytes");
		lim_json_u64(&j, st->cap->bytes);
		lim_json_key(&j, "sip");
		lim_json_u64(&j, st->cap->sip);
		lim_json_key(&j, "calls");
		lim_json_u64(&j, st->cap->calls);
		/* ICE candidates not followed (capture.h media_cand_over) */
		lim_json_key(&j, "ice_candidates_over");
		lim_json_u64(&j, st->cap->media_cand_over);
		/* endpoints ICE connectivity checks bound to calls, and those past the limit */
		lim_json_key(&j, "ice_endpoints_learned");
		lim_json_u64(&j, st->cap->media_ice_learned);
		lim_json_key(&j, "ice_learn_over");
		lim_json_u64(&j, st->cap->media_ice_learn_over);
		lim_json_key(&j, "drops");
		lim_json_obj_open(&j);
		for (int d = CAP_DROP_LINK_UNSUPP; d < CAP_DROP__COUNT; d++)
			if (st->cap->drop[d]) {
				lim_json_key(&j, cap_drop_name((enum cap_drop)d));
				lim_json_u64(&j, st->cap->drop[d]);
			}
		lim_json_obj_close(&j);
		lim_json_key(&j, "evicted");
		lim_json_obj_open(&j);
		lim_json_key(&j, "calls");
		lim_json_u64(&j, st->cap->calls_evicted);
		lim_json_key(&j, "media_claims");
		lim_json_u64(&j, st->cap->media_evicted);
		lim_json_key(&j, "tcp_streams");
		lim_json_u64(&j, st->cap->tcp_evicted);
		lim_json_key(&j, "fragments");
		lim_json_u64(&j, st->cap->frag_evicted);
		lim_json_obj_close(&j);
		lim_json_key(&j, "lost_to_evictions");
		lim_json_obj_open(&j);
		lim_json_key(&j, "media");
		lim_json_u64(&j, st->cap->media_lost);
		lim_json_key(&j, "sip_pin");
		lim_json_u64(&j, st->cap->sip_pin_lost);
		lim_json_obj_close(&j);
		lim_json_key(&j, "contested_endpoints");
		lim_json_u64(&j, st->cap->media_contested);
		lim_json_key(&j, "lost");
		lim_json_u64(&j, st->lost);
		lim_json_key(&j, "loss_alarm");
		lim_json_bool(&j, st->loss_alarm);
		lim_json_obj_close(&j);
	}
	if (st->have_bundle) {
		lim_json_key(&j, "bundle");
		lim_json_obj_open(&j);
		lim_json_key(&j, "liids");
		lim_json_u64(&j, st->bundle_liids);
		lim_json_key(&j, "max_liids");
		lim_json_u64(&j, st->bundle_max_liids);
		lim_json_key(&j, "unrecorded_records");
		lim_json_u64(&j, st->bundle_unrecorded);
		lim_json_key(&j, "alarm");
		lim_json_bool(&j, st->bundle_alarm);
		lim_json_obj_close(&j);
	}
	lim_json_key(&j, "undelivered_records");
	lim_json_u64(&j, st->undelivered);
	if (st->pipe) {
		const struct limf_pipe_stats *p = st->pipe;
		lim_json_key(&j, "pipeline");
		lim_json_obj_open(&j);
		lim_json_key(&j, "calls_seen");
		lim_json_u64(&j, p->calls);
		lim_json_key(&j, "calls_intercepted");
		lim_json_u64(&j, p->calls_intercepted);
		lim_json_key(&j, "calls_with_content");
		lim_json_u64(&j, p->calls_cc);
		lim_json_key(&j, "kms_ok");
		lim_json_u64(&j, p->kms_ok);
		lim_json_key(&j, "kms_failed");
		lim_json_u64(&j, p->kms_fail);
		lim_json_key(&j, "kms_cert_fetches");
		lim_json_u64(&j, p->cert_fetches);
		lim_json_key(&j, "kms_cert_refused");
		lim_json_u64(&j, p->cert_refused);
		lim_json_key(&j, "imsg_outside_certificates");
		lim_json_u64(&j, p->cert_outside);
		lim_json_key(&j, "kms_cert_store_loaded");
		lim_json_u64(&j, p->cert_loaded);
		lim_json_key(&j, "kms_cert_store_conflicts");
		lim_json_u64(&j, p->cert_conflicts);
		lim_json_key(&j, "kms_cert_store_failed");
		lim_json_u64(&j, p->cert_store_failed);
		lim_json_key(&j, "kms_cert_store_alarm");
		lim_json_bool(&j, st->cert_store_alarm);
		lim_json_key(&j, "decrypted");
		lim_json_u64(&j, p->decrypted);
		lim_json_key(&j, "auth_failed");
		lim_json_u64(&j, p->auth_failed);
		lim_json_key(&j, "warrant_ends_in_call");
		lim_json_u64(&j, p->warrant_ends);
		lim_json_key(&j, "warrants_left_out");
		lim_json_u64(&j, p->warrants_left_out);
		lim_json_key(&j, "decision_errors");
		lim_json_u64(&j, p->decision_errors);
		lim_json_key(&j, "audit_errors");
		lim_json_u64(&j, p->audit_errors);
		lim_json_key(&j, "cin_errors");
		lim_json_u64(&j, p->cin_errors);
		lim_json_key(&j, "gate_alarm");
		lim_json_bool(&j, st->gate_alarm);
		lim_json_key(&j, "keys_cached");
		lim_json_u64(&j, st->keys_cached);
		lim_json_obj_close(&j);
	}
	lim_json_key(&j, "authorities");
	lim_json_arr_open(&j);
	for (size_t i = 0; st->dlv && i < limf_dlv_count(st->dlv); i++) {
		struct limf_dlv_stats ds;
		limf_dlv_stats(st->dlv, i, &ds);
		lim_json_obj_open(&j);
		lim_json_key(&j, "name");
		lim_json_str(&j, ds.name);
		for (int k = 0; k < 2; k++) {
			const struct ho_spool_stats *sp = &ds.spool[k];
			const struct ho_link_stats *lk = &ds.link[k];
			lim_json_key(&j, stream_name[k]);
			lim_json_obj_open(&j);
			lim_json_key(&j, "link");
			lim_json_str(&j, ho_link_state_name(lk->state));
			lim_json_key(&j, "connects");
			lim_json_u64(&j, lk->connects);
			lim_json_key(&j, "connect_failures");
			lim_json_u64(&j, lk->connect_failures);
			lim_json_key(&j, "disconnects");
			lim_json_u64(&j, lk->disconnects);
			lim_json_key(&j, "spooled");
			lim_json_u64(&j, sp->appended);
			lim_json_key(&j, "confirmed");
			lim_json_u64(&j, sp->confirmed);
			lim_json_key(&j, "pending");
			lim_json_u64(&j, sp->head - sp->confirmed);
			/* octets in the spool, and its bound (spool_max_mb): PDUs refused there */
			lim_json_key(&j, "bytes");
			lim_json_u64(&j, sp->bytes);
			lim_json_key(&j, "max_bytes");
			lim_json_u64(&j, sp->max_bytes);
			lim_json_key(&j, "refused");
			lim_json_u64(&j, sp->refused);
			lim_json_key(&j, "spool_full");
			lim_json_bool(&j, sp->alarm && sp->refused);
			/* damaged records skipped and quarantined (deliver.h) */
			lim_json_key(&j, "damaged");
			lim_json_u64(&j, sp->damaged);
			/* the spool error that stops the link's sending ("" when none) */
			lim_json_key(&j, "error");
			lim_json_str(&j, lk->error);
			lim_json_key(&j, "spool_errors");
			lim_json_u64(&j, lk->spool_errors);
			lim_json_obj_close(&j);
			alarm = alarm || sp->alarm || lk->error[0];
		}
		lim_json_obj_close(&j);
	}
	lim_json_arr_close(&j);
	if (st->x2x3)
		json_x23(&j, st);
	lim_json_key(&j, "reload");
	lim_json_obj_open(&j);
	lim_json_key(&j, "last");
	lim_json_str(&j, reload_name(st->reload.last));
	lim_json_key(&j, "at");
	if (st->reload.last == LIMF_RELOAD_NONE) {
		lim_json_null(&j);
	} else {
		char at[32];
		reload_time(&st->reload, at);
		lim_json_str(&j, at);
	}
	lim_json_key(&j, "reason");
	lim_json_str(&j, st->reload.last == LIMF_RELOAD_REFUSED && st->reload.why ? st->reload.why
										  : "");
	lim_json_key(&j, "applied");
	lim_json_u64(&j, st->reload.applied);
	lim_json_key(&j, "refused");
	lim_json_u64(&j, st->reload.refused);
	lim_json_obj_close(&j);
	lim_json_key(&j, "alarm");
	lim_json_bool(&j, alarm || st->gate_alarm || reload_alarm(st) || st->cert_store_alarm ||
				  st->loss_alarm || st->bundle_alarm ||
				  limf_status_failed_sources(st) || st->undelivered);
	lim_json_obj_close(&j);
	(void)!lim_json_end(&j); /* balanced by construction; a write error shows in the stream */
}

/* Prometheus label value: \ " and newline escaped (exposition format 0.0.4). */
static void prom_label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void prom_head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void prom_one(FILE *f, const char *name, const char *type, const char *help, uint64_t v)
{
	prom_head(f, name, type, help);
	fprintf(f, "%s %" PRIu64 "\n", name, v);
}

/* name{source="..."} v for every source (kernel: only those with kernel counters) */
static void prom_src(FILE *f, const struct limf_status *st, const char *name, const char *help,
		     int which)
{
	bool head = false;
	for (size_t i = 0; i < st->n_src; i++) {
		const struct limf_status_src *s = &st->src[i];
		uint64_t v = which == 0   ? s->frames
			     : which == 1 ? s->bytes
			     : which == 2 ? s->kernel_received
					  : s->kernel_dropped;
		if (which >= 2 && !s->have_kernel)
			continue;
		if (!head)
			prom_head(f, name, "counter", help);
		head = true;
		fprintf(f, "%s{source=\"", name);
		prom_label(f, s->name);
		fprintf(f, "\"} %" PRIu64 "\n", v);
	}
}

enum link_metric {
	LM_UP,
	LM_CONNECTS,
	LM_FAILS,
	LM_SPOOLED,
	LM_CONFIRMED,
	LM_PENDING,
	LM_BYTES,
	LM_MAX_BYTES,
	LM_REFUSED,
	LM_ALARM,
	LM_DAMAGED,
	LM_SPOOL_ERROR
};

static void prom_links(FILE *f, const struct limf_status *st, enum link_metric m, const char *name,
		       const char *type, const char *help)
{
	prom_head(f, name, type, help);
	for (size_t i = 0; st->dlv && i < limf_dlv_count(st->dlv); i++) {
		struct limf_dlv_stats ds;
		limf_dlv_stats(st->dlv, i, &ds);
		for (int k = 0; k < 2; k++) {
			const struct ho_spool_stats *sp = &ds.spool[k];
			const struct ho_link_stats *lk = &ds.link[k];
			uint64_t v = 0;
			switch (m) {
			case LM_UP: v = lk->state == HO_LINK_UP; break;
			case LM_CONNECTS: v = lk->connects; break;
			case LM_FAILS: v = lk->connect_failures; break;
			case LM_SPOOLED: v = sp->appended; break;
			case LM_CONFIRMED: v = sp->confirmed; break;
			case LM_PENDING: v = sp->head - sp->confirmed; break;
			case LM_BYTES: v = sp->bytes; break;
			case LM_MAX_BYTES: v = sp->max_bytes; break;
			case LM_REFUSED: v = sp->refused; break;
			case LM_ALARM: v = sp->alarm && sp->refused; break;
			case LM_DAMAGED: v = sp->damaged; break;
			case LM_SPOOL_ERROR: v = lk->error[0] != '\0'; break;
			}
			fprintf(f, "%s{authority=\"", name);
			prom_label(f, ds.name);
			fprintf(f, "\",stream=\"%s\"} %" PRIu64 "\n", stream_name[k], v);
		}
	}
}

/* name{label="k"} v for each kv */
static void prom_kv(FILE *f, const char *name, const char *help, const char *label,
		    const struct kv *kv, size_t n)
{
	prom_head(f, name, "counter", help);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s{%s=\"%s\"} %" PRIu64 "\n", name, label, kv[i].k, kv[i].v);
}

enum poi_metric { PM_OPEN, PM_CONNS, PM_BYTES, PM_REJECTED, PM_CUT };

/* name{poi="..."} v for every POI */
static void prom_poi(FILE *f, const struct cap_x2x3_stats *x, enum poi_metric m, const char *name,
		     const char *type, const char *help)
{
	prom_head(f, name, type, help);
	for (size_t i = 0; i < x->n_poi; i++) {
		const struct cap_x2x3_poi *p = &x->poi[i];
		uint64_t v = m == PM_OPEN       ? p->active
			     : m == PM_CONNS    ? p->conns
			     : m == PM_BYTES    ? p->bytes
			     : m == PM_REJECTED ? p->rejected
						: p->cut;
		fprintf(f, "%s{poi=\"", name);
		prom_label(f, p->name);
		fprintf(f, "\"} %" PRIu64 "\n", v);
	}
}

static void prom_x23(FILE *f, const struct limf_status *st)
{
	const struct cap_x2x3_stats *x = st->x2x3;
	const struct limf_x23_stats *in = st->x2x3_in;
	struct kv kv[CAP_X2X3_R__COUNT];
	size_t n = 0;
	prom_one(f, "limf_x2x3_connections_open", "gauge",
		 "X2/X3 POI connections open (TLS handshake done).", x->active);
	prom_one(f, "limf_x2x3_connections_handshaking", "gauge",
		 "X2/X3 connections in their TLS handshake.", x->handshaking);
	prom_one(f, "limf_x2x3_max_connections", "gauge",
		 "X2/X3 connection cap in force ([x2x3] max_conns).", (uint64_t)x->max_conns);
	prom_one(f, "limf_x2x3_connections_accepted_total", "counter",
		 "X2/X3 TCP connections accepted.", x->accepted);
	prom_one(f, "limf_x2x3_connections_closed_total", "counter",
		 "X2/X3 POI connections ended after their handshake.", x->closed);
	prom_one(f, "limf_x2x3_connections_cut_total", "counter",
		 "X2/X3 POI connections that ended in the middle of a PDU.", x->cut);
	x23_conn_refused(x, kv);
	prom_kv(f, "limf_x2x3_connections_refused_total",
		"X2/X3 connections refused or failed before their first PDU, by reason.", "reason",
		kv, X23_CONN_REFUSED);
	x23_types(x->x2, x->x3, x->ka, x->ka_ack, kv);
	prom_kv(f, "limf_x2x3_pdus_total", "X2/X3 PDUs received, by type.", "type", kv, X23_TYPES);
	prom_one(f, "limf_x2x3_bytes_total", "counter", "Octets of the X2/X3 PDUs received.",
		 x->bytes);
	prom_one(f, "limf_x2x3_keepalives_answered_total", "counter",
		 "X2/X3 keep-alive acknowledgements sent.", x->ka_answered);
	prom_one(f, "limf_x2x3_pdus_fed_total", "counter",
		 "X2/X3 PDUs handed to the interception pipeline.", in ? in->fed : 0);
	prom_one(f, "limf_x2x3_fed_bytes_total", "counter",
		 "Octets of the frames built from X2/X3 PDUs for the pipeline.",
		 in ? in->fed_bytes : 0);
	if (in) {
		x23_pdu_refused(in, kv);
		prom_kv(f, "limf_x2x3_pdus_refused_total",
			"X2/X3 PDUs not fed to the pipeline (connection kept), by reason.",
			"reason", kv, X23_PDU_REFUSED);
	}
	for (int r = CAP_X2X3_R_TRUNC; r < CAP_X2X3_R__COUNT; r++)
		kv[n++] = (struct kv){ cap_x2x3_rej_name((enum cap_x2x3_rej)r), x->rej[r] };
	prom_kv(f, "limf_x2x3_pdus_rejected_total",
		"Malformed or oversized X2/X3 PDUs (the connection was closed), by reason.",
		"reason", kv, n);
	kv[0] = (struct kv){ "ok", x->reloads };
	kv[1] = (struct kv){ "failed", x->reload_failed };
	prom_kv(f, "limf_x2x3_reloads_total",
		"SIGHUP reloads of the X2/X3 TLS context and settings, by result.", "result", kv,
		2);
	prom_one(f, "limf_x2x3_connections_revoked_total", "counter",
		 "Open X2/X3 connections closed by a reload whose CRLs revoke their certificate.",
		 x->revoked);
	prom_poi(f, x, PM_OPEN, "limf_x2x3_poi_connections_open", "gauge",
		 "X2/X3 connections open, by POI (certificate CN, else address).");
	prom_poi(f, x, PM_CONNS, "limf_x2x3_poi_connections_total", "counter",
		 "X2/X3 connections established, by POI.");
	prom_head(f, "limf_x2x3_poi_pdus_total", "counter",
		  "X2/X3 PDUs received, by POI and type.");
	for (size_t i = 0; i < x->n_poi; i++) {
		const struct cap_x2x3_poi *p = &x->poi[i];
		x23_types(p->x2, p->x3, p->ka, p->ka_ack, kv);
		for (size_t k = 0; k < X23_TYPES; k++) {
			fputs("limf_x2x3_poi_pdus_total{poi=\"", f);
			prom_label(f, p->name);
			fprintf(f, "\",type=\"%s\"} %" PRIu64 "\n", kv[k].k, kv[k].v);
		}
	}
	prom_poi(f, x, PM_BYTES, "limf_x2x3_poi_bytes_total", "counter",
		 "Octets of the X2/X3 PDUs received, by POI.");
	prom_poi(f, x, PM_REJECTED, "limf_x2x3_poi_rejected_total", "counter",
		 "X2/X3 connections closed for a malformed PDU, by POI.");
	prom_poi(f, x, PM_CUT, "limf_x2x3_poi_cut_total", "counter",
		 "X2/X3 connections that ended in the middle of a PDU, by POI.");
	prom_head(f, "limf_x2x3_poi_last_seen_timestamp_seconds", "gauge",
		  "Wall-clock time of the POI's last PDU or connection.");
	for (size_t i = 0; i < x->n_poi; i++) {
		fputs("limf_x2x3_poi_last_seen_timestamp_seconds{poi=\"", f);
		prom_label(f, x->poi[i].name);
		fprintf(f, "\"} %" PRIu64 ".%03" PRIu64 "\n", x->poi[i].last_ms / 1000u,
			x->poi[i].last_ms % 1000u);
	}
	/* Nothing by XID: an XID is a warrant's task, and its counters say when it is
	 * intercepting and how much. The metrics port answers any local process, and scrapes
	 * are often forwarded to monitoring staff not cleared for LI; limf status (the control
	 * socket, 0600) shows them. */
	if (in)
		prom_one(f, "limf_x2x3_xids_evicted_total", "counter",
			 "XIDs forgotten to make room for new ones in the XID table.",
			 in->xid_evicted);
}

static void prom(FILE *f, const struct limf_status *st)
{
	prom_head(f, "limf_uptime_seconds", "gauge", "Seconds since limf capture started.");
	fprintf(f, "limf_uptime_seconds %" PRIu64 ".%03" PRIu64 "\n", st->uptime_ms / 1000u,
		st->uptime_ms % 1000u);
	prom_one(f, "limf_records_undelivered_total", "counter",
		 "Records of LIIDs whose warrant's delivery names no [authority]: decrypted, not "
		 "handed over (an alarm).",
		 st->undelivered);
	prom_one(f, "limf_sources_failed", "gauge",
		 "Live sources whose capture failed (ended while the service runs): an alarm.",
		 limf_status_failed_sources(st));
	prom_src(f, st, "limf_source_frames_total", "Frames read from the source.", 0);
	prom_src(f, st, "limf_source_bytes_total", "Captured octets read from the source.", 1);
	prom_src(f, st, "limf_source_kernel_received_total",
		 "Packets the kernel received for a live source.", 2);
	prom_src(f, st, "limf_source_kernel_dropped_total",
		 "Packets the kernel dropped for a live source (buffer full).", 3);
	if (st->cap) {
		const struct cap_stats *c = st->cap;
		prom_one(f, "limf_frames_total", "counter", "Frames decoded.", c->frames);
		prom_one(f, "limf_bytes_total", "counter", "Octets of the frames decoded.",
			 c->bytes);
		prom_one(f, "limf_sip_messages_total", "counter", "SIP messages parsed.", c->sip);
		prom_one(f, "limf_calls_tracked_total", "counter",
			 "Calls (dialogs) created in the call table.", c->calls);
		prom_head(f, "limf_drops_total", "counter",
			  "Frames, fragments or messages not delivered, by reason.");
		for (int d = CAP_DROP_LINK_UNSUPP; d < CAP_DROP__COUNT; d++)
			fprintf(f, "limf_drops_total{reason=\"%s\"} %" PRIu64 "\n",
				cap_drop_name((enum cap_drop)d), c->drop[d]);
		prom_head(f, "limf_evicted_total", "counter",
			  "Entries of a full table dropped to make room for new ones, by table.");
		fprintf(f, "limf_evicted_total{table=\"calls\"} %" PRIu64 "\n", c->calls_evicted);
		fprintf(f, "limf_evicted_total{table=\"media_claims\"} %" PRIu64 "\n",
			c->media_evicted);
		fprintf(f, "limf_evicted_total{table=\"tcp_streams\"} %" PRIu64 "\n",
			c->tcp_evicted);
		fprintf(f, "limf_evicted_total{table=\"fragments\"} %" PRIu64 "\n",
			c->frag_evicted);
		prom_head(f, "limf_lost_to_evictions_total", "counter",
			  "Traffic lost because what it needed was evicted for room, by kind.");
		fprintf(f, "limf_lost_to_evictions_total{kind=\"media\"} %" PRIu64 "\n",
			c->media_lost);
		fprintf(f, "limf_lost_to_evictions_total{kind=\"sip_pin\"} %" PRIu64 "\n",
			c->sip_pin_lost);
		prom_one(f, "limf_traffic_lost_total", "counter",
			 "Traffic lost to capacity limits: limf's tables and queues, the kernel, "
			 "routing notes.",
			 st->lost);
		prom_one(f, "limf_traffic_lost_alarm", "gauge",
			 "1 while traffic lost to capacity limits grew recently.",
			 st->loss_alarm ? 1u : 0u);
		prom_one(f, "limf_media_contested_total", "counter",
			 "SDPs that claimed a media endpoint another open call holds.",
			 c->media_contested);
		prom_one(f, "limf_ice_candidates_over_total", "counter",
			 "ICE candidates of SDPs taken up that the call table does not follow "
			 "(past its limit per SDP).",
			 c->media_cand_over);
		prom_one(f, "limf_ice_endpoints_learned_total", "counter",
			 "Media endpoints ICE connectivity checks bound to calls (peer-reflexive "
			 "and other candidates no SDP named).",
			 c->media_ice_learned);
		prom_one(f, "limf_ice_learn_over_total", "counter",
			 "Endpoints ICE checks named past a call's limit (not followed).",
			 c->media_ice_learn_over);
	}
	if (st->have_bundle) {
		prom_one(f, "limf_bundle_liids", "gauge",
			 "LIIDs the evidence bundle (capture --record) records.", st->bundle_liids);
		prom_one(f, "limf_bundle_max_liids", "gauge",
			 "LIIDs the evidence bundle can record at most.", st->bundle_max_liids);
		prom_one(f, "limf_bundle_unrecorded_records_total", "counter",
			 "Records of LIIDs past the evidence bundle's most, not recorded in it.",
			 st->bundle_unrecorded);
		prom_one(f, "limf_bundle_unrecorded_alarm", "gauge",
			 "1 once LIIDs past the evidence bundle's most were not recorded.",
			 st->bundle_alarm ? 1u : 0u);
	}
	if (st->pipe) {
		const struct limf_pipe_stats *p = st->pipe;
		prom_one(f, "limf_calls_seen_total", "counter",
			 "Calls the interception pipeline saw.", p->calls);
		prom_one(f, "limf_calls_intercepted_total", "counter",
			 "Calls under at least one warrant in force.", p->calls_intercepted);
		prom_one(f, "limf_calls_with_content_total", "counter",
			 "Intercepted calls with a warrant of scope IRI+CC.", p->calls_cc);
		prom_head(f, "limf_kms_requests_total", "counter", "Key requests to the KMS.");
		fprintf(f, "limf_kms_requests_total{result=\"ok\"} %" PRIu64 "\n", p->kms_ok);
		fprintf(f, "limf_kms_requests_total{result=\"failed\"} %" PRIu64 "\n", p->kms_fail);
		prom_head(f, "limf_kms_cert_fetches_total", "counter",
			  "KMS certificate fetches (KMSInit), sent or refused by the rate limit.");
		fprintf(f, "limf_kms_cert_fetches_total{result=\"sent\"} %" PRIu64 "\n",
			p->cert_fetches);
		fprintf(f, "limf_kms_cert_fetches_total{result=\"refused\"} %" PRIu64 "\n",
			p->cert_refused);
		prom_one(f, "limf_imsg_outside_certificates_total", "counter",
			 "I_MESSAGEs at a time no KMS certificate is valid at.", p->cert_outside);
		prom_head(f, "limf_kms_cert_store_total", "counter",
			  "KMS certificate store events: certificates loaded from it, certificates "
			  "it refused (conflict: other content under a recorded CertUri), reads or "
			  "writes that failed.");
		fprintf(f, "limf_kms_cert_store_total{result=\"loaded\"} %" PRIu64 "\n",
			p->cert_loaded);
		fprintf(f, "limf_kms_cert_store_total{result=\"conflict\"} %" PRIu64 "\n",
			p->cert_conflicts);
		fprintf(f, "limf_kms_cert_store_total{result=\"failed\"} %" PRIu64 "\n",
			p->cert_store_failed);
		prom_one(f, "limf_kms_cert_store_alarm", "gauge",
			 "1 after a certificate store conflict, or while its failures grew "
			 "recently.",
			 st->cert_store_alarm ? 1u : 0u);
		prom_one(f, "limf_srtp_decrypted_total", "counter", "SRTP packets decrypted.",
			 p->decrypted);
		prom_one(f, "limf_srtp_auth_failures_total", "counter",
			 "SRTP packets that failed authentication.", p->auth_failed);
		prom_one(f, "limf_warrant_ends_in_call_total", "counter",
			 "LIIDs whose warrant ended during a call (no more IRI or content).",
			 p->warrant_ends);
		prom_one(f, "limf_warrants_left_out_total", "counter",
			 "Warrants in force that a call could not serve (more than it holds).",
			 p->warrants_left_out);
		prom_one(f, "limf_warrant_decision_errors_total", "counter",
			 "Warrant gate queries that failed (database errors).", p->decision_errors);
		prom_one(f, "limf_audit_errors_total", "counter",
			 "Audit rows of intercepted calls that could not be written.",
			 p->audit_errors);
		prom_one(f, "limf_cin_errors_total", "counter",
			 "Calls under a warrant not intercepted: no communication identity number.",
			 p->cin_errors);
		prom_one(f, "limf_keys_cached", "gauge",
			 "Key sets and SAKKE receiver contexts held in memory.", st->keys_cached);
		prom_one(f, "limf_warrant_gate_alarm", "gauge",
			 "1 while the warrant gate's error counters grew recently.",
			 st->gate_alarm ? 1u : 0u);
	}
	prom_head(f, "limf_reloads_total", "counter",
		  "SIGHUP reloads of the configuration, by result.");
	fprintf(f, "limf_reloads_total{result=\"applied\"} %" PRIu64 "\n", st->reload.applied);
	fprintf(f, "limf_reloads_total{result=\"refused\"} %" PRIu64 "\n", st->reload.refused);
	prom_one(
		f, "limf_reload_refused", "gauge",
		"1 while the last reload was refused: the running configuration is not the file's.",
		reload_alarm(st) ? 1u : 0u);
	prom_head(f, "limf_reload_last_timestamp_seconds", "gauge",
		  "Wall-clock time of the last reload (0: none since start).");
	fprintf(f, "limf_reload_last_timestamp_seconds %" PRIu64 ".%03" PRIu64 "\n",
		st->reload.at_ms / 1000u, st->reload.at_ms % 1000u);
	prom_links(f, st, LM_UP, "limf_link_up", "gauge",
		   "1 when the handover link to the authority is up.");
	prom_links(f, st, LM_CONNECTS, "limf_link_connects_total", "counter",
		   "Handover connections established.");
	prom_links(f, st, LM_FAILS, "limf_link_connect_failures_total", "counter",
		   "Handover connection attempts that failed.");
	prom_links(f, st, LM_SPOOLED, "limf_spool_spooled_total", "counter",
		   "PDUs spooled since start.");
	prom_links(f, st, LM_CONFIRMED, "limf_spool_confirmed_total", "counter",
		   "PDUs the authority confirmed (spool index).");
	prom_links(f, st, LM_PENDING, "limf_spool_pending", "gauge",
		   "PDUs spooled and not yet confirmed.");
	prom_links(f, st, LM_BYTES, "limf_spool_bytes", "gauge",
		   "Octets in the spool's live segments.");
	prom_links(f, st, LM_MAX_BYTES, "limf_spool_max_bytes", "gauge",
		   "The spool's bound (spool_max_mb): PDUs are refused when it is reached.");
	prom_links(f, st, LM_REFUSED, "limf_spool_refused_total", "counter",
		   "PDUs refused because the spool was full.");
	prom_links(f, st, LM_ALARM, "limf_spool_full_alarm", "gauge",
		   "1 when the spool refused a PDU (full).");
	prom_links(f, st, LM_DAMAGED, "limf_spool_damaged_records", "gauge",
		   "Damaged records skipped and kept in the spool's quarantine/ (files there).");
	prom_links(
		f, st, LM_SPOOL_ERROR, "limf_link_spool_error", "gauge",
		"1 while a spool error (damaged record, failed write) stops the link's sending.");
	if (st->x2x3)
		prom_x23(f, st);
}

/* see status.h */
enum lim_err limf_status_render(const struct limf_status *st, enum limf_status_fmt fmt, char **out,
				size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	bool err;
	FILE *f = open_memstream(&buf, &n);
	*out = NULL;
	*len = 0;
	if (!f)
		return LIM_E_NOMEM;
	if (fmt == LIMF_STATUS_JSON)
		json(f, st);
	else if (fmt == LIMF_STATUS_PROM)
		prom(f, st);
	else
		text(f, st);
	err = ferror(f) != 0;
	if (fclose(f) != 0 || err || !buf) {
		free(buf);
		return LIM_E_NOMEM;
	}
	*out = buf;
	*len = n;
	return LIM_OK;
}

/* ---- control socket -------------------------------------------------------------------------- */

struct ctl_conn {
	int fd; /* -1: free */
	uint64_t deadline_ms;
	char in[LIMF_CTL_LINE];
	size_t in_len;
	char *out; /* the answer being written, NULL while reading */
	size_t out_len, out_off;
};

struct limf_ctl {
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev;
	ino_t ino;
	limf_status_fn fn;
	void *ctx;
	struct ctl_conn conn[LIMF_CTL_CLIENTS];
};

static void conn_drop(struct ctl_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->out);
	memset(c, 0, sizeof *c);
	c->fd = -1;
}

/* see status.h */
enum lim_err limf_ctl_open(const char *path, limf_status_fn fn, void *ctx, struct limf_ctl **out,
			   char *why, size_t whycap)
{
	struct sockaddr_un sa;
	struct stat sb;
	struct limf_ctl *c = NULL;
	size_t pl = path ? strlen(path) : 0;
	mode_t um;
	enum lim_err e = LIM_E_IO;
	*out = NULL;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (pl == 0 || pl >= sizeof sa.sun_path) {
		snprintf(why, whycap, "control socket path empty or longer than %zu octets",
			 sizeof sa.sun_path - 1);
		return LIM_E_ARG;
	}
	memcpy(sa.sun_path, path, pl);
	if (lstat(path, &sb) == 0) {
		int probe;
		if (!S_ISSOCK(sb.st_mode)) {
			snprintf(why, whycap, "%s exists and is not a socket: refused", path);
			return LIM_E_STATE;
		}
		probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe >= 0 && connect(probe, (const struct sockaddr *)&sa, sizeof sa) == 0) {
			close(probe);
			snprintf(why, whycap, "%s: another process answers on it: refused", path);
			return LIM_E_STATE;
		}
		if (probe >= 0)
			close(probe);
		if (unlink(path) != 0) {
			snprintf(why, whycap, "%s: stale socket cannot be removed: %s", path,
				 strerror(errno));
			return LIM_E_IO;
		}
	}
	c = calloc(1, sizeof *c);
	if (!c) {
		snprintf(why, whycap, "out of memory");
		return LIM_E_NOMEM;
	}
	for (size_t i = 0; i < LIMF_CTL_CLIENTS; i++)
		c->conn[i].fd = -1;
	c->fn = fn;
	c->ctx = ctx;
	memcpy(c->path, path, pl + 1);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		snprintf(why, whycap, "socket: %s", strerror(errno));
		goto out;
	}
	um = umask(0177); /* the file is created 0600: no window with a wider mode */
	if (bind(c->fd, (const struct sockaddr *)&sa, sizeof sa) != 0) {
		umask(um);
		snprintf(why, whycap, "%s: bind: %s", path, strerror(errno));
		goto out;
	}
	umask(um);
	if (chmod(path, 0600) != 0 || lstat(path, &sb) != 0) {
		snprintf(why, whycap, "%s: %s", path, strerror(errno));
		unlink(path);
		goto out;
	}
	c->dev = sb.st_dev;
	c->ino = sb.st_ino;
	if (listen(c->fd, 8) != 0) {
		snprintf(why, whycap, "%s: listen: %s", path, strerror(errno));
		unlink(path);
		goto out;
	}
	*out = c;
	c = NULL;
	e = LIM_OK;
out:
	if (c) {
		if (c->fd >= 0)
			close(c->fd);
		free(c);
	}
	return e;
}

/* see status.h */
size_t limf_ctl_pollfds(const struct limf_ctl *c, struct pollfd *pfd, size_t cap)
{
	size_t n = 0, used = 0;
	for (size_t i = 0; i < LIMF_CTL_CLIENTS && n < cap; i++) {
		const struct ctl_conn *k = &c->conn[i];
		if (k->fd < 0)
			continue;
		used++;
		pfd[n].fd = k->fd;
		pfd[n].events = k->out ? POLLOUT : POLLIN;
		pfd[n++].revents = 0;
	}
	/* full: new connections wait in the backlog until one is done or dropped */
	if (used < LIMF_CTL_CLIENTS && n < cap) {
		pfd[n].fd = c->fd;
		pfd[n].events = POLLIN;
		pfd[n++].revents = 0;
	}
	return n;
}

static enum limf_status_fmt request(const char *line, size_t n, bool *ok)
{
	*ok = true;
	if (n == 6 && memcmp(line, "status", 6) == 0)
		return LIMF_STATUS_TEXT;
	if (n == 11 && memcmp(line, "status json", 11) == 0)
		return LIMF_STATUS_JSON;
	if (n == 7 && memcmp(line, "metrics", 7) == 0)
		return LIMF_STATUS_PROM;
	*ok = false;
	return LIMF_STATUS_TEXT;
}

/* The line is complete (n octets, no terminator): prepares the answer. */
static void answer(struct limf_ctl *c, struct ctl_conn *k, size_t n)
{
	static const char bad[] = "error: unknown request (status | status json | metrics)\n";
	struct limf_status st;
	bool ok;
	enum limf_status_fmt fmt;
	while (n && k->in[n - 1] == '\r')
		n--;
	fmt = request(k->in, n, &ok);
	if (ok) {
		memset(&st, 0, sizeof st);
		c->fn(c->ctx, &st);
		if (limf_status_render(&st, fmt, &k->out, &k->out_len) != LIM_OK) {
			conn_drop(k);
			return;
		}
	} else {
		k->out = malloc(sizeof bad);
		if (!k->out) {
			conn_drop(k);
			return;
		}
		memcpy(k->out, bad, sizeof bad);
		k->out_len = sizeof bad - 1;
	}
	k->out_off = 0;
	(void)shutdown(k->fd, SHUT_RD);
}

static void conn_read(struct limf_ctl *c, struct ctl_conn *k)
{
	for (;;) {
		ssize_t r = read(k->fd, k->in + k->in_len, sizeof k->in - k->in_len);
		char *nl;
		if (r < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				conn_drop(k);
			return;
		}
		if (r == 0) { /* the client closed its side: the line is what it sent */
			if (k->in_len == 0)
				conn_drop(k);
			else
				answer(c, k, k->in_len);
			return;
		}
		nl = memchr(k->in + k->in_len, '\n', (size_t)r);
		k->in_len += (size_t)r;
		if (nl) {
			answer(c, k, (size_t)(nl - k->in));
			return;
		}
		if (k->in_len == sizeof k->in) { /* too long: not a request */
			conn_drop(k);
			return;
		}
	}
}

static void conn_write(struct ctl_conn *k)
{
	while (k->out_off < k->out_len) {
		ssize_t w = send(k->fd, k->out + k->out_off, k->out_len - k->out_off, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				conn_drop(k);
			return;
		}
		k->out_off += (size_t)w;
	}
	conn_drop(k); /* answered: one request per connection */
}

/* see status.h */
void limf_ctl_step(struct limf_ctl *c, const struct pollfd *pfd, size_t n, uint64_t now_ms)
{
	for (size_t i = 0; i < n; i++) {
		if (!pfd[i].revents)
			continue;
		if (pfd[i].fd == c->fd) {
			/* accept what is waiting, up to the free slots */
			for (size_t s = 0; s < LIMF_CTL_CLIENTS; s++) {
				int fd;
				if (c->conn[s].fd >= 0)
					continue;
				fd = accept(c->fd, NULL, NULL);
				if (fd < 0)
					break;
				if (fcntl(fd, F_SETFL, O_NONBLOCK) != 0 ||
				    fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
					close(fd);
					continue;
				}
				c->conn[s].fd = fd;
				c->conn[s].deadline_ms = now_ms + LIMF_CTL_TIMEOUT_MS;
			}
			continue;
		}
		for (size_t s = 0; s < LIMF_CTL_CLIENTS; s++) {
			struct ctl_conn *k = &c->conn[s];
			if (k->fd != pfd[i].fd)
				continue;
			if (!k->out)
				conn_read(c, k);
			/* the answer is usually written at once, in the same turn */
			if (k->fd >= 0 && k->out)
				conn_write(k);
			break;
		}
	}
	for (size_t s = 0; s < LIMF_CTL_CLIENTS; s++)
		if (c->conn[s].fd >= 0 && now_ms >= c->conn[s].deadline_ms)
			conn_drop(&c->conn[s]); /* slow or silent */
}

/* see status.h */
void limf_ctl_close(struct limf_ctl *c)
{
	struct stat sb;
	if (!c)
		return;
	for (size_t s = 0; s < LIMF_CTL_CLIENTS; s++)
		if (c->conn[s].fd >= 0)
			conn_drop(&c->conn[s]);
	close(c->fd);
	/* only the socket this process made (not one a successor put there) */
	if (lstat(c->path, &sb) == 0 && sb.st_dev == c->dev && sb.st_ino == c->ino &&
	    unlink(c->path) != 0)
		/* e.g. a root-owned directory after the drop to [service] user: harmless (the
		 * next start replaces it), but said */
		fprintf(stderr,
			"limf: control socket %s: cannot be removed (%s): left behind, the next "
			"start replaces it\n",
			c->path, strerror(errno));
	free(c);
}

/* ---- metrics endpoint (libmicrohttpd, external poll) ----------------------------------------- */

/* A connection's slot: when its request began to be due (its start, or its last response). */
struct mconn {
	struct MHD_Connection *c; /* NULL: free */
	int fd;
	bool cut;          /* shut down by the sweep: MHD closes it at its next run */
	uint64_t since_ms; /* lim_mono_ns() / 1e6 */
};

struct limf_metrics {
	struct MHD_Daemon *d;
	int epfd;
	limf_status_fn fn;
	void *ctx;
	struct mconn conns[LIMF_METRICS_CLIENTS];
	uint64_t deadline_ms; /* LIMF_METRICS_DEADLINE_MS, or the environment's */
};

static uint64_t now_ms(void)
{
	return lim_mono_ns() / 1000000u;
}

static struct mconn *mconn_of(struct limf_metrics *m, const struct MHD_Connection *c)
{
	for (size_t i = 0; i < LIMF_METRICS_CLIENTS; i++)
		if (m->conns[i].c == c)
			return &m->conns[i];
	return NULL;
}

/* MHD_OPTION_NOTIFY_CONNECTION: a connection takes a slot when it starts, frees it when it
 * closes (MHD accepts no more than LIMF_METRICS_CLIENTS: a slot is always free). */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_ctx,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct limf_metrics *m = cls;
	struct mconn *s;
	(void)socket_ctx;
	if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		if ((s = mconn_of(m, c)))
			s->c = NULL;
		return;
	}
	if (toe != MHD_CONNECTION_NOTIFY_STARTED || !(s = mconn_of(m, NULL)))
		return;
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	s->c = c;
	s->fd = ci ? ci->connect_fd : -1;
	s->cut = false;
	s->since_ms = now_ms();
}

/* MHD_OPTION_NOTIFY_COMPLETED: a request was answered (or failed); the next one is due from
 * now. */
static void on_completed(void *cls, struct MHD_Connection *c, void **req,
			 enum MHD_RequestTerminationCode toe)
{
	struct mconn *s = mconn_of(cls, c);
	(void)req;
	(void)toe;
	if (s)
		s->since_ms = now_ms();
}

/* HOST:PORT with HOST a loopback literal; fills sa. */
static bool parse_addr(const char *addr, struct sockaddr_storage *sa, socklen_t *salen)
{
	const char *colon = addr ? strrchr(addr, ':') : NULL;
	char host[64];
	size_t hn;
	char *end = NULL;
	long port;
	if (!colon || colon == addr || colon[1] == '\0')
		return false;
	hn = (size_t)(colon - addr);
	if (hn >= sizeof host)
		return false;
	memcpy(host, addr, hn);
	host[hn] = '\0';
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno || !end || *end || port < 1 || port > 65535)
		return false;
	memset(sa, 0, sizeof *sa);
	if (host[0] == '[') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;
		if (hn < 3 || host[hn - 1] != ']')
			return false;
		host[hn - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1 ||
		    !IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr))
			return false;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*salen = sizeof *s6;
		return true;
	}
	{
		struct sockaddr_in *s4 = (struct sockaddr_in *)sa;
		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1 ||
		    (ntohl(s4->sin_addr.s_addr) >> 24) != 127)
			return false;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*salen = sizeof *s4;
		return true;
	}
}

/* see status.h */
bool limf_metrics_addr_ok(const char *addr)
{
	struct sockaddr_storage sa;
	socklen_t n;
	return parse_addr(addr, &sa, &n);
}

static enum MHD_Result plain(struct MHD_Connection *conn, unsigned code, const char *msg)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		strlen(msg), (void *)(uintptr_t)msg, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result res;
	if (!r)
		return MHD_NO;
	(void)MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
	res = MHD_queue_response(conn, code, r);
	MHD_destroy_response(r);
	return res;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **req)
{
	struct limf_metrics *m = cls;
	struct limf_status st;
	struct MHD_Response *r;
	enum MHD_Result res;
	char *body = NULL;
	size_t len = 0;
	(void)version;
	(void)upload;
	(void)req;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return plain(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "GET /metrics only\n");
	if (*upload_size) /* a GET with a body: not ours */
		return plain(conn, MHD_HTTP_BAD_REQUEST, "no body expected\n");
	if (strcmp(url, "/metrics") != 0)
		return plain(conn, MHD_HTTP_NOT_FOUND, "GET /metrics only\n");
	memset(&st, 0, sizeof st);
	m->fn(m->ctx, &st);
	if (limf_status_render(&st, LIMF_STATUS_PROM, &body, &len) != LIM_OK)
		return plain(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	(void)MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4");
	res = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return res;
}

/* see status.h */
enum lim_err limf_metrics_open(const char *addr, limf_status_fn fn, void *ctx,
			       struct limf_metrics **out, char *why, size_t whycap)
{
	struct sockaddr_storage sa;
	socklen_t salen = 0;
	struct limf_metrics *m;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	const char *dl = getenv("LIMF_METRICS_DEADLINE_MS");
	*out = NULL;
	if (!parse_addr(addr, &sa, &salen)) {
		snprintf(why, whycap,
			 "metrics address '%s' refused: 127.x.x.x:PORT or [::1]:PORT only "
			 "(loopback)",
			 addr ? addr : "");
		return LIM_E_ARG;
	}
	m = calloc(1, sizeof *m);
	if (!m) {
		snprintf(why, whycap, "out of memory");
		return LIM_E_NOMEM;
	}
	m->fn = fn;
	m->ctx = ctx;
	m->deadline_ms = LIMF_METRICS_DEADLINE_MS;
	if (dl && *dl) {
		char *end = NULL;
		unsigned long v;
		errno = 0;
		v = strtoul(dl, &end, 10);
		if (errno || !end || *end || v < 100 || v > 600000) {
			snprintf(why, whycap, "LIMF_METRICS_DEADLINE_MS=%s: 100..600000 expected",
				 dl);
			free(m);
			return LIM_E_ARG;
		}
		m->deadline_ms = v;
	}
	if (sa.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* no internal thread: the capture loop polls the epoll descriptor and calls MHD_run */
	m->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, m, MHD_OPTION_SOCK_ADDR,
				(struct sockaddr *)&sa, MHD_OPTION_CONNECTION_LIMIT,
				(unsigned)LIMF_METRICS_CLIENTS, MHD_OPTION_CONNECTION_TIMEOUT,
				(unsigned)LIMF_METRICS_TIMEOUT, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
				(size_t)16384, MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)8,
				MHD_OPTION_NOTIFY_CONNECTION, on_connection, m,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, m, MHD_OPTION_END);
	if (!m->d) {
		snprintf(why, whycap, "metrics: cannot listen on %s", addr);
		free(m);
		return LIM_E_IO;
	}
	info = MHD_get_daemon_info(m->d, MHD_DAEMON_INFO_EPOLL_FD);
	if (!info || info->epoll_fd < 0) {
		snprintf(why, whycap, "metrics: libmicrohttpd has no epoll descriptor");
		MHD_stop_daemon(m->d);
		free(m);
		return LIM_E_IO;
	}
	m->epfd = info->epoll_fd;
	*out = m;
	return LIM_OK;
}

/* see status.h */
void limf_metrics_pollfd(const struct limf_metrics *m, struct pollfd *pfd)
{
	pfd->fd = m->epfd;
	pfd->events = POLLIN;
	pfd->revents = 0;
}

/* see status.h */
int limf_metrics_timeout_ms(struct limf_metrics *m, int cap)
{
	MHD_UNSIGNED_LONG_LONG t = 0;
	uint64_t now = now_ms();
	for (size_t i = 0; i < LIMF_METRICS_CLIENTS; i++) {
		const struct mconn *s = &m->conns[i];
		uint64_t due = s->since_ms + m->deadline_ms;
		if (!s->c || s->cut || s->fd < 0)
			continue;
		if (due <= now)
			return 0;
		if (due - now < (uint64_t)cap)
			cap = (int)(due - now);
	}
	if (MHD_get_timeout(m->d, &t) != MHD_YES || t >= (MHD_UNSIGNED_LONG_LONG)cap)
		return cap;
	return (int)t;
}

/* see status.h */
void limf_metrics_step(struct limf_metrics *m)
{
	uint64_t now;
	(void)MHD_run(m->d);
	/* a request not whole by its deadline: the connection is shut down, and MHD, finding
	 * it at an end, closes it at its next run (the socket is readable: the poll wakes) */
	now = now_ms();
	for (size_t i = 0; i < LIMF_METRICS_CLIENTS; i++) {
		struct mconn *s = &m->conns[i];
		if (s->c && !s->cut && s->fd >= 0 && s->since_ms + m->deadline_ms <= now) {
			(void)shutdown(s->fd, SHUT_RDWR);
			s->cut = true;
		}
	}
}

/* see status.h */
void limf_metrics_close(struct limf_metrics *m)
{
	if (!m)
		return;
	MHD_stop_daemon(m->d);
	free(m);
}
