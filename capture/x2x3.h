/* capture/ X2/X3 input (ETSI TS 103 221-2, issue 8): the PDUs a point of interception (POI)
 * sends to the mediation function over TLS/TCP. X2 carries xIRI (here: SIP messages), X3 xCC
 * (here: RTP packets, or whole IP packets).
 *
 *   cap_x2x3_decode   one whole PDU -> struct cap_x2x3_pdu (views into the buffer) or a reason
 *   cap_x2x3_encode   the reverse (the generator's POI, keep-alive acknowledgements, tests)
 *   cap_x2x3_stream_* a bounded reassembler: PDUs out of a byte stream that arrives split or
 *                     coalesced (TLS records, TCP segments)
 *   cap_x2x3_srv_*    the TLS listener: several POI connections, client certificates signed
 *                     by a configured CA, keep-alives answered, poll()-driven (fd/step API)
 *
 * PDU layout (TS 103 221-2 s5.2, all big-endian):
 *   0  Version (2)          2  PDU Type (2): 1 X2, 2 X3, 3 keep-alive, 4 keep-alive ack
 *   4  Header Length (4): octets from the start of the PDU to the payload (fixed part 40 +
 *      the conditional attributes)
 *   8  Payload Length (4)   12 Payload Format (2)   14 Payload Direction (2)
 *   16 XID (16, a UUID: the task/warrant the PDU belongs to)
 *   32 Correlation ID (8)
 *   40 Conditional attributes: TLVs Type (2) Length (2) Value (Length), up to Header Length
 *   Header Length: Payload
 * The Version field: TS 103 221-2 versions in the field are small integers; Wireshark's 5gli
 * heuristic expects 1 and OpenLI sends 5. The decoder accepts CAP_X2X3_VERSION_MIN..MAX and the
 * encoder writes what it is given (CAP_X2X3_VERSION by default).
 *
 * Validate, then act (STYLE.md rule 14): every length is checked against what holds it before
 * anything is used; the decoder never allocates. Attributes with a fixed size (sequence number
 * 4, timestamp 8, IPv4 4, IPv6 16, port 2, IP protocol 1) must have it; single-valued
 * attributes must not repeat (a PDU carries one source and one destination address, IPv4 or
 * IPv6); unknown or opaque attribute types are skipped (counted in n_attr). */
#ifndef CAP_X2X3_H
#define CAP_X2X3_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/capture.h"
#include "common/err.h"
#include "common/rd.h"

#define CAP_X2X3_FIXED       40 /* octets of the fixed header */
#define CAP_X2X3_VERSION     5  /* what the encoder writes by default */
#define CAP_X2X3_VERSION_MIN 1
#define CAP_X2X3_VERSION_MAX 5
#define CAP_X2X3_MAX_HEADER  4096   /* header length cap (fixed part + attributes) */
#define CAP_X2X3_MAX_PAYLOAD 262144 /* payload length cap (a SIP message, an IP packet) */
#define CAP_X2X3_MAX_ATTRS   64     /* attributes per PDU */
#define CAP_X2X3_MAX_TARGETS 4      /* matched / other target identifiers kept */

enum cap_x2x3_type {
	CAP_X2X3_X2 = 1,
	CAP_X2X3_X3 = 2,
	CAP_X2X3_KEEPALIVE = 3,
	CAP_X2X3_KEEPALIVE_ACK = 4
};

/* Payload Format (TS 103 221-2 s5.4). */
enum cap_x2x3_fmt {
	CAP_X2X3_FMT_NONE = 0, /* keep-alives */
	CAP_X2X3_FMT_ETSI_102232 = 1,
	CAP_X2X3_FMT_3GPP_33128 = 2,
	CAP_X2X3_FMT_3GPP_33108 = 3,
	CAP_X2X3_FMT_PROPRIETARY = 4,
	CAP_X2X3_FMT_IPV4 = 5,
	CAP_X2X3_FMT_IPV6 = 6,
	CAP_X2X3_FMT_ETHERNET = 7,
	CAP_X2X3_FMT_RTP = 8,
	CAP_X2X3_FMT_SIP = 9,
	CAP_X2X3_FMT_DHCP = 10,
	CAP_X2X3_FMT_RADIUS = 11,
	CAP_X2X3_FMT_GTPU = 12,
	CAP_X2X3_FMT_MSRP = 13
};

/* Payload Direction (TS 103 221-2 s5.2.6). */
enum cap_x2x3_dir {
	CAP_X2X3_DIR_NONE = 0, /* keep-alives */
	CAP_X2X3_DIR_UNKNOWN = 1,
	CAP_X2X3_DIR_TO_TARGET = 2,
	CAP_X2X3_DIR_FROM_TARGET = 3,
	CAP_X2X3_DIR_MULTIPLE = 4,
	CAP_X2X3_DIR_NA = 5
};

/* Conditional attribute types (TS 103 221-2 s5.3; values as Wireshark's li5g and OpenLI). */
enum cap_x2x3_attr {
	CAP_X2X3_A_DID = 5,   /* Domain ID (octets) */
	CAP_X2X3_A_NFID = 6,  /* Network Function ID (octets) */
	CAP_X2X3_A_IPID = 7,  /* Interception Point ID (octets) */
	CAP_X2X3_A_SEQ = 8,   /* Sequence Number (4) */
	CAP_X2X3_A_TS = 9,    /* Timestamp (8: seconds, nanoseconds) */
	CAP_X2X3_A_SRC4 = 10, /* Source IPv4 address (4) */
	CAP_X2X3_A_DST4 = 11,
	CAP_X2X3_A_SRC6 = 12, /* Source IPv6 address (16) */
	CAP_X2X3_A_DST6 = 13,
	CAP_X2X3_A_SPORT = 14, /* Source port (2) */
	CAP_X2X3_A_DPORT = 15,
	CAP_X2X3_A_PROTO = 16, /* IP protocol (1) */
	CAP_X2X3_A_MTI = 17,   /* Matched Target Identifier (UTF-8, may repeat) */
	CAP_X2X3_A_OTI = 18    /* Other Target Identifier (UTF-8, may repeat) */
};

/* What the decoder and the stream say. CAP_X2X3_OK and CAP_X2X3_MORE are not rejections. */
enum cap_x2x3_rej {
	CAP_X2X3_OK = 0,
	CAP_X2X3_MORE,         /* stream: no whole PDU yet (not a rejection) */
	CAP_X2X3_R_TRUNC,      /* shorter than the fixed header, or than Header + Payload Length */
	CAP_X2X3_R_VERSION,    /* version outside CAP_X2X3_VERSION_MIN..MAX */
	CAP_X2X3_R_TYPE,       /* PDU type not 1..4 */
	CAP_X2X3_R_HDRLEN,     /* Header Length < 40 or over CAP_X2X3_MAX_HEADER */
	CAP_X2X3_R_PAYLEN,     /* Payload Length over CAP_X2X3_MAX_PAYLOAD (or the stream's cap) */
	CAP_X2X3_R_ATTR_TRUNC, /* an attribute TLV runs past the header */
	CAP_X2X3_R_ATTR_LEN,   /* a fixed-size attribute with another length, or a bad value
				* (timestamp nanoseconds >= 1e9, empty identifier) */
	CAP_X2X3_R_ATTR_DUP,   /* a single-valued attribute repeated (or IPv4 and IPv6 source) */
	CAP_X2X3_R_ATTR_MANY,  /* more than CAP_X2X3_MAX_ATTRS attributes */
	CAP_X2X3_R_KEEPALIVE,  /* keep-alive (ack) with a payload */
	CAP_X2X3_R_TRAILING,   /* octets after the PDU (cap_x2x3_decode of one PDU) */
	CAP_X2X3_R__COUNT
};

/* Static snake_case name ("hdrlen", "attr_trunc"...), never NULL. */
const char *cap_x2x3_rej_name(enum cap_x2x3_rej r);

/* A decoded PDU. Views BORROWED from the decoded buffer. For the encoder, the same struct is
 * the input: hdr_len and payload_len are computed, present selects the attributes written. */
struct cap_x2x3_pdu {
	uint16_t version, type; /* enum cap_x2x3_type */
	uint32_t hdr_len, payload_len;
	uint16_t format, direction; /* enum cap_x2x3_fmt, enum cap_x2x3_dir */
	uint8_t xid[16];
	uint8_t corr[8];
	uint32_t present; /* bit (1u << type) per attribute type 5..18 seen / to write */
	size_t n_attr;    /* attributes in the header (unknown ones included) */
	uint32_t seq;
	uint32_t ts_sec, ts_nsec;
	struct cap_addr src, dst; /* family 4 or 6 when present */
	uint16_t sport, dport;
	uint8_t proto;
	struct lim_rd did, nfid, ipid;
	size_t n_mti, n_oti; /* kept up to CAP_X2X3_MAX_TARGETS (more are counted, not kept) */
	struct lim_rd mti[CAP_X2X3_MAX_TARGETS], oti[CAP_X2X3_MAX_TARGETS];
	struct lim_rd payload;
};

/* Decodes exactly one PDU from buf[0..len). CAP_X2X3_OK with *out filled, or the first reason
 * found (fixed header, then the attributes, then the lengths: CAP_X2X3_R_TRUNC when len is
 * shorter than Header Length + Payload Length, CAP_X2X3_R_TRAILING when longer). Pure. */
enum cap_x2x3_rej cap_x2x3_decode(const uint8_t *buf, size_t len, struct cap_x2x3_pdu *out) LIM_WUR;

/* Checks the fixed header in buf (at least CAP_X2X3_FIXED octets): version, type, header
 * length, payload length (against max_payload). Fills *total with the PDU's octets. */
enum cap_x2x3_rej cap_x2x3_check_fixed(const uint8_t *buf, size_t len, size_t max_payload,
				       size_t *total) LIM_WUR;

/* Encodes in (version, type, format, direction, xid, corr, the attributes in present, in
 * ascending type order, then in->payload) into buf. *len gets the PDU's size. LIM_E_LIMIT when
 * it does not fit (or over the caps), LIM_E_ARG for an address family that does not match its
 * attribute. mti/oti: n_mti/n_oti of them. */
enum lim_err cap_x2x3_encode(const struct cap_x2x3_pdu *in, uint8_t *buf, size_t cap,
			     size_t *len) LIM_WUR;

/* ---------------------------------------------------------------- stream reassembly */

/* PDUs out of a byte stream. The buffer is allocated once (max_pdu octets, at least
 * CAP_X2X3_FIXED + 1, at most CAP_X2X3_MAX_HEADER + CAP_X2X3_MAX_PAYLOAD); the fixed header is
 * checked as soon as its 40 octets are there, so a PDU that could never fit, or garbage, is
 * rejected before its payload is buffered. A rejection is sticky: the stream is dead (the
 * connection should be closed; framing cannot be recovered). */
struct cap_x2x3_stream;

enum lim_err cap_x2x3_stream_new(size_t max_pdu, struct cap_x2x3_stream **out) LIM_WUR;
void cap_x2x3_stream_free(struct cap_x2x3_stream *s); /* NULL is a no-op */
/* Where to write received octets: *room octets at *p (0 when a whole PDU is waiting: call
 * cap_x2x3_stream_next first). */
void cap_x2x3_stream_space(struct cap_x2x3_stream *s, uint8_t **p, size_t *room);
/* n octets were written at the space given (n <= room). */
void cap_x2x3_stream_commit(struct cap_x2x3_stream *s, size_t n);
/* Copies len octets in (tests, fuzzing): how many were taken (less when the buffer is full). */
size_t cap_x2x3_stream_write(struct cap_x2x3_stream *s, const uint8_t *data, size_t len);
/* The next PDU: CAP_X2X3_OK with *out (views valid until the next call on s), CAP_X2X3_MORE,
 * or a rejection (sticky). */
enum cap_x2x3_rej cap_x2x3_stream_next(struct cap_x2x3_stream *s, struct cap_x2x3_pdu *out) LIM_WUR;
/* Octets held (a partial PDU when > 0 between PDUs: a disconnect now cuts a PDU). */
size_t cap_x2x3_stream_held(const struct cap_x2x3_stream *s);

/* ---------------------------------------------------------------- the TLS listener */

#define CAP_X2X3_MAX_CONNS 64 /* POI connections at once (cap of the configuration) */
/* connections the listener holds at most: the open ones, and as many in their handshake */
#define CAP_X2X3_MAX_SLOTS (2 * CAP_X2X3_MAX_CONNS)
#define CAP_X2X3_MAX_POIS  64 /* POIs with counters of their own (by certificate name) */

struct cap_x2x3_srv_cfg {
	const char *listen; /* "ADDR:PORT" ("[v6]:PORT"), port 0 = any (cap_x2x3_srv_port) */
	const char *ca;     /* PEM: the CA that signs the POIs' certificates (required) */
	const char *cert;   /* PEM: this listener's certificate (chain) */
	const char *key;    /* PEM: its private key */
	const char *crl;    /* PEM: CRLs, one of every CA of ca (NULL or "": none; x2x3_srv.c
			     * load_crls) */
	size_t max_conns;   /* 0 = 16; at most CAP_X2X3_MAX_CONNS open, as many handshaking */
	size_t max_pdu;     /* 0 = CAP_X2X3_MAX_HEADER + 65536 */
	uint64_t hs_ms;     /* a TLS handshake must finish within this (0 = 10 s) */
};

/* Counters of one POI (the subject CN of its certificate, else its address). */
struct cap_x2x3_poi {
	char name[64];
	uint64_t conns;              /* connections accepted (handshake done) */
	uint64_t x2, x3, ka, ka_ack; /* PDUs by type */
	uint64_t bytes;              /* PDU octets received */
	uint64_t rejected, cut;      /* connections closed for a rejected PDU / mid-PDU */
	size_t active;               /* its connections open now */
	uint64_t last_ms;            /* wall clock (ms since 1970) of its last PDU or connection */
};

struct cap_x2x3_stats {
	uint64_t accepted;        /* TCP connections accepted */
	uint64_t tls_failed;      /* handshakes failed (bad or missing certificate...) */
	uint64_t hs_timeout;      /* of tls_failed: not done within hs_ms */
	uint64_t hs_no_cert;      /* of tls_failed: the POI sent no certificate */
	uint64_t hs_bad_cert;     /* of tls_failed: its certificate did not verify */
	uint64_t hs_refused_ours; /* of tls_failed: the POI refused this listener's
				   * certificate (a certificate alert from it) */
	uint64_t hs_evicted;      /* of tls_failed: closed for a newer connection, max_conns
				   * handshakes under way (the oldest of the source holding the
				   * most: x2x3_srv.c) */
	/* the rest of tls_failed: other handshake failures (protocol, no memory) */
	size_t handshaking;              /* connections in their TLS handshake now */
	uint64_t refused_full;           /* closed when their handshake was done: max_conns
					  * connections open */
	uint64_t closed;                 /* connections ended (any reason) */
	uint64_t cut;                    /* ended in the middle of a PDU */
	uint64_t pdus, bytes;            /* PDUs decoded, their octets */
	uint64_t x2, x3, ka, ka_ack;     /* by type */
	uint64_t ka_answered;            /* keep-alive acks sent */
	uint64_t rej[CAP_X2X3_R__COUNT]; /* PDUs rejected, by reason (connection closed) */
	size_t active;                   /* connections open now (handshake done) */
	size_t max_conns;                /* the cap in force (active; handshaking apart) */
	uint64_t hs_ms;                  /* the handshake timeout in force */
	uint64_t reloads, reload_failed; /* cap_x2x3_srv_reload calls that worked / did not */
	uint64_t revoked;                /* open connections closed by a reload whose CRLs revoke
					  * a certificate of theirs */
	size_t n_poi;
	struct cap_x2x3_poi poi[CAP_X2X3_MAX_POIS];
};

/* One X2 or X3 PDU as delivered (keep-alives are handled by the listener). Views die when the
 * callback returns. */
struct cap_x2x3_in {
	const struct cap_x2x3_pdu *pdu;
	const char *poi;  /* the POI's name (certificate CN or address) */
	uint64_t conn_id; /* 1, 2, ... per accepted connection */
};
typedef void (*cap_x2x3_fn)(void *ctx, const struct cap_x2x3_in *in);

struct cap_x2x3_srv; /* opaque: the listening socket, the TLS context, the connections */

/* Binds and listens (non-blocking), loads the CA, certificate and key (a POI without a
 * certificate signed by the CA fails the handshake) and the CRLs (a POI whose certificate, or
 * a CA's above it, one of them revokes fails the handshake; a CRL not signed by a CA, out of
 * its validity, or a CA without a CRL is an error here). LIM_E_IO / LIM_E_ARG / LIM_E_CRYPTO with
 * why filled. fn is called with ctx for every X2/X3 PDU. */
enum lim_err cap_x2x3_srv_open(const struct cap_x2x3_srv_cfg *cfg, cap_x2x3_fn fn, void *ctx,
			       struct cap_x2x3_srv **out, char *why, size_t whylen) LIM_WUR;
/* Reloads what can change while the listener runs: a new TLS context from cfg->ca, cert, key
 * and crl (read again, so files rotated in place are picked up) for the connections accepted
 * from now on (open ones keep the context they were accepted with, but those whose verified
 * chain a new CRL revokes are closed: stats revoked), and cfg->max_conns and
 * cfg->hs_ms (0 = the defaults, as for _open). Lowering max_conns closes nothing: new
 * connections are refused when their handshake is done until fewer are open. cfg->listen and
 * cfg->max_pdu are not looked at (the socket and the per-connection buffers stay). On any
 * error nothing changes (the running context keeps serving): LIM_E_ARG / LIM_E_CRYPTO /
 * LIM_E_NOMEM with why filled. Counted in stats reloads / reload_failed. */
enum lim_err cap_x2x3_srv_reload(struct cap_x2x3_srv *s, const struct cap_x2x3_srv_cfg *cfg,
				 char *why, size_t whylen) LIM_WUR;
/* The port bound (for port 0). */
uint16_t cap_x2x3_srv_port(const struct cap_x2x3_srv *s);
/* Fills up to max pollfds (the listener and each connection, events set); returns how many.
 * At most 1 + CAP_X2X3_MAX_SLOTS are needed (connections above a lowered cap stay open). */
size_t cap_x2x3_srv_pollfds(const struct cap_x2x3_srv *s, struct pollfd *pfd, size_t max);
/* After poll(): accepts, advances handshakes, reads, decodes and delivers PDUs (at most a
 * bounded number per connection per step, so one POI cannot starve the loop), answers
 * keep-alives, closes connections that sent a rejected PDU, timed out their handshake or went
 * away. pfd/n: what cap_x2x3_srv_pollfds filled (revents from poll). now_ms: monotonic. */
void cap_x2x3_srv_step(struct cap_x2x3_srv *s, const struct pollfd *pfd, size_t n, uint64_t now_ms);
const struct cap_x2x3_stats *cap_x2x3_srv_stats(const struct cap_x2x3_srv *s);
/* The service stops: closes the listener and every connection without a TLS close_notify
 * (a POI that kept sending sees the connection cut, not ended in order: what it sent after
 * the last step was not read), keeps the counters; pollfds gives nothing after it, and step
 * does nothing. Before, the listener and connections stayed open, their PDUs acknowledged by
 * TCP and never read, while the service finished (up to the 10 s handover flush), then closed
 * in order: the POI could not tell (an audit). NULL, or stopped already: a no-op. */
void cap_x2x3_srv_stop(struct cap_x2x3_srv *s);
/* The first half of it: the listener closes (no new POI connection, a connect is refused),
 * the open connections go on; a drain between the two reads what they hold without taking
 * connections it would only cut. NULL, or closed already: a no-op. */
void cap_x2x3_srv_stop_accepting(struct cap_x2x3_srv *s);
void cap_x2x3_srv_free(struct cap_x2x3_srv *s); /* NULL is a no-op; closes everything */

#endif
