/* limf.conf parser: see config.h. */
#include "limf/config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "limf/input.h"

#define CONF_MAX (64u * 1024u)

void limf_conf_init(struct limf_conf *c)
{
	memset(c, 0, sizeof *c);
}

struct conf_key {
	const char *section, *key;
	size_t off, cap;
};

#define K(s, k, f)                                                                                 \
	{                                                                                          \
		s, k, offsetof(struct limf_conf, f), sizeof(((struct limf_conf *)0)->f)            \
	}
static const struct conf_key keys[] = {
	K("database", "conninfo", db),
	K("database", "recheck_grace", recheck_grace),
	K("database", "late_rate", late_rate),
	K("kms", "url", kms_url),
	K("kms", "ca", kms_ca),
	K("kms", "cert", kms_cert),
	K("kms", "key", kms_key),
	K("kms", "cert_refresh", kms_refresh),
	K("evidence", "sign_key", sign_key),
	K("handover", "operator_id", op_id),
	K("handover", "network_element_id", ne_id),
	K("handover", "country", country),
	K("handover", "spool_dir", spool_dir),
	K("handover", "spool_max_mb", spool_max_mb),
	K("service", "control_socket", control_socket),
	K("service", "metrics", metrics),
	K("service", "user", svc_user),
	K("service", "group", svc_group),
	K("x2x3", "listen", x2x3_listen),
	K("x2x3", "ca", x2x3_ca),
	K("x2x3", "cert", x2x3_cert),
	K("x2x3", "key", x2x3_key),
	K("x2x3", "crl", x2x3_crl),
	K("x2x3", "max_conns", x2x3_max_conns),
	K("x2x3", "handshake_timeout", x2x3_hs_timeout),
};
#undef K

/* keys of an [authority NAME] section: offsets into struct limf_conf_auth */
#define A(k, f)                                                                                    \
	{                                                                                          \
		"authority", k, offsetof(struct limf_conf_auth, f),                                \
			sizeof(((struct limf_conf_auth *)0)->f)                                    \
	}
static const struct conf_key auth_keys[] = {
	A("hi2", hi2),
	A("hi3", hi3),
	A("ca", ca),
	A("cert", cert),
	A("key", key),
	A("version", version),
	A("insecure_plaintext", insecure_plaintext),
};
#undef A

static bool auth_name_ok(const char *p, size_t n)
{
	if (n == 0 || n >= LIMF_AUTH_NAME)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = p[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == ':' || ch == '-'))
			return false;
	}
	return true;
}

/* see config.h */
const struct limf_conf_auth *limf_conf_authority(const struct limf_conf *c, const char *name)
{
	for (size_t i = 0; i < c->n_auth; i++)
		if (strcmp(c->auth[i].name, name) == 0)
			return &c->auth[i];
	return NULL;
}

static void trim(const char **p, size_t *n)
{
	while (*n && (**p == ' ' || **p == '\t')) {
		(*p)++;
		(*n)--;
	}
	while (*n && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t' || (*p)[*n - 1] == '\r'))
		(*n)--;
}

/* Cuts a trailing "; comment" or "# comment" that follows a blank, as after a value or a section
 * header (README's example config has both), and the blanks before it. */
static void cut_comment(const char **p, size_t *n)
{
	for (size_t i = 1; i < *n; i++)
		if (((*p)[i] == ';' || (*p)[i] == '#') &&
		    ((*p)[i - 1] == ' ' || (*p)[i - 1] == '\t')) {
			*n = i;
			trim(p, n);
			return;
		}
}

static bool eq(const char *p, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(p, lit, n) == 0;
}

/* DESIGN.md s5.5: the authorities are reached over mutually authenticated TLS. An [authority]
 * without all of ca, cert and key used to go out in clear (no ca) or without a client
 * certificate (no cert/key), silently: refused, unless the operator opts in to plaintext by
 * name (limf/delivery.c then warns at every start). Both at once is refused too: which one was
 * meant cannot be guessed. */
static enum lim_err check_auth(const char *path, const struct limf_conf_auth *a, char *why,
			       size_t whycap)
{
	const char *pt = a->insecure_plaintext;
	bool plain = strcmp(pt, "yes") == 0, any = a->ca[0] || a->cert[0] || a->key[0];
	if (pt[0] && !plain && strcmp(pt, "no") != 0) {
		snprintf(why, whycap, "%s: [authority %s]: insecure_plaintext is yes or no", path,
			 a->name);
		return LIM_E_PARSE;
	}
	if (plain && any) {
		snprintf(why, whycap,
			 "%s: [authority %s]: insecure_plaintext = yes together with ca/cert/key: "
			 "remove one or the other",
			 path, a->name);
		return LIM_E_PARSE;
	}
	if (!plain && !(a->ca[0] && a->cert[0] && a->key[0])) {
		snprintf(why, whycap,
			 "%s: [authority %s]: the handover needs mutual TLS: set ca (the LEMF's "
			 "CA), cert and key (limf's client certificate)%s%s%s; to send IRI and CC "
			 "in clear instead (test setups only) set insecure_plaintext = yes",
			 path, a->name, a->ca[0] ? "" : " - ca missing",
			 a->cert[0] ? "" : " - cert missing", a->key[0] ? "" : " - key missing");
		return LIM_E_PARSE;
	}
	return LIM_OK;
}

/* see config.h */
enum lim_err limf_conf_load(const char *path, struct limf_conf *c, char *why, size_t whycap)
{
	uint8_t *buf = NULL;
	size_t len = 0, pos = 0, lineno = 0;
	char section[32] = "";
	struct limf_conf_auth *auth = NULL; /* the [authority NAME] section being read */
	enum lim_err e = limf_read_all(path, CONF_MAX, &buf, &len);
	if (e != LIM_OK) {
		snprintf(why, whycap, "%s: %s", path,
			 e == LIM_E_LIMIT ? "larger than 64 KiB" : "cannot be read");
		return e;
	}
	e = LIM_OK;
	while (pos < len && e == LIM_OK) {
		const char *line = (const char *)buf + pos, *eqs, *k, *v;
		size_t n = 0, kn, vn;
		while (pos + n < len && buf[pos + n] != '\n')
			n++;
		pos += n + 1;
		lineno++;
		trim(&line, &n);
		if (n == 0 || line[0] == '#' || line[0] == ';')
			continue;
		if (memchr(line, '\0', n)) {
			snprintf(why, whycap, "%s:%zu: NUL octet", path, lineno);
			e = LIM_E_PARSE;
			break;
		}
		if (line[0] == '[') {
			const char *s = line + 1;
			size_t sn;
			bool known = false;
			cut_comment(&line, &n);
			sn = n - 1;
			if (sn == 0 || s[sn - 1] != ']') {
				snprintf(why, whycap, "%s:%zu: malformed section header", path,
					 lineno);
				e = LIM_E_PARSE;
				break;
			}
			sn--;
			trim(&s, &sn);
			auth = NULL;
			if (sn > 10 && memcmp(s, "authority", 9) == 0 &&
			    (s[9] == ' ' || s[9] == '\t')) {
				const char *nm = s + 10;
				size_t nn = sn - 10;
				trim(&nm, &nn);
				if (!auth_name_ok(nm, nn)) {
					snprintf(why, whycap, "%s:%zu: bad authority name", path,
						 lineno);
					e = LIM_E_PARSE;
					break;
				}
				for (size_t i = 0; i < c->n_auth; i++)
					if (eq(nm, nn, c->auth[i].name))
						auth = &c->auth[i];
				if (!auth && c->n_auth == LIMF_CONF_AUTH) {
					snprintf(why, whycap, "%s:%zu: more than %d authorities",
						 path, lineno, LIMF_CONF_AUTH);
					e = LIM_E_PARSE;
					break;
				}
				if (!auth) {
					auth = &c->auth[c->n_auth++];
					memset(auth, 0, sizeof *auth);
					memcpy(auth->name, nm, nn);
				}
				memcpy(section, "authority", 10);
				continue;
			}
			for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
				known = known || eq(s, sn, keys[i].section);
			if (!known || sn >= sizeof section) {
				snprintf(why, whycap, "%s:%zu: unknown section [%.*s]", path,
					 lineno, (int)(sn > 64 ? 64 : sn), s);
				e = LIM_E_PARSE;
				break;
			}
			memcpy(section, s, sn);
			section[sn] = '\0';
			continue;
		}
		eqs = memchr(line, '=', n);
		if (!eqs) {
			snprintf(why, whycap, "%s:%zu: expected key = value", path, lineno);
			e = LIM_E_PARSE;
			break;
		}
		k = line;
		kn = (size_t)(eqs - line);
		v = eqs + 1;
		vn = n - kn - 1;
		trim(&k, &kn);
		/* before the value is trimmed: "key = ; comment" is an empty value */
		cut_comment(&v, &vn);
		trim(&v, &vn);
		const struct conf_key *ck = NULL;
		char *base = (char *)c;
		if (auth) {
			base = (char *)auth;
			for (size_t i = 0; i < sizeof auth_keys / sizeof auth_keys[0]; i++)
				if (eq(k, kn, auth_keys[i].key))
					ck = &auth_keys[i];
		} else {
			for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
				if (strcmp(section, keys[i].section) == 0 && eq(k, kn, keys[i].key))
					ck = &keys[i];
		}
		if (!ck) {
			snprintf(why, whycap, "%s:%zu: unknown key '%.*s' in [%s]", path, lineno,
				 (int)(kn > 64 ? 64 : kn), k, section[0] ? section : "(none)");
			e = LIM_E_PARSE;
			break;
		}
		if (vn >= ck->cap) {
			snprintf(why, whycap, "%s:%zu: value of %s.%s too long (at most %zu)", path,
				 lineno, ck->section, ck->key, ck->cap - 1);
			e = LIM_E_PARSE;
			break;
		}
		memcpy(base + ck->off, v, vn);
		(base + ck->off)[vn] = '\0';
	}
	free(buf);
	for (size_t i = 0; i < c->n_auth && e == LIM_OK; i++)
		e = check_auth(path, &c->auth[i], why, whycap);
	return e;
}
