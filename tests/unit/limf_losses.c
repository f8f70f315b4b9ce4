/* limf/losses.c: which counters make a run's evidence incomplete, and the reason it gives; and
 * limf/text.c's UTF-8 repair of text built from captured octets and end of JSON output. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/json.h"
#include "limf/pipeline.h"
#include "limf/text.h"
#include "tests/unit/check.h"

void t_losses(void);

void t_losses(void)
{
	struct limf_pipe_stats s;
	struct cap_stats c;
	struct limf_eviction ev[LIMF_EVICTIONS];
	char why[512], small[40];

	memset(&s, 0, sizeof s);
	memset(&c, 0, sizeof c);
	/* nothing lost */
	CHECK(!limf_pipe_incomplete(&s, NULL, 0, 0, why, sizeof why) && why[0] == '\0');
	CHECK(!limf_pipe_incomplete(&s, &c, 0, 0, why, sizeof why) && why[0] == '\0');
	CHECK(limf_limit_drops(NULL) == 0 && limf_limit_drops(&c) == 0);
	/* counters that are no loss: input missing or malformed, TCP counters that count streams
	 * of no SIP too, evictions that cost nothing (the junk calls' claims: media_evicted
	 * without media_lost), a full SSRC table, unbound media */
	c.drop[CAP_DROP_FRAG_TIMEOUT] = 7;
	c.drop[CAP_DROP_TCP_MEM] = 1;
	c.drop[CAP_DROP_TCP_STREAM] = 1;
	c.drop[CAP_DROP_IP4_TRUNC] = 3;
	c.drop[CAP_DROP_CALL_SSRC] = 200;
	c.tcp_evicted = 4096;
	c.media_evicted = 100;
	c.media_unbound = 1000;
	CHECK(!limf_pipe_incomplete(&s, &c, 0, 0, why, sizeof why) && why[0] == '\0');
	CHECK(limf_limit_drops(&c) == 0);
	/* losses, each named */
	c.drop[CAP_DROP_FRAG_TABLE] = 2;
	c.drop[CAP_DROP_QUEUE_FULL] = 5;
	c.frag_evicted = 44;
	c.media_lost = 3;
	c.sip_pin_lost = 1;
	CHECK(limf_limit_drops(&c) == 2 + 5 + 44 + 3 + 1);
	CHECK(limf_lost(&c, 9, 2) == 2 + 5 + 44 + 3 + 1 + 9 + 2 && limf_lost(NULL, 0, 0) == 0);
	CHECK(limf_evictions(&c, ev) == LIMF_EVICTIONS && strcmp(ev[0].name, "frag_evicted") == 0 &&
	      ev[0].n == 44 && strcmp(ev[1].name, "calls_evicted") == 0 && ev[1].n == 0 &&
	      strcmp(ev[2].name, "media_lost") == 0 && ev[2].n == 3 &&
	      strcmp(ev[3].name, "sip_pin_lost") == 0 && ev[3].n == 1);
	CHECK(limf_pipe_incomplete(&s, &c, 9, 2, why, sizeof why));
	CHECK(strcmp(why, "traffic lost to capacity limits (kernel_dropped 9, frag_table_full 2, "
			  "queue_full 5, frag_evicted 44, media_lost 3, sip_pin_lost 1, "
			  "routing_notes_lost 2): a target's packets may be among them") == 0);
	/* the gate failed too: both, the gate first */
	s.cin_errors = 1;
	CHECK(limf_pipe_incomplete(&s, &c, 0, 0, why, sizeof why));
	{
		static const char both[] =
			"0 warrant decision(s) failed, 1 call(s) under a warrant got no CIN (not "
			"intercepted), 0 audit row(s) not written; traffic lost to capacity limits "
			"(frag_table_full 2, ";
		CHECK(strncmp(why, both, sizeof both - 1) == 0);
	}
	/* the gate alone */
	memset(&c, 0, sizeof c);
	CHECK(limf_pipe_incomplete(&s, &c, 0, 0, why, sizeof why));
	CHECK(strcmp(why, "0 warrant decision(s) failed, 1 call(s) under a warrant got no CIN (not "
			  "intercepted), 0 audit row(s) not written") == 0);
	/* a reason longer than the room: cut, and marked as cut */
	CHECK(limf_pipe_incomplete(&s, &c, 0, 0, small, sizeof small));
	CHECK(strlen(small) == sizeof small - 1 && strcmp(small + sizeof small - 4, "...") == 0 &&
	      strncmp(small, "0 warrant decision(s) failed, 1 cal", 35) == 0);
	/* no room at all: still the verdict */
	CHECK(limf_pipe_incomplete(&s, &c, 0, 0, small, 0));
	/* a key request failed: content of a call under warrant may be missing; between the gate
	 * and the losses */
	s.cin_errors = 0;
	s.kms_fail = 2;
	CHECK(limf_pipe_incomplete(&s, &c, 0, 0, why, sizeof why));
	CHECK(strcmp(why, "2 key request(s) failed (the KMS, its certificate, or none configured): "
			  "content of calls under warrant may be missing") == 0);
	s.audit_errors = 1;
	c.media_lost = 1;
	CHECK(limf_pipe_incomplete(&s, &c, 0, 0, why, sizeof why));
	CHECK(strstr(why, "not written; 2 key request(s) failed") &&
	      strstr(why, "may be missing; traffic lost to capacity limits (media_lost 1)"));
}

/* limf/text.c limf_utf8_fix: text quoting captured octets made valid one-line UTF-8. */
void t_utf8_fix(void);
void t_utf8_fix(void)
{
	static const struct {
		const char *in, *out;
		size_t fixed;
	} v[] = {
		{ "", "", 0 },
		{ "group sip:g@example.org", "group sip:g@example.org", 0 },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\x9e",
		  "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\x9e", 0 },
		{ "cut \xe2\x82", "cut ??", 2 },                 /* a sequence cut by the end */
		{ "lone \x80 cont", "lone ? cont", 1 },          /* a continuation octet alone */
		{ "over \xc0\xaf", "over ??", 2 },               /* an overlong '/' */
		{ "surr \xed\xa0\x80", "surr ???", 3 },          /* a UTF-16 surrogate */
		{ "big \xf4\x90\x80\x80", "big ????", 4 },       /* past U+10FFFF */
		{ "ff \xff\xfe", "ff ??", 2 },                   /* never in UTF-8 */
		{ "line\nbreak\t\x7f", "line?break??", 3 },      /* control characters */
		{ "\xe2\x82\xac\xe2\x82", "\xe2\x82\xac??", 2 }, /* whole, then cut */
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		char s[64];
		snprintf(s, sizeof s, "%s", v[i].in);
		size_t n = limf_utf8_fix(s);
		CHECK(n == v[i].fixed && strcmp(s, v[i].out) == 0);
		CHECK(lim_json_utf8_valid(s, strlen(s)));
	}
	/* any octets: valid afterwards, nothing but replacements changed, the length kept */
	uint32_t r = 12345;
	for (int it = 0; it < 20000; it++) {
		char s[40], o[40];
		size_t len = 1 + (size_t)(it % 38);
		bool same = true;
		for (size_t i = 0; i < len; i++) {
			r = r * 1103515245u + 12345u;
			s[i] = (char)(1 + (r >> 16) % 255);
		}
		s[len] = '\0';
		memcpy(o, s, len + 1);
		(void)limf_utf8_fix(s);
		for (size_t i = 0; i < len; i++)
			same = same && (s[i] == o[i] || s[i] == '?');
		if (strlen(s) != len || !lim_json_utf8_valid(s, len) || !same) {
			CHECK(!"limf_utf8_fix left invalid or changed text");
			break;
		}
	}
	CHECK(r != 12345);
}

/* limf_json_end on j, with what it wrote to stderr into err (cap octets) */
static int json_end_err(struct lim_json *j, char *err, size_t cap)
{
	FILE *t = tmpfile();
	int save, rc;
	size_t n = 0;
	err[0] = '\0';
	if (!t) {
		CHECK(!"tmpfile");
		return -1;
	}
	fflush(stderr);
	save = dup(2);
	CHECK(save >= 0 && dup2(fileno(t), 2) == 2);
	rc = limf_json_end(j);
	fflush(stderr);
	CHECK(dup2(save, 2) == 2);
	close(save);
	rewind(t);
	n = fread(err, 1, cap - 1, t);
	err[n] = '\0';
	fclose(t);
	return rc;
}

/* limf/text.c limf_json_end: 0 when the output is whole; 1 when not, with a word on stderr
 * unless the stream itself failed (main's check of standard output reports that once). */
void t_json_end(void);
void t_json_end(void)
{
	struct lim_json j;
	char err[256], *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len), *full;
	if (!m) {
		CHECK(!"open_memstream");
		return;
	}
	lim_json_init(&j, m);
	lim_json_obj_open(&j);
	lim_json_key(&j, "n");
	lim_json_u64(&j, 1);
	lim_json_obj_close(&j);
	CHECK(json_end_err(&j, err, sizeof err) == 0 && err[0] == '\0');
	/* unbalanced: limf's own fault, said */
	lim_json_init(&j, m);
	lim_json_arr_open(&j);
	CHECK(json_end_err(&j, err, sizeof err) == 1);
	CHECK(strstr(err, "internal error: the JSON output is incomplete") != NULL);
	fclose(m);
	CHECK(buf && strcmp(buf, "{\"n\":1}\n[\n") == 0);
	free(buf);
	/* a stream that cannot be written: 1, left to main to report */
	full = fopen("/dev/full", "w");
	if (full) {
		setvbuf(full, NULL, _IONBF, 0);
		lim_json_init(&j, full);
		lim_json_obj_open(&j);
		lim_json_obj_close(&j);
		CHECK(json_end_err(&j, err, sizeof err) == 1 && err[0] == '\0');
		fclose(full);
	}
}
