/* replay-floor: the floor of `limf replay` (issue 5 "Benchmark", DESIGN.md s8): a bare loop of
 * libsrtp2 srtp_unprotect over the SRTP packets of a capture, with the keys of its calls.
 *
 *   replay-floor [--period S --offset S] [--runs N] [--threads N] [--crypto C] PCAP KEYDIR
 *
 * The keys are obtained the way an interceptor gets them, not from the generator's secrets: the
 * I_MESSAGE of each call is taken from the capture (capture/ call table), decoded
 * (limf_decode_imsg, mikey_parse) and unwrapped with the responder's RSK and the KMS public key Z
 * that `limf-gen --dump-keys KEYDIR` wrote (KEYDIR/Z.hex, KEYDIR/<n>.rsk.hex; call n's RSK is
 * tried first, then every other one); mikey_srtp_keys gives the SRTP master keys (crypto session
 * 0: the caller's media, 1: the callee's). --period/--offset: the community's user key period
 * (TS 33.180 UIDs formed from the message's clear responder URI, as `limf-gen decrypt`).
 *
 * Every RTP packet bound to a keyed call is copied into memory; an RFC 4771 ROC trailer (RCC
 * signalled in the SP payload, on packets with SEQ mod R == 0) is stripped. libsrtp2 then
 * estimates the ROC itself (RFC 3711 Appendix A), which for packets in order equals the carried
 * one: it is 0 until a stream's sequence number wraps (limf-gen starts streams at a random
 * sequence number, so some wrap within 65536 packets; roc_nonzero counts those packets), and a
 * packet whose carried ROC libsrtp2 did not guess fails its tag (fail). Then, N times (default 3)
 * with fresh libsrtp2 contexts (one per call and direction, ssrc_any_inbound, replay window 1024),
 * it times ONLY the loop: memcpy into a scratch buffer + srtp_unprotect (srtp_unprotect_mki with
 * the MKI) per packet, in capture order. --threads N (default 1): N threads at once, thread k
 * taking the streams whose index is k modulo N (each its own contexts and scratch; in capture order
 * within a thread): what libsrtp2 itself gains from more cores on this machine, the peer of `limf
 * replay --workers N` (Debian's libsrtp2 uses NSS, whose per-packet contexts and sessions share
 * locks between threads). --crypto openssl (default) | libsrtp: whose AES and HMAC-SHA1 libsrtp2
 * runs on (decrypt/srtp.h lim_srtp_set_crypto): limf's OpenSSL types, as in limf, or the ones
 * libsrtp2 was built with (Debian: NSS). Prints the best run as one line of key=value pairs:
 *   floor profile=... crypto=C calls=N streams=N packets=N srtp_bytes=N roc_stripped=N
 *         roc_nonzero=N runs=N threads=N best_s=S cpu_s=S pps=N srtp_MBps=N fail=N
 * (best_s: the shortest wall-clock run, cpu_s: the least process CPU time of a run, pps and
 * srtp_MBps from best_s; fail: the most failures of a run)
 * Exit 0, or 1 when any packet fails to unprotect, no call could be keyed, or on errors. */
#include <srtp2/srtp.h>

#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture/capture.h"
#include "common/clock.h"
#include "common/codec.h"
#include "common/wipe.h"
#include "decrypt/mikey.h"
#include "decrypt/srtp.h"
#include "decrypt/unwrap.h"
#include "limf/input.h"

#define MAX_RSK     16384               /* KEYDIR/<n>.rsk.hex files read */
#define MAX_STREAMS 65536               /* (call, direction) key slots */
#define MAX_PKTS    (64u * 1024 * 1024) /* packets kept */
#define MAX_BYTES   ((size_t)2 << 30)   /* octets of packets kept */
#define MAX_RUNS    16
#define MAX_THREADS 16
#define PKT_MAX     65536
#define ROC_LEN     4

/* The SRTP master key of one direction of one call. */
struct stream {
	int profile; /* 0 AES-CM-128/HMAC-SHA1-80, 1 AES-CM-128/HMAC-SHA1-32, 2 AEAD_AES_128_GCM */
	uint8_t keysalt[32 + 14];
	uint8_t mki[16];
	uint8_t mki_len;
	bool rcc;      /* RFC 4771 ROC trailer on packets with SEQ mod rate == 0 */
	unsigned rate; /* R */
	srtp_t ctx;
};

struct pkt {
	size_t off;
	uint32_t len;
	uint32_t stream;
};

struct fcall {
	bool keyed;
	uint32_t stream[2]; /* [0] caller -> callee, [1] callee -> caller */
};

struct floor {
	uint8_t Z[SAKKE_POINT_LEN];
	uint8_t (*rsk)[SAKKE_POINT_LEN];
	size_t n_rsk, last_rsk;
	struct mikey_ident_cfg cfg;
	bool has_period;
	struct stream *st;
	size_t n_st;
	struct pkt *pk;
	size_t n_pk, cap_pk;
	uint8_t *buf;
	size_t n_buf, cap_buf;
	size_t calls, unkeyed, roc_stripped, roc_nonzero;
	bool nomem;
};

static const char *const prof_name[] = { "aes-cm-128-hmac-sha1-80", "aes-cm-128-hmac-sha1-32",
					 "aead-aes-128-gcm" };

static void die(const char *msg)
{
	fprintf(stderr, "replay-floor: %s\n", msg);
	exit(1);
}

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reads a hex file of exactly want octets; false when it does not exist or is not that. */
static bool hex_file(const char *path, uint8_t *out, size_t want)
{
	char txt[2048];
	size_t n, got = 0;
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	n = fread(txt, 1, sizeof txt, f);
	fclose(f);
	while (n > 0 && (txt[n - 1] == '\n' || txt[n - 1] == '\r' || txt[n - 1] == ' '))
		n--;
	bool ok = lim_hex_decode(txt, n, out, want, &got) == LIM_OK && got == want;
	lim_wipe(txt, sizeof txt);
	return ok;
}

static void load_keys(struct floor *fl, const char *dir)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/Z.hex", dir);
	if (!hex_file(path, fl->Z, sizeof fl->Z))
		die("cannot read Z.hex in the key directory");
	fl->rsk = malloc(sizeof *fl->rsk * MAX_RSK);
	if (!fl->rsk)
		die("out of memory");
	for (size_t i = 1; i <= MAX_RSK; i++) {
		snprintf(path, sizeof path, "%s/%zu.rsk.hex", dir, i);
		if (!hex_file(path, fl->rsk[i - 1], SAKKE_POINT_LEN))
			break;
		fl->n_rsk = i;
	}
	if (fl->n_rsk == 0)
		die("no <n>.rsk.hex in the key directory");
}

/* RFC 4771 ROC transmission rate of the message's SRTP policy (1 when not given). */
static unsigned roc_rate(const struct mikey_msg *m)
{
	for (size_t i = 0; i < m->n_sp; i++)
		for (size_t j = 0; j < m->sp[i].n_params; j++) {
			const struct mikey_sp_param *q = &m->sp[i].params[j];
			unsigned v = 0;
			if (m->sp[i].prot_type != MIKEY_PROT_SRTP || q->type != MIKEY_SRTP_ROC_RATE)
				continue;
			for (size_t b = 0; b < q->len && b < 4; b++)
				v = v << 8 | q->val[b];
			return v ? v : 1;
		}
	return 1;
}

static bool profile_of(const struct mikey_srtp_key *k, int *pr)
{
	if (k->enc_alg == MIKEY_SRTP_AES_GCM && k->key_len == 16 && k->salt_len == 12)
		*pr = 2;
	else if (k->enc_alg == MIKEY_SRTP_AES_CM && k->key_len == 16 && k->salt_len == 14)
		*pr = k->auth_tag_len == 4 ? 1 : 0;
	else
		return false;
	return true;
}

/* Unwraps the call's I_MESSAGE and fills two key slots; false when it cannot be keyed. */
static bool key_call(struct floor *fl, const struct cap_call *call, struct fcall *fc)
{
	const struct cap_call_sdp *sd = call->offer.imsg ? &call->offer : &call->answer;
	uint8_t *bin = NULL, ssv[SAKKE_SSV_LEN];
	size_t blen = 0, nk = 0;
	struct mikey_msg m;
	struct mikey_srtp_key k[MIKEY_MAX_KEYS];
	struct mikey_ident_cfg cfg = fl->cfg;
	bool ok = false, unwrapped = false;
	memset(k, 0, sizeof k);
	if (!sd->imsg)
		return false;
	if (limf_decode_imsg((const uint8_t *)sd->imsg, sd->imsg_len, &bin, &blen) != LIM_OK ||
	    mikey_parse(bin, blen, &m) != LIM_OK)
		goto out;
	if (fl->has_period) {
		const struct mikey_idr *r = mikey_responder(&m);
		if (!r)
			goto out;
		cfg.uri = (const char *)r->data;
		cfg.urilen = mikey_id_textlen(r);
	}
	/* call n's RSK first (the generator numbers calls in capture order), then the last one
	 * that worked, then every other */
	size_t first = call->id >= 1 && call->id <= fl->n_rsk ? (size_t)call->id - 1 : 0;
	size_t order[2] = { first, fl->last_rsk };
	for (size_t t = 0; t < 2 + fl->n_rsk && !unwrapped; t++) {
		size_t i = t < 2 ? order[t] : t - 2;
		if (t >= 2 && (i == order[0] || i == order[1]))
			continue;
		if (mikey_sakke_unwrap(&m, fl->Z, fl->rsk[i], &cfg, ssv, NULL) == LIM_OK) {
			unwrapped = true;
			fl->last_rsk = i;
		}
	}
	if (!unwrapped ||
	    mikey_srtp_keys(&m, ssv, sizeof ssv, mikey_srtp_def_of(&m), k, &nk) != LIM_OK || nk < 2)
		goto out;
	if (fl->n_st + 2 > MAX_STREAMS)
		goto out;
	for (size_t d = 0; d < 2; d++) {
		struct stream *s = &fl->st[fl->n_st + d];
		memset(s, 0, sizeof *s);
		if (!profile_of(&k[d], &s->profile) || k[d].mki_len > sizeof s->mki)
			goto out;
		memcpy(s->keysalt, k[d].key, k[d].key_len);
		memcpy(s->keysalt + k[d].key_len, k[d].salt, k[d].salt_len);
		memcpy(s->mki, k[d].mki, k[d].mki_len);
		s->mki_len = k[d].mki_len;
		/* SP auth alg 2..4 = RCCm1..3; limf-gen's MC profile is GCM with RCCm3 */
		s->rcc = k[d].auth_alg >= 2 && k[d].auth_alg <= 4;
		s->rate = roc_rate(&m);
		if (s->rcc && s->profile != 2)
			goto out; /* RCC with HMAC (MAC_tr) is not part of this floor */
	}
	fc->stream[0] = (uint32_t)fl->n_st;
	fc->stream[1] = (uint32_t)fl->n_st + 1;
	fl->n_st += 2;
	ok = true;
out:
	mikey_srtp_keys_wipe(k, MIKEY_MAX_KEYS);
	LIM_WIPE(ssv);
	if (bin) {
		lim_wipe(bin, blen);
		free(bin);
	}
	return ok;
}

static void add_pkt(struct floor *fl, uint32_t stream, const uint8_t *p, size_t len)
{
	if (fl->n_pk == fl->cap_pk) {
		size_t nc = fl->cap_pk ? fl->cap_pk * 2 : 65536;
		struct pkt *n = nc <= MAX_PKTS ? realloc(fl->pk, nc * sizeof *n) : NULL;
		if (!n) {
			fl->nomem = true;
			return;
		}
		fl->pk = n;
		fl->cap_pk = nc;
	}
	while (fl->n_buf + len > fl->cap_buf) {
		size_t nc = fl->cap_buf ? fl->cap_buf * 2 : (size_t)16 << 20;
		uint8_t *n = nc <= MAX_BYTES ? realloc(fl->buf, nc) : NULL;
		if (!n) {
			fl->nomem = true;
			return;
		}
		fl->buf = n;
		fl->cap_buf = nc;
	}
	memcpy(fl->buf + fl->n_buf, p, len);
	fl->pk[fl->n_pk].off = fl->n_buf;
	fl->pk[fl->n_pk].len = (uint32_t)len;
	fl->pk[fl->n_pk].stream = stream;
	fl->n_pk++;
	fl->n_buf += len;
}

static void on_media(struct floor *fl, const struct cap_event *ev)
{
	const struct cap_media_pkt *mp = &ev->media;
	struct fcall *fc = ev->call ? ev->call->user : NULL;
	const struct stream *s;
	uint32_t sid;
	size_t len = mp->packet.len;
	if (mp->rtcp || !fc || !fc->keyed || len > PKT_MAX)
		return;
	sid = fc->stream[mp->dir == CAP_DIR_TO_ANSWERER ? 0 : 1];
	s = &fl->st[sid];
	if (s->rcc && mp->seq % s->rate == 0) {
		/* header || ciphertext incl. tag || [MKI] || ROC (RFC 4771 s3.1, RFC 7714 s7.2) */
		const uint8_t *t;
		if (len < 12u + s->mki_len + ROC_LEN)
			return;
		t = mp->packet.p + len - ROC_LEN;
		if (t[0] | t[1] | t[2] | t[3])
			fl->roc_nonzero++;
		len -= ROC_LEN;
		fl->roc_stripped++;
	}
	add_pkt(fl, sid, mp->packet.p, len);
}

static void on_event(void *ctx, const struct cap_event *ev)
{
	struct floor *fl = ctx;
	struct cap_call *call = ev->call;
	switch (ev->type) {
	case CAP_EV_CALL_START:
	case CAP_EV_CALL_UPDATE:
		if (!call->user && (call->offer.imsg || call->answer.imsg)) {
			struct fcall *fc = calloc(1, sizeof *fc);
			if (!fc) {
				fl->nomem = true;
				return;
			}
			fc->keyed = key_call(fl, call, fc);
			fl->calls++;
			if (!fc->keyed)
				fl->unkeyed++;
			call->user = fc;
		}
		break;
	case CAP_EV_CALL_FREE:
		free(call->user);
		call->user = NULL;
		break;
	case CAP_EV_MEDIA: on_media(fl, ev); break;
	default: break;
	}
}

static void read_pcap(struct floor *fl, const char *path)
{
	struct cap_source *src = NULL;
	struct cap_dec dec;
	struct cap_calls *calls = NULL;
	struct cap_frame f;
	struct cap_pkt p;
	uint64_t last = 0;
	bool eof = false;
	if (cap_source_open_file(path, &src) != LIM_OK)
		die("cannot open the capture");
	if (cap_dec_init(&dec, NULL) != LIM_OK ||
	    cap_calls_new(NULL, &dec.st, on_event, fl, &calls) != LIM_OK)
		die("out of memory");
	for (;;) {
		if (cap_source_next(src, &f, &eof) != LIM_OK)
			die("capture read error");
		if (eof)
			break;
		last = f.ts_ns;
		if (cap_dec_frame(&dec, &f, &p) == CAP_OK)
			cap_calls_feed(calls, &p, f.ts_ns);
	}
	cap_calls_flush(calls, last);
	cap_calls_free(calls);
	cap_dec_clear(&dec);
	cap_source_close(src);
	if (fl->nomem)
		die("out of memory (or over the packet caps)");
}

static void make_ctx(struct stream *s)
{
	srtp_policy_t pol;
	srtp_master_key_t mk;
	srtp_master_key_t *mks[1];
	memset(&pol, 0, sizeof pol);
	memset(&mk, 0, sizeof mk);
	switch (s->profile) {
	case 0:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtcp);
		break;
	case 1:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&pol.rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtcp);
		break;
	default:
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol.rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol.rtcp);
		break;
	}
	pol.ssrc.type = ssrc_any_inbound;
	pol.window_size = 1024;
	if (s->mki_len) {
		mk.key = s->keysalt;
		mk.mki_id = s->mki;
		mk.mki_size = s->mki_len;
		mks[0] = &mk;
		pol.keys = mks;
		pol.num_master_keys = 1;
	} else {
		pol.key = s->keysalt;
	}
	if (srtp_create(&s->ctx, &pol) != srtp_err_status_ok)
		die("srtp_create failed");
	lim_wipe(&pol, sizeof pol);
	lim_wipe(&mk, sizeof mk);
}

/* One thread's share of a pass: the packets of the streams whose index is k modulo n. */
struct share {
	struct floor *fl;
	unsigned k, n;
	uint8_t *scratch;
	size_t fail;
};

static void *run_share(void *arg)
{
	struct share *sh = arg;
	struct floor *fl = sh->fl;
	for (size_t i = 0; i < fl->n_pk; i++) {
		const struct pkt *p = &fl->pk[i];
		const struct stream *s = &fl->st[p->stream];
		int n = (int)p->len;
		srtp_err_status_t st;
		if (p->stream % sh->n != sh->k)
			continue;
		memcpy(sh->scratch, fl->buf + p->off, p->len);
		st = s->mki_len ? srtp_unprotect_mki(s->ctx, sh->scratch, &n, 1)
				: srtp_unprotect(s->ctx, sh->scratch, &n);
		if (st != srtp_err_status_ok)
			sh->fail++;
	}
	return NULL;
}

/* One timed pass over every packet with fresh contexts, on n threads (1: this one); returns
 * the failures. */
static size_t run_once(struct floor *fl, struct share *sh, unsigned n, double *wall, double *cpu)
{
	pthread_t th[MAX_THREADS];
	size_t fail = 0;
	double w0, c0;
	for (size_t i = 0; i < fl->n_st; i++)
		make_ctx(&fl->st[i]);
	for (unsigned k = 0; k < n; k++)
		sh[k].fail = 0;
	w0 = (double)lim_mono_ns() / 1e9;
	c0 = cpu_s();
	for (unsigned k = 1; k < n; k++)
		if (pthread_create(&th[k], NULL, run_share, &sh[k]) != 0)
			die("pthread_create failed");
	run_share(&sh[0]);
	for (unsigned k = 1; k < n; k++)
		pthread_join(th[k], NULL);
	*wall = (double)lim_mono_ns() / 1e9 - w0;
	*cpu = cpu_s() - c0;
	for (unsigned k = 0; k < n; k++)
		fail += sh[k].fail;
	for (size_t i = 0; i < fl->n_st; i++) {
		(void)srtp_dealloc(fl->st[i].ctx);
		fl->st[i].ctx = NULL;
	}
	return fail;
}

int main(int argc, char **argv)
{
	static struct floor fl;
	const char *pcap = NULL, *dir = NULL;
	unsigned long runs = 3, threads = 1;
	enum lim_srtp_crypto crypto = LIM_SRTP_CRYPTO_OPENSSL;
	bool crypto_ok = true;
	double best = 0, best_cpu = 0;
	size_t fail = 0;
	static struct share sh[MAX_THREADS];
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--period") == 0 && v) {
			fl.has_period = fl.cfg.has_period = true;
			fl.cfg.period = strtoull(v, NULL, 10);
			i++;
		} else if (strcmp(a, "--offset") == 0 && v) {
			fl.cfg.offset = strtoull(v, NULL, 10);
			i++;
		} else if (strcmp(a, "--runs") == 0 && v) {
			runs = strtoul(v, NULL, 10);
			i++;
		} else if (strcmp(a, "--threads") == 0 && v) {
			threads = strtoul(v, NULL, 10);
			i++;
		} else if (strcmp(a, "--crypto") == 0 && v) {
			crypto_ok = strcmp(v, "openssl") == 0 || strcmp(v, "libsrtp") == 0;
			if (strcmp(v, "libsrtp") == 0)
				crypto = LIM_SRTP_CRYPTO_LIBSRTP;
			i++;
		} else if (a[0] == '-' && a[1] != '\0') {
			pcap = NULL, dir = NULL;
			break;
		} else if (!pcap) {
			pcap = a;
		} else if (!dir) {
			dir = a;
		} else {
			pcap = NULL;
			break;
		}
	}
	if (!pcap || !dir || runs < 1 || runs > MAX_RUNS || threads < 1 || threads > MAX_THREADS ||
	    !crypto_ok) {
		fprintf(stderr,
			"usage: replay-floor [--period S --offset S] [--runs 1..%d] "
			"[--threads 1..%d] [--crypto openssl|libsrtp] PCAP KEYDIR\n",
			MAX_RUNS, MAX_THREADS);
		return 2;
	}
	/* libsrtp2 set up exactly as limf sets it up (lim_srtp_init: srtp_init, before it the
	 * crypto back end's own set-up where decrypt/srtp_wrap.c makes one, after it limf's
	 * OpenSSL types): the same library, configured the same, on both sides of the ratio.
	 * --crypto libsrtp puts libsrtp2's own AES and HMAC-SHA1 back. */
	if (lim_srtp_init() != LIM_OK || lim_srtp_set_crypto(crypto) != LIM_OK)
		die("srtp_init failed");
	fl.st = calloc(MAX_STREAMS, sizeof *fl.st);
	for (unsigned k = 0; k < threads; k++) {
		sh[k].fl = &fl;
		sh[k].k = k;
		sh[k].n = (unsigned)threads;
		if (!(sh[k].scratch = malloc(PKT_MAX)))
			die("out of memory");
	}
	if (!fl.st)
		die("out of memory");
	load_keys(&fl, dir);
	read_pcap(&fl, pcap);
	if (fl.n_st == 0 || fl.n_pk == 0)
		die("no keyed call with SRTP packets in the capture");
	for (unsigned long r = 0; r < runs; r++) {
		double w, c;
		size_t f = run_once(&fl, sh, (unsigned)threads, &w, &c);
		if (r == 0 || w < best)
			best = w;
		if (r == 0 || c < best_cpu)
			best_cpu = c;
		if (f > fail)
			fail = f;
	}
	printf("floor profile=%s crypto=%s calls=%zu keyed=%zu streams=%zu packets=%zu "
	       "srtp_bytes=%zu "
	       "roc_stripped=%zu roc_nonzero=%zu runs=%lu threads=%lu best_s=%.6f cpu_s=%.6f "
	       "pps=%.0f srtp_MBps=%.2f fail=%zu\n",
	       prof_name[fl.st[0].profile],
	       crypto == LIM_SRTP_CRYPTO_OPENSSL ? "openssl" : "libsrtp", fl.calls,
	       fl.calls - fl.unkeyed, fl.n_st, fl.n_pk, fl.n_buf, fl.roc_stripped, fl.roc_nonzero,
	       runs, threads, best, best_cpu, (double)fl.n_pk / best, (double)fl.n_buf / best / 1e6,
	       fail);
	for (size_t i = 0; i < fl.n_st; i++)
		LIM_WIPE(fl.st[i].keysalt);
	lim_wipe(fl.rsk, sizeof *fl.rsk * MAX_RSK);
	free(fl.rsk);
	free(fl.st);
	free(fl.pk);
	free(fl.buf);
	for (unsigned k = 0; k < threads; k++) {
		lim_wipe(sh[k].scratch, PKT_MAX); /* the last clear payload */
		free(sh[k].scratch);
	}
	return fail == 0 && fl.unkeyed == 0 ? 0 : 1;
}
