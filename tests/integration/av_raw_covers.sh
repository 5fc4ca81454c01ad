#!/bin/sh
# A part whose bytes stand unchanged in the raw message (7bit, 8bit,
# binary, all the way up) is not sent again to an engine that scanned the
# raw message; a decoded part (base64) is; with scan_raw off, or a raw
# message over the engine's whole-scan limit, every part is.  EICAR in
# such a part is still found, in "raw".
. "$(dirname "$0")/lib.sh"
. "$QSCAN_SRC/tests/av/lib_av.sh"
av_setup
av_clamd_start

eicar=$(python3 "$AV_DIR/make_messages.py" --eicar-hex | xxd -r -p)
mk() {
	# $1 file, $2 text of the 7bit part
	{
		printf 'From: a@a.example\nTo: b@b.example\nSubject: covered\n'
		printf 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n'
		printf -- '--B\nContent-Type: text/plain\nContent-Transfer-Encoding: 7bit\n\n%s\n' "$2"
		printf -- '--B\nContent-Type: application/octet-stream; name=a.bin\n'
		printf 'Content-Transfer-Encoding: base64\n\n%s\n' "$(printf 'attached bytes' | base64)"
		printf -- '--B\nContent-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n%s\n' \
		    "$(printf 'Subject: inner\n\ninner text\n' | base64 -w 0)"
		printf -- '--B--\n'
	} > "$1"
}
mk "$T/clean.eml" "plain words"
mk "$T/eicar.eml" "$eicar"
# Over 1 KiB, the least either limit takes.
mk "$T/big.eml" "$(printf 'words %.0s' $(seq 300))"

# scanned BACKEND JSON: the engine's "scanned" list, as one line.
scanned() {
	python3 - "$2" "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))[0]
engine = "clamav" if sys.argv[2] == "clamav" else "clamd"
e = [e for e in r["engines"] if e["engine"] == engine or
     (engine == "clamd" and e["engine"].startswith("clamd"))]
assert len(e) == 1, r["engines"]
print(" ".join(e[0]["scanned"]))
PY
}
paths() {
	python3 - "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))[0]
print(" ".join("%s:%s" % (p["path"], p["encoding"]) for p in r["parts"]))
PY
}

for b in clamav fildes instream; do
	av_conf "$b" "scan_raw = true"
	av_check "$T/c.json" "$T/clean.eml"
	got=$(scanned "$b" "$T/c.json")
	echo "$b scan_raw=true: parts $(paths "$T/c.json"); scanned: $got"
	case " $got " in *" 1.1 "*) fail "$b: the 7bit part went again after the raw message: $got" ;; esac
	case " $got " in *" raw "*) ;; *) fail "$b: raw not scanned: $got" ;; esac
	case " $got " in *" 1.2 "*) ;; *) fail "$b: the base64 part was not scanned: $got" ;; esac
	# Below a base64-encoded message/rfc822, a 7bit part is decoded bytes.
	case " $got " in *" 1.3.1 "*) ;; *) fail "$b: the part inside the base64 rfc822 was not scanned: $got" ;; esac
	av_check "$T/e.json" "$T/eicar.eml"
	av_verdicts "$T/e.json" "$b" virus:Eicar-Test-Signature "$T/eicar.eml" > "$T/v" ||
	    { cat "$T/v"; fail "$b: EICAR in the 7bit part not found"; }
	pass "$b scan_raw = true: the 7bit part is not sent again, decoded parts are; EICAR in it found"

	av_conf "$b" "scan_raw = false"
	av_check "$T/c.json" "$T/clean.eml"
	got=$(scanned "$b" "$T/c.json")
	case " $got " in *" 1.1 "*) ;; *) fail "$b scan_raw = false: the 7bit part was not scanned: $got" ;; esac
	pass "$b scan_raw = false: every part is scanned ($got)"
done

# A raw message over the engine's whole-scan limit: the parts go as well.
for b in clamav fildes instream; do
	case $b in
	clamav) av_conf "$b" "scan_raw = true" "[clamav]" "max_file_bytes = 1024" ;;
	*) AV_CLAMD_EXTRA="max_stream_bytes = 1024" av_conf "$b" "scan_raw = true" ;;
	esac
	av_check "$T/c.json" "$T/big.eml"
	got=$(scanned "$b" "$T/c.json")
	case " $got " in *" 1.1 "*) ;; *) fail "$b: raw over the limit, yet the 7bit part was skipped: $got" ;; esac
	pass "$b: raw message over the engine's limit: the 7bit part is scanned too ($got)"
done
