#!/bin/sh
# tests/demo.sh: qscan in five minutes, on a fresh Debian 12, as root:
#
#	sh tests/demo.sh
#
# Installs the build dependencies (apt-get, only what is missing), builds
# into build-demo/, sets up a private spool and configuration under
# build-demo/demo/ (a stand-in qmail-queue delivers into a Maildir there),
# and pushes the sample messages of tests/demo/ through the real
# qmail-scanner-queue exactly as qmail-smtpd runs it.  One line per
# message: what qscan decided and what the SMTP client would be told.
# Safe to run again; exits non-zero when an exit code is not the expected
# one.
set -eu

QSCAN_SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$QSCAN_SRC/tests/demo_env.sh"

BUILD=${QSCAN_DEMO_BUILD:-$QSCAN_SRC/build-demo}
# Low enough that a generated message is over it in a moment.
MAX_BYTES=1048576

demo_need_root
# python3 writes the zip sample.
demo_install_deps python3
echo "building into $BUILD (log: $BUILD/demo-build.log) ..."
demo_build "$BUILD"
demo_setup "$BUILD" "$BUILD/demo" "$MAX_BYTES"

SAMPLES=$QSCAN_SRC/tests/demo
GEN=$DEMO_DIR/generated
mkdir -p "$GEN"
chmod 755 "$GEN"

# Antivirus (the libclamav role) with a signature database made here: the
# EICAR test string, kept in two halves so this file is no test virus.
EICAR_A='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR'
EICAR_B='-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
mkdir -p "$DEMO_DIR/db"
printf 'Demo-Eicar:0:*:%s\n' "$(printf '%s%s' "$EICAR_A" "$EICAR_B" |
    od -An -tx1 | tr -d ' \n')" >"$DEMO_DIR/db/demo.ndb"
# The shipped policy (dangerous Windows extensions, inside archives too),
# copied where qscand can read it.
cp "$QSCAN_SRC/policy/default.rules" "$DEMO_DIR/policy.rules"
chmod 755 "$DEMO_DIR/db"
chmod 644 "$DEMO_DIR/db/demo.ndb" "$DEMO_DIR/policy.rules"
install -m 0755 "$BUILD/scanners/qscan-clamav" "$DEMO_DIR/roles/qscan-clamav"
{
	echo "scanners = clamav"
	echo "policy_file = $DEMO_DIR/policy.rules"
	echo "[clamav]"
	echo "database = $DEMO_DIR/db"
} >>"$DEMO_CONF"

# A virus: the EICAR string as a base64 attachment.
{
	printf 'From: Mallory <mallory@e.example>\nTo: carol@d.example\n'
	printf 'Subject: your invoice\nMIME-Version: 1.0\n'
	printf 'Content-Type: multipart/mixed; boundary="v1"\n\n--v1\n'
	printf 'Content-Type: text/plain\n\nplease pay\n--v1\n'
	printf 'Content-Type: application/octet-stream; name="invoice.txt"\n'
	printf 'Content-Transfer-Encoding: base64\n\n'
	printf '%s%s' "$EICAR_A" "$EICAR_B" | base64
	printf -- '--v1--\n'
} >"$GEN/virus.eml"
# A program inside a zip: the shipped policy quarantines it.
(cd "$GEN" && printf 'echo hello\n' >setup.bat && rm -f tools.zip &&
    python3 -c 'import zipfile; z = zipfile.ZipFile("tools.zip", "w"); z.write("setup.bat"); z.close()')
{
	printf 'From: Bob <bob@b.example>\nTo: carol@d.example\n'
	printf 'Subject: the tools you wanted\nMIME-Version: 1.0\n'
	printf 'Content-Type: multipart/mixed; boundary="z1"\n\n--z1\n'
	printf 'Content-Type: text/plain\n\nin the zip\n--z1\n'
	printf 'Content-Type: application/zip; name="tools.zip"\n'
	printf 'Content-Transfer-Encoding: base64\n\n'
	base64 "$GEN/tools.zip"
	printf -- '--z1--\n'
} >"$GEN/program-in-zip.eml"

# Envelopes hold NUL bytes, so they are made here rather than kept as
# files: F sender NUL, T recipient NUL for each, one more NUL.
printf 'Falice@b.example\0Tcarol@d.example\0\0' >"$GEN/clean.env"
printf 'Fbob@b.example\0Tcarol@d.example\0Tdave@d.example\0\0' >"$GEN/two-rcpt.env"
printf 'Fmallory@e.example\0Tcarol@d.example\0\0' >"$GEN/mallory.env"
# First byte not F: qmail-queue says 91, and so must we.
printf 'Xalice@b.example\0Tcarol@d.example\0\0' >"$GEN/bad.env"

# Over max_message_bytes: a 1.5 MiB base64 attachment, made at run time.
{
	printf 'From: Bob <bob@b.example>\nTo: carol@d.example\n'
	printf 'Subject: holiday photos (too big)\nMIME-Version: 1.0\n'
	printf 'Content-Type: multipart/mixed; boundary="b1"\n\n--b1\n'
	printf 'Content-Type: text/plain\n\nsee attached\n--b1\n'
	printf 'Content-Type: image/jpeg; name="beach.jpg"\n'
	printf 'Content-Transfer-Encoding: base64\n\n'
	head -c 1572864 /dev/zero | tr '\0' 'Q' | base64 -w 76
	printf -- '--b1--\n'
} >"$GEN/oversize.eml"

# name, message, envelope, expected exit code
cat >"$GEN/manifest" <<EOF
clean         $SAMPLES/clean.eml        $GEN/clean.env      0
attachments   $SAMPLES/attachments.eml  $GEN/two-rcpt.env   0
malformed     $SAMPLES/malformed.eml    $GEN/mallory.env    0
bad-envelope  $SAMPLES/clean.eml        $GEN/bad.env        91
oversize      $GEN/oversize.eml         $GEN/clean.env      31
virus         $GEN/virus.eml            $GEN/mallory.env    0
program-zip   $GEN/program-in-zip.eml   $GEN/two-rcpt.env   0
EOF

echo
printf '%-13s %-9s %-10s %-5s %-4s %s\n' MESSAGE VERDICT ACTION PARTS EXIT "SMTP REPLY (qmail-smtpd)"
fails=0
while read -r name msg envl want; do
	demo_deliver "$msg" "$envl"
	mark=
	if [ "$DEMO_EXIT" != "$want" ]; then
		mark="   <-- expected exit $want"
		fails=$((fails + 1))
	elif [ "$DEMO_LINE" = - ]; then
		mark="   <-- no summary line in the log"
		fails=$((fails + 1))
	elif [ "$DEMO_LOGGED_EXIT" != "$DEMO_EXIT" ]; then
		mark="   <-- log says exit=$DEMO_LOGGED_EXIT"
		fails=$((fails + 1))
	fi
	printf '%-13s %-9s %-10s %-5s %-4s %s%s\n' "$name" "$DEMO_VERDICT" \
	    "$DEMO_ACTION" "$DEMO_PARTS" "$DEMO_EXIT" "$(demo_reply "$DEMO_EXIT")" "$mark"
done <"$GEN/manifest"

# qscan check reads the file after dropping to qscand: under a mode 0700
# parent (/root) it needs a copy it can reach.
CHECK=$SAMPLES/attachments.eml
if ! demo_reaches qscand "$CHECK" -r; then
	cp "$CHECK" "$GEN/attachments.eml"
	chmod 644 "$GEN/attachments.eml"
	CHECK=$GEN/attachments.eml
fi
delivered=$(find "$DEMO_MAILDIR/new" -type f | wc -l)
cat <<EOF

Where to look:
  delivered mail   $DEMO_MAILDIR/new/  ($delivered messages so far; each starts with the X-Qscan-Diagnostics header)
  summary log      $DEMO_LOG
  spool            $DEMO_SPOOL  (work/ is empty: spool files are unnamed; crashes/)
  quarantine       $DEMO_SPOOL/quarantine/viruses/new/ and .../policy/new/, log/quarantine.log
  configuration    $DEMO_CONF
  broker stderr    $DEMO_DIR/broker.stderr
  one message as JSON (same roles, nothing is queued):
    QSCAN_CONFIG=$DEMO_CONF $DEMO_QSCAN check --json $CHECK
EOF
QSCAN_CONFIG=$DEMO_CONF "$DEMO_QSCAN" check --json "$CHECK" ||
    echo "(qscan check exited $?)"

if [ "$fails" -gt 0 ]; then
	echo
	echo "demo: $fails message(s) did not get the expected exit code" >&2
	exit 1
fi
