#!/bin/sh
# The sandbox fails closed: without a delegated cgroup (role memory
# limits), without namespaces or without Landlock's signal scope the broker
# gives no service (tempfail, logged) unless [sandbox] allows the weaker
# sandbox, which is logged too.  The kernel features are taken away for
# real (tests/sandbox/without_feature.py); `qscan profiles` must show what
# the kernel gives.
. "$(dirname "$0")/../integration/lib.sh"
without=$QSCAN_SRC/tests/sandbox/without_feature.py
qs_setup
qs_msg "$T/m"
qs_env "$T/e" a@b.example c@d.example
cp "$T/qscan.conf" "$T/qscan.good"

# The broker under a wrapper: "$T/broker-without FEATURE".
for f in userns landlock; do
	printf '#!/bin/sh\nexec /usr/bin/python3 %s %s %s\n' "$without" "$f" \
	    "$QSCAN_BUILD/broker/qmail-scanner-queue" > "$T/broker-without-$f"
	chmod 755 "$T/broker-without-$f"
done

expect_refused() {
	what=$1; pattern=$2
	expect_rc 81 "$what"
	grep -q -- "$pattern" "$T/stderr" || { cat "$T/stderr"; fail "$what: log should say '$pattern'"; }
	[ ! -f "$T/rec/message" ] || fail "$what: queued anyway"
	[ "$(qs_field verdict)" = tempfail ] || fail "$what: $(qs_last)"
	expect_work_empty "$what"
	pass "$what: refused, exit 81"
}

expect_allowed() {
	what=$1; pattern=$2
	expect_rc 0 "$what"
	[ -f "$T/rec/message" ] || fail "$what: not queued"
	grep -q -- "$pattern" "$T/stderr" || { cat "$T/stderr"; fail "$what: log should say '$pattern'"; }
	pass "$what: allowed and logged"
}

# All there: delivered, nothing said about a weaker sandbox.
qs_standin 0
qs_run "$T/m" "$T/e"
expect_rc 0 "full sandbox"
grep -q "weaker sandbox\|no role memory limits" "$T/stderr" && fail "full sandbox: warned anyway"
pass "full sandbox: delivered"

# No delegated cgroup where the configuration points.
printf '[sandbox]\ncgroup = /qscan-test-nonexistent\n' >> "$T/qscan.conf"
qs_standin 0
qs_run "$T/m" "$T/e"
expect_refused "no cgroup" "sandbox: no delegated cgroup /qscan-test-nonexistent: .*no service without role memory limits"
echo "allow_no_cgroup = true" >> "$T/qscan.conf"
qs_standin 0
qs_run "$T/m" "$T/e"
expect_allowed "no cgroup, allow_no_cgroup" "no role memory limits, allowed by sandbox.allow_no_cgroup"

# The kernel refuses user namespaces.
cp "$T/qscan.good" "$T/qscan.conf"
qs_standin 0
QS_BROKER=$T/broker-without-userns qs_run "$T/m" "$T/e"
expect_refused "no user namespaces" "kernel refused namespaces 0x[0-9a-f]* (No space left on device): no service"
printf '[sandbox]\nallow_weaker_sandbox = true\n' >> "$T/qscan.conf"
qs_standin 0
QS_BROKER=$T/broker-without-userns qs_run "$T/m" "$T/e"
expect_allowed "no user namespaces, allow_weaker_sandbox" "weaker sandbox allowed: kernel refused namespaces"

# No Landlock at all.  Refused before any role runs; no allowance helps:
# the roles need Landlock.  (An ABI without the signal scope, Debian 12's
# 6.1, runs: the pid namespace keeps tgkill(SIGABRT) inside the role.)
cp "$T/qscan.good" "$T/qscan.conf"
qs_standin 0
QS_BROKER=$T/broker-without-landlock qs_run "$T/m" "$T/e"
expect_refused "no Landlock" "sandbox: the kernel offers no Landlock, which the roles need"
grep -q "canary" "$T/stderr" && fail "no Landlock: a role ran"

# What `qscan profiles` says about this kernel, as it is and without.
cp "$T/qscan.good" "$T/qscan.conf"
QSCAN_CONFIG=$T/qscan.conf "$QSCAN_BUILD/broker/qscan" profiles unpack > "$T/profiles" ||
    fail "qscan profiles failed"
abi=$(python3 -c 'import ctypes; print(max(ctypes.CDLL(None).syscall(444, None, 0, 1), 0))')
grep -q "^  landlock: ABI $abi " "$T/profiles" || { cat "$T/profiles"; fail "profiles: Landlock ABI $abi not shown"; }
grep -q "^  namespaces 0x[0-9a-f]* (user, pid, net, ipc, mount): available" "$T/profiles" ||
    fail "profiles: namespaces should be available"
grep -q "^  cgroup: cgroup v[12] at .*$QS_CGROUP" "$T/profiles" || { cat "$T/profiles"; fail "profiles: our cgroup not shown"; }
grep -q "^cgroup limits: memory.max [0-9]* bytes (sandbox.unpack_memory_bytes" "$T/profiles" ||
    fail "profiles: the role's memory.max not shown"
QSCAN_CONFIG=$T/qscan.conf python3 "$without" userns "$QSCAN_BUILD/broker/qscan" profiles unpack > "$T/profiles" ||
    fail "qscan profiles without userns failed"
grep -q "^  namespaces .*: refused: No space left on device" "$T/profiles" ||
    fail "profiles: refused namespaces not shown"
QSCAN_CONFIG=$T/qscan.conf python3 "$without" landlock "$QSCAN_BUILD/broker/qscan" profiles unpack > "$T/profiles" ||
    fail "qscan profiles without Landlock failed"
grep -q "^  landlock: ABI 0 (none" "$T/profiles" || fail "profiles: missing Landlock not shown"
printf '[sandbox]\ncgroup = /qscan-test-nonexistent\n' >> "$T/qscan.conf"
QSCAN_CONFIG=$T/qscan.conf "$QSCAN_BUILD/broker/qscan" profiles unpack > "$T/profiles"
grep -q "^  cgroup: no delegated cgroup /qscan-test-nonexistent" "$T/profiles" ||
    fail "profiles: missing cgroup not shown"
pass "qscan profiles shows Landlock ABI, namespaces and cgroup as the kernel gives them"
