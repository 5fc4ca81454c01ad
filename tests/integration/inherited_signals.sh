#!/bin/sh
# A caller of the setuid broker chooses its signal state and exec keeps it:
# SIGCHLD ignored (the kernel reaps our roles and qmail-queue, waitid
# fails), SIGALRM blocked (our deadline disarmed), SIGTERM blocked.  The
# broker resets all of it first: the message is delivered, and promptly:
# a generous timeout (SIGKILL) fails the test instead of a spinning broker.
. "$(dirname "$0")/lib.sh"
qs_setup
qs_msg "$T/m"
qs_env "$T/e" a@b.example c@d.example

cat > "$T/caller" <<EOF
#!/bin/sh
exec /usr/bin/timeout -s KILL ${QS_SIGNAL_TIMEOUT:-120} /usr/bin/python3 -c '
import os, signal, sys
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
signal.signal(signal.SIGPIPE, signal.SIG_IGN)
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM, signal.SIGTERM})
os.execv(sys.argv[1], sys.argv[1:])' "$QSCAN_BUILD/broker/qmail-scanner-queue"
EOF
chmod 755 "$T/caller"

qs_standin 0
QS_BROKER=$T/caller qs_run "$T/m" "$T/e"
[ "$rc" != 137 ] || fail "the broker did not finish (killed after the timeout)"
expect_rc 0 "SIGCHLD ignored, SIGALRM blocked"
[ -f "$T/rec/message" ] || fail "not queued"
[ "$(qs_field action)" = queue ] || fail "$(qs_last)"
pass "SIGCHLD ignored, SIGALRM and SIGTERM blocked by the caller: delivered"
