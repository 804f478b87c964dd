#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""A loopback Sentry ingestion endpoint for the error reporter's tests: it
speaks the envelope protocol (POST /api/PROJECT/envelope/ with
X-Sentry-Auth), parses every envelope strictly (header line, item header
with the payload's length, the event) and keeps what it received.

GET /_received: the envelopes so far, as JSON ({"path", "auth",
"content_type", "header", "item", "event"} each, or {"error"} for one that
did not parse).  POST /_answer?status=429&retry_after=60&count=N: the next N
envelopes get that answer instead of 200.

Prints its port on the first line of standard output; ends when standard
input closes (when the test that started it ends)."""
import json
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

received = []
answers = []
lock = threading.Lock()


def parse(body):
    lines = body.split(b'\n')
    header = json.loads(lines[0])
    item = json.loads(lines[1])
    payload = b'\n'.join(lines[2:])
    if payload.endswith(b'\n'):
        payload = payload[:-1]
    if item.get('type') != 'event' or item.get('length') != len(payload):
        raise ValueError('item header %r does not describe a payload of %d bytes'
                         % (item, len(payload)))
    return header, item, json.loads(payload)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body=b'{}', headers=()):
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path != '/_received':
            return self.reply(404)
        with lock:
            self.reply(200, json.dumps(received).encode())

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', '0')))
        url = urllib.parse.urlparse(self.path)
        if url.path == '/_answer':
            q = dict(urllib.parse.parse_qsl(url.query))
            with lock:
                for _ in range(int(q.get('count', '1'))):
                    answers.append((int(q['status']), q.get('retry_after')))
            return self.reply(200)
        entry = {'path': url.path, 'auth': self.headers.get('X-Sentry-Auth'),
                 'content_type': self.headers.get('Content-Type')}
        try:
            entry['header'], entry['item'], entry['event'] = parse(body)
        except (ValueError, IndexError) as e:
            entry['error'] = str(e)
        with lock:
            received.append(entry)
            status, retry = answers.pop(0) if answers else (200, None)
        headers = [('Retry-After', retry)] if retry else []
        event_id = entry.get('header', {}).get('event_id', '')
        self.reply(status, json.dumps({'id': event_id}).encode(), headers)


def main():
    server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    print(server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()
    server.shutdown()


if __name__ == '__main__':
    main()
