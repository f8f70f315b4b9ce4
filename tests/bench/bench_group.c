/* Group media decryption speed (issue 9 "Benchmark"): limf's mikey_group_unprotect (per-packet
 * MKI lookup, talker sessions derived on first sight) against the bare libsrtp2 loop of the
 * replay benchmark (memcpy + srtp_unprotect_mki on the talker's context, the talker known in
 * advance), over the same packets in the same run.
 *
 * Traffic: one GMK (the Etherstack interop vector's), 10 talkers with their own GUK-IDs taking
 * turns in bursts of 50 packets, each its own SSRC; AEAD_AES_128_GCM with MKI = GMK-ID || GUK-ID
 * and the RFC 4771 ROC trailer on every packet (TS 33.180 media, R = 1); 160-octet payloads
 * (20 ms of G.711). The floor gets the packets with their ROC trailer stripped, as
 * tests/bench/replay_floor.c does (libsrtp2 has no RCC). Each loop is timed over all packets
 * with fresh state, best of RUNS; prints packets/s of both and the ratio (target >= 0.7).
 * Exit 1 if any packet fails in either loop. */
#include <srtp2/srtp.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "decrypt/group.h"
#include "decrypt/unwrap.h"

#define TALKERS 10
#define BURST   50
#define PACKETS 200000
#define PAYLOAD 160
#define RUNS    5
#define PKT_CAP 256
#define FAIL(what)                                                                                 \
	do {                                                                                       \
		fprintf(stderr, "bench_group: %s failed\n", what);                                 \
		return 1;                                                                          \
	} while (0)

static const uint8_t GMK[16] = { 0xfc, 0xfe, 0x65, 0xcd, 0x96, 0x7c, 0x58, 0xd2,
				 0x60, 0xb6, 0x03, 0xcc, 0xb9, 0xa8, 0x87, 0xa9 };
static const uint8_t RAND[16] = { 0x68, 0x19, 0xe6, 0x79, 0x46, 0x11, 0x20, 0xe1,
				  0x0a, 0xc4, 0x58, 0xcc, 0xe6, 0x7b, 0x80, 0x24 };
#define GMK_ID 0x09bf9d37u

struct pkt {
	uint8_t b[PKT_CAP];
	uint16_t len;
	uint8_t talker;
};

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int main(void)
{
	static struct pkt pk[PACKETS];
	static uint8_t keysalt[TALKERS][28];
	static uint8_t mki[TALKERS][8];
	char uri[TALKERS][64];
	struct lim_srtp *tx[TALKERS];
	uint16_t seq[TALKERS];
	int rc = 1;

	/* libsrtp2 is initialised by the first lim_srtp session (a second srtp_init fails) */
	for (int t = 0; t < TALKERS; t++) {
		uint32_t guk = 0;
		snprintf(uri[t], sizeof uri[t], "sip:talker%02d@mcx.example.org", t);
		if (mikey_group_talker_key(MIKEY_PRF_HMAC_SHA256, GMK, sizeof GMK, GMK_ID, RAND,
					   sizeof RAND, uri[t], strlen(uri[t]), keysalt[t], 16,
					   keysalt[t] + 16, 12, &guk) != LIM_OK)
			FAIL("mikey_group_talker_key");
		put32(mki[t], GMK_ID);
		put32(mki[t] + 4, guk);
		if (lim_srtp_new_tx(LIM_SRTP_AEAD_AES_128_GCM, keysalt[t], 16, keysalt[t] + 16, 12,
				    mki[t], 8, &tx[t]) != LIM_OK ||
		    lim_srtp_set_rcc(tx[t], LIM_SRTP_RCCM3, 1) != LIM_OK)
			FAIL("sender");
		seq[t] = (uint16_t)(1000 * t);
	}
	for (size_t i = 0; i < PACKETS; i++) {
		int t = (int)((i / BURST) % TALKERS);
		struct pkt *p = &pk[i];
		size_t n = 12 + PAYLOAD;
		uint16_t s = seq[t]++;
		memset(p->b, 0, sizeof p->b);
		p->b[0] = 0x80;
		p->b[2] = (uint8_t)(s >> 8);
		p->b[3] = (uint8_t)s;
		put32(p->b + 4, 160u * s);
		put32(p->b + 8, 0x5000u + (uint32_t)t);
		for (size_t k = 12; k < n; k++)
			p->b[k] = (uint8_t)(k * 31 + i);
		if (lim_srtp_protect(tx[t], p->b, &n, sizeof p->b) != LIM_OK)
			FAIL("lim_srtp_protect");
		p->len = (uint16_t)n;
		p->talker = (uint8_t)t;
	}

	double best_floor = 1e9, best_limf = 1e9;
	uint64_t fails = 0;
	for (int run = 0; run < RUNS; run++) {
		/* floor: libsrtp2 contexts per talker, the talker known, the trailer stripped */
		srtp_t ctx[TALKERS];
		for (int t = 0; t < TALKERS; t++) {
			srtp_policy_t pol;
			srtp_master_key_t mk = { .key = keysalt[t],
						 .mki_id = mki[t],
						 .mki_size = 8 };
			srtp_master_key_t *mks[1] = { &mk };
			memset(&pol, 0, sizeof pol);
			srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol.rtp);
			srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol.rtcp);
			pol.ssrc.type = ssrc_any_inbound;
			pol.keys = mks;
			pol.num_master_keys = 1;
			pol.window_size = 1024;
			if (srtp_create(&ctx[t], &pol) != srtp_err_status_ok)
				FAIL("srtp_create");
		}
		uint8_t buf[PKT_CAP];
		double t0 = (double)lim_mono_ns() / 1e9;
		for (size_t i = 0; i < PACKETS; i++) {
			int n = pk[i].len - 4;
			memcpy(buf, pk[i].b, (size_t)n);
			if (srtp_unprotect_mki(ctx[pk[i].talker], buf, &n, 1) != srtp_err_status_ok)
				fails++;
		}
		double tf = (double)lim_mono_ns() / 1e9 - t0;
		for (int t = 0; t < TALKERS; t++)
			srtp_dealloc(ctx[t]);

		/* limf: one table with the GMK and the members; talkers derived on first sight */
		struct mikey_group *g = NULL;
		struct mikey_group_key gm = { .gmk_id = GMK_ID,
					      .gmk = GMK,
					      .gmk_len = sizeof GMK,
					      .rand = RAND,
					      .rand_len = sizeof RAND,
					      .prf = MIKEY_PRF_HMAC_SHA256,
					      .profile = LIM_SRTP_AEAD_AES_128_GCM,
					      .rcc_mode = LIM_SRTP_RCCM3,
					      .rcc_rate = 1,
					      .group = "sip:bench-group@mcx.example.org" };
		if (mikey_group_new(&g) != LIM_OK || mikey_group_add_gmk(g, &gm) != LIM_OK)
			FAIL("mikey_group_add_gmk");
		for (int t = 0; t < TALKERS; t++)
			if (mikey_group_add_member(g, gm.group, uri[t], strlen(uri[t])) != LIM_OK)
				FAIL("mikey_group_add_member");
		t0 = (double)lim_mono_ns() / 1e9;
		for (size_t i = 0; i < PACKETS; i++) {
			size_t n = pk[i].len;
			struct mikey_group_talker who;
			memcpy(buf, pk[i].b, n);
			if (mikey_group_unprotect(g, buf, &n, 1, &who) != LIM_OK || !who.uri)
				fails++;
		}
		double tl = (double)lim_mono_ns() / 1e9 - t0;
		mikey_group_free(g);
		if (tf < best_floor)
			best_floor = tf;
		if (tl < best_limf)
			best_limf = tl;
	}
	for (int t = 0; t < TALKERS; t++)
		lim_srtp_free(tx[t]);
	printf("group media: %d talkers, %d packets (GCM, MKI GMK-ID||GUK-ID, ROC trailer), best "
	       "of "
	       "%d\n",
	       TALKERS, PACKETS, RUNS);
	printf("  floor (libsrtp2, talker known) %10.0f pkt/s\n", PACKETS / best_floor);
	printf("  limf mikey_group_unprotect     %10.0f pkt/s\n", PACKETS / best_limf);
	printf("  ratio limf/floor %.2f (target >= 0.7)  failures %llu\n", best_floor / best_limf,
	       (unsigned long long)fails);
	rc = fails ? 1 : 0;
	return rc;
}
