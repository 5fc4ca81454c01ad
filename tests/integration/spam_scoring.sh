#!/bin/sh
# A real spamd on a unix socket and on loopback TCP scores GTUBE as spam and three real ham messages as ham through the hook: the delivered message carries X-Spam-Flag, X-Spam-Status and X-Spam-Level prepended (the body untouched), the summary line spam= and score=; the User: line reaches spamd (never a recipient with CR LF); each message reached spamd exactly once; qscan check --json has the facts.
. "$(dirname "$0")/lib.sh"
. "$QSCAN_SRC/tests/spamd/lib_spamd.sh"
spamd_setup
qs_env "$T/e" alice@a.example bob@b.example
spamd_start

for kind in unix tcp; do
	if [ $kind = unix ]; then SPAMD_SERVERS=unix:$SPAMD_SOCK
	else SPAMD_SERVERS=tcp:127.0.0.1:$SPAMD_PORT; fi
	spamd_conf
	n0=$(spamd_requests)
	spamd_run "$T/gtube.eml"
	expect_rc 0 "$kind gtube"
	[ "$(qs_field verdict)" = clean ] || fail "$kind gtube: $(qs_last)"
	[ "$(qs_field spam)" = yes ] || fail "$kind gtube: summary: $(qs_last)"
	qs_field score | grep -Eq '^[0-9]+\.[0-9]/5\.0$' || fail "$kind gtube: score: $(qs_last)"
	[ -f "$T/rec/message" ] || fail "$kind gtube: not queued"
	[ "$(spamd_header X-Spam-Flag)" = YES ] || fail "$kind gtube: X-Spam-Flag: $(head -12 "$T/rec/message")"
	spamd_header X-Spam-Status | grep -Eq '^Yes, score=[0-9]+\.[0-9] required=5\.0 tests=.*GTUBE' ||
	    fail "$kind gtube: X-Spam-Status: $(spamd_header X-Spam-Status)"
	[ "$(spamd_header X-Spam-Level)" = "**************************************************" ] ||
	    fail "$kind gtube: X-Spam-Level: $(spamd_header X-Spam-Level)"
	# Prepended: the original message follows byte for byte.
	tail -c "$(wc -c < "$T/gtube.eml")" "$T/rec/message" | cmp -s - "$T/gtube.eml" ||
	    fail "$kind gtube: the message itself changed"
	[ "$(spamd_requests)" = $((n0 + 1)) ] || fail "$kind gtube: spamd scored it $(( $(spamd_requests) - n0 )) times"
	pass "$kind: GTUBE spam, tagged X-Spam-Flag YES / X-Spam-Status Yes / 50 stars, body untouched, spamd asked once"

	for h in ham1 ham2 ham3; do
		n0=$(spamd_requests)
		spamd_run "$T/$h.eml"
		expect_rc 0 "$kind $h"
		[ "$(qs_field spam)" = no ] || fail "$kind $h: $(qs_last)"
		[ -f "$T/rec/message" ] || fail "$kind $h: not queued"
		spamd_header X-Spam-Status | grep -Eq '^No, score=-?[0-9]+\.[0-9] required=5\.0 tests=' ||
		    fail "$kind $h: X-Spam-Status: $(spamd_header X-Spam-Status)"
		[ -z "$(spamd_header X-Spam-Flag)" ] || fail "$kind $h: flagged"
		[ "$(spamd_requests)" = $((n0 + 1)) ] || fail "$kind $h: spamd not asked once"
	done
	pass "$kind: three ham messages scored No, queued, no X-Spam-Flag"
done

# The User: line: a fixed name, and the first recipient.
SPAMD_SERVERS=unix:$SPAMD_SOCK
spamd_conf "user = qscan-test-user"
spamd_run "$T/ham1.eml"
expect_rc 0 "user fixed"
grep -q 'qscan-test-user' "$T/spamd.log" || fail "user fixed: spamd's log does not name qscan-test-user"
spamd_conf "user = first-recipient"
spamd_run "$T/ham1.eml"
expect_rc 0 "user first-recipient"
grep -q 'bob@b.example' "$T/spamd.log" || fail "user first-recipient: spamd's log does not name bob@b.example"
pass "User: a fixed name and the first recipient reach spamd"

# A first recipient that would end spamd's header line early is not sent
# as User: (spamd's defaults score the message all the same).
printf 'Falice@a.example\0Tevil\r\nContent-length: 0@b.example\0\0' > "$T/e-evil"
qs_run "$T/ham1.eml" "$T/e-evil"
expect_rc 0 "user with CR LF"
[ "$(qs_field spam)" = no ] || fail "user with CR LF: $(qs_last)"
grep -q 'spamd: user not sent' "$T/stderr" || fail "user with CR LF: no log line: $(cat "$T/stderr")"
pass "a first recipient with CR LF is not sent as User:, the message is scored"

# Different header names.
spamd_conf "status_header = X-Other-Status" "flag_header = X-Other-Flag" "level_header = X-Other-Level"
spamd_run "$T/gtube.eml"
[ "$(spamd_header X-Other-Flag)" = YES ] && [ -z "$(spamd_header X-Spam-Flag)" ] &&
    spamd_header X-Other-Status | grep -q '^Yes, ' ||
    fail "header names: $(head -12 "$T/rec/message")"
pass "header names configurable"

# qscan check --json: the facts.
spamd_conf
spamd_check "$T/j1" "$T/gtube.eml"
python3 - "$T/j1" <<'PY' || fail "check --json: $(head -c 1500 "$T/j1")"
import json, sys
r = json.load(open(sys.argv[1]))[0]
s = r["spam"]
sys.exit(0 if s["status"] == "yes" and s["score"] > 100 and s["threshold"] == 5.0 and "GTUBE" in s["rules"] else 1)
PY
pass "check --json: spam yes, score, threshold 5.0, rules with GTUBE"
