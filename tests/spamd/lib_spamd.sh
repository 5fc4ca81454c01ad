# tests/spamd/lib_spamd.sh: what the spamd scenarios share, sourced
# after tests/integration/lib.sh (which made $T and set the EXIT trap).
#
# A real spamd (SpamAssassin 4 from the distribution, package spamd) of
# our own: a private site configuration (no network tests, no Bayes, no
# auto-whitelist), listening on a unix socket in $T and on 127.0.0.1 at a
# free port, logging to $T/spamd.log; stopped by trap.
#
# Functions:
#   spamd_setup               qs_setup, the spamd role, the messages
#   spamd_conf [LINE...]      rewrites $T/qscan.conf with [spamd]
#                             servers = $SPAMD_SERVERS (the unix socket
#                             unless set); LINEs go into [spamd],
#                             SPAMD_QSCAN_LINES into [qscan]
#   spamd_start / spamd_stop  the real spamd
#   spamd_run MSG [VAR=value...]  the hook, one summary line
#   spamd_check OUT FILE...   qscan check --json FILE... > OUT
#   spamd_requests            how many messages spamd scored (its log)
SPAMD_PID=
SPAMD_BIN=/usr/sbin/spamd

[ -x "$SPAMD_BIN" ] || fail "$SPAMD_BIN missing (package spamd)"

spamd_finish() {
	spamd_stop
	spamd_fake_stop
	finish
}
trap spamd_finish EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

spamd_freeport() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

spamd_setup() {
	qs_setup
	cp "$T/qscan.conf" "$T/qscan.base"
	[ -x "$QSCAN_BUILD/scanners/qscan-spamd" ] ||
	    fail "role $QSCAN_BUILD/scanners/qscan-spamd not built"
	getent passwd qscan-spamd >/dev/null ||
	    fail "qscan-setup did not create user qscan-spamd"
	SPAMD_PORT=$(spamd_freeport)
	SPAMD_SOCK=$T/spamd/spamd.sock
	SPAMD_SERVERS=${SPAMD_SERVERS:-unix:$SPAMD_SOCK}
	mkdir -p "$T/spamd/site"
	chmod 755 "$T" "$T/spamd"
	cp /etc/spamassassin/*.pre "$T/spamd/site/"
	# Offline and repeatable: no DNS, no network checks, no learning.
	cat > "$T/spamd/site/local.cf" <<'CF'
use_bayes 0
bayes_auto_learn 0
skip_rbl_checks 1
dns_available no
use_razor2 0
use_pyzor 0
CF
	spamd_messages
}

# $T/gtube.eml: GTUBE, spam by definition; $T/ham1..3.eml: ordinary
# mail of three shapes (plain, a reply with a quote, MIME with an
# attachment); $T/big.eml: over 600 KB.
spamd_messages() {
	python3 - "$T" <<'PY'
import sys, base64
d = sys.argv[1]
hdr = ("Received: from mail.a.example (mail.a.example [192.0.2.7]) by "
       "mx.b.example with SMTP; Wed, 25 Nov 2026 10:00:00 +0000\n"
       "From: Alice Example <alice@a.example>\nTo: Bob <bob@b.example>\n"
       "Date: Wed, 25 Nov 2026 10:00:00 +0000\n")
def w(name, text):
    open(d + "/" + name, "w").write(text)
w("gtube.eml", hdr + "Message-ID: <gtube@a.example>\nSubject: Test spam mail (GTUBE)\n\n"
  "This is the GTUBE, the\n\tGeneric\n\tTest for\n\tUnsolicited\n\tBulk\n\tEmail\n\n"
  "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\n\n")
w("ham1.eml", hdr + "Message-ID: <20261125100000.1234@a.example>\nSubject: Lunch on Thursday\n\n"
  "Hi Bob,\n\nare we still on for lunch on Thursday? The new place by the\n"
  "station opens at noon; I can book a table for two.\n\nAlice\n")
w("ham2.eml", hdr + "Message-ID: <20261125100500.5678@a.example>\n"
  "In-Reply-To: <20261124.99@b.example>\nSubject: Re: quarterly figures\n\n"
  "Bob wrote:\n> Could you send me the figures for the third quarter\n"
  "> before the meeting?\n\nAttached is the summary; the full sheet is on the\n"
  "shared drive under finance/2026. Revenue is up four percent.\n\nAlice\n")
w("ham3.eml", hdr + "Message-ID: <20261125101000.9abc@a.example>\nSubject: Minutes\n"
  "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b1\"\n\n"
  "--b1\nContent-Type: text/plain; charset=us-ascii\n\n"
  "The minutes of yesterday's meeting are attached.\n\n"
  "--b1\nContent-Type: text/plain; name=\"minutes.txt\"\n"
  "Content-Disposition: attachment; filename=\"minutes.txt\"\n"
  "Content-Transfer-Encoding: base64\n\n" +
  base64.encodebytes(b"1. Budget approved.\n2. Next meeting in two weeks.\n").decode() +
  "--b1--\n")
w("big.eml", hdr + "Message-ID: <big@a.example>\nSubject: big\n\n" +
  ("a line of ordinary text for a big message, nothing more\n" * 11000))
PY
	chmod 644 "$T"/*.eml
}

spamd_start() {
	[ -z "$SPAMD_PID" ] || spamd_stop
	rm -f "$SPAMD_SOCK"
	"$SPAMD_BIN" --siteconfigpath "$T/spamd/site" -L \
	    --socketmode=0666 \
	    --listen="$SPAMD_SOCK" --listen="127.0.0.1:$SPAMD_PORT" \
	    -u nobody -x -m 2 --min-spare=1 --max-spare=2 \
	    --pidfile="$T/spamd/pid" -s "$T/spamd.log" \
	    > "$T/spamd.out" 2>&1 &
	SPAMD_PID=$!
	_i=0
	until spamd_ping; do
		_i=$((_i + 1))
		[ $_i -lt 300 ] || { cat "$T/spamd.out" "$T/spamd.log"; fail "spamd did not start"; }
		kill -0 "$SPAMD_PID" 2>/dev/null || { cat "$T/spamd.out"; fail "spamd exited"; }
		sleep 0.1
	done
}

# 0 when both of spamd's sockets answer PING.
spamd_ping() {
	python3 - "$SPAMD_SOCK" "$SPAMD_PORT" <<'PY' 2>/dev/null
import socket, sys
for fam, addr in ((socket.AF_UNIX, sys.argv[1]), (socket.AF_INET, ("127.0.0.1", int(sys.argv[2])))):
    s = socket.socket(fam); s.settimeout(2); s.connect(addr)
    s.sendall(b"PING SPAMC/1.5\r\n\r\n")
    if not s.recv(100).startswith(b"SPAMD/1.5 0 PONG"): sys.exit(1)
PY
}

spamd_stop() {
	[ -n "$SPAMD_PID" ] || return 0
	kill "$SPAMD_PID" 2>/dev/null || true
	wait "$SPAMD_PID" 2>/dev/null || true
	SPAMD_PID=
}

spamd_conf() {
	{
		cat "$T/qscan.base"
		[ -z "${SPAMD_QSCAN_LINES:-}" ] || printf '%s\n' "$SPAMD_QSCAN_LINES"
		echo "[spamd]"
		echo "servers = $SPAMD_SERVERS"
		for _l in "$@"; do echo "$_l"; done
	} > "$T/qscan.conf"
}

# How many messages spamd reported on ("identified spam" / "clean
# message" lines of its log).
spamd_requests() {
	grep -cE 'spamd: (identified spam|clean message)' "$T/spamd.log" 2>/dev/null || true
}

spamd_check() {
	_out=$1
	shift
	set +e
	QSCAN_CONFIG="$T/qscan.conf" "$QSCAN_BUILD/broker/qscan" check --json "$@" \
	    > "$_out" 2> "$T/stderr"
	_rc=$?
	set -e
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$_out" 2>/dev/null || {
		cat "$T/stderr"
		head -c 2000 "$_out"
		fail "qscan check --json (exit $_rc) printed no JSON"
	}
}

# spamd_run MSG [VAR=value...]: the hook with a fresh stand-in record,
# one summary line.
spamd_run() {
	_msg=$1
	shift
	qs_standin 0
	_before=0
	[ -f "$T/spool/log/qscan.log" ] && _before=$(wc -l < "$T/spool/log/qscan.log")
	qs_run "$_msg" "$T/e" "$@"
	_after=0
	[ -f "$T/spool/log/qscan.log" ] && _after=$(wc -l < "$T/spool/log/qscan.log")
	[ "$_after" = $((_before + 1)) ] ||
	    { cat "$T/stderr"; fail "broker exit $rc wrote $((_after - _before)) summary lines"; }
}

# The delivered message's header lines named $1 (unfolded).
spamd_header() {
	python3 - "$T/rec/message" "$1" <<'PY'
import email, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
for v in m.get_all(sys.argv[2]) or []:
    print(" ".join(v.split()))
PY
}

# spamd_fake_start MODE: the hostile fake spamd (spamd_tool.py) on
# $SPAMD_FAKE_SOCK; spamd_fake_stop.
SPAMD_FAKE_PID=
spamd_fake_start() {
	spamd_fake_stop
	SPAMD_FAKE_SOCK=$T/spamd/fake.sock
	rm -f "$T/fake.out"
	python3 "$QSCAN_SRC/tests/spamd/spamd_tool.py" serve "$SPAMD_FAKE_SOCK" "$1" \
	    > "$T/fake.out" 2>&1 &
	SPAMD_FAKE_PID=$!
	_i=0
	until grep -q ready "$T/fake.out" 2>/dev/null; do
		_i=$((_i + 1))
		[ $_i -lt 50 ] || fail "fake spamd did not start"
		sleep 0.1
	done
}
spamd_fake_stop() {
	[ -n "$SPAMD_FAKE_PID" ] || return 0
	kill "$SPAMD_FAKE_PID" 2>/dev/null || true
	wait "$SPAMD_FAKE_PID" 2>/dev/null || true
	SPAMD_FAKE_PID=
}
