#!/bin/bash
# The network handover end to end (issue 6): limf replay --deliver hands the IRI and CC of a
# warrant over to the authority its delivery destination names ([authority NAME] in limf.conf)
# through the durable spool, to the test LEMF (tests/lemf). What the LEMF decodes must be what
# the evidence bundle holds: the same SIP messages and the same clear RTP packets, with the same
# CINs and sequence numbers, no gap, no duplicate. With the LEMF down, the PDUs stay spooled
# (exit 3) and `limf handover flush` delivers them once it is back. The handover is mutual TLS
# (DESIGN.md s5.5: the LEMF requires limf's client certificate); an [authority] that is not is
# refused at config load unless it says insecure_plaintext = yes, which is warned about.
# Prints "N passed, N failed".
set -u
. "$(dirname "$0")/lib.sh"
gen=$BUILD/limf-gen
need_cluster
AT=2026-03-15T12:00:00Z
sfx=$$
lpid='' kpid=''
trap '[ -n "$lpid" ] && kill "$lpid" 2>/dev/null; [ -n "$kpid" ] && kill "$kpid" 2>/dev/null; [ -n "${KEEP:-}" ] && cp -a "$tmp" "$KEEP"; rm -rf "$tmp"' EXIT
openssl genpkey -algorithm ed25519 -out "$tmp/sign.pem" 2>/dev/null && ok || bad "ed25519 key"
kms_up "$tmp/k" rfc6509 kms.ho.test
kpid=$(cat "$tmp/k/pid")
stop_lemf() {
	[ -n "$lpid" ] || return
	kill -TERM "$lpid" 2>/dev/null
	wait "$lpid" && ok || bad "limf-lemf exit status"
	lpid=''
}
conf() { # the config, with the LEMF's ports
	{
		conf_db_kms "$tmp/k"
		cat <<EOF
[evidence]
sign_key = $tmp/sign.pem
[handover]
operator_id = OP-HO
network_element_id = limf-test
country = GB
spool_dir = $tmp/spool
[authority lemf1]
hi2 = 127.0.0.1:$p2
hi3 = 127.0.0.1:$p3
ca   = $tmp/k/ca.pem     ; limf-kms init's CA signed the LEMF's and limf's certificates
cert = $tmp/k/client.pem
key  = $tmp/k/client.key
version = 15
EOF
	} >"$tmp/limf.conf"
}
# the LEMF's side of the mutual TLS: its certificate, and the CA of the client certificates
lemf_tls=(--tls-cert "$tmp/k/server.pem" --tls-key "$tmp/k/server.key" --tls-ca "$tmp/k/ca.pem")

A="sip:ann$sfx@example.org" B="sip:ben$sfx@example.org"
L="H$sfx" L2="U$sfx"
"$limf" warrant add --liid "$L" --authority "Court" --ref R1 --country GB \
	--from 2026-03-01T00:00:00Z --to 2026-04-01T00:00:00Z --scope iri+cc --delivery lemf1 \
	--target "$A" >/dev/null || bad "warrant add"
"$limf" warrant add --liid "$L2" --authority "Other" --ref R2 --country GB \
	--from 2026-03-01T00:00:00Z --to 2026-04-01T00:00:00Z --scope iri --delivery nowhere \
	--target "$B" >/dev/null || bad "warrant add 2"
expect 0 gen1 "$gen" --community "$tmp/k/community.json" --out "$tmp/c1.pcap" --calls 2 \
	--background 2 --duration 2 --caller "$A" --callee "$B" --start "$AT" --seed 31
expect 0 gen2 "$gen" --community "$tmp/k/community.json" --out "$tmp/c2.pcap" --calls 1 \
	--duration 1 --caller "$A" --callee "$B" --start "$AT" --seed 32

# ---- delivered while replaying: the network gets exactly the bundle's records
lemf_up "$tmp/l1.jsonl" 127.0.0.1:0 127.0.0.1:0 "${lemf_tls[@]}"
[ "$p2" != 0 ] && ok || bad "limf-lemf did not start"
conf
expect 0 replay1 "$limf" replay --config "$tmp/limf.conf" --deliver --json --out "$tmp/ev1" "$tmp/c1.pcap"
pyjson replay1 "j['handover']['all_confirmed'] and j['handover']['refused']==0 and j['handover']['cc_spooled']>0 and j['handover']['undelivered']>0"
pyjson replay1 "sorted(j['liids'])==sorted(['$L','$L2']) and j['summary']['calls_intercepted']==2"
# every call ended: the spools hold no sequence counter for them any more (the seq file is
# its header line only), while their records were delivered with their numbers (compare1)
for k in hi2 hi3; do
	[ "$(grep -c . "$tmp/spool/lemf1/$k/seq")" -eq 1 ] && ok ||
		bad "replay1: $k seq file keeps counters of ended calls: $(head -3 "$tmp/spool/lemf1/$k/seq")"
done
has replay1 "warrant $L2: delivery 'nowhere' is no \[authority\]"
has replay1 "handover: [1-9][0-9]* record(s) of LIIDs whose delivery names no \[authority\] were not handed over (they are in the bundle)"
stop_lemf
cat >"$tmp/compare1.py" <<'PY'
import json, struct, sys
lemf, d, target = sys.argv[1], sys.argv[2], sys.argv[3]
lines = [json.loads(l) for l in open(lemf)]
assert not [l for l in lines if "error" in l], [l for l in lines if "error" in l][:3]
iri = [l for l in lines if l.get("kind") in ("iri", "iri_keymgmt", "iri_callend") and "seq" in l]
cc = [l for l in lines if l.get("kind") == "cc" and "seq" in l]
b_iri = [json.loads(l) for l in open(d + "/iri.jsonl")]
b_pdu = [r for r in b_iri if r["kind"] in ("sip", "key-management", "call-end")]
assert len(iri) == len(b_pdu) and iri, (len(iri), len(b_pdu))
for cin in set(r["cin"] for r in b_pdu):
    a = [l for l in iri if l["cin"] == cin]
    b = [r for r in b_pdu if r["cin"] == cin]
    # the same records in the same order: SIP text, or the key-management facts
    for x, y in zip(a, b):
        if y["kind"] == "sip":
            assert x["kind"] == "iri" and x["sip"] == y["sip"], "SIP differs, CIN %d" % cin
        elif y["kind"] == "call-end":
            assert x["kind"] == "iri_callend" and x["reason"] == y["reason"], (x, y)
        else:
            k = y["key_management"]
            assert x["kind"] == "iri_keymgmt", x
            assert (x["outcome"], x["sig"], x["key_period"], x["responder"], x["kms_uri"]) == \
                (k["outcome"], k["signature"], k["key_period"], k["responder"], k["kms_uri"]), (x, k)
            assert x["outcome"] == "keys" and x["sig"] == "valid"
    assert [l["seq"] for l in a] == list(range(len(a))), "IRI seq, CIN %d" % cin
    assert [l["iri_type"] for l in a] == [r["type"] for r in b], "IRI types, CIN %d" % cin
    assert all(l["liid"] == d.rsplit("/", 1)[1] and l["op"] == "OP-HO" for l in a)
    assert all(l["version"] == 15 for l in a), "li-psDomainId version of the authority"
# one key-management record per call (its offer's I_MESSAGE)
assert len([l for l in iri if l["kind"] == "iri_keymgmt"]) == len(set(l["cin"] for l in iri)) > 0
# CC: the clear RTP of cc.pcap, packet for packet, in order
raw = open(d + "/cc.pcap", "rb").read()
off, pk = 24, []
while off < len(raw):
    incl = struct.unpack_from("<I", raw, off + 8)[0]
    p = raw[off + 16: off + 16 + incl]
    off += 16 + incl
    ihl = (p[0] & 15) * 4 if p[0] >> 4 == 4 else 40
    pk.append(p[ihl + 8:].hex())
assert [l["rtp"] for l in cc] == pk, "CC differs from cc.pcap (%d vs %d)" % (len(cc), len(pk))
for cin in set(l["cin"] for l in cc):
    s = [l["seq"] for l in cc if l["cin"] == cin]
    assert s == list(range(len(s))), "CC seq, CIN %d" % cin
assert set(l["dir"] for l in cc) == {"fromTarget", "toTarget"}
print(len(iri), "IRI and", len(cc), "CC PDUs match the bundle")
PY
expect 0 compare1 python3 "$tmp/compare1.py" "$tmp/l1.jsonl" "$tmp/ev1/$L" "$A"
# ---- a call that no SIP message ends (its BYE and the BYE's 200 lost: it ends with the
# input): the authority gets its IRI-END all the same (the limf call-end IRI, reason flush),
# numbered after the call's other IRI, as the bundle's hi2.pdu holds it
expect 0 gen3 "$gen" --community "$tmp/k/community.json" --out "$tmp/c3full.pcap" --calls 1 \
	--duration 1 --caller "$A" --callee "$B" --start "$AT" --seed 33
expect 0 nobye python3 -c '
import struct, sys
d = open(sys.argv[1], "rb").read()
out, off, dropped = [d[:24]], 24, 0
while off < len(d):
    n = struct.unpack_from("<I", d, off + 8)[0]
    rec = d[off:off + 16 + n]
    off += 16 + n
    if b"BYE sip:" in rec or b" BYE\r\n" in rec:
        dropped += 1
        continue
    out.append(rec)
assert dropped == 2, dropped
open(sys.argv[2], "wb").write(b"".join(out))' "$tmp/c3full.pcap" "$tmp/c3.pcap"
lemf_up "$tmp/l3.jsonl" 127.0.0.1:0 127.0.0.1:0 "${lemf_tls[@]}"
conf
expect 0 replay3 "$limf" replay --config "$tmp/limf.conf" --deliver --json --out "$tmp/ev3" "$tmp/c3.pcap"
pyjson replay3 "j['handover']['all_confirmed'] and j['summary']['calls_intercepted']==1"
stop_lemf
expect 0 compare3 python3 "$tmp/compare1.py" "$tmp/l3.jsonl" "$tmp/ev3/$L" "$A"
expect 0 callend3 python3 -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
iri = [l for l in lines if l.get("kind", "").startswith("iri") and "seq" in l]
ce = [l for l in iri if l["kind"] == "iri_callend"]
assert len(ce) == 1 and ce[0] == iri[-1], ce
assert ce[0]["iri_type"] == "end" and ce[0]["reason"] == "flush" and ce[0]["country"] == "GB", ce
assert ce[0]["seq"] == len(iri) - 1 and ce[0]["version"] == 15, ce
assert not [l for l in iri[:-1] if l["iri_type"] == "end"], "an END before the last"
b = open(sys.argv[2], "rb").read()
# limfCallEnd [101] (bf 65) in the bundle s hi2.pdu: once, with reason flush (5) at its end
oid = bytes.fromhex("698297c4adb5b5aff29cd599caf9bb85d1afe9240201")
assert b.count(oid) == 1 and b.endswith(oid + bytes.fromhex("810105")), b[-40:].hex()
print("call end:", ce[0])' "$tmp/l3.jsonl" "$tmp/ev3/$L/hi2.pdu"
# ---- the same call, then another of the target's 400 s later: the first ends by the idle
# timeout (300 s without a packet), which the later call's packets reach; its IRI-END (limf
# call end, reason timeout) comes then, before anything of the later call, in the bundle's
# hi2.pdu and on the network
expect 0 gen4 "$gen" --community "$tmp/k/community.json" --out "$tmp/c4tb.pcap" --calls 1 \
	--duration 1 --caller "$A" --callee "sip:carl$sfx@example.org" \
	--start 2026-03-15T12:06:40Z --seed 34
expect 0 merge4 pcap_merge "$tmp/c4t.pcap" "$tmp/c3.pcap" "$tmp/c4tb.pcap"
lemf_up "$tmp/l4t.jsonl" 127.0.0.1:0 127.0.0.1:0 "${lemf_tls[@]}"
conf
expect 0 replay4 "$limf" replay --config "$tmp/limf.conf" --deliver --json --out "$tmp/ev4t" "$tmp/c4t.pcap"
pyjson replay4 "j['handover']['all_confirmed'] and j['summary']['calls_intercepted']==2"
stop_lemf
expect 0 compare4 python3 "$tmp/compare1.py" "$tmp/l4t.jsonl" "$tmp/ev4t/$L" "$A"
expect 0 callend4 python3 -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
iri = [l for l in lines if l.get("kind", "").startswith("iri") and "seq" in l]
cins = list(dict.fromkeys(l["cin"] for l in iri))
assert len(cins) == 2, cins
first = [l for l in iri if l["cin"] == cins[0]]
ce = [l for l in iri if l["kind"] == "iri_callend"]
assert len(ce) == 1 and ce[0] == first[-1], ce
assert ce[0]["iri_type"] == "end" and ce[0]["reason"] == "timeout", ce
assert iri.index(ce[0]) < min(i for i, l in enumerate(iri) if l["cin"] == cins[1]), "END after the next call"
second = [l for l in iri if l["cin"] == cins[1]]
assert second[-1]["iri_type"] == "end" and second[-1]["kind"] == "iri", second[-1]
b = open(sys.argv[2], "rb").read()
# limfCallEnd [101] in hi2.pdu: once, with reason timeout (4)
oid = bytes.fromhex("698297c4adb5b5aff29cd599caf9bb85d1afe9240201")
at = b.find(oid)
assert b.count(oid) == 1 and b[at + len(oid):at + len(oid) + 3] == bytes.fromhex("810104"), b[at:at + 40].hex()
print("call end:", ce[0])' "$tmp/l4t.jsonl" "$tmp/ev4t/$L/hi2.pdu"

# the bundle's own PDU files do not take the authority's li-psDomainId version (15 here): hi2
# and hi3 alike carry the bundle's (17), whether or not the run delivered
expect 0 bundle_version python3 -c '
import sys
for f in sys.argv[1:]:
    b, o, n = open(f, "rb").read(), 0, 0
    while o < len(b):
        assert b[o] == 0x30, (f, o)
        k = b[o + 1]
        hl, ln = (2, k) if k < 128 else (2 + (k & 0x7f), int.from_bytes(b[o + 2:o + 2 + (k & 0x7f)], "big"))
        p = b[o + hl:o + hl + ln]
        dom = p.index(bytes.fromhex("80070400020205 01".replace(" ", "")))
        assert p[dom + 8] == 17, (f, n, p[dom + 8])
        o, n = o + hl + ln, n + 1
    assert n > 0, f
    print(f, n, "PDUs, version 17")' "$tmp/ev1/$L/hi2.pdu" "$tmp/ev1/$L/hi3.pdu"
[ -e "$tmp/ev1/$L2/cc.pcap" ] && bad "IRI-only warrant got CC" || ok
expect 0 status1 "$limf" handover --config "$tmp/limf.conf" status --json
pyjson status1 "j[0]['authority']=='lemf1' and j[0]['hi2']['pending']==0 and j[0]['hi3']['pending']==0 and j[0]['hi3']['confirmed']>0"

# ---- the authority is down: the PDUs stay spooled, and are delivered when it is back
expect 3 replay2 "$limf" replay --config "$tmp/limf.conf" --deliver --deliver-timeout 1 \
	--out "$tmp/ev2" "$tmp/c2.pcap"
has replay2 "stays spooled"
expect 0 status2 "$limf" handover --config "$tmp/limf.conf" status --json
pyjson status2 "j[0]['hi2']['pending']>0 and j[0]['hi3']['pending']>0"
# the bound (spool_max_mb, 1024 MiB unset) beside what is used
pyjson status2 "all(0 < j[0][k]['bytes'] < j[0][k]['max_bytes'] == 1024 << 20 for k in ('hi2', 'hi3'))"
sed 's|^spool_dir = .*|&\nspool_max_mb = 1|' "$tmp/limf.conf" >"$tmp/mb1.conf"
expect 0 status2m "$limf" handover --config "$tmp/mb1.conf" status
has status2m "hi3 .*  bytes [0-9]* of 1048576 ([1-9][0-9]*%)  damaged"
sed 's|^spool_dir = .*|&\nspool_max_mb = 0|' "$tmp/limf.conf" >"$tmp/mb0.conf"
expect 1 status2z "$limf" handover --config "$tmp/mb0.conf" status
has status2z "spool_max_mb: not a number of MiB"
expect 0 verify2 "$limf" verify "$tmp/ev2"
# ---- as root, into the service user's spool: whatever limf creates there (the authority's and
# the streams' directories, segments, seq, ack, ended, lock, the CIN counter) is that user's,
# as the directory is, so `limf capture` as the user can go on with it (root's 0600 files
# would stop it)
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	mkdir "$tmp/uspool"
	chown nobody: "$tmp/uspool"
	sed "s|^spool_dir = .*|spool_dir = $tmp/uspool|" "$tmp/limf.conf" >"$tmp/u.conf"
	expect 3 replay_root "$limf" replay --config "$tmp/u.conf" --deliver --deliver-timeout 1 \
		--out "$tmp/evu" "$tmp/c2.pcap"
	[ -s "$tmp/uspool/lemf1/hi3/seq" ] && ok || bad "replay_root: nothing spooled"
	notmine=$(find "$tmp/uspool" ! -user nobody -o ! -group "$(id -gn nobody)" | tr "\n" " ")
	[ -z "$notmine" ] && ok || bad "replay_root: not the spool owner's: $notmine"
	chmod 711 "$tmp"
	unusable=$(runuser -u nobody -- find "$tmp/uspool" ! -readable -o ! -writable | tr "\n" " ")
	[ -z "$unusable" ] && ok || bad "replay_root: the user cannot use: $unusable"
	chmod 700 "$tmp"
	# that user, owning the spool, points names in it at a file of root's: the lock file (opened
	# when the spool opens), then a seq.tmp (written at the end): root's run neither follows
	# nor gives away either; the file stays root's, as it was
	printf 'root only\n' >"$tmp/victim"
	chmod 600 "$tmp/victim"
	rm -f "$tmp/uspool/lemf1/hi2/lock"
	ln -s "$tmp/victim" "$tmp/uspool/lemf1/hi2/lock"
	expect 1 replay_link "$limf" replay --config "$tmp/u.conf" --deliver --deliver-timeout 1 \
		--out "$tmp/evu2" "$tmp/c2.pcap"
	# the refusal names the spool, the file and what is there instead
	has replay_link "spool $tmp/uspool/lemf1/hi2: lock: refused: a symbolic link"
	rm -f "$tmp/uspool/lemf1/hi2/lock"
	for k in hi2 hi3; do ln -s "$tmp/victim" "$tmp/uspool/lemf1/$k/seq.tmp"; done
	expect 3 replay_link2 "$limf" replay --config "$tmp/u.conf" --deliver --deliver-timeout 1 \
		--out "$tmp/evu3" "$tmp/c2.pcap"
	[ "$(stat -c '%U %a' "$tmp/victim")" = "root 600" ] && [ "$(cat "$tmp/victim")" = "root only" ] &&
		ok || bad "replay_link: root's file changed: $(stat -c '%U %a %s' "$tmp/victim")"
	[ ! -L "$tmp/uspool/lemf1/hi3/seq.tmp" ] && ok || bad "replay_link2: seq.tmp still a link"
	# a hard link to that file as the ended journal, then a FIFO as the seq file: refused
	# (not truncated, not read; a FIFO would have blocked the open for ever)
	mv "$tmp/uspool/lemf1/hi2/ended" "$tmp/ended.saved"
	ln "$tmp/victim" "$tmp/uspool/lemf1/hi2/ended" # (one file system: $tmp)
	expect 1 replay_hardlink timeout 60 "$limf" replay --config "$tmp/u.conf" --deliver \
		--deliver-timeout 1 --out "$tmp/evu4" "$tmp/c2.pcap"
	has replay_hardlink "hi2: ended: refused: a file with 2 hard links"
	[ "$(cat "$tmp/victim")" = "root only" ] && ok || bad "replay_hardlink: root's file changed"
	rm -f "$tmp/uspool/lemf1/hi2/ended"
	mv "$tmp/ended.saved" "$tmp/uspool/lemf1/hi2/ended"
	mv "$tmp/uspool/lemf1/hi3/seq" "$tmp/seq.saved"
	mkfifo "$tmp/uspool/lemf1/hi3/seq"
	expect 1 replay_fifo timeout 60 "$limf" replay --config "$tmp/u.conf" --deliver \
		--deliver-timeout 1 --out "$tmp/evu5" "$tmp/c2.pcap"
	has replay_fifo "hi3: seq: refused: a FIFO, not a regular file"
	rm -f "$tmp/uspool/lemf1/hi3/seq"
	mv "$tmp/seq.saved" "$tmp/uspool/lemf1/hi3/seq"
	# a file of a third user (uid 4242, no name here) as the ack file: neither root's nor the
	# spool owner's; `handover status` (read-only) says the same
	chown 4242 "$tmp/uspool/lemf1/hi3/ack"
	expect 1 replay_foreign "$limf" replay --config "$tmp/u.conf" --deliver \
		--deliver-timeout 1 --out "$tmp/evu6" "$tmp/c2.pcap"
	has replay_foreign "hi3: ack: refused: the file is uid 4242's, neither root's nor that of"
	expect 1 status_foreign "$limf" handover --config "$tmp/u.conf" status
	has status_foreign "hi3: ack: refused: the file is uid 4242's"
	chown nobody "$tmp/uspool/lemf1/hi3/ack"
fi
# ---- one owner per spool: a flush in progress (the authority still down) owns the spools;
# status reads them all the same (read-only, "in_use"), a second flush is refused
"$limf" handover --config "$tmp/limf.conf" flush --timeout 4 >"$tmp/flushbg.out" \
	2>"$tmp/flushbg.err" </dev/null &
fpid=$!
for _ in $(seq 50); do
	"$limf" handover --config "$tmp/limf.conf" status --json 2>/dev/null |
		grep -q '"in_use":true' && break
	sleep 0.1
done
expect 0 status3 "$limf" handover --config "$tmp/limf.conf" status --json
pyjson status3 "j[0]['hi2']['in_use'] and j[0]['hi3']['in_use'] and j[0]['hi2']['link']=='in-use' and j[0]['hi2']['pending']>0 and j[0]['hi3']['pending']>0"
expect 0 status3t "$limf" handover --config "$tmp/limf.conf" status
has status3t "pending [1-9].*link in-use"
expect 1 flush_busy "$limf" handover --config "$tmp/limf.conf" flush --timeout 1
has flush_busy "hi2: spool: in use by another limf process"
wait "$fpid"
[ $? -eq 3 ] && ok || bad "background flush: exit status (want 3: still spooled)"
expect 0 status4 "$limf" handover --config "$tmp/limf.conf" status --json
pyjson status4 "not j[0]['hi2']['in_use'] and j[0]['hi2']['link']=='down' and j[0]['hi2']['pending']>0"
# ---- a bit flip on disk in a spooled, undelivered CC record (not the last: that would be a
# torn tail): the flush still delivers everything else and confirms all, the record is
# quarantined (its octets as on disk), counted and alarmed; the LEMF sees one gap
cat >"$tmp/flip.py" <<'PY'
import glob, sys
seg = sorted(glob.glob(sys.argv[1] + "/seg-*.spool"))[-1]
b = bytearray(open(seg, "rb").read())
off, recs = 16, []
while off + 8 <= len(b):
    n = int.from_bytes(b[off:off + 4], "big")
    recs.append((off, n))
    off += 8 + n
assert off == len(b) and len(recs) >= 2, (off, len(b), len(recs))
o, n = recs[-2]
b[o + 8 + n // 2] ^= 0x01
open(seg, "r+b").write(b)
open(sys.argv[2], "wb").write(b[o:o + 8 + n])
PY
expect 0 status4j "$limf" handover --config "$tmp/limf.conf" status --json
pyjson status4j "j[0]['hi3']['pending']>=2 and j[0]['hi3']['damaged']==0 and not j[0]['hi3']['alarm']"
expect 0 flip python3 "$tmp/flip.py" "$tmp/spool/lemf1/hi3" "$tmp/flipped.bin"
lemf_up "$tmp/l2.jsonl" "127.0.0.1:$p2" "127.0.0.1:$p3" "${lemf_tls[@]}"
expect 0 flush "$limf" handover --config "$tmp/limf.conf" flush --timeout 20 --json
pyjson flush "j[0]['hi3']['max_bytes'] == 1024 << 20"
pyjson flush "j[0]['hi2']['pending']==0 and j[0]['hi3']['pending']==0 and j[0]['hi3']['damaged']==1 and j[0]['hi3']['alarm'] and j[0]['hi2']['damaged']==0 and j[0]['hi3']['error']==''"
has flush "quarantined in .*/hi3/quarantine/"
stop_lemf
q=$(ls "$tmp/spool/lemf1/hi3/quarantine/"*.bad 2>/dev/null)
[ "$(echo "$q" | grep -c .)" -eq 1 ] && cmp -s "$q" "$tmp/flipped.bin" && ok ||
	bad "quarantine: want the flipped record's octets, got '$q'"
[ "$(stat -c %a "$q" 2>/dev/null)" = 600 ] && ok || bad "quarantine file mode"
expect 0 status5 "$limf" handover --config "$tmp/limf.conf" status --json
pyjson status5 "j[0]['hi3']['damaged']==1 and j[0]['hi3']['alarm'] and j[0]['hi3']['pending']==0"
expect 0 status5t "$limf" handover --config "$tmp/limf.conf" status
has status5t "hi3 .*damaged 1 .*ALARM: damaged records quarantined"
cat >"$tmp/compare2.py" <<'PY'
import json, sys
l1 = [json.loads(l) for l in open(sys.argv[1])]
l2 = [json.loads(l) for l in open(sys.argv[2])]
# the one damaged CC record (quarantined, never sent) is the one gap
err = [l for l in l2 if "error" in l]
assert len(err) == 1 and err[0]["error"] == "gap" and err[0]["kind"] == "cc" and \
    err[0]["seq"] == err[0]["expected"] + 1, err[:3]
b = [json.loads(l) for l in open(sys.argv[3])]
d2 = [l for l in l2 if "seq" in l and l.get("kind") in ("iri", "iri_keymgmt", "cc")]
assert len([l for l in d2 if l["kind"].startswith("iri")]) == \
    len([r for r in b if r["kind"] in ("sip", "key-management")])
# the second run's calls have new CINs: none reused from the first run
c1 = set(l["cin"] for l in l1 if "cin" in l)
c2 = set(l["cin"] for l in d2)
assert c2 and not (c1 & c2), (c1, c2)
assert c2 == set(r["cin"] for r in b), (c2, set(r["cin"] for r in b))
print(len(d2), "PDUs delivered after the outage")
PY
expect 0 compare2 python3 "$tmp/compare2.py" "$tmp/l1.jsonl" "$tmp/l2.jsonl" "$tmp/ev2/$L/iri.jsonl"
expect 2 usage "$limf" handover status
expect 1 noauth "$limf" handover --config /dev/null status
has noauth "no \[authority NAME\]"
printf '[authority bad name!]\n' >"$tmp/bad.conf"
expect 1 badauth "$limf" handover --config "$tmp/bad.conf" status
has badauth "bad authority name"

# ---- mutual TLS or an explicit, loudly warned opt-out: anything in between is refused
auth_conf() { # NAME LINES...: a config whose [authority lemf1] has hi2, hi3 and LINES
	local n=$1
	shift
	{
		printf '[handover]\nspool_dir = %s\n[authority lemf1]\n' "$tmp/spool-$n"
		printf 'hi2 = 127.0.0.1:1\nhi3 = 127.0.0.1:2\n'
		printf '%s\n' "$@"
	} >"$tmp/$n.conf"
}
auth_conf notls
expect 1 notls "$limf" handover --config "$tmp/notls.conf" status
has notls "\[authority lemf1\]: the handover needs mutual TLS: set ca"
has notls "ca missing - cert missing - key missing; to send IRI and CC in clear instead"
auth_conf certonly "cert = $tmp/k/client.pem" "key = $tmp/k/client.key"
expect 1 certonly "$limf" handover --config "$tmp/certonly.conf" status
has certonly "needs mutual TLS.* - ca missing;"
auth_conf caonly "ca = $tmp/k/ca.pem"
expect 1 caonly "$limf" handover --config "$tmp/caonly.conf" status
has caonly "needs mutual TLS.* - cert missing - key missing;"
auth_conf both "ca = $tmp/k/ca.pem" "cert = $tmp/k/client.pem" "key = $tmp/k/client.key" \
	"insecure_plaintext = yes"
expect 1 both "$limf" handover --config "$tmp/both.conf" status
has both "insecure_plaintext = yes together with ca/cert/key"
auth_conf maybe "insecure_plaintext = maybe"
expect 1 maybe "$limf" handover --config "$tmp/maybe.conf" status
has maybe "insecure_plaintext is yes or no"
hasnt maybe "WARNING"
auth_conf plain "insecure_plaintext = yes"
# (status only reads the spools: the warning comes with the links, which flush opens)
expect 0 plain "$limf" handover --config "$tmp/plain.conf" flush --timeout 1
has plain "WARNING: authority lemf1 hi2: insecure_plaintext = yes: IRI and CC go to 127.0.0.1:1 in CLEAR"
has plain "WARNING: authority lemf1 hi3: insecure_plaintext = yes"
# no operator_id: the authority would file everything under "limf"; said where links are made
has plain "WARNING: \[handover\] operator_id is not set: the PS-PDUs name the operator \"limf\""
sed 's/^\[handover\]$/[handover]\noperator_id = OP-HO/' "$tmp/plain.conf" >"$tmp/plainop.conf"
expect 0 plainop "$limf" handover --config "$tmp/plainop.conf" flush --timeout 1
hasnt plainop "operator_id"
auth_conf tls "ca = $tmp/k/ca.pem" "cert = $tmp/k/client.pem" "key = $tmp/k/client.key"
expect 0 tls "$limf" handover --config "$tmp/tls.conf" status
hasnt tls "WARNING"
# ---- an INVITE flood naming a target (anyone can send one: From is any text): 8200
# unanswered INVITEs of a target under 8 LIIDs at lemf1, each a call in progress until the
# input ends, so 65,600 sequence counters at once in the hi2 spool, more than a spool held
# before: every later call of every LIID at that authority was refused its IRI. The spools are
# sized from the call tables now, so the target's real call after the flood reaches the LEMF
# under all 8 LIIDs, and nothing is refused
FROM=2026-03-01T00:00:00Z TO=2026-04-01T00:00:00Z
many_warrants add "F$sfx" 1
expect 0 gen-flood "$gen" --community "$tmp/k/community.json" --out "$tmp/fl0.pcap" --calls 2 \
	--duration 2 --caller "sip:many1-$sfx@example.org" --callee "$B" --start "$AT" --seed 35
expect 0 inject-flood python3 "$(dirname "$0")/pcap_inject.py" "$tmp/fl0.pcap" "$tmp/fl.pcap" \
	t+0.2 inviteflood 8200
lemf_up "$tmp/lf.jsonl" 127.0.0.1:0 127.0.0.1:0 "${lemf_tls[@]}"
conf
expect 0 replay-flood "$limf" replay --config "$tmp/limf.conf" --deliver --json --out "$tmp/evf" \
	"$tmp/fl.pcap"
pyjson replay-flood "j['complete'] and j['handover']['all_confirmed'] and j['handover']['refused']==0"
pyjson replay-flood "j['summary']['calls_intercepted']==8202 and sorted(j['liids'])==sorted(['F$sfx-1-%d' % i for i in range(1, 9)]+['$L2'])"
stop_lemf
expect 0 lemf-flood python3 -c '
import collections, json, sys
pre = sys.argv[2] + "-1-"
seqs, cins, km, cc = (collections.defaultdict(list), collections.defaultdict(set),
                      collections.defaultdict(set), collections.defaultdict(set))
for l in map(json.loads, open(sys.argv[1])):
    if not l.get("liid", "").startswith(pre) or "seq" not in l:
        continue
    seqs[(l["liid"], l["kind"] == "cc", l["cin"])].append(l["seq"])
    cins[l["liid"]].add(l["cin"])
    if l["kind"] == "iri_keymgmt":
        km[l["liid"]].add(l["cin"])
    if l["kind"] == "cc":
        cc[l["liid"]].add(l["cin"])
assert len(cins) == 8, sorted(cins)
assert all(s == list(range(len(s))) for s in seqs.values())
# every call under every LIID; the two real calls (the second one after the flood) keyed,
# with content
assert all(len(c) == 8202 for c in cins.values()), [len(c) for c in cins.values()]
assert all(len(km[l]) == 2 and km[l] == cc[l] for l in cins), [(len(km[l]), len(cc[l])) for l in cins]
print("ok")' "$tmp/lf.jsonl" "F$sfx"
many_warrants revoke "F$sfx" 1
# ---- a replay whose gate fails (no CIN can be reserved: the service role may not call
# limf.cin_reserve) writes a bundle that verifies but lacks the warranted calls: it says so
# and exits 3, "complete": false; the same replay with the grant back is complete (exit 0)
sqls() { psql -X -q -v ON_ERROR_STOP=1 "$LIMF_DB_SUPER dbname=limf" -c "$1" >/dev/null; }
lemf_up "$tmp/l3.jsonl" 127.0.0.1:0 127.0.0.1:0 "${lemf_tls[@]}"
conf
sqls "REVOKE EXECUTE ON FUNCTION limf.cin_reserve(integer) FROM limf_service" && ok || bad "revoke"
expect 3 nocin "$limf" replay --config "$tmp/limf.conf" --deliver --deliver-timeout 5 --json \
	--out "$tmp/ev4" "$tmp/c2.pcap"
pyjson nocin "j['complete'] is False and j['summary']['cin_errors']==1 and j['summary']['calls_intercepted']==0 and j['handover']['all_confirmed']"
expect 0 verify4 "$limf" verify "$tmp/ev4"
has verify4 "^WARNING: its producer stated the evidence is INCOMPLETE: 0 warrant decision(s) failed, 1 call(s) under a warrant got no CIN (not intercepted), 0 audit row(s) not written$"
expect 0 verify4json "$limf" verify --json "$tmp/ev4"
pyjson verify4json "j['verified'] and j['incomplete'].startswith('0 warrant decision(s) failed, 1 call(s)')"
expect 3 nocin_text "$limf" replay --config "$tmp/limf.conf" --deliver --deliver-timeout 5 \
	--out "$tmp/ev5" "$tmp/c2.pcap"
has nocin_text "ALARM: the evidence is INCOMPLETE: 0 warrant decision(s) failed, 1 call(s) under a warrant got no CIN"
has nocin_text "WARNING: 1 call(s) under a warrant were NOT intercepted"
sqls "GRANT EXECUTE ON FUNCTION limf.cin_reserve(integer) TO limf_service" && ok || bad "grant"
expect 0 cin_back "$limf" replay --config "$tmp/limf.conf" --deliver --deliver-timeout 5 --json \
	--out "$tmp/ev6" "$tmp/c2.pcap"
pyjson cin_back "j['complete'] is True and j['summary']['cin_errors']==0 and j['summary']['calls_intercepted']==1"
expect 0 verify6 "$limf" verify --json "$tmp/ev6"
pyjson verify6 "j['verified'] and 'incomplete' not in j"
stop_lemf
kill -TERM "$kpid" 2>/dev/null
wait "$kpid" 2>/dev/null
kpid=''
finish
