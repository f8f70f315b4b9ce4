#!/bin/bash
# CLI tests of `limf scan` on tests/data/scan_call.pcap (written by test_capture's call_pcap
# suite: an IPv4 call with a fragmented INVITE carrying demo/pck-alice-to-bob.mikey, 10 RTP
# packets each way, BYE; an IPv6 MCPTT INVITE on VLAN 100 with a multipart body and 5 RTP
# packets; one truncated and one ARP frame), on the shared interop pcap, and on bad input.
# Prints "N passed, N failed" last.
set -u
. "$(dirname "$0")/lib.sh"
data=tests/data/scan_call.pcap

expect 0 text "$limf" scan "$data"
has text '^frames 37 '
has text 'fragments 3, reassembled 1'
has text 'sip 8 (tcp 0), sdp 3, media 25'
has text 'rejected not_ip  *1$'
has text 'rejected ip4_truncated  *1$'
has text '^calls 2$'
has text 'Call-ID 3c26700b9f4e-limf-scan-test@192.0.2.1'
has text 'pai  sip:alice@ims.example.org'
has text 'first 2025-10-02T23:47:52.000000Z'
has text 'messages 7 (3 requests, 4 responses) INVITE BYE'
has text 'dialog to-tag b2 over udp, state ended, end bye, re-invites 0'
has text 'i_message yes (1 seen, 1 parsed)'
has text 'initiator b5c452309219da6a3d805615548d6c1b0f4de45a6b48fb13d9a24d857fc03dc4'
has text 'responder 780851cda91a9c33f941cd3a2831697e2893264754e363f8a0cef827eb201a81'
has text 'media audio 192.0.2.1:49170 packets 10 rtcp 0'
has text 'media audio 192.0.2.2:3456 packets 10 rtcp 0'
has text 'Call-ID mcptt-call-2@2001:db8::1'
has text 'media audio \[2001:db8::1\]:30000 packets 5'

expect 0 json "$limf" scan --json "$data"
if python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
c = d["calls"]
assert d["counts"]["frames"] == 37 and d["counts"]["reassembled"] == 1, d["counts"]
assert d["rejected"] == {"not_ip": 1, "ip4_truncated": 1}, d["rejected"]
assert len(c) == 2 and c[0]["i_message"] and not c[1]["i_message"]
assert c[0]["from"] == "sip:alice@example.org" and c[0]["pai"] == ["sip:alice@ims.example.org"]
assert c[0]["initiator"].startswith("b5c45230")
assert [m["packets"] for m in c[0]["media"]] == [10, 10]
assert c[1]["media"][0]["addr"] == "2001:db8::1" and c[1]["media"][0]["packets"] == 5
' "$tmp/out"; then ok; else bad "json: content"; fi

# the same file twice: one call table across files
expect 0 twice "$limf" scan "$data" "$data"
has twice '^frames 74 '
has twice 'media audio 192.0.2.1:49170 packets 20'

# capture/'s call table: a call over TCP (out-of-order, retransmitted and coalesced segments,
# CRLF keep-alive) with a re-INVITE carrying a new I_MESSAGE, and a forked UDP call
# (tests/data/scan_calls2.pcap, written by test_capture's calls_pcap suite)
data2=tests/data/scan_calls2.pcap
expect 0 calls2 "$limf" scan "$data2"
has calls2 '^frames 46 '
has calls2 'sip 17 (tcp 10), sdp 6, media 24, other udp 0'
has calls2 'tcp streams 2, sip over tcp 10, retransmitted 1, out of order 1, not sip 0'
hasnt calls2 '^rejected'
has calls2 '^calls 3$'
has calls2 'Call-ID tcp-call-1@192.0.2.1'
has calls2 'dialog to-tag tb over tcp, state ended, end bye, re-invites 1, ssrcs 2'
has calls2 'i_message yes (2 seen, 1 parsed)'
has calls2 'initiator b5c452309219da6a3d805615548d6c1b0f4de45a6b48fb13d9a24d857fc03dc4'
has calls2 'media audio 192.0.2.1:16000 packets 8 rtcp 0'
has calls2 'media audio 192.0.2.2:17000 packets 8 rtcp 0'
has calls2 'dialog to-tag f1 over udp, state ended, end flush'
has calls2 'dialog to-tag f2 over udp (fork), state ended, end bye'
has calls2 'media audio 192.0.2.4:19000 packets 4 rtcp 0'

expect 0 calls2json "$limf" scan --json "$data2"
pyjson calls2json 'j["counts"]["sip_tcp"] == 10 and j["counts"]["tcp_out_of_order"] == 1 and j["rejected"] == {}'
pyjson calls2json '[c["to_tag"] for c in j["calls"]] == ["tb", "f1", "f2"]'
pyjson calls2json '[c["transport"] for c in j["calls"]] == ["tcp", "udp", "udp"]'
pyjson calls2json '[c["forked"] for c in j["calls"]] == [False, False, True]'
pyjson calls2json 'j["calls"][0]["reinvites"] == 1 and j["calls"][0]["i_messages"] == 2 and j["calls"][0]["i_messages_parsed"] == 1'
pyjson calls2json '[c["end"] for c in j["calls"]] == ["bye", "flush", "bye"]'
pyjson calls2json '[m["packets"] for m in j["calls"][2]["media"]] == [4, 4] and j["calls"][1]["media"][0]["packets"] == 0'

# both files in one run: one table, five calls
expect 0 both "$limf" scan "$data" "$data2"
has both '^calls 5$'

# shared interop capture (four I_MESSAGEs over UDP 2269, no SIP)
vec=${LIMF_VECTORS:-../shared/vectors}/interop/mcx_imessages_udp2269.pcap
if [ -r "$vec" ]; then
	expect 0 vectors "$limf" scan "$vec"
	has vectors '^frames 4 '
	has vectors 'udp 4'
	has vectors '^calls 0$'
fi

# bad input: not a capture, missing file, truncated file, usage
printf 'not a pcap\n' >"$tmp/x.pcap"
expect 1 notpcap "$limf" scan "$tmp/x.pcap"
expect 1 missing "$limf" scan "$tmp/none.pcap"
head -c 2000 "$data" >"$tmp/cut.pcap"
expect 1 truncated "$limf" scan "$tmp/cut.pcap"
has truncated '^frames '
has truncated 'cut.pcap: cut short after [0-9]* whole frames (truncated dump file'
expect 2 usage "$limf" scan
expect 2 badopt "$limf" scan --bogus "$data"

# standard output that cannot be written (a full disk): exit 1 with a word, never a silent 0
# (limf/main.c finish_stdout); text, --json, and a command that prints one line
if [ -w /dev/full ]; then
	for a in "scan $data" "scan --json $data" "version"; do
		# shellcheck disable=SC2086 # the words of $a are the arguments
		"$limf" $a >/dev/full 2>"$tmp/err"
		rc=$?
		if [ "$rc" = 1 ]; then ok; else bad "full ($a): exit $rc, want 1"; fi
		if grep -q '^limf: could not write standard output: No space left on device$' "$tmp/err"
		then ok; else bad "full ($a): no message"; cat "$tmp/err" >&2; fi
	done
fi

# GMK distributions (issue 9): a group-document NOTIFY carrying the Streamwide GMK I_MESSAGE
# (tests/corpus/mcbody/notify_group_doc.txt), a SIP MESSAGE with the CSK I_MESSAGE as an
# application/mikey part (a type-26 message that is not a GMK one: counted, not listed), and
# a NOTIFY whose XML body has a DOCTYPE (refused)
python3 - "$tmp/gmk.pcap" <<'PY'
import re, struct, sys
notify = open("tests/corpus/mcbody/notify_group_doc.txt", "rb").read()
vec = open("tests/kat/mcx_unwrap.vec").read()
csk = bytes.fromhex(re.search(r"^csk_msg = ([0-9a-f]+)", vec, re.M).group(1))
def sip(method, ctype, body):
    return (method + " sip:gms@192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKx\r\n"
            "From: <sip:alice@streamwide.com>;tag=a\r\nTo: <sip:gms@streamwide.com>\r\n"
            "Call-ID: m-" + method + "@x\r\nCSeq: 1 " + method + "\r\nContent-Type: " + ctype +
            "\r\nContent-Length: %d\r\n\r\n" % len(body)).encode() + body
msg = sip("MESSAGE", "multipart/mixed;boundary=k",
          b"--k\r\nContent-Type: application/mikey\r\n\r\n" + csk + b"\r\n--k--\r\n")
bad = sip("NOTIFY", "application/xml", b"<!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><a>&x;</a>")
def frame(pl):
    udp = struct.pack("!HHHH", 5060, 5060, 8 + len(pl), 0) + pl
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                     bytes([192, 0, 2, 1]), bytes([192, 0, 2, 10]))
    return b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" + ip + udp
with open(sys.argv[1], "wb") as o:
    o.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i, pl in enumerate((notify, msg, bad)):
        f = frame(pl)
        o.write(struct.pack("<IIII", 1764547200 + i, 0, len(f), len(f)) + f)
PY
expect 0 gmk "$limf" scan "$tmp/gmk.pcap"
has gmk '^sip 3 '
has gmk '^gmk distributions 1 (i_messages in bodies 2, bodies rejected 1)$'
has gmk '^gmk 1: group sip:fire-north@streamwide.com$'
has gmk 'to sip:alice@streamwide.com request-uri sip:alice@192.0.2.10:5060 mc-target sip:alice@streamwide.com'
has gmk 'via NOTIFY at 2025-12-01T00:00:00.000000Z, element GKTP id k1$'
has gmk 'gmk-id 0df9bc39 (carried) guk-id 06a12aea gms 15a4d5b12856538d02d91fedbb766e6dd377b014c92e216666c8fb678608d20e'
hasnt gmk '^gmk 2:'
expect 0 gmkjson "$limf" scan --json "$tmp/gmk.pcap"
pyjson gmkjson 'j["gmk_counts"] == {"i_messages_in_bodies": 2, "bodies_rejected": 1, "records_full": 0}'
pyjson gmkjson 'len(j["gmk_distributions"]) == 1'
pyjson gmkjson 'j["gmk_distributions"][0]["groups"] == ["sip:fire-north@streamwide.com"]'
pyjson gmkjson '[j["gmk_distributions"][0][k] for k in ("to", "method", "gmk_id", "guk_id")] == ["sip:alice@streamwide.com", "NOTIFY", "0df9bc39", "06a12aea"]'
pyjson gmkjson 'j["gmk_distributions"][0]["request_uri"] == "sip:alice@192.0.2.10:5060" and j["gmk_distributions"][0]["gktp_id"] == "k1" and j["gmk_distributions"][0]["element"] == "GKTP"'
# a generated group call (limf-gen --profile group): each leg names its group, and its talkers
# by the MKI of their media (GMK-ID || GUK-ID), the member being the addressee of the
# distribution whose GUK-ID it is: no key needed
"$BUILD/limf-kms" init "$tmp/kg" --scheme 3gpp-uid --kms-uri kms.example.org --period 2592000 \
	>/dev/null && ok || bad "limf-kms init"
expect 0 gengroup "$BUILD/limf-gen" --community "$tmp/kg/community.json" --out "$tmp/grp.pcap" \
	--profile group --stranger --seed 3
expect 0 grpjson "$limf" scan --json "$tmp/grp.pcap"
cp "$tmp/grp.pcap.json" "$tmp/grp-truth.json"
pyjson grpjson 'len(j["gmk_distributions"]) == 3 and all(d["gmk_id"] for d in j["gmk_distributions"])'
pyjson grpjson 'all(c["group"] == json.load(open("'"$tmp"'/grp-truth.json"))["group"]["id"] for c in j["calls"])'
pyjson grpjson 'sorted({(t["gmk_id"], t["guk_id"], t["member"] or "") for c in j["calls"] for t in c["talkers"]}) == sorted({(t["gmk_id"], t["guk_id"], t["talker"] if t["talker"].startswith("sip:") else "") for t in json.load(open("'"$tmp"'/grp-truth.json"))["group"]["turns"]})'
expect 0 grptext "$limf" scan "$tmp/grp.pcap"
has grptext '^  group sip:group-3@example.org$'
has grptext '^  talker gmk-id [0-9a-f]\{8\} guk-id [0-9a-f]\{8\} ssrc [0-9a-f]\{8\} packets [1-9][0-9]* member sip:alice@example.org$'
has grptext ' member unknown$'

# checksums: a generated call has none wrong; a BYE added with a wrong UDP checksum (one its
# receiver discards, which replay --verify-checksums drops) is counted, not dropped
expect 0 gencs "$BUILD/limf-gen" --community "$tmp/kg/community.json" --out "$tmp/cs.pcap" \
	--calls 1 --duration 1 --seed 5
expect 0 injectcs python3 "$(dirname "$0")/pcap_inject.py" "$tmp/cs.pcap" "$tmp/csb.pcap" t+0.5 \
	badbye csum
expect 0 cs0 "$limf" scan --json "$tmp/cs.pcap"
cp "$tmp/out" "$tmp/cs0.json"
pyjson cs0 'j["checksums_wrong"] == {"sip_udp": 0, "tcp": 0}'
expect 0 cs0text "$limf" scan "$tmp/cs.pcap"
hasnt cs0text '^checksums wrong'
expect 0 cs1 "$limf" scan --json "$tmp/csb.pcap"
pyjson cs1 'j["checksums_wrong"] == {"sip_udp": 1, "tcp": 0} and j["counts"]["sip"] == json.load(open("'"$tmp"'/cs0.json"))["counts"]["sip"] + 1'
expect 0 cs1text "$limf" scan "$tmp/csb.pcap"
has cs1text '^checksums wrong: sip over udp 1, tcp segments 0 (what replay --verify-checksums drops)$'

# ICE (RFC 8839): the same call's SDP behind a relay (c= and m= on 203.0.113.77), its media
# between the host candidates: they are listed, each with the packets sent to it (the RTCP
# candidate on its address), and no candidate goes past the call table's limit
expect 0 injectice python3 "$(dirname "$0")/pcap_inject.py" "$tmp/cs.pcap" "$tmp/ice.pcap" 0 \
	ice 203.0.113.77
expect 0 ice0 "$limf" scan --json "$tmp/cs.pcap"
cp "$tmp/out" "$tmp/ice0.json"
expect 0 ice1 "$limf" scan --json "$tmp/ice.pcap"
python3 -c 'import json, sys
m0 = json.load(open(sys.argv[1]))["calls"][0]["media"]
j = json.load(open(sys.argv[2]))
m1 = j["calls"][0]["media"]
assert len(m0) == 2 and all(m["packets"] > 0 and not m["candidate"] for m in m0), m0
want = [x for e in m0 for x in (("203.0.113.77", e["port"], 0, False),
                                 (e["addr"], e["port"], e["packets"], True))]
assert [(m["addr"], m["port"], m["packets"], m["candidate"]) for m in m1] == want, m1
assert "ice_candidates_over" not in j["rejected"], j["rejected"]' "$tmp/ice0.json" "$tmp/out" &&
	ok || bad "ice1: the candidates and their packets are not listed"
expect 0 ice1text "$limf" scan "$tmp/ice.pcap"
has ice1text '^  media audio [0-9.]*:[0-9]* (ice candidate) packets [1-9][0-9]* rtcp 0$'
hasnt ice1text 'ice_candidates_over'
# 13 host candidates more per stream: 15 distinct, 12 followed (the call table's limit per
# SDP), 3 not, in each of the 2 SDPs; those followed are listed (both sides name the same
# ones: listed once)
expect 0 injectice15 python3 "$(dirname "$0")/pcap_inject.py" "$tmp/cs.pcap" "$tmp/ice15.pcap" 0 \
	ice 203.0.113.77+13
expect 0 ice15 "$limf" scan --json "$tmp/ice15.pcap"
pyjson ice15 'j["rejected"] == {"ice_candidates_over": 6} and len(j["calls"][0]["media"]) == 14 and j["calls"][0]["media"][11]["addr"] == "10.77.0.10"'
expect 0 ice15text "$limf" scan "$tmp/ice15.pcap"
has ice15text '^rejected ice_candidates_over *6$'

# RTCP to the address a=rtcp gives (RFC 3605), not c=: counted on its line
expect 0 injectrtcp python3 "$(dirname "$0")/pcap_inject.py" "$tmp/cs.pcap" "$tmp/rtcpaddr.pcap" \
	ack rtcpaddr 198.51.100.77
expect 0 rtcpaddr "$limf" scan --json "$tmp/rtcpaddr.pcap"
pyjson rtcpaddr '[m["rtcp"] for m in j["calls"][0]["media"]] == [3, 0] and j["calls"][0]["media"][0]["packets"] > 0'

# the earlier captures carry no GMK distribution
expect 0 nogmk "$limf" scan --json "$data2"
pyjson nogmk 'j["gmk_distributions"] == [] and j["gmk_counts"]["i_messages_in_bodies"] == 0'

finish
