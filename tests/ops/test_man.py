#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""The man pages (docs/man, scdoc) against the programs: every option the
programs' --help prints (and every wl-migrate command, with its own --help's
options) is in the program's page, and every WL_* key of the configuration
tables is in wavelaunch.conf(5), each as the page's own entry; libwavelaunch(3)
gives every public header its line and names every WVL_E* code.

Usage: test_man.py MAN_BUILD_DIR SOURCE_ROOT SERVER WORKER MIGRATE"""
import glob
import os
import re
import subprocess
import sys
import unittest

MAN_DIR, ROOT, SERVER, WORKER, MIGRATE = sys.argv[1:6]
del sys.argv[1:6]
sys.path.insert(0, os.path.join(ROOT, 'tools'))
import config_keys_man  # noqa: E402


def page(name):
    with open(os.path.join(MAN_DIR, name), encoding='utf-8') as f:
        roff = f.read()
    # Fonts and escapes out: the words a reader sees.
    return re.sub(r'\\f[BIRP]|\\&|\\e', '', roff).replace('\\-', '-')


def help_text(prog, *args):
    p = subprocess.run([prog] + list(args) + ['--help'], capture_output=True, text=True,
                       timeout=30, env={**os.environ, 'ASAN_OPTIONS': 'detect_leaks=0'})
    assert p.returncode == 0, (prog, args, p.stderr)
    return p.stdout


def options(text):
    return set(re.findall(r'(?<![\w-])(--[a-z][a-z0-9-]*)', text))


def migrate_commands(text):
    """The commands wl-migrate --help lists (two-space indented words)."""
    part = text.split('commands:', 1)[1]
    return re.findall(r'^  ([a-z][a-z0-9-]+)\s', part, re.M)


@unittest.skipUnless(os.path.exists(os.path.join(MAN_DIR, 'wl-server.8')), 'built without scdoc')
class ManPages(unittest.TestCase):
    def test_every_option_of_the_servers_is_documented(self):
        for prog, name in ((SERVER, 'wl-server.8'), (WORKER, 'wl-worker.8')):
            text = page(name)
            opts = options(help_text(prog))
            self.assertIn('--help', opts)
            for o in opts:
                self.assertIn(o, text, '%s: %s' % (name, o))

    def test_every_wl_migrate_command_and_option_is_documented(self):
        text = page('wl-migrate.8')
        main = help_text(MIGRATE)
        commands = migrate_commands(main)
        self.assertIn('up', commands)
        self.assertIn('import-v1', commands)
        for o in options(main):
            self.assertIn(o, text)
        for c in commands:
            with self.subTest(command=c):
                self.assertRegex(text, r'(?m)^%s\b' % re.escape(c), 'a paragraph of its own')
                for o in options(help_text(MIGRATE, c)):
                    self.assertIn(o, text, '%s %s' % (c, o))

    def test_every_config_key_has_its_entry(self):
        text = page('wavelaunch.conf.5')
        keys = config_keys_man.keys(ROOT)
        self.assertGreater(len(keys), 80)
        for k in keys:
            self.assertIn('\n%s=\n' % k['key'], text, k['key'])
        # And the check can fail: a made-up key is not there.
        self.assertNotIn('\nWL_NOT_A_KEY=\n', text)

    def test_env_example_keys_are_all_in_the_page(self):
        text = page('wavelaunch.conf.5')
        with open(os.path.join(ROOT, '.env.example'), encoding='utf-8') as f:
            example = set(re.findall(r'(?m)^(WL_[A-Z0-9_]+)=', f.read()))
        for key in sorted(example):
            self.assertIn('\n%s=\n' % key, text, key)


    def test_library_page_names_every_header_and_error_code(self):
        text = page('libwavelaunch.3')
        inc = os.path.join(ROOT, 'include')
        headers = ['wavelaunch.h'] + sorted(
            'wavelaunch/' + re.sub(r'\.in$', '', os.path.basename(p))
            for p in glob.glob(os.path.join(inc, 'wavelaunch', '*.h')) +
            glob.glob(os.path.join(inc, 'wavelaunch', '*.h.in')))
        self.assertGreater(len(headers), 30)
        self.assertIn('wavelaunch/version.h', headers)
        for h in headers:
            # Its own entry: the name alone on a line (a tagged paragraph),
            # with its line of text under it.
            self.assertTrue(re.search(r'(?m)^%s\n\S' % re.escape(h), text),
                            'libwavelaunch(3) has no entry for %s' % h)
        self.assertNotRegex(text, r'(?m)^wavelaunch/not_a_header\.h$')
        with open(os.path.join(inc, 'wavelaunch', 'core.h'), encoding='utf-8') as f:
            codes = re.findall(r'^\s*(WVL_E[A-Z]+) = -\d+', f.read(), re.M)
        self.assertGreater(len(codes), 10)
        for c in codes:
            self.assertIn(c, text, c)
        with open(os.path.join(ROOT, 'meson.build'), encoding='utf-8') as f:
            so = re.search(r"^soversion = '(\d+)'", f.read(), re.M).group(1)
        for needed in ('pkg-config --cflags --libs wavelaunch', 'libwavelaunch.so.' + so,
                       'WAVELAUNCH_%s.0' % so, 'wvl_worker_register_builtin', 'scope_id',
                       'WVL_ACTOR_INIT'):
            self.assertIn(needed, text)


if __name__ == '__main__':
    unittest.main(verbosity=2)
