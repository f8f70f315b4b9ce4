#!/bin/bash
# Scale-out on one PostgreSQL (issue 8, "Scale-out"): several `limf capture` instances share the
# warrant database.
#   1. two instances play the SAME capture at once (same LIID, same calls), each with its own
#      spool: their CINs (from the database's counter) are disjoint, the LEMF gets every
#      (LIID, CIN) from one instance only, and each CIN's sequence numbers run 0, 1, 2, ...
#      once (no collision); `limf status --all` shows both running, then both stopped
#   2. a warrant revoked mid-call stops both instances' CC: both get the notification, both
#      bundles end the call with a REPORT warrant-not-in-force, and neither delivers CC more
#      than 1.5 s (capture time) after the revocation
#   3. an instance killed with SIGKILL shows STALE after 3 report intervals
# Needs the private PostgreSQL cluster: run through scripts/pg-test.sh. Prints "N passed, N failed".
set -u
. "$(dirname "$0")/lib.sh"
gen=$BUILD/limf-gen
need_cluster
sfx=$$
lpid='' kpid='' pa='' pb='' pc=''
cleanup() {
	for p in $pa $pb $pc; do kill -KILL "$p" 2>/dev/null; done
	[ -n "$lpid" ] && kill "$lpid" 2>/dev/null
	[ -n "$kpid" ] && kill "$kpid" 2>/dev/null
	[ -n "${KEEP:-}" ] && cp -a "$tmp" "$KEEP"
	rm -rf "$tmp"
}
trap cleanup EXIT
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
wait_for() { # FILE REGEX [TENTHS]
	for _ in $(seq "${3:-100}"); do grep -q -- "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}
NOW=$(date +%s)
FROM=$(iso $((NOW - 3600))) TO=$(iso $((NOW + 86400)))
export LIMF_HEALTH_INTERVAL_MS=1000 # stale after 3 s

openssl genpkey -algorithm ed25519 -out "$tmp/sign.pem" 2>/dev/null && ok || bad "ed25519 key"
kms_up "$tmp/k" rfc6509 kms.scale.test
kpid=$(cat "$tmp/k/pid")
lemf_up "$tmp/lemf.jsonl"
[ "$p2" != 0 ] && ok || bad "limf-lemf did not start"
conf() { # NAME: a config of its own (spool), the same database and LEMF
	{
		conf_db_kms "$tmp/k"
		cat <<EOF
[evidence]
sign_key = $tmp/sign.pem
[handover]
operator_id = OP-SCALE
network_element_id = limf-$1
country = GB
spool_dir = $tmp/spool-$1
[authority lemf1]
hi2 = 127.0.0.1:$p2
hi3 = 127.0.0.1:$p3
insecure_plaintext = yes ; the test LEMF listens on plain TCP
EOF
	} >"$tmp/$1.conf"
}
conf a
conf b
conf c
warrant() { # LIID TARGET
	"$limf" warrant add --liid "$1" --authority Court --ref "R-$1" --country GB --from "$FROM" \
		--to "$TO" --scope iri+cc --delivery lemf1 --target "$2" >/dev/null
}
run() { # NAME ARGS...: limf capture --instance scale-NAME in the background; its pid in rpid
	local name=$1
	shift
	"$limf" capture --config "$tmp/$name.conf" --instance "scale-$name-$sfx" "$@" \
		>"$tmp/$name.out" 2>"$tmp/$name.err" </dev/null &
	rpid=$!
}
reap() { # NAME PID
	wait "$2"
	local got=$?
	if [ "$got" -eq 0 ]; then ok; else bad "$1: exit $got"; tail -20 "$tmp/$1.err" >&2; fi
}
cins() { # BUNDLE_DIR LIID: the CINs of a bundle, comma-separated
	python3 -c 'import json,sys; print(",".join(sorted({str(json.loads(l)["cin"]) for l in open(sys.argv[1])})))' "$1/$2/iri.jsonl" 2>/dev/null
}

# ---- 1. the same calls through two instances: disjoint CINs, no sequence collision
A="sip:ann$sfx@example.org" B="sip:ben$sfx@example.org" L="K$sfx"
warrant "$L" "$A" && ok || bad "warrant add"
expect 0 gen1 "$gen" --community "$tmp/k/community.json" --out "$tmp/c1.pcap" --calls 3 \
	--background 2 --duration 3 --caller "$A" --callee "$B" --start "$(iso "$NOW")" --seed 61
run a --pcap "$tmp/c1.pcap" --record "$tmp/ev-a"
pa=$rpid
run b --pcap "$tmp/c1.pcap" --record "$tmp/ev-b"
pb=$rpid
wait_for "$tmp/a.err" "first frame" && wait_for "$tmp/b.err" "first frame" && ok ||
	bad "the instances did not start"
sleep 1
expect 0 all-running "$limf" status --all --json
pyjson all-running "sorted(i['state'] for i in j if i['name'] in ('scale-a-$sfx','scale-b-$sfx'))==['running','running']"
pyjson all-running "all(not i['stale'] and i['interval_ms']==1000 and i['status']['sources'][0]['kind']=='file' for i in j if i['name'].endswith('-$sfx'))"
expect 0 all-text "$limf" status --all
has all-text "^scale-a-$sfx  *running "
has all-text "^scale-b-$sfx  *running "
reap a "$pa"
reap b "$pb"
pa='' pb=''
grep -q "limf capture: .* intercepted 3 " "$tmp/a.err" && ok || bad "a: summary"
grep -q "limf capture: .* intercepted 3 " "$tmp/b.err" && ok || bad "b: summary"
grep -q "pending 0 links" "$tmp/a.err" && grep -q "pending 0 links" "$tmp/b.err" && ok ||
	bad "not all confirmed"
ca=$(cins "$tmp/ev-a" "$L") cb=$(cins "$tmp/ev-b" "$L")
echo "instance a CINs: $ca; instance b CINs: $cb" >&2
cat >"$tmp/disjoint.py" <<'PY'
import json, sys
lemf, liid, ca, cb = sys.argv[1:5]
a = {int(c) for c in ca.split(",") if c}
b = {int(c) for c in cb.split(",") if c}
assert len(a) == 3 and len(b) == 3, (a, b)     # one CIN per call
assert not (a & b), "CIN collision: %s" % sorted(a & b)
pdus = [json.loads(l) for l in open(lemf)]
pdus = [p for p in pdus if p.get("liid") == liid and "seq" in p]
got = {p["cin"] for p in pdus}
assert got == a | b, (sorted(got), sorted(a | b))
# each (CIN, stream) numbers its PDUs 0, 1, 2, ... once: no sequence collision
by = {}
for p in pdus:
    by.setdefault((p["cin"], p["stream"]), []).append(p["seq"])
for k, seqs in by.items():
    assert sorted(seqs) == list(range(len(seqs))), (k, sorted(seqs)[:10])
print("%d PDUs, %d CINs, disjoint; %d (CIN, stream) sequences without collision"
      % (len(pdus), len(got), len(by)))
PY
expect 0 disjoint python3 "$tmp/disjoint.py" "$tmp/lemf.jsonl" "$L" "$ca" "$cb"
has disjoint "disjoint;"
cat "$tmp/out" >&2
expect 0 verify-a "$limf" verify "$tmp/ev-a"
expect 0 verify-b "$limf" verify "$tmp/ev-b"
expect 0 all-stopped "$limf" status --all --json
pyjson all-stopped "sorted((i['state'],i['stale']) for i in j if i['name'] in ('scale-a-$sfx','scale-b-$sfx'))==[('stopped',False),('stopped',False)]"
pyjson all-stopped "[i['calls_intercepted'] for i in j if i['name']=='scale-a-$sfx']==[3]"
pyjson all-stopped "[i['status']['pipeline']['calls_intercepted'] for i in j if i['name']=='scale-b-$sfx']==[3]"
pyjson all-stopped "all(i['links']==2 and i['spool_pending']==0 for i in j if i['name'].endswith('-$sfx'))"
expect 0 all-text2 "$limf" status --all
has all-text2 "^scale-a-$sfx  *stopped "
hasnt all-text2 "^scale-[ab]-$sfx  *STALE"
# the service role cannot read the instances (least privilege)
expect 1 all-service "$limf" status --all --db "$LIMF_DB_SERVICE"
has all-service "permission denied"

# ---- 2. a revocation reaches both instances within the bound
A2="sip:rev$sfx@example.org" L2="Q$sfx"
warrant "$L2" "$A2" && ok || bad "warrant add 2"
expect 0 gen2 "$gen" --community "$tmp/k/community.json" --out "$tmp/c2.pcap" --calls 1 \
	--duration 8 --caller "$A2" --callee "$B" --start "$(iso "$NOW")" --seed 62
run a --pcap "$tmp/c2.pcap" --record "$tmp/ev2-a"
pa=$rpid
run b --pcap "$tmp/c2.pcap" --record "$tmp/ev2-b"
pb=$rpid
wait_for "$tmp/a.err" "first frame" && wait_for "$tmp/b.err" "first frame" && ok ||
	bad "the instances did not start (2)"
sleep 3
t_rev=$(date +%s.%N)
"$limf" warrant revoke "$L2" --reason "scale test" >/dev/null && ok || bad "warrant revoke"
reap a "$pa"
reap b "$pb"
pa='' pb=''
for i in a b; do
	grep -q "no longer under a warrant in force" "$tmp/$i.err" && ok || bad "$i: no recheck drop"
	grep -Eq "warrant notifications [1-9]" "$tmp/$i.err" && ok || bad "$i: no notification"
done
cat >"$tmp/revoked.py" <<'PY'
import json, re, sys
lemf, ev, liid, errf, t_rev = sys.argv[1:6]
m = re.search(r"first frame (\d+)\.(\d+) played at wall (\d+)\.(\d+)", open(errf).read())
ts0 = int(m.group(1)) + int(m.group(2)) / 1e9
w0 = int(m.group(3)) + int(m.group(4)) / 1e9
rev_cap = ts0 + (float(t_rev) - w0)  # the revocation on this instance's capture clock
recs = [json.loads(l) for l in open(ev + "/" + liid + "/iri.jsonl")]
ends = [r for r in recs if r["kind"] == "call-end" and r["reason"] == "warrant-not-in-force"]
assert len(ends) == 1 and ends[0]["type"] == "report", [r for r in recs if r["kind"] == "call-end"]
cins = {r["cin"] for r in recs}
cc = [l for l in map(json.loads, open(lemf)) if l.get("kind") == "cc" and l.get("cin") in cins]
assert len(cc) > 50, len(cc)
last = max(float(l["ts"]) for l in cc)
assert last <= rev_cap + 1.5, "CC %.3f s after the revocation" % (last - rev_cap)
assert last >= rev_cap - 1.5, "CC stopped %.3f s before the revocation" % (rev_cap - last)
print("%d CC PDUs, the last %.3f s after the revocation (capture time)" % (len(cc), last - rev_cap))
PY
for i in a b; do
	expect 0 "revoked-$i" python3 "$tmp/revoked.py" "$tmp/lemf.jsonl" "$tmp/ev2-$i" "$L2" "$tmp/$i.err" "$t_rev"
	has "revoked-$i" "CC PDUs, the last"
	sed "s/^/instance $i: /" "$tmp/out" >&2
done
c2a=$(cins "$tmp/ev2-a" "$L2") c2b=$(cins "$tmp/ev2-b" "$L2")
[ -n "$c2a" ] && [ -n "$c2b" ] && [ "$c2a" != "$c2b" ] && ok || bad "run 2 CINs: a $c2a, b $c2b"

# ---- 3. a killed instance goes stale
run c --pcap "$tmp/c2.pcap"
pc=$rpid
wait_for "$tmp/c.err" "first frame" && ok || bad "c did not start"
sleep 0.5
expect 0 c-running "$limf" status --all --json
pyjson c-running "[(i['state'],i['stale']) for i in j if i['name']=='scale-c-$sfx']==[('running',False)]"
kill -KILL "$pc"
wait "$pc" 2>/dev/null
pc=''
sleep 3.5
expect 0 c-stale "$limf" status --all --json
pyjson c-stale "[(i['state'],i['stale']) for i in j if i['name']=='scale-c-$sfx']==[('running',True)]"
pyjson c-stale "[i['seen_ago_ms']>3000 for i in j if i['name']=='scale-c-$sfx']==[True]"
expect 0 c-stale-text "$limf" status --all
has c-stale-text "^scale-c-$sfx  *STALE "
has c-stale-text "instance(s) STALE"

# ---- usage
expect 2 all-socket "$limf" status --all --socket "$tmp/x.sock"
expect 1 bad-instance "$limf" capture --config "$tmp/a.conf" --instance "bad name" --pcap "$tmp/c1.pcap"
has bad-instance "instance name"

finish
