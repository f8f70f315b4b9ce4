/* limf/ network handover: see delivery.h. */
#include "limf/delivery.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/owner.h"
#include "warrants/warrants.h"

#define CIN_FILE    "cin"
#define SPOOL_MB    1024u
#define MAX_POLLFDS (2 * LIMF_CONF_AUTH)

struct dlv_auth {
	const struct limf_conf_auth *cfg;
	uint32_t version; /* li-psDomainId version of this authority's PDUs */
	struct ho_spool *sp[2];
	struct ho_link *ln[2];
	bool kept[2]; /* sp[k] is a running delivery's, taken over (limf_dlv_reopen) */
	char said[2][sizeof(((struct ho_link_stats *)0)->error)]; /* the link error last said */
};

struct limf_dlv {
	const struct limf_conf *conf;
	uint32_t mem_cin;                  /* no spool directory: this run's CINs */
	struct wr_db *cin_db;              /* CINs from the database (borrowed), else NULL */
	uint32_t cin_next, cin_left;       /* the rest of the last block taken from it */
	bool cin_db_failing;               /* the last reservation failed (reported once) */
	char cin_src[LIMF_CONF_PATH + 48]; /* "the spool directory's counter (<dir>/cin)" */
	char dir[LIMF_CONF_PATH];
	size_t seq_keys; /* each spool's sequence counters (limf_dlv_new) */
	size_t n;
	struct dlv_auth a[LIMF_CONF_AUTH];
};

/* A directory of the spool tree: made 0700, the owner of the one it is in (common/owner.h) */
static enum lim_err mkdir_private(const char *path)
{
	return lim_mkdir_owned(path, 0700) == 0 ? LIM_OK : LIM_E_IO;
}

/* see delivery.h */
uint64_t limf_dlv_spool_max(const struct limf_conf *c)
{
	unsigned long long mb = SPOOL_MB;
	if (c->spool_max_mb[0]) {
		char *end = NULL;
		mb = strtoull(c->spool_max_mb, &end, 10);
		if (!end || *end || mb == 0 || mb > (1ull << 20))
			return 0;
	}
	return (uint64_t)mb << 20;
}

/* The spool of stream k (0 HI2, 1 HI3) of authority name under dir. */
static void spool_path(char *path, size_t cap, const char *dir, const char *name, int k)
{
	snprintf(path, cap, "%s/%s/%s", dir, name, k ? "hi3" : "hi2");
}

/* Whether the spool directories a and b are one: the same name, or (spelled another way: a
 * trailing '/', "./x" for "x", a symbolic link on the way) the same existing directory, by
 * device and inode. A directory that does not exist is only itself. */
static bool same_dir(const char *a, const char *b)
{
	struct stat sa, sb;
	if (strcmp(a, b) == 0)
		return true;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && S_ISDIR(sa.st_mode) &&
	       sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* The running spool at path in old (NULL: none); *ai and *ki say where. */
static struct ho_spool *spool_at(const struct limf_dlv *old, const char *path, size_t *ai, int *ki)
{
	char p[LIMF_CONF_PATH + 2 * LIMF_AUTH_NAME];
	for (size_t i = 0; old && i < old->n; i++)
		for (int k = 0; k < 2; k++) {
			spool_path(p, sizeof p, old->dir, old->a[i].cfg->name, k);
			if (old->a[i].sp[k] && same_dir(p, path)) {
				*ai = i;
				*ki = k;
				return old->a[i].sp[k];
			}
		}
	return NULL;
}

static void dlv_free(struct limf_dlv *d);

/* limf_dlv_new, taking over from old (may be NULL) each spool whose directory c still uses:
 * kept open as it is (not re-read, its bound set to c's), only its link is new. old itself is
 * not changed here (its links still run on the spools until it is freed). */
static enum lim_err build(const struct limf_conf *c, size_t seq_keys, const struct limf_dlv *old,
			  struct limf_dlv **out, char *why, size_t whycap)
{
	struct limf_dlv *d;
	enum lim_err e = LIM_OK;
	uint64_t max = limf_dlv_spool_max(c);
	*out = NULL;
	why[0] = '\0';
	if (max == 0) {
		snprintf(why, whycap, "spool_max_mb: not a number of MiB");
		return LIM_E_ARG;
	}
	if (c->n_auth && !c->spool_dir[0]) {
		snprintf(why, whycap, "authorities configured but no [handover] spool_dir");
		return LIM_E_ARG;
	}
	d = calloc(1, sizeof *d);
	if (!d)
		return LIM_E_NOMEM;
	d->conf = c;
	d->seq_keys = seq_keys;
	snprintf(d->dir, sizeof d->dir, "%s", c->spool_dir);
	snprintf(d->cin_src, sizeof d->cin_src, "the spool directory's counter (%s/%s)", d->dir,
		 CIN_FILE);
	if (c->n_auth && !c->op_id[0])
		/* the authority files what it receives under this identifier */
		fprintf(stderr,
			"limf: WARNING: [handover] operator_id is not set: the PS-PDUs name "
			"the operator \"limf\" to every authority (set it to the operator's "
			"ETSI operatorIdentifier)\n");
	if (c->n_auth && mkdir_private(d->dir) != LIM_OK) {
		snprintf(why, whycap, "%s: cannot create the spool directory", d->dir);
		e = LIM_E_IO;
		goto out;
	}
	for (size_t i = 0; i < c->n_auth && e == LIM_OK; i++) {
		const struct limf_conf_auth *ac = &c->auth[i];
		struct dlv_auth *a = &d->a[d->n++];
		char path[LIMF_CONF_PATH + 2 * LIMF_AUTH_NAME];
		a->cfg = ac;
		a->version = HO_PS_VERSION_DEFAULT;
		if (ac->version[0]) {
			char *end = NULL;
			unsigned long v = strtoul(ac->version, &end, 10);
			if (!end || *end || v == 0 || v > 1000) {
				snprintf(why, whycap,
					 "authority %s: version is not a number 1..1000", ac->name);
				e = LIM_E_ARG;
				break;
			}
			a->version = (uint32_t)v;
		}
		if (!ac->hi2[0] || !ac->hi3[0]) {
			snprintf(why, whycap, "authority %s: hi2 and hi3 are required", ac->name);
			e = LIM_E_ARG;
			break;
		}
		snprintf(path, sizeof path, "%s/%s", d->dir, ac->name);
		if (mkdir_private(path) != LIM_OK) {
			snprintf(why, whycap, "%s: cannot create", path);
			e = LIM_E_IO;
			break;
		}
		for (int k = 0; k < 2 && e == LIM_OK; k++) {
			struct ho_spool_cfg sc;
			struct ho_link_cfg lc;
			size_t oi;
			int ok;
			spool_path(path, sizeof path, d->dir, ac->name, k);
			a->sp[k] = spool_at(old, path, &oi, &ok);
			if (a->sp[k]) {
				/* the running spool: no second open (its owner lock), no re-read */
				a->kept[k] = true;
				e = ho_spool_set_max_bytes(a->sp[k], max);
				if (e != LIM_OK) {
					snprintf(why, whycap, "%s: spool: %s", path,
						 lim_strerror(e));
					break;
				}
			} else {
				/* group commit (sync_every 0): the link syncs before it sends */
				memset(&sc, 0, sizeof sc);
				sc.dir = path;
				sc.trusted_len = strlen(d->dir); /* spool_dir: the rest is limf's */
				sc.max_bytes = max;
				sc.max_keys = seq_keys;
				e = ho_spool_open(&sc, &a->sp[k]);
			}
			if (e != LIM_OK) {
				snprintf(why, whycap, "%s: spool: %s", path,
					 e == LIM_E_STATE
						 ? "in use by another limf process (a running "
						   "`limf capture` or replay owns it; `limf "
						   "handover status` can still read it)"
						 : lim_strerror(e));
				break;
			}
			if (!ac->ca[0])
				/* config.c let it through only with insecure_plaintext = yes */
				fprintf(stderr,
					"limf: WARNING: authority %s %s: insecure_plaintext = yes: "
					"IRI and CC go to %s in CLEAR over plain TCP, with no "
					"authentication of the LEMF; anyone on the path can read "
					"them "
					"and forge confirmations (DESIGN.md s5.5 requires mutual "
					"TLS: "
					"set ca, cert and key)\n",
					ac->name, k ? "hi3" : "hi2", k ? ac->hi3 : ac->hi2);
			memset(&lc, 0, sizeof lc);
			lc.addr = k ? ac->hi3 : ac->hi2;
			lc.tls_ca = ac->ca[0] ? ac->ca : NULL;
			lc.tls_cert = ac->cert[0] ? ac->cert : NULL;
			lc.tls_key = ac->key[0] ? ac->key : NULL;
			lc.ka_hdr.version = a->version;
			snprintf(lc.ka_hdr.liid, sizeof lc.ka_hdr.liid, "%.25s", ac->name);
			snprintf(lc.ka_hdr.op_id, sizeof lc.ka_hdr.op_id, "%s", limf_conf_op_id(c));
			snprintf(lc.ka_hdr.ne_id, sizeof lc.ka_hdr.ne_id, "%s", c->ne_id);
			memcpy(lc.ka_hdr.deliv_cc, c->country, sizeof lc.ka_hdr.deliv_cc);
			lc.ka_hdr.tsq = HO_TSQ_MEDIATION;
			{
				char lwhy[512];
				e = ho_link_new(&lc, a->sp[k], &a->ln[k], lwhy, sizeof lwhy);
				if (e != LIM_OK)
					snprintf(why, whycap, "authority %s %s: %s%s", ac->name,
						 k ? "hi3" : "hi2",
						 e == LIM_E_CRYPTO ? "TLS: " : "", lwhy);
			}
		}
	}
out:
	if (e != LIM_OK) {
		/* the kept spools stay old's, under old's bound (the refused configuration's
		 * was set on those kept before the failure; old's cannot be refused: it was
		 * taken) */
		uint64_t old_max = old ? limf_dlv_spool_max(old->conf) : 0;
		for (size_t i = 0; i < d->n; i++)
			for (int k = 0; k < 2; k++)
				if (d->a[i].kept[k] &&
				    ho_spool_set_max_bytes(d->a[i].sp[k], old_max) != LIM_OK)
					fprintf(stderr, "limf: a spool's bound not restored\n");
		dlv_free(d);
		return e;
	}
	*out = d;
	return LIM_OK;
}

/* see delivery.h */
enum lim_err limf_dlv_new(const struct limf_conf *c, size_t seq_keys, struct limf_dlv **out,
			  char *why, size_t whycap)
{
	return build(c, seq_keys, NULL, out, why, whycap);
}

/* see delivery.h */
enum lim_err limf_dlv_reopen(struct limf_dlv **dp, const struct limf_conf *c, char *why,
			     size_t whycap)
{
	struct limf_dlv *old = *dp, *d = NULL;
	char path[LIMF_CONF_PATH + 2 * LIMF_AUTH_NAME], np[sizeof path];
	enum lim_err e;
	why[0] = '\0';
	/* a spool the new configuration does not use would be closed: never with PDUs in it that
	 * the authority has not confirmed (nothing would drain them; status would not show them) */
	for (size_t i = 0; old && i < old->n; i++)
		for (int k = 0; k < 2; k++) {
			struct ho_spool_stats st;
			bool used = false;
			spool_path(path, sizeof path, old->dir, old->a[i].cfg->name, k);
			for (size_t j = 0; j < c->n_auth && !used; j++) {
				spool_path(np, sizeof np, c->spool_dir, c->auth[j].name, k);
				used = same_dir(np, path);
			}
			ho_spool_get_stats(old->a[i].sp[k], &st);
			if (used || st.head == st.confirmed)
				continue;
			snprintf(why, whycap,
				 "authority %s %s: its spool %s still holds %" PRIu64
				 " PDUs the authority has not confirmed, and the new configuration "
				 "does not use that spool (spool_dir changed, or the authority "
				 "renamed "
				 "or removed): let them be delivered first, or stop limf and move "
				 "the "
				 "spool directory",
				 old->a[i].cfg->name, k ? "hi3" : "hi2", path,
				 st.head - st.confirmed);
			return LIM_E_STATE;
		}
	e = build(c, old ? old->seq_keys : 0, old, &d, why, whycap);
	if (e != LIM_OK)
		return e;
	if (old) {
		/* the CIN source and the rest of its block go on */
		d->mem_cin = old->mem_cin;
		d->cin_db = old->cin_db;
		d->cin_next = old->cin_next;
		d->cin_left = old->cin_left;
		d->cin_db_failing = old->cin_db_failing;
		/* old's links stop; the spools d took over are d's now */
		for (size_t i = 0; i < d->n; i++)
			for (int k = 0; k < 2; k++) {
				size_t oi;
				int ok;
				if (!d->a[i].kept[k])
					continue;
				d->a[i].kept[k] = false;
				spool_path(path, sizeof path, d->dir, d->a[i].cfg->name, k);
				if (spool_at(old, path, &oi, &ok)) {
					ho_link_free(old->a[oi].ln[ok]);
					old->a[oi].ln[ok] = NULL;
					old->a[oi].sp[ok] = NULL;
				}
			}
	}
	limf_dlv_free(old);
	*dp = d;
	return LIM_OK;
}

/* Frees d, but not the spools it took over and does not own yet (kept). */
static void dlv_free(struct limf_dlv *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		for (int k = 0; k < 2; k++) {
			ho_link_free(d->a[i].ln[k]);
			if (!d->a[i].kept[k])
				ho_spool_free(d->a[i].sp[k]);
		}
	free(d);
}

/* see delivery.h */
void limf_dlv_free(struct limf_dlv *d)
{
	dlv_free(d);
}

/* see delivery.h */
void limf_dlv_set_cin_db(struct limf_dlv *d, struct wr_db *db)
{
	d->cin_db = db;
	d->cin_left = 0;
}

/* From the database, a block at a time; a block never straddles the wrap (wr_cin_reserve). */
static enum lim_err cin_from_db(struct limf_dlv *d, uint32_t n, uint32_t *first)
{
	enum lim_err e;
	if (n > d->cin_left) {
		uint32_t want = n > LIMF_DLV_CIN_BLOCK ? n : LIMF_DLV_CIN_BLOCK, got = 0;
		e = wr_cin_reserve(d->cin_db, want, &got);
		if (e != LIM_OK) {
			if (!d->cin_db_failing)
				fprintf(stderr, "limf: CINs from the database: %s%s\n",
					wr_db_msg(d->cin_db),
					strcmp(wr_db_sqlstate(d->cin_db), "42883") == 0
						? " (database schema older than version 3: run "
						  "`limf db migrate`)"
						: "");
			d->cin_db_failing = true;
			return e;
		}
		if (d->cin_db_failing)
			fprintf(stderr, "limf: CINs from the database: available again\n");
		d->cin_db_failing = false;
		d->cin_next = got;
		d->cin_left = want;
	}
	*first = d->cin_next;
	d->cin_next += n; /* may wrap to 0 exactly at the end of a block: never used then */
	d->cin_left -= n;
	return LIM_OK;
}

/* see delivery.h */
const char *limf_dlv_cin_source(const struct limf_dlv *d)
{
	if (d->cin_db)
		return "the database (limf.cin_reserve)";
	return d->dir[0] ? d->cin_src : "this run's own counter";
}

/* see delivery.h */
enum lim_err limf_dlv_cin_reserve(struct limf_dlv *d, uint32_t n, uint32_t *first)
{
	char tmp[64], buf[64];
	unsigned long long next = 1;
	FILE *f;
	int fd, dfd;
	*first = 0;
	if (n == 0)
		return LIM_E_ARG;
	if (d->cin_db)
		return cin_from_db(d, n, first);
	if (!d->dir[0]) {
		/* no spool: the CINs are this run's own */
		if (d->mem_cin > UINT32_MAX - n - 1)
			return LIM_E_LIMIT;
		*first = d->mem_cin + 1;
		d->mem_cin += n;
		return LIM_OK;
	}
	/* through the directory's descriptor, never a symbolic link, hard link or FIFO (a root
	 * run in the service user's spool: common/owner.h) */
	struct lim_owner own;
	enum lim_err rc = LIM_E_IO;
	dfd = lim_mkdir_open(d->dir, 0700);
	if (dfd < 0)
		return LIM_E_IO;
	if (!lim_owner_of_fd(dfd, &own))
		goto out;
	fd = lim_open_file(dfd, CIN_FILE, O_RDONLY, &own);
	f = fd >= 0 ? fdopen(fd, "r") : NULL;
	if (fd >= 0 && !f) {
		close(fd);
		goto out;
	}
	if (f) {
		char *end = NULL;
		bool ok = fgets(buf, sizeof buf, f) && strncmp(buf, "limf-cin 1 ", 11) == 0 &&
			  buf[11] >= '0' && buf[11] <= '9';
		if (ok) {
			next = strtoull(buf + 11, &end, 10);
			ok = end && (*end == '\n' || *end == '\0') && next > 0 &&
			     next <= UINT32_MAX;
		}
		fclose(f);
		if (!ok) {
			rc = LIM_E_PARSE;
			goto out;
		}
	} else if (errno != ENOENT) {
		goto out;
	}
	if (next + n > UINT32_MAX) {
		rc = LIM_E_LIMIT;
		goto out;
	}
	snprintf(tmp, sizeof tmp, "%s.tmp", CIN_FILE);
	(void)unlinkat(dfd, tmp, 0); /* (one an earlier run left) */
	fd = lim_create_file(dfd, tmp, O_WRONLY, &own);
	if (fd < 0)
		goto out;
	int len = snprintf(buf, sizeof buf, "limf-cin 1 %llu\n", next + n);
	if (len <= 0 || write(fd, buf, (size_t)len) != len || fsync(fd) != 0) {
		close(fd);
		(void)unlinkat(dfd, tmp, 0); /* the counter file itself is untouched */
		goto out;
	}
	close(fd);
	if (renameat(dfd, tmp, dfd, CIN_FILE) != 0) {
		(void)unlinkat(dfd, tmp, 0);
		goto out;
	}
	(void)fsync(dfd);
	rc = LIM_OK;
out:
	close(dfd);
	if (rc != LIM_OK)
		return rc;
	*first = (uint32_t)next;
	return LIM_OK;
}

static struct dlv_auth *auth_of(const struct limf_dlv *d, const char *delivery)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->a[i].cfg->name, delivery) == 0)
			return (struct dlv_auth *)&d->a[i];
	return NULL;
}

/* see delivery.h */
bool limf_dlv_known(const struct limf_dlv *d, const char *delivery)
{
	return d && delivery && auth_of(d, delivery) != NULL;
}

/* see delivery.h */
enum lim_err limf_dlv_iri(struct limf_dlv *d, const char *delivery, struct ho_psheader *h,
			  const struct ho_iri_sip *iri)
{
	struct dlv_auth *a = auth_of(d, delivery);
	if (!a)
		return LIM_E_ARG;
	h->version = a->version;
	return ho_spool_put_iri(a->sp[0], h, iri);
}

/* see delivery.h */
enum lim_err limf_dlv_keymgmt(struct limf_dlv *d, const char *delivery, struct ho_psheader *h,
			      const struct ho_iri_keymgmt *km)
{
	struct dlv_auth *a = auth_of(d, delivery);
	if (!a)
		return LIM_E_ARG;
	h->version = a->version;
	return ho_spool_put_keymgmt(a->sp[0], h, km);
}

/* see delivery.h */
enum lim_err limf_dlv_callend(struct limf_dlv *d, const char *delivery, struct ho_psheader *h,
			      const struct ho_iri_callend *ce)
{
	struct dlv_auth *a = auth_of(d, delivery);
	if (!a)
		return LIM_E_ARG;
	h->version = a->version;
	return ho_spool_put_callend(a->sp[0], h, ce);
}

/* see delivery.h */
enum lim_err limf_dlv_group(struct limf_dlv *d, const char *delivery, struct ho_psheader *h,
			    const struct ho_iri_group *g)
{
	struct dlv_auth *a = auth_of(d, delivery);
	if (!a)
		return LIM_E_ARG;
	h->version = a->version;
	return ho_spool_put_group(a->sp[0], h, g);
}

/* see delivery.h */
enum lim_err limf_dlv_cc(struct limf_dlv *d, const char *delivery, struct ho_psheader *h,
			 const struct ho_cc_rtp *cc)
{
	struct dlv_auth *a = auth_of(d, delivery);
	if (!a)
		return LIM_E_ARG;
	h->version = a->version;
	return ho_spool_put_cc(a->sp[1], h, cc);
}

/* see delivery.h */
enum lim_err limf_dlv_call_end(struct limf_dlv *d, uint32_t cin)
{
	enum lim_err e = LIM_OK;
	if (!d || cin == 0)
		return LIM_OK;
	/* a CIN is one call for every LIID and authority: forget it in every spool */
	for (size_t i = 0; i < d->n; i++)
		for (int k = 0; k < 2; k++) {
			enum lim_err e2 = ho_spool_seq_forget(d->a[i].sp[k], NULL, cin);
			if (e2 != LIM_OK && e == LIM_OK)
				e = e2;
		}
	return e;
}

/* see delivery.h */
enum lim_err limf_dlv_new_run(struct limf_dlv *d)
{
	enum lim_err e = LIM_OK;
	for (size_t i = 0; d && i < d->n; i++)
		for (int k = 0; k < 2; k++) {
			enum lim_err e2 = ho_spool_seq_reset(d->a[i].sp[k]);
			if (e2 != LIM_OK && e == LIM_OK)
				e = e2;
		}
	return e;
}

/* see delivery.h */
enum lim_err limf_dlv_pump(struct limf_dlv *d, int timeout_ms)
{
	struct pollfd pfd[MAX_POLLFDS];
	size_t np = 0;
	uint64_t now = lim_mono_ms();
	int tmo = timeout_ms;
	enum lim_err e = LIM_OK;
	for (size_t i = 0; i < d->n; i++)
		for (int k = 0; k < 2; k++) {
			int t = -1;
			np += ho_link_fds(d->a[i].ln[k], pfd + np, MAX_POLLFDS - np, now, &t);
			if (t >= 0 && (tmo < 0 || t < tmo))
				tmo = t;
		}
	if (np)
		(void)poll(pfd, (nfds_t)np, tmo);
	else if (tmo > 0)
		(void)poll(NULL, 0, tmo);
	now = lim_mono_ms();
	for (size_t i = 0; i < d->n; i++)
		for (int k = 0; k < 2; k++) {
			struct dlv_auth *a = &d->a[i];
			struct ho_link_stats ls;
			enum lim_err e2 = ho_link_step(a->ln[k], now);
			if (e2 != LIM_OK && e == LIM_OK)
				e = e2;
			/* a spool error stops the link's sending until it clears: said when it
			 * starts, when it changes and when it is over (not at every retry) */
			ho_link_get_stats(a->ln[k], &ls);
			if (strcmp(ls.error, a->said[k]) == 0)
				continue;
			if (ls.error[0])
				fprintf(stderr,
					"limf: handover: authority %s %s: spool error: %s; sending "
					"stopped, retrying (the spool keeps accepting PDUs until "
					"it "
					"is full)\n",
					a->cfg->name, k ? "hi3" : "hi2", ls.error);
			else
				fprintf(stderr,
					"limf: handover: authority %s %s: the spool error is over, "
					"sending again\n",
					a->cfg->name, k ? "hi3" : "hi2");
			snprintf(a->said[k], sizeof a->said[k], "%s", ls.error);
		}
	return e;
}

/* see delivery.h */
enum lim_err limf_dlv_flush(struct limf_dlv *d, uint64_t deadline_ms)
{
	bool done = false;
	for (size_t i = 0; i < d->n; i++)
		for (int k = 0; k < 2; k++)
			ho_link_drain(d->a[i].ln[k], deadline_ms);
	while (!done) {
		done = true;
		for (size_t i = 0; i < d->n; i++)
			for (int k = 0; k < 2; k++)
				done = done && ho_link_done(d->a[i].ln[k]);
		/* a spool error on one link (said by the pump, retried by the link) must not
		 * stop the others' draining */
		if (!done)
			(void)!limf_dlv_pump(d, 50);
		if (lim_mono_ms() > deadline_ms + 1000)
			break; /* the links close at their deadline; this is a backstop */
	}
	for (size_t i = 0; i < d->n; i++)
		for (int k = 0; k < 2; k++) {
			struct ho_spool_stats st;
			ho_spool_get_stats(d->a[i].sp[k], &st);
			if (st.confirmed != st.head)
				return LIM_E_STATE;
		}
	return LIM_OK;
}

/* see delivery.h */
size_t limf_dlv_count(const struct limf_dlv *d)
{
	return d ? d->n : 0;
}

/* see delivery.h */
void limf_dlv_stats(const struct limf_dlv *d, size_t i, struct limf_dlv_stats *st)
{
	memset(st, 0, sizeof *st);
	if (!d || i >= d->n)
		return;
	st->name = d->a[i].cfg->name;
	for (int k = 0; k < 2; k++) {
		ho_spool_get_stats(d->a[i].sp[k], &st->spool[k]);
		ho_link_get_stats(d->a[i].ln[k], &st->link[k]);
	}
}
