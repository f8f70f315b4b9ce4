/* SRTP sessions for decrypting intercepted MC media (RFC 3711, RFC 7714 AEAD-GCM) and for
 * generating test traffic, libsrtp2 kept behind one wrapper file (decrypt/srtp_wrap.c, STYLE.md
 * rule 3), plus the RFC 4771 ROC carriage (RCC) that libsrtp does not implement.
 *
 * A struct lim_srtp is an opaque receive (lim_srtp_new) or send (lim_srtp_new_tx) session for one
 * master key (+ optional MKI), matching any SSRC, with a 1024-packet replay window per SSRC. It is
 * not thread-safe: one thread per session at a time. Packet failures are per packet (not
 * sticky): a forged or corrupted packet on the wire must not stop the stream's decryption.
 * The master key and salt are kept in OPENSSL_secure_malloc memory (new streams need them) and
 * wiped by lim_srtp_free.
 *
 * ROC (RFC 3711 s3.3.1): the wrapper keeps, per SSRC (at most LIM_SRTP_STREAMS_MAX), the highest
 * authenticated index and estimates each packet's ROC by RFC 3711 Appendix A; a ROC carried in
 * the packet (RCC) or set by lim_srtp_set_roc takes precedence for that packet.
 *
 * RCC packet layout (RFC 4771 s3, s4; RFC 3711 s3.1 puts the MKI before the authentication tag
 * field, and RCC puts its TAG in that field). A packet "carries the ROC" when its RTP sequence
 * number SEQ satisfies SEQ mod R == 0 (RFC 4771 s3.1: SEQ, not the 48-bit index). ROC is 4
 * octets big-endian, t = the profile's tag length:
 *   HMAC-SHA1 profiles, RCCm1 / RCCm2 (MIKEY SP auth alg 2 / 3):
 *     ROC packets:   RTP header || ciphertext || [MKI] || ROC || MAC_tr
 *                    MAC_tr = first t-4 octets of HMAC-SHA1(k_a, authenticated portion || ROC),
 *                    i.e. the default tag truncated by 32 bits (RFC 4771 s3.1). The tag field
 *                    keeps its length t, so the packet is as long as without RCC.
 *     other packets: RCCm1: header || ciphertext || [MKI]       (no tag: no integrity, s4)
 *                    RCCm2: header || ciphertext || [MKI] || tag (default transform, s4)
 *     Needs t > 4: LIM_SRTP_AES128_CM_SHA1_32 (t = 4, MAC_tr empty) is refused (LIM_E_UNSUPP).
 *   HMAC-SHA1 profiles, RCCm3 (auth alg 4, no integrity, s4): ROC packets
 *     header || ciphertext || [MKI] || ROC, others header || ciphertext || [MKI]; nothing is
 *     authenticated.
 *   Receive sessions refuse RCCm1 and RCCm3 on the HMAC-SHA1 profiles (LIM_E_UNSUPP): packets
 *   without a tag decrypt "successfully" under any key, so a session could not tell its own
 *   stream from another's or from forged packets. Send sessions keep them (test traffic).
 *   AEAD_AES_128_GCM, RCCm3 (the 3GPP MC profile: TS 33.180 media security asks for
 *     AEAD_AES_128_GCM with the RFC 4771 ROC; the clause number was not verified here. RFC 7714
 *     s7.2: the 16-octet GCM tag is the tail of the ciphertext, the MKI follows it):
 *     ROC packets:   RTP header || ciphertext incl. 16-octet GCM tag || [MKI] || ROC
 *     other packets: RTP header || ciphertext incl. 16-octet GCM tag || [MKI]
 *     The carried ROC is not in the AAD but enters the IV through the packet index (RFC 7714
 *     s8.1), so a forged ROC fails the GCM tag. Receive side tolerance (DESIGN.md s4 "accept
 *     vendor traffic"): a ROC packet that fails with the trailer is retried as a packet without
 *     it (one interop vendor signals RCCm3 but sends no trailer).
 *     RCCm1 / RCCm2 with GCM are refused (LIM_E_UNSUPP): there is no separate MAC to truncate.
 */
#ifndef LIM_SRTP_H
#define LIM_SRTP_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

struct lim_srtp;

enum lim_srtp_profile {
	LIM_SRTP_AES128_CM_SHA1_80, /* RFC 3711: 16-octet key, 14-octet salt, 10-octet tag */
	LIM_SRTP_AES128_CM_SHA1_32, /* RFC 3711: 16-octet key, 14-octet salt, 4-octet tag */
	LIM_SRTP_AEAD_AES_128_GCM   /* RFC 7714: 16-octet key, 12-octet salt, 16-octet tag */
};

#define LIM_SRTP_MKI_MAX     128   /* libsrtp2 SRTP_MAX_MKI_LEN */
#define LIM_SRTP_STREAMS_MAX 64    /* SSRCs whose ROC a session tracks (STYLE.md rule 10) */
#define LIM_SRTP_RATE_MAX    65535 /* R is 16 bits in MIKEY (RFC 4771 s5) */

/* RFC 4771 RCC modes; the values are MIKEY SP SRTP auth algorithm (type 2) minus 1. */
enum lim_srtp_rcc {
	LIM_SRTP_RCC_NONE = 0,
	LIM_SRTP_RCCM1 = 1,
	LIM_SRTP_RCCM2 = 2,
	LIM_SRTP_RCCM3 = 3
};

/* Lengths a profile requires: master key, master salt, authentication tag. LIM_E_ARG for an
 * unknown profile (outputs then zero). */
enum lim_err lim_srtp_profile_params(enum lim_srtp_profile profile, size_t *keylen, size_t *saltlen,
				     size_t *taglen) LIM_WUR;

/* Creates a receive session. key/salt: the SRTP master key and salt (copied; exactly the
 * profile's lengths, else LIM_E_ARG); mki: the MKI carried in every packet (copied; NULL with
 * mkilen 0 for none; at most LIM_SRTP_MKI_MAX octets, else LIM_E_ARG). For MIKEY-SAKKE MC
 * media the MKI is the 4-octet key ID (PCK-ID/CSK-ID) or GMK-ID||GUK-ID (TS 33.180 E.4).
 * *out is owned by the caller (lim_srtp_free). LIM_E_NOMEM / LIM_E_CRYPTO on library failure
 * (including a libsrtp2 built without GCM: LIM_E_UNSUPP). Calls srtp_init() once per process. */
enum lim_err lim_srtp_new(enum lim_srtp_profile profile, const uint8_t *key, size_t keylen,
			  const uint8_t *salt, size_t saltlen, const uint8_t *mki, size_t mkilen,
			  struct lim_srtp **out) LIM_WUR;

/* Verifies and decrypts one SRTP packet in place (receive sessions only, else LIM_E_STATE): on
 * LIM_OK pkt[0..*len) is the RTP packet (ROC trailer, MKI and tag removed). LIM_E_AUTH: bad tag or
 * unknown MKI (a packet without the session's MKI is refused before the replay window is read:
 * another key's packet is never called a replay); LIM_E_STATE: replayed or too old (replay
 * window); LIM_E_PARSE: not a parsable SRTP packet; LIM_E_ARG: NULL or *len > INT_MAX;
 * LIM_E_CRYPTO: other libsrtp failure; LIM_E_NOMEM: see below. On failure *len is unchanged; pkt
 * content is then unspecified (libsrtp may have decrypted part of it in place). Cost: no
 * allocation per packet; a GCM RCC packet is copied (for the no-trailer retry) only when it has no
 * MKI or its last MKI-length octets equal the MKI, into a session buffer grown on first use (to at
 * most 64 KiB; larger packets use a temporary copy). The libsrtp stream's ROC is set only when
 * libsrtp would not derive the packet's ROC by itself (late join, jump, lim_srtp_set_roc). */
enum lim_err lim_srtp_unprotect(struct lim_srtp *s, uint8_t *pkt, size_t *len) LIM_WUR;

/* The library's one-time initialisation (srtp_init: its cipher self-tests and crypto
 * back end), which lim_srtp_new / lim_srtp_new_tx otherwise do at the first session: a caller may
 * run it early, e.g. on a thread of its own beside other start-up work. Thread-safe (once per
 * process). With libsrtp2 built on NSS (Debian's; LIM_SRTP_NSS from the Makefile) it first
 * initialises NSS for the rest of the process, without "optimize space": the softoken then
 * has a lock per few sessions instead of one for all, which sessions used on several threads
 * at once would contend for on every packet (srtp_wrap.c). Then it puts limf's OpenSSL cipher
 * and HMAC types (decrypt/srtp_ossl.h) into libsrtp2 for the profiles limf uses (AES-128-CM,
 * AEAD_AES_128_GCM, HMAC-SHA1 and the key derivation), after libsrtp2 has run their known
 * answers and those of the types they replace (LIM_SRTP_CRYPTO_OPENSSL, below). LIM_OK, or
 * LIM_E_CRYPTO when the library failed to initialise or a type failed its known answers. */
enum lim_err lim_srtp_init(void) LIM_WUR;

/* Whose AES and HMAC-SHA1 libsrtp2 computes with. OPENSSL: limf's types (srtp_ossl.h; the
 * default): one EVP context per cipher, nothing re-keyed per packet. LIBSRTP: the ones libsrtp2
 * was built with (Debian: NSS, a PKCS#11 context per packet): what a bare libsrtp2 does, kept
 * for the traffic generator (its packets are then made by an implementation independent of
 * the one limf decrypts them with) and for the benchmark's floor. The two compute the same
 * bytes. */
enum lim_srtp_crypto { LIM_SRTP_CRYPTO_OPENSSL, LIM_SRTP_CRYPTO_LIBSRTP };

/* Switches libsrtp2 to crypto c for the whole process (lim_srtp_init first if not done).
 * Sessions made before keep the crypto they were made with for their existing streams; call it
 * at start-up, before any session exists or any other thread uses lim_srtp. LIM_OK, or
 * LIM_E_CRYPTO (initialisation failed, or the type was refused: see lim_srtp_init). */
enum lim_err lim_srtp_set_crypto(enum lim_srtp_crypto c) LIM_WUR;

/* Creates a send session (traffic generator, round-trip tests): same arguments, ownership and
 * errors as lim_srtp_new. */
enum lim_err lim_srtp_new_tx(enum lim_srtp_profile profile, const uint8_t *key, size_t keylen,
			     const uint8_t *salt, size_t saltlen, const uint8_t *mki, size_t mkilen,
			     struct lim_srtp **out) LIM_WUR;

/* Protects one RTP packet in place (send sessions only, else LIM_E_STATE): pkt[0..*len) RTP in,
 * SRTP out. cap = capacity of pkt; it must be at least *len + MKI length + the profile's tag
 * length + 4 (the ROC, only when RCC is on), else LIM_E_LIMIT. LIM_E_PARSE: not an RTP packet
 * (shorter than its header, version != 2). LIM_E_STATE: this SSRC/index was already protected
 * (libsrtp refuses to reuse a keystream). On failure *len is unchanged. */
enum lim_err lim_srtp_protect(struct lim_srtp *s, uint8_t *pkt, size_t *len, size_t cap) LIM_WUR;

/* Turns on RFC 4771 ROC carriage (layout at the top of this file) for the session. mode:
 * enum lim_srtp_rcc (0 turns it off); rate: R, the MIKEY SP ROC transmission rate (param type
 * 13, RFC 4771 s5), 1..LIM_SRTP_RATE_MAX (when the SP omits it, callers use 1). Call before the
 * first packet, on both send and receive sessions. LIM_E_ARG: bad mode or rate; LIM_E_UNSUPP:
 * mode not usable with the profile (see above: GCM with RCCm1/2; HMAC-SHA1_32 with RCCm1/2;
 * on a receive session, HMAC-SHA1 with RCCm1/3, which leave packets unauthenticated);
 * LIM_E_STATE: a packet was already processed. */
enum lim_err lim_srtp_set_rcc(struct lim_srtp *s, unsigned mode, unsigned rate) LIM_WUR;

/* Sets the ROC of one SSRC's stream: the next packet of that SSRC uses exactly this ROC, later
 * ones are estimated from it (initial ROC from a MIKEY SRTP-ID map, RFC 3830 s6.1.1, or late
 * join). Works whether or not a packet of that SSRC was seen yet. LIM_E_LIMIT when
 * LIM_SRTP_STREAMS_MAX SSRCs are already tracked. A ROC below the one a stream already reached is
 * refused by the replay check of the next packet (LIM_E_STATE). */
enum lim_err lim_srtp_set_roc(struct lim_srtp *s, uint32_t ssrc, uint32_t roc) LIM_WUR;

/* Sets the highest index of one SSRC's stream to roc || seq, as if a packet of that index had
 * been authenticated: later packets are estimated from it (RFC 3711 Appendix A: one behind it by
 * less than 2^15 keeps its ROC, one past a wrap takes the next), and a packet that authenticates
 * below it does not move it back. For a stream that goes on in a new session from where an
 * earlier one had reached (its keys used again). Only on a session that has not processed a
 * packet of that SSRC: LIM_E_STATE otherwise; LIM_E_LIMIT as lim_srtp_set_roc. */
enum lim_err lim_srtp_set_top(struct lim_srtp *s, uint32_t ssrc, uint32_t roc,
			      uint16_t seq) LIM_WUR;

/* The ROC state of one SSRC's stream (RFC 3711 s3.3.1): *roc and *seq, the ROC and sequence
 * number of the highest index authenticated (send sessions: protected) for it. LIM_E_STATE,
 * outputs zero, when the session holds no such index: no packet of that SSRC yet, only a ROC
 * set by lim_srtp_set_roc, or the SSRC untracked (LIM_SRTP_STREAMS_MAX others). */
enum lim_err lim_srtp_get_roc(struct lim_srtp *s, uint32_t ssrc, uint32_t *roc,
			      uint16_t *seq) LIM_WUR;

/* The index (ROC || SEQ, RFC 3711 s3.3.1) in *idx of the RTP packet of ssrc with sequence number
 * seq that s has just authenticated: the stream's highest index is that packet's or within 2^15
 * after it. LIM_E_STATE (*idx = seq) when s holds no index of ssrc (lim_srtp_get_roc). */
enum lim_err lim_srtp_packet_index(struct lim_srtp *s, uint32_t ssrc, uint16_t seq,
				   uint64_t *idx) LIM_WUR;

/* The streams s holds an index of (not those with only a ROC set by lim_srtp_set_roc): up to cap
 * of them, each its SSRC in ssrc[i] and its highest index (ROC || SEQ) in top[i]; returns how
 * many were written. */
size_t lim_srtp_tops(const struct lim_srtp *s, uint32_t *ssrc, uint64_t *top, size_t cap);

/* lim_srtp_unprotect, the packet's ROC estimated (RFC 3711 Appendix A) as if the highest index
 * of its SSRC's stream were roc || seq, whatever s holds for that SSRC: for a stream that went on
 * from another session's state, as a re-key does (RFC 3711 s3.3.1: the ROC is not reset when the
 * keys change; roc and seq from lim_srtp_get_roc of the session the stream was authenticated
 * under). A ROC carried in the packet (RCC) still takes precedence. On LIM_OK the SSRC's state
 * in s is the higher of roc || seq and the packet's index; on failure s is as it was before
 * (nothing is learnt from a packet that did not authenticate). Errors as lim_srtp_unprotect, and
 * LIM_E_LIMIT when s tracks LIM_SRTP_STREAMS_MAX other SSRCs. */
enum lim_err lim_srtp_unprotect_from(struct lim_srtp *s, uint8_t *pkt, size_t *len, uint32_t roc,
				     uint16_t seq) LIM_WUR;

/* SRTCP (RFC 3711 s3.4; RFC 7714 s9 for GCM) in place. SRTCP tags: 10 octets for both AES-CM
 * profiles (RFC 4568 s6.2: SHA1_32 is for SRTP only), 16 for GCM; protect adds the 4-octet
 * E||SRTCP index, the MKI and the tag (cap as for lim_srtp_protect, with that tag length, no
 * ROC). Same error conventions as lim_srtp_protect / lim_srtp_unprotect; RCC does not apply. */
enum lim_err lim_srtp_protect_rtcp(struct lim_srtp *s, uint8_t *pkt, size_t *len,
				   size_t cap) LIM_WUR;
enum lim_err lim_srtp_unprotect_rtcp(struct lim_srtp *s, uint8_t *pkt, size_t *len) LIM_WUR;

/* Frees the session and wipes its keys; NULL is a no-op. */
void lim_srtp_free(struct lim_srtp *s);

#endif
