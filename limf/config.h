/* limf.conf: the one configuration file (DESIGN.md s6). Flags override it; it overrides the
 * LIMF_* environment. Secrets are named by file path, never written in it.
 *
 *   # comment (also ';'; after a blank, one also ends a value or a section header line:
 *   # "key = ; comment" is an empty value, "a;b" and "a#b" are kept whole)
 *   [database]
 *   conninfo = host=/var/lib/limf/pg dbname=limf user=limf_service
 *   recheck_grace = 60           ; seconds ongoing interceptions are kept while the warrant
 *                                ; re-checks fail (1..3600; limf/pipeline.h limf_pipe_recheck)
 *   late_rate = 200              ; calls in progress a worker sends to the gate again per
 *                                ; second (1..100000; a warrant changed, a decision retried)
 *   [kms]
 *   url  = https://kms.example.org:8443
 *   ca   = /etc/limf/kms-ca.pem
 *   cert = /etc/limf/kms-client.pem
 *   key  = /etc/limf/kms-client.key
 *   [evidence]
 *   sign_key = /etc/limf/evidence-ed25519.pem
 *   [handover]
 *   operator_id = OP1            ; ETSI operatorIdentifier, 1..16 characters
 *   network_element_id = limf-1  ; networkElementIdentifier, 0..16
 *   country = GB                 ; deliveryCountryCode, 2 letters or empty
 *   spool_dir = /var/spool/limf  ; durable spools of the network handover
 *   spool_max_mb = 1024          ; bound per authority and stream (MiB)
 *   [authority lemf-a]           ; a warrant whose delivery is "lemf-a" goes here
 *   hi2  = lemf-a.example.org:6001
 *   hi3  = lemf-a.example.org:6002
 *   ca   = /etc/limf/lemf-a-ca.pem   ; mutual TLS (DESIGN.md s5.5): the LEMF's CA,
 *   cert = /etc/limf/limf-client.pem ; limf's client certificate
 *   key  = /etc/limf/limf-client.key ; and its key: all three are required, unless
 *   ; insecure_plaintext = yes       ; (test setups only) sends IRI and CC in clear over TCP,
 *   ;                                ; with a loud warning at every start; then no ca/cert/key
 *   version = 17                 ; li-psDomainId version the LEMF expects (TS 102 232-1)
 *   [service]
 *   control_socket = /run/limf/limf.sock ; `limf status` (limf/status.h); unset = off
 *   metrics = 127.0.0.1:9464     ; Prometheus GET /metrics, loopback only; unset = off
 *   user = limf                  ; started as root, `limf capture` drops to it (limf/privs.h)
 *   group = limf                 ; its group; unset = the user's primary group
 *   [x2x3]                       ; X2/X3 input from points of interception (TS 103 221-2)
 *   listen = 0.0.0.0:6443        ; TLS listener (`limf capture --x2x3 ADDR:PORT` overrides)
 *   ca   = /etc/limf/poi-ca.pem  ; the CA that signs the POIs' client certificates
 *   cert = /etc/limf/x2x3.pem    ; this listener's certificate and key
 *   key  = /etc/limf/x2x3.key
 *   max_conns = 16               ; POI connections at once (1..64)
 *   handshake_timeout = 10       ; seconds a POI has for its TLS handshake (1..300)
 *   (SIGHUP re-reads ca, cert, key, max_conns and handshake_timeout; listen needs a restart)
 *
 * Section and key names are case-sensitive; blanks around '=' and at line ends are trimmed.
 * An unknown section or key, a line that is neither, or a value too long for its field is an
 * error naming the line (a typo must not silently drop a setting). Files over 64 KiB are
 * refused. */
#ifndef LIMF_CONFIG_H
#define LIMF_CONFIG_H

#include <stddef.h>

#include "common/err.h"

#define LIMF_CONF_PATH 1024
#define LIMF_CONF_AUTH 16 /* [authority NAME] sections */
#define LIMF_AUTH_NAME 64

struct limf_conf_auth {
	char name[LIMF_AUTH_NAME]; /* 1..63 of [A-Za-z0-9._:-] */
	char hi2[256], hi3[256];   /* "host:port" / "[v6]:port" */
	char version[8];           /* last arc of li-psDomainId for this authority; "" = 17 */
	char ca[LIMF_CONF_PATH], cert[LIMF_CONF_PATH], key[LIMF_CONF_PATH];
	char insecure_plaintext[8]; /* "yes": plain TCP, no ca/cert/key; "" or "no": mutual TLS */
};

struct limf_conf {
	char db[LIMF_CONF_PATH];
	char recheck_grace[8]; /* [database] seconds, "" = LIMF_RECHECK_GRACE_US */
	char late_rate[8];     /* [database] calls per second and worker, "" = 200 */
	char kms_url[LIMF_CONF_PATH], kms_ca[LIMF_CONF_PATH], kms_cert[LIMF_CONF_PATH],
		kms_key[LIMF_CONF_PATH];
	/* [kms] seconds between two re-fetches of the KMS certificate (a roll-over, a signature
	 * that does not verify): 1..86400, "" = 60 (warrants/kms.h refresh_min_us) */
	char kms_refresh[8];
	char sign_key[LIMF_CONF_PATH];
	char op_id[17], ne_id[17], country[3];
	char spool_dir[LIMF_CONF_PATH];
	char spool_max_mb[16];
	char control_socket[108]; /* [service]: a Unix socket path (sun_path), "" = none */
	char metrics[64];         /* [service]: "127.0.0.1:PORT" / "[::1]:PORT", "" = none */
	char svc_user[64];        /* [service] user: drop root to it, "" = none */
	char svc_group[64];       /* [service] group, "" = the user's primary group */
	char x2x3_listen[256];    /* [x2x3] listen "ADDR:PORT", "" = no X2/X3 input */
	char x2x3_ca[LIMF_CONF_PATH], x2x3_cert[LIMF_CONF_PATH], x2x3_key[LIMF_CONF_PATH];
	char x2x3_crl[LIMF_CONF_PATH]; /* "" = no CRL */
	char x2x3_max_conns[8];        /* "" = 16 */
	char x2x3_hs_timeout[8];       /* seconds, "" = 10 */
	size_t n_auth;
	struct limf_conf_auth auth[LIMF_CONF_AUTH];
};

/* The authority called name, or NULL. */
const struct limf_conf_auth *limf_conf_authority(const struct limf_conf *c, const char *name);

/* Defaults: everything empty. An empty operator_id names the operator "limf" in the PS headers
 * (limf_conf_op_id; limf/delivery.c warns when they go to an authority). */
void limf_conf_init(struct limf_conf *c);
/* The operator identifier the PS headers carry: [handover] operator_id, "limf" when empty. */
static inline const char *limf_conf_op_id(const struct limf_conf *c)
{
	return c->op_id[0] ? c->op_id : "limf";
}
/* Reads path into c (keys present override what c holds). LIM_OK; LIM_E_IO (unreadable),
 * LIM_E_LIMIT (too big), LIM_E_PARSE (why names the line and the problem, or the [authority]
 * section that is not mutual TLS: without all of ca, cert and key and without
 * insecure_plaintext = yes, or with both). */
enum lim_err limf_conf_load(const char *path, struct limf_conf *c, char *why,
			    size_t whycap) LIM_WUR;

#endif
