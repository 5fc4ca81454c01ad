#!/bin/sh
# A hostile resolver (another id, TC set, a compression loop, 1400 bytes, garbage, SERVFAIL, another question, silence, a reply after 10 s) cannot hang or crash the mhr role: each message ends within the deadline with the configured outcome (passed with a log line; tempfail with failure_action = tempfail), and a correct reply after a wrong-id one still counts.
. "$(dirname "$0")/lib.sh"
. "$QSCAN_SRC/tests/mhr/lib_mhr.sh"
mhr_setup
qs_env "$T/e" alice@a.example bob@b.example

# mode:what the first lookup's reason must say
for case in "wrong-id:no answer in time" "truncated:truncated (TC)" \
    "loop:compression pointer does not point back" \
    "oversize:longer than 512 bytes" "garbage:label runs past the end" \
    "servfail:resolver failed" "wrong-question:not our question" \
    "silent:no answer in time" "slow:no answer in time"; do
	mode=${case%%:*}
	want=${case#*:}
	mhr_hostile_start "$mode"
	mhr_conf "deadline_ms = 1500" "query_timeout_ms = 500"
	mhr_run "$T/eicar.eml"
	expect_rc 0 "$mode"
	[ "$(qs_field verdict)" = clean ] || fail "$mode: $(qs_last)"
	[ -f "$T/rec/message" ] || fail "$mode: not queued"
	grep -q 'mhr: lookup skipped for part 1.2' "$T/stderr" ||
	    fail "$mode: no log line: $(cat "$T/stderr")"
	grep 'mhr: lookup skipped for part 1.1' "$T/stderr" | grep -qF "$want" ||
	    fail "$mode: the reason is not \"$want\": $(cat "$T/stderr")"
	grep -q 'scanner mhr failed' "$T/stderr" && fail "$mode: the role failed: $(cat "$T/stderr")"
	why=$(sed -n 's/.*lookup skipped for part 1.1 ([^)]*): //p' "$T/stderr" | head -1)
	mhr_conf "deadline_ms = 1500" "query_timeout_ms = 500" "failure_action = tempfail"
	mhr_run "$T/eicar.eml"
	[ "$(qs_field verdict)" = tempfail ] || fail "$mode, tempfail: $(qs_last)"
	[ ! -f "$T/rec/message" ] || fail "$mode, tempfail: queued"
	expect_work_empty "$mode"
	pass "$mode: passed, logged ($why); tempfail when configured (exit $rc)"
done

# A correct reply after one with another id: the wrong one is waited
# past, the right one counts (99 % over the threshold).
mhr_hostile_start listed
mhr_conf
mhr_check "$T/j" "$T/eicar.eml"
python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))[0]
sys.exit(0 if r["verdict"] == "virus" and any(v["name"] == "MHR.99" for v in r["viruses"]) else 1)' "$T/j" ||
    fail "listed after wrong id: $(head -c 1500 "$T/j")"
pass "a wrong-id reply is waited past: the right one makes MHR.99"
