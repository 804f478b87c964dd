#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""Hostile slow clients for bench/slow.sh: N connections spread over
several loopback source addresses, each either trickling header bytes
(slowloris) or sending the headers of a 1 MiB body and then a byte now and
then.  Comes back a second after the server closes one, for `seconds`, and prints how
many connections were open at the end and how many the server refused or
cut."""
import random
import selectors
import socket
import sys
import time

port, total, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
sources = sys.argv[4].split(",")

HEAD_TRICKLE = b"GET /api/health HTTP/1.1\r\nHost: x\r\nX-Pad: "
BODY_HOLD = (b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
             b"Content-Length: 1048576\r\n\r\n{")

sel = selectors.DefaultSelector()
conns = {}
retry = []  # (when, index): a cut client comes back a second later
stats = {"opened": 0, "refused": 0, "cut": 0}


def open_one(i):
    src = sources[i % len(sources)]
    s = socket.socket()
    s.setblocking(False)
    try:
        s.bind((src, 0))
        s.connect_ex(("127.0.0.1", port))
    except OSError:
        stats["refused"] += 1
        s.close()
        return
    kind = i % 2
    conns[s] = [kind, time.monotonic(), 0]
    sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE, i)
    stats["opened"] += 1


for i in range(total):
    open_one(i)
end = time.monotonic() + seconds
while time.monotonic() < end:
    for key, ev in sel.select(timeout=0.5):
        s = key.fileobj
        st = conns.get(s)
        if st is None:
            continue
        if ev & selectors.EVENT_READ:
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if not data:
                stats["cut"] += 1
                sel.unregister(s)
                s.close()
                del conns[s]
                retry.append((time.monotonic() + 1.0, key.data))
                continue
        if ev & selectors.EVENT_WRITE and st[2] == 0:
            try:
                s.send(HEAD_TRICKLE if st[0] == 0 else BODY_HOLD)
                st[2] = 1
            except OSError:
                pass
            sel.modify(s, selectors.EVENT_READ, key.data)
    now = time.monotonic()
    due = [r for r in retry if r[0] <= now]
    retry = [r for r in retry if r[0] > now]
    for _, i in due:
        open_one(i)
    for s, st in list(conns.items()):
        if st[2] and now - st[1] > 5:  # a byte every 5 s
            st[1] = now
            try:
                s.send(b"a")
            except OSError:
                pass
print(f"open {len(conns)} opened {stats['opened']} cut {stats['cut']} refused {stats['refused']}")
