# tests/av/lib_av.sh: what the AV scenarios share, sourced after
# tests/integration/lib.sh (which made $T and set the EXIT trap).
#
# A signature database made at test time in $T/db (no freshclam, no
# network: the MD5 of clam.exe from clamav-testfiles and an EICAR body
# signature), a real clamd of our own on a unix socket and a loopback
# port in $T, never the system's (Debian's clamav-daemon may or may not
# run one on /run/clamav), and configurations per backend.
#
# Functions:
#   av_setup [LINE...]        qs_setup, the scanner roles, the database;
#                             LINEs go into [qscan] of every av_conf
#   av_conf BACKEND [LINE...] rewrites $T/qscan.conf: BACKEND is clamav,
#                             fildes (clamd, unix socket), instream (clamd,
#                             TCP), both (clamav;clamd, unix socket) or
#                             none; LINEs go into [qscan].
#                             AV_CLAMD_SERVERS, AV_CLAMD_EXTRA (lines for
#                             [clamd]) and AV_CLAMAV_DB change the defaults.
#   av_clamd_start / av_clamd_stop
#   av_check OUT FILE...      qscan check --json FILE... > OUT
#   av_messages               $T/msgs from make_messages.py
AV_DIR=$QSCAN_SRC/tests/av
AV_TOOL=$AV_DIR/clamd_tool.py
AV_CLAMD_PID=
AV_HANG_PID=
AV_RAW_MARKER=qscan-raw-only-marker-7f3a

command -v sigtool >/dev/null || fail "sigtool missing (package clamav)"
[ -x /usr/sbin/clamd ] || fail "/usr/sbin/clamd missing (package clamav-daemon)"
[ -f /usr/share/clamav-testfiles/clam.exe ] || fail "clamav-testfiles missing"

# Never leave a clamd (or the fake one) running: stop them before lib.sh's
# finish removes (or keeps) the directory.  TERM/INT (meson's timeout)
# go through exit so that the EXIT trap runs.
av_finish() {
	av_clamd_stop
	av_hang_stop
	finish
}
trap av_finish EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

av_db() {
	mkdir -p "$T/db"
	# sigtool names the signature after the file; ClamAV's own tests call
	# it ClamAV-Test-File, so a name in the JSON cannot be a filename.
	sigtool --md5 /usr/share/clamav-testfiles/clam.exe |
	    sed 's/:[^:]*$/:ClamAV-Test-File/' > "$T/db/test.hdb"
	grep -q '^[0-9a-f]\{32\}:[0-9]*:ClamAV-Test-File$' "$T/db/test.hdb" ||
	    fail "sigtool --md5: $(cat "$T/db/test.hdb")"
	echo "Eicar-Test-Signature:0:*:$(python3 "$AV_DIR/make_messages.py" --eicar-hex)" \
	    > "$T/db/eicar.ndb"
	# A marker only the raw message carries (in a header): found when
	# scan_raw is on, never in a decoded part.
	echo "Qscan-Test-Raw-Marker:0:*:$(printf %s "$AV_RAW_MARKER" | od -An -tx1 | tr -d ' \n')" \
	    > "$T/db/raw.ndb"
	# The role users and clamd read it.
	chmod 755 "$T/db"
	chmod 644 "$T/db"/*
}

av_setup() {
	qs_setup
	cp "$T/qscan.conf" "$T/qscan.base"
	AV_QSCAN_LINES=$(printf '%s\n' "$@")
	for r in clamav clamd; do
		[ -x "$QSCAN_BUILD/scanners/qscan-$r" ] ||
		    fail "scanner role $QSCAN_BUILD/scanners/qscan-$r not built"
		getent passwd "qscan-$r" >/dev/null ||
		    fail "qscan-setup did not create user qscan-$r"
		cp "$QSCAN_BUILD/scanners/qscan-$r" "$T/roles/qscan-$r"
		chmod 755 "$T/roles/qscan-$r"
	done
	av_db
	AV_PORT=$(python3 "$AV_TOOL" freeport)
}

av_conf() {
	_backend=$1
	shift
	{
		cat "$T/qscan.base"
		[ -z "$AV_QSCAN_LINES" ] || printf '%s\n' "$AV_QSCAN_LINES"
		case $_backend in
		clamav) echo "scanners = clamav" ;;
		fildes|instream) echo "scanners = clamd" ;;
		both) echo "scanners = clamav;clamd" ;;
		none) ;;
		*) fail "av_conf: unknown backend $_backend" ;;
		esac
		for _l in "$@"; do echo "$_l"; done
		echo "[clamav]"
		echo "database = ${AV_CLAMAV_DB:-$T/db}"
		echo "[clamd]"
		case $_backend in
		instream)
			echo "servers = ${AV_CLAMD_SERVERS:-tcp:127.0.0.1:$AV_PORT}"
			echo "mode = instream" ;;
		*)
			echo "servers = ${AV_CLAMD_SERVERS:-unix:$T/clamd.sock}"
			echo "mode = fildes" ;;
		esac
		[ -z "${AV_CLAMD_EXTRA:-}" ] || printf '%s\n' "$AV_CLAMD_EXTRA"
	} > "$T/qscan.conf"
}

av_clamd_start() {
	[ -z "$AV_CLAMD_PID" ] || return 0
	mkdir -p "$T/clamd-tmp"
	chmod 700 "$T/clamd-tmp"
	# Our own clamd: own socket, port, database, log, pid file; it runs in
	# the foreground as a child of this shell so that we can stop it.
	cat > "$T/clamd.conf" <<EOF
Foreground yes
LocalSocket $T/clamd.sock
LocalSocketMode 666
FixStaleSocket yes
TCPSocket $AV_PORT
TCPAddr 127.0.0.1
DatabaseDirectory $T/db
TemporaryDirectory $T/clamd-tmp
PidFile $T/clamd.pid
LogFile $T/clamd.log
LogTime yes
MaxThreads 4
StreamMaxLength 25M
SelfCheck 3600
ConcurrentDatabaseReload no
EOF
	/usr/sbin/clamd -c "$T/clamd.conf" > "$T/clamd.out" 2>&1 &
	AV_CLAMD_PID=$!
	if ! python3 "$AV_TOOL" ping "unix:$T/clamd.sock" 60 ||
	    ! python3 "$AV_TOOL" ping "tcp:127.0.0.1:$AV_PORT" 10; then
		cat "$T/clamd.out" "$T/clamd.log" 2>/dev/null
		fail "clamd did not start"
	fi
}

av_clamd_stop() {
	[ -n "$AV_CLAMD_PID" ] || return 0
	kill "$AV_CLAMD_PID" 2>/dev/null || true
	wait "$AV_CLAMD_PID" 2>/dev/null || true
	AV_CLAMD_PID=
}

# av_clamd_mark: how many lines clamd's log has now; av_clamd_found MARK
# KIND: how many detections clamd logged since MARK by way of KIND
# (instream: "instream(addr): NAME FOUND"; fildes: any other FOUND line,
# clamd names the descriptor's path there).  Proof that clamd itself
# scanned, and over which command.
av_clamd_mark() {
	wc -l < "$T/clamd.log"
}
av_clamd_found() {
	tail -n +"$(($1 + 1))" "$T/clamd.log" | grep ' FOUND$' |
	    if [ "$2" = instream ]; then grep -c ' -> instream(' ; else grep -vc ' -> instream(' ; fi || true
}

# av_hang_start SOCKET: a clamd that accepts and never answers.
av_hang_start() {
	python3 "$AV_TOOL" hang "$1" &
	AV_HANG_PID=$!
	_i=0
	while [ ! -S "$1" ]; do
		_i=$((_i + 1))
		[ $_i -lt 100 ] || fail "fake clamd did not start"
		sleep 0.1
	done
}

av_hang_stop() {
	[ -n "$AV_HANG_PID" ] || return 0
	kill "$AV_HANG_PID" 2>/dev/null || true
	wait "$AV_HANG_PID" 2>/dev/null || true
	AV_HANG_PID=
}

av_messages() {
	python3 "$AV_DIR/make_messages.py" "$T/msgs" > /dev/null ||
	    fail "make_messages.py failed"
	chmod -R a+rX "$T/msgs"
}

# av_check OUT FILE...: qscan check --json on the files; a non-zero exit
# is not a failure by itself (the verdicts are in the JSON).
av_check() {
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

# av_verdicts JSON BACKEND WANT FILE...: python3 checks each entry of
# JSON (in the order of FILEs) against WANT: "virus:NAME" (verdict virus,
# one virus from engine BACKEND whose name starts with NAME) or "clean".
# AV_PARTS_ONLY=1: a virus must be found in a part, not only in "raw".
# Prints one line per file; exits non-zero if any is wrong.
av_verdicts() {
	python3 - "$@" <<'PY'
import json, sys
out, backend, want = sys.argv[1:4]
files = sys.argv[4:]
import os
parts_only = os.environ.get("AV_PARTS_ONLY") == "1"
engine = "clamav" if backend == "clamav" else "clamd"
res = json.load(open(out))
bad = 0
if len(res) != len(files):
    print("%d results for %d files" % (len(res), len(files)))
    sys.exit(1)
for f, r in zip(files, res):
    name = os.path.basename(f)
    verdict = r.get("verdict")
    viruses = r.get("viruses", [])
    ok = True
    why = ""
    if want == "clean":
        if verdict not in ("clean", "limits") or viruses:
            ok, why = False, "verdict %s viruses %s" % (verdict, viruses)
        elif verdict == "limits":
            why = "limits: %s" % [a.get("code") for a in r.get("anomalies", [])]
        else:
            why = "clean"
        # Clean must mean scanned: the backend is among the engines.
        if ok and verdict == "clean" and not any(
                e.get("engine") == engine and e.get("version")
                for e in r.get("engines", [])):
            ok, why = False, "clean but engine %s not listed: %s" % (
                engine, r.get("engines"))
    else:
        vname = want.split(":", 1)[1]
        mine = [v for v in viruses if v.get("engine") == engine
                and str(v.get("name", "")).startswith(vname)]
        if parts_only:
            mine = [v for v in mine if v.get("part") != "raw"]
        if verdict != "virus" or not mine:
            ok, why = False, "verdict %s viruses %s" % (verdict, viruses)
        elif any(not isinstance(v.get("part"), str) for v in viruses):
            ok, why = False, "part not a string: %s" % viruses
        else:
            why = ", ".join("%s in %s" % (v["name"], v["part"]) for v in mine)
        engines = r.get("engines", [])
        if ok and not any(e.get("engine") == engine and e.get("version")
                          and e.get("database") for e in engines):
            ok, why = False, "engines: %s" % engines
    if not ok:
        bad += 1
    print("%s %s %s: %s" % ("ok  " if ok else "FAIL", backend, name, why))
sys.exit(1 if bad else 0)
PY
}

# av_run MSG ENV [VAR=value...]: qs_run with a fresh stand-in record;
# fails unless the broker appended exactly one summary line.
av_run() {
	qs_standin 0
	_before=0
	[ -f "$T/spool/log/qscan.log" ] && _before=$(wc -l < "$T/spool/log/qscan.log")
	qs_run "$@"
	_after=0
	[ -f "$T/spool/log/qscan.log" ] && _after=$(wc -l < "$T/spool/log/qscan.log")
	[ "$_after" = $((_before + 1)) ] ||
	    { cat "$T/stderr"; fail "broker exit $rc wrote $((_after - _before)) summary lines"; }
}

# The reason= field of the last summary line (it may hold spaces; the
# stage times follow it).
av_reason() {
	qs_last | sed -n 's/ ms=[^ ]*$//; s/.* reason=//p'
}

# How many messages sit in quarantine/viruses (new and cur).
av_quarantined() {
	find "$T/spool/quarantine/viruses/new" "$T/spool/quarantine/viruses/cur" -type f | wc -l
}
