#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""A private SMTP sink for the tests (Debian's python3-aiosmtpd).

Two listeners on loopback: --port speaks plain SMTP and offers STARTTLS,
--tls-port is TLS from the first byte (smtps).  Both offer AUTH PLAIN and
LOGIN and accept any user whose password is "pw-" followed by the user
name, so each test picks a user of its own and finds its messages in
DIR/<user>/ (DIR/anonymous/ without AUTH): one sink serves tests running
in parallel.  Each message is written as N.eml, the bytes received after
DATA, and N.json, its envelope (mail_from, rcpt_tos, tls).

Recipients at reject.test are refused with 550 and at later.test with
451, so a test can make the server refuse for good or for now.
Runs until SIGTERM.
"""
import argparse
import asyncio
import itertools
import json
import os
import re
import signal
import ssl
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, folder):
        self.folder = folder
        self.seq = itertools.count()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith('@reject.test'):
            return '550 5.1.1 no such mailbox here'
        if address.endswith('@later.test'):
            return '451 4.3.0 try again later'
        envelope.rcpt_tos.append(address)
        return '250 OK'

    async def handle_DATA(self, server, session, envelope):
        user = 'anonymous'
        if session.authenticated and isinstance(session.auth_data, LoginPassword):
            user = re.sub(r'[^A-Za-z0-9_.-]', '_', session.auth_data.login.decode())
        folder = os.path.join(self.folder, user)
        os.makedirs(folder, exist_ok=True)
        name = '%d-%d' % (time.time_ns(), next(self.seq))
        meta = {'mail_from': envelope.mail_from, 'rcpt_tos': envelope.rcpt_tos,
                'tls': session.ssl is not None}
        # The envelope first, then the message under its final name: a
        # reader that sees the .eml finds its .json.
        for ext, data in (('.json', json.dumps(meta).encode()),
                          ('.eml', envelope.original_content)):
            tmp = os.path.join(folder, '.' + name + ext)
            with open(tmp, 'wb') as f:
                f.write(data)
            os.rename(tmp, os.path.join(folder, name + ext))
        return '250 OK queued as ' + name


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.password == b'pw-' + auth_data.login
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dir', required=True)
    ap.add_argument('--port', type=int, required=True)
    ap.add_argument('--tls-port', type=int, required=True)
    ap.add_argument('--cert', required=True)
    ap.add_argument('--key', required=True)
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(args.cert, args.key)
    common = dict(hostname='127.0.0.1', authenticator=authenticator, auth_require_tls=False,
                  decode_data=False)
    plain = Controller(Sink(args.dir), port=args.port, tls_context=tls, **common)
    implicit = Controller(Sink(args.dir), port=args.tls_port, ssl_context=tls,
                          server_hostname='localhost', **common)
    plain.start()
    implicit.start()
    stop = asyncio.Event()
    loop = asyncio.new_event_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print('ready', flush=True)
    loop.run_until_complete(stop.wait())
    plain.stop()
    implicit.stop()


if __name__ == '__main__':
    main()
