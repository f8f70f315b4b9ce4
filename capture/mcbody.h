/* capture/mcbody: GMK distributions in SIP bodies (3GPP MCX, issue 9).
 *
 * What the specifications say (clause numbers; "verified" = read in the spec text, the rest is
 * marked as inferred):
 *   - TS 33.180 s5.7.1 (verified): the Group Management Server (GMS) distributes the GMK and its
 *     GMK-ID to each member "using the security mechanism described in clause 5.2.2,
 *     transported over the SIP bearer": one MIKEY-SAKKE I_MESSAGE (RFC 6509, data type 26)
 *     per member, encrypted to the member's UID, signed with the GMS's identity. End-point
 *     diversity (s5.2.3) applies: the HDR CSB-ID is the member's GUK-ID, not the GMK-ID
 *     (TS 33.179/33.180 Annex E.2: "the CSB ID field ... shall be the GUK-ID"). GMK-ID =
 *     GUK-ID XOR User Salt (28 LSBs of KDF(GMK, FC 0x50, member's MC ID)), purpose tag kept.
 *     One GMK may be assigned to several MC Group IDs, listed in the key-parameters general
 *     extension (s5.2.4, Annex E.6); SAKKE-to-self (s5.2.5, general extension type 6) and
 *     identity hiding (s5.2.6, IDR roles 8/9 UIDs) may be present.
 *   - TS 33.179 s7.3.1 / Annex E.2 (verified): the I_MESSAGE is the "Group Key Transport
 *     payload"; IDRi = the GMS's URI, IDRr = the member's MC ID (or its UID, E.7), IDRkmsi/
 *     IDRkmsr the KMS URIs; T, RAND, SAKKE, SIGN (ECCSI) mandatory, SP recommended.
 *   - TS 33.180 Annex E.6.1 (verified): general extension type 7 "3GPP key parameters" holds
 *     an MCData protected payload (s8.5.4) encrypted with a key derived from the distributed
 *     key itself (DPPK-ID = the CSB-ID): the MC Group IDs of the GMK are only readable after
 *     the GMK is recovered. decrypt/gmk.h parses it; capture/ cannot.
 *   - TS 36.579-1 s5.5.7.1 (verified): the MCPTT group document is the TS 24.481 clause 7
 *     group document (OMA XDM group, <list-service uri="MC group ID">, <list><entry uri=
 *     "member MC ID">); the group ID is the "uri" attribute of <list-service>.
 *   - TS 24.481 XML schema for GKTPs (verified: the schema as extracted verbatim from
 *     24481-h80, namespace urn:3gpp:ns:mcpttGKTP:1.0): <GKTPs> is an "MCS specific
 *     list-service child element" of the group document; it holds <GMK-GKTPs> and
 *     <MKFC-GKTPs>, each a list of <GKTP id="..."> elements whose content is the I_MESSAGE as
 *     xs:hexBinary, and <on-network-regrouped-GKTPs temporary-MCPTT-group-ID="..."> holding
 *     the GKTPs of a temporary (regrouped) group. TS 24.379 Annex F.1 (verified, 24379-hf0)
 *     also allows <MKFC-GKTPs> inside mcpttinfo <mcptt-Params>
 *     (application/vnd.3gpp.mcptt-info+xml, namespace urn:3gpp:ns:mcpttInfo:1.0), where
 *     <mcptt-request-uri><mcpttURI> names the target MC ID and <mcptt-calling-group-id> a
 *     group.
 *   - Inferred, not verified: the group document reaches the member's group management
 *     client in the SIP NOTIFY of its subscription to the group document (TS 24.481
 *     s6.3.13, event "xcap-diff", RFC 5875), possibly multipart/mixed; or it is fetched over
 *     HTTP (XCAP GET, not SIP: out of capture/'s SIP path). The meaning of the GKTP "id"
 *     attribute was not confirmed; it is returned as is.
 *   - RFC 3830 s10 registers application/mikey: a MIKEY message as a body part (binary, or
 *     with Content-Transfer-Encoding base64). Accepted too.
 *
 * How (cap_mc_extract):
 *   1. Body by Content-Type: multipart/<any> walked by the capture/ MIME iterator, the same
 *      as cap_sip_sdp_body's (capture/internal.h: RFC 2046 s5.1 boundary rules, transport
 *      padding, folded and case-insensitive part headers, preamble and epilogue ignored),
 *      nested up to CAP_MC_MAX_DEPTH levels and CAP_MC_MAX_PARTS body parts in all (nested
 *      multipart parts included); each leaf's Content-Type and Content-Transfer-Encoding
 *      (7bit/8bit/binary as is, base64 decoded; quoted-printable and others: part skipped).
 *      CRLF or bare LF line ends. Framing errors (a missing close delimiter, junk after a
 *      boundary, a bad part header line...) are reported when the walk reaches them: the
 *      parts before are examined and their results kept. An empty entity (the body or a part)
 *      and a body without Content-Type are not examined.
 *   2. XML parts (text/xml, application/xml, application/<x>+xml) go through a bounded
 *      hand-written scanner, not libxml2: it refuses any <!DOCTYPE> (so no DTD, no entity
 *      declaration, no external entity: billion laughs and XXE cannot start), accepts only
 *      the five predefined entities and character references, caps depth, element count,
 *      attributes and name length, requires well-nested tags, and never allocates.
 *      capture/ keeps its dependency list (common, libpcap).
 *   3. A GMK candidate is the character data of a leaf element (CDATA allowed, whitespace
 *      inside ignored) that decodes, as hexBinary ("011a...", the TS 24.481 type) or as
 *      base64 ("ARo..."), to at most CAP_MC_IMSG_MAX octets of a MIKEY message with version
 *      1 and data type 26, whatever the element's name (so <GKTP> and vendor variants alike).
 *      Group IDs attached to it: the temporary-MCPTT-group-ID of an enclosing
 *      <on-network-regrouped-GKTPs>, the uri attribute of the innermost enclosing
 *      <list-service>, sibling elements whose local name ends in "group-id", and the
 *      mcpttinfo calling group of the same SIP message. The addressee:
 *      the To URI (the member's public identity), the Request-URI, and the mcpttinfo
 *      <mcptt-request-uri> when present. Whether the I_MESSAGE is really a GMK one (CS-ID 4,
 *      purpose tag, key type) is decided after decoding, in decrypt/gmk.h.
 *
 * Everything returned is copied (text NUL-terminated, cut at the caps with a flag) except the
 * cap_str views into the SIP message, which are BORROWED from it. */
#ifndef CAP_MCBODY_H
#define CAP_MCBODY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/capture.h"
#include "common/err.h"

#define CAP_MC_MAX_DEPTH     CAP_SIP_MAX_DEPTH /* nested multipart levels (1 = flat) */
#define CAP_MC_MAX_PARTS     32   /* body parts per message, nested multiparts included */
#define CAP_MC_MAX_IMSG      8    /* I_MESSAGEs returned per message (more: imsg_cut) */
#define CAP_MC_IMSG_MAX      4096 /* decoded octets of one I_MESSAGE */
#define CAP_MC_MAX_GROUPS    4    /* group IDs kept per I_MESSAGE */
#define CAP_MC_TEXT          256  /* octets kept of one group ID / URI / element name */
#define CAP_MC_XML_MAX_DEPTH 32   /* open elements */
#define CAP_MC_XML_MAX_ELEMS 4096 /* elements per XML part */
#define CAP_MC_XML_MAX_ATTRS 32   /* attributes per element */
#define CAP_MC_XML_MAX_NAME  128  /* octets of an element or attribute name */

/* Copied text, NUL-terminated. */
struct cap_mc_text {
	char s[CAP_MC_TEXT];
	size_t len;
	bool cut; /* longer in the input than kept */
};

enum cap_mc_src {
	CAP_MC_SRC_XML = 1,  /* base64 text of an XML element */
	CAP_MC_SRC_MIKEY = 2 /* an application/mikey part (or whole body) */
};

struct cap_mc_imsg {
	uint8_t src;                    /* enum cap_mc_src */
	uint8_t bytes[CAP_MC_IMSG_MAX]; /* the I_MESSAGE, decoded */
	size_t len;
	struct cap_mc_text element;   /* local name of the carrying XML element ("" for MIKEY) */
	struct cap_mc_text container; /* local name of its parent ("GMK-GKTPs", "MKFC-GKTPs") */
	struct cap_mc_text gktp_id;   /* its id attribute (TS 24.481 GKTP id), "" when none */
	struct cap_mc_text part_type; /* media type of the body part ("application/xml"...) */
	size_t n_group;
	struct cap_mc_text group[CAP_MC_MAX_GROUPS];
	bool group_cut; /* more group IDs than CAP_MC_MAX_GROUPS */
};

struct cap_mc_result {
	/* from the SIP message (BORROWED views) */
	struct cap_str method; /* request method, len 0 for a response */
	struct cap_str ruri;   /* Request-URI, len 0 for a response */
	struct cap_str to_uri; /* To URI: the addressee's public identity */
	/* from an mcpttinfo part (TS 24.379 F.1), copied; len 0 when absent */
	struct cap_mc_text mc_target; /* <mcptt-request-uri><mcpttURI> */
	struct cap_mc_text mc_group;  /* <mcptt-calling-group-id><mcpttURI> */
	/* what was walked */
	size_t n_parts; /* non-empty leaf entities examined (the body itself if not multipart) */
	size_t n_xml;   /* XML parts scanned */
	size_t n_imsg;
	struct cap_mc_imsg imsg[CAP_MC_MAX_IMSG];
	bool imsg_cut; /* more than CAP_MC_MAX_IMSG I_MESSAGEs found */
	/* on error: static English text (never NULL; "ok" on success) and the body offset */
	const char *err_detail;
	size_t err_offset;
};

/* Finds the GMK I_MESSAGE candidates of a parsed SIP message m (see the top of this file).
 * out (large: allocate it) is zeroed first. Returns LIM_OK (n_imsg may be 0: nothing there),
 * LIM_E_PARSE (bad multipart framing, bad or hostile XML: DOCTYPE, unknown entity, tags not
 * nested, bad base64 in an application/mikey part), LIM_E_LIMIT (a cap above). A part refused
 * does not stop the walk: the other parts are examined and their I_MESSAGEs kept in out, and
 * the first refusal is returned (err_detail says why); a framing error stops it, the
 * I_MESSAGEs of the parts before staying in out.
 * LIM_E_NOMEM when the scratch buffer (body size) cannot be allocated; LIM_E_ARG for NULL. */
enum lim_err cap_mc_extract(const struct cap_sip_msg *m, struct cap_mc_result *out) LIM_WUR;

/* The same on a body alone: ctype is its Content-Type value (parameters included), body its
 * octets. Fills everything but method/ruri/to_uri. For tests and fuzzing. */
enum lim_err cap_mc_extract_body(struct cap_str ctype, struct cap_str body,
				 struct cap_mc_result *out) LIM_WUR;

#endif
