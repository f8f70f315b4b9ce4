/* libFuzzer target: group media packets (decrypt/group.h). A table holding the Etherstack GMK
 * of the interop vectors, in GCM/RCCm3 and AES-CM/HMAC layouts, with one registered member; the
 * input is one packet (first octet: bit 0 which table, bit 1 SRTCP). Whatever arrives must be
 * refused or decrypt within bounds, and the forged-MKI rule must hold: no talker session survives a
 * packet that did not authenticate. Deterministic, no I/O. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decrypt/group.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mikey_group *tab[2];

static void setup(void)
{
	static const uint8_t gmk[16] = { 0xfc, 0xfe, 0x65, 0xcd, 0x96, 0x7c, 0x58, 0xd2,
					 0x60, 0xb6, 0x03, 0xcc, 0xb9, 0xa8, 0x87, 0xa9 };
	static const uint8_t rnd[16] = { 0x68, 0x19, 0xe6, 0x79, 0x46, 0x11, 0x20, 0xe1,
					 0x0a, 0xc4, 0x58, 0xcc, 0xe6, 0x7b, 0x80, 0x24 };
	static const char uri[] = "sip:p25user01@etherstack.com";
	for (int i = 0; i < 2; i++) {
		struct mikey_group_key g = { .gmk_id = 0x09bf9d37,
					     .gmk = gmk,
					     .gmk_len = sizeof gmk,
					     .rand = rnd,
					     .rand_len = sizeof rnd,
					     .prf = MIKEY_PRF_HMAC_SHA256,
					     .profile = i ? LIM_SRTP_AES128_CM_SHA1_80
							  : LIM_SRTP_AEAD_AES_128_GCM,
					     .rcc_mode = i ? LIM_SRTP_RCCM2 : LIM_SRTP_RCCM3,
					     .rcc_rate = 1,
					     .group = "sip:grp@etherstack.com" };
		if (mikey_group_new(&tab[i]) != LIM_OK ||
		    mikey_group_add_gmk(tab[i], &g) != LIM_OK ||
		    mikey_group_add_member(tab[i], g.group, uri, sizeof uri - 1) != LIM_OK)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pkt[2048];
	struct mikey_group_stats before, after;
	struct mikey_group_talker who;

	if (!tab[0])
		setup();
	if (size < 1 || size - 1 > sizeof pkt)
		return 0;
	struct mikey_group *g = tab[data[0] & 1];
	size_t len = size - 1;
	memcpy(pkt, data + 1, len);
	mikey_group_stats(g, &before);
	/* second bit of the first octet: SRTCP; third: as the pipeline does, the GMK named
	 * first (mikey_group_which), then a decryption with it alone, which only that GMK may
	 * have done */
	bool rtcp = (data[0] & 2) != 0, named = false;
	uint32_t gid = 0;
	/* fourth bit: another group's name, which no GMK keys */
	const char *grp = (data[0] & 8) ? "sip:other@etherstack.com" : "sip:grp@etherstack.com";
	enum lim_err rc;
	if (data[0] & 4) {
		named = mikey_group_which(g, pkt, len, rtcp, 1, grp, &gid);
		if (named && (gid != 0x09bf9d37 || (data[0] & 8)))
			abort();
		/* fifth and sixth bits: the leg (decrypt/group.h), 0 being the forms without one */
		uint64_t leg = (uint64_t)(data[0] >> 4 & 3);
		rc = rtcp ? mikey_group_unprotect_rtcp_with(g, leg, grp, &gid, named, pkt, &len, 1,
							    &who)
			  : mikey_group_unprotect_with(g, leg, grp, &gid, named, pkt, &len, 1,
						       &who);
		if (rc == LIM_OK && (!named || who.gmk_id != gid))
			abort();
	} else {
		rc = rtcp ? mikey_group_unprotect_rtcp(g, pkt, &len, 1, &who)
			  : mikey_group_unprotect(g, pkt, &len, 1, &who);
	}
	mikey_group_stats(g, &after);
	/* seventh bit: the leg's sessions dropped afterwards (a call that ended) */
	if (data[0] & 64) {
		uint64_t leg = (uint64_t)(data[0] >> 4 & 3);
		size_t n = mikey_group_drop_leg(g, leg);
		struct mikey_group_stats left;
		mikey_group_stats(g, &left);
		if (n > after.talkers || left.talkers != after.talkers - n ||
		    mikey_group_drop_leg(g, leg) != 0 || (leg == 0 && n != 0))
			abort();
	}
	if (rc == LIM_OK) {
		if (len > size - 1 || who.gmk_id != 0x09bf9d37 || !who.group)
			abort();
	} else {
		if (len != size - 1 || who.gmk_id || who.uri)
			abort();
		if (after.talkers > before.talkers)
			abort();
	}
	return 0;
}
