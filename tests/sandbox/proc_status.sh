#!/bin/sh
# While a role runs, the kernel shows it confined: its own uid, no new
# privileges, a seccomp filter, no capabilities, its own namespaces.
. "$(dirname "$0")/../integration/lib.sh"
qs_setup "[limits]" "role_timeout_ms = 8000"
qs_roles "$QSCAN_BUILD/tests/sandbox/qscan-hostile"
qs_env "$T/e" a@b.example c@d.example
printf 'From: a@b.example\nTo: c@d.example\nX-Hostile: sleep\n\nbody\n' > "$T/m"
role_uid=$(id -u qscan-unpack)

cat "$T/m" | env -i QSCAN_CONFIG="$T/qscan.conf" "$QSCAN_BUILD/broker/qmail-scanner-queue" 1< "$T/e" 2> "$T/stderr" &
broker_job=$!
pid=
i=0
while [ -z "$pid" ] && [ $i -lt 100 ]; do
	# Our broker's own child: other brokers may run roles as this user.
	pid=$(pgrep -P "$broker_job" -u "$role_uid" | head -n 1 || true)
	sleep 0.05
	i=$((i+1))
done
[ -n "$pid" ] || fail "no role process running as qscan-unpack"
st=/proc/$pid/status
cat "$st" > "$T/status"
grep -q "^Uid:[[:space:]]*$role_uid[[:space:]]*$role_uid[[:space:]]*$role_uid[[:space:]]*$role_uid$" "$T/status" || fail "Uid: $(grep ^Uid "$T/status")"
grep -q "^Gid:[[:space:]]*$(id -g qscan-unpack)[[:space:]]" "$T/status" || fail "Gid: $(grep ^Gid "$T/status")"
grep -q '^Groups:[[:space:]]*$' "$T/status" || fail "Groups: $(grep ^Groups "$T/status")"
grep -q '^NoNewPrivs:[[:space:]]*1$' "$T/status" || fail "$(grep NoNewPrivs "$T/status")"
grep -q '^Seccomp:[[:space:]]*2$' "$T/status" || fail "$(grep ^Seccomp: "$T/status")"
for c in CapInh CapPrm CapEff CapBnd CapAmb; do
	grep -q "^$c:[[:space:]]*0000000000000000$" "$T/status" || fail "$(grep "^$c" "$T/status")"
done
# Its own pid namespace (it is pid 1 there) and its own net/ipc/mnt/user.
grep -q '^NSpid:[[:space:]]*[0-9]*[[:space:]]*1$' "$T/status" || fail "$(grep NSpid "$T/status")"
for ns in user net ipc mnt pid; do
	[ "$(readlink /proc/$pid/ns/$ns)" != "$(readlink /proc/self/ns/$ns)" ] || fail "role shares our $ns namespace"
done
pass "role $pid: uid $role_uid, NoNewPrivs 1, Seccomp 2, no capabilities, own namespaces"
set +e
wait $broker_job
rc=$?
set -e
expect_rc 52 "sleeping role past its deadline"
pass "broker killed it at the deadline: exit 52"

# A broker that dies (OOM killer, a crash) takes its roles with it: the
# parent-death signal survives the role's uid change.
env -i QSCAN_CONFIG="$T/qscan.conf" "$QSCAN_BUILD/broker/qmail-scanner-queue" < "$T/m" 1< "$T/e" 2> "$T/stderr2" &
broker=$!
pid=
i=0
while [ -z "$pid" ] && [ $i -lt 100 ]; do
	pid=$(pgrep -P "$broker" -u "$role_uid" | head -n 1 || true)
	sleep 0.05
	i=$((i+1))
done
[ -n "$pid" ] || fail "no role process for the parent-death check"
kill -9 "$broker"
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 40 ]; do
	sleep 0.05
	i=$((i+1))
done
kill -0 "$pid" 2>/dev/null && fail "role $pid outlived its broker"
wait "$broker" 2>/dev/null || true
pass "the role died with its broker (parent-death signal kept across the uid change)"

# The mhr role too, while it waits for a resolver that never answers:
# its own uid, the same confinement, and fd 3 its UDP socket.
qs_roles
port=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 "$QSCAN_SRC/tests/mhr/hostile_resolver.py" serve "$port" silent > "$T/resolver.out" 2>&1 &
resolver=$!
trap 'kill $resolver 2>/dev/null || true; finish' EXIT
i=0
until [ -s "$T/resolver.out" ]; do
	i=$((i+1))
	[ $i -lt 100 ] || fail "the silent resolver did not start"
	sleep 0.05
done
sed -i "s/^\[qscan\]$/[mhr]\nresolver = 127.0.0.1:$port\ndeadline_ms = 3000\nquery_timeout_ms = 3000\nretries = 0\n[qscan]\nscanners = mhr/" "$T/qscan.conf"
mhr_uid=$(id -u qscan-mhr)
cat "$T/m" | env -i QSCAN_CONFIG="$T/qscan.conf" "$QSCAN_BUILD/broker/qmail-scanner-queue" 1< "$T/e" 2> "$T/stderr3" &
broker_job=$!
pid=
i=0
while [ -z "$pid" ] && [ $i -lt 100 ]; do
	pid=$(pgrep -P "$broker_job" -u "$mhr_uid" | head -n 1 || true)
	sleep 0.05
	i=$((i+1))
done
[ -n "$pid" ] || { cat "$T/stderr3"; fail "no role process running as qscan-mhr"; }
cat "/proc/$pid/status" > "$T/status"
grep -q "^Uid:[[:space:]]*$mhr_uid[[:space:]]*$mhr_uid[[:space:]]*$mhr_uid[[:space:]]*$mhr_uid$" "$T/status" || fail "mhr Uid: $(grep ^Uid "$T/status")"
grep -q '^Groups:[[:space:]]*$' "$T/status" || fail "mhr Groups: $(grep ^Groups "$T/status")"
grep -q '^NoNewPrivs:[[:space:]]*1$' "$T/status" || fail "mhr $(grep NoNewPrivs "$T/status")"
grep -q '^Seccomp:[[:space:]]*2$' "$T/status" || fail "mhr $(grep ^Seccomp: "$T/status")"
for c in CapInh CapPrm CapEff CapBnd CapAmb; do
	grep -q "^$c:[[:space:]]*0000000000000000$" "$T/status" || fail "mhr $(grep "^$c" "$T/status")"
done
for ns in user net ipc mnt pid; do
	[ "$(readlink /proc/$pid/ns/$ns)" != "$(readlink /proc/self/ns/$ns)" ] || fail "mhr shares our $ns namespace"
done
# The broker made fd 3 (a UDP socket in its own network namespace);
# the role's own namespace has nothing to connect to.
case $(readlink "/proc/$pid/fd/3") in socket:*) ;; *) fail "mhr fd 3 is $(readlink "/proc/$pid/fd/3")" ;; esac
[ "$(ls "/proc/$pid/fd" | wc -l)" -le 5 ] || fail "mhr holds more descriptors: $(ls -l "/proc/$pid/fd")"
pass "mhr role $pid: uid $mhr_uid, NoNewPrivs 1, Seccomp 2, no capabilities, own namespaces, fd 3 a socket"
set +e
wait $broker_job
rc=$?
set -e
expect_rc 0 "mhr against a silent resolver"
grep -q 'mhr: lookup skipped' "$T/stderr3" || fail "mhr: no skipped lookup logged: $(cat "$T/stderr3")"
pass "the silent resolver's lookup was skipped at the deadline, the message passed"
