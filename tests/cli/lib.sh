# Shared harness of the CLI tests (sourced by tests/cli/test_*.sh; scripts/run-tests.sh reads
# the "N passed, N failed" line that `finish` prints last).
#   expect STATUS NAME CMD...   run CMD (stdout to $tmp/out, stderr to $tmp/err), check its exit
#   has NAME REGEX / hasnt NAME REGEX   grep the last command's stdout and stderr
#   pyjson NAME EXPR            queue a Python check over j = the JSON in $tmp/out; all queued
#                               checks run in one python3 process in `finish` (start-up is slow)
#   finish                      run the JSON checks, print the totals, return the status
# shellcheck shell=bash disable=SC2034 # it sets variables for the scripts that source it
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
from datetime import datetime
def ts(s):
    """limf's ISO 8601 time as a datetime: compare these, not the strings (a whole second is
    written without a fraction, and "..:05Z" sorts after "..:05.000021Z")"""
    return datetime.fromisoformat(s)
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

# ---- shared by the end-to-end scripts (test_replay, test_handover, test_capture) ----
# kms_up DIR SCHEME [KMS-URI [INIT-ARG...]]: `limf-kms init DIR` (further arguments, e.g.
# --valid-from, passed on) and serve it on 127.0.0.1 (port in DIR/port,
# request log DIR/log, pid in DIR/pid); counts ok/bad.
kms_up() {
	local d=$1 s=$2 u=${3:-kms.$(basename "$1").test}
	shift 2
	[ $# -gt 0 ] && shift
	"$BUILD/limf-kms" init "$d" --scheme "$s" --kms-uri "$u" --period 2592000 "$@" \
		>/dev/null || bad "limf-kms init $d"
	"$BUILD/limf-kms" serve --community "$d/community.json" --cert "$d/server.pem" \
		--key "$d/server.key" --ca "$d/ca.pem" --listen 127.0.0.1:0 --port-file "$d/port" \
		--log "$d/log" 2>"$d/serve.err" &
	echo $! >"$d/pid"
	for _ in $(seq 100); do [ -s "$d/port" ] && break; sleep 0.05; done
	if [ -s "$d/port" ]; then ok; else bad "limf-kms serve $d did not start"; fi
	touch "$d/log"
}
# conf_db_kms DIR: the [database] (the service role of the private cluster) and [kms] (the KMS
# kms_up started in DIR, mutual TLS) sections of a limf.conf, on stdout.
conf_db_kms() {
	cat <<EOF
[database]
conninfo = $LIMF_DB_SERVICE
[kms]
url  = https://127.0.0.1:$(cat "$1/port")
ca   = $1/ca.pem
cert = $1/client.pem
key  = $1/client.key
EOF
}
# kms_down DIR: stops what kms_up started.
kms_down() {
	kill -TERM "$(cat "$1/pid" 2>/dev/null)" 2>/dev/null
}
# lemf_up OUT.jsonl [HI2 HI3 [ARG...]]: a test LEMF (further limf-lemf arguments, e.g. its TLS
# files, after the addresses); sets lpid and the ports p2 p3 (0 when it failed).
lemf_up() {
	rm -f "$tmp/ports"
	"$BUILD/limf-lemf" --out "$1" --port-file "$tmp/ports" --hi2 "${2:-127.0.0.1:0}" \
		--hi3 "${3:-127.0.0.1:0}" "${@:4}" 2>"$1.err" &
	lpid=$!
	for _ in $(seq 100); do [ -s "$tmp/ports" ] && break; sleep 0.05; done
	read -r p2 p3 <"$tmp/ports" 2>/dev/null || { p2=0 p3=0; }
}
# pg_cluster_dir: the directory of the cluster LIMF_DB_SERVICE names, the parent of its socket
# directory (scripts/pg-test.sh, limf db local); each lane of scripts/run-tests.sh has its own
pg_cluster_dir() {
	local r
	r=$(sed -n 's/.*host=\([^ ]*\).*/\1/p' <<<"$LIMF_DB_SERVICE")
	echo "${r%/run}"
}
# need_cluster: the end-to-end scripts run against the private cluster of `make test`
# (scripts/pg-test.sh exports LIMF_DB_*): without it one failure and the totals, and the script
# ends; with it LIMF_DB is the operator's connection.
need_cluster() {
	if [ -z "${LIMF_DB_SERVICE:-}" ] || [ -z "${LIMF_DB_OPERATOR:-}" ]; then
		bad "LIMF_DB_SERVICE/OPERATOR are not set: run through make test (scripts/pg-test.sh run)"
		finish
		exit
	fi
	export LIMF_DB=$LIMF_DB_OPERATOR
}

# ---- shared by the live-service scripts (test_capture, test_reload, test_resume, test_status,
# test_x2x3): a `limf capture` run against the private cluster, the test KMS and a test LEMF ----
# iso EPOCH: that second in ISO 8601 UTC (warrant windows, limf-gen --start)
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
# wait_for FILE REGEX [TENTHS]: until FILE has a line matching REGEX (at most TENTHS tenths of
# a second, 100 by default); status 1 when it has none by then
wait_for() {
	for _ in $(seq "${3:-100}"); do grep -q -- "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}
# pcap_span PCAP: the seconds from its first frame to its last, on stdout
pcap_span() {
	python3 - "$1" <<'PY'
import struct, sys
raw = open(sys.argv[1], "rb").read()
magic = struct.unpack_from("<I", raw, 0)[0]
div = 1e9 if magic == 0xa1b23c4d else 1e6
off, ts = 24, []
while off + 16 <= len(raw):
    s, f, incl = struct.unpack_from("<III", raw, off)
    ts.append(s + f / div)
    off += 16 + incl
print("%.3f" % (max(ts) - min(ts)))
PY
}
# pcap_merge OUT IN...: the frames of the pcaps IN (all with the same file header) in one pcap
# OUT, in time order; status 1 when the headers differ
pcap_merge() {
	python3 - "$@" <<'PY'
import struct, sys
recs, head = [], None
for f in sys.argv[2:]:
    raw = open(f, "rb").read()
    head = head or raw[:24]
    assert raw[:24] == head, "link types differ"
    off = 24
    while off + 16 <= len(raw):
        s, frac, incl = struct.unpack_from("<III", raw, off)
        recs.append((s, frac, raw[off:off + 16 + incl]))
        off += 16 + incl
recs.sort(key=lambda r: (r[0], r[1]))
open(sys.argv[1], "wb").write(head + b"".join(r[2] for r in recs))
PY
}
# live_init: need_cluster; gen (limf-gen); sfx (this run's suffix for names and LIIDs); the pids
# cpid (limf capture), lpid (limf-lemf), kpid (limf-kms) empty, and live_cleanup as the EXIT
# trap; NOW, and FROM TO: a warrant window from an hour before it to a day after
live_init() {
	need_cluster
	gen=$BUILD/limf-gen
	sfx=$$
	cpid='' lpid='' kpid=''
	trap live_cleanup EXIT
	NOW=$(date +%s)
	FROM=$(iso $((NOW - 3600))) TO=$(iso $((NOW + 86400)))
}
# live_kms NAME: kms_up of the test KMS in $tmp/k (scheme rfc6509, KMS URI kms.NAME.test), its
# pid in kpid
live_kms() {
	kms_up "$tmp/k" rfc6509 "kms.$1.test"
	kpid=$(cat "$tmp/k/pid")
}
# live_cleanup: kills what cpid, lpid and kpid name, copies $tmp to $KEEP when set, removes
# $tmp. A script with more to stop traps a cleanup of its own that ends by calling it.
live_cleanup() {
	[ -n "$cpid" ] && kill -KILL "$cpid" 2>/dev/null
	[ -n "$lpid" ] && kill "$lpid" 2>/dev/null
	[ -n "$kpid" ] && kill "$kpid" 2>/dev/null
	[ -n "${KEEP:-}" ] && cp -a "$tmp" "$KEEP"
	rm -rf "$tmp"
}
# conf_live KMSDIR OP SPOOL [NE]: the start of a live service's limf.conf, on stdout:
# conf_db_kms KMSDIR, then [handover] with operator OP and spool directory SPOOL (and with NE,
# network element NE in country GB)
conf_live() {
	conf_db_kms "$1"
	printf '[handover]\noperator_id = %s\n' "$2"
	[ -z "${4:-}" ] || printf 'network_element_id = %s\ncountry = GB\n' "$4"
	printf 'spool_dir = %s\n' "$3"
}
# conf_authority NAME HI2 HI3 [LINE...]: an [authority NAME] section delivering to HI2 and HI3,
# on stdout; the LINEs follow (e.g. its TLS files), or without them insecure_plaintext (a test
# LEMF listens on plain TCP)
conf_authority() {
	printf '[authority %s]\nhi2 = %s\nhi3 = %s\n' "$1" "$2" "$3"
	if [ $# -gt 3 ]; then
		printf '%s\n' "${@:4}"
	else
		echo "insecure_plaintext = yes ; the test LEMF listens on plain TCP"
	fi
}
# warrant LIID TARGET [ARG...]: `limf warrant add` of an iri+cc warrant FROM..TO delivered to
# lemf1 (further arguments, e.g. --xid, passed on); its status
warrant() {
	"$limf" warrant add --liid "$1" --authority Court --ref "R-$1" --country GB --from "$FROM" \
		--to "$TO" --scope iri+cc --delivery lemf1 --target "$2" "${@:3}" >/dev/null
}
# many_warrants add|revoke PREFIX N: 8 warrants (warrant) on each of N targets, target T
# sip:many<T>-$sfx@example.org, LIIDs PREFIX-T-1..8 (a call carries 8 LIIDs at most); or
# their revocation (one `limf warrant revoke` of them all)
many_warrants() {
	local t i l=()
	for t in $(seq "$3"); do
		for i in $(seq 8); do
			if [ "$1" = add ]; then
				warrant "$2-$t-$i" "sip:many$t-$sfx@example.org" || bad "warrant add $2-$t-$i"
			else
				l+=("$2-$t-$i")
			fi
		done
	done
	if [ "$1" != add ]; then
		"$limf" warrant revoke "${l[@]}" --reason "test: done" >/dev/null || bad "revoke $2-*"
	fi
}
# many_calls OUT T0 STEP DUR TARGET...: a 1-call capture of each many_warrants TARGET (the
# caller; callee sip:mo$sfx@example.org) starting STEP s after the one before (the first at
# T0, UNIX seconds), DUR s long (the last one's: "A,B" for A s each and B s the last), merged
# into OUT
many_calls() {
	local out=$1 t0=$2 step=$3 dur=${4%,*} last=${4#*,} k=0 t parts=()
	shift 4
	for t in "$@"; do
		k=$((k + 1))
		[ "$k" -eq "$#" ] && dur=$last
		"$gen" --community "$tmp/k/community.json" --out "$out.$k" --calls 1 --duration "$dur" \
			--caller "sip:many$t-$sfx@example.org" --callee "sip:mo$sfx@example.org" \
			--start "$(iso $((t0 + step * (k - 1))))" --seed $((100 + k)) >/dev/null ||
			bad "limf-gen $out.$k"
		parts+=("$out.$k")
	done
	pcap_merge "$out" "${parts[@]}" || bad "merge $out"
}
# many_lemf NAME LEMF_JSONL PREFIX N TWICE: waits up to 10 s for, and counts, the LEMF having
# IRI (key management among it) and CC of all N LIIDs PREFIX-*, each (LIID, CIN, IRI|CC)
# numbered from 0, the LIIDs of target TWICE under two CINs and the others under one
many_lemf() {
	cat >"$tmp/many.py" <<'PY'
import collections, json, sys
f, prefix, n, twice = sys.argv[1], sys.argv[2] + "-", int(sys.argv[3]), sys.argv[4]
mine = [l for l in map(json.loads, open(f)) if l.get("liid", "").startswith(prefix) and "seq" in l]
seqs, cins, kinds = collections.defaultdict(list), collections.defaultdict(set), collections.defaultdict(set)
for l in mine:
    seqs[(l["liid"], l["kind"] == "cc", l["cin"])].append(l["seq"])
    cins[l["liid"]].add(l["cin"])
    kinds[l["liid"]].add(l["kind"])
assert len(kinds) == n, "%d LIIDs got records" % len(kinds)
for k, s in seqs.items():
    assert s == list(range(len(s))), (k, s[:10])
for l, c in cins.items():
    assert len(c) == (2 if l.startswith(prefix + twice + "-") else 1), (l, c)
    assert {"iri", "iri_keymgmt", "cc"} <= kinds[l], (l, kinds[l])
print("ok")
PY
	for _ in $(seq 50); do python3 "$tmp/many.py" "${@:2}" >/dev/null 2>&1 && break; sleep 0.2; done
	expect 0 "$1" python3 "$tmp/many.py" "${@:2}"
}
# capture NAME ARGS...: `limf capture --config $tmp/limf.conf ARGS...` in the background,
# stdout and stderr to $tmp/NAME.out and $tmp/NAME.err; its pid in cpid.
# capture_conf CONF NAME ARGS...: the same with the configuration file CONF
capture() { capture_conf "$tmp/limf.conf" "$@"; }
capture_conf() {
	local cf=$1 name=$2
	shift 2
	"$limf" capture --config "$cf" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" </dev/null &
	cpid=$!
}
# reap NAME WANT: waits for the capture cpid names, counts whether it exited WANT (else the end
# of $tmp/NAME.err is shown); cpid emptied
reap() {
	wait "$cpid"
	local got=$?
	cpid=''
	if [ "$got" -eq "$2" ]; then ok; else bad "$1: exit $got, want $2"; sed 's/^/    /' "$tmp/$1.err" | tail -20 >&2; fi
}
# lemf_down: stops the LEMF lemf_up started (lpid) and counts its exit status
lemf_down() {
	kill -TERM "$lpid" 2>/dev/null
	if wait "$lpid"; then ok; else bad "limf-lemf exit status"; fi
	lpid=''
}
# live_kms_down: stops the KMS kpid names and waits for it
live_kms_down() {
	kill -TERM "$kpid" 2>/dev/null
	wait "$kpid" 2>/dev/null
	kpid=''
}
