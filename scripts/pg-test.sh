#!/bin/bash
# The tests' private PostgreSQL cluster (STYLE.md rule 23): initdb + pg_ctl under DIR, Unix
# socket only, run as the unprivileged `postgres` user when we are root (via `limf db local`).
#   pg-test.sh start DIR       a fresh cluster (DIR is wiped), roles, database and schema;
#                              writes DIR/test.env (export LIMF_DB_SUPER/ADMIN/OPERATOR/SERVICE
#                              and LIMF_DB=operator) and prints it
#   pg-test.sh stop DIR        stops it (no error when it is not running)
#   pg-test.sh run DIR CMD...  start, run CMD with those variables exported, stop (always),
#                              exit with CMD's status
# Needs $BUILD/limf (BUILD defaults to build).
set -u
BUILD=${BUILD:-build}
limf=$BUILD/limf

usage() {
	echo "usage: pg-test.sh start|stop DIR | run DIR CMD..." >&2
	exit 2
}

# As root the server runs as `postgres`, which must reach DIR. A clone under a private
# directory (mktemp -d is 0700, as CI's may be) is out of its reach: the cluster then lives in
# a directory of its own under /tmp and DIR becomes a symlink to it. The real path is what is
# handed to `limf db local`, so the server never resolves the private parent.
real_dir() {
	readlink -f "$1"
}

pg_stop() {
	local dir
	dir=$(real_dir "$1")
	[ -d "$dir/data" ] || return 0
	"$limf" db local stop "$dir" 2>/dev/null || true
}

postgres_reaches() {
	[ "$(id -u)" -ne 0 ] || runuser -u postgres -- test -x "$1" 2>/dev/null
}

pg_start() {
	local dir=$1
	if [ ! -x "$limf" ]; then
		echo "pg-test: $limf not built" >&2
		return 1
	fi
	pg_stop "$dir"
	if [ -L "$dir" ]; then
		rm -rf "$(real_dir "$dir")"
	fi
	rm -rf "$dir"
	mkdir -p "$(dirname "$dir")"
	local run=$dir
	if ! postgres_reaches "$(dirname "$(real_dir "$(dirname "$dir")")/x")"; then
		run=$(mktemp -d /tmp/limf-pg.XXXXXX) || return 1
		chmod 755 "$run"
		ln -s "$run" "$dir"
	fi
	if ! LIMF_PG_NOSYNC=1 "$limf" db local start "$run" >"$dir.env.tmp"; then
		echo "pg-test: could not start a PostgreSQL cluster under $dir" >&2
		[ -f "$dir/server.log" ] && tail -n 20 "$dir/server.log" >&2
		rm -f "$dir.env.tmp"
		pg_stop "$dir"
		return 1
	fi
	mv "$dir.env.tmp" "$dir/test.env"
	cat "$dir/test.env"
}

[ $# -ge 2 ] || usage
cmd=$1 dir=$2
shift 2
case $cmd in
start) pg_start "$dir" ;;
stop) pg_stop "$dir" ;;
run)
	[ $# -ge 1 ] || usage
	pg_start "$dir" >/dev/null || exit 1
	trap 'pg_stop "$dir"; [ -L "$dir" ] && rm -rf "$(real_dir "$dir")" "$dir"' EXIT
	trap 'exit 130' INT TERM
	# shellcheck disable=SC1091
	. "$dir/test.env"
	"$@"
	exit $?
	;;
*) usage ;;
esac
