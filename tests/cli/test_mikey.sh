#!/bin/bash
# CLI tests of `limf mikey` on the bundled real I_MESSAGE and keys (demo/), and on hostile input.
# Prints "N passed, N failed" last.
set -u
. "$(dirname "$0")/lib.sh"
d=demo

unwrap_bob() {
	"$limf" mikey unwrap --z @$d/kms-Z.hex --rsk @$d/bob.rsk.hex "$@"
}

# inspect: text, JSON, stdin, binary
expect 0 inspect "$limf" mikey inspect $d/pck-alice-to-bob.mikey
has inspect 16992638
has inspect 780851cda91a9c33f941cd3a2831697e2893264754e363f8a0cef827eb201a81
has inspect kms.mydev.streamwide.com
expect 0 inspect-json "$limf" mikey inspect --json $d/pck-alice-to-bob.mikey
pyjson inspect-json "j['header']['csb_id']=='16992638' and len(j['ids'])==4"
sed 's/^mikey //' $d/pck-alice-to-bob.mikey | base64 -d >"$tmp/bin"
expect 0 inspect-binary "$limf" mikey inspect "$tmp/bin"
has inspect-binary 16992638
if "$limf" mikey inspect - <$d/pck-alice-to-bob.mikey >"$tmp/out" 2>&1; then ok; else bad "inspect from stdin"; fi

# inspect: hostile input answers 1 with a message, never crashes
head -c 100 "$tmp/bin" >"$tmp/trunc"
expect 1 inspect-trunc "$limf" mikey inspect "$tmp/trunc"
has inspect-trunc "offset"
printf 'mikey !!!notbase64' >"$tmp/junk"
expect 1 inspect-junk "$limf" mikey inspect "$tmp/junk"
printf '' >"$tmp/empty"
expect 1 inspect-empty "$limf" mikey inspect "$tmp/empty"
{ cat "$tmp/bin"; printf 'X'; } >"$tmp/trail"
expect 1 inspect-trailing "$limf" mikey inspect "$tmp/trail"
expect 1 inspect-missing "$limf" mikey inspect "$tmp/does-not-exist"
expect 2 inspect-usage "$limf" mikey inspect

# unwrap: UID derived from the URI and key period; PCK and both CS keys (interop vectors s4)
expect 0 unwrap-uri unwrap_bob --id sip:bob@streamwide.com --kms-uri kms.mydev.streamwide.com \
	--key-period 16777215 --key-offset 0 --kpak @$d/kms-kpak.hex --show-keys $d/pck-alice-to-bob.mikey
has unwrap-uri b4c96b703acd5c1bf7d4cc45068d9965
has unwrap-uri e392c95d3444f8ab3ca6d340865e4284
has unwrap-uri 245d9363909f2fafc45add02
has unwrap-uri 85b6731c05a50a3856b68191a942a344
has unwrap-uri 10993ef963479b780a8c71ee
has unwrap-uri "signature: valid"
# without --show-keys the SRTP keys are not printed
expect 0 unwrap-ssv-only unwrap_bob $d/pck-alice-to-bob.mikey
has unwrap-ssv-only b4c96b703acd5c1bf7d4cc45068d9965
hasnt unwrap-ssv-only e392c95d3444f8ab3ca6d340865e4284
# UID given directly
expect 0 unwrap-uid unwrap_bob --uid 780851cda91a9c33f941cd3a2831697e2893264754e363f8a0cef827eb201a81 $d/pck-alice-to-bob.mikey
has unwrap-uid b4c96b703acd5c1bf7d4cc45068d9965
# T one key period late (clock skew at a boundary): the neighbouring period is tried
python3 - "$tmp/bin" "$tmp/late" <<'PY'
import sys
b = bytearray(open(sys.argv[1], 'rb').read())
t = int.from_bytes(b[12:16], 'big') + 16777215   # T payload seconds (header is 10 octets)
b[12:16] = t.to_bytes(4, 'big')
open(sys.argv[2], 'wb').write(b)
PY
expect 0 unwrap-neighbour unwrap_bob --id sip:bob@streamwide.com --kms-uri kms.mydev.streamwide.com \
	--key-period 16777215 --key-offset 0 "$tmp/late"
has unwrap-neighbour "key period 236"
has unwrap-neighbour b4c96b703acd5c1bf7d4cc45068d9965
# the wrong identity, RSK or Z fails with a clear message and exit 1
expect 1 unwrap-wrong-id unwrap_bob --id sip:alice@streamwide.com --kms-uri kms.mydev.streamwide.com \
	--key-period 16777215 --key-offset 0 $d/pck-alice-to-bob.mikey
has unwrap-wrong-id "does not"
sed 's/^04\(..\)/04ff/' $d/bob.rsk.hex >"$tmp/rsk-bad"
expect 1 unwrap-bad-rsk "$limf" mikey unwrap --z @$d/kms-Z.hex --rsk @"$tmp/rsk-bad" $d/pck-alice-to-bob.mikey
expect 1 unwrap-tampered-sed unwrap_bob "$tmp/trail"
expect 2 unwrap-no-rsk "$limf" mikey unwrap --z @$d/kms-Z.hex $d/pck-alice-to-bob.mikey
printf 'zz' >"$tmp/nothex"
expect 1 unwrap-rsk-not-hex "$limf" mikey unwrap --z @$d/kms-Z.hex --rsk @"$tmp/nothex" $d/pck-alice-to-bob.mikey

# verify
expect 0 verify "$limf" mikey verify --kpak @$d/kms-kpak.hex $d/pck-alice-to-bob.mikey
python3 - "$tmp/bin" "$tmp/flip" <<'PY'
import sys
b = bytearray(open(sys.argv[1], 'rb').read())
b[40] ^= 1  # inside RAND: still parses, signature must fail
open(sys.argv[2], 'wb').write(b)
PY
expect 1 verify-tampered "$limf" mikey verify --kpak @$d/kms-kpak.hex "$tmp/flip"
expect 1 verify-wrong-kpak "$limf" mikey verify --kpak "$(cut -c1-64 $d/kms-Z.hex | sed 's/^04/04/')" $d/pck-alice-to-bob.mikey
expect 1 verify-wrong-id "$limf" mikey verify --kpak @$d/kms-kpak.hex --uid 780851cda91a9c33f941cd3a2831697e2893264754e363f8a0cef827eb201a81 $d/pck-alice-to-bob.mikey

# options that would be silently ignored are usage errors
expect 2 unwrap-period-without-id unwrap_bob --key-period 16777215 $d/pck-alice-to-bob.mikey
expect 2 unwrap-offset-without-period unwrap_bob --id sip:bob@streamwide.com --key-offset 5 $d/pck-alice-to-bob.mikey
expect 2 unwrap-uid-and-id unwrap_bob --id sip:bob@streamwide.com --uid 00 $d/pck-alice-to-bob.mikey
# a clear URI under the 3GPP UID scheme needs the key period: a clear message, not "does not open"
expect 1 unwrap-uri-needs-period unwrap_bob --id sip:bob@streamwide.com $d/pck-alice-to-bob.mikey
hasnt unwrap-uri-needs-period "SSV"
# a signature that fails stops unwrap before the SSV is printed
expect 1 unwrap-bad-sig-no-ssv unwrap_bob --kpak @$d/kms-kpak.hex "$tmp/flip"
hasnt unwrap-bad-sig-no-ssv "SSV"

finish
