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

# The clamav zygote's engine in huge pages (scanners/hugepages.c): with a
# database big enough for an engine of tens of MiB (200 000 hash
# signatures), the zygote logs how much it collapsed and its smaps say
# AnonHugePages; its children still scan (EICAR found, clean queued).
mkdir -p "$T/bigdb"
cp "$T/db/"* "$T/bigdb/"
python3 -c '
import hashlib, sys
with open(sys.argv[1], "w") as f:
    for i in range(200000):
        f.write("%s:%d:Qscan.Test.Filler.%d\n" % (hashlib.md5(b"filler%d" % i).hexdigest(), 1000 + i, i))
' "$T/bigdb/filler.hdb"
chmod -R a+rX "$T/bigdb"
AV_CLAMAV_DB=$T/bigdb av_conf clamav
svc_conf "fallback = tempfail"
svc_start
line=$(grep 'zygote clamav.*huge pages: ' "$T/qscand.log" | tail -n 1)
collapsed=$(echo "$line" | sed -n 's/.*huge pages: \([0-9]*\) of [0-9]* MiB.*/\1/p')
[ -n "$collapsed" ] && [ "$collapsed" -gt 0 ] ||
    { cat "$T/qscand.log"; fail "the clamav zygote collapsed nothing into huge pages: $line"; }
zyg=$(svc_zygote clamav)
huge=$(sed -n 's/^AnonHugePages: *\([0-9]*\) kB/\1/p' /proc/"$zyg"/smaps_rollup)
[ "${huge:-0}" -gt 0 ] || fail "clamav zygote $zyg: AnonHugePages ${huge:-none}"
av_run "$V" "$T/e"
expect_rc 31 "big engine through qscand: virus"
av_reason | grep -q Eicar-Test-Signature || fail "big engine: reason: $(av_reason)"
av_run "$T/clean" "$T/e"
expect_rc 0 "big engine through qscand: clean"
svc_stop
pass "clamav zygote: $collapsed MiB of its engine in huge pages ($huge kB AnonHugePages); EICAR found, clean queued"
