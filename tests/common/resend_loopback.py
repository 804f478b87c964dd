#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""A loopback stand-in for Resend's HTTP API, for the tests.

POST /emails speaks Resend's protocol: a JSON body (from, to, subject, html
and/or text, headers), "Authorization: Bearer <key>" (401 without), and an
Idempotency-Key, which this server requires (400 without) so the tests
prove every request carries one.  A repeated key with the same body gets
the first answer and sends nothing; with another body, 409
invalid_idempotent_request; while the first is still being answered, 409
concurrent_idempotent_requests (as Resend does).

Each API key has its own state, so tests running in parallel share one
server: the emails it accepted (GET /_test/emails) and a plan of what to do
with the next requests (POST /_test/plan {"actions": [...]}), each action
{"status": 503} (answer that, send nothing) or {"delay_ms": 3000} (accept,
then answer that late: a client killed meanwhile has sent the email).
"""
import argparse
import base64
import binascii
import hashlib
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {}


def state_for(key):
    return STATE.setdefault(key, {'plan': [], 'emails': [], 'idem': {}})


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, doc):
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def error(self, status, name, message):
        self.reply(status, {'statusCode': status, 'name': name, 'message': message})

    def key(self):
        auth = self.headers.get('Authorization', '')
        return auth[7:] if auth.startswith('Bearer ') and len(auth) > 7 else None

    def body(self):
        return self.rfile.read(int(self.headers.get('Content-Length', '0')))

    def do_GET(self):
        key = self.key()
        if self.path != '/_test/emails' or not key:
            return self.error(404, 'not_found', 'no such route')
        with LOCK:
            emails = list(state_for(key)['emails'])
        self.reply(200, {'data': emails})

    def do_POST(self):
        raw = self.body()
        key = self.key()
        if not key:
            return self.error(401, 'missing_api_key', 'Missing API key in the authorization header')
        if self.path == '/_test/plan':
            with LOCK:
                state_for(key)['plan'].extend(json.loads(raw)['actions'])
            return self.reply(200, {'ok': True})
        if self.path != '/emails':
            return self.error(404, 'not_found', 'no such route')
        idem = self.headers.get('Idempotency-Key')
        if not idem:
            return self.error(400, 'missing_idempotency_key', 'the tests want an Idempotency-Key')
        try:
            doc = json.loads(raw)
            assert isinstance(doc['to'], list) and doc['from'] and doc['subject']
            assert doc.get('html') or doc.get('text')
            # Resend's attachments: a filename and base64 content (or a
            # path), at most 40 MB of base64 in all.
            total = 0
            for a in doc.get('attachments', []):
                assert isinstance(a['filename'], str) and a['filename']
                base64.b64decode(a['content'], validate=True)
                total += len(a['content'])
            assert total <= 40 * 1000 * 1000
        except (ValueError, KeyError, AssertionError, TypeError, binascii.Error):
            return self.error(422, 'validation_error', 'from, to, subject and a body are required')
        digest = hashlib.sha256(raw).hexdigest()
        with LOCK:
            st = state_for(key)
            seen = st['idem'].get(idem)
            if seen and seen['digest'] != digest:
                return self.error(409, 'invalid_idempotent_request', 'the key was used with another body')
            if seen and not seen['done']:
                return self.error(409, 'concurrent_idempotent_requests', 'the key is in flight')
            if seen:
                return self.reply(200, {'id': seen['id']})
            action = st['plan'].pop(0) if st['plan'] else {}
            if 'status' in action:
                return self.error(action['status'], 'planned_failure', 'failing on demand')
            entry = {'digest': digest, 'id': str(uuid.uuid4()), 'done': False}
            st['idem'][idem] = entry
            st['emails'].append({'id': entry['id'], 'idempotency_key': idem,
                                 'user_agent': self.headers.get('User-Agent'), 'body': doc})
        time.sleep(action.get('delay_ms', 0) / 1000)
        with LOCK:
            entry['done'] = True
        self.reply(200, {'id': entry['id']})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--port', type=int, required=True)
    args = ap.parse_args()
    server = ThreadingHTTPServer(('127.0.0.1', args.port), Handler)
    server.daemon_threads = True
    print('ready', flush=True)
    server.serve_forever()


if __name__ == '__main__':
    main()
