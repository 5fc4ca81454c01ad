#!/bin/sh
# The test command: installs what the tests need (Debian 12, as root),
# builds with the test-only switches into build-test/, runs every suite,
# and ends with "N passed, N failed".
set -eu
cd "$(dirname "$0")/.."
src=$(pwd)
build=${QSCAN_TEST_BUILD:-$src/build-test}

if [ "$(id -u)" != 0 ]; then
	echo "run-tests: the tests create users and drop to them: run as root" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
pkgs="meson ninja-build pkg-config gcc libc6-dev libseccomp-dev libcap-ng-dev
 libgmime-3.0-dev libclamav-dev libarchive-dev libglib2.0-dev python3
 libcap2-bin util-linux procps passwd daemontools clamav clamav-daemon clamav-testfiles
 libpython3.11-testsuite spamassassin tnef ytnef-tools gzip bzip2 xz-utils
 clang libclang-rt-dev dnsmasq-base logrotate spamd mandoc chromium
 prometheus"
# spamd: SpamAssassin 4's daemon is a package of its own (spamassassin has
# the rules and the library); the spam tests start their own spamd on a
# private socket and loopback port (tests/spamd/lib_spamd.sh).
# mandoc: tests/man/man_pages.sh runs mandoc -T lint on the manual pages.
# chromium: the report test opens qscan report's page headless
# (tests/integration/report.sh); prometheus: its promtool checks qscan
# metrics (policy-rc.d below keeps its service from starting).
# dnsmasq-base: the real DNS server the mhr tests start on loopback (its
# binary only: the dnsmasq package would run a system resolver).
# clang builds the libFuzzer targets of the suite fuzz-smoke; their runtime
# (libclang_rt.fuzzer, asan, ubsan) is in libclang-rt-dev, which clang only
# recommends.
# Install only what is missing: apt-get is slow even when it has nothing to do.
missing=$(for p in $pkgs; do dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
    grep -q 'install ok installed' || echo "$p"; done)
if [ -n "$missing" ]; then
	# clamav-daemon and spamassassin would start system daemons the tests
	# never use (each test starts its own): keep invoke-rc.d from it.
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		trap 'rm -f /usr/sbin/policy-rc.d' EXIT
	fi
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# hostile_role builds the test-only role; config_path points the setuid
# tests at a configuration of their own, in a directory every user can
# reach (the clone itself may sit in a private home).
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" -Dhostile_role=true \
	    -Dconfig_path=/var/tmp/qscan-test-etc/qscan.conf >/dev/null
fi
ninja -C "$build" >/dev/null

set +e
meson test -C "$build" --no-rebuild --print-errorlogs "$@" > "$build/test-output.txt" 2>&1
rc=$?
set -e
grep -E '^ *[0-9]+/[0-9]+ ' "$build/test-output.txt" || true
sed -n '/^Summary of Failures/,$p' "$build/test-output.txt"
if [ "$rc" != 0 ]; then
	# The error logs of failed tests, for CI: meson prints each from its
	# command line (">>> ") to a closing rule of "―" (the opening one has
	# a "✀" in it).
	awk '/^>>> / { p = 1 } p { print } p && /^―/ && !/✀/ { p = 0 }' \
	    "$build/test-output.txt" | grep -v '^ *$' | head -400
fi
ok=$(sed -n 's/^Ok: *\([0-9]*\).*/\1/p' "$build/test-output.txt")
fail=$(sed -n 's/^Fail: *\([0-9]*\).*/\1/p' "$build/test-output.txt")
timeout=$(sed -n 's/^Timeout: *\([0-9]*\).*/\1/p' "$build/test-output.txt")
skipped=$(sed -n 's/^Skipped: *\([0-9]*\).*/\1/p' "$build/test-output.txt")
# A skipped test counts as failed: nothing here may skip itself.
failed=$(( ${fail:-0} + ${timeout:-0} + ${skipped:-0} ))
[ -n "$ok" ] || failed=$((failed + 1))
echo "${ok:-0} passed, $failed failed"
[ "$failed" = 0 ] && [ "$rc" = 0 ]
