#!/bin/bash
# End to end (issue 5): limf-gen writes calls keyed like the test KMS; limf replay runs them
# through the warrant gate (the private cluster of `make test`, service role) and the test KMS
# over mutual TLS into evidence bundles; replay_check.py compares the decrypted media with the
# generator's plaintext, byte for byte, and the WAVs with the G.711 decoding of it; limf verify
# checks the bundles. Non-targets: nothing decrypted, nothing written, no KMS request.
# Prints "N passed, N failed" last.
set -u
. "$(dirname "$0")/lib.sh"
gen=$BUILD/limf-gen
here=$(dirname "$0")
need_cluster
AT=2026-03-15T12:00:00Z
sfx=$$
openssl genpkey -algorithm ed25519 -out "$tmp/sign.pem" 2>/dev/null && ok || bad "ed25519 key"

# two communities and their KMSs: RFC 6509 identifiers, and TS 33.180 UIDs
kopts() { # NAME
	local d=$tmp/$1
	echo --kms "https://127.0.0.1:$(cat "$d/port")" --ca "$d/ca.pem" --cert "$d/client.pem" \
		--key "$d/client.key"
}
nreq() { grep -c 'path=/keymanagement/identity/v1/keyprov' "$tmp/$1/log"; }
kms_up "$tmp/g" rfc6509 kms.g.test
kms_up "$tmp/m" 3gpp-uid kms.m.test

warrant() { # LIID SCOPE TARGET [FROM TO]
	"$limf" warrant add --liid "$1" --authority "Court $1" --ref "REF-$1" --country GB \
		--from "${4:-2026-03-01T00:00:00Z}" --to "${5:-2026-04-01T00:00:00Z}" --scope "$2" \
		--delivery "lemf:$1" --target "$3" >/dev/null || bad "warrant add $1"
}
replay() { # NAME KMS PCAP [ARGS...]
	local name=$1 k=$2 pcap=$3
	shift 3
	# shellcheck disable=SC2046
	expect 0 "replay-$name" env LIMF_DB="$LIMF_DB_SERVICE" "$limf" replay --sign-key "$tmp/sign.pem" \
		$(kopts "$k") --json --out "$tmp/ev-$name" "$@" "$pcap"
	cp "$tmp/out" "$tmp/sum-$name.json"
}
check() { # BUNDLE LIID TRUTH CALLS [--no-wav]: the bundle's media against limf-gen's truth
	expect 0 "check-$1-$2" python3 "$here/replay_check.py" "$tmp/ev-$1" "$2" "$tmp/$3.pcap.json" "$4" "${@:5}"
}
sumcheck() { # BUNDLE EXPR: a check of replay's --json summary
	cp "$tmp/sum-$1.json" "$tmp/out"
	pyjson "summary-$1" "$2"
}
verify() { # NAME
	expect 0 "verify-$1" "$limf" verify "$tmp/ev-$1"
	has "verify-$1" "verified"
}

# ---- RFC 6509 profile: the caller is the target; two target calls among background calls
A="sip:alice$sfx@example.org" B="sip:bob$sfx@example.org"
LG=G$sfx
expect 0 gen-g "$gen" --community "$tmp/g/community.json" --out "$tmp/g1.pcap" --calls 2 \
	--background 3 --duration 2 --caller "$A" --callee "$B" --start "$AT" --seed 11 \
	--dump-keys "$tmp/keys-g1"
warrant "$LG" iri+cc "$A"
n0=$(nreq g)
replay g1 g "$tmp/g1.pcap"
sumcheck g1 "j['summary']['calls']==5 and j['summary']['calls_intercepted']==2"
sumcheck g1 "j['summary']['auth_failed']==0 and j['summary']['decrypted']>0 and j['liids']==['$LG']"
cp "$tmp/g1.pcap.json" "$tmp/out"
pyjson truth-g1 "len([c for c in j['calls'] if c['target']])==2"
check g1 "$LG" g1 targets
# each call's BEGIN record says where the target was found: the caller A in the From header
# and as the I_MESSAGE's initiator; no other record says it
expect 0 matched-g1 python3 -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
begins = [r for r in recs if r["type"] == "begin"]
assert len(begins) == 2, len(begins)
assert all(r["matched_by"] == ["sip-from", "mikey-initiator"] for r in begins), begins[0].get("matched_by")
assert all("matched_by" not in r for r in recs if r["type"] != "begin")
# the I_MESSAGE initiator is the SIP caller (From): named in every key-management record
km = [r["key_management"] for r in recs if r["kind"] == "key-management"]
assert len(km) == 2 and all(k["initiator_sip"] == k["initiator"] for k in km), km
print("ok")' "$tmp/ev-g1/$LG/iri.jsonl"
verify g1
# the signing key's fingerprint in the --json summary, for the authority to pin with
# (limf verify --fingerprint)
fpr=$(openssl pkey -in "$tmp/sign.pem" -pubout -outform DER | sha256sum | cut -c1-64)
sumcheck g1 "j['key_sha256']=='$fpr'"
expect 0 verify-g1-fpr "$limf" verify --fingerprint "$fpr" "$tmp/ev-g1"
has verify-g1-fpr "(the pinned fingerprint)"
# the KMS was asked for the callee's keys (the SAKKE payload is encrypted to it) and for no
# one else; the background users never reached it
[ $(($(nreq g) - n0)) -ge 1 ] && ok || bad "no KMS request for the target calls"
if grep 'keyprov' "$tmp/g/log" | grep -v "user=$B " | grep -q .; then
	bad "KMS asked for someone other than the target call's responder"
else ok; fi
if grep -q 'user=sip:user' "$tmp/g/log"; then bad "KMS asked for a background user"; else ok; fi
# IRI: every SIP message of both calls, BEGIN first, END last, the key management reported
cp "$tmp/ev-g1/$LG/iri.jsonl" "$tmp/out"
expect 0 iri-g1 python3 -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
cins = sorted(set(r["cin"] for r in recs))
assert len(cins) == 2, cins
for c in cins:
    rs = [r for r in recs if r["cin"] == c]
    assert rs[0]["type"] == "begin" and rs[0]["kind"] == "sip" and rs[0]["sip"].startswith("INVITE"), rs[0]
    assert rs[-1]["type"] == "end", rs[-1]
    assert all(r["type"] == "continue" for r in rs[1:-1])
    km = [r["key_management"] for r in rs if r["kind"] == "key-management"]
    assert len(km) == 1 and km[0]["signature"] == "valid" and km[0]["outcome"] == "keys", km
    assert km[0]["key_user"] == sys.argv[2]
    sips = [r for r in rs if r["kind"] == "sip"]
    assert any(r["sip"].startswith("BYE") for r in sips)
    assert all("user" not in r["from"] for r in rs)' "$tmp/ev-g1/$LG/iri.jsonl" "$B"
cp "$tmp/ev-g1/manifest.json" "$tmp/out"
pyjson manifest-g1 "[w['liid'] for w in j['warrants']]==['$LG'] and len(j['calls'])==2"
# the warrant as read when the bundle first had output of it (unchanged since: no at_end)
pyjson manifest-g1w "[(w['status'], w['scope'], w['as_of'][:2], 'at_end' in w) for w in j['warrants']]==[('active', 'iri+cc', '20', False)]"
pyjson manifest-g1 "all(c['content'] and c['liids']==['$LG'] for c in j['calls'])"
pyjson manifest-g1 "sorted(o['path'] for o in j['outputs'] if not o['path'].startswith('$LG/audio/'))==sorted(['$LG/iri.jsonl','$LG/hi2.pdu','$LG/cc.pcap','$LG/hi3.pdu'])"
pyjson manifest-g1 "len([o for o in j['outputs'] if o['path'].endswith('.wav')])==4"
# the tool that made it: the version `limf version` prints, with the source revision of the
# build (a git commit, -dirty with uncommitted changes; unknown outside a checkout)
tv=$("$limf" version | sed -n 's/^limf //p')
pyjson manifest-g1 "j['tool']=={'name':'limf','version':'$tv'}"
pyjson manifest-g1 "__import__('re').fullmatch(r'0\.1\.0\+([0-9a-f]{12}(-dirty)?|unknown)', j['tool']['version'])"
# no key material anywhere in the bundle: no JSON member named after a key ("rsk": ...; a bare
# "rsk" is no evidence: random media octets and the I_MESSAGEs' base64 in the IRI spell it now
# and then), and no file holds a call's SSV or the callee's RSK, as octets or as hex in either
# case (the generator's --dump-keys values)
if grep -rqiE '"(rsk|ssv|ssk|pvt)"[[:space:]]*:' "$tmp/ev-g1"; then
	bad "key material named in the bundle"
else ok; fi
expect 0 no-keys-g1 python3 -c '
import glob, json, os, sys
bundle, truth, keys = sys.argv[1:4]
secrets = []
for c in json.load(open(truth))["calls"]:
    if c["target"]:
        secrets.append(bytes.fromhex(c["ssv"]))
for f in glob.glob(os.path.join(keys, "*.rsk.hex")):
    secrets.append(bytes.fromhex(open(f).read().strip()))
assert len(secrets) >= 4, len(secrets)
forms = []
for k in secrets:
    forms += [k, k.hex().encode(), k.hex().upper().encode()]
for root, _, files in os.walk(bundle):
    for name in files:
        data = open(os.path.join(root, name), "rb").read()
        for f in forms:
            assert f not in data, (name, f[:8])
print("no key in", bundle)' "$tmp/ev-g1" "$tmp/g1.pcap.json" "$tmp/keys-g1"

# invariant 2: the key requests and both decryptions are on the audit log with the LIID
expect 0 audit-g1 "$limf" audit list --liid "$LG" --json
pyjson audit-g1 "len([r for r in j if r['action']=='decrypt.keys' and 'signature=valid' in r['detail']])==2"
pyjson audit-g1 "len([r for r in j if r['action']=='decrypt.done' and 'decrypted=' in r['detail']])==2"
pyjson audit-g1 "len([r for r in j if r['action']=='kms.request' and 'uri=$B' in r['detail']])>=1"
pyjson audit-g1 "all(r['db_role']=='limf_service' for r in j if r['action'].startswith(('kms.','decrypt.')))"
# the manifest anchors the audit chain after the replay's own rows (schema 6, limf.audit_head
# for the service role): the head the operator reads now (nothing written since), above every
# row of the replay, and what `audit verify --expect-head` checks later; --json says the same
hid=$(python3 -c 'import json,sys; print(max(r["id"] for r in json.load(open(sys.argv[1]))))' "$tmp/out")
expect 0 anchor-g1 python3 -c '
import json, sys
m = json.load(open(sys.argv[1] + "/manifest.json"))
s = json.load(open(sys.argv[2]))
a = m["audit"]
assert s["audit"] == a, (s["audit"], a)
assert isinstance(a["rows"], int) and a["rows"] >= int(sys.argv[3]), (a, sys.argv[3])
assert len(a["head"]) == 64 and int(a["head"], 16) != 0, a
print(a["rows"], a["head"])' "$tmp/ev-g1" "$tmp/sum-g1.json" "$hid"
read -r arows ahead <"$tmp/out"
expect 0 anchor-head-g1 "$limf" audit head
has anchor-head-g1 "^$arows $ahead\$"
expect 0 anchor-verify-g1 "$limf" audit verify --expect-head "$ahead" --min-rows "$arows"
has anchor-verify-g1 "holds the recorded head"

# ---- the same capture with one octet 0xFF in every Call-ID (the UA chooses it): PostgreSQL
# refuses text that is not UTF-8, so an unescaped audit detail failed the row and, fail-closed,
# dropped the keys. The calls are decrypted byte-exact as before, the audit shows the Call-ID
# escaped (\xFF), and the chain still verifies.
expect 0 patch-ff python3 "$here/pcap_inject.py" "$tmp/g1.pcap" "$tmp/g1ff.pcap" 0 callidff -
if grep -aq $'Call-ID: [^\r]*\xff\r' "$tmp/g1ff.pcap"; then ok; else bad "no 0xFF Call-ID written"; fi
replay g1ff g "$tmp/g1ff.pcap"
sumcheck g1ff "j['summary']['calls']==5 and j['summary']['calls_intercepted']==2 and j['liids']==['$LG']"
dec_g1=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["decrypted"])' "$tmp/sum-g1.json")
sumcheck g1ff "j['summary']['decrypted']==$dec_g1 and j['summary']['auth_failed']==0"
check g1ff "$LG" g1 targets
verify g1ff
# the evidence's JSON keeps the exact Call-ID: "\u00ff" alone would also be a real U+00FF, so
# wire text that is not UTF-8 comes with its octets (call_id_base64, sip_base64); the clean
# capture's bundle has no such twin
expect 0 wire-g1ff python3 -c '
import base64, json, sys
def recs(b):
    return [json.loads(l) for l in open(b + "/" + sys.argv[3] + "/iri.jsonl")]
ff = recs(sys.argv[1])
sip = [r for r in ff if r["kind"] == "sip"]
assert sip, "no SIP IRI"
for r in sip:
    raw = base64.b64decode(r["sip_base64"])
    cid = base64.b64decode(r["call_id_base64"])
    assert cid.endswith(b"\xff") and b"Call-ID: " + cid + b"\r\n" in raw, (cid, raw[:80])
    assert r["call_id"] == cid.decode("latin-1"), r["call_id"]
m = json.load(open(sys.argv[1] + "/manifest.json"))
assert all(base64.b64decode(c["call_id_base64"]).endswith(b"\xff") for c in m["calls"]), m["calls"]
clean = open(sys.argv[2] + "/" + sys.argv[3] + "/iri.jsonl").read() + open(sys.argv[2] + "/manifest.json").read()
assert "_base64" not in clean
print(len(sip), "SIP records with their octets")' "$tmp/ev-g1ff" "$tmp/ev-g1" "$LG"
expect 0 audit-g1ff "$limf" audit list --liid "$LG" --json
pyjson audit-g1ff "len([r for r in j if r['action']=='decrypt.keys' and 'signature=valid' in r['detail'] and chr(92)+'xFF imsg=' in r['detail']])==2"
pyjson audit-g1ff "len([r for r in j if r['action']=='decrypt.done' and chr(92)+'xFF streams=' in r['detail']])==2"
pyjson audit-g1ff "all(chr(0xFF) not in r['detail'] and chr(0xFFFD) not in r['detail'] for r in j)"
expect 0 audit-verify-g1ff "$limf" audit verify
has audit-verify-g1ff "audit chain intact"

# ---- the same capture with no warrant on anyone in it: nothing decrypted, nothing written,
# no KMS request at all
n1=$(nreq g)
"$limf" warrant suspend "$LG" --reason "test: suspended" >/dev/null || bad "suspend"
replay g1s g "$tmp/g1.pcap"
sumcheck g1s "j['summary']['calls_intercepted']==0 and j['summary']['decrypted']==0 and j['liids']==[]"
[ "$(nreq g)" -eq "$n1" ] && ok || bad "KMS request for a suspended warrant"
[ "$(find "$tmp/ev-g1s" -type f | wc -l)" -eq 3 ] && ok || bad "files written for no warrant"
cp "$tmp/ev-g1s/manifest.json" "$tmp/out"
pyjson manifest-g1s "j['outputs']==[] and j['calls']==[] and j['warrants']==[]"
"$limf" warrant resume "$LG" >/dev/null || bad "resume"
"$limf" warrant revoke "$LG" --reason "test: revoked" >/dev/null || bad "revoke"
replay g1r g "$tmp/g1.pcap"
sumcheck g1r "j['summary']['calls_intercepted']==0 and j['liids']==[]"
[ "$(nreq g)" -eq "$n1" ] && ok || bad "KMS request for a revoked warrant"
# a warrant whose window does not cover the calls
warrant "W$sfx" iri+cc "$A" 2026-03-16T00:00:00Z 2026-04-01T00:00:00Z
replay g1w g "$tmp/g1.pcap"
sumcheck g1w "j['summary']['calls_intercepted']==0 and j['liids']==[]"
[ "$(nreq g)" -eq "$n1" ] && ok || bad "KMS request outside the warrant's window"

# ---- the callee is the target, under two warrants (both get everything), one IRI-only
C="sip:carol$sfx@example.org" D="sip:dave$sfx@example.org"
expect 0 gen-g2 "$gen" --community "$tmp/g/community.json" --out "$tmp/g2.pcap" --calls 1 \
	--background 1 --duration 1 --caller "$C" --callee "$D" --start "$AT" --seed 12
warrant "X$sfx" iri+cc "$D"
warrant "Y$sfx" iri+cc "$D"
warrant "Z$sfx" iri "$C"
replay g2 g "$tmp/g2.pcap"
sumcheck g2 "sorted(j['liids'])==sorted(['X$sfx','Y$sfx','Z$sfx']) and j['summary']['calls_intercepted']==1"
check g2 "X$sfx" g2 targets
check g2 "Y$sfx" g2 targets
[ -e "$tmp/ev-g2/Z$sfx/cc.pcap" ] && bad "IRI-only warrant got content" || ok
[ -s "$tmp/ev-g2/Z$sfx/iri.jsonl" ] && ok || bad "IRI-only warrant got no IRI"
cmp -s "$tmp/ev-g2/X$sfx/cc.pcap" "$tmp/ev-g2/Y$sfx/cc.pcap" && ok || bad "two warrants, different content"
verify g2
# a LIID with '/' is one directory of its own (written %2F): "V" and "V/audio" on one call share
# no directory and no WAV (a '/' used to nest V/audio's outputs in V's audio directory)
E="sip:erin$sfx@example.org" F="sip:frank$sfx@example.org"
expect 0 gen-g3 "$gen" --community "$tmp/g/community.json" --out "$tmp/g3.pcap" --calls 1 \
	--background 0 --duration 1 --caller "$E" --callee "$F" --start "$AT" --seed 13
warrant "V$sfx" iri+cc "$F"
warrant "V$sfx/audio" iri+cc "$F"
replay g3 g "$tmp/g3.pcap"
sumcheck g3 "sorted(j['liids'])==sorted(['V$sfx','V$sfx/audio']) and j['summary']['calls_intercepted']==1"
cp "$tmp/ev-g3/manifest.json" "$tmp/out"
pyjson manifest-g3 "sorted((w['liid'], w['dir']) for w in j['warrants'])==[('V$sfx', 'V$sfx'), ('V$sfx/audio', 'V$sfx%2Faudio')]"
check g3 "V$sfx" g3 targets
v1="$tmp/ev-g3/V$sfx" v2="$tmp/ev-g3/V$sfx%2Faudio"
[ -s "$v2/iri.jsonl" ] && [ -s "$v2/cc.pcap" ] && [ ! -e "$v1/audio/iri.jsonl" ] && ok ||
	bad "LIID V/audio: not in a directory of its own ($(cd "$tmp/ev-g3" && find . -type f | sort | tr '\n' ' '))"
cmp -s "$v1/cc.pcap" "$v2/cc.pcap" && ok || bad "V and V/audio: different content"
w1=$(cd "$v1/audio" 2>/dev/null && ls ./*.wav | sort) w2=$(cd "$v2/audio" 2>/dev/null && ls ./*.wav | sort)
[ -n "$w1" ] && [ "$w1" = "$w2" ] && [ "$(echo "$w1" | wc -l)" = 2 ] && ok ||
	bad "V and V/audio: WAVs '$w1' vs '$w2'"
for w in $w1; do cmp -s "$v1/audio/$w" "$v2/audio/$w" || bad "V and V/audio: $w differs"; done
verify g3
"$limf" warrant revoke "V$sfx" --reason "test: done" >/dev/null || bad "revoke V"
"$limf" warrant revoke "V$sfx/audio" --reason "test: done" >/dev/null || bad "revoke V/audio"
# a LIID named like one of the bundle's own files is a directory of its own, its dot %2E (it
# used to take the name manifest.json, and the bundle could not be signed). The names are fixed:
# a run before on the same database (test_replay/workers3 in the same lane of make test) left
# them, revoked; moved out of the way as the superuser, triggers off
psql -X -q -v ON_ERROR_STOP=1 "$LIMF_DB_SUPER dbname=limf" -c "SET session_replication_role = replica;
	UPDATE limf.warrants SET liid = 'was-' || id WHERE liid IN ('manifest.json', 'manifest.pub')" \
	>/dev/null && ok || bad "move the LIIDs manifest.json and manifest.pub of a run before"
warrant manifest.json iri+cc "$F"
warrant manifest.pub iri "$F"
replay g3m g "$tmp/g3.pcap"
sumcheck g3m "sorted(j['liids'])==['manifest.json','manifest.pub'] and j['complete']"
cp "$tmp/ev-g3m/manifest.json" "$tmp/out"
pyjson manifest-g3m "sorted((w['liid'], w['dir']) for w in j['warrants'])==[('manifest.json', 'manifest%2Ejson'), ('manifest.pub', 'manifest%2Epub')]"
check g3m manifest%2Ejson g3 targets
verify g3m
[ -f "$tmp/ev-g3m/manifest.pub" ] && [ -s "$tmp/ev-g3m/manifest%2Epub/iri.jsonl" ] && ok ||
	bad "LIID manifest.pub: $(cd "$tmp/ev-g3m" && find . | sort | tr '\n' ' ')"
"$limf" warrant revoke manifest.json --reason "test: done" >/dev/null || bad "revoke manifest.json"
"$limf" warrant revoke manifest.pub --reason "test: done" >/dev/null || bad "revoke manifest.pub"
# a warrant suspended and resumed 300 times just before the replay (its periods from a minute
# before the bundle first had output of it are listed): the first 256 periods are listed and
# the rest counted, so that no warrant can make the manifest too large to be signed. Each
# period lasts about a millisecond (pg_sleep: at least the 20 us asked): the schema allows a
# period that starts and ends in the same microsecond, and without the pause a fast machine
# wrote some, which the check that no period is listed with its ends swapped (from < to) could
# not tell from a bug
warrant "SU$sfx" iri "$F"
psql -X -q -v ON_ERROR_STOP=1 "$LIMF_DB_SUPER dbname=limf" -c "DO \$\$ BEGIN
	INSERT INTO limf.audit (liid, action, detail) VALUES ('SU$sfx', 'test', 'suspended 300 x');
	FOR i IN 1..300 LOOP
	UPDATE limf.warrants SET status = 'suspended' WHERE liid = 'SU$sfx';
	PERFORM pg_sleep(0.00002);
	UPDATE limf.warrants SET status = 'active' WHERE liid = 'SU$sfx'; END LOOP; END \$\$" \
	>/dev/null && ok || bad "suspend/resume SU$sfx"
replay g3s g "$tmp/g3.pcap"
sumcheck g3s "j['liids']==['SU$sfx'] and j['complete']"
cp "$tmp/ev-g3s/manifest.json" "$tmp/out"
pyjson manifest-g3s "[(len(w['suspended_during_run']), w['suspended_periods_not_listed']) for w in j['warrants']]==[(256, 44)]"
pyjson manifest-g3s "all(ts(p['from']) < ts(p['to']) for p in j['warrants'][0]['suspended_during_run'])"
verify g3s
"$limf" warrant revoke "SU$sfx" --reason "test: done" >/dev/null || bad "revoke SU$sfx"
# only --liid: the other LIIDs are not written, and the key requests are audited under it alone
nx() { "$limf" audit list --liid "$1" | grep -c ' kms.request '; }
nx0=$(nx "X$sfx") ny0=$(nx "Y$sfx")
replay g2l g "$tmp/g2.pcap" --liid "Y$sfx"
[ "$(nx "X$sfx")" -eq "$nx0" ] && ok || bad "--liid Y: a key request audited under X"
[ "$(nx "Y$sfx")" -gt "$ny0" ] && ok || bad "--liid Y: the key request not audited under Y"
sumcheck g2l "j['liids']==['Y$sfx']"
check g2l "Y$sfx" g2 targets
# --liid of no warrant: refused before a key is fetched or a directory made (it used to give an
# empty bundle and exit 0)
n2=$(nreq g)
# shellcheck disable=SC2046
expect 1 liid-none env LIMF_DB="$LIMF_DB_SERVICE" "$limf" replay --sign-key "$tmp/sign.pem" \
	$(kopts g) --out "$tmp/ev-nope" --liid "NOPE$sfx" "$tmp/g2.pcap"
has liid-none "^limf: --liid NOPE$sfx: no such warrant$"
[ -e "$tmp/ev-nope" ] && bad "liid-none: the bundle directory was made" || ok
[ "$(nreq g)" -eq "$n2" ] && ok || bad "liid-none: a KMS request"
expect 1 refuse-nonempty2 env LIMF_DB="$LIMF_DB_SERVICE" "$limf" replay --sign-key "$tmp/sign.pem" \
	--out "$tmp/ev-g2" "$tmp/g2.pcap"
has refuse-nonempty2 "not empty"
expect 1 no-sign-key env -u LIMF_SIGN_KEY LIMF_DB="$LIMF_DB_SERVICE" "$limf" replay \
	--out "$tmp/ev-nokey" "$tmp/g2.pcap"
has no-sign-key "signing key"
# an unusable signing key (encrypted PEM, not Ed25519) stops the replay before anything: no key
# fetched, nothing decrypted, no directory (it was found only when signing, after the whole run,
# leaving the decrypted content unsigned on disk)
openssl genpkey -algorithm ed25519 -aes-128-cbc -pass pass:secret -out "$tmp/enc.pem" 2>/dev/null &&
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/ec.pem" 2>/dev/null ||
	bad "openssl genpkey enc/ec"
for k in enc ec; do
	n2=$(nreq g)
	# shellcheck disable=SC2046
	expect 1 "sign-key-$k" env LIMF_DB="$LIMF_DB_SERVICE" "$limf" replay --sign-key "$tmp/$k.pem" \
		$(kopts g) --out "$tmp/ev-key$k" "$tmp/g2.pcap"
	has "sign-key-$k" "the evidence signing key cannot be used: .*$k.pem: "
	[ -e "$tmp/ev-key$k" ] && bad "sign-key-$k: the bundle directory was made" || ok
	[ "$(nreq g)" -eq "$n2" ] && ok || bad "sign-key-$k: a KMS request with an unusable signing key"
done
expect 2 usage "$limf" replay --out "$tmp/x"

# ---- the same through limf.conf (it overrides the environment; flags override it)
cat >"$tmp/limf.conf" <<EOF
# limf.conf for the test
[database]
conninfo = $LIMF_DB_SERVICE
[kms]
url  = https://127.0.0.1:$(cat "$tmp/g/port")
ca   = $tmp/g/ca.pem   ; the KMS's CA
cert = $tmp/g/client.pem
key  = $tmp/g/client.key
[evidence]
sign_key = $tmp/sign.pem
[handover]
operator_id = OP-TEST
country = GB
EOF
expect 0 replay-conf "$limf" replay --config "$tmp/limf.conf" --out "$tmp/ev-conf" "$tmp/g2.pcap"
expect 0 check-conf python3 "$here/replay_check.py" "$tmp/ev-conf" "X$sfx" "$tmp/g2.pcap.json" targets
expect 0 verify-conf "$limf" verify "$tmp/ev-conf"
printf '[kms]\nurl = x\n[evidence]\nsing_key = /x\n' >"$tmp/bad.conf"
expect 1 bad-conf "$limf" replay --config "$tmp/bad.conf" --out "$tmp/ev-badconf" "$tmp/g2.pcap"
has bad-conf "bad.conf:4: unknown key 'sing_key' in \[evidence\]"
printf '[kms\n' >"$tmp/bad2.conf"
expect 1 bad-conf2 "$limf" replay --config "$tmp/bad2.conf" --out "$tmp/ev-badconf" "$tmp/g2.pcap"
has bad-conf2 "bad2.conf:1: malformed section header"
expect 1 missing-conf "$limf" replay --config "$tmp/none.conf" --out "$tmp/ev-badconf" "$tmp/g2.pcap"
has missing-conf "cannot be read"
[ -e "$tmp/ev-badconf" ] && bad "a bad config still created the bundle directory" || ok
# a KMS URL with credentials in it (they would be copied into the manifest and the logs):
# refused, nothing written
sed "s|^url  = https://|url  = https://user:secret@|" "$tmp/limf.conf" >"$tmp/cred.conf"
expect 1 cred-conf "$limf" replay --config "$tmp/cred.conf" --out "$tmp/ev-cred" "$tmp/g2.pcap"
has cred-conf "KMS URL: credentials in the URL"
[ -e "$tmp/ev-cred" ] && bad "a KMS URL with credentials: bundle directory created" || ok

# ---- hostile and damaged calls (RFC 6509): loss and reordering, re-key, SSRC change,
# corrupted packets, a forged signature, a call keyed by a KMS we do not know
E="sip:erin$sfx@example.org" F="sip:frank$sfx@example.org"
warrant "E$sfx" iri+cc "$E"
expect 0 gen-lr "$gen" --community "$tmp/g/community.json" --out "$tmp/lr.pcap" --calls 1 \
	--duration 3 --caller "$E" --callee "$F" --start "$AT" --seed 13 --loss 5 --reorder 5 --rekey --ssrc-change
replay lr g "$tmp/lr.pcap"
check lr "E$sfx" lr targets --no-wav
sumcheck lr "j['summary']['auth_failed']==0"
# a re-key whose first packet under the new keys (the callee's, reordered) comes before the
# re-INVITE's 200 OK, whose keys limf takes: it fails then, is held, and is decrypted when
# the keys come (before, that packet was lost: 1499 of 1500, byte-exact otherwise)
expect 0 gen-lr21 "$gen" --community "$tmp/g/community.json" --out "$tmp/lr21.pcap" --calls 1 \
	--duration 30 --caller "$E" --callee "$F" --start "$AT" --seed 21 --reorder 5 --rekey --ssrc-change
replay lr21 g "$tmp/lr21.pcap"
check lr21 "E$sfx" lr21 targets
sumcheck lr21 "j['summary']['decrypted']==3000 and j['summary']['auth_failed']==1 and j['summary']['decrypted_when_keys_came']==1"
# the re-INVITE's 200 OK and ACK 0.13 s late: both parties' first packets under the new keys
# (7 each) come before them, are held, and go on with their own times when the keys come;
# 0.4 s late: 40 come before, the last 32 held (HELD_MAX) go on, the first 8 are lost (each
# record at its own time: before 513185f a held packet could go on under another's time)
expect 0 gen-rk "$gen" --community "$tmp/g/community.json" --out "$tmp/rk.pcap" --calls 1 \
	--duration 4 --caller "$E" --callee "$F" --start "$AT" --seed 22 --rekey
for s in 0.13 0.4; do
	expect 0 "inject-rk$s" python3 "$here/pcap_inject.py" "$tmp/rk.pcap" "$tmp/rk$s.pcap" 0 late2xx $s
	replay "rk$s" g "$tmp/rk$s.pcap"
done
check rk0.13 "E$sfx" rk targets --input="$tmp/rk0.13.pcap" --times
sumcheck rk0.13 "j['summary']['decrypted']==400 and j['summary']['auth_failed']==14 and j['summary']['decrypted_when_keys_came']==14"
check rk0.4 "E$sfx" rk targets --input="$tmp/rk0.4.pcap" --times --lost=8
sumcheck rk0.4 "j['summary']['decrypted']==392 and j['summary']['auth_failed']==40 and j['summary']['decrypted_when_keys_came']==32"
# 0.13 s late again, with 40 junk packets to the call's media endpoint just before the 200 OK,
# of as many SSRCs or of one: they take only the held slots the call's streams leave, or one
# stream's share, so its 14 packets still go on when the keys come (before, the junk pushed
# them all out: 0 went on)
for k in ssrcfill ssrcjunk; do
	expect 0 "inject-rkj-$k" python3 "$here/pcap_inject.py" "$tmp/rk0.13.pcap" "$tmp/rkj-$k.pcap" pre2xx "$k" 40
	replay "rkj-$k" g "$tmp/rkj-$k.pcap"
	sumcheck "rkj-$k" "j['summary']['decrypted']==400 and j['summary']['decrypted_when_keys_came']==14"
done
# the same junk first, at the re-INVITE, 32 packets of two SSRCs (16 each, kept fresh): the
# call's 14 still get their share of the slots (an earlier version let such junk hold out
# every packet of the call's streams)
expect 0 "inject-rkj-first" python3 "$here/pcap_inject.py" "$tmp/rk0.13.pcap" "$tmp/rkj-first.pcap" reinv ssrcpair 32
replay rkj-first g "$tmp/rkj-first.pcap"
sumcheck rkj-first "j['summary']['decrypted']==400 and j['summary']['decrypted_when_keys_came']==14"
# a stranger's 486 to the call's INVITE, in the dialog its 200 OK makes, before that 200: the
# 200 shows the error was not the callee's, and the call goes on (before, it ended rejected,
# its answer's keys were never taken and its media were lost)
expect 0 inject-e486 python3 "$here/pcap_inject.py" "$tmp/rk.pcap" "$tmp/e486.pcap" inv err486 -
replay e486 g "$tmp/e486.pcap"
sumcheck e486 "j['summary']['decrypted']==400 and j['summary']['auth_failed']==0"
# after the re-key's 200 OK, the caller's stream (bound to the old keys) gets 100 pairs: a
# replay of its last packet, then a forged one. Each forged one is tried from its ROC under
# the new keys (carry_roc, costly), but at most 64 times (SSRC_TRIALS_MAX) under these keys,
# though the replays between keep its misses at 0; the call itself decrypts whole
for n in 30 100; do
	expect 0 "inject-cf$n" python3 "$here/pcap_inject.py" "$tmp/rk.pcap" "$tmp/cf$n.pcap" re2xx carryflood $n
	replay "cf$n" g "$tmp/cf$n.pcap"
	check "cf$n" "E$sfx" rk targets
done
sumcheck cf30 "[j['summary'][k] for k in ('decrypted','auth_failed','replayed','srtp_carry_tries')]==[400,30,30,30]"
sumcheck cf100 "[j['summary'][k] for k in ('decrypted','auth_failed','replayed','srtp_carry_tries','srtp_trials_skipped')]==[400,100,100,64,0]"
sumcheck rk0.13 "j['summary']['srtp_carry_tries']==0"
# 17000 answered dialogs of others (an INVITE and its 200 OK each: anyone can send both).
# Before the target's call (af0), they filled the call table (16384) and the call was never
# seen (not intercepted); now the oldest established calls not intercepted go to make room
# (617: traffic lost at a limit, so the evidence says it is incomplete, exit 3). After its
# ACK (afack), the call, intercepted (held), is never one to go. One worker: one call table
# (with N, N tables share the calls)
for w in 0 ack; do
	expect 0 "inject-af$w" python3 "$here/pcap_inject.py" "$tmp/rk.pcap" "$tmp/af$w.pcap" $w answerflood 17000
	# shellcheck disable=SC2046
	expect 3 "replay-af$w" env LIMF_DB="$LIMF_DB_SERVICE" "$limf" replay --sign-key "$tmp/sign.pem" \
		$(kopts g) --json --workers 1 --out "$tmp/ev-af$w" "$tmp/af$w.pcap"
	has "replay-af$w" "ALARM: the evidence is INCOMPLETE: traffic lost to capacity limits (calls_evicted 617)"
	cp "$tmp/out" "$tmp/sum-af$w.json"
	check "af$w" "E$sfx" rk targets
	sumcheck "af$w" "j['summary']['decrypted']==400 and j['summary']['calls_intercepted']==1 and j['summary']['calls']==17001 and j['summary']['evicted']['calls_evicted']==617"
done
# the caller's first packet comes after its next 3: decrypted and in cc.pcap, but before its
# WAV's start, so not in the WAV; counted (before, the manifest said 0 packets without a WAV)
expect 0 inject-fl python3 "$here/pcap_inject.py" "$tmp/rk.pcap" "$tmp/fl.pcap" 0 firstlate 3
replay fl g "$tmp/fl.pcap"
check fl "E$sfx" rk targets --no-wav
sumcheck fl "j['summary']['decrypted']==400 and j['audio']=={'wavs': 2, 'packets_without_wav': 1}"
python3 -c 'import json, sys; m = json.load(open(sys.argv[1])); assert m["audio"] == {"wavs": 2, "packets_without_wav": 1}, m["audio"]' \
	"$tmp/ev-fl/manifest.json" && ok || bad "fl: the manifest does not count the packet left out of the WAV"
# a BYE 2 s into the 4 s call, from the caller's address, ends the call at its answer: a 200
# or a 481; an error other than those (a 404 from a proxy that knows no such Contact), or no
# answer while the media goes on, ends nothing (before, the BYE itself ended the call: the
# caller could blind the interception with a BYE its peer never took). Its media that goes on
# after the 200 or 481 (an end the peer never saw: the BYE went to a second UA of the caller's)
# is still decrypted, byte for byte, and counted in the manifest (before, it went unbound once
# the call had lingered 5 s). The call's re-key comes at 2 s, just after the injected answer: a
# re-INVITE answered 200, so the dialog went on; its keys are used and its records, the
# re-INVITE's first, are REPORTs after the END (before, an ended call took no offer: 102
# packets of 200 per stream). With a wrong UDP checksum the callee's host discards it, which
# --verify-checksums follows (an l4_checksum drop, in the summary; the manifest says the
# checksums were verified)
for x in ok csum 200 481 404; do
	expect 0 "inject-bb$x" python3 "$here/pcap_inject.py" "$tmp/rk.pcap" "$tmp/bb$x.pcap" t+2 badbye $x
	replay "bb$x" g "$tmp/bb$x.pcap"
done
replay bbcsum-v g "$tmp/bbcsum.pcap" --verify-checksums
for r in bbok bbcsum bb404 bb200 bb481; do
	sumcheck "$r" "j['summary']['decrypted']==400 and j['summary']['drops'].get('l4_checksum', 0)==0"
done
# (the RTP frames of the capture after the injected answer; none after a 404, which ends nothing)
for r in bb200 bb481 bb404; do
	python3 -c 'import json, struct, sys
c = json.load(open(sys.argv[1]))["calls"]
d = open(sys.argv[2], "rb").read()
off, n, seen = 24, 0, False
while off + 16 <= len(d):
    incl = struct.unpack_from("<I", d, off + 8)[0]
    u = d[off + 16 + 42:off + 16 + incl]
    off += 16 + incl
    if u.startswith(b"SIP/2.0 " + sys.argv[3].encode() + b" Whatever"):
        seen = True
    elif seen and u[:1] and u[0] >> 6 == 2:
        n += 1
want = n if sys.argv[3] != "404" else 0
assert seen and len(c) == 1 and c[0]["rtp_after_end"] == want and want < 300, (want, c)
assert c[0]["went_on_after_end"] is (sys.argv[3] != "404"), c
iri = [json.loads(l) for l in open(sys.argv[4])]
types = [r["type"] for r in iri]
if sys.argv[3] == "404":
    assert "report" not in types and types[-1] == "end", types
else:
    e = types.index("end")
    after = iri[e + 1:]
    assert e > 0 and iri[e - 1]["kind"] == "sip" and iri[e]["kind"] == "sip", iri[e - 1:e + 1]
    assert after and all(r["type"] == "report" for r in after), types
    assert after[0]["kind"] == "sip" and after[0]["sip"].startswith("INVITE "), after[0]
    assert any(r["kind"] == "key-management" and r["key_management"]["outcome"] == "keys"
               for r in after), after' \
		"$tmp/ev-$r/manifest.json" "$tmp/$r.pcap" "${r#bb}" "$tmp/ev-$r/E$sfx/iri.jsonl" && ok ||
		bad "$r: the manifest or the IRI does not tell the RTP and the dialog after the BYE's answer"
done
check bb200 "E$sfx" rk targets
# the same in a 9 s call without a re-key: 7 s of its media after the 200, past the 5 s an ended
# call lingers; its streams keep it, so all of it is decrypted (before: 5 s of it)
expect 0 gen-bl "$gen" --community "$tmp/g/community.json" --out "$tmp/bl.pcap" --calls 1 \
	--duration 9 --caller "$E" --callee "$F" --start "$AT" --seed 23
expect 0 inject-bl python3 "$here/pcap_inject.py" "$tmp/bl.pcap" "$tmp/bbl.pcap" t+2 badbye 200
replay bbl g "$tmp/bbl.pcap"
sumcheck bbl "j['summary']['decrypted']==900 and j['summary']['calls_intercepted']==1"
check bbl "E$sfx" bl targets
# a re-INVITE after the re-key carrying the call's first I_MESSAGE again (A B A: valid, and
# public), then 20 of the first keys' packets sent again: the same keys are the same key set
# (moved to the newest), whose replay window refuses them; before, a second set of them with
# an empty window decrypted the 20 and handed them over a second time
expect 0 inject-aba python3 "$here/pcap_inject.py" "$tmp/rk.pcap" "$tmp/aba0.pcap" t+3 rekeys \
	"$tmp/rk.pcap"
expect 0 inject-aba2 python3 "$here/pcap_inject.py" "$tmp/aba0.pcap" "$tmp/aba.pcap" t+3 replayold 20
replay aba g "$tmp/aba.pcap"
sumcheck aba "j['summary']['decrypted']==400 and j['summary']['calls_intercepted']==1"
# the call's re-key, with re-INVITEs replaying valid I_MESSAGEs of the same two parties from
# calls an hour before: two before the re-key, one between its 200 OK and its ACK. The four key
# sets are then full, and the re-key's (its media not begun) is the latest of the offer's (its
# T), kept; the replay's set goes instead, the oldest T first. Before, the newest set that had
# authenticated nothing went: the re-key's, and its 200 packets with it
for k in 1 2 3; do
	"$gen" --community "$tmp/g/community.json" --out "$tmp/rko$k.pcap" --calls 1 --duration 1 \
		--caller "$E" --callee "$F" --start 2026-03-15T11:00:00Z --seed $((40 + k)) \
		>/dev/null || bad "gen rko$k"
done
expect 0 inject-rkr0 python3 "$here/pcap_inject.py" "$tmp/rk.pcap" "$tmp/rkr0.pcap" re2xx rekeys \
	"$tmp/rko3.pcap@10"
expect 0 inject-rkr python3 "$here/pcap_inject.py" "$tmp/rkr0.pcap" "$tmp/rkr.pcap" ack rekeys \
	"$tmp/rko1.pcap,$tmp/rko2.pcap"
replay rkr g "$tmp/rkr.pcap"
sumcheck rkr "j['summary']['decrypted']==400 and j['summary']['calls_intercepted']==1 and j['summary']['auth_failed']==0"
check rkr "E$sfx" rk targets
cp "$tmp/ev-rkr/E$sfx/iri.jsonl" "$tmp/out"
expect 0 rkr-km python3 -c '
import json, sys
km = [json.loads(l)["key_management"] for l in open(sys.argv[1]) if "key_management" in l]
assert [k["outcome"] for k in km] == ["keys"] * 5, [k["outcome"] for k in km]
off = sorted(k["t_offset_s"] for k in km)
assert off[0] < -3000 and off[2] < -3000 and abs(off[3]) <= 1 and abs(off[4]) <= 1, off
print("ok")' "$tmp/ev-rkr/E$sfx/iri.jsonl"
# the keys of the call's first I_MESSAGE, proven and then retired for newer ones (the re-key,
# then three replayed I_MESSAGEs of an hour before fill the four key sets), brought back by a
# re-INVITE carrying that I_MESSAGE again, and 20 of their packets sent again: the keys are
# used again with the replay state they had when retired, so the 20 are replays, not handed
# over a second time (before, a new set of them, its replay window empty, decrypted the 20
# again)
expect 0 inject-rtr0 python3 "$here/pcap_inject.py" "$tmp/rk.pcap" "$tmp/rtr0.pcap" t+3 rekeys \
	"$tmp/rko1.pcap,$tmp/rko2.pcap,$tmp/rko3.pcap@10"
expect 0 inject-rtr1 python3 "$here/pcap_inject.py" "$tmp/rtr0.pcap" "$tmp/rtr1.pcap" t+3 rekeys \
	"$tmp/rk.pcap@20"
expect 0 inject-rtr python3 "$here/pcap_inject.py" "$tmp/rtr1.pcap" "$tmp/rtr.pcap" t+3 replayold 20
replay rtr g "$tmp/rtr.pcap"
sumcheck rtr "j['summary']['decrypted']==400 and j['summary']['replayed']==20 and j['summary']['calls_intercepted']==1"
check rtr "E$sfx" rk targets
expect 0 rtr-km python3 -c '
import json, sys
km = [json.loads(l)["key_management"] for l in open(sys.argv[1]) if "key_management" in l]
assert [k["outcome"] for k in km] == ["keys"] * 6, [k["outcome"] for k in km]
print("ok")' "$tmp/ev-rtr/E$sfx/iri.jsonl"
# a re-key whose sender numbers its packets again 5000 lower, the SSRC kept: every packet under
# the new keys is far behind the old keys' window, and the old keys' session, to which the
# stream is bound, calls it a replay (libsrtp2 checks the window before the tag). It is tried
# under the call's newer keys all the same: all 400 decrypted (before, the 200 after the re-key
# were counted as replayed)
expect 0 gen-rkb "$gen" --community "$tmp/g/community.json" --out "$tmp/rkb.pcap" --calls 1 \
	--duration 4 --caller "$E" --callee "$F" --start "$AT" --seed 25 --rekey --first-seq 20000 \
	--rekey-back 5000
replay rkb g "$tmp/rkb.pcap"
sumcheck rkb "j['summary']['decrypted']==400 and j['summary']['replayed']==0 and j['summary']['auth_failed']==0"
# an outage at the interception point: 660 s of a call's media (33000 packets a side, more
# than half the sequence numbers) not captured, the numbers wrapping meanwhile. After it, the
# RFC 3711 estimate from the last packet seen is a ROC short, and the stream's session calls
# every packet too old; the bound session is tried with the next ROCs (at most once a second):
# all 4000 captured packets decrypted (before, the 2000 after the outage were replays). With a
# pool too: nothing at all is captured for 660 s, and the dispatcher finds the stream's endpoint
# before the first frame after the outage expires it (capture/dispatch.h; before, the 2000
# after the outage were unbound there). gapr: the same with the call's SRTCP going on through
# the outage (every 5 s), whose frames expire idle endpoints: the RTP endpoints, idle 660 s, are
# kept by their dialog, which the RTCP keeps seen (before, the 2000 were unbound there too)
expect 0 gen-gap "$gen" --community "$tmp/g/community.json" --out "$tmp/gap.pcap" --calls 1 \
	--duration 700 --caller "$E" --callee "$F" --start "$AT" --seed 27 --first-seq 60000 \
	--gap 20,660
replay gap g "$tmp/gap.pcap"
sumcheck gap "j['summary']['decrypted']==4000 and j['summary']['replayed']==0 and j['summary']['auth_failed']==0"
expect 0 gen-gapr "$gen" --community "$tmp/g/community.json" --out "$tmp/gapr.pcap" --calls 1 \
	--duration 700 --caller "$E" --callee "$F" --start "$AT" --seed 27 --first-seq 60000 \
	--gap 20,660 --rtcp
replay gapr g "$tmp/gapr.pcap"
sumcheck gapr "j['summary']['decrypted']==4000 and j['summary']['replayed']==0 and j['summary']['auth_failed']==0"
# ICE (RFC 8839): c= and m= name a TURN relay, and the media flows between the parties' host
# candidates, re-key included: all of it decrypted, byte for byte, by one pipeline and by two
# (whose dispatcher routes the candidates to the call's worker). Before, none of it was bound
expect 0 inject-ice python3 "$here/pcap_inject.py" "$tmp/rk.pcap" "$tmp/ice.pcap" 0 ice 203.0.113.77
for w in 1 2; do
	replay "ice$w" g "$tmp/ice.pcap" --workers "$w"
	sumcheck "ice$w" "j['summary']['decrypted']==400 and j['summary']['calls_intercepted']==1"
	check "ice$w" "E$sfx" rk targets
done
# the same with the media's endpoints in no SDP (peer-reflexive candidates: the agents learn
# them from their checks), each SDP its a=ice-ufrag: the connectivity checks after the 200 OK,
# whose USERNAMEs name the two sides' ufrags, bind the pair to the call (and route it to the
# call's worker). Before, none of the media was bound
expect 0 inject-prflx python3 "$here/pcap_inject.py" "$tmp/rk.pcap" "$tmp/prflx.pcap" 0 iceprflx \
	203.0.113.77
for w in 1 2; do
	replay "prflx$w" g "$tmp/prflx.pcap" --workers "$w"
	sumcheck "prflx$w" "j['summary']['decrypted']==400 and j['summary']['calls_intercepted']==1"
	check "prflx$w" "E$sfx" rk targets
done
sumcheck bbcsum-v "j['summary']['decrypted']==400 and j['summary']['drops']['l4_checksum']==1"
check bbcsum-v "E$sfx" rk targets
check bb404 "E$sfx" rk targets
verify bbcsum-v
python3 -c 'import json, sys; assert json.load(open(sys.argv[1]))["verify_checksums"] is True
assert "verify_checksums" not in json.load(open(sys.argv[2]))' \
	"$tmp/ev-bbcsum-v/manifest.json" "$tmp/ev-bbcsum/manifest.json" && ok ||
	bad "bbcsum-v: the manifest does not say the checksums were verified"
expect 0 gen-cor "$gen" --community "$tmp/g/community.json" --out "$tmp/cor.pcap" --calls 1 \
	--duration 2 --caller "$E" --callee "$F" --start "$AT" --seed 14 --corrupt 3
replay cor g "$tmp/cor.pcap"
check cor "E$sfx" cor targets --no-wav
sumcheck cor "j['summary']['auth_failed']==3"
expect 0 gen-forge "$gen" --community "$tmp/g/community.json" --out "$tmp/forge.pcap" --calls 1 \
	--duration 1 --caller "$E" --callee "$F" --start "$AT" --seed 15 --forge-sig
# the signature is checked before the key request: a forged I_MESSAGE in a target's call
# fetches no RSK (before, the callee's key was requested and cached, then found unusable)
nf0=$(nreq g)
replay forge g "$tmp/forge.pcap"
[ "$(nreq g)" -eq "$nf0" ] && ok || bad "forged I_MESSAGE: a key request ($nf0 -> $(nreq g))"
sumcheck forge "j['summary']['bad_signatures']==1 and j['summary']['decrypted']==0 and j['summary']['calls_intercepted']==1"
[ -e "$tmp/ev-forge/E$sfx/cc.pcap" ] && bad "forged I_MESSAGE: content written" || ok
cp "$tmp/ev-forge/E$sfx/iri.jsonl" "$tmp/out"
has forge-iri '"signature":"invalid"'
has forge-iri '"outcome":"bad-signature"'
expect 0 gen-foreign "$gen" --community "$tmp/g/community.json" --out "$tmp/foreign.pcap" --calls 1 \
	--duration 1 --caller "$E" --callee "$F" --start "$AT" --seed 16 --foreign-kms
# signed under another KMS's KPAK: it does not verify with ours, so it is refused before any
# key request (as a forged one is), with the detail naming both causes
nf0=$(nreq g)
replay foreign g "$tmp/foreign.pcap"
[ "$(nreq g)" -eq "$nf0" ] && ok || bad "foreign-KMS I_MESSAGE: a key request"
sumcheck foreign "j['summary']['decrypted']==0 and j['summary']['bad_signatures']==1"
cp "$tmp/ev-foreign/E$sfx/iri.jsonl" "$tmp/out"
has foreign-iri '"outcome":"bad-signature"'
has foreign-iri "signed under another KMS"
# a burst of forged I_MESSAGEs: a signature that does not verify may be one made under a KMS
# certificate this process has not seen (a roll-over), so the certificate is fetched again,
# but at most once per [kms] cert_refresh (60 s): six forged calls, one re-fetch, five refused
ninit() { grep -c 'path=/keymanagement/identity/v1/init' "$tmp/$1/log"; }
expect 0 gen-forge6 "$gen" --community "$tmp/g/community.json" --out "$tmp/forge6.pcap" --calls 6 \
	--duration 1 --caller "$E" --callee "$F" --start "$AT" --seed 17 --forge-sig
ni0=$(ninit g) nf0=$(nreq g)
replay forge6 g "$tmp/forge6.pcap"
[ "$(($(ninit g) - ni0))" -eq 2 ] && ok || bad "forged burst: $(($(ninit g) - ni0)) KMSInit requests, want 2 (the first and one re-fetch)"
[ "$(nreq g)" -eq "$nf0" ] && ok || bad "forged burst: a key request"
sumcheck forge6 "j['summary']['bad_signatures']==6 and j['summary']['decrypted']==0"
sumcheck forge6 "j['summary']['kms_cert_fetches']==2 and j['summary']['kms_cert_refetches_refused']==5"
# an I_MESSAGE whose responder identifier is empty (0 octets), in a target's call, in both
# profiles: it names no one to fetch a key for. Outcome "no-responder", no key request, nothing
# decrypted, the call's IRI kept (before, the mcx one crashed limf: the empty IDRuidr has no
# octets, and its UID was compared with each SIP party's)
for k in g m; do
	pr=rfc6509
	[ "$k" = m ] && pr=mcx
	expect 0 "gen-eidr-$k" "$gen" --community "$tmp/$k/community.json" --profile "$pr" \
		--out "$tmp/eidr-$k.pcap" --calls 1 --duration 1 --caller "$E" --callee "$F" \
		--start "$AT" --seed 19 --empty-idrr
	nf0=$(nreq "$k")
	replay "eidr-$k" "$k" "$tmp/eidr-$k.pcap"
	[ "$(nreq "$k")" -eq "$nf0" ] && ok || bad "eidr-$k: an empty responder: a key request"
	sumcheck "eidr-$k" "j['summary']['calls_intercepted']==1 and j['summary']['decrypted']==0"
	[ -e "$tmp/ev-eidr-$k/E$sfx/cc.pcap" ] && bad "eidr-$k: content written" || ok
	cp "$tmp/ev-eidr-$k/E$sfx/iri.jsonl" "$tmp/out"
	has "eidr-$k-iri" '"outcome":"no-responder"'
done

# a call at a time no certificate of its KMS is valid at (here: before the only one's
# ValidFrom): one re-fetch, then outcome "no-valid-certificate", no key request, nothing
# decrypted (before, the certificate's validity was not read: the call was decrypted)
kms_up "$tmp/v" rfc6509 kms.v.test --valid-from 2026-04-01T00:00:00Z
expect 0 gen-v "$gen" --community "$tmp/v/community.json" --out "$tmp/v.pcap" --calls 1 \
	--duration 1 --caller "$E" --callee "$F" --start "$AT" --seed 18
replay v v "$tmp/v.pcap"
[ "$(nreq v)" -eq 0 ] && ok || bad "outside the certificate's validity: a key request"
[ "$(ninit v)" -eq 2 ] && ok || bad "outside the certificate's validity: $(ninit v) KMSInit requests, want 2"
sumcheck v "j['summary']['decrypted']==0 and j['summary']['calls_intercepted']==1"
sumcheck v "j['summary']['imsg_outside_certificates']==1 and j['summary']['bad_signatures']==0"
[ -e "$tmp/ev-v/E$sfx/cc.pcap" ] && bad "outside the certificate's validity: content written" || ok
cp "$tmp/ev-v/E$sfx/iri.jsonl" "$tmp/out"
has v-iri '"outcome":"no-valid-certificate"'
has v-iri 'no KMS certificate valid at the call.s time 2026-03-15T12:00:00[.0-9]*Z (held: cert1.kms.v.test 2026-04-01T00:00:00Z..2100-01-01T00:00:00Z)'

# ---- replay after a KMS roll-over (the certificate store, schema 7). The KMS serves only its
# current certificate: a replay started after a roll-over got the new one alone, and the calls
# made under the old one came out "no-valid-certificate" (nothing decrypted). Every certificate
# limf fetches is now recorded in the database; the replay loads the old one from there (no
# KMS request) and both calls are decrypted. Without that record (KMS t: nothing fetched
# before its roll-over) the earlier call is still "no-valid-certificate".
RO=2026-03-15T12:30:00Z
Ls=S$sfx As="sip:sally$sfx@example.org" Bs="sip:sam$sfx@example.org"
warrant "$Ls" iri+cc "$As"
kms_up "$tmp/s" rfc6509 "kms.s$sfx.test"
kms_up "$tmp/t" rfc6509 "kms.t$sfx.test"
# before the roll-over: limf kms cert fetches (and so records) KMS s's certificate
# shellcheck disable=SC2046
expect 0 kms-cert-s env LIMF_DB="$LIMF_DB_SERVICE" "$limf" kms cert $(kopts s)
has kms-cert-s "cert1.kms.s$sfx.test"
for k in s t; do
	expect 0 "rollover-$k" "$BUILD/limf-kms" rollover "$tmp/$k" --at "$RO"
	# call 1 before the roll-over under the old certificate, call 2 after it under the new
	expect 0 "gen-$k-1" "$gen" --community "$tmp/$k/community.1.json" --out "$tmp/$k-1.pcap" \
		--calls 1 --duration 2 --caller "$As" --callee "$Bs" --start "$AT" --seed 41
	expect 0 "gen-$k-2" "$gen" --community "$tmp/$k/community.json" --out "$tmp/$k-2.pcap" \
		--calls 1 --duration 2 --caller "$As" --callee "$Bs" --start 2026-03-15T13:00:00Z --seed 42
done
ni0=$(ninit s)
replay store s "$tmp/s-1.pcap" "$tmp/s-2.pcap" --liid "$Ls"
# one KMSInit (the replay's first fetch: the new certificate); the old one from the database
[ "$(($(ninit s) - ni0))" -eq 1 ] && ok || bad "store: $(($(ninit s) - ni0)) KMSInit requests, want 1"
grep -q "keyprov.*cert=cert1.kms.s$sfx.test" "$tmp/s/log" && ok || bad "store: no key request under the old certificate"
sumcheck store "j['summary']['imsg_outside_certificates']==0 and j['summary']['calls_intercepted']==2"
expect 0 store-manifest python3 -c '
import json, sys
m = json.load(open(sys.argv[1] + "/manifest.json"))
c = m["calls"]
assert len(c) == 2, c
for x in c:
    assert sum(s["decrypted"] for s in x["streams"]) > 20, x["streams"]
recs = [json.loads(l) for l in open(sys.argv[1] + "/" + sys.argv[2] + "/iri.jsonl")]
km = [r["key_management"]["outcome"] for r in recs if r["kind"] == "key-management"]
assert km == ["keys", "keys"], km
certs = m["kms"]["certificates"]
got = [(x["cert_uri"], x["source"], x["first_seen"] is not None) for x in certs]
assert got == [("cert2." + sys.argv[3], "kms", True), ("cert1." + sys.argv[3], "database", True)], got
# recorded as the KMS served it when limf kms cert fetched it (before the roll-over)
assert certs[1]["valid_from"] == "2000-01-01T00:00:00Z", certs[1]
print("both calls decrypted; certificates", got)' "$tmp/ev-store" "$Ls" "kms.s$sfx.test"
verify store
"$limf" audit list --json >"$tmp/out"
pyjson store-audit "[r['db_role'] for r in j if r['action']=='kms.cert.load' and 'cert_uri=cert1.kms.s$sfx.test' in r['detail']]==['limf_service']"
pyjson store-audit-rec "len([r for r in j if r['action']=='kms.cert.record' and 'kms_uri=kms.s$sfx.test' in r['detail']])==2"
# KMS t: its old certificate was never fetched, so never recorded: call 1 has none
replay nostore t "$tmp/t-1.pcap" "$tmp/t-2.pcap" --liid "$Ls"
sumcheck nostore "j['summary']['imsg_outside_certificates']==1 and j['summary']['calls_intercepted']==2"
expect 0 nostore-manifest python3 -c '
import json, sys
m = json.load(open(sys.argv[1] + "/manifest.json"))
# the call before the roll-over: nothing decrypted; the one after it: decrypted
dec = [sum(s["decrypted"] for s in x["streams"]) for x in sorted(m["calls"], key=lambda x: x["start"])]
assert dec[0] == 0 and dec[1] > 20, dec
recs = [json.loads(l) for l in open(sys.argv[1] + "/" + sys.argv[2] + "/iri.jsonl")]
km = [r["key_management"]["outcome"] for r in recs if r["kind"] == "key-management"]
assert sorted(km) == ["keys", "no-valid-certificate"], km
assert [x["source"] for x in m["kms"]["certificates"]] == ["kms"], m["kms"]["certificates"]' "$tmp/ev-nostore" "$Ls"

# ---- hostile packets on a target call's media path (a reviewer's findings): 16 junk SSRCs
# sent to the call's media port before its real streams took every stream slot (nothing
# decrypted); four answered re-INVITEs replaying valid I_MESSAGEs of the same two parties
# (public: earlier calls carry them) evicted the key set the media still used. The target's
# media is decrypted as in the clean capture either way.
expect 0 gen-hs "$gen" --community "$tmp/g/community.json" --out "$tmp/hs.pcap" --calls 1 \
	--duration 2 --caller "$E" --callee "$F" --start "$AT" --seed 17
replay hs g "$tmp/hs.pcap"
dec_hs=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["decrypted"])' "$tmp/sum-hs.json")
expect 0 inject-junk python3 "$here/pcap_inject.py" "$tmp/hs.pcap" "$tmp/hs-junk.pcap" ack ssrcfill 16
replay hs-junk g "$tmp/hs-junk.pcap"
sumcheck hs-junk "j['summary']['decrypted']==$dec_hs>0 and j['summary']['auth_failed']==16"
# (the call's SSRC table full: its packets still go on, so nothing is lost)
sumcheck hs-junk "j['complete'] and j['summary']['drops']=={'ssrc_table_full':200} and j['summary']['lost_at_limits']==0"
expect 0 junk-manifest python3 -c '
import json, sys
c = json.load(open(sys.argv[1] + "/manifest.json"))["calls"]
assert len(c) == 1 and c[0]["streams_unauthenticated"] == 2 and c[0]["packets_unauthenticated"] == 2, c
assert sum(s["auth_failed"] for s in c[0]["streams"]) == 14, c[0]["streams"]
print("ok")' "$tmp/ev-hs-junk"
# its decrypt.done row accounts for them too (before, the 2 were missing from it)
expect 0 audit-hs-junk "$limf" audit list --liid "E$sfx" --json
pyjson audit-hs-junk "len([r for r in j if r['action']=='decrypt.done' and ' failed-authentication=14 unauthenticated-packets=2 ' in r['detail']])==1"
# 100 junk packets of one SSRC: tried against every session 64 times, then no more (each try
# of a junk SSRC costs up to every session of every key set); the call's media as before
expect 0 inject-junk1 python3 "$here/pcap_inject.py" "$tmp/hs.pcap" "$tmp/hs-j1.pcap" ack ssrcjunk 100
replay hs-j1 g "$tmp/hs-j1.pcap"
sumcheck hs-j1 "j['summary']['decrypted']==$dec_hs and j['summary']['auth_failed']==100 and j['summary']['srtp_trials_skipped']==36"
sumcheck hs "j['summary']['srtp_trials_skipped']==0"
# the same junk with the target stream's own SSRC (in clear in every packet) before its first
# packet: its count reaches the cap, yet its packets are still tried with the newest keys and
# all decrypted (before, every one was skipped until the call's keys changed)
expect 0 inject-forge python3 "$here/pcap_inject.py" "$tmp/hs.pcap" "$tmp/hs-f1.pcap" ack ssrcforge 100
replay hs-f1 g "$tmp/hs-f1.pcap"
sumcheck hs-f1 "j['summary']['decrypted']==$dec_hs and j['summary']['auth_failed']==100"
# the same too short to hold a tag, once the stream is bound: refused as such (other_failed), not
# as a forged tag. The manifest's stream row counts them, so that the rows add up to the
# summary's failures
expect 0 inject-short python3 "$here/pcap_inject.py" "$tmp/hs.pcap" "$tmp/hs-sh.pcap" ack+50 ssrcshort 30
replay hs-sh g "$tmp/hs-sh.pcap"
sumcheck hs-sh "j['summary']['decrypted']==$dec_hs and j['summary']['auth_failed']==30"
expect 0 short-manifest python3 -c '
import json, sys
c = json.load(open(sys.argv[1] + "/manifest.json"))["calls"]
st = c[0]["streams"]
assert len(c) == 1 and sorted(s["other_failed"] for s in st) == [0, 30], st
assert sum(s["auth_failed"] for s in st) == 0, st
print("ok")' "$tmp/ev-hs-sh"
sumcheck hs "j['complete'] and j['summary']['drops']=={} and j['summary']['lost_at_limits']==0"
# traffic lost at limf's limits: 300 first fragments of datagrams never completed, more than
# reassembly holds at once (256), so the 44 oldest are evicted for room. The target's media is
# decrypted as before (the other 256 time out at the end: input that never came, no loss),
# but a target's packets could have been among the evicted: the replay says the
# evidence is incomplete and exits 3, the signed manifest says why, and limf verify repeats it
expect 0 inject-frag python3 "$here/pcap_inject.py" "$tmp/hs.pcap" "$tmp/hs-frag.pcap" ack fragflood 300
# shellcheck disable=SC2046
expect 3 replay-hs-frag env LIMF_DB="$LIMF_DB_SERVICE" "$limf" replay --sign-key "$tmp/sign.pem" \
	$(kopts g) --json --out "$tmp/ev-hs-frag" "$tmp/hs-frag.pcap"
has replay-hs-frag-alarm "ALARM: the evidence is INCOMPLETE: traffic lost to capacity limits (frag_evicted 44): a target's packets may be among them$"
cp "$tmp/out" "$tmp/sum-hs-frag.json"
sumcheck hs-frag "not j['complete'] and j['summary']['decrypted']==$dec_hs and set(j['summary']['drops'])<={'frag_timeout'} and j['summary']['evicted']['frag_evicted']==44 and j['summary']['lost_at_limits']==44"
expect 0 verify-hs-frag "$limf" verify "$tmp/ev-hs-frag"
has verify-hs-frag "^WARNING: its producer stated the evidence is INCOMPLETE: traffic lost to capacity limits (frag_evicted 44)"
expect 0 manifest-hs-frag python3 -c '
import json, sys
m = json.load(open(sys.argv[1] + "/manifest.json"))
assert m["incomplete"].startswith("traffic lost to capacity limits (frag_evicted 44)"), m.get("incomplete")
assert m["summary"]["evicted"]["frag_evicted"] == 44 and "sources" not in m, m["summary"]
print("ok")' "$tmp/ev-hs-frag"
# a flood of SDPs mid-call (8320 unanswered INVITEs of other parties, 16 media endpoints
# each: 133120). One pipeline: its call table makes room by evicting only the junk calls'
# claims (the target's call is established). Two workers: the dispatcher's endpoint table
# (131072) makes room by age but spares endpoints whose media flowed in the last 5 s, so the
# call's routes stay.
# Either way the call is decrypted whole and, as no media comes for the junk, nothing was
# lost: the evidence is complete
expect 0 inject-sdp python3 "$here/pcap_inject.py" "$tmp/hs.pcap" "$tmp/hs-sdp.pcap" ack+10 sdpflood 8320
for w in 1 2; do
	replay "hs-sdp$w" g "$tmp/hs-sdp.pcap" --workers "$w"
	sumcheck "hs-sdp$w" "j['complete'] and j['summary']['decrypted']==$dec_hs and j['summary']['evicted']['media_lost']==0 and j['summary']['lost_at_limits']==0 and j['summary']['calls']==8321"
done
# a flood of INVITEs that name the target (4100 copies of its call's offer, each a call of its
# own, never answered; anyone can send them: From is any text) while the call goes on: 4101
# calls under the warrant at once. Before, a LIID's 4097th call in progress stopped the whole
# recording (no manifest, exit 1); now the bundle holds every one, and the call is decrypted
expect 0 inject-ivf python3 "$here/pcap_inject.py" "$tmp/hs.pcap" "$tmp/hs-ivf.pcap" ack+10 \
	inviteflood 4100
replay hs-ivf g "$tmp/hs-ivf.pcap"
sumcheck hs-ivf "j['complete'] and j['summary']['decrypted']==$dec_hs and j['summary']['calls_intercepted']==4101"
expect 0 ivf-iri python3 -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
begins = {r["cin"] for r in recs if r["type"] == "begin"}
assert len(begins) == 4101 and {r["cin"] for r in recs} == begins, len(begins)
print("ok")' "$tmp/ev-hs-ivf/E$sfx/iri.jsonl"
# a call with no I_MESSAGE (SIP alone: IRI only) whose caller is the target of two IRI
# warrants that come into force 3 s into it, one of them until 5 s in. Between 3 s and 5 s
# the call has media and no SIP message, and a record goes out only with a SIP message. The
# one that goes on gets a BEGIN "in progress" with the BYE, and the END; the one that ended
# gets nothing: no record may name a CIN its LEMF never saw begin (before: a lone REPORT)
P="sip:plain$sfx@example.org" Q="sip:plainb$sfx@example.org" LN1=N1$sfx LN2=N2$sfx
expect 0 gen-nk "$gen" --community "$tmp/g/community.json" --out "$tmp/nk0.pcap" --calls 1 \
	--duration 8 --caller "$P" --callee "$Q" --start "$AT" --seed 19
expect 0 inject-nk python3 "$here/pcap_inject.py" "$tmp/nk0.pcap" "$tmp/nk.pcap" 0 nokeymgmt -
warrant "$LN1" iri "$P" 2026-03-15T12:00:03Z 2026-03-15T12:00:05Z
warrant "$LN2" iri "$P" 2026-03-15T12:00:03Z
n0=$(nreq g)
replay nk g "$tmp/nk.pcap"
[ "$(nreq g)" = "$n0" ] && ok || bad "nk: a key request for a call with no I_MESSAGE"
expect 0 nk-iri python3 -c '
import json, os, sys
ev, l1, l2 = sys.argv[1:4]
def recs(l):
    f = os.path.join(ev, l, "iri.jsonl")
    return [json.loads(x) for x in open(f)] if os.path.exists(f) else []
assert recs(l1) == [], recs(l1)
r = recs(l2)
assert [x["type"] for x in r] == ["begin", "end"], r
assert r[0].get("in_progress") is True and r[0]["sip"].startswith("BYE "), r[0]
print("ok")' "$tmp/ev-nk" "$LN1" "$LN2"
for k in 1 2 3 4; do
	"$gen" --community "$tmp/g/community.json" --out "$tmp/hs-o$k.pcap" --calls 1 --duration 1 \
		--caller "$E" --callee "$F" --start "$AT" --seed $((30 + k)) >/dev/null || bad "gen hs-o$k"
done
# the caller's From rewritten to someone else's URI: still intercepted, through the
# I_MESSAGE's initiator (checked by its signature), and the records say the signer is not the
# party SIP names
expect 0 inject-from python3 "$here/pcap_inject.py" "$tmp/hs.pcap" "$tmp/hs-from.pcap" 0 fromspoof \
	"sip:mallory$sfx@example.net"
replay hs-from g "$tmp/hs-from.pcap"
sumcheck hs-from "j['summary']['decrypted']==$dec_hs and j['summary']['calls_intercepted']==1"
expect 0 from-iri python3 -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
b = [r for r in recs if r["type"] == "begin"]
assert len(b) == 1 and b[0]["matched_by"] == ["mikey-initiator"], b
km = [r["key_management"] for r in recs if r["kind"] == "key-management"]
assert len(km) == 1 and km[0]["initiator_sip"] == "" and km[0]["signature"] == "valid", km
print("ok")' "$tmp/ev-hs-from/E$sfx/iri.jsonl"
# the reverse: a call of two others whose From names the target E (forged, or another's call
# sent again): E's warrant gets its IRI (its SIP names E) but no content and no key request,
# since the I_MESSAGE's initiator (signed) is another party. Before, the callee's key was
# fetched under E's warrant and the two others' call decrypted for it (an audit)
expect 0 gen-nt "$gen" --community "$tmp/g/community.json" --out "$tmp/nt-0.pcap" --calls 1 \
	--duration 1 --caller "sip:ulla$sfx@example.org" --callee "sip:vera$sfx@example.org" \
	--start "$AT" --seed 41
expect 0 inject-nt python3 "$here/pcap_inject.py" "$tmp/nt-0.pcap" "$tmp/nt.pcap" 0 fromspoof "$E"
nt0=$(nreq g)
replay nt g "$tmp/nt.pcap"
[ "$(nreq g)" -eq "$nt0" ] && ok || bad "forged From: a key request ($nt0 -> $(nreq g))"
sumcheck nt "j['summary']['calls_intercepted']==1 and j['summary']['decrypted']==0 and j['summary']['media_packets_intercepted']==0"
[ -e "$tmp/ev-nt/E$sfx/cc.pcap" ] && bad "forged From: content written" || ok
expect 0 nt-iri python3 -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
b = [r for r in recs if r["type"] == "begin"]
assert len(b) == 1 and b[0]["matched_by"] == ["sip-from"], b
km = [r["key_management"] for r in recs if r["kind"] == "key-management"]
assert len(km) == 1 and km[0]["outcome"] == "iri-only" and km[0]["initiator_sip"] == "", km
assert km[0]["detail"].startswith("content withheld from 1 LIID(s): only the SIP From"), km
print("ok")' "$tmp/ev-nt/E$sfx/iri.jsonl"
# before the media starts (no key set proven yet) and in the middle of it
for at in ack ack+60; do
	expect 0 "inject-rekeys-$at" python3 "$here/pcap_inject.py" "$tmp/hs.pcap" "$tmp/hs-rk.pcap" \
		"$at" rekeys "$tmp/hs-o1.pcap,$tmp/hs-o2.pcap,$tmp/hs-o3.pcap,$tmp/hs-o4.pcap"
	rm -rf "$tmp/ev-hs-rk"
	replay hs-rk g "$tmp/hs-rk.pcap"
	sumcheck hs-rk "j['summary']['decrypted']==$dec_hs and j['summary']['auth_failed']==0"
	# (a re-key naming the call's own parties asks the gate nothing more: one decision a call)
	sumcheck hs-rk "j['summary']['warrant_decisions']==j['summary']['calls']"
done
cp "$tmp/ev-hs-rk/E$sfx/iri.jsonl" "$tmp/out"
expect 0 rekeys-km python3 -c '
import json, sys
km = [json.loads(l)["key_management"] for l in open(sys.argv[1]) if "key_management" in l]
assert len(km) == 5 and all(k["outcome"] == "keys" for k in km), [k["outcome"] for k in km]
# T of the call s own I_MESSAGE is within a second of its packet; the replayed ones are older
# (their calls started up to 2 s before the re-INVITEs: limf-gen spreads start times)
assert abs(km[0]["t_offset_s"]) <= 1 and all(k["t_offset_s"] <= 0 for k in km), [k["t_offset_s"] for k in km]
print("ok")' "$tmp/ev-hs-rk/E$sfx/iri.jsonl"
# more re-keys than a call's summary lists (8 key-management records): each still handled, its
# record in the IRI and its keys (before, the 9th I_MESSAGE on was not, keys included: junk
# I_MESSAGEs anyone can send stopped a call's decryption); the oldest records made room in the
# manifest's summary, which says how many it does not list
o=$tmp/hs-o
expect 0 inject-rekeys9 python3 "$here/pcap_inject.py" "$tmp/hs.pcap" "$tmp/hs-rk9.pcap" ack+60 \
	rekeys "$o"1.pcap,"$o"2.pcap,"$o"3.pcap,"$o"4.pcap,"$o"1.pcap,"$o"2.pcap,"$o"3.pcap,"$o"4.pcap,"$o"1.pcap
replay hs-rk9 g "$tmp/hs-rk9.pcap"
sumcheck hs-rk9 "j['summary']['decrypted']==$dec_hs and j['summary']['auth_failed']==0"
expect 0 rekeys9-km python3 -c '
import json, sys
km = [json.loads(l)["key_management"] for l in open(sys.argv[1] + "/E" + sys.argv[2] + "/iri.jsonl") if "key_management" in l]
assert len(km) == 10 and all(k["outcome"] == "keys" for k in km), [k["outcome"] for k in km]
c = json.load(open(sys.argv[1] + "/manifest.json"))["calls"]
assert len(c) == 1 and len(c[0]["key_management"]) == 8 and c[0]["key_management_not_listed"] == 2, c
print("ok")' "$tmp/ev-hs-rk9" "$sfx"

# ---- 3GPP MCX private call: UIDs, PCK, AEAD_AES_128_GCM with MKI and the ROC trailer; the
# target known only by URI, matched to the UIDs in the I_MESSAGE
G="sip:gina$sfx@example.org" H="sip:hugo$sfx@example.org"
warrant "M$sfx" iri+cc "$H"
expect 0 gen-m "$gen" --community "$tmp/m/community.json" --profile mcx --out "$tmp/m1.pcap" \
	--calls 2 --background 2 --duration 2 --caller "$G" --callee "$H" --start "$AT" --seed 21
replay m1 m "$tmp/m1.pcap"
sumcheck m1 "j['summary']['calls_intercepted']==2 and j['summary']['auth_failed']==0"
expect 0 matched-m1 python3 -c '
import json, sys
b = [json.loads(l) for l in open(sys.argv[1])]
b = [r for r in b if r["type"] == "begin"]
assert len(b) == 2 and all(r["matched_by"] == ["sip-to", "mikey-responder"] for r in b), b[0].get("matched_by")
km = [json.loads(l)["key_management"] for l in open(sys.argv[1]) if "key_management" in l]
assert len(km) == 2 and all(k["initiator_sip"] == sys.argv[2] for k in km), km  # a UID resolved
print("ok")' "$tmp/ev-m1/M$sfx/iri.jsonl" "$G"
check m1 "M$sfx" m1 targets
verify m1
if grep 'keyprov' "$tmp/m/log" | grep -v "user=$H " | grep -q .; then
	bad "MCX: KMS asked for someone other than the responder"
else ok; fi
expect 0 gen-m2 "$gen" --community "$tmp/m/community.json" --profile mcx --out "$tmp/m2.pcap" \
	--calls 1 --duration 2 --caller "$G" --callee "$H" --start "$AT" --seed 22 --tcp --ipv6 --vlan 7 --rekey
replay m2 m "$tmp/m2.pcap"
check m2 "M$sfx" m2 targets --no-wav
sumcheck m2 "j['summary']['auth_failed']==0 and j['summary']['decrypted']>0"
# the ROC carried across a re-key (RFC 3711 s3.3.1): plain AEAD_AES_128_GCM (no RCC) and the
# empty map, so neither the packets nor the new I_MESSAGE say it. The streams start at 65500
# and have wrapped (ROC 1) before the re-key: the new keys' sessions, which have not seen the
# SSRCs, must go on from the old sessions' ROC, not from 0 (every packet after the re-key
# failed authentication); and the same without the wrap
for w in 65500 1000; do
	expect 0 "gen-mr$w" "$gen" --community "$tmp/m/community.json" --profile mcx \
		--out "$tmp/mr$w.pcap" --calls 1 --duration 2 --caller "$G" --callee "$H" \
		--start "$AT" --seed 21 --no-rcc --first-seq "$w" --rekey
	replay "mr$w" m "$tmp/mr$w.pcap"
	sumcheck "mr$w" "j['summary']['auth_failed']==0 and j['summary']['decrypted']==200"
	check "mr$w" "M$sfx" "mr$w" targets --no-wav
done
# the parties' URIs in clear in the I_MESSAGE (TS 33.180 without identity hiding): the
# signature is checked with the initiator's UID derived from its URI (it was always
# "bad-signature", keys not used); with T in the next key period than the packets (--t-skew
# of one period, 30 days), the responder's key of T's period is the one asked for (the
# RFC 6509 comparison never matched a UID, so the decision's period was asked and failed)
expect 0 gen-mc "$gen" --community "$tmp/m/community.json" --profile mcx --out "$tmp/mc.pcap" \
	--calls 1 --background 1 --duration 2 --caller "$G" --callee "$H" --start "$AT" --seed 23 --clear-ids
replay mc m "$tmp/mc.pcap"
sumcheck mc "j['summary']['calls_intercepted']==1 and j['summary']['bad_signatures']==0 and j['summary']['auth_failed']==0"
check mc "M$sfx" mc targets
expect 0 gen-mt "$gen" --community "$tmp/m/community.json" --profile mcx --out "$tmp/mt.pcap" \
	--calls 1 --duration 2 --caller "$G" --callee "$H" --start "$AT" --seed 24 --clear-ids \
	--t-skew 2592000
replay mt m "$tmp/mt.pcap"
sumcheck mt "j['summary']['bad_signatures']==0 and j['summary']['unwrap_failed']==0 and j['summary']['auth_failed']==0"
check mt "M$sfx" mt targets --no-wav
cp "$tmp/ev-mt/M$sfx/iri.jsonl" "$tmp/out"
expect 0 mt-period python3 -c '
import json, sys
km = [json.loads(l)["key_management"] for l in open(sys.argv[1]) if "key_management" in l]
t = json.load(open(sys.argv[2]))
per, off = t["community"]["user_key_period"], t["community"]["user_key_offset"]
assert len(km) == 1 and km[0]["outcome"] == "keys", km
# the packets period p, T (30 days later) in p + 1
import datetime
pk = datetime.datetime.fromisoformat(t["calls"][0]["start"].replace("Z", "+00:00")).timestamp()
p = (int(pk) + 2208988800 - off) // per
assert km[0]["key_period"] == p + 1, (km[0]["key_period"], p)
assert abs(km[0]["t_offset_s"] - 2592000) <= 1, km[0]["t_offset_s"]  # T 30 days after the packet
print("key period", p + 1)' "$tmp/ev-mt/M$sfx/iri.jsonl" "$tmp/mt.pcap.json"
# the same numbering again 5000 lower after a re-key, in the MC profile (MKI = PCK-ID, ROC in
# every packet): the old keys' session tells the new PCK-ID apart before its window (before,
# the 200 packets under the new keys were counted as replayed)
expect 0 gen-mkb "$gen" --community "$tmp/m/community.json" --profile mcx --out "$tmp/mkb.pcap" \
	--calls 1 --duration 4 --caller "$G" --callee "$H" --start "$AT" --seed 26 --rekey \
	--first-seq 20000 --rekey-back 5000
replay mkb m "$tmp/mkb.pcap"
sumcheck mkb "j['summary']['decrypted']==400 and j['summary']['replayed']==0 and j['summary']['auth_failed']==0"

# ---- --workers 2 with 1 MiB queues: the reader is far ahead of the workers (it only copies
# packets), so it waits on a full queue for most of the input; it is woken once an eighth of
# the queue is free again, not for every packet a worker takes (that was ~3,500 sleeps here,
# two futex calls and two context switches per packet), and the outputs are those of one
# pipeline. 2.9 MB of capture, 128 KiB per wake-up and two queues: well under 64 sleeps.
Q="sip:quinn$sfx@example.org" R="sip:rita$sfx@example.org"
warrant "Q$sfx" iri+cc "$Q"
expect 0 gen-q "$gen" --community "$tmp/g/community.json" --out "$tmp/q.pcap" --calls 4 \
	--background 2 --duration 20 --caller "$Q" --callee "$R" --start "$AT" --seed 11
replay q1 g "$tmp/q.pcap" --workers 1
replay q2 g "$tmp/q.pcap" --workers 2 --queue 1
sumcheck q1 "j['summary']['decrypted']==8000 and 'pool' not in j"
sumcheck q2 "j['summary']['decrypted']==8000 and j['summary']['auth_failed']==0"
# the ring never holds more than its 1 MiB; once the reader has slept on it (below), it held
# all but the room of one record and its wrap (the exact peak depends on where records end)
sumcheck q2 "j['pool']['workers']==2 and (1<<20)-65536<j['pool']['queue_peak_bytes']<=1<<20"
sumcheck q2 "0<j['pool']['reader_sleeps']<=64"
check q2 "Q$sfx" q targets
verify q2
# the bundle is the same at every run, whatever the threads' timing (pool.h cfg.ordered: the
# outputs in input order, the CINs in the order of the calls' interception), and here, where
# every call ends with its BYE, whatever the number of workers
replay q2b g "$tmp/q.pcap" --workers 2 --queue 1
replay q3 g "$tmp/q.pcap" --workers 3
expect 0 same-q2 bash "$here/../bench/same-bundle.sh" "$tmp/ev-q2" "$tmp/ev-q2b"
expect 0 same-q3 bash "$here/../bench/same-bundle.sh" "$tmp/ev-q1" "$tmp/ev-q3"
# calls still open at the end of the input (8 calls, the first half of the capture): they end
# worker by worker, so their last IRI records come in another order with another N, but the
# same with the same N; the manifest lists the calls by CIN, the same with any N
expect 0 gen-qo "$gen" --community "$tmp/g/community.json" --out "$tmp/qo.pcap" --calls 8 \
	--duration 10 --caller "$Q" --callee "$R" --start "$AT" --seed 12
python3 -c '
import struct, sys
d = open(sys.argv[1], "rb").read()
offs, o = [], 24
while o + 16 <= len(d):
    offs.append(o)
    o += 16 + struct.unpack("<I", d[o + 8:o + 12])[0]
open(sys.argv[2], "wb").write(d[:offs[len(offs) // 2]])
' "$tmp/qo.pcap" "$tmp/qopen.pcap" && ok || bad "qopen.pcap"
replay qo1 g "$tmp/qopen.pcap" --workers 1
replay qo3 g "$tmp/qopen.pcap" --workers 3
replay qo3b g "$tmp/qopen.pcap" --workers 3
sumcheck qo3 "j['summary']['calls_intercepted']==8"
expect 0 same-qo bash "$here/../bench/same-bundle.sh" "$tmp/ev-qo3" "$tmp/ev-qo3b"
expect 0 calls-qo python3 -c '
import json, sys
a, b = (json.load(open(f + "/manifest.json"))["calls"] for f in sys.argv[1:])
sys.exit(0 if a == b and [c["cin"] for c in a] == list(range(1, 9)) else 1)
' "$tmp/ev-qo1" "$tmp/ev-qo3"
verify qo3
expect 2 queue-bad env LIMF_DB="$LIMF_DB_SERVICE" "$limf" replay --workers 2 --queue 0 \
	--sign-key "$tmp/sign.pem" --out "$tmp/ev-qbad" "$tmp/q.pcap"
has queue-bad "--queue: a number of MiB"

# ---- a capture cut short (inside a record, as when tcpdump is stopped or a copy is cut off):
# refused, naming the whole frames before the cut; --accept-truncated replays those and records
# the cut in the manifest and the summary. The bundle's cc.pcap is then a prefix of the whole
# capture's octet for octet (both with one worker, whatever LIMF_WORKERS says: input order).
expect 0 cut-q python3 -c '
import struct, sys
d = open(sys.argv[1], "rb").read()
assert struct.unpack("<I", d[:4])[0] in (0xa1b2c3d4, 0xa1b23c4d)
offs, o = [], 24
while o < len(d):
    offs.append(o)
    o += 16 + struct.unpack("<I", d[o + 8:o + 12])[0]
k = len(offs) * 6 // 10
open(sys.argv[2], "wb").write(d[:offs[k] + 16 + 10])
print(k)' "$tmp/q.pcap" "$tmp/qcut.pcap"
qk=$(cat "$tmp/out")
expect 1 replay-qcut-refused env LIMF_DB="$LIMF_DB_SERVICE" "$limf" replay --sign-key "$tmp/sign.pem" \
	$(kopts g) --out "$tmp/ev-qcut0" "$tmp/qcut.pcap"
has replay-qcut-refused "qcut.pcap: cut short after $qk whole frames"
has replay-qcut-refused "--accept-truncated"
has replay-qcut-refused "ev-qcut0: the bundle was not finished (no signed manifest)"
replay qcut g "$tmp/qcut.pcap" --accept-truncated --workers 1
sumcheck qcut "j['summary']['frames']==$qk and j['truncated_inputs'][0]['frames']==$qk"
sumcheck qcut "j['truncated_inputs'][0]['name']=='qcut.pcap' and 'truncated' in j['truncated_inputs'][0]['reason']"
sumcheck qcut "0<j['summary']['decrypted']<8000 and j['summary']['auth_failed']==0"
verify qcut
cp "$tmp/ev-qcut/manifest.json" "$tmp/out"
pyjson manifest-qcut "j['truncated_inputs']==[{'name':'qcut.pcap','frames':$qk,'reason':j['truncated_inputs'][0]['reason']}]"
pyjson manifest-qcut "[i['name'] for i in j['inputs']]==['qcut.pcap']"
expect 0 qcut-prefix python3 -c '
import sys
whole, cut = (open(f, "rb").read() for f in sys.argv[1:3])
assert 24 < len(cut) < len(whole) and whole.startswith(cut), (len(cut), len(whole))' \
	"$tmp/ev-q1/Q$sfx/cc.pcap" "$tmp/ev-qcut/Q$sfx/cc.pcap"
expect 0 replay-qcut-text env LIMF_DB="$LIMF_DB_SERVICE" "$limf" replay --sign-key "$tmp/sign.pem" \
	$(kopts g) --accept-truncated --out "$tmp/ev-qcut2" "$tmp/qcut.pcap"
has replay-qcut-text "WARNING: .*qcut.pcap was cut short: its first $qk frames were replayed"

# ---- the input grows while it is replayed (a capture still being written, an append): the
# manifest's input size and SHA-256 are of the octets that were read and replayed, never of
# the path read again by another reader (review finding 1: the digest was of the old file while
# the calls of the appended octets were in the bundle, and it verified). One worker, so the
# reader is no further ahead than its buffer: the append lands while the file is being read.
GA="sip:gwen$sfx@example.org" GB="sip:gus$sfx@example.org"
warrant "GR$sfx" iri+cc "$GA"
expect 0 gen-grow-a "$gen" --community "$tmp/g/community.json" --out "$tmp/grow-a.pcap" --calls 300 \
	--duration 1 --caller "$GA" --callee "$GB" --start "$AT" --seed 31
expect 0 gen-grow-b "$gen" --community "$tmp/g/community.json" --out "$tmp/grow-b.pcap" --calls 5 \
	--duration 1 --caller "$GA" --callee "$GB" --start 2026-03-15T14:00:00Z --seed 32
cp "$tmp/grow-a.pcap" "$tmp/grow.pcap"
# shellcheck disable=SC2046
env LIMF_DB="$LIMF_DB_SERVICE" "$limf" replay --sign-key "$tmp/sign.pem" $(kopts g) --json \
	--workers 1 --out "$tmp/ev-grow" "$tmp/grow.pcap" >"$tmp/grow.out" 2>"$tmp/grow.err" &
gpid=$!
for _ in $(seq 600); do [ -s "$tmp/ev-grow/GR$sfx/iri.jsonl" ] && break; sleep 0.05; done
tail -c +25 "$tmp/grow-b.pcap" >>"$tmp/grow.pcap" # its records, without its file header
wait "$gpid" && ok || { bad "replay-grow: exit $?"; cat "$tmp/grow.err" >&2; }
verify grow
expect 0 manifest-grow python3 -c '
import hashlib, json, sys
m = json.load(open(sys.argv[1] + "/manifest.json"))
old, new = (open(f, "rb").read() for f in sys.argv[2:4])
inp = m["inputs"]
assert len(inp) == 1 and inp[0]["name"] == "grow.pcap", inp
seen = [d for d in (old, new) if inp[0]["size"] == len(d) and inp[0]["sha256"] == hashlib.sha256(d).hexdigest()]
assert len(seen) == 1, ("the input digest is of neither file", inp[0])
# the calls in the bundle came from exactly the octets the digest describes
want = 300 if seen[0] is old else 305
assert len(m["calls"]) == want, (len(m["calls"]), want, "octets hashed", inp[0]["size"])
print("read", "the appended octets" if want == 305 else "the file before the append")' \
	"$tmp/ev-grow" "$tmp/grow-a.pcap" "$tmp/grow.pcap"
grow_read=$(cat "$tmp/out")
# 300+ calls of two G.711 streams each: every stream has its WAV (a WAV slot is reused once its
# call has ended; the 513th stream of a run used to get none, silently), and the manifest says
# none was left out
expect 0 wavs-grow python3 -c '
import json, os, sys
d, liid = sys.argv[1:3]
m = json.load(open(d + "/manifest.json"))
streams = [st for c in m["calls"] for st in c["streams"] if st["payload_type"] in (0, 8)]
assert len(streams) >= 600, len(streams)
assert all(len(st["wav"]) == 1 for st in streams), [st for st in streams if len(st["wav"]) != 1][:2]
files = sorted(os.listdir(os.path.join(d, liid, "audio")))
assert len(files) == len(streams) == len(set(st["wav"][0] for st in streams)), (len(files), len(streams))
assert m["audio"] == {"wavs": len(streams), "packets_without_wav": 0}, m["audio"]' \
	"$tmp/ev-grow" "GR$sfx"
cp "$tmp/grow.out" "$tmp/out"
pyjson summary-grow "j['audio']['wavs']>=600 and j['audio']['packets_without_wav']==0"
# read before the append: replay says the file changed after it was read; else it does not
cp "$tmp/grow.err" "$tmp/err"
: >"$tmp/out"
if [ "$grow_read" = "read the file before the append" ]; then
	has grow-warn "grow.pcap changed while it was replayed"
else
	hasnt grow-warn "changed while it was replayed"
fi

# ---- more LIIDs than a bundle can hold open (four descriptors each until it is closed: 64 under
# an open-file limit of 1024, set here; limf raises its soft limit to the hard one). Before, the
# 65th LIID stopped the whole recording: no manifest, exit 1. Now the first 64 are recorded, the
# rest are not (said when it happens) and the signed bundle says it is incomplete: exit 3.
# Under a limit of 1100 all are recorded. Nine targets with 8 warrants each (a call carries 8
# LIIDs at most), a call each.
MU="sip:mo$sfx@example.org"
for t in 1 2 3 4 5 6 7 8 9; do
	for i in $(seq 8); do warrant "N$sfx-$t-$i" iri+cc "sip:many$t-$sfx@example.org"; done
	expect 0 "gen-many$t" "$gen" --community "$tmp/g/community.json" --out "$tmp/many$t.pcap" \
		--calls 1 --duration 1 --caller "sip:many$t-$sfx@example.org" --callee "$MU" \
		--start "$AT" --seed $((40 + t))
done
nofile() { # N CMD...: CMD under an open-file limit of N
	bash -c 'ulimit -n "$0" && exec "$@"' "$@"
}
# shellcheck disable=SC2046
expect 3 replay-many nofile 1024 env LIMF_DB="$LIMF_DB_SERVICE" "$limf" replay --json \
	--sign-key "$tmp/sign.pem" $(kopts g) --out "$tmp/ev-many" "$tmp"/many[1-9].pcap
has replay-many "the evidence bundle can hold 64 LIIDs under the open-file limit of 1024 (ulimit -n, systemd LimitNOFILE=): LIID N$sfx-"
has replay-many "ALARM: the evidence is INCOMPLETE: [1-9][0-9]* IRI record(s) and [1-9][0-9]* CC packet(s) of LIIDs past the 64 the bundle can hold (the first: N$sfx-[1-9]-[1-8]) not recorded in it$"
pyjson replay-many "not j['complete'] and len(j['liids'])==64 and j['summary']['calls_intercepted']==9"
expect 0 verify-many "$limf" verify "$tmp/ev-many"
has verify-many "^WARNING: its producer stated the evidence is INCOMPLETE: [1-9][0-9]* IRI record(s)"
expect 0 manifest-many python3 -c '
import json, os, sys
d, sfx = sys.argv[1], sys.argv[2]
m = json.load(open(d + "/manifest.json"))
rec = {w["liid"] for w in m["warrants"]}
every = {"N%s-%d-%d" % (sfx, t, i) for t in range(1, 10) for i in range(1, 9)}
assert len(rec) == 64 and rec < every, sorted(rec)
left = every - rec
# the LIIDs of the call that came last: one target whole
assert len({l.rsplit("-", 1)[0] for l in left}) == 1, sorted(left)
assert all(os.path.exists(d + "/" + l + "/cc.pcap") for l in rec), "a recorded LIID without CC"
assert not any(os.path.exists(d + "/" + l) for l in left), "an unrecorded LIID with files"
assert "not recorded" in m["incomplete"] and sorted(left)[0].rsplit("-", 1)[0] in m["incomplete"]
# the calls of the LIIDs left out are in the manifest with every LIID: only their records are not
assert len(m["calls"]) == 9 and {l for c in m["calls"] for l in c["liids"]} == every
print("ok")' "$tmp/ev-many" "$sfx"
# shellcheck disable=SC2046
expect 0 replay-many2 nofile 1100 env LIMF_DB="$LIMF_DB_SERVICE" "$limf" replay --json \
	--sign-key "$tmp/sign.pem" $(kopts g) --out "$tmp/ev-many2" "$tmp"/many[1-9].pcap
pyjson replay-many2 "j['complete'] and len(j['liids'])==72"
hasnt replay-many2 "LIIDs under the open-file limit"
# the --json summary into a full disk: the bundle is written and signed all the same; the
# incomplete run stays 3, the complete one becomes 1, both saying why (before: 1 and 0)
if [ -w /dev/full ]; then
	for n in 1024:3 1100:1; do
		# shellcheck disable=SC2046
		nofile "${n%:*}" env LIMF_DB="$LIMF_DB_SERVICE" "$limf" replay --json \
			--sign-key "$tmp/sign.pem" $(kopts g) --out "$tmp/ev-full${n%:*}" \
			"$tmp"/many[1-9].pcap >/dev/full 2>"$tmp/err"
		rc=$?
		[ "$rc" = "${n#*:}" ] && ok || bad "replay --json >/dev/full (nofile ${n%:*}): exit $rc, want ${n#*:}"
		grep -q '^limf: could not write standard output: No space left on device$' "$tmp/err" &&
			ok || bad "replay --json >/dev/full: no message"
		expect 0 "verify-full${n%:*}" "$limf" verify "$tmp/ev-full${n%:*}"
	done
fi
revoke=()
for t in 1 2 3 4 5 6 7 8 9; do
	for i in $(seq 8); do revoke+=("N$sfx-$t-$i"); done
done
"$limf" warrant revoke "${revoke[@]}" --reason "test: done" >/dev/null || bad "revoke N$sfx-*"

# ---- the largest packets. An SRTP datagram as large as IPv4 carries (65535 octets with the
# IP header) is reassembled from its fragments, decrypted whole, and written to cc.pcap as a
# record of 65525 octets (the tag taken off) and to the WAV; the same in IPv6 (65535 octets of
# payload). A datagram one IPv4 cannot carry (65546 octets) is never reassembled: a capture
# drop, not a stop of the recording (it used to reach cc.pcap's writer, which refused it, and
# the recording stopped: no bundle for anyone)
warrant "J$sfx" iri+cc "sip:jumbo$sfx@example.org"
for jc in "j4 65485" "j6 65505 --ipv6" "jx 65496"; do
	set -- $jc
	expect 0 "gen-$1" "$gen" --community "$tmp/g/community.json" --out "$tmp/$1.pcap" --calls 1 \
		--duration 1 --caller "sip:jumbo$sfx@example.org" --callee "$B" --start "$AT" \
		--seed 17 --jumbo "$2" "${@:3}"
	replay "$1" g "$tmp/$1.pcap"
	check "$1" "J$sfx" "$1" targets
	verify "$1"
	cp "$tmp/ev-$1/manifest.json" "$tmp/out"
	pyjson "manifest-$1" "j['cc']=={'packets_not_in_pcap':0} and 'incomplete' not in j"
done
cp "$tmp/sum-jx.json" "$tmp/out"
pyjson summary-jx "j['complete'] and j['summary']['drops']=={'frag_toobig':1} and j['cc']=={'packets_not_in_pcap':0}"
cp "$tmp/jx.pcap.json" "$tmp/out"
pyjson truth-jx "[len(s['lost']) for s in j['calls'][0]['streams']]==[1,0]"
expect 0 jumbo-records python3 -c '
import struct, sys
def biggest(name):
    d, o, big = open("%s/ev-%s/%s/cc.pcap" % (sys.argv[1], name, sys.argv[2]), "rb").read(), 24, b""
    while o < len(d):
        n = struct.unpack_from("<I", d, o + 8)[0]
        big = max(big, d[o + 16:o + 16 + n], key=len)
        o += 16 + n
    return big
# the IPv4 total length and the IPv6 payload length say the same
r = biggest("j4")
assert len(r) == 65535 - 10 and struct.unpack_from("!H", r, 2)[0] == len(r), len(r)
r = biggest("j6")
assert len(r) == 40 + 65535 - 10 and struct.unpack_from("!H", r, 4)[0] == len(r) - 40, len(r)
assert len(biggest("jx")) < 1000
print("ok")' "$tmp" "J$sfx"

# ---- a tampered bundle fails verify, naming the file
cp -a "$tmp/ev-g1" "$tmp/ev-t"
printf 'x' | dd of="$tmp/ev-t/$LG/cc.pcap" bs=1 seek=100 conv=notrunc 2>/dev/null
expect 1 verify-tampered "$limf" verify "$tmp/ev-t"
has verify-tampered "cc.pcap"

for k in g m v s t; do kms_down "$tmp/$k"; done
wait 2>/dev/null
finish
