/* Seeded hashing for capture/'s tables (see internal.h): SipHash-1-3 (Aumasson and Bernstein,
 * "SipHash: a fast short-input PRF", 2012; 1 compression and 3 finalisation rounds, as Rust's
 * and Python's hash tables use) with a 128-bit key expanded from the 32-bit table seed. */
#include "capture/internal.h"

#include <stdlib.h>
#include <string.h>

static uint64_t rotl(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

/* splitmix64 (Steele, Lea, Flood 2014): spreads the seed over both key words */
static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* see internal.h */
void cap_hkey_init(struct cap_hkey *k, uint32_t seed)
{
	uint64_t s = seed;
	k->k0 = splitmix(&s);
	k->k1 = splitmix(&s);
}

#define SIPROUND                                                                                   \
	do {                                                                                       \
		v0 += v1;                                                                          \
		v1 = rotl(v1, 13);                                                                 \
		v1 ^= v0;                                                                          \
		v0 = rotl(v0, 32);                                                                 \
		v2 += v3;                                                                          \
		v3 = rotl(v3, 16);                                                                 \
		v3 ^= v2;                                                                          \
		v0 += v3;                                                                          \
		v3 = rotl(v3, 21);                                                                 \
		v3 ^= v0;                                                                          \
		v2 += v1;                                                                          \
		v1 = rotl(v1, 17);                                                                 \
		v1 ^= v2;                                                                          \
		v2 = rotl(v2, 32);                                                                 \
	} while (0)

/* p[0..8) as the little-endian word the spec reads: one load where the host is little-endian
 * (every target limf is built for), byte by byte elsewhere */
static uint64_t le64(const uint8_t *p)
{
	uint64_t m;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	memcpy(&m, p, 8);
#else
	m = 0;
	for (unsigned j = 0; j < 8; j++)
		m |= (uint64_t)p[j] << (8 * j);
#endif
	return m;
}

/* see internal.h */
uint64_t cap_hash(const struct cap_hkey *k, const void *data, size_t n)
{
	const uint8_t *p = data;
	uint64_t v0 = k->k0 ^ 0x736f6d6570736575ull, v1 = k->k1 ^ 0x646f72616e646f6dull;
	uint64_t v2 = k->k0 ^ 0x6c7967656e657261ull, v3 = k->k1 ^ 0x7465646279746573ull;
	uint64_t m, b = (uint64_t)n << 56;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		m = le64(p + i);
		v3 ^= m;
		SIPROUND;
		v0 ^= m;
	}
	for (unsigned j = 0; i + j < n; j++)
		b |= (uint64_t)p[i + j] << (8 * j);
	v3 ^= b;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/* see internal.h */
uint64_t cap_ep_hash(const struct cap_hkey *k, uint8_t ver, const uint8_t a[16], uint16_t port)
{
	uint8_t key[19];
	key[0] = ver;
	memcpy(key + 1, a, 16);
	key[17] = (uint8_t)(port >> 8);
	key[18] = (uint8_t)port;
	return cap_hash(k, key, sizeof key);
}

/* ---- victims (see internal.h) ---- */

static uint64_t victim_word(uint64_t h)
{
	return h ? h : 1; /* 0 marks a free slot */
}

/* see internal.h */
void cap_victims_add(struct cap_victims *v, uint64_t h)
{
	if (!v->h) {
		v->h = calloc(CAP_VICTIMS, sizeof *v->h);
		if (!v->h)
			return;
	}
	v->h[h & (CAP_VICTIMS - 1)] = victim_word(h);
}

/* see internal.h */
bool cap_victims_has(const struct cap_victims *v, uint64_t h)
{
	return v->h && v->h[h & (CAP_VICTIMS - 1)] == victim_word(h);
}

/* see internal.h */
void cap_victims_take(struct cap_victims *v, uint64_t h)
{
	if (v->h && v->h[h & (CAP_VICTIMS - 1)] == victim_word(h))
		v->h[h & (CAP_VICTIMS - 1)] = 0;
}

/* see internal.h */
void cap_victims_free(struct cap_victims *v)
{
	free(v->h);
	v->h = NULL;
}

/* ---- ICE ufrag digests (see internal.h) ---- */

void cap_ufrag_id(struct cap_str ufrag, uint8_t out[CAP_UFRAG_ID_LEN])
{
	struct cap_hkey k1, k2;
	uint64_t a, b;
	cap_hkey_init(&k1, 0x1ce0f7a9u);
	cap_hkey_init(&k2, 0x5d3a61c4u);
	a = cap_hash(&k1, ufrag.p, ufrag.len);
	b = cap_hash(&k2, ufrag.p, ufrag.len);
	for (int i = 0; i < 8; i++) {
		out[i] = (uint8_t)(a >> (56 - 8 * i));
		out[8 + i] = (uint8_t)(b >> (56 - 8 * i));
	}
}
