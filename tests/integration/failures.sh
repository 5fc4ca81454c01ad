#!/bin/sh
# Every failure of ours tempfails (never 0, never permanent), names its
# cause in the log, queues nothing and leaves nothing in work/.
. "$(dirname "$0")/lib.sh"
qs_setup
qs_msg "$T/m"
qs_env "$T/e" a@b.example c@d.example
cp "$T/qscan.conf" "$T/qscan.conf.good"

expect_tempfail() {
	code=$1; what=$2; pattern=$3
	qs_run "$T/m" "$T/e"
	expect_rc "$code" "$what"
	[ ! -f "$T/rec/message" ] || fail "$what: queued anyway"
	grep -q -- "$pattern" "$T/stderr" || { cat "$T/stderr"; fail "$what: no log line matching '$pattern'"; }
	[ -d "$T/spool/work" ] && expect_work_empty "$what"
	pass "$what: exit $code"
	cp "$T/qscan.conf.good" "$T/qscan.conf"
	qs_roles
	qs_standin 0
}

# The spool's work directory is gone (disk trouble): 53.
mv "$T/spool/work" "$T/spool/work.away"
expect_tempfail 53 "work/ missing" "spool .*/work"
mv "$T/spool/work.away" "$T/spool/work"

# A role helper is missing.
rm "$T/roles/qscan-unpack"
expect_tempfail 81 "unpack helper missing" "role unpack could not start: role setup failed at exec"

# The canary lives (here: a helper that exits instead of dying by SIGSYS):
# no sandbox, no service.
ln -sf /bin/true "$T/roles/qscan-canary"
expect_tempfail 81 "canary not killed" "SANDBOX BROKEN"

# A role that exits 0 without any record.
ln -sf /bin/true "$T/roles/qscan-unpack"
expect_tempfail 81 "role exits without records" "role unpack failed: bad-records (exited before its last record)"

# A role that sends records of another role (the canary's hello).
cp "$T/roles/qscan-canary" "$T/roles/qscan-unpack"
expect_tempfail 81 "role sends a wrong hello" "role unpack failed: bad-records (record 1: bad hello (record type 1))"

# A role that exits with an error of its own (here: usage).
printf '#!/bin/sh\nexit 64\n' > "$T/roles/qscan-unpack.sh"
chmod 755 "$T/roles/qscan-unpack.sh"
ln -sf "$T/roles/qscan-unpack.sh" "$T/roles/qscan-unpack"
expect_tempfail 81 "role exits 64" "role unpack failed: exited (exit 64)"

# Users that do not exist.
sed -i 's/^\[qscan\]$/[users]\nunpack = qscan-nonexistent-user\n[qscan]/' "$T/qscan.conf"
expect_tempfail 81 "role user missing" "role user qscan-nonexistent-user does not exist"
sed -i 's/^\[qscan\]$/[users]\nbroker = qscan-nonexistent-user\n[qscan]/' "$T/qscan.conf"
expect_tempfail 81 "broker user missing" "user qscan-nonexistent-user does not exist"

# The broker must never work as root.
sed -i 's/^\[qscan\]$/[users]\nbroker = root\n[qscan]/' "$T/qscan.conf"
expect_tempfail 81 "broker user root" "refusing to work as root"

# Roles must not share the broker's uid when they could have their own.
sed -i 's/^\[qscan\]$/[users]\nunpack = qscand\n[qscan]/' "$T/qscan.conf"
expect_tempfail 81 "role user = broker user" "must have a uid of its own"

# The configuration cannot be read: 55.
rm "$T/qscan.conf"
qs_run "$T/m" "$T/e"
expect_rc 55 "configuration missing"
pass "configuration missing: exit 55"
