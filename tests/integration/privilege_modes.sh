#!/bin/sh
# The broker installed as a site would: setuid root, with file
# capabilities, or setuid qscand, exec'd by another uid as qmail-smtpd's
# qmaild would.  Reads only its compiled-in configuration then.
. "$(dirname "$0")/lib.sh"
conf=${QSCAN_COMPILED_CONFIG:?}
[ "$conf" = /var/tmp/qscan-test-etc/qscan.conf ] ||
    fail "configure the test build with -Dconfig_path=/var/tmp/qscan-test-etc/qscan.conf (is: $conf)"
qs_setup
# Ours alone: made afresh by root, whatever was there before.
rm -rf "$(dirname "$conf")"
install -d -o root -g root -m 0755 "$(dirname "$conf")"
cp "$T/qscan.conf" "$conf"
chmod 644 "$conf"
getent passwd qscan-test-smtpd >/dev/null || useradd --system --no-create-home --shell /usr/sbin/nologin qscan-test-smtpd
smtpd_uid=$(id -u qscan-test-smtpd)
qs_msg "$T/m"
qs_env "$T/e" a@b.example c@d.example
chmod 644 "$T/m" "$T/e"
mkdir -p "$T/bin"
chmod 755 "$T/bin"

# As qmaild: a reduced environment, QSCAN_CONFIG must be ignored.
# SMTPD_GROUPS: the caller's supplementary groups (none by default).
run_as_smtpd() {
	groups_opt=--clear-groups
	[ -z "${SMTPD_GROUPS:-}" ] || groups_opt=--groups=$SMTPD_GROUPS
	set +e
	cat "$T/m" | setpriv --reuid=qscan-test-smtpd --regid=qscan-test-smtpd \
	    "$groups_opt" \
	    env -i TCPREMOTEIP=192.0.2.9 QSCAN_CONFIG=/nonexistent/qscan.conf \
	    "$T/bin/qmail-scanner-queue" 1< "$T/e" 2> "$T/stderr"
	rc=$?
	set -e
}

check_mode() {
	what=$1
	qs_standin 0
	run_as_smtpd
	expect_rc 0 "$what"
	head -n 1 "$T/rec/message" | grep -q "uid $smtpd_uid)" || fail "$what: header should name the invoking uid"
	[ "$(stat -c %U "$T/rec/message")" = qscand ] || fail "$what: qmail-queue should run as qscand"
	pass "$what"
}

cp "$QSCAN_BUILD/broker/qmail-scanner-queue" "$T/bin/"
chown root:root "$T/bin/qmail-scanner-queue"
chmod 4711 "$T/bin/qmail-scanner-queue"
check_mode "setuid root"
grep -q "roles share" "$T/stderr" && fail "setuid root: roles should have their own uid"

# A configuration error, told to a caller that is not root: where it is,
# never what the line says (the broker reads it after the drop; the mail
# log gets the details).
printf '[qscan]\nthis-line-is-private-7d2e\n' >> "$conf"
run_as_smtpd
expect_rc 55 "setuid root, bad configuration"
grep -q "qscan.conf:[0-9]*: error (details in the mail log)" "$T/stderr" ||
    { cat "$T/stderr"; fail "bad configuration: should name file:line"; }
grep -q "this-line-is-private" "$T/stderr" &&
    { cat "$T/stderr"; fail "bad configuration: the line's content reached the caller"; }
cp "$T/qscan.conf" "$conf"
pass "setuid root, bad configuration: file:line only, exit 55"

# The configuration is parsed after the drop: with a FIFO for it, the
# broker is caught reading it, and must be qscand by then (real,
# effective and saved uid).  The wait is bounded and fails the test.
rm -f "$conf"
mkfifo -m 644 "$conf"
qs_standin 0
cat "$T/m" | setpriv --reuid=qscan-test-smtpd --regid=qscan-test-smtpd --clear-groups \
    env -i TCPREMOTEIP=192.0.2.9 "$T/bin/qmail-scanner-queue" 1< "$T/e" 2> "$T/stderr" &
broker=$!
exec 9<> "$conf"	# read-write: never blocks, even if the broker fails
reading=
for i in $(seq 600); do
	read -r nr fd _ < "/proc/$broker/syscall" 2>/dev/null || break
	if [ "$nr" = 0 ] && [ "$(readlink "/proc/$broker/fd/$((fd))")" = "$conf" ]; then
		reading=yes
		break
	fi
	sleep 0.1
done
uids=$(sed -n 's/^Uid:[[:space:]]*//p' "/proc/$broker/status" 2>/dev/null | tr -s '[:space:]' ' ')
cat "$T/qscan.conf" >&9
exec 9>&-
set +e
wait "$broker"
rc=$?
set -e
rm -f "$conf"
cp "$T/qscan.conf" "$conf"
[ "$reading" = yes ] || fail "config as a FIFO: never saw the broker reading it"
qscand_uid=$(id -u qscand)
[ "$uids" = "$qscand_uid $qscand_uid $qscand_uid $qscand_uid " ] ||
    fail "the broker parsed its configuration with uids $uids, not qscand's ($qscand_uid)"
expect_rc 0 "config as a FIFO"
pass "setuid root: the configuration is parsed as qscand, after the drop"

chmod 0711 "$T/bin/qmail-scanner-queue"
setcap cap_setuid,cap_setgid+ep "$T/bin/qmail-scanner-queue"
check_mode "file capabilities cap_setuid,cap_setgid"
setcap -r "$T/bin/qmail-scanner-queue"

# Setuid qscand alone would keep the caller's gid: refused.
chown qscand "$T/bin/qmail-scanner-queue"
chmod 4711 "$T/bin/qmail-scanner-queue"
qs_standin 0
run_as_smtpd
expect_rc 81 "setuid qscand without setgid"
grep -q "not setgid to its group: the caller's gid $(id -g qscan-test-smtpd) would stay" "$T/stderr" ||
    { cat "$T/stderr"; fail "setuid qscand without setgid: should say why"; }
[ ! -f "$T/rec/message" ] || fail "setuid qscand without setgid: queued anyway"
pass "setuid qscand without setgid: refused, exit 81"

# As qscan-setup installs it: setuid and setgid qscand.
sh "$QSCAN_BUILD/conf/qscan-setup" --spool "$T/spool" --cgroup "$QS_CGROUP" \
    --setuid-qscand "$T/bin/qmail-scanner-queue" >/dev/null
check_mode "setuid qscand (Qmail-Scanner's way)"
grep -q "roles share uid" "$T/stderr" || fail "setuid qscand: should say roles share its uid"
[ "$(stat -c %G "$T/rec/message")" = qscand ] ||
    fail "setuid qscand: qmail-queue should run with qscand's gid, not $(stat -c %G "$T/rec/message")"
grep -q "supplementary groups" "$T/stderr" && fail "setuid qscand: no supplementary groups to speak of"

# The caller's supplementary groups cannot be cleared without
# CAP_SETGID: the broker says so.
getent group qscan-test-extra >/dev/null || groupadd --system qscan-test-extra
extra=$(getent group qscan-test-extra | cut -d: -f3)
SMTPD_GROUPS=$extra check_mode "setuid qscand, caller with a supplementary group"
grep -q "the caller's supplementary groups $extra stay ours and the roles'" "$T/stderr" ||
    { cat "$T/stderr"; fail "setuid qscand: kept supplementary groups should be logged"; }
rm -rf "$(dirname "$conf")"
