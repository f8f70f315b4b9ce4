/* libFuzzer target: the evidence bundle's writers - the WAV writer (samples placed by hostile
 * RTP timestamps, its window in memory) and the cc.pcap writer - then ho_bundle_close with
 * extra_json from the input, and ho_bundle_verify of the result. The WAV's samples must equal a
 * model of the placement rule bundle.h documents for ho_wav_write, and a closed bundle must
 * verify. Input: payload type (1; bit 0: PCMA, else PCMU), extra_json length (2, big-endian)
 * and extra_json, then up to 48 records: op (1; bit 0: a CC packet, else WAV samples; bit 1:
 * IPv6; bits 2-7: the capture clock runs on by that many 100 ms before this record, or, all
 * six set, steps back 10 s), RTP timestamp (4), length (2), payload. I/O: a private
 * directory. */
#include "handover/bundle.h"
#include "tests/fuzz/fuzz_dir.h"
#include <dirent.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
static char dir[1100], keypath[1024];
static uint8_t pem[512];
static size_t pemlen;
static int16_t tab[2][256];

static void setup(void)
{
	static const uint8_t raw[32] = { 7 };
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, raw, 32);
	BIO *b = BIO_new(BIO_s_mem());
	const char *q;
	long l;
	if (!k || !b || PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) != 1)
		abort();
	l = BIO_get_mem_data(b, &q);
	if (l <= 0 || (size_t)l > sizeof pem)
		abort();
	memcpy(pem, q, (size_t)l);
	pemlen = (size_t)l;
	BIO_free(b);
	EVP_PKEY_free(k);
}
/* the sample values the writer uses, read back from a WAV of all 256 octets */
struct model {
	int16_t *s;
	uint64_t cap, end, seg_start, t0, seg_cap;
	uint32_t seg_ts;
	int started;
};
static void m_put(struct model *m, uint64_t pos, const uint8_t *p, size_t n, int pt)
{
	if (pos + n > m->cap) {
		uint64_t nc = (pos + n) * 2;
		m->s = realloc(m->s, nc * 2);
		if (!m->s)
			abort();
		memset(m->s + m->cap, 0, (nc - m->cap) * 2);
		m->cap = nc;
	}
	for (size_t i = 0; i < n; i++)
		m->s[pos + i] = tab[pt][p[i]];
	if (pos + n > m->end)
		m->end = pos + n;
}
/* returns 1 when the packet is written */
static int m_write(struct model *m, uint32_t ts, uint64_t t_ns, const uint8_t *p, size_t n, int pt)
{
	int64_t pos;
	if (!n)
		return 1;
	if (!m->started) {
		m->started = 1;
		m->seg_ts = ts;
		m->seg_start = 0;
		m->seg_cap = 0;
		m->t0 = t_ns;
	}
	/* the capture time's position: 8000 samples a second after the first packet */
	uint64_t cpos = t_ns > m->t0 ? (t_ns - m->t0) * 8000 / 1000000000 : 0;
	int64_t d = (int64_t)(int32_t)(ts - m->seg_ts);
	int64_t skew = d - ((int64_t)cpos - (int64_t)m->seg_cap);
	pos = (int64_t)m->seg_start + d;
	if (skew > (int64_t)HO_WAV_JUMP_BACK || skew < -(int64_t)HO_WAV_JUMP_BACK) {
		/* a new segment where the capture time puts it, never before the end */
		uint64_t at = cpos;
		if (at < m->end)
			at = m->end;
		if (at > HO_WAV_MAX_SAMPLES)
			at = HO_WAV_MAX_SAMPLES;
		m->seg_start = at;
		m->seg_ts = ts;
		m->seg_cap = cpos;
		pos = (int64_t)at;
	}
	if (pos < (int64_t)m->seg_start)
		return 2; /* dropped, LIM_OK */
	if (n > HO_WAV_MAX_SAMPLES || (uint64_t)pos > HO_WAV_MAX_SAMPLES - n)
		return 0;
	m_put(m, (uint64_t)pos, p, n, pt);
	return 1;
}
static void init_tab(void)
{
	/* ITU-T G.711 decoders (the values bundle.h documents) */
	for (int i = 0; i < 256; i++) {
		int u = ~i & 0xff, t = ((u & 0x0f) << 3) + 0x84;
		t <<= (u & 0x70) >> 4;
		tab[0][i] = (int16_t)((u & 0x80) ? (0x84 - t) : (t - 0x84));
		int a = i ^ 0x55, seg = (a & 0x70) >> 4, v = (a & 0x0f) << 4;
		if (seg == 0)
			v += 8;
		else if (seg == 1)
			v += 0x108;
		else
			v = (v + 0x108) << (seg - 1);
		tab[1][i] = (int16_t)((a & 0x80) ? v : -v);
	}
}
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ho_bundle *b = NULL;
	struct ho_wav *w = NULL;
	struct ho_ccw *c = NULL;
	struct model m = { 0 };
	char why[512], path[1200];
	size_t el;
	int pt;
	char *extra = NULL;
	enum lim_err rc;
	if (!dir[0]) {
		setup();
		init_tab();
		snprintf(dir, sizeof dir, "%s/b", fuzz_dir("wav"));
	}
	fuzz_empty();
	snprintf(keypath, sizeof keypath, "%s", fuzz_put("key.pem", pem, pemlen));
	if (size < 3)
		return 0;
	pt = data[0] & 1;
	el = (size_t)data[1] << 8 | data[2];
	data += 3, size -= 3;
	if (el > size)
		el = size;
	extra = malloc(el + 1);
	if (!extra)
		return 0;
	memcpy(extra, data, el);
	extra[el] = 0;
	data += el, size -= el;
	if (ho_bundle_open(dir, &b) != LIM_OK)
		abort();
	if (ho_bundle_wav(b, "L1/audio/1-1.wav", pt ? 8 : 0, &w) != LIM_OK ||
	    ho_bundle_ccw(b, "L1/cc.pcap", &c) != LIM_OK)
		abort();
	uint64_t clock = 1700000000ull * 1000000000ull;
	for (int i = 0; i < 48 && size >= 7; i++) {
		uint8_t op = data[0];
		clock = (op >> 2) == 63 ? clock - 10000000000ull
					: clock + (uint64_t)(op >> 2) * 100000000ull;
		uint32_t ts = (uint32_t)data[1] << 24 | (uint32_t)data[2] << 16 |
			      (uint32_t)data[3] << 8 | data[4];
		size_t n = (size_t)data[5] << 8 | data[6];
		data += 7, size -= 7;
		if (n > size)
			n = size;
		if (op & 1) {
			struct ho_cc_pkt p = { 0 };
			p.ts_ns = (uint64_t)ts * 1000003ull;
			p.family = (op & 2) ? 6 : 4;
			p.src[0] = 10, p.dst[0] = 11;
			p.sport = 1000, p.dport = (uint16_t)ts;
			p.data = data;
			p.len = n;
			rc = ho_ccw_write(c, &p);
			if (rc != LIM_OK && rc != LIM_E_ARG)
				abort();
		} else {
			int mw = m_write(&m, ts, clock, data, n, pt);
			rc = ho_wav_write(w, ts, clock, data, n);
			if ((rc == LIM_OK) != (mw != 0)) {
				fprintf(stderr, "wav_write rc %d model %d\n", rc, mw);
				abort();
			}
		}
		data += n, size -= n;
	}
	rc = ho_bundle_close(b, "audit", el ? extra : NULL, keypath);
	if (rc == LIM_OK) {
		/* compare the WAV with the model */
		FILE *f;
		uint8_t hdr[44];
		snprintf(path, sizeof path, "%s/L1/audio/1-1.wav", dir);
		f = fopen(path, "rb");
		if (!f || fread(hdr, 1, 44, f) != 44)
			abort();
		uint32_t dsz = (uint32_t)hdr[40] | (uint32_t)hdr[41] << 8 |
			       (uint32_t)hdr[42] << 16 | (uint32_t)hdr[43] << 24;
		if (dsz != 2 * m.end) {
			fprintf(stderr, "data size %u model %lu\n", dsz,
				(unsigned long)(2 * m.end));
			abort();
		}
		for (uint64_t i = 0; i < m.end; i++) {
			uint8_t s[2];
			if (fread(s, 1, 2, f) != 2)
				abort();
			if ((int16_t)(s[0] | s[1] << 8) != m.s[i]) {
				fprintf(stderr, "sample %lu: %d model %d\n", (unsigned long)i,
					(int16_t)(s[0] | s[1] << 8), m.s[i]);
				abort();
			}
		}
		fclose(f);
		if (ho_bundle_verify(dir, NULL, why, sizeof why) != LIM_OK) {
			fprintf(stderr, "own bundle does not verify: %s\n", why);
			abort();
		}
	} else if (rc != LIM_E_PARSE) {
		fprintf(stderr, "close rc %d\n", rc);
		abort();
	}
	free(m.s);
	free(extra);
	return 0;
}
