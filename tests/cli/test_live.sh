#!/bin/bash
# `limf capture -i` on real interfaces (issue 8 "Tests"): veth pairs whose far ends live in a
# network namespace of their own; tcpreplay plays limf-gen captures onto the far end, limf
# captures the near end (on the host side, where the KMS, the database and the test LEMF are).
#   1. one interface, 2 target calls among 3 others: 5 calls seen, 2 intercepted; every frame
#      played is captured (kernel_received, no kernel drop); the CC the LEMF gets is byte-exact
#      against the generator's clear .raw media, stream by stream, in RTP order; nothing of the
#      non-target calls (no CIN, no SSRC of theirs, no Call-ID of theirs in any IRI); SIGTERM
#      right after the last frame: the frames the kernel holds are still taken
#   2. two -i at once, started as root with [service] user = nobody: /proc/PID/status shows the
#      user's ids and no capability at all while it runs; a target call played on each interface at
#      the same time: both intercepted after the drop, byte-exact, per-source counters equal to
#      what was played on each, no kernel drop
#   3. the loop stalled (SIGSTOP 1.5 s) while frames arrive: no kernel drop (buffered mode)
#   4. --workers 3, a capture thread per source: a call's SIP on one interface, all its media
#      on the other: intercepted, CC byte-exact (the endpoints cross threads as routing notes)
# Needs root, `ip netns` and veth (else "skipped: ...", 0 failed), tcpreplay, and the private
# PostgreSQL cluster: run through scripts/pg-test.sh. Prints "N passed, N failed".
set -u
. "$(dirname "$0")/lib.sh"
gen=$BUILD/limf-gen
if [ "$(id -u)" -ne 0 ]; then
	echo "skipped: test_live needs root (network namespaces, veth, live capture)" >&2
	finish
	exit
fi
sfx=$$
ns=limf-live$sfx
va=lv${sfx}a vb=lv${sfx}b vc=lv${sfx}c vd=lv${sfx}d
lpid='' kpid='' cpid='' netns=''
cleanup() {
	[ -n "$cpid" ] && kill -KILL "$cpid" 2>/dev/null
	[ -n "$lpid" ] && kill "$lpid" 2>/dev/null
	[ -n "$kpid" ] && kill "$kpid" 2>/dev/null
	if [ -n "$netns" ]; then
		ip netns del "$ns" 2>/dev/null # takes the far ends, and so the pairs, with it
		ip link del "$va" 2>/dev/null
		ip link del "$vc" 2>/dev/null
	fi
	[ -n "${KEEP:-}" ] && cp -a "$tmp" "$KEEP"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
skip() {
	echo "skipped: $*" >&2
	finish
	exit
}
command -v ip >/dev/null || skip "no ip command (iproute2)"
ip netns add "$ns" 2>"$tmp/ns.err" || skip "ip netns add not permitted: $(cat "$tmp/ns.err")"
netns=1
veth() { # NEAR FAR: a veth pair, FAR in the namespace, both up, no IPv6 chatter
	ip link add "$1" type veth peer name "$2" netns "$ns" 2>"$tmp/veth.err" || return 1
	sysctl -q -w "net.ipv6.conf.$1.disable_ipv6=1" 2>/dev/null
	ip netns exec "$ns" sysctl -q -w "net.ipv6.conf.$2.disable_ipv6=1" 2>/dev/null
	ip link set "$1" up && ip -n "$ns" link set "$2" up
}
veth "$va" "$vb" || skip "veth creation not permitted: $(cat "$tmp/veth.err")"
veth "$vc" "$vd" || skip "second veth pair not permitted: $(cat "$tmp/veth.err")"
if ! command -v tcpreplay >/dev/null; then
	bad "tcpreplay is not installed (scripts/deps.sh)"
	finish
	exit
fi
need_cluster
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
NOW=$(date +%s)
FROM=$(iso $((NOW - 3600))) TO=$(iso $((NOW + 86400)))

kms_up "$tmp/k" rfc6509 kms.live.test
kpid=$(cat "$tmp/k/pid")
lemf_up "$tmp/lemf.jsonl"
[ "$p2" != 0 ] && ok || bad "limf-lemf did not start"
conf() { # FILE [SERVICE-LINES...]
	local f=$1
	shift
	{
		conf_db_kms "$tmp/k"
		cat <<EOF
[handover]
operator_id = OP-LIVE
network_element_id = limf-live
country = GB
spool_dir = $tmp/spool
[authority lemf1]
hi2 = 127.0.0.1:$p2
hi3 = 127.0.0.1:$p3
insecure_plaintext = yes ; the test LEMF listens on plain TCP
[service]
EOF
	} >"$f"
	printf '%s\n' "$@" >>"$f"
	chmod 644 "$f"
}
warrant() { # LIID TARGET
	"$limf" warrant add --liid "$1" --authority Court --ref "R-$1" --country GB --from "$FROM" \
		--to "$TO" --scope iri+cc --delivery lemf1 --target "$2" >/dev/null
}
capture() { # NAME CONF ARGS...: in the background, stderr to $tmp/NAME.err; sets cpid
	local name=$1 c=$2
	shift 2
	"$limf" capture --config "$c" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" </dev/null &
	cpid=$!
}
wait_for() { # FILE REGEX [TENTHS]
	for _ in $(seq "${3:-100}"); do grep -q -- "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}
reap() { # NAME WANT
	wait "$cpid"
	local got=$?
	cpid=''
	if [ "$got" -eq "$2" ]; then ok; else bad "$1: exit $got, want $2"; sed 's/^/    /' "$tmp/$1.err" | tail -20 >&2; fi
}
play() { # IFACE PCAP: tcpreplay at the capture's own pace onto the far end IFACE
	ip netns exec "$ns" tcpreplay -q -i "$1" "$2" >"$tmp/replay-$1.out" 2>&1
}
play2() { # IFACE1 PCAP1 IFACE2 PCAP2: both at once; fails when either tcpreplay does
	play "$1" "$2" &
	local a=$!
	play "$3" "$4" &
	local b=$!
	wait "$a" && wait "$b"
}
frames() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["frames"])' "$1.json"; }
src_line() { # NAME IFACE: "frames received dropped" of that source in the summary
	sed -n "s/^limf capture: source $2: frames \([0-9]*\) kernel_received \([0-9]*\) kernel_dropped \([0-9]*\)$/\1 \2 \3/p" \
		"$tmp/$1.err"
}

# CC byte-exact: for each target call of each truth file, each stream's CC PDUs (by SSRC, in
# arrival order, RTP sequence numbers consecutive) carry exactly the stream's .raw octets;
# no CC PDU of another SSRC; the LIID's CINs are as many as the target calls; no IRI carries
# the Call-ID of a non-target call.
cat >"$tmp/exact.py" <<'PY'
import json, os, sys
lemf, liid, truths = sys.argv[1], sys.argv[2], sys.argv[3:]
lines = [json.loads(l) for l in open(lemf)]
errs = [l for l in lines if "error" in l]
assert not errs, errs[:3]
pdus = [l for l in lines if "seq" in l and "event" not in l and l.get("liid") == liid]
cc = [l for l in pdus if l["kind"] == "cc"]
by_ssrc = {}
for l in cc:
    rtp = bytes.fromhex(l["rtp"])
    assert rtp[0] >> 6 == 2, "not RTP v2"
    ssrc = rtp[8:12].hex()
    hl = 12 + 4 * (rtp[0] & 15)
    if rtp[0] & 0x10:
        hl += 4 + 4 * int.from_bytes(rtp[hl + 2:hl + 4], "big")
    end = len(rtp) - (rtp[-1] if rtp[0] & 0x20 else 0)
    by_ssrc.setdefault(ssrc, []).append((int.from_bytes(rtp[2:4], "big"), rtp[hl:end]))
want, other_ids, ntarget, nbytes = set(), [], 0, 0
for t in truths:
    truth = json.load(open(t))
    for c in truth["calls"]:
        if not c["target"]:
            other_ids.append(c["call_id"])
            for s in c["streams"]:
                assert s["ssrc"] not in by_ssrc, "CC of a non-target call: SSRC " + s["ssrc"]
            continue
        ntarget += 1
        for s in c["streams"]:
            want.add(s["ssrc"])
            raw = open(os.path.join(t[:-len(".json")] + ".d", s["raw"]), "rb").read()
            got = by_ssrc.get(s["ssrc"], [])
            seqs = [q for q, _ in got]
            assert seqs == [(s["first_seq"] + i) & 0xffff for i in range(len(seqs))], \
                "SSRC %s: RTP sequence not consecutive from %d" % (s["ssrc"], s["first_seq"])
            body = b"".join(p for _, p in got)
            assert body == raw, "SSRC %s: %d octets delivered, .raw has %d%s" % (
                s["ssrc"], len(body), len(raw), " (differ)" if len(body) == len(raw) else "")
            nbytes += len(raw)
assert set(by_ssrc) == want, "unexpected SSRCs " + str(sorted(set(by_ssrc) - want))
cins = {l["cin"] for l in pdus}
assert len(cins) == ntarget, "%d CINs for %d target calls" % (len(cins), ntarget)
sips = "".join(l.get("sip") or "" for l in pdus)
for cid in other_ids:
    assert cid not in sips, "IRI of a non-target call " + cid
print("%d target calls, %d streams, %d CC PDUs, %d octets byte-exact" % (ntarget, len(want), len(cc), nbytes))
PY

# ---- 1. one interface: 2 target calls among 5
A="sip:live$sfx@example.org" B="sip:peer$sfx@example.org" L="L$sfx"
warrant "$L" "$A" && ok || bad "warrant add"
expect 0 gen1 "$gen" --community "$tmp/k/community.json" --out "$tmp/c1.pcap" --calls 2 \
	--background 3 --duration 3 --caller "$A" --callee "$B" --start "$(iso "$NOW")" --seed 81
n1=$(frames "$tmp/c1.pcap")
conf "$tmp/root.conf"
capture run1 "$tmp/root.conf" -i "$va"
if wait_for "$tmp/run1.err" "running ("; then
	ok
	play "$vb" "$tmp/c1.pcap" && ok || { bad "tcpreplay"; cat "$tmp/replay-$vb.out" >&2; }
	# stopped as soon as the last frame is on the wire: what the kernel holds is still taken
	kill -TERM "$cpid"
	reap run1 0
else
	reap run1 1
	bad "run1: did not start"
fi
grep -q "limf capture: .* calls 5 intercepted 2 with_content 2 " "$tmp/run1.err" && ok ||
	{ bad "run1: summary"; cat "$tmp/run1.err" >&2; }
grep -q "pending 0 links" "$tmp/run1.err" && ok || bad "run1: not all confirmed"
read -r f r d <<<"$(src_line run1 "$va")"
[ "${f:-}" = "$n1" ] && [ "${r:-}" = "$n1" ] && [ "${d:-}" = 0 ] && ok ||
	bad "run1: source $va: frames ${f:-?} received ${r:-?} dropped ${d:-?}, $n1 played"
expect 0 exact1 python3 "$tmp/exact.py" "$tmp/lemf.jsonl" "$L" "$tmp/c1.pcap.json"
has exact1 "2 target calls, 4 streams"
cat "$tmp/out" >&2
# the check can fail: one octet of one CC PDU changed
python3 - "$tmp/lemf.jsonl" "$tmp/neg.jsonl" <<'PY'
import json, sys
out, done = open(sys.argv[2], "w"), False
for line in open(sys.argv[1]):
    l = json.loads(line)
    if not done and l.get("kind") == "cc" and "rtp" in l:
        r = bytearray(bytes.fromhex(l["rtp"]))
        r[-1] ^= 1
        l["rtp"], done = r.hex(), True
    out.write(json.dumps(l) + "\n")
PY
expect 1 exact1-neg python3 "$tmp/exact.py" "$tmp/neg.jsonl" "$L" "$tmp/c1.pcap.json"

# ---- 2. two interfaces at once, root dropped to nobody (no capability kept: the capture
# handles, opened as root, keep working)
U=nobody
if ! uid=$(id -u "$U" 2>/dev/null); then
	echo "note: no user $U: part 2 skipped" >&2
else
	gid=$(id -g "$U")
	chmod 711 "$tmp" "$tmp/k"
	rm -rf "$tmp/spool"
	mkdir "$tmp/spool"
	chown "$U" "$tmp/spool" "$tmp/k/client.key"
	conf "$tmp/user.conf" "user = $U"
	A2="sip:two$sfx@example.org" L2="T$sfx"
	warrant "$L2" "$A2" && ok || bad "warrant add 2"
	# the same parties on both links at once: the second capture is IPv6 (limf-gen's addresses
	# are fixed: two IPv4 captures would have the very same media endpoints)
	expect 0 gen2c "$gen" --community "$tmp/k/community.json" --out "$tmp/c2c.pcap" --calls 1 \
		--background 1 --duration 3 --caller "$A2" --callee "$B" --start "$(iso "$NOW")" --seed 82
	expect 0 gen2d "$gen" --community "$tmp/k/community.json" --out "$tmp/c2d.pcap" --calls 1 \
		--background 1 --duration 3 --caller "$A2" --callee "$B" --start "$(iso "$NOW")" --seed 83 \
		--ipv6
	nc_=$(frames "$tmp/c2c.pcap") nd_=$(frames "$tmp/c2d.pcap")
	capture run2 "$tmp/user.conf" -i "$va" -i "$vc"
	if wait_for "$tmp/run2.err" "running ("; then
		ok
		cp "/proc/$cpid/status" "$tmp/status"
		grep -Eq "^Uid:[[:space:]]+$uid[[:space:]]+$uid[[:space:]]+$uid[[:space:]]+$uid$" "$tmp/status" &&
			grep -Eq "^Gid:[[:space:]]+$gid[[:space:]]+$gid[[:space:]]+$gid[[:space:]]+$gid$" "$tmp/status" &&
			ok || bad "run2: not running as $U: $(grep -E '^(Uid|Gid)' "$tmp/status" | tr '\n' ' ')"
		for c in CapEff CapPrm CapBnd; do
			grep -q "^$c:[[:space:]]*0000000000000000$" "$tmp/status" && ok ||
				bad "run2: $(grep "^$c" "$tmp/status"), want none"
		done
		grep -q "running (2 source(s), 1 authority)" "$tmp/run2.err" && ok || bad "run2: sources"
		play2 "$vb" "$tmp/c2c.pcap" "$vd" "$tmp/c2d.pcap" && ok || bad "tcpreplay (two at once)"
		sleep 1
		kill -TERM "$cpid"
		reap run2 0
	else
		reap run2 1
		bad "run2: did not start"
	fi
	grep -q "dropped root: user $U (uid $uid gid $gid), no capabilities" "$tmp/run2.err" &&
		ok || bad "run2: no drop line"
	grep -q "limf capture: .* calls 4 intercepted 2 with_content 2 " "$tmp/run2.err" && ok ||
		{ bad "run2: summary"; cat "$tmp/run2.err" >&2; }
	grep -q "pending 0 links" "$tmp/run2.err" && ok || bad "run2: not all confirmed"
	read -r f r d <<<"$(src_line run2 "$va")"
	[ "${f:-}" = "$nc_" ] && [ "${r:-}" = "$nc_" ] && [ "${d:-}" = 0 ] && ok ||
		bad "run2: source $va: frames ${f:-?} received ${r:-?} dropped ${d:-?}, $nc_ played"
	read -r f r d <<<"$(src_line run2 "$vc")"
	[ "${f:-}" = "$nd_" ] && [ "${r:-}" = "$nd_" ] && [ "${d:-}" = 0 ] && ok ||
		bad "run2: source $vc: frames ${f:-?} received ${r:-?} dropped ${d:-?}, $nd_ played"
	expect 0 exact2 python3 "$tmp/exact.py" "$tmp/lemf.jsonl" "$L2" "$tmp/c2c.pcap.json" \
		"$tmp/c2d.pcap.json"
	has exact2 "2 target calls, 4 streams"
	cat "$tmp/out" >&2
fi

# ---- 3. a stalled loop (SIGSTOP for 1.5 s, as a slow KMS or database would stall it) while
# frames keep arriving at ~200/s: limf's default ring (32 MiB, buffered mode) absorbs them, no
# kernel drop (shown for comparison: libpcap's own 2 MiB ring in immediate mode)
expect 0 gen3 "$gen" --community "$tmp/k/community.json" --out "$tmp/c3.pcap" --calls 0 \
	--background 2 --duration 3 --start "$(iso "$NOW")" --seed 84
n3=$(frames "$tmp/c3.pcap")
stall() { # NAME ARGS...: sets st_rc, the capture's exit status
	local name=$1
	shift
	capture "$name" "$tmp/root.conf" -i "$va" "$@"
	wait_for "$tmp/$name.err" "running (" || return 1
	play "$vb" "$tmp/c3.pcap" &
	local rp=$!
	sleep 0.5
	kill -STOP "$cpid"
	sleep 1.5
	kill -CONT "$cpid"
	wait "$rp" || return 1
	sleep 0.5
	kill -TERM "$cpid"
	wait "$cpid"
	st_rc=$?
	cpid=''
}
stall run3 && ok || bad "run3: did not run"
[ "$st_rc" = 0 ] && ok || { bad "run3: exit $st_rc, want 0"; tail -5 "$tmp/run3.err" >&2; }
read -r f r d <<<"$(src_line run3 "$va")"
[ "${f:-}" = "$n3" ] && [ "${r:-}" = "$n3" ] && [ "${d:-}" = 0 ] && ok ||
	bad "run3: source $va: frames ${f:-?} received ${r:-?} dropped ${d:-?}, $n3 played"
stall run3b --buffer-mb 2 --immediate && ok || bad "run3b: did not run"
read -r f r d <<<"$(src_line run3b "$va")"
echo "note: the same stall with --buffer-mb 2 --immediate: frames ${f:-?}, kernel dropped ${d:-?} of $n3" >&2
# what the kernel dropped is traffic lost: the interception is incomplete, said, exit 3
if [ "${d:-0}" -gt 0 ]; then
	[ "$st_rc" = 3 ] && grep -qE "ALARM: the interception is INCOMPLETE: traffic lost to capacity limits \(kernel_dropped $d[,)]" \
		"$tmp/run3b.err" && ok || { bad "run3b: $d dropped: exit $st_rc"; tail -3 "$tmp/run3b.err" >&2; }
else
	[ "$st_rc" = 0 ] && ok || bad "run3b: nothing dropped: exit $st_rc"
fi

# ---- 4. one capture thread per source (--workers 3): a call's SIP played on one interface,
# all of its media on the other. The second source's thread sees no SIP at all: its media
# reaches the call's worker only through the routing notes (capture/dispatch.h) the first
# source's dispatcher sends when it registers the SDP endpoints. CC byte-exact.
cat >"$tmp/split.py" <<'PY'
import struct, sys
src, sip_out, media_out = sys.argv[1:4]
d = open(src, "rb").read()
magic = d[:4]
assert magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"), "not a little-endian pcap"
link = struct.unpack("<I", d[20:24])[0]
assert link == 1, "not Ethernet"
outs = [open(sip_out, "wb"), open(media_out, "wb")]
# each file starts with a filler frame (not IP) at the original's first time stamp: tcpreplay
# plays a file from its first frame, so both keep the original's timeline
first = d[24:32] + struct.pack("<II", 60, 60) + b"\xff" * 6 + b"\x02" + b"\0" * 5 + b"\x88\xb5" + b"\0" * 46
for o in outs:
    o.write(d[:24])
    o.write(first)
n, off = [0, 0], 24
while off + 16 <= len(d):
    incl = struct.unpack("<I", d[off + 8:off + 12])[0]
    rec, fr = d[off:off + 16 + incl], d[off + 16:off + 16 + incl]
    off += 16 + incl
    e = 12
    while fr[e:e + 2] in (b"\x81\x00", b"\x88\xa8"):
        e += 4
    et, ip = fr[e:e + 2], fr[e + 2:]
    sip = False
    if et == b"\x08\x00" and ip[9] == 17:
        u = ip[(ip[0] & 15) * 4:]
        sip = 5060 in struct.unpack(">HH", u[:4])
    elif et == b"\x86\xdd" and ip[6] == 17:
        sip = 5060 in struct.unpack(">HH", ip[40:44])
    k = 0 if sip else 1
    outs[k].write(rec)
    n[k] += 1
for o in outs:
    o.close()
print(n[0], n[1])
PY
A4="sip:split$sfx@example.org" L4="S$sfx"
warrant "$L4" "$A4" && ok || bad "warrant add 4"
expect 0 gen4 "$gen" --community "$tmp/k/community.json" --out "$tmp/c4.pcap" --calls 1 \
	--background 2 --duration 3 --caller "$A4" --callee "$B" --start "$(iso "$NOW")" --seed 85
read -r n4s n4m <<<"$(python3 "$tmp/split.py" "$tmp/c4.pcap" "$tmp/c4sip.pcap" "$tmp/c4media.pcap")"
[ "${n4s:-0}" -gt 0 ] && [ "${n4m:-0}" -gt 0 ] && [ $((n4s + n4m)) = "$(frames "$tmp/c4.pcap")" ] &&
	ok || bad "split: ${n4s:-?} SIP + ${n4m:-?} media frames"
n4s=$((n4s + 1)) n4m=$((n4m + 1)) # and the filler frame of each
# recorded too: the bundle's manifest names each source, what it handed over and what the
# kernel dropped before
openssl genpkey -algorithm ed25519 -out "$tmp/sign.pem" 2>/dev/null && ok || bad "ed25519 key"
conf "$tmp/rec.conf" "[evidence]" "sign_key = $tmp/sign.pem"
capture run4 "$tmp/rec.conf" -i "$va" -i "$vc" --workers 3 --record "$tmp/ev4"
if wait_for "$tmp/run4.err" "running ("; then
	ok
	grep -q "3 workers, a capture thread per source" "$tmp/run4.err" && ok || bad "run4: threads"
	play2 "$vb" "$tmp/c4sip.pcap" "$vd" "$tmp/c4media.pcap" && ok || bad "tcpreplay (split)"
	sleep 1
	kill -TERM "$cpid"
	reap run4 0
else
	reap run4 1
	bad "run4: did not start"
fi
grep -q "limf capture: .* calls 3 intercepted 1 with_content 1 " "$tmp/run4.err" && ok ||
	{ bad "run4: summary"; cat "$tmp/run4.err" >&2; }
grep -q "workers 3 source_threads 2 queue_full 0 .* notes_lost 0" "$tmp/run4.err" && ok ||
	bad "run4: $(grep 'source_threads' "$tmp/run4.err")"
read -r f r d <<<"$(src_line run4 "$va")"
[ "${f:-}" = "$n4s" ] && [ "${d:-}" = 0 ] && ok || bad "run4: $va: frames ${f:-?} of $n4s, dropped ${d:-?}"
read -r f r d <<<"$(src_line run4 "$vc")"
[ "${f:-}" = "$n4m" ] && [ "${d:-}" = 0 ] && ok || bad "run4: $vc: frames ${f:-?} of $n4m, dropped ${d:-?}"
expect 0 verify4 "$limf" verify "$tmp/ev4"
hasnt verify4 "INCOMPLETE"
expect 0 manifest4 python3 -c '
import json, sys
m = json.load(open(sys.argv[1] + "/manifest.json"))
assert "incomplete" not in m, m["incomplete"]
s = m["sources"]
assert [(x["name"], x["live"], x["frames"], x["kernel_dropped"]) for x in s] == \
    [(sys.argv[2], True, int(sys.argv[4]), 0), (sys.argv[3], True, int(sys.argv[5]), 0)], s
assert all(x["kernel_received"] >= x["frames"] for x in s), s
assert m["summary"]["lost_at_limits"] == 0 and m["summary"]["routing_notes_lost"] == 0, m["summary"]
print("ok")' "$tmp/ev4" "$va" "$vc" "$n4s" "$n4m"
expect 0 exact4 python3 "$tmp/exact.py" "$tmp/lemf.jsonl" "$L4" "$tmp/c4.pcap.json"
has exact4 "1 target calls, 2 streams"
cat "$tmp/out" >&2

kill -TERM "$lpid" 2>/dev/null
wait "$lpid" && ok || bad "limf-lemf exit status"
lpid=''
kill -TERM "$kpid" 2>/dev/null
wait "$kpid" 2>/dev/null
kpid=''
finish
