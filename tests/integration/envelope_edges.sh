#!/bin/sh
# The envelope reader at the edges, through the real broker.
. "$(dirname "$0")/lib.sh"
qs_setup "[limits]" "max_recipients = 1000"
qs_msg "$T/m"

run_env() {
	qs_standin 0
	qs_run "$T/m" "$T/e"
	expect_rc "$1" "$2"
	expect_work_empty "$2"
	if [ "$1" = 0 ]; then
		cmp -s "$T/rec/envelope" "$T/e" || fail "$2: envelope changed"
	else
		[ ! -f "$T/rec/message" ] || fail "$2: queued anyway"
	fi
	pass "$2: exit $1"
}

printf 'F\0Tbob@b.example\0\0' > "$T/e";		run_env 0 "null sender"
qs_env "$T/e" a@b.example one@c.example;		run_env 0 "one recipient"
i=0; set --; while [ $i -lt 1000 ]; do set -- "$@" "r$i@c.example"; i=$((i+1)); done
qs_env "$T/e" a@b.example "$@";				run_env 0 "1000 recipients"
qs_env "$T/e" a@b.example "$@" one-more@c.example;	run_env 91 "1001 recipients over the limit"
printf 'Fa@b\0Tc@d\0' > "$T/e";				run_env 54 "missing final NUL"
printf 'Fa@b\0Tc@d\0\0junk' > "$T/e";			run_env 91 "junk after the end"
printf 'Xa@b\0Tc@d\0\0' > "$T/e";			run_env 91 "first byte not F"
printf 'Fa@b\0Ac@d\0\0' > "$T/e";			run_env 91 "recipient not led by T"
: > "$T/e";						run_env 54 "empty envelope"
long=$(head -c 1003 /dev/zero | tr '\0' a)
printf 'F%s\0Tc@d\0\0' "$long" > "$T/e";		run_env 11 "1003-byte sender"
printf 'Fa@b\0T%s\0\0' "$long" > "$T/e";		run_env 11 "1003-byte recipient"
ok=$(head -c 1002 /dev/zero | tr '\0' a)
printf 'F%s\0Tc@d\0\0' "$ok" > "$T/e";			run_env 0 "1002-byte sender"
