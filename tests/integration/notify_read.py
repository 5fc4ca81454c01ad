#!/usr/bin/env python3
"""tests: one notice read back from the Maildir (tests/integration/notify.sh).

notify_read.py MAILDIR-FILE CALLS-DIR prints key=value lines: the
headers that matter (Subject decoded), the envelope of the qmail-queue
call that carried these very bytes (CALLS-DIR/N.message, N.envelope,
written by tests/qq_standin.c), and checks: utf8, headers-ascii,
placeholders (how many %NAME% are left), then body= lines."""
import email.header
import os
import re
import sys

raw = open(sys.argv[1], 'rb').read()
envelope = None
for name in sorted(os.listdir(sys.argv[2])):
    if name.endswith('.message') and \
            open(os.path.join(sys.argv[2], name), 'rb').read() == raw:
        envelope = open(os.path.join(sys.argv[2],
                                     name[:-8] + '.envelope'), 'rb').read()
head, _, body = raw.partition(b'\n\n')
try:
    text = raw.decode('utf-8')
    print('utf8=yes')
except UnicodeDecodeError:
    print('utf8=no')
    text = raw.decode('utf-8', 'replace')
print('headers-ascii=%s' % ('yes' if all(b < 0x80 for b in head) else 'no'))
# Unfold, then one line per field.
fields = {}
for line in re.sub(rb'\n[ \t]', b' ', head).decode('ascii', 'replace').split('\n'):
    k, _, v = line.partition(':')
    fields.setdefault(k.strip().lower(), []).append(v.strip())
for k in ('date', 'from', 'to', 'message-id', 'mime-version', 'content-type',
          'content-transfer-encoding', 'auto-submitted', 'x-qscan-quarantine-id'):
    for v in fields.get(k, []):
        print('%s=%s' % (k, v))
for v in fields.get('subject', []):
    print('subject=%s' % str(email.header.make_header(email.header.decode_header(v))))
print('fields=%d' % sum(len(v) for v in fields.values()))
if envelope is None:
    print('envelope=none')
else:
    parts = envelope.split(b'\0')
    print('envelope-sender=<%s>' % parts[0][1:].decode('ascii', 'replace'))
    for p in parts[1:]:
        if p.startswith(b'T'):
            print('envelope-rcpt=%s' % p[1:].decode('ascii', 'replace'))
print('placeholders=%d' % len(re.findall(
    r'%(VERDICT|REASON|SUBJECT|ID|SENDER|RECIPIENTS|DATE|HOST)%', text)))
for line in body.decode('utf-8', 'replace').split('\n'):
    print('body=%s' % line)
