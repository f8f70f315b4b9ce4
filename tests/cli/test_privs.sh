#!/bin/bash
# Dropping root (issue 8 "Operations", limf/privs.h): started as root with [service] user,
# `limf capture` opens its sources, then runs as that user for good.
#   1. -i lo: /proc/PID/status shows the user's uid/gid/groups everywhere, CapEff = CapPrm =
#      CapBnd = none (CAP_NET_RAW is not needed once the socket is open), no ambient or inheritable, NoNewPrivs 1; the datagrams sent
#      to lo:5099 are still captured (the summary counts them)
#   2. --pcap only (with --record): no capability at all; the bundle is the user's and verifies;
#      its signing key may be root's alone, read at the start (replaced during the run, the
#      bundle is still signed by the first); the control socket is the user's (it can run
#      limf status), a socket left behind is said
#   3. refusals at start (exit 1, a clear message): spool_dir or --record not writable by the
#      user, a KMS key, limf.conf itself or an [x2x3] key it cannot read (each SIGHUP re-reads
#      them as the user), an unknown user or group, user = root, group alone
#   4. root without [service] user: a loud warning, runs; not root (runuser): no drop, works
# Needs root (else skipped) and the private PostgreSQL cluster: run through scripts/pg-test.sh.
# Prints "N passed, N failed".
set -u
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" -ne 0 ]; then
	echo "note: test_privs needs root: skipped" >&2
	finish
	exit
fi
if [ -z "${LIMF_DB_SERVICE:-}" ]; then
	bad "LIMF_DB_SERVICE is not set: run through make test (scripts/pg-test.sh run)"
	finish
	exit
fi
U=nobody
if ! uid=$(id -u "$U" 2>/dev/null); then
	echo "note: no user $U: test_privs skipped" >&2
	finish
	exit
fi
gid=$(id -g "$U")
limf=$(readlink -f "$limf")
cpid=''
cleanup() {
	[ -n "$cpid" ] && kill -KILL "$cpid" 2>/dev/null
	[ -n "${KEEP:-}" ] && cp -a "$tmp" "$KEEP"
	rm -rf "$tmp"
}
trap cleanup EXIT
chmod 711 "$tmp" # the user must reach its own spool and files inside
mkdir "$tmp/spool" "$tmp/priv" "$tmp/mine"
chown "$U" "$tmp/spool" "$tmp/mine" # the user's: its spool, where its bundles go
chmod 700 "$tmp/priv" # root's: the user can write nothing here
openssl genpkey -algorithm ed25519 -out "$tmp/sign.pem" 2>/dev/null && ok || bad "ed25519 key"
chown "$U" "$tmp/sign.pem"
chmod 600 "$tmp/sign.pem"
conf() { # FILE [SERVICE-LINES...]: a config with the spool above and those [service] keys
	local f=$1
	shift
	{
		printf '[database]\nconninfo = %s\n[handover]\nspool_dir = %s\n' "$LIMF_DB_SERVICE" \
			"${SPOOL:-$tmp/spool}"
		printf '[evidence]\nsign_key = %s\n' "$tmp/sign.pem"
		[ -n "${KMSKEY:-}" ] && printf '[kms]\nurl = https://127.0.0.1:1\nkey = %s\n' "$KMSKEY"
		printf '[service]\n'
		printf '%s\n' "$@"
	} >"$f"
	chmod 644 "$f"
}
conf "$tmp/user.conf" "user = $U"
conf "$tmp/root.conf"
# a pcap of two UDP datagrams 3 s apart (the run lasts as long at recorded speed)
python3 - "$tmp/two.pcap" <<'PY'
import struct, sys, time
def udp(payload):
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28 + len(payload), 1, 0, 64, 17, 0,
                     bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1]))
    return b"\0" * 12 + b"\x08\x00" + ip + struct.pack("!HHHH", 5098, 5097, 8 + len(payload), 0) + payload
out = open(sys.argv[1], "wb")
out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
t = int(time.time())
for i, dt in enumerate((0, 3)):
    f = udp(b"not sip %d" % i)
    out.write(struct.pack("<IIII", t + dt, 0, len(f), len(f)) + f)
PY
chmod 644 "$tmp/two.pcap"
capture() { # NAME CONF ARGS...: in the background, stderr to $tmp/NAME.err; sets cpid
	local name=$1 c=$2
	shift 2
	"$limf" capture --config "$c" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" </dev/null &
	cpid=$!
}
wait_for() { # FILE REGEX
	for _ in $(seq 100); do grep -q -- "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}
reap() { # NAME WANT
	wait "$cpid"
	local got=$?
	cpid=''
	if [ "$got" -eq "$2" ]; then ok; else bad "$1: exit $got, want $2"; sed 's/^/    /' "$tmp/$1.err" | tail -20 >&2; fi
}
field() { # NAME: the value of a /proc/PID/status line (copied to $tmp/status), blanks squeezed
	sed -n "s/^$1:[[:space:]]*//p" "$tmp/status" | tr -s ' \t' ' ' | sed 's/ $//'
}
want_field() { # LABEL NAME VALUE
	local got
	got=$(field "$2")
	if [ "$got" = "$3" ]; then ok; else bad "$1: $2 is '$got', want '$3'"; fi
}
ids_are_user() { # LABEL
	want_field "$1" Uid "$uid $uid $uid $uid"
	want_field "$1" Gid "$gid $gid $gid $gid"
	local g want
	g=$(field Groups | tr ' ' '\n' | sort -n | tr '\n' ' ' | sed 's/ $//')
	want=$(id -G "$U" | tr ' ' '\n' | sort -n | tr '\n' ' ' | sed 's/ $//')
	[ "$g" = "$want" ] && ok || bad "$1: Groups '$g', want '$want'"
	want_field "$1" NoNewPrivs 1
	want_field "$1" CapInh 0000000000000000
	want_field "$1" CapAmb 0000000000000000
}

# ---- 1. live capture on lo as the user, no capability left
capture run1 "$tmp/user.conf" -i lo --bpf "udp port 5099" --duration 3
if wait_for "$tmp/run1.err" "running ("; then
	cp "/proc/$cpid/status" "$tmp/status"
	ids_are_user run1
	want_field run1 CapEff 0000000000000000
	want_field run1 CapPrm 0000000000000000
	want_field run1 CapBnd 0000000000000000
	sleep 0.3
	python3 - <<'PY'
import socket
msg = ("INVITE sip:bob@example.org SIP/2.0\r\n"
       "Via: SIP/2.0/UDP 127.0.0.1:5098;branch=z9hG4bK-priv%d\r\n"
       "From: <sip:alice@example.org>;tag=a1\r\nTo: <sip:bob@example.org>\r\n"
       "Call-ID: priv-%d@127.0.0.1\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
       "Contact: <sip:alice@127.0.0.1:5098>\r\nContent-Length: 0\r\n\r\n")
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(2):
    s.sendto((msg % (i, i)).encode(), ("127.0.0.1", 5099))
PY
	reap run1 0
	grep -q "dropped root: user $U (uid $uid gid $gid), no capabilities" "$tmp/run1.err" &&
		ok || bad "run1: no drop line"
	grep -q "limf capture: .* frames 2 sip 2 " "$tmp/run1.err" && ok ||
		{ bad "run1: the datagrams were not captured after the drop"; cat "$tmp/run1.err" >&2; }
	grep -q "source lo: frames 2 kernel_received" "$tmp/run1.err" && ok || bad "run1: source counters"
else
	reap run1 1
	if grep -q "cannot capture" "$tmp/run1.err"; then
		echo "note: live capture impossible here: part 1 skipped" >&2
	else
		bad "run1: did not start"
		cat "$tmp/run1.err" >&2
	fi
fi

# ---- 2. --pcap only: no capability; the bundle is written as the user and verifies
capture run2 "$tmp/user.conf" --pcap "$tmp/two.pcap" --record "$tmp/mine/ev2"
if wait_for "$tmp/run2.err" "running ("; then
	cp "/proc/$cpid/status" "$tmp/status"
	ids_are_user run2
	want_field run2 CapEff 0000000000000000
	want_field run2 CapPrm 0000000000000000
	want_field run2 CapBnd 0000000000000000
else
	bad "run2: did not start"
fi
reap run2 0
grep -q "dropped root: user $U (uid $uid gid $gid), no capabilities" "$tmp/run2.err" && ok ||
	bad "run2: no drop line"
grep -q "limf capture: .* frames 2 " "$tmp/run2.err" && ok || bad "run2: summary"
[ "$(stat -c %U "$tmp/mine/ev2")" = "$U" ] && [ -z "$(find "$tmp/mine/ev2" ! -user "$U")" ] &&
	ok || bad "run2: bundle files not all owned by $U"
expect 0 verify2 "$limf" verify "$tmp/mine/ev2"

# ---- 2a. the --record signing key is read as root at the start and held: root's alone
# (0600), the user never reads it; replaced during the run, the bundle is still signed by the
# key the run began with
openssl genpkey -algorithm ed25519 -out "$tmp/priv/rootsign.pem" 2>/dev/null &&
	openssl pkey -in "$tmp/priv/rootsign.pem" -pubout -out "$tmp/rootsign.pub" &&
	chmod 600 "$tmp/priv/rootsign.pem" || bad "root signing key"
sed "s|^sign_key = .*|sign_key = $tmp/priv/rootsign.pem|" "$tmp/user.conf" >"$tmp/rk.conf"
chmod 644 "$tmp/rk.conf"
capture rk "$tmp/rk.conf" --pcap "$tmp/two.pcap" --record "$tmp/mine/evrk"
wait_for "$tmp/rk.err" "running (" && ok || bad "rk: did not start"
openssl genpkey -algorithm ed25519 -out "$tmp/priv/rootsign.pem" 2>/dev/null || bad "rk: new key"
reap rk 0
expect 0 verifyrk "$limf" verify --key "$tmp/rootsign.pub" "$tmp/mine/evrk"

# ---- 2b. a secure heap for keys that cannot be locked in memory (no CAP_IPC_LOCK, a memory-lock
# limit below 16 MiB: the systemd default is 8 MiB) is said by the commands that handle keys
if command -v setpriv >/dev/null 2>&1; then
	expect 1 memlock setpriv --bounding-set=-ipc_lock --inh-caps=-ipc_lock -- bash -c \
		'ulimit -l 1024 && exec "$0" replay --sign-key /nonexistent --out "$1" "$2"' \
		"$limf" "$tmp/ml" "$tmp/two.pcap"
	has memlock "WARNING: the secure heap for keys is not locked in memory (mlock refused)"
	# as root: locked, unless this root lacks CAP_IPC_LOCK (a container's) and the limit is low
	capeff=$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status)
	if [ $((0x$capeff >> 14 & 1)) -eq 1 ]; then
		expect 1 memlock-root "$limf" replay --sign-key /nonexistent --out "$tmp/ml" \
			"$tmp/two.pcap"
		hasnt memlock-root "secure heap"
	fi
else
	echo "note: no setpriv: the memory-lock check skipped" >&2
fi

# ---- 2c. the control socket is made as root, then given to the user: it can ask for status; in
# a directory of its own it is removed at exit, in root's (0711) it cannot be: said
conf "$tmp/cs.conf" "user = $U" "control_socket = $tmp/mine/ctl.sock"
capture cs "$tmp/cs.conf" --pcap "$tmp/two.pcap"
wait_for "$tmp/cs.err" "running (" && ok || bad "cs: did not start"
[ "$(stat -c '%U %a' "$tmp/mine/ctl.sock" 2>/dev/null)" = "$U 600" ] && ok ||
	bad "cs: control socket is $(stat -c '%U %a' "$tmp/mine/ctl.sock" 2>&1), want $U 600"
# the user runs its own copy of limf: a build tree under a private directory (CI's clone) is
# out of its reach
install -m 755 "$limf" "$tmp/limf-user"
expect 0 cs-status runuser -u "$U" -- "$tmp/limf-user" status --socket "$tmp/mine/ctl.sock"
has cs-status "^limf capture: up "
reap cs 0
[ ! -e "$tmp/mine/ctl.sock" ] && ok || bad "cs: control socket left behind"
conf "$tmp/cs2.conf" "user = $U" "control_socket = $tmp/ctl2.sock"
capture cs2 "$tmp/cs2.conf" --pcap "$tmp/two.pcap"
reap cs2 0
grep -q "control socket $tmp/ctl2.sock: cannot be removed (Permission denied): left behind" \
	"$tmp/cs2.err" && ok || { bad "cs2: a socket left behind not said"; tail -3 "$tmp/cs2.err" >&2; }

# ---- 3. refusals at start
mkdir "$tmp/rootspool"
chmod 755 "$tmp/rootspool"
SPOOL=$tmp/rootspool conf "$tmp/rs.conf" "user = $U"
expect 1 spool-ro "$limf" capture --config "$tmp/rs.conf" --pcap "$tmp/two.pcap"
has spool-ro "spool_dir $tmp/rootspool: not writable by user $U (uid $uid): refusing to start"
hasnt spool-ro "running ("
SPOOL=$tmp/priv/spool conf "$tmp/rs2.conf" "user = $U"
expect 1 spool-absent "$limf" capture --config "$tmp/rs2.conf" --pcap "$tmp/two.pcap"
has spool-absent "spool_dir $tmp/priv/spool: not reachable by user $U (uid $uid)"
[ ! -e "$tmp/priv/spool" ] && ok || bad "spool-absent: created anyway"
expect 1 record-ro "$limf" capture --config "$tmp/user.conf" --pcap "$tmp/two.pcap" \
	--record "$tmp/priv/ev"
has record-ro "record $tmp/priv/ev: not reachable by user $U (uid $uid)"
expect 1 record-parent "$limf" capture --config "$tmp/user.conf" --pcap "$tmp/two.pcap" \
	--record "$tmp/ev"
has record-parent "record $tmp/ev does not exist and user $U (uid $uid) cannot create it in $tmp:"
[ ! -e "$tmp/ev" ] && ok || bad "record-parent: created anyway"
[ ! -e "$tmp/priv/ev" ] && ok || bad "record-ro: created anyway"
openssl genpkey -algorithm ed25519 -out "$tmp/priv/kms.key" 2>/dev/null
KMSKEY=$tmp/priv/kms.key conf "$tmp/kk.conf" "user = $U"
expect 1 kms-key "$limf" capture --config "$tmp/kk.conf" --pcap "$tmp/two.pcap"
has kms-key "kms.key: not readable by user $U"
# limf.conf and the [x2x3] TLS files are re-read as the user at every SIGHUP: checked at start
conf "$tmp/priv/cf.conf" "user = $U"
chmod 600 "$tmp/priv/cf.conf"
cp "$tmp/priv/cf.conf" "$tmp/cf600.conf" # root's, 0600, in a directory the user reaches
expect 1 conf-600 "$limf" capture --config "$tmp/cf600.conf" --pcap "$tmp/two.pcap"
has conf-600 "cf600.conf: not readable by user $U"
hasnt conf-600 "running ("
openssl req -x509 -newkey ed25519 -nodes -subj /CN=mf.test -days 2 -keyout "$tmp/priv/x.key" \
	-out "$tmp/x.pem" 2>/dev/null && ok || bad "x2x3 certificate"
chmod 644 "$tmp/x.pem"
expect 1 x2x3-key "$limf" capture --config "$tmp/user.conf" \
	--duration 5 --x2x3 127.0.0.1:0 --x2x3-ca "$tmp/x.pem" --x2x3-cert "$tmp/x.pem" \
	--x2x3-key "$tmp/priv/x.key"
has x2x3-key "x.key: not readable by user $U"
hasnt x2x3-key "running ("
conf "$tmp/nouser.conf" "user = no-such-user-$$"
expect 1 nouser "$limf" capture --config "$tmp/nouser.conf" --pcap "$tmp/two.pcap"
has nouser "user no-such-user-$$: no such user: refusing to start"
conf "$tmp/nogroup.conf" "user = $U" "group = no-such-group-$$"
expect 1 nogroup "$limf" capture --config "$tmp/nogroup.conf" --pcap "$tmp/two.pcap"
has nogroup "group no-such-group-$$: no such group"
conf "$tmp/uroot.conf" "user = root"
expect 1 user-root "$limf" capture --config "$tmp/uroot.conf" --pcap "$tmp/two.pcap"
has user-root "uid 0 is not a drop"
conf "$tmp/gonly.conf" "group = $(id -gn "$U")"
expect 1 group-only "$limf" capture --config "$tmp/gonly.conf" --pcap "$tmp/two.pcap"
has group-only "group needs \[service\] user"

# ---- 4. root without a user: warning; not root: nothing switched
expect 0 root-warn "$limf" capture --config "$tmp/root.conf" --pcap "$tmp/two.pcap" --speed max
has root-warn "WARNING: running as root with no \[service\] user"
hasnt root-warn "dropped root"
if command -v runuser >/dev/null 2>&1; then
	# not root (as `postgres` when there is one: the private cluster is its 0700 directory),
	# with [service] user = nobody all the same: nothing is checked or switched
	NR=$U
	id -u postgres >/dev/null 2>&1 && NR=postgres
	mkdir "$tmp/nr"
	chown "$NR" "$tmp/nr"
fi
if command -v runuser >/dev/null 2>&1 && ! runuser -u "$NR" -- test -x "$limf" 2>/dev/null; then
	# a clone under a private (0700) directory, as CI's is: the user cannot run the binary
	echo "note: $NR cannot execute $limf (private build tree): the non-root run is skipped" >&2
elif command -v runuser >/dev/null 2>&1; then
	SPOOL=$tmp/nr/spool conf "$tmp/nr.conf" "user = $U"
	runuser -u "$NR" -- "$limf" capture --config "$tmp/nr.conf" --pcap "$tmp/two.pcap" \
		--speed max >"$tmp/out" 2>"$tmp/err" </dev/null
	st=$?
	hasnt nonroot "dropped root"
	hasnt nonroot "WARNING: running as root"
	hasnt nonroot "refusing"
	if [ "$st" -ne 0 ] && grep -q "database: .*Permission denied" "$tmp/err"; then
		# the private cluster (pg-test.sh) is postgres's 0700: out of the user's reach
		echo "note: $NR cannot reach the test cluster: the non-root run checked up to the database" >&2
	else
		[ "$st" -eq 0 ] && ok || { bad "nonroot: exit $st, want 0"; show_out; }
		has nonroot "limf capture: .* frames 2 "
	fi
else
	echo "note: no runuser: the non-root run is skipped" >&2
fi
finish
