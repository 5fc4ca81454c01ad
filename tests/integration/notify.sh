#!/bin/sh
# Notifications (docs/notify.md) through the real hook and the stand-in
# qmail-queue in maildir mode, read back from the Maildir: a virus told
# to admin and recips, a policy block to its sender (psender), no notice
# to <>, MAILER-DAEMON or list mail, a forged-list virus not told to its
# sender, every language, a failing qmail-queue for the notices leaving
# the message's outcome alone, and the same through qscand's hook.
. "$(dirname "$0")/lib.sh"
. "$QSCAN_SRC/tests/av/lib_av.sh"
. "$QSCAN_SRC/tests/integration/lib_service.sh"
READ="python3 $QSCAN_SRC/tests/integration/notify_read.py"
cat > "$T/policy.rules" <<'RULES'
rule hold header Subject /^hold me/ action quarantine reason "held for review"
RULES
printf '# none of ours\nNothing.Matches.This\n' > "$T/forged-none"
printf 'eicar-*\n' > "$T/forged-eicar"
av_setup
av_messages
V=$T/msgs/nested/eicar-base64.eml
mkdir -p "$T/md/tmp" "$T/md/new" "$T/md/cur" "$T/calls"
chmod -R 777 "$T/md" "$T/calls"

# conf NOTIFY-LINE...: clamav, the policy, [notify] with the shipped
# templates and these lines.
conf() {
	av_conf clamav "policy_file = $T/policy.rules"
	{
		echo "[notify]"
		echo "template_dir = $QSCAN_SRC/conf/notify"
		echo "forged_senders = $QSCAN_SRC/conf/notify-forged"
		echo "quarantine_admin = av@admin.example"
		for _l in "$@"; do echo "$_l"; done
	} >> "$T/qscan.conf"
}

# standin CODE: maildir delivery and every call kept; starts empty.
standin() {
	rm -f "$T/md/new"/* "$T/calls"/*
	printf 'maildir=%s\ncalls=%s\nexit=%s\n' "$T/md" "$T/calls" "$1" > "$T/qq.conf"
}

notices() {
	ls "$T/md/new" | wc -l
}

# notice_to ADDR: the Maildir file whose envelope is that one address.
notice_to() {
	for _f in "$T/md/new"/*; do
		[ -f "$_f" ] || continue
		$READ "$_f" "$T/calls" > "$T/nt"
		if grep -qx "envelope-rcpt=$1" "$T/nt"; then
			echo "$_f"
			return 0
		fi
	done
	fail "no notice to $1 in the Maildir"
}

# proper FILE WHAT: a MIME text notice with the null sender.
proper() {
	$READ "$1" "$T/calls" > "$T/n"
	for want in utf8=yes headers-ascii=yes placeholders=0 \
	    'envelope-sender=<>' 'from=postmaster@test.example' \
	    'mime-version=1.0' 'content-type=text/plain; charset=UTF-8' \
	    'content-transfer-encoding=8bit' 'auto-submitted=auto-replied'; do
		grep -qxF "$want" "$T/n" || { cat "$T/n"; fail "$2: no $want"; }
	done
	grep -q '^message-id=<.*\.notify@test\.example>$' "$T/n" ||
	    fail "$2: no Message-ID"
	grep -q '^date=[A-Z][a-z][a-z], [0-9][0-9] ' "$T/n" || fail "$2: no Date"
}

msg() {
	printf 'From: a@a.example\nTo: b@b.example\nSubject: %s\n%sMIME-Version: 1.0\nContent-Type: text/plain\n\nhello\n' "$2" "${3:-}" > "$1"
}

# --- qscan lint reads what the notices need
conf "virus = sender,admin,recips" "language = de"
"$QSCAN_BUILD/broker/qscan" lint "$T/qscan.conf" > "$T/lint" 2> "$T/lint.err" ||
    fail "lint refused: $(cat "$T/lint.err")"
for a in sender recips admin; do
	grep -q "conf/notify/de/notify.txt: ok ($a)" "$T/lint" || fail "lint: no $a template: $(cat "$T/lint")"
done
grep -q "conf/notify-forged: ok, [0-9]* patterns" "$T/lint" || fail "lint: forged list not read"
[ ! -s "$T/lint.err" ] || fail "lint warned: $(cat "$T/lint.err")"
conf "virus = admin" "template_dir = $T/nowhere" "quarantine_admin ="
"$QSCAN_BUILD/broker/qscan" lint "$T/qscan.conf" > "$T/lint" 2> "$T/lint.err" ||
    fail "lint refused a config whose notices cannot be made"
grep -q 'warning: notify: admin is told, but notify.quarantine_admin is not set' "$T/lint.err" ||
    fail "lint: no warning for admin without address: $(cat "$T/lint.err")"
grep -q "warning: notify: no sender template in $T/nowhere/en" "$T/lint.err" ||
    fail "lint: no warning for a missing template: $(cat "$T/lint.err")"
pass "qscan lint: templates and forged list read, missing ones warned"

# --- a virus: admin and recips told, never the message's bytes
conf "virus = admin,recips"
standin 0
qs_env "$T/e2" alice@a.example bob@b.example carol@b.example
qs_run "$V" "$T/e2"
expect_rc 0 "virus quarantined"
qid=$(ls "$T/spool/quarantine/viruses/new")
[ -n "$qid" ] || fail "virus: not quarantined"
[ "$(notices)" = 2 ] || { cat "$T/stderr"; fail "virus: $(notices) notices, expected 2 (admin, recips)"; }
f=$(notice_to av@admin.example)
proper "$f" "virus admin"
grep -qx "x-qscan-quarantine-id=$qid" "$T/n" || fail "virus admin: id $qid not in X-Qscan-Quarantine-Id"
grep -q "^body=.*Reference: *$qid" "$T/n" || fail "virus admin: id not in the body"
grep -q '^body=.*Eicar-Test-Signature' "$T/n" || fail "virus admin: no virus name"
grep -q '^subject=Message not delivered: virus$' "$T/n" || fail "virus admin: subject"
grep -q 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE\|WDVPIVAlQEFQ' "$f" && fail "virus admin: the message's bytes in the notice"
for r in bob@b.example carol@b.example; do
	grep -qx "envelope-rcpt=$r" "$T/n" && fail "virus: $r in the admin's envelope"
done
f=$(notice_to bob@b.example)
$READ "$f" "$T/calls" > "$T/nt"
grep -qx 'envelope-rcpt=carol@b.example' "$T/nt" ||
    fail "virus recips: one notice to both recipients expected"
proper "$f" "virus recips"
grep -q "^to=bob@b.example, carol@b.example$" "$T/n" || { cat "$T/n"; fail "virus recips: To:"; }
grep -q 'notify: sender' "$T/stderr" && fail "virus: sender considered without sender in notify.virus"
pass "virus: admin and recips told (headers, charset, <>, the id), not the sender"

# --- a policy block, psender (the default): the sender told
conf
standin 0
msg "$T/hold" "hold me please"
qs_env "$T/e1" alice@a.example bob@b.example
qs_run "$T/hold" "$T/e1"
expect_rc 0 "policy quarantined"
[ "$(notices)" = 1 ] || { cat "$T/stderr"; fail "policy: $(notices) notices, expected 1"; }
f=$(notice_to alice@a.example)
proper "$f" "policy sender"
grep -q '^body=.*held for review' "$T/n" || fail "policy: no reason"
grep -q '^body=.*hold me please' "$T/n" || fail "policy: no subject"
pass "policy block: the sender told (psender)"

# --- senders never told: <>, MAILER-DAEMON, bounce-, list mail
for case in null mailer-daemon bounce list precedence auto; do
	standin 0
	s=alice@a.example
	extra=
	case $case in
	null) s= ;;
	mailer-daemon) s=MAILER-DAEMON@a.example ;;
	bounce) s=bounce-42-bob=b.example@list.example ;;
	list) extra='List-Id: <users.list.example>\n' ;;
	precedence) extra='Precedence: bulk\n' ;;
	auto) extra='Auto-Submitted: auto-generated\n' ;;
	esac
	msg "$T/hold" "hold me please" "$(printf "$extra")
"
	[ -n "$extra" ] || msg "$T/hold" "hold me please"
	qs_env "$T/e1" "$s" bob@b.example
	qs_run "$T/hold" "$T/e1"
	expect_rc 0 "policy $case"
	[ "$(notices)" = 0 ] || fail "$case: $(notices) notices, expected none"
	grep -q 'notify: sender not told' "$T/stderr" || { cat "$T/stderr"; fail "$case: no log line"; }
done
pass "no notice to <>, MAILER-DAEMON, bounce-, List-Id, Precedence: bulk, Auto-Submitted"

# --- a virus on the forged list: its sender not told; off the list: told
conf "virus = sender" "forged_senders = $T/forged-eicar"
standin 0
qs_run "$V" "$T/e1"
expect_rc 0 "forged virus"
[ "$(notices)" = 0 ] || fail "forged: $(notices) notices to a forged sender"
grep -q 'notify: sender not told: Eicar-Test-Signature[^ ]* forges its sender' "$T/stderr" ||
    { cat "$T/stderr"; fail "forged: no log line"; }
conf "virus = sender" "forged_senders = $T/forged-none"
standin 0
qs_run "$V" "$T/e1"
[ "$(notices)" = 1 ] || fail "not forged: $(notices) notices, expected the sender's"
notice_to alice@a.example > /dev/null
pass "forged-list virus: sender not told; a virus off the list: told"

# --- every language: valid UTF-8, every placeholder replaced
for lang in en it af pl sv cs de es tr lt fr pt nl zh; do
	conf "language = $lang"
	standin 0
	msg "$T/hold" "hold me please"
	qs_run "$T/hold" "$T/e1"
	[ "$(notices)" = 1 ] || fail "$lang: $(notices) notices"
	f=$(notice_to alice@a.example)
	proper "$f" "$lang"
	grep -q 'English instead' "$T/stderr" && fail "$lang: no template of its own"
	grep -q '^subject=.*policy$' "$T/n" || fail "$lang: subject $(grep ^subject= "$T/n")"
done
pass "14 languages: UTF-8, headers ASCII (Subject RFC 2047), no placeholder left"

# --- qmail-queue failing for the notices: the outcome unchanged, logged
conf "virus = admin"
standin 71
qs_run "$V" "$T/e1"
expect_rc 0 "notice failing: the virus still quarantined with exit 0"
[ "$(qs_field action)" = quarantine ] || fail "notice failing: action $(qs_field action)"
grep -q 'notify: admin notice to 1 address not sent: qmail-queue exit 71; the message.s own outcome stands' "$T/stderr" ||
    { cat "$T/stderr"; fail "notice failing: no log line"; }
[ -s "$T/calls/1.envelope" ] || fail "notice failing: qmail-queue not asked"
pass "qmail-queue failing for a notice: exit 0, quarantined, logged"

# --- bounds and overrides: max_recipients, a recipient we cannot write,
# from, a template of the admin's own beside notify.txt
mkdir -p "$T/tpl/en"
cp "$QSCAN_SRC/conf/notify/en/notify.txt" "$T/tpl/en/notify.txt"
printf 'Subject: [qscan] %%VERDICT%% held: %%ID%%\n\nAdmin copy: %%REASON%% (%%RECIPIENTS%%)\n' > "$T/tpl/en/admin.txt"
chmod -R a+rX "$T/tpl"
conf "virus = admin,recips" "max_recipients = 2" "from = scanner@b.example" \
    "template_dir = $T/tpl"
standin 0
qs_env "$T/e4" alice@a.example "$(printf 'x\rBcc: y@b.example')" bob@b.example carol@b.example dave@b.example
qs_run "$V" "$T/e4"
expect_rc 0 "bounds: virus quarantined"
[ "$(notices)" = 2 ] || fail "bounds: $(notices) notices"
f=$(notice_to av@admin.example)
$READ "$f" "$T/calls" > "$T/n"
grep -qx 'from=scanner@b.example' "$T/n" || fail "bounds: From: not the configured one"
grep -q '^subject=\[qscan\] virus held: ' "$T/n" || fail "bounds: admin.txt not used"
grep -q '^body=Admin copy: ' "$T/n" || fail "bounds: admin.txt body"
f=$(notice_to bob@b.example)
$READ "$f" "$T/calls" > "$T/n"
[ "$(grep -c '^envelope-rcpt=' "$T/n")" = 1 ] || fail "bounds: recips notice not cut at max_recipients"
grep -q '^body=This is the mail system' "$T/n" || fail "bounds: recips not from notify.txt"
grep -q 'notify: 1 recipient not told: not a plain address' "$T/stderr" || { cat "$T/stderr"; fail "bounds: bad recipient not logged"; }
grep -q 'notify: 2 addresses not told: over notify.max_recipients 2' "$T/stderr" || { cat "$T/stderr"; fail "bounds: cut not logged"; }
pass "max_recipients, an unwritable recipient, from, admin.txt beside notify.txt"

# --- the warm path: the hook runs qmail-queue for the notices
conf "virus = admin,recips"
svc_conf "fallback = tempfail"
chmod 755 "$T"
svc_start
standin 0
before=$(ls "$T/spool/quarantine/viruses/new" | wc -l)
svc_run "$V" "$T/e2"
svc_wait
expect_rc 0 "warm: virus quarantined"
[ "$(ls "$T/spool/quarantine/viruses/new" | wc -l)" -gt "$before" ] || fail "warm: not quarantined"
[ "$(notices)" = 2 ] || { cat "$T/qscand.log" "$T/stderr"; fail "warm: $(notices) notices, expected 2"; }
proper "$(notice_to av@admin.example)" "warm admin"
proper "$(notice_to bob@b.example)" "warm recips"
standin 0
svc_run "$T/hold" "$T/e1"
svc_wait
expect_rc 0 "warm: policy"
[ "$(notices)" = 1 ] || fail "warm policy: $(notices) notices"
proper "$(notice_to alice@a.example)" "warm policy"
standin 71
svc_run "$V" "$T/e2"
svc_wait
expect_rc 0 "warm: notices failing, the message's outcome stands"
pass "warm path: notices through the hook (SVC_NOTIFY), a failure leaves exit 0"
