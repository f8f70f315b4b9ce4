# Shared harness of the CLI tests (sourced by tests/cli/test_*.sh; scripts/run-tests.sh reads
# the "N passed, N failed" line that `finish` prints last).
#   expect STATUS NAME CMD...   run CMD (stdout to $tmp/out, stderr to $tmp/err), check its exit
#   has NAME REGEX / hasnt NAME REGEX   grep the last command's stdout and stderr
#   pyjson NAME EXPR            queue a Python check over j = the JSON in $tmp/out; all queued
#                               checks run in one python3 process in `finish` (start-up is slow)
#   finish                      run the JSON checks, print the totals, return the status
BUILD=${BUILD:-build}
limf=$BUILD/limf
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0 nj=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
show_out() { sed 's/^/    /' "$tmp/out" "$tmp/err" | head -"${1:-20}" >&2; }
expect() {
	local want=$1 name=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	local got=$?
	if [ "$got" -eq "$want" ]; then ok; else bad "$name: exit $got, want $want"; show_out; fi
}
has() { if cat "$tmp/out" "$tmp/err" | grep -q -- "$2"; then ok; else bad "$1: output lacks '$2'"; show_out 30; fi; }
hasnt() { if cat "$tmp/out" "$tmp/err" | grep -q -- "$2"; then bad "$1: output has '$2'"; else ok; fi; }
pyjson() {
	nj=$((nj + 1))
	cp "$tmp/out" "$tmp/j.$nj"
	printf '%s\t%s\t%s\n' "$1" "$tmp/j.$nj" "$2" >>"$tmp/checks"
}
run_pyjson() {
	[ -f "$tmp/checks" ] || return 0
	local res line
	res=$(python3 - "$tmp/checks" <<'PY'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    name, path, expr = line.rstrip("\n").split("\t", 2)
    try:
        j = json.load(open(path, encoding="utf-8"))
        good = bool(eval(expr))
    except Exception as e:
        good = False
        expr += " (" + repr(e) + ")"
    print("ok" if good else "FAIL %s: JSON check failed: %s" % (name, expr))
PY
)
	while IFS= read -r line; do
		if [ "$line" = ok ]; then ok; else fail=$((fail + 1)); echo "$line" >&2; fi
	done <<<"$res"
	[ "$(grep -c . <<<"$res")" -eq "$nj" ] || bad "python3 JSON checks did not all run"
}
finish() {
	run_pyjson
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
