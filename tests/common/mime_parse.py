#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""Parses an RFC 5322 message file with Python's email package (an
independent MIME implementation) and prints what the tests check, as JSON:
the headers decoded (RFC 2047), the content type and boundary, each part's
type, charset, transfer encoding and decoded text (bytes: none), its
disposition, file name (RFC 2231 and 2047 decoded) and the SHA-256, size
and base64 of its decoded bytes, the parser's defects,
and facts about the raw bytes (CRLF line ends, longest line)."""
import base64
import hashlib
import json
import sys
from email import policy
from email.parser import BytesParser


def main():
    raw = open(sys.argv[1], 'rb').read()
    lines = raw.split(b'\r\n')
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    headers = {}
    for name, value in msg.items():
        headers.setdefault(name.lower(), []).append(str(value))
    parts = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        raw_bytes = part.get_payload(decode=True) or b''
        content = part.get_content()
        parts.append({'type': part.get_content_type(), 'charset': part.get_content_charset(),
                      'encoding': part.get('Content-Transfer-Encoding'),
                      'text': content if isinstance(content, str) else None,
                      'disposition': part.get_content_disposition(),
                      'filename': part.get_filename(),
                      'name_param': part.get_param('name'),
                      'sha256': hashlib.sha256(raw_bytes).hexdigest(),
                      'size': len(raw_bytes),
                      'base64': base64.b64encode(raw_bytes).decode()})
    defects = [type(d).__name__ for d in msg.defects]
    for part in msg.walk():
        defects += [type(d).__name__ for d in part.defects]
    out = {'headers': headers, 'content_type': msg.get_content_type(),
           'boundary': msg.get_boundary(), 'parts': parts, 'defects': defects,
           'bare_lf': any(b'\n' in line for line in lines),
           'ends_crlf': raw.endswith(b'\r\n'),
           'longest_line': max(len(line) for line in lines),
           # A List-Unsubscribe URL (its signed token) cannot be folded: the
           # other lines keep to RFC 5322's 78 columns.
           'longest_line_but_links': max(len(line) for line in lines
                                         if not line.startswith(b'List-Unsubscribe: <'))}
    json.dump(out, sys.stdout)


if __name__ == '__main__':
    main()
