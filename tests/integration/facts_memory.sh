#!/bin/sh
# The broker's memory follows the message: an ordinary message of 10 000
# parts (the default max_parts, every one of them kept) comes out clean
# and whole, and the broker's own peak RSS (rss_kb=, RUSAGE_SELF, its
# roles not counted) stays under 32 MiB.  With a RECORD_STR_MAX buffer
# per string it was 287 MB.  bench/bench_memory.sh prints the figures.
. "$(dirname "$0")/lib.sh"
qs_setup
qs_env "$T/e" a@b.example c@d.example
python3 - "$T/m" <<'PY'
import base64, sys
parts = 10000
body = base64.encodebytes(bytes(range(48))).decode()
with open(sys.argv[1], "w") as m:
    m.write("From: a@b.example\nTo: c@d.example\nSubject: invoices\n"
            "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n"
            "--B\nContent-Type: text/plain\n\nthe invoices are attached\n")
    # The multipart and the text are two of the 10 000.
    for i in range(1, parts - 1):
        name = "invoice-%05d.pdf" % i
        m.write("--B\nContent-Type: application/pdf; name=\"%s\"\n"
                "Content-Disposition: attachment; filename=\"%s\"\n"
                "Content-Transfer-Encoding: base64\n\n%s" % (name, name, body))
    m.write("--B--\n")
PY
qs_run "$T/m" "$T/e"
expect_rc 0 parts10k
[ "$(qs_field verdict)" = clean ] && [ "$(qs_field parts)" = 10000 ] ||
    fail "parts10k: expected clean with 10000 parts: $(qs_last)"
[ -f "$T/rec/message" ] || fail "parts10k: not queued"
rss=$(qs_field rss_kb)
[ "$rss" -gt 0 ] && [ "$rss" -lt 32768 ] || fail "parts10k: broker peak RSS $rss KiB: $(qs_last)"
expect_work_empty parts10k
pass "parts10k: clean, 10000 parts, broker peak RSS $rss KiB"
