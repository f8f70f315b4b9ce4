/* limf/ input helpers: whole-file reads with a cap, and the key-argument convention of the CLI
 * (`HEX` inline or `@FILE` holding hex; key files are read into a fixed buffer that is wiped). */
#ifndef LIMF_INPUT_H
#define LIMF_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "handover/bundle.h"

#define LIMF_MAX_INPUT (1u << 20) /* cap on any file the CLI reads whole */

/* Reads path ("-" = stdin) whole into a malloc'd buffer (NUL-terminated, *len excludes it).
 * LIM_E_LIMIT over cap, LIM_E_IO on errors. Caller frees with free() (or limf_free_secret). */
enum lim_err limf_read_all(const char *path, size_t cap, uint8_t **buf, size_t *len) LIM_WUR;

/* Decodes a key argument: "HEX" or "@FILE" whose content is hex (whitespace ignored) into
 * out[0..cap). *outlen receives the length. secret != 0 warns when given inline (visible to
 * other users in the process list) and wipes every temporary. */
enum lim_err limf_key_arg(const char *arg, int secret, uint8_t *out, size_t cap,
			  size_t *outlen) LIM_WUR;

/* The evidence signing key at path, loaded and made to sign (ho_sign_key_load), for a command
 * that will sign a bundle with it: 0, or 1 with the reason on stderr (out of memory, or what is
 * wrong with the file and what it must be). */
int limf_sign_key(const char *path, struct ho_sign_key **out);

/* Decodes a MIKEY message given as binary, base64, or "mikey <base64>" (RFC 4567 key-mgmt
 * value), surrounding whitespace allowed. out is malloc'd; caller frees. */
enum lim_err limf_decode_imsg(const uint8_t *in, size_t inlen, uint8_t **out,
			      size_t *outlen) LIM_WUR;

/* Start-up work of `limf replay` that its packets do not wait for, on a thread of its own
 * (limf/ owns threads) while the caller opens the database, the KMS link and the capture: the
 * SRTP library's one-time initialisation (lim_srtp_init, whose self-tests are otherwise paid at
 * the first session). (The inputs are no longer hashed here, by path: replay hashes the octets
 * its reader consumes, so that the manifest describes what was replayed.) When no thread can be
 * started the work is done here, before returning. LIM_E_NOMEM. */
struct limf_prep;
enum lim_err limf_prep_start(struct limf_prep **out) LIM_WUR;
/* Waits for the thread and frees p; NULL: no-op. */
void limf_prep_free(struct limf_prep *p);

/* A SHA-256 and size (handover/bundle.h ho_digest) of the octets one thread hands over (replay's
 * reader, through its capture tap), computed on a thread of its own (limf-hash) so that the
 * reader does not wait for the hashing: the octets are copied into a ring of 4 MiB (the
 * writer waits when it is full). When no thread can be started, update hashes on the caller's
 * thread. One writer thread. new: LIM_E_NOMEM. final waits until every octet written is
 * hashed, then is ho_digest_final (once). free(NULL) is a no-op; free also stops the thread. */
struct limf_bg_digest;
enum lim_err limf_bg_digest_new(struct limf_bg_digest **out) LIM_WUR;
void limf_bg_digest_update(struct limf_bg_digest *g, const uint8_t *p, size_t n);
enum lim_err limf_bg_digest_final(struct limf_bg_digest *g, uint64_t *size,
				  uint8_t sha[32]) LIM_WUR;
void limf_bg_digest_free(struct limf_bg_digest *g);

#endif
