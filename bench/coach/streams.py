#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""N concurrent streamed replies, timed: time to first token (from the
request sent to the first text piece) and tokens per second (pieces after
the first over the time they took), per stream; prints p50/p95/max of the
first and min/p50 of the second, and the pieces counted.  When the
loopback stamps its pieces (its "stamp" action: each piece is the time it
was sent), also each token's latency from the provider's send to this
reader, p50/p99/max over every token of every stream.

  streams.py coach PORT N COOKIE CSRF CONV_IDS   wl-server's coach SSE route
  streams.py direct PORT N KEY                   the loopback Messages API itself

Every request is bounded (60 s socket timeout); the run ends by itself."""
import http.client
import json
import os
import statistics
import sys
import threading
import time


def read_events(resp):
    """Yields (event name, data) from an SSE response."""
    name, data = None, []
    while True:
        line = resp.readline()
        if not line:
            return
        line = line.decode('utf-8').rstrip('\r\n')
        if not line:
            if data:
                yield name, '\n'.join(data)
            name, data = None, []
        elif line.startswith('event:'):
            name = line[6:].strip()
        elif line.startswith('data:'):
            data.append(line[5:].lstrip(' '))


def one(port, method, path, headers, body, is_piece, out):
    try:
        timed(port, method, path, headers, body, is_piece, out)
    except (OSError, http.client.HTTPException) as e:
        out.append(('error', type(e).__name__, str(e).encode()))


def timed(port, method, path, headers, body, is_piece, out):
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=60)
    t0 = time.perf_counter()
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    if resp.status != 200:
        out.append(('error', resp.status, resp.read()[:200]))
        return
    times, lat = [], []
    for name, data in read_events(resp):
        if is_piece(name, data):
            times.append(time.perf_counter())
            lat.extend(stamp_latencies(name, data))
    conn.close()
    if not times:
        out.append(('error', 'no pieces', b''))
        return
    rate = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0
    out.append(('ok', (times[0] - t0) * 1000.0, rate, len(times), lat))


def stamp_latencies(name, data):
    """The ms since each "t<seconds>" stamp in the piece's text (a piece may
    carry several when a relay joins them)."""
    now = time.time()
    doc = json.loads(data)
    text = doc.get('text') if name == 'delta' else doc.get('delta', {}).get('text')
    out = []
    for word in (text or '').split():
        if word.startswith('t'):
            try:
                out.append((now - float(word[1:])) * 1000.0)
            except ValueError:
                pass
    return out


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100.0 * (len(values) - 1))))]


def main():
    mode, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    jobs = []
    if mode == 'coach':
        cookie, csrf, convs = sys.argv[4], sys.argv[5], sys.argv[6].split(',')
        headers = {'Content-Type': 'application/json', 'Accept': 'text/event-stream',
                   'Cookie': 'wl_session=' + cookie, 'X-CSRF-Token': csrf}
        body = json.dumps({'message': 'What should we do this week?'})
        for i in range(n):
            jobs.append(('POST', '/api/coach/conversations/%s/messages' % convs[i], headers,
                         body, lambda name, data: name == 'delta'))
    else:
        key = sys.argv[4]
        headers = {'Content-Type': 'application/json', 'x-api-key': key,
                   'anthropic-version': '2023-06-01'}
        body = json.dumps({'model': 'bench', 'max_tokens': 1000, 'stream': True,
                           'messages': [{'role': 'user', 'content': 'What this week?'}]})
        for _ in range(n):
            jobs.append(('POST', '/v1/messages', headers, body,
                         lambda name, data: name == 'content_block_delta'))
    out = []
    threads = [threading.Thread(target=one, args=(port,) + j + (out,)) for j in jobs]
    # STAGGER_MS (environment): start the streams that far apart, as users
    # arriving one after another would, instead of all in the same instant.
    stagger = float(os.environ.get('STAGGER_MS', '0')) / 1000.0
    start = time.perf_counter()
    for t in threads:
        t.start()
        if stagger:
            time.sleep(stagger)
    for t in threads:
        t.join(120)
    wall = time.perf_counter() - start
    errors = [o for o in out if o[0] != 'ok']
    ok = [o for o in out if o[0] == 'ok']
    if errors or len(ok) != n:
        print('errors: %d of %d: %s' % (len(errors) + n - len(out), n, errors[:3]))
        sys.exit(1)
    ttft = [o[1] for o in ok]
    rates = [o[2] for o in ok]
    pieces = sum(o[3] for o in ok)
    lat = [x for o in ok for x in o[4]]
    print('%-6s n=%-3d ttft ms p50 %7.1f p95 %7.1f max %7.1f | tokens/s per stream min %7.1f'
          ' p50 %7.1f | %d tokens in %.2f s (%.0f/s in all)'
          % (mode, n, statistics.median(ttft), pct(ttft, 95), max(ttft), min(rates),
             statistics.median(rates), pieces, wall, pieces / wall))
    if lat:
        print('%-6s n=%-3d token latency from the provider\'s send, ms: p50 %.2f p99 %.2f'
              ' max %.2f (%d tokens)' % (mode, n, statistics.median(lat), pct(lat, 99),
                                         max(lat), len(lat)))


if __name__ == '__main__':
    main()
