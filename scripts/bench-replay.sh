#!/bin/bash
# Replay benchmark (issue 5 "Benchmark", DESIGN.md s8), run by `make bench`:
#   1. `limf replay` of a capture where every call is a target (warrant iri+cc on the caller and
#      the callee), both profiles (rfc6509: AES-CM-128/HMAC-SHA1-80; mcx: AEAD_AES_128_GCM with
#      MKI and the RFC 4771 ROC trailer), side by side with the floor: $BUILD/tests/replay-floor,
#      a bare libsrtp2 srtp_unprotect loop over the same SRTP packets with the same keys (taken
#      from the capture's I_MESSAGEs and the RSKs of `limf-gen --dump-keys`). The two are
#      interleaved (BENCH_RUNS rounds of: the floor once, limf once) and the best of each taken.
#      Target: limf/floor >= 0.7. The floor runs libsrtp2 configured as limf configures it,
#      on limf's OpenSSL AES and HMAC-SHA1 (decrypt/srtp_ossl.h). It is also run on nproc
#      threads (--threads), the peer of --workers nproc: what libsrtp2 itself gains from a
#      second core here; and with libsrtp2's own crypto (--crypto libsrtp; Debian: NSS), a bare
#      libsrtp2 as Debian ships it, with limf's ratio against that beside it.
#   2. The same kind of capture with 1 % of calls targets: packets/s, MB/s and Gbit/s of capture
#      (DESIGN.md s8: non-target traffic dropped at >= 1 Gbit/s per core).
#   3. Peak RSS of limf replay on that capture and on one 10x larger (still 1 % targets).
#   2b. The 1 % capture replayed with --verify-checksums too, interleaved: its cost.
# Starts its own PostgreSQL cluster ($BUILD/bench-pg, scripts/pg-test.sh) and test KMSs, writes
# everything under $BUILD/bench-replay/, cleans up on exit.
# Sizes (environment): BENCH_ALL_CALLS=40 BENCH_ALL_DUR=60 (all-target captures),
# BENCH_BG_CALLS=100 BENCH_BG_DUR=15 (1 % capture; the large one has 10x the calls, so the same
# number of calls at a time: limf-gen starts a call every 0.5 s), BENCH_RUNS=3 (best of N limf
# replays; the 10x capture is replayed once), BENCH_PERF=1 (perf record of limf replay on both
# all-target captures, top functions printed).
# limf's time is the wall clock of the whole process (start, database, KMS requests, SAKKE,
# evidence writing and signing included); cpu is its user+sys time (/usr/bin/time -v) over all
# its threads (the pipeline's, the evidence recording thread of limf/out.h and the start-up
# thread of limf/input.h limf_prep: up to 3 runnable at once), so ratio (wall) can exceed r_cpu
# on more than one core. The floor is single-threaded and times only its loop. The best wall
# and the best cpu of the runs are taken separately.
set -u
BUILD=${BUILD:-build}
limf=$BUILD/limf gen=$BUILD/limf-gen kms=$BUILD/limf-kms floor=$BUILD/tests/replay-floor
W=$BUILD/bench-replay PG=$BUILD/bench-pg
ALL_CALLS=${BENCH_ALL_CALLS:-40} ALL_DUR=${BENCH_ALL_DUR:-60}
BG_CALLS=${BENCH_BG_CALLS:-100} BG_DUR=${BENCH_BG_DUR:-15}
RUNS=${BENCH_RUNS:-3}
# limf replay --workers for the all-target captures: one pipeline, and one per core
# (BENCH_WORKERS="1 2 4")
WORKER_SET=${BENCH_WORKERS:-"1 $(nproc)"}
WORKERS=1
AT=2026-03-15T12:00:00Z
for b in "$limf" "$gen" "$kms" "$floor"; do
	[ -x "$b" ] || {
		echo "bench-replay: $b not built" >&2
		exit 1
	}
done
[ -x /usr/bin/time ] || {
	echo "bench-replay: /usr/bin/time is needed (apt-get install time)" >&2
	exit 1
}

kms_pids=()
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	for p in "${kms_pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
	wait 2>/dev/null
	scripts/pg-test.sh stop "$PG" >/dev/null 2>&1
	[ -L "$PG" ] && rm -rf "$(readlink -f "$PG")" "$PG"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
die() {
	echo "bench-replay: $*" >&2
	exit 1
}

rm -rf "$W"
mkdir -p "$W"
scripts/pg-test.sh start "$PG" >/dev/null || die "no PostgreSQL cluster"
# shellcheck disable=SC1091
. "$PG/test.env"
export LIMF_DB=$LIMF_DB_OPERATOR
openssl genpkey -algorithm ed25519 -out "$W/sign.pem" 2>/dev/null || die "openssl genpkey"

start_kms() { # NAME SCHEME
	local d=$W/kms-$1
	"$kms" init "$d" --scheme "$2" --kms-uri "kms.$1.test" --period 2592000 >/dev/null ||
		die "limf-kms init $1"
	"$kms" serve --community "$d/community.json" --cert "$d/server.pem" --key "$d/server.key" \
		--ca "$d/ca.pem" --listen '127.0.0.1:0' --port-file "$d/port" --log "$d/log" \
		2>"$d/serve.err" &
	kms_pids+=($!)
	for _ in $(seq 100); do [ -s "$d/port" ] && break; sleep 0.05; done
	[ -s "$d/port" ] || die "limf-kms serve $1 did not start"
}
kopts() { # NAME
	local d=$W/kms-$1
	echo --kms "https://127.0.0.1:$(cat "$d/port")" --ca "$d/ca.pem" --cert "$d/client.pem" \
		--key "$d/client.key"
}
start_kms g rfc6509
start_kms m 3gpp-uid

warrant() { # LIID TARGET...
	local liid=$1 t=()
	shift
	for u in "$@"; do t+=(--target "$u"); done
	"$limf" warrant add --liid "$liid" --authority "Bench $liid" --ref "REF-$liid" --country GB \
		--from 2026-03-01T00:00:00Z --to 2026-04-01T00:00:00Z --scope iri+cc \
		--delivery "lemf:$liid" "${t[@]}" >/dev/null || die "warrant add $liid"
}

# gen NAME KMS PROFILE TARGETS BACKGROUND DURATION CALLER CALLEE
gen() {
	local t0 t1
	t0=$(date +%s.%N)
	"$gen" --community "$W/kms-$2/community.json" --profile "$3" --out "$W/$1.pcap" \
		--calls "$4" --background "$5" --duration "$6" --caller "$7" --callee "$8" \
		--start "$AT" --seed 7 --dump-keys "$W/keys-$1" >/dev/null || die "limf-gen $1"
	rm -rf "$W/$1.pcap.d" # the generator's clear payloads: not needed here
	t1=$(date +%s.%N)
	printf '  generated %-8s %6.1f MB in %5.1f s: limf-gen --profile %s --calls %s --background %s --duration %s\n' \
		"$1" "$(echo "$(stat -c %s "$W/$1.pcap") / 1000000" | bc -l)" \
		"$(echo "$t1 - $t0" | bc -l)" "$3" "$4" "$5" "$6"
}

# replay NAME KMS RUN [TAG [OPTION...]]: one limf replay (--workers $WORKERS, and the OPTIONs)
# under /usr/bin/time; leaves $W/NAME$TAG.rRUN.{json,time}
replay_once() {
	local out=$W/ev-$1${4:-}.r$3 base=$W/$1${4:-}.r$3
	# shellcheck disable=SC2046
	env LIMF_DB="$LIMF_DB_SERVICE" /usr/bin/time -v -o "$base.time" "$limf" replay \
		--workers "$WORKERS" --sign-key "$W/sign.pem" $(kopts "$2") --json --quiet "${@:5}" \
		--out "$out" "$W/$1.pcap" \
		>"$base.json" 2>"$base.err" || {
		cat "$base.err" >&2
		die "limf replay $1 failed"
	}
	if [ "$3" = 1 ] && [ "${4:-}" = .w1 ]; then
		# a peer of the evidence the manifest requires: SHA-256 of the bundle limf wrote,
		# with the same OpenSSL (openssl dgst over its files, in page cache as limf left them)
		local t0 t1
		t0=$(date +%s.%N)
		find "$out" -type f -exec openssl dgst -sha256 {} + >/dev/null
		t1=$(date +%s.%N)
		echo "bytes=$(du -sb "$out" | cut -f1) sha_s=$(echo "$t1 - $t0" | bc -l)" >"$W/$1.hash"
	fi
	rm -rf "$out"
}
# wall seconds of a /usr/bin/time -v report
tv_wall() {
	awk -F': ' '/Elapsed \(wall clock\)/ {
		n = split($2, a, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + a[i]; print s }' "$1"
}
tv_cpu() { awk -F': ' '/User time/ {u = $2} /System time/ {s = $2} END {print u + s}' "$1"; }
tv_rss() { awk -F': ' '/Maximum resident set size/ {print $2}' "$1"; }
# best_runs NAME [TAG]: over the runs $W/NAME$TAG.r*: sets best_wall best_cpu (each the least
# of the runs) best_rss (the most), and copies the summary of the best wall run to $W/NAME.json
best_runs() {
	best_wall='' best_cpu='' best_rss=0
	local t w c m
	for t in "$W/$1${2:-}".r*.time; do
		w=$(tv_wall "$t") c=$(tv_cpu "$t") m=$(tv_rss "$t")
		if [ -z "$best_wall" ] || [ "$(echo "$w < $best_wall" | bc -l)" = 1 ]; then
			best_wall=$w
			cp "${t%.time}.json" "$W/$1.json"
		fi
		if [ -z "$best_cpu" ] || [ "$(echo "$c < $best_cpu" | bc -l)" = 1 ]; then
			best_cpu=$c
		fi
		[ "$m" -gt "$best_rss" ] && best_rss=$m
	done
}
# replay NAME KMS [RUNS]: RUNS replays one after the other, then best_runs
replay() {
	rm -f "$W/$1".r*.time
	for r in $(seq "${3:-$RUNS}"); do replay_once "$1" "$2" "$r"; done
	best_runs "$1"
}
jget() { # FILE PYEXPR over j
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
# floor field
fget() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" "$1"; }
f2() { printf '%.2f' "$1"; }
k0() { printf '%.0f' "$1"; }

A="sip:alice@example.org" B="sip:bob@example.org"
C="sip:carol@example.org" D="sip:dave@example.org"
warrant BENCH-ALL "$A" "$B"
warrant BENCH-1PC "$C" "$D"

echo "== bench-replay: generating captures under $W"
gen all-g g rfc6509 "$ALL_CALLS" 0 "$ALL_DUR" "$A" "$B"
gen all-m m mcx "$ALL_CALLS" 0 "$ALL_DUR" "$A" "$B"
big=$((BG_CALLS * 10))
gen pc1 g rfc6509 1 $((BG_CALLS - 1)) "$BG_DUR" "$C" "$D"
gen pc1x10 g rfc6509 10 $((big - 10)) "$BG_DUR" "$C" "$D"

# ---- 1. all calls targets: limf vs the floor, interleaved: each round runs the floor (1
# thread, then nproc threads) and then limf (each --workers of the set) once, so that a change
# in the machine's speed during the bench (other load, frequency) reaches both sides of the
# ratio alike; the best of the rounds is taken for each.
calc() { echo "$1" | bc -l; }
# floor_best FILE...: the run with the shortest best_s, printed (its line)
floor_best() {
	local f b='' bf=''
	for f in "$@"; do
		local v
		v=$(fget "$f" best_s)
		if [ -z "$b" ] || [ "$(calc "$v < $b")" = 1 ]; then b=$v bf=$f; fi
	done
	cat "$bf"
}
rows=() rowsN=() rowsL=() rowsH=()
for n in all-g all-m; do
	k=${n#all-}
	nt=$(nproc)
	for r in $(seq "$RUNS"); do
		"$floor" --runs 1 "$W/$n.pcap" "$W/keys-$n" >"$W/$n.floor.r$r" || {
			cat "$W/$n.floor.r$r" >&2
			die "replay-floor $n failed"
		}
		# the peer of --workers N: libsrtp2 alone on N threads (streams split between them)
		"$floor" --runs 1 --threads "$nt" "$W/$n.pcap" "$W/keys-$n" >"$W/$n.floorN.r$r" || {
			cat "$W/$n.floorN.r$r" >&2
			die "replay-floor --threads $nt $n failed"
		}
		# a bare libsrtp2 as Debian builds it: its own AES and HMAC-SHA1
		"$floor" --runs 1 --crypto libsrtp "$W/$n.pcap" "$W/keys-$n" >"$W/$n.floorL.r$r" || {
			cat "$W/$n.floorL.r$r" >&2
			die "replay-floor --crypto libsrtp $n failed"
		}
		for WORKERS in $WORKER_SET; do
			replay_once "$n" "$k" "$r" ".w$WORKERS"
		done
	done
	floor_best "$W/$n".floor.r* >"$W/$n.floor"
	floor_best "$W/$n".floorN.r* >"$W/$n.floorN"
	floor_best "$W/$n".floorL.r* >"$W/$n.floorL"
	# cpu: the least of the rounds, as for limf
	fc=$(for f in "$W/$n".floor.r*; do fget "$f" cpu_s; done | sort -g | head -1)
	fcn=$(for f in "$W/$n".floorN.r*; do fget "$f" cpu_s; done | sort -g | head -1)
	sz=$(stat -c %s "$W/$n.pcap")
	fp=$(fget "$W/$n.floor" packets) fs=$(fget "$W/$n.floor" best_s)
	fsn=$(fget "$W/$n.floorN" best_s)
	rowsN+=("$(printf '%-9s %2s threads | %8s pps %6s wall_s %6s cpu_s | x%s of 1 thread (wall), cpu x%s' \
		"$n" "$nt" "$(k0 "$(calc "$fp / $fsn")")" "$(f2 "$fsn")" "$(f2 "$fcn")" \
		"$(f2 "$(calc "$fs / $fsn")")" "$(f2 "$(calc "$fcn / $fc")")")")
	fsl=$(fget "$W/$n.floorL" best_s) w0=${WORKER_SET%% *}
	best_runs "$n" ".w$w0"
	rowsL+=("$(printf '%-9s | %8s pps %6s wall_s | x%s the time of limf'"'"'s crypto | limf/w%s ratio %s' \
		"$n" "$(k0 "$(calc "$fp / $fsl")")" "$(f2 "$fsl")" "$(f2 "$(calc "$fsl / $fs")")" \
		"$w0" "$(f2 "$(calc "$fsl / $best_wall")")")")
	if [ -f "$W/$n.hash" ]; then
		hb=$(sed -n 's/^bytes=\([0-9]*\) .*/\1/p' "$W/$n.hash")
		hs=$(sed -n 's/.* sha_s=\([0-9.]*\)$/\1/p' "$W/$n.hash")
		rowsH+=("$(printf '%-9s | bundle %7s MB | sha256 %6s s | x%s the floor'"'"'s wall | ratio at most %s' \
			"$n" "$(f2 "$(calc "$hb / 1000000")")" "$(f2 "$hs")" "$(f2 "$(calc "$hs / $fs")")" \
			"$(f2 "$(calc "$fs / $hs")")")")
	fi
	fprof=$(fget "$W/$n.floor" profile)
	for WORKERS in $WORKER_SET; do
		best_runs "$n" ".w$WORKERS"
		dec=$(jget "$W/$n.json" "j['summary']['decrypted']")
		af=$(jget "$W/$n.json" "j['summary']['auth_failed']")
		ci=$(jget "$W/$n.json" "j['summary']['calls_intercepted']")
		[ "$dec" = "$fp" ] || echo "  note: limf decrypted $dec packets, the floor $fp ($n)" >&2
		[ "$af" = 0 ] || echo "  note: limf: $af packets failed authentication ($n)" >&2
		lpps=$(calc "$fp / $best_wall") fpps=$(calc "$fp / $fs")
		rows+=("$(printf '%-9s %-23s %5s %8s %6s | %8s %6s %6s %6s %8s | %8s %6s %6s %8s | %5s %5s' \
			"$n/w$WORKERS" "$fprof" "$ci" "$fp" "$(f2 "$(calc "$sz / 1000000")")" \
			"$(k0 "$lpps")" "$(f2 "$(calc "$sz / $best_wall / 1000000")")" \
			"$(f2 "$best_wall")" "$(f2 "$best_cpu")" "$(k0 "$(calc "$fp / $best_cpu")")" \
			"$(k0 "$fpps")" "$(f2 "$fs")" "$(f2 "$fc")" "$(k0 "$(calc "$fp / $fc")")" \
			"$(f2 "$(calc "$lpps / $fpps")")" "$(f2 "$(calc "$fc / $best_cpu")")")")
	done
	WORKERS=1
done

# ---- 1b. where limf's time goes: the same replay (--workers 1) of 1 call of 1 s (start-up:
# process, database, KMS, signing the bundle), of ALL_CALLS calls of 1 s (+ the cost of a
# call: its warrant decision, audit rows, SAKKE and ECCSI, its files) and of the full capture
# (+ the cost of a packet); the floor's own cost of a packet beside it. The wall-clock ratio
# of a capture of C calls of N packets each is about floor_pkt * C * N / (start + C * call +
# C * N * pkt): it tends to floor_pkt / pkt as calls get longer.
rows1b=()
for n in all-g all-m; do
	k=${n#all-}
	prof=$([ "$k" = g ] && echo rfc6509 || echo mcx)
	gen "$n-1x1" "$k" "$prof" 1 0 1 "$A" "$B"
	gen "$n-Nx1" "$k" "$prof" "$ALL_CALLS" 0 1 "$A" "$B"
	replay "$n-1x1" "$k"
	w1=$best_wall
	replay "$n-Nx1" "$k"
	wn=$best_wall pn=$(jget "$W/$n-Nx1.json" "j['summary']['decrypted']")
	# the full capture: section 1's --workers 1 rounds
	if compgen -G "$W/$n.w1.r*.time" >/dev/null; then best_runs "$n" .w1; else replay "$n" "$k"; fi
	wa=$best_wall pa=$(jget "$W/$n.json" "j['summary']['decrypted']")
	fp=$(fget "$W/$n.floor" packets) fs=$(fget "$W/$n.floor" best_s)
	call_ms=$(calc "($wn - $w1) * 1000 / ($ALL_CALLS - 1)")
	pkt_us=$(calc "($wa - $wn) * 1000000 / ($pa - $pn)")
	fpkt_us=$(calc "$fs * 1000000 / $fp")
	rows1b+=("$(printf '%-6s %8s %8s %8s %8s | %6s' "$n" "$(f2 "$w1")" "$(f2 "$call_ms")" \
		"$(f2 "$pkt_us")" "$(f2 "$fpkt_us")" "$(f2 "$(calc "$fpkt_us / $pkt_us")")")")
done

# ---- 2./3. 1 % targets, and 10x that
rows2=()
for n in pc1 pc1x10; do
	if [ "$n" = pc1x10 ]; then
		replay "$n" g 1
	else
		# interleaved with the same replays under --verify-checksums (its peer: row 2b)
		rm -f "$W/$n".r*.time "$W/$n".vc.r*.time
		for r in $(seq "$RUNS"); do
			replay_once "$n" g "$r"
			replay_once "$n" g "$r" .vc --verify-checksums
		done
		best_runs "$n" .vc
		vc_wall=$best_wall vc_cpu=$best_cpu
		vc_drop=$(jget "$W/$n.json" "j['summary']['drops'].get('l4_checksum', 0)")
		best_runs "$n"
		pc1_wall=$best_wall pc1_cpu=$best_cpu
		pc1_sip=$(jget "$W/$n.json" "j['summary']['sip_messages']")
	fi
	sz=$(stat -c %s "$W/$n.pcap")
	frames=$(jget "$W/$n.json" "j['summary']['frames']")
	calls=$(jget "$W/$n.json" "j['summary']['calls']")
	ci=$(jget "$W/$n.json" "j['summary']['calls_intercepted']")
	dec=$(jget "$W/$n.json" "j['summary']['decrypted']")
	rows2+=("$(printf '%-7s %5s %4s %8s %6s %6s | %8s %6s %6s %6s %6s %8s | %9s' \
		"$n" "$calls" "$ci" "$frames" "$dec" "$(f2 "$(calc "$sz / 1000000")")" \
		"$(k0 "$(calc "$frames / $best_wall")")" \
		"$(f2 "$(calc "$sz / $best_wall / 1000000")")" \
		"$(f2 "$(calc "$sz * 8 / $best_wall / 1000000000")")" \
		"$(f2 "$best_wall")" "$(f2 "$best_cpu")" \
		"$(f2 "$(calc "$sz * 8 / $best_cpu / 1000000000")")" "$best_rss")")
done

echo "== bench-replay: limf replay --json --quiet, $(nproc) cores, best of $RUNS (pc1x10: 1 run)"
echo "-- 1. every call a target (warrant iri+cc on caller and callee) vs the floor (replay-floor: bare"
echo "   libsrtp2 srtp_unprotect of the same packets with the same keys, memcpy + unprotect);"
echo "   $RUNS rounds, each the floor then limf (interleaved), the best of each"
echo "   all-g: limf-gen --profile rfc6509 --calls $ALL_CALLS --background 0 --duration $ALL_DUR; all-m: the same, --profile mcx"
printf '%-9s %-23s %5s %8s %6s | %8s %6s %6s %6s %8s | %8s %6s %6s %8s | %5s %5s\n' capture profile \
	calls srtp_pkt MB limf_pps MB/s wall_s cpu_s pps/cpu floor_pp wall_s cpu_s pps/cpu ratio r_cpu
for r in "${rows[@]}"; do echo "$r"; done
echo "   ratio = limf pps / floor pps, wall clock (target >= 0.70); r_cpu = the same per CPU second;"
echo "   /wN: limf replay --workers N (N pipeline threads, calls dispatched between them)"
echo "-- the floor on $(nproc) threads (replay-floor --threads $(nproc): each thread its share of the streams):"
echo "   how much more libsrtp2 itself decrypts with more cores, the peer of --workers $(nproc)"
for r in "${rowsN[@]}"; do echo "   $r"; done
echo "-- the floor on libsrtp2's own AES and HMAC-SHA1 (replay-floor --crypto libsrtp: Debian builds it on"
echo "   NSS), i.e. a bare libsrtp2 as shipped, and limf (the first of --workers $WORKER_SET) against it:"
for r in "${rowsL[@]}"; do echo "   $r"; done
echo "-- the evidence itself (the --workers 1 bundle of round 1): its size and SHA-256 of its files"
echo "   (openssl dgst, the same OpenSSL limf hashes with), which the manifest requires: a limf doing"
echo "   nothing but hash what it must write could reach at most floor / sha256 (one core)"
for r in "${rowsH[@]}"; do echo "   $r"; done
echo "-- 1b. where limf's time goes (--workers 1, best wall of $RUNS): start-up = a replay of 1 call of 1 s;"
echo "   call = (a replay of $ALL_CALLS calls of 1 s - start-up) / $((ALL_CALLS - 1)); packet = (the full capture - that) per"
echo "   packet decrypted; the floor's packet beside it; limit = floor/limf per packet, the ratio long calls tend to"
printf '%-6s %8s %8s %8s %8s | %6s\n' capture start_s call_ms pkt_us floor_us limit
for r in "${rows1b[@]}"; do echo "$r"; done
echo "-- 2./3. 1 % of calls targets, rfc6509, --duration $BG_DUR: pc1 --calls 1 --background $((BG_CALLS - 1));"
echo "   pc1x10 --calls 10 --background $((big - 10)) (10x the capture, as many calls at a time)"
printf '%-7s %5s %4s %8s %6s %6s | %8s %6s %6s %6s %6s %8s | %9s\n' capture calls tgt frames decr MB \
	frames/s MB/s Gbit/s wall_s cpu_s Gb/cpu-s maxRSS_KB
for r in "${rows2[@]}"; do echo "$r"; done
echo "   Gbit/s = capture octets x 8 / wall time; Gb/cpu-s per CPU second (DESIGN.md s8: >= 1 Gbit/s per core)"
echo "-- 2b. the cost of --verify-checksums (SIP and TCP checksums summed), pc1 with it, interleaved with"
echo "   the row above (best of $RUNS each): time with / time without"
printf '   pc1 --verify-checksums | %s SIP messages | wall %s s cpu %s s | x%s wall x%s cpu | dropped %s\n' \
	"$pc1_sip" "$(f2 "$vc_wall")" "$(f2 "$vc_cpu")" "$(f2 "$(calc "$vc_wall / $pc1_wall")")" \
	"$(f2 "$(calc "$vc_cpu / $pc1_cpu")")" "$vc_drop"

if [ "${BENCH_PERF:-0}" = 1 ] && command -v perf >/dev/null; then
	for n in all-g all-m; do
		echo "-- perf record limf replay $n: top functions (self, % of samples)"
		# shellcheck disable=SC2046
		env LIMF_DB="$LIMF_DB_SERVICE" perf record -o "$W/perf-$n.data" -F 1999 -- "$limf" \
			replay --sign-key "$W/sign.pem" $(kopts "${n#all-}") --quiet --out "$W/ev-perf-$n" \
			"$W/$n.pcap" >/dev/null 2>"$W/perf-$n.err" || die "perf record $n failed"
		perf report -i "$W/perf-$n.data" --no-children --sort dso,symbol --stdio 2>/dev/null |
			grep -E '^ +[0-9.]+%' | head -"${BENCH_PERF_TOP:-25}"
		rm -rf "$W/ev-perf-$n"
	done
fi
exit 0
