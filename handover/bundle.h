/* handover/bundle.h: the evidence bundle of DESIGN.md s7, writer and verifier.
 *
 * A bundle is one directory:
 *   manifest.json  {"format":"limf-evidence-1","tool":{"name":"limf","version":V},
 *                   "created":"YYYY-MM-DDThh:mm:ssZ","inputs":[{"name","size","sha256"}...],
 *                   <the caller's extra members>,"outputs":[{"path","size","sha256"}...]}
 *                  outputs sorted by path (byte order), every file the bundle wrote; sizes are
 *                  JSON integers, SHA-256 lower-case hex. IRI/PDU/pcap outputs, written strictly
 *                  in order, are hashed as their octets are written (each write(2) complete);
 *                  WAVs, whose header is patched when they are closed, by reading them back
 *                  right after that (ho_wav_close, or ho_bundle_close for those still open).
 *   manifest.sig   raw 64-octet Ed25519 signature (RFC 8032, pure) over manifest.json's bytes
 *   manifest.pub   the signer's public key: PEM SubjectPublicKeyInfo exactly as OpenSSL's
 *                  PEM_write_bio_PUBKEY writes it (the verifier insists on that encoding)
 *   <relpath>...   the outputs: IRI JSON lines, PS-PDU streams, cc.pcap, audio WAVs.
 * One extra member has a meaning here: "incomplete", a string, is the producer's statement
 * that the bundle is not the whole evidence and why; the verifier reports it (ho_verify_info).
 *
 * Writer: ho_bundle_open, then any number of ho_bundle_input / ho_bundle_file / ho_bundle_ccw
 * / ho_bundle_wav and their writes, then ho_bundle_close (finish and sign) or ho_bundle_abort.
 * The bundle owns every handle it returns: they stay valid (memory) until the bundle is freed
 * by close/abort; ho_*_close ends one file early (frees its descriptor; later writes to it are
 * LIM_E_STATE). Each open output holds one file descriptor. An I/O error while writing any
 * output is sticky for the whole bundle (STYLE.md rule 7): later calls and ho_bundle_close
 * return it and no manifest is signed. Threads: the bundle itself (ho_bundle_* calls, opening
 * and closing outputs) is for one thread at a time; once open, DIFFERENT outputs may be
 * written (ho_bfile_write / ho_ccw_write / ho_wav_write) by different threads at the same time
 * (the sticky error is atomic), each output by one thread at a time.
 *
 * Buffering: the writers keep data in memory and write it in large pieces, so LIM_OK from a
 * write means accepted, not yet on disk. ho_bfile / ho_ccw outputs buffer 64 KiB each; a WAV
 * keeps about 4 s of samples around its write position (a packet that falls before that window
 * is written at once). An I/O error is found when the data is written out: by the write call
 * that fills the buffer or moves the WAV window (it returns the error, though the failing
 * octets may be those of earlier calls), else by ho_bfile_close / ho_ccw_close / ho_wav_close
 * or ho_bundle_close; from then on it is the bundle's sticky error as above. Every close (and
 * ho_bundle_close before it hashes the outputs) writes out what is buffered; ho_bundle_abort
 * does so too, best effort, so the files are those the unbuffered writer would have left.
 * Memory: 64 KiB per open output (a WAV's window is 64 KiB too), freed when it is closed.
 *
 * Files are created with openat(O_CREAT|O_EXCL|O_NOFOLLOW) under a descriptor of DIR, mode
 * 0640; directories 0750. Nothing follows a symbolic link inside the bundle.
 */
#ifndef HO_BUNDLE_H
#define HO_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/* HO_BUNDLE_EXTRA_MAX leaves room for ~75,000 calls of limf/out.h's manifest "calls" (~900
 * octets each), more than HO_BUNDLE_MAX_FILES outputs allow with two WAVs a call (16 MiB were
 * ~19,000 calls: a larger case lost its whole manifest at the very end). A manifest of that
 * extra_json and HO_BUNDLE_MAX_FILES outputs and HO_BUNDLE_MAX_IN inputs of the longest names
 * (~24 MiB each) fits HO_BUNDLE_MANIFEST_MAX. */
#define HO_BUNDLE_FORMAT         "limf-evidence-1"
#define HO_BUNDLE_PATH_MAX       255u   /* longest relpath, octets */
#define HO_BUNDLE_MAX_FILES      65536u /* outputs per bundle (and manifest entries verified) */
#define HO_BUNDLE_MAX_IN         65536u /* inputs per bundle */
#define HO_BUNDLE_EXTRA_MAX      (64u << 20)  /* extra_json octets (below) */
#define HO_BUNDLE_MANIFEST_MAX   (128u << 20) /* manifest.json octets the verifier reads */
#define HO_BUNDLE_INCOMPLETE_MAX 511u         /* "incomplete" octets ho_verify_info keeps */
#define HO_WAV_RATE              8000u
#define HO_WAV_MAX_SAMPLES       (4u * 3600u * HO_WAV_RATE) /* 4 h of audio per WAV */
#define HO_WAV_JUMP_FWD          (60u * HO_WAV_RATE)        /* samples (tests: a gap of a minute) */
/* samples: a timestamp this far from its capture time's place starts a segment */
#define HO_WAV_JUMP_BACK (2u * HO_WAV_RATE)

struct ho_bundle;
struct ho_bfile;
struct ho_ccw;
struct ho_wav;

/* Creates DIR (mode 0750) or uses an existing EMPTY directory. LIM_E_STATE when DIR is not
 * empty, is a symbolic link or is not a directory; LIM_E_IO when it cannot be created or
 * opened; LIM_E_NOMEM. *out is the new bundle (NULL on error). dir is copied. */
enum lim_err ho_bundle_open(const char *dir, struct ho_bundle **out) LIM_WUR;

/* Records an input file for the manifest: name = the last path component of path as given,
 * size and SHA-256 (the file is streamed, never mapped). LIM_E_IO (unreadable), LIM_E_LIMIT
 * (more than HO_BUNDLE_MAX_IN inputs), LIM_E_ARG (empty name), LIM_E_NOMEM. Does not set the
 * bundle's sticky error. */
enum lim_err ho_bundle_input(struct ho_bundle *b, const char *path) LIM_WUR;
/* ho_bundle_input without the I/O: records size and sha (the digest of the octets the caller
 * read, e.g. with ho_digest as its reader consumed them) for path, with ho_bundle_input's name
 * rule and errors. A replay hashes what it reads this way, so that the manifest describes the
 * octets replayed even when the file changes under it (ho_bundle_input reads the path again). */
enum lim_err ho_bundle_input_digest(struct ho_bundle *b, const char *path, uint64_t size,
				    const uint8_t sha[32]) LIM_WUR;

/* Size and SHA-256 of a stream of octets fed in pieces (an input as its reader consumes it).
 * ho_digest_update cannot fail: a digest failure is sticky and shows at ho_digest_final
 * (LIM_E_CRYPTO). Final writes *size and sha once; later updates or finals: LIM_E_STATE.
 * ho_digest_free(NULL) is a no-op. */
struct ho_digest;
enum lim_err ho_digest_new(struct ho_digest **out) LIM_WUR;
void ho_digest_update(struct ho_digest *d, const void *p, size_t n);
enum lim_err ho_digest_final(struct ho_digest *d, uint64_t *size, uint8_t sha[32]) LIM_WUR;
void ho_digest_free(struct ho_digest *d);

/* Opens a new output file at relpath inside the bundle ("L1/iri.jsonl", "L1/hi2.pdu"), creating
 * its parent directories. relpath: 1..HO_BUNDLE_PATH_MAX octets of printable ASCII other than
 * '\\', components separated by single '/', none empty, "." or "..", not absolute, not one of
 * manifest.json / manifest.sig / manifest.pub at the top, nor in them: else LIM_E_ARG. An
 * existing file or a path through an existing non-directory: LIM_E_STATE. LIM_E_LIMIT beyond
 * HO_BUNDLE_MAX_FILES. *out is owned by the bundle. */
enum lim_err ho_bundle_file(struct ho_bundle *b, const char *relpath,
			    struct ho_bfile **out) LIM_WUR;
/* Appends p[0..n) (borrowed; buffered, see Buffering above). LIM_E_IO (sticky for the bundle;
 * possibly for octets of an earlier call), LIM_E_STATE after a close. */
enum lim_err ho_bfile_write(struct ho_bfile *f, const void *p, size_t n) LIM_WUR;
/* Finishes the file now (writes out its buffer, starts its write-back to disk, close; the
 * fsync waits for ho_bundle_close, which syncs every output before it signs: the same for
 * ho_ccw_close and ho_wav_close); optional, ho_bundle_close does
 * it for open ones. LIM_E_IO here may be that of data an earlier write accepted. */
enum lim_err ho_bfile_close(struct ho_bfile *f) LIM_WUR;

/* cc.pcap writer: a pcap file (magic 0xa1b23c4d = nanosecond timestamps, written little-endian,
 * version 2.4, snaplen 262144, LINKTYPE_RAW 101) of decrypted media. Each record is an IPv4 or
 * IPv6 packet with a UDP header rebuilt around the clear RTP packet: the original addresses,
 * ports and timestamp; IPv4: IHL 5, TTL 64, DF, identification 0 (RFC 6864 atomic datagram);
 * IPv6: no extension headers, hop limit 64, flow label 0; correct lengths, IPv4 header checksum
 * and UDP checksum over the pseudo-header (RFC 768 / RFC 8200 s8.1, 0 sent as 0xffff). */
struct ho_cc_pkt {
	uint64_t ts_ns;           /* capture time, ns since the Unix epoch (< 2^32 s) */
	uint8_t family;           /* 4 or 6 */
	uint8_t src[16], dst[16]; /* network order; the first 4 octets for IPv4 */
	uint16_t sport, dport;
	const uint8_t *data; /* the clear RTP packet (borrowed) */
	size_t len;
};
#define HO_CC_MAX_LEN4 (65535u - 20u - 8u) /* largest data in an IPv4 record */
#define HO_CC_MAX_LEN6 (65535u - 8u)       /* largest data in an IPv6 record */
/* Opens relpath (rules of ho_bundle_file) and writes the pcap file header. */
enum lim_err ho_bundle_ccw(struct ho_bundle *b, const char *relpath, struct ho_ccw **out) LIM_WUR;
/* Appends one record. LIM_E_ARG: family not 4/6, data NULL with len > 0, len above
 * HO_CC_MAX_LEN4/6, timestamp beyond 2106 (nothing written, not sticky); LIM_E_IO sticky. */
enum lim_err ho_ccw_write(struct ho_ccw *w, const struct ho_cc_pkt *p) LIM_WUR;
enum lim_err ho_ccw_close(struct ho_ccw *w) LIM_WUR;

/* WAV writer for one G.711 stream: RIFF/WAVE, PCM 16-bit little-endian, 8000 Hz, mono, the
 * 44-octet canonical header whose RIFF and data sizes are patched when the file is closed.
 * pt 0 = PCMU (mu-law), 8 = PCMA (A-law), decoded as ITU-T G.711 tables 1a/2a (the
 * segment/quantisation decoder values: mu-law 0x00 -> -32124, 0xff -> 0; A-law 0xd5 -> 8,
 * 0x55 -> -8); any other pt is LIM_E_UNSUPP.
 * Placement by RTP timestamp (one sample per payload octet, RFC 3551 s4.5.14): the first
 * packet's timestamp is sample 0 of segment 1; a packet lands at (timestamp - segment's first
 * timestamp), modulo 2^32 as a signed distance, so gaps (lost packets) read as silence (zeros)
 * and late (reordered) packets are written at their place. A packet whose timestamp disagrees
 * with its capture time (ts_ns less the first packet's, at 8000 samples a second) by more than
 * HO_WAV_JUMP_BACK samples, measured from its segment's first packet, starts a new segment
 * (timestamp reset or jump, a B2BUA's new base, one packet's timestamp off): its timestamp
 * becomes that segment's origin, placed where its capture time says, or at the end of the
 * file when that is later (a capture clock that stepped back). So a pause the timestamps do
 * not tell (a hold whose packets' timestamps jumped) reads as silence as long as it was, and
 * the audio after it keeps its time; one packet's stray timestamp moves nothing after it, and
 * timestamps that run ahead of the capture (sent so) cannot stretch the audio towards
 * HO_WAV_MAX_SAMPLES (before, the test was against the furthest sample written: one packet
 * stamped 50 s ahead put all later audio 50 s late). A packet
 * that would start before its segment's first sample (within HO_WAV_JUMP_BACK) is dropped and
 * counted (ho_wav_stats). Audio longer than HO_WAV_MAX_SAMPLES: LIM_E_LIMIT for that packet,
 * nothing written, not sticky (the file stays valid up to the cap). */
enum lim_err ho_bundle_wav(struct ho_bundle *b, const char *relpath, uint8_t pt,
			   struct ho_wav **out) LIM_WUR;
/* payload[0..len) (borrowed) is the RTP payload (no header, no padding); ts_ns the packet's
 * capture time. */
enum lim_err ho_wav_write(struct ho_wav *w, uint32_t rtp_ts, uint64_t ts_ns, const uint8_t *payload,
			  size_t len) LIM_WUR;
struct ho_wav_stats {
	uint64_t packets;  /* written */
	uint64_t dropped;  /* before their segment's start, or beyond the cap */
	uint32_t segments; /* 1 after the first packet */
	uint64_t samples;  /* length of the audio, samples */
};
void ho_wav_stats(const struct ho_wav *w, struct ho_wav_stats *st);
/* Writes out the samples in memory, patches the header and finishes the file now; optional
 * (ho_bundle_close does it). Closing ends the file's memory as well as its descriptor. */
enum lim_err ho_wav_close(struct ho_wav *w) LIM_WUR;

/* Finishes the bundle: closes every open output, then writes manifest.json (format above),
 * manifest.sig and manifest.pub, signing with the Ed25519 private key in the PEM file sign_key
 * (OpenSSL EVP_PKEY_ED25519; EVP_DigestSign with a NULL digest). tool_version: a string (copied
 * into "tool":{"name":"limf","version":...}). extra_json: NULL/"" or JSON object MEMBERS
 * ("\"warrants\":[...],\"calls\":[...]"), checked to be well-formed RFC 8259 JSON (valid UTF-8,
 * nesting <= 32) with unique keys that are none of format, tool, created, inputs, outputs;
 * copied verbatim. Errors: the bundle's sticky error; LIM_E_PARSE (extra_json malformed),
 * LIM_E_ARG (sign_key unreadable, not an Ed25519 private key), LIM_E_IO, LIM_E_CRYPTO,
 * LIM_E_NOMEM. The key and the manifest are checked before any manifest file is written.
 * Frees b in every case (b may be NULL: LIM_E_ARG). */
enum lim_err ho_bundle_close(struct ho_bundle *b, const char *tool_version, const char *extra_json,
			     const char *sign_key) LIM_WUR;
/* The signing key loaded ahead of the work whose bundle it will sign, so that an unusable key
 * (unreadable, encrypted PEM, not Ed25519, cannot sign) stops a run before it fetches keys and
 * writes decrypted content, not at ho_bundle_close. ho_sign_key_load reads the Ed25519 private
 * key in the PEM file path (never prompts for a passphrase) and makes one test signature:
 * LIM_E_ARG (unreadable or not an unencrypted Ed25519 PEM key), LIM_E_CRYPTO (cannot sign),
 * LIM_E_NOMEM; *out is NULL on failure, and why (may be NULL) says what is wrong with the file,
 * naming it (unreadable, encrypted, no key, a key of another type, ...). ho_sign_key_free frees
 * it (OpenSSL cleanses the private key; NULL: no-op). ho_bundle_close_key is ho_bundle_close
 * with that key (borrowed) instead of a path: the same errors, LIM_E_ARG for a NULL key; frees
 * b in every case. */
struct ho_sign_key;
enum lim_err ho_sign_key_load(const char *path, struct ho_sign_key **out, char *why,
			      size_t whycap) LIM_WUR;
void ho_sign_key_free(struct ho_sign_key *k);
/* The SHA-256 fingerprint of k's public key, as ho_verify_info.fpr (what limf verify prints):
 * LIM_OK, LIM_E_CRYPTO. */
enum lim_err ho_sign_key_fpr(const struct ho_sign_key *k, uint8_t fpr[32]) LIM_WUR;
enum lim_err ho_bundle_close_key(struct ho_bundle *b, const char *tool_version,
				 const char *extra_json, const struct ho_sign_key *key) LIM_WUR;
/* Frees b without finishing (error paths): closes descriptors, leaves what was written. */
void ho_bundle_abort(struct ho_bundle *b);

/* What a successful verification saw. */
struct ho_verify_info {
	size_t files;    /* outputs listed and checked */
	uint8_t fpr[32]; /* SHA-256 of the signer's public key, DER SubjectPublicKeyInfo (as
			    `openssl pkey -pubin -outform DER | sha256sum`) */
	/* the manifest's top-level "incomplete" string, when it has one: the producer's
	 * statement that the bundle is not the whole evidence, and why (cut to fit; "" none) */
	char incomplete[HO_BUNDLE_INCOMPLETE_MAX + 1];
};

/* Verifies DIR: manifest.sig (64 octets) over manifest.json with manifest.pub (canonical PEM of
 * an Ed25519 key) or, when pinned_pub (a PEM public key file) is non-NULL, with that key, and
 * then manifest.pub must hold the same key; the format; every output's size and SHA-256, in
 * manifest order; no listed file missing or not a regular file; no file (any non-directory) in
 * DIR that is not listed, other than the three manifest files, and no directory that holds no
 * listed file; no key twice in any object of the manifest, nor one of more than 256 octets
 * (decoded: the writer refuses such extra_json keys too). Returns LIM_OK, or LIM_E_AUTH for
 * every failure (also I/O) with the FIRST difference in why[0..whycap) (may be NULL/0):
 * "cc.pcap: SHA-256 differs", "L1/audio/x.wav: missing", "extra file: foo" (a directory:
 * "extra file: foo/"),
 * "manifest.sig: signature does not verify", "manifest.pub: not the pinned key", ...
 * info (may be NULL) is filled on LIM_OK. */
enum lim_err ho_bundle_verify_ex(const char *dir, const char *pinned_pub, char *why, size_t whycap,
				 struct ho_verify_info *info) LIM_WUR;
/* The verifier's reading of a manifest's octets (what ho_bundle_verify_ex does with
 * manifest.json once its signature verified, reading no file): the format, the outputs
 * (relative paths it accepts, sorted and unique, sizes, SHA-256) and "incomplete". LIM_OK with
 * *n_outputs and incomplete (as ho_verify_info's, NUL-terminated), or LIM_E_PARSE with the
 * reason in why[0..whycap) (may be NULL/0). Without --key, anyone can sign a manifest: this is
 * the parser that sees it (tests/fuzz/fuzz_manifest.c). */
enum lim_err ho_manifest_parse(const uint8_t *s, size_t n, size_t *n_outputs,
			       char incomplete[HO_BUNDLE_INCOMPLETE_MAX + 1], char *why,
			       size_t whycap) LIM_WUR;
/* ho_bundle_verify_ex without info. */
enum lim_err ho_bundle_verify(const char *dir, const char *pinned_pub, char *why,
			      size_t whycap) LIM_WUR;

#endif
