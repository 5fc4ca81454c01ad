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
run_as_smtpd() {
	set +e
	cat "$T/m" | setpriv --reuid=qscan-test-smtpd --regid=qscan-test-smtpd --clear-groups \
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

cp "$QSCAN_BUILD/qmail-scanner-queue" "$T/bin/"
chown root:root "$T/bin/qmail-scanner-queue"
chmod 4711 "$T/bin/qmail-scanner-queue"
check_mode "setuid root"
grep -q "roles share" "$T/stderr" && fail "setuid root: roles should have their own uid"

chmod 0711 "$T/bin/qmail-scanner-queue"
setcap cap_setuid,cap_setgid+ep "$T/bin/qmail-scanner-queue"
check_mode "file capabilities cap_setuid,cap_setgid"
setcap -r "$T/bin/qmail-scanner-queue"

chown qscand "$T/bin/qmail-scanner-queue"
chmod 4711 "$T/bin/qmail-scanner-queue"
check_mode "setuid qscand (Qmail-Scanner's way)"
grep -q "roles share uid" "$T/stderr" || fail "setuid qscand: should say roles share its uid"
rm -rf "$(dirname "$conf")"
