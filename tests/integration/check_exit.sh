#!/bin/sh
# qscan check exits with the hook's code: each case is run through
# `qscan check` and through the real qmail-scanner-queue (stand-in
# qmail-queue) with the same file, envelope, client and configuration,
# and both codes must be the one expected.
. "$(dirname "$0")/lib.sh"
. "$QSCAN_SRC/tests/av/lib_av.sh"
TAB=$(printf '\t')
av_setup
cat > "$T/policy.rules" <<RULES
rule relay-ok relay and filename "*.bat" action pass
rule no-bat filename "*.bat" action reject "Batch files are not accepted"
rule blocked sender "*@blocked.example" action reject "Sender blocked"
rule trap recipient "trap@b.example" action drop
rule badnet ip 198.51.100.0/24 action tempfail
RULES
# reject_text_fd = 0: no pipe from qmail-smtpd here, so both answer 31.
av_conf clamav "policy_file = $T/policy.rules" "reject_text_fd = 0"
cp "$T/qscan.conf" "$T/qscan.good"

# both NAME WANT MSG IP RELAY FROM RCPT...: the hook's and check's exits.
both() {
	_name=$1 _want=$2 _msg=$3 _ip=$4 _relay=$5 _from=$6
	shift 6
	_opts="--ip $_ip --from $_from"
	for _r in "$@"; do _opts="$_opts --rcpt $_r"; done
	[ "$_relay" = 1 ] && _opts="$_opts --relay"
	set +e
	# shellcheck disable=SC2086
	QSCAN_CONFIG="$T/qscan.conf" "$QSCAN_BUILD/broker/qscan" check $_opts \
	    "$_msg" > "$T/check.out" 2> "$T/check.err"
	_crc=$?
	set -e
	qs_standin 0
	qs_env "$T/env" "$_from" "$@"
	if [ "$_relay" = 1 ]; then
		qs_run "$_msg" "$T/env" TCPREMOTEIP="$_ip" RELAYCLIENT=
	else
		qs_run "$_msg" "$T/env" TCPREMOTEIP="$_ip"
	fi
	[ "$rc" = "$_want" ] || { cat "$T/stderr"; fail "$_name: hook exit $rc, expected $_want"; }
	[ "$_crc" = "$rc" ] || { cat "$T/check.out" "$T/check.err"; fail "$_name: qscan check exit $_crc, the hook's $rc"; }
	[ ! -f "$T/rec/message" ] || [ "$_want" = 0 ] || fail "$_name: hook queued it"
	grep -q "exit=$_want" "$T/check.out" || [ "$_want" = 55 ] || fail "$_name: check said $(cat "$T/check.out")"
	pass "$_name: qscan check and the hook both exit $_want"
}

qs_msg "$T/clean.eml"
python3 -c '
import sys
sys.path.insert(0, "'"$AV_DIR"'")
import make_messages as m
open("'"$T"'/virus.eml", "wb").write(m.eicar_base64())
'
{
	printf 'From: a@a.example\nTo: b@b.example\nSubject: bat\nMIME-Version: 1.0\n'
	printf 'Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\nsee\n--B\n'
	printf 'Content-Type: application/octet-stream; name="run.bat"\nContent-Disposition: attachment; filename="run.bat"\n\necho hi\n--B--\n'
} > "$T/bat.eml"
chmod a+r "$T"/*.eml

both "clean" 0 "$T/clean.eml" 192.0.2.7 0 a@a.example b@b.example
both "virus, virus_action quarantine" 0 "$T/virus.eml" 192.0.2.7 0 a@a.example b@b.example
grep -q "verdict=virus action=quarantine" "$T/check.out" || fail "virus: $(cat "$T/check.out")"
sed 's/^\[qscan\]$/[qscan]\nvirus_action = reject/' "$T/qscan.good" > "$T/qscan.conf"
both "virus, virus_action reject" 31 "$T/virus.eml" 192.0.2.7 0 a@a.example b@b.example
cp "$T/qscan.good" "$T/qscan.conf"
both "policy: attachment rejected" 31 "$T/bat.eml" 192.0.2.7 0 a@a.example b@b.example
both "policy: relay client passes the attachment" 0 "$T/bat.eml" 192.0.2.7 1 a@a.example b@b.example
both "policy: sender" 31 "$T/clean.eml" 192.0.2.7 0 x@blocked.example b@b.example
both "policy: recipient dropped" 0 "$T/clean.eml" 192.0.2.7 0 a@a.example trap@b.example
grep -q "action=drop" "$T/check.out" || fail "drop: $(cat "$T/check.out")"
both "policy: client address tempfail" 71 "$T/clean.eml" 198.51.100.9 0 a@a.example b@b.example
# Tempfails of the envelope, the size, the sandbox and the configuration.
{ cat "$T/qscan.good"; printf "[limits]\nmax_recipients = 2\n"; } > "$T/qscan.conf"
both "too many recipients" 91 "$T/clean.eml" 192.0.2.7 0 a@a.example b@b.example c@b.example d@b.example
sed 's/^\[qscan\]$/[qscan]\nmax_message_bytes = 1024\noversize_action = tempfail/' "$T/qscan.good" > "$T/qscan.conf"
{ cat "$T/clean.eml"; head -c 4000 /dev/zero | tr "\0" x; echo; } > "$T/big.eml"
chmod a+r "$T/big.eml"
both "oversize, oversize_action tempfail" 71 "$T/big.eml" 192.0.2.7 0 a@a.example b@b.example
sed "s|^role_dir = .*|role_dir = $T/noroles|" "$T/qscan.good" > "$T/qscan.conf"
mkdir -p "$T/noroles"
both "no roles: tempfail" 81 "$T/clean.eml" 192.0.2.7 0 a@a.example b@b.example
printf '[qscan]\nspool_dir = %s/spool\nmax_mesage_bytes = 5\n' "$T" > "$T/qscan.conf"
both "broken configuration" 55 "$T/clean.eml" 192.0.2.7 0 a@a.example b@b.example
cp "$T/qscan.good" "$T/qscan.conf"

# Several files: the first code that is not 0; --json: 0, codes inside.
set +e
QSCAN_CONFIG="$T/qscan.conf" "$QSCAN_BUILD/broker/qscan" check "$T/clean.eml" "$T/bat.eml" > "$T/out" 2>&1
crc=$?
set -e
[ "$crc" = 31 ] || fail "two files: exit $crc: $(cat "$T/out")"
QSCAN_CONFIG="$T/qscan.conf" "$QSCAN_BUILD/broker/qscan" check --json "$T/clean.eml" "$T/bat.eml" > "$T/out.json" || fail "--json: exit $?"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert [e["exit_code"] for e in r] == [0, 31], r' "$T/out.json" || fail "--json codes: $(cat "$T/out.json")"
pass "several files: the first refusal's code; --json: 0, the codes in the JSON"
