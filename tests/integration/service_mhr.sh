#!/bin/sh
# The mhr role warm: qscand keeps an mhr zygote (docs/warm.md) whose children look the EICAR part up on the real dnsmasq through the resolver socket the worker connected: MHR.80, quarantined; clean mail queued with mhr in the trace header; dnsmasq stopped: passed, the worker logs the skipped lookup.
. "$(dirname "$0")/lib.sh"
. "$QSCAN_SRC/tests/mhr/lib_mhr.sh"
. "$QSCAN_SRC/tests/integration/lib_service.sh"
trap 'svc_stop; mhr_finish' EXIT
mhr_setup
qs_env "$T/e" alice@a.example bob@b.example
mhr_dnsmasq_start "1700000000 80"
mhr_conf
svc_conf "fallback = tempfail"
svc_start
z=$(svc_zygote mhr)
[ -n "$z" ] || { cat "$T/qscand.log"; fail "no mhr zygote in qscand's log"; }
pass "qscand started an mhr zygote (pid $z) and canaried it"

q0=$(mhr_quarantined)
qs_standin 0
svc_run "$T/eicar.eml" "$T/e"
svc_wait
expect_rc 0 "warm, listed 80"
[ "$(qs_field verdict)" = virus ] || fail "warm, listed 80: $(qs_last)"
qs_last | grep -q 'MHR\.80' || fail "warm, listed 80: $(qs_last)"
[ ! -f "$T/rec/message" ] || fail "warm, listed 80: queued"
[ "$(mhr_quarantined)" = $((q0 + 1)) ] || fail "warm, listed 80: not quarantined"
[ "$(mhr_dnsmasq_queries)" -ge 1 ] || fail "warm: dnsmasq saw no query"
pass "warm: EICAR part listed at 80 %: MHR.80, quarantined"

qs_standin 0
svc_run "$T/clean.eml" "$T/e"
svc_wait
expect_rc 0 "warm, clean"
[ -f "$T/rec/message" ] || fail "warm, clean: not queued"
grep -q 'mhr: 1\.0/hash\.cymru\.com\.' "$T/rec/message" || fail "warm, clean: no mhr in the trace header"
[ "$(svc_zygote mhr)" = "$z" ] && kill -0 "$z" || fail "warm: the mhr zygote did not live on"
pass "warm: clean mail queued, mhr in the trace header, the same zygote"

mhr_dnsmasq_stop
at=$(wc -l < "$T/qscand.log")
qs_standin 0
svc_run "$T/eicar.eml" "$T/e"
svc_wait
expect_rc 0 "warm, dnsmasq stopped"
[ -f "$T/rec/message" ] || fail "warm, dnsmasq stopped: not queued"
tail -n +$((at + 1)) "$T/qscand.log" | grep -q 'mhr: lookup skipped for part 1.2' ||
    { cat "$T/qscand.log"; fail "warm, dnsmasq stopped: no log line"; }
pass "warm: dnsmasq stopped: passed, the worker logged the skipped lookup"
