/* Suites for decrypt/group.h: group media keyed by MKI = GMK-ID || GUK-ID (TS 33.180). The
 * talkers' packets are protected with the master keys and salts the Streamwide and Etherstack
 * interop vectors state (tests/kat/mcx_interop.vec "talker ="), not with keys limf derives, so a
 * decryption proves the derivation; then unknown talkers, forged MKIs, rollover, validity, RCC,
 * AES-CM, replay and the caps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decrypt/group.h"
#include "decrypt/unwrap.h"
#include "tests/unit/decrypt_suites.h"

#define MCX_VEC "tests/kat/mcx_interop.vec"

struct tv {
	uint8_t gmk[32], rnd[32], key[16], salt[12];
	size_t gmk_len, rnd_len;
	uint32_t gmk_id, guk_id;
	char uri[128];
};

static int unhex(const char *s, uint8_t *out, size_t cap, size_t *n)
{
	size_t l = strlen(s);
	if (l % 2 || l / 2 > cap)
		return -1;
	for (size_t i = 0; i < l / 2; i++) {
		unsigned v;
		char b[3] = { s[2 * i], s[2 * i + 1], 0 };
		char *end;
		v = (unsigned)strtoul(b, &end, 16);
		if (*end)
			return -1;
		out[i] = (uint8_t)v;
	}
	*n = l / 2;
	return 0;
}

/* The "talker =" lines: gmk gmk_id gmk_rand uri guk_id key salt. */
static size_t load(struct tv *tv, size_t cap)
{
	char *b = lim_t_read_file(MCX_VEC, NULL), *save = NULL;
	size_t n = 0;
	for (char *line = strtok_r(b, "\n", &save); line && n < cap;
	     line = strtok_r(NULL, "\n", &save)) {
		char *f[7], *s2 = NULL;
		size_t k = 0, kl = 0, sl = 0;
		if (strncmp(line, "talker = ", 9) != 0)
			continue;
		for (char *w = strtok_r(line + 9, " ", &s2); w && k < 7;
		     w = strtok_r(NULL, " ", &s2))
			f[k++] = w;
		CHECK(k == 7);
		if (k != 7)
			continue;
		struct tv *t = &tv[n];
		CHECK(unhex(f[0], t->gmk, sizeof t->gmk, &t->gmk_len) == 0);
		CHECK(unhex(f[2], t->rnd, sizeof t->rnd, &t->rnd_len) == 0);
		CHECK(unhex(f[5], t->key, sizeof t->key, &kl) == 0 && kl == 16);
		CHECK(unhex(f[6], t->salt, sizeof t->salt, &sl) == 0 && sl == 12);
		t->gmk_id = (uint32_t)strtoul(f[1], NULL, 16);
		t->guk_id = (uint32_t)strtoul(f[4], NULL, 16);
		snprintf(t->uri, sizeof t->uri, "%s", f[3]);
		n++;
	}
	free(b);
	return n;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* A sender for one talker: its session under the stated key/salt and MKI. */
static struct lim_srtp *sender(enum lim_srtp_profile prof, const uint8_t *key, const uint8_t *salt,
			       uint32_t gmk_id, uint32_t guk_id, unsigned rcc)
{
	uint8_t mki[8];
	struct lim_srtp *tx = NULL;
	size_t kl, sl, tl;
	put32(mki, gmk_id);
	put32(mki + 4, guk_id);
	CHECK(lim_srtp_profile_params(prof, &kl, &sl, &tl) == LIM_OK);
	CHECK(lim_srtp_new_tx(prof, key, kl, salt, sl, mki, sizeof mki, &tx) == LIM_OK);
	if (rcc)
		CHECK(lim_srtp_set_rcc(tx, rcc, 1) == LIM_OK);
	return tx;
}

/* RTP packet seq/ssrc with a payload naming the talker; protected into pkt, *n its length. */
static void make(struct lim_srtp *tx, uint16_t seq, uint32_t ssrc, const char *text, uint8_t *pkt,
		 size_t cap, size_t *n, uint8_t *clear, size_t *clen)
{
	size_t tl = strlen(text);
	memset(pkt, 0, cap);
	pkt[0] = 0x80;
	pkt[1] = 0x00;
	pkt[2] = (uint8_t)(seq >> 8);
	pkt[3] = (uint8_t)seq;
	put32(pkt + 4, 160u * seq);
	put32(pkt + 8, ssrc);
	memcpy(pkt + 12, text, tl);
	*n = 12 + tl;
	memcpy(clear, pkt, *n);
	*clen = *n;
	CHECK(lim_srtp_protect(tx, pkt, n, cap) == LIM_OK);
}

static struct mikey_group_key gmk_of(const struct tv *t, const char *group)
{
	return (struct mikey_group_key){ .gmk_id = t->gmk_id,
					 .gmk = t->gmk,
					 .gmk_len = t->gmk_len,
					 .rand = t->rnd,
					 .rand_len = t->rnd_len,
					 .prf = MIKEY_PRF_HMAC_SHA256,
					 .profile = LIM_SRTP_AEAD_AES_128_GCM,
					 .rcc_mode = LIM_SRTP_RCCM3,
					 .rcc_rate = 1,
					 .group = group };
}

/* The three Etherstack talkers of one GMK, members known: each packet decrypts to its clear
 * text and is attributed to its talker; a fourth member nobody registered is reported by
 * GUK-ID only. */
static void t_group_talkers(void)
{
	struct tv tv[8];
	size_t n = load(tv, 8);
	CHECK(n == 4);
	struct mikey_group *g = NULL;
	CHECK(mikey_group_new(&g) == LIM_OK);
	/* tv[1..3]: Etherstack, one GMK; tv[0]: Streamwide's alice, another GMK */
	struct mikey_group_key ge = gmk_of(&tv[1], "sip:fire-east@etherstack.com");
	CHECK(mikey_group_add_gmk(g, &ge) == LIM_OK);
	/* members registered before and after the GMK: both are named */
	CHECK(mikey_group_add_member(g, ge.group, tv[1].uri, strlen(tv[1].uri)) == LIM_OK);
	CHECK(mikey_group_add_member(g, ge.group, tv[2].uri, strlen(tv[2].uri)) == LIM_OK);
	CHECK(mikey_group_add_member(g, ge.group, tv[2].uri, strlen(tv[2].uri)) == LIM_OK);
	struct mikey_group_stats st;
	mikey_group_stats(g, &st);
	CHECK(st.members == 2 && st.gmks == 1 && st.talkers == 0);

	struct lim_srtp *tx[3];
	for (size_t i = 0; i < 3; i++)
		tx[i] = sender(LIM_SRTP_AEAD_AES_128_GCM, tv[1 + i].key, tv[1 + i].salt,
			       tv[1 + i].gmk_id, tv[1 + i].guk_id, LIM_SRTP_RCCM3);
	/* talkers take turns, 5 packets each, twice round; after the first round the third
	 * talker becomes known from signalling */
	for (unsigned round = 0; round < 2; round++) {
		for (size_t i = 0; i < 3; i++)
			for (uint16_t s = 0; s < 5; s++) {
				uint8_t pkt[256], clear[256];
				size_t len = 0, cl = 0;
				char text[64];
				uint16_t seq = (uint16_t)(100 + round * 5 + s);
				snprintf(text, sizeof text, "talker %zu says %u", i, seq);
				make(tx[i], seq, 0x1000u + (uint32_t)i, text, pkt, sizeof pkt, &len,
				     clear, &cl);
				struct mikey_group_talker who;
				CHECK(mikey_group_claims(g, pkt, len, NULL));
				/* which GMK (a caller audits its use first); with no GMK or
				 * another allowed, nothing is decrypted or changed */
				uint32_t wid = 0, other = tv[1].gmk_id ^ 1;
				CHECK(mikey_group_which(g, pkt, len, false, 1, ge.group, &wid) &&
				      wid == tv[1].gmk_id);
				CHECK(!mikey_group_which(g, pkt, len, true, 1, ge.group, &wid));
				CHECK(!mikey_group_which(g, pkt, len, false, 1, "another-group",
							 &wid));
				CHECK(!mikey_group_which(g, pkt, len, false, 1, NULL, &wid));
				uint8_t cp[256];
				size_t l2 = len;
				memcpy(cp, pkt, len);
				CHECK(mikey_group_unprotect_with(g, 0, ge.group, NULL, 0, cp, &l2,
								 1, &who) == LIM_E_AUTH &&
				      l2 == len && memcmp(cp, pkt, len) == 0);
				CHECK(mikey_group_unprotect_with(g, 0, "another-group", &wid, 1, cp,
								 &l2, 1, &who) == LIM_E_AUTH &&
				      l2 == len && memcmp(cp, pkt, len) == 0);
				CHECK(mikey_group_unprotect_with(g, 0, ge.group, &other, 1, cp, &l2,
								 1, &who) == LIM_E_AUTH &&
				      l2 == len && memcmp(cp, pkt, len) == 0);
				if (round == 1)
					CHECK(mikey_group_unprotect_with(g, 0, ge.group, &wid, 1,
									 pkt, &len, 1,
									 &who) == LIM_OK);
				else
					CHECK(mikey_group_unprotect(g, pkt, &len, 1, &who) ==
					      LIM_OK);
				CHECK(len == cl && memcmp(pkt, clear, cl) == 0);
				CHECK(who.gmk_id == tv[1].gmk_id && who.guk_id == tv[1 + i].guk_id);
				CHECK(who.group && strcmp(who.group, ge.group) == 0);
				if (i < 2 || round == 1)
					CHECK(who.uri && strcmp(who.uri, tv[1 + i].uri) == 0);
				else
					CHECK(who.uri == NULL); /* not registered: GUK-ID only */
			}
		if (round == 0)
			CHECK(mikey_group_add_member(g, ge.group, tv[3].uri, strlen(tv[3].uri)) ==
			      LIM_OK);
	}
	mikey_group_stats(g, &st);
	CHECK(st.decrypted == 30 && st.talkers == 3 && st.auth_failed == 0);
	CHECK(mikey_group_member_of(g, tv[1].gmk_id, tv[1].guk_id) != NULL);
	CHECK(mikey_group_member_of(g, tv[1].gmk_id, 0x0bad0bad) == NULL);
	CHECK(mikey_group_member_of(g, 0x01020304, tv[1].guk_id) == NULL);
	for (size_t i = 0; i < 3; i++)
		lim_srtp_free(tx[i]);
	mikey_group_free(g);
}

/* A table holding the Etherstack vectors' GMK tv[1] for group "grp" (AEAD_AES_128_GCM; ROC in
 * every packet when rcc, none otherwise) and *tx, a sender for its talker tv[1]. */
static struct mikey_group *one_gmk(struct tv *tv, bool rcc, struct lim_srtp **tx)
{
	struct mikey_group *g = NULL;
	CHECK(load(tv, 8) == 4);
	CHECK(mikey_group_new(&g) == LIM_OK);
	struct mikey_group_key ge = gmk_of(&tv[1], "grp");
	if (!rcc) {
		ge.rcc_mode = LIM_SRTP_RCC_NONE;
		ge.rcc_rate = 0;
	}
	CHECK(mikey_group_add_gmk(g, &ge) == LIM_OK);
	*tx = sender(LIM_SRTP_AEAD_AES_128_GCM, tv[1].key, tv[1].salt, tv[1].gmk_id, tv[1].guk_id,
		     rcc ? LIM_SRTP_RCCM3 : LIM_SRTP_RCC_NONE);
	return g;
}

/* Forged MKIs, unknown GMK-IDs, corrupted and replayed packets, validity, bad arguments. */
static void t_group_hostile(void)
{
	struct tv tv[8];
	struct lim_srtp *tx = NULL;
	struct mikey_group *g = one_gmk(tv, true, &tx);
	struct mikey_group_key ge = gmk_of(&tv[1], "grp");
	uint8_t pkt[256], clear[256], keep[256];
	size_t len = 0, cl = 0, kl;
	struct mikey_group_talker who;
	make(tx, 7, 42, "hello group", pkt, sizeof pkt, &len, clear, &cl);
	memcpy(keep, pkt, len);
	kl = len;

	/* forged GUK-IDs with the right purpose tag: refused, nothing kept */
	for (uint32_t k = 0; k < 50; k++) {
		uint8_t f[256];
		size_t fl = kl;
		memcpy(f, keep, kl);
		put32(f + kl - 8, (tv[1].gmk_id & 0xF0000000u) | (0x123400u + k)); /* GUK-ID */
		CHECK(mikey_group_unprotect(g, f, &fl, 1, &who) == LIM_E_AUTH && fl == kl);
		CHECK(who.gmk_id == 0 && who.uri == NULL);
	}
	struct mikey_group_stats st;
	mikey_group_stats(g, &st);
	CHECK(st.talkers == 0 && st.auth_failed == 50);
	/* an unknown GMK-ID, a wrong purpose tag, too short: not claimed */
	{
		uint8_t f[256];
		size_t fl = kl;
		memcpy(f, keep, kl);
		f[kl - 12] ^= 0x01; /* GMK-ID's last octet */
		CHECK(!mikey_group_claims(g, f, fl, NULL));
		CHECK(mikey_group_unprotect(g, f, &fl, 1, &who) == LIM_E_AUTH);
		memcpy(f, keep, kl);
		f[kl - 8] ^= 0x80; /* GUK-ID purpose tag */
		CHECK(!mikey_group_claims(g, f, fl, NULL));
		for (size_t l = 0; l < 20; l++) {
			size_t ll = l;
			CHECK(mikey_group_unprotect(g, f, &ll, 1, &who) != LIM_OK);
		}
		mikey_group_stats(g, &st);
		CHECK(st.no_gmk >= 2 && st.talkers == 0);
	}
	/* a flipped ciphertext bit under the right MKI: refused, and the real packet still
	 * decrypts afterwards */
	{
		uint8_t f[256];
		size_t fl = kl;
		memcpy(f, keep, kl);
		f[14] ^= 0x04;
		CHECK(mikey_group_unprotect(g, f, &fl, 1, &who) == LIM_E_AUTH);
	}
	len = kl;
	memcpy(pkt, keep, kl);
	CHECK(mikey_group_unprotect(g, pkt, &len, 1, &who) == LIM_OK);
	CHECK(len == cl && memcmp(pkt, clear, cl) == 0 && who.uri == NULL &&
	      who.guk_id == tv[1].guk_id);
	/* replayed */
	len = kl;
	memcpy(pkt, keep, kl);
	CHECK(mikey_group_unprotect(g, pkt, &len, 1, &who) == LIM_E_STATE);
	mikey_group_stats(g, &st);
	CHECK(st.talkers == 1 && st.decrypted == 1);

	/* the GMK's validity: outside it the packet is not even tried */
	make(tx, 8, 42, "late", pkt, sizeof pkt, &len, clear, &cl);
	memcpy(keep, pkt, len);
	kl = len;
	ge.not_before_ns = 1000;
	ge.not_after_ns = 2000;
	CHECK(mikey_group_add_gmk(g, &ge) == LIM_OK); /* same GMK: refresh, sessions kept */
	mikey_group_stats(g, &st);
	CHECK(st.gmks == 1 && st.talkers == 1);
	CHECK(mikey_group_unprotect(g, pkt, &len, 999, &who) == LIM_E_AUTH && len == kl);
	CHECK(mikey_group_unprotect(g, pkt, &len, 2000, &who) == LIM_E_AUTH && len == kl);
	CHECK(mikey_group_unprotect(g, pkt, &len, 1500, &who) == LIM_OK && len == cl);

	/* bad arguments */
	struct mikey_group_key bad = ge;
	bad.gmk_len = 0;
	CHECK(mikey_group_add_gmk(g, &bad) == LIM_E_ARG);
	bad = ge;
	bad.rand_len = 0;
	CHECK(mikey_group_add_gmk(g, &bad) == LIM_E_ARG);
	bad = ge;
	bad.group = "";
	CHECK(mikey_group_add_gmk(g, &bad) == LIM_E_ARG);
	bad = ge;
	bad.profile = (enum lim_srtp_profile)77;
	CHECK(mikey_group_add_gmk(g, &bad) == LIM_E_ARG);
	bad = ge;
	bad.rcc_mode = 9;
	CHECK(mikey_group_add_gmk(g, &bad) == LIM_E_ARG);
	CHECK(mikey_group_add_member(g, "grp", "a\0b", 3) == LIM_E_ARG);
	CHECK(mikey_group_add_member(g, "grp", "", 0) == LIM_E_ARG);
	CHECK(mikey_group_add_member(g, "", "x", 1) == LIM_E_ARG);
	CHECK(mikey_group_drop_gmk(g, 0x01020304u) == LIM_E_ARG);
	lim_srtp_free(tx);
	mikey_group_free(g);
	mikey_group_free(NULL);
}

/* A decoy GMK (an audit): a GMK whose ID is a talker's GUK-ID, in a slot before the talker's
 * GMK (a hole a dropped GMK left), of another group. Its ID matches the packet at the GUK||ROC
 * offset, which came before the real GMK's offsets. Before, one offset cursor for all GMKs made
 * the search skip the real GMK's offset, and a failed try left the GCM packet decrypted in
 * place under the wrong key: the talker's packets were never decrypted, nor named to the group
 * (mikey_group_which). Also: a packet no GMK authenticates is left as given. */
static void t_group_decoy(void)
{
	struct tv tv[8];
	CHECK(load(tv, 8) == 4);
	struct mikey_group *g = NULL;
	CHECK(mikey_group_new(&g) == LIM_OK);
	uint8_t gmk_a[16], gmk_d[16];
	memset(gmk_a, 0x22, sizeof gmk_a);
	memset(gmk_d, 0x44, sizeof gmk_d);
	struct mikey_group_key real = gmk_of(&tv[1], "grp"), d = real, a = real;
	d.gmk_id = 0x0aaaaaaau;
	d.gmk = gmk_d;
	d.group = "old";
	a.gmk_id = tv[1].guk_id; /* the decoy: the talker's GUK-ID as its GMK-ID, of its group */
	a.gmk = gmk_a;
	a.group = "grp";
	CHECK(mikey_group_add_gmk(g, &d) == LIM_OK);    /* slot 0 */
	CHECK(mikey_group_add_gmk(g, &real) == LIM_OK); /* slot 1 */
	CHECK(mikey_group_drop_gmk(g, d.gmk_id) == LIM_OK);
	CHECK(mikey_group_add_gmk(g, &a) == LIM_OK); /* into slot 0 */
	struct lim_srtp *tx = sender(LIM_SRTP_AEAD_AES_128_GCM, tv[1].key, tv[1].salt, tv[1].gmk_id,
				     tv[1].guk_id, LIM_SRTP_RCCM3);
	uint8_t pkt[256], clear[256], keep[256];
	size_t len = 0, cl = 0, kl;
	uint32_t id = 0;
	struct mikey_group_talker who;
	make(tx, 9, 42, "through the decoy", pkt, sizeof pkt, &len, clear, &cl);
	memcpy(keep, pkt, len);
	kl = len;
	/* which names the decoy first; which_new, told of it, the talker's GMK (a caller that
	 * audits each GMK it uses audits both, then decrypts with both) */
	CHECK(mikey_group_which(g, pkt, len, false, 1, "grp", &id) && id == a.gmk_id);
	{
		const uint32_t known[2] = { a.gmk_id, tv[1].gmk_id };
		CHECK(mikey_group_which_new(g, pkt, len, false, 1, "grp", NULL, 0, &id) &&
		      id == a.gmk_id);
		CHECK(mikey_group_which_new(g, pkt, len, false, 1, "grp", known, 1, &id) &&
		      id == tv[1].gmk_id);
		CHECK(!mikey_group_which_new(g, pkt, len, false, 1, "grp", known, 2, &id));
		CHECK(!mikey_group_which_new(g, pkt, len, false, 1, "other", NULL, 0, &id));
		CHECK(mikey_group_unprotect_with(g, 0, "grp", known, 1, pkt, &len, 1, &who) ==
			      LIM_E_AUTH &&
		      len == kl && memcmp(pkt, keep, kl) == 0);
		CHECK(mikey_group_unprotect_with(g, 0, "grp", known, 2, pkt, &len, 1, &who) ==
			      LIM_OK &&
		      len == cl && memcmp(pkt, clear, cl) == 0 && who.gmk_id == tv[1].gmk_id);
	}
	make(tx, 12, 42, "through the decoy", pkt, sizeof pkt, &len, clear, &cl);
	CHECK(mikey_group_unprotect(g, pkt, &len, 1, &who) == LIM_OK && len == cl &&
	      memcmp(pkt, clear, cl) == 0 && who.gmk_id == tv[1].gmk_id &&
	      who.guk_id == tv[1].guk_id);
	make(tx, 10, 42, "restricted", pkt, sizeof pkt, &len, clear, &cl);
	{
		const uint32_t only = tv[1].gmk_id;
		CHECK(mikey_group_unprotect_with(g, 0, "grp", &only, 1, pkt, &len, 1, &who) ==
			      LIM_OK &&
		      len == cl && memcmp(pkt, clear, cl) == 0);
	}
	/* the first packet again (a replay): refused, and left as it came */
	len = kl;
	memcpy(pkt, keep, kl);
	CHECK(mikey_group_unprotect(g, pkt, &len, 1, &who) != LIM_OK && len == kl &&
	      memcmp(pkt, keep, kl) == 0);
	/* a forged tag: both candidates fail, the packet is left as it came */
	make(tx, 11, 42, "forged", pkt, sizeof pkt, &len, clear, &cl);
	pkt[len - 13] ^= 0x01; /* the GCM tag's last octet, before MKI || ROC */
	memcpy(keep, pkt, len);
	kl = len;
	CHECK(mikey_group_unprotect(g, pkt, &len, 1, &who) == LIM_E_AUTH && len == kl &&
	      memcmp(pkt, keep, kl) == 0);
	/* a decoy whose policy cannot be set up (GCM with RCCm1): the next candidate is tried
	 * (before, the search stopped there) */
	{
		struct mikey_group *g2 = NULL;
		struct mikey_group_key a2 = a;
		a2.rcc_mode = LIM_SRTP_RCCM1;
		CHECK(mikey_group_new(&g2) == LIM_OK);
		CHECK(mikey_group_add_gmk(g2, &a2) == LIM_OK &&
		      mikey_group_add_gmk(g2, &real) == LIM_OK);
		make(tx, 13, 42, "past a bad decoy", pkt, sizeof pkt, &len, clear, &cl);
		CHECK(mikey_group_unprotect(g2, pkt, &len, 1, &who) == LIM_OK && len == cl &&
		      memcmp(pkt, clear, cl) == 0);
		mikey_group_free(g2);
	}
	lim_srtp_free(tx);
	mikey_group_free(g);
}

/* GMK rollover mid-call: a new GMK-ID beside the old one (both decrypt), then the old one
 * dropped (its packets refused); a GMK-ID reused with another key is refused while the GMK
 * under it is valid, replaces it after. */
static void t_group_rollover(void)
{
	struct tv tv[8];
	CHECK(load(tv, 8) == 4);
	struct mikey_group *g = NULL;
	CHECK(mikey_group_new(&g) == LIM_OK);
	/* GMK A: Streamwide (tv[0]); GMK B: Etherstack (tv[1]); the same group */
	struct mikey_group_key ga = gmk_of(&tv[0], "grp"), gb = gmk_of(&tv[1], "grp");
	CHECK(mikey_group_add_gmk(g, &ga) == LIM_OK);
	CHECK(mikey_group_add_member(g, "grp", tv[0].uri, strlen(tv[0].uri)) == LIM_OK);
	struct lim_srtp *txa = sender(LIM_SRTP_AEAD_AES_128_GCM, tv[0].key, tv[0].salt,
				      tv[0].gmk_id, tv[0].guk_id, LIM_SRTP_RCCM3);
	struct lim_srtp *txb = sender(LIM_SRTP_AEAD_AES_128_GCM, tv[1].key, tv[1].salt,
				      tv[1].gmk_id, tv[1].guk_id, LIM_SRTP_RCCM3);
	uint8_t pkt[256], clear[256];
	size_t len, cl;
	struct mikey_group_talker who;
	make(txa, 1, 5, "under A", pkt, sizeof pkt, &len, clear, &cl);
	CHECK(mikey_group_unprotect(g, pkt, &len, 1, &who) == LIM_OK && len == cl);
	CHECK(who.uri && strcmp(who.uri, tv[0].uri) == 0);
	/* B's packet before B is known: refused */
	make(txb, 2, 5, "under B", pkt, sizeof pkt, &len, clear, &cl);
	CHECK(mikey_group_unprotect(g, pkt, &len, 1, &who) == LIM_E_AUTH);
	CHECK(mikey_group_add_gmk(g, &gb) == LIM_OK);
	CHECK(mikey_group_add_member(g, "grp", tv[1].uri, strlen(tv[1].uri)) == LIM_OK);
	CHECK(mikey_group_unprotect(g, pkt, &len, 1, &who) == LIM_OK && len == cl);
	CHECK(who.gmk_id == tv[1].gmk_id && who.uri && strcmp(who.uri, tv[1].uri) == 0);
	make(txa, 3, 5, "A again", pkt, sizeof pkt, &len, clear, &cl);
	CHECK(mikey_group_unprotect(g, pkt, &len, 1, &who) == LIM_OK && who.gmk_id == tv[0].gmk_id);
	/* A retired */
	CHECK(mikey_group_drop_gmk(g, tv[0].gmk_id) == LIM_OK);
	CHECK(mikey_group_drop_group(g, "another group") == 0);
	make(txa, 4, 5, "A retired", pkt, sizeof pkt, &len, clear, &cl);
	CHECK(mikey_group_unprotect(g, pkt, &len, 1, &who) == LIM_E_AUTH);
	/* B's ID with another key (a forged GMK message any community member can sign, or a
	 * collision): refused, B and its talker sessions stay */
	uint8_t other[16];
	memcpy(other, tv[1].gmk, 16);
	other[0] ^= 0xFF;
	struct mikey_group_key gb2 = gb;
	gb2.gmk = other;
	CHECK(mikey_group_add_gmk(g, &gb2) == LIM_E_STATE);
	struct mikey_group_key gb3 = gb;
	uint8_t rand3[255];
	memcpy(rand3, gb.rand, gb.rand_len);
	rand3[0] ^= 1;
	gb3.rand = rand3;
	CHECK(mikey_group_add_gmk(g, &gb3) == LIM_E_STATE); /* another RAND: other keys too */
	/* B itself, sent again naming another group (any member of grp knows B): refused; B
	 * stays grp's (before, it was moved: grp's packets failed, "evil" was B's group) */
	struct mikey_group_key gb4 = gb;
	gb4.group = "evil";
	CHECK(mikey_group_add_gmk(g, &gb4) == LIM_E_STATE);
	make(txb, 5, 5, "B still", pkt, sizeof pkt, &len, clear, &cl);
	{
		uint32_t id = 0;
		CHECK(mikey_group_which(g, pkt, len, false, 5, "grp", &id) && id == tv[1].gmk_id);
		CHECK(!mikey_group_which(g, pkt, len, false, 5, "evil", &id));
	}
	struct mikey_group_stats st;
	mikey_group_stats(g, &st);
	CHECK(st.gmks == 1 && st.talkers == 1);
	CHECK(mikey_group_unprotect(g, pkt, &len, 1, &who) == LIM_OK && who.gmk_id == tv[1].gmk_id);
	/* once B's validity has ended, a new GMK under its ID replaces it and B's session goes */
	gb.not_after_ns = 1000;
	CHECK(mikey_group_add_gmk(g, &gb) == LIM_OK); /* the same GMK: validity refreshed */
	gb2.not_before_ns = 999;
	CHECK(mikey_group_add_gmk(g, &gb2) == LIM_E_STATE);
	gb2.not_before_ns = 1000;
	CHECK(mikey_group_add_gmk(g, &gb2) == LIM_OK);
	mikey_group_stats(g, &st);
	CHECK(st.gmks == 1 && st.talkers == 0);
	make(txb, 6, 5, "old B key", pkt, sizeof pkt, &len, clear, &cl);
	CHECK(mikey_group_unprotect(g, pkt, &len, 1, &who) == LIM_E_AUTH);
	/* the group's warrant ends: every GMK of it goes */
	CHECK(mikey_group_add_gmk(g, &ga) == LIM_OK);
	CHECK(mikey_group_drop_group(g, "grp") == 2);
	mikey_group_stats(g, &st);
	CHECK(st.gmks == 0 && st.talkers == 0);
	lim_srtp_free(txa);
	lim_srtp_free(txb);
	mikey_group_free(g);
}

/* Other layouts: GCM without RCC, AES-CM-128/HMAC-SHA1-80 with MKI (keys derived here by the
 * table, checked by round trip through a sender keyed from the vectors' CS-ID 4 derivation). */
static void t_group_profiles(void)
{
	struct tv tv[8];
	CHECK(load(tv, 8) == 4);
	static const struct {
		enum lim_srtp_profile prof;
		unsigned rcc;
	} cases[] = { { LIM_SRTP_AEAD_AES_128_GCM, 0 },
		      { LIM_SRTP_AES128_CM_SHA1_80, 0 },
		      { LIM_SRTP_AES128_CM_SHA1_80, LIM_SRTP_RCCM2 },
		      { LIM_SRTP_AES128_CM_SHA1_32, 0 } };
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct mikey_group *g = NULL;
		CHECK(mikey_group_new(&g) == LIM_OK);
		struct mikey_group_key gm = gmk_of(&tv[2], "grp");
		gm.profile = cases[c].prof;
		gm.rcc_mode = cases[c].rcc;
		CHECK(mikey_group_add_gmk(g, &gm) == LIM_OK);
		/* AES-CM wants a 14-octet salt: derive the sender's keys independently through
		 * mikey_group_talker_key (checked against the vectors in decrypt_eccsi.c) */
		uint8_t key[16], salt[14];
		uint32_t guk = 0;
		size_t kl, sl, tl;
		CHECK(lim_srtp_profile_params(gm.profile, &kl, &sl, &tl) == LIM_OK);
		CHECK(mikey_group_talker_key(MIKEY_PRF_HMAC_SHA256, tv[2].gmk, tv[2].gmk_len,
					     tv[2].gmk_id, tv[2].rnd, tv[2].rnd_len, tv[2].uri,
					     strlen(tv[2].uri), key, kl, salt, sl, &guk) == LIM_OK);
		CHECK(guk == tv[2].guk_id);
		struct lim_srtp *tx =
			sender(gm.profile, key, salt, tv[2].gmk_id, guk, cases[c].rcc);
		for (uint16_t s = 1; s <= 4; s++) {
			uint8_t pkt[256], clear[256];
			size_t len, cl;
			struct mikey_group_talker who;
			make(tx, s, 9, "profile test", pkt, sizeof pkt, &len, clear, &cl);
			CHECK(mikey_group_unprotect(g, pkt, &len, 1, &who) == LIM_OK);
			CHECK(len == cl && memcmp(pkt, clear, cl) == 0 && who.guk_id == guk);
		}
		lim_srtp_free(tx);
		mikey_group_free(g);
	}
}

/* Group SRTCP: a talker's RTCP under its key, MKI before the HMAC tag (AES-CM) or last (GCM);
 * packets too short for header + index + MKI + tag refused. */
static void t_group_rtcp(void)
{
	struct tv tv[8];
	CHECK(load(tv, 8) == 4);
	const enum lim_srtp_profile profs[2] = { LIM_SRTP_AEAD_AES_128_GCM,
						 LIM_SRTP_AES128_CM_SHA1_80 };
	for (size_t c = 0; c < 2; c++) {
		struct mikey_group *g = NULL;
		CHECK(mikey_group_new(&g) == LIM_OK);
		struct mikey_group_key gm = gmk_of(&tv[1], "grp");
		gm.profile = profs[c];
		gm.rcc_mode = c == 0 ? LIM_SRTP_RCCM3 : LIM_SRTP_RCC_NONE;
		CHECK(mikey_group_add_gmk(g, &gm) == LIM_OK);
		CHECK(mikey_group_add_member(g, "grp", tv[1].uri, strlen(tv[1].uri)) == LIM_OK);
		uint8_t key[16], salt[14];
		uint32_t guk = 0;
		size_t kl, sl, tl;
		CHECK(lim_srtp_profile_params(gm.profile, &kl, &sl, &tl) == LIM_OK);
		CHECK(mikey_group_talker_key(MIKEY_PRF_HMAC_SHA256, tv[1].gmk, tv[1].gmk_len,
					     tv[1].gmk_id, tv[1].rnd, tv[1].rnd_len, tv[1].uri,
					     strlen(tv[1].uri), key, kl, salt, sl, &guk) == LIM_OK);
		struct lim_srtp *tx = sender(gm.profile, key, salt, tv[1].gmk_id, guk, 0);
		for (int k = 0; k < 3; k++) {
			/* an RTCP sender report: header, sender SSRC, 20 octets of sender info */
			uint8_t pkt[128] = { 0x80, 200, 0, 6, 0, 0, 0x12, 0x34 }, clear[128];
			size_t n = 28, cl;
			struct mikey_group_talker who;
			for (int i = 8; i < 28; i++)
				pkt[i] = (uint8_t)(i * 3 + k);
			memcpy(clear, pkt, n);
			cl = n;
			CHECK(lim_srtp_protect_rtcp(tx, pkt, &n, sizeof pkt) == LIM_OK);
			/* not RTP: the SRTP path does not take it */
			uint8_t cp[128];
			size_t cn = n;
			memcpy(cp, pkt, n);
			CHECK(mikey_group_unprotect(g, cp, &cn, 1, &who) != LIM_OK);
			/* SRTCP: only with an allowed GMK */
			uint32_t wid = 0;
			CHECK(mikey_group_which(g, pkt, n, true, 1, gm.group, &wid) &&
			      wid == tv[1].gmk_id);
			cn = n;
			CHECK(mikey_group_unprotect_rtcp_with(g, 0, gm.group, NULL, 0, cp, &cn, 1,
							      &who) == LIM_E_AUTH &&
			      cn == n);
			if (k == 2)
				CHECK(mikey_group_unprotect_rtcp_with(g, 0, gm.group, &wid, 1, pkt,
								      &n, 1, &who) == LIM_OK);
			else
				CHECK(mikey_group_unprotect_rtcp(g, pkt, &n, 1, &who) == LIM_OK);
			CHECK(n == cl && memcmp(pkt, clear, cl) == 0);
			CHECK(who.guk_id == guk && who.uri && strcmp(who.uri, tv[1].uri) == 0);
		}
		/* every prefix refused, none read out of bounds */
		uint8_t full[128] = { 0x80, 200, 0, 6, 0, 0, 0x12, 0x34 };
		size_t fn = 28;
		CHECK(lim_srtp_protect_rtcp(tx, full, &fn, sizeof full) == LIM_OK);
		for (size_t l = 0; l < fn; l++) {
			uint8_t *x = malloc(l ? l : 1);
			size_t xl = l;
			struct mikey_group_talker who;
			memcpy(x, full, l);
			CHECK(mikey_group_unprotect_rtcp(g, x, &xl, 1, &who) != LIM_OK && xl == l);
			free(x);
		}
		/* header || index || MKI with no room for the tag: refused before libsrtp2 */
		{
			uint8_t sh[8 + 4 + 8];
			size_t shl = sizeof sh;
			struct mikey_group_talker who;
			memcpy(sh, full, 8);
			memset(sh + 8, 0x80, 4);
			put32(sh + 12, tv[1].gmk_id);
			put32(sh + 16, guk);
			CHECK(mikey_group_unprotect_rtcp(g, sh, &shl, 1, &who) != LIM_OK);
		}
		lim_srtp_free(tx);
		mikey_group_free(g);
	}
}

/* Review finding 3: a GMK whose SRTP policy leaves talker packets unauthenticated (AES-CM
 * under RCCm1/RCCm3) is refused, so forged MKIs cannot "authenticate" as talkers; GCM RCCm3 and
 * AES-CM RCCm2 are kept. */
static void t_group_noauth(void)
{
	struct tv tv[8];
	CHECK(load(tv, 8) == 4);
	static const struct {
		enum lim_srtp_profile prof;
		unsigned rcc;
		enum lim_err want;
	} cases[] = { { LIM_SRTP_AES128_CM_SHA1_80, LIM_SRTP_RCCM3, LIM_E_UNSUPP },
		      { LIM_SRTP_AES128_CM_SHA1_80, LIM_SRTP_RCCM1, LIM_E_UNSUPP },
		      { LIM_SRTP_AES128_CM_SHA1_32, LIM_SRTP_RCCM3, LIM_E_UNSUPP },
		      { LIM_SRTP_AES128_CM_SHA1_80, LIM_SRTP_RCCM2, LIM_OK },
		      { LIM_SRTP_AEAD_AES_128_GCM, LIM_SRTP_RCCM3, LIM_OK } };
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct mikey_group *g = NULL;
		CHECK(mikey_group_new(&g) == LIM_OK);
		struct mikey_group_key gm = gmk_of(&tv[1], "grp");
		gm.profile = cases[c].prof;
		gm.rcc_mode = cases[c].rcc;
		CHECK(mikey_group_add_gmk(g, &gm) == cases[c].want);
		/* refused: nothing kept, a packet naming the GMK finds no key */
		if (cases[c].want != LIM_OK) {
			uint8_t pkt[64];
			size_t len = sizeof pkt;
			struct mikey_group_talker who;
			memset(pkt, 0, sizeof pkt);
			pkt[0] = 0x80;
			for (int i = 0; i < 4; i++) {
				pkt[len - 12 + (size_t)i] = (uint8_t)(tv[1].gmk_id >> (24 - 8 * i));
				pkt[len - 8 + (size_t)i] = (uint8_t)(tv[1].guk_id >> (24 - 8 * i));
			}
			CHECK(mikey_group_unprotect(g, pkt, &len, 1, &who) != LIM_OK);
		}
		mikey_group_free(g);
	}
}

/* Legs: the copies of one packet relayed on several calls each decrypt on their own leg, each
 * leg refuses its own replays; a leg's sessions go with mikey_group_drop_leg (and a GMK's with
 * it, on every leg); the talker cap counts every leg's sessions and a dropped leg makes room. */
static void t_group_legs(void)
{
	struct tv tv[8];
	struct lim_srtp *tx = NULL;
	struct mikey_group *g = one_gmk(tv, true, &tx);
	const uint32_t only = tv[1].gmk_id;
	uint8_t pkt[256], clear[256], keep[256];
	size_t len = 0, cl = 0, kl;
	struct mikey_group_talker who;
	struct mikey_group_stats st;
	make(tx, 7, 42, "one packet, many legs", pkt, sizeof pkt, &len, clear, &cl);
	memcpy(keep, pkt, len);
	kl = len;
	/* (legs 1, 2 and 0, each twice: each leg's first copy decrypts, its second is a replay) */
	const uint64_t legs[] = { 1, 2, 0, 2, 1, 0 };
	for (size_t i = 0; i < sizeof legs / sizeof legs[0]; i++) {
		len = kl;
		memcpy(pkt, keep, kl);
		enum lim_err want = i < 3 ? LIM_OK : LIM_E_STATE;
		CHECK(mikey_group_unprotect_with(g, legs[i], "grp", &only, 1, pkt, &len, 1, &who) ==
		      want);
		if (want == LIM_OK)
			CHECK(len == cl && memcmp(pkt, clear, cl) == 0 &&
			      who.guk_id == tv[1].guk_id);
		else
			CHECK(len == kl && memcmp(pkt, keep, kl) == 0);
	}
	/* the forms without a leg are leg 0 */
	len = kl;
	memcpy(pkt, keep, kl);
	CHECK(mikey_group_unprotect(g, pkt, &len, 1, &who) == LIM_E_STATE);
	mikey_group_stats(g, &st);
	CHECK(st.talkers == 3 && st.decrypted == 3);
	/* leg 2's call ended: its session goes, and a new one starts afresh */
	CHECK(mikey_group_drop_leg(g, 2) == 1);
	CHECK(mikey_group_drop_leg(g, 2) == 0);
	CHECK(mikey_group_drop_leg(g, 0) == 0); /* (leg 0 is no call's) */
	CHECK(mikey_group_drop_leg(NULL, 1) == 0);
	mikey_group_stats(g, &st);
	CHECK(st.talkers == 2);
	len = kl;
	memcpy(pkt, keep, kl);
	CHECK(mikey_group_unprotect_with(g, 2, "grp", &only, 1, pkt, &len, 1, &who) == LIM_OK);
	/* forged on a leg: refused, nothing kept for it */
	len = kl;
	memcpy(pkt, keep, kl);
	pkt[14] ^= 1;
	CHECK(mikey_group_unprotect_with(g, 9, "grp", &only, 1, pkt, &len, 1, &who) == LIM_E_AUTH);
	mikey_group_stats(g, &st);
	CHECK(st.talkers == 3);
	/* the cap counts every leg: full, a new leg's session that authenticates takes the place
	 * of the least recently used; forged packets take none */
	uint64_t leg = 100;
	enum lim_err rc = LIM_OK;
	for (; rc == LIM_OK && leg < 100 + MIKEY_GROUP_TALKERS_MAX - 3; leg++) {
		len = kl;
		memcpy(pkt, keep, kl);
		rc = mikey_group_unprotect_with(g, leg, "grp", &only, 1, pkt, &len, 2, &who);
	}
	CHECK(rc == LIM_OK);
	mikey_group_stats(g, &st);
	CHECK(st.talkers == MIKEY_GROUP_TALKERS_MAX && st.talkers_evicted == 0);
	for (int k = 0; k < 20; k++) {
		len = kl;
		memcpy(pkt, keep, kl);
		pkt[14] ^= 1;
		CHECK(mikey_group_unprotect_with(g, leg + 1 + (uint64_t)k, "grp", &only, 1, pkt,
						 &len, 3, &who) == LIM_E_AUTH);
	}
	mikey_group_stats(g, &st);
	CHECK(st.talkers == MIKEY_GROUP_TALKERS_MAX && st.talkers_evicted == 0);
	/* (legs 1, 2 and 9 were used at time 1, the others at 2: one of the three goes) */
	len = kl;
	memcpy(pkt, keep, kl);
	CHECK(mikey_group_unprotect_with(g, leg, "grp", &only, 1, pkt, &len, 3, &who) == LIM_OK);
	mikey_group_stats(g, &st);
	CHECK(st.talkers == MIKEY_GROUP_TALKERS_MAX && st.talkers_evicted == 1);
	/* every leg still finds its own session after the removals shifted the table */
	for (uint64_t l = 100; l <= leg; l += 97) {
		len = kl;
		memcpy(pkt, keep, kl);
		CHECK(mikey_group_unprotect_with(g, l, "grp", &only, 1, pkt, &len, 3, &who) ==
		      LIM_E_STATE);
	}
	/* the GMK dropped: every leg's session of it goes */
	CHECK(mikey_group_drop_gmk(g, tv[1].gmk_id) == LIM_OK);
	mikey_group_stats(g, &st);
	CHECK(st.talkers == 0);
	lim_srtp_free(tx);
	mikey_group_free(g);
}

/* Decrypts pkt[0..*len) on leg at time 1, only the one GMK of "grp". */
static enum lim_err on_leg(struct mikey_group *g, uint64_t leg, uint32_t gmk_id, uint8_t *pkt,
			   size_t *len, struct mikey_group_talker *who)
{
	return mikey_group_unprotect_with(g, leg, "grp", &gmk_id, 1, pkt, len, 1, who);
}

/* What one session for every leg gave, kept with a session per leg: a leg that joins a stream
 * after its sequence numbers wrapped starts from the ROC other legs reached (no ROC in the
 * packets: before, a new leg's session guessed ROC 0 and nothing authenticated), and no leg
 * takes a packet more than the replay window behind the newest any leg had (an old packet sent
 * again on a new leg: before the reference, a new leg's empty window took it). Each packet's
 * index is told (who.index). */
static void t_group_legs_ref(void)
{
	struct tv tv[8];
	struct lim_srtp *tx = NULL;
	struct mikey_group *g = one_gmk(tv, false, &tx);
	uint8_t pkt[256], clear[256], old[256], old2[256];
	size_t len = 0, cl = 0, ol = 0, ol2 = 0;
	struct mikey_group_talker who;
	/* leg 1 follows the stream across the wrap: 65530 .. 65535, 0 .. 5 */
	for (uint32_t i = 0; i < 12; i++) {
		uint16_t seq = (uint16_t)(65530 + i);
		make(tx, seq, 42, "around the wrap", pkt, sizeof pkt, &len, clear, &cl);
		if (i == 0) {
			memcpy(old, pkt, len);
			ol = len;
		}
		CHECK(on_leg(g, 1, tv[1].gmk_id, pkt, &len, &who) == LIM_OK);
		CHECK(who.index == 65530 + i);
	}
	/* leg 2 joins at seq 6 of ROC 1 */
	make(tx, 6, 42, "late leg", pkt, sizeof pkt, &len, clear, &cl);
	memcpy(old2, pkt, len);
	ol2 = len;
	CHECK(on_leg(g, 2, tv[1].gmk_id, pkt, &len, &who) == LIM_OK && len == cl &&
	      memcmp(pkt, clear, cl) == 0 && who.index == 65536 + 6);
	memcpy(pkt, old2, ol2);
	len = ol2;
	CHECK(on_leg(g, 1, tv[1].gmk_id, pkt, &len, &who) == LIM_OK && who.index == 65536 + 6);
	/* the stream goes on, 2000 packets later */
	make(tx, 2006, 42, "later", pkt, sizeof pkt, &len, clear, &cl);
	CHECK(on_leg(g, 1, tv[1].gmk_id, pkt, &len, &who) == LIM_OK && who.index == 65536 + 2006);
	/* old packets sent again on a new leg (and on the late one): refused as replays, left as
	 * they came */
	memcpy(pkt, old, ol);
	len = ol;
	CHECK(on_leg(g, 3, tv[1].gmk_id, pkt, &len, &who) == LIM_E_STATE && len == ol &&
	      memcmp(pkt, old, ol) == 0);
	memcpy(pkt, old2, ol2);
	len = ol2;
	CHECK(on_leg(g, 4, tv[1].gmk_id, pkt, &len, &who) == LIM_E_STATE);
	/* one within the window of the newest still goes on a new leg */
	make(tx, 1500, 42, "reordered", pkt, sizeof pkt, &len, clear, &cl);
	CHECK(on_leg(g, 5, tv[1].gmk_id, pkt, &len, &who) == LIM_OK && who.index == 65536 + 1500);
	/* another SSRC of the talker is followed apart */
	make(tx, 9, 43, "second ssrc", pkt, sizeof pkt, &len, clear, &cl);
	CHECK(on_leg(g, 3, tv[1].gmk_id, pkt, &len, &who) == LIM_OK && who.index == 9);
	lim_srtp_free(tx);
	mikey_group_free(g);
}

const struct lim_suite t_group_suites[] = {
	{ "group-talkers", t_group_talkers },   { "group-hostile", t_group_hostile },
	{ "group-rollover", t_group_rollover }, { "group-profiles", t_group_profiles },
	{ "group-rtcp", t_group_rtcp },         { "group-noauth", t_group_noauth },
	{ "group-decoy", t_group_decoy },       { "group-legs", t_group_legs },
	{ "group-legs-ref", t_group_legs_ref }, { NULL, NULL }
};
