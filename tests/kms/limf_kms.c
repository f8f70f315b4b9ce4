/* limf-kms: the test KMS (DESIGN.md s6). TS 33.180 Annex D over HTTPS with mutual TLS.
 *   limf-kms init DIR [--scheme rfc6509|3gpp-uid] [--kms-uri URI] [--period SECS]
 *                     [--offset NTPSECS] [--valid-from TIME] [--valid-to TIME]
 *       writes DIR/community.json (kms_uri, cert_uri "cert1.<kms_uri>", valid_from and valid_to
 *       (ISO 8601; default 2000-01-01T00:00:00Z and 2100-01-01T00:00:00Z), id_scheme,
 *       user_key_period, user_key_offset, z, ksak, previous "") and a CA, server and client
 *       certificates (EC P-256): ca.pem ca.key server.pem server.key client.pem client.key (keys
 *       and community.json mode 600).
 *   limf-kms rollover DIR --at TIME
 *       a key roll-over (TS 33.180 Annex D: a new KMS certificate): the current certificate
 *       ends at TIME (its file, renamed DIR/community.N.json, gets valid_to TIME) and a new
 *       one, with new master secrets, CertUri cert<N+1>.<kms_uri>, the same KMS URI, scheme and
 *       key period, valid from TIME to the old one's end, becomes DIR/community.json (naming the
 *       old file as its "previous"). limf-gen --community takes either file.
 *   limf-kms serve --community FILE --cert PEM --key PEM --ca PEM --listen ADDR:PORT
 *                  --log FILE [--port-file FILE] [--fault MODE] [--fault-file FILE]
 *                  [--slow-ms N]
 *       serves POST /keymanagement/identity/v1/init (KmsCertificate: the certificate valid
 *       now, else the newest) and .../keyprov (KmsKeySet for the request's UserUri at its
 *       Time, default now, under the certificate valid at that time; none: 400). The community
 *       file and the ones it names are re-read for every request (a roll-over is served at
 *       once). The client must present a
 *       certificate issued by --ca. One log line per request: time, path, user, key period,
 *       client certificate subject, status, fault, cert (the CertUri served). Port 0 picks a
 *       free port (written to --port-file). Faults (--fault-file is re-read per request): init
 *       only: revoked-cert (the KmsCertificate says Revoked true), bad-validfrom (ValidFrom not a
 *       date), no-validto (ValidTo left out), inverted-validity (ValidFrom after ValidTo);
 *       keyprov only: none,
 *       garbage (200 with non-XML), wrong-rsk (an RSK of another identity), wrong-ssk (an SSK
 *       that does not match the PVT), slow (answers
 *       after --slow-ms, default 3000), close (closes without answering), http500.
 *       Stops on SIGTERM/SIGINT. Single-threaded; requests capped at 16 KiB. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/codec.h"
#include "tests/kms/kms_glue.h"
#include "warrants/warrants.h"

#define HDR_MAX  8192
#define BODY_MAX 16384

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void die(const char *msg)
{
	fprintf(stderr, "limf-kms: %s\n", msg);
	ERR_print_errors_fp(stderr);
	exit(1);
}

/* ---- init ----------------------------------------------------------------------------- */

static FILE *open_private(const char *dir, const char *name, char *path, size_t cap)
{
	int fd;
	snprintf(path, cap, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die("cannot create a file");
	if (fchmod(fd, 0600) != 0)
		die("chmod");
	return fdopen(fd, "w");
}

static void write_key(const char *dir, const char *name, EVP_PKEY *k)
{
	char path[4096];
	FILE *f = open_private(dir, name, path, sizeof path);
	if (!f || !PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) || fclose(f) != 0)
		die("cannot write a key");
}

static void write_cert(const char *dir, const char *name, X509 *x)
{
	char path[4096];
	FILE *f;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || !PEM_write_X509(f, x) || fclose(f) != 0)
		die("cannot write a certificate");
}

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext || !X509_add_ext(x, ext, -1))
		die("certificate extension");
	X509_EXTENSION_free(ext);
}

/* A certificate for key k, CN cn, signed by (issuer, ikey) or self-signed when issuer NULL. */
static X509 *make_cert(EVP_PKEY *k, const char *cn, X509 *issuer, EVP_PKEY *ikey, int kind)
{
	X509 *x = X509_new();
	unsigned char serial[16];
	BIGNUM *bn;
	if (!x || RAND_bytes(serial, sizeof serial) != 1)
		die("certificate");
	serial[0] &= 0x7f;
	bn = BN_bin2bn(serial, sizeof serial, NULL);
	if (!bn || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)))
		die("serial");
	BN_free(bn);
	X509_set_version(x, 2);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 60L * 60 * 24 * 365 * 5);
	X509_set_pubkey(x, k);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "O", MBSTRING_ASC,
				   (const unsigned char *)"limf test", -1, -1, 0);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(issuer ? issuer : x));
	add_ext(x, issuer ? issuer : x, NID_subject_key_identifier, "hash");
	if (kind == 0) {
		add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign");
	} else {
		add_ext(x, issuer, NID_authority_key_identifier, "keyid");
		add_ext(x, issuer, NID_basic_constraints, "critical,CA:FALSE");
		add_ext(x, issuer, NID_key_usage, "critical,digitalSignature");
		add_ext(x, issuer, NID_ext_key_usage, kind == 1 ? "serverAuth" : "clientAuth");
		if (kind == 1)
			add_ext(x, issuer, NID_subject_alt_name,
				"IP:127.0.0.1,IP:::1,DNS:localhost");
	}
	if (!X509_sign(x, issuer ? ikey : k, EVP_sha256()))
		die("sign");
	return x;
}

/* Writes community c to DIR/name (mode 600) through a temporary file and a rename: a
 * running serve never reads half a file. */
static void write_community(const char *dir, const char *name, const struct kg_community *c)
{
	char path[4096], tmpn[160], zh[2 * SAKKE_P_LEN + 1], kh[2 * ECCSI_KSAK_LEN + 1];
	char vf[WR_TIME_STRLEN], vt[WR_TIME_STRLEN], final[4096];
	snprintf(tmpn, sizeof tmpn, ".%s.tmp", name);
	FILE *f = open_private(dir, tmpn, path, sizeof path);
	if (!f)
		die("community file");
	lim_hex_encode(c->z, c->zlen, zh);
	lim_hex_encode(c->ksak, sizeof c->ksak, kh);
	wr_time_format(c->cert.valid_from, vf);
	wr_time_format(c->cert.valid_to, vt);
	fprintf(f,
		"{\n  \"kms_uri\": \"%s\",\n  \"cert_uri\": \"%s\",\n  \"valid_from\": \"%s\",\n"
		"  \"valid_to\": \"%s\",\n  \"id_scheme\": \"%s\",\n  \"user_key_period\": %llu,\n"
		"  \"user_key_offset\": %llu,\n  \"z\": \"%s\",\n  \"ksak\": \"%s\",\n"
		"  \"previous\": \"%s\"\n}\n",
		c->cert.kms_uri, c->cert.cert_uri, vf, vt,
		c->cert.scheme == WR_KMS_ID_RFC6509 ? "rfc6509" : "3gpp-uid",
		(unsigned long long)c->cert.user_key_period,
		(unsigned long long)c->cert.user_key_offset, zh, kh, c->previous);
	memset(zh, 0, sizeof zh);
	memset(kh, 0, sizeof kh);
	if (fclose(f) != 0)
		die("community file");
	snprintf(final, sizeof final, "%s/%s", dir, name);
	if (rename(path, final) != 0)
		die("community file rename");
}

static int cmd_init(int argc, char **argv)
{
	const char *dir = NULL, *scheme = "3gpp-uid", *kms_uri = "kms.limf.test";
	const char *vfrom = KG_VALID_FROM, *vto = KG_VALID_TO;
	int64_t tf, tt;
	unsigned long long period = 2592000, offset = 0;
	uint8_t z[SAKKE_P_LEN], Z[SAKKE_POINT_LEN], ksak[ECCSI_KSAK_LEN], kpak[ECCSI_KPAK_LEN];
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--scheme") == 0 && i + 1 < argc)
			scheme = argv[++i];
		else if (strcmp(argv[i], "--kms-uri") == 0 && i + 1 < argc)
			kms_uri = argv[++i];
		else if (strcmp(argv[i], "--period") == 0 && i + 1 < argc)
			period = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--offset") == 0 && i + 1 < argc)
			offset = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--valid-from") == 0 && i + 1 < argc)
			vfrom = argv[++i];
		else if (strcmp(argv[i], "--valid-to") == 0 && i + 1 < argc)
			vto = argv[++i];
		else if (!dir && argv[i][0] != '-')
			dir = argv[i];
		else
			die("usage: limf-kms init DIR [--scheme S] [--kms-uri U] [--period N] "
			    "[--offset N]");
	}
	if (!dir || (strcmp(scheme, "rfc6509") != 0 && strcmp(scheme, "3gpp-uid") != 0) ||
	    period == 0)
		die("usage: limf-kms init DIR [--scheme rfc6509|3gpp-uid] ...");
	if (wr_time_parse(vfrom, &tf) != LIM_OK || wr_time_parse(vto, &tt) != LIM_OK || tf >= tt)
		die("--valid-from/--valid-to: two ISO 8601 times, the first before the second");
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		die("cannot create DIR");
	if (sakke_kms_generate(z, Z) != LIM_OK || eccsi_kms_generate(ksak, kpak) != LIM_OK)
		die("key generation failed");
	{
		struct kg_community c;
		memset(&c, 0, sizeof c);
		snprintf(c.cert.kms_uri, sizeof c.cert.kms_uri, "%s", kms_uri);
		snprintf(c.cert.cert_uri, sizeof c.cert.cert_uri, "cert1.%.240s", kms_uri);
		c.cert.scheme = strcmp(scheme, "rfc6509") == 0 ? WR_KMS_ID_RFC6509 : WR_KMS_ID_3GPP;
		c.cert.user_key_period = period;
		c.cert.user_key_offset = offset;
		c.cert.valid_from = tf;
		c.cert.valid_to = tt;
		memcpy(c.z, z, sizeof z);
		c.zlen = sizeof z;
		memcpy(c.ksak, ksak, sizeof ksak);
		write_community(dir, "community.json", &c);
		memset(&c, 0, sizeof c);
	}
	memset(z, 0, sizeof z);
	memset(ksak, 0, sizeof ksak);

	EVP_PKEY *cak = EVP_EC_gen("P-256"), *sk = EVP_EC_gen("P-256"), *ck = EVP_EC_gen("P-256");
	if (!cak || !sk || !ck)
		die("EC key generation");
	X509 *ca = make_cert(cak, "limf test KMS CA", NULL, NULL, 0);
	X509 *srv = make_cert(sk, "limf test KMS", ca, cak, 1);
	X509 *cli = make_cert(ck, "limf-client", ca, cak, 2);
	write_key(dir, "ca.key", cak);
	write_key(dir, "server.key", sk);
	write_key(dir, "client.key", ck);
	write_cert(dir, "ca.pem", ca);
	write_cert(dir, "server.pem", srv);
	write_cert(dir, "client.pem", cli);
	X509_free(ca);
	X509_free(srv);
	X509_free(cli);
	EVP_PKEY_free(cak);
	EVP_PKEY_free(sk);
	EVP_PKEY_free(ck);
	printf("%s/community.json\n", dir);
	return 0;
}

/* ---- the community file --------------------------------------------------------------- */

#define CHAIN_MAX 8 /* certificates a community keeps (roll-overs + 1) */

/* The certificates of a community: the file at path and the ones it names, newest first. */
struct chain {
	size_t n;
	struct kg_community c[CHAIN_MAX];
};

/* Reads the chain from path; 0, or -1 with the reason in msg. */
static int chain_load(const char *path, struct chain *ch, char *msg, size_t cap)
{
	char p[4096], dir[3072];
	const char *slash = strrchr(path, '/');
	snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
	snprintf(p, sizeof p, "%s", path);
	memset(ch, 0, sizeof *ch);
	for (;;) {
		const char *why = "";
		if (ch->n == CHAIN_MAX) {
			snprintf(msg, cap, "more than %d certificates", CHAIN_MAX);
			return -1;
		}
		if (kg_community_load(p, &ch->c[ch->n], &why) != 0) {
			snprintf(msg, cap, "community file %.200s: %s", p, why);
			return -1;
		}
		if (!ch->c[ch->n++].previous[0])
			return 0;
		snprintf(p, sizeof p, "%s/%.128s", dir, ch->c[ch->n - 1].previous);
	}
}

static void chain_wipe(struct chain *ch)
{
	OPENSSL_cleanse(ch, sizeof *ch);
}

/* The newest certificate of ch valid at t (NULL when none). */
static struct kg_community *chain_at(struct chain *ch, int64_t t)
{
	for (size_t i = 0; i < ch->n; i++)
		if (wr_kms_cert_valid(&ch->c[i].cert, t))
			return &ch->c[i];
	return NULL;
}

static int cmd_rollover(int argc, char **argv)
{
	const char *dir = NULL, *at = NULL;
	char path[4096], msg[256], name[64];
	int64_t t;
	static struct chain ch;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--at") == 0 && i + 1 < argc)
			at = argv[++i];
		else if (!dir && argv[i][0] != '-')
			dir = argv[i];
		else
			die("usage: limf-kms rollover DIR --at TIME");
	}
	if (!dir || !at || wr_time_parse(at, &t) != LIM_OK)
		die("usage: limf-kms rollover DIR --at TIME (ISO 8601)");
	snprintf(path, sizeof path, "%s/community.json", dir);
	if (chain_load(path, &ch, msg, sizeof msg) != 0)
		die(msg);
	struct kg_community *old = &ch.c[0], nw;
	if (t <= old->cert.valid_from || t >= old->cert.valid_to)
		die("--at must fall inside the current certificate's validity");
	/* the current certificate keeps its file under a name of its own, ending at t */
	snprintf(name, sizeof name, "community.%zu.json", ch.n);
	int64_t old_to = old->cert.valid_to;
	old->cert.valid_to = t;
	write_community(dir, name, old);
	nw = *old;
	if (sakke_kms_generate(nw.z, nw.cert.z) != LIM_OK ||
	    eccsi_kms_generate(nw.ksak, nw.cert.kpak) != LIM_OK)
		die("key generation failed");
	nw.zlen = sizeof nw.z;
	snprintf(nw.cert.cert_uri, sizeof nw.cert.cert_uri, "cert%zu.%.200s", ch.n + 1,
		 nw.cert.kms_uri);
	nw.cert.valid_from = t;
	nw.cert.valid_to = old_to;
	snprintf(nw.previous, sizeof nw.previous, "%s", name);
	write_community(dir, "community.json", &nw);
	printf("%s/community.json %s (the one before: %s/%s)\n", dir, nw.cert.cert_uri, dir, name);
	OPENSSL_cleanse(&nw, sizeof nw);
	chain_wipe(&ch);
	return 0;
}

/* ---- HTTP over TLS -------------------------------------------------------------------- */

struct srv {
	const char *community;
	struct chain ch; /* re-read per request */
	SSL_CTX *ctx;
	FILE *log;
	const char *fault, *fault_file;
	long slow_ms;
};

/* Appends s to out with XML escaping. */
static void xml_esc(char *out, size_t cap, const char *s)
{
	size_t o = strlen(out);
	for (; *s && o + 7 < cap; s++) {
		const char *r = NULL;
		if (*s == '&')
			r = "&amp;";
		else if (*s == '<')
			r = "&lt;";
		else if (*s == '>')
			r = "&gt;";
		else if (*s == '"')
			r = "&quot;";
		if (r) {
			memcpy(out + o, r, strlen(r));
			o += strlen(r);
		} else {
			out[o++] = *s;
		}
	}
	out[o] = '\0';
}

static void send_all(SSL *ssl, const char *p, size_t n)
{
	while (n > 0) {
		int w = SSL_write(ssl, p, n > 65536 ? 65536 : (int)n);
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void respond(SSL *ssl, int status, const char *reason, const char *ctype, const char *body)
{
	char hdr[256];
	int n = snprintf(hdr, sizeof hdr,
			 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\n\r\n",
			 status, reason, ctype, strlen(body));
	send_all(ssl, hdr, (size_t)n);
	send_all(ssl, body, strlen(body));
}

static void current_fault(const struct srv *s, char *out, size_t cap)
{
	snprintf(out, cap, "%s", s->fault ? s->fault : "none");
	if (s->fault_file) {
		FILE *f = fopen(s->fault_file, "r");
		if (f) {
			if (!fgets(out, (int)cap, f))
				snprintf(out, cap, "none");
			fclose(f);
			out[strcspn(out, "\r\n ")] = '\0';
			if (!out[0])
				snprintf(out, cap, "none");
		}
	}
}

static void now_iso(char out[WR_TIME_STRLEN])
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	wr_time_format((int64_t)ts.tv_sec * 1000000, out);
}

/* Parses the KmsRequest body: UserUri (may be empty) and Time (wr time; now when absent). */
static int parse_request(const char *body, size_t len, char *uri, size_t cap, int64_t *t)
{
	xmlDoc *doc;
	xmlNode *root;
	int rc = -1;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	*t = (int64_t)ts.tv_sec * 1000000;
	uri[0] = '\0';
	doc = xmlReadMemory(body, (int)len, "req.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return -1;
	root = xmlDocGetRootElement(doc);
	if (doc->intSubset || !root || strcmp((const char *)root->name, "KmsRequest") != 0 ||
	    !root->ns || strcmp((const char *)root->ns->href, WR_KMS_NS) != 0)
		goto out;
	for (xmlNode *n = root->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		xmlChar *v = xmlNodeGetContent(n);
		if (!v)
			goto out;
		if (strcmp((const char *)n->name, "UserUri") == 0) {
			if (strlen((const char *)v) >= cap) {
				xmlFree(v);
				goto out;
			}
			snprintf(uri, cap, "%s", (const char *)v);
		} else if (strcmp((const char *)n->name, "Time") == 0 && v[0]) {
			if (wr_time_parse((const char *)v, t) != LIM_OK) {
				xmlFree(v);
				goto out;
			}
		}
		xmlFree(v);
	}
	rc = 0;
out:
	xmlFreeDoc(doc);
	return rc;
}

static const char *log_cert = "-"; /* the CertUri the request at hand is served under */

static void log_line(struct srv *s, const char *path, const char *user, const char *period,
		     const char *subject, int status, const char *fault)
{
	char t[WR_TIME_STRLEN];
	now_iso(t);
	fprintf(s->log, "%s path=%s user=%s period=%s subject=%s status=%d fault=%s cert=%s\n", t,
		path, user[0] ? user : "-", period, subject, status, fault, log_cert);
	fflush(s->log);
}

static void hex_of(const uint8_t *b, size_t n, char *out)
{
	lim_hex_encode(b, n, out);
}

static void handle(struct srv *s, SSL *ssl, const char *subject)
{
	char req[HDR_MAX + BODY_MAX + 1], path[256] = "-", uri[WR_URI_MAX + 1] = "";
	char fault[32], period[32] = "-";
	static char resp[16384];
	size_t got = 0, hlen = 0, clen = 0;
	char *he = NULL;
	int64_t t = 0;
	log_cert = "-";
	current_fault(s, fault, sizeof fault);
	/* the header block, then Content-Length octets */
	while (!he) {
		if (got >= HDR_MAX) {
			log_line(s, path, uri, period, subject, 400, fault);
			respond(ssl, 400, "Bad Request", "text/plain", "header too large\n");
			return;
		}
		int r = SSL_read(ssl, req + got, (int)(HDR_MAX - got));
		if (r <= 0)
			return;
		got += (size_t)r;
		req[got] = '\0';
		he = strstr(req, "\r\n\r\n");
	}
	hlen = (size_t)(he - req) + 4;
	{
		char method[16];
		const char *sp1 = strchr(req, ' '), *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
		if (!sp1 || !sp2 || (size_t)(sp1 - req) >= sizeof method ||
		    (size_t)(sp2 - sp1 - 1) >= sizeof path) {
			log_line(s, path, uri, period, subject, 400, fault);
			respond(ssl, 400, "Bad Request", "text/plain", "bad request line\n");
			return;
		}
		memcpy(method, req, (size_t)(sp1 - req));
		method[sp1 - req] = '\0';
		memcpy(path, sp1 + 1, (size_t)(sp2 - sp1 - 1));
		path[sp2 - sp1 - 1] = '\0';
		if (strcmp(method, "POST") != 0) {
			log_line(s, path, uri, period, subject, 405, fault);
			respond(ssl, 405, "Method Not Allowed", "text/plain", "POST only\n");
			return;
		}
		const char *cl = req;
		int have = 0;
		while ((cl = strstr(cl, "\r\n")) && cl < he) {
			cl += 2;
			if (strncasecmp(cl, "Content-Length:", 15) == 0) {
				char *end;
				unsigned long v = strtoul(cl + 15, &end, 10);
				if (v > BODY_MAX) {
					log_line(s, path, uri, period, subject, 413, fault);
					respond(ssl, 413, "Payload Too Large", "text/plain",
						"too large\n");
					return;
				}
				clen = v;
				have = 1;
			}
		}
		if (!have) {
			log_line(s, path, uri, period, subject, 411, fault);
			respond(ssl, 411, "Length Required", "text/plain", "length required\n");
			return;
		}
	}
	while (got < hlen + clen) {
		int r = SSL_read(ssl, req + got, (int)(hlen + clen - got));
		if (r <= 0)
			return;
		got += (size_t)r;
	}
	req[got] = '\0';
	int is_init = strcmp(path, WR_KMS_PATH_INIT) == 0;
	int is_prov = strcmp(path, WR_KMS_PATH_PROV) == 0;
	if (!is_init && !is_prov) {
		log_line(s, path, uri, period, subject, 404, fault);
		respond(ssl, 404, "Not Found", "text/plain", "not found\n");
		return;
	}
	if (parse_request(req + hlen, clen, uri, sizeof uri, &t) != 0 || (is_prov && !uri[0])) {
		log_line(s, path, uri, period, subject, 400, fault);
		respond(ssl, 400, "Bad Request", "text/plain", "malformed KmsRequest\n");
		return;
	}
	char now[WR_TIME_STRLEN], euri[6 * WR_URI_MAX + 1] = "";
	char msg[256];
	now_iso(now);
	xml_esc(euri, sizeof euri, uri);
	/* the community as it is now (a roll-over made while serving is served at once) */
	if (chain_load(s->community, &s->ch, msg, sizeof msg) != 0) {
		fprintf(stderr, "limf-kms: %s\n", msg);
		log_line(s, path, uri, period, subject, 500, fault);
		respond(ssl, 500, "Internal Server Error", "text/plain", "community file\n");
		return;
	}
	struct kg_community *com;
	if (is_init) {
		struct timespec nowts;
		clock_gettime(CLOCK_REALTIME, &nowts);
		com = chain_at(&s->ch, (int64_t)nowts.tv_sec * 1000000);
		if (!com)
			com = &s->ch.c[0]; /* none valid now: the newest */
	} else {
		com = chain_at(&s->ch, t);
	}
	if (!com) {
		log_line(s, path, uri, period, subject, 400, fault);
		respond(ssl, 400, "Bad Request", "text/plain",
			"no certificate valid at that time\n");
		return;
	}
	const struct wr_kms_cert *c = &com->cert;
	/* the certificate's URIs and issuer as XML text (a KMS URI may hold '&') */
	char ekms[6 * WR_KMS_URI_MAX + 1] = "", ecert[6 * WR_KMS_URI_MAX + 1] = "",
				       eiss[6 * WR_KMS_URI_MAX + 1] = "";
	xml_esc(ekms, sizeof ekms, c->kms_uri);
	xml_esc(ecert, sizeof ecert, c->cert_uri);
	xml_esc(eiss, sizeof eiss, c->issuer);
	log_cert = c->cert_uri;
	if (is_init) {
		char zh[2 * WR_KMS_Z_LEN + 1], kh[2 * WR_KMS_KPAK_LEN + 1];
		char vf[WR_TIME_STRLEN + 8], vt[WR_TIME_STRLEN + 8], vfe[64] = "", vte[64] = "";
		hex_of(c->z, sizeof c->z, zh);
		hex_of(c->kpak, sizeof c->kpak, kh);
		wr_time_format(c->valid_from, vf);
		wr_time_format(c->valid_to, vt);
		if (strcmp(fault, "bad-validfrom") == 0)
			snprintf(vf, sizeof vf, "yesterday");
		if (strcmp(fault, "inverted-validity") == 0)
			wr_time_format(c->valid_to + 1000000, vf);
		snprintf(vfe, sizeof vfe, "    <ValidFrom>%s</ValidFrom>\n", vf);
		if (strcmp(fault, "no-validto") != 0)
			snprintf(vte, sizeof vte, "    <ValidTo>%s</ValidTo>\n", vt);
		log_line(s, path, uri, period, subject, 200,
			 strcmp(fault, "revoked-cert") == 0 ||
					 strcmp(fault, "bad-validfrom") == 0 ||
					 strcmp(fault, "no-validto") == 0 ||
					 strcmp(fault, "inverted-validity") == 0
				 ? fault
				 : "none");
		snprintf(resp, sizeof resp,
			 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			 "<KmsResponse xmlns=\"" WR_KMS_NS "\" Version=\"1.0.0\">\n"
			 " <KmsUri>%s</KmsUri>\n <UserUri>%s</UserUri>\n <Time>%s</Time>\n"
			 " <KmsId>limf-test-kms</KmsId>\n"
			 " <ClientReqUrl>https://%s" WR_KMS_PATH_INIT "</ClientReqUrl>\n"
			 " <KmsMessage>\n  <KmsInit Version=\"1.0.0\">\n"
			 "   <KmsCertificate Version=\"1.1.0\" Role=\"Root\">\n"
			 "    <CertUri>%s</CertUri>\n    <KmsUri>%s</KmsUri>\n"
			 "    <Issuer>%s</Issuer>\n%s%s"
			 "    <Revoked>%s</Revoked>\n    <UserIdFormat>%d</UserIdFormat>\n"
			 "    <UserKeyPeriod>%llu</UserKeyPeriod>\n"
			 "    <UserKeyOffset>%llu</UserKeyOffset>\n"
			 "    <PubEncKey>%s</PubEncKey>\n    <PubAuthKey>%s</PubAuthKey>\n"
			 "    <ParameterSet>1</ParameterSet>\n"
			 "   </KmsCertificate>\n  </KmsInit>\n </KmsMessage>\n</KmsResponse>\n",
			 ekms, euri, now, ekms, ecert, ekms, eiss, vfe, vte,
			 strcmp(fault, "revoked-cert") == 0 ? "true" : "false", (int)c->scheme,
			 (unsigned long long)c->user_key_period,
			 (unsigned long long)c->user_key_offset, zh, kh);
		respond(ssl, 200, "OK", "application/xml", resp);
		return;
	}
	/* keyprov */
	struct wr_kms_ident id;
	uint8_t rsk[WR_KMS_RSK_LEN], ssk[WR_KMS_SSK_LEN], pvt[WR_KMS_PVT_LEN];
	char rh[2 * WR_KMS_RSK_LEN + 1], sh[2 * WR_KMS_SSK_LEN + 1], ph[2 * WR_KMS_PVT_LEN + 1];
	char idh[2 * WR_KMS_ID_MAX + 1], vf[WR_TIME_STRLEN], vt[WR_TIME_STRLEN];
	if (limf_kms_ident(NULL, c, uri, t, &id) != LIM_OK) {
		log_line(s, path, uri, period, subject, 400, fault);
		respond(ssl, 400, "Bad Request", "text/plain", "cannot key this user/time\n");
		return;
	}
	snprintf(period, sizeof period, "%llu", (unsigned long long)id.period_no);
	log_line(s, path, uri, period, subject, strcmp(fault, "http500") == 0 ? 500 : 200, fault);
	if (strcmp(fault, "close") == 0)
		return;
	if (strcmp(fault, "http500") == 0) {
		respond(ssl, 500, "Internal Server Error", "text/plain", "fault\n");
		return;
	}
	if (strcmp(fault, "garbage") == 0) {
		respond(ssl, 200, "OK", "application/xml", "<KmsResponse><<<&&& not xml \x01\n");
		return;
	}
	if (strcmp(fault, "slow") == 0) {
		for (long waited = 0; waited < s->slow_ms && !stop_flag; waited += 50)
			usleep(50000);
	}
	if (kg_issue(com->z, com->zlen, com->ksak, id.id, id.idlen, rsk, ssk, pvt) != LIM_OK) {
		respond(ssl, 500, "Internal Server Error", "text/plain", "issue failed\n");
		return;
	}
	if (strcmp(fault, "wrong-rsk") == 0) {
		/* a well-formed RSK, but for another identifier */
		uint8_t other[WR_KMS_ID_MAX];
		memcpy(other, id.id, id.idlen);
		other[id.idlen - 1] ^= 0x01;
		if (sakke_rsk_issue(com->z, com->zlen, other, id.idlen, rsk) != LIM_OK) {
			respond(ssl, 500, "Internal Server Error", "text/plain", "issue failed\n");
			return;
		}
	}
	if (strcmp(fault, "wrong-ssk") == 0)
		ssk[sizeof ssk - 1] ^= 0x01; /* well-formed, but KPAK = [SSK]G - [HS]PVT fails */
	hex_of(rsk, sizeof rsk, rh);
	hex_of(ssk, sizeof ssk, sh);
	hex_of(pvt, sizeof pvt, ph);
	hex_of(id.id, id.idlen, idh);
	wr_time_format(id.valid_from, vf);
	wr_time_format(id.valid_to, vt);
	snprintf(resp, sizeof resp,
		 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		 "<KmsResponse xmlns=\"" WR_KMS_NS "\" Version=\"1.0.0\">\n"
		 " <KmsUri>%s</KmsUri>\n <UserUri>%s</UserUri>\n <Time>%s</Time>\n"
		 " <KmsId>limf-test-kms</KmsId>\n"
		 " <ClientReqUrl>https://%s" WR_KMS_PATH_PROV "</ClientReqUrl>\n"
		 " <KmsMessage>\n  <KmsKeyProv Version=\"1.0.0\">\n"
		 "   <KmsKeySet Version=\"1.1.0\">\n"
		 "    <KmsUri>%s</KmsUri>\n    <CertUri>%s</CertUri>\n    <Issuer>%s</Issuer>\n"
		 "    <UserUri>%s</UserUri>\n    <UserID>%s</UserID>\n"
		 "    <ValidFrom>%s</ValidFrom>\n    <ValidTo>%s</ValidTo>\n"
		 "    <KeyPeriodNo>%llu</KeyPeriodNo>\n    <Revoked>false</Revoked>\n"
		 "    <UserDecryptKey>%s</UserDecryptKey>\n"
		 "    <UserSigningKeySSK>%s</UserSigningKeySSK>\n"
		 "    <UserPubTokenPVT>%s</UserPubTokenPVT>\n"
		 "   </KmsKeySet>\n  </KmsKeyProv>\n </KmsMessage>\n</KmsResponse>\n",
		 ekms, euri, now, ekms, ekms, ecert, eiss, euri, idh, vf, vt,
		 (unsigned long long)id.period_no, rh, sh, ph);
	respond(ssl, 200, "OK", "application/xml", resp);
	memset(resp, 0, sizeof resp);
	memset(rsk, 0, sizeof rsk);
	memset(ssk, 0, sizeof ssk);
	memset(rh, 0, sizeof rh);
	memset(sh, 0, sizeof sh);
	chain_wipe(&s->ch);
}

static int listen_on(const char *spec, int *port)
{
	char host[128];
	const char *colon = strrchr(spec, ':');
	struct addrinfo hints, *ai = NULL;
	int fd, one = 1;
	if (!colon || (size_t)(colon - spec) >= sizeof host)
		die("--listen ADDR:PORT");
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = '\0';
	if (host[0] == '[') {
		memmove(host, host + 1, strlen(host));
		host[strcspn(host, "]")] = '\0';
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, colon + 1, &hints, &ai) != 0)
		die("--listen: not a numeric address and port");
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 16) != 0)
		die("bind/listen");
	freeaddrinfo(ai);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	*port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					       : ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

static int cmd_serve(int argc, char **argv)
{
	const char *community = NULL, *cert = NULL, *key = NULL, *ca = NULL, *lst = NULL;
	const char *logp = NULL, *portf = NULL;
	struct srv s;
	int lfd, port = 0;
	memset(&s, 0, sizeof s);
	s.slow_ms = 3000;
	for (int i = 2; i + 1 < argc; i += 2) {
		const char *o = argv[i], *v = argv[i + 1];
		if (strcmp(o, "--community") == 0)
			community = v;
		else if (strcmp(o, "--cert") == 0)
			cert = v;
		else if (strcmp(o, "--key") == 0)
			key = v;
		else if (strcmp(o, "--ca") == 0)
			ca = v;
		else if (strcmp(o, "--listen") == 0)
			lst = v;
		else if (strcmp(o, "--log") == 0)
			logp = v;
		else if (strcmp(o, "--port-file") == 0)
			portf = v;
		else if (strcmp(o, "--fault") == 0)
			s.fault = v;
		else if (strcmp(o, "--fault-file") == 0)
			s.fault_file = v;
		else if (strcmp(o, "--slow-ms") == 0)
			s.slow_ms = strtol(v, NULL, 10);
		else
			die("unknown serve option");
	}
	if (!community || !cert || !key || !ca || !lst || !logp)
		die("usage: limf-kms serve --community F --cert F --key F --ca F --listen A:P "
		    "--log F");
	{
		char msg[256];
		s.community = community;
		if (chain_load(community, &s.ch, msg, sizeof msg) != 0)
			die(msg);
		chain_wipe(&s.ch);
	}
	s.log = fopen(logp, "a");
	if (!s.log)
		die("cannot open the log");
	s.ctx = SSL_CTX_new(TLS_server_method());
	if (!s.ctx || !SSL_CTX_set_min_proto_version(s.ctx, TLS1_2_VERSION) ||
	    SSL_CTX_use_certificate_chain_file(s.ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(s.ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_load_verify_locations(s.ctx, ca, NULL) != 1)
		die("TLS setup (cert/key/ca)");
	/* mutual TLS: a client certificate is required and must chain to --ca */
	SSL_CTX_set_verify(s.ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	if (SSL_CTX_set_session_id_context(s.ctx, (const unsigned char *)"limf-kms", 8) != 1)
		die("TLS session id context");
	lfd = listen_on(lst, &port);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (portf) {
		char tmp[4096];
		snprintf(tmp, sizeof tmp, "%s.tmp", portf);
		FILE *f = fopen(tmp, "w");
		if (!f || fprintf(f, "%d\n", port) < 0 || fclose(f) != 0 || rename(tmp, portf) != 0)
			die("--port-file");
	}
	fprintf(stderr, "limf-kms: listening on port %d\n", port);
	while (!stop_flag) {
		struct pollfd pfd = { lfd, POLLIN, 0 };
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		int cfd = accept(lfd, NULL, NULL);
		if (cfd < 0)
			continue;
		struct timeval tv = { 5, 0 };
		setsockopt(cfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		setsockopt(cfd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
		SSL *ssl = SSL_new(s.ctx);
		if (ssl && SSL_set_fd(ssl, cfd) == 1 && SSL_accept(ssl) == 1) {
			char subject[256] = "-";
			X509 *peer = SSL_get1_peer_certificate(ssl);
			if (peer) {
				X509_NAME_oneline(X509_get_subject_name(peer), subject,
						  sizeof subject);
				X509_free(peer);
			}
			handle(&s, ssl, subject);
			SSL_shutdown(ssl);
		} else {
			char t[WR_TIME_STRLEN];
			now_iso(t);
			fprintf(s.log, "%s tls-refused\n", t);
			fflush(s.log);
			ERR_clear_error();
		}
		SSL_free(ssl);
		close(cfd);
	}
	close(lfd);
	SSL_CTX_free(s.ctx);
	fclose(s.log);
	chain_wipe(&s.ch);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "init") == 0)
		return cmd_init(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "serve") == 0)
		return cmd_serve(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "rollover") == 0)
		return cmd_rollover(argc, argv);
	fprintf(stderr, "usage: limf-kms init DIR [...] | limf-kms rollover DIR --at TIME | "
			"limf-kms serve --community F ...\n");
	return 2;
}
