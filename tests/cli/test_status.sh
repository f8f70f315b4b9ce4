#!/bin/bash
# Health of the live service (issue 8, "Health"): `limf capture` answers `limf status` on its
# control socket and serves Prometheus GET /metrics on a loopback port, from its one loop.
#   1. mid-run: `limf status --json` and text (counters non-zero, the authority's links up),
#      /metrics parsed (HELP/TYPE, limf_frames_total, limf_calls_intercepted_total,
#      limf_spool_pending{authority,stream="hi3"}), socket mode 0600, an unknown request and a
#      wrong URL refused; no X2/X3 section or limf_x2x3_* metric without --x2x3
#   2. silent clients (control socket and HTTP) do not stall the run: it ends on time, exit 0
#   3. the socket file is removed at exit; `limf status` with nothing listening: exit 1
#   4. start-up refusals: non-loopback metrics address, a control path that is not a socket
#   5. `limf status --all` (the database's instance rows, schema v3): the run's row while it
#      runs (counters, its whole status object) and after it (stopped, final counters)
#   6. no CIN (the service role may not run limf.cin_reserve): the target call is counted as
#      cin_errors in status (text, JSON, /metrics), raises the alarm (also in the instance's
#      health row), and the message names the database, once for the call though it is asked
#      again (1, 2, 4, 8, then every 16 s); once the grant is back the call in progress is intercepted from
#      then on and the next target call of the same run from its start; the summary counts
#      them and the exit status is 3
#   7. traffic lost to capacity limits (a flood of fragments evicts some from reassembly): the
#      status alarm (text, JSON, /metrics, the instance's row), lost counted; exit status 3
#   8. --record with more LIIDs than its bundle can hold (72; 64 under an open-file limit of
#      1024): status says so (text, JSON, /metrics, the instance's row) and raises the alarm;
#      the bundle says it is incomplete, exit 3; the LEMF gets every LIID all the same
# Needs the private PostgreSQL cluster: run through scripts/pg-test.sh. Prints "N passed, N failed".
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
live_init
spids=''
sql() { psql -X -q -v ON_ERROR_STOP=1 "$LIMF_DB_SUPER dbname=limf" -c "$1" >/dev/null; }
revoked=''
cleanup() {
	[ -n "$revoked" ] && sql "GRANT EXECUTE ON FUNCTION limf.cin_reserve(integer) TO limf_service"
	[ -n "$cpid" ] && { pkill -KILL -P "$cpid"; kill -KILL "$cpid"; } 2>/dev/null
	for p in $spids; do kill "$p" 2>/dev/null; done
	live_cleanup
}
trap cleanup EXIT
sock=$tmp/ctl.sock
mport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

live_kms status
lemf_up "$tmp/lemf.jsonl"
[ "$p2" != 0 ] && ok || bad "limf-lemf did not start"
conf() { # FILE CONTROL_SOCKET METRICS
	{
		conf_live "$tmp/k" OP-ST "$tmp/spool"
		conf_authority lemf1 "127.0.0.1:$p2" "127.0.0.1:$p3"
		printf '[service]\ncontrol_socket = %s\nmetrics = %s\n' "$2" "$3"
	} >"$1"
}
conf "$tmp/limf.conf" "$sock" "127.0.0.1:$mport"
status_until() { # EXPR: polls `limf status --json` (into $tmp/out) for 5 s until EXPR (of j)
	for _ in $(seq 50); do
		sleep 0.1
		"$limf" status --socket "$sock" --json >"$tmp/out" 2>"$tmp/err" </dev/null || continue
		python3 -c "import json,sys; j=json.load(open(sys.argv[1])); sys.exit(not ($1))" \
			"$tmp/out" 2>/dev/null && return 0
	done
	return 1
}
printf '[database]\nconninfo = %s\n' "$LIMF_DB_OPERATOR" >"$tmp/op.conf"

A="sip:st$sfx@example.org" B="sip:bob$sfx@example.org" L="S$sfx"
warrant "$L" "$A" && ok || bad "warrant add"
expect 0 gen "$gen" --community "$tmp/k/community.json" --out "$tmp/c.pcap" --calls 1 \
	--duration 30 --caller "$A" --callee "$B" --start "$(iso "$NOW")" --seed 81
span=$(pcap_span "$tmp/c.pcap")

# ---- 1. mid-run
t0=$(date +%s.%N)
# the run's end is taken when the capture exits, not when this script gets to wait for it (the
# checks mid-run take their own time on a loaded machine: two lanes of make test, or more, share
# the cores; 12 s of call was not always enough); 30 s of call leaves them room
(
	LIMF_HEALTH_INTERVAL_MS=500 LIMF_METRICS_DEADLINE_MS=2000 \
		"$limf" capture --config "$tmp/limf.conf" --pcap "$tmp/c.pcap" \
		--speed recorded --instance "st-$sfx"
	rc=$?
	date +%s.%N >"$tmp/cap.end"
	exit $rc
) >"$tmp/cap.out" 2>"$tmp/cap.err" </dev/null &
cpid=$!
wait_for "$tmp/cap.err" "first frame" && ok || { bad "capture did not start"; cat "$tmp/cap.err" >&2; }
# silent clients: two on the control socket, one on the HTTP port (connect, send nothing)
for kind in unix unix tcp; do
	python3 - "$kind" "$sock" "$mport" <<'PY' &
import socket, sys, time
kind, path, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
if kind == "unix":
    s = socket.socket(socket.AF_UNIX); s.connect(path)
else:
    s = socket.create_connection(("127.0.0.1", port))
time.sleep(60)
PY
	spids="$spids $!"
done
sleep 2.5
expect 0 status_json "$limf" status --config "$tmp/limf.conf" --json
pyjson status_json "j['capture']['frames'] > 0 and j['sources'][0]['frames'] > 0 and j['sources'][0]['bytes'] > 0 and j['sources'][0]['kind'] == 'file'"
pyjson status_json "j['pipeline']['calls_seen'] >= 1 and j['pipeline']['calls_intercepted'] == 1 and j['pipeline']['kms_ok'] >= 1 and j['pipeline']['decrypted'] > 0"
pyjson status_json "j['authorities'][0]['name'] == 'lemf1' and j['authorities'][0]['hi2']['link'] == 'up' and j['authorities'][0]['hi3']['link'] == 'up'"
pyjson status_json "j['authorities'][0]['hi3']['spooled'] > 0 and j['alarm'] is False and j['uptime_ms'] > 2000"
pyjson status_json "j['authorities'][0]['hi3']['damaged'] == 0 and j['authorities'][0]['hi3']['spool_full'] is False"
# the KMS certificate: fetched once, no re-fetch (nothing forged, every call inside its validity)
pyjson status_json "j['pipeline']['kms_cert_fetches'] == 1 and j['pipeline']['kms_cert_refused'] == 0 and j['pipeline']['imsg_outside_certificates'] == 0"
pyjson status_json "'x2x3' not in j" # no --x2x3: no X2/X3 section (tests/cli/test_x2x3.sh has one)
pyjson status_json "j['capture']['lost'] == 0 and j['capture']['loss_alarm'] is False"
pyjson status_json "j['capture']['evicted'] == {'calls': 0, 'media_claims': 0, 'tcp_streams': 0, 'fragments': 0} and j['capture']['lost_to_evictions'] == {'media': 0, 'sip_pin': 0} and j['capture']['contested_endpoints'] == 0"
pyjson status_json "j['capture']['ice_candidates_over'] == 0"
pyjson status_json "j['capture']['ice_endpoints_learned'] == 0 and j['capture']['ice_learn_over'] == 0"
expect 0 status_text "$limf" status --socket "$sock"
has status_text "^limf capture: up "
has status_text "^capture: frames [1-9][0-9]* bytes [0-9]* sip [0-9]* calls [0-9]* ice_candidates_over 0 ice_endpoints_learned 0 ice_learn_over 0$"
has status_text "^evicted: calls 0 media_claims 0 tcp_streams 0 fragments 0 contested_endpoints 0$"
has status_text_lost "^lost_to_evictions: media 0 sip_pin 0$"
has status_text "^authority lemf1 hi3: link up spooled [1-9]"
has status_text "^authority lemf1 hi3: .* refused 0 damaged 0$"
has status_text "^pipeline: calls_seen [1-9][0-9]* intercepted 1 "
has status_text "^kms certificate: fetches 1 refetches_refused 0 imsg_outside_validity 0$"
has status_text "^alarm: none"
# the answer into a full disk: exit 1 and one line saying so (before: nothing, or a vague line;
# the reason is known only when the last flush is what failed)
if [ -w /dev/full ]; then
	"$limf" status --socket "$sock" --json >/dev/full 2>"$tmp/err"
	rc=$?
	[ "$rc" = 1 ] && ok || bad "status >/dev/full: exit $rc, want 1"
	[ "$(grep -c . "$tmp/err")" = 1 ] &&
		grep -qE '^limf: could not write standard output(: No space left on device)?$' "$tmp/err" &&
		ok || { bad "status >/dev/full: stderr"; cat "$tmp/err" >&2; }
fi
hasnt status_text "^x2x3"
[ "$(stat -c %a "$sock")" = 600 ] && ok || bad "socket mode $(stat -c %a "$sock"), want 600"
[ -S "$sock" ] && ok || bad "$sock is not a socket"
curl -s -m 5 -o "$tmp/metrics" -w '%{http_code} %{content_type}\n' "http://127.0.0.1:$mport/metrics" >"$tmp/out" 2>"$tmp/err"
has metrics_http "^200 text/plain; version=0.0.4"
cat >"$tmp/prom.py" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
typed, samples = {}, {}
for line in text.splitlines():
    m = re.match(r"# TYPE (\S+) (counter|gauge)$", line)
    if m:
        typed[m.group(1)] = m.group(2)
        continue
    if line.startswith("# HELP ") or not line:
        continue
    m = re.match(r'([a-z_]+)(\{[^}]*\})? ([0-9.]+)$', line)
    assert m, "bad line: " + line
    assert m.group(1) in typed, "no TYPE for " + m.group(1)
    assert m.group(1).startswith("limf_")
    samples[m.group(1) + (m.group(2) or "")] = float(m.group(3))
assert samples["limf_frames_total"] > 0, samples.get("limf_frames_total")
assert samples["limf_calls_intercepted_total"] == 1
assert samples['limf_kms_requests_total{result="ok"}'] >= 1
assert samples['limf_kms_cert_fetches_total{result="sent"}'] == 1 and samples['limf_kms_cert_fetches_total{result="refused"}'] == 0
assert samples['limf_imsg_outside_certificates_total'] == 0
assert 'limf_spool_pending{authority="lemf1",stream="hi3"}' in samples
assert samples['limf_spool_max_bytes{authority="lemf1",stream="hi3"}'] == 1024 << 20
assert 0 <= samples['limf_spool_bytes{authority="lemf1",stream="hi3"}'] < 1024 << 20
assert samples['limf_link_up{authority="lemf1",stream="hi3"}'] == 1
assert samples['limf_spool_spooled_total{authority="lemf1",stream="hi3"}'] > 0
assert samples['limf_spool_damaged_records{authority="lemf1",stream="hi3"}'] == 0
assert 'limf_drops_total{reason="ip4_totlen"}' in samples
assert samples['limf_evicted_total{table="calls"}'] == 0
assert samples['limf_evicted_total{table="tcp_streams"}'] == 0
assert samples['limf_evicted_total{table="fragments"}'] == 0
assert samples['limf_lost_to_evictions_total{kind="media"}'] == 0
assert samples['limf_lost_to_evictions_total{kind="sip_pin"}'] == 0
assert samples['limf_media_contested_total'] == 0
assert samples['limf_ice_candidates_over_total'] == 0
assert samples['limf_ice_endpoints_learned_total'] == 0 and samples['limf_ice_learn_over_total'] == 0
assert samples['limf_traffic_lost_total'] == 0 and samples['limf_traffic_lost_alarm'] == 0
assert any(k.startswith('limf_source_frames_total{source="') for k in samples)
assert not any(k.startswith("limf_x2x3_") for k in samples), "X2/X3 metrics without --x2x3"
print("metrics ok:", len(samples), "samples")
PY
expect 0 metrics_parse python3 "$tmp/prom.py" "$tmp/metrics"
has metrics_parse "metrics ok"
curl -s -m 5 -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:$mport/other" >"$tmp/out" 2>"$tmp/err"
has metrics_404 "^404"
curl -s -m 5 -o /dev/null -w '%{http_code}\n' -X POST -d x "http://127.0.0.1:$mport/metrics" >"$tmp/out" 2>"$tmp/err"
has metrics_post "^405"
# slow clients: four that each send a header line every 0.4 s (the idle timeout never fires)
# are cut at the deadline (2 s here), and GET /metrics is answered meanwhile; before, they held
# every slot for as long as they kept sending
python3 - "$mport" >"$tmp/out" 2>"$tmp/err" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
cs = [socket.create_connection(("127.0.0.1", port)) for _ in range(4)]
for c in cs:
    c.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
    c.setblocking(False)
t0 = time.time(); cut = [None] * 4; got = None
while time.time() - t0 < 8 and (None in cut or got is None):
    for i, c in enumerate(cs):
        if cut[i] is not None:
            continue
        try:
            if c.recv(4096) == b"":
                cut[i] = time.time() - t0
                continue
        except BlockingIOError:
            pass
        except OSError:
            cut[i] = time.time() - t0
            continue
        try:
            c.sendall(b"X-Slow: 1\r\n")
        except OSError:
            cut[i] = time.time() - t0
    if got is None and time.time() - t0 > 3:
        try:
            g = socket.create_connection(("127.0.0.1", port), timeout=2)
            g.sendall(b"GET /metrics HTTP/1.0\r\n\r\n")
            got = g.recv(64).split(b"\r\n")[0].decode()
        except OSError as e:
            got = "error " + str(e)
    time.sleep(0.4)
print("cut", sum(x is not None for x in cut), "latest %.1f" % max(x or 99 for x in cut))
print("get:", got)
PY
has metrics_slow "^cut 4 latest [0-3]\."
has metrics_slow "^get: HTTP/1.[01] 200"
python3 - "$sock" >"$tmp/out" 2>"$tmp/err" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"shutdown\n")
print(s.recv(4096).decode())
PY
has ctl_unknown "^error: unknown request"
python3 - "$sock" >"$tmp/out" 2>"$tmp/err" <<'PY'
import socket, sys
# an over-long line is dropped without an answer
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"x" * 200)
s.settimeout(5)
try:
    n = len(s.recv(4096))
except ConnectionResetError:
    n = 0
print("answer:", n)
PY
has ctl_long "^answer: 0"
# the same health, from the database (operator role)
expect 0 all_json "$limf" status --all --json
pyjson all_json "[(i['state'],i['stale'],i['interval_ms']) for i in j if i['name']=='st-$sfx']==[('running',False,500)]"
pyjson all_json "[i for i in j if i['name']=='st-$sfx'][0]['frames'] > 0 and [i for i in j if i['name']=='st-$sfx'][0]['links']==2"
pyjson all_json "[i for i in j if i['name']=='st-$sfx'][0]['status']['authorities'][0]['name']=='lemf1'"
expect 0 all_text "$limf" status --all --config "$tmp/op.conf"
has all_text "^INSTANCE  *STATE"
has all_text "^st-$sfx  *running "
# a second instance on the same socket is refused (the first keeps it)
conf "$tmp/second.conf" "$sock" ""
sed -i "s|^spool_dir = .*|spool_dir = $tmp/spool2|" "$tmp/second.conf"
expect 1 ctl_in_use "$limf" capture --config "$tmp/second.conf" --pcap "$tmp/c.pcap" --speed max
has ctl_in_use "another process answers on it"
[ -S "$sock" ] && ok || bad "the running instance's socket was removed"

# ---- 2. the run ends on time despite the silent clients
wait "$cpid"
rc=$?
cpid=''
[ "$rc" -eq 0 ] && ok || { bad "capture: exit $rc"; tail -20 "$tmp/cap.err" >&2; }
el=$(awk -v a="$t0" -v b="$(cat "$tmp/cap.end")" 'BEGIN{printf "%.3f", b-a}')
echo "capture span $span s took $el s with silent status clients" >&2
python3 -c "import sys; s,e=map(float,sys.argv[1:]); sys.exit(not (s-0.3 <= e <= s+3))" "$span" "$el" &&
	ok || bad "timing: span $span, took $el"
grep -q "limf capture: .* intercepted 1 " "$tmp/cap.err" && ok || bad "summary"
grep -q "pending 0 links" "$tmp/cap.err" && ok || bad "not all confirmed"
for p in $spids; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
spids=''

# ---- 3. after exit
[ ! -e "$sock" ] && ok || bad "$sock left behind"
expect 1 status_none "$limf" status --socket "$sock"
has status_none "no limf capture is listening on"
expect 1 status_none_conf "$limf" status --config "$tmp/limf.conf" --json
# README's example limf.conf loads as printed (its "[authority lemf-a]   ; comment" line was
# refused as a malformed section header): refused here only for its socket, which is not there
awk '/^```ini$/{f=1;next} f&&/^```$/{exit} f' "$(dirname "$0")/../../README.md" >"$tmp/readme.conf"
grep -q '^\[authority [^]]*\] *;' "$tmp/readme.conf" && ok || bad "README's config: no commented section header"
expect 1 readme_conf "$limf" status --config "$tmp/readme.conf"
has readme_conf "no limf capture is listening on /run/limf/limf.sock"
# a value that is only a comment is empty
printf '[service]\ncontrol_socket =   ; none here\n' >"$tmp/nosock.conf"
expect 1 conf_comment_value "$limf" status --config "$tmp/nosock.conf"
has conf_comment_value "sets no \[service\] control_socket"
expect 2 status_usage "$limf" status
expect 2 status_usage2 "$limf" status --socket "$sock" --config "$tmp/limf.conf"
expect 0 status_help "$limf" status --help

# ---- 5. the instance's last row: stopped, with its final counters
expect 0 all_after "$limf" status --all --json
pyjson all_after "[(i['state'],i['stale'],i['calls_intercepted'],i['spool_pending'],i['kms_ok']>=1) for i in j if i['name']=='st-$sfx']==[('stopped',False,1,0,True)]"
# a row that cannot be read (negative counters, written by hand) after a good one: refused, and
# no table at all on stdout, not the rows before it
sql "INSERT INTO limf.instances (name, state, interval_ms, started_at, seen_at, frames)
     VALUES ('zz-bad-$sfx', 'running', 500, now(), now(), -1)"
for f in "" --json; do
	expect 1 "all_bad_row$f" "$limf" status --all ${f:+"$f"}
	has "all_bad_row$f" "^limf: instances: instance zz-bad-$sfx: malformed row$"
	[ -s "$tmp/out" ] && bad "all_bad_row$f: a partial table on stdout" || ok
done
sql "DELETE FROM limf.instances WHERE name = 'zz-bad-$sfx'"
expect 2 all_usage "$limf" status --all --socket "$sock"
expect 2 all_usage2 "$limf" status --db "$LIMF_DB_OPERATOR"
expect 1 all_unreachable "$limf" status --all --db "host=$tmp/nowhere dbname=limf user=limf_operator"
# the service's role (its config's conninfo) may not read the rows: told to use an operator's
expect 1 all_service "$limf" status --all --db "$LIMF_DB_SERVICE"
has all_service "^limf: instances: this role may not read them (.*permission denied.*): .status --all. needs an operator's connection (a member of limf_operator): give it with --db or LIMF_DB$"
[ -s "$tmp/out" ] && bad "all_service: a table header on stdout before the refusal" || ok
expect 1 all_service_conf "$limf" status --all --config "$tmp/limf.conf" --json
has all_service_conf "needs an operator's connection (a member of limf_operator): leave out --config and give --db or LIMF_DB$"
[ -s "$tmp/out" ] && bad "all_service_conf: JSON on stdout before the refusal" || ok

# ---- 4. start-up refusals
for addr in "0.0.0.0:$mport" "10.1.2.3:$mport" "example.org:$mport" "127.0.0.1:0" "127.0.0.1"; do
	conf "$tmp/bad.conf" "$sock" "$addr"
	expect 1 "metrics $addr" "$limf" capture --config "$tmp/bad.conf" --pcap "$tmp/c.pcap" --speed max
	has "metrics $addr" "refused: 127.x.x.x:PORT or \[::1\]:PORT only"
done
touch "$tmp/plain"
conf "$tmp/bad.conf" "$tmp/plain" ""
expect 1 ctl_not_socket "$limf" capture --config "$tmp/bad.conf" --pcap "$tmp/c.pcap" --speed max
has ctl_not_socket "exists and is not a socket"
[ -f "$tmp/plain" ] && ok || bad "the plain file was touched"
# [::1] accepted; a quick --speed max run with both endpoints, then nothing left behind
conf "$tmp/v6.conf" "$sock" "[::1]:$mport"
expect 0 v6 "$limf" capture --config "$tmp/v6.conf" --pcap "$tmp/c.pcap" --speed max
if grep -q "cannot listen" "$tmp/err"; then echo "note: no IPv6 loopback here" >&2; fi
[ ! -e "$sock" ] && ok || bad "$sock left behind (v6 run)"

# ---- 6. no CIN: counted (once per call), alarmed, named; the call in progress is asked again
# every second and intercepted once the grant is back, the next call from its start
# two target calls of one file (different Call-IDs: their own seeds): the first 12 s long, so
# that the grant comes back while it goes on, the second after it
expect 0 gen_c1 "$gen" --community "$tmp/k/community.json" --out "$tmp/c1.pcap" --calls 1 \
	--duration 12 --caller "$A" --callee "$B" --start "$(iso "$NOW")" --seed 91
expect 0 gen_c2 "$gen" --community "$tmp/k/community.json" --out "$tmp/c2.pcap" --calls 1 \
	--duration 2 --caller "$A" --callee "$B" --start "$(iso $((NOW + 15)))" --seed 92
pcap_merge "$tmp/two.pcap" "$tmp/c1.pcap" "$tmp/c2.pcap"
[ -s "$tmp/two.pcap" ] && ok || bad "merged pcap"
sql "REVOKE EXECUTE ON FUNCTION limf.cin_reserve(integer) FROM limf_service" && revoked=1 &&
	ok || bad "revoke"
lrec=$(wc -l <"$tmp/lemf.jsonl")
LIMF_HEALTH_INTERVAL_MS=300 "$limf" capture --config "$tmp/limf.conf" --pcap "$tmp/two.pcap" --speed recorded \
	--instance "st6-$sfx" >"$tmp/cap6.out" 2>"$tmp/cap6.err" </dev/null &
cpid=$!
status_until "j['pipeline']['cin_errors'] >= 1" && ok ||
	{ bad "no cin_errors in status while the grant is revoked"; show_out; }
pyjson cin_json "j['pipeline']['cin_errors'] == 1 and j['pipeline']['calls_intercepted'] == 0 and j['pipeline']['gate_alarm'] is True and j['alarm'] is True"
expect 0 cin_text "$limf" status --socket "$sock"
has cin_text "^pipeline: .* ALARM cin_errors (target calls NOT intercepted) 1 "
has cin_text "ALARM warrant gate failing"
hasnt cin_text "^alarm: none"
curl -s -m 5 -o "$tmp/out" "http://127.0.0.1:$mport/metrics" 2>"$tmp/err"
has cin_metrics "^limf_cin_errors_total 1$"
has cin_metrics "^limf_warrant_gate_alarm 1$"
# the instance's health row in the database raises the alarm too
sleep 0.7
expect 0 cin_all "$limf" status --all --json
pyjson cin_all "[(i['state'],i['alarm'],i['status']['pipeline']['cin_errors']) for i in j if i['name']=='st6-$sfx']==[('running',True,1)]"
sql "GRANT EXECUTE ON FUNCTION limf.cin_reserve(integer) TO limf_service" && revoked='' &&
	ok || bad "grant"
wait "$cpid"
rc=$?
cpid=''
[ "$rc" -eq 3 ] && ok || { bad "capture without a CIN: exit $rc, want 3"; tail -20 "$tmp/cap6.err" >&2; }
cp "$tmp/cap6.err" "$tmp/err"
: >"$tmp/out"
has cin_db_named "no communication identity number (CIN) from the database (limf.cin_reserve)"
hasnt cin_spool_blamed "spool directory"
has cin_per_call "no communication identity number (CIN): call .* under warrant $L is NOT intercepted (1 so far); asked again while it goes on, after 1, 2, 4, 8, then every 16 s"
has cin_again "CINs from the database (limf.cin_reserve) again"
# the first call too (none was while the grant was revoked): intercepted in progress
has cin_summary "limf capture: .* calls 2 intercepted 2 "
# one CIN error for the call however often it was asked again (each a decision)
has cin_summary_gate "warrant gate: decisions \([3-9]\|[1-9][0-9]\) decision_errors 0 audit_errors 0 cin_errors 1 (ALARM"
# the second call reached the authority: its IRI (the records grew since the run began)
for _ in $(seq 50); do [ "$(wc -l <"$tmp/lemf.jsonl")" -gt "$lrec" ] && break; sleep 0.1; done
[ "$(wc -l <"$tmp/lemf.jsonl")" -gt "$lrec" ] && ok || bad "no LEMF record of the call after the grant"

# ---- 7. traffic lost to capacity limits: 300 first fragments never completed (44 evicted from
# reassembly, which holds 256) raise the status alarm (text, JSON, /metrics, the instance's
# row), and the run exits 3 (its evidence is incomplete)
expect 0 gen_c7 "$gen" --community "$tmp/k/community.json" --out "$tmp/c7.pcap" --calls 1 \
	--duration 6 --caller "$A" --callee "$B" --start "$(iso "$NOW")" --seed 93
expect 0 inject_c7 python3 "$(dirname "$0")/pcap_inject.py" "$tmp/c7.pcap" "$tmp/c7f.pcap" 3 fragflood 300
LIMF_HEALTH_INTERVAL_MS=300 "$limf" capture --config "$tmp/limf.conf" --pcap "$tmp/c7f.pcap" --speed recorded \
	--instance "st7-$sfx" >"$tmp/cap7.out" 2>"$tmp/cap7.err" </dev/null &
cpid=$!
status_until "j['capture']['lost'] >= 44" && ok ||
	{ bad "no loss in status after the fragment flood"; show_out; }
pyjson loss_json "j['capture']['lost'] == 44 and j['capture']['loss_alarm'] is True and j['alarm'] is True and j['capture']['evicted']['fragments'] == 44"
expect 0 loss_text "$limf" status --socket "$sock"
has loss_text "^alarm: traffic lost to capacity limits (44 so far: see drops, lost_to_evictions, sources)$"
curl -s -m 5 -o "$tmp/out" "http://127.0.0.1:$mport/metrics" 2>"$tmp/err"
has loss_metrics "^limf_traffic_lost_total 44$"
has loss_metrics "^limf_traffic_lost_alarm 1$"
has loss_metrics '^limf_evicted_total{table="fragments"} 44$'
sleep 0.7
expect 0 loss_all "$limf" status --all --json
pyjson loss_all "[(i['state'],i['alarm']) for i in j if i['name']=='st7-$sfx']==[('running',True)]"
wait "$cpid"
rc=$?
cpid=''
[ "$rc" -eq 3 ] && ok || { bad "capture that lost traffic: exit $rc, want 3"; tail -5 "$tmp/cap7.err" >&2; }

# ---- 8. --record past the LIIDs its bundle can hold: 72 LIIDs, 8 on each of 9 targets (a call
# carries 8 at most), under an open-file limit of 1024 (4 descriptors a recorded LIID: 64
# fit). A call of each a second apart, then the first target's again for 6 s, so that the run
# is still going when status is asked.
openssl genpkey -algorithm ed25519 -out "$tmp/sign.pem" 2>/dev/null && ok || bad "ed25519 key"
{
	cat "$tmp/limf.conf"
	printf '[evidence]\nsign_key = %s\n' "$tmp/sign.pem"
} >"$tmp/rec.conf"
many_warrants add "S$sfx" 9
many_calls "$tmp/m8.pcap" $((NOW + 1)) 1 1,6 $(seq 9) 1
LIMF_HEALTH_INTERVAL_MS=300 bash -c 'ulimit -n 1024 && exec "$@"' _ "$limf" capture \
	--config "$tmp/rec.conf" --pcap "$tmp/m8.pcap" --speed recorded --record "$tmp/ev8" \
	--instance "st8-$sfx" >"$tmp/cap8.out" 2>"$tmp/cap8.err" </dev/null &
cpid=$!
status_until "j['bundle']['unrecorded_records'] > 0" && ok ||
	{ bad "no unrecorded LIIDs in status"; show_out; }
pyjson bundle_json "j['bundle']['liids'] == 64 and j['bundle']['max_liids'] == 64 and j['bundle']['alarm'] is True and j['alarm'] is True"
expect 0 bundle_text "$limf" status --socket "$sock"
has bundle_text "^bundle: liids 64 max_liids 64 unrecorded_records [1-9][0-9]*$"
has bundle_text "^alarm: LIIDs past the 64 the evidence bundle can hold are not recorded ([1-9][0-9]* records so far)$"
curl -s -m 5 -o "$tmp/out" "http://127.0.0.1:$mport/metrics" 2>"$tmp/err"
has bundle_metrics "^limf_bundle_liids 64$"
has bundle_metrics "^limf_bundle_max_liids 64$"
has bundle_metrics "^limf_bundle_unrecorded_records_total [1-9][0-9]*$"
has bundle_metrics "^limf_bundle_unrecorded_alarm 1$"
sleep 0.7
expect 0 bundle_all "$limf" status --all --json
pyjson bundle_all "[(i['state'],i['alarm']) for i in j if i['name']=='st8-$sfx']==[('running',True)]"
wait "$cpid"
rc=$?
cpid=''
[ "$rc" -eq 3 ] && ok || { bad "capture past the bundle's LIIDs: exit $rc, want 3"; tail -5 "$tmp/cap8.err" >&2; }
grep -q "the evidence bundle can hold 64 LIIDs under the open-file limit of 1024" "$tmp/cap8.err" &&
	ok || bad "cap8: no warning naming the open-file limit"
grep -q "ALARM: the interception is INCOMPLETE: [1-9][0-9]* IRI record(s) and [1-9][0-9]* CC packet(s) of LIIDs past the 64 the bundle can hold (the first: S$sfx-[1-9]-[1-8]) not recorded in it$" \
	"$tmp/cap8.err" && ok || { bad "cap8: no ALARM"; tail -5 "$tmp/cap8.err" >&2; }
expect 0 verify8 "$limf" verify "$tmp/ev8"
has verify8 "^WARNING: its producer stated the evidence is INCOMPLETE: [1-9][0-9]* IRI record(s) and [1-9][0-9]* CC packet(s) of LIIDs past the 64"
# every LIID handed over, recorded or not: IRI and CC, each CIN numbered from 0
many_lemf lemf8 "$tmp/lemf.jsonl" "S$sfx" 72 1
many_warrants revoke "S$sfx" 9

lemf_down
live_kms_down
finish
