#!/bin/bash
# CLI tests of the test KMS ($BUILD/limf-kms, tests/kms): init writes the community file and
# the certificates with private modes; serve answers TS 33.180 Annex D over mutual TLS on ::1
# (loopback only), refuses a client without a certificate, answers malformed requests with
# HTTP errors, logs every request, and stops on SIGTERM. Prints "N passed, N failed" last.
set -u
. "$(dirname "$0")/lib.sh"
kms=$BUILD/limf-kms
d=$tmp/k

expect 0 init "$kms" init "$d" --scheme rfc6509 --kms-uri kms.cli.test --period 86400
for f in community.json ca.key server.key client.key; do
	if [ "$(stat -c %a "$d/$f")" = 600 ]; then ok; else bad "mode of $f is not 600"; fi
done
for f in ca.pem server.pem client.pem; do
	[ -s "$d/$f" ] && ok || bad "$f missing"
done
expect 0 community python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))
assert c["kms_uri"] == "kms.cli.test" and c["id_scheme"] == "rfc6509"
assert c["user_key_period"] == 86400 and c["user_key_offset"] == 0
assert len(bytes.fromhex(c["z"])) == 128 and len(bytes.fromhex(c["ksak"])) == 32' "$d/community.json"
expect 0 verify-client openssl verify -CAfile "$d/ca.pem" "$d/client.pem"
expect 0 verify-server openssl verify -CAfile "$d/ca.pem" "$d/server.pem"
expect 2 usage "$kms" bogus
expect 1 bad-scheme "$kms" init "$tmp/x" --scheme nope

"$kms" serve --community "$d/community.json" --cert "$d/server.pem" --key "$d/server.key" \
	--ca "$d/ca.pem" --listen '[::1]:0' --port-file "$tmp/port" --log "$tmp/log" \
	2>"$tmp/serve.err" &
pid=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
port=$(cat "$tmp/port" 2>/dev/null)
[ -n "$port" ] && ok || bad "serve did not start"
url="https://[::1]:$port/keymanagement/identity/v1"
mtls=(--cacert "$d/ca.pem" --cert "$d/client.pem" --key "$d/client.key" -s --max-time 10)
req='<KmsRequest xmlns="urn:3gpp:ns:mcsecKMSInterface:1.0"><UserUri>sip:alice@example.org</UserUri><Time>2026-03-15T12:00:00Z</Time></KmsRequest>'

expect 0 init-req curl "${mtls[@]}" -X POST --data "$req" "$url/init"
has init-req '<KmsCertificate'
has init-req '<UserIdFormat>0</UserIdFormat>'
has init-req '<UserKeyPeriod>86400</UserKeyPeriod>'
has init-req '<ParameterSet>1</ParameterSet>'
expect 0 keyprov curl "${mtls[@]}" -X POST --data "$req" "$url/keyprov"
has keyprov 'xmlns="urn:3gpp:ns:mcsecKMSInterface:1.0"'
has keyprov '<UserUri>sip:alice@example.org</UserUri>'
# RFC 6509 identifier "2026-03\0sip:alice@example.org\0" in hex
has keyprov '<UserID>323032362d3033007369703a616c696365406578616d706c652e6f726700</UserID>'
has keyprov '<ValidFrom>2026-03-01T00:00:00Z</ValidFrom>'
has keyprov '<ValidTo>2026-04-01T00:00:00Z</ValidTo>'
has keyprov '<UserDecryptKey>04[0-9a-f]\{512\}</UserDecryptKey>'
has keyprov '<UserSigningKeySSK>[0-9a-f]\{64\}</UserSigningKeySSK>'
has keyprov '<UserPubTokenPVT>04[0-9a-f]\{128\}</UserPubTokenPVT>'

expect 0 malformed curl "${mtls[@]}" -o /dev/null -w '%{http_code}' -X POST --data '<x/>' "$url/keyprov"
has malformed '^400$'
expect 0 no-user curl "${mtls[@]}" -o /dev/null -w '%{http_code}' -X POST \
	--data '<KmsRequest xmlns="urn:3gpp:ns:mcsecKMSInterface:1.0"/>' "$url/keyprov"
has no-user '^400$'
expect 0 unknown-path curl "${mtls[@]}" -o /dev/null -w '%{http_code}' -X POST --data "$req" \
	"https://[::1]:$port/nothing"
has unknown-path '^404$'
expect 0 get curl "${mtls[@]}" -o /dev/null -w '%{http_code}' "$url/init"
has get '^405$'
# no client certificate: the TLS handshake fails, nothing is served
expect 0 nocert bash -c "curl --cacert '$d/ca.pem' -s --max-time 10 -X POST --data x '$url/init'; echo rc=\$?"
hasnt nocert 'rc=0$'
hasnt nocert 'KmsResponse'

cp "$tmp/log" "$tmp/out"
: >"$tmp/err"
has log 'path=/keymanagement/identity/v1/keyprov user=sip:alice@example.org period=1514 subject=/O=limf test/CN=limf-client status=200'
has log 'path=/keymanagement/identity/v1/init user=sip:alice@example.org .* status=200'
has log 'status=400'
has log 'tls-refused'
if [ "$(grep -c 'path=' "$tmp/log")" -eq 6 ]; then ok; else bad "log lines: $(grep -c 'path=' "$tmp/log")"; fi

kill -TERM "$pid"
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$pid" 2>/dev/null; then
	bad "serve ignored SIGTERM"
	kill -KILL "$pid"
else
	ok
fi
wait "$pid" 2>/dev/null
finish
