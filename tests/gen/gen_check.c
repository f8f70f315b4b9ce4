/* limf-gen decrypt: the receive side for the generator's tests, built only from what an
 * interceptor has (the I_MESSAGEs, the responder's RSK and the KMS public key Z), never from
 * the generator's own secrets:
 *   limf-gen decrypt --z HEX|@FILE --rsk HEX|@FILE --dir caller|callee
 *                    [--period S --offset S] IMSG_B64...
 * For each I_MESSAGE: mikey_sakke_unwrap (identifiers from the message; with --period, the
 * TS 33.180 UID of the message's clear URIs under the message's KMS URI), mikey_srtp_keys, and a
 * libsrtp2 receive session for the direction's crypto session (caller: the first, callee: the
 * second), with RCC as the SP payload announces. Then reads stdin as records
 * [u16 big-endian length][SRTP or SRTCP packet] and writes to stdout [u8 status][u16 length]
 * [RTP or RTCP packet] per record (SRTCP when the second octet is an RTCP type, 200..204): status 0
 * = decrypted by one of the sessions (tried newest first), 1 = no session accepted it (length 0).
 * Exit 0, or 1 when an I_MESSAGE does not unwrap. */
#include <stdlib.h>
#include <string.h>

#include "common/codec.h"
#include "common/wipe.h"
#include "decrypt/srtp.h"
#include "decrypt/unwrap.h"
#include "tests/gen/gen.h"

#define MAX_MSGS 8

static void hex_arg(const char *v, uint8_t *out, size_t want)
{
	char buf[2048];
	size_t n = 0, got = 0;
	if (v[0] == '@') {
		FILE *f = fopen(v + 1, "r");
		if (!f)
			gen_die("%s: cannot open", v + 1);
		n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
	} else {
		n = strlen(v);
		if (n >= sizeof buf)
			gen_die("hex argument too long");
		memcpy(buf, v, n);
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
		n--;
	if (lim_hex_decode(buf, n, out, want, &got) != LIM_OK || got != want)
		gen_die("expected %zu octets of hex", want);
}

static int rd_exact(uint8_t *b, size_t n)
{
	return fread(b, 1, n, stdin) == n ? 0 : -1;
}

/* see gen.h */
int gen_decrypt_main(int argc, char **argv)
{
	uint8_t Z[SAKKE_POINT_LEN], rsk[SAKKE_POINT_LEN], ssv[SAKKE_SSV_LEN];
	struct lim_srtp *s[MAX_MSGS];
	size_t ns = 0;
	int dir = -1;
	bool have_z = false, have_rsk = false;
	struct mikey_ident_cfg cfg;
	memset(&cfg, 0, sizeof cfg);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--z") == 0 && v) {
			hex_arg(v, Z, sizeof Z), have_z = true, i++;
		} else if (strcmp(a, "--rsk") == 0 && v) {
			hex_arg(v, rsk, sizeof rsk), have_rsk = true, i++;
		} else if (strcmp(a, "--dir") == 0 && v) {
			dir = strcmp(v, "caller") == 0 ? 0 : strcmp(v, "callee") == 0 ? 1 : -1, i++;
		} else if (strcmp(a, "--period") == 0 && v) {
			cfg.has_period = true, cfg.period = strtoull(v, NULL, 10), i++;
		} else if (strcmp(a, "--offset") == 0 && v) {
			cfg.offset = strtoull(v, NULL, 10), i++;
		} else if (a[0] == '-') {
			gen_die("decrypt: unknown option %s", a);
		} else {
			uint8_t msg[GEN_IMSG_MAX];
			size_t len = 0, nk = 0;
			struct mikey_msg m;
			struct mikey_srtp_key k[MIKEY_MAX_KEYS];
			enum lim_err e;
			const struct mikey_srtp_key *kk;
			if (!have_z || !have_rsk || dir < 0)
				gen_die("decrypt: --z, --rsk and --dir come before the I_MESSAGEs");
			if (ns == MAX_MSGS)
				gen_die("decrypt: at most %d I_MESSAGEs", MAX_MSGS);
			if (lim_b64_decode(a, strlen(a), msg, sizeof msg, &len) != LIM_OK ||
			    mikey_parse(msg, len, &m) != LIM_OK)
				gen_die("decrypt: not a MIKEY message");
			if (cfg.has_period) {
				/* the UID of the clear URI the message carries (TS 33.180 F.2.1) */
				const struct mikey_idr *r = mikey_responder(&m);
				if (!r)
					gen_die("decrypt: the I_MESSAGE names no responder");
				cfg.uri = (const char *)r->data;
				cfg.urilen = mikey_id_textlen(r);
			}
			e = mikey_sakke_unwrap(&m, Z, rsk, &cfg, ssv, NULL);
			if (e != LIM_OK) {
				fprintf(stderr,
					"limf-gen: decrypt: the I_MESSAGE does not unwrap: %s\n",
					lim_strerror(e));
				return 1;
			}
			e = mikey_srtp_keys(&m, ssv, sizeof ssv, mikey_srtp_def_of(&m), k, &nk);
			LIM_WIPE(ssv);
			if (e != LIM_OK || nk < 2)
				gen_die("decrypt: no SRTP keys: %s", lim_strerror(e));
			kk = &k[dir];
			e = lim_srtp_new(kk->enc_alg == MIKEY_SRTP_AES_GCM
						 ? LIM_SRTP_AEAD_AES_128_GCM
						 : LIM_SRTP_AES128_CM_SHA1_80,
					 kk->key, kk->key_len, kk->salt, kk->salt_len, kk->mki,
					 kk->mki_len, &s[ns]);
			if (e == LIM_OK && kk->auth_alg >= 2 && kk->auth_alg <= 4)
				e = lim_srtp_set_rcc(s[ns], (unsigned)kk->auth_alg - 1,
						     gen_sp_roc_rate(&m));
			if (e == LIM_OK && kk->has_ssrc)
				e = lim_srtp_set_roc(s[ns], kk->ssrc, kk->roc);
			mikey_srtp_keys_wipe(k, MIKEY_MAX_KEYS);
			if (e != LIM_OK)
				gen_die("decrypt: SRTP session: %s", lim_strerror(e));
			ns++;
		}
	}
	if (ns == 0)
		gen_die("usage: limf-gen decrypt --z Z --rsk RSK --dir caller|callee "
			"[--period S --offset S] IMSG_B64...");
	LIM_WIPE(rsk);
	for (;;) {
		uint8_t h[2], pkt[2048], work[2048], st = 1, oh[3];
		size_t len, wl = 0;
		if (rd_exact(h, 2) != 0)
			break;
		len = (size_t)(h[0] << 8 | h[1]);
		if (len > sizeof pkt || rd_exact(pkt, len) != 0)
			gen_die("decrypt: truncated input");
		for (size_t i = ns; i-- > 0 && st;) {
			memcpy(work, pkt, len);
			wl = len;
			/* RTCP packet types 200..204 (RFC 3550 s12.1) are SRTCP */
			if (len >= 2 && work[1] >= 200 && work[1] <= 204
				    ? lim_srtp_unprotect_rtcp(s[i], work, &wl) == LIM_OK
				    : lim_srtp_unprotect(s[i], work, &wl) == LIM_OK)
				st = 0;
		}
		if (st)
			wl = 0;
		oh[0] = st, oh[1] = (uint8_t)(wl >> 8), oh[2] = (uint8_t)wl;
		if (fwrite(oh, 1, 3, stdout) != 3 || fwrite(work, 1, wl, stdout) != wl)
			gen_die("decrypt: write error");
	}
	for (size_t i = 0; i < ns; i++)
		lim_srtp_free(s[i]);
	return fflush(stdout) == 0 ? 0 : 1;
}

/* limf-gen decrypt-group (issue 9): the receive side of the group profile, again only from
 * what an interceptor has (gen_group.c):
 *   limf-gen decrypt-group --z HEX|@FILE --rsk HEX|@FILE --member URI --group ID
 *                          [--period S --offset S] [--add-member URI]... IMSG_B64...
 * Each I_MESSAGE (the GMK I_MESSAGEs found in the NOTIFY bodies) is unwrapped with the RSK of
 * --member (the warrant target); those not for it fail to unwrap and are skipped. Of each one
 * that unwraps: GMK = the SSV, GMK-ID from the GENERIC-ID SPI (GMK-ID || GUK-ID), checked
 * against GUK-ID XOR User Salt of --member (mikey_guk_id), GMK-RAND = RAND; it goes into a
 * decrypt/group.h table for --group with the SP's AEAD_AES_128_GCM and RCC, and stderr gets
 * "gmk GMK-ID GUK-ID" and, for an E.6 key-parameters extension, "kp GMK-ID GROUP-ID" (or "-" when
 * it does not open). --add-member: the member URIs seen in signalling (the group document).
 * Then stdin records [u16 len][SRTP] give stdout records [u8 status][u32 GMK-ID][u32 GUK-ID]
 * [u8 n][n octets: talker URI, empty when unknown][u16 len][RTP]: status 0 decrypted, 1 not
 * (no GMK or authentication failure), 2 replayed (a copy relayed on another leg).
 * Exit 0 (even when nothing unwraps: the caller checks), 1 on bad usage or a GMK-ID mismatch. */
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "decrypt/group.h"
#include "decrypt/uid.h"

#define MAX_ADD 64

/* The first MC Group ID of a TS 33.180 E.6 key-parameters extension (the layout gen_group.c's
 * key_params writes: MCData protected payload, DPCK from the GMK, AES-128-GCM), NUL-terminated
 * into out; false when it does not open or parse. */
static bool kp_group(const uint8_t *e, size_t n, const uint8_t *gmk, size_t gmklen, char *out,
		     size_t cap)
{
	uint8_t ad[32], key[16], mac[32], pt[512], dk[7] = { 0x53, 0, 0, 0, 0, 0x00, 0x04 };
	unsigned int ml = 0;
	size_t pl, ctl, off, tl, gl;
	int l = 0;
	bool ok = false;
	EVP_CIPHER_CTX *x = NULL;
	if (n < 35 + 16 || e[0] != 0x43 || e[11] != 1)
		return false;
	pl = (size_t)(e[33] << 8 | e[34]);
	if (35 + pl != n || pl < 16 || pl - 16 > sizeof pt)
		return false;
	ctl = pl - 16;
	memcpy(dk + 1, e + 28, 4);
	memcpy(ad, e, 12);
	memcpy(ad + 12, e + 12, 16);
	memcpy(ad + 28, e + 28, 4);
	if (!HMAC(EVP_sha256(), gmk, (int)gmklen, dk, sizeof dk, mac, &ml) || ml != 32)
		return false;
	memcpy(key, mac + 16, 16);
	x = EVP_CIPHER_CTX_new();
	if (!x || EVP_DecryptInit_ex(x, EVP_aes_128_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_IVLEN, 16, NULL) != 1 ||
	    EVP_DecryptInit_ex(x, NULL, NULL, key, e + 12) != 1 ||
	    EVP_DecryptUpdate(x, NULL, &l, ad, sizeof ad) != 1 ||
	    EVP_DecryptUpdate(x, pt, &l, e + 35, (int)ctl) != 1 ||
	    EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_TAG, 16, (void *)(uintptr_t)(e + 35 + ctl)) !=
		    1 ||
	    EVP_DecryptFinal_ex(x, pt + l, &l) != 1)
		goto out;
	/* key type, status, activation, expiry (15), text LV-E, MC Group IDs LV-E, count, IE */
	if (ctl < 17)
		goto out;
	tl = (size_t)(pt[15] << 8 | pt[16]);
	off = 17 + tl;
	if (off + 2 + 1 + 3 > ctl || pt[off + 2] < 1)
		goto out;
	gl = (size_t)(pt[off + 4] << 8 | pt[off + 5]);
	if (off + 6 + gl > ctl || gl + 1 > cap)
		goto out;
	memcpy(out, pt + off + 6, gl);
	out[gl] = 0;
	ok = true;
out:
	EVP_CIPHER_CTX_free(x);
	LIM_WIPE(key);
	LIM_WIPE(mac);
	LIM_WIPE(pt);
	return ok;
}

int gen_decrypt_group_main(int argc, char **argv)
{
	uint8_t Z[SAKKE_POINT_LEN], rsk[SAKKE_POINT_LEN], ssv[SAKKE_SSV_LEN];
	bool have_z = false, have_rsk = false;
	const char *member = NULL, *group = NULL, *add[MAX_ADD];
	size_t nadd = 0, ngmk = 0;
	struct mikey_ident_cfg cfg;
	struct mikey_group *tab = NULL;
	memset(&cfg, 0, sizeof cfg);
	if (mikey_group_new(&tab) != LIM_OK)
		gen_die("decrypt-group: out of memory");
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--z") == 0 && v) {
			hex_arg(v, Z, sizeof Z), have_z = true, i++;
		} else if (strcmp(a, "--rsk") == 0 && v) {
			hex_arg(v, rsk, sizeof rsk), have_rsk = true, i++;
		} else if (strcmp(a, "--member") == 0 && v) {
			member = v, i++;
		} else if (strcmp(a, "--group") == 0 && v) {
			group = v, i++;
		} else if (strcmp(a, "--add-member") == 0 && v) {
			if (nadd == MAX_ADD)
				gen_die("decrypt-group: at most %d --add-member", MAX_ADD);
			add[nadd++] = v, i++;
		} else if (strcmp(a, "--period") == 0 && v) {
			cfg.has_period = true, cfg.period = strtoull(v, NULL, 10), i++;
		} else if (strcmp(a, "--offset") == 0 && v) {
			cfg.offset = strtoull(v, NULL, 10), i++;
		} else if (a[0] == '-') {
			gen_die("decrypt-group: unknown option %s", a);
		} else {
			uint8_t msg[GEN_IMSG_MAX];
			size_t len = 0;
			struct mikey_msg m;
			struct mikey_group_key k;
			const struct mikey_cs *cs;
			uint32_t spi_gmk, salt_gmk;
			enum lim_err e;
			if (!have_z || !have_rsk || !member || !group)
				gen_die("decrypt-group: --z, --rsk, --member and --group come "
					"first");
			if (lim_b64_decode(a, strlen(a), msg, sizeof msg, &len) != LIM_OK ||
			    mikey_parse(msg, len, &m) != LIM_OK)
				gen_die("decrypt-group: not a MIKEY message");
			if (m.map_type != MIKEY_MAP_GENERIC_ID || m.n_map != 1 ||
			    m.cs[0].cs_id != MIKEY_CS_GMK || m.cs[0].spi_len != 8 || !m.has_rand)
				gen_die("decrypt-group: not a GMK I_MESSAGE (GENERIC-ID, CS ID 4, "
					"SPI)");
			cs = &m.cs[0];
			cfg.uri = member;
			cfg.urilen = strlen(member);
			e = mikey_sakke_unwrap(&m, Z, rsk, &cfg, ssv, NULL);
			if (e != LIM_OK)
				continue; /* to another member */
			spi_gmk = (uint32_t)cs->spi[0] << 24 | (uint32_t)cs->spi[1] << 16 |
				  (uint32_t)cs->spi[2] << 8 | cs->spi[3];
			if (mikey_guk_id(ssv, sizeof ssv, m.csb_id, member, strlen(member),
					 &salt_gmk) != LIM_OK ||
			    salt_gmk != spi_gmk)
				gen_die("decrypt-group: GMK-ID %08x of the SPI is not GUK-ID XOR "
					"the "
					"User Salt of %s (%08x)",
					spi_gmk, member, salt_gmk);
			memset(&k, 0, sizeof k);
			k.gmk_id = spi_gmk;
			k.gmk = ssv;
			k.gmk_len = sizeof ssv;
			k.rand = m.rand;
			k.rand_len = m.rand_len;
			k.prf = (enum mikey_prf)m.prf;
			k.profile = LIM_SRTP_AEAD_AES_128_GCM;
			k.rcc_mode = LIM_SRTP_RCCM3;
			k.rcc_rate = gen_sp_roc_rate(&m);
			k.group = group;
			for (size_t x = 0; x < m.n_ext; x++) {
				char gid[300];
				if (m.ext[x].type == 7)
					fprintf(stderr, "kp %08x %s\n", spi_gmk,
						kp_group(m.ext[x].data, m.ext[x].len, ssv,
							 sizeof ssv, gid, sizeof gid)
							? gid
							: "-");
			}
			e = mikey_group_add_gmk(tab, &k);
			LIM_WIPE(ssv);
			if (e != LIM_OK)
				gen_die("decrypt-group: mikey_group_add_gmk: %s", lim_strerror(e));
			fprintf(stderr, "gmk %08x %08x\n", spi_gmk, m.csb_id);
			ngmk++;
		}
	}
	LIM_WIPE(rsk);
	if (!member || !group)
		gen_die("usage: limf-gen decrypt-group --z Z --rsk RSK --member URI --group ID "
			"[--period S --offset S] [--add-member URI]... IMSG_B64...");
	for (size_t i = 0; i < nadd; i++)
		if (mikey_group_add_member(tab, group, add[i], strlen(add[i])) != LIM_OK)
			gen_die("decrypt-group: bad member %s", add[i]);
	fprintf(stderr, "gmks %zu\n", ngmk);
	for (;;) {
		uint8_t h[2], pkt[2048], oh[12];
		size_t len, ul = 0;
		struct mikey_group_talker who;
		enum lim_err e;
		if (rd_exact(h, 2) != 0)
			break;
		len = (size_t)(h[0] << 8 | h[1]);
		if (len > sizeof pkt || rd_exact(pkt, len) != 0)
			gen_die("decrypt-group: truncated input");
		e = mikey_group_unprotect(tab, pkt, &len, 0, &who);
		if (e != LIM_OK) {
			memset(&who, 0, sizeof who);
			len = 0;
		}
		if (e == LIM_OK && who.uri)
			ul = strlen(who.uri) > 255 ? 255 : strlen(who.uri);
		oh[0] = e == LIM_OK ? 0 : e == LIM_E_STATE ? 2 : 1;
		for (int i = 0; i < 4; i++) {
			oh[1 + i] = (uint8_t)(who.gmk_id >> (24 - 8 * i));
			oh[5 + i] = (uint8_t)(who.guk_id >> (24 - 8 * i));
		}
		oh[9] = (uint8_t)ul;
		if (fwrite(oh, 1, 10, stdout) != 10 || (ul && fwrite(who.uri, 1, ul, stdout) != ul))
			gen_die("decrypt-group: write error");
		oh[0] = (uint8_t)(len >> 8), oh[1] = (uint8_t)len;
		if (fwrite(oh, 1, 2, stdout) != 2 || fwrite(pkt, 1, len, stdout) != len)
			gen_die("decrypt-group: write error");
	}
	mikey_group_free(tab);
	return fflush(stdout) == 0 ? 0 : 1;
}
