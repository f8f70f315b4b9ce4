/* limf-gen: pcap records of Ethernet (optionally 802.1Q) frames carrying IPv4/IPv6 with
 * UDP or TCP, with valid lengths and checksums (RFC 791, 768, 793, 8200), and IP
 * fragmentation (see gen.h). */
#include <arpa/inet.h>
#include <string.h>

#include "tests/gen/gen.h"

static void be16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void le32w(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void put(struct gen_pcap *p, const void *b, size_t n)
{
	if (fwrite(b, 1, n, p->f) != n)
		gen_die("write error on the pcap file");
}

/* see gen.h */
void gen_pcap_open(struct gen_pcap *p, const char *path, uint16_t vlan)
{
	uint8_t h[24];
	memset(p, 0, sizeof *p);
	p->f = fopen(path, "wb");
	if (!p->f)
		gen_die("%s: cannot create", path);
	p->vlan = vlan;
	p->ip_id = 0x1000;
	le32w(h, 0xa1b2c3d4);
	h[4] = 2, h[5] = 0, h[6] = 4, h[7] = 0; /* version 2.4 */
	le32w(h + 8, 0);
	le32w(h + 12, 0);
	le32w(h + 16, 262144); /* snaplen */
	le32w(h + 20, 1);      /* LINKTYPE_ETHERNET */
	put(p, h, sizeof h);
}

/* see gen.h */
void gen_pcap_close(struct gen_pcap *p)
{
	if (p->f && fclose(p->f) != 0)
		gen_die("write error on the pcap file");
	p->f = NULL;
}

static void mac_of(const struct gen_addr *a, uint8_t mac[6])
{
	const uint8_t *t = a->v6 ? a->a + 12 : a->a;
	mac[0] = 0x02; /* locally administered, unicast */
	mac[1] = 0x00;
	memcpy(mac + 2, t, 4);
}

/* Writes one record: Ethernet header + l3 (IP packet, n octets). */
static void record(struct gen_pcap *p, uint64_t t_us, const struct gen_addr *src,
		   const struct gen_addr *dst, const uint8_t *l3, size_t n)
{
	uint8_t h[16], eth[18];
	size_t el = 0;
	if (t_us < p->last_us)
		gen_die("internal: a record would go back in time");
	p->last_us = t_us;
	mac_of(dst, eth);
	mac_of(src, eth + 6);
	el = 12;
	if (p->vlan) {
		be16(eth + el, 0x8100);
		be16(eth + el + 2, p->vlan & 0x0fff);
		el += 4;
	}
	be16(eth + el, src->v6 ? 0x86dd : 0x0800);
	el += 2;
	le32w(h, (uint32_t)(t_us / 1000000));
	le32w(h + 4, (uint32_t)(t_us % 1000000));
	le32w(h + 8, (uint32_t)(el + n));
	le32w(h + 12, (uint32_t)(el + n));
	put(p, h, sizeof h);
	put(p, eth, el);
	put(p, l3, n);
	p->frames++;
}

static uint32_t sum16(uint32_t acc, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (n & 1)
		acc += (uint32_t)(b[n - 1] << 8);
	return acc;
}

static uint16_t fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)~acc;
}

/* Transport checksum with the IPv4/IPv6 pseudo header (RFC 768, RFC 8200 s8.1). */
static uint16_t l4_csum(const struct gen_addr *s, const struct gen_addr *d, uint8_t proto,
			const uint8_t *seg, size_t n)
{
	uint32_t acc = 0;
	size_t al = s->v6 ? 16 : 4;
	acc = sum16(acc, s->a, al);
	acc = sum16(acc, d->a, al);
	acc += proto;
	acc += (uint32_t)(n & 0xffff) + (uint32_t)(n >> 16);
	acc = sum16(acc, seg, n);
	return fold(acc);
}

/* IP header for payload length n into h; returns its length. frag_off in octets. */
static size_t ip_hdr(struct gen_pcap *p, uint8_t *h, const struct gen_addr *s,
		     const struct gen_addr *d, uint8_t proto, size_t n, bool frag, uint32_t id,
		     size_t frag_off, bool more)
{
	if (!s->v6) {
		memset(h, 0, 20);
		h[0] = 0x45;
		be16(h + 2, (uint32_t)(20 + n));
		be16(h + 4, id & 0xffff);
		be16(h + 6, (uint32_t)((more ? 0x2000 : 0) | (frag_off / 8)));
		h[8] = 64;
		h[9] = proto;
		memcpy(h + 12, s->a, 4);
		memcpy(h + 16, d->a, 4);
		be16(h + 10, fold(sum16(0, h, 20)));
		return 20;
	}
	(void)p;
	memset(h, 0, 40);
	h[0] = 0x60;
	be16(h + 4, (uint32_t)(n + (frag ? 8 : 0)));
	h[6] = frag ? 44 : proto;
	h[7] = 64;
	memcpy(h + 8, s->a, 16);
	memcpy(h + 24, d->a, 16);
	if (!frag)
		return 40;
	/* RFC 8200 s4.5 fragment header */
	h[40] = proto;
	h[41] = 0;
	be16(h + 42, (uint32_t)((frag_off / 8) << 3 | (more ? 1 : 0)));
	be32(h + 44, id);
	return 48;
}

/* Sends transport segment seg[0..n) as one IP packet or as fragments. */
static void ip_send(struct gen_pcap *p, uint64_t t_us, const struct gen_addr *s,
		    const struct gen_addr *d, uint8_t proto, const uint8_t *seg, size_t n,
		    size_t frag)
{
	uint32_t id = p->ip_id++;
	uint8_t *b = p->buf;
	size_t hl;
	if (n > GEN_FRAME_MAX - 48)
		gen_die("packet too large");
	if (frag == 0 || n <= frag) {
		hl = ip_hdr(p, b, s, d, proto, n, false, id, 0, false);
		memcpy(b + hl, seg, n);
		record(p, t_us, s, d, b, hl + n);
		return;
	}
	frag &= ~(size_t)7;
	for (size_t off = 0; off < n; off += frag) {
		size_t k = n - off < frag ? n - off : frag;
		hl = ip_hdr(p, b, s, d, proto, k, true, id, off, off + k < n);
		memcpy(b + hl, seg + off, k);
		record(p, t_us, s, d, b, hl + k);
	}
}

/* see gen.h */
void gen_udp(struct gen_pcap *p, uint64_t t_us, const struct gen_addr *src, uint16_t sport,
	     const struct gen_addr *dst, uint16_t dport, const uint8_t *data, size_t len,
	     size_t frag)
{
	static uint8_t seg[GEN_FRAME_MAX];
	uint16_t c;
	if (len + 8 > 65535 || len + 8 > sizeof seg)
		gen_die("UDP datagram too large");
	be16(seg, sport);
	be16(seg + 2, dport);
	be16(seg + 4, (uint32_t)(len + 8));
	be16(seg + 6, 0);
	memcpy(seg + 8, data, len);
	c = l4_csum(src, dst, 17, seg, len + 8);
	be16(seg + 6, c == 0 ? 0xffff : c); /* RFC 768: 0 is sent as all ones */
	ip_send(p, t_us, src, dst, 17, seg, len + 8, frag);
}

/* see gen.h */
void gen_tcp(struct gen_pcap *p, uint64_t t_us, const struct gen_addr *src, uint16_t sport,
	     const struct gen_addr *dst, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
	     const uint8_t *data, size_t len)
{
	static uint8_t seg[GEN_FRAME_MAX];
	if (len + 20 > sizeof seg)
		gen_die("TCP segment too large");
	memset(seg, 0, 20);
	be16(seg, sport);
	be16(seg + 2, dport);
	be32(seg + 4, seq);
	be32(seg + 8, (flags & GEN_TCP_ACK) ? ack : 0);
	seg[12] = 5 << 4;
	seg[13] = flags;
	be16(seg + 14, 65535);
	if (len)
		memcpy(seg + 20, data, len);
	be16(seg + 16, l4_csum(src, dst, 6, seg, len + 20));
	ip_send(p, t_us, src, dst, 6, seg, len + 20, 0);
}

/* see gen.h */
void gen_addr_str(const struct gen_addr *a, char out[64])
{
	if (!inet_ntop(a->v6 ? AF_INET6 : AF_INET, a->a, out, 64))
		out[0] = '\0';
}
