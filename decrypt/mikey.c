/* MIKEY message codec: see decrypt/mikey.h. */
#include "decrypt/mikey.h"

#include <string.h>

#include "common/rd.h"
#include "common/wr.h"

/* ---- parsing ------------------------------------------------------------------------------ */

struct pctx {
	const uint8_t *base;
	enum lim_err err;
	const char *detail;
	size_t off;
	uint8_t pt;
};

/* Records the first failure at the position of reader r (which a failed read left unconsumed). */
static bool fail_at(struct pctx *c, const struct lim_rd *r, enum lim_err e, const char *msg)
{
	c->err = e;
	c->detail = msg;
	c->off = (size_t)(r->p - c->base);
	return false;
}

/* Every getter below consumes nothing on failure, so r->p is the failing field's offset. */
#define GET8(c, r, v, msg)   (lim_rd_u8((r), (v)) || fail_at((c), (r), LIM_E_TRUNC, (msg)))
#define GET16(c, r, v, msg)  (lim_rd_u16be((r), (v)) || fail_at((c), (r), LIM_E_TRUNC, (msg)))
#define GET32(c, r, v, msg)  (lim_rd_u32be((r), (v)) || fail_at((c), (r), LIM_E_TRUNC, (msg)))
#define GET64(c, r, v, msg)  (lim_rd_u64be((r), (v)) || fail_at((c), (r), LIM_E_TRUNC, (msg)))
#define SUB(c, r, n, s, msg) (lim_rd_sub((r), (n), (s)) || fail_at((c), (r), LIM_E_TRUNC, (msg)))

/* A view pointer that is NULL for an empty field (so no pointer into a buffer's end leaks). */
static const uint8_t *view(const struct lim_rd *s)
{
	return s->len ? s->p : NULL;
}

static bool parse_map(struct pctx *c, struct lim_rd *r, struct mikey_msg *m)
{
	switch (m->map_type) {
	case MIKEY_MAP_SRTP_ID: /* RFC 3830 s6.1.1 */
		if (m->n_cs > MIKEY_MAX_CS)
			return fail_at(c, r, LIM_E_LIMIT, "#CS exceeds the CS map cap");
		for (uint8_t i = 0; i < m->n_cs; i++) {
			struct mikey_cs *cs = &m->cs[i];
			if (!GET8(c, r, &cs->policy_no, "SRTP-ID map entry truncated") ||
			    !GET32(c, r, &cs->ssrc, "SRTP-ID map entry truncated") ||
			    !GET32(c, r, &cs->roc, "SRTP-ID map entry truncated"))
				return false;
		}
		m->n_map = m->n_cs;
		return true;
	case MIKEY_MAP_EMPTY: /* RFC 4738, TS 33.180: no map info whatever #CS says */
		m->n_map = 0;
		return true;
	case MIKEY_MAP_GENERIC_ID: /* RFC 6043 s6.1.2 */
		if (m->n_cs > MIKEY_MAX_CS)
			return fail_at(c, r, LIM_E_LIMIT, "#CS exceeds the CS map cap");
		for (uint8_t i = 0; i < m->n_cs; i++) {
			struct mikey_cs *cs = &m->cs[i];
			struct lim_rd s;
			uint8_t sp;
			if (!GET8(c, r, &cs->cs_id, "GENERIC-ID map entry truncated") ||
			    !GET8(c, r, &cs->prot_type, "GENERIC-ID map entry truncated") ||
			    !GET8(c, r, &sp, "GENERIC-ID map entry truncated"))
				return false;
			cs->s_flag = (sp & 0x80) != 0;
			cs->n_ps = (uint8_t)(sp & 0x7f);
			if (!SUB(c, r, cs->n_ps, &s, "GENERIC-ID policy list exceeds message"))
				return false;
			cs->ps = view(&s);
			if (!GET16(c, r, &cs->sess_len,
				   "GENERIC-ID session data length truncated") ||
			    !SUB(c, r, cs->sess_len, &s, "GENERIC-ID session data exceeds message"))
				return false;
			cs->sess = view(&s);
			if (!GET8(c, r, &cs->spi_len, "GENERIC-ID SPI length truncated") ||
			    !SUB(c, r, cs->spi_len, &s, "GENERIC-ID SPI exceeds message"))
				return false;
			cs->spi = view(&s);
		}
		m->n_map = m->n_cs;
		return true;
	default: return fail_at(c, r, LIM_E_PARSE, "unknown CS ID map type");
	}
}

static bool parse_hdr(struct pctx *c, struct lim_rd *r, struct mikey_msg *m, uint8_t *next)
{
	uint8_t vprf;
	c->pt = MIKEY_PT_HDR;
	if (!GET8(c, r, &m->version, "common header truncated"))
		return false;
	if (m->version != MIKEY_VERSION) {
		r->p--, r->len++; /* point at the version octet */
		return fail_at(c, r, LIM_E_UNSUPP, "MIKEY version is not 1");
	}
	if (!GET8(c, r, &m->data_type, "common header truncated") ||
	    !GET8(c, r, next, "common header truncated") ||
	    !GET8(c, r, &vprf, "common header truncated"))
		return false;
	m->v_flag = (uint8_t)(vprf >> 7);
	m->prf = (uint8_t)(vprf & 0x7f);
	if (m->prf != MIKEY_PRF_MIKEY1 && m->prf != MIKEY_PRF_HMAC_SHA256) {
		r->p--, r->len++;
		return fail_at(c, r, LIM_E_UNSUPP, "PRF not supported (only 0 and 1)");
	}
	if (!GET32(c, r, &m->csb_id, "common header truncated") ||
	    !GET8(c, r, &m->n_cs, "common header truncated") ||
	    !GET8(c, r, &m->map_type, "common header truncated"))
		return false;
	return parse_map(c, r, m);
}

static bool parse_sp(struct pctx *c, struct lim_rd *r, struct mikey_sp *sp)
{
	uint16_t plen;
	struct lim_rd s;
	if (!GET8(c, r, &sp->policy_no, "SP payload truncated") ||
	    !GET8(c, r, &sp->prot_type, "SP payload truncated") ||
	    !GET16(c, r, &plen, "SP payload truncated") ||
	    !SUB(c, r, plen, &s, "SP parameter length exceeds message"))
		return false;
	while (!lim_rd_empty(&s)) { /* RFC 3830 s6.10: type(8) length(8) value */
		struct mikey_sp_param *pp;
		struct lim_rd v;
		if (sp->n_params == MIKEY_MAX_SP_PARAMS)
			return fail_at(c, &s, LIM_E_LIMIT, "too many SP parameters");
		pp = &sp->params[sp->n_params];
		if (!GET8(c, &s, &pp->type, "SP parameter truncated") ||
		    !GET8(c, &s, &pp->len, "SP parameter truncated") ||
		    !SUB(c, &s, pp->len, &v, "SP parameter value exceeds SP payload"))
			return false;
		pp->val = view(&v);
		sp->n_params++;
	}
	return true;
}

/* Decodes the payload of type pt at r into m; sets *next (0 after SIGN). */
/* A payload of next(8) | type(8) | length(16) | data (general extension, CERT) into *x;
 * cut: the text for one truncated, over: for a length past the message. */
static bool tlv_payload(struct pctx *c, struct lim_rd *r, uint8_t *next, struct mikey_ext *x,
			const char *cut, const char *over)
{
	struct lim_rd s;
	if (!GET8(c, r, next, cut) || !GET8(c, r, &x->type, cut) || !GET16(c, r, &x->len, cut) ||
	    !SUB(c, r, x->len, &s, over))
		return false;
	x->data = view(&s);
	return true;
}

static bool parse_payload(struct pctx *c, struct lim_rd *r, struct mikey_msg *m, uint8_t pt,
			  uint8_t *next)
{
	struct lim_rd s;
	uint16_t len16;
	switch (pt) {
	case MIKEY_PT_T: { /* RFC 3830 s6.6 */
		if (m->has_t)
			return fail_at(c, r, LIM_E_PARSE, "duplicate T payload");
		if (!GET8(c, r, next, "T payload truncated") ||
		    !GET8(c, r, &m->ts_type, "T payload truncated"))
			return false;
		if (m->ts_type == MIKEY_TS_NTP_UTC || m->ts_type == MIKEY_TS_NTP) {
			if (!GET64(c, r, &m->ts, "T payload truncated"))
				return false;
		} else if (m->ts_type == MIKEY_TS_COUNTER) {
			uint32_t v;
			if (!GET32(c, r, &v, "T payload truncated"))
				return false;
			m->ts = v;
		} else {
			return fail_at(c, r, LIM_E_PARSE, "unknown timestamp type");
		}
		m->has_t = true;
		return true;
	}
	case MIKEY_PT_RAND: /* RFC 3830 s6.11 */
		if (m->has_rand)
			return fail_at(c, r, LIM_E_PARSE, "duplicate RAND payload");
		if (!GET8(c, r, next, "RAND payload truncated") ||
		    !GET8(c, r, &m->rand_len, "RAND payload truncated"))
			return false;
		if (m->rand_len == 0)
			return fail_at(c, r, LIM_E_PARSE, "RAND payload is empty");
		if (!SUB(c, r, m->rand_len, &s, "RAND length exceeds message"))
			return false;
		m->rand = s.p;
		m->has_rand = true;
		return true;
	case MIKEY_PT_ID:    /* RFC 3830 s6.7 */
	case MIKEY_PT_IDR: { /* RFC 6043 s6.6 */
		struct mikey_idr *id;
		if (m->n_idr == MIKEY_MAX_IDR)
			return fail_at(c, r, LIM_E_LIMIT, "too many ID/IDR payloads");
		id = &m->idr[m->n_idr];
		if (!GET8(c, r, next, "ID/IDR payload truncated"))
			return false;
		if (pt == MIKEY_PT_IDR) {
			if (!GET8(c, r, &id->role, "IDR payload truncated"))
				return false;
			if (id->role < MIKEY_ROLE_IDRI || id->role > MIKEY_ROLE_IDRUIDR) {
				r->p--, r->len++;
				return fail_at(c, r, LIM_E_PARSE, "unknown ID role");
			}
		}
		if (!GET8(c, r, &id->type, "ID/IDR payload truncated"))
			return false;
		if (id->type > MIKEY_IDT_BYTES) {
			r->p--, r->len++;
			return fail_at(c, r, LIM_E_UNSUPP, "unknown ID type");
		}
		if (!GET16(c, r, &id->len, "ID/IDR payload truncated") ||
		    !SUB(c, r, id->len, &s, "ID/IDR length exceeds message"))
			return false;
		id->data = view(&s);
		m->n_idr++;
		return true;
	}
	case MIKEY_PT_SP:
		if (m->n_sp == MIKEY_MAX_SP)
			return fail_at(c, r, LIM_E_LIMIT, "too many SP payloads");
		if (!GET8(c, r, next, "SP payload truncated") || !parse_sp(c, r, &m->sp[m->n_sp]))
			return false;
		m->n_sp++;
		return true;
	case MIKEY_PT_SAKKE: /* RFC 6509 s4.2 */
		if (m->has_sakke)
			return fail_at(c, r, LIM_E_PARSE, "duplicate SAKKE payload");
		if (!GET8(c, r, next, "SAKKE payload truncated") ||
		    !GET8(c, r, &m->sakke_params, "SAKKE payload truncated") ||
		    !GET8(c, r, &m->sakke_id_scheme, "SAKKE payload truncated") ||
		    !GET16(c, r, &m->sed_len, "SAKKE payload truncated") ||
		    !SUB(c, r, m->sed_len, &s, "SAKKE data length exceeds message"))
			return false;
		m->sed = view(&s);
		m->has_sakke = true;
		return true;
	case MIKEY_PT_GENEXT: /* RFC 3830 s6.15 */
		if (m->n_ext == MIKEY_MAX_EXT)
			return fail_at(c, r, LIM_E_LIMIT, "too many general extension payloads");
		if (!tlv_payload(c, r, next, &m->ext[m->n_ext],
				 "general extension payload truncated",
				 "general extension length exceeds message"))
			return false;
		m->n_ext++;
		return true;
	case MIKEY_PT_CERT: /* RFC 3830 s6.7: next(8) | cert type(8) | length(16) | data */
		if (m->n_cert == MIKEY_MAX_CERT)
			return fail_at(c, r, LIM_E_LIMIT, "too many CERT payloads");
		if (!tlv_payload(c, r, next, &m->cert[m->n_cert], "CERT payload truncated",
				 "CERT length exceeds message"))
			return false;
		m->n_cert++;
		return true;
	case MIKEY_PT_SIGN: /* RFC 3830 s6.5: S type(4) | length(12), no next payload */
		if (!GET16(c, r, &len16, "SIGN payload truncated"))
			return false;
		m->sign_type = (uint8_t)(len16 >> 12);
		m->sig_len = (uint16_t)(len16 & 0x0fff);
		if (m->sig_len > r->len)
			return fail_at(c, r, LIM_E_TRUNC, "signature length exceeds message");
		if (m->sig_len != r->len)
			return fail_at(
				c, r, LIM_E_PARSE,
				"SIGN is not the last payload (octets follow the signature)");
		if (!SUB(c, r, m->sig_len, &s, "signature length exceeds message"))
			return false;
		m->sig = view(&s);
		m->has_sign = true;
		*next = MIKEY_PT_LAST;
		return true;
	case MIKEY_PT_KEMAC:
	case MIKEY_PT_PKE:
	case MIKEY_PT_DH:
	case MIKEY_PT_CHASH:
	case MIKEY_PT_V:
	case MIKEY_PT_ERR:
		return fail_at(c, r, LIM_E_UNSUPP, "payload type not supported (not MIKEY-SAKKE)");
	default: return fail_at(c, r, LIM_E_PARSE, "unknown payload type");
	}
}

/* see mikey.h */
enum lim_err mikey_parse(const uint8_t *buf, size_t len, struct mikey_msg *out)
{
	struct pctx c = { buf, LIM_OK, "ok", 0, MIKEY_PT_HDR };
	struct lim_rd r;
	uint8_t next = 0;

	if (!out)
		return LIM_E_ARG;
	memset(out, 0, sizeof *out);
	if (!buf && len) {
		out->err_detail = "no buffer";
		return LIM_E_ARG;
	}
	if (!buf) /* empty input: a valid base for offsets */
		buf = c.base = (const uint8_t *)"";
	r = lim_rd_make(buf, len);
	out->raw = buf;
	out->raw_len = len;

	if (!parse_hdr(&c, &r, out, &next))
		goto out;
	out->hdr_len = len - r.len;
	while (next != MIKEY_PT_LAST) {
		size_t start = len - r.len;
		uint8_t pt = next;
		c.pt = pt;
		if (out->n_pl == MIKEY_MAX_PAYLOADS) {
			fail_at(&c, &r, LIM_E_LIMIT, "too many payloads");
			goto out;
		}
		if (!parse_payload(&c, &r, out, pt, &next))
			goto out;
		out->pl[out->n_pl].type = pt;
		out->pl[out->n_pl].offset = start;
		out->pl[out->n_pl].len = (len - r.len) - start;
		out->n_pl++;
		if (pt == MIKEY_PT_SIGN)
			out->sign_offset = start;
	}
	if (!lim_rd_empty(&r)) {
		fail_at(&c, &r, LIM_E_PARSE, "trailing octets after the last payload");
		goto out;
	}
out:
	if (c.err != LIM_OK) {
		memset(out, 0, sizeof *out);
		out->err_pt = c.pt;
		out->err_offset = c.off;
	}
	out->err_detail = c.detail;
	return c.err;
}

/* see mikey.h */
enum lim_err mikey_signed_part(const struct mikey_msg *m, enum mikey_sign_cover c,
			       const uint8_t **p, size_t *len)
{
	*p = NULL;
	*len = 0;
	if (!m->raw || !m->has_sign || m->sign_offset > m->raw_len ||
	    m->raw_len - m->sign_offset < 2)
		return LIM_E_STATE;
	if (c == MIKEY_SIGN_COVER_HDR)
		*len = m->sign_offset + 2;
	else if (c == MIKEY_SIGN_COVER_NOHDR)
		*len = m->sign_offset;
	else
		return LIM_E_ARG;
	*p = m->raw;
	return LIM_OK;
}

/* ---- identities --------------------------------------------------------------------------- */

/* see mikey.h */
const struct mikey_idr *mikey_find_idr(const struct mikey_msg *m, uint8_t role)
{
	for (size_t i = 0; i < m->n_idr && i < MIKEY_MAX_IDR; i++)
		if (m->idr[i].role == role)
			return &m->idr[i];
	return NULL;
}

static const struct mikey_idr *find2(const struct mikey_msg *m, uint8_t a, uint8_t b)
{
	const struct mikey_idr *id = mikey_find_idr(m, a);
	return id ? id : mikey_find_idr(m, b);
}

/* see mikey.h */
const struct mikey_idr *mikey_initiator(const struct mikey_msg *m)
{
	return find2(m, MIKEY_ROLE_IDRUIDI, MIKEY_ROLE_IDRI);
}

/* see mikey.h */
const struct mikey_idr *mikey_responder(const struct mikey_msg *m)
{
	return find2(m, MIKEY_ROLE_IDRUIDR, MIKEY_ROLE_IDRR);
}

/* see mikey.h */
const struct mikey_idr *mikey_kms_initiator(const struct mikey_msg *m)
{
	return find2(m, MIKEY_ROLE_IDRKMSI, MIKEY_ROLE_IDRKMS);
}

/* see mikey.h */
const struct mikey_idr *mikey_kms_responder(const struct mikey_msg *m)
{
	return find2(m, MIKEY_ROLE_IDRKMSR, MIKEY_ROLE_IDRKMS);
}

/* see mikey.h */
size_t mikey_id_textlen(const struct mikey_idr *id)
{
	size_t n = id->data ? id->len : 0;
	while (n > 0 && id->data[n - 1] == 0)
		n--;
	return n;
}

/* see mikey.h */
enum lim_err mikey_check_sakke_imessage(const struct mikey_msg *m, const char **why)
{
	const char *w = NULL;
	if (m->data_type != MIKEY_DT_SAKKE)
		w = "data type is not 26 (SAKKE)";
	else if (!m->has_t)
		w = "no T payload";
	else if (!m->has_rand)
		w = "no RAND payload";
	else if (!m->has_sakke)
		w = "no SAKKE payload";
	else if (!m->has_sign)
		w = "no SIGN payload";
	else if (m->sign_type != MIKEY_SIGN_ECCSI)
		w = "SIGN type is not ECCSI (2)";
	if (why)
		*why = w ? w : "ok";
	return w ? LIM_E_PARSE : LIM_OK;
}

/* ---- building ----------------------------------------------------------------------------- */

static bool bytes_ok(const void *p, size_t n)
{
	return n == 0 || p != NULL;
}

static enum lim_err check_msg(const struct mikey_msg *m)
{
	if (m->version != MIKEY_VERSION || m->v_flag > 1 || m->prf > 0x7f)
		return LIM_E_ARG;
	switch (m->map_type) {
	case MIKEY_MAP_SRTP_ID:
	case MIKEY_MAP_GENERIC_ID:
		if (m->n_map != m->n_cs || m->n_map > MIKEY_MAX_CS)
			return LIM_E_ARG;
		break;
	case MIKEY_MAP_EMPTY:
		if (m->n_map != 0)
			return LIM_E_ARG;
		break;
	default: return LIM_E_ARG;
	}
	if (m->map_type == MIKEY_MAP_GENERIC_ID)
		for (size_t i = 0; i < m->n_map; i++) {
			const struct mikey_cs *cs = &m->cs[i];
			if (cs->n_ps > 0x7f || !bytes_ok(cs->ps, cs->n_ps) ||
			    !bytes_ok(cs->sess, cs->sess_len) || !bytes_ok(cs->spi, cs->spi_len))
				return LIM_E_ARG;
		}
	if (m->has_t && (m->ts_type > MIKEY_TS_COUNTER ||
			 (m->ts_type == MIKEY_TS_COUNTER && m->ts > 0xffffffffu)))
		return LIM_E_ARG;
	if (m->has_rand && (m->rand_len == 0 || !m->rand))
		return LIM_E_ARG;
	if (m->n_idr > MIKEY_MAX_IDR || m->n_sp > MIKEY_MAX_SP || m->n_ext > MIKEY_MAX_EXT ||
	    m->n_cert > MIKEY_MAX_CERT || m->n_pl > MIKEY_MAX_PAYLOADS)
		return LIM_E_ARG;
	for (size_t i = 0; i < m->n_cert; i++)
		if (!bytes_ok(m->cert[i].data, m->cert[i].len))
			return LIM_E_ARG;
	for (size_t i = 0; i < m->n_idr; i++) {
		const struct mikey_idr *id = &m->idr[i];
		if (id->role > MIKEY_ROLE_IDRUIDR || id->type > MIKEY_IDT_BYTES ||
		    !bytes_ok(id->data, id->len))
			return LIM_E_ARG;
	}
	for (size_t i = 0; i < m->n_sp; i++) {
		if (m->sp[i].n_params > MIKEY_MAX_SP_PARAMS)
			return LIM_E_ARG;
		for (size_t k = 0; k < m->sp[i].n_params; k++)
			if (!bytes_ok(m->sp[i].params[k].val, m->sp[i].params[k].len))
				return LIM_E_ARG;
	}
	if (m->has_sakke && !bytes_ok(m->sed, m->sed_len))
		return LIM_E_ARG;
	for (size_t i = 0; i < m->n_ext; i++)
		if (!bytes_ok(m->ext[i].data, m->ext[i].len))
			return LIM_E_ARG;
	if (m->has_sign && (m->sig_len > 0x0fff || m->sign_type > 0x0f))
		return LIM_E_ARG;
	return LIM_OK;
}

/* Fills seq[] with the payload type sequence; checks pl[] against the struct. */
static enum lim_err payload_seq(const struct mikey_msg *m, uint8_t *seq, size_t *n)
{
	size_t k = 0;
	if (m->n_pl == 0) {
		size_t total = (m->has_t ? 1u : 0u) + (m->has_rand ? 1u : 0u) + m->n_idr +
			       m->n_cert + m->n_sp + (m->has_sakke ? 1u : 0u) + m->n_ext +
			       (m->has_sign ? 1u : 0u);
		if (total > MIKEY_MAX_PAYLOADS)
			return LIM_E_ARG;
		if (m->has_t)
			seq[k++] = MIKEY_PT_T;
		if (m->has_rand)
			seq[k++] = MIKEY_PT_RAND;
		for (size_t i = 0; i < m->n_idr; i++)
			seq[k++] = m->idr[i].role ? MIKEY_PT_IDR : MIKEY_PT_ID;
		for (size_t i = 0; i < m->n_cert; i++)
			seq[k++] = MIKEY_PT_CERT;
		for (size_t i = 0; i < m->n_sp; i++)
			seq[k++] = MIKEY_PT_SP;
		if (m->has_sakke)
			seq[k++] = MIKEY_PT_SAKKE;
		for (size_t i = 0; i < m->n_ext; i++)
			seq[k++] = MIKEY_PT_GENEXT;
		if (m->has_sign)
			seq[k++] = MIKEY_PT_SIGN;
		*n = k;
		return LIM_OK;
	}
	size_t nt = 0, nr = 0, ni = 0, nc = 0, ns = 0, nk = 0, ne = 0, ng = 0;
	for (k = 0; k < m->n_pl; k++) {
		uint8_t t = m->pl[k].type;
		switch (t) {
		case MIKEY_PT_T: nt++; break;
		case MIKEY_PT_RAND: nr++; break;
		case MIKEY_PT_ID:
		case MIKEY_PT_IDR:
			/* the k-th ID/IDR entry must have the matching role kind */
			if (ni >= m->n_idr || (m->idr[ni].role == 0) != (t == MIKEY_PT_ID))
				return LIM_E_ARG;
			ni++;
			break;
		case MIKEY_PT_CERT: nc++; break;
		case MIKEY_PT_SP: ns++; break;
		case MIKEY_PT_SAKKE: nk++; break;
		case MIKEY_PT_GENEXT: ne++; break;
		case MIKEY_PT_SIGN:
			if (k + 1 != m->n_pl)
				return LIM_E_ARG;
			ng++;
			break;
		default: return LIM_E_ARG;
		}
		seq[k] = t;
	}
	if (nt != (m->has_t ? 1u : 0u) || nr != (m->has_rand ? 1u : 0u) || ni != m->n_idr ||
	    nc != m->n_cert || ns != m->n_sp || nk != (m->has_sakke ? 1u : 0u) || ne != m->n_ext ||
	    ng != (m->has_sign ? 1u : 0u))
		return LIM_E_ARG;
	*n = m->n_pl;
	return LIM_OK;
}

static void build_hdr(const struct mikey_msg *m, uint8_t first, struct lim_wr *w)
{
	lim_wr_u8(w, m->version);
	lim_wr_u8(w, m->data_type);
	lim_wr_u8(w, first);
	lim_wr_u8(w, (uint8_t)((m->v_flag << 7) | m->prf));
	lim_wr_u32be(w, m->csb_id);
	lim_wr_u8(w, m->n_cs);
	lim_wr_u8(w, m->map_type);
	for (size_t i = 0; i < m->n_map; i++) {
		const struct mikey_cs *cs = &m->cs[i];
		if (m->map_type == MIKEY_MAP_SRTP_ID) {
			lim_wr_u8(w, cs->policy_no);
			lim_wr_u32be(w, cs->ssrc);
			lim_wr_u32be(w, cs->roc);
		} else {
			lim_wr_u8(w, cs->cs_id);
			lim_wr_u8(w, cs->prot_type);
			lim_wr_u8(w, (uint8_t)((cs->s_flag ? 0x80 : 0) | cs->n_ps));
			lim_wr_bytes(w, cs->ps, cs->n_ps);
			lim_wr_u16be(w, cs->sess_len);
			lim_wr_bytes(w, cs->sess, cs->sess_len);
			lim_wr_u8(w, cs->spi_len);
			lim_wr_bytes(w, cs->spi, cs->spi_len);
		}
	}
}

/* A general extension or CERT payload: next(8) | type(8) | length(16) | data */
static void build_tlv(const struct mikey_ext *x, uint8_t next, struct lim_wr *w)
{
	lim_wr_u8(w, next);
	lim_wr_u8(w, x->type);
	lim_wr_u16be(w, x->len);
	lim_wr_bytes(w, x->data, x->len);
}

static enum lim_err build_sp(const struct mikey_sp *sp, uint8_t next, struct lim_wr *w)
{
	size_t plen = 0;
	for (size_t k = 0; k < sp->n_params; k++)
		plen += 2u + sp->params[k].len; /* caller-side data, capped: at most 32 * 257 */
	if (plen > 0xffff)
		return LIM_E_ARG;
	lim_wr_u8(w, next);
	lim_wr_u8(w, sp->policy_no);
	lim_wr_u8(w, sp->prot_type);
	lim_wr_u16be(w, (uint16_t)plen);
	for (size_t k = 0; k < sp->n_params; k++) {
		lim_wr_u8(w, sp->params[k].type);
		lim_wr_u8(w, sp->params[k].len);
		lim_wr_bytes(w, sp->params[k].val, sp->params[k].len);
	}
	return LIM_OK;
}

/* see mikey.h */
enum lim_err mikey_build(const struct mikey_msg *m, uint8_t *out, size_t cap, size_t *outlen)
{
	uint8_t seq[MIKEY_MAX_PAYLOADS];
	size_t nseq = 0, ii = 0, ic = 0, is = 0, ie = 0;
	struct lim_wr w;
	enum lim_err err;

	*outlen = 0;
	if ((err = check_msg(m)) != LIM_OK || (err = payload_seq(m, seq, &nseq)) != LIM_OK)
		return err;
	lim_wr_init(&w, out, out ? cap : 0);
	build_hdr(m, nseq ? seq[0] : MIKEY_PT_LAST, &w);
	for (size_t k = 0; k < nseq; k++) {
		uint8_t next = k + 1 < nseq ? seq[k + 1] : MIKEY_PT_LAST;
		switch (seq[k]) {
		case MIKEY_PT_T:
			lim_wr_u8(&w, next);
			lim_wr_u8(&w, m->ts_type);
			if (m->ts_type == MIKEY_TS_COUNTER)
				lim_wr_u32be(&w, (uint32_t)m->ts);
			else
				lim_wr_u64be(&w, m->ts);
			break;
		case MIKEY_PT_RAND:
			lim_wr_u8(&w, next);
			lim_wr_u8(&w, m->rand_len);
			lim_wr_bytes(&w, m->rand, m->rand_len);
			break;
		case MIKEY_PT_ID:
		case MIKEY_PT_IDR: {
			const struct mikey_idr *id = &m->idr[ii++];
			lim_wr_u8(&w, next);
			if (seq[k] == MIKEY_PT_IDR)
				lim_wr_u8(&w, id->role);
			lim_wr_u8(&w, id->type);
			lim_wr_u16be(&w, id->len);
			lim_wr_bytes(&w, id->data, id->len);
			break;
		}
		case MIKEY_PT_CERT: build_tlv(&m->cert[ic++], next, &w); break;
		case MIKEY_PT_SP:
			if ((err = build_sp(&m->sp[is++], next, &w)) != LIM_OK)
				return err;
			break;
		case MIKEY_PT_SAKKE:
			lim_wr_u8(&w, next);
			lim_wr_u8(&w, m->sakke_params);
			lim_wr_u8(&w, m->sakke_id_scheme);
			lim_wr_u16be(&w, m->sed_len);
			lim_wr_bytes(&w, m->sed, m->sed_len);
			break;
		case MIKEY_PT_GENEXT: build_tlv(&m->ext[ie++], next, &w); break;
		case MIKEY_PT_SIGN: {
			uint8_t *q;
			lim_wr_u16be(&w, (uint16_t)((m->sign_type << 12) | m->sig_len));
			q = lim_wr_reserve(&w, m->sig_len);
			if (q && m->sig_len) {
				if (m->sig)
					memcpy(q, m->sig, m->sig_len);
				else
					memset(q, 0, m->sig_len);
			}
			break;
		}
		default: return LIM_E_ARG;
		}
	}
	if (!lim_wr_ok(&w))
		return LIM_E_LIMIT;
	*outlen = w.len;
	return LIM_OK;
}

/* ---- names -------------------------------------------------------------------------------- */

#define UNKNOWN "unknown"

/* see mikey.h */
const char *mikey_pt_name(uint8_t pt)
{
	switch (pt) {
	case MIKEY_PT_LAST: return "Last payload";
	case MIKEY_PT_KEMAC: return "KEMAC";
	case MIKEY_PT_PKE: return "PKE";
	case MIKEY_PT_DH: return "DH";
	case MIKEY_PT_SIGN: return "SIGN";
	case MIKEY_PT_T: return "T";
	case MIKEY_PT_ID: return "ID";
	case MIKEY_PT_CERT: return "CERT";
	case MIKEY_PT_CHASH: return "CHASH";
	case MIKEY_PT_V: return "V";
	case MIKEY_PT_SP: return "SP";
	case MIKEY_PT_RAND: return "RAND";
	case MIKEY_PT_ERR: return "ERR";
	case MIKEY_PT_IDR: return "IDR";
	case MIKEY_PT_GENEXT: return "General Extension";
	case MIKEY_PT_SAKKE: return "SAKKE";
	case MIKEY_PT_HDR: return "HDR";
	default: return UNKNOWN;
	}
}

/* see mikey.h */
const char *mikey_data_type_name(uint8_t dt)
{
	switch (dt) {
	case MIKEY_DT_PSK_INIT: return "Initiator's pre-shared key message";
	case MIKEY_DT_PSK_RESP: return "Verification message of a pre-shared key message";
	case MIKEY_DT_PK_INIT: return "Initiator's public-key transport message";
	case MIKEY_DT_PK_RESP: return "Verification message of a public-key message";
	case MIKEY_DT_DH_INIT: return "Initiator's DH exchange message";
	case MIKEY_DT_DH_RESP: return "Responder's DH exchange message";
	case MIKEY_DT_ERROR: return "Error message";
	case MIKEY_DT_DHHMAC_INIT: return "DHHMAC initiator message";
	case MIKEY_DT_DHHMAC_RESP: return "DHHMAC responder message";
	case MIKEY_DT_RSAR_INIT: return "RSA-R I_MESSAGE";
	case MIKEY_DT_RSAR_RESP: return "RSA-R R_MESSAGE";
	case MIKEY_DT_SAKKE: return "SAKKE I_MESSAGE";
	default: return UNKNOWN;
	}
}

/* see mikey.h */
const char *mikey_prf_name(uint8_t prf)
{
	switch (prf) {
	case MIKEY_PRF_MIKEY1: return "MIKEY-1";
	case MIKEY_PRF_HMAC_SHA256: return "PRF-HMAC-SHA-256";
	default: return UNKNOWN;
	}
}

/* see mikey.h */
const char *mikey_map_type_name(uint8_t map_type)
{
	switch (map_type) {
	case MIKEY_MAP_SRTP_ID: return "SRTP-ID";
	case MIKEY_MAP_EMPTY: return "Empty map";
	case MIKEY_MAP_GENERIC_ID: return "GENERIC-ID";
	default: return UNKNOWN;
	}
}

/* see mikey.h */
const char *mikey_ts_type_name(uint8_t ts_type)
{
	switch (ts_type) {
	case MIKEY_TS_NTP_UTC: return "NTP-UTC";
	case MIKEY_TS_NTP: return "NTP";
	case MIKEY_TS_COUNTER: return "COUNTER";
	default: return UNKNOWN;
	}
}

/* see mikey.h */
const char *mikey_role_name(uint8_t role)
{
	switch (role) {
	case MIKEY_ROLE_NONE: return "ID (no role)";
	case MIKEY_ROLE_IDRI: return "IDRi";
	case MIKEY_ROLE_IDRR: return "IDRr";
	case MIKEY_ROLE_IDRKMS: return "IDRkms";
	case MIKEY_ROLE_IDRPSK: return "IDRpsk";
	case MIKEY_ROLE_IDRAPP: return "IDRapp";
	case MIKEY_ROLE_IDRKMSI: return "IDRkmsi";
	case MIKEY_ROLE_IDRKMSR: return "IDRkmsr";
	case MIKEY_ROLE_IDRUIDI: return "IDRuidi";
	case MIKEY_ROLE_IDRUIDR: return "IDRuidr";
	default: return UNKNOWN;
	}
}

/* see mikey.h */
const char *mikey_id_type_name(uint8_t id_type)
{
	switch (id_type) {
	case MIKEY_IDT_NAI: return "NAI";
	case MIKEY_IDT_URI: return "URI";
	case MIKEY_IDT_BYTES: return "Byte string";
	default: return UNKNOWN;
	}
}

/* see mikey.h */
const char *mikey_prot_name(uint8_t prot_type)
{
	return prot_type == MIKEY_PROT_SRTP ? "SRTP" : UNKNOWN;
}

/* see mikey.h */
const char *mikey_sp_param_name(uint8_t prot_type, uint8_t param_type)
{
	if (prot_type != MIKEY_PROT_SRTP)
		return UNKNOWN;
	switch (param_type) {
	case MIKEY_SRTP_ENC_ALG: return "Encryption algorithm";
	case MIKEY_SRTP_ENC_KEY_LEN: return "Session encryption key length";
	case MIKEY_SRTP_AUTH_ALG: return "Authentication algorithm";
	case MIKEY_SRTP_AUTH_KEY_LEN: return "Session authentication key length";
	case MIKEY_SRTP_SALT_KEY_LEN: return "Session salt key length";
	case MIKEY_SRTP_PRF: return "SRTP pseudo-random function";
	case MIKEY_SRTP_KDR: return "Key derivation rate";
	case MIKEY_SRTP_SRTP_ENC: return "SRTP encryption off/on";
	case MIKEY_SRTP_SRTCP_ENC: return "SRTCP encryption off/on";
	case MIKEY_SRTP_FEC_ORDER: return "Sender's FEC order";
	case MIKEY_SRTP_SRTP_AUTH: return "SRTP authentication off/on";
	case MIKEY_SRTP_AUTH_TAG_LEN: return "Authentication tag length";
	case MIKEY_SRTP_PREFIX_LEN: return "SRTP prefix length";
	case MIKEY_SRTP_ROC_RATE: return "ROC transmission rate";
	case MIKEY_SRTP_AEAD_TAG_LEN: return "AEAD authentication tag length";
	default: return UNKNOWN;
	}
}

/* see mikey.h */
const char *mikey_sp_value_name(uint8_t prot_type, uint8_t param_type, const uint8_t *val,
				uint8_t len)
{
	if (prot_type != MIKEY_PROT_SRTP || len != 1 || !val)
		return NULL;
	switch (param_type) {
	case MIKEY_SRTP_ENC_ALG: /* RFC 3830 s6.10.1, RFC 7714 */
		switch (val[0]) {
		case 0: return "NULL";
		case 1: return "AES-CM";
		case 2: return "AES-F8";
		case 6: return "AES-GCM";
		default: return NULL;
		}
	case MIKEY_SRTP_AUTH_ALG: /* RFC 3830 s6.10.1, RFC 4771 */
		switch (val[0]) {
		case 0: return "NULL";
		case 1: return "HMAC-SHA-1";
		case 2: return "RCCm1";
		case 3: return "RCCm2";
		case 4: return "RCCm3";
		default: return NULL;
		}
	case MIKEY_SRTP_PRF: return val[0] == 0 ? "AES-CM" : NULL;
	case MIKEY_SRTP_FEC_ORDER: return val[0] == 0 ? "FEC-SRTP" : NULL;
	case MIKEY_SRTP_SRTP_ENC:
	case MIKEY_SRTP_SRTCP_ENC:
	case MIKEY_SRTP_SRTP_AUTH: return val[0] == 0 ? "off" : val[0] == 1 ? "on" : NULL;
	default: return NULL;
	}
}

/* see mikey.h */
const char *mikey_sign_type_name(uint8_t sign_type)
{
	switch (sign_type) {
	case MIKEY_SIGN_RSA_PKCS1: return "RSA/PKCS#1/1.5";
	case MIKEY_SIGN_RSA_PSS: return "RSA/PSS";
	case MIKEY_SIGN_ECCSI: return "ECCSI";
	default: return UNKNOWN;
	}
}

/* see mikey.h */
const char *mikey_ext_type_name(uint8_t ext_type)
{
	switch (ext_type) {
	case 0: return "Vendor ID";
	case 1: return "SDP IDs";
	case 7: return "3GPP key parameters";
	default: return UNKNOWN;
	}
}

/* see mikey.h */
const char *mikey_sakke_id_scheme_name(uint8_t scheme)
{
	switch (scheme) {
	case 1: return "tel URI with monthly keys";
	case 2: return "3GPP MCX UID (TS 33.180)";
	default: return UNKNOWN;
	}
}

/* ---- time --------------------------------------------------------------------------------- */

/* Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's civil_from_days). */
static void civil(int64_t z, int64_t *y, unsigned *mo, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*mo = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*mo <= 2);
}

static void put_dec(char *o, unsigned v, int w)
{
	for (int i = w - 1; i >= 0; i--) {
		o[i] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* see mikey.h */
enum lim_err mikey_ts_iso8601(uint8_t ts_type, uint64_t ts, char out[MIKEY_TS_STRLEN])
{
	uint32_t secs = (uint32_t)(ts >> 32), frac = (uint32_t)ts;
	int64_t unix_s, days, y;
	unsigned mo, d, sod;
	char *o = out;

	out[0] = '\0';
	if (ts_type != MIKEY_TS_NTP_UTC && ts_type != MIKEY_TS_NTP)
		return LIM_E_ARG;
	/* RFC 4330 s3: seconds with the top bit clear are in era 1 (from 2036-02-07) */
	unix_s = (int64_t)secs - 2208988800 + ((secs & 0x80000000u) ? 0 : ((int64_t)1 << 32));
	days = (unix_s >= 0 ? unix_s : unix_s - 86399) / 86400; /* floor */
	civil(days, &y, &mo, &d);
	sod = (unsigned)(unix_s - days * 86400);
	put_dec(o, (unsigned)y, 4);
	o[4] = '-';
	put_dec(o + 5, mo, 2);
	o[7] = '-';
	put_dec(o + 8, d, 2);
	o[10] = 'T';
	put_dec(o + 11, sod / 3600, 2);
	o[13] = ':';
	put_dec(o + 14, sod / 60 % 60, 2);
	o[16] = ':';
	put_dec(o + 17, sod % 60, 2);
	o += 19;
	if (frac) {
		*o++ = '.';
		put_dec(o, (unsigned)(((uint64_t)frac * 1000000u) >> 32), 6);
		o += 6;
	}
	*o++ = 'Z';
	*o = '\0';
	return LIM_OK;
}
