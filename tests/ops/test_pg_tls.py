#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""PostgreSQL over TLS with sslmode=verify-full (issue 20): a private CA
and a server certificate made here with openssl, a PostgreSQL cluster of
this test's own that accepts TLS connections only (hostssl), wl-migrate up
and wl-server through it; a wrong CA and sslmode=disable are refused.

Usage: test_pg_tls.py SERVER MIGRATE (scripts/test's environment)"""
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

SERVER, MIGRATE = sys.argv[1:3]
del sys.argv[1:3]
AS_PG = os.environ.get('WL_TEST_PG_AS', '').split()
PG_BIN = os.environ.get('WL_TEST_PG_BIN', '')


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def openssl(*args):
    subprocess.run(['openssl'] + list(args), check=True, capture_output=True)


def as_pg(*args):
    r = subprocess.run(AS_PG + list(args), capture_output=True, text=True)
    if r.returncode:
        raise AssertionError('%s: %s %s' % (args[0], r.stdout, r.stderr))
    return r


def base_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith('WL_') or k.startswith('WL_TEST_')}
    env.update(WL_ENV_FILE='/nonexistent/.env', WL_REDIS_URL='', WL_STATIC_DIR='',
               ASAN_OPTIONS=env.get('ASAN_OPTIONS', '') + ':detect_leaks=0', WL_LOG_LEVEL='warn')
    env.update(extra)
    return env


@unittest.skipUnless(PG_BIN, 'needs scripts/test (WL_TEST_PG_BIN)')
class PostgresTls(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix='wl-pgtls-')
        os.chmod(cls.dir, 0o755)
        d = lambda n: os.path.join(cls.dir, n)  # noqa: E731
        cls.ca, cls.wrong_ca = d('ca.pem'), d('wrong-ca.pem')
        for cert, key in ((cls.ca, d('ca-key.pem')), (cls.wrong_ca, d('wrong-ca-key.pem'))):
            openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
                    '-nodes', '-days', '2', '-subj', '/CN=WavelaunchOS test CA',
                    '-addext', 'basicConstraints=critical,CA:TRUE',
                    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
                    '-keyout', key, '-out', cert)
        data = d('pg')
        tls = d('tls')
        os.mkdir(tls)
        cls.server_cert, cls.server_key = os.path.join(tls, 'server.pem'), os.path.join(tls, 'key.pem')
        openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
                '-subj', '/CN=127.0.0.1', '-keyout', cls.server_key, '-out', d('server.csr'))
        with open(d('ext.cnf'), 'w') as f:
            f.write('subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n')
        openssl('x509', '-req', '-in', d('server.csr'), '-CA', cls.ca, '-CAkey', d('ca-key.pem'),
                '-CAcreateserial', '-days', '2', '-extfile', d('ext.cnf'), '-out', cls.server_cert)
        os.chmod(cls.server_key, 0o600)
        cls.password = secrets.token_hex(12)
        with open(d('pw'), 'w') as f:
            f.write(cls.password + '\n')
        os.mkdir(data, 0o700)
        if AS_PG:
            for p in (tls, data, cls.server_key, cls.server_cert, d('pw')):
                shutil.chown(p, 'postgres', 'postgres')
        as_pg(os.path.join(PG_BIN, 'initdb'), '-D', data, '-U', 'postgres',
              '--pwfile', d('pw'), '--auth-local=scram-sha-256', '--auth-host=scram-sha-256',
              '-E', 'UTF8', '--locale=C.UTF-8')
        cls.port = free_port()
        conf = ("port = %d\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\n"
                "ssl = on\nssl_cert_file = '%s'\nssl_key_file = '%s'\nfsync = off\n"
                % (cls.port, data, cls.server_cert, cls.server_key))
        subprocess.run(AS_PG + ['tee', '-a', os.path.join(data, 'postgresql.conf')], input=conf,
                       text=True, check=True, capture_output=True)
        # TLS or nothing: a connection in the clear has no pg_hba line.
        subprocess.run(AS_PG + ['tee', os.path.join(data, 'pg_hba.conf')],
                       input='local all all scram-sha-256\n'
                             'hostssl all all 127.0.0.1/32 scram-sha-256\n',
                       text=True, check=True, capture_output=True)
        cls.data = data
        as_pg(os.path.join(PG_BIN, 'pg_ctl'), '-D', data, '-l', os.path.join(data, 'log'), '-w',
              '-t', '60', 'start')

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, 'data', None):
            subprocess.run(AS_PG + [os.path.join(PG_BIN, 'pg_ctl'), '-D', cls.data, '-m', 'fast',
                                    '-w', 'stop'], capture_output=True)
        shutil.rmtree(cls.dir, ignore_errors=True)

    def url(self, user, password, **params):
        q = '&'.join('%s=%s' % kv for kv in params.items())
        return 'postgresql://%s:%s@127.0.0.1:%d/postgres?%s' % (user, password, self.port, q)

    def migrate(self, *args, ca=None, mode='verify-full'):
        ca = ca or self.ca
        env = base_env(
            WL_MIGRATE_DATABASE_URL=self.url('postgres', self.password, sslmode=mode, sslrootcert=ca),
            WL_DATABASE_URL=self.url('wavelaunch_app', 'app-' + self.password, sslmode=mode,
                                     sslrootcert=ca))
        return subprocess.run([MIGRATE] + list(args), env=env, capture_output=True, text=True,
                              timeout=120, cwd=tempfile.gettempdir())

    def test_migrations_and_the_server_run_over_verified_tls(self):
        r = self.migrate('up')
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.migrate('status')
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = json.loads(r.stdout)
        rows = rows if isinstance(rows, list) else rows['migrations']
        self.assertTrue(rows and all(m['applied_at'] for m in rows), r.stdout)
        port = free_port()
        env = base_env(WL_LISTEN='127.0.0.1:%d' % port, WL_STORAGE_DIR=tempfile.mkdtemp(dir=self.dir),
                       WL_DATABASE_URL=self.url('wavelaunch_app', 'app-' + self.password,
                                                sslmode='verify-full', sslrootcert=self.ca))
        p = subprocess.Popen([SERVER], env=env, stderr=subprocess.DEVNULL,
                             cwd=tempfile.gettempdir())
        try:
            body = None
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and body is None:
                try:
                    with urllib.request.urlopen('http://127.0.0.1:%d/api/health' % port,
                                                timeout=5) as resp:
                        body = json.loads(resp.read())
                except OSError:
                    time.sleep(0.2)
            self.assertIsNotNone(body, 'wl-server did not answer')
            self.assertEqual(body['services']['database']['status'], 'ok', body)
        finally:
            p.terminate()
            p.wait()

    def test_a_certificate_from_another_ca_is_refused(self):
        r = self.migrate('status', ca=self.wrong_ca)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('certificate verify failed', r.stderr)

    def test_a_connection_in_the_clear_is_refused(self):
        r = self.migrate('status', mode='disable')
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('no encryption', r.stderr)


if __name__ == '__main__':
    unittest.main(verbosity=2)
