#!/bin/bash
# X2/X3 input (issue 8, ETSI TS 103 221-2): limf-gen as a point of interception (POI).
#   a. tshark's 5gli dissector reads limf-gen's --x2x3-pcap with no malformed PDU and no expert
#      warning, and the li5g fields (version, type, XID, sequence number, timestamp, addresses,
#      ports, protocol, payload) equal the packets of the generated call pcap, in order
#   b. end to end: limf-gen --x2x3 -> `limf capture --x2x3` (TLS, client certificates) with a
#      warrant on the callee -> test LEMF: the call is intercepted, the CC the LEMF receives and
#      the --record bundle's cc.pcap equal the generator's clear .raw media; the background
#      call is not intercepted; keep-alives acknowledged
#   c. a POI whose certificate comes from another CA is refused; a POI that sends garbage and
#      one that disconnects in the middle of a PDU are closed and counted; limf keeps running
#      and a second good POI, connected meanwhile, is intercepted as well
#   d. the XID: each warrant owns the XID its POI sends (`limf warrant add --xid`); the PDUs of
#      an XID no warrant in force owns are refused, even for a call whose callee is a target
#   e. operations: `limf status --json`, its text and the Prometheus endpoint count exactly what
#      the POIs sent (a good POI, one that sends garbage, one with an XID of no warrant, a rogue
#      certificate, no certificate); SIGHUP with a rotated server certificate (another CA): a new
#      POI sees the new certificate (limf-gen trusting only the new CA works, only the old one
#      fails; openssl s_client shows it), a connection opened before goes on; a changed listen
#      address is reported and not applied; SIGHUP with a broken key keeps the running
#      certificate, says why, and the service goes on
#   f. the XID table (64): a POI sends 100 random XIDs (refused without a database question
#      each: none is a warrant's); a warrant's XID seen afterwards is still
#      checked and its call intercepted (the refused XIDs are evicted: counted in the summary and
#      status); a POI that sends more PDUs than a step's read budget, each in a TLS record of its
#      own, then a keep-alive: the acknowledgement comes at once (the last read is delivered
#      without waiting for more octets), over many sizes
#   g. PDU Timestamps that go back and forth do not query the database per PDU (the XID answer
#      is kept 1 s by the monotonic clock)
#   h. CRLs ([x2x3] crl, --x2x3-crl): a revoked POI's handshake fails, another POI of the same
#      CA goes on; a CRL not signed by a CA of the CA file, an expired one, a file with no CRL,
#      a CA file with a CA that has no CRL: refused at start, naming why; SIGHUP with a CRL that
#      revokes a POI whose connection is open closes that connection (counted: revoked in the
#      summary, status and metrics) and no other; SIGHUP with an expired CRL keeps what runs
# Needs the private PostgreSQL cluster: run through scripts/pg-test.sh. Prints "N passed, N failed".
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
live_init
hpid='' opid=''
cleanup() {
	[ -n "$hpid" ] && kill -KILL "$hpid" 2>/dev/null
	[ -n "$opid" ] && kill -KILL "$opid" 2>/dev/null
	live_cleanup
}
trap cleanup EXIT

# ---- certificates: CA 1 signs the listener and the POIs; CA 2 signs a rogue POI
mkca() { # DIR CN
	mkdir -p "$1"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1/ca.key" \
		-out "$1/ca.pem" -subj "/CN=$2" -days 2 2>/dev/null
}
mkcert() { # CADIR OUT CN SAN
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$2.key" \
		-out "$2.csr" -subj "/CN=$3" 2>/dev/null &&
		printf 'subjectAltName=%s\n' "$4" >"$2.ext" &&
		openssl x509 -req -in "$2.csr" -CA "$1/ca.pem" -CAkey "$1/ca.key" -CAcreateserial \
			-out "$2.pem" -days 2 -extfile "$2.ext" 2>/dev/null
}
mkca "$tmp/ca1" "X2X3 test CA" && mkca "$tmp/ca2" "Another CA" && ok || bad "CAs"
mkcert "$tmp/ca1" "$tmp/mf" "limf-mf" "IP:127.0.0.1" && mkcert "$tmp/ca1" "$tmp/poi1" "pcscf-1" "DNS:pcscf-1" &&
	mkcert "$tmp/ca1" "$tmp/poi2" "pcscf-2" "DNS:pcscf-2" &&
	mkcert "$tmp/ca2" "$tmp/rogue" "rogue" "DNS:rogue" && ok || bad "certificates"

live_kms x2x3
lemf_up "$tmp/lemf.jsonl"
[ "$p2" != 0 ] && ok || bad "limf-lemf did not start"
{
	conf_live "$tmp/k" OP-X23 "$tmp/spool" limf-x23
	printf '[evidence]\nsign_key = %s\n' "$tmp/sign.pem"
	conf_authority lemf1 "127.0.0.1:$p2" "127.0.0.1:$p3"
	cat <<EOF
[service]
control_socket = $tmp/ctl.sock
[x2x3]
ca   = $tmp/ca1/ca.pem
cert = $tmp/mf.pem
key  = $tmp/mf.key
max_conns = 8
EOF
} >"$tmp/limf.conf"
openssl genpkey -algorithm ed25519 -out "$tmp/sign.pem" 2>/dev/null && ok || bad "ed25519 key"
A="sip:ann$sfx@example.org" B="sip:ben$sfx@example.org" C="sip:cid$sfx@example.org"
D="sip:dan$sfx@example.org" E="sip:eve$sfx@example.org" L="X$sfx" L2="Y$sfx"
XID1=6f1c2b3a-0d4e-4f51-8a62-7b8c9d0e1f21 XID2=0a0b0c0d-1111-4222-8333-444455556666
XID3=9e8d7c6b-5a49-4838-a727-161514131211 # provisioned to no warrant
# one warrant per good POI's callee (each LIID's CC is one generator run), each owning the XID
# its POI sends; E: no warrant
for w in "$L $B $XID1" "$L2 $D $XID2"; do
	set -- $w
	warrant "$1" "$2" --xid "$3" && ok || bad "warrant add $1"
done
GENARGS=(--community "$tmp/k/community.json" --background 1 --duration 3 --start "$(iso "$NOW")")
POI1=(--x2x3-ca "$tmp/ca1/ca.pem" --x2x3-cert "$tmp/poi1.pem" --x2x3-key "$tmp/poi1.key")
POI2=(--x2x3-ca "$tmp/ca1/ca.pem" --x2x3-cert "$tmp/poi2.pem" --x2x3-key "$tmp/poi2.key")

# ---- a. tshark reads the PDU stream
expect 0 gen_pcap "$gen" "${GENARGS[@]}" --caller "$A" --callee "$B" --seed 71 --out "$tmp/a.pcap" \
	--x2x3-pcap "$tmp/a.x2x3.pcap" --x2x3-xid "$XID1"
has gen_pcap "limf-gen: x2x3: xid $XID1 pdus [1-9]"
tshark -r "$tmp/a.x2x3.pcap" -d tcp.port==6443,5gli -Y '_ws.malformed || _ws.expert.severity >= "warning"' \
	>"$tmp/ts_bad" 2>"$tmp/ts_bad.err"
[ "$?" -eq 0 ] && [ ! -s "$tmp/ts_bad" ] && ok || { bad "tshark: malformed or expert warnings"; head "$tmp/ts_bad" "$tmp/ts_bad.err" >&2; }
tshark -r "$tmp/a.x2x3.pcap" -d tcp.port==6443,5gli -Y 5gli -T fields -E separator='|' \
	-e li5g.ver -e li5g.type -e li5g.hl -e li5g.pl -e li5g.pf -e li5g.pd -e li5g.xid -e li5g.cid \
	-e li5g.sq -e li5g.ts -e li5g.srcip -e li5g.dstip -e li5g.srcport -e li5g.dstport \
	-e li5g.ipproto -e li5g.nfid -e li5g.pld >"$tmp/li5g.txt" 2>/dev/null
cat >"$tmp/li5g.py" <<'PY'
import struct, sys, datetime
xid, fields, pcap = sys.argv[1:4]
raw = open(pcap, "rb").read()
pk, off = [], 24  # the generated call pcap (Ethernet, IPv4, UDP, microseconds)
while off + 16 <= len(raw):
    s, us, incl = struct.unpack_from("<III", raw, off)[:3]
    fr = raw[off + 16: off + 16 + incl]
    off += 16 + incl
    ip = fr[14:]
    assert ip[0] >> 4 == 4 and ip[9] == 17, "want IPv4/UDP"
    ihl = (ip[0] & 15) * 4
    sport, dport, ulen = struct.unpack_from(">HHH", ip, ihl)
    pl = ip[ihl + 8: ihl + ulen]
    sip = pl[:8] in (b"INVITE s", b"ACK sip:", b"BYE sip:") or pl.startswith(b"SIP/2.0 ")
    pk.append((s * 10**6 + us, ".".join(map(str, ip[12:16])), ".".join(map(str, ip[16:20])),
               sport, dport, pl, sip))
def ts_of(t):  # "Jan 15, 2026 10:00:00.072923000 UTC"
    d, frac = t.replace(" UTC", "").rsplit(".", 1)
    e = datetime.datetime.strptime(d, "%b %d, %Y %H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return int(e.timestamp()) * 10**6 + int(frac[:6])
rows = [l.rstrip("\n").split("|") for l in open(fields)]
first = lambda v: v.split(",")[0]
data = [r for r in rows if r[1] in ("1", "2")]
kas = [r for r in rows if r[1] in ("3", "4")]
assert len(data) == len(pk), "%d X2/X3 PDUs, %d packets in the call pcap" % (len(data), len(pk))
assert kas and len([r for r in kas if r[1] == "3"]) == len([r for r in kas if r[1] == "4"])
for i, (r, p) in enumerate(zip(data, pk)):
    ver, typ, hl, pl, pf, pd, x, cid, sq, ts, sip, dip, sp, dp, pr, nfid, pld = r
    want = (p[6] and "1" or "2", p[6] and "9" or "8")
    assert (ver, typ, pf, pd) == ("5", want[0], want[1], "1"), (i, r[:6])
    assert x == xid and int(first(sq)) == i + 1, (i, x, sq)
    assert ts_of(ts.split(" UTC")[0]) == p[0], (i, ts, p[0])  # "Dec  1, 2026 ...": has a comma
    assert (first(sip), first(dip), int(first(sp)), int(first(dp)), int(first(pr))) == \
        (p[1], p[2], p[3], p[4], 17), (i, r[10:15], p[1:5])
    assert bytes.fromhex(first(nfid)) == b"limf-gen" and int(pl) == len(p[5])
    assert bytes.fromhex(pld.replace(":", "")) == p[5], "payload %d differs" % i
    assert int(cid, 16) >= 1
print("%d X2/X3 PDUs (%d X2) and %d keep-alives/acks equal the call pcap" %
      (len(data), sum(1 for p in pk if p[6]), len(kas)))
PY
expect 0 li5g_fields python3 "$tmp/li5g.py" "$XID1" "$tmp/li5g.txt" "$tmp/a.pcap"
has li5g_fields "X2/X3 PDUs .* equal the call pcap"
cat "$tmp/out" >&2
# IPv6 addresses, SIP over TCP and the --x2x3-ip payload format (whole IPv6 packets): no
# malformed PDU, every PDU dissected as 5GLI, the payload's own dissectors under it
expect 0 gen_pcap6 "$gen" "${GENARGS[@]}" --caller "$A" --callee "$B" --seed 76 --ipv6 --tcp \
	--out "$tmp/a6.pcap" --x2x3-pcap "$tmp/a6.x2x3.pcap" --x2x3-ip
tshark -r "$tmp/a6.x2x3.pcap" -d tcp.port==6443,5gli -Y '_ws.malformed || _ws.expert.severity >= "warning"' \
	>"$tmp/ts_bad6" 2>"$tmp/ts_bad6.err"
[ "$?" -eq 0 ] && [ ! -s "$tmp/ts_bad6" ] && ok || { bad "tshark (IPv6/TCP): malformed or expert warnings"; head "$tmp/ts_bad6" >&2; }
n6=$(tshark -r "$tmp/a6.x2x3.pcap" -d tcp.port==6443,5gli -Y 'li5g.type == 2 && li5g.pf == 6 && ipv6 && udp' 2>/dev/null | wc -l)
s6=$(tshark -r "$tmp/a6.x2x3.pcap" -d tcp.port==6443,5gli -Y 'li5g.type == 1 && li5g.pf == 9 && sip && li5g.srcipv6 && li5g.ipproto == 6' 2>/dev/null | wc -l)
[ "$n6" -eq 600 ] && [ "$s6" -ge 14 ] && ok || bad "tshark (IPv6/TCP): $n6 X3 IPv6 packets, $s6 X2 SIP over TCP"

# x23_up NAME [ARG...]: `limf capture --x2x3 127.0.0.1:0 ARG...` in the background (capture
# NAME: cpid, $tmp/NAME.err); port: the port its log says it listens on, counted (empty and bad,
# its log shown, when it does not listen within 10 s)
x23_up() {
	local name=$1
	shift
	capture "$name" --x2x3 127.0.0.1:0 "$@"
	wait_for "$tmp/$name.err" 'x2x3: listening on .* (port [0-9]*)'
	port=$(sed -n 's/.*x2x3: listening on .* (port \([0-9]*\)).*/\1/p' "$tmp/$name.err")
	if [ -n "$port" ]; then ok; else bad "limf capture --x2x3 ($name) did not listen"; cat "$tmp/$name.err" >&2; fi
}
# ---- b/c. limf capture --x2x3 with POIs
# (--verify-checksums: poi1's X2 SIP that limf wraps in IPv6/UDP, and poi2's X2/X3 PDUs of
# whole IPv6 packets, pass it; the bundle says it was on)
x23_up cap --record "$tmp/ev" --verify-checksums
# c. a POI with a certificate of another CA: refused (the generator gets no acknowledgement)
expect 1 rogue "$gen" "${GENARGS[@]}" --caller "$C" --callee "$E" --seed 72 --out "$tmp/r.pcap" \
	--x2x3 "127.0.0.1:$port" --x2x3-ca "$tmp/ca1/ca.pem" --x2x3-cert "$tmp/rogue.pem" \
	--x2x3-key "$tmp/rogue.key"
has rogue "x2x3: "
# c. garbage after the first PDU; a cut PDU held open while a good POI sends its call
expect 0 garbage "$gen" "${GENARGS[@]}" --caller "$C" --callee "$E" --seed 73 --out "$tmp/g.pcap" \
	--x2x3 "127.0.0.1:$port" "${POI2[@]}" --x2x3-misbehave garbage --x2x3-hold 0.5
"$gen" "${GENARGS[@]}" --caller "$C" --callee "$E" --seed 74 --out "$tmp/h.pcap" --x2x3 "127.0.0.1:$port" \
	"${POI2[@]}" --x2x3-misbehave cut --x2x3-hold 3 >"$tmp/hold.out" 2>"$tmp/hold.err" &
hpid=$!
sleep 0.5
# b. the good POI: its calls go through the pipeline to the LEMF (IPv6: the SIP limf wraps in
# UDP needs the checksum limf computes, with --verify-checksums)
expect 0 poi1 "$gen" "${GENARGS[@]}" --caller "$A" --callee "$B" --seed 71 --out "$tmp/b.pcap" \
	--x2x3 "127.0.0.1:$port" "${POI1[@]}" --x2x3-xid "$XID1" --ipv6
has poi1 "xid $XID1 pdus [1-9][0-9]* .* acknowledged"
kill -0 "$hpid" 2>/dev/null && ok || bad "the cut POI was not still connected during poi1"
wait "$hpid" && ok || bad "cut POI: exit status"
hpid=''
# a second good POI after all that: IPv6, SIP over TCP at the POI, X3 as IPv6 packets
expect 0 poi2 "$gen" "${GENARGS[@]}" --caller "$C" --callee "$D" --seed 75 --out "$tmp/d.pcap" --ipv6 --tcp \
	--x2x3 "127.0.0.1:$port" "${POI2[@]}" --x2x3-xid "$XID2" --x2x3-ip
has poi2 "acknowledged"
# a POI whose XID no warrant owns: its PDUs are refused, although the callee is a target
expect 0 poi3 "$gen" "${GENARGS[@]}" --caller "$C" --callee "$B" --seed 76 --out "$tmp/x.pcap" \
	--x2x3 "127.0.0.1:$port" "${POI1[@]}" --x2x3-xid "$XID3"
has poi3 "acknowledged"
kill -0 "$cpid" 2>/dev/null && ok || bad "limf capture died"
# limf status shows the X2/X3 input as a live source (frames: PDUs fed to the pipeline)
expect 0 status "$limf" status --socket "$tmp/ctl.sock" --json
pyjson status "[s for s in j['sources'] if s['name'] == 'x2x3' and s['frames'] == 1228 and s['bytes'] > 100000]"
# c. a flood of silent TCP connections takes no POI's place: max_conns (8) of them and one more
# (the ninth closes the first's handshake), then a POI sends a call while they stay (it closes
# the second's). Before, handshakes counted against max_conns: the ninth was refused, and so
# was every POI while they stayed
python3 - "$port" >"$tmp/idle.out" 2>&1 <<'PY' &
import socket, sys, time
s = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(9)]
print("connected", flush=True)
time.sleep(60)
PY
hpid=$!
# (python's start-up may take over a second on a loaded machine: wait for its connections)
for _ in $(seq 100); do grep -q "^connected" "$tmp/idle.out" && break; sleep 0.1; done
sleep 0.5
expect 0 poi3f "$gen" "${GENARGS[@]}" --caller "$C" --callee "$B" --seed 76 --out "$tmp/x.pcap" \
	--x2x3 "127.0.0.1:$port" "${POI1[@]}" --x2x3-xid "$XID3"
has poi3f "acknowledged"
kill -0 "$cpid" 2>/dev/null && ok || bad "limf capture died"
kill -TERM "$cpid"
wait "$cpid"
rc=$?
cpid=''
[ "$rc" -eq 0 ] && ok || { bad "limf capture: exit $rc"; tail -20 "$tmp/cap.err" >&2; }
grep "limf capture" "$tmp/cap.err" | grep -E "x2x3|intercepted" >&2
kill "$hpid" 2>/dev/null
wait "$hpid" 2>/dev/null
hpid=''
grep -q "limf capture: .* intercepted 2 " "$tmp/cap.err" && ok || bad "not 2 calls intercepted"
grep -q "l4_checksum" "$tmp/cap.err" && bad "X2/X3 SIP dropped for its checksum" || ok
python3 -c 'import json, sys; assert json.load(open(sys.argv[1]))["verify_checksums"] is True' \
	"$tmp/ev/manifest.json" && ok || bad "the --record manifest does not say checksums were verified"
grep -Eq "x2x3: connections 16 tls_failed 3 refused_full 0 " "$tmp/cap.err" && ok || bad "connections"
grep -Eq "x2x3: handshake_timeout 0 .* handshake_evicted 2 revoked 0$" "$tmp/cap.err" && ok || bad "evicted"
grep -Eq "x2x3: connections [0-9]+ tls_failed [1-9]" "$tmp/cap.err" && ok || bad "rogue POI not counted"
grep -Eq "x2x3: rejected .*version 1 " "$tmp/cap.err" && ok || bad "garbage not counted"
grep -Eq "x2x3: connections .* cut 1 active 0" "$tmp/cap.err" && ok || bad "cut PDU not counted"
grep -Eq "x2x3 poi pcscf-1: conns 3 x2 [1-9]" "$tmp/cap.err" && ok || bad "POI pcscf-1 counters"
# the XID no warrant owns: every one of its PDUs refused (the calls of poi3 and poi3f were not among the
# 2 intercepted); the misbehaving POIs' random XIDs too
grep -Eq "x2x3 xid $XID3: x2 28 x3 1200 refused 1228" "$tmp/cap.err" && ok || bad "XID 3 not refused"
grep -Eq "x2x3 xid $XID1: x2 [1-9][0-9]* x3 600 refused 0" "$tmp/cap.err" && ok || bad "XID 1 refused"
grep -Eq "fed 1228 .* xid_refused 1230" "$tmp/cap.err" && ok || bad "xid_refused total"
grep -Eq "x2x3 poi pcscf-2: conns 3 .*rejected 1 cut 1" "$tmp/cap.err" && ok || bad "POI pcscf-2 counters"
grep -q "x2x3 xid $XID1: x2 [1-9]" "$tmp/cap.err" && ok || bad "XID 1 not recorded"
grep -q "x2x3 xid $XID2: x2 [1-9]" "$tmp/cap.err" && ok || bad "XID 2 not recorded"
grep -q "pending 0 links" "$tmp/cap.err" && ok || bad "not all confirmed by the LEMF"
expect 0 verify "$limf" verify "$tmp/ev"
# CC: the --record bundle and the LEMF, against each generator's clear .raw media
expect 0 cc_b python3 tests/cli/replay_check.py "$tmp/ev" "$L" "$tmp/b.pcap.json" targets
expect 0 cc_d python3 tests/cli/replay_check.py "$tmp/ev" "$L2" "$tmp/d.pcap.json" targets --no-wav
cat >"$tmp/lemf_cc.py" <<'PY'
import json, os, struct, sys
lemf = sys.argv[1]
lines = [json.loads(l) for l in open(lemf)]
assert not [l for l in lines if "error" in l], [l for l in lines if "error" in l][:3]
cc = [l for l in lines if l.get("kind") == "cc"]
by = {}
for l in cc:
    rtp = bytes.fromhex(l["rtp"])
    by.setdefault(struct.unpack_from(">I", rtp, 8)[0], []).append(rtp)
n = 0
for truth in sys.argv[2:]:
    t = json.load(open(truth))
    for call in t["calls"]:
        for st in call["streams"]:
            pk = by.get(int(st["ssrc"], 16), [])
            if call["target"] is False:
                assert not pk, "background call intercepted"
                continue
            first = st["first_seq"]
            pk.sort(key=lambda r: (struct.unpack_from(">H", r, 2)[0] - first) & 0xFFFF)
            got = b"".join(r[12:] for r in pk)
            raw = open(os.path.join(truth[:-5] + ".d", st["raw"]), "rb").read()
            assert got == raw, "%s %s: %d octets, .raw %d" % (truth, st["ssrc"], len(got), len(raw))
            n += len(pk)
print("LEMF CC equals the .raw media:", n, "packets")
PY
expect 0 lemf_cc python3 "$tmp/lemf_cc.py" "$tmp/lemf.jsonl" "$tmp/b.pcap.json" "$tmp/d.pcap.json"
has lemf_cc "LEMF CC equals the .raw media: 600 packets"
cat "$tmp/out" >&2
# the misbehaving POIs got one whole PDU each through (then garbage / half a PDU), refused
grep -Eq "x2x3 xid .*: x2 1 x3 0 refused 1" "$tmp/cap.err" && ok || bad "misbehaving POIs' PDUs"
# ---- e. counters in limf status / metrics, and SIGHUP reloads
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
gen_count() { # FIELD: from the last limf-gen run's "x2x3: xid ... pdus N x2 N ..." line
	sed -n "s/.*limf-gen: x2x3: xid .* $1 \([0-9]*\).*/\1/p" "$tmp/err" | head -1
}
xport=$(free_port) mport=$(free_port)
cp "$tmp/mf.pem" "$tmp/srv.pem" && cp "$tmp/mf.key" "$tmp/srv.key"
conf_e() { # LISTEN_PORT MAX_CONNS HANDSHAKE_TIMEOUT
	{
		sed '/^\[service\]/,$d' "$tmp/limf.conf"
		cat <<EOF
[service]
control_socket = $tmp/ctl_e.sock
metrics = 127.0.0.1:$mport
[x2x3]
listen = 127.0.0.1:$1
ca   = $tmp/ca1/ca.pem
cert = $tmp/srv.pem
key  = $tmp/srv.key
max_conns = $2
handshake_timeout = $3
EOF
	} >"$tmp/e.conf"
}
conf_e "$xport" 8 10
capture_conf "$tmp/e.conf" cape
wait_for "$tmp/cape.err" "x2x3: listening on 127.0.0.1:$xport" && ok ||
	{ bad "limf capture ([x2x3] listen) did not listen"; cat "$tmp/cape.err" >&2; }
# a good POI (XID of a warrant in force)
expect 0 e_good "$gen" "${GENARGS[@]}" --caller "$A" --callee "$B" --seed 81 --out "$tmp/e1.pcap" \
	--x2x3 "127.0.0.1:$xport" "${POI1[@]}" --x2x3-xid "$XID1"
has e_good "acknowledged"
gx2=$(gen_count x2) gx3=$(gen_count x3) gka=$(gen_count keepalive) gby=$(gen_count bytes)
# garbage after one keep-alive and one X2 PDU (random XID: no warrant)
expect 0 e_garbage "$gen" "${GENARGS[@]}" --caller "$C" --callee "$E" --seed 82 --out "$tmp/e2.pcap" \
	--x2x3 "127.0.0.1:$xport" "${POI2[@]}" --x2x3-misbehave garbage --x2x3-hold 0.5
# an XID no warrant owns
expect 0 e_xid "$gen" "${GENARGS[@]}" --caller "$C" --callee "$B" --seed 83 --out "$tmp/e3.pcap" \
	--x2x3 "127.0.0.1:$xport" "${POI1[@]}" --x2x3-xid "$XID3"
has e_xid "acknowledged"
ux2=$(gen_count x2) ux3=$(gen_count x3) uka=$(gen_count keepalive) uby=$(gen_count bytes)
# a certificate of another CA; no certificate at all
expect 1 e_rogue "$gen" "${GENARGS[@]}" --caller "$C" --callee "$E" --seed 84 --out "$tmp/e4.pcap" \
	--x2x3 "127.0.0.1:$xport" --x2x3-ca "$tmp/ca1/ca.pem" --x2x3-cert "$tmp/rogue.pem" \
	--x2x3-key "$tmp/rogue.key"
openssl s_client -connect "127.0.0.1:$xport" -CAfile "$tmp/ca1/ca.pem" </dev/null >/dev/null 2>&1
sleep 0.5
[ -n "$gx2" ] && [ -n "$gx3" ] && [ -n "$gka" ] && [ -n "$gby" ] && [ -n "$ux2" ] && [ -n "$uby" ] && ok ||
	bad "limf-gen counts not read"
# what limf must count: each keep-alive is 48 octets (40 + the sequence number attribute)
X2=$((gx2 + ux2 + 1)) X3=$((gx3 + ux3)) KA=$((gka + uka + 1))
P1BY=$((gby + uby + 48 * (gka + uka))) FED=$((gx2 + gx3)) NOW_=$((ux2 + ux3 + 1))
expect 0 e_status "$limf" status --socket "$tmp/ctl_e.sock" --json
pyjson e_status "j['x2x3']['listen'] == '127.0.0.1:$xport' and j['x2x3']['max_conns'] == 8 and j['x2x3']['handshake_timeout_ms'] == 10000"
pyjson e_status "j['x2x3']['connections'] == {'open': 0, 'handshaking': 0, 'accepted': 5, 'closed': 3, 'cut': 0, 'refused': {'full': 0, 'handshake_timeout': 0, 'no_certificate': 1, 'bad_certificate': 1, 'server_certificate_refused': 0, 'handshake_evicted': 0, 'handshake_failed': 0}}"
pyjson e_status "(lambda p: (p['x2'], p['x3'], p['keepalive'], p['keepalive_ack'], p['keepalives_answered'], p['fed']) == ($X2, $X3, $KA, 0, $KA, $FED))(j['x2x3']['pdus'])"
pyjson e_status "j['x2x3']['pdus']['refused'] == {'no_warrant': $NOW_, 'no_addr': 0, 'too_big': 0, 'bad_format': 0}"
pyjson e_status "(lambda r: r['version'] == 1 and sum(r.values()) == 1 and len(r) == 11)(j['x2x3']['pdus']['rejected'])"
pyjson e_status "(lambda p: (p['connections'], p['open'], p['x2'], p['x3'], p['keepalive'], p['bytes'], p['rejected'], p['cut']) == (2, 0, $gx2 + $ux2, $X3, $gka + $uka, $P1BY, 0, 0) and p['last_seen_ago_ms'] < 60000)([p for p in j['x2x3']['pois'] if p['name'] == 'pcscf-1'][0])"
pyjson e_status "(lambda p: (p['connections'], p['x2'], p['x3'], p['keepalive'], p['rejected']) == (1, 1, 0, 1, 1))([p for p in j['x2x3']['pois'] if p['name'] == 'pcscf-2'][0])"
pyjson e_status "j['x2x3']['pdus']['bytes'] == sum(p['bytes'] for p in j['x2x3']['pois']) and len(j['x2x3']['pois']) == 2"
pyjson e_status "{x['xid']: (x['x2'], x['x3'], x['refused']) for x in j['x2x3']['xids']}['$XID1'] == ($gx2, $gx3, 0)"
pyjson e_status "{x['xid']: (x['x2'], x['x3'], x['refused']) for x in j['x2x3']['xids']}['$XID3'] == ($ux2, $ux3, $ux2 + $ux3) and len(j['x2x3']['xids']) == 3"
pyjson e_status "j['x2x3']['reloads'] == 0 and j['x2x3']['reload_failed'] == 0"
expect 0 e_text "$limf" status --socket "$tmp/ctl_e.sock"
has e_text "^x2x3 127.0.0.1:$xport: open 0 handshaking 0 accepted 5 closed 3 cut 0 max_conns 8 "
has e_text "^x2x3 connections refused: no_certificate 1 bad_certificate 1$"
has e_text "^x2x3 pdus: x2 $X2 x3 $X3 keepalive $KA keepalive_ack 0 bytes [0-9]* keepalives_answered $KA fed $FED "
has e_text "^x2x3 pdus refused: no_warrant $NOW_$"
has e_text "^x2x3 pdus rejected (connection closed): version 1$"
has e_text "^x2x3 poi pcscf-1: open 0 conns 2 x2 $((gx2 + ux2)) x3 $X3 keepalive $((gka + uka)) bytes $P1BY rejected 0 cut 0 last_seen [0-9.]* s ago"
has e_text "^x2x3 xid $XID3: x2 $ux2 x3 $ux3 refused $((ux2 + ux3))$"
cat >"$tmp/prom_x23.py" <<'PY'
import re, sys
text, want = open(sys.argv[1]).read(), {}
for a in sys.argv[2:]:
    k, v = a.rsplit("=", 1)
    want[k] = float(v)
typed, got = {}, {}
for line in text.splitlines():
    m = re.match(r"# TYPE (\S+) (counter|gauge)$", line)
    if m:
        typed[m.group(1)] = m.group(2)
    if line.startswith("#") or not line:
        continue
    m = re.match(r'([a-z0-9_]+)(\{[^}]*\})? ([0-9.]+)$', line)
    assert m, "bad line: " + line
    assert m.group(1) in typed, "no TYPE for " + m.group(1)
    got[m.group(1) + (m.group(2) or "")] = float(m.group(3))
x = {k: v for k, v in got.items() if k.startswith("limf_x2x3_")}
bad = ["%s: %s, want %s" % (k, x.get(k), v) for k, v in want.items() if x.get(k) != v]
assert not bad, bad
base = lambda k: re.sub(r"\{.*", "", k)
assert all(typed[base(k)] == ("counter" if base(k).endswith("_total") else "gauge") for k in x)
print("x2x3 metrics ok: %d checked of %d" % (len(want), len(x)))
PY
curl -s -m 5 -o "$tmp/metrics_e" "http://127.0.0.1:$mport/metrics" && ok || bad "metrics endpoint"
expect 0 e_metrics python3 "$tmp/prom_x23.py" "$tmp/metrics_e" \
	limf_x2x3_connections_open=0 limf_x2x3_connections_accepted_total=5 limf_x2x3_connections_closed_total=3 \
	limf_x2x3_connections_cut_total=0 limf_x2x3_max_connections=8 \
	'limf_x2x3_connections_refused_total{reason="full"}=0' \
	'limf_x2x3_connections_refused_total{reason="no_certificate"}=1' \
	'limf_x2x3_connections_refused_total{reason="bad_certificate"}=1' \
	'limf_x2x3_connections_refused_total{reason="handshake_timeout"}=0' \
	"limf_x2x3_pdus_total{type=\"x2\"}=$X2" "limf_x2x3_pdus_total{type=\"x3\"}=$X3" \
	"limf_x2x3_pdus_total{type=\"keepalive\"}=$KA" "limf_x2x3_keepalives_answered_total=$KA" \
	"limf_x2x3_pdus_fed_total=$FED" "limf_x2x3_pdus_refused_total{reason=\"no_warrant\"}=$NOW_" \
	'limf_x2x3_pdus_refused_total{reason="bad_format"}=0' \
	'limf_x2x3_pdus_rejected_total{reason="version"}=1' 'limf_x2x3_pdus_rejected_total{reason="paylen"}=0' \
	"limf_x2x3_poi_bytes_total{poi=\"pcscf-1\"}=$P1BY" 'limf_x2x3_poi_connections_total{poi="pcscf-1"}=2' \
	'limf_x2x3_poi_rejected_total{poi="pcscf-2"}=1' \
	'limf_x2x3_reloads_total{result="ok"}=0' 'limf_x2x3_reloads_total{result="failed"}=0'
has e_metrics "x2x3 metrics ok"
# nothing by XID (a warrant's task) in /metrics, which any local process may read: not the
# label, nor any XID in force (before: every XID with its PDUs, live)
if grep -qiE 'xid="|'"$XID1|$XID3" "$tmp/metrics_e"; then bad "an XID in /metrics"; else ok; fi
grep -q '^limf_x2x3_poi_last_seen_timestamp_seconds{poi="pcscf-1"} 1[0-9]\{9\}\.[0-9]\{3\}$' "$tmp/metrics_e" && ok ||
	bad "poi last seen timestamp"

# an "old" POI connection, open across the reloads: a keep-alive before, one after each
cat >"$tmp/oldpoi.py" <<'PY'
import os, socket, ssl, struct, sys, time
port, d = int(sys.argv[1]), sys.argv[2]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.load_verify_locations(d + "/ca1/ca.pem")
ctx.load_cert_chain(d + "/poi1.pem", d + "/poi1.key")
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10))
cn = dict(x[0] for x in s.getpeercert()["subject"])["commonName"]
def exact(n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise SystemExit("closed by the MF")
        b += c
    return b
def ka(seq):  # TS 103 221-2 keep-alive with a sequence number; its acknowledgement back
    s.sendall(struct.pack(">HHIIHH16s8sHHI", 5, 3, 48, 0, 0, 0, b"\0" * 16, b"\0" * 8, 8, 4, seq))
    h = exact(40)
    v, t, hl, pl = struct.unpack_from(">HHII", h)
    a = exact(hl - 40 + pl)
    assert t == 4 and struct.unpack_from(">HHI", a) == (8, 4, seq), (t, a)
for seq in (1, 2, 3):
    if seq > 1:
        go = "%s/go%d" % (d, seq)
        for _ in range(300):
            if os.path.exists(go):
                break
            time.sleep(0.1)
    ka(seq)
    print("ack %d %s" % (seq, cn), flush=True)
s.close()
PY
python3 "$tmp/oldpoi.py" "$xport" "$tmp" >"$tmp/oldpoi.out" 2>&1 &
opid=$!
wait_for "$tmp/oldpoi.out" "^ack 1 limf-mf$" && ok || { bad "old POI connection"; cat "$tmp/oldpoi.out" >&2; }
# rotation: a server certificate from another CA, written over the configured files; a
# changed listen address, cap and handshake timeout
mkca "$tmp/ca3" "X2X3 new CA" && mkcert "$tmp/ca3" "$tmp/mf3" "limf-mf-new" "IP:127.0.0.1" && ok || bad "new certificate"
cp "$tmp/mf3.pem" "$tmp/srv.pem" && cp "$tmp/mf3.key" "$tmp/srv.key"
conf_e "$(free_port)" 4 5
kill -HUP "$cpid"
wait_for "$tmp/cape.err" "SIGHUP: x2x3: TLS context reloaded" && ok || { bad "reload not logged"; tail -5 "$tmp/cape.err" >&2; }
grep -q "SIGHUP: x2x3: listen address changed (127.0.0.1:$xport -> 127.0.0.1:[0-9]*): needs a restart; still listening on 127.0.0.1:$xport" \
	"$tmp/cape.err" && ok || bad "listen change not reported"
touch "$tmp/go2"
wait_for "$tmp/oldpoi.out" "^ack 2 limf-mf$" && ok || { bad "old connection broken by the reload"; cat "$tmp/oldpoi.out" >&2; }
# a new POI: trusting only the new CA works, only the old one fails; s_client shows the new one
expect 0 e_newca "$gen" "${GENARGS[@]}" --caller "$C" --callee "$E" --seed 85 --out "$tmp/e5.pcap" \
	--x2x3 "127.0.0.1:$xport" --x2x3-ca "$tmp/ca3/ca.pem" --x2x3-cert "$tmp/poi1.pem" --x2x3-key "$tmp/poi1.key"
has e_newca "acknowledged"
expect 1 e_oldca "$gen" "${GENARGS[@]}" --caller "$C" --callee "$E" --seed 85 --out "$tmp/e6.pcap" \
	--x2x3 "127.0.0.1:$xport" "${POI1[@]}"
has e_oldca "TLS handshake with .* failed"
wait_for "$tmp/cape.err" "the POI refused this listener's certificate" && ok || bad "POI refusing the new certificate not logged"
openssl s_client -connect "127.0.0.1:$xport" -showcerts -cert "$tmp/poi1.pem" -key "$tmp/poi1.key" \
	-CAfile "$tmp/ca3/ca.pem" </dev/null >"$tmp/out" 2>"$tmp/err"
has e_sclient "subject=CN *= *limf-mf-new"
has e_sclient "Verify return code: 0 (ok)"
# a broken key: the running context stays, the log says why
head -c 200 /dev/urandom | base64 >"$tmp/srv.key"
kill -HUP "$cpid"
wait_for "$tmp/cape.err" "SIGHUP: x2x3: key $tmp/srv.key: .*keeping the running TLS context" && ok ||
	{ bad "broken key: no reason logged"; tail -5 "$tmp/cape.err" >&2; }
kill -0 "$cpid" 2>/dev/null && ok || bad "limf capture died on a broken key"
touch "$tmp/go3"
wait_for "$tmp/oldpoi.out" "^ack 3 limf-mf$" && ok || { bad "old connection after the broken reload"; cat "$tmp/oldpoi.out" >&2; }
wait "$opid" && ok || bad "old POI: exit status"
expect 0 e_after "$gen" "${GENARGS[@]}" --caller "$C" --callee "$E" --seed 86 --out "$tmp/e7.pcap" \
	--x2x3 "127.0.0.1:$xport" --x2x3-ca "$tmp/ca3/ca.pem" --x2x3-cert "$tmp/poi1.pem" --x2x3-key "$tmp/poi1.key"
has e_after "acknowledged"
expect 0 e_status2 "$limf" status --socket "$tmp/ctl_e.sock" --json
pyjson e_status2 "(j['x2x3']['reloads'], j['x2x3']['reload_failed'], j['x2x3']['max_conns'], j['x2x3']['handshake_timeout_ms'], j['x2x3']['listen']) == (1, 1, 4, 5000, '127.0.0.1:$xport')"
pyjson e_status2 "(lambda r: (r['bad_certificate'], r['server_certificate_refused'], r['handshake_failed']) == (1, 1, 0))(j['x2x3']['connections']['refused']) and j['x2x3']['connections']['open'] == 0"
curl -s -m 5 -o "$tmp/metrics_e2" "http://127.0.0.1:$mport/metrics" && ok || bad "metrics endpoint"
expect 0 e_metrics2 python3 "$tmp/prom_x23.py" "$tmp/metrics_e2" 'limf_x2x3_reloads_total{result="ok"}=1' \
	'limf_x2x3_reloads_total{result="failed"}=1' limf_x2x3_max_connections=4
kill -TERM "$cpid"
wait "$cpid" && ok || bad "limf capture (e): exit status"
cpid=''
grep -q "limf capture: x2x3: handshake_timeout 0 no_certificate 1 bad_certificate 1 server_certificate_refused 1 reloads 1 reload_failed 1" \
	"$tmp/cape.err" && ok || bad "summary: handshake and reload counters"
# ---- f. the XID table; the read budget
cat >"$tmp/poi_x.py" <<'PY'
# A TS 103 221-2 POI over mutual TLS (CA 1, pcscf-1). Modes:
#   flood N: one X2 SIP PDU for each of N random XIDs (one write), then a keep-alive and its
#            acknowledgement
#   backwards XID N: N X2 SIP PDUs of XID whose Timestamps alternate now, now - 10 s (one write),
#               then a keep-alive and its acknowledgement
#   stall XID N...: per N, N X2 SIP PDUs (XID of argv[3]) each in a TLS record of its own, then a
#               keep-alive; prints the time to its acknowledgement ("ack N T"), "noack N" after 3 s
import os, socket, ssl, struct, sys, time, uuid
port, d, mode, args = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.load_verify_locations(d + "/ca1/ca.pem")
ctx.load_cert_chain(d + "/poi1.pem", d + "/poi1.key")
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10))
sip = b"OPTIONS sip:probe@example.org SIP/2.0\r\nCall-ID: probe\r\nContent-Length: 0\r\n\r\n"
def x2(xid, seq):  # version 5, X2, SIP (9), direction 1; a sequence number attribute
    return struct.pack(">HHIIHH16s8sHHI", 5, 1, 48, len(sip), 9, 1, xid, b"\0" * 8, 8, 4, seq) + sip
def exact(n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise SystemExit("closed by the MF")
        b += c
    return b
def ka(seq, wait):
    s.sendall(struct.pack(">HHIIHH16s8sHHI", 5, 3, 48, 0, 0, 0, b"\0" * 16, b"\0" * 8, 8, 4, seq))
    t0 = time.monotonic()
    s.settimeout(wait)
    try:
        h = exact(40)
    except socket.timeout:
        return None
    v, t, hl, pl = struct.unpack_from(">HHII", h)
    a = exact(hl - 40 + pl)
    assert t == 4 and struct.unpack_from(">HHI", a) == (8, 4, seq), (t, a)
    s.settimeout(10)
    return time.monotonic() - t0
seq = 1
if mode == "flood":
    s.sendall(b"".join(x2(uuid.uuid4().bytes, seq + i) for i in range(int(args[0]))))
    seq += int(args[0])
    t = ka(seq, 10)
    print("flood %s ack %s" % (args[0], "no" if t is None else "%.3f" % t))
elif mode == "backwards":  # N X2 PDUs of XID argv[4] (one write), Timestamps now, now - 10 s, ...
    xid, now = uuid.UUID(args[0]).bytes, int(time.time())
    pdus = []
    for i in range(int(args[1])):
        h = struct.pack(">HHIIHH16s8sHHIHHII", 5, 1, 60, len(sip), 9, 1, xid, b"\0" * 8, 8, 4,
                        seq + i, 9, 8, now - 10 * (i % 2), 0)
        pdus.append(h + sip)
    s.sendall(b"".join(pdus))
    seq += int(args[1])
    t = ka(seq, 10)
    print("backwards %s ack %s" % (args[1], "no" if t is None else "%.3f" % t))
else:
    xid = uuid.UUID(args[0]).bytes
    for n in map(int, args[1:]):
        for _ in range(n):
            s.sendall(x2(xid, seq)); seq += 1  # one TLS record each
        t = ka(seq, 3)
        seq += 1
        print("noack %d" % n if t is None else "ack %d %.3f" % (n, t), flush=True)
        if t is None:
            break
s.close()
PY
x23_up capf
expect 0 f_flood python3 "$tmp/poi_x.py" "$port" "$tmp" flood 100
has f_flood "^flood 100 ack [0-9]"
# no warrant has any of those XIDs: refused without a question to the database each (the
# XIDs warrants have are read instead, at most once a second)
expect 0 f_flood_json "$limf" status --socket "$tmp/ctl.sock" --json
pyjson f_flood_json "j['x2x3']['xid_queries'] == 0 and 1 <= j['x2x3']['xid_lists'] <= 2 and j['x2x3']['pdus']['refused']['no_warrant'] == 100"
expect 0 f_after "$gen" "${GENARGS[@]}" --caller "$A" --callee "$B" --seed 87 --out "$tmp/f1.pcap" \
	--x2x3 "127.0.0.1:$port" "${POI1[@]}" --x2x3-xid "$XID1"
has f_after "acknowledged"
expect 0 f_text "$limf" status --socket "$tmp/ctl.sock"
has f_text "^x2x3 xids: tracked 64 of 64 evicted 37$"
has f_text "^x2x3 xid $XID1: x2 [1-9][0-9]* x3 600 refused 0$"
expect 0 f_json "$limf" status --socket "$tmp/ctl.sock" --json
pyjson f_json "j['x2x3']['xids_evicted'] == 37 and len(j['x2x3']['xids']) == 64 and j['x2x3']['pdus']['refused']['no_warrant'] == 100"
# more PDUs than the read budget (64 a step), each its own TLS record, then a keep-alive: many
# sizes on one connection (the old listener held the last read back about half the time)
expect 0 f_budget python3 "$tmp/poi_x.py" "$port" "$tmp" stall "$XID3" 63 64 65 100 127 128 129 \
	150 191 192 200 255 256 257 300 63 65 127 129 191 193 255 257 70 80 90 110 140 170 230
hasnt f_budget "^noack"
[ "$(grep -c '^ack ' "$tmp/out")" -eq 30 ] && ok || bad "f_budget: not 30 keep-alives answered"
python3 -c "import sys; t=[float(l.split()[2]) for l in open(sys.argv[1]) if l.startswith('ack ')]; sys.exit(not t or max(t) > 1.0)" \
	"$tmp/out" && ok || { bad "f_budget: a keep-alive took over 1 s"; show_out 40; }
kill -TERM "$cpid"
wait "$cpid" && ok || bad "limf capture (f): exit status"
cpid=''
cp "$tmp/capf.err" "$tmp/err"
: >"$tmp/out"
has f_summary "limf capture: .* intercepted 1 "
has f_summary "x2x3: pdus .* xid_refused [1-9][0-9]* xids_evicted 38$" # the flood's 37 and XID 3
has f_summary "more than 64 XIDs: the least recently seen (refused ones first) are forgotten"
has f_summary "x2x3 xid $XID1: x2 [1-9][0-9]* x3 600 refused 0$"
# logged: the first 64 XIDs and the warrant's, not the evicted flood's
[ "$(grep -c 'first seen from POI' "$tmp/capf.err")" -eq 65 ] && ok ||
	bad "first-seen lines: $(grep -c 'first seen from POI' "$tmp/capf.err"), want 65"

# Timestamps that go backwards do not ask the database again within the XID answer's 1 s (it
# is kept by the monotonic clock): 200 PDUs alternating 10 s back and forth ask which warrant
# owns the XID (wr_xid_decide) about once for each second they take, not once per backward
# step. The XID is a revoked warrant's (one no warrant has is not asked for at all, f). Counted by the capture itself (xid_queries: other suites may scan the same table
# meanwhile), and each of those questions did reach the table (its scans, flushed when the
# capture's session ends, grew by at least as many)
xscans() {
	psql -X -qtA "$LIMF_DB_SUPER dbname=limf" -c "SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) FROM pg_stat_user_tables WHERE schemaname = 'limf' AND relname = 'warrant_xids'"
}
XID4=5d4c3b2a-1908-4776-9554-433221100fed
warrant "Z$sfx" "sip:zed$sfx@example.org" --xid "$XID4" && ok || bad "warrant add Z$sfx"
"$limf" warrant revoke "Z$sfx" --reason "test: revoked, its XID kept" >/dev/null && ok ||
	bad "revoke Z$sfx"
x23_up capg
sleep 1.5 # whatever the start-up scanned is flushed first
s0=$(xscans)
g0=$(date +%s.%N)
expect 0 g_back python3 "$tmp/poi_x.py" "$port" "$tmp" backwards "$XID4" 200
g1=$(date +%s.%N)
has g_back "^backwards 200 ack [0-9]"
expect 0 g_status "$limf" status --socket "$tmp/ctl.sock" --json
kill -TERM "$cpid"
wait "$cpid" && ok || bad "limf capture (g): exit status"
cpid=''
grep -q "x2x3 xid $XID4: x2 200 x3 0 refused 200$" "$tmp/capg.err" && ok || bad "g: XID 4's 200 PDUs not refused"
q=$(sed -n 's/.* xid_queries \([0-9]*\) .*/\1/p' "$tmp/capg.err" | head -1)
pyjson g_status "j['x2x3']['xid_queries'] == ${q:-0}"
for _ in $(seq 30); do
	s1=$(xscans)
	[ "$((s1 - s0))" -ge "${q:-1}" ] && break
	sleep 0.1
done
# a loaded machine takes longer over the 200 PDUs: the bound is their time in seconds + 2
gmax=$(python3 -c 'import math, sys; print(math.ceil(float(sys.argv[2]) - float(sys.argv[1])) + 2)' "$g0" "$g1")
echo "backwards Timestamps: ${q:-?} XID queries for 200 PDUs in $gmax - 2 s, limf.warrant_xids scanned $((s1 - s0)) times" >&2
[ -n "$q" ] && [ "$q" -ge 1 ] && [ "$q" -le "$gmax" ] && [ "$gmax" -lt 50 ] && ok ||
	bad "g: ${q:-no} XID queries for 200 PDUs with Timestamps going backwards (want 1..$gmax)"
[ -n "$q" ] && [ "$((s1 - s0))" -ge "$q" ] && ok || bad "g: $((s1 - s0)) scans of limf.warrant_xids for ${q:-no} queries"

# ---- h. CRLs
# CA 1 as an openssl ca (its index of revoked certificates), CRLs of CA 1 and CA 2
cadb() { # DIR: an openssl ca configuration over DIR's CA
	touch "$1/index.txt" && echo 1000 >"$1/crlnumber" &&
		printf '[ca]\ndefault_ca = d\n[d]\ndatabase = %s/index.txt\ncrlnumber = %s/crlnumber\ndefault_md = sha256\n' \
			"$1" "$1" >"$1/ca.cnf"
}
gencrl() { # DIR OUT [openssl ca options]
	openssl ca -config "$1/ca.cnf" -keyfile "$1/ca.key" -cert "$1/ca.pem" -gencrl -out "$2" "${@:3}" 2>/dev/null
}
cadb "$tmp/ca1" && cadb "$tmp/ca2" && gencrl "$tmp/ca1" "$tmp/crl.pem" -crldays 1 &&
	gencrl "$tmp/ca2" "$tmp/crl_ca2.pem" -crldays 1 && gencrl "$tmp/ca1" "$tmp/crl_old.pem" -crlsec 1 &&
	cat "$tmp/ca1/ca.pem" "$tmp/ca2/ca.pem" >"$tmp/ca12.pem" && ok || bad "h: CRLs"
sleep 1.1 # crl_old.pem's next update is past
h_refused() { # NAME WANT ARGS...: limf capture refuses to start, saying WANT
	expect 1 "$1" "$limf" capture --config "$tmp/limf.conf" --x2x3 127.0.0.1:0 --duration 1 "${@:3}"
	has "$1" "$2"
	hasnt "$1" "listening on"
}
h_refused h_ca2 "CRL $tmp/crl_ca2.pem: the one of /CN=Another CA is not signed by a CA of $tmp/ca1/ca.pem" \
	--x2x3-crl "$tmp/crl_ca2.pem"
h_refused h_old "CRL $tmp/crl_old.pem: the one of /CN=X2X3 test CA has expired" --x2x3-crl "$tmp/crl_old.pem"
h_refused h_none "CRL $tmp/poi1.pem: no PEM object of that kind in it" --x2x3-crl "$tmp/poi1.pem"
h_refused h_missing "CRL $tmp/crl.pem: none of CA /CN=Another CA (every CA of $tmp/ca12.pem needs one)" \
	--x2x3-ca "$tmp/ca12.pem" --x2x3-crl "$tmp/crl.pem"
h_refused h_nofile "CRL $tmp/nothere.pem: " --x2x3-crl "$tmp/nothere.pem"
# both CAs, a CRL of each: starts; pcscf-2 revoked in CA 1's CRL
cat "$tmp/crl.pem" "$tmp/crl_ca2.pem" >"$tmp/crl12.pem"
expect 0 h_both "$limf" capture --config "$tmp/limf.conf" --x2x3 127.0.0.1:0 --duration 1 \
	--x2x3-ca "$tmp/ca12.pem" --x2x3-crl "$tmp/crl12.pem"
has h_both "x2x3: listening on"
# live: [x2x3] crl; two POIs of CA 1 hold a connection open across a reload that revokes one
hm=$(free_port)
{
	sed -e '/^\[x2x3\]/,$d' -e "/^\[service\]/a metrics = 127.0.0.1:$hm" "$tmp/limf.conf"
	printf '[x2x3]\nca   = %s\ncert = %s\nkey  = %s\ncrl  = %s\n' "$tmp/ca1/ca.pem" "$tmp/mf.pem" \
		"$tmp/mf.key" "$tmp/crl.pem"
} >"$tmp/h.conf"
cat >"$tmp/hold.py" <<'PY'
# A POI (CA 1, certificate argv[3]) that holds its connection: a keep-alive, then another
# when the file argv[2]/go-argv[3] appears; "ack N" for each acknowledged, "closed" if the MF
# closed the connection
import os, socket, ssl, struct, sys, time
port, d, who = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.load_verify_locations(d + "/ca1/ca.pem")
ctx.load_cert_chain(d + "/" + who + ".pem", d + "/" + who + ".key")
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10))
def ka(seq):
    s.sendall(struct.pack(">HHIIHH16s8sHHI", 5, 3, 48, 0, 0, 0, b"\0" * 16, b"\0" * 8, 8, 4, seq))
    b = b""
    while len(b) < 48:
        c = s.recv(48 - len(b))
        if not c:
            print("closed", flush=True)
            raise SystemExit(0)
        b += c
    assert struct.unpack_from(">HH", b)[1] == 4 and struct.unpack_from(">HHI", b, 40) == (8, 4, seq), b
    print("ack %d" % seq, flush=True)
ka(1)
for _ in range(300):
    if os.path.exists(d + "/go-" + who):
        break
    time.sleep(0.1)
try:
    ka(2)
except (ConnectionError, ssl.SSLError) as e:
    print("closed (%s)" % e, flush=True)
PY
capture_conf "$tmp/h.conf" caph --x2x3 127.0.0.1:0
wait_for "$tmp/caph.err" 'x2x3: listening on .* (port [0-9]*)'
port=$(sed -n 's/.*x2x3: listening on .* (port \([0-9]*\)).*/\1/p' "$tmp/caph.err")
[ -n "$port" ] && ok || { bad "h: limf capture with [x2x3] crl did not listen"; cat "$tmp/caph.err" >&2; }
python3 "$tmp/hold.py" "$port" "$tmp" poi1 >"$tmp/hold1.out" 2>&1 &
hp1=$!
python3 "$tmp/hold.py" "$port" "$tmp" poi2 >"$tmp/hold2.out" 2>&1 &
hp2=$!
wait_for "$tmp/hold1.out" "^ack 1$" && wait_for "$tmp/hold2.out" "^ack 1$" && ok ||
	{ bad "h: POIs not in before the revocation"; cat "$tmp/hold1.out" "$tmp/hold2.out" >&2; }
# pcscf-2 revoked; the CRL rewritten in place; SIGHUP
openssl ca -config "$tmp/ca1/ca.cnf" -keyfile "$tmp/ca1/ca.key" -cert "$tmp/ca1/ca.pem" \
	-revoke "$tmp/poi2.pem" 2>/dev/null && gencrl "$tmp/ca1" "$tmp/crl.pem" -crldays 1 && ok ||
	bad "h: revoke pcscf-2"
kill -HUP "$cpid"
wait_for "$tmp/caph.err" "x2x3: pcscf-2@[0-9.:]* (connection [0-9]*): a reloaded CRL revokes its certificate" && ok ||
	{ bad "h: the revoked POI's connection not closed"; tail -5 "$tmp/caph.err" >&2; }
touch "$tmp/go-poi1" "$tmp/go-poi2"
wait "$hp1" && wait "$hp2" && ok || bad "h: hold.py exit status"
grep -qx "ack 2" "$tmp/hold1.out" && ok || { bad "h: pcscf-1's connection did not go on"; cat "$tmp/hold1.out" >&2; }
grep -q "^closed" "$tmp/hold2.out" && ! grep -q "ack 2" "$tmp/hold2.out" && ok ||
	{ bad "h: pcscf-2's connection went on"; cat "$tmp/hold2.out" >&2; }
# new connections: pcscf-2 refused (certificate revoked), pcscf-1 in
expect 1 h_poi2 "$gen" "${GENARGS[@]}" --caller "$C" --callee "$E" --seed 91 --out "$tmp/h2.pcap" \
	--x2x3 "127.0.0.1:$port" "${POI2[@]}"
wait_for "$tmp/caph.err" "certificate revoked" && ok || { bad "h: no 'certificate revoked' in the log"; tail -5 "$tmp/caph.err" >&2; }
expect 0 h_poi1 "$gen" "${GENARGS[@]}" --caller "$C" --callee "$E" --seed 92 --out "$tmp/h1.pcap" \
	--x2x3 "127.0.0.1:$port" "${POI1[@]}"
has h_poi1 "acknowledged"
# an expired CRL at a reload: refused, the running CRLs stay (pcscf-1 still in, pcscf-2 out)
cp "$tmp/crl_old.pem" "$tmp/crl.pem"
kill -HUP "$cpid"
wait_for "$tmp/caph.err" "SIGHUP: x2x3: CRL $tmp/crl.pem: the one of /CN=X2X3 test CA has expired.*keeping the running TLS context" &&
	ok || { bad "h: expired CRL at a reload"; tail -5 "$tmp/caph.err" >&2; }
expect 0 h_poi1b "$gen" "${GENARGS[@]}" --caller "$C" --callee "$E" --seed 93 --out "$tmp/h3.pcap" \
	--x2x3 "127.0.0.1:$port" "${POI1[@]}"
has h_poi1b "acknowledged"
expect 1 h_poi2b "$gen" "${GENARGS[@]}" --caller "$C" --callee "$E" --seed 94 --out "$tmp/h4.pcap" \
	--x2x3 "127.0.0.1:$port" "${POI2[@]}"
expect 0 h_status "$limf" status --socket "$tmp/ctl.sock" --json
pyjson h_status "(j['x2x3']['revoked'], j['x2x3']['reloads'], j['x2x3']['reload_failed']) == (1, 1, 1)"
pyjson h_status "j['x2x3']['connections']['refused']['bad_certificate'] == 2"
curl -s -m 5 -o "$tmp/metrics_h" "http://127.0.0.1:$hm/metrics" && ok || bad "h: metrics endpoint"
expect 0 h_metrics python3 "$tmp/prom_x23.py" "$tmp/metrics_h" limf_x2x3_connections_revoked_total=1 \
	'limf_x2x3_connections_refused_total{reason="bad_certificate"}=2'
has h_metrics "x2x3 metrics ok"
expect 0 h_text "$limf" status --socket "$tmp/ctl.sock"
has h_text "^x2x3 127.0.0.1:0: .* reloads 1 reload_failed 1 revoked 1$"
kill -TERM "$cpid"
wait "$cpid" && ok || bad "limf capture (h): exit status"
cpid=''
grep -q "limf capture: x2x3: handshake_timeout 0 no_certificate 0 bad_certificate 2 .* reloads 1 reload_failed 1 handshake_evicted 0 revoked 1$" \
	"$tmp/caph.err" && ok || { bad "h: summary counters"; grep "limf capture: x2x3: handshake" "$tmp/caph.err" >&2; }

# a POI whose clock is two days ahead: its Timestamps are not the capture time (counted,
# ts_skewed), the wall clock is. Before, they were: the call table's clock jumped with them
# (a PDU an hour ahead ended every call of the worker), and the XID was checked at that time
# (here after the warrant's end: the call was refused)
x23_up skew
expect 0 skew_poi "$gen" --community "$tmp/k/community.json" --background 1 --duration 3 \
	--start "$(iso $((NOW + 172800)))" --caller "$A" --callee "$B" --seed 77 --out "$tmp/sk.pcap" \
	--x2x3 "127.0.0.1:$port" "${POI1[@]}" --x2x3-xid "$XID1"
has skew_poi "acknowledged"
kill -TERM "$cpid"
wait "$cpid" && ok || bad "limf capture (skew): exit status"
cpid=''
cp "$tmp/skew.err" "$tmp/err"
: >"$tmp/out"
has skew_summary "limf capture: .* intercepted 1 "
has skew_summary "x2x3: pdus .* ts_skewed [1-9][0-9]* xid_queries .* xid_refused 0 "

# usage: --x2x3 without TLS files
sed '/^\[x2x3\]/,$d' "$tmp/limf.conf" >"$tmp/plain.conf"
expect 1 no_tls "$limf" capture --config "$tmp/plain.conf" --x2x3 127.0.0.1:0 --duration 1
has no_tls "needs --x2x3-ca"
expect 2 no_source "$limf" capture --config "$tmp/plain.conf"
finish
