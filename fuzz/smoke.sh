#!/bin/sh
# fuzz/smoke.sh: builds the libFuzzer targets (clang, ASan + UBSan, see
# the top meson.build) and runs each for a while from its seeds, its
# dictionary and its options; fails on any crash, leak, timeout,
# out-of-memory or broken invariant (the harnesses abort()).  CI runs it at
# 20 s per target (fuzz/meson.build, suite fuzz-smoke); docs/fuzzing.md
# says how to use it.
#
# sh fuzz/smoke.sh [-t SECONDS] [-b BUILD_DIR] [--merge [--merge-max N]]
#                  [--no-build] [--build-only] [--campaign] [--table FILE]
#                  [--merge-campaign] [TARGET...]
#
#   -t SECONDS    fuzzing time per target (env FUZZ_SECONDS, default 45)
#   -b BUILD_DIR  the libFuzzer build, set up if missing (env FUZZ_BUILD,
#                 default build-fuzz)
#   --merge       after a clean run, add the new inputs that reach new
#                 edges to fuzz/corpus/TARGET/, minimised by libFuzzer's
#                 -merge=1 (files named by the SHA-1 of their content)
#   --merge-max N at most N of them per target, those that add the most
#                 edges (env FUZZ_MERGE_MAX, default 8)
#   --no-build    use the build as it is
#   --build-only  set up and build, run nothing
#   --campaign    for fuzz/campaign.sh: after a crash, save it and go on
#                 for the rest of the time, counting crashes
#   --table FILE  append one markdown table row per target to FILE
#   --merge-campaign  run nothing: merge (as --merge) what the last
#                 --campaign left in BUILD_DIR/campaign/TARGET/corpus
#   TARGET...     default: every fuzz/fuzz_TARGET.c
#
# The checked-in seeds are never written during a run: each target fuzzes
# a scratch copy in BUILD_DIR/smoke/TARGET/ (BUILD_DIR/campaign/ for
# --campaign), where its log and any reproducer stay.
# shellcheck shell=sh
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
seconds=${FUZZ_SECONDS:-45}
build=${FUZZ_BUILD:-build-fuzz}
merge=0 merge_max=${FUZZ_MERGE_MAX:-8} dobuild=1 runs=1 campaign=0 table=""
merge_campaign=0

usage() {
	sed -n '9,28p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	-t|--seconds) [ $# -ge 2 ] || usage; seconds=$2; shift ;;
	-b|--build) [ $# -ge 2 ] || usage; build=$2; shift ;;
	--merge) merge=1 ;;
	--merge-max) [ $# -ge 2 ] || usage; merge_max=$2; shift ;;
	--no-build) dobuild=0 ;;
	--build-only) runs=0 ;;
	--campaign) campaign=1 ;;
	--table) [ $# -ge 2 ] || usage; table=$2; shift ;;
	--merge-campaign) merge_campaign=1 ;;
	-h|--help) usage ;;
	-*) echo "smoke: unknown option $1" >&2; usage ;;
	*) break ;;
	esac
	shift
done
case $seconds in
''|*[!0-9]*|0) echo "smoke: seconds must be a positive number: $seconds" >&2; exit 2 ;;
esac
case $build in
/*) ;;
*) build=$(pwd)/$build ;;
esac
fuzzdir=$src/fuzz

# The targets come from the harness files, so that a new harness cannot be
# left out: each must have its seeds, dictionary, options and a line in
# fuzz/meson.build, or the smoke fails before it starts.
all=$(cd "$fuzzdir" && for f in fuzz_*.c; do t=${f#fuzz_}; echo "${t%.c}"; done)
bad=0
for t in $all; do
	if [ -z "$(ls -A "$fuzzdir/corpus/$t" 2>/dev/null)" ]; then
		echo "smoke: fuzz/fuzz_$t.c has no seeds in fuzz/corpus/$t/" >&2
		bad=1
	fi
	for f in "dict/$t.dict" "$t.options"; do
		[ -f "$fuzzdir/$f" ] || { echo "smoke: fuzz/fuzz_$t.c has no fuzz/$f" >&2; bad=1; }
	done
	grep -q "^ *'$t' *:" "$fuzzdir/meson.build" ||
	    { echo "smoke: fuzz/fuzz_$t.c is not in fuzz/meson.build's fuzz_targets" >&2; bad=1; }
done
[ "$bad" = 0 ] || exit 1
if [ $# -gt 0 ]; then
	for t in "$@"; do
		echo "$all" | grep -qx "$t" || { echo "smoke: no target $t (targets: $(echo "$all" | tr "\n" " "))" >&2; exit 2; }
	done
	targets=$*
else
	targets=$all
fi

# Parallel runs (the fuzz-smoke tests) share one build: one ninja at a time.
if [ "$dobuild" = 1 ]; then
	command -v clang >/dev/null ||
	    { echo "smoke: clang is missing (Debian: apt-get install clang libclang-rt-dev)" >&2; exit 1; }
	# shellcheck disable=SC2016,SC2046 # the script is sh -c's; names have no spaces
	flock "$fuzzdir" sh -euc '
		src=$1 build=$2
		if [ ! -f "$build/build.ninja" ]; then
			CC=clang meson setup "$build" "$src" -Dfuzzing_engine=libfuzzer \
			    -Db_lundef=false -Dtests=false >"$build.setup.log" 2>&1 ||
			    { cat "$build.setup.log" >&2; exit 1; }
			rm -f "$build.setup.log"
		fi
		shift 2
		ninja -C "$build" "$@" >"$build/smoke-ninja.log" 2>&1 ||
		    { cat "$build/smoke-ninja.log" >&2; exit 1; }
	' sh "$src" "$build" $(for t in $all; do echo "fuzz/fuzz-$t"; done) ||
	    { echo "smoke: building the fuzz targets in $build failed" >&2; exit 1; }
fi
[ "$runs" = 1 ] || exit 0
if ! grep -q -- '-fsanitize=fuzzer' "$build/build.ninja" 2>/dev/null; then
	echo "smoke: $build is no libFuzzer build (meson setup -Dfuzzing_engine=libfuzzer, CC=clang)" >&2
	exit 1
fi

# option_flags TARGET: fuzz/TARGET.options ([libfuzzer] key = value, the
# OSS-Fuzz layout, which libFuzzer itself does not read) as -key=value
# flags; a dict is relative to fuzz/, and the target's dictionary is used
# when the file names none.
option_flags() {
	awk -v dir="$fuzzdir" -v def="$fuzzdir/dict/$1.dict" '
		/^\[/ { sec = $0; next }
		sec == "[libfuzzer]" && /=/ {
			k = $0; sub(/ *=.*/, "", k); sub(/^ */, "", k)
			v = $0; sub(/^[^=]*= */, "", v); sub(/ *$/, "", v)
			if (k == "dict") { v = dir "/" v; dict = 1 }
			printf "-%s=%s\n", k, v
		}
		END { if (!dict) printf "-dict=%s\n", def }
	' "$fuzzdir/$1.options"
}

# log_value LOG 'stat::name:': a figure of -print_final_stats=1.
log_value() {
	sed -n "s/^$2 *\\([0-9]*\\).*/\\1/p" "$1" | tail -n 1
}

# failure_of LOG: what killed the run, in a few words.
failure_of() {
	_l=$1
	if grep -q 'invariant broken:' "$_l"; then
		sed -n 's/.*invariant broken: /invariant broken: /p' "$_l" | head -n 1
	elif grep -q 'ERROR: LeakSanitizer' "$_l"; then
		echo "leak"
	elif grep -q 'ERROR: libFuzzer: timeout' "$_l"; then
		echo "timeout (per input)"
	elif grep -q 'ERROR: libFuzzer: out-of-memory' "$_l"; then
		grep -m 1 -o 'out-of-memory.*' "$_l"
	elif grep -q 'runtime error:' "$_l"; then
		sed -n 's/.*runtime error: /undefined behaviour: /p' "$_l" | head -n 1
	elif grep -q 'ERROR: AddressSanitizer' "$_l"; then
		sed -n 's/.*ERROR: AddressSanitizer: \([a-z-]*\).*/AddressSanitizer: \1/p' "$_l" | head -n 1
	elif grep -q 'ERROR: libFuzzer: ' "$_l"; then
		sed -n 's/.*ERROR: libFuzzer: //p' "$_l" | head -n 1
	else
		echo "exit status $2"
	fi
}

# fuzz_once TARGET WORK SECONDS: one libFuzzer run over WORK/corpus,
# appending to WORK/log; its exit status.
fuzz_once() {
	# shellcheck disable=SC2046 # one flag a line, no spaces inside
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	ASAN_OPTIONS=detect_leaks=1 \
	    "$build/fuzz/fuzz-$1" $(option_flags "$1") -max_total_time="$3" \
	    -detect_leaks=1 -print_final_stats=1 -artifact_prefix="$2/artifacts/" \
	    "$2/corpus" >>"$2/log" 2>&1
}

# merge_seeds TARGET WORK: copies into fuzz/corpus/TARGET/ at most
# merge_max of the inputs in WORK/corpus that reach edges the seeds do
# not.  libFuzzer's -merge=1 picks them (-use_counters=0: for a new edge,
# not for a new hit count of a known one) into a copy of the seeds; its
# control file says how many new edges each one brought, and the ones
# that brought most are kept, so that the checked-in seeds stay few.
merge_seeds() {
	_m=$2/merge
	rm -rf "$_m"
	mkdir -p "$_m/out"
	cp "$fuzzdir/corpus/$1"/* "$_m/out/"
	# shellcheck disable=SC2046
	if ! "$build/fuzz/fuzz-$1" $(option_flags "$1" | grep -v '^-dict=') \
	    -merge=1 -use_counters=0 -merge_control_file="$_m/control" \
	    -artifact_prefix="$_m/" "$_m/out" "$2/corpus" >"$_m/log" 2>&1; then
		echo "smoke: merging $1 failed, see $_m/log" >&2
		return 1
	fi
	# The control file: the number of files, the number of them in the
	# first directory, their paths, then "COV index edge..." lines.
	awk 'NR == 1 { n = $1; next } NR == 2 { first = $1; next }
		NR <= n + 2 { path[NR - 3] = $0; next }
		$1 == "COV" && $2 >= first { cov[$2] = NF - 2 }
		END { for (i in cov) { p = path[i]; sub(/.*\//, "", p); print cov[i], p } }
	' "$_m/control" | sort -k1,1nr -k2 >"$_m/ranked"
	_added=0 _left=0 _leftcov=0
	for _f in $(cd "$_m/out" && ls); do
		[ ! -e "$fuzzdir/corpus/$1/$_f" ] || continue
		grep " $_f\$" "$_m/ranked" || echo "0 $_f"
	done | sort -k1,1nr -k2 >"$_m/new"
	while read -r _cov _f; do
		if [ "$_added" -lt "$merge_max" ]; then
			cp "$_m/out/$_f" "$fuzzdir/corpus/$1/$_f"
			_added=$((_added + 1))
		else
			_left=$((_left + 1)) _leftcov=$((_leftcov + _cov))
		fi
	done <"$_m/new"
	echo "merge: $1: $_added new seed(s) in fuzz/corpus/$1/$(
	    [ "$_left" = 0 ] || echo "; $_left more adding $_leftcov edge(s) left out (--merge-max)")"
}

printf '%-14s %10s %8s %11s %8s  %s\n' target runs exec/s "cov start" "peak RSS" result
failed=0
for t in $targets; do
	if [ "$merge_campaign" = 1 ]; then
		work=$build/campaign/$t
		if [ ! -d "$work/corpus" ]; then
			echo "smoke: no campaign corpus in $work/corpus" >&2
			failed=1
		else
			merge_seeds "$t" "$work" || failed=1
		fi
		continue
	fi
	work=$build/smoke/$t
	[ "$campaign" = 0 ] || work=$build/campaign/$t
	rm -rf "$work"
	mkdir -p "$work/corpus" "$work/artifacts"
	cp "$fuzzdir/corpus/$t"/* "$work/corpus/"
	: >"$work/log"
	start=$(date +%s)
	left=$seconds total=0 crashes=0 rss=0 result=ok first=""
	# A campaign goes on after a crash (the reproducer stays in artifacts/)
	# until its time is up; a smoke stops at the first.
	while :; do
		mark=$(wc -l <"$work/log")
		set +e
		fuzz_once "$t" "$work" "$left"
		rc=$?
		set -e
		tail -n +"$((mark + 1))" "$work/log" >"$work/last.log"
		n=$(log_value "$work/last.log" 'stat::number_of_executed_units:')
		r=$(log_value "$work/last.log" 'stat::peak_rss_mb:')
		total=$((total + ${n:-0}))
		[ "${r:-0}" -le "$rss" ] || rss=$r
		if [ "$rc" != 0 ]; then
			crashes=$((crashes + 1))
			art=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$work/last.log" | tail -n 1)
			why=$(failure_of "$work/last.log" "$rc")
			seed=$(sed -n 's/^INFO: Seed: //p' "$work/last.log" | tail -n 1)
			[ -n "$first" ] || first="$why; reproducer ${art:-none written (see $work/log)} (seed ${seed:-?})"
		fi
		left=$((seconds - ($(date +%s) - start)))
		if [ "$campaign" = 0 ] || [ "$left" -le 0 ] || [ "$crashes" -ge 50 ]; then
			break
		fi
	done
	elapsed=$(($(date +%s) - start))
	covstart=$(sed -n 's/.*INITED cov: \([0-9]*\).*/\1/p' "$work/log" | head -n 1)
	covend=$(sed -n 's/^#[0-9]*.* cov: \([0-9]*\).*/\1/p' "$work/log" | tail -n 1)
	rate=$((total / (elapsed > 0 ? elapsed : 1)))
	if [ "$crashes" -gt 0 ]; then
		result="FAILED: $first"
		[ "$campaign" = 0 ] || result="$crashes crash(es), first: $first"
		failed=1
	elif ! grep -q '^Done [0-9]* runs' "$work/log"; then
		result="FAILED: the run did not end (see $work/log)"
		failed=1
	fi
	printf '%-14s %10s %8s %5s->%-5s %5s MB  %s\n' "$t" "$total" "$rate" \
	    "${covstart:--}" "${covend:--}" "$rss" "$result"
	if [ "$crashes" -gt 0 ] && [ "$campaign" = 0 ]; then
		echo "smoke: $t failed; replay with: $build/fuzz/fuzz-$t ${art:-<reproducer>}" >&2
	fi
	if [ -n "$table" ]; then
		printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$t" "$total" "$rate" \
		    "${covstart:--}" "${covend:--}" "$rss" "$crashes" >>"$table"
	fi
	if [ "$merge" = 1 ] && [ "$crashes" = 0 ]; then
		merge_seeds "$t" "$work" || failed=1
	fi
done
exit "$failed"
