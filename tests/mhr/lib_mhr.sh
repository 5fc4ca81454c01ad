# tests/mhr/lib_mhr.sh: what the mhr scenarios share, sourced after
# tests/integration/lib.sh (which made $T and set the EXIT trap).
#
# A real dnsmasq of our own on 127.0.0.1 at a free port, authoritative
# for hash.cymru.com (--local: NXDOMAIN for every other hash, as the
# registry answers), with one TXT record for the EICAR part's SHA-256;
# or the hostile resolver (hostile_resolver.py).  Both stopped by trap.
#
# Functions:
#   mhr_setup                 qs_setup, the mhr role, the messages
#   mhr_conf [LINE...]        rewrites $T/qscan.conf: scanners = mhr and
#                             [mhr] resolver = 127.0.0.1:$MHR_PORT; LINEs
#                             go into [mhr], MHR_QSCAN_LINES into [qscan]
#   mhr_dnsmasq_start TXT [OPTION...]  dnsmasq with "<h1>.<h2>.hash.cymru.com"
#                             TXT, and more dnsmasq options
#   mhr_dnsmasq_stop
#   mhr_hostile_start MODE / mhr_hostile_stop
#   mhr_check OUT FILE...     qscan check --json FILE... > OUT
MHR_DIR=$QSCAN_SRC/tests/mhr
MHR_DNSMASQ_PID=
MHR_HOSTILE_PID=
MHR_EICAR='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'

[ -x /usr/sbin/dnsmasq ] || fail "/usr/sbin/dnsmasq missing (package dnsmasq-base)"

mhr_finish() {
	mhr_dnsmasq_stop
	mhr_hostile_stop
	finish
}
trap mhr_finish EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# A UDP port nobody has bound on 127.0.0.1 now.
mhr_freeport() {
	python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

mhr_setup() {
	qs_setup
	cp "$T/qscan.conf" "$T/qscan.base"
	[ -x "$QSCAN_BUILD/scanners/qscan-mhr" ] ||
	    fail "scanner role $QSCAN_BUILD/scanners/qscan-mhr not built"
	getent passwd qscan-mhr >/dev/null ||
	    fail "qscan-setup did not create user qscan-mhr"
	cp "$QSCAN_BUILD/scanners/qscan-mhr" "$T/roles/qscan-mhr"
	chmod 755 "$T/roles/qscan-mhr"
	MHR_PORT=$(mhr_freeport)
	MHR_SHA256=$(printf '%s' "$MHR_EICAR" | sha256sum | cut -c1-64)
	MHR_MD5=$(printf '%s' "$MHR_EICAR" | md5sum | cut -c1-32)
	MHR_NAME=$(echo "$MHR_SHA256" | cut -c1-32).$(echo "$MHR_SHA256" | cut -c33-64).hash.cymru.com
	mhr_messages
}

# $T/eicar.eml: EICAR as a base64 attachment (its decoded bytes are the
# 68 of the file, whose SHA-256 dnsmasq lists); $T/clean.eml: text only.
mhr_messages() {
	python3 - "$T" "$MHR_EICAR" <<'PY'
import base64, sys
d, eicar = sys.argv[1], sys.argv[2].encode()
hdr = ("Received: from x by y; Wed, 25 Nov 2026 10:00:00 +0000\n"
       "From: Alice <alice@a.example>\nTo: bob@b.example\n"
       "Message-ID: <mhr@a.example>\nDate: Wed, 25 Nov 2026 10:00:00 +0000\n")
with open(d + "/eicar.eml", "w") as f:
    f.write(hdr + "Subject: mhr eicar\nMIME-Version: 1.0\n"
            "Content-Type: multipart/mixed; boundary=\"b1\"\n\n"
            "--b1\nContent-Type: text/plain\n\nsee attachment\n"
            "--b1\nContent-Type: application/octet-stream; name=\"eicar.com\"\n"
            "Content-Disposition: attachment; filename=\"eicar.com\"\n"
            "Content-Transfer-Encoding: base64\n\n" +
            base64.b64encode(eicar).decode() + "\n--b1--\n")
with open(d + "/clean.eml", "w") as f:
    f.write(hdr + "Subject: mhr clean\n\nhello bob\n")
PY
	chmod 644 "$T/eicar.eml" "$T/clean.eml"
}

mhr_conf() {
	{
		cat "$T/qscan.base"
		echo "scanners = mhr"
		[ -z "${MHR_QSCAN_LINES:-}" ] || printf '%s\n' "$MHR_QSCAN_LINES"
		echo "[mhr]"
		echo "resolver = 127.0.0.1:$MHR_PORT"
		for _l in "$@"; do echo "$_l"; done
	} > "$T/qscan.conf"
}

# mhr_probe NAME: 0 when the resolver at $MHR_PORT answers NAME TXT.
mhr_probe() {
	python3 "$MHR_DIR/hostile_resolver.py" probe "$MHR_PORT" "$1"
}

# mhr_dnsmasq_start "EPOCH PERCENT": the real dnsmasq, in the foreground
# as our child, no upstream, no hosts file, queries logged.
mhr_dnsmasq_start() {
	[ -z "$MHR_DNSMASQ_PID" ] || mhr_dnsmasq_stop
	_txt=$1
	shift
	/usr/sbin/dnsmasq --keep-in-foreground --no-resolv --no-hosts \
	    --conf-file=/dev/null --pid-file= --user=root \
	    --listen-address=127.0.0.1 --bind-interfaces --port="$MHR_PORT" \
	    --local=/hash.cymru.com/ \
	    --txt-record="$MHR_NAME,$_txt" "$@" \
	    --log-queries --log-facility="$T/dnsmasq.log" \
	    > "$T/dnsmasq.out" 2>&1 &
	MHR_DNSMASQ_PID=$!
	_i=0
	until mhr_probe "$MHR_NAME"; do
		_i=$((_i + 1))
		[ $_i -lt 50 ] || { cat "$T/dnsmasq.out"; fail "dnsmasq did not start"; }
		sleep 0.1
	done
}

mhr_dnsmasq_stop() {
	[ -n "$MHR_DNSMASQ_PID" ] || return 0
	kill "$MHR_DNSMASQ_PID" 2>/dev/null || true
	wait "$MHR_DNSMASQ_PID" 2>/dev/null || true
	MHR_DNSMASQ_PID=
}

# How many queries for the EICAR part's name dnsmasq logged.
mhr_dnsmasq_queries() {
	grep -c "query\[TXT\] $MHR_NAME" "$T/dnsmasq.log" 2>/dev/null || true
}

mhr_hostile_start() {
	[ -z "$MHR_HOSTILE_PID" ] || mhr_hostile_stop
	rm -f "$T/hostile.out"
	python3 "$MHR_DIR/hostile_resolver.py" serve "$MHR_PORT" "$1" \
	    > "$T/hostile.out" 2>&1 &
	MHR_HOSTILE_PID=$!
	_i=0
	until [ -s "$T/hostile.out" ]; do
		_i=$((_i + 1))
		[ $_i -lt 50 ] || fail "hostile resolver did not start"
		sleep 0.1
	done
}

mhr_hostile_stop() {
	[ -n "$MHR_HOSTILE_PID" ] || return 0
	kill "$MHR_HOSTILE_PID" 2>/dev/null || true
	wait "$MHR_HOSTILE_PID" 2>/dev/null || true
	MHR_HOSTILE_PID=
}

mhr_check() {
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

# mhr_run MSG: the hook with a fresh stand-in record, one summary line.
mhr_run() {
	qs_standin 0
	_before=0
	[ -f "$T/spool/log/qscan.log" ] && _before=$(wc -l < "$T/spool/log/qscan.log")
	qs_run "$1" "$T/e"
	_after=0
	[ -f "$T/spool/log/qscan.log" ] && _after=$(wc -l < "$T/spool/log/qscan.log")
	[ "$_after" = $((_before + 1)) ] ||
	    { cat "$T/stderr"; fail "broker exit $rc wrote $((_after - _before)) summary lines"; }
}

mhr_quarantined() {
	find "$T/spool/quarantine/viruses/new" "$T/spool/quarantine/viruses/cur" -type f | wc -l
}
