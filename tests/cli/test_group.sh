#!/bin/bash
# Group calls end to end (issue 9): limf-gen's group profile (a GMS distributing a GMK to every
# member in NOTIFYs, a pre-arranged group call through an MCPTT server, talkers taking turns,
# their media relayed to every member) replayed through the warrant gate and the test KMS.
#   1. a warrant on one member: its GMK distribution is intercepted (one KMS request, for that
#      member), the GMK recovered (signature valid), every leg of the group's call intercepted,
#      every talker's media decrypted byte-exact (once, the relayed copies are replays) and
#      attributed to the right talker in IRI, every floor-control message an IRI record;
#      audited; the bundle verifies
#  1c. a second member's warrant on her own leg alone: every talker's relayed packets from her
#      leg, each once, beside the first warrant's (each leg decrypts its own copies)
#   2. a talker outside the members known from signalling: reported by GUK-ID only
#   3. GMK rollover mid-call: both GMKs recovered, every packet decrypted under its own
#   4. a warrant on the group ID itself: the same, without any member under warrant; 4b. one
#      that comes into force during the calls joins them (content from then, audited once,
#      after its BEGIN "in progress" on each leg)
#   5. a target that is not a member / a warrant not in force at the time: nothing requested,
#      nothing decrypted, nothing written
#   6. `limf capture` (the live service, the same pipeline) on a group capture: the same
#      evidence
#   7. the member's warrant revoked during a live group call: CC stops, the GMK is wiped
#   8. a live group call whose first GMK use cannot be audited for 2 s: no media handed over
#      until it can, then from the retry on (not lost for the whole call); said once a leg
#   9. a GMK distribution whose GMK cannot be audited the first time: handled again a second
#      later (capture clock), the GMK recovered then, the group's media decrypted from then
#  10. one distribution of two groups' GMKs during the second group's call: every leg of the
#      call intercepted from then, also when a pool handles the two groups on two workers
#  11. a second group's GMK under the GMK-ID of one in use: refused (gmk-conflict), the GMK in
#      use stays and its group's media is decrypted whole
#  12. 18 GMKs in one call: the first 16 used (each audited once a leg), the rest not, said once
#      a leg
# Needs the private PostgreSQL cluster (scripts/pg-test.sh). Prints "N passed, N failed".
set -u
. "$(dirname "$0")/lib.sh"
gen=$BUILD/limf-gen
here=$(dirname "$0")
need_cluster
sfx=$$
openssl genpkey -algorithm ed25519 -out "$tmp/sign.pem" 2>/dev/null && ok || bad "ed25519 key"
kms_up "$tmp/k" 3gpp-uid kms.example.org
kopts() { echo --kms "https://127.0.0.1:$(cat "$tmp/k/port")" --ca "$tmp/k/ca.pem" \
	--cert "$tmp/k/client.pem" --key "$tmp/k/client.key"; }
nreq() { grep -c 'path=/keymanagement/identity/v1/keyprov' "$tmp/k/log"; }
made=()
warrant() { # LIID TARGET DAY [FROM TO]: in force on 2026-01-DAY unless FROM/TO are given
	made+=("$1")
	"$limf" warrant add --liid "$1" --authority "Court $1" --ref "REF-$1" --country GB \
		--from "${4:-2026-01-${3}T00:00:00Z}" --to "${5:-2026-01-${3}T23:59:59Z}" \
		--scope iri+cc --delivery "lemf:$1" --target "$2" >/dev/null || bad "warrant add $1"
}
replay() { # NAME PCAP [ARGS...]
	local name=$1 pcap=$2
	shift 2
	# shellcheck disable=SC2046
	expect 0 "replay-$name" env LIMF_DB="$LIMF_DB_SERVICE" "$limf" replay --sign-key "$tmp/sign.pem" \
		$(kopts) --json --out "$tmp/ev-$name" "$@" "$pcap"
	cp "$tmp/out" "$tmp/sum-$name.json"
}
sumcheck() { cp "$tmp/sum-$1.json" "$tmp/out"; pyjson "summary-$1" "$2"; }
gcheck() { # NAME LIID TRUTH [--gmks N]
	expect 0 "group-check-$1" python3 "$here/group_check.py" "$tmp/ev-$1" "$2" "$3" "${@:4}"
}
truth() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }
unique_pkts() { truth "$1" 'sum(t["packets"] - len(t["lost"]) for t in j["group"]["turns"])'; }
# the captures share member names: each case has a day of its own (warrants for that day only)
# and a seed of its own (group ID)
G() { # NAME DAY SEED [OPTIONS...]: generates $tmp/NAME.pcap, starting 2026-01-DAY 10:00
	local n=$1 day=$2 seed=$3
	shift 3
	expect 0 "gen-$n" "$gen" --community "$tmp/k/community.json" --out "$tmp/$n.pcap" \
		--profile group --start "2026-01-${day}T10:00:00Z" --seed "$seed" "$@"
}

# ---- 1. a warrant on one member
G d 05 51 --dump-keys "$tmp/keys-d"
BOB=$(truth "$tmp/d.pcap.json" 'j["group"]["members"][1]["uri"]')
GRP=$(truth "$tmp/d.pcap.json" 'j["group"]["id"]')
L1=GM$sfx
warrant "$L1" "$BOB" 05
n0=$(nreq)
replay d "$tmp/d.pcap"
sumcheck d "j['summary']['calls']==3 and j['summary']['calls_intercepted']==3"
sumcheck d "j['summary']['gmk_distributions']==3 and j['summary']['gmk_distributions_intercepted']==1"
sumcheck d "j['summary']['gmks_recovered']==1 and j['summary']['group_calls_intercepted']==3"
sumcheck d "j['summary']['decrypted']==$(unique_pkts "$tmp/d.pcap.json") and j['summary']['auth_failed']==0"
# each packet is relayed to every other member: each leg decrypts its copy, and the LIID, which
# had it from the first, does not get the others (counted as replayed, and as copies)
sumcheck d "j['summary']['replayed']==j['summary']['decrypted']*($(truth "$tmp/d.pcap.json" 'len(j["group"]["members"])')-1)"
sumcheck d "j['summary']['group_media_copies']==j['summary']['replayed'] and j['summary']['group_media_decrypted']==j['summary']['decrypted']"
gcheck d "$L1" "$tmp/d.pcap.json" --gmks 1 --floor
sumcheck d "j['summary']['floor_messages']==$(truth "$tmp/d.pcap.json" 'len(j["group"]["floor"])')"
[ $(($(nreq) - n0)) -eq 1 ] && ok || bad "KMS requests: $(($(nreq) - n0)), want 1 (the member's keys)"
if tail -n +$((n0 + 1)) "$tmp/k/log" | grep keyprov | grep -v "user=$BOB " | grep -q .; then
	bad "KMS asked for someone other than the target member"
else ok; fi
expect 0 verify-d "$limf" verify "$tmp/ev-d"
# IRI: the NOTIFY to the member, then its key-management record (side gmk); no key material
cp "$tmp/ev-d/$L1/iri.jsonl" "$tmp/out"
expect 0 iri-d python3 -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
first = [r for r in recs if r["cin"] == recs[0]["cin"]]
assert [r["kind"] for r in first] == ["sip", "key-management"], first
assert first[0]["type"] == "begin" and first[0]["sip"].startswith("NOTIFY " ), first[0]
assert first[1]["type"] == "end" and first[1]["key_management"]["side"] == "gmk"
assert first[1]["key_management"]["key_user"] == sys.argv[2]
assert "call_id" not in first[0]
calls = {r["call_id"] for r in recs if "call_id" in r}
assert len(calls) == 3, calls' "$tmp/ev-d/$L1/iri.jsonl" "$BOB"
# no key material in the bundle: no JSON member named after a key (a bare "rsk" is no
# evidence: random media octets and base64 I_MESSAGEs spell it now and then), and no file holds
# a GMK or a member's RSK as octets or hex (the generator's --dump-keys values)
if grep -rqiE '"(gmk|rsk|ssv|ssk|pvt)"[[:space:]]*:' "$tmp/ev-d"; then
	bad "key material in the bundle"
else ok; fi
expect 0 no-keys-d python3 -c '
import glob, os, sys
bundle, keys = sys.argv[1:3]
secrets = [bytes.fromhex(open(f).read().strip())
           for f in glob.glob(os.path.join(keys, "*.hex")) if "rsk" in f or "gmk" in f]
assert len(secrets) >= 3, len(secrets)
forms = [x for k in secrets for x in (k, k.hex().encode(), k.hex().upper().encode())]
for root, _, files in os.walk(bundle):
    for name in files:
        data = open(os.path.join(root, name), "rb").read()
        assert not any(f in data for f in forms), name
print("no key in", bundle)' "$tmp/ev-d" "$tmp/keys-d"
expect 0 audit-d "$limf" audit list --liid "$L1" --json
pyjson audit-d "len([r for r in j if r['action']=='decrypt.keys' and 'gmk-id=' in r['detail'] and 'member=$BOB' in r['detail']])==1"
pyjson audit-d "len([r for r in j if r['action']=='decrypt.keys' and '(group media)' in r['detail']])==3"
pyjson audit-d "len([r for r in j if r['action']=='decrypt.done'])==3"
# the bundle's hi2.pdu holds every IRI record of iri.jsonl as a PS-PDU, in the same order and
# with the same IRI types: talkers and floor control too (limf's group IRI: event, group,
# talker, GMK-ID, GUK-ID, SSRC, authenticated), so a call whose first record for the LIID is a
# group one has its BEGIN on HI2 as well
expect 0 hi2-decode-d "$BUILD/limf-lemf" --decode "$tmp/ev-d/$L1/hi2.pdu" --out "$tmp/hi2-d.jsonl"
expect 0 hi2-d python3 -c '
import json, sys
pdus = [json.loads(l) for l in open(sys.argv[1])]
recs = [json.loads(l) for l in open(sys.argv[2])]
kinds = {"sip": "iri", "key-management": "iri_keymgmt", "call-end": "iri_callend",
         "group": "iri_group"}
assert len(pdus) == len(recs), (len(pdus), len(recs))
ng = 0
for p, r in zip(pdus, recs):
    assert p["kind"] == kinds[r["kind"]] and p["iri_type"] == r["type"], (p, r)
    assert p["cin"] == r["cin"], (p, r)
    if r["kind"] == "group":
        g = r["group"]
        assert (p["event"], p["group"], p["talker"], p["ssrc"], p["authenticated"],
                p["detail"]) == (g["event"], g["group"], g["talker"], g["ssrc"],
                                 g["authenticated"], g["detail"]), (p, g)
        assert "%08x" % p["gmk_id"] == g["gmk_id"] and "%08x" % p["guk_id"] == g["guk_id"]
        ng += 1
for cin in set(p["cin"] for p in pdus):
    s = [p for p in pdus if p["cin"] == cin]
    assert [p["seq"] for p in s] == list(range(len(s))), cin
    assert s[0]["iri_type"] == "begin" and s[-1]["iri_type"] == "end", cin
talk = [p for p in pdus if p["kind"] == "iri_group" and p["event"] == "talker"]
assert talk and all(p["authenticated"] and p["gmk_id"] for p in talk), talk[:2]
assert [p for p in pdus if p["kind"] == "iri_group" and p["event"].startswith("floor-")]
print(ng, "group records of", len(pdus), "IRI PDUs match iri.jsonl")' "$tmp/hi2-d.jsonl" "$tmp/ev-d/$L1/iri.jsonl"

# ---- 1b. the same capture handed over to an authority (--deliver, one warrant on the member
# with an [authority]): the LEMF gets exactly the bundle's hi2.pdu records, GMK distribution
# and group records included; and once the replay is over the spools keep no sequence
# counter of it (the GMK distributions' CINs end too: each kept one for the rest of the run,
# and a long capture filled the tables, then lost its recording and its handover)
LD=GD$sfx
"$limf" warrant add --liid "$LD" --authority "Court $LD" --ref "REF-$LD" --country GB \
	--from 2026-01-05T00:00:00Z --to 2026-01-05T23:59:59Z --scope iri+cc --delivery lemf1 \
	--target "$BOB" >/dev/null && ok || bad "warrant add $LD"
made+=("$LD")
lpid=''
lemf_up "$tmp/ld.jsonl" 127.0.0.1:0 127.0.0.1:0 --tls-cert "$tmp/k/server.pem" \
	--tls-key "$tmp/k/server.key" --tls-ca "$tmp/k/ca.pem"
[ "$p2" != 0 ] && ok || bad "limf-lemf did not start"
{
	conf_db_kms "$tmp/k"
	cat <<EOF
[evidence]
sign_key = $tmp/sign.pem
[handover]
operator_id = OP-G
country = GB
spool_dir = $tmp/spool
[authority lemf1]
hi2 = 127.0.0.1:$p2
hi3 = 127.0.0.1:$p3
ca   = $tmp/k/ca.pem
cert = $tmp/k/client.pem
key  = $tmp/k/client.key
EOF
} >"$tmp/limf-d.conf"
expect 0 replay-dd "$limf" replay --config "$tmp/limf-d.conf" --deliver --liid "$LD" --json \
	--out "$tmp/ev-dd" "$tmp/d.pcap"
pyjson replay-dd "j['handover']['all_confirmed'] and j['handover']['refused']==0"
kill -TERM "$lpid" 2>/dev/null
wait "$lpid" && ok || bad "limf-lemf exit status"
for k in hi2 hi3; do
	[ "$(grep -c . "$tmp/spool/lemf1/$k/seq")" -eq 1 ] && ok ||
		bad "replay-dd: $k seq file keeps counters: $(head -3 "$tmp/spool/lemf1/$k/seq")"
done
expect 0 hi2-decode-dd "$BUILD/limf-lemf" --decode "$tmp/ev-dd/$LD/hi2.pdu" --out "$tmp/hi2-dd.jsonl"
expect 0 lemf-dd python3 -c '
import json, sys
net = [json.loads(l) for l in open(sys.argv[1])]
assert not [l for l in net if "error" in l], [l for l in net if "error" in l][:3]
net = [l for l in net if l.get("stream") == "hi2" and l.get("kind", "").startswith("iri")]
pdu = [json.loads(l) for l in open(sys.argv[2])]
strip = lambda l: {k: v for k, v in l.items() if k not in ("version", "ts")}
assert [strip(l) for l in net] == [strip(l) for l in pdu], (len(net), len(pdu))
assert any(l["kind"] == "iri_group" for l in net) and any(
    l["kind"] == "iri_keymgmt" and l["side"] == "gmk" for l in net)
print(len(net), "IRI PDUs on the network as in hi2.pdu")' "$tmp/ld.jsonl" "$tmp/hi2-dd.jsonl"

# ---- 1c. legs under different warrants: one on bob covers every leg (his GMK distribution);
# one on carol comes into force after her distribution (10:00:01), so only her own leg is
# hers. The server relays each packet to every leg: carol's LIID gets every talker's packets
# from her leg from then on, each once (before, each leg's copies after the first were
# refused as replays, and her LIID got her own talk alone: the others' came first on alice's
# leg, for bob's LIID); bob's LIID still gets each packet once. With one worker and with three
# (the legs on different workers)
G lg 24 81
LB=LB$sfx LC=LC$sfx
warrant "$LB" "$(truth "$tmp/lg.pcap.json" 'j["group"]["members"][1]["uri"]')" 24
warrant "$LC" "$(truth "$tmp/lg.pcap.json" 'j["group"]["members"][2]["uri"]')" 24 \
	2026-01-24T10:00:01Z 2026-01-24T23:59:59Z
for w in 1 3; do
	replay "lg$w" "$tmp/lg.pcap" --workers "$w"
	gcheck "lg$w" "$LB" "$tmp/lg.pcap.json" --gmks 1
	sumcheck "lg$w" "j['summary']['decrypted']+j['summary']['auth_failed']+j['summary']['replayed']==j['summary']['media_packets_intercepted']"
	expect 0 "legs-lg$w" env PYTHONPATH="$(readlink -f "$here")" python3 -c '
import json, struct, sys
from datetime import datetime, timezone
from replay_check import read_pcap
ev, lb, lc, truth = sys.argv[1:5]
t0 = datetime(2026, 1, 24, 10, 0, 1, tzinfo=timezone.utc).timestamp()
def cc(liid):
    raw = open("%s/%s/cc.pcap" % (ev, liid), "rb").read(4)
    div = 1e9 if struct.unpack("<I", raw)[0] == 0xA1B23C4D else 1e6
    out = {}
    for r in read_pcap("%s/%s/cc.pcap" % (ev, liid)):
        key = struct.unpack_from(">IH", r[6], 8)[0], struct.unpack_from(">H", r[6], 2)[0]
        assert key not in out, ("handed over twice", liid, key)
        out[key] = (r[0] + r[1] / div, r[6])
    return out
b, c = cc(lb), cc(lc)
assert all(b[k][1] == c[k][1] for k in c if k in b), "carol differs from bob"
assert set(c) <= set(b), "carol has packets bob has not"
want = {k for k in b if b[k][0] >= t0 + 0.1}
assert want <= set(c), ("carol misses %d of %d" % (len(want - set(c)), len(want)))
assert min(v[0] for v in c.values()) >= t0, "carol has content from before her warrant"
talkers = {int(t["ssrc"], 16) for t in json.load(open(truth))["group"]["talkers"]}
assert {k[0] for k in c} == talkers, "carol does not hear every talker"
recs = [json.loads(l) for l in open("%s/%s/iri.jsonl" % (ev, lc))]
assert len({r["cin"] for r in recs}) == 1, "carol on more than her leg"
print("carol: %d packets of %d talkers on her leg, bob: %d" % (len(c), len(talkers), len(b)))' \
		"$tmp/ev-lg$w" "$LB" "$LC" "$tmp/lg.pcap.json"
done

# ---- 2. a stranger talks (a GUK-ID no known member has), 3. GMK rollover
G s 06 52 --stranger
warrant "S$sfx" "$(truth "$tmp/s.pcap.json" 'j["group"]["members"][0]["uri"]')" 06
replay s "$tmp/s.pcap"
gcheck s "S$sfx" "$tmp/s.pcap.json" --gmks 1
sumcheck s "j['summary']['decrypted']==$(unique_pkts "$tmp/s.pcap.json")"
cp "$tmp/ev-s/S$sfx/iri.jsonl" "$tmp/out"
expect 0 iri-s python3 -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
unk = [r["group"] for r in recs if r["kind"] == "group" and r["group"]["event"] == "talker" and r["group"]["talker"] == ""]
assert len(unk) == 1 and "GUK-ID" in unk[0]["detail"], unk' "$tmp/ev-s/S$sfx/iri.jsonl"
G r 07 53 --gmk-rollover --talkers 2 --turn 1
warrant "R$sfx" "$(truth "$tmp/r.pcap.json" 'j["group"]["members"][2]["uri"]')" 07
replay r "$tmp/r.pcap"
gcheck r "R$sfx" "$tmp/r.pcap.json" --gmks 2
sumcheck r "j['summary']['decrypted']==$(unique_pkts "$tmp/r.pcap.json") and j['summary']['auth_failed']==0"

# ---- 3b. more talkers than a call has stream slots (16): a talker whose turn is over gives its
# slot up, its stream still listed; every talker decrypted on every leg (before, the 17th
# talker's media on went undecrypted for the rest of the call)
G many 22 77 --members 18 --talkers 18 --turn 1
warrant "TK$sfx" "$(truth "$tmp/many.pcap.json" 'j["group"]["id"]')" 22
replay many "$tmp/many.pcap"
sumcheck many "j['summary']['decrypted']==$(unique_pkts "$tmp/many.pcap.json") and j['summary']['auth_failed']==0"
expect 0 many-streams python3 -c '
import json, sys
calls = json.load(open(sys.argv[1] + "/manifest.json"))["calls"]
talker = [c for c in calls if len(c["streams"]) > 16]
assert talker and all(c.get("streams_not_listed", 0) == 0 for c in calls), [len(c["streams"]) for c in calls]
print("ok")' "$tmp/ev-many"
# ...and more slot changes than a call lists streams (240 after the 16 slots): 17 talkers in
# turns of 0.4 s for 110 s on 16 slots, 275 turns on every leg (the member's warrant covers the
# group). The streams past the list are counted, and their counters summed in "not_listed", so
# that the calls' streams account for every packet handed over (before, those past the list
# were missing from the sums)
G ol 25 83 --members 18 --talkers 17 --turn 0.4 --duration 110
warrant "OL$sfx" "$(truth "$tmp/ol.pcap.json" 'j["group"]["members"][17]["uri"]')" 25
replay ol "$tmp/ol.pcap"
sumcheck ol "j['summary']['decrypted']==$(unique_pkts "$tmp/ol.pcap.json") and j['summary']['auth_failed']==0"
expect 0 ol-streams python3 -c '
import json, sys
m = json.load(open(sys.argv[1] + "/manifest.json"))
calls = m["calls"]
assert calls and all(len(c["streams"]) == 256 and c["streams_not_listed"] > 0 for c in calls)
listed = sum(s["decrypted"] for c in calls for s in c["streams"])
dec = listed + sum(c["not_listed"]["decrypted"] for c in calls)
assert dec == int(sys.argv[2]) and listed < dec, (dec, listed, sys.argv[2])
print("ok")' "$tmp/ev-ol" "$(unique_pkts "$tmp/ol.pcap.json")"
# and so do the calls' decrypt.done audit rows
expect 0 audit-ol "$limf" audit list --liid "OL$sfx" --json
pyjson audit-ol "sum(int(r['detail'].split(' decrypted=')[1].split()[0]) for r in j if r['action']=='decrypt.done')==$(unique_pkts "$tmp/ol.pcap.json")"

# ---- 3c. a warrant of scope iri on a member: no keys, no content, but the floor control of
# the member's group calls (clear RTCP APP) is IRI: its floor records (before, only a call with
# content had them)
G fl 23 79
LF=FL$sfx
made+=("$LF")
"$limf" warrant add --liid "$LF" --authority "Court $LF" --ref "REF-$LF" --country GB \
	--from 2026-01-23T00:00:00Z --to 2026-01-23T23:59:59Z --scope iri --delivery "lemf:$LF" \
	--target "$(truth "$tmp/fl.pcap.json" 'j["group"]["members"][1]["uri"]')" >/dev/null ||
	bad "warrant add $LF"
replay fl "$tmp/fl.pcap"
sumcheck fl "j['summary']['decrypted']==0 and j['summary']['calls_intercepted']>=1"
expect 0 fl-floor python3 -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
fl = [r for r in recs if r["kind"] == "group" and r["group"]["event"].startswith("floor-")]
assert fl and all(r["group"]["authenticated"] is False for r in fl), len(fl)
print(len(fl), "floor records")' "$tmp/ev-fl/$LF/iri.jsonl"

# ---- 4. the group ID is the target
G t 08 54
warrant "T$sfx" "$(truth "$tmp/t.pcap.json" 'j["group"]["id"]')" 08
n1=$(nreq)
replay t "$tmp/t.pcap"
gcheck t "T$sfx" "$tmp/t.pcap.json" --gmks 1
sumcheck t "j['summary']['decrypted']==$(unique_pkts "$tmp/t.pcap.json")"
[ $(($(nreq) - n1)) -ge 1 ] && ok || bad "no KMS request for the targeted group"

# ---- 4b. a warrant on the group ID that comes into force 6 s into the calls of a member under
# warrant: it joins each leg from then (its content from then, the GMK in use audited under it
# once a leg); the member's warrant keeps all of it, its audit rows as without the other
G j 11 57
L4=GJ$sfx L5=GK$sfx
warrant "$L4" "$(truth "$tmp/j.pcap.json" 'j["group"]["members"][1]["uri"]')" 11
warrant "$L5" "$(truth "$tmp/j.pcap.json" 'j["group"]["id"]')" 11 2026-01-11T10:00:06Z \
	2026-01-11T23:59:59Z
replay j "$tmp/j.pcap"
sumcheck j "j['summary']['decrypted']==$(unique_pkts "$tmp/j.pcap.json") and j['summary']['liids_joined_in_progress']==3"
gcheck j "$L4" "$tmp/j.pcap.json" --gmks 1
expect 0 cc-join-j env PYTHONPATH="$(readlink -f "$here")" python3 -c '
import sys
from cc_times import cc_times
ts, start = cc_times(sys.argv[1]), float(sys.argv[2])
assert len(ts) > 50 and min(ts) >= start, (len(ts), min(ts) - start)
print("%d CC packets from %.3f s after the start" % (len(ts), min(ts) - start))' \
	"$tmp/ev-j/$L5/cc.pcap" "$(date -u -d 2026-01-11T10:00:06Z +%s)"
# the joiner's first record of each leg is its BEGIN "in progress", and none of its content
# comes before the first of them (a leg joined on a media packet: the talker record first)
expect 0 begin-j env PYTHONPATH="$(readlink -f "$here")" python3 -c '
import json, sys
from datetime import datetime, timezone
from cc_times import cc_times
r = [json.loads(l) for l in open(sys.argv[1] + "/iri.jsonl")]
legs = {}
for x in r:
    legs.setdefault(x["cin"], []).append(x)
first = [v[0] for v in legs.values()]
assert len(first) == 3 and all(b["type"] == "begin" and b.get("in_progress") for b in first), first
t = lambda x: datetime.strptime(x["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp()
b0, c0 = min(t(b) for b in first), min(cc_times(sys.argv[1] + "/cc.pcap"))
assert b0 <= c0 + 1e-6, ("content %.6f s before the first BEGIN" % (b0 - c0), [b["kind"] for b in first])
print("BEGINs (%s) before the content" % ", ".join(b["kind"] for b in first))' "$tmp/ev-j/$L5"
has begin-j "before the content"
for l in "$L4" "$L5"; do
	expect 0 "audit-j-$l" "$limf" audit list --liid "$l" --json
	pyjson "audit-j-$l" "len([r for r in j if r['action']=='decrypt.keys' and '(group media)' in r['detail']])==3"
done

# ---- 5. not a member; a warrant ended before the call: nothing at all
G n 09 55 --target-not-member
warrant "N$sfx" "$(truth "$tmp/n.pcap.json" 'j["group"]["target"]')" 09
n2=$(nreq)
replay n "$tmp/n.pcap"
sumcheck n "j['summary']['calls_intercepted']==0 and j['summary']['decrypted']==0 and j['liids']==[]"
sumcheck n "j['summary']['gmk_distributions']==3 and j['summary']['gmk_distributions_intercepted']==0"
[ "$(nreq)" -eq "$n2" ] && ok || bad "KMS request for a group the target is not in"
[ "$(find "$tmp/ev-n" -type f | wc -l)" -eq 3 ] && ok || bad "files written for a non-member"
G o 10 56
warrant "O$sfx" "$(truth "$tmp/o.pcap.json" 'j["group"]["members"][1]["uri"]')" 10 \
	2026-01-09T00:00:00Z 2026-01-10T09:00:00Z
n3=$(nreq)
replay o "$tmp/o.pcap"
sumcheck o "j['summary']['calls_intercepted']==0 and j['summary']['decrypted']==0"
[ "$(nreq)" -eq "$n3" ] && ok || bad "KMS request outside the warrant's window"
# 5b. GMK distributions whose I_MESSAGEs name no member (an empty IDRuidr): no member to fetch
# keys for: outcome "no-responder", no KMS request, no GMK, so the group is not known and only
# the member's own leg is intercepted, its media undecrypted. Before, limf crashed: the empty
# identifier has no octets, and its UID was compared with each member's
G e 18 64 --empty-idrr
warrant "E$sfx" "$(truth "$tmp/e.pcap.json" 'j["group"]["members"][1]["uri"]')" 18
n4=$(nreq)
replay e "$tmp/e.pcap"
sumcheck e "j['summary']['calls_intercepted']==1 and j['summary']['gmks_recovered']==0"
sumcheck e "j['summary']['decrypted']==0 and j['summary']['gmk_distributions_intercepted']==1"
[ "$(nreq)" -eq "$n4" ] && ok || bad "KMS request for a GMK that names no member"
cp "$tmp/ev-e/E$sfx/iri.jsonl" "$tmp/out"
has iri-e '"side":"gmk"[^}]*"outcome":"no-responder"'
# 5c. GMK distributions whose group document (the NOTIFY's body, not signed) names another
# group than the GMK's signed key parameters: the GMK is filed under the signed one, and the
# group's calls are intercepted and decrypted as in 1 (before, it was filed under the
# document's group, and none of the group's media was decrypted)
G f 19 65 --doc-group "sip:not-the-group@example.org"
warrant "F$sfx" "$(truth "$tmp/f.pcap.json" 'j["group"]["members"][1]["uri"]')" 19
replay f "$tmp/f.pcap"
has replay-f "the group document names sip:not-the-group@example.org"
sumcheck f "j['summary']['calls_intercepted']==3 and j['summary']['gmks_recovered']==1"
sumcheck f "j['summary']['gmk_group_mismatches']==1 and j['summary']['auth_failed']==0"
sumcheck f "j['summary']['decrypted']==$(unique_pkts "$tmp/f.pcap.json")"
gcheck f "F$sfx" "$tmp/f.pcap.json" --gmks 1
# 5d. the same, the warrant on the group the document names (not the GMK's): the gate lets the
# distributions through on the document, each member's keys are fetched (the group IDs the
# GMK names are sealed under it), but the GMK is not kept: its group is under no warrant and
# its member is no target (before, it was kept under the signed group)
G h 20 66 --doc-group "sip:grp-h$sfx@example.org"
warrant "H$sfx" "sip:grp-h$sfx@example.org" 20
replay h "$tmp/h.pcap"
has replay-h "not kept (no warrant is on the member or their group)"
sumcheck h "j['summary']['gmk_distributions_intercepted']==3 and j['summary']['gmks_recovered']==0"
sumcheck h "j['summary']['gmk_group_mismatches']==3 and j['summary']['decrypted']==0"
cp "$tmp/ev-h/H$sfx/iri.jsonl" "$tmp/out"
has iri-h '"side":"gmk"[^}]*"outcome":"no-group"'
# 5e. the same documents, the warrant on the GMK's own group (which the NOTIFY's mcptt-info
# names beside the document's other group): the GMK is kept, and the group's calls decrypted
G i 21 67 --doc-group "sip:grp-i$sfx@example.org"
warrant "I$sfx" "$(truth "$tmp/i.pcap.json" 'j["group"]["id"]')" 21
replay i "$tmp/i.pcap"
has replay-i "filed under theirs"
sumcheck i "j['summary']['gmks_recovered']==3 and j['summary']['gmk_group_mismatches']==3"
sumcheck i "j['summary']['decrypted']==$(unique_pkts "$tmp/i.pcap.json") and j['summary']['auth_failed']==0"

# ---- 6. limf capture runs the same pipeline: the group call of a pcap fed at --speed max,
# recorded as evidence (times of now: the service rechecks warrants against the clock)
NOW=$(date +%s)
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
expect 0 gen-c "$gen" --community "$tmp/k/community.json" --out "$tmp/c.pcap" --profile group \
	--start "$(iso "$NOW")" --seed 57
warrant "C$sfx" "$(truth "$tmp/c.pcap.json" 'j["group"]["members"][1]["uri"]')" xx \
	"$(iso $((NOW - 3600)))" "$(iso $((NOW + 86400)))"
{
	conf_db_kms "$tmp/k"
	cat <<EOF
[evidence]
sign_key = $tmp/sign.pem
[handover]
spool_dir = $tmp/spool
EOF
} >"$tmp/limf.conf"
expect 0 capture-c "$limf" capture --config "$tmp/limf.conf" --pcap "$tmp/c.pcap" --speed max \
	--record "$tmp/ev-c"
gcheck c "C$sfx" "$tmp/c.pcap.json" --gmks 1 --floor
expect 0 verify-c "$limf" verify "$tmp/ev-c"
"$limf" warrant revoke "C$sfx" --reason "test: done" >/dev/null && ok || bad "revoke C"

# ---- 7. the member's warrant revoked during the live group call: its CC stops, the group's
# GMK is wiped (nothing covers the group any more)
expect 0 gen-v "$gen" --community "$tmp/k/community.json" --out "$tmp/v.pcap" --profile group \
	--start "$(iso "$NOW")" --seed 58 --turn 1
warrant "V$sfx" "$(truth "$tmp/v.pcap.json" 'j["group"]["members"][2]["uri"]')" xx \
	"$(iso $((NOW - 3600)))" "$(iso $((NOW + 86400)))"
"$limf" capture --config "$tmp/limf.conf" --pcap "$tmp/v.pcap" --record "$tmp/ev-v" \
	>"$tmp/v.out" 2>"$tmp/v.err" </dev/null &
vpid=$!
sleep 4
"$limf" warrant revoke "V$sfx" --reason "test: revoked mid-call" >/dev/null && ok || bad "revoke V"
rv=$(date +%s.%N)
wait "$vpid" && ok || bad "capture-v: exit status"
grep -q "groups: gmk distributions 3 intercepted 1 gmks recovered 1 wiped 1 " "$tmp/v.err" && ok ||
	{ bad "GMK not wiped after the revocation"; grep "limf capture" "$tmp/v.err" >&2; }
# CC stopped with the warrant: fewer packets than the call had
ncc=$(python3 -c 'import sys; sys.path.insert(0, "tests/cli"); from replay_check import read_pcap; print(len(read_pcap(sys.argv[1])))' "$tmp/ev-v/V$sfx/cc.pcap")
[ "$ncc" -gt 0 ] && [ "$ncc" -lt "$(unique_pkts "$tmp/v.pcap.json")" ] && ok ||
	bad "CC after the revocation: $ncc packets of $(unique_pkts "$tmp/v.pcap.json")"

# ---- 8. the first use of the group's GMK cannot be audited for 2 s (a trigger refuses that
# row): no group media is handed over until it can, then from the retry on (1, 2, 4 ... s
# after the failure), not lost for the rest of the call
sqls() { psql -X -q -v ON_ERROR_STOP=1 "$LIMF_DB_SUPER dbname=limf" -c "$1" >/dev/null; }
trap 'sqls "DROP TRIGGER IF EXISTS aaa_test_refuse ON limf.audit" 2>/dev/null; rm -rf "$tmp"' EXIT
expect 0 gen-a "$gen" --community "$tmp/k/community.json" --out "$tmp/a.pcap" --profile group \
	--start "$(iso "$(date +%s)")" --seed 59 --turn 1 --duration 8
warrant "A$sfx" "$(truth "$tmp/a.pcap.json" 'j["group"]["members"][1]["uri"]')" xx \
	"$(iso $((NOW - 3600)))" "$(iso $((NOW + 86400)))"
sqls "CREATE OR REPLACE FUNCTION limf.test_refuse() RETURNS trigger LANGUAGE plpgsql AS
	\$\$ BEGIN IF NEW.detail LIKE '%(group media)%' THEN RAISE EXCEPTION 'test: refused'; END IF;
	RETURN NEW; END \$\$;
	CREATE TRIGGER aaa_test_refuse BEFORE INSERT ON limf.audit FOR EACH ROW
	EXECUTE FUNCTION limf.test_refuse()" && ok || bad "audit trigger"
"$limf" capture --config "$tmp/limf.conf" --pcap "$tmp/a.pcap" --record "$tmp/ev-a" \
	>"$tmp/a.out" 2>"$tmp/a.err" </dev/null &
apid=$!
for _ in $(seq 100); do grep -q "first frame" "$tmp/a.err" && break; sleep 0.1; done
sleep 2.5
sqls "DROP TRIGGER aaa_test_refuse ON limf.audit" && ok || bad "drop audit trigger"
t_ok=$(date +%s.%N)
wait "$apid" && ok || bad "capture-a: exit status"
# (said once per leg of the call: one per member)
n=$(grep -c "group media of .* not decrypted or handed over (the row is tried again" "$tmp/a.err")
[ "$n" -ge 1 ] && [ "$n" -le "$(truth "$tmp/a.pcap.json" 'len(j["group"]["members"])')" ] && ok ||
	{ bad "capture-a: the audit failure said $n times"; grep "audit" "$tmp/a.err" >&2; }
expect 0 group-retry env PYTHONPATH="$(readlink -f "$here")" python3 -c '
import sys
from cc_times import capture_clock, cc_times
d, ok_at, total = sys.argv[1], capture_clock(sys.argv[2], float(sys.argv[3])), int(sys.argv[4])
ts = cc_times(d + "/cc.pcap")
assert len(ts) > 50 and ok_at - 0.5 <= min(ts) <= ok_at + 4.5, (len(ts), ts and min(ts) - ok_at)
assert len(ts) < total, (len(ts), total)
print("%d CC packets of %d, the first %.3f s after the audit row could be written" % (len(ts), total, min(ts) - ok_at))' \
	"$tmp/ev-a/A$sfx" "$tmp/a.err" "$t_ok" "$(unique_pkts "$tmp/a.pcap.json")"
has group-retry "CC packets of"
sed 's/^/    /' "$tmp/out" >&2
# nothing decrypted while its GMK's use could not be audited: every packet decrypted is one
# handed over (the copies the other legs decrypt are counted apart, as media copies)
ndec=$(sed -n 's/^limf capture: groups: .* media decrypted \([0-9]*\)$/\1/p' "$tmp/a.err")
ncc=$(python3 -c 'import sys; sys.path.insert(0, "tests/cli"); from replay_check import read_pcap; print(len(read_pcap(sys.argv[1])))' "$tmp/ev-a/A$sfx/cc.pcap")
[ -n "$ndec" ] && [ "$ndec" -eq "$ncc" ] && ok ||
	bad "capture-a: $ndec group media packets decrypted, $ncc handed over"
"$limf" audit list --liid "A$sfx" | grep -q "(group media)" && ok || bad "A: no group media decrypt.keys row"

# ---- 9. the target's GMK distribution cannot be audited the first time under one of its two
# warrants (a trigger refuses that LIID's first "decrypt.keys" row of a GMK): it is handled
# again a second later on the capture clock, not lost until the group management server sends
# the GMK again: the GMK recovered then, the group's media decrypted from then on for both, each
# one's IRI the failed attempt and then the retry, each GMK row on each audit log once
drop9="DROP TRIGGER IF EXISTS aaa_test_refuse_gmk ON limf.audit;
	DROP FUNCTION IF EXISTS limf.test_refuse_gmk(); DROP SEQUENCE IF EXISTS limf.test_gmk_refused"
trap 'sqls "DROP TRIGGER IF EXISTS aaa_test_refuse ON limf.audit; $drop9" 2>/dev/null; rm -rf "$tmp"' EXIT
G q 12 60 --duration 6
QM=$(truth "$tmp/q.pcap.json" 'j["group"]["members"][1]["uri"]')
L9=GQ$sfx L9b=GR$sfx
warrant "$L9" "$QM" 12
warrant "$L9b" "$QM" 12
sqls "CREATE SEQUENCE limf.test_gmk_refused;
	CREATE FUNCTION limf.test_refuse_gmk() RETURNS trigger LANGUAGE plpgsql
	SECURITY DEFINER AS \$\$ BEGIN IF NEW.action = 'decrypt.keys' AND NEW.detail LIKE 'gmk-id=%'
	AND NEW.liid = '$L9b' THEN IF nextval('limf.test_gmk_refused') = 1 THEN
	RAISE EXCEPTION 'test: refused'; END IF; END IF;
	RETURN NEW; END \$\$;
	CREATE TRIGGER aaa_test_refuse_gmk BEFORE INSERT ON limf.audit FOR EACH ROW
	EXECUTE FUNCTION limf.test_refuse_gmk()" && ok || bad "GMK audit trigger"
# (an audit row was not written: the evidence is said to be incomplete, exit 3)
# shellcheck disable=SC2046
expect 3 replay-q env LIMF_DB="$LIMF_DB_SERVICE" "$limf" replay --sign-key "$tmp/sign.pem" \
	$(kopts) --json --out "$tmp/ev-q" "$tmp/q.pcap"
cp "$tmp/out" "$tmp/sum-q.json"
sqls "$drop9" && ok || bad "drop GMK audit trigger"
grep -q "GMK distribution from .* handled again after 1, 2, 4, 8, then every 16 s" "$tmp/err" && ok ||
	bad "replay-q: the retry not said"
sumcheck q "j['summary']['gmk_distributions_intercepted']==1 and j['summary']['gmks_recovered']==1 and j['summary']['audit_errors']==1 and j['summary']['gmk_distributions_given_up']==0"
# (the packets before it: no key to authenticate them with; every leg intercepted from then)
sumcheck q "0 < j['summary']['decrypted'] < $(unique_pkts "$tmp/q.pcap.json") and j['summary']['calls_intercepted']==3"
sumcheck q "j['summary']['decrypted']+j['summary']['auth_failed']+j['summary']['replayed']==j['summary']['media_packets_intercepted']"
for l in "$L9" "$L9b"; do
	expect 0 "retry-q-$l" env PYTHONPATH="$(readlink -f "$here")" python3 -c '
import datetime, json, sys
from cc_times import cc_times
def t(r):
    return datetime.datetime.strptime(r["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()
d = sys.argv[1]
recs = [json.loads(l) for l in open(d + "/iri.jsonl")]
gmk = [r for r in recs if r["kind"] == "key-management" and r["key_management"]["side"] == "gmk"]
assert [r["key_management"]["outcome"] for r in gmk] == ["audit-error", "gmk"], gmk
# each attempt its own CIN, BEGIN the NOTIFY (at its own time), END the key-management record
sips = [r for r in recs if r["cin"] in (gmk[0]["cin"], gmk[1]["cin"]) and r["kind"] == "sip"]
assert len(sips) == 2 and gmk[0]["cin"] != gmk[1]["cin"], sips
assert all(r["sip"].startswith("NOTIFY ") and r["type"] == "begin" for r in sips), sips
notify = t(sips[0])
assert t(sips[1]) == notify and abs(t(gmk[0]) - notify) < 0.001, (t(sips[1]), t(gmk[0]))
assert 1.0 <= t(gmk[1]) - notify < 1.5, t(gmk[1]) - notify
ts = cc_times(d + "/cc.pcap")
assert len(ts) > 100 and t(gmk[1]) <= min(ts) < t(gmk[1]) + 0.1, (len(ts), min(ts) - notify)
print("GMK recovered %.3f s after its NOTIFY, %d CC packets from %.3f s" % (t(gmk[1]) - notify, len(ts), min(ts) - notify))' "$tmp/ev-q/$l"
	has "retry-q-$l" "GMK recovered"
	sed 's/^/    /' "$tmp/out" >&2
	n=$("$limf" audit list --liid "$l" | grep " decrypt.keys " | grep "gmk-id=" |
		grep -vc "(group media)")
	[ "$n" -eq 1 ] && ok || bad "$l: $n GMK decrypt.keys rows, want 1"
done
expect 0 verify-q "$limf" verify "$tmp/ev-q"
# no KMS to ask (replay without --kms: IRI only): no retry, one key-management record; the
# bundle says it is incomplete (a warrant with content got none), exit 3
# shellcheck disable=SC2046
expect 3 replay-qn env LIMF_DB="$LIMF_DB_SERVICE" "$limf" replay --sign-key "$tmp/sign.pem" \
	--json --out "$tmp/ev-qn" "$tmp/q.pcap"
hasnt replay-qn "handled again"
cp "$tmp/out" "$tmp/sum-qn.json"
sumcheck qn "not j['complete']"
grep -q '"incomplete":"[^"]*key request(s) failed' "$tmp/ev-qn/manifest.json" && ok ||
	bad "replay-qn: the manifest does not say the key requests failed"
sumcheck qn "j['summary']['gmk_distributions_intercepted']==1 and j['summary']['gmks_recovered']==0 and j['summary']['gmk_distributions_given_up']==0"
n=$(grep -c '"side":"gmk"' "$tmp/ev-qn/$L9/iri.jsonl")
[ "$n" -eq 1 ] && ok || bad "replay-qn: $n GMK key-management records, want 1"

# ---- 10. one GMK distribution of two groups' GMKs (a NOTIFY with two group documents), 2 s
# into the second group's call, to a target who is a member of both: the pool routes the NOTIFY
# by its first group, the call's legs by theirs (capture/dispatch.h), so they may be handled by
# different workers. Every leg of the call is intercepted from the NOTIFY on (the target's own
# leg from its start), under one worker or several, with the same evidence either way.
G ja 13 61 --duration 6
G jb 13 62 --duration 6
expect 0 inject-j2 python3 "$here/pcap_inject.py" "$tmp/jb.pcap" "$tmp/j2.pcap" t+2 gmkjoin \
	"$tmp/ja.pcap"
L10=GT$sfx
warrant "$L10" "$(truth "$tmp/jb.pcap.json" 'j["group"]["members"][1]["uri"]')" 13
replay j2 "$tmp/j2.pcap"
replay j2w2 "$tmp/j2.pcap" --workers 2
for n in j2 j2w2; do
	sumcheck "$n" "j['summary']['calls']==3 and j['summary']['calls_intercepted']==3 and j['summary']['group_calls_intercepted']==3"
	sumcheck "$n" "j['summary']['gmk_distributions_intercepted']==2 and j['summary']['gmks_recovered']==2"
	# (the packets before the NOTIFY: no key to authenticate them with)
	sumcheck "$n" "0 < j['summary']['decrypted'] < $(unique_pkts "$tmp/jb.pcap.json")"
	sumcheck "$n" "j['summary']['decrypted']+j['summary']['auth_failed']+j['summary']['replayed']==j['summary']['media_packets_intercepted']"
done
expect 0 iri-j2 env PYTHONPATH="$(readlink -f "$here")" python3 -c '
import datetime, json, sys
from cc_times import cc_times
def t(x):
    return datetime.datetime.strptime(x["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()
r = [json.loads(l) for l in open(sys.argv[1] + "/iri.jsonl")]
gmk = [x for x in r if x["kind"] == "key-management" and x["key_management"]["side"] == "gmk"]
assert [x["key_management"]["outcome"] for x in gmk] == ["gmk", "gmk"], gmk
begins = sorted((x["time"], x.get("in_progress", False)) for x in r if x["type"] == "begin" and x.get("call_id"))
assert [b[1] for b in begins] == [False, True, True], begins
assert all(b[0] >= gmk[0]["time"] for b in begins[1:]), (begins, gmk[0]["time"])
ts = cc_times(sys.argv[1] + "/cc.pcap")
assert len(ts) > 100 and min(ts) >= t(gmk[0]), (len(ts), min(ts), gmk[0]["time"])
print("%d IRI records, two legs and %d CC packets from %s" % (len(r), len(ts), gmk[0]["time"]))' \
	"$tmp/ev-j2/$L10"
for f in iri.jsonl cc.pcap; do
	expect 0 "j2-workers-$f" cmp "$tmp/ev-j2/$L10/$f" "$tmp/ev-j2w2/$L10/$f"
done
expect 0 verify-j2 "$limf" verify "$tmp/ev-j2"

# ---- 11. a GMK-ID that names two GMKs: a second group's GMK distributed under the GMK-ID of
# the first's, which is in use (a GMS's ID collision, or any community member forging one: the
# ECCSI signature proves only that a member signed). The GMK in use stays (decrypt/group.h):
# the second distribution's record says gmk-conflict, the first group's media is decrypted
# whole, the second's not at all (its group has no GMK here), and nothing fails
G k1 16 61
K1=$(truth "$tmp/k1.pcap.json" 'j["group"]["gmks"][0]["gmk_id"]')
expect 0 gen-k2 "$gen" --community "$tmp/k/community.json" --out "$tmp/k2.pcap" --profile group \
	--start 2026-01-16T10:10:00Z --seed 62 --gmk-id "$K1"
K2=$(truth "$tmp/k2.pcap.json" 'j["group"]["gmks"][0]["gmk_id"]')
[ "$K2" = "$K1" ] && ok || bad "--gmk-id: $K2, want $K1"
pcap_merge "$tmp/k.pcap" "$tmp/k1.pcap" "$tmp/k2.pcap"
L11=GX$sfx
warrant "$L11" "$(truth "$tmp/k1.pcap.json" 'j["group"]["members"][1]["uri"]')" 16
replay k "$tmp/k.pcap"
sumcheck k "j['summary']['gmk_distributions_intercepted']==2 and j['summary']['gmks_recovered']>=1"
# (the second group's media: its MKI names the GMK-ID, whose GMK keys another group: not
# decrypted, counted as failing authentication once a packet)
sumcheck k "j['summary']['decrypted']==$(unique_pkts "$tmp/k1.pcap.json") and j['summary']['auth_failed']==$(unique_pkts "$tmp/k2.pcap.json")"
expect 0 iri-k python3 -c '
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
gmk = [x["key_management"] for x in r if x["kind"] == "key-management" and x["key_management"]["side"] == "gmk"]
assert [g["outcome"] for g in gmk] == ["gmk", "gmk-conflict"], gmk
assert "another GMK is in use under GMK-ID " + sys.argv[2] in gmk[1]["detail"], gmk[1]
print("the second GMK refused:", gmk[1]["detail"])' "$tmp/ev-k/$L11/iri.jsonl" "$K1"
expect 0 verify-k "$limf" verify "$tmp/ev-k"

# ---- 12. more GMKs in one call than a call uses (16): 18 GMKs, turn k keyed with GMK k, each
# distributed during the turn before. All 18 are recovered; each leg decrypts with the first 16
# (each audited once a leg before its first use), the media of the last two turns is not
# decrypted, and that is said once a leg, not at every packet
G m1 17 63 --gmks 18 --talkers 2 --turn 1
L12=GY$sfx
warrant "$L12" "$(truth "$tmp/m1.pcap.json" 'j["group"]["members"][1]["uri"]')" 17
replay m1 "$tmp/m1.pcap"
cp "$tmp/err" "$tmp/err-m1"
first16=$(truth "$tmp/m1.pcap.json" 'sum(t["packets"] - len(t["lost"]) for t in j["group"]["turns"][:16])')
sumcheck m1 "j['summary']['gmks_recovered']==18 and j['summary']['decrypted']==$first16 and j['summary']['auth_failed']==0"
legs=$(grep -c "more than 16 GMKs in use: the media of a further one is not decrypted" "$tmp/err-m1" || true)
[ "$legs" -ge 1 ] && [ "$legs" -le 3 ] && ok || bad "m1: the 16-GMK bound said $legs times, want once a leg"
expect 0 audit-m1 "$limf" audit list --liid "$L12" --json
cp "$tmp/out" "$tmp/audit-m1.json"
expect 0 audit-m1-gmks python3 -c '
import json, re, sys
rows = [r for r in json.load(open(sys.argv[1])) if r["action"] == "decrypt.keys" and "(group media)" in r["detail"]]
truth = json.load(open(sys.argv[2]))["group"]
ids = [t["gmk_id"] for t in truth["turns"]]
per = {}
for r in rows:
    call = re.search(r"call-id=(\S+)", r["detail"]).group(1)
    gmk = re.search(r"gmk-id=([0-9a-f]{8})", r["detail"]).group(1)
    per.setdefault(call, []).append(gmk)
assert per, "no group media rows"
for call, g in per.items():
    assert sorted(g) == sorted(ids[:16]), (call, g)
print(len(per), "legs, each with the first 16 GMKs audited once")' "$tmp/audit-m1.json" "$tmp/m1.pcap.json"
expect 0 verify-m1 "$limf" verify "$tmp/ev-m1"

# the generator's member names are fixed: a later run on this cluster (make test runs this
# file again with LIMF_WORKERS=3) must not find these warrants in force
for l in "${made[@]}"; do
	"$limf" warrant revoke "$l" --reason "test: done" >/dev/null 2>&1
done
kms_down "$tmp/k"
finish
