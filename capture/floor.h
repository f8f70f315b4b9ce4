/* capture/floor: MCPTT floor-control messages (3GPP TS 24.380, issue 9).
 *
 * Floor control travels as RTCP APP packets (RFC 3550 s6.7, PT 204) named "MCPT" on the
 * floor-control port of an MCPTT call (SDP m=application PORT udp MCPTT). Who asked for, got
 * and released the floor is IRI; this parser turns one UDP payload into typed messages.
 *
 * Sources. Read in the spec text (itecspec.com, TS 24.380 Rel-18 clause 8): s8.1.1 (each
 * media plane control message is one RTCP APP packet, not sent as a compound, but several may
 * share one IP packet) and s8.1.2 (Table 8.1.2-1: V=2, P=0, 5-bit subtype, PT=204, length,
 * SSRC, name, application-dependent data). The subtype values (Table 8.2.2-1), field IDs
 * (Table 8.2.3.1-2) and field encodings (s8.2.3.x) were taken from secondary sources that
 * quote the spec and agree with each other: Wireshark 4.x packet-rtcp.c (value tables and its
 * MCPT dissector, reference only) and `tshark -G fields | grep mcptt`; clause numbers below
 * follow those sources and are not all checked against the spec text.
 *   - s8.2.2: subtype; its most significant bit ("x" in the table) is the acknowledgement-
 *     required flag of Floor Granted, Taken, Deny, Release, Idle and Queue Position Info. It
 *     is split off for every type (type = low 4 bits, ack_req = bit 4); the table defines it
 *     only for those six, and a set bit on the others is reported as is rather than refused
 *     (an interception tool records).
 *   - s8.2.3.1: each field is <ID: 1 octet><length: 1 octet, or 2 octets when ID >= 192>
 *     <value: length octets>, padded with 0-3 octets so that ID + length + value is a multiple
 *     of 4 (padding contents are not checked).
 *   - Fields (s8.2.3.x, ID): Floor Priority (.2, 0: priority octet + spare), Duration (.3, 1:
 *     16-bit seconds), Reject Cause (.4, 2: 16-bit cause + optional reject phrase text), Queue
 *     Info (.5, 3: position octet + priority octet), Granted Party's Identity (.6, 4: text),
 *     Permission to Request the Floor (.7, 5: 16 bits), User ID (.8, 6: text), Queue Size
 *     (.9, 7: 16 bits), Message Sequence Number (.10, 8: 16 bits), Queued User ID (.11, 9:
 *     text), Source (.12, 10: 16 bits), Track Info (.13, 11: queueing capability octet,
 *     participant type length octet, participant type text padded to a multiple of 4, then
 *     32-bit floor participant references), Message Type (.14, 12: message type octet +
 *     spare), Floor Indicator (.15, 13: 16-bit mask), SSRC (.16, 14: 32-bit SSRC + 16 spare),
 *     Functional Alias (.19, 17: text). Fixed-size fields must have exactly their size (2;
 *     SSRC 6). Inferred, not verified: the Track Info padding is 0 octets when the
 *     participant type length is already a multiple of 4 (Wireshark 4.0 skips 4 there and
 *     so reads the first reference as padding).
 *   - Recognised and skipped by their length (present bit set, value not decoded): List of
 *     Granted Users (15), List of SSRCs (16), List of Functional Aliases (18), Location (19),
 *     List of Locations (20). Any other ID is skipped by its length and counted (n_unknown).
 *   - A known field appearing twice in one message is refused (Wireshark shows both).
 *
 * Compound walk (RFC 3550 s6.1, A.2): the payload is one RTCP packet or several back to back;
 * each must have V=2, a packet type in 192..223 (RFC 5761 s4) and a length (32-bit words
 * minus one) that fits in what is left. P=1 (TS 24.380 says P=0, RFC 3550 allows it on the
 * last packet): the last octet counts padding octets, which are removed (1..length-4 or
 * refused). Non-APP packets (SR, RR, SDES, BYE, ...) and APP packets with another name are
 * stepped over. SRTCP (encrypted, or with its index/tag trailer) is not parsed: decrypt first;
 * a trailer would be refused as a malformed packet.
 *
 * Everything in the result is copied: texts are NUL-terminated copies of the raw octets (an
 * 8-bit length bounds them to 255 octets, so nothing is cut; a NUL octet inside the value is
 * kept in s and counted in len). */
#ifndef CAP_FLOOR_H
#define CAP_FLOOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define CAP_FLOOR_MAX_MSGS 4   /* MCPT packets stored per datagram (more: validated, `more`) */
#define CAP_FLOOR_MAX_REFS 4   /* Track Info floor participant references stored */
#define CAP_FLOOR_TEXT     256 /* octets of a copied text field + NUL (8-bit length: <= 255) */

/* Message types: the low 4 bits of the subtype (TS 24.380 Table 8.2.2-1). */
enum cap_floor_type {
	CAP_FLOOR_REQUEST = 0,
	CAP_FLOOR_GRANTED = 1,
	CAP_FLOOR_TAKEN = 2,
	CAP_FLOOR_DENY = 3,
	CAP_FLOOR_RELEASE = 4,
	CAP_FLOOR_IDLE = 5,
	CAP_FLOOR_REVOKE = 6,
	CAP_FLOOR_QUEUE_POS_REQUEST = 8,
	CAP_FLOOR_QUEUE_POS_INFO = 9,
	CAP_FLOOR_ACK = 10,
	CAP_FLOOR_RELEASE_MULTI_TALKER = 15
};

#define CAP_FLOOR_ACK_BIT 0x10 /* the "x" bit of the 5-bit subtype */

/* Field IDs (TS 24.380 Table 8.2.3.1-2); `present` has bit (1u << id) for each one seen. */
enum cap_floor_fld {
	CAP_FLOOR_FLD_PRIORITY = 0,
	CAP_FLOOR_FLD_DURATION = 1,
	CAP_FLOOR_FLD_REJECT_CAUSE = 2,
	CAP_FLOOR_FLD_QUEUE_INFO = 3,
	CAP_FLOOR_FLD_GRANTED_PARTY = 4,
	CAP_FLOOR_FLD_PERMISSION = 5,
	CAP_FLOOR_FLD_USER_ID = 6,
	CAP_FLOOR_FLD_QUEUE_SIZE = 7,
	CAP_FLOOR_FLD_SEQ = 8,
	CAP_FLOOR_FLD_QUEUED_USER_ID = 9,
	CAP_FLOOR_FLD_SOURCE = 10,
	CAP_FLOOR_FLD_TRACK_INFO = 11,
	CAP_FLOOR_FLD_MSG_TYPE = 12,
	CAP_FLOOR_FLD_INDICATOR = 13,
	CAP_FLOOR_FLD_SSRC = 14,
	CAP_FLOOR_FLD_GRANTED_USERS = 15,
	CAP_FLOOR_FLD_SSRC_LIST = 16,
	CAP_FLOOR_FLD_FUNC_ALIAS = 17,
	CAP_FLOOR_FLD_FUNC_ALIAS_LIST = 18,
	CAP_FLOOR_FLD_LOCATION = 19,
	CAP_FLOOR_FLD_LOCATION_LIST = 20
};

#define CAP_FLOOR_HAS(m, fld) (((m)->present >> (fld)) & 1u)

/* Copied text, NUL-terminated; len octets (may include NUL octets). */
struct cap_floor_text {
	char s[CAP_FLOOR_TEXT];
	size_t len;
};

/* One MCPT APP packet. A field's member is meaningful only when its present bit is set. */
struct cap_floor_one {
	uint8_t subtype; /* the raw 5-bit subtype */
	uint8_t type;    /* enum cap_floor_type value: subtype & 0x0f */
	bool ack_req;    /* subtype & CAP_FLOOR_ACK_BIT */
	uint32_t ssrc;   /* SSRC of the sender (the APP header) */
	uint32_t present;
	uint8_t priority;                        /* Floor Priority */
	uint16_t duration;                       /* Duration, seconds */
	uint16_t reject_cause;                   /* Reject Cause code */
	struct cap_floor_text reject_phrase;     /* its phrase ("" when the length is 2) */
	uint8_t queue_pos, queue_prio;           /* Queue Info: position (254 not queued, 255
					       * unknown), priority level */
	struct cap_floor_text granted_party;     /* Granted Party's Identity (MCPTT ID) */
	uint16_t permission;                     /* Permission to Request the Floor (0/1) */
	struct cap_floor_text user_id;           /* User ID (MCPTT ID of the requester) */
	uint16_t queue_size;                     /* Queue Size */
	uint16_t seq;                            /* Message Sequence Number */
	struct cap_floor_text queued_user_id;    /* Queued User ID */
	uint16_t source;                         /* Source: 0 participant, 1 participating,
					       * 2 controlling, 3 non-controlling function */
	uint8_t track_queueing_cap;              /* Track Info: queueing capability */
	struct cap_floor_text track_part_type;   /* Track Info: participant type */
	size_t track_nrefs;                      /* floor participant references in the field */
	uint32_t track_refs[CAP_FLOOR_MAX_REFS]; /* the first CAP_FLOOR_MAX_REFS of them */
	uint8_t msg_type;                        /* Message Type (of the message acknowledged) */
	uint16_t indicator;                      /* Floor Indicator bit mask */
	uint32_t field_ssrc;                     /* SSRC field (e.g. of the granted participant) */
	struct cap_floor_text func_alias;        /* Functional Alias */
	size_t n_unknown;                        /* fields with an unknown ID, skipped */
};

struct cap_floor_msg {
	size_t n_rtcp; /* RTCP packets walked */
	size_t n_app;  /* APP packets (any name) */
	size_t n;      /* MCPT packets stored in m[] */
	bool more;     /* more MCPT packets than CAP_FLOOR_MAX_MSGS (validated, not stored) */
	struct cap_floor_one m[CAP_FLOOR_MAX_MSGS];
	/* static English text: "ok", or why the payload was refused (never NULL after a call) */
	const char *err_detail;
};

/* Parses one UDP payload p[0..len) of a floor-control port (see the top of this file). All
 * of it is validated before out is filled (STYLE.md rule 14); out is zeroed first, and on
 * error only err_detail is set. Returns:
 *   LIM_OK       valid; out->n MCPT messages (0 when the payload holds RTCP but no MCPT APP
 *                packet: that is not an error, the caller checks out->n);
 *   LIM_E_TRUNC  a length runs past the data: an RTCP length beyond the payload, an empty or
 *                sub-4-octet remainder, a field value or its padding past the APP packet;
 *   LIM_E_PARSE  malformed: RTCP version not 2, packet type outside 192..223, bad P padding,
 *                an MCPT APP shorter than 12 octets, a fixed-size field with another length,
 *                a repeated field, Track Info not adding up;
 *   LIM_E_ARG    p or out NULL (len 0 with p NULL is LIM_E_TRUNC when out is not NULL). */
enum lim_err cap_floor_parse(const uint8_t *p, size_t len, struct cap_floor_msg *out) LIM_WUR;

/* Static name of a message type: "floor-request", "floor-granted", "floor-taken",
 * "floor-deny", "floor-release", "floor-idle", "floor-revoke", "floor-queue-position-request",
 * "floor-queue-position-info", "floor-ack", "floor-release-multi-talker"; "floor-unknown"
 * for the others. The ack bit is ignored (subtype & 0x0f is named). */
const char *cap_floor_name(unsigned subtype);

#endif
