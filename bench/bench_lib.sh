# bench/bench_lib.sh: the timing runner and the statistics that
# bench/bench.sh, bench/bench_av.sh and bench/bench_unpack.sh share, so
# that their figures are measured and summed up the same way.
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
