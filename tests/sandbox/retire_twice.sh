#!/bin/sh
# Two retirements in a row (docs/warm.md, "Signature updates"): the
# unpack zygote A retires at service.zygote_max_children (its canary
# and two messages) while a slow
# child of its is still in flight; its successor B serves its own two and
# retires too while A still finishes.  The monitor lets two zygotes of a
# role live, so B's successor C waits until one of them ends: the front
# keeps both A and B (their logs relayed to their ends, their ends
# recognised), asks for no third, and starts C when A ends.  The slow
# message is queued, and C serves the next one.  The hostile role serves
# as the unpack zygote for its "slow" attempt.
. "$(dirname "$0")/../integration/lib.sh"
. "$QSCAN_SRC/tests/integration/lib_service.sh"
qs_setup "[limits]" "role_timeout_ms = 30000"
qs_roles "$QSCAN_BUILD/tests/sandbox/qscan-hostile"
qs_env "$T/e" a@b.example c@d.example
# Its canary is a zygote's first child: 3 is the canary and two messages.
svc_conf "fallback = tempfail" "zygote_max_children = 3"
svc_start

msg() {
	printf 'From: a@b.example\nTo: c@d.example\nSubject: retire\nX-Hostile: %s\n\nbody\n' "$2" > "$1"
}
clean_one() {
	msg "$T/clean" none
	qs_standin 0
	svc_run "$T/clean" "$T/e"
	svc_wait
	expect_rc 0 "$1"
	[ -f "$T/rec/message" ] || fail "$1: not queued"
}

A=$(svc_zygote unpack)
# A's first child: one record every 100 ms for 8 s.
msg "$T/slow" "slow 8000"
env -i TCPREMOTEIP=192.0.2.7 PROTO=SMTP QSCAN_CONFIG="$T/qscan.conf" \
    "$QSCAN_BUILD/broker/qmail-scanner-queue" < "$T/slow" 1< "$T/e" \
    2> "$T/stderr.slow" &
slow=$!
svc_wait_child "$A" > /dev/null
served=$(svc_served)
clean_one "A's second child"
svc_wait_log "zygote unpack pid $A: retiring" 1
svc_wait_log 'canary passed, serving' $((served + 1))
B=$(svc_zygote unpack)
[ "$B" != "$A" ] || fail "no successor to A"
kill -0 "$A" 2>/dev/null || fail "A ended before its slow child did"
clean_one "B's first child"
clean_one "B's second child"
svc_wait_log "zygote unpack pid $B: retiring while pid $A still finishes its children" 1
kill -0 "$A" 2>/dev/null || fail "A ended before its slow child did (the test needs it alive)"
pass "B retired while A finishes its slow child: B's successor waits, and the front says so"

set +e
wait "$slow"
src=$?
set -e
[ "$src" = 0 ] || { cat "$T/stderr.slow" "$T/qscand.log"; fail "the slow message: exit $src"; }
svc_wait_log "zygote unpack pid $A: ended (replaced" 1
svc_wait_log 'canary passed, serving' $((served + 2))
C=$(svc_zygote unpack)
[ "$C" != "$B" ] && [ "$C" != "$A" ] || fail "no zygote after A and B"
clean_one "C's first child"
svc_wait_log "zygote unpack pid $B: ended (replaced" 1
! grep -q "has 2 zygotes already" "$T/qscand.log" ||
    { cat "$T/qscand.log"; fail "the front asked the monitor for a third zygote"; }
pass "the slow message queued; A's end seen, then C started and serves; B's end seen; never a third asked for"
