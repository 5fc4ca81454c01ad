#!/bin/sh
# Fault injection through the real hook and the stand-in qmail-queue
# (docs/faults.md): for each fault what the client is told (exit code and
# qmail-smtpd's answer, read from docs/architecture.md's table), what is
# on disk afterwards (the spool's work/ empty, nothing half-written in
# the quarantine, queued or not) and the log line.  Each row's observed
# column is built from what happened; a row whose observed differs from
# its expected fails the test.  The table is written to
# $QSCAN_BUILD/faults.md and must equal docs/faults.md's (with
# QSCAN_FAULTS_UPDATE=1 the test writes docs/faults.md instead).
. "$(dirname "$0")/../integration/lib.sh"
. "$QSCAN_SRC/tests/integration/lib_service.sh"
TAB=$(printf '\t')
TABLE=$T/table
MOUNTS=
: > "$TABLE"
bad=0

faults_finish() {
	for m in $MOUNTS; do umount "$m" 2>/dev/null || true; done
	svc_finish
}
trap faults_finish EXIT

# answer CODE: qmail-smtpd's answer for CODE, from docs/architecture.md.
answer() {
	_a=$(sed -n "s/^| $1 | .* | \`\(.*\)\` *|\$/\1/p" "$QSCAN_SRC/docs/architecture.md" | head -n 1)
	case $1 in
	# qmail-smtpd's own for an exec failure (the table says "other").
	120) _a="451 unable to exec qq (#4.3.0)" ;;
	esac
	echo "${_a:-?}"
}

# observe [LOG-TEXT]: what happened to the message just run: its exit,
# the answer, queued or not, work/ empty or not, and whether the hook's
# log (stderr, or qscand's log when WARM is set) says LOG-TEXT.
observe() {
	_o="exit $rc: \`$(answer "$rc")\`"
	# The stand-in keeps what it was given even when told to refuse it.
	if [ ! -f "$T/rec/message" ]; then
		_o="$_o; not queued"
	elif [ "$QQ_CODE" = 0 ]; then
		_o="$_o; queued"
	else
		_o="$_o; qmail-queue refused it"
	fi
	if [ -z "$(ls -A "$T/spool/work")" ]; then _o="$_o; work/ empty"; else _o="$_o; work/ NOT empty"; fi
	if [ -n "${1:-}" ]; then
		if grep -qF -- "$1" "$T/stderr" ${WARM:+"$T/qscand.log"}; then
			_o="$_o; log: \`$1\`"
		else
			_o="$_o; log lacks \`$1\`"
		fi
	fi
	echo "$_o"
}

# standin CODE: what the stand-in qmail-queue exits with.
QQ_CODE=0
standin() {
	QQ_CODE=$1
	qs_standin "$1"
}

# files_kept: regular files in quarantine/ and crashes/ (the crash table
# aside).
files_kept() {
	find "$T/spool/quarantine" "$T/spool/crashes" -type f ! -name repeats | wc -l
}

# row FAULT EXPECTED OBSERVED
row() {
	printf '| %s | %s | %s |\n' "$1" "$2" "$3" >> "$TABLE"
	if [ "$2" = "$3" ]; then
		pass "$1: $3"
	else
		echo "MISMATCH: $1"
		echo "  expected: $2"
		echo "  observed: $3"
		cat "$T/stderr"
		bad=1
	fi
}

# tmpfs_on DIR KB: a small filesystem of the broker's over DIR.
tmpfs_on() {
	mount -t tmpfs -o "size=${2}k,mode=0700,uid=$(id -u qscand),gid=$(id -g qscand)" tmpfs "$1"
	MOUNTS="$1 $MOUNTS"
}
untmpfs() {
	umount "$1"
	MOUNTS=$(echo "$MOUNTS" | tr ' ' '\n' | grep -vx "$1" | tr '\n' ' ')
}

run() {
	rm -rf "$T/rec"; mkdir -p "$T/rec"; chmod 777 "$T/rec"
	qs_run "$@"
}

big_message() {
	qs_msg "$1" "big"
	head -c "$2" /dev/zero | tr '\0' 'x' | fold -w 76 >> "$1"
}

qs_setup "[limits]" "role_timeout_ms = 3000"
qs_env "$T/e" alice@a.example bob@b.example
qs_msg "$T/m"
printf 'rule hold header Subject /hold me/ action quarantine reason "held"\n' > "$T/policy.rules"
sed -i "s|^\[qscan\]\$|[qscan]\npolicy_file = $T/policy.rules|" "$T/qscan.conf"
cp "$T/qscan.conf" "$T/qscan.base"

# ---- Disk full ---------------------------------------------------------
big_message "$T/big" 1048576
tmpfs_on "$T/spool/work" 256
standin 0
run "$T/big" "$T/e"
row "spool disk full (work/ a 256 KiB tmpfs, 1 MiB message)" \
    "exit 53: \`$(answer 53)\`; not queued; work/ empty; log: \`No space left on device\`" \
    "$(observe "No space left on device")"
untmpfs "$T/spool/work"

qs_msg "$T/hold" "hold me"
head -c 300000 /dev/zero | tr '\0' 'y' | fold -w 76 >> "$T/hold"
Qp=$T/spool/quarantine/policy
tmpfs_on "$Qp" 128
for s in tmp new cur; do install -d -o qscand -g qscand -m 0700 "$Qp/$s"; done
run "$T/hold" "$T/e"
o=$(observe "No space left on device")
o="$o; $(find "$Qp" -type f | wc -l) files in quarantine/policy"
row "quarantine disk full (quarantine/policy a 128 KiB tmpfs, 300 KB message held by a rule)" \
    "exit 53: \`$(answer 53)\`; not queued; work/ empty; log: \`No space left on device\`; 0 files in quarantine/policy" "$o"
untmpfs "$Qp"

# The log: the message's outcome does not depend on its log line.
L=$T/spool/log
tmpfs_on "$L" 16
chown qscand:qscand "$L"
: > "$L/qscan.log"; chown qscand:qscand "$L/qscan.log"
dd if=/dev/zero of="$L/fill" bs=1k count=64 2>/dev/null || true
run "$T/m" "$T/e"
row "log disk full (log/ a full 16 KiB tmpfs)" \
    "exit 0: \`$(answer 0)\`; queued; work/ empty; log: \`cannot write log file: No space left on device\`" \
    "$(observe "cannot write log file: No space left on device")"
untmpfs "$L"

# ---- qmail-queue ---------------------------------------------------------
for code in 11 31 51 53 71 81 91; do
	standin "$code"
	run "$T/m" "$T/e"
	row "qmail-queue exits $code" \
	    "exit $code: \`$(answer "$code")\`; qmail-queue refused it; work/ empty" "$(observe)"
done
standin 0

set_qq() {
	cp "$T/qscan.base" "$T/qscan.conf"
	sed -i "s|^qmail_queue = .*|qmail_queue = $1|" "$T/qscan.conf"
}
set_qq "$T/nonexistent"
run "$T/m" "$T/e"
row "qmail-queue missing" \
    "exit 120: \`$(answer 120)\`; not queued; work/ empty; log: \`cannot run $T/nonexistent\`" \
    "$(observe "cannot run $T/nonexistent")"

printf '#!/bin/sh\ncat > /dev/null\nkill -9 $$\n' > "$T/qq-killed"
chmod 755 "$T/qq-killed"
set_qq "$T/qq-killed"
run "$T/m" "$T/e"
row "qmail-queue killed (SIGKILL after reading the message)" \
    "exit 81: \`$(answer 81)\`; not queued; work/ empty; log: \`killed by signal 9\`" \
    "$(observe "killed by signal 9")"

# Half its input, then 0: it claims a message it never had.
printf '#!/bin/sh\nhead -c 100 > /dev/null\nexit 0\n' > "$T/qq-half"
chmod 755 "$T/qq-half"
set_qq "$T/qq-half"
run "$T/big" "$T/e"
row "qmail-queue reads 100 bytes of a 1 MiB message, exits 0" \
    "exit 53: \`$(answer 53)\`; not queued; work/ empty; log: \`exited 0 before reading the whole message\`" \
    "$(observe "exited 0 before reading the whole message")"
printf '#!/bin/sh\nhead -c 100 > /dev/null\nexit 81\n' > "$T/qq-half81"
chmod 755 "$T/qq-half81"
set_qq "$T/qq-half81"
run "$T/big" "$T/e"
row "qmail-queue reads 100 bytes, exits 81" \
    "exit 81: \`$(answer 81)\`; not queued; work/ empty" "$(observe)"

# Hanging: one that never reads is given up at limits.max_seconds (its
# input closes with our exit: it commits nothing); one that read
# everything and hangs before it exits is waited for (it may have
# committed: a tempfail would be a duplicate).
printf '#!/bin/sh\necho $$ > %s/qq.pid\nexec sleep 60\n' "$T" > "$T/qq-hang"
chmod 755 "$T/qq-hang"
set_qq "$T/qq-hang"
sed -i 's/^\[limits\]$/[limits]\nmax_seconds = 10/' "$T/qscan.conf"
run "$T/big" "$T/e"
kill "$(cat "$T/qq.pid")" 2>/dev/null || true
row "qmail-queue never reads (max_seconds = 10)" \
    "exit 52: \`$(answer 52)\`; not queued; work/ empty" "$(observe)"
printf '#!/bin/sh\ncat > %s/rec/message\ncat <&1 > /dev/null\nsleep 12\nexit 0\n' "$T" > "$T/qq-slow"
chmod 755 "$T/qq-slow"
set_qq "$T/qq-slow"
sed -i 's/^\[limits\]$/[limits]\nmax_seconds = 10/' "$T/qscan.conf"
run "$T/m" "$T/e"
row "qmail-queue reads everything, then takes 12 s to exit 0 (max_seconds = 10)" \
    "exit 0: \`$(answer 0)\`; queued; work/ empty" "$(observe)"
cp "$T/qscan.base" "$T/qscan.conf"

# ---- Roles ------------------------------------------------------------------
# The hostile role (test-only build) in the unpack role's place.
hostile() {
	printf 'From: a@b.example\nTo: c@d.example\nSubject: fault\nX-Hostile: %s\n\nbody\n' "$*" > "$T/h"
}
qs_roles "$QSCAN_BUILD/tests/sandbox/qscan-hostile"
sed -i 's/^\[qscan\]$/[sandbox]\nunpack_memory_bytes = 67108864\n[qscan]/' "$T/qscan.conf"
sed -i 's/^\[qscan\]$/[limits]\nmax_decoded_bytes = 16777216\nmax_expanded_bytes = 16777216\n[qscan]/' "$T/qscan.conf"
hostile memfd_hog 512
run "$T/h" "$T/e"
row "unpack role over its memory.max (64 MiB, it fills 512 MiB)" \
    "exit 81: \`$(answer 81)\`; not queued; work/ empty; log: \`role unpack failed: resource-limit\`" \
    "$(observe "role unpack failed: resource-limit")"
cp "$T/qscan.base" "$T/qscan.conf"

hostile sleep
run "$T/h" "$T/e"
row "unpack role past role_timeout_ms (3 s; it spins)" \
    "exit 52: \`$(answer 52)\`; not queued; work/ empty; log: \`role unpack failed: timeout (killed after 3000 ms)\`" \
    "$(observe "role unpack failed: timeout (killed after 3000 ms)")"

hostile crash
run "$T/h" "$T/e"
row "unpack role crashes (SIGSEGV)" \
    "exit 81: \`$(answer 81)\`; not queued; work/ empty; log: \`role unpack failed: crashed (signal SEGV)\`" \
    "$(observe "role unpack failed: crashed (signal SEGV)")"
rm -f "$T/spool/crashes/repeats"

# role_of PID: the unpack role among PID's descendants (never another
# test's: the machine may run several).
role_of() {
	for _c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		if [ "$(cat /proc/"$_c"/comm 2>/dev/null)" = qscan-unpack ]; then
			echo "$_c"
			return
		fi
		role_of "$_c"
	done
}

# SIGKILL from outside at random points of a role's life: it sends a
# record every 100 ms for 2 s; killed after 0 to 1.9 s.
hostile slow 2000
killed=0; other=
for i in 1 2 3 4 5; do
	rm -rf "$T/rec"; mkdir -p "$T/rec"; chmod 777 "$T/rec"
	set +e
	env -i TCPREMOTEIP=192.0.2.7 PROTO=SMTP QSCAN_CONFIG="$T/qscan.conf" \
	    "$QSCAN_BUILD/broker/qmail-scanner-queue" < "$T/h" 1< "$T/e" 2> "$T/stderr" &
	hook=$!
	delay=$(awk -v s="$$$i" 'BEGIN { srand(s); printf "%.2f", rand() * 1.9 }')
	n=0
	while :; do
		role=$(role_of "$hook" | head -n 1)
		[ -z "$role" ] || break
		n=$((n + 1)); [ "$n" -lt 200 ] || break
		sleep 0.01
	done
	sleep "$delay"
	[ -n "$role" ] && kill -9 "$role" 2>/dev/null
	wait "$hook"
	rc=$?
	set -e
	o=$(observe "role unpack failed")
	if [ "$o" = "exit 81: \`$(answer 81)\`; not queued; work/ empty; log: \`role unpack failed\`" ]; then
		killed=$((killed + 1))
	else
		other="$other [$delay s: $o]"
	fi
done
row "unpack role killed (SIGKILL from outside, 5 random points)" \
    "5 of 5: exit 81: \`$(answer 81)\`; not queued; work/ empty; log: \`role unpack failed\`" \
    "$killed of 5: exit 81: \`$(answer 81)\`; not queued; work/ empty; log: \`role unpack failed\`$other"
qs_roles
cp "$T/qscan.base" "$T/qscan.conf"

# ---- The hook itself killed mid-message -------------------------------------
for sig in TERM KILL; do
	rm -rf "$T/rec"; mkdir -p "$T/rec"; chmod 777 "$T/rec"
	rm -f "$T/in"; mkfifo "$T/in"
	env -i TCPREMOTEIP=192.0.2.7 PROTO=SMTP QSCAN_CONFIG="$T/qscan.conf" \
	    "$QSCAN_BUILD/broker/qmail-scanner-queue" < "$T/in" 1< "$T/e" 2> "$T/stderr" &
	hook=$!
	kept=$(files_kept)
	exec 7> "$T/in"
	head -c 100000 "$T/big" >&7
	sleep 0.3
	kill -"$sig" "$hook"
	set +e
	wait "$hook"
	rc=$?
	set -e
	exec 7>&-
	[ "$rc" -gt 128 ] && how="killed by SIG$sig" || how="exit $rc"
	o="$how"
	if [ -f "$T/rec/message" ]; then o="$o; queued"; else o="$o; not queued"; fi
	if [ -z "$(ls -A "$T/spool/work")" ]; then o="$o; work/ empty"; else o="$o; work/ NOT empty"; fi
	o="$o; $(( $(files_kept) - kept )) new files in quarantine/ and crashes/"
	row "the hook killed by SIG$sig while it reads the message" \
	    "killed by SIG$sig; not queued; work/ empty; 0 new files in quarantine/ and crashes/" "$o"
done

# ---- clamd -------------------------------------------------------------------
# fake_clamd MODE: a clamd that refuses, closes mid-reply, answers
# garbage, or answers after the read deadline, on $T/fake.sock.
fake_clamd() {
	python3 "$QSCAN_SRC/tests/av/clamd_tool.py" misbehave "$1" "$T/fake.sock" &
	FAKE=$!
	n=0
	while [ ! -S "$T/fake.sock" ]; do
		n=$((n + 1)); [ "$n" -lt 100 ] || fail "the fake clamd never listened"; sleep 0.05
	done
}
clamd_conf() {
	cp "$T/qscan.base" "$T/qscan.conf"
	sed -i "s|^\[qscan\]\$|[qscan]\nscanners = clamd|" "$T/qscan.conf"
	printf '[clamd]\nservers = %s\nmode = instream\nread_timeout_ms = 1500\nconnect_timeout_ms = 500\n' "$1" >> "$T/qscan.conf"
}
clamd_conf "unix:$T/no-clamd.sock"
run "$T/m" "$T/e"
row "clamd refuses (no socket)" \
    "exit 81: \`$(answer 81)\`; not queued; work/ empty; log: \`scanner clamd failed\`" \
    "$(observe "scanner clamd failed")"
for mode in close partial garbage late; do
	fake_clamd "$mode"
	clamd_conf "unix:$T/fake.sock"
	run "$T/m" "$T/e"
	kill "$FAKE" 2>/dev/null || true; wait "$FAKE" 2>/dev/null || true
	rm -f "$T/fake.sock"
	case $mode in
	close) what="clamd closes without an answer"; code=81 ;;
	partial) what="clamd closes mid-reply"; code=81 ;;
	garbage) what="clamd answers garbage"; code=81 ;;
	late) what="clamd answers after read_timeout_ms (1.5 s)"; code=52 ;;
	esac
	row "$what" \
	    "exit $code: \`$(answer "$code")\`; not queued; work/ empty; log: \`scanner clamd failed\`" \
	    "$(observe "scanner clamd failed")"
done
cp "$T/qscan.base" "$T/qscan.conf"

# ---- The service -------------------------------------------------------------
# qscand's worker killed while its hook still sends the message; the
# unpack zygote (the hostile role: its child sends a record every 100 ms)
# killed while its child works; then the next message.
qs_roles "$QSCAN_BUILD/tests/sandbox/qscan-hostile"
svc_conf "fallback = tempfail"
svc_start
rm -rf "$T/rec"; mkdir -p "$T/rec"; chmod 777 "$T/rec"
svc_feed_start "$T/m" "$T/e"
kill -9 "$(svc_wait_child "$(svc_front)")"
# The hook may be gone already: the rest may find no reader.
tail -c +101 "$T/m" >&7 2>/dev/null || true
exec 7>&-
svc_wait
row "qscand's worker killed (SIGKILL) while the hook sends the message" \
    "exit 71: \`$(answer 71)\`; not queued; work/ empty" "$(WARM=1 observe)"

hostile slow 3000
rm -rf "$T/rec"; mkdir -p "$T/rec"; chmod 777 "$T/rec"
zyg=$(svc_zygote unpack)
svc_run "$T/h" "$T/e"
svc_wait_child "$zyg" > /dev/null
kill -9 "$zyg"
svc_wait
row "the unpack zygote killed (SIGKILL) while its child scans" \
    "exit 81: \`$(answer 81)\`; not queued; work/ empty; log: \`zygote-lost\`" \
    "$(WARM=1 observe zygote-lost)"
svc_wait_log 'canary passed, serving' 2
hostile none
rm -rf "$T/rec"; mkdir -p "$T/rec"; chmod 777 "$T/rec"
svc_run "$T/h" "$T/e"
svc_wait
row "the next message through qscand, after both" \
    "exit 0: \`$(answer 0)\`; queued; work/ empty" "$(observe)"
svc_stop

# ---- The table ------------------------------------------------------------
{
	echo "| Fault | Expected | Observed |"
	echo "|---|---|---|"
	sed "s|$T|\$T|g" "$TABLE"
} > "$QSCAN_BUILD/faults.md"
doc=$QSCAN_SRC/docs/faults.md
if [ "${QSCAN_FAULTS_UPDATE:-0}" = 1 ]; then
	awk -v table="$QSCAN_BUILD/faults.md" '
	    /^<!-- faults:begin -->$/ { print; while ((getline l < table) > 0) print l; skip = 1; next }
	    /^<!-- faults:end -->$/ { skip = 0 }
	    !skip { print }' "$doc" > "$T/doc" && cat "$T/doc" > "$doc"
	echo "wrote the table into $doc"
fi
sed -n '/^<!-- faults:begin -->$/,/^<!-- faults:end -->$/p' "$doc" | sed '1d;$d' > "$T/doc-table"
if ! cmp -s "$T/doc-table" "$QSCAN_BUILD/faults.md"; then
	diff "$T/doc-table" "$QSCAN_BUILD/faults.md" || true
	fail "docs/faults.md's table is not what this run observed (QSCAN_FAULTS_UPDATE=1 rewrites it)"
fi
[ "$bad" = 0 ] || fail "faults whose observed outcome is not the expected one (above)"
pass "docs/faults.md's table is this run's"
