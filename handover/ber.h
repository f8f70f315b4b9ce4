/* BER/DER encoder and bounded decoder for the ETSI handover (ITU-T X.690).
 *
 * Encoder: definite lengths only, minimal (DER) length and tag encodings. It writes BACKWARDS
 * into a caller-owned buffer: every call prepends its TLV in front of what is already written,
 * so a constructed value is built by taking a mark, encoding its members LAST FIRST, then
 * wrapping everything written since the mark with ho_ber_wrap() (which prepends length and tag).
 * The length of every constructed value is thus known when its header is written, with no
 * second pass and no memmove per level. ho_ber_enc_finish() moves the finished encoding to the
 * start of the buffer. Errors are sticky (BearSSL style): the first failure (LIM_E_LIMIT when
 * the buffer is too small, LIM_E_ARG for an invalid value such as a bad OID) wins, nothing more
 * is written, and ho_ber_enc_finish() returns it.
 *
 * Decoder: ho_ber_read() reads one TLV from a lim_rd (rd.h), ho_ber_walk() validates a whole
 * encoding recursively. Both reject indefinite lengths (X.690 8.1.3.6), lengths that are not
 * minimally encoded (DER, X.690 10.1: long form for < 128, leading zero octets), multi-byte tag
 * numbers below 31 or with a leading 0x80 octet (X.690 8.1.2.4.2 c), tag numbers above
 * 2^28 - 1, more than 4 length octets, and lengths above the caller's cap. Values are borrowed
 * views into the input. The typed getters check X.690 content rules (minimal INTEGER, BOOLEAN
 * of one octet, NULL empty, OID sub-identifiers without a leading 0x80).
 */
#ifndef HO_BER_H
#define HO_BER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/rd.h"

/* Tag classes (X.690 8.1.2.2, bits 8-7 of the identifier octet). */
#define HO_BER_UNIVERSAL   0x00u
#define HO_BER_APPLICATION 0x40u
#define HO_BER_CONTEXT     0x80u
#define HO_BER_PRIVATE     0xc0u

/* Universal tag numbers (X.680 8.4 table 1). */
#define HO_BER_T_BOOLEAN         1u
#define HO_BER_T_INTEGER         2u
#define HO_BER_T_OCTET_STRING    4u
#define HO_BER_T_NULL            5u
#define HO_BER_T_OID             6u
#define HO_BER_T_ENUMERATED      10u
#define HO_BER_T_UTF8STRING      12u
#define HO_BER_T_RELATIVE_OID    13u
#define HO_BER_T_SEQUENCE        16u
#define HO_BER_T_SET             17u
#define HO_BER_T_PRINTABLESTRING 19u
#define HO_BER_T_IA5STRING       22u
#define HO_BER_T_GENERALIZEDTIME 24u

/* Largest tag number the decoder accepts (4 base-128 octets). */
#define HO_BER_TAG_MAX 0x0fffffffu
/* Most arcs ho_ber_get_oid() returns. */
#define HO_BER_OID_MAX_ARCS 32

struct ho_ber_tag {
	uint8_t cls; /* HO_BER_UNIVERSAL ... HO_BER_PRIVATE */
	bool cons;   /* constructed */
	uint32_t num;
};

/* Tag constructors: universal, context-specific, application; primitive and constructed. */
#define HO_UNI(n)  ((struct ho_ber_tag){ HO_BER_UNIVERSAL, false, (n) })
#define HO_UNIC(n) ((struct ho_ber_tag){ HO_BER_UNIVERSAL, true, (n) })
#define HO_CTX(n)  ((struct ho_ber_tag){ HO_BER_CONTEXT, false, (n) })
#define HO_CTXC(n) ((struct ho_ber_tag){ HO_BER_CONTEXT, true, (n) })
#define HO_APP(n)  ((struct ho_ber_tag){ HO_BER_APPLICATION, false, (n) })
#define HO_APPC(n) ((struct ho_ber_tag){ HO_BER_APPLICATION, true, (n) })
#define HO_SEQ     HO_UNIC(HO_BER_T_SEQUENCE)
#define HO_SET     HO_UNIC(HO_BER_T_SET)

/* Backwards encoder over buf[0..cap) (borrowed). Fields are private. */
struct ho_ber_enc {
	uint8_t *buf;
	size_t cap;
	size_t len; /* bytes written, at buf[cap - len .. cap) */
	enum lim_err err;
};

void ho_ber_enc_init(struct ho_ber_enc *e, void *buf, size_t cap);
/* The current mark (bytes written so far); pass it to ho_ber_wrap(). */
size_t ho_ber_mark(const struct ho_ber_enc *e);
/* Prepends tag and length of everything written since mark (a constructed value or an explicit
 * [n] wrapper: pass a constructed tag). mark > current position is a caller bug (LIM_E_ARG). */
void ho_ber_wrap(struct ho_ber_enc *e, size_t mark, struct ho_ber_tag t);
/* Prepends raw bytes (already encoded TLVs, or contents before a ho_ber_wrap). */
void ho_ber_raw(struct ho_ber_enc *e, const void *p, size_t n);
/* Prepends an identifier + length header for n content octets already written. */
void ho_ber_header(struct ho_ber_enc *e, struct ho_ber_tag t, size_t n);

/* Primitive values, each under tag t (pass the universal tag for untagged values, a context
 * tag for IMPLICIT tagging). */
void ho_ber_int(struct ho_ber_enc *e, struct ho_ber_tag t, int64_t v);   /* X.690 8.3 */
void ho_ber_uint(struct ho_ber_enc *e, struct ho_ber_tag t, uint64_t v); /* 0 .. 2^64-1 */
void ho_ber_bool(struct ho_ber_enc *e, struct ho_ber_tag t, bool v);     /* DER: FF / 00 */
void ho_ber_null(struct ho_ber_enc *e, struct ho_ber_tag t);
/* OCTET STRING and the character strings (UTF8String, IA5String, PrintableString: the caller
 * picks the tag; the bytes are written as given, IA5/Printable are checked to be 7-bit). */
void ho_ber_octets(struct ho_ber_enc *e, struct ho_ber_tag t, const void *p, size_t n);
void ho_ber_ia5(struct ho_ber_enc *e, struct ho_ber_tag t, const char *s, size_t n);
/* OBJECT IDENTIFIER from n >= 2 arcs (arc0 <= 2, arc1 < 40 when arc0 < 2; X.690 8.19) and
 * RELATIVE-OID from n >= 1 arcs (X.690 8.20). Invalid arcs: LIM_E_ARG. */
void ho_ber_oid(struct ho_ber_enc *e, struct ho_ber_tag t, const uint32_t *arcs, size_t n);
void ho_ber_reloid(struct ho_ber_enc *e, struct ho_ber_tag t, const uint32_t *arcs, size_t n);
/* GeneralizedTime in UTC, DER form (X.690 11.7): YYYYMMDDHHMMSS[.f]Z, the fraction from usec
 * with trailing zeros removed, absent when usec = 0. Years outside 0000..9999 or usec >= 10^6:
 * LIM_E_ARG. */
void ho_ber_gentime(struct ho_ber_enc *e, struct ho_ber_tag t, int64_t secs, uint32_t usec);

/* Ends encoding: on success moves the encoding to buf[0..*len) and returns LIM_OK; otherwise
 * returns the sticky error with *len = 0. */
LIM_WUR enum lim_err ho_ber_enc_finish(struct ho_ber_enc *e, size_t *len);

/* ---- decoder ---- */

struct ho_ber_tlv {
	struct ho_ber_tag tag;
	struct lim_rd val; /* borrowed view of the contents */
	size_t hdr_len;    /* identifier + length octets */
};

/* Reads one TLV from r. Errors: LIM_E_TRUNC when r ends before the header or the contents,
 * LIM_E_PARSE for a malformed header (see top), LIM_E_LIMIT when the length exceeds max_len.
 * On failure r is unchanged and *out zeroed. */
LIM_WUR enum lim_err ho_ber_read(struct lim_rd *r, size_t max_len, struct ho_ber_tlv *out);

/* Walk limits: nesting depth (the outermost TLV is depth 0; a TLV at depth max_depth may not
 * be constructed-with-children deeper) and per-TLV content length. */
struct ho_ber_limits {
	unsigned max_depth; /* at most HO_BER_DEPTH_HARD */
	size_t max_len;
};
#define HO_BER_DEPTH_HARD 64u

typedef void (*ho_ber_walk_fn)(void *ctx, unsigned depth, const struct ho_ber_tlv *t);

/* Validates that p[0..n) is a sequence of TLVs whose constructed values again hold exactly a
 * sequence of TLVs, recursively, within the limits (LIM_E_LIMIT when depth or length is
 * exceeded). Calls fn (may be NULL) for every TLV in document order. */
LIM_WUR enum lim_err ho_ber_walk(const uint8_t *p, size_t n, const struct ho_ber_limits *lim,
				 ho_ber_walk_fn fn, void *ctx);

/* BER to DER, for what a peer sends (an authority's keep-alives and responses: X.690 lets a
 * sender use BER where limf writes DER). Reads the one TLV at the start of p[0..n) as BER -
 * long-form lengths with leading zero octets or for a short length, the indefinite form of a
 * constructed value ended by end-of-contents octets, strings in their constructed form - and
 * writes its DER form to out[0..cap): minimal definite lengths, and each constructed string
 * made primitive with its segments' contents joined: a universal OCTET STRING, character string
 * or time type, and a constructed value of another class (an IMPLICIT-tagged string) whose
 * contents are one or more universal OCTET STRINGs (X.690 8.7.3.2, 8.23.6). That last rule
 * cannot tell an IMPLICIT-tagged SEQUENCE OF OCTET STRING, or an explicit tag on an untagged
 * OCTET STRING, from a string: the PS-PDU has neither (handover/pdu.h: every explicit tag wraps
 * a tagged alternative). Other contents are copied as they are (the typed getters below check
 * them). *used: the octets of p the TLV took; *out_len: the DER length.
 * Errors: LIM_E_TRUNC when p ends before the TLV does (framing a stream: read more);
 * LIM_E_PARSE when it is not BER (the indefinite form of a primitive value, end-of-contents
 * octets other than where an indefinite value ends, a value running past its definite
 * container, a constructed universal string with a segment that is not an OCTET STRING, a
 * malformed identifier); LIM_E_LIMIT beyond lim (depth, a declared length) or cap;
 * LIM_E_ARG. */
LIM_WUR enum lim_err ho_ber_to_der(const uint8_t *p, size_t n, const struct ho_ber_limits *lim,
				   uint8_t *out, size_t cap, size_t *used, size_t *out_len);

/* Typed getters on a primitive TLV's contents (the tag is not checked: the caller does). */
LIM_WUR enum lim_err ho_ber_get_int(const struct ho_ber_tlv *t, int64_t *out);
LIM_WUR enum lim_err ho_ber_get_uint(const struct ho_ber_tlv *t, uint64_t *out);
LIM_WUR enum lim_err ho_ber_get_bool(const struct ho_ber_tlv *t, bool *out);
LIM_WUR enum lim_err ho_ber_get_null(const struct ho_ber_tlv *t);
/* OID (decoded to arcs, first sub-identifier split per X.690 8.19.4) and RELATIVE-OID; arcs above
 * 2^32-1 or more than cap arcs: LIM_E_LIMIT. */
LIM_WUR enum lim_err ho_ber_get_oid(const struct ho_ber_tlv *t, uint32_t *arcs, size_t cap,
				    size_t *n);
LIM_WUR enum lim_err ho_ber_get_reloid(const struct ho_ber_tlv *t, uint32_t *arcs, size_t cap,
				       size_t *n);

/* True when t has class cls, constructed flag cons and number num. */
static inline bool ho_ber_is(const struct ho_ber_tlv *t, struct ho_ber_tag want)
{
	return t->tag.cls == want.cls && t->tag.cons == want.cons && t->tag.num == want.num;
}

#endif
