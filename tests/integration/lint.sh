#!/bin/sh
# qscan lint: a good file passes; errors name file and line.
. "$(dirname "$0")/lib.sh"
qs_setup
cp "$T/qscan.conf" "$T/qscan.conf.good"
"$QSCAN_BUILD/broker/qscan" lint "$T/qscan.conf" > "$T/out" || fail "good config refused: $(cat "$T/out")"
# The shipped settings, naming the shipped policy: both must pass.
sed "s|^policy_file = .*|policy_file = $QSCAN_SRC/policy/default.rules|" \
    "$QSCAN_BUILD/conf/qscan.conf" > "$T/shipped.conf"
"$QSCAN_BUILD/broker/qscan" lint --config-only "$T/shipped.conf" > "$T/out" 2>&1 || fail "shipped config refused: $(cat "$T/out")"
grep -q "default.rules: ok, [0-9]* rules" "$T/out" || fail "shipped policy not linted: $(cat "$T/out")"
# A broken policy: file and line.
printf '[qscan]\npolicy_file = %s\n' "$T/bad.rules" > "$T/p.conf"
printf '.exe\tSIZE=-1\tfine\nrule x filename "*.js" action explode\n' > "$T/bad.rules"
set +e
"$QSCAN_BUILD/broker/qscan" lint "$T/p.conf" 2> "$T/err"
rc=$?
set -e
[ "$rc" = 1 ] || fail "bad policy: exit $rc"
grep -q "^$T/bad.rules:2: " "$T/err" || fail "policy error without file:line: $(cat "$T/err")"
printf '[qscan]\nspool_dir = /x\nmax_mesage_bytes = 5\n[limits]\nmax_parts = -1\n' > "$T/bad.conf"
set +e
"$QSCAN_BUILD/broker/qscan" lint "$T/bad.conf" 2> "$T/err"
rc=$?
set -e
[ "$rc" = 1 ] || fail "bad config: exit $rc"
grep -q "^$T/bad.conf:3: unknown key qscan.max_mesage_bytes$" "$T/err" || fail "line 3: $(cat "$T/err")"
grep -q "^$T/bad.conf:5: limits.max_parts is not a number" "$T/err" || fail "line 5: $(cat "$T/err")"
pass "lint reports file:line"

# The broker with a broken configuration: 55, qq unable to read configuration.
qs_msg "$T/m"
qs_env "$T/e" a@b.example c@d.example
cp "$T/bad.conf" "$T/qscan.conf"
qs_run "$T/m" "$T/e"
expect_rc 55 "broken configuration"
pass "broker with a broken configuration: 55"

# The machine: the scenario's spool, roles, users and qmail-queue as
# qscan-setup and lib.sh leave them pass; each thing broken is named
# with what to do, and lint exits 1.
cp "$T/qscan.conf.good" "$T/qscan.conf"
"$QSCAN_BUILD/broker/qscan" lint "$T/qscan.conf" > "$T/out" 2> "$T/err" || fail "system lint refused a good setup: $(cat "$T/out" "$T/err")"
grep -q "^system: ok" "$T/out" || fail "no system line: $(cat "$T/out")"
pass "lint: spool, roles, users, qmail_queue of a good setup pass"
cp "$T/qscan.conf" "$T/good.conf"
# lint_broken WHAT NEEDLE: lint must fail, and say NEEDLE.
lint_broken() {
	set +e
	"$QSCAN_BUILD/broker/qscan" lint "$T/qscan.conf" > "$T/out" 2> "$T/err"
	rc=$?
	set -e
	[ "$rc" = 1 ] || fail "$1: lint exit $rc: $(cat "$T/out" "$T/err")"
	grep -qF -- "$2" "$T/err" || fail "$1: lint did not say '$2': $(cat "$T/err")"
	grep -q "^system: [0-9]* problem" "$T/out" || fail "$1: no count: $(cat "$T/out")"
	pass "lint: $1"
}
chmod 0755 "$T/spool/work"
lint_broken "spool/work mode 0755" "error: spool $T/spool/work: mode 0755, not 0700: chmod 0700 $T/spool/work"
chmod 0700 "$T/spool/work"
chown root "$T/spool/quarantine/viruses/new"
lint_broken "quarantine/viruses/new owned by root" "error: quarantine $T/spool/quarantine/viruses/new: owned by uid 0, not qscand: chown qscand"
chown qscand "$T/spool/quarantine/viruses/new"
rmdir "$T/spool/crashes/cur"
lint_broken "crashes/cur missing" "error: spool $T/spool/crashes/cur: No such file or directory: run qscan-setup"
mkdir -m 0700 "$T/spool/crashes/cur"
chown qscand "$T/spool/crashes/cur"
mv "$T/roles/qscan-unpack" "$T/unpack.away"
lint_broken "role helper missing" "error: role $T/roles/qscan-unpack: No such file or directory"
mv "$T/unpack.away" "$T/roles/qscan-unpack"
chmod 0777 "$T/roles/qscan-canary"
lint_broken "role helper writable by all" "error: role $T/roles/qscan-canary: mode 0777, writable by others than its owner: chmod go-w $T/roles/qscan-canary"
chmod 0755 "$T/roles/qscan-canary"
chown qscand "$T/roles/qscan-canary"
lint_broken "role helper not root's" "error: role $T/roles/qscan-canary: owned by uid $(id -u qscand), must be root's: chown root"
chown root "$T/roles/qscan-canary"
# qmail's qmail-queue is qmailq's (setuid): any owner, writable by it only.
chown qscand "$T/qq"
"$QSCAN_BUILD/broker/qscan" lint "$T/qscan.conf" > "$T/out" 2> "$T/err" || fail "qmail_queue not root's refused: $(cat "$T/err")"
chmod 0775 "$T/qq"
lint_broken "qmail_queue group-writable" "error: qmail_queue $T/qq: mode 0775, writable by others than its owner"
chown root "$T/qq"
chmod 0755 "$T/qq"
printf '[users]\nunpack = qscan-no-such-user\n' >> "$T/qscan.conf"
lint_broken "role user missing" "error: users.unpack qscan-no-such-user: no such user: run qscan-setup"
cp "$T/good.conf" "$T/qscan.conf"
printf '[users]\ncanary = qscand\n' >> "$T/qscan.conf"
lint_broken "role user is the broker" "error: users.canary qscand: the broker's uid"
sed "s|^qmail_queue = .*|qmail_queue = $T/no-qq|" "$T/good.conf" > "$T/qscan.conf"
lint_broken "qmail_queue missing" "error: qmail_queue $T/no-qq: No such file or directory"
# A clamd that is not there: named, whatever else is right.
sed "s|^\[qscan\]$|[qscan]\nscanners = clamd|" "$T/good.conf" > "$T/qscan.conf"
cp "$QSCAN_BUILD/scanners/qscan-clamd" "$T/roles/qscan-clamd"
printf '[clamd]\nservers = unix:%s/no-clamd.sock\n' "$T" >> "$T/qscan.conf"
lint_broken "clamd not answering" "error: clamd.servers unix:$T/no-clamd.sock: "
cp "$T/good.conf" "$T/qscan.conf"
# --config-only: the file alone, not the machine.
sed "s|^qmail_queue = .*|qmail_queue = $T/no-qq|" "$T/good.conf" > "$T/qscan.conf"
"$QSCAN_BUILD/broker/qscan" lint --config-only "$T/qscan.conf" > "$T/out" 2>&1 || fail "--config-only looked at the machine: $(cat "$T/out")"
cp "$T/good.conf" "$T/qscan.conf"
pass "lint --config-only: the file, not the machine"

# --rules FILE: a rules file alone; the messages say what to write.
printf 'rule a filename "*.exe" action quarantine\n' > "$T/good.rules"
"$QSCAN_BUILD/broker/qscan" lint --rules "$T/good.rules" > "$T/out" || fail "--rules good: $(cat "$T/out")"
grep -q "^$T/good.rules: ok, 1 rules$" "$T/out" || fail "--rules: $(cat "$T/out")"
printf 'rule a filename "*.exe"\nrule b action drop\nrule c filename "*.x" action\ninclude own.rules\n' > "$T/bad.rules"
set +e
"$QSCAN_BUILD/broker/qscan" lint --rules "$T/bad.rules" 2> "$T/err"
rc=$?
set -e
[ "$rc" = 1 ] || fail "--rules bad: exit $rc"
grep -q "^$T/bad.rules:1: rule a has no action: end it with action quarantine" "$T/err" || fail "no action: $(cat "$T/err")"
grep -q "^$T/bad.rules:2: rule b has no condition: write one before action, for example" "$T/err" || fail "no condition: $(cat "$T/err")"
grep -q "^$T/bad.rules:3: missing action: write action and one of" "$T/err" || fail "missing action: $(cat "$T/err")"
grep -q "^$T/bad.rules:4: include $T/own.rules: cannot read" "$T/err" || fail "include: $(cat "$T/err")"
pass "lint --rules: file:line and what to write instead"

# qscan-setup leaves the spool as the README says: every folder the
# qscand user's, mode 0700 (before, install -d made the parents of
# quarantine/*/tmp root's, 0755); run again, it repairs a wrong mode.
sh "$QSCAN_BUILD/conf/qscan-setup" --spool "$T/spool2" --cgroup "$QS_CGROUP" > /dev/null
chmod 0755 "$T/spool2/quarantine"
sh "$QSCAN_BUILD/conf/qscan-setup" --spool "$T/spool2" --cgroup "$QS_CGROUP" > /dev/null
for d in "" work log crashes crashes/tmp crashes/new crashes/cur quarantine \
    quarantine/viruses quarantine/viruses/tmp quarantine/viruses/new \
    quarantine/viruses/cur quarantine/policy quarantine/policy/new; do
	[ "$(stat -c '%U %a' "$T/spool2/$d")" = "qscand 700" ] ||
	    fail "qscan-setup: spool2/$d is $(stat -c '%U %a' "$T/spool2/$d")"
done
scratch=$(sed -n 's/^scratch=//p' "$QSCAN_BUILD/conf/qscan-setup")
case $scratch in /*/lib/qscan/scratch) ;; *) fail "qscan-setup's scratch: '$scratch'" ;; esac
[ "$(stat -c '%U %a' "$scratch")" = "root 755" ] || fail "scratch $scratch: $(stat -c '%U %a' "$scratch")"
sed "s|^spool_dir = .*|spool_dir = $T/spool2|" "$T/good.conf" > "$T/qscan.conf"
"$QSCAN_BUILD/broker/qscan" lint "$T/qscan.conf" > "$T/out" 2> "$T/err" || fail "lint on qscan-setup's spool: $(cat "$T/err")"
cp "$T/good.conf" "$T/qscan.conf"
pass "qscan-setup: the spool as the README says, repaired when run again; lint agrees"
