/* limf-gen as a point of interception (issue 8, ETSI TS 103 221-2): the generated pcap's SIP
 * as X2 PDUs and its SRTP/SRTCP as X3 PDUs, over TLS to a mediation function (--x2x3) and/or
 * as a plain-TCP pcap for tshark's 5gli dissector (--x2x3-pcap). See gen_x2x3.c. */
#ifndef LIM_TESTS_GEN_X2X3_H
#define LIM_TESTS_GEN_X2X3_H

#include <stdbool.h>
#include <stdint.h>

struct gen_x2x3_opts {
	const char *connect;         /* --x2x3 HOST:PORT, NULL = none */
	const char *ca, *cert, *key; /* --x2x3-ca (verifies the MF), -cert/-key (this POI's) */
	const char *xid;             /* --x2x3-xid UUID, NULL = derived from the seed */
	const char *pcap;            /* --x2x3-pcap FILE, NULL = none */
	bool ip;                     /* --x2x3-ip: X3 as whole IP packets (formats 5/6) */
	const char *misbehave;       /* tests: "garbage" or "cut", NULL = none */
	double hold;                 /* tests: seconds to keep the connection before closing */
	uint64_t seed;
};

/* Reads the generated pcap and sends/writes its PDUs. Ends the program (gen_die) on error;
 * prints one summary line on stderr ("limf-gen: x2x3: ..."). */
void gen_x2x3_run(const char *in_pcap, const struct gen_x2x3_opts *o);

#endif
