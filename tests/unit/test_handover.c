/* test_handover: the BER layer (handover/ber.h) and the ETSI PS-PDU codec (handover/handover.h).
 * Suites: ber_int ber_len ber_tag ber_oid ber_misc ber_overflow ber_dec ber_random (BER, X.690
 * examples), pdu_kat (byte-exact PDUs against tests/kat/handover_pdu.vec, made by an independent
 * Python encoder + TLV walker), pdu_roundtrip, pdu_trunc, pdu_args, pdu_caps, pdu_cc_fast (the
 * direct CC encoder against the generic BER one); pdu_km_kat
 * pdu_km_roundtrip pdu_km_trunc pdu_km_args pdu_km_dec (the limf key-management IRI); bundle_pcap
 * bundle_wav bundle_verify bundle_args bundle_cli (the evidence bundle, handover_bundle.c); deliver
 * and link_errors (handover/deliver.h, handover_deliver.c). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/rd.h"
#include "handover/ber.h"
#include "handover/handover.h"
#include "tests/unit/check.h"

#define PDU_VEC "tests/kat/handover_pdu.vec"

/* tests/unit/handover_bundle.c: the evidence bundle (handover/bundle.h) */
void t_bundle_pcap(void);
void t_bundle_wav(void);
void t_bundle_verify(void);
void t_bundle_args(void);
void t_bundle_cli(void);
void t_ho_deliver(void); /* tests/unit/handover_deliver.c: spool, seqno, link */
/* The DER PDU der[0..n) rewritten as BER a DER decoder refuses (used by handover_deliver.c's
 * LEMF too): BV_INDEF every constructed value with the indefinite length, BV_LONG every definite
 * length in four octets, BV_SPLIT the PSHeader's LIID as a constructed string. cap >= 8n+64. */
#define BV_INDEF 1u
#define BV_LONG  2u
#define BV_SPLIT 4u
size_t t_ber_variant(const uint8_t *der, size_t n, unsigned mode, uint8_t *out, size_t cap);
void t_ho_link_errors(void); /* same file: names, spool errors on a link, keep-alive timing */

/* ---- helpers ---- */

#define SETSTR(dst, src) snprintf((dst), sizeof(dst), "%s", (src))

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void)
{
	/* xorshift64*: deterministic, no cross-run state beyond this file */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static size_t rndn(size_t n)
{
	return n ? (size_t)(rnd() % n) : 0;
}

/* A random value of random magnitude (the calls are sequenced: reproducible in every build). */
static uint64_t rndmag(unsigned maxshift)
{
	uint64_t v = rnd();
	return v >> rndn(maxshift);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex (spaces allowed) to bytes; returns the length. */
static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	while (*s) {
		int hi, lo;
		if (*s == ' ') {
			s++;
			continue;
		}
		hi = hexval(s[0]);
		lo = hexval(s[1]);
		if (hi < 0 || lo < 0 || n >= cap)
			abort();
		out[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	return n;
}

/* Runs an encoding step into a fresh encoder and compares with the expected hex. */
#define ENC_EQ(stmt, hex)                                                                          \
	do {                                                                                       \
		uint8_t b_[256], x_[256];                                                          \
		size_t n_ = 0, xn_ = unhex((hex), x_, sizeof x_);                                  \
		struct ho_ber_enc e_;                                                              \
		struct ho_ber_enc *e = &e_;                                                        \
		ho_ber_enc_init(e, b_, sizeof b_);                                                 \
		stmt;                                                                              \
		CHECK(ho_ber_enc_finish(e, &n_) == LIM_OK);                                        \
		CHECK(n_ == xn_ && memcmp(b_, x_, xn_) == 0);                                      \
	} while (0)

static enum lim_err read1(const uint8_t *p, size_t n, struct ho_ber_tlv *t)
{
	struct lim_rd r = lim_rd_make(p, n);
	enum lim_err err = ho_ber_read(&r, 1u << 20, t);
	if (err == LIM_OK && !lim_rd_empty(&r))
		return LIM_E_PARSE;
	return err;
}

static enum lim_err read_hex(const char *hex, struct ho_ber_tlv *t, uint8_t *buf, size_t cap)
{
	size_t n = unhex(hex, buf, cap);
	return read1(buf, n, t);
}

/* ---- BER ---- */

static void int_case(int64_t v, const char *hex)
{
	uint8_t buf[32];
	struct ho_ber_tlv t;
	int64_t back = 0;
	ENC_EQ(ho_ber_int(e, HO_UNI(HO_BER_T_INTEGER), v), hex);
	CHECK(read_hex(hex, &t, buf, sizeof buf) == LIM_OK);
	CHECK(ho_ber_is(&t, HO_UNI(HO_BER_T_INTEGER)));
	CHECK(ho_ber_get_int(&t, &back) == LIM_OK && back == v);
}

static void t_ber_int(void)
{
	uint8_t buf[32];
	struct ho_ber_tlv t;
	uint64_t u = 0;
	int64_t s = 0;
	/* X.690 8.3 examples and the edges */
	int_case(0, "02 01 00");
	int_case(127, "02 01 7f");
	int_case(128, "02 02 00 80");
	int_case(256, "02 02 01 00");
	int_case(-1, "02 01 ff");
	int_case(-128, "02 01 80");
	int_case(-129, "02 02 ff 7f");
	int_case(32767, "02 02 7f ff");
	int_case(32768, "02 03 00 80 00");
	int_case(-32768, "02 02 80 00");
	int_case(INT64_MAX, "02 08 7f ff ff ff ff ff ff ff");
	int_case(INT64_MIN, "02 08 80 00 00 00 00 00 00 00");
	ENC_EQ(ho_ber_uint(e, HO_UNI(HO_BER_T_INTEGER), UINT64_MAX),
	       "02 09 00 ff ff ff ff ff ff ff ff");
	ENC_EQ(ho_ber_uint(e, HO_UNI(HO_BER_T_INTEGER), 4294967295u), "02 05 00 ff ff ff ff");
	ENC_EQ(ho_ber_uint(e, HO_CTX(4), 300), "84 02 01 2c");
	ENC_EQ(ho_ber_int(e, HO_UNI(HO_BER_T_ENUMERATED), 2), "0a 01 02");
	CHECK(read_hex("02 09 00 ff ff ff ff ff ff ff ff", &t, buf, sizeof buf) == LIM_OK);
	CHECK(ho_ber_get_uint(&t, &u) == LIM_OK && u == UINT64_MAX);
	CHECK(ho_ber_get_int(&t, &s) == LIM_E_LIMIT && s == 0);
	/* non-minimal, empty, negative-for-unsigned, too long */
	CHECK(read_hex("02 02 00 7f", &t, buf, sizeof buf) == LIM_OK);
	CHECK(ho_ber_get_int(&t, &s) == LIM_E_PARSE);
	CHECK(ho_ber_get_uint(&t, &u) == LIM_E_PARSE);
	CHECK(read_hex("02 02 ff 80", &t, buf, sizeof buf) == LIM_OK);
	CHECK(ho_ber_get_int(&t, &s) == LIM_E_PARSE);
	CHECK(read_hex("02 00", &t, buf, sizeof buf) == LIM_OK);
	CHECK(ho_ber_get_int(&t, &s) == LIM_E_PARSE);
	CHECK(read_hex("02 01 ff", &t, buf, sizeof buf) == LIM_OK);
	CHECK(ho_ber_get_uint(&t, &u) == LIM_E_LIMIT);
	CHECK(read_hex("02 0a 01 00 00 00 00 00 00 00 00 00", &t, buf, sizeof buf) == LIM_OK);
	CHECK(ho_ber_get_uint(&t, &u) == LIM_E_LIMIT);
	/* random round trips */
	for (int i = 0; i < 2000; i++) {
		uint64_t mag = rndmag(64);
		int64_t v = (rnd() & 1) ? -(int64_t)(mag >> 1) : (int64_t)(mag >> 1);
		uint64_t w = rndmag(64);
		uint8_t b[16];
		size_t n;
		struct ho_ber_enc e;
		ho_ber_enc_init(&e, b, sizeof b);
		ho_ber_int(&e, HO_UNI(HO_BER_T_INTEGER), v);
		CHECK(ho_ber_enc_finish(&e, &n) == LIM_OK);
		CHECK(read1(b, n, &t) == LIM_OK && ho_ber_get_int(&t, &s) == LIM_OK && s == v);
		ho_ber_enc_init(&e, b, sizeof b);
		ho_ber_uint(&e, HO_UNI(HO_BER_T_INTEGER), w);
		CHECK(ho_ber_enc_finish(&e, &n) == LIM_OK);
		CHECK(read1(b, n, &t) == LIM_OK && ho_ber_get_uint(&t, &u) == LIM_OK && u == w);
	}
}

static void len_case(size_t n, const uint8_t *hdr, size_t hl)
{
	static uint8_t in[70000], out[70016];
	struct ho_ber_enc e;
	struct ho_ber_tlv t;
	size_t len;
	memset(in, 0x5a, n);
	ho_ber_enc_init(&e, out, sizeof out);
	ho_ber_octets(&e, HO_UNI(HO_BER_T_OCTET_STRING), in, n);
	CHECK(ho_ber_enc_finish(&e, &len) == LIM_OK && len == hl + n);
	CHECK(memcmp(out, hdr, hl) == 0);
	CHECK(read1(out, len, &t) == LIM_OK && t.val.len == n && t.hdr_len == hl);
	CHECK(t.val.p == out + hl);
}

static void t_ber_len(void)
{
	static const uint8_t h127[] = { 0x04, 0x7f }, h128[] = { 0x04, 0x81, 0x80 },
			     h255[] = { 0x04, 0x81, 0xff }, h256[] = { 0x04, 0x82, 0x01, 0x00 },
			     h65535[] = { 0x04, 0x82, 0xff, 0xff },
			     h65536[] = { 0x04, 0x83, 0x01, 0x00, 0x00 }, h0[] = { 0x04, 0x00 };
	len_case(0, h0, sizeof h0);
	len_case(127, h127, sizeof h127);
	len_case(128, h128, sizeof h128);
	len_case(255, h255, sizeof h255);
	len_case(256, h256, sizeof h256);
	len_case(65535, h65535, sizeof h65535);
	len_case(65536, h65536, sizeof h65536);
	/* a constructed wrapper gets the same minimal length */
	ENC_EQ(
		{
			size_t m = ho_ber_mark(e);
			ho_ber_null(e, HO_UNI(HO_BER_T_NULL));
			ho_ber_wrap(e, m, HO_SEQ);
		},
		"30 02 05 00");
}

static void t_ber_tag(void)
{
	uint8_t buf[32];
	struct ho_ber_tlv t;
	ENC_EQ(ho_ber_null(e, HO_CTX(0)), "80 00");
	ENC_EQ(ho_ber_null(e, HO_CTX(30)), "9e 00");
	ENC_EQ(ho_ber_null(e, HO_CTX(31)), "9f 1f 00");
	ENC_EQ(ho_ber_null(e, HO_CTX(127)), "9f 7f 00");
	ENC_EQ(ho_ber_null(e, HO_CTX(128)), "9f 81 00 00");
	ENC_EQ(ho_ber_null(e, HO_APP(5)), "45 00");
	ENC_EQ(ho_ber_null(e, HO_APP(0x0fffffff)), "5f ff ff ff 7f 00");
	ENC_EQ(
		{
			size_t m = ho_ber_mark(e);
			ho_ber_wrap(e, m, HO_APPC(201));
		},
		"7f 81 49 00");
	ENC_EQ(
		{
			size_t m = ho_ber_mark(e);
			ho_ber_bool(e, HO_UNI(HO_BER_T_BOOLEAN), true);
			ho_ber_wrap(e, m, HO_CTXC(3));
		},
		"a3 03 01 01 ff");
	ENC_EQ(
		{
			size_t m = ho_ber_mark(e);
			ho_ber_wrap(e, m, HO_SET);
		},
		"31 00");
	ENC_EQ(ho_ber_null(e, ((struct ho_ber_tag){ HO_BER_PRIVATE, false, 1 })), "c1 00");
	/* decoding: multi-byte numbers and their malformed forms */
	CHECK(read_hex("9f 81 00 00", &t, buf, sizeof buf) == LIM_OK && t.tag.num == 128 &&
	      t.tag.cls == HO_BER_CONTEXT && !t.tag.cons);
	CHECK(read_hex("7f 81 49 00", &t, buf, sizeof buf) == LIM_OK && t.tag.num == 201 &&
	      t.tag.cls == HO_BER_APPLICATION && t.tag.cons);
	CHECK(read_hex("5f ff ff ff 7f 00", &t, buf, sizeof buf) == LIM_OK &&
	      t.tag.num == 0x0fffffff);
	CHECK(read_hex("9f 1e 00", &t, buf, sizeof buf) == LIM_E_PARSE);             /* < 31 */
	CHECK(read_hex("9f 80 81 00 00", &t, buf, sizeof buf) == LIM_E_PARSE);       /* 0x80 lead */
	CHECK(read_hex("9f 81 80 80 80 01 00", &t, buf, sizeof buf) == LIM_E_PARSE); /* > 2^28 */
	CHECK(read_hex("9f 81", &t, buf, sizeof buf) == LIM_E_TRUNC);
	CHECK(read_hex("9f", &t, buf, sizeof buf) == LIM_E_TRUNC);
}

static void oid_case(const uint32_t *arcs, size_t n, bool rel, const char *hex)
{
	uint8_t buf[64];
	uint32_t back[HO_BER_OID_MAX_ARCS];
	size_t bn = 0;
	struct ho_ber_tlv t;
	if (rel)
		ENC_EQ(ho_ber_reloid(e, HO_UNI(HO_BER_T_RELATIVE_OID), arcs, n), hex);
	else
		ENC_EQ(ho_ber_oid(e, HO_UNI(HO_BER_T_OID), arcs, n), hex);
	CHECK(read_hex(hex, &t, buf, sizeof buf) == LIM_OK);
	if (rel)
		CHECK(ho_ber_get_reloid(&t, back, HO_BER_OID_MAX_ARCS, &bn) == LIM_OK);
	else
		CHECK(ho_ber_get_oid(&t, back, HO_BER_OID_MAX_ARCS, &bn) == LIM_OK);
	CHECK(bn == n && memcmp(back, arcs, n * sizeof *arcs) == 0);
}

static void t_ber_oid(void)
{
	static const uint32_t rsa[] = { 1, 2, 840, 113549 }, ps[] = { 0, 4, 0, 2, 2, 5, 1, 17 },
			      x690[] = { 2, 100, 3 }, big[] = { 2, 4294967295u, 4294967295u },
			      ipmm[] = { 5, 5, 6, 1 }, bad1[] = { 3, 1 }, bad2[] = { 1, 40 },
			      zero[] = { 0, 0 };
	uint8_t buf[64];
	uint32_t arcs[4];
	size_t n;
	struct ho_ber_tlv t;
	struct ho_ber_enc e;
	oid_case(rsa, 4, false, "06 06 2a 86 48 86 f7 0d");
	oid_case(ps, 8, false, "06 07 04 00 02 02 05 01 11"); /* li-psDomainId, TS 102 232-1 */
	oid_case(x690, 3, false, "06 03 81 34 03");           /* X.690 8.19.5 example */
	oid_case(zero, 2, false, "06 01 00");
	oid_case(big, 3, false, "06 0a 90 80 80 80 4f 8f ff ff ff 7f");
	oid_case(ipmm, 4, true, "0d 04 05 05 06 01");
	oid_case(big + 1, 1, true, "0d 05 8f ff ff ff 7f");
	ho_ber_enc_init(&e, buf, sizeof buf);
	ho_ber_oid(&e, HO_UNI(HO_BER_T_OID), bad1, 2);
	CHECK(ho_ber_enc_finish(&e, &n) == LIM_E_ARG && n == 0);
	ho_ber_enc_init(&e, buf, sizeof buf);
	ho_ber_oid(&e, HO_UNI(HO_BER_T_OID), bad2, 2);
	CHECK(ho_ber_enc_finish(&e, &n) == LIM_E_ARG);
	ho_ber_enc_init(&e, buf, sizeof buf);
	ho_ber_oid(&e, HO_UNI(HO_BER_T_OID), rsa, 1);
	CHECK(ho_ber_enc_finish(&e, &n) == LIM_E_ARG);
	ho_ber_enc_init(&e, buf, sizeof buf);
	ho_ber_reloid(&e, HO_UNI(HO_BER_T_RELATIVE_OID), rsa, 0);
	CHECK(ho_ber_enc_finish(&e, &n) == LIM_E_ARG);
	/* decoder: leading 0x80, unterminated sub-identifier, empty, arc overflow, too many arcs */
	CHECK(read_hex("06 03 2a 80 01", &t, buf, sizeof buf) == LIM_OK);
	CHECK(ho_ber_get_oid(&t, arcs, 4, &n) == LIM_E_PARSE && n == 0);
	CHECK(read_hex("06 02 2a 86", &t, buf, sizeof buf) == LIM_OK);
	CHECK(ho_ber_get_oid(&t, arcs, 4, &n) == LIM_E_PARSE);
	CHECK(read_hex("06 00", &t, buf, sizeof buf) == LIM_OK);
	CHECK(ho_ber_get_oid(&t, arcs, 4, &n) == LIM_E_PARSE);
	CHECK(read_hex("0d 05 90 80 80 80 00", &t, buf, sizeof buf) == LIM_OK);
	CHECK(ho_ber_get_reloid(&t, arcs, 4, &n) == LIM_E_LIMIT);
	CHECK(read_hex("06 06 2a 86 48 86 f7 0d", &t, buf, sizeof buf) == LIM_OK);
	CHECK(ho_ber_get_oid(&t, arcs, 3, &n) == LIM_E_LIMIT);
}

static void t_ber_misc(void)
{
	uint8_t buf[32];
	struct ho_ber_tlv t;
	bool b = true;
	size_t n;
	struct ho_ber_enc enc;
	ENC_EQ(ho_ber_bool(e, HO_UNI(HO_BER_T_BOOLEAN), true), "01 01 ff");
	ENC_EQ(ho_ber_bool(e, HO_UNI(HO_BER_T_BOOLEAN), false), "01 01 00");
	ENC_EQ(ho_ber_null(e, HO_UNI(HO_BER_T_NULL)), "05 00");
	ENC_EQ(ho_ber_octets(e, HO_UNI(HO_BER_T_UTF8STRING), "\xc3\xa9", 2), "0c 02 c3 a9");
	ENC_EQ(ho_ber_ia5(e, HO_UNI(HO_BER_T_IA5STRING), "abc", 3), "16 03 61 62 63");
	ENC_EQ(ho_ber_octets(e, HO_UNI(HO_BER_T_OCTET_STRING), NULL, 0), "04 00");
	/* GeneralizedTime, DER (X.690 11.7): Z, fraction without trailing zeros, none for 0 */
	ENC_EQ(ho_ber_gentime(e, HO_UNI(HO_BER_T_GENERALIZEDTIME), 1764590400, 0),
	       "18 0f 32 30 32 35 31 32 30 31 31 32 30 30 30 30 5a"); /* 20251201120000Z */
	ENC_EQ(ho_ber_gentime(e, HO_UNI(HO_BER_T_GENERALIZEDTIME), 1764590400, 123456),
	       "18 16 32 30 32 35 31 32 30 31 31 32 30 30 30 30 2e 31 32 33 34 35 36 5a");
	ENC_EQ(ho_ber_gentime(e, HO_UNI(HO_BER_T_GENERALIZEDTIME), 1764590400, 500000),
	       "18 11 32 30 32 35 31 32 30 31 31 32 30 30 30 30 2e 35 5a"); /* ...00.5Z */
	ENC_EQ(ho_ber_gentime(e, HO_UNI(HO_BER_T_GENERALIZEDTIME), -1, 0),
	       "18 0f 31 39 36 39 31 32 33 31 32 33 35 39 35 39 5a"); /* 19691231235959Z */
	ENC_EQ(ho_ber_gentime(e, HO_UNI(HO_BER_T_GENERALIZEDTIME), 253402300799, 0),
	       "18 0f 39 39 39 39 31 32 33 31 32 33 35 39 35 39 5a"); /* 99991231235959Z */
	ho_ber_enc_init(&enc, buf, sizeof buf);
	ho_ber_gentime(&enc, HO_UNI(HO_BER_T_GENERALIZEDTIME), 253402300800, 0); /* year 10000 */
	CHECK(ho_ber_enc_finish(&enc, &n) == LIM_E_ARG);
	ho_ber_enc_init(&enc, buf, sizeof buf);
	ho_ber_gentime(&enc, HO_UNI(HO_BER_T_GENERALIZEDTIME), 0, 1000000);
	CHECK(ho_ber_enc_finish(&enc, &n) == LIM_E_ARG);
	ho_ber_enc_init(&enc, buf, sizeof buf);
	ho_ber_ia5(&enc, HO_UNI(HO_BER_T_IA5STRING), "\x80", 1);
	CHECK(ho_ber_enc_finish(&enc, &n) == LIM_E_ARG);
	ho_ber_enc_init(&enc, buf, sizeof buf);
	ho_ber_null(&enc, HO_CTXC(1)); /* a primitive value under a constructed tag */
	CHECK(ho_ber_enc_finish(&enc, &n) == LIM_E_ARG);
	ho_ber_enc_init(&enc, buf, sizeof buf);
	ho_ber_wrap(&enc, 5, HO_SEQ); /* mark beyond the position */
	CHECK(ho_ber_enc_finish(&enc, &n) == LIM_E_ARG);
	/* SEQUENCE { INTEGER 5, [0] EXPLICIT BOOLEAN TRUE, [1] IMPLICIT NULL }, last one first */
	ENC_EQ(
		{
			size_t m = ho_ber_mark(e);
			size_t m2;
			ho_ber_null(e, HO_CTX(1));
			m2 = ho_ber_mark(e);
			ho_ber_bool(e, HO_UNI(HO_BER_T_BOOLEAN), true);
			ho_ber_wrap(e, m2, HO_CTXC(0));
			ho_ber_int(e, HO_UNI(HO_BER_T_INTEGER), 5);
			ho_ber_wrap(e, m, HO_SEQ);
		},
		"30 0a 02 01 05 a0 03 01 01 ff 81 00");
	/* raw + header: a pre-encoded member under a hand-made header */
	ENC_EQ(
		{
			ho_ber_raw(e, "\x05\x00", 2);
			ho_ber_header(e, HO_SET, 2);
		},
		"31 02 05 00");
	CHECK(read_hex("01 01 ff", &t, buf, sizeof buf) == LIM_OK);
	CHECK(ho_ber_get_bool(&t, &b) == LIM_OK && b);
	CHECK(read_hex("01 02 ff ff", &t, buf, sizeof buf) == LIM_OK);
	CHECK(ho_ber_get_bool(&t, &b) == LIM_E_PARSE && !b);
	CHECK(read_hex("05 01 00", &t, buf, sizeof buf) == LIM_OK);
	CHECK(ho_ber_get_null(&t) == LIM_E_PARSE);
	CHECK(read_hex("25 00", &t, buf, sizeof buf) == LIM_OK);
	CHECK(ho_ber_get_null(&t) == LIM_E_PARSE); /* constructed NULL */
}

/* Output overflow is sticky: every capacity below the size fails with LIM_E_LIMIT, writes
 * nothing outside the buffer, and later fitting writes do not clear it. */
static void t_ber_overflow(void)
{
	static const uint32_t rsa[] = { 1, 2, 840, 113549 };
	uint8_t buf[80];
	size_t need = 0, n;
	struct ho_ber_enc e;
	for (size_t cap = 0; cap <= 64; cap++) {
		size_t m;
		memset(buf, 0xee, sizeof buf);
		ho_ber_enc_init(&e, buf, cap);
		m = ho_ber_mark(&e);
		ho_ber_octets(&e, HO_CTX(1), "0123456789abcdefghij", 20);
		ho_ber_oid(&e, HO_UNI(HO_BER_T_OID), rsa, 4);
		ho_ber_int(&e, HO_UNI(HO_BER_T_INTEGER), -129);
		ho_ber_wrap(&e, m, HO_SEQ);
		if (ho_ber_enc_finish(&e, &n) == LIM_OK) {
			if (!need)
				need = cap;
			CHECK(n == need);
		} else {
			CHECK(need == 0 && n == 0);
		}
		for (size_t i = cap; i < sizeof buf; i++)
			CHECK(buf[i] == 0xee);
	}
	CHECK(need == 22 + 8 + 4 + 2); /* [1] 20 octets, OID, INTEGER, SEQUENCE header */
	/* sticky: a failing write followed by a small one that would fit */
	ho_ber_enc_init(&e, buf, 4);
	ho_ber_octets(&e, HO_CTX(1), "0123456789", 10);
	ho_ber_null(&e, HO_CTX(0));
	CHECK(ho_ber_enc_finish(&e, &n) == LIM_E_LIMIT && n == 0);
	/* first error wins: LIM_E_ARG then overflow */
	ho_ber_enc_init(&e, buf, 4);
	ho_ber_oid(&e, HO_UNI(HO_BER_T_OID), rsa, 1);
	ho_ber_octets(&e, HO_CTX(1), "0123456789", 10);
	CHECK(ho_ber_enc_finish(&e, &n) == LIM_E_ARG);
	ho_ber_enc_init(&e, NULL, 10);
	ho_ber_null(&e, HO_CTX(0));
	CHECK(ho_ber_enc_finish(&e, &n) == LIM_E_LIMIT);
}

struct walk_rec {
	uint8_t rec[512][10];
	size_t n;
};

static void walk_cb(void *ctx, unsigned depth, const struct ho_ber_tlv *t)
{
	struct walk_rec *w = ctx;
	uint8_t *r;
	if (w->n >= 512)
		return;
	r = w->rec[w->n++];
	/* same record layout as the Python walker in tests/kat/handover_pdu.vec */
	r[0] = (uint8_t)depth;
	r[1] = (uint8_t)(t->tag.cls | (t->tag.cons ? 0x20 : 0) |
			 (t->tag.num < 31 ? t->tag.num : 31));
	for (int i = 0; i < 4; i++) {
		r[2 + i] = (uint8_t)(t->tag.num >> (24 - 8 * i));
		r[6 + i] = (uint8_t)(t->val.len >> (24 - 8 * i));
	}
}

static void t_ber_dec(void)
{
	uint8_t buf[256];
	struct ho_ber_tlv t;
	struct ho_ber_limits lim = { 16, 1024 };
	struct lim_rd r;
	size_t n;
	/* indefinite length, non-minimal lengths, reserved 0xff, 5-octet lengths */
	CHECK(read_hex("30 80 00 00", &t, buf, sizeof buf) == LIM_E_PARSE);
	CHECK(read_hex("04 81 05 00 00 00 00 00", &t, buf, sizeof buf) == LIM_E_PARSE);
	CHECK(read_hex("04 82 00 80", &t, buf, sizeof buf) == LIM_E_PARSE);
	CHECK(read_hex("04 ff", &t, buf, sizeof buf) == LIM_E_PARSE);
	CHECK(read_hex("04 85 01 00 00 00 00", &t, buf, sizeof buf) == LIM_E_PARSE);
	/* truncation: header and contents; a failed read consumes nothing */
	CHECK(read_hex("04", &t, buf, sizeof buf) == LIM_E_TRUNC);
	CHECK(read_hex("04 82 01", &t, buf, sizeof buf) == LIM_E_TRUNC);
	CHECK(read_hex("04 03 00 00", &t, buf, sizeof buf) == LIM_E_TRUNC);
	n = unhex("04 84 ff ff ff ff 00", buf, sizeof buf);
	r = lim_rd_make(buf, n);
	CHECK(ho_ber_read(&r, SIZE_MAX, &t) == LIM_E_TRUNC && r.len == n && t.val.p == NULL);
	/* length cap */
	r = lim_rd_make(buf, n);
	CHECK(ho_ber_read(&r, 1024, &t) == LIM_E_LIMIT && r.len == n);
	n = unhex("04 03 01 02 03", buf, sizeof buf);
	r = lim_rd_make(buf, n);
	CHECK(ho_ber_read(&r, 2, &t) == LIM_E_LIMIT);
	r = lim_rd_make(buf, n);
	CHECK(ho_ber_read(&r, 3, &t) == LIM_OK && lim_rd_empty(&r));
	/* depth cap: k nested SEQUENCEs around a NULL */
	for (size_t k = 1; k <= 40; k++) {
		struct ho_ber_enc e;
		size_t len;
		ho_ber_enc_init(&e, buf, sizeof buf);
		ho_ber_null(&e, HO_UNI(HO_BER_T_NULL));
		for (size_t i = 0; i < k; i++)
			ho_ber_wrap(&e, 0, HO_SEQ);
		CHECK(ho_ber_enc_finish(&e, &len) == LIM_OK);
		/* the NULL sits at depth k: allowed when k <= max_depth */
		CHECK(ho_ber_walk(buf, len, &lim, NULL, NULL) == (k <= 16 ? LIM_OK : LIM_E_LIMIT));
	}
	lim.max_depth = 1000; /* clamped to HO_BER_DEPTH_HARD */
	{
		/* 30 00 30 00 ... is flat (siblings): fine at any count */
		static uint8_t flat[2 * 200];
		for (size_t i = 0; i < 200; i++) {
			flat[2 * i] = 0x30;
			flat[2 * i + 1] = 0x00;
		}
		CHECK(ho_ber_walk(flat, sizeof flat, &lim, NULL, NULL) == LIM_OK);
	}
	{
		/* 70 nested [0] wrappers: deeper than HO_BER_DEPTH_HARD whatever max_depth says */
		struct ho_ber_enc e;
		size_t len;
		ho_ber_enc_init(&e, buf, sizeof buf);
		ho_ber_null(&e, HO_UNI(HO_BER_T_NULL));
		for (size_t i = 0; i < 70; i++)
			ho_ber_wrap(&e, 0, HO_CTXC(0));
		CHECK(ho_ber_enc_finish(&e, &len) == LIM_OK);
		CHECK(ho_ber_walk(buf, len, &lim, NULL, NULL) == LIM_E_LIMIT);
	}
	/* a constructed value whose contents are not TLVs */
	n = unhex("30 03 02 05 00", buf, sizeof buf);
	CHECK(ho_ber_walk(buf, n, &lim, NULL, NULL) == LIM_E_TRUNC);
	n = unhex("30 02 02 01 30 00", buf, sizeof buf);
	CHECK(ho_ber_walk(buf, n, &lim, NULL, NULL) == LIM_E_TRUNC);
	CHECK(ho_ber_walk(NULL, 0, &lim, NULL, NULL) == LIM_OK);
}

/* Random trees: encode, walk, compare the pre-order records with those of the generator. */
struct node {
	struct ho_ber_tag tag;
	int64_t v;
	size_t nkids, kid[6];
};

static size_t gen_tree(struct node *nodes, size_t *nn, unsigned depth)
{
	size_t me = (*nn)++;
	struct node *x = &nodes[me];
	static const uint8_t cls[] = { HO_BER_UNIVERSAL, HO_BER_APPLICATION, HO_BER_CONTEXT,
				       HO_BER_PRIVATE };
	uint32_t num = (uint32_t)rndmag(64);
	x->tag.cls = cls[rndn(4)];
	x->tag.num = num & 0x0fffffffu;
	x->nkids = 0;
	x->v = (int64_t)(rndmag(64) >> 1);
	if (rnd() & 1)
		x->v = -x->v - 1;
	x->tag.cons = depth < 5 && *nn < 200 && rndn(2);
	if (x->tag.cons) {
		size_t k = rndn(7);
		for (size_t i = 0; i < k && *nn < 250; i++)
			x->kid[x->nkids++] = gen_tree(nodes, nn, depth + 1);
	}
	return me;
}

static void enc_tree(struct ho_ber_enc *e, const struct node *nodes, size_t i)
{
	const struct node *x = &nodes[i];
	if (!x->tag.cons) {
		ho_ber_int(e, x->tag, x->v);
		return;
	}
	size_t m = ho_ber_mark(e);
	for (size_t k = x->nkids; k-- > 0;)
		enc_tree(e, nodes, x->kid[k]);
	ho_ber_wrap(e, m, x->tag);
}

struct check_walk {
	const struct node *nodes;
	size_t order[256], depth[256], n, pos;
	bool ok;
};

static void order_tree(struct check_walk *c, size_t i, size_t depth)
{
	c->order[c->n] = i;
	c->depth[c->n++] = depth;
	for (size_t k = 0; k < c->nodes[i].nkids; k++)
		order_tree(c, c->nodes[i].kid[k], depth + 1);
}

static void check_cb(void *ctx, unsigned depth, const struct ho_ber_tlv *t)
{
	struct check_walk *c = ctx;
	const struct node *x;
	int64_t v;
	if (c->pos >= c->n) {
		c->ok = false;
		return;
	}
	x = &c->nodes[c->order[c->pos]];
	if (depth != c->depth[c->pos++] || t->tag.cls != x->tag.cls || t->tag.cons != x->tag.cons ||
	    t->tag.num != x->tag.num)
		c->ok = false;
	if (!x->tag.cons && (ho_ber_get_int(t, &v) != LIM_OK || v != x->v))
		c->ok = false;
}

static void t_ber_random(void)
{
	static struct node nodes[256];
	static uint8_t buf[16384];
	const struct ho_ber_limits lim = { 8, sizeof buf };
	for (int it = 0; it < 500; it++) {
		struct ho_ber_enc e;
		struct check_walk c;
		size_t nn = 0, len;
		gen_tree(nodes, &nn, 0);
		ho_ber_enc_init(&e, buf, sizeof buf);
		enc_tree(&e, nodes, 0);
		CHECK(ho_ber_enc_finish(&e, &len) == LIM_OK);
		memset(&c, 0, sizeof c);
		c.nodes = nodes;
		c.ok = true;
		order_tree(&c, 0, 0);
		CHECK(ho_ber_walk(buf, len, &lim, check_cb, &c) == LIM_OK);
		CHECK(c.ok && c.pos == c.n);
		/* every proper prefix is rejected (a TLV stream cannot end mid-value) */
		if (it < 50)
			for (size_t k = 1; k < len; k++)
				CHECK(ho_ber_walk(buf, k, &lim, NULL, NULL) != LIM_OK);
	}
}

/* ---- PS-PDU ---- */

static const char SIP[] = "INVITE sip:bob@example.com SIP/2.0\r\n"
			  "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776\r\n"
			  "From: <sip:alice@example.com>;tag=1928\r\nTo: <sip:bob@example.com>\r\n"
			  "Call-ID: a84b4c76e66710@limf.test\r\nCSeq: 1 INVITE\r\n"
			  "Content-Length: 0\r\n\r\n";

/* The fixed inputs of tests/kat/handover_pdu.vec. */
static void fixed_header(struct ho_psheader *h, uint32_t seqno)
{
	memset(h, 0, sizeof *h);
	h->version = HO_PS_VERSION_DEFAULT;
	SETSTR(h->liid, "LIID-0001");
	SETSTR(h->auth_cc, "GB");
	SETSTR(h->op_id, "limf-op");
	SETSTR(h->ne_id, "limf-1");
	h->cin = 2147483649u;
	SETSTR(h->deliv_cc, "GB");
	h->seqno = seqno;
	h->ts_sec = 1764590400u; /* 2025-12-01T12:00:00Z */
	h->ts_usec = 123456;
	h->tsq = HO_TSQ_INTERCEPTION;
}

static uint8_t rtp_pkt[172];

static void fixed_iri(struct ho_iri_sip *iri)
{
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
	memset(iri, 0, sizeof *iri);
	iri->type = HO_IRI_BEGIN;
	iri->src.family = 4;
	memcpy(iri->src.addr, "\xc0\x00\x02\x01", 4);
	iri->dst.family = 6;
	memcpy(iri->dst.addr, v6, 16);
	iri->sip = (const uint8_t *)SIP;
	iri->sip_len = sizeof SIP - 1;
}

static void fixed_cc(struct ho_cc_rtp *cc)
{
	static const uint8_t hdr[12] = { 0x80, 0, 0, 1, 0, 0, 0, 0xa0, 0xde, 0xad, 0xbe, 0xef };
	memcpy(rtp_pkt, hdr, 12);
	for (size_t i = 0; i < 160; i++)
		rtp_pkt[12 + i] = (uint8_t)i;
	memset(cc, 0, sizeof *cc);
	cc->dir = HO_DIR_FROM_TARGET;
	cc->rtp = rtp_pkt;
	cc->rtp_len = sizeof rtp_pkt;
	cc->stream_id = (const uint8_t *)"s1";
	cc->stream_id_len = 2;
}

static bool hdr_eq(const struct ho_psheader *a, const struct ho_psheader *b)
{
	return a->version == b->version && !strcmp(a->liid, b->liid) &&
	       !strcmp(a->auth_cc, b->auth_cc) && !strcmp(a->op_id, b->op_id) &&
	       !strcmp(a->ne_id, b->ne_id) && a->cin == b->cin &&
	       !strcmp(a->deliv_cc, b->deliv_cc) && a->seqno == b->seqno &&
	       a->ts_sec == b->ts_sec && a->ts_usec == b->ts_usec && a->tsq == b->tsq;
}

/* The four fixed PDUs, by index: 0 IRI, 1 CC, 2 keep-alive, 3 keep-alive response. */
static const char *const kat_names[4] = { "iri_sip", "cc_rtp", "keepalive", "keepalive_resp" };

static size_t encode_fixed(int which, uint8_t *buf, size_t cap)
{
	struct ho_psheader h;
	struct ho_iri_sip iri;
	struct ho_cc_rtp cc;
	size_t len = 0;
	enum lim_err err = LIM_E_STATE;
	switch (which) {
	case 0:
		fixed_header(&h, 300);
		fixed_iri(&iri);
		err = ho_encode_iri_sip(&h, &iri, buf, cap, &len);
		break;
	case 1:
		fixed_header(&h, 7);
		fixed_cc(&cc);
		err = ho_encode_cc_rtp(&h, &cc, buf, cap, &len);
		break;
	case 2:
		fixed_header(&h, 301);
		err = ho_encode_keepalive(&h, buf, cap, &len);
		break;
	case 3:
		fixed_header(&h, 302);
		err = ho_encode_keepalive_response(&h, buf, cap, &len);
		break;
	default: break;
	}
	CHECK(err == LIM_OK);
	return len;
}

static void t_pdu_kat(void)
{
	char *vec = lim_t_read_file(PDU_VEC, NULL);
	static uint8_t want[4096], got[4096], walk[8192];
	static struct walk_rec w;
	const struct ho_ber_limits lim = { HO_PDU_DEPTH, HO_PDU_MAX };
	for (int i = 0; i < 4; i++) {
		char name[64];
		size_t wn = 0, gn, walkn = 0;
		struct ho_pdu p;
		CHECK(lim_t_vec_hex(vec, kat_names[i], want, sizeof want, &wn) == 0);
		gn = encode_fixed(i, got, sizeof got);
		CHECK(gn == wn && memcmp(got, want, wn) == 0);
		/* our walker sees the same TLVs as the Python one */
		snprintf(name, sizeof name, "%s_walk", kat_names[i]);
		CHECK(lim_t_vec_hex(vec, name, walk, sizeof walk, &walkn) == 0);
		w.n = 0;
		CHECK(ho_ber_walk(want, wn, &lim, walk_cb, &w) == LIM_OK);
		CHECK(w.n * 10 == walkn && memcmp(w.rec, walk, walkn) == 0);
		/* the independent bytes decode to the fixed inputs */
		CHECK(ho_decode_pdu(want, wn, &p) == LIM_OK);
		CHECK(p.kind == (enum ho_payload_kind)(i + 1));
		{
			struct ho_psheader h;
			fixed_header(&h, i == 0 ? 300 : i == 1 ? 7 : (uint32_t)(299 + i));
			CHECK(hdr_eq(&p.hdr, &h));
		}
		/* mutated twin: li-psDomainId {0 4 0 2 2 5 2 17} is not a PS-PDU header */
		CHECK(memcmp(want + (wn < 128 ? 4 : 6), "\x80\x07\x04\x00\x02\x02\x05\x01\x11",
			     9) == 0);
		want[(wn < 128 ? 4 : 6) + 7] = 0x02;
		CHECK(ho_decode_pdu(want, wn, &p) == LIM_E_UNSUPP && p.kind == 0);
		want[(wn < 128 ? 4 : 6) + 7] = 0x01;
		/* mutated twin: the SEQUENCE tag of the PS-PDU */
		want[0] = 0x31;
		CHECK(ho_decode_pdu(want, wn, &p) == LIM_E_PARSE);
	}
	/* spot checks of the explained layout (handover/pdu.h): the IRI's payload path */
	{
		size_t gn = encode_fixed(0, got, sizeof got);
		/* 30 82 01 7e | a1 4c (pSHeader) 80 07 04 00 02 02 05 01 11 (li-psDomainId v17) */
		static const uint8_t head[] = { 0x30, 0x82, 0x01, 0x7e, 0xa1, 0x4c, 0x80, 0x07,
						0x04, 0x00, 0x02, 0x02, 0x05, 0x01, 0x11 };
		/* payload [2] / iRIPayloadSequence [0] / IRIPayload / iRIType begin /
		 * iRIContents [2] / iPMMIRI [11] / iPMMIRIObjId 05 05 06 01 / iPMMIRIContents [1] /
		 * sIPMessage [1] / ipSourceAddress [0] { iP-type [1] iPV4,
		 * iP-value [2] { iPBinaryAddress [1] } } */
		static const uint8_t pay[] = { 0xa2, 0x82, 0x01, 0x2c, 0xa0, 0x82, 0x01, 0x28, 0x30,
					       0x82, 0x01, 0x24, 0x80, 0x01, 0x01, 0xa2, 0x82, 0x01,
					       0x1d, 0xab, 0x82, 0x01, 0x19, 0x80, 0x04, 0x05, 0x05,
					       0x06, 0x01, 0xa1, 0x82, 0x01, 0x0f, 0xa1, 0x82, 0x01,
					       0x0b, 0xa0, 0x0b, 0x81, 0x01, 0x00, 0xa2, 0x06, 0x81,
					       0x04, 0xc0, 0x00, 0x02, 0x01 };
		CHECK(gn == 0x17e + 4 && memcmp(got, head, sizeof head) == 0);
		CHECK(memcmp(got + 4 + 2 + 0x4c, pay, sizeof pay) == 0);
		/* keep-alive: payload [2] { tRIPayload [2] { keep-alive [3] NULL } } at the end */
		gn = encode_fixed(2, got, sizeof got);
		CHECK(gn >= 6 && memcmp(got + gn - 6, "\xa2\x04\xa2\x02\x83\x00", 6) == 0);
		gn = encode_fixed(3, got, sizeof got);
		CHECK(gn >= 6 && memcmp(got + gn - 6, "\xa2\x04\xa2\x02\x84\x00", 6) == 0);
	}
	/* a LEMF's keep-aliveResponse with no more than TS 102 232-1 requires: li-psDomainId,
	 * LIID "L", communicationIdentifier { networkIdentifier { operatorIdentifier "O" } }
	 * (no CIN), sequenceNumber 5, no microSecondTimeStamp: decodes, both marked absent, and
	 * an echo of its header leaves them out again; IRI or CC without them: refused */
	{
		static const uint8_t bare[] = { 0x30, 0x1e, 0xa1, 0x16, 0x80, 0x07, 0x04, 0x00,
						0x02, 0x02, 0x05, 0x01, 0x11, 0x81, 0x01, 0x4c,
						0xa3, 0x05, 0xa0, 0x03, 0x80, 0x01, 0x4f, 0x84,
						0x01, 0x05, 0xa2, 0x04, 0xa2, 0x02, 0x84, 0x00 };
		struct ho_pdu p;
		struct ho_psheader h;
		struct ho_cc_rtp cc;
		size_t gn = 0;
		CHECK(ho_decode_pdu(bare, sizeof bare, &p) == LIM_OK &&
		      p.kind == HO_PAYLOAD_KEEPALIVE_RESPONSE && p.hdr.seqno == 5 && p.hdr.no_cin &&
		      p.hdr.no_usts && strcmp(p.hdr.liid, "L") == 0);
		h = p.hdr;
		CHECK(ho_encode_keepalive(&h, got, sizeof got, &gn) == LIM_OK);
		CHECK(ho_decode_pdu(got, gn, &p) == LIM_OK && p.kind == HO_PAYLOAD_KEEPALIVE &&
		      p.hdr.no_cin && p.hdr.no_usts && p.hdr.seqno == 5);
		fixed_cc(&cc);
		for (int k = 0; k < 2; k++) {
			fixed_header(&h, 7);
			h.no_cin = k == 0;
			h.no_usts = k == 1;
			CHECK(ho_encode_cc_rtp(&h, &cc, got, sizeof got, &gn) == LIM_E_ARG);
		}
		/* that bare header before the fixed IRI's and CC's payloads: refused */
		for (int k = 0; k < 2; k++) {
			static uint8_t pdu[4096];
			size_t fn = encode_fixed(k, got, sizeof got), o = 1, hl, pl, n = 0;
			o += got[o] < 128 ? 1 : 1 + (got[o] & 0x7fu); /* PS-PDU length */
			hl = got[o + 1];                              /* pSHeader: short length */
			pl = fn - (o + 2 + hl);                       /* the payload TLV */
			size_t body = (sizeof bare - 2 - 6) + pl;
			pdu[n++] = 0x30; /* (minimal length: 81 xx or 82 xx xx, as the sizes are) */
			if (body >= 256) {
				pdu[n++] = 0x82;
				pdu[n++] = (uint8_t)(body >> 8);
			} else {
				pdu[n++] = 0x81;
			}
			pdu[n++] = (uint8_t)body;
			memcpy(pdu + n, bare + 2, sizeof bare - 2 - 6);
			n += sizeof bare - 2 - 6;
			memcpy(pdu + n, got + o + 2 + hl, pl);
			n += pl;
			CHECK(body >= 128 && ho_decode_pdu(pdu, n, &p) == LIM_E_PARSE &&
			      p.kind == 0);
			/* (with the fixed header's CIN and microSecondTimeStamp it decodes) */
			CHECK(ho_decode_pdu(got, fn, &p) == LIM_OK);
		}
	}
	free(vec);
}

static void rand_header(struct ho_psheader *h)
{
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._";
	size_t n;
	memset(h, 0, sizeof *h);
	h->version = (uint32_t)rndn(64);
	n = 1 + rndn(HO_LIID_MAX);
	for (size_t i = 0; i < n; i++)
		h->liid[i] = alpha[rndn(sizeof alpha - 1)];
	n = 1 + rndn(HO_NETID_MAX);
	for (size_t i = 0; i < n; i++)
		h->op_id[i] = alpha[rndn(sizeof alpha - 1)];
	n = rndn(HO_NETID_MAX + 1);
	for (size_t i = 0; i < n; i++)
		h->ne_id[i] = alpha[rndn(sizeof alpha - 1)];
	if (rndn(2)) {
		h->auth_cc[0] = alpha[rndn(26)];
		h->auth_cc[1] = alpha[rndn(26)];
	}
	if (rndn(2)) {
		h->deliv_cc[0] = alpha[rndn(26)];
		h->deliv_cc[1] = alpha[rndn(26)];
	}
	h->cin = (uint32_t)rnd();
	h->seqno = (uint32_t)rndmag(33);
	h->ts_sec = (uint32_t)rnd();
	h->ts_usec = (uint32_t)rndn(1000000);
	h->tsq = (enum ho_tsq)rndn(4);
}

/* The generic (backward BER) CC encoder ho_encode_cc_rtp used before its direct forward
 * version (handover/pdu.c): the reference the fast one must match octet for octet. */
static void ref_header(struct ho_ber_enc *e, const struct ho_psheader *h)
{
	static const uint32_t prefix[7] = { 0, 4, 0, 2, 2, 5, 1 };
	uint32_t arcs[8];
	size_t m = ho_ber_mark(e), m2, m3;
	ho_ber_int(e, HO_CTX(8), (int64_t)h->tsq);
	m2 = ho_ber_mark(e);
	ho_ber_uint(e, HO_CTX(1), h->ts_usec);
	ho_ber_uint(e, HO_CTX(0), h->ts_sec);
	ho_ber_wrap(e, m2, HO_CTXC(7));
	ho_ber_uint(e, HO_CTX(4), h->seqno);
	m2 = ho_ber_mark(e);
	if (h->deliv_cc[0])
		ho_ber_octets(e, HO_CTX(2), h->deliv_cc, 2);
	ho_ber_uint(e, HO_CTX(1), h->cin);
	m3 = ho_ber_mark(e);
	if (h->ne_id[0])
		ho_ber_octets(e, HO_CTX(1), h->ne_id, strnlen(h->ne_id, sizeof h->ne_id));
	ho_ber_octets(e, HO_CTX(0), h->op_id, strnlen(h->op_id, sizeof h->op_id));
	ho_ber_wrap(e, m3, HO_CTXC(0));
	ho_ber_wrap(e, m2, HO_CTXC(3));
	if (h->auth_cc[0])
		ho_ber_octets(e, HO_CTX(2), h->auth_cc, 2);
	ho_ber_octets(e, HO_CTX(1), h->liid, strnlen(h->liid, sizeof h->liid));
	memcpy(arcs, prefix, sizeof prefix);
	arcs[7] = h->version;
	ho_ber_oid(e, HO_CTX(0), arcs, 8);
	ho_ber_wrap(e, m, HO_CTXC(1));
}

static enum lim_err ref_cc(const struct ho_psheader *h, const struct ho_cc_rtp *cc, uint8_t *buf,
			   size_t cap, size_t *len)
{
	static const uint32_t oid[4] = { 5, 5, 6, 2 };
	struct ho_ber_enc e;
	size_t m[5];
	ho_ber_enc_init(&e, buf, cap);
	for (size_t i = 0; i < 5; i++)
		m[i] = ho_ber_mark(&e);
	ho_ber_int(&e, HO_CTX(4), 0);
	if (cc->stream_id_len)
		ho_ber_octets(&e, HO_CTX(3), cc->stream_id, cc->stream_id_len);
	ho_ber_int(&e, HO_CTX(2), 2);
	ho_ber_octets(&e, HO_CTX(1), cc->rtp, cc->rtp_len);
	ho_ber_reloid(&e, HO_CTX(0), oid, 4);
	ho_ber_wrap(&e, m[4], HO_CTXC(12));
	ho_ber_wrap(&e, m[3], HO_CTXC(2));
	ho_ber_int(&e, HO_CTX(0), (int64_t)cc->dir);
	ho_ber_wrap(&e, m[2], HO_SEQ);
	ho_ber_wrap(&e, m[1], HO_CTXC(1));
	ho_ber_wrap(&e, m[0], HO_CTXC(2));
	ref_header(&e, h);
	ho_ber_wrap(&e, 0, HO_SEQ);
	return ho_ber_enc_finish(&e, len);
}

/* ho_encode_cc_rtp (direct forward encoder) = the generic BER encoding, octet for octet, over
 * random headers (versions and numbers across the 1/2/3/4/5-octet boundaries), RTP lengths
 * around every length-form boundary, stream IDs, and buffers one octet too small. */
static void t_pdu_cc_fast(void)
{
	static uint8_t data[70000], sid[300], a[71000], b[71000];
	static const size_t lens[] = { 0,   1,   12,  100,  127,   128,   129,   172,
				       255, 256, 257, 1000, 65535, 65536, 65537, 69000 };
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)rnd();
	for (size_t i = 0; i < sizeof sid; i++)
		sid[i] = (uint8_t)rnd();
	for (int it = 0; it < 3000; it++) {
		struct ho_psheader h;
		struct ho_cc_rtp cc;
		size_t la = 0, lb = 0;
		enum lim_err ea, eb;
		rand_header(&h);
		if (rndn(3) == 0)
			h.version = (uint32_t)rndmag(32);
		if (rndn(4) == 0)
			h.cin = (uint32_t)rndmag(32);
		if (rndn(4) == 0)
			h.seqno = rndn(2) ? 0xffffffffu : (uint32_t)rndn(300);
		memset(&cc, 0, sizeof cc);
		cc.dir = (enum ho_direction)rndn(5);
		cc.rtp_len = it < 16 ? lens[it] : rndn(4) ? rndn(400) : lens[rndn(16)];
		cc.rtp = cc.rtp_len || rndn(2) ? data : NULL;
		if (rndn(3) == 0) {
			cc.stream_id_len = rndn(2) ? 1 + rndn(127) : 1 + rndn(sizeof sid);
			cc.stream_id = sid;
		}
		ea = ref_cc(&h, &cc, a, sizeof a, &la);
		eb = ho_encode_cc_rtp(&h, &cc, b, sizeof b, &lb);
		CHECK(ea == LIM_OK && eb == LIM_OK);
		CHECK(la == lb && memcmp(a, b, la) == 0);
		/* exactly the size fits, one octet less does not */
		CHECK(ho_encode_cc_rtp(&h, &cc, b, la, &lb) == LIM_OK && lb == la &&
		      memcmp(a, b, la) == 0);
		CHECK(ho_encode_cc_rtp(&h, &cc, b, la - 1, &lb) == LIM_E_LIMIT && lb == 0);
	}
}

static void t_pdu_roundtrip(void)
{
	static uint8_t buf[70000], data[65536], sid[32];
	for (int it = 0; it < 600; it++) {
		struct ho_psheader h;
		struct ho_pdu p;
		size_t len = 0;
		int kind = (int)rndn(4);
		rand_header(&h);
		for (size_t i = 0; i < 4096; i++)
			data[i] = (uint8_t)rnd();
		if (kind == 0) {
			struct ho_iri_sip iri;
			iri.type = (enum ho_iri_type)(1 + rndn(4));
			iri.src.family = rndn(2) ? 4 : 6;
			iri.dst.family = rndn(2) ? 4 : 6;
			for (size_t i = 0; i < 16; i++) {
				iri.src.addr[i] = (uint8_t)rnd();
				iri.dst.addr[i] = (uint8_t)rnd();
			}
			iri.sip = data;
			iri.sip_len = rndn(2) ? rndn(300) : rndn(sizeof data);
			CHECK(ho_encode_iri_sip(&h, &iri, buf, sizeof buf, &len) == LIM_OK);
			CHECK(ho_decode_pdu(buf, len, &p) == LIM_OK &&
			      p.kind == HO_PAYLOAD_IRI_SIP);
			CHECK(p.iri.type == iri.type && p.iri.sip_len == iri.sip_len);
			CHECK(memcmp(p.iri.sip, data, iri.sip_len) == 0);
			CHECK(p.iri.src.family == iri.src.family &&
			      p.iri.dst.family == iri.dst.family);
			CHECK(memcmp(p.iri.src.addr, iri.src.addr, iri.src.family == 4 ? 4 : 16) ==
			      0);
			CHECK(memcmp(p.iri.dst.addr, iri.dst.addr, iri.dst.family == 4 ? 4 : 16) ==
			      0);
		} else if (kind == 1) {
			struct ho_cc_rtp cc;
			cc.dir = (enum ho_direction)rndn(5);
			cc.rtp = data;
			cc.rtp_len = rndn(2) ? rndn(200) : rndn(sizeof data);
			cc.stream_id_len = rndn(sizeof sid);
			for (size_t i = 0; i < sizeof sid; i++)
				sid[i] = (uint8_t)rnd();
			cc.stream_id = cc.stream_id_len ? sid : NULL;
			CHECK(ho_encode_cc_rtp(&h, &cc, buf, sizeof buf, &len) == LIM_OK);
			CHECK(ho_decode_pdu(buf, len, &p) == LIM_OK && p.kind == HO_PAYLOAD_CC_RTP);
			CHECK(p.cc.dir == cc.dir && p.cc.rtp_len == cc.rtp_len);
			CHECK(memcmp(p.cc.rtp, data, cc.rtp_len) == 0);
			CHECK(p.cc.stream_id_len == cc.stream_id_len);
			CHECK(cc.stream_id_len == 0 ||
			      memcmp(p.cc.stream_id, sid, cc.stream_id_len) == 0);
		} else if (kind == 2) {
			CHECK(ho_encode_keepalive(&h, buf, sizeof buf, &len) == LIM_OK);
			CHECK(ho_decode_pdu(buf, len, &p) == LIM_OK &&
			      p.kind == HO_PAYLOAD_KEEPALIVE);
		} else {
			CHECK(ho_encode_keepalive_response(&h, buf, sizeof buf, &len) == LIM_OK);
			CHECK(ho_decode_pdu(buf, len, &p) == LIM_OK &&
			      p.kind == HO_PAYLOAD_KEEPALIVE_RESPONSE);
		}
		CHECK(hdr_eq(&p.hdr, &h));
		{
			size_t fl = 0;
			CHECK(ho_pdu_length(buf, len, &fl) == LIM_OK && fl == len);
		}
	}
}

/* Every truncation of every fixed PDU is rejected, as is every one-octet mutation that breaks
 * it; none of them crashes (ASan). ho_pdu_length asks for more bytes on every prefix. */
static void t_pdu_trunc(void)
{
	static uint8_t buf[4096], cp[4096];
	for (int i = 0; i < 4; i++) {
		size_t len = encode_fixed(i, buf, sizeof buf), fl;
		struct ho_pdu p;
		for (size_t k = 0; k < len; k++) {
			uint8_t *heap =
				malloc(k ? k : 1); /* exact-size copy: ASan sees overreads */
			memcpy(heap, buf, k);
			CHECK(ho_decode_pdu(heap, k, &p) != LIM_OK && p.kind == 0);
			CHECK(ho_pdu_length(heap, k, &fl) == LIM_E_TRUNC && fl == 0);
			free(heap);
		}
		CHECK(ho_decode_pdu(buf, len, &p) == LIM_OK);
		/* trailing bytes */
		memcpy(cp, buf, len);
		cp[len] = 0;
		CHECK(ho_decode_pdu(cp, len + 1, &p) == LIM_E_PARSE);
		CHECK(ho_pdu_length(cp, len + 1, &fl) == LIM_OK && fl == len);
		/* every position, a few mutations: no crash; decoded ones stay self-consistent */
		for (size_t k = 0; k < len; k++) {
			static const uint8_t x[] = { 0x01, 0x20, 0x80, 0xff };
			for (size_t j = 0; j < sizeof x; j++) {
				uint8_t *heap = malloc(len);
				enum lim_err err;
				memcpy(heap, buf, len);
				heap[k] ^= x[j];
				err = ho_decode_pdu(heap, len, &p);
				CHECK(err == LIM_OK || p.kind == 0);
				free(heap);
			}
		}
	}
}

static void t_pdu_args(void)
{
	static uint8_t buf[1024];
	struct ho_psheader h;
	struct ho_iri_sip iri;
	struct ho_cc_rtp cc;
	size_t len = 99, need;
	fixed_iri(&iri);
	fixed_cc(&cc);
#define BAD_HDR(mut)                                                                               \
	do {                                                                                       \
		fixed_header(&h, 1);                                                               \
		mut;                                                                               \
		CHECK(ho_encode_keepalive(&h, buf, sizeof buf, &len) == LIM_E_ARG && len == 0);    \
		CHECK(ho_encode_iri_sip(&h, &iri, buf, sizeof buf, &len) == LIM_E_ARG);            \
	} while (0)
	BAD_HDR(h.liid[0] = '\0');
	BAD_HDR(memset(h.liid, 'a', sizeof h.liid)); /* not terminated: 26 octets */
	BAD_HDR(h.op_id[0] = '\0');
	BAD_HDR(memset(h.op_id, 'a', sizeof h.op_id));
	BAD_HDR(memset(h.ne_id, 'a', sizeof h.ne_id));
	BAD_HDR(SETSTR(h.auth_cc, "G"));
	BAD_HDR(SETSTR(h.deliv_cc, "G*"));
	BAD_HDR(h.ts_usec = 1000000);
	BAD_HDR(h.tsq = (enum ho_tsq)4);
	/* the range limits themselves are fine */
	fixed_header(&h, 1);
	memset(h.liid, 'a', HO_LIID_MAX);
	h.liid[HO_LIID_MAX] = '\0';
	memset(h.ne_id, 'b', HO_NETID_MAX);
	h.ne_id[HO_NETID_MAX] = '\0';
	h.auth_cc[0] = h.deliv_cc[0] = '\0';
	h.ts_usec = 999999;
	h.tsq = HO_TSQ_AGGREGATION;
	CHECK(ho_encode_keepalive(&h, buf, sizeof buf, &len) == LIM_OK);
	{
		struct ho_pdu p;
		CHECK(ho_decode_pdu(buf, len, &p) == LIM_OK && hdr_eq(&p.hdr, &h));
	}
	fixed_header(&h, 1);
	iri.type = (enum ho_iri_type)0;
	CHECK(ho_encode_iri_sip(&h, &iri, buf, sizeof buf, &len) == LIM_E_ARG);
	fixed_iri(&iri);
	iri.src.family = 5;
	CHECK(ho_encode_iri_sip(&h, &iri, buf, sizeof buf, &len) == LIM_E_ARG);
	fixed_iri(&iri);
	iri.sip = NULL;
	CHECK(ho_encode_iri_sip(&h, &iri, buf, sizeof buf, &len) == LIM_E_ARG);
	cc.dir = (enum ho_direction)5;
	CHECK(ho_encode_cc_rtp(&h, &cc, buf, sizeof buf, &len) == LIM_E_ARG);
	fixed_cc(&cc);
	cc.stream_id = NULL;
	CHECK(ho_encode_cc_rtp(&h, &cc, buf, sizeof buf, &len) == LIM_E_ARG);
	/* output overflow, every capacity: LIM_E_LIMIT, *len = 0, nothing beyond cap */
	fixed_iri(&iri);
	fixed_cc(&cc);
	for (int i = 0; i < 4; i++) {
		need = 0;
		for (size_t cap = 0; cap < sizeof buf && need == 0; cap++) {
			enum lim_err err;
			memset(buf, 0xee, sizeof buf);
			len = 99;
			fixed_header(&h, 5);
			if (i == 0)
				err = ho_encode_iri_sip(&h, &iri, buf, cap, &len);
			else if (i == 1)
				err = ho_encode_cc_rtp(&h, &cc, buf, cap, &len);
			else if (i == 2)
				err = ho_encode_keepalive(&h, buf, cap, &len);
			else
				err = ho_encode_keepalive_response(&h, buf, cap, &len);
			if (err == LIM_OK) {
				need = cap; /* the first capacity that fits is exactly the length */
				CHECK(len == cap);
			} else {
				CHECK(err == LIM_E_LIMIT && len == 0);
			}
			CHECK(buf[cap] == 0xee);
		}
		CHECK(need > 0);
	}
#undef BAD_HDR
}

/* Builds a PDU by hand: 30 { a1 {hdr} , a2 {payload} } from pre-encoded parts. */
static size_t wrap_pdu(uint8_t *out, size_t cap, const uint8_t *hdr, size_t hn, const uint8_t *pay,
		       size_t pn)
{
	struct ho_ber_enc e;
	size_t len = 0;
	ho_ber_enc_init(&e, out, cap);
	ho_ber_raw(&e, pay, pn);
	ho_ber_raw(&e, hdr, hn);
	ho_ber_wrap(&e, 0, HO_SEQ);
	CHECK(ho_ber_enc_finish(&e, &len) == LIM_OK);
	return len;
}

static void t_pdu_caps(void)
{
	static uint8_t buf[4096], pdu[8192], hdr[512], tmp[512];
	struct ho_pdu p;
	struct ho_psheader h;
	size_t len, hn, n, fl;
	/* take the fixed keep-alive apart: pSHeader TLV and payload TLV */
	fixed_header(&h, 1);
	CHECK(ho_encode_keepalive(&h, buf, sizeof buf, &len) == LIM_OK);
	CHECK(buf[0] == 0x30 && buf[1] < 0x80 && buf[2] == 0xa1 && buf[3] < 0x80);
	hn = (size_t)buf[3] + 2;
	memcpy(hdr, buf + 2, hn);
	{
		const uint8_t *ka = buf + 2 + hn;
		size_t kn = len - 2 - hn;
		/* the pieces reassemble to the same PDU */
		n = wrap_pdu(pdu, sizeof pdu, hdr, hn, ka, kn);
		CHECK(n == len && memcmp(pdu, buf, len) == 0);
		/* unknown extension member [20] inside pSHeader: skipped... */
		memcpy(tmp, hdr, hn);
		memcpy(tmp + hn, "\x94\x01\x00", 3);
		tmp[1] = (uint8_t)(tmp[1] + 3);
		n = wrap_pdu(pdu, sizeof pdu, tmp, hn + 3, ka, kn);
		CHECK(ho_decode_pdu(pdu, n, &p) == LIM_OK && hdr_eq(&p.hdr, &h));
		/* ...unless nested deeper than HO_PDU_DEPTH */
		{
			struct ho_ber_enc e;
			size_t en;
			ho_ber_enc_init(&e, tmp, sizeof tmp);
			ho_ber_null(&e, HO_UNI(HO_BER_T_NULL));
			for (int d = 0; d < 20; d++)
				ho_ber_wrap(&e, 0, HO_SEQ);
			ho_ber_wrap(&e, 0, HO_CTXC(20));
			ho_ber_raw(&e, hdr + 2, hn - 2);
			ho_ber_wrap(&e, 0, HO_CTXC(1));
			CHECK(ho_ber_enc_finish(&e, &en) == LIM_OK);
			n = wrap_pdu(pdu, sizeof pdu, tmp, en, ka, kn);
			CHECK(ho_decode_pdu(pdu, n, &p) == LIM_E_LIMIT);
		}
		/* members out of order / duplicated: rejected */
		n = wrap_pdu(pdu, sizeof pdu, ka, kn, hdr, hn);
		CHECK(ho_decode_pdu(pdu, n, &p) == LIM_E_PARSE);
		n = wrap_pdu(pdu, sizeof pdu, hdr, hn, hdr, hn);
		CHECK(ho_decode_pdu(pdu, n, &p) == LIM_E_PARSE);
		/* payload missing */
		n = wrap_pdu(pdu, sizeof pdu, hdr, hn, NULL, 0);
		CHECK(ho_decode_pdu(pdu, n, &p) == LIM_E_PARSE);
		/* other TRIPayload alternatives and other Payload choices: unsupported */
		n = wrap_pdu(pdu, sizeof pdu, hdr, hn, (const uint8_t *)"\xa2\x04\xa2\x02\x82\x00",
			     6);
		CHECK(ho_decode_pdu(pdu, n, &p) == LIM_E_UNSUPP);
		n = wrap_pdu(pdu, sizeof pdu, hdr, hn, (const uint8_t *)"\xa2\x02\xa3\x00", 4);
		CHECK(ho_decode_pdu(pdu, n, &p) == LIM_E_UNSUPP);
		/* keep-alive that is not NULL */
		n = wrap_pdu(pdu, sizeof pdu, hdr, hn,
			     (const uint8_t *)"\xa2\x05\xa2\x03\x83\x01\x00", 7);
		CHECK(ho_decode_pdu(pdu, n, &p) == LIM_E_PARSE);
		/* an empty or two-element iRIPayloadSequence */
		n = wrap_pdu(pdu, sizeof pdu, hdr, hn, (const uint8_t *)"\xa2\x02\xa0\x00", 4);
		CHECK(ho_decode_pdu(pdu, n, &p) == LIM_E_UNSUPP);
		n = wrap_pdu(pdu, sizeof pdu, hdr, hn,
			     (const uint8_t *)"\xa2\x06\xa0\x04\x30\x00\x30\x00", 8);
		CHECK(ho_decode_pdu(pdu, n, &p) == LIM_E_UNSUPP);
		/* an IRIPayload with the iRIType missing */
		n = wrap_pdu(pdu, sizeof pdu, hdr, hn, (const uint8_t *)"\xa2\x04\xa0\x02\x30\x00",
			     6);
		CHECK(ho_decode_pdu(pdu, n, &p) == LIM_E_PARSE);
	}
	/* declared lengths beyond HO_PDU_MAX: refused before reading on */
	n = unhex("30 83 10 00 00", pdu, sizeof pdu);
	CHECK(ho_decode_pdu(pdu, n, &p) == LIM_E_LIMIT);
	CHECK(ho_pdu_length(pdu, n, &fl) == LIM_E_LIMIT && fl == 0);
	n = unhex("30 83 04 00 00", pdu, sizeof pdu);
	CHECK(ho_pdu_length(pdu, n, &fl) == LIM_E_TRUNC); /* = HO_PDU_MAX: allowed, incomplete */
	n = unhex("30 83 04 00 01", pdu, sizeof pdu);
	CHECK(ho_pdu_length(pdu, n, &fl) == LIM_E_LIMIT);
	/* indefinite and non-minimal lengths */
	n = unhex("30 80 a1 00 a2 00 00 00", pdu, sizeof pdu);
	CHECK(ho_decode_pdu(pdu, n, &p) == LIM_E_PARSE);
	CHECK(ho_pdu_length(pdu, n, &fl) == LIM_E_PARSE);
	n = unhex("30 81 04 a1 00 a2 00", pdu, sizeof pdu);
	CHECK(ho_decode_pdu(pdu, n, &p) == LIM_E_PARSE);
	CHECK(ho_pdu_length((const uint8_t *)"\x31", 1, &fl) == LIM_E_PARSE);
	CHECK(ho_pdu_length(NULL, 0, &fl) == LIM_E_TRUNC);
	CHECK(ho_decode_pdu(NULL, 0, &p) == LIM_E_TRUNC);
}

/* ---- key-management IRI (limf-defined nationalIPMMIRIParameters, handover/pdu.h) ---- */

static const char KM_DETAIL[] = "ECCSI ok, 2 SRTP sessions \xc3\xa9";

/* The fixed input of iri_keymgmt in tests/kat/handover_pdu.vec. */
static void fixed_km(struct ho_iri_keymgmt *km)
{
	memset(km, 0, sizeof *km);
	km->type = HO_IRI_CONTINUE;
	km->side = "answer";
	km->initiator = "sip:alice@example.org";
	km->responder = "sip:bob@example.org";
	km->kms_uri = "kms.example.org";
	km->t = "2025-12-01T12:00:00.123456Z";
	km->outcome = "keys";
	km->sig = "valid";
	km->detail = KM_DETAIL;
	km->key_period = 2147483649u;
	km->csb_id = 0xdeadbeefu;
	km->n_keys = 2;
}

static bool s_eq(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static bool km_eq(const struct ho_iri_keymgmt *a, const struct ho_iri_keymgmt *b)
{
	return a->type == b->type && s_eq(a->side, b->side) && s_eq(a->initiator, b->initiator) &&
	       s_eq(a->responder, b->responder) && s_eq(a->kms_uri, b->kms_uri) &&
	       s_eq(a->t, b->t) && s_eq(a->outcome, b->outcome) && s_eq(a->sig, b->sig) &&
	       s_eq(a->detail, b->detail) && a->key_period == b->key_period &&
	       a->csb_id == b->csb_id && a->n_keys == b->n_keys;
}

static size_t encode_fixed_km(uint8_t *buf, size_t cap)
{
	struct ho_psheader h;
	struct ho_iri_keymgmt km;
	size_t len = 0;
	fixed_header(&h, 303);
	fixed_km(&km);
	CHECK(ho_encode_iri_keymgmt(&h, &km, buf, cap, &len) == LIM_OK);
	return len;
}

/* Offset of the first occurrence of needle in hay, or SIZE_MAX. */
static size_t find_bytes(const uint8_t *hay, size_t n, const void *needle, size_t k)
{
	for (size_t i = 0; k <= n && i <= n - k; i++)
		if (memcmp(hay + i, needle, k) == 0)
			return i;
	return SIZE_MAX;
}

static void t_pdu_km_kat(void)
{
	char *vec = lim_t_read_file(PDU_VEC, NULL);
	static uint8_t want[4096], got[4096], walk[8192], mut[4096];
	static struct walk_rec w;
	static struct ho_pdu p;
	const struct ho_ber_limits lim = { HO_PDU_DEPTH, HO_PDU_MAX };
	struct ho_psheader h;
	struct ho_iri_keymgmt km;
	size_t wn = 0, gn, walkn = 0, off;
	CHECK(lim_t_vec_hex(vec, "iri_keymgmt", want, sizeof want, &wn) == 0);
	gn = encode_fixed_km(got, sizeof got);
	CHECK(gn == wn && memcmp(got, want, wn) == 0);
	CHECK(lim_t_vec_hex(vec, "iri_keymgmt_walk", walk, sizeof walk, &walkn) == 0);
	w.n = 0;
	CHECK(ho_ber_walk(want, wn, &lim, walk_cb, &w) == LIM_OK);
	CHECK(w.n * 10 == walkn && memcmp(w.rec, walk, walkn) == 0);
	/* the independent bytes decode to the fixed input */
	CHECK(ho_decode_pdu(want, wn, &p) == LIM_OK && p.kind == HO_PAYLOAD_IRI_KEYMGMT);
	fixed_header(&h, 303);
	fixed_km(&km);
	CHECK(hdr_eq(&p.hdr, &h) && km_eq(&p.km, &km) && strcmp(p.km_cc, "GB") == 0);
	/* the explained layout: iPMMIRIContents [1] { nationalIPMMIRIParameters [3] { countryCode
	 * [1] "GB", limfKeyManagement [100] (bf 64) { limfKMObjId [0] 06.. 2.25.uuid.1.1 ... */
	off = find_bytes(want, wn, "\xa3\x81\xad\x81\x02GB\xbf\x64\x81\xa5\x80\x16\x69\x82", 14);
	CHECK(off != SIZE_MAX);
	/* countryCode as limf wrote it before 2026-12 ([0]): still read (spools of then) */
	memcpy(mut, want, wn);
	mut[off + 3] = 0x80;
	CHECK(ho_decode_pdu(mut, wn, &p) == LIM_OK && strcmp(p.km_cc, "GB") == 0);
	/* mutated twins, each must fail: */
	memcpy(mut, want, wn);
	mut[off + 8 + 3 + 2 + 21] = 0x02; /* OID version arc 2: not this version */
	CHECK(ho_decode_pdu(mut, wn, &p) == LIM_E_UNSUPP && p.kind == 0);
	memcpy(mut, want, wn);
	mut[off + 8 + 3 + 2 + 5] ^= 0x01; /* another UUID: someone else's national parameters */
	CHECK(ho_decode_pdu(mut, wn, &p) == LIM_E_UNSUPP);
	memcpy(mut, want, wn);
	mut[off + 8] = 0x65; /* [101] (limfCallEnd) holding key management: not its OID */
	CHECK(ho_decode_pdu(mut, wn, &p) == LIM_E_UNSUPP);
	memcpy(mut, want, wn);
	mut[off + 8] = 0x67; /* [103]: an extension addition limf does not know */
	CHECK(ho_decode_pdu(mut, wn, &p) == LIM_E_UNSUPP);
	memcpy(mut, want, wn);
	mut[off + 5] = 'g'; /* countryCode "gB" is still PrintableString: decodes */
	CHECK(ho_decode_pdu(mut, wn, &p) == LIM_OK && strcmp(p.km_cc, "gB") == 0);
	mut[off + 5] = '*'; /* ...but '*' is not */
	CHECK(ho_decode_pdu(mut, wn, &p) == LIM_E_PARSE);
	{
		/* outcome 12 and signature 3 are out of range (8 and 9, gmk and no-group, are the
		 * issue 9 additions, 10 no-valid-certificate the KMS roll-over's, 11 gmk-conflict
		 * a refused GMK's); detail's UTF-8 broken */
		size_t o = find_bytes(want, wn, "\x87\x01\x00\x88\x01\x00", 6);
		CHECK(o != SIZE_MAX);
		memcpy(mut, want, wn);
		mut[o + 2] = 12;
		CHECK(ho_decode_pdu(mut, wn, &p) == LIM_E_PARSE);
		mut[o + 2] = 11;
		CHECK(ho_decode_pdu(mut, wn, &p) == LIM_OK &&
		      strcmp(p.km.outcome, "gmk-conflict") == 0);
		mut[o + 2] = 10;
		CHECK(ho_decode_pdu(mut, wn, &p) == LIM_OK &&
		      strcmp(p.km.outcome, "no-valid-certificate") == 0);
		mut[o + 2] = 9;
		CHECK(ho_decode_pdu(mut, wn, &p) == LIM_OK &&
		      strcmp(p.km.outcome, "no-group") == 0);
		memcpy(mut, want, wn);
		mut[o + 5] = 3;
		CHECK(ho_decode_pdu(mut, wn, &p) == LIM_E_PARSE);
		memcpy(mut, want, wn);
		mut[wn - 1] = 0x20; /* c3 20: a lead octet without its continuation */
		CHECK(ho_decode_pdu(mut, wn, &p) == LIM_E_PARSE);
		memcpy(mut, want, wn);
		mut[wn - 3] = 0x00; /* a NUL in detail */
		CHECK(ho_decode_pdu(mut, wn, &p) == LIM_E_PARSE);
		/* the T: a letter among the digits */
		o = find_bytes(want, wn,
			       "\x86\x16"
			       "2025",
			       6);
		CHECK(o != SIZE_MAX);
		memcpy(mut, want, wn);
		mut[o + 4] = 'x';
		CHECK(ho_decode_pdu(mut, wn, &p) == LIM_E_PARSE);
	}
	/* mutated twin of the whole KAT: li-psDomainId version arc position as in pdu_kat */
	memcpy(mut, want, wn);
	mut[0] = 0x31;
	CHECK(ho_decode_pdu(mut, wn, &p) == LIM_E_PARSE);
	free(vec);
}

/* ---- call-end IRI (limf-defined nationalIPMMIRIParameters, handover/pdu.h) ---- */

/* An IRI-END PS-PDU of PSHeader hdr whose nationalIPMMIRIParameters are countryCode "GB" then
 * the encoded members a and b (a may be empty), built with the generic encoder; its length. */
static size_t national_pdu(uint8_t *out, size_t cap, const uint8_t *hdr, size_t hn,
			   const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	static const uint32_t arcs[4] = { 5, 5, 6, 1 };
	struct ho_ber_enc e;
	size_t n = 0;
	ho_ber_enc_init(&e, out, cap);
	ho_ber_raw(&e, b, bn);
	ho_ber_raw(&e, a, an);
	ho_ber_octets(&e, HO_CTX(1), "GB", 2); /* countryCode */
	ho_ber_wrap(&e, 0, HO_CTXC(3));        /* nationalIPMMIRIParameters */
	ho_ber_wrap(&e, 0, HO_CTXC(1));        /* iPMMIRIContents */
	ho_ber_reloid(&e, HO_CTX(0), arcs, 4); /* iPMMIRIObjId */
	ho_ber_wrap(&e, 0, HO_CTXC(11));       /* iPMMIRI */
	ho_ber_wrap(&e, 0, HO_CTXC(2));        /* iRIContents */
	ho_ber_int(&e, HO_CTX(0), HO_IRI_END); /* iRIType */
	ho_ber_wrap(&e, 0, HO_SEQ);            /* IRIPayload */
	ho_ber_wrap(&e, 0, HO_CTXC(0));        /* iRIPayloadSequence */
	ho_ber_wrap(&e, 0, HO_CTXC(2));        /* payload */
	ho_ber_raw(&e, hdr, hn);
	ho_ber_wrap(&e, 0, HO_SEQ);
	CHECK(ho_ber_enc_finish(&e, &n) == LIM_OK);
	return n;
}

static void t_pdu_ce_kat(void)
{
	static const char *const reasons[] = { "none",
					       "bye",
					       "cancel",
					       "rejected",
					       "timeout",
					       "flush",
					       "evicted",
					       "warrant-not-in-force",
					       "warrant-not-confirmed" };
	char *vec = lim_t_read_file(PDU_VEC, NULL);
	static uint8_t want[1024], got[1024], walk[4096], mut[1024], both[2048];
	static struct walk_rec w;
	static struct ho_pdu p;
	const struct ho_ber_limits lim = { HO_PDU_DEPTH, HO_PDU_MAX };
	struct ho_psheader h;
	struct ho_iri_callend ce = { HO_IRI_END, "timeout" };
	size_t wn = 0, gn = 0, walkn = 0, off, o;
	CHECK(lim_t_vec_hex(vec, "iri_callend", want, sizeof want, &wn) == 0);
	fixed_header(&h, 304);
	CHECK(ho_encode_iri_callend(&h, &ce, got, sizeof got, &gn) == LIM_OK);
	CHECK(gn == wn && memcmp(got, want, wn) == 0);
	CHECK(lim_t_vec_hex(vec, "iri_callend_walk", walk, sizeof walk, &walkn) == 0);
	w.n = 0;
	CHECK(ho_ber_walk(want, wn, &lim, walk_cb, &w) == LIM_OK);
	CHECK(w.n * 10 == walkn && memcmp(w.rec, walk, walkn) == 0);
	/* the independent bytes decode to the fixed input */
	CHECK(ho_decode_pdu(want, wn, &p) == LIM_OK && p.kind == HO_PAYLOAD_IRI_CALLEND);
	CHECK(hdr_eq(&p.hdr, &h) && p.ce.type == HO_IRI_END &&
	      strcmp(p.ce.reason, "timeout") == 0 && strcmp(p.km_cc, "GB") == 0);
	/* the layout: nationalIPMMIRIParameters [3] { countryCode [1] "GB", limfCallEnd [101]
	 * (bf 65) { limfCEObjId [0] 2.25.uuid.2.1, reason [1] 4 } } */
	off = find_bytes(want, wn, "\xa3\x22\x81\x02GB\xbf\x65\x1b\x80\x16\x69\x82", 13);
	CHECK(off != SIZE_MAX && off + 13 + 20 + 3 == wn);
	o = wn - 1; /* the reason's octet */
	/* every reason round-trips; one past the last is refused */
	for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++) {
		memcpy(mut, want, wn);
		mut[o] = (uint8_t)i;
		CHECK(ho_decode_pdu(mut, wn, &p) == LIM_OK && strcmp(p.ce.reason, reasons[i]) == 0);
		ce.reason = reasons[i];
		CHECK(ho_encode_iri_callend(&h, &ce, got, sizeof got, &gn) == LIM_OK && gn == wn &&
		      memcmp(got, mut, wn) == 0);
	}
	mut[o] = 9;
	CHECK(ho_decode_pdu(mut, wn, &p) == LIM_E_PARSE && p.kind == 0);
	mut[o] = 0xff; /* negative */
	CHECK(ho_decode_pdu(mut, wn, &p) == LIM_E_LIMIT);
	/* mutated twins, each must fail: */
	memcpy(mut, want, wn);
	mut[o - 3] = 0x02; /* OID version arc 2 */
	CHECK(ho_decode_pdu(mut, wn, &p) == LIM_E_UNSUPP && p.kind == 0);
	memcpy(mut, want, wn);
	mut[o - 4] = 0x01; /* the key-management module's arc: not a call end */
	CHECK(ho_decode_pdu(mut, wn, &p) == LIM_E_UNSUPP);
	memcpy(mut, want, wn);
	mut[off + 7] = 0x64; /* [100] (limfKeyManagement) holding a call end: not its OID */
	CHECK(ho_decode_pdu(mut, wn, &p) == LIM_E_UNSUPP);
	memcpy(mut, want, wn);
	mut[o - 2] = 0x82; /* reason as [2]: a later member, skipped; the reason is missing */
	CHECK(ho_decode_pdu(mut, wn, &p) == LIM_E_PARSE);
	/* both limf members in one record: refused. Built from the KAT's PSHeader and limfCallEnd
	 * with the key-management KAT's limfKeyManagement [100] in front of it; the builder, given
	 * limfCallEnd alone, makes the KAT again */
	{
		uint8_t pdu[1024];
		size_t kn = encode_fixed_km(both, sizeof both), ko, pn = 0;
		ko = find_bytes(both, kn, "\xbf\x64\x81\xa5", 4);
		CHECK(ko != SIZE_MAX && ko + 4 + 0xa5 == kn);
		CHECK(want[1] == 0x81 && want[3] == 0xa1 && want[4] < 0x80); /* 30 81 L, a1 L */
		pn = national_pdu(pdu, sizeof pdu, want + 3, 2 + (size_t)want[4], both + ko,
				  kn - ko, want + off + 6, wn - off - 6);
		CHECK(pn > 0 && ho_decode_pdu(pdu, pn, &p) == LIM_E_PARSE && p.kind == 0);
		pn = national_pdu(pdu, sizeof pdu, want + 3, 2 + (size_t)want[4], NULL, 0,
				  want + off + 6, wn - off - 6);
		CHECK(pn == wn && memcmp(pdu, want, wn) == 0);
	}
	/* encoder arguments */
	ce.type = HO_IRI_END;
	ce.reason = "idle";
	CHECK(ho_encode_iri_callend(&h, &ce, got, sizeof got, &gn) == LIM_E_ARG && gn == 0);
	ce.reason = NULL;
	CHECK(ho_encode_iri_callend(&h, &ce, got, sizeof got, &gn) == LIM_E_ARG);
	ce.reason = "flush";
	ce.type = (enum ho_iri_type)0;
	CHECK(ho_encode_iri_callend(&h, &ce, got, sizeof got, &gn) == LIM_E_ARG);
	ce.type = (enum ho_iri_type)5;
	CHECK(ho_encode_iri_callend(&h, &ce, got, sizeof got, &gn) == LIM_E_ARG);
	ce.type = HO_IRI_REPORT;
	h.no_cin = true; /* a data PDU always carries its CIN */
	CHECK(ho_encode_iri_callend(&h, &ce, got, sizeof got, &gn) == LIM_E_ARG);
	h.no_cin = false;
	CHECK(ho_encode_iri_callend(&h, &ce, got, wn - 1, &gn) == LIM_E_LIMIT && gn == 0);
	CHECK(ho_encode_iri_callend(&h, &ce, got, sizeof got, &gn) == LIM_OK && gn == wn);
	CHECK(ho_decode_pdu(got, gn, &p) == LIM_OK && p.ce.type == HO_IRI_REPORT &&
	      strcmp(p.ce.reason, "flush") == 0);
	/* every truncation fails */
	for (size_t n = 0; n < wn; n++)
		CHECK(ho_decode_pdu(want, n, &p) != LIM_OK);
	free(vec);
}

/* ---- group IRI (limf-defined nationalIPMMIRIParameters, handover/pdu.h) ---- */

static const char GE_DETAIL[] = "SRTP verified \xc3\xa9";

/* The fixed input of iri_group in tests/kat/handover_pdu.vec. */
static void fixed_ge(struct ho_iri_group *g)
{
	memset(g, 0, sizeof *g);
	g->type = HO_IRI_BEGIN;
	g->event = "talker";
	g->group = "fire-crew-7@mcptt.example.org";
	g->talker = "sip:alice@example.org";
	g->gmk_id = 0x12345678u;
	g->guk_id = 0x0abcdef0u;
	g->ssrc = 0xdeadbeefu;
	g->authenticated = true;
	g->detail = GE_DETAIL;
}

static bool ge_eq(const struct ho_iri_group *a, const struct ho_iri_group *b)
{
	return a->type == b->type && s_eq(a->event, b->event) && s_eq(a->group, b->group) &&
	       s_eq(a->talker, b->talker) && s_eq(a->detail, b->detail) && a->gmk_id == b->gmk_id &&
	       a->guk_id == b->guk_id && a->ssrc == b->ssrc && a->authenticated == b->authenticated;
}

static void t_pdu_ge_kat(void)
{
	static const char *const events[] = { "talker",
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
	char *vec = lim_t_read_file(PDU_VEC, NULL);
	static uint8_t want[1024], got[4096], walk[4096], mut[1024], km[2048], pdu[4096];
	static char big[HO_KM_STR_MAX + 2];
	static struct walk_rec w;
	static struct ho_pdu p;
	const struct ho_ber_limits lim = { HO_PDU_DEPTH, HO_PDU_MAX };
	struct ho_psheader h;
	struct ho_iri_group g, f;
	size_t wn = 0, gn = 0, walkn = 0, o, ko, kn, pn;
	CHECK(lim_t_vec_hex(vec, "iri_group", want, sizeof want, &wn) == 0);
	fixed_header(&h, 305);
	fixed_ge(&g);
	CHECK(ho_encode_iri_group(&h, &g, got, sizeof got, &gn) == LIM_OK);
	CHECK(gn == wn && memcmp(got, want, wn) == 0);
	CHECK(lim_t_vec_hex(vec, "iri_group_walk", walk, sizeof walk, &walkn) == 0);
	w.n = 0;
	CHECK(ho_ber_walk(want, wn, &lim, walk_cb, &w) == LIM_OK);
	CHECK(w.n * 10 == walkn && memcmp(w.rec, walk, walkn) == 0);
	/* the independent bytes decode to the fixed input */
	CHECK(ho_decode_pdu(want, wn, &p) == LIM_OK && p.kind == HO_PAYLOAD_IRI_GROUP);
	CHECK(hdr_eq(&p.hdr, &h) && ge_eq(&p.ge, &g) && strcmp(p.km_cc, "GB") == 0);
	/* every event round-trips; one past the last is refused */
	o = find_bytes(want, wn, "\x81\x01\x00\x82\x1d", 5); /* event [1] talker, group [2] */
	CHECK(o != SIZE_MAX);
	for (size_t i = 0; i < sizeof events / sizeof events[0]; i++) {
		memcpy(mut, want, wn);
		mut[o + 2] = (uint8_t)i;
		CHECK(ho_decode_pdu(mut, wn, &p) == LIM_OK && strcmp(p.ge.event, events[i]) == 0);
		f = g;
		f.event = events[i];
		CHECK(ho_encode_iri_group(&h, &f, got, sizeof got, &gn) == LIM_OK && gn == wn &&
		      memcmp(got, mut, wn) == 0);
	}
	mut[o + 2] = 13;
	CHECK(ho_decode_pdu(mut, wn, &p) == LIM_E_PARSE && p.kind == 0);
	/* the group with a NUL: refused (the octets are kept as a string) */
	memcpy(mut, want, wn);
	mut[o + 5 + 4] = 0;
	CHECK(ho_decode_pdu(mut, wn, &p) == LIM_E_PARSE);
	/* OID version 2; the call-end module's OID */
	{
		size_t oo = find_bytes(want, wn, "\xe9\x24\x03\x01", 4);
		CHECK(oo != SIZE_MAX);
		memcpy(mut, want, wn);
		mut[oo + 3] = 2;
		CHECK(ho_decode_pdu(mut, wn, &p) == LIM_E_UNSUPP);
		memcpy(mut, want, wn);
		mut[oo + 2] = 2;
		CHECK(ho_decode_pdu(mut, wn, &p) == LIM_E_UNSUPP);
	}
	/* authenticated in BER's other TRUE (01) reads as true; FALSE round-trips */
	{
		size_t ao = find_bytes(want, wn, "\x87\x01\xff", 3);
		CHECK(ao != SIZE_MAX);
		memcpy(mut, want, wn);
		mut[ao + 2] = 0x01;
		CHECK(ho_decode_pdu(mut, wn, &p) == LIM_OK && p.ge.authenticated);
		mut[ao + 2] = 0x00;
		f = g;
		f.authenticated = false;
		CHECK(ho_decode_pdu(mut, wn, &p) == LIM_OK && ge_eq(&p.ge, &f));
		/* ssrc [6] as [9]: a later member, skipped; ssrc is then missing */
		memcpy(mut, want, wn);
		mut[ao - 7] = 0x89;
		CHECK(want[ao - 7] == 0x86 && ho_decode_pdu(mut, wn, &p) == LIM_E_PARSE);
	}
	/* no group, talker or detail (a floor message naming nobody, say): decodes with "" */
	f = g;
	f.event = "floor-idle";
	f.group = "";
	f.talker = NULL;
	f.detail = "";
	f.authenticated = false;
	CHECK(ho_encode_iri_group(&h, &f, got, sizeof got, &gn) == LIM_OK);
	CHECK(ho_decode_pdu(got, gn, &p) == LIM_OK && ge_eq(&p.ge, &f) && p.ge.talker[0] == '\0');
	/* a talker that is not UTF-8 is carried as its octets; a detail must be UTF-8 */
	f.talker = "sip:\xff@x";
	CHECK(ho_encode_iri_group(&h, &f, got, sizeof got, &gn) == LIM_OK);
	CHECK(ho_decode_pdu(got, gn, &p) == LIM_OK && strcmp(p.ge.talker, "sip:\xff@x") == 0);
	f.detail = "\xff";
	CHECK(ho_encode_iri_group(&h, &f, got, sizeof got, &gn) == LIM_E_ARG && gn == 0);
	/* encoder arguments */
	f = g;
	f.event = "floor";
	CHECK(ho_encode_iri_group(&h, &f, got, sizeof got, &gn) == LIM_E_ARG);
	f.event = NULL;
	CHECK(ho_encode_iri_group(&h, &f, got, sizeof got, &gn) == LIM_E_ARG);
	f = g;
	memset(big, 'a', HO_KM_STR_MAX);
	big[HO_KM_STR_MAX] = '\0';
	f.group = big;
	CHECK(ho_encode_iri_group(&h, &f, got, sizeof got, &gn) == LIM_OK);
	CHECK(ho_decode_pdu(got, gn, &p) == LIM_OK && ge_eq(&p.ge, &f));
	big[HO_KM_STR_MAX] = 'a';
	big[HO_KM_STR_MAX + 1] = '\0';
	CHECK(ho_encode_iri_group(&h, &f, got, sizeof got, &gn) == LIM_E_ARG);
	f = g;
	f.type = (enum ho_iri_type)5;
	CHECK(ho_encode_iri_group(&h, &f, got, sizeof got, &gn) == LIM_E_ARG);
	CHECK(ho_encode_iri_group(&h, &g, got, wn - 1, &gn) == LIM_E_LIMIT && gn == 0);
	/* key management and a group event in one record: refused */
	kn = encode_fixed_km(km, sizeof km);
	ko = find_bytes(km, kn, "\xbf\x64\x81\xa5", 4);
	o = find_bytes(want, wn, "\xbf\x66", 2);
	CHECK(ko != SIZE_MAX && o != SIZE_MAX && want[1] == 0x81 && want[3] == 0xa1);
	pn = national_pdu(pdu, sizeof pdu, want + 3, 2 + (size_t)want[4], km + ko, kn - ko,
			  want + o, wn - o);
	CHECK(pn > 0 && ho_decode_pdu(pdu, pn, &p) == LIM_E_PARSE);
	pn = national_pdu(pdu, sizeof pdu, want + 3, 2 + (size_t)want[4], NULL, 0, want + o,
			  wn - o);
	f = g;
	f.type = HO_IRI_END; /* (national_pdu's) */
	CHECK(ho_decode_pdu(pdu, pn, &p) == LIM_OK && ge_eq(&p.ge, &f));
	/* every truncation fails */
	for (size_t n = 0; n < wn; n++)
		CHECK(ho_decode_pdu(want, n, &p) != LIM_OK);
	free(vec);
}

/* ---- BER from the authority: ho_ber_to_der ---- */

/* Length octets of n in the style of mode: BV_LONG four octets with leading zeros (a long form
 * a DER decoder refuses), else DER's. */
static size_t bv_len(uint8_t *o, size_t n, unsigned mode)
{
	if (mode & BV_LONG) {
		o[0] = 0x84;
		for (int i = 0; i < 4; i++)
			o[1 + i] = (uint8_t)(n >> (24 - 8 * i));
		return 5;
	}
	if (n < 128) {
		o[0] = (uint8_t)n;
		return 1;
	}
	if (n < 256) {
		o[0] = 0x81;
		o[1] = (uint8_t)n;
		return 2;
	}
	o[0] = 0x82;
	o[1] = (uint8_t)(n >> 8);
	o[2] = (uint8_t)n;
	return 3;
}

/* One TLV: identifier id[0..idn), contents c[0..cn) (constructed when cons), as mode says. */
static size_t bv_put(uint8_t *out, const uint8_t *id, size_t idn, bool cons, const uint8_t *c,
		     size_t cn, unsigned mode)
{
	size_t k = idn;
	memcpy(out, id, idn);
	if (cons && (mode & BV_INDEF)) {
		out[k++] = 0x80;
		memcpy(out + k, c, cn);
		k += cn;
		out[k++] = 0;
		out[k++] = 0;
		return k;
	}
	k += bv_len(out + k, cn, mode);
	memcpy(out + k, c, cn);
	return k + cn;
}

/* The TLVs of the DER p[0..n) at depth, rewritten as BER per mode into out; its length. */
static size_t bv_tlvs(const uint8_t *p, size_t n, unsigned depth, unsigned mode, uint8_t *out)
{
	struct lim_rd r = lim_rd_make(p, n);
	size_t w = 0;
	while (!lim_rd_empty(&r)) {
		struct ho_ber_tlv t;
		const uint8_t *id = r.p;
		size_t lenlen, idn;
		CHECK(ho_ber_read(&r, SIZE_MAX, &t) == LIM_OK);
		lenlen = t.val.len < 128 ? 1 : t.val.len < 256 ? 2 : 3;
		idn = t.hdr_len - lenlen;
		if (t.tag.cons) {
			uint8_t *c = malloc(8 * t.val.len + 64);
			size_t cn = bv_tlvs(t.val.p, t.val.len, depth + 1, mode, c);
			w += bv_put(out + w, id, idn, true, c, cn, mode);
			free(c);
		} else if ((mode & BV_SPLIT) && depth == 2 && id[0] == 0x81 && t.val.len >= 2) {
			/* the PSHeader's LIID [1]: constructed, its segments an OCTET STRING and a
			 * constructed OCTET STRING of one segment (X.690 8.7.3) */
			uint8_t c[128], inner[64];
			const uint8_t ostr = 0x04, costr = 0x24, cid = 0xa1;
			size_t h = t.val.len / 2, cn, in;
			cn = bv_put(c, &ostr, 1, false, t.val.p, h, mode);
			in = bv_put(inner, &ostr, 1, false, t.val.p + h, t.val.len - h, mode);
			cn += bv_put(c + cn, &costr, 1, true, inner, in, mode);
			w += bv_put(out + w, &cid, 1, true, c, cn, mode);
		} else {
			w += bv_put(out + w, id, idn, false, t.val.p, t.val.len, mode);
		}
	}
	return w;
}

/* see handover_deliver.c */
size_t t_ber_variant(const uint8_t *der, size_t n, unsigned mode, uint8_t *out, size_t cap)
{
	size_t w;
	CHECK(cap >= 8 * n + 64);
	w = bv_tlvs(der, n, 0, mode, out);
	CHECK(w <= cap);
	return w;
}

static void t_ber_to_der(void)
{
	static const char *const kats[] = { "iri_sip",        "cc_rtp",      "keepalive",
					    "keepalive_resp", "iri_keymgmt", "iri_callend",
					    "iri_group" };
	static const struct ho_ber_limits lim = { HO_PDU_DEPTH, HO_PDU_MAX };
	char *vec = lim_t_read_file(PDU_VEC, NULL);
	static uint8_t der[4096], ber[40000], out[40000];
	static struct ho_pdu p;
	size_t dn, bn, used, on;
	for (size_t k = 0; k < sizeof kats / sizeof kats[0]; k++) {
		CHECK(lim_t_vec_hex(vec, kats[k], der, sizeof der, &dn) == 0);
		/* DER is its own DER form */
		CHECK(ho_ber_to_der(der, dn, &lim, out, sizeof out, &used, &on) == LIM_OK &&
		      used == dn && on == dn && memcmp(out, der, dn) == 0);
		for (unsigned mode = 1; mode < 8; mode++) {
			bn = t_ber_variant(der, dn, mode, ber, sizeof ber);
			CHECK(bn > dn);
			/* a DER decoder refuses it (the link did: the connection dropped) */
			CHECK(ho_decode_pdu(ber, bn, &p) != LIM_OK);
			/* as a stream, with the next PDU's first octets behind it */
			memcpy(ber + bn, der, 8);
			CHECK(ho_ber_to_der(ber, bn + 8, &lim, out, sizeof out, &used, &on) ==
				      LIM_OK &&
			      used == bn && on == dn && memcmp(out, der, dn) == 0);
			CHECK(ho_decode_pdu(out, on, &p) == LIM_OK);
			/* every prefix: read more */
			for (size_t m = 0; m < bn; m++)
				CHECK(ho_ber_to_der(ber, m, &lim, out, sizeof out, &used, &on) ==
				      LIM_E_TRUNC);
			/* too small an output */
			CHECK(ho_ber_to_der(ber, bn, &lim, out, dn - 1, &used, &on) ==
				      LIM_E_LIMIT &&
			      used == 0 && on == 0);
		}
	}
	/* hostile BER */
#define BAD(want_err, ...)                                                                         \
	do {                                                                                       \
		static const uint8_t b_[] = { __VA_ARGS__ };                                       \
		CHECK(ho_ber_to_der(b_, sizeof b_, &lim, out, sizeof out, &used, &on) ==           \
		      (want_err));                                                                 \
	} while (0)
	BAD(LIM_E_PARSE, 0x04, 0x80, 0x00, 0x00);       /* indefinite primitive */
	BAD(LIM_E_PARSE, 0x30, 0x02, 0x00, 0x00);       /* end-of-contents in a definite */
	BAD(LIM_E_PARSE, 0x30, 0x80, 0x00, 0x01, 0x00); /* end-of-contents with a length */
	BAD(LIM_E_PARSE, 0x00, 0x00);                   /* end-of-contents alone */
	BAD(LIM_E_PARSE, 0x24, 0x03, 0x02, 0x01, 0x00); /* an INTEGER segment */
	BAD(LIM_E_PARSE, 0x30, 0x03, 0x04, 0x05, 0x41); /* runs past its container */
	BAD(LIM_E_PARSE, 0x30, 0x80, 0x30, 0x03, 0x04, 0x05, 0x41, 0x00, 0x00); /* ...inside */
	BAD(LIM_E_TRUNC, 0x30, 0x80, 0x30, 0x03, 0x04, 0x05); /* (its container not all here) */
	BAD(LIM_E_PARSE, 0x30, 0xff, 0x00);                   /* reserved length octet */
	BAD(LIM_E_PARSE, 0x3f, 0x80, 0x01, 0x00);             /* tag with a leading 0x80 */
	BAD(LIM_E_LIMIT, 0x30, 0x84, 0x7f, 0xff, 0xff, 0xff); /* over max_len */
	BAD(LIM_E_LIMIT, 0x30, 0x89, 0x01, 0, 0, 0, 0, 0, 0, 0, 0); /* 2^64: overflows */
	BAD(LIM_E_TRUNC, 0x30, 0x80, 0x04, 0x01, 0x41);             /* no end-of-contents yet */
	BAD(LIM_E_TRUNC, 0x30);
	/* allowed: nine length octets, eight of them leading zeros; an empty constructed string */
	BAD(LIM_OK, 0x04, 0x89, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x41);
	CHECK(on == 3 && memcmp(out, "\x04\x01\x41", 3) == 0);
	BAD(LIM_OK, 0x24, 0x80, 0x00, 0x00);
	CHECK(on == 2 && memcmp(out, "\x04\x00", 2) == 0);
	/* a constructed context value of OCTET STRINGs is a string; one of other values is not */
	BAD(LIM_OK, 0xa1, 0x06, 0x04, 0x01, 0x41, 0x04, 0x01, 0x42);
	CHECK(on == 4 && memcmp(out, "\x81\x02\x41\x42", 4) == 0);
	BAD(LIM_OK, 0xa1, 0x06, 0x04, 0x01, 0x41, 0x81, 0x01, 0x42);
	CHECK(on == 8 && memcmp(out, "\xa1\x06\x04\x01\x41\x81\x01\x42", 8) == 0);
	/* ...and a SEQUENCE of them stays one */
	BAD(LIM_OK, 0x30, 0x03, 0x04, 0x01, 0x41);
	CHECK(on == 5 && memcmp(out, "\x30\x03\x04\x01\x41", 5) == 0);
#undef BAD
	/* depth: HO_PDU_DEPTH nested indefinite SEQUENCEs pass, one more does not */
	for (unsigned d = HO_PDU_DEPTH; d <= HO_PDU_DEPTH + 1; d++) {
		size_t k = 0;
		for (unsigned i = 0; i <= d; i++) {
			ber[k++] = 0x30;
			ber[k++] = 0x80;
		}
		memset(ber + k, 0, 2 * (d + 1));
		k += 2 * (d + 1);
		CHECK(ho_ber_to_der(ber, k, &lim, out, sizeof out, &used, &on) ==
		      (d == HO_PDU_DEPTH ? LIM_OK : LIM_E_LIMIT));
	}
	/* random octets and mutated variants: never out of bounds; what converts is DER, and its
	 * own DER form */
	CHECK(lim_t_vec_hex(vec, "keepalive_resp", der, sizeof der, &dn) == 0);
	bn = t_ber_variant(der, dn, 7, ber, sizeof ber);
	for (int it = 0; it < 20000; it++) {
		static uint8_t m[512], out2[4096];
		size_t mn = it & 1 ? bn : rndn(64), u2, o2;
		enum lim_err e;
		if (it & 1) {
			memcpy(m, ber, bn);
			for (size_t j = 1 + rndn(3); j-- > 0;)
				m[rndn(bn)] = (uint8_t)rndn(256);
		} else {
			for (size_t j = 0; j < mn; j++)
				m[j] = (uint8_t)rndn(256);
		}
		e = ho_ber_to_der(m, mn, &lim, out, sizeof out, &used, &on);
		if (e != LIM_OK) {
			CHECK(used == 0 && on == 0);
			continue;
		}
		CHECK(used <= mn && ho_ber_walk(out, on, &lim, NULL, NULL) == LIM_OK);
		CHECK(ho_ber_to_der(out, on, &lim, out2, sizeof out2, &u2, &o2) == LIM_OK &&
		      u2 == on && o2 == on && memcmp(out2, out, on) == 0);
	}
	/* timeStampQualifier is an extensible ENUMERATED: a later value reads as unknown */
	{
		size_t o = find_bytes(der, dn, "\x88\x01\x01", 3);
		CHECK(o != SIZE_MAX);
		memcpy(out, der, dn);
		out[o + 2] = 9;
		CHECK(ho_decode_pdu(out, dn, &p) == LIM_OK && p.hdr.tsq == HO_TSQ_UNKNOWN);
		out[o + 2] = 0x80; /* negative */
		CHECK(ho_decode_pdu(out, dn, &p) != LIM_OK);
	}
	free(vec);
}

static void rand_utf8(char *out, size_t max)
{
	static const char *const pieces[] = { "a",
					      "Z",
					      "9",
					      ":",
					      "@",
					      ".",
					      " ",
					      "\xc3\xa9",
					      "\xe2\x82\xac",
					      "\xf0\x9f\x94\x91",
					      "sip:",
					      "-" };
	size_t n = 0, want = rndn(max + 1);
	out[0] = '\0';
	while (n < want) {
		const char *pc = pieces[rndn(sizeof pieces / sizeof pieces[0])];
		size_t k = strlen(pc);
		if (n + k > want)
			break;
		memcpy(out + n, pc, k);
		n += k;
	}
	out[n] = '\0';
}

static void t_pdu_km_roundtrip(void)
{
	static const char *const sides[] = { "offer", "answer" };
	static const char *const outcomes[] = {
		"keys",          "iri-only",    "kms-error",
		"unwrap-failed", "parse-error", "bad-signature",
		"no-responder",  "audit-error", "no-valid-certificate",
		"gmk-conflict"
	};
	static const char *const sigs[] = { "valid", "invalid", "not-checked" };
	static char strs[4][HO_KM_STR_MAX + 1], t[40];
	static uint8_t buf[8192], buf2[8192];
	static struct ho_pdu p;
	for (int it = 0; it < 800; it++) {
		struct ho_psheader h;
		struct ho_iri_keymgmt km;
		size_t len = 0, len2 = 0, fl = 0;
		rand_header(&h);
		memset(&km, 0, sizeof km);
		km.type = (enum ho_iri_type)(1 + rndn(4));
		km.side = sides[rndn(2)];
		km.outcome = outcomes[rndn(10)];
		km.sig = sigs[rndn(3)];
		for (int i = 0; i < 4; i++)
			rand_utf8(strs[i], rndn(4) ? 64 : HO_KM_STR_MAX);
		km.initiator = strs[0];
		km.responder = rndn(8) ? strs[1] : NULL;
		km.kms_uri = strs[2];
		km.detail = strs[3];
		if (rndn(4)) {
			size_t fd = rndn(7); /* 0 = no fraction */
			int n = snprintf(t, sizeof t, "%04u-%02u-%02uT%02u:%02u:%02u",
					 (unsigned)rndn(10000), (unsigned)(1 + rndn(12)),
					 (unsigned)(1 + rndn(28)), (unsigned)rndn(24),
					 (unsigned)rndn(60), (unsigned)rndn(60));
			if (fd) {
				t[n++] = '.';
				for (size_t i = 0; i < fd; i++)
					t[n++] = (char)('0' + rndn(10));
			}
			t[n++] = 'Z';
			t[n] = '\0';
			km.t = t;
		} else {
			km.t = rndn(2) ? "" : NULL;
		}
		km.key_period = rndmag(64);
		km.csb_id = (uint32_t)rnd();
		km.n_keys = (unsigned)rndmag(32);
		CHECK(ho_encode_iri_keymgmt(&h, &km, buf, sizeof buf, &len) == LIM_OK);
		CHECK(ho_decode_pdu(buf, len, &p) == LIM_OK && p.kind == HO_PAYLOAD_IRI_KEYMGMT);
		/* the time comes back in DER's form: trailing zeros of the fraction dropped, and
		 * the point with them when nothing is left */
		if (km.t && km.t[0]) {
			static char dt[40];
			size_t e = strlen(km.t) - 1, f = e;
			memcpy(dt, km.t, e);
			while (f > 19 && dt[f - 1] == '0')
				f--;
			if (f == 20)
				f = 19;
			memcpy(dt + f, "Z", 2);
			km.t = dt;
		}
		CHECK(hdr_eq(&p.hdr, &h) && km_eq(&p.km, &km));
		CHECK(strcmp(p.km_cc, h.auth_cc[0]    ? h.auth_cc
				      : h.deliv_cc[0] ? h.deliv_cc
						      : "XX") == 0);
		CHECK(ho_pdu_length(buf, len, &fl) == LIM_OK && fl == len);
		/* encode(decode(x)) == x */
		CHECK(ho_encode_iri_keymgmt(&p.hdr, &p.km, buf2, sizeof buf2, &len2) == LIM_OK);
		CHECK(len2 == len && memcmp(buf, buf2, len) == 0);
	}
}

/* Every prefix is rejected (exact-size heap copies: ASan sees overreads); one-octet mutations
 * decode or fail cleanly, and what decodes re-encodes. */
static void t_pdu_km_trunc(void)
{
	static uint8_t buf[4096], cp[4096], re[8192];
	static struct ho_pdu p;
	size_t len = encode_fixed_km(buf, sizeof buf), fl;
	for (size_t k = 0; k < len; k++) {
		uint8_t *heap = malloc(k ? k : 1);
		memcpy(heap, buf, k);
		CHECK(ho_decode_pdu(heap, k, &p) != LIM_OK && p.kind == 0);
		CHECK(ho_pdu_length(heap, k, &fl) == LIM_E_TRUNC && fl == 0);
		free(heap);
	}
	CHECK(ho_decode_pdu(buf, len, &p) == LIM_OK);
	memcpy(cp, buf, len);
	cp[len] = 0;
	CHECK(ho_decode_pdu(cp, len + 1, &p) == LIM_E_PARSE);
	for (size_t k = 0; k < len; k++) {
		static const uint8_t x[] = { 0x01, 0x20, 0x80, 0xff };
		for (size_t j = 0; j < sizeof x; j++) {
			uint8_t *heap = malloc(len);
			enum lim_err err;
			size_t rl = 0;
			memcpy(heap, buf, len);
			heap[k] ^= x[j];
			err = ho_decode_pdu(heap, len, &p);
			CHECK(err == LIM_OK || p.kind == 0);
			if (err == LIM_OK && p.kind == HO_PAYLOAD_IRI_KEYMGMT)
				CHECK(ho_encode_iri_keymgmt(&p.hdr, &p.km, re, sizeof re, &rl) ==
				      LIM_OK);
			free(heap);
		}
	}
}

static void t_pdu_km_args(void)
{
	static uint8_t buf[8192], big[HO_KM_STR_MAX + 2];
	static struct ho_pdu p;
	struct ho_psheader h;
	struct ho_iri_keymgmt km;
	size_t len = 99, need = 0;
	static const char *const bad_t[] = {
		"2025-12-01 12:00:00Z",         "2025-12-01T12:00:00",  "2025-12-01T12:00:00.Z",
		"2025-12-01T12:00:00.1234567Z", "2025-12-01T12:0a:00Z", "20251201T120000Z",
		"2025-12-01T12:00:00+01:00"
	};
	fixed_header(&h, 1);
#define BAD_KM(mut)                                                                                \
	do {                                                                                       \
		fixed_km(&km);                                                                     \
		mut;                                                                               \
		len = 99;                                                                          \
		CHECK(ho_encode_iri_keymgmt(&h, &km, buf, sizeof buf, &len) == LIM_E_ARG &&        \
		      len == 0);                                                                   \
	} while (0)
	BAD_KM(km.type = (enum ho_iri_type)0);
	BAD_KM(km.type = (enum ho_iri_type)5);
	BAD_KM(km.side = "both");
	BAD_KM(km.side = NULL);
	BAD_KM(km.outcome = "fine");
	BAD_KM(km.outcome = NULL);
	BAD_KM(km.sig = "VALID");
	BAD_KM(km.initiator = "\xc3(");
	BAD_KM(km.responder = "\xed\xa0\x80");  /* a surrogate */
	BAD_KM(km.kms_uri = "\xc0\xaf");        /* overlong '/' */
	BAD_KM(km.detail = "\xf4\x90\x80\x80"); /* above U+10FFFF */
	for (size_t i = 0; i < sizeof bad_t / sizeof bad_t[0]; i++)
		BAD_KM(km.t = bad_t[i]);
	memset(big, 'a', HO_KM_STR_MAX + 1);
	big[HO_KM_STR_MAX + 1] = '\0';
	BAD_KM(km.detail = (const char *)big);
	/* the header rules are those of the other encoders */
	fixed_km(&km);
	h.liid[0] = '\0';
	CHECK(ho_encode_iri_keymgmt(&h, &km, buf, sizeof buf, &len) == LIM_E_ARG);
	/* the limits themselves are fine: HO_KM_STR_MAX octets, every string empty */
	fixed_header(&h, 1);
	big[HO_KM_STR_MAX] = '\0';
	fixed_km(&km);
	km.initiator = km.responder = km.kms_uri = km.detail = (const char *)big;
	CHECK(ho_encode_iri_keymgmt(&h, &km, buf, sizeof buf, &len) == LIM_OK);
	CHECK(ho_decode_pdu(buf, len, &p) == LIM_OK && km_eq(&p.km, &km));
	fixed_km(&km);
	km.initiator = km.responder = km.kms_uri = km.detail = km.t = "";
	CHECK(ho_encode_iri_keymgmt(&h, &km, buf, sizeof buf, &len) == LIM_OK);
	CHECK(ho_decode_pdu(buf, len, &p) == LIM_OK && km_eq(&p.km, &km));
	CHECK(p.km.t && p.km.t[0] == '\0' && p.km.detail && p.km.detail[0] == '\0');
	/* countryCode: authorization, else delivery, else "XX" */
	h.auth_cc[0] = '\0';
	CHECK(ho_encode_iri_keymgmt(&h, &km, buf, sizeof buf, &len) == LIM_OK);
	CHECK(ho_decode_pdu(buf, len, &p) == LIM_OK && strcmp(p.km_cc, "GB") == 0);
	h.deliv_cc[0] = '\0';
	CHECK(ho_encode_iri_keymgmt(&h, &km, buf, sizeof buf, &len) == LIM_OK);
	CHECK(ho_decode_pdu(buf, len, &p) == LIM_OK && strcmp(p.km_cc, "XX") == 0);
	/* output overflow at every capacity: LIM_E_LIMIT, *len = 0, nothing beyond cap */
	fixed_header(&h, 5);
	fixed_km(&km);
	for (size_t cap = 0; cap < 1024 && need == 0; cap++) {
		enum lim_err err;
		memset(buf, 0xee, 1100);
		len = 99;
		err = ho_encode_iri_keymgmt(&h, &km, buf, cap, &len);
		if (err == LIM_OK) {
			need = cap;
			CHECK(len == cap);
		} else {
			CHECK(err == LIM_E_LIMIT && len == 0);
		}
		CHECK(buf[cap] == 0xee);
	}
	CHECK(need > 0);
#undef BAD_KM
}

/* Decoder rules of the national branch: later LimfKeyManagement members and other extension
 * additions of NationalIPMMIRIParameters are skipped; required members missing are errors;
 * another party's national parameters (no limf member) are LIM_E_UNSUPP. Built by hand. */
static size_t km_pdu(uint8_t *out, size_t cap, const uint8_t *nat, size_t nn)
{
	struct ho_ber_enc e;
	struct ho_psheader h;
	uint8_t hdr[256];
	size_t hn = 0, len = 0;
	fixed_header(&h, 9);
	CHECK(ho_encode_keepalive(&h, hdr, sizeof hdr, &hn) == LIM_OK);
	ho_ber_enc_init(&e, out, cap);
	ho_ber_raw(&e, nat, nn);
	ho_ber_wrap(&e, 0, HO_CTXC(3)); /* nationalIPMMIRIParameters */
	ho_ber_wrap(&e, 0, HO_CTXC(1)); /* iPMMIRIContents */
	ho_ber_raw(&e, "\x80\x04\x05\x05\x06\x01", 6);
	ho_ber_wrap(&e, 0, HO_CTXC(11));
	ho_ber_wrap(&e, 0, HO_CTXC(2));
	ho_ber_raw(&e, "\x80\x01\x04", 3); /* report */
	ho_ber_wrap(&e, 0, HO_SEQ);
	ho_ber_wrap(&e, 0, HO_CTXC(0));
	ho_ber_wrap(&e, 0, HO_CTXC(2));
	ho_ber_raw(&e, hdr + 2, (size_t)hdr[3] + 2); /* pSHeader of the keep-alive */
	ho_ber_wrap(&e, 0, HO_SEQ);
	CHECK(ho_ber_enc_finish(&e, &len) == LIM_OK);
	return len;
}

static void t_pdu_km_dec(void)
{
	static const uint8_t oid[] = { 0x80, 0x16, 0x69, 0x82, 0x97, 0xc4, 0xad, 0xb5,
				       0xb5, 0xaf, 0xf2, 0x9c, 0xd5, 0x99, 0xca, 0xf9,
				       0xbb, 0x85, 0xd1, 0xaf, 0xe9, 0x24, 0x01, 0x01 };
	/* side offer, keyPeriod 0, outcome iri-only, signature not-checked, csbId 0, 0 sessions */
	static const uint8_t req[] = { 0x81, 0x01, 0x00, 0x85, 0x01, 0x00, 0x87, 0x01, 0x01,
				       0x88, 0x01, 0x02, 0x89, 0x01, 0x00, 0x8a, 0x01, 0x00 };
	/* as req, with a time [6] of a fraction that DER would write shorter ("...59.5Z")  */
	static const uint8_t req_t5[] = "\x81\x01\x00\x85\x01\x00\x86\x13"
					"20240229235959.500Z"
					"\x87\x01\x01\x88\x01\x02\x89\x01\x00\x8a\x01\x00";
	/* and one of a zero fraction: DER writes none ("...59Z") */
	static const uint8_t req_t0[] = "\x81\x01\x00\x85\x01\x00\x86\x14"
					"20240229235959.0000Z"
					"\x87\x01\x01\x88\x01\x02\x89\x01\x00\x8a\x01\x00";
	static uint8_t nat[512], pdu[1024];
	static struct ho_pdu p;
	size_t n, k;
#define NAT(extra_km, extra_nat, want) NATR(req, sizeof req, extra_km, extra_nat, want)
#define NATR(rq, rqlen, extra_km, extra_nat, want)                                                 \
	do {                                                                                       \
		k = 0;                                                                             \
		memcpy(nat, "\x80\x02GB\xbf\x64", 6);                                              \
		k = 7; /* [100] header bf 64, short length at nat[6] */                            \
		memcpy(nat + k, oid, sizeof oid);                                                  \
		k += sizeof oid;                                                                   \
		memcpy(nat + k, rq, rqlen);                                                        \
		k += rqlen;                                                                        \
		memcpy(nat + k, extra_km, sizeof extra_km - 1);                                    \
		k += sizeof extra_km - 1;                                                          \
		nat[6] = (uint8_t)(k - 7);                                                         \
		memcpy(nat + k, extra_nat, sizeof extra_nat - 1);                                  \
		k += sizeof extra_nat - 1;                                                         \
		n = km_pdu(pdu, sizeof pdu, nat, k);                                               \
		CHECK(ho_decode_pdu(pdu, n, &p) == (want));                                        \
	} while (0)
	/* minimal record: decodes, absent strings are "" */
	NAT("", "", LIM_OK);
	CHECK(p.kind == HO_PAYLOAD_IRI_KEYMGMT && p.km.type == HO_IRI_REPORT);
	CHECK(strcmp(p.km.side, "offer") == 0 && strcmp(p.km.outcome, "iri-only") == 0 &&
	      strcmp(p.km.sig, "not-checked") == 0 && p.km.initiator[0] == '\0' &&
	      p.km.t[0] == '\0' && p.km.n_keys == 0);
	/* a later LimfKeyManagement member [12] and a later national member [103]: skipped */
	NAT("\x8c\x01\x07", "\x9f\x67\x00", LIM_OK);
	/* [101] is limfCallEnd: with a record of key management, one too many */
	NAT("",
	    "\xbf\x65\x1b\x80\x16\x69\x82\x97\xc4\xad\xb5\xb5\xaf\xf2\x9c\xd5\x99\xca\xf9"
	    "\xbb\x85\xd1\xaf\xe9\x24\x02\x01\x81\x01\x04",
	    LIM_E_PARSE);
	/* a BER time with trailing zeros in its fraction: decoded as DER has it; and a time
	 * given with them is encoded so (X.690 11.7.3) */
	NATR(req_t5, sizeof req_t5 - 1, "", "", LIM_OK);
	CHECK(strcmp(p.km.t, "2024-02-29T23:59:59.5Z") == 0);
	NATR(req_t0, sizeof req_t0 - 1, "", "", LIM_OK);
	CHECK(strcmp(p.km.t, "2024-02-29T23:59:59Z") == 0);
	{
		static const char *const given[] = { "2024-02-29T23:59:59.500000Z",
						     "2024-02-29T23:59:59.000000Z",
						     "2024-02-29T23:59:59.0Z",
						     "2024-02-29T23:59:59.000010Z" };
		static const char *const der[] = { "\x86\x11"
						   "20240229235959.5Z",
						   "\x86\x0f"
						   "20240229235959Z",
						   "\x86\x0f"
						   "20240229235959Z",
						   "\x86\x15"
						   "20240229235959.00001Z" };
		struct ho_psheader h;
		struct ho_iri_keymgmt km;
		for (size_t i = 0; i < sizeof given / sizeof given[0]; i++) {
			fixed_header(&h, 303);
			fixed_km(&km);
			km.t = given[i];
			CHECK(ho_encode_iri_keymgmt(&h, &km, pdu, sizeof pdu, &n) == LIM_OK);
			CHECK(find_bytes(pdu, n, der[i], strlen(der[i])) != SIZE_MAX);
			CHECK(find_bytes(pdu, n, "0Z", 2) == SIZE_MAX);
		}
	}
	/* a GeneralizedTime [6] after srtpSessions [10]: out of order */
	NAT("\x86\x0f"
	    "20251201120000Z",
	    "", LIM_E_PARSE);
	/* an empty detail [11]: SIZE (1..) */
	NAT("\x8b\x00", "", LIM_E_PARSE);
	/* keyPeriod [5] above 2^64 - 1 is refused by the INTEGER reader: use a 10-octet one */
	{
		static const uint8_t with_big[] = { 0x81, 0x01, 0x00, 0x85, 0x0a, 0x01, 0x00,
						    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
						    0x00, 0x87, 0x01, 0x01, 0x88, 0x01, 0x02,
						    0x89, 0x01, 0x00, 0x8a, 0x01, 0x00 };
		memcpy(nat, "\x80\x02GB\xbf\x64", 6);
		k = 7;
		memcpy(nat + k, oid, sizeof oid);
		k += sizeof oid;
		memcpy(nat + k, with_big, sizeof with_big);
		k += sizeof with_big;
		nat[6] = (uint8_t)(k - 7);
		n = km_pdu(pdu, sizeof pdu, nat, k);
		CHECK(ho_decode_pdu(pdu, n, &p) == LIM_E_LIMIT);
	}
	/* required members missing: csbId and srtpSessions (cut the last 6 octets of req) */
	memcpy(nat, "\x80\x02GB\xbf\x64", 6);
	k = 7;
	memcpy(nat + k, oid, sizeof oid);
	k += sizeof oid;
	memcpy(nat + k, req, sizeof req - 6);
	k += sizeof req - 6;
	nat[6] = (uint8_t)(k - 7);
	n = km_pdu(pdu, sizeof pdu, nat, k);
	CHECK(ho_decode_pdu(pdu, n, &p) == LIM_E_PARSE);
	/* no OID: not ours */
	memcpy(nat, "\x80\x02GB\xbf\x64", 6);
	nat[6] = (uint8_t)sizeof req;
	memcpy(nat + 7, req, sizeof req);
	n = km_pdu(pdu, sizeof pdu, nat, 7 + sizeof req);
	CHECK(ho_decode_pdu(pdu, n, &p) == LIM_E_UNSUPP);
	/* another party's national parameters: countryCode and its own [2] member only */
	n = km_pdu(pdu, sizeof pdu,
		   (const uint8_t *)"\x81\x02"
				    "DE\x82\x01\x00",
		   7);
	CHECK(ho_decode_pdu(pdu, n, &p) == LIM_E_UNSUPP && p.kind == 0);
	/* countryCode missing while limf's member is there */
	memcpy(nat, "\xbf\x64", 2);
	nat[2] = (uint8_t)(sizeof oid + sizeof req);
	memcpy(nat + 3, oid, sizeof oid);
	memcpy(nat + 3 + sizeof oid, req, sizeof req);
	n = km_pdu(pdu, sizeof pdu, nat, 3 + sizeof oid + sizeof req);
	CHECK(ho_decode_pdu(pdu, n, &p) == LIM_E_PARSE);
	/* originalIPMMMessage [0] and h323Message [2]: other IPMMIRI branches, unsupported */
	{
		uint8_t h[256];
		struct ho_psheader hd;
		struct ho_ber_enc e;
		size_t hn, len;
		fixed_header(&hd, 9);
		CHECK(ho_encode_keepalive(&hd, h, sizeof h, &hn) == LIM_OK);
		ho_ber_enc_init(&e, pdu, sizeof pdu);
		ho_ber_raw(&e, "\xa2\x00", 2);
		ho_ber_wrap(&e, 0, HO_CTXC(1));
		ho_ber_raw(&e, "\x80\x04\x05\x05\x06\x01", 6);
		ho_ber_wrap(&e, 0, HO_CTXC(11));
		ho_ber_wrap(&e, 0, HO_CTXC(2));
		ho_ber_raw(&e, "\x80\x01\x04", 3);
		ho_ber_wrap(&e, 0, HO_SEQ);
		ho_ber_wrap(&e, 0, HO_CTXC(0));
		ho_ber_wrap(&e, 0, HO_CTXC(2));
		ho_ber_raw(&e, h + 2, (size_t)h[3] + 2);
		ho_ber_wrap(&e, 0, HO_SEQ);
		CHECK(ho_ber_enc_finish(&e, &len) == LIM_OK);
		CHECK(ho_decode_pdu(pdu, len, &p) == LIM_E_UNSUPP);
	}
#undef NAT
#undef NATR
}

int main(int argc, char **argv)
{
	static const struct lim_suite suites[] = {
		{ "ber_int", t_ber_int },
		{ "ber_len", t_ber_len },
		{ "ber_tag", t_ber_tag },
		{ "ber_oid", t_ber_oid },
		{ "ber_misc", t_ber_misc },
		{ "ber_overflow", t_ber_overflow },
		{ "ber_dec", t_ber_dec },
		{ "ber_random", t_ber_random },
		{ "pdu_kat", t_pdu_kat },
		{ "pdu_roundtrip", t_pdu_roundtrip },
		{ "pdu_trunc", t_pdu_trunc },
		{ "pdu_args", t_pdu_args },
		{ "pdu_caps", t_pdu_caps },
		{ "pdu_cc_fast", t_pdu_cc_fast },
		{ "bundle_pcap", t_bundle_pcap },
		{ "bundle_wav", t_bundle_wav },
		{ "bundle_verify", t_bundle_verify },
		{ "bundle_args", t_bundle_args },
		{ "bundle_cli", t_bundle_cli },
		{ "deliver", t_ho_deliver },
		{ "link_errors", t_ho_link_errors },
		{ "pdu_km_kat", t_pdu_km_kat },
		{ "pdu_km_roundtrip", t_pdu_km_roundtrip },
		{ "pdu_km_trunc", t_pdu_km_trunc },
		{ "pdu_km_args", t_pdu_km_args },
		{ "pdu_km_dec", t_pdu_km_dec },
		{ "pdu_ce_kat", t_pdu_ce_kat },
		{ "ber_to_der", t_ber_to_der },
		{ "pdu_ge_kat", t_pdu_ge_kat },
	};
	return lim_t_main(suites, sizeof suites / sizeof suites[0], argc, argv);
}
