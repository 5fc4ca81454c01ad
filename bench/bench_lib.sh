# bench/bench_lib.sh: the timing runner and the statistics that
# bench/bench.sh, bench/bench_av.sh, bench/bench_unpack.sh and the others
# share, so that their figures are measured and summed up the same way,
# and the clamd they start is the same.
# Sourced, not run: POSIX sh functions, no side effects until called.
# shellcheck shell=sh
#
# Callers set, before the first bench_run:
#   BENCH_STDERR  file the hook's stderr is appended to (the runs' output
#                 would otherwise mix with the tables);
#   BENCH_RSS     file GNU time writes the peak RSS into, or empty: the
#                 hook is then exec'd directly and no RSS is measured.

# bench_run HOOK MESSAGE ENVELOPE OUTPUT [NAME=VALUE...]: one run of HOOK
# the way qmail-smtpd runs QMAILQUEUE, the message through a pipe on fd 0,
# ENVELOPE readable on fd 1, and an environment of a tcpserver-style set
# plus the NAME=VALUE arguments and nothing else.  Appends one line to
# OUTPUT: "ms rss_kb exit" with BENCH_RSS, "ms exit" without.
#
# perl holds the clock because it has one with microseconds (GNU time's %e
# has 10 ms steps) and because the time must run from fork to reap: a
# shell pipeline would add its own processes.  GNU time (the child)
# reports the peak RSS, which for a process tree is that of its largest
# process (wait4's ru_maxrss).
bench_run() {
	_hook=$1 _msg=$2 _env=$3 _out=$4
	shift 4
	perl -MTime::HiRes=time -MPOSIX=_exit -e '
		my ($hook, $msgf, $envf, $rssf, $errf, @env) = @ARGV;
		open(my $m, "<", $msgf) or die "$msgf: $!";
		binmode $m; local $/; my $msg = <$m>; close $m;
		$SIG{PIPE} = "IGNORE";
		pipe(my $r, my $w) or die "pipe: $!";
		my $t0 = time;
		my $pid = fork // die "fork: $!";
		if ($pid == 0) {
			close $w;
			open(STDIN, "<&", $r) or _exit(99);
			open(STDOUT, "<", $envf) or _exit(99);
			open(STDERR, ">>", $errf) or _exit(99);
			%ENV = map { split /=/, $_, 2 } @env;
			if ($rssf ne "") {
				exec "/usr/bin/time", "-f", "%M", "-o", $rssf, $hook;
			} else {
				exec $hook;
			}
			_exit(99);
		}
		close $r;
		my $off = 0;
		while ($off < length $msg) {
			my $n = syswrite($w, $msg, 65536, $off);
			last unless defined $n;
			$off += $n;
		}
		close $w;
		waitpid($pid, 0);
		my $st = $?;
		my $ms = (time - $t0) * 1000;
		if ($rssf eq "") {
			printf "%.3f %d\n", $ms, $st >> 8;
			exit 0;
		}
		open(my $f, "<", $rssf) or die "$rssf: $!";
		# $/ is undef here: the whole file, then its lines ("Command
		# exited with non-zero status N" comes before the number).
		my @l = split /\n/, (<$f> // ""); close $f;
		my ($rss) = grep { /^\d+\z/ } @l;
		printf "%.3f %s %d\n", $ms, $rss // "-", $st >> 8;
	' "$_hook" "$_msg" "$_env" "${BENCH_RSS:-}" "${BENCH_STDERR:?set BENCH_STDERR}" \
	    "PATH=/usr/bin:/bin" \
	    TCPREMOTEIP=192.0.2.10 TCPREMOTEHOST=mail.b.example \
	    TCPLOCALIP=198.51.100.25 TCPLOCALPORT=25 PROTO=SMTP \
	    "$@" >>"$_out"
}

# bench_stats FILE [GOOD...]: "median p90 peak_rss median_rss bad" of the
# runs in FILE, one a line: "ms rss exit", "ms exit" (bench_run) or "ms
# reply" (tests/av/clamd_tool.py instream), or just "ms" (a stage time).
# Percentiles by nearest rank, so that each figure is one that was
# measured.  RSS: the second column of three-column lines, "-" when there
# is none.  bad: lines whose last column is none of GOOD (default 0);
# one-column lines have no status and are never bad.
bench_stats() {
	_f=$1
	shift
	_good=${*:-0}
	sort -n "$_f" | awk -v good="$_good" '
		BEGIN { split(good, g, " "); for (i in g) ok[g[i]] = 1 }
		{
			ms[NR] = $1
			if (NF >= 3 && $2 ~ /^[0-9]+$/) {
				rss[++nr] = $2 + 0
				if ($2 + 0 > peak) peak = $2 + 0
			}
			if (NF >= 2 && !($NF in ok)) bad++
		}
		END {
			n = NR; m = int((n + 1) / 2); p = int(n * 0.9 + 0.999)
			if (p < 1) p = 1
			# The lines are in order of time, not of RSS.
			for (i = 2; i <= nr; i++) { v = rss[i]; j = i - 1
				while (j > 0 && rss[j] > v) { rss[j + 1] = rss[j]; j-- }
				rss[j + 1] = v }
			if (nr) { mr = sprintf("%d", rss[int((nr + 1) / 2)]); pk = sprintf("%d", peak) }
			else { mr = "-"; pk = "-" }
			printf "%.2f %.2f %s %s %d\n", ms[m], ms[p], pk, mr, bad + 0
		}'
}

# bench_prepare DEFAULT_RUNS [BUILD_DIR] -- PACKAGE...: what every
# benchmark does first: RUNS from QSCAN_BENCH_RUNS (default DEFAULT_RUNS),
# root, the packages it needs, and BUILD (the given build directory, or
# build-demo/ built here).
bench_prepare() {
	RUNS=${QSCAN_BENCH_RUNS:-$1}
	shift
	case $RUNS in
	''|*[!0-9]*|0) demo_die "QSCAN_BENCH_RUNS must be a positive number" ;;
	esac
	demo_need_root
	_build=
	if [ "$1" != -- ]; then
		_build=$1
		shift
	fi
	shift	# the --
	# shellcheck disable=SC2068  # the package list is meant to split
	demo_install_deps $@
	if [ -n "$_build" ]; then
		BUILD=$(cd "$_build" && pwd)
	else
		BUILD=$QSCAN_SRC/build-demo
		demo_build "$BUILD"
	fi
}

# bench_messages DIR: DIR/envelope (one sender, one recipient) and the
# two messages the hook benchmarks compare on: DIR/4k.eml (exactly 4096
# bytes of headers and plain text, the common case) and DIR/1m.eml (1 MiB
# of incompressible bytes as a base64 attachment, about 1.4 MB).
bench_messages() {
	printf 'Fbench@b.example\0Tcarol@d.example\0\0' >"$1/envelope"
	{
		printf 'From: Bench <bench@b.example>\nTo: carol@d.example\n'
		printf 'Subject: 4 KB text\nMessage-ID: <bench.4k@b.example>\n'
		printf 'Date: Wed, 25 Nov 2026 12:00:00 +0000\nMIME-Version: 1.0\n'
		printf 'Content-Type: text/plain; charset=us-ascii\n\n'
		_i=0
		while [ $_i -lt 80 ]; do
			printf 'line %02d of a plain message, about sixty bytes long.....\n' $_i
			_i=$((_i + 1))
		done
	} | head -c 4095 >"$1/4k.eml"
	echo >>"$1/4k.eml"	# exactly 4096 bytes, ending in a newline
	{
		printf 'From: Bench <bench@b.example>\nTo: carol@d.example\n'
		printf 'Subject: 1 MiB attachment\nMessage-ID: <bench.1m@b.example>\n'
		printf 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b1"\n\n'
		printf -- '--b1\nContent-Type: text/plain\n\nthe report is attached\n'
		printf -- '--b1\nContent-Type: application/octet-stream; name="report.bin"\n'
		printf 'Content-Disposition: attachment; filename="report.bin"\n'
		printf 'Content-Transfer-Encoding: base64\n\n'
		head -c 1048576 /dev/urandom | base64 -w 76
		printf -- '--b1--\n'
	} >"$1/1m.eml"
	chmod 644 "$1/envelope" "$1/4k.eml" "$1/1m.eml"
}

# bench_test_signatures DIR: the tests' signatures (tests/av/lib_av.sh)
# in DIR: the MD5 of clamav-testfiles' clam.exe (test.hdb) and an EICAR
# body signature (eicar.ndb), so that clam.exe and EICAR test files match
# and the database loads in no time.  Needs sigtool and QSCAN_SRC.
bench_test_signatures() {
	sigtool --md5 /usr/share/clamav-testfiles/clam.exe |
	    sed 's/:[^:]*$/:ClamAV-Test-File/' >"$1/test.hdb"
	echo "Eicar-Test-Signature:0:*:$(python3 "$QSCAN_SRC/tests/av/make_messages.py" --eicar-hex)" >"$1/eicar.ndb"
	chmod 644 "$1/test.hdb" "$1/eicar.ndb"
}

# bench_clamd_start DIR DATABASE_DIR [TCP_PORT] [LOAD_SECONDS]: our own
# clamd (Debian's /usr/sbin/clamd, never the system's) on the unix socket
# DIR/clamd.sock (and 127.0.0.1:TCP_PORT when given), a child of this
# shell, started and answering PING within LOAD_SECONDS (default 60; a
# database of millions of signatures needs more).  Sets BENCH_CLAMD_SOCK,
# BENCH_CLAMD_PID and BENCH_CLAMD_LOAD_MS (start to first PONG).  The
# caller stops it with bench_clamd_stop, from an EXIT trap.
# QSCAN_BENCH_CLAMD_EXTRA: more clamd.conf lines, e.g. a site's
# "MaxFileSize 400M".
bench_clamd_start() {
	_cd=$1 _db=$2 _port=${3:-} _wait=${4:-60}
	BENCH_CLAMD_SOCK=$_cd/clamd.sock
	mkdir -p "$_cd/clamd-tmp"
	{
		cat <<EOC
Foreground yes
LocalSocket $BENCH_CLAMD_SOCK
LocalSocketMode 666
FixStaleSocket yes
DatabaseDirectory $_db
TemporaryDirectory $_cd/clamd-tmp
PidFile $_cd/clamd.pid
LogFile $_cd/clamd.log
MaxThreads 4
StreamMaxLength 25M
SelfCheck 3600
ConcurrentDatabaseReload no
EOC
		[ -z "$_port" ] || printf 'TCPSocket %s\nTCPAddr 127.0.0.1\n' "$_port"
		[ -z "${QSCAN_BENCH_CLAMD_EXTRA:-}" ] || printf '%s\n' "$QSCAN_BENCH_CLAMD_EXTRA"
	} >"$_cd/clamd.conf"
	_t0=$(date +%s%N)
	/usr/sbin/clamd -c "$_cd/clamd.conf" >"$_cd/clamd.out" 2>&1 &
	BENCH_CLAMD_PID=$!
	python3 "$QSCAN_SRC/tests/av/clamd_tool.py" ping "unix:$BENCH_CLAMD_SOCK" "$_wait" &&
	    { [ -z "$_port" ] || python3 "$QSCAN_SRC/tests/av/clamd_tool.py" ping "tcp:127.0.0.1:$_port" 10; } ||
	    { cat "$_cd/clamd.out" >&2; demo_die "clamd did not start"; }
	BENCH_CLAMD_LOAD_MS=$((($(date +%s%N) - _t0) / 1000000))
}

# bench_clamd_stop: stop the clamd of bench_clamd_start, if it runs.
bench_clamd_stop() {
	if [ -n "${BENCH_CLAMD_PID:-}" ]; then
		kill "$BENCH_CLAMD_PID" 2>/dev/null || true
		wait "$BENCH_CLAMD_PID" 2>/dev/null || true
		BENCH_CLAMD_PID=
	fi
}

# bench_qscand_start CONF LOG: qscand (BUILD/broker/qscand) on CONF, in
# the foreground, a child of this shell, its log in LOG; returns once
# every zygote it needs (unpack, and one per configured scanner) passed
# its canary (at most 300 s: a big database takes a while).  Appends its
# pid to BENCH_QSCAND_PIDS and sets BENCH_QSCAND_PID.  The caller stops
# them all with bench_qscand_stop, from an EXIT trap.
bench_qscand_start() {
	_conf=$1 _log=$2
	: >"$_log"
	"$BUILD/broker/qscand" -c "$_conf" >>"$_log" 2>&1 &
	BENCH_QSCAND_PID=$!
	BENCH_QSCAND_PIDS="${BENCH_QSCAND_PIDS:-} $BENCH_QSCAND_PID"
	_need=$((1 + $(sed -n 's/^scanners *= *//p' "$_conf" | tail -n 1 |
	    tr ';, ' '\n\n\n' | grep -c . || true)))
	_i=0
	until [ "$(grep -c 'canary passed, serving' "$_log")" -ge $_need ]; do
		kill -0 "$BENCH_QSCAND_PID" 2>/dev/null ||
		    { cat "$_log" >&2; demo_die "qscand on $_conf exited"; }
		_i=$((_i + 1))
		[ $_i -lt 3000 ] || demo_die "qscand on $_conf not ready after 300 s"
		sleep 0.1
	done
}

# bench_qscand_stop: SIGTERM to every qscand of bench_qscand_start.
bench_qscand_stop() {
	for _p in ${BENCH_QSCAND_PIDS:-}; do
		kill "$_p" 2>/dev/null || true
		wait "$_p" 2>/dev/null || true
	done
	BENCH_QSCAND_PIDS=
}

# bench_service_lines warm SOCKET | exec: the [service] group of a
# configuration whose hook uses the qscand on SOCKET, or (exec) none: a
# socket nobody listens on and fallback = exec, so that the hook takes
# the exec path (and logs that it did).
bench_service_lines() {
	echo "[service]"
	if [ "$1" = warm ]; then
		printf 'socket = %s\nfallback = tempfail\n' "$2"
		printf 'zygote_wait_ms = 20000\ncanary_interval_s = 3600\n'
		printf 'client_users = root\n'
	else
		printf 'socket = %s/qscan-no-service/qscand.sock\nfallback = exec\n' \
		    "${TMPDIR:-/tmp}"
	fi
}

# bench_av_setup ENV_NAME WORK_NAME: the demo's private qscan under
# BUILD/ENV_NAME (demo_setup, a stand-in qmail-queue answering 0), the
# scanner roles copied beside the others (every role user can execute
# them wherever the build tree is), and an empty work directory W =
# DEMO_DIR/WORK_NAME.
bench_av_setup() {
	for _r in clamav clamd; do
		[ -x "$BUILD/scanners/qscan-$_r" ] ||
		    demo_die "$BUILD/scanners/qscan-$_r is missing: build first (ninja -C $BUILD)"
	done
	demo_setup "$BUILD" "$BUILD/$1"
	demo_qq_setting exit=0
	W=$DEMO_DIR/$2
	rm -rf "$W"
	mkdir -p "$W"
	chmod 755 "$W"
	for _r in clamav clamd; do
		install -m 0755 "$BUILD/scanners/qscan-$_r" "$DEMO_DIR/roles/qscan-$_r"
	done
}

# bench_notqmail_build TARBALL NQ ROOT WORK: notqmail's qmail-smtpd in NQ,
# its root (conf-qmail) ROOT; rebuilt only when the tarball or the root
# changed (about 10 s).  bench_smtp.sh and tests/soak.sh.
bench_notqmail_build() {
	_tar=$1 _nq=$2 _root=$3 _w=$4
	_stamp="$(cksum <"$_tar") $_root"
	if [ "$(cat "$_nq.stamp" 2>/dev/null)" != "$_stamp" ] || [ ! -x "$_nq/qmail-smtpd" ]; then
		rm -rf "$_nq" "$_nq.stamp" "$_w/untar"
		mkdir -p "$_w/untar"
		tar xzf "$_tar" -C "$_w/untar"
		mv "$_w/untar"/* "$_nq"
		echo "$_root" >"$_nq/conf-qmail"
		make -C "$_nq" qmail-smtpd >"$_w/notqmail-build.log" 2>&1 ||
		    { tail -20 "$_w/notqmail-build.log" >&2; demo_die "notqmail's qmail-smtpd did not build"; }
		echo "$_stamp" >"$_nq.stamp"
	fi
}

# bench_wait_port PORT: until something listens on 127.0.0.1:PORT (5 s
# at most); 1 if nothing does.
bench_wait_port() {
	python3 -c '
import socket, sys, time
for _ in range(100):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)' "$1"
}
