#!/bin/bash
# make demo: limf end to end on this machine, nothing outside the build tree.
#   1. the crypto core on real vendor data: a Streamwide MCX private-call I_MESSAGE, its PCK
#      recovered with the callee's RSK and the caller's ECCSI signature verified;
#   2. a private PostgreSQL cluster, the bundled test KMS (mutual TLS on loopback), a warrant,
#      a generated capture with a target's calls among others, `limf replay` into an evidence
#      bundle, `limf verify`, and the audit trail that shows every key request and its LIID.
set -euo pipefail
BUILD=${BUILD:-build}
limf=$BUILD/limf
d=demo
w=$BUILD/demo
b='' n=''
if [ -t 1 ]; then b=$'\033[1m' n=$'\033[0m'; fi
step() { printf '\n%s== %s%s\n$ %s\n' "$b" "$1" "$n" "${*:2}"; "${@:2}"; }

echo "${b}Part 1: the MIKEY-SAKKE core on a real vendor I_MESSAGE${n}"
step "Inspect the I_MESSAGE carried in the SDP offer" \
	"$limf" mikey inspect "$d/pck-alice-to-bob.mikey"
step "Recover the PCK as Bob (UID derived from sip:bob@streamwide.com, key period from T)" \
	"$limf" mikey unwrap --z @"$d/kms-Z.hex" --rsk @"$d/bob.rsk.hex" \
	--id sip:bob@streamwide.com --kms-uri kms.mydev.streamwide.com \
	--key-period 16777215 --key-offset 0 --kpak @"$d/kms-kpak.hex" --show-keys \
	"$d/pck-alice-to-bob.mikey"
step "Verify Alice's ECCSI signature (initiator UID from the message)" \
	"$limf" mikey verify --kpak @"$d/kms-kpak.hex" "$d/pck-alice-to-bob.mikey"

echo
echo "${b}Part 2: warrant-gated interception of a capture, end to end${n}"
rm -rf "$w"
mkdir -p "$w"
kms_pid=''
cleanup() {
	[ -n "$kms_pid" ] && kill -TERM "$kms_pid" 2>/dev/null
	BUILD=$BUILD scripts/pg-test.sh stop "$w/pg" >/dev/null 2>&1 || true
	[ -L "$w/pg" ] && rm -rf "$(readlink -f "$w/pg")"
	return 0
}
trap cleanup EXIT
step "Start a private PostgreSQL cluster (Unix socket only) with limf's schema and roles" \
	env BUILD="$BUILD" scripts/pg-test.sh start "$w/pg"
# shellcheck disable=SC1091
. "$w/pg/test.env"
step "Create a test KMS community (TS 33.180 UIDs) and its TLS certificates" \
	"$BUILD/limf-kms" init "$w/kms" --scheme 3gpp-uid --kms-uri kms.demo.example --period 2592000
"$BUILD/limf-kms" serve --community "$w/kms/community.json" --cert "$w/kms/server.pem" \
	--key "$w/kms/server.key" --ca "$w/kms/ca.pem" --listen 127.0.0.1:0 \
	--port-file "$w/kms/port" --log "$w/kms/requests.log" 2>"$w/kms/serve.err" &
kms_pid=$!
for _ in $(seq 100); do [ -s "$w/kms/port" ] && break; sleep 0.05; done
kms=(--kms "https://127.0.0.1:$(cat "$w/kms/port")" --ca "$w/kms/ca.pem"
	--cert "$w/kms/client.pem" --key "$w/kms/client.key")
echo "test KMS serving on 127.0.0.1:$(cat "$w/kms/port") (mutual TLS), request log $w/kms/requests.log"
step "An operator adds a warrant on Alice (IRI and content, March 2026)" \
	env LIMF_DB="$LIMF_DB_OPERATOR" "$limf" warrant add --liid DEMO-1 \
	--authority "Demo Court" --ref "CASE-2026-042" --country GB \
	--from 2026-03-01T00:00:00Z --to 2026-04-01T00:00:00Z --scope iri+cc \
	--delivery "lemf.demo.example:9000" --target sip:alice@example.org
step "Generate a capture: Alice calls Bob (MCX private call, AES-GCM SRTP) among 3 other calls" \
	"$BUILD/limf-gen" --community "$w/kms/community.json" --profile mcx --out "$w/capture.pcap" \
	--calls 1 --background 3 --duration 5 --caller sip:alice@example.org \
	--callee sip:bob@example.org --start 2026-03-15T12:00:00Z --audio sweep --seed 42
step "What the capture holds (no keys, no KMS)" "$limf" scan "$w/capture.pcap"
openssl genpkey -algorithm ed25519 -out "$w/evidence-sign.pem" 2>/dev/null
chmod 600 "$w/evidence-sign.pem"
step "Replay it as the service: the warrant gate, the KMS, decryption, the evidence bundle" \
	env LIMF_DB="$LIMF_DB_SERVICE" "$limf" replay "${kms[@]}" \
	--sign-key "$w/evidence-sign.pem" --out "$w/evidence" "$w/capture.pcap"
# the authority has the producer's public key from elsewhere than the bundle, and pins it
openssl pkey -in "$w/evidence-sign.pem" -pubout -out "$w/evidence-sign.pub"
step "The authority checks the bundle, pinning the producer's key" \
	"$limf" verify --key "$w/evidence-sign.pub" "$w/evidence"
step "The audit trail of the warrant: every key request names its LIID" \
	env LIMF_DB="$LIMF_DB_OPERATOR" "$limf" audit list --liid DEMO-1
step "The audit chain is intact" env LIMF_DB="$LIMF_DB_OPERATOR" "$limf" audit verify
echo
echo "The KMS was asked only for the target call's keys:"
grep -c 'keyprov' "$w/kms/requests.log" | sed 's/^/  keyprov requests: /'
echo
echo "Evidence bundle: $w/evidence (manifest.json, DEMO-1/iri.jsonl, DEMO-1/cc.pcap, hi2/hi3.pdu)"
for f in "$w"/evidence/DEMO-1/audio/*.wav; do echo "  audio: $f"; done
echo
echo "demo: ok"
