/* libpcap sources (see capture.h). The only file of limf that includes pcap.h (STYLE.md 3). */
#define _GNU_SOURCE /* fopencookie: a tapped file source (cap_source_open_file_tap) */
#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/capture.h"
#include "common/log.h"

/* Read buffer of a capture file: libpcap reads every record with two fread(3)s, which at the
 * default stdio buffer and locking cost more than the parsing of the record. */
#define FILE_BUF (1u << 20)

struct cap_source {
	pcap_t *p;
	char *fbuf; /* the FILE's buffer (files opened by cap_source_open_file), freed after it */
	uint32_t linktype;
	bool nano;
	bool live;
	char err[PCAP_ERRBUF_SIZE]; /* why cap_source_next failed (cap_source_error) */
	enum lim_err failed;        /* cap_source_next's sticky error: no frame after it */
};

static enum lim_err wrap(pcap_t *p, bool nano, struct cap_source **out)
{
	struct cap_source *s = calloc(1, sizeof *s);
	int dlt;
	if (!s) {
		pcap_close(p);
		return LIM_E_NOMEM;
	}
	s->p = p;
	dlt = pcap_datalink(p);
	s->linktype = dlt < 0 ? 0xffffffffu : (uint32_t)dlt;
	s->nano = nano;
	*out = s;
	return LIM_OK;
}

/* The cookie of a tapped file: libpcap's stdio stream reads through tap_read, which hands
 * every octet it got from the one descriptor to the tap before libpcap sees it. */
struct tap_file {
	int fd;
	struct cap_tap tap;
};

static ssize_t tap_read(void *cookie, char *buf, size_t n)
{
	struct tap_file *t = cookie;
	ssize_t k;
	do
		k = read(t->fd, buf, n);
	while (k < 0 && errno == EINTR);
	if (k > 0)
		t->tap.fn(t->tap.ctx, (const uint8_t *)buf, (size_t)k);
	return k;
}

static int tap_close(void *cookie)
{
	struct tap_file *t = cookie;
	int rc = close(t->fd);
	free(t);
	return rc;
}

/* A stdio stream over path: plain fopen, or with a tap the cookie stream above (no seek: libpcap
 * reads offline files front to back). NULL with errno on failure. */
static FILE *open_stream(const char *path, const struct cap_tap *tap)
{
	cookie_io_functions_t io = { .read = tap_read, .close = tap_close };
	struct tap_file *t;
	FILE *fp;
	int e;
	if (!tap)
		return fopen(path, "rbe");
	t = malloc(sizeof *t);
	if (!t)
		return NULL;
	t->tap = *tap;
	t->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (t->fd < 0) {
		e = errno;
		free(t);
		errno = e;
		return NULL;
	}
	fp = fopencookie(t, "rb", io);
	if (!fp) {
		e = errno;
		close(t->fd);
		free(t);
		errno = e;
	}
	return fp;
}

static enum lim_err open_file(const char *path, const struct cap_tap *tap, struct cap_source **out)
{
	char err[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p;
	FILE *fp;
	char *buf;
	enum lim_err rc;
	*out = NULL;
	if (strcmp(path, "-") == 0 && !tap) { /* libpcap's name for stdin */
		p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
		if (!p) {
			lim_err_log("%s: %s", path, err);
			return LIM_E_IO;
		}
		return wrap(p, pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO, out);
	}
	if (tap && (!tap->fn || strcmp(path, "-") == 0))
		return LIM_E_ARG;
	buf = malloc(FILE_BUF);
	if (!buf)
		return LIM_E_NOMEM;
	fp = open_stream(path, tap);
	if (!fp) {
		lim_err_log("%s: %s", path, strerror(errno));
		free(buf);
		return LIM_E_IO;
	}
	/* one thread reads a source: no stdio locking per fread (glibc stdio_ext.h) */
	__fsetlocking(fp, FSETLOCKING_BYCALLER);
	if (setvbuf(fp, buf, _IOFBF, FILE_BUF) != 0) {
		free(buf);
		buf = NULL;
	}
	p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, err);
	if (!p) {
		lim_err_log("%s: %s", path, err);
		fclose(fp);
		free(buf);
		return LIM_E_IO;
	}
	rc = wrap(p, pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO, out);
	if (rc != LIM_OK) {
		free(buf); /* wrap closed p and with it fp */
		return rc;
	}
	(*out)->fbuf = buf;
	return LIM_OK;
}

/* see capture.h */
enum lim_err cap_source_open_file(const char *path, struct cap_source **out)
{
	return open_file(path, NULL, out);
}

/* see capture.h */
enum lim_err cap_source_open_file_tap(const char *path, const struct cap_tap *tap,
				      struct cap_source **out)
{
	if (!tap) {
		*out = NULL;
		return LIM_E_ARG;
	}
	return open_file(path, tap, out);
}

/* see capture.h */
enum lim_err cap_source_open_live(const char *iface, const char *bpf, struct cap_source **out)
{
	char err[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p;
	struct bpf_program prog;
	*out = NULL;
	p = pcap_open_live(iface, 65535, 1, 100, err);
	if (!p) {
		lim_err_log("%s: %s", iface, err);
		return LIM_E_IO;
	}
	if (bpf) {
		if (pcap_compile(p, &prog, bpf, 1, PCAP_NETMASK_UNKNOWN) != 0) {
			lim_err_log("filter '%s': %s", bpf, pcap_geterr(p));
			pcap_close(p);
			return LIM_E_ARG;
		}
		if (pcap_setfilter(p, &prog) != 0) {
			lim_err_log("filter '%s': %s", bpf, pcap_geterr(p));
			pcap_freecode(&prog);
			pcap_close(p);
			return LIM_E_IO;
		}
		pcap_freecode(&prog);
	}
	return wrap(p, false, out);
}

static enum lim_err set_filter(pcap_t *p, const char *bpf)
{
	struct bpf_program prog;
	if (pcap_compile(p, &prog, bpf, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		lim_err_log("filter '%s': %s", bpf, pcap_geterr(p));
		return LIM_E_ARG;
	}
	if (pcap_setfilter(p, &prog) != 0) {
		lim_err_log("filter '%s': %s", bpf, pcap_geterr(p));
		pcap_freecode(&prog);
		return LIM_E_IO;
	}
	pcap_freecode(&prog);
	return LIM_OK;
}

/* see capture.h */
enum lim_err cap_source_open_live_cfg(const struct cap_live_cfg *cfg, struct cap_source **out)
{
	char err[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p;
	enum lim_err e = LIM_E_IO;
	int rc;
	*out = NULL;
	if (!cfg->iface || cfg->snaplen > 262144u || cfg->buffer_size > (1u << 30))
		return LIM_E_ARG;
	p = pcap_create(cfg->iface, err);
	if (!p) {
		lim_err_log("%s: %s", cfg->iface, err);
		return LIM_E_IO;
	}
	if (pcap_set_snaplen(p, cfg->snaplen ? (int)cfg->snaplen : 65535) != 0 ||
	    pcap_set_promisc(p, cfg->promisc ? 1 : 0) != 0 || pcap_set_timeout(p, 100) != 0 ||
	    pcap_set_immediate_mode(p, cfg->immediate ? 1 : 0) != 0 ||
	    (cfg->buffer_size && pcap_set_buffer_size(p, (int)cfg->buffer_size) != 0)) {
		lim_err_log("%s: cannot set capture options", cfg->iface);
		goto fail;
	}
	rc = pcap_activate(p);
	if (rc < 0) {
		lim_err_log("%s: %s", cfg->iface, pcap_geterr(p));
		goto fail;
	}
	if (rc > 0)
		lim_warn("%s: %s", cfg->iface, pcap_geterr(p));
	if (cfg->bpf && (e = set_filter(p, cfg->bpf)) != LIM_OK)
		goto fail;
	if (pcap_setnonblock(p, 1, err) != 0) {
		lim_err_log("%s: %s", cfg->iface, err);
		e = LIM_E_IO;
		goto fail;
	}
	e = wrap(p, false, out);
	if (e == LIM_OK)
		(*out)->live = true;
	return e;
fail:
	pcap_close(p);
	return e;
}

/* see capture.h */
int cap_source_fd(const struct cap_source *s)
{
	return s->live ? pcap_get_selectable_fd(s->p) : -1;
}

static void fill(const struct cap_source *s, const struct pcap_pkthdr *h, const u_char *data,
		 struct cap_frame *f)
{
	f->ts_ns = (uint64_t)h->ts.tv_sec * 1000000000ull +
		   (uint64_t)h->ts.tv_usec * (s->nano ? 1u : 1000u);
	f->caplen = h->caplen;
	f->origlen = h->len;
	f->linktype = s->linktype;
	f->data = data;
}

/* see capture.h */
enum lim_err cap_source_try_next(struct cap_source *s, struct cap_frame *f, bool *got, bool *eof)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc;
	memset(f, 0, sizeof *f);
	*got = false;
	*eof = false;
	rc = pcap_next_ex(s->p, &h, &data);
	if (rc == 1) {
		fill(s, h, data, f);
		*got = true;
		return LIM_OK;
	}
	if (rc == 0)
		return LIM_OK; /* live: nothing now */
	if (rc == PCAP_ERROR_BREAK) {
		*eof = true;
		return LIM_OK;
	}
	lim_err_log("pcap: %s", pcap_geterr(s->p));
	return LIM_E_IO;
}

/* see capture.h */
enum lim_err cap_source_kstats(const struct cap_source *s, uint64_t *recv, uint64_t *drop)
{
	struct pcap_stat st;
	*recv = 0;
	*drop = 0;
	if (!s->live)
		return LIM_E_UNSUPP;
	memset(&st, 0, sizeof st);
	if (pcap_stats(s->p, &st) != 0)
		return LIM_E_IO;
	*recv = st.ps_recv;
	*drop = (uint64_t)st.ps_drop + st.ps_ifdrop;
	return LIM_OK;
}

/* see capture.h */
enum lim_err cap_source_next(struct cap_source *s, struct cap_frame *f, bool *eof)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc;
	memset(f, 0, sizeof *f);
	*eof = false;
	if (s->failed != LIM_OK)
		return s->failed;
	for (;;) {
		rc = pcap_next_ex(s->p, &h, &data);
		if (rc == 1)
			break;
		if (rc == 0)
			continue; /* live: timeout with no packet */
		if (rc == PCAP_ERROR_BREAK) {
			*eof = true;
			return LIM_OK;
		}
		snprintf(s->err, sizeof s->err, "%s", pcap_geterr(s->p));
		/* a read of a file that ran into its end: the file was cut short inside its last
		 * record (a capture stopped while writing, a copy cut off). Anything else (an
		 * impossible length, an unknown block, an I/O error) is not a short file. */
		if (!s->live && pcap_file(s->p) && feof(pcap_file(s->p)))
			return s->failed = LIM_E_TRUNC;
		lim_err_log("pcap: %s", s->err);
		return s->failed = LIM_E_IO;
	}
	f->ts_ns = (uint64_t)h->ts.tv_sec * 1000000000ull +
		   (uint64_t)h->ts.tv_usec * (s->nano ? 1u : 1000u);
	f->caplen = h->caplen;
	f->origlen = h->len;
	f->linktype = s->linktype;
	f->data = data;
	return LIM_OK;
}

/* see capture.h */
const char *cap_source_error(const struct cap_source *s)
{
	return s->err;
}

/* see capture.h */
uint32_t cap_source_linktype(const struct cap_source *s)
{
	return s->linktype;
}

/* see capture.h */
void cap_source_close(struct cap_source *s)
{
	if (!s)
		return;
	pcap_close(s->p); /* closes a file source's FILE before its buffer goes */
	free(s->fbuf);
	free(s);
}
