#!/bin/bash
# CLI tests of `limf warrant`, `limf audit` and `limf db` against the private cluster that
# `make test` starts (scripts/pg-test.sh exports LIMF_DB, LIMF_DB_ADMIN, LIMF_DB_SERVICE and
# LIMF_DB_SUPER). Never skipped. Prints "N passed, N failed" last.
set -u
. "$(dirname "$0")/lib.sh"
# sql SQL: runs SQL on the limf database as the superuser with triggers off (tampering)
sql() {
	psql -X -q -v ON_ERROR_STOP=1 "$LIMF_DB_SUPER dbname=limf" \
		-c "SET session_replication_role = replica; $1" >/dev/null 2>"$tmp/sqlerr" ||
		{ echo "psql failed: $(cat "$tmp/sqlerr")" >&2; return 1; }
}

for v in LIMF_DB LIMF_DB_ADMIN LIMF_DB_SERVICE LIMF_DB_SUPER; do
	if [ -z "${!v:-}" ]; then
		echo "test_warrant: $v is not set: run through make test (scripts/pg-test.sh run)" >&2
		echo "0 passed, 1 failed"
		exit 1
	fi
done
L=C$$
me=$(id -un)

# db: migrations are idempotent; the local cluster reports itself
expect 0 migrate "$limf" db migrate --db "$LIMF_DB_ADMIN"
has migrate "schema at version 16 (was 16)"
expect 0 migrate-again "$limf" db migrate --db "$LIMF_DB_ADMIN"
# the migration lock is an advisory lock, which any role that can connect may take (here the
# service's, and a role of a name with a terminal escape): migrate waits for it up to --wait
# seconds (a holder that lets go in time is waited for), then exits 1 naming the session,
# which the operator can end through the process ID it gives
locked() { # the migration lock is held in the database limf
	[ "$(psql -X -qAt "$LIMF_DB_SUPER dbname=limf" -c "SELECT count(*) FROM pg_locks l JOIN
		pg_database d ON d.oid = l.database WHERE d.datname = 'limf' AND l.locktype = 'advisory'
		AND l.granted AND l.objsubid = 1 AND l.classid::bigint = (7163897000001 >> 32)
		AND l.objid::bigint = (7163897000001 & 4294967295)")" = 1 ]
}
hold() { # CONNSTR SECONDS: that session holds the migration lock that long, in the background
	psql -X -q "$1" -c "BEGIN" -c "SELECT pg_advisory_xact_lock(7163897000001)" \
		-c "SELECT pg_sleep($2)" -c "COMMIT" >/dev/null 2>&1 &
	for _ in $(seq 100); do locked && break; sleep 0.1; done
	locked && ok || bad "the migration lock was not taken"
}
end_holder() { # NAME: ends the session that NAME's message names; the lock is free after
	local bpid
	bpid=$(cat "$tmp/out" "$tmp/err" | sed -n 's/.*held by the session of process \([0-9]*\) .*/\1/p')
	[ "$(psql -X -qAt "$LIMF_DB_SUPER dbname=limf" -c "SELECT pg_terminate_backend(${bpid:-0})")" = t ] &&
		ok || bad "$1: no session of process '$bpid' to end"
	for _ in $(seq 50); do locked || break; sleep 0.1; done
	locked && bad "$1: the migration lock still held" || ok
}
hold "$LIMF_DB_SERVICE" 2
expect 0 migrate-waits "$limf" db migrate --db "$LIMF_DB_ADMIN" --wait 20
# (its application name, any text the client chose, with a terminal escape: PostgreSQL 15
# shows it as '?', 16 as '\x1b', limf as either, never the escape itself)
PGAPPNAME=$'psql\e[2K' hold "$LIMF_DB_SERVICE" 120
expect 1 migrate-held "$limf" db migrate --db "$LIMF_DB_ADMIN" --wait 1
has migrate-held "migration lock (advisory 7163897000001) is held by the session of process [0-9]* (role limf_service, application 'psql\(?\|\\\\x1b\)\[2K'"
has migrate-held "waited 1 s"
end_holder migrate-held
esc=$'esc\e[2Krole'
psql -X -q "$LIMF_DB_SUPER dbname=limf" -c "CREATE ROLE \"$esc\" LOGIN" \
	-c "GRANT CONNECT ON DATABASE limf TO \"$esc\"" >/dev/null && ok || bad "role $esc"
hold "$LIMF_DB_SERVICE user='$esc'" 120
expect 1 migrate-held2 "$limf" db migrate --db "$LIMF_DB_ADMIN" --wait 0
has migrate-held2 "(role esc?\[2Krole, application 'psql')"
end_holder migrate-held2
psql -X -q "$LIMF_DB_SUPER dbname=limf" -c "REVOKE CONNECT ON DATABASE limf FROM \"$esc\"" \
	-c "DROP ROLE \"$esc\"" >/dev/null && ok || bad "drop role $esc"
expect 0 migrate-after "$limf" db migrate --db "$LIMF_DB_ADMIN" --wait 0
has migrate-after "schema at version 16 (was 16)"
expect 2 migrate-wait-bad "$limf" db migrate --db "$LIMF_DB_ADMIN" --wait 1.5
expect 2 migrate-wait-neg "$limf" db migrate --db "$LIMF_DB_ADMIN" --wait -1
expect 0 local-status "$limf" db local status "$(pg_cluster_dir)"
has local-status "export LIMF_DB="
# the cluster's directory is the postgres account's: a link it put in place of ctl.log is not
# followed (root would append pg_ctl's output to the file it names)
cd_=$(pg_cluster_dir)
if [ -f "$cd_/ctl.log" ]; then
	mv "$cd_/ctl.log" "$tmp/ctl.keep"
	echo victim >"$tmp/victim"
	ln -s "$tmp/victim" "$cd_/ctl.log"
	expect 1 local-link "$limf" db local status "$cd_"
	has local-link "ctl.log is not a regular file of its own"
	[ "$(cat "$tmp/victim")" = victim ] && ok || bad "local-link: the link was followed"
	rm -f "$cd_/ctl.log"
	# (a hard link: where both are on one file system)
	if ln "$tmp/victim" "$cd_/ctl.log" 2>/dev/null; then
		expect 1 local-hardlink "$limf" db local status "$cd_"
		[ "$(cat "$tmp/victim")" = victim ] && ok || bad "local-hardlink: written"
	fi
	rm -f "$cd_/ctl.log"
	mv "$tmp/ctl.keep" "$cd_/ctl.log"
	expect 0 local-status2 "$limf" db local status "$cd_"
else
	bad "no ctl.log under $cd_"
fi
# nor a link in place of DIR/run, which root would chown to postgres (to /etc/cron.d, say)
lpg=$(mktemp -d /tmp/limfpg.XXXXXX)
mkdir "$lpg/c" "$lpg/victim"
ln -s "$lpg/victim" "$lpg/c/run"
own0=$(stat -c %u "$lpg/victim")
expect 1 local-run-link "$limf" db local start "$lpg/c"
# (as root the link is refused among the directory's entries; else when run is opened)
has local-run-link "run: not a directory of its own (a link?): refused\|holds other files: a new cluster needs an empty directory"
[ "$(stat -c %u "$lpg/victim")" = "$own0" ] && ok || bad "local-run-link: the link's target was chowned"
[ ! -e "$lpg/c/data/PG_VERSION" ] && ok || bad "local-run-link: initdb ran"
rm -rf "$lpg"
# nor, as root, a directory holding other files, which it would give to postgres (before,
# `limf db local start /var` did)
if [ "$(id -u)" -eq 0 ]; then
	lpg=$(mktemp -d /tmp/limfpg.XXXXXX)
	mkdir "$lpg/c"
	: >"$lpg/c/mine"
	expect 1 local-notempty "$limf" db local start "$lpg/c"
	has local-notempty "holds other files: a new cluster needs an empty directory"
	[ "$(stat -c %u "$lpg/c")" = 0 ] && ok || bad "local-notempty: the directory was chowned"
	# what a start that failed before initdb leaves (ctl.log) does not stop the next one
	rm -f "$lpg/c/mine"
	: >"$lpg/c/ctl.log"
	chmod 755 "$lpg"
	expect 0 local-retry "$limf" db local start "$lpg/c"
	expect 0 local-retry-stop "$limf" db local stop "$lpg/c"
	rm -rf "$lpg"
fi
expect 2 db-usage "$limf" db frobnicate
expect 1 db-unreachable "$limf" warrant list --db "host=$tmp/nowhere dbname=limf user=limf_operator"
has db-unreachable "database"

# add (JSON parsed) and read back
expect 0 add "$limf" warrant add --liid "$L-A" --authority "Juge d'instruction" --ref "JI/2026/7" \
	--country FR --from 2026-05-01T10:00:00+02:00 --to 2099-01-01T00:00:00Z --scope iri+cc \
	--delivery "hi2=198.51.100.7:6000" --target "tel:+33 (1) 23-45-67-89" \
	--target '"Zoe" <SIPS:zoe@Example.FR:5061;transport=tls>' --json
pyjson add "j['liid']=='$L-A' and j['status']=='active' and j['scope']=='iri+cc'"
pyjson add "j['valid_from']=='2026-05-01T08:00:00Z' and j['valid_to']=='2099-01-01T00:00:00Z'"
pyjson add "sorted(t['norm'] for t in j['targets'])==['sip:zoe@example.fr','tel:+33123456789']"
pyjson add "j['created_by']=='$me/limf_operator' and j['authority']==\"Juge d'instruction\""
expect 0 show "$limf" warrant show "$L-A"
has show "tel:+33123456789"
has show "end exclusive"
expect 0 show-json "$limf" warrant show "$L-A" --json
pyjson show-json "j['delivery']=='hi2=198.51.100.7:6000' and len(j['targets'])==2 and j['suspensions']==[]"
expect 0 list "$limf" warrant list
has list "$L-A"
expect 0 list-json "$limf" warrant list --json
pyjson list-json "any(w['liid']=='$L-A' for w in j)"

# bad input: exit 1 with a reason, nothing changed
snap() { "$limf" warrant list --all --json >"$tmp/snap.$1" 2>&1; "$limf" audit list --json >>"$tmp/snap.$1" 2>&1; }
snap before
expect 1 dup "$limf" warrant add --liid "$L-A" --authority A --ref R --country FR \
	--from 2026-01-01T00:00Z --to 2027-01-01T00:00Z --scope iri --delivery d --target tel:+331
has dup "duplicate LIID"
expect 1 end-before-start "$limf" warrant add --liid "$L-B" --authority A --ref R --country FR \
	--from 2026-02-01T00:00Z --to 2026-01-01T00:00Z --scope iri --delivery d --target tel:+331
has end-before-start "after its start"
expect 1 bad-target "$limf" warrant add --liid "$L-B" --authority A --ref R --country FR \
	--from 2026-01-01T00:00Z --to 2027-01-01T00:00Z --scope iri --delivery d --target tel:0123
has bad-target "malformed"
expect 1 no-zone "$limf" warrant add --liid "$L-B" --authority A --ref R --country FR \
	--from 2026-01-01T00:00 --to 2027-01-01T00:00Z --scope iri --delivery d --target tel:+331
has no-zone "zone"
expect 1 bad-scope "$limf" warrant add --liid "$L-B" --authority A --ref R --country FR \
	--from 2026-01-01T00:00Z --to 2027-01-01T00:00Z --scope cc --delivery d --target tel:+331
expect 1 bad-country "$limf" warrant add --liid "$L-B" --authority A --ref R --country France \
	--from 2026-01-01T00:00Z --to 2027-01-01T00:00Z --scope iri --delivery d --target tel:+331
expect 2 add-usage "$limf" warrant add --liid "$L-B"
has add-usage "^limf warrant add: --authority is missing; --ref is missing; --country is missing; --from is missing; --to is missing; --scope is missing; --delivery is missing; no --target$"
expect 2 add-usage-ref "$limf" warrant add --liid "$L-B" --authority A --country FR \
	--from 2026-01-01T00:00Z --to 2027-01-01T00:00Z --scope iri --delivery d --target tel:+331
has add-usage-ref "^limf warrant add: --ref is missing$"
has add-usage-ref "^usage: limf warrant add "
expect 2 add-usage-stray "$limf" warrant add --liid "$L-B" --authority A --ref R --country FR \
	--from 2026-01-01T00:00Z --to 2027-01-01T00:00Z --scope iri --delivery d --target tel:+331 tel:+332
has add-usage-stray "^limf warrant add: 'tel:+332' is no option's value (each target takes a --target of its own"
# an option with a value given twice: refused, naming it (before, the last counted: a --to and
# a --scope pasted twice widened the warrant without a word); a list option may repeat
expect 2 add-twice "$limf" warrant add --liid "$L-B" --authority A --ref R --country FR \
	--from 2026-01-01T00:00Z --to 2026-02-01T00:00Z --scope iri --delivery d --target tel:+331 \
	--to 2035-01-01T00:00Z
has add-twice "^limf: --to given twice$"
expect 1 show-twice-none "$limf" warrant show "$L-B"
# every command's --help: its usage on stdout, exit 0 (scan, mikey, warrant, audit and db
# printed it on stderr with exit 2, or took --help for an unknown option)
for c in scan mikey "mikey inspect" "mikey unwrap" "mikey verify" warrant audit db kms replay \
	handover capture status verify; do
	# shellcheck disable=SC2086
	expect 0 "help-$c" "$limf" $c --help
	grep -q "^usage: limf ${c%% *}" "$tmp/out" && ok || bad "help-$c: no usage on stdout"
done
# anywhere among the arguments, before anything is opened (no database here)
for c in "audit list --help" "warrant add --liid X --help" "db migrate --help" \
	"replay --out /nonexistent/x -h" "scan x.pcap --help" "status --all --help" \
	"verify DIR --help" "mikey inspect x --help"; do
	# shellcheck disable=SC2086
	expect 0 "help-$c" env LIMF_DB="host=/nonexistent dbname=x" "$limf" $c
	grep -q "^usage: limf ${c%% *}" "$tmp/out" && ok || bad "help-$c: no usage on stdout"
done
expect 1 unknown-show "$limf" warrant show "$L-nope"
has unknown-show "unknown LIID"
expect 1 unknown-suspend "$limf" warrant suspend "$L-nope"
expect 1 modify-end "$limf" warrant modify "$L-A" --to 2020-01-01T00:00Z
has modify-end "after its start"
expect 1 modify-dup-target "$limf" warrant modify "$L-A" --add-target "tel:+33-1-23-45-67-89"
expect 1 modify-not-target "$limf" warrant modify "$L-A" --remove-target "tel:+999"
expect 1 resume-active "$limf" warrant resume "$L-A"
expect 2 revoke-no-reason "$limf" warrant revoke "$L-A"
expect 1 service-cannot-add "$limf" warrant add --db "$LIMF_DB_SERVICE" --liid "$L-S" --authority A \
	--ref R --country FR --from 2026-01-01T00:00Z --to 2027-01-01T00:00Z --scope iri \
	--delivery d --target tel:+331
has service-cannot-add "permission denied"
snap after
if cmp -s "$tmp/snap.before" "$tmp/snap.after"; then ok; else bad "bad input changed the store"; diff "$tmp/snap.before" "$tmp/snap.after" | head >&2; fi

# changes
expect 0 modify "$limf" warrant modify "$L-A" --scope iri --add-target mcptt:zoe-mcx@org.example \
	--remove-target "tel:+33123456789" --delivery "hi2=198.51.100.8:6000"
expect 0 modify-show "$limf" warrant show "$L-A" --json
pyjson modify "j['scope']=='iri' and j['delivery']=='hi2=198.51.100.8:6000'"
pyjson modify "sorted((t['kind'],t['norm']) for t in j['targets'])==[('mcptt','sip:zoe-mcx@org.example'),('sip','sip:zoe@example.fr')]"
expect 0 suspend "$limf" warrant suspend "$L-A" --reason "paused by the court"
expect 0 suspended "$limf" warrant show "$L-A" --json
pyjson suspended "j['status']=='suspended' and j['reason']=='paused by the court'"
# the period it is out of force: open while suspended, closed by the resume, and still listed
# after it (a replay of traffic from it decrypts nothing)
pyjson suspended-open "len(j['suspensions'])==1 and j['suspensions'][0]['to'] is None"
expect 0 suspended-text "$limf" warrant show "$L-A"
has suspended-text "^suspended  *20[0-9-]*T[0-9:.]*Z \.\. (not resumed)$"
expect 0 resume "$limf" warrant resume "$L-A"
expect 0 resumed "$limf" warrant show "$L-A" --json
pyjson resumed "j['status']=='active' and len(j['suspensions'])==1 and j['suspensions'][0]['to'] is not None and ts(j['suspensions'][0]['from']) <= ts(j['suspensions'][0]['to'])"
expect 0 resumed-text "$limf" warrant show "$L-A"
has resumed-text "^suspended  *20[0-9-]*T[0-9:.]*Z \.\. 20[0-9-]*T[0-9:.]*Z$"
# on a database whose schema predates the periods (the table hidden for the check), show
# still shows the warrant, the periods said to be unknown
sql "ALTER TABLE limf.warrant_suspensions RENAME TO ws_hidden" && ok || bad "hide the periods"
expect 0 show-v7 "$limf" warrant show "$L-A"
has show-v7 "periods unknown: run .limf db migrate."
expect 0 show-v7-json "$limf" warrant show "$L-A" --json
pyjson show-v7-json "j['status']=='active' and j['suspensions'] is None"
sql "ALTER TABLE limf.ws_hidden RENAME TO warrant_suspensions" && ok || bad "restore the periods"
expect 0 revoke "$limf" warrant revoke "$L-A" --reason "order withdrawn"
expect 1 resume-revoked "$limf" warrant resume "$L-A"
has resume-revoked "revoked"
expect 1 modify-revoked "$limf" warrant modify "$L-A" --delivery x
# revoked is final in the database too (schema version 10): the operator's own SQL cannot set
# it active again, with an audit row of its LIID or not (before, that committed, and the gate
# took the warrant as in force throughout, the span it was revoked included)
expect 1 unrevoke-sql psql -X -q -v ON_ERROR_STOP=1 "$LIMF_DB" -c "BEGIN; UPDATE limf.warrants SET status = 'active' WHERE liid = '$L-A'; INSERT INTO limf.audit (liid, action, detail) VALUES ('$L-A', 'note', 'housekeeping'); COMMIT;"
has unrevoke-sql "warrant $L-A is revoked, and revoked is final"
expect 1 revoked-edit-sql psql -X -q -v ON_ERROR_STOP=1 "$LIMF_DB" -c "BEGIN; UPDATE limf.warrants SET delivery = 'elsewhere' WHERE liid = '$L-A'; INSERT INTO limf.audit (liid, action) VALUES ('$L-A', 'warrant.modify'); COMMIT;"
has revoked-edit-sql "revoked is final"
expect 0 still-revoked "$limf" warrant show "$L-A" --json
pyjson still-revoked "j['status']=='revoked' and j['delivery']!='elsewhere'"
expect 0 list-after "$limf" warrant list --json
pyjson list-hides-revoked "not any(w['liid']=='$L-A' for w in j)"
expect 0 list-all "$limf" warrant list --all --json
pyjson list-all "[w['status'] for w in j if w['liid']=='$L-A']==['revoked']"

# audit: every change, with actor; the chain verifies
expect 0 audit-list "$limf" audit list --liid "$L-A" --json
pyjson audit-list "[r['action'] for r in j if not r['action'].startswith('row.')]==['warrant.add','warrant.modify','warrant.suspend','warrant.resume','warrant.revoke']"
# beside each, the database's own record of the rows it changed (schema version 11)
pyjson audit-rows "[r['action'] for r in j if r['action'].startswith('row.')][:2]==['row.warrants.insert','row.targets.insert'] and sum(r['action']=='row.warrants.update' for r in j)>=4"
pyjson audit-actor "all(r['os_user']=='$me' and r['db_role']=='limf_operator' and r['liid']=='$L-A' for r in j)"
pyjson audit-hashes "all(len(r['hash'])==64 and len(r['prev_hash'])==64 for r in j)"
expect 0 audit-text "$limf" audit list --liid "$L-A"
has audit-text "warrant.revoke"
# a row written by hand with a line break and an escape sequence in its detail (limf's own
# details have none): one printed line per row, the controls as \xHH, so it cannot show as a
# row of its own or drive the terminal
psql -X -q -v ON_ERROR_STOP=1 "$LIMF_DB" -c "INSERT INTO limf.audit (liid, action, detail) VALUES ('$L-A', 'note', E'by hand\\n999999 2026-01-01T00:00:00Z x/limf_operator $L-A warrant.resume forged\\033[2K')" \
	>/dev/null && ok || bad "audit row by hand"
expect 0 audit-text-hand "$limf" audit list --liid "$L-A"
[ "$(grep -vc ' row\.' "$tmp/out")" -eq 6 ] && ok || bad "audit-text-hand: $(grep -vc ' row\.' "$tmp/out") lines for 6 rows"
has audit-text-hand ' note by hand\\x0A999999 2026-01-01T00:00:00Z x/limf_operator .* forged\\x1B\[2K$'
if LC_ALL=C grep -q "$(printf '\033')" "$tmp/out"; then bad "audit-text-hand: ESC printed"; else ok; fi
expect 0 verify "$limf" audit verify
has verify "intact"

# tampering as the superuser is detected, at the row edited
id=$(psql -X -qtA "$LIMF_DB_SUPER dbname=limf" -c "SELECT id FROM limf.audit WHERE liid = '$L-A' AND action = 'warrant.suspend'")
if [ -n "$id" ]; then ok; else bad "no audit id"; fi
sql "UPDATE limf.audit SET detail = detail || '!' WHERE id = $id" && ok || bad "tamper update"
expect 1 verify-update "$limf" audit verify
has verify-update "BROKEN at row id $id "
sql "UPDATE limf.audit SET detail = left(detail, -1) WHERE id = $id" && ok || bad "restore"
expect 0 verify-restored "$limf" audit verify
sql "CREATE TABLE public.saved AS SELECT * FROM limf.audit WHERE id = $id; DELETE FROM limf.audit WHERE id = $id" && ok || bad "tamper delete"
expect 1 verify-delete "$limf" audit verify
has verify-delete "BROKEN at row id $((id + 1)) "
sql "INSERT INTO limf.audit SELECT * FROM public.saved; DROP TABLE public.saved" && ok || bad "restore"
expect 0 verify-restored2 "$limf" audit verify

# the chain alone cannot show a deleted tail or a chain rewritten with its hashes recomputed
# (by the table's owner, limf_admin, no superuser needed): a head recorded outside the database
# can (docs/audit-anchor.md)
expect 0 head "$limf" audit head
read -r hrows hhead <"$tmp/out"
if [[ "$hrows" =~ ^[0-9]+$ && "$hhead" =~ ^[0-9a-f]{64}$ ]]; then ok; else bad "audit head: $hrows $hhead"; fi
expect 0 head-json "$limf" audit head --json
pyjson head-json "j=={'rows':$hrows,'head':'$hhead'}"
expect 2 head-usage "$limf" audit head --rows
expect 0 anchor "$limf" audit verify --expect-head "$hhead" --min-rows "$hrows"
has anchor "intact: $hrows rows, head $hhead (holds the recorded head)"
expect 2 anchor-usage "$limf" audit verify --expect-head "${hhead:0:63}"
expect 2 anchor-usage2 "$limf" audit verify --min-rows 0
"$limf" warrant add --liid "$L-H" --authority A --ref R --country GB --from 2026-01-01T00:00:00Z \
	--to 2026-02-01T00:00:00Z --scope iri --delivery d --target tel:+4420 >/dev/null || bad "add $L-H"
expect 0 anchor-grown "$limf" audit verify --expect-head "$hhead" --min-rows "$hrows"
expect 0 anchor-grown2 "$limf" audit verify --expect-head "$hhead"
# the newest rows deleted (triggers off): plain verify passes, the anchor does not
cut=$((hrows - 2))
sql "CREATE TABLE public.saved AS SELECT * FROM limf.audit WHERE id > $cut; DELETE FROM limf.audit WHERE id > $cut" && ok || bad "tamper tail"
expect 0 verify-tail "$limf" audit verify
expect 1 anchor-tail "$limf" audit verify --expect-head "$hhead" --min-rows "$hrows"
has anchor-tail "does NOT match the recorded head: the chain has $cut rows, fewer than the $hrows recorded"
expect 1 anchor-tail2 "$limf" audit verify --expect-head "$hhead"
has anchor-tail2 "recorded head is in no row"
expect 1 anchor-tail3 "$limf" audit verify --min-rows "$hrows"
sql "INSERT INTO limf.audit SELECT * FROM public.saved; DROP TABLE public.saved" && ok || bad "restore tail"
expect 0 anchor-restored "$limf" audit verify --expect-head "$hhead" --min-rows "$hrows"
# limf_admin (rolsuper false) edits a row before the head and recomputes the chain with the
# schema's own functions
v=$((hrows - 3))
admin_sql() {
	psql -X -q -v ON_ERROR_STOP=1 "$LIMF_DB_ADMIN dbname=limf" -c "$1" >/dev/null 2>"$tmp/sqlerr" ||
		{ echo "psql failed: $(cat "$tmp/sqlerr")" >&2; return 1; }
}
[ "$(psql -X -qtA "$LIMF_DB_ADMIN dbname=limf" -c "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")" = f ] && ok || bad "limf_admin is a superuser"
admin_sql "CREATE TABLE public.saved_admin AS SELECT * FROM limf.audit WHERE id >= $v" && ok || bad "save"
admin_sql "ALTER TABLE limf.audit DISABLE TRIGGER audit_no_update;
UPDATE limf.audit SET detail = detail || ' (forged)' WHERE id = $v;
DO \$\$ DECLARE r record; prev bytea; h bytea; BEGIN
  SELECT hash INTO prev FROM limf.audit WHERE id = $v - 1;
  FOR r IN SELECT * FROM limf.audit WHERE id >= $v ORDER BY id LOOP
    h := sha256(convert_to('limf-audit-v1', 'UTF8') || '\x00'::bytea || prev
      || limf.audit_ns(r.id::text)
      || limf.audit_ns(((extract(epoch FROM r.at) * 1000000)::bigint)::text)
      || limf.audit_ns(r.os_user) || limf.audit_ns(r.db_role) || limf.audit_ns(r.liid)
      || limf.audit_ns(r.action) || limf.audit_ns(r.detail));
    UPDATE limf.audit SET prev_hash = prev, hash = h WHERE id = r.id;
    prev := h;
  END LOOP; END \$\$;
ALTER TABLE limf.audit ENABLE TRIGGER audit_no_update" && ok || bad "rewrite as limf_admin"
expect 0 verify-rewritten "$limf" audit verify
expect 1 anchor-rewritten "$limf" audit verify --expect-head "$hhead" --min-rows "$hrows"
has anchor-rewritten "row $hrows's hash is not the recorded head (the chain was rewritten)"
admin_sql "ALTER TABLE limf.audit DISABLE TRIGGER USER;
DELETE FROM limf.audit WHERE id >= $v; INSERT INTO limf.audit SELECT * FROM public.saved_admin;
DROP TABLE public.saved_admin; ALTER TABLE limf.audit ENABLE TRIGGER USER" && ok || bad "restore"
expect 0 anchor-restored2 "$limf" audit verify --expect-head "$hhead" --min-rows "$hrows"


# the database from limf.conf ([database] conninfo), over $LIMF_DB; --db over the config
printf '[database]\nconninfo = %s\n' "$LIMF_DB_SERVICE" >"$tmp/svc.conf"
expect 1 conf-service env LIMF_DB="$LIMF_DB_OPERATOR" "$limf" warrant --config "$tmp/svc.conf" \
	add --liid CONF1 --authority A --ref R --country GB --from 2026-01-01T00:00:00Z \
	--to 2026-02-01T00:00:00Z --scope iri --delivery d --target tel:+4420
has conf-service "permission denied"
expect 0 conf-db-wins env LIMF_DB="$LIMF_DB_SERVICE" "$limf" warrant --config "$tmp/svc.conf" \
	--db "$LIMF_DB_OPERATOR" add --liid CONF2 --authority A --ref R --country GB \
	--from 2026-01-01T00:00:00Z --to 2026-02-01T00:00:00Z --scope iri --delivery d \
	--target tel:+4421
printf '[database]\nconninfo = %s\n' "$LIMF_DB_OPERATOR" >"$tmp/op.conf"
expect 0 conf-audit env -u LIMF_DB "$limf" audit --config "$tmp/op.conf" verify
printf '[database]\nconnifo = x\n' >"$tmp/bad.conf"
expect 1 conf-bad "$limf" audit --config "$tmp/bad.conf" verify
has conf-bad "bad.conf:2: unknown key 'connifo'"

# XIDs (schema v3; ETSI TS 103 221 X1/X2/X3 task identifiers): --xid on add and modify,
# canonical lower case, shown by show/list (text and JSON), unique among warrants, audited
X1=$(printf '%08x-aaaa-4bbb-8ccc-000000000001' $$) X2=$(printf '%08x-aaaa-4bbb-8ccc-000000000002' $$)
X3=$(printf '%08x-aaaa-4bbb-8ccc-000000000003' $$)
X2U=$(tr a-f A-F <<<"$X2")
expect 0 xid-add "$limf" warrant add --liid "$L-X" --authority A --ref R --country GB \
	--from 2026-01-01T00:00Z --to 2099-01-01T00:00Z --scope iri+cc --delivery d \
	--target tel:+4477 --xid "$X2U" --xid "$X1" --json
pyjson xid-add "j['xids']==['$X1','$X2']"
expect 0 xid-show "$limf" warrant show "$L-X"
has xid-show "^xid  *$X1"
has xid-show "^xid  *$X2"
expect 0 xid-list "$limf" warrant list
has xid-list "$L-X .* xid=$X1,$X2"
expect 0 xid-list-json "$limf" warrant list --json
pyjson xid-list-json "[w['xids'] for w in j if w['liid']=='$L-X']==[['$X1','$X2']]"
pyjson xid-list-json "all(w['xids']==[] for w in j if w['liid'].startswith('$L-') and w['liid']!='$L-X')"
snap xbefore
expect 1 xid-malformed "$limf" warrant add --liid "$L-Y" --authority A --ref R --country GB \
	--from 2026-01-01T00:00Z --to 2099-01-01T00:00Z --scope iri --delivery d --target tel:+4478 \
	--xid "not-a-uuid"
has xid-malformed "not a UUID"
expect 1 xid-short "$limf" warrant add --liid "$L-Y" --authority A --ref R --country GB \
	--from 2026-01-01T00:00Z --to 2099-01-01T00:00Z --scope iri --delivery d --target tel:+4478 \
	--xid "${X1%?}"
expect 1 xid-twice "$limf" warrant add --liid "$L-Y" --authority A --ref R --country GB \
	--from 2026-01-01T00:00Z --to 2099-01-01T00:00Z --scope iri --delivery d --target tel:+4478 \
	--xid "$X3" --xid "$X3"
has xid-twice "given twice"
expect 1 xid-taken "$limf" warrant add --liid "$L-Y" --authority A --ref R --country GB \
	--from 2026-01-01T00:00Z --to 2099-01-01T00:00Z --scope iri --delivery d --target tel:+4478 \
	--xid "$X3" --xid "$X2"
has xid-taken "belongs to another warrant"
expect 1 xid-mod-bad "$limf" warrant modify "$L-X" --xid "1234"
has xid-mod-bad "not a UUID"
expect 1 xid-mod-dup "$limf" warrant modify "$L-X" --xid "$X1"
has xid-mod-dup "already on the warrant"
expect 1 xid-mod-absent "$limf" warrant modify "$L-X" --remove-xid "$X3"
has xid-mod-absent "not on warrant"
snap xafter
if cmp -s "$tmp/snap.xbefore" "$tmp/snap.xafter"; then ok; else bad "bad XIDs changed the store"; diff "$tmp/snap.xbefore" "$tmp/snap.xafter" | head >&2; fi
expect 0 xid-modify "$limf" warrant modify "$L-X" --xid "$X3" --remove-xid "$X1"
expect 0 xid-modified "$limf" warrant show "$L-X" --json
pyjson xid-modified "j['xids']==['$X2','$X3']"
expect 0 xid-audit "$limf" audit list --liid "$L-X" --json
pyjson xid-audit "[r['action'] for r in j if not r['action'].startswith('row.')]==['warrant.add','warrant.modify']"
pyjson xid-audit "[r['detail'] for r in j if r['action'].startswith('warrant.')][0].count('xids=$X1,$X2')==1 and 'xids=$X2,$X3' in [r['detail'] for r in j if r['action'].startswith('warrant.')][1]"
# (a modify replaces the warrant's XID set: both old rows deleted, both new ones inserted)
pyjson xid-audit-rows "sorted(r['action'] for r in j if r['action'].startswith('row.warrant_xids.'))==['row.warrant_xids.delete']*2+['row.warrant_xids.insert']*4"
# the XID taken off L-X is never given to another warrant (schema 16; before, it was free: the
# old task's PDUs were let in for the new warrant); L-X may take it back
expect 1 xid-retired "$limf" warrant add --liid "$L-Y" --authority A --ref R --country GB \
	--from 2026-01-01T00:00Z --to 2099-01-01T00:00Z --scope iri --delivery d --target tel:+4478 \
	--xid "$X1"
has xid-retired "XID $X1 belongs to another warrant, or was taken off one"
expect 1 xid-retired-none "$limf" warrant show "$L-Y"
expect 0 xid-back "$limf" warrant modify "$L-X" --xid "$X1" --remove-xid "$X3"
expect 0 xid-back-show "$limf" warrant show "$L-X" --json
pyjson xid-back-show "j['xids']==['$X2','$X1'] or sorted(j['xids'])==sorted(['$X1','$X2'])"
expect 0 xid-back2 "$limf" warrant modify "$L-X" --xid "$X3" --remove-xid "$X1"
expect 2 xid-status-usage "$limf" warrant suspend "$L-X" --xid "$X1"
# an option a status change does not take is refused, not ignored (before, `suspend L --scope
# iri` suspended it and left the scope as it was, silently)
for o in "--scope iri" "--delivery d9" "--ref R9" "--country FR" "--json"; do
	# shellcheck disable=SC2086
	expect 2 "status-opt-${o%% *}" "$limf" warrant suspend "$L-X" $o
done
expect 0 status-opt-none "$limf" warrant show "$L-X" --json
pyjson status-opt-none "j['status']=='active'"
# several LIIDs at once (a case's warrants, in one connection): each in turn with its own audit
# row; the first that fails stops the rest and is named; show and modify take one
for k in 1 2 3 4; do
	expect 0 "multi-add-$k" "$limf" warrant add --liid "$L-M$k" --authority A --ref R \
		--country FR --from 2026-01-01T00:00Z --to 2027-01-01T00:00Z --scope iri \
		--delivery d --target "tel:+3370000000$k"
done
expect 2 multi-show "$limf" warrant show "$L-M1" "$L-M2"
expect 2 multi-modify "$limf" warrant modify "$L-M1" "$L-M2" --scope iri+cc
expect 0 multi-suspend "$limf" warrant suspend "$L-M3" "$L-M4" --reason "both paused"
has multi-suspend "^suspended warrant $L-M4$"
expect 0 multi-resume "$limf" warrant resume "$L-M3" "$L-M4"
expect 1 multi-revoke "$limf" warrant revoke "$L-M1" "$L-M2" "$L-nope" "$L-M3" --reason "case closed"
has multi-revoke "^revoked warrant $L-M2$"
has multi-revoke "warrant $L-nope (3 of 4): not revoked, nor any after it"
hasnt multi-revoke "revoked warrant $L-M3"
for k in 1 2 3 4; do
	expect 0 "multi-show-$k" "$limf" warrant show "$L-M$k" --json
	if [ $k -le 2 ]; then
		pyjson "multi-revoked-$k" "j['status']=='revoked' and j['reason']=='case closed'"
	else
		pyjson "multi-active-$k" "j['status']=='active' and len(j['suspensions'])==1"
	fi
done
expect 0 multi-audit "$limf" audit list --json
pyjson multi-audit "sorted(r['liid'] for r in j if r['action']=='warrant.revoke' and r['liid'].startswith('$L-M'))==['$L-M1','$L-M2']"
pyjson multi-audit "sorted(r['liid'] for r in j if r['action']=='warrant.suspend' and r['liid'].startswith('$L-M'))==['$L-M3','$L-M4']"
expect 0 multi-revoke-rest "$limf" warrant revoke "$L-M3" "$L-M4" --reason "case closed"
# up to 1024 LIIDs in one command (limf/cli_warrant.c W_MAX_LIIDS): 1024 are taken (the first,
# unknown, stops them), 1025 are a usage error, before any is looked at
mapfile -t many < <(seq -f "$L-none%g" 1 1025)
expect 1 multi-1024 "$limf" warrant revoke "${many[@]:0:1024}" --reason "too many"
has multi-1024 "warrant $L-none1 (1 of 1024): not revoked, nor any after it"
expect 2 multi-1025 "$limf" warrant revoke "${many[@]}" --reason "too many"
has multi-1025 "usage: limf warrant"
hasnt multi-1025 "not revoked"
# C1 control characters (U+0080..U+009F as UTF-8: CSI is U+009B) are not printable text: a
# terminal could take them for escapes when another operator's `warrant show` prints them
expect 1 c1-authority "$limf" warrant add --liid "$L-C1" --authority "$(printf 'A\302\2332J')" \
	--ref R --country GB --from 2026-01-01T00:00Z --to 2027-01-01T00:00Z --scope iri \
	--delivery d --target tel:+4476
has c1-authority "authority must be 1..200 printable characters"
expect 0 c1-latin "$limf" warrant add --liid "$L-L1" --authority "$(printf 'Cour d\303\251appel')" \
	--ref R --country FR --from 2026-01-01T00:00Z --to 2027-01-01T00:00Z --scope iri \
	--delivery d --target tel:+4475
# and the target as entered, shown by `warrant show` too: its display name and the tel:
# parameters normalising ignores could carry them (before: stored and printed raw)
for t in "$(printf '"\033[2J\033]0;x\007" <sip:esc@example.org>')" "$(printf 'tel:+4474;x=\302\233m')"; do
	expect 1 ctl-target "$limf" warrant add --liid "$L-CT" --authority A --ref R --country GB \
		--from 2026-01-01T00:00Z --to 2027-01-01T00:00Z --scope iri --delivery d --target "$t"
	has ctl-target "target number 1 holds a control character"
	if cat "$tmp/out" "$tmp/err" | LC_ALL=C grep -q "$(printf '\033\|\302\233')"; then
		bad "ctl-target: the control character was echoed"
	else ok; fi
done
expect 1 ctl-target-none "$limf" warrant show "$L-CT"

# a warrant holding infinity / -infinity (written by hand before schema version 4, which now
# refuses new ones): simulated as the superuser with triggers off; every command still works
# on it and on the others, and prints the times as the strings infinity / -infinity
expect 0 inf-add "$limf" warrant add --liid "$L-I" --authority A --ref R --country GB \
	--from 2026-01-01T00:00Z --to 2027-01-01T00:00Z --scope iri --delivery d --target tel:+4479
sql "UPDATE limf.warrants SET valid_from = '-infinity', valid_to = 'infinity' WHERE liid = '$L-I'" && ok || bad "set infinity"
expect 0 inf-list "$limf" warrant list
has inf-list "^$L-I .* -infinity \.\. infinity tel:+4479"
has inf-list "^$L-X "
expect 0 inf-list-json "$limf" warrant list --json
pyjson inf-list-json "[(w['valid_from'],w['valid_to']) for w in j if w['liid']=='$L-I']==[('-infinity','infinity')]"
pyjson inf-list-json "any(w['liid']=='$L-X' for w in j)"
expect 0 inf-show "$limf" warrant show "$L-I"
has inf-show "valid         -infinity .. infinity (end exclusive)"
expect 0 inf-show-json "$limf" warrant show "$L-I" --json
pyjson inf-show-json "j['valid_from']=='-infinity' and j['valid_to']=='infinity'"
expect 0 inf-suspend "$limf" warrant suspend "$L-I" --reason pause
expect 0 inf-resume "$limf" warrant resume "$L-I"
expect 0 inf-modify "$limf" warrant modify "$L-I" --delivery d2
expect 0 inf-kept "$limf" warrant show "$L-I" --json
pyjson inf-kept "j['valid_from']=='-infinity' and j['valid_to']=='infinity' and j['delivery']=='d2'"
# new infinities are refused, by hand too (the operator's own SQL)
inf_sql() {
	psql -X -q -v ON_ERROR_STOP=1 "$LIMF_DB" -c "BEGIN; $1; INSERT INTO limf.audit (liid, action) VALUES ('$L-X', 'warrant.modify'); COMMIT;"
}
expect 1 inf-refused inf_sql "UPDATE limf.warrants SET valid_to = 'infinity' WHERE liid = '$L-X'"
has inf-refused "valid_to must be a finite time"
expect 0 inf-revoke "$limf" warrant revoke "$L-I" --reason withdrawn
expect 0 inf-revoked "$limf" warrant list --all --json
pyjson inf-revoked "[(w['status'],w['valid_to']) for w in j if w['liid']=='$L-I']==[('revoked','infinity')]"
expect 0 inf-verify "$limf" audit verify

# a new LIID may not begin with '-': the command line takes such a word for an option, so it
# could be added (--liid -X) but never revoked, suspended or shown. One made before (here by
# hand) is named after "--"
expect 1 dash-add "$limf" warrant add --liid "-$L-D" --authority A --ref R --country GB \
	--from 2026-01-01T00:00Z --to 2027-01-01T00:00Z --scope iri --delivery d --target tel:+4477
has dash-add "LIID must not begin with '-'"
expect 0 dash-made "$limf" warrant add --liid "$L-D" --authority A --ref R --country GB \
	--from 2026-01-01T00:00Z --to 2027-01-01T00:00Z --scope iri --delivery d --target tel:+4477
sql "UPDATE limf.warrants SET liid = '-$L-D' WHERE liid = '$L-D'" && ok || bad "rename to -$L-D"
expect 2 dash-show-opt "$limf" warrant show "-$L-D"
expect 0 dash-show "$limf" warrant show --json -- "-$L-D"
pyjson dash-show "j['liid']=='-$L-D' and j['status']=='active'"
expect 0 dash-suspend "$limf" warrant suspend --reason pause -- "-$L-D"
expect 0 dash-modify "$limf" warrant modify --delivery d2 -- "-$L-D"
expect 0 dash-revoke "$limf" warrant revoke --reason done -- "-$L-D"
expect 0 dash-revoked "$limf" warrant show -- "-$L-D"
has dash-revoked "revoked"

# the chain is serialised on a row no other role can lock (schema version 10): a session
# holding the advisory lock version 1 used no longer stops appends (before, each waited out
# the 5 s lock timeout and failed: no warrant change, key request or decryption), and the
# operator cannot lock the row itself
psql -X -q "$LIMF_DB" -c "SELECT pg_advisory_lock(7163897000002), pg_sleep(10)" >/dev/null 2>&1 &
lpid=$!
for _ in $(seq 50); do
	[ "$(psql -X -qtA "$LIMF_DB" -c "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")" -ge 1 ] && break
	sleep 0.1
done
expect 0 add-under-lock "$limf" warrant add --liid "$L-K" --authority A --ref R --country GB \
	--from 2026-01-01T00:00Z --to 2027-01-01T00:00Z --scope iri --delivery d --target tel:+4478
kill -0 "$lpid" 2>/dev/null && ok || bad "the advisory lock was not held throughout"
kill "$lpid" 2>/dev/null
wait "$lpid" 2>/dev/null
expect 1 lock-row psql -X -q -v ON_ERROR_STOP=1 "$LIMF_DB" -c "SELECT 1 FROM limf.audit_lock FOR UPDATE"
has lock-row "permission denied"
expect 0 lock-verify "$limf" audit verify

# usage errors
expect 2 warrant-usage "$limf" warrant
expect 2 warrant-unknown "$limf" warrant frob
expect 2 audit-usage "$limf" audit
expect 2 audit-verify-usage "$limf" audit verify extra

finish
