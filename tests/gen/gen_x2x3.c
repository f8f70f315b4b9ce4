/* limf-gen as a POI (see gen_x2x3.h): reads the pcap it just wrote through capture/'s decoder
 * and call table (so TCP-framed and fragmented SIP come out whole) and turns, in capture order,
 *   each SIP message  -> an X2 PDU, payload format 9 (SIP message)
 *   each SRTP/SRTCP packet bound to a call -> an X3 PDU, payload format 8 (RTP packet), or
 *     with --x2x3-ip format 5/6 (the IPv4/IPv6 packet: header, UDP header with its checksum,
 *     the RTP packet)
 * with the conditional attributes (TS 103 221-2 s5.3) sequence number, timestamp (the packet's
 * capture time), source/destination IPv4 or IPv6 address and port, IP protocol (6 or 17) and
 * NFID "limf-gen"; XID --x2x3-xid (else one derived from --seed); correlation ID = the call's
 * number in the call table. Version CAP_X2X3_VERSION, direction 1 (not known to the POI).
 * A keep-alive (sequence number 1, 2, ...) goes before the first PDU of every second of capture
 * time and one at the end; the MF must acknowledge each (same sequence number).
 *
 * --x2x3 HOST:PORT: TLS 1.2+ client, certificate --x2x3-cert/--x2x3-key, the MF's certificate
 * verified against --x2x3-ca (and its IP address or host name). The PDUs go as fast as TLS
 * takes them; at the end it waits up to 15 s for the last keep-alive's acknowledgement (which
 * the MF sends only after reading everything before it): exit 1 when it does not come.
 * --x2x3-pcap FILE: the same PDU stream as one plain TCP connection 10.99.0.1:40000 ->
 * 10.99.0.2:PORT (PORT from --x2x3, else 6443), one PDU per segment, with the MF's
 * acknowledgements, handshake and FIN: what `tshark -d tcp.port==PORT,5gli` reads.
 * Tests: --x2x3-misbehave garbage (after the first PDU, 96 octets that are no PDU) or cut
 * (after the first PDU, half of the next one), then --x2x3-hold seconds, then close. */
#include "tests/gen/gen_x2x3.h"

#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "capture/x2x3.h"
#include "tests/gen/gen.h"

#define KA_EVERY_NS 1000000000ull

struct poi {
	const struct gen_x2x3_opts *o;
	uint8_t xid[16];
	uint32_t seq, ka_seq;
	uint64_t next_ka_ns, last_ns;
	/* TLS */
	SSL_CTX *ctx;
	SSL *ssl;
	int fd;
	bool broken; /* misbehaving: stop after the act */
	/* pcap */
	struct gen_pcap *pc;
	struct gen_addr poi_a, mf_a;
	uint16_t mf_port;
	uint32_t poi_seq, mf_seq;
	/* counts */
	uint64_t n, x2, x3, ka, bytes;
	uint8_t buf[CAP_X2X3_MAX_HEADER + 65600];
};

static void parse_xid(const char *s, uint8_t out[16])
{
	size_t n = 0;
	for (const char *p = s; *p; p++) {
		int v;
		if (*p == '-')
			continue;
		if (*p >= '0' && *p <= '9')
			v = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			v = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			v = *p - 'A' + 10;
		else
			gen_die("--x2x3-xid: a UUID (8-4-4-4-12 hex digits), got '%s'", s);
		if (n >= 32)
			gen_die("--x2x3-xid: too long: '%s'", s);
		if (n % 2 == 0)
			out[n / 2] = (uint8_t)(v << 4);
		else
			out[n / 2] |= (uint8_t)v;
		n++;
	}
	if (n != 32)
		gen_die("--x2x3-xid: a UUID has 32 hex digits, got '%s'", s);
}

static void split(const char *hp, char *host, size_t hc, char *port, size_t pc)
{
	const char *c;
	size_t hl;
	if (hp[0] == '[') {
		c = strchr(hp, ']');
		if (!c || c[1] != ':')
			gen_die("--x2x3: HOST:PORT or [V6]:PORT, got '%s'", hp);
		hl = (size_t)(c - hp - 1);
		hp++;
		c++;
	} else {
		c = strrchr(hp, ':');
		if (!c)
			gen_die("--x2x3: HOST:PORT, got '%s'", hp);
		hl = (size_t)(c - hp);
	}
	if (hl == 0 || hl >= hc || strlen(c + 1) == 0 || strlen(c + 1) >= pc)
		gen_die("--x2x3: HOST:PORT, got '%s'", hp);
	memcpy(host, hp, hl);
	host[hl] = '\0';
	memcpy(port, c + 1, strlen(c + 1) + 1);
}

static const char *ssl_err(void)
{
	static char b[256];
	unsigned long e = ERR_get_error();
	if (!e)
		return "connection closed";
	ERR_error_string_n(e, b, sizeof b);
	return b;
}

static void tls_open(struct poi *p)
{
	char host[256], port[16];
	struct addrinfo hints, *ai = NULL;
	struct timeval tv = { 15, 0 };
	const struct gen_x2x3_opts *o = p->o;
	split(o->connect, host, sizeof host, port, sizeof port);
	signal(SIGPIPE, SIG_IGN); /* a closed connection is an error return, not a kill */
	if (!o->ca || !o->cert || !o->key)
		gen_die("--x2x3 needs --x2x3-ca, --x2x3-cert and --x2x3-key");
	p->ctx = SSL_CTX_new(TLS_client_method());
	if (!p->ctx || !SSL_CTX_set_min_proto_version(p->ctx, TLS1_2_VERSION) ||
	    SSL_CTX_use_certificate_chain_file(p->ctx, o->cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(p->ctx, o->key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_load_verify_locations(p->ctx, o->ca, NULL) != 1)
		gen_die("x2x3: TLS set-up (--x2x3-ca/-cert/-key): %s", ssl_err());
	SSL_CTX_set_verify(p->ctx, SSL_VERIFY_PEER, NULL);
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, &ai) != 0 || !ai)
		gen_die("x2x3: %s: cannot resolve", o->connect);
	p->fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (p->fd < 0 || connect(p->fd, ai->ai_addr, ai->ai_addrlen) != 0)
		gen_die("x2x3: %s: cannot connect", o->connect);
	freeaddrinfo(ai);
	setsockopt(p->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	p->ssl = SSL_new(p->ctx);
	if (!p->ssl || SSL_set_fd(p->ssl, p->fd) != 1)
		gen_die("x2x3: TLS: %s", ssl_err());
	{
		X509_VERIFY_PARAM *vp = SSL_get0_param(p->ssl);
		if (X509_VERIFY_PARAM_set1_ip_asc(vp, host) != 1 &&
		    X509_VERIFY_PARAM_set1_host(vp, host, 0) != 1)
			gen_die("x2x3: TLS: %s", ssl_err());
	}
	if (SSL_connect(p->ssl) != 1)
		gen_die("x2x3: TLS handshake with %s failed: %s", o->connect, ssl_err());
}

static void tls_send(struct poi *p, const uint8_t *b, size_t n)
{
	if (!p->ssl || !n)
		return;
	if (SSL_write(p->ssl, b, (int)n) != (int)n) {
		if (p->o->misbehave)
			return; /* the MF may well have closed it already */
		gen_die("x2x3: the mediation function closed the connection: %s", ssl_err());
	}
}

/* A PDU (or any octets, when misbehaving) on the wire and in the pcap, from the POI. */
static void out_poi(struct poi *p, const uint8_t *b, size_t n)
{
	tls_send(p, b, n);
	if (p->pc) {
		gen_tcp(p->pc, p->last_ns / 1000, &p->poi_a, 40000, &p->mf_a, p->mf_port,
			p->poi_seq, p->mf_seq, GEN_TCP_PSH | GEN_TCP_ACK, b, n);
		p->poi_seq += (uint32_t)n;
	}
}

static void base(struct poi *p, struct cap_x2x3_pdu *x, uint16_t type)
{
	memset(x, 0, sizeof *x);
	x->version = CAP_X2X3_VERSION;
	x->type = type;
	memcpy(x->xid, p->xid, 16);
}

static void keepalive(struct poi *p)
{
	struct cap_x2x3_pdu k;
	size_t len;
	base(p, &k, CAP_X2X3_KEEPALIVE);
	k.present = 1u << CAP_X2X3_A_SEQ;
	k.seq = ++p->ka_seq;
	if (cap_x2x3_encode(&k, p->buf, sizeof p->buf, &len) != LIM_OK)
		gen_die("internal: keep-alive encoding");
	out_poi(p, p->buf, len);
	p->ka++;
	if (p->pc) { /* what the MF answers (limf: capture/x2x3_srv.c) */
		k.type = CAP_X2X3_KEEPALIVE_ACK;
		if (cap_x2x3_encode(&k, p->buf, sizeof p->buf, &len) != LIM_OK)
			gen_die("internal: keep-alive encoding");
		gen_tcp(p->pc, p->last_ns / 1000, &p->mf_a, p->mf_port, &p->poi_a, 40000, p->mf_seq,
			p->poi_seq, GEN_TCP_PSH | GEN_TCP_ACK, p->buf, len);
		p->mf_seq += (uint32_t)len;
	}
}

static void set_addr(struct cap_x2x3_pdu *x, const struct cap_pkt *k)
{
	bool v6 = k->ip_ver == 6;
	x->src = k->src;
	x->dst = k->dst;
	x->present |= v6 ? (1u << CAP_X2X3_A_SRC6 | 1u << CAP_X2X3_A_DST6)
			 : (1u << CAP_X2X3_A_SRC4 | 1u << CAP_X2X3_A_DST4);
	x->sport = k->sport;
	x->dport = k->dport;
	x->proto = k->proto;
	x->present |= 1u << CAP_X2X3_A_SPORT | 1u << CAP_X2X3_A_DPORT | 1u << CAP_X2X3_A_PROTO;
}

static void pdu(struct poi *p, uint16_t type, uint16_t fmt, uint64_t ts, uint64_t corr,
		const struct cap_pkt *k, const uint8_t *pl, size_t plen)
{
	struct cap_x2x3_pdu x;
	size_t len;
	if (p->broken)
		return;
	if (ts < p->last_ns)
		ts = p->last_ns; /* a message completed by an earlier segment: keep order */
	p->last_ns = ts;
	if (ts >= p->next_ka_ns) {
		keepalive(p);
		p->next_ka_ns = ts - ts % KA_EVERY_NS + KA_EVERY_NS;
	}
	base(p, &x, type);
	x.format = fmt;
	x.direction = CAP_X2X3_DIR_UNKNOWN;
	for (int i = 0; i < 8; i++)
		x.corr[i] = (uint8_t)(corr >> (56 - 8 * i));
	x.present = 1u << CAP_X2X3_A_NFID | 1u << CAP_X2X3_A_SEQ | 1u << CAP_X2X3_A_TS;
	x.nfid = lim_rd_make("limf-gen", 8);
	x.seq = ++p->seq;
	x.ts_sec = (uint32_t)(ts / 1000000000u);
	x.ts_nsec = (uint32_t)(ts % 1000000000u);
	set_addr(&x, k);
	x.payload = lim_rd_make(pl, plen);
	if (cap_x2x3_encode(&x, p->buf, sizeof p->buf, &len) != LIM_OK)
		gen_die("x2x3: a PDU of %zu octets does not fit", plen);
	p->n++;
	p->bytes += len;
	if (type == CAP_X2X3_X2)
		p->x2++;
	else
		p->x3++;
	if (p->o->misbehave && p->n >= 2) {
		if (strcmp(p->o->misbehave, "cut") == 0) {
			out_poi(p, p->buf, len / 2);
		} else {
			static const char junk[] =
				"this is not an X2/X3 PDU: GET / HTTP/1.1\r\n"
				"Host: mediation.example\r\n\r\n0123456789abcdef";
			out_poi(p, (const uint8_t *)junk, sizeof junk - 1);
		}
		p->broken = true;
		return;
	}
	out_poi(p, p->buf, len);
}

static uint32_t csum_add(uint32_t acc, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (n & 1)
		acc += (uint32_t)(b[n - 1] << 8);
	return acc;
}

static uint16_t csum_fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)~acc;
}

/* The IP packet the RTP packet travelled in (RFC 791 / RFC 8200 + RFC 768). */
static size_t ip_packet(const struct cap_pkt *k, const uint8_t *pl, size_t plen, uint8_t *out,
			size_t cap)
{
	bool v6 = k->ip_ver == 6;
	size_t hl = v6 ? 40 : 20, ul = 8 + plen, al = v6 ? 16 : 4;
	uint8_t *u = out + hl, ph[40];
	uint32_t acc;
	uint16_t c;
	if (hl + ul > cap || ul > 65535 - (v6 ? 0 : 20))
		gen_die("x2x3: an RTP packet of %zu octets does not fit an IP packet", plen);
	memset(out, 0, hl + 8);
	if (v6) {
		out[0] = 0x60;
		out[4] = (uint8_t)(ul >> 8), out[5] = (uint8_t)ul;
		out[6] = 17, out[7] = 64;
		memcpy(out + 8, k->src.a, 16);
		memcpy(out + 24, k->dst.a, 16);
	} else {
		out[0] = 0x45;
		out[2] = (uint8_t)((hl + ul) >> 8), out[3] = (uint8_t)(hl + ul);
		out[8] = 64, out[9] = 17;
		memcpy(out + 12, k->src.a, 4);
		memcpy(out + 16, k->dst.a, 4);
		c = csum_fold(csum_add(0, out, 20));
		out[10] = (uint8_t)(c >> 8), out[11] = (uint8_t)c;
	}
	u[0] = (uint8_t)(k->sport >> 8), u[1] = (uint8_t)k->sport;
	u[2] = (uint8_t)(k->dport >> 8), u[3] = (uint8_t)k->dport;
	u[4] = (uint8_t)(ul >> 8), u[5] = (uint8_t)ul;
	memcpy(u + 8, pl, plen);
	/* pseudo header: addresses, protocol, UDP length */
	memcpy(ph, k->src.a, al);
	memcpy(ph + al, k->dst.a, al);
	acc = csum_add(0, ph, 2 * al) + 17 + (uint32_t)ul;
	c = csum_fold(csum_add(acc, u, ul));
	if (c == 0)
		c = 0xffff;
	u[6] = (uint8_t)(c >> 8), u[7] = (uint8_t)c;
	return hl + ul;
}

static void on_ev(void *ctx, const struct cap_event *ev)
{
	struct poi *p = ctx;
	uint64_t corr = ev->call ? ev->call->id : 0;
	if (ev->type == CAP_EV_SIP)
		pdu(p, CAP_X2X3_X2, CAP_X2X3_FMT_SIP, ev->ts_ns, corr, ev->pkt, ev->raw.p,
		    ev->raw.len);
	else if (ev->type == CAP_EV_MEDIA && p->o->ip) {
		static uint8_t ip[65600];
		size_t n =
			ip_packet(ev->pkt, ev->media.packet.p, ev->media.packet.len, ip, sizeof ip);
		pdu(p, CAP_X2X3_X3, ev->pkt->ip_ver == 6 ? CAP_X2X3_FMT_IPV6 : CAP_X2X3_FMT_IPV4,
		    ev->ts_ns, corr, ev->pkt, ip, n);
	} else if (ev->type == CAP_EV_MEDIA) {
		pdu(p, CAP_X2X3_X3, CAP_X2X3_FMT_RTP, ev->ts_ns, corr, ev->pkt, ev->media.packet.p,
		    ev->media.packet.len);
	}
}

/* Waits for the acknowledgement of every keep-alive sent. */
static void await_acks(struct poi *p)
{
	struct cap_x2x3_stream *s = NULL;
	uint32_t acked = 0, n_ack = 0;
	if (cap_x2x3_stream_new(CAP_X2X3_MAX_HEADER + 64, &s) != LIM_OK)
		gen_die("out of memory");
	while (acked < p->ka_seq) {
		struct cap_x2x3_pdu a;
		enum cap_x2x3_rej r;
		uint8_t *w;
		size_t room;
		int got;
		while ((r = cap_x2x3_stream_next(s, &a)) == CAP_X2X3_OK) {
			if (a.type != CAP_X2X3_KEEPALIVE_ACK)
				gen_die("x2x3: the MF sent a PDU of type %u", a.type);
			if (a.seq > acked)
				acked = a.seq;
			n_ack++;
		}
		if (r != CAP_X2X3_MORE)
			gen_die("x2x3: the MF sent a bad PDU (%s)", cap_x2x3_rej_name(r));
		if (acked >= p->ka_seq)
			break;
		cap_x2x3_stream_space(s, &w, &room);
		got = SSL_read(p->ssl, w, (int)room);
		if (got <= 0)
			gen_die("x2x3: no acknowledgement of keep-alive %u (%u acknowledged): %s",
				p->ka_seq, acked, ssl_err());
		cap_x2x3_stream_commit(s, (size_t)got);
	}
	cap_x2x3_stream_free(s);
	if (n_ack != p->ka)
		gen_die("x2x3: %u acknowledgements for %llu keep-alives", n_ack,
			(unsigned long long)p->ka);
}

/* see gen_x2x3.h */
void gen_x2x3_run(const char *in_pcap, const struct gen_x2x3_opts *o)
{
	static struct poi p;
	static struct gen_pcap pc;
	struct cap_source *src = NULL;
	struct cap_dec dec;
	struct cap_calls *calls = NULL;
	memset(&p, 0, sizeof p);
	p.o = o;
	p.fd = -1;
	if (o->xid) {
		parse_xid(o->xid, p.xid);
	} else {
		struct gen_rng r;
		gen_rng_init(&r, o->seed, 0x5832583342ull);
		gen_rng_bytes(&r, p.xid, 16);
		p.xid[6] = (uint8_t)((p.xid[6] & 0x0f) | 0x40); /* version 4 */
		p.xid[8] = (uint8_t)((p.xid[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	}
	if (o->misbehave && strcmp(o->misbehave, "garbage") != 0 &&
	    strcmp(o->misbehave, "cut") != 0)
		gen_die("--x2x3-misbehave: garbage or cut, got '%s'", o->misbehave);
	if (o->pcap) {
		char host[256], port[16] = "6443";
		if (o->connect)
			split(o->connect, host, sizeof host, port, sizeof port);
		p.mf_port = (uint16_t)atoi(port);
		gen_pcap_open(&pc, o->pcap, 0);
		p.pc = &pc;
		memcpy(p.poi_a.a, "\x0a\x63\x00\x01", 4);
		memcpy(p.mf_a.a, "\x0a\x63\x00\x02", 4);
		p.poi_seq = 1000;
		p.mf_seq = 5000;
	}
	if (o->connect)
		tls_open(&p);
	if (cap_source_open_file(in_pcap, &src) != LIM_OK || cap_dec_init(&dec, NULL) != LIM_OK)
		gen_die("%s: cannot read back", in_pcap);
	if (cap_calls_new(NULL, &dec.st, on_ev, &p, &calls) != LIM_OK)
		gen_die("out of memory");
	for (;;) {
		struct cap_frame f;
		struct cap_pkt k;
		bool eof;
		if (cap_source_next(src, &f, &eof) != LIM_OK)
			gen_die("%s: read error", in_pcap);
		if (eof)
			break;
		if (p.pc && p.n == 0 && p.ka == 0) { /* the TCP handshake, before the first PDU */
			uint64_t t = f.ts_ns / 1000;
			p.last_ns = f.ts_ns;
			gen_tcp(p.pc, t, &p.poi_a, 40000, &p.mf_a, p.mf_port, p.poi_seq - 1, 0,
				GEN_TCP_SYN, NULL, 0);
			gen_tcp(p.pc, t, &p.mf_a, p.mf_port, &p.poi_a, 40000, p.mf_seq - 1,
				p.poi_seq, GEN_TCP_SYN | GEN_TCP_ACK, NULL, 0);
			gen_tcp(p.pc, t, &p.poi_a, 40000, &p.mf_a, p.mf_port, p.poi_seq, p.mf_seq,
				GEN_TCP_ACK, NULL, 0);
			p.n = 0;
			p.ka = 0;
			p.ka_seq = 0;
			keepalive(&p);
			p.next_ka_ns = f.ts_ns - f.ts_ns % KA_EVERY_NS + KA_EVERY_NS;
		}
		if (cap_dec_frame(&dec, &f, &k) == CAP_OK)
			cap_calls_feed(calls, &k, f.ts_ns);
	}
	cap_calls_flush(calls, p.last_ns);
	cap_calls_free(calls);
	cap_dec_clear(&dec);
	cap_source_close(src);
	if (!p.broken) {
		if (p.ka == 0 && !p.pc)
			p.next_ka_ns = 0;
		keepalive(&p); /* the last one: its ack says everything was read */
	}
	if (p.pc) {
		uint64_t t = p.last_ns / 1000;
		gen_tcp(p.pc, t, &p.poi_a, 40000, &p.mf_a, p.mf_port, p.poi_seq, p.mf_seq,
			GEN_TCP_FIN | GEN_TCP_ACK, NULL, 0);
		gen_tcp(p.pc, t, &p.mf_a, p.mf_port, &p.poi_a, 40000, p.mf_seq, p.poi_seq + 1,
			GEN_TCP_FIN | GEN_TCP_ACK, NULL, 0);
		gen_tcp(p.pc, t, &p.poi_a, 40000, &p.mf_a, p.mf_port, p.poi_seq + 1, p.mf_seq + 1,
			GEN_TCP_ACK, NULL, 0);
		gen_pcap_close(p.pc);
	}
	if (p.ssl) {
		if (!p.broken)
			await_acks(&p);
		if (o->hold > 0) {
			struct timespec ts = { (time_t)o->hold,
					       (long)((o->hold - (double)(time_t)o->hold) * 1e9) };
			nanosleep(&ts, NULL);
		}
		if (!p.broken)
			(void)SSL_shutdown(p.ssl);
		SSL_free(p.ssl);
		close(p.fd);
		SSL_CTX_free(p.ctx);
	}
	{
		char x[40];
		static const char hx[] = "0123456789abcdef";
		size_t k = 0;
		for (int i = 0; i < 16; i++) {
			if (i == 4 || i == 6 || i == 8 || i == 10)
				x[k++] = '-';
			x[k++] = hx[p.xid[i] >> 4];
			x[k++] = hx[p.xid[i] & 15];
		}
		x[k] = '\0';
		fprintf(stderr,
			"limf-gen: x2x3: xid %s pdus %llu x2 %llu x3 %llu keepalive %llu bytes "
			"%llu%s%s\n",
			x, (unsigned long long)p.n, (unsigned long long)p.x2,
			(unsigned long long)p.x3, (unsigned long long)p.ka,
			(unsigned long long)p.bytes, p.ssl ? " acknowledged" : "",
			p.broken ? " (misbehaved)" : "");
	}
}
