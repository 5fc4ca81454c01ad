#!/bin/sh
# Each of the 44 clamav-testfiles, attached base64 to a message, is a virus for each backend: libclamav, clamd FILDES, clamd INSTREAM over TCP.
. "$(dirname "$0")/lib.sh"
. "$QSCAN_SRC/tests/av/lib_av.sh"
av_setup
av_messages
av_clamd_start

set -- "$T"/msgs/testfiles/*.eml
[ $# = 44 ] || fail "expected 44 testfile messages, made $#"

for b in clamav fildes instream; do
	av_conf "$b"
	mark=$(av_clamd_mark)
	# One call for all 44: qscan check takes a list.
	av_check "$T/out-$b.json" "$@"
	av_verdicts "$T/out-$b.json" "$b" virus:ClamAV-Test-File "$@" > "$T/v-$b" ||
	    { cat "$T/v-$b"; fail "$b: not every testfile was found"; }
	# The clamd runs must really have gone through our clamd, by the
	# command the mode names; the clamav run must not have touched it.
	case $b in
	clamav)
		n=$(tail -n +"$((mark + 1))" "$T/clamd.log" | grep -c ' FOUND$' || true)
		[ "$n" = 0 ] || fail "clamav backend: clamd logged $n detections" ;;
	fildes|instream)
		n=$(av_clamd_found "$mark" "$b")
		[ "$n" -ge 44 ] || { tail -n 20 "$T/clamd.log"; fail "$b: clamd logged $n $b detections, expected at least 44"; }
		other=fildes
		[ "$b" = fildes ] && other=instream
		n=$(av_clamd_found "$mark" "$other")
		[ "$n" = 0 ] || fail "$b: clamd logged $n detections by $other" ;;
	esac
	[ ! -f "$T/rec/message" ] || fail "$b: qscan check queued something"
	pass "$b: all 44 testfiles found ($(wc -l < "$T/v-$b") verdicts)"
done
