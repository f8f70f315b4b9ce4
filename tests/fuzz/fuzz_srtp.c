/* libFuzzer target: lim_srtp_unprotect, _unprotect_from and _unprotect_rtcp (decrypt/srtp.h),
 * SRTP and SRTCP packets off the wire, on libsrtp2 with limf's OpenSSL AES and HMAC-SHA1
 * (decrypt/srtp_ossl.h). Input:
 *   octet 0: profile (mod 3: AES-CM-80, AES-CM-32, AEAD-GCM)
 *   octet 1: options: bit 0 a 4-octet MKI; bits 1-2 RFC 4771 RCC mode (modes a receive
 *            session refuses are refused here too); bit 3 SRTCP; bit 4 "forge"; bit 5 (SRTP)
 *            the first try is lim_srtp_unprotect_from (a re-key's carried state): without
 *            forge from ROC octet 2 and sequence number octet 2 * 257, the packet from octet
 *            3 on; with forge from ROC 0 and the packet's own sequence number (so the intact
 *            packet must decrypt, and a flipped one must not)
 *   octet 2: with forge, the octet to flip (0: none), else part of the packet
 *   the rest: without forge, the packet as received (twice: the second is a replay); with
 *            forge, a clear RTP/RTCP packet that a send session with the same key protects
 *            first, then one bit of octet (octet 2 - 1) mod length is flipped.
 * Checks: no crash or leak; a failure leaves *len as it was; a success is no longer than the
 * input; with forge and no RCC, the intact packet decrypts to the clear one, a flipped one is
 * refused (everything in it is authenticated) and a replay is refused. Deterministic, no I/O. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decrypt/srtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PKT_MAX 2048

static const enum lim_srtp_profile profs[3] = { LIM_SRTP_AES128_CM_SHA1_80,
						LIM_SRTP_AES128_CM_SHA1_32,
						LIM_SRTP_AEAD_AES_128_GCM };

static enum lim_err unprotect_from(struct lim_srtp *s, uint8_t *p, size_t *len, uint32_t roc,
				   uint16_t seq)
{
	size_t before = *len;
	enum lim_err rc = lim_srtp_unprotect_from(s, p, len, roc, seq);
	if ((rc != LIM_OK && *len != before) || (rc == LIM_OK && *len > before))
		abort();
	return rc;
}

static enum lim_err unprotect(struct lim_srtp *s, bool rtcp, uint8_t *p, size_t *len)
{
	size_t before = *len;
	enum lim_err rc = rtcp ? lim_srtp_unprotect_rtcp(s, p, len) : lim_srtp_unprotect(s, p, len);
	if ((rc != LIM_OK && *len != before) || (rc == LIM_OK && *len > before))
		abort();
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	static const uint8_t salt[14] = { 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6,
					  0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad };
	static const uint8_t mki[4] = { 0x16, 0x99, 0x26, 0x38 };
	static uint8_t pkt[PKT_MAX], again[PKT_MAX], clear[PKT_MAX];
	struct lim_srtp *rx = NULL, *tx = NULL;
	enum lim_srtp_profile prof;
	size_t kl, sl, tl, mkilen, n, n2;
	uint16_t seq;
	unsigned mode;
	bool rtcp, forge, from;
	if (size < 3)
		return 0;
	prof = profs[data[0] % 3];
	mkilen = data[1] & 1 ? sizeof mki : 0;
	mode = (data[1] >> 1) & 3;
	rtcp = (data[1] & 8) != 0;
	forge = (data[1] & 16) != 0;
	if (lim_srtp_profile_params(prof, &kl, &sl, &tl) != LIM_OK)
		abort();
	if (lim_srtp_new(prof, key, kl, salt, sl, mkilen ? mki : NULL, mkilen, &rx) != LIM_OK)
		abort();
	if (mode && lim_srtp_set_rcc(rx, mode, 4) != LIM_OK)
		goto out; /* refused for this profile: nothing to fuzz */
	from = !rtcp && (data[1] & 32);
	if (!forge) {
		size_t off = from ? 3 : 2;
		if (size < off || (n = size - off) > PKT_MAX)
			goto out;
		memcpy(pkt, data + off, n);
		memcpy(again, pkt, n);
		n2 = n;
		if (from)
			(void)unprotect_from(rx, pkt, &n, data[2], (uint16_t)(data[2] * 257u));
		else
			(void)unprotect(rx, rtcp, pkt, &n);
		(void)unprotect(rx, rtcp, again, &n2);
		goto out;
	}
	/* forge: protect a clear packet, flip one bit or none */
	n = size - 3;
	if (n > PKT_MAX - 64)
		goto out;
	memcpy(clear, data + 3, n);
	memcpy(pkt, clear, n);
	if (lim_srtp_new_tx(prof, key, kl, salt, sl, mkilen ? mki : NULL, mkilen, &tx) != LIM_OK)
		abort();
	if (mode && lim_srtp_set_rcc(tx, mode, 4) != LIM_OK)
		abort(); /* a send session takes every mode a receive session takes */
	{
		enum lim_err rc = rtcp ? lim_srtp_protect_rtcp(tx, pkt, &n, PKT_MAX)
				       : lim_srtp_protect(tx, pkt, &n, PKT_MAX);
		if (rc != LIM_OK)
			goto out; /* not an RTP/RTCP packet the send side takes */
	}
	seq = (uint16_t)(n >= 4 ? pkt[2] << 8 | pkt[3] : 0);
	if (data[2]) {
		pkt[(size_t)(data[2] - 1) % n] ^= (uint8_t)(1u << (data[2] % 8));
		if ((from ? unprotect_from(rx, pkt, &n, 0, seq) : unprotect(rx, rtcp, pkt, &n)) ==
			    LIM_OK &&
		    mode == 0)
			abort(); /* an altered authenticated packet was accepted */
		goto out;
	}
	memcpy(again, pkt, n);
	n2 = n;
	if ((from ? unprotect_from(rx, pkt, &n, 0, seq) : unprotect(rx, rtcp, pkt, &n)) != LIM_OK) {
		if (mode == 0)
			abort(); /* the intact packet must decrypt */
		goto out;
	}
	if (mode == 0 && (n != size - 3 || memcmp(pkt, clear, n) != 0))
		abort();
	if (unprotect(rx, rtcp, again, &n2) == LIM_OK)
		abort(); /* a replay was accepted */
out:
	lim_srtp_free(tx);
	lim_srtp_free(rx);
	return 0;
}
