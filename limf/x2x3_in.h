/* limf capture's X2/X3 input (issue 8, ETSI TS 103 221-2): the service-loop glue between the
 * capture/ TLS listener (capture/x2x3.h) and the pipeline (limf/pipeline.h).
 *
 * Each X2 PDU carrying a SIP message and each X3 PDU carrying an RTP packet enters the
 * pipeline as a captured frame would: it is wrapped in an IPv4/IPv6 + UDP datagram
 * (CAP_LINK_RAW) built from the PDU's conditional attributes (source/destination address and
 * port; the call table binds media to calls by these), with the PDU's Timestamp attribute as
 * the capture time when it is within LIMF_X23_TS_SKEW_NS of the wall clock, else (and when
 * absent) the wall clock: a POI's clock does not move the call table's, nor the time warrants
 * are checked at. Payload formats "IPv4 packet" and "IPv6
 * packet" are fed as they are. Other formats, X3 RTP without addresses and ports, and SIP too
 * big for one datagram are counted and dropped (the POI keeps its connection).
 *
 * The XID of each PDU names the POI's task, which a warrant owns (`limf warrant add --xid`, X1
 * provisioning later): with a database (cfg.db) a PDU is fed only when its XID belongs to a
 * warrant in force at the PDU's time (wr_xid_decide, asked at most once a second per XID); any
 * other PDU is counted (xid_refused) and dropped: a POI cannot make limf look at traffic no
 * warrant asked for. An XID that no warrant has at all (wr_xids_known: read again when its mark,
 * wr_xids_mark, asked for at most once a second when a check is due, has moved, and at once
 * after limf_x23_warrants_changed) is refused without a question: a POI sending random XIDs
 * costs the database nothing per PDU. Interception of what is fed is then decided by the warrant
 * gate on the call's parties, as for captured packets. The XIDs seen are recorded (counts in the
 * summary, logged when first seen) in a table of LIMF_X23_MAX_XIDS: when it is full, a new XID
 * takes the slot of the least recently seen XID that no warrant owned at its last check (of the
 * least recently seen XID when every one is owned), counted as xid_evicted, so that an unseen
 * XID is always checked against the database: a POI's random or stale XIDs never shut new
 * warrants out. Once the table has evicted, a new XID is logged only when a warrant owns it. */
#ifndef LIMF_X2X3_IN_H
#define LIMF_X2X3_IN_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "capture/x2x3.h"
#include "limf/pool.h"

#define LIMF_X23_MAX_FDS  (1 + CAP_X2X3_MAX_SLOTS)
#define LIMF_X23_MAX_XIDS 64
/* a PDU Timestamp's most from the clock: below the call table's shortest timer (a call's
 * linger, 5 s), so that a POI's clock moves no call's end */
#define LIMF_X23_TS_SKEW_NS (3ull * 1000000000ull)

struct wr_db;

struct limf_x23_cfg {
	const char *listen, *ca, *cert, *key; /* borrowed for the call */
	const char *crl;                      /* NULL or "" = no CRL (cap_x2x3_srv_cfg crl) */
	size_t max_conns;                     /* 0 = 16 */
	uint64_t hs_ms;                       /* TLS handshake timeout, 0 = 10 s */
	struct wr_db *db; /* borrowed for the listener's life: the XID check; NULL = none */
};

struct limf_x23_xid {
	uint8_t xid[16];
	uint64_t x2, x3;
	uint64_t refused;    /* PDUs dropped: no warrant in force owns the XID */
	bool ok;             /* the last check's answer */
	uint64_t checked_ns; /* CLOCK_MONOTONIC of the last check (0: never); its answer holds
			      * for 1 s whatever the PDUs' own Timestamps (out of order or not) */
	uint64_t seen_ns;    /* CLOCK_MONOTONIC of the last PDU (the eviction order) */
};

struct limf_x23_stats {
	uint64_t fed, fed_bytes; /* frames handed to the pipeline */
	uint64_t no_addr;        /* X3 RTP without addresses/ports: not fed */
	uint64_t too_big;        /* payload too big for one UDP datagram / IP packet */
	uint64_t bad_format;     /* payload format not SIP / RTP / IPv4 / IPv6 for its type */
	uint64_t ts_skewed;      /* PDUs whose Timestamp was not taken (LIMF_X23_TS_SKEW_NS) */
	size_t n_xid;
	/* XIDs forgotten to make room for a new one (the table full: see above); their per-XID
	 * counters go with them, the totals stay */
	uint64_t xid_evicted;
	uint64_t xid_refused; /* PDUs whose XID no warrant in force owns */
	uint64_t xid_queries; /* questions to the database whose warrant owns an XID */
	uint64_t xid_lists;   /* reads of the XIDs warrants have (an XID none has: no query) */
	struct limf_x23_xid xid[LIMF_X23_MAX_XIDS];
};

struct limf_x23;

/* Opens the listener; p (borrowed) receives the frames. LIM_E_* with why filled. */
enum lim_err limf_x23_open(const struct limf_x23_cfg *cfg, struct limf_pool *p,
			   struct limf_x23 **out, char *why, size_t whylen) LIM_WUR;
/* SIGHUP (issue 8): applies cfg's CA, certificate, key, CRLs, max_conns and hs_ms to the running
 * listener (cap_x2x3_srv_reload: a new TLS context for new connections, open ones go on unless a
 * CRL revokes their certificate; files rotated in place are read again). The listen address
 * cannot change without a restart: when cfg->listen differs from the one in force, *listen_kept
 * is set and the old one stays. cfg->db is not looked at. On error nothing changes: LIM_E_* with
 * why filled. */
enum lim_err limf_x23_reload(struct limf_x23 *x, const struct limf_x23_cfg *cfg, bool *listen_kept,
			     char *why, size_t whylen) LIM_WUR;
/* The address the listener was opened with ("ADDR:PORT" as configured). */
const char *limf_x23_listen(const struct limf_x23 *x);
/* For the service loop's poll(): see cap_x2x3_srv_pollfds / cap_x2x3_srv_step. */
size_t limf_x23_pollfds(const struct limf_x23 *x, struct pollfd *pfd, size_t max);
void limf_x23_step(struct limf_x23 *x, const struct pollfd *pfd, size_t n, uint64_t now_ms);
const struct cap_x2x3_stats *limf_x23_srv_stats(const struct limf_x23 *x);
const struct limf_x23_stats *limf_x23_stats(const struct limf_x23 *x);
uint16_t limf_x23_port(const struct limf_x23 *x);
/* Summary lines ("limf capture: x2x3 ...") for the end of the run. */
void limf_x23_summary(const struct limf_x23 *x, FILE *f);
/* The warrant table changed (a notification): the XIDs warrants have are read again, and
 * every XID asked for again, at its next PDU. NULL is a no-op. */
void limf_x23_warrants_changed(struct limf_x23 *x);
/* "8-4-4-4-12" text of an XID into out (37 octets). */
void limf_x23_xid_str(const uint8_t xid[16], char out[37]);
/* The service stops: no more X2/X3 read (cap_x2x3_srv_stop); the counters stay. */
void limf_x23_stop(struct limf_x23 *x);
/* No new POI connection from now on (cap_x2x3_srv_stop_accepting); the open ones go on. */
void limf_x23_stop_accepting(struct limf_x23 *x);
void limf_x23_free(struct limf_x23 *x); /* NULL is a no-op */

#endif
