#!/bin/bash
# CLI tests of the handover delivery against the test LEMF ($BUILD/limf-lemf, tests/lemf) with the
# test driver $BUILD/tests/ho-send (handover/deliver.h spool + link), on loopback:
#   TCP and TLS (client certificate required; refused without one), 1000 PDUs each in order with
#   no gap and no duplicate; the LEMF down at the start; the LEMF dropping the connection every
#   150 PDUs; refusing connections for a second; the sender killed (SIGKILL) mid-stream and
#   restarted; PDUs spooled by earlier processes (sequence numbers continue); a full spool; a
#   LEMF that stops reading (appends go on, the spool fills, alarm); no keep-alive response. Prints "N passed, N failed" last.
set -u
. "$(dirname "$0")/lib.sh"
lemf=$BUILD/limf-lemf
send=$BUILD/tests/ho-send
lpid=

start_lemf() { # start_lemf NAME [ARGS...]: sets p2, p3 (ports), lpid; output in $tmp/NAME.jsonl
	local name=$1
	shift
	rm -f "$tmp/ports"
	"$lemf" --out "$tmp/$name.jsonl" --port-file "$tmp/ports" "$@" 2>"$tmp/$name.err" &
	lpid=$!
	for _ in $(seq 100); do [ -s "$tmp/ports" ] && break; sleep 0.05; done
	read -r p2 p3 <"$tmp/ports" 2>/dev/null || { p2=0 p3=0; }
}
stop_lemf() {
	if [ -n "$lpid" ]; then
		kill -TERM "$lpid" 2>/dev/null
		wait "$lpid" && ok || bad "limf-lemf exit status (sanitizer?)"
	fi
	lpid=
}
trap '[ -n "$lpid" ] && kill "$lpid" 2>/dev/null; rm -rf "$tmp"' EXIT

# lemf_ok NAME FILE N STREAM KIND [MAXRESENT]: FILE holds exactly N data PDUs of STREAM/KIND with
# seq 0..N-1 in order, no error lines, a summary with N PDUs, and at most MAXRESENT re-sends.
cat >"$tmp/check.py" <<'PY'
import json, sys
path, n, stream, kind, maxres = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
lines = [json.loads(l) for l in open(path, encoding="utf-8")]
errs = [l for l in lines if "error" in l]
assert not errs, errs[:3]
data = [l for l in lines if l.get("kind") in ("iri", "cc") and "event" not in l]
assert len(data) == n, (len(data), n)
assert [d["seq"] for d in data] == list(range(n)), "not in order"
assert all(d["stream"] == stream and d["kind"] == kind for d in data)
summ = [l for l in lines if l.get("event") == "summary"]
assert len(summ) == 1 and summ[0]["pdus"] == n and summ[0]["gaps"] == 0 and summ[0]["duplicates"] == 0, summ
resent = [l for l in lines if l.get("event") == "resent"]
assert len(resent) == summ[0]["resent"] <= maxres, (len(resent), maxres)
if kind == "iri":
    assert data[0]["iri_type"] == "begin" and data[1]["iri_type"] == "continue"
    assert data[5]["sip"].startswith("INVITE sip:bob@example.org SIP/2.0\r\nCSeq: 5 INVITE")
    assert data[0]["src"] == "10.0.0.1" and data[0]["dst"] == "10.0.0.2"
else:
    assert data[3]["dir"] == "toTarget" and data[3]["rtp"].startswith("80")
    assert len(bytes.fromhex(data[3]["rtp"])) == 160
assert all(d["liid"] == "LIID-1" and d["cin"] == 7 for d in data)
kas = [l for l in lines if l.get("kind") == "keepalive"]
assert kas and summ[0]["keepalives"] == len(kas)
print("resent", len(resent), "keepalives", len(kas))
PY
lemf_ok() { expect 0 "$1" python3 "$tmp/check.py" "$2" "$3" "$4" "$5" "${6:-0}"; }

expect 2 usage "$lemf"
expect 2 usage-tls "$lemf" --hi2 127.0.0.1:0 --hi3 127.0.0.1:0 --out "$tmp/x" --tls-cert x

# 1. plain TCP, 1000 IRI PDUs on HI2
start_lemf tcp --hi2 127.0.0.1:0 --hi3 127.0.0.1:0
[ "$p2" -gt 0 ] && ok || bad "limf-lemf did not start"
expect 0 tcp-send "$send" --spool "$tmp/s1" --append 1000 --to "127.0.0.1:$p2"
pyjson tcp-send 'j["confirmed"] == 1000 and j["head"] == 1000 and j["sent"] == 1000 and j["resent"] == 0 and j["ka_answered"] == j["ka_sent"] > 0 and j["state"] == "closed" and not j["alarm"]'
# 2. a second burst on the same spool: sequence numbers continue, nothing re-sent
expect 0 tcp-send2 "$send" --spool "$tmp/s1" --append 200 --to "127.0.0.1:$p2"
pyjson tcp-send2 'j["confirmed"] == 1200 and j["sent"] == 200 and j["resent"] == 0'
stop_lemf
lemf_ok tcp-check "$tmp/tcp.jsonl" 1200 hi2 iri
# the check can fail: a wrong count, a dropped line, a duplicated line
expect 1 check-neg-count python3 "$tmp/check.py" "$tmp/tcp.jsonl" 1199 hi2 iri 0
sed '7d' "$tmp/tcp.jsonl" >"$tmp/neg1.jsonl"
expect 1 check-neg-gap python3 "$tmp/check.py" "$tmp/neg1.jsonl" 1199 hi2 iri 0
sed '7p' "$tmp/tcp.jsonl" >"$tmp/neg2.jsonl"
expect 1 check-neg-dup python3 "$tmp/check.py" "$tmp/neg2.jsonl" 1201 hi2 iri 0

# 3. TLS with a client certificate (limf-kms init writes ca.pem, server.pem, client.pem), CC on HI3
k=$tmp/k
expect 0 kms-init "$BUILD/limf-kms" init "$k"
tls=(--tls-cert "$k/server.pem" --tls-key "$k/server.key" --tls-ca "$k/ca.pem")
ctls=(--tls-ca "$k/ca.pem" --tls-cert "$k/client.pem" --tls-key "$k/client.key")
start_lemf tls --hi2 127.0.0.1:0 --hi3 '[::1]:0' "${tls[@]}"
expect 0 tls-send "$send" --spool "$tmp/s2" --append 1000 --kind cc --to "[::1]:$p3" "${ctls[@]}"
pyjson tls-send 'j["confirmed"] == 1000 and j["resent"] == 0 and j["connects"] == 1'
# no client certificate: refused by the LEMF, nothing delivered, still spooled
expect 1 tls-nocert "$send" --spool "$tmp/s3" --append 10 --to "127.0.0.1:$p2" --tls-ca "$k/ca.pem" --timeout 2
pyjson tls-nocert 'j["confirmed"] == 0 and j["head"] == 10 and j["ka_answered"] == 0'
# a server certificate from another CA: the sender refuses it
expect 0 kms-init2 "$BUILD/limf-kms" init "$tmp/k2"
expect 1 tls-badca "$send" --spool "$tmp/s4" --append 5 --to "127.0.0.1:$p2" --tls-ca "$tmp/k2/ca.pem" \
	--tls-cert "$k/client.pem" --tls-key "$k/client.key" --timeout 2
pyjson tls-badca 'j["confirmed"] == 0 and j["connects"] == 0 and j["connect_failures"] > 0'
stop_lemf
lemf_ok tls-check "$tmp/tls.jsonl" 1000 hi3 cc
if grep -q '"event":"tls_refused"' "$tmp/tls.jsonl"; then ok; else bad "no tls_refused line"; fi

# 4. the LEMF is down at the start and comes up 1 s later on the same port
start_lemf probe --hi2 127.0.0.1:0 --hi3 127.0.0.1:0
port=$p2
stop_lemf
"$send" --spool "$tmp/s5" --append 1000 --to "127.0.0.1:$port" --timeout 30 >"$tmp/late.out" 2>&1 &
spid=$!
sleep 1
start_lemf late --hi2 "127.0.0.1:$port" --hi3 127.0.0.1:0
wait "$spid" && ok || bad "late: sender failed"
cp "$tmp/late.out" "$tmp/out"
pyjson late 'j["confirmed"] == 1000 and j["connect_failures"] >= 2 and j["connects"] == 1'
stop_lemf
lemf_ok late-check "$tmp/late.jsonl" 1000 hi2 iri

# 5. the LEMF drops the connection after every 150 PDUs (and refuses for 1 s at the start):
# every PDU arrives once and in order; re-sends (unconfirmed window) are identified, not errors
start_lemf drop --hi2 127.0.0.1:0 --hi3 127.0.0.1:0 --drop-after 150 --refuse-for 1
expect 0 drop-send "$send" --spool "$tmp/s6" --append 1000 --to "127.0.0.1:$p2" --window 100 --confirm-every 25
pyjson drop-send 'j["confirmed"] == 1000 and j["connects"] >= 7 and j["disconnects"] >= 6 and 0 < j["resent"] <= 100 * j["disconnects"]'
stop_lemf
lemf_ok drop-check "$tmp/drop.jsonl" 1000 hi2 iri 1000
grep -c '"event":"resent"' "$tmp/drop.jsonl" >/dev/null && ok || bad "drop: no re-send seen (the test would not detect duplicates)"

# 6. the sender is killed (SIGKILL) after writing 400 PDUs, then restarted on its spool
start_lemf kill --hi2 127.0.0.1:0 --hi3 127.0.0.1:0
expect 137 kill-send bash -c '"$@"; exit $?' _ "$send" --spool "$tmp/s7" --append 1000 --to "127.0.0.1:$p2" --confirm-every 100 --kill-after 400
expect 0 kill-resume "$send" --spool "$tmp/s7" --to "127.0.0.1:$p2"
pyjson kill-resume 'j["confirmed"] == 1000 and j["head"] == 1000 and j["torn_bytes"] == 0'
stop_lemf
lemf_ok kill-check "$tmp/kill.jsonl" 1000 hi2 iri 4096

# 7. PDUs spooled by two earlier processes while no LEMF exists, delivered by a third
expect 0 spool-a "$send" --spool "$tmp/s8" --append 300 --kind cc
expect 0 spool-b "$send" --spool "$tmp/s8" --append 300 --kind cc
pyjson spool-b 'j["head"] == 600 and j["confirmed"] == 0'
start_lemf spool --hi2 127.0.0.1:0 --hi3 127.0.0.1:0
expect 0 spool-send "$send" --spool "$tmp/s8" --to "127.0.0.1:$p3"
stop_lemf
lemf_ok spool-check "$tmp/spool.jsonl" 600 hi3 cc

# 8. a full spool refuses appends loudly (alarm, exit 3) and keeps what it holds
expect 3 full "$send" --spool "$tmp/s9" --append 1000 --max-bytes 65536
pyjson full 'j["alarm"] and j["refused"] > 0 and j["head"] + j["refused"] == 1000 and j["bytes"] <= 65536'

# 8b. a LEMF that stops reading after 100 PDUs: capture keeps appending at full speed (the link
# never blocks it); the spool fills to its bound, raises the alarm and counts what it refused
start_lemf stall --hi2 127.0.0.1:0 --hi3 127.0.0.1:0 --stall-after 100
expect 3 stall "$send" --spool "$tmp/s11" --append 20000 --kind cc --interleave --to "127.0.0.1:$p3" \
	--max-bytes 1048576 --timeout 3 --ka-timeout 10000
pyjson stall 'j["alarm"] and j["refused"] > 0 and j["head"] + j["refused"] == 20000 and j["append_ms"] < 2500 and j["confirmed"] <= 100 and j["bytes"] <= 1048576'
stop_lemf

# 8c. the LEMF reports what it cannot frame or decode, as error lines
start_lemf bad --hi2 127.0.0.1:0 --hi3 127.0.0.1:0
expect 0 bad-input python3 -c '
import socket, sys, time
for data in (b"\x31\x00", b"\x30\x03\xa1\x01\x00"):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    s.sendall(data)
    s.settimeout(5)
    assert s.recv(100) == b""  # the LEMF closes the connection
    s.close()' "$p2"
stop_lemf
if grep -q '"error":"framing"' "$tmp/bad.jsonl" && grep -q '"error":"decode"' "$tmp/bad.jsonl"; then ok; else bad "bad input not reported"; fi

# 9. no keep-alive response: the sender times out, reconnects, confirms nothing
start_lemf noka --hi2 127.0.0.1:0 --hi3 127.0.0.1:0 --no-keepalive-response
expect 1 noka "$send" --spool "$tmp/s10" --append 10 --to "127.0.0.1:$p2" --ka-timeout 300 --timeout 2
pyjson noka 'j["confirmed"] == 0 and j["ka_timeouts"] >= 2 and j["connects"] >= 2'
stop_lemf

# 10. tshark's generic BER dissector reads a captured handover session with no malformed PDU:
# IRI (SIP) and keep-alives on HI2, CC on HI3 (ho-send), and the key-management IRI (the
# iri_keymgmt KAT of tests/kat/handover_pdu.vec, byte-identical to ho_encode_iri_keymgmt per
# test_handover pdu_km_kat) with a keep-alive, all through a recording relay that writes the
# session as a pcap, one PS-PDU per TCP segment (server ports 42002/42003).
cat >"$tmp/relay.py" <<'PY'
# Recording relay: listens on two ports (written to PORTFILE as "p2 p3"), forwards each
# connection to the LEMF's HI2 / HI3, records both directions, and on SIGTERM writes a pcap in
# which every PS-PDU is one TCP segment of a well-formed session (handshake, data with correct
# sequence and acknowledgement numbers, FIN), server ports 42002 (HI2) and 42003 (HI3).
import selectors, signal, socket, struct, sys, time
portfile, pcap, t2, t3 = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
sel = selectors.DefaultSelector()
conns = []  # [server_port, [(t, dir, bytes)], client_sock, lemf_sock]
def listen():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8); s.setblocking(False); return s
l2, l3 = listen(), listen()
sel.register(l2, selectors.EVENT_READ, ("listen", 42002, t2))
sel.register(l3, selectors.EVENT_READ, ("listen", 42003, t3))
open(portfile + ".tmp", "w").write("%d %d\n" % (l2.getsockname()[1], l3.getsockname()[1]))
import os; os.rename(portfile + ".tmp", portfile)
stop = False
def on_term(*_):
    global stop; stop = True
signal.signal(signal.SIGTERM, on_term)
while not stop:
    for key, _ in sel.select(0.1):
        kind = key.data[0]
        if kind == "listen":
            c, _ = key.fileobj.accept()
            u = socket.create_connection(("127.0.0.1", key.data[2]))
            rec = [key.data[1], [], c, u]
            conns.append(rec)
            sel.register(c, selectors.EVENT_READ, ("c2s", rec))
            sel.register(u, selectors.EVENT_READ, ("s2c", rec))
        else:
            rec = key.data[1]
            src, dst = (rec[2], rec[3]) if kind == "c2s" else (rec[3], rec[2])
            try:
                b = src.recv(65536)
            except OSError:
                b = b""
            if not b:
                for s in (rec[2], rec[3]):
                    try: sel.unregister(s)
                    except (KeyError, ValueError): pass
                    s.close()
                continue
            rec[1].append((time.time(), kind, b))
            dst.sendall(b)

def pdus(data):  # split a byte stream into BER TLVs (definite lengths)
    out, i = [], 0
    while i + 2 <= len(data):
        n = data[i + 1]; h = 2
        if n & 0x80:
            k = n & 0x7f; n = int.from_bytes(data[i + 2:i + 2 + k], "big"); h += k
        if i + h + n > len(data): break
        out.append(data[i:i + h + n]); i += h + n
    return out

def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

frames = []
def seg(t, sport, dport, seq, ack, flags, payload=b""):
    src = dst = bytes([127, 0, 0, 1])
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xffffffff, ack & 0xffffffff, 5 << 4, flags, 65535, 0, 0) + payload
    c = csum(src + dst + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    frames.append((t, ip + tcp))
for n, (sport, events, *_ ) in enumerate(conns):
    cport = 50000 + n
    if not events: continue
    t0 = events[0][0] - 0.001
    cseq, sseq = 1000, 5000
    seg(t0, cport, sport, cseq, 0, 0x02); seg(t0, sport, cport, sseq, cseq + 1, 0x12)
    cseq += 1; sseq += 1
    seg(t0, cport, sport, cseq, sseq, 0x10)
    buf = {"c2s": b"", "s2c": b""}
    t = t0
    for t, d, b in events:
        buf[d] += b
        ps = pdus(buf[d]); used = sum(len(p) for p in ps); buf[d] = buf[d][used:]
        for p in ps:
            if d == "c2s":
                seg(t, cport, sport, cseq, sseq, 0x18, p); cseq += len(p)
            else:
                seg(t, sport, cport, sseq, cseq, 0x18, p); sseq += len(p)
    assert not buf["c2s"] and not buf["s2c"], "a partial PDU at the end of a session"
    seg(t, cport, sport, cseq, sseq, 0x11); seg(t, sport, cport, sseq, cseq + 1, 0x11)
    seg(t, cport, sport, cseq + 1, sseq + 1, 0x10)
frames.sort(key=lambda f: f[0])
with open(pcap, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101))  # LINKTYPE_RAW
    for t, ip in frames:
        f.write(struct.pack("<IIII", int(t), int((t % 1) * 1e6), len(ip), len(ip)) + ip)
print(len(conns), "connections,", len(frames), "frames")
PY
if ! command -v tshark >/dev/null; then
	echo "note: tshark not installed; BER dissector check skipped"
else
	start_lemf ber --hi2 127.0.0.1:0 --hi3 127.0.0.1:0
	rm -f "$tmp/rports"
	python3 "$tmp/relay.py" "$tmp/rports" "$tmp/ho.pcap" "$p2" "$p3" >"$tmp/relay.out" 2>&1 &
	rpid=$!
	for _ in $(seq 100); do [ -s "$tmp/rports" ] && break; sleep 0.05; done
	read -r r2 r3 <"$tmp/rports"
	expect 0 ber-iri "$send" --spool "$tmp/s12" --append 20 --to "127.0.0.1:$r2"
	expect 0 ber-cc "$send" --spool "$tmp/s13" --append 20 --kind cc --to "127.0.0.1:$r3"
	expect 0 ber-km python3 -c '
import re, socket, sys
vec = open(sys.argv[2]).read()
get = lambda n: bytes.fromhex(re.search(r"^%s = ([0-9a-f]+)$" % n, vec, re.M).group(1))
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(get("iri_sip") + get("iri_keymgmt") + get("iri_callend") + get("keepalive"))
s.settimeout(5)
r = b""
while len(r) < len(get("keepalive_resp")):
    b = s.recv(4096)
    assert b, "closed"
    r += b
assert r[0] == 0x30 and r.endswith(bytes.fromhex("a204a2028400")), r.hex()
s.close()' "$r2" tests/kat/handover_pdu.vec
	kill -TERM "$rpid"
	wait "$rpid" && ok || bad "relay failed: $(cat "$tmp/relay.out")"
	stop_lemf
	ber=(-d tcp.port==42002,ber -d tcp.port==42003,ber)
	tshark -r "$tmp/ho.pcap" "${ber[@]}" -q -z expert >"$tmp/expert.txt" 2>&1
	tshark -r "$tmp/ho.pcap" "${ber[@]}" -V >"$tmp/ber.txt" 2>&1
	n=$(tshark -r "$tmp/ho.pcap" "${ber[@]}" -T fields -e frame.protocols 2>/dev/null | grep -c ':ber$')
	# 20 IRI + 20 CC + 4 from the km client, their keep-alives and responses
	[ "$n" -ge 46 ] && ok || bad "tshark: only $n BER frames"
	if grep -qiE 'malformed|^Errors|^Warns' "$tmp/expert.txt" "$tmp/ber.txt"; then
		bad "tshark reports malformed PDUs: $(grep -iE 'malformed|error' "$tmp/expert.txt" | head -3)"
	else ok; fi
	# the key-management record is in the capture: limfKMObjId [0], the content octets of
	# {2 25 <limf UUID> 1 1} (IMPLICIT: the generic dissector shows them as hex)
	grep -q '\[CONTEXT 0\] 698297c4adb5b5aff29cd599caf9bb85d1afe9240101$' "$tmp/ber.txt" && ok ||
		bad "tshark: no limf key-management OID"
	# and the call-end record: limfCEObjId [0], {2 25 <limf UUID> 2 1}
	grep -q '\[CONTEXT 0\] 698297c4adb5b5aff29cd599caf9bb85d1afe9240201$' "$tmp/ber.txt" && ok ||
		bad "tshark: no limf call-end OID"
	# negative control: the same session with one PDU cut short is reported
	cat >"$tmp/neg.py" <<'PY'
# Rewrites a pcap (LINKTYPE_RAW) with the outer BER length of the first PS-PDU segment one too
# large: the dissector must report it (a negative control of the malformed check).
import struct, sys
d = bytearray(open(sys.argv[1], "rb").read())
i = 24
while i < len(d):
    n = struct.unpack("<I", d[i + 8:i + 12])[0]
    pl = i + 16 + 20 + 20
    if n > 40 and d[pl] == 0x30:
        k = pl + 1 + (d[pl + 1] & 0x7f if d[pl + 1] & 0x80 else 0)
        d[k] += 1
        break
    i += 16 + n
open(sys.argv[2], "wb").write(d)
PY
	expect 0 ber-neg python3 "$tmp/neg.py" "$tmp/ho.pcap" "$tmp/neg.pcap"
	if tshark -r "$tmp/neg.pcap" "${ber[@]}" -q -z expert 2>&1 | grep -qiE 'malformed'; then
		ok
	else bad "tshark: the corrupted session was not reported (the check cannot fail)"; fi
	expect 0 ber-km-json python3 -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
km = [l for l in lines if l.get("kind") == "iri_keymgmt"]
assert len(km) == 1, km
k = km[0]
want = dict(stream="hi2", liid="LIID-0001", cin=2147483649, seq=303, iri_type="continue",
            country="GB", side="answer", initiator="sip:alice@example.org",
            responder="sip:bob@example.org", kms_uri="kms.example.org", key_period=2147483649,
            t="2025-12-01T12:00:00.123456Z", outcome="keys", sig="valid", csb_id=0xdeadbeef,
            n_keys=2, detail="ECCSI ok, 2 SRTP sessions \u00e9")
bad = {f: (k.get(f), v) for f, v in want.items() if k.get(f) != v}
assert not bad, bad
ce = [l for l in lines if l.get("kind") == "iri_callend"]
assert len(ce) == 1, ce
want = dict(stream="hi2", liid="LIID-0001", cin=2147483649, seq=304, iri_type="end",
            country="GB", reason="timeout")
bad = {f: (ce[0].get(f), v) for f, v in want.items() if ce[0].get(f) != v}
assert not bad, bad
assert not [l for l in lines if l.get("error") == "decode"]' "$tmp/ber.jsonl"
fi

finish
