/* limf-gen internals (tests/gen, DESIGN.md s6): a deterministic random generator, a pcap
 * writer with Ethernet/802.1Q/IPv4/IPv6/UDP/TCP framing and IP fragmentation, audio sources
 * with G.711 encoders, and the MIKEY-SAKKE I_MESSAGE builder keyed like the test KMS.
 * Test code: errors are reported with a message and end the program (gen_die). */
#ifndef LIM_TESTS_GEN_H
#define LIM_TESTS_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "decrypt/eccsi.h"
#include "decrypt/mikey.h"
#include "decrypt/sakke.h"
#include "tests/kms/kms_glue.h"
#include "warrants/kms.h"

/* Prints "limf-gen: msg" and exits 1. */
void gen_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* ---- deterministic random numbers (xoshiro256**, seeded by splitmix64) ------------------ */
/* Not cryptographic: the generator's secrets (SSV, RAND, ECCSI j, foreign KMS keys) only
 * need to be reproducible. Independent streams per (seed, stream) so that one call's choices
 * never shift another's. */
struct gen_rng {
	uint64_t s[4];
};
void gen_rng_init(struct gen_rng *r, uint64_t seed, uint64_t stream);
uint64_t gen_rng_u64(struct gen_rng *r);
uint32_t gen_rng_below(struct gen_rng *r, uint32_t n); /* uniform in [0, n), n > 0 */
void gen_rng_bytes(struct gen_rng *r, uint8_t *out, size_t n);

/* ---- packets and the pcap file ---------------------------------------------------------- */
struct gen_addr {
	bool v6;
	uint8_t a[16]; /* IPv4 in a[0..4) */
};

#define GEN_FRAME_MAX 65600

struct gen_pcap {
	FILE *f;          /* owned */
	uint16_t vlan;    /* 0 = untagged, else the 802.1Q VLAN ID */
	uint32_t ip_id;   /* next IPv4 identification / IPv6 fragment id */
	uint64_t frames;  /* records written */
	uint64_t last_us; /* timestamp of the last record (records must not go back) */
	uint8_t buf[GEN_FRAME_MAX + 64];
};

/* Opens path and writes the pcap global header (LINKTYPE_ETHERNET, microseconds). */
void gen_pcap_open(struct gen_pcap *p, const char *path, uint16_t vlan);
void gen_pcap_close(struct gen_pcap *p);

/* One UDP datagram from src:sport to dst:dport at t_us (microseconds since 1970). frag > 0
 * sends it as IP fragments of at most frag octets of IP payload (a multiple of 8). */
void gen_udp(struct gen_pcap *p, uint64_t t_us, const struct gen_addr *src, uint16_t sport,
	     const struct gen_addr *dst, uint16_t dport, const uint8_t *data, size_t len,
	     size_t frag);

#define GEN_TCP_FIN 0x01
#define GEN_TCP_SYN 0x02
#define GEN_TCP_PSH 0x08
#define GEN_TCP_ACK 0x10

/* One TCP segment (no options). */
void gen_tcp(struct gen_pcap *p, uint64_t t_us, const struct gen_addr *src, uint16_t sport,
	     const struct gen_addr *dst, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
	     const uint8_t *data, size_t len);

/* "192.0.2.1" / "2001:db8::1" text of a. out needs 64 octets. */
void gen_addr_str(const struct gen_addr *a, char out[64]);

/* ---- text of SIP messages ---------------------------------------------------------------- */
#define GEN_SB_MAX 16384
struct gen_sb {
	char b[GEN_SB_MAX];
	size_t n;
};
/* Appends printf output; a message longer than GEN_SB_MAX ends the program (gen_die). */
void gen_sb_add(struct gen_sb *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* us (microseconds since 1970) as YYYY-MM-DDTHH:MM:SS.ffffffZ. */
void gen_iso_us(uint64_t us, char out[64]);

/* base64 of b[0..n) in a malloc'd NUL-terminated string (the caller frees it). */
char *gen_b64(const uint8_t *b, size_t n);
/* Writes DIR/NAME: the hex of b[0..n) and a newline (--dump-keys: test key files, asked for).
 * The hex text is wiped after writing. */
void gen_write_hex(const char *dir, const char *name, const uint8_t *b, size_t n);

/* ---- audio -------------------------------------------------------------------------------- */
enum gen_audio_kind { GEN_AUDIO_TONE, GEN_AUDIO_SWEEP, GEN_AUDIO_WAV };

struct gen_wav {
	int16_t *pcm; /* owned; 8 kHz mono */
	size_t n;
};

/* Loads a RIFF/WAVE PCM16 8000 Hz mono file; anything else ends the program with a clear
 * message. */
void gen_wav_load(const char *path, struct gen_wav *w);

struct gen_audio {
	enum gen_audio_kind kind;
	unsigned freq;           /* tone: Hz (1..3999) */
	uint64_t pos;            /* samples produced */
	const struct gen_wav *w; /* borrowed (WAV) */
};

void gen_audio_init(struct gen_audio *a, enum gen_audio_kind k, unsigned freq, uint64_t offset,
		    const struct gen_wav *w);
/* The next 160 samples (20 ms at 8 kHz) G.711-encoded: pt 0 = PCMU (mu-law), 8 = PCMA. */
void gen_audio_g711(struct gen_audio *a, uint8_t pt, uint8_t out[160]);
uint8_t gen_ulaw(int16_t s);
uint8_t gen_alaw(int16_t s);

/* ---- community, keys and the I_MESSAGE ---------------------------------------------------- */
/* A community (tests/kms/kms_glue.h): kms_uri, scheme, period, offset, Z, KPAK; z, KSAK. */
#define gen_community kg_community

/* Reads the community file written by `limf-kms init` (see tests/kms/limf_kms.c). */
void gen_community_load(const char *path, struct gen_community *c);
/* A fresh community with base's KMS URI, scheme and key period, and z, KSAK drawn from r. */
void gen_community_foreign(const struct gen_community *base, struct gen_rng *r,
			   struct gen_community *out);
void gen_community_wipe(struct gen_community *c);

enum gen_profile { GEN_PROFILE_RFC6509, GEN_PROFILE_MCX, GEN_PROFILE_GROUP };

/* What an I_MESSAGE needs. */
struct gen_imsg_in {
	enum gen_profile profile;
	const struct gen_community *com; /* whose keys sign and encrypt */
	const struct gen_community *kms; /* the KMS whose callee RSK want_rsk issues */
	const char *caller, *callee;     /* URIs */
	uint64_t t_us;                   /* the T payload's time (wr time) */
	uint8_t ssv[SAKKE_SSV_LEN];      /* the TGK/PCK */
	uint8_t rand[16];
	uint32_t csb_id;     /* MCX: PCK-ID (purpose tag 1 in the top 4 bits) */
	uint32_t ssrc[2];    /* RFC 6509: the SRTP-ID map's SSRCs (caller's, callee's) */
	uint32_t roc[2];     /* and their ROCs */
	uint16_t rcc_rate;   /* MCX: ROC transmission rate R of RCCm3 (SP param 13, 2 octets) */
	bool no_rcc;         /* MCX: SP auth alg 0 and no R: plain AEAD_AES_128_GCM, the ROC
			      * never carried (with the empty map, no I_MESSAGE gives it either) */
	bool clear_ids;      /* MCX: the parties as clear URIs (IDRi/IDRr, roles 1/2) under SAKKE
			      * ID scheme 2, not as UIDs (roles 8/9): TS 33.180 without identity
			      * hiding; keys and signature still use the UIDs of T's key period */
	bool no_idri;        /* no initiator identifier (IDRi / IDRuidi): RFC 6509 s4.2 leaves
			      * the initiator to the signalling; still signed by the caller */
	bool empty_idrr;     /* the responder's identifier (IDRr / IDRuidr) empty: hostile or
			      * broken, still signed by the caller */
	bool forge_sig;      /* flip a bit of the signature after signing */
	struct gen_rng *rng; /* the ECCSI ephemeral j */
};

#define GEN_IMSG_MAX 2048

struct gen_imsg_out {
	uint8_t msg[GEN_IMSG_MAX];
	size_t len;
	uint8_t callee_id[WR_KMS_ID_MAX]; /* the callee's SAKKE identifier */
	size_t callee_idlen;
	uint8_t callee_rsk[SAKKE_POINT_LEN]; /* want_rsk (--dump-keys): from in->kms */
	uint64_t callee_period_no;
};

/* Builds and signs the I_MESSAGE (see limf_gen.c's header for the shapes per profile).
 * want_rsk: also issue the callee's RSK as in->kms would into out->callee_rsk (the test KMS's
 * answer, which does not open a --foreign-kms call). */
void gen_imsg_build(const struct gen_imsg_in *in, bool want_rsk, struct gen_imsg_out *out);

/* The ROC transmission rate R of policy 0 (SP param 13, RFC 4771 s5: 16 bits), 1 when absent
 * (what lim_srtp_set_rcc's callers use then). */
unsigned gen_sp_roc_rate(const struct mikey_msg *m);

/* ---- the receive side for tests (gen_check.c) --------------------------------------------- */
/* `limf-gen decrypt ...` (argv[0] = "decrypt"): see gen_check.c. Returns the exit status. */
int gen_decrypt_main(int argc, char **argv);

/* ---- the group profile (gen_group.c, issue 9) ------------------------------------------- */
/* What `limf-gen --profile group` needs from the command line (limf_gen.c parses it). */
struct gen_group_opts {
	const char *community, *out, *dump_keys;
	uint64_t seed, start_us;
	double duration, turn, loss, reorder; /* seconds; percent */
	unsigned members, talkers;
	bool rollover, stranger, target_not_member, ipv6;
	uint16_t vlan;
	uint32_t gmk_id;       /* --gmk-id: the first GMK's GMK-ID (0: from the seed) */
	unsigned gmks;         /* --gmks N (3..20; 0: one, or two with rollover) */
	bool empty_idrr;       /* --empty-idrr: the GMK I_MESSAGEs name no member (an empty IDR) */
	const char *doc_group; /* --doc-group URI: the NOTIFYs' group documents name it instead
				* of the group (unsigned; the GMK's key parameters still name it) */
};

/* Writes the group-call pcap, its truth and .raw files (see the top of gen_group.c).
 * Returns the exit status. */
int gen_group_main(const struct gen_group_opts *go);

/* `limf-gen decrypt-group ...` (argv[0] = "decrypt-group"): see gen_check.c. */
int gen_decrypt_group_main(int argc, char **argv);

#endif
