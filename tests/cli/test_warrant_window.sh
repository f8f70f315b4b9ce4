#!/bin/bash
# A warrant covers a call only while it is in force, and every warrant in force is served
# (review of the warrant gate, findings 1, 2 and 7):
#   1. `limf replay` (one worker and three): a 10 s call on a target whose warrants end 5 s
#      and 8 s into it, and a third (IRI only) that does not end. Each LIID's cc.pcap holds
#      exactly the media sent before its warrant's end, byte for byte; its iri.jsonl ends with
#      a "warrant-not-in-force" report at that instant and has nothing after it; nothing is
#      decrypted after the last content warrant's end; the IRI-only LIID still gets the call's
#      end; each content LIID has its decrypt.done audit row
#   2. 9 warrants on one target: all 9 get IRI and the same content; 17: the call is still
#      intercepted, the first 16 by LIID are served and the one left out is counted
#      (warrants_left_out in the --json summary) and logged; so are warrants that come into
#      force during a call that is full, once each
#   3. `limf capture --speed max` stops at valid_to on the capture's clock (the warrant is in
#      force at the wall clock all along, so no re-check can be what stops it)
#   3b. the same at recorded speed, that warrant extended 6 s in to end 5 s in: in force at
#      the wall clock, not on the call's: not taken back, and the gate not asked about it at
#      every re-check
#   4. `limf capture` at recorded speed: the warrant's scope changed from iri+cc to iri 3 s
#      into a call: no content 1.5 s (capture time) after the change, the IRI goes on
#   5. a warrant that comes into force 4 s into a 10 s call (replay, one worker and three, and
#      --liid): the call is intercepted from that instant: cc.pcap holds exactly the media sent
#      from then, byte for byte (and the WAVs), the first IRI record is a BEGIN "in_progress"
#      key-management record at that instant, the INVITE is not in the IRI and the BYE is, one
#      key request, the summary counts calls_intercepted_in_progress; a warrant that starts
#      after the call: nothing intercepted, no key request, nothing written; streams whose
#      sequence numbers wrapped before the start (ROC 1, in no packet) still decrypted whole;
#      also when the target is named only in the offer's I_MESSAGE and the answer carries an
#      I_MESSAGE of other parties (its decision, "none to come", does not cancel the offer's);
#      and a target named only in the answer's I_MESSAGE: intercepted from the answer on
#      ("in progress"), the offer's I_MESSAGE keyed then too, all the media decrypted; a
#      target named only in the offer (warrant from 4 s in) and another only in the answer
#      (in force): intercepted under the second, the first joins at its start; a call
#      intercepted already whose answer names another target (diverted): its warrant joins
#      at the answer with all the media; these two also on a 3gpp-uid community (mcx), where
#      the I_MESSAGEs name the parties by UID alone; a call diverted to a target named only
#      by its 200 OK's P-Asserted-Identity: intercepted from the answer, all its media
#   5b. a warrant that comes into force 4 s into a call intercepted already under another: it
#      joins the call from then (one CIN, one key request, its cc.pcap exactly the media from
#      then, its BEGIN "in_progress", its own decrypt.keys and decrypt.done rows), also when the
#      call had IRI only until then (its keys are got then, also for streams that wrapped
#      before; their record goes to that warrant alone)
#   5c. a LIID that joins a call keyed twice, whose audit log refuses the second of its two
#      decrypt.keys rows once: IRI only until the retry a second later, which does not write
#      the first row again (each key use once on its log)
#   5d. a warrant suspended for 5 s and resumed (now, at the wall clock), replayed later: a call
#      inside the suspension is not intercepted (no key request); one across its start only
#      until it, one across its end only from it ("in progress"), byte for byte; one after it
#      whole; one across all of it until it and again from its end (a BEGIN "in progress"
#      after its report, its keys audited again), also when a packet of before it comes after
#      the first one in it (a clock that goes back)
#   6. `limf capture` at recorded speed: a warrant on a party added 3 s into a call that no
#      warrant covered: intercepted from then on (the first CC within 1.5 s of the addition,
#      none before it), its BEGIN record "in_progress", no INVITE in the IRI, the BYE in it
#      (and, added then on the caller of a call intercepted since its start under another
#      warrant: joins it the same way; the other keeps the whole call, one CIN for both)
#   6b. the same: a warrant that takes over a second after one that ends during the call
#      (added before that end): the call goes on under it, its content from that instant;
#      a warrant's scope widened from iri to iri+cc during a call: its content from then on
#   6c. the same: the warrant of a call intercepted from its start revoked during it, then a
#      new one added for the same party: the call goes on under the new one from then
#   6d. the same: a warrant suspended 2 s into the call and resumed 3 s later, and one that
#      ends 2 s into its call and is extended 3 s later: the content stops (none between),
#      then goes on from then (same LIID and CIN, a BEGIN "in progress" after its
#      "warrant-not-in-force" report, its decryption audited again)
#   6e. a call whose capture clock is behind the wall clock: a warrant ended at the wall clock
#      (still in force on the call's) stays ended when another warrant joins the call, and the
#      joiner's key request is not audited under it; its report is on the call's clock
#   6f. a call whose capture clock is 6 s behind the wall clock, its warrant suspended for 2 s:
#      nothing of the period on the call's clock is handed on, though the re-checks at the
#      wall clock saw it end before the call's clock got there
#   7. three such calls with [database] late_rate = 1: they begin about a second apart (one
#      call a second to the gate); late_rate 0 is refused
# Needs the private PostgreSQL cluster: run through scripts/pg-test.sh. Prints "N passed, N failed".
set -u
. "$(dirname "$0")/lib.sh"
gen=$BUILD/limf-gen
here=$(dirname "$0")
need_cluster
sfx=$$
cpid=''
cleanup() {
	[ -n "$cpid" ] && kill -KILL "$cpid" 2>/dev/null
	# (6b takes the service's audit insert away for a moment: never left so for other suites)
	psql -X -q "$LIMF_DB_SUPER dbname=limf" -c "GRANT INSERT (os_user, liid, action, detail) ON limf.audit TO limf_service" >/dev/null 2>&1
	kms_down "$tmp/g"
	kms_down "$tmp/u"
	[ -n "${KEEP:-}" ] && cp -a "$tmp" "$KEEP"
	rm -rf "$tmp"
}
trap cleanup EXIT
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
epoch() { date -u -d "$1" +%s; }
openssl genpkey -algorithm ed25519 -out "$tmp/sign.pem" 2>/dev/null && ok || bad "ed25519 key"
kms_up "$tmp/g" rfc6509 kms.win.test
kopts() { # the KMS of the community in use: $tmp/${KD:-g}
	local d=$tmp/${KD:-g}
	echo --kms "https://127.0.0.1:$(cat "$d/port")" --ca "$d/ca.pem" --cert "$d/client.pem" \
		--key "$d/client.key"
}
warrant() { # LIID SCOPE TARGET FROM TO
	"$limf" warrant add --liid "$1" --authority "Court $1" --ref "REF-$1" --country GB \
		--from "$4" --to "$5" --scope "$2" --delivery "lemf:$1" --target "$3" >/dev/null ||
		bad "warrant add $1"
}
replay() { # NAME PCAP ARGS... (rc=N replay ...: exit N expected, else 0)
	local name=$1 pcap=$2
	shift 2
	# shellcheck disable=SC2046
	expect "${rc:-0}" "replay-$name" env LIMF_DB="$LIMF_DB_SERVICE" "$limf" replay --sign-key \
		"$tmp/sign.pem" $(kopts) --json --out "$tmp/ev-$name" "$@" "$pcap"
	cp "$tmp/out" "$tmp/sum-$name.json"
	cp "$tmp/err" "$tmp/err-$name"
}
sqls() { psql -X -q -v ON_ERROR_STOP=1 "$LIMF_DB_SUPER dbname=limf" -c "$1" >/dev/null; }
sumcheck() { # NAME EXPR: over replay's --json summary
	cp "$tmp/sum-$1.json" "$tmp/out"
	pyjson "summary-$1" "$2"
}
# sent PCAP before|from T: the SRTP packets of the target calls of PCAP (limf-gen's truth in
# PCAP.json) sent before T, or at or after T (epoch seconds)
sent() {
	python3 - "$1" "$2" "$3" "$1.json" "$here" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[5])
from replay_check import input_counts
t = float(sys.argv[3])
c = input_counts(sys.argv[1], t, None) if sys.argv[2] == "before" else input_counts(sys.argv[1], None, t)
truth = json.load(open(sys.argv[4]))
print(sum(c.get(int(s["ssrc"], 16), 0) for k in truth["calls"] if k["target"] for s in k["streams"]))
PY
}
# iri.jsonl of a LIID whose warrant ends at END (epoch seconds) during the call: one
# warrant-not-in-force report, last, at END; every other record before END
cat >"$tmp/iri_end.py" <<'PY'
import datetime, json, sys
path, end = sys.argv[1], float(sys.argv[2])
recs = [json.loads(l) for l in open(path)]
def t(r):
    return datetime.datetime.strptime(r["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()
ends = [r for r in recs if r["kind"] == "call-end" and r.get("reason") == "warrant-not-in-force"]
assert len(ends) == 1 and ends[0]["type"] == "report", ends
assert recs[-1] is ends[0], recs[-1]
assert abs(t(ends[0]) - end) < 1e-6, (ends[0]["time"], end)
late = [r for r in recs[:-1] if t(r) >= end]
assert not late, late[:2]
assert recs[0]["type"] == "begin" and len(recs) > 3, len(recs)
print("%d IRI records, the last the warrant's end" % len(recs))
PY

# ---- 1. replay: warrants ending during the call
AT=2026-03-15T12:00:00Z
A="sip:win$sfx@example.org" B="sip:peer$sfx@example.org"
E1="WA$sfx" E2="WB$sfx" E3="WC$sfx"
T1=2026-03-15T12:00:05Z T2=2026-03-15T12:00:08Z
expect 0 gen1 "$gen" --community "$tmp/g/community.json" --out "$tmp/c1.pcap" --calls 1 \
	--background 1 --duration 10 --caller "$A" --callee "$B" --start "$AT" --seed 61
warrant "$E1" iri+cc "$A" 2026-03-01T00:00:00Z "$T1"
warrant "$E2" iri+cc "$A" 2026-03-01T00:00:00Z "$T2"
warrant "$E3" iri "$A" 2026-03-01T00:00:00Z 2026-04-01T00:00:00Z
# every SRTP packet of the target call sent before T2: what may be decrypted at all
n_before_t2=$(sent "$tmp/c1.pcap" before "$(epoch "$T2")")
[ "${n_before_t2:-0}" -gt 500 ] && [ "$n_before_t2" -lt 1000 ] && ok ||
	bad "packets before $T2: '$n_before_t2'"
for w in 1 3; do
	replay "w$w" "$tmp/c1.pcap" --workers "$w"
	sumcheck "w$w" "j['summary']['calls']==2 and j['summary']['calls_intercepted']==1"
	sumcheck "w$w" "j['summary']['decrypted']==$n_before_t2 and j['summary']['auth_failed']==0"
	sumcheck "w$w" "j['summary']['warrant_ends_in_call']==2 and j['summary']['warrants_left_out']==0"
	sumcheck "w$w" "sorted(j['liids'])==sorted(['$E1','$E2','$E3'])"
	expect 0 "cc-$E1-w$w" python3 "$here/replay_check.py" "$tmp/ev-w$w" "$E1" \
		"$tmp/c1.pcap.json" targets --until="$(epoch "$T1")" --input="$tmp/c1.pcap"
	expect 0 "cc-$E2-w$w" python3 "$here/replay_check.py" "$tmp/ev-w$w" "$E2" \
		"$tmp/c1.pcap.json" targets --until="$(epoch "$T2")" --input="$tmp/c1.pcap"
	[ -e "$tmp/ev-w$w/$E3/cc.pcap" ] && bad "w$w: content for the IRI-only $E3" || ok
	expect 0 "iri-$E1-w$w" python3 "$tmp/iri_end.py" "$tmp/ev-w$w/$E1/iri.jsonl" "$(epoch "$T1")"
	expect 0 "iri-$E2-w$w" python3 "$tmp/iri_end.py" "$tmp/ev-w$w/$E2/iri.jsonl" "$(epoch "$T2")"
	# the warrant that goes on: the whole call, its BYE and the end; its key-management
	# record as for that IRI-only warrant alone (nothing of the keys the others took)
	expect 0 "iri-$E3-w$w" python3 -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert not [r for r in recs if r.get("reason") == "warrant-not-in-force"]
assert recs[-1]["type"] == "end", recs[-1]
assert any(r["kind"] == "sip" and r["sip"].startswith("BYE") for r in recs)
km = [r["key_management"] for r in recs if r["kind"] == "key-management"]
assert km and all(k["outcome"] == "iri-only" and k["signature"] == "not-checked" and not k["key_user"] for k in km), km
b = [json.loads(l) for l in open(sys.argv[2]) if "\"key-management\"" in l][0]["key_management"]
assert b["outcome"] == "keys" and b["signature"] == "valid", b' "$tmp/ev-w$w/$E3/iri.jsonl" "$tmp/ev-w$w/$E1/iri.jsonl"
	# the handover form (hi2.pdu, as the authority gets it): the same records, numbered in
	# order, the last an IRI-REPORT with the limf call-end reason warrant-not-in-force
	expect 0 "hi2-$E1-w$w" "$BUILD/limf-lemf" --decode "$tmp/ev-w$w/$E1/hi2.pdu" \
		--out "$tmp/hi2-$E1-w$w.jsonl"
	expect 0 "hi2-report-$E1-w$w" python3 -c '
import json, sys
pdu = [json.loads(l) for l in open(sys.argv[1])]
pdu = [p for p in pdu if p.get("kind", "").startswith("iri") and "seq" in p]
recs = [json.loads(l) for l in open(sys.argv[2])]
assert len(pdu) == len(recs), (len(pdu), len(recs))
assert [p["seq"] for p in pdu] == list(range(len(pdu))), [p["seq"] for p in pdu]
last = pdu[-1]
assert last["kind"] == "iri_callend" and last["iri_type"] == "report", last
assert last["reason"] == "warrant-not-in-force", last
assert [p for p in pdu[:-1] if p["kind"] != "iri_callend"] == pdu[:-1], "a call end before the last"
assert pdu[0]["iri_type"] == "begin", pdu[0]
print(len(pdu), "IRI PDUs, the last the report")' "$tmp/hi2-$E1-w$w.jsonl" "$tmp/ev-w$w/$E1/iri.jsonl"
	cp "$tmp/ev-w$w/manifest.json" "$tmp/out"
	pyjson "manifest-w$w" "len(j['calls'])==1 and sorted(j['calls'][0]['liids'])==sorted(['$E1','$E2','$E3'])"
	expect 0 "verify-w$w" "$limf" verify "$tmp/ev-w$w"
done
# what was decrypted under each content warrant is on the audit log (one row per run)
for l in "$E1" "$E2"; do
	n=$("$limf" audit list --liid "$l" | grep -c "decrypt.done")
	[ "$n" -eq 2 ] && ok || bad "$l: $n decrypt.done rows, want 2"
done

# ---- 2. more warrants on one target than a call holds
M="sip:many$sfx@example.org"
expect 0 gen2 "$gen" --community "$tmp/g/community.json" --out "$tmp/c2.pcap" --calls 1 \
	--duration 2 --caller "$M" --callee "$B" --start "$AT" --seed 62
many() { # FIRST LAST
	for i in $(seq "$1" "$2"); do
		warrant "$(printf 'M%s-%02d' "$sfx" "$i")" iri+cc "$M" 2026-03-01T00:00:00Z \
			2026-04-01T00:00:00Z
	done
}
many 1 9
replay m9 "$tmp/c2.pcap"
sumcheck m9 "j['summary']['calls_intercepted']==1 and len(j['liids'])==9 and j['summary']['warrants_left_out']==0"
for i in $(seq 1 9); do
	l=$(printf 'M%s-%02d' "$sfx" "$i")
	expect 0 "cc-m9-$i" python3 "$here/replay_check.py" "$tmp/ev-m9" "$l" "$tmp/c2.pcap.json" targets
	[ "$("$limf" audit list --liid "$l" | grep -c decrypt.keys)" -ge 1 ] && ok ||
		bad "m9: no decrypt.keys row for $l"
done
many 10 17
replay m17 "$tmp/c2.pcap" --workers 3
sumcheck m17 "j['summary']['calls_intercepted']==1 and j['summary']['decrypted']>0"
sumcheck m17 "len(j['liids'])==16 and '$(printf 'M%s-%02d' "$sfx" 17)' not in j['liids']"
sumcheck m17 "j['summary']['warrants_left_out']==1"
cp "$tmp/err-m17" "$tmp/err"
has m17-warning "17 warrants are in force"
hasnt m17-no-decision "warrant decision failed"
expect 0 cc-m17 python3 "$here/replay_check.py" "$tmp/ev-m17" "$(printf 'M%s-%02d' "$sfx" 16)" \
	"$tmp/c2.pcap.json" targets
# the human summary says it too
# shellcheck disable=SC2046
expect 0 replay-m17-text env LIMF_DB="$LIMF_DB_SERVICE" "$limf" replay --sign-key \
	"$tmp/sign.pem" $(kopts) --out "$tmp/ev-m17t" "$tmp/c2.pcap"
has m17-text "WARNING: 1 warrant(s) in force were left out"
# three more that come into force 1, 2 and 3 s into a 5 s call of the full target, each first
# by LIID: the call can serve none of them; each is counted and told once, not again at every
# later join attempt (1 + 3 left out, not 1 + 1 + 2 + 3)
expect 0 gen2b "$gen" --community "$tmp/g/community.json" --out "$tmp/c2b.pcap" --calls 1 \
	--duration 5 --caller "$M" --callee "$B" --start 2026-03-16T12:00:00Z --seed 63
for i in 1 2 3; do
	warrant "AM$sfx-$i" iri+cc "$M" "2026-03-16T12:00:0${i}Z" 2026-04-01T00:00:00Z
done
replay m20 "$tmp/c2b.pcap"
sumcheck m20 "j['summary']['warrants_left_out']==4 and len(j['liids'])==16"
cp "$tmp/err-m20" "$tmp/err"
[ "$(grep -c "came into force during it beyond" "$tmp/err")" -eq 3 ] && ok ||
	{ bad "m20: join warnings"; grep "beyond" "$tmp/err" >&2; }

# ---- 5. a warrant that comes into force during a call (limf/pipeline.h 3a)
A5="sip:late$sfx@example.org" L5="WL$sfx" L6="WM$sfx" L7="WN$sfx"
T5=2026-03-15T12:00:04Z
expect 0 gen5 "$gen" --community "$tmp/g/community.json" --out "$tmp/c5.pcap" --calls 1 \
	--background 1 --duration 10 --caller "$A5" --callee "$B" --start "$AT" --seed 65
# after the call (it ends near 12:00:12): never in force during it
warrant "$L6" iri+cc "$A5" 2026-03-15T12:05:00Z 2026-04-01T00:00:00Z
nreq() { grep -c "keyprov.*user=$B " "$tmp/g/log"; }
r0=$(nreq)
replay late-none "$tmp/c5.pcap"
sumcheck late-none "j['summary']['calls_intercepted']==0 and j['summary']['calls_intercepted_in_progress']==0 and j['liids']==[] and j['summary']['decrypted']==0"
[ "$(nreq)" -eq "$r0" ] && ok || bad "late-none: a key request for a call no warrant was in force during"
[ -z "$(ls "$tmp/ev-late-none" | grep -v '^manifest')" ] && ok || bad "late-none: outputs written"
# 4 s into the call
warrant "$L5" iri+cc "$A5" "$T5" 2026-04-01T00:00:00Z
n_after=$(sent "$tmp/c5.pcap" from "$(epoch "$T5")")
[ "${n_after:-0}" -gt 500 ] && [ "$n_after" -lt 1000 ] && ok || bad "packets from $T5: '$n_after'"
cat >"$tmp/iri_late.py" <<'PY'
import datetime, json, sys
path, start = sys.argv[1], float(sys.argv[2])
recs = [json.loads(l) for l in open(path)]
def t(r):
    return datetime.datetime.strptime(r["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()
b = recs[0]
assert b["type"] == "begin" and b.get("in_progress") is True, b
assert b["kind"] == "key-management" and b["key_management"]["outcome"] == "keys" and b["matched_by"], b
assert 0 <= t(b) - start < 0.1, (b["time"], start)
# T against the time of the INVITE that carried the I_MESSAGE (the call's start), not this
# record's: an I_MESSAGE of the call's start does not look seconds old (replayed)
assert abs(b["key_management"]["t_offset_s"]) <= 1, b["key_management"]["t_offset_s"]
assert not [r for r in recs if t(r) < start], "records before the warrant's start"
assert not [r for r in recs[1:] if "in_progress" in r], "in_progress outside the BEGIN"
sips = [r["sip"].split(" ")[0] for r in recs if r["kind"] == "sip"]
assert "INVITE" not in sips and "BYE" in sips, sips
assert recs[-1]["type"] == "end", recs[-1]
print("%d IRI records from the warrant's start: %s" % (len(recs), sips))
PY
for w in 1 3; do
	r0=$(nreq)
	replay "late-w$w" "$tmp/c5.pcap" --workers "$w"
	sumcheck "late-w$w" "j['summary']['calls_intercepted']==1 and j['summary']['calls_intercepted_in_progress']==1 and j['liids']==['$L5']"
	sumcheck "late-w$w" "j['summary']['decrypted']==$n_after and j['summary']['auth_failed']==0 and j['complete']"
	[ "$(nreq)" -eq $((r0 + 1)) ] && ok || bad "late-w$w: $(($(nreq) - r0)) key requests, want 1"
	expect 0 "cc-late-w$w" python3 "$here/replay_check.py" "$tmp/ev-late-w$w" "$L5" \
		"$tmp/c5.pcap.json" targets --from="$(epoch "$T5")" --input="$tmp/c5.pcap"
	expect 0 "iri-late-w$w" python3 "$tmp/iri_late.py" "$tmp/ev-late-w$w/$L5/iri.jsonl" "$(epoch "$T5")"
	expect 0 "verify-late-w$w" "$limf" verify "$tmp/ev-late-w$w"
done
# 6 media packets stamped just before the warrant's start come after its first frame (merged or
# reordered inputs): not decrypted, not handed to it (before: decrypted and in its cc.pcap,
# stamped before its start; an audit)
expect 0 inject-back python3 "$here/pcap_inject.py" "$tmp/c5.pcap" "$tmp/c5b.pcap" 0 backfrom "$(epoch "$T5"),6"
replay late-back "$tmp/c5b.pcap"
sumcheck late-back "j['summary']['decrypted']==$n_after and j['summary']['cc_packets']==$n_after"
expect 0 cc-late-back python3 "$here/replay_check.py" "$tmp/ev-late-back" "$L5" \
	"$tmp/c5.pcap.json" targets --from="$(epoch "$T5")" --input="$tmp/c5.pcap"
expect 0 iri-late-back python3 "$tmp/iri_late.py" "$tmp/ev-late-back/$L5/iri.jsonl" "$(epoch "$T5")"
# the audit log ties the decryption to the warrant (one keys and one done row per run)
n=$("$limf" audit list --liid "$L5" | grep -c "decrypt.done")
[ "$n" -eq 3 ] && ok || bad "$L5: $n decrypt.done rows, want 3"
# streams that wrapped their sequence numbers before the warrant's start (the first at 65500:
# ROC 1 from the 36th packet, 0.7 s in; no packet carries it): found, every packet from the
# start decrypted
A9="sip:wrap$sfx@example.org" L9="WW$sfx"
expect 0 gen9 "$gen" --community "$tmp/g/community.json" --out "$tmp/c9.pcap" --calls 1 \
	--duration 8 --caller "$A9" --callee "$B" --start "$AT" --seed 69 --first-seq 65500
warrant "$L9" iri+cc "$A9" "$T5" 2026-04-01T00:00:00Z
n9=$(sent "$tmp/c9.pcap" from "$(epoch "$T5")")
replay late-wrap "$tmp/c9.pcap"
sumcheck late-wrap "j['summary']['calls_intercepted_in_progress']==1 and j['summary']['decrypted']==$n9 and j['summary']['auth_failed']==0"
expect 0 cc-late-wrap python3 "$here/replay_check.py" "$tmp/ev-late-wrap" "$L9" \
	"$tmp/c9.pcap.json" targets --from="$(epoch "$T5")" --input="$tmp/c9.pcap"
# and with 80 junk RTP packets of distinct SSRCs (no valid tag) to the call's media port right
# after its first packet from the warrant's start, before the other stream's: each junk SSRC
# is tried with the ROCs 1..8 like a stream that wrapped, and nothing of a try that fails may
# stay. Before, every try left its SSRC pinned in each session's ROC table (64 entries): the
# other stream's late try found the tables full, and none of its packets was decrypted.
off=$(python3 - "$tmp/c9.pcap" "$(epoch "$T5")" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
o, first = 24, None
while o + 16 <= len(d):
    s, u, n, _ = struct.unpack_from("<IIII", d, o)
    t = s + u / 1e6
    first = t if first is None else first
    if t >= float(sys.argv[2]):
        print("%.6f" % (t - first + 1e-6))
        break
    o += 16 + n
PY
)
expect 0 inject-wrapjunk python3 "$here/pcap_inject.py" "$tmp/c9.pcap" "$tmp/c9j.pcap" "t+$off" \
	ssrcfill 80
replay late-wrapjunk "$tmp/c9j.pcap"
sumcheck late-wrapjunk "j['summary']['decrypted']==$n9 and j['summary']['auth_failed']==80"
# --liid: the warrant asked for alone, also when it starts during the call; another LIID
# in force from the start for the callee does not make it begin earlier
warrant "$L7" iri "$B" 2026-03-01T00:00:00Z 2026-04-01T00:00:00Z
replay late-liid "$tmp/c5.pcap" --liid "$L5"
sumcheck late-liid "j['liids']==['$L5'] and j['summary']['calls_intercepted_in_progress']==1 and j['summary']['decrypted']==$n_after"
expect 0 cc-late-liid python3 "$here/replay_check.py" "$tmp/ev-late-liid" "$L5" \
	"$tmp/c5.pcap.json" targets --from="$(epoch "$T5")" --input="$tmp/c5.pcap"
"$limf" warrant revoke "$L7" --reason "test done" >/dev/null 2>&1 || bad "revoke $L7"
# the target named only in the offer's I_MESSAGE (its SIP From another URI), the answer keyed
# by the callee with an I_MESSAGE of other parties: the answer's decision ("no warrant, none to
# come") does not cancel the offer's (its warrant's start 4 s in)
# answer_keyed NAME CALLER ANSWERER SEED SECS [FROM [TO]]: $tmp/NAME.pcap, a call CALLER -> $B at
# AT (its SIP From made FROM if given) whose 200 OK carries the I_MESSAGE of a call ANSWERER ->
# TO (default $B; seed SEED + 1); the call's truth and clear payloads beside it. On the community $tmp/${KD:-g}
# (its limf-gen profile $PROF, default rfc6509).
answer_keyed() {
	local n=$1 src=$tmp/$1-0.pcap c=$tmp/${KD:-g}/community.json p=${PROF:-rfc6509}
	expect 0 "gen-$n" "$gen" --community "$c" --profile "$p" --out "$src" --calls 1 \
		--duration "$5" --caller "$2" --callee "$B" --start "$AT" --seed "$4"
	expect 0 "gen-$n-ans" "$gen" --community "$c" --profile "$p" --out "$tmp/$n-ans.pcap" \
		--calls 1 --duration 1 --caller "$3" --callee "${7:-$B}" --start "$AT" --seed $(($4 + 1))
	if [ -n "${6:-}" ]; then
		expect 0 "inject-$n-from" python3 "$here/pcap_inject.py" "$src" "$tmp/$n-1.pcap" 0 \
			fromspoof "$6"
		src=$tmp/$n-1.pcap
	fi
	expect 0 "inject-$n-ans" python3 "$here/pcap_inject.py" "$src" "$tmp/$n.pcap" 0 \
		answerimsg "$tmp/$n-ans.pcap"
	cp "$tmp/$n-0.pcap.json" "$tmp/$n.pcap.json"
	ln -s "$n-0.pcap.d" "$tmp/$n.pcap.d" # (the clear payloads, per the truth)
}
AO="sip:offeronly$sfx@example.org" LO="WH$sfx"
answer_keyed co "$AO" "sip:answerer$sfx@example.org" 71 10 "sip:front$sfx@example.org"
warrant "$LO" iri+cc "$AO" "$T5" 2026-04-01T00:00:00Z
no_after=$(sent "$tmp/co.pcap" from "$(epoch "$T5")")
replay late-offer "$tmp/co.pcap"
sumcheck late-offer "j['summary']['calls_intercepted']==1 and j['summary']['calls_intercepted_in_progress']==1 and j['liids']==['$LO']"
sumcheck late-offer "j['summary']['decrypted']==$no_after and j['summary']['auth_failed']==0"
expect 0 cc-late-offer python3 "$here/replay_check.py" "$tmp/ev-late-offer" "$LO" \
	"$tmp/co.pcap.json" targets --from="$(epoch "$T5")" --input="$tmp/co.pcap"
"$limf" warrant revoke "$LO" --reason "test done" >/dev/null 2>&1 || bad "revoke $LO"
# the target named only in the answer's I_MESSAGE (the offer's decision: no warrant): the
# call is intercepted from the answer on, and the offer's I_MESSAGE, which keys its media, is
# keyed then too (not the answer's alone)
AN="sip:answeronly$sfx@example.org" LA="XA$sfx"
answer_keyed ca "sip:plain$sfx@example.org" "$AN" 73 6
warrant "$LA" iri+cc "$AN" 2026-03-01T00:00:00Z 2026-04-01T00:00:00Z
na_all=$(sent "$tmp/ca.pcap" from 0)
replay answer-only "$tmp/ca.pcap"
sumcheck answer-only "j['summary']['calls_intercepted']==1 and j['liids']==['$LA']"
sumcheck answer-only "j['summary']['decrypted']==$na_all and j['summary']['auth_failed']==0"
expect 0 cc-answer-only python3 "$here/replay_check.py" "$tmp/ev-answer-only" "$LA" \
	"$tmp/ca.pcap.json" targets
expect 0 iri-answer-only python3 -c '
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
assert r[0]["type"] == "begin" and r[0].get("in_progress") is True, r[0]
km = sorted(x["key_management"]["side"] + ":" + x["key_management"]["outcome"] for x in r if x["kind"] == "key-management")
assert km == ["answer:keys", "offer:keys"], km' "$tmp/ev-answer-only/$LA/iri.jsonl"
"$limf" warrant revoke "$LA" --reason "test done" >/dev/null 2>&1 || bad "revoke $LA"
# the target named only in the offer's I_MESSAGE, whose warrant starts 4 s in, and another
# target named only in the answer's, whose warrant is in force: the call is intercepted from the
# answer under the second, and the first joins at its start (the answer's decision is on the
# offer's parties too, not on its own alone). union_case TAG SEED: names and files end in TAG.
union_case() {
	local x=$1 AU="sip:unionoffer$1$sfx@example.org" LU="XU$1$sfx"
	local AV="sip:unionanswer$1$sfx@example.org" LV="XV$1$sfx" nu_all nu_after n l
	# (the answer's I_MESSAGE addressed to the caller as its From names it: on a UID
	# community the key user is found only among the parties of the call's SIP)
	answer_keyed "cu$x" "$AU" "$AV" "$2" 10 "sip:unionfront$x$sfx@example.org" \
		"sip:unionfront$x$sfx@example.org"
	warrant "$LU" iri+cc "$AU" "$T5" 2026-04-01T00:00:00Z
	warrant "$LV" iri+cc "$AV" 2026-03-01T00:00:00Z 2026-04-01T00:00:00Z
	nu_all=$(sent "$tmp/cu$x.pcap" from 0)
	nu_after=$(sent "$tmp/cu$x.pcap" from "$(epoch "$T5")")
	replay "union$x" "$tmp/cu$x.pcap"
	sumcheck "union$x" "j['summary']['calls_intercepted']==1 and sorted(j['liids'])==sorted(['$LU','$LV']) and j['summary']['liids_joined_in_progress']==1"
	sumcheck "union$x" "j['summary']['decrypted']==$nu_all and j['summary']['auth_failed']==0"
	expect 0 "cc-union$x-answer" python3 "$here/replay_check.py" "$tmp/ev-union$x" "$LV" \
		"$tmp/cu$x.pcap.json" targets --input="$tmp/cu$x.pcap"
	expect 0 "cc-union$x-offer" python3 "$here/replay_check.py" "$tmp/ev-union$x" "$LU" \
		"$tmp/cu$x.pcap.json" targets --from="$(epoch "$T5")" --input="$tmp/cu$x.pcap"
	expect 0 "iri-union$x" python3 "$tmp/iri_late.py" "$tmp/ev-union$x/$LU/iri.jsonl" \
		"$(epoch "$T5")"
	n=$("$limf" audit list --liid "$LU" | grep "decrypt.done" | grep -c " delivered=$nu_after ")
	[ "$n" -eq 1 ] && ok || bad "$LU: $n decrypt.done rows with delivered=$nu_after, want 1"
	for l in "$LU" "$LV"; do
		"$limf" warrant revoke "$l" --reason "test done" >/dev/null 2>&1 || bad "revoke $l"
	done
}
# a call intercepted already whose answer's I_MESSAGE names a party its offer did not (a
# diverted call, answered by the target of another warrant): that warrant joins the call at
# the answer, with all of its media; the first keeps it whole. divert_case TAG SEED.
divert_case() {
	local x=$1 AD="sip:divcaller$1$sfx@example.org" LD="XD$1$sfx"
	local AE="sip:divanswer$1$sfx@example.org" LE="XE$1$sfx" nd_all n l
	answer_keyed "cd$x" "$AD" "$AE" "$2" 6 "" "$AD" # (the answer's I_MESSAGE to the caller)
	warrant "$LD" iri+cc "$AD" 2026-03-01T00:00:00Z 2026-04-01T00:00:00Z
	warrant "$LE" iri+cc "$AE" 2026-03-01T00:00:00Z 2026-04-01T00:00:00Z
	nd_all=$(sent "$tmp/cd$x.pcap" from 0)
	replay "divert$x" "$tmp/cd$x.pcap"
	sumcheck "divert$x" "j['summary']['calls_intercepted']==1 and sorted(j['liids'])==sorted(['$LD','$LE']) and j['summary']['liids_joined_in_progress']==1"
	sumcheck "divert$x" "j['summary']['decrypted']==$nd_all and j['summary']['auth_failed']==0"
	for l in "$LD" "$LE"; do
		expect 0 "cc-divert$x-$l" python3 "$here/replay_check.py" "$tmp/ev-divert$x" "$l" \
			"$tmp/cd$x.pcap.json" targets --input="$tmp/cd$x.pcap"
		n=$("$limf" audit list --liid "$l" | grep -c "decrypt.keys")
		[ "$n" -ge 1 ] && ok || bad "$l: no decrypt.keys row"
	done
	# the second: BEGIN "in progress" at the answer, the same CIN as the first's
	expect 0 "iri-divert$x" python3 -c '
import json, sys
a = [json.loads(l) for l in open(sys.argv[1])]
b = [json.loads(l) for l in open(sys.argv[2])]
assert a[0]["type"] == "begin" and "in_progress" not in a[0], a[0]
assert b[0]["type"] == "begin" and b[0].get("in_progress") is True, b[0]
km = [r["key_management"] for r in b if r["kind"] == "key-management"]
assert [k["side"] for k in km if k["outcome"] == "keys" and k["signature"] == "valid"] == ["offer", "answer"], km
assert {r["cin"] for r in a} == {r["cin"] for r in b} and len({r["cin"] for r in a}) == 1
assert a[-1]["type"] == "end" and b[-1]["type"] == "end"' \
		"$tmp/ev-divert$x/$LD/iri.jsonl" "$tmp/ev-divert$x/$LE/iri.jsonl"
	for l in "$LD" "$LE"; do
		"$limf" warrant revoke "$l" --reason "test done" >/dev/null 2>&1 || bad "revoke $l"
	done
}
# a call diverted to a target that neither its SIP To nor its I_MESSAGE names: its 200 OK
# asserts the party that answered (P-Asserted-Identity, RFC 3325 s9.1), which the gate hears of
# then: the call is intercepted from its answer on, all of its media decrypted (the offer's
# keys, the To's). divert_pai_case TAG SEED.
divert_pai_case() {
	local x=$1 AP="sip:paidiverted$1$sfx@example.org" LP="XP$1$sfx" np_all
	local c=$tmp/${KD:-g}/community.json
	expect 0 "gen-cp$x" "$gen" --community "$c" --profile "${PROF:-rfc6509}" \
		--out "$tmp/cp$x-0.pcap" --calls 1 --duration 6 --caller "sip:paicaller$x$sfx@example.org" \
		--callee "$B" --start "$AT" --seed "$2"
	expect 0 "inject-cp$x" python3 "$here/pcap_inject.py" "$tmp/cp$x-0.pcap" "$tmp/cp$x.pcap" 0 \
		answerpai "$AP"
	cp "$tmp/cp$x-0.pcap.json" "$tmp/cp$x.pcap.json"
	ln -s "cp$x-0.pcap.d" "$tmp/cp$x.pcap.d"
	warrant "$LP" iri+cc "$AP" 2026-03-01T00:00:00Z 2026-04-01T00:00:00Z
	np_all=$(sent "$tmp/cp$x.pcap" from 0)
	replay "divertpai$x" "$tmp/cp$x.pcap"
	sumcheck "divertpai$x" "j['summary']['calls_intercepted']==1 and j['summary']['calls_intercepted_in_progress']==1 and j['liids']==['$LP']"
	sumcheck "divertpai$x" "j['summary']['decrypted']==$np_all and j['summary']['auth_failed']==0"
	expect 0 "cc-divertpai$x" python3 "$here/replay_check.py" "$tmp/ev-divertpai$x" "$LP" \
		"$tmp/cp$x.pcap.json" targets --input="$tmp/cp$x.pcap"
	expect 0 "iri-divertpai$x" python3 -c '
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
assert r[0]["type"] == "begin" and r[0].get("in_progress") is True, r[0]
assert r[0]["matched_by"] == ["sip-answer-p-asserted-identity"], r[0]
assert not any(x["kind"] == "sip" and x["sip"].startswith("INVITE ") for x in r), "INVITE in IRI"
assert r[-1]["type"] == "end"' "$tmp/ev-divertpai$x/$LP/iri.jsonl"
	# the INVITE asserting as many identities as a call keeps (4): the answering party is
	# still told apart from each of them and the To (that check overran its array: ASan)
	expect 0 "inject-cr$x" python3 "$here/pcap_inject.py" "$tmp/cp$x-0.pcap" "$tmp/cr$x-1.pcap" \
		0 invitepai "sip:pa1$x$sfx@example.org,sip:pa2$x$sfx@example.org,tel:+447700900001,sip:pa4$x$sfx@example.org"
	expect 0 "inject-cr$x-ans" python3 "$here/pcap_inject.py" "$tmp/cr$x-1.pcap" \
		"$tmp/cr$x.pcap" 0 answerpai "$AP"
	replay "divertpai4$x" "$tmp/cr$x.pcap"
	sumcheck "divertpai4$x" "j['summary']['calls_intercepted']==1 and j['summary']['calls_intercepted_in_progress']==1 and j['summary']['decrypted']==$np_all"
	# an answer that asserts the party called (as most do) asks the gate nothing more
	expect 0 "inject-cq$x" python3 "$here/pcap_inject.py" "$tmp/cp$x-0.pcap" "$tmp/cq$x.pcap" 0 \
		answerpai "$B"
	replay "answerpai$x" "$tmp/cq$x.pcap"
	sumcheck "answerpai$x" "j['summary']['calls_intercepted']==0 and j['summary']['warrant_decisions']==1"
	"$limf" warrant revoke "$LP" --reason "test done" >/dev/null 2>&1 || bad "revoke $LP"
}
# I_MESSAGEs that name no initiator (RFC 6509 s4.2 leaves it to the signalling): the signature
# is checked with each SIP party of the side that sent one, and the party it verifies with is
# the record's initiator_sip. An anonymous caller's offer (From anonymous, the INVITE's
# P-Asserted-Identity its signer) and a diverted call's answer (its 2xx asserting the party
# that answered, the signer) both verify; the same answer without that assertion does not, nor
# does a forged offer, which reaches no KMS. noidri_case TAG SEED.
noidri_case() {
	local x=$1 AC="sip:nicaller$1$sfx@example.org" AD="sip:nidiverted$1$sfx@example.org"
	local LN="XN$1$sfx" c=$tmp/${KD:-g}/community.json p=${PROF:-rfc6509} n_all r0 f
	local anon=sip:anonymous@anonymous.invalid
	expect 0 "gen-ni$x" "$gen" --community "$c" --profile "$p" --out "$tmp/ni$x-0.pcap" \
		--calls 1 --duration 4 --caller "$AC" --callee "$B" --start "$AT" --seed "$2" \
		--no-idri
	expect 0 "gen-ni$x-ans" "$gen" --community "$c" --profile "$p" \
		--out "$tmp/ni$x-ans.pcap" --calls 1 --duration 1 --caller "$AD" --callee "$AC" \
		--start "$AT" --seed $(($2 + 1)) --no-idri
	expect 0 "gen-nf$x" "$gen" --community "$c" --profile "$p" --out "$tmp/nf$x-0.pcap" \
		--calls 1 --duration 2 --caller "$AC" --callee "$B" --start "$AT" --seed $(($2 + 2)) \
		--no-idri --forge-sig
	for f in ni nf; do
		expect 0 "inject-$f$x-from" python3 "$here/pcap_inject.py" "$tmp/$f$x-0.pcap" \
			"$tmp/$f$x-1.pcap" 0 fromspoof "$anon"
		expect 0 "inject-$f$x-pai" python3 "$here/pcap_inject.py" "$tmp/$f$x-1.pcap" \
			"$tmp/$f$x-2.pcap" 0 invitepai "$AC"
		cp "$tmp/$f$x-0.pcap.json" "$tmp/$f$x-2.pcap.json"
		ln -s "$f$x-0.pcap.d" "$tmp/$f$x-2.pcap.d"
	done
	expect 0 "inject-ni$x-ans" python3 "$here/pcap_inject.py" "$tmp/ni$x-2.pcap" \
		"$tmp/ni$x-3.pcap" 0 answerimsg "$tmp/ni$x-ans.pcap"
	expect 0 "inject-ni$x-apai" python3 "$here/pcap_inject.py" "$tmp/ni$x-3.pcap" \
		"$tmp/ni$x.pcap" 0 answerpai "$AD"
	for f in ni$x-3 ni$x; do
		cp "$tmp/ni$x-0.pcap.json" "$tmp/$f.pcap.json"
		ln -s "ni$x-0.pcap.d" "$tmp/$f.pcap.d"
	done
	warrant "$LN" iri+cc "$AC" 2026-03-01T00:00:00Z 2026-04-01T00:00:00Z
	n_all=$(sent "$tmp/ni$x.pcap" from 0)
	# the offer alone, then with the diverted answer, asserted or not
	for f in ni$x-2 ni$x ni$x-3; do
		replay "$f" "$tmp/$f.pcap"
		sumcheck "$f" "j['summary']['calls_intercepted']==1 and j['liids']==['$LN']"
		sumcheck "$f" "j['summary']['decrypted']==$n_all and j['summary']['auth_failed']==0"
		expect 0 "cc-$f" python3 "$here/replay_check.py" "$tmp/ev-$f" "$LN" \
			"$tmp/$f.pcap.json" targets --input="$tmp/$f.pcap"
	done
	expect 0 "iri-ni$x" python3 -c '
import json, sys
def km(path):
    r = [json.loads(l) for l in open(path)]
    assert r[0]["matched_by"] == ["sip-p-asserted-identity"], r[0]
    return {k["side"]: (k["outcome"], k["signature"], k["initiator"], k["initiator_sip"])
            for k in (x["key_management"] for x in r if x["kind"] == "key-management")}
caller, answerer = sys.argv[4], sys.argv[5]
offer = ("keys", "valid", "", caller)
assert km(sys.argv[1]) == {"offer": offer}, km(sys.argv[1])
assert km(sys.argv[2]) == {"offer": offer, "answer": ("keys", "valid", "", answerer)}, km(sys.argv[2])
k = km(sys.argv[3])
assert k["offer"] == offer and k["answer"][:2] == ("bad-signature", "invalid"), k' \
		"$tmp/ev-ni$x-2/$LN/iri.jsonl" "$tmp/ev-ni$x/$LN/iri.jsonl" \
		"$tmp/ev-ni$x-3/$LN/iri.jsonl" "$AC" "$AD"
	r0=$(grep -c "keyprov" "$tmp/${KD:-g}/log")
	replay "nf$x" "$tmp/nf$x-2.pcap"
	sumcheck "nf$x" "j['summary']['calls_intercepted']==1 and j['summary']['decrypted']==0"
	[ "$(grep -c "keyprov" "$tmp/${KD:-g}/log")" -eq "$r0" ] && ok ||
		bad "nf$x: a forged I_MESSAGE reached the KMS"
	expect 0 "iri-nf$x" python3 -c '
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
k = [x["key_management"] for x in r if x["kind"] == "key-management"]
assert [(x["outcome"], x["signature"], x["initiator_sip"]) for x in k] == [("bad-signature", "invalid", "")], k' \
		"$tmp/ev-nf$x/$LN/iri.jsonl"
	"$limf" warrant revoke "$LN" --reason "test done" >/dev/null 2>&1 || bad "revoke $LN"
}
union_case "" 75
divert_case "" 77
divert_pai_case "" 79
noidri_case "" 81
# the same on a 3GPP MCX community (3gpp-uid, mcx profile): the targets appear in the
# I_MESSAGEs only as UIDs, each computed with the context of the I_MESSAGE that names it
kms_up "$tmp/u" 3gpp-uid kms.winu.test
KD=u PROF=mcx union_case u 85
KD=u PROF=mcx divert_case u 87
KD=u PROF=mcx divert_pai_case u 89
KD=u PROF=mcx noidri_case u 91
kms_down "$tmp/u"

# ---- 5b. a warrant that comes into force during a call intercepted already (pipeline.h 3b):
# it joins the call from that instant, beside the warrant the call began under
AJ="sip:join$sfx@example.org" LJ1="WJ$sfx" LJ2="WK$sfx" LJ3="WI$sfx"
expect 0 genj "$gen" --community "$tmp/g/community.json" --out "$tmp/cj.pcap" --calls 1 \
	--background 1 --duration 10 --caller "$AJ" --callee "$B" --start "$AT" --seed 64
warrant "$LJ1" iri+cc "$AJ" 2026-03-01T00:00:00Z 2026-04-01T00:00:00Z
warrant "$LJ2" iri+cc "$AJ" "$T5" 2026-04-01T00:00:00Z
nj_all=$(sent "$tmp/cj.pcap" from 0)
nj_after=$(sent "$tmp/cj.pcap" from "$(epoch "$T5")")
[ "${nj_after:-0}" -gt 500 ] && [ "$nj_after" -lt "$nj_all" ] && ok || bad "packets from $T5: '$nj_after' of '$nj_all'"
for w in 1 3; do
	r0=$(nreq)
	replay "join-w$w" "$tmp/cj.pcap" --workers "$w"
	sumcheck "join-w$w" "j['summary']['calls_intercepted']==1 and j['summary']['calls_intercepted_in_progress']==0 and j['summary']['liids_joined_in_progress']==1"
	sumcheck "join-w$w" "sorted(j['liids'])==sorted(['$LJ1','$LJ2']) and j['summary']['decrypted']==$nj_all and j['complete']"
	[ "$(nreq)" -eq $((r0 + 1)) ] && ok || bad "join-w$w: $(($(nreq) - r0)) key requests, want 1"
	# the first warrant: the whole call; the one that joined: exactly from its start
	expect 0 "cc-join1-w$w" python3 "$here/replay_check.py" "$tmp/ev-join-w$w" "$LJ1" \
		"$tmp/cj.pcap.json" targets --input="$tmp/cj.pcap"
	expect 0 "cc-join2-w$w" python3 "$here/replay_check.py" "$tmp/ev-join-w$w" "$LJ2" \
		"$tmp/cj.pcap.json" targets --from="$(epoch "$T5")" --input="$tmp/cj.pcap"
	expect 0 "iri-join2-w$w" python3 "$tmp/iri_late.py" "$tmp/ev-join-w$w/$LJ2/iri.jsonl" "$(epoch "$T5")"
	# the same CIN for both; the first LIID's BEGIN is the INVITE, not "in progress"
	expect 0 "iri-join1-w$w" python3 -c '
import json, sys
a = [json.loads(l) for l in open(sys.argv[1])]
b = [json.loads(l) for l in open(sys.argv[2])]
assert a[0]["type"] == "begin" and "in_progress" not in a[0] and a[0]["kind"] == "sip", a[0]
assert a[0]["sip"].startswith("INVITE"), a[0]["sip"][:20]
assert {r["cin"] for r in a} == {r["cin"] for r in b} and len({r["cin"] for r in a}) == 1
assert a[-1]["type"] == "end" and b[-1]["type"] == "end"' \
		"$tmp/ev-join-w$w/$LJ1/iri.jsonl" "$tmp/ev-join-w$w/$LJ2/iri.jsonl"
	expect 0 "verify-join-w$w" "$limf" verify "$tmp/ev-join-w$w"
done
# its decryption is on its own audit log: keys before use, done at the end (one each a run),
# the done row saying how much of the call it received (the first LIID: all of it)
for a in decrypt.keys decrypt.done; do
	n=$("$limf" audit list --liid "$LJ2" | grep -c "$a")
	[ "$n" -eq 2 ] && ok || bad "$LJ2: $n $a rows, want 2"
done
n=$("$limf" audit list --liid "$LJ2" | grep "decrypt.done" | grep -c " delivered=$nj_after ")
[ "$n" -eq 2 ] && ok || bad "$LJ2: $n decrypt.done rows with delivered=$nj_after, want 2"
n=$("$limf" audit list --liid "$LJ1" | grep "decrypt.done" | grep -c " delivered=$nj_all ")
[ "$n" -eq 2 ] && ok || bad "$LJ1: $n decrypt.done rows with delivered=$nj_all, want 2"
# a call with IRI only so far gets its keys when a content warrant joins: one key request;
# its streams wrapped their sequence numbers before (the first at 65500: ROC 1, in no packet)
# and are still found; the keys' record goes to the content warrant alone (the IRI-only
# LIID's authority does not learn of it)
"$limf" warrant revoke "$LJ1" --reason "test done" >/dev/null 2>&1 || bad "revoke $LJ1"
warrant "$LJ3" iri "$AJ" 2026-03-01T00:00:00Z 2026-04-01T00:00:00Z
expect 0 genjw "$gen" --community "$tmp/g/community.json" --out "$tmp/cjw.pcap" --calls 1 \
	--duration 10 --caller "$AJ" --callee "$B" --start "$AT" --seed 65 --first-seq 65500
njw_after=$(sent "$tmp/cjw.pcap" from "$(epoch "$T5")")
r0=$(nreq)
replay join-iri "$tmp/cjw.pcap"
sumcheck join-iri "sorted(j['liids'])==sorted(['$LJ2','$LJ3']) and j['summary']['liids_joined_in_progress']==1 and j['summary']['decrypted']==$njw_after and j['summary']['auth_failed']==0"
[ "$(nreq)" -eq $((r0 + 1)) ] && ok || bad "join-iri: $(($(nreq) - r0)) key requests, want 1"
expect 0 cc-join-iri python3 "$here/replay_check.py" "$tmp/ev-join-iri" "$LJ2" \
	"$tmp/cjw.pcap.json" targets --from="$(epoch "$T5")" --input="$tmp/cjw.pcap"
expect 0 iri-join-iri python3 "$tmp/iri_late.py" "$tmp/ev-join-iri/$LJ2/iri.jsonl" "$(epoch "$T5")"
[ -e "$tmp/ev-join-iri/$LJ3/cc.pcap" ] && bad "join-iri: content for the IRI-only $LJ3" || ok
expect 0 km-join-iri python3 -c '
import json, sys
km = [r["key_management"]["outcome"] for r in map(json.loads, open(sys.argv[1]))
      if r["kind"] == "key-management"]
assert km and set(km) == {"iri-only"}, km' "$tmp/ev-join-iri/$LJ3/iri.jsonl"
for l in "$LJ2" "$LJ3"; do "$limf" warrant revoke "$l" --reason "test done" >/dev/null 2>&1 || bad "revoke $l"; done

# 5c. a warrant joins a call keyed twice (a re-key 5 s in) 7 s in, and its audit log takes the
# first of its two decrypt.keys rows but refuses the second (once: a trigger): the LIID has IRI
# only until the retry a second later, which writes the row that was missing and not the one
# written before: each key use is on its log once; its content begins with that retry
AK="sip:audited$sfx@example.org" LK1="KA$sfx" LK2="KB$sfx" T7=2026-03-15T12:00:07Z
expect 0 genk "$gen" --community "$tmp/g/community.json" --out "$tmp/ck.pcap" --calls 1 \
	--duration 10 --caller "$AK" --callee "$B" --start "$AT" --seed 66 --rekey
warrant "$LK1" iri+cc "$AK" 2026-03-01T00:00:00Z 2026-04-01T00:00:00Z
warrant "$LK2" iri+cc "$AK" "$T7" 2026-04-01T00:00:00Z
fn=t_audit_once_$sfx
sqls "CREATE SEQUENCE public.$fn;
CREATE FUNCTION public.$fn() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS \$f\$
BEGIN
	IF NEW.action = 'decrypt.keys' AND NEW.liid = '$LK2' AND nextval('public.$fn') = 2 THEN
		RAISE EXCEPTION 'test: the second decrypt.keys row of $LK2 refused';
	END IF;
	RETURN NEW;
END \$f\$;
CREATE TRIGGER $fn BEFORE INSERT ON limf.audit FOR EACH ROW EXECUTE FUNCTION public.$fn()" &&
	ok || bad "audit trigger"
# (exit 3: the evidence is incomplete, that LIID's content of the second it waited missing)
rc=3 replay audit-part "$tmp/ck.pcap"
n=$(psql -X -qAt "$LIMF_DB_SUPER dbname=limf" -c "SELECT last_value FROM public.$fn")
sqls "DROP TRIGGER $fn ON limf.audit; DROP FUNCTION public.$fn(); DROP SEQUENCE public.$fn" &&
	ok || bad "drop audit trigger"
[ "$n" -eq 3 ] && ok || bad "audit-part: $n decrypt.keys inserts of $LK2 tried, want 3"
grep -q "LIID $LK2 has IRI only for now" "$tmp/err-audit-part" && ok ||
	bad "audit-part: the refused row not told"
sumcheck audit-part "sorted(j['liids'])==sorted(['$LK1','$LK2']) and j['summary']['liids_joined_in_progress']==1 and j['summary']['audit_errors']==1 and not j['complete']"
for l in "$LK1" "$LK2"; do
	n=$("$limf" audit list --liid "$l" | grep -c " decrypt.keys ")
	[ "$n" -eq 2 ] && ok || bad "audit-part: $l has $n decrypt.keys rows, want 2 (one per key use)"
done
# the content under the joiner: every packet from its first on, which is a second after the
# first one at its warrant's start
nk_from=$(python3 -c '
import sys
sys.path.insert(0, sys.argv[2])
from cc_times import cc_times
print("%.6f" % min(cc_times(sys.argv[1])))' "$tmp/ev-audit-part/$LK2/cc.pcap" "$here")
nk=$(sent "$tmp/ck.pcap" from "$nk_from")
expect 0 cc-audit-part python3 -c '
import sys
sys.path.insert(0, sys.argv[4])
from cc_times import cc_times
ts, start, n = cc_times(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
assert start + 1 <= min(ts) < start + 1.1, min(ts) - start
assert len(ts) == n, (len(ts), n)' "$tmp/ev-audit-part/$LK2/cc.pcap" "$(epoch "$T7")" "$nk" "$here"
expect 0 verify-audit-part "$limf" verify "$tmp/ev-audit-part"
for l in "$LK1" "$LK2"; do "$limf" warrant revoke "$l" --reason "test done" >/dev/null 2>&1 || bad "revoke $l"; done

# ---- 5d. a warrant suspended and resumed (at the wall clock, as operators do): replayed later,
# traffic of the suspension is not intercepted (the status is active again; the database keeps
# the period, schema version 8); a call that spans the suspension's start is intercepted until
# it, one that spans its end from then ("in progress"), one after it whole
AW="sip:paused$sfx@example.org" LW="YP$sfx"
w0=$(date +%s)
warrant "$LW" iri+cc "$AW" "$(iso $((w0 - 86400)))" "$(iso $((w0 + 86400)))"
"$limf" warrant suspend "$LW" --reason "test: paused" >/dev/null && ok || bad "suspend $LW"
sleep 5
"$limf" warrant resume "$LW" >/dev/null && ok || bad "resume $LW"
read -r s_at r_at < <(psql -X -qAt -F ' ' "$LIMF_DB_SUPER dbname=limf" -c "SELECT
	extract(epoch FROM s.suspended_at), extract(epoch FROM s.resumed_at)
	FROM limf.warrant_suspensions s JOIN limf.warrants w ON w.id = s.warrant_id
	WHERE w.liid = '$LW'")
s0=${s_at%.*} r1=$((${r_at%.*} + 1)) # (the calls' times from both ends: a slow suspend or
# resume command, on a loaded machine, moves the period's end)
# gen5d NAME START DURATION SEED: a call of AW to B
gen5d() {
	expect 0 "gen-$1" "$gen" --community "$tmp/g/community.json" --out "$tmp/$1.pcap" \
		--calls 1 --duration "$3" --caller "$AW" --callee "$B" --start "$(iso "$2")" \
		--seed "$4"
}
gen5d pin $((s0 + 1)) 2 93                # inside the period (5 s at least)
gen5d pstart $((s0 - 3)) 5 94            # across its start
gen5d pend $((s0 + 2)) $((r1 + 2 - s0)) 95 # across its end (3 s after it)
gen5d pafter $((r1 + 1)) 2 96            # after it
gen5d pacross $((s0 - 2)) $((r1 + 5 - s0)) 97 # across all of it (2 s before, 3 s after)
r0=$(nreq)
replay pin "$tmp/pin.pcap"
sumcheck pin "j['summary']['calls_intercepted']==0 and j['summary']['decrypted']==0 and j['liids']==[]"
[ "$(nreq)" -eq "$r0" ] && ok || bad "pin: a key request for a call of the suspension"
# part5d NAME before|from T CHECK: the call NAME intercepted (CHECK on the summary), its media
# decrypted exactly before / from T, byte for byte
part5d() {
	local n bound=--until
	[ "$2" = from ] && bound=--from
	n=$(sent "$tmp/$1.pcap" "$2" "$3")
	replay "$1" "$tmp/$1.pcap"
	sumcheck "$1" "j['summary']['calls_intercepted']==1 and $4"
	sumcheck "$1" "j['summary']['decrypted']==$n and $n > 100"
	expect 0 "cc-$1" python3 "$here/replay_check.py" "$tmp/ev-$1" "$LW" "$tmp/$1.pcap.json" \
		targets "$bound=$3" --input="$tmp/$1.pcap"
}
part5d pstart before "$s_at" "j['summary']['warrant_ends_in_call']==1"
part5d pend from "$r_at" "j['summary']['calls_intercepted_in_progress']==1"
replay pafter "$tmp/pafter.pcap"
sumcheck pafter "j['summary']['calls_intercepted']==1 and j['summary']['decrypted']==$(sent "$tmp/pafter.pcap" from 0)"
# across all of it: until it, and again from its end on (before, a LIID ended at a valid_to
# that began a suspension never came back: the rest of the call was lost)
nb=$(sent "$tmp/pacross.pcap" before "$s_at") na=$(sent "$tmp/pacross.pcap" from "$r_at")
k0=$("$limf" audit list --liid "$LW" | grep -c " decrypt.keys ")
replay pacross "$tmp/pacross.pcap"
sumcheck pacross "j['summary']['calls_intercepted']==1 and j['summary']['warrant_ends_in_call']==1 and j['summary']['decrypted']==$((nb + na)) and $nb > 100 and $na > 100"
expect 0 cc-pacross python3 "$here/replay_check.py" "$tmp/ev-pacross" "$LW" \
	"$tmp/pacross.pcap.json" targets "--gap=$s_at,$r_at" --input="$tmp/pacross.pcap"
python3 - "$tmp/ev-pacross/$LW/iri.jsonl" "$s_at" "$r_at" <<'PY' && ok || bad "pacross: IRI"
import json, sys
from datetime import datetime
r = [json.loads(l) for l in open(sys.argv[1])]
t = [datetime.fromisoformat(x["time"].replace("Z", "+00:00")).timestamp() for x in r]
s, e = float(sys.argv[2]), float(sys.argv[3])
out = [i for i, x in enumerate(r) if x.get("reason") == "warrant-not-in-force"]
begins = [i for i, x in enumerate(r) if x["type"] == "begin"]
assert len(out) == 1 and abs(t[out[0]] - s) < 1e-3, (out, out and t[out[0]] - s)
assert begins == [0, out[0] + 1] and not r[0].get("in_progress"), begins
assert r[begins[1]].get("in_progress") is True and t[begins[1]] >= e, (r[begins[1]], t[begins[1]] - e)
assert all(x < s for x in t[:out[0]]) and all(x >= e for x in t[begins[1]:]), t
sips = [x["sip"].split(" ")[0] for x in r if x["kind"] == "sip"]
assert "INVITE" in sips and "BYE" in sips and r[-1]["type"] == "end", (sips, r[-1])
assert len({x["cin"] for x in r}) == 1
PY
k1=$("$limf" audit list --liid "$LW" | grep -c " decrypt.keys ")
[ "$k1" -eq $((k0 + 2)) ] && ok || bad "pacross: $((k1 - k0)) decrypt.keys rows, want 2 (its start, its return)"
# the same call with its last packet before the period moved after the first one in it (its
# time kept: a clock that goes back, as merged captures do): that packet is not decrypted (the
# LIID ended), and the LIID still comes back at the period's end (before, a decision at that
# earlier time, in force to the period's start, was the last one asked)
python3 - "$tmp/pacross.pcap" "$tmp/pback.pcap" "$s_at" <<'PY' && ok || bad "pback: pcap"
import struct, sys
raw = open(sys.argv[1], "rb").read()
div = 1e9 if struct.unpack_from("<I", raw, 0)[0] == 0xA1B23C4D else 1e6
recs, off = [], 24
while off + 16 <= len(raw):
    sec, frac, incl = struct.unpack_from("<III", raw, off)
    recs.append((sec + frac / div, raw[off:off + 16 + incl]))
    off += 16 + incl
s = float(sys.argv[3])
first = next(i for i, r in enumerate(recs) if r[0] >= s)
moved = recs.pop(first - 1)
assert len(moved[1]) > 16 + 200, "not a media packet"
recs.insert(first, moved)
open(sys.argv[2], "wb").write(raw[:24] + b"".join(r[1] for r in recs))
PY
cp "$tmp/pacross.pcap.json" "$tmp/pback.pcap.json"
replay pback "$tmp/pback.pcap"
sumcheck pback "j['summary']['calls_intercepted']==1 and j['summary']['decrypted']==$((nb - 1 + na))"
python3 - "$tmp/ev-pback/$LW/iri.jsonl" <<'PY' && ok || bad "pback: IRI"
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
assert [x["type"] for x in r if x["type"] != "continue"] == ["begin", "report", "begin", "end"], r
PY
# the same call with the caller's first 20 packets (handed over before the period) sent again 3 s
# after it: the call's keys, dropped at the period's start and got again at its end, keep the
# replay state they had, so the 20 are replays, not handed over a second time (before, the new
# sessions' empty windows took them)
expect 0 inject-prep python3 "$here/pcap_inject.py" "$tmp/pacross.pcap" "$tmp/prep.pcap" \
	"t+$((r1 + 3 - s0))" replayold 20
cp "$tmp/pacross.pcap.json" "$tmp/prep.pcap.json"
replay prep "$tmp/prep.pcap"
sumcheck prep "j['summary']['decrypted']==$((nb + na)) and j['summary']['replayed']==20"
"$limf" warrant revoke "$LW" --reason "test done" >/dev/null 2>&1 || bad "revoke $LW"

# ---- 3 and 4: limf capture (times of now: it re-checks warrants against the wall clock)
cat >"$tmp/limf.conf" <<EOF
$(conf_db_kms "$tmp/g")
[evidence]
sign_key = $tmp/sign.pem
EOF
capture() { # NAME ARGS...: limf capture in the background, stderr to $tmp/NAME.err; sets cpid
	local name=$1
	shift
	"$limf" capture --config "$tmp/limf.conf" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" </dev/null &
	cpid=$!
}
reap() { # NAME [WANT]: waits for the capture, checks it exited WANT (else 0)
	wait "$cpid"
	local got=$?
	cpid=''
	if [ "$got" -eq "${2:-0}" ]; then ok; else bad "$1: exit $got"; tail -20 "$tmp/$1.err" >&2; fi
}
NOW=$(date +%s)
# 3. a call 60 s ahead, its warrant ending 5 s into it: in force at the wall clock throughout
S=$((NOW + 60)) A3="sip:cap$sfx@example.org" L3="WD$sfx"
warrant "$L3" iri+cc "$A3" "$(iso $((NOW - 3600)))" "$(iso $((S + 5)))"
expect 0 gen3 "$gen" --community "$tmp/g/community.json" --out "$tmp/c3.pcap" --calls 1 \
	--duration 10 --caller "$A3" --callee "$B" --start "$(iso "$S")" --seed 63
for w in 1 3; do
	capture "max$w" --pcap "$tmp/c3.pcap" --speed max --workers "$w" --record "$tmp/ev-max$w"
	reap "max$w"
	grep -q "warrant_ends_in_call 1 " "$tmp/max$w.err" && ok || { bad "max$w: summary"; tail -5 "$tmp/max$w.err" >&2; }
	expect 0 "cc-max$w" python3 "$here/replay_check.py" "$tmp/ev-max$w" "$L3" "$tmp/c3.pcap.json" \
		targets --until=$((S + 5)) --input="$tmp/c3.pcap"
	expect 0 "iri-max$w" python3 "$tmp/iri_end.py" "$tmp/ev-max$w/$L3/iri.jsonl" $((S + 5))
done

# 3b. at recorded speed, a call 60 s ahead of the wall clock whose warrant ends 4 s into it and
# is extended 6 s in to end 5 s in: in force at the wall clock, not on the call's clock (past
# that end): the call does not take it back, and the gate is asked about it once after the
# change, not again at every re-check (one decision a second for the rest of the call)
S=$(($(date +%s) + 60)) A3s="sip:skew$sfx@example.org" L3s="KC$sfx"
warrant "$L3s" iri+cc "$A3s" "$(iso $((NOW - 3600)))" "$(iso $((S + 4)))"
expect 0 gen3s "$gen" --community "$tmp/g/community.json" --out "$tmp/c3s.pcap" --calls 1 \
	--duration 14 --caller "$A3s" --callee "$B" --start "$(iso "$S")" --seed 69
capture skew --pcap "$tmp/c3s.pcap" --workers 1 --record "$tmp/ev-skew"
for _ in $(seq 100); do grep -q "first frame" "$tmp/skew.err" && break; sleep 0.1; done
sleep 6
"$limf" warrant modify "$L3s" --to "$(iso $((S + 5)))" >/dev/null && ok || bad "modify $L3s"
reap skew
n=$(sed -n 's/.*warrant gate: decisions \([0-9]*\) .*/\1/p' "$tmp/skew.err")
# the call's start, and the one join decision after the change (not 7 more, one a second)
[ -n "$n" ] && [ "$n" -le 3 ] && ok || bad "skew: ${n:-no} warrant decisions, want at most 3"
expect 0 cc-skew python3 "$here/replay_check.py" "$tmp/ev-skew" "$L3s" "$tmp/c3s.pcap.json" \
	targets --until=$((S + 4)) --input="$tmp/c3s.pcap"
expect 0 iri-skew python3 "$tmp/iri_end.py" "$tmp/ev-skew/$L3s/iri.jsonl" $((S + 4))
"$limf" warrant revoke "$L3s" --reason "test done" >/dev/null 2>&1 || bad "revoke $L3s"

# 4. scope iri+cc -> iri 3 s into a 10 s call played at its recorded speed
A4="sip:scope$sfx@example.org" L4="WE$sfx"
warrant "$L4" iri+cc "$A4" "$(iso $((NOW - 3600)))" "$(iso $((NOW + 86400)))"
expect 0 gen4 "$gen" --community "$tmp/g/community.json" --out "$tmp/c4.pcap" --calls 1 \
	--duration 10 --caller "$A4" --callee "$B" --start "$(iso "$(date +%s)")" --seed 64
capture scope --pcap "$tmp/c4.pcap" --record "$tmp/ev-scope"
for _ in $(seq 100); do grep -q "first frame" "$tmp/scope.err" && break; sleep 0.1; done
sleep 3
t_mod=$(date +%s.%N)
"$limf" warrant modify "$L4" --scope iri >/dev/null && ok || bad "warrant modify"
reap scope
cat >"$tmp/scope.py" <<'PY'
import json, sys
from cc_times import capture_clock, cc_times
d, errf, t_mod = sys.argv[1], sys.argv[2], float(sys.argv[3])
mod = capture_clock(errf, t_mod)  # the change on the capture's clock
ts = cc_times(d + "/cc.pcap")
assert len(ts) > 100, len(ts)
assert max(ts) <= mod + 1.5, "CC %.3f s after the change to iri" % (max(ts) - mod)
assert max(ts) >= mod - 1.5, "CC stopped %.3f s before the change" % (mod - max(ts))
recs = [json.loads(l) for l in open(d + "/iri.jsonl")]
assert recs[-1]["type"] == "end" and any(r["kind"] == "sip" and r["sip"].startswith("BYE") for r in recs), recs[-1]
print("%d CC packets, the last %.3f s after the change; IRI to the end" % (len(ts), max(ts) - mod))
PY
expect 0 scope-cc env PYTHONPATH="$(readlink -f "$here")" python3 "$tmp/scope.py" "$tmp/ev-scope/$L4" "$tmp/scope.err" "$t_mod"
has scope-cc "CC packets, the last"
sed 's/^/    /' "$tmp/out" >&2

# 6. a warrant added 3 s into a 10 s call played at its recorded speed (no warrant at all
# when the call began): intercepted from then on, within the re-check's second; and one added
# then on the caller of a second call, intercepted under another warrant since its start:
# joins it from then on (3b), that other warrant's LIID keeps the whole call
A6="sip:added$sfx@example.org" L8="WO$sfx" AJ6="sip:joinlive$sfx@example.org" LP="WP$sfx" LQ="WQ$sfx"
now6=$(iso "$(date +%s)")
expect 0 gen6 "$gen" --community "$tmp/g/community.json" --out "$tmp/c6a.pcap" --calls 1 \
	--duration 10 --caller "$A6" --callee "$B" --start "$now6" --seed 66
expect 0 gen6j "$gen" --community "$tmp/g/community.json" --out "$tmp/c6j.pcap" --calls 1 \
	--duration 10 --caller "$AJ6" --callee "$B" --start "$now6" --seed 63 --ipv6
pcap_merge "$tmp/c6.pcap" "$tmp/c6a.pcap" "$tmp/c6j.pcap" # (IPv6: other endpoints)
warrant "$LP" iri+cc "$AJ6" "$(iso $((NOW - 3600)))" "$(iso $((NOW + 86400)))"
capture added --pcap "$tmp/c6.pcap" --workers 2 --record "$tmp/ev-added"
for _ in $(seq 100); do grep -q "first frame" "$tmp/added.err" && break; sleep 0.1; done
sleep 3
t_add=$(date +%s.%N)
warrant "$L8" iri+cc "$A6" "$(iso $((NOW - 3600)))" "$(iso $((NOW + 86400)))"
t_join=$(date +%s.%N)
warrant "$LQ" iri+cc "$AJ6" "$(iso $((NOW - 3600)))" "$(iso $((NOW + 86400)))"
reap added
grep -q "calls 2 intercepted 2 " "$tmp/added.err" && ok || { bad "added: not intercepted"; grep "limf capture:" "$tmp/added.err" >&2; }
cat >"$tmp/added.py" <<'PY'
import json, sys
from cc_times import capture_clock, cc_times
d, errf, t_add = sys.argv[1], sys.argv[2], float(sys.argv[3])
add = capture_clock(errf, t_add)  # the warrant's arrival on the capture's clock
ts = cc_times(d + "/cc.pcap")
assert len(ts) > 100, len(ts)
assert min(ts) >= add - 0.1, "CC %.3f s before the warrant was added" % (add - min(ts))
assert min(ts) <= add + 1.5, "CC began %.3f s after the warrant was added" % (min(ts) - add)
recs = [json.loads(l) for l in open(d + "/iri.jsonl")]
assert recs[0]["type"] == "begin" and recs[0].get("in_progress") is True, recs[0]
sips = [r["sip"].split(" ")[0] for r in recs if r["kind"] == "sip"]
assert "INVITE" not in sips and "BYE" in sips and recs[-1]["type"] == "end", sips
print("%d CC packets, the first %.3f s after the warrant was added; IRI from then to the end"
      % (len(ts), min(ts) - add))
PY
for l in "$L8:$t_add" "$LQ:$t_join"; do
	expect 0 "added-cc-${l%%:*}" env PYTHONPATH="$(readlink -f "$here")" python3 "$tmp/added.py" "$tmp/ev-added/${l%%:*}" "$tmp/added.err" "${l#*:}"
	has "added-cc-${l%%:*}" "CC packets, the first"
	sed 's/^/    /' "$tmp/out" >&2
done
# the warrant the second call began under: its INVITE, more content than the one that joined,
# the same CIN
expect 0 join-live-first env PYTHONPATH="$(readlink -f "$here")" python3 -c '
import json, sys
from cc_times import cc_times
p, q = sys.argv[1], sys.argv[2]
a = [json.loads(l) for l in open(p + "/iri.jsonl")]
b = [json.loads(l) for l in open(q + "/iri.jsonl")]
assert a[0]["type"] == "begin" and "in_progress" not in a[0] and a[0]["sip"].startswith("INVITE"), a[0]
assert {r["cin"] for r in a} == {r["cin"] for r in b} and len({r["cin"] for r in a}) == 1
ta, tb = cc_times(p + "/cc.pcap"), cc_times(q + "/cc.pcap")
assert len(ta) == int(sys.argv[3]) and min(ta) < min(tb) - 1.5, (len(ta), sys.argv[3], min(tb) - min(ta))' \
	"$tmp/ev-added/$LP" "$tmp/ev-added/$LQ" "$(sent "$tmp/c6j.pcap" from 0)"

# 6b. at recorded speed: a warrant that takes over a second after one ending 11 s into a call
# (added 2 s in, in force from 12 s): the call goes on under it (same CIN, its BEGIN "in
# progress", its content from exactly that instant on the capture's clock); and a warrant's
# scope widened from iri to iri+cc 3 s into a call: its content from then on, its keys audited
# first (the audit log not writable at that instant: content only once it is)
# (The widened call's keys are $B's, cached under $LR1, so that only their use, its
# "decrypt.keys" rows, meets the audit log that cannot be written. $LR1 ends on the wall clock
# too, and its cached keys with it, and the capture's clock runs behind the wall clock by the
# time the capture took to start: $LR1 ends 11 s in, not 6, so that a start of up to 7 s (4 s
# seen on a loaded CI machine, where the steps to the widening took 2 s more than their
# sleeps: 9 s was too short once) still leaves them cached 3 s in. Before, $LR1 had ended there
# and the widened call's key request was what could not be audited: kms-error, asked again,
# no alarm, as test_gate 7 wants.)
AR="sip:renew$sfx@example.org" LR1="WS$sfx" LR2="WT$sfx" AW="sip:widen$sfx@example.org" LW="WU$sfx"
s6=$(date +%s)
t_end=$((s6 + 11))
expect 0 gen6r "$gen" --community "$tmp/g/community.json" --out "$tmp/c6r.pcap" --calls 1 \
	--duration 15 --caller "$AR" --callee "$B" --start "$(iso "$s6")" --seed 68
expect 0 gen6w "$gen" --community "$tmp/g/community.json" --out "$tmp/c6w.pcap" --calls 1 \
	--duration 15 --caller "$AW" --callee "$B" --start "$(iso "$s6")" --seed 62 --ipv6
pcap_merge "$tmp/c6b.pcap" "$tmp/c6r.pcap" "$tmp/c6w.pcap"
warrant "$LR1" iri+cc "$AR" "$(iso $((NOW - 3600)))" "$(iso "$t_end")"
warrant "$LW" iri "$AW" "$(iso $((NOW - 3600)))" "$(iso $((NOW + 86400)))"
capture renew --pcap "$tmp/c6b.pcap" --workers 2 --record "$tmp/ev-renew"
for _ in $(seq 100); do grep -q "first frame" "$tmp/renew.err" && break; sleep 0.1; done
sleep 2
warrant "$LR2" iri+cc "$AR" "$(iso $((t_end + 1)))" "$(iso $((NOW + 86400)))"
# (added before the first one ended on the capture's clock, which started with its first frame:
# the wall clock also counts the captures' generation, slow in an ASan build)
cap_now=$(env PYTHONPATH="$(readlink -f "$here")" python3 -c '
import sys, time
from cc_times import capture_clock
print(int(capture_clock(sys.argv[1], time.time())))' "$tmp/renew.err")
[ "${cap_now:-$t_end}" -lt "$t_end" ] && ok ||
	bad "renew: $LR2 added after $LR1 ended (capture clock $cap_now, slow start)"
sleep 1
# the widened scope's keys cannot be audited for 1.5 s (the service may not write the audit
# log): no content until they can, then content after a retry (1, 2, 4 ... s on)
sqls "REVOKE INSERT ON limf.audit FROM limf_service" && ok || bad "revoke audit insert"
t_mod=$(date +%s.%N)
"$limf" warrant modify "$LW" --scope iri+cc >/dev/null && ok || bad "warrant modify $LW"
sleep 1.5
sqls "GRANT INSERT (os_user, liid, action, detail) ON limf.audit TO limf_service" && ok ||
	bad "grant audit insert"
t_grant=$(date +%s.%N)
# (the audit rows not written meanwhile: the run says its interception is incomplete, exit 3)
reap renew 3
grep -Eq "ALARM: the interception is INCOMPLETE: .*, [1-9][0-9]* audit row\(s\) not written$" \
	"$tmp/renew.err" && ok || bad "renew: no ALARM for the audit rows not written"
expect 0 renew-cc env PYTHONPATH="$(readlink -f "$here")" python3 -c '
import json, sys
from cc_times import cc_times
p, q, end = sys.argv[1], sys.argv[2], float(sys.argv[3])
ta, tb = cc_times(p + "/cc.pcap"), cc_times(q + "/cc.pcap")
assert len(ta) > 100 and max(ta) < end, (len(ta), max(ta) - end)
assert len(tb) > 100 and end + 1 <= min(tb) < end + 1.1, (len(tb), min(tb) - end)
a = [json.loads(l) for l in open(p + "/iri.jsonl")]
b = [json.loads(l) for l in open(q + "/iri.jsonl")]
assert b[0]["type"] == "begin" and b[0].get("in_progress") is True, b[0]
assert {r["cin"] for r in a} == {r["cin"] for r in b} and len({r["cin"] for r in a}) == 1
assert b[-1]["type"] == "end" and any(r["kind"] == "sip" and r["sip"].startswith("BYE") for r in b)
print("%d CC packets before the first warrant ended, %d from the second one'"'"'s start, a second later" % (len(ta), len(tb)))' \
	"$tmp/ev-renew/$LR1" "$tmp/ev-renew/$LR2" "$t_end"
has renew-cc "CC packets before"
sed 's/^/    /' "$tmp/out" >&2
# no key request under the first warrant after its end (when the re-check ended it before
# the packets reached its end, the keys went with it and were asked again under the second
# alone)
n=$("$limf" audit list --liid "$LR1" | grep -c " kms.request ")
[ "$n" -eq 1 ] && ok || bad "$LR1: $n kms.request rows, want 1"
n=$("$limf" audit list --liid "$LR2" | grep -c " kms.request ")
[ "$n" -le 1 ] && ok || bad "$LR2: $n kms.request rows, want at most 1"
expect 0 widen-cc env PYTHONPATH="$(readlink -f "$here")" python3 -c '
import json, sys
from cc_times import capture_clock, cc_times
d, errf, t_mod, t_grant = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
mod, grant = capture_clock(errf, t_mod), capture_clock(errf, t_grant)
ts = cc_times(d + "/cc.pcap")
assert len(ts) > 50 and grant - 0.5 <= min(ts) <= grant + 3, (len(ts), min(ts) - grant)
recs = [json.loads(l) for l in open(d + "/iri.jsonl")]
assert recs[0]["type"] == "begin" and "in_progress" not in recs[0], recs[0]
km = [r["key_management"]["outcome"] for r in recs if r["kind"] == "key-management"]
assert km[0] == "iri-only" and "keys" in km, km
print("%d CC packets, the first %.3f s after the scope was widened, %.3f s after the audit log could be written" % (len(ts), min(ts) - mod, min(ts) - grant))' \
	"$tmp/ev-renew/$LW" "$tmp/renew.err" "$t_mod" "$t_grant"
has widen-cc "CC packets, the first"
sed 's/^/    /' "$tmp/out" >&2
n=$("$limf" audit list --liid "$LW" | grep -c " decrypt.keys ")
[ "$n" -ge 1 ] && ok || bad "$LW: no decrypt.keys row"

# 6c. at recorded speed: the warrant of a call intercepted since its start revoked 2 s in
# (its content stops), and 1.5 s later a new warrant added for the same party: the call goes on
# under the new one from then (same CIN, its BEGIN "in progress", its keys got again)
AX="sip:again$sfx@example.org" LX1="WX$sfx" LX2="WY$sfx"
expect 0 gen6c "$gen" --community "$tmp/g/community.json" --out "$tmp/c6c.pcap" --calls 1 \
	--duration 10 --caller "$AX" --callee "$B" --start "$(iso "$(date +%s)")" --seed 60
warrant "$LX1" iri+cc "$AX" "$(iso $((NOW - 3600)))" "$(iso $((NOW + 86400)))"
capture again --pcap "$tmp/c6c.pcap" --record "$tmp/ev-again"
for _ in $(seq 100); do grep -q "first frame" "$tmp/again.err" && break; sleep 0.1; done
sleep 2
t_rev=$(date +%s.%N)
"$limf" warrant revoke "$LX1" --reason "test: revoked mid-call" >/dev/null && ok || bad "revoke $LX1"
sleep 1.5
t_new=$(date +%s.%N)
warrant "$LX2" iri+cc "$AX" "$(iso $((NOW - 3600)))" "$(iso $((NOW + 86400)))"
reap again
expect 0 again-cc env PYTHONPATH="$(readlink -f "$here")" python3 -c '
import json, sys
from cc_times import capture_clock, cc_times
p, q, errf = sys.argv[1], sys.argv[2], sys.argv[3]
rev, new = capture_clock(errf, float(sys.argv[4])), capture_clock(errf, float(sys.argv[5]))
ta, tb = cc_times(p + "/cc.pcap"), cc_times(q + "/cc.pcap")
assert len(ta) > 50 and max(ta) <= rev + 1.5, (len(ta), max(ta) - rev)
assert len(tb) > 100 and new - 0.5 <= min(tb) <= new + 1.5, (len(tb), min(tb) - new)
a = [json.loads(l) for l in open(p + "/iri.jsonl")]
b = [json.loads(l) for l in open(q + "/iri.jsonl")]
assert b[0]["type"] == "begin" and b[0].get("in_progress") is True, b[0]
assert {r["cin"] for r in a} == {r["cin"] for r in b} and len({r["cin"] for r in a}) == 1
assert b[-1]["type"] == "end", b[-1]
print("%d CC packets until the revocation, %d from %.3f s after the new warrant" % (len(ta), len(tb), min(tb) - new))' \
	"$tmp/ev-again/$LX1" "$tmp/ev-again/$LX2" "$tmp/again.err" "$t_rev" "$t_new"
has again-cc "CC packets until the revocation"
sed 's/^/    /' "$tmp/out" >&2

# 6d. at recorded speed, two calls intercepted since their start: the warrant of one suspended
# 2 s in and resumed 3 s later; the other's warrant ending 2 s into its call and moved 3 s
# later to the next day (warrant modify --to). Neither gets content in between; each goes on
# under its warrant again from then.
# The calls are a minute ahead of the wall clock, so that the second's warrant ends on the
# capture's clock (pipeline.h 6) while the re-checks, at the wall clock, find it in force
AS="sip:resume$sfx@example.org" LS="WZ$sfx" AE="sip:extend$sfx@example.org" LE="WV$sfx"
t6d=$(date +%s)
expect 0 gen6d "$gen" --community "$tmp/g/community.json" --out "$tmp/c6ds.pcap" --calls 1 \
	--duration 10 --caller "$AS" --callee "$B" --start "$(iso $((t6d + 60)))" --seed 61
expect 0 gen6d2 "$gen" --community "$tmp/g/community.json" --out "$tmp/c6de.pcap" --calls 1 \
	--duration 10 --caller "$AE" --callee "$B" --start "$(iso $((t6d + 60)))" --seed 62 --ipv6
pcap_merge "$tmp/c6d.pcap" "$tmp/c6ds.pcap" "$tmp/c6de.pcap"
warrant "$LS" iri+cc "$AS" "$(iso $((NOW - 3600)))" "$(iso $((NOW + 86400)))"
warrant "$LE" iri+cc "$AE" "$(iso $((NOW - 3600)))" "$(iso $((t6d + 62)))"
capture resume --pcap "$tmp/c6d.pcap" --record "$tmp/ev-resume"
for _ in $(seq 100); do grep -q "first frame" "$tmp/resume.err" && break; sleep 0.1; done
sleep 2
t_sus=$(date +%s.%N)
"$limf" warrant suspend "$LS" --reason "test: suspended mid-call" >/dev/null && ok || bad "suspend $LS"
sleep 3
t_res=$(date +%s.%N)
"$limf" warrant resume "$LS" >/dev/null && ok || bad "resume $LS"
"$limf" warrant modify "$LE" --to "$(iso $((NOW + 86400)))" >/dev/null && ok || bad "modify $LE"
reap resume
grep -q "calls 2 intercepted 2 with_content 2 " "$tmp/resume.err" && ok || { bad "resume: summary"; grep "limf capture: .*frames" "$tmp/resume.err" >&2; }
# LIID dir, the capture's log, the instant its content stopped (capture clock), the instant
# its warrant was in force again (wall clock), how long after the first content may go on (the
# re-check's second and the command's time for a suspension; none for a valid_to)
cat >"$tmp/back.py" <<'PY'
import json, sys
from cc_times import capture_clock, cc_times
d, errf, stop = sys.argv[1], sys.argv[2], float(sys.argv[3])
back = capture_clock(errf, float(sys.argv[4]))
ts = cc_times(d + "/cc.pcap")
before = [t for t in ts if t < back - 0.5]
after = [t for t in ts if t >= back - 0.5]
assert len(before) > 20 and max(before) <= stop + float(sys.argv[5]), (len(before), max(before) - stop)
assert back - 0.5 - (stop + float(sys.argv[5])) > 0.5, ("no gap to look at", back - stop)
assert len(after) > 100 and min(after) <= back + 1.5, (len(after), after and min(after) - back)
r = [json.loads(l) for l in open(d + "/iri.jsonl")]
out = [i for i, x in enumerate(r) if x.get("reason") == "warrant-not-in-force"]
assert len(out) == 1, out
begins = [i for i, x in enumerate(r) if x["type"] == "begin"]
assert len(begins) == 2 and begins[0] == 0 and begins[1] > out[0], begins
assert r[begins[1]].get("in_progress") is True, r[begins[1]]
assert len({x["cin"] for x in r}) == 1 and r[-1]["type"] == "end", r[-1]
print("%d CC packets until it stopped, %d from %.3f s after it was in force again" % (len(before), len(after), min(after) - back))
PY
sus=$(env PYTHONPATH="$(readlink -f "$here")" python3 -c 'import sys; from cc_times import capture_clock; print(capture_clock(sys.argv[1], float(sys.argv[2])))' "$tmp/resume.err" "$t_sus")
expect 0 resume-cc env PYTHONPATH="$(readlink -f "$here")" python3 "$tmp/back.py" "$tmp/ev-resume/$LS" "$tmp/resume.err" "$sus" "$t_res" 1.3
has resume-cc "CC packets until it stopped"
sed 's/^/    /' "$tmp/out" >&2
expect 0 extend-cc env PYTHONPATH="$(readlink -f "$here")" python3 "$tmp/back.py" "$tmp/ev-resume/$LE" "$tmp/resume.err" "$((t6d + 62))" "$t_res" 0.05
has extend-cc "CC packets until it stopped"
sed 's/^/    /' "$tmp/out" >&2
for l in "$LS" "$LE"; do
	n=$("$limf" audit list --liid "$l" | grep -c " decrypt.keys ")
	[ "$n" -ge 2 ] && ok || bad "$l: $n decrypt.keys rows, want 2 (the start, the return)"
done

# 6e. a call whose capture clock is 5 s behind the wall clock: its warrant ends (valid_to) at
# the wall clock 3 s from now, where the re-check finds it not in force while on the call's own
# clock it still is; a warrant added for the same party after that joins the call and the
# ended one stays ended (not taken back by the join's decision on the call's clock)
AL="sip:behind$sfx@example.org" LB1="WF$sfx" LB2="WG$sfx"
t6e=$(date +%s)
expect 0 gen6e "$gen" --community "$tmp/g/community.json" --out "$tmp/c6e.pcap" --calls 1 \
	--duration 12 --caller "$AL" --callee "$B" --start "$(iso $((t6e - 5)))" --seed 69
warrant "$LB1" iri+cc "$AL" "$(iso $((NOW - 3600)))" "$(iso $((t6e + 3)))"
capture behind --pcap "$tmp/c6e.pcap" --record "$tmp/ev-behind"
while [ "$(date +%s)" -lt $((t6e + 5)) ]; do sleep 0.1; done
t_b2=$(date +%s.%N)
warrant "$LB2" iri+cc "$AL" "$(iso $((NOW - 3600)))" "$(iso $((NOW + 86400)))"
reap behind
expect 0 behind-cc env PYTHONPATH="$(readlink -f "$here")" python3 -c '
import json, sys
from cc_times import capture_clock, cc_times
p, q, errf = sys.argv[1], sys.argv[2], sys.argv[3]
end, add = capture_clock(errf, float(sys.argv[4])), capture_clock(errf, float(sys.argv[5]))
ta, tb = cc_times(p + "/cc.pcap"), cc_times(q + "/cc.pcap")
assert len(ta) > 20 and max(ta) <= end + 1.5, (len(ta), max(ta) - end)
assert len(tb) > 100 and add - 0.5 <= min(tb) <= add + 1.5, (len(tb), min(tb) - add)
a = [json.loads(l) for l in open(p + "/iri.jsonl")]
assert [r["type"] for r in a].count("begin") == 1, [r["type"] for r in a]
assert a[-1].get("reason") == "warrant-not-in-force", a[-1]
# the re-check that ended it decided at the wall clock, but its report is on the clock of the
# call: after the last content it ended, not 5 s later (the wall clock); no record goes back
import datetime
ts = [datetime.datetime.strptime(r["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
    tzinfo=datetime.timezone.utc).timestamp() for r in a]
assert ts == sorted(ts), ts
assert max(ta) <= ts[-1] <= max(ta) + 1.5, (ts[-1] - max(ta), ts[-1] - end)
print("%d CC packets until the warrant ended at the wall clock, none after (its report %.3f s after the last); the other %d from %.3f s after it was added" % (len(ta), ts[-1] - max(ta), len(tb), min(tb) - add))' \
	"$tmp/ev-behind/$LB1" "$tmp/ev-behind/$LB2" "$tmp/behind.err" "$((t6e + 3))" "$t_b2"
has behind-cc "none after"
sed 's/^/    /' "$tmp/out" >&2
# its key request audited under it once (the start), not again for the keys the joiner needed
n=$("$limf" audit list --liid "$LB1" | grep -c " kms.request ")
[ "$n" -eq 1 ] && ok || bad "$LB1: $n kms.request rows after it ended, want 1"
n=$("$limf" audit list --liid "$LB2" | grep -c " kms.request ")
[ "$n" -eq 1 ] && ok || bad "$LB2: $n kms.request rows, want 1"

# 6f. a call whose capture clock is 6 s behind the wall clock, its warrant suspended for 2 s
# (shorter than that): the re-checks stop its content at the wall clock's suspension and bring
# it back at the resume, where the call's clock is still before the suspension; the period
# itself, on the call's clock, gets nothing (before, a re-check in between took the wall
# clock's end of the warrant for the LIID's, and the content of the period went on)
AF="sip:lagging$sfx@example.org" LF="XL$sfx"
t6f=$(date +%s)
expect 0 gen6f "$gen" --community "$tmp/g/community.json" --out "$tmp/c6f.pcap" --calls 1 \
	--duration 14 --caller "$AF" --callee "$B" --start "$(iso $((t6f - 6)))" --seed 70
warrant "$LF" iri+cc "$AF" "$(iso $((NOW - 3600)))" "$(iso $((NOW + 86400)))"
capture lag --pcap "$tmp/c6f.pcap" --record "$tmp/ev-lag"
while [ "$(date +%s)" -lt $((t6f + 2)) ]; do sleep 0.1; done
"$limf" warrant suspend "$LF" --reason "test: suspended for 2 s" >/dev/null && ok || bad "suspend $LF"
while [ "$(date +%s)" -lt $((t6f + 4)) ]; do sleep 0.1; done
"$limf" warrant resume "$LF" >/dev/null && ok || bad "resume $LF"
reap lag
read -r s_at r_at < <(psql -X -qAt -F ' ' "$LIMF_DB_SUPER dbname=limf" -c "SELECT
	extract(epoch FROM s.suspended_at), extract(epoch FROM s.resumed_at)
	FROM limf.warrant_suspensions s JOIN limf.warrants w ON w.id = s.warrant_id
	WHERE w.liid = '$LF'")
expect 0 lag-cc env PYTHONPATH="$(readlink -f "$here")" python3 -c '
import datetime, json, sys
from cc_times import cc_times
d, s, r = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
def t(x):
    return datetime.datetime.strptime(x, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()
ts = cc_times(d + "/cc.pcap")
inside = [x for x in ts if s <= x < r]
assert not inside, ("%d CC packets in the suspension, the first %.3f s into it" % (len(inside), inside[0] - s))
assert len([x for x in ts if x < s]) > 20 and len([x for x in ts if x >= r]) > 100, (len(ts))
recs = [json.loads(l) for l in open(d + "/iri.jsonl")]
when = [t(x["time"]) for x in recs]
assert when == sorted(when), [(x["type"], x["time"]) for x in recs]
ends = [w for x, w in zip(recs, when) if x.get("reason") == "warrant-not-in-force"]
assert any(abs(w - s) < 0.05 for w in ends), (s, ends)
print("%d CC packets, none in the %.3f s suspension on the call clock; reports at %s" % (len(ts), r - s, ", ".join("%+.3f" % (w - s) for w in ends)))' \
	"$tmp/ev-lag/$LF" "$s_at" "$r_at"
has lag-cc "none in the"
sed 's/^/    /' "$tmp/out" >&2

# 7. the same with three calls of the target in progress and [database] late_rate = 1: one
# call a second is sent to the gate again, so the three begin about a second apart (not at once)
A7="sip:rate$sfx@example.org" L10="WR$sfx"
expect 0 gen7 "$gen" --community "$tmp/g/community.json" --out "$tmp/c7.pcap" --calls 3 \
	--duration 10 --caller "$A7" --callee "$B" --start "$(iso "$(date +%s)")" --seed 67
sed 's/^\[database\]$/[database]\nlate_rate = 1/' "$tmp/limf.conf" >"$tmp/rate.conf"
grep -q "^late_rate = 1$" "$tmp/rate.conf" && ok || bad "rate.conf"
"$limf" capture --config "$tmp/rate.conf" --pcap "$tmp/c7.pcap" --workers 1 \
	--record "$tmp/ev-rate" >"$tmp/rate.out" 2>"$tmp/rate.err" </dev/null &
cpid=$!
for _ in $(seq 100); do grep -q "first frame" "$tmp/rate.err" && break; sleep 0.1; done
sleep 2.5
t_add=$(date +%s.%N)
warrant "$L10" iri+cc "$A7" "$(iso $((NOW - 3600)))" "$(iso $((NOW + 86400)))"
reap rate
grep -q "calls 3 intercepted 3 " "$tmp/rate.err" && ok || { bad "rate: not all intercepted"; grep "limf capture:" "$tmp/rate.err" >&2; }
cat >"$tmp/rate.py" <<'PY'
import datetime, json, sys
from cc_times import capture_clock
d, errf, t_add = sys.argv[1], sys.argv[2], float(sys.argv[3])
add = capture_clock(errf, t_add)
def t(r):
    return datetime.datetime.strptime(r["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()
begins = sorted(t(r) for r in map(json.loads, open(d + "/iri.jsonl")) if r["type"] == "begin")
assert len(begins) == 3, begins
assert add - 0.1 <= begins[0] <= add + 1.5, (begins[0] - add)
gaps = [b - a for a, b in zip(begins, begins[1:])]
assert min(gaps) >= 0.5, gaps
print("3 calls begun %s s after the warrant was added" % ", ".join("%.2f" % (b - add) for b in begins))
PY
expect 0 rate-begins env PYTHONPATH="$(readlink -f "$here")" python3 "$tmp/rate.py" "$tmp/ev-rate/$L10" "$tmp/rate.err" "$t_add"
has rate-begins "3 calls begun"
sed 's/^/    /' "$tmp/out" >&2
# out of range: refused at start
sed 's/^late_rate = 1$/late_rate = 0/' "$tmp/rate.conf" >"$tmp/rate0.conf"
expect 1 rate0 "$limf" capture --config "$tmp/rate0.conf" --pcap "$tmp/c7.pcap"
has rate0 "late_rate: 1..100000"
finish
