#!/bin/bash
# Runs every test binary and every fuzz corpus replay, then prints the grand total as the last
# line: "N passed, N failed". Usage: run-tests.sh TEST_BIN... -- FUZZ_ENTRY...
#
# The suites run in TEST_JOBS lanes at once (default: one more than the cores; 1 runs them
# one after the other): most end-to-end suites spend their time waiting (captures played at
# recorded speed, a PostgreSQL restart, timers), not computing. On a 2-core machine make test
# kept 1.0 core busy with 2 lanes (12m52s) and 1.3 with 3 (10m59s), check-asan 1.6 with 3
# (14m33s); ci-fresh took 2069 s with 2 lanes in file order, 1625 s with 3 longest first.
# Lane 1 uses the cluster this script was started with (scripts/pg-test.sh run exports
# LIMF_DB_*); every further lane runs this script again (--lane K) inside a private cluster of
# its own under $BUILD/pg-laneK, so no two suites ever share a database, and test_gate's
# restart of its cluster stops no one else's.
# Lanes take the next chain of suites not taken yet, the longest first; the suites that
# capture on the loopback interface and count what they see there (test_capture, test_privs)
# are one chain, run one after the other. One line per suite as it ends ("ok"/"FAIL", counts,
# seconds, lane); the last 40 lines of each failed suite follow, then the total.
set -u
BUILD=${BUILD:-build}
self=$(readlink -f "$0")
lane=1 res=
if [ "${1:-}" = --lane ]; then
	lane=$2 res=$3
	shift 3
fi
argv=("$@")

# ---- the jobs (names[i], cmds[i]: the words quoted with %q; keys[i]: the name, unit/NAME for
# a test binary, for the seconds below) and the chains (indexes)
names=() cmds=() keys=() chains=() kind=
add() { # NAME CMD...
	names+=("$1")
	cmds+=("$(printf '%q ' "${@:2}")")
	keys+=("${kind:-}$1")
}
last() { echo $((${#names[@]} - 1)); }
for s in tests/cli/test_*.sh; do
	[ -e "$s" ] || continue
	n=$(basename "$s" .sh)
	case $n in
	test_capture | test_privs) continue ;;
	esac
	add "$n" env BUILD="$BUILD" bash "$s"
	chains+=("$(last)")
done
# the pool (limf/pool.h): replay's calls dispatched to 3 pipeline threads (its default is one),
# the same checks; limf capture runs a pool with a capture thread per source by default, so
# its end-to-end tests run again on one thread. Under ASan (LIMF_T_SAN=1, make check-asan)
# the one-thread reruns are left out: one pipeline thread is replay's default, which the
# suites run under ASan already, and they took 390 of the 2950 s its lanes ran in CI (the
# capture chain alone 630 s). The threaded reruns stay: memory errors between threads.
one_thread=1
[ "${LIMF_T_SAN:-}" = 1 ] && one_thread=0
for s in test_replay test_group; do
	add "$s/workers3" env BUILD="$BUILD" LIMF_WORKERS=3 bash "tests/cli/$s.sh"
	chains+=("$(last)")
done
for s in test_live test_resume; do
	[ $one_thread = 1 ] || continue
	add "$s/workers1" env BUILD="$BUILD" LIMF_WORKERS=1 bash "tests/cli/$s.sh"
	chains+=("$(last)")
done
c=()
for s in test_capture test_privs; do
	[ -e "tests/cli/$s.sh" ] || continue
	add "$s" env BUILD="$BUILD" bash "tests/cli/$s.sh"
	c+=("$(last)")
done
if [ -e tests/cli/test_capture.sh ] && [ $one_thread = 1 ]; then
	add test_capture/workers1 env BUILD="$BUILD" LIMF_WORKERS=1 bash tests/cli/test_capture.sh
	c+=("$(last)")
fi
[ ${#c[@]} -gt 0 ] && chains+=("${c[*]}")
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
	kind=unit/ add "$(basename "$1")" "$1"
	chains+=("$(last)")
	shift
done
[ $# -gt 0 ] && shift
for e in "$@"; do
	add "corpus/$e" "$BUILD/tests/replay_$e" tests/corpus/"$e"
	chains+=("$(last)")
done

# ---- the chains, longest first: a lane that is free takes the next one, so the longest go
# first and the short fill in at the end (a chain started last that runs for minutes keeps
# the others waiting for it: the capture chain, last, made make test 2 minutes longer).
# Seconds each suite took in ci-fresh's make test (3 lanes, build/), only their order used;
# a job not listed counts 30 s (a new end-to-end suite is not left to the end), a corpus
# replay 1 s (they take a second or less, and come last).
declare -A secs=(
	[test_warrant_window]=246 [test_capture/workers1]=188 [test_capture]=165
	[test_replay/workers3]=163 [test_replay]=129 [test_status]=117 [test_gate]=110
	[test_group/workers3]=102 [test_group]=99 [test_gen]=83 [test_reload]=72
	[unit/test_warrants]=49 [test_live/workers1]=47 [test_live]=43 [test_handover]=41
	[test_x2x3]=37 [test_scale]=28 [test_lemf]=27 [test_warrant]=25 [test_resume]=25
	[test_resume/workers1]=24 [test_privs]=21 [test_kms]=11 [unit/test_handover]=11
	[test_verify]=9 [test_scan]=7 [unit/test_capture]=6 [test_mikey]=5 [unit/test_decrypt]=3
	[unit/test_limf]=1 [unit/test_common]=1
)
sorted=()
while read -r _ k; do sorted+=("${chains[$k]}"); done < <(
	for k in "${!chains[@]}"; do
		w=0
		for i in ${chains[$k]}; do
			case ${keys[$i]} in
			corpus/*) w=$((w + ${secs[${keys[$i]}]:-1})) ;;
			*) w=$((w + ${secs[${keys[$i]}]:-30})) ;;
			esac
		done
		echo "$w $k"
	done | sort -s -k1,1nr -k2,2n
)
chains=("${sorted[@]}")

# ---- one job: its output to $res/I.out, "passed failed exit" to $res/I.sum, a line to stdout
run_job() { # I
	local i=$1 rc lastl p f t0 t1
	t0=$(date +%s.%N)
	eval "${cmds[$i]}" >"$res/$i.out" 2>&1 </dev/null
	rc=$?
	t1=$(date +%s.%N)
	lastl=$(tail -n 1 "$res/$i.out")
	if [[ $lastl =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
		p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]}
	else
		p=0 f=1
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	echo "$p $f $rc" >"$res/$i.sum"
	printf '%-4s %-28s %s passed, %s failed (%.1f s, lane %s)\n' \
		"$([ "$f" -eq 0 ] && echo ok || echo FAIL)" "${names[$i]}" "$p" "$f" \
		"$(echo "$t1 - $t0" | bc -l)" "$lane"
}
# a lane: takes chains in order, each one no other lane has taken (mkdir is atomic)
run_lane() {
	local k i
	touch "$res/lane.$lane"
	for k in "${!chains[@]}"; do
		mkdir "$res/chain.$k" 2>/dev/null || continue
		for i in ${chains[$k]}; do run_job "$i"; done
	done
}

if [ -n "$res" ]; then
	run_lane
	exit 0
fi

lanes=${TEST_JOBS:-}
if ! [[ $lanes =~ ^[1-9][0-9]*$ ]]; then
	lanes=$(($(nproc 2>/dev/null || echo 1) + 1))
fi
res=$(mktemp -d)
trap 'rm -rf "$res"' EXIT
pids=()
for ((k = 2; k <= lanes; k++)); do
	BUILD=$BUILD "$(dirname "$self")/pg-test.sh" run "$BUILD/pg-lane$k" \
		"$self" --lane "$k" "$res" "${argv[@]}" &
	pids+=($!)
done
run_lane
for p in "${pids[@]}"; do wait "$p"; done

pass=0 fail=0
for ((k = 2; k <= lanes; k++)); do
	if [ ! -e "$res/lane.$k" ]; then
		echo "FAIL lane $k: no PostgreSQL cluster under $BUILD/pg-lane$k (its suites ran in the other lanes)"
		fail=$((fail + 1))
	fi
done
for i in "${!names[@]}"; do
	if [ ! -e "$res/$i.sum" ]; then
		echo "FAIL ${names[$i]}: did not run"
		fail=$((fail + 1))
		continue
	fi
	read -r p f rc <"$res/$i.sum"
	pass=$((pass + p)) fail=$((fail + f))
	if [ "$f" -ne 0 ]; then
		echo "---- ${names[$i]}: $p passed, $f failed (exit $rc), its last 40 lines:"
		tail -n 40 "$res/$i.out"
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
