#!/bin/sh
# When a scanner cannot answer (clamd stopped or too slow, database missing, role crashed) the message tempfails, is neither queued nor quarantined, and the log names the scanner; failover and scan_failure_action = pass.
. "$(dirname "$0")/lib.sh"
. "$QSCAN_SRC/tests/av/lib_av.sh"
av_setup
av_messages
V=$T/msgs/nested/eicar-base64.eml
qs_msg "$T/clean.eml" "clean one"
qs_env "$T/e" alice@a.example bob@b.example

# expect_tempfail WHAT CODE SCANNER: the verdict of the last run.
expect_tempfail() {
	expect_rc "$2" "$1"
	[ "$(qs_field exit)" = "$2" ] || fail "$1: summary exit=$(qs_field exit): $(qs_last)"
	[ "$(qs_field verdict)" = tempfail ] || fail "$1: verdict $(qs_field verdict): $(qs_last)"
	av_reason | grep -q "$3" || fail "$1: the reason does not name $3: $(qs_last)"
	[ ! -f "$T/rec/message" ] || fail "$1: the message was queued"
	[ "$(av_quarantined)" = "$q0" ] || fail "$1: the message was quarantined"
	expect_work_empty "$1"
	pass "$1 (exit $2: $(av_reason))"
}

# Failover first, while our clamd runs: a missing socket and a stale
# one (a socket file nobody listens on) come before the real one.
av_clamd_start
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$T/stale.sock"
AV_CLAMD_SERVERS="unix:$T/none.sock;unix:$T/stale.sock;unix:$T/clamd.sock"
av_conf fildes
mark=$(av_clamd_mark)
av_run "$T/clean.eml" "$T/e"
expect_rc 0 "failover, clean"
[ "$(qs_field verdict)" = clean ] || fail "failover, clean: verdict $(qs_field verdict): $(qs_last)"
[ -f "$T/rec/message" ] || fail "failover, clean: not queued"
av_run "$V" "$T/e"
expect_rc 0 "failover, virus"
[ "$(qs_field verdict)" = virus ] || fail "failover, virus: verdict $(qs_field verdict): $(qs_last)"
[ ! -f "$T/rec/message" ] || fail "failover, virus: queued"
[ "$(av_clamd_found "$mark" fildes)" -ge 1 ] || fail "failover: our clamd found nothing"
expect_work_empty "failover"
pass "failover: dead sockets skipped, the third server scanned"
unset AV_CLAMD_SERVERS

q0=$(av_quarantined)

# clamd stopped (its socket file is gone with it).
av_clamd_stop
av_conf fildes
av_run "$V" "$T/e"
expect_tempfail "clamd stopped (fildes)" 81 clamd
av_conf instream
av_run "$V" "$T/e"
expect_tempfail "clamd stopped (instream)" 81 clamd

# clamd too slow: accepts and never answers; read_timeout_ms = 1000 must
# end it long before role_timeout_ms (60 s).
av_hang_start "$T/hang.sock"
AV_CLAMD_SERVERS="unix:$T/hang.sock"
AV_CLAMD_EXTRA="read_timeout_ms = 1000"
av_conf fildes
t0=$(date +%s)
av_run "$V" "$T/e"
t1=$(date +%s)
expect_tempfail "clamd too slow" 52 clamd
[ $((t1 - t0)) -le 15 ] || fail "clamd too slow: took $((t1 - t0)) s with read_timeout_ms = 1000"
av_hang_stop
unset AV_CLAMD_SERVERS AV_CLAMD_EXTRA

# The signature database is missing.
AV_CLAMAV_DB=$T/no-such-db
av_conf clamav
av_run "$V" "$T/e"
expect_tempfail "clamav database missing" 81 clamav
unset AV_CLAMAV_DB

# The clamav role crashes (SIGSEGV before it says anything).
cp "$T/roles/qscan-clamav" "$T/qscan-clamav.real"
printf 'int main(void) { *(volatile int *)0 = 1; return 0; }\n' > "$T/crash.c"
cc -o "$T/roles/qscan-clamav" "$T/crash.c"
chmod 755 "$T/roles/qscan-clamav"
av_conf clamav
av_run "$V" "$T/e"
expect_tempfail "clamav role crashed" 81 clamav
cp "$T/qscan-clamav.real" "$T/roles/qscan-clamav"

# scan_failure_action = pass: queued, with the header that says why.
av_conf fildes "scan_failure_action = pass"
av_run "$T/clean.eml" "$T/e"
expect_rc 0 "scan_failure_action = pass"
[ -f "$T/rec/message" ] || fail "scan_failure_action = pass: not queued: $(qs_last)"
sed '/^$/q' "$T/rec/message" | grep -q '^X-Qscan-Not-Scanned: clamd: ..*' ||
    fail "scan_failure_action = pass: no X-Qscan-Not-Scanned header: $(sed '/^$/q' "$T/rec/message")"
size=$(wc -c < "$T/clean.eml")
tail -c "$size" "$T/rec/message" | cmp -s - "$T/clean.eml" ||
    fail "scan_failure_action = pass: message bytes changed"
cmp -s "$T/rec/envelope" "$T/e" || fail "scan_failure_action = pass: envelope changed"
[ "$(av_quarantined)" = "$q0" ] || fail "scan_failure_action = pass: quarantined"
expect_work_empty "scan_failure_action = pass"
pass "scan_failure_action = pass: queued with $(grep '^X-Qscan-Not-Scanned:' "$T/rec/message")"
