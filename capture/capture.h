/* capture/: the capture front end (DESIGN.md s2-3, issue 3).
 *
 *   cap_source_*   libpcap sources: offline files (pcap and pcapng), live interfaces + BPF.
 *   cap_decode     pure frame decoder: link type + frame bytes -> struct cap_pkt (views into
 *                  the frame) or a counted rejection reason (enum cap_drop).
 *   cap_defrag_*   IPv4/IPv6 fragment reassembly with caps and timeouts.
 *   cap_dec_*      convenience: decoder + defragmenter + per-reason counters in one context.
 *   cap_sip_parse  SIP message parser (RFC 3261) over (ptr,len); cap_sip_sdp_body finds the SDP
 *                  body (application/sdp, or the application/sdp part of multipart/mixed).
 *   cap_sdp_parse  SDP parser (RFC 8866): c=, m=, a=rtpmap, a=key-mgmt:mikey (RFC 4567).
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
	CAP_DROP_OTHER_L4,      /* ICMP, SCTP, ESP...: not decoded further */
	CAP_DROP_FRAG_BAD,      /* fragment with a length not a multiple of 8 (more-fragments set),
			       * or ending past 65535 */
	CAP_DROP_FRAG_OVERLAP,  /* overlapping fragments: whole datagram dropped (RFC 5722) */
	CAP_DROP_FRAG_TOOBIG,   /* datagram over cap_defrag_limits.max_datagram */
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
/* Opens a live interface in promiscuous mode with snaplen 65535 and, when bpf is not NULL, the
 * given BPF filter (pcap-filter(7) syntax). LIM_E_IO on failure (permissions, no such
 * interface), LIM_E_ARG when the filter does not compile. */
enum lim_err cap_source_open_live(const char *iface, const char *bpf,
				  struct cap_source **out) LIM_WUR;
/* Next frame into *f. Returns LIM_OK with *eof = false and a frame, LIM_OK with *eof = true at
 * the end of a file, LIM_E_IO on a read error (a truncated file's last record). */
enum lim_err cap_source_next(struct cap_source *s, struct cap_frame *f, bool *eof) LIM_WUR;
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
	bool frag_more;           /* MF / M flag */
	uint32_t frag_id;         /* IPv4 identification or IPv6 fragment ID */
	uint32_t frag_off;        /* offset of this fragment's data, in octets */
	bool reassembled;         /* delivered by cap_defrag from fragments */
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
 * validated but not interpreted; checksums are not verified (offloaded captures carry
 * zeros). Trailing link padding past the IP total length is ignored. */
enum cap_drop cap_decode(uint32_t linktype, const uint8_t *frame, size_t len,
			 struct cap_pkt *out) LIM_WUR;
/* Decodes the UDP/TCP header of a packet whose ip_payload holds a whole datagram (used after
 * reassembly). Fills sport/dport/payload/tcp_*; returns CAP_OK or the reason. */
enum cap_drop cap_decode_l4(struct cap_pkt *p) LIM_WUR;

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

/* ---------------------------------------------------------------- decoder with counters */

struct cap_stats {
	uint64_t frames, bytes;
	uint64_t ipv4, ipv6, udp, tcp;
	uint64_t fragments;             /* fragments accepted into reassembly */
	uint64_t reassembled;           /* datagrams completed from fragments */
	uint64_t drop[CAP_DROP__COUNT]; /* per reason (CAP_OK/CAP_PENDING stay 0) */
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
#define CAP_SIP_MAX_PARTS 16  /* multipart body parts examined */

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
 * first part with Content-Type application/sdp when it is multipart/mixed (or another
 * multipart/ subtype) with a boundary parameter (RFC 2046 s5.1; MCPTT puts SDP beside XML).
 * LIM_OK with *sdp set (len 0, p NULL when the message carries no SDP); LIM_E_PARSE for a
 * multipart body with no boundary or no closing delimiter; LIM_E_LIMIT past
 * CAP_SIP_MAX_PARTS parts. */
enum lim_err cap_sip_sdp_body(const struct cap_sip_msg *m, struct cap_str *sdp) LIM_WUR;

/* Case-insensitive comparisons of a view with a NUL-terminated literal. */
bool cap_str_eq(struct cap_str s, const char *lit);
bool cap_str_ieq(struct cap_str s, const char *lit);

/* ---------------------------------------------------------------- SDP (RFC 8866) */

#define CAP_SDP_MAX_SIZE   65535 /* octets */
#define CAP_SDP_MAX_LINE   16384 /* octets per line (an I_MESSAGE in base64 is ~1-2 KiB) */
#define CAP_SDP_MAX_LINES  512
#define CAP_SDP_MAX_MEDIA  16
#define CAP_SDP_MAX_FMT    32 /* payload types kept per m= line */
#define CAP_SDP_MAX_RTPMAP 32 /* a=rtpmap kept per m= line */

struct cap_sdp_rtpmap {
	uint8_t pt;
	struct cap_str encoding; /* "PCMU", "AMR-WB"... */
	uint32_t clock;
	struct cap_str params; /* channels etc.; len 0 when absent */
};

struct cap_sdp_media {
	struct cap_str media; /* "audio", "video", "application"... */
	uint16_t port;        /* 0 = rejected/disabled stream */
	uint16_t nports;      /* from "port/n"; 1 when absent */
	struct cap_str proto; /* "RTP/AVP", "RTP/SAVP", "RTP/SAVPF", "UDP"... */
	size_t n_fmt;         /* numeric formats (payload types) kept, <= CAP_SDP_MAX_FMT */
	uint8_t fmt[CAP_SDP_MAX_FMT];
	struct cap_addr conn;    /* media-level c=, else the session-level one (family 0: none) */
	struct cap_str key_mgmt; /* media-level a=key-mgmt:mikey base64 data; len 0 if absent */
	bool has_crypto;         /* an a=crypto line was present (SDES; ignored) */
	size_t n_rtpmap;
	struct cap_sdp_rtpmap rtpmap[CAP_SDP_MAX_RTPMAP];
};

struct cap_sdp {
	struct cap_str origin;   /* o= value */
	struct cap_addr conn;    /* session-level c= (family 0: none) */
	struct cap_str key_mgmt; /* session-level a=key-mgmt:mikey base64 data (RFC 4567 s3.1) */
	size_t n_bad_key_mgmt;   /* key-mgmt:mikey attributes ignored: empty or not base64 text */
	size_t n_media;
	struct cap_sdp_media media[CAP_SDP_MAX_MEDIA];
	size_t err_offset;
};

/* Parses an SDP body: lines "x=value" ending in CRLF or LF (last line may lack it). v= first.
 * Unknown lines and attributes are skipped; a=crypto is noted and ignored. Connection
 * addresses: "IN IP4 a.b.c.d[/ttl[/n]]", "IN IP6 addr[/n]" (FQDNs leave family 0). Key
 * management: "a=key-mgmt:mikey <base64>" kept as the base64 view (charset checked, not
 * decoded); other protocol ids are ignored. LIM_OK, LIM_E_PARSE (no v=, a line without '=',
 * bad m= or c=, NUL octet), LIM_E_LIMIT (size, line, line count, m= count). */
enum lim_err cap_sdp_parse(const uint8_t *buf, size_t len, struct cap_sdp *out) LIM_WUR;

/* The I_MESSAGE that applies to media i (media level first, RFC 4567 s3.1), or a len-0 view. */
struct cap_str cap_sdp_key_mgmt(const struct cap_sdp *s, size_t i);

/* Writes an address as text ("192.0.2.1", "2001:db8::1") into buf (>= 46 octets). */
void cap_addr_str(const struct cap_addr *a, char *buf, size_t cap);

#endif
