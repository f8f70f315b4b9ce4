/* MIKEY message codec (RFC 3830, RFC 6043, RFC 6509, 3GPP TS 33.180), aimed at MIKEY-SAKKE
 * I_MESSAGEs (data type 26) but parsing any MIKEY common header.
 *
 * mikey_parse() decodes a whole message into a caller-allocated struct mikey_msg. Every
 * pointer in the struct is a borrowed view into the parsed buffer and dies with it. Nothing is
 * allocated. mikey_build() is the inverse: it serialises the same struct (views pointing at the
 * caller's data) and, when the struct came from mikey_parse(), reproduces the input octet for
 * octet (payload order is kept in order[]).
 *
 * Accepted (DESIGN.md s4, real vendor traffic):
 *   - version 1 only; any data type (names for RFC 3830/6509 ones); V flag 0 or 1;
 *   - PRF 0 (MIKEY-1, RFC 3830) or 1 (PRF-HMAC-SHA-256, RFC 6043 s6.1); any other PRF value is
 *     LIM_E_UNSUPP, because no key could ever be derived from such a message;
 *   - CS ID map type 0 SRTP-ID (RFC 3830 s6.1.1), 1 empty map (RFC 4738, TS 33.180: #CS is kept
 *     as sent, cs[] stays empty), 2 GENERIC-ID (RFC 6043 s6.1.2); other map types cannot be
 *     skipped (no length field) and are LIM_E_PARSE;
 *   - payloads T (5), RAND (11), ID (6), IDR (14, RFC 6043 s6.6), CERT (7, RFC 3830 s6.7: RFC
 *     6509 s2.1 allows [CERT] in an I_MESSAGE; kept as a view, not used), SP (10), SAKKE (26,
 *     RFC 6509 s4.2), general extension (21) and SIGN (4), in any order (vendors differ);
 *     KEMAC/PKE/DH/CHASH/V/ERR (1,2,3,8,9,12) are LIM_E_UNSUPP (not used by MIKEY-SAKKE);
 *     any other next-payload value is LIM_E_PARSE (RFC 3830 payloads carry no uniform length, so
 *     an unknown payload cannot be skipped);
 *   - ID/IDR roles 1..9 (IDRi, IDRr, IDRkms, IDRpsk, IDRapp, IDRkmsi, IDRkmsr, IDRuidi, IDRuidr),
 *     ID types 0 NAI, 1 URI, 2 byte string; data taken as is (a trailing NUL is kept in len, see
 *     mikey_id_textlen()); zero-length identities are accepted;
 *   - T types 0 NTP-UTC (64 bit), 1 NTP (64 bit), 2 COUNTER (32 bit).
 * Rejected: a second T, RAND or SAKKE payload; more than the caps below (LIM_E_LIMIT); a SIGN
 * payload that is not last or whose declared length differs from the remaining octets; any
 * length that runs past the message (LIM_E_TRUNC); trailing octets after the last payload
 * (next payload 0) (LIM_E_PARSE); zero-length RAND or a message with no payload chain end.
 *
 * Errors: LIM_OK, LIM_E_PARSE, LIM_E_TRUNC, LIM_E_LIMIT, LIM_E_UNSUPP, LIM_E_ARG (caller bug).
 * On failure the struct is zeroed except err_detail (static English text, never NULL),
 * err_offset (octet offset in the buffer of the field that failed) and err_pt (the payload
 * type being decoded). On success err_detail is "ok". */
#ifndef LIM_MIKEY_H
#define LIM_MIKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "decrypt/kdf.h" /* enum mikey_prf */

/* Caps: exceeding one while parsing is LIM_E_LIMIT. */
#define MIKEY_MAX_CS        16 /* CS ID map entries (#CS for map types 0 and 2) */
#define MIKEY_MAX_IDR       8  /* ID + IDR payloads together */
#define MIKEY_MAX_SP        4  /* SP payloads */
#define MIKEY_MAX_SP_PARAMS 32 /* policy parameters in one SP payload */
#define MIKEY_MAX_EXT       8  /* general extension payloads */
#define MIKEY_MAX_CERT      4  /* CERT payloads */
#define MIKEY_MAX_PAYLOADS  32 /* payloads after the common header, SIGN included */

#define MIKEY_VERSION 1

/* Next-payload / payload type values (RFC 3830 s6, RFC 6043 s6.6, RFC 6509 s4.2). */
enum mikey_pt {
	MIKEY_PT_LAST = 0,
	MIKEY_PT_KEMAC = 1,
	MIKEY_PT_PKE = 2,
	MIKEY_PT_DH = 3,
	MIKEY_PT_SIGN = 4,
	MIKEY_PT_T = 5,
	MIKEY_PT_ID = 6,
	MIKEY_PT_CERT = 7,
	MIKEY_PT_CHASH = 8,
	MIKEY_PT_V = 9,
	MIKEY_PT_SP = 10,
	MIKEY_PT_RAND = 11,
	MIKEY_PT_ERR = 12,
	MIKEY_PT_IDR = 14,
	MIKEY_PT_GENEXT = 21,
	MIKEY_PT_SAKKE = 26,
	MIKEY_PT_HDR =
		255 /* pseudo type: the common header (never on the wire as a next payload) */
};

/* Common header data types (RFC 3830 s6.1, RFC 4650, RFC 4738, RFC 6509). */
enum mikey_data_type {
	MIKEY_DT_PSK_INIT = 0,
	MIKEY_DT_PSK_RESP = 1,
	MIKEY_DT_PK_INIT = 2,
	MIKEY_DT_PK_RESP = 3,
	MIKEY_DT_DH_INIT = 4,
	MIKEY_DT_DH_RESP = 5,
	MIKEY_DT_ERROR = 6,
	MIKEY_DT_DHHMAC_INIT = 7,
	MIKEY_DT_DHHMAC_RESP = 8,
	MIKEY_DT_RSAR_INIT = 9,
	MIKEY_DT_RSAR_RESP = 10,
	MIKEY_DT_SAKKE = 26 /* RFC 6509 s4.1: SAKKE msg (the I_MESSAGE) */
};

/* PRF values of the common header: enum mikey_prf in decrypt/kdf.h (MIKEY_PRF_MIKEY1 = 0,
 * the MIKEY-1 PRF of RFC 3830 s4.1.2; MIKEY_PRF_HMAC_SHA256 = 1, RFC 6043 s6.1). */

enum mikey_map_type { MIKEY_MAP_SRTP_ID = 0, MIKEY_MAP_EMPTY = 1, MIKEY_MAP_GENERIC_ID = 2 };

enum mikey_ts_type { MIKEY_TS_NTP_UTC = 0, MIKEY_TS_NTP = 1, MIKEY_TS_COUNTER = 2 };

/* ID roles (RFC 6043 s6.6, TS 33.180 E.6). 0 is reserved on the wire; here it marks an RFC
 * 3830 ID payload (type 6), which has no role. */
enum mikey_id_role {
	MIKEY_ROLE_NONE = 0, /* plain ID payload (type 6) */
	MIKEY_ROLE_IDRI = 1,
	MIKEY_ROLE_IDRR = 2,
	MIKEY_ROLE_IDRKMS = 3,
	MIKEY_ROLE_IDRPSK = 4,
	MIKEY_ROLE_IDRAPP = 5,
	MIKEY_ROLE_IDRKMSI = 6, /* initiator's KMS URI (TS 33.180) */
	MIKEY_ROLE_IDRKMSR = 7, /* responder's KMS URI */
	MIKEY_ROLE_IDRUIDI = 8, /* initiator's UID (32 octets, TS 33.180 F.2.1) */
	MIKEY_ROLE_IDRUIDR = 9  /* responder's UID */
};

enum mikey_id_type { MIKEY_IDT_NAI = 0, MIKEY_IDT_URI = 1, MIKEY_IDT_BYTES = 2 };

enum mikey_sign_type { MIKEY_SIGN_RSA_PKCS1 = 0, MIKEY_SIGN_RSA_PSS = 1, MIKEY_SIGN_ECCSI = 2 };

/* SP protocol types (RFC 3830 s6.10) and SRTP policy parameter types (s6.10.1, RFC 4771,
 * RFC 7714 s14.2). */
#define MIKEY_PROT_SRTP 0
enum mikey_srtp_param {
	MIKEY_SRTP_ENC_ALG = 0,
	MIKEY_SRTP_ENC_KEY_LEN = 1,
	MIKEY_SRTP_AUTH_ALG = 2,
	MIKEY_SRTP_AUTH_KEY_LEN = 3,
	MIKEY_SRTP_SALT_KEY_LEN = 4,
	MIKEY_SRTP_PRF = 5,
	MIKEY_SRTP_KDR = 6,
	MIKEY_SRTP_SRTP_ENC = 7,
	MIKEY_SRTP_SRTCP_ENC = 8,
	MIKEY_SRTP_FEC_ORDER = 9,
	MIKEY_SRTP_SRTP_AUTH = 10,
	MIKEY_SRTP_AUTH_TAG_LEN = 11,
	MIKEY_SRTP_PREFIX_LEN = 12,
	MIKEY_SRTP_ROC_RATE = 13,    /* RFC 4771 */
	MIKEY_SRTP_AEAD_TAG_LEN = 20 /* RFC 7714 */
};

/* One crypto-session entry of the CS ID map. */
struct mikey_cs {
	/* SRTP-ID (map type 0, RFC 3830 s6.1.1) */
	uint8_t policy_no; /* SP policy number for this stream */
	uint32_t ssrc;
	uint32_t roc;
	/* GENERIC-ID (map type 2, RFC 6043 s6.1.2) */
	uint8_t cs_id;       /* CS ID (e.g. 0/1 PCK streams, 4 GMK, 6 CSK in TS 33.180) */
	uint8_t prot_type;   /* 0 = SRTP */
	bool s_flag;         /* S bit: session data present/valid */
	uint8_t n_ps;        /* number of policy numbers (7 bits) */
	const uint8_t *ps;   /* borrowed: n_ps policy numbers */
	uint16_t sess_len;   /* session data length */
	const uint8_t *sess; /* borrowed: session data (NULL when sess_len is 0) */
	uint8_t spi_len;     /* SPI/MKI length */
	const uint8_t *spi;  /* borrowed: SPI/MKI, e.g. GMK-ID||GUK-ID (NULL when 0) */
};

/* An ID (type 6, role 0) or IDR (type 14, role 1..9) payload. */
struct mikey_idr {
	uint8_t role;        /* enum mikey_id_role */
	uint8_t type;        /* enum mikey_id_type */
	const uint8_t *data; /* borrowed: identity octets, as sent (NULL when len is 0) */
	uint16_t len;
};

struct mikey_sp_param {
	uint8_t type; /* enum mikey_srtp_param for prot_type 0 */
	uint8_t len;
	const uint8_t *val; /* borrowed (NULL when len is 0) */
};

/* A security-policy payload (RFC 3830 s6.10). */
struct mikey_sp {
	uint8_t policy_no;
	uint8_t prot_type; /* MIKEY_PROT_SRTP */
	size_t n_params;
	struct mikey_sp_param params[MIKEY_MAX_SP_PARAMS]; /* in message order */
};

/* A general extension payload (RFC 3830 s6.15; type 7 = TS 33.180 key parameters). */
struct mikey_ext {
	uint8_t type;
	const uint8_t *data; /* borrowed (NULL when len is 0) */
	uint16_t len;
};

/* Position of one payload in the message (filled by mikey_parse; read by mikey_build). */
struct mikey_pl {
	uint8_t type;  /* enum mikey_pt of the payload (never MIKEY_PT_HDR) */
	size_t offset; /* offset of its first octet in raw */
	size_t len;    /* its length in octets, header fields included */
};

/* A decoded MIKEY message. Zero it (or take it from mikey_parse) before filling for build. */
struct mikey_msg {
	const uint8_t *raw; /* borrowed: the parsed buffer (NULL for a struct built by hand) */
	size_t raw_len;

	/* common header (RFC 3830 s6.1) */
	uint8_t version;   /* always 1 */
	uint8_t data_type; /* enum mikey_data_type; 26 = SAKKE I_MESSAGE */
	uint8_t v_flag;    /* 0 or 1: verification message requested */
	uint8_t prf;       /* enum mikey_prf: 0 or 1 */
	uint32_t csb_id;   /* CSB ID: PCK-ID, GUK-ID, CSK-ID, ... in TS 33.180 */
	uint8_t n_cs;      /* #CS as sent */
	uint8_t map_type;  /* enum mikey_map_type */
	uint8_t n_map;     /* entries decoded into cs[]: n_cs for map types 0 and 2, 0 for 1 */
	struct mikey_cs cs[MIKEY_MAX_CS];
	size_t hdr_len; /* length of the common header incl. the map info */

	/* T payload (RFC 3830 s6.6) */
	bool has_t;
	uint8_t ts_type; /* enum mikey_ts_type */
	uint64_t ts;     /* NTP types: 32.32 fixed point seconds since 1900; COUNTER: 32 bit */

	/* RAND payload (RFC 3830 s6.11) */
	bool has_rand;
	uint8_t rand_len;    /* at least 1 */
	const uint8_t *rand; /* borrowed */

	/* ID and IDR payloads, in message order */
	size_t n_idr;
	struct mikey_idr idr[MIKEY_MAX_IDR];

	/* CERT payloads (RFC 3830 s6.7: in a MIKEY-SAKKE I_MESSAGE optional and unused), in
	 * message order: the shape of a general extension's, type the cert type (0 X.509v3...) */
	size_t n_cert;
	struct mikey_ext cert[MIKEY_MAX_CERT];

	/* SP payloads, in message order */
	size_t n_sp;
	struct mikey_sp sp[MIKEY_MAX_SP];

	/* SAKKE payload (RFC 6509 s4.2) */
	bool has_sakke;
	uint8_t sakke_params;    /* SAKKE parameter set: 1 = RFC 6509 App. A */
	uint8_t sakke_id_scheme; /* 1 = tel URI with monthly keys (RFC 6509), 2 = TS 33.180 UID */
	const uint8_t *sed;      /* borrowed: SAKKE encapsulated data (0x04||Rx||Ry||H, 273) */
	uint16_t sed_len;

	/* general extension payloads, in message order */
	size_t n_ext;
	struct mikey_ext ext[MIKEY_MAX_EXT];

	/* SIGN payload (RFC 3830 s6.5), always last */
	bool has_sign;
	uint8_t sign_type;  /* enum mikey_sign_type; 2 = ECCSI (r||s||PVT = 129 octets) */
	const uint8_t *sig; /* borrowed (build: may be NULL to write sig_len zero octets) */
	uint16_t sig_len;   /* 12 bits on the wire: at most 4095 */
	size_t sign_offset; /* offset of the SIGN payload's first octet in raw */

	/* payload order after the header (SIGN included). mikey_build follows it when n_pl > 0,
	 * otherwise uses the canonical order T, RAND, ID/IDR..., CERT..., SP..., SAKKE, GENEXT...,
	 * SIGN (RFC 6509 s2.1's). */
	size_t n_pl;
	struct mikey_pl pl[MIKEY_MAX_PAYLOADS];

	/* on failure: static text (never NULL), the offset in the buffer of the field that
	 * failed, and the payload type being decoded then (MIKEY_PT_HDR for the common header;
	 * for "unknown payload type" it is the unknown value itself, so a wire value of 255
	 * shows as MIKEY_PT_HDR with an err_offset past hdr_len's minimum of 10) */
	const char *err_detail;
	size_t err_offset;
	uint8_t err_pt;
};

/* Parses buf[0..len) into *out (every view borrowed from buf). See the top of this file for
 * what is accepted. */
enum lim_err mikey_parse(const uint8_t *buf, size_t len, struct mikey_msg *out) LIM_WUR;

/* The octets an ECCSI signature covers, under the two conventions found in the field. */
enum mikey_sign_cover {
	MIKEY_SIGN_COVER_HDR = 0,  /* RFC 3830 s5.2: up to the signature, incl. the 2-octet SIGN
				      header (Streamwide and the interop vectors) */
	MIKEY_SIGN_COVER_NOHDR = 1 /* up to the SIGN payload, excluding it (Alea/Softil) */
};

/* Sets *p and *len to the signed part of m->raw. LIM_E_STATE when m has no raw buffer or no SIGN;
 * LIM_E_ARG for an unknown cover. */
enum lim_err mikey_signed_part(const struct mikey_msg *m, enum mikey_sign_cover c,
			       const uint8_t **p, size_t *len) LIM_WUR;

/* First ID/IDR with exactly this role, or NULL. */
const struct mikey_idr *mikey_find_idr(const struct mikey_msg *m, uint8_t role);
/* Initiator identity: role 8 (UID) if present, else role 1; responder: 9, else 2. KMS:
 * initiator's 6, else 3; responder's 7, else 3. NULL when absent. */
const struct mikey_idr *mikey_initiator(const struct mikey_msg *m);
const struct mikey_idr *mikey_responder(const struct mikey_msg *m);
const struct mikey_idr *mikey_kms_initiator(const struct mikey_msg *m);
const struct mikey_idr *mikey_kms_responder(const struct mikey_msg *m);
/* Length of the identity without trailing NUL octets ("kms.example.org\0" -> 15). */
size_t mikey_id_textlen(const struct mikey_idr *id);

/* Checks that m is a MIKEY-SAKKE I_MESSAGE an unwrapper can use (RFC 6509 s4): data type 26,
 * T, RAND, SAKKE and SIGN present, SIGN type 2. LIM_OK or LIM_E_PARSE (detail in *why, static
 * text, may be NULL). */
enum lim_err mikey_check_sakke_imessage(const struct mikey_msg *m, const char **why) LIM_WUR;

/* Serialises m into out[0..cap). Payload order: m->pl[] types when m->n_pl > 0 (must list each
 * present payload exactly once per entry, SIGN last), else canonical HDR, T, RAND, ID/IDR...,
 * SP..., SAKKE, GENEXT..., SIGN. Writes sig_len octets of sig (zeros when sig is NULL); a signer
 * overwrites them at *outlen - sig_len (the SIGN header is at *outlen - sig_len - 2).
 * LIM_E_LIMIT when out is too small; LIM_E_ARG for a struct that cannot be encoded (version
 * not 1, counts over the caps, n_map inconsistent with the map type, unknown map/ts/ID type,
 * role > 9, sig_len > 4095, sign_type > 15, missing data pointers, pl[] inconsistent). A
 * struct from mikey_parse() rebuilds to the exact input octets. */
enum lim_err mikey_build(const struct mikey_msg *m, uint8_t *out, size_t cap,
			 size_t *outlen) LIM_WUR;

/* Names for printing: static text, never NULL ("unknown" when not assigned). */
const char *mikey_pt_name(uint8_t pt);
const char *mikey_data_type_name(uint8_t dt);
const char *mikey_prf_name(uint8_t prf);
const char *mikey_map_type_name(uint8_t map_type);
const char *mikey_ts_type_name(uint8_t ts_type);
const char *mikey_role_name(uint8_t role);
const char *mikey_id_type_name(uint8_t id_type);
const char *mikey_prot_name(uint8_t prot_type);
const char *mikey_sp_param_name(uint8_t prot_type, uint8_t param_type);
const char *mikey_sign_type_name(uint8_t sign_type);
const char *mikey_ext_type_name(uint8_t ext_type);
const char *mikey_sakke_id_scheme_name(uint8_t scheme);
/* Name of an enumerated SRTP parameter value (e.g. ENC_ALG 6 -> "AES-GCM"), or NULL when the
 * parameter is numeric (a length, a rate) or the value is not assigned. */
const char *mikey_sp_value_name(uint8_t prot_type, uint8_t param_type, const uint8_t *val,
				uint8_t len);

/* ISO-8601 UTC text of an NTP-type timestamp, "2025-10-01T00:00:00Z", or with a fraction
 * ".123456Z" (microseconds) when the low 32 bits are not zero. NTP era 0 when the top bit of
 * the seconds is set, else era 1 (2036-2104), per RFC 4330 s3. LIM_E_ARG for the COUNTER type
 * or an unknown type; out needs MIKEY_TS_STRLEN octets. */
#define MIKEY_TS_STRLEN 32
enum lim_err mikey_ts_iso8601(uint8_t ts_type, uint64_t ts, char out[MIKEY_TS_STRLEN]) LIM_WUR;

#endif
