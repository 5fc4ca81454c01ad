#!/bin/sh
# A real dnsmasq on loopback lists the EICAR part's SHA-256: the part becomes virus MHR.80 through the hook (quarantined; rejected with virus_action = reject); below threshold_percent it passes with the fact in the JSON; clean mail is queued with "mhr: 1.0/hash.cymru.com." in the trace header; parts = executables skips a text part; the older zone malware.hash.cymru.com answers by MD5; dnsmasq stopped: the message passes with a log line, or tempfails with failure_action = tempfail.
. "$(dirname "$0")/lib.sh"
. "$QSCAN_SRC/tests/mhr/lib_mhr.sh"
mhr_setup
qs_env "$T/e" alice@a.example bob@b.example

# json_expect JSON PYTHON-EXPRESSION WHAT: r is the one result.
json_expect() {
	python3 - "$1" "$2" <<'PY' || fail "$3: $(head -c 1500 "$1")"
import json, sys
r = json.load(open(sys.argv[1]))[0]
rep = r.get("hash_reputation", [])
vir = r.get("viruses", [])
eng = r.get("engines", [])
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
}

# 1. Listed at 80 %, over the default 50: a virus under virus_action
# (quarantine by default), through the real hook.
mhr_dnsmasq_start "1700000000 80"
mhr_conf
q0=$(mhr_quarantined)
mhr_run "$T/eicar.eml"
expect_rc 0 "listed 80"
[ "$(qs_field verdict)" = virus ] || fail "listed 80: verdict: $(qs_last)"
qs_last | grep -q 'MHR\.80' || fail "listed 80: summary does not name MHR.80: $(qs_last)"
[ ! -f "$T/rec/message" ] || fail "listed 80: queued"
[ "$(mhr_quarantined)" = $((q0 + 1)) ] || fail "listed 80: not quarantined"
[ "$(mhr_dnsmasq_queries)" -ge 1 ] || fail "listed 80: dnsmasq saw no query for $MHR_NAME"
expect_work_empty "listed 80"
pass "listed 80: virus MHR.80, quarantined, dnsmasq asked ($(mhr_dnsmasq_queries) queries)"

mhr_check "$T/j1" "$T/eicar.eml"
json_expect "$T/j1" 'r["verdict"] == "virus" and any(v["engine"] == "mhr" and v["name"] == "MHR.80" and v["part"] == "1.2" for v in vir) and any(x["status"] == "listed" and x["percent"] == 80 and x["last_seen"] == 1700000000 and x["hash"] == "sha256" and x["part"] == "1.2" for x in rep) and any(e["engine"] == "mhr" and e["version"] == "1.0" and e["database"] == "hash.cymru.com" for e in eng)' "check --json, listed 80"
grep -q "$MHR_SHA256" "$T/j1" || fail "check --json: no sha256 $MHR_SHA256"
pass "check --json: viruses MHR.80 in part 1.2, hash_reputation listed 80 %, engine mhr 1.0/hash.cymru.com"

MHR_QSCAN_LINES="virus_action = reject"
mhr_conf
mhr_run "$T/eicar.eml"
expect_rc 31 "listed 80, reject"
[ "$(qs_field action)" = reject ] || fail "reject: $(qs_last)"
[ ! -f "$T/rec/message" ] || fail "reject: queued"
pass "listed 80, virus_action = reject: exit 31"
unset MHR_QSCAN_LINES

# 2. Clean mail: NXDOMAIN for its part, queued, the trace header names
# the engine as Qmail-Scanner's did ("mhr: 1.0.").
mhr_conf
mhr_run "$T/clean.eml"
expect_rc 0 "clean"
[ "$(qs_field verdict)" = clean ] || fail "clean: $(qs_last)"
[ -f "$T/rec/message" ] || fail "clean: not queued"
grep -q 'mhr: 1\.0/hash\.cymru\.com\.' "$T/rec/message" ||
    fail "clean: trace header lacks mhr: $(head -3 "$T/rec/message")"
mhr_check "$T/j2" "$T/clean.eml"
json_expect "$T/j2" 'r["verdict"] == "clean" and len(rep) == 1 and rep[0]["status"] == "not_listed" and rep[0]["percent"] == 0' "check --json, clean"
pass "clean: NXDOMAIN, queued, trace header has mhr: 1.0/hash.cymru.com."

# 3. parts = executables: the EICAR part is text by its bytes, so it is
# not looked up at all.
mhr_conf "parts = executables"
mhr_check "$T/j3" "$T/eicar.eml"
json_expect "$T/j3" 'r["verdict"] == "clean" and rep == [] and not vir' "parts = executables"
pass "parts = executables: a text part is not looked up"

# 4. Below the threshold: listed at 20 %, passed, the fact shown.
mhr_dnsmasq_start "1700000000 20"
mhr_conf
mhr_run "$T/eicar.eml"
expect_rc 0 "listed 20"
[ "$(qs_field verdict)" = clean ] || fail "listed 20: $(qs_last)"
[ -f "$T/rec/message" ] || fail "listed 20: not queued"
grep -q 'listed, 20% detection.*below threshold_percent' "$T/stderr" ||
    fail "listed 20: no log line: $(cat "$T/stderr")"
mhr_check "$T/j4" "$T/eicar.eml"
json_expect "$T/j4" 'r["verdict"] == "clean" and not vir and any(x["status"] == "listed" and x["percent"] == 20 for x in rep)' "check --json, listed 20"
mhr_conf "threshold_percent = 20"
mhr_check "$T/j4b" "$T/eicar.eml"
json_expect "$T/j4b" 'r["verdict"] == "virus" and any(v["name"] == "MHR.20" for v in vir)' "threshold_percent = 20"
pass "listed 20: passed below threshold 50 with the fact and a log line; a virus at threshold_percent = 20"

# 5. The older zone, by MD5: malware.hash.cymru.com lists the part's MD5.
mhr_dnsmasq_start "1700000000 80" --local=/malware.hash.cymru.com/ \
    --txt-record="$MHR_MD5.malware.hash.cymru.com,1600000000 65"
mhr_conf "zone = malware.hash.cymru.com" "hashes = md5"
mhr_check "$T/j5" "$T/eicar.eml"
json_expect "$T/j5" 'r["verdict"] == "virus" and any(v["name"] == "MHR.65" for v in vir) and any(x["hash"] == "md5" and x["percent"] == 65 and x["last_seen"] == 1600000000 for x in rep) and any(e["database"] == "malware.hash.cymru.com" for e in eng)' "malware.hash.cymru.com by md5"
grep -q "query\[TXT\] $MHR_MD5.malware.hash.cymru.com" "$T/dnsmasq.log" || fail "md5: dnsmasq saw no query for $MHR_MD5"
pass "malware.hash.cymru.com by MD5: MHR.65"

# 6. dnsmasq stopped: the port is closed (ICMP port unreachable): the
# lookup is skipped, logged, the message passes; with failure_action =
# tempfail it tempfails, neither queued nor quarantined.
mhr_dnsmasq_stop
mhr_conf
q0=$(mhr_quarantined)
mhr_run "$T/eicar.eml"
expect_rc 0 "dnsmasq stopped"
[ "$(qs_field verdict)" = clean ] || fail "dnsmasq stopped: $(qs_last)"
[ -f "$T/rec/message" ] || fail "dnsmasq stopped: not queued"
grep -q 'mhr: lookup skipped for part 1.2' "$T/stderr" ||
    fail "dnsmasq stopped: no log line: $(cat "$T/stderr")"
pass "dnsmasq stopped: passed with a log line ($(grep -o 'lookup skipped.*' "$T/stderr" | head -1))"
mhr_conf "failure_action = tempfail"
mhr_run "$T/eicar.eml"
[ "$(qs_field verdict)" = tempfail ] || fail "stopped, tempfail: $(qs_last)"
case $rc in 0|1[0-9]|2[0-9]|3[0-9]|40) fail "stopped, tempfail: exit $rc is not temporary" ;; esac
[ ! -f "$T/rec/message" ] || fail "stopped, tempfail: queued"
[ "$(mhr_quarantined)" = "$q0" ] || fail "stopped, tempfail: quarantined"
qs_last | grep -q 'mhr' || fail "stopped, tempfail: reason does not name mhr: $(qs_last)"
expect_work_empty "stopped, tempfail"
pass "dnsmasq stopped, failure_action = tempfail: exit $rc"
