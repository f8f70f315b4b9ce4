/* handover/: public API. This round: ETSI TS 102 232-1 PS-PDU encoding (BER, definite lengths)
 * with TS 102 232-5 IPMMIRI (one SIP message) and IPMMCC (one RTP packet) payloads, the
 * keep-alive / keep-alive response TRIPayloads, and a bounded PS-PDU decoder (tests, test LEMF).
 * The exact tags are in handover/pdu.h. Delivery, spooling and evidence bundles come later.
 *
 * Encoders write one PS-PDU into buf[0..cap) (borrowed) and return its length in *len. Errors:
 * LIM_E_ARG for a header or payload field out of its ASN.1 range (LIID 1..25 octets, operator
 * and network element identifiers 1..16, country codes 0 or 2 characters, microseconds
 * < 10^6, ...), LIM_E_LIMIT when buf is too small (*len = 0 on every error).
 */
#ifndef HO_HANDOVER_H
#define HO_HANDOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/* li-psDomainId = { itu-t(0) identified-organization(4) etsi(0) securityDomain(2)
 * lawfulIntercept(2) li-ps(5) genHeader(1) version(v) } (TS 102 232-1 A.2). The DESIGN's
 * default is version 17; the version is configurable per authority. */
#define HO_PS_VERSION_DEFAULT 17u
#define HO_LIID_MAX           25u /* LawfulInterceptionIdentifier SIZE (1..25) */
#define HO_NETID_MAX          16u /* operatorIdentifier / networkElementIdentifier SIZE (1..16) */
#define HO_PDU_MAX            262144 /* largest PS-PDU the decoder accepts (caps every length) */
#define HO_PDU_DEPTH          16u    /* deepest nesting the decoder accepts */

/* timeStampQualifier (TS 102 232-1 PSHeader [8]). */
enum ho_tsq {
	HO_TSQ_UNKNOWN = 0,
	HO_TSQ_INTERCEPTION = 1, /* timeOfInterception */
	HO_TSQ_MEDIATION = 2,    /* timeOfMediation */
	HO_TSQ_AGGREGATION = 3   /* timeOfAggregation */
};

/* PSHeader fields. Strings are NUL-terminated; "" means absent for the optional ones. */
struct ho_psheader {
	uint32_t version;             /* last arc of li-psDomainId (HO_PS_VERSION_DEFAULT) */
	char liid[HO_LIID_MAX + 1];   /* lawfulInterceptionIdentifier, required */
	char auth_cc[3];              /* authorizationCountryCode, "" or 2 letters */
	char op_id[HO_NETID_MAX + 1]; /* operatorIdentifier, required */
	char ne_id[HO_NETID_MAX + 1]; /* networkElementIdentifier, optional */
	uint32_t cin;                 /* communicationIdentityNumber (one per call) */
	char deliv_cc[3];             /* deliveryCountryCode, "" or 2 letters */
	uint32_t seqno;               /* sequenceNumber */
	uint32_t ts_sec;              /* microSecondTimeStamp seconds (Unix time) */
	uint32_t ts_usec;             /* microSecondTimeStamp microSeconds, < 10^6 */
	enum ho_tsq tsq;              /* timeStampQualifier */
	/* CIN / microSecondTimeStamp absent (both OPTIONAL in TS 102 232-1): set by the decoder
	 * for a keep-alive or keep-aliveResponse without them (a LEMF's), and the keep-alive
	 * encoders then leave them out too (an echo of its header); the IRI and CC encoders
	 * refuse them (LIM_E_ARG); false (zeroed): written */
	bool no_cin, no_usts;
};

/* IRIType (TS 102 232-1 IRIPayload [0]). */
enum ho_iri_type { HO_IRI_BEGIN = 1, HO_IRI_END = 2, HO_IRI_CONTINUE = 3, HO_IRI_REPORT = 4 };

/* PayloadDirection (TS 102 232-1 CCPayload [0]). */
enum ho_direction {
	HO_DIR_FROM_TARGET = 0,
	HO_DIR_TO_TARGET = 1,
	HO_DIR_INDETERMINATE = 2,
	HO_DIR_COMBINED = 3,
	HO_DIR_NOT_APPLICABLE = 4
};

/* IPAddress (TS 102 232-3) with a binary address. */
struct ho_ipaddr {
	uint8_t family; /* 4 or 6 */
	uint8_t addr[16];
};

/* One SIP message as IPMMIRI sIPMessage (TS 102 232-5). sip is borrowed (decoded: points into
 * the decoder's input). */
struct ho_iri_sip {
	enum ho_iri_type type;
	struct ho_ipaddr src, dst;
	const uint8_t *sip;
	size_t sip_len;
};

/* One RTP packet as IPMMCC (TS 102 232-5), frameType rtpFrame, mMCCprotocol rTP. rtp and
 * stream_id are borrowed; stream_id_len 0 = streamID absent. */
struct ho_cc_rtp {
	enum ho_direction dir;
	const uint8_t *rtp;
	size_t rtp_len;
	const uint8_t *stream_id;
	size_t stream_id_len;
};

LIM_WUR enum lim_err ho_encode_iri_sip(const struct ho_psheader *h, const struct ho_iri_sip *iri,
				       uint8_t *buf, size_t cap, size_t *len);
LIM_WUR enum lim_err ho_encode_cc_rtp(const struct ho_psheader *h, const struct ho_cc_rtp *cc,
				      uint8_t *buf, size_t cap, size_t *len);
LIM_WUR enum lim_err ho_encode_keepalive(const struct ho_psheader *h, uint8_t *buf, size_t cap,
					 size_t *len);
/* Key-management facts of one MIKEY-SAKKE I_MESSAGE (limf/pipeline.h struct limf_keymgmt) as a
 * limf-defined IRI in the HI2 stream, sharing the IRI sequence numbers of (LIID, CIN). Never any
 * key material. Wire format: TS 102 232-5 IPMMIRI whose iPMMIRIContents is the standard's
 * national branch nationalIPMMIRIParameters [3], holding countryCode and, after its extension
 * marker, LimfKeyManagement (ASN.1 module snippet, tags and choices in handover/pdu.h).
 * Strings are borrowed, NUL-terminated UTF-8, "" = absent (the member is omitted), at most
 * HO_KM_STR_MAX octets each:
 *   side      "offer" | "answer" | "gmk" (a GMK distribution, issue 9)
 *   outcome   "keys" | "iri-only" | "kms-error" | "unwrap-failed" | "parse-error" |
 *             "bad-signature" | "no-responder" | "audit-error" | "gmk" (the group's GMK
 *             recovered) | "no-group" (a GMK naming no group) | "no-valid-certificate" (the
 *             call's time is outside the validity of every KMS certificate) | "gmk-conflict"
 *             (a GMK refused: another is in use under its GMK-ID)
 *   sig       "valid" | "invalid" | "not-checked"
 *   t         "" or the T payload as mikey_ts_iso8601() writes it, YYYY-MM-DDTHH:MM:SS[.f]Z
 *             with 1..6 fraction digits; carried as GeneralizedTime YYYYMMDDHHMMSS[.f]Z in DER
 *             form (X.690 11.7.3: no trailing zero in the fraction, no fraction when it is
 *             zero), and decoded in that form (a BER time with trailing zeros too): the same
 *             instant as the text given, "...:05.120000Z" coming back as "...:05.12Z"
 * countryCode is the header's authorizationCountryCode, else its deliveryCountryCode, else
 * "XX" (an ISO 3166-1 user-assigned code). Decoded views (struct ho_pdu) point side, outcome
 * and sig at static strings and the others into struct ho_pdu's own km_text. Errors as above:
 * LIM_E_ARG for an unknown side/outcome/sig, a t of another form, a string that is too long or
 * not UTF-8, or a type out of range. */
#define HO_KM_STR_MAX 1024u
struct ho_iri_keymgmt {
	enum ho_iri_type type;
	const char *side, *initiator, *responder, *kms_uri, *t, *outcome, *sig, *detail;
	uint64_t key_period;
	uint32_t csb_id;
	unsigned n_keys; /* SRTP crypto sessions derived (0..2^32-1) */
};
LIM_WUR enum lim_err ho_encode_iri_keymgmt(const struct ho_psheader *h,
					   const struct ho_iri_keymgmt *km, uint8_t *buf,
					   size_t cap, size_t *len);
/* The end of a call that no SIP message carried (limf/pipeline.h LIMF_IRI_CALLEND) as a
 * limf-defined IRI in the HI2 stream, numbered with the call's other IRI: type END (REPORT for
 * a warrant no longer in force during the call), reason one of "none" "bye" "cancel"
 * "rejected" "timeout" "flush" "evicted" (capture/capture.h cap_call_end_name) or
 * "warrant-not-in-force" "warrant-not-confirmed". Wire format: nationalIPMMIRIParameters as
 * for key management, with the LimfCallEnd extension addition (handover/pdu.h). Errors as
 * above: LIM_E_ARG for another reason or a type out of range. Decoded: reason points at a
 * static string. */
struct ho_iri_callend {
	enum ho_iri_type type;
	const char *reason;
};
LIM_WUR enum lim_err ho_encode_iri_callend(const struct ho_psheader *h,
					   const struct ho_iri_callend *ce, uint8_t *buf,
					   size_t cap, size_t *len);
/* A group-communication fact (limf/pipeline.h struct limf_group_ev, issue 9) as a limf-defined
 * IRI in the HI2 stream, numbered with the call's other IRI (it may be a LIID's BEGIN). event:
 * "talker" or a floor-control message name (capture/floor.h cap_floor_name); group and talker
 * the octets carried (no NUL), detail UTF-8; "" or NULL = absent; each at most HO_KM_STR_MAX.
 * Wire format: nationalIPMMIRIParameters with the LimfGroupEvent extension addition
 * (handover/pdu.h). Errors as above: LIM_E_ARG for another event, a string too long or
 * (detail) not UTF-8, a type out of range. Decoded: event points at a static string, the others
 * into struct ho_pdu's km_text. */
struct ho_iri_group {
	enum ho_iri_type type;
	const char *event, *group, *talker, *detail;
	uint32_t gmk_id, guk_id, ssrc;
	bool authenticated;
};
LIM_WUR enum lim_err ho_encode_iri_group(const struct ho_psheader *h, const struct ho_iri_group *g,
					 uint8_t *buf, size_t cap, size_t *len);
LIM_WUR enum lim_err ho_encode_keepalive_response(const struct ho_psheader *h, uint8_t *buf,
						  size_t cap, size_t *len);

enum ho_payload_kind {
	HO_PAYLOAD_IRI_SIP = 1,
	HO_PAYLOAD_CC_RTP = 2,
	HO_PAYLOAD_KEEPALIVE = 3,
	HO_PAYLOAD_KEEPALIVE_RESPONSE = 4,
	HO_PAYLOAD_IRI_KEYMGMT = 5, /* an IRI (HI2, IRI sequence numbers) */
	HO_PAYLOAD_IRI_CALLEND = 6, /* an IRI too */
	HO_PAYLOAD_IRI_GROUP = 7    /* an IRI too */
};

/* Room for the decoded key-management strings: four of HO_KM_STR_MAX and t, NUL-terminated. */
#define HO_KM_TEXT_MAX (4 * (HO_KM_STR_MAX + 1) + 32)

/* A decoded PS-PDU; iri / cc are filled for their kind (borrowed views into the input); km for
 * HO_PAYLOAD_IRI_KEYMGMT (its strings live in km_text / static storage: valid while this struct
 * is, not tied to the input), ce for HO_PAYLOAD_IRI_CALLEND, ge for HO_PAYLOAD_IRI_GROUP (the
 * same), with km_cc the nationalIPMMIRIParameters countryCode of any of them. */
struct ho_pdu {
	struct ho_psheader hdr;
	enum ho_payload_kind kind;
	struct ho_iri_sip iri;
	struct ho_cc_rtp cc;
	struct ho_iri_keymgmt km;
	struct ho_iri_callend ce;
	struct ho_iri_group ge;
	char km_cc[3]; /* (of limfCallEnd and limfGroupEvent too) */
	char km_text[HO_KM_TEXT_MAX];
};

/* Length of the PS-PDU at the start of p[0..n) (stream framing): LIM_OK with *len, LIM_E_TRUNC
 * when more bytes are needed to know or to hold it, LIM_E_PARSE when p does not start with a
 * PS-PDU SEQUENCE header, LIM_E_LIMIT when it declares more than HO_PDU_MAX. */
LIM_WUR enum lim_err ho_pdu_length(const uint8_t *p, size_t n, size_t *len);

/* Decodes exactly one PS-PDU from p[0..n) (no trailing bytes) into *out. Accepts what the
 * encoders above write plus unknown [n] members of the SEQUENCEs (extensions, skipped), the
 * optional PSHeader timeStamp [5] / interceptionPointID [6], and IPAddress iP-assignment etc.
 * Members must appear once each, in ascending tag order. Required (ASN.1-optional ones marked
 * *: limf's data PDUs always carry them; a keep-alive or keep-aliveResponse, which may come
 * from a LEMF, need not: no_cin / no_usts): li-psDomainId {0 4 0 2 2 5 1 v} (any v, else
 * LIM_E_UNSUPP), LIID, communicationIdentifier { networkIdentifier { operatorIdentifier },
 * CIN* }, sequenceNumber, microSecondTimeStamp*; iRIType and iRIContents; payloadDirection*
 * and cCContents; iPMMIRIObjId / iPMMCCObjId {5 5 v 1|2}; sIPMessage's three members;
 * mMCCContents and frameType (must be rtpFrame; mMCCprotocol, when present, rTP).
 * A timeStampQualifier above timeOfAggregation (an extensible ENUMERATED: a later version's)
 * reads as HO_TSQ_UNKNOWN. The input is DER: a peer's BER is made DER first (handover/ber.h
 * ho_ber_to_der, as the link does with what an authority sends).
 * Rejects: indefinite or non-minimal lengths, nesting deeper than HO_PDU_DEPTH, lengths over
 * HO_PDU_MAX, missing required members, values out of range, payload sequences with other than
 * exactly one element (LIM_E_UNSUPP), payload kinds other than the seven above, iPTextAddress,
 * IRI/CC contents other than IPMMIRI sIPMessage / nationalIPMMIRIParameters / IPMMCC
 * (LIM_E_UNSUPP). nationalIPMMIRIParameters: countryCode required; exactly one limf member
 * required, key management, call end or group event (a national branch without one, or with
 * another OID or version: LIM_E_UNSUPP; with two: LIM_E_PARSE): key management with side,
 * keyPeriod, outcome, signature, csbId and srtpSessions, call end with its reason, group event
 * with event, gmkId, gukId, ssrc and authenticated (group and talker: no NUL); other extension
 * members are skipped; strings over HO_KM_STR_MAX, not UTF-8 or holding NUL, enumerations
 * out of range, a malformed GeneralizedTime: LIM_E_PARSE.
 * Errors: LIM_E_PARSE / LIM_E_TRUNC / LIM_E_LIMIT / LIM_E_UNSUPP; *out zeroed on failure. */
LIM_WUR enum lim_err ho_decode_pdu(const uint8_t *p, size_t n, struct ho_pdu *out);

#endif
