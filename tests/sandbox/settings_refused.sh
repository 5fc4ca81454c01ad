#!/bin/sh
# The real role helpers given settings records the broker never sends
# (tests/sandbox/test_settings_refused.c): spawned as the broker spawns
# them, so the role users must exist (qscan-setup) and the helpers sit
# where those users can exec them (the build tree may be private).
# Usage: settings_refused.sh TEST-PROGRAM QSCAN-UNPACK QSCAN-CLAMAV
# QSCAN-CLAMD.  Output: TAP, from the program.
set -eu
[ "$(id -u)" = 0 ] || { echo "Bail out! the settings tests need root (role users, uid changes)"; exit 1; }
: "${QSCAN_SRC:?run through meson test}"
T=$(mktemp -d /tmp/qscan-settings.XXXXXX)
trap 'rm -rf "$T"' EXIT
chmod 755 "$T"
sh "$QSCAN_BUILD/conf/qscan-setup" --spool "$T/spool" >/dev/null
prog=$1; shift
for helper in "$@"; do
	cp "$helper" "$T/"
	chmod 755 "$T/$(basename "$helper")"
done
"$prog" "$T"
