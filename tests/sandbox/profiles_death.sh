#!/bin/sh
# The death tests run their roles through the broker's spawner, as the
# broker does: the role users and the scratch directory must exist
# (qscan-setup), and the role program must be where those users can exec
# it (the build tree may be private); the same program is the zygote
# of the warm cases.  Output: TAP, from the program.
set -eu
[ "$(id -u)" = 0 ] || { echo "Bail out! the death tests need root (role users, uid changes)"; exit 1; }
: "${QSCAN_SRC:?run through meson test}"
T=$(mktemp -d /tmp/qscan-death.XXXXXX)
# The chmod case's file is the role's own, outside its scratch directory
# (which Landlock then keeps it from removing).
trap 'rm -rf "$T"; rm -f /tmp/qscan-death-chmod-*' EXIT
chmod 755 "$T"
sh "$QSCAN_BUILD/conf/qscan-setup" --spool "$T/spool" >/dev/null
cp "$1" "$T/test-profiles-death"
chmod 755 "$T/test-profiles-death"
# The warm cases' zygote sockets: the test (as qscand) makes them here.
mkdir -m 700 "$T/zygotes"
chown qscand "$T/zygotes"
rc=0
"$T/test-profiles-death" "$T/test-profiles-death" || rc=$?
exit $rc
