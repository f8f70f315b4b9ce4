/* ETSI TS 102 232-1/-5 PS-PDU encoder and decoder. See handover.h; tags in pdu.h.
 * The encoder writes backwards (ber.h): inside each SEQUENCE the members are encoded last first. */
#include <stdint.h>
#include <string.h>

#include "handover/ber.h"
#include "handover/handover.h"
#include "handover/pdu.h"

static const uint32_t ps_prefix[HO_PS_DOMAIN_PREFIX_N] = HO_PS_DOMAIN_PREFIX;
static const uint32_t ipmmiri_oid[4] = HO_IPMMIRI_OID;
static const uint32_t ipmmcc_oid[4] = HO_IPMMCC_OID;

/* ---- validation of caller input ---- */

/* Length of the NUL-terminated string in a char[cap], or cap when it is not terminated. */
static size_t slen(const char *s, size_t cap)
{
	return strnlen(s, cap);
}

/* PrintableString character set (X.680 41.4 table 10). */
static bool printable(const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      strchr(" '()+,-./:=?", c) != NULL) ||
		    c == 0)
			return false;
	}
	return true;
}

static bool cc_ok(const char *cc)
{
	size_t n = slen(cc, 3);
	return (n == 0 || n == 2) && printable((const uint8_t *)cc, n);
}

static bool hdr_ok(const struct ho_psheader *h)
{
	size_t l = slen(h->liid, sizeof h->liid), o = slen(h->op_id, sizeof h->op_id),
	       ne = slen(h->ne_id, sizeof h->ne_id);
	return l >= 1 && l <= HO_LIID_MAX && o >= 1 && o <= HO_NETID_MAX && ne <= HO_NETID_MAX &&
	       cc_ok(h->auth_cc) && cc_ok(h->deliv_cc) && h->ts_usec < 1000000u &&
	       (unsigned)h->tsq <= HO_TSQ_AGGREGATION;
}

/* hdr_ok, for an IRI or CC: with its CIN and microSecondTimeStamp (handover.h) */
static bool data_hdr_ok(const struct ho_psheader *h)
{
	return hdr_ok(h) && !h->no_cin && !h->no_usts;
}

/* ---- encoder ---- */

static void enc_header(struct ho_ber_enc *e, const struct ho_psheader *h)
{
	size_t m = ho_ber_mark(e), m2, m3;
	uint32_t arcs[HO_PS_DOMAIN_PREFIX_N + 1];

	ho_ber_int(e, HO_CTX(HO_T_TSQ), (int64_t)h->tsq);
	if (!h->no_usts) {
		m2 = ho_ber_mark(e);
		ho_ber_uint(e, HO_CTX(HO_T_USECONDS), h->ts_usec);
		ho_ber_uint(e, HO_CTX(HO_T_SECONDS), h->ts_sec);
		ho_ber_wrap(e, m2, HO_CTXC(HO_T_USTS));
	}
	ho_ber_uint(e, HO_CTX(HO_T_SEQNO), h->seqno);
	/* communicationIdentifier */
	m2 = ho_ber_mark(e);
	if (h->deliv_cc[0])
		ho_ber_octets(e, HO_CTX(HO_T_DELIV_CC), h->deliv_cc, 2);
	if (!h->no_cin)
		ho_ber_uint(e, HO_CTX(HO_T_CIN), h->cin);
	m3 = ho_ber_mark(e);
	if (h->ne_id[0])
		ho_ber_octets(e, HO_CTX(HO_T_NEID), h->ne_id, slen(h->ne_id, sizeof h->ne_id));
	ho_ber_octets(e, HO_CTX(HO_T_OPID), h->op_id, slen(h->op_id, sizeof h->op_id));
	ho_ber_wrap(e, m3, HO_CTXC(HO_T_NETID));
	ho_ber_wrap(e, m2, HO_CTXC(HO_T_CID));
	if (h->auth_cc[0])
		ho_ber_octets(e, HO_CTX(HO_T_AUTH_CC), h->auth_cc, 2);
	ho_ber_octets(e, HO_CTX(HO_T_LIID), h->liid, slen(h->liid, sizeof h->liid));
	memcpy(arcs, ps_prefix, sizeof ps_prefix);
	arcs[HO_PS_DOMAIN_PREFIX_N] = h->version;
	ho_ber_oid(e, HO_CTX(HO_T_DOMAIN), arcs, HO_PS_DOMAIN_PREFIX_N + 1);
	ho_ber_wrap(e, m, HO_CTXC(HO_T_PSHEADER));
}

/* Writes pSHeader before the payload already written since mark 0, then the PS-PDU SEQUENCE. */
static enum lim_err finish_pdu(struct ho_ber_enc *e, const struct ho_psheader *h, size_t *len)
{
	enc_header(e, h);
	ho_ber_wrap(e, 0, HO_SEQ);
	return ho_ber_enc_finish(e, len);
}

static void enc_ipaddr(struct ho_ber_enc *e, struct ho_ber_tag t, const struct ho_ipaddr *a)
{
	size_t m = ho_ber_mark(e), m2 = 0;
	bool v6 = a->family == 6;
	m2 = ho_ber_mark(e);
	ho_ber_octets(e, HO_CTX(HO_T_IP_BINARY), a->addr, v6 ? 16 : 4);
	ho_ber_wrap(e, m2, HO_CTXC(HO_T_IP_VALUE)); /* IP-value is a CHOICE: explicit */
	ho_ber_int(e, HO_CTX(HO_T_IP_TYPE), v6 ? HO_IP_TYPE_V6 : HO_IP_TYPE_V4);
	ho_ber_wrap(e, m, t);
}

/* see handover.h */
enum lim_err ho_encode_iri_sip(const struct ho_psheader *h, const struct ho_iri_sip *iri,
			       uint8_t *buf, size_t cap, size_t *len)
{
	struct ho_ber_enc e;
	size_t m[6];
	*len = 0;
	if (!data_hdr_ok(h) || iri->type < HO_IRI_BEGIN || iri->type > HO_IRI_REPORT ||
	    (iri->src.family != 4 && iri->src.family != 6) ||
	    (iri->dst.family != 4 && iri->dst.family != 6) || (!iri->sip && iri->sip_len))
		return LIM_E_ARG;
	ho_ber_enc_init(&e, buf, cap);
	m[0] = ho_ber_mark(&e); /* payload [2] */
	m[1] = ho_ber_mark(&e); /* iRIPayloadSequence [0] */
	m[2] = ho_ber_mark(&e); /* IRIPayload */
	m[3] = ho_ber_mark(&e); /* iRIContents [2] */
	m[4] = ho_ber_mark(&e); /* iPMMIRI [11] */
	m[5] = ho_ber_mark(&e); /* iPMMIRIContents [1] */
	{
		size_t ms = ho_ber_mark(&e); /* sIPMessage [1] */
		ho_ber_octets(&e, HO_CTX(HO_T_SIP_CONTENT), iri->sip, iri->sip_len);
		enc_ipaddr(&e, HO_CTXC(HO_T_SIP_DST), &iri->dst);
		enc_ipaddr(&e, HO_CTXC(HO_T_SIP_SRC), &iri->src);
		ho_ber_wrap(&e, ms, HO_CTXC(HO_T_SIPMESSAGE));
	}
	ho_ber_wrap(&e, m[5], HO_CTXC(HO_T_IPMMIRI_CONTENTS));
	ho_ber_reloid(&e, HO_CTX(HO_T_OBJID), ipmmiri_oid, 4);
	ho_ber_wrap(&e, m[4], HO_CTXC(HO_T_IPMMIRI));
	ho_ber_wrap(&e, m[3], HO_CTXC(HO_T_IRI_CONTENTS));
	ho_ber_int(&e, HO_CTX(HO_T_IRI_TYPE), (int64_t)iri->type);
	ho_ber_wrap(&e, m[2], HO_SEQ);
	ho_ber_wrap(&e, m[1], HO_CTXC(HO_T_IRI_SEQ));
	ho_ber_wrap(&e, m[0], HO_CTXC(HO_T_PAYLOAD));
	return finish_pdu(&e, h, len);
}

/* ---- CC: a direct forward encoder ----
 * One PS-PDU per media packet makes this the hot path of every intercepted call. The backward
 * encoder above spends most of its time in per-TLV calls and the final memmove; here the
 * lengths of all nested values are computed first (they depend only on the header's strings,
 * the numbers and the RTP length), then every octet is written once, front to back. The octets
 * are exactly those of the generic encoder: test_handover pdu_cc_fast compares the two over
 * random headers, lengths and numbers. */

/* Octets of a definite length (X.690 8.1.3, minimal). */
static size_t f_len_size(size_t n)
{
	size_t k = 1;
	if (n < 128)
		return 1;
	for (size_t v = n; v; v >>= 8)
		k++;
	return k;
}

/* One-octet tag (all CC tags are below 31) and length n; returns the advanced pointer. */
static uint8_t *f_hdr(uint8_t *p, uint8_t tag, size_t n)
{
	size_t k;
	*p++ = tag;
	if (n < 128) {
		*p++ = (uint8_t)n;
		return p;
	}
	k = f_len_size(n) - 1;
	*p++ = (uint8_t)(0x80u | k);
	for (size_t i = k; i-- > 0;)
		*p++ = (uint8_t)(n >> (8 * i));
	return p;
}

/* Minimal two's complement content of a non-negative value (X.690 8.3.2): 1..9 octets. */
static size_t f_uint_size(uint64_t v)
{
	size_t k = 1;
	if (v < 128) /* the common small number: one octet, no leading zero */
		return 1;
	while (k < 8 && (v >> (8 * k)) != 0)
		k++;
	if ((v >> (8 * k - 1)) & 1u) /* top bit set: a leading zero octet */
		k++;
	return k;
}

static uint8_t *f_uint(uint8_t *p, uint8_t tag, uint64_t v)
{
	size_t k = f_uint_size(v);
	*p++ = tag;
	if (k == 1) {
		*p++ = 1;
		*p++ = (uint8_t)v;
		return p;
	}
	*p++ = (uint8_t)k;
	for (size_t i = k; i-- > 0;)
		*p++ = (uint8_t)(i < 8 ? v >> (8 * i) : 0u);
	return p;
}

/* Base-128 sub-identifier (X.690 8.19.2). */
static size_t f_subid_size(uint64_t v)
{
	size_t k = 1;
	if (v < 128) /* every arc of the CC OIDs: one octet */
		return 1;
	while (v >>= 7)
		k++;
	return k;
}

static uint8_t *f_subid(uint8_t *p, uint64_t v)
{
	size_t k;
	if (v < 128) {
		*p++ = (uint8_t)v;
		return p;
	}
	k = f_subid_size(v);
	for (size_t i = k; i-- > 0;)
		*p++ = (uint8_t)(((v >> (7 * i)) & 0x7fu) | (i ? 0x80u : 0u));
	return p;
}

/* see handover.h */
enum lim_err ho_encode_cc_rtp(const struct ho_psheader *h, const struct ho_cc_rtp *cc, uint8_t *buf,
			      size_t cap, size_t *len)
{
	size_t liid_n, op_n, ne_n, dom_c, netid_c, cid_c, usts_c, psh_c, mmcc_c, ccc_c, ccp_c,
		seq_c, pay_c, pdu_c, total, oid_c, sid_t = 0;
	uint8_t *p;
	*len = 0;
	if (!data_hdr_ok(h) || (unsigned)cc->dir > HO_DIR_NOT_APPLICABLE ||
	    (!cc->rtp && cc->rtp_len) || (!cc->stream_id && cc->stream_id_len))
		return LIM_E_ARG;
	liid_n = slen(h->liid, sizeof h->liid);
	op_n = slen(h->op_id, sizeof h->op_id);
	ne_n = slen(h->ne_id, sizeof h->ne_id);
	/* li-psDomainId {0 4 0 2 2 5 1 version}: first sub-identifier 0*40+4 */
	dom_c = f_subid_size((uint64_t)ps_prefix[0] * 40u + ps_prefix[1]);
	for (size_t i = 2; i < HO_PS_DOMAIN_PREFIX_N; i++)
		dom_c += f_subid_size(ps_prefix[i]);
	dom_c += f_subid_size(h->version);
	netid_c = 2 + op_n + (ne_n ? 2 + ne_n : 0); /* both at most 16 octets: short lengths */
	cid_c = 1 + f_len_size(netid_c) + netid_c + 2 + f_uint_size(h->cin) +
		(h->deliv_cc[0] ? 4 : 0);
	usts_c = 2 + f_uint_size(h->ts_sec) + 2 + f_uint_size(h->ts_usec);
	psh_c = 1 + f_len_size(dom_c) + dom_c + 2 + liid_n + (h->auth_cc[0] ? 4 : 0) + 1 +
		f_len_size(cid_c) + cid_c + 2 + f_uint_size(h->seqno) + 1 + f_len_size(usts_c) +
		usts_c + 2 + f_uint_size((uint64_t)h->tsq);
	if (cc->rtp_len > cap || cc->stream_id_len > cap)
		return LIM_E_LIMIT; /* cannot fit (and keeps the sums below from overflowing) */
	if (cc->stream_id_len)
		sid_t = 1 + f_len_size(cc->stream_id_len) + cc->stream_id_len;
	/* iPMMCCObjId 80 04 05 05 06 02, mMCCContents, frameType 82 01 02, streamID, protocol
	 * 84 01 00 */
	oid_c = 0;
	for (size_t i = 0; i < 4; i++)
		oid_c += f_subid_size(ipmmcc_oid[i]);
	mmcc_c = 2 + oid_c + 1 + f_len_size(cc->rtp_len) + cc->rtp_len + 3 + sid_t + 3;
	ccc_c = 1 + f_len_size(mmcc_c) + mmcc_c;
	ccp_c = 2 + f_uint_size((uint64_t)cc->dir) + 1 + f_len_size(ccc_c) + ccc_c;
	seq_c = 1 + f_len_size(ccp_c) + ccp_c;
	pay_c = 1 + f_len_size(seq_c) + seq_c;
	pdu_c = 1 + f_len_size(psh_c) + psh_c + 1 + f_len_size(pay_c) + pay_c;
	total = 1 + f_len_size(pdu_c) + pdu_c;
	if (!buf || total > cap)
		return LIM_E_LIMIT;
	p = f_hdr(buf, 0x30, pdu_c); /* PS-PDU SEQUENCE */
	p = f_hdr(p, 0xa1, psh_c);   /* pSHeader [1] */
	p = f_hdr(p, 0x80, dom_c);   /* li-psDomainId [0] */
	p = f_subid(p, (uint64_t)ps_prefix[0] * 40u + ps_prefix[1]);
	for (size_t i = 2; i < HO_PS_DOMAIN_PREFIX_N; i++)
		p = f_subid(p, ps_prefix[i]);
	p = f_subid(p, h->version);
	p = f_hdr(p, 0x81, liid_n); /* lawfulInterceptionIdentifier [1] */
	memcpy(p, h->liid, liid_n);
	p += liid_n;
	if (h->auth_cc[0]) {
		p = f_hdr(p, 0x82, 2); /* authorizationCountryCode [2] */
		memcpy(p, h->auth_cc, 2);
		p += 2;
	}
	p = f_hdr(p, 0xa3, cid_c);   /* communicationIdentifier [3] */
	p = f_hdr(p, 0xa0, netid_c); /* networkIdentifier [0] */
	p = f_hdr(p, 0x80, op_n);
	memcpy(p, h->op_id, op_n);
	p += op_n;
	if (ne_n) {
		p = f_hdr(p, 0x81, ne_n);
		memcpy(p, h->ne_id, ne_n);
		p += ne_n;
	}
	p = f_uint(p, 0x81, h->cin);
	if (h->deliv_cc[0]) {
		p = f_hdr(p, 0x82, 2);
		memcpy(p, h->deliv_cc, 2);
		p += 2;
	}
	p = f_uint(p, 0x84, h->seqno);
	p = f_hdr(p, 0xa7, usts_c); /* microSecondTimeStamp [7] */
	p = f_uint(p, 0x80, h->ts_sec);
	p = f_uint(p, 0x81, h->ts_usec);
	p = f_uint(p, 0x88, (uint64_t)h->tsq);
	p = f_hdr(p, 0xa2, pay_c); /* payload [2] */
	p = f_hdr(p, 0xa1, seq_c); /* cCPayloadSequence [1] */
	p = f_hdr(p, 0x30, ccp_c); /* CCPayload */
	p = f_uint(p, 0x80, (uint64_t)cc->dir);
	p = f_hdr(p, 0xa2, ccc_c);  /* cCContents [2] */
	p = f_hdr(p, 0xac, mmcc_c); /* iPMMCC [12] */
	p = f_hdr(p, 0x80, oid_c);
	for (size_t i = 0; i < 4; i++)
		p = f_subid(p, ipmmcc_oid[i]);
	p = f_hdr(p, 0x81, cc->rtp_len);
	if (cc->rtp_len)
		memcpy(p, cc->rtp, cc->rtp_len);
	p += cc->rtp_len;
	p = f_uint(p, 0x82, HO_FRAME_RTP);
	if (cc->stream_id_len) {
		p = f_hdr(p, 0x83, cc->stream_id_len);
		memcpy(p, cc->stream_id, cc->stream_id_len);
		p += cc->stream_id_len;
	}
	p = f_uint(p, 0x84, HO_MMCC_PROTO_RTP);
	*len = (size_t)(p - buf);
	return LIM_OK;
}

/* ---- key-management IRI (see handover.h, ASN.1 in pdu.h) ---- */

static const uint8_t km_oid[HO_KM_OID_LEN] = HO_KM_OID;
static const char *const km_sides[] = { "offer", "answer", "gmk" }; /* gmk: issue 9 */
static const char *const km_outcomes[] = { "keys",
					   "iri-only",
					   "kms-error",
					   "unwrap-failed",
					   "parse-error",
					   "bad-signature",
					   "no-responder",
					   "audit-error",
					   "gmk",
					   "no-group", /* gmk, no-group: issue 9 */
					   "no-valid-certificate",
					   "gmk-conflict" };
static const char *const km_sigs[] = { "valid", "invalid", "not-checked" };
/* LimfGroupEvent event: "talker", then capture/floor.h cap_floor_name's names */
static const char *const ge_events[] = { "talker",
					 "floor-request",
					 "floor-granted",
					 "floor-taken",
					 "floor-deny",
					 "floor-release",
					 "floor-idle",
					 "floor-revoke",
					 "floor-queue-position-request",
					 "floor-queue-position-info",
					 "floor-ack",
					 "floor-release-multi-talker",
					 "floor-unknown" };
/* LimfCallEnd reason: the first seven are capture/capture.h enum cap_call_end's names */
static const char *const ce_reasons[] = { "none",
					  "bye",
					  "cancel",
					  "rejected",
					  "timeout",
					  "flush",
					  "evicted",
					  "warrant-not-in-force",
					  "warrant-not-confirmed" };
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Index of s in names[0..n), or -1. */
static int km_index(const char *s, const char *const *names, size_t n)
{
	for (size_t i = 0; s && i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	return -1;
}

/* Well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, at most U+10FFFF), no NUL. */
static bool utf8_ok(const uint8_t *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		uint8_t c = s[i];
		size_t k;
		uint32_t cp, min;
		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			k = 1;
			cp = c & 0x1fu;
			min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			k = 2;
			cp = c & 0x0fu;
			min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			k = 3;
			cp = c & 0x07u;
			min = 0x10000;
		} else {
			return false;
		}
		if (n - i <= k)
			return false;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + j] & 0x3fu);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += k + 1;
	}
	return true;
}

/* An optional string argument: NULL or "" (absent), else UTF-8 of at most HO_KM_STR_MAX. */
static bool km_str_ok(const char *s)
{
	size_t n;
	if (!s)
		return true;
	n = strnlen(s, HO_KM_STR_MAX + 1);
	return n <= HO_KM_STR_MAX && utf8_ok((const uint8_t *)s, n);
}

static bool digits_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* The length of a fraction "." f (n octets with the point) as DER writes it (X.690 11.7.3:
 * trailing zeros omitted, and the point too when nothing is left). */
static size_t frac_der(const char *f, size_t n)
{
	while (n > 1 && f[n - 1] == '0')
		n--;
	return n > 1 ? n : 0;
}

/* ISO 8601 "YYYY-MM-DDTHH:MM:SS[.f{1,6}]Z" -> GeneralizedTime "YYYYMMDDHHMMSS[.f]Z" in out
 * (at least 23 octets), in DER's form (frac_der: "...00.500000Z" is written "...00.5Z");
 * returns its length, 0 when t has another form. */
static size_t iso_to_gt(const char *t, char *out)
{
	static const char sep[] = "--T::";
	static const size_t at[] = { 4, 7, 10, 13, 16 };
	size_t n = strnlen(t, 32), o = 0, i = 0, f;
	if (n < 20 || t[n - 1] != 'Z')
		return 0;
	for (size_t k = 0; k < 5; k++)
		if (t[at[k]] != sep[k])
			return 0;
	while (i < 19) {
		if (i == 4 || i == 7 || i == 10 || i == 13 || i == 16) {
			i++;
			continue;
		}
		if (!digits_ok(t + i, 1))
			return 0;
		out[o++] = t[i++];
	}
	f = n - 20; /* "." and the fraction digits */
	if (f) {
		if (t[19] != '.' || f < 2 || f > 7 || !digits_ok(t + 20, f - 1))
			return 0;
		f = frac_der(t + 19, f);
		memcpy(out + o, t + 19, f);
		o += f;
	}
	out[o++] = 'Z';
	return o;
}

/* The OID of a limf module: LimfKeyManagement's with its module and version arcs (pdu.h). */
static void limf_oid(uint8_t oid[HO_KM_OID_LEN], uint8_t module, uint8_t version)
{
	memcpy(oid, km_oid, HO_KM_OID_LEN);
	oid[HO_KM_OID_LEN - 2] = module;
	oid[HO_KM_OID_LEN - 1] = version;
}

/* An optional string of octets (group, talker): NULL or "" (absent), else at most
 * HO_KM_STR_MAX octets. */
static bool oct_str_ok(const char *s)
{
	return !s || strnlen(s, HO_KM_STR_MAX + 1) <= HO_KM_STR_MAX;
}

/* Ends a limf IRI of the national branch: e holds the limf extension member alone; wraps it
 * in nationalIPMMIRIParameters (with countryCode: the header's authorizationCountryCode, else
 * its deliveryCountryCode, else HO_KM_CC_NONE), IPMMIRI, IRIPayload of type and the payload,
 * then the header. */
static enum lim_err finish_national(struct ho_ber_enc *e, const struct ho_psheader *h,
				    enum ho_iri_type type, size_t *len)
{
	const char *cc = h->auth_cc[0] ? h->auth_cc : h->deliv_cc[0] ? h->deliv_cc : HO_KM_CC_NONE;
	ho_ber_octets(e, HO_CTX(HO_T_NAT_CC), cc, 2);
	ho_ber_wrap(e, 0, HO_CTXC(HO_T_NATIONAL_IPMMIRI));
	ho_ber_wrap(e, 0, HO_CTXC(HO_T_IPMMIRI_CONTENTS));
	ho_ber_reloid(e, HO_CTX(HO_T_OBJID), ipmmiri_oid, 4);
	ho_ber_wrap(e, 0, HO_CTXC(HO_T_IPMMIRI));
	ho_ber_wrap(e, 0, HO_CTXC(HO_T_IRI_CONTENTS));
	ho_ber_int(e, HO_CTX(HO_T_IRI_TYPE), (int64_t)type);
	ho_ber_wrap(e, 0, HO_SEQ);
	ho_ber_wrap(e, 0, HO_CTXC(HO_T_IRI_SEQ));
	ho_ber_wrap(e, 0, HO_CTXC(HO_T_PAYLOAD));
	return finish_pdu(e, h, len);
}

/* see handover.h */
enum lim_err ho_encode_iri_keymgmt(const struct ho_psheader *h, const struct ho_iri_keymgmt *km,
				   uint8_t *buf, size_t cap, size_t *len)
{
	struct ho_ber_enc e;
	size_t gtn = 0;
	char gt[24];
	const char *const strs[4] = { km->initiator, km->responder, km->kms_uri, km->detail };
	int side = km_index(km->side, km_sides, NELEM(km_sides)),
	    outcome = km_index(km->outcome, km_outcomes, NELEM(km_outcomes)),
	    sig = km_index(km->sig, km_sigs, NELEM(km_sigs));
	*len = 0;
	if (!data_hdr_ok(h) || km->type < HO_IRI_BEGIN || km->type > HO_IRI_REPORT || side < 0 ||
	    outcome < 0 || sig < 0)
		return LIM_E_ARG;
	for (size_t i = 0; i < 4; i++)
		if (!km_str_ok(strs[i]))
			return LIM_E_ARG;
	if (km->t && km->t[0] && (gtn = iso_to_gt(km->t, gt)) == 0)
		return LIM_E_ARG;
	ho_ber_enc_init(&e, buf, cap);
	{
		if (km->detail && km->detail[0])
			ho_ber_octets(&e, HO_CTX(HO_T_KM_DETAIL), km->detail, strlen(km->detail));
		ho_ber_uint(&e, HO_CTX(HO_T_KM_N_KEYS), km->n_keys);
		ho_ber_uint(&e, HO_CTX(HO_T_KM_CSB_ID), km->csb_id);
		ho_ber_int(&e, HO_CTX(HO_T_KM_SIG), sig);
		ho_ber_int(&e, HO_CTX(HO_T_KM_OUTCOME), outcome);
		if (gtn)
			ho_ber_octets(&e, HO_CTX(HO_T_KM_T), gt, gtn);
		ho_ber_uint(&e, HO_CTX(HO_T_KM_PERIOD), km->key_period);
		for (size_t i = 3; i-- > 0;) /* kmsURI [4], responder [3], initiator [2] */
			if (strs[i] && strs[i][0])
				ho_ber_octets(&e, HO_CTX((uint32_t)(HO_T_KM_INITIATOR + i)),
					      strs[i], strlen(strs[i]));
		ho_ber_int(&e, HO_CTX(HO_T_KM_SIDE), side);
		ho_ber_octets(&e, HO_CTX(HO_T_KM_OBJID), km_oid, sizeof km_oid);
		ho_ber_wrap(&e, 0, HO_CTXC(HO_T_NAT_LIMF_KM));
	}
	return finish_national(&e, h, km->type, len);
}

/* see handover.h */
enum lim_err ho_encode_iri_callend(const struct ho_psheader *h, const struct ho_iri_callend *ce,
				   uint8_t *buf, size_t cap, size_t *len)
{
	struct ho_ber_enc e;
	uint8_t oid[HO_KM_OID_LEN];
	int reason = km_index(ce->reason, ce_reasons, NELEM(ce_reasons));
	*len = 0;
	if (!data_hdr_ok(h) || ce->type < HO_IRI_BEGIN || ce->type > HO_IRI_REPORT || reason < 0)
		return LIM_E_ARG;
	limf_oid(oid, HO_CE_MODULE_ARC, HO_CE_VERSION);
	ho_ber_enc_init(&e, buf, cap);
	ho_ber_int(&e, HO_CTX(HO_T_CE_REASON), reason);
	ho_ber_octets(&e, HO_CTX(HO_T_CE_OBJID), oid, sizeof oid);
	ho_ber_wrap(&e, 0, HO_CTXC(HO_T_NAT_LIMF_CE));
	return finish_national(&e, h, ce->type, len);
}

/* see handover.h */
enum lim_err ho_encode_iri_group(const struct ho_psheader *h, const struct ho_iri_group *g,
				 uint8_t *buf, size_t cap, size_t *len)
{
	struct ho_ber_enc e;
	uint8_t oid[HO_KM_OID_LEN];
	int event = km_index(g->event, ge_events, NELEM(ge_events));
	*len = 0;
	if (!data_hdr_ok(h) || g->type < HO_IRI_BEGIN || g->type > HO_IRI_REPORT || event < 0 ||
	    !oct_str_ok(g->group) || !oct_str_ok(g->talker) || !km_str_ok(g->detail))
		return LIM_E_ARG;
	limf_oid(oid, HO_GE_MODULE_ARC, HO_GE_VERSION);
	ho_ber_enc_init(&e, buf, cap);
	if (g->detail && g->detail[0])
		ho_ber_octets(&e, HO_CTX(HO_T_GE_DETAIL), g->detail, strlen(g->detail));
	ho_ber_bool(&e, HO_CTX(HO_T_GE_AUTH), g->authenticated);
	ho_ber_uint(&e, HO_CTX(HO_T_GE_SSRC), g->ssrc);
	ho_ber_uint(&e, HO_CTX(HO_T_GE_GUK_ID), g->guk_id);
	ho_ber_uint(&e, HO_CTX(HO_T_GE_GMK_ID), g->gmk_id);
	if (g->talker && g->talker[0])
		ho_ber_octets(&e, HO_CTX(HO_T_GE_TALKER), g->talker, strlen(g->talker));
	if (g->group && g->group[0])
		ho_ber_octets(&e, HO_CTX(HO_T_GE_GROUP), g->group, strlen(g->group));
	ho_ber_int(&e, HO_CTX(HO_T_GE_EVENT), event);
	ho_ber_octets(&e, HO_CTX(HO_T_GE_OBJID), oid, sizeof oid);
	ho_ber_wrap(&e, 0, HO_CTXC(HO_T_NAT_LIMF_GE));
	return finish_national(&e, h, g->type, len);
}

static enum lim_err enc_tri(const struct ho_psheader *h, uint32_t which, uint8_t *buf, size_t cap,
			    size_t *len)
{
	struct ho_ber_enc e;
	*len = 0;
	if (!hdr_ok(h))
		return LIM_E_ARG;
	ho_ber_enc_init(&e, buf, cap);
	ho_ber_null(&e, HO_CTX(which));
	ho_ber_wrap(&e, 0, HO_CTXC(HO_T_TRI)); /* TRIPayload is a CHOICE: explicit */
	ho_ber_wrap(&e, 0, HO_CTXC(HO_T_PAYLOAD));
	return finish_pdu(&e, h, len);
}

/* see handover.h */
enum lim_err ho_encode_keepalive(const struct ho_psheader *h, uint8_t *buf, size_t cap, size_t *len)
{
	return enc_tri(h, HO_T_KEEPALIVE, buf, cap, len);
}

/* see handover.h */
enum lim_err ho_encode_keepalive_response(const struct ho_psheader *h, uint8_t *buf, size_t cap,
					  size_t *len)
{
	return enc_tri(h, HO_T_KEEPALIVE_RESP, buf, cap, len);
}

/* ---- decoder ---- */

#define TRY(x)                                                                                     \
	do {                                                                                       \
		enum lim_err err_ = (x);                                                           \
		if (err_ != LIM_OK)                                                                \
			return err_;                                                               \
	} while (0)

/* Next member of a SEQUENCE's contents: context class, tag numbers strictly increasing
 * (*last is the previous number, -1 at the start). LIM_E_STATE (internal) at the end. */
static enum lim_err member(struct lim_rd *r, long *last, struct ho_ber_tlv *t)
{
	if (lim_rd_empty(r))
		return LIM_E_STATE;
	TRY(ho_ber_read(r, HO_PDU_MAX, t));
	if (t->tag.cls != HO_BER_CONTEXT || (long)t->tag.num <= *last)
		return LIM_E_PARSE;
	*last = (long)t->tag.num;
	return LIM_OK;
}

/* The single TLV that makes up r (a CHOICE inside an explicit tag, or a SEQUENCE OF that must
 * hold exactly one element). */
static enum lim_err only(struct lim_rd r, struct ho_ber_tlv *t, enum lim_err more)
{
	TRY(ho_ber_read(&r, HO_PDU_MAX, t));
	return lim_rd_empty(&r) ? LIM_OK : more;
}

static enum lim_err want(const struct ho_ber_tlv *t, bool cons)
{
	return t->tag.cons == cons ? LIM_OK : LIM_E_PARSE;
}

static enum lim_err get_u32(const struct ho_ber_tlv *t, uint32_t max, uint32_t *out)
{
	uint64_t v;
	*out = 0;
	TRY(want(t, false));
	TRY(ho_ber_get_uint(t, &v));
	if (v > max)
		return LIM_E_PARSE;
	*out = (uint32_t)v;
	return LIM_OK;
}

/* Copies an OCTET STRING / PrintableString of 1..max octets without NULs into a char[max+1]. */
static enum lim_err get_str(const struct ho_ber_tlv *t, size_t min, size_t max, char *out)
{
	TRY(want(t, false));
	if (t->val.len < min || t->val.len > max || memchr(t->val.p, 0, t->val.len))
		return LIM_E_PARSE;
	memcpy(out, t->val.p, t->val.len);
	out[t->val.len] = '\0';
	return LIM_OK;
}

static enum lim_err get_cc(const struct ho_ber_tlv *t, char out[3])
{
	TRY(get_str(t, 2, 2, out));
	return printable(t->val.p, 2) ? LIM_OK : LIM_E_PARSE;
}

static enum lim_err dec_netid(struct lim_rd r, struct ho_psheader *h)
{
	struct ho_ber_tlv t;
	long last = -1;
	enum lim_err err;
	bool op = false;
	while ((err = member(&r, &last, &t)) == LIM_OK) {
		if (t.tag.num == HO_T_OPID) {
			TRY(get_str(&t, 1, HO_NETID_MAX, h->op_id));
			op = true;
		} else if (t.tag.num == HO_T_NEID) {
			TRY(get_str(&t, 1, HO_NETID_MAX, h->ne_id));
		}
	}
	if (err != LIM_E_STATE)
		return err;
	return op ? LIM_OK : LIM_E_PARSE;
}

static enum lim_err dec_cid(struct lim_rd r, struct ho_psheader *h)
{
	struct ho_ber_tlv t;
	long last = -1;
	enum lim_err err;
	bool net = false, cin = false;
	while ((err = member(&r, &last, &t)) == LIM_OK) {
		if (t.tag.num == HO_T_NETID) {
			TRY(want(&t, true));
			TRY(dec_netid(t.val, h));
			net = true;
		} else if (t.tag.num == HO_T_CIN) {
			TRY(get_u32(&t, UINT32_MAX, &h->cin));
			cin = true;
		} else if (t.tag.num == HO_T_DELIV_CC) {
			TRY(get_cc(&t, h->deliv_cc));
		}
	}
	if (err != LIM_E_STATE)
		return err;
	h->no_cin = !cin; /* (OPTIONAL: see decode) */
	return net ? LIM_OK : LIM_E_PARSE;
}

static enum lim_err dec_usts(struct lim_rd r, struct ho_psheader *h)
{
	struct ho_ber_tlv t;
	long last = -1;
	enum lim_err err;
	bool s = false, us = false;
	while ((err = member(&r, &last, &t)) == LIM_OK) {
		if (t.tag.num == HO_T_SECONDS) {
			TRY(get_u32(&t, UINT32_MAX, &h->ts_sec));
			s = true;
		} else if (t.tag.num == HO_T_USECONDS) {
			TRY(get_u32(&t, 999999u, &h->ts_usec));
			us = true;
		}
	}
	if (err != LIM_E_STATE)
		return err;
	return s && us ? LIM_OK : LIM_E_PARSE;
}

static enum lim_err dec_header(struct lim_rd r, struct ho_psheader *h)
{
	struct ho_ber_tlv t;
	long last = -1;
	enum lim_err err;
	unsigned seen = 0; /* bit per member: domain, liid, cid, seqno (required), usts */
	while ((err = member(&r, &last, &t)) == LIM_OK) {
		switch (t.tag.num) {
		case HO_T_DOMAIN: {
			uint32_t arcs[HO_BER_OID_MAX_ARCS];
			size_t n;
			TRY(want(&t, false));
			TRY(ho_ber_get_oid(&t, arcs, HO_BER_OID_MAX_ARCS, &n));
			if (n != HO_PS_DOMAIN_PREFIX_N + 1 ||
			    memcmp(arcs, ps_prefix, sizeof ps_prefix) != 0)
				return LIM_E_UNSUPP;
			h->version = arcs[HO_PS_DOMAIN_PREFIX_N];
			seen |= 1u;
			break;
		}
		case HO_T_LIID:
			TRY(get_str(&t, 1, HO_LIID_MAX, h->liid));
			seen |= 2u;
			break;
		case HO_T_AUTH_CC: TRY(get_cc(&t, h->auth_cc)); break;
		case HO_T_CID:
			TRY(want(&t, true));
			TRY(dec_cid(t.val, h));
			seen |= 4u;
			break;
		case HO_T_SEQNO:
			TRY(get_u32(&t, UINT32_MAX, &h->seqno));
			seen |= 8u;
			break;
		case HO_T_USTS:
			TRY(want(&t, true));
			TRY(dec_usts(t.val, h));
			seen |= 16u;
			break;
		case HO_T_TSQ: {
			/* an extensible ENUMERATED: a value of a later version (above
			 * timeOfAggregation) reads as unknown */
			uint32_t q;
			TRY(get_u32(&t, UINT32_MAX, &q));
			h->tsq = q <= HO_TSQ_AGGREGATION ? (enum ho_tsq)q : HO_TSQ_UNKNOWN;
			break;
		}
		default: /* timeStamp [5], interceptionPointID [6], extensions */ break;
		}
	}
	if (err != LIM_E_STATE)
		return err;
	h->no_usts = !(seen & 16u); /* (OPTIONAL: see decode) */
	return (seen & 15u) == 15u ? LIM_OK : LIM_E_PARSE;
}

static enum lim_err dec_ipaddr(struct lim_rd r, struct ho_ipaddr *a)
{
	struct ho_ber_tlv t, v;
	long last = -1;
	enum lim_err err;
	uint32_t type = 0;
	bool have_type = false, have_val = false;
	while ((err = member(&r, &last, &t)) == LIM_OK) {
		if (t.tag.num == HO_T_IP_TYPE) {
			TRY(get_u32(&t, HO_IP_TYPE_V6, &type));
			have_type = true;
		} else if (t.tag.num == HO_T_IP_VALUE) {
			TRY(want(&t, true));
			TRY(only(t.val, &v, LIM_E_PARSE));
			if (!ho_ber_is(&v, HO_CTX(HO_T_IP_BINARY)))
				return LIM_E_UNSUPP; /* iPTextAddress */
			if (v.val.len != 4 && v.val.len != 16)
				return LIM_E_PARSE;
			memcpy(a->addr, v.val.p, v.val.len);
			a->family = v.val.len == 4 ? 4 : 6;
			have_val = true;
		}
	}
	if (err != LIM_E_STATE)
		return err;
	if (!have_type || !have_val || (type == HO_IP_TYPE_V6) != (a->family == 6))
		return LIM_E_PARSE;
	return LIM_OK;
}

/* RELATIVE-OID {5 5 v k}: any version v of TS 102 232-5, k = 1 (IRI) or 2 (CC). */
static enum lim_err check_objid(const struct ho_ber_tlv *t, uint32_t kind)
{
	uint32_t arcs[8];
	size_t n;
	TRY(want(t, false));
	TRY(ho_ber_get_reloid(t, arcs, 8, &n));
	return (n == 4 && arcs[0] == 5 && arcs[1] == 5 && arcs[3] == kind) ? LIM_OK : LIM_E_UNSUPP;
}

static enum lim_err dec_sipmsg(struct lim_rd r, struct ho_iri_sip *iri)
{
	struct ho_ber_tlv t;
	long last = -1;
	enum lim_err err;
	unsigned seen = 0;
	while ((err = member(&r, &last, &t)) == LIM_OK) {
		if (t.tag.num == HO_T_SIP_SRC) {
			TRY(want(&t, true));
			TRY(dec_ipaddr(t.val, &iri->src));
			seen |= 1u;
		} else if (t.tag.num == HO_T_SIP_DST) {
			TRY(want(&t, true));
			TRY(dec_ipaddr(t.val, &iri->dst));
			seen |= 2u;
		} else if (t.tag.num == HO_T_SIP_CONTENT) {
			TRY(want(&t, false));
			iri->sip = t.val.p;
			iri->sip_len = t.val.len;
			seen |= 4u;
		}
	}
	if (err != LIM_E_STATE)
		return err;
	return seen == 7u ? LIM_OK : LIM_E_PARSE;
}

/* A decoded UTF8String copied NUL-terminated into out->km_text at *used. */
static enum lim_err km_get_str(const struct ho_ber_tlv *t, struct ho_pdu *out, size_t *used,
			       const char **dst)
{
	size_t n = t->val.len;
	TRY(want(t, false));
	if (n < 1 || n > HO_KM_STR_MAX || !utf8_ok(t->val.p, n) ||
	    sizeof out->km_text - *used < n + 1)
		return LIM_E_PARSE;
	memcpy(out->km_text + *used, t->val.p, n);
	out->km_text[*used + n] = '\0';
	*dst = out->km_text + *used;
	*used += n + 1;
	return LIM_OK;
}

/* GeneralizedTime YYYYMMDDHHMMSS[.f{1,6}]Z (the form the encoder writes) -> ISO 8601 text. */
static enum lim_err km_get_time(const struct ho_ber_tlv *t, struct ho_pdu *out, size_t *used,
				const char **dst)
{
	const char *g = (const char *)t->val.p;
	size_t n = t->val.len, f;
	char *o;
	TRY(want(t, false));
	if (n < 15 || n > 22 || g[n - 1] != 'Z' || !digits_ok(g, 14) ||
	    sizeof out->km_text - *used < 32)
		return LIM_E_PARSE;
	f = n - 15;
	if (f && (f < 2 || g[14] != '.' || !digits_ok(g + 15, f - 1)))
		return LIM_E_PARSE;
	f = frac_der(g + 14, f); /* BER may carry trailing zeros: the time as DER has it */
	o = out->km_text + *used;
	*dst = o;
	memcpy(o, g, 4);
	o[4] = '-';
	memcpy(o + 5, g + 4, 2);
	o[7] = '-';
	memcpy(o + 8, g + 6, 2);
	o[10] = 'T';
	memcpy(o + 11, g + 8, 2);
	o[13] = ':';
	memcpy(o + 14, g + 10, 2);
	o[16] = ':';
	memcpy(o + 17, g + 12, 2);
	memcpy(o + 19, g + 14, f);
	o[19 + f] = 'Z';
	o[20 + f] = '\0';
	*used += 21 + f;
	return LIM_OK;
}

static enum lim_err km_get_enum(const struct ho_ber_tlv *t, const char *const *names, size_t n,
				const char **dst)
{
	uint32_t v;
	TRY(get_u32(t, (uint32_t)n - 1, &v));
	*dst = names[v];
	return LIM_OK;
}

/* LimfKeyManagement (pdu.h). */
static enum lim_err dec_limf_km(struct lim_rd r, struct ho_pdu *out)
{
	struct ho_iri_keymgmt *km = &out->km;
	struct ho_ber_tlv t;
	long last = -1;
	enum lim_err err;
	unsigned seen = 0;
	size_t used = 0;
	uint32_t u;
	km->initiator = km->responder = km->kms_uri = km->t = km->detail = "";
	while ((err = member(&r, &last, &t)) == LIM_OK) {
		switch (t.tag.num) {
		case HO_T_KM_OBJID:
			TRY(want(&t, false));
			/* {2 25 uuid 1 v}: the prefix, then a one-octet version arc */
			if (t.val.len != HO_KM_OID_LEN ||
			    memcmp(t.val.p, km_oid, HO_KM_OID_LEN - 1) != 0 ||
			    t.val.p[HO_KM_OID_LEN - 1] != HO_KM_VERSION)
				return LIM_E_UNSUPP;
			seen |= 1u;
			break;
		case HO_T_KM_SIDE:
			TRY(km_get_enum(&t, km_sides, NELEM(km_sides), &km->side));
			seen |= 2u;
			break;
		case HO_T_KM_INITIATOR: TRY(km_get_str(&t, out, &used, &km->initiator)); break;
		case HO_T_KM_RESPONDER: TRY(km_get_str(&t, out, &used, &km->responder)); break;
		case HO_T_KM_KMS_URI: TRY(km_get_str(&t, out, &used, &km->kms_uri)); break;
		case HO_T_KM_PERIOD:
			TRY(want(&t, false));
			TRY(ho_ber_get_uint(&t, &km->key_period));
			seen |= 4u;
			break;
		case HO_T_KM_T: TRY(km_get_time(&t, out, &used, &km->t)); break;
		case HO_T_KM_OUTCOME:
			TRY(km_get_enum(&t, km_outcomes, NELEM(km_outcomes), &km->outcome));
			seen |= 8u;
			break;
		case HO_T_KM_SIG:
			TRY(km_get_enum(&t, km_sigs, NELEM(km_sigs), &km->sig));
			seen |= 16u;
			break;
		case HO_T_KM_CSB_ID:
			TRY(get_u32(&t, UINT32_MAX, &km->csb_id));
			seen |= 32u;
			break;
		case HO_T_KM_N_KEYS:
			TRY(get_u32(&t, UINT32_MAX, &u));
			km->n_keys = u;
			seen |= 64u;
			break;
		case HO_T_KM_DETAIL: TRY(km_get_str(&t, out, &used, &km->detail)); break;
		default: break; /* later members (after "...") */
		}
	}
	if (err != LIM_E_STATE)
		return err;
	if (!(seen & 1u))
		return LIM_E_UNSUPP; /* not a limf key-management record */
	return seen == 127u ? LIM_OK : LIM_E_PARSE;
}

/* LimfCallEnd (pdu.h). */
static enum lim_err dec_limf_ce(struct lim_rd r, struct ho_iri_callend *ce)
{
	struct ho_ber_tlv t;
	long last = -1;
	enum lim_err err;
	unsigned seen = 0;
	uint8_t oid[HO_KM_OID_LEN];
	limf_oid(oid, HO_CE_MODULE_ARC, HO_CE_VERSION);
	while ((err = member(&r, &last, &t)) == LIM_OK) {
		if (t.tag.num == HO_T_CE_OBJID) {
			TRY(want(&t, false));
			/* {2 25 uuid 2 v}: this module, version 1 */
			if (t.val.len != HO_KM_OID_LEN || memcmp(t.val.p, oid, HO_KM_OID_LEN) != 0)
				return LIM_E_UNSUPP;
			seen |= 1u;
		} else if (t.tag.num == HO_T_CE_REASON) {
			TRY(km_get_enum(&t, ce_reasons, NELEM(ce_reasons), &ce->reason));
			seen |= 2u;
		} /* else: later members (after "...") */
	}
	if (err != LIM_E_STATE)
		return err;
	if (!(seen & 1u))
		return LIM_E_UNSUPP; /* not a limf call-end record */
	return seen == 3u ? LIM_OK : LIM_E_PARSE;
}

/* An optional OCTET STRING of LimfGroupEvent (group, talker): 1..HO_KM_STR_MAX octets, no
 * NUL, into km_text. */
static enum lim_err ge_get_oct(const struct ho_ber_tlv *t, struct ho_pdu *out, size_t *used,
			       const char **dst)
{
	size_t n = t->val.len;
	TRY(want(t, false));
	if (n < 1 || n > HO_KM_STR_MAX || memchr(t->val.p, 0, n) ||
	    sizeof out->km_text - *used < n + 1)
		return LIM_E_PARSE;
	memcpy(out->km_text + *used, t->val.p, n);
	out->km_text[*used + n] = '\0';
	*dst = out->km_text + *used;
	*used += n + 1;
	return LIM_OK;
}

/* LimfGroupEvent (pdu.h). */
static enum lim_err dec_limf_ge(struct lim_rd r, struct ho_pdu *out)
{
	struct ho_iri_group *g = &out->ge;
	struct ho_ber_tlv t;
	long last = -1;
	enum lim_err err;
	unsigned seen = 0;
	size_t used = 0;
	uint8_t oid[HO_KM_OID_LEN];
	limf_oid(oid, HO_GE_MODULE_ARC, HO_GE_VERSION);
	g->group = g->talker = g->detail = "";
	while ((err = member(&r, &last, &t)) == LIM_OK) {
		switch (t.tag.num) {
		case HO_T_GE_OBJID:
			TRY(want(&t, false));
			if (t.val.len != HO_KM_OID_LEN || memcmp(t.val.p, oid, HO_KM_OID_LEN) != 0)
				return LIM_E_UNSUPP;
			seen |= 1u;
			break;
		case HO_T_GE_EVENT:
			TRY(km_get_enum(&t, ge_events, NELEM(ge_events), &g->event));
			seen |= 2u;
			break;
		case HO_T_GE_GROUP: TRY(ge_get_oct(&t, out, &used, &g->group)); break;
		case HO_T_GE_TALKER: TRY(ge_get_oct(&t, out, &used, &g->talker)); break;
		case HO_T_GE_GMK_ID:
			TRY(get_u32(&t, UINT32_MAX, &g->gmk_id));
			seen |= 4u;
			break;
		case HO_T_GE_GUK_ID:
			TRY(get_u32(&t, UINT32_MAX, &g->guk_id));
			seen |= 8u;
			break;
		case HO_T_GE_SSRC:
			TRY(get_u32(&t, UINT32_MAX, &g->ssrc));
			seen |= 16u;
			break;
		case HO_T_GE_AUTH:
			TRY(want(&t, false));
			TRY(ho_ber_get_bool(&t, &g->authenticated));
			seen |= 32u;
			break;
		case HO_T_GE_DETAIL: TRY(km_get_str(&t, out, &used, &g->detail)); break;
		default: break; /* later members (after "...") */
		}
	}
	if (err != LIM_E_STATE)
		return err;
	if (!(seen & 1u))
		return LIM_E_UNSUPP; /* not a limf group record */
	return seen == 63u ? LIM_OK : LIM_E_PARSE;
}

/* NationalIPMMIRIParameters: countryCode, then extension additions (one of limf's is
 * required: it sets out->kind). */
static enum lim_err dec_national(struct lim_rd r, struct ho_pdu *out)
{
	struct ho_ber_tlv t;
	long last = -1;
	enum lim_err err;
	unsigned seen = 0;
	while ((err = member(&r, &last, &t)) == LIM_OK) {
		if (t.tag.num == HO_T_NAT_CC || t.tag.num == HO_T_NAT_CC_V0) {
			if (seen & 1u)
				return LIM_E_PARSE; /* (both forms) */
			TRY(get_cc(&t, out->km_cc));
			seen |= 1u;
		} else if (t.tag.num == HO_T_NAT_LIMF_KM) {
			TRY(want(&t, true));
			TRY(dec_limf_km(t.val, out));
			out->kind = HO_PAYLOAD_IRI_KEYMGMT;
			seen |= 2u;
		} else if (t.tag.num == HO_T_NAT_LIMF_CE) {
			TRY(want(&t, true));
			TRY(dec_limf_ce(t.val, &out->ce));
			out->kind = HO_PAYLOAD_IRI_CALLEND;
			seen |= 4u;
		} else if (t.tag.num == HO_T_NAT_LIMF_GE) {
			TRY(want(&t, true));
			TRY(dec_limf_ge(t.val, out));
			out->kind = HO_PAYLOAD_IRI_GROUP;
			seen |= 8u;
		}
	}
	if (err != LIM_E_STATE)
		return err;
	if (!(seen & 14u))
		return LIM_E_UNSUPP; /* someone else's national parameters */
	if ((seen & 14u) != 2u && (seen & 14u) != 4u && (seen & 14u) != 8u)
		return LIM_E_PARSE; /* one record is one of them */
	return (seen & 1u) ? LIM_OK : LIM_E_PARSE;
}

static enum lim_err dec_ipmmiri(struct lim_rd r, struct ho_pdu *out)
{
	struct ho_ber_tlv t, c;
	long last = -1;
	enum lim_err err;
	unsigned seen = 0;
	while ((err = member(&r, &last, &t)) == LIM_OK) {
		if (t.tag.num == HO_T_OBJID) {
			TRY(check_objid(&t, 1));
			seen |= 1u;
		} else if (t.tag.num == HO_T_IPMMIRI_CONTENTS) {
			TRY(want(&t, true));
			TRY(only(t.val, &c, LIM_E_PARSE));
			if (ho_ber_is(&c, HO_CTXC(HO_T_SIPMESSAGE))) {
				out->kind = HO_PAYLOAD_IRI_SIP;
				TRY(dec_sipmsg(c.val, &out->iri));
			} else if (ho_ber_is(&c, HO_CTXC(HO_T_NATIONAL_IPMMIRI))) {
				TRY(dec_national(c.val, out));
			} else {
				return LIM_E_UNSUPP;
			}
			seen |= 2u;
		}
	}
	if (err != LIM_E_STATE)
		return err;
	return seen == 3u ? LIM_OK : LIM_E_PARSE;
}

static enum lim_err dec_iri(struct lim_rd r, struct ho_pdu *out)
{
	struct ho_ber_tlv t, c;
	long last = -1;
	enum lim_err err;
	unsigned seen = 0;
	enum ho_iri_type type = HO_IRI_BEGIN;
	while ((err = member(&r, &last, &t)) == LIM_OK) {
		if (t.tag.num == HO_T_IRI_TYPE) {
			uint32_t v;
			TRY(get_u32(&t, HO_IRI_REPORT, &v));
			if (v < HO_IRI_BEGIN)
				return LIM_E_PARSE;
			type = (enum ho_iri_type)v;
			seen |= 1u;
		} else if (t.tag.num == HO_T_IRI_CONTENTS) {
			TRY(want(&t, true));
			TRY(only(t.val, &c, LIM_E_PARSE));
			if (!ho_ber_is(&c, HO_CTXC(HO_T_IPMMIRI)))
				return LIM_E_UNSUPP;
			TRY(dec_ipmmiri(c.val, out));
			seen |= 2u;
		}
	}
	if (err != LIM_E_STATE)
		return err;
	if (seen != 3u)
		return LIM_E_PARSE;
	if (out->kind == HO_PAYLOAD_IRI_KEYMGMT)
		out->km.type = type;
	else if (out->kind == HO_PAYLOAD_IRI_CALLEND)
		out->ce.type = type;
	else if (out->kind == HO_PAYLOAD_IRI_GROUP)
		out->ge.type = type;
	else
		out->iri.type = type;
	return LIM_OK;
}

static enum lim_err dec_ipmmcc(struct lim_rd r, struct ho_cc_rtp *cc)
{
	struct ho_ber_tlv t;
	long last = -1;
	enum lim_err err;
	unsigned seen = 0;
	uint32_t v;
	while ((err = member(&r, &last, &t)) == LIM_OK) {
		switch (t.tag.num) {
		case HO_T_OBJID:
			TRY(check_objid(&t, 2));
			seen |= 1u;
			break;
		case HO_T_MMCC_CONTENTS:
			TRY(want(&t, false));
			cc->rtp = t.val.p;
			cc->rtp_len = t.val.len;
			seen |= 2u;
			break;
		case HO_T_FRAME_TYPE:
			TRY(get_u32(&t, UINT32_MAX, &v));
			if (v != HO_FRAME_RTP)
				return LIM_E_UNSUPP;
			seen |= 4u;
			break;
		case HO_T_STREAM_ID:
			TRY(want(&t, false));
			cc->stream_id = t.val.p;
			cc->stream_id_len = t.val.len;
			break;
		case HO_T_MMCC_PROTO:
			TRY(get_u32(&t, UINT32_MAX, &v));
			if (v != HO_MMCC_PROTO_RTP)
				return LIM_E_UNSUPP;
			break;
		default: break;
		}
	}
	if (err != LIM_E_STATE)
		return err;
	return seen == 7u ? LIM_OK : LIM_E_PARSE;
}

static enum lim_err dec_cc(struct lim_rd r, struct ho_cc_rtp *cc)
{
	struct ho_ber_tlv t, c;
	long last = -1;
	enum lim_err err;
	unsigned seen = 0;
	while ((err = member(&r, &last, &t)) == LIM_OK) {
		if (t.tag.num == HO_T_CC_DIR) {
			uint32_t v;
			TRY(get_u32(&t, HO_DIR_NOT_APPLICABLE, &v));
			cc->dir = (enum ho_direction)v;
			seen |= 1u;
		} else if (t.tag.num == HO_T_CC_CONTENTS) {
			TRY(want(&t, true));
			TRY(only(t.val, &c, LIM_E_PARSE));
			if (!ho_ber_is(&c, HO_CTXC(HO_T_IPMMCC)))
				return LIM_E_UNSUPP;
			TRY(dec_ipmmcc(c.val, cc));
			seen |= 2u;
		}
	}
	if (err != LIM_E_STATE)
		return err;
	return seen == 3u ? LIM_OK : LIM_E_PARSE;
}

static enum lim_err dec_payload(struct lim_rd r, struct ho_pdu *out)
{
	struct ho_ber_tlv c, item;
	TRY(only(r, &c, LIM_E_PARSE));
	if (ho_ber_is(&c, HO_CTXC(HO_T_IRI_SEQ)) || ho_ber_is(&c, HO_CTXC(HO_T_CC_SEQ))) {
		if (lim_rd_empty(&c.val))
			return LIM_E_UNSUPP;
		TRY(only(c.val, &item, LIM_E_UNSUPP));
		if (!ho_ber_is(&item, HO_SEQ))
			return LIM_E_PARSE;
		if (c.tag.num == HO_T_IRI_SEQ) {
			out->kind = HO_PAYLOAD_IRI_SIP; /* dec_ipmmiri refines it */
			return dec_iri(item.val, out);
		}
		out->kind = HO_PAYLOAD_CC_RTP;
		return dec_cc(item.val, &out->cc);
	}
	if (ho_ber_is(&c, HO_CTXC(HO_T_TRI))) {
		TRY(only(c.val, &item, LIM_E_PARSE));
		if (ho_ber_is(&item, HO_CTX(HO_T_KEEPALIVE)))
			out->kind = HO_PAYLOAD_KEEPALIVE;
		else if (ho_ber_is(&item, HO_CTX(HO_T_KEEPALIVE_RESP)))
			out->kind = HO_PAYLOAD_KEEPALIVE_RESPONSE;
		else
			return LIM_E_UNSUPP;
		return ho_ber_get_null(&item);
	}
	return LIM_E_UNSUPP;
}

/* see handover.h */
enum lim_err ho_pdu_length(const uint8_t *p, size_t n, size_t *len)
{
	struct lim_rd r = lim_rd_make(p, n);
	struct ho_ber_tlv t;
	*len = 0;
	if (n && p[0] != 0x30)
		return LIM_E_PARSE;
	/* LIM_E_TRUNC: the header or the contents are not complete yet */
	TRY(ho_ber_read(&r, HO_PDU_MAX, &t));
	*len = t.hdr_len + t.val.len;
	return LIM_OK;
}

static enum lim_err decode(const uint8_t *p, size_t n, struct ho_pdu *out)
{
	static const struct ho_ber_limits lim = { HO_PDU_DEPTH, HO_PDU_MAX };
	struct lim_rd r = lim_rd_make(p, n);
	struct ho_ber_tlv pdu, t;
	long last = -1;
	enum lim_err err;
	unsigned seen = 0;
	if (n > HO_PDU_MAX + 8)
		return LIM_E_LIMIT;
	TRY(ho_ber_read(&r, HO_PDU_MAX, &pdu));
	if (!lim_rd_empty(&r))
		return LIM_E_PARSE; /* trailing bytes */
	if (!ho_ber_is(&pdu, HO_SEQ))
		return LIM_E_PARSE;
	/* the whole structure first: definite minimal lengths, depth and length caps */
	TRY(ho_ber_walk(p, n, &lim, NULL, NULL));
	r = pdu.val;
	while ((err = member(&r, &last, &t)) == LIM_OK) {
		if (t.tag.num == HO_T_PSHEADER) {
			TRY(want(&t, true));
			TRY(dec_header(t.val, &out->hdr));
			seen |= 1u;
		} else if (t.tag.num == HO_T_PAYLOAD) {
			TRY(want(&t, true));
			TRY(dec_payload(t.val, out));
			seen |= 2u;
		}
	}
	if (err != LIM_E_STATE)
		return err;
	if (seen != 3u)
		return LIM_E_PARSE;
	/* CIN and microSecondTimeStamp: OPTIONAL in TS 102 232-1, and a LEMF's keep-alive or
	 * response may lack them; limf's IRI and CC always carry them (what it spooled, or
	 * what a LEMF checks of it) */
	if ((out->hdr.no_cin || out->hdr.no_usts) && out->kind != HO_PAYLOAD_KEEPALIVE &&
	    out->kind != HO_PAYLOAD_KEEPALIVE_RESPONSE)
		return LIM_E_PARSE;
	return LIM_OK;
}

/* see handover.h */
enum lim_err ho_decode_pdu(const uint8_t *p, size_t n, struct ho_pdu *out)
{
	enum lim_err err;
	memset(out, 0, sizeof *out);
	if (!p && n)
		return LIM_E_ARG;
	err = decode(p, n, out);
	if (err != LIM_OK)
		memset(out, 0, sizeof *out);
	return err;
}
