/* test_capture x2x3_*: the X2/X3 PDU codec and stream reassembly (ETSI TS 103 221-2 s5).
 * Round trips of every field and attribute, a hand-built PDU checked octet by octet, every
 * rejection, PDUs split at every offset and coalesced, the stream's caps; the TLS listener
 * in-process against OpenSSL clients (certificates made here): delivery, keep-alive acks,
 * garbage, a foreign CA, the handshake timeout, the connection cap. tests/cli/test_x2x3.sh
 * runs it inside `limf capture` against limf-gen as a POI. */
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "capture/x2x3.h"
#include "common/clock.h"
#include "tests/unit/capture_suites.h"

static const uint8_t XID[16] = { 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0x4d, 0xef,
				 0x80, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77 };

static struct cap_x2x3_pdu full(int v6)
{
	static const uint8_t s6[16] = {
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
	};
	static const char sip[] = "INVITE sip:bob@example.org SIP/2.0\r\n";
	struct cap_x2x3_pdu p;
	memset(&p, 0, sizeof p);
	p.version = CAP_X2X3_VERSION;
	p.type = CAP_X2X3_X2;
	p.format = CAP_X2X3_FMT_SIP;
	p.direction = CAP_X2X3_DIR_FROM_TARGET;
	memcpy(p.xid, XID, 16);
	memcpy(p.corr, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	p.present = 1u << CAP_X2X3_A_DID | 1u << CAP_X2X3_A_NFID | 1u << CAP_X2X3_A_IPID |
		    1u << CAP_X2X3_A_SEQ | 1u << CAP_X2X3_A_TS | 1u << CAP_X2X3_A_SPORT |
		    1u << CAP_X2X3_A_DPORT | 1u << CAP_X2X3_A_PROTO | 1u << CAP_X2X3_A_MTI |
		    1u << CAP_X2X3_A_OTI;
	p.present |= v6 ? (1u << CAP_X2X3_A_SRC6 | 1u << CAP_X2X3_A_DST6)
			: (1u << CAP_X2X3_A_SRC4 | 1u << CAP_X2X3_A_DST4);
	p.did = lim_rd_make("dom-1", 5);
	p.nfid = lim_rd_make("pcscf-7", 7);
	p.ipid = lim_rd_make("ip", 2);
	p.seq = 0xdeadbeef;
	p.ts_sec = 1759448872;
	p.ts_nsec = 999999999;
	p.src.family = p.dst.family = v6 ? 6 : 4;
	if (v6) {
		memcpy(p.src.a, s6, 16);
		memcpy(p.dst.a, s6, 16);
		p.dst.a[15] = 2;
	} else {
		memcpy(p.src.a, "\xc0\x00\x02\x0a", 4);
		memcpy(p.dst.a, "\xc6\x33\x64\x14", 4);
	}
	p.sport = 5060;
	p.dport = 65535;
	p.proto = 17;
	p.n_mti = 2;
	p.mti[0] = lim_rd_make("sip:alice@example.org", 21);
	p.mti[1] = lim_rd_make("tel:+441234", 11);
	p.n_oti = 1;
	p.oti[0] = lim_rd_make("sip:bob@example.org", 19);
	p.payload = lim_rd_make(sip, sizeof sip - 1);
	return p;
}

static bool rd_eq(struct lim_rd a, struct lim_rd b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

static void t_x2x3_roundtrip(void)
{
	static uint8_t buf[8192];
	for (int v6 = 0; v6 < 2; v6++) {
		struct cap_x2x3_pdu in = full(v6), out;
		size_t len;
		CHECK(cap_x2x3_encode(&in, buf, sizeof buf, &len) == LIM_OK);
		CHECK(cap_x2x3_decode(buf, len, &out) == CAP_X2X3_OK);
		CHECK(out.version == CAP_X2X3_VERSION && out.type == CAP_X2X3_X2);
		CHECK(out.hdr_len + out.payload_len == len && out.payload_len == in.payload.len);
		CHECK(out.format == CAP_X2X3_FMT_SIP && out.direction == CAP_X2X3_DIR_FROM_TARGET);
		CHECK(memcmp(out.xid, XID, 16) == 0 && memcmp(out.corr, in.corr, 8) == 0);
		CHECK(out.present == in.present && out.n_attr == 13);
		CHECK(rd_eq(out.did, in.did) && rd_eq(out.nfid, in.nfid) &&
		      rd_eq(out.ipid, in.ipid));
		CHECK(out.seq == 0xdeadbeef && out.ts_sec == 1759448872 &&
		      out.ts_nsec == 999999999);
		CHECK(out.src.family == (v6 ? 6 : 4) && out.dst.family == out.src.family);
		CHECK(memcmp(out.src.a, in.src.a, 16) == 0 && memcmp(out.dst.a, in.dst.a, 16) == 0);
		CHECK(out.sport == 5060 && out.dport == 65535 && out.proto == 17);
		CHECK(out.n_mti == 2 && rd_eq(out.mti[0], in.mti[0]) &&
		      rd_eq(out.mti[1], in.mti[1]));
		CHECK(out.n_oti == 1 && rd_eq(out.oti[0], in.oti[0]));
		CHECK(rd_eq(out.payload, in.payload));
		/* too small a buffer */
		CHECK(cap_x2x3_encode(&in, buf, len - 1, &len) == LIM_E_LIMIT && len == 0);
	}
	{
		/* an address family that does not match its attribute */
		struct cap_x2x3_pdu in = full(0);
		size_t len;
		in.src.family = 6;
		CHECK(cap_x2x3_encode(&in, buf, sizeof buf, &len) == LIM_E_ARG);
	}
}

/* A keep-alive built by hand (the layout of TS 103 221-2 s5.2), octet by octet. */
static void t_x2x3_layout(void)
{
	static const uint8_t ka[] = {
		0x00, 0x05, 0x00, 0x03,                         /* version 5, keep-alive */
		0x00, 0x00, 0x00, 0x30, 0x00, 0x00, 0x00, 0x00, /* header 48, payload 0 */
		0x00, 0x00, 0x00, 0x00,                         /* format, direction */
		0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0x4d, 0xef,
		0x80, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, /* XID */
		0,    0,    0,    0,    0,    0,    0,    9,    /* correlation ID */
		0x00, 0x08, 0x00, 0x04, 0x00, 0x00, 0x01, 0x02, /* sequence number 258 */
	};
	struct cap_x2x3_pdu p, q;
	uint8_t buf[128];
	size_t len;
	CHECK(cap_x2x3_decode(ka, sizeof ka, &p) == CAP_X2X3_OK);
	CHECK(p.type == CAP_X2X3_KEEPALIVE && p.hdr_len == 48 && p.payload_len == 0);
	CHECK(p.seq == 258 && p.present == 1u << CAP_X2X3_A_SEQ && p.corr[7] == 9);
	memset(&q, 0, sizeof q);
	q.version = 5;
	q.type = CAP_X2X3_KEEPALIVE;
	memcpy(q.xid, XID, 16);
	q.corr[7] = 9;
	q.present = 1u << CAP_X2X3_A_SEQ;
	q.seq = 258;
	CHECK(cap_x2x3_encode(&q, buf, sizeof buf, &len) == LIM_OK);
	CHECK(len == sizeof ka && memcmp(buf, ka, len) == 0);
	/* unknown and opaque attribute types are skipped */
	{
		uint8_t u[sizeof ka + 12];
		memcpy(u, ka, sizeof ka);
		memcpy(u + sizeof ka,
		       "\x00\x63\x00\x02"
		       "zz"
		       "\x00\x04\x00\x02"
		       "yy",
		       12);
		u[7] = 48 + 12;
		CHECK(cap_x2x3_decode(u, sizeof u, &p) == CAP_X2X3_OK && p.n_attr == 3 &&
		      p.seq == 258);
	}
}

static void set32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Every rejection, each from a valid PDU with one thing wrong. */
static void t_x2x3_reject(void)
{
	static uint8_t good[8192], b[8192 + 64];
	struct cap_x2x3_pdu in = full(0), p;
	size_t len, hl;
	CHECK(cap_x2x3_encode(&in, good, sizeof good, &len) == LIM_OK);
	hl = len - in.payload.len;
#define REJ(want) CHECK(cap_x2x3_decode(b, n, &p) == (want) && p.payload.len == 0 && p.n_attr == 0)
	/* truncated: in the fixed header, in the attributes, in the payload */
	for (size_t n = 0; n < len; n++) {
		enum cap_x2x3_rej r;
		memcpy(b, good, n);
		r = cap_x2x3_decode(b, n, &p);
		CHECK(r == CAP_X2X3_R_TRUNC);
	}
	{
		size_t n = len + 1;
		memcpy(b, good, len);
		b[len] = 0;
		REJ(CAP_X2X3_R_TRAILING);
	}
	{
		size_t n = len;
		memcpy(b, good, len);
		b[1] = 0; /* version 0 */
		REJ(CAP_X2X3_R_VERSION);
		b[1] = 6;
		REJ(CAP_X2X3_R_VERSION);
		b[0] = 1, b[1] = 1; /* 257 */
		REJ(CAP_X2X3_R_VERSION);
		memcpy(b, good, len);
		b[3] = 0;
		REJ(CAP_X2X3_R_TYPE);
		b[3] = 5;
		REJ(CAP_X2X3_R_TYPE);
		memcpy(b, good, len);
		set32(b + 4, 39); /* header length below the fixed part */
		REJ(CAP_X2X3_R_HDRLEN);
		set32(b + 4, 0);
		REJ(CAP_X2X3_R_HDRLEN);
		set32(b + 4, CAP_X2X3_MAX_HEADER + 1);
		REJ(CAP_X2X3_R_HDRLEN);
		set32(b + 4, (uint32_t)len + 4); /* header length beyond the PDU */
		REJ(CAP_X2X3_R_TRUNC);
		memcpy(b, good, len);
		set32(b + 8, (uint32_t)in.payload.len + 1); /* payload length beyond the data */
		REJ(CAP_X2X3_R_TRUNC);
		set32(b + 8, CAP_X2X3_MAX_PAYLOAD + 1);
		REJ(CAP_X2X3_R_PAYLEN);
		set32(b + 8, 0xffffffffu);
		REJ(CAP_X2X3_R_PAYLEN);
		/* header length that cuts the last attribute: its TLV runs past the header */
		memcpy(b, good, len);
		set32(b + 4, (uint32_t)hl - 1);
		set32(b + 8, (uint32_t)in.payload.len + 1);
		REJ(CAP_X2X3_R_ATTR_TRUNC);
		memcpy(b, good, len); /* only 3 octets of a TLV header left */
		set32(b + 4, 43);
		set32(b + 8, (uint32_t)(len - 43));
		REJ(CAP_X2X3_R_ATTR_TRUNC);
		/* the first attribute (DID) claims more than the header */
		memcpy(b, good, len);
		b[42] = 0x10, b[43] = 0x00;
		REJ(CAP_X2X3_R_ATTR_TRUNC);
	}
	/* attribute values: wrong fixed sizes, bad timestamp, duplicates, too many */
	{
		uint8_t base[48];
		size_t n;
		memcpy(base, good, 40);
		set32(base + 8, 0);
		base[2] = 0, base[3] = CAP_X2X3_X3;
		static const struct {
			uint16_t t, l;
			enum cap_x2x3_rej want;
		} cases[] = {
			{ CAP_X2X3_A_SEQ, 3, CAP_X2X3_R_ATTR_LEN },
			{ CAP_X2X3_A_SEQ, 5, CAP_X2X3_R_ATTR_LEN },
			{ CAP_X2X3_A_TS, 4, CAP_X2X3_R_ATTR_LEN },
			{ CAP_X2X3_A_SRC4, 16, CAP_X2X3_R_ATTR_LEN },
			{ CAP_X2X3_A_DST6, 4, CAP_X2X3_R_ATTR_LEN },
			{ CAP_X2X3_A_SPORT, 4, CAP_X2X3_R_ATTR_LEN },
			{ CAP_X2X3_A_DPORT, 1, CAP_X2X3_R_ATTR_LEN },
			{ CAP_X2X3_A_PROTO, 2, CAP_X2X3_R_ATTR_LEN },
			{ CAP_X2X3_A_MTI, 0, CAP_X2X3_R_ATTR_LEN },
		};
		for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
			memcpy(b, base, 40);
			b[40] = (uint8_t)(cases[i].t >> 8), b[41] = (uint8_t)cases[i].t;
			b[42] = 0, b[43] = (uint8_t)cases[i].l;
			memset(b + 44, 0x11, cases[i].l);
			n = 44 + cases[i].l;
			set32(b + 4, (uint32_t)n);
			REJ(cases[i].want);
		}
		/* timestamp nanoseconds out of range */
		memcpy(b, base, 40);
		memcpy(b + 40, "\x00\x09\x00\x08\x00\x00\x00\x01\x3b\x9a\xca\x00", 12);
		n = 52;
		set32(b + 4, 52);
		REJ(CAP_X2X3_R_ATTR_LEN);
		b[51] = 0xff, b[50] = 0xc9; /* 999999999 */
		b[48] = 0x3b, b[49] = 0x9a;
		CHECK(cap_x2x3_decode(b, n, &p) == CAP_X2X3_OK && p.ts_nsec == 999999999);
		/* the same single-valued attribute twice; IPv4 and IPv6 sources */
		memcpy(b + 40, "\x00\x0e\x00\x02\x13\xc4\x00\x0e\x00\x02\x13\xc4", 12);
		REJ(CAP_X2X3_R_ATTR_DUP);
		memcpy(b + 40, "\x00\x0a\x00\x04\xc0\x00\x02\x01", 8);
		memcpy(b + 48, "\x00\x0c\x00\x10", 4);
		memset(b + 52, 0, 16);
		n = 68;
		set32(b + 4, 68);
		REJ(CAP_X2X3_R_ATTR_DUP);
		/* matched target identifiers may repeat */
		memcpy(b + 40,
		       "\x00\x11\x00\x02"
		       "ab"
		       "\x00\x11\x00\x02"
		       "cd",
		       12);
		n = 52;
		set32(b + 4, 52);
		CHECK(cap_x2x3_decode(b, n, &p) == CAP_X2X3_OK && p.n_mti == 2);
		/* 65 empty unknown attributes */
		for (size_t i = 0; i < 65; i++)
			memcpy(b + 40 + 4 * i, "\x01\x00\x00\x00", 4);
		n = 40 + 65 * 4;
		set32(b + 4, (uint32_t)n);
		REJ(CAP_X2X3_R_ATTR_MANY);
		n -= 4;
		set32(b + 4, (uint32_t)n);
		CHECK(cap_x2x3_decode(b, n, &p) == CAP_X2X3_OK && p.n_attr == 64);
		/* a keep-alive with a payload */
		memcpy(b, base, 40);
		b[3] = CAP_X2X3_KEEPALIVE;
		set32(b + 4, 40);
		set32(b + 8, 1);
		b[40] = 0;
		n = 41;
		REJ(CAP_X2X3_R_KEEPALIVE);
		b[3] = CAP_X2X3_KEEPALIVE_ACK;
		REJ(CAP_X2X3_R_KEEPALIVE);
	}
#undef REJ
	for (int r = 0; r < CAP_X2X3_R__COUNT + 1; r++)
		CHECK(cap_x2x3_rej_name((enum cap_x2x3_rej)r)[0] != '\0');
}

/* Three PDUs coalesced, split at every offset, fed in two writes; and in one-octet writes. */
static void t_x2x3_stream(void)
{
	static uint8_t s[16384];
	size_t n = 0, l;
	struct cap_x2x3_pdu a = full(0), b = full(1), k, p;
	memset(&k, 0, sizeof k);
	k.version = 1;
	k.type = CAP_X2X3_KEEPALIVE;
	CHECK(cap_x2x3_encode(&a, s + n, sizeof s - n, &l) == LIM_OK);
	n += l;
	CHECK(cap_x2x3_encode(&k, s + n, sizeof s - n, &l) == LIM_OK);
	n += l;
	b.type = CAP_X2X3_X3;
	b.format = CAP_X2X3_FMT_RTP;
	CHECK(cap_x2x3_encode(&b, s + n, sizeof s - n, &l) == LIM_OK);
	n += l;
	for (size_t cut = 0; cut <= n; cut++) {
		struct cap_x2x3_stream *st = NULL;
		uint16_t types[4];
		size_t got = 0;
		enum cap_x2x3_rej r;
		CHECK(cap_x2x3_stream_new(4096, &st) == LIM_OK);
		if (!st)
			return;
		CHECK(cap_x2x3_stream_write(st, s, cut) == cut);
		while ((r = cap_x2x3_stream_next(st, &p)) == CAP_X2X3_OK && got < 4)
			types[got++] = p.type;
		CHECK(r == CAP_X2X3_MORE);
		CHECK(cap_x2x3_stream_write(st, s + cut, n - cut) == n - cut);
		while ((r = cap_x2x3_stream_next(st, &p)) == CAP_X2X3_OK && got < 4) {
			types[got++] = p.type;
			if (p.type == CAP_X2X3_X3)
				CHECK(p.src.family == 6 && p.payload.len == b.payload.len);
		}
		CHECK(r == CAP_X2X3_MORE && got == 3 && cap_x2x3_stream_held(st) == 0);
		CHECK(got == 3 && types[0] == CAP_X2X3_X2 && types[1] == CAP_X2X3_KEEPALIVE &&
		      types[2] == CAP_X2X3_X3);
		cap_x2x3_stream_free(st);
	}
	{
		/* one octet at a time through a buffer that holds one PDU only */
		struct cap_x2x3_stream *st = NULL;
		size_t got = 0;
		CHECK(cap_x2x3_stream_new(300, &st) == LIM_OK);
		for (size_t i = 0; i < n; i++) {
			CHECK(cap_x2x3_stream_write(st, s + i, 1) == 1);
			if (cap_x2x3_stream_next(st, &p) == CAP_X2X3_OK)
				got++;
		}
		CHECK(got == 3);
		/* a disconnect now would cut nothing; half a PDU is held */
		CHECK(cap_x2x3_stream_held(st) == 0);
		CHECK(cap_x2x3_stream_write(st, s, 10) == 10 && cap_x2x3_stream_held(st) == 10);
		cap_x2x3_stream_free(st);
	}
	{
		/* garbage: rejected from its first 40 octets, sticky, nothing more taken */
		struct cap_x2x3_stream *st = NULL;
		static const char junk[] = "GET / HTTP/1.1\r\nHost: limf.example\r\n\r\nxxxxxxxxxx";
		CHECK(cap_x2x3_stream_new(4096, &st) == LIM_OK);
		CHECK(cap_x2x3_stream_write(st, (const uint8_t *)junk, 39) == 39);
		CHECK(cap_x2x3_stream_next(st, &p) == CAP_X2X3_MORE);
		CHECK(cap_x2x3_stream_write(st, (const uint8_t *)junk + 39, 1) == 1);
		CHECK(cap_x2x3_stream_next(st, &p) == CAP_X2X3_R_VERSION);
		CHECK(cap_x2x3_stream_next(st, &p) == CAP_X2X3_R_VERSION);
		CHECK(cap_x2x3_stream_write(st, s, 10) == 0);
		cap_x2x3_stream_free(st);
	}
	{
		/* a PDU bigger than the stream's buffer: rejected at its header */
		struct cap_x2x3_stream *st = NULL;
		CHECK(cap_x2x3_stream_new(100, &st) == LIM_OK);
		CHECK(cap_x2x3_stream_write(st, s, 100) == 100);
		CHECK(cap_x2x3_stream_next(st, &p) == CAP_X2X3_R_PAYLEN);
		cap_x2x3_stream_free(st);
		CHECK(cap_x2x3_stream_new(40, &st) == LIM_E_ARG && !st);
		CHECK(cap_x2x3_stream_new(CAP_X2X3_MAX_HEADER + CAP_X2X3_MAX_PAYLOAD + 1, &st) ==
			      LIM_E_ARG &&
		      !st);
		cap_x2x3_stream_free(NULL);
	}
}

/* ------------------------------------------------------------------ the listener */

struct t_pki {
	EVP_PKEY *key;
	X509 *crt;
};

static void t_issue(struct t_pki *out, const char *cn, const struct t_pki *ca, long serial)
{
	X509_NAME *n;
	out->key = EVP_EC_gen("P-256");
	out->crt = X509_new();
	CHECK(out->key && out->crt);
	X509_set_version(out->crt, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(out->crt), serial);
	X509_gmtime_adj(X509_getm_notBefore(out->crt), -60);
	X509_gmtime_adj(X509_getm_notAfter(out->crt), 3600);
	X509_set_pubkey(out->crt, out->key);
	n = X509_get_subject_name(out->crt);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(out->crt, ca ? X509_get_subject_name(ca->crt) : n);
	if (!ca) {
		BASIC_CONSTRAINTS *bc = BASIC_CONSTRAINTS_new();
		bc->ca = 1;
		X509_add1_ext_i2d(out->crt, NID_basic_constraints, bc, 1, 0);
		BASIC_CONSTRAINTS_free(bc);
	}
	CHECK(X509_sign(out->crt, ca ? ca->key : out->key, EVP_sha256()) > 0);
}

static void t_pem(const char *name, const struct t_pki *k, char crt[600], char key[600])
{
	FILE *f;
	snprintf(crt, 600, "%s/x2x3_%s.pem", t_outdir(), name);
	snprintf(key, 600, "%s/x2x3_%s.key", t_outdir(), name);
	f = fopen(crt, "w");
	CHECK(f && PEM_write_X509(f, k->crt) == 1);
	if (f)
		fclose(f);
	f = fopen(key, "w");
	CHECK(f && PEM_write_PrivateKey(f, k->key, NULL, NULL, 0, NULL, NULL) == 1);
	if (f)
		fclose(f);
}

static void t_free(struct t_pki *k)
{
	EVP_PKEY_free(k->key);
	X509_free(k->crt);
}

struct t_got {
	size_t n;
	uint16_t type[8];
	size_t plen[8];
	char poi[64];
};

static void t_on(void *ctx, const struct cap_x2x3_in *in)
{
	struct t_got *g = ctx;
	if (g->n < 8) {
		g->type[g->n] = in->pdu->type;
		g->plen[g->n] = in->pdu->payload.len;
	}
	g->n++;
	snprintf(g->poi, sizeof g->poi, "%s", in->poi);
}

/* One turn of a service loop: poll the listener's fds for up to ms, then step. */
static void t_pump(struct cap_x2x3_srv *s, int ms)
{
	struct pollfd pfd[1 + CAP_X2X3_MAX_SLOTS];
	size_t n = cap_x2x3_srv_pollfds(s, pfd, sizeof pfd / sizeof pfd[0]);
	(void)poll(pfd, (nfds_t)n, ms);
	cap_x2x3_srv_step(s, pfd, n, lim_mono_ms());
}

/* A TCP connection to the listener from 127.0.0.host (0: the kernel's choice). */
static int t_connect_from(uint16_t port, unsigned host)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	if (host && fd >= 0) {
		a.sin_addr.s_addr = htonl(0x7f000000u | host);
		if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
			close(fd);
			return -1;
		}
	}
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(0x7f000001);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

static int t_connect(uint16_t port)
{
	return t_connect_from(port, 0);
}

/* Whether the listener closed fd (EOF; a silent peer's handshake is closed without a word). */
static bool t_closed(int fd)
{
	char b;
	return fd >= 0 && recv(fd, &b, 1, 0) == 0;
}

/* A TLS client with the given certificate; drives the server while it handshakes. NULL when
 * the handshake fails (the server refused the certificate). t_client_as: at most TLS version
 * maxv (0: any), offering session sess (NULL: none). */
static SSL *t_client_as(struct cap_x2x3_srv *s, SSL_CTX **cctx, const struct t_pki *me, int *fd,
			int maxv, SSL_SESSION *sess)
{
	SSL *c;
	*cctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_use_certificate(*cctx, me->crt);
	SSL_CTX_use_PrivateKey(*cctx, me->key);
	SSL_CTX_set_verify(*cctx, SSL_VERIFY_NONE, NULL); /* the MF's side: tests/cli */
	if (maxv)
		SSL_CTX_set_max_proto_version(*cctx, maxv);
	*fd = t_connect(cap_x2x3_srv_port(s));
	c = SSL_new(*cctx);
	SSL_set_fd(c, *fd);
	if (sess)
		SSL_set_session(c, sess);
	for (int i = 0; i < 300; i++) {
		int r = SSL_connect(c);
		if (r == 1) {
			/* TLS 1.3: the server judges the certificate after the client's Finished;
			 * a refused one shows as an alert on the first read */
			char b;
			for (int k = 0; k < 20; k++) {
				t_pump(s, 5);
				r = SSL_read(c, &b, 1);
				if (r <= 0 && SSL_get_error(c, r) != SSL_ERROR_WANT_READ)
					goto fail;
			}
			return c;
		}
		if (SSL_get_error(c, r) != SSL_ERROR_WANT_READ &&
		    SSL_get_error(c, r) != SSL_ERROR_WANT_WRITE)
			break;
		t_pump(s, 5);
	}
fail:
	SSL_free(c);
	close(*fd);
	SSL_CTX_free(*cctx);
	*cctx = NULL;
	return NULL;
}

static SSL *t_client(struct cap_x2x3_srv *s, SSL_CTX **cctx, const struct t_pki *me, int *fd)
{
	return t_client_as(s, cctx, me, fd, 0, NULL);
}

static void t_x2x3_srv(void)
{
	struct t_pki ca, mf, poi, other_ca, rogue;
	char ca_pem[600], ca_key[600], mf_pem[600], mf_key[600];
	struct cap_x2x3_srv_cfg cfg;
	struct cap_x2x3_srv *s = NULL;
	struct t_got got;
	char why[256] = "";
	SSL_CTX *cctx = NULL;
	SSL *c;
	int fd, idle[3];
	static uint8_t buf[8192];
	size_t n = 0, l;

	t_issue(&ca, "test CA", NULL, 1);
	t_issue(&other_ca, "other CA", NULL, 2);
	t_issue(&mf, "mf", &ca, 3);
	t_issue(&poi, "poi-a", &ca, 4);
	t_issue(&rogue, "rogue", &other_ca, 5);
	t_pem("ca", &ca, ca_pem, ca_key);
	t_pem("mf", &mf, mf_pem, mf_key);
	memset(&cfg, 0, sizeof cfg);
	cfg.listen = "127.0.0.1:0";
	cfg.ca = ca_pem;
	cfg.cert = mf_pem;
	cfg.key = mf_key;
	cfg.max_conns = 2;
	cfg.hs_ms = 300;
	memset(&got, 0, sizeof got);
	/* bad configurations */
	cfg.listen = "127.0.0.1";
	CHECK(cap_x2x3_srv_open(&cfg, t_on, &got, &s, why, sizeof why) == LIM_E_ARG && !s);
	cfg.listen = "127.0.0.1:0";
	cfg.key = ca_key; /* not the certificate's key */
	CHECK(cap_x2x3_srv_open(&cfg, t_on, &got, &s, why, sizeof why) == LIM_E_CRYPTO && !s);
	CHECK(strstr(why, "key") != NULL);
	cfg.key = mf_key;
	CHECK(cap_x2x3_srv_open(&cfg, t_on, &got, &s, why, sizeof why) == LIM_OK && s);
	if (!s)
		goto out;
	CHECK(cap_x2x3_srv_port(s) != 0);

	/* a good POI: X2, keep-alive, X3 in one write; then the keep-alive's ack */
	c = t_client(s, &cctx, &poi, &fd);
	CHECK(c != NULL);
	if (c) {
		struct cap_x2x3_pdu a = full(0), k;
		struct cap_x2x3_stream *rx = NULL;
		bool acked = false;
		memset(&k, 0, sizeof k);
		k.version = 5;
		k.type = CAP_X2X3_KEEPALIVE;
		k.present = 1u << CAP_X2X3_A_SEQ;
		k.seq = 77;
		CHECK(cap_x2x3_encode(&a, buf + n, sizeof buf - n, &l) == LIM_OK);
		n += l;
		CHECK(cap_x2x3_encode(&k, buf + n, sizeof buf - n, &l) == LIM_OK);
		n += l;
		a.type = CAP_X2X3_X3;
		a.format = CAP_X2X3_FMT_RTP;
		CHECK(cap_x2x3_encode(&a, buf + n, sizeof buf - n, &l) == LIM_OK);
		n += l;
		CHECK(SSL_write(c, buf, (int)n) == (int)n);
		CHECK(cap_x2x3_stream_new(1024, &rx) == LIM_OK);
		for (int i = 0; i < 200 && !acked; i++) {
			uint8_t *w;
			size_t room;
			int r;
			struct cap_x2x3_pdu ack;
			t_pump(s, 5);
			cap_x2x3_stream_space(rx, &w, &room);
			r = SSL_read(c, w, (int)room);
			if (r > 0)
				cap_x2x3_stream_commit(rx, (size_t)r);
			if (cap_x2x3_stream_next(rx, &ack) == CAP_X2X3_OK)
				acked = ack.type == CAP_X2X3_KEEPALIVE_ACK && ack.seq == 77 &&
					ack.payload_len == 0;
		}
		CHECK(acked);
		cap_x2x3_stream_free(rx);
		CHECK(got.n == 2 && got.type[0] == CAP_X2X3_X2 && got.type[1] == CAP_X2X3_X3);
		CHECK(got.plen[0] == a.payload.len && strcmp(got.poi, "poi-a") == 0);
		/* then garbage: the connection is closed and counted */
		static const char junk[] = "\x7f\x7f not a PDU at all, 40 octets or more......";
		CHECK(SSL_write(c, junk, (int)sizeof junk - 1) == (int)sizeof junk - 1);
		for (int i = 0; i < 50 && cap_x2x3_srv_stats(s)->active; i++)
			t_pump(s, 5);
		SSL_free(c);
		close(fd);
		SSL_CTX_free(cctx);
	}
	{
		const struct cap_x2x3_stats *st = cap_x2x3_srv_stats(s);
		CHECK(st->rej[CAP_X2X3_R_VERSION] == 1 && st->active == 0 && st->closed == 1);
		CHECK(st->x2 == 1 && st->x3 == 1 && st->ka == 1 && st->ka_answered == 1);
		CHECK(st->n_poi == 1 && st->poi[0].rejected == 1 && st->poi[0].conns == 1);
		CHECK(st->poi[0].bytes == n && st->bytes == n && st->cut == 0);
	}
	/* as many PDUs as a step's read budget (64), each in a TLS record of its own, then
	 * silence: the last one read is delivered too, without the POI sending more (it used to
	 * wait in the buffer: the socket empty, nothing pending in OpenSSL, poll never woke) */
	c = t_client(s, &cctx, &poi, &fd);
	CHECK(c != NULL);
	if (c) {
		struct cap_x2x3_pdu a = full(0);
		uint8_t one[512];
		size_t base = got.n, m = 0;
		int on = 1;
		/* no Nagle: every record is on the listener's socket before it reads any */
		CHECK(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) == 0);
		CHECK(cap_x2x3_encode(&a, one, sizeof one, &m) == LIM_OK);
		for (int i = 0; i < 64; i++)
			CHECK(SSL_write(c, one, (int)m) == (int)m);
		for (int i = 0; i < 40 && got.n - base < 64; i++)
			t_pump(s, 5);
		CHECK(got.n - base == 64);
		SSL_free(c);
		close(fd);
		SSL_CTX_free(cctx);
		for (int i = 0; i < 50 && cap_x2x3_srv_stats(s)->active; i++)
			t_pump(s, 5);
		CHECK(cap_x2x3_srv_stats(s)->active == 0 && cap_x2x3_srv_stats(s)->cut == 0);
	}
	/* a POI whose certificate another CA signed */
	c = t_client(s, &cctx, &rogue, &fd);
	CHECK(c == NULL);
	CHECK(cap_x2x3_srv_stats(s)->tls_failed == 1 && cap_x2x3_srv_stats(s)->hs_bad_cert == 1);
	CHECK(cap_x2x3_srv_stats(s)->handshaking == 0);
	/* a POI that stops in the middle of a PDU and goes away */
	c = t_client(s, &cctx, &poi, &fd);
	CHECK(c != NULL);
	if (c) {
		CHECK(SSL_write(c, buf, 60) == 60);
		for (int i = 0; i < 10; i++)
			t_pump(s, 5);
		SSL_free(c);
		close(fd);
		SSL_CTX_free(cctx);
		for (int i = 0; i < 50 && cap_x2x3_srv_stats(s)->active; i++)
			t_pump(s, 5);
		CHECK(cap_x2x3_srv_stats(s)->cut == 1 && cap_x2x3_srv_stats(s)->poi[0].cut == 1);
	}
	/* the handshakes' places (2) and the handshake timeout (300 ms): three silent TCP peers;
	 * the third closes the first's handshake (the oldest of the source holding the most) */
	for (int i = 0; i < 3; i++) {
		idle[i] = t_connect(cap_x2x3_srv_port(s));
		t_pump(s, 5);
	}
	CHECK(cap_x2x3_srv_stats(s)->hs_evicted == 1 && cap_x2x3_srv_stats(s)->refused_full == 0);
	CHECK(cap_x2x3_srv_stats(s)->handshaking == 2);
	/* ... and a POI still gets in: it closes another silent one's (before, handshakes took
	 * the POIs' places: two silent peers locked every POI out until they timed out) */
	c = t_client(s, &cctx, &poi, &fd);
	CHECK(c != NULL && cap_x2x3_srv_stats(s)->hs_evicted == 2);
	CHECK(cap_x2x3_srv_stats(s)->active == 1 && cap_x2x3_srv_stats(s)->handshaking == 1);
	{
		/* two open (the cap), and a third POI's handshake done: it is closed */
		SSL_CTX *cctx2 = NULL, *cctx3 = NULL;
		int fd2, fd3;
		SSL *c2 = t_client(s, &cctx2, &poi, &fd2), *c3;
		CHECK(c2 != NULL && cap_x2x3_srv_stats(s)->active == 2);
		c3 = t_client(s, &cctx3, &poi, &fd3);
		CHECK(c3 == NULL && cap_x2x3_srv_stats(s)->refused_full == 1);
		CHECK(cap_x2x3_srv_stats(s)->active == 2);
		if (c2) {
			SSL_free(c2);
			close(fd2);
			SSL_CTX_free(cctx2);
		}
	}
	if (c) {
		SSL_free(c);
		close(fd);
		SSL_CTX_free(cctx);
	}
	{
		uint64_t t0 = lim_mono_ms();
		while (lim_mono_ms() - t0 < 600)
			t_pump(s, 20);
	}
	/* failed: the rogue's, two evicted, the last silent one timed out */
	CHECK(cap_x2x3_srv_stats(s)->hs_evicted == 2 && cap_x2x3_srv_stats(s)->hs_timeout == 1);
	CHECK(cap_x2x3_srv_stats(s)->tls_failed == 4);
	CHECK(cap_x2x3_srv_stats(s)->handshaking == 0 && cap_x2x3_srv_stats(s)->hs_no_cert == 0);
	CHECK(cap_x2x3_srv_stats(s)->active == 0);
	for (int i = 0; i < 3; i++)
		if (idle[i] >= 0)
			close(idle[i]);
out:
	cap_x2x3_srv_free(s);
	t_free(&ca);
	t_free(&other_ca);
	t_free(&mf);
	t_free(&poi);
	t_free(&rogue);
}

/* The CN of the certificate the listener showed c. */
static bool t_peer_cn(SSL *c, const char *want)
{
	char cn[64] = "";
	X509 *x = SSL_get1_peer_certificate(c);
	if (x)
		X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof cn);
	X509_free(x);
	return strcmp(cn, want) == 0;
}

/* Sends a keep-alive on c and waits for its acknowledgement (the connection works). */
static bool t_keepalive(struct cap_x2x3_srv *s, SSL *c, uint32_t seq)
{
	struct cap_x2x3_pdu k, ack;
	struct cap_x2x3_stream *rx = NULL;
	uint8_t b[128];
	size_t l;
	bool acked = false;
	memset(&k, 0, sizeof k);
	k.version = 5;
	k.type = CAP_X2X3_KEEPALIVE;
	k.present = 1u << CAP_X2X3_A_SEQ;
	k.seq = seq;
	if (cap_x2x3_encode(&k, b, sizeof b, &l) != LIM_OK || SSL_write(c, b, (int)l) != (int)l ||
	    cap_x2x3_stream_new(1024, &rx) != LIM_OK)
		return false;
	for (int i = 0; i < 200 && !acked; i++) {
		uint8_t *w;
		size_t room;
		int r;
		t_pump(s, 5);
		cap_x2x3_stream_space(rx, &w, &room);
		r = SSL_read(c, w, (int)room);
		if (r > 0)
			cap_x2x3_stream_commit(rx, (size_t)r);
		if (cap_x2x3_stream_next(rx, &ack) == CAP_X2X3_OK)
			acked = ack.type == CAP_X2X3_KEEPALIVE_ACK && ack.seq == seq;
	}
	cap_x2x3_stream_free(rx);
	return acked;
}

/* SIGHUP's reload: a new certificate for new connections while an open one goes on; a broken
 * key or a missing CA keeps the running context; the connection cap can be raised and
 * lowered; a POI with no certificate is counted as such. */
static void t_x2x3_reload(void)
{
	struct t_pki ca, mf, mf2, poi, other_ca;
	char ca_pem[600], ca_key[600], mf_pem[600], mf_key[600], mf2_pem[600], mf2_key[600];
	struct cap_x2x3_srv_cfg cfg;
	struct cap_x2x3_srv *s = NULL;
	char why[256] = "";
	SSL_CTX *cctx1 = NULL, *cctx2 = NULL, *cctx3 = NULL;
	SSL *c1, *c2, *c3;
	int fd1 = -1, fd2 = -1, fd3 = -1;

	t_issue(&ca, "test CA", NULL, 11);
	t_issue(&other_ca, "other CA", NULL, 12);
	t_issue(&mf, "mf-old", &ca, 13);
	t_issue(&mf2, "mf-new", &ca, 14);
	t_issue(&poi, "poi-r", &ca, 15);
	t_pem("rca", &ca, ca_pem, ca_key);
	t_pem("rmf", &mf, mf_pem, mf_key);
	t_pem("rmf2", &mf2, mf2_pem, mf2_key);
	memset(&cfg, 0, sizeof cfg);
	cfg.listen = "127.0.0.1:0";
	cfg.ca = ca_pem;
	cfg.cert = mf_pem;
	cfg.key = mf_key;
	cfg.max_conns = 1;
	cfg.hs_ms = 2000;
	CHECK(cap_x2x3_srv_open(&cfg, t_on, NULL, &s, why, sizeof why) == LIM_OK && s);
	if (!s)
		goto out;
	CHECK(cap_x2x3_srv_stats(s)->max_conns == 1 && cap_x2x3_srv_stats(s)->hs_ms == 2000);
	c1 = t_client(s, &cctx1, &poi, &fd1);
	CHECK(c1 != NULL && t_peer_cn(c1, "mf-old"));
	/* a key that is not the certificate's, then a CA file that is not there: kept */
	cfg.cert = mf2_pem;
	cfg.key = ca_key;
	CHECK(cap_x2x3_srv_reload(s, &cfg, why, sizeof why) == LIM_E_CRYPTO);
	CHECK(strstr(why, "key") != NULL && strstr(why, ca_key) != NULL);
	cfg.key = mf2_key;
	cfg.ca = "/nonexistent/ca.pem";
	CHECK(cap_x2x3_srv_reload(s, &cfg, why, sizeof why) == LIM_E_CRYPTO);
	CHECK(strstr(why, "CA") != NULL);
	cfg.ca = ca_pem;
	cfg.max_conns = CAP_X2X3_MAX_CONNS + 1;
	CHECK(cap_x2x3_srv_reload(s, &cfg, why, sizeof why) == LIM_E_ARG);
	CHECK(cap_x2x3_srv_stats(s)->reload_failed == 3 && cap_x2x3_srv_stats(s)->reloads == 0);
	CHECK(cap_x2x3_srv_stats(s)->max_conns == 1);
	/* the cap (1) still holds: a second POI is refused */
	c2 = t_client(s, &cctx2, &poi, &fd2);
	CHECK(c2 == NULL && cap_x2x3_srv_stats(s)->refused_full == 1);
	/* the new certificate, a cap of 3, a 300 ms handshake timeout */
	cfg.max_conns = 3;
	cfg.hs_ms = 300;
	CHECK(cap_x2x3_srv_reload(s, &cfg, why, sizeof why) == LIM_OK);
	CHECK(cap_x2x3_srv_stats(s)->reloads == 1 && cap_x2x3_srv_stats(s)->max_conns == 3);
	CHECK(cap_x2x3_srv_stats(s)->hs_ms == 300);
	c2 = t_client(s, &cctx2, &poi, &fd2);
	CHECK(c2 != NULL && t_peer_cn(c2, "mf-new"));
	/* the old connection goes on with the old context, the new one with the new */
	CHECK(c1 && t_keepalive(s, c1, 1));
	CHECK(c2 && t_keepalive(s, c2, 2));
	CHECK(cap_x2x3_srv_stats(s)->active == 2 && cap_x2x3_srv_stats(s)->poi[0].active == 2);
	CHECK(cap_x2x3_srv_stats(s)->n_poi == 1 && cap_x2x3_srv_stats(s)->poi[0].last_ms > 0);
	/* a POI with no certificate at all */
	{
		cctx3 = SSL_CTX_new(TLS_client_method());
		SSL_CTX_set_verify(cctx3, SSL_VERIFY_NONE, NULL);
		fd3 = t_connect(cap_x2x3_srv_port(s));
		c3 = SSL_new(cctx3);
		SSL_set_fd(c3, fd3);
		for (int i = 0; i < 100; i++) {
			int r = SSL_connect(c3);
			char b;
			if (r == 1) {
				r = SSL_read(c3, &b, 1);
				if (r <= 0 && SSL_get_error(c3, r) != SSL_ERROR_WANT_READ)
					break;
			} else if (SSL_get_error(c3, r) != SSL_ERROR_WANT_READ &&
				   SSL_get_error(c3, r) != SSL_ERROR_WANT_WRITE)
				break;
			t_pump(s, 5);
			if (cap_x2x3_srv_stats(s)->hs_no_cert)
				break;
		}
		CHECK(cap_x2x3_srv_stats(s)->hs_no_cert == 1);
		CHECK(cap_x2x3_srv_stats(s)->hs_bad_cert == 0);
		SSL_free(c3);
		close(fd3);
		SSL_CTX_free(cctx3);
	}
	/* a POI that trusts another CA refuses the listener's certificate: counted as such */
	{
		cctx3 = SSL_CTX_new(TLS_client_method());
		SSL_CTX_use_certificate(cctx3, poi.crt);
		SSL_CTX_use_PrivateKey(cctx3, poi.key);
		X509_STORE_add_cert(SSL_CTX_get_cert_store(cctx3), other_ca.crt);
		SSL_CTX_set_verify(cctx3, SSL_VERIFY_PEER, NULL);
		fd3 = t_connect(cap_x2x3_srv_port(s));
		c3 = SSL_new(cctx3);
		SSL_set_fd(c3, fd3);
		for (int i = 0; i < 100 && !cap_x2x3_srv_stats(s)->hs_refused_ours; i++) {
			int r = SSL_connect(c3);
			if (r != 1 && SSL_get_error(c3, r) != SSL_ERROR_WANT_READ &&
			    SSL_get_error(c3, r) != SSL_ERROR_WANT_WRITE)
				ERR_clear_error(); /* refused: the alert is on its way */
			t_pump(s, 5);
		}
		CHECK(cap_x2x3_srv_stats(s)->hs_refused_ours == 1);
		CHECK(cap_x2x3_srv_stats(s)->tls_failed == 2);
		SSL_free(c3);
		close(fd3);
		SSL_CTX_free(cctx3);
	}
	/* lowering the cap closes nothing; new connections wait until fewer are open */
	cfg.max_conns = 1;
	CHECK(cap_x2x3_srv_reload(s, &cfg, why, sizeof why) == LIM_OK);
	CHECK(c1 && t_keepalive(s, c1, 3) && c2 && t_keepalive(s, c2, 4));
	c3 = t_client(s, &cctx3, &poi, &fd3);
	CHECK(c3 == NULL && cap_x2x3_srv_stats(s)->refused_full == 2);
	if (c1) {
		SSL_free(c1);
		close(fd1);
		SSL_CTX_free(cctx1);
	}
	if (c2) {
		SSL_free(c2);
		close(fd2);
		SSL_CTX_free(cctx2);
	}
	for (int i = 0; i < 50 && cap_x2x3_srv_stats(s)->active; i++)
		t_pump(s, 5);
	CHECK(cap_x2x3_srv_stats(s)->active == 0 && cap_x2x3_srv_stats(s)->poi[0].active == 0);
out:
	cap_x2x3_srv_free(s);
	t_free(&ca);
	t_free(&other_ca);
	t_free(&mf);
	t_free(&mf2);
	t_free(&poi);
}

/* A listener on 127.0.0.1 (max_conns, hs_ms: 0 the defaults) with a CA, its certificate and
 * one POI's (files named after tag); its PDUs counted in got. */
struct t_env {
	struct t_pki ca, mf, poi;
	char ca_pem[600], ca_key[600], mf_pem[600], mf_key[600];
	struct t_got got;
	struct cap_x2x3_srv *s;
};

static bool t_env_open(struct t_env *e, const char *tag, size_t max_conns, uint64_t hs_ms)
{
	struct cap_x2x3_srv_cfg cfg;
	char name[32], why[256] = "";
	memset(e, 0, sizeof *e);
	t_issue(&e->ca, "test CA", NULL, 1);
	t_issue(&e->mf, "mf", &e->ca, 3);
	t_issue(&e->poi, tag, &e->ca, 4);
	snprintf(name, sizeof name, "%s-ca", tag);
	t_pem(name, &e->ca, e->ca_pem, e->ca_key);
	snprintf(name, sizeof name, "%s-mf", tag);
	t_pem(name, &e->mf, e->mf_pem, e->mf_key);
	memset(&cfg, 0, sizeof cfg);
	cfg.listen = "127.0.0.1:0";
	cfg.ca = e->ca_pem;
	cfg.cert = e->mf_pem;
	cfg.key = e->mf_key;
	cfg.max_conns = max_conns;
	cfg.hs_ms = hs_ms;
	CHECK(cap_x2x3_srv_open(&cfg, t_on, &e->got, &e->s, why, sizeof why) == LIM_OK && e->s);
	return e->s != NULL;
}

static void t_env_free(struct t_env *e)
{
	cap_x2x3_srv_free(e->s);
	t_free(&e->ca);
	t_free(&e->mf);
	t_free(&e->poi);
}

/* A POI that offers the session of its last connection (TLS 1.2 session ID, TLS 1.3 ticket)
 * gets a full handshake: the listener resumes none. Before, it kept a session cache and sent
 * tickets with no session ID context, and OpenSSL failed every resumed handshake
 * (internal_error): such a POI never got back in. */
static void t_x2x3_resume(void)
{
	struct t_env env;
	struct cap_x2x3_srv *s = t_env_open(&env, "poi-r", 0, 0) ? env.s : NULL;
	const struct t_pki *poi = &env.poi;
	for (int v = 0; s && v < 2; v++) {
		int maxv = v ? TLS1_3_VERSION : TLS1_2_VERSION, fd;
		SSL_CTX *cctx = NULL;
		SSL_SESSION *sess = NULL;
		SSL *c = t_client_as(s, &cctx, poi, &fd, maxv, NULL);
		CHECK(c != NULL);
		if (!c)
			continue;
		CHECK(t_keepalive(s, c, 1));
		sess = SSL_get1_session(c);
		(void)SSL_shutdown(c);
		SSL_free(c);
		close(fd);
		SSL_CTX_free(cctx);
		CHECK(sess != NULL);
		c = t_client_as(s, &cctx, poi, &fd, maxv, sess);
		CHECK(c != NULL);
		if (c) {
			CHECK(!SSL_session_reused(c));
			CHECK(t_keepalive(s, c, 2));
			SSL_free(c);
			close(fd);
			SSL_CTX_free(cctx);
		}
		SSL_SESSION_free(sess);
		for (int i = 0; i < 50 && cap_x2x3_srv_stats(s)->active; i++)
			t_pump(s, 5);
	}
	CHECK(s && cap_x2x3_srv_stats(s)->tls_failed == 0 && cap_x2x3_srv_stats(s)->active == 0);
	t_env_free(&env);
}

/* Silent peers from as many sources as the handshakes' places (3), one each: a POI's handshake
 * closes the oldest, and a fourth source's connection, coming while the POI's is under way,
 * closes the next oldest, not the POI's (before, a tie between sources went by slot, and the
 * POI had taken the slot just freed: the next connection of a many-source flood closed it). */
static void t_x2x3_evict(void)
{
	struct t_env env;
	struct cap_x2x3_srv *s = t_env_open(&env, "poi-e", 3, 5000) ? env.s : NULL;
	SSL_CTX *cctx = NULL;
	SSL *c = NULL;
	int idle[4] = { -1, -1, -1, -1 }, fd = -1, r = 0;
	if (!s)
		goto out;
	for (unsigned i = 0; i < 3; i++) {
		idle[i] = t_connect_from(cap_x2x3_srv_port(s), 2 + i);
		t_pump(s, 5);
	}
	CHECK(idle[2] >= 0 && cap_x2x3_srv_stats(s)->handshaking == 3);
	CHECK(cap_x2x3_srv_stats(s)->hs_evicted == 0);
	/* the POI's ClientHello; its connection closes 127.0.0.2's handshake */
	cctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_use_certificate(cctx, env.poi.crt);
	SSL_CTX_use_PrivateKey(cctx, env.poi.key);
	SSL_CTX_set_verify(cctx, SSL_VERIFY_NONE, NULL);
	fd = t_connect(cap_x2x3_srv_port(s));
	c = SSL_new(cctx);
	SSL_set_fd(c, fd);
	(void)SSL_connect(c);
	t_pump(s, 5);
	CHECK(cap_x2x3_srv_stats(s)->hs_evicted == 1 && t_closed(idle[0]));
	/* a fourth source meanwhile: 127.0.0.3's goes, not the POI's */
	idle[3] = t_connect_from(cap_x2x3_srv_port(s), 5);
	t_pump(s, 5);
	CHECK(cap_x2x3_srv_stats(s)->hs_evicted == 2 && t_closed(idle[1]) && !t_closed(idle[2]));
	for (int i = 0; i < 300 && (r = SSL_connect(c)) != 1; i++) {
		if (SSL_get_error(c, r) != SSL_ERROR_WANT_READ &&
		    SSL_get_error(c, r) != SSL_ERROR_WANT_WRITE)
			break;
		t_pump(s, 5);
	}
	CHECK(r == 1 && t_keepalive(s, c, 7));
	CHECK(cap_x2x3_srv_stats(s)->active == 1 && cap_x2x3_srv_stats(s)->hs_evicted == 2);
out:
	SSL_free(c);
	SSL_CTX_free(cctx);
	if (fd >= 0)
		close(fd);
	for (int i = 0; i < 4; i++)
		if (idle[i] >= 0)
			close(idle[i]);
	t_env_free(&env);
}

/* A server flight bigger than the sockets take (a long certificate chain: 400 certificates):
 * the listener's handshake waits to write, and must go on as the POI reads it. The POI sends
 * nothing until it has the whole flight, so a listener that polled only for input stalled until
 * the handshake's timeout (60 s here; the POI gives up after 600 turns of 5 ms). */
static void t_x2x3_bigflight(void)
{
	struct t_env e;
	struct cap_x2x3_srv_cfg cfg;
	struct sockaddr_in a;
	SSL_CTX *cctx;
	SSL *c;
	FILE *f;
	char why[256] = "";
	int fd, rcv = 4096, done = 0, turns = 0;
	if (!t_env_open(&e, "bigflight", 0, 60000))
		return;
	f = fopen(e.mf_pem, "w");
	CHECK(f && PEM_write_X509(f, e.mf.crt) == 1);
	for (int i = 0; f && i < 400; i++)
		CHECK(PEM_write_X509(f, e.ca.crt) == 1);
	if (f)
		fclose(f);
	memset(&cfg, 0, sizeof cfg);
	cfg.listen = "127.0.0.1:0";
	cfg.ca = e.ca_pem;
	cfg.cert = e.mf_pem;
	cfg.key = e.mf_key;
	cfg.hs_ms = 60000;
	CHECK(cap_x2x3_srv_reload(e.s, &cfg, why, sizeof why) == LIM_OK);
	{
		/* small socket buffers on the listener (its connections inherit them), else
		 * loopback's take the whole flight at once */
		struct pollfd pfd[1 + CAP_X2X3_MAX_SLOTS];
		int snd = 4096;
		CHECK(cap_x2x3_srv_pollfds(e.s, pfd, 1) == 1 &&
		      setsockopt(pfd[0].fd, SOL_SOCKET, SO_SNDBUF, &snd, sizeof snd) == 0);
	}
	cctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_use_certificate(cctx, e.poi.crt);
	SSL_CTX_use_PrivateKey(cctx, e.poi.key);
	SSL_CTX_set_verify(cctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_max_cert_list(cctx, 1L << 20);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv) == 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons(cap_x2x3_srv_port(e.s));
	a.sin_addr.s_addr = htonl(0x7f000001);
	CHECK(connect(fd, (struct sockaddr *)&a, sizeof a) == 0);
	(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	c = SSL_new(cctx);
	SSL_set_fd(c, fd);
	for (; turns < 600 && !done; turns++) {
		int r = SSL_connect(c);
		if (r == 1)
			done = 1;
		else if (SSL_get_error(c, r) != SSL_ERROR_WANT_READ &&
			 SSL_get_error(c, r) != SSL_ERROR_WANT_WRITE)
			break;
		t_pump(e.s, 5);
	}
	CHECK(done);
	for (int k = 0; k < 20 && cap_x2x3_srv_stats(e.s)->active == 0; k++)
		t_pump(e.s, 5);
	CHECK(cap_x2x3_srv_stats(e.s)->active == 1 && cap_x2x3_srv_stats(e.s)->tls_failed == 0);
	if (!done)
		fprintf(stderr, "  bigflight: no handshake after %d turns\n", turns);
	SSL_free(c);
	close(fd);
	SSL_CTX_free(cctx);
	t_env_free(&e);
}

/* A CRL of ca into path (PEM), valid from a minute ago for an hour, revoking serial (0: none). */
static void t_crl(const struct t_pki *ca, long serial, const char *path)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t0 = X509_gmtime_adj(NULL, -60), *t1 = X509_gmtime_adj(NULL, 3600);
	FILE *f;
	CHECK(crl && t0 && t1);
	X509_CRL_set_version(crl, 1);
	X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca->crt));
	X509_CRL_set1_lastUpdate(crl, t0);
	X509_CRL_set1_nextUpdate(crl, t1);
	if (serial) {
		X509_REVOKED *r = X509_REVOKED_new();
		ASN1_INTEGER *sn = ASN1_INTEGER_new();
		ASN1_INTEGER_set(sn, serial);
		X509_REVOKED_set_serialNumber(r, sn);
		X509_REVOKED_set_revocationDate(r, t0);
		CHECK(X509_CRL_add0_revoked(crl, r) == 1);
		ASN1_INTEGER_free(sn);
	}
	X509_CRL_sort(crl);
	CHECK(X509_CRL_sign(crl, ca->key, EVP_sha256()) > 0);
	f = fopen(path, "w");
	CHECK(f && PEM_write_X509_CRL(f, crl) == 1);
	if (f)
		fclose(f);
	ASN1_TIME_free(t0);
	ASN1_TIME_free(t1);
	X509_CRL_free(crl);
}

/* A POI whose handshake is under way when a reload brings a CRL that revokes it: refused when
 * the handshake completes (it began under the old context, which had no CRL: a review); a POI
 * not revoked gets in after the reload. */
static void t_x2x3_crl_midway(void)
{
	struct t_env e;
	struct cap_x2x3_srv_cfg cfg;
	SSL_CTX *cctx = NULL, *cctx2 = NULL;
	SSL *c, *c2;
	char crl[600], why[256] = "";
	int fd, fd2, r = 0, done = 0;
	struct t_pki other;
	if (!t_env_open(&e, "crlmid", 0, 60000))
		return;
	t_issue(&other, "poi-other", &e.ca, 5);
	/* the POI's ClientHello, the listener's flight: the handshake waits for the POI's end */
	cctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_use_certificate(cctx, e.poi.crt);
	SSL_CTX_use_PrivateKey(cctx, e.poi.key);
	SSL_CTX_set_verify(cctx, SSL_VERIFY_NONE, NULL);
	fd = t_connect(cap_x2x3_srv_port(e.s));
	c = SSL_new(cctx);
	SSL_set_fd(c, fd);
	r = SSL_connect(c);
	CHECK(r != 1);
	for (int i = 0; i < 20; i++)
		t_pump(e.s, 5); /* accepted, its flight written */
	CHECK(cap_x2x3_srv_stats(e.s)->handshaking == 1);
	/* the reload: a CRL revoking the POI (serial 4) */
	snprintf(crl, sizeof crl, "%s/x2x3_crlmid.crl", t_outdir());
	t_crl(&e.ca, 4, crl);
	memset(&cfg, 0, sizeof cfg);
	cfg.listen = "127.0.0.1:0";
	cfg.ca = e.ca_pem;
	cfg.cert = e.mf_pem;
	cfg.key = e.mf_key;
	cfg.crl = crl;
	cfg.hs_ms = 60000;
	CHECK(cap_x2x3_srv_reload(e.s, &cfg, why, sizeof why) == LIM_OK);
	for (int i = 0; i < 100 && !done; i++) {
		r = SSL_connect(c);
		if (r == 1 || (SSL_get_error(c, r) != SSL_ERROR_WANT_READ &&
			       SSL_get_error(c, r) != SSL_ERROR_WANT_WRITE))
			done = 1;
		t_pump(e.s, 5);
	}
	for (int i = 0; i < 20; i++)
		t_pump(e.s, 5);
	CHECK(cap_x2x3_srv_stats(e.s)->active == 0 && cap_x2x3_srv_stats(e.s)->hs_bad_cert == 1);
	CHECK(t_closed(fd));
	/* another POI of the CA, not revoked: in */
	c2 = t_client(e.s, &cctx2, &other, &fd2);
	CHECK(c2 != NULL && cap_x2x3_srv_stats(e.s)->active == 1);
	if (c2) {
		SSL_free(c2);
		close(fd2);
		SSL_CTX_free(cctx2);
	}
	SSL_free(c);
	close(fd);
	SSL_CTX_free(cctx);
	t_free(&other);
	t_env_free(&e);
}

/* cap_x2x3_srv_stop_accepting, then cap_x2x3_srv_stop (the service stops): the listener closes
 * first while the open connection is still read, then that closes too, at once, without a
 * close_notify, so the POI sees its connection cut, not ended in order (it stayed open and
 * acknowledged PDUs it never read through the service's end: an audit); no descriptor is
 * polled after it, a step does nothing, the counters stay. */
static void t_x2x3_stop(void)
{
	struct t_env env;
	struct cap_x2x3_srv *s = t_env_open(&env, "poi-s", 0, 0) ? env.s : NULL;
	SSL_CTX *cctx = NULL;
	SSL *c = NULL;
	struct pollfd pfd[4];
	uint8_t b[16];
	int fd = -1, r = 1, e = SSL_ERROR_NONE;
	if (s)
		c = t_client(s, &cctx, &env.poi, &fd);
	CHECK(c && t_keepalive(s, c, 7));
	if (s && c) {
		uint64_t closed = cap_x2x3_srv_stats(s)->closed;
		/* first no new connection; the open one goes on (and is all that is polled) */
		cap_x2x3_srv_stop_accepting(s);
		CHECK(t_connect(cap_x2x3_srv_port(s)) < 0);
		CHECK(cap_x2x3_srv_pollfds(s, pfd, 4) == 1 && t_keepalive(s, c, 8));
		cap_x2x3_srv_stop_accepting(s); /* (twice: a no-op) */
		cap_x2x3_srv_stop(s);
		CHECK(cap_x2x3_srv_stats(s)->active == 0 &&
		      cap_x2x3_srv_stats(s)->closed == closed + 1);
		CHECK(cap_x2x3_srv_pollfds(s, pfd, 4) == 0);
		cap_x2x3_srv_step(s, pfd, 0, 0);
		cap_x2x3_srv_stop(s);           /* (twice: a no-op) */
		for (int i = 0; i < 200; i++) { /* (the client's socket does not block) */
			ERR_clear_error();
			r = SSL_read(c, b, sizeof b);
			e = r > 0 ? SSL_ERROR_NONE : SSL_get_error(c, r);
			if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_NONE)
				break;
			usleep(5000);
		}
		/* cut (EOF without close_notify: SSL_ERROR_SSL or _SYSCALL), not ZERO_RETURN */
		CHECK(e == SSL_ERROR_SSL || e == SSL_ERROR_SYSCALL);
		CHECK(t_connect(cap_x2x3_srv_port(s)) < 0); /* the listener is closed */
	}
	SSL_free(c);
	if (fd >= 0)
		close(fd);
	SSL_CTX_free(cctx);
	if (s)
		t_env_free(&env);
	cap_x2x3_srv_stop(NULL);
}

const struct lim_suite t_x2x3_suites[] = {
	{ "x2x3_crl_midway", t_x2x3_crl_midway },
	{ "x2x3_roundtrip", t_x2x3_roundtrip },
	{ "x2x3_layout", t_x2x3_layout },
	{ "x2x3_reject", t_x2x3_reject },
	{ "x2x3_stream", t_x2x3_stream },
	{ "x2x3_srv", t_x2x3_srv },
	{ "x2x3_reload", t_x2x3_reload },
	{ "x2x3_resume", t_x2x3_resume },
	{ "x2x3_evict", t_x2x3_evict },
	{ "x2x3_bigflight", t_x2x3_bigflight },
	{ "x2x3_stop", t_x2x3_stop },
	{ NULL, NULL },
};
