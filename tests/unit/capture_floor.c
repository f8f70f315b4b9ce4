/* test_capture floor: MCPTT floor-control messages (capture/floor.h, TS 24.380 s8.2) from
 * hand-built RTCP packets. Every parse goes through an exact-size malloc'd copy so that ASan
 * sees any read past the end. */
#include <stdlib.h>
#include <string.h>

#include "capture/floor.h"
#include "tests/unit/capture_suites.h"

/* ------------------------------------------------------------------ builder */

struct fb {
	uint8_t b[2048];
	size_t n;
	size_t start; /* offset of the open RTCP packet */
};

static void fb_u8(struct fb *f, unsigned v)
{
	if (f->n < sizeof f->b)
		f->b[f->n++] = (uint8_t)v;
}
static void fb_u16(struct fb *f, unsigned v)
{
	fb_u8(f, v >> 8);
	fb_u8(f, v & 0xff);
}
static void fb_u32(struct fb *f, uint32_t v)
{
	fb_u16(f, v >> 16);
	fb_u16(f, v & 0xffff);
}
static void fb_raw(struct fb *f, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fb_u8(f, ((const uint8_t *)p)[i]);
}

/* Closes the open packet: pads to 4 and writes its length word. */
static void fb_end(struct fb *f)
{
	size_t words;
	while ((f->n - f->start) % 4)
		fb_u8(f, 0);
	words = (f->n - f->start) / 4 - 1;
	f->b[f->start + 2] = (uint8_t)(words >> 8);
	f->b[f->start + 3] = (uint8_t)words;
}

/* Opens an RTCP packet: V=2, count/subtype, PT. */
static void fb_hdr(struct fb *f, unsigned cnt, unsigned pt)
{
	f->start = f->n;
	fb_u8(f, 0x80 | (cnt & 0x1f));
	fb_u8(f, pt);
	fb_u16(f, 0);
}

static void fb_app(struct fb *f, unsigned subtype, uint32_t ssrc, const char *name)
{
	fb_hdr(f, subtype, 204);
	fb_u32(f, ssrc);
	fb_raw(f, name, 4);
}

/* A field: ID, length (2 octets when id >= 192), value, padding to a multiple of 4. */
static void fb_fld(struct fb *f, unsigned id, const void *v, size_t len)
{
	size_t hdr = id >= 192 ? 3 : 2;
	fb_u8(f, id);
	if (id >= 192)
		fb_u16(f, (unsigned)len);
	else
		fb_u8(f, (unsigned)len);
	fb_raw(f, v, len);
	for (size_t i = (hdr + len) % 4; i && i < 4; i++)
		fb_u8(f, 0);
}
static void fb_fld16(struct fb *f, unsigned id, unsigned v)
{
	uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	fb_fld(f, id, x, 2);
}
static void fb_str(struct fb *f, unsigned id, const char *s)
{
	fb_fld(f, id, s, strlen(s));
}
static void fb_ssrcf(struct fb *f, uint32_t s)
{
	uint8_t x[6] = {
		(uint8_t)(s >> 24), (uint8_t)(s >> 16), (uint8_t)(s >> 8), (uint8_t)s, 0, 0
	};
	fb_fld(f, CAP_FLOOR_FLD_SSRC, x, 6);
}
/* Track Info: queueing capability, participant type, references. */
static void fb_track(struct fb *f, unsigned qcap, const char *ptype, const uint32_t *refs,
		     size_t nrefs)
{
	uint8_t v[128];
	size_t n = 0, tl = strlen(ptype);
	v[n++] = (uint8_t)qcap;
	v[n++] = (uint8_t)tl;
	memcpy(v + n, ptype, tl);
	n += tl;
	while (tl++ % 4)
		v[n++] = 0;
	for (size_t i = 0; i < nrefs; i++) {
		v[n++] = (uint8_t)(refs[i] >> 24);
		v[n++] = (uint8_t)(refs[i] >> 16);
		v[n++] = (uint8_t)(refs[i] >> 8);
		v[n++] = (uint8_t)refs[i];
	}
	fb_fld(f, CAP_FLOOR_FLD_TRACK_INFO, v, n);
}
/* SR with no report blocks (28 octets). */
static void fb_sr(struct fb *f, uint32_t ssrc)
{
	fb_hdr(f, 0, 200);
	fb_u32(f, ssrc);
	for (int i = 0; i < 5; i++)
		fb_u32(f, 0x01020304u * (uint32_t)(i + 1));
	fb_end(f);
}
/* SDES with one CNAME chunk. */
static void fb_sdes(struct fb *f, uint32_t ssrc)
{
	fb_hdr(f, 1, 202);
	fb_u32(f, ssrc);
	fb_u8(f, 1);
	fb_u8(f, 5);
	fb_raw(f, "alice", 5);
	fb_u8(f, 0);
	fb_end(f);
}

static struct cap_floor_msg out;

/* Parses an exact-size heap copy of b[0..n). */
static enum lim_err parse(const uint8_t *b, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);
	enum lim_err rc;
	if (!c)
		abort();
	if (n)
		memcpy(c, b, n);
	rc = cap_floor_parse(c, n, &out);
	free(c);
	return rc;
}

#define UA "sip:alice@mcptt.example.org"
#define UB "sip:bob@mcptt.example.org"

/* ------------------------------------------------------------------ suites */

static void t_names(void)
{
	static const char *const want[16] = {
		"floor-request",
		"floor-granted",
		"floor-taken",
		"floor-deny",
		"floor-release",
		"floor-idle",
		"floor-revoke",
		"floor-unknown",
		"floor-queue-position-request",
		"floor-queue-position-info",
		"floor-ack",
		"floor-unknown",
		"floor-unknown",
		"floor-unknown",
		"floor-unknown",
		"floor-release-multi-talker",
	};
	for (unsigned i = 0; i < 32; i++)
		CHECK(strcmp(cap_floor_name(i), want[i & 15]) == 0);
	CHECK(strcmp(cap_floor_name(0x11), "floor-granted") == 0);
}

/* Every message type with the fields TS 24.380 s8.2.4 .. s8.2.13 give it. */
static void t_types(void)
{
	static const uint32_t refs[5] = { 0x11111111, 0x22222222, 0x33333333, 0x44444444,
					  0x55555555 };
	struct fb f;
	const struct cap_floor_one *m = &out.m[0];

	/* Floor Request (s8.2.4): priority, user ID, track info, floor indicator */
	memset(&f, 0, sizeof f);
	fb_app(&f, CAP_FLOOR_REQUEST, 0xa1a1a1a1, "MCPT");
	fb_fld16(&f, CAP_FLOOR_FLD_PRIORITY, 7u << 8);
	fb_str(&f, CAP_FLOOR_FLD_USER_ID, UA);
	fb_track(&f, 1, "ptype", refs, 2);
	fb_fld16(&f, CAP_FLOOR_FLD_INDICATOR, 0x9000);
	fb_end(&f);
	CHECK(parse(f.b, f.n) == LIM_OK && out.n == 1 && strcmp(out.err_detail, "ok") == 0);
	CHECK(out.n_rtcp == 1 && out.n_app == 1 && !out.more);
	CHECK(m->type == CAP_FLOOR_REQUEST && !m->ack_req && m->ssrc == 0xa1a1a1a1);
	CHECK(m->present == (1u << 0 | 1u << 6 | 1u << 11 | 1u << 13));
	CHECK(m->priority == 7 && m->indicator == 0x9000);
	CHECK(m->user_id.len == strlen(UA) && strcmp(m->user_id.s, UA) == 0);
	CHECK(m->track_queueing_cap == 1 && strcmp(m->track_part_type.s, "ptype") == 0);
	CHECK(m->track_nrefs == 2 && m->track_refs[0] == refs[0] && m->track_refs[1] == refs[1]);
	CHECK(strcmp(cap_floor_name(m->subtype), "floor-request") == 0);

	/* Floor Granted (s8.2.5), ack required: duration, SSRC, priority, queue size, track
	 * info with more references than kept, indicator */
	memset(&f, 0, sizeof f);
	fb_app(&f, CAP_FLOOR_GRANTED | CAP_FLOOR_ACK_BIT, 0xb2b2b2b2, "MCPT");
	fb_fld16(&f, CAP_FLOOR_FLD_DURATION, 30);
	fb_ssrcf(&f, 0xa1a1a1a1);
	fb_fld16(&f, CAP_FLOOR_FLD_PRIORITY, 4u << 8);
	fb_fld16(&f, CAP_FLOOR_FLD_QUEUE_SIZE, 3);
	fb_track(&f, 0, "dispatcher", refs, 5);
	fb_fld16(&f, CAP_FLOOR_FLD_INDICATOR, 0x8000);
	fb_end(&f);
	CHECK(parse(f.b, f.n) == LIM_OK && out.n == 1);
	CHECK(m->subtype == 0x11 && m->type == CAP_FLOOR_GRANTED && m->ack_req);
	CHECK(m->duration == 30 && m->field_ssrc == 0xa1a1a1a1 && m->priority == 4);
	CHECK(m->queue_size == 3 && m->indicator == 0x8000);
	CHECK(m->track_nrefs == 5 && m->track_refs[3] == refs[3]);
	CHECK(strcmp(m->track_part_type.s, "dispatcher") == 0 && m->track_part_type.len == 10);
	CHECK(strcmp(cap_floor_name(m->subtype), "floor-granted") == 0);

	/* Floor Taken (s8.2.9): granted party, permission, sequence, SSRC, indicator; the
	 * layout limf-gen writes */
	memset(&f, 0, sizeof f);
	fb_app(&f, CAP_FLOOR_TAKEN, 0xc3c3c3c3, "MCPT");
	fb_str(&f, CAP_FLOOR_FLD_GRANTED_PARTY, UB);
	fb_fld16(&f, CAP_FLOOR_FLD_PERMISSION, 1);
	fb_fld16(&f, CAP_FLOOR_FLD_SEQ, 65535);
	fb_fld16(&f, CAP_FLOOR_FLD_INDICATOR, 0x8000);
	fb_ssrcf(&f, 0xdeadbeef);
	fb_end(&f);
	CHECK(parse(f.b, f.n) == LIM_OK && out.n == 1 && m->type == CAP_FLOOR_TAKEN);
	CHECK(strcmp(m->granted_party.s, UB) == 0 && m->permission == 1 && m->seq == 65535);
	CHECK(m->field_ssrc == 0xdeadbeef && CAP_FLOOR_HAS(m, CAP_FLOOR_FLD_SSRC));
	CHECK(!CAP_FLOOR_HAS(m, CAP_FLOOR_FLD_USER_ID) && m->user_id.len == 0);

	/* Floor Deny (s8.2.6): reject cause with phrase, user ID */
	memset(&f, 0, sizeof f);
	fb_app(&f, CAP_FLOOR_DENY | CAP_FLOOR_ACK_BIT, 1, "MCPT");
	{
		uint8_t rc[2 + 13] = { 0, 1 };
		memcpy(rc + 2, "floor is busy", 13);
		fb_fld(&f, CAP_FLOOR_FLD_REJECT_CAUSE, rc, sizeof rc);
	}
	fb_str(&f, CAP_FLOOR_FLD_USER_ID, UA);
	fb_end(&f);
	CHECK(parse(f.b, f.n) == LIM_OK && out.n == 1 && m->type == CAP_FLOOR_DENY && m->ack_req);
	CHECK(m->reject_cause == 1 && strcmp(m->reject_phrase.s, "floor is busy") == 0);
	CHECK(strcmp(cap_floor_name(m->subtype), "floor-deny") == 0);

	/* Floor Release (s8.2.7): user ID, indicator */
	memset(&f, 0, sizeof f);
	fb_app(&f, CAP_FLOOR_RELEASE, 2, "MCPT");
	fb_str(&f, CAP_FLOOR_FLD_USER_ID, UB);
	fb_fld16(&f, CAP_FLOOR_FLD_INDICATOR, 0x8000);
	fb_end(&f);
	CHECK(parse(f.b, f.n) == LIM_OK && out.n == 1 && m->type == CAP_FLOOR_RELEASE);
	CHECK(strcmp(m->user_id.s, UB) == 0 && m->ssrc == 2);

	/* Floor Idle (s8.2.8): sequence, indicator, functional alias */
	memset(&f, 0, sizeof f);
	fb_app(&f, CAP_FLOOR_IDLE, 3, "MCPT");
	fb_fld16(&f, CAP_FLOOR_FLD_SEQ, 42);
	fb_fld16(&f, CAP_FLOOR_FLD_INDICATOR, 0x8000);
	fb_str(&f, CAP_FLOOR_FLD_FUNC_ALIAS, "driver-7");
	fb_end(&f);
	CHECK(parse(f.b, f.n) == LIM_OK && out.n == 1 && m->type == CAP_FLOOR_IDLE);
	CHECK(m->seq == 42 && strcmp(m->func_alias.s, "driver-7") == 0);

	/* Floor Revoke (s8.2.10): reject cause without phrase */
	memset(&f, 0, sizeof f);
	fb_app(&f, CAP_FLOOR_REVOKE, 4, "MCPT");
	fb_fld16(&f, CAP_FLOOR_FLD_REJECT_CAUSE, 4);
	fb_end(&f);
	CHECK(parse(f.b, f.n) == LIM_OK && out.n == 1 && m->type == CAP_FLOOR_REVOKE);
	CHECK(m->reject_cause == 4 && m->reject_phrase.len == 0 && m->reject_phrase.s[0] == 0);
	CHECK(strcmp(cap_floor_name(m->subtype), "floor-revoke") == 0);

	/* Floor Queue Position Request (s8.2.11): user ID, track info with no references */
	memset(&f, 0, sizeof f);
	fb_app(&f, CAP_FLOOR_QUEUE_POS_REQUEST, 5, "MCPT");
	fb_str(&f, CAP_FLOOR_FLD_USER_ID, UA);
	fb_track(&f, 1, "abcd", refs + 4, 1); /* type length 4: no padding before the ref */
	fb_end(&f);
	CHECK(parse(f.b, f.n) == LIM_OK && out.n == 1 && m->type == CAP_FLOOR_QUEUE_POS_REQUEST);
	CHECK(m->track_nrefs == 1 && m->track_refs[0] == refs[4]);
	CHECK(strcmp(m->track_part_type.s, "abcd") == 0);
	CHECK(strcmp(cap_floor_name(m->subtype), "floor-queue-position-request") == 0);

	/* Floor Queue Position Info (s8.2.12): queued user ID, queue info */
	memset(&f, 0, sizeof f);
	fb_app(&f, CAP_FLOOR_QUEUE_POS_INFO | CAP_FLOOR_ACK_BIT, 6, "MCPT");
	fb_str(&f, CAP_FLOOR_FLD_QUEUED_USER_ID, UA);
	fb_fld16(&f, CAP_FLOOR_FLD_QUEUE_INFO, 0x0305);
	fb_end(&f);
	CHECK(parse(f.b, f.n) == LIM_OK && out.n == 1 && m->type == CAP_FLOOR_QUEUE_POS_INFO);
	CHECK(m->ack_req && m->queue_pos == 3 && m->queue_prio == 5);
	CHECK(strcmp(m->queued_user_id.s, UA) == 0);

	/* Floor Ack (s8.2.13): source, message type of the acknowledged message */
	memset(&f, 0, sizeof f);
	fb_app(&f, CAP_FLOOR_ACK, 7, "MCPT");
	fb_fld16(&f, CAP_FLOOR_FLD_SOURCE, 2);
	fb_fld16(&f, CAP_FLOOR_FLD_MSG_TYPE, 0x11u << 8);
	fb_end(&f);
	CHECK(parse(f.b, f.n) == LIM_OK && out.n == 1 && m->type == CAP_FLOOR_ACK);
	CHECK(m->source == 2 && m->msg_type == 0x11);
	CHECK(strcmp(cap_floor_name(m->subtype), "floor-ack") == 0);

	/* Floor Release Multi Talker (subtype 01111): user ID */
	memset(&f, 0, sizeof f);
	fb_app(&f, CAP_FLOOR_RELEASE_MULTI_TALKER, 8, "MCPT");
	fb_str(&f, CAP_FLOOR_FLD_USER_ID, UA);
	fb_end(&f);
	CHECK(parse(f.b, f.n) == LIM_OK && out.n == 1 && m->type == 15);
	CHECK(strcmp(cap_floor_name(m->subtype), "floor-release-multi-talker") == 0);

	/* no fields at all (a bare 12-octet APP) */
	memset(&f, 0, sizeof f);
	fb_app(&f, CAP_FLOOR_IDLE, 9, "MCPT");
	fb_end(&f);
	CHECK(f.n == 12 && parse(f.b, f.n) == LIM_OK && out.n == 1 && m->present == 0);
}

/* The ack bit (TS 24.380 Table 8.2.2-1 "x"): split off the subtype. */
static void t_ack_bit(void)
{
	static const unsigned xs[] = { 1, 2, 3, 4, 5, 9 };
	struct fb f;
	for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++)
		for (unsigned ack = 0; ack < 2; ack++) {
			memset(&f, 0, sizeof f);
			fb_app(&f, xs[i] | (ack ? CAP_FLOOR_ACK_BIT : 0), 1, "MCPT");
			fb_end(&f);
			CHECK(parse(f.b, f.n) == LIM_OK && out.n == 1);
			CHECK(out.m[0].type == xs[i] && out.m[0].ack_req == (ack == 1));
			CHECK(out.m[0].subtype == (xs[i] | (ack ? 0x10u : 0)));
		}
	/* set on a type the table gives no "x": reported as is */
	memset(&f, 0, sizeof f);
	fb_app(&f, CAP_FLOOR_REQUEST | CAP_FLOOR_ACK_BIT, 1, "MCPT");
	fb_end(&f);
	CHECK(parse(f.b, f.n) == LIM_OK && out.m[0].type == 0 && out.m[0].ack_req);
}

/* SR + SDES + MCPT + other APP + MCPT; no MCPT at all; more than the cap. */
static void t_compound(void)
{
	struct fb f;
	memset(&f, 0, sizeof f);
	fb_sr(&f, 0x01010101);
	fb_sdes(&f, 0x01010101);
	fb_app(&f, CAP_FLOOR_REQUEST, 0x01010101, "MCPT");
	fb_str(&f, CAP_FLOOR_FLD_USER_ID, UA);
	fb_end(&f);
	fb_app(&f, 3, 0x01010101, "PoC1");
	fb_u32(&f, 0xffffffff); /* opaque data of another application */
	fb_end(&f);
	fb_app(&f, CAP_FLOOR_RELEASE, 0x01010101, "MCPT");
	fb_str(&f, CAP_FLOOR_FLD_USER_ID, UA);
	fb_end(&f);
	CHECK(parse(f.b, f.n) == LIM_OK && out.n == 2 && out.n_rtcp == 5 && out.n_app == 3);
	CHECK(out.m[0].type == CAP_FLOOR_REQUEST && out.m[1].type == CAP_FLOOR_RELEASE);
	CHECK(strcmp(out.m[1].user_id.s, UA) == 0);

	/* RTCP with no MCPT: OK with n == 0 */
	memset(&f, 0, sizeof f);
	fb_sr(&f, 5);
	fb_app(&f, 0, 5, "PoC1");
	fb_end(&f);
	CHECK(parse(f.b, f.n) == LIM_OK && out.n == 0 && out.n_rtcp == 2 && out.n_app == 1);
	memset(&f, 0, sizeof f);
	fb_sr(&f, 5);
	CHECK(parse(f.b, f.n) == LIM_OK && out.n == 0 && out.n_app == 0);

	/* more MCPT packets than CAP_FLOOR_MAX_MSGS: the first ones kept, all validated */
	memset(&f, 0, sizeof f);
	for (unsigned i = 0; i < CAP_FLOOR_MAX_MSGS + 2; i++) {
		fb_app(&f, CAP_FLOOR_IDLE, i, "MCPT");
		fb_fld16(&f, CAP_FLOOR_FLD_SEQ, i);
		fb_end(&f);
	}
	CHECK(parse(f.b, f.n) == LIM_OK && out.n == CAP_FLOOR_MAX_MSGS && out.more);
	CHECK(out.m[CAP_FLOOR_MAX_MSGS - 1].seq == CAP_FLOOR_MAX_MSGS - 1);
	f.b[f.n - 3] = 3; /* a broken last field length: the whole payload refused */
	CHECK(parse(f.b, f.n) == LIM_E_TRUNC && out.n == 0 && !out.more);

	/* P bit on the last packet (RFC 3550 s6.4.1): padding removed */
	memset(&f, 0, sizeof f);
	fb_app(&f, CAP_FLOOR_IDLE, 1, "MCPT");
	fb_fld16(&f, CAP_FLOOR_FLD_SEQ, 9);
	fb_u32(&f, 0x00000004);
	fb_end(&f);
	f.b[0] |= 0x20;
	CHECK(parse(f.b, f.n) == LIM_OK && out.n == 1 && out.m[0].seq == 9);
}

/* Unknown IDs (8- and 16-bit lengths) skipped; known-but-undecoded ones flagged. */
static void t_unknown(void)
{
	struct fb f;
	uint8_t big[300];
	memset(big, 'z', sizeof big);
	memset(&f, 0, sizeof f);
	fb_app(&f, CAP_FLOOR_TAKEN, 1, "MCPT");
	fb_fld(&f, 99, "12345", 5);
	fb_str(&f, CAP_FLOOR_FLD_GRANTED_PARTY, UB);
	fb_fld(&f, 200, big, sizeof big);                  /* 2-octet length, 300 > 255 */
	fb_fld(&f, 19, "\x06\x01\x02\x03\x04\x05\x06", 7); /* Location: not decoded */
	fb_fld(&f, 250, "", 0);
	fb_fld(&f, 192, big, 260); /* the first ID with a 2-octet length */
	fb_fld(&f, 191, "abc", 3); /* the last with a 1-octet length */
	fb_fld16(&f, CAP_FLOOR_FLD_SEQ, 77);
	fb_end(&f);
	CHECK(parse(f.b, f.n) == LIM_OK && out.n == 1);
	CHECK(out.m[0].n_unknown == 5 && out.m[0].seq == 77);
	CHECK(strcmp(out.m[0].granted_party.s, UB) == 0);
	CHECK(CAP_FLOOR_HAS(&out.m[0], CAP_FLOOR_FLD_LOCATION));
}

/* Texts: 255 octets (the most an 8-bit length holds), an embedded NUL. */
static void t_text(void)
{
	struct fb f;
	char s[255];
	memset(s, 'u', sizeof s);
	memset(&f, 0, sizeof f);
	fb_app(&f, CAP_FLOOR_REQUEST, 1, "MCPT");
	fb_fld(&f, CAP_FLOOR_FLD_USER_ID, s, sizeof s);
	fb_fld(&f, CAP_FLOOR_FLD_FUNC_ALIAS, "a\0b", 3);
	fb_end(&f);
	CHECK(parse(f.b, f.n) == LIM_OK && out.m[0].user_id.len == 255);
	CHECK(memcmp(out.m[0].user_id.s, s, 255) == 0 && out.m[0].user_id.s[255] == 0);
	CHECK(out.m[0].func_alias.len == 3 && memcmp(out.m[0].func_alias.s, "a\0b", 4) == 0);
}

/* A valid compound to cut: SR + two MCPT with every kind of field. */
static size_t build_rich(struct fb *f, size_t bounds[8], size_t *nb)
{
	static const uint32_t refs[2] = { 7, 8 };
	memset(f, 0, sizeof *f);
	*nb = 0;
	fb_sr(f, 1);
	bounds[(*nb)++] = f->n;
	fb_app(f, CAP_FLOOR_GRANTED | CAP_FLOOR_ACK_BIT, 2, "MCPT");
	fb_fld16(f, CAP_FLOOR_FLD_DURATION, 30);
	fb_str(f, CAP_FLOOR_FLD_GRANTED_PARTY, UA);
	fb_track(f, 1, "xyz", refs, 2);
	fb_ssrcf(f, 3);
	{
		uint8_t rc[5] = { 0, 2, 'a', 'b', 'c' };
		fb_fld(f, CAP_FLOOR_FLD_REJECT_CAUSE, rc, 5);
	}
	fb_fld(f, 201, "xx", 2);
	fb_end(f);
	bounds[(*nb)++] = f->n;
	fb_app(f, CAP_FLOOR_TAKEN, 2, "MCPT");
	fb_str(f, CAP_FLOOR_FLD_USER_ID, UB);
	fb_fld16(f, CAP_FLOOR_FLD_QUEUE_INFO, 0x0102);
	fb_end(f);
	bounds[(*nb)++] = f->n;
	return f->n;
}

/* Every truncation: OK only at packet boundaries, otherwise refused with a reason. */
static void t_trunc(void)
{
	struct fb f;
	size_t bounds[8], nb, n = build_rich(&f, bounds, &nb), ok = 0;
	CHECK(parse(f.b, n) == LIM_OK && out.n == 2 && out.n_rtcp == 3);
	for (size_t cut = 0; cut < n; cut++) {
		enum lim_err rc = parse(f.b, cut);
		bool at_bound = false;
		for (size_t i = 0; i < nb; i++)
			at_bound |= bounds[i] == cut;
		if (at_bound) {
			CHECK(rc == LIM_OK);
			ok++;
		} else {
			CHECK(rc == LIM_E_TRUNC || rc == LIM_E_PARSE);
			CHECK(out.n == 0 && out.err_detail && strcmp(out.err_detail, "ok") != 0);
		}
	}
	CHECK(ok == 2);
	/* the MCPT packet with its RTCP length shortened word by word */
	for (size_t w = 3; w < (bounds[1] - bounds[0]) / 4 - 1; w++) {
		uint8_t c[sizeof f.b];
		memcpy(c, f.b, bounds[1]);
		c[bounds[0] + 2] = (uint8_t)(w >> 8);
		c[bounds[0] + 3] = (uint8_t)w;
		enum lim_err rc = parse(c, bounds[0] + 4 + 4 * w);
		/* valid when the cut falls between fields, refused otherwise; never over-read */
		CHECK(rc == LIM_OK ? out.n == 1
				   : (out.n == 0 && strcmp(out.err_detail, "ok") != 0));
	}
}

static void expect(const struct fb *f, enum lim_err want, const char *why)
{
	enum lim_err rc = parse(f->b, f->n);
	CHECK(rc == want);
	CHECK(out.n == 0 && out.err_detail && strstr(out.err_detail, why) != NULL);
	if (rc != want || !out.err_detail || !strstr(out.err_detail, why))
		fprintf(stderr, "  want %d '%s', got %d '%s'\n", (int)want, why, (int)rc,
			out.err_detail ? out.err_detail : "(null)");
}

static void t_hostile(void)
{
	struct fb f;
	uint8_t b[8];

	CHECK(cap_floor_parse(NULL, 0, &out) == LIM_E_TRUNC);
	CHECK(cap_floor_parse(NULL, 4, &out) == LIM_E_ARG);
	CHECK(cap_floor_parse(b, 0, NULL) == LIM_E_ARG);
	memset(&f, 0, sizeof f);
	expect(&f, LIM_E_TRUNC, "empty");
	/* version 1, then 0 */
	fb_app(&f, 0, 1, "MCPT");
	fb_end(&f);
	f.b[0] = (uint8_t)((f.b[0] & 0x3f) | 0x40);
	expect(&f, LIM_E_PARSE, "version");
	f.b[0] &= 0x3f;
	expect(&f, LIM_E_PARSE, "version");
	/* an RTP packet (PT 96 with marker) on the floor port */
	memset(&f, 0, sizeof f);
	fb_hdr(&f, 0, 0xe0);
	fb_u32(&f, 1);
	fb_end(&f);
	f.b[1] = 96;
	expect(&f, LIM_E_PARSE, "packet type");
	/* length 0xffff */
	memset(&f, 0, sizeof f);
	fb_app(&f, 0, 1, "MCPT");
	fb_end(&f);
	f.b[2] = f.b[3] = 0xff;
	expect(&f, LIM_E_TRUNC, "RTCP length");
	/* APP with length 1 (8 octets): no name; and length 0 */
	memset(&f, 0, sizeof f);
	fb_hdr(&f, 0, 204);
	fb_u32(&f, 1);
	fb_end(&f);
	expect(&f, LIM_E_PARSE, "shorter than 12");
	memset(&f, 0, sizeof f);
	fb_hdr(&f, 0, 204);
	fb_end(&f);
	expect(&f, LIM_E_PARSE, "shorter than 12");
	/* trailing octets after a valid packet (SRTCP-like trailer too short for a header) */
	memset(&f, 0, sizeof f);
	fb_sr(&f, 1);
	fb_u16(&f, 0x8000);
	fb_u8(&f, 1);
	expect(&f, LIM_E_TRUNC, "RTCP header");
	/* field value past the packet */
	memset(&f, 0, sizeof f);
	fb_app(&f, 0, 1, "MCPT");
	fb_u8(&f, CAP_FLOOR_FLD_USER_ID);
	fb_u8(&f, 255);
	fb_raw(&f, "ab", 2);
	fb_end(&f);
	expect(&f, LIM_E_TRUNC, "field value");
	/* 16-bit length 0xffff past the packet */
	memset(&f, 0, sizeof f);
	fb_app(&f, 0, 1, "MCPT");
	fb_u8(&f, 230);
	fb_u16(&f, 0xffff);
	fb_end(&f);
	expect(&f, LIM_E_TRUNC, "field value");
	/* a 16-bit length cut in half: P padding (1 octet counted... 2) leaves "E6 00" */
	memset(&f, 0, sizeof f);
	fb_app(&f, 0, 1, "MCPT");
	fb_raw(&f, "\xe6\x00\x00\x02", 4);
	fb_end(&f);
	f.b[0] |= 0x20;
	expect(&f, LIM_E_TRUNC, "field length");
	/* padding past the packet: "06 01 'x'" left by P, the value needs 1 octet of padding */
	memset(&f, 0, sizeof f);
	fb_app(&f, 0, 1, "MCPT");
	fb_raw(&f, "\x06\x01x\x01", 4);
	fb_end(&f);
	f.b[0] |= 0x20;
	expect(&f, LIM_E_TRUNC, "field padding");
	f.b[0] &= (uint8_t)~0x20; /* without P: the 4th octet is the padding: fine */
	CHECK(parse(f.b, f.n) == LIM_OK && strcmp(out.m[0].user_id.s, "x") == 0);
	/* repeated fixed-size field */
	memset(&f, 0, sizeof f);
	fb_app(&f, 0, 1, "MCPT");
	fb_fld16(&f, CAP_FLOOR_FLD_SEQ, 1);
	fb_fld16(&f, CAP_FLOOR_FLD_SEQ, 2);
	fb_end(&f);
	expect(&f, LIM_E_PARSE, "repeated");
	/* fixed-size fields with another length */
	for (unsigned id = 0; id <= 14; id++) {
		static const bool fixed[15] = { 1, 1, 0, 1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 1, 0 };
		if (!fixed[id])
			continue;
		for (size_t l = 0; l < 5; l++) {
			if (l == 2)
				continue;
			memset(&f, 0, sizeof f);
			fb_app(&f, 0, 1, "MCPT");
			fb_fld(&f, id, "\1\2\3\4", l);
			fb_end(&f);
			expect(&f, LIM_E_PARSE, "fixed-size");
		}
	}
	memset(&f, 0, sizeof f);
	fb_app(&f, 0, 1, "MCPT");
	fb_fld(&f, CAP_FLOOR_FLD_SSRC, "\1\2\3\4", 4);
	fb_end(&f);
	expect(&f, LIM_E_PARSE, "SSRC field");
	memset(&f, 0, sizeof f);
	fb_app(&f, 0, 1, "MCPT");
	fb_fld(&f, CAP_FLOOR_FLD_REJECT_CAUSE, "\1", 1);
	fb_end(&f);
	expect(&f, LIM_E_PARSE, "Reject Cause");
	/* repeated field */
	memset(&f, 0, sizeof f);
	fb_app(&f, 0, 1, "MCPT");
	fb_str(&f, CAP_FLOOR_FLD_USER_ID, UA);
	fb_str(&f, CAP_FLOOR_FLD_USER_ID, UB);
	fb_end(&f);
	expect(&f, LIM_E_PARSE, "repeated");
	/* Track Info: too short, type past the field, references not a multiple of 4 */
	memset(&f, 0, sizeof f);
	fb_app(&f, 0, 1, "MCPT");
	fb_fld(&f, CAP_FLOOR_FLD_TRACK_INFO, "\1", 1);
	fb_end(&f);
	expect(&f, LIM_E_PARSE, "Track Info");
	memset(&f, 0, sizeof f);
	fb_app(&f, 0, 1, "MCPT");
	fb_fld(&f, CAP_FLOOR_FLD_TRACK_INFO,
	       "\1\x09"
	       "abc",
	       5);
	fb_end(&f);
	expect(&f, LIM_E_PARSE, "Track Info");
	memset(&f, 0, sizeof f);
	fb_app(&f, 0, 1, "MCPT");
	fb_fld(&f, CAP_FLOOR_FLD_TRACK_INFO,
	       "\1\x03"
	       "abc\0"
	       "\1\2\3",
	       9);
	fb_end(&f);
	expect(&f, LIM_E_PARSE, "Track Info");
	memset(&f, 0, sizeof f);
	fb_app(&f, 0, 1, "MCPT");
	fb_fld(&f, CAP_FLOOR_FLD_TRACK_INFO,
	       "\1\x03"
	       "abc",
	       5);
	fb_end(&f);
	expect(&f, LIM_E_PARSE, "Track Info");
	/* P bit: count 0, count past the packet, on an empty packet */
	memset(&f, 0, sizeof f);
	fb_app(&f, 0, 1, "MCPT");
	fb_u32(&f, 0);
	fb_end(&f);
	f.b[0] |= 0x20;
	expect(&f, LIM_E_PARSE, "padding count");
	f.b[f.n - 1] = 17;
	expect(&f, LIM_E_PARSE, "padding count");
	f.b[f.n - 1] = 12; /* removes everything after the header: APP too short */
	expect(&f, LIM_E_PARSE, "shorter than 12");
	memset(&f, 0, sizeof f);
	fb_hdr(&f, 0, 200);
	fb_end(&f);
	f.b[0] |= 0x20;
	expect(&f, LIM_E_PARSE, "empty packet");
	/* a valid MCPT first and a broken one after it: nothing is returned */
	memset(&f, 0, sizeof f);
	fb_app(&f, 1, 1, "MCPT");
	fb_fld16(&f, CAP_FLOOR_FLD_DURATION, 5);
	fb_end(&f);
	fb_app(&f, 2, 1, "MCPT");
	fb_fld(&f, CAP_FLOOR_FLD_SEQ, "\1", 1);
	fb_end(&f);
	expect(&f, LIM_E_PARSE, "fixed-size");
	/* a short APP with another name is still refused (it is not an APP packet) */
	memset(&f, 0, sizeof f);
	fb_hdr(&f, 0, 204);
	fb_raw(&f, "abcd", 4);
	fb_end(&f);
	expect(&f, LIM_E_PARSE, "shorter than 12");
}

const struct lim_suite t_floor_suites[] = {
	{ "floor_names", t_names },
	{ "floor_types", t_types },
	{ "floor_ack", t_ack_bit },
	{ "floor_compound", t_compound },
	{ "floor_unknown", t_unknown },
	{ "floor_text", t_text },
	{ "floor_trunc", t_trunc },
	{ "floor_hostile", t_hostile },
	{ NULL, NULL },
};
