#!/bin/sh
# A broker installed setuid qscand gives its roles qscand's uid outside
# their namespaces; the clamav role's filter lets it stat paths, which
# Landlock does not cover, so that broker refuses a configuration that
# scans with clamav: it tempfails and says why, and `qscan lint` and
# `qscan check` say it too.  Clamd-only scanning still runs.
. "$(dirname "$0")/../integration/lib.sh"
conf=${QSCAN_COMPILED_CONFIG:?}
[ "$conf" = /var/tmp/qscan-test-etc/qscan.conf ] ||
    fail "configure the test build with -Dconfig_path=/var/tmp/qscan-test-etc/qscan.conf (is: $conf)"
qs_setup "scanners = clamav"
rm -rf "$(dirname "$conf")"
install -d -o root -g root -m 0755 "$(dirname "$conf")"
cp "$T/qscan.conf" "$conf"
chmod 644 "$conf"
trap 'rm -rf "$(dirname "$conf")"; finish' EXIT
getent passwd qscan-test-smtpd >/dev/null || useradd --system --no-create-home --shell /usr/sbin/nologin qscan-test-smtpd
qs_msg "$T/m"
qs_env "$T/e" a@b.example c@d.example
chmod 644 "$T/m" "$T/e"
mkdir -p "$T/bin"
chmod 755 "$T/bin"
cp "$QSCAN_BUILD/broker/qmail-scanner-queue" "$T/bin/"
chown qscand:qscand "$T/bin/qmail-scanner-queue"
chmod 6711 "$T/bin/qmail-scanner-queue"

qs_standin 0
set +e
cat "$T/m" | setpriv --reuid=qscan-test-smtpd --regid=qscan-test-smtpd --clear-groups \
    env -i TCPREMOTEIP=192.0.2.9 "$T/bin/qmail-scanner-queue" 1< "$T/e" 2> "$T/stderr"
rc=$?
set -e
expect_rc 81 "setuid qscand with scanners = clamav"
[ ! -f "$T/rec/message" ] || fail "queued without a scan"
grep -q "sandbox: scanner clamav refused: roles share our uid (broker installed setuid qscand)" "$T/stderr" ||
    { cat "$T/stderr"; fail "the log should say why clamav is refused"; }
pass "setuid qscand refuses clamav: exit 81, logged why"

"$QSCAN_BUILD/broker/qscan" lint "$T/qscan.conf" > "$T/lint" || fail "lint: $(cat "$T/lint")"
grep -q "^note: scanner clamav needs a uid of its own: a broker installed setuid qscand" "$T/lint" ||
    fail "lint should say clamav needs a uid of its own: $(cat "$T/lint")"
pass "qscan lint says why"

# qscan check, run by qscand itself: the same refusal.
set +e
QSCAN_CONFIG="$T/qscan.conf" setpriv --reuid=qscand --regid=qscand --clear-groups \
    "$QSCAN_BUILD/broker/qscan" check "$T/m" > "$T/check" 2>&1
crc=$?
set -e
[ "$crc" != 0 ] || fail "qscan check as qscand should refuse clamav"
grep -q "scanner clamav refused" "$T/check" || fail "qscan check: $(cat "$T/check")"
pass "qscan check as qscand refuses clamav, saying why"

# Without clamav the same install serves (the canary and unpack run).
sed -i "s/^scanners = clamav$/scanners =/" "$conf"
qs_standin 0
set +e
cat "$T/m" | setpriv --reuid=qscan-test-smtpd --regid=qscan-test-smtpd --clear-groups \
    env -i TCPREMOTEIP=192.0.2.9 "$T/bin/qmail-scanner-queue" 1< "$T/e" 2> "$T/stderr"
rc=$?
set -e
expect_rc 0 "setuid qscand without clamav"
pass "setuid qscand without clamav still serves"
