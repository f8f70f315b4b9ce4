/* capture/dispatch: the dispatcher of a worker pool (limf/pool.c). Single-threaded, no locks,
 * no threads: the capture thread runs it; limf/ owns the queues and the workers.
 *
 * Each of N workers owns one cap_calls table. The dispatcher decodes every frame once
 * (link, IP, defragmentation), frames SIP on TCP streams once, and hands each SIP message and
 * each media datagram to the worker that owns its call, as a unit (struct cap_unit), so that
 * a call's SIP and its media reach the same table:
 *   - SIP (UDP datagram, or a message framed on a TCP stream): parsed (cap_sip_parse); the
 *     worker is a seeded hash of its Call-ID (the prefix the call table keeps,
 *     CAP_CALL_MAX_TEXT - 1 octets) modulo N, so every message of a dialog, its forks and
 *     re-INVITEs included, goes to one worker. The media endpoints of its SDP (the ones
 *     cap_calls binds: c= address of the m= line, else the session one; the RTP port, and the
 *     RTCP port: a=rtcp, else port + 1, none apart with a=rtcp-mux; m= lines with port 0 and
 *     those past CAP_CALL_MAX_MEDIA skipped) are registered to that worker BEFORE the unit is
 *     handed on, so media that follows at once goes to the right worker. The newest
 *     registration of an endpoint wins (ports are reused, as in cap_calls).
 *   - other UDP (media): looked up by destination address/port, then by source address/port
 *     (cap_calls' order); found: to that worker, and the endpoint's last-seen time refreshed,
 *     and its dialog's (see below); not found: counted (media_unbound) and dropped. One or two
 *     hash lookups, no allocation.
 *
 * Group calls: the legs of an MCPTT group call (one dialog per member, each its own Call-ID)
 *   carry copies of the same talkers' media, which a worker deduplicates in input order, and
 *   a group's calls are intercepted through the GMKs distributed before them, so a group's
 *   GMK distributions and calls must share a worker: an INVITE naming an MC group
 *   (mcptt-info calling group ID, or the request URI of a call with no I_MESSAGE:
 *   capture/mcbody.h) and a request carrying a GMK I_MESSAGE for a group (its group document)
 *   go by a hash of the group, and the Call-ID is pinned to that worker for the dialog's later
 *   messages. A pin lives as long as its dialog: until 32 s (RFC 3261 timer J, for
 *   retransmissions) after a final response to its BYE, or 6 hours with neither SIP of the
 *   dialog nor media to the endpoints its SDP registered (a dialog whose BYE was lost); a
 *   long group call with no SIP stays pinned by its media. 16384 pins, in probe runs of 8:
 *   a pin whose run is full of live pins replaces the least recently seen of those whose
 *   dialog ended, else of the others (pins_evicted; a later message of an open dialog that
 *   names no group then goes by its Call-ID, counted sip_pin_lost when that is another
 *   worker).
 * Endpoint table: at most max_endpoints entries, allocated once by cap_disp_new; when full,
 * the least recently seen entry is replaced (in a busy hour, an ended call's), except that an
 * entry media reached within the last 5 s goes only when media has reached every entry: a
 * flood of SDPs evicts its own endpoints (and those media has not reached yet), not the routes
 * of calls whose media flows, and memory never grows. Media that later comes to or from a
 * replaced endpoint is counted media_lost as well as media_unbound, until the endpoint is
 * registered again (capture/internal.h cap_victims: a lower bound). An entry not seen
 * (registered or hit by media) for endpoint_idle_ns is forgotten, except:
 *   - one media has reached whose dialog (the Call-ID that registered it last) was seen since,
 *     by a SIP message of it or by media to or from another endpoint it registered: so a call
 *     whose RTP pauses while its RTCP goes on (a capture outage of one stream, a hold), or whose
 *     hold is refreshed by SIP without SDP, keeps its routes. It is seen again at its dialog's
 *     time, or at the latest of its list's if later (the list stays in order): it may outlive
 *     its dialog's last sign by up to endpoint_idle_ns more, and goes for room after entries
 *     seen since that dialog. The dialogs are remembered in a table of max_endpoints / 2 entries
 *     (probe runs of 8 placed by the table key; a registration adds one in place of the least
 *     recently seen of its run, SIP alone only refreshes one there): a dialog pushed out leaves
 *     its endpoints to their own idle time, and so does one whose SIP is seen only by another
 *     dispatcher (SIP without SDP makes no note);
 *   - the endpoint a media datagram is found by: cap_disp_frame looks it up before the frame's
 *     time expires the idle ones, so a stream back after a pause longer than endpoint_idle_ns
 *     (a capture outage) still reaches the worker whose table has its call, as a single table
 *     keeps the call for that packet (calls.c linger_on). A live source's idle ticks
 *     (cap_disp_expire) forget it during the pause all the same.
 * Hashes are SipHash-1-3 keyed from hash_seed (routing) and table_seed (the tables).
 *
 * COUNTERS. The dispatcher and the workers count into separate cap_stats; summed field by field
 * they give what one cap_dec + cap_calls counts over the same input (see "exactness" below).
 * The dispatcher counts:
 *   frames, bytes, ipv4, ipv6, udp, tcp, fragments, reassembled, and the drop reasons of
 *     decoding and reassembly (cap_dec_frame);
 *   tcp_streams, tcp_not_sip, tcp_other, tcp_retrans, tcp_overlap, tcp_ooo, tcp_sip,
 *     tcp_bad_seq, tcp_evicted, and the
 *     drop reasons of TCP reassembly and SIP framing on streams (CAP_DROP_TCP_*,
 *     CAP_DROP_SIP_NOCLEN, _RESYNC, and _SIZE/_START/_CLEN met by the framer);
 *   the drop reason (m->reject) of a SIP message cap_sip_parse refuses: such a message is not
 *     handed on (a worker would only count it);
 *   media_unbound for a non-SIP datagram whose endpoints are not registered (dropped here),
 *     and media_lost for those of them to or from an endpoint evicted for room;
 *   sip_pin_lost.
 * The workers count, through cap_calls_feed / cap_calls_feed_sip, everything else: sip,
 *   sip_tcp, sdp, CAP_DROP_SIP_BODY, CAP_DROP_SDP, calls, forks, calls_ended, calls_timeout,
 *   calls_evicted, media_evicted, media_contested,
 *   media_bound, media_rtcp, media_bad, media_unbound (routed, but not bound in that table),
 *   media_lost (of those: the table evicted the binding),
 *   CAP_DROP_CALL_*. The dispatcher parses SIP and SDP too but counts none of those.
 *   A worker's own cap_tcp is never fed (its TCP counters stay 0).
 *
 * Exactness. The sums equal the single table's counters, and each call's events are the same,
 * when the workers run cap_calls_expire(now) on the capture clock (e.g. on each frame's time:
 * the single table expires on every packet, a worker only on its own units and ticks) and
 * except for these cases, where the split can differ in media_bound / media_unbound /
 * media_rtcp / media_bad / media_lost, in a call's media events and in CAP_DROP_CALL_*:
 *   - the dispatcher registers the SDP of every parsed SIP message; cap_calls applies it only
 *     to a dialog it tracks (not to an unknown dialog's response, an ended call, a call it had
 *     no room for) and unbinds endpoints when a re-INVITE moves them or a call is freed. A
 *     registration the table did not make (or has undone) can send media to a worker that has
 *     no binding for it, where the single table would have found an older binding of another
 *     call, or the source endpoint's binding;
 *   - caps are per table: max_calls and max_bindings of each worker against the single
 *     table's, max_endpoints here (and so are the evictions they make: calls_evicted,
 *     media_evicted, media_contested); and an endpoint idle for endpoint_idle_ns that its
 *     dialog does not keep (see Endpoint table) is forgotten here while its call may still
 *     live (a call kept for its Session-Expires, up to cap_calls_limits session_max_ns, with
 *     neither SIP nor media; a dialog pushed out of the dialog table; its SIP seen only on
 *     another source);
 *   - cap_disp_expire at a time past the last frame counts reassembly and TCP timeouts that
 *     the single decoder counts only at its next frame. */
#ifndef CAP_DISPATCH_H
#define CAP_DISPATCH_H

#include "capture/capture.h"

#define CAP_DISP_MAX_WORKERS 256

struct cap_disp_limits {
	size_t max_endpoints;      /* media endpoints remembered, <= 2^24 (default 131072) */
	uint64_t endpoint_idle_ns; /* an endpoint not seen for this long is forgotten (600 s) */
	uint32_t hash_seed;        /* seed of the Call-ID and endpoint hashes (live: random) */
	/* seed of the endpoint and TCP stream tables' hashes instead (0: hash_seed's). Which
	 * worker gets what depends on hash_seed alone (the Call-IDs' hashes), so a replay keeps
	 * hash_seed 0 for a bundle that is the same at every run and sets this one at random:
	 * a crafted capture cannot aim its endpoints at one bucket */
	uint32_t table_seed;
	/* as cap_calls_limits verify_csum: SIP datagrams and TCP segments with a wrong checksum
	 * are dropped here, before they route anything (default off) */
	bool verify_csum;
	struct cap_defrag_limits defrag;
	struct cap_tcp_limits tcp;
};
/* 131072 endpoints, 600 s, seed 0, the defragmenter's and cap_tcp's defaults. */
void cap_disp_limits_default(struct cap_disp_limits *l);

enum cap_unit_kind {
	CAP_UNIT_UDP = 1, /* one whole UDP datagram (SIP or media): the worker calls
			   * cap_calls_feed(calls, pkt, ts_ns) */
	CAP_UNIT_SIP_TCP  /* one SIP message framed on a TCP stream: the worker calls
			   * cap_calls_feed_sip(calls, pkt, msg, msg_len, ts_ns) */
};

/* One unit of work for a worker. Every pointer is BORROWED and valid only during the callback
 * (a queue must copy: the packet's views point into the frame, the defragmenter's or the
 * stream's buffer). */
struct cap_unit {
	enum cap_unit_kind kind;
	unsigned worker;           /* 0 .. n_workers - 1 */
	uint64_t ts_ns;            /* capture time of the frame */
	const struct cap_pkt *pkt; /* UDP: the datagram (payload = UDP payload); SIP_TCP: the
				    * segment that completed the message */
	const uint8_t *msg;        /* SIP_TCP: the message; NULL for UDP */
	size_t msg_len;
	uint64_t tag; /* routed by an endpoint or pin another dispatcher's note taught: that
		       * note's tag (see "Several dispatchers"); else 0 */
};
/* Called synchronously from cap_disp_frame (never from another function); must not call back
 * into the dispatcher. */
typedef void (*cap_unit_fn)(void *ctx, const struct cap_unit *u);

struct cap_disp; /* opaque; owns its defragmenter, TCP streams and endpoint table */

/* NULL limits = defaults. st (BORROWED, must outlive d) receives the dispatcher's counters (see
 * COUNTERS above). LIM_E_NOMEM; LIM_E_ARG for 0 or more than CAP_DISP_MAX_WORKERS workers, no
 * st or fn, a zero or excessive cap, or limits the defragmenter or cap_tcp refuse. */
enum lim_err cap_disp_new(const struct cap_disp_limits *l, unsigned n_workers, struct cap_stats *st,
			  cap_unit_fn fn, void *ctx, struct cap_disp **out) LIM_WUR;
void cap_disp_free(struct cap_disp *d); /* NULL is a no-op */

/* Decodes one frame (cap_dec_frame: link, IP, reassembly; idle endpoints expire first, but
 * after a media datagram's endpoint is looked up, so one idle since its last packet is still
 * found: a single call table keeps such a call for the packet too, calls.c linger_on) and
 * hands on its unit(s): a UDP datagram gives at most one unit, a TCP segment one per SIP
 * message it completes. Refused input is counted, never handed on (see above). */
void cap_disp_frame(struct cap_disp *d, const struct cap_frame *f);
/* Expires reassembly datagrams (CAP_DROP_FRAG_TIMEOUT), idle TCP streams (CAP_DROP_TCP_CUT for a
 * partial message) and idle endpoints at now_ns; returns the endpoints forgotten. */
size_t cap_disp_expire(struct cap_disp *d, uint64_t now_ns);
/* End of input: every TCP stream dropped (partial messages counted CAP_DROP_TCP_CUT, as
 * cap_calls_flush does) and every endpoint forgotten. Datagrams in reassembly are left (the
 * single decoder does not count them either). */
void cap_disp_flush(struct cap_disp *d, uint64_t now_ns);

/* Could this SIP message (its octets) carry a GMK distribution? A request other than INVITE
 * naming MIKEY or a GMK anywhere (TS 24.481 <gmk-transport> / GKTP, application/mikey parts),
 * case-insensitively: a cheap over-approximation of what capture/mcbody.h finds. */
bool cap_sip_may_carry_gmk(const uint8_t *m, size_t n);

/* SEVERAL DISPATCHERS (one capture thread per source, limf/pool.h): each source thread runs a
 * dispatcher of its own over the same N workers, and a call's SIP may be seen on one source
 * while its media (or its other direction's SIP) comes from another. SIP needs nothing: the
 * Call-ID hash is the same in every dispatcher created with the same hash_seed and N. The
 * routing state learnt from SIP, the media endpoints and the group-call pins, is shared by
 * notes: a dispatcher given a note function calls it for every endpoint it registers and
 * every Call-ID it pins, synchronously, before the unit that caused it is handed on; the
 * owner passes each note to the other dispatchers (cap_disp_apply), which apply it as their
 * own registration or pin (newest wins), at the latest capture time it has itself seen (each
 * table's idle expiry runs on its own source's clock) or the note's, whichever is later. A note is
 * a plain value (no pointers) and holds no secret: an address, a port, a Call-ID hash (keyed, not
 * the Call-ID), a worker, a time. Until a note reaches a dispatcher, media arriving there for that
 * endpoint is unbound (counted media_unbound), as media that beats its SDP is in one dispatcher.
 *
 * Notes are given to the note function AFTER the unit that caused them has been handed on
 * (same call of cap_disp_frame), so that the owner can set the note's tag: an opaque value
 * (e.g. where that unit sits in its worker's queue), kept by the receiving dispatchers with
 * the endpoint or pin and handed back on every unit routed by it (cap_unit.tag), so that a
 * worker can handle the SIP that taught the route before the media it routes, whatever the
 * threads' timing. A dispatcher's own registrations and pins carry tag 0.
 *
 * A pinned dialog's media refreshes the pin in its own dispatcher and, at most once an hour,
 * in the others (a note), so a long group call whose SIP is seen on one source and its media
 * on another stays pinned everywhere. */
enum cap_disp_note_kind {
	CAP_DISP_NOTE_EP = 1, /* endpoint (ver, a, port) -> worker */
	CAP_DISP_NOTE_PIN     /* Call-ID hash h -> worker */
};
struct cap_disp_note {
	uint8_t kind; /* enum cap_disp_note_kind */
	uint8_t ver;  /* EP: 4 or 6 */
	uint8_t worker;
	uint8_t ended;  /* PIN: 1 its dialog ended (a final response to its BYE); 2 it went on
			 * after that (a 2xx to a re-INVITE or UPDATE: open again) */
	uint16_t port;  /* EP */
	uint8_t a[16];  /* EP: IPv4 in a[0..4), zeros after */
	uint64_t h;     /* PIN: the Call-ID hash; EP: that of the pinned dialog that registered
			 * it, else 0 */
	uint64_t dlg;   /* EP: the Call-ID hash of the dialog that registered it (pinned or not),
			 * else 0: the receiver keeps it while that dialog is seen there */
	uint64_t ts_ns; /* capture time of the SIP message that caused it */
	uint64_t tag;   /* the owner's (see above); 0 from the dispatcher */
};
typedef void (*cap_disp_note_fn)(void *ctx, const struct cap_disp_note *n);
/* Every registration and pin of d from now on is also given to fn (NULL: none). */
void cap_disp_set_note_fn(struct cap_disp *d, cap_disp_note_fn fn, void *ctx);
/* Advances d's clock (the latest capture time it has seen) to now_ns: notes applied on a
 * dispatcher whose source has been quiet are stamped with the present, not its last frame's
 * time (else they would be idle at once). cap_disp_frame and cap_disp_expire advance it too. */
void cap_disp_clock(struct cap_disp *d, uint64_t now_ns);
/* Applies another dispatcher's note (not passed to d's own note function). A note naming a
 * worker >= d's N, an unknown kind or an IP version other than 4 or 6 is ignored (false). */
bool cap_disp_apply(struct cap_disp *d, const struct cap_disp_note *n);

/* Endpoints currently held. */
size_t cap_disp_endpoints(const struct cap_disp *d);
/* Counters of the endpoint table (not in cap_stats: they have no single-table equivalent). */
struct cap_disp_info {
	size_t endpoints;       /* held now */
	uint64_t registered;    /* registrations (SDP endpoints, new or renewed) */
	uint64_t evicted;       /* replaced because the table was full */
	uint64_t expired;       /* forgotten after endpoint_idle_ns */
	uint64_t dialog_kept;   /* idle endpoints kept, their dialog seen since (each time) */
	uint64_t units_sip;     /* SIP units handed on (UDP and TCP) */
	uint64_t units_media;   /* media units handed on */
	uint64_t pinned;        /* group-call dialogs routed by their group (see Group calls) */
	uint64_t notes_applied; /* other dispatchers' notes applied (cap_disp_apply) */
	uint64_t pins_ended;    /* pinned dialogs whose BYE was answered */
	uint64_t pins_evicted;  /* live pins replaced because their probe run was full */
	uint64_t kept;          /* endpoints moved to another worker while a stream flowed to
				 * them: that stream kept on its worker (dispatch.c struct ep) */
	uint64_t units_kept;    /* media units routed so (of units_media) */
};
void cap_disp_info(const struct cap_disp *d, struct cap_disp_info *out);

#endif
