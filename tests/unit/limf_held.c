/* limf/held.h: a held output is a deep copy that outlives everything it was made from. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "limf/held.h"
#include "tests/unit/check.h"

void t_held_copy(void);
void t_held_sizes(void);
void t_held_emit(void);

/* Buffers the originals live in, overwritten after the copy: the copy must not see it. */
static char s_liid[32], s_dlv[64], s_talker[48], s_side[8], s_ini[48], s_resp[48], s_kms[32],
	s_t[32], s_user[48], s_out[16], s_sig[16], s_det[32], s_ev[16], s_grp[32], s_reason[16];
static uint8_t s_sip[300], s_rtp[172];
static struct cap_call s_call;
static struct limf_keymgmt s_km;
static struct limf_group_ev s_gev;
static char s_imsg[] = "MIKEY";

static void text(struct cap_text *t, const char *s)
{
	t->len = strlen(s);
	memcpy(t->s, s, t->len + 1);
}

static void fill(void)
{
	strcpy(s_liid, "LIID-1");
	strcpy(s_dlv, "lemf:court-1");
	strcpy(s_talker, "sip:talker@example.org");
	strcpy(s_side, "offer");
	strcpy(s_ini, "sip:alice@example.org");
	strcpy(s_resp, "sip:bob@example.org");
	strcpy(s_kms, "kms.example.org");
	strcpy(s_t, "2026-03-15T12:00:00Z");
	strcpy(s_user, "sip:bob@example.org");
	strcpy(s_out, "keys");
	strcpy(s_sig, "valid");
	strcpy(s_det, "");
	strcpy(s_ev, "talker");
	strcpy(s_grp, "group-7");
	strcpy(s_reason, "timeout");
	for (size_t i = 0; i < sizeof s_sip; i++)
		s_sip[i] = (uint8_t)(i * 7 + 1);
	for (size_t i = 0; i < sizeof s_rtp; i++)
		s_rtp[i] = (uint8_t)(i * 13 + 5);
	memset(&s_call, 0, sizeof s_call);
	s_call.id = 42;
	text(&s_call.call_id, "abc-123@192.0.2.10");
	text(&s_call.from_uri, "sip:alice@example.org");
	text(&s_call.to_uri, "sip:bob@example.org");
	s_call.first_ns = 1000;
	s_call.end_ns = 9000;
	s_call.end = CAP_END_BYE;
	s_call.offer.imsg = s_imsg;
	s_call.offer.imsg_len = 5;
	s_call.user = &s_km;
	s_call.hnext = &s_call;
	s_call.bprev = s_call.bnext = &s_call;
	s_call.pend[1].imsg = s_imsg; /* a held re-INVITE's offer */
	s_call.pend[1].imsg_len = 5;
	s_km = (struct limf_keymgmt){ .side = s_side,
				      .initiator = s_ini,
				      .responder = s_resp,
				      .kms_uri = s_kms,
				      .t = s_t,
				      .has_t_offset = true,
				      .t_offset_s = -86400,
				      .key_user = s_user,
				      .key_period = 7,
				      .csb_id = 0x1234,
				      .n_keys = 2,
				      .outcome = s_out,
				      .sig = s_sig,
				      .detail = s_det };
	s_gev = (struct limf_group_ev){ s_ev, s_grp, s_talker, 5, 6, 0xabcdef, NULL, true };
}

/* Everything the originals were made of, overwritten. */
static void trash(void)
{
	char *strs[] = { s_liid, s_dlv, s_talker, s_side, s_ini, s_resp, s_kms,   s_t,
			 s_user, s_out, s_sig,    s_det,  s_ev,  s_grp,  s_reason };
	for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
		memset(strs[i], 'X', 8);
	memset(s_sip, 0xee, sizeof s_sip);
	memset(s_rtp, 0xee, sizeof s_rtp);
	memset(&s_call, 0xee, sizeof s_call);
	memset(&s_km, 0xee, sizeof s_km);
	memset(&s_gev, 0xee, sizeof s_gev);
}

static bool inside(const void *p, const void *buf, size_t n)
{
	return (const uint8_t *)p >= (const uint8_t *)buf &&
	       (const uint8_t *)p < (const uint8_t *)buf + n;
}

static bool same_call(const struct cap_call *c)
{
	return c->id == 42 && strcmp(c->call_id.s, "abc-123@192.0.2.10") == 0 &&
	       c->call_id.len == 18 && strcmp(c->from_uri.s, "sip:alice@example.org") == 0 &&
	       strcmp(c->to_uri.s, "sip:bob@example.org") == 0 && c->first_ns == 1000 &&
	       c->end_ns == 9000 && c->end == CAP_END_BYE && c->offer.imsg == NULL &&
	       c->offer.imsg_len == 0 && c->user == NULL && c->hnext == NULL && c->bprev == NULL &&
	       c->bnext == NULL && c->pend[1].imsg == NULL && c->pend[1].imsg_len == 0;
}

static bool same_km(const struct limf_keymgmt *k)
{
	return strcmp(k->side, "offer") == 0 &&
	       strcmp(k->initiator, "sip:alice@example.org") == 0 &&
	       strcmp(k->responder, "sip:bob@example.org") == 0 &&
	       strcmp(k->kms_uri, "kms.example.org") == 0 &&
	       strcmp(k->t, "2026-03-15T12:00:00Z") == 0 &&
	       strcmp(k->key_user, "sip:bob@example.org") == 0 && k->key_period == 7 &&
	       k->csb_id == 0x1234 && k->n_keys == 2 && k->has_t_offset &&
	       k->t_offset_s == -86400 && strcmp(k->outcome, "keys") == 0 &&
	       strcmp(k->sig, "valid") == 0 && strcmp(k->detail, "") == 0;
}

/* A copy in a buffer of exactly its size (malloc'd: ASan sees any octet past it). */
static struct limf_held *copy_of(const struct limf_held *in, size_t *n)
{
	size_t need = limf_held_copy(NULL, 0, in);
	void *buf = malloc(need);
	CHECK(buf != NULL);
	if (!buf)
		exit(1);
	CHECK(limf_held_copy(buf, need, in) == need);
	*n = need;
	return buf;
}

void t_held_copy(void)
{
	struct limf_held in, *h;
	size_t n;
	/* an IRI with everything */
	fill();
	memset(&in, 0, sizeof in);
	in.kind = LIMF_HELD_IRI;
	in.u.iri = (struct limf_iri){ .liid = s_liid,
				      .delivery = s_dlv,
				      .cin = 9,
				      .type = LIMF_IRI_CONTINUE,
				      .kind = LIMF_IRI_SIP,
				      .ts_ns = 123456789,
				      .call = &s_call,
				      .sip = s_sip,
				      .sip_len = sizeof s_sip,
				      .sport = 5060,
				      .dport = 5062,
				      .km = &s_km,
				      .end_reason = s_reason,
				      .grp = &s_gev };
	in.u.iri.src.family = 4;
	in.u.iri.src.a[0] = 192;
	h = copy_of(&in, &n);
	trash();
	CHECK(h->kind == LIMF_HELD_IRI);
	CHECK(strcmp(h->u.iri.liid, "LIID-1") == 0 && inside(h->u.iri.liid, h, n));
	CHECK(strcmp(h->u.iri.delivery, "lemf:court-1") == 0);
	CHECK(h->u.iri.cin == 9 && h->u.iri.type == LIMF_IRI_CONTINUE &&
	      h->u.iri.kind == LIMF_IRI_SIP && h->u.iri.ts_ns == 123456789);
	CHECK(h->u.iri.src.family == 4 && h->u.iri.src.a[0] == 192 && h->u.iri.sport == 5060 &&
	      h->u.iri.dport == 5062);
	CHECK(inside(h->u.iri.call, h, n) && same_call(h->u.iri.call));
	CHECK(h->u.iri.sip_len == 300 && inside(h->u.iri.sip, h, n));
	for (size_t i = 0; i < 300; i++)
		CHECK(h->u.iri.sip[i] == (uint8_t)(i * 7 + 1));
	CHECK(inside(h->u.iri.km, h, n) && same_km(h->u.iri.km));
	CHECK(strcmp(h->u.iri.end_reason, "timeout") == 0);
	CHECK(inside(h->u.iri.grp, h, n) && strcmp(h->u.iri.grp->event, "talker") == 0 &&
	      strcmp(h->u.iri.grp->group, "group-7") == 0 &&
	      strcmp(h->u.iri.grp->talker, "sip:talker@example.org") == 0 &&
	      h->u.iri.grp->gmk_id == 5 && h->u.iri.grp->guk_id == 6 &&
	      h->u.iri.grp->ssrc == 0xabcdef && h->u.iri.grp->detail == NULL &&
	      h->u.iri.grp->authenticated);
	free(h);

	/* an IRI with nothing optional: NULL stays NULL */
	fill();
	memset(&in, 0, sizeof in);
	in.kind = LIMF_HELD_IRI;
	in.u.iri.liid = s_liid;
	in.u.iri.kind = LIMF_IRI_CALLEND;
	h = copy_of(&in, &n);
	CHECK(h->u.iri.call == NULL && h->u.iri.sip == NULL && h->u.iri.km == NULL &&
	      h->u.iri.grp == NULL && h->u.iri.end_reason == NULL && h->u.iri.delivery == NULL);
	free(h);

	/* a CC: the call is not kept (held.h), the packet and the talker are */
	fill();
	memset(&in, 0, sizeof in);
	in.kind = LIMF_HELD_CC;
	in.u.cc = (struct limf_cc){ .liid = s_liid,
				    .delivery = s_dlv,
				    .cin = 3,
				    .ts_ns = 77,
				    .from_target = true,
				    .dir = 1,
				    .sport = 4000,
				    .dport = 4002,
				    .rtp = s_rtp,
				    .len = sizeof s_rtp,
				    .ssrc = 0x11223344,
				    .rtp_ts = 160,
				    .seq = 9,
				    .pt = 8,
				    .call = &s_call,
				    .talker = s_talker,
				    .guk_id = 12 };
	h = copy_of(&in, &n);
	trash();
	CHECK(h->kind == LIMF_HELD_CC && h->u.cc.call == NULL);
	CHECK(strcmp(h->u.cc.liid, "LIID-1") == 0 && strcmp(h->u.cc.delivery, "lemf:court-1") == 0);
	CHECK(strcmp(h->u.cc.talker, "sip:talker@example.org") == 0 && h->u.cc.guk_id == 12);
	CHECK(h->u.cc.cin == 3 && h->u.cc.ts_ns == 77 && h->u.cc.from_target && h->u.cc.dir == 1 &&
	      h->u.cc.ssrc == 0x11223344 && h->u.cc.rtp_ts == 160 && h->u.cc.seq == 9 &&
	      h->u.cc.pt == 8 && h->u.cc.sport == 4000 && h->u.cc.dport == 4002);
	CHECK(h->u.cc.len == sizeof s_rtp && inside(h->u.cc.rtp, h, n));
	for (size_t i = 0; i < sizeof s_rtp; i++)
		CHECK(h->u.cc.rtp[i] == (uint8_t)(i * 13 + 5));
	free(h);

	/* a call summary: its LIIDs and key-management facts; the unused slots NULL */
	fill();
	memset(&in, 0, sizeof in);
	in.kind = LIMF_HELD_DONE;
	in.u.done.cin = 5;
	in.u.done.call = &s_call;
	in.u.done.n_liids = 2;
	in.u.done.liids[0] = s_liid;
	in.u.done.liids[1] = s_dlv;
	in.u.done.liids[2] = s_talker; /* past n_liids: not read */
	in.u.done.cc = true;
	in.u.done.n_km = 1;
	in.u.done.km[0] = &s_km;
	in.u.done.n_streams = 1;
	in.u.done.streams[0].ssrc = 0x55;
	in.u.done.streams[0].decrypted = 1000;
	in.u.done.media_undecrypted = 4;
	{
		/* the streams whose slots went to later SSRCs: copied too (the call's memory is
		 * freed while the summary waits; ASan found the queue reading it) */
		static struct limf_call_stream old[3];
		old[2].ssrc = 0x77;
		old[2].decrypted = 9;
		in.u.done.old_streams = old;
		in.u.done.n_old_streams = 3;
		h = copy_of(&in, &n);
		old[2].ssrc = 0;
	}
	trash();
	CHECK(h->u.done.n_old_streams == 3 && inside(h->u.done.old_streams, h, n) &&
	      h->u.done.old_streams[2].ssrc == 0x77 && h->u.done.old_streams[2].decrypted == 9);
	CHECK(h->u.done.cin == 5 && inside(h->u.done.call, h, n) && same_call(h->u.done.call));
	CHECK(h->u.done.n_liids == 2 && strcmp(h->u.done.liids[0], "LIID-1") == 0 &&
	      strcmp(h->u.done.liids[1], "lemf:court-1") == 0 && h->u.done.liids[2] == NULL);
	CHECK(h->u.done.cc && h->u.done.n_km == 1 && inside(h->u.done.km[0], h, n) &&
	      same_km(h->u.done.km[0]) && h->u.done.km[1] == NULL);
	CHECK(h->u.done.n_streams == 1 && h->u.done.streams[0].ssrc == 0x55 &&
	      h->u.done.streams[0].decrypted == 1000 && h->u.done.media_undecrypted == 4);
	free(h);
}

void t_held_sizes(void)
{
	struct limf_held in;
	unsigned char *buf;
	size_t need, need_cc, cap;
	fill();
	memset(&in, 0, sizeof in);
	in.kind = LIMF_HELD_IRI;
	in.u.iri.liid = s_liid;
	in.u.iri.call = &s_call;
	in.u.iri.sip = s_sip;
	in.u.iri.sip_len = sizeof s_sip;
	need = limf_held_copy(NULL, 0, &in);
	CHECK(need >= sizeof(struct cap_call) + sizeof s_sip + strlen(s_liid) + 1);
	cap = need + 64;
	buf = malloc(cap);
	CHECK(buf != NULL);
	if (!buf)
		return;
	/* too small by one octet: the size needed, and nothing written */
	memset(buf, 0x5a, cap);
	CHECK(limf_held_copy(buf, need - 1, &in) == need);
	for (size_t i = 0; i < cap; i++)
		if (buf[i] != 0x5a) {
			CHECK(!"written when too small");
			break;
		}
	CHECK(limf_held_copy(buf, need, &in) == need);
	/* a CC takes far less than an IRI's room (it does not carry a summary's) */
	memset(&in, 0, sizeof in);
	in.kind = LIMF_HELD_CC;
	in.u.cc.liid = s_liid;
	in.u.cc.rtp = s_rtp;
	in.u.cc.len = sizeof s_rtp;
	need_cc = limf_held_copy(NULL, 0, &in);
	CHECK(need_cc < sizeof(struct limf_held) + sizeof s_rtp);
	CHECK(need_cc >= sizeof(struct limf_cc) + sizeof s_rtp);
	/* a call end: its CIN only */
	memset(&in, 0, sizeof in);
	in.kind = LIMF_HELD_CIN_END;
	in.u.cin = 77;
	need = limf_held_copy(NULL, 0, &in);
	CHECK(need < sizeof(struct limf_held));
	CHECK(limf_held_copy(buf, need, &in) == need && ((struct limf_held *)buf)->u.cin == 77);
	free(buf);
}

/* A sink that records what reached it. */
struct seen {
	int iri, cc, done, cin_end;
	uint32_t last_cin;
	char liid[32];
};
static void k_iri(void *ctx, const struct limf_iri *iri)
{
	struct seen *s = ctx;
	s->iri++;
	s->last_cin = iri->cin;
	snprintf(s->liid, sizeof s->liid, "%s", iri->liid);
}
static void k_cc(void *ctx, const struct limf_cc *cc)
{
	struct seen *s = ctx;
	s->cc++;
	s->last_cin = cc->cin;
}
static void k_done(void *ctx, const struct limf_call_summary *sum)
{
	struct seen *s = ctx;
	s->done++;
	s->last_cin = sum->cin;
}
static void k_cin_end(void *ctx, uint32_t cin)
{
	struct seen *s = ctx;
	s->cin_end++;
	s->last_cin = cin;
}

void t_held_emit(void)
{
	struct seen seen;
	struct limf_sink sink = { k_iri, k_cc, k_done, NULL, k_cin_end, &seen };
	struct limf_held in;
	unsigned char buf[8192] __attribute__((aligned(16)));
	memset(&seen, 0, sizeof seen);
	fill();
	memset(&in, 0, sizeof in);
	in.kind = LIMF_HELD_IRI;
	in.u.iri.liid = s_liid;
	in.u.iri.cin = 11;
	CHECK(limf_held_copy(buf, sizeof buf, &in) > 0);
	trash();
	limf_held_emit(&sink, (struct limf_held *)buf);
	CHECK(seen.iri == 1 && seen.last_cin == 11 && strcmp(seen.liid, "LIID-1") == 0);
	memset(&in, 0, sizeof in);
	in.kind = LIMF_HELD_CC;
	in.u.cc.liid = "L";
	in.u.cc.cin = 12;
	CHECK(limf_held_copy(buf, sizeof buf, &in) > 0);
	limf_held_emit(&sink, (struct limf_held *)buf);
	CHECK(seen.cc == 1 && seen.last_cin == 12);
	memset(&in, 0, sizeof in);
	in.kind = LIMF_HELD_DONE;
	in.u.done.cin = 13;
	CHECK(limf_held_copy(buf, sizeof buf, &in) > 0);
	limf_held_emit(&sink, (struct limf_held *)buf);
	CHECK(seen.done == 1 && seen.last_cin == 13);
	memset(&in, 0, sizeof in);
	in.kind = LIMF_HELD_CIN_END;
	in.u.cin = 14;
	CHECK(limf_held_copy(buf, sizeof buf, &in) > 0);
	limf_held_emit(&sink, (struct limf_held *)buf);
	CHECK(seen.cin_end == 1 && seen.last_cin == 14);
	/* a NULL callback: nothing */
	sink.cc = NULL;
	in.kind = LIMF_HELD_CC;
	in.u.cc.liid = "L";
	CHECK(limf_held_copy(buf, sizeof buf, &in) > 0);
	limf_held_emit(&sink, (struct limf_held *)buf);
	CHECK(seen.cc == 1 && seen.iri == 1 && seen.done == 1 && seen.cin_end == 1);
}
