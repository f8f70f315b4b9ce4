#!/bin/bash
# The live service (issue 8, first increment): `limf capture` plays limf-gen captures at their
# recorded speed (and, as root, captures on lo) through the one pipeline, delivering live to
# the test LEMF through the durable spool.
#   1. what the LEMF gets equals what `limf replay --deliver` of the same capture gives (CINs
#      aside); the run takes the capture's duration; --speed max is much faster
#   2. a warrant revoked mid-call: a REPORT call-end record (warrant-not-in-force) in the
#      --record bundle, no CC PDU more than 1.5 s (capture time) after the revocation, no KMS
#      request after it
#   3. a warrant added while running intercepts the calls that start after it, not a call that
#      ended before it (the rest of a call still in progress: test_warrant_window.sh 6)
#   4. SIGTERM mid-run: exit 0, summary, spool flushed (pending 0)
#   5. (root) -i lo with a BPF filter counts the SIP datagrams a python3 client sends
#   9. 264 LIIDs, more than a process used to keep (64) or keeps at once (256): every one is
#      handed over
# Needs the private PostgreSQL cluster: run through scripts/pg-test.sh. Prints "N passed, N failed".
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
live_init

openssl genpkey -algorithm ed25519 -out "$tmp/sign.pem" 2>/dev/null && ok || bad "ed25519 key"
live_kms cap
# one LEMF for the whole test: each run's calls have CINs of their own (the spool's counter)
lemf_up "$tmp/lemf.jsonl"
[ "$p2" != 0 ] && ok || bad "limf-lemf did not start"
{
	conf_live "$tmp/k" OP-CAP "$tmp/spool" limf-cap
	printf '[evidence]\nsign_key = %s\n' "$tmp/sign.pem"
	conf_authority lemf1 "127.0.0.1:$p2" "127.0.0.1:$p3"
} >"$tmp/limf.conf"
cins() { # BUNDLE_DIR LIID: the CINs of a run's bundle, comma-separated
	python3 -c 'import json,sys; print(",".join(sorted({str(json.loads(l)["cin"]) for l in open(sys.argv[1])})))' "$1/$2/iri.jsonl" 2>/dev/null
}

# ---- 1. recorded speed, equal to replay --deliver; --speed max
A="sip:ann$sfx@example.org" B="sip:ben$sfx@example.org" L="C$sfx"
warrant "$L" "$A" && ok || bad "warrant add"
expect 0 gen1 "$gen" --community "$tmp/k/community.json" --out "$tmp/c1.pcap" --calls 2 \
	--background 2 --duration 4 --caller "$A" --callee "$B" --start "$(iso "$NOW")" --seed 51
span1=$(pcap_span "$tmp/c1.pcap")
t0=$(date +%s.%N)
# a file beside live input is refused: the call table would age the file's calls on the wall
# clock (an audit: a 2 h old recording's calls ended early, content lost, no alarm)
expect 2 pcap-live "$limf" capture --config "$tmp/limf.conf" --pcap "$tmp/c1.pcap" -i lo
has pcap-live "does not run beside -i"
expect 2 pcap-x2x3 "$limf" capture --config "$tmp/limf.conf" --pcap "$tmp/c1.pcap" \
	--x2x3 127.0.0.1:0
has pcap-x2x3 "does not run beside --x2x3"
capture run1 --pcap "$tmp/c1.pcap" --record "$tmp/ev1"
reap run1 0
el1=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.3f", b-a}')
grep -q "limf capture: .* frames [1-9][0-9]* .* intercepted 2 " "$tmp/run1.err" && ok ||
	{ bad "run1: summary"; cat "$tmp/run1.err" >&2; }
grep -q "pending 0 links" "$tmp/run1.err" && ok || bad "run1: not all confirmed"
expect 0 verify1 "$limf" verify "$tmp/ev1"
hasnt verify1 "INCOMPLETE"
# the manifest names the source and what it handed over (a file: no kernel counters)
expect 0 manifest1 python3 -c '
import json, sys
m = json.load(open(sys.argv[1] + "/manifest.json"))
assert "incomplete" not in m, m["incomplete"]
assert [(x["name"], x["live"], x["kernel_received"], x["kernel_dropped"]) for x in m["sources"]] \
    == [(sys.argv[2], False, None, None)], m["sources"]
assert m["sources"][0]["frames"] == m["summary"]["frames"] > 0, m["sources"]
assert m["summary"]["lost_at_limits"] == 0, m["summary"]
print("ok")' "$tmp/ev1" "$tmp/c1.pcap"
# the recorded manifest anchors the audit chain after the run's rows, as replay's does (it had
# no "audit" member: README promises one in every bundle)
expect 0 anchor1 python3 -c '
import json, sys
a = json.load(open(sys.argv[1] + "/manifest.json"))["audit"]
assert isinstance(a["rows"], int) and a["rows"] > 0, a
assert len(a["head"]) == 64 and int(a["head"], 16) != 0, a
print(a["rows"], a["head"])' "$tmp/ev1"
read -r arows1 ahead1 <"$tmp/out"
expect 0 anchor-verify1 "$limf" audit verify --expect-head "$ahead1" --min-rows "$arows1"
has anchor-verify1 "holds the recorded head"
# traffic lost at limf's limits (300 fragments of datagrams never completed: reassembly holds
# 256, the 44 oldest go for room): the target's calls are intercepted as before, but the run
# says the interception is incomplete and exits 3, and the recorded manifest says why
expect 0 inject-frag python3 "$(dirname "$0")/pcap_inject.py" "$tmp/c1.pcap" "$tmp/c1frag.pcap" \
	ack fragflood 300
capture runfrag --pcap "$tmp/c1frag.pcap" --speed max --record "$tmp/evfrag"
reap runfrag 3
grep -q "limf capture: .* intercepted 2 " "$tmp/runfrag.err" && ok || bad "runfrag: summary"
grep -q "ALARM: the interception is INCOMPLETE: traffic lost to capacity limits (frag_evicted 44): a target's packets may be among them$" \
	"$tmp/runfrag.err" && ok || { bad "runfrag: no ALARM"; tail -5 "$tmp/runfrag.err" >&2; }
expect 0 verifyfrag "$limf" verify "$tmp/evfrag"
has verifyfrag "^WARNING: its producer stated the evidence is INCOMPLETE: traffic lost to capacity limits (frag_evicted 44)"
expect 0 replay1 "$limf" replay --config "$tmp/limf.conf" --deliver --json --out "$tmp/evr" \
	"$tmp/c1.pcap"
pyjson replay1 "j['handover']['all_confirmed'] and j['summary']['calls_intercepted']==2"
t0=$(date +%s.%N)
capture run1max --pcap "$tmp/c1.pcap" --speed max --record "$tmp/ev1max"
reap run1max 0
elmax=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.3f", b-a}')
echo "capture span $span1 s: recorded speed took $el1 s, --speed max $elmax s" >&2
# recorded speed: about the capture's span (start-up and the final flush on top); --speed max
# well under it (not under ThreadSanitizer, make check-tsan: it runs limf several times slower)
python3 -c "import sys; s,e,m=map(float,sys.argv[1:4]); sys.exit(not (s-0.3 <= e <= s+3 and (m < s/3 or sys.argv[4])))" \
	"$span1" "$el1" "$elmax" "${LIMF_T_TSAN:-}" && ok || bad "timing: span $span1, recorded $el1, max $elmax"
cat >"$tmp/same.py" <<'PY'
import json, sys
# PDUs of the runs whose CINs are given: each call's IRI and CC streams, in order, must be
# equal; the calls are compared as a set (with --workers / LIMF_WORKERS the PDUs of different
# calls interleave in the order the threads produce them, and the CINs are numbered likewise)
lines = [json.loads(l) for l in open(sys.argv[1])]
assert not [l for l in lines if "error" in l], [l for l in lines if "error" in l][:3]
def run(cins):
    cins = set(int(c) for c in cins.split(","))
    out = {}
    for kind in ("iri", "cc"):
        pd = [l for l in lines if "seq" in l and l.get("cin") in cins and
              (l["kind"].startswith("iri") if kind == "iri" else l["kind"] == "cc")]
        per = {}
        for l in pd:
            per.setdefault(l["cin"], []).append((l["seq"], l["kind"], l.get("sip"),
                                                 l.get("rtp"), l.get("outcome"),
                                                 l.get("iri_type"), l.get("dir")))
        out[kind] = sorted(per.values())
    return out
ref = run(sys.argv[2])
assert ref["iri"] and ref["cc"], "nothing delivered by replay"
for c in sys.argv[3:]:
    got = run(c)
    for kind in ("iri", "cc"):
        assert got[kind] == ref[kind], "%s differs: %d vs %d calls" % (kind, len(got[kind]), len(ref[kind]))
print(sum(map(len, ref["iri"])), "IRI and", sum(map(len, ref["cc"])), "CC PDUs equal")
PY
expect 0 same1 python3 "$tmp/same.py" "$tmp/lemf.jsonl" "$(cins "$tmp/evr" "$L")" \
	"$(cins "$tmp/ev1" "$L")" "$(cins "$tmp/ev1max" "$L")"
has same1 "PDUs equal"

# ---- 2. revocation during a call
A2="sip:rev$sfx@example.org" L2="V$sfx"
warrant "$L2" "$A2" && ok || bad "warrant add 2"
expect 0 gen2 "$gen" --community "$tmp/k/community.json" --out "$tmp/c2.pcap" --calls 1 \
	--duration 8 --caller "$A2" --callee "$B" --start "$(iso "$NOW")" --seed 52
capture run2 --pcap "$tmp/c2.pcap" --record "$tmp/ev2"
wait_for "$tmp/run2.err" "first frame" && ok || bad "run2: did not start"
sleep 3
kms_before=$(wc -l <"$tmp/k/log")
t_rev=$(date +%s.%N)
"$limf" warrant revoke "$L2" --reason "capture test" >/dev/null && ok || bad "warrant revoke"
reap run2 0
grep -q "no longer under a warrant in force" "$tmp/run2.err" && ok || bad "run2: no recheck drop"
# the revocation arrived as a PostgreSQL notification (LISTEN/NOTIFY), not only by the re-read
grep -Eq "warrant notifications [1-9]" "$tmp/run2.err" && ok || bad "run2: no warrant notification"
kms_after=$(wc -l <"$tmp/k/log")
[ "$kms_before" -gt 0 ] && [ "$kms_before" -eq "$kms_after" ] && ok ||
	bad "KMS requests after the revocation ($kms_before before, $kms_after after)"
cat >"$tmp/revoked.py" <<'PY'
import json, re, sys
lemf, ev, liid, errf, t_rev = sys.argv[1:6]
m = re.search(r"first frame (\d+)\.(\d+) played at wall (\d+)\.(\d+)", open(errf).read())
ts0 = int(m.group(1)) + int(m.group(2)) / 1e9
w0 = int(m.group(3)) + int(m.group(4)) / 1e9
rev_cap = ts0 + (float(t_rev) - w0)  # the revocation on the capture's clock
recs = [json.loads(l) for l in open(ev + "/" + liid + "/iri.jsonl")]
ends = [r for r in recs if r["kind"] == "call-end" and r["reason"] == "warrant-not-in-force"]
assert len(ends) == 1 and ends[0]["type"] == "report", [r for r in recs if r["kind"] == "call-end"]
cins = {r["cin"] for r in recs}
cc = [l for l in map(json.loads, open(lemf)) if l.get("kind") == "cc" and l.get("cin") in cins]
last = max(float(l["ts"]) for l in cc)
assert len(cc) > 50, len(cc)
assert last <= rev_cap + 1.5, "CC %.3f s after the revocation" % (last - rev_cap)
assert last >= rev_cap - 1.5, "CC stopped %.3f s before the revocation" % (rev_cap - last)
print("%d CC PDUs, the last %.3f s after the revocation (capture time)" % (len(cc), last - rev_cap))
PY
expect 0 revoked python3 "$tmp/revoked.py" "$tmp/lemf.jsonl" "$tmp/ev2" "$L2" "$tmp/run2.err" "$t_rev"
has revoked "CC PDUs, the last"
cat "$tmp/out" >&2
ncc=$(sed -n 's/^\([0-9]*\) CC PDUs.*/\1/p' "$tmp/out")
# the re-check ended the LIID during the call, yet the call still accounts for it at its end:
# its decrypt.done row (what was decrypted while the warrant was in force) and its summary in
# the recorded manifest (before, the LIID left the call and neither was written)
expect 0 audit2 "$limf" audit list --liid "$L2" --json
pyjson audit2 "[int(r['detail'].split('decrypted=')[1].split()[0]) >= ${ncc:-999999} for r in j if r['action']=='decrypt.done']==[True]"
expect 0 manifest2 python3 -c '
import json, sys
m = json.load(open(sys.argv[1] + "/manifest.json"))
c = [c for c in m["calls"] if sys.argv[2] in c["liids"]]
assert len(c) == 1, m["calls"]
assert sum(s["decrypted"] for s in c[0]["streams"]) >= int(sys.argv[3]), c[0]["streams"]
print("summary of", c[0]["cin"])' "$tmp/ev2" "$L2" "${ncc:-999999}"

# ---- 3. a warrant added while running: calls after it are intercepted, a call over before it
# not (the first call's BYE is near +2.1 s, the warrant comes at +3.5 s, the second call at +5 s)
A3="sip:new$sfx@example.org" L3="N$sfx"
expect 0 gen3a "$gen" --community "$tmp/k/community.json" --out "$tmp/c3a.pcap" --calls 1 \
	--duration 2 --caller "$A3" --callee "$B" --start "$(iso "$NOW")" --seed 53
expect 0 gen3b "$gen" --community "$tmp/k/community.json" --out "$tmp/c3b.pcap" --calls 1 \
	--duration 2 --caller "$A3" --callee "$B" --start "$(iso $((NOW + 5)))" --seed 54
pcap_merge "$tmp/c3.pcap" "$tmp/c3a.pcap" "$tmp/c3b.pcap" && ok || bad "merge"
capture run3 --pcap "$tmp/c3.pcap" --record "$tmp/ev3"
wait_for "$tmp/run3.err" "first frame" && ok || bad "run3: did not start"
sleep 3.5
warrant "$L3" "$A3" && ok || bad "warrant add 3"
reap run3 0
grep -q " calls 2 intercepted 1 " "$tmp/run3.err" && ok || { bad "run3: want 2 calls, 1 intercepted"; grep summary -i "$tmp/run3.err" >&2; }
python3 - "$tmp/ev3/$L3/iri.jsonl" "$tmp/c3b.pcap.json" <<'PY' && ok || bad "run3: the wrong call was intercepted"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
truth = json.dumps(json.load(open(sys.argv[2])))
ids = {r["call_id"] for r in recs}
assert len(ids) == 1 and list(ids)[0] in truth, ids
PY

# ---- 4. SIGTERM mid-run: exit 0, summary, spool flushed
A4="sip:term$sfx@example.org" L4="T$sfx"
warrant "$L4" "$A4" && ok || bad "warrant add 4"
expect 0 gen4 "$gen" --community "$tmp/k/community.json" --out "$tmp/c4.pcap" --calls 1 \
	--duration 20 --caller "$A4" --callee "$B" --start "$(iso "$NOW")" --seed 55
t0=$(date +%s)
capture run4 --pcap "$tmp/c4.pcap" --record "$tmp/ev4"
wait_for "$tmp/run4.err" "first frame" && ok || bad "run4: did not start"
sleep 3
kill -TERM "$cpid"
reap run4 0
[ $(($(date +%s) - t0)) -lt 15 ] && ok || bad "run4: SIGTERM did not stop the run early"
grep -q "signal 15: stopping" "$tmp/run4.err" && ok || bad "run4: no stop message"
grep -q "limf capture: .* intercepted 1 .* decrypted [1-9]" "$tmp/run4.err" && ok || bad "run4: summary"
grep -q "pending 0 " "$tmp/run4.err" && ok || bad "run4: pending after flush"
expect 0 verify4 "$limf" verify "$tmp/ev4"
expect 0 status4 "$limf" handover --config "$tmp/limf.conf" status --json
pyjson status4 "j[0]['hi2']['pending']==0 and j[0]['hi3']['pending']==0 and j[0]['hi3']['confirmed']>0"

# ---- --record of a file that grows while it is captured: the manifest's input is the octets
# the source read (the old hash was of the file at the start, while the calls of the appended
# octets were in the bundle, and it verified)
GA="sip:gil$sfx@example.org" GB="sip:gus$sfx@example.org" LG="G$sfx"
warrant "$LG" "$GA" && ok || bad "warrant add $LG"
expect 0 gen-ga "$gen" --community "$tmp/k/community.json" --out "$tmp/ga.pcap" --calls 1 \
	--duration 2 --caller "$GA" --callee "$GB" --start "$(iso "$NOW")" --seed 61
expect 0 gen-gb "$gen" --community "$tmp/k/community.json" --out "$tmp/gb.pcap" --calls 1 \
	--duration 1 --caller "$GA" --callee "$GB" --start "$(iso $((NOW + 4)))" --seed 62
cp "$tmp/ga.pcap" "$tmp/grow.pcap"
capture rungrow --pcap "$tmp/grow.pcap" --record "$tmp/evgrow" --workers 1
wait_for "$tmp/rungrow.err" "running" 100 || bad "rungrow: did not start"
tail -c +25 "$tmp/gb.pcap" >>"$tmp/grow.pcap" # at recorded speed: long before its end
reap rungrow 0
expect 0 verifygrow "$limf" verify "$tmp/evgrow"
expect 0 manifestgrow python3 -c '
import hashlib, json, sys
m = json.load(open(sys.argv[1] + "/manifest.json"))
data = open(sys.argv[2], "rb").read()
assert m["inputs"] == [{"name": "grow.pcap", "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}], m["inputs"]
assert len(m["calls"]) == 2, len(m["calls"])' "$tmp/evgrow" "$tmp/grow.pcap"

# ---- usage errors
expect 2 usage1 "$limf" capture --pcap "$tmp/c1.pcap"
expect 2 usage2 "$limf" capture --config "$tmp/limf.conf"
expect 2 usage3 "$limf" capture --config "$tmp/limf.conf" --pcap "$tmp/c1.pcap" --speed fast
expect 1 nofile "$limf" capture --config "$tmp/limf.conf" --pcap "$tmp/nonexistent.pcap"
# --record with an encrypted signing key: refused at the start, naming it (it was found only
# when the recording ended, its content then unsigned)
openssl genpkey -algorithm ed25519 -aes-128-cbc -pass pass:secret -out "$tmp/enc.pem" 2>/dev/null ||
	bad "openssl genpkey enc"
sed "s|^sign_key = .*|sign_key = $tmp/enc.pem|" "$tmp/limf.conf" >"$tmp/enc.conf"
expect 1 enckey timeout 60 "$limf" capture --config "$tmp/enc.conf" --pcap "$tmp/c1.pcap" \
	--record "$tmp/ev-enc"
has enckey "the evidence signing key cannot be used: .*enc.pem: an encrypted private key"
[ -e "$tmp/ev-enc" ] && bad "enckey: the bundle directory was made" || ok

# ---- 5. live capture on lo (root only)
if [ "$(id -u)" -ne 0 ]; then
	echo "note: live capture test skipped (not root)" >&2
else
	capture run5 -i lo --bpf "udp port 5099" --duration 2
	if wait_for "$tmp/run5.err" "running" 50; then
		sleep 0.3
		python3 - <<'PY'
import socket
msg = ("INVITE sip:bob@example.org SIP/2.0\r\n"
       "Via: SIP/2.0/UDP 127.0.0.1:5098;branch=z9hG4bK-live%d\r\n"
       "From: <sip:alice@example.org>;tag=a1\r\nTo: <sip:bob@example.org>\r\n"
       "Call-ID: live-%d@127.0.0.1\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
       "Contact: <sip:alice@127.0.0.1:5098>\r\nContent-Length: 0\r\n\r\n")
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(3):
    s.sendto((msg % (i, i)).encode(), ("127.0.0.1", 5099))
s.sendto(b"not sip", ("127.0.0.1", 5098))  # outside the filter
PY
		reap run5 0
		if grep -q "cannot capture" "$tmp/run5.err"; then
			echo "note: live capture impossible here: skipped" >&2
		else
			grep -q "limf capture: .* frames 3 sip 3 " "$tmp/run5.err" && ok ||
				{ bad "run5: live summary"; cat "$tmp/run5.err" >&2; }
			grep -q "source lo: frames 3 kernel_received" "$tmp/run5.err" && ok || bad "run5: source counters"
		fi
	else
		wait "$cpid"
		cpid=''
		if grep -q "cannot capture" "$tmp/run5.err"; then
			echo "note: live capture impossible here (no permission?): skipped" >&2
		else
			bad "run5: did not start"
			cat "$tmp/run5.err" >&2
		fi
	fi
fi
# ---- 6. SIGHUP: the authority moves to another LEMF while a call runs; nothing is lost
lpidA=$lpid p2A=$p2 p3A=$p3
lemf_up "$tmp/lemfB.jsonl"
lpidB=$lpid p2B=$p2 p3B=$p3
lpid=$lpidA p2=$p2A p3=$p3A
[ "$p2B" != 0 ] && ok || bad "second limf-lemf did not start"
A6="sip:hup$sfx@example.org" L6="U$sfx"
warrant "$L6" "$A6" && ok || bad "warrant add 6"
expect 0 gen6 "$gen" --community "$tmp/k/community.json" --out "$tmp/c6.pcap" --calls 1 \
	--duration 5 --caller "$A6" --callee "$B" --start "$(iso "$NOW")" --seed 56
cp "$tmp/limf.conf" "$tmp/limf.conf.a"
capture run6 --pcap "$tmp/c6.pcap"
wait_for "$tmp/run6.err" "first frame" && ok || bad "run6: did not start"
sleep 2
sed -i "s/^hi2 = 127.0.0.1:$p2A\$/hi2 = 127.0.0.1:$p2B/; s/^hi3 = 127.0.0.1:$p3A\$/hi3 = 127.0.0.1:$p3B/" \
	"$tmp/limf.conf"
grep -q "hi3 = 127.0.0.1:$p3B" "$tmp/limf.conf" && ok || bad "config not rewritten"
kill -HUP "$cpid"
wait_for "$tmp/run6.err" "configuration reloaded (1 authority)" && ok || bad "run6: no reload"
reap run6 0
grep -q "pending 0 links" "$tmp/run6.err" && ok || bad "run6: not all confirmed after the reload"
cp "$tmp/limf.conf.a" "$tmp/limf.conf"
kill -TERM "$lpidB" 2>/dev/null
wait "$lpidB" && ok || bad "second limf-lemf exit status"
cat >"$tmp/hup.py" <<'PY'
import json, sys
a = [json.loads(l) for l in open(sys.argv[1])]
b = [json.loads(l) for l in open(sys.argv[2])]
# the second LEMF joins each stream where the first left it: a "gap" from 0 at its first PDU
# is expected there, and nothing else
errs = [l for l in b if "error" in l and not (l["error"] == "gap" and l["expected"] == 0)]
assert not errs, errs[:3]
cins = set(l["cin"] for l in b if "seq" in l and l.get("kind") in ("iri", "iri_keymgmt", "cc"))
assert len(cins) == 1, cins
bd = [l for l in b if "seq" in l and l.get("kind") in ("iri", "iri_keymgmt", "cc")]
assert [l for l in bd if l["kind"] == "cc"], "no CC reached the second LEMF"
ad = [l for l in a if "seq" in l and l.get("cin") in cins and l.get("kind") != "keepalive"]
assert ad, "nothing of the call reached the first LEMF before the reload"
for kind in ("iri", "cc"):
    seqs = set(l["seq"] for l in ad + bd if (l["kind"] == "cc") == (kind == "cc"))
    assert seqs == set(range(len(seqs))), "%s: gap (%d numbers, max %d)" % (kind, len(seqs), max(seqs))
print("before the reload %d PDUs at the first LEMF, after it %d at the second" % (len(ad), len(bd)))
PY
expect 0 hup-split python3 "$tmp/hup.py" "$tmp/lemf.jsonl" "$tmp/lemfB.jsonl"
cat "$tmp/out" >&2

# ---- 7. a KMS key roll-over while the service runs (TS 33.180 Annex D: a new certificate,
# new Z and KPAK). The service fetched the old certificate at its start; the second target
# call is signed and keyed under the new one. Before, its signature was "bad-signature" until a
# restart; now the signature that does not verify makes one re-fetch of the certificate (one
# kms.init more on the audit log), which finds the new one, and both calls are decrypted.
kms_up "$tmp/r" rfc6509 kms.roll.test
rpid=$(cat "$tmp/r/pid")
A7="sip:roll$sfx@example.org" B7="sip:ben7$sfx@example.org" L7="R$sfx"
warrant "$L7" "$A7" && ok || bad "warrant add 7"
B0=$(date +%s)
# the roll-over is made on a copy (limf-gen signs call 2 with the new community) and put in
# place at the KMS while limf runs, between the two calls
cp -a "$tmp/r" "$tmp/r2"
expect 0 rollover "$BUILD/limf-kms" rollover "$tmp/r2" --at "$(iso $((B0 + 2)))"
has rollover "cert2.kms.roll.test"
expect 0 gen7a "$gen" --community "$tmp/r/community.json" --out "$tmp/r7a.pcap" --calls 1 \
	--duration 2 --caller "$A7" --callee "$B7" --start "$(iso "$B0")" --seed 71
expect 0 gen7b "$gen" --community "$tmp/r2/community.json" --out "$tmp/r7b.pcap" --calls 1 \
	--duration 2 --caller "$A7" --callee "$B7" --start "$(iso $((B0 + 5)))" --seed 72
expect 0 merge7 pcap_merge "$tmp/r7.pcap" "$tmp/r7a.pcap" "$tmp/r7b.pcap"
{
	conf_db_kms "$tmp/r"
	printf '[evidence]\nsign_key = %s\n' "$tmp/sign.pem"
} >"$tmp/roll.conf"
inits() { "$limf" audit list --json | python3 -c 'import json,sys; print(sum(1 for r in json.load(sys.stdin) if r["action"]=="kms.init" and r["detail"]=="request"))'; }
ai0=$(inits)
capture_conf "$tmp/roll.conf" run7 --pcap "$tmp/r7.pcap" --record "$tmp/ev7"
# call 1's keys fetched under the old certificate, then the KMS rolls over
wait_for "$tmp/r/log" "keyprov.*cert=cert1.kms.roll.test" 60 && ok || bad "run7: no key request for call 1"
mv "$tmp/r2/community.1.json" "$tmp/r/community.1.json"
mv "$tmp/r2/community.json" "$tmp/r/community.json"
reap run7 0
grep -c 'path=/keymanagement/identity/v1/init' "$tmp/r/log" >"$tmp/out"
has kms-inits7 '^2$'
grep -q "keyprov.*cert=cert2.kms.roll.test" "$tmp/r/log" && ok || bad "run7: no key request under the new certificate"
[ "$(($(inits) - ai0))" -eq 2 ] && ok || bad "run7: $(($(inits) - ai0)) kms.init requests audited, want 2"
grep -q "kms_cert_fetches 2 kms_cert_refused 0 imsg_outside_certificates 0" "$tmp/run7.err" && ok ||
	{ bad "run7: summary"; grep "limf capture:" "$tmp/run7.err" >&2; }
expect 0 roll7 python3 -c '
import json, sys
m = json.load(open(sys.argv[1] + "/manifest.json"))
c = [c for c in m["calls"] if sys.argv[2] in c["liids"]]
assert len(c) == 2, c
for x in c:
    assert sum(s["decrypted"] for s in x["streams"]) > 50, x["streams"]
recs = [json.loads(l) for l in open(sys.argv[1] + "/" + sys.argv[2] + "/iri.jsonl")]
km = [r for r in recs if r["kind"] == "key-management"]
assert [r["key_management"]["outcome"] for r in km] == ["keys", "keys"], km
# the evidence names both certificates, the one in force at the end first
certs = m["kms"]["certificates"]
assert [c["cert_uri"] for c in certs] == ["cert2.kms.roll.test", "cert1.kms.roll.test"], certs
assert certs[0]["pub_enc_key_z"] != certs[1]["pub_enc_key_z"], certs
print("2 calls decrypted across the roll-over")' "$tmp/ev7" "$L7"
expect 0 verify7 "$limf" verify "$tmp/ev7"
kms_down "$tmp/r"

# ---- 8. the KMS certificate store in limf status (text, JSON, metrics) and the summary:
# before, a certificate loaded from it and a conflict (the KMS serving other content under a
# recorded CertUri) were only in the audit log and the replay manifest. KMS s's certificate is
# recorded by `limf kms cert`, then the KMS rolls over: the service fetches the new one, and
# a call made before the roll-over loads the old one from the store (loaded 1, no alarm).
# KMS c has the same KMS URI and other keys: its cert1 conflicts with the recorded one
# (conflicts 1: the alarm is raised).
K8="kms.s8$sfx.test" A8="sip:store$sfx@example.org" B8="sip:ben8$sfx@example.org" L8="S$sfx"
# the calls are made two hours ago, before the roll-over an hour ago: a warrant from a day ago
"$limf" warrant add --liid "$L8" --authority Court --ref "R-$L8" --country GB \
	--from "$(iso $((NOW - 86400)))" --to "$TO" --scope iri+cc --delivery lemf1 \
	--target "$A8" >/dev/null && ok || bad "warrant add 8"
kms_up "$tmp/s" rfc6509 "$K8"
kms_up "$tmp/c" rfc6509 "$K8"
expect 0 kms-cert-s env LIMF_DB="$LIMF_DB_SERVICE" "$limf" kms cert --kms "https://127.0.0.1:$(cat "$tmp/s/port")" \
	--ca "$tmp/s/ca.pem" --cert "$tmp/s/client.pem" --key "$tmp/s/client.key"
has kms-cert-s "cert1.$K8"
T8=$(date +%s)
expect 0 rollover8 "$BUILD/limf-kms" rollover "$tmp/s" --at "$(iso $((T8 - 3600)))"
for k in s c; do
	expect 0 "gen8$k" "$gen" --community "$tmp/$k/community$([ $k = s ] && echo .1).json" \
		--out "$tmp/s8$k.pcap" --calls 1 --duration 8 --caller "$A8" --callee "$B8" \
		--start "$(iso $((T8 - 7200)))" --seed 81
done
sock8=$tmp/ctl8.sock
ctl8() { # LINE: the control socket's answer
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
b = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    b += d
sys.stdout.write(b.decode())' "$sock8" "$1"
}
store8() { # NAME KMS FIELD: runs a capture of KMS's call; waits until status FIELD > 0 (leaves
	# the JSON in $tmp/$NAME.json, the text in $tmp/$NAME.txt, the metrics in $tmp/$NAME.prom)
	{
		conf_db_kms "$tmp/$2"
		printf '[service]\ncontrol_socket = %s\n' "$sock8"
	} >"$tmp/store8.conf"
	"$limf" capture --config "$tmp/store8.conf" --pcap "$tmp/s8$2.pcap" \
		>"$tmp/$1.out" 2>"$tmp/$1.err" </dev/null &
	cpid=$!
	for _ in $(seq 100); do
		ctl8 "status json" >"$tmp/$1.json" 2>/dev/null &&
			python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["pipeline"][sys.argv[2]] == 0)' \
				"$tmp/$1.json" "$3" 2>/dev/null && break
		sleep 0.1
	done
	ctl8 status >"$tmp/$1.txt"
	ctl8 metrics >"$tmp/$1.prom"
	reap "$1" 0
}
store8 run8s s kms_cert_store_loaded
cp "$tmp/run8s.json" "$tmp/out"
pyjson store8-json "j['pipeline']['kms_cert_store_loaded'] == 1 and j['pipeline']['kms_cert_store_conflicts'] == 0 and j['pipeline']['kms_cert_store_failed'] == 0 and j['pipeline']['kms_cert_store_alarm'] is False and j['alarm'] is False"
cp "$tmp/run8s.txt" "$tmp/out"
has store8-text "^kms certificate store: loaded 1 conflicts 0 failed 0$"
has store8-text-alarm "^alarm: none$"
cp "$tmp/run8s.prom" "$tmp/out"
has store8-prom '^limf_kms_cert_store_total{result="loaded"} 1$'
has store8-prom-alarm '^limf_kms_cert_store_alarm 0$'
grep -q "kms_cert_store_loaded 1 kms_cert_store_conflicts 0 kms_cert_store_failed 0" "$tmp/run8s.err" && ok ||
	{ bad "run8s: summary"; grep "limf capture:" "$tmp/run8s.err" >&2; }
grep -q "keyprov.*cert=cert1.$K8" "$tmp/s/log" && ok || bad "run8s: no key request under the stored certificate"
store8 run8c c kms_cert_store_conflicts
cp "$tmp/run8c.json" "$tmp/out"
pyjson store8c-json "j['pipeline']['kms_cert_store_conflicts'] == 1 and j['pipeline']['kms_cert_store_alarm'] is True and j['alarm'] is True"
cp "$tmp/run8c.txt" "$tmp/out"
has store8c-text "^kms certificate store: loaded 0 conflicts 1 failed 0 ALARM the KMS served another certificate under a recorded CertUri"
has store8c-text-alarm "^alarm: .*KMS certificate store"
cp "$tmp/run8c.prom" "$tmp/out"
has store8c-prom '^limf_kms_cert_store_total{result="conflict"} 1$'
has store8c-prom-alarm '^limf_kms_cert_store_alarm 1$'
grep -q "kms_cert_store_loaded 0 kms_cert_store_conflicts 1 kms_cert_store_failed 0" "$tmp/run8c.err" && ok ||
	{ bad "run8c: summary"; grep "limf capture:" "$tmp/run8c.err" >&2; }
grep -q "^limf capture: ALARM: the KMS served 1 certificate(s) other than the one recorded" "$tmp/run8c.err" && ok ||
	bad "run8c: no conflict alarm in the summary"
"$limf" audit list --json >"$tmp/out"
pyjson store8-audit "len([r for r in j if r['action'] == 'kms.cert.conflict' and 'cert1.$K8' in r['detail']]) >= 1"
kms_down "$tmp/s"
kms_down "$tmp/c"

# ---- 9. a service meets any number of LIIDs (before, the 65th LIID of a process got nothing:
# no handover, and the bundle stopped): 264 warrants, 8 on each of 33 targets (a call carries 8
# LIIDs at most), a call of each 10 s after the other, and the ninth target's again at the end.
# The LIIDs with no call in progress are forgotten from 256 on, and made again when they come
# back: the LEMF gets the IRI and CC of every LIID, each CIN numbered from 0, the ninth
# target's LIIDs under two CINs. (test_status 8: --record past the LIIDs a bundle can hold.)
# A ninth LIID of the ninth target names a delivery no [authority] has: said once, not again
# when the LIID comes back after it was forgotten.
many_warrants add "M$sfx" 33
"$limf" warrant add --liid "M$sfx-9-nd" --authority Court --ref R-nd --country GB --from "$FROM" \
	--to "$TO" --scope iri --delivery nowhere --target "sip:many9-$sfx@example.org" >/dev/null ||
	bad "warrant add M$sfx-9-nd"
many_calls "$tmp/m9.pcap" $((NOW + 10)) 10 1,1 $(seq 33) 9
capture run9 --pcap "$tmp/m9.pcap" --speed max
# (its records went to no authority: an alarm, exit 3; before, exit 0 and one line)
reap run9 3
grep -q "limf capture: ALARM: [1-9][0-9]* record(s) of LIIDs whose delivery names no \[authority\] were not handed over" \
	"$tmp/run9.err" && ok || bad "run9: no alarm for the records not handed over"
grep -q "limf capture: .* intercepted 34 " "$tmp/run9.err" && ok ||
	{ bad "run9: summary"; grep "limf capture:" "$tmp/run9.err" >&2; }
grep -q "pending 0 links" "$tmp/run9.err" && ok || bad "run9: not all confirmed"
n=$(grep -c "warrant M$sfx-9-nd: delivery 'nowhere' is no \[authority\]" "$tmp/run9.err")
[ "$n" = 1 ] && ok || bad "run9: the unknown delivery said $n times, want 1"
many_lemf lemf9 "$tmp/lemf.jsonl" "M$sfx" 264 9
many_warrants revoke "M$sfx" 33
"$limf" warrant revoke "M$sfx-9-nd" --reason "test: done" >/dev/null || bad "revoke M$sfx-9-nd"

# ---- 10. a recording of past traffic: limf capture, a live service, re-checks warrants at the
# wall clock (test_warrant_window 3, 6e), so it says that evidence from a recording comes from
# limf replay; a file of now says nothing
expect 0 gen10 "$gen" --community "$tmp/k/community.json" --out "$tmp/c10.pcap" --calls 1 \
	--duration 1 --caller "$A" --callee "$B" --start "$(iso $((NOW - 2 * 86400)))" --seed 57
capture run10 --pcap "$tmp/c10.pcap" --speed max
reap run10 0
grep -q "WARNING: .*c10.pcap is 4[78] h behind the wall clock: .*limf replay" "$tmp/run10.err" &&
	ok || bad "run10: no warning of a recording 2 days old"
grep -q "behind the wall clock" "$tmp/run1.err" && bad "run1: a file of now said behind" || ok

lemf_down
live_kms_down
finish
