#!/bin/sh
# The spamd role warm: qscand keeps a spamd zygote (docs/warm.md) whose children score through the socket the worker connected to the real spamd: GTUBE tagged spam, ham tagged No, the first recipient's User: reaching spamd from a warm child (its settings differ from its zygote's only in the user), the same zygote throughout; spamd stopped: X-Spam-Status: unknown and the worker's log line.
. "$(dirname "$0")/lib.sh"
. "$QSCAN_SRC/tests/spamd/lib_spamd.sh"
. "$QSCAN_SRC/tests/integration/lib_service.sh"
trap 'svc_stop; spamd_finish' EXIT
spamd_setup
qs_env "$T/e" alice@a.example carol@c.example
spamd_start
spamd_conf "user = first-recipient"
svc_conf "fallback = tempfail"
svc_start
z=$(svc_zygote spamd)
[ -n "$z" ] || { cat "$T/qscand.log"; fail "no spamd zygote in qscand's log"; }
pass "qscand started a spamd zygote (pid $z) and canaried it"

n0=$(spamd_requests)
qs_standin 0
svc_run "$T/gtube.eml" "$T/e"
svc_wait
expect_rc 0 "warm, gtube"
[ "$(qs_field spam)" = yes ] || fail "warm, gtube: $(qs_last)"
[ "$(spamd_header X-Spam-Flag)" = YES ] || fail "warm, gtube: not flagged"
[ "$(spamd_requests)" = $((n0 + 1)) ] || fail "warm, gtube: spamd not asked once"
grep -q 'carol@c.example' "$T/spamd.log" || fail "warm: the first recipient did not reach spamd as User:"
pass "warm: GTUBE flagged, spamd asked once, User: carol@c.example from the child's own settings"

qs_standin 0
svc_run "$T/ham2.eml" "$T/e"
svc_wait
expect_rc 0 "warm, ham"
[ "$(qs_field spam)" = no ] || fail "warm, ham: $(qs_last)"
spamd_header X-Spam-Status | grep -q '^No, ' || fail "warm, ham: $(spamd_header X-Spam-Status)"
[ "$(svc_zygote spamd)" = "$z" ] && kill -0 "$z" || fail "warm: the spamd zygote did not live on"
pass "warm: ham tagged No, the same zygote"

spamd_stop
qs_standin 0
svc_run "$T/gtube.eml" "$T/e"
svc_wait
expect_rc 0 "warm, spamd stopped"
[ "$(spamd_header X-Spam-Status)" = unknown ] || fail "warm, spamd stopped: $(qs_last)"
grep -q 'spam=unknown' "$T/qscand.log" || { cat "$T/qscand.log"; fail "warm, spamd stopped: no log line"; }
pass "warm: spamd stopped: delivered with X-Spam-Status: unknown, logged"
