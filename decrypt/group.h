/* Group media of the 3GPP MC profile (issue 9; TS 33.180 s5.7 GMK, s7.4 media keys, Annex E):
 * a table of the group master keys (GMKs) recovered for targets and, per talker, the SRTP
 * session derived from a GMK as that talker's packets arrive.
 *
 * TS 33.180: every member of a group receives the group's GMK (the SSV of a MIKEY-SAKKE
 * I_MESSAGE whose CSB ID is the member's GUK-ID) with its GMK-ID and GMK-RAND (the message's
 * RAND). A talker protects its media with the master key and salt PRF(GMK, CS ID 4, CSB ID =
 * its own GUK-ID, GMK-RAND) and puts MKI = GMK-ID || GUK-ID (8 octets) in every SRTP and SRTCP
 * packet, so the receiver needs no list of talkers: the MKI names the GMK and the talker, and
 * the keys follow from them. GUK-ID = GMK-ID XOR the 28 low bits of HMAC-SHA-256(GMK, 0x50 ||
 * URI || len16(URI)) (mikey_guk_id): knowing a member's MC service ID (URI) tells which GUK-ID
 * is theirs, so a talker is named by URI only when that URI is among the members the caller
 * registered (mikey_group_add_member); otherwise only by GUK-ID, never guessed.
 *
 * Where the MKI sits (decrypt/srtp.h): RFC 3711 puts it after the encrypted portion and before
 * the authentication tag; RFC 7714 (AEAD_AES_128_GCM) after the ciphertext including its
 * 16-octet tag; the RFC 4771 ROC trailer of RCC packets (TS 33.180 RCCm3 with GCM) follows the
 * MKI. mikey_group_unprotect tries the positions the GMK's profile allows, newest first: with an
 * 8-octet MKI, len - 8 - 4 (ROC trailer) and len - 8 (GCM and RCCm1/m3 packets without ROC),
 * len - 8 - t (HMAC tag of t octets, also RCCm2 ROC || MAC_tr). A position is a candidate only
 * when its first four octets are a known GMK-ID and the next four have the GMK-ID's purpose tag
 * (the top 4 bits: TS 33.180 E.? keeps them in the GUK-ID); the packet then authenticates or it
 * does not.
 *
 * Legs (the copies of one packet): a group server relays each talker's packet unchanged to
 * every member, one SIP call (leg) each, and an interception point may see several legs. A
 * talker session's replay window would refuse every copy after the first, and a leg whose
 * copies are all refused (one intercepted under a warrant the first leg's is not) would get no
 * content at all. So the _with functions keep a talker's sessions per leg: a caller-chosen
 * non-zero ID (the call), each with its own replay window and ROC; mikey_group_drop_leg frees
 * a leg's sessions when its call ends. Leg 0 is the forms without a leg. What the shared
 * window gave is kept by a reference per talker: for each of its recent SSRCs the highest index
 * any leg authenticated. A leg's first packet of a stream starts from that index's ROC (a leg
 * that joins a long call late), and no leg takes a packet more than the replay window (1024)
 * behind it (LIM_E_STATE: an old packet sent again on a new leg). Which LIID has already had
 * which copy is the caller's to tell (limf/pipeline.c, by mikey_group_talker.index).
 *
 * Hostile input: a packet with a known GMK-ID and an unknown GUK-ID costs one key derivation
 * and one session set-up (about 10 us); a talker session is kept only once it authenticated a
 * packet, so forged MKIs cannot fill the table (a member holding the GMK can make talkers, one
 * session per leg each). Caps: MIKEY_GROUP_GMKS_MAX GMKs; MIKEY_GROUP_TALKERS_MAX talker
 * sessions, all legs together, and as many references: then the least recently used goes for a
 * new one that authenticated (a session gone is made again at its talker's next packet, from
 * the reference); MIKEY_GROUP_MEMBERS_MAX member URIs.
 *
 * Secrets: GMKs live in OPENSSL_secure_malloc memory, the derived master keys only inside
 * decrypt/srtp sessions; everything is wiped by mikey_group_drop_gmk / mikey_group_free.
 * Not thread-safe: one thread per table. Pure: no I/O, nothing logged. */
#ifndef LIM_DECRYPT_GROUP_H
#define LIM_DECRYPT_GROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "decrypt/kdf.h"
#include "decrypt/srtp.h"

#define MIKEY_GROUP_GMKS_MAX    256
#define MIKEY_GROUP_TALKERS_MAX 4096
#define MIKEY_GROUP_MEMBERS_MAX 8192
#define MIKEY_GROUP_ID_MAX      256 /* octets of a group ID / member URI */
#define MIKEY_GROUP_MKI_LEN     8   /* GMK-ID || GUK-ID */

struct mikey_group;

/* One GMK as recovered from a GMK I_MESSAGE (copied by mikey_group_add_gmk). */
struct mikey_group_key {
	uint32_t gmk_id;
	const uint8_t *gmk; /* the SSV: 16 or 32 octets (any 1..32 accepted) */
	size_t gmk_len;
	const uint8_t *rand; /* GMK-RAND: the I_MESSAGE's RAND payload, 1..255 octets */
	size_t rand_len;
	enum mikey_prf prf;                   /* of that I_MESSAGE (TS 33.180: PRF-HMAC-SHA-256) */
	enum lim_srtp_profile profile;        /* of its SP payload; TS 33.180: AEAD_AES_128_GCM */
	unsigned rcc_mode, rcc_rate;          /* RFC 4771 (enum lim_srtp_rcc, R), 0/0 for none */
	const char *group;                    /* the group ID the GMK keys (NUL-terminated) */
	uint64_t not_before_ns, not_after_ns; /* validity (0 = unbounded), UNIX ns */
};

/* Who sent a packet that mikey_group_unprotect decrypted. Views die with the next call that
 * changes the table. */
struct mikey_group_talker {
	uint32_t gmk_id, guk_id;
	const char *group; /* of the GMK */
	const char *uri; /* the member whose GUK-ID it is, NULL when no registered member has it */
	uint64_t index;  /* the RTP packet's index, ROC || SEQ (RFC 3711 s3.3.1); 0 for SRTCP */
};

/* Creates an empty table; *out is the caller's (mikey_group_free). LIM_E_NOMEM. */
enum lim_err mikey_group_new(struct mikey_group **out) LIM_WUR;

/* Adds (or, for a GMK-ID already present with the same GMK, refreshes the group and validity
 * of) a GMK. A GMK-ID already present with a different GMK (or RAND, PRF, profile, RCC) is
 * refused, LIM_E_STATE, and the GMK in use stays: a GMK-ID names one GMK, and a forged GMK
 * message signed by any other community member would otherwise replace a real group's GMK.
 * Only when the present GMK's validity ended (not_after, not 0) at or before the new one's
 * not_before does the new one replace it, dropping the talker sessions derived from the old.
 * GUK-IDs of the group's registered members are computed for it. LIM_E_ARG: bad lengths, empty
 * group, group longer than MIKEY_GROUP_ID_MAX - 1, unknown profile; LIM_E_UNSUPP: an AES-CM
 * profile under RCCm1 or RCCm3 (no integrity, srtp.h); LIM_E_LIMIT: table full; LIM_E_NOMEM,
 * LIM_E_CRYPTO. */
enum lim_err mikey_group_add_gmk(struct mikey_group *g, const struct mikey_group_key *in) LIM_WUR;

/* Forgets a GMK and wipes it and its talker sessions. LIM_E_ARG when unknown. */
enum lim_err mikey_group_drop_gmk(struct mikey_group *g, uint32_t gmk_id) LIM_WUR;

/* Forgets (wipes) every GMK of group, with their talker sessions; returns how many. */
size_t mikey_group_drop_group(struct mikey_group *g, const char *group);

/* Registers uri (urilen octets, no NUL) as a member of group (as seen in signalling: the
 * group document, the From of a talker's SIP leg...): its GUK-ID under each of the group's
 * GMKs, present and future, names its packets. Idempotent. LIM_E_ARG: empty or too long, NUL
 * inside; LIM_E_LIMIT: MIKEY_GROUP_MEMBERS_MAX reached; LIM_E_NOMEM, LIM_E_CRYPTO. */
enum lim_err mikey_group_add_member(struct mikey_group *g, const char *group, const char *uri,
				    size_t urilen) LIM_WUR;

/* The member URI with that GUK-ID under that GMK, or NULL. */
const char *mikey_group_member_of(const struct mikey_group *g, uint32_t gmk_id, uint32_t guk_id);

/* Does pkt[0..len) end with an MKI naming a GMK of the table (at one of the positions above)?
 * Cheap (no crypto): lets a caller route a packet of unknown media to the group code. When
 * gmk_id is not NULL it gets the GMK-ID found. */
bool mikey_group_claims(const struct mikey_group *g, const uint8_t *pkt, size_t len,
			uint32_t *gmk_id);

/* Verifies and decrypts one SRTP packet of group media in place, at capture time ts_ns (a GMK
 * outside its validity at ts_ns is not used). On LIM_OK pkt[0..*len) is the clear RTP packet
 * and *who says which GMK and talker. Errors: LIM_E_AUTH: no MKI names a usable GMK, or the
 * packet does not authenticate under the talker's key; LIM_E_STATE: replayed (also on another
 * leg, more than the window behind: see the top); LIM_E_PARSE: not SRTP; LIM_E_ARG; LIM_E_NOMEM,
 * LIM_E_CRYPTO. On failure *len is unchanged and *who zeroed. */
enum lim_err mikey_group_unprotect(struct mikey_group *g, uint8_t *pkt, size_t *len, uint64_t ts_ns,
				   struct mikey_group_talker *who) LIM_WUR;

/* The same for one SRTCP packet of group media (RFC 3711 s3.4, RFC 7714 s9): the MKI follows
 * the E-flag and SRTCP index, before the 10-octet HMAC tag (AES-CM) or last (GCM). On LIM_OK
 * pkt[0..*len) is the clear RTCP compound packet. Errors as mikey_group_unprotect. */
enum lim_err mikey_group_unprotect_rtcp(struct mikey_group *g, uint8_t *pkt, size_t *len,
					uint64_t ts_ns, struct mikey_group_talker *who) LIM_WUR;

/* For a caller that puts each GMK's use on an audit log before it decrypts anything with it
 * (DESIGN.md s5 invariant 2): mikey_group_which names the first GMK of group that an MKI of
 * pkt (SRTCP when rtcp) names and that is usable at ts_ns, in mikey_group_unprotect's order;
 * false when there is none (no crypto: a forged MKI is named too). The _with
 * forms are mikey_group_unprotect and _rtcp using only the GMKs gmk_ids[0..n) that key group
 * (any other as if not held; n 0 or group NULL: none, LIM_E_AUTH), and the talker sessions of
 * leg (see the top). */
bool mikey_group_which(const struct mikey_group *g, const uint8_t *pkt, size_t len, bool rtcp,
		       uint64_t ts_ns, const char *group, uint32_t *gmk_id);
/* The first GMK as mikey_group_which names it that is not one of known[0..n_known): a caller
 * that audits each GMK before its use audits every GMK an MKI of the packet names for the group,
 * not only the first, and then decrypts with all of them (_with): a GMK whose ID another's
 * MKI holds at another offset (a decoy an insider distributed for the group: a GMK-ID equal to
 * a talker's GUK-ID) must not stand in for the talker's own GMK. */
bool mikey_group_which_new(const struct mikey_group *g, const uint8_t *pkt, size_t len, bool rtcp,
			   uint64_t ts_ns, const char *group, const uint32_t *known, size_t n_known,
			   uint32_t *gmk_id);
enum lim_err mikey_group_unprotect_with(struct mikey_group *g, uint64_t leg, const char *group,
					const uint32_t *gmk_ids, size_t n, uint8_t *pkt,
					size_t *len, uint64_t ts_ns,
					struct mikey_group_talker *who) LIM_WUR;
enum lim_err mikey_group_unprotect_rtcp_with(struct mikey_group *g, uint64_t leg, const char *group,
					     const uint32_t *gmk_ids, size_t n, uint8_t *pkt,
					     size_t *len, uint64_t ts_ns,
					     struct mikey_group_talker *who) LIM_WUR;

/* Wipes and frees the talker sessions of leg (not 0; see the top); returns how many. */
size_t mikey_group_drop_leg(struct mikey_group *g, uint64_t leg);

/* Counters of the table. */
struct mikey_group_stats {
	size_t gmks, talkers, members;
	/* talkers_evicted: sessions that went for a new one, the table full */
	uint64_t decrypted, auth_failed, no_gmk, talkers_evicted;
};
void mikey_group_stats(const struct mikey_group *g, struct mikey_group_stats *out);

/* Wipes and frees everything; NULL is a no-op. */
void mikey_group_free(struct mikey_group *g);

#endif
