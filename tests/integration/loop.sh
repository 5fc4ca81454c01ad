#!/bin/sh
# Loop protection: a qmail_queue that is qmail-scanner-queue itself (by
# path or through a symlink) is refused with a temporary code and a loud
# log line, and QMAILQUEUE never reaches the real qmail-queue.
. "$(dirname "$0")/lib.sh"
qs_setup
qs_msg "$T/m"
qs_env "$T/e" a@b.example c@d.example
# A copy the broker users can reach even when the build tree is private.
mkdir "$T/bin"
cp "$QSCAN_BUILD/broker/qmail-scanner-queue" "$T/bin/"
chmod -R 755 "$T/bin"
QS_BROKER=$T/bin/qmail-scanner-queue
ln -s "$QS_BROKER" "$T/qmail-queue-link"
for qq in "$QS_BROKER" "$T/qmail-queue-link"; do
	sed -i "s|^qmail_queue = .*|qmail_queue = $qq|" "$T/qscan.conf"
	qs_run "$T/m" "$T/e" QMAILQUEUE="$QS_BROKER"
	expect_rc 81 "qmail_queue = itself ($qq)"
	grep -q "LOOP: qmail_queue .* is qmail-scanner-queue itself" "$T/stderr" || fail "no loud log line"
	expect_work_empty loop
done
pass "refuses to run itself as qmail-queue"
