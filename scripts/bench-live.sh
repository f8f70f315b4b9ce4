#!/bin/bash
# Live-capture benchmark (issue 8 "Benchmark"), run by `make bench` (root only; skipped with a
# message otherwise):
#   On a veth pair whose far end is in a network namespace of its own, tcpreplay plays a limf-gen
#   capture with 1 % target calls (BENCH_LIVE_BG background calls and 1 target call per 100,
#   at least 1) onto the far end; `limf capture -i` captures the near end, intercepting the
#   target calls (warrant iri+cc, test KMS) and handing them to the test LEMF.
#   1. limf capture: a trial at tcpreplay --topspeed, then a binary search on --pps (between 0
#      and the rate --topspeed reached; BENCH_LIVE_STEPS trials) for the highest rate with no
#      kernel drop (pcap_stats ps_drop + ps_ifdrop, the summary's kernel_dropped), every frame
#      played captured (the summary's frames), and every target call intercepted with content.
#      With one worker (the default) there is no queue between capture and processing (a frame
#      it cannot take in time is a kernel drop); with --workers N in BENCH_LIVE_LIMF_ARGS a
#      packet dropped at a full worker queue (the summary's queue_full) fails the trial too.
#   2. The same search for `tshark -i IFACE -w /dev/null` (dumpcap: capture only, no
#      dissection: the floor of live capture), its drops from its final report, the same
#      kernel ring size (-B) as limf's.
#   A rate at --topspeed with no drop is tcpreplay's limit, not the tool's: printed as ">=".
#   The ring is the same for both tools and much smaller than limf capture's default (32 MiB),
#   so that the capture is several times the ring and the rates are sustained ones, not what a
#   ring swallows in one go (a warning says when the capture is under 4 rings).
#   3. Prints both rates (packets/s and Mbit/s as tcpreplay reports them) and their ratio, and
#      the CPU time of limf capture at its highest sustained rate (user + system of the
#      process, start-up included): in total, per intercepted call, per million packets; and
#      the CPU per intercepted call of the target calls alone (played at their own pace, less
#      an idle run of the same length): the time the single loop is busy per new target call
#      (KMS, SAKKE, ECCSI, audit, its media), i.e. the stall the kernel ring must absorb.
# The machine may be shared: the numbers are indicative. Environment:
#   BENCH_LIVE_BG=300 background calls, BENCH_LIVE_DUR=10 call seconds (the capture's frames:
#   about 100 per call-second, ~250 octets each), BENCH_LIVE_STEPS=6, BENCH_LIVE_BUFFER_MB=4
#   (both tools' kernel ring), BENCH_LIVE_TSHARK=1 (0: skip the tshark search),
#   BENCH_LIVE_LIMF_ARGS="--workers $(nproc)" (limf capture options, e.g. --immediate;
#   ' ': none, the single-threaded pipeline).
# Starts its own PostgreSQL cluster ($BUILD/bench-live-pg), KMS and LEMF; everything under
# $BUILD/bench-live/, the namespace and veth removed on exit.
set -u
BUILD=${BUILD:-build}
limf=$BUILD/limf gen=$BUILD/limf-gen kms=$BUILD/limf-kms lemf=$BUILD/limf-lemf
W=$BUILD/bench-live PG=$BUILD/bench-live-pg
BG=${BENCH_LIVE_BG:-300} DUR=${BENCH_LIVE_DUR:-10} STEPS=${BENCH_LIVE_STEPS:-6}
BUF=${BENCH_LIVE_BUFFER_MB:-4} TSHARK=${BENCH_LIVE_TSHARK:-1}
# one pipeline worker per core by default (limf/pool.h): the capture thread then never waits
# for a key request; BENCH_LIVE_LIMF_ARGS=' ' for the single-threaded pipeline
read -r -a LARGS <<<"${BENCH_LIVE_LIMF_ARGS:---workers $(nproc)}"
TARGETS=$(((BG + 99) / 100))
if [ "$(id -u)" -ne 0 ]; then
	echo "bench-live: skipped: needs root (network namespace, veth, live capture)" >&2
	exit 0
fi
for b in "$limf" "$gen" "$kms" "$lemf"; do
	[ -x "$b" ] || {
		echo "bench-live: $b not built" >&2
		exit 1
	}
done
for c in tcpreplay ip tshark; do
	command -v "$c" >/dev/null || {
		echo "bench-live: $c is needed (scripts/deps.sh)" >&2
		exit 1
	}
done

sfx=$$ ns=limf-bench$$ va=lb$$a vb=lb$$b
pids=()
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	ip link del "$va" 2>/dev/null
	scripts/pg-test.sh stop "$PG" >/dev/null 2>&1
	[ -L "$PG" ] && rm -rf "$(readlink -f "$PG")" "$PG"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
die() {
	echo "bench-live: $*" >&2
	exit 1
}

rm -rf "$W"
mkdir -p "$W"
ip netns add "$ns" 2>/dev/null || {
	echo "bench-live: skipped: ip netns add not permitted" >&2
	exit 0
}
ip link add "$va" type veth peer name "$vb" netns "$ns" 2>/dev/null || {
	echo "bench-live: skipped: veth creation not permitted" >&2
	exit 0
}
sysctl -q -w "net.ipv6.conf.$va.disable_ipv6=1" 2>/dev/null
ip netns exec "$ns" sysctl -q -w "net.ipv6.conf.$vb.disable_ipv6=1" 2>/dev/null
{ ip link set "$va" up && ip -n "$ns" link set "$vb" up; } || die "veth up"

scripts/pg-test.sh start "$PG" >/dev/null || die "no PostgreSQL cluster"
# shellcheck disable=SC1091
. "$PG/test.env"
export LIMF_DB=$LIMF_DB_OPERATOR
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
NOW=$(date +%s)

d=$W/kms
"$kms" init "$d" --scheme rfc6509 --kms-uri kms.bench-live.test --period 2592000 >/dev/null ||
	die "limf-kms init"
"$kms" serve --community "$d/community.json" --cert "$d/server.pem" --key "$d/server.key" \
	--ca "$d/ca.pem" --listen 127.0.0.1:0 --port-file "$d/port" --log "$d/log" 2>"$d/serve.err" &
pids+=($!)
"$lemf" --out /dev/null --port-file "$W/ports" --hi2 127.0.0.1:0 --hi3 127.0.0.1:0 2>"$W/lemf.err" &
pids+=($!)
for _ in $(seq 100); do [ -s "$d/port" ] && [ -s "$W/ports" ] && break; sleep 0.05; done
[ -s "$d/port" ] || die "limf-kms serve did not start"
read -r p2 p3 <"$W/ports" || die "limf-lemf did not start"
cat >"$W/limf.conf" <<EOF
[database]
conninfo = $LIMF_DB_SERVICE
[kms]
url  = https://127.0.0.1:$(cat "$d/port")
ca   = $d/ca.pem
cert = $d/client.pem
key  = $d/client.key
[handover]
operator_id = OP-BENCH
network_element_id = limf-bench
country = GB
spool_dir = $W/spool
[authority lemf1]
hi2 = 127.0.0.1:$p2
hi3 = 127.0.0.1:$p3
insecure_plaintext = yes ; the test LEMF listens on plain TCP
EOF
A="sip:bench$sfx@example.org"
"$limf" warrant add --liid "B$sfx" --authority Bench --ref "R-B$sfx" --country GB \
	--from "$(iso $((NOW - 3600)))" --to "$(iso $((NOW + 86400)))" --scope iri+cc \
	--delivery lemf1 --target "$A" >/dev/null || die "warrant add"
"$gen" --community "$d/community.json" --out "$W/c.pcap" --calls "$TARGETS" --background "$BG" \
	--duration "$DUR" --caller "$A" --callee "sip:peer$sfx@example.org" \
	--start "$(iso "$NOW")" --seed 9 >/dev/null || die "limf-gen"
rm -rf "$W/c.pcap.d"
PCAP=$W/c.pcap
N=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["frames"])' "$W/c.pcap.json")
size=$(stat -c %s "$W/c.pcap")
printf 'bench-live: %d frames, %.1f MB: %d target + %d background calls of %d s on veth %s\n' \
	"$N" "$(echo "$size / 1000000" | bc -l)" "$TARGETS" "$BG" "$DUR" "$va"
[ "$size" -lt $((4 * BUF << 20)) ] &&
	echo "bench-live: WARNING: the capture is under 4 rings of $BUF MiB: a ring absorbs much of it (raise BENCH_LIVE_BG/DUR)"

# play RATE: tcpreplay of $PCAP onto the far end (RATE: "top", "rec" for the capture's own
# pace, or packets/s); sets sent, pps, mbps
play() {
	local how=(--topspeed)
	[ "$1" = rec ] && how=()
	[ "$1" != top ] && [ "$1" != rec ] && how=("--pps=$1")
	ip netns exec "$ns" tcpreplay -i "$vb" "${how[@]}" "$PCAP" >"$W/replay.out" 2>&1 ||
		die "tcpreplay: $(tail -3 "$W/replay.out")"
	sent=$(sed -n 's/^[[:space:]]*Successful packets:[[:space:]]*\([0-9]*\).*/\1/p' "$W/replay.out")
	pps=$(sed -n 's/.*Mbps, \([0-9.]*\) pps.*/\1/p' "$W/replay.out")
	mbps=$(sed -n 's/.*Bps, \([0-9.]*\) Mbps.*/\1/p' "$W/replay.out")
}
wait_for() { # FILE REGEX
	for _ in $(seq 200); do grep -q -- "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
	return 1
}
hz=$(getconf CLK_TCK)
# trial_limf RATE: good=1 when no kernel drop, every frame captured and every target call
# intercepted with content; sets the play variables, drops, got, cpu (seconds)
trial_limf() {
	"$limf" capture --config "$W/limf.conf" -i "$va" --buffer-mb "$BUF" "${LARGS[@]}" >/dev/null \
		2>"$W/limf.err" </dev/null &
	local cp=$!
	wait_for "$W/limf.err" "running (" || die "limf capture did not start: $(tail -3 "$W/limf.err")"
	play "$1"
	sleep 1
	cpu=$(awk -v hz="$hz" '{print ($14 + $15) / hz}' "/proc/$cp/stat")
	kill -TERM "$cp"
	wait "$cp" || die "limf capture failed: $(tail -5 "$W/limf.err")"
	local line
	line=$(sed -n "s/^limf capture: source $va: frames \([0-9]*\) kernel_received [0-9]* kernel_dropped \([0-9]*\)$/\1 \2/p" "$W/limf.err")
	read -r got drops <<<"$line"
	# with --workers in BENCH_LIVE_LIMF_ARGS: a packet dropped at a full worker queue too
	qdrops=$(sed -n 's/^limf capture: workers [0-9]* source_threads [0-9]* queue_full \([0-9]*\) .*/\1/p' "$W/limf.err")
	good=0
	if [ "${drops:-1}" = 0 ] && [ "${qdrops:-0}" = 0 ] && [ "${got:-0}" = "$sent" ] &&
		grep -q " intercepted $ntarget with_content $ntarget " "$W/limf.err"; then
		good=1
	fi
}
# trial_tshark RATE: as trial_limf, from tshark's report
trial_tshark() {
	tshark -i "$va" -B "$BUF" -w /dev/null >"$W/tshark.out" 2>"$W/tshark.err" </dev/null &
	local tp=$!
	wait_for "$W/tshark.err" "Capturing on" || die "tshark did not start: $(tail -3 "$W/tshark.err")"
	sleep 0.5
	play "$1"
	sleep 1
	kill -INT "$tp"
	wait "$tp"
	got=$(sed -n 's/^\([0-9]*\) packets\{0,1\} captured.*/\1/p' "$W/tshark.err" | tail -1)
	drops=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped.*/\1/p' "$W/tshark.err" | awk '{s += $1} END {print s + 0}')
	good=0
	[ "$drops" = 0 ] && [ "${got:-0}" = "$sent" ] && good=1
}
# search TOOL: the highest rate with good=1; sets best_pps best_mbps (0 when none), best_cpu
search() {
	local tool=$1 lo=0 hi mid
	best_pps=0 best_mbps=0 best_cpu=0
	"trial_$tool" top
	printf '  %-6s --topspeed      : sent %s at %10s pps %8s Mbit/s: captured %s, dropped %s: %s\n' \
		"$tool" "$sent" "$pps" "$mbps" "${got:-?}" "${drops:-?}" "$([ "$good" = 1 ] && echo ok || echo LOSS)"
	top=0
	if [ "$good" = 1 ]; then
		best_pps=$pps best_mbps=$mbps best_cpu=${cpu:-0} top=1
		return
	fi
	hi=${pps%.*}
	for _ in $(seq "$STEPS"); do
		mid=$(((lo + hi) / 2))
		[ "$mid" -lt 1 ] && break
		"trial_$tool" "$mid"
		printf '  %-6s --pps=%-9s: sent %s at %10s pps %8s Mbit/s: captured %s, dropped %s: %s\n' \
			"$tool" "$mid" "$sent" "$pps" "$mbps" "${got:-?}" "${drops:-?}" "$([ "$good" = 1 ] && echo ok || echo LOSS)"
		if [ "$good" = 1 ]; then
			lo=$mid
			best_pps=$pps best_mbps=$mbps best_cpu=${cpu:-0}
		else
			hi=$mid
		fi
	done
}

echo "== limf capture -i $va --buffer-mb $BUF ${LARGS[*]}"
ntarget=$TARGETS
search limf
l_pps=$best_pps l_mbps=$best_mbps l_cpu=$best_cpu l_ge=''
[ "$top" = 1 ] && l_ge='>= '
t_ge=
if [ "$TSHARK" = 1 ]; then
	echo "== tshark -i $va -w /dev/null (ring ${BUF} MiB)"
	search tshark
	t_pps=$best_pps t_mbps=$best_mbps
	[ "$top" = 1 ] && t_ge='>= '
fi
echo "== result (indicative: shared machine)"
printf 'limf capture sustains %s%s pps (%s Mbit/s) with no drop\n' "$l_ge" "$l_pps" "$l_mbps"
if [ "$TSHARK" = 1 ]; then
	printf 'tshark (capture only) sustains %s%s pps (%s Mbit/s) with no drop\n' "$t_ge" "$t_pps" "$t_mbps"
	if [ "${t_pps%.*}" -gt 0 ]; then
		printf 'ratio limf/tshark: %.2f%s\n' "$(echo "$l_pps / $t_pps" | bc -l)" \
			"$([ -n "$l_ge$t_ge" ] && echo " (a '>=' rate is tcpreplay's limit: the ratio is indicative only)")"
	fi
fi
# the target calls alone (the same parties, no background), at their recorded pace: limf's
# CPU for them, start-up included, against a run that sees no frame at all
"$gen" --community "$d/community.json" --out "$W/t.pcap" --calls "$TARGETS" --duration "$DUR" \
	--caller "$A" --callee "sip:peer$sfx@example.org" --start "$(iso "$NOW")" --seed 10 \
	>/dev/null || die "limf-gen (targets)"
rm -rf "$W/t.pcap.d"
PCAP=$W/t.pcap
trial_limf rec
[ "$good" = 1 ] || echo "bench-live: the target-only run lost frames or calls" >&2
t_cpu=$cpu
PCAP=$W/empty.pcap ntarget=0
python3 -c 'import struct,sys; open(sys.argv[1],"wb").write(struct.pack("<IHHiIII",0xa1b2c3d4,2,4,0,0,65535,1))' "$PCAP"
"$limf" capture --config "$W/limf.conf" -i "$va" --buffer-mb "$BUF" "${LARGS[@]}" >/dev/null \
	2>"$W/limf.err" </dev/null &
cp_=$!
wait_for "$W/limf.err" "running (" || die "limf capture did not start"
sleep "$DUR"
e_cpu=$(awk -v hz="$hz" '{print ($14 + $15) / hz}' "/proc/$cp_/stat")
kill -TERM "$cp_"
wait "$cp_"
printf 'limf capture CPU for the %d target call(s) alone (%d s each): %.2f s; idle for as long: %.2f s: %.3f s per intercepted call\n' \
	"$TARGETS" "$DUR" "$t_cpu" "$e_cpu" "$(echo "($t_cpu - $e_cpu) / $TARGETS" | bc -l)"
if [ "${l_pps%.*}" -gt 0 ]; then
	printf 'limf capture CPU at that rate: %.2f s for %d frames and %d intercepted call(s): %.3f s per intercepted call, %.2f s per million packets\n' \
		"$l_cpu" "$N" "$TARGETS" "$(echo "$l_cpu / $TARGETS" | bc -l)" \
		"$(echo "$l_cpu * 1000000 / $N" | bc -l)"
fi
