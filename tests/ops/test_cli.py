#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""The three programs as an operator meets them (issue 20): --help and
--version, wrong options, configuration errors and warnings as JSON log
lines, the taken port, PostgreSQL down at start and then up, SIGHUP and
SIGTERM.  Table-driven; real binaries, the private PostgreSQL of
scripts/test (reached through a TCP relay this test starts and stops).

Usage: test_cli.py SERVER WORKER MIGRATE"""
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'common'))
import promcheck  # noqa: E402
import testpg  # noqa: E402

SERVER, WORKER, MIGRATE = sys.argv[1:4]
del sys.argv[1:4]
VERSION = os.environ.get('WL_TEST_VERSION', '')
PROGRAMS = {'wl-server': SERVER, 'wl-worker': WORKER, 'wl-migrate': MIGRATE}


def base_env(**extra):
    """The environment without the caller's WL_* settings (the harness's
    WL_TEST_* stay), in an empty folder so no .env is read."""
    env = {k: v for k, v in os.environ.items() if not k.startswith('WL_') or k.startswith('WL_TEST_')}
    env['WL_ENV_FILE'] = '/nonexistent/.env'
    env['ASAN_OPTIONS'] = env.get('ASAN_OPTIONS', '') + ':detect_leaks=0'
    env.update(extra)
    return env


def run(prog, args, env=None, timeout=30):
    p = subprocess.run([PROGRAMS[prog]] + args, env=env or base_env(), capture_output=True,
                       text=True, timeout=timeout, cwd=tempfile.gettempdir())
    return p.returncode, p.stdout, p.stderr


def log_lines(stderr):
    """Every non-empty stderr line parsed as JSON (fails on plain text);
    coverage builds' libgcov notes are not the program's."""
    out = []
    for line in stderr.splitlines():
        if not line.strip() or line.startswith('libgcov profiling error'):
            continue
        out.append(json.loads(line))
    return out


# program, arguments, exit status, stream ('out' or 'err'), text it holds
CLI = [
    ('wl-server', ['--help'], 0, 'out', 'usage: wl-server'),
    ('wl-worker', ['--help'], 0, 'out', 'usage: wl-worker'),
    ('wl-migrate', ['--help'], 0, 'out', 'usage: wl-migrate COMMAND'),
    ('wl-migrate', ['-h'], 0, 'out', 'gen-secret'),
    ('wl-server', ['--version'], 0, 'out', 'wl-server '),
    ('wl-worker', ['--version'], 0, 'out', 'wl-worker '),
    ('wl-migrate', ['--version'], 0, 'out', 'wl-migrate '),
    ('wl-migrate', ['up', '--help'], 0, 'out', 'usage: wl-migrate up'),
    ('wl-migrate', ['status', '--help'], 0, 'out', 'usage: wl-migrate status'),
    ('wl-migrate', ['verify', '--help'], 0, 'out', 'usage: wl-migrate verify'),
    ('wl-migrate', ['bootstrap-admin', '--help'], 0, 'out', 'usage: wl-migrate bootstrap-admin'),
    ('wl-migrate', ['seed-demo', '--help'], 0, 'out', 'usage: wl-migrate seed-demo'),
    ('wl-migrate', ['gen-secret', '--help'], 0, 'out', 'usage: wl-migrate gen-secret'),
    ('wl-migrate', ['backup', '--help'], 0, 'out', 'usage: wl-migrate backup'),
    ('wl-server', ['--bogus'], 2, 'err', 'unknown option: --bogus'),
    ('wl-server', ['--routes', 'x'], 2, 'err', 'unexpected argument: x'),
    ('wl-worker', ['--bogus'], 2, 'err', 'usage: wl-worker'),
    ('wl-worker', ['run'], 2, 'err', 'unknown option: run'),
    ('wl-migrate', [], 2, 'err', 'a command is required'),
    ('wl-migrate', ['--bogus'], 2, 'err', 'unknown option: --bogus'),
    ('wl-migrate', ['frobnicate'], 2, 'err', 'unknown command: frobnicate'),
    ('wl-migrate', ['up', '--bogus'], 2, 'err', 'usage: wl-migrate up'),
    ('wl-migrate', ['up', '--email', 'a@b.c'], 2, 'err', 'unknown option: --email'),
    ('wl-migrate', ['bootstrap-admin'], 2, 'err', '--email is required'),
    ('wl-migrate', ['bootstrap-admin', '--email'], 2, 'err', 'option needs a value: --email'),
    ('wl-migrate', ['seed-demo'], 2, 'err', '--clients or --help-articles is required'),
    ('wl-migrate', ['seed-demo', '--clients', '0'], 2, 'err', 'from 1 to 100000: 0'),
    ('wl-migrate', ['seed-demo', '--clients', '100001'], 2, 'err', 'from 1 to 100000'),
    ('wl-migrate', ['seed-demo', '--clients', '-5'], 2, 'err', 'from 1 to 100000'),
    ('wl-migrate', ['seed-demo', '--clients', '12x'], 2, 'err', 'from 1 to 100000'),
    ('wl-migrate', ['gen-secret', 'extra'], 2, 'err', 'unexpected argument: extra'),
    ('wl-migrate', ['backup', 'extra'], 2, 'err', 'unexpected argument: extra'),
    ('wl-migrate', ['restore'], 2, 'err', 'FILE is required'),
    ('wl-migrate', ['restore', 'a', 'b'], 2, 'err', 'unexpected argument: b'),
    ('wl-migrate', ['restore', '--bogus'], 2, 'err', 'unknown option: --bogus'),
    ('wl-migrate', ['restore', '--help'], 0, 'out', 'usage: wl-migrate restore FILE'),
]

# key, value, text of the one error line (each program stops with 78)
BAD_CONFIG = [
    ('WL_DATABASE_URL', 'notaurl', 'WL_DATABASE_URL: the value is not a libpq connection string'),
    ('WL_HTTP_THREADS', 'lots', 'WL_HTTP_THREADS: "lots" is not a whole number; expected'),
    ('WL_WORKER_CONCURRENCY', 'ten', 'WL_WORKER_CONCURRENCY: "ten" is not a whole number'),
    ('WL_REDIS_URL', 'redis://cache:0/1', 'WL_REDIS_URL: the value has a port outside 1..65535'),
    ('WL_LOG_LEVEL', 'loud', 'WL_LOG_LEVEL: "loud" is not allowed; expected one of debug'),
    ('WL_LISTEN', '8080', 'WL_LISTEN: "8080" is not host:port'),
    ('WL_SECRET_KEY', 'not base64!', 'WL_SECRET_KEY: the value is not valid base64'),
    ('WL_SENTRY_DSN', 'https://sentry.test/1', 'WL_SENTRY_DSN: must be https://PUBLIC_KEY@HOST'),
]


class Cli(unittest.TestCase):
    def test_help_version_and_usage_errors(self):
        for prog, args, status, stream, text in CLI:
            with self.subTest(prog=prog, args=args):
                rc, out, err = run(prog, args)
                self.assertEqual(rc, status, err)
                where = out if stream == 'out' else err
                self.assertIn(text, where)
                if status == 0:
                    self.assertEqual(log_lines(err), [])
                else:
                    self.assertEqual(out, '', 'usage errors print nothing on stdout')

    def test_version_is_the_project_version(self):
        for prog in PROGRAMS:
            rc, out, _ = run(prog, ['--version'])
            self.assertEqual(rc, 0)
            self.assertEqual(out, '%s %s\n' % (prog, VERSION))

    def test_gen_secret_prints_a_fresh_valid_key(self):
        import base64
        keys = set()
        for _ in range(2):
            rc, out, err = run('wl-migrate', ['gen-secret'])
            self.assertEqual(rc, 0, err)
            self.assertEqual(len(base64.b64decode(out.strip(), validate=True)), 32)
            keys.add(out)
        self.assertEqual(len(keys), 2, 'two runs, two keys')

    def test_invalid_values_stop_every_program_with_one_json_line(self):
        for key, value, text in BAD_CONFIG:
            for prog, args in (('wl-server', []), ('wl-worker', []), ('wl-migrate', ['status'])):
                with self.subTest(prog=prog, key=key):
                    rc, out, err = run(prog, args, base_env(**{key: value}))
                    self.assertEqual(rc, 78, err)
                    lines = log_lines(err)
                    self.assertEqual(len(lines), 1, err)
                    self.assertEqual(lines[0]['level'], 'error')
                    self.assertEqual(lines[0]['key'], key)
                    self.assertEqual(lines[0]['program'], prog)
                    self.assertIn(text, lines[0]['msg'])
                    if key in ('WL_DATABASE_URL', 'WL_SECRET_KEY', 'WL_REDIS_URL'):
                        self.assertNotIn(value, lines[0]['msg'], 'a secret is repeated')

    def test_env_example_copied_to_dotenv_is_read(self):
        src = os.environ['WL_TEST_SOURCE_DIR']
        with tempfile.TemporaryDirectory() as d:
            text = slurp(os.path.join(src, '.env.example'))
            # The one change a developer makes: a port nothing listens on
            # here, so the program stops at the first PostgreSQL check.
            text = text.replace('127.0.0.1:5432', '127.0.0.1:1')
            write(os.path.join(d, '.env'), text)
            env = base_env()
            del env['WL_ENV_FILE']
            p = subprocess.Popen([WORKER], env=env, cwd=d, stderr=subprocess.PIPE, text=True)
            lines = read_until(p, lambda l: 'postgresql is unreachable' in l.get('msg', ''))
            p.send_signal(signal.SIGTERM)
            _, rest = p.communicate(timeout=20)
            self.assertEqual(p.returncode, 0, rest)
            self.assertFalse([l for l in lines if l['level'] == 'error'], lines)
            self.assertFalse([l for l in lines if 'unknown setting' in l['msg']], lines)


def read_until(p, pred, timeout=30):
    """JSON lines from p.stderr until pred(line) holds.  The pipe's bytes are
    read here (select, then os.read) and split into lines by hand: a
    buffered readline() takes lines ahead, and the next select() would not
    see them (two lines in one read then stalled the test until its
    timeout).  What is read past the line pred wanted waits for the next
    call."""
    lines = []
    buf = getattr(p, 'wl_pending', b'')
    fd = p.stderr.fileno()
    deadline = time.monotonic() + timeout
    while True:
        while b'\n' in buf:
            raw, buf = buf.split(b'\n', 1)
            text = raw.decode('utf-8', 'replace')
            if text.startswith('libgcov profiling error') or not text.strip():
                continue
            line = json.loads(text)
            lines.append(line)
            if pred(line):
                p.wl_pending = buf
                return lines
        if time.monotonic() >= deadline:
            break
        if not select.select([fd], [], [], 0.5)[0]:
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        buf += chunk
    p.wl_pending = buf
    raise AssertionError('not seen; lines so far: %r' % lines)


class Relay:
    """A TCP relay to the private PostgreSQL: stopped, its port is closed
    (PostgreSQL down); started, it forwards (PostgreSQL up)."""

    def __init__(self):
        # Bound but not listening: connections are refused (PostgreSQL
        # down), and the port stays ours, so free_port() cannot hand the
        # same number to the program under test (it once did: wl-server's
        # WL_LISTEN got the relay's port).
        self.listener = socket.socket()
        self.listener.bind(('127.0.0.1', 0))
        self.port = self.listener.getsockname()[1]

    def start(self):
        self.listener.listen(16)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                c, _ = self.listener.accept()
            except OSError:
                return
            up = socket.create_connection(('127.0.0.1', int(os.environ['WL_TEST_PG_PORT'])))
            for a, b in ((c, up), (up, c)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a, b):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def stop(self):
        if self.listener:
            self.listener.close()


def app_url(port):
    return 'postgresql://wavelaunch_app:%s@127.0.0.1:%d/postgres' % (
        os.environ['WL_TEST_PG_APP_PASSWORD'], port)


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


@unittest.skipUnless(os.environ.get('WL_TEST_PG_PORT'), 'needs the private PostgreSQL (scripts/test)')
class Service(unittest.TestCase):
    def test_postgresql_down_at_start_then_up(self):
        for prog in (SERVER, WORKER):
            with self.subTest(prog=os.path.basename(prog)):
                relay = Relay()
                env = base_env(WL_DATABASE_URL=app_url(relay.port), WL_REDIS_URL='',
                               WL_LISTEN='127.0.0.1:%d' % free_port(), WL_STATIC_DIR='',
                               WL_DATABSE_URL='typo')
                p = subprocess.Popen([prog], env=env, stderr=subprocess.PIPE, text=True,
                                     cwd=tempfile.gettempdir())
                try:
                    lines = read_until(p, lambda l: 'retrying in 2 s' in l.get('msg', ''))
                    msgs = [l['msg'] for l in lines]
                    self.assertIn('unknown setting WL_DATABSE_URL ignored; did you mean '
                                  'WL_DATABASE_URL?', msgs)
                    self.assertIn('redis is not configured', msgs)
                    self.assertIn('postgresql is unreachable; retrying in 1 s', msgs)
                    relay.start()
                    up = 'listening' if prog == SERVER else 'wl-worker started'
                    lines = read_until(p, lambda l: l['msg'] == up)
                    self.assertIn('postgresql is up', [l['msg'] for l in lines])
                    p.send_signal(signal.SIGTERM)
                    _, rest = p.communicate(timeout=60)
                    self.assertEqual(p.returncode, 0, rest)
                finally:
                    if p.poll() is None:
                        p.kill()
                    relay.stop()

    def start_server(self, port, **extra):
        env = base_env(WL_DATABASE_URL=app_url(int(os.environ['WL_TEST_PG_PORT'])),
                       WL_REDIS_URL='', WL_LISTEN='127.0.0.1:%d' % port, WL_STATIC_DIR='', **extra)
        return subprocess.Popen([SERVER], env=env, stderr=subprocess.PIPE, text=True,
                                cwd=tempfile.gettempdir())

    def test_taken_address_is_an_error_naming_it(self):
        holder = socket.socket()
        holder.bind(('127.0.0.1', 0))
        holder.listen(1)
        port = holder.getsockname()[1]
        try:
            p = self.start_server(port)
            _, err = p.communicate(timeout=60)
            self.assertEqual(p.returncode, 1)
            errors = [l for l in log_lines(err) if l['level'] == 'error']
            self.assertEqual(len(errors), 1, err)
            self.assertEqual(errors[0]['msg'],
                             'cannot listen on 127.0.0.1:%d: Address already in use' % port)
            self.assertEqual(errors[0]['key'], 'WL_LISTEN')
        finally:
            holder.close()

    def test_second_server_shares_the_port_only_with_reuse_port(self):
        port = free_port()
        first = self.start_server(port, WL_REUSE_PORT='true')
        try:
            read_until(first, lambda l: l['msg'] == 'listening')
            second = self.start_server(port)
            _, err = second.communicate(timeout=60)
            self.assertEqual(second.returncode, 1, 'SO_REUSEPORT was not asked for')
            self.assertIn('Address already in use', err)
            third = self.start_server(port, WL_REUSE_PORT='true')
            read_until(third, lambda l: l['msg'] == 'listening')
            third.send_signal(signal.SIGTERM)
            third.communicate(timeout=60)
            self.assertEqual(third.returncode, 0)
        finally:
            first.send_signal(signal.SIGTERM)
            first.communicate(timeout=60)
        self.assertEqual(first.returncode, 0)

    def test_sighup_reopens_the_log_and_rereads_the_level(self):
        with tempfile.TemporaryDirectory() as d:
            log = os.path.join(d, 'wl.log')
            envfile = os.path.join(d, 'wl.env')
            write(envfile, 'WL_LOG_LEVEL=info\n')
            port = free_port()
            p = self.start_server(port, WL_LOG_FILE=log, WL_ENV_FILE=envfile)
            try:
                wait_for(lambda: os.path.exists(log) and '"listening"' in slurp(log))
                os.rename(log, log + '.1')  # what logrotate does
                write(envfile, 'WL_LOG_LEVEL=debug\n')
                p.send_signal(signal.SIGHUP)
                wait_for(lambda: os.path.exists(log) and 'SIGHUP' in slurp(log))
                line = [json.loads(l) for l in slurp(log).splitlines() if 'SIGHUP' in l][0]
                self.assertEqual(line['log_level'], 'debug')
                self.assertEqual(line['msg'], 'SIGHUP: log reopened, log level applied')
                self.assertIsNone(p.poll(), 'SIGHUP must not stop the server')
                p.send_signal(signal.SIGTERM)
                p.communicate(timeout=60)
                self.assertEqual(p.returncode, 0)
                text = slurp(log)
                self.assertIn('shutting down: finishing in-flight requests', text)
                self.assertNotIn('shutting down', slurp(log + '.1'))
            finally:
                if p.poll() is None:
                    p.kill()


BAD_EXPOSITIONS = [
    'a 1\n',                                                       # no HELP/TYPE
    '# HELP a x\n# TYPE a gauge\na 1',                            # no final newline
    '# HELP a x\n# TYPE a gauge\na{m="A"}1\\ /x"} 1\n',         # the injection, unescaped
    '# HELP a x\n# TYPE a gauge\na{m="\\q"} 1\n',               # bad escape
    '# HELP a x\n# TYPE a gauge\na{m="1"} 1\n# HELP b x\n# TYPE b gauge\nb 1\na{m="2"} 1\n',
    '# HELP a x\n# TYPE a gauge\na 1\na 2\n',                    # repeated series
    '# HELP a x\n# TYPE a counter\na -1\n',
    '# HELP a x\n# TYPE a gauge\na{m="1",m="2"} 1\n',
    '# HELP h x\n# TYPE h histogram\nh_bucket{le="1"} 5\nh_bucket{le="+Inf"} 4\nh_count 4\n',
    '# HELP h x\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_count 1\n',
    '# HELP a x\n# TYPE a gauge\na one\n',
]


class Checker(unittest.TestCase):
    def test_the_checker_refuses_broken_expositions(self):
        for text in BAD_EXPOSITIONS:
            with self.subTest(text=text):
                with self.assertRaises(ValueError):
                    promcheck.check(text)

    def test_the_checker_takes_a_good_one(self):
        fams = promcheck.check('# HELP a x\n# TYPE a gauge\na{m="A\\"}1\\\\ /x"} 1\n'
                               '# HELP h x\n# TYPE h histogram\nh_bucket{le="1"} 1\n'
                               'h_bucket{le="+Inf"} 2\nh_sum 3\nh_count 2\n')
        self.assertEqual(fams['a']['samples'][0][1]['m'], 'A"}1\\ /x')


def slurp(path):
    with open(path) as f:
        return f.read()


def write(path, text):
    with open(path, 'w') as f:
        f.write(text)


def http(port, path, headers=None):
    import urllib.request
    import urllib.error
    req = urllib.request.Request('http://127.0.0.1:%d%s' % (port, path), headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def raw_request(port, data):
    """Sends `data` and reads the response's head (the server may keep the
    connection open after an answer it gives to a broken request)."""
    with socket.create_connection(('127.0.0.1', port), timeout=10) as s:
        s.sendall(data)
        out = b''
        while b'\r\n\r\n' not in out:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                return out
            if not chunk:
                break
            out += chunk
        return out


@unittest.skipUnless(os.environ.get('WL_TEST_PG_PORT'), 'needs the private PostgreSQL (scripts/test)')
class Metrics(unittest.TestCase):
    def serve(self, **extra):
        port = free_port()
        storage = tempfile.mkdtemp()
        env = base_env(WL_DATABASE_URL=app_url(int(os.environ['WL_TEST_PG_PORT'])),
                       WL_REDIS_URL='', WL_LISTEN='127.0.0.1:%d' % port, WL_STATIC_DIR='',
                       WL_STORAGE_DIR=storage, **extra)
        p = subprocess.Popen([SERVER], env=env, stderr=subprocess.PIPE, text=True,
                             cwd=tempfile.gettempdir())
        read_until(p, lambda l: l['msg'] == 'listening')
        # Read the log from here on: the server writes one line per request,
        # and a pipe nobody reads (64 KiB, about 260 lines) would stop it
        # at its next log line, as any reader that stops reading does.
        drain = threading.Thread(target=p.stderr.read, daemon=True)
        drain.start()
        self.addCleanup(lambda: (p.poll() is None and p.kill(), p.wait(), drain.join(),
                                 p.stderr.close(), os.rmdir(storage)))
        return port

    def test_scrape_is_valid_after_a_hostile_request_line(self):
        # Neither the per-address connection cap nor the rate limits are
        # under test: 300 requests from one address would meet them.
        port = self.serve(WL_HTTP_ANON_PER_IP_LIMIT='0', WL_HTTP_PER_IP_LIMIT='0',
                          WL_RATELIMIT_ENABLED='false')
        head = raw_request(port, b'A"}1\\ /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
        self.assertTrue(head.startswith(b'HTTP/1.1 '), head)
        # Made-up methods: each is OTHER, none takes a series of its own.
        for i in range(400):
            head = raw_request(port, b'M%d /api/health HTTP/1.1\r\nHost: x\r\n'
                                     b'Connection: close\r\n\r\n' % i)
            self.assertTrue(head.startswith(b'HTTP/1.1 '), (i, head))
        self.assertEqual(http(port, '/api/health')[0], 200)
        status, headers, text = http(port, '/metrics')
        self.assertEqual(status, 200, text)
        self.assertTrue(headers['Content-Type'].startswith('text/plain; version=0.0.4'))
        fams = promcheck.check(text)
        methods = {l['method'] for _, l, _ in fams['wl_http_requests_total']['samples']}
        self.assertLessEqual(methods, {'GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS',
                                       'OTHER'})
        self.assertIn('OTHER', methods)
        health = [v for _, l, v in fams['wl_http_requests_total']['samples']
                  if l['route'] == '/api/health' and l['method'] == 'GET' and l['status'] == '200']
        self.assertEqual(health, [1.0], 'the real route is still counted')
        self.assertEqual(fams['wl_http_requests_dropped_total']['samples'][0][2], 0)
        info = fams['wl_build_info']['samples'][0][1]
        self.assertEqual(info, {'program': 'wl-server', 'version': VERSION})
        for name in ('process_cpu_seconds_total', 'process_resident_memory_bytes',
                     'process_open_fds', 'process_max_fds', 'process_start_time_seconds'):
            self.assertGreater(fams[name]['samples'][0][2], 0, name)
        pools = {(l['pool'], l['state']) for _, l, _ in fams['wl_pool_connections']['samples']}
        self.assertEqual(pools, {('postgresql', 'open'), ('postgresql', 'in_use'),
                                 ('redis', 'open'), ('redis', 'in_use')}, 'no limit in usage')
        self.assertIn('wl_pool_size', fams)

    def test_public_health_has_exactly_the_pinned_shape(self):
        port = self.serve()
        status, _, body = http(port, '/api/health')
        self.assertEqual(status, 200)
        doc = json.loads(body)
        self.assertEqual(set(doc), {'status', 'timestamp', 'version', 'services'})
        self.assertEqual(set(doc['services']),
                         {'database', 'redis', 'email', 'storage', 'virus_scanner', 'ai'})
        for name, svc in doc['services'].items():
            self.assertEqual(set(svc), {'status', 'latency'}, name)
        status, _, body = http(port, '/api/health/details')
        self.assertEqual(status, 200, body)
        details = json.loads(body)
        self.assertIn('free_bytes', details['services']['storage'])
        self.assertEqual(set(details['pools']), {'postgresql', 'redis'})
        self.assertIn('queues', details)

    def test_metrics_token_gates_metrics_and_details(self):
        port = self.serve(WL_METRICS_TOKEN='s3cret-token')
        for path in ('/metrics', '/api/health/details'):
            with self.subTest(path=path):
                status, headers, _ = http(port, path)
                self.assertEqual(status, 401)
                self.assertIn('Bearer', headers.get('WWW-Authenticate', ''))
                self.assertEqual(http(port, path, {'Authorization': 'Bearer wrong'})[0], 401)
                self.assertEqual(http(port, path, {'Authorization': 'Bearer s3cret-token'})[0], 200)
        self.assertEqual(http(port, '/api/health')[0], 200, 'the public health stays public')

    def test_without_token_a_forwarded_request_is_refused(self):
        port = self.serve()
        self.assertEqual(http(port, '/metrics')[0], 200, 'loopback peer')
        for h in ({'X-Forwarded-For': '203.0.113.9'}, {'Forwarded': 'for=203.0.113.9'}):
            self.assertEqual(http(port, '/metrics', h)[0], 403, h)
            self.assertEqual(http(port, '/api/health/details', h)[0], 403, h)


def samples(fams, name, sample=None, **want):
    """The values of family `name`'s samples (named `sample`, by default
    the family's name) whose labels include `want`."""
    return [v for n, l, v in fams.get(name, {'samples': []})['samples']
            if n == (sample or name) and all(l.get(k) == x for k, x in want.items())]


@unittest.skipUnless(os.environ.get('WL_TEST_PG_PORT'), 'needs the private PostgreSQL (scripts/test)')
class WorkerStatus(unittest.TestCase):
    """wl-worker's /health and /metrics on WL_WORKER_LISTEN."""

    def start_worker(self, env, ready):
        p = subprocess.Popen([WORKER], env=env, stderr=subprocess.PIPE, text=True,
                             cwd=tempfile.gettempdir())
        self.addCleanup(lambda: (p.poll() is None and p.kill(), p.communicate()))
        read_until(p, lambda l: l['msg'] == ready)
        return p

    def own_database(self):
        db = testpg.create_database('wl_ops_worker')
        self.addCleanup(testpg.drop_database, db)
        return db

    def scrape(self, port, headers=None):
        status, headers, text = http(port, '/metrics', headers)
        self.assertEqual(status, 200, text)
        self.assertTrue(headers['Content-Type'].startswith('text/plain; version=0.0.4'))
        return promcheck.check(text)

    def test_figures_move_after_jobs_run(self):
        db = self.own_database()
        port = free_port()
        env = base_env(**testpg.settings(db, WL_WORKER_LISTEN='127.0.0.1:%d' % port,
                                         WL_WORKER_QUEUES='default,email',
                                         WL_JOBS_HEARTBEAT_INTERVAL='1',
                                         WL_JOBS_RESCUE_AFTER='1'))
        p = self.start_worker(env, 'wl-worker started')
        fams = self.scrape(port)
        self.assertEqual(samples(fams, 'wl_build_info'), [1.0])
        self.assertEqual(fams['wl_build_info']['samples'][0][1],
                         {'program': 'wl-worker', 'version': VERSION})
        self.assertEqual(samples(fams, 'wl_worker_jobs_claimed_total', kind='noop',
                                 queue='default'), [0.0])
        self.assertEqual(samples(fams, 'wl_worker_jobs_claimed_total', kind='noop',
                                 queue='email'), [0.0], 'every kind x queue pair')
        self.assertEqual(samples(fams, 'wl_worker_up'), [1.0])
        self.assertEqual(samples(fams, 'wl_jobs_queue_depth_up'), [1.0])
        self.assertEqual(samples(fams, 'wl_worker_concurrency'), [10.0])
        for name in ('process_cpu_seconds_total', 'process_open_fds', 'wl_pool_size'):
            self.assertIn(name, fams)
        # Queue depth counts every worker's jobs: a job for a queue this
        # worker does not claim waits there.
        testpg.psql(db, "INSERT INTO jobs (kind, queue) VALUES ('noop', 'elsewhere')")
        # Three that complete, one that fails for good (a malformed rule
        # id), and one a dead worker left running an hour ago (rescued).
        testpg.psql(db, "INSERT INTO jobs (kind) SELECT 'noop' FROM generate_series(1, 3);"
                        "INSERT INTO jobs (kind, args, max_attempts) VALUES"
                        " ('automation_run', '{\"rule_id\": \"nope\"}', 1);"
                        "INSERT INTO jobs (kind, state, attempt, attempted_at, heartbeat_at,"
                        " lease_id, claimed_by) VALUES ('noop', 'running', 1,"
                        " now() - interval '1 hour', now() - interval '1 hour',"
                        " gen_random_uuid(), 'gone:1')")
        wait_for(lambda: testpg.psql(
            db, "SELECT count(*) FROM jobs WHERE queue = 'default'"
                " AND state NOT IN ('completed', 'failed')") == '0')
        fams = self.scrape(port)
        noop = dict(kind='noop', queue='default')
        self.assertEqual(samples(fams, 'wl_worker_jobs_claimed_total', **noop), [4.0])
        self.assertEqual(samples(fams, 'wl_worker_jobs_completed_total', **noop), [4.0])
        self.assertEqual(samples(fams, 'wl_worker_jobs_failed_total', **noop), [0.0])
        self.assertEqual(samples(fams, 'wl_worker_jobs_failed_total', kind='automation_run',
                                 queue='default'), [1.0])
        self.assertEqual(samples(fams, 'wl_worker_jobs_claimed_total', kind='noop',
                                 queue='email'), [0.0])
        self.assertEqual(samples(fams, 'wl_worker_rescued_total'), [1.0])
        self.assertEqual(samples(fams, 'wl_worker_job_duration_seconds',
                                 'wl_worker_job_duration_seconds_count', kind='noop'),
                         [4.0])
        self.assertEqual(samples(fams, 'wl_worker_job_duration_seconds',
                                 'wl_worker_job_duration_seconds_count', kind='automation_run'),
                         [1.0])
        self.assertEqual(samples(fams, 'wl_jobs_queue_depth', queue='elsewhere',
                                 state='available'), [1.0])
        self.assertEqual(samples(fams, 'wl_jobs_queue_depth', queue='default'), [])
        self.assertEqual(samples(fams, 'wl_worker_jobs_running'), [0.0])
        status, _, body = http(port, '/health')
        self.assertEqual(status, 200, body)
        doc = json.loads(body)
        self.assertEqual((doc['status'], doc['worker'], doc['version']), ('ok', 'running', VERSION))
        self.assertEqual(doc['services']['database']['status'], 'ok')
        p.send_signal(signal.SIGTERM)
        _, rest = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 0, rest)

    def test_health_reports_postgresql_down(self):
        relay = Relay()
        self.addCleanup(relay.stop)
        port = free_port()
        env = base_env(WL_DATABASE_URL=app_url(relay.port), WL_REDIS_URL='',
                       WL_WORKER_LISTEN='127.0.0.1:%d' % port)
        p = subprocess.Popen([WORKER], env=env, stderr=subprocess.PIPE, text=True,
                             cwd=tempfile.gettempdir())
        self.addCleanup(lambda: (p.poll() is None and p.kill(), p.communicate()))
        read_until(p, lambda l: 'retrying in 1 s' in l['msg'])
        status, _, body = http(port, '/health')
        self.assertEqual(status, 503, body)
        doc = json.loads(body)
        self.assertEqual((doc['status'], doc['worker']), ('down', 'starting'))
        self.assertEqual(doc['services']['database'], {'status': 'down', 'latency': None})
        self.assertEqual(doc['services']['redis']['status'], 'not_configured')
        fams = self.scrape(port)
        self.assertEqual(samples(fams, 'wl_worker_up'), [0.0])
        self.assertEqual(samples(fams, 'wl_jobs_queue_depth_up'), [0.0])
        self.assertEqual(samples(fams, 'wl_worker_jobs_claimed_total'), [])
        relay.start()
        read_until(p, lambda l: l['msg'] == 'wl-worker started')
        status, _, body = http(port, '/health')
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)['services']['database']['status'], 'ok')
        self.assertEqual(samples(self.scrape(port), 'wl_worker_up'), [1.0])
        p.send_signal(signal.SIGTERM)
        _, rest = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 0, rest)

    def test_metrics_token_paths_and_methods(self):
        port = free_port()
        env = base_env(WL_DATABASE_URL=app_url(int(os.environ['WL_TEST_PG_PORT'])),
                       WL_REDIS_URL='', WL_WORKER_LISTEN='127.0.0.1:%d' % port,
                       WL_METRICS_TOKEN='w0rker-token')
        self.start_worker(env, 'wl-worker started')
        status, headers, _ = http(port, '/metrics')
        self.assertEqual(status, 401)
        self.assertIn('Bearer', headers.get('WWW-Authenticate', ''))
        self.assertEqual(http(port, '/metrics', {'Authorization': 'Bearer nope'})[0], 401)
        self.scrape(port, {'Authorization': 'Bearer w0rker-token'})
        self.assertEqual(http(port, '/health')[0], 200, 'health needs no token')
        self.assertEqual(http(port, '/nowhere')[0], 404)
        head = raw_request(port, b'POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n'
                                 b'Connection: close\r\n\r\n{}')
        self.assertTrue(head.startswith(b'HTTP/1.1 405'), head)
        self.assertIn(b'Allow: GET, HEAD', head)

    def test_without_token_only_unforwarded_loopback(self):
        port = free_port()
        env = base_env(WL_DATABASE_URL=app_url(int(os.environ['WL_TEST_PG_PORT'])),
                       WL_REDIS_URL='', WL_WORKER_LISTEN='127.0.0.1:%d' % port)
        self.start_worker(env, 'wl-worker started')
        self.scrape(port)
        for h in ({'X-Forwarded-For': '203.0.113.9'}, {'Forwarded': 'for=203.0.113.9'}):
            self.assertEqual(http(port, '/metrics', h)[0], 403, h)

    def test_taken_listen_address_names_the_key(self):
        holder = socket.socket()
        holder.bind(('127.0.0.1', 0))
        holder.listen(1)
        self.addCleanup(holder.close)
        port = holder.getsockname()[1]
        env = base_env(WL_DATABASE_URL=app_url(int(os.environ['WL_TEST_PG_PORT'])),
                       WL_REDIS_URL='', WL_WORKER_LISTEN='127.0.0.1:%d' % port)
        p = subprocess.run([WORKER], env=env, capture_output=True, text=True, timeout=60,
                           cwd=tempfile.gettempdir())
        self.assertEqual(p.returncode, 1)
        errors = [l for l in log_lines(p.stderr) if l['level'] == 'error']
        self.assertEqual(len(errors), 1, p.stderr)
        self.assertEqual(errors[0]['key'], 'WL_WORKER_LISTEN')
        self.assertIn('Address already in use', errors[0]['msg'])


@unittest.skipUnless(os.environ.get('WL_TEST_PG_PORT'), 'needs the private PostgreSQL (scripts/test)')
class Backup(unittest.TestCase):
    def test_wl_migrate_backup_writes_a_private_dump_and_reports_it(self):
        import hashlib
        db = testpg.create_database('wl_ops_backup')
        self.addCleanup(testpg.drop_database, db)
        with tempfile.TemporaryDirectory() as d:
            os.chmod(d, 0o755)  # an existing, readable folder: the dump stays 0600
            env = base_env(**testpg.settings(db, WL_BACKUP_DIR=d, WL_PG_DUMP=os.path.join(
                os.environ['WL_TEST_PG_BIN'], 'pg_dump')))
            rc, out, err = run('wl-migrate', ['backup'], env, timeout=120)
            self.assertEqual(rc, 0, err)
            report = json.loads(out)
            path = os.path.join(d, report['file'])
            self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
            self.assertEqual(os.stat(path + '.sha256').st_mode & 0o777, 0o600)
            with open(path, 'rb') as f:
                data = f.read()
            self.assertEqual(len(data), report['bytes'])
            self.assertEqual(hashlib.sha256(data).hexdigest(), report['sha256'])
            self.assertTrue(data.startswith(b'PGDMP'), 'a pg_dump custom-format archive')

    def backup_env(self, db, folder, **extra):
        return base_env(**testpg.settings(db, WL_BACKUP_DIR=folder, WL_PG_DUMP=os.path.join(
            os.environ['WL_TEST_PG_BIN'], 'pg_dump'), **extra))

    def test_keep_leaves_the_newest_dumps(self):
        import datetime
        db = testpg.create_database('wl_ops_keep')
        self.addCleanup(testpg.drop_database, db)
        now = datetime.datetime.now(datetime.timezone.utc)
        with tempfile.TemporaryDirectory() as d:
            names = []
            for hours in (1, 2, 3):
                name = (now - datetime.timedelta(hours=hours)).strftime('wavelaunch-%Y%m%dT%H%M%SZ.dump')
                names.append(name)
                for n in (name, name + '.sha256'):
                    write(os.path.join(d, n), 'x')
            write(os.path.join(d, 'notes.txt'), 'not a dump: left alone')
            rc, out, err = run('wl-migrate', ['backup'], self.backup_env(db, d, WL_BACKUP_KEEP='2'),
                               timeout=120)
            self.assertEqual(rc, 0, err)
            report = json.loads(out)
            self.assertEqual(report['removed'], 2)
            self.assertEqual(sorted(os.listdir(d)),
                             sorted([report['file'], report['file'] + '.sha256', names[0],
                                     names[0] + '.sha256', 'notes.txt']))

    def test_restore_drill(self):
        src = testpg.create_database('wl_ops_drill')
        self.addCleanup(testpg.drop_database, src)
        env = base_env(**testpg.settings(src))
        rc, out, err = run('wl-migrate', ['seed-demo', '--clients', '5'], env, timeout=120)
        self.assertEqual(rc, 0, err)
        probe = ("SELECT (SELECT count(*) FROM clients) || '/' || (SELECT count(*) FROM notes)"
                 " || '/' || (SELECT count(*) FROM users) || '/' ||"
                 " (SELECT md5(string_agg(name || email, ',' ORDER BY id)) FROM clients)")
        before = testpg.psql(src, probe)
        self.assertTrue(before.startswith('5/'), before)
        with tempfile.TemporaryDirectory() as d:
            rc, out, err = run('wl-migrate', ['backup'], self.backup_env(src, d), timeout=120)
            self.assertEqual(rc, 0, err)
            dump = os.path.join(d, json.loads(out)['file'])
            # The disaster: the database is gone; a new, empty one is made.
            testpg.drop_database(src)
            testpg.psql('postgres', 'CREATE DATABASE %s' % src)
            env = self.backup_env(src, d)
            rc, out, err = run('wl-migrate', ['restore', dump], env, timeout=120)
            self.assertEqual(rc, 0, err)
            self.assertEqual(json.loads(out)['replaced'], False)
            self.assertEqual(testpg.psql(src, probe), before, 'the data is back')
            # The app role can work with it again (up re-granted it).
            self.assertEqual(subprocess.run(
                ['psql', '-X', '-At', '-h', '127.0.0.1', '-p', os.environ['WL_TEST_PG_PORT'],
                 '-U', 'wavelaunch_app', '-d', src, '-c',
                 "SET wvl.actor_role = 'system'; SELECT count(*) FROM clients"],
                env={**os.environ, 'PGPASSWORD': os.environ['WL_TEST_PG_APP_PASSWORD']},
                capture_output=True, text=True).stdout.strip().splitlines()[-1], '5')
            # Not into a database that has tables, unless forced.
            rc, _, err = run('wl-migrate', ['restore', dump], env, timeout=120)
            self.assertEqual(rc, 1)
            self.assertIn('the database is not empty', err)
            testpg.psql(src, 'DELETE FROM notes')
            rc, out, err = run('wl-migrate', ['restore', dump, '--force'], env, timeout=120)
            self.assertEqual(rc, 0, err)
            self.assertEqual(json.loads(out)['replaced'], True)
            self.assertEqual(testpg.psql(src, probe), before)
            # A damaged archive is refused before anything is touched.
            with open(dump, 'r+b') as f:
                f.seek(100)
                byte = f.read(1)
                f.seek(100)
                f.write(bytes([byte[0] ^ 0xFF]))
            testpg.psql(src, 'DELETE FROM notes')
            rc, _, err = run('wl-migrate', ['restore', dump, '--force'], env, timeout=120)
            self.assertEqual(rc, 1)
            self.assertIn('does not match its checksum', err)
            self.assertTrue(testpg.psql(src, probe).startswith('5/0/'), 'nothing restored')
            os.unlink(dump + '.sha256')
            rc, _, err = run('wl-migrate', ['restore', dump], env, timeout=120)
            self.assertEqual(rc, 1)
            self.assertIn('no .sha256 file', err)


def wait_for(pred, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.05)
    raise AssertionError('condition not met in %d s' % timeout)


if __name__ == '__main__':
    unittest.main(verbosity=2)
