#!/usr/bin/env python3
"""Extract the decrypted Transaction (Mode Config / XAUTH) messages from a
charon log written with `enc = 4` (README.md in this folder says how).

charon logs the plaintext of every encrypted IKEv1 message as a hex dump
("plain => N bytes"): for a message it parsed, the dump comes before the
"parsed TRANSACTION ..." line (and includes the CBC padding); for one it
generated, after "generating TRANSACTION ..." (without padding). Dumps and
summaries are matched by charon's thread number.

Usage: extract-transactions.py CHARON_LOG > FILE
Output: per message a comment line with charon's summary, then one line
    NAME SENDER HEX
where NAME is a label (xauth-request, modecfg-reply, ...), SENDER is
"charon" or "peer", and HEX is the payload chain after the ISAKMP header,
starting with the HASH payload (next payload of the header = 8).
"""
import re
import sys

LINE = re.compile(r'^\S+ (\d+)\[(\w+)\] (?:<[^>]*> )?(.*)$')
DUMP = re.compile(r'^\s*\d+: ((?:[0-9A-F]{2} )+)')

def label(summary):
    m = re.search(r'\[ HASH (CP\w+)\((.*?)\) \]', summary)
    if not m:
        return None
    kind = {'CPRQ': 'request', 'CPRP': 'reply', 'CPS': 'set', 'CPA': 'ack'}[m.group(1)]
    attrs = m.group(2).split()
    topic = 'xauth' if attrs and all(a.startswith('X_') for a in attrs) else 'modecfg'
    return f'{topic}-{kind}'

def main(path):
    lines = open(path, errors='replace').read().splitlines()
    last_plain = {}      # thread -> hex of the last "plain =>" dump
    pending = {}         # thread -> (name, summary) waiting for its plain dump
    out = []
    i = 0
    while i < len(lines):
        m = LINE.match(lines[i])
        i += 1
        if not m:
            continue
        thread, text = m.group(1), m.group(3)
        if text.startswith('plain =>'):
            hexbytes = []
            while i < len(lines):
                d = LINE.match(lines[i])
                dm = DUMP.match(d.group(3)) if d else None
                if not dm:
                    break
                hexbytes.append(dm.group(1).replace(' ', '').lower())
                i += 1
            dump = ''.join(hexbytes)
            if thread in pending:
                name, summary = pending.pop(thread)
                out.append((name, 'charon', summary, dump))
            else:
                last_plain[thread] = dump
        elif text.startswith('parsed TRANSACTION'):
            name = label(text)
            if name and thread in last_plain:
                out.append((name, 'peer', text, last_plain.pop(thread)))
        elif text.startswith('generating TRANSACTION'):
            name = label(text)
            if name:
                pending[thread] = (name, text)
    for name, sender, summary, dump in out:
        print(f'# {summary}')
        print(f'{name} {sender} {dump}')

if __name__ == '__main__':
    main(sys.argv[1])
