#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""wl-server over HTTPS (WL_TLS_CERT, WL_TLS_KEY; issue 20): certificates
made here with the openssl command, a client that trusts only them, and
every bad pairing refused at start with one JSON line naming the key.

Usage: test_tls.py SERVER (scripts/test's PostgreSQL in the environment)"""
import http.client
import json
import os
import queue
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest

SERVER = sys.argv[1]
del sys.argv[1]


def openssl(*args):
    subprocess.run(['openssl'] + list(args), check=True, capture_output=True)


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def base_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith('WL_') or k.startswith('WL_TEST_')}
    env.update(WL_ENV_FILE='/nonexistent/.env', WL_REDIS_URL='', WL_STATIC_DIR='',
               ASAN_OPTIONS=env.get('ASAN_OPTIONS', '') + ':detect_leaks=0',
               WL_DATABASE_URL='postgresql://wavelaunch_app:%s@127.0.0.1:%s/postgres'
               % (os.environ['WL_TEST_PG_APP_PASSWORD'], os.environ['WL_TEST_PG_PORT']))
    env.update(extra)
    return env


def json_lines(text):
    return [json.loads(l) for l in text.splitlines()
            if l.strip() and not l.startswith('libgcov profiling error')]


class Tls(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix='wl-tls-')
        d = lambda n: os.path.join(cls.dir, n)  # noqa: E731
        cls.cert, cls.key = d('cert.pem'), d('key.pem')
        openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
                '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
                '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', cls.key, '-out', cls.cert)
        cls.other_key = d('other.pem')
        openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256',
                '-out', cls.other_key)
        cls.locked_key = d('locked.pem')
        openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256',
                '-aes-256-cbc', '-pass', 'pass:secret', '-out', cls.locked_key)
        cls.text = d('notes.txt')
        with open(cls.text, 'w') as f:
            f.write('not a certificate\n')

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def spawn(self, **extra):
        """wl-server with its stderr lines read by a thread into a queue
        (select() on the pipe would miss lines Python already buffered)."""
        p = subprocess.Popen([SERVER], env=base_env(**extra), stderr=subprocess.PIPE, text=True,
                             cwd=tempfile.gettempdir())
        p.lines = queue.Queue()

        def pump():
            for raw in p.stderr:
                for line in json_lines(raw):
                    p.lines.put(line)
            p.lines.put(None)
        threading.Thread(target=pump, daemon=True).start()
        self.addCleanup(lambda: (p.poll() is None and p.terminate(), p.wait()))
        return p

    def wait_line(self, p, prefix, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = p.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            if line.get('msg', '').startswith(prefix):
                return line
        self.fail('no log line %r' % prefix)

    def start(self, **extra):
        port = free_port()
        p = self.spawn(WL_LISTEN='127.0.0.1:%d' % port, **extra)
        return port, self.wait_line(p, 'listening')

    def test_serves_https_to_a_client_that_trusts_the_certificate(self):
        port, line = self.start(WL_TLS_CERT=self.cert, WL_TLS_KEY=self.key)
        self.assertIs(line.get('tls'), True)
        ctx = ssl.create_default_context(cafile=self.cert)
        conn = http.client.HTTPSConnection('127.0.0.1', port, context=ctx, timeout=30)
        conn.request('GET', '/api/health')
        r = conn.getresponse()
        body = json.loads(r.read())
        self.assertEqual(r.status, 200)
        self.assertIn(body['status'], ('ok', 'degraded'))
        self.assertEqual(r.getheader('Strict-Transport-Security'), 'max-age=31536000')
        self.assertIn(conn.sock.version(), ('TLSv1.3', 'TLSv1.2'))
        conn.close()
        # A client that does not trust it gets no answer at all.
        strict = ssl.create_default_context()
        with self.assertRaises(ssl.SSLCertVerificationError):
            with socket.create_connection(('127.0.0.1', port), timeout=10) as s:
                strict.wrap_socket(s, server_hostname='127.0.0.1')
        # Plain HTTP on the TLS port is never answered as HTTP.
        with socket.create_connection(('127.0.0.1', port), timeout=10) as s:
            s.sendall(b'GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n')
            try:
                got = s.recv(4096)
            except (ConnectionResetError, socket.timeout):
                got = b''
            self.assertFalse(got.startswith(b'HTTP/1.1 200'), got)

    def test_sighup_swaps_in_a_renewed_certificate_and_keeps_it_on_a_bad_one(self):
        d = tempfile.mkdtemp(dir=self.dir)
        cert, key = os.path.join(d, 'cert.pem'), os.path.join(d, 'key.pem')
        shutil.copy(self.cert, cert)
        shutil.copy(self.key, key)
        port = free_port()
        p = self.spawn(WL_LISTEN='127.0.0.1:%d' % port, WL_TLS_CERT=cert, WL_TLS_KEY=key)
        self.wait_line(p, 'listening')

        def served():
            return ssl.DER_cert_to_PEM_cert(ssl.PEM_cert_to_DER_cert(
                ssl.get_server_certificate(('127.0.0.1', port), timeout=10)))

        def pem_of(path):
            with open(path) as f:
                return ssl.DER_cert_to_PEM_cert(ssl.PEM_cert_to_DER_cert(f.read()))
        self.assertEqual(served(), pem_of(self.cert))
        # Renewed: a new key and certificate at the same paths.
        openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
                '-nodes', '-days', '30', '-subj', '/CN=renewed', '-keyout', key, '-out', cert)
        p.send_signal(signal.SIGHUP)
        self.wait_line(p, 'SIGHUP: certificate reloaded')
        self.assertEqual(served(), pem_of(cert))
        renewed = served()
        # A broken renewal is refused and the server keeps the last good pair.
        with open(key, 'w') as f:
            f.write('oops\n')
        p.send_signal(signal.SIGHUP)
        line = self.wait_line(p, 'SIGHUP: configuration not reloaded')
        self.assertIn('WL_TLS_KEY', line['msg'])
        self.assertEqual(served(), renewed)

    def test_plain_http_without_the_keys_and_no_hsts(self):
        port, line = self.start()
        self.assertIs(line.get('tls'), False)
        conn = http.client.HTTPConnection('127.0.0.1', port, timeout=30)
        conn.request('GET', '/api/health')
        r = conn.getresponse()
        r.read()
        conn.close()
        self.assertEqual(r.status, 200)
        self.assertIsNone(r.getheader('Strict-Transport-Security'))

    def test_bad_pairs_stop_the_server_naming_the_key(self):
        cases = [
            ({'WL_TLS_CERT': self.cert}, 'WL_TLS_KEY: is required with WL_TLS_CERT'),
            ({'WL_TLS_KEY': self.key}, 'WL_TLS_CERT: is required with WL_TLS_KEY'),
            ({'WL_TLS_CERT': self.cert, 'WL_TLS_KEY': self.dir + '/missing.pem'},
             'WL_TLS_KEY: cannot read'),
            ({'WL_TLS_CERT': self.text, 'WL_TLS_KEY': self.key},
             'WL_TLS_CERT: holds no PEM certificate'),
            ({'WL_TLS_CERT': self.cert, 'WL_TLS_KEY': self.cert},
             'WL_TLS_KEY: holds no unencrypted PEM private key'),
            ({'WL_TLS_CERT': self.cert, 'WL_TLS_KEY': self.locked_key},
             'WL_TLS_KEY: holds no unencrypted PEM private key'),
            ({'WL_TLS_CERT': self.cert, 'WL_TLS_KEY': self.other_key},
             'WL_TLS_KEY: is not the private key of the certificate in WL_TLS_CERT'),
        ]
        for extra, want in cases:
            with self.subTest(want=want):
                p = subprocess.run([SERVER], env=base_env(WL_LISTEN='127.0.0.1:%d' % free_port(),
                                                          **extra),
                                   capture_output=True, text=True, timeout=60,
                                   cwd=tempfile.gettempdir())
                self.assertEqual(p.returncode, 78, p.stderr)
                errors = [l for l in json_lines(p.stderr) if l.get('level') == 'error']
                self.assertEqual(len(errors), 1, p.stderr)
                self.assertIn(want, errors[0]['msg'])
                self.assertNotIn('BEGIN', p.stderr, 'no key material in the log')


if __name__ == '__main__':
    unittest.main(verbosity=2)
