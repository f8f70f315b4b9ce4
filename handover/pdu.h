/* PS-PDU tags (handover/ internal). Every tag the encoder writes and the decoder reads, with its
 * source. The modules are DEFINITIONS IMPLICIT TAGS, so a [n] on a SEQUENCE, INTEGER, OCTET
 * STRING, ... replaces the universal tag (constructed for SEQUENCEs), while a [n] on a CHOICE is
 * always explicit: [n] constructed wrapping the chosen alternative's own tag (X.680 31.2.7 c).
 *
 * Sources: ETSI TS 102 232-1 (LI-PS-PDU module, "PS-PDU", "PSHeader", "Payload", ...),
 * TS 102 232-5 (IPMultiMediaPDU: IPMMIRI, IPMMCC), TS 102 232-3 (IPAddress), as read in the
 * member tables of libwandder src/libwandder_etsili.c init_dumpers() (pspdu, psheader, cid,
 * netid, msts, payload, iripayload, iricontents, ipmmiri, ipmmiricontents, sipmessage, ipaddress,
 * ipvalue, ccpayload, cccontents, ipmmcc, tripayload: the member index is the tag number) and its
 * constants etsi_lipsdomainid / etsi_ipmmirioid / etsi_ipmmccoid, and issue 6.
 *
 *   PS-PDU ::= SEQUENCE                                  30
 *     pSHeader [1] PSHeader (SEQUENCE)                   A1
 *       li-psDomainId [0] OBJECT IDENTIFIER              80  {0 4 0 2 2 5 1 v}: 04000202 0501 v
 *       lawfulInterceptionIdentifier [1] OCTET STRING    81  (SIZE 1..25)
 *       authorizationCountryCode [2] PrintableString     82  (SIZE 2), optional
 *       communicationIdentifier [3] SEQUENCE             A3
 *         networkIdentifier [0] SEQUENCE                 A0
 *           operatorIdentifier [0] OCTET STRING          80  (SIZE 1..16)
 *           networkElementIdentifier [1] OCTET STRING    81  (SIZE 1..16), optional
 *         communicationIdentityNumber [1] INTEGER        81  (0..4294967295)
 *         deliveryCountryCode [2] PrintableString        82  (SIZE 2), optional
 *       sequenceNumber [4] INTEGER                       84  (0..4294967295)
 *       timeStamp [5] GeneralizedTime                    85  (decoder skips; not written)
 *       interceptionPointID [6] PrintableString          86  (decoder skips; not written)
 *       microSecondTimeStamp [7] SEQUENCE                A7
 *         seconds [0] INTEGER                            80
 *         microSeconds [1] INTEGER                       81  (0..999999)
 *       timeStampQualifier [8] ENUMERATED                88
 *     payload [2] Payload (CHOICE, explicit)             A2
 *       iRIPayloadSequence [0] SEQUENCE OF IRIPayload    A0
 *         IRIPayload ::= SEQUENCE                        30
 *           iRIType [0] ENUMERATED                       80  begin 1, end 2, continue 3, report 4
 *           iRIContents [2] IRIContents (CHOICE)         A2
 *             iPMMIRI [11] IPMMIRI (SEQUENCE)            AB
 *               iPMMIRIObjId [0] RELATIVE-OID            80  {5 5 6 1} = 05 05 06 01
 *               iPMMIRIContents [1] (CHOICE)             A1
 *                 sIPMessage [1] SIPMessage (SEQUENCE)   A1
 *                   ipSourceAddress [0] IPAddress        A0
 *                   ipDestinationAddress [1] IPAddress   A1
 *                   sIPContent [2] OCTET STRING          82
 *       cCPayloadSequence [1] SEQUENCE OF CCPayload      A1
 *         CCPayload ::= SEQUENCE                         30
 *           payloadDirection [0] ENUMERATED              80  fromTarget 0, toTarget 1, ...
 *           cCContents [2] CCContents (CHOICE)           A2
 *             iPMMCC [12] IPMMCC (SEQUENCE)              AC
 *               iPMMCCObjId [0] RELATIVE-OID             80  {5 5 6 2} = 05 05 06 02
 *               mMCCContents [1] OCTET STRING            81  one RTP packet
 *               frameType [2] ENUMERATED                 82  rtpFrame(2)
 *               streamID [3] OCTET STRING                83  optional
 *               mMCCprotocol [4] ENUMERATED              84  rTP(0)
 *       tRIPayload [2] TRIPayload (CHOICE)               A2
 *         keep-alive [3] NULL                            83 00
 *         keep-aliveResponse [4] NULL                    84 00
 *               -- or, for the limf key-management IRI (handover.h ho_encode_iri_keymgmt):
 *               nationalIPMMIRIParameters [3] (SEQUENCE)          A3
 *                 countryCode [1] PrintableString (SIZE 2)        81
 *                 -- extension additions (after the standard's "..."):
 *                 limfKeyManagement [100] LimfKeyManagement OPTIONAL BF 64
 *                 -- or, for the limf call-end IRI (ho_encode_iri_callend):
 *                 limfCallEnd [101] LimfCallEnd OPTIONAL           BF 65
 *                 -- or, for the limf group IRI (ho_encode_iri_group):
 *                 limfGroupEvent [102] LimfGroupEvent OPTIONAL     BF 66
 *   IPAddress ::= SEQUENCE (TS 102 232-3)
 *     iP-type [1] ENUMERATED                             81  iPV4(0), iPV6(1)
 *     iP-value [2] IP-value (CHOICE)                     A2
 *       iPBinaryAddress [1] OCTET STRING                 81  (SIZE 4 or 16)
 *
 * Key-management IRI. TS 102 232-5 (IPMultiMediaPDU) IPMMIRIContents is an extensible CHOICE
 * { originalIPMMMessage [0], sIPMessage [1], h323Message [2], nationalIPMMIRIParameters [3],
 * ... } and NationalIPMMIRIParameters ::= SEQUENCE { countryCode [1] PrintableString (SIZE (2)),
 * ... }: the standard's own place for operator/nationally defined IRI, whose content "should be
 * defined using ASN.1 and added after the extension marker", with a version and a vendor
 * identification recommended (countryCode [1], as in TS 101 671's National-HI2-ASN1parameters;
 * limf wrote [0] before 2026-12, after libwandder's dump table, and still reads it). A LEMF
 * that knows IPMMIRI but not limf decodes a standard nationalIPMMIRIParameters and skips the
 * unknown extension addition (X.680 extensibility: a decoder of the root ignores extension
 * additions it does not know); one that does not know
 * the national branch skips one alternative of an extensible CHOICE. The iPMMIRIObjId and
 * the PS-PDU around it are those of the SIP IRI. The module (limf-defined; the OID names module
 * and version, under a UUID arc of ITU-T X.667, which needs no registration):
 *
 *   LimfKeyManagement-v1 { joint-iso-itu-t(2) uuid(25)
 *       limf(185782223943758931639124538047893075108) keyManagement(1) version1(1) }
 *   DEFINITIONS IMPLICIT TAGS ::= BEGIN
 *   -- extension addition of TS 102 232-5 NationalIPMMIRIParameters:
 *   --   limfKeyManagement [100] LimfKeyManagement OPTIONAL
 *   LimfKeyManagement ::= SEQUENCE {
 *       limfKMObjId   [0] OBJECT IDENTIFIER,       -- {2 25 ... 1 1}: this module, version 1
 *       side          [1] ENUMERATED { offer(0), answer(1), gmk(2), ... },
 *                                      -- gmk: a GMK distribution (TS 33.180 s5.7)
 *       initiator     [2] UTF8String (SIZE (1..1024)) OPTIONAL,   -- as carried: URI or UID hex
 *       responder     [3] UTF8String (SIZE (1..1024)) OPTIONAL,
 *       kmsURI        [4] UTF8String (SIZE (1..1024)) OPTIONAL,   -- of the KMS certificate used
 *       keyPeriod     [5] INTEGER (0..18446744073709551615),     -- key period number
 *       t             [6] GeneralizedTime OPTIONAL,   -- MIKEY T payload, UTC, DER form
 *       outcome       [7] ENUMERATED { keys(0), iri-only(1), kms-error(2), unwrap-failed(3),
 *                                      parse-error(4), bad-signature(5), no-responder(6),
 *                                      audit-error(7), gmk(8), no-group(9),
 *                                      no-valid-certificate(10), gmk-conflict(11), ... },
 *                                      -- gmk: a group's GMK recovered, no-group: it
 *                                      -- names no group, no-valid-certificate: the
 *                                      -- call's time is outside every KMS certificate,
 *                                      -- gmk-conflict: another GMK is in use under its
 *                                      -- GMK-ID (refused, decrypt/group.h)
 *       signature     [8] ENUMERATED { valid(0), invalid(1), not-checked(2), ... },
 *       csbId         [9] INTEGER (0..4294967295),
 *       srtpSessions [10] INTEGER (0..4294967295),    -- SRTP crypto sessions derived
 *       detail       [11] UTF8String (SIZE (1..1024)) OPTIONAL,   -- one line
 *       ...
 *   }
 *   END
 * No member carries key material (no SSV, TGK, TEK, RSK, SRTP master key or salt): only facts.
 * Later versions add members after "..." (decoders skip them) or change the OID's last arc.
 *
 * Call-end IRI (handover.h ho_encode_iri_callend): the last IRI of a call that no SIP message
 * ended (an idle timeout, the end of a replay's input, a call evicted from a full table, a BYE
 * whose final response never came, the warrant no longer in force), so that a LEMF sees an
 * IRI-END (or, for a warrant that ended during the call, an IRI-REPORT) for every call it saw
 * begin. The same national branch, with a second extension addition:
 *
 *   LimfCallEnd-v1 { joint-iso-itu-t(2) uuid(25)
 *       limf(185782223943758931639124538047893075108) callEnd(2) version1(1) }
 *   DEFINITIONS IMPLICIT TAGS ::= BEGIN
 *   -- extension addition of TS 102 232-5 NationalIPMMIRIParameters:
 *   --   limfCallEnd [101] LimfCallEnd OPTIONAL
 *   LimfCallEnd ::= SEQUENCE {
 *       limfCEObjId   [0] OBJECT IDENTIFIER,       -- {2 25 ... 2 1}: this module, version 1
 *       reason        [1] ENUMERATED { none(0), bye(1), cancel(2), rejected(3), timeout(4),
 *                                      flush(5), evicted(6), warrant-not-in-force(7),
 *                                      warrant-not-confirmed(8), ... },
 *                                      -- bye: a BYE whose final response never came;
 *                                      -- flush: the end of the input (replay) or of the
 *                                      -- service; evicted: made room in a full call table;
 *                                      -- warrant-not-confirmed: the warrant database did not
 *                                      -- confirm the warrant during the call (live service)
 *       ...
 *   }
 *   END
 *
 * Group-communication IRI (handover.h ho_encode_iri_group, issue 9): a fact of an MCPTT group
 * call - a talker's first media (authenticated: its SRTP verified under the group's GMK) or a
 * floor-control message seen in the clear - as a third extension addition:
 *
 *   LimfGroupEvent-v1 { joint-iso-itu-t(2) uuid(25)
 *       limf(185782223943758931639124538047893075108) groupEvent(3) version1(1) }
 *   DEFINITIONS IMPLICIT TAGS ::= BEGIN
 *   -- extension addition of TS 102 232-5 NationalIPMMIRIParameters:
 *   --   limfGroupEvent [102] LimfGroupEvent OPTIONAL
 *   LimfGroupEvent ::= SEQUENCE {
 *       limfGEObjId   [0] OBJECT IDENTIFIER,       -- {2 25 ... 3 1}: this module, version 1
 *       event         [1] ENUMERATED { talker(0), floor-request(1), floor-granted(2),
 *                                      floor-taken(3), floor-deny(4), floor-release(5),
 *                                      floor-idle(6), floor-revoke(7),
 *                                      floor-queue-position-request(8),
 *                                      floor-queue-position-info(9), floor-ack(10),
 *                                      floor-release-multi-talker(11), floor-unknown(12), ... },
 *                                      -- floor-*: TS 24.380 floor control messages
 *       group         [2] OCTET STRING (SIZE (1..1024)) OPTIONAL,  -- MC group ID, as carried
 *       talker        [3] OCTET STRING (SIZE (1..1024)) OPTIONAL,  -- MC user ID, as carried
 *       gmkId         [4] INTEGER (0..4294967295),
 *       gukId         [5] INTEGER (0..4294967295),
 *       ssrc          [6] INTEGER (0..4294967295),
 *       authenticated [7] BOOLEAN,   -- TRUE: from a packet that passed SRTP authentication
 *       detail        [8] UTF8String (SIZE (1..1024)) OPTIONAL,   -- one line
 *       ...
 *   }
 *   END
 * A PS-PDU holds one of limfKeyManagement, limfCallEnd and limfGroupEvent: each is an
 * OPTIONAL extension addition (a PDU carries only one of them; the DER is the same).
 */
#ifndef HO_PDU_H
#define HO_PDU_H

/* li-psDomainId prefix {0 4 0 2 2 5 1}; the version arc follows. */
#define HO_PS_DOMAIN_PREFIX                                                                        \
	{                                                                                          \
		0, 4, 0, 2, 2, 5, 1                                                                \
	}
#define HO_PS_DOMAIN_PREFIX_N 7
/* iPMMIRIObjId / iPMMCCObjId: RELATIVE-OIDs {li-ps(5) iPMultimedia(5) version(6) iRI(1)|cC(2)}. */
#define HO_IPMMIRI_OID                                                                             \
	{                                                                                          \
		5, 5, 6, 1                                                                         \
	}
#define HO_IPMMCC_OID                                                                              \
	{                                                                                          \
		5, 5, 6, 2                                                                         \
	}

/* LimfKeyManagement OID {2 25 <UUID 8bc45ad5-aafe-472a-9995-e5d85a2bf4a4> 1 1}: the content
 * octets of the OBJECT IDENTIFIER (X.690 8.19: 2*40+25 = 105, the UUID's integer in base 128,
 * then 1, 1). The decoder compares all but the last octet and reads the version from that. */
#define HO_KM_OID                                                                                  \
	{                                                                                          \
		0x69, 0x82, 0x97, 0xc4, 0xad, 0xb5, 0xb5, 0xaf, 0xf2, 0x9c, 0xd5, 0x99, 0xca,      \
			0xf9, 0xbb, 0x85, 0xd1, 0xaf, 0xe9, 0x24, 0x01, 0x01                       \
	}
#define HO_KM_OID_LEN 22
#define HO_KM_VERSION 1
#define HO_KM_CC_NONE "XX" /* ISO 3166-1 user-assigned code element */
/* LimfCallEnd OID {2 25 <UUID> 2 1}: HO_KM_OID with the module arc 2 (the octet before the
 * version). */
#define HO_CE_MODULE_ARC 2
#define HO_CE_VERSION    1
/* LimfGroupEvent OID {2 25 <UUID> 3 1}, the same way. */
#define HO_GE_MODULE_ARC 3
#define HO_GE_VERSION    1

/* Enumeration values written by the encoder. */
#define HO_FRAME_RTP      2 /* FrameType rtpFrame */
#define HO_MMCC_PROTO_RTP 0 /* MMCCprotocol rTP */
#define HO_IP_TYPE_V4     0
#define HO_IP_TYPE_V6     1

/* Tag numbers, as in the table above. */
enum ho_tagnum {
	HO_T_PSHEADER = 1,
	HO_T_PAYLOAD = 2,
	/* PSHeader */
	HO_T_DOMAIN = 0,
	HO_T_LIID = 1,
	HO_T_AUTH_CC = 2,
	HO_T_CID = 3,
	HO_T_SEQNO = 4,
	HO_T_TIMESTAMP = 5,
	HO_T_IPID = 6,
	HO_T_USTS = 7,
	HO_T_TSQ = 8,
	/* CommunicationIdentifier, NetworkIdentifier, MicroSecondTimeStamp */
	HO_T_NETID = 0,
	HO_T_CIN = 1,
	HO_T_DELIV_CC = 2,
	HO_T_OPID = 0,
	HO_T_NEID = 1,
	HO_T_SECONDS = 0,
	HO_T_USECONDS = 1,
	/* Payload */
	HO_T_IRI_SEQ = 0,
	HO_T_CC_SEQ = 1,
	HO_T_TRI = 2,
	/* IRIPayload / CCPayload */
	HO_T_IRI_TYPE = 0,
	HO_T_IRI_CONTENTS = 2,
	HO_T_CC_DIR = 0,
	HO_T_CC_CONTENTS = 2,
	HO_T_IPMMIRI = 11,
	HO_T_IPMMCC = 12,
	/* IPMMIRI */
	HO_T_OBJID = 0,
	HO_T_IPMMIRI_CONTENTS = 1,
	HO_T_SIPMESSAGE = 1,
	HO_T_SIP_SRC = 0,
	HO_T_SIP_DST = 1,
	HO_T_SIP_CONTENT = 2,
	HO_T_NATIONAL_IPMMIRI = 3,
	/* NationalIPMMIRIParameters, LimfKeyManagement */
	HO_T_NAT_CC = 1,
	HO_T_NAT_CC_V0 = 0, /* (limf before 2026-12: read still, never written) */
	HO_T_NAT_LIMF_KM = 100,
	HO_T_KM_OBJID = 0,
	HO_T_KM_SIDE = 1,
	HO_T_KM_INITIATOR = 2,
	HO_T_KM_RESPONDER = 3,
	HO_T_KM_KMS_URI = 4,
	HO_T_KM_PERIOD = 5,
	HO_T_KM_T = 6,
	HO_T_KM_OUTCOME = 7,
	HO_T_KM_SIG = 8,
	HO_T_KM_CSB_ID = 9,
	HO_T_KM_N_KEYS = 10,
	HO_T_KM_DETAIL = 11,
	/* LimfCallEnd */
	HO_T_NAT_LIMF_CE = 101,
	HO_T_CE_OBJID = 0,
	HO_T_CE_REASON = 1,
	/* LimfGroupEvent */
	HO_T_NAT_LIMF_GE = 102,
	HO_T_GE_OBJID = 0,
	HO_T_GE_EVENT = 1,
	HO_T_GE_GROUP = 2,
	HO_T_GE_TALKER = 3,
	HO_T_GE_GMK_ID = 4,
	HO_T_GE_GUK_ID = 5,
	HO_T_GE_SSRC = 6,
	HO_T_GE_AUTH = 7,
	HO_T_GE_DETAIL = 8,
	/* IPMMCC */
	HO_T_MMCC_CONTENTS = 1,
	HO_T_FRAME_TYPE = 2,
	HO_T_STREAM_ID = 3,
	HO_T_MMCC_PROTO = 4,
	/* TRIPayload */
	HO_T_KEEPALIVE = 3,
	HO_T_KEEPALIVE_RESP = 4,
	/* IPAddress, IP-value */
	HO_T_IP_TYPE = 1,
	HO_T_IP_VALUE = 2,
	HO_T_IP_BINARY = 1
};

#endif
