#!/bin/sh
# fuzz/campaign.sh: a long fuzzing run of every target (fuzz/smoke.sh
# --campaign: a crash is saved and the run goes on to the end of its time)
# whose figures replace the table in docs/fuzzing.md, between its
# campaign-begin and campaign-end marks.
#
# sh fuzz/campaign.sh [-t SECONDS] [-b BUILD_DIR] [TARGET...]
#
#   -t SECONDS    per target (default 1800)
#   -b BUILD_DIR  the libFuzzer build (default build-fuzz), set up if missing
#
# Exits non-zero when a target crashed; its reproducers are in
# BUILD_DIR/campaign/TARGET/artifacts/.
# shellcheck shell=sh
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
seconds=1800 build=build-fuzz
while [ $# -gt 0 ]; do
	case $1 in
	-t) [ $# -ge 2 ] || exit 2; seconds=$2; shift ;;
	-b) [ $# -ge 2 ] || exit 2; build=$2; shift ;;
	-*) sed -n '7,10p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
	*) break ;;
	esac
	shift
done
doc=$src/docs/fuzzing.md
grep -q '^<!-- campaign-begin -->$' "$doc" && grep -q '^<!-- campaign-end -->$' "$doc" ||
    { echo "campaign: $doc has no campaign-begin/end marks" >&2; exit 1; }

rows=$(mktemp) block=$(mktemp)
trap 'rm -f "$rows" "$block" "$doc.new"' EXIT
commit=$(git -C "$src" describe --always --dirty 2>/dev/null || echo unknown)
load=$(cut -d' ' -f1 /proc/loadavg)
started=$(date -u '+%Y-%m-%d %H:%M UTC')
set +e
sh "$src/fuzz/smoke.sh" --campaign -t "$seconds" -b "$build" --table "$rows" "$@"
rc=$?
set -e
[ -s "$rows" ] || { echo "campaign: no target ran" >&2; exit 1; }

{
	echo "Produced by \`sh fuzz/campaign.sh -t $seconds\` ($seconds s per target,"
	echo "one process each, one after the other), started $started at commit"
	echo "\`$commit\`, $(clang --version | head -n 1 | sed 's/ *(.*//'),"
	echo "$(nproc) CPUs, load average $load at the start."
	if [ "$seconds" -lt 1800 ]; then
		echo "**These are short runs**, made to show that the table is produced;"
		echo "the figures of a real campaign (30 min or more per target) replace"
		echo "them."
	fi
	echo
	echo "| target | runs | runs/s | edges at start | edges at end | peak RSS (MB) | crashes |"
	echo "|---|--:|--:|--:|--:|--:|--:|"
	cat "$rows"
} >"$block"
awk -v block="$block" '
	/^<!-- campaign-end -->$/ { while ((getline l < block) > 0) print l; skip = 0 }
	!skip { print }
	/^<!-- campaign-begin -->$/ { skip = 1 }
' "$doc" >"$doc.new"
mv "$doc.new" "$doc"
echo "campaign: table written to docs/fuzzing.md"
exit "$rc"
