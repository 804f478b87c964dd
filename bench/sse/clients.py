#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""Idle Server-Sent Events clients for bench/sse.sh.

Opens `total` GET /api/notifications/stream connections spread over several
loopback source addresses and over the given session cookies, waits until
every one has its first comment, holds them idle for `idle` seconds, then
runs `commit_cmd` (a psql that inserts one notification per user and
commits) and waits until every connection has received an event.

Prints the server's threads and RSS with the streams connected and idle,
and the time from starting the commit to the last client's event.  The
clock starts before the commit's process is spawned, so the figure is an
upper bound (it includes starting psql)."""
import selectors
import socket
import subprocess
import sys
import time

port, total, idle = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
server_pid = int(sys.argv[4])
sources = sys.argv[5].split(",")
cookies = sys.argv[6].split(",")
commit_cmd = sys.argv[7]


def proc_status(key):
    with open(f"/proc/{server_pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return -1


sel = selectors.DefaultSelector()
state = {}  # socket -> [buffer, connected, got_event_at]
for i in range(total):
    s = socket.socket()
    s.bind((sources[i % len(sources)], 0))
    s.connect(("127.0.0.1", port))
    req = ("GET /api/notifications/stream HTTP/1.1\r\nHost: bench\r\n"
           f"Cookie: wl_session={cookies[i % len(cookies)]}\r\n"
           "Accept: text/event-stream\r\n\r\n").encode()
    s.sendall(req)
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ)
    state[s] = [b"", False, None]


def pump(deadline, done):
    while not done() and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.05):
            s = key.fileobj
            data = s.recv(65536)
            if not data:
                sys.exit(f"a stream ended early: {state[s][0][:300]!r}")
            st = state[s]
            st[0] += data
            if not st[1] and b": connected" in st[0]:
                st[1] = True
            if st[1] and st[2] is None and b"event: notification" in st[0]:
                st[2] = time.monotonic()
    return done()


t_open = time.monotonic()
if not pump(time.monotonic() + 60, lambda: all(st[1] for st in state.values())):
    sys.exit("not every stream was answered within 60 s")
print(f"   {total} streams open in {time.monotonic() - t_open:.2f} s")
time.sleep(idle)  # idle: the server holds them without a thread each
# Heartbeats arrived meanwhile; read them so the next round starts clean.
pump(time.monotonic() + 0.5, lambda: False)
print(f"   idle for {idle:.0f} s: wl-server has {proc_status('Threads')} threads,"
      f" RSS {proc_status('VmRSS')} KiB")

t0 = time.monotonic()
subprocess.run(commit_cmd, shell=True, check=True, stdout=subprocess.DEVNULL)
t_committed = time.monotonic()
if not pump(time.monotonic() + 30, lambda: all(st[2] for st in state.values())):
    missing = sum(1 for st in state.values() if st[2] is None)
    sys.exit(f"{missing} streams got no event within 30 s")
last = max(st[2] for st in state.values())
first = min(st[2] for st in state.values())
print(f"   commit (psql started -> returned): {(t_committed - t0) * 1000:.1f} ms")
print(f"   first client's event {(first - t0) * 1000:.1f} ms, the {total}th"
      f" {(last - t0) * 1000:.1f} ms after the commit started (target < 1000)")
print(f"   after the event: RSS {proc_status('VmRSS')} KiB, peak {proc_status('VmHWM')} KiB"
      f" (target < 65536)")
for s in state:
    s.close()
