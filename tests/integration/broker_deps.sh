#!/bin/sh
# The broker never links the libraries that parse hostile content.
. "$(dirname "$0")/lib.sh"
for bin in qmail-scanner-queue qscan; do
	deps=$(ldd "$QSCAN_BUILD/broker/$bin")
	echo "$deps" | grep -Ei 'gmime|archive|clamav' && fail "$bin links a content parser"
	echo "$deps" | grep -q libseccomp || fail "$bin: expected libseccomp (sanity of the check)"
done
ldd "$QSCAN_BUILD/unpacker/qscan-unpack" | grep -q gmime || fail "qscan-unpack should link GMime (sanity)"
pass "broker links none of GMime, libarchive, libclamav"
