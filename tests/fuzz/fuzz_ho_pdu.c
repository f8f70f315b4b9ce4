/* libFuzzer target: the ETSI PS-PDU decoder (handover/handover.h ho_decode_pdu, ho_pdu_length)
 * and the BER walker under it. Whatever decodes must re-encode with the encoders and decode
 * again to the same header fields and payload; ho_pdu_length must agree with the decoder.
 * And BER to DER (handover/ber.h ho_ber_to_der, what the link reads from an authority): what
 * converts is DER (ho_ber_walk), its own DER form, and takes no more than the input.
 * Deterministic, no I/O. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "handover/ber.h"
#include "handover/handover.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same_hdr(const struct ho_psheader *a, const struct ho_psheader *b)
{
	return a->version == b->version && !strcmp(a->liid, b->liid) &&
	       !strcmp(a->auth_cc, b->auth_cc) && !strcmp(a->op_id, b->op_id) &&
	       !strcmp(a->ne_id, b->ne_id) && a->cin == b->cin &&
	       !strcmp(a->deliv_cc, b->deliv_cc) && a->seqno == b->seqno &&
	       a->ts_sec == b->ts_sec && a->ts_usec == b->ts_usec && a->tsq == b->tsq;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[HO_PDU_MAX + 64];
	static const struct ho_ber_limits lim = { HO_PDU_DEPTH, HO_PDU_MAX };
	struct ho_pdu p, q;
	size_t len = 0, fl = 0;
	enum lim_err err, walk;

	{
		static uint8_t der[HO_PDU_MAX + 64], der2[HO_PDU_MAX + 64];
		size_t used = 0, dl = 0, u2 = 0, d2 = 0;
		if (ho_ber_to_der(data, size, &lim, der, sizeof der, &used, &dl) == LIM_OK) {
			if (used > size || ho_ber_walk(der, dl, &lim, NULL, NULL) != LIM_OK)
				abort();
			if (ho_ber_to_der(der, dl, &lim, der2, sizeof der2, &u2, &d2) != LIM_OK ||
			    u2 != dl || d2 != dl || memcmp(der, der2, dl) != 0)
				abort();
		} else if (used || dl) {
			abort();
		}
	}

	walk = ho_ber_walk(data, size, &lim, NULL, NULL);
	err = ho_decode_pdu(data, size, &p);
	if (walk != LIM_OK && err == LIM_OK)
		abort(); /* the decoder validates the whole structure */
	if (err != LIM_OK) {
		if (p.kind != 0)
			abort(); /* *out zeroed on failure */
		return 0;
	}
	if (ho_pdu_length(data, size, &fl) != LIM_OK || fl != size)
		abort();
	switch (p.kind) {
	case HO_PAYLOAD_IRI_SIP:
		err = ho_encode_iri_sip(&p.hdr, &p.iri, out, sizeof out, &len);
		break;
	case HO_PAYLOAD_CC_RTP: err = ho_encode_cc_rtp(&p.hdr, &p.cc, out, sizeof out, &len); break;
	case HO_PAYLOAD_IRI_KEYMGMT:
		err = ho_encode_iri_keymgmt(&p.hdr, &p.km, out, sizeof out, &len);
		break;
	case HO_PAYLOAD_IRI_CALLEND:
		err = ho_encode_iri_callend(&p.hdr, &p.ce, out, sizeof out, &len);
		break;
	case HO_PAYLOAD_IRI_GROUP:
		err = ho_encode_iri_group(&p.hdr, &p.ge, out, sizeof out, &len);
		break;
	case HO_PAYLOAD_KEEPALIVE: err = ho_encode_keepalive(&p.hdr, out, sizeof out, &len); break;
	case HO_PAYLOAD_KEEPALIVE_RESPONSE:
		err = ho_encode_keepalive_response(&p.hdr, out, sizeof out, &len);
		break;
	default: abort();
	}
	if (err != LIM_OK || len > size + 64)
		abort();
	if (ho_decode_pdu(out, len, &q) != LIM_OK || q.kind != p.kind || !same_hdr(&p.hdr, &q.hdr))
		abort();
	if (p.kind == HO_PAYLOAD_IRI_SIP &&
	    (q.iri.type != p.iri.type || q.iri.sip_len != p.iri.sip_len ||
	     (p.iri.sip_len && memcmp(q.iri.sip, p.iri.sip, p.iri.sip_len) != 0) ||
	     q.iri.src.family != p.iri.src.family || q.iri.dst.family != p.iri.dst.family ||
	     memcmp(q.iri.src.addr, p.iri.src.addr, p.iri.src.family == 4 ? 4 : 16) != 0 ||
	     memcmp(q.iri.dst.addr, p.iri.dst.addr, p.iri.dst.family == 4 ? 4 : 16) != 0))
		abort();
	if (p.kind == HO_PAYLOAD_IRI_KEYMGMT &&
	    (q.km.type != p.km.type || strcmp(q.km.side, p.km.side) != 0 ||
	     strcmp(q.km.initiator, p.km.initiator) != 0 ||
	     strcmp(q.km.responder, p.km.responder) != 0 ||
	     strcmp(q.km.kms_uri, p.km.kms_uri) != 0 || strcmp(q.km.t, p.km.t) != 0 ||
	     strcmp(q.km.outcome, p.km.outcome) != 0 || strcmp(q.km.sig, p.km.sig) != 0 ||
	     strcmp(q.km.detail, p.km.detail) != 0 || q.km.key_period != p.km.key_period ||
	     q.km.csb_id != p.km.csb_id || q.km.n_keys != p.km.n_keys))
		abort();
	if (p.kind == HO_PAYLOAD_IRI_CALLEND &&
	    (q.ce.type != p.ce.type || strcmp(q.ce.reason, p.ce.reason) != 0))
		abort();
	if (p.kind == HO_PAYLOAD_IRI_GROUP &&
	    (q.ge.type != p.ge.type || strcmp(q.ge.event, p.ge.event) != 0 ||
	     strcmp(q.ge.group, p.ge.group) != 0 || strcmp(q.ge.talker, p.ge.talker) != 0 ||
	     strcmp(q.ge.detail, p.ge.detail) != 0 || q.ge.gmk_id != p.ge.gmk_id ||
	     q.ge.guk_id != p.ge.guk_id || q.ge.ssrc != p.ge.ssrc ||
	     q.ge.authenticated != p.ge.authenticated))
		abort();
	if (p.kind == HO_PAYLOAD_CC_RTP &&
	    (q.cc.dir != p.cc.dir || q.cc.rtp_len != p.cc.rtp_len ||
	     (p.cc.rtp_len && memcmp(q.cc.rtp, p.cc.rtp, p.cc.rtp_len) != 0) ||
	     q.cc.stream_id_len != p.cc.stream_id_len ||
	     (p.cc.stream_id_len &&
	      memcmp(q.cc.stream_id, p.cc.stream_id, p.cc.stream_id_len) != 0)))
		abort();
	return 0;
}
