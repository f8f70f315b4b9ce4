/* MCPTT floor-control messages (TS 24.380 s8.2) in RTCP APP packets: see floor.h. */
#include "capture/floor.h"

#include <string.h>

#include "common/rd.h"

#define RTCP_PT_APP 204

/* see floor.h */
const char *cap_floor_name(unsigned subtype)
{
	switch (subtype & 0x0fu) {
	case CAP_FLOOR_REQUEST: return "floor-request";
	case CAP_FLOOR_GRANTED: return "floor-granted";
	case CAP_FLOOR_TAKEN: return "floor-taken";
	case CAP_FLOOR_DENY: return "floor-deny";
	case CAP_FLOOR_RELEASE: return "floor-release";
	case CAP_FLOOR_IDLE: return "floor-idle";
	case CAP_FLOOR_REVOKE: return "floor-revoke";
	case CAP_FLOOR_QUEUE_POS_REQUEST: return "floor-queue-position-request";
	case CAP_FLOOR_QUEUE_POS_INFO: return "floor-queue-position-info";
	case CAP_FLOOR_ACK: return "floor-ack";
	case CAP_FLOOR_RELEASE_MULTI_TALKER: return "floor-release-multi-talker";
	default: return "floor-unknown";
	}
}

struct fp_err {
	enum lim_err rc;
	const char *why;
};

static bool fail(struct fp_err *e, enum lim_err rc, const char *why)
{
	e->rc = rc;
	e->why = why;
	return false;
}

/* Copies the whole of v (at most 255 octets: an 8-bit length) into t. */
static void take_text(struct cap_floor_text *t, struct lim_rd v)
{
	size_t n = v.len < CAP_FLOOR_TEXT - 1 ? v.len : CAP_FLOOR_TEXT - 1;
	memcpy(t->s, v.p, n);
	t->s[n] = '\0';
	t->len = n;
}

/* A 16-bit value field of exactly 2 octets. */
static bool fixed16(struct lim_rd v, uint16_t *out, struct fp_err *e)
{
	if (v.len != 2 || !lim_rd_u16be(&v, out))
		return fail(e, LIM_E_PARSE, "fixed-size field (2 octets) with another length");
	return true;
}

/* TS 24.380 s8.2.3.13 Track Info: <queueing capability 1><participant type length 1>
 * <participant type, padded to a multiple of 4><floor participant reference 4>*. */
static bool track_info(struct lim_rd v, struct cap_floor_one *m, struct fp_err *e)
{
	uint8_t qcap, tlen;
	struct lim_rd pt;
	size_t pad;
	if (!lim_rd_u8(&v, &qcap) || !lim_rd_u8(&v, &tlen))
		return fail(e, LIM_E_PARSE, "Track Info shorter than 2 octets");
	if (!lim_rd_sub(&v, tlen, &pt))
		return fail(e, LIM_E_PARSE, "Track Info participant type past the field");
	pad = (4u - (size_t)tlen % 4u) % 4u;
	if (!lim_rd_skip(&v, pad))
		return fail(e, LIM_E_PARSE, "Track Info participant type padding past the field");
	if (v.len % 4 != 0)
		return fail(e, LIM_E_PARSE, "Track Info references not a multiple of 4 octets");
	m->track_queueing_cap = qcap;
	take_text(&m->track_part_type, pt);
	m->track_nrefs = v.len / 4;
	for (size_t i = 0; i < CAP_FLOOR_MAX_REFS && lim_rd_u32be(&v, &m->track_refs[i]); i++)
		;
	return true;
}

/* One field value v of id into m. */
static bool field(uint8_t id, struct lim_rd v, struct cap_floor_one *m, struct fp_err *e)
{
	uint16_t x16;
	if (id <= CAP_FLOOR_FLD_LOCATION_LIST) {
		if ((m->present >> id) & 1u)
			return fail(e, LIM_E_PARSE, "field repeated in one message");
		m->present |= 1u << id;
	}
	switch (id) {
	case CAP_FLOOR_FLD_PRIORITY: /* s8.2.3.2: priority octet + spare octet */
		if (!fixed16(v, &x16, e))
			return false;
		m->priority = (uint8_t)(x16 >> 8);
		return true;
	case CAP_FLOOR_FLD_DURATION: return fixed16(v, &m->duration, e);
	case CAP_FLOOR_FLD_REJECT_CAUSE: /* s8.2.3.4: cause + optional phrase */
		if (!lim_rd_u16be(&v, &m->reject_cause))
			return fail(e, LIM_E_PARSE, "Reject Cause shorter than 2 octets");
		take_text(&m->reject_phrase, v);
		return true;
	case CAP_FLOOR_FLD_QUEUE_INFO: /* s8.2.3.5 */
		if (!fixed16(v, &x16, e))
			return false;
		m->queue_pos = (uint8_t)(x16 >> 8);
		m->queue_prio = (uint8_t)x16;
		return true;
	case CAP_FLOOR_FLD_GRANTED_PARTY: take_text(&m->granted_party, v); return true;
	case CAP_FLOOR_FLD_PERMISSION: return fixed16(v, &m->permission, e);
	case CAP_FLOOR_FLD_USER_ID: take_text(&m->user_id, v); return true;
	case CAP_FLOOR_FLD_QUEUE_SIZE: return fixed16(v, &m->queue_size, e);
	case CAP_FLOOR_FLD_SEQ: return fixed16(v, &m->seq, e);
	case CAP_FLOOR_FLD_QUEUED_USER_ID: take_text(&m->queued_user_id, v); return true;
	case CAP_FLOOR_FLD_SOURCE: return fixed16(v, &m->source, e);
	case CAP_FLOOR_FLD_TRACK_INFO: return track_info(v, m, e);
	case CAP_FLOOR_FLD_MSG_TYPE: /* s8.2.3.14: message type octet + spare octet */
		if (!fixed16(v, &x16, e))
			return false;
		m->msg_type = (uint8_t)(x16 >> 8);
		return true;
	case CAP_FLOOR_FLD_INDICATOR: return fixed16(v, &m->indicator, e);
	case CAP_FLOOR_FLD_SSRC: /* s8.2.3.16: SSRC + 16 spare bits */
		if (v.len != 6 || !lim_rd_u32be(&v, &m->field_ssrc))
			return fail(e, LIM_E_PARSE, "SSRC field not 6 octets");
		return true;
	case CAP_FLOOR_FLD_FUNC_ALIAS: take_text(&m->func_alias, v); return true;
	case CAP_FLOOR_FLD_GRANTED_USERS:
	case CAP_FLOOR_FLD_SSRC_LIST:
	case CAP_FLOOR_FLD_FUNC_ALIAS_LIST:
	case CAP_FLOOR_FLD_LOCATION:
	case CAP_FLOOR_FLD_LOCATION_LIST: return true; /* known, not decoded */
	default: m->n_unknown++; return true;
	}
}

/* The data of an MCPT APP packet (after the 12-octet header): fields to the end. */
static bool mcpt_fields(struct lim_rd d, struct cap_floor_one *m, struct fp_err *e)
{
	while (!lim_rd_empty(&d)) {
		uint8_t id, l8;
		uint16_t flen;
		size_t hdr, pad;
		struct lim_rd v;
		if (!lim_rd_u8(&d, &id))
			return fail(e, LIM_E_TRUNC, "field ID past the packet");
		if (id >= 192) { /* s8.2.3.1: 2-octet length for IDs 192..255 */
			if (!lim_rd_u16be(&d, &flen))
				return fail(e, LIM_E_TRUNC, "field length past the packet");
			hdr = 3;
		} else {
			if (!lim_rd_u8(&d, &l8))
				return fail(e, LIM_E_TRUNC, "field length past the packet");
			flen = l8;
			hdr = 2;
		}
		if (!lim_rd_sub(&d, flen, &v))
			return fail(e, LIM_E_TRUNC, "field value past the packet");
		/* both terms are bounded (<= 3, <= 65535): no overflow */
		pad = (4u - (hdr + flen) % 4u) % 4u;
		if (!lim_rd_skip(&d, pad))
			return fail(e, LIM_E_TRUNC, "field padding past the packet");
		if (!field(id, v, m, e))
			return false;
	}
	return true;
}

/* Walks the compound; stores MCPT messages into out when it is not NULL. */
static bool walk(struct lim_rd r, struct cap_floor_msg *out, struct fp_err *e)
{
	size_t nrtcp = 0, napp = 0, nmcpt = 0;
	if (lim_rd_empty(&r))
		return fail(e, LIM_E_TRUNC, "empty payload");
	while (!lim_rd_empty(&r)) {
		uint8_t b0, pt;
		uint16_t words;
		struct lim_rd pkt, body;
		if (!lim_rd_u8(&r, &b0) || !lim_rd_u8(&r, &pt) || !lim_rd_u16be(&r, &words))
			return fail(e, LIM_E_TRUNC, "RTCP header (4 octets) past the payload");
		if (b0 >> 6 != 2)
			return fail(e, LIM_E_PARSE, "RTCP version is not 2");
		if (pt < 192 || pt > 223)
			return fail(e, LIM_E_PARSE, "not an RTCP packet type (192..223)");
		/* RFC 3550 s6.4.1: length in 32-bit words minus one; the header is one word.
		 * words <= 65535, so 4 * words fits any size_t. */
		if (!lim_rd_sub(&r, 4u * (size_t)words, &body))
			return fail(e, LIM_E_TRUNC, "RTCP length past the payload");
		nrtcp++;
		if (b0 & 0x20) { /* P: RFC 3550 s6.4.1, count in the last octet */
			uint8_t npad;
			if (body.len == 0)
				return fail(e, LIM_E_PARSE, "RTCP padding bit on an empty packet");
			npad = body.p[body.len - 1];
			if (npad == 0 || npad > body.len)
				return fail(e, LIM_E_PARSE,
					    "RTCP padding count 0 or past the packet");
			body.len -= npad;
		}
		if (pt != RTCP_PT_APP)
			continue;
		napp++;
		pkt = body;
		{
			uint32_t ssrc;
			uint8_t name[4];
			struct cap_floor_one one;
			if (!lim_rd_u32be(&pkt, &ssrc) || !lim_rd_bytes(&pkt, name, 4)) {
				/* an APP without its SSRC and name: malformed whatever its name */
				return fail(e, LIM_E_PARSE, "RTCP APP shorter than 12 octets");
			}
			if (memcmp(name, "MCPT", 4) != 0)
				continue;
			memset(&one, 0, sizeof one);
			one.subtype = (uint8_t)(b0 & 0x1f);
			one.type = (uint8_t)(b0 & 0x0f);
			one.ack_req = (b0 & CAP_FLOOR_ACK_BIT) != 0;
			one.ssrc = ssrc;
			if (!mcpt_fields(pkt, &one, e))
				return false;
			if (out && nmcpt < CAP_FLOOR_MAX_MSGS)
				out->m[nmcpt] = one;
			nmcpt++;
		}
	}
	if (out) {
		out->n_rtcp = nrtcp;
		out->n_app = napp;
		out->n = nmcpt < CAP_FLOOR_MAX_MSGS ? nmcpt : CAP_FLOOR_MAX_MSGS;
		out->more = nmcpt > CAP_FLOOR_MAX_MSGS;
	}
	return true;
}

/* see floor.h */
enum lim_err cap_floor_parse(const uint8_t *p, size_t len, struct cap_floor_msg *out)
{
	struct fp_err e = { LIM_OK, "ok" };
	if (!out)
		return LIM_E_ARG;
	memset(out, 0, sizeof *out);
	if (!p) {
		out->err_detail = len ? "NULL payload" : "empty payload";
		return len ? LIM_E_ARG : LIM_E_TRUNC;
	}
	/* validate everything, then fill (STYLE.md rule 14) */
	if (!walk(lim_rd_make(p, len), NULL, &e)) {
		out->err_detail = e.why;
		return e.rc;
	}
	if (!walk(lim_rd_make(p, len), out, &e)) { /* cannot fail: same input */
		memset(out, 0, sizeof *out);
		out->err_detail = e.why;
		return e.rc;
	}
	out->err_detail = "ok";
	return LIM_OK;
}
