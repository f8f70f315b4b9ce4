#!/bin/bash
# CLI tests of the traffic generator (tests/gen, $BUILD/limf-gen): the pcaps it writes dissect
# cleanly in tshark (SIP, SDP, MIKEY with SAKKE and SIGN, RTP), `limf scan` finds the calls of
# its truth file, `limf mikey unwrap` recovers the SSVs it used with the RSKs the test KMS
# issues, the media decrypts (with the receive side only: RSK, Z, the I_MESSAGEs) to its .raw
# files byte for byte, its G.711 matches Python's audioop, and the same seed gives the same
# bytes. Prints "N passed, N failed" last.
set -u
. "$(dirname "$0")/lib.sh"
gen=$BUILD/limf-gen
kms=$BUILD/limf-kms

# ---- helpers --------------------------------------------------------------------------------
# check.py MODE PCAP ...: checks over a generated pcap and its truth; prints "ok" or the
# failures, one per line.
cat >"$tmp/check.py" <<'PY'
import ipaddress, json, os, struct, subprocess, sys

def frames(path):
    """(t_us, src, sport, dst, dport, payload) of every unfragmented UDP datagram."""
    b = open(path, "rb").read()
    assert struct.unpack("<I", b[:4])[0] == 0xA1B2C3D4 and struct.unpack("<I", b[20:24])[0] == 1
    off = 24
    while off + 16 <= len(b):
        s, us, incl, orig = struct.unpack("<IIII", b[off:off + 16])
        f = b[off + 16:off + 16 + incl]
        off += 16 + incl
        et, p = struct.unpack(">H", f[12:14])[0], 14
        if et == 0x8100:
            et, p = struct.unpack(">H", f[16:18])[0], 18
        if et == 0x0800:
            ihl = (f[p] & 15) * 4
            if f[p + 9] != 17 or struct.unpack(">H", f[p + 6:p + 8])[0] & 0x3FFF:
                continue
            src, dst = ipaddress.ip_address(f[p + 12:p + 16]), ipaddress.ip_address(f[p + 16:p + 20])
            u = p + ihl
        elif et == 0x86DD:
            if f[p + 6] != 17:
                continue
            src, dst = ipaddress.ip_address(f[p + 8:p + 24]), ipaddress.ip_address(f[p + 24:p + 40])
            u = p + 40
        else:
            continue
        sp, dp, ul = struct.unpack(">HHH", f[u:u + 6])
        yield s * 1000000 + us, src, sp, dst, dp, f[u + 8:u + ul]

def ep(a, port):
    return ("[%s]:%d" if a.version == 6 else "%s:%d") % (a, port)

def media_check(gen, pcap, keys):
    """Decrypt every stream with `limf-gen decrypt` and compare with its .raw."""
    truth = json.load(open(pcap + ".json"))
    com = truth["community"]
    by_ep = {}
    rtcp = {}
    for t, src, sp, dst, dp, pl in frames(pcap):
        if len(pl) >= 12 and pl[0] >> 6 == 2 and 200 <= pl[1] <= 204:
            ssrc = "%08x" % struct.unpack(">I", pl[4:8])[0]
            rtcp.setdefault((ep(src, sp - 1), ep(dst, dp - 1), ssrc), []).append(pl)
        elif len(pl) >= 12 and pl[0] >> 6 == 2:
            ssrc = "%08x" % struct.unpack(">I", pl[8:12])[0]
            by_ep.setdefault((ep(src, sp), ep(dst, dp), ssrc), []).append(pl)
    errs, nstreams = [], 0
    for c in truth["calls"]:
        if c["foreign_kms"]:
            continue
        msgs = [c["i_message"]] + ([c["rekey"]["i_message"]] if c["rekey"] else [])
        for s in c["streams"]:
            nstreams += 1
            pkts = by_ep.get((s["src"], s["dst"], s["ssrc"]), [])
            name = "call %d %s %s" % (c["no"], s["dir"], s["ssrc"])
            if len(pkts) != s["packets"]:
                errs.append("%s: %d packets in the pcap, truth %d" % (name, len(pkts), s["packets"]))
            args = [gen, "decrypt", "--z", "@" + keys + "/Z.hex",
                    "--rsk", "@%s/%d.rsk.hex" % (keys, c["no"]), "--dir", s["dir"]]
            if truth["profile"] == "rfc6509" and com["id_scheme"] == "3gpp-uid":
                args += ["--period", str(com["user_key_period"]), "--offset", str(com["user_key_offset"])]
            rt = rtcp.get((s["src"], s["dst"], s["ssrc"]), [])
            if len(rt) != s.get("rtcp", 0):
                errs.append("%s: %d SRTCP packets, truth %d" % (name, len(rt), s.get("rtcp", 0)))
            inp = b"".join(struct.pack(">H", len(p)) + p for p in pkts + rt)
            r = subprocess.run(args + msgs, input=inp, capture_output=True)
            if r.returncode != 0:
                errs.append("%s: decrypt exit %d: %s" % (name, r.returncode, r.stderr.decode()[:200]))
                continue
            out, o, good, bad = r.stdout, 0, [], 0
            while o < len(out):
                st, n = out[o], struct.unpack(">H", out[o + 1:o + 3])[0]
                rtp = out[o + 3:o + 3 + n]
                o += 3 + n
                if st:
                    bad += 1
                    continue
                if 200 <= rtp[1] <= 204:
                    if rtp[1] != 200 or "%08x" % struct.unpack(">I", rtp[4:8])[0] != s["ssrc"] or b"@" not in rtp[28:]:
                        errs.append("%s: SRTCP decrypts to an unexpected packet" % name)
                    continue
                seq = struct.unpack(">H", rtp[2:4])[0]
                if rtp[1] & 0x7F != s["pt"] or len(rtp) != 172:
                    errs.append("%s: decrypted packet has PT %d, %d octets" % (name, rtp[1] & 0x7F, len(rtp)))
                good.append(((seq - s["first_seq"]) & 0xFFFF, rtp[12:]))
            if len(good) + bad != len(pkts):
                errs.append("%s: %d SRTCP packets did not decrypt" % (name, len(good) + bad - len(pkts)))
            if bad != len(s["corrupted"]):
                errs.append("%s: %d packets failed to decrypt, %d corrupted" % (name, bad, len(s["corrupted"])))
            good.sort()
            raw = open(os.path.join(pcap + ".d", s["raw"]), "rb").read()
            if b"".join(p for _, p in good) != raw:
                errs.append("%s: decrypted media differs from %s (%d vs %d octets)" % (name, s["raw"], 160 * len(good), len(raw)))
    if nstreams == 0:
        errs.append("no streams checked")
    return errs

def scan_check(scan_json, pcap):
    """limf scan --json finds each call of the truth with its parties, I_MESSAGE and counts."""
    truth = json.load(open(pcap + ".json"))
    scan = json.load(open(scan_json))
    errs = []
    calls = {c["call_id"]: c for c in scan["calls"]}
    if len(scan["calls"]) != len(truth["calls"]):
        errs.append("scan found %d calls, truth %d" % (len(scan["calls"]), len(truth["calls"])))
    if scan.get("rejected"):
        errs.append("scan rejected %r" % scan["rejected"])
    for t in truth["calls"]:
        c = calls.get(t["call_id"])
        if not c:
            errs.append("call %s not found" % t["call_id"])
            continue
        want = {"from": t["caller"], "to": t["callee"], "i_message": True, "invite": True,
                "bye": True, "transport": t["transport"], "end": "bye",
                "reinvites": 1 if t["rekey"] else 0, "i_messages": 2 if t["rekey"] else 1}
        for k, v in want.items():
            if c.get(k) != v:
                errs.append("call %d: %s = %r, want %r" % (t["no"], k, c.get(k), v))
        if truth["profile"] == "rfc6509" and (c.get("initiator"), c.get("responder")) != (t["caller"], t["callee"]):
            errs.append("call %d: initiator/responder %r/%r" % (t["no"], c.get("initiator"), c.get("responder")))
        per_dst = {}
        for s in t["streams"]:
            n, r = per_dst.get(s["dst"], (0, 0))
            per_dst[s["dst"]] = (n + s["packets"], r + s.get("rtcp", 0))
        got = {ep(ipaddress.ip_address(m["addr"]), m["port"]): (m["packets"], m["rtcp"]) for m in c["media"]}
        if got != per_dst:
            errs.append("call %d: media %r, want %r" % (t["no"], got, per_dst))
    return errs

def g711_check(pcap, wav):
    """The caller's .raw of call 1 is the WAV's samples G.711-encoded (Python's audioop)."""
    import warnings
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop, wave
    truth = json.load(open(pcap + ".json"))
    s = truth["calls"][0]["streams"][0]
    raw = open(os.path.join(pcap + ".d", s["raw"]), "rb").read()
    w = wave.open(wav, "rb")
    pcm = w.readframes(w.getnframes())
    while len(pcm) < len(raw) * 2:
        pcm += pcm
    pcm = pcm[:len(raw) * 2]
    ref = audioop.lin2alaw(pcm, 2) if s["pt"] == 8 else audioop.lin2ulaw(pcm, 2)
    if ref != raw:
        diff = sum(1 for a, b in zip(ref, raw) if a != b)
        return ["G.711 of the WAV differs from the caller's .raw in %d of %d octets (pt %d)" % (diff, len(raw), s["pt"])]
    return []

def tone_check(pcap, want):
    """The callee's .raw of call 1 decodes (audioop) to a sine of `want` Hz: zero crossings."""
    import warnings
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop
    truth = json.load(open(pcap + ".json"))
    s = [x for x in truth["calls"][0]["streams"] if x["dir"] == "callee"][0]
    raw = open(os.path.join(pcap + ".d", s["raw"]), "rb").read()[:8000]
    lin = audioop.alaw2lin(raw, 2) if s["pt"] == 8 else audioop.ulaw2lin(raw, 2)
    v = struct.unpack("<%dh" % (len(lin) // 2), lin)
    zc = sum(1 for a, b in zip(v, v[1:]) if (a < 0) != (b < 0))
    peak = max(abs(x) for x in v)
    if abs(zc - 2 * want) > 4 or not 10000 < peak < 14000:
        return ["callee audio: %d zero crossings in 1 s (want %d), peak %d" % (zc, 2 * want, peak)]
    return []

mode = sys.argv[1]
if mode == "media":
    errs = media_check(sys.argv[2], sys.argv[3], sys.argv[4])
elif mode == "scan":
    errs = scan_check(sys.argv[2], sys.argv[3])
elif mode == "tone":
    errs = tone_check(sys.argv[2], int(sys.argv[3]))
elif mode == "g711":
    errs = g711_check(sys.argv[2], sys.argv[3])
else:
    errs = ["unknown mode"]
print("\n".join(errs) if errs else "ok")
PY

# check NAME MODE ARGS...: run check.py, pass when it prints "ok"
check() {
	local name=$1
	shift
	local out
	out=$(python3 "$tmp/check.py" "$@" 2>&1)
	if [ "$out" = ok ]; then ok; else bad "$name: $(head -c 2000 <<<"$out")"; fi
}
# scan_ok NAME PCAP: limf scan --json agrees with the truth
scan_ok() {
	if "$limf" scan --json "$2" >"$tmp/scan.json" 2>"$tmp/err"; then
		check "$1 scan" scan "$tmp/scan.json" "$2"
	else
		bad "$1: limf scan failed"
	fi
}
# tshark_ok NAME PCAP [DECODE-AS...]: no expert error/warning (malformed, bad checksum, ...)
tshark_ok() {
	local name=$1 pcap=$2
	shift 2
	tshark -r "$pcap" -o udp.check_checksum:TRUE -o tcp.check_checksum:TRUE \
		-o ip.check_checksum:TRUE "$@" -q -z expert,warn >"$tmp/expert" 2>/dev/null
	if grep -qE '^(Errors|Warns) \(' "$tmp/expert"; then
		bad "$name: tshark expert warnings/errors"
		sed 's/^/    /' "$tmp/expert" | head -20 >&2
	else
		ok
	fi
}
# field_count PCAP FILTER: number of frames matching a display filter
field_count() {
	tshark -r "$1" -Y "$2" 2>/dev/null | wc -l
}
eq() { # NAME GOT WANT
	if [ "$2" = "$3" ]; then ok; else bad "$1: got '$2', want '$3'"; fi
}
truth() { # PCAP EXPR over j = the truth
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1]+".json")); print(eval(sys.argv[2]))' "$1" "$2"
}

if ! command -v tshark >/dev/null 2>&1; then
	bad "tshark is not installed (scripts/deps.sh installs it)"
	finish
	exit 1
fi

# ---- communities ----------------------------------------------------------------------------
expect 0 kms-init-6509 "$kms" init "$tmp/k6509" --scheme rfc6509
expect 0 kms-init-3gpp "$kms" init "$tmp/k3g" --scheme 3gpp-uid
c6509=$tmp/k6509/community.json
c3g=$tmp/k3g/community.json

# ---- usage and bad input ----------------------------------------------------------------------
expect 0 help "$gen" --help
has help "--community FILE --out X.pcap"
expect 1 no-community "$gen" --out "$tmp/x.pcap"
expect 1 bad-profile "$gen" --community "$c6509" --out "$tmp/x.pcap" --profile nope
expect 1 mcx-needs-3gpp "$gen" --community "$c6509" --out "$tmp/x.pcap" --profile mcx
has mcx-needs-3gpp "3gpp-uid"
expect 1 bad-start "$gen" --community "$c6509" --out "$tmp/x.pcap" --start yesterday
expect 1 bad-vlan "$gen" --community "$c6509" --out "$tmp/x.pcap" --vlan 5000
expect 1 missing-community-file "$gen" --community "$tmp/none.json" --out "$tmp/x.pcap"
python3 - "$tmp/stereo.wav" "$tmp/speech.wav" <<'PY'
import math, sys, wave
w = wave.open(sys.argv[1], "wb"); w.setnchannels(2); w.setsampwidth(2); w.setframerate(8000)
w.writeframes(b"\0\0\0\0" * 800); w.close()
w = wave.open(sys.argv[2], "wb"); w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000)
import struct
w.writeframes(b"".join(struct.pack("<h", int(9000 * math.sin(i * 0.07) * math.sin(i * 0.0011) + 300 * ((i * 7919) % 13 - 6))) for i in range(12345)))
w.close()
PY
expect 1 wav-stereo "$gen" --community "$c6509" --out "$tmp/x.pcap" --audio "$tmp/stereo.wav"
has wav-stereo "mono"

# ---- RFC 6509 profile, defaults ---------------------------------------------------------------
p=$tmp/def.pcap
expect 0 gen-default "$gen" --community "$c6509" --out "$p" --dump-keys "$tmp/keys-def"
tshark_ok default "$p"
eq default-mikey "$(field_count "$p" 'mikey.sakke && mikey.sign && mikey.idr')" 1
eq default-sip "$(field_count "$p" 'sip')" 7
eq default-sdp "$(field_count "$p" 'sdp')" 2
eq default-rtp "$(field_count "$p" 'rtp')" 1000
tshark -r "$p" -Y mikey -T fields -e mikey.sakke -e mikey.sign.type -e mikey.type -e mikey.cs_id_map_type 2>/dev/null >"$tmp/out"
has default-mikey-fields "1	2	26	0"
scan_ok default "$p"
check default-media media "$gen" "$p" "$tmp/keys-def"
check default-tone tone "$p" 880
# the SSV: limf mikey unwrap with the RSK the KMS issues (RFC 6509 identifiers from the message)
truth "$p" 'j["calls"][0]["i_message"]' >"$tmp/m-def"
expect 0 default-unwrap "$limf" mikey unwrap --z @"$tmp/keys-def/Z.hex" --rsk @"$tmp/keys-def/1.rsk.hex" \
	--kpak @"$tmp/keys-def/kpak.hex" "$tmp/m-def"
has default-unwrap "SSV: $(truth "$p" 'j["calls"][0]["ssv"]')"
has default-unwrap "signature: valid"
# the identifier KMS keys are for: the RSK also validates against limf-kms's Z
expect 0 default-verify "$limf" mikey verify --kpak @"$tmp/keys-def/kpak.hex" "$tmp/m-def"

# the checks can fail: a bad IP length is seen by tshark, a changed .raw by the media check
python3 - "$p" "$tmp/broken.pcap" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[24 + 16 + 14 + 3] ^= 0x40  # the first frame's IPv4 total length
open(sys.argv[2], "wb").write(b)
PY
if tshark -r "$tmp/broken.pcap" -o ip.check_checksum:TRUE -q -z expert,warn 2>/dev/null | grep -qE '^(Errors|Warns) \('; then ok; else bad "tshark does not see a broken IP header"; fi
cp -r "$tmp/keys-def" "$tmp/keys-neg"
mkdir -p "$tmp/neg" && cp "$p" "$p.json" "$tmp/neg/" && cp -r "$p.d" "$tmp/neg/"
python3 - "$tmp/neg/def.pcap.d" <<'PY'
import os, sys
f = os.path.join(sys.argv[1], sorted(os.listdir(sys.argv[1]))[0])
b = bytearray(open(f, "rb").read()); b[1000] ^= 1; open(f, "wb").write(b)
PY
if [ "$(python3 "$tmp/check.py" media "$gen" "$tmp/neg/def.pcap" "$tmp/keys-neg")" = ok ]; then bad "media check misses a changed .raw"; else ok; fi

# ---- the same seed gives the same bytes; another seed others --------------------------------
expect 0 gen-again "$gen" --community "$c6509" --out "$tmp/def2.pcap"
if cmp -s "$p" "$tmp/def2.pcap" && cmp -s "$p.d/$(truth "$p" 'j["calls"][0]["streams"][0]["raw"]')" \
	"$tmp/def2.pcap.d/$(truth "$p" 'j["calls"][0]["streams"][0]["raw"]')"; then ok; else bad "same seed: pcap differs"; fi
expect 0 gen-seed2 "$gen" --community "$c6509" --out "$tmp/seed2.pcap" --seed 2
if cmp -s "$p" "$tmp/seed2.pcap"; then bad "seed 2: same pcap as seed 1"; else ok; fi
if [ "$(truth "$p" 'j["calls"][0]["call_id"]')" != "$(truth "$tmp/seed2.pcap" 'j["calls"][0]["call_id"]')" ]; then ok; else bad "seed 2: same Call-ID"; fi

# ---- MCX profile (TS 33.180 private call: UIDs, PCK, GCM + MKI + RCC) -------------------------
p=$tmp/mcx.pcap
expect 0 gen-mcx "$gen" --community "$c3g" --out "$p" --profile mcx --dump-keys "$tmp/keys-mcx" --duration 4
tshark_ok mcx "$p"
eq mcx-mikey "$(field_count "$p" 'mikey.sakke && mikey.sign && mikey.cs_id_map_type == 1')" 1
eq mcx-rtp "$(field_count "$p" 'rtp')" 400
scan_ok mcx "$p"
# RTP header 12 + G.711 160 + GCM tag 16 + MKI (PCK-ID) 4 + ROC 4 (RCCm3, R = 1)
eq mcx-srtp-len "$(tshark -r "$p" -Y rtp -T fields -e udp.length 2>/dev/null | sort -u)" 204
eq mcx-mki "$(tshark -r "$p" -Y rtp -T fields -e udp.payload 2>/dev/null | head -1 | cut -c 377-384)" \
	"$(truth "$p" '"%08x" % j["calls"][0]["csb_id"]')"
check mcx-media media "$gen" "$p" "$tmp/keys-mcx"
truth "$p" 'j["calls"][0]["i_message"]' >"$tmp/m-mcx"
expect 0 mcx-unwrap "$limf" mikey unwrap --z @"$tmp/keys-mcx/Z.hex" --rsk @"$tmp/keys-mcx/1.rsk.hex" \
	--kpak @"$tmp/keys-mcx/kpak.hex" "$tmp/m-mcx"
has mcx-unwrap "SSV: $(truth "$p" 'j["calls"][0]["ssv"]')"
has mcx-unwrap "signature: valid"
expect 0 mcx-inspect "$limf" mikey inspect "$tmp/m-mcx"
has mcx-inspect "role 8 (IDRuidi)"
has mcx-inspect "role 7 (IDRkmsr)"
has mcx-inspect "Empty map"
has mcx-inspect "2 Authentication algorithm = 04 (RCCm3)"
# the UID the KMS keys: derived from the URI, the KMS URI and the key period
expect 0 mcx-unwrap-uri "$limf" mikey unwrap --z @"$tmp/keys-mcx/Z.hex" --rsk @"$tmp/keys-mcx/1.rsk.hex" \
	--id sip:bob@example.org --kms-uri kms.limf.test --key-period 2592000 --key-offset 0 "$tmp/m-mcx"
has mcx-unwrap-uri "SSV: $(truth "$p" 'j["calls"][0]["ssv"]')"
# RFC 6509 profile over a 3gpp-uid community: clear URIs, UID identifiers
p=$tmp/r3g.pcap
expect 0 gen-6509-3gpp "$gen" --community "$c3g" --out "$p" --dump-keys "$tmp/keys-r3g" --duration 2
check r3g-media media "$gen" "$p" "$tmp/keys-r3g"

# ---- addressing and transport variants: limf scan finds every call ---------------------------
p=$tmp/v6.pcap
expect 0 gen-ipv6 "$gen" --community "$c6509" --out "$p" --ipv6 --duration 2 --calls 2 --dump-keys "$tmp/keys-v6"
tshark_ok ipv6 "$p"
scan_ok ipv6 "$p"
check ipv6-media media "$gen" "$p" "$tmp/keys-v6"
eq ipv6-frames "$(field_count "$p" 'ipv6 && !ip')" "$(truth "$p" 'j["frames"]')"

p=$tmp/vlan.pcap
expect 0 gen-vlan "$gen" --community "$c6509" --out "$p" --vlan 100 --duration 2
tshark_ok vlan "$p"
eq vlan-tagged "$(field_count "$p" 'vlan.id == 100')" "$(truth "$p" 'j["frames"]')"
scan_ok vlan "$p"

p=$tmp/tcp.pcap
expect 0 gen-tcp "$gen" --community "$c6509" --out "$p" --tcp --duration 2 --calls 2
tshark_ok tcp "$p"
eq tcp-sip "$(field_count "$p" 'sip && tcp')" 14
eq tcp-mikey "$(field_count "$p" 'mikey.sakke')" 2
scan_ok tcp "$p"

p=$tmp/frag.pcap
expect 0 gen-frag "$gen" --community "$c6509" --out "$p" --frag --duration 2
tshark_ok frag "$p"
eq frag-fragments "$(field_count "$p" 'ip.flags.mf == 1 || ip.frag_offset > 0')" 3
eq frag-mikey "$(field_count "$p" 'mikey.sakke')" 1
scan_ok frag "$p"
p=$tmp/frag6.pcap
expect 0 gen-frag6 "$gen" --community "$c6509" --out "$p" --frag --ipv6 --duration 1
tshark_ok frag6 "$p"
eq frag6-mikey "$(field_count "$p" 'mikey.sakke')" 1
scan_ok frag6 "$p"

p=$tmp/loss.pcap
expect 0 gen-loss "$gen" --community "$c6509" --out "$p" --loss 5 --reorder 5 --duration 4 --dump-keys "$tmp/keys-loss"
tshark_ok loss "$p" --disable-protocol rtp
scan_ok loss "$p"
check loss-media media "$gen" "$p" "$tmp/keys-loss"
eq loss-some-lost "$(truth "$p" 'sum(len(s["lost"]) for s in j["calls"][0]["streams"]) > 0')" True
eq loss-some-reordered "$(truth "$p" 'sum(len(s["reordered"]) for s in j["calls"][0]["streams"]) > 0')" True

p=$tmp/bg.pcap
expect 0 gen-background "$gen" --community "$c6509" --out "$p" --background 5 --calls 2 --duration 2
tshark_ok background "$p"
scan_ok background "$p"
eq background-targets "$(truth "$p" '[c["target"] for c in j["calls"]].count(True)')" 2
eq background-users "$(truth "$p" 'j["calls"][1]["caller"] != j["calls"][0]["caller"] or j["calls"][2]["caller"] != j["calls"][0]["caller"]')" True

# calls hold files only while they run: more calls than open files
p=$tmp/fds.pcap
expect 0 gen-many-fds bash -c 'ulimit -n 48 && "$0" "$@"' "$gen" --community "$c6509" --out "$p" --calls 0 --background 60 --duration 1
eq many-fds-raw "$(ls "$p.d" | wc -l)" 120

p=$tmp/many.pcap
start=$(date +%s.%N)
expect 0 gen-20-calls "$gen" --community "$c6509" --out "$p" --calls 20 --duration 10
end=$(date +%s.%N)
echo "limf-gen: 20 calls x 10 s in $(python3 -c "print(round($end - $start, 2))") s" >&2
scan_ok calls20 "$p"
eq calls20-count "$(truth "$p" 'len(j["calls"])')" 20
eq calls20-concurrent "$(truth "$p" 'j["calls"][1]["start"] < j["calls"][0]["end"]')" True

p=$tmp/rtcp.pcap
expect 0 gen-rtcp "$gen" --community "$c3g" --profile mcx --out "$p" --rtcp --rekey --duration 12 --dump-keys "$tmp/keys-rtcp"
eq rtcp-count "$(truth "$p" 'sum(s["rtcp"] for s in j["calls"][0]["streams"])')" 4
scan_ok rtcp "$p"
check rtcp-media media "$gen" "$p" "$tmp/keys-rtcp"
# Wireshark cannot parse encrypted RTCP (it warns "Encrypted RTCP Payload"): RTCP aside, clean
tshark_ok rtcp "$p" --disable-protocol rtcp
eq rtcp-srtcp "$(field_count "$p" 'udp.srcport == 10003 || udp.srcport == 30003')" 4

p=$tmp/combo.pcap
expect 0 gen-combo "$gen" --community "$c3g" --profile mcx --out "$p" --ipv6 --vlan 7 --tcp --background 3 \
	--rekey --ssrc-change --loss 3 --reorder 3 --duration 3 --dump-keys "$tmp/keys-combo"
tshark_ok combo "$p" --disable-protocol rtp
scan_ok combo "$p"
check combo-media media "$gen" "$p" "$tmp/keys-combo"

# ---- keying events -----------------------------------------------------------------------------
p=$tmp/rekey.pcap
expect 0 gen-rekey "$gen" --community "$c3g" --profile mcx --out "$p" --rekey --duration 3 --dump-keys "$tmp/keys-rekey"
tshark_ok rekey "$p"
eq rekey-mikey "$(field_count "$p" 'mikey.sakke')" 2
scan_ok rekey "$p"
check rekey-media media "$gen" "$p" "$tmp/keys-rekey"
truth "$p" 'j["calls"][0]["rekey"]["i_message"]' >"$tmp/m-rekey"
expect 0 rekey-unwrap "$limf" mikey unwrap --z @"$tmp/keys-rekey/Z.hex" --rsk @"$tmp/keys-rekey/1.rsk.hex" "$tmp/m-rekey"
has rekey-unwrap "SSV: $(truth "$p" 'j["calls"][0]["rekey"]["ssv"]')"
p=$tmp/rekey6509.pcap
expect 0 gen-rekey-6509 "$gen" --community "$c6509" --out "$p" --rekey --ssrc-change --duration 3 --dump-keys "$tmp/keys-rk2"
check rekey6509-media media "$gen" "$p" "$tmp/keys-rk2"
eq ssrc-change-streams "$(truth "$p" 'len(j["calls"][0]["streams"])')" 3
scan_ok rekey6509 "$p"

p=$tmp/corrupt.pcap
expect 0 gen-corrupt "$gen" --community "$c3g" --profile mcx --out "$p" --corrupt 4 --duration 2 --dump-keys "$tmp/keys-cor"
check corrupt-media media "$gen" "$p" "$tmp/keys-cor"
eq corrupt-count "$(truth "$p" 'sum(len(s["corrupted"]) for s in j["calls"][0]["streams"])')" 4

p=$tmp/forge.pcap
expect 0 gen-forge "$gen" --community "$c6509" --out "$p" --forge-sig --duration 1 --dump-keys "$tmp/keys-forge"
truth "$p" 'j["calls"][0]["i_message"]' >"$tmp/m-forge"
expect 1 forge-verify "$limf" mikey verify --kpak @"$tmp/keys-forge/kpak.hex" "$tmp/m-forge"
expect 1 forge-unwrap-kpak "$limf" mikey unwrap --z @"$tmp/keys-forge/Z.hex" --rsk @"$tmp/keys-forge/1.rsk.hex" \
	--kpak @"$tmp/keys-forge/kpak.hex" "$tmp/m-forge"
eq forge-truth "$(truth "$p" 'j["calls"][0]["forged_sig"]')" True

p=$tmp/foreign.pcap
expect 0 gen-foreign "$gen" --community "$c6509" --out "$p" --foreign-kms --duration 1 --dump-keys "$tmp/keys-for"
truth "$p" 'j["calls"][0]["i_message"]' >"$tmp/m-foreign"
expect 1 foreign-unwrap "$limf" mikey unwrap --z @"$tmp/keys-for/Z.hex" --rsk @"$tmp/keys-for/1.rsk.hex" "$tmp/m-foreign"
hasnt foreign-unwrap "SSV:"
expect 1 foreign-verify "$limf" mikey verify --kpak @"$tmp/keys-for/kpak.hex" "$tmp/m-foreign"

# ---- audio --------------------------------------------------------------------------------------
p=$tmp/wav.pcap
expect 0 gen-wav "$gen" --community "$c6509" --out "$p" --audio "$tmp/speech.wav" --duration 3 --dump-keys "$tmp/keys-wav"
check wav-g711 g711 "$p" "$tmp/speech.wav"
check wav-media media "$gen" "$p" "$tmp/keys-wav"
for s in 3 4; do # both payload types (the seed picks PCMU or PCMA per call)
	expect 0 gen-wav-seed$s "$gen" --community "$c6509" --out "$tmp/wav$s.pcap" --audio "$tmp/speech.wav" --duration 1 --seed $s
	check wav-g711-seed$s g711 "$tmp/wav$s.pcap" "$tmp/speech.wav"
done
eq wav-both-pts "$(python3 -c 'import json,sys; print(sorted({json.load(open(f+".json"))["calls"][0]["streams"][0]["pt"] for f in sys.argv[1:]}))' "$p" "$tmp/wav3.pcap" "$tmp/wav4.pcap" "$tmp/def.pcap")" "[0, 8]"
expect 0 gen-sweep "$gen" --community "$c6509" --out "$tmp/sweep.pcap" --audio sweep --duration 1
expect 0 gen-start "$gen" --community "$c6509" --out "$tmp/start.pcap" --duration 1 --start 2027-03-04T05:06:07Z
eq start-time "$(truth "$tmp/start.pcap" 'j["calls"][0]["start"][:19]')" 2027-03-04T05:06:07

# ---- group profile (issue 9): GMK distribution, group call, floor control ----------------------
# gcheck.py GEN PCAP KEYS [none]: recovers the GMKs from the NOTIFY bodies as an interceptor
# would (the I_MESSAGEs as base64 text in the group document, the target's RSK), decrypts all
# group media with `limf-gen decrypt-group` (decrypt/group.h), and compares with the .raw files,
# the talker attribution, the turns and the floor-control packets of the truth. "none": the
# target is no member: no GMK may unwrap, no packet decrypt.
cat >"$tmp/gcheck.py" <<'PY'
import base64, json, re, struct, subprocess, sys
sys.path.insert(0, sys.argv[5])
from check import frames
gen, pcap, keys = sys.argv[1], sys.argv[2], sys.argv[3]
none = sys.argv[4] == "none"
truth = json.load(open(pcap + ".json"))
G = truth["group"]
errs = []
imsgs, members, group_ids, media, floor = [], set(), set(), [], []
for t, src, sp, dst, dp, pl in frames(pcap):
    if pl.startswith(b"NOTIFY "):
        head, _, body = pl.partition(b"\r\n\r\n")
        m = re.search(rb"boundary=([^\r\n;]+)", head)
        if not m:
            errs.append("NOTIFY without a multipart boundary")
            continue
        for part in body.split(b"--" + m.group(1))[1:-1]:
            ph, _, pb = part.partition(b"\r\n\r\n")
            for g in re.findall(rb'<list-service uri="([^"]+)"', pb):
                group_ids.add(g.decode())
            for e in re.findall(rb'<entry uri="([^"]+)"', pb):
                members.add(e.decode())
            for txt in re.findall(rb">([A-Za-z0-9+/=\s]{40,})<", pb):
                raw = base64.b64decode(b"".join(txt.split()))
                if raw[:2] == b"\x01\x1a":
                    imsgs.append(b"".join(txt.split()).decode())
    elif len(pl) >= 12 and pl[0] >> 6 == 2 and pl[1] == 204 and pl[8:12] == b"MCPT":
        floor.append((pl[0] & 31, struct.unpack(">I", pl[4:8])[0]))
    elif len(pl) >= 12 and pl[0] >> 6 == 2 and (pl[1] & 0x7F) == 0:
        media.append(pl)
want_imsgs = [m["b64"] for k in G["gmks"] for m in k["i_messages"]]
if sorted(imsgs) != sorted(want_imsgs):
    errs.append("I_MESSAGEs in the NOTIFY bodies: %d, truth %d (or different)" % (len(imsgs), len(want_imsgs)))
if group_ids != {G["id"]}:
    errs.append("group IDs in the bodies: %s" % sorted(group_ids))
if members != {m["uri"] for m in G["members"]}:
    errs.append("members in the group document: %s" % sorted(members))
# floor control: subtype sequence as in the truth
names = {0: "Floor Request", 1: "Floor Granted", 2: "Floor Taken", 4: "Floor Release", 5: "Floor Idle"}
got_floor = [names.get(s, str(s)) for s, _ in floor]
if got_floor != [f["type"] for f in G["floor"]]:
    errs.append("floor control: %d packets %s..., truth %d" % (len(got_floor), got_floor[:5], len(G["floor"])))
args = [gen, "decrypt-group", "--z", "@%s/Z.hex" % keys, "--rsk", "@%s/target.rsk.hex" % keys,
        "--member", G["target"], "--group", G["id"]]
if truth["community"]["id_scheme"] == "3gpp-uid":
    args += ["--period", str(truth["community"]["user_key_period"]), "--offset", str(truth["community"]["user_key_offset"])]
for u in sorted(members):
    args += ["--add-member", u]
inp = b"".join(struct.pack(">H", len(p)) + p for p in media)
r = subprocess.run(args + imsgs, input=inp, capture_output=True)
if r.returncode != 0:
    errs.append("decrypt-group exit %d: %s" % (r.returncode, r.stderr.decode()[:300]))
    print("\n".join(errs)); sys.exit(0)
got_gmks = sorted(l.split()[1] for l in r.stderr.decode().splitlines() if l.startswith("gmk "))
want_gmks = [] if none else sorted(k["gmk_id"] for k in G["gmks"])
if got_gmks != want_gmks:
    errs.append("GMKs recovered %s, want %s" % (got_gmks, want_gmks))
got_kp = sorted(l.split()[1:] for l in r.stderr.decode().splitlines() if l.startswith("kp "))
if got_kp != [[g, G["id"]] for g in want_gmks]:
    errs.append("E.6 key parameters %s, want the group of every GMK" % got_kp)
out, off, recs = r.stdout, 0, []
while off < len(out):
    st, gmk, guk, ul = struct.unpack(">BIIB", out[off:off + 10])
    uri = out[off + 10:off + 10 + ul].decode()
    off += 10 + ul
    (n,) = struct.unpack(">H", out[off:off + 2])
    recs.append((st, "%08x" % gmk, "%08x" % guk, uri, out[off + 2:off + 2 + n]))
    off += 2 + n
if len(recs) != len(media):
    errs.append("decrypt-group answered %d records for %d packets" % (len(recs), len(media)))
listeners = len(G["members"]) - 1
turns = G["turns"]
want_uplink = sum(t["packets"] for t in turns)
want_total = sum(t["packets"] * (2 + listeners if t["talker"] == "stranger" else 1 + listeners) for t in turns)
if len(media) != want_total:
    errs.append("%d SRTP packets in the pcap, truth %d (uplink %d)" % (len(media), want_total, want_uplink))
st = [x[0] for x in recs]
if none:
    if st.count(1) != len(recs):
        errs.append("target not a member: %d packets decrypted" % (len(recs) - st.count(1)))
else:
    if st.count(1):
        errs.append("%d packets did not decrypt" % st.count(1))
    if st.count(0) != want_uplink:
        errs.append("%d packets decrypted once, want %d (the relayed copies are replays)" % (st.count(0), want_uplink))
    per = {}
    for s, gmk, guk, uri, rtp in recs:
        if s != 0:
            continue
        ssrc = "%08x" % struct.unpack(">I", rtp[8:12])[0]
        per.setdefault(ssrc, []).append(rtp)
        turn = [t for t in turns if t["ssrc"] == ssrc and t["gmk_id"] == gmk]
        if not turn:
            errs.append("packet of SSRC %s under GMK %s: no such turn" % (ssrc, gmk)); continue
        t = turn[0]
        if guk != t["guk_id"] or uri != ("" if t["talker"] == "stranger" else t["talker"]):
            errs.append("SSRC %s attributed to %s/%r, truth %s/%s" % (ssrc, guk, uri, t["guk_id"], t["talker"]))
    counts = {}
    for t in turns:
        counts[(t["ssrc"], t["gmk_id"])] = counts.get((t["ssrc"], t["gmk_id"]), 0) + t["packets"]
    for s, gmk, guk, uri, rtp in recs:
        if s == 0:
            k = ("%08x" % struct.unpack(">I", rtp[8:12])[0], gmk)
            counts[k] = counts.get(k, 0) - 1
    if any(counts.values()):
        errs.append("packets per (SSRC, GMK) differ from the turns: %s" % {k: v for k, v in counts.items() if v})
    for tk in G["talkers"]:
        pk = per.get(tk["ssrc"], [])
        ext, last, roc, seqd = [], None, 0, []
        for p in pk:  # extended sequence numbers (only neighbours are swapped)
            s = struct.unpack(">H", p[2:4])[0]
            if last is not None and s < 0x4000 and last > 0xC000:
                roc += 1
            e = (roc << 16) + s - (0x10000 if (s > 0xC000 and last is not None and last < 0x4000) else 0)
            last = s
            seqd.append((e, p[12:]))
        clear = b"".join(x for _, x in sorted(seqd))
        raw = open(pcap + ".d/" + tk["raw"], "rb").read()
        if clear != raw:
            errs.append("talker %s: decrypted media differs from %s (%d vs %d octets)" % (tk["uri"], tk["raw"], len(clear), len(raw)))
print("\n".join(errs) if errs else "ok")
PY
gcheck() { # NAME PCAP KEYS [none]
	local out
	out=$(python3 "$tmp/gcheck.py" "$gen" "$2" "$3" "${4:-member}" "$tmp" 2>&1)
	if [ "$out" = ok ]; then ok; else bad "$1: $(head -c 2000 <<<"$out")"; fi
}
# the check reads the pcap with check.py's frames(): importable as a module
sed -n '/^mode = sys.argv\[1\]/q;p' "$tmp/check.py" >"$tmp/check.py.mod" && mv "$tmp/check.py.mod" "$tmp/check_mod.py"
sed -i 's/^from check import frames/from check_mod import frames/' "$tmp/gcheck.py"

p=$tmp/grp.pcap
expect 0 gen-group "$gen" --community "$c3g" --out "$p" --profile group --dump-keys "$tmp/keys-grp"
tshark_ok group "$p"
eq group-notify "$(field_count "$p" 'sip.Method == "NOTIFY" && xml')" 3
eq group-invites "$(field_count "$p" 'sip.Method == "INVITE" && sdp.media.media == "application" && sdp.media.format contains "MCPTT"')" 3
eq group-mcptt-info "$(field_count "$p" 'sip.Method == "INVITE" && sip.Content-Type contains "multipart/mixed"')" 3
eq group-floor "$(field_count "$p" 'rtcp.app.name == "MCPT"')" "$(truth "$p" 'len(j["group"]["floor"])')"
eq group-floor-types "$(tshark -r "$p" -Y 'rtcp.app.name == "MCPT"' -T fields -e rtcp.app.subtype 2>/dev/null | sort -n | uniq -c | awk '{printf "%s:%s ", $2, $1}')" "0:5 1:5 2:10 4:5 5:15 "
eq group-granted-party "$(tshark -r "$p" -Y 'rtcp.app.subtype == 2' -T fields -e rtcp.mcptt.granted_partys_id 2>/dev/null | sort -u | tr '\n' ' ')" "sip:alice@example.org sip:bob@example.org sip:carol@example.org "
eq group-srtp "$(field_count "$p" 'rtp')" "$(truth "$p" 'sum(t["packets"] for t in j["group"]["turns"]) * 3')"
eq group-turns "$(truth "$p" '[t["talker"][4:7] for t in j["group"]["turns"]]')" "['ali', 'bob', 'car', 'ali', 'bob']"
gcheck group-media "$p" "$tmp/keys-grp"
# the I_MESSAGE: a GMK one (CSB ID = the member's GUK-ID, GENERIC-ID CS ID 4, SPI GMK-ID||GUK-ID)
truth "$p" 'j["group"]["gmks"][0]["i_messages"][0]["b64"]' >"$tmp/m-grp"
expect 0 group-unwrap "$limf" mikey unwrap --z @"$tmp/keys-grp/Z.hex" --rsk @"$tmp/keys-grp/member1.rsk.hex" \
	--kpak @"$tmp/keys-grp/kpak.hex" "$tmp/m-grp"
has group-unwrap "SSV: $(truth "$p" 'j["group"]["gmks"][0]["gmk"]')"
has group-unwrap "signature: valid"
expect 0 group-inspect "$limf" mikey inspect "$tmp/m-grp"
has group-inspect "$(truth "$p" 'j["group"]["members"][0]["guk_ids"][j["group"]["gmks"][0]["gmk_id"]]')"
has group-inspect "role 9 (IDRuidr)"
has group-inspect "General Extension type 7 (3GPP key parameters)"
expect 1 group-unwrap-other "$limf" mikey unwrap --z @"$tmp/keys-grp/Z.hex" --rsk @"$tmp/keys-grp/member2.rsk.hex" "$tmp/m-grp"
# the check can fail: a changed .raw file
cp -r "$p.d" "$tmp/grp-save.d"
f=$(ls "$p.d" | head -1)
printf 'x' | dd of="$p.d/$f" bs=1 seek=100 conv=notrunc 2>/dev/null
if python3 "$tmp/gcheck.py" "$gen" "$p" "$tmp/keys-grp" member "$tmp" | grep -q "differs"; then ok; else bad "group check does not see a changed .raw"; fi
rm -rf "$p.d" && mv "$tmp/grp-save.d" "$p.d"
# same seed, same bytes
expect 0 gen-group-again "$gen" --community "$c3g" --out "$tmp/grp2.pcap" --profile group --dump-keys "$tmp/keys-grp2"
if cmp -s "$p" "$tmp/grp2.pcap" && cmp -s "$p.json" "$tmp/grp2.pcap.json" && diff -r "$p.d" "$tmp/grp2.pcap.d" >/dev/null; then ok; else bad "group: same seed, different output"; fi
expect 0 gen-group-seed2 "$gen" --community "$c3g" --out "$tmp/grp3.pcap" --profile group --seed 2
if cmp -s "$p" "$tmp/grp3.pcap"; then bad "group: seed 2 gives the same pcap"; else ok; fi

p=$tmp/grp-roll.pcap
expect 0 gen-group-rollover "$gen" --community "$c3g" --out "$p" --profile group --gmk-rollover --turn 1 --dump-keys "$tmp/keys-roll"
tshark_ok group-rollover "$p"
eq group-rollover-notify "$(field_count "$p" 'sip.Method == "NOTIFY"')" 6
eq group-rollover-gmks "$(truth "$p" 'len({t["gmk_id"] for t in j["group"]["turns"]})')" 2
eq group-rollover-talkers-both "$(truth "$p" 'all(len({t["gmk_id"] for t in j["group"]["turns"] if t["talker"] == u}) == 2 for u in {t["talker"] for t in j["group"]["turns"]})')" True
gcheck group-rollover-media "$p" "$tmp/keys-roll"
# the stranger's next turn after the rollover keeps the old GMK while the members use the new one
expect 0 gen-group-roll-str "$gen" --community "$c3g" --out "$tmp/grp-rs.pcap" --profile group --gmk-rollover --stranger --turn 0.5 --dump-keys "$tmp/keys-rs"
eq group-roll-str-mixed "$(truth "$tmp/grp-rs.pcap" 'j["group"]["turns"][-1]["gmk_id"] != j["group"]["turns"][-2]["gmk_id"]')" True
gcheck group-roll-str-media "$tmp/grp-rs.pcap" "$tmp/keys-rs"
eq group-rollover-gmk-files "$(ls "$tmp/keys-roll"/gmk-*.hex | wc -l)" 2
eq group-rollover-gmk-dump "$(cat "$tmp/keys-roll/gmk-$(truth "$p" 'j["group"]["gmks"][1]["gmk_id"]').hex")" "$(truth "$p" 'j["group"]["gmks"][1]["gmk"]')"

p=$tmp/grp-str.pcap
expect 0 gen-group-stranger "$gen" --community "$c3g" --out "$p" --profile group --stranger --duration 4 --members 4 --talkers 2 --dump-keys "$tmp/keys-str"
tshark_ok group-stranger "$p"
eq group-stranger-turn "$(truth "$p" 'j["group"]["turns"][-1]["talker"]')" stranger
eq group-stranger-guk "$(truth "$p" 'j["group"]["turns"][-1]["guk_id"] not in [g for m in j["group"]["members"] for g in m["guk_ids"].values()]')" True
eq group-stranger-anon "$(tshark -r "$p" -Y 'rtcp.app.subtype == 2 && !rtcp.mcptt.granted_partys_id' 2>/dev/null | wc -l)" 4
gcheck group-stranger-media "$p" "$tmp/keys-str"

p=$tmp/grp-loss.pcap
expect 0 gen-group-loss "$gen" --community "$c3g" --out "$p" --profile group --loss 5 --reorder 5 --dump-keys "$tmp/keys-loss"
eq group-loss-some "$(truth "$p" 'sum(len(t["lost"]) for t in j["group"]["turns"]) > 0 and sum(len(t["reordered"]) for t in j["group"]["turns"]) > 0')" True
gcheck group-loss-media "$p" "$tmp/keys-loss"

p=$tmp/grp-nm.pcap
expect 0 gen-group-not-member "$gen" --community "$c3g" --out "$p" --profile group --target-not-member --dump-keys "$tmp/keys-nm"
eq group-nm-target "$(truth "$p" 'j["group"]["target"] not in [m["uri"] for m in j["group"]["members"]]')" True
gcheck group-not-member "$p" "$tmp/keys-nm" none

p=$tmp/grp6.pcap
expect 0 gen-group-v6 "$gen" --community "$c6509" --out "$p" --profile group --ipv6 --vlan 7 --members 5 --talkers 3 --turn 0.5 --dump-keys "$tmp/keys-g6"
tshark_ok group-v6 "$p"
gcheck group-v6-media "$p" "$tmp/keys-g6"

expect 1 group-bad-talkers "$gen" --community "$c3g" --out "$tmp/x.pcap" --profile group --members 3 --talkers 4
expect 1 group-no-tcp "$gen" --community "$c3g" --out "$tmp/x.pcap" --profile group --tcp

finish
