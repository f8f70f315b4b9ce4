#!/usr/bin/env python3
"""pcap_inject.py IN OUT AFTER KIND ARG: copies a limf-gen capture (classic pcap, Ethernet,
IPv4/UDP SIP) and inserts crafted packets after frame AFTER (1-based, 0: before the first
frame, with its timestamp; "ack": the first ACK,
"ack+N": N frames after it; "t+S": the last frame less than S seconds after the first;
"re2xx": the 200 OK to the call's re-INVITE, limf-gen --rekey; "pre2xx": the frame before
it; "inv": the call's INVITE; "reinv": the re-INVITE), with its timestamp.
Hostile traffic an interception point sees, for the tests of limf's media path:

  ssrcfill N      N RTP packets with distinct SSRCs (junk payload, no valid SRTP tag) from the
                  call's offer media endpoint to its answer endpoint
  ssrcjunk N      the same with one SSRC
  replayold N     copies of the offerer's first N RTP packets (a replay of media the call
                  had: anyone on the path can send them again)
  ssrcforge N     the same with the SSRC of the offerer's first RTP packet after AFTER (junk in
                  the target's own stream: anyone on the path reads its SSRC)
  ssrcshort N     the same, each packet 4 octets of payload: too short to hold an SRTP tag
  ssrcpair N      N junk packets as ssrcfill's, of two SSRCs in turn
  err486 -        a 486 to the call's INVITE, in the dialog its 200 OK makes (its To tag), from a
                  stranger (10.96.0.1) to the caller: anyone can send one
  carryflood N    N pairs from the offerer's media endpoint: a copy of its last SRTP packet
                  before (a replay), then a packet of its SSRC whose tag fails (forged)
  fromspoof URI   (AFTER unused) the From URI of every SIP message replaced by URI
  callidff -      (AFTER unused) the last octet of every SIP message's Call-ID made 0xFF (a
                  Call-ID that is not UTF-8: a UA may choose any octets)
  rekeys F1,F2..  for each capture F, a re-INVITE in the first call's dialog carrying F's offer
                  I_MESSAGE (a valid I_MESSAGE of the same two parties from another call),
                  answered by a 200 OK with the call's own answer SDP; F1,F2..@B: their CSeqs
                  and branches numbered from B (else 50), for a second injection
  answerimsg F    (AFTER unused) every 200 OK with SDP made to carry F's offer I_MESSAGE (an
                  answer keyed by the callee, RFC 4567; F a capture of other parties, say)
  answerpai URI   (AFTER unused) every 200 OK to an INVITE made to assert URI as the party that
                  answered (a P-Asserted-Identity, RFC 3325 s9.1: a diverted call, say)
  nokeymgmt -     (AFTER unused) every a=key-mgmt line taken out of every SIP body (a call
                  with no I_MESSAGE: SIP alone, IRI only)
  invitepai URI,.. (AFTER unused) every INVITE made to assert URI as the caller (a
                  P-Asserted-Identity: the network's word beside a From the caller chose, say
                  an anonymous one, RFC 3323); several: one header each
  fragflood N     N first fragments (IPv4, more-fragments set) of distinct UDP datagrams of
                  two other hosts, none ever completed: more than limf holds in reassembly
                  at once (256) makes it evict the oldest (frag_evicted: a loss at its limits)
  sdpflood N      N INVITEs of other parties (distinct Call-IDs, never answered), each with an
                  SDP of 8 audio lines on an address of its own: 16 N media endpoints (RTP and
                  RTCP) to track; more than a table holds evicts for room
  inviteflood N   N copies of the call's offer INVITE (the same From: the target's), each of a
                  Call-ID and From tag of its own and without a body, never answered: N calls
                  of the target in progress at once (anyone can send them: From is any text)
  answerflood N   N calls of other parties (distinct Call-IDs, no SDP), each an INVITE and its
                  200 OK: N answered dialogs held open (anyone can send both), more than a
                  call table holds (16384) when N is larger
  late2xx S       (AFTER unused) the 200 OK to the call's re-INVITE (limf-gen --rekey) and the
                  ACK after it moved S seconds later: after the last frame less than S seconds
                  after that ACK, with its timestamp (the answerer's and then the offerer's
                  media under the new keys reach the capture point before the answer does)
  firstlate N     (AFTER unused) the first RTP packet from the offer's endpoint moved after the
                  N-th one after it, with that one's timestamp (delayed on its way): it comes
                  after packets later in its stream (its RTP time before the stream's start)
  backfrom T,N    (AFTER unused) the last N media packets (RTP, either direction) stamped
                  before T (epoch seconds) moved after the first frame at or after T, with
                  their own timestamps (merged or reordered inputs: time goes back)
  badbye X        a BYE in the first call's dialog from the caller, its UDP checksum wrong
                  (X "csum"; "ok": right): one the callee's host discards, so the call goes on;
                  X a status (200, 404...): the BYE right, and the callee's answer to it
  ice ADDR        (AFTER unused) every SDP put behind an ICE relay (RFC 8839): each c= made
                  ADDR (a TURN server's address; the m= ports kept), each stream's endpoint
                  (its c= and port) given as its host candidates (component 1, and 2 on port
                  + 1 without a=rtcp-mux), beside a relay candidate on ADDR: the media, as
                  captured, flows between the candidates the agents selected, not to c=;
                  ADDR+N: and N host candidates more per stream, on 10.77.0.1.. (none used)
  iceprflx ADDR   (AFTER unused) as ice, but the streams' endpoints are in no SDP (peer-reflexive
                  candidates, RFC 8445 s7.2.5.3.1: the agents learn them from their checks),
                  each SDP an a=ice-ufrag (OffR the INVITEs', AnsW the responses'), and after
                  the call's 200 OK a connectivity check each way between those endpoints
                  (STUN Binding requests, USERNAME "AnsW:OffR" and "OffR:AnsW")
  rtcpaddr ADDR   every INVITE's SDP given "a=rtcp:<port + 1> IN IP4 ADDR" on its audio line
                  (RFC 3605: the offerer's RTCP on another address), and 3 RTCP sender
                  reports from the answer's endpoint (port + 1) to it, after AFTER
  gmkjoin F       IN and F group captures (limf-gen --profile group) of two groups: every GMK
                  NOTIFY of IN moved after AFTER, its body two group documents, first F's
                  NOTIFY's to the same member, then its own (one distribution of two groups'
                  GMKs; the mcptt-info part, which would name IN's group for both, left out)

The first INVITE with SDP and the first 200 OK with SDP of IN define the call."""
import re
import struct
import sys


def frames(d):
    off = 24
    while off + 16 <= len(d):
        ts, tu, incl, _ = struct.unpack_from("<IIII", d, off)
        yield ts, tu, d[off + 16:off + 16 + incl]
        off += 16 + incl


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip4(a):
    return bytes(int(x) for x in a.split(b"."))


def udp_frame(src, dst, sport, dport, payload, bad_csum=False):
    u = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    pseudo = src + dst + struct.pack("!BBH", 0, 17, len(u))
    c = csum(pseudo + u) or 0xFFFF
    if bad_csum:
        c ^= 0x0101
    u = u[:6] + struct.pack("!H", c) + u[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(u), 1, 0, 64, 17, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00" + ip + u


def record(ts, tu, p):
    return struct.pack("<IIII", ts, tu, len(p), len(p)) + p


def udp_payload(p):
    """(src, dst, sport, dport, payload) of an Ethernet/IPv4/UDP frame, else None."""
    if len(p) < 42 or p[12:14] != b"\x08\x00" or p[23] != 17:
        return None
    ihl = (p[14] & 15) * 4
    u = 14 + ihl
    sport, dport, ulen = struct.unpack_from("!HHH", p, u)
    return p[26:30], p[30:34], sport, dport, p[u + 8:u + ulen]


def header(msg, name):
    m = re.search(rb"\r\n" + name + rb": ([^\r\n]*)", msg)
    if not m:
        sys.exit("no %s header" % name.decode())
    return m.group(1)


def endpoint(msg):
    c = re.search(rb"c=IN IP4 ([0-9.]+)", msg)
    m = re.search(rb"m=audio (\d+)", msg)
    if not c or not m:
        sys.exit("no audio endpoint in the SDP")
    return ip4(c.group(1)), int(m.group(1))


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    d = open(sys.argv[1], "rb").read()
    kind, arg = sys.argv[4], sys.argv[5]
    fl = list(frames(d))
    sip = [(f, udp_payload(f[2])) for f in fl]
    if sys.argv[3].startswith("t+"):
        t0 = fl[0][0] + fl[0][1] / 1e6
        after = sum(1 for ts, tu, _ in fl if ts + tu / 1e6 - t0 < float(sys.argv[3][2:]))
    elif sys.argv[3] == "re2xx":
        after = reinvite_2xx(sip)[0] + 1
    elif sys.argv[3] == "pre2xx":
        after = reinvite_2xx(sip)[0]
    elif sys.argv[3] == "inv":
        after = next(i for i, (f, u) in enumerate(sip, 1) if u and u[4].startswith(b"INVITE ")
                     and b"m=audio" in u[4])
    elif sys.argv[3] == "reinv":
        after = [i for i, (f, u) in enumerate(sip, 1) if u and u[4].startswith(b"INVITE ")
                 and b"m=audio" in u[4]][1]
    elif sys.argv[3].startswith("ack"):
        after = next(i for i, (f, u) in enumerate(sip, 1) if u and u[4].startswith(b"ACK "))
        after += int(sys.argv[3][3:] or 0)
    else:
        after = int(sys.argv[3])
    if kind == "late2xx":
        return late_2xx(d, fl, sip, float(arg))
    if kind == "firstlate":
        return first_late(d, fl, sip, int(arg))
    if kind == "backfrom":
        return back_from(d, fl, sip, arg)
    invite = next(u for f, u in sip if u and u[4].startswith(b"INVITE ") and b"m=audio" in u[4])
    answer = next(u for f, u in sip if u and u[4].startswith(b"SIP/2.0 200 ") and b"m=audio" in u[4])
    extra = []
    if kind == "replayold":
        (oa, op), (aa, ap) = endpoint(invite[4]), endpoint(answer[4])
        extra = [f[2] for f, u in sip if u and u[0] == oa and u[2] == op and u[1] == aa
                 and len(u[4]) >= 12 and u[4][0] >> 6 == 2][:int(arg)]
    elif kind == "iceprflx":
        (oa, op), (aa, ap) = endpoint(invite[4]), endpoint(answer[4])
        after = next(i for i, (f, u) in enumerate(sip, 1) if u and u[4] is answer[4])
        for src, dst, sp, dp, user in ((oa, aa, op, ap, b"AnsW:OffR"),
                                       (aa, oa, ap, op, b"OffR:AnsW")):
            attrs = struct.pack("!HH", 6, len(user)) + user + bytes((4 - len(user) % 4) % 4)
            attrs += struct.pack("!HHI", 0x24, 4, (126 << 24) | (65535 << 8) | 255)
            stun = struct.pack("!HHI", 1, len(attrs), 0x2112A442) + bytes(range(12)) + attrs
            extra.append(udp_frame(src, dst, sp, dp, stun))
    elif kind in ("ssrcfill", "ssrcjunk", "ssrcforge", "ssrcshort", "ssrcpair"):
        (oa, op), (aa, ap) = endpoint(invite[4]), endpoint(answer[4])
        own = None
        if kind in ("ssrcforge", "ssrcshort"):
            own = next(struct.unpack_from("!I", u[4], 8)[0] for f, u in sip[after:]
                       if u and u[0] == oa and u[2] == op and len(u[4]) >= 12
                       and u[4][0] >> 6 == 2)
        for k in range(int(arg)):
            ssrc = own if own is not None else 0x5EED0000 + (
                k if kind == "ssrcfill" else k % 2 if kind == "ssrcpair" else 0)
            rtp = struct.pack("!BBHII", 0x80, 0, k, 0, ssrc) + bytes(4 if kind == "ssrcshort" else 40)
            extra.append(udp_frame(oa, aa, op, ap, rtp))
    elif kind == "carryflood":
        (oa, op), (aa, ap) = endpoint(invite[4]), endpoint(answer[4])
        last = next(f for f, u in reversed(sip[:after]) if u and u[0] == oa and u[2] == op
                    and len(u[4]) >= 12 and u[4][0] >> 6 == 2)
        src, dst, sport, dport, rtp = udp_payload(last[2])
        seq = (struct.unpack_from("!H", rtp, 2)[0] + 1) & 0xFFFF
        forged = rtp[:2] + struct.pack("!H", seq) + rtp[4:-10] + bytes(10)
        for k in range(int(arg)):
            extra.append(udp_frame(src, dst, sport, dport, rtp))
            extra.append(udp_frame(src, dst, sport, dport, forged))
    elif kind == "fragflood":
        src, dst = ip4(b"10.99.0.1"), ip4(b"10.99.0.2")
        for k in range(int(arg)):
            data = struct.pack("!HHHH", 5060, 5060, 8 + 2000, 0) + bytes(64)
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(data), 0x7000 + k, 0x2000, 64,
                             17, 0, src, dst)
            ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
            extra.append(b"\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00" + ip + data)
    elif kind == "sdpflood":
        src, dst = ip4(b"10.98.0.1"), ip4(b"10.98.0.2")
        for k in range(int(arg)):
            sdp = (b"v=0\r\no=- 1 1 IN IP4 10.98.0.1\r\ns=-\r\nc=IN IP4 10.%d.%d.%d\r\nt=0 0\r\n"
                   % (100 + (k >> 16), (k >> 8) & 255, k & 255)
                   + b"".join(b"m=audio %d RTP/AVP 0\r\n" % (20000 + 2 * m) for m in range(8)))
            msg = (b"INVITE sip:nobody@flood.example SIP/2.0\r\n"
                   b"Via: SIP/2.0/UDP 10.98.0.1:5060;branch=z9hG4bKfl%d\r\n"
                   b"From: <sip:flood@flood.example>;tag=f%d\r\nTo: <sip:nobody@flood.example>\r\n"
                   b"Call-ID: flood-%d@flood.example\r\nCSeq: 1 INVITE\r\n"
                   b"Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n"
                   % (k, k, k, len(sdp)) + sdp)
            extra.append(udp_frame(src, dst, 5060, 5060, msg))
    elif kind == "inviteflood":
        head = invite[4][:invite[4].index(b"\r\n\r\n")]
        head = re.sub(rb"\r\nContent-Type: *[^\r]*", b"", head)
        for k in range(int(arg)):
            h = re.sub(rb"(\r\nCall-ID: *)[^\r]*", lambda c: c.group(1) + b"ivf-%d@flood" % k, head)
            h = re.sub(rb"(\r\nFrom: *[^\r]*;tag=)[^;\r]*", lambda c: c.group(1) + b"ivf%d" % k, h)
            h = re.sub(rb"(\r\nVia: *[^\r]*;branch=)[^;\r]*",
                       lambda c: c.group(1) + b"z9hG4bKivf%d" % k, h)
            extra.append(udp_frame(invite[0], invite[1], invite[2], invite[3], with_body(h, b"")))
    elif kind == "answerflood":
        src, dst = ip4(b"10.97.0.1"), ip4(b"10.97.0.2")
        for k in range(int(arg)):
            common = (b"Via: SIP/2.0/UDP 10.97.0.1:5060;branch=z9hG4bKaf%d\r\n"
                      b"From: <sip:flood@flood.example>;tag=a%d\r\n"
                      b"To: <sip:nobody@flood.example>%s\r\nCall-ID: af-%d@flood.example\r\n"
                      b"CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")
            extra.append(udp_frame(src, dst, 5060, 5060, b"INVITE sip:nobody@flood.example "
                                   b"SIP/2.0\r\n" + common % (k, k, b"", k)))
            extra.append(udp_frame(dst, src, 5060, 5060, b"SIP/2.0 200 OK\r\n"
                                   + common % (k, k, b";tag=b%d" % k, k)))
    elif kind == "rekeys":
        inv, ok = invite[4], answer[4]
        body = inv[inv.index(b"\r\n\r\n") + 4:]
        ans_body = ok[ok.index(b"\r\n\r\n") + 4:]
        ruri = re.search(rb"\r\nContact: <([^>]+)>", ok).group(1)
        files, _, base = arg.partition("@")
        for k, f in enumerate(files.split(","), int(base or 0)):
            m = re.search(rb"a=key-mgmt:mikey ([A-Za-z0-9+/=]+)", open(f, "rb").read())
            if not m:
                sys.exit("%s: no I_MESSAGE" % f)
            sdp = re.sub(rb"a=key-mgmt:mikey [A-Za-z0-9+/=]+", b"a=key-mgmt:mikey " + m.group(1),
                         body)
            cseq = b"%d INVITE" % (50 + k)
            common = (b"Call-ID: %s\r\nFrom: %s\r\nTo: %s\r\nCSeq: %s\r\n"
                      % (header(inv, b"Call-ID"), header(inv, b"From"), header(ok, b"To"), cseq))
            req = (b"INVITE %s SIP/2.0\r\nVia: SIP/2.0/UDP %s:5060;branch=z9hG4bKre%d\r\n"
                   b"Max-Forwards: 70\r\n" % (ruri, ".".join(map(str, invite[0])).encode(), k)
                   + common + b"Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n"
                   % len(sdp) + sdp)
            resp = (b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP %s:5060;branch=z9hG4bKre%d\r\n"
                    % (".".join(map(str, invite[0])).encode(), k) + common
                    + b"Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n"
                    % len(ans_body) + ans_body)
            extra.append(udp_frame(invite[0], invite[1], invite[2], invite[3], req))
            extra.append(udp_frame(invite[1], invite[0], invite[3], invite[2], resp))
    elif kind == "err486":
        inv, ok = invite[4], answer[4]
        msg = (b"SIP/2.0 486 Busy Here\r\nVia: %s\r\nCall-ID: %s\r\nFrom: %s\r\nTo: %s\r\n"
               b"CSeq: %s\r\nContent-Length: 0\r\n\r\n"
               % (header(inv, b"Via"), header(inv, b"Call-ID"), header(inv, b"From"),
                  header(ok, b"To"), header(inv, b"CSeq")))
        extra.append(udp_frame(ip4(b"10.96.0.1"), invite[0], 5060, invite[2], msg))
    elif kind == "badbye":
        inv, ok = invite[4], answer[4]
        ruri = re.search(rb"\r\nContact: <([^>]+)>", ok).group(1)
        via = b"Via: SIP/2.0/UDP %s:5060;branch=z9hG4bKbye\r\n" % ".".join(
            map(str, invite[0])).encode()
        common = (b"Call-ID: %s\r\nFrom: %s\r\nTo: %s\r\nCSeq: 90 BYE\r\n"
                  b"Content-Length: 0\r\n\r\n"
                  % (header(inv, b"Call-ID"), header(inv, b"From"), header(ok, b"To")))
        req = b"BYE %s SIP/2.0\r\n%sMax-Forwards: 70\r\n%s" % (ruri, via, common)
        extra.append(udp_frame(invite[0], invite[1], invite[2], invite[3], req,
                               bad_csum=arg == "csum"))
        if arg.isdigit():
            extra.append(udp_frame(invite[1], invite[0], invite[3], invite[2],
                                   b"SIP/2.0 %s Whatever\r\n%s%s" % (arg.encode(), via, common)))
    elif kind == "rtcpaddr":
        (oa, op), (aa, ap) = endpoint(invite[4]), endpoint(answer[4])
        for k in range(3):
            sr = struct.pack("!BBHI", 0x80, 200, 6, 0x5EED0000 + k) + bytes(20)
            extra.append(udp_frame(aa, ip4(arg.encode()), ap + 1, op + 1, sr))
    elif kind == "gmkjoin":
        theirs = {}
        for f in frames(open(arg, "rb").read()):
            u = udp_payload(f[2])
            if u and u[4].startswith(b"NOTIFY "):
                theirs[header(u[4], b"To").split(b";")[0]] = groups_doc(u[4])
        for f, u in sip:
            if u and u[4].startswith(b"NOTIFY "):
                msg = u[4]
                head = msg[:msg.index(b"\r\n\r\n")]
                b = b"limf-test-two-groups"
                body = b"".join(b"--%s\r\nContent-Type: application/vnd.oma.poc.groups+xml\r\n"
                                b"\r\n%s\r\n" % (b, x)
                                for x in (theirs[header(msg, b"To").split(b";")[0]],
                                          groups_doc(msg))) + b"--%s--\r\n" % b
                head = re.sub(rb"(\r\nContent-Type: *)[^\r]*",
                              lambda c: c.group(1) + b"multipart/mixed;boundary=" + b, head)
                extra.append(udp_frame(u[0], u[1], u[2], u[3], with_body(head, body)))
    elif kind not in REWRITES:
        sys.exit("unknown kind " + kind)
    out, n = bytearray(d[:24]), 0
    if after == 0:  # before the first frame, with its timestamp
        for x in extra:
            out += record(fl[0][0], fl[0][1], x)
    for i, (ts, tu, p) in enumerate(fl, 1):
        u = udp_payload(p) if kind in REWRITES or kind == "gmkjoin" else None
        if kind == "gmkjoin":
            if u and u[4].startswith(b"NOTIFY "):  # (moved)
                if i == after:
                    sys.exit("AFTER is a NOTIFY that moves")
                continue
        elif u and re.match(rb"[A-Z]+ |SIP/2.0 ", u[4]):
            p = udp_frame(u[0], u[1], u[2], u[3], REWRITES[kind](u[4], arg.encode()))
            n += 1
        out += record(ts, tu, p)
        if i == after:
            for x in extra:
                out += record(ts, tu, x)
    if kind in REWRITES and n == 0:
        sys.exit("no SIP message to rewrite")
    open(sys.argv[2], "wb").write(out)


def reinvite_2xx(sip):
    """(index of the 200 OK to the call's re-INVITE, index of the ACK after it) in sip."""
    invs = [i for i, (f, u) in enumerate(sip) if u and u[4].startswith(b"INVITE ")
            and b"m=audio" in u[4]]
    if len(invs) < 2:
        sys.exit("no re-INVITE with SDP")
    ok = next(i for i in range(invs[1] + 1, len(sip)) if sip[i][1] and
              sip[i][1][4].startswith(b"SIP/2.0 200 ") and
              re.search(rb"\r\nCSeq: *\d+ INVITE\r\n", sip[i][1][4]))
    ack = next(i for i in range(ok + 1, len(sip)) if sip[i][1] and
               sip[i][1][4].startswith(b"ACK "))
    return ok, ack


def late_2xx(d, fl, sip, s):
    """late2xx: writes sys.argv[2]."""
    ok, ack = reinvite_2xx(sip)
    t_end = fl[ack][0] + fl[ack][1] / 1e6 + s
    last = max(i for i, (ts, tu, _) in enumerate(fl) if ts + tu / 1e6 < t_end)
    if last <= ack:
        sys.exit("nothing within %g s after the re-INVITE's ACK" % s)
    out = bytearray(d[:24])
    for i, (ts, tu, p) in enumerate(fl):
        if i not in (ok, ack):
            out += record(ts, tu, p)
        if i == last:
            for m in (ok, ack):
                out += record(ts, tu, fl[m][2])
    open(sys.argv[2], "wb").write(out)


def back_from(d, fl, sip, arg):
    """backfrom: writes sys.argv[2]."""
    t, n = float(arg.split(",")[0]), int(arg.split(",")[1])
    at = next(i for i, (ts, tu, _) in enumerate(fl) if ts + tu / 1e6 >= t)
    media = [i for i, (f, u) in enumerate(sip[:at]) if u and len(u[4]) >= 12 and u[4][0] >> 6 == 2
             and not 192 <= u[4][1] <= 223 and not re.match(rb"[A-Z]+ |SIP/2.0 ", u[4])]
    if len(media) < n:
        sys.exit("fewer than %d media packets before %s" % (n, arg))
    moved = set(media[-n:])
    out = bytearray(d[:24])
    for i, (ts, tu, p) in enumerate(fl):
        if i not in moved:
            out += record(ts, tu, p)
        if i == at:
            for m in sorted(moved):
                out += record(fl[m][0], fl[m][1], fl[m][2])
    open(sys.argv[2], "wb").write(out)


def first_late(d, fl, sip, n):
    """firstlate: writes sys.argv[2]."""
    invite = next(u for f, u in sip if u and u[4].startswith(b"INVITE ") and b"m=audio" in u[4])
    oa, op = endpoint(invite[4])
    media = [i for i, (f, u) in enumerate(sip) if u and u[0] == oa and u[2] == op
             and len(u[4]) >= 12 and u[4][0] >> 6 == 2 and not 192 <= u[4][1] <= 223]
    if len(media) <= n:
        sys.exit("fewer than %d media packets from the offerer" % (n + 1))
    first, last = media[0], media[n]
    out = bytearray(d[:24])
    for i, (ts, tu, p) in enumerate(fl):
        if i != first:
            out += record(ts, tu, p)
        if i == last:
            out += record(ts, tu, fl[first][2])
    open(sys.argv[2], "wb").write(out)


def groups_doc(msg):
    """The group document part (application/vnd.oma.poc.groups+xml) of a multipart SIP body."""
    m = re.search(rb"Content-Type: application/vnd\.oma\.poc\.groups\+xml\r\n\r\n(.*?)\r\n--",
                  msg, re.S)
    if not m:
        sys.exit("a NOTIFY without a group document")
    return m.group(1)


def with_body(head, body):
    """The SIP message of header block head (no blank line) and body, its Content-Length made
    right."""
    head = re.sub(rb"(\r\nContent-Length: *)\d+", lambda c: c.group(1) + b"%d" % len(body), head)
    return head + b"\r\n\r\n" + body


def answer_imsg(msg, path):
    """msg with path's first I_MESSAGE added to its SDP if it is a 200 OK with SDP (its
    Content-Length made right), else msg."""
    if not msg.startswith(b"SIP/2.0 200 ") or b"m=audio" not in msg:
        return msg
    m = re.search(rb"a=key-mgmt:mikey [A-Za-z0-9+/=]+\r\n", open(path, "rb").read())
    if not m:
        sys.exit("%s: no I_MESSAGE" % path.decode())
    head, body = msg.split(b"\r\n\r\n", 1)
    return with_body(head, body + m.group(0))


def no_keymgmt(msg, _arg):
    """msg without its a=key-mgmt lines (its Content-Length made right)."""
    if b"\r\n\r\n" not in msg:
        return msg
    head, body = msg.split(b"\r\n\r\n", 1)
    return with_body(head, re.sub(rb"a=key-mgmt:[^\r]*\r\n", b"", body))


def ice(msg, relay, host=True):
    """msg with its SDP behind the ICE relay address relay (see "ice" above), else msg;
    without host candidates and with a=ice-ufrag when not host (see "iceprflx")."""
    relay, _, more = relay.partition(b"+")
    if b"\r\n\r\n" not in msg:
        return msg
    head, body = msg.split(b"\r\n\r\n", 1)
    if not body.startswith(b"v=0"):
        return msg
    lines = body.split(b"\r\n")
    tail = lines.pop() if lines[-1] == b"" else None
    blocks, cur = [[]], None
    for ln in lines:
        if ln.startswith(b"m="):
            blocks.append([])
        blocks[-1].append(ln)
    sess_c = next((ln[len(b"c=IN IP4 "):] for ln in blocks[0] if ln.startswith(b"c=IN IP4 ")),
                  None)
    out = [b"c=IN IP4 " + relay if ln.startswith(b"c=IN IP4 ") else ln for ln in blocks[0]]
    if not host:
        out.append(b"a=ice-ufrag:" + (b"OffR" if msg.startswith(b"INVITE ") else b"AnsW"))
    for blk in blocks[1:]:
        conn = next((ln[len(b"c=IN IP4 "):] for ln in blk if ln.startswith(b"c=IN IP4 ")), sess_c)
        port = int(blk[0].split()[1].split(b"/")[0])
        out += [b"c=IN IP4 " + relay if ln.startswith(b"c=IN IP4 ") else ln for ln in blk]
        if port == 0 or conn is None:
            continue
        cur = [(1, port)] + ([] if b"a=rtcp-mux" in blk else [(2, port + 1)])
        for comp, p in cur:
            if host:
                out.append(b"a=candidate:1 %d UDP %d %s %d typ host" % (comp, 2130706432 - comp,
                                                                        conn, p))
            out.append(b"a=candidate:2 %d UDP %d %s %d typ relay raddr %s rport %d"
                       % (comp, 16777216 - comp, relay, p, conn, p))
        for k in range(int(more or 0)):
            out.append(b"a=candidate:%d 1 UDP %d 10.77.0.%d %d typ host" % (3 + k, 1000 - k, k + 1,
                                                                            9000 + k))
    if tail is not None:
        out.append(tail)
    return with_body(head, b"\r\n".join(out))


def rtcp_addr(msg, addr):
    """msg with "a=rtcp:<port + 1> IN IP4 addr" after its audio m= line if it is an INVITE
    with SDP (its Content-Length made right), else msg."""
    if not msg.startswith(b"INVITE ") or b"m=audio" not in msg:
        return msg
    head, body = msg.split(b"\r\n\r\n", 1)
    return with_body(head, re.sub(rb"(m=audio (\d+)[^\r]*\r\n)",
                                  lambda m: m.group(1) + b"a=rtcp:%d IN IP4 %s\r\n"
                                  % (int(m.group(2)) + 1, addr), body))


# SIP messages rewritten in place (IPv4/UDP; the datagram is rebuilt with its checksum)
REWRITES = {
    "ice": ice,
    "iceprflx": lambda msg, arg: ice(msg, arg, host=False),
    # the URI of the From header (<...>) replaced by arg
    "fromspoof": lambda msg, arg: re.sub(rb"(\r\nFrom: *<)[^>]*>",
                                         lambda m: m.group(1) + arg + b">", msg),
    # the last octet of the Call-ID made 0xFF
    "callidff": lambda msg, arg: re.sub(rb"(\r\nCall-ID: [^\r]*)[^\r](\r\n)",
                                        lambda m: m.group(1) + b"\xff" + m.group(2), msg, count=1),
    "answerimsg": answer_imsg,
    "rtcpaddr": rtcp_addr,
    "nokeymgmt": no_keymgmt,
    # a P-Asserted-Identity added to every 200 OK to an INVITE
    "answerpai": lambda msg, arg: re.sub(rb"(\r\nCSeq: *\d+ INVITE\r\n)",
                                         lambda m: m.group(1) + b"P-Asserted-Identity: <" + arg
                                         + b">\r\n", msg)
    if msg.startswith(b"SIP/2.0 200 ") else msg,
    # a P-Asserted-Identity added to every INVITE
    "invitepai": lambda msg, arg: re.sub(rb"(\r\nCSeq: *\d+ INVITE\r\n)",
                                         lambda m: m.group(1) + b"".join(
                                             b"P-Asserted-Identity: <" + u + b">\r\n"
                                             for u in arg.split(b",")), msg)
    if msg.startswith(b"INVITE ") else msg,
}


main()
