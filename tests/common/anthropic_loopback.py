#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""A loopback stand-in for Anthropic's Messages API, for the tests and the
coach benchmark.

POST /v1/messages speaks the API's protocol: "x-api-key" (401
authentication_error without), "anthropic-version: 2023-06-01" (400
invalid_request_error otherwise), a JSON body with model, max_tokens and a
non-empty messages array (400 otherwise); the answer carries a
"request-id" header.  Without "stream": true the answer is a message
object; with it, Server-Sent Events as the API sends them: message_start
(usage with the input counts and output_tokens 1), content_block_start,
a ping, content_block_delta per piece of text, content_block_stop,
message_delta (stop_reason and the cumulative usage), message_stop.

Each API key has its own state, so tests running in parallel share one
server: the requests it received (GET /_test/requests: headers that matter
and the JSON body) and a plan of what to do with the next requests
(POST /_test/plan {"actions": [...]}).  An action is an object:
  {"status": 429, "retry_after": "1", "retry_after_ms": "250",
   "should_retry": "false"}        an error answer with those headers
  {"reply": "text", "usage": {...}} the reply and its usage (input_tokens,
                                    output_tokens, cache_creation_input_tokens,
                                    cache_read_input_tokens)
  "pieces": n                       the text in n deltas (default: words)
  "utf16_pieces": n                 the text in deltas of n UTF-16 code units,
                                    written with JSON escapes: a character past
                                    U+FFFF can be cut between two deltas, as
                                    JSON allows (its surrogate halves)
  "delay_ms": d                     wait d ms before each delta
  "error_after": k                  a mid-stream error event after k deltas
  "malformed_after": k              an event whose data is not JSON after k
  "cut_after": k                    the connection closed after k deltas
  "close": true                     the connection closed before any answer
  "unknown_events": true            events of types the API may add later
Without a plan the reply echoes the last user message, usage from the
text's length.  --tokens-per-second N paces every stream (the benchmark);
"stamp": true makes each piece the wall-clock time it was sent ("t<seconds> "),
so a reader measures each token's latency from the provider's send.
"""
import argparse
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {}
COUNTER = [0]
PACE = [0.0]


def state_for(key):
    return STATE.setdefault(key, {'plan': [], 'requests': []})


def default_reply(body):
    last = body['messages'][-1]['content']
    if isinstance(last, list):
        last = ' '.join(b.get('text', '') for b in last if isinstance(b, dict))
    return 'Loopback reply to: ' + last[:200]


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, doc, extra=None):
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def error(self, status, kind, message, extra=None):
        self.reply(status, {'type': 'error', 'error': {'type': kind, 'message': message}}, extra)

    def do_GET(self):
        key = self.headers.get('x-api-key')
        if self.path != '/_test/requests' or not key:
            return self.error(404, 'not_found_error', 'no such route')
        with LOCK:
            reqs = list(state_for(key)['requests'])
        self.reply(200, {'data': reqs})

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get('Content-Length', '0')))
        key = self.headers.get('x-api-key')
        if not key:
            return self.error(401, 'authentication_error', 'x-api-key header is required')
        if self.path == '/_test/plan':
            with LOCK:
                state_for(key)['plan'].extend(json.loads(raw)['actions'])
            return self.reply(200, {'ok': True})
        if self.path != '/v1/messages':
            return self.error(404, 'not_found_error', 'no such route')
        try:
            body = json.loads(raw)
            assert isinstance(body['model'], str) and isinstance(body['max_tokens'], int)
            assert isinstance(body['messages'], list) and body['messages']
        except Exception:  # noqa: BLE001 - any malformed body is a 400
            return self.error(400, 'invalid_request_error', 'malformed request body')
        with LOCK:
            COUNTER[0] += 1
            rid = 'req_loop_%06d' % COUNTER[0]
            st = state_for(key)
            st['requests'].append({
                'request_id': rid,
                'anthropic_version': self.headers.get('anthropic-version'),
                'content_type': self.headers.get('content-type'),
                'body': body})
            action = st['plan'].pop(0) if st['plan'] else {}
        if self.headers.get('anthropic-version') != '2023-06-01':
            return self.error(400, 'invalid_request_error', 'anthropic-version must be 2023-06-01')
        if action.get('close'):
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if 'status' in action:
            extra = {'request-id': rid}
            for field, header in (('retry_after', 'retry-after'),
                                  ('retry_after_ms', 'retry-after-ms'),
                                  ('should_retry', 'x-should-retry')):
                if field in action:
                    extra[header] = action[field]
            kinds = {429: 'rate_limit_error', 529: 'overloaded_error', 500: 'api_error',
                     400: 'invalid_request_error', 401: 'authentication_error'}
            return self.error(action['status'], kinds.get(action['status'], 'api_error'),
                              'scripted %d' % action['status'], extra)
        text = action.get('reply', default_reply(body))
        usage = {'input_tokens': max(1, len(raw) // 4), 'output_tokens': max(1, len(text) // 4),
                 'cache_creation_input_tokens': 0, 'cache_read_input_tokens': 0}
        usage.update(action.get('usage', {}))
        if not body.get('stream'):
            return self.reply(200, {
                'id': 'msg_' + rid, 'type': 'message', 'role': 'assistant',
                'model': body['model'], 'content': [{'type': 'text', 'text': text}],
                'stop_reason': 'end_turn', 'stop_sequence': None, 'usage': usage},
                {'request-id': rid})
        self.stream(rid, body, text, usage, action)

    def event(self, name, doc):
        data = doc if isinstance(doc, str) else json.dumps(doc)
        self.wfile.write(('event: %s\ndata: %s\n\n' % (name, data)).encode())
        self.wfile.flush()

    def pieces(self, text, action):
        units = action.get('utf16_pieces')
        if units:
            raw = text.encode('utf-16-le')
            step = 2 * units
            return [raw[i:i + step].decode('utf-16-le', 'surrogatepass')
                    for i in range(0, len(raw), step)]
        n = action.get('pieces')
        if n:
            size = max(1, -(-len(text) // n))
            return [text[i:i + size] for i in range(0, len(text), size)]
        out, word = [], ''
        for ch in text:
            word += ch
            if ch == ' ':
                out.append(word)
                word = ''
        return out + ([word] if word else [])

    def stream(self, rid, body, text, usage, action):
        self.close_connection = True
        self.send_response(200)
        self.send_header('Content-Type', 'text/event-stream')
        self.send_header('Cache-Control', 'no-cache')
        self.send_header('Connection', 'close')
        self.send_header('request-id', rid)
        self.end_headers()
        start_usage = dict(usage, output_tokens=1)
        try:
            self.event('message_start', {'type': 'message_start', 'message': {
                'id': 'msg_' + rid, 'type': 'message', 'role': 'assistant', 'content': [],
                'model': body['model'], 'stop_reason': None, 'usage': start_usage}})
            self.event('content_block_start', {'type': 'content_block_start', 'index': 0,
                                               'content_block': {'type': 'text', 'text': ''}})
            self.event('ping', {'type': 'ping'})
            if action.get('unknown_events'):
                self.event('future_event', {'type': 'future_event', 'anything': [1, 2]})
            delay = action.get('delay_ms', 0) / 1000.0 or PACE[0]
            for k, piece in enumerate(self.pieces(text, action)):
                if k == action.get('error_after'):
                    return self.event('error', {'type': 'error', 'error': {
                        'type': 'overloaded_error', 'message': 'Overloaded'}})
                if k == action.get('malformed_after'):
                    return self.event('content_block_delta', '{"type": "content_block_delta", ')
                if k == action.get('cut_after'):
                    return
                if delay:
                    time.sleep(delay)
                if action.get('stamp'):  # the benchmark's per-token latency
                    piece = 't%.6f ' % time.time()
                self.event('content_block_delta', {
                    'type': 'content_block_delta', 'index': 0,
                    'delta': {'type': 'text_delta', 'text': piece},
                    'sent_at': time.time()})
            self.event('content_block_stop', {'type': 'content_block_stop', 'index': 0})
            self.event('message_delta', {'type': 'message_delta', 'delta': {
                'stop_reason': 'end_turn', 'stop_sequence': None},
                'usage': {'output_tokens': usage['output_tokens']}})
            self.event('message_stop', {'type': 'message_stop'})
        except (BrokenPipeError, ConnectionResetError):
            pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--port', type=int, required=True)
    ap.add_argument('--tokens-per-second', type=float, default=0)
    args = ap.parse_args()
    if args.tokens_per_second > 0:
        PACE[0] = 1.0 / args.tokens_per_second
    # A backlog for the benchmark's hundreds of concurrent streams (the
    # default of 5 drops connections, which then wait out a SYN retry).
    ThreadingHTTPServer.request_queue_size = 1024
    server = ThreadingHTTPServer(('127.0.0.1', args.port), Handler)
    server.daemon_threads = True
    print('ready', flush=True)
    server.serve_forever()


if __name__ == '__main__':
    main()
