#!/bin/sh
# The hook against a hostile service (tests/integration/fake_service.py):
# it queues a notice (SVC_NOTIFY) only with the null sender and no header
# text, at most three per message, and a notice's status never becomes
# the message's exit code; anything else is refused, logged and tempfails.
. "$(dirname "$0")/lib.sh"
qs_setup
mkdir -p "$T/run" "$T/calls"
chmod 777 "$T/run" "$T/calls"
{
	echo "[service]"
	echo "socket = $T/run/qscand.sock"
	echo "fallback = tempfail"
	echo "zygote_wait_ms = 2000"
} >> "$T/qscan.conf"
qs_msg "$T/m"
qs_env "$T/e" alice@a.example bob@b.example

# run MODE QQ-EXIT: the fake service in MODE, then the hook against it.
run() {
	rm -f "$T/run/qscand.sock" "$T/calls"/*
	printf 'calls=%s\nexit=%s\n' "$T/calls" "$2" > "$T/qq.conf"
	python3 "$QSCAN_SRC/tests/integration/fake_service.py" "$T/run/qscand.sock" "$1" > "$T/fake.out" 2>&1 &
	fake=$!
	_i=0
	while [ ! -S "$T/run/qscand.sock" ]; do
		_i=$((_i + 1))
		[ $_i -lt 100 ] || fail "$1: fake service did not start"
		sleep 0.05
	done
	qs_run "$T/m" "$T/e"
	wait "$fake" || true
}
calls() {
	ls "$T/calls" | grep -c '\.envelope$' || true
}

run null 0
expect_rc 0 "null-sender notice"
[ "$(calls)" = 1 ] || fail "null: $(calls) qmail-queue calls"
printf 'F\0Tbob@b.example\0\0' | cmp -s - "$T/calls/1.envelope" || fail "null: envelope changed"
grep -q 'Subject: fake notice' "$T/calls/1.message" || fail "null: notice bytes"
grep -qx 'answer=queued code=0' "$T/fake.out" || fail "null: $(cat "$T/fake.out")"
pass "a notice with the null sender queued, SVC_QUEUED 0, the message's exit its SVC_EXIT"

run null 71
expect_rc 0 "notice failing: the message's exit stays the service's"
grep -qx 'answer=queued code=71' "$T/fake.out" || fail "null 71: $(cat "$T/fake.out")"
pass "a notice qmail-queue refused (71): reported to the service, exit 0 kept"

run sender 0
expect_rc 71 "notice with a sender"
[ "$(calls)" = 0 ] || fail "sender: queued anyway"
grep -q "not the null sender's: not queued" "$T/stderr" || { cat "$T/stderr"; fail "sender: no log line"; }
pass "a notice with a sender: refused, nothing queued, tempfail"

run header 0
expect_rc 71 "notice with header text"
[ "$(calls)" = 0 ] || fail "header: queued anyway"
pass "a notice with header text: refused"

run many 0
expect_rc 71 "four notices"
[ "$(calls)" = 3 ] || fail "many: $(calls) queued, expected 3"
grep -q 'more notices than a message has' "$T/stderr" || { cat "$T/stderr"; fail "many: no log line"; }
pass "a fourth notice: refused after three"
