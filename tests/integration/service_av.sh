#!/bin/sh
# AV through qscand's warm roles (docs/warm.md): a virus is refused as on
# the exec path (same exit, verdict, reason, nothing queued), a clean
# message queued with the same trace header; libclamav (its engine
# loaded once by its zygote) and clamd (FILDES).
. "$(dirname "$0")/lib.sh"
. "$QSCAN_SRC/tests/av/lib_av.sh"
. "$QSCAN_SRC/tests/integration/lib_service.sh"
av_setup "virus_action = reject"
av_messages
av_clamd_start
V=$T/msgs/nested/eicar-base64.eml
qs_msg "$T/clean" hello
qs_env "$T/e" alice@a.example bob@b.example

reason() {
	av_reason | sed 's/ rss_kb=[0-9]*$//'
}

header_shape() {
	head -n 1 "$T/rec/message" | sed 's/Processed in [0-9.]* secs); .*/Processed in N secs)/'
}

for b in clamav fildes; do
	av_conf "$b"
	svc_conf "fallback = tempfail"
	# The exec path first: the service is not running, so with
	# fallback = tempfail the hook must be told it may fall back.
	sed -i 's/^fallback = tempfail$/fallback = exec/' "$T/qscan.conf"
	av_run "$V" "$T/e"
	expect_rc 31 "$b exec path: virus"
	exec_reason=$(reason)
	av_run "$T/clean" "$T/e"
	expect_rc 0 "$b exec path: clean"
	exec_header=$(header_shape)
	sed -i 's/^fallback = exec$/fallback = tempfail/' "$T/qscan.conf"

	svc_start
	av_run "$V" "$T/e"
	expect_rc 31 "$b through qscand: virus"
	grep -q "service unavailable" "$T/stderr" && { cat "$T/stderr"; fail "$b: fell back"; }
	[ ! -f "$T/rec/message" ] || fail "$b through qscand: the virus was queued"
	[ "$(qs_field verdict)" = virus ] || fail "$b through qscand: $(qs_last)"
	[ "$(qs_field action)" = reject ] || fail "$b through qscand: $(qs_last)"
	[ "$(reason)" = "$exec_reason" ] ||
	    fail "$b: reason $(reason), exec path: $exec_reason"
	av_reason | grep -q Eicar-Test-Signature || fail "$b: reason: $(av_reason)"
	av_run "$T/clean" "$T/e"
	expect_rc 0 "$b through qscand: clean"
	[ "$(header_shape)" = "$exec_header" ] ||
	    fail "$b: header $(header_shape), exec path: $exec_header"
	svc_stop
	pass "$b: virus refused (31, $exec_reason) and clean queued, as on the exec path"
done
