#!/bin/bash
# CLI tests of `limf verify` on an evidence bundle written by the unit test suite
# `test_handover bundle_cli` (handover/bundle.h: two inputs, L1/iri.jsonl, L1/hi2.pdu, an IPv4
# L1/cc.pcap of 50 RTP packets and their PCMU audio L1/audio/1234abcd.wav), signed with an
# Ed25519 key made here by `openssl genpkey`. Checks the bundle with independent tools as well
# (openssl pkeyutl for the signature, sha256sum, Python's json and wave, tshark when present),
# then tampers with it. Prints "N passed, N failed" last.
set -u
. "$(dirname "$0")/lib.sh"
th=$BUILD/tests/test_handover
b=$tmp/bundle

openssl genpkey -algorithm ed25519 -out "$tmp/sign.pem" 2>/dev/null &&
	openssl pkey -in "$tmp/sign.pem" -pubout -out "$tmp/sign.pub" &&
	openssl genpkey -algorithm ed25519 -out "$tmp/other.pem" 2>/dev/null &&
	openssl pkey -in "$tmp/other.pem" -pubout -out "$tmp/other.pub" || bad "openssl genpkey"
expect 0 make env LIMF_T_BUNDLE_OUT="$b" LIMF_T_BUNDLE_KEY="$tmp/sign.pem" "$th" bundle_cli
has make '^[1-9][0-9]* passed, 0 failed'
fpr=$(openssl pkey -pubin -in "$tmp/sign.pub" -outform DER | sha256sum | cut -c1-64)

# without --key: intact as the key it carries signed it, and said to be NOT PINNED (anyone who
# rewrites a bundle can sign it again); with it: the pinned key's
expect 0 ok "$limf" verify "$b"
has ok "^verified: 4 files, key SHA-256 fingerprint $fpr (the bundle's own key, NOT PINNED)\$"
has ok "^  the bundle is as that key signed it; whose key it is, only its fingerprint can tell"
hasnt ok "INCOMPLETE"
expect 0 pinned "$limf" verify --key "$tmp/sign.pub" "$b"
has pinned "^verified: 4 files, key SHA-256 fingerprint $fpr (the pinned key)\$"
hasnt pinned "NOT PINNED"
expect 0 json "$limf" verify --json --key "$tmp/sign.pub" "$b"
pyjson json "j == {'verified': True, 'files': 4, 'key_sha256': '$fpr', 'pinned': True}"
expect 1 otherkey "$limf" verify --key "$tmp/other.pub" "$b"
has otherkey '^FAILED: manifest.pub: not the pinned key$'
expect 1 otherkeyjson "$limf" verify --json --key "$tmp/other.pub" "$b"
pyjson otherkeyjson "j['verified'] is False and j['reason'] == 'manifest.pub: not the pinned key'"
# the bundle's own key is no pin: refused as --key, also through a link from outside
expect 2 ownkey "$limf" verify --key "$b/manifest.pub" "$b"
has ownkey "^limf verify: --key: that file is inside the bundle"
ln -s "$b/manifest.pub" "$tmp/own-link.pub"
expect 2 ownkeylink "$limf" verify --key "$tmp/own-link.pub" "$b/"
has ownkeylink "^limf verify: --key: that file is inside the bundle"
ln "$b/manifest.pub" "$tmp/own-hard.pub"
expect 2 ownkeyhard "$limf" verify --key "$tmp/own-hard.pub" "$b"
has ownkeyhard "^limf verify: --key: that file is inside the bundle"
# pinned by the fingerprint the producer gave (limf replay prints it): the bundle's key must
# have it; upper case as well; not with --key too; a malformed one is a usage error
expect 0 fpin "$limf" verify --fingerprint "$fpr" "$b"
has fpin "^verified: 4 files, key SHA-256 fingerprint $fpr (the pinned fingerprint)\$"
hasnt fpin "NOT PINNED"
expect 0 fpinuc "$limf" verify --json --fingerprint "$(echo "$fpr" | tr a-f A-F)" "$b"
pyjson fpinuc "j == {'verified': True, 'files': 4, 'key_sha256': '$fpr', 'pinned': True}"
ofpr=$(openssl pkey -pubin -in "$tmp/other.pub" -outform DER | sha256sum | cut -c1-64)
expect 1 fpinother "$limf" verify --fingerprint "$ofpr" "$b"
has fpinother "^FAILED: manifest.pub: not the key of the pinned fingerprint (it is $fpr)\$"
expect 2 fpinboth "$limf" verify --fingerprint "$fpr" --key "$tmp/sign.pub" "$b"
expect 2 fpinshort "$limf" verify --fingerprint "${fpr:0:63}" "$b"
expect 2 fpinhex "$limf" verify --fingerprint "${fpr:0:63}g" "$b"

# independent checks: the signature (openssl), the manifest (JSON), hashes (sha256sum)
expect 0 opensslsig openssl pkeyutl -verify -pubin -inkey "$b/manifest.pub" -rawin \
	-in "$b/manifest.json" -sigfile "$b/manifest.sig"
cmp -s "$b/manifest.pub" "$tmp/sign.pub" && ok || bad "manifest.pub differs from the signer's key"
if python3 - "$b" <<'PY'; then ok; else bad "manifest content"; fi
import hashlib, json, os, sys, wave
d = sys.argv[1]
m = json.load(open(os.path.join(d, "manifest.json"), "rb"))
assert m["format"] == "limf-evidence-1" and m["tool"] == {"name": "limf", "version": "9.9.9-test"}
assert [i["name"] for i in m["inputs"]] == ["call.pcap", "second.pcap"]
assert m["inputs"][0]["size"] == 8 and m["inputs"][0]["sha256"] == hashlib.sha256(b"pcap-one").hexdigest()
assert m["warrants"][0]["liid"] == "L1" and m["calls"][0]["note"] == "caf\u00e9 \u00e9"
paths = [o["path"] for o in m["outputs"]]
assert paths == sorted(paths) == ["L1/audio/1234abcd.wav", "L1/cc.pcap", "L1/hi2.pdu", "L1/iri.jsonl"], paths
for o in m["outputs"]:
    data = open(os.path.join(d, o["path"]), "rb").read()
    assert len(data) == o["size"] and hashlib.sha256(data).hexdigest() == o["sha256"], o
assert m["created"].endswith("Z") and len(m["created"]) == 20
w = wave.open(os.path.join(d, "L1/audio/1234abcd.wav"))
assert (w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()) == (1, 2, 8000, 8000)
for l in open(os.path.join(d, "L1/iri.jsonl")):
    json.loads(l)
PY

# cc.pcap in Wireshark's dissectors: 50 IPv4/UDP/RTP packets, checksums verified, nothing malformed
if command -v tshark >/dev/null 2>&1; then
	expect 0 tshark tshark -r "$b/L1/cc.pcap" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE \
		-d udp.port==3456,rtp -V
	hasnt tshark -i 'malformed'
	hasnt tshark '\[Checksum Status: Bad\]'
	has tshark '\[Checksum Status: Good\]'
	has tshark 'Real-Time Transport Protocol'
	[ "$(grep -c '^Frame [0-9]*:' "$tmp/out")" -eq 50 ] && ok || bad "tshark: not 50 frames"
	expect 0 tsharkexpert tshark -r "$b/L1/cc.pcap" -q -z expert,warn -o udp.check_checksum:TRUE \
		-o ip.check_checksum:TRUE -d udp.port==3456,rtp
	hasnt tsharkexpert 'Malformed\|Bad checksum\|Error'
else
	echo "note: tshark not installed; cc.pcap dissector check skipped" >&2
fi

# tampering: one flipped byte, a removed file, an added file, a symbolic link
cp "$b/L1/cc.pcap" "$tmp/cc.orig"
printf '\x00' | dd of="$b/L1/cc.pcap" bs=1 seek=100 conv=notrunc status=none
cmp -s "$b/L1/cc.pcap" "$tmp/cc.orig" || ok
expect 1 flip "$limf" verify "$b"
has flip '^FAILED: L1/cc.pcap: SHA-256 differs$'
cp "$tmp/cc.orig" "$b/L1/cc.pcap"
expect 0 restored "$limf" verify "$b"
mv "$b/L1/audio/1234abcd.wav" "$tmp/x.wav"
expect 1 missing "$limf" verify "$b"
has missing '^FAILED: L1/audio/1234abcd.wav: missing$'
mv "$tmp/x.wav" "$b/L1/audio/1234abcd.wav"
# a listed file replaced by a sparse file of 1 TiB: refused by its size at once, not hashed
# first (about 1.5 s per GB: that took hours); where the file system cannot hold it, 4 GiB
cp "$b/L1/iri.jsonl" "$tmp/iri.orig"
truncate -s 1T "$b/L1/iri.jsonl" 2>/dev/null || truncate -s 4G "$b/L1/iri.jsonl"
expect 1 sparse timeout 5 "$limf" verify "$b"
has sparse '^FAILED: L1/iri.jsonl: size differs$'
cp "$tmp/iri.orig" "$b/L1/iri.jsonl"
echo junk >"$b/L1/notes.txt"
expect 1 extra "$limf" verify --json "$b"
pyjson extra "j['verified'] is False and j['reason'] == 'extra file: L1/notes.txt'"
rm "$b/L1/notes.txt"
# an added file whose name holds CR and an escape sequence: printed escaped, so a terminal cannot
# be made to show only a genuine-looking "verified" line (\r and ESC [2K erased "FAILED")
evil=$(printf 'z\r\033[2Kverified: 4 files, key SHA-256 fingerprint %s' "$fpr")
echo x >"$b/$evil"
expect 1 evilname "$limf" verify "$b"
has evilname '^FAILED: extra file: z\\x0d\\x1b\[2Kverified: 4 files, key SHA-256 fingerprint'
if LC_ALL=C grep -q "$(printf '[\r\033]')" "$tmp/out"; then bad "evilname: a control octet reached the output"; else ok; fi
expect 1 evilnamejson "$limf" verify --json "$b"
pyjson evilnamejson "j['verified'] is False and j['reason'].startswith('extra file: z\r\x1b[2Kverified')"
rm "$b/$evil"
ln -s /etc/passwd "$b/passwd"
expect 1 symlink "$limf" verify "$b"
has symlink '^FAILED: extra file: passwd$'
rm "$b/passwd"
# a FIFO in place of a manifest file: refused at once, naming it (it used to block verify in
# open(2) for ever); a symbolic link there is not followed
for m in manifest.json manifest.sig manifest.pub; do
	mv "$b/$m" "$tmp/$m.orig"
	mkfifo "$b/$m"
	expect 1 "fifo-$m" timeout 20 "$limf" verify "$b"
	has "fifo-$m" "^FAILED: $m: not a regular file\$"
	rm "$b/$m"
	ln -s "$tmp/$m.orig" "$b/$m"
	expect 1 "symlink-$m" timeout 20 "$limf" verify "$b"
	has "symlink-$m" "^FAILED: $m: not a regular file\$"
	rm "$b/$m"
	mv "$tmp/$m.orig" "$b/$m"
done
# a listed output replaced by a FIFO, or (as root) by a device node: refused without opening it
mv "$b/L1/hi2.pdu" "$tmp/hi2.orig"
mkfifo "$b/L1/hi2.pdu"
expect 1 fifo-listed timeout 20 "$limf" verify "$b"
has fifo-listed '^FAILED: L1/hi2.pdu: not a regular file$'
rm "$b/L1/hi2.pdu"
if [ "$(id -u)" -eq 0 ] && mknod "$b/L1/hi2.pdu" c 1 3 2>/dev/null; then
	expect 1 dev-listed timeout 20 "$limf" verify "$b"
	has dev-listed '^FAILED: L1/hi2.pdu: not a regular file$'
	rm "$b/L1/hi2.pdu"
fi
mv "$tmp/hi2.orig" "$b/L1/hi2.pdu"
expect 0 restored2 "$limf" verify "$b"
sed -i 's/"version":"9.9.9-test"/"version":"9.9.9-tesT"/' "$b/manifest.json"
expect 1 manifest "$limf" verify "$b"
has manifest '^FAILED: manifest.sig: signature does not verify$'
sed -i 's/"version":"9.9.9-tesT"/"version":"9.9.9-test"/' "$b/manifest.json"
# another key's signature and public key: self-consistent, caught only by the pinned key
openssl pkeyutl -sign -inkey "$tmp/other.pem" -rawin -in "$b/manifest.json" -out "$b/manifest.sig"
cp "$tmp/other.pub" "$b/manifest.pub"
expect 0 swapped "$limf" verify "$b"
hasnt swapped "$fpr"
has swapped "NOT PINNED"
expect 1 swappedpinned "$limf" verify --key "$tmp/sign.pub" "$b"
has swappedpinned '^FAILED: manifest.pub: not the pinned key$'
expect 1 notabundle "$limf" verify "$tmp"
has notabundle '^FAILED: manifest.json: missing$'

# usage
expect 2 noargs "$limf" verify
expect 2 twodirs "$limf" verify "$b" "$b"
expect 2 badopt "$limf" verify --bogus "$b"
expect 2 keynoarg "$limf" verify "$b" --key
expect 0 help "$limf" verify --help
has help 'usage: limf verify'

finish
