#!/bin/bash
# Capture benchmark (issue 3 "Benchmark"), run by `make bench`:
#   1. frames per second through capture/ (`limf scan`: link/IP/UDP/TCP decoding, SIP and SDP
#      parsing, the call table, media binding) on a generated capture of mostly non-target
#      calls, side by side with `tshark -r` reading and dissecting the same file, and the
#      ratio;
#   2. peak memory (max RSS) of `limf scan` on that capture and on one 10x larger: it must stay
#      flat (the call table holds the calls in progress, not the file).
# Sizes (environment): BENCH_CAP_CALLS=200 BENCH_CAP_DUR=30 (limf-gen starts a call every
# 0.5 s, so the 10x capture has the same calls at a time), BENCH_RUNS=3 (best of N for limf).
# Writes under $BUILD/bench-capture/.
set -u
BUILD=${BUILD:-build}
limf=$BUILD/limf gen=$BUILD/limf-gen kms=$BUILD/limf-kms
W=$BUILD/bench-capture
CALLS=${BENCH_CAP_CALLS:-200} DUR=${BENCH_CAP_DUR:-30} RUNS=${BENCH_RUNS:-3}
die() {
	echo "bench-capture: $*" >&2
	exit 1
}
for b in "$limf" "$gen" "$kms"; do [ -x "$b" ] || die "$b not built"; done
[ -x /usr/bin/time ] || die "/usr/bin/time is needed (apt-get install time)"
rm -rf "$W"
mkdir -p "$W"
"$kms" init "$W/k" --scheme rfc6509 --kms-uri kms.bench.test >/dev/null || die "limf-kms init"

gen_cap() { # NAME CALLS
	"$gen" --community "$W/k/community.json" --out "$W/$1.pcap" --calls 1 --background "$2" \
		--duration "$DUR" --start 2026-03-15T12:00:00Z --seed 7 >/dev/null || die "limf-gen $1"
}
gen_cap c1 "$CALLS"
gen_cap c10 $((CALLS * 10))

# wall seconds of one run of a command (stdout discarded), with /usr/bin/time's max RSS
run() { # OUT CMD...
	/usr/bin/time -f '%e %M' -o "$1" "${@:2}" >/dev/null 2>&1
}
best() { # CMD...: best wall time of $RUNS runs, and the max RSS of the last
	local b='' w m
	for _ in $(seq "$RUNS"); do
		run "$W/t" "$@"
		read -r w m <"$W/t"
		if [ -z "$b" ] || awk -v a="$w" -v b="$b" 'BEGIN{exit !(a<b)}'; then b=$w; fi
	done
	echo "$b $m"
}
frames=$("$limf" scan --json "$W/c1.pcap" | python3 -c 'import json,sys; print(json.load(sys.stdin)["counts"]["frames"])')
bytes=$(stat -c %s "$W/c1.pcap")
read -r lw lm < <(best "$limf" scan "$W/c1.pcap")
tshark_ok=1
command -v tshark >/dev/null || tshark_ok=0
if [ "$tshark_ok" = 1 ]; then
	run "$W/t" tshark -r "$W/c1.pcap"
	read -r tw tm <"$W/t"
fi
run "$W/t" "$limf" scan "$W/c10.pcap"
read -r lw10 lm10 <"$W/t"
frames10=$("$limf" scan --json "$W/c10.pcap" | python3 -c 'import json,sys; print(json.load(sys.stdin)["counts"]["frames"])')

python3 - "$frames" "$bytes" "$lw" "$lm" "${tw:-0}" "${tm:-0}" "$frames10" "$lw10" "$lm10" \
	"$CALLS" "$DUR" "$tshark_ok" <<'PY'
import sys
f, b, lw, lm, tw, tm, f10, lw10, lm10, calls, dur, ts = sys.argv[1:]
f, b, f10 = int(f), int(b), int(f10)
lw, tw, lw10 = max(float(lw), 1e-3), max(float(tw), 1e-3), max(float(lw10), 1e-3)
print("== capture: limf scan vs tshark -r (%s background calls + 1, %s s each)" % (calls, dur))
print("  %-26s %10s %12s %9s %9s %10s" % ("", "frames", "frames/s", "MB/s", "Gbit/s", "max RSS"))
print("  %-26s %10d %12.0f %9.1f %9.2f %8s KB" % ("limf scan (best of runs)", f, f / lw,
      b / lw / 1e6, b * 8 / lw / 1e9, lm))
if ts == "1":
    print("  %-26s %10d %12.0f %9.1f %9.2f %8s KB" % ("tshark -r", f, f / tw, b / tw / 1e6,
          b * 8 / tw / 1e9, tm))
    print("  ratio limf/tshark: %.1fx" % (tw / lw))
else:
    print("  tshark not installed: no ratio")
print("  %-26s %10d %12.0f %9s %9s %8s KB" % ("limf scan, 10x capture", f10, f10 / lw10, "", "",
      lm10))
print("  peak memory 10x / 1x: %.2f" % (int(lm10) / max(int(lm), 1)))
PY
