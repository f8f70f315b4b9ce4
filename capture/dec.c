/* Decoder context: cap_decode + cap_defrag + counters (see capture.h). */
#include <string.h>

#include "capture/capture.h"
#include "capture/internal.h"

/* see capture.h */
enum lim_err cap_dec_init(struct cap_dec *dec, const struct cap_defrag_limits *l)
{
	memset(dec, 0, sizeof *dec);
	return cap_defrag_new(l, &dec->defrag);
}

/* see capture.h */
void cap_dec_clear(struct cap_dec *dec)
{
	cap_defrag_free(dec->defrag);
	memset(dec, 0, sizeof *dec);
}

/* see internal.h */
enum cap_drop cap_dec_frame_st(struct cap_defrag *df, struct cap_stats *st,
			       const struct cap_frame *f, struct cap_pkt *out)
{
	struct cap_pkt frag;
	enum cap_drop d;

	st->frames++;
	st->bytes += f->caplen;
	st->drop[CAP_DROP_FRAG_TIMEOUT] += cap_defrag_expire(df, f->ts_ns);
	d = cap_decode(f->linktype, f->data, f->caplen, out);
	if (out->ip_ver == 4)
		st->ipv4++;
	else if (out->ip_ver == 6)
		st->ipv6++;
	if (d == CAP_PENDING) {
		uint64_t ev = cap_defrag_evicted(df);
		frag = *out;
		d = cap_defrag_add(df, &frag, f->ts_ns, out);
		st->frag_evicted += cap_defrag_evicted(df) - ev;
		if (d == CAP_PENDING) {
			st->fragments++;
			return d;
		}
		if (d != CAP_OK)
			goto drop;
		st->fragments++;
		st->reassembled++;
		d = cap_decode_l4(out);
	}
	if (d != CAP_OK)
		goto drop;
	if (out->proto == CAP_PROTO_UDP)
		st->udp++;
	else
		st->tcp++;
	return CAP_OK;
drop:
	if ((unsigned)d < CAP_DROP__COUNT)
		st->drop[d]++;
	return d;
}

/* see capture.h */
enum cap_drop cap_dec_frame(struct cap_dec *dec, const struct cap_frame *f, struct cap_pkt *out)
{
	return cap_dec_frame_st(dec->defrag, &dec->st, f, out);
}
