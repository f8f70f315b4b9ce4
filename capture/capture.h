/* capture/: the capture front end (DESIGN.md s2-3, issue 3).
 *
 *   cap_source_*   libpcap sources: offline files (pcap and pcapng), live interfaces + BPF.
 *   cap_decode     pure frame decoder: link type + frame bytes -> struct cap_pkt (views into
 *                  the frame) or a counted rejection reason (enum cap_drop).
 *   cap_defrag_*   IPv4/IPv6 fragment reassembly with caps and timeouts.
 *   cap_dec_*      convenience: decoder + defragmenter + per-reason counters in one context.
 *   cap_sip_parse  SIP message parser (RFC 3261) over (ptr,len); cap_sip_sdp_body finds the SDP
 *                  body (application/sdp, or the application/sdp part of multipart/mixed).
 *   cap_sdp_parse  SDP parser (RFC 8866): c=, m=, a=rtpmap, a=rtcp, a=rtcp-mux,
 *                  a=key-mgmt:mikey (RFC 4567).
 *   cap_tcp_*      TCP stream reassembly with SIP framing (Content-Length), caps, timeouts.
 *   cap_calls_*    the call table: dialogs, states, forks, re-INVITE re-keys, SDP endpoints,
 *                  I_MESSAGE texts, media bound to calls, SSRCs; plain events for limf/.
 *
 * Views: every struct cap_str / struct lim_rd in an output is BORROWED from the input buffer
 * and dies with it. Nothing in capture/ decodes MIKEY: the I_MESSAGE is handed on as the
 * base64 text of the a=key-mgmt attribute. Every parser is bounds-checked through
 * common/rd.h or a length-bounded cursor; no input byte (NUL included) is special. */
#ifndef CAP_CAPTURE_H
#define CAP_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/rd.h"

/* ---------------------------------------------------------------- rejection reasons */

/* Why a frame, fragment or message was not delivered. One counter per reason
 * (struct cap_stats.drop[]); cap_drop_name() gives a stable snake_case name for output. */
enum cap_drop {
	CAP_OK = 0,             /* delivered (not a drop) */
	CAP_PENDING,            /* fragment stored, datagram not complete yet (not a drop) */
	CAP_DROP_LINK_UNSUPP,   /* link type not handled */
	CAP_DROP_LINK_TRUNC,    /* frame shorter than its link header */
	CAP_DROP_VLAN_DEPTH,    /* more than CAP_MAX_VLAN 802.1Q/802.1ad tags */
	CAP_DROP_NOT_IP,        /* ARP, LLDP, 802.3 length field, unknown AF... */
	CAP_DROP_IP_VERSION,    /* version nibble does not match the link's protocol */
	CAP_DROP_IP4_TRUNC,     /* fewer than 20 bytes */
	CAP_DROP_IP4_HDRLEN,    /* IHL < 5 or past the frame */
	CAP_DROP_IP4_TOTLEN,    /* total length < IHL*4 or past the frame */
	CAP_DROP_IP4_OPT,       /* malformed option list */
	CAP_DROP_IP6_TRUNC,     /* fewer than 40 bytes */
	CAP_DROP_IP6_PLEN,      /* payload length past the frame, or 0 (jumbogram) */
	CAP_DROP_IP6_EXT,       /* malformed/truncated extension header, misplaced hop-by-hop */
	CAP_DROP_IP6_EXT_LIMIT, /* more than CAP_MAX_IP6_EXT extension headers */
	CAP_DROP_UDP_TRUNC,     /* fewer than 8 bytes */
	CAP_DROP_UDP_LEN,       /* UDP length < 8 or past the IP payload */
	CAP_DROP_TCP_TRUNC,     /* fewer than 20 bytes */
	CAP_DROP_TCP_OFF,       /* data offset < 5 or past the IP payload */
	CAP_DROP_L4_CSUM,       /* SIP datagram or TCP segment with a wrong UDP/TCP checksum,
				 * when checksums are verified (cap_l4_csum_ok) */
	CAP_DROP_OTHER_L4,      /* ICMP, SCTP, ESP...: not decoded further */
	CAP_DROP_FRAG_BAD,      /* fragment with a length not a multiple of 8 (more-fragments set),
			       * or ending past 65535 */
	CAP_DROP_FRAG_OVERLAP,  /* overlapping fragments: whole datagram dropped (RFC 5722) */
	CAP_DROP_FRAG_TOOBIG,   /* datagram over max_datagram, or over what IPv4 can carry */
	CAP_DROP_FRAG_PIECES,   /* more than CAP_FRAG_MAX_PIECES fragments in one datagram */
	CAP_DROP_FRAG_TABLE,    /* max_inflight datagrams already in reassembly */
	CAP_DROP_FRAG_MEM,      /* max_total bytes already held by reassembly */
	CAP_DROP_FRAG_TIMEOUT,  /* datagram incomplete after timeout (counted per datagram) */
	CAP_DROP_FRAG_NOMEM,    /* allocation failed */
	CAP_DROP_SIP_SIZE,      /* message over CAP_SIP_MAX_MSG */
	CAP_DROP_SIP_NUL,       /* NUL or other control octet in the start line / headers */
	CAP_DROP_SIP_LINE,      /* a header line over CAP_SIP_MAX_LINE */
	CAP_DROP_SIP_HDRS,      /* more than CAP_SIP_MAX_HDRS header fields */
	CAP_DROP_SIP_START,     /* malformed request/status line */
	CAP_DROP_SIP_HEADER,    /* malformed header field, or a repeated single-valued one */
	CAP_DROP_SIP_MISSING,   /* no Call-ID, CSeq, From or To (RFC 3261 s8.1.1) */
	CAP_DROP_SIP_CLEN,      /* Content-Length not a number or over CAP_SIP_MAX_MSG */
	CAP_DROP_SIP_TRUNC,     /* Content-Length larger than the body (UDP, RFC 3261 s18.3) */
	CAP_DROP_SIP_BODY,      /* bad multipart body / missing boundary */
	CAP_DROP_SDP,           /* SDP rejected by cap_sdp_parse */
	/* TCP reassembly (cap_tcp) and SIP framing on a stream */
	CAP_DROP_TCP_TABLE,  /* max_streams SIP streams already tracked: segment ignored */
	CAP_DROP_TCP_MEM,    /* max_total octets already held by all streams: segment dropped */
	CAP_DROP_TCP_STREAM, /* max_stream octets (or max_segs pieces) held by one stream */
	CAP_DROP_TCP_GAP,    /* a hole never filled: stream skipped past it (data lost) */
	CAP_DROP_TCP_CUT,    /* partial message lost to RST, FIN, SYN reuse or idle timeout */
	CAP_DROP_TCP_NOMEM,  /* allocation failed */
	CAP_DROP_SIP_NOCLEN, /* message on a stream without Content-Length (RFC 3261 s18.3) */
	CAP_DROP_SIP_RESYNC, /* non-SIP octets skipped on a SIP stream while resynchronising */
	/* call table (cap_calls) */
	CAP_DROP_CALL_TABLE, /* max_calls answered dialogs already tracked: dialog not created */
	CAP_DROP_CALL_MEDIA, /* max_bindings endpoints held, no weak claim to evict: not bound */
	CAP_DROP_CALL_SSRC,  /* CAP_CALL_MAX_SSRC SSRCs already learned for a call */
	CAP_DROP_CALL_NOMEM, /* allocation failed */
	CAP_DROP_CALL_IMSG,  /* max_imsg_bytes of I_MESSAGE text held by held calls: not kept */
	/* limf/pool.h */
	CAP_DROP_QUEUE_FULL, /* a worker's queue was full (live capture): packet dropped */
	CAP_DROP__COUNT
};

/* Static snake_case name ("ip4_totlen", "sip_hdrs"...), never NULL. */
const char *cap_drop_name(enum cap_drop d);

/* ---------------------------------------------------------------- sources (libpcap) */

/* Link types understood by cap_decode (libpcap's DLT values on Linux; the LINKTYPE values
 * that differ are accepted too). */
#define CAP_LINK_NULL     0  /* BSD loopback, AF in host byte order */
#define CAP_LINK_ETHERNET 1  /* with 802.1Q / 802.1ad (QinQ) tags */
#define CAP_LINK_RAW      12 /* raw IPv4/IPv6 (DLT_RAW; LINKTYPE_RAW 101 and 14 also) */
#define CAP_LINK_RAW_LT   101
#define CAP_LINK_LOOP     108 /* OpenBSD loopback, AF in network byte order */
#define CAP_LINK_SLL      113 /* Linux cooked v1 */
#define CAP_LINK_IPV4     228
#define CAP_LINK_IPV6     229
#define CAP_LINK_SLL2     276 /* Linux cooked v2 */

/* One captured frame. data is BORROWED from the source: valid until the next
 * cap_source_next or cap_source_close. */
struct cap_frame {
	uint64_t ts_ns;      /* capture time, ns since the Unix epoch */
	uint32_t caplen;     /* octets in data */
	uint32_t origlen;    /* octets on the wire */
	uint32_t linktype;   /* CAP_LINK_* (DLT value) */
	const uint8_t *data; /* borrowed */
};

struct cap_source; /* opaque; owns the pcap handle */

/* Opens a pcap or pcapng file ("-" = stdin) with nanosecond timestamps. LIM_E_IO when it
 * cannot be opened or is not a capture file (reason logged). *out is NULL on failure. */
enum lim_err cap_source_open_file(const char *path, struct cap_source **out) LIM_WUR;
/* An observer of the octets a tapped file source reads (limf hashes them for the evidence
 * manifest, so that the digest is of exactly the octets replayed, not of the path read again).
 * fn(ctx, p, n) receives every octet the source reads from its one descriptor, in file order,
 * each once, as it is read (stdio read-ahead included): once cap_source_next has reported the end
 * of the file, or the file cut short, the octets given are the whole file as it was read. p is
 * borrowed for the call; fn runs on the thread calling cap_source_open_file_tap/next/close. */
struct cap_tap {
	void (*fn)(void *ctx, const uint8_t *p, size_t n);
	void *ctx; /* borrowed */
};
/* cap_source_open_file with tap (copied; tap->fn required, "-" refused: LIM_E_ARG). */
enum lim_err cap_source_open_file_tap(const char *path, const struct cap_tap *tap,
				      struct cap_source **out) LIM_WUR;
/* Opens a live interface in promiscuous mode with snaplen 65535 and, when bpf is not NULL, the
 * given BPF filter (pcap-filter(7) syntax). LIM_E_IO on failure (permissions, no such
 * interface), LIM_E_ARG when the filter does not compile. */
enum lim_err cap_source_open_live(const char *iface, const char *bpf,
				  struct cap_source **out) LIM_WUR;
/* Next frame into *f. Returns LIM_OK with *eof = false and a frame, LIM_OK with *eof = true at
 * the end of a file, LIM_E_TRUNC when a file ends inside a record (cut short: every frame
 * before it was whole), LIM_E_IO on any other read error (logged). Either way the reason is
 * cap_source_error's; the source gives no more frames. */
enum lim_err cap_source_next(struct cap_source *s, struct cap_frame *f, bool *eof) LIM_WUR;
/* libpcap's reason for cap_source_next's last failure; "" before any. Valid until the next
 * cap_source_next or cap_source_close. */
const char *cap_source_error(const struct cap_source *s);
/* Live capture for a poll()-driven loop (issue 8): pcap_create + pcap_activate with the
 * settings below, then non-blocking. iface and bpf are borrowed for the call. */
struct cap_live_cfg {
	const char *iface;    /* required */
	const char *bpf;      /* pcap-filter(7) expression; NULL = everything */
	uint32_t snaplen;     /* 0 = 65535 */
	uint32_t buffer_size; /* kernel ring in octets; 0 = libpcap's default */
	bool promisc;         /* promiscuous mode */
	bool immediate;       /* deliver each packet at once (no buffering timeout) */
};
/* Errors as cap_source_open_live; the reason is logged (libpcap's text). */
enum lim_err cap_source_open_live_cfg(const struct cap_live_cfg *cfg,
				      struct cap_source **out) LIM_WUR;
/* The descriptor to poll() for readability (pcap_get_selectable_fd), or -1 for a file source
 * (always readable) or when the platform has none. */
int cap_source_fd(const struct cap_source *s);
/* Non-blocking next: as cap_source_next, but returns LIM_OK with *got = false when a live
 * source has no frame now (poll its fd). *got is true exactly when *f holds a frame. */
enum lim_err cap_source_try_next(struct cap_source *s, struct cap_frame *f, bool *got,
				 bool *eof) LIM_WUR;
/* Kernel counters of a live source (pcap_stats): received, and dropped by the kernel or the
 * interface. LIM_E_UNSUPP for a file source. */
enum lim_err cap_source_kstats(const struct cap_source *s, uint64_t *recv, uint64_t *drop) LIM_WUR;
/* Link type of the source (CAP_LINK_*). */
uint32_t cap_source_linktype(const struct cap_source *s);
void cap_source_close(struct cap_source *s); /* NULL is a no-op */

/* ---------------------------------------------------------------- frame decoding */

#define CAP_MAX_VLAN    4 /* 802.1Q/802.1ad tags accepted in one frame (QinQ = 2) */
#define CAP_MAX_IP6_EXT 8 /* IPv6 extension headers walked before giving up */

#define CAP_PROTO_TCP 6
#define CAP_PROTO_UDP 17

/* An IPv4 or IPv6 address; IPv4 is in a[0..4). */
struct cap_addr {
	uint8_t family; /* 4 or 6, 0 = none */
	uint8_t a[16];
};

/* A decoded frame: header fields copied, payload views BORROWED from the frame (or, after
 * reassembly, from the defragmenter's buffer, valid until its next call). */
struct cap_pkt {
	uint32_t linktype;
	uint8_t n_vlan;              /* tags seen (<= CAP_MAX_VLAN) */
	uint16_t vlan[CAP_MAX_VLAN]; /* VLAN IDs, outermost first */
	uint8_t ip_ver;              /* 4 or 6 */
	struct cap_addr src, dst;
	uint8_t ttl;   /* TTL / hop limit */
	uint8_t proto; /* upper-layer protocol after all IPv6 extension headers */
	/* fragment information (is_frag: the packet is one fragment of a larger datagram) */
	bool is_frag;
	bool frag_more;    /* MF / M flag */
	uint32_t frag_id;  /* IPv4 identification or IPv6 fragment ID */
	uint32_t frag_off; /* offset of this fragment's data, in octets */
	bool reassembled;  /* delivered by cap_defrag from fragments */
	bool ip_hdr_bad;   /* IPv4 header checksum wrong (RFC 791: the receiver discards it); for a
			  * reassembled datagram, any of its fragments' (cap_l4_csum_ok) */
	/* IPv6, for the UDP/TCP pseudo header (cap_l4_csum_ok): the final destination a Routing
	 * header with segments left names (RFC 8200 s8.1; types 2 and 4), when has_rh_dst (dst
	 * stays the next hop); the home address of a Home Address option (RFC 6275 s6.3), when
	 * has_hao_src (src stays the care-of address); ext_bad: extension headers their receiver
	 * discards (a Routing header of type 0, 3 or unknown, or out of its type's rules, with
	 * segments left; an option list that is malformed or holds an option to discard when
	 * unknown; a Home Address option out of its rules), in any fragment */
	bool has_rh_dst, has_hao_src, ext_bad;
	uint8_t rh_dst[16], hao_src[16];
	struct lim_rd ip_payload; /* upper-layer bytes (after extension headers); for a fragment,
				   * the fragment data */
	/* transport (valid when proto is UDP or TCP and the packet is not a fragment) */
	uint16_t sport, dport;
	uint32_t tcp_seq, tcp_ack;
	uint8_t tcp_flags;     /* FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 URG 0x20 */
	struct lim_rd payload; /* UDP or TCP payload */
};

/* Decodes link, IP and (when not a fragment) UDP/TCP headers of one frame. Pure: no state, no
 * allocation. Returns CAP_OK (out complete), CAP_PENDING when the packet is a fragment (out
 * holds the IP fields and the fragment data, hand it to cap_defrag_add), or the rejection
 * reason; CAP_DROP_OTHER_L4 leaves the IP fields and ip_payload filled. IPv4 options are
 * validated but not interpreted; the IPv4 header checksum is only noted (ip_hdr_bad) and the
 * UDP/TCP ones not looked at (cap_l4_csum_ok: offloaded captures carry zeros or partial
 * sums). Trailing link padding past the IP total length is ignored. */
enum cap_drop cap_decode(uint32_t linktype, const uint8_t *frame, size_t len,
			 struct cap_pkt *out) LIM_WUR;
/* Decodes the UDP/TCP header of a packet whose ip_payload holds a whole datagram (used after
 * reassembly). Fills sport/dport/payload/tcp_*; returns CAP_OK or the reason. */
enum cap_drop cap_decode_l4(struct cap_pkt *p) LIM_WUR;
/* Whether p's UDP or TCP checksum is right (RFC 768, RFC 793 s3.1, RFC 8200 s8.1: the one's
 * complement sum over the pseudo header of p's addresses and the whole segment): what the
 * receiving host checks before it accepts the segment. A UDP checksum of zero is "none" over
 * IPv4 (true) and invalid over IPv6 (false: RFC 8200 s8.1 has receivers discard it). An IPv4
 * packet whose header checksum is wrong (ip_hdr_bad: dropped by the IP layer before) is
 * false whatever its UDP/TCP sum. Over IPv6 the pseudo header takes the final destination:
 * a Routing header's while it has segments left (rh_dst: types 2 (Mobile IPv6) and 4
 * (segment routing); the compressed RPL type 3 is not read, so such a packet is taken as
 * wrong), else the IPv6 header's; and the source a Home Address option names (hao_src),
 * else the IPv6 header's. Extension headers the receiver discards (ext_bad) make it false.
 * Other ways a packet can die on its way (a hop limit that runs out before the host) a tap
 * cannot see. p must
 * be a decoded whole UDP or TCP packet (cap_decode CAP_OK, or reassembled and
 * cap_decode_l4'd); false for any other. Off by default where it is used (cap_calls_limits,
 * cap_disp_limits verify_csum): a capture on the sending host itself sees its outgoing
 * packets before the network card sums them (checksum offload). */
bool cap_l4_csum_ok(const struct cap_pkt *p);
/* Whether p is one whose checksum verification looks at (cap_l4_csum_ok): a TCP segment, or a
 * UDP datagram that looks like SIP (cap_sip_looks_like). Media is left to SRTP's own
 * authentication. The one rule of cap_calls_feed's and cap_disp_frame's drop and of
 * `limf scan`'s count. */
bool cap_l4_csum_checked(const struct cap_pkt *p);
/* The UDP or TCP checksum to write into seg (n octets, its checksum field zero) sent from src
 * to dst (4 octets each for ip_ver 4, else 16) with protocol proto: never zero. */
uint16_t cap_l4_csum(uint8_t ip_ver, const uint8_t *src, const uint8_t *dst, uint8_t proto,
		     const uint8_t *seg, size_t n);

/* ---------------------------------------------------------------- defragmentation */

#define CAP_FRAG_MAX_PIECES 64 /* fragments per datagram */

struct cap_defrag_limits {
	size_t max_datagram; /* octets of upper-layer data per datagram (<= 65535) */
	size_t max_inflight; /* datagrams in reassembly at once */
	size_t max_total;    /* octets held by all datagrams in reassembly */
	uint64_t timeout_ns; /* an incomplete datagram is dropped this long after its first
				* fragment (capture time) */
};
/* 65535, 256, 4 MiB, 30 s (Linux ipfrag_time). */
void cap_defrag_limits_default(struct cap_defrag_limits *l);

struct cap_defrag; /* opaque; owns the reassembly buffers */

/* NULL limits = defaults. LIM_E_NOMEM / LIM_E_ARG (max_datagram > 65535 or a zero cap). */
enum lim_err cap_defrag_new(const struct cap_defrag_limits *l, struct cap_defrag **out) LIM_WUR;
void cap_defrag_free(struct cap_defrag *d); /* NULL is a no-op */

/* Adds a fragment (a cap_pkt with is_frag set, from cap_decode) seen at capture time now_ns.
 * Datagrams are keyed by (version, src, dst, protocol [IPv4], ID). Overlap policy: an exact
 * duplicate (same offset, length and bytes) is ignored; any other overlap drops the whole
 * datagram (RFC 5722 for IPv6, applied to IPv4 too) and returns CAP_DROP_FRAG_OVERLAP.
 * Returns CAP_PENDING while incomplete, CAP_OK with *out = the reassembled packet (is_frag
 * false, reassembled true, ip_payload = the whole upper-layer datagram in the defragmenter's
 * buffer, valid until the next call on d; transport NOT yet decoded: call cap_decode_l4), or a
 * CAP_DROP_FRAG_* reason. Expired datagrams are purged first (see cap_defrag_expire). */
enum cap_drop cap_defrag_add(struct cap_defrag *d, const struct cap_pkt *frag, uint64_t now_ns,
			     struct cap_pkt *out) LIM_WUR;
/* Drops datagrams older than the timeout at time now_ns; returns how many were dropped. */
size_t cap_defrag_expire(struct cap_defrag *d, uint64_t now_ns);
/* Datagrams and octets currently held. */
size_t cap_defrag_inflight(const struct cap_defrag *d);
size_t cap_defrag_bytes(const struct cap_defrag *d);
/* Incomplete datagrams dropped so far to make room for newer ones: when the table
 * (max_inflight) or max_total is full, the one that started first goes (CAP_DROP_FRAG_TABLE /
 * CAP_DROP_FRAG_MEM only when nothing else can go). */
uint64_t cap_defrag_evicted(const struct cap_defrag *d);

/* ---------------------------------------------------------------- decoder with counters */

struct cap_stats {
	uint64_t frames, bytes;
	uint64_t ipv4, ipv6, udp, tcp;
	uint64_t fragments;             /* fragments accepted into reassembly */
	uint64_t reassembled;           /* datagrams completed from fragments */
	uint64_t frag_evicted;          /* incomplete datagrams dropped for room (table or
					 * max_total full: cap_defrag_evicted) */
	uint64_t drop[CAP_DROP__COUNT]; /* per reason (CAP_OK/CAP_PENDING stay 0) */
	/* TCP reassembly (cap_tcp) */
	uint64_t tcp_streams; /* streams created */
	uint64_t tcp_not_sip; /* streams forgotten because they did not carry SIP */
	uint64_t tcp_other;   /* segments of untracked, non-SIP connections (ignored) */
	uint64_t tcp_retrans; /* segments wholly already held or delivered */
	uint64_t tcp_overlap; /* segments partly overlapping held data (first copy kept) */
	uint64_t tcp_ooo;     /* segments that arrived ahead of a hole */
	uint64_t tcp_sip;     /* SIP messages framed on streams */
	uint64_t tcp_evicted; /* streams dropped for room (table full, or max_total): cap_tcp */
	uint64_t tcp_bad_seq; /* RSTs, SYNs, FINs and data segments ignored for their sequence
			       * numbers (outside the window: cap_tcp, RFC 5961 style) */
	/* call table (cap_calls) */
	uint64_t sip, sip_tcp; /* SIP messages parsed (all / over TCP) */
	uint64_t sdp;          /* SDP bodies parsed */
	uint64_t calls, forks; /* calls created (forks included / forks only) */
	uint64_t calls_ended, calls_timeout;
	uint64_t calls_evicted; /* calls without a final answer ended for room (table full) */
	uint64_t media_evicted; /* calls not ended whose media claims went for room (bindings
				 * full) */
	uint64_t media_bound, media_rtcp, media_unbound; /* non-SIP UDP datagrams */
	/* of media_unbound: to or from an endpoint whose binding was evicted for room (the call
	 * table's media_evicted, the dispatcher's endpoint table; not bound again since): lost to
	 * the limit (a lower bound: capture/internal.h cap_victims) */
	uint64_t media_lost;
	/* SIP messages of a group dialog whose pin (capture/dispatch.h) was evicted for room,
	 * routed by their Call-ID instead: maybe to a worker that does not hold the call */
	uint64_t sip_pin_lost;
	uint64_t media_bad;       /* bound, but not RTP/RTCP version 2 or truncated (no event) */
	uint64_t media_contested; /* an SDP claimed an endpoint another open call claims (both
				   * claims kept; see "Media" in the call table) */
	/* ICE candidates the table does not follow, in the SDPs it took up (a retransmitted
	 * one counts again): distinct endpoints past CAP_CALL_MAX_CAND of an SDP (or
	 * CAP_SDP_MAX_CAND of a line); media that flows between them is not seen as the call's */
	uint64_t media_cand_over;
	/* ICE connectivity checks (STUN Binding requests, RFC 8445 s7.2.2) between endpoints no
	 * call claims whose USERNAME names the ICE ufrags of a call's two sides: their endpoints
	 * bound to the call (media_ice_learned, one per endpoint and call), and older ones that
	 * made room past CAP_CALL_MAX_LEARN a side (media_ice_learn_over); media_stun counts
	 * STUN between bound endpoints (checks, consent freshness: not media_bad) and every
	 * such check between endpoints no call claims, whether its ufrags were known or not
	 * (not media_unbound) */
	uint64_t media_ice_learned, media_ice_learn_over, media_stun;
};

/* A decoder: cap_decode + cap_defrag + counters. Caller-allocated; init/clear. */
struct cap_dec {
	struct cap_stats st;
	struct cap_defrag *defrag; /* owned */
};
enum lim_err cap_dec_init(struct cap_dec *dec, const struct cap_defrag_limits *l) LIM_WUR;
void cap_dec_clear(struct cap_dec *dec);
/* Decodes one frame; fragments go through reassembly. Returns CAP_OK with *out a UDP/TCP
 * packet (views valid until the next call), CAP_PENDING, or the reason (counted in st). */
enum cap_drop cap_dec_frame(struct cap_dec *dec, const struct cap_frame *f,
			    struct cap_pkt *out) LIM_WUR;

/* ---------------------------------------------------------------- SIP (RFC 3261) */

#define CAP_SIP_MAX_MSG 65535 /* octets per message (one UDP datagram) */
#define CAP_SIP_MAX_LINE                                                                           \
	8192                  /* octets per start line or header line (folded lines count
				* separately) */
#define CAP_SIP_MAX_HDRS  128 /* header fields per message */
#define CAP_SIP_MAX_PAI   4   /* P-Asserted-Identity values kept */
#define CAP_SIP_MAX_PARTS 16  /* multipart body parts examined (nested ones included) */
#define CAP_SIP_MAX_DEPTH 4   /* nested multipart levels in a body (1 = a flat multipart) */

/* A borrowed, not NUL-terminated view. */
struct cap_str {
	const char *p;
	size_t len;
};

/* Header names, compact forms folded in (RFC 3261 s7.3.3: i f t m c l v e k s o r b u x). */
enum cap_sip_hid {
	CAP_H_OTHER = 0,
	CAP_H_CALL_ID,
	CAP_H_FROM,
	CAP_H_TO,
	CAP_H_VIA,
	CAP_H_CONTACT,
	CAP_H_CSEQ,
	CAP_H_CONTENT_TYPE,
	CAP_H_CONTENT_LENGTH,
	CAP_H_PAI,
	CAP_H_CONTENT_ENCODING,
	CAP_H_SUPPORTED,
	CAP_H_SUBJECT,
	CAP_H_EVENT,
	CAP_H_REFER_TO,
	CAP_H_REFERRED_BY,
	CAP_H_ALLOW_EVENTS,
	CAP_H_SESSION_EXPIRES,
	CAP_H_MAX_FORWARDS
};

/* One header field. value runs from the first non-blank octet after ':' to the end of its last
 * continuation line, trailing blanks removed; it may contain folding (CRLF followed by SP/HT),
 * which RFC 3261 s7.3.1 makes equivalent to one SP: the helpers below treat it so. */
struct cap_sip_hdr {
	enum cap_sip_hid id;
	struct cap_str name; /* as sent (compact or long) */
	struct cap_str value;
};

/* From / To / P-Asserted-Identity: name-addr or addr-spec (RFC 3261 s20.10, s25.1). */
struct cap_sip_party {
	struct cap_str value;   /* whole value (one comma-separated element for PAI) */
	struct cap_str display; /* display name, quotes removed (escapes kept); len 0 if none */
	struct cap_str uri;     /* inside <> or the addr-spec */
	struct cap_str tag;     /* tag parameter value; len 0 when absent */
};

struct cap_sip_msg {
	bool is_request;
	struct cap_str method;         /* request: method token */
	struct cap_str ruri;           /* request: Request-URI */
	uint16_t status;               /* response: 100..699 */
	struct cap_str reason;         /* response: reason phrase */
	struct cap_str call_id;        /* mandatory */
	struct cap_sip_party from, to; /* mandatory */
	size_t n_pai;
	struct cap_sip_party pai[CAP_SIP_MAX_PAI];
	uint32_t cseq; /* mandatory */
	struct cap_str cseq_method;
	struct cap_str content_type; /* whole value incl. parameters; len 0 when absent */
	bool has_clen;
	size_t content_length;
	struct cap_str body; /* after the blank line: Content-Length octets, or all the rest */
	size_t n_hdr;
	struct cap_sip_hdr hdr[CAP_SIP_MAX_HDRS]; /* every header field, in order */
	enum cap_drop reject; /* CAP_OK, or why parsing failed (a CAP_DROP_SIP_* reason) */
	size_t err_offset;    /* where it failed */
};

/* Cheap test: does buf start like a SIP message ("SIP/2.0 " or "METHOD SP ... SIP/2.0")? */
bool cap_sip_looks_like(const uint8_t *buf, size_t len);

/* Parses one whole SIP message received over UDP (body framing per RFC 3261 s18.3: with
 * Content-Length the body is that many octets, extra octets are discarded; without, the body
 * is the rest). Header names are case-insensitive; compact forms and folded lines accepted.
 * Rejects: size/line/header-count caps, NUL or control octets (except HT) before the body,
 * malformed start line or header field, repeated Call-ID/CSeq/From/To/Content-Length/
 * Content-Type, missing mandatory headers, bad or excessive Content-Length. LIM_OK, or
 * LIM_E_PARSE / LIM_E_LIMIT / LIM_E_TRUNC with out->reject = the reason. */
enum lim_err cap_sip_parse(const uint8_t *buf, size_t len, struct cap_sip_msg *out) LIM_WUR;

/* First header with the given id at or after index *from (0 to start); returns it and sets
 * *from past it, or NULL. */
const struct cap_sip_hdr *cap_sip_find(const struct cap_sip_msg *m, enum cap_sip_hid id,
				       size_t *from);

/* Parses a From/To/PAI value (one element; folding treated as blank). LIM_OK / LIM_E_PARSE. */
enum lim_err cap_sip_party_parse(const char *p, size_t len, struct cap_sip_party *out) LIM_WUR;

/* The SDP offer/answer carried by m: the whole body when Content-Type is application/sdp; the
 * first part with Content-Type application/sdp, in document order, when it is multipart/mixed
 * (or another multipart/ subtype; MCPTT puts SDP beside XML), nested multiparts included
 * (RFC 5621 s3.1). The multipart walk is the one of capture/internal.h (RFC 2046 s5.1: boundary
 * rules, transport padding, folded part headers, CAP_SIP_MAX_DEPTH levels, CAP_SIP_MAX_PARTS
 * parts). A part of disposition early-session (RFC 3959: early media, not the session) is
 * passed over. The walk stops at the SDP part: what follows it is not examined.
 * LIM_OK with *sdp set (len 0, p NULL when the message carries no SDP; an empty SDP part gives
 * len 0 too); LIM_E_PARSE for a malformed multipart body before the SDP part (no or bad
 * boundary, no delimiter, junk after a boundary, a bad part header, no close delimiter) or an
 * SDP part with a Content-Transfer-Encoding other than 7bit/8bit/binary (not decoded here);
 * LIM_E_LIMIT past CAP_SIP_MAX_PARTS parts or CAP_SIP_MAX_DEPTH levels. */
enum lim_err cap_sip_sdp_body(const struct cap_sip_msg *m, struct cap_str *sdp) LIM_WUR;

/* Comparisons of a view with a NUL-terminated literal: exact (SDP's tokens, "IN", "IP4",
 * attribute names: RFC 8866 s5 makes them case-sensitive), and ASCII case-insensitive. */
bool cap_str_eq(struct cap_str s, const char *lit);
bool cap_str_ieq(struct cap_str s, const char *lit);

/* ---------------------------------------------------------------- SDP (RFC 8866) */

#define CAP_SDP_MAX_SIZE   65535 /* octets */
#define CAP_SDP_MAX_LINE   16384 /* octets per line (an I_MESSAGE in base64 is ~1-2 KiB) */
#define CAP_SDP_MAX_LINES  512
#define CAP_SDP_MAX_MEDIA  16
#define CAP_SDP_MAX_FMT    32 /* payload types kept per m= line */
#define CAP_SDP_MAX_RTPMAP 32 /* a=rtpmap kept per m= line */
#define CAP_SDP_MAX_CAND   16 /* ICE candidates kept per m= line (a=candidate, RFC 8839) */

struct cap_sdp_rtpmap {
	uint8_t pt;
	struct cap_str encoding; /* "PCMU", "AMR-WB"... */
	uint32_t clock;
	struct cap_str params; /* channels etc.; len 0 when absent */
};

/* An ICE candidate (RFC 8839 s5.1) of a media line: where its RTP (component 1) or RTCP
 * (component 2) may flow instead of c= and m= (RFC 8445: the pair the agents select). */
struct cap_sdp_cand {
	uint32_t priority; /* RFC 8445 s5.1.2: the higher, the likelier the agents select it */
	uint16_t port;
	uint8_t component; /* 1 or 2 */
	struct cap_addr addr;
};

struct cap_sdp_media {
	struct cap_str media; /* "audio", "video", "application"... */
	uint16_t port;        /* 0 = rejected/disabled stream */
	uint16_t nports;      /* from "port/n"; 1 when absent */
	struct cap_str proto; /* "RTP/AVP", "RTP/SAVP", "RTP/SAVPF", "UDP"... */
	size_t n_fmt;         /* numeric formats (payload types) kept, <= CAP_SDP_MAX_FMT */
	uint8_t fmt[CAP_SDP_MAX_FMT];
	struct cap_addr conn;      /* media-level c=, else the session-level one (family 0: none,
				    * or an FQDN: a media-level FQDN is not replaced by the
				    * session's address) */
	bool has_conn;             /* the line has a c= of its own */
	struct cap_str key_mgmt;   /* media-level a=key-mgmt:mikey base64 data; len 0 if absent */
	bool has_crypto;           /* an a=crypto line was present (SDES; ignored) */
	uint16_t rtcp_port;        /* a=rtcp:<port> (RFC 3605); 0 = absent (RTCP on port + 1) */
	struct cap_addr rtcp_addr; /* a=rtcp:<port> IN IP4|IP6 <address>; family 0: absent */
	bool rtcp_mux;             /* a=rtcp-mux (RFC 5761): RTCP shares the RTP port */
	size_t n_rtpmap;
	struct cap_sdp_rtpmap rtpmap[CAP_SDP_MAX_RTPMAP];
	/* a=candidate lines kept: UDP, component 1 or 2, an IPv4 or IPv6 literal address (an
	 * FQDN, such as a WebRTC mDNS name, names no endpoint a tap can bind), port not 0; in
	 * SDP order, each endpoint once. Others are passed over, as is a line that does not
	 * parse (not the SDP). Past CAP_SDP_MAX_CAND, a candidate of higher priority than
	 * the lowest kept takes its place (the pair the agents select is the highest-priority
	 * one that works, RFC 8445 s8.1.1, so a client with many interfaces has its host and
	 * server-reflexive candidates kept before the relays); the kept ones stay in SDP
	 * order */
	size_t n_cand;
	struct cap_sdp_cand cand[CAP_SDP_MAX_CAND];
	size_t n_cand_over; /* candidates that would have been kept, past CAP_SDP_MAX_CAND */
	/* a=ice-ufrag (RFC 8839 s5.4) of the line, else the session's; len 0: none, or not
	 * 4..256 ice-chars (ALPHA / DIGIT / "+" / "/") */
	struct cap_str ice_ufrag;
};

struct cap_sdp {
	struct cap_str origin;    /* o= value */
	struct cap_str ice_ufrag; /* session-level a=ice-ufrag (see cap_sdp_media) */
	struct cap_addr conn;     /* session-level c= (family 0: none) */
	struct cap_str key_mgmt;  /* session-level a=key-mgmt:mikey base64 data (RFC 4567 s3.1) */
	size_t n_bad_key_mgmt;    /* key-mgmt:mikey attributes ignored: empty or not base64 text */
	size_t n_media;
	struct cap_sdp_media media[CAP_SDP_MAX_MEDIA];
	size_t err_offset;
};

/* Parses an SDP body: lines "x=value" ending in CRLF or LF (last line may lack it). v= first.
 * Unknown lines and attributes are skipped; a=crypto is noted and ignored; a=rtcp (RFC 3605)
 * and a=candidate (RFC 8839) give media endpoints besides c= and m=. Connection
 * addresses: "IN IP4 a.b.c.d[/ttl[/n]]", "IN IP6 addr[/n]" (FQDNs leave family 0). Key
 * management: "a=key-mgmt:mikey <base64>" kept as the base64 view (charset checked, not
 * decoded); other protocol ids are ignored. LIM_OK, LIM_E_PARSE (no v=, a line without '=',
 * bad m= or c=, NUL octet), LIM_E_LIMIT (size, line, line count, m= count). */
enum lim_err cap_sdp_parse(const uint8_t *buf, size_t len, struct cap_sdp *out) LIM_WUR;

/* The I_MESSAGE that applies to media i (media level first, RFC 4567 s3.1), or a len-0 view. */
struct cap_str cap_sdp_key_mgmt(const struct cap_sdp *s, size_t i);

/* Writes an address as text ("192.0.2.1", "2001:db8::1") into buf (>= 46 octets). */
void cap_addr_str(const struct cap_addr *a, char *buf, size_t cap);

/* Whether two addresses are the same: family and all 16 octets (an IPv4 address is zero past
 * its 4, as cap_decode and the SDP parser leave it). */
bool cap_addr_eq(const struct cap_addr *a, const struct cap_addr *b);

/* An ICE connectivity check (RFC 8445 s7.2.2): a STUN Binding request (RFC 8489: type 0x0001,
 * the magic cookie, a length that is the datagram's, attributes within it) with a USERNAME
 * "RFRAG:LFRAG", RFRAG the ufrag of the agent it is sent to, LFRAG the sender's. Views into
 * the datagram. */
struct cap_stun_check {
	struct cap_str to_ufrag, from_ufrag; /* both non-empty */
	uint32_t priority;                   /* PRIORITY, when has_priority */
	bool has_priority, use_candidate;
};
/* Whether p[0..n) is such a request: out filled; else false (out zeroed). Never reads past n. */
bool cap_stun_check(const uint8_t *p, size_t n, struct cap_stun_check *out);
/* Whether p[0..n) may be STUN (RFC 7983 s7: first octet 0..3), not RTP or RTCP (128..191). */
bool cap_stun_like(const uint8_t *p, size_t n);

/* ---------------------------------------------------------------- TCP reassembly (SIP) */

/* SIP over TCP (RFC 3261 s18.3): each direction of a connection is one stream keyed by
 * (IP version, src, dst, sport, dport, outermost VLAN ID). Bytes are delivered in sequence
 * order; SIP messages are framed on the stream by Content-Length and handed to a callback.
 *
 * Streams: a stream is created by a SYN, or by a data segment whose payload starts like a SIP
 * message (cap_sip_looks_like; pick-up in mid-connection). A stream whose first line is not a
 * SIP start line is forgotten (stats tcp_not_sip); its connection is ignored until a segment
 * of it starts like a SIP message again. Other TCP (no stream, payload not SIP) is counted in
 * tcp_other and never buffered. A stream that has not framed a SIP message yet (a bare SYN, a
 * scan, a connection that never spoke) is forgotten after idle_nosip_ns without a segment.
 * When max_streams are tracked, a new stream takes the place (stats tcp_evicted) of the least
 * recently seen of those, else of one of the 64 least recently seen SIP streams that holds no
 * part of a message, or one that made no progress for 5 s (its connection is picked up again
 * at its next message); when none is either, it is refused (CAP_DROP_TCP_TABLE). When
 * max_total octets are held, the octets a stream needs are made the same way, from streams
 * that hold octets (never from the one that needs them), and only when those can free enough;
 * else refused (CAP_DROP_TCP_MEM), nothing dropped.
 *
 * Overlap policy, first copy wins: octets already delivered in order are never replaced; an
 * out-of-order segment is stored only for the ranges no earlier segment holds, so a later
 * retransmission with different bytes never changes what was kept (stats tcp_retrans counts
 * wholly duplicate segments, tcp_overlap partly overlapping ones).
 *
 * Window: a data segment ending more than max_stream octets past what the stream expects
 * next, or starting more than that behind it, is outside any window a SIP receiver keeps and
 * is ignored (stats tcp_bad_seq). But the stream is taken up at a segment ahead that starts
 * like a SIP message (a capture that lost more than a window, a new connection on the tuple)
 * when no data segment came within its window for 5 s and it holds no part of a message, or a
 * part that made no progress for 5 s; the place it left is kept, and a segment there takes it
 * back at once (a forged segment far away cannot hold a real connection off); ahead or
 * behind alike (a new connection on the tuple whose RST was missed). A segment refused so does
 * not keep the stream from its idle time. Acknowledgement numbers are taken only from segments
 * within their own stream's window, when that stream is tracked.
 *
 * Gaps: out-of-order pieces are held up to max_segs pieces and max_stream octets per stream.
 * The hole before them is given up, the stream skipping to the first held piece (its partial
 * message lost, CAP_DROP_TCP_GAP, framing resynchronising), when the other direction
 * acknowledges octets at or past that piece (its receiver has the hole's octets: nobody sends
 * them again; an acknowledgement past the farthest octet seen, or one past a FIN's sequence
 * number, is ignored), when the hole has been open 5 s of capture time at a segment or an
 * acknowledgement of the stream, when a cap is hit, or when a FIN arrives with holes before it
 * and no acknowledgement of the other direction has been seen (every hole then; with one
 * seen, the FIN waits for the acknowledgement of it). What each hole given up makes complete
 * is framed before the next is given up. A stream dropped for idleness first gives up its
 * holes and delivers what is complete after them (not at the end of the input).
 *
 * Framing: CR/LF octets between messages (RFC 5626 s4.4.1 keep-alives) are skipped. A message
 * is its header block up to the first CRLFCRLF plus Content-Length octets. Rejections and
 * the resync policy: a header block longer than CAP_SIP_MAX_MSG without CRLFCRLF (endless
 * stream) is discarded (CAP_DROP_SIP_SIZE); a header block without Content-Length
 * (CAP_DROP_SIP_NOCLEN), with an unparsable one or one over CAP_SIP_MAX_MSG
 * (CAP_DROP_SIP_CLEN), or with a first line that is not a SIP start line (CAP_DROP_SIP_START)
 * is discarded; in each case the stream then resynchronises: it skips whole lines (counted
 * once per episode as CAP_DROP_SIP_RESYNC) until a line that starts like a SIP message.
 *
 * End: RST drops both directions' streams; FIN closes the stream once all octets before it
 * arrived. A RST is taken only when its sequence number is in [next expected, + 64 KiB] of its
 * sender's stream (or, when that direction is not tracked, of the last ACK number the other
 * direction sent); else it is ignored and counted (stats tcp_bad_seq), so that a blind forged
 * RST cannot cut a message (RFC 5961 s3). A SYN on a tracked 4-tuple (but one sent again, its
 * data at ISN + 1) is ignored the same way (RFC 5961 s4); outside that window, its connection
 * is taken up if data then comes within 64 KiB of its ISN + 1 (a real new connection on the
 * tuple) and the stream holds no part of a message, or a part that made no progress for 5 s
 * (the old place kept, as above). A partial message lost this
 * way, or to the idle timeout, is CAP_DROP_TCP_CUT. Segments are not checksum-verified. */
struct cap_tcp_limits {
	size_t max_streams;     /* streams tracked at once */
	size_t max_stream;      /* octets held per stream (partial message + out-of-order data);
				 * at least CAP_SIP_MAX_MSG + CAP_SIP_MAX_MSG / 4 */
	size_t max_segs;        /* out-of-order pieces held per stream */
	size_t max_total;       /* octets held by all streams */
	uint64_t idle_ns;       /* a stream with no segment for this long is dropped */
	uint64_t idle_nosip_ns; /* the same for a stream that never framed a SIP message */
	uint32_t hash_seed;     /* of the stream table's keyed hash (cap_calls and the dispatcher
				 * set it from theirs) */
};
/* 4096 streams, 96 KiB and 64 pieces per stream, 64 MiB total, 300 s idle (32 s for a stream
 * that never framed SIP: a bare SYN, a scan), seed 0. */
void cap_tcp_limits_default(struct cap_tcp_limits *l);

/* One framed SIP message from a stream. bytes is BORROWED (valid during the callback). The
 * addresses are those of the segment that completed it. */
struct cap_tcp_msg {
	const struct cap_pkt *pkt; /* the completing segment (payload is the segment's) */
	const uint8_t *bytes;
	size_t len;
	uint64_t ts_ns;
};
typedef void (*cap_tcp_msg_fn)(void *ctx, const struct cap_tcp_msg *m);

struct cap_tcp; /* opaque; owns the streams */

/* NULL limits = defaults. st (BORROWED, must outlive t) receives the counters and drop
 * reasons. LIM_E_NOMEM, or LIM_E_ARG for a zero cap or max_stream below the minimum. */
enum lim_err cap_tcp_new(const struct cap_tcp_limits *l, struct cap_stats *st, cap_tcp_msg_fn fn,
			 void *ctx, struct cap_tcp **out) LIM_WUR;
void cap_tcp_free(struct cap_tcp *t); /* NULL is a no-op */
/* Feeds one decoded TCP packet (p->proto == CAP_PROTO_TCP) seen at now_ns; calls fn for each
 * message it completes. Idle streams are purged first (cap_tcp_expire). */
void cap_tcp_feed(struct cap_tcp *t, const struct cap_pkt *p, uint64_t now_ns);
/* Drops streams idle since before now_ns - idle_ns (all streams for UINT64_MAX). Returns how
 * many were dropped. */
size_t cap_tcp_expire(struct cap_tcp *t, uint64_t now_ns);
/* Streams and octets currently held. */
size_t cap_tcp_streams(const struct cap_tcp *t);
size_t cap_tcp_bytes(const struct cap_tcp *t);

/* ---------------------------------------------------------------- call table */

/* Dialogs found in SIP (UDP, or TCP through cap_tcp) and the media bound to them. Plain
 * events for limf/; no warrant or key decision here and no MIKEY decoding (the I_MESSAGEs are
 * handed on as the base64 text of their a=key-mgmt attribute).
 *
 * One loop drives it: cap_dec_frame -> cap_calls_feed(calls, pkt, ts) -> events through one
 * callback, synchronously, in input order. At the end of the input, cap_calls_flush. For a
 * SIP message that changes a call, CAP_EV_CALL_START / _UPDATE / _END come first and the
 * message's CAP_EV_SIP last (with the call, also after its END: a BYE's 200 OK).
 *
 * Dialogs (RFC 3261 s12): a call is an INVITE dialog keyed by Call-ID, the caller's From tag
 * and the callee's To tag. An INVITE without To tag starts a call; the first response with a
 * To tag gives it its tag; a response with another To tag for the same Call-ID and From tag
 * is a fork (RFC 3261 s13.2.2.4): a new call, copy of the offer, with its own answer, state
 * and events. In-dialog requests from either side match by tags in either order; a message
 * without a To tag (CANCEL, an INVITE retransmission, 100 Trying) is applied only to the calls
 * still without a final answer (state before ACCEPTED). Once every dialog of the Call-ID and
 * From tag has its final answer, such a message (a tag-less BYE or INVITE included) is given
 * with the call in its CAP_EV_SIP but changes nothing; a tag-less INVITE with a new CSeq after
 * they all ended unanswered (a retry after 401/407) starts a new call. A BYE needs its To tag.
 * Non-INVITE dialogs (REGISTER, OPTIONS, MESSAGE...) give SIP events with no call.
 *
 * State: INVITE -> PROCEEDING (1xx) -> ACCEPTED (2xx) -> CONFIRMED (ACK) -> ENDED. ENDED
 * comes from a BYE at its final answer (the response to that BYE: its sender's From tag,
 * its CSeq, from the address the BYE went to): a 2xx, or a 481 (the dialog is gone); an
 * error other than those (a 408 too: after Timer F, the peer never got it) leaves the call as
 * it was (a BYE limf saw may never reach the peer, or be one it must refuse: out of order,
 * RFC 3261 s12.2.2), and a response to no BYE seen ends nothing. When no answer comes, the
 * call ends as it would have without the BYE, at its idle time, but as CAP_END_BYE: a BYE
 * never shortens a call's life (one to nowhere, on a call on hold, would end it before a
 * proxy's 408 came). ENDED also comes from a final error (300-699) to the initial
 * INVITE (CAP_END_CANCEL when a CANCEL came before it, else CAP_END_REJECTED; it also ends
 * the INVITE's other early dialogs), the
 * idle timeout (idle_ns; early_idle_ns before any response, ringing_idle_ns after a 1xx
 * only; longer for an established dialog with a Session-Expires, up to session_max_ns),
 * cap_calls_flush, or eviction; CAP_EV_CALL_END says which. Eviction: when max_calls calls
 * are held, a new call takes the place of the oldest ended (lingering) call not held, else of
 * the least recently active call without any response, else of the least recently active
 * ringing one, else of the least recently active established call the caller does not hold
 * (struct cap_call held: a call of nobody under a warrant; anyone can answer a forged INVITE,
 * and 16384 such dialogs kept every new call, a target's among them, out for the idle time)
 * (CAP_END_EVICTED, stats calls_evicted; then freed at once), else of the oldest ended call
 * held (an interception whose media may go on after its end: a flood does not take it); only
 * when every call is held and open is the new one refused (CAP_DROP_CALL_TABLE). When
 * max_bindings
 * endpoints are bound, the claims of the call that first became weak (early, ended, or a
 * pick-up not yet answered; see "Media") all go to make room, else those of the least
 * recently active established call not held (stats media_evicted, for a call not ended; an
 * early call binds again when it is answered; media that comes to the endpoints it alone
 * claimed before they are bound again is counted media_lost). A CANCEL alone ends nothing: a 2xx
 * that crosses it establishes the call (RFC 3261 s9.1). An ended call lingers linger_ns (a
 * retransmitted 200 OK to BYE, trailing RTP) and is then freed (CAP_EV_CALL_FREE); while RTP of a
 * stream it had before its end (an SSRC first seen on that media line) still reaches it, it
 * lingers linger_ns past the latest such packet (or one the caller found the call's own,
 * media_ok), so media that goes on after an end the peer
 * never saw (a BYE a party's second UA answered) is still the call's (rtp_after_end counts the
 * RTP that reached it once ended; a call that claims its endpoints since takes their media,
 * but not the packets of a stream the ended call had, whose SSRC keeps them with it as with
 * an open call's, see "Media"). A re-INVITE or UPDATE
 * sent since the end, or unanswered at it, that is answered 2xx while the call lingers shows
 * its dialog went on, after a BYE's end or a timeout (the peer of a dialog that is gone
 * answers 481, or 487 to one pending): its
 * offer and answer are applied as in an open call (a re-key too: CAP_EV_CALL_UPDATE with
 * CAP_UPD_WENT_ON the first time), and from then on any RTP or SIP that reaches the call keeps
 * it (went_on). A re-INVITE in
 * an established dialog carries a new offer. It is held until its final response (RFC 3264 s8, RFC
 * 3261 s14.1: a rejected re-INVITE leaves the session as it was): on its 2xx its SDP and I_MESSAGE
 * replace the previous ones (re-key) and give CAP_EV_CALL_UPDATE, with the 2xx's answer; on a
 * final error (3xx-6xx) it is dropped and the call goes on unchanged, its media still bound as
 * before. One re-INVITE per side is held (a newer one replaces it).
 *
 * Media: the offer's and the answer's SDP endpoints (c= address + m= port; RTCP at port + 1
 * unless a=rtcp gives the port (and address), or on the same port with a=rtcp-mux (RFC 5761:
 * when the peer's SDP has it too; a line whose peer has the line in use without it has its
 * RTCP at its a=rtcp port or port + 1 as well, mux_refused); and each ICE candidate's, RFC
 * 8839, the CAP_CALL_MAX_CAND of highest priority per SDP: component 1 as the RTP endpoint, 2
 * as the RTCP one, for the pair the ICE agents select) are bound in a hash table; so are the
 * endpoints of an ICE connectivity check (a STUN Binding request, RFC 8445 s7.2.2) between
 * endpoints no call claims whose USERNAME names the a=ice-ufrag of one side (the receiver)
 * and of the other (the sender): peer-reflexive candidates, trickled ones, those past the
 * limit, up to CAP_CALL_MAX_LEARN a side, dropped with the SDP they were learned for (an ICE
 * restart changes the ufrags). An endpoint a call claims is never taken by a check. An
 * endpoint may be claimed by several calls at once (a port reused while the old call
 * lingers, two UEs behind NAT offering one private address, a third party's SDP copying a
 * live call's endpoints): up to 4 claims are kept per endpoint, and each call's claim goes
 * only when that call unbinds it (a re-INVITE moves its media, it is freed), so the endpoint
 * falls back to the claims left (stats media_contested counts the SDPs that claimed an
 * endpoint another open call holds; when 4 are held, the weakest claim, as ranked below, the
 * oldest of those, makes room). A UDP packet that is not SIP goes to one claim on its
 * destination or its source endpoint, chosen in this order: a call that claims both endpoints
 * of the packet; then a call whose stream it continues (its SSRC first seen on that media
 * line, of a call in progress, or of an ended one before its end or once its dialog went on:
 * a dialog forged on a flowing stream's endpoints does not take it); then an established
 * call (ACCEPTED or CONFIRMED, answered in our sight: a
 * call picked up from a re-INVITE counts once a 2xx answered it) over an early one, over an
 * ended one; then the destination endpoint over the source; then the newest claim. RTP vs
 * RTCP: the RTCP port, or on a shared port the payload type octet 192..223 (RFC 5761 s4).
 * RTP packets must have version 2 and at least 12 octets + CSRCs. SSRCs are learned from
 * the first packets of each direction (up to CAP_CALL_MAX_SSRC per call) or added by limf/
 * (cap_calls_add_ssrc, from the MIKEY CS ID map). Unbound packets are only counted. */

#define CAP_CALL_MAX_MEDIA 8     /* media streams kept per SDP (m= lines past it are ignored) */
#define CAP_CALL_MAX_SSRC  16    /* SSRCs per call */
#define CAP_CALL_MAX_TEXT  256   /* octets kept of Call-ID, URIs, tags (longer: truncated) */
#define CAP_CALL_MAX_IMSG  16384 /* octets of I_MESSAGE base64 text kept (CAP_SDP_MAX_LINE) */

enum cap_call_state {
	CAP_CALL_INVITED = 0, /* INVITE seen, no response yet */
	CAP_CALL_PROCEEDING,  /* 1xx */
	CAP_CALL_ACCEPTED,    /* 2xx */
	CAP_CALL_CONFIRMED,   /* ACK for the 2xx */
	CAP_CALL_ENDED
};
enum cap_call_end {
	CAP_END_NONE = 0,
	CAP_END_BYE,
	CAP_END_CANCEL,
	CAP_END_REJECTED, /* final error to the initial INVITE (status in call->final_status) */
	CAP_END_TIMEOUT,  /* idle too long (idle_ns, or see cap_calls_limits) */
	CAP_END_FLUSH,    /* cap_calls_flush (end of input) */
	CAP_END_EVICTED   /* still without a final answer, made room for a new call (table full) */
};
/* Static names ("confirmed", "bye"...), never NULL. */
const char *cap_call_state_name(enum cap_call_state s);
const char *cap_call_end_name(enum cap_call_end e);

/* Text copied from the wire (not NUL-terminated inside; s[len] is NUL). */
struct cap_text {
	char s[CAP_CALL_MAX_TEXT];
	size_t len;
	bool cut; /* longer on the wire than kept */
	/* the call table's, for one cut: the wire value's length and keyed hash (a value that
	 * differs only after the kept prefix is another) */
	size_t wire_len;
	uint64_t wire_sum;
};

/* ICE candidates the call table follows per SDP, all its media lines' together: each line's
 * endpoints besides any line's c= and m= (and a=rtcp), each once, those of highest priority
 * (RFC 8445 s5.1.2; equals in SDP order; the others: stats media_cand_over). Kept per SDP,
 * not per line: a call holds four SDPs (offer, answer and a held re-offer of each side), most
 * of one line. */
#define CAP_CALL_MAX_CAND 12
/* ICE ufrags an SDP's lines use (a session-level one, or per line), kept as cap_ufrag_id */
#define CAP_CALL_MAX_UFRAG 2
#define CAP_UFRAG_ID_LEN   16
/* Endpoints an SDP's side of a call learned from ICE connectivity checks (see "Media") */
#define CAP_CALL_MAX_LEARN 4

/* An endpoint a connectivity check named (cap_call_sdp.learn): of media line `line`, RTP or
 * RTCP by the check's component (PRIORITY's low octet, RFC 8445 s5.1.2.1). */
struct cap_call_learn {
	struct cap_addr addr;
	uint16_t port;
	uint8_t line;
	uint8_t component; /* 1 or 2 */
};

/* One SDP media stream of an offer or answer. */
struct cap_call_media {
	char media[16];       /* "audio", "video"... (truncated) */
	struct cap_addr addr; /* c= (family 0: none) */
	uint16_t port;        /* m= port; 0: disabled */
	/* a=rtcp's port (and address), else port + 1 (on addr); with a=rtcp-mux, where RTCP
	 * goes when the peer does not take it up (mux_refused) */
	uint16_t rtcp_port;
	struct cap_addr rtcp_addr;
	bool rtcp_mux;
	bool mux_forced; /* an MCPTT floor-control line: RTCP on its port whatever is said */
	/* RFC 5761 s5.1.1: a=rtcp-mux here but not on the peer's line (its SDP has it in use):
	 * not multiplexed after all, RTCP at rtcp_port */
	bool mux_refused;
	uint8_t ufrag_ix;        /* its ICE ufrag: ufrag[ufrag_ix - 1] of its SDP; 0: none */
	uint8_t cand_at, n_cand; /* its ICE candidates: cand[cand_at, + n_cand) of its SDP */
	bool bound;              /* held in the media table (at the time it was applied) */
	uint64_t packets, rtcp;  /* RTP / RTCP datagrams sent to this endpoint */
};

/* One side's SDP. "offer" is the caller's side (the INVITE's sender), "answer" the callee's,
 * whichever message carried it: a re-INVITE from the callee updates the answer side from its
 * request, a delayed offer (SDP in the 2xx) fills the answer side first. imsg is the I_MESSAGE
 * base64 text: the media level a=key-mgmt of the first stream in use (port not 0) that has
 * one, else the session level one (RFC 4567 s3.1); malloc'd, NUL-terminated, NULL when
 * none. */
struct cap_call_sdp {
	bool present;
	size_t n_media;
	struct cap_call_media media[CAP_CALL_MAX_MEDIA];
	uint8_t n_cand;
	struct cap_sdp_cand cand[CAP_CALL_MAX_CAND]; /* the lines' ICE candidates, in line order */
	uint8_t n_ufrag, n_learn;
	uint8_t ufrag[CAP_CALL_MAX_UFRAG][CAP_UFRAG_ID_LEN];
	struct cap_call_learn learn[CAP_CALL_MAX_LEARN];
	char *imsg;
	size_t imsg_len;
	uint64_t imsg_ts_ns; /* the capture time of the SIP message that carried imsg */
	uint32_t version;    /* increments each time this side's SDP changes (re-INVITE) */
};

enum cap_dir {
	CAP_DIR_TO_OFFERER = 0, /* sent to the offer's endpoint (callee -> caller, normally) */
	CAP_DIR_TO_ANSWERER = 1
};

struct cap_call_ssrc {
	uint32_t ssrc;
	uint8_t dir;    /* enum cap_dir */
	bool from_user; /* added by cap_calls_add_ssrc */
	/* the media line it was first seen on (the claim that took its first packet: the SDP
	 * side, the m= index): a stream the call continues is the one on that line */
	uint8_t side, stream;
	bool after_end; /* first seen after the call's end (it keeps no ended call alive) */
	uint64_t packets;
};

/* capture/'s own (internal.h cap_dlg_req_feed): one side's latest re-INVITE or UPDATE of a
 * dialog (To tag) still without a final answer, and the last one answered (their CSeq). */
struct cap_dlg_req {
	bool open, fin;
	uint32_t open_cseq, fin_cseq;
};

/* A call, owned by the table. Read-only for the caller except user, held and media_ok. Valid
 * from its CAP_EV_CALL_START until its CAP_EV_CALL_FREE event returns. */
struct cap_call {
	uint64_t id; /* 1, 2, ... in creation order */
	struct cap_text call_id, from_uri, to_uri, from_tag, to_tag;
	/* every P-Asserted-Identity of the INVITE, in order (RFC 3325 s9.1: usually two, one sip:
	 * or sips: and one tel:, both naming the caller; the gate needs each of them) */
	size_t n_pai;
	struct cap_text pai[CAP_SIP_MAX_PAI];
	/* every P-Asserted-Identity of the 2xx that answered the INVITE, in order (RFC 3325 s9.1
	 * allows it in responses; an IMS network asserts the answering party there, TS 24.229
	 * connected line): the party that answered, which in a diverted call is not the To */
	size_t n_apai;
	struct cap_text apai[CAP_SIP_MAX_PAI];
	uint64_t first_ns, last_ns, end_ns;
	enum cap_call_state state;
	enum cap_call_end end;
	uint16_t final_status; /* last final status to an INVITE (0: none) */
	uint32_t invite_cseq;
	bool over_tcp;      /* the INVITE came over TCP */
	bool forked;        /* created by a second To tag */
	uint32_t reinvites; /* re-INVITEs seen */
	/* seconds: the last Session-Expires (RFC 4028) of an INVITE or UPDATE of the dialog or
	 * of their 2xx; 0: none seen (the idle time of the call follows it, see limits) */
	uint32_t session_expires;
	struct cap_call_sdp offer, answer;
	size_t n_ssrc;
	struct cap_call_ssrc ssrc[CAP_CALL_MAX_SSRC];
	uint64_t sip_msgs, rtp[2], rtcp[2]; /* per enum cap_dir */
	/* RTP packets that reached it once ended */
	uint64_t rtp_after_end;
	/* ended, its dialog went on: a re-INVITE or UPDATE in it answered 2xx while it lingered
	 * (its offer and answer applied, a re-key among them; see "Media") */
	bool went_on;
	void *user; /* the caller's; never touched by capture/ */
	/* the caller's, in a CAP_EV_MEDIA callback: the packet is the call's own (SRTP
	 * authenticated it under the call's keys), and an ended call lingers on for it whatever
	 * its SSRC (a stream that changed SSRC after an end the peer never saw); false before
	 * each media event */
	bool media_ok;
	/* the caller's: set when the call is (or is to be) intercepted. An established call
	 * not held may go to make room when the table is full (see Eviction) */
	bool held;
	/* private to capture/ */
	struct cap_call *hnext, *lprev, *lnext;
	uint32_t reinv_cseq[2]; /* last re-INVITE CSeq from the caller [0] / callee [1] */
	bool bye_pending[2];    /* a BYE from the caller [0] / callee [1] without a final answer */
	uint32_t bye_cseq[2];   /* (its CSeq, and the address it was sent to: its answer's */
	struct cap_addr bye_dst[2]; /* source) */
	bool linger;
	bool cancelled;    /* CANCEL seen while early: the INVITE's final error ends it as CANCEL */
	bool pickup;       /* picked up from a re-INVITE of an unseen dialog, no 2xx seen yet */
	uint8_t lst;       /* the list it is in (by state: early, ringing, established, ended) */
	uint64_t lseq;     /* when it was last appended to its list (the order across lists) */
	uint32_t n_claims; /* claims on media endpoints it holds */
	bool in_blist;     /* in the list of weak claims (evicted first when the table is full) */
	struct cap_call *bprev, *bnext;
	/* in the list of calls holding I_MESSAGE text, in the order they came to hold some (the
	 * first given up when the text passes max_imsg_bytes) */
	bool in_tlist;
	struct cap_call *tprev, *tnext;
	/* the offer of a pending re-INVITE from the caller [0] / callee [1] (present: one is
	 * pending) and its CSeq: applied on its 2xx, dropped on its final error */
	struct cap_call_sdp pend[2];
	uint32_t pend_cseq[2];
	/* the re-INVITEs and UPDATEs from the caller [0] / callee [1] (a 2xx to one after the
	 * end: the dialog went on) */
	struct cap_dlg_req dreq[2];
};

enum cap_ev_type {
	CAP_EV_SIP = 1,     /* a parsed SIP message (call may be NULL) */
	CAP_EV_CALL_START,  /* a call (or fork) was created; offer filled when it had SDP */
	CAP_EV_CALL_UPDATE, /* new SDP and/or I_MESSAGE on a side, or a state change */
	CAP_EV_CALL_END,    /* the call ended (call->end says why) */
	CAP_EV_CALL_FREE,   /* last event for the handle: free the caller's user data */
	CAP_EV_MEDIA        /* a media packet bound to a call */
};

/* CAP_EV_CALL_UPDATE: what changed (bits). */
#define CAP_UPD_STATE       0x01u
#define CAP_UPD_OFFER_SDP   0x02u
#define CAP_UPD_ANSWER_SDP  0x04u
#define CAP_UPD_OFFER_IMSG  0x08u /* a new (different) I_MESSAGE in the offer: re-key */
#define CAP_UPD_ANSWER_IMSG 0x10u /* the answer carries a new I_MESSAGE */
#define CAP_UPD_WENT_ON     0x20u /* an ended call's dialog went on (cap_call went_on) */

/* CAP_EV_MEDIA: the RTP header fields are set when rtcp is false. */
struct cap_media_pkt {
	uint8_t dir; /* enum cap_dir */
	bool rtcp;
	uint8_t side;   /* side of the endpoint that matched: 0 offer, 1 answer */
	size_t stream;  /* index of the m= line in that side's SDP */
	bool by_source; /* bound through the source endpoint, not the destination */
	bool ssrc_new;  /* first packet of this SSRC in this call */
	uint32_t ssrc;  /* RTP: header SSRC; RTCP: sender SSRC (octets 4..7) */
	uint16_t seq;
	uint32_t timestamp;
	uint8_t pt;
	bool marker;
	struct lim_rd packet;  /* the whole UDP payload (BORROWED) */
	struct lim_rd payload; /* RTP payload after CSRCs and extension (padding not removed) */
};

struct cap_event {
	enum cap_ev_type type;
	uint64_t ts_ns;
	struct cap_call *call; /* NULL only for SIP outside any INVITE dialog */
	/* the packet (SIP: the datagram or last TCP segment). CAP_EV_CALL_END: the one of the
	 * SIP message that ended the call (its CAP_EV_SIP follows), NULL when none did (idle,
	 * flush, eviction, a BYE whose answer never came) */
	const struct cap_pkt *pkt;
	/* CAP_EV_SIP */
	const struct cap_sip_msg *sip;
	struct lim_rd raw; /* the whole SIP message (BORROWED) */
	bool over_tcp;
	/* CAP_EV_CALL_UPDATE */
	unsigned changed; /* CAP_UPD_* */
	/* CAP_EV_MEDIA */
	struct cap_media_pkt media;
};
/* Events are synchronous; every view dies when the callback returns. The callback must not
 * call cap_calls_feed/expire/flush/free (cap_calls_add_ssrc is allowed). */
typedef void (*cap_event_fn)(void *ctx, const struct cap_event *ev);

struct cap_calls_limits {
	size_t max_calls;    /* calls (forks included) tracked at once */
	size_t max_bindings; /* media endpoints bound at once */
	uint64_t idle_ns;    /* a call with no SIP and no media for this long ends (timeout) */
	/* the same for a call without any response to its INVITE (RFC 3261 s17.1.1.2: Timer B =
	 * 64*T1 = 32 s, the INVITE transaction gives up), and for one with only provisional
	 * responses (RFC 3261 s16.6 step 11 / s13.3.1.1: a proxy's Timer C runs > 3 min, a
	 * ringing UAS refreshes its 1xx every minute); each capped at idle_ns */
	uint64_t early_idle_ns;
	uint64_t ringing_idle_ns;
	/* an established call (ACCEPTED, CONFIRMED) whose dialog carries a Session-Expires
	 * (RFC 4028; header or compact form x) longer than idle_ns idles at least that long
	 * (a held call sends no RTP and refreshes only every Session-Expires/2), at most
	 * session_max_ns: the idle time used is the first of idle_ns x 2, x 4, x 8, x 16 (each
	 * capped at session_max_ns), session_max_ns, that covers the Session-Expires (0, or
	 * not above idle_ns: no extension) */
	uint64_t session_max_ns;
	uint64_t linger_ns; /* an ended call stays matchable this long, then is freed */
	/* I_MESSAGE text the calls hold (each SDP's imsg, up to CAP_CALL_MAX_IMSG): past it, once
	 * a SIP message is handled, the ended calls holding some are freed, then the calls a
	 * full table gives up are evicted (CAP_END_EVICTED, calls_evicted) until it fits; held
	 * calls never go, and past it by four I_MESSAGEs of the largest size new text is not
	 * kept (CAP_DROP_CALL_IMSG) */
	size_t max_imsg_bytes;
	uint32_t hash_seed; /* seed of the table hashes (set a random one on live capture) */
	/* SIP datagrams and TCP segments whose UDP/TCP checksum is wrong (cap_l4_csum_ok) are
	 * dropped unread (CAP_DROP_L4_CSUM): what the receiver discards cannot end, move or
	 * re-key a call here. Media is not checked (SRTP authenticates it). Default off */
	bool verify_csum;
	struct cap_tcp_limits tcp;
};
/* 16384 calls, 65536 bindings, 300 s idle (32 s without a response, 180 s ringing, up to
 * 2 h for a Session-Expires), 5 s linger, 64 MiB of I_MESSAGE text (some 16 KiB per call
 * when full: about 8 I_MESSAGEs of a usual 2 KiB), seed 0, checksums not verified, TCP
 * defaults. */
void cap_calls_limits_default(struct cap_calls_limits *l);

struct cap_calls; /* opaque */

/* NULL limits = defaults. st (BORROWED, typically &dec.st) receives the counters and drop
 * reasons. fn is called with ctx for every event. LIM_E_NOMEM / LIM_E_ARG (zero cap). */
enum lim_err cap_calls_new(const struct cap_calls_limits *l, struct cap_stats *st, cap_event_fn fn,
			   void *ctx, struct cap_calls **out) LIM_WUR;
/* Frees every call and stream without events (call cap_calls_flush first to get them). */
void cap_calls_free(struct cap_calls *c); /* NULL is a no-op */
/* Feeds one decoded UDP/TCP packet (from cap_dec_frame) seen at now_ns: SIP over UDP or TCP,
 * or media. Expires idle calls first. */
void cap_calls_feed(struct cap_calls *c, const struct cap_pkt *p, uint64_t now_ns);
/* Feeds one whole SIP message framed on a TCP stream elsewhere (by the worker-pool dispatcher's
 * own cap_tcp, capture/dispatch.h), seen at now_ns; p (BORROWED) is the segment that completed
 * it, msg/len (BORROWED) the message. Exactly what this table does with a message its own
 * cap_tcp frames: idle calls expire first, then the same parsing, counters (sip, sip_tcp,
 * sdp...) and events (over_tcp true). The table's own TCP streams are not touched. */
void cap_calls_feed_sip(struct cap_calls *c, const struct cap_pkt *p, const uint8_t *msg,
			size_t len, uint64_t now_ns);
/* Ends calls idle since before now_ns - idle_ns and frees lingering ones past linger_ns;
 * returns how many calls ended. A call ends at its deadline (its last packet's time and its
 * idle time: end_ns, CAP_EV_CALL_END's ts_ns), not at now_ns. */
size_t cap_calls_expire(struct cap_calls *c, uint64_t now_ns);
/* End of input: every open call ends (CAP_END_FLUSH), every call is freed (with events), every
 * TCP stream dropped. */
void cap_calls_flush(struct cap_calls *c, uint64_t now_ns);
/* Adds an SSRC limf/ learned (MIKEY CS ID map) to a call, direction dir. LIM_OK (also when
 * already known: then marked from_user), LIM_E_LIMIT (CAP_DROP_CALL_SSRC counted). */
enum lim_err cap_calls_add_ssrc(struct cap_calls *c, struct cap_call *call, uint32_t ssrc,
				enum cap_dir dir) LIM_WUR;
/* Calls, media bindings and octets of I_MESSAGE text (max_imsg_bytes) currently held. */
size_t cap_calls_count(const struct cap_calls *c);
size_t cap_calls_bindings(const struct cap_calls *c);
size_t cap_calls_imsg_bytes(const struct cap_calls *c);

#endif
