#!/bin/sh
# What happens to spam, end to end through the hook with a real spamd: tag by default (delivered, X-Spam-Flag); quarantine_score keeps GTUBE in quarantine/spam/; delete_score accepts and discards it, logged; reject_score exits 31, and with reject_text_fd qmail-smtpd's pipe gets the text naming the score (82); the most severe applicable action wins; ham below every score is delivered; a relaying client's mail is skipped by default (spam=skipped:relay, no headers, spamd not asked) and scored with relay_clients = scan; a message over max_bytes is not sent (spam=skipped:size, logged spam=skipped reason=size); policy rules on spam_rule and spam_score (the pass after scoring) tag GTUBE and quarantine it into quarantine/policy/, while ham passes untouched.
. "$(dirname "$0")/lib.sh"
. "$QSCAN_SRC/tests/spamd/lib_spamd.sh"
spamd_setup
qs_env "$T/e" alice@a.example bob@b.example
spamd_start

spam_quarantined() {
	find "$T/spool/quarantine/spam/new" -type f 2>/dev/null | wc -l
}

# 1. Tag (the default): delivered, flagged.
spamd_conf
spamd_run "$T/gtube.eml"
expect_rc 0 "tag"
[ "$(qs_field verdict)" = clean ] && [ "$(qs_field action)" = queue ] || fail "tag: $(qs_last)"
[ "$(spamd_header X-Spam-Flag)" = YES ] || fail "tag: not flagged"
pass "tag: GTUBE delivered with X-Spam-Flag: YES"

# 2. Quarantine.
spamd_conf "quarantine_score = 15"
q0=$(spam_quarantined)
n0=$(spamd_requests)
spamd_run "$T/gtube.eml"
expect_rc 0 "quarantine"
[ "$(qs_field verdict)" = spam ] && [ "$(qs_field action)" = quarantine ] || fail "quarantine: $(qs_last)"
[ ! -f "$T/rec/message" ] || fail "quarantine: queued"
[ "$(spam_quarantined)" = $((q0 + 1)) ] || fail "quarantine: nothing new in quarantine/spam/new"
qs_last | grep -q 'reason=spam.x20score.x20[0-9.]*.x20at.x20or.x20over.x20quarantine_score.x2015\.0' || fail "quarantine: reason: $(qs_last)"
[ "$(spamd_requests)" = $((n0 + 1)) ] || fail "quarantine: spamd not asked once"
expect_work_empty "quarantine"
# Ham stays below it.
spamd_run "$T/ham1.eml"
expect_rc 0 "quarantine, ham"
[ -f "$T/rec/message" ] && [ "$(qs_field spam)" = no ] || fail "quarantine, ham: $(qs_last)"
pass "quarantine_score 15: GTUBE in quarantine/spam/, ham delivered"

# 3. Delete: accepted, discarded, logged.
spamd_conf "quarantine_score = 15" "delete_score = 20"
q0=$(spam_quarantined)
spamd_run "$T/gtube.eml"
expect_rc 0 "delete"
[ "$(qs_field verdict)" = spam ] && [ "$(qs_field action)" = drop ] || fail "delete: $(qs_last)"
[ ! -f "$T/rec/message" ] || fail "delete: queued"
[ "$(spam_quarantined)" = "$q0" ] || fail "delete: quarantined as well"
qs_last | grep -q 'delete_score.x2020\.0' || fail "delete: reason: $(qs_last)"
expect_work_empty "delete"
pass "delete_score 20 over quarantine_score 15: accepted and discarded, logged"

# 4. Reject: 31; with reject_text_fd the text names the score.
spamd_conf "quarantine_score = 15" "delete_score = 20" "reject_score = 10.5"
spamd_run "$T/gtube.eml"
expect_rc 31 "reject"
[ "$(qs_field verdict)" = spam ] && [ "$(qs_field action)" = reject ] || fail "reject: $(qs_last)"
[ ! -f "$T/rec/message" ] || fail "reject: queued"
SPAMD_QSCAN_LINES="reject_text_fd = 6"
spamd_conf "reject_score = 10.5"
mkfifo "$T/fd6.fifo"
cat "$T/fd6.fifo" > "$T/fd6" &
reader=$!
spamd_run "$T/gtube.eml" 6> "$T/fd6.fifo"
wait "$reader"
expect_rc 82 "reject with text"
grep -Eq '^DYour email was rejected as spam \(score [0-9]+\.[0-9], limit 10\.5\) \(#5\.7\.1\)$' "$T/fd6" ||
    fail "reject text: $(cat "$T/fd6")"
unset SPAMD_QSCAN_LINES
pass "reject_score 10.5: exit 31; with reject_text_fd 82 and \"$(cut -c2- "$T/fd6")\""

# 5. A relaying client: skipped by default, scored when asked.
spamd_conf "reject_score = 10"
n0=$(spamd_requests)
spamd_run "$T/gtube.eml" RELAYCLIENT=
expect_rc 0 "relay"
[ "$(qs_field spam)" = skipped:relay ] || fail "relay: $(qs_last)"
[ -f "$T/rec/message" ] && [ -z "$(spamd_header X-Spam-Status)" ] || fail "relay: headers or not queued"
grep -q 'spam=skipped reason=relay' "$T/stderr" || fail "relay: no log line: $(cat "$T/stderr")"
[ "$(spamd_requests)" = "$n0" ] || fail "relay: spamd was asked"
spamd_conf "reject_score = 10" "relay_clients = scan"
spamd_run "$T/gtube.eml" RELAYCLIENT=
expect_rc 31 "relay scan"
pass "relay client: skipped (spamd not asked), relay_clients = scan rejects it"

# 6. Over max_bytes: not sent, logged.
spamd_conf "reject_score = 10" "max_bytes = 100000"
n0=$(spamd_requests)
spamd_run "$T/big.eml"
expect_rc 0 "size"
[ "$(qs_field spam)" = skipped:size ] || fail "size: $(qs_last)"
grep -q 'spam=skipped reason=size' "$T/stderr" || fail "size: no log line spam=skipped reason=size: $(cat "$T/stderr")"
[ "$(spamd_requests)" = "$n0" ] || fail "size: spamd was asked"
[ -f "$T/rec/message" ] && [ -z "$(spamd_header X-Spam-Status)" ] || fail "size: tagged or not queued"
pass "over max_bytes: delivered unscored, spam=skipped reason=size, spamd not asked"

# 7. Policy on spamd's facts: the pass after scoring.
cat > "$T/spam.rules" <<'RULES'
rule gtube-tag spam_rule "GTUBE" action tag "X-Policy-Spam: gtube"
rule very-spammy spam_score >=500 and recipient "bob@*" action quarantine
RULES
chmod 644 "$T/spam.rules"
SPAMD_QSCAN_LINES="policy_file = $T/spam.rules"
spamd_conf
p0=$(find "$T/spool/quarantine/policy/new" -type f | wc -l)
spamd_run "$T/gtube.eml"
expect_rc 0 "policy spam_score"
[ "$(qs_field verdict)" = policy ] && [ "$(qs_field action)" = quarantine ] || fail "policy spam_score: $(qs_last)"
[ "$(find "$T/spool/quarantine/policy/new" -type f | wc -l)" = $((p0 + 1)) ] || fail "policy spam_score: not in quarantine/policy"
qs_last | grep -q 'line.x202' || fail "policy spam_score: reason does not name line 2: $(qs_last)"
printf 'rule gtube-tag spam_rule "GTUBE" action tag "X-Policy-Spam: gtube"\n' > "$T/spam.rules"
spamd_run "$T/gtube.eml"
expect_rc 0 "policy spam_rule"
[ "$(spamd_header X-Policy-Spam)" = gtube ] || fail "policy spam_rule: no tag: $(head -8 "$T/rec/message")"
spamd_run "$T/ham1.eml"
[ -f "$T/rec/message" ] && [ -z "$(spamd_header X-Policy-Spam)" ] || fail "policy spam_rule: ham tagged"
unset SPAMD_QSCAN_LINES
pass "policy: spam_score >=500 quarantined GTUBE (quarantine/policy/), spam_rule GTUBE tagged it, ham untouched"
