#!/bin/bash
# make demo: the bundled sample, end to end as far as the pipeline goes today: inspect a real
# MCX private-call I_MESSAGE, recover its PCK with the callee's RSK (identity derived from the URI
# and the key period), verify the caller's ECCSI signature, print the SRTP keys.
set -euo pipefail
BUILD=${BUILD:-build}
limf=$BUILD/limf
d=demo
b='' n=''
if [ -t 1 ]; then b=$'\033[1m' n=$'\033[0m'; fi
step() { printf '\n%s== %s%s\n$ %s\n' "$b" "$1" "$n" "${*:2}"; "${@:2}"; }
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
echo "demo: ok"
