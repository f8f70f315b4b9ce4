/* limf-gen: the traffic generator (DESIGN.md s6, issue 3). Writes a pcap of complete
 * MIKEY-SAKKE calls, keyed like the test KMS (tests/kms), plus the truth beside it.
 *
 * Usage: see usage() below (`limf-gen --help`).
 *
 * Everything is a function of the options and --seed (default 1): no wall clock, no system
 * randomness. The same options give a byte-identical pcap, truth file and .raw files. SAKKE
 * (RFC 6508 s6.2.1) is deterministic given the SSV; the ECCSI ephemeral j, the SSV, RAND,
 * PCK-ID, SSRCs, sequence numbers, tags and branches, and the --foreign-kms community's z and
 * KSAK all come from the seeded generator (not cryptographic: this is test traffic).
 *
 * A call (times after its start T0; the caller is the UAC):
 *   [TCP: SYN, SYN/ACK, ACK]  INVITE (SDP offer, I_MESSAGE)  100  180  200 (SDP answer)  ACK
 *   SRTP both ways every 20 ms (160 octets of G.711, PCMU or PCMA as answered)
 *   [--rekey: re-INVITE with a new I_MESSAGE halfway, 200, ACK; the packets sent after that ACK
 *    use the new keys]   BYE  200  [TCP: FIN exchange]
 *   --rtcp: each sender adds an SRTCP compound packet (SR + SDES CNAME) every 5 s on its RTP
 *   port + 1, protected with the keys in force.
 * SIP (RFC 3261): Via with a z9hG4bK branch, Max-Forwards, From/To tags, Call-ID, CSeq,
 * Contact, Content-Type, exact Content-Length; SDP (RFC 4566) with c=, one m=audio RTP/SAVP
 * line offering PCMU and PCMA, a=rtpmap, a=ptime:20, and a session-level
 * a=key-mgmt:mikey <base64 I_MESSAGE> (RFC 4567) in the offer (Wireshark 4.0 dissects the
 * MIKEY of session-level key-mgmt only).
 *
 * The I_MESSAGE (data type 26, signed with the caller's SSK/PVT, SED to the callee's
 * identifier, identifiers as the KMS of the community file forms them):
 *   --profile rfc6509 (default): PRF MIKEY-1, CSB ID random, CS ID map SRTP-ID with two
 *     entries (CS 1 = the caller's SSRC, CS 2 = the callee's, with their ROCs), T (NTP-UTC),
 *     RAND (16), IDR role 1 (IDRi) and 2 (IDRr) = the clear SIP URIs, role 3 (IDRkms) = the
 *     KMS URI, SP policy 0 = AES_CM_128_HMAC_SHA1_80, SAKKE (parameter set 1, ID scheme 1 for
 *     an rfc6509 community, 2 for 3gpp-uid), SIGN type 2 (ECCSI). SRTP without MKI.
 *   --profile mcx (TS 33.180 private call; needs a 3gpp-uid community): PRF-HMAC-SHA-256,
 *     CSB ID = PCK-ID (purpose tag 1 in the top 4 bits), #CS 0 with the empty map (type 1),
 *     T, RAND, IDR role 8/9 = the caller's/callee's UIDs, role 6/7 = the KMS URI, SP policy 0
 *     = AES-GCM 128 (enc alg 6), auth alg 4 (RCCm3), salt 12, ROC rate R (param 13, 2 octets),
 *     AEAD tag 16, SAKKE (scheme 2), SIGN. SRTP AEAD_AES_128_GCM with MKI = PCK-ID (4 octets)
 *     and RCCm3 (the ROC trailer on every packet whose SEQ mod R == 0; R = 1 here).
 *     --no-rcc: auth alg 0 and no param 13: no packet carries the ROC, and the empty map
 *     gives none, so after --rekey only the receiver's own count tells it (RFC 3711 s3.3.1).
 *     Not copied from the real MCX message (demo/pck-alice-to-bob.mikey): its SP parameters
 *     18/19 and the general extension type 7 (encrypted key parameters).
 *   The signature covers the message up to the signature including the SIGN header
 *   (RFC 3830 s5.2). SRTP master keys: mikey_srtp_keys() on the generator's own message, so
 *   that generator and receiver agree by construction.
 *
 * Outputs beside X.pcap:
 *   X.pcap.json  the truth, one JSON object:
 *     {"generator": "limf-gen", "seed", "profile", "community": {"kms_uri", "id_scheme",
 *      "user_key_period", "user_key_offset"}, "options": {"calls", "background",
 *      "duration_ms", "ipv6", "vlan", "transport", "frag", "rekey", "ssrc_change", "rtcp",
 *      "jumbo"},
 *      "frames" (records in the pcap),
 *      "calls": [ {"no" (1.., in start order), "call_id", "target" (bool), "caller", "callee",
 *        "transport", "profile", "start", "end" (ISO 8601 UTC, first and last frame),
 *        "foreign_kms", "forged_sig", "i_message" (base64, as in the SDP), "csb_id",
 *        "ssv" (hex, only with --dump-keys),
 *        "rekey": null | {"time" (the re-INVITE), "keys_from" (its ACK: later packets use the
 *          new keys), "i_message", "csb_id", "ssv"?},
 *        "streams": [ {"dir": "caller"|"callee", "ssrc" (8 hex digits), "src", "dst"
 *          ("addr:port", IPv6 in brackets), "pt" (0 PCMU, 8 PCMA), "first_seq",
 *          "packets" (SRTP packets in the pcap, corrupted ones included), "rtcp" (SRTCP
 *          packets, from port + 1), "lost": [seq...], "corrupted": [seq...],
 *          "reordered": [seq...] (sent after their successor), "raw" (file name)} ] } ] }
 *     A stream is one (direction, SSRC): --ssrc-change gives the caller two.
 *   X.pcap.d/<callno>-<caller|callee>-<ssrc as 8 hex digits>.raw  the clear RTP payloads
 *     (160 octets of G.711 each, no headers) of that stream's packets that are in the pcap and
 *     not corrupted, concatenated in RTP sequence order: decrypting the pcap's packets and
 *     sorting them by extended sequence number must give exactly these octets.
 *   --dump-keys DIR (tests only): DIR/Z.hex, DIR/kpak.hex (the community file's public keys)
 *     and DIR/<callno>.rsk.hex (the callee's RSK as the test KMS issues it from the community
 *     file, so it does not open a --foreign-kms call), and the SSVs in the truth file.
 * Addressing: target calls 192.0.2.10 -> 198.51.100.20 (IPv6 2001:db8::10 -> 2001:db8::20),
 * background call b between sip:user<2b+1>@example.org (10.1.x.y / 2001:db8:1::x) and
 * sip:user<2b+2>@example.org; SIP on port 5060 (the caller's TCP port is ephemeral); media
 * ports 10000 + 2 (n mod 10000) (caller) and 30000 + 2 (n mod 10000) (callee) for call n.
 * Calls start 500 ms apart (+ up to 200 ms), ring 0.3-1.5 s, so calls of a few seconds
 * overlap; target calls are spread evenly among the background calls. Without --frag an INVITE too
 * big for a 1500-octet MTU is sent as one large IP packet; with --frag the INVITEs (UDP only) go as
 * fragments of 512 octets of IP payload. */
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
#include "decrypt/unwrap.h"
#include "limf/kms_glue.h"
#include "tests/gen/gen.h"
#include "tests/gen/gen_x2x3.h"

#define MAX_CALLS   100000
#define PKT_CAP     256
#define FRAG_SIZE   512
#define JUMBO_CAP   65536 /* --jumbo: an SRTP packet of up to 65535 - 8 octets */
#define TCP_MSS     1448
#define SLOT_US     20000
#define CALLEE_SKEW 3000 /* the callee's packets lag the caller's by 3 ms */
#define RTCP_SLOTS  250  /* --rtcp: an SRTCP report every 5 s per sender */

struct opts {
	const char *community, *out, *caller, *callee, *audio, *dump_keys;
	enum gen_profile profile;
	unsigned calls, background, corrupt;
	size_t jumbo; /* --jumbo: octets of G.711 in each target call's last caller packet */
	double duration, loss, reorder;
	uint64_t start_us, seed;
	bool ipv6, tcp, frag, rekey, ssrc_change, forge, foreign, rtcp, clear_ids, no_idri, no_rcc,
		empty_idrr;
	int64_t t_skew_us; /* --t-skew: the T payload's time minus the packet time */
	int32_t first_seq; /* --first-seq: every stream's first RTP sequence number (-1: random) */
	uint32_t rekey_back;   /* --rekey-back: the re-key's packets numbered that much lower */
	double gap_s, gap_len; /* --gap S,D: the SRTP packets sent from S s for D s not captured */
	uint16_t vlan;
	struct gen_group_opts grp; /* --profile group (gen_group.c) */
};

enum fate { F_OK = 0, F_LOST, F_CORRUPT, F_SWAP1, F_SWAP2 };

struct seqlist {
	uint16_t *v;
	size_t n, cap;
};

/* One (direction, SSRC) stream as recorded in the truth. */
struct srec {
	uint32_t ssrc, ts0;
	uint16_t first_seq;
	uint64_t base; /* the slot where this SSRC starts */
	uint64_t packets, rtcp;
	struct seqlist lost, corrupt, reord;
	FILE *raw;
	char raw_name[64];
};

/* One direction of media. */
struct dir {
	struct gen_addr *src, *dst;
	uint16_t sport, dport;
	uint64_t n;         /* slots */
	uint8_t *fate;      /* per slot */
	uint64_t next;      /* next slot to emit */
	uint64_t skew;      /* us after the caller's slot time */
	uint32_t ssrc, ts0; /* of the current SSRC (rec[cur]) */
	uint16_t seq0;
	uint64_t base; /* slot index where the current SSRC started */
	struct srec rec[2];
	int cur;                /* index into rec */
	struct lim_srtp *tx[2]; /* [0] initial keys, [1] after the re-key */
	struct gen_audio audio;
	uint8_t held[PKT_CAP];
	size_t held_len;
};

enum ev_kind {
	EV_SYN,
	EV_SYNACK,
	EV_HSACK,
	EV_INVITE,
	EV_100,
	EV_180,
	EV_200,
	EV_ACK,
	EV_REINVITE,
	EV_RE200,
	EV_REACK,
	EV_BYE,
	EV_BYE200,
	EV_FIN1,
	EV_FIN2,
	EV_FINACK
};

struct ev {
	uint64_t t;
	enum ev_kind k;
};

struct call {
	unsigned no;
	bool target;
	char caller[128], callee[128], cuser[64], ruser[64];
	char call_id[160], ftag[16], ttag[16];
	struct gen_addr cip, rip;
	uint16_t csport, rsport; /* SIP ports */
	uint8_t pt;
	const struct gen_community *com;
	struct gen_rng rng;
	struct ev ev[20];
	size_t nev, iev;
	uint64_t t0, tm0, t_rekey_ack, t_first, t_last;
	uint32_t tcp_seq[2]; /* next seq of caller, callee */
	char *imsg_b64, *rekey_b64;
	uint32_t csb_id, rekey_csb;
	uint8_t ssv[SAKKE_SSV_LEN], rekey_ssv[SAKKE_SSV_LEN];
	struct dir d[2]; /* 0 = caller -> callee, 1 = callee -> caller */
	uint64_t heap_t; /* next event time */
};

static struct opts o;
static struct gen_x2x3_opts xo; /* --x2x3*: limf-gen as a POI (gen_x2x3.h) */
static struct gen_pcap pc;
static struct gen_wav wav;
static char rawdir[4200];
static const struct gen_community *kms_com; /* the community file's (for --dump-keys) */

static void usage(FILE *f)
{
	static const char *const lines[] = {
		"usage: limf-gen --community FILE --out X.pcap [--profile rfc6509|mcx] [--calls N]",
		"         [--caller URI] [--callee URI] [--background N] [--duration SECS]",
		"         [--start ISO8601] [--audio tone|sweep|FILE.wav] [--ipv6] [--vlan ID]",
		"         [--tcp] [--frag] [--loss PCT] [--reorder PCT] [--seed N] [--rekey]",
		"         [--ssrc-change] [--corrupt N] [--forge-sig] [--foreign-kms] [--rtcp]",
		"         [--clear-ids] [--no-idri] [--empty-idrr] [--t-skew SECS] [--first-seq N]",
		"         [--jumbo N] [--no-rcc] [--gap S,D] [--rekey-back N]",
		"         [--dump-keys DIR] [--x2x3 HOST:PORT --x2x3-ca F --x2x3-cert F",
		"         --x2x3-key F] [--x2x3-xid UUID] [--x2x3-pcap FILE] [--x2x3-ip]",
		"       limf-gen --profile group [--members N] [--talkers K] [--turn SECS]",
		"         [--gmk-rollover | --gmks N] [--stranger] [--target-not-member]",
		"         [--gmk-id HEX] [--doc-group URI]",
		"         (see gen_group.c)",
		"       limf-gen decrypt --z Z --rsk RSK --dir caller|callee [--period S --offset "
		"S]",
		"         IMSG_B64...    (tests: [u16 len][SRTP] records on stdin -> clear RTP)",
		"       limf-gen decrypt-group --z Z --rsk RSK --member URI [--period S --offset "
		"S]",
		"         IMSG_B64...    (tests: group media; see gen_check.c)",
		"Writes X.pcap, the truth X.pcap.json and the clear payloads X.pcap.d/*.raw.",
		"Defaults: --profile rfc6509, 1 call sip:alice@example.org -> sip:bob@example.org,",
		"no background, 10 s, start 2026-01-15T10:00:00Z, tone, IPv4, SIP over UDP, seed "
		"1.",
		"--calls N target calls (the caller/callee pair), --background N other calls;",
		"--loss/--reorder: percent of SRTP packets; --corrupt N: flip a byte in N SRTP",
		"packets of every target call; --forge-sig/--foreign-kms: target calls only;",
		"--clear-ids (mcx): the parties' URIs in the I_MESSAGE instead of their UIDs;",
		"--no-rcc (mcx): SP auth alg 0, no ROC rate: plain AEAD_AES_128_GCM, the ROC in",
		"no packet (a receiver keeps it across --rekey by itself, RFC 3711 s3.3.1);",
		"--no-idri: the I_MESSAGEs name no initiator (its signer is the caller SIP names);",
		"--empty-idrr (any profile): their responder's identifier is empty (0 octets);",
		"--t-skew SECS: the I_MESSAGE's T that far from the packets' time (its key "
		"period);",
		"--first-seq N: every stream's first RTP sequence number (else random): N near",
		"65535 makes the streams wrap (their ROC 1) within seconds;",
		"--gap S,D: the SRTP packets of every call sent from S s into its media for D s",
		"are not in the capture (an outage at the interception point; lost in the truth);",
		"--rekey-back N (with --rekey and --first-seq above N): the packets under the",
		"re-key's keys numbered N lower, the SSRC kept (a sender that numbers again with",
		"new keys); the .raw files stay in sending order;",
		"--jumbo N: the caller's last packet of every target call carries N octets of",
		"G.711 (fragments of a 1500-octet MTU); one IPv4 cannot carry is sent all the",
		"same and is \"lost\" in the truth;",
		"--rtcp: an SRTCP report per sender every 5 s; --dump-keys DIR (tests): the KMS's",
		"public keys and each callee's RSK, and the SSVs in the truth file.",
		"--x2x3: then act as a point of interception (ETSI TS 103 221-2): the calls' SIP",
		"as X2 and SRTP as X3 PDUs over TLS to HOST:PORT, in capture order, with",
		"keep-alives; --x2x3-pcap FILE: the same PDU stream as plain TCP in a pcap;",
		"--x2x3-ip: X3 payloads as whole IPv4/IPv6 packets instead of RTP packets.",
	};
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
		fprintf(f, "%s\n", lines[i]);
}

/* ---- small helpers ------------------------------------------------------------------------ */

static uint64_t num_arg(const char *name, const char *v, uint64_t max)
{
	char *e;
	unsigned long long x;
	errno = 0;
	x = strtoull(v, &e, 10);
	if (errno || e == v || *e || v[0] == '-' || x > max)
		gen_die("%s: expected an integer in 0..%llu, got '%s'", name,
			(unsigned long long)max, v);
	return x;
}

static double real_arg(const char *name, const char *v, double lo, double hi)
{
	char *e;
	double x;
	errno = 0;
	x = strtod(v, &e);
	if (errno || e == v || *e || !(x >= lo && x <= hi))
		gen_die("%s: expected a number in %g..%g, got '%s'", name, lo, hi, v);
	return x;
}

static int digits(const char *s, size_t n)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* "YYYY-MM-DDTHH:MM:SS[.ffffff]Z" -> microseconds since 1970 */
static uint64_t iso_arg(const char *s)
{
	struct tm tm;
	int y, mo, d, h, mi, se;
	uint64_t us = 0;
	size_t n = strlen(s), i = 19;
	memset(&tm, 0, sizeof tm);
	if (n < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
		goto bad;
	y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
	h = digits(s + 11, 2), mi = digits(s + 14, 2), se = digits(s + 17, 2);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 ||
	    mi > 59 || se < 0 || se > 59)
		goto bad;
	if (s[i] == '.') {
		uint64_t scale = 100000;
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, scale /= 10)
			us += (uint64_t)(s[i] - '0') * scale;
	}
	if (i != n - 1 || s[i] != 'Z')
		goto bad;
	tm.tm_year = y - 1900, tm.tm_mon = mo - 1, tm.tm_mday = d;
	tm.tm_hour = h, tm.tm_min = mi, tm.tm_sec = se;
	return (uint64_t)timegm(&tm) * 1000000 + us;
bad:
	gen_die("--start: expected YYYY-MM-DDTHH:MM:SSZ, got '%s'", s);
}

static void hexid(struct gen_rng *r, char *out, size_t nbytes)
{
	uint8_t b[32];
	gen_rng_bytes(r, b, nbytes);
	lim_hex_encode(b, nbytes, out);
}

static void seq_push(struct seqlist *l, uint16_t s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = realloc(l->v, l->cap * sizeof *l->v);
		if (!l->v)
			gen_die("out of memory");
	}
	l->v[l->n++] = s;
}

/* "addr:port" / "[addr]:port" */
static void ep_str(const struct gen_addr *a, uint16_t port, char out[80])
{
	char s[64];
	gen_addr_str(a, s);
	snprintf(out, 80, a->v6 ? "[%s]:%u" : "%s:%u", s, port);
}

static void host_str(const struct gen_addr *a, char out[80])
{
	char s[64];
	gen_addr_str(a, s);
	snprintf(out, 80, a->v6 ? "[%s]" : "%s", s);
}

static void user_of(const char *uri, char *out, size_t cap)
{
	const char *p = strchr(uri, ':'), *e;
	p = p ? p + 1 : uri;
	e = strchr(p, '@');
	snprintf(out, cap, "%.*s", (int)(e ? (size_t)(e - p) : strlen(p)), p);
}

/* ---- SIP ---------------------------------------------------------------------------------- */

/* The SDP of one side: offer (with the I_MESSAGE) or answer (the chosen payload type). */
static void sdp(const struct call *c, bool offer, unsigned version, const char *b64,
		struct gen_sb *s)
{
	const struct gen_addr *a = offer ? &c->cip : &c->rip;
	char ip[64];
	const char *fam = a->v6 ? "IP6" : "IP4";
	gen_addr_str(a, ip);
	gen_sb_add(s, "v=0\r\no=%s %u %u IN %s %s\r\ns=-\r\nc=IN %s %s\r\nt=0 0\r\n",
		   offer ? c->cuser : c->ruser, 1000 + c->no, version, fam, ip, fam, ip);
	if (offer)
		gen_sb_add(s,
			   "a=key-mgmt:mikey %s\r\nm=audio %u RTP/SAVP 0 8\r\na=rtpmap:0 "
			   "PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=ptime:20\r\na=sendrecv\r\n",
			   b64, c->d[1].dport);
	else
		gen_sb_add(s,
			   "m=audio %u RTP/SAVP %u\r\na=rtpmap:%u "
			   "%s/8000\r\na=ptime:20\r\na=sendrecv\r\n",
			   c->d[0].dport, c->pt, c->pt, c->pt == 8 ? "PCMA" : "PCMU");
}

/* Builds the SIP message of event k into out. */
static void sip_msg(struct call *c, enum ev_kind k, struct gen_sb *out)
{
	struct gen_sb body;
	char chost[80], rhost[80], branch[24];
	const char *tr = o.tcp ? "TCP" : "UDP", *method = "INVITE", *ruri = c->callee;
	bool req = true, with_totag = true, contact = false, has_body = false;
	unsigned cseq = 1, status = 0;
	char ruri_buf[200];
	body.n = 0;
	host_str(&c->cip, chost);
	host_str(&c->rip, rhost);
	snprintf(ruri_buf, sizeof ruri_buf, "sip:%s@%s:%u", c->ruser, rhost, c->rsport);
	switch (k) {
	case EV_INVITE:
		with_totag = false, contact = true, has_body = true;
		sdp(c, true, 1, c->imsg_b64, &body);
		break;
	case EV_100: req = false, status = 100, with_totag = false; break;
	case EV_180: req = false, status = 180, contact = true; break;
	case EV_200:
		req = false, status = 200, contact = true, has_body = true;
		sdp(c, false, 1, NULL, &body);
		break;
	case EV_ACK: method = "ACK", ruri = ruri_buf; break;
	case EV_REINVITE:
		cseq = 2, ruri = ruri_buf, contact = true, has_body = true;
		sdp(c, true, 2, c->rekey_b64, &body);
		break;
	case EV_RE200:
		cseq = 2, req = false, status = 200, contact = true, has_body = true;
		sdp(c, false, 2, NULL, &body);
		break;
	case EV_REACK: cseq = 2, method = "ACK", ruri = ruri_buf; break;
	case EV_BYE: cseq = 3, method = "BYE", ruri = ruri_buf; break;
	case EV_BYE200: cseq = 3, method = "BYE", req = false, status = 200; break;
	default: gen_die("internal: not a SIP event");
	}
	/* the transaction's branch: one per request (the ACK of a 2xx is its own transaction);
	 * responses repeat their request's */
	{
		unsigned tx = k == EV_INVITE || k == EV_100 || k == EV_180 || k == EV_200 ? 1
			      : k == EV_ACK                                               ? 2
			      : k == EV_REINVITE || k == EV_RE200                         ? 3
			      : k == EV_REACK                                             ? 4
											  : 5;
		snprintf(branch, sizeof branch, "z9hG4bK%.8s%02x%u", c->call_id, c->no & 0xff, tx);
	}
	out->n = 0;
	if (req)
		gen_sb_add(out, "%s %s SIP/2.0\r\n", method, ruri);
	else
		gen_sb_add(out, "SIP/2.0 %u %s\r\n", status,
			   status == 100   ? "Trying"
			   : status == 180 ? "Ringing"
					   : "OK");
	gen_sb_add(out, "Via: SIP/2.0/%s %s:%u;branch=%s\r\n", tr, chost, c->csport, branch);
	if (req)
		gen_sb_add(out, "Max-Forwards: 70\r\n");
	gen_sb_add(out, "From: <%s>;tag=%s\r\n", c->caller, c->ftag);
	if (with_totag)
		gen_sb_add(out, "To: <%s>;tag=%s\r\n", c->callee, c->ttag);
	else
		gen_sb_add(out, "To: <%s>\r\n", c->callee);
	gen_sb_add(out, "Call-ID: %s\r\nCSeq: %u %s\r\n", c->call_id, cseq, method);
	if (contact) {
		if (req)
			gen_sb_add(out, "Contact: <sip:%s@%s:%u;transport=%s>\r\n", c->cuser, chost,
				   c->csport, o.tcp ? "tcp" : "udp");
		else
			gen_sb_add(out, "Contact: <sip:%s@%s:%u;transport=%s>\r\n", c->ruser, rhost,
				   c->rsport, o.tcp ? "tcp" : "udp");
	}
	gen_sb_add(out, "User-Agent: limf-gen\r\n");
	if (has_body)
		gen_sb_add(out, "Content-Type: application/sdp\r\n");
	gen_sb_add(out, "Content-Length: %zu\r\n\r\n", body.n);
	if (body.n) {
		if (body.n > sizeof out->b - out->n)
			gen_die("SIP message too large");
		memcpy(out->b + out->n, body.b, body.n);
		out->n += body.n;
	}
}

static bool from_caller(enum ev_kind k)
{
	return k == EV_SYN || k == EV_HSACK || k == EV_INVITE || k == EV_ACK || k == EV_REINVITE ||
	       k == EV_REACK || k == EV_BYE || k == EV_FIN1 || k == EV_FINACK;
}

static void note_time(struct call *c, uint64_t t)
{
	if (!c->t_first)
		c->t_first = t;
	c->t_last = t;
}

static void tcp_send(struct call *c, uint64_t t, bool caller, uint8_t flags, const uint8_t *d,
		     size_t n)
{
	const struct gen_addr *s = caller ? &c->cip : &c->rip, *dd = caller ? &c->rip : &c->cip;
	uint16_t sp = caller ? c->csport : c->rsport, dp = caller ? c->rsport : c->csport;
	int me = caller ? 0 : 1;
	do {
		size_t k = n > TCP_MSS ? TCP_MSS : n;
		uint8_t f = flags;
		if (k)
			f |= GEN_TCP_PSH;
		gen_tcp(&pc, t, s, sp, dd, dp, c->tcp_seq[me], c->tcp_seq[1 - me], f, d, k);
		c->tcp_seq[me] += (uint32_t)k + ((flags & (GEN_TCP_SYN | GEN_TCP_FIN)) ? 1 : 0);
		d += k;
		n -= k;
	} while (n > 0);
}

static void do_event(struct call *c, const struct ev *e)
{
	static struct gen_sb m;
	bool caller = from_caller(e->k);
	note_time(c, e->t);
	switch (e->k) {
	case EV_SYN: tcp_send(c, e->t, true, GEN_TCP_SYN, NULL, 0); return;
	case EV_SYNACK: tcp_send(c, e->t, false, GEN_TCP_SYN | GEN_TCP_ACK, NULL, 0); return;
	case EV_HSACK:
	case EV_FINACK: tcp_send(c, e->t, true, GEN_TCP_ACK, NULL, 0); return;
	case EV_FIN1: tcp_send(c, e->t, true, GEN_TCP_FIN | GEN_TCP_ACK, NULL, 0); return;
	case EV_FIN2: tcp_send(c, e->t, false, GEN_TCP_FIN | GEN_TCP_ACK, NULL, 0); return;
	default: break;
	}
	sip_msg(c, e->k, &m);
	if (o.tcp) {
		tcp_send(c, e->t, caller, GEN_TCP_ACK, (const uint8_t *)m.b, m.n);
	} else {
		bool inv = e->k == EV_INVITE || e->k == EV_REINVITE;
		if (caller)
			gen_udp(&pc, e->t, &c->cip, c->csport, &c->rip, c->rsport,
				(const uint8_t *)m.b, m.n, o.frag && inv ? FRAG_SIZE : 0);
		else
			gen_udp(&pc, e->t, &c->rip, c->rsport, &c->cip, c->csport,
				(const uint8_t *)m.b, m.n, 0);
	}
}

/* ---- media -------------------------------------------------------------------------------- */

static uint64_t slot_time(const struct call *c, int d, uint64_t k)
{
	return c->tm0 + k * SLOT_US + c->d[d].skew;
}

static void open_rec(struct call *c, int d, int r)
{
	struct srec *s = &c->d[d].rec[r];
	char path[4400];
	snprintf(s->raw_name, sizeof s->raw_name, "%u-%s-%08x.raw", c->no, d ? "callee" : "caller",
		 s->ssrc);
	snprintf(path, sizeof path, "%s/%s", rawdir, s->raw_name);
	s->raw = fopen(path, "wb");
	if (!s->raw)
		gen_die("%s: cannot create", path);
}

/* Builds and protects the packet of slot k of direction d into buf; records the clear
 * payload when the packet will be in the pcap intact. */
/* Whether direction d's slot k is the --jumbo packet: the caller's last of a target call. */
static bool jumbo_slot(const struct call *c, int d, uint64_t k)
{
	return o.jumbo && c->target && d == 0 && k + 1 == c->d[0].n;
}

/* Slot k's SRTP packet into buf[0..cap) (PKT_CAP, JUMBO_CAP for the --jumbo slot); its clear
 * payload to the .raw file. Returns its length, 0 when lost on the way. */
static size_t produce(struct call *c, int d, uint64_t k, uint8_t *buf, size_t cap)
{
	static uint8_t big[JUMBO_CAP];
	struct dir *x = &c->d[d];
	struct srec *r;
	uint8_t small[160], *pl = small;
	size_t plen = 160, len;
	uint64_t i;
	uint16_t seq;
	uint32_t ts;
	int key = (c->t_rekey_ack && slot_time(c, d, k) > c->t_rekey_ack) ? 1 : 0;
	enum lim_err e;
	if (o.ssrc_change && d == 0 && k == x->n / 2 && x->cur == 0) {
		/* the caller's new SSRC, sequence and timestamp bases */
		x->cur = 1;
		x->ssrc = x->rec[1].ssrc;
		x->seq0 = x->rec[1].first_seq;
		x->ts0 = x->rec[1].ts0;
		x->base = k;
		open_rec(c, d, 1);
	}
	r = &x->rec[x->cur];
	i = k - x->base;
	seq = (uint16_t)(x->seq0 + i - (key ? o.rekey_back : 0));
	ts = (uint32_t)(x->ts0 + i * 160);
	if (jumbo_slot(c, d, k)) {
		pl = big;
		plen = o.jumbo;
	}
	for (size_t off = 0; off < plen; off += 160) {
		gen_audio_g711(&x->audio, c->pt, small);
		if (pl != small)
			memcpy(pl + off, small, plen - off < 160 ? plen - off : 160);
	}
	len = 12 + plen;
	buf[0] = 0x80;
	buf[1] = (uint8_t)((i == 0 ? 0x80 : 0) | c->pt); /* marker on the first packet */
	buf[2] = (uint8_t)(seq >> 8), buf[3] = (uint8_t)seq;
	buf[4] = (uint8_t)(ts >> 24), buf[5] = (uint8_t)(ts >> 16), buf[6] = (uint8_t)(ts >> 8);
	buf[7] = (uint8_t)ts;
	buf[8] = (uint8_t)(x->ssrc >> 24), buf[9] = (uint8_t)(x->ssrc >> 16);
	buf[10] = (uint8_t)(x->ssrc >> 8), buf[11] = (uint8_t)x->ssrc;
	memcpy(buf + 12, pl, plen);
	e = lim_srtp_protect(x->tx[key], buf, &len, cap);
	if (e != LIM_OK)
		gen_die("lim_srtp_protect: %s", lim_strerror(e));
	if (!o.ipv6 && 20 + 8 + len > 65535) {
		/* the --jumbo packet IPv4 cannot carry: its fragments are sent all the same, and
		 * no receiver can reassemble them */
		seq_push(&r->lost, seq);
		return len;
	}
	if (x->fate[k] == F_LOST) {
		seq_push(&r->lost, seq);
		return 0;
	}
	r->packets++;
	if (x->fate[k] == F_CORRUPT) {
		buf[12 + 37] ^= 0x5a; /* inside the encrypted payload: fails authentication */
		seq_push(&r->corrupt, seq);
	} else if (fwrite(pl, 1, plen, r->raw) != plen) {
		gen_die("write error on a .raw file");
	}
	if (x->fate[k] == F_SWAP1)
		seq_push(&r->reord, seq);
	return len;
}

/* An SRTCP compound packet (RFC 3550 s6.1: SR + SDES CNAME) from direction d's sender after
 * slot k, on the RTP ports + 1, protected with the keys in force. */
static void send_rtcp(struct call *c, int d, uint64_t k, uint64_t t)
{
	struct dir *x = &c->d[d];
	struct srec *r = &x->rec[x->cur];
	uint8_t b[PKT_CAP];
	char cname[160], h[80];
	size_t n, cl;
	uint64_t i = k - x->base, ntp = t / 1000000 + LIMF_NTP_UNIX;
	uint32_t frac = (uint32_t)(((t % 1000000) << 32) / 1000000),
		 ts = (uint32_t)(x->ts0 + i * 160);
	uint32_t f[6] = { x->ssrc, (uint32_t)ntp,     frac,
			  ts,      (uint32_t)(i + 1), (uint32_t)(160 * (i + 1)) };
	int key = (c->t_rekey_ack && t > c->t_rekey_ack) ? 1 : 0;
	enum lim_err e;
	host_str(d ? &c->rip : &c->cip, h);
	snprintf(cname, sizeof cname, "%s@%s", d ? c->ruser : c->cuser, h);
	cl = strlen(cname);
	b[0] = 0x80, b[1] = 200, b[2] = 0, b[3] = 6; /* SR, no report blocks, 7 words */
	for (int w = 0; w < 6; w++) {
		b[4 + 4 * w] = (uint8_t)(f[w] >> 24), b[5 + 4 * w] = (uint8_t)(f[w] >> 16);
		b[6 + 4 * w] = (uint8_t)(f[w] >> 8), b[7 + 4 * w] = (uint8_t)f[w];
	}
	n = 28;
	/* SDES: one chunk, CNAME item, END, padded to a 32-bit boundary */
	{
		size_t chunk = 4 + 2 + cl + 1, words = (chunk + 3) / 4;
		b[n] = 0x81, b[n + 1] = 202;
		b[n + 2] = (uint8_t)(words >> 8), b[n + 3] = (uint8_t)words;
		memcpy(b + n + 4, b + 4, 4);
		b[n + 8] = 1, b[n + 9] = (uint8_t)cl;
		memcpy(b + n + 10, cname, cl);
		memset(b + n + 10 + cl, 0, words * 4 + 4 - (6 + cl));
		n += 4 + words * 4;
	}
	e = lim_srtp_protect_rtcp(x->tx[key], b, &n, sizeof b);
	if (e != LIM_OK)
		gen_die("lim_srtp_protect_rtcp: %s", lim_strerror(e));
	r->rtcp++;
	note_time(c, t);
	gen_udp(&pc, t, x->src, (uint16_t)(x->sport + 1), x->dst, (uint16_t)(x->dport + 1), b, n,
		0);
}

static void media_slot(struct call *c, int d)
{
	struct dir *x = &c->d[d];
	uint64_t k = x->next++, t = slot_time(c, d, k);
	static uint8_t big[JUMBO_CAP];
	uint8_t small[PKT_CAP], *buf = small;
	size_t len;
	if (x->fate[k] == F_SWAP2) {
		/* the packet of slot k-1, delayed behind its successor */
		len = x->held_len;
		memcpy(buf, x->held, len);
	} else if (x->fate[k] == F_SWAP1) {
		x->held_len = produce(c, d, k, x->held, PKT_CAP);
		len = produce(c, d, k + 1, buf, PKT_CAP);
	} else if (jumbo_slot(c, d, k)) {
		buf = big;
		len = produce(c, d, k, buf, JUMBO_CAP);
	} else {
		len = produce(c, d, k, buf, PKT_CAP);
	}
	if (len != 0) {
		note_time(c, t);
		gen_udp(&pc, t, x->src, x->sport, x->dst, x->dport, buf, len,
			len > 1400 ? (o.ipv6 ? 1448 : 1480) : 0);
	}
	if (o.rtcp && (k + 1) % RTCP_SLOTS == 0)
		send_rtcp(c, d, k, t);
}

/* ---- call set-up ---------------------------------------------------------------------------- */

static void addr_of(struct gen_addr *a, bool v6, unsigned user, bool target, bool callee)
{
	memset(a, 0, sizeof *a);
	a->v6 = v6;
	if (target) {
		static const uint8_t v4c[4] = { 192, 0, 2, 10 }, v4r[4] = { 198, 51, 100, 20 };
		if (!v6) {
			memcpy(a->a, callee ? v4r : v4c, 4);
		} else {
			a->a[0] = 0x20, a->a[1] = 0x01, a->a[2] = 0x0d, a->a[3] = 0xb8;
			a->a[15] = callee ? 0x20 : 0x10;
		}
		return;
	}
	if (!v6) {
		a->a[0] = 10, a->a[1] = 1, a->a[2] = (uint8_t)(user >> 8), a->a[3] = (uint8_t)user;
	} else {
		a->a[0] = 0x20, a->a[1] = 0x01, a->a[2] = 0x0d, a->a[3] = 0xb8, a->a[5] = 1;
		a->a[12] = (uint8_t)(user >> 24), a->a[13] = (uint8_t)(user >> 16);
		a->a[14] = (uint8_t)(user >> 8), a->a[15] = (uint8_t)user;
	}
}

static enum lim_srtp_profile srtp_profile(void)
{
	return o.profile == GEN_PROFILE_MCX ? LIM_SRTP_AEAD_AES_128_GCM
					    : LIM_SRTP_AES128_CM_SHA1_80;
}

/* The stream (rec index) direction d sends slot k on. */
static const struct srec *stream_at(const struct call *c, int d, uint64_t k)
{
	const struct dir *x = &c->d[d];
	return o.ssrc_change && d == 0 && k >= x->rec[1].base ? &x->rec[1] : &x->rec[0];
}

/* The first slot of direction d sent with the re-key's keys (slot time after its ACK). */
static uint64_t rekey_slot(const struct call *c, int d)
{
	return (c->t_rekey_ack - c->tm0 - c->d[d].skew) / SLOT_US + 1;
}

/* The ROC of direction d's stream at slot k (RFC 3711 s3.3.1). */
static uint32_t roc_at(const struct call *c, int d, uint64_t k)
{
	const struct srec *s = stream_at(c, d, k);
	return (uint32_t)(((uint64_t)s->first_seq + (k - s->base)) >> 16);
}

/* Opens the send sessions of both directions from an I_MESSAGE and its SSV. set_roc (re-key):
 * each stream goes on with the ROC it has reached, as a real sender does (RFC 3711 s3.3.1: new
 * keys do not reset it), whether or not the I_MESSAGE or the packets (RCC) say it. */
static void open_tx(struct call *c, const uint8_t *msg, size_t len, const uint8_t *ssv, int slot,
		    bool set_roc)
{
	struct mikey_msg m;
	struct mikey_srtp_key k[MIKEY_MAX_KEYS];
	size_t n = 0;
	enum lim_err e = mikey_parse(msg, len, &m);
	if (e == LIM_OK)
		e = mikey_srtp_keys(&m, ssv, SAKKE_SSV_LEN, mikey_srtp_def_of(&m), k, &n);
	if (e != LIM_OK || n != 2)
		gen_die("cannot derive the SRTP keys of the generated I_MESSAGE: %s",
			lim_strerror(e));
	for (int d = 0; d < 2; d++) {
		struct dir *x = &c->d[d];
		struct mikey_srtp_key *kk = &k[d];
		e = lim_srtp_new_tx(srtp_profile(), kk->key, kk->key_len, kk->salt, kk->salt_len,
				    kk->mki, kk->mki_len, &x->tx[slot]);
		if (e == LIM_OK && kk->auth_alg >= 2 && kk->auth_alg <= 4)
			e = lim_srtp_set_rcc(x->tx[slot], (unsigned)kk->auth_alg - 1,
					     gen_sp_roc_rate(&m));
		if (e == LIM_OK && set_roc) {
			/* the ROC the stream has reached at the switch */
			uint64_t k0 = rekey_slot(c, d);
			e = lim_srtp_set_roc(x->tx[slot], stream_at(c, d, k0)->ssrc,
					     roc_at(c, d, k0));
		}
		if (e != LIM_OK)
			gen_die("SRTP send session: %s", lim_strerror(e));
	}
	mikey_srtp_keys_wipe(k, MIKEY_MAX_KEYS);
}

static void make_imsg(struct call *c, uint64_t t, bool rekey, const struct gen_community *com)
{
	struct gen_imsg_in in;
	struct gen_imsg_out *out = malloc(sizeof *out);
	if (!out)
		gen_die("out of memory");
	memset(&in, 0, sizeof in);
	in.profile = o.profile;
	in.com = com;
	in.kms = kms_com;
	in.caller = c->caller;
	in.callee = c->callee;
	in.t_us = (uint64_t)((int64_t)t + o.t_skew_us);
	in.clear_ids = o.clear_ids;
	in.no_rcc = o.no_rcc;
	in.no_idri = o.no_idri;
	in.empty_idrr = o.empty_idrr;
	gen_rng_bytes(&c->rng, in.ssv, sizeof in.ssv);
	gen_rng_bytes(&c->rng, in.rand, sizeof in.rand);
	in.csb_id = (uint32_t)gen_rng_u64(&c->rng);
	if (o.profile == GEN_PROFILE_MCX)
		in.csb_id = (in.csb_id & 0x0fffffffu) | 0x10000000u; /* PCK purpose tag */
	for (int d = 0; d < 2; d++) {
		uint64_t k0 = rekey ? rekey_slot(c, d) : 0;
		in.ssrc[d] = stream_at(c, d, k0)->ssrc;
		in.roc[d] = roc_at(c, d, k0);
	}
	in.rcc_rate = 1;
	in.forge_sig = o.forge && c->target;
	in.rng = &c->rng;
	gen_imsg_build(&in, o.dump_keys != NULL, out);
	if (rekey) {
		memcpy(c->rekey_ssv, in.ssv, sizeof in.ssv);
		c->rekey_csb = in.csb_id;
		c->rekey_b64 = gen_b64(out->msg, out->len);
	} else {
		memcpy(c->ssv, in.ssv, sizeof in.ssv);
		c->csb_id = in.csb_id;
		c->imsg_b64 = gen_b64(out->msg, out->len);
		if (o.dump_keys) {
			char name[64];
			snprintf(name, sizeof name, "%u.rsk.hex", c->no);
			gen_write_hex(o.dump_keys, name, out->callee_rsk, SAKKE_POINT_LEN);
		}
	}
	open_tx(c, out->msg, out->len, in.ssv, rekey ? 1 : 0, rekey);
	lim_wipe(out, sizeof *out);
	free(out);
	LIM_WIPE(in.ssv);
}

static void add_ev(struct call *c, uint64_t t, enum ev_kind k)
{
	c->ev[c->nev].t = t;
	c->ev[c->nev++].k = k;
}

static void assign_fates(struct call *c)
{
	for (int d = 0; d < 2; d++) {
		struct dir *x = &c->d[d];
		x->fate = calloc(x->n + 1, 1);
		if (!x->fate)
			gen_die("out of memory");
		for (uint64_t k = 0; k < x->n; k++)
			if (o.loss > 0 &&
			    gen_rng_below(&c->rng, 1000000) < (uint32_t)(o.loss * 10000))
				x->fate[k] = F_LOST;
		for (uint64_t k = 0; k < x->n && o.gap_len > 0; k++)
			if ((double)k * 0.02 >= o.gap_s && (double)k * 0.02 < o.gap_s + o.gap_len)
				x->fate[k] = F_LOST;
		for (uint64_t k = 0; k + 1 < x->n; k++) {
			/* no swap across the SSRC change (two streams) */
			if (o.ssrc_change && d == 0 && k + 1 == x->n / 2)
				continue;
			if (x->fate[k] == F_OK && x->fate[k + 1] == F_OK && o.reorder > 0 &&
			    gen_rng_below(&c->rng, 1000000) < (uint32_t)(o.reorder * 10000)) {
				x->fate[k] = F_SWAP1;
				x->fate[k + 1] = F_SWAP2;
				k++;
			}
		}
	}
	if (c->target && o.jumbo && c->d[0].n) {
		/* the --jumbo packet arrives, in its place */
		struct dir *x = &c->d[0];
		if (x->fate[x->n - 1] == F_SWAP2)
			x->fate[x->n - 2] = F_OK;
		x->fate[x->n - 1] = F_OK;
	}
	if (c->target) {
		uint64_t tries = 0;
		for (unsigned i = 0; i < o.corrupt && tries < 1000000; tries++) {
			struct dir *x = &c->d[i & 1];
			uint64_t k = gen_rng_below(&c->rng, (uint32_t)x->n);
			if (x->fate[k] == F_OK && !jumbo_slot(c, i & 1, k)) {
				x->fate[k] = F_CORRUPT;
				i++;
			}
		}
	}
}

static void setup_call(struct call *c, unsigned no, bool target, unsigned bg_index, uint64_t t0,
		       const struct gen_community *com)
{
	uint64_t n = (uint64_t)llround(o.duration * 50.0), t;
	uint32_t ring;
	memset(c, 0, sizeof *c);
	c->no = no;
	c->target = target;
	c->com = com;
	gen_rng_init(&c->rng, o.seed, no);
	if (target) {
		snprintf(c->caller, sizeof c->caller, "%s", o.caller);
		snprintf(c->callee, sizeof c->callee, "%s", o.callee);
	} else {
		snprintf(c->caller, sizeof c->caller, "sip:user%u@example.org", 2 * bg_index + 1);
		snprintf(c->callee, sizeof c->callee, "sip:user%u@example.org", 2 * bg_index + 2);
	}
	user_of(c->caller, c->cuser, sizeof c->cuser);
	user_of(c->callee, c->ruser, sizeof c->ruser);
	addr_of(&c->cip, o.ipv6, 2 * bg_index + 1, target, false);
	addr_of(&c->rip, o.ipv6, 2 * bg_index + 2, target, true);
	{
		char id[40], h[80];
		hexid(&c->rng, id, 12);
		host_str(&c->cip, h);
		gen_addr_str(&c->cip, h);
		snprintf(c->call_id, sizeof c->call_id, "%s-%u@%s", id, no, h);
	}
	hexid(&c->rng, c->ftag, 4);
	hexid(&c->rng, c->ttag, 4);
	c->csport = o.tcp ? (uint16_t)(49152 + no % 16000) : 5060;
	c->rsport = 5060;
	c->pt = gen_rng_below(&c->rng, 2) ? 8 : 0;
	c->t0 = t0;
	for (int d = 0; d < 2; d++) {
		struct dir *x = &c->d[d];
		x->n = n;
		x->skew = d ? CALLEE_SKEW : 0;
		x->ssrc = (uint32_t)gen_rng_u64(&c->rng);
		x->seq0 = (uint16_t)gen_rng_u64(&c->rng);
		if (o.first_seq >= 0) /* (after the draw: the other values stay the seed's) */
			x->seq0 = (uint16_t)o.first_seq;
		x->ts0 = (uint32_t)gen_rng_u64(&c->rng);
		x->rec[0].ssrc = x->ssrc;
		x->rec[0].first_seq = x->seq0;
		x->src = d ? &c->rip : &c->cip;
		x->dst = d ? &c->cip : &c->rip;
		x->sport = (uint16_t)(d ? 30000 + 2 * (no % 10000) : 10000 + 2 * (no % 10000));
		x->dport = (uint16_t)(d ? 10000 + 2 * (no % 10000) : 30000 + 2 * (no % 10000));
		if (o.audio && strcmp(o.audio, "sweep") == 0)
			gen_audio_init(&x->audio, GEN_AUDIO_SWEEP, 0, 0, NULL);
		else if (o.audio && strcmp(o.audio, "tone") != 0)
			gen_audio_init(&x->audio, GEN_AUDIO_WAV, 0, d ? wav.n / 2 : 0, &wav);
		else
			gen_audio_init(&x->audio, GEN_AUDIO_TONE, d ? 880 : 440, 0, NULL);
	}
	if (o.ssrc_change) {
		struct srec *r1 = &c->d[0].rec[1];
		r1->ssrc = (uint32_t)gen_rng_u64(&c->rng);
		if (r1->ssrc == c->d[0].ssrc)
			r1->ssrc ^= 1;
		r1->first_seq = (uint16_t)gen_rng_u64(&c->rng);
		r1->ts0 = (uint32_t)gen_rng_u64(&c->rng);
		r1->base = n / 2;
	}
	assign_fates(c);
	/* the signalling timeline */
	ring = 300000 + gen_rng_below(&c->rng, 1200000);
	if (o.tcp) {
		add_ev(c, t0 - 3000, EV_SYN);
		add_ev(c, t0 - 2000, EV_SYNACK);
		add_ev(c, t0 - 1000, EV_HSACK);
		c->tcp_seq[0] = (uint32_t)gen_rng_u64(&c->rng);
		c->tcp_seq[1] = (uint32_t)gen_rng_u64(&c->rng);
	}
	add_ev(c, t0, EV_INVITE);
	add_ev(c, t0 + 2000, EV_100);
	add_ev(c, t0 + 40000, EV_180);
	add_ev(c, t0 + ring, EV_200);
	add_ev(c, t0 + ring + 5000, EV_ACK);
	c->tm0 = t0 + ring + 25000;
	if (o.rekey) {
		t = c->tm0 + (n / 2) * SLOT_US + 7000;
		add_ev(c, t, EV_REINVITE);
		add_ev(c, t + 25000, EV_RE200);
		add_ev(c, t + 30000, EV_REACK);
		c->t_rekey_ack = t + 30000;
	}
	t = c->tm0 + n * SLOT_US + 20000;
	add_ev(c, t, EV_BYE);
	add_ev(c, t + 20000, EV_BYE200);
	if (o.tcp) {
		add_ev(c, t + 21000, EV_FIN1);
		add_ev(c, t + 22000, EV_FIN2);
		add_ev(c, t + 23000, EV_FINACK);
	}
	/* keys: the I_MESSAGE at T0; the re-key's at the re-INVITE */
	make_imsg(c, t0, false, com);
	open_rec(c, 0, 0);
	open_rec(c, 1, 0);
	if (o.rekey)
		make_imsg(c, c->t_rekey_ack - 30000, true, com);
}

/* Time of the call's next event, and which: -1 signalling, 0/1 media direction. */
static uint64_t next_of(const struct call *c, int *which)
{
	uint64_t best = UINT64_MAX;
	*which = -2;
	if (c->iev < c->nev) {
		best = c->ev[c->iev].t;
		*which = -1;
	}
	for (int d = 0; d < 2; d++)
		if (c->d[d].next < c->d[d].n && slot_time(c, d, c->d[d].next) < best) {
			best = slot_time(c, d, c->d[d].next);
			*which = d;
		}
	return best;
}

/* ---- the heap of calls by next event time ------------------------------------------------ */

static struct call **heap;
static size_t nheap;

static bool before(const struct call *a, const struct call *b)
{
	return a->heap_t < b->heap_t || (a->heap_t == b->heap_t && a->no < b->no);
}

static void heap_down(size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < nheap && before(heap[l], heap[m]))
			m = l;
		if (r < nheap && before(heap[r], heap[m]))
			m = r;
		if (m == i)
			return;
		struct call *t = heap[i];
		heap[i] = heap[m];
		heap[m] = t;
		i = m;
	}
}

static void heap_up(size_t i)
{
	while (i > 0 && before(heap[i], heap[(i - 1) / 2])) {
		struct call *t = heap[i];
		heap[i] = heap[(i - 1) / 2];
		heap[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

/* ---- truth ----------------------------------------------------------------------------------- */

static void json_seqs(struct lim_json *j, const char *key, const struct seqlist *l)
{
	lim_json_key(j, key);
	lim_json_arr_open(j);
	for (size_t i = 0; i < l->n; i++)
		lim_json_u64(j, l->v[i]);
	lim_json_arr_close(j);
}

static void json_call(struct lim_json *j, const struct call *c)
{
	char t[64], ep[80], hx[40];
	lim_json_obj_open(j);
	lim_json_key(j, "no");
	lim_json_u64(j, c->no);
	lim_json_key(j, "call_id");
	lim_json_str(j, c->call_id);
	lim_json_key(j, "target");
	lim_json_bool(j, c->target);
	lim_json_key(j, "caller");
	lim_json_str(j, c->caller);
	lim_json_key(j, "callee");
	lim_json_str(j, c->callee);
	lim_json_key(j, "transport");
	lim_json_str(j, o.tcp ? "tcp" : "udp");
	lim_json_key(j, "profile");
	lim_json_str(j, o.profile == GEN_PROFILE_MCX ? "mcx" : "rfc6509");
	gen_iso_us(c->t_first, t);
	lim_json_key(j, "start");
	lim_json_str(j, t);
	gen_iso_us(c->t_last, t);
	lim_json_key(j, "end");
	lim_json_str(j, t);
	lim_json_key(j, "foreign_kms");
	lim_json_bool(j, o.foreign && c->target);
	lim_json_key(j, "forged_sig");
	lim_json_bool(j, o.forge && c->target);
	lim_json_key(j, "i_message");
	lim_json_str(j, c->imsg_b64);
	lim_json_key(j, "csb_id");
	lim_json_u64(j, c->csb_id);
	if (o.dump_keys) {
		lim_json_key(j, "ssv");
		lim_json_hex(j, c->ssv, sizeof c->ssv);
	}
	lim_json_key(j, "rekey");
	if (c->rekey_b64) {
		lim_json_obj_open(j);
		gen_iso_us(c->t_rekey_ack - 30000, t);
		lim_json_key(j, "time");
		lim_json_str(j, t);
		gen_iso_us(c->t_rekey_ack, t);
		lim_json_key(j, "keys_from");
		lim_json_str(j, t);
		lim_json_key(j, "i_message");
		lim_json_str(j, c->rekey_b64);
		lim_json_key(j, "csb_id");
		lim_json_u64(j, c->rekey_csb);
		if (o.dump_keys) {
			lim_json_key(j, "ssv");
			lim_json_hex(j, c->rekey_ssv, sizeof c->rekey_ssv);
		}
		lim_json_obj_close(j);
	} else {
		lim_json_null(j);
	}
	lim_json_key(j, "streams");
	lim_json_arr_open(j);
	for (int d = 0; d < 2; d++)
		for (int r = 0; r < 2; r++) {
			const struct dir *x = &c->d[d];
			const struct srec *s = &x->rec[r];
			if (!s->raw_name[0])
				continue;
			lim_json_obj_open(j);
			lim_json_key(j, "dir");
			lim_json_str(j, d ? "callee" : "caller");
			snprintf(hx, sizeof hx, "%08x", s->ssrc);
			lim_json_key(j, "ssrc");
			lim_json_str(j, hx);
			ep_str(x->src, x->sport, ep);
			lim_json_key(j, "src");
			lim_json_str(j, ep);
			ep_str(x->dst, x->dport, ep);
			lim_json_key(j, "dst");
			lim_json_str(j, ep);
			lim_json_key(j, "pt");
			lim_json_u64(j, c->pt);
			lim_json_key(j, "first_seq");
			lim_json_u64(j, s->first_seq);
			lim_json_key(j, "packets");
			lim_json_u64(j, s->packets);
			lim_json_key(j, "rtcp");
			lim_json_u64(j, s->rtcp);
			json_seqs(j, "lost", &s->lost);
			json_seqs(j, "corrupted", &s->corrupt);
			json_seqs(j, "reordered", &s->reord);
			lim_json_key(j, "raw");
			lim_json_str(j, s->raw_name);
			lim_json_obj_close(j);
		}
	lim_json_arr_close(j);
	lim_json_obj_close(j);
}

/* Frees a finished call's media state and closes its .raw files. */
static void end_call(struct call *c)
{
	for (int d = 0; d < 2; d++) {
		struct dir *x = &c->d[d];
		lim_srtp_free(x->tx[0]);
		lim_srtp_free(x->tx[1]);
		x->tx[0] = x->tx[1] = NULL;
		free(x->fate);
		x->fate = NULL;
		for (int r = 0; r < 2; r++) {
			if (x->rec[r].raw && fclose(x->rec[r].raw) != 0)
				gen_die("write error on a .raw file");
			x->rec[r].raw = NULL;
		}
	}
}

/* Frees what the truth file needed. */
static void free_call(struct call *c)
{
	for (int d = 0; d < 2; d++)
		for (int r = 0; r < 2; r++) {
			free(c->d[d].rec[r].lost.v);
			free(c->d[d].rec[r].corrupt.v);
			free(c->d[d].rec[r].reord.v);
		}
	free(c->imsg_b64);
	free(c->rekey_b64);
	LIM_WIPE(c->ssv); /* kept for the truth file (--dump-keys) until here */
	LIM_WIPE(c->rekey_ssv);
}

/* ---- main ---------------------------------------------------------------------------------- */

static void parse_opts(int argc, char **argv)
{
	memset(&o, 0, sizeof o);
	o.caller = "sip:alice@example.org";
	o.callee = "sip:bob@example.org";
	o.calls = 1;
	o.duration = 10;
	o.seed = 1;
	o.first_seq = -1;
	o.start_us = iso_arg("2026-01-15T10:00:00Z");
	o.grp.members = 3, o.grp.talkers = 3, o.grp.turn = 2;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define ARG(name) (strcmp(a, name) == 0 && (v || (gen_die("%s needs a value", name), 0)) && ++i)
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			exit(0);
		} else if (ARG("--community")) {
			o.community = v;
		} else if (ARG("--out")) {
			o.out = v;
		} else if (ARG("--profile")) {
			if (strcmp(v, "rfc6509") == 0)
				o.profile = GEN_PROFILE_RFC6509;
			else if (strcmp(v, "mcx") == 0)
				o.profile = GEN_PROFILE_MCX;
			else if (strcmp(v, "group") == 0)
				o.profile = GEN_PROFILE_GROUP;
			else
				gen_die("--profile: rfc6509, mcx or group, got '%s'", v);
		} else if (ARG("--members")) {
			o.grp.members = (unsigned)num_arg(a, v, 64);
		} else if (ARG("--talkers")) {
			o.grp.talkers = (unsigned)num_arg(a, v, 64);
		} else if (ARG("--turn")) {
			o.grp.turn = real_arg(a, v, 0.1, 3600);
		} else if (strcmp(a, "--gmk-rollover") == 0) {
			o.grp.rollover = true;
		} else if (ARG("--gmks")) {
			o.grp.gmks = (unsigned)num_arg(a, v, 20);
			if (o.grp.gmks < 3)
				gen_die("--gmks: 3..20 (--gmk-rollover makes two)");
		} else if (ARG("--gmk-id")) {
			char *e = NULL;
			unsigned long x = strtoul(v, &e, 16);
			if (!*v || *e || x == 0 || x > 0x0fffffffUL)
				gen_die("--gmk-id: a GMK-ID of purpose tag 0 in hex, 1..0fffffff, "
					"got '%s'",
					v);
			o.grp.gmk_id = (uint32_t)x;
		} else if (ARG("--doc-group")) {
			o.grp.doc_group = v;
		} else if (strcmp(a, "--stranger") == 0) {
			o.grp.stranger = true;
		} else if (strcmp(a, "--target-not-member") == 0) {
			o.grp.target_not_member = true;
		} else if (ARG("--calls")) {
			o.calls = (unsigned)num_arg(a, v, MAX_CALLS);
		} else if (ARG("--background")) {
			o.background = (unsigned)num_arg(a, v, MAX_CALLS);
		} else if (ARG("--caller")) {
			o.caller = v;
		} else if (ARG("--callee")) {
			o.callee = v;
		} else if (ARG("--duration")) {
			o.duration = real_arg(a, v, 0.1, 86400);
		} else if (ARG("--start")) {
			o.start_us = iso_arg(v);
		} else if (ARG("--audio")) {
			o.audio = v;
		} else if (ARG("--vlan")) {
			o.vlan = (uint16_t)num_arg(a, v, 4094);
			if (o.vlan == 0)
				gen_die("--vlan: 1..4094");
		} else if (ARG("--loss")) {
			o.loss = real_arg(a, v, 0, 50);
		} else if (ARG("--reorder")) {
			o.reorder = real_arg(a, v, 0, 50);
		} else if (ARG("--seed")) {
			o.seed = num_arg(a, v, UINT64_MAX);
		} else if (ARG("--corrupt")) {
			o.corrupt = (unsigned)num_arg(a, v, 1000000);
		} else if (ARG("--dump-keys")) {
			o.dump_keys = v;
		} else if (strcmp(a, "--ipv6") == 0) {
			o.ipv6 = true;
		} else if (strcmp(a, "--tcp") == 0) {
			o.tcp = true;
		} else if (strcmp(a, "--frag") == 0) {
			o.frag = true;
		} else if (strcmp(a, "--rekey") == 0) {
			o.rekey = true;
		} else if (strcmp(a, "--ssrc-change") == 0) {
			o.ssrc_change = true;
		} else if (strcmp(a, "--forge-sig") == 0) {
			o.forge = true;
		} else if (strcmp(a, "--foreign-kms") == 0) {
			o.foreign = true;
		} else if (strcmp(a, "--clear-ids") == 0) {
			o.clear_ids = true;
		} else if (strcmp(a, "--no-rcc") == 0) {
			o.no_rcc = true;
		} else if (strcmp(a, "--no-idri") == 0) {
			o.no_idri = true;
		} else if (strcmp(a, "--empty-idrr") == 0) {
			o.empty_idrr = o.grp.empty_idrr = true;
		} else if (ARG("--first-seq")) {
			double fs = real_arg(a, v, 0, 65535);
			if (fs != (double)(int32_t)fs)
				gen_die("--first-seq: a whole number in 0..65535");
			o.first_seq = (int32_t)fs;
		} else if (ARG("--gap")) {
			char *end = NULL;
			o.gap_s = strtod(v, &end);
			if (!end || *end != ',' || o.gap_s < 0)
				gen_die("--gap: S,D (seconds into the media, and how long)");
			o.gap_len = strtod(end + 1, &end);
			if (!end || *end || o.gap_len <= 0)
				gen_die("--gap: S,D (seconds into the media, and how long)");
		} else if (ARG("--rekey-back")) {
			double rb = real_arg(a, v, 1, 65535);
			if (rb != (double)(uint32_t)rb)
				gen_die("--rekey-back: a whole number in 1..65535");
			o.rekey_back = (uint32_t)rb;
		} else if (ARG("--jumbo")) {
			/* room for the RTP header and a 10-octet tag in a UDP datagram (a 16-octet
			 * tag, --profile mcx, leaves 6 fewer: gen_udp says so) */
			o.jumbo = (size_t)real_arg(a, v, 160, 65535 - 8 - 12 - 10);
			if ((double)o.jumbo != strtod(v, NULL))
				gen_die("--jumbo: a whole number of octets");
		} else if (ARG("--t-skew")) {
			char *end = NULL;
			long long sk = strtoll(v, &end, 10);
			if (!end || *end || end == v || sk < -31622400 || sk > 31622400)
				gen_die("--t-skew: whole seconds, at most a year either way");
			o.t_skew_us = (int64_t)sk * 1000000;
		} else if (ARG("--x2x3")) {
			xo.connect = v;
		} else if (ARG("--x2x3-ca")) {
			xo.ca = v;
		} else if (ARG("--x2x3-cert")) {
			xo.cert = v;
		} else if (ARG("--x2x3-key")) {
			xo.key = v;
		} else if (ARG("--x2x3-xid")) {
			xo.xid = v;
		} else if (ARG("--x2x3-pcap")) {
			xo.pcap = v;
		} else if (ARG("--x2x3-misbehave")) {
			xo.misbehave = v;
		} else if (ARG("--x2x3-hold")) {
			xo.hold = real_arg(a, v, 0, 60);
		} else if (strcmp(a, "--x2x3-ip") == 0) {
			xo.ip = true;
		} else if (strcmp(a, "--rtcp") == 0) {
			o.rtcp = true;
		} else {
			usage(stderr);
			gen_die("unknown or incomplete option '%s'", a);
		}
#undef ARG
	}
	if (!o.community || !o.out) {
		usage(stderr);
		gen_die("--community and --out are required");
	}
	if (o.calls + o.background == 0)
		gen_die("nothing to generate (--calls 0 and no --background)");
	if (o.calls + o.background > MAX_CALLS)
		gen_die("at most %u calls", MAX_CALLS);
	if (strlen(o.caller) > 100 || strlen(o.callee) > 100 || !strchr(o.caller, ':') ||
	    !strchr(o.callee, ':'))
		gen_die("--caller/--callee: a URI such as sip:alice@example.org (at most 100 "
			"characters)");
	if ((uint64_t)llround(o.duration * 50.0) < 4)
		gen_die("--duration: at least 0.08 s (4 packets)");
	if ((uint64_t)o.corrupt * 2 > (uint64_t)llround(o.duration * 50.0))
		gen_die("--corrupt: at most one packet in four per call");
}

int main(int argc, char **argv)
{
	struct gen_community com, foreign;
	struct call *calls;
	uint64_t *t0s;
	unsigned total, nt = 0, nb = 0, *bgs;
	char path[4200];
	struct gen_rng srng;
	FILE *jf;
	struct lim_json j;

	/* libsrtp2's own AES and HMAC (Debian: NSS), not limf's OpenSSL types: the test traffic
	 * (and "limf-gen decrypt") then comes from an implementation independent of the one limf
	 * decrypts it with (decrypt/srtp.h lim_srtp_set_crypto) */
	if (lim_srtp_set_crypto(LIM_SRTP_CRYPTO_LIBSRTP) != LIM_OK)
		gen_die("libsrtp2 did not initialise");
	if (argc > 1 && strcmp(argv[1], "decrypt") == 0)
		return gen_decrypt_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "decrypt-group") == 0)
		return gen_decrypt_group_main(argc - 1, argv + 1);
	parse_opts(argc, argv);
	if (o.clear_ids && o.profile != GEN_PROFILE_MCX)
		gen_die("--clear-ids: --profile mcx only (rfc6509 always has clear URIs)");
	if (o.no_rcc && o.profile != GEN_PROFILE_MCX)
		gen_die("--no-rcc: --profile mcx only (rfc6509 never carries the ROC in packets)");
	if (o.rekey_back && (!o.rekey || o.ssrc_change || o.first_seq < (int32_t)o.rekey_back ||
			     o.first_seq > 32768))
		gen_die("--rekey-back N: with --rekey, not --ssrc-change, and --first-seq in "
			"N..32768 "
			"(the numbers neither below 0 nor wrapping)");
	if (o.profile == GEN_PROFILE_GROUP) {
		if (o.tcp || o.frag || o.rekey || o.ssrc_change || o.forge || o.foreign || o.rtcp ||
		    o.corrupt || o.background || o.t_skew_us || o.no_idri)
			gen_die("--profile group: --tcp, --frag, --rekey, --ssrc-change, "
				"--forge-sig, --foreign-kms, --rtcp, --corrupt, --t-skew, "
				"--no-idri and --background do not apply");
		o.grp.community = o.community, o.grp.out = o.out, o.grp.dump_keys = o.dump_keys;
		o.grp.seed = o.seed, o.grp.start_us = o.start_us, o.grp.duration = o.duration;
		o.grp.loss = o.loss, o.grp.reorder = o.reorder, o.grp.ipv6 = o.ipv6;
		o.grp.vlan = o.vlan;
		if (o.grp.rollover && o.grp.gmks)
			gen_die("--gmk-rollover and --gmks: one or the other");
		return gen_group_main(&o.grp);
	}
	gen_community_load(o.community, &com);
	kms_com = &com;
	gen_rng_init(&srng, o.seed, 0);
	gen_community_foreign(&com, &srng, &foreign);
	if (o.audio && strcmp(o.audio, "tone") != 0 && strcmp(o.audio, "sweep") != 0)
		gen_wav_load(o.audio, &wav);
	snprintf(rawdir, sizeof rawdir, "%s.d", o.out);
	if (mkdir(rawdir, 0755) != 0 && errno != EEXIST)
		gen_die("%s: cannot create", rawdir);
	if (o.dump_keys) {
		if (mkdir(o.dump_keys, 0700) != 0 && errno != EEXIST)
			gen_die("%s: cannot create", o.dump_keys);
		gen_write_hex(o.dump_keys, "Z.hex", com.cert.z, sizeof com.cert.z);
		gen_write_hex(o.dump_keys, "kpak.hex", com.cert.kpak, sizeof com.cert.kpak);
	}
	total = o.calls + o.background;
	calls = calloc(total, sizeof *calls);
	heap = calloc(total, sizeof *heap);
	if (!calls || !heap)
		gen_die("out of memory");
	/* targets spread evenly among the background calls; starts 500 ms apart + jitter. A call
	 * is set up (keys, SRTP sessions, .raw files) just before its first frame and its media
	 * state freed after its last, so that only the concurrent calls hold open files. */
	t0s = calloc(total, sizeof *t0s);
	bgs = calloc(total, sizeof *bgs);
	if (!t0s || !bgs)
		gen_die("out of memory");
	for (unsigned i = 0; i < total; i++) {
		bool target = (uint64_t)(i + 1) * o.calls / total > (uint64_t)i * o.calls / total;
		t0s[i] = o.start_us + 10000 + (uint64_t)i * 500000 + gen_rng_below(&srng, 200000);
		calls[i].target = target;
		bgs[i] = target ? 0 : nb;
		if (target)
			nt++;
		else
			nb++;
	}
	gen_pcap_open(&pc, o.out, o.vlan);
	for (unsigned next = 0;;) {
		struct call *c;
		int w;
		/* the earliest frame of a call is its TCP SYN, 3 ms before T0 */
		if (next < total && (nheap == 0 || t0s[next] - 3000 <= heap[0]->heap_t)) {
			c = &calls[next];
			setup_call(c, next + 1, c->target, bgs[next], t0s[next],
				   c->target && o.foreign ? &foreign : &com);
			c->heap_t = next_of(c, &w);
			heap[nheap++] = c;
			heap_up(nheap - 1);
			next++;
			continue;
		}
		if (nheap == 0)
			break;
		c = heap[0];
		(void)next_of(c, &w);
		if (w == -1)
			do_event(c, &c->ev[c->iev++]);
		else if (w >= 0)
			media_slot(c, w);
		c->heap_t = next_of(c, &w);
		if (w == -2) {
			end_call(c);
			heap[0] = heap[--nheap];
		}
		heap_down(0);
	}
	gen_pcap_close(&pc);

	snprintf(path, sizeof path, "%s.json", o.out);
	jf = fopen(path, "w");
	if (!jf)
		gen_die("%s: cannot create", path);
	lim_json_init(&j, jf);
	lim_json_obj_open(&j);
	lim_json_key(&j, "generator");
	lim_json_str(&j, "limf-gen");
	lim_json_key(&j, "seed");
	lim_json_u64(&j, o.seed);
	lim_json_key(&j, "profile");
	lim_json_str(&j, o.profile == GEN_PROFILE_MCX ? "mcx" : "rfc6509");
	lim_json_key(&j, "community");
	lim_json_obj_open(&j);
	lim_json_key(&j, "kms_uri");
	lim_json_str(&j, com.cert.kms_uri);
	lim_json_key(&j, "id_scheme");
	lim_json_str(&j, com.cert.scheme == WR_KMS_ID_3GPP ? "3gpp-uid" : "rfc6509");
	lim_json_key(&j, "user_key_period");
	lim_json_u64(&j, com.cert.user_key_period);
	lim_json_key(&j, "user_key_offset");
	lim_json_u64(&j, com.cert.user_key_offset);
	lim_json_obj_close(&j);
	lim_json_key(&j, "options");
	lim_json_obj_open(&j);
	lim_json_key(&j, "calls");
	lim_json_u64(&j, nt);
	lim_json_key(&j, "background");
	lim_json_u64(&j, nb);
	lim_json_key(&j, "duration_ms");
	lim_json_u64(&j, (uint64_t)llround(o.duration * 1000));
	lim_json_key(&j, "ipv6");
	lim_json_bool(&j, o.ipv6);
	lim_json_key(&j, "vlan");
	lim_json_u64(&j, o.vlan);
	lim_json_key(&j, "transport");
	lim_json_str(&j, o.tcp ? "tcp" : "udp");
	lim_json_key(&j, "frag");
	lim_json_bool(&j, o.frag && !o.tcp);
	lim_json_key(&j, "rekey");
	lim_json_bool(&j, o.rekey);
	lim_json_key(&j, "ssrc_change");
	lim_json_bool(&j, o.ssrc_change);
	lim_json_key(&j, "rtcp");
	lim_json_bool(&j, o.rtcp);
	lim_json_key(&j, "jumbo");
	lim_json_u64(&j, o.jumbo);
	lim_json_obj_close(&j);
	lim_json_key(&j, "frames");
	lim_json_u64(&j, pc.frames);
	lim_json_key(&j, "calls");
	lim_json_arr_open(&j);
	for (unsigned i = 0; i < total; i++) {
		struct call *c = &calls[i];
		json_call(&j, c);
		free_call(c);
	}
	lim_json_arr_close(&j);
	lim_json_obj_close(&j);
	if (lim_json_end(&j) != LIM_OK || fclose(jf) != 0)
		gen_die("%s: write error", path);
	free(calls);
	free(heap);
	free(t0s);
	free(bgs);
	free(wav.pcm);
	gen_community_wipe(&com);
	gen_community_wipe(&foreign);
	if (xo.connect || xo.pcap) {
		xo.seed = o.seed;
		gen_x2x3_run(o.out, &xo);
	}
	return 0;
}
