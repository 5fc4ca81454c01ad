#!/usr/bin/env python3
"""tests: the parser of qscan's summary log (docs/summary-line.md).

    summary_parse.py check LOG...       every line parses, or exit 1 naming it
    summary_parse.py json LOG           one JSON object per line, values
                                        decoded (\\xNN undone, lists split)

A message's line: STAMP pid=N id=... then the keys in the documented
order, the optional ones where they may be; a tool's line (qscan release,
delete): STAMP pid=N quarantine id=... .  Every value is one token without
a space or '=' (log_escape); anything else is an error, so a subject that
forged a key, a field or a line would fail here."""
import json
import re
import sys

STAMP = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$')
TOKEN = re.compile(r'^[!-~]+$')
NUM = r'\d+(?:\.\d+)?'
# key, required, value pattern (None: any escaped token)
MESSAGE_KEYS = [
    ('id', True, r'[0-9a-f]+\.[0-9a-f]+\.[0-9a-f]+'),
    ('ip', True, None),
    ('relay', True, r'[01]'),
    ('from', True, None),
    ('rcpt', True, None),
    ('size', True, r'\d+'),
    ('parts', True, r'\d+'),
    ('verdict', True, r'clean|virus|policy|spam|limits|tempfail|unscannable|reject'),
    ('action', True, r'queue|queue-failed|reject|tempfail|quarantine|drop'),
    ('exit', True, r'\d+'),
    ('unchecked', False, None),
    ('msgid', True, None),
    ('subject', True, None),
    ('attach', True, r'<>|[^,]+:\d+(?:,[^,]+:\d+)*(?:,\+\d+)?'),
    ('engines', True, r'<>|[a-z]+:(?:clean|virus|unchecked|error|failed):'
     + NUM + r'(?:,[a-z]+:(?:clean|virus|unchecked|error|failed):' + NUM
     + r')*'),
    ('viruses', False, r'[a-z]+:[^,]+(?:,[a-z]+:[^,]+)*(?:,\+\d+)?'),
    ('policy', True, r'<>|[a-z]+@\d+(?::[^,]+)?(?:,[a-z]+@\d+(?::[^,]+)?)*'
     r'(?:,\+\d+)?'),
    ('policy_mode', False, r'monitor_only'),
    ('spam', False, r'yes|no|unknown|skipped:[a-z-]+'),
    ('score', False, '-?' + NUM + '/-?' + NUM),
    ('quarantine', False, r'[A-Za-z0-9][A-Za-z0-9._-]*'),
    ('archive', False, r'[A-Za-z0-9][A-Za-z0-9._-]*'),
    ('reason', True, None),
    ('rss_kb', True, r'-?\d+'),
    ('ms', True, ','.join(k + ':' + NUM for k in
     ('setup', 'spool', 'canary', 'unpack', 'av', 'queue', 'total'))),
]
TOOL_KEYS = [
    ('id', True, r'[A-Za-z0-9][A-Za-z0-9._-]*'),
    ('folder', True, r'[A-Za-z0-9._-]+'),
    ('action', True, r'[a-z-]+'),
    ('rcpt', False, None),
    ('qq_exit', False, r'\d+'),
    ('uid', True, r'-?\d+'),
]
LISTS = {'rcpt', 'attach', 'engines', 'viruses', 'policy'}


def unescape(v):
    if v == '<>':
        return ''
    raw = re.sub(rb'\\x([0-9a-f]{2})', lambda m: bytes([int(m.group(1), 16)]),
                 v.encode('ascii'))
    return raw.decode('utf-8', 'surrogateescape')


def parse_fields(tokens, spec):
    out = {}
    i = 0
    for key, required, pattern in spec:
        if i < len(tokens) and tokens[i].split('=', 1)[0] == key:
            value = tokens[i].split('=', 1)[1]
            i += 1
        elif required:
            raise ValueError('key %s missing at field %d' % (key, i + 1))
        else:
            continue
        if '=' in value or not TOKEN.match(value):
            raise ValueError('%s: value %r is not one token' % (key, value))
        if re.search(r'\\(?!x[0-9a-f]{2})', value):
            raise ValueError('%s: a bare backslash in %r' % (key, value))
        if pattern is not None and not re.fullmatch(pattern, value):
            raise ValueError('%s: %r is not %s' % (key, value, pattern))
        if key in LISTS and value != '<>':
            out[key] = [unescape(x) for x in value.split(',')]
        elif key in LISTS:
            out[key] = []
        else:
            out[key] = unescape(value)
    if i != len(tokens):
        raise ValueError('unknown or misplaced field %r' % tokens[i])
    return out


def parse_line(line):
    if not line.endswith('\n'):
        raise ValueError('no final newline')
    tokens = line[:-1].split(' ')
    if len(tokens) < 3 or not STAMP.match(tokens[0]) or \
            not re.fullmatch(r'pid=\d+', tokens[1]):
        raise ValueError('no stamp and pid')
    if tokens[2] == 'quarantine':
        rec = parse_fields(tokens[3:], TOOL_KEYS)
        rec['line'] = 'tool'
    else:
        rec = parse_fields(tokens[2:], MESSAGE_KEYS)
        rec['line'] = 'message'
    rec['stamp'] = tokens[0]
    rec['pid'] = int(tokens[1][4:])
    return rec


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ('check', 'json'):
        sys.exit(__doc__)
    bad = 0
    for path in sys.argv[2:]:
        with open(path, 'rb') as f:
            for n, raw in enumerate(f, 1):
                try:
                    rec = parse_line(raw.decode('ascii'))
                except (ValueError, UnicodeDecodeError) as e:
                    print('%s:%d: %s: %r' % (path, n, e, raw), file=sys.stderr)
                    bad += 1
                    continue
                if sys.argv[1] == 'json':
                    print(json.dumps(rec, ensure_ascii=True))
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    main()
