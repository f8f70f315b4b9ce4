/* test_decrypt suites for decrypt/mikey: the 4 real vendor I_MESSAGEs (tests/kat/mcx_imessages.vec
 * and the UDP pcap beside the interop vectors), round trips, synthetic Softil/SmartMS-style
 * variants, and malformed input (truncations, bit flips, caps, bad lengths).
 * Set LIMF_MIKEY_SEED_DIR to also write the binary seeds for tests/corpus/mikey/. */
#include <pcap/pcap.h>
#include <stdint.h>

#include "common/codec.h"
#include "common/rd.h"
#include "decrypt/mikey.h"
#include "tests/unit/decrypt_suites.h"

#define KAT_PATH "tests/kat/mcx_imessages.vec"
#define MAX_KAT  8
#define MSG_MAX  2048

struct kat {
	char name[32];
	uint8_t msg[MSG_MAX];
	size_t len;
};

static struct kat kats[MAX_KAT];
static size_t n_kats;

/* ---- small helpers -------------------------------------------------------------------------- */

static size_t hex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	if (strcmp(s, "-") == 0)
		return 0;
	if (lim_hex_decode(s, strlen(s), out, cap, &n) != LIM_OK) {
		fprintf(stderr, "bad hex in vector: %s\n", s);
		lim_t_fail++;
		return 0;
	}
	return n;
}

static unsigned long num(const char *s, int base)
{
	return strtoul(s, NULL, base);
}

/* Splits line in place at spaces into at most max words; returns the count. */
static size_t words(char *line, char **w, size_t max)
{
	size_t n = 0;
	char *p = line;
	while (*p && n < max) {
		while (*p == ' ')
			*p++ = '\0';
		if (!*p)
			break;
		w[n++] = p;
		while (*p && *p != ' ')
			p++;
	}
	return n;
}

static bool mem_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

static void write_seed(const char *name, const uint8_t *p, size_t n)
{
	const char *dir = getenv("LIMF_MIKEY_SEED_DIR");
	char path[512];
	FILE *f;
	if (!dir || !*dir)
		return;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n)
		fprintf(stderr, "cannot write %s\n", path);
	if (f)
		fclose(f);
}

/* ---- KAT file: parse the 4 messages and check every listed field ---------------------------- */

struct kstate {
	const struct mikey_msg *m;
	size_t cs, idr, sp, ext;
};

static void check_field(struct kstate *st, char *key, char *val)
{
	const struct mikey_msg *m = st->m;
	static uint8_t b[MSG_MAX];
	char *w[64];
	size_t n, nw;

	if (strcmp(key, "len") == 0) {
		CHECK(m->raw_len == num(val, 10));
	} else if (strcmp(key, "data_type") == 0) {
		CHECK(m->data_type == num(val, 10));
	} else if (strcmp(key, "v") == 0) {
		CHECK(m->v_flag == num(val, 10));
	} else if (strcmp(key, "prf") == 0) {
		CHECK(m->prf == num(val, 10));
	} else if (strcmp(key, "csb_id") == 0) {
		CHECK(m->csb_id == num(val, 16));
	} else if (strcmp(key, "n_cs") == 0) {
		CHECK(m->n_cs == num(val, 10));
	} else if (strcmp(key, "map_type") == 0) {
		CHECK(m->map_type == num(val, 10));
		if (m->map_type == MIKEY_MAP_EMPTY)
			CHECK(m->n_map == 0);
		else
			CHECK(m->n_map == m->n_cs);
	} else if (strcmp(key, "cs") == 0) {
		const struct mikey_cs *cs = &m->cs[st->cs < MIKEY_MAX_CS ? st->cs : 0];
		CHECK(st->cs < m->n_map);
		nw = words(val, w, 8);
		if (strcmp(w[0], "srtp") == 0 && nw == 4) {
			CHECK(cs->policy_no == num(w[1], 10));
			CHECK(cs->ssrc == num(w[2], 16));
			CHECK(cs->roc == num(w[3], 16));
		} else if (strcmp(w[0], "generic") == 0 && nw == 7) {
			CHECK(cs->cs_id == num(w[1], 10));
			CHECK(cs->prot_type == num(w[2], 10));
			CHECK(cs->s_flag == (num(w[3], 10) != 0));
			n = hex(w[4], b, sizeof b);
			CHECK(mem_eq(cs->ps, cs->n_ps, b, n));
			n = hex(w[5], b, sizeof b);
			CHECK(mem_eq(cs->sess, cs->sess_len, b, n));
			n = hex(w[6], b, sizeof b);
			CHECK(mem_eq(cs->spi, cs->spi_len, b, n));
		} else {
			CHECK(false); /* bad cs line */
		}
		st->cs++;
	} else if (strcmp(key, "ts_type") == 0) {
		CHECK(m->has_t && m->ts_type == num(val, 10));
	} else if (strcmp(key, "ts") == 0) {
		CHECK(m->ts == strtoull(val, NULL, 16));
	} else if (strcmp(key, "rand") == 0) {
		n = hex(val, b, sizeof b);
		CHECK(m->has_rand && mem_eq(m->rand, m->rand_len, b, n));
	} else if (strcmp(key, "idr") == 0) {
		const struct mikey_idr *id = &m->idr[st->idr < MIKEY_MAX_IDR ? st->idr : 0];
		CHECK(st->idr < m->n_idr);
		nw = words(val, w, 4);
		CHECK(nw == 3);
		CHECK(id->role == num(w[0], 10));
		CHECK(id->type == num(w[1], 10));
		n = hex(w[2], b, sizeof b);
		CHECK(mem_eq(id->data, id->len, b, n));
		st->idr++;
	} else if (strcmp(key, "sp") == 0) {
		const struct mikey_sp *sp = &m->sp[st->sp < MIKEY_MAX_SP ? st->sp : 0];
		CHECK(st->sp < m->n_sp);
		nw = words(val, w, 64);
		CHECK(nw >= 2);
		CHECK(sp->policy_no == num(w[0], 10));
		CHECK(sp->prot_type == num(w[1], 10));
		CHECK(sp->n_params == nw - 2);
		for (size_t i = 2; i < nw && i - 2 < sp->n_params; i++) {
			char *colon = strchr(w[i], ':');
			CHECK(colon != NULL);
			if (!colon)
				continue;
			*colon = '\0';
			CHECK(sp->params[i - 2].type == num(w[i], 10));
			n = hex(colon + 1, b, sizeof b);
			CHECK(mem_eq(sp->params[i - 2].val, sp->params[i - 2].len, b, n));
		}
		st->sp++;
	} else if (strcmp(key, "sakke_params") == 0) {
		CHECK(m->has_sakke && m->sakke_params == num(val, 10));
	} else if (strcmp(key, "sakke_id_scheme") == 0) {
		CHECK(m->sakke_id_scheme == num(val, 10));
	} else if (strcmp(key, "sed") == 0) {
		n = hex(val, b, sizeof b);
		CHECK(n == 273 && m->sed_len == 273 && m->sed && m->sed[0] == 0x04);
		CHECK(mem_eq(m->sed, m->sed_len, b, n));
	} else if (strcmp(key, "ext") == 0) {
		const struct mikey_ext *x = &m->ext[st->ext < MIKEY_MAX_EXT ? st->ext : 0];
		CHECK(st->ext < m->n_ext);
		nw = words(val, w, 3);
		CHECK(nw == 2);
		CHECK(x->type == num(w[0], 10));
		n = hex(w[1], b, sizeof b);
		CHECK(mem_eq(x->data, x->len, b, n));
		st->ext++;
	} else if (strcmp(key, "sign_type") == 0) {
		CHECK(m->has_sign && m->sign_type == num(val, 10));
	} else if (strcmp(key, "sign_offset") == 0) {
		CHECK(m->sign_offset == num(val, 10));
	} else if (strcmp(key, "sig") == 0) {
		n = hex(val, b, sizeof b);
		CHECK(n == 129 && mem_eq(m->sig, m->sig_len, b, n));
	} else {
		fprintf(stderr, "unknown vector key %s\n", key);
		CHECK(0);
	}
}

/* Reads the KAT file; with check set, parses each message and checks the listed fields. */
static void load_kats(bool check)
{
	size_t flen;
	char *txt = lim_t_read_file(KAT_PATH, &flen);
	char *line = txt, *nl;
	struct mikey_msg *m = calloc(1, sizeof *m);
	struct kstate st = { m, 0, 0, 0, 0 };
	struct kat *cur = NULL;
	bool parsed = false;

	n_kats = 0;
	for (; line && *line; line = nl) {
		char *eq, *key, *val;
		nl = strchr(line, '\n');
		if (nl)
			*nl++ = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		eq = strstr(line, " = ");
		if (!eq) {
			CHECK(false); /* vector line without " = " */
			continue;
		}
		*eq = '\0';
		key = line;
		val = eq + 3;
		if (strcmp(key, "name") == 0) {
			if (cur && check)
				CHECK(st.cs == m->n_map && st.idr == m->n_idr && st.sp == m->n_sp &&
				      st.ext == m->n_ext);
			CHECK(n_kats < MAX_KAT);
			if (n_kats == MAX_KAT)
				break;
			cur = &kats[n_kats++];
			snprintf(cur->name, sizeof cur->name, "%s", val);
			parsed = false;
			continue;
		}
		if (!cur)
			continue;
		if (strcmp(key, "b64") == 0) {
			enum lim_err e = lim_b64_decode(val, strlen(val), cur->msg, sizeof cur->msg,
							&cur->len);
			CHECK(e == LIM_OK);
			if (check) {
				e = mikey_parse(cur->msg, cur->len, m);
				CHECK(e == LIM_OK);
				if (e != LIM_OK)
					fprintf(stderr, "%s: %s at %zu\n", cur->name, m->err_detail,
						m->err_offset);
				parsed = e == LIM_OK;
				memset(&st, 0, sizeof st);
				st.m = m;
			}
			continue;
		}
		if (check && parsed)
			check_field(&st, key, val);
	}
	if (cur && check)
		CHECK(st.cs == m->n_map && st.idr == m->n_idr && st.sp == m->n_sp &&
		      st.ext == m->n_ext);
	free(m);
	free(txt);
}

static void need_kats(void)
{
	if (n_kats == 0)
		load_kats(false);
}

/* ---- suites ---------------------------------------------------------------------------------- */

static void t_kat(void)
{
	struct mikey_msg *m = calloc(1, sizeof *m);
	load_kats(true);
	CHECK(n_kats == 4);
	for (size_t k = 0; k < n_kats; k++) {
		const struct kat *v = &kats[k];
		const uint8_t *p;
		size_t n;
		const char *why;
		CHECK(mikey_parse(v->msg, v->len, m) == LIM_OK);
		CHECK(strcmp(m->err_detail, "ok") == 0);
		CHECK(m->version == 1 && m->raw == v->msg && m->raw_len == v->len);
		/* structure shared by all four: T, RAND, 4 IDR, SP, SAKKE, GENEXT, SIGN */
		CHECK(m->n_pl == 10 && m->n_idr == 4 && m->n_sp == 1 && m->n_ext == 1);
		CHECK(m->pl[0].type == MIKEY_PT_T && m->pl[0].offset == m->hdr_len);
		CHECK(m->pl[9].type == MIKEY_PT_SIGN && m->pl[9].offset == m->sign_offset);
		CHECK(m->pl[9].len == 131 && m->sign_offset + 131 == v->len);
		CHECK(m->sig_len == 129 && m->sign_type == MIKEY_SIGN_ECCSI);
		CHECK(m->ts_type == MIKEY_TS_NTP_UTC && (m->ts >> 32) == 0xec898da8u);
		CHECK(mikey_check_sakke_imessage(m, &why) == LIM_OK && strcmp(why, "ok") == 0);
		/* signature coverage under both conventions */
		CHECK(mikey_signed_part(m, MIKEY_SIGN_COVER_HDR, &p, &n) == LIM_OK);
		CHECK(p == v->msg && n == v->len - 129);
		CHECK(mikey_signed_part(m, MIKEY_SIGN_COVER_NOHDR, &p, &n) == LIM_OK);
		CHECK(p == v->msg && n == v->len - 131);
		CHECK(mikey_signed_part(m, (enum mikey_sign_cover)7, &p, &n) == LIM_E_ARG);
		/* identities: UIDs 8/9, KMS 6/7 */
		CHECK(mikey_initiator(m) == &m->idr[0] && mikey_responder(m) == &m->idr[1]);
		CHECK(mikey_kms_initiator(m) == &m->idr[2] && mikey_kms_responder(m) == &m->idr[3]);
		CHECK(mikey_find_idr(m, MIKEY_ROLE_IDRI) == NULL);
		CHECK(mikey_id_textlen(&m->idr[2]) == 24);
		CHECK(mem_eq(m->idr[2].data, 24, (const uint8_t *)"kms.mydev.streamwide.com", 24));
		write_seed(k == 0   ? "real_gmk.bin"
			   : k == 1 ? "real_csk.bin"
			   : k == 2 ? "real_pck.bin"
				    : "real_gmk_legacy.bin",
			   v->msg, v->len);
	}
	/* per-message specifics not in the shared structure */
	if (n_kats == 4) {
		CHECK(mikey_parse(kats[2].msg, kats[2].len, m) == LIM_OK);
		CHECK(m->map_type == MIKEY_MAP_EMPTY && m->n_cs == 0 && m->n_map == 0);
		CHECK(mikey_parse(kats[3].msg, kats[3].len, m) == LIM_OK);
		CHECK(m->map_type == MIKEY_MAP_SRTP_ID && m->n_map == 2 &&
		      m->cs[0].ssrc == 0xcafebabe);
		CHECK(m->ext[0].len == 17);
	}
	/* mutated twins: each must fail */
	for (size_t k = 0; k < n_kats; k++) {
		uint8_t b[MSG_MAX];
		const struct kat *v = &kats[k];
		memcpy(b, v->msg, v->len);
		CHECK(mikey_parse(b, v->len - 1, m) == LIM_E_TRUNC); /* signature one octet short */
		b[0] = 2;                                            /* version 2 */
		CHECK(mikey_parse(b, v->len, m) == LIM_E_UNSUPP);
		CHECK(m->err_offset == 0 && m->err_pt == MIKEY_PT_HDR && m->raw == NULL);
	}
	free(m);
}

static void t_build(void)
{
	struct mikey_msg *m = calloc(1, sizeof *m), *m2 = calloc(1, sizeof *m2);
	uint8_t out[MSG_MAX];
	size_t n;
	need_kats();
	for (size_t k = 0; k < n_kats; k++) {
		const struct kat *v = &kats[k];
		CHECK(mikey_parse(v->msg, v->len, m) == LIM_OK);
		/* exact round trip with the recorded order */
		CHECK(mikey_build(m, out, sizeof out, &n) == LIM_OK);
		CHECK(mem_eq(out, n, v->msg, v->len));
		/* these messages are in canonical order: canonical build is identical too */
		m->n_pl = 0;
		CHECK(mikey_build(m, out, sizeof out, &n) == LIM_OK);
		CHECK(mem_eq(out, n, v->msg, v->len));
		/* every too-small buffer is LIM_E_LIMIT, nothing claimed written */
		for (size_t cap = 0; cap < v->len; cap += 7) {
			size_t got = 99;
			CHECK(mikey_build(m, out, cap, &got) == LIM_E_LIMIT && got == 0);
		}
		CHECK(mikey_build(m, NULL, 0, &n) == LIM_E_LIMIT);
		/* a NULL signature is written as zeros for a later signer */
		m->sig = NULL;
		CHECK(mikey_build(m, out, sizeof out, &n) == LIM_OK && n == v->len);
		CHECK(memcmp(out, v->msg, n - 129) == 0);
		{
			uint8_t z[129] = { 0 };
			CHECK(memcmp(out + n - 129, z, 129) == 0);
		}
		CHECK(mikey_parse(out, n, m2) == LIM_OK && m2->sign_offset == n - 131);
	}
	/* bad structs are LIM_E_ARG */
	if (n_kats) {
		struct mikey_msg *b = m2;
		CHECK(mikey_parse(kats[0].msg, kats[0].len, m) == LIM_OK);
		*b = *m;
		b->version = 2;
		CHECK(mikey_build(b, out, sizeof out, &n) == LIM_E_ARG);
		*b = *m;
		b->n_map = 3; /* != n_cs */
		CHECK(mikey_build(b, out, sizeof out, &n) == LIM_E_ARG);
		*b = *m;
		b->map_type = 9;
		CHECK(mikey_build(b, out, sizeof out, &n) == LIM_E_ARG);
		*b = *m;
		b->sig_len = 4096;
		CHECK(mikey_build(b, out, sizeof out, &n) == LIM_E_ARG);
		*b = *m;
		b->idr[0].role = 10;
		CHECK(mikey_build(b, out, sizeof out, &n) == LIM_E_ARG);
		*b = *m;
		b->sed = NULL;
		CHECK(mikey_build(b, out, sizeof out, &n) == LIM_E_ARG);
		*b = *m;
		b->pl[9].type = MIKEY_PT_T; /* two T, no SIGN */
		CHECK(mikey_build(b, out, sizeof out, &n) == LIM_E_ARG);
		*b = *m;
		b->pl[1] = m->pl[9];
		b->pl[9] = m->pl[1]; /* SIGN not last */
		CHECK(mikey_build(b, out, sizeof out, &n) == LIM_E_ARG);
		*b = *m;
		b->idr[1].role = 0; /* an ID (no role) where pl[] says IDR */
		CHECK(mikey_build(b, out, sizeof out, &n) == LIM_E_ARG);
		b->n_pl = 0; /* canonical order writes it as an ID payload: parses back as role 0 */
		CHECK(mikey_build(b, out, sizeof out, &n) == LIM_OK && n == kats[0].len - 1);
		CHECK(mikey_parse(out, n, m2) == LIM_OK && m2->idr[1].role == 0 &&
		      m2->pl[3].type == MIKEY_PT_ID && mikey_find_idr(m2, 0) == &m2->idr[1]);
		*b = *m;
		b->has_t = true;
		b->ts_type = MIKEY_TS_COUNTER;
		b->ts = 0x100000000ull;
		CHECK(mikey_build(b, out, sizeof out, &n) == LIM_E_ARG);
		b->ts = 0x12345678;
		CHECK(mikey_build(b, out, sizeof out, &n) == LIM_OK && n == kats[0].len - 4);
		CHECK(mikey_parse(out, n, m2) == LIM_OK && m2->ts_type == MIKEY_TS_COUNTER &&
		      m2->ts == 0x12345678);
	}
	free(m);
	free(m2);
}

/* Softil-style: PRF 1, #CS=0 map 1, IDR 1/2 with clear URIs, no SP/GenExt, SIGN after SAKKE. */
static size_t build_softil(uint8_t *out, size_t cap, const uint8_t *sed, const uint8_t *sig)
{
	static const char iuri[] = "sip:alice@softil.example", ruri[] = "sip:bob@softil.example";
	static const uint8_t rnd[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	struct mikey_msg *m = calloc(1, sizeof *m);
	size_t n = 0;
	m->version = 1;
	m->data_type = MIKEY_DT_SAKKE;
	m->prf = MIKEY_PRF_HMAC_SHA256;
	m->csb_id = 0x11223344;
	m->map_type = MIKEY_MAP_EMPTY;
	m->has_t = true;
	m->ts = 0xed0a1b2c80000000ull;
	m->has_rand = true;
	m->rand_len = sizeof rnd;
	m->rand = rnd;
	m->n_idr = 2;
	m->idr[0] = (struct mikey_idr){ MIKEY_ROLE_IDRI, MIKEY_IDT_URI, (const uint8_t *)iuri,
					(uint16_t)strlen(iuri) };
	m->idr[1] = (struct mikey_idr){ MIKEY_ROLE_IDRR, MIKEY_IDT_URI, (const uint8_t *)ruri,
					(uint16_t)strlen(ruri) };
	m->has_sakke = true;
	m->sakke_params = 1;
	m->sakke_id_scheme = 1;
	m->sed = sed;
	m->sed_len = 273;
	m->has_sign = true;
	m->sign_type = MIKEY_SIGN_ECCSI;
	m->sig = sig;
	m->sig_len = 129;
	CHECK(mikey_build(m, out, cap, &n) == LIM_OK);
	free(m);
	return n;
}

/* SmartMS-style: V=1, PRF 0, SRTP-ID map #CS=2, IDR 1/2 = 32-octet UIDs, KMS URI with a
 * trailing NUL, SP AES-CM-128/HMAC-SHA1-80. */
static size_t build_smartms(uint8_t *out, size_t cap, const uint8_t *sed, const uint8_t *sig)
{
	static const char kms[] = "streamwide.com"; /* sizeof includes the NUL */
	static const uint8_t sp_vals[][1] = { { 1 }, { 16 }, { 1 }, { 20 }, { 14 }, { 10 } };
	static const uint8_t sp_types[] = { 0, 1, 2, 3, 4, 11 };
	static uint8_t uid_i[32], uid_r[32], rnd[16];
	struct mikey_msg *m = calloc(1, sizeof *m);
	size_t n = 0;
	for (int i = 0; i < 32; i++) {
		uid_i[i] = (uint8_t)(0xa0 + i);
		uid_r[i] = (uint8_t)(0x50 + i);
	}
	memset(rnd, 0x5a, sizeof rnd);
	m->version = 1;
	m->data_type = MIKEY_DT_SAKKE;
	m->v_flag = 1;
	m->prf = MIKEY_PRF_MIKEY1;
	m->csb_id = 0xdeadbeef;
	m->map_type = MIKEY_MAP_SRTP_ID;
	m->n_cs = m->n_map = 2;
	m->cs[0].policy_no = 0;
	m->cs[0].ssrc = 0x01020304;
	m->cs[1].policy_no = 0;
	m->cs[1].ssrc = 0x05060708;
	m->cs[1].roc = 7;
	m->has_t = true;
	m->ts = 0xec898da800000000ull;
	m->has_rand = true;
	m->rand_len = sizeof rnd;
	m->rand = rnd;
	m->n_idr = 3;
	m->idr[0] = (struct mikey_idr){ MIKEY_ROLE_IDRI, MIKEY_IDT_URI, uid_i, 32 };
	m->idr[1] = (struct mikey_idr){ MIKEY_ROLE_IDRR, MIKEY_IDT_URI, uid_r, 32 };
	m->idr[2] = (struct mikey_idr){ MIKEY_ROLE_IDRKMS, MIKEY_IDT_URI, (const uint8_t *)kms,
					(uint16_t)sizeof kms };
	m->n_sp = 1;
	m->sp[0].n_params = sizeof sp_types;
	for (size_t i = 0; i < sizeof sp_types; i++)
		m->sp[0].params[i] = (struct mikey_sp_param){ sp_types[i], 1, sp_vals[i] };
	m->has_sakke = true;
	m->sakke_params = 1;
	m->sakke_id_scheme = 2;
	m->sed = sed;
	m->sed_len = 273;
	m->has_sign = true;
	m->sign_type = MIKEY_SIGN_ECCSI;
	m->sig = sig;
	m->sig_len = 129;
	CHECK(mikey_build(m, out, cap, &n) == LIM_OK);
	free(m);
	return n;
}

static void t_variants(void)
{
	struct mikey_msg *m = calloc(1, sizeof *m);
	uint8_t sed[273], sig[129], out[MSG_MAX], re[MSG_MAX];
	size_t n, n2;
	const struct mikey_idr *id;
	for (size_t i = 0; i < sizeof sed; i++)
		sed[i] = (uint8_t)(i * 7 + 4);
	sed[0] = 0x04;
	for (size_t i = 0; i < sizeof sig; i++)
		sig[i] = (uint8_t)(0xff - i);

	n = build_softil(out, sizeof out, sed, sig);
	CHECK(n == 10 + 10 + 18 + 29 + 27 + 278 + 131);
	CHECK(mikey_parse(out, n, m) == LIM_OK);
	CHECK(m->prf == 1 && m->v_flag == 0 && m->map_type == 1 && m->n_cs == 0 && m->n_map == 0);
	CHECK(m->n_idr == 2 && m->n_sp == 0 && m->n_ext == 0 && m->n_pl == 6);
	CHECK(m->pl[4].type == MIKEY_PT_SAKKE && m->pl[5].type == MIKEY_PT_SIGN);
	id = mikey_initiator(m);
	CHECK(id && id->role == 1 &&
	      mem_eq(id->data, id->len, (const uint8_t *)"sip:alice@softil.example", 24));
	id = mikey_responder(m);
	CHECK(id && id->role == 2 && id->len == 22);
	CHECK(mikey_kms_initiator(m) == NULL && mikey_kms_responder(m) == NULL);
	CHECK(m->sed_len == 273 && memcmp(m->sed, sed, 273) == 0);
	CHECK(m->sig_len == 129 && memcmp(m->sig, sig, 129) == 0 && m->sign_offset == n - 131);
	CHECK(mikey_check_sakke_imessage(m, NULL) == LIM_OK);
	CHECK(mikey_build(m, re, sizeof re, &n2) == LIM_OK && mem_eq(re, n2, out, n));
	write_seed("synth_softil.bin", out, n);

	n = build_smartms(out, sizeof out, sed, sig);
	CHECK(mikey_parse(out, n, m) == LIM_OK);
	CHECK(m->v_flag == 1 && m->prf == 0 && m->map_type == 0 && m->n_cs == 2 && m->n_map == 2);
	CHECK(m->cs[0].ssrc == 0x01020304 && m->cs[1].ssrc == 0x05060708 && m->cs[1].roc == 7);
	CHECK(m->n_idr == 3 && mikey_initiator(m) == &m->idr[0] && m->idr[0].len == 32);
	CHECK(mikey_responder(m) == &m->idr[1] && m->idr[1].data[0] == 0x50);
	id = mikey_kms_initiator(m);
	CHECK(id == &m->idr[2] && mikey_kms_responder(m) == id);
	CHECK(id && id->len == 15 && mikey_id_textlen(id) == 14 && id->data[14] == 0);
	CHECK(m->n_sp == 1 && m->sp[0].n_params == 6);
	CHECK(m->sp[0].params[5].type == MIKEY_SRTP_AUTH_TAG_LEN &&
	      m->sp[0].params[5].val[0] == 10);
	CHECK(strcmp(mikey_sp_value_name(0, 0, m->sp[0].params[0].val, 1), "AES-CM") == 0);
	CHECK(strcmp(mikey_sp_value_name(0, 2, m->sp[0].params[2].val, 1), "HMAC-SHA-1") == 0);
	CHECK(mikey_sp_value_name(0, 1, m->sp[0].params[1].val, 1) == NULL);
	CHECK(mikey_build(m, re, sizeof re, &n2) == LIM_OK && mem_eq(re, n2, out, n));
	write_seed("synth_smartms.bin", out, n);

	/* vendor order (SIGN-less tail, IDR after SAKKE, GenExt first): parsed, rebuilt exactly */
	{
		uint8_t b[MSG_MAX];
		size_t bn;
		struct mikey_msg *v = calloc(1, sizeof *v);
		static const uint8_t extd[3] = { 9, 8, 7 };
		CHECK(mikey_parse(out, n, m) == LIM_OK);
		*v = *m;
		v->n_ext = 1;
		v->ext[0] = (struct mikey_ext){ 1, extd, 3 };
		v->has_sign = false;
		v->n_pl = 0;
		v->pl[v->n_pl++].type = MIKEY_PT_GENEXT;
		v->pl[v->n_pl++].type = MIKEY_PT_SAKKE;
		v->pl[v->n_pl++].type = MIKEY_PT_IDR;
		v->pl[v->n_pl++].type = MIKEY_PT_RAND;
		v->pl[v->n_pl++].type = MIKEY_PT_SP;
		v->pl[v->n_pl++].type = MIKEY_PT_IDR;
		v->pl[v->n_pl++].type = MIKEY_PT_T;
		v->pl[v->n_pl++].type = MIKEY_PT_IDR;
		CHECK(mikey_build(v, b, sizeof b, &bn) == LIM_OK);
		CHECK(mikey_parse(b, bn, m) == LIM_OK && m->n_pl == 8 && !m->has_sign);
		CHECK(m->pl[0].type == MIKEY_PT_GENEXT && m->pl[7].type == MIKEY_PT_IDR);
		CHECK(mikey_check_sakke_imessage(m, NULL) == LIM_E_PARSE);
		CHECK(mikey_build(m, re, sizeof re, &n2) == LIM_OK && mem_eq(re, n2, b, bn));
		write_seed("synth_vendor_order.bin", b, bn);
		/* a header-only message (next payload 0) is valid MIKEY */
		v->n_pl = 0;
		v->has_t = v->has_rand = v->has_sakke = v->has_sign = false;
		v->n_idr = v->n_sp = v->n_ext = 0;
		CHECK(mikey_build(v, b, sizeof b, &bn) == LIM_OK && bn == 10 + 18);
		CHECK(mikey_parse(b, bn, m) == LIM_OK && m->n_pl == 0 && m->hdr_len == bn);
		write_seed("synth_hdr_only.bin", b, bn);
		free(v);
	}
	free(m);
}

/* RFC 3830 payloads strung together by hand for the negative cases. */
static const uint8_t HDR_SAKKE[] = { 1, 26, 0, 0x01, 0x11, 0x22, 0x33, 0x44, 0, 1 };

static size_t mk(uint8_t *b, uint8_t first, const uint8_t *tail, size_t tlen)
{
	memcpy(b, HDR_SAKKE, sizeof HDR_SAKKE);
	b[2] = first;
	if (tlen)
		memcpy(b + sizeof HDR_SAKKE, tail, tlen);
	return sizeof HDR_SAKKE + tlen;
}

static void expect(const uint8_t *b, size_t n, enum lim_err e, const char *what)
{
	struct mikey_msg *m = calloc(1, sizeof *m);
	enum lim_err got = mikey_parse(b, n, m);
	if (got != e)
		fprintf(stderr, "  %s: got %d (%s at %zu), want %d\n", what, got, m->err_detail,
			m->err_offset, e);
	CHECK(got == e);
	CHECK(m->err_detail != NULL && m->err_offset <= n);
	if (e != LIM_OK)
		CHECK(m->n_pl == 0 && m->raw == NULL && !m->has_sign);
	free(m);
}

static void t_neg(void)
{
	struct mikey_msg *m = calloc(1, sizeof *m);
	uint8_t b[MSG_MAX], out[MSG_MAX + 64];
	size_t n;
	need_kats();

	/* every prefix of every real message is rejected (truncation) */
	for (size_t k = 0; k < n_kats; k++)
		for (size_t len = 0; len < kats[k].len; len++) {
			enum lim_err e = mikey_parse(kats[k].msg, len, m);
			CHECK(e == LIM_E_TRUNC || e == LIM_E_PARSE);
			CHECK(m->err_offset <= len && m->err_detail != NULL);
			if (len == 0)
				write_seed("trunc_empty.bin", kats[k].msg, 0);
			if (k == 0 && (len == 9 || len == 300 || len == kats[k].len - 1)) {
				char nm[64];
				snprintf(nm, sizeof nm, "trunc_gmk_%zu.bin", len);
				write_seed(nm, kats[k].msg, len);
			}
		}
	/* every single-bit flip: rejected, or parsed consistently (rebuilds to the same octets) */
	for (size_t k = 0; k < n_kats; k++) {
		unsigned long ok = 0;
		for (size_t i = 0; i < kats[k].len; i++)
			for (int bit = 0; bit < 8; bit++) {
				memcpy(b, kats[k].msg, kats[k].len);
				b[i] ^= (uint8_t)(1u << bit);
				if (mikey_parse(b, kats[k].len, m) != LIM_OK) {
					CHECK(m->err_offset <= kats[k].len);
					continue;
				}
				ok++;
				CHECK(mikey_build(m, out, sizeof out, &n) == LIM_OK &&
				      mem_eq(out, n, b, kats[k].len));
			}
		CHECK(ok > 0); /* flips inside values (SED, signature, ...) stay parseable */
	}

	expect(NULL, 0, LIM_E_TRUNC, "NULL empty buffer");
	expect((const uint8_t *)"", 0, LIM_E_TRUNC, "zero-length buffer");
	CHECK(mikey_parse(NULL, 5, m) == LIM_E_ARG);

	{ /* unknown / unsupported next payload types */
		n = mk(b, 13, NULL, 0);
		expect(b, n, LIM_E_PARSE, "unknown payload 13");
		CHECK(mikey_parse(b, n, m) == LIM_E_PARSE && m->err_pt == 13 &&
		      m->err_offset == 10);
		CHECK(strcmp(m->err_detail, "unknown payload type") == 0);
		b[2] = 200;
		expect(b, n, LIM_E_PARSE, "unknown payload 200");
		b[2] = MIKEY_PT_KEMAC;
		expect(b, n, LIM_E_UNSUPP, "KEMAC");
		b[2] = MIKEY_PT_DH;
		expect(b, n, LIM_E_UNSUPP, "DH");
		write_seed("bad_unknown_pt.bin", b, n);
	}
	{ /* CERT (RFC 6509 s2.1 allows one): kept; truncated, too long, too many refused */
		static const uint8_t c1[] = { MIKEY_PT_LAST, 0, 0, 3, 'a', 'b', 'c' };
		uint8_t many[5 * 5];
		n = mk(b, MIKEY_PT_CERT, c1, sizeof c1);
		expect(b, n, LIM_OK, "CERT");
		CHECK(mikey_parse(b, n, m) == LIM_OK && m->n_cert == 1 && m->cert[0].len == 3 &&
		      memcmp(m->cert[0].data, "abc", 3) == 0 && m->n_pl == 1 &&
		      m->pl[0].type == MIKEY_PT_CERT && m->pl[0].len == sizeof c1);
		expect(b, n - 1, LIM_E_TRUNC, "CERT data cut");
		expect(b, 13, LIM_E_TRUNC, "CERT header cut");
		b[13] = 4;
		expect(b, n, LIM_E_TRUNC, "CERT length past the end");
		for (size_t i = 0; i < 5; i++) {
			many[i * 5] = i < 4 ? MIKEY_PT_CERT : MIKEY_PT_LAST;
			many[i * 5 + 1] = 0;
			many[i * 5 + 2] = 0;
			many[i * 5 + 3] = 1;
			many[i * 5 + 4] = 'x';
		}
		n = mk(b, MIKEY_PT_CERT, many, 4 * 5);
		b[n - 5] = MIKEY_PT_LAST;
		expect(b, n, LIM_OK, "4 CERTs");
		n = mk(b, MIKEY_PT_CERT, many, sizeof many);
		expect(b, n, LIM_E_LIMIT, "5 CERTs");
		write_seed("cert.bin", b, n);
	}
	{ /* header fields */
		memcpy(b, HDR_SAKKE, sizeof HDR_SAKKE);
		expect(b, 10, LIM_OK, "header only");
		b[3] = 0x82; /* V=1, PRF 2 */
		expect(b, 10, LIM_E_UNSUPP, "PRF 2");
		b[3] = 0x80;
		expect(b, 10, LIM_OK, "V=1 PRF 0");
		b[9] = 3;
		expect(b, 10, LIM_E_PARSE, "map type 3");
		b[9] = 1;
		b[8] = 200; /* empty map: any #CS, no entries */
		expect(b, 10, LIM_OK, "empty map #CS 200");
		b[9] = 0;
		b[8] = 17; /* over the cap */
		expect(b, 10, LIM_E_LIMIT, "SRTP-ID #CS 17");
		b[9] = 2;
		expect(b, 10, LIM_E_LIMIT, "GENERIC-ID #CS 17");
		write_seed("bad_ncs_cap.bin", b, 10);
		b[8] = 16;
		b[9] = 0;
		memset(b + 10, 0, 16 * 9);
		expect(b, 10 + 16 * 9, LIM_OK, "SRTP-ID #CS 16");
		expect(b, 10 + 16 * 9 - 1, LIM_E_TRUNC, "SRTP-ID entry truncated");
		b[8] = 1;
		b[9] = 2;
		{ /* GENERIC-ID with 0xFFFF session data length */
			static const uint8_t g[] = { 4, 0, 1, 0, 0xff, 0xff, 1, 2 };
			memcpy(b + 10, g, sizeof g);
			expect(b, 10 + sizeof g, LIM_E_TRUNC, "GENERIC-ID sess len 0xFFFF");
			b[10 + 2] = 0x7f; /* #P 127 */
			expect(b, 10 + sizeof g, LIM_E_TRUNC, "GENERIC-ID #P 127");
		}
	}
	{ /* payload bodies */
		static const uint8_t t_ok[] = { 0, 0, 1, 2, 3, 4, 5, 6, 7, 8 };
		static const uint8_t t_bad[] = { 0, 3, 1, 2, 3, 4, 5, 6, 7, 8 };
		static const uint8_t two_t[] = { 5, 0, 1, 2, 3, 4, 5, 6, 7, 8,
						 0, 0, 1, 2, 3, 4, 5, 6, 7, 8 };
		static const uint8_t rand0[] = { 0, 0 };
		static const uint8_t idr_ffff[] = { 0, 8, 1, 0xff, 0xff, 1, 2, 3 };
		static const uint8_t idr_role0[] = { 0, 0, 1, 0, 1, 'a' };
		static const uint8_t idr_role10[] = { 0, 10, 1, 0, 1, 'a' };
		static const uint8_t id_type3[] = { 0, 3, 0, 1, 'a' };
		static const uint8_t sakke_ffff[] = { 0, 1, 2, 0xff, 0xff, 4 };
		static const uint8_t ext_ffff[] = { 0, 7, 0xff, 0xff, 1 };
		static const uint8_t sp_ffff[] = { 0, 0, 0, 0xff, 0xff, 0, 1, 1 };
		static const uint8_t sp_val_over[] = { 0, 0, 0, 0, 3, 0, 5, 1 };
		static const uint8_t sign_ffff[] = { 0x2f, 0xff, 1, 2, 3 };
		static const uint8_t sign_short[] = { 0x20, 0x02, 1, 2, 3 }; /* octets after it */
		static const uint8_t sign_exact[] = { 0x20, 0x03, 1, 2, 3 };
		static const uint8_t trailing[] = { 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0xee };
		n = mk(b, MIKEY_PT_T, t_ok, sizeof t_ok);
		expect(b, n, LIM_OK, "T");
		n = mk(b, MIKEY_PT_T, t_bad, sizeof t_bad);
		expect(b, n, LIM_E_PARSE, "T type 3");
		n = mk(b, MIKEY_PT_T, two_t, sizeof two_t);
		expect(b, n, LIM_E_PARSE, "duplicate T");
		n = mk(b, MIKEY_PT_RAND, rand0, sizeof rand0);
		expect(b, n, LIM_E_PARSE, "RAND len 0");
		n = mk(b, MIKEY_PT_IDR, idr_ffff, sizeof idr_ffff);
		expect(b, n, LIM_E_TRUNC, "IDR len 0xFFFF");
		CHECK(mikey_parse(b, n, m) == LIM_E_TRUNC && m->err_pt == MIKEY_PT_IDR &&
		      m->err_offset == 15);
		write_seed("bad_idr_ffff.bin", b, n);
		n = mk(b, MIKEY_PT_IDR, idr_role0, sizeof idr_role0);
		expect(b, n, LIM_E_PARSE, "IDR role 0");
		n = mk(b, MIKEY_PT_IDR, idr_role10, sizeof idr_role10);
		expect(b, n, LIM_E_PARSE, "IDR role 10");
		n = mk(b, MIKEY_PT_ID, id_type3, sizeof id_type3);
		expect(b, n, LIM_E_UNSUPP, "ID type 3");
		b[11] = 0;
		expect(b, n, LIM_OK, "ID type 0");
		n = mk(b, MIKEY_PT_SAKKE, sakke_ffff, sizeof sakke_ffff);
		expect(b, n, LIM_E_TRUNC, "SAKKE len 0xFFFF");
		n = mk(b, MIKEY_PT_GENEXT, ext_ffff, sizeof ext_ffff);
		expect(b, n, LIM_E_TRUNC, "GENEXT len 0xFFFF");
		n = mk(b, MIKEY_PT_SP, sp_ffff, sizeof sp_ffff);
		expect(b, n, LIM_E_TRUNC, "SP len 0xFFFF");
		n = mk(b, MIKEY_PT_SP, sp_val_over, sizeof sp_val_over);
		expect(b, n, LIM_E_TRUNC, "SP param value over SP length");
		n = mk(b, MIKEY_PT_SIGN, sign_ffff, sizeof sign_ffff);
		expect(b, n, LIM_E_TRUNC, "SIGN len 0xFFF");
		n = mk(b, MIKEY_PT_SIGN, sign_short, sizeof sign_short);
		expect(b, n, LIM_E_PARSE, "SIGN not last");
		write_seed("bad_sign_not_last.bin", b, n);
		n = mk(b, MIKEY_PT_SIGN, sign_exact, sizeof sign_exact);
		expect(b, n, LIM_OK, "SIGN exact");
		n = mk(b, MIKEY_PT_T, trailing, sizeof trailing);
		expect(b, n, LIM_E_PARSE, "trailing garbage");
		CHECK(mikey_parse(b, n, m) == LIM_E_PARSE && m->err_offset == n - 1);
		write_seed("bad_trailing.bin", b, n);
	}
	{ /* payload-count caps: 9 IDR, 33 SP params, 5 SP, 9 GENEXT */
		size_t off = 10;
		memcpy(b, HDR_SAKKE, 10);
		b[2] = MIKEY_PT_IDR;
		for (int i = 0; i < 9; i++) {
			static const uint8_t one[] = { MIKEY_PT_IDR, 1, 1, 0, 0 };
			memcpy(b + off, one, sizeof one);
			if (i == 8)
				b[off] = 0;
			off += sizeof one;
		}
		expect(b, off, LIM_E_LIMIT, "9 IDR");
		expect(b, off - 5, LIM_E_LIMIT, "9th IDR announced (cap checked first)");
		b[off - 10] = 0;
		expect(b, off - 5, LIM_OK, "8 IDR");

		off = 10;
		b[2] = MIKEY_PT_SP;
		b[off++] = 0;
		b[off++] = 0;
		b[off++] = 0;
		b[off++] = 0;
		b[off++] = 33 * 2;
		for (int i = 0; i < 33; i++) {
			b[off++] = (uint8_t)i;
			b[off++] = 0;
		}
		expect(b, off, LIM_E_LIMIT, "33 SP params");
		b[14] = 32 * 2;
		expect(b, off - 2, LIM_OK, "32 SP params");

		off = 10;
		for (int i = 0; i < 5; i++) {
			static const uint8_t sp0[] = { MIKEY_PT_SP, 0, 0, 0, 0 };
			memcpy(b + off, sp0, sizeof sp0);
			if (i == 4)
				b[off] = 0;
			off += sizeof sp0;
		}
		expect(b, off, LIM_E_LIMIT, "5 SP");

		off = 10;
		b[2] = MIKEY_PT_GENEXT;
		for (int i = 0; i < 9; i++) {
			static const uint8_t e0[] = { MIKEY_PT_GENEXT, 7, 0, 0 };
			memcpy(b + off, e0, sizeof e0);
			if (i == 8)
				b[off] = 0;
			off += sizeof e0;
		}
		expect(b, off, LIM_E_LIMIT, "9 GENEXT");
	}
	{ /* SIGN in the middle of a real message: the signature length no longer matches */
		if (n_kats) {
			memcpy(b, kats[0].msg, kats[0].len);
			b[kats[0].len] = 0;
			expect(b, kats[0].len + 1, LIM_E_PARSE, "octet after the signature");
			/* SAKKE's next -> SIGN, GenExt left behind the signature */
			CHECK(mikey_parse(kats[0].msg, kats[0].len, m) == LIM_OK);
			memcpy(b, kats[0].msg, kats[0].len);
			b[m->pl[7].offset] = MIKEY_PT_SIGN;
			expect(b, kats[0].len, LIM_E_TRUNC, "SIGN before GenExt (0x0407 octets)");
			write_seed("bad_sign_middle.bin", b, kats[0].len);
		}
	}
	free(m);
}

/* The same four messages, as raw MIKEY over UDP port 2269 in an Ethernet pcap. */
static void t_pcap(void)
{
	char path[1024], err[PCAP_ERRBUF_SIZE];
	pcap_t *pc;
	struct pcap_pkthdr *h;
	const u_char *pkt;
	struct mikey_msg *m = calloc(1, sizeof *m);
	size_t i = 0;
	int rc;
	need_kats();
	snprintf(path, sizeof path, "%s/interop/mcx_imessages_udp2269.pcap", lim_t_vectors_dir());
	pc = pcap_open_offline(path, err);
	CHECK(pc != NULL);
	if (!pc) {
		fprintf(stderr, "%s: %s\n", path, err);
		free(m);
		return;
	}
	CHECK(pcap_datalink(pc) == DLT_EN10MB);
	while ((rc = pcap_next_ex(pc, &h, &pkt)) == 1) {
		struct lim_rd r = lim_rd_make(pkt, h->caplen), hdr, ip, udp;
		uint16_t etype = 0, tot = 0, sport = 0, dport = 0, ulen = 0;
		uint8_t vihl = 0, proto = 0;
		CHECK(lim_rd_skip(&r, 12) && lim_rd_u16be(&r, &etype) && etype == 0x0800);
		hdr = r; /* peek at the IPv4 header for its total length */
		CHECK(lim_rd_u8(&hdr, &vihl) && (vihl >> 4) == 4 && (vihl & 15) >= 5);
		CHECK(lim_rd_skip(&hdr, 1) && lim_rd_u16be(&hdr, &tot) && tot >= 20u + 8u);
		CHECK(lim_rd_sub(&r, tot, &ip));
		CHECK(lim_rd_skip(&ip, 9) && lim_rd_u8(&ip, &proto) && proto == 17);
		CHECK(lim_rd_skip(&ip, (size_t)(vihl & 15) * 4 - 10));
		CHECK(lim_rd_u16be(&ip, &sport) && lim_rd_u16be(&ip, &dport) && dport == 2269);
		CHECK(lim_rd_u16be(&ip, &ulen) && ulen >= 8 && lim_rd_skip(&ip, 2));
		CHECK(lim_rd_sub(&ip, ulen - 8u, &udp) && lim_rd_empty(&ip));
		CHECK(i < n_kats && mem_eq(udp.p, udp.len, kats[i < n_kats ? i : 0].msg,
					   kats[i < n_kats ? i : 0].len));
		CHECK(mikey_parse(udp.p, udp.len, m) == LIM_OK);
		CHECK(m->data_type == MIKEY_DT_SAKKE && m->sig_len == 129 && m->sed_len == 273);
		i++;
	}
	CHECK(rc == PCAP_ERROR_BREAK);
	CHECK(i == 4);
	pcap_close(pc);
	free(m);
}

static void t_names(void)
{
	char ts[MIKEY_TS_STRLEN];
	for (unsigned v = 0; v < 256; v++) {
		uint8_t b = (uint8_t)v;
		CHECK(mikey_pt_name(b) && mikey_data_type_name(b) && mikey_prf_name(b) &&
		      mikey_map_type_name(b) && mikey_ts_type_name(b) && mikey_role_name(b) &&
		      mikey_id_type_name(b) && mikey_prot_name(b) && mikey_sp_param_name(0, b) &&
		      mikey_sign_type_name(b) && mikey_ext_type_name(b) &&
		      mikey_sakke_id_scheme_name(b));
	}
	CHECK(strcmp(mikey_role_name(8), "IDRuidi") == 0 &&
	      strcmp(mikey_role_name(7), "IDRkmsr") == 0);
	CHECK(strcmp(mikey_pt_name(26), "SAKKE") == 0 && strcmp(mikey_pt_name(13), "unknown") == 0);
	CHECK(strcmp(mikey_prf_name(1), "PRF-HMAC-SHA-256") == 0);
	CHECK(strcmp(mikey_map_type_name(2), "GENERIC-ID") == 0);
	CHECK(strcmp(mikey_sign_type_name(2), "ECCSI") == 0);
	CHECK(strcmp(mikey_sp_param_name(0, 20), "AEAD authentication tag length") == 0);
	{
		static const uint8_t six = 6, four = 4;
		CHECK(strcmp(mikey_sp_value_name(0, 0, &six, 1), "AES-GCM") == 0);
		CHECK(strcmp(mikey_sp_value_name(0, 2, &four, 1), "RCCm3") == 0);
		CHECK(mikey_sp_value_name(1, 0, &six, 1) == NULL);
	}
	CHECK(mikey_ts_iso8601(0, 0xec898da800000000ull, ts) == LIM_OK);
	CHECK(strcmp(ts, "2025-10-02T23:47:52Z") == 0);
	CHECK(mikey_ts_iso8601(1, 0xd68f5cd200000000ull, ts) == LIM_OK); /* TS 33.180 F.2.1.2 */
	CHECK(strcmp(ts, "2014-01-26T10:07:14Z") == 0);
	CHECK(mikey_ts_iso8601(0, 0xec898da880000000ull, ts) == LIM_OK);
	CHECK(strcmp(ts, "2025-10-02T23:47:52.500000Z") == 0);
	CHECK(mikey_ts_iso8601(0, 0, ts) == LIM_OK && strcmp(ts, "2036-02-07T06:28:16Z") == 0);
	CHECK(mikey_ts_iso8601(0, 0x8000000000000000ull, ts) == LIM_OK);
	CHECK(strcmp(ts, "1968-01-20T03:14:08Z") == 0);
	CHECK(mikey_ts_iso8601(0, 0x7fffffffffffffffull, ts) == LIM_OK);
	CHECK(strcmp(ts, "2104-02-26T09:42:23.999999Z") == 0);
	CHECK(mikey_ts_iso8601(2, 5, ts) == LIM_E_ARG && ts[0] == '\0');
}

const struct lim_suite t_mikey_suites[] = {
	{ "mikey_kat", t_kat }, { "mikey_build", t_build }, { "mikey_variants", t_variants },
	{ "mikey_neg", t_neg }, { "mikey_pcap", t_pcap },   { "mikey_names", t_names },
	{ NULL, NULL },
};
