/* limf-gen --profile group (issue 9): a 3GPP MCX pre-arranged group call with its GMK
 * distribution, in one pcap, with the truth beside it. Deterministic in the options and --seed.
 *
 * Parties (IPv4; --ipv6: 2001:db8:5::5, 2001:db8:5::10, 2001:db8:2::<i>, 2001:db8:9::99):
 *   GMS            sip:gms@example.org            203.0.113.5:5060
 *   MCPTT server   sip:mcptt-server@example.org   203.0.113.10:5060 (media: one leg per member)
 *   member i       sip:<alice|bob|carol|...>@example.org (member<i> after the 8th) 10.2.0.<i>:5060
 *   group ID       sip:group-<seed mod 10000>@example.org
 *   --stranger     sip:stranger@example.org       198.18.0.99 (no SIP leg in the capture)
 *
 * 1. GMK distribution (TS 33.180 s5.7): for each member a SIP NOTIFY (event xcap-diff) from
 *    the GMS with a multipart/mixed body: application/vnd.3gpp.mcptt-info+xml (TS 24.379 F.1:
 *    <mcptt-request-uri> = the member, <mcptt-calling-group-id> = the group) and the group
 *    document application/vnd.oma.poc.groups+xml (TS 24.481 s7: <list-service uri=GROUP>,
 *    <list><entry uri=member/>...) whose <mcpttgi:gmk-transport> element holds the member's
 *    GMK I_MESSAGE in base64 (the element name is this generator's: the GKTP element of
 *    TS 24.481 could not be confirmed here); the member answers 200.
 *    The I_MESSAGE (TS 33.180 s5.7, Annex E.2): data type 26, PRF-HMAC-SHA-256, CSB ID = the
 *    member's GUK-ID (end-point diversity), CS ID map GENERIC-ID with one entry: CS ID 4,
 *    protocol SRTP, policy 0, no session data, SPI = GMK-ID || GUK-ID; T; RAND = GMK-RAND;
 *    IDR roles 8/9 = the GMS's and the member's UIDs and 6/7 = the KMS URI (3gpp-uid
 *    community; rfc6509 community: roles 1/2 clear URIs and 3 the KMS); SP policy 0 =
 *    AEAD_AES_128_GCM, RCCm3, salt 12, ROC rate R = 1, AEAD tag 16; SAKKE (SSV = the GMK, 16
 *    octets, to the member); SIGN (ECCSI, the GMS's SSK). GMK-ID: purpose tag 0 in the top 4
 *    bits; general extension type 7 (E.6 key parameters, see key_params) naming the group.
 * 2. The call (TS 24.379 pre-arranged group call): member 1 INVITEs the server (multipart:
 *    SDP + mcptt-info with <mcptt-request-uri> = the group); 100; the server INVITEs every other
 *    member (mcptt-info <mcptt-calling-user-id>, <mcptt-calling-group-id>), they answer 200 and
 *    get an ACK; 200 to member 1, ACK. SDP: m=audio PORT RTP/SAVP 0 (PCMU) and m=application
 *    PORT+2 udp MCPTT (floor control, TS 24.380). At the end member 1 sends BYE, the server
 *    BYEs the others; 200s.
 * 3. Turns: --talkers K (members 1..K) in round-robin, turns of --turn S seconds, as many as
 *    fill --duration (at least K; 3K with --gmk-rollover), then the stranger's turn
 *    (--stranger). Per turn, floor control (RTCP APP "MCPT", TS 24.380 s8.2, in the clear):
 *    Floor Request (talker -> server: Floor Priority, User ID, Floor Indicator), Floor Granted
 *    (server -> talker: Duration, Floor Priority, Floor Indicator), Floor Taken (server -> every
 *    other member: Granted Party's Identity (absent for the stranger), Permission to Request
 *    the Floor, Message Sequence Number, Floor Indicator, SSRC of the granted participant),
 *    then the talker's SRTP every 20 ms to its leg on the server, each packet relayed unchanged
 *    1 ms later to every other member's leg, then Floor Release (talker: User ID, Floor
 *    Indicator) and Floor Idle (server -> every member: Message Sequence Number, Floor
 *    Indicator). Floor control is not SRTCP-protected: TS 33.180 keys it with the client's CSK
 *    (s7.5), a MIKEY exchange with the server this generator does not make.
 *    Media: AEAD_AES_128_GCM with the talker's key (mikey_group_talker_key: GMK, CS ID 4, CSB
 *    ID = its GUK-ID, GMK-RAND), MKI = GMK-ID || GUK-ID, RCCm3 with R = 1. One SSRC per talker
 *    for the whole call, sequence numbers continuing across its turns.
 *    --gmks N (3..20): N GMKs, each after the first distributed to every member in the middle
 *    of the turn before the one that first uses it: turn k uses GMK k (the last one from turn
 *    N - 1 on; at least N turns).
 *    --gmk-id HEX: the first GMK's GMK-ID (else drawn from the seed), e.g. another capture's
 *    for a GMK-ID that names two GMKs.
 *    --gmk-rollover: a second GMK (new GMK-ID and RAND) is distributed to every member in the
 *    middle of turn T/3 (T turns, at least 3K); each talker keeps the first GMK for its next
 *    turn after that and switches to the second after it.
 *    --loss / --reorder: percent of the talkers' uplink packets lost / swapped with their
 *    successor (the relays follow the uplink).
 * Outputs: X.pcap; X.pcap.json (the truth: as the other profiles' top level, "calls": [] and
 * "group": {"id", "gms", "server", "target" (the warrant target's URI; --target-not-member: a
 * user who is no member), "members": [{"uri", "addr", "guk_ids": {GMK-ID hex: GUK-ID hex}}],
 * "gmks": [{"gmk_id", "rand", "time" (first NOTIFY), "i_messages": [{"member", "b64"}],
 * "gmk"? (--dump-keys)}], "talkers": [{"uri" or "stranger", "ssrc", "raw"}], "turns":
 * [{"talker" (uri or "stranger"), "gmk_id", "guk_id", "ssrc", "first", "last", "packets",
 * "lost": [seq], "reordered": [seq]}], "floor": [{"time", "type", "from", "to", "talker"}]});
 * X.pcap.d/g-<talker no|stranger>-<ssrc>.raw: the talker's clear payloads of the uplink
 * packets in the pcap, in sequence order. --dump-keys DIR: Z.hex, kpak.hex, member<i>.rsk.hex
 * and target.rsk.hex (each user's RSK at the first distribution), gmk-<GMK-ID>.hex, and the GMKs
 * in the truth. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/codec.h"
#include "common/json.h"
#include "common/wipe.h"
#include "decrypt/srtp.h"
#include "decrypt/uid.h"
#include "decrypt/unwrap.h"
#include "limf/kms_glue.h"
#include "tests/gen/gen.h"
#include "tests/kms/kms_glue.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#define GG_MAX_MEMBERS 64
#define GG_PKT_CAP     256
#define GG_SLOT        20000
#define GG_GAP         300000 /* between turns */
#define GG_BOUNDARY    "limf-gen-mcx-boundary"
#define GG_DOMAIN      "example.org"
#define GG_MAX_TURNS   100000
#define GG_MAX_GMKS    20 /* --gmks */

/* ---- frames: collected, then sorted by time and written ----------------------------------- */
struct gg_frame {
	uint64_t t;
	uint64_t ord;
	const struct gen_addr *src, *dst;
	uint16_t sp, dp;
	uint8_t *data;
	size_t len;
};

static char group_id[96];
static struct gg_frame *fr;
static size_t nfr, capfr;
static uint64_t ordc;

static void emit(uint64_t t, const struct gen_addr *src, uint16_t sp, const struct gen_addr *dst,
		 uint16_t dp, const void *d, size_t n)
{
	if (nfr == capfr) {
		capfr = capfr ? capfr * 2 : 4096;
		fr = realloc(fr, capfr * sizeof *fr);
		if (!fr)
			gen_die("out of memory");
	}
	fr[nfr].t = t, fr[nfr].ord = ordc++;
	fr[nfr].src = src, fr[nfr].dst = dst, fr[nfr].sp = sp, fr[nfr].dp = dp;
	fr[nfr].data = malloc(n ? n : 1);
	if (!fr[nfr].data)
		gen_die("out of memory");
	memcpy(fr[nfr].data, d, n);
	fr[nfr].len = n;
	nfr++;
}

static int frame_cmp(const void *a, const void *b)
{
	const struct gg_frame *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->ord < y->ord ? -1 : x->ord > y->ord;
}

/* ---- text --------------------------------------------------------------------------------- */
static void host_of(const struct gen_addr *a, char out[80])
{
	char s[64];
	gen_addr_str(a, s);
	snprintf(out, 80, a->v6 ? "[%s]" : "%s", s);
}

/* ---- the parties -------------------------------------------------------------------------- */
struct member {
	char uri[96], user[48];
	struct gen_addr ip;
	uint16_t mport; /* its audio port (floor control: + 2) */
	uint16_t lport; /* the server's port of its leg (floor: + 2) */
	char call_id[48], ftag[16], ttag[16];
	uint32_t guk[GG_MAX_GMKS]; /* GUK-ID under GMK 0, 1, ... */
};

struct talker {
	int member; /* index, -1 = the stranger */
	char uri[96];
	uint32_t ssrc, ts;
	uint16_t seq;
	uint32_t roc;
	uint32_t guk[GG_MAX_GMKS];
	struct lim_srtp *tx[GG_MAX_GMKS];
	struct gen_audio audio;
	FILE *raw;
	char raw_name[64];
	struct gen_addr ip; /* the stranger's */
	uint16_t port;      /* the stranger's uplink port; the server's port of its leg */
	unsigned after;     /* turns started after the second GMK's distribution */
};

struct seqs {
	uint16_t *v;
	size_t n, cap;
};

static void seq_push(struct seqs *l, uint16_t s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = realloc(l->v, l->cap * sizeof *l->v);
		if (!l->v)
			gen_die("out of memory");
	}
	l->v[l->n++] = s;
}

struct turn {
	int talker; /* index into tk */
	int gmk;
	uint64_t t_req, first, last;
	uint64_t packets;
	struct seqs lost, reord;
};

struct fev {
	uint64_t t;
	const char *type;
	char from[96], to[96], talker[96];
};

struct gmkinfo {
	uint8_t gmk[16], rand[16];
	uint32_t id;
	uint64_t t; /* first NOTIFY */
	char *b64[GG_MAX_MEMBERS];
};

static const struct gen_group_opts *g;
static const struct gen_community *com;
static struct member mb[GG_MAX_MEMBERS];
static unsigned nmb;
static struct talker tk[GG_MAX_MEMBERS + 1];
static unsigned ntk;
static struct turn *tu;
static size_t ntu;
static struct fev *fe;
static size_t nfe, capfe;
static struct gmkinfo gk[GG_MAX_GMKS];
static int ngk;
static struct gen_addr gms_ip, srv_ip;
static char target_uri[96], rawdir[4200];
static uint32_t srv_ssrc;
static uint16_t msg_seq;
static struct gen_rng rng;

static void addr_set(struct gen_addr *a, const uint8_t v4[4], unsigned net6, unsigned host6)
{
	memset(a, 0, sizeof *a);
	a->v6 = g->ipv6;
	if (!a->v6) {
		memcpy(a->a, v4, 4);
		return;
	}
	a->a[0] = 0x20, a->a[1] = 0x01, a->a[2] = 0x0d, a->a[3] = 0xb8;
	a->a[4] = (uint8_t)(net6 >> 8), a->a[5] = (uint8_t)net6;
	a->a[14] = (uint8_t)(host6 >> 8), a->a[15] = (uint8_t)host6;
}

static void hexid(char *out, size_t nbytes)
{
	uint8_t b[16];
	gen_rng_bytes(&rng, b, nbytes);
	lim_hex_encode(b, nbytes, out);
}

/* ---- the GMK I_MESSAGE ---------------------------------------------------------------------- */
static void ident(const char *uri, uint64_t t_us, struct wr_kms_ident *id)
{
	if (limf_kms_ident(NULL, &com->cert, uri, (int64_t)t_us, id) != LIM_OK)
		gen_die("cannot form the identifier of %s at this time", uri);
}

static void user_rsk(const char *uri, uint64_t t_us, uint8_t rsk[SAKKE_POINT_LEN])
{
	struct wr_kms_ident id;
	uint8_t ssk[ECCSI_SSK_LEN], pvt[ECCSI_PVT_LEN];
	ident(uri, t_us, &id);
	if (kg_issue(com->z, com->zlen, com->ksak, id.id, id.idlen, rsk, ssk, pvt) != LIM_OK)
		gen_die("key issue failed for %s", uri);
	LIM_WIPE(ssk);
}

static void sp_add(struct mikey_sp *sp, uint8_t type, const uint8_t *val, uint8_t len)
{
	struct mikey_sp_param *q = &sp->params[sp->n_params++];
	q->type = type;
	q->len = len;
	q->val = val;
}

static void set_idr(struct mikey_msg *m, uint8_t role, const uint8_t *d, size_t len)
{
	struct mikey_idr *r = &m->idr[m->n_idr++];
	r->role = role;
	r->type = MIKEY_IDT_URI;
	r->data = d;
	r->len = (uint16_t)len;
}

static void put40(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 5; i++)
		p[i] = (uint8_t)(v >> (32 - 8 * i));
}

/* The TS 33.180 E.6 "3GPP key parameters" general extension (type 7) of a GMK I_MESSAGE: an
 * MCData protected payload (s8.5.4) keyed by the GMK itself (DPPK-ID = the CSB ID, DPCK = the
 * 128 low bits of HMAC-SHA-256(GMK, 0x53 || DPPK-ID || 0x0004), AEAD_AES_128_GCM, 16-octet IV,
 * associated data = the 12 header octets || IV || DPPK-ID), laid out as the Streamwide GMK
 * I_MESSAGE has it (message type 0x43, payload ID 0, sequence 0, algorithm 1, payload type
 * 0). The plaintext (Table E.6.1-1): key type 0 (GMK), status 1 (not revoked), activation
 * (the distribution time) and expiry (+1 day) as 40-bit NTP seconds, empty text, and the MC
 * Group IDs: one IE with IEI 0 (the TS 24.282 IEI could not be confirmed here), 2-octet
 * length, the group ID. Written to out (cap octets); returns the length. */
static size_t key_params(const struct gmkinfo *k, uint32_t csb, uint64_t t_us, uint8_t *out,
			 size_t cap)
{
	uint8_t pt[512], key[16], mac[32],
		id[4] = { (uint8_t)(csb >> 24), (uint8_t)(csb >> 16), (uint8_t)(csb >> 8),
			  (uint8_t)csb };
	uint8_t dk[7] = { 0x53, id[0], id[1], id[2], id[3], 0x00, 0x04 }, ad[32];
	size_t n = 0, gl = strlen(group_id), len;
	uint64_t ntp = t_us / 1000000 + LIMF_NTP_UNIX;
	unsigned int ml = 0;
	int l1 = 0, l2 = 0;
	EVP_CIPHER_CTX *x;
	pt[n++] = 0;                                        /* key type: GMK */
	pt[n++] = 0, pt[n++] = 0, pt[n++] = 0, pt[n++] = 1; /* status: not revoked */
	put40(pt + n, ntp), n += 5;
	put40(pt + n, ntp + 86400), n += 5;
	pt[n++] = 0, pt[n++] = 0; /* text: empty */
	pt[n++] = (uint8_t)((1 + 3 + gl) >> 8), pt[n++] = (uint8_t)(1 + 3 + gl);
	pt[n++] = 1; /* one MC Group ID */
	pt[n++] = 0, pt[n++] = (uint8_t)(gl >> 8), pt[n++] = (uint8_t)gl;
	memcpy(pt + n, group_id, gl), n += gl;
	len = 12 + 16 + 4 + 3 + n + 16;
	if (len > cap)
		gen_die("internal: key parameters too large");
	out[0] = 0x43;
	put40(out + 1, ntp);   /* date and time */
	memset(out + 6, 0, 5); /* payload ID, sequence number */
	out[11] = 1;           /* AEAD_AES_128_GCM */
	gen_rng_bytes(&rng, out + 12, 16);
	memcpy(out + 28, id, 4);
	out[32] = 0;
	out[33] = (uint8_t)((n + 16) >> 8), out[34] = (uint8_t)(n + 16);
	memcpy(ad, out, 12);
	memcpy(ad + 12, out + 12, 16);
	memcpy(ad + 28, id, 4);
	if (!HMAC(EVP_sha256(), k->gmk, 16, dk, sizeof dk, mac, &ml) || ml != 32)
		gen_die("HMAC failed");
	memcpy(key, mac + 16, 16);
	x = EVP_CIPHER_CTX_new();
	if (!x || EVP_EncryptInit_ex(x, EVP_aes_128_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_IVLEN, 16, NULL) != 1 ||
	    EVP_EncryptInit_ex(x, NULL, NULL, key, out + 12) != 1 ||
	    EVP_EncryptUpdate(x, NULL, &l1, ad, sizeof ad) != 1 ||
	    EVP_EncryptUpdate(x, out + 35, &l1, pt, (int)n) != 1 ||
	    EVP_EncryptFinal_ex(x, out + 35 + l1, &l2) != 1 ||
	    EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_GET_TAG, 16, out + 35 + n) != 1)
		gen_die("AES-GCM failed");
	EVP_CIPHER_CTX_free(x);
	LIM_WIPE(key);
	LIM_WIPE(mac);
	LIM_WIPE(pt);
	return len;
}

/* The GMS's GMK I_MESSAGE to member uri (see the top), base64. */
static char *gmk_imsg(const struct gmkinfo *k, const char *uri, uint32_t guk, uint64_t t_us)
{
	static const uint8_t v0 = 0, v4 = 4, v6 = 6, v12 = 12, v16 = 16, rate[2] = { 0, 1 },
			     ps0 = 0;
	const char *gms = "sip:gms@" GG_DOMAIN;
	struct wr_kms_ident ci, ri;
	uint8_t rsk[SAKKE_POINT_LEN], ssk[ECCSI_SSK_LEN], pvt[ECCSI_PVT_LEN];
	uint8_t sed[SAKKE_SED_LEN], sig[ECCSI_SIG_LEN], j[32], spi[8], msg[GEN_IMSG_MAX], kp[512];
	struct mikey_msg m, parsed;
	const uint8_t *signed_p;
	size_t signed_len, len;
	uint64_t ntp = t_us / 1000000 + LIMF_NTP_UNIX;
	bool uid = com->cert.scheme == WR_KMS_ID_3GPP;
	enum lim_err e;
	char *out;

	ident(gms, t_us, &ci);
	ident(uri, t_us, &ri);
	if (kg_issue(com->z, com->zlen, com->ksak, ci.id, ci.idlen, rsk, ssk, pvt) != LIM_OK)
		gen_die("key issue failed for %s", gms);
	if (sakke_encapsulate(com->cert.z, ri.id, ri.idlen, k->gmk, sed) != LIM_OK)
		gen_die("SAKKE encapsulation failed for %s", uri);
	for (int i = 0; i < 4; i++) {
		spi[i] = (uint8_t)(k->id >> (24 - 8 * i));
		spi[4 + i] = (uint8_t)(guk >> (24 - 8 * i));
	}
	memset(&m, 0, sizeof m);
	m.version = MIKEY_VERSION;
	m.data_type = MIKEY_DT_SAKKE;
	m.prf = MIKEY_PRF_HMAC_SHA256;
	m.csb_id = guk;
	m.n_cs = 1;
	m.map_type = MIKEY_MAP_GENERIC_ID;
	m.n_map = 1;
	m.cs[0].cs_id = MIKEY_CS_GMK;
	m.cs[0].prot_type = MIKEY_PROT_SRTP;
	m.cs[0].n_ps = 1;
	m.cs[0].ps = &ps0;
	m.cs[0].spi_len = 8;
	m.cs[0].spi = spi;
	m.has_t = true;
	m.ts_type = MIKEY_TS_NTP_UTC;
	m.ts = ntp << 32 | (((t_us % 1000000) << 32) / 1000000);
	m.has_rand = true;
	m.rand = k->rand;
	m.rand_len = sizeof k->rand;
	if (uid) {
		set_idr(&m, MIKEY_ROLE_IDRUIDI, ci.id, ci.idlen);
		set_idr(&m, MIKEY_ROLE_IDRUIDR, ri.id, g->empty_idrr ? 0 : ri.idlen);
		set_idr(&m, MIKEY_ROLE_IDRKMSI, (const uint8_t *)com->cert.kms_uri,
			strlen(com->cert.kms_uri));
		set_idr(&m, MIKEY_ROLE_IDRKMSR, (const uint8_t *)com->cert.kms_uri,
			strlen(com->cert.kms_uri));
	} else {
		set_idr(&m, MIKEY_ROLE_IDRI, (const uint8_t *)gms, strlen(gms));
		set_idr(&m, MIKEY_ROLE_IDRR, (const uint8_t *)uri, g->empty_idrr ? 0 : strlen(uri));
		set_idr(&m, MIKEY_ROLE_IDRKMS, (const uint8_t *)com->cert.kms_uri,
			strlen(com->cert.kms_uri));
	}
	m.n_sp = 1;
	m.sp[0].policy_no = 0;
	m.sp[0].prot_type = MIKEY_PROT_SRTP;
	sp_add(&m.sp[0], MIKEY_SRTP_ENC_ALG, &v6, 1);
	sp_add(&m.sp[0], MIKEY_SRTP_ENC_KEY_LEN, &v16, 1);
	sp_add(&m.sp[0], MIKEY_SRTP_AUTH_ALG, &v4, 1);
	sp_add(&m.sp[0], MIKEY_SRTP_SALT_KEY_LEN, &v12, 1);
	sp_add(&m.sp[0], MIKEY_SRTP_PRF, &v0, 1);
	sp_add(&m.sp[0], MIKEY_SRTP_KDR, &v0, 1);
	sp_add(&m.sp[0], MIKEY_SRTP_ROC_RATE, rate, 2);
	sp_add(&m.sp[0], MIKEY_SRTP_AEAD_TAG_LEN, &v16, 1);
	m.has_sakke = true;
	m.sakke_params = 1;
	m.sakke_id_scheme = uid ? 2 : 1;
	m.sed = sed;
	m.sed_len = SAKKE_SED_LEN;
	m.n_ext = 1;
	m.ext[0].type = 7; /* TS 33.180 E.6 */
	m.ext[0].len = (uint16_t)key_params(k, guk, t_us, kp, sizeof kp);
	m.ext[0].data = kp;
	m.has_sign = true;
	m.sign_type = MIKEY_SIGN_ECCSI;
	m.sig_len = ECCSI_SIG_LEN;
	e = mikey_build(&m, msg, sizeof msg, &len);
	if (e != LIM_OK)
		gen_die("mikey_build: %s", lim_strerror(e));
	if (mikey_parse(msg, len, &parsed) != LIM_OK ||
	    mikey_signed_part(&parsed, MIKEY_SIGN_COVER_HDR, &signed_p, &signed_len) != LIM_OK)
		gen_die("cannot re-parse the built GMK I_MESSAGE");
	do {
		gen_rng_bytes(&rng, j, sizeof j);
		j[0] &= 0x7f;
		e = eccsi_sign(com->cert.kpak, ci.id, ci.idlen, ssk, pvt, signed_p, signed_len, j,
			       sig);
	} while (e == LIM_E_ARG);
	if (e != LIM_OK)
		gen_die("ECCSI signing failed: %s", lim_strerror(e));
	memcpy(msg + len - ECCSI_SIG_LEN, sig, ECCSI_SIG_LEN);
	out = gen_b64(msg, len);
	LIM_WIPE(rsk);
	LIM_WIPE(ssk);
	LIM_WIPE(j);
	return out;
}

/* ---- SIP ---------------------------------------------------------------------------------- */
static void mcptt_info(struct gen_sb *s, const char *request_uri, const char *calling_user,
		       const char *calling_group)
{
	gen_sb_add(s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
		      "<mcpttinfo xmlns=\"urn:3gpp:ns:mcpttInfo:1.0\">\r\n<mcptt-Params>\r\n");
	if (calling_user || (request_uri && strcmp(request_uri, group_id) == 0))
		gen_sb_add(s, "<session-type>prearranged</session-type>\r\n");
	if (request_uri)
		gen_sb_add(s,
			   "<mcptt-request-uri type=\"Normal\"><mcpttURI>%s</mcpttURI>"
			   "</mcptt-request-uri>\r\n",
			   request_uri);
	if (calling_user)
		gen_sb_add(s,
			   "<mcptt-calling-user-id type=\"Normal\"><mcpttURI>%s</mcpttURI>"
			   "</mcptt-calling-user-id>\r\n",
			   calling_user);
	if (calling_group)
		gen_sb_add(s,
			   "<mcptt-calling-group-id type=\"Normal\"><mcpttURI>%s</mcpttURI>"
			   "</mcptt-calling-group-id>\r\n",
			   calling_group);
	gen_sb_add(s, "</mcptt-Params>\r\n</mcpttinfo>\r\n");
}

static void sdp_body(struct gen_sb *s, const char *user, const struct gen_addr *a, uint16_t port,
		     unsigned sess)
{
	char ip[64];
	const char *fam = a->v6 ? "IP6" : "IP4";
	gen_addr_str(a, ip);
	gen_sb_add(s,
		   "v=0\r\no=%s %u 1 IN %s %s\r\ns=-\r\nc=IN %s %s\r\nt=0 0\r\n"
		   "m=audio %u RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\na=sendrecv\r\n"
		   "m=application %u udp MCPTT\r\na=fmtp:MCPTT mc_queueing;mc_priority=4\r\n",
		   user, 2000 + sess, fam, ip, fam, ip, port, (unsigned)(port + 2));
}

/* A SIP message: start line, then headers, then a body (multipart when two parts). */
struct sipm {
	const char *start;
	const char *via_host;
	unsigned via_port;
	const char *branch;
	bool req;
	const char *from, *ftag, *to, *ttag, *call_id, *method;
	unsigned cseq;
	const char *contact;
	const char *extra;
	const char *ct1;
	const struct gen_sb *b1;
	const char *ct2;
	const struct gen_sb *b2;
};

static void sip_build(const struct sipm *x, struct gen_sb *out)
{
	static struct gen_sb body;
	body.n = 0;
	if (x->b1 && x->b2) {
		gen_sb_add(&body, "--" GG_BOUNDARY "\r\nContent-Type: %s\r\n\r\n", x->ct1);
		gen_sb_add(&body, "%.*s\r\n", (int)x->b1->n, x->b1->b);
		gen_sb_add(&body, "--" GG_BOUNDARY "\r\nContent-Type: %s\r\n\r\n", x->ct2);
		gen_sb_add(&body, "%.*s\r\n", (int)x->b2->n, x->b2->b);
		gen_sb_add(&body, "--" GG_BOUNDARY "--\r\n");
	} else if (x->b1) {
		gen_sb_add(&body, "%.*s", (int)x->b1->n, x->b1->b);
	}
	out->n = 0;
	gen_sb_add(out, "%s\r\n", x->start);
	gen_sb_add(out, "Via: SIP/2.0/UDP %s:%u;branch=%s\r\n", x->via_host, x->via_port,
		   x->branch);
	if (x->req)
		gen_sb_add(out, "Max-Forwards: 70\r\n");
	gen_sb_add(out, "From: <%s>;tag=%s\r\n", x->from, x->ftag);
	if (x->ttag)
		gen_sb_add(out, "To: <%s>;tag=%s\r\n", x->to, x->ttag);
	else
		gen_sb_add(out, "To: <%s>\r\n", x->to);
	gen_sb_add(out, "Call-ID: %s\r\nCSeq: %u %s\r\n", x->call_id, x->cseq, x->method);
	if (x->contact)
		gen_sb_add(out, "Contact: <%s>\r\n", x->contact);
	if (x->extra)
		gen_sb_add(out, "%s", x->extra);
	gen_sb_add(out, "User-Agent: limf-gen\r\n");
	if (x->b1 && x->b2)
		gen_sb_add(out, "Content-Type: multipart/mixed;boundary=" GG_BOUNDARY "\r\n");
	else if (x->b1)
		gen_sb_add(out, "Content-Type: %s\r\n", x->ct1);
	gen_sb_add(out, "Content-Length: %zu\r\n\r\n", body.n);
	if (body.n > sizeof out->b - out->n)
		gen_die("SIP message too large");
	memcpy(out->b + out->n, body.b, body.n);
	out->n += body.n;
}

static void send_sip(uint64_t t, const struct gen_addr *src, const struct gen_addr *dst,
		     const struct gen_sb *m)
{
	emit(t, src, 5060, dst, 5060, m->b, m->n);
}

/* The GMS's NOTIFY with GMK k to member i, and the member's 200. */
static void notify(int k, unsigned i, uint64_t t)
{
	static struct gen_sb info, doc, m;
	struct member *x = &mb[i];
	char start[200], gh[80], mh[80], branch[48], contact[160], call_id[64];
	const char *gms = "sip:gms@" GG_DOMAIN;
	struct sipm s;
	host_of(&gms_ip, gh);
	host_of(&x->ip, mh);
	info.n = doc.n = 0;
	mcptt_info(&info, x->uri, NULL, group_id);
	gen_sb_add(&doc, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
			 "<group xmlns=\"urn:oma:xml:poc:list-service\" "
			 "xmlns:mcpttgi=\"urn:3gpp:ns:mcpttGroupInfo:1.0\">\r\n");
	gen_sb_add(&doc,
		   "<list-service uri=\"%s\">\r\n<display-name xml:lang=\"en-us\">limf-gen group"
		   "</display-name>\r\n<list>\r\n",
		   g->doc_group ? g->doc_group : group_id);
	for (unsigned j = 0; j < nmb; j++)
		gen_sb_add(&doc, "<entry uri=\"%s\"/>\r\n", mb[j].uri);
	gen_sb_add(&doc,
		   "</list>\r\n<mcpttgi:gmk-transport>%s</mcpttgi:gmk-transport>\r\n"
		   "</list-service>\r\n</group>\r\n",
		   gk[k].b64[i]);
	snprintf(start, sizeof start, "NOTIFY sip:%s@%s:5060 SIP/2.0", x->user, mh);
	snprintf(branch, sizeof branch, "z9hG4bKgms%u%02x%u", i, k, (unsigned)(rng.s[0] & 0xffff));
	snprintf(contact, sizeof contact, "sip:gms@%s:5060", gh);
	snprintf(call_id, sizeof call_id, "gms-%s", x->call_id);
	memset(&s, 0, sizeof s);
	s.start = start, s.via_host = gh, s.via_port = 5060, s.branch = branch, s.req = true;
	s.from = gms, s.ftag = "gms1", s.to = x->uri, s.ttag = x->ttag, s.call_id = call_id;
	s.method = "NOTIFY", s.cseq = (unsigned)(k + 1), s.contact = contact;
	s.extra = "Event: xcap-diff\r\nSubscription-State: active;expires=3600\r\n";
	s.ct1 = "application/vnd.3gpp.mcptt-info+xml", s.b1 = &info;
	s.ct2 = "application/vnd.oma.poc.groups+xml", s.b2 = &doc;
	sip_build(&s, &m);
	send_sip(t, &gms_ip, &x->ip, &m);
	s.start = "SIP/2.0 200 OK", s.req = false, s.contact = NULL, s.extra = NULL;
	s.b1 = s.b2 = NULL;
	sip_build(&s, &m);
	send_sip(t + 10000, &x->ip, &gms_ip, &m);
}

/* One transaction of leg i: member 0's leg is UAC->server, the others server->member. */
static void leg_msg(unsigned i, const char *method, unsigned cseq, unsigned status, bool from_uac,
		    bool with_body, uint64_t t)
{
	static struct gen_sb sdp, info, m;
	struct member *x = &mb[i];
	const char *srv = "sip:mcptt-server@" GG_DOMAIN;
	char start[200], sh[80], mh[80], branch[48], contact[160];
	bool uac_member = i == 0;
	const char *uac_uri = uac_member ? x->uri : srv, *uas_uri = uac_member ? srv : x->uri;
	const char *uac_host = uac_member ? mh : sh;
	struct sipm s;
	host_of(&srv_ip, sh);
	host_of(&x->ip, mh);
	sdp.n = info.n = 0;
	if (status)
		snprintf(start, sizeof start, "SIP/2.0 %u %s", status,
			 status == 100 ? "Trying" : "OK");
	else if (uac_member && strcmp(method, "INVITE") == 0)
		snprintf(start, sizeof start, "INVITE %s SIP/2.0", srv);
	else if (uac_member)
		snprintf(start, sizeof start, "%s sip:mcptt-server@%s:5060 SIP/2.0", method, sh);
	else
		snprintf(start, sizeof start, "%s sip:%s@%s:5060 SIP/2.0", method, x->user, mh);
	snprintf(branch, sizeof branch, "z9hG4bK%.8s%s%u", x->call_id, method, cseq);
	memset(&s, 0, sizeof s);
	s.start = start, s.via_host = uac_host, s.via_port = 5060, s.branch = branch;
	s.req = status == 0;
	s.from = uac_uri, s.ftag = x->ftag, s.to = uas_uri;
	s.ttag = (strcmp(method, "INVITE") == 0 && (status == 0 || status == 100)) ? NULL : x->ttag;
	s.call_id = x->call_id, s.method = method, s.cseq = cseq;
	if (with_body) {
		bool member_side = (uac_member && from_uac) || (!uac_member && !from_uac);
		if (member_side) {
			snprintf(contact, sizeof contact, "sip:%s@%s:5060", x->user, mh);
			sdp_body(&sdp, x->user, &x->ip, x->mport, i);
		} else {
			snprintf(contact, sizeof contact, "sip:mcptt-server@%s:5060", sh);
			sdp_body(&sdp, "mcptt-server", &srv_ip, x->lport, 100 + i);
		}
		s.contact = contact;
		s.ct1 = "application/sdp", s.b1 = &sdp;
		if (status == 0) {
			/* the originator asks for the group; the server names caller and group */
			if (uac_member)
				mcptt_info(&info, group_id, NULL, NULL);
			else
				mcptt_info(&info, NULL, mb[0].uri, group_id);
			s.ct2 = "application/vnd.3gpp.mcptt-info+xml", s.b2 = &info;
		}
	}
	sip_build(&s, &m);
	if (from_uac == uac_member)
		send_sip(t, &x->ip, &srv_ip, &m);
	else
		send_sip(t, &srv_ip, &x->ip, &m);
}

/* ---- floor control (TS 24.380 s8.2) ------------------------------------------------------- */
enum { FC_REQUEST = 0, FC_GRANTED = 1, FC_TAKEN = 2, FC_RELEASE = 4, FC_IDLE = 5 };

static void fld(uint8_t *b, size_t *n, uint8_t id, const void *v, size_t len)
{
	size_t pad = (4 - (2 + len) % 4) % 4;
	b[(*n)++] = id;
	b[(*n)++] = (uint8_t)len;
	memcpy(b + *n, v, len);
	*n += len;
	memset(b + *n, 0, pad);
	*n += pad;
}

static void fld16(uint8_t *b, size_t *n, uint8_t id, unsigned v)
{
	uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	fld(b, n, id, x, 2);
}

static void note_floor(uint64_t t, const char *type, const char *from, const char *to,
		       const char *talker)
{
	if (nfe == capfe) {
		capfe = capfe ? capfe * 2 : 64;
		fe = realloc(fe, capfe * sizeof *fe);
		if (!fe)
			gen_die("out of memory");
	}
	fe[nfe].t = t, fe[nfe].type = type;
	snprintf(fe[nfe].from, sizeof fe[nfe].from, "%s", from);
	snprintf(fe[nfe].to, sizeof fe[nfe].to, "%s", to);
	snprintf(fe[nfe].talker, sizeof fe[nfe].talker, "%s", talker);
	nfe++;
}

/* One MCPT APP packet of subtype st from ssrc, fields by kind, to/from leg (member index or
 * -1 = the stranger's). */
static void floor_msg(uint64_t t, int st, const struct talker *who, int leg, bool to_server)
{
	uint8_t b[GG_PKT_CAP];
	size_t n = 12;
	uint32_t ssrc = to_server ? who->ssrc : srv_ssrc;
	const bool anon = who->member < 0;
	const char *srv = "sip:mcptt-server@" GG_DOMAIN;
	static const char *const names[] = { "Floor Request", "Floor Granted", "Floor Taken", "",
					     "Floor Release", "Floor Idle" };
	const char *peer = leg < 0 ? "stranger" : mb[leg].uri,
		   *tname = anon ? "stranger" : who->uri;
	const struct gen_addr *pa = leg < 0 ? &who->ip : &mb[leg].ip;
	uint16_t pport = (uint16_t)((leg < 0 ? who->port : mb[leg].mport) + 2),
		 sport = (uint16_t)((leg < 0 ? who->port : mb[leg].lport) + 2);
	b[0] = (uint8_t)(0x80 | st);
	b[1] = 204;
	for (int i = 0; i < 4; i++)
		b[4 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
	memcpy(b + 8, "MCPT", 4);
	switch (st) {
	case FC_REQUEST:
		fld16(b, &n, 0, 4 << 8); /* Floor Priority 4, spare */
		if (!anon)
			fld(b, &n, 6, who->uri, strlen(who->uri)); /* User ID */
		fld16(b, &n, 13, 0x8000);                          /* Floor Indicator: normal */
		break;
	case FC_GRANTED:
		fld16(b, &n, 1, (unsigned)ceil(g->turn) + 1); /* Duration */
		fld16(b, &n, 0, 4 << 8);
		fld16(b, &n, 13, 0x8000);
		break;
	case FC_TAKEN: {
		uint8_t sv[6] = { (uint8_t)(who->ssrc >> 24),
				  (uint8_t)(who->ssrc >> 16),
				  (uint8_t)(who->ssrc >> 8),
				  (uint8_t)who->ssrc,
				  0,
				  0 };
		if (!anon)
			fld(b, &n, 4, who->uri, strlen(who->uri)); /* Granted Party's Identity */
		fld16(b, &n, 5, 1);                                /* Permission to Request */
		fld16(b, &n, 8, ++msg_seq);                        /* Message Sequence Number */
		fld16(b, &n, 13, 0x8000);
		fld(b, &n, 14, sv, 6); /* SSRC of the granted floor participant */
		break;
	}
	case FC_RELEASE:
		if (!anon)
			fld(b, &n, 6, who->uri, strlen(who->uri));
		fld16(b, &n, 13, 0x8000);
		break;
	case FC_IDLE:
		fld16(b, &n, 8, ++msg_seq);
		fld16(b, &n, 13, 0x8000);
		break;
	default: gen_die("internal: floor subtype");
	}
	b[2] = (uint8_t)((n / 4 - 1) >> 8), b[3] = (uint8_t)(n / 4 - 1);
	if (to_server) {
		emit(t, pa, pport, &srv_ip, sport, b, n);
		note_floor(t, names[st], tname, srv, tname);
	} else {
		emit(t, &srv_ip, sport, pa, pport, b, n);
		note_floor(t, names[st], srv, peer, tname);
	}
}

/* ---- media -------------------------------------------------------------------------------- */
static void open_tx(struct talker *x, int k, uint32_t roc)
{
	uint8_t key[16], salt[12], mki[8];
	uint32_t guk;
	enum lim_err e =
		mikey_group_talker_key(MIKEY_PRF_HMAC_SHA256, gk[k].gmk, 16, gk[k].id, gk[k].rand,
				       16, x->uri, strlen(x->uri), key, 16, salt, 12, &guk);
	if (e != LIM_OK)
		gen_die("talker key: %s", lim_strerror(e));
	x->guk[k] = guk;
	for (int i = 0; i < 4; i++) {
		mki[i] = (uint8_t)(gk[k].id >> (24 - 8 * i));
		mki[4 + i] = (uint8_t)(guk >> (24 - 8 * i));
	}
	e = lim_srtp_new_tx(LIM_SRTP_AEAD_AES_128_GCM, key, 16, salt, 12, mki, 8, &x->tx[k]);
	if (e == LIM_OK)
		e = lim_srtp_set_rcc(x->tx[k], LIM_SRTP_RCCM3, 1);
	if (e == LIM_OK)
		e = lim_srtp_set_roc(x->tx[k], x->ssrc, roc);
	LIM_WIPE(key);
	LIM_WIPE(salt);
	if (e != LIM_OK)
		gen_die("SRTP send session: %s", lim_strerror(e));
}

/* The talker's uplink leg: (address, port) -> (server, port). */
static void uplink(const struct talker *x, const struct gen_addr **a, uint16_t *p, uint16_t *sp)
{
	if (x->member < 0) {
		*a = &x->ip, *p = x->port, *sp = x->port;
	} else {
		*a = &mb[x->member].ip, *p = mb[x->member].mport, *sp = mb[x->member].lport;
	}
}

/* One turn's media starting at t; returns the time after its last packet. */
static uint64_t turn_media(struct turn *u, uint64_t t)
{
	struct talker *x = &tk[u->talker];
	uint64_t n = (uint64_t)llround(g->turn * 50.0);
	uint8_t(*pk)[GG_PKT_CAP] = malloc(n * sizeof *pk);
	size_t *len = malloc(n * sizeof *len);
	uint8_t *fate = calloc(n, 1); /* 0 ok, 1 lost, 2 sent after its successor */
	const struct gen_addr *ua;
	uint16_t up, us;
	if (!pk || !len || !fate)
		gen_die("out of memory");
	uplink(x, &ua, &up, &us);
	for (uint64_t s = 0; s < n; s++) {
		uint32_t r = gen_rng_below(&rng, 1000000);
		if (r < (uint32_t)llround(g->loss * 10000.0))
			fate[s] = 1;
	}
	for (uint64_t s = 0; s + 1 < n; s++) {
		uint32_t r = gen_rng_below(&rng, 1000000);
		if (!fate[s] && !fate[s + 1] && r < (uint32_t)llround(g->reorder * 10000.0)) {
			fate[s] = 2;
			s++;
		}
	}
	for (uint64_t s = 0; s < n; s++) {
		uint8_t *b = pk[s], pl[160];
		size_t l = 12 + 160;
		enum lim_err e;
		gen_audio_g711(&x->audio, 0, pl);
		b[0] = 0x80;
		b[1] = (uint8_t)(s == 0 ? 0x80 : 0); /* marker: the talk burst's first packet */
		b[2] = (uint8_t)(x->seq >> 8), b[3] = (uint8_t)x->seq;
		for (int i = 0; i < 4; i++) {
			b[4 + i] = (uint8_t)(x->ts >> (24 - 8 * i));
			b[8 + i] = (uint8_t)(x->ssrc >> (24 - 8 * i));
		}
		memcpy(b + 12, pl, 160);
		e = lim_srtp_protect(x->tx[u->gmk], b, &l, GG_PKT_CAP);
		if (e != LIM_OK)
			gen_die("lim_srtp_protect: %s", lim_strerror(e));
		len[s] = l;
		if (fate[s] == 1) {
			seq_push(&u->lost, x->seq);
		} else if (fwrite(pl, 1, 160, x->raw) != 160) {
			gen_die("write error on a .raw file");
		}
		if (fate[s] == 2)
			seq_push(&u->reord, x->seq);
		x->seq++;
		if (x->seq == 0)
			x->roc++;
		x->ts += 160;
	}
	for (uint64_t s = 0; s < n; s++) {
		uint64_t slot = s;
		if (fate[s] == 1)
			continue;
		if (fate[s] == 2)
			slot = s + 1;
		else if (s > 0 && fate[s - 1] == 2)
			slot = s - 1;
		{
			uint64_t ts = t + slot * GG_SLOT + (slot == s ? 0u : 500u);
			emit(ts, ua, up, &srv_ip, us, pk[s], len[s]);
			for (unsigned j = 0; j < nmb; j++)
				if ((int)j != x->member)
					emit(ts + 1000 + 50 * j, &srv_ip, mb[j].lport, &mb[j].ip,
					     mb[j].mport, pk[s], len[s]);
			if (!u->first || ts < u->first)
				u->first = ts;
			if (ts > u->last)
				u->last = ts;
			u->packets++;
		}
	}
	free(pk);
	free(len);
	free(fate);
	return t + n * GG_SLOT;
}

/* ---- truth -------------------------------------------------------------------------------- */
static void jhex32(struct lim_json *j, const char *key, uint32_t v)
{
	char h[16];
	snprintf(h, sizeof h, "%08x", v);
	lim_json_key(j, key);
	lim_json_str(j, h);
}

static void jtime(struct lim_json *j, const char *key, uint64_t t)
{
	char s[64];
	gen_iso_us(t, s);
	lim_json_key(j, key);
	lim_json_str(j, s);
}

static void jseqs(struct lim_json *j, const char *key, const struct seqs *l)
{
	lim_json_key(j, key);
	lim_json_arr_open(j);
	for (size_t i = 0; i < l->n; i++)
		lim_json_u64(j, l->v[i]);
	lim_json_arr_close(j);
}

static void write_truth(const char *path, uint64_t frames)
{
	FILE *f = fopen(path, "w");
	struct lim_json j;
	char h[80];
	if (!f)
		gen_die("%s: cannot create", path);
	lim_json_init(&j, f);
	lim_json_obj_open(&j);
	lim_json_key(&j, "generator");
	lim_json_str(&j, "limf-gen");
	lim_json_key(&j, "seed");
	lim_json_u64(&j, g->seed);
	lim_json_key(&j, "profile");
	lim_json_str(&j, "group");
	lim_json_key(&j, "community");
	lim_json_obj_open(&j);
	lim_json_key(&j, "kms_uri");
	lim_json_str(&j, com->cert.kms_uri);
	lim_json_key(&j, "id_scheme");
	lim_json_str(&j, com->cert.scheme == WR_KMS_ID_3GPP ? "3gpp-uid" : "rfc6509");
	lim_json_key(&j, "user_key_period");
	lim_json_u64(&j, com->cert.user_key_period);
	lim_json_key(&j, "user_key_offset");
	lim_json_u64(&j, com->cert.user_key_offset);
	lim_json_obj_close(&j);
	lim_json_key(&j, "options");
	lim_json_obj_open(&j);
	lim_json_key(&j, "members");
	lim_json_u64(&j, nmb);
	lim_json_key(&j, "talkers");
	lim_json_u64(&j, g->talkers);
	lim_json_key(&j, "turn_ms");
	lim_json_u64(&j, (uint64_t)llround(g->turn * 1000));
	lim_json_key(&j, "duration_ms");
	lim_json_u64(&j, (uint64_t)llround(g->duration * 1000));
	lim_json_key(&j, "gmk_rollover");
	lim_json_bool(&j, g->rollover);
	lim_json_key(&j, "stranger");
	lim_json_bool(&j, g->stranger);
	lim_json_key(&j, "target_not_member");
	lim_json_bool(&j, g->target_not_member);
	lim_json_key(&j, "ipv6");
	lim_json_bool(&j, g->ipv6);
	lim_json_key(&j, "vlan");
	lim_json_u64(&j, g->vlan);
	lim_json_obj_close(&j);
	lim_json_key(&j, "frames");
	lim_json_u64(&j, frames);
	lim_json_key(&j, "calls");
	lim_json_arr_open(&j);
	lim_json_arr_close(&j);
	lim_json_key(&j, "group");
	lim_json_obj_open(&j);
	lim_json_key(&j, "id");
	lim_json_str(&j, group_id);
	lim_json_key(&j, "gms");
	lim_json_str(&j, "sip:gms@" GG_DOMAIN);
	lim_json_key(&j, "server");
	lim_json_str(&j, "sip:mcptt-server@" GG_DOMAIN);
	lim_json_key(&j, "target");
	lim_json_str(&j, target_uri);
	lim_json_key(&j, "members");
	lim_json_arr_open(&j);
	for (unsigned i = 0; i < nmb; i++) {
		lim_json_obj_open(&j);
		lim_json_key(&j, "uri");
		lim_json_str(&j, mb[i].uri);
		gen_addr_str(&mb[i].ip, h);
		lim_json_key(&j, "addr");
		lim_json_str(&j, h);
		lim_json_key(&j, "guk_ids");
		lim_json_obj_open(&j);
		for (int k = 0; k < ngk; k++) {
			char id[16];
			snprintf(id, sizeof id, "%08x", gk[k].id);
			jhex32(&j, id, mb[i].guk[k]);
		}
		lim_json_obj_close(&j);
		lim_json_obj_close(&j);
	}
	lim_json_arr_close(&j);
	lim_json_key(&j, "gmks");
	lim_json_arr_open(&j);
	for (int k = 0; k < ngk; k++) {
		lim_json_obj_open(&j);
		jhex32(&j, "gmk_id", gk[k].id);
		lim_json_key(&j, "rand");
		lim_json_hex(&j, gk[k].rand, 16);
		jtime(&j, "time", gk[k].t);
		if (g->dump_keys) {
			lim_json_key(&j, "gmk");
			lim_json_hex(&j, gk[k].gmk, 16);
		}
		lim_json_key(&j, "i_messages");
		lim_json_arr_open(&j);
		for (unsigned i = 0; i < nmb; i++) {
			lim_json_obj_open(&j);
			lim_json_key(&j, "member");
			lim_json_str(&j, mb[i].uri);
			lim_json_key(&j, "b64");
			lim_json_str(&j, gk[k].b64[i]);
			lim_json_obj_close(&j);
		}
		lim_json_arr_close(&j);
		lim_json_obj_close(&j);
	}
	lim_json_arr_close(&j);
	lim_json_key(&j, "talkers");
	lim_json_arr_open(&j);
	for (unsigned i = 0; i < ntk; i++) {
		lim_json_obj_open(&j);
		lim_json_key(&j, "uri");
		lim_json_str(&j, tk[i].member < 0 ? "stranger" : tk[i].uri);
		jhex32(&j, "ssrc", tk[i].ssrc);
		lim_json_key(&j, "raw");
		lim_json_str(&j, tk[i].raw_name);
		lim_json_obj_close(&j);
	}
	lim_json_arr_close(&j);
	lim_json_key(&j, "turns");
	lim_json_arr_open(&j);
	for (size_t i = 0; i < ntu; i++) {
		const struct turn *u = &tu[i];
		const struct talker *x = &tk[u->talker];
		lim_json_obj_open(&j);
		lim_json_key(&j, "talker");
		lim_json_str(&j, x->member < 0 ? "stranger" : x->uri);
		jhex32(&j, "gmk_id", gk[u->gmk].id);
		jhex32(&j, "guk_id", x->guk[u->gmk]);
		jhex32(&j, "ssrc", x->ssrc);
		jtime(&j, "first", u->first);
		jtime(&j, "last", u->last);
		lim_json_key(&j, "packets");
		lim_json_u64(&j, u->packets);
		jseqs(&j, "lost", &u->lost);
		jseqs(&j, "reordered", &u->reord);
		lim_json_obj_close(&j);
	}
	lim_json_arr_close(&j);
	lim_json_key(&j, "floor");
	lim_json_arr_open(&j);
	for (size_t i = 0; i < nfe; i++) {
		lim_json_obj_open(&j);
		jtime(&j, "time", fe[i].t);
		lim_json_key(&j, "type");
		lim_json_str(&j, fe[i].type);
		lim_json_key(&j, "from");
		lim_json_str(&j, fe[i].from);
		lim_json_key(&j, "to");
		lim_json_str(&j, fe[i].to);
		lim_json_key(&j, "talker");
		lim_json_str(&j, fe[i].talker);
		lim_json_obj_close(&j);
	}
	lim_json_arr_close(&j);
	lim_json_obj_close(&j);
	lim_json_obj_close(&j);
	if (lim_json_end(&j) != LIM_OK || fclose(f) != 0)
		gen_die("%s: write error", path);
}

/* ---- main --------------------------------------------------------------------------------- */
static void distribute(int k, uint64_t t)
{
	gen_rng_bytes(&rng, gk[k].gmk, 16);
	gen_rng_bytes(&rng, gk[k].rand, 16);
	bool dup;
	do {
		gk[k].id = (uint32_t)gen_rng_u64(&rng) & 0x0fffffff; /* purpose tag 0: GMK */
		dup = gk[k].id == 0;
		for (int j = 0; j < k; j++)
			dup = dup || gk[k].id == gk[j].id;
	} while (dup);
	if (k == 0 && g->gmk_id) /* --gmk-id (another capture's, say: a GMK-ID collision) */
		gk[0].id = g->gmk_id;
	gk[k].t = t;
	for (unsigned i = 0; i < nmb; i++) {
		if (mikey_guk_id(gk[k].gmk, 16, gk[k].id, mb[i].uri, strlen(mb[i].uri),
				 &mb[i].guk[k]) != LIM_OK)
			gen_die("GUK-ID of %s", mb[i].uri);
		gk[k].b64[i] = gmk_imsg(&gk[k], mb[i].uri, mb[i].guk[k], t);
	}
	for (unsigned i = 0; i < nmb; i++)
		notify(k, i, t + (uint64_t)i * 50000);
	ngk = k + 1;
	if (g->dump_keys) {
		char name[64];
		snprintf(name, sizeof name, "gmk-%08x.hex", gk[k].id);
		gen_write_hex(g->dump_keys, name, gk[k].gmk, sizeof gk[k].gmk);
	}
}

int gen_group_main(const struct gen_group_opts *go)
{
	static const char *const names[] = { "alice", "bob",   "carol", "dave",
					     "erin",  "frank", "grace", "heidi" };
	static const uint8_t gms4[4] = { 203, 0, 113, 5 }, srv4[4] = { 203, 0, 113, 10 },
			     str4[4] = { 198, 18, 0, 99 };
	struct gen_community c;
	struct gen_pcap pc;
	char path[4200];
	uint64_t t0, tc, t, nturns, turn_us;
	size_t rollover_turn = SIZE_MAX;

	g = go;
	if (g->members < 2 || g->members > GG_MAX_MEMBERS)
		gen_die("--members: 2..%d", GG_MAX_MEMBERS);
	if (g->talkers < 1 || g->talkers > g->members)
		gen_die("--talkers: 1..--members");
	if (g->turn < 0.1 || g->turn > 3600)
		gen_die("--turn: 0.1..3600 seconds");
	gen_community_load(g->community, &c);
	com = &c;
	gen_rng_init(&rng, g->seed, 7);
	nmb = g->members;
	addr_set(&gms_ip, gms4, 5, 5);
	addr_set(&srv_ip, srv4, 5, 0x10);
	snprintf(group_id, sizeof group_id, "sip:group-%u@" GG_DOMAIN, (unsigned)(g->seed % 10000));
	for (unsigned i = 0; i < nmb; i++) {
		struct member *x = &mb[i];
		uint8_t v4[4] = { 10, 2, 0, (uint8_t)(i + 1) };
		char u[sizeof x->user];
		if (i < 8)
			snprintf(u, sizeof u, "%s", names[i]);
		else
			snprintf(u, sizeof u, "member%u", i + 1);
		memcpy(x->user, u, sizeof u);
		snprintf(x->uri, sizeof x->uri, "sip:%s@" GG_DOMAIN, u);
		addr_set(&x->ip, v4, 2, i + 1);
		x->mport = (uint16_t)(16000 + 4 * i);
		x->lport = (uint16_t)(26000 + 4 * i);
		hexid(x->call_id, 12);
		hexid(x->ftag, 4);
		hexid(x->ttag, 4);
	}
	snprintf(target_uri, sizeof target_uri, "%s",
		 g->target_not_member ? "sip:mallory@" GG_DOMAIN : mb[0].uri);
	srv_ssrc = (uint32_t)gen_rng_u64(&rng);
	/* talkers: members 0..K-1, then the stranger */
	ntk = g->talkers + (g->stranger ? 1 : 0);
	for (unsigned i = 0; i < ntk; i++) {
		struct talker *x = &tk[i];
		bool str = i == g->talkers;
		x->member = str ? -1 : (int)i;
		snprintf(x->uri, sizeof x->uri, "%.95s",
			 str ? "sip:stranger@" GG_DOMAIN : mb[i].uri);
		x->ssrc = (uint32_t)gen_rng_u64(&rng);
		x->seq = (uint16_t)gen_rng_u64(&rng);
		x->ts = (uint32_t)gen_rng_u64(&rng);
		gen_audio_init(&x->audio, GEN_AUDIO_TONE, 300 + 150 * i, 0, NULL);
		if (str) {
			addr_set(&x->ip, str4, 9, 0x99);
			x->port = 40000;
		}
	}
	snprintf(rawdir, sizeof rawdir, "%s.d", g->out);
	if (mkdir(rawdir, 0755) != 0 && errno != EEXIST)
		gen_die("%s: cannot create", rawdir);
	for (unsigned i = 0; i < ntk; i++) {
		struct talker *x = &tk[i];
		char p[4400];
		if (x->member < 0)
			snprintf(x->raw_name, sizeof x->raw_name, "g-stranger-%08x.raw", x->ssrc);
		else
			snprintf(x->raw_name, sizeof x->raw_name, "g-%u-%08x.raw", i + 1, x->ssrc);
		snprintf(p, sizeof p, "%s/%s", rawdir, x->raw_name);
		x->raw = fopen(p, "wb");
		if (!x->raw)
			gen_die("%s: cannot create", p);
	}

	/* 1. the GMK */
	t0 = g->start_us + 10000;
	if (g->dump_keys && mkdir(g->dump_keys, 0700) != 0 && errno != EEXIST)
		gen_die("%s: cannot create", g->dump_keys);
	distribute(0, t0);
	if (g->dump_keys) {
		uint8_t rsk[SAKKE_POINT_LEN];
		char name[64];
		gen_write_hex(g->dump_keys, "Z.hex", c.cert.z, sizeof c.cert.z);
		gen_write_hex(g->dump_keys, "kpak.hex", c.cert.kpak, sizeof c.cert.kpak);
		for (unsigned i = 0; i < nmb; i++) {
			user_rsk(mb[i].uri, t0, rsk);
			snprintf(name, sizeof name, "member%u.rsk.hex", i + 1);
			gen_write_hex(g->dump_keys, name, rsk, sizeof rsk);
		}
		user_rsk(target_uri, t0, rsk);
		gen_write_hex(g->dump_keys, "target.rsk.hex", rsk, sizeof rsk);
		LIM_WIPE(rsk);
	}
	/* 2. the call set-up */
	tc = t0 + (uint64_t)nmb * 50000 + 200000;
	leg_msg(0, "INVITE", 1, 0, true, true, tc);
	leg_msg(0, "INVITE", 1, 100, false, false, tc + 2000);
	for (unsigned i = 1; i < nmb; i++) {
		uint64_t ti = tc + 10000 + 2000 * i;
		leg_msg(i, "INVITE", 1, 0, true, true, ti);
		leg_msg(i, "INVITE", 1, 200, false, true, ti + 30000);
		leg_msg(i, "ACK", 1, 0, true, false, ti + 35000);
	}
	leg_msg(0, "INVITE", 1, 200, false, true, tc + 100000 + 2000 * nmb);
	leg_msg(0, "ACK", 1, 0, true, false, tc + 105000 + 2000 * nmb);
	/* 3. the turns */
	turn_us = (uint64_t)llround(g->turn * 1e6);
	nturns = (uint64_t)llround(g->duration / g->turn);
	if (nturns < g->talkers)
		nturns = g->talkers;
	if (g->rollover && nturns < 3 * (uint64_t)g->talkers)
		nturns = 3 * (uint64_t)g->talkers;
	if (g->gmks > 2 && nturns < g->gmks)
		nturns = g->gmks;
	if (nturns > GG_MAX_TURNS)
		gen_die("too many turns (--duration / --turn)");
	ntu = (size_t)nturns + (g->stranger ? 1 : 0);
	tu = calloc(ntu, sizeof *tu);
	if (!tu)
		gen_die("out of memory");
	if (g->rollover)
		rollover_turn = (size_t)(nturns / 3);
	t = tc + 200000 + 2000 * nmb;
	for (size_t k = 0; k < ntu; k++) {
		struct turn *u = &tu[k];
		struct talker *x;
		uint64_t tm, te;
		u->talker = k < nturns ? (int)(k % g->talkers) : (int)g->talkers;
		x = &tk[u->talker];
		/* after the second GMK arrives, a talker's next turn still uses the first; with
		 * --gmks N, turn k uses GMK k (the last from turn N - 1 on) */
		if (ngk == 2 && k > rollover_turn)
			x->after++;
		u->gmk = x->after >= 2 ? 1 : 0;
		if (g->gmks > 2)
			u->gmk = k < g->gmks ? (int)k : (int)g->gmks - 1;
		if (!x->tx[u->gmk])
			open_tx(x, u->gmk, x->roc);
		u->t_req = t;
		floor_msg(t, FC_REQUEST, x, x->member, true);
		floor_msg(t + 5000, FC_GRANTED, x, x->member, false);
		for (unsigned j = 0; j < nmb; j++)
			if ((int)j != x->member)
				floor_msg(t + 6000 + 100 * j, FC_TAKEN, x, (int)j, false);
		tm = t + 20000;
		if (k == rollover_turn)
			distribute(1, tm + turn_us / 2);
		if (g->gmks > 2 && k + 1 < g->gmks) /* the next turn's GMK, during this one */
			distribute((int)k + 1, tm + turn_us / 2);
		te = turn_media(u, tm);
		floor_msg(te + 20000, FC_RELEASE, x, x->member, true);
		for (unsigned j = 0; j < nmb; j++)
			floor_msg(te + 25000 + 100 * j, FC_IDLE, x, (int)j, false);
		t = te + GG_GAP;
	}
	/* 4. the end */
	leg_msg(0, "BYE", 2, 0, true, false, t);
	for (unsigned i = 1; i < nmb; i++) {
		leg_msg(i, "BYE", 2, 0, true, false, t + 5000 + 1000 * i);
		leg_msg(i, "BYE", 2, 200, false, false, t + 25000 + 1000 * i);
	}
	leg_msg(0, "BYE", 2, 200, false, false, t + 40000 + 1000 * nmb);

	/* write */
	qsort(fr, nfr, sizeof *fr, frame_cmp);
	gen_pcap_open(&pc, g->out, g->vlan);
	for (size_t i = 0; i < nfr; i++) {
		gen_udp(&pc, fr[i].t, fr[i].src, fr[i].sp, fr[i].dst, fr[i].dp, fr[i].data,
			fr[i].len, 0);
		free(fr[i].data);
	}
	free(fr);
	for (unsigned i = 0; i < ntk; i++) {
		if (fclose(tk[i].raw) != 0)
			gen_die("write error on a .raw file");
		for (int k = 0; k < GG_MAX_GMKS; k++)
			lim_srtp_free(tk[i].tx[k]);
	}
	snprintf(path, sizeof path, "%s.json", g->out);
	write_truth(path, pc.frames);
	gen_pcap_close(&pc);
	for (int k = 0; k < ngk; k++) {
		for (unsigned i = 0; i < nmb; i++)
			free(gk[k].b64[i]);
		lim_wipe(gk[k].gmk, sizeof gk[k].gmk);
	}
	for (size_t k = 0; k < ntu; k++) {
		free(tu[k].lost.v);
		free(tu[k].reord.v);
	}
	free(tu);
	free(fe);
	gen_community_wipe(&c);
	return 0;
}
