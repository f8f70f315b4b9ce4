/* test_capture: suite tables (tests/unit/capture_*.c) and the frame builders they share. */
#ifndef LIM_CAPTURE_SUITES_H
#define LIM_CAPTURE_SUITES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tests/unit/check.h"

extern const struct lim_suite t_frame_suites[];
extern const struct lim_suite t_sip_suites[];
extern const struct lim_suite t_pcap_suites[];
extern const struct lim_suite t_tcp_suites[];
extern const struct lim_suite t_calls_suites[];
extern const struct lim_suite t_mcbody_suites[];
extern const struct lim_suite t_x2x3_suites[];
extern const struct lim_suite t_floor_suites[];
extern const struct lim_suite t_disp_suites[];
extern const struct lim_suite t_mime_suites[];

#define CAPTURE_SUITE_TABLES                                                                       \
	{                                                                                          \
		t_frame_suites, t_sip_suites, t_pcap_suites, t_tcp_suites, t_calls_suites,         \
			t_mcbody_suites, t_x2x3_suites, t_floor_suites, t_disp_suites,             \
			t_mime_suites                                                              \
	}

/* Link framings the builders produce. */
enum t_link {
	TL_ETH,
	TL_VLAN,
	TL_QINQ,
	TL_SLL,
	TL_SLL2,
	TL_RAW,
	TL_NULL,
	TL_LOOP,
	TL_IPV4IPV6, /* LINKTYPE_IPV4 / LINKTYPE_IPV6 by version */
	TL__COUNT
};

/* Addresses used by the builders: 192.0.2.1 -> 192.0.2.2, 2001:db8::1 -> 2001:db8::2. */
extern const uint8_t t_ip4_src[4], t_ip4_dst[4], t_ip6_src[16], t_ip6_dst[16];

/* IPv4/IPv6 + UDP/TCP packet with payload into buf; returns its length (0 if it did not fit).
 * src/dst NULL = the defaults above. */
size_t t_build_ip(uint8_t *buf, size_t cap, int ver, uint8_t proto, uint16_t sport, uint16_t dport,
		  const uint8_t *src, const uint8_t *dst, const void *payload, size_t plen);
/* Writes the right header checksum into the IPv4 packet ip (RFC 791). */
void t_ip4_sum(uint8_t *ip);
/* Wraps an IP packet in a link header; returns the frame length; *dlt gets the link type. */
size_t t_wrap_link(enum t_link l, int ver, const uint8_t *ip, size_t iplen, uint8_t *out,
		   size_t cap, uint32_t *dlt);
/* IPv4 fragments (raw IP packets) of a UDP datagram with the given payload, fragment data
 * size frag (multiple of 8). Returns the number of fragments written into frags[i] (each up to
 * 1600 octets, lengths in lens[]). */
size_t t_frag4(int ver, uint16_t sport, uint16_t dport, uint32_t id, const void *payload,
	       size_t plen, size_t frag, uint8_t frags[][1600], size_t lens[], size_t max);
const char *t_link_name(enum t_link l);
/* Raw IPv4/IPv6 + TCP segment (20-octet header; ACK set unless flags has SYN) with sequence
 * number seq and flags (FIN 1, SYN 2, RST 4, PSH 8). Returns its length (0: did not fit). */
size_t t_build_tcp(uint8_t *buf, size_t cap, int ver, const uint8_t *src, const uint8_t *dst,
		   uint16_t sport, uint16_t dport, uint32_t seq, uint8_t flags, const void *pl,
		   size_t plen);

/* One cap_mc_result (large) for the mcbody suites, allocated on first use; exits on failure. */
struct cap_mc_result *t_mc_res(void);

/* Directory for files the tests write ($BUILD/tests/capture), created on first use. */
const char *t_outdir(void);

#endif
