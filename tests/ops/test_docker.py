#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""What can be checked of the Docker files without Docker (it cannot run
here): docker/docker-compose.yml parses, runs the stack issue 20 names with
healthchecks and names only files and services that exist; the Dockerfile
is multi-stage on Debian 12, ends as a non-root user, and every COPY
source exists in the build context and is not excluded by .dockerignore.

Usage: test_docker.py SOURCE_ROOT"""
import fnmatch
import os
import re
import sys
import unittest

import yaml

ROOT = sys.argv[1]
del sys.argv[1]
COMPOSE = os.path.join(ROOT, 'docker', 'docker-compose.yml')
DOCKERFILE = os.path.join(ROOT, 'docker', 'Dockerfile')


def compose():
    with open(COMPOSE) as f:
        return yaml.safe_load(f)


def instructions():
    """(instruction, arguments) of the Dockerfile, continuation lines joined."""
    text = open(DOCKERFILE).read()
    text = re.sub(r'\\\n', ' ', text)
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith('#'):
            word, _, rest = line.partition(' ')
            out.append((word.upper(), rest.strip()))
    return out


def ignored(path):
    pats = [l.strip() for l in open(os.path.join(ROOT, '.dockerignore'))
            if l.strip() and not l.startswith('#')]
    return any(fnmatch.fnmatch(path, p) or fnmatch.fnmatch(path.split('/')[0], p) for p in pats)


class Compose(unittest.TestCase):
    def test_the_stack_and_its_healthchecks(self):
        services = compose()['services']
        self.assertEqual(set(services),
                         {'postgres', 'redis', 'clamd', 'migrate', 'server', 'worker'})
        self.assertEqual(services['postgres']['image'], 'postgres:15',
                         "Debian 12's pg_dump is 15: a newer server breaks the backups")
        for name in ('postgres', 'redis', 'clamd', 'server', 'worker'):
            self.assertIn('healthcheck', services[name], name)
        self.assertEqual(services['migrate']['command'], ['wl-migrate', 'up'])
        self.assertEqual(services['server']['command'], ['wl-server'])
        self.assertEqual(services['worker']['command'], ['wl-worker'])
        for name in ('server', 'worker'):
            dep = services[name]['depends_on']
            self.assertEqual(dep['migrate']['condition'], 'service_completed_successfully')
            self.assertIn('WL_SECRET_KEY', services[name]['environment'])
        self.assertIn('WL_WORKER_LISTEN', services['worker']['environment'])
        self.assertIn('/health', ' '.join(services['worker']['healthcheck']['test']))

    def test_names_only_what_exists(self):
        doc = compose()
        services = doc['services']
        for name, svc in services.items():
            for dep in svc.get('depends_on', {}):
                self.assertIn(dep, services, '%s depends on %s' % (name, dep))
            build = svc.get('build')
            if build:
                context = os.path.normpath(os.path.join(ROOT, 'docker', build['context']))
                self.assertTrue(os.path.isdir(context), context)
                self.assertTrue(os.path.isfile(os.path.join(context, build['dockerfile'])),
                                build['dockerfile'])
            for vol in svc.get('volumes', []):
                src = vol.split(':')[0]
                if src.startswith('.') or src.startswith('/'):
                    self.assertTrue(os.path.exists(os.path.join(ROOT, 'docker', src)), src)
                else:
                    self.assertIn(src, doc['volumes'], '%s: named volume %s' % (name, src))

    def test_every_key_it_sets_is_a_known_setting(self):
        sys.path.insert(0, os.path.join(ROOT, 'tools'))
        import config_keys_man
        known = {k['key'] for k in config_keys_man.keys(ROOT)}
        for name, svc in compose()['services'].items():
            for key in svc.get('environment', {}):
                if key.startswith('WL_'):
                    self.assertIn(key, known, '%s sets %s' % (name, key))


class Dockerfile(unittest.TestCase):
    def test_multi_stage_on_debian_12_non_root(self):
        ins = instructions()
        froms = [a for i, a in ins if i == 'FROM']
        self.assertGreaterEqual(len(froms), 2)
        for f in froms:
            self.assertRegex(f, r'^debian:12(-slim)?\b')
        last = max(n for n, (i, _) in enumerate(ins) if i == 'FROM')
        users = [a for i, a in ins[last:] if i == 'USER']
        self.assertTrue(users, 'the final stage sets a USER')
        self.assertNotIn(users[-1], ('root', '0'))

    def test_copy_sources_exist_and_are_sent(self):
        copies = [a for i, a in instructions() if i == 'COPY']
        self.assertTrue(copies)
        for args in copies:
            if args.startswith('--from='):
                continue
            srcs = args.split()[:-1]
            for src in srcs:
                with self.subTest(src=src):
                    self.assertTrue(os.path.exists(os.path.join(ROOT, src)), src)
                    self.assertFalse(ignored(src), '%s is excluded by .dockerignore' % src)


if __name__ == '__main__':
    unittest.main(verbosity=2)
