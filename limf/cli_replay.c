/* limf replay (DESIGN.md s6, s7): pcap files through the pipeline (limf/pipeline.h) into an
 * evidence bundle (handover/bundle.h).
 *
 *   limf replay [--liid L] [--db CONNSTR] [--config FILE] [--kms URL --ca F --cert F --key F]
 *               [--sign-key PEM] [--workers N [--queue MIB]] [--accept-truncated]
 *               [--verify-checksums] [--json] [--quiet] --out DIR PCAP...
 *
 * Settings: flags, else limf.conf (--config), else the LIMF_DB / LIMF_KMS_URL / LIMF_KMS_CA /
 * LIMF_KMS_CERT / LIMF_KMS_KEY / LIMF_SIGN_KEY environment. The Ed25519 signing key is required
 * (an unsigned bundle proves nothing). DIR must not exist or be empty.
 *
 * The bundle's layout is limf/out.h's; per LIID of a warrant that matched (nothing for anyone
 * else):
 *   <LIID>/iri.jsonl   one JSON object per IRI record (see write_iri)
 *   <LIID>/hi2.pdu     every IRI record as an ETSI TS 102 232-1/-5 PS-PDU, back to back (SIP
 *                      messages as sIPMessage; key management, call end and group records as
 *                      limf's nationalIPMMIRIParameters records, handover/pdu.h)
 *   <LIID>/cc.pcap     clear RTP in IP/UDP with the original addresses, ports and times
 *   <LIID>/hi3.pdu     the same packets as IPMMCC PS-PDUs
 *   <LIID>/audio/<CIN>-<SSRC>.wav   each PCMU/PCMA stream decoded to 16-bit PCM
 * Sequence numbers of the PDUs count per (LIID, CIN), IRI and CC separately, from 0.
 * The manifest's extra members: "warrants" (the warrants used: LIID, authority, reference,
 * country, scope, validity, status, as they were when the bundle first had output of the LIID,
 * read "as_of" then; "at_end": the same as read at the end, when they changed meanwhile;
 * "suspended_during_run"), "calls" (per intercepted call: CIN, Call-ID, parties, times, LIIDs,
 * key management without key values, streams with packet counts and their WAV),
 * "kms" (the KMS and its certificate's public facts), "summary" (counters) and, when
 * --accept-truncated replayed a file cut short, "truncated_inputs" (name, frames, reason);
 * "verify_checksums": true with --verify-checksums (cap_calls_limits verify_csum); "audit":
 * the audit chain's head after this replay's rows (see struct limf_audit_mark). */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/codec.h"
#include "common/json.h"
#include "handover/bundle.h"
#include "handover/handover.h"
#include "limf/cli.h"
#include "limf/config.h"
#include "limf/delivery.h"
#include "limf/input.h"
#include "limf/opts.h"
#include "limf/out.h"
#include "limf/pipeline.h"
#include "limf/text.h"
#include "warrants/kms.h"
#include "warrants/warrants.h"

#define MAX_PCAPS 256

/* ---- options ------------------------------------------------------------------------------ */

struct r_opts {
	const char *liid, *db, *config, *url, *ca, *cert, *key, *sign_key, *out, *dlv_timeout;
	const char *workers, *queue;
	bool json, quiet, deliver, accept_trunc, verify_csum;
	size_t n_pcap;
	const char *pcap[MAX_PCAPS];
};

static void replay_usage(FILE *f)
{
	fputs("usage: limf replay [--liid L] [--db CONNSTR] [--config FILE]\n"
	      "                   [--kms URL --ca FILE --cert FILE --key FILE] [--sign-key PEM]\n"
	      "                   [--deliver [--deliver-timeout SECONDS]]\n"
	      "                   [--workers N [--queue MIB]] [--accept-truncated]\n"
	      "                   [--verify-checksums] [--json] [--quiet] --out DIR PCAP...\n"
	      "Replays captures through the warrant gate: calls of targets under a warrant in\n"
	      "force at the call's time are decrypted (keys from the KMS, audited) into an\n"
	      "evidence bundle in DIR (must not exist, or be empty), signed with the Ed25519\n"
	      "key (PEM). Nothing of anyone else is decrypted or written. Check it with\n"
	      "`limf verify DIR`. Settings: flags, then the config file, then LIMF_DB,\n"
	      "LIMF_KMS_URL/CA/CERT/KEY, LIMF_SIGN_KEY.\n"
	      "--deliver also hands the IRI and CC over to the authority each warrant's delivery\n"
	      "names ([authority NAME] in the config), through the durable spool; what is not\n"
	      "confirmed within --deliver-timeout (default 30 s) stays spooled for\n"
	      "`limf handover flush` (exit 3 then).\n"
	      "Exit 3 also when the warrant gate failed during the run (decision_errors,\n"
	      "cin_errors, audit_errors): the bundle verifies but is INCOMPLETE (\"complete\":\n"
	      "false in --json); mend the cause and replay again.\n"
	      "--workers N (else LIMF_WORKERS, else 1): N pipeline threads, each call on one of\n"
	      "them (each with its own database connection; one KMS client); the outputs are\n"
	      "still written in input order: the same bundle at every run with the same N.\n"
	      "--queue MIB: each worker's input queue (1 to 1024 MiB, default 16); --json then\n"
	      "adds \"pool\": the deepest a queue was and how often the reader waited for one.\n"
	      "A capture file that ends inside a record (cut short) is refused; with\n"
	      "--accept-truncated its whole records are replayed and the cut is recorded in the\n"
	      "manifest and the summary (\"truncated_inputs\": name, frames read, reason).\n"
	      "--verify-checksums drops SIP datagrams and TCP segments whose UDP/TCP checksum\n"
	      "is wrong, as their receiver does (counted as l4_checksum drops): such a packet\n"
	      "can then neither end nor change a call. Not for captures made on a party's own\n"
	      "host (checksum offload leaves its outgoing packets unsummed). The manifest\n"
	      "records it (\"verify_checksums\": true).\n",
	      f);
}

static void progress(struct limf_pool *p, uint64_t done, uint64_t total, bool final)
{
	struct limf_pipe_stats s;
	const struct limf_pipe_stats *st = &s;
	unsigned pct = total ? (unsigned)(done * 100u / total) : 100u;
	char bar[31];
	limf_pool_stats(p, &s, NULL);
	size_t fill = (size_t)pct * 30u / 100u;
	for (size_t i = 0; i < 30; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[30] = '\0';
	fprintf(stderr, "\r[%s] %3u%% %.1f/%.1f MB  calls %" PRIu64 "  intercepted %" PRIu64 "%s",
		bar, pct, (double)done / 1e6, (double)total / 1e6, st->calls, st->calls_intercepted,
		final ? "\n" : "");
}

/* A capture file that ended inside a record, replayed up to there (--accept-truncated). */
struct cut {
	const char *path;
	uint64_t frames; /* whole frames read before the cut */
	char why[256];   /* libpcap's reason */
};

/* The manifest's and --json's "truncated_inputs" array: name (as in the manifest's
 * "inputs"), frames, reason. */
static void put_cuts(struct lim_json *j, const struct cut *c, size_t n)
{
	lim_json_arr_open(j);
	for (size_t i = 0; i < n; i++) {
		const char *name = strrchr(c[i].path, '/');
		lim_json_obj_open(j);
		lim_json_key(j, "name");
		lim_json_str(j, name ? name + 1 : c[i].path);
		lim_json_key(j, "frames");
		lim_json_u64(j, c[i].frames);
		lim_json_key(j, "reason");
		lim_json_str(j, c[i].why);
		lim_json_obj_close(j);
	}
	lim_json_arr_close(j);
}

/* The replay's own manifest members, for limf_with_audit: ,"verify_checksums":true when
 * checksums were verified, ,"truncated_inputs":[...] when inputs were cut short. */
struct cuts {
	const struct cut *c;
	size_t n;
	bool verify_csum;
};

static bool put_truncated(FILE *f, void *ctx)
{
	const struct cuts *k = ctx;
	struct lim_json j;
	if (k->verify_csum && !limf_put_verify_csum(f, NULL))
		return false;
	if (!k->n)
		return true;
	fputs(",\"truncated_inputs\":", f);
	lim_json_init(&j, f);
	put_cuts(&j, k->c, k->n);
	return lim_json_end(&j) == LIM_OK;
}

/* The most octets the audit, verify_checksums and truncated_inputs members add (JSON escapes
 * a character in 6 at most). */
static size_t members_max(const struct cut *c, size_t n)
{
	size_t m = LIMF_AUDIT_MEMBER_MAX + 32;
	for (size_t i = 0; i < n; i++)
		m += 96 + 6 * (strlen(c[i].path) + sizeof c[i].why);
	return m;
}

static void hash_tap(void *ctx, const uint8_t *p, size_t n)
{
	limf_bg_digest_update(ctx, p, n);
}

/* The size and SHA-256 of the octets the reader consumed from one input (the tap): recorded in
 * the manifest (ho_bundle_input_digest, once the pipeline is done with the bundle), so that it
 * describes exactly what was replayed, also when the file changed while it was read (it is never
 * read again by path). */
struct in_digest {
	uint64_t size;
	uint8_t sha[32];
};

/* Finishes d into *out. A file whose size is not that when done changed during the run: said
 * on stderr (the manifest keeps what was read). 0, or 1 (said). */
static int input_done(struct limf_bg_digest *d, const char *path, struct in_digest *out)
{
	struct stat sb;
	enum lim_err rc = limf_bg_digest_final(d, &out->size, out->sha);
	if (rc != LIM_OK) {
		fprintf(stderr, "limf: %s: cannot be hashed: %s\n", path, lim_strerror(rc));
		return 1;
	}
	if (stat(path, &sb) != 0 || (uint64_t)sb.st_size != out->size)
		fprintf(stderr,
			"limf: WARNING: %s changed while it was replayed; the manifest records the "
			"%" PRIu64 " octets that were read and replayed\n",
			path, out->size);
	return 0;
}

/* One capture file through the pool, its octets hashed as they are read into *dg (input_done).
 * 0, or 1 (reported): unreadable, or cut short without accept_trunc; cut short
 * with it: 0 and *cut filled, *was_cut set. */
static int run_file(struct limf_pool *p, struct limf_dlv *dlv, const struct limf_out *out,
		    struct in_digest *dg, const char *path, uint64_t *done, uint64_t total,
		    bool bar, uint64_t *last_ts, bool accept_trunc, struct cut *cut, bool *was_cut)
{
	struct cap_source *s = NULL;
	struct limf_bg_digest *d = NULL; /* hashed beside the reader (input.h) */
	struct cap_tap tap;
	uint64_t last_draw = 0, frames = 0;
	enum lim_err rc = limf_bg_digest_new(&d);
	if (rc != LIM_OK) {
		fprintf(stderr, "limf: %s: cannot be hashed: %s\n", path, lim_strerror(rc));
		return 1;
	}
	tap.fn = hash_tap;
	tap.ctx = d;
	rc = cap_source_open_file_tap(path, &tap, &s);
	if (rc != LIM_OK) {
		fprintf(stderr, "limf: %s: cannot read as pcap/pcapng\n", path);
		limf_bg_digest_free(d);
		return 1;
	}
	for (;;) {
		struct cap_frame f;
		bool eof;
		rc = cap_source_next(s, &f, &eof);
		if (rc != LIM_OK || eof)
			break;
		if (f.ts_ns > *last_ts)
			*last_ts = f.ts_ns;
		limf_pool_frame(p, &f);
		*done += f.caplen + 16u;
		frames++;
		/* the bundle cannot be finished any more (said by limf/out.c when it happened):
		 * no more keys fetched and content decrypted for nothing */
		if ((frames & 4095u) == 0 && limf_out_failed(out)) {
			fprintf(stderr, "limf: %s: stopped after %" PRIu64 " frames\n", path,
				frames);
			cap_source_close(s);
			limf_bg_digest_free(d);
			return 1;
		}
		/* let the links send while the replay runs (bounded spool use) */
		if (dlv && (frames & 4095u) == 0) {
			limf_pool_sink_lock(p);
			/* a link's spool error is said by the pump and retried by the link; the
			 * replay goes on (the bundle does not depend on it), and what the link
			 * could not deliver stays spooled (exit 3 after the final flush) */
			(void)!limf_dlv_pump(dlv, 0);
			limf_pool_sink_unlock(p);
		}
		if (bar && (frames & 1023u) == 0) {
			uint64_t t = lim_mono_ms();
			if (t - last_draw >= 200) {
				last_draw = t;
				progress(p, *done, total, false);
			}
		}
	}
	*was_cut = false;
	if (rc == LIM_E_TRUNC && accept_trunc) {
		cut->path = path;
		cut->frames = frames;
		snprintf(cut->why, sizeof cut->why, "%s", cap_source_error(s));
		*was_cut = true;
		rc = LIM_OK;
	} else if (rc == LIM_E_TRUNC) {
		fprintf(stderr,
			"limf: %s: cut short after %" PRIu64 " whole frames (%s); "
			"--accept-truncated replays those and records the cut in the manifest\n",
			path, frames, cap_source_error(s));
	} else if (rc != LIM_OK) {
		fprintf(stderr, "limf: %s: unreadable after %" PRIu64 " frames\n", path, frames);
	}
	cap_source_close(s);
	if (rc == LIM_OK && input_done(d, path, dg) != 0)
		rc = LIM_E_IO;
	limf_bg_digest_free(d);
	return rc == LIM_OK ? 0 : 1;
}

/* see cli.h */
int limf_cmd_replay(int argc, char **argv)
{
	struct r_opts o;
	struct limf_conf conf;
	unsigned workers = 1;
	size_t queue_bytes = 0;
	struct ho_bundle *b = NULL;
	struct limf_dlv *dlv = NULL;
	struct limf_out *out = NULL;
	struct limf_out_stats ost;
	struct limf_pool *p = NULL;
	struct wr_kms *kms = NULL;
	struct wr_db *db = NULL;
	struct limf_prep *prep = NULL;
	struct ho_sign_key *skey = NULL;
	char why[512];
	const char *url, *ca, *cert_f, *key_f, *sign_key, *dbs;
	uint64_t total = 0, done = 0, last_ts = 0;
	struct cut cuts[MAX_PCAPS];
	struct limf_audit_mark amark;
	struct in_digest dgs[MAX_PCAPS];
	struct cap_calls_limits climits;
	size_t n_cut = 0;
	int rc = 1, json_rc = 0;
	const struct limf_opt opts[] = {
		{ "--liid", &o.liid, NULL, NULL, NULL, 0 },
		{ "--db", &o.db, NULL, NULL, NULL, 0 },
		{ "--config", &o.config, NULL, NULL, NULL, 0 },
		{ "--kms", &o.url, NULL, NULL, NULL, 0 },
		{ "--ca", &o.ca, NULL, NULL, NULL, 0 },
		{ "--cert", &o.cert, NULL, NULL, NULL, 0 },
		{ "--key", &o.key, NULL, NULL, NULL, 0 },
		{ "--sign-key", &o.sign_key, NULL, NULL, NULL, 0 },
		{ "--out", &o.out, NULL, NULL, NULL, 0 },
		{ "--json", NULL, &o.json, NULL, NULL, 0 },
		{ "--quiet", NULL, &o.quiet, NULL, NULL, 0 },
		{ "--deliver", NULL, &o.deliver, NULL, NULL, 0 },
		{ "--deliver-timeout", &o.dlv_timeout, NULL, NULL, NULL, 0 },
		{ "--workers", &o.workers, NULL, NULL, NULL, 0 },
		{ "--queue", &o.queue, NULL, NULL, NULL, 0 },
		{ "--accept-truncated", NULL, &o.accept_trunc, NULL, NULL, 0 },
		{ "--verify-checksums", NULL, &o.verify_csum, NULL, NULL, 0 },
	};
	memset(&o, 0, sizeof o);
	const char *pos[MAX_PCAPS + 1] = { 0 };
	if (limf_wants_help(argc, argv)) {
		replay_usage(stdout);
		return 0;
	}
	if (limf_parse_opts(argc, argv, opts, sizeof opts / sizeof opts[0], pos, MAX_PCAPS) != 0 ||
	    !o.out || !pos[0]) {
		replay_usage(stderr);
		return 2;
	}
	if (limf_workers_opt(limf_setting(o.workers, NULL, "LIMF_WORKERS"), &workers) != 0)
		return 2;
	if (o.queue) {
		long v = 0;
		if (!limf_num_opt(o.queue, 1, 1024, &v)) {
			fprintf(stderr, "limf: --queue: a number of MiB from 1 to 1024\n");
			return 2;
		}
		queue_bytes = (size_t)v << 20;
	}
	while (o.n_pcap < MAX_PCAPS && pos[o.n_pcap]) {
		o.pcap[o.n_pcap] = pos[o.n_pcap];
		o.n_pcap++;
	}
	limf_conf_init(&conf);
	if (o.config && limf_conf_load(o.config, &conf, why, sizeof why) != LIM_OK) {
		fprintf(stderr, "limf: %s\n", why);
		return 1;
	}
	dbs = limf_setting(o.db, conf.db, "LIMF_DB");
	url = limf_setting(o.url, conf.kms_url, "LIMF_KMS_URL");
	ca = limf_setting(o.ca, conf.kms_ca, "LIMF_KMS_CA");
	cert_f = limf_setting(o.cert, conf.kms_cert, "LIMF_KMS_CERT");
	key_f = limf_setting(o.key, conf.kms_key, "LIMF_KMS_KEY");
	limf_secure_heap_warn();
	{
		/* before anything is made (the bundle's directory) */
		const char *uwhy;
		if (url && !wr_kms_url_ok(url, &uwhy)) {
			fprintf(stderr, "limf: KMS URL: %s\n", uwhy);
			return 1;
		}
	}
	sign_key = limf_setting(o.sign_key, conf.sign_key, "LIMF_SIGN_KEY");
	if (!sign_key) {
		fprintf(stderr, "limf: no evidence signing key (--sign-key, [evidence] sign_key in "
				"the config, or LIMF_SIGN_KEY)\n");
		return 1;
	}
	/* the key is loaded and made to sign now, before any key is fetched or anything is
	 * decrypted: a key found unusable at the end left an unsigned bundle of clear content */
	if (limf_sign_key(sign_key, &skey) != 0)
		return 1;
	for (size_t i = 0; i < o.n_pcap; i++) {
		struct stat sb;
		if (stat(o.pcap[i], &sb) != 0 || !S_ISREG(sb.st_mode)) {
			fprintf(stderr, "limf: %s: not a readable file\n", o.pcap[i]);
			goto out;
		}
		total += (uint64_t)sb.st_size;
	}
	/* the SRTP self-tests run beside the set-up (the inputs are hashed as they are read) */
	if (limf_prep_start(&prep) != LIM_OK) {
		fprintf(stderr, "limf: out of memory\n");
		goto out;
	}
	if (limf_open_db(dbs, &db) != 0)
		goto out;
	/* --liid of no warrant would replay into an empty bundle: said before anything is made */
	if (o.liid) {
		struct wr_warrant *w = calloc(1, sizeof *w);
		enum lim_err le = w ? wr_warrant_get(db, o.liid, w) : LIM_E_NOMEM;
		free(w);
		if (le == LIM_E_ARG) {
			fprintf(stderr, "limf: --liid %s: no such warrant\n", o.liid);
			goto out;
		}
		if (le != LIM_OK) {
			fprintf(stderr, "limf: --liid %s: the warrant cannot be read: %s\n", o.liid,
				le == LIM_E_NOMEM ? "out of memory" : wr_db_msg(db));
			goto out;
		}
	}
	if (limf_bundle_open(o.out, &b) != 0)
		goto out;
	if (o.deliver) {
		if (!o.config || conf.n_auth == 0) {
			fprintf(stderr, "limf: --deliver needs a config with [authority NAME] "
					"sections and a [handover] spool_dir\n");
			goto out;
		}
		if (limf_dlv_new(&conf, limf_pool_seq_keys(workers), &dlv, why, sizeof why) !=
		    LIM_OK) {
			fprintf(stderr, "limf: handover: %s\n", why);
			goto out;
		}
		/* the live instances' CIN counter: a replay handed over to an authority never
		 * reuses a CIN the service gave (limf/delivery.h) */
		limf_dlv_set_cin_db(dlv, db);
		if (limf_dlv_new_run(dlv) != LIM_OK)
			fprintf(stderr,
				"limf: handover: the spools' sequence counters of earlier "
				"runs could not be dropped (they stay until a later run)\n");
	}
	/* old traffic: one fetch per user and key period per run (keep_ended) */
	if (limf_kms_open(url, ca, cert_f, key_f, conf.kms_refresh, true, &kms) != 0)
		goto out;
	{
		struct limf_out_cfg oc = { b, dlv, db, &conf };
		if (limf_out_new(&oc, &out) != LIM_OK) {
			fprintf(stderr, "limf: out of memory\n");
			goto out;
		}
	}
	cap_calls_limits_default(&climits);
	climits.verify_csum = o.verify_csum;
	{
		struct limf_pool_cfg pc;
		memset(&pc, 0, sizeof pc);
		pc.workers = workers;
		pc.queue_bytes = queue_bytes;
		pc.ordered = true; /* the same bundle at every run */
		pc.pipe.limits = &climits;
		if (getrandom(&pc.table_seed, sizeof pc.table_seed, 0) != sizeof pc.table_seed)
			pc.table_seed = (uint32_t)time(NULL) ^ (uint32_t)getpid() << 8;
		pc.pipe.db = db;
		pc.pipe.kms = kms;
		pc.pipe.only_liid = o.liid;
		pc.pipe.sink = limf_out_sink(out);
		pc.open = limf_worker_open;
		pc.close = limf_worker_close;
		pc.ctx = (void *)dbs;
		if (limf_pool_new(&pc, &p) != LIM_OK) {
			fprintf(stderr, "limf: the pipeline could not be set up\n");
			goto out;
		}
	}
	bool bar = !o.quiet && !o.json && isatty(2);
	for (size_t i = 0; i < o.n_pcap; i++) {
		bool was_cut;
		if (run_file(p, dlv, out, &dgs[i], o.pcap[i], &done, total, bar, &last_ts,
			     o.accept_trunc, &cuts[n_cut], &was_cut) != 0)
			goto out;
		n_cut += was_cut;
	}
	limf_pool_finish(p, last_ts);
	if (bar)
		progress(p, total, total, true);
	{
		char *extra =
			limf_out_manifest(out, p, url, kms, NULL, 0, members_max(cuts, n_cut));
		enum lim_err e;
		limf_audit_mark_read(db, &amark);
		if (extra) {
			struct cuts k = { cuts, n_cut, o.verify_csum };
			char *x = limf_with_audit(extra, &amark, put_truncated, &k);
			free(extra);
			extra = x;
		}
		if (!extra) {
			fprintf(stderr, "limf: out of memory\n");
			goto out;
		}
		if (limf_out_error(out)) {
			fprintf(stderr, "limf: writing the bundle: %s\n", limf_out_error(out));
			free(extra);
			goto out;
		}
		for (size_t i = 0; i < o.n_pcap; i++) {
			e = ho_bundle_input_digest(b, o.pcap[i], dgs[i].size, dgs[i].sha);
			if (e != LIM_OK) {
				fprintf(stderr,
					"limf: %s: cannot be recorded in the manifest: %s\n",
					o.pcap[i], lim_strerror(e));
				free(extra);
				goto out;
			}
		}
		e = ho_bundle_close_key(b, limf_version(), extra, skey);
		b = NULL;
		free(extra);
		if (e != LIM_OK) {
			fprintf(stderr, "limf: finishing the bundle: %s\n", lim_strerror(e));
			goto out;
		}
	}
	int dlv_rc = 0;
	limf_out_stats(out, &ost);
	if (dlv) {
		long secs = 30;
		if (o.dlv_timeout) {
			char *end = NULL;
			secs = strtol(o.dlv_timeout, &end, 10);
			if (!end || *end || secs < 0 || secs > 86400)
				secs = 30;
		}
		enum lim_err fe = limf_dlv_flush(dlv, lim_mono_ms() + (uint64_t)secs * 1000u);
		if (fe != LIM_OK || ost.dlv_refused) {
			fprintf(stderr,
				"limf: handover: %s; what was not confirmed stays spooled in %s "
				"(limf handover flush --config %s)\n",
				ost.dlv_refused ? "PDUs refused by the spool"
						: "not all PDUs were confirmed",
				conf.spool_dir, o.config);
			dlv_rc = 3;
		}
		/* (in the bundle, not on the network: said, the exit unchanged) */
		if (ost.undelivered)
			fprintf(stderr,
				"limf: handover: %" PRIu64 " record(s) of LIIDs whose delivery "
				"names no [authority] were not handed over (they are in the "
				"bundle)\n",
				ost.undelivered);
	}
	/* A bundle of a run whose gate failed is signed and verifies, but is not the whole
	 * evidence: warranted calls may be missing (a decision or CIN that failed is no
	 * interception) or decryptions not on the audit log. Said, and exit 3 (as `limf capture`
	 * for cin_errors), so that a script re-runs the replay rather than hand it over. So is
	 * one that lost frames at limf's limits (a flood of fragments, say): a replay would lose
	 * them again, but the authority is told that a target's packets may be among them. */
	struct limf_pipe_stats gs;
	char gwhy[HO_BUNDLE_INCOMPLETE_MAX + 1];
	limf_pool_stats(p, &gs, NULL);
	bool complete = !limf_out_incomplete(out, p, 0, gwhy, sizeof gwhy);
	if (!complete)
		fprintf(stderr, "limf: ALARM: the evidence is INCOMPLETE: %s%s\n", gwhy,
			gs.decision_errors || gs.cin_errors || gs.audit_errors
				? "; see the warnings above, mend the cause and replay again"
				: "");
	if (o.json) {
		struct lim_json j;
		lim_json_init(&j, stdout);
		lim_json_obj_open(&j);
		lim_json_key(&j, "out");
		lim_json_str(&j, o.out);
		lim_json_key(&j, "liids");
		lim_json_arr_open(&j);
		for (size_t i = 0; limf_out_liid(out, i); i++)
			lim_json_str(&j, limf_out_liid(out, i));
		lim_json_arr_close(&j);
		lim_json_key(&j, "complete");
		lim_json_bool(&j, complete);
		{
			/* the signing key's fingerprint, for the authority to pin (limf verify
			 * --fingerprint), as the text says it */
			uint8_t fb[32];
			char fx[65];
			if (ho_sign_key_fpr(skey, fb) == LIM_OK) {
				lim_hex_encode(fb, sizeof fb, fx);
				lim_json_key(&j, "key_sha256");
				lim_json_str(&j, fx);
			}
		}
		lim_json_key(&j, "summary");
		limf_json_pipe_summary(&j, p);
		if (n_cut) {
			lim_json_key(&j, "truncated_inputs");
			put_cuts(&j, cuts, n_cut);
		}
		lim_json_key(&j, "audit");
		limf_json_audit(&j, &amark);
		if (limf_pool_workers(p) > 1) {
			lim_json_key(&j, "pool");
			lim_json_obj_open(&j);
			lim_json_key(&j, "workers");
			lim_json_u64(&j, limf_pool_workers(p));
			lim_json_key(&j, "queue_peak_bytes");
			lim_json_u64(&j, limf_pool_queue_peak(p));
			lim_json_key(&j, "reader_sleeps");
			lim_json_u64(&j, limf_pool_sleeps(p));
			lim_json_obj_close(&j);
		}
		lim_json_key(&j, "audio");
		lim_json_obj_open(&j);
		lim_json_key(&j, "wavs");
		lim_json_u64(&j, ost.n_wavs);
		lim_json_key(&j, "packets_without_wav");
		lim_json_u64(&j, ost.wav_refused);
		lim_json_obj_close(&j);
		lim_json_key(&j, "cc");
		lim_json_obj_open(&j);
		lim_json_key(&j, "packets_not_in_pcap");
		lim_json_u64(&j, ost.pcap_refused);
		lim_json_obj_close(&j);
		if (dlv) {
			lim_json_key(&j, "handover");
			lim_json_obj_open(&j);
			lim_json_key(&j, "iri_spooled");
			lim_json_u64(&j, ost.dlv_iri);
			lim_json_key(&j, "cc_spooled");
			lim_json_u64(&j, ost.dlv_cc);
			lim_json_key(&j, "refused");
			lim_json_u64(&j, ost.dlv_refused);
			lim_json_key(&j, "undelivered");
			lim_json_u64(&j, ost.undelivered);
			lim_json_key(&j, "all_confirmed");
			lim_json_bool(&j, dlv_rc == 0);
			lim_json_obj_close(&j);
		}
		lim_json_obj_close(&j);
		/* the bundle is signed by now: a summary that cannot be written fails a complete
		 * run (exit 1, main says why), an incomplete one stays 3 */
		json_rc = limf_json_end(&j);
	} else {
		struct limf_pipe_stats ps;
		const struct limf_pipe_stats *s = &ps;
		limf_pool_stats(p, &ps, NULL);
		printf("replayed %zu file(s): %" PRIu64 " calls, %" PRIu64 " intercepted (%" PRIu64
		       " with content)\n",
		       o.n_pcap, s->calls, s->calls_intercepted, s->calls_cc);
		printf("decrypted %" PRIu64 " media packets (%" PRIu64
		       " failed authentication, %" PRIu64 " replayed); KMS requests %" PRIu64
		       " ok, %" PRIu64 " failed\n",
		       s->decrypted, s->auth_failed, s->replayed, s->kms_ok, s->kms_fail);
		for (size_t i = 0; i < n_cut; i++)
			printf("WARNING: %s was cut short: its first %" PRIu64
			       " frames were replayed (%s)\n",
			       cuts[i].path, cuts[i].frames, cuts[i].why);
		if (s->warrants_left_out)
			printf("WARNING: %" PRIu64 " warrant(s) in force were left out of calls "
			       "with more than %d warrants: no IRI or content for them there\n",
			       s->warrants_left_out, LIMF_CALL_MAX_LIIDS);
		if (s->sig_bad)
			printf("WARNING: %" PRIu64 " I_MESSAGE(s) with a signature that does not "
			       "verify: their keys were not used\n",
			       s->sig_bad);
		if (s->cert_fetches > 1 || s->cert_refused)
			printf("KMS certificate fetched %" PRIu64 " time(s); %" PRIu64
			       " re-fetch(es) refused by the rate limit ([kms] cert_refresh)\n",
			       s->cert_fetches, s->cert_refused);
		if (s->cert_outside)
			printf("WARNING: %" PRIu64 " I_MESSAGE(s) of calls at a time no KMS "
			       "certificate is valid at: nothing requested or decrypted for them\n",
			       s->cert_outside);
		if (s->decision_errors || s->audit_errors)
			printf("WARNING: %" PRIu64 " warrant decision(s) failed (those calls were "
			       "not intercepted) and %" PRIu64 " audit row(s) could not be "
			       "written\n",
			       s->decision_errors, s->audit_errors);
		if (s->cin_errors)
			printf("WARNING: %" PRIu64 " call(s) under a warrant were NOT intercepted: "
			       "no communication identity number (CIN) could be reserved\n",
			       s->cin_errors);
		if (ost.wav_refused)
			printf("WARNING: %" PRIu64 " G.711 packets are in no WAV (too many streams "
			       "at once, more WAVs than a bundle holds, a packet before its "
			       "stream's start or a payload type change); cc.pcap and hi3.pdu "
			       "hold them\n",
			       ost.wav_refused);
		if (ost.pcap_refused)
			printf("WARNING: %" PRIu64 " CC packets are not in cc.pcap (longer than a "
			       "pcap record holds, or dated after 2106); hi3.pdu holds them\n",
			       ost.pcap_refused);
		if (dlv)
			printf("handover: %" PRIu64 " IRI and %" PRIu64 " CC PDUs spooled, %s\n",
			       ost.dlv_iri, ost.dlv_cc,
			       dlv_rc ? "NOT all confirmed (still spooled)"
				      : "all confirmed by the authorities");
		{
			/* the fingerprint, for the authority to pin: a bundle's own key shows only
			 * that it is as that key signed it (limf verify without --key) */
			uint8_t fb[32];
			char fx[65] = "?";
			if (ho_sign_key_fpr(skey, fb) == LIM_OK)
				lim_hex_encode(fb, sizeof fb, fx);
			printf("evidence bundle: %s, signed by the key of SHA-256 fingerprint %s\n"
			       "  (give the authority that fingerprint or the public key, `openssl "
			       "pkey -in %s -pubout`, apart from the bundle;\n"
			       "  it checks with: limf verify --key PUB.pem %s)\n",
			       o.out, fx, sign_key, o.out);
		}
		if (amark.ok) {
			char hx[2 * WR_HASH_LEN + 1];
			for (size_t i = 0; i < WR_HASH_LEN; i++)
				snprintf(hx + 2 * i, 3, "%02x", amark.head[i]);
			printf("audit chain head in the manifest: row %" PRId64 " %s\n"
			       "  (limf audit verify --expect-head %s --min-rows %" PRId64
			       " shows later that no row up to it changed)\n",
			       amark.rows, hx, hx, amark.rows);
		}
		for (size_t i = 0; limf_out_wav(out, i); i++)
			printf("  audio: %s/%s\n", o.out, limf_out_wav(out, i));
	}
	rc = dlv_rc ? dlv_rc : complete ? 0 : 3;
	if (rc == 0 && json_rc)
		rc = 1;
out:
	ho_sign_key_free(skey);
	limf_prep_free(prep);
	limf_pool_free(p);
	limf_out_free(out);
	limf_dlv_free(dlv);
	if (b) {
		/* (what it wrote stays for a look, bundle.h; the operator is told it is no
		 * evidence, and why the next replay into it is refused) */
		ho_bundle_abort(b);
		fprintf(stderr,
			"limf: %s: the bundle was not finished (no signed manifest): its files are "
			"not evidence; remove them, or give another --out, before replaying "
			"again\n",
			o.out);
	}
	wr_kms_free(kms);
	wr_db_close(db);
	return rc;
}
