#!/bin/sh
# Who may use qscand (docs/warm.md, "The hook and the service"): the
# socket is 0660 qscand and the clients' group; SO_PEERCRED lets in root,
# qscand and service.client_users.  A hook of another uid that can reach
# the socket is logged and closed by the front, and tempfails.
. "$(dirname "$0")/lib.sh"
. "$QSCAN_SRC/tests/integration/lib_service.sh"
getent passwd qscan-test-other >/dev/null ||
    useradd --system --no-create-home --shell /usr/sbin/nologin qscan-test-other
smtpd_uid=$(id -u qscan-test-smtpd)
other_uid=$(id -u qscan-test-other)
smtpd_gid=$(id -g qscan-test-smtpd)
qs_setup
svc_conf "fallback = tempfail"
chmod 644 "$T/qscan.conf"
qs_msg "$T/m" hello
qs_env "$T/e" alice@a.example bob@b.example
chmod 644 "$T/m" "$T/e"
svc_start

[ "$(stat -c '%a %U %g' "$SVC_SOCK")" = "660 qscand $smtpd_gid" ] ||
    fail "socket: $(stat -c '%a %U %g' "$SVC_SOCK"), expected 660 qscand $smtpd_gid"
[ "$(stat -c '%a %U' "$T/run/zygotes")" = "700 qscand" ] ||
    fail "zygotes/: $(stat -c '%a %U' "$T/run/zygotes")"
[ "$(stat -c '%a %U' "$(dirname "$SVC_SOCK")")" = "750 qscand" ] ||
    fail "socket directory: $(stat -c '%a %U' "$(dirname "$SVC_SOCK")")"
pass "socket 0660 qscand:clients, its directory 0750, zygotes/ 0700 qscand"

# run_as USER [setpriv options...]: the hook as USER with no privilege.
run_as() {
	_user=$1
	shift
	set +e
	cat "$T/m" | setpriv --reuid="$_user" --regid="$_user" "$@" \
	    env -i TCPREMOTEIP=192.0.2.9 QSCAN_CONFIG="$T/qscan.conf" \
	    "$QSCAN_BUILD/broker/qmail-scanner-queue" 1< "$T/e" 2> "$T/stderr"
	rc=$?
	set -e
}

# A client: served, and qmail-queue runs as the hook's own uid.
qs_standin 0
run_as qscan-test-smtpd --clear-groups
expect_rc 0 "client qscan-test-smtpd"
[ -f "$T/rec/message" ] || fail "client: nothing queued"
[ "$(stat -c %U "$T/rec/message")" = qscan-test-smtpd ] ||
    fail "client: qmail-queue ran as $(stat -c %U "$T/rec/message"), not the hook's uid"
head -n 1 "$T/rec/message" | grep -q "uid $smtpd_uid)" ||
    fail "client: header should name uid $smtpd_uid: $(head -n 1 "$T/rec/message")"
grep -q "service unavailable" "$T/stderr" && { cat "$T/stderr"; fail "client: fell back"; }
pass "client in service.client_users: served, qmail-queue run by the hook as its caller"

# Not a client, but in the socket's group (as a supplementary group):
# the connection is made, SO_PEERCRED refuses it.
mark=$(grep -c . "$T/qscand.log")
qs_standin 0
run_as qscan-test-other --groups="$smtpd_gid"
expect_rc 71 "not a client"
[ ! -f "$T/rec/message" ] || fail "not a client: queued"
grep -q "service unavailable (qscand closed the connection (is this uid a client?)): tempfail" "$T/stderr" ||
    { cat "$T/stderr"; fail "not a client: the hook did not say why"; }
svc_wait_log "front: peer uid $other_uid gid $(id -g qscan-test-other) pid [0-9]* is no client" 1
[ "$(tail -n +"$((mark + 1))" "$T/qscand.log" | grep -c 'warm unpack\|id=')" = 0 ] ||
    fail "not a client: a worker ran for it"
pass "uid $other_uid not a client: logged by the front and closed; the hook tempfails"

# Neither a client nor in the group: the socket's mode keeps it out.
run_as qscan-test-other --clear-groups
expect_rc 71 "outside the socket's group"
grep -q "service unavailable ($SVC_SOCK: Permission denied): tempfail" "$T/stderr" ||
    { cat "$T/stderr"; fail "outside the group: not logged"; }
pass "outside the socket's group: Permission denied, 71"

# The hook installed setuid root (for the fallback), run by a client: it
# reads the compiled-in configuration as qscand, and once the service
# says SVC_READY it drops everything: qmail-queue runs as the caller,
# with no capability.
conf=${QSCAN_COMPILED_CONFIG:?}
rm -rf "$(dirname "$conf")"
install -d -o root -g root -m 0755 "$(dirname "$conf")"
printf '#!/bin/sh\ngrep -E "^(Uid|Gid|Cap[A-Za-z]*):" /proc/self/status > %s/rec/status\nexec %s/qq\n' \
    "$T" "$T" > "$T/qq-status"
chmod 755 "$T/qq-status"
sed "s|^qmail_queue = .*|qmail_queue = $T/qq-status|" "$T/qscan.conf" > "$conf"
chmod 644 "$conf"
mkdir -p "$T/bin"
chmod 755 "$T/bin"
cp "$QSCAN_BUILD/broker/qmail-scanner-queue" "$T/bin/"
chown root:root "$T/bin/qmail-scanner-queue"
chmod 4711 "$T/bin/qmail-scanner-queue"
qs_standin 0
rm -f "$T/rec/status"
set +e
cat "$T/m" | setpriv --reuid=qscan-test-smtpd --regid=qscan-test-smtpd --clear-groups \
    env -i TCPREMOTEIP=192.0.2.9 "$T/bin/qmail-scanner-queue" 1< "$T/e" 2> "$T/stderr"
rc=$?
set -e
rm -rf "$(dirname "$conf")"
expect_rc 0 "setuid root hook"
grep -q "service unavailable" "$T/stderr" && { cat "$T/stderr"; fail "setuid root hook: fell back"; }
[ -f "$T/rec/status" ] || fail "setuid root hook: qmail-queue did not run"
[ "$(sed -n 's/^Uid:[[:space:]]*//p' "$T/rec/status" | tr -s '[:space:]' ' ')" = "$smtpd_uid $smtpd_uid $smtpd_uid $smtpd_uid " ] ||
    fail "setuid root hook: qmail-queue ran with $(grep Uid "$T/rec/status")"
for f in CapInh CapPrm CapEff CapAmb; do
	[ "$(sed -n "s/^$f:[[:space:]]*//p" "$T/rec/status")" = 0000000000000000 ] ||
	    fail "setuid root hook: qmail-queue has $(grep "^$f" "$T/rec/status")"
done
pass "setuid root hook through qscand: qmail-queue runs as the caller, no capability"
