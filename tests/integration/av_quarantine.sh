#!/bin/sh
# virus_action: quarantine (accepted, maildir file = X-Qscan-* lines + the original bytes, quarantine.log line), reject (31, or 82 with D text on fd 6), drop (0, nothing kept).
. "$(dirname "$0")/lib.sh"
. "$QSCAN_SRC/tests/av/lib_av.sh"
av_setup
av_messages
av_clamd_start
V=$T/msgs/nested/eicar-base64.eml
Q=$T/spool/quarantine/viruses
qs_env "$T/e" alice@a.example bob@b.example carol@c.example
qs_env "$T/e0" "" bob@b.example

# check_quarantined WHAT MSG SENDER RCPT...: the one file in
# quarantine/viruses/new that $T/seen (ls before the run) does not list,
# read as a Maildir by python3.
check_quarantined() {
	SEEN=$T/seen python3 - "$Q" "$@" <<'PY'
import mailbox, os, sys
q, what, msgf, sender = sys.argv[1:5]
rcpts = sys.argv[5:]
orig = open(msgf, "rb").read()
md = mailbox.Maildir(q, factory=None, create=False)
seen = set(open(os.environ["SEEN"]).read().split())
fresh = [f for f in os.listdir(os.path.join(q, "new")) if f not in seen]
assert len(fresh) == 1, "new files in new/: %s" % fresh
key = fresh[0].split(":")[0]
assert key in md.keys(), (key, md.keys())
path = os.path.join(q, "new", fresh[0])
data = md.get_bytes(key)
assert data == open(path, "rb").read()
assert len(data) > len(orig) and data.endswith(orig), "original bytes not kept at the end"
head = data[:-len(orig)].decode("utf-8")
lines = head.splitlines()
assert head.endswith("\n") and lines, repr(head)
assert all(l.startswith("X-Qscan-") for l in lines), lines
def values(name):
    return [l.split(":", 1)[1].strip() for l in lines if l.split(":", 1)[0] == name]
reason = values("X-Qscan-Quarantine-Reason")
assert len(reason) == 1 and reason[0].startswith("virus: ") and "Eicar-Test-Signature" in reason[0], reason
frm = values("X-Qscan-Envelope-From")
if sender == "":
    assert frm == ["<>"], frm
else:
    assert len(frm) == 1 and frm[0].strip("<>") == sender, frm
to = [v.strip("<>") for v in values("X-Qscan-Envelope-To")]
assert to == rcpts, to
print("%s: %s" % (what, " | ".join(lines)))
PY
}

# 1. quarantine (the default), both scanners in order.
av_conf both
ls -A "$Q/new" > "$T/seen"
av_run "$V" "$T/e"
expect_rc 0 "quarantine"
[ ! -f "$T/rec/message" ] || fail "quarantine: the virus was queued"
[ "$(qs_field verdict)" = virus ] || fail "quarantine: verdict: $(qs_last)"
[ "$(qs_field action)" = quarantine ] || fail "quarantine: action: $(qs_last)"
[ "$(qs_field exit)" = 0 ] || fail "quarantine: summary exit: $(qs_last)"
av_reason | grep -q 'Eicar-Test-Signature' || fail "quarantine: reason does not name the virus: $(qs_last)"
av_reason | grep -q 'clamav\|clamd' || fail "quarantine: reason does not name the scanner: $(qs_last)"
[ "$(find "$Q/new" -type f | wc -l)" = 1 ] || fail "quarantine: expected one file in new/: $(ls -A "$Q/new")"
[ -z "$(ls -A "$Q/tmp")" ] || fail "quarantine: files left in tmp/"
check_quarantined "quarantine" "$V" alice@a.example bob@b.example carol@c.example ||
    fail "quarantine: the maildir file is wrong"
# quarantine.log: date TAB sender TAB recipients TAB Subject TAB names TAB scanners TAB id.
python3 - "$T/spool/log/quarantine.log" <<'PY' || fail "quarantine.log: $(cat "$T/spool/log/quarantine.log")"
import email.utils, re, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
assert len(lines) == 1, lines
f = lines[0].split("\t")
assert len(f) == 7, f
assert email.utils.parsedate_to_datetime(f[0]) is not None, f[0]
assert f[1] == "alice@a.example", f[1]
assert f[2] == "bob@b.example,carol@c.example", f[2]
assert f[3] == "eicar base64", f[3]
assert "Eicar-Test-Signature" in f[4], f[4]
# "clamav: VERSION/DB. clamd: VERSION/DB." (DB: whatever the engine says)
assert re.fullmatch(r"clamav: \d[\d.]*/.+\. clamd: \d[\d.]*/.+\.", f[5]), f[5]
# the id qscan list/show/release take: the maildir file's name
import os
assert os.path.isfile(os.path.join(os.path.dirname(sys.argv[1]), "..", "quarantine", "viruses", "new", f[6])), f[6]
print("quarantine.log: " + " | ".join(f))
PY
expect_work_empty "quarantine"
pass "quarantine: exit 0, kept in quarantine/viruses/new with the envelope, logged"

# The null sender.
ls -A "$Q/new" > "$T/seen"
av_run "$V" "$T/e0"
expect_rc 0 "quarantine, null sender"
check_quarantined "quarantine, null sender" "$V" "" bob@b.example ||
    fail "quarantine, null sender: the maildir file is wrong"
[ "$(wc -l < "$T/spool/log/quarantine.log")" = 2 ] || fail "quarantine.log: expected 2 lines"
expect_work_empty "quarantine, null sender"
pass "quarantine, null sender: X-Qscan-Envelope-From: <>"

# 2. reject: 31, nothing queued.
av_conf clamav "virus_action = reject"
av_run "$V" "$T/e"
expect_rc 31 "reject"
[ ! -f "$T/rec/message" ] || fail "reject: queued"
[ "$(qs_field verdict)" = virus ] && [ "$(qs_field action)" = reject ] || fail "reject: $(qs_last)"
expect_work_empty "reject"
pass "reject: exit 31"

# reject_text_fd = 6 with fd 6 a pipe (as notqmail's qmail-smtpd gives):
# 82 and the D text naming the virus.
av_conf clamav "virus_action = reject" "reject_text_fd = 6"
mkfifo "$T/fd6.fifo"
cat "$T/fd6.fifo" > "$T/fd6.txt" &
reader=$!
av_run "$V" "$T/e" 6> "$T/fd6.fifo"
wait "$reader"
expect_rc 82 "reject with text on fd 6"
[ ! -f "$T/rec/message" ] || fail "reject with text: queued"
head -c 1 "$T/fd6.txt" | grep -q '^D$' || fail "reject with text: fd 6 got: $(cat "$T/fd6.txt")"
grep -q 'Eicar-Test-Signature' "$T/fd6.txt" || fail "reject with text: no virus name in: $(cat "$T/fd6.txt")"
[ "$(wc -c < "$T/fd6.txt")" -le 255 ] || fail "reject with text: over 255 bytes (qmail-smtpd reads 255)"
expect_work_empty "reject with text"
pass "reject_text_fd = 6: exit 82, fd 6: $(cat "$T/fd6.txt")"

# The same setting without fd 6 open (an unpatched qmail-smtpd): a plain
# 31, never an 82 nobody reads (that would be a temporary 451).
av_run "$V" "$T/e" 6>&-
expect_rc 31 "reject_text_fd = 6, fd 6 closed"
pass "reject_text_fd = 6 with fd 6 closed: exit 31"

# 3. drop: 0, nothing queued, nothing quarantined.
n=$(av_quarantined)
av_conf fildes "virus_action = drop"
av_run "$V" "$T/e"
expect_rc 0 "drop"
[ ! -f "$T/rec/message" ] || fail "drop: queued"
[ "$(av_quarantined)" = "$n" ] || fail "drop: quarantined"
[ "$(qs_field verdict)" = virus ] && [ "$(qs_field action)" = drop ] || fail "drop: $(qs_last)"
expect_work_empty "drop"
pass "drop: exit 0, discarded, action=drop"
