/* capture/stun: ICE connectivity checks (RFC 8445 s7.2.2), the STUN Binding requests (RFC 8489)
 * whose USERNAME names the two agents' ufrags: how the call table finds the endpoints of an ICE
 * call that no SDP named (peer-reflexive candidates, candidates past the ones it follows,
 * trickled ones). Nothing here is trusted: every length is checked against the datagram. */
#include <string.h>

#include "capture/capture.h"

#define STUN_HDR         20
#define STUN_COOKIE      0x2112A442u
#define STUN_BINDING_REQ 0x0001u
#define ATTR_USERNAME    0x0006u
#define ATTR_PRIORITY    0x0024u
#define ATTR_USE_CAND    0x0025u
#define USERNAME_MAX     513 /* RFC 8489 s14.3: less than 513 octets */

static uint32_t be16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* see capture.h */
bool cap_stun_like(const uint8_t *p, size_t n)
{
	return n > 0 && p[0] <= 3;
}

/* see capture.h */
bool cap_stun_check(const uint8_t *p, size_t n, struct cap_stun_check *out)
{
	size_t at = STUN_HDR;
	struct cap_str user = { NULL, 0 };
	memset(out, 0, sizeof *out);
	if (!p || n < STUN_HDR || be16(p) != STUN_BINDING_REQ || be32(p + 4) != STUN_COOKIE ||
	    be16(p + 2) != n - STUN_HDR || (n - STUN_HDR) % 4 != 0)
		return false;
	while (at < n) {
		uint32_t type, len;
		size_t padded;
		if (n - at < 4)
			goto no;
		type = be16(p + at);
		len = be16(p + at + 2);
		padded = ((size_t)len + 3) & ~(size_t)3;
		if (padded > n - at - 4)
			goto no;
		if (type == ATTR_USERNAME && !user.p) {
			if (len == 0 || len >= USERNAME_MAX)
				goto no;
			user.p = (const char *)p + at + 4;
			user.len = len;
		} else if (type == ATTR_PRIORITY && len == 4 && !out->has_priority) {
			out->priority = be32(p + at + 4);
			out->has_priority = true;
		} else if (type == ATTR_USE_CAND) {
			out->use_candidate = true;
		}
		at += 4 + padded;
	}
	if (!user.p)
		goto no;
	for (size_t i = 0; i < user.len; i++)
		if (user.p[i] == ':') {
			out->to_ufrag = (struct cap_str){ user.p, i };
			out->from_ufrag = (struct cap_str){ user.p + i + 1, user.len - i - 1 };
			if (out->to_ufrag.len && out->from_ufrag.len)
				return true;
			break;
		}
no:
	memset(out, 0, sizeof *out);
	return false;
}
