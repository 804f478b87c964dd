#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""The systemd side (issue 20): the units meson generates pass
`systemd-analyze verify` (with this build's programs in place of the
installed ones) and its offline security review; wl-server and wl-worker
speak the notification protocol: READY=1 once serving, WATCHDOG=1 as
WATCHDOG_USEC asks, STOPPING=1 on SIGTERM, on a NOTIFY_SOCKET this test
owns (a unix datagram socket).

Usage: test_systemd.py UNIT_DIR BINDIR SERVER WORKER MIGRATE"""
import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

UNIT_DIR, INSTALLED_BINDIR, SERVER, WORKER, MIGRATE = sys.argv[1:6]
del sys.argv[1:6]
HAVE_SYSTEMD = os.environ.get('WL_TEST_HAVE_SYSTEMD') == '1'
UNITS = ['wl-migrate.service', 'wl-server.service', 'wl-worker.service']
SOURCE_UNITS = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'packaging',
                            'systemd')
PROGRAMS = {'wl-server': SERVER, 'wl-worker': WORKER, 'wl-migrate': MIGRATE}


def units_with_build_programs(into):
    """Copies the generated units, the installed program paths replaced by
    this build's; returns their paths."""
    out = []
    for unit in UNITS:
        text = open(os.path.join(UNIT_DIR, unit)).read()
        for name, path in PROGRAMS.items():
            text = text.replace(os.path.join(INSTALLED_BINDIR, name), path)
        dst = os.path.join(into, unit)
        with open(dst, 'w') as f:
            f.write(text)
        out.append(dst)
    return out


@unittest.skipUnless(shutil.which('systemd-analyze'), 'systemd-analyze is not installed')
class Units(unittest.TestCase):
    def test_every_unit_verifies_without_a_warning(self):
        with tempfile.TemporaryDirectory() as d:
            paths = units_with_build_programs(d)
            p = subprocess.run(['systemd-analyze', 'verify', '--man=no'] + paths,
                               capture_output=True, text=True, timeout=120)
            self.assertEqual(p.returncode, 0, p.stderr)
            ours = [l for l in p.stderr.splitlines() if d in l or 'wl-' in l]
            self.assertEqual(ours, [], 'warnings (unknown keys, bad values) fail too')

    def test_a_misspelled_directive_is_caught(self):
        # The check above can fail: a typo is reported on stderr.
        with tempfile.TemporaryDirectory() as d:
            paths = units_with_build_programs(d)
            server = [p for p in paths if p.endswith('wl-server.service')][0]
            text = open(server).read().replace('NoNewPrivileges=', 'NoNewPrivilegs=')
            with open(server, 'w') as f:
                f.write(text)
            p = subprocess.run(['systemd-analyze', 'verify', '--man=no'] + paths,
                               capture_output=True, text=True, timeout=120)
            self.assertIn("Unknown key 'NoNewPrivilegs'", p.stderr)

    def test_units_carry_the_sandbox_and_substituted_paths(self):
        for unit in UNITS:
            text = open(os.path.join(UNIT_DIR, unit)).read()
            self.assertNotRegex(text, r'@[A-Z]+@', unit + ': a placeholder is left')
            if unit.endswith('.service'):
                for directive in ('NoNewPrivileges=yes', 'ProtectSystem=strict',
                                  'ProtectHome=yes', 'PrivateTmp=yes', 'CapabilityBoundingSet=\n',
                                  'EnvironmentFile=', 'User=wavelaunch'):
                    self.assertIn(directive, text, unit)
                self.assertRegex(text, r'ExecStart=%s/wl-' % re.escape(INSTALLED_BINDIR))
        for unit in ('wl-server.service', 'wl-worker.service'):
            text = open(os.path.join(UNIT_DIR, unit)).read()
            self.assertIn('Type=notify', text)
            self.assertIn('WatchdogSec=', text)
            self.assertIn('Requires=wl-migrate.service', text)
        self.assertIn('Type=oneshot', open(os.path.join(UNIT_DIR, 'wl-migrate.service')).read())

    def test_timer_free_the_worker_schedules_and_may_write_the_backups(self):
        # Every unit the package ships is verified above, and none is a
        # timer: backups are the worker's backup_database schedule.
        shipped = sorted(os.path.basename(p) for p in glob.glob(os.path.join(SOURCE_UNITS, 'wl-*')))
        self.assertEqual(shipped, sorted(UNITS))
        self.assertEqual(glob.glob(os.path.join(SOURCE_UNITS, '*.timer')), [])
        worker = open(os.path.join(UNIT_DIR, 'wl-worker.service')).read()
        self.assertRegex(worker, r'(?m)^ReadWritePaths=.*/backups/wavelaunch')
        server = open(os.path.join(UNIT_DIR, 'wl-server.service')).read()
        self.assertNotIn('backups', server, 'wl-server makes no backups: no write access')

    def test_offline_security_review_rates_the_apps_ok(self):
        with tempfile.TemporaryDirectory() as d:
            paths = units_with_build_programs(d)
            for unit in ('wl-server.service', 'wl-worker.service'):
                path = [p for p in paths if p.endswith(unit)][0]
                p = subprocess.run(['systemd-analyze', 'security', '--offline=yes', path],
                                   capture_output=True, text=True, timeout=120)
                m = re.search(r'Overall exposure level for %s: ([0-9.]+)' % re.escape(unit),
                              p.stdout + p.stderr)
                self.assertTrue(m, p.stdout + p.stderr)
                self.assertLessEqual(float(m.group(1)), 2.0, unit)


def base_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith('WL_') or k.startswith('WL_TEST_')}
    env['WL_ENV_FILE'] = '/nonexistent/.env'
    env['ASAN_OPTIONS'] = env.get('ASAN_OPTIONS', '') + ':detect_leaks=0'
    env.update(extra)
    return env


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


@unittest.skipUnless(HAVE_SYSTEMD, 'built without libsystemd')
@unittest.skipUnless(os.environ.get('WL_TEST_PG_PORT'), 'needs the private PostgreSQL (scripts/test)')
class Notify(unittest.TestCase):
    def notifications(self, prog):
        """Starts `prog` with NOTIFY_SOCKET and WATCHDOG_USEC; returns the
        messages in order until it exits after SIGTERM."""
        d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, d)
        path = os.path.join(d, 'notify')
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        self.addCleanup(sock.close)
        url = 'postgresql://wavelaunch_app:%s@127.0.0.1:%s/postgres' % (
            os.environ['WL_TEST_PG_APP_PASSWORD'], os.environ['WL_TEST_PG_PORT'])
        env = base_env(NOTIFY_SOCKET=path, WATCHDOG_USEC='300000', WL_DATABASE_URL=url,
                       WL_REDIS_URL='', WL_LISTEN='127.0.0.1:%d' % free_port(), WL_STATIC_DIR='')
        p = subprocess.Popen([prog], env=env, stderr=subprocess.DEVNULL,
                             cwd=tempfile.gettempdir())
        self.addCleanup(lambda: p.poll() is None and p.kill())
        got = []
        sock.settimeout(1)
        deadline = time.monotonic() + 60
        stopped = False
        while time.monotonic() < deadline:
            try:
                got.append(sock.recv(4096).decode())
            except socket.timeout:
                pass
            ready = any('READY=1' in m for m in got)
            watchdogs = sum('WATCHDOG=1' in m for m in got)
            if ready and watchdogs >= 2 and not stopped:
                p.send_signal(signal.SIGTERM)
                stopped = True
            if stopped and p.poll() is not None:
                break
        self.assertEqual(p.wait(timeout=60), 0)
        sock.settimeout(0.2)
        try:
            while True:
                got.append(sock.recv(4096).decode())
        except (socket.timeout, BlockingIOError):
            pass
        return got

    def check(self, prog):
        got = self.notifications(prog)
        ready = [i for i, m in enumerate(got) if 'READY=1' in m.split('\n')]
        stopping = [i for i, m in enumerate(got) if 'STOPPING=1' in m.split('\n')]
        self.assertTrue(ready, got)
        self.assertEqual(len(stopping), 1, got)
        self.assertLess(ready[0], stopping[0], got)
        self.assertGreaterEqual(sum('WATCHDOG=1' in m for m in got[:stopping[0]]), 2, got)

    def test_server_notifies(self):
        self.check(SERVER)

    def test_worker_notifies(self):
        self.check(WORKER)


if __name__ == '__main__':
    unittest.main(verbosity=2)
