#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""POST /api/auth/password/forgot for an address with an account and for
addresses without one, interleaved in random order on one keep-alive
connection, and the two distributions of response times side by side.

   forgot_timing.py PORT KNOWN_EMAIL N

Prints percentiles of each, and the probability that a request for the
known address took longer than one for an unknown address (the area under
the ROC curve of a timing attacker who guesses "known" when slower):
0.5 means the timings say nothing."""
import http.client
import json
import random
import sys
import time


def main():
    port, known, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    conn = http.client.HTTPConnection('127.0.0.1', port)
    plan = ['known'] * n + ['unknown'] * n
    random.seed(7)
    random.shuffle(plan)
    times = {'known': [], 'unknown': []}
    bodies = set()
    for i, kind in enumerate(plan):
        email = known if kind == 'known' else 'nobody-%d@example.com' % i
        body = json.dumps({'email': email})
        t0 = time.perf_counter_ns()
        conn.request('POST', '/api/auth/password/forgot', body,
                     {'Content-Type': 'application/json'})
        r = conn.getresponse()
        data = r.read()
        t1 = time.perf_counter_ns()
        if r.status != 202:
            sys.exit('status %d: %s' % (r.status, data))
        bodies.add(data)
        times[kind].append((t1 - t0) / 1000.0)
    if len(bodies) != 1:
        sys.exit('the answers differ: %r' % bodies)
    print('%-8s %6s %8s %8s %8s %8s %8s %8s' % ('address', 'n', 'p10', 'p25', 'p50', 'p75',
                                               'p90', 'p99'))
    for kind in ('known', 'unknown'):
        v = sorted(times[kind])
        q = [v[min(len(v) - 1, int(p * len(v)))] for p in (.10, .25, .50, .75, .90, .99)]
        print('%-8s %6d %s  (µs)' % (kind, len(v), ' '.join('%8.0f' % x for x in q)))
    # P(known > unknown) by ranks (Mann-Whitney U / (n1 n2)).
    merged = sorted([(t, 0) for t in times['known']] + [(t, 1) for t in times['unknown']])
    rank_sum, i = 0.0, 0
    while i < len(merged):
        j = i
        while j < len(merged) and merged[j][0] == merged[i][0]:
            j += 1
        avg = (i + j + 1) / 2.0
        rank_sum += avg * sum(1 for k in range(i, j) if merged[k][1] == 0)
        i = j

    n1, n2 = len(times['known']), len(times['unknown'])
    auc = (rank_sum - n1 * (n1 + 1) / 2.0) / (n1 * n2)
    print('P(known slower than unknown) = %.3f  (0.5: indistinguishable)' % auc)


if __name__ == '__main__':
    main()
