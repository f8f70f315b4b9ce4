/* test_handover bundle suites: the evidence bundle of DESIGN.md s7 (handover/bundle.h), written
 * into a fresh directory under $TMPDIR (default /tmp) and removed afterwards.
 *   bundle_pcap    cc.pcap: file and record headers, IPv4/IPv6 + UDP bytes, lengths; checksums
 *                  recomputed here (RFC 1071 sum over header / pseudo-header), the 0 -> 0xffff case
 *   bundle_wav     G.711 decoding against the full 256-entry tables of an independent decoder
 *                  (Python's audioop), placement by RTP timestamp: gap, reorder, wrap, segments,
 *                  drop, the 4 h cap; the RIFF header
 *   bundle_verify  a full bundle signed with a fresh Ed25519 key verifies (also pinned); one
 *                  flipped byte in EVERY file, a removed, added or truncated file, another key's
 *                  manifest.pub + manifest.sig each fail and name the file
 *   bundle_args    non-empty and symlinked directories, bad relpaths, existing files, malformed
 *                  or clashing extra_json, bad signing keys; the writers' buffering: one write
 *                  vs many pieces, writes larger than the buffer, WAV packets before the
 *                  in-memory window, I/O errors found at flush time (RLIMIT_FSIZE)
 *   bundle_cli     only with LIMF_T_BUNDLE_OUT and LIMF_T_BUNDLE_KEY set: writes a bundle there
 *                  for tests/cli/test_verify.sh (a no-op otherwise) */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "common/err.h"
#include "handover/bundle.h"
#include "tests/unit/check.h"

#define ZERO64 "0000000000000000000000000000000000000000000000000000000000000000"

void t_bundle_pcap(void);
void t_bundle_wav(void);
void t_bundle_verify(void);
void t_bundle_args(void);
void t_bundle_cli(void);
/* the capture time (ns) of a packet at sample x of a WAV: 8000 samples a second */
#define CT(x) ((uint64_t)(x)*125000u)

static void digest_pieces(void);

/* ITU-T G.711 decoded values of every code, generated with Python 3.12's audioop (an
 * independent implementation): struct.unpack("<256h", audioop.ulaw2lin(bytes(range(256)), 2)),
 * and the same with alaw2lin. */
static const int16_t ref_ulaw[256] = {
	-32124, -31100, -30076, -29052, -28028, -27004, -25980, -24956, -23932, -22908, -21884,
	-20860, -19836, -18812, -17788, -16764, -15996, -15484, -14972, -14460, -13948, -13436,
	-12924, -12412, -11900, -11388, -10876, -10364, -9852,  -9340,  -8828,  -8316,  -7932,
	-7676,  -7420,  -7164,  -6908,  -6652,  -6396,  -6140,  -5884,  -5628,  -5372,  -5116,
	-4860,  -4604,  -4348,  -4092,  -3900,  -3772,  -3644,  -3516,  -3388,  -3260,  -3132,
	-3004,  -2876,  -2748,  -2620,  -2492,  -2364,  -2236,  -2108,  -1980,  -1884,  -1820,
	-1756,  -1692,  -1628,  -1564,  -1500,  -1436,  -1372,  -1308,  -1244,  -1180,  -1116,
	-1052,  -988,   -924,   -876,   -844,   -812,   -780,   -748,   -716,   -684,   -652,
	-620,   -588,   -556,   -524,   -492,   -460,   -428,   -396,   -372,   -356,   -340,
	-324,   -308,   -292,   -276,   -260,   -244,   -228,   -212,   -196,   -180,   -164,
	-148,   -132,   -120,   -112,   -104,   -96,    -88,    -80,    -72,    -64,    -56,
	-48,    -40,    -32,    -24,    -16,    -8,     0,      32124,  31100,  30076,  29052,
	28028,  27004,  25980,  24956,  23932,  22908,  21884,  20860,  19836,  18812,  17788,
	16764,  15996,  15484,  14972,  14460,  13948,  13436,  12924,  12412,  11900,  11388,
	10876,  10364,  9852,   9340,   8828,   8316,   7932,   7676,   7420,   7164,   6908,
	6652,   6396,   6140,   5884,   5628,   5372,   5116,   4860,   4604,   4348,   4092,
	3900,   3772,   3644,   3516,   3388,   3260,   3132,   3004,   2876,   2748,   2620,
	2492,   2364,   2236,   2108,   1980,   1884,   1820,   1756,   1692,   1628,   1564,
	1500,   1436,   1372,   1308,   1244,   1180,   1116,   1052,   988,    924,    876,
	844,    812,    780,    748,    716,    684,    652,    620,    588,    556,    524,
	492,    460,    428,    396,    372,    356,    340,    324,    308,    292,    276,
	260,    244,    228,    212,    196,    180,    164,    148,    132,    120,    112,
	104,    96,     88,     80,     72,     64,     56,     48,     40,     32,     24,
	16,     8,      0,
};
static const int16_t ref_alaw[256] = {
	-5504,  -5248,  -6016,  -5760,  -4480,  -4224,  -4992,  -4736,  -7552,  -7296,  -8064,
	-7808,  -6528,  -6272,  -7040,  -6784,  -2752,  -2624,  -3008,  -2880,  -2240,  -2112,
	-2496,  -2368,  -3776,  -3648,  -4032,  -3904,  -3264,  -3136,  -3520,  -3392,  -22016,
	-20992, -24064, -23040, -17920, -16896, -19968, -18944, -30208, -29184, -32256, -31232,
	-26112, -25088, -28160, -27136, -11008, -10496, -12032, -11520, -8960,  -8448,  -9984,
	-9472,  -15104, -14592, -16128, -15616, -13056, -12544, -14080, -13568, -344,   -328,
	-376,   -360,   -280,   -264,   -312,   -296,   -472,   -456,   -504,   -488,   -408,
	-392,   -440,   -424,   -88,    -72,    -120,   -104,   -24,    -8,     -56,    -40,
	-216,   -200,   -248,   -232,   -152,   -136,   -184,   -168,   -1376,  -1312,  -1504,
	-1440,  -1120,  -1056,  -1248,  -1184,  -1888,  -1824,  -2016,  -1952,  -1632,  -1568,
	-1760,  -1696,  -688,   -656,   -752,   -720,   -560,   -528,   -624,   -592,   -944,
	-912,   -1008,  -976,   -816,   -784,   -880,   -848,   5504,   5248,   6016,   5760,
	4480,   4224,   4992,   4736,   7552,   7296,   8064,   7808,   6528,   6272,   7040,
	6784,   2752,   2624,   3008,   2880,   2240,   2112,   2496,   2368,   3776,   3648,
	4032,   3904,   3264,   3136,   3520,   3392,   22016,  20992,  24064,  23040,  17920,
	16896,  19968,  18944,  30208,  29184,  32256,  31232,  26112,  25088,  28160,  27136,
	11008,  10496,  12032,  11520,  8960,   8448,   9984,   9472,   15104,  14592,  16128,
	15616,  13056,  12544,  14080,  13568,  344,    328,    376,    360,    280,    264,
	312,    296,    472,    456,    504,    488,    408,    392,    440,    424,    88,
	72,     120,    104,    24,     8,      56,     40,     216,    200,    248,    232,
	152,    136,    184,    168,    1376,   1312,   1504,   1440,   1120,   1056,   1248,
	1184,   1888,   1824,   2016,   1952,   1632,   1568,   1760,   1696,   688,    656,
	752,    720,    560,    528,    624,    592,    944,    912,    1008,   976,    816,
	784,    880,    848,
};

/* ---- helpers ---- */

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(p);
}

static void rm_rf(const char *p)
{
	(void)nftw(p, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh directory under $TMPDIR; the caller removes it. */
static void tmp_dir(char *out, size_t cap)
{
	const char *t = getenv("TMPDIR");
	snprintf(out, cap, "%s/limf-tbundle-XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(out)) {
		perror("mkdtemp");
		exit(1);
	}
}

static void join(char *out, size_t cap, const char *a, const char *b)
{
	if ((size_t)snprintf(out, cap, "%s/%s", a, b) >= cap)
		abort();
}

static void put_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/* Whole file, NUL-terminated, or NULL (missing). */
static uint8_t *get_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = NULL;
	long l;
	*n = 0;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (l = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
		abort();
	b = malloc((size_t)l + 1);
	if (!b || fread(b, 1, (size_t)l, f) != (size_t)l)
		abort();
	fclose(f);
	b[l] = 0; /* text callers use the string functions */
	*n = (size_t)l;
	return b;
}

/* A fresh Ed25519 key: PEM private key at priv, PEM public key at pub (either may be NULL). */
static EVP_PKEY *gen_key(const char *priv, const char *pub)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	FILE *f;
	if (!k)
		abort();
	if (priv) {
		f = fopen(priv, "w");
		if (!f || PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) != 1 || fclose(f))
			abort();
	}
	if (pub) {
		f = fopen(pub, "w");
		if (!f || PEM_write_PUBKEY(f, k) != 1 || fclose(f))
			abort();
	}
	return k;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* RFC 1071 sum, independent of the writer's: 32-bit accumulate, fold at the end. */
static uint64_t sum16(uint64_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i += 2)
		s += (uint64_t)p[i] << 8 | (i + 1 < n ? p[i + 1] : 0);
	return s;
}

static uint16_t fold(uint64_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* ---- cc.pcap ---- */

/* Checks one record at *off (advanced): header, IP, UDP, data; checksums verify to 0xffff. */
static void check_rec(const uint8_t *f, size_t flen, size_t *off, const struct ho_cc_pkt *p)
{
	size_t iph = p->family == 4 ? 20 : 40, plen = iph + 8 + p->len;
	const uint8_t *r = f + *off, *ip = r + 16, *udp = ip + iph;
	uint64_t s;
	CHECK(*off + 16 + plen <= flen);
	if (*off + 16 + plen > flen)
		return;
	CHECK(le32(r) == p->ts_ns / 1000000000u && le32(r + 4) == p->ts_ns % 1000000000u);
	CHECK(le32(r + 8) == plen && le32(r + 12) == plen);
	if (p->family == 4) {
		static const uint8_t fixed[] = { 0x45, 0x00 };
		CHECK_EQ_MEM(ip, fixed, 2);
		CHECK(be16(ip + 2) == plen);
		CHECK(be16(ip + 4) == 0 && be16(ip + 6) == 0x4000); /* id 0, DF */
		CHECK(ip[8] == 64 && ip[9] == 17);
		CHECK_EQ_MEM(ip + 12, p->src, 4);
		CHECK_EQ_MEM(ip + 16, p->dst, 4);
		CHECK(fold(sum16(0, ip, 20)) == 0xffff); /* header checksum */
		s = sum16(0, ip + 12, 8) + 17 + be16(udp + 4);
	} else {
		CHECK(ip[0] == 0x60 && ip[1] == 0 && ip[2] == 0 && ip[3] == 0);
		CHECK(be16(ip + 4) == 8 + p->len);
		CHECK(ip[6] == 17 && ip[7] == 64);
		CHECK_EQ_MEM(ip + 8, p->src, 16);
		CHECK_EQ_MEM(ip + 24, p->dst, 16);
		s = sum16(0, ip + 8, 32) + (uint64_t)(8 + p->len) + 17;
	}
	CHECK(be16(udp) == p->sport && be16(udp + 2) == p->dport);
	CHECK(be16(udp + 4) == 8 + p->len);
	CHECK(be16(udp + 6) != 0); /* computed, never "no checksum" */
	CHECK(fold(sum16(s, udp, 8 + p->len)) == 0xffff);
	CHECK(p->len == 0 || memcmp(udp + 8, p->data, p->len) == 0);
	*off += 16 + plen;
}

void t_bundle_pcap(void)
{
	char root[256], dir[300], key[300], path[400];
	struct ho_bundle *b = NULL;
	struct ho_ccw *w = NULL;
	struct ho_cc_pkt pk[4];
	uint8_t rtp[3][172], *f;
	size_t flen, off;
	EVP_PKEY *k;
	tmp_dir(root, sizeof root);
	join(dir, sizeof dir, root, "b");
	join(key, sizeof key, root, "sign.pem");
	k = gen_key(key, NULL);
	for (size_t i = 0; i < sizeof rtp[0]; i++) {
		rtp[0][i] = (uint8_t)(i * 7 + 1);
		rtp[1][i] = (uint8_t)(0xff - i);
	}
	memset(pk, 0, sizeof pk);
	/* IPv4, 172 octets (12 header + 160 payload) */
	pk[0].ts_ns = 1759448872123456789ull;
	pk[0].family = 4;
	memcpy(pk[0].src, "\xc0\x00\x02\x01", 4);
	memcpy(pk[0].dst, "\xc0\x00\x02\x02", 4);
	pk[0].sport = 49170;
	pk[0].dport = 3456;
	pk[0].data = rtp[0];
	pk[0].len = 172;
	/* IPv6, odd length */
	pk[1].ts_ns = 1759448872000000001ull;
	pk[1].family = 6;
	memcpy(pk[1].src, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
	memcpy(pk[1].dst, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x02", 16);
	pk[1].sport = 30000;
	pk[1].dport = 30002;
	pk[1].data = rtp[1];
	pk[1].len = 171;
	/* IPv4 whose UDP checksum comes out 0: sent as 0xffff (RFC 768). The last two data octets
	 * make the sum 0xffff. */
	pk[2] = pk[0];
	pk[2].data = rtp[2];
	pk[2].len = 14;
	memset(rtp[2], 0x11, 14);
	{
		uint64_t s = sum16(0, pk[2].src, 4) + sum16(0, pk[2].dst, 4) + 17 + 22 +
			     pk[2].sport + pk[2].dport + 22;
		uint16_t word;
		rtp[2][12] = rtp[2][13] = 0;
		s = sum16(s, rtp[2], 14);
		word = (uint16_t)(0xffff - fold(s));
		rtp[2][12] = (uint8_t)(word >> 8);
		rtp[2][13] = (uint8_t)word;
	}
	/* IPv6, empty payload */
	pk[3] = pk[1];
	pk[3].len = 0;
	pk[3].data = NULL;

	CHECK(ho_bundle_open(dir, &b) == LIM_OK);
	CHECK(ho_bundle_ccw(b, "L1/cc.pcap", &w) == LIM_OK);
	for (int i = 0; i < 4; i++)
		CHECK(ho_ccw_write(w, &pk[i]) == LIM_OK);
	{
		struct ho_cc_pkt bad = pk[0];
		bad.family = 5;
		CHECK(ho_ccw_write(w, &bad) == LIM_E_ARG);
		bad = pk[0];
		bad.len = HO_CC_MAX_LEN4 + 1;
		CHECK(ho_ccw_write(w, &bad) == LIM_E_ARG);
		bad = pk[1];
		bad.len = HO_CC_MAX_LEN6 + 1;
		CHECK(ho_ccw_write(w, &bad) == LIM_E_ARG);
		bad.len = 3;
		bad.data = NULL;
		CHECK(ho_ccw_write(w, &bad) == LIM_E_ARG);
		bad = pk[0];
		bad.ts_ns = (UINT32_MAX + 1ull) * 1000000000ull;
		CHECK(ho_ccw_write(w, &bad) == LIM_E_ARG);
	}
	CHECK(ho_ccw_close(w) == LIM_OK);
	CHECK(ho_ccw_write(w, &pk[0]) == LIM_E_STATE);
	CHECK(ho_bundle_close(b, "t", NULL, key) == LIM_OK);
	join(path, sizeof path, dir, "L1/cc.pcap");
	f = get_file(path, &flen);
	CHECK(f != NULL);
	if (f) {
		static const uint8_t ghdr[24] = {
			0x4d, 0x3c, 0xb2, 0xa1, 2, 0, 4, 0, 0,   0, 0, 0,
			0,    0,    0,    0,    0, 0, 4, 0, 101, 0, 0, 0
		};
		CHECK(flen >= 24 && memcmp(f, ghdr, 24) == 0);
		off = 24;
		for (int i = 0; i < 4; i++)
			check_rec(f, flen, &off, &pk[i]);
		CHECK(off == flen);
		/* the zero-checksum record: third record's UDP checksum field */
		off = 24 + 16 + 20 + 8 + 172 + 16 + 40 + 8 + 171;
		CHECK(be16(f + off + 16 + 20 + 6) == 0xffff);
		free(f);
	}
	CHECK(ho_bundle_verify(dir, NULL, NULL, 0) == LIM_OK);
	EVP_PKEY_free(k);
	rm_rf(root);
}

/* ---- WAV ---- */

static int16_t sample(const uint8_t *f, size_t i)
{
	return (int16_t)le16(f + 44 + 2 * i);
}

/* Samples [from, from+n) all equal v. */
static bool run_is(const uint8_t *f, size_t flen, size_t from, size_t n, int16_t v)
{
	if (44 + 2 * (from + n) > flen)
		return false;
	for (size_t i = from; i < from + n; i++)
		if (sample(f, i) != v)
			return false;
	return true;
}

static void check_wav_header(const uint8_t *f, size_t flen, size_t samples)
{
	CHECK(flen == 44 + 2 * samples);
	CHECK(memcmp(f, "RIFF", 4) == 0 && le32(f + 4) == 36 + 2 * samples);
	CHECK(memcmp(f + 8, "WAVEfmt ", 8) == 0 && le32(f + 16) == 16);
	CHECK(le16(f + 20) == 1 && le16(f + 22) == 1 && le32(f + 24) == 8000);
	CHECK(le32(f + 28) == 16000 && le16(f + 32) == 2 && le16(f + 34) == 16);
	CHECK(memcmp(f + 36, "data", 4) == 0 && le32(f + 40) == 2 * samples);
}

void t_bundle_wav(void)
{
	char root[256], dir[300], key[300], path[400];
	struct ho_bundle *b = NULL;
	struct ho_wav *u = NULL, *a = NULL, *t = NULL, *w2 = NULL, *hw = NULL;
	struct ho_wav_stats st;
	uint8_t p[256], *f;
	size_t flen;
	uint32_t e_ts, g_ts;
	EVP_PKEY *k;
	tmp_dir(root, sizeof root);
	join(dir, sizeof dir, root, "b");
	join(key, sizeof key, root, "sign.pem");
	k = gen_key(key, NULL);
	CHECK(ho_bundle_open(dir, &b) == LIM_OK);
	CHECK(ho_bundle_wav(b, "x/u.wav", 0, &u) == LIM_OK);
	CHECK(ho_bundle_wav(b, "x/a.wav", 8, &a) == LIM_OK);
	CHECK(ho_bundle_wav(b, "x/t.wav", 0, &t) == LIM_OK);
	CHECK(ho_bundle_wav(b, "x/g722.wav", 9, &w2) == LIM_E_UNSUPP && w2 == NULL);
	CHECK(ho_bundle_wav(b, "x/u.wav", 0, &w2) == LIM_E_STATE && w2 == NULL);
	CHECK(ho_bundle_wav(b, "x/u2.wav", 0, &w2) == LIM_OK && w2 != NULL);

	/* PCMU: A at 0, C at 320 (B missing for now), B late, D after a gap */
	memset(p, 0x00, 160);
	CHECK(ho_wav_write(u, 1000, 0, p, 160) == LIM_OK); /* A: 0..159 */
	memset(p, 0x80, 160);
	CHECK(ho_wav_write(u, 1320, 0, p, 160) == LIM_OK); /* C: 320..479 */
	memset(p, 0x10, 160);
	CHECK(ho_wav_write(u, 1160, 0, p, 160) == LIM_OK); /* B (late): 160..319 */
	memset(p, 0x9a, 160);
	CHECK(ho_wav_write(u, 1800, 0, p, 160) == LIM_OK); /* D: 800..959, 480..799 silence */
	/* E: more than 60 s ahead of the furthest sample: a new segment at 960 */
	e_ts = 1000 + 960 + HO_WAV_JUMP_FWD + 1;
	memset(p, 0x20, 160);
	CHECK(ho_wav_write(u, e_ts, 0, p, 160) == LIM_OK); /* E: 960..1119 */
	memset(p, 0x21, 160);
	CHECK(ho_wav_write(u, e_ts + 160, 0, p, 160) == LIM_OK); /* F: 1120..1279 */
	/* G: 3 s back: a new segment at 1280; H just before G's start: dropped */
	g_ts = e_ts - 3 * 8000;
	memset(p, 0x30, 160);
	CHECK(ho_wav_write(u, g_ts, 0, p, 160) == LIM_OK); /* G: 1280..1439 */
	memset(p, 0x31, 160);
	CHECK(ho_wav_write(u, g_ts - 160, 0, p, 160) == LIM_OK); /* H: dropped */
	CHECK(ho_wav_write(u, g_ts, 0, p, 0) == LIM_OK);         /* empty: nothing */
	CHECK(ho_wav_write(u, g_ts, 0, NULL, 3) == LIM_E_ARG);
	/* exactly 2 s back from the end (1440): not a new segment, lands at 1440 - 16000 < 1280
	 * i.e. before G's start: dropped too */
	CHECK(ho_wav_write(u, g_ts + 160 - HO_WAV_JUMP_BACK, 0, p, 160) == LIM_OK);
	ho_wav_stats(u, &st);
	CHECK(st.packets == 7 && st.dropped == 2 && st.segments == 3 && st.samples == 1440);

	/* PCMA across the RTP timestamp wrap; the whole code table in one packet */
	memset(p, 0xd5, 160);
	CHECK(ho_wav_write(a, 0xffffff60u, 0, p, 160) == LIM_OK); /* 0..159 */
	memset(p, 0x55, 160);
	CHECK(ho_wav_write(a, 0, 0, p, 160) == LIM_OK); /* 160..319 */
	for (int i = 0; i < 256; i++)
		p[i] = (uint8_t)i;
	CHECK(ho_wav_write(a, 160, 0, p, 256) == LIM_OK); /* 320..575 */
	/* 60 s past the end, the capture time 60 s on too: the same segment (sparse silence) */
	CHECK(ho_wav_write(a, 576 - 160 + HO_WAV_JUMP_FWD, 60000000000ull, p, 1) == LIM_OK);
	ho_wav_stats(a, &st);
	CHECK(st.packets == 4 && st.segments == 1 && st.samples == 576 + HO_WAV_JUMP_FWD + 1);
	CHECK(ho_wav_close(a) == LIM_OK);
	CHECK(ho_wav_write(a, 0, 0, p, 1) == LIM_E_STATE);

	/* PCMU code table */
	CHECK(ho_wav_write(t, 5, 0, p, 256) == LIM_OK);

	/* a new segment is placed by capture time: 2 s of audio, a hold of 90 s after which
	 * the timestamps have a new base, 2 s more: those at 92 s (before: at 2 s, the pause
	 * gone); then a timestamp reset whose capture time lies before the end (a clock that
	 * stepped back): at the end */
	{
		const uint64_t t0 = 1700000000ull * 1000000000ull, ms = 1000000ull;
		CHECK(ho_bundle_wav(b, "x/h.wav", 0, &hw) == LIM_OK);
		memset(p, 0x40, 160);
		for (uint32_t i = 0; i < 100; i++)
			CHECK(ho_wav_write(hw, 5000 + 160 * i, t0 + 20 * ms * i, p, 160) == LIM_OK);
		memset(p, 0x41, 160);
		for (uint32_t i = 0; i < 100; i++)
			CHECK(ho_wav_write(hw, 0x80000000u + 160 * i, t0 + 92000 * ms + 20 * ms * i,
					   p, 160) == LIM_OK);
		memset(p, 0x42, 160);
		CHECK(ho_wav_write(hw, 7, t0, p, 160) == LIM_OK);
		ho_wav_stats(hw, &st);
		CHECK(st.packets == 201 && st.segments == 3 && st.samples == 752160);
	}
	/* one packet whose timestamp is off by 50 s, ahead or behind (a glitch, or sent so): it
	 * and the audio after it keep their capture-time places (an audit: before, everything
	 * after came 50 s later, a 30 s stream, the outlier and 10 s more made 90 s); a stream
	 * whose every timestamp jumps 59 s (sent so) stays as long as it was captured (before, it
	 * filled the 4-hour cap in seconds) */
	for (int way = -1; way <= 2; way++) {
		const uint64_t t0 = 1700000000ull * 1000000000ull, ms = 1000000ull;
		struct ho_wav *ow = NULL;
		char name[32];
		snprintf(name, sizeof name, "x/o%d.wav", way + 1);
		CHECK(ho_bundle_wav(b, name, 0, &ow) == LIM_OK);
		memset(p, 0x50, 160);
		for (uint32_t i = 0; i < 2000; i++) {
			uint32_t ts = way == 2 ? 472000u * i : 1000u + 160u * i;
			if (i == 1500 && way != 2)
				ts += (uint32_t)(way * 400000);
			CHECK(ho_wav_write(ow, ts, t0 + 20 * ms * i, p, 160) == LIM_OK);
		}
		ho_wav_stats(ow, &st);
		CHECK(st.packets == 2000 && st.samples == 320000 &&
		      st.segments == (way == 0   ? 1u
				      : way == 2 ? 2000u
						 : 3u));
		CHECK(ho_wav_close(ow) == LIM_OK);
	}

	CHECK(ho_bundle_close(b, "t", NULL, key) == LIM_OK);

	join(path, sizeof path, dir, "x/u.wav");
	f = get_file(path, &flen);
	CHECK(f != NULL && flen >= 44);
	if (f && flen >= 44) {
		check_wav_header(f, flen, 1440);
		CHECK(ref_ulaw[0x00] == -32124 && ref_ulaw[0xff] == 0 && ref_ulaw[0x80] == 32124);
		CHECK(run_is(f, flen, 0, 160, -32124));
		CHECK(run_is(f, flen, 160, 160, ref_ulaw[0x10]));
		CHECK(run_is(f, flen, 320, 160, 32124));
		CHECK(run_is(f, flen, 480, 320, 0));
		CHECK(run_is(f, flen, 800, 160, ref_ulaw[0x9a]));
		CHECK(run_is(f, flen, 960, 160, ref_ulaw[0x20]));
		CHECK(run_is(f, flen, 1120, 160, ref_ulaw[0x21]));
		CHECK(run_is(f, flen, 1280, 160, ref_ulaw[0x30]));
	}
	free(f);
	join(path, sizeof path, dir, "x/a.wav");
	f = get_file(path, &flen);
	CHECK(f != NULL && flen >= 44);
	if (f && flen >= 44) {
		check_wav_header(f, flen, 576 + HO_WAV_JUMP_FWD + 1);
		CHECK(ref_alaw[0xd5] == 8 && ref_alaw[0x55] == -8);
		CHECK(run_is(f, flen, 0, 160, 8));
		CHECK(run_is(f, flen, 160, 160, -8));
		for (int i = 0; i < 256; i++)
			CHECK(sample(f, 320 + (size_t)i) == ref_alaw[i]);
		CHECK(run_is(f, flen, 576, HO_WAV_JUMP_FWD, 0));
		CHECK(sample(f, 576 + HO_WAV_JUMP_FWD) == ref_alaw[0]);
	}
	free(f);
	join(path, sizeof path, dir, "x/t.wav");
	f = get_file(path, &flen);
	CHECK(f != NULL && flen == 44 + 512);
	if (f && flen == 44 + 512)
		for (int i = 0; i < 256; i++)
			CHECK(sample(f, (size_t)i) == ref_ulaw[i]);
	free(f);
	join(path, sizeof path, dir, "x/h.wav");
	f = get_file(path, &flen);
	CHECK(f != NULL && flen >= 44);
	if (f && flen >= 44) {
		check_wav_header(f, flen, 752160);
		CHECK(run_is(f, flen, 0, 16000, ref_ulaw[0x40]));
		CHECK(run_is(f, flen, 16000, 720000, 0));
		CHECK(run_is(f, flen, 736000, 16000, ref_ulaw[0x41]));
		CHECK(run_is(f, flen, 752000, 160, ref_ulaw[0x42]));
	}
	free(f);
	join(path, sizeof path, dir, "x/u2.wav"); /* no packets: a valid empty WAV */
	f = get_file(path, &flen);
	CHECK(f != NULL && flen == 44);
	if (f && flen == 44)
		check_wav_header(f, flen, 0);
	free(f);
	CHECK(ho_bundle_verify(dir, NULL, NULL, 0) == LIM_OK);

	/* the cap: 59 s steps (sparse) until LIM_E_LIMIT; the last sample that fits is
	 * HO_WAV_MAX_SAMPLES - 1; the bundle is abandoned (not hashed) */
	{
		char d2[300];
		struct ho_bundle *b2 = NULL;
		struct ho_wav *c = NULL;
		uint32_t ts = 0;
		enum lim_err e = LIM_OK;
		int n = 0;
		join(d2, sizeof d2, root, "cap");
		CHECK(ho_bundle_open(d2, &b2) == LIM_OK);
		CHECK(ho_bundle_wav(b2, "c.wav", 8, &c) == LIM_OK);
		memset(p, 0xd5, 160);
		/* (each packet's capture time agreeing with its timestamp: one segment) */
		while (n < 1000 &&
		       (e = ho_wav_write(c, ts, (uint64_t)ts * 125000u, p, 160)) == LIM_OK) {
			ts += 59 * 8000;
			n++;
		}
		CHECK(e == LIM_E_LIMIT && n == (int)((HO_WAV_MAX_SAMPLES - 160) / (59 * 8000)) + 1);
		ho_wav_stats(c, &st);
		CHECK(st.segments == 1 && st.dropped == 1 && st.samples <= HO_WAV_MAX_SAMPLES);
		CHECK(ho_wav_write(c, HO_WAV_MAX_SAMPLES - 160,
				   (uint64_t)(HO_WAV_MAX_SAMPLES - 160) * 125000u, p,
				   160) == LIM_OK);
		CHECK(ho_wav_write(c, HO_WAV_MAX_SAMPLES - 159,
				   (uint64_t)(HO_WAV_MAX_SAMPLES - 159) * 125000u, p,
				   160) == LIM_E_LIMIT);
		ho_wav_stats(c, &st);
		CHECK(st.samples == HO_WAV_MAX_SAMPLES && st.segments == 1);
		ho_bundle_abort(b2);
	}
	EVP_PKEY_free(k);
	rm_rf(root);
}

/* ---- buffering (handover/bundle.h "Buffering"): the bytes never depend on how the writes
 * were cut, on the window's moves, or on when data reaches the file ---- */

/* A file written at once (one write larger than the 64 KiB buffer) equals the same octets
 * written in many small pieces, in pieces straddling the buffer's end and in a large piece
 * while the buffer holds data; a cc.pcap is the same after a ho_ccw_close mid-way. */
static void buf_bfile(const char *root, const char *key)
{
	enum { N = 300000 };
	char dir[300], path[400];
	struct ho_bundle *b = NULL;
	struct ho_bfile *one = NULL, *many = NULL, *mixed = NULL, *empty = NULL;
	uint8_t *data = malloc(N), *f;
	size_t flen, off, step;
	CHECK(data != NULL);
	if (!data)
		return;
	for (size_t i = 0; i < N; i++)
		data[i] = (uint8_t)(i * 131 + (i >> 9));
	join(dir, sizeof dir, root, "buf");
	CHECK(ho_bundle_open(dir, &b) == LIM_OK);
	CHECK(ho_bundle_file(b, "one", &one) == LIM_OK);
	CHECK(ho_bundle_file(b, "many", &many) == LIM_OK);
	CHECK(ho_bundle_file(b, "mixed", &mixed) == LIM_OK);
	CHECK(ho_bundle_file(b, "empty", &empty) == LIM_OK);
	CHECK(ho_bfile_write(one, data, N) == LIM_OK);
	/* pieces of 1..997 octets */
	for (off = 0, step = 1; off < N; off += step, step = step % 997 + 1)
		CHECK(ho_bfile_write(many, data + off, off + step <= N ? step : N - off) == LIM_OK);
	/* 100 octets, then 70000 (more than the buffer, the buffer not empty), then 65536 exactly
	 * (from an empty buffer: goes straight out), 0 octets, then the rest in 4000s */
	CHECK(ho_bfile_write(mixed, data, 100) == LIM_OK);
	CHECK(ho_bfile_write(mixed, data + 100, 70000) == LIM_OK);
	CHECK(ho_bfile_write(mixed, data + 70100, 65536 - (70100 % 65536)) == LIM_OK);
	CHECK(ho_bfile_write(mixed, data + 131072, 65536) == LIM_OK);
	CHECK(ho_bfile_write(mixed, data, 0) == LIM_OK);
	for (off = 196608; off < N; off += 4000)
		CHECK(ho_bfile_write(mixed, data + off, N - off < 4000 ? N - off : 4000) == LIM_OK);
	/* closing early writes out the buffer; the file is then complete on disk */
	CHECK(ho_bfile_close(many) == LIM_OK);
	join(path, sizeof path, dir, "many");
	f = get_file(path, &flen);
	CHECK(f != NULL && flen == N && memcmp(f, data, N) == 0);
	free(f);
	CHECK(ho_bfile_write(many, data, 1) == LIM_E_STATE);
	CHECK(ho_bundle_close(b, "t", NULL, key) == LIM_OK);
	CHECK(ho_bundle_verify(dir, NULL, NULL, 0) == LIM_OK);
	{
		static const char *const names[] = { "one", "many", "mixed" };
		for (size_t i = 0; i < 3; i++) {
			join(path, sizeof path, dir, names[i]);
			f = get_file(path, &flen);
			CHECK(f != NULL && flen == N && memcmp(f, data, N) == 0);
			free(f);
		}
		join(path, sizeof path, dir, "empty");
		f = get_file(path, &flen);
		CHECK(f != NULL && flen == 0);
		free(f);
	}
	rm_rf(dir);
	free(data);
}

/* The reference: each packet's samples written over an array in call order (the unbuffered
 * writer's pwrite semantics); code of sample i of packet k = (k * 7 + i * 31) & 0xff. */
struct wav_ref {
	int16_t *s;
	size_t n, cap;
};

static void ref_put(struct wav_ref *r, size_t pos, size_t len, uint8_t *p, unsigned k)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(k * 7 + i * 31);
	if (pos + len > r->cap)
		abort();
	for (size_t i = 0; i < len; i++)
		r->s[pos + i] = ref_ulaw[p[i]];
	if (pos + len > r->n)
		r->n = pos + len;
}

static void check_wav_ref(const char *path, const struct wav_ref *r)
{
	size_t flen;
	uint8_t *f = get_file(path, &flen);
	bool same = f != NULL && flen == 44 + 2 * r->n;
	CHECK(same);
	if (same) {
		check_wav_header(f, flen, r->n);
		for (size_t i = 0; i < r->n && same; i++)
			same = sample(f, i) == r->s[i];
		CHECK(same);
	}
	free(f);
}

/* A WAV far longer than the in-memory window (4.1 s; it keeps 1 s behind a packet when it
 * moves) with: late packets that fall before the window, wholly and straddling its start
 * (written to the file at once), a late packet inside the window, a packet larger than the
 * window takes (30000 samples), a late packet over that one, a gap of silence longer than the
 * window, a new segment. Compared sample by sample with the reference, and with the same
 * packets written in order. */
static void buf_wav(const char *root, const char *key)
{
	enum { CAP = 200000 };
	char dir[300], path[400];
	struct ho_bundle *b = NULL;
	struct ho_wav *w = NULL, *o = NULL;
	struct ho_wav_stats st;
	struct wav_ref r = { calloc(CAP, sizeof(int16_t)), 0, CAP };
	struct wav_ref ro = { calloc(CAP, sizeof(int16_t)), 0, CAP };
	uint8_t *p = malloc(30000);
	unsigned k;
	uint64_t npk = 0;
	CHECK(r.s != NULL && ro.s != NULL && p != NULL);
	if (!r.s || !ro.s || !p)
		goto out;
	join(dir, sizeof dir, root, "bufwav");
	CHECK(ho_bundle_open(dir, &b) == LIM_OK);
	CHECK(ho_bundle_wav(b, "late.wav", 0, &w) == LIM_OK);
	CHECK(ho_bundle_wav(b, "inorder.wav", 0, &o) == LIM_OK);
	/* 20 ms packets 0..259 (samples 0..41599), holding back 125 (20000..20159: before the
	 * window once it has moved, at the packet of 32640), 152 (24320..24479: across the
	 * window's start 32640 - 8192 = 24448) and 200 (inside the window) */
	for (k = 0; k < 260; k++) {
		if (k == 125 || k == 152 || k == 200)
			continue;
		ref_put(&r, 160u * k, 160, p, k);
		CHECK(ho_wav_write(w, 1000 + 160u * k, CT(160u * k), p, 160) == LIM_OK);
		npk++;
		if (k == 210) {
			static const unsigned late[] = { 125, 152, 200 };
			for (size_t j = 0; j < 3; j++) {
				ref_put(&r, 160u * late[j], 160, p, late[j]);
				CHECK(ho_wav_write(w, 1000 + 160u * late[j], CT(160u * late[j]), p,
						   160) == LIM_OK);
				npk++;
			}
		}
	}
	/* a late packet over packets 160..161 (inside the window): overwrites in place */
	ref_put(&r, 25600, 320, p, 1000);
	CHECK(ho_wav_write(w, 1000 + 25600, CT(25600), p, 320) == LIM_OK);
	npk++;
	/* one packet of 30000 samples over the last 1600 in the window (40000..69999: it wins),
	 * then 20 ms packets again after a gap, then a late 160 over the large packet (before the
	 * window, which restarted after it) */
	ref_put(&r, 40000, 30000, p, 2000);
	CHECK(ho_wav_write(w, 1000 + 40000, CT(40000), p, 30000) == LIM_OK);
	npk++;
	for (k = 0; k < 10; k++) {
		ref_put(&r, 71600 + 160u * k, 160, p, 3000 + k);
		CHECK(ho_wav_write(w, 1000 + 71600 + 160u * k, CT(71600 + 160u * k), p, 160) ==
		      LIM_OK);
		npk++;
	}
	ref_put(&r, 68000, 160, p, 4000);
	CHECK(ho_wav_write(w, 1000 + 68000, CT(68000), p, 160) == LIM_OK);
	npk++;
	/* a 50000-sample gap (silence, longer than the window), then more packets */
	for (k = 0; k < 30; k++) {
		ref_put(&r, 123200 + 160u * k, 160, p, 5000 + k);
		CHECK(ho_wav_write(w, 1000 + 123200 + 160u * k, CT(123200 + 160u * k), p, 160) ==
		      LIM_OK);
		npk++;
	}
	/* a timestamp reset: a new segment at the end (128000) */
	for (k = 0; k < 40; k++) {
		ref_put(&r, 128000 + 160u * k, 160, p, 6000 + k);
		CHECK(ho_wav_write(w, 77 + 160u * k, CT(128000 + 160u * k), p, 160) == LIM_OK);
		npk++;
	}
	/* a late packet before the new segment's start: dropped, as without buffering */
	CHECK(ho_wav_write(w, 77u - 160u, CT(128000 - 160), p, 160) == LIM_OK);
	ho_wav_stats(w, &st);
	CHECK(st.packets == npk && st.dropped == 1 && st.segments == 2 && st.samples == r.n);
	/* the same audio written in order, in 20 ms packets */
	for (size_t pos = 0; pos < r.n; pos += 160) {
		size_t len = r.n - pos < 160 ? r.n - pos : 160, i;
		for (i = 0; i < len && r.s[pos + i] == 0; i++)
			;
		if (i == len)
			continue; /* all silence: left as a gap */
		for (i = 0; i < len; i++) {
			size_t c = 0;
			while (ref_ulaw[c] != r.s[pos + i])
				c++; /* ulaw is one-to-one except 0x7f/0xff, both 0 */
			p[i] = (uint8_t)c;
			ro.s[pos + i] = r.s[pos + i];
		}
		CHECK(ho_wav_write(o, 5 + (uint32_t)pos, CT(pos), p, len) == LIM_OK);
	}
	ro.n = r.n;
	CHECK(ho_wav_close(w) == LIM_OK);
	join(path, sizeof path, dir, "late.wav");
	check_wav_ref(path, &r);
	CHECK(ho_wav_write(w, 0, 0, p, 1) == LIM_E_STATE);
	CHECK(ho_bundle_close(b, "t", NULL, key) == LIM_OK);
	CHECK(ho_bundle_verify(dir, NULL, NULL, 0) == LIM_OK);
	join(path, sizeof path, dir, "inorder.wav");
	check_wav_ref(path, &ro);
	CHECK(memcmp(r.s, ro.s, r.n * sizeof *r.s) == 0);
	rm_rf(dir);
out:
	free(r.s);
	free(ro.s);
	free(p);
}

/* An I/O error found only when buffered data is written out. The fault: RLIMIT_FSIZE, so a
 * write(2)/pwrite(2) past the limit fails with EFBIG (SIGXFSZ ignored) — a real kernel write
 * error on a real file, without root, a full disk or a way into the bundle's descriptors.
 * (/dev/full cannot be reached: outputs are created O_CREAT|O_EXCL|O_NOFOLLOW.) */
static void buf_err(const char *root, const char *key)
{
	char dir[300], path[400];
	struct rlimit old, lim;
	struct ho_bundle *b = NULL;
	struct ho_bfile *f = NULL, *g = NULL;
	struct ho_wav *w = NULL;
	uint8_t p[1000];
	enum lim_err e = LIM_OK;
	int n = 0;
	void (*oldsig)(int);
	if (getrlimit(RLIMIT_FSIZE, &old) != 0 ||
	    (old.rlim_max != RLIM_INFINITY && old.rlim_max < 100000)) {
		CHECK(!"RLIMIT_FSIZE unusable");
		return;
	}
	memset(p, 0x5a, sizeof p);
	oldsig = signal(SIGXFSZ, SIG_IGN);
	lim = old;
	lim.rlim_cur = 100000;
	CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);

	/* 1. the write that fills the buffer the second time (at 131072 octets > 100000)
	 * returns the error; the 131 before it were accepted; then sticky everywhere */
	join(dir, sizeof dir, root, "err1");
	CHECK(ho_bundle_open(dir, &b) == LIM_OK);
	CHECK(ho_bundle_file(b, "big", &f) == LIM_OK);
	CHECK(ho_bundle_file(b, "small", &g) == LIM_OK);
	CHECK(ho_bfile_write(g, p, 10) == LIM_OK);
	while (n < 1000 && (e = ho_bfile_write(f, p, sizeof p)) == LIM_OK)
		n++;
	CHECK(e == LIM_E_IO && n == 131);
	CHECK(ho_bfile_write(f, p, 1) == LIM_E_IO);
	CHECK(ho_bfile_write(g, p, 1) == LIM_E_IO);
	CHECK(ho_bundle_wav(b, "w.wav", 0, &w) == LIM_E_IO && w == NULL);
	CHECK(ho_bundle_close(b, "t", NULL, key) == LIM_E_IO);
	join(path, sizeof path, dir, "manifest.json");
	CHECK(access(path, F_OK) != 0);
	join(path, sizeof path, dir, "small"); /* what was accepted still reached the file */
	{
		struct stat sb;
		CHECK(stat(path, &sb) == 0 && sb.st_size == 10);
	}

	/* 2. everything accepted (buffered), the error surfaces from ho_bfile_close */
	lim.rlim_cur = 1000;
	CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
	join(dir, sizeof dir, root, "err2");
	CHECK(ho_bundle_open(dir, &b) == LIM_OK);
	CHECK(ho_bundle_file(b, "f", &f) == LIM_OK);
	for (int i = 0; i < 3; i++)
		CHECK(ho_bfile_write(f, p, sizeof p) == LIM_OK);
	CHECK(ho_bfile_close(f) == LIM_E_IO);
	CHECK(ho_bundle_close(b, "t", NULL, key) == LIM_E_IO);

	/* 3. ... or from ho_bundle_close, for a cc.pcap and for a WAV's window */
	join(dir, sizeof dir, root, "err3");
	CHECK(ho_bundle_open(dir, &b) == LIM_OK);
	{
		struct ho_ccw *c = NULL;
		uint8_t rtp[600];
		struct ho_cc_pkt pk = { .ts_ns = 1, .family = 4, .data = rtp, .len = sizeof rtp };
		memset(rtp, 0x80, sizeof rtp);
		CHECK(ho_bundle_ccw(b, "cc.pcap", &c) == LIM_OK);
		for (int i = 0; i < 3; i++)
			CHECK(ho_ccw_write(c, &pk) == LIM_OK);
	}
	CHECK(ho_bundle_close(b, "t", NULL, key) == LIM_E_IO);
	join(dir, sizeof dir, root, "err4");
	CHECK(ho_bundle_open(dir, &b) == LIM_OK);
	CHECK(ho_bundle_wav(b, "w.wav", 8, &w) == LIM_OK);   /* the 44-octet header fits */
	CHECK(ho_wav_write(w, 0, 0, p, sizeof p) == LIM_OK); /* 2000 octets, in memory */
	CHECK(ho_wav_close(w) == LIM_E_IO);
	CHECK(ho_bundle_close(b, "t", NULL, key) == LIM_E_IO);

	CHECK(setrlimit(RLIMIT_FSIZE, &old) == 0);
	signal(SIGXFSZ, oldsig);
}

/* ---- a full bundle ---- */

static const char IRI[] = "{\"event\":\"begin\",\"call\":1}\n{\"event\":\"end\",\"call\":1}\n";
static const char EXTRA[] = "\"warrants\":[{\"liid\":\"L1\",\"kms\":\"kms.example.org\"}],"
			    "\"calls\":[{\"call_id\":\"c1@x\",\"note\":\"caf\\u00e9 \xc3\xa9\"}]";

/* Writes a complete bundle into dir (inputs from root), signed with key. */
static void make_bundle(const char *root, const char *dir, const char *key)
{
	char in1[300], in2[300];
	struct ho_bundle *b = NULL;
	struct ho_bfile *iri = NULL, *pdu = NULL;
	struct ho_ccw *w = NULL;
	struct ho_wav *wav = NULL;
	struct ho_cc_pkt pk;
	uint8_t rtp[172];
	join(in1, sizeof in1, root, "call.pcap");
	join(in2, sizeof in2, root, "second.pcap");
	put_file(in1, "pcap-one", 8);
	put_file(in2, "", 0);
	CHECK(ho_bundle_open(dir, &b) == LIM_OK);
	CHECK(ho_bundle_input(b, in1) == LIM_OK);
	CHECK(ho_bundle_input(b, in2) == LIM_OK);
	CHECK(ho_bundle_file(b, "L1/iri.jsonl", &iri) == LIM_OK);
	CHECK(ho_bfile_write(iri, IRI, sizeof IRI - 1) == LIM_OK);
	CHECK(ho_bundle_file(b, "L1/hi2.pdu", &pdu) == LIM_OK);
	CHECK(ho_bfile_write(pdu, "\x30\x03\xa1\x01\x00", 5) == LIM_OK);
	CHECK(ho_bfile_close(pdu) == LIM_OK);
	CHECK(ho_bfile_write(pdu, "x", 1) == LIM_E_STATE);
	CHECK(ho_bundle_ccw(b, "L1/cc.pcap", &w) == LIM_OK);
	CHECK(ho_bundle_wav(b, "L1/audio/1234abcd.wav", 0, &wav) == LIM_OK);
	memset(&pk, 0, sizeof pk);
	pk.family = 4;
	memcpy(pk.src, "\xc0\x00\x02\x01", 4);
	memcpy(pk.dst, "\xc0\x00\x02\x02", 4);
	pk.sport = 49170;
	pk.dport = 3456;
	pk.data = rtp;
	pk.len = sizeof rtp;
	for (uint32_t i = 0; i < 50; i++) {
		memset(rtp, 0, 12);
		rtp[0] = 0x80;
		rtp[2] = (uint8_t)(i >> 8);
		rtp[3] = (uint8_t)i;
		rtp[7] = (uint8_t)(i * 160); /* timestamp low octet (enough for a test) */
		for (size_t s = 12; s < sizeof rtp; s++)
			rtp[s] = (uint8_t)(0x80 | ((s + i) & 0x7f)); /* a loud-ish ramp */
		pk.ts_ns = 1759448872000000000ull + i * 20000000ull;
		CHECK(ho_ccw_write(w, &pk) == LIM_OK);
		CHECK(ho_wav_write(wav, 160 * i, 0, rtp + 12, 160) == LIM_OK);
	}
	CHECK(ho_bundle_close(b, "9.9.9-test", EXTRA, key) == LIM_OK);
}

/* Relative paths of every file under dir (sorted by nftw? no: collected, then sorted). */
static char *g_files[64];
static size_t g_nfiles, g_prefix;

static int collect(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)ftw;
	if (flag == FTW_F && g_nfiles < 64)
		g_files[g_nfiles++] = strdup(p + g_prefix);
	return 0;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* verify fails, and why names want */
static void expect_fail(const char *dir, const char *pin, const char *want)
{
	char why[512];
	CHECK(ho_bundle_verify(dir, pin, why, sizeof why) == LIM_E_AUTH);
	if (!strstr(why, want)) {
		fprintf(stderr, "  why '%s' lacks '%s'\n", why, want);
		CHECK(strstr(why, want) != NULL);
	}
}

static void expect_ok(const char *dir, const char *pin)
{
	char why[512] = "";
	enum lim_err e = ho_bundle_verify(dir, pin, why, sizeof why);
	if (e != LIM_OK)
		fprintf(stderr, "  verify: %s\n", why);
	CHECK(e == LIM_OK);
}

void t_bundle_verify(void)
{
	char root[256], dir[300], key[300], pub[300], key2[300], pub2[300], path[400], why[512];
	uint8_t *man, *f, sha[32];
	size_t mlen, flen;
	struct ho_verify_info info;
	EVP_PKEY *k, *k2;
	tmp_dir(root, sizeof root);
	join(dir, sizeof dir, root, "bundle");
	join(key, sizeof key, root, "sign.pem");
	join(pub, sizeof pub, root, "sign.pub");
	join(key2, sizeof key2, root, "other.pem");
	join(pub2, sizeof pub2, root, "other.pub");
	k = gen_key(key, pub);
	k2 = gen_key(key2, pub2);
	make_bundle(root, dir, key);

	/* verifies, without and with the pinned key; the fingerprint is SHA-256(DER SPKI) */
	memset(&info, 0, sizeof info);
	CHECK(ho_bundle_verify_ex(dir, NULL, why, sizeof why, &info) == LIM_OK);
	CHECK(info.files == 4);
	{
		uint8_t *der = NULL;
		int dl = i2d_PUBKEY(k, &der);
		CHECK(dl > 0 && EVP_Digest(der, (size_t)dl, sha, NULL, EVP_sha256(), NULL) == 1);
		CHECK(memcmp(sha, info.fpr, 32) == 0);
		OPENSSL_free(der);
	}
	expect_ok(dir, pub);
	expect_fail(dir, pub2, "manifest.pub: not the pinned key");

	/* the manifest's content */
	join(path, sizeof path, dir, "manifest.json");
	man = get_file(path, &mlen);
	CHECK(man != NULL);
	if (man) {
		const char *m = (const char *)man, *o1, *o2, *o3, *o4, *o5;
		char want[200], hex[65];
		static const char head[] = "{\"format\":\"limf-evidence-1\",\"tool\":{\"name\":"
					   "\"limf\",\"version\":\"9.9.9-test\"},\"created\":\"";
		CHECK(strncmp(m, head, sizeof head - 1) == 0);
		CHECK(strlen(m) > sizeof head + 21 && m[sizeof head - 1 + 10] == 'T' &&
		      memcmp(m + sizeof head - 1 + 19, "Z\",\"inputs\":[", 12) == 0);
		CHECK(strstr(m, EXTRA) != NULL);
		EVP_Digest("pcap-one", 8, sha, NULL, EVP_sha256(), NULL);
		for (int i = 0; i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", sha[i]);
		snprintf(want, sizeof want, "{\"name\":\"call.pcap\",\"size\":8,\"sha256\":\"%s\"}",
			 hex);
		CHECK(strstr(m, want) != NULL);
		CHECK(strstr(m,
			     "{\"name\":\"second.pcap\",\"size\":0,\"sha256\":\"e3b0c44298fc1c149a"
			     "fbf4c8996fb92427ae41e4649b934ca495991b7852b855\"}") != NULL);
		EVP_Digest(IRI, sizeof IRI - 1, sha, NULL, EVP_sha256(), NULL);
		for (int i = 0; i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", sha[i]);
		snprintf(want, sizeof want,
			 "{\"path\":\"L1/iri.jsonl\",\"size\":%zu,\"sha256\":\"%s\"}",
			 sizeof IRI - 1, hex);
		CHECK(strstr(m, want) != NULL);
		o1 = strstr(m, "\"path\":\"L1/audio/1234abcd.wav\"");
		o2 = strstr(m, "\"path\":\"L1/cc.pcap\"");
		o3 = strstr(m, "\"path\":\"L1/hi2.pdu\"");
		o4 = strstr(m, "\"path\":\"L1/iri.jsonl\"");
		o5 = strstr(m, "\"outputs\":[");
		CHECK(o1 && o2 && o3 && o4 && o5 && o5 < o1 && o1 < o2 && o2 < o3 && o3 < o4);
		CHECK(mlen > 3 && memcmp(m + mlen - 3, "]}\n", 3) == 0);
	}

	/* one flipped byte in every file, in turn: each fails naming the file */
	g_nfiles = 0;
	g_prefix = strlen(dir) + 1;
	nftw(dir, collect, 16, FTW_PHYS);
	qsort(g_files, g_nfiles, sizeof *g_files, str_cmp);
	CHECK(g_nfiles == 7);
	for (size_t i = 0; i < g_nfiles; i++) {
		bool manifest = strncmp(g_files[i], "manifest.", 9) == 0;
		size_t offs[3];
		join(path, sizeof path, dir, g_files[i]);
		f = get_file(path, &flen);
		CHECK(f != NULL && flen > 0);
		if (!f || !flen)
			continue;
		offs[0] = 0, offs[1] = flen / 2, offs[2] = flen - 1;
		for (int o = 0; o < 3; o++) {
			char want[300];
			f[offs[o]] ^= 0x01;
			put_file(path, f, flen);
			snprintf(want, sizeof want, "%s: SHA-256 differs", g_files[i]);
			/* a flip in manifest.pub's base64 can give another valid key: then the
			 * signature is what fails */
			if (strcmp(g_files[i], "manifest.pub") == 0) {
				expect_fail(dir, NULL, "manifest.");
				expect_fail(dir, pub, "manifest.pub: ");
			} else {
				expect_fail(dir, NULL,
					    manifest ? "manifest.sig: signature does not verify"
						     : want);
				expect_fail(dir, pub,
					    manifest ? "manifest.sig: signature does not verify"
						     : want);
			}
			f[offs[o]] ^= 0x01;
			put_file(path, f, flen);
		}
		/* truncated by one octet, then removed */
		put_file(path, f, flen - 1);
		if (!manifest) {
			char want[300];
			snprintf(want, sizeof want, "%s: size differs", g_files[i]);
			expect_fail(dir, NULL, want);
		} else {
			expect_fail(dir, NULL, "manifest.");
		}
		CHECK(remove(path) == 0);
		{
			char want[300];
			snprintf(want, sizeof want, "%s: missing", g_files[i]);
			expect_fail(dir, NULL, want);
		}
		put_file(path, f, flen);
		expect_ok(dir, NULL);
		free(f);
	}
	CHECK(strcmp(g_files[0], "L1/audio/1234abcd.wav") == 0);
	for (size_t i = 0; i < g_nfiles; i++)
		free(g_files[i]);

	/* added files: at the top, in a new subdirectory, a symbolic link, a FIFO */
	join(path, sizeof path, dir, "foo");
	put_file(path, "", 0);
	expect_fail(dir, NULL, "extra file: foo");
	CHECK(remove(path) == 0);
	join(path, sizeof path, dir, "L1/audio/more/x.wav");
	{
		char d[400];
		join(d, sizeof d, dir, "L1/audio/more");
		CHECK(mkdir(d, 0750) == 0);
		/* a directory no output is in, empty or not (before, an empty one verified: its
		 * name could read like evidence) */
		expect_fail(dir, NULL, "extra file: L1/audio/more/");
		put_file(path, "RIFF", 4);
		expect_fail(dir, NULL, "extra file: L1/audio/more/");
		CHECK(remove(path) == 0 && rmdir(d) == 0);
		join(d, sizeof d, dir, "L1/iri.jsonl.d");
		CHECK(mkdir(d, 0750) == 0);
		expect_fail(dir, NULL, "extra file: L1/iri.jsonl.d/");
		CHECK(rmdir(d) == 0);
		expect_ok(dir, NULL);
	}
	join(path, sizeof path, dir, "L1/link");
	CHECK(symlink("iri.jsonl", path) == 0);
	expect_fail(dir, NULL, "extra file: L1/link");
	CHECK(remove(path) == 0);
	join(path, sizeof path, dir, "L1/fifo");
	CHECK(mkfifo(path, 0600) == 0);
	expect_fail(dir, NULL, "extra file: L1/fifo");
	CHECK(remove(path) == 0);
	/* a listed file replaced by a symbolic link to an identical copy */
	{
		char copy[300], iri[400];
		join(copy, sizeof copy, root, "iri-copy");
		join(iri, sizeof iri, dir, "L1/iri.jsonl");
		put_file(copy, IRI, sizeof IRI - 1);
		CHECK(rename(iri, path) == 0);
		CHECK(symlink(copy, iri) == 0);
		expect_fail(dir, NULL, "L1/iri.jsonl: not a regular file");
		CHECK(remove(iri) == 0 && rename(path, iri) == 0);
	}
	expect_ok(dir, pub);

	/* another key's manifest.pub + manifest.sig over the same manifest: self-consistent, so
	 * only the pinned key catches it */
	{
		char sp[400], pp[400];
		uint8_t *opub, *osig, nsig[64];
		size_t opl, osl, nl = sizeof nsig;
		EVP_MD_CTX *c = EVP_MD_CTX_new();
		FILE *pf;
		join(sp, sizeof sp, dir, "manifest.sig");
		join(pp, sizeof pp, dir, "manifest.pub");
		opub = get_file(pp, &opl);
		osig = get_file(sp, &osl);
		CHECK(c && EVP_DigestSignInit(c, NULL, NULL, NULL, k2) == 1 &&
		      EVP_DigestSign(c, nsig, &nl, man, mlen) == 1 && nl == 64);
		EVP_MD_CTX_free(c);
		put_file(sp, nsig, 64);
		pf = fopen(pp, "w");
		CHECK(pf && PEM_write_PUBKEY(pf, k2) == 1 && fclose(pf) == 0);
		expect_ok(dir, NULL);
		expect_ok(dir, pub2);
		expect_fail(dir, pub, "manifest.pub: not the pinned key");
		/* the other key's signature with the right key's manifest.pub */
		put_file(pp, opub, opl);
		expect_fail(dir, NULL, "manifest.sig: signature does not verify");
		expect_fail(dir, pub, "manifest.sig: signature does not verify");
		/* a signature of the wrong length; a pinned file that is no key */
		put_file(sp, osig, osl - 1);
		expect_fail(dir, NULL, "manifest.sig: not a 64-octet");
		put_file(sp, osig, osl);
		expect_ok(dir, pub);
		expect_fail(dir, key2 /* a private key */, "not an Ed25519 public key");
		join(pp, sizeof pp, root, "none.pub");
		expect_fail(dir, pp, "not an Ed25519 public key");
		free(opub);
		free(osig);
	}
	/* a re-signed manifest that lists a path outside the bundle or is unsorted */
	{
		char sp[400], mp[400];
		uint8_t nsig[64];
		size_t nl = sizeof nsig;
		EVP_MD_CTX *c = EVP_MD_CTX_new();
		static const char *const bad[] = {
			"{\"format\":\"limf-evidence-1\",\"outputs\":[{\"path\":\"../"
			"x\",\"size\":0,"
			"\"sha256\":"
			"\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"}]}",
			"{\"format\":\"limf-evidence-2\",\"outputs\":[]}",
			"{\"format\":\"limf-evidence-1\"}",
			"{\"format\":\"limf-evidence-1\",\"outputs\":[]} x",
			"{\"format\":\"limf-evidence-1\",\"outputs\":[{\"path\":\"b\",\"size\":0,"
			"\"sha256\":"
			"\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"},"
			"{\"path\":\"a\",\"size\":0,"
			"\"sha256\":"
			"\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"}]}",
		};
		join(sp, sizeof sp, dir, "manifest.sig");
		join(mp, sizeof mp, dir, "manifest.json");
		for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
			nl = sizeof nsig;
			CHECK(EVP_DigestSignInit(c, NULL, NULL, NULL, k) == 1 &&
			      EVP_DigestSign(c, nsig, &nl, (const uint8_t *)bad[i],
					     strlen(bad[i])) == 1);
			put_file(mp, bad[i], strlen(bad[i]));
			put_file(sp, nsig, 64);
			expect_fail(dir, pub, "manifest.json: ");
		}
		EVP_MD_CTX_free(c);
	}
	expect_fail(root, NULL, "manifest.json: missing");
	expect_fail("/nonexistent/limf", NULL, "cannot open");
	free(man);
	EVP_PKEY_free(k);
	EVP_PKEY_free(k2);
	rm_rf(root);
}

/* ---- argument and state errors ---- */

/* A manifest of no outputs and n more top-level keys into big (64 KiB); its length. */
static size_t many_keys(char *big, unsigned n)
{
	size_t l = (size_t)sprintf(big, "{\"format\":\"" HO_BUNDLE_FORMAT "\",\"outputs\":[]");
	for (unsigned q = 0; q < n; q++)
		l += (size_t)sprintf(big + l, ",\"k%u\":0", q);
	memcpy(big + l, "}", 2);
	return l + 1;
}

void t_bundle_args(void)
{
	char root[256], dir[300], key[300], path[400];
	struct ho_bundle *b = NULL;
	struct ho_bfile *f = NULL;
	EVP_PKEY *k;
	static const char *const badpaths[] = {
		"",
		"/abs",
		"../x",
		"a/../b",
		"a//b",
		"./a",
		"a/",
		"a/.",
		"manifest.json",
		"manifest.sig",
		"manifest.pub",
		"a\\b",
		"a\tb",
		"caf\xc3\xa9",
		"a\nb",
		"manifest.json/iri.jsonl",
		"manifest.pub/audio/1.wav",
	};
	static const char *const badextra[] = {
		"x",
		"\"a\"",
		"\"a\":",
		"\"a\":1,",
		",\"a\":1",
		"{\"a\":1}",
		"\"a\":01",
		"\"a\":1.",
		"\"a\":-",
		"\"a\":.5",
		"\"a\":tru",
		"\"a\":[1,]",
		"\"a\":{\"b\"}",
		"\"a\":\"\x01\"",
		"\"a\":\"\\x\"",
		"\"a\":\"\\ud800\"",
		"\"a\":\"\\udc00\"",
		"\"a\":\"\xc3\"",
		"\"a\":\"\xc0\xaf\"",
		"\"a\":\"\xed\xa0\x80\"",
		"\"a\":1 \"b\":2",
		"\"a\":1,\"a\":2",
		"\"format\":\"x\"",
		"\"outputs\":[]",
		"\"inputs\":[]",
		"\"tool\":{}",
		"\"created\":\"now\"",
		"\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
		"\"a\":1}",
		"\"a\":1]",
	};
	static const char *const goodextra[] = {
		"",
		"  \n",
		"\"a\":1",
		" \"a\" : [ 1 , -0.5e+3 , true , false , null , { } , [ ] , \"\\ud83d\\ude00\\n\" "
		"] ",
		"\"a\":{\"format\":1},\"b\":\"\xf0\x9f\x98\x80\"",
	};
	tmp_dir(root, sizeof root);
	join(key, sizeof key, root, "sign.pem");
	k = gen_key(key, NULL);

	/* non-empty, symlinked, a file */
	join(dir, sizeof dir, root, "full");
	CHECK(mkdir(dir, 0750) == 0);
	join(path, sizeof path, dir, "x");
	put_file(path, "", 0);
	CHECK(ho_bundle_open(dir, &b) == LIM_E_STATE && b == NULL);
	join(dir, sizeof dir, root, "link");
	CHECK(symlink("empty", dir) == 0);
	join(path, sizeof path, root, "empty");
	CHECK(mkdir(path, 0750) == 0);
	CHECK(ho_bundle_open(dir, &b) == LIM_E_STATE && b == NULL);
	join(dir, sizeof dir, root, "sign.pem");
	CHECK(ho_bundle_open(dir, &b) == LIM_E_STATE && b == NULL);
	join(dir, sizeof dir, root, "no/such/parent");
	CHECK(ho_bundle_open(dir, &b) == LIM_E_IO && b == NULL);
	/* an existing empty directory is used; a new one gets mode 0750 */
	CHECK(ho_bundle_open(path, &b) == LIM_OK);
	ho_bundle_abort(b);
	join(dir, sizeof dir, root, "new");
	CHECK(ho_bundle_open(dir, &b) == LIM_OK);
	{
		struct stat st;
		CHECK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0750);
	}
	for (size_t i = 0; i < sizeof badpaths / sizeof badpaths[0]; i++) {
		f = (struct ho_bfile *)1;
		CHECK(ho_bundle_file(b, badpaths[i], &f) == LIM_E_ARG && f == NULL);
	}
	{
		char longp[HO_BUNDLE_PATH_MAX + 2];
		memset(longp, 'a', sizeof longp - 1);
		longp[sizeof longp - 1] = '\0';
		CHECK(ho_bundle_file(b, longp, &f) == LIM_E_ARG);
		longp[sizeof longp - 2] = '\0';
		CHECK(ho_bundle_file(b, longp, &f) == LIM_OK);
	}
	CHECK(ho_bundle_file(b, "d/x", &f) == LIM_OK);
	CHECK(ho_bundle_file(b, "d/x", &f) == LIM_E_STATE);   /* exists */
	CHECK(ho_bundle_file(b, "d", &f) == LIM_E_STATE);     /* a directory */
	CHECK(ho_bundle_file(b, "d/x/y", &f) == LIM_E_STATE); /* through a file */
	CHECK(ho_bundle_input(b, "/nonexistent/input") == LIM_E_IO);
	CHECK(ho_bundle_input(b, "/tmp/") == LIM_E_ARG);
	/* a symbolic link planted inside the bundle is not followed */
	join(path, sizeof path, dir, "s");
	CHECK(symlink(root, path) == 0);
	CHECK(ho_bundle_file(b, "s/evil", &f) == LIM_E_STATE);
	CHECK(ho_bundle_file(b, "s", &f) == LIM_E_STATE);
	CHECK(remove(path) == 0);
	/* bad signing keys: missing, not a key, not Ed25519; no manifest is left behind */
	CHECK(ho_bundle_close(b, "t", NULL, "/nonexistent/key.pem") == LIM_E_ARG);
	join(path, sizeof path, dir, "manifest.json");
	CHECK(access(path, F_OK) != 0);
	{
		char ec[300];
		EVP_PKEY *p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		FILE *fp;
		join(ec, sizeof ec, root, "ec.pem");
		fp = fopen(ec, "w");
		CHECK(p256 && fp && PEM_write_PrivateKey(fp, p256, NULL, NULL, 0, NULL, NULL) == 1);
		if (fp)
			fclose(fp);
		EVP_PKEY_free(p256);
		join(dir, sizeof dir, root, "ec");
		CHECK(ho_bundle_open(dir, &b) == LIM_OK);
		CHECK(ho_bundle_close(b, "t", NULL, ec) == LIM_E_ARG);
		join(dir, sizeof dir, root, "notkey");
		CHECK(ho_bundle_open(dir, &b) == LIM_OK);
		CHECK(ho_bundle_close(b, "t", NULL, root) == LIM_E_ARG);
	}
	CHECK(ho_bundle_close(NULL, "t", NULL, key) == LIM_E_ARG);
	/* the key loaded ahead of the work (ho_sign_key_load): missing, a directory, not
	 * Ed25519, encrypted (never a passphrase prompt) refused; a good one signs a bundle */
	{
		char enc[300], ec[300];
		struct ho_sign_key *sk = (struct ho_sign_key *)1;
		EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		FILE *fp;
		join(enc, sizeof enc, root, "enc.pem");
		fp = fopen(enc, "w");
		CHECK(ed && fp &&
		      PEM_write_PrivateKey(fp, ed, EVP_aes_128_cbc(), NULL, 0, NULL,
					   (void *)"secret") == 1);
		if (fp)
			fclose(fp);
		EVP_PKEY_free(ed);
		join(ec, sizeof ec, root, "ec.pem");
		/* each refusal says why, naming the file */
		{
			char w[300];
			CHECK(ho_sign_key_load("/nonexistent/key.pem", &sk, w, sizeof w) ==
				      LIM_E_ARG &&
			      sk == NULL && strstr(w, "/nonexistent/key.pem: No such file"));
			CHECK(ho_sign_key_load(root, &sk, w, sizeof w) == LIM_E_ARG && sk == NULL &&
			      strstr(w, "not a regular file"));
			CHECK(ho_sign_key_load(ec, &sk, w, sizeof w) == LIM_E_ARG && sk == NULL &&
			      strstr(w, "ec.pem: the key is EC, not Ed25519"));
			CHECK(ho_sign_key_load(enc, &sk, w, sizeof w) == LIM_E_ARG && sk == NULL &&
			      strstr(w, "enc.pem: an encrypted private key"));
			CHECK(ho_sign_key_load(key, &sk, w, sizeof w) == LIM_OK && sk != NULL &&
			      w[0] == 0);
		}
		join(dir, sizeof dir, root, "bykey");
		CHECK(ho_bundle_open(dir, &b) == LIM_OK);
		CHECK(ho_bundle_file(b, "L1/x", &f) == LIM_OK &&
		      ho_bfile_write(f, "x", 1) == LIM_OK);
		CHECK(ho_bundle_close_key(b, "t", NULL, sk) == LIM_OK);
		expect_ok(dir, NULL);
		join(dir, sizeof dir, root, "nokey");
		CHECK(ho_bundle_open(dir, &b) == LIM_OK);
		CHECK(ho_bundle_close_key(b, "t", NULL, NULL) == LIM_E_ARG);
		join(path, sizeof path, dir, "manifest.json");
		CHECK(access(path, F_OK) != 0);
		CHECK(ho_bundle_close_key(NULL, "t", NULL, sk) == LIM_E_ARG);
		ho_sign_key_free(sk);
		ho_sign_key_free(NULL);
	}
	/* extra_json */
	for (size_t i = 0; i < sizeof badextra / sizeof badextra[0]; i++) {
		join(dir, sizeof dir, root, "extra");
		rm_rf(dir);
		CHECK(ho_bundle_open(dir, &b) == LIM_OK);
		if (ho_bundle_close(b, "t", badextra[i], key) != LIM_E_PARSE) {
			fprintf(stderr, "  extra_json accepted: %s\n", badextra[i]);
			CHECK(0);
		}
		join(path, sizeof path, dir, "manifest.json");
		CHECK(access(path, F_OK) != 0);
	}
	for (size_t i = 0; i < sizeof goodextra / sizeof goodextra[0]; i++) {
		join(dir, sizeof dir, root, "extra");
		rm_rf(dir);
		CHECK(ho_bundle_open(dir, &b) == LIM_OK);
		CHECK(ho_bundle_close(b, "t", goodextra[i], key) == LIM_OK);
		expect_ok(dir, NULL);
	}
	/* the producer's "incomplete": reported by the verifier (escapes decoded); one that is
	 * not a string, or longer than kept, is reported as not shown; none: "" */
	{
		static const struct {
			const char *extra, *want;
		} inc[] = {
			{ "\"a\":1", "" },
			{ "\"incomplete\":\"2 decision(s) failed\"", "2 decision(s) failed" },
			{ "\"incomplete\":\"tab\\there \\u00e9\"", "tab\there \xc3\xa9" },
			{ "\"incomplete\":true",
			  "(not shown: not a string of at most 511 octets)" },
			{ "\"incomplete\":{\"x\":[1,2]}",
			  "(not shown: not a string of at most 511 octets)" },
			/* present is incomplete, whatever it says */
			{ "\"incomplete\":\"\"", "(present, empty)" },
			{ "\"incomplete\":\"\\u0000 lost 5 calls\"", "? lost 5 calls" },
		};
		struct ho_verify_info vi;
		char why[256];
		for (size_t i = 0; i < sizeof inc / sizeof inc[0]; i++) {
			join(dir, sizeof dir, root, "incomplete");
			rm_rf(dir);
			CHECK(ho_bundle_open(dir, &b) == LIM_OK);
			CHECK(ho_bundle_close(b, "t", inc[i].extra, key) == LIM_OK);
			memset(&vi, 0x55, sizeof vi);
			CHECK(ho_bundle_verify_ex(dir, NULL, why, sizeof why, &vi) == LIM_OK);
			if (strcmp(vi.incomplete, inc[i].want) != 0) {
				fprintf(stderr, "  incomplete of %s: '%s'\n", inc[i].extra,
					vi.incomplete);
				CHECK(0);
			}
		}
		/* 511 octets kept whole; 512 are more than is kept */
		for (size_t n = 511; n <= 512; n++) {
			char x[600];
			int l = snprintf(x, sizeof x, "\"incomplete\":\"");
			memset(x + l, 'y', n);
			memcpy(x + (size_t)l + n, "\"", 2);
			join(dir, sizeof dir, root, "incomplete");
			rm_rf(dir);
			CHECK(ho_bundle_open(dir, &b) == LIM_OK);
			CHECK(ho_bundle_close(b, "t", x, key) == LIM_OK);
			CHECK(ho_bundle_verify_ex(dir, NULL, why, sizeof why, &vi) == LIM_OK);
			CHECK(n == 511 ? strlen(vi.incomplete) == 511 && vi.incomplete[0] == 'y'
				       : vi.incomplete[0] == '(');
		}
	}
	/* a top-level key twice (the writer never makes one: only a forger, whose tools may read
	 * the other one) is refused; so are more top-level keys than any writer's */
	{
		static const char *const twice[] = {
			"{\"format\":\"" HO_BUNDLE_FORMAT "\",\"outputs\":[],\"incomplete\":\"x\","
			"\"incomplete\":\"\"}",
			"{\"a\":1,\"format\":\"" HO_BUNDLE_FORMAT "\",\"outputs\":[],\"a\":2}",
			"{\"\\u0061\":1,\"format\":\"" HO_BUNDLE_FORMAT
			"\",\"outputs\":[],\"a\":2}",
		};
		char inc[HO_BUNDLE_INCOMPLETE_MAX + 1], why[256], *big;
		size_t n, l = 0;
		for (size_t i = 0; i < sizeof twice / sizeof twice[0]; i++) {
			CHECK(ho_manifest_parse((const uint8_t *)twice[i], strlen(twice[i]), &n,
						inc, why, sizeof why) == LIM_E_PARSE);
			CHECK(strstr(why, "a top-level key twice") != NULL);
		}
		CHECK(ho_manifest_parse((const uint8_t *)twice[1] + 8, strlen(twice[1]) - 8 - 8, &n,
					inc, why, sizeof why) == LIM_E_PARSE); /* (malformed) */
		/* in any object below too (before, only the top was checked: a warrant's status
		 * given twice verified), an output's included */
		{
			static const char *const deep[] = {
				"{\"format\":\"" HO_BUNDLE_FORMAT "\",\"outputs\":[],\"warrants\":"
				"[{\"status\":\"active\",\"status\":\"revoked\"}]}",
				"{\"format\":\"" HO_BUNDLE_FORMAT "\",\"outputs\":[],\"x\":{\"y\":"
				"{\"\\u006c\":1,\"l\":2}}}",
				"{\"format\":\"" HO_BUNDLE_FORMAT "\",\"outputs\":[{\"path\":\"a\","
				"\"size\":0,\"sha256\":\"" ZERO64 "\",\"n\":1,\"n\":1}]}",
			};
			for (size_t i = 0; i < sizeof deep / sizeof deep[0]; i++)
				CHECK(ho_manifest_parse((const uint8_t *)deep[i], strlen(deep[i]),
							&n, inc, why, sizeof why) == LIM_E_PARSE);
			/* the same keys once each: read */
			static const char once[] =
				"{\"format\":\"" HO_BUNDLE_FORMAT "\",\"outputs\":[{\"path\":\"a\","
				"\"size\":0,\"sha256\":\"" ZERO64
				"\",\"n\":1}],\"warrants\":[{\"s\":"
				"1,\"status\":\"active\"},{\"status\":\"active\"}]}";
			CHECK(ho_manifest_parse((const uint8_t *)once, strlen(once), &n, inc, why,
						sizeof why) == LIM_OK &&
			      n == 1);
		}
		big = malloc(64 * 1024);
		CHECK(big != NULL);
		if (big) {
			l = many_keys(big, 1024 + 64);
			CHECK(ho_manifest_parse((const uint8_t *)big, l, &n, inc, why,
						sizeof why) == LIM_E_PARSE &&
			      strstr(why, "too many top-level keys") != NULL);
			/* as many as a writer may have: read */
			l = many_keys(big, 1024 + 60);
			CHECK(ho_manifest_parse((const uint8_t *)big, l, &n, inc, why,
						sizeof why) == LIM_OK);
		}
		free(big);
	}
	/* paths: at most 16 components (the verifier's walk goes no deeper; before, a deeper
	 * file was written and the bundle never verified) */
	{
		char p16[64] = "", p17[64];
		for (int q = 0; q < 15; q++)
			strcat(p16, "d/");
		strcat(p16, "f");
		snprintf(p17, sizeof p17, "d/%s", p16);
		join(dir, sizeof dir, root, "deep");
		rm_rf(dir);
		CHECK(ho_bundle_open(dir, &b) == LIM_OK);
		CHECK(ho_bundle_file(b, p17, &f) == LIM_E_ARG);
		CHECK(ho_bundle_file(b, p16, &f) == LIM_OK && ho_bfile_write(f, "x", 1) == LIM_OK);
		CHECK(ho_bundle_close(b, "t", NULL, key) == LIM_OK);
		expect_ok(dir, NULL);
	}
	/* a large case: "calls" of 30,000 calls (~22 MiB, over the old 16 MiB cap, which lost
	 * such a bundle's manifest at the very end) is signed and verifies; over the cap:
	 * LIM_E_LIMIT and no manifest */
	{
		/* one call's entry the size of a replay's (~900 octets) */
		char call[900];
		size_t cl = 0, n = 30000, cap;
		cl = (size_t)snprintf(call, sizeof call, "{\"cin\":123456,\"note\":\"");
		memset(call + cl, 'x', sizeof call - cl - 3);
		memcpy(call + sizeof call - 3, "\"}", 3);
		cl = sizeof call - 1;
		cap = HO_BUNDLE_EXTRA_MAX + 64 + cl;
		char *x = malloc(cap);
		size_t o = 0;
		CHECK(x != NULL);
		if (x) {
			memcpy(x, "\"calls\":[", 9);
			o = 9;
			for (size_t i = 0; i < n; i++) {
				if (i)
					x[o++] = ',';
				memcpy(x + o, call, cl);
				o += cl;
			}
			x[o++] = ']';
			x[o] = '\0';
			CHECK(o > (20u << 20) && o <= HO_BUNDLE_EXTRA_MAX);
			join(dir, sizeof dir, root, "large");
			CHECK(ho_bundle_open(dir, &b) == LIM_OK);
			CHECK(ho_bundle_close(b, "t", x, key) == LIM_OK);
			expect_ok(dir, NULL);
			/* past the cap (the last call grown to reach it) */
			o--;
			while (o <= HO_BUNDLE_EXTRA_MAX)
				x[o++] = ' ';
			x[o++] = ']';
			x[o] = '\0';
			join(dir, sizeof dir, root, "toolarge");
			CHECK(ho_bundle_open(dir, &b) == LIM_OK);
			CHECK(ho_bundle_close(b, "t", x, key) == LIM_E_LIMIT);
			join(path, sizeof path, dir, "manifest.json");
			CHECK(access(path, F_OK) != 0);
			free(x);
		}
	}
	buf_bfile(root, key);
	buf_wav(root, key);
	buf_err(root, key);
	digest_pieces();
	EVP_PKEY_free(k);
	rm_rf(root);
}

/* ho_digest: FIPS 180-2 "abc" fed in pieces (and nothing at all) gives the standard digests
 * and the count of octets; one final only. */
static void digest_pieces(void)
{
	static const uint8_t abc[32] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
		0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
		0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
	};
	static const uint8_t empty[4] = { 0xe3, 0xb0, 0xc4, 0x42 };
	struct ho_digest *d = NULL;
	uint8_t sha[32];
	uint64_t size = 9;
	CHECK(ho_digest_new(&d) == LIM_OK && d);
	if (!d)
		return;
	ho_digest_update(d, "a", 1);
	ho_digest_update(d, "", 0);
	ho_digest_update(d, "bc", 2);
	CHECK(ho_digest_final(d, &size, sha) == LIM_OK && size == 3 && memcmp(sha, abc, 32) == 0);
	ho_digest_update(d, "x", 1); /* after the final: refused, sticky */
	CHECK(ho_digest_final(d, &size, sha) == LIM_E_STATE && size == 0);
	ho_digest_free(d);
	CHECK(ho_digest_new(&d) == LIM_OK && d);
	if (!d)
		return;
	CHECK(ho_digest_final(d, &size, sha) == LIM_OK && size == 0 && memcmp(sha, empty, 4) == 0);
	ho_digest_free(d);
	ho_digest_free(NULL);
}

/* For tests/cli/test_verify.sh: a complete bundle at $LIMF_T_BUNDLE_OUT signed with the key in
 * $LIMF_T_BUNDLE_KEY (inputs beside the bundle). */
void t_bundle_cli(void)
{
	const char *out = getenv("LIMF_T_BUNDLE_OUT"), *key = getenv("LIMF_T_BUNDLE_KEY");
	char root[400];
	const char *slash;
	if (!out || !key)
		return;
	slash = strrchr(out, '/');
	if (slash && slash != out)
		snprintf(root, sizeof root, "%.*s", (int)(slash - out), out);
	else
		snprintf(root, sizeof root, ".");
	make_bundle(root, out, key);
	expect_ok(out, NULL);
}
