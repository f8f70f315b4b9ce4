#!/bin/bash
# Crash recovery of `limf capture` (issue 8 "Tests": kill -9 and restart with PDUs spooled: every
# PDU delivered exactly once, in order). No network namespace: runs as any user.
#   0. reference: an uninterrupted run of a capture (LEMF up): its PDUs per CIN
#   1. the LEMF down: the same capture is played, everything is spooled, `limf capture` is
#      killed (SIGKILL) while it waits for the authority; a copy of the spool says every PDU of
#      the reference is in it. Restarted on the same spool (other traffic, no target) with the
#      LEMF back: the LEMF gets each CIN's IRI and CC with sequence numbers 0..n-1, in order, no
#      gap, no duplicate, and the same PDUs as the reference (CINs aside)
#   2. mid-stream, the LEMF up: killed during a call; what was spooled before the kill reaches
#      the LEMF exactly once (re-sends of unconfirmed PDUs discarded as byte-identical)
#   3. two crashes in a row with the LEMF down, then a restart with it up: both killed runs'
#      calls arrive complete up to their kill, under distinct CINs, and the restarted run's own
#      call under a new one
# Needs the private PostgreSQL cluster: run through scripts/pg-test.sh. Prints "N passed, N failed".
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
live_init

live_kms resume
# the LEMF's ports are fixed for the whole test, so that it can be down and come back on them
lemf_up "$tmp/probe.jsonl"
P2=$p2 P3=$p3
kill -TERM "$lpid" 2>/dev/null
wait "$lpid" 2>/dev/null
lpid=''
[ "$P2" != 0 ] && ok || bad "limf-lemf did not start"
up() { # OUT.jsonl: the LEMF on the fixed ports
	lemf_up "$1" "127.0.0.1:$P2" "127.0.0.1:$P3"
	[ "$p2" = "$P2" ] && ok || bad "limf-lemf did not come back on $P2/$P3"
}
conf() { # NAME: $tmp/NAME.conf with the spool $tmp/NAME.spool
	{
		conf_live "$tmp/k" OP-RES "$tmp/$1.spool" limf-res
		conf_authority lemf1 "127.0.0.1:$P2" "127.0.0.1:$P3"
	} >"$tmp/$1.conf"
}
kill9() { # NAME: SIGKILL of the running capture (it must still be running)
	if kill -0 "$cpid" 2>/dev/null; then ok; else bad "$1: ended before the kill"; fi
	kill -KILL "$cpid" 2>/dev/null
	wait "$cpid" 2>/dev/null
	cpid=''
}
spooled() { # CONF: "hi2 hi3" records ever spooled, read from a copy (the spool stays untouched)
	rm -rf "$tmp/copy.spool"
	cp -a "$tmp/$1.spool" "$tmp/copy.spool"
	sed "s|^spool_dir = .*|spool_dir = $tmp/copy.spool|" "$tmp/$1.conf" >"$tmp/copy.conf"
	"$limf" handover --config "$tmp/copy.conf" status --json |
		python3 -c 'import json,sys; j=json.load(sys.stdin)[0]; print(j["hi2"]["spooled"], j["hi3"]["spooled"], j["hi2"]["pending"] + j["hi3"]["pending"])'
}

# what the LEMF got, per CIN: IRI and CC sequence numbers 0..n-1 in arrival order, no error;
# prints "CIN iri cc" per CIN (the CINs given, or all)
cat >"$tmp/streams.py" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
errs = [l for l in lines if "error" in l]
assert not errs, errs[:3]
want = set(int(c) for c in sys.argv[2].split(",")) if len(sys.argv) > 2 and sys.argv[2] else None
per = {}
for l in lines:
    if "seq" not in l or l.get("kind") not in ("iri", "iri_keymgmt", "cc") or "event" in l:
        continue
    if want is not None and l["cin"] not in want:
        continue
    k = per.setdefault(l["cin"], {"iri": [], "cc": []})
    k["cc" if l["kind"] == "cc" else "iri"].append(l["seq"])
for cin in sorted(per):
    for kind, seqs in per[cin].items():
        assert seqs == list(range(len(seqs))), "CIN %d %s: %s..." % (cin, kind, seqs[:20])
    print(cin, len(per[cin]["iri"]), len(per[cin]["cc"]))
if want is not None:
    assert set(per) == want, (sorted(per), sorted(want))
PY
# the PDUs of two sets of CINs are equal: each CIN's IRI and CC streams, PDU for PDU, matched
# as a set (with --workers / LIMF_WORKERS two calls' PDUs interleave differently run to run)
cat >"$tmp/same.py" <<'PY'
import json, sys
def run(path, cins):
    cins = set(int(c) for c in cins.split(","))
    per = {}
    for l in map(json.loads, open(path)):
        if "seq" not in l or "event" in l or l.get("cin") not in cins:
            continue
        kind = "iri" if l["kind"].startswith("iri") else "cc" if l["kind"] == "cc" else None
        if kind is None:
            continue
        per.setdefault(l["cin"], {"iri": [], "cc": []})[kind].append(
            (l["seq"], l["kind"], l.get("sip"), l.get("rtp"), l.get("outcome"),
             l.get("iri_type"), l.get("dir")))
    return sorted((tuple(v["iri"]), tuple(v["cc"])) for v in per.values())
ref, got = run(sys.argv[1], sys.argv[2]), run(sys.argv[3], sys.argv[4])
ni, nc = sum(len(i) for i, _ in ref), sum(len(c) for _, c in ref)
assert ni and nc, "empty reference"
assert len(got) == len(ref), "%d CINs vs %d" % (len(got), len(ref))
for k, (a, b) in enumerate(zip(got, ref)):
    for kind, x, y in (("iri", a[0], b[0]), ("cc", a[1], b[1])):
        assert x == y, "a call's %s differs: %d vs %d PDUs" % (kind, len(x), len(y))
print(ni, "IRI and", nc, "CC PDUs equal")
PY
cins_of() { # LEMF.jsonl LIID: the CINs of that LIID's PDUs, comma-separated
	python3 -c 'import json,sys
c = sorted({l["cin"] for l in map(json.loads, open(sys.argv[1])) if l.get("liid") == sys.argv[2] and "seq" in l and "event" not in l})
print(",".join(map(str, c)))' "$1" "$2"
}
total() { # LEMF.jsonl CINS: number of data PDUs of those CINs (without re-sends)
	python3 -c 'import json,sys
c = set(int(x) for x in sys.argv[2].split(","))
print(sum(1 for l in map(json.loads, open(sys.argv[1])) if "seq" in l and "event" not in l and l.get("cin") in c and l.get("kind") in ("iri","iri_keymgmt","cc")))' "$1" "$2"
}

A="sip:res$sfx@example.org" B="sip:peer$sfx@example.org" L="R$sfx"
warrant "$L" "$A" && ok || bad "warrant add"
expect 0 gen "$gen" --community "$tmp/k/community.json" --out "$tmp/c.pcap" --calls 2 \
	--background 2 --duration 4 --caller "$A" --callee "$B" --start "$(iso "$NOW")" --seed 61
# traffic with no target call: the restarted runs' source
expect 0 gen-bg "$gen" --community "$tmp/k/community.json" --out "$tmp/bg.pcap" --calls 0 \
	--background 1 --duration 1 --start "$(iso "$NOW")" --seed 62

# ---- 0. reference, uninterrupted
conf ref
up "$tmp/ref.jsonl"
capture_conf "$tmp/ref.conf" ref --pcap "$tmp/c.pcap" --speed max
reap ref 0
grep -q "intercepted 2 " "$tmp/ref.err" && ok || bad "ref: summary"
grep -q "pending 0 links" "$tmp/ref.err" && ok || bad "ref: not all confirmed"
lemf_down
ref_cins=$(cins_of "$tmp/ref.jsonl" "$L")
ref_n=$(total "$tmp/ref.jsonl" "$ref_cins")
expect 0 ref-streams python3 "$tmp/streams.py" "$tmp/ref.jsonl" "$ref_cins"
[ "$(grep -c . "$tmp/out")" = 2 ] && ok || bad "ref: want 2 CINs, got $(cat "$tmp/out")"
echo "reference: CINs $ref_cins, $ref_n PDUs" >&2

# ---- 1. LEMF down, everything spooled, kill -9 while waiting for the authority
conf s1
capture_conf "$tmp/s1.conf" k1 --pcap "$tmp/c.pcap" --speed max
wait_for "$tmp/k1.err" "first frame" && ok || bad "k1: did not start"
sleep 3 # the file took well under a second; now in the final flush (10 s), the LEMF down
kill9 k1
grep -q "limf capture: .* intercepted" "$tmp/k1.err" && bad "k1: ended normally" || ok
read -r s2 s3 pend <<<"$(spooled s1)"
[ "$((s2 + s3))" = "$ref_n" ] && [ "$pend" = "$ref_n" ] && ok ||
	bad "k1: spooled $s2 IRI + $s3 CC, pending $pend, want $ref_n as the reference"
up "$tmp/s1.jsonl"
capture_conf "$tmp/s1.conf" r1 --pcap "$tmp/bg.pcap" --speed max
reap r1 0
grep -q "intercepted 0 .*" "$tmp/r1.err" && grep -q "pending 0 links" "$tmp/r1.err" && ok ||
	{ bad "r1: summary"; cat "$tmp/r1.err" >&2; }
lemf_down
s1_cins=$(cins_of "$tmp/s1.jsonl" "$L")
expect 0 s1-streams python3 "$tmp/streams.py" "$tmp/s1.jsonl" "$s1_cins"
[ "$(grep -c . "$tmp/out")" = 2 ] && ok || bad "s1: want 2 CINs, got $(cat "$tmp/out")"
[ "$(total "$tmp/s1.jsonl" "$s1_cins")" = "$ref_n" ] && ok || bad "s1: PDU total differs from the reference"
expect 0 s1-same python3 "$tmp/same.py" "$tmp/ref.jsonl" "$ref_cins" "$tmp/s1.jsonl" "$s1_cins"
has s1-same "PDUs equal"
# the check can fail: a PDU missing, or one CIN's stream cut short
grep -v '"seq":3,' "$tmp/s1.jsonl" >"$tmp/neg.jsonl"
expect 1 s1-neg python3 "$tmp/same.py" "$tmp/ref.jsonl" "$ref_cins" "$tmp/neg.jsonl" "$s1_cins"

# ---- 2. mid-stream, LEMF up: kill -9 during the call, restart
A2="sip:mid$sfx@example.org" L2="M$sfx"
warrant "$L2" "$A2" && ok || bad "warrant add 2"
expect 0 gen2 "$gen" --community "$tmp/k/community.json" --out "$tmp/c2.pcap" --calls 1 \
	--duration 10 --caller "$A2" --callee "$B" --start "$(iso "$NOW")" --seed 63
conf s2
up "$tmp/s2.jsonl"
capture_conf "$tmp/s2.conf" k2 --pcap "$tmp/c2.pcap"
wait_for "$tmp/k2.err" "first frame" && ok || bad "k2: did not start"
sleep 3
kill9 k2
read -r a2 a3 pend2 <<<"$(spooled s2)"
[ "$a3" -gt 50 ] && ok || bad "k2: only $a3 CC PDUs spooled before the kill"
echo "mid-stream kill: $a2 IRI + $a3 CC spooled, $pend2 not yet confirmed" >&2
capture_conf "$tmp/s2.conf" r2 --pcap "$tmp/bg.pcap" --speed max
reap r2 0
grep -q "pending 0 links" "$tmp/r2.err" && ok || { bad "r2: not all confirmed"; cat "$tmp/r2.err" >&2; }
lemf_down
s2_cins=$(cins_of "$tmp/s2.jsonl" "$L2")
expect 0 s2-streams python3 "$tmp/streams.py" "$tmp/s2.jsonl" "$s2_cins"
read -r _ n2 n3 <"$tmp/out"
[ "${n2:-x}" = "$a2" ] && [ "${n3:-x}" = "$a3" ] && ok ||
	bad "s2: LEMF got ${n2:-?} IRI + ${n3:-?} CC, spooled $a2 + $a3"
python3 -c 'import json,sys; j=[json.loads(l) for l in open(sys.argv[1])]; s=[l for l in j if l.get("event")=="summary"]; assert s and s[-1]["gaps"]==0 and s[-1]["duplicates"]==0, s' \
	"$tmp/s2.jsonl" && ok || bad "s2: LEMF summary reports gaps or duplicates"

# ---- 3. two crashes in a row, LEMF down; then restart with it up
A3="sip:two$sfx@example.org" L3="W$sfx"
warrant "$L3" "$A3" && ok || bad "warrant add 3"
for i in 1 2 3; do
	expect 0 gen3-$i "$gen" --community "$tmp/k/community.json" --out "$tmp/c3-$i.pcap" --calls 1 \
		--duration 6 --caller "$A3" --callee "$B" --start "$(iso "$NOW")" --seed $((70 + i))
done
conf s3
capture_conf "$tmp/s3.conf" k3a --pcap "$tmp/c3-1.pcap"
wait_for "$tmp/k3a.err" "first frame" && ok || bad "k3a: did not start"
sleep 2.5
kill9 k3a
read -r b2 b3 _ <<<"$(spooled s3)"
capture_conf "$tmp/s3.conf" k3b --pcap "$tmp/c3-2.pcap"
wait_for "$tmp/k3b.err" "first frame" && ok || bad "k3b: did not start"
sleep 2.5
kill9 k3b
read -r c2 c3 cpend <<<"$(spooled s3)"
[ "$c2" -gt "$b2" ] && [ "$c3" -gt "$b3" ] && [ "$cpend" = "$((c2 + c3))" ] && ok ||
	bad "k3: spooled $b2+$b3 after the first crash, $c2+$c3 (pending $cpend) after the second"
up "$tmp/s3.jsonl"
capture_conf "$tmp/s3.conf" r3 --pcap "$tmp/c3-3.pcap" --speed max
reap r3 0
grep -q "intercepted 1 .*" "$tmp/r3.err" && grep -q "pending 0 links" "$tmp/r3.err" && ok ||
	{ bad "r3: summary"; cat "$tmp/r3.err" >&2; }
lemf_down
s3_cins=$(cins_of "$tmp/s3.jsonl" "$L3")
expect 0 s3-streams python3 "$tmp/streams.py" "$tmp/s3.jsonl" "$s3_cins"
[ "$(grep -c . "$tmp/out")" = 3 ] && ok || bad "s3: want 3 CINs, got $(cat "$tmp/out")"
# the first two CINs (the killed runs) hold exactly what was spooled before each kill
python3 - "$tmp/out" "$b2" "$b3" "$c2" "$c3" <<'PY' && ok || bad "s3: per-CIN counts differ from the spool"
import sys
rows = [list(map(int, l.split())) for l in open(sys.argv[1])]
b2, b3, c2, c3 = map(int, sys.argv[2:6])
assert rows[0][1:] == [b2, b3], (rows, b2, b3)
assert rows[1][1:] == [c2 - b2, c3 - b3], (rows, c2 - b2, c3 - b3)
assert rows[2][2] > 0, rows
PY
python3 -c 'import json,sys; j=[json.loads(l) for l in open(sys.argv[1])]; s=[l for l in j if l.get("event")=="summary"]; assert s and s[-1]["gaps"]==0 and s[-1]["duplicates"]==0 and s[-1]["resent"]==0, s' \
	"$tmp/s3.jsonl" && ok || bad "s3: LEMF summary: gaps, duplicates or re-sends"

live_kms_down
finish
