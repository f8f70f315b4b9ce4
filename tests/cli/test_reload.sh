#!/bin/bash
# Reloads and signals of the live service (review-live.md findings 1, 5, 8, 11): a backlog of
# ~240k PDUs is spooled for lemf1 with its LEMF down, then `limf capture` runs on that spool:
#   1. SIGTERM during start-up (while the spools are read): a clean stop, exit 0, its summary
#   2. SIGHUP during start-up: not fatal; acted on once the loop runs (reloaded)
#   3. SIGHUP moving spool_dir, and one renaming the authority, while its spool holds the
#      unconfirmed backlog: refused ("keeping the running configuration"), status still shows
#      the backlog pending; one dropping an empty authority is applied
#   4. SIGHUP keeping the spool: it is taken over, not re-read (its "spooled since open"
#      counter carries on), and with the LEMF's real address the backlog is delivered
#   5. a reload that fails (the authority's TLS key unusable) leaves the running handover:
#      status still lists the authority (no "NOTHING IS HANDED OVER")
# Needs the private PostgreSQL cluster: run through scripts/pg-test.sh. Prints "N passed, N failed".
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
live_init
sock=$tmp/ctl.sock
dead=127.0.0.1:1 # nothing listens: connection refused

live_kms reload
# conf SPOOL_DIR NAME HI2 HI3 [EXTRA]: limf.conf, an empty authority lemf0 first (when EXTRA
# is not "no0"), then NAME (with TLS files when EXTRA is "tls")
conf() {
	{
		conf_live "$tmp/k" OP-RL "$1"
		printf '[service]\ncontrol_socket = %s\n' "$sock"
		[ "${5:-}" = no0 ] || conf_authority lemf0 "$dead" "$dead"
		case "${5:-}" in
		tls) conf_authority "$2" "$3" "$4" "ca = $tmp/k/ca.pem" "cert = $tmp/a.pem" "key = $tmp/a.key" ;;
		*) conf_authority "$2" "$3" "$4" ;;
		esac
	} >"$tmp/limf.conf"
}
pending() { # STREAM: lemf1's pending count in `limf status --json` (empty when not listed)
	"$limf" status --socket "$sock" --json 2>/dev/null | python3 -c '
import json, sys
j = json.load(sys.stdin)
a = [a for a in j["authorities"] if a["name"] == "lemf1"]
print(a[0][sys.argv[1]]["pending"] if a else "")' "$1"
}

A="sip:rl$sfx@example.org" B="sip:bob$sfx@example.org" L="RL$sfx"
warrant "$L" "$A" && ok || bad "warrant add"
# the backlog: 20 calls of 120 s (~240k CC PDUs) spooled with nothing listening
expect 0 gen-big "$gen" --community "$tmp/k/community.json" --out "$tmp/big.pcap" --calls 20 \
	--duration 120 --caller "$A" --callee "$B" --start "$(iso "$NOW")" --seed 71
# the live run: one call of 90 s of the target, played at its recorded speed
expect 0 gen-live "$gen" --community "$tmp/k/community.json" --out "$tmp/live.pcap" --calls 1 \
	--duration 90 --caller "$A" --callee "$B" --start "$(iso $((NOW + 600)))" --seed 72
conf "$tmp/spool" lemf1 "$dead" "$dead" no0
capture big --pcap "$tmp/big.pcap" --speed max
reap big 0
expect 0 ho-status "$limf" handover status --config "$tmp/limf.conf"
backlog=$(awk '$1 == "lemf1" && $2 == "hi3" { for (i = 1; i < NF; i++) if ($i == "pending") print $(i + 1) }' "$tmp/out")
[ "${backlog:-0}" -gt 100000 ] && ok || { bad "no backlog spooled ($backlog)"; show_out; }

# ---- 1. SIGTERM during start-up: lemf0's warning is said before lemf1's spool (the backlog)
# is read: the signal comes while it is read
conf "$tmp/spool" lemf1 "$dead" "$dead"
capture term --pcap "$tmp/live.pcap"
wait_for "$tmp/term.err" "authority lemf0 hi3: insecure_plaintext" 200 && ok || bad "term: no warning"
kill -TERM "$cpid"
reap term 0
grep -q "signal 15: stopping" "$tmp/term.err" && ok || bad "term: no clean stop"
grep -q "^limf capture: handover: " "$tmp/term.err" && ok || bad "term: no summary"

# ---- 2. SIGHUP during start-up
capture run --pcap "$tmp/live.pcap"
wait_for "$tmp/run.err" "authority lemf0 hi3: insecure_plaintext" 200 && ok || bad "run: no warning"
kill -HUP "$cpid"
if wait_for "$tmp/run.err" "SIGHUP: configuration reloaded (2 authorities)" 300; then ok; else
	bad "run: SIGHUP during start-up not acted on"
	tail -5 "$tmp/run.err" >&2
fi
kill -0 "$cpid" 2>/dev/null && ok || { bad "run: killed by a SIGHUP during start-up"; cpid=''; }
wait_for "$tmp/run.err" "first frame" && ok || bad "run: did not start"
sleep 1
p0=$(pending hi3)
[ "${p0:-0}" -ge "$backlog" ] && ok || bad "run: pending $p0 at start, backlog $backlog"

# ---- 3. a reload that would strand the backlog is refused
nrel() { grep -c "configuration reloaded" "$tmp/run.err"; }
conf "$tmp/spool2" lemf1 "$dead" "$dead"
kill -HUP "$cpid"
wait_for "$tmp/run.err" "authority lemf1 hi[23]: its spool $tmp/spool/lemf1/hi[23] still holds [0-9]* PDUs .*keeping the running configuration" &&
	ok || { bad "spool_dir move not refused"; tail -3 "$tmp/run.err" >&2; }
[ "$(nrel)" = 1 ] && ok || bad "spool_dir move: reloaded"
p1=$(pending hi3)
[ "${p1:-0}" -ge "$backlog" ] && ok || bad "spool_dir move: pending now '$p1', was $p0"
conf "$tmp/spool" lemf9 "$dead" "$dead"
kill -HUP "$cpid"
for _ in $(seq 100); do [ "$(grep -c "still holds.*keeping the running" "$tmp/run.err")" -ge 2 ] && break; sleep 0.1; done
[ "$(grep -c "still holds.*keeping the running" "$tmp/run.err")" = 2 ] &&
	ok || { bad "rename not refused"; tail -3 "$tmp/run.err" >&2; }
[ "$(nrel)" = 1 ] && ok || bad "rename: reloaded"
p1=$(pending hi3)
[ "${p1:-0}" -ge "$backlog" ] && ok || bad "rename: pending now '$p1'"
expect 0 st-text "$limf" status --socket "$sock"
has st-text "^authority lemf1 hi3: link [a-z_]* spooled [1-9][0-9]* confirmed 0 pending [1-9][0-9]* "
# the refused reloads are in limf status (text, JSON, metrics), with the alarm raised: the
# running configuration is not the file's (before, only stderr said so)
ctl() { # LINE: the control socket's answer to LINE ("status json", "metrics")
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
b = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    b += d
sys.stdout.write(b.decode())' "$sock" "$1"
}
has st-reload-refused "^reload: ALARM refused at 20[0-9-]*T[0-9:.]*Z: handover: authority lemf1 hi[23]: its spool $tmp/spool/lemf1/hi[23] still holds [0-9]* PDUs .*the running configuration is NOT the file's (applied 1 refused 2)$"
has st-reload-alarm "^alarm: .*last reload refused"
ctl "status json" >"$tmp/out"
pyjson st-reload-json "j['reload']['last'] == 'refused' and j['reload']['applied'] == 1 and j['reload']['refused'] == 2 and 'still holds' in j['reload']['reason'] and j['reload']['at'].endswith('Z') and j['alarm'] is True"
ctl metrics >"$tmp/out"
has st-reload-prom '^limf_reload_refused 1$'
has st-reload-prom-n '^limf_reloads_total{result="refused"} 2$'
# lemf0 holds nothing: it may go
spooled1=$("$limf" status --socket "$sock" --json | python3 -c 'import json,sys; print([a for a in json.load(sys.stdin)["authorities"] if a["name"]=="lemf1"][0]["hi3"]["spooled"])')
[ "${spooled1:-0}" -gt 0 ] && ok || bad "the live call spooled nothing ($spooled1)"
conf "$tmp/spool" lemf1 "$dead" "$dead" no0
t0=$(date +%s.%N)
kill -HUP "$cpid"
"$limf" status --socket "$sock" >/dev/null 2>&1 # answered once the reload is done
echo "note: limf status answered $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }') s after the SIGHUP (backlog $backlog)" >&2
wait_for "$tmp/run.err" "configuration reloaded (1 authority)" && ok || bad "dropping lemf0 refused"
# an applied reload clears the reload alarm
expect 0 st-text3 "$limf" status --socket "$sock"
has st-reload-applied "^reload: applied at 20[0-9-]*T[0-9:.]*Z (applied 2 refused 2)$"
has st-reload-noalarm "^alarm: none$"
ctl "status json" >"$tmp/out"
pyjson st-reload-json2 "j['reload']['last'] == 'applied' and j['reload']['reason'] == '' and j['alarm'] is False"
ctl metrics >"$tmp/out"
has st-reload-prom2 '^limf_reload_refused 0$'

# ---- 3b. the same spool_dir spelled with a trailing '/', the backlog still pending: the same
# directory, not a move (compared by identity): applied, the spool taken over, the backlog
# still pending and then delivered (section 4; before, refused as "spool_dir changed")
spooled_hi3() { "$limf" status --socket "$sock" --json | python3 -c 'import json,sys; print([a for a in json.load(sys.stdin)["authorities"] if a["name"]=="lemf1"][0]["hi3"]["spooled"])'; }
sp0=$(spooled_hi3)
conf "$tmp/spool/" lemf1 "$dead" "$dead" no0
# and a new bound: the spools taken over get it (shown in limf status)
sed -i 's|^spool_dir = .*|&\nspool_max_mb = 2048|' "$tmp/limf.conf"
kill -HUP "$cpid"
for _ in $(seq 100); do
	[ "$(nrel)" -ge 3 ] || [ "$(grep -c "keeping the running configuration" "$tmp/run.err")" -ge 3 ] && break
	sleep 0.1
done
[ "$(nrel)" = 3 ] && ok || { bad "spool_dir with a trailing /: not applied"; tail -3 "$tmp/run.err" >&2; }
[ "$(grep -c "keeping the running configuration" "$tmp/run.err")" = 2 ] && ok || bad "spool_dir with a trailing /: refused"
p1=$(pending hi3)
[ "${p1:-0}" -ge "$backlog" ] && ok || bad "trailing /: pending now '$p1'"
sp1=$(spooled_hi3)
[ "${sp1:-0}" -ge "$sp0" ] && ok || bad "trailing /: spooled since open went from $sp0 to $sp1: the spool was re-opened"
ctl "status json" >"$tmp/out"
pyjson st-max "all(0 < a[k]['bytes'] < a[k]['max_bytes'] == 2048 << 20 for a in j['authorities'] for k in ('hi2', 'hi3'))"
expect 0 st-max-text "$limf" status --socket "$sock"
has st-max-text "^authority lemf1 hi3: .* pending [1-9][0-9]* bytes [1-9][0-9]* of 2147483648 refused 0 "
ctl metrics >"$tmp/out"
has st-max-prom '^limf_spool_max_bytes{authority="lemf1",stream="hi3"} 2147483648$'
has st-max-prom-b '^limf_spool_bytes{authority="lemf1",stream="hi3"} [1-9][0-9]*$'

# ---- 4. the spool is taken over, not re-read; delivered once the LEMF is there
spooled2=$("$limf" status --socket "$sock" --json | python3 -c 'import json,sys; print([a for a in json.load(sys.stdin)["authorities"] if a["name"]=="lemf1"][0]["hi3"]["spooled"])')
[ "${spooled2:-0}" -ge "$spooled1" ] && ok || bad "spooled since open went from $spooled1 to $spooled2: the spool was re-opened"
lemf_up "$tmp/lemf.jsonl"
[ "$p2" != 0 ] && ok || bad "limf-lemf did not start"
conf "$tmp/spool" lemf1 "127.0.0.1:$p2" "127.0.0.1:$p3" no0
kill -HUP "$cpid"
wait_for "$tmp/run.err" "configuration reloaded (1 authority)" && ok || bad "no reload to the LEMF"
for _ in $(seq 600); do
	p=$(pending hi3)
	[ "$p" = 0 ] && [ "$(pending hi2)" = 0 ] && break
	sleep 0.1
done
[ "$p" = 0 ] && ok || bad "backlog not delivered after the reload (pending $p)"
n3=$(python3 -c '
import json, sys
print(len({(l["cin"], l["seq"]) for l in map(json.loads, open(sys.argv[1])) if l.get("kind") == "cc"}))' "$tmp/lemf.jsonl")
[ "$n3" -ge "$backlog" ] && ok || bad "LEMF got $n3 CC PDUs, backlog $backlog"

# ---- 5. a reload that fails keeps the running handover
cp "$tmp/k/client.pem" "$tmp/a.pem"
cp "$tmp/k/client.key" "$tmp/a.key"
conf "$tmp/spool" lemf1 "127.0.0.1:$p2" "127.0.0.1:$p3" tls
kill -HUP "$cpid"
for _ in $(seq 100); do [ "$(nrel)" -ge 5 ] && break; sleep 0.1; done
[ "$(nrel)" = 5 ] && ok || { bad "TLS authority not reloaded"; tail -3 "$tmp/run.err" >&2; }
echo "not a key" >"$tmp/a.key"
kill -HUP "$cpid"
wait_for "$tmp/run.err" "SIGHUP: handover: authority lemf1 hi2: TLS: $tmp/a.key: no PEM private key: keeping the running configuration" &&
	ok || { bad "unusable key: not refused"; tail -3 "$tmp/run.err" >&2; }
grep -q "NOTHING IS HANDED OVER" "$tmp/run.err" && bad "the handover was closed by a failed reload" || ok
expect 0 st-text2 "$limf" status --socket "$sock"
has st-text2 "^authority lemf1 hi3: link "
has st-reload-tls "^reload: ALARM refused at [0-9T:.Z-]*: handover: authority lemf1 hi2: TLS: $tmp/a.key: no PEM private key: the running configuration is NOT the file's (applied 5 refused 3)$"
has st-reload-tls-alarm "^alarm: last reload refused"

# ---- 6. a configuration that does not load: refused, in status with the alarm; the file
# fixed and reloaded: applied, the alarm cleared
cp "$tmp/limf.conf" "$tmp/limf.conf.good"
printf '[handover\n' >>"$tmp/limf.conf"
kill -HUP "$cpid"
for _ in $(seq 100); do [ "$(grep -c "keeping the running configuration" "$tmp/run.err")" -ge 4 ] && break; sleep 0.1; done
ctl "status json" >"$tmp/out"
pyjson st-reload-load "j['reload']['last'] == 'refused' and j['reload']['refused'] == 4 and 'limf.conf' in j['reload']['reason'] and j['alarm'] is True"
cp "$tmp/limf.conf.good" "$tmp/limf.conf"
cp "$tmp/k/client.key" "$tmp/a.key"
kill -HUP "$cpid"
for _ in $(seq 100); do [ "$(nrel)" -ge 6 ] && break; sleep 0.1; done
[ "$(nrel)" = 6 ] && ok || { bad "fixed configuration not reloaded"; tail -3 "$tmp/run.err" >&2; }
expect 0 st-text4 "$limf" status --socket "$sock"
has st-reload-fixed "^reload: applied at [0-9T:.Z-]* (applied 6 refused 4)$"
has st-reload-fixed-alarm "^alarm: none$"

kill -TERM "$cpid"
reap run 0
grep -q "^limf capture: reloads applied 6 refused 4$" "$tmp/run.err" && ok || bad "run: no reload count in the summary"
kill -TERM "$lpid" 2>/dev/null
wait "$lpid"
lpid=''
live_kms_down
finish
