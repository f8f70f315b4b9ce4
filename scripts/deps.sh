#!/bin/bash
# Installs the Debian packages limf needs to build, test, fuzz and benchmark, when missing.
#   scripts/deps.sh          install what is missing (needs root and apt)
#   scripts/deps.sh --check  exit 0 when everything is there, 1 otherwise (installs nothing)
set -eu
PKGS="build-essential pkg-config libssl-dev libpcap-dev libsrtp2-dev libpq-dev postgresql
 clang libclang-rt-14-dev libwolfssl-dev clang-format python3 libcurl4-openssl-dev libxml2-dev
 tshark time libmicrohttpd-dev tcpreplay iproute2"
if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "deps: not a Debian system; install the equivalents of:" $PKGS >&2
	exit 0
fi
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
if [ -z "$missing" ]; then
	exit 0
fi
if [ "${1:-}" = "--check" ]; then
	echo "missing:$missing"
	exit 1
fi
echo "deps: installing$missing" >&2
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: not root; install these packages:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends $missing >&2
