/* GMK distribution I_MESSAGEs (3GPP TS 33.180 s5.7, Annex E.2, E.6; issue 9): is a MIKEY-SAKKE
 * I_MESSAGE a GMK one, and once its SSV (the GMK) is recovered, what it says: GMK-ID, GUK-ID,
 * GMK-RAND, and the key parameters of the "3GPP key parameters" general extension (type 7):
 * key type, status, activation and expiry time, text and the MC Group IDs the GMK serves.
 *
 * The spec facts this follows:
 *   - E.2: the HDR CSB-ID of a GMK I_MESSAGE is the addressee's GUK-ID (end-point diversity,
 *     s5.2.3); s5.2.2/E.6.11: the top 4 bits of a key ID are its purpose tag, 0 = GMK
 *     (1 = PCK, 2 = CSK: TS 36.579-1 Table 5.5.9.1-1 gives CSK-ID '0010'B).
 *   - GUK-ID = GMK-ID XOR User Salt, User Salt = 28 LSBs of HMAC-SHA-256(GMK, 0x50 || MC ID ||
 *     len16) (TS 33.220 B.2 KDF), purpose tag untouched: the GMK-ID follows from the GUK-ID,
 *     the GMK and the addressee's MC ID. Vendors (Streamwide) also send it in the clear as
 *     the GENERIC-ID SPI of CS-ID 4: GMK-ID || GUK-ID (the SRTP MKI). Both are used and
 *     cross-checked when both are there.
 *   - E.6.1: extension type 7 holds an MCData protected payload (s8.5.4): message type (1;
 *     0x40 bit = encrypted), date/time (5), payload ID (4, 0), sequence number (1, 0), payload
 *     algorithm (1; 1 = AEAD_AES_128_GCM), IV (16), DPPK-ID (4, = the CSB-ID), then the
 *     payload as TLV-E: type (1), length (2), ciphertext || 16-octet GCM tag. The key is
 *     DPCK = the 128 LSBs of HMAC-SHA-256(GMK, 0x53 || DPPK-ID || 0x0004) (s8.5.3, TS 33.220
 *     B.2); the GCM associated data the first 12 header octets || IV || DPPK-ID (32 octets).
 *     Checked against the Streamwide GMK vector (decrypts, tag verifies).
 *   - Table E.6.1-1 (plaintext): Key Type (1), Status (4), Activation Time (5), Expiry Time
 *     (5), Text (LV-E: 2-octet length + octets), for GMK/MKFC/MuSiK the MC Group IDs (LV-E:
 *     number of IDs (1), then per ID an IE: IEI (1), length (2), value (TS 24.282 s15.2.14
 *     MCData group ID)), then reserved octets (ignored). The times are kept as the 40-bit
 *     values sent (E.6.4/E.6.10: the format could not be confirmed here).
 *   - Streamwide's pre-standard "legacy" layout (first octet 1..3 = key type + 1, clear, 17
 *     octets) is recognised and reported as legacy.
 *
 * Pure: no I/O, no logging. Everything is bounded by the extension's own length; a bad length
 * is LIM_E_PARSE, never a read past it. struct mikey_gmk holds the GMK: wipe it with
 * mikey_gmk_wipe. */
#ifndef LIM_GMK_H
#define LIM_GMK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "decrypt/mikey.h"

/* Purpose tags (top 4 bits of a key ID) and key types of E.6.11 (same numbering). */
enum mikey_key_type {
	MIKEY_KEY_GMK = 0,
	MIKEY_KEY_PCK = 1,
	MIKEY_KEY_CSK = 2,
	MIKEY_KEY_SPK = 3,
	MIKEY_KEY_MKFC = 4,
	MIKEY_KEY_MSCCK = 5,
	MIKEY_KEY_MUSIK = 6
};
/* Static name ("GMK", "PCK"...; "unknown"). */
const char *mikey_key_type_name(uint8_t t);

#define MIKEY_EXT_SAKKE_TO_SELF 6 /* E.5 */
#define MIKEY_EXT_KEY_PARAMS    7 /* E.6 */

#define MIKEY_KP_MAX_GROUPS 8   /* MC Group IDs kept */
#define MIKEY_KP_GROUP_MAX  256 /* octets kept of one group ID */
#define MIKEY_KP_TEXT_MAX   256 /* octets kept of the text */

struct mikey_kp_group {
	uint8_t iei;
	uint8_t id[MIKEY_KP_GROUP_MAX + 1]; /* NUL-terminated copy (may hold NULs) */
	size_t len;
	bool cut; /* longer than kept */
};

/* The key parameters (Table E.6.1-1). */
struct mikey_key_params {
	bool legacy;                 /* Streamwide pre-standard layout (see top) */
	uint8_t key_type;            /* enum mikey_key_type */
	uint32_t status;             /* E.6.9 bits (bit 0: not revoked) */
	uint64_t activation, expiry; /* 40-bit values as sent */
	char text[MIKEY_KP_TEXT_MAX + 1];
	size_t text_len;
	bool text_cut;
	bool has_groups; /* the MC Group IDs element was there */
	size_t n_group;  /* IDs kept (the number sent may be larger: group_cut) */
	struct mikey_kp_group group[MIKEY_KP_MAX_GROUPS];
	bool group_cut;
};

/* Parses a plaintext Key Parameters payload content (Table E.6.1-1). LIM_OK, LIM_E_TRUNC (a
 * length past the end), LIM_E_PARSE (group IEs not filling their LV-E exactly). */
enum lim_err mikey_key_params_parse(const uint8_t *p, size_t len,
				    struct mikey_key_params *kp) LIM_WUR;

/* Opens the data of a type-7 general extension with the distributed key (GMK): the protected
 * payload above. csb_id is the I_MESSAGE's; *dppk_mismatch (may be NULL) is set when the
 * payload's DPPK-ID differs from it (the payload's is used). The legacy clear layout is
 * accepted. LIM_OK; LIM_E_TRUNC / LIM_E_PARSE (framing); LIM_E_UNSUPP (algorithm other than
 * AEAD_AES_128_GCM, or a key that is not 16 octets); LIM_E_AUTH (GCM tag: wrong key or
 * tampered); LIM_E_CRYPTO. Intermediates (DPCK, plaintext) wiped on every exit. */
enum lim_err mikey_key_params_open(const uint8_t *ext, size_t len, const uint8_t *key,
				   size_t keylen, uint32_t csb_id, struct mikey_key_params *kp,
				   bool *dppk_mismatch) LIM_WUR;

/* Is m a GMK distribution I_MESSAGE? Data type 26 with T, RAND, SAKKE, SIGN; CSB-ID purpose
 * tag 0 (GMK); CS ID map GENERIC-ID whose entries are all CS-ID 4 (and whose 8-octet SPI, if
 * any, ends with the CSB-ID and starts with a GMK purpose tag), or the empty map, or the
 * legacy SRTP-ID map. LIM_OK or LIM_E_PARSE with *why (static text; why may be NULL). */
enum lim_err mikey_gmk_check(const struct mikey_msg *m, const char **why) LIM_WUR;

enum mikey_gmkid_src {
	MIKEY_GMKID_NONE = 0, /* not known: no SPI and no member URI given */
	MIKEY_GMKID_SPI = 1,  /* from the GENERIC-ID SPI only */
	MIKEY_GMKID_SALT = 2, /* from GUK-ID XOR User Salt of the member's URI only */
	MIKEY_GMKID_BOTH = 3  /* both, and they agree */
};

#define MIKEY_GMK_MAX 32

/* The facts of one GMK distribution. Holds the GMK: mikey_gmk_wipe. */
struct mikey_gmk {
	uint8_t gmk[MIKEY_GMK_MAX];
	size_t gmk_len;
	uint32_t guk_id; /* the CSB-ID: the addressee's GUK-ID */
	uint32_t gmk_id;
	uint8_t gmk_id_src; /* enum mikey_gmkid_src */
	uint8_t rand[255];  /* GMK-RAND */
	size_t rand_len;
	uint8_t prf; /* enum mikey_prf of the message */
	bool has_ts;
	uint64_t ts;         /* T payload (NTP-UTC) */
	bool has_kp;         /* a type-7 extension was found */
	enum lim_err kp_err; /* LIM_OK: kp below opened and parsed; LIM_E_STATE: no type-7
			      * extension; else why opening or parsing failed */
	bool dppk_mismatch;
	struct mikey_key_params kp;
};

/* From a GMK I_MESSAGE m (mikey_gmk_check) and its recovered SSV (ssv, 16 octets in MCX), the
 * GMK facts. member_uri (may be NULL) is the addressee's MC ID (e.g. the To URI, or the URI
 * that formed the UID the SSV was recovered with): it gives the GMK-ID from the GUK-ID; with
 * the SPI as well, the two must agree (else LIM_E_AUTH: the URI is not this message's
 * addressee, or the message is inconsistent). Key parameters: opened when present; their
 * failure does not fail the call (out->kp_err says why). Errors: LIM_E_PARSE (not a GMK
 * message), LIM_E_ARG (NULL, ssvlen 0 or > MIKEY_GMK_MAX), LIM_E_AUTH, LIM_E_CRYPTO. On error
 * *out is wiped. */
enum lim_err mikey_gmk_facts(const struct mikey_msg *m, const uint8_t *ssv, size_t ssvlen,
			     const char *member_uri, size_t urilen, struct mikey_gmk *out) LIM_WUR;

void mikey_gmk_wipe(struct mikey_gmk *g);

#endif
