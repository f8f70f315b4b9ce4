/* limf-gen: fatal errors, the deterministic random generator, audio sources and G.711
 * (see gen.h). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/codec.h"
#include "common/wipe.h"
#include "tests/gen/gen.h"

/* see gen.h */
void gen_die(const char *fmt, ...)
{
	va_list ap;
	fputs("limf-gen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* see gen.h */
void gen_rng_init(struct gen_rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ULL);
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
	/* mix the stream in again so that (seed, stream) pairs do not collide linearly */
	x ^= stream;
	r->s[0] ^= splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* see gen.h */
uint64_t gen_rng_u64(struct gen_rng *r)
{
	uint64_t *s = r->s;
	uint64_t res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

/* see gen.h */
uint32_t gen_rng_below(struct gen_rng *r, uint32_t n)
{
	return (uint32_t)(((gen_rng_u64(r) >> 32) * (uint64_t)n) >> 32);
}

/* see gen.h */
void gen_rng_bytes(struct gen_rng *r, uint8_t *out, size_t n)
{
	while (n > 0) {
		uint64_t v = gen_rng_u64(r);
		for (int i = 0; i < 8 && n > 0; i++, n--) {
			*out++ = (uint8_t)v;
			v >>= 8;
		}
	}
}

/* ---- audio -------------------------------------------------------------------------------- */

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

#define WAV_MAX (64u << 20)

/* see gen.h */
void gen_wav_load(const char *path, struct gen_wav *w)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b;
	size_t n, off = 12;
	bool fmt_ok = false;
	memset(w, 0, sizeof *w);
	if (!f)
		gen_die("%s: cannot open the WAV file", path);
	b = malloc(WAV_MAX);
	if (!b)
		gen_die("out of memory");
	n = fread(b, 1, WAV_MAX, f);
	fclose(f);
	if (n < 12 || memcmp(b, "RIFF", 4) != 0 || memcmp(b + 8, "WAVE", 4) != 0)
		gen_die("%s: not a RIFF/WAVE file", path);
	while (n - off >= 8) {
		uint32_t clen = le32(b + off + 4);
		const uint8_t *c = b + off + 8;
		if (clen > n - off - 8)
			gen_die("%s: truncated WAV chunk", path);
		if (memcmp(b + off, "fmt ", 4) == 0) {
			if (clen < 16)
				gen_die("%s: short fmt chunk", path);
			if (le16(c) != 1 || le16(c + 2) != 1 || le32(c + 4) != 8000 ||
			    le16(c + 14) != 16)
				gen_die("%s: WAV must be PCM (format 1), 16-bit, 8000 Hz, mono "
					"(found format %u, %u channel(s), %u Hz, %u bits)",
					path, le16(c), le16(c + 2), le32(c + 4), le16(c + 14));
			fmt_ok = true;
		} else if (memcmp(b + off, "data", 4) == 0) {
			if (!fmt_ok)
				gen_die("%s: WAV data before fmt", path);
			w->n = clen / 2;
			if (w->n == 0)
				gen_die("%s: WAV has no samples", path);
			w->pcm = malloc(w->n * sizeof *w->pcm);
			if (!w->pcm)
				gen_die("out of memory");
			for (size_t i = 0; i < w->n; i++)
				w->pcm[i] = (int16_t)le16(c + 2 * i);
			free(b);
			return;
		}
		off += 8 + (size_t)clen + (clen & 1);
		if (off > n)
			break;
	}
	gen_die("%s: WAV has no data chunk", path);
}

/* see gen.h */
void gen_audio_init(struct gen_audio *a, enum gen_audio_kind k, unsigned freq, uint64_t offset,
		    const struct gen_wav *w)
{
	memset(a, 0, sizeof *a);
	a->kind = k;
	a->freq = freq;
	a->pos = offset;
	a->w = w;
}

#define SWEEP_LO   200.0
#define SWEEP_HI   3400.0
#define SWEEP_SECS 4
#define TONE_TABS  64 /* (a group call of as many talkers: test_group 3b) */

/* Tone and sweep are periodic (an integer frequency repeats within 8000 samples; the sweep's
 * phase integral over SWEEP_SECS is a whole number of cycles), so each is G.711-encoded once
 * into a table, from the closed form (no accumulated phase error). */
static const uint8_t *audio_table(const struct gen_audio *a, uint8_t pt, size_t *len)
{
	static uint8_t tone_tab[TONE_TABS][2][8000], sweep_tab[2][SWEEP_SECS * 8000];
	static unsigned tone_f[TONE_TABS];
	static bool tone_ok[TONE_TABS][2], sweep_ok[2];
	int law = pt == 8 ? 1 : 0;
	if (a->kind == GEN_AUDIO_SWEEP) {
		if (!sweep_ok[law]) {
			for (size_t n = 0; n < sizeof sweep_tab[0]; n++) {
				double t = (double)n / 8000.0;
				double ph = 2.0 * M_PI *
					    (SWEEP_LO * t +
					     (SWEEP_HI - SWEEP_LO) * t * t / (2.0 * SWEEP_SECS));
				int16_t v = (int16_t)lrint(sin(ph) * 12000.0);
				sweep_tab[law][n] = law ? gen_alaw(v) : gen_ulaw(v);
			}
			sweep_ok[law] = true;
		}
		*len = sizeof sweep_tab[0];
		return sweep_tab[law];
	}
	for (int i = 0; i < TONE_TABS; i++) {
		if (tone_f[i] != 0 && tone_f[i] != a->freq)
			continue;
		tone_f[i] = a->freq;
		if (!tone_ok[i][law]) {
			for (size_t n = 0; n < 8000; n++) {
				double ph = 2.0 * M_PI * (double)((n * a->freq) % 8000) / 8000.0;
				int16_t v = (int16_t)lrint(sin(ph) * 12000.0);
				tone_tab[i][law][n] = law ? gen_alaw(v) : gen_ulaw(v);
			}
			tone_ok[i][law] = true;
		}
		*len = 8000;
		return tone_tab[i][law];
	}
	gen_die("internal: more than %d tone frequencies", TONE_TABS);
}

/* see gen.h: ITU-T G.711 mu-law (the Sun g711.c formulation, 14-bit input) */
uint8_t gen_ulaw(int16_t s)
{
	static const int seg_end[8] = { 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff };
	int v = s >> 2, mask, seg = 8;
	if (v < 0) {
		v = -v;
		mask = 0x7f;
	} else {
		mask = 0xff;
	}
	if (v > 8159)
		v = 8159;
	v += 0x84 >> 2;
	for (int i = 0; i < 8; i++)
		if (v <= seg_end[i]) {
			seg = i;
			break;
		}
	if (seg >= 8)
		return (uint8_t)(0x7f ^ mask);
	return (uint8_t)(((seg << 4) | ((v >> (seg + 1)) & 0x0f)) ^ mask);
}

/* see gen.h: ITU-T G.711 A-law */
uint8_t gen_alaw(int16_t s)
{
	int v = s >> 3, mask, seg = 8, aval;
	static const int seg_end[8] = { 0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff };
	if (v >= 0) {
		mask = 0xd5;
	} else {
		mask = 0x55;
		v = -v - 1;
	}
	for (int i = 0; i < 8; i++)
		if (v <= seg_end[i]) {
			seg = i;
			break;
		}
	if (seg >= 8)
		return (uint8_t)(0x7f ^ mask);
	aval = seg << 4;
	aval |= seg < 2 ? (v >> 1) & 0x0f : (v >> seg) & 0x0f;
	return (uint8_t)(aval ^ mask);
}

/* see gen.h */
void gen_audio_g711(struct gen_audio *a, uint8_t pt, uint8_t out[160])
{
	if (a->kind == GEN_AUDIO_WAV) {
		for (int i = 0; i < 160; i++) {
			int16_t v = a->w->pcm[a->pos++ % a->w->n];
			out[i] = pt == 8 ? gen_alaw(v) : gen_ulaw(v);
		}
		return;
	}
	size_t len, at;
	const uint8_t *t = audio_table(a, pt, &len);
	for (int i = 0; i < 160; i++) {
		at = (size_t)(a->pos++ % len);
		out[i] = t[at];
	}
}

/* see gen.h */
void gen_sb_add(struct gen_sb *s, const char *fmt, ...)
{
	va_list ap;
	int k;
	va_start(ap, fmt);
	k = vsnprintf(s->b + s->n, sizeof s->b - s->n, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= sizeof s->b - s->n)
		gen_die("SIP message too large");
	s->n += (size_t)k;
}

/* see gen.h */
void gen_iso_us(uint64_t us, char out[64])
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned)(us % 1000000));
}

/* see gen.h */
char *gen_b64(const uint8_t *b, size_t n)
{
	char *s = malloc(lim_b64_enclen(n) + 1);
	if (!s)
		gen_die("out of memory");
	lim_b64_encode(b, n, s);
	return s;
}

/* see gen.h */
void gen_write_hex(const char *dir, const char *name, const uint8_t *b, size_t n)
{
	char path[4400], *h = malloc(2 * n + 2);
	FILE *f;
	if (!h)
		gen_die("out of memory");
	lim_hex_encode(b, n, h);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fprintf(f, "%s\n", h) < 0 || fclose(f) != 0)
		gen_die("%s: cannot write", path);
	lim_wipe(h, 2 * n + 2);
	free(h);
}
