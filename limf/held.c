/* A sink output held back: see held.h. */
#include "limf/held.h"

#include <stddef.h>
#include <string.h>

/* Where the copy goes: octets are taken from buf in order (measuring only when buf is NULL). */
struct cur {
	unsigned char *buf;
	size_t off;
};

static void *take(struct cur *c, size_t n, size_t align)
{
	size_t at = (c->off + align - 1) & ~(align - 1);
	c->off = at + n;
	return c->buf ? c->buf + at : NULL;
}

static const void *octets(struct cur *c, const void *p, size_t n)
{
	void *d;
	if (!p)
		return NULL;
	d = take(c, n ? n : 1, 1);
	if (d && n)
		memcpy(d, p, n);
	return d;
}

static const char *str(struct cur *c, const char *s)
{
	return s ? octets(c, s, strlen(s) + 1) : NULL;
}

static const struct cap_call *call(struct cur *c, const struct cap_call *in)
{
	struct cap_call *d;
	if (!in)
		return NULL;
	d = take(c, sizeof *d, _Alignof(struct cap_call));
	if (d) {
		*d = *in;
		/* not kept (held.h): the I_MESSAGE octets, the owner's and the table's pointers */
		d->offer.imsg = NULL;
		d->offer.imsg_len = 0;
		d->answer.imsg = NULL;
		d->answer.imsg_len = 0;
		for (int i = 0; i < 2; i++) { /* held re-INVITE offers: the same */
			d->pend[i].imsg = NULL;
			d->pend[i].imsg_len = 0;
		}
		d->user = NULL;
		d->hnext = d->lprev = d->lnext = d->bprev = d->bnext = NULL;
	}
	return d;
}

static const struct limf_keymgmt *keymgmt(struct cur *c, const struct limf_keymgmt *in)
{
	struct limf_keymgmt k, *d;
	if (!in)
		return NULL;
	d = take(c, sizeof *d, _Alignof(struct limf_keymgmt));
	k = *in;
	k.side = str(c, in->side);
	k.initiator = str(c, in->initiator);
	k.responder = str(c, in->responder);
	k.kms_uri = str(c, in->kms_uri);
	k.t = str(c, in->t);
	k.key_user = str(c, in->key_user);
	k.outcome = str(c, in->outcome);
	k.sig = str(c, in->sig);
	k.detail = str(c, in->detail);
	k.initiator_sip = str(c, in->initiator_sip);
	if (d)
		*d = k;
	return d;
}

static const struct limf_group_ev *group_ev(struct cur *c, const struct limf_group_ev *in)
{
	struct limf_group_ev g, *d;
	if (!in)
		return NULL;
	d = take(c, sizeof *d, _Alignof(struct limf_group_ev));
	g = *in;
	g.event = str(c, in->event);
	g.group = str(c, in->group);
	g.talker = str(c, in->talker);
	g.detail = str(c, in->detail);
	if (d)
		*d = g;
	return d;
}

/* The octets of a struct limf_held of this kind that are used (a CC, one a packet, does not
 * carry the room of a call summary). */
static size_t used(enum limf_held_kind k)
{
	size_t u = offsetof(struct limf_held, u);
	switch (k) {
	case LIMF_HELD_IRI: return u + sizeof(struct limf_iri);
	case LIMF_HELD_CC: return u + sizeof(struct limf_cc);
	case LIMF_HELD_DONE: return u + sizeof(struct limf_call_summary);
	case LIMF_HELD_CIN_END: return u + sizeof(uint32_t);
	}
	return sizeof(struct limf_held);
}

/* One pass: measures (c->buf NULL) or writes. */
static void copy(struct cur *c, const struct limf_held *in)
{
	size_t n = used(in->kind);
	void *d = take(c, n, _Alignof(struct limf_held));
	struct limf_held h;
	memcpy(&h, in, n);
	switch (in->kind) {
	case LIMF_HELD_IRI:
		h.u.iri.liid = str(c, in->u.iri.liid);
		h.u.iri.delivery = str(c, in->u.iri.delivery);
		h.u.iri.call = call(c, in->u.iri.call);
		h.u.iri.sip = octets(c, in->u.iri.sip, in->u.iri.sip_len);
		h.u.iri.km = keymgmt(c, in->u.iri.km);
		h.u.iri.end_reason = str(c, in->u.iri.end_reason);
		h.u.iri.grp = group_ev(c, in->u.iri.grp);
		break;
	case LIMF_HELD_CC:
		h.u.cc.liid = str(c, in->u.cc.liid);
		h.u.cc.delivery = str(c, in->u.cc.delivery);
		h.u.cc.rtp = octets(c, in->u.cc.rtp, in->u.cc.len);
		h.u.cc.call = NULL; /* held.h */
		h.u.cc.talker = str(c, in->u.cc.talker);
		break;
	case LIMF_HELD_DONE:
		h.u.done.call = call(c, in->u.done.call);
		for (size_t i = 0; i < LIMF_CALL_MAX_LIIDS; i++)
			h.u.done.liids[i] =
				i < in->u.done.n_liids ? str(c, in->u.done.liids[i]) : NULL;
		for (size_t i = 0; i < LIMF_CALL_MAX_IMSG; i++)
			h.u.done.km[i] = i < in->u.done.n_km ? keymgmt(c, in->u.done.km[i]) : NULL;
		/* (the streams whose slots went to later SSRCs: the call's memory, freed with
		 * it, while the summary waits in a queue) */
		if (in->u.done.n_old_streams && in->u.done.old_streams) {
			size_t m = in->u.done.n_old_streams * sizeof *in->u.done.old_streams;
			struct limf_call_stream *os = take(c, m, _Alignof(struct limf_call_stream));
			if (os)
				memcpy(os, in->u.done.old_streams, m);
			h.u.done.old_streams = os;
		} else {
			h.u.done.old_streams = NULL;
			h.u.done.n_old_streams = 0;
		}
		break;
	case LIMF_HELD_CIN_END: break;
	}
	if (d)
		memcpy(d, &h, n);
}

/* see held.h */
size_t limf_held_copy(void *buf, size_t cap, const struct limf_held *in)
{
	struct cur c = { NULL, 0 };
	copy(&c, in);
	if (!buf || c.off > cap)
		return c.off;
	c.buf = buf;
	c.off = 0;
	copy(&c, in);
	return c.off;
}

/* see held.h */
void limf_held_emit(const struct limf_sink *sink, const struct limf_held *h)
{
	switch (h->kind) {
	case LIMF_HELD_IRI:
		if (sink->iri)
			sink->iri(sink->ctx, &h->u.iri);
		break;
	case LIMF_HELD_CC:
		if (sink->cc)
			sink->cc(sink->ctx, &h->u.cc);
		break;
	case LIMF_HELD_DONE:
		if (sink->call_done)
			sink->call_done(sink->ctx, &h->u.done);
		break;
	case LIMF_HELD_CIN_END:
		if (sink->cin_end)
			sink->cin_end(sink->ctx, h->u.cin);
		break;
	}
}
