#!/bin/bash
# same-bundle.sh A B: two evidence bundles of the same replay (e.g. main's build/limf and a
# faster one on the same pcap) hold the same outputs: every file other than manifest.* identical
# octet for octet, the same set of files, and manifest.json equal apart from "created", the
# times its warrants were read ("as_of") and the audit chain's head at the end of the run,
# "audit" (and so the signature). Prints the first difference; exit 0 same, 1 different, 2 usage.
set -u
if [ $# -ne 2 ] || [ ! -d "$1" ] || [ ! -d "$2" ]; then
	echo "usage: same-bundle.sh BUNDLE_A BUNDLE_B" >&2
	exit 2
fi
a=$1 b=$2
la=$(cd "$a" && find . -type f ! -name 'manifest.*' | LC_ALL=C sort)
lb=$(cd "$b" && find . -type f ! -name 'manifest.*' | LC_ALL=C sort)
if [ "$la" != "$lb" ]; then
	echo "same-bundle: the file lists differ:" >&2
	diff <(echo "$la") <(echo "$lb") | head -20 >&2
	exit 1
fi
n=0
while IFS= read -r f; do
	[ -n "$f" ] || continue
	cmp -s "$a/$f" "$b/$f" || {
		echo "same-bundle: $f differs" >&2
		exit 1
	}
	n=$((n + 1))
done <<<"$la"
strip() {
	sed -e 's/"created":"[^"]*"/"created":""/' -e 's/"as_of":"[^"]*"/"as_of":""/g' \
		-e 's/"audit":{"rows":[0-9]*,"head":"[0-9a-f]*"}/"audit":{}/' "$1/manifest.json"
}
if ! cmp -s <(strip "$a") <(strip "$b"); then
	echo "same-bundle: manifest.json differs (beyond \"created\", \"as_of\" and \"audit\")" >&2
	exit 1
fi
echo "same-bundle: $n files and the manifest identical"
