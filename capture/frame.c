/* Frame decoding: link layers, IPv4/IPv6, UDP/TCP headers (see capture.h). All reads go
 * through common/rd.h; lengths from the wire are only ever tested by lim_rd_sub. */
#include <string.h>

#include "capture/capture.h"
#include "capture/internal.h"

static const char *const drop_names[CAP_DROP__COUNT] = {
	[CAP_OK] = "ok",
	[CAP_PENDING] = "pending",
	[CAP_DROP_LINK_UNSUPP] = "link_unsupported",
	[CAP_DROP_LINK_TRUNC] = "link_truncated",
	[CAP_DROP_VLAN_DEPTH] = "vlan_depth",
	[CAP_DROP_NOT_IP] = "not_ip",
	[CAP_DROP_IP_VERSION] = "ip_version",
	[CAP_DROP_IP4_TRUNC] = "ip4_truncated",
	[CAP_DROP_IP4_HDRLEN] = "ip4_hdrlen",
	[CAP_DROP_IP4_TOTLEN] = "ip4_totlen",
	[CAP_DROP_IP4_OPT] = "ip4_options",
	[CAP_DROP_IP6_TRUNC] = "ip6_truncated",
	[CAP_DROP_IP6_PLEN] = "ip6_plen",
	[CAP_DROP_IP6_EXT] = "ip6_exthdr",
	[CAP_DROP_IP6_EXT_LIMIT] = "ip6_exthdr_limit",
	[CAP_DROP_UDP_TRUNC] = "udp_truncated",
	[CAP_DROP_UDP_LEN] = "udp_len",
	[CAP_DROP_TCP_TRUNC] = "tcp_truncated",
	[CAP_DROP_TCP_OFF] = "tcp_offset",
	[CAP_DROP_L4_CSUM] = "l4_checksum",
	[CAP_DROP_OTHER_L4] = "other_l4",
	[CAP_DROP_FRAG_BAD] = "frag_bad",
	[CAP_DROP_FRAG_OVERLAP] = "frag_overlap",
	[CAP_DROP_FRAG_TOOBIG] = "frag_toobig",
	[CAP_DROP_FRAG_PIECES] = "frag_pieces",
	[CAP_DROP_FRAG_TABLE] = "frag_table_full",
	[CAP_DROP_FRAG_MEM] = "frag_mem",
	[CAP_DROP_FRAG_TIMEOUT] = "frag_timeout",
	[CAP_DROP_FRAG_NOMEM] = "frag_nomem",
	[CAP_DROP_SIP_SIZE] = "sip_size",
	[CAP_DROP_SIP_NUL] = "sip_ctl_octet",
	[CAP_DROP_SIP_LINE] = "sip_line_too_long",
	[CAP_DROP_SIP_HDRS] = "sip_too_many_headers",
	[CAP_DROP_SIP_START] = "sip_start_line",
	[CAP_DROP_SIP_HEADER] = "sip_header",
	[CAP_DROP_SIP_MISSING] = "sip_missing_header",
	[CAP_DROP_SIP_CLEN] = "sip_content_length",
	[CAP_DROP_SIP_TRUNC] = "sip_truncated_body",
	[CAP_DROP_SIP_BODY] = "sip_body",
	[CAP_DROP_SDP] = "sdp",
	[CAP_DROP_TCP_TABLE] = "tcp_table_full",
	[CAP_DROP_TCP_MEM] = "tcp_mem",
	[CAP_DROP_TCP_STREAM] = "tcp_stream_cap",
	[CAP_DROP_TCP_GAP] = "tcp_gap",
	[CAP_DROP_TCP_CUT] = "tcp_cut",
	[CAP_DROP_TCP_NOMEM] = "tcp_nomem",
	[CAP_DROP_SIP_NOCLEN] = "sip_no_content_length",
	[CAP_DROP_SIP_RESYNC] = "sip_resync",
	[CAP_DROP_CALL_TABLE] = "call_table_full",
	[CAP_DROP_CALL_MEDIA] = "media_table_full",
	[CAP_DROP_CALL_SSRC] = "ssrc_table_full",
	[CAP_DROP_CALL_NOMEM] = "call_nomem",
	[CAP_DROP_CALL_IMSG] = "call_imsg_full",
	[CAP_DROP_QUEUE_FULL] = "queue_full",
};

/* see capture.h */
const char *cap_drop_name(enum cap_drop d)
{
	if ((unsigned)d < CAP_DROP__COUNT && drop_names[d])
		return drop_names[d];
	return "unknown";
}

#define ETH_IPV4     0x0800
#define ETH_IPV6     0x86dd
#define ETH_VLAN     0x8100
#define ETH_QINQ     0x88a8
#define ETH_QINQ_OLD 0x9100

/* IPv4 options (RFC 791 s3.1): EOL ends the list, NOP is one octet, every other option has a
 * length octet >= 2 that must fit. */
static bool ip4_options_ok(struct lim_rd o)
{
	while (!lim_rd_empty(&o)) {
		uint8_t type, olen;
		struct lim_rd body;
		(void)lim_rd_u8(&o, &type);
		if (type == 0)
			return true; /* EOL: the rest is padding */
		if (type == 1)
			continue;
		if (!lim_rd_u8(&o, &olen) || olen < 2 || !lim_rd_sub(&o, (size_t)olen - 2, &body))
			return false;
	}
	return true;
}

/* The 16-bit one's complement sum of n octets (big-endian words, an odd last octet padded
 * with zero) added to sum, not yet folded. */
static uint64_t csum_add(uint64_t sum, const uint8_t *b, size_t n)
{
	size_t i = 0;
	for (; i + 1 < n; i += 2)
		sum += (uint64_t)b[i] << 8 | b[i + 1];
	if (i < n)
		sum += (uint64_t)b[i] << 8;
	return sum;
}

/* sum folded to 16 bits */
static uint16_t csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static enum cap_drop decode_ip4(struct lim_rd r, struct cap_pkt *out)
{
	uint8_t vihl, tos, ttl, proto;
	uint16_t tot, id, fo, csum;
	struct lim_rd hdr, opts, body;
	size_t ihl;

	if (r.len < 20)
		return CAP_DROP_IP4_TRUNC;
	hdr = r;
	(void)lim_rd_u8(&r, &vihl);
	if ((vihl >> 4) != 4)
		return CAP_DROP_IP_VERSION;
	ihl = (size_t)(vihl & 0x0f) * 4;
	if (ihl < 20)
		return CAP_DROP_IP4_HDRLEN;
	(void)lim_rd_u8(&r, &tos);
	(void)lim_rd_u16be(&r, &tot);
	(void)lim_rd_u16be(&r, &id);
	(void)lim_rd_u16be(&r, &fo);
	(void)lim_rd_u8(&r, &ttl);
	(void)lim_rd_u8(&r, &proto);
	(void)lim_rd_u16be(&r, &csum);
	out->src.family = out->dst.family = 4;
	(void)lim_rd_bytes(&r, out->src.a, 4);
	(void)lim_rd_bytes(&r, out->dst.a, 4);
	if (!lim_rd_sub(&r, ihl - 20, &opts))
		return CAP_DROP_IP4_HDRLEN;
	/* total length covers the header: carve it from the start of the header */
	if (tot < ihl || !lim_rd_sub(&hdr, tot, &body))
		return CAP_DROP_IP4_TOTLEN;
	if (!ip4_options_ok(opts))
		return CAP_DROP_IP4_OPT;
	out->ip_hdr_bad =
		csum_fold(csum_add(0, body.p, ihl)) != 0xffff; /* (body: from the header) */
	(void)lim_rd_skip(&body, ihl);
	out->ip_ver = 4;
	out->ttl = ttl;
	out->proto = proto;
	out->ip_payload = body;
	out->frag_id = id;
	out->frag_off = (uint32_t)(fo & 0x1fff) * 8;
	out->frag_more = (fo & 0x2000) != 0;
	out->is_frag = out->frag_more || out->frag_off != 0;
	return out->is_frag ? CAP_PENDING : CAP_OK;
}

/* The Routing header h[0..n) (n >= 8, a multiple of 8) with segments left, for the
 * checksum's pseudo header (RFC 8200 s8.1: the final destination): type 2 (RFC 6275 s6.4: one
 * address, segments left 1) its address, type 4 (RFC 8754: Segment List[0]) its first segment
 * into out->rh_dst. One its receiver discards sets out->ext_bad: type 0 (RFC 5095: no node
 * routes by it), an unknown type (RFC 8200 s4.4), a type 2 or 4 out of its rules (RFC 8754
 * s4.3.1.1: more segments left than Last Entry + 1, or a list past the header), and type 3
 * (RPL, RFC 6554: its addresses compressed, not read here; a host outside an RPL network
 * discards it as an unknown type, and a forged one must not pass). With no segments left the
 * IPv6 header's destination is final (RFC 8200 s4.4). */
static void rh_final(const uint8_t *h, size_t n, struct cap_pkt *out)
{
	uint8_t hlen = h[1], type = h[2], left = h[3];
	if (left == 0)
		return;
	if (type == 2 && hlen == 2 && left == 1) {
		memcpy(out->rh_dst, h + 8, 16);
		out->has_rh_dst = true;
	} else if (type == 4 && n >= 24 && (size_t)h[4] + 1 <= (n - 8) / 16 &&
		   (size_t)left <= (size_t)h[4] + 1) {
		memcpy(out->rh_dst, h + 8, 16);
		out->has_rh_dst = true;
	} else {
		out->ext_bad = true;
	}
}

/* The options of the Hop-by-Hop (dst false) or Destination Options (dst true) header h[0..n)
 * (RFC 8200 s4.2). The Home Address option (RFC 6275 s6.3: type 201, 16 octets, once, in a
 * Destination Options header) goes into out->hao_src: a mobile node away from home sends from
 * its care-of address and sums over its home address, which the receiver swaps in (s9.3.1).
 * What a receiver discards sets out->ext_bad: a list that runs past its header, an option its
 * type says to discard when unknown (the two high bits not 00) that is not one of the few a
 * host knows (Jumbo Payload, RPL and MPL in Hop-by-Hop; the Home Address option), and a Home
 * Address option of another length, a second one, or one in Hop-by-Hop. */
static void ext_opts(const uint8_t *h, size_t n, bool dst, struct cap_pkt *out)
{
	for (size_t i = 2; i < n;) {
		uint8_t t = h[i];
		if (t == 0) { /* Pad1 */
			i++;
			continue;
		}
		if (i + 2 > n || i + 2 + h[i + 1] > n) {
			out->ext_bad = true;
			return;
		}
		if (dst && t == 201) {
			if (h[i + 1] != 16 || out->has_hao_src) {
				out->ext_bad = true;
				return;
			}
			memcpy(out->hao_src, h + i + 2, 16);
			out->has_hao_src = true;
		} else if ((t >> 6) != 0 && (dst || (t != 0xc2 && t != 0x63 && t != 0x6d))) {
			out->ext_bad = true;
			return;
		}
		i += 2 + (size_t)h[i + 1];
	}
}

/* see internal.h */
enum cap_drop cap_ip6_walk(uint8_t nh, struct lim_rd *r, bool first, struct cap_pkt *out)
{
	for (int n = 0;; n++) {
		uint8_t next, hlen;
		struct lim_rd ext;
		if (nh != 0 && nh != 43 && nh != 60 && nh != 44 && nh != 51) {
			out->proto = nh;
			return CAP_OK;
		}
		if (n >= CAP_MAX_IP6_EXT)
			return CAP_DROP_IP6_EXT_LIMIT;
		/* hop-by-hop only directly after the fixed header (RFC 8200 s4.3) */
		if (nh == 0 && !(first && n == 0))
			return CAP_DROP_IP6_EXT;
		if (r->len < 8)
			return CAP_DROP_IP6_EXT;
		if (nh == 44) {
			uint16_t offm;
			uint32_t id;
			(void)lim_rd_u8(r, &next);
			(void)lim_rd_u8(r, &hlen); /* reserved */
			(void)lim_rd_u16be(r, &offm);
			(void)lim_rd_u32be(r, &id);
			if (out->is_frag)
				return CAP_DROP_IP6_EXT; /* two fragment headers */
			out->frag_id = id;
			out->frag_off = (uint32_t)(offm >> 3) * 8;
			out->frag_more = (offm & 1) != 0;
			/* an atomic fragment (offset 0, M 0) is a whole datagram (RFC 6946) */
			if (out->frag_more || out->frag_off != 0) {
				out->is_frag = true;
				out->proto = next;
				return CAP_PENDING;
			}
			nh = next;
			continue;
		}
		{
			struct lim_rd save = *r;
			size_t elen;
			(void)lim_rd_u8(r, &next);
			(void)lim_rd_u8(r, &hlen);
			/* AH counts 4-octet units minus 2 (RFC 4302 s2.2); the others 8-octet units
			 * minus 1 (RFC 8200 s4.3-4.6); both include the 2 octets just read */
			elen = nh == 51 ? ((size_t)hlen + 2) * 4 : ((size_t)hlen + 1) * 8;
			*r = save;
			if (!lim_rd_sub(r, elen, &ext))
				return CAP_DROP_IP6_EXT;
			if (nh == 43)
				rh_final(ext.p, ext.len, out);
			else if (nh == 60 || nh == 0)
				ext_opts(ext.p, ext.len, nh == 60, out);
		}
		nh = next;
	}
}

static enum cap_drop decode_ip6(struct lim_rd r, struct cap_pkt *out)
{
	uint32_t vtf;
	uint16_t plen;
	uint8_t nh, hlim;
	struct lim_rd body;

	if (r.len < 40)
		return CAP_DROP_IP6_TRUNC;
	(void)lim_rd_u32be(&r, &vtf);
	if ((vtf >> 28) != 6)
		return CAP_DROP_IP_VERSION;
	(void)lim_rd_u16be(&r, &plen);
	(void)lim_rd_u8(&r, &nh);
	(void)lim_rd_u8(&r, &hlim);
	out->src.family = out->dst.family = 6;
	(void)lim_rd_bytes(&r, out->src.a, 16);
	(void)lim_rd_bytes(&r, out->dst.a, 16);
	if (plen == 0 || !lim_rd_sub(&r, plen, &body))
		return CAP_DROP_IP6_PLEN;
	out->ip_ver = 6;
	out->ttl = hlim;
	{
		enum cap_drop d = cap_ip6_walk(nh, &body, true, out);
		out->ip_payload = body;
		return d;
	}
}

static enum cap_drop decode_ip(struct lim_rd r, int want, struct cap_pkt *out)
{
	int v;
	if (r.len < 1)
		return want == 6 ? CAP_DROP_IP6_TRUNC : CAP_DROP_IP4_TRUNC;
	v = r.p[0] >> 4;
	if (want && v != want)
		return CAP_DROP_IP_VERSION;
	if (v == 4)
		return decode_ip4(r, out);
	if (v == 6)
		return decode_ip6(r, out);
	return CAP_DROP_IP_VERSION;
}

static enum cap_drop decode_ethertype(uint16_t et, struct lim_rd r, struct cap_pkt *out)
{
	/* 802.1Q / 802.1ad tags, outermost first (also after SLL, where tags can remain) */
	while (et == ETH_VLAN || et == ETH_QINQ || et == ETH_QINQ_OLD) {
		uint16_t tci;
		if (out->n_vlan >= CAP_MAX_VLAN)
			return CAP_DROP_VLAN_DEPTH;
		if (!lim_rd_u16be(&r, &tci) || !lim_rd_u16be(&r, &et))
			return CAP_DROP_LINK_TRUNC;
		out->vlan[out->n_vlan++] = tci & 0x0fff;
	}
	if (et == ETH_IPV4)
		return decode_ip(r, 4, out);
	if (et == ETH_IPV6)
		return decode_ip(r, 6, out);
	return CAP_DROP_NOT_IP;
}

/* BSD AF values for IPv6 differ per system: Linux 10, NetBSD/OpenBSD 24, FreeBSD 28, macOS 30 */
static int af_version(uint32_t af)
{
	if (af == 2)
		return 4;
	if (af == 10 || af == 24 || af == 28 || af == 30)
		return 6;
	return 0;
}

static enum cap_drop decode_link(uint32_t lt, struct lim_rd r, struct cap_pkt *out)
{
	uint16_t et;
	switch (lt) {
	case CAP_LINK_ETHERNET:
		if (!lim_rd_skip(&r, 12) || !lim_rd_u16be(&r, &et))
			return CAP_DROP_LINK_TRUNC;
		if (et < 0x0600)
			return CAP_DROP_NOT_IP; /* 802.3 length + LLC */
		return decode_ethertype(et, r, out);
	case CAP_LINK_SLL: /* pkttype, hatype, halen, 8 address octets, protocol */
		if (!lim_rd_skip(&r, 14) || !lim_rd_u16be(&r, &et))
			return CAP_DROP_LINK_TRUNC;
		return decode_ethertype(et, r, out);
	case CAP_LINK_SLL2: /* protocol, reserved, ifindex, hatype, pkttype, halen, address */
		if (!lim_rd_u16be(&r, &et) || !lim_rd_skip(&r, 18))
			return CAP_DROP_LINK_TRUNC;
		return decode_ethertype(et, r, out);
	case CAP_LINK_RAW:
	case CAP_LINK_RAW_LT:
	case 14: /* DLT_RAW on OpenBSD */ return decode_ip(r, 0, out);
	case CAP_LINK_IPV4: return decode_ip(r, 4, out);
	case CAP_LINK_IPV6: return decode_ip(r, 6, out);
	case CAP_LINK_NULL:
	case CAP_LINK_LOOP: {
		/* the AF is in the writer's byte order (NULL) or network order (LOOP): try both */
		uint32_t be;
		int v;
		if (!lim_rd_u32be(&r, &be))
			return CAP_DROP_LINK_TRUNC;
		v = af_version(be);
		if (!v)
			v = af_version(((be & 0xff) << 24) | ((be & 0xff00) << 8) |
				       ((be >> 8) & 0xff00) | (be >> 24));
		if (!v)
			return CAP_DROP_NOT_IP;
		return decode_ip(r, v, out);
	}
	default: return CAP_DROP_LINK_UNSUPP;
	}
}

/* see capture.h */
enum cap_drop cap_decode_l4(struct cap_pkt *p)
{
	struct lim_rd r = p->ip_payload;
	if (p->proto == CAP_PROTO_UDP) {
		uint16_t ulen, csum;
		struct lim_rd body;
		if (r.len < 8)
			return CAP_DROP_UDP_TRUNC;
		(void)lim_rd_u16be(&r, &p->sport);
		(void)lim_rd_u16be(&r, &p->dport);
		(void)lim_rd_u16be(&r, &ulen);
		(void)lim_rd_u16be(&r, &csum);
		if (ulen < 8 || !lim_rd_sub(&r, (size_t)ulen - 8, &body))
			return CAP_DROP_UDP_LEN;
		p->payload = body;
		return CAP_OK;
	}
	if (p->proto == CAP_PROTO_TCP) {
		uint16_t offfl, win;
		size_t off;
		if (r.len < 20)
			return CAP_DROP_TCP_TRUNC;
		(void)lim_rd_u16be(&r, &p->sport);
		(void)lim_rd_u16be(&r, &p->dport);
		(void)lim_rd_u32be(&r, &p->tcp_seq);
		(void)lim_rd_u32be(&r, &p->tcp_ack);
		(void)lim_rd_u16be(&r, &offfl);
		(void)lim_rd_u16be(&r, &win);
		off = (size_t)(offfl >> 12) * 4;
		p->tcp_flags = (uint8_t)(offfl & 0x3f);
		/* 16 octets read so far: options follow the checksum and urgent pointer */
		if (off < 20 || !lim_rd_skip(&r, 4) || !lim_rd_skip(&r, off - 20))
			return CAP_DROP_TCP_OFF;
		p->payload = r;
		return CAP_OK;
	}
	return CAP_DROP_OTHER_L4;
}

/* see capture.h */
bool cap_l4_csum_checked(const struct cap_pkt *p)
{
	return p->proto == CAP_PROTO_TCP ||
	       (p->proto == CAP_PROTO_UDP && cap_sip_looks_like(p->payload.p, p->payload.len));
}

/* see capture.h */
bool cap_l4_csum_ok(const struct cap_pkt *p)
{
	const uint8_t *seg = p->ip_payload.p;
	size_t n = p->ip_payload.len, alen = p->ip_ver == 6 ? 16 : 4;
	uint64_t sum = 0;
	if ((p->ip_ver != 4 && p->ip_ver != 6) || p->is_frag || !seg || p->ip_hdr_bad ||
	    (p->ip_ver == 6 && p->ext_bad))
		return false;
	if (p->proto == CAP_PROTO_UDP) {
		if (n < 8)
			return false;
		/* the UDP length (cap_decode_l4 checked it against the IP payload) */
		n = (size_t)seg[4] << 8 | seg[5];
		if (n < 8 || n > p->ip_payload.len)
			return false;
		if (seg[6] == 0 && seg[7] == 0)
			return p->ip_ver == 4;
	} else if (p->proto != CAP_PROTO_TCP || n < 20) {
		return false;
	}
	sum = csum_add(sum, p->ip_ver == 6 && p->has_hao_src ? p->hao_src : p->src.a, alen);
	sum = csum_add(sum, p->ip_ver == 6 && p->has_rh_dst ? p->rh_dst : p->dst.a, alen);
	sum += p->proto;
	sum += (uint64_t)n; /* (IPv6: the upper-layer length as 32 bits, the same sum) */
	sum = csum_add(sum, seg, n);
	return csum_fold(sum) == 0xffff;
}

/* see capture.h */
uint16_t cap_l4_csum(uint8_t ip_ver, const uint8_t *src, const uint8_t *dst, uint8_t proto,
		     const uint8_t *seg, size_t n)
{
	size_t alen = ip_ver == 6 ? 16 : 4;
	uint64_t sum = csum_add(csum_add(0, src, alen), dst, alen) + proto + (uint64_t)n;
	uint16_t c = (uint16_t)~csum_fold(csum_add(sum, seg, n));
	return c ? c : 0xffff; /* (UDP: a sum of zero is sent as all ones) */
}

/* see capture.h */
enum cap_drop cap_decode(uint32_t linktype, const uint8_t *frame, size_t len, struct cap_pkt *out)
{
	enum cap_drop d;
	memset(out, 0, sizeof *out);
	out->linktype = linktype;
	d = decode_link(linktype, lim_rd_make(frame, len), out);
	if (d != CAP_OK)
		return d;
	return cap_decode_l4(out);
}
