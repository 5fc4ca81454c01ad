# tests: shared helpers for integration and sandbox scenarios (POSIX sh).
# Each scenario gets a private directory with its own spool, configuration,
# role directory and stand-in qmail-queue; it is removed on success and
# kept (and named) on failure.
set -eu

: "${QSCAN_BUILD:?run through meson test}"
: "${QSCAN_SRC:?run through meson test}"

[ "$(id -u)" = 0 ] || { echo "FAIL: integration tests need root (they create users and drop to them)"; exit 1; }

T=$(mktemp -d /tmp/qscan-test.XXXXXX)
chmod 755 "$T"
failed=0
# The scenario's own delegated cgroup (qscan-setup --cgroup), removed at
# the end with whatever role cgroups a killed broker left in it.
QS_CGROUP=/qscan-test/${T##*/}

qs_cgroup_remove() {
	for _h in /sys/fs/cgroup/memory /sys/fs/cgroup/pids /sys/fs/cgroup \
	    /sys/fs/cgroup/unified; do
		[ -d "$_h$QS_CGROUP" ] || continue
		find "$_h$QS_CGROUP" -mindepth 1 -depth -type d \
		    -exec rmdir {} \; 2>/dev/null || true
		rmdir "$_h$QS_CGROUP" 2>/dev/null || true
	done
}

finish() {
	qs_cgroup_remove
	# Every summary line a scenario's hooks wrote parses
	# (docs/summary-line.md): a test that passed fails here otherwise.
	if [ -f "$T/spool/log/qscan.log" ] &&
	    ! python3 "$QSCAN_SRC/tests/summary_parse.py" check \
	    "$T/spool/log/qscan.log"; then
		echo "FAIL: $T/spool/log/qscan.log: summary lines that do not parse (above)"
		failed=1
	fi
	if [ "$failed" = 0 ]; then
		rm -rf "$T"
	else
		echo "kept for inspection: $T"
		exit 1
	fi
}
trap finish EXIT

fail() {
	echo "FAIL: $*"
	failed=1
	exit 1
}

pass() {
	echo "ok: $*"
}

# qs_setup [extra config lines...]: spool, roles, stand-in, config.
qs_setup() {
	sh "$QSCAN_BUILD/conf/qscan-setup" --spool "$T/spool" \
	    --cgroup "$QS_CGROUP" >/dev/null
	mkdir -p "$T/roles" "$T/rec"
	chmod 777 "$T/rec"
	qs_roles

	cp "$QSCAN_BUILD/tests/qq-standin" "$T/qq"
	qs_standin 0
	{
		echo "[sandbox]"
		echo "cgroup = $QS_CGROUP"
		echo "[qscan]"
		echo "spool_dir = $T/spool"
		echo "qmail_queue = $T/qq"
		echo "role_dir = $T/roles"
		echo "log_file = $T/spool/log/qscan.log"
		echo "syslog = false"
		echo "hostname = test.example"
		for line in "$@"; do echo "$line"; done
	} > "$T/qscan.conf"
}

# qs_roles [HELPER-FOR-UNPACK]: the role helpers, copied (not linked) so
# the role users can exec them even when the build tree is private.
qs_roles() {
	rm -rf "$T/roles"
	mkdir -p "$T/roles"
	cp "${1:-$QSCAN_BUILD/unpacker/qscan-unpack}" "$T/roles/qscan-unpack"
	cp "$QSCAN_BUILD/seccomp/qscan-canary" "$T/roles/qscan-canary"
	for s in clamav clamd mhr spamd; do
		[ ! -f "$QSCAN_BUILD/scanners/qscan-$s" ] ||
		    cp "$QSCAN_BUILD/scanners/qscan-$s" "$T/roles/qscan-$s"
	done
	chmod 755 "$T/roles" "$T/roles"/*
}

# qs_standin CODE: what the stand-in qmail-queue exits with.
qs_standin() {
	rm -f "$T/rec/message" "$T/rec/envelope" "$T/rec/environ"
	printf 'record=%s\nexit=%s\n' "$T/rec" "$1" > "$T/qq.conf"
}

# qs_env FILE SENDER RCPT...: writes an envelope as qmail-smtpd does.
qs_env() {
	f=$1; s=$2; shift 2
	{
		printf 'F%s\0' "$s"
		for r in "$@"; do printf 'T%s\0' "$r"; done
		printf '\0'
	} > "$f"
}

# qs_msg FILE [SUBJECT]: a small clean message.
qs_msg() {
	printf 'Received: from x by y; Wed, 25 Nov 2026 10:00:00 +0000\nFrom: Alice <alice@a.example>\nTo: bob@b.example\nSubject: %s\nMessage-ID: <m1@a.example>\nDate: Wed, 25 Nov 2026 10:00:00 +0000\n\nhello bob\n' "${2:-test}" > "$1"
}

# qs_run MSG ENV [VAR=value...]: runs the broker as qmail-smtpd would
# (message on fd 0 from a pipe, envelope on fd 1, a clean environment);
# sets rc, and stderr goes to $T/stderr.
qs_run() {
	msg=$1; envf=$2; shift 2
	set +e
	cat "$msg" | env -i TCPREMOTEIP=192.0.2.7 PROTO=SMTP \
	    QSCAN_CONFIG="$T/qscan.conf" "$@" \
	    "${QS_BROKER:-$QSCAN_BUILD/broker/qmail-scanner-queue}" 1< "$envf" 2> "$T/stderr"
	rc=$?
	set -e
}

# The last summary line, and one key=value field of it.
qs_last() {
	tail -n 1 "$T/spool/log/qscan.log"
}
qs_field() {
	qs_last | tr ' ' '\n' | sed -n "s/^$1=//p"
}

expect_rc() {
	[ "$rc" = "$1" ] || { cat "$T/stderr"; fail "$2: exit $rc, expected $1"; }
}

# work/ must be empty after every message: nothing left behind.
expect_work_empty() {
	[ -z "$(ls -A "$T/spool/work")" ] || fail "$1: files left in work/"
}
