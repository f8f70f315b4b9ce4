#!/bin/bash
# CLI tests of the test KMS ($BUILD/limf-kms, tests/kms): init writes the community file and
# the certificates with private modes; serve answers TS 33.180 Annex D over mutual TLS on ::1
# (loopback only), refuses a client without a certificate, answers malformed requests with
# HTTP errors, logs every request, and stops on SIGTERM. Then `limf kms cert|fetch` against it
# and the private cluster (the warrant gate, no secret keys in the output, the audit rows).
# Prints "N passed, N failed" last.
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
has log 'status=200 fault=none cert=cert1.kms.cli.test$'

# a key roll-over (TS 33.180 Annex D: a new KMS certificate) while serve runs: it is served at
# once; key sets are issued under the certificate valid at the request's Time
expect 0 init-cert1 curl "${mtls[@]}" -X POST --data "$req" "$url/init"
has init-cert1 '<CertUri>cert1.kms.cli.test</CertUri>'
has init-cert1 '<ValidFrom>2000-01-01T00:00:00Z</ValidFrom>'
has init-cert1 '<ValidTo>2100-01-01T00:00:00Z</ValidTo>'
Z1=$(sed -n 's:.*<PubEncKey>\(.*\)</PubEncKey>.*:\1:p' "$tmp/out")
expect 1 rollover-outside "$kms" rollover "$d" --at 1999-01-01T00:00:00Z
expect 1 rollover-usage "$kms" rollover "$d"
expect 0 rollover "$kms" rollover "$d" --at 2026-03-20T00:00:00Z
has rollover "cert2.kms.cli.test"
if [ "$(stat -c %a "$d/community.1.json")" = 600 ]; then ok; else bad "mode of community.1.json"; fi
expect 0 rolled-community python3 -c '
import json, sys
o = json.load(open(sys.argv[1] + "/community.1.json")); n = json.load(open(sys.argv[1] + "/community.json"))
assert o["cert_uri"] == "cert1.kms.cli.test" and n["cert_uri"] == "cert2.kms.cli.test"
assert o["valid_to"] == n["valid_from"] == "2026-03-20T00:00:00Z" and n["valid_to"] == "2100-01-01T00:00:00Z"
assert n["previous"] == "community.1.json" and o["previous"] == ""
assert n["z"] != o["z"] and n["ksak"] != o["ksak"] and n["kms_uri"] == o["kms_uri"]' "$d"
expect 0 init-cert2 curl "${mtls[@]}" -X POST --data "$req" "$url/init"
has init-cert2 '<CertUri>cert2.kms.cli.test</CertUri>'
has init-cert2 '<ValidFrom>2026-03-20T00:00:00Z</ValidFrom>'
Z2=$(sed -n 's:.*<PubEncKey>\(.*\)</PubEncKey>.*:\1:p' "$tmp/out")
[ ${#Z2} -eq 514 ] && [ "$Z1" != "$Z2" ] && ok || bad "roll-over: the same PubEncKey"
# keys at 2026-03-15 (before the roll-over): under cert1; at 2026-03-25: under cert2
expect 0 keyprov-old curl "${mtls[@]}" -X POST --data "$req" "$url/keyprov"
has keyprov-old '<CertUri>cert1.kms.cli.test</CertUri>'
expect 0 keyprov-new curl "${mtls[@]}" -X POST --data "${req/2026-03-15/2026-03-25}" "$url/keyprov"
has keyprov-new '<CertUri>cert2.kms.cli.test</CertUri>'
cp "$tmp/log" "$tmp/out"
has log-rolled 'keyprov .*status=200 fault=none cert=cert2.kms.cli.test$'

kill -TERM "$pid"
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$pid" 2>/dev/null; then
	bad "serve ignored SIGTERM"
	kill -KILL "$pid"
else
	ok
fi
wait "$pid" 2>/dev/null

# ---- limf kms cert | fetch: against a second test KMS on 127.0.0.1 (loopback only) and the
# private cluster that `make test` starts (scripts/pg-test.sh exports LIMF_DB*).
if [ -z "${LIMF_DB:-}" ]; then
	bad "LIMF_DB is not set: run through make test (scripts/pg-test.sh run)"
	finish
	exit
fi
d2=$tmp/k2
expect 0 init2 "$kms" init "$d2" --scheme rfc6509 --kms-uri kms.limf.cli --period 86400
"$kms" serve --community "$d2/community.json" --cert "$d2/server.pem" --key "$d2/server.key" \
	--ca "$d2/ca.pem" --listen '127.0.0.1:0' --port-file "$tmp/port2" --log "$tmp/log2" \
	2>"$tmp/serve2.err" &
pid2=$!
for _ in $(seq 100); do [ -s "$tmp/port2" ] && break; sleep 0.05; done
port2=$(cat "$tmp/port2" 2>/dev/null)
[ -n "$port2" ] && ok || bad "serve (127.0.0.1) did not start"
kurl="https://127.0.0.1:$port2/keymanagement/identity/v1"
m2=(--cacert "$d2/ca.pem" --cert "$d2/client.pem" --key "$d2/client.key" -s --max-time 10)
kopts=(--kms "https://127.0.0.1:$port2" --ca "$d2/ca.pem" --cert "$d2/client.pem" --key "$d2/client.key")
nlog() { grep -c 'path=' "$tmp/log2"; }
U="sip:kms.user$$@example.org"
AT=2026-03-15T12:00:00Z
L=K$$

# cert: public data, no warrant needed; equal to the community and to what the KMS publishes
expect 0 kms-init2 curl "${m2[@]}" -X POST --data "$req" "$kurl/init"
Z=$(sed -n 's:.*<PubEncKey>\(.*\)</PubEncKey>.*:\1:p' "$tmp/out")
KPAK=$(sed -n 's:.*<PubAuthKey>\(.*\)</PubAuthKey>.*:\1:p' "$tmp/out")
[ ${#Z} -eq 514 ] && [ ${#KPAK} -eq 130 ] && ok || bad "KMS init: no PubEncKey/PubAuthKey"
expect 0 kms-cert "$limf" kms cert "${kopts[@]}"
has kms-cert "^KMS URI  *kms.limf.cli$"
has kms-cert "^cert URI  *cert1.kms.limf.cli$"
has kms-cert "^valid  *2000-01-01T00:00:00Z .. 2100-01-01T00:00:00Z (end exclusive)$"
has kms-cert "^id scheme  *rfc6509$"
has kms-cert "^key period  *86400 s, offset 0 s$"
has kms-cert "^PubEncKey  *$Z$"
has kms-cert "^PubAuthKey  *$KPAK$"
expect 0 kms-cert-env env LIMF_KMS_URL="https://127.0.0.1:$port2" LIMF_KMS_CA="$d2/ca.pem" \
	LIMF_KMS_CERT="$d2/client.pem" LIMF_KMS_KEY="$d2/client.key" "$limf" kms cert --json
cp "$tmp/out" "$tmp/cert.json"
expect 0 kms-cert-community python3 -c '
import json, sys
c = json.load(open(sys.argv[1])); j = json.load(open(sys.argv[2]))
assert j["kms_uri"] == c["kms_uri"] and j["id_scheme"] == c["id_scheme"]
assert j["user_key_period"] == c["user_key_period"]
assert j["user_key_offset"] == c["user_key_offset"] and j["parameter_set"] == 1
assert j["pub_enc_key"] == sys.argv[3] and j["pub_auth_key"] == sys.argv[4]
assert c["z"] not in json.dumps(j) and c["ksak"] not in json.dumps(j)' \
	"$d2/community.json" "$tmp/cert.json" "$Z" "$KPAK"
printf '[kms]\nurl = https://127.0.0.1:%s\nca = %s\ncert = %s\nkey = %s\n' "$port2" \
	"$d2/ca.pem" "$d2/client.pem" "$d2/client.key" >"$tmp/kms.conf"
expect 0 kms-cert-conf env -u LIMF_KMS_URL "$limf" kms --config "$tmp/kms.conf" cert --json
pyjson kms-cert-conf "j['kms_uri']=='kms.limf.cli'"
expect 1 kms-cert-badconf "$limf" kms --config "$tmp/none.conf" cert
has kms-cert-badconf "cannot be read"
expect 1 kms-noconfig env -u LIMF_KMS_URL -u LIMF_KMS_CA -u LIMF_KMS_CERT -u LIMF_KMS_KEY \
	"$limf" kms cert
has kms-noconfig "required"
expect 2 kms-usage "$limf" kms fetch "${kopts[@]}"
expect 0 kms-help "$limf" kms --help
has kms-help "NEVER the secret keys"

# fetch without a warrant: refused, nothing sent to the KMS
n0=$(nlog)
expect 1 fetch-nowarrant "$limf" kms fetch --user "$U" --at "$AT" "${kopts[@]}"
has fetch-nowarrant "refused: no warrant in force"
hasnt fetch-nowarrant "UserID"
[ "$(nlog)" -eq "$n0" ] && ok || bad "fetch without a warrant reached the KMS"

# The service's gate computes with operators the database looks up by its search path. Where any
# role may create in schema public (every PostgreSQL before 15, and kept by pg_upgrade), the
# operator could put a *(bigint, interval) there that matches WR_SQL_TS's types more exactly
# than the built-in one, and move every time the gate decides at: a warrant that has ended
# passes again (or, moved to 1970, every warrant stops) - with no audit row. limf's sessions
# search pg_catalog only (before: "$user", public; this passed the gate and reached the KMS).
U3="sip:kms.ended$$@example.org"
expect 0 kms-warrant-ended "$limf" warrant add --liid "$L-ended" --authority A --ref R \
	--country FR --from 2026-01-01T00:00:00Z --to 2026-02-01T00:00:00Z --scope iri+cc \
	--delivery d --target "$U3"
expect 0 sp-grant psql -X -q -v ON_ERROR_STOP=1 "$LIMF_DB_SUPER dbname=limf" \
	-c "GRANT CREATE ON SCHEMA public TO PUBLIC"
expect 0 sp-operator psql -X -q -v ON_ERROR_STOP=1 "$LIMF_DB_OPERATOR" \
	-c "CREATE FUNCTION public.ts_mul(bigint, interval) RETURNS interval LANGUAGE sql
	    IMMUTABLE AS \$\$ SELECT interval '1768435200 seconds' \$\$" \
	-c "CREATE OPERATOR public.* (leftarg = bigint, rightarg = interval,
	    function = public.ts_mul)"
for db in "$LIMF_DB_SERVICE" "$LIMF_DB_OPERATOR"; do
	expect 1 fetch-ended "$limf" kms --db "$db" fetch --user "$U3" --at "$AT" "${kopts[@]}"
	has fetch-ended "refused: no warrant in force"
	[ "$(nlog)" -eq "$n0" ] && ok || bad "fetch under an ended warrant reached the KMS ($db)"
done
expect 0 sp-undo psql -X -q -v ON_ERROR_STOP=1 "$LIMF_DB_SUPER dbname=limf" \
	-c "DROP OPERATOR public.* (bigint, interval)" -c "DROP FUNCTION public.ts_mul" \
	-c "REVOKE CREATE ON SCHEMA public FROM PUBLIC"
expect 0 kms-warrant-ended-revoke "$limf" warrant revoke "$L-ended" --reason "test: ended"

# a warrant of scope iri alone: no keys, nothing sent to the KMS (it fetched the key set)
expect 0 kms-warrant-iri "$limf" warrant add --liid "$L-iri" --authority A --ref R --country FR \
	--from 2026-01-01T00:00:00Z --to 2099-01-01T00:00:00Z --scope iri --delivery d --target "$U"
expect 1 fetch-iri "$limf" kms fetch --user "$U" --at "$AT" "${kopts[@]}"
has fetch-iri "refused: the warrants in force at .* for $U are of scope iri, which gives no keys"
[ "$(nlog)" -eq "$n0" ] && ok || bad "fetch under an iri warrant reached the KMS"
expect 0 kms-warrant-iri-revoke "$limf" warrant revoke "$L-iri" --reason "test: iri only"

# with a warrant: the key set's public facts, never the secret keys
expect 0 kms-warrant "$limf" warrant add --liid "$L" --authority A --ref R --country FR \
	--from 2026-01-01T00:00:00Z --to 2099-01-01T00:00:00Z --scope iri+cc --delivery d \
	--target "$U"
# RFC 6509 identifier "2026-03\0<uri>\0" in hex; key period = months since 1900-01
idhex=$(printf '2026-03\0%s\0' "$U" | od -An -v -tx1 | tr -d ' \n')
expect 0 fetch "$limf" kms fetch --user "$U" --at "$AT" "${kopts[@]}"
cp "$tmp/out" "$tmp/fetch.txt"
has fetch "^UserID  *$idhex (rfc6509)$"
has fetch "^KMS URI  *kms.limf.cli$"
has fetch "^certificate  *cert1.kms.limf.cli$"
has fetch "^user URI  *$U$"
has fetch "^key period  *1514$"
has fetch "^valid  *2026-03-01T00:00:00Z .. 2026-04-01T00:00:00Z"
has fetch "^LIIDs  *$L$"
[ "$(nlog)" -eq $((n0 + 2)) ] && ok || bad "fetch: $(($(nlog) - n0)) KMS requests, want 2"
grep -q "path=/keymanagement/identity/v1/keyprov user=$U period=1514 .*status=200" "$tmp/log2" &&
	ok || bad "fetch: no keyprov line in the KMS log"
expect 0 fetch-json env LIMF_KMS_URL="https://127.0.0.1:$port2" LIMF_KMS_CA="$d2/ca.pem" \
	LIMF_KMS_CERT="$d2/client.pem" LIMF_KMS_KEY="$d2/client.key" \
	"$limf" kms fetch --user "$U" --at "$AT" --json
cp "$tmp/out" "$tmp/fetch.json"
pyjson fetch-json "j['user_id']=='$idhex' and j['user_uri']=='$U' and j['kms_uri']=='kms.limf.cli'"
pyjson fetch-json "j['key_period']==1514 and j['liids']==['$L'] and j['id_scheme']=='rfc6509'"
pyjson fetch-json "j['cert_uri']=='cert1.kms.limf.cli'"
pyjson fetch-json "j['valid_from']=='2026-03-01T00:00:00Z' and j['valid_to']=='2026-04-01T00:00:00Z'"
# the RSK and SSK the test KMS issues for this user (deterministic) appear in no output
kreq="<KmsRequest xmlns=\"urn:3gpp:ns:mcsecKMSInterface:1.0\"><UserUri>$U</UserUri><Time>$AT</Time></KmsRequest>"
expect 0 keyprov2 curl "${m2[@]}" -X POST --data "$kreq" "$kurl/keyprov"
rsk=$(sed -n 's:.*<UserDecryptKey>\(.*\)</UserDecryptKey>.*:\1:p' "$tmp/out")
ssk=$(sed -n 's:.*<UserSigningKeySSK>\(.*\)</UserSigningKeySSK>.*:\1:p' "$tmp/out")
[ ${#rsk} -eq 514 ] && [ ${#ssk} -eq 64 ] && ok || bad "keyprov: no RSK/SSK"
for f in fetch.txt fetch.json; do
	for s in "$rsk" "${rsk:2:32}" "${rsk: -32}" "$ssk" "${ssk:0:16}" "${ssk: -16}"; do
		if grep -qi -- "$s" "$tmp/$f"; then bad "$f shows secret key material ${s:0:8}..."; else ok; fi
	done
done
# audited: kms.request and kms.result with the LIID
expect 0 kms-audit "$limf" audit list --liid "$L" --json
pyjson kms-audit "any(r['action']=='kms.request' and r['liid']=='$L' and 'uri=$U' in r['detail'] for r in j)"
pyjson kms-audit "any(r['action']=='kms.result' and r['liid']=='$L' and r['detail'].startswith('ok uri=$U') for r in j)"
expect 0 kms-audit-text "$limf" audit list --liid "$L"
has kms-audit-text " $L kms.request "
has kms-audit-text " $L kms.result ok "
expect 0 kms-audit-verify "$limf" audit verify

# outside the warrant's window, and once it is suspended: refused again, nothing sent
n1=$(nlog)
expect 1 fetch-before "$limf" kms fetch --user "$U" --at 2025-12-31T23:59:59Z "${kopts[@]}"
has fetch-before "refused"
expect 0 kms-suspend "$limf" warrant suspend "$L" --reason "kms test"
expect 1 fetch-suspended "$limf" kms fetch --user "$U" --at "$AT" "${kopts[@]}"
has fetch-suspended "refused: no warrant in force"
hasnt fetch-suspended "$idhex"
[ "$(nlog)" -eq "$n1" ] && ok || bad "a refused fetch reached the KMS"
expect 1 fetch-bad-time "$limf" kms fetch --user "$U" --at 2026-03-15 "${kopts[@]}"

# a KMS certificate whose validity is missing, malformed or inverted is refused with a reason
# naming the field (TS 33.180 D.3.2: ValidFrom and ValidTo are required), audited as an error
for f in no-validto bad-validfrom inverted-validity; do
	"$kms" serve --community "$d2/community.json" --cert "$d2/server.pem" --key "$d2/server.key" \
		--ca "$d2/ca.pem" --listen '127.0.0.1:0' --port-file "$tmp/port-$f" --log "$tmp/log-$f" \
		--fault "$f" 2>"$tmp/serve-$f.err" &
	fpid=$!
	for _ in $(seq 100); do [ -s "$tmp/port-$f" ] && break; sleep 0.05; done
	expect 1 "cert-$f" "$limf" kms cert --kms "https://127.0.0.1:$(cat "$tmp/port-$f")" \
		--ca "$d2/ca.pem" --cert "$d2/client.pem" --key "$d2/client.key"
	case $f in
	no-validto) has "cert-$f" "KmsCertificate lacks ValidTo" ;;
	bad-validfrom) has "cert-$f" "KmsCertificate ValidFrom is not a date and time: 'yesterday'" ;;
	inverted-validity) has "cert-$f" "KmsCertificate ValidFrom is not before its ValidTo" ;;
	esac
	hasnt "cert-$f" "PubEncKey"
	kill -TERM "$fpid"
	wait "$fpid" 2>/dev/null
done
expect 0 cert-bad-audit "$limf" audit list --json
pyjson cert-bad-audit "sum(1 for r in j if r['action']=='kms.init' and r['detail'].startswith('error') and 'ValidTo' in r['detail']) >= 2"

kill -TERM "$pid2"
wait "$pid2" 2>/dev/null
finish
