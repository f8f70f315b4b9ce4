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
expect 2 usage "$limf" scan
expect 2 badopt "$limf" scan --bogus "$data"

finish
