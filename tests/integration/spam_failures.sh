#!/bin/sh
# spamd that fails: servers are tried in order (a dead socket first, then the real spamd); the real spamd stopped mid-run gives X-Spam-Status: unknown with a log line (failure_action = pass) or a tempfail (= tempfail); a hostile fake spamd (tests/spamd/spamd_tool.py: 10 MiB reply, wrong Content-length, a byte every 0.3 s, garbage, silence, a closed connection) never makes a message pass unscanned with tempfail, passes it as unknown with pass, and the broker's peak memory stays that of a normal message.
. "$(dirname "$0")/lib.sh"
. "$QSCAN_SRC/tests/spamd/lib_spamd.sh"
spamd_setup
qs_env "$T/e" alice@a.example bob@b.example
spamd_start

# 1. Failover: the first server is gone, the second answers.
SPAMD_SERVERS="unix:$T/spamd/none.sock;unix:$SPAMD_SOCK"
spamd_conf
spamd_run "$T/gtube.eml"
expect_rc 0 "failover"
[ "$(qs_field spam)" = yes ] || fail "failover: $(qs_last)"
pass "servers tried in order: a dead socket, then spamd"
SPAMD_SERVERS=unix:$SPAMD_SOCK

# 2. spamd stopped mid-run.
spamd_conf
spamd_run "$T/ham1.eml"
[ "$(qs_field spam)" = no ] || fail "before stop: $(qs_last)"
rss_normal=$(qs_field rss_kb)
spamd_stop
spamd_run "$T/gtube.eml"
expect_rc 0 "stopped, pass"
[ "$(qs_field spam)" = unknown ] && [ "$(qs_field action)" = queue ] || fail "stopped, pass: $(qs_last)"
[ "$(spamd_header X-Spam-Status)" = unknown ] || fail "stopped, pass: X-Spam-Status: $(spamd_header X-Spam-Status)"
[ -z "$(spamd_header X-Spam-Flag)" ] || fail "stopped, pass: flagged"
grep -q 'spam=unknown: spam check failed, passing unscored.*no spamd answered' "$T/stderr" ||
    fail "stopped, pass: log: $(cat "$T/stderr")"
spamd_conf "failure_action = tempfail"
spamd_run "$T/gtube.eml"
expect_rc 81 "stopped, tempfail"
[ "$(qs_field verdict)" = tempfail ] && [ ! -f "$T/rec/message" ] || fail "stopped, tempfail: $(qs_last)"
qs_last | grep -q 'reason=spamd:' || fail "stopped, tempfail: reason: $(qs_last)"
pass "spamd stopped: X-Spam-Status: unknown and a log line (pass), exit 81 (tempfail)"

# 3. The hostile fake spamd, each mode with tempfail and with pass.
for mode in oversize badlength trickle garbage silent close; do
	spamd_fake_start "$mode"
	SPAMD_SERVERS=unix:$SPAMD_FAKE_SOCK
	spamd_conf "failure_action = tempfail" "read_timeout_ms = 1000"
	printf '[limits]\nrole_timeout_ms = 4000\n' >> "$T/qscan.conf"
	spamd_run "$T/gtube.eml"
	case $rc in
	81|52) ;;
	*) cat "$T/stderr"; fail "$mode, tempfail: exit $rc: $(qs_last)" ;;
	esac
	[ ! -f "$T/rec/message" ] || fail "$mode, tempfail: queued"
	trc=$rc
	rss=$(qs_field rss_kb)
	[ "$rss" -le $((rss_normal + 2048)) ] ||
	    fail "$mode: broker peak ${rss} KB, a normal message ${rss_normal} KB"
	why=$(grep -o 'spam check failed, tempfail.*' "$T/stderr" | head -1)
	[ -n "$why" ] || why=$(qs_last | sed 's/.*reason=//; s/ rss_kb.*//')
	spamd_conf "failure_action = pass" "read_timeout_ms = 1000"
	printf '[limits]\nrole_timeout_ms = 4000\n' >> "$T/qscan.conf"
	spamd_run "$T/gtube.eml"
	expect_rc 0 "$mode, pass"
	[ "$(spamd_header X-Spam-Status)" = unknown ] || fail "$mode, pass: $(qs_last)"
	pass "$mode: tempfail (exit $trc: $why), pass as unknown; broker peak $rss KB (normal $rss_normal KB)"
	spamd_fake_stop
done
