#!/bin/bash
# Runs every test binary and every fuzz corpus replay, then prints the grand total as the last
# line: "N passed, N failed". Usage: run-tests.sh TEST_BIN... -- FUZZ_ENTRY...
set -u
BUILD=${BUILD:-build}
pass=0 fail=0
run_one() {
	local name=$1; shift
	local out rc last p f
	out=$("$@" 2>&1); rc=$?
	last=$(printf '%s\n' "$out" | tail -n 1)
	if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
		p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]}
	else
		p=0 f=1
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	pass=$((pass + p)) fail=$((fail + f))
	if [ "$f" -ne 0 ]; then
		printf '%s\n' "$out" | tail -n 40
		printf 'FAIL %-28s %s passed, %s failed (exit %s)\n' "$name" "$p" "$f" "$rc"
	else
		printf 'ok   %-28s %s passed, %s failed\n' "$name" "$p" "$f"
	fi
}
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
	run_one "$(basename "$1")" "$1"
	shift
done
[ $# -gt 0 ] && shift
for e in "$@"; do
	run_one "corpus/$e" "$BUILD/tests/replay_$e" tests/corpus/"$e"
done
for s in tests/cli/test_*.sh; do
	[ -e "$s" ] || continue
	run_one "$(basename "$s" .sh)" env BUILD="$BUILD" bash "$s"
done
# the pool (limf/pool.h): replay's calls dispatched to 3 pipeline threads (its default is one),
# the same checks; limf capture runs a pool with a capture thread per source by default, so
# its end-to-end tests run again on one thread
for s in test_replay test_group; do
	run_one "$s/workers3" env BUILD="$BUILD" LIMF_WORKERS=3 bash "tests/cli/$s.sh"
done
for s in test_live test_capture test_resume; do
	run_one "$s/workers1" env BUILD="$BUILD" LIMF_WORKERS=1 bash "tests/cli/$s.sh"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
