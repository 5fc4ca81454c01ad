#!/bin/sh
# tests: compares what unpacker/tnef.c extracts (through tnef-dump) with
# what Debian's tnef and ytnef tools extract from the same files: names
# and SHA-256 of every file; harness.  Usage: compare_tools.sh TNEF_DUMP
# CORPUS_DIR.  Prints a table; fails only when a tool extracts a file
# (name and bytes) that our parser does not report.  Files the tools do
# not extract (bad checksums, embedded messages) are printed, not
# failures: we are meant to see more than they do.  Neither tool
# installed is a failure, never a skip.
set -u
# meson sets MALLOC_PERTURB_; the tools read uninitialised memory and
# then loop (seen with the Debian builds), which is their bug, not ours
unset MALLOC_PERTURB_
dump=$1
corpus=$2
have_tnef=0; have_ytnef=0
command -v tnef >/dev/null 2>&1 && have_tnef=1
command -v ytnef >/dev/null 2>&1 && have_ytnef=1
if [ $have_tnef = 0 ] && [ $have_ytnef = 0 ]; then
	echo "FAIL: neither tnef nor ytnef installed (tests/run-tests.sh installs them)"
	exit 1
fi
work=$(mktemp -d /tmp/tnef-compare.XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT
fail=0

# name<TAB>sha256 per extracted file of directory $1, sorted
list_dir() {
	(cd "$1" && find . -type f | sed 's|^\./||' | sort | while IFS= read -r f; do
		printf '%s\t%s\n' "$f" "$(sha256sum < "$f" | cut -d' ' -f1)"
	done)
}

for f in "$corpus"/*.tnef; do
	base=$(basename "$f")
	"$dump" "$f" > "$work/ours.raw" || { echo "$base: tnef-dump failed"; fail=1; continue; }
	grep -v '^#' "$work/ours.raw" | awk -F'\t' '{print $1 "\t" $3}' | sort > "$work/ours"
	anomalies=$(grep '^#' "$work/ours.raw" | cut -d' ' -f2 | sort -u | tr '\n' ' ')
	echo "== $base: ours $(wc -l < "$work/ours") file(s) ${anomalies:+[anomalies: $anomalies]}"
	for tool in tnef ytnef; do
		[ $tool = tnef ] && [ $have_tnef = 0 ] && continue
		[ $tool = ytnef ] && [ $have_ytnef = 0 ] && continue
		rm -rf "$work/$tool"; mkdir "$work/$tool"
		if [ $tool = tnef ]; then
			tnef --overwrite -C "$work/tnef" -f "$f" \
			    < /dev/null > "$work/$tool.log" 2>&1
		else
			ytnef -f "$work/ytnef" "$f" < /dev/null \
			    > "$work/$tool.log" 2>&1
		fi
		rc=$?
		list_dir "$work/$tool" > "$work/$tool.list"
		# the tools write nameless attachments under invented names
		# (tnef-tmp, "ytnef-..."): compare those by bytes only
		missing=0; same=0
		while IFS="$(printf '\t')" read -r name sum; do
			if grep -qF "$(printf '%s\t%s' "$name" "$sum")" "$work/ours"; then
				same=$((same + 1))
			elif cut -f2 "$work/ours" | grep -qx "$sum"; then
				same=$((same + 1))
				echo "   $tool: \"$name\": same bytes, we name it \"$(grep -F "$sum" "$work/ours" | head -1 | cut -f1)\""
			elif cut -f2 "$work/ours" | grep -qx "$(tail -c +17 "$work/$tool/$name" | sha256sum | cut -d' ' -f1)"; then
				# tnef keeps a PT_OBJECT's 16-byte interface id
				same=$((same + 1))
				echo "   $tool: \"$name\": same bytes after the 16-byte PT_OBJECT interface id"
			else
				missing=$((missing + 1))
				echo "   $tool: \"$name\" ($sum) NOT reported by us"
			fi
		done < "$work/$tool.list"
		echo "   $tool (exit $rc): $(wc -l < "$work/$tool.list") file(s), $same match ours, $missing missing from ours"
		[ $missing -gt 0 ] && fail=1
		extra=$(cut -f2 "$work/ours" | while read -r sum; do
			cut -f2 "$work/$tool.list" | grep -qx "$sum" || echo x; done | wc -l)
		[ "$extra" -gt 0 ] && echo "   $tool: $extra file(s) we report that $tool does not extract"
	done
done
exit $fail
