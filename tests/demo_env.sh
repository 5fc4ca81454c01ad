# tests/demo_env.sh: the setup tests/demo.sh and bench/bench.sh share.
# Sourced, not run: POSIX sh functions, no side effects until called.
#
# It builds a private qscan installation under a build tree, as root:
# users and spool from conf/qscan-setup, a key-file configuration that
# names a stand-in qmail-queue (tests/qq_standin.c), and a roles
# directory.  Nothing outside the build tree is touched except the
# system users qscan-setup creates (and /var/tmp/qscan-* when the build
# tree cannot be reached by those users, see demo_setup).
#
# Callers set QSCAN_SRC (repository root) before sourcing.
# The DEMO_* variables are this file's results, used by the callers:
# shellcheck disable=SC2034

demo_die() {
	echo "${0##*/}: $*" >&2
	exit 1
}

demo_need_root() {
	# qscan-setup creates users, and the broker gives each role a uid
	# of its own: both need root.
	[ "$(id -u)" = 0 ] || demo_die "run as root (it creates users and a spool)"
}

# demo_install_deps [EXTRA_PACKAGE...]: apt-get only what is missing, so
# that a second run (or a machine that has them) needs no network.
demo_install_deps() {
	_pkgs="meson ninja-build pkg-config gcc libc6-dev libseccomp-dev \
libcap-ng-dev libgmime-3.0-dev libclamav-dev libarchive-dev libglib2.0-dev \
passwd util-linux $*"
	_missing=
	for _p in $_pkgs; do
		dpkg-query -W -f='${Status}\n' "$_p" 2>/dev/null |
		    grep -q 'install ok installed' || _missing="$_missing $_p"
	done
	[ -z "$_missing" ] && return 0
	command -v apt-get >/dev/null ||
	    demo_die "missing packages:$_missing (and no apt-get to install them)"
	echo "installing:$_missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	# shellcheck disable=SC2086  # the list is meant to split
	apt-get install -y -qq --no-install-recommends $_missing >/dev/null
}

# demo_build BUILD_DIR: configure once, then let ninja decide what is stale.
# The log goes to a file: the demo's output should be the verdicts.
demo_build() {
	_b=$1
	mkdir -p "$_b"
	if [ ! -f "$_b/build.ninja" ]; then
		# A setup that failed half-way (a missing package) left its
		# state behind; start that one over.
		_wipe=
		[ -d "$_b/meson-private" ] && _wipe=--wipe
		meson setup $_wipe "$_b" "$QSCAN_SRC" -Dtests=false >"$_b/demo-build.log" 2>&1 ||
		    { tail -30 "$_b/demo-build.log" >&2; demo_die "meson setup failed (log: $_b/demo-build.log)"; }
	fi
	ninja -C "$_b" >>"$_b/demo-build.log" 2>&1 ||
	    { tail -30 "$_b/demo-build.log" >&2; demo_die "build failed (log: $_b/demo-build.log)"; }
}

# demo_reaches USER PATH [TEST]: can USER get to PATH and use it (TEST is
# -x by default: search a directory, run a program; -r to read a file)?
# The broker runs as qscand and execs roles as their own users, so a tree
# under a mode 0700 directory such as /root would fail later, less clearly.
demo_reaches() {
	setpriv --reuid="$(id -u "$1")" --regid="$(id -g "$1")" --clear-groups \
	    test "${3:--x}" "$2" 2>/dev/null
}

# demo_setup BUILD_DIR DIR [MAX_MESSAGE_BYTES]: a private spool and
# configuration in DIR.  Sets DEMO_DIR, DEMO_CONF, DEMO_SPOOL, DEMO_LOG,
# DEMO_QQ, DEMO_MAILDIR, DEMO_BROKER, DEMO_QSCAN.  Idempotent: a second
# call rewrites the same files and keeps the Maildir and the log.
demo_setup() {
	_b=$(cd "$1" && pwd)
	_d=$2
	_max=${3:-104857600}
	DEMO_BROKER=$_b/broker/qmail-scanner-queue
	DEMO_QSCAN=$_b/broker/qscan
	for _f in "$DEMO_BROKER" "$DEMO_QSCAN" "$_b/unpacker/qscan-unpack" \
	    "$_b/seccomp/qscan-canary"; do
		[ -x "$_f" ] || demo_die "$_f is missing: build first (ninja -C $_b)"
	done

	mkdir -p "$_d"
	chmod 755 "$_d"
	# The users come with the spool; the reachability test needs them.
	sh "$_b/conf/qscan-setup" --spool "$_d/spool" >/dev/null
	_link=yes
	if ! demo_reaches qscand "$_d/spool" ||
	    ! demo_reaches qscan-unpack "$_b/unpacker/qscan-unpack"; then
		# Keep going in a place the users can reach, with copies of the
		# helpers instead of links into the unreachable tree.
		rm -rf "$_d/spool"
		_d=/var/tmp/qscan-${_d##*/}
		_link=no
		echo "note: $2 is not reachable by users qscand/qscan-unpack" \
		    "(a parent directory is not world-searchable); using $_d" >&2
		mkdir -p "$_d"
		chmod 755 "$_d"
	fi
	DEMO_DIR=$(cd "$_d" && pwd)
	DEMO_SPOOL=$DEMO_DIR/spool
	DEMO_LOG=$DEMO_SPOOL/log/qscan.log
	DEMO_CONF=$DEMO_DIR/qscan.conf
	DEMO_QQ=$DEMO_DIR/qmail-queue
	DEMO_MAILDIR=$DEMO_DIR/Maildir

	sh "$_b/conf/qscan-setup" --spool "$DEMO_SPOOL" >/dev/null

	# role_dir must hold qscan-<role>.
	mkdir -p "$DEMO_DIR/roles"
	chmod 755 "$DEMO_DIR/roles"
	for _r in unpacker/qscan-unpack seccomp/qscan-canary; do
		rm -f "$DEMO_DIR/roles/${_r#*/}"
		if [ "$_link" = yes ]; then
			ln -s "$_b/$_r" "$DEMO_DIR/roles/${_r#*/}"
		else
			install -m 0755 "$_b/$_r" "$DEMO_DIR/roles/${_r#*/}"
		fi
	done

	# The stand-in reads "<argv[0]>.conf"; it runs as qscand, so the
	# Maildir it delivers into belongs to qscand.
	if [ ! -x "$DEMO_QQ" ] ||
	    [ -n "$(find "$QSCAN_SRC/tests/qq_standin.c" -newer "$DEMO_QQ")" ]; then
		cc -O2 -o "$DEMO_QQ" "$QSCAN_SRC/tests/qq_standin.c" ||
		    demo_die "cannot build the qmail-queue stand-in"
	fi
	chmod 755 "$DEMO_QQ"
	for _sub in tmp new cur; do
		install -d -o qscand -g qscand -m 0700 "$DEMO_MAILDIR/$_sub"
	done
	chown qscand:qscand "$DEMO_MAILDIR"
	chmod 0700 "$DEMO_MAILDIR"
	printf 'maildir=%s\nexit=0\n' "$DEMO_MAILDIR" >"$DEMO_QQ.conf"
	chmod 644 "$DEMO_QQ.conf"

	cat >"$DEMO_CONF" <<EOF
# Written by tests/demo_env.sh: a private qscan for the demo/benchmark.
[qscan]
spool_dir = $DEMO_SPOOL
qmail_queue = $DEMO_QQ
role_dir = $DEMO_DIR/roles
log_file = $DEMO_LOG
syslog = false
hostname = demo.qscan.invalid
max_message_bytes = $_max
oversize_action = reject
EOF
	chmod 644 "$DEMO_CONF"
}

# demo_qq_setting LINE...: rewrite the stand-in's settings (bench: no
# Maildir, so that the disk is not what is measured).
demo_qq_setting() {
	printf '%s\n' "$@" >"$DEMO_QQ.conf"
}

# demo_summaries: how many summary lines the log has (0 before the first).
demo_summaries() {
	if [ -f "$DEMO_LOG" ]; then
		grep -c ' verdict=' "$DEMO_LOG" || true
	else
		echo 0
	fi
}

# demo_deliver MESSAGE_FILE ENVELOPE_FILE: run the broker exactly as
# qmail-smtpd does: the message through a pipe on fd 0, the envelope
# readable on fd 1, a tcpserver-style environment and nothing else of
# ours (env -i).  Sets DEMO_EXIT, DEMO_VERDICT, DEMO_ACTION, DEMO_PARTS,
# DEMO_LINE from the summary line this run appended (or "-" if none).
demo_deliver() {
	_before=$(demo_summaries)
	set +e
	# cat: qmail-smtpd gives a pipe, not a file the broker could seek.
	# shellcheck disable=SC2002
	cat "$1" | env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	    TCPREMOTEIP=192.0.2.10 TCPREMOTEHOST=mail.b.example \
	    TCPREMOTEPORT=41234 TCPLOCALIP=198.51.100.25 \
	    TCPLOCALHOST=mx.d.example TCPLOCALPORT=25 PROTO=SMTP \
	    DATABYTES=0 QSCAN_CONFIG="$DEMO_CONF" \
	    "$DEMO_BROKER" 1<"$2" 2>>"$DEMO_DIR/broker.stderr"
	DEMO_EXIT=$?
	set -e
	DEMO_LINE=-
	DEMO_VERDICT=-
	DEMO_ACTION=-
	DEMO_PARTS=-
	if [ "$(demo_summaries)" -gt "$_before" ]; then
		DEMO_LINE=$(grep ' verdict=' "$DEMO_LOG" | tail -n 1)
		DEMO_VERDICT=$(demo_field verdict "$DEMO_LINE")
		DEMO_ACTION=$(demo_field action "$DEMO_LINE")
		DEMO_PARTS=$(demo_field parts "$DEMO_LINE")
		DEMO_LOGGED_EXIT=$(demo_field exit "$DEMO_LINE")
	fi
}

# demo_field KEY LINE: the value of " KEY=value" in a summary line.
demo_field() {
	printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1
}

# demo_reply CODE: what qmail-smtpd answers for a qmail-queue exit code
# (docs/architecture.md, "Exit codes"; qmail.c / qmail-smtpd.c).
demo_reply() {
	case $1 in
	0) echo "250 ok" ;;
	11|115) echo "554 envelope address too long for qq (#5.1.3)" ;;
	31) echo "554 mail server permanently rejected message (#5.3.0)" ;;
	1[2-9]|2[0-9]|30|3[2-9]|40) echo "554 qq permanent problem (#5.3.0)" ;;
	51) echo "451 qq out of memory (#4.3.0)" ;;
	52) echo "451 qq timeout (#4.3.0)" ;;
	53) echo "451 qq write error or disk full (#4.3.0)" ;;
	54) echo "451 qq read error (#4.3.0)" ;;
	55) echo "451 qq unable to read configuration (#4.3.0)" ;;
	56) echo "451 qq trouble making network connection (#4.3.0)" ;;
	61) echo "451 qq trouble in home directory (#4.3.0)" ;;
	6[2-6]) echo "451 qq trouble creating files in queue (#4.3.0)" ;;
	71) echo "451 mail server temporarily rejected message (#4.3.0)" ;;
	72) echo "451 connection to mail server timed out (#4.4.1)" ;;
	73) echo "451 connection to mail server rejected (#4.4.1)" ;;
	74) echo "451 communication with mail server failed (#4.4.2)" ;;
	81|91) echo "451 qq internal bug (#4.3.0)" ;;
	82) echo "554/451 <text from fd 6> (notqmail; else 451 qq temporary problem)" ;;
	120) echo "451 unable to exec qq (#4.3.0)" ;;
	# The shell reports a death by signal N as 128+N.
	129|1[3-9][0-9]|2[0-9][0-9]) echo "451 qq crashed (#4.3.0)" ;;
	*) echo "451 qq temporary problem (#4.3.0)" ;;
	esac
}
