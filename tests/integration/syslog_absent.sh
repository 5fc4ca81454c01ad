#!/bin/sh
# syslog = true where nothing listens on /dev/log (a mount namespace puts
# /dev/null over it when it exists): the broker says so once on stderr
# and goes on, the message delivered and its summary line in log_file.
. "$(dirname "$0")/lib.sh"
qs_setup
sed -i 's/^syslog = false$/syslog = true/' "$T/qscan.conf"
grep -q '^syslog = true$' "$T/qscan.conf" || fail "syslog = true not set"
cat > "$T/nolog" <<EOF
#!/bin/sh
[ -n "\${QS_IN_NS:-}" ] || QS_IN_NS=1 exec /usr/bin/unshare -m "\$0"
if [ -e /dev/log ]; then
	/usr/bin/mount --bind /dev/null /dev/log || exit 99
fi
[ ! -S /dev/log ] || exit 98
exec "$QSCAN_BUILD/broker/qmail-scanner-queue"
EOF
chmod 755 "$T/nolog"
qs_msg "$T/m"
qs_env "$T/e" a@b.example c@d.example
QS_BROKER=$T/nolog
qs_run "$T/m" "$T/e"
expect_rc 0 "clean message, no syslog"
[ -f "$T/rec/message" ] || fail "not delivered"
[ "$(qs_field verdict)" = clean ] || fail "summary line: $(qs_last)"
n=$(grep -c "syslog: /dev/log: .*: nothing goes to syslog" "$T/stderr" || true)
[ "$n" = 1 ] || fail "the note $n times: $(cat "$T/stderr")"
pass "syslog = true without /dev/log: said once, delivered, summary in log_file"
# A virus-free message the policy rejects: still one note, and the exit.
printf 'rule no-c recipient "c@d.example" action reject\n' > "$T/p.rules"
printf '[qscan]\npolicy_file = %s\n' "$T/p.rules" > /dev/null
sed -i "s|^\[qscan\]$|[qscan]\npolicy_file = $T/p.rules|" "$T/qscan.conf"
qs_standin 0
qs_run "$T/m" "$T/e"
expect_rc 31 "policy reject, no syslog"
[ "$(qs_field action)" = reject ] || fail "summary line: $(qs_last)"
n=$(grep -c "nothing goes to syslog" "$T/stderr" || true)
[ "$n" = 1 ] || fail "the note $n times: $(cat "$T/stderr")"
pass "without /dev/log a rejected message: one note, exit 31, summary in log_file"
