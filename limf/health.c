/* Scale-out health reports: see health.h. */
#include "limf/health.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "warrants/warrants.h"

#define RETRY_MS 10000u

struct limf_health {
	const char *conninfo;
	struct wr_db *db; /* NULL while down */
	limf_status_fn fn;
	void *ctx;
	struct wr_instance in;
	uint64_t next_ms, retry_ms;
	bool failing;                                  /* the last attempt failed (said once) */
	void (*lock)(void *ctx), (*unlock)(void *ctx); /* limf_health_set_lock */
	void *lock_ctx;
};

/* see health.h */
void limf_health_summary(const struct limf_status *st, struct wr_instance *in)
{
	in->uptime_ms = st->uptime_ms;
	in->frames = in->bytes = in->drops = 0;
	for (size_t i = 0; i < st->n_src; i++) {
		in->frames += st->src[i].frames;
		in->bytes += st->src[i].bytes;
		if (st->src[i].have_kernel)
			in->drops += st->src[i].kernel_dropped;
	}
	if (st->cap)
		for (int d = 0; d < CAP_DROP__COUNT; d++)
			in->drops += st->cap->drop[d];
	in->calls = st->pipe ? st->pipe->calls : 0;
	in->intercepted = st->pipe ? st->pipe->calls_intercepted : 0;
	in->kms_ok = st->pipe ? st->pipe->kms_ok : 0;
	in->kms_failed = st->pipe ? st->pipe->kms_fail : 0;
	in->links = in->links_up = in->spool_pending = 0;
	/* the warrant gate failing is an alarm of the instance too, and so are a refused last
	 * reload (the running configuration is not the file's), the KMS certificate store and
	 * traffic lost to capacity limits, LIIDs the evidence bundle cannot record, records handed
	 * to no authority and live sources whose capture failed */
	in->alarm = st->gate_alarm || st->reload.last == LIMF_RELOAD_REFUSED ||
		    st->cert_store_alarm || st->loss_alarm || st->bundle_alarm || st->undelivered ||
		    limf_status_failed_sources(st);
	for (size_t i = 0; st->dlv && i < limf_dlv_count(st->dlv); i++) {
		struct limf_dlv_stats ds;
		limf_dlv_stats(st->dlv, i, &ds);
		for (int k = 0; k < 2; k++) {
			in->links++;
			if (ds.link[k].state == HO_LINK_UP)
				in->links_up++;
			in->spool_pending += ds.spool[k].head - ds.spool[k].confirmed;
			/* a full spool, or a spool error that stops the link (up is only up) */
			in->alarm = in->alarm || ds.spool[k].alarm || ds.link[k].error[0];
		}
	}
}

/* One report; false when it could not be written. */
static bool report(struct limf_health *h, bool running, uint64_t now)
{
	struct limf_status st;
	char *js = NULL;
	size_t len = 0;
	bool ok;
	if (!h->db) {
		if (now < h->retry_ms)
			return false;
		h->retry_ms = now + RETRY_MS;
		if (wr_db_open(h->conninfo, "limf-capture", &h->db) != LIM_OK) {
			if (!h->failing)
				fprintf(stderr, "limf: health reports: %s (retrying)\n",
					wr_db_msg(h->db));
			h->failing = true;
			wr_db_close(h->db);
			h->db = NULL;
			return false;
		}
	}
	memset(&st, 0, sizeof st);
	/* the snapshot under the caller's lock; the statement (a network round trip) without */
	if (h->lock)
		h->lock(h->lock_ctx);
	h->fn(h->ctx, &st);
	limf_health_summary(&st, &h->in);
	h->in.running = running;
	if (limf_status_render(&st, LIMF_STATUS_JSON, &js, &len) != LIM_OK)
		js = NULL;
	if (h->unlock)
		h->unlock(h->lock_ctx);
	h->in.status_json = js;
	ok = wr_instance_report(h->db, &h->in) == LIM_OK;
	h->in.status_json = NULL;
	free(js);
	if (!ok) {
		if (!h->failing)
			fprintf(stderr, "limf: health report of %s refused: %s%s\n", h->in.name,
				wr_db_msg(h->db),
				strcmp(wr_db_sqlstate(h->db), "42883") == 0
					? " (database schema older than version 3: run `limf db "
					  "migrate`)"
					: "");
		h->failing = true;
		/* a broken connection is reopened; a refusal (e.g. schema too old) retried later */
		wr_db_close(h->db);
		h->db = NULL;
		h->retry_ms = now + RETRY_MS;
		return false;
	}
	if (h->failing)
		fprintf(stderr, "limf: health reports of %s: written again\n", h->in.name);
	h->failing = false;
	return true;
}

/* see health.h */
enum lim_err limf_health_open(const char *conninfo, const char *name, limf_status_fn fn, void *ctx,
			      struct limf_health **out, char *why, size_t whycap)
{
	struct limf_health *h;
	const char *iv = getenv("LIMF_HEALTH_INTERVAL_MS");
	unsigned long interval = LIMF_HEALTH_MS;
	char host[256] = "", def[WR_INSTANCE_MAX + 1];

	*out = NULL;
	if (iv && *iv) {
		char *end = NULL;
		errno = 0;
		interval = strtoul(iv, &end, 10);
		if (errno || !end || *end || interval < 100 || interval > 3600000) {
			snprintf(why, whycap, "LIMF_HEALTH_INTERVAL_MS=%s: 100..3600000 expected",
				 iv);
			return LIM_E_ARG;
		}
	}
	if (gethostname(host, sizeof host - 1) != 0)
		snprintf(host, sizeof host, "unknown");
	host[WR_INSTANCE_MAX] = '\0';
	if (!name || !*name)
		name = getenv("LIMF_INSTANCE");
	if (!name || !*name) {
		snprintf(def, sizeof def, "%.40s:%ld", host, (long)getpid());
		for (char *p = def; *p; p++)
			if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
			      (*p >= 'A' && *p <= 'Z') || strchr("._:@-", *p)))
				*p = '-';
		name = def;
	} else {
		size_t n = strlen(name);
		bool ok = n >= 1 && n <= WR_INSTANCE_MAX;
		for (size_t i = 0; ok && i < n; i++) {
			char c = name[i];
			ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
			     (c >= 'A' && c <= 'Z') || strchr("._:@-", c);
		}
		if (!ok) {
			snprintf(why, whycap,
				 "instance name '%.80s': 1..64 characters of A-Z a-z 0-9 . _ : @ -",
				 name);
			return LIM_E_ARG;
		}
	}
	h = calloc(1, sizeof *h);
	if (!h) {
		snprintf(why, whycap, "out of memory");
		return LIM_E_NOMEM;
	}
	h->conninfo = conninfo ? conninfo : "";
	h->fn = fn;
	h->ctx = ctx;
	snprintf(h->in.name, sizeof h->in.name, "%s", name);
	/* host was cut to WR_INSTANCE_MAX above; the precision says so to -O1's
	 * -Wformat-truncation, which does not follow it */
	snprintf(h->in.host, sizeof h->in.host, "%.*s", (int)(sizeof h->in.host - 1), host);
	h->in.pid = (int64_t)getpid();
	h->in.interval_ms = (int64_t)interval;
	*out = h;
	limf_health_tick(h, lim_mono_ms());
	return LIM_OK;
}

/* see health.h */
void limf_health_tick(struct limf_health *h, uint64_t now_ms)
{
	if (!h || now_ms < h->next_ms)
		return;
	h->next_ms = now_ms + (uint64_t)h->in.interval_ms;
	(void)report(h, true, now_ms);
}

/* see health.h */
void limf_health_set_lock(struct limf_health *h, void (*lock)(void *), void (*unlock)(void *),
			  void *ctx)
{
	h->lock = lock;
	h->unlock = unlock;
	h->lock_ctx = ctx;
}

/* see health.h */
const char *limf_health_name(const struct limf_health *h)
{
	return h->in.name;
}

/* see health.h */
void limf_health_close(struct limf_health *h)
{
	if (!h)
		return;
	h->retry_ms = 0;
	if (!report(h, false, lim_mono_ms()))
		fprintf(stderr, "limf: instance %s could not be marked stopped in the database\n",
			h->in.name);
	wr_db_close(h->db);
	free(h);
}
