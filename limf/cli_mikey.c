/* limf mikey inspect | unwrap | verify (README.md "Usage"). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/codec.h"
#include "common/json.h"
#include "common/log.h"
#include "common/wipe.h"
#include "decrypt/eccsi.h"
#include "decrypt/mikey.h"
#include "decrypt/sakke.h"
#include "decrypt/unwrap.h"
#include "limf/cli.h"
#include "limf/input.h"
#include "limf/opts.h"
#include "limf/text.h"

#define MAX_IMSG (64 * 1024) /* an I_MESSAGE is < 1 KiB; SIP bodies are capped well below */

/* Reads and parses the message named by path. On success *buf holds the bytes m points into. */
static int load_msg(const char *path, uint8_t **buf, struct mikey_msg *m)
{
	uint8_t *text = NULL, *bin = NULL;
	size_t tlen = 0, blen = 0;
	enum lim_err rc;

	*buf = NULL;
	rc = limf_read_all(path, MAX_IMSG, &text, &tlen);
	if (rc != LIM_OK) {
		fprintf(stderr, "limf: %s: %s\n", path, lim_strerror(rc));
		return 1;
	}
	rc = limf_decode_imsg(text, tlen, &bin, &blen);
	free(text);
	if (rc != LIM_OK) {
		fprintf(stderr,
			"limf: %s: not a MIKEY message (binary, base64 or \"mikey <base64>\"): "
			"%s\n",
			path, lim_strerror(rc));
		return 1;
	}
	rc = mikey_parse(bin, blen, m);
	if (rc != LIM_OK) {
		fprintf(stderr, "limf: %s: %s at offset %zu: %s\n", path, lim_strerror(rc),
			m->err_offset, m->err_detail);
		free(bin);
		return 1;
	}
	*buf = bin;
	return 0;
}

static void print_ts(FILE *f, uint8_t type, uint64_t ts)
{
	char iso[MIKEY_TS_STRLEN];
	if (mikey_ts_iso8601(type, ts, iso) == LIM_OK)
		fprintf(f, "%016" PRIx64 " (%s)", ts, iso);
	else
		fprintf(f, "%" PRIu64, ts);
}

static void inspect_text(const struct mikey_msg *m)
{
	printf("HDR   version %u, data type %u (%s), V %u, PRF %u (%s), CSB-ID %08" PRIx32
	       ", #CS %u, map type %u (%s)\n",
	       m->version, m->data_type, mikey_data_type_name(m->data_type), m->v_flag, m->prf,
	       mikey_prf_name(m->prf), m->csb_id, m->n_cs, m->map_type,
	       mikey_map_type_name(m->map_type));
	for (size_t i = 0; i < m->n_map; i++) {
		const struct mikey_cs *cs = &m->cs[i];
		if (m->map_type == MIKEY_MAP_SRTP_ID) {
			printf("      CS %zu: policy %u, SSRC %08" PRIx32 ", ROC %08" PRIx32 "\n",
			       i + 1, cs->policy_no, cs->ssrc, cs->roc);
		} else {
			printf("      CS ID %u: protocol %u (%s), S %u, policies", cs->cs_id,
			       cs->prot_type, mikey_prot_name(cs->prot_type), cs->s_flag);
			for (size_t k = 0; k < cs->n_ps; k++)
				printf(" %u", cs->ps[k]);
			printf(", session data ");
			limf_print_hex(stdout, cs->sess, cs->sess_len);
			printf(", SPI/MKI ");
			limf_print_hex(stdout, cs->spi, cs->spi_len);
			printf("\n");
		}
	}
	size_t idr = 0, sp = 0, ext = 0, cert = 0;
	for (size_t p = 0; p < m->n_pl; p++) {
		const struct mikey_pl *pl = &m->pl[p];
		printf("%-5s ", pl->type == MIKEY_PT_IDR ? "IDR" : mikey_pt_name(pl->type));
		switch (pl->type) {
		case MIKEY_PT_T:
			printf("type %u (%s) ", m->ts_type, mikey_ts_type_name(m->ts_type));
			print_ts(stdout, m->ts_type, m->ts);
			break;
		case MIKEY_PT_RAND:
			printf("%u octets ", m->rand_len);
			limf_print_hex(stdout, m->rand, m->rand_len);
			break;
		case MIKEY_PT_ID:
		case MIKEY_PT_IDR: {
			const struct mikey_idr *id = &m->idr[idr++];
			printf("role %u (%s), type %u (%s), %u octets: ", id->role,
			       mikey_role_name(id->role), id->type, mikey_id_type_name(id->type),
			       id->len);
			size_t tl = mikey_id_textlen(id);
			if (limf_printable(id->data, tl)) {
				printf("%.*s", (int)tl, (const char *)id->data);
				if (tl != id->len)
					printf(" (+%zu NUL)", id->len - tl);
			} else {
				limf_print_hex(stdout, id->data, id->len);
			}
			break;
		}
		case MIKEY_PT_SP: {
			const struct mikey_sp *s = &m->sp[sp++];
			printf("policy %u, protocol %u (%s)", s->policy_no, s->prot_type,
			       mikey_prot_name(s->prot_type));
			for (size_t k = 0; k < s->n_params; k++) {
				const struct mikey_sp_param *pp = &s->params[k];
				const char *vn = mikey_sp_value_name(s->prot_type, pp->type,
								     pp->val, pp->len);
				printf("\n      %u %s = ", pp->type,
				       mikey_sp_param_name(s->prot_type, pp->type));
				if (pp->len == 1 && !vn)
					printf("%u", pp->val[0]);
				else
					limf_print_hex(stdout, pp->val, pp->len);
				if (vn)
					printf(" (%s)", vn);
			}
			break;
		}
		case MIKEY_PT_SAKKE:
			printf("parameter set %u, ID scheme %u (%s), SED %u octets: ",
			       m->sakke_params, m->sakke_id_scheme,
			       mikey_sakke_id_scheme_name(m->sakke_id_scheme), m->sed_len);
			limf_print_hex(stdout, m->sed, m->sed_len);
			break;
		case MIKEY_PT_CERT: {
			const struct mikey_ext *c = &m->cert[cert++];
			printf("type %u, %u octets: ", c->type, c->len);
			limf_print_hex(stdout, c->data, c->len);
			break;
		}
		case MIKEY_PT_GENEXT: {
			const struct mikey_ext *e = &m->ext[ext++];
			printf("type %u (%s), %u octets: ", e->type, mikey_ext_type_name(e->type),
			       e->len);
			limf_print_hex(stdout, e->data, e->len);
			break;
		}
		case MIKEY_PT_SIGN:
			printf("type %u (%s), %u octets at offset %zu: ", m->sign_type,
			       mikey_sign_type_name(m->sign_type), m->sig_len, m->sign_offset);
			limf_print_hex(stdout, m->sig, m->sig_len);
			break;
		default: break;
		}
		printf("\n");
	}
	printf("total %zu octets\n", m->raw_len);
}

/* key: [{"type","data"}...] of n general extension or CERT payloads */
static void json_tlvs(struct lim_json *j, const char *key, const struct mikey_ext *x, size_t n)
{
	lim_json_key(j, key);
	lim_json_arr_open(j);
	for (size_t i = 0; i < n; i++) {
		lim_json_obj_open(j);
		lim_json_key(j, "type");
		lim_json_u64(j, x[i].type);
		lim_json_key(j, "data");
		lim_json_hex(j, x[i].data, x[i].len);
		lim_json_obj_close(j);
	}
	lim_json_arr_close(j);
}

static void json_id(struct lim_json *j, const struct mikey_idr *id)
{
	size_t tl = mikey_id_textlen(id);
	lim_json_obj_open(j);
	lim_json_key(j, "role");
	lim_json_u64(j, id->role);
	lim_json_key(j, "role_name");
	lim_json_str(j, mikey_role_name(id->role));
	lim_json_key(j, "type");
	lim_json_u64(j, id->type);
	lim_json_key(j, "hex");
	lim_json_hex(j, id->data, id->len);
	if (limf_printable(id->data, tl)) {
		lim_json_key(j, "text");
		lim_json_strn(j, (const char *)id->data, tl);
	}
	lim_json_obj_close(j);
}

static int inspect_json(const struct mikey_msg *m)
{
	struct lim_json j;
	char hex[9];
	lim_json_init(&j, stdout);
	lim_json_obj_open(&j);
	lim_json_key(&j, "length");
	lim_json_u64(&j, m->raw_len);
	lim_json_key(&j, "header");
	lim_json_obj_open(&j);
	lim_json_key(&j, "version");
	lim_json_u64(&j, m->version);
	lim_json_key(&j, "data_type");
	lim_json_u64(&j, m->data_type);
	lim_json_key(&j, "v");
	lim_json_u64(&j, m->v_flag);
	lim_json_key(&j, "prf");
	lim_json_u64(&j, m->prf);
	lim_json_key(&j, "csb_id");
	snprintf(hex, sizeof hex, "%08" PRIx32, m->csb_id);
	lim_json_str(&j, hex);
	lim_json_key(&j, "n_cs");
	lim_json_u64(&j, m->n_cs);
	lim_json_key(&j, "map_type");
	lim_json_u64(&j, m->map_type);
	lim_json_key(&j, "cs");
	lim_json_arr_open(&j);
	for (size_t i = 0; i < m->n_map; i++) {
		const struct mikey_cs *cs = &m->cs[i];
		lim_json_obj_open(&j);
		if (m->map_type == MIKEY_MAP_SRTP_ID) {
			lim_json_key(&j, "policy");
			lim_json_u64(&j, cs->policy_no);
			lim_json_key(&j, "ssrc");
			lim_json_u64(&j, cs->ssrc);
			lim_json_key(&j, "roc");
			lim_json_u64(&j, cs->roc);
		} else {
			lim_json_key(&j, "cs_id");
			lim_json_u64(&j, cs->cs_id);
			lim_json_key(&j, "prot_type");
			lim_json_u64(&j, cs->prot_type);
			lim_json_key(&j, "policies");
			lim_json_hex(&j, cs->ps, cs->n_ps);
			lim_json_key(&j, "session_data");
			lim_json_hex(&j, cs->sess, cs->sess_len);
			lim_json_key(&j, "spi");
			lim_json_hex(&j, cs->spi, cs->spi_len);
		}
		lim_json_obj_close(&j);
	}
	lim_json_arr_close(&j);
	lim_json_obj_close(&j);
	if (m->has_t) {
		char iso[MIKEY_TS_STRLEN];
		lim_json_key(&j, "t");
		lim_json_obj_open(&j);
		lim_json_key(&j, "type");
		lim_json_u64(&j, m->ts_type);
		lim_json_key(&j, "value");
		lim_json_u64(&j, m->ts);
		if (mikey_ts_iso8601(m->ts_type, m->ts, iso) == LIM_OK) {
			lim_json_key(&j, "utc");
			lim_json_str(&j, iso);
		}
		lim_json_obj_close(&j);
	}
	if (m->has_rand) {
		lim_json_key(&j, "rand");
		lim_json_hex(&j, m->rand, m->rand_len);
	}
	lim_json_key(&j, "ids");
	lim_json_arr_open(&j);
	for (size_t i = 0; i < m->n_idr; i++)
		json_id(&j, &m->idr[i]);
	lim_json_arr_close(&j);
	lim_json_key(&j, "sp");
	lim_json_arr_open(&j);
	for (size_t i = 0; i < m->n_sp; i++) {
		const struct mikey_sp *s = &m->sp[i];
		lim_json_obj_open(&j);
		lim_json_key(&j, "policy");
		lim_json_u64(&j, s->policy_no);
		lim_json_key(&j, "prot_type");
		lim_json_u64(&j, s->prot_type);
		lim_json_key(&j, "params");
		lim_json_arr_open(&j);
		for (size_t k = 0; k < s->n_params; k++) {
			lim_json_obj_open(&j);
			lim_json_key(&j, "type");
			lim_json_u64(&j, s->params[k].type);
			lim_json_key(&j, "name");
			lim_json_str(&j, mikey_sp_param_name(s->prot_type, s->params[k].type));
			lim_json_key(&j, "value");
			lim_json_hex(&j, s->params[k].val, s->params[k].len);
			lim_json_obj_close(&j);
		}
		lim_json_arr_close(&j);
		lim_json_obj_close(&j);
	}
	lim_json_arr_close(&j);
	if (m->has_sakke) {
		lim_json_key(&j, "sakke");
		lim_json_obj_open(&j);
		lim_json_key(&j, "params");
		lim_json_u64(&j, m->sakke_params);
		lim_json_key(&j, "id_scheme");
		lim_json_u64(&j, m->sakke_id_scheme);
		lim_json_key(&j, "sed");
		lim_json_hex(&j, m->sed, m->sed_len);
		lim_json_obj_close(&j);
	}
	json_tlvs(&j, "ext", m->ext, m->n_ext);
	if (m->n_cert) /* (RFC 6509 s2.1's optional CERT: unused) */
		json_tlvs(&j, "cert", m->cert, m->n_cert);
	if (m->has_sign) {
		lim_json_key(&j, "sign");
		lim_json_obj_open(&j);
		lim_json_key(&j, "type");
		lim_json_u64(&j, m->sign_type);
		lim_json_key(&j, "offset");
		lim_json_u64(&j, m->sign_offset);
		lim_json_key(&j, "signature");
		lim_json_hex(&j, m->sig, m->sig_len);
		lim_json_obj_close(&j);
	}
	lim_json_obj_close(&j);
	return limf_json_end(&j);
}

static int cmd_inspect(int argc, char **argv)
{
	bool json = false;
	const char *path = NULL;
	struct mikey_msg m;
	uint8_t *buf;
	int rc;

	if (limf_wants_help(argc, argv)) {
		printf("usage: limf mikey inspect [--json] FILE|-\n");
		return 0;
	}
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (!path && (argv[i][0] != '-' || strcmp(argv[i], "-") == 0))
			path = argv[i];
		else
			goto usage;
	}
	if (!path)
		goto usage;
	if (load_msg(path, &buf, &m) != 0)
		return 1;
	if (json) {
		rc = inspect_json(&m);
	} else {
		inspect_text(&m);
		rc = 0;
	}
	free(buf);
	return rc;
usage:
	fprintf(stderr, "usage: limf mikey inspect [--json] FILE|-\n");
	return 2;
}

/* Options shared by unwrap and verify. */
struct key_opts {
	const char *path;
	const char *z, *rsk, *kpak;
	const char *id, *uid, *kms_uri, *period, *offset;
	bool show_keys;
};

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;
	if (!s[0] || s[0] == '-')
		return -1;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*v = x;
	return 0;
}

static int parse_key_opts(int argc, char **argv, struct key_opts *o)
{
	const struct limf_opt opts[] = {
		{ "--z", &o->z, NULL, NULL, NULL, 0 },
		{ "--rsk", &o->rsk, NULL, NULL, NULL, 0 },
		{ "--kpak", &o->kpak, NULL, NULL, NULL, 0 },
		{ "--id", &o->id, NULL, NULL, NULL, 0 },
		{ "--uid", &o->uid, NULL, NULL, NULL, 0 },
		{ "--kms-uri", &o->kms_uri, NULL, NULL, NULL, 0 },
		{ "--key-period", &o->period, NULL, NULL, NULL, 0 },
		{ "--key-offset", &o->offset, NULL, NULL, NULL, 0 },
		{ "--show-keys", NULL, &o->show_keys, NULL, NULL, 0 },
	};
	memset(o, 0, sizeof *o);
	if (limf_parse_opts(argc, argv, opts, sizeof opts / sizeof opts[0], &o->path, 1) != 0)
		return -1;
	if (!o->path || (o->id && o->uid))
		return -1;
	/* the key period makes a UID out of --id: alone, or with --uid, it would be ignored */
	if ((o->offset && !o->period) || ((o->period || o->kms_uri) && !o->id))
		return -1;
	return 0;
}

/* Fills cfg from the options; uidbuf holds a decoded --uid. Returns 0, or 2 on bad options. */
static int ident_cfg(const struct key_opts *o, struct mikey_ident_cfg *cfg, uint8_t *uidbuf,
		     size_t uidcap)
{
	memset(cfg, 0, sizeof *cfg);
	if (o->uid) {
		if (limf_key_arg(o->uid, 0, uidbuf, uidcap, &cfg->idlen) != LIM_OK ||
		    cfg->idlen == 0) {
			fprintf(stderr, "limf: --uid: expected hex\n");
			return 2;
		}
		cfg->id = uidbuf;
	}
	if (o->id) {
		cfg->uri = o->id;
		cfg->urilen = strlen(o->id);
	}
	if (o->kms_uri) {
		cfg->kms_uri = o->kms_uri;
		cfg->kmslen = strlen(o->kms_uri);
	}
	if (o->period) {
		if (parse_u64(o->period, &cfg->period) || cfg->period == 0 ||
		    (o->offset && parse_u64(o->offset, &cfg->offset))) {
			fprintf(stderr, "limf: --key-period/--key-offset: expected seconds\n");
			return 2;
		}
		cfg->has_period = true;
	}
	return 0;
}

static const char *ident_kind_name(uint8_t k)
{
	switch (k) {
	case MIKEY_IDENT_EXPLICIT: return "given";
	case MIKEY_IDENT_MSG_UID: return "UID carried in the message";
	case MIKEY_IDENT_UID: return "UID derived from the URI";
	case MIKEY_IDENT_RFC6509: return "RFC 6509 identifier";
	}
	return "?";
}

static void print_ident(const char *label, const struct mikey_ident *id)
{
	printf("%s: ", label);
	if (id->kind == MIKEY_IDENT_RFC6509) {
		/* "YYYY-MM\0uri\0": NULs shown as '|', anything unprintable as \xHH */
		for (size_t i = 0; i < id->len; i++) {
			if (id->id[i] == 0)
				putchar('|');
			else if (limf_printable(&id->id[i], 1))
				putchar(id->id[i]);
			else
				printf("\\x%02x", id->id[i]);
		}
	} else {
		limf_print_hex(stdout, id->id, id->len);
	}
	printf(" (%s", ident_kind_name(id->kind));
	if (id->kind == MIKEY_IDENT_UID)
		printf(", key period %" PRIu64, id->period_no);
	printf(")\n");
}

static int load_point(const char *opt, const char *arg, int secret, uint8_t *out, size_t want)
{
	size_t n = 0;
	enum lim_err rc = limf_key_arg(arg, secret, out, want, &n);
	if (rc != LIM_OK || n != want) {
		fprintf(stderr, "limf: %s: expected %zu octets of hex (%s)\n", opt, want,
			rc != LIM_OK ? lim_strerror(rc) : "wrong length");
		return 1;
	}
	return 0;
}

static int do_verify(const struct mikey_msg *m, const struct key_opts *o,
		     const struct mikey_ident_cfg *cfg, bool quiet_ident)
{
	uint8_t kpak[ECCSI_KPAK_LEN];
	struct mikey_ident used;
	if (load_point("--kpak", o->kpak, 0, kpak, sizeof kpak))
		return 1;
	if (mikey_sakke_verify(m, kpak, cfg, &used) != LIM_OK) {
		printf("signature: INVALID (ECCSI, KPAK and initiator identity do not verify)\n");
		return 1;
	}
	if (!quiet_ident)
		print_ident("initiator", &used);
	printf("signature: valid (ECCSI)\n");
	return 0;
}

static int cmd_unwrap(int argc, char **argv)
{
	struct key_opts o;
	struct mikey_ident_cfg cfg;
	struct mikey_msg m;
	struct mikey_ident used;
	struct mikey_srtp_key keys[MIKEY_MAX_KEYS];
	uint8_t uid[MIKEY_IDENT_MAX], Z[SAKKE_POINT_LEN], rsk[SAKKE_POINT_LEN], ssv[SAKKE_SSV_LEN];
	uint8_t *buf = NULL;
	size_t nkeys = 0;
	int ret = 1;
	enum lim_err rc;

	if (limf_wants_help(argc, argv)) {
		printf("usage: limf mikey unwrap --z HEX|@FILE --rsk HEX|@FILE [--id URI | "
		       "--uid HEX] [--kms-uri URI --key-period S --key-offset S] "
		       "[--kpak HEX|@FILE] [--show-keys] FILE|-\n");
		return 0;
	}
	if (parse_key_opts(argc, argv, &o) || !o.z || !o.rsk) {
		fprintf(stderr,
			"usage: limf mikey unwrap --z HEX|@FILE --rsk HEX|@FILE [--id URI | "
			"--uid HEX] [--kms-uri URI --key-period S --key-offset S] "
			"[--kpak HEX|@FILE] [--show-keys] FILE|-\n");
		return 2;
	}
	if (ident_cfg(&o, &cfg, uid, sizeof uid))
		return 2;
	if (load_point("--z", o.z, 0, Z, sizeof Z) ||
	    load_point("--rsk", o.rsk, 1, rsk, sizeof rsk))
		goto out;
	if (load_msg(o.path, &buf, &m))
		goto out;
	rc = mikey_sakke_unwrap(&m, Z, rsk, &cfg, ssv, &used);
	if (rc == LIM_E_AUTH) {
		fprintf(stderr,
			"limf: the RSK does not open this I_MESSAGE: the RSK, the identity, "
			"its key period or Z does not match, or the message was altered "
			"(RFC 6508 re-check failed)\n");
		goto out;
	}
	if (rc != LIM_OK) {
		fprintf(stderr, "limf: cannot unwrap: %s%s\n", lim_strerror(rc),
			rc == LIM_E_ARG ? " (give --id/--uid, --kms-uri and the key period)" : "");
		goto out;
	}
	if (o.kpak) {
		/* the initiator's identity as carried in the message; checked before anything
		 * secret is printed */
		struct mikey_ident_cfg icfg;
		memset(&icfg, 0, sizeof icfg);
		if (do_verify(&m, &o, &icfg, false))
			goto out;
	}
	print_ident("responder", &used);
	printf("SSV: ");
	limf_print_hex(stdout, ssv, sizeof ssv);
	printf("\n");
	if (o.show_keys) {
		rc = mikey_srtp_keys(&m, ssv, sizeof ssv, mikey_srtp_def_of(&m), keys, &nkeys);
		if (rc != LIM_OK) {
			fprintf(stderr, "limf: SRTP key derivation: %s\n", lim_strerror(rc));
			goto out;
		}
		for (size_t i = 0; i < nkeys; i++) {
			printf("CS %u: %s master key ", keys[i].cs_id,
			       keys[i].enc_alg == MIKEY_SRTP_AES_GCM ? "AEAD_AES_GCM" : "AES_CM");
			limf_print_hex(stdout, keys[i].key, keys[i].key_len);
			printf(" salt ");
			limf_print_hex(stdout, keys[i].salt, keys[i].salt_len);
			if (keys[i].mki_len) {
				printf(" MKI ");
				limf_print_hex(stdout, keys[i].mki, keys[i].mki_len);
			}
			if (keys[i].has_ssrc)
				printf(" SSRC %08" PRIx32, keys[i].ssrc);
			printf("\n");
		}
	}
	ret = 0;
out:
	LIM_WIPE(rsk);
	LIM_WIPE(ssv);
	mikey_srtp_keys_wipe(keys, MIKEY_MAX_KEYS);
	free(buf);
	return ret;
}

static int cmd_verify(int argc, char **argv)
{
	struct key_opts o;
	struct mikey_ident_cfg cfg;
	struct mikey_msg m;
	uint8_t uid[MIKEY_IDENT_MAX];
	uint8_t *buf = NULL;
	int ret;

	if (limf_wants_help(argc, argv)) {
		printf("usage: limf mikey verify --kpak HEX|@FILE [--id URI | --uid HEX] "
		       "[--kms-uri URI --key-period S --key-offset S] FILE|-\n");
		return 0;
	}
	if (parse_key_opts(argc, argv, &o) || !o.kpak || o.z || o.rsk || o.show_keys) {
		fprintf(stderr, "usage: limf mikey verify --kpak HEX|@FILE [--id URI | --uid HEX] "
				"[--kms-uri URI --key-period S --key-offset S] FILE|-\n");
		return 2;
	}
	if (ident_cfg(&o, &cfg, uid, sizeof uid))
		return 2;
	if (load_msg(o.path, &buf, &m))
		return 1;
	ret = do_verify(&m, &o, &cfg, false);
	free(buf);
	return ret;
}

/* see cli.h */
int limf_cmd_mikey(int argc, char **argv)
{
	if (argc >= 1 && strcmp(argv[0], "inspect") == 0)
		return cmd_inspect(argc - 1, argv + 1);
	if (argc >= 1 && strcmp(argv[0], "unwrap") == 0)
		return cmd_unwrap(argc - 1, argv + 1);
	if (argc >= 1 && strcmp(argv[0], "verify") == 0)
		return cmd_verify(argc - 1, argv + 1);
	if (limf_wants_help(argc, argv)) {
		printf("usage: limf mikey inspect|unwrap|verify ...  (each with --help)\n");
		return 0;
	}
	fprintf(stderr, "usage: limf mikey inspect|unwrap|verify ...\n");
	return 2;
}
