/* Group media keys and talker sessions: see decrypt/group.h. */
#include "decrypt/group.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "common/wipe.h"
#include "decrypt/uid.h"
#include "decrypt/unwrap.h"

#define GMK_MAX      32
#define RAND_MAX_LEN 255
/* open addressing, load <= 1/2: talker sessions and as many references */
#define TALKER_SLOTS   (4 * MIKEY_GROUP_TALKERS_MAX)
#define REF_LEG        UINT64_MAX /* the leg of a talker's reference entry (struct talker) */
#define REF_SSRCS      4          /* SSRCs a talker's reference follows, the oldest making room */
#define REF_WIN        1024       /* = a session's replay window (srtp.h) */
#define PURPOSE(id)    ((id) >> 28)
#define MKI64(gmk, gk) (((uint64_t)(gmk) << 32) | (gk))

struct gmk_ent {
	bool used;
	uint32_t gmk_id;
	uint8_t *key; /* OPENSSL_secure_malloc, GMK_MAX octets */
	size_t key_len;
	uint8_t rand[RAND_MAX_LEN];
	size_t rand_len;
	enum mikey_prf prf;
	enum lim_srtp_profile profile;
	unsigned rcc_mode, rcc_rate;
	char group[MIKEY_GROUP_ID_MAX];
	uint64_t not_before, not_after;
};

struct member {
	char *uri; /* "group\0uri\0": the group ID, then the member's URI */
};

/* A talker's session on one leg, or (leg REF_LEG, s NULL) the talker's reference: for each of
 * its recent SSRCs the highest index any leg authenticated, so that a leg's new session starts
 * from the stream's ROC (a late leg of a long call) and no leg takes a packet more than REF_WIN
 * behind it (an old packet sent again on a new leg: the shared window that refused it once is
 * per leg now). */
struct ref_ssrc {
	uint32_t ssrc;
	bool used;
	uint64_t top; /* ROC || SEQ */
	uint64_t at;  /* capture time it last moved */
};

struct talker {
	uint64_t mki; /* GMK-ID || GUK-ID */
	uint64_t leg; /* whose replay window (group.h): 0 for the calls without one */
	bool used;
	uint16_t gmk; /* index into gmks */
	struct lim_srtp *s;
	const char *uri;    /* the member with this GUK-ID (a view of members[]), NULL if none */
	size_t resolved_at; /* n_members when uri was looked up */
	uint64_t at;        /* capture time of its last packet (eviction: the least recent) */
	struct ref_ssrc ref[REF_SSRCS]; /* (the reference entry only) */
};

struct mikey_group {
	struct gmk_ent gmks[MIKEY_GROUP_GMKS_MAX];
	size_t n_gmks;
	struct talker *talkers; /* TALKER_SLOTS */
	size_t n_talkers, n_refs;
	struct member *members; /* entries never move: talkers keep views of their URIs */
	size_t n_members;
	struct mikey_group_stats st;
	/* the packet as given, while its candidates are tried (group_unprotect): a try that fails
	 * may have changed it (GCM decrypts in place before the tag is checked) */
	uint8_t *orig;
	size_t orig_cap;
};

static uint64_t hash64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return k;
}

/* The slot of (mki, leg), or the free slot where it would go (linear probing; deletion below
 * keeps probe chains intact by backward shifting). */
static size_t find_slot(const struct mikey_group *g, uint64_t mki, uint64_t leg)
{
	size_t i = (size_t)(hash64(mki ^ hash64(leg + 0x9e3779b97f4a7c15ULL)) % TALKER_SLOTS);
	while (g->talkers[i].used && (g->talkers[i].mki != mki || g->talkers[i].leg != leg))
		i = (i + 1) % TALKER_SLOTS;
	return i;
}

static void talker_remove(struct mikey_group *g, size_t i)
{
	lim_srtp_free(g->talkers[i].s);
	if (g->talkers[i].leg == REF_LEG)
		g->n_refs--;
	else
		g->n_talkers--;
	memset(&g->talkers[i], 0, sizeof g->talkers[i]);
	/* backward-shift deletion: re-place the entries of the cluster after i */
	size_t j = (i + 1) % TALKER_SLOTS;
	while (g->talkers[j].used) {
		struct talker t = g->talkers[j];
		memset(&g->talkers[j], 0, sizeof g->talkers[j]);
		size_t k = find_slot(g, t.mki, t.leg);
		g->talkers[k] = t;
		j = (j + 1) % TALKER_SLOTS;
	}
}

/* Removes the talker sessions of GMK gi (by_leg false) or of leg gi (by_leg true); returns how
 * many. */
static size_t drop_talkers(struct mikey_group *g, uint64_t gi, bool by_leg)
{
	bool again = true;
	size_t n = 0;
	/* removal shifts entries backwards: rescan until a pass removes nothing */
	while (again) {
		again = false;
		for (size_t i = 0; i < TALKER_SLOTS; i++)
			if (g->talkers[i].used &&
			    (by_leg ? g->talkers[i].leg : g->talkers[i].gmk) == gi) {
				talker_remove(g, i);
				again = true;
				n++;
			}
	}
	return n;
}

static void drop_talkers_of(struct mikey_group *g, size_t gi)
{
	(void)drop_talkers(g, gi, false);
}

/* see group.h */
size_t mikey_group_drop_leg(struct mikey_group *g, uint64_t leg)
{
	return g && leg && leg != REF_LEG ? drop_talkers(g, leg, true) : 0;
}

/* The least recently used entry of the kind (references or sessions), to make room. */
static void evict_lru(struct mikey_group *g, bool ref)
{
	size_t pick = TALKER_SLOTS;
	for (size_t i = 0; i < TALKER_SLOTS; i++) {
		const struct talker *t = &g->talkers[i];
		if (t->used && (t->leg == REF_LEG) == ref &&
		    (pick == TALKER_SLOTS || t->at < g->talkers[pick].at))
			pick = i;
	}
	if (pick < TALKER_SLOTS)
		talker_remove(g, pick);
}

/* The reference entry of mki, NULL when none. */
static struct talker *ref_find(struct mikey_group *g, uint64_t mki)
{
	size_t i = find_slot(g, mki, REF_LEG);
	return g->talkers[i].used ? &g->talkers[i] : NULL;
}

static struct ref_ssrc *ref_ssrc(struct talker *r, uint32_t ssrc)
{
	for (size_t i = 0; r && i < REF_SSRCS; i++)
		if (r->ref[i].used && r->ref[i].ssrc == ssrc)
			return &r->ref[i];
	return NULL;
}

/* Records that a leg authenticated index idx of ssrc under mki (GMK gi) at ts. */
static void ref_note(struct mikey_group *g, uint64_t mki, size_t gi, uint32_t ssrc, uint64_t idx,
		     uint64_t ts)
{
	struct talker *r = ref_find(g, mki);
	if (!r) {
		if (g->n_refs >= MIKEY_GROUP_TALKERS_MAX)
			evict_lru(g, true);
		size_t i = find_slot(g, mki, REF_LEG);
		g->talkers[i] = (struct talker){
			.mki = mki, .leg = REF_LEG, .used = true, .gmk = (uint16_t)gi
		};
		g->n_refs++;
		r = &g->talkers[i];
	}
	r->at = ts;
	struct ref_ssrc *e = ref_ssrc(r, ssrc);
	if (!e) {
		e = &r->ref[0];
		for (size_t i = 0; i < REF_SSRCS; i++)
			if (!r->ref[i].used || r->ref[i].at < e->at)
				e = &r->ref[i];
		*e = (struct ref_ssrc){ .ssrc = ssrc, .used = true, .top = idx };
	}
	if (idx > e->top)
		e->top = idx;
	e->at = ts;
}

static struct gmk_ent *gmk_find(struct mikey_group *g, uint32_t gmk_id)
{
	for (size_t i = 0; i < MIKEY_GROUP_GMKS_MAX; i++)
		if (g->gmks[i].used && g->gmks[i].gmk_id == gmk_id)
			return &g->gmks[i];
	return NULL;
}

static void gmk_clear(struct gmk_ent *e)
{
	OPENSSL_secure_clear_free(e->key, GMK_MAX);
	lim_wipe(e, sizeof *e);
}

/* see group.h */
enum lim_err mikey_group_new(struct mikey_group **out)
{
	struct mikey_group *g = calloc(1, sizeof *g);
	*out = NULL;
	if (!g)
		return LIM_E_NOMEM;
	g->talkers = calloc(TALKER_SLOTS, sizeof *g->talkers);
	g->members = calloc(MIKEY_GROUP_MEMBERS_MAX, sizeof *g->members);
	if (!g->talkers || !g->members) {
		mikey_group_free(g);
		return LIM_E_NOMEM;
	}
	*out = g;
	return LIM_OK;
}

/* see group.h */
enum lim_err mikey_group_add_gmk(struct mikey_group *g, const struct mikey_group_key *in)
{
	size_t keylen, saltlen, taglen, glen;
	if (!g || !in || !in->gmk || !in->rand || !in->group || in->gmk_len == 0 ||
	    in->gmk_len > GMK_MAX || in->rand_len == 0 || in->rand_len > RAND_MAX_LEN ||
	    (in->prf != MIKEY_PRF_MIKEY1 && in->prf != MIKEY_PRF_HMAC_SHA256) ||
	    lim_srtp_profile_params(in->profile, &keylen, &saltlen, &taglen) != LIM_OK ||
	    in->rcc_mode > LIM_SRTP_RCCM3 || in->rcc_rate > LIM_SRTP_RATE_MAX)
		return LIM_E_ARG;
	glen = strnlen(in->group, MIKEY_GROUP_ID_MAX);
	if (glen == 0 || glen == MIKEY_GROUP_ID_MAX)
		return LIM_E_ARG;
	/* a talker session with no integrity (srtp.h: AES-CM under RCCm1/RCCm3) would accept
	 * every forged MKI; refused here, before the GMK is kept, rather than at every packet */
	if (in->profile != LIM_SRTP_AEAD_AES_128_GCM &&
	    (in->rcc_mode == LIM_SRTP_RCCM1 || in->rcc_mode == LIM_SRTP_RCCM3))
		return LIM_E_UNSUPP;

	struct gmk_ent *e = gmk_find(g, in->gmk_id);
	if (e && (e->key_len != in->gmk_len || CRYPTO_memcmp(e->key, in->gmk, in->gmk_len) != 0 ||
		  e->rand_len != in->rand_len || memcmp(e->rand, in->rand, in->rand_len) != 0 ||
		  e->prf != in->prf || e->profile != in->profile || e->rcc_mode != in->rcc_mode ||
		  e->rcc_rate != in->rcc_rate || strncmp(e->group, in->group, glen + 1) != 0)) {
		/* same ID, other key material or another group. A GMK-ID names one GMK of one
		 * group (TS 33.180: the GMS makes a new ID for a new GMK), and an ECCSI signature
		 * only proves which community member signed, not that it was the group's GMS: any
		 * member could otherwise send a target a GMK under the ID of a real group's (it
		 * travels in clear in every MKI) and turn off the decryption of that group's media;
		 * or, knowing the group's GMK, send it again naming another group, which moved it
		 * there (the group's media undecrypted, the other group intercepted as the
		 * target's). So the GMK in use stays, unless its validity ended before the new
		 * one's begins. */
		if (e->not_after == 0 || in->not_before_ns < e->not_after)
			return LIM_E_STATE;
		drop_talkers_of(g, (size_t)(e - g->gmks));
		gmk_clear(e);
		g->n_gmks--;
		e = NULL;
	}
	if (!e) {
		for (size_t i = 0; i < MIKEY_GROUP_GMKS_MAX && !e; i++)
			if (!g->gmks[i].used)
				e = &g->gmks[i];
		if (!e)
			return LIM_E_LIMIT;
		if (!(e->key = OPENSSL_secure_zalloc(GMK_MAX)))
			return LIM_E_NOMEM;
		e->used = true;
		e->gmk_id = in->gmk_id;
		memcpy(e->key, in->gmk, in->gmk_len);
		e->key_len = in->gmk_len;
		memcpy(e->rand, in->rand, in->rand_len);
		e->rand_len = in->rand_len;
		e->prf = in->prf;
		e->profile = in->profile;
		e->rcc_mode = in->rcc_mode;
		e->rcc_rate = in->rcc_rate;
		g->n_gmks++;
	}
	memcpy(e->group, in->group, glen);
	e->group[glen] = '\0';
	e->not_before = in->not_before_ns;
	e->not_after = in->not_after_ns;
	return LIM_OK;
}

/* see group.h */
enum lim_err mikey_group_drop_gmk(struct mikey_group *g, uint32_t gmk_id)
{
	struct gmk_ent *e = gmk_find(g, gmk_id);
	if (!e)
		return LIM_E_ARG;
	drop_talkers_of(g, (size_t)(e - g->gmks));
	gmk_clear(e);
	g->n_gmks--;
	return LIM_OK;
}

/* see group.h */
size_t mikey_group_drop_group(struct mikey_group *g, const char *group)
{
	size_t n = 0;
	for (size_t i = 0; g && group && i < MIKEY_GROUP_GMKS_MAX; i++)
		if (g->gmks[i].used && strcmp(g->gmks[i].group, group) == 0) {
			drop_talkers_of(g, i);
			gmk_clear(&g->gmks[i]);
			g->n_gmks--;
			n++;
		}
	return n;
}

/* see group.h */
enum lim_err mikey_group_add_member(struct mikey_group *g, const char *group, const char *uri,
				    size_t urilen)
{
	if (!g || !group || !uri || urilen == 0 || urilen >= MIKEY_GROUP_ID_MAX ||
	    memchr(uri, '\0', urilen))
		return LIM_E_ARG;
	size_t glen = strnlen(group, MIKEY_GROUP_ID_MAX);
	if (glen == 0 || glen == MIKEY_GROUP_ID_MAX)
		return LIM_E_ARG;
	for (size_t i = 0; i < g->n_members; i++) {
		const char *m = g->members[i].uri;
		/* members are stored as "group\0uri" */
		if (strcmp(m, group) == 0 && strncmp(m + glen + 1, uri, urilen) == 0 &&
		    m[glen + 1 + urilen] == '\0')
			return LIM_OK;
	}
	if (g->n_members == MIKEY_GROUP_MEMBERS_MAX)
		return LIM_E_LIMIT;
	char *m = malloc(glen + 1 + urilen + 1);
	if (!m)
		return LIM_E_NOMEM;
	memcpy(m, group, glen + 1);
	memcpy(m + glen + 1, uri, urilen);
	m[glen + 1 + urilen] = '\0';
	g->members[g->n_members++].uri = m;
	g->st.members = g->n_members;
	return LIM_OK;
}

/* see group.h */
const char *mikey_group_member_of(const struct mikey_group *g, uint32_t gmk_id, uint32_t guk_id)
{
	const struct gmk_ent *e = NULL;
	for (size_t i = 0; i < MIKEY_GROUP_GMKS_MAX && !e; i++)
		if (g->gmks[i].used && g->gmks[i].gmk_id == gmk_id)
			e = &g->gmks[i];
	if (!e)
		return NULL;
	for (size_t i = 0; i < g->n_members; i++) {
		const char *m = g->members[i].uri;
		if (strcmp(m, e->group) != 0)
			continue;
		const char *uri = m + strlen(m) + 1;
		uint32_t guk = 0;
		if (mikey_guk_id(e->key, e->key_len, e->gmk_id, uri, strlen(uri), &guk) == LIM_OK &&
		    guk == guk_id)
			return uri;
	}
	return NULL;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Candidate MKI offsets for a packet of len octets under a GMK of profile/rcc (group.h),
 * most specific first; returns how many. */
static size_t mki_offsets(const struct gmk_ent *e, size_t len, bool rtcp, size_t off[3])
{
	size_t keylen, saltlen, taglen, n = 0;
	if (lim_srtp_profile_params(e->profile, &keylen, &saltlen, &taglen) != LIM_OK)
		return 0;
	bool gcm = e->profile == LIM_SRTP_AEAD_AES_128_GCM;
	if (rtcp) {
		/* 8: RTCP header and sender SSRC, 4: E || SRTCP index; no RCC for SRTCP */
		size_t tail = gcm ? 0 : 10;
		if (len >= 8 + 4 + MIKEY_GROUP_MKI_LEN + tail)
			off[n++] = len - MIKEY_GROUP_MKI_LEN - tail;
		return n;
	}
	/* 12: smallest RTP header */
	if (e->rcc_mode != LIM_SRTP_RCC_NONE && len >= 12 + MIKEY_GROUP_MKI_LEN + 4)
		off[n++] = len - MIKEY_GROUP_MKI_LEN - 4; /* MKI || ROC (GCM, RCCm3, RCCm1) */
	if ((gcm || e->rcc_mode == LIM_SRTP_RCCM1 || e->rcc_mode == LIM_SRTP_RCCM3) &&
	    len >= 12 + MIKEY_GROUP_MKI_LEN)
		off[n++] = len - MIKEY_GROUP_MKI_LEN; /* no tag after the MKI, or no ROC */
	if (!gcm && len >= 12 + MIKEY_GROUP_MKI_LEN + taglen)
		off[n++] = len - MIKEY_GROUP_MKI_LEN - taglen; /* MKI || tag (or ROC || MAC_tr) */
	return n;
}

static bool usable(const struct gmk_ent *e, uint64_t ts)
{
	return (e->not_before == 0 || ts >= e->not_before) &&
	       (e->not_after == 0 || ts < e->not_after);
}

/* Finds the next GMK named by an MKI candidate of pkt: *gi, *guk. *after (0 at first) is where
 * the search goes on: past the (GMK, offset) pair found last, so that every GMK's every
 * offset is looked at once. (Before, one offset index for all GMKs: a GMK whose ID matched at
 * a later offset, say a GMK-ID equal to a talker's GUK-ID, in a slot before the talker's GMK,
 * made the search skip that GMK's real offset, and its talker's packets were never
 * decrypted: an insider who sent a target such a GMK could turn a group's interception off.) */
static bool claim(const struct mikey_group *g, const uint8_t *pkt, size_t len, bool rtcp,
		  size_t *gi, uint32_t *guk, size_t *after)
{
	enum { STRIDE = 4 }; /* > the offsets mki_offsets gives */
	for (size_t i = *after / STRIDE; i < MIKEY_GROUP_GMKS_MAX; i++) {
		const struct gmk_ent *e = &g->gmks[i];
		size_t off[3];
		if (!e->used)
			continue;
		size_t n = mki_offsets(e, len, rtcp, off);
		for (size_t k = 0; k < n; k++) {
			if (i * STRIDE + k < *after)
				continue;
			uint32_t id = be32(pkt + off[k]), gk = be32(pkt + off[k] + 4);
			if (id == e->gmk_id && PURPOSE(gk) == PURPOSE(id)) {
				*gi = i;
				*guk = gk;
				*after = i * STRIDE + k + 1;
				return true;
			}
		}
	}
	return false;
}

/* see group.h */
bool mikey_group_claims(const struct mikey_group *g, const uint8_t *pkt, size_t len,
			uint32_t *gmk_id)
{
	size_t gi = 0, after = 0;
	uint32_t guk = 0;
	if (!g || !pkt || !claim(g, pkt, len, false, &gi, &guk, &after))
		return false;
	if (gmk_id)
		*gmk_id = g->gmks[gi].gmk_id;
	return true;
}

/* Derives the talker's session for (GMK gi, guk): TS 33.180 CS ID 4, CSB ID = GUK-ID. */
static enum lim_err talker_new(struct mikey_group *g, size_t gi, uint32_t guk, struct lim_srtp **s)
{
	const struct gmk_ent *e = &g->gmks[gi];
	uint8_t key[32], salt[14], mki[MIKEY_GROUP_MKI_LEN];
	size_t keylen = 0, saltlen = 0, taglen = 0;
	enum lim_err rc = lim_srtp_profile_params(e->profile, &keylen, &saltlen, &taglen);
	*s = NULL;
	if (rc == LIM_OK)
		rc = kdf_derive(e->prf, e->key, e->key_len, KDF_CONST_TEK, MIKEY_CS_GMK, guk,
				e->rand, e->rand_len, key, keylen);
	if (rc == LIM_OK)
		rc = kdf_derive(e->prf, e->key, e->key_len, KDF_CONST_SALT, MIKEY_CS_GMK, guk,
				e->rand, e->rand_len, salt, saltlen);
	mki[0] = (uint8_t)(e->gmk_id >> 24);
	mki[1] = (uint8_t)(e->gmk_id >> 16);
	mki[2] = (uint8_t)(e->gmk_id >> 8);
	mki[3] = (uint8_t)e->gmk_id;
	mki[4] = (uint8_t)(guk >> 24);
	mki[5] = (uint8_t)(guk >> 16);
	mki[6] = (uint8_t)(guk >> 8);
	mki[7] = (uint8_t)guk;
	if (rc == LIM_OK)
		rc = lim_srtp_new(e->profile, key, keylen, salt, saltlen, mki, sizeof mki, s);
	if (rc == LIM_OK && e->rcc_mode != LIM_SRTP_RCC_NONE)
		rc = lim_srtp_set_rcc(*s, e->rcc_mode, e->rcc_rate);
	if (rc != LIM_OK) {
		lim_srtp_free(*s);
		*s = NULL;
	}
	LIM_WIPE(key);
	LIM_WIPE(salt);
	return rc;
}

/* Whether GMK e may be used: any when only is NULL; else one of only[0..n) of group grp. */
static bool allowed(const struct gmk_ent *e, const char *grp, const uint32_t *only, size_t n)
{
	if (!only)
		return true;
	if (!grp || strcmp(e->group, grp) != 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (only[i] == e->gmk_id)
			return true;
	return false;
}

/* see group.h */
bool mikey_group_which(const struct mikey_group *g, const uint8_t *pkt, size_t len, bool rtcp,
		       uint64_t ts_ns, const char *group, uint32_t *gmk_id)
{
	size_t gi = 0, after = 0;
	uint32_t guk = 0;
	if (!g || !pkt || !group)
		return false;
	while (claim(g, pkt, len, rtcp, &gi, &guk, &after)) {
		if (!usable(&g->gmks[gi], ts_ns) || strcmp(g->gmks[gi].group, group) != 0)
			continue;
		*gmk_id = g->gmks[gi].gmk_id;
		return true;
	}
	return false;
}

/* see group.h */
bool mikey_group_which_new(const struct mikey_group *g, const uint8_t *pkt, size_t len, bool rtcp,
			   uint64_t ts_ns, const char *group, const uint32_t *known, size_t n_known,
			   uint32_t *gmk_id)
{
	size_t gi = 0, after = 0;
	uint32_t guk = 0;
	if (!g || !pkt || !group || (!known && n_known))
		return false;
	while (claim(g, pkt, len, rtcp, &gi, &guk, &after)) {
		bool seen = false;
		if (!usable(&g->gmks[gi], ts_ns) || strcmp(g->gmks[gi].group, group) != 0)
			continue;
		for (size_t i = 0; i < n_known && !seen; i++)
			seen = known[i] == g->gmks[gi].gmk_id;
		if (seen)
			continue;
		*gmk_id = g->gmks[gi].gmk_id;
		return true;
	}
	return false;
}

/* lim_srtp_unprotect of an RTP packet of ssrc by talker session s, from r, the talker's
 * reference of ssrc (NULL: none), when s has no index of ssrc yet (a leg's first packets: the
 * ROC other legs reached). */
static enum lim_err leg_unprotect(const struct ref_ssrc *r, struct lim_srtp *s, uint32_t ssrc,
				  uint8_t *pkt, size_t *len)
{
	uint32_t roc;
	uint16_t seq;
	if (r && lim_srtp_get_roc(s, ssrc, &roc, &seq) != LIM_OK)
		return lim_srtp_unprotect_from(s, pkt, len, (uint32_t)(r->top >> 16),
					       (uint16_t)r->top);
	return lim_srtp_unprotect(s, pkt, len);
}

/* One SRTP (rtcp false) or SRTCP packet of group media (group.h) on leg; grp, only: the GMKs it
 * may use (only NULL: any; see mikey_group_unprotect_with). A talker's session on the leg is
 * made for a packet and kept only once it authenticates one (forged MKIs leave nothing
 * behind); with MIKEY_GROUP_TALKERS_MAX sessions, the least recently used goes for it. */
static enum lim_err group_unprotect(struct mikey_group *g, uint64_t leg, uint8_t *pkt, size_t *len,
				    uint64_t ts_ns, struct mikey_group_talker *who, bool rtcp,
				    const char *grp, const uint32_t *only, size_t n_only)
{
	enum lim_err rc = LIM_E_AUTH, best = LIM_E_AUTH;
	size_t gi = 0, after = 0, len0;
	uint32_t guk = 0;
	bool tried = false, saved = false;

	memset(who, 0, sizeof *who);
	if (!g || !pkt || !len || leg == REF_LEG)
		return LIM_E_ARG;
	len0 = *len;
	for (;;) {
		if (saved) { /* the packet as given, for the next candidate (or the caller) */
			memcpy(pkt, g->orig, len0);
			*len = len0;
		}
		if (!claim(g, pkt, *len, rtcp, &gi, &guk, &after))
			break;
		struct gmk_ent *e = &g->gmks[gi];
		if (!usable(e, ts_ns) || !allowed(e, grp, only, n_only))
			continue;
		tried = true;
		uint64_t mki = MKI64(e->gmk_id, guk), idx = 0;
		size_t slot = find_slot(g, mki, leg);
		bool fresh = !g->talkers[slot].used;
		struct lim_srtp *s = fresh ? NULL : g->talkers[slot].s;
		if (fresh && (rc = talker_new(g, gi, guk, &s)) != LIM_OK) {
			/* (a GMK whose policy cannot be set up: the next candidate) */
			best = best == LIM_E_AUTH ? rc : best;
			continue;
		}
		if (!saved) {
			/* every try sees the packet as given: one that fails may have changed it */
			if (g->orig_cap < len0) {
				uint8_t *b = realloc(g->orig, len0);
				if (!b) {
					if (fresh)
						lim_srtp_free(s);
					rc = LIM_E_NOMEM;
					break;
				}
				g->orig = b;
				g->orig_cap = len0;
			}
			memcpy(g->orig, pkt, len0);
			saved = true;
		}
		/* (a parsable packet: claim found an MKI past the 12-octet header) */
		uint32_t ssrc = be32(pkt + (rtcp ? 4 : 8));
		uint16_t seq = (uint16_t)(pkt[2] << 8 | pkt[3]);
		/* (the table does not change until the checks below are made) */
		const struct ref_ssrc *r = rtcp ? NULL : ref_ssrc(ref_find(g, mki), ssrc);
		rc = rtcp ? lim_srtp_unprotect_rtcp(s, pkt, len)
			  : leg_unprotect(r, s, ssrc, pkt, len);
		if (rc == LIM_OK && !rtcp) {
			/* (no index of ssrc in s, 64 others tracked: idx is seq) */
			if (lim_srtp_packet_index(s, ssrc, seq, &idx) != LIM_OK)
				idx = seq;
			if (r && r->top >= idx + REF_WIN)
				rc = LIM_E_STATE; /* older than any leg's window: sent again */
		}
		if (rc == LIM_OK) {
			if (fresh) {
				if (g->n_talkers >= MIKEY_GROUP_TALKERS_MAX) {
					evict_lru(g, false);
					g->st.talkers_evicted++;
				}
				slot = find_slot(g, mki, leg); /* (the eviction moves entries) */
				g->talkers[slot] = (struct talker){ .mki = mki,
								    .leg = leg,
								    .used = true,
								    .gmk = (uint16_t)gi,
								    .s = s };
				g->n_talkers++;
			}
			if (!rtcp)
				ref_note(g, mki, gi, ssrc, idx, ts_ns);
			slot = find_slot(g, mki, leg); /* (ref_note's eviction moves entries) */
			struct talker *t = &g->talkers[slot];
			t->at = ts_ns;
			who->gmk_id = e->gmk_id;
			who->guk_id = guk;
			who->group = e->group;
			who->index = idx;
			if (fresh || t->resolved_at != g->n_members) {
				/* an HMAC per member: only when a talker or a member is new */
				t->uri = mikey_group_member_of(g, e->gmk_id, guk);
				t->resolved_at = g->n_members;
			}
			who->uri = t->uri;
			g->st.decrypted++;
			return LIM_OK;
		}
		/* a session that never authenticated anything is not kept (group.h) */
		if (fresh)
			lim_srtp_free(s);
		/* the next candidate, whatever this one said: libsrtp2 refuses a replay before it
		 * checks the tag, so a decoy GMK's session that took one forged packet far ahead
		 * says LIM_E_STATE for the talker's real packets. Said at the end: a replay over
		 * a failed authentication over the rest */
		if (rc == LIM_E_STATE || (rc != LIM_E_AUTH && best == LIM_E_AUTH))
			best = rc;
	}
	rc = rc == LIM_E_NOMEM ? rc : best;
	if (saved && rc != LIM_OK) { /* (a break: the packet as given too) */
		memcpy(pkt, g->orig, len0);
		*len = len0;
	}
	if (!tried)
		g->st.no_gmk++;
	else if (rc == LIM_E_AUTH)
		g->st.auth_failed++;
	return rc;
}

/* see group.h */
enum lim_err mikey_group_unprotect(struct mikey_group *g, uint8_t *pkt, size_t *len, uint64_t ts_ns,
				   struct mikey_group_talker *who)
{
	return group_unprotect(g, 0, pkt, len, ts_ns, who, false, NULL, NULL, 0);
}

/* see group.h */
enum lim_err mikey_group_unprotect_with(struct mikey_group *g, uint64_t leg, const char *group,
					const uint32_t *gmk_ids, size_t n, uint8_t *pkt,
					size_t *len, uint64_t ts_ns, struct mikey_group_talker *who)
{
	static const uint32_t none;
	return group_unprotect(g, leg, pkt, len, ts_ns, who, false, group,
			       gmk_ids ? gmk_ids : &none, gmk_ids ? n : 0);
}

/* see group.h */
enum lim_err mikey_group_unprotect_rtcp_with(struct mikey_group *g, uint64_t leg, const char *group,
					     const uint32_t *gmk_ids, size_t n, uint8_t *pkt,
					     size_t *len, uint64_t ts_ns,
					     struct mikey_group_talker *who)
{
	static const uint32_t none;
	return group_unprotect(g, leg, pkt, len, ts_ns, who, true, group, gmk_ids ? gmk_ids : &none,
			       gmk_ids ? n : 0);
}

/* see group.h */
enum lim_err mikey_group_unprotect_rtcp(struct mikey_group *g, uint8_t *pkt, size_t *len,
					uint64_t ts_ns, struct mikey_group_talker *who)
{
	return group_unprotect(g, 0, pkt, len, ts_ns, who, true, NULL, NULL, 0);
}

/* see group.h */
void mikey_group_stats(const struct mikey_group *g, struct mikey_group_stats *out)
{
	*out = g->st;
	out->gmks = g->n_gmks;
	out->talkers = g->n_talkers;
	out->members = g->n_members;
}

/* see group.h */
void mikey_group_free(struct mikey_group *g)
{
	if (!g)
		return;
	if (g->talkers)
		for (size_t i = 0; i < TALKER_SLOTS; i++)
			if (g->talkers[i].used)
				lim_srtp_free(g->talkers[i].s);
	for (size_t i = 0; i < MIKEY_GROUP_GMKS_MAX; i++)
		if (g->gmks[i].used)
			gmk_clear(&g->gmks[i]);
	if (g->members)
		for (size_t i = 0; i < g->n_members; i++)
			free(g->members[i].uri);
	free(g->members);
	free(g->talkers);
	free(g->orig);
	lim_wipe(g, sizeof *g);
	free(g);
}
