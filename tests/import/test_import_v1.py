#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 WavelaunchOS contributors
"""wl-migrate import-v1 on a v1 fixture with good and bad rows: a dry run
writes nothing; the import writes exactly the good rows, says why each bad
one was skipped and verifies the content; a second run writes nothing new;
an imported v1 user logs into wl-server with their v1 password, which then
becomes an Argon2id hash; unreadable files are refused.

Usage: test_import_v1.py WL_MIGRATE WL_SERVER (scripts/test's services)."""
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'common'))
from testpg import create_database, drop_database, env, psql, settings  # noqa: E402

faults = []


def check(cond, what):
    if not cond:
        faults.append(what)


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def login(base, email, password):
    req = urllib.request.Request(base + '/api/auth/login', method='POST',
                                 data=json.dumps({'email': email, 'password': password}).encode(),
                                 headers={'Content-Type': 'application/json'})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError as e:
        return 'no answer: %s' % e


def main():
    migrate, server = sys.argv[1], sys.argv[2]
    work = tempfile.mkdtemp(prefix='wl-import-')
    db = create_database('t_import')
    storage = os.path.join(work, 'storage')
    run_env = {**os.environ, **settings(db, WL_ARGON2_MEMORY_KIB='8192',
                                        WL_STORAGE_DIR=storage, WL_CLAMD=env('WL_TEST_CLAMD'))}
    uploads = os.path.join(work, 'v1', 'uploads')
    srv = None
    try:
        fixture = os.path.join(work, 'v1.db')
        pw = json.loads(subprocess.run([sys.executable, '-W', 'ignore',
                                        os.path.join(HERE, 'make_v1_fixture.py'), fixture,
                                        uploads],
                                       check=True, capture_output=True, text=True).stdout)

        def imp(*args, files=True):
            more = ['--files-dir', uploads] if files else []
            return subprocess.run([migrate, 'import-v1', fixture] + more + list(args),
                                  env=run_env, capture_output=True, text=True, timeout=300)

        def stored_objects():
            return sorted(os.path.join(d, f) for d, _, fs in os.walk(storage)
                          if os.path.basename(d) != 'tmp' for f in fs)

        # Without the files folder, File rows are skipped and said so.
        r = imp('--dry-run', '--json', files=False)
        nofiles = json.loads(r.stdout)['tables']['File'] if r.returncode == 0 else {}
        check(nofiles.get('skipped') == 9 and list(nofiles.get('skipped_reasons', {}))
              == ['not read: no files folder was given'], 'no --files-dir: %r' % nofiles)

        # A dry run reports everything and writes nothing, bytes included.
        r = imp('--dry-run', '--json')
        check(r.returncode == 0, 'dry run: rc %d %s' % (r.returncode, r.stderr))
        dry = json.loads(r.stdout) if r.returncode == 0 else {'tables': {}}
        check(dry.get('dry_run') is True and dry.get('verified') is True, 'dry run report')
        check(psql(db, 'SELECT count(*) FROM clients') == '0', 'the dry run wrote clients')
        check(stored_objects() == [], 'the dry run stored bytes: %r' % stored_objects())

        # The import: exactly the good rows, each bad one with its reason.
        r = imp('--json')
        if r.returncode != 0:
            raise SystemExit('import: rc %d %s' % (r.returncode, r.stderr))
        rep = json.loads(r.stdout)
        t = rep['tables']
        want = {  # model: (read, written, skipped)
            'Client': (6, 2, 4), 'User': (6, 3, 3), 'BusinessPlan': (4, 2, 2),
            'Deliverable': (3, 2, 1), 'Note': (3, 2, 1), 'Ticket': (3, 2, 1),
            'TicketMessage': (3, 1, 2), 'HelpArticle': (4, 2, 2), 'Notification': (2, 1, 1),
            'TokenUsage': (2, 1, 1), 'File': (9, 2, 7)}
        for model, (read, written, skipped) in want.items():
            got = (t[model]['read'], t[model]['written'], t[model]['skipped'])
            check(got == (read, written, skipped), '%s: %r, want %r (%s)'
                  % (model, got, (read, written, skipped), t[model]['skipped_reasons']))
            check(t[model]['hashes_match'], '%s: content hashes differ' % model)
        # The dry run counted the same.
        for model in want:
            check(dry['tables'].get(model, {}).get('written') == t[model]['written'],
                  'dry run and import disagree on %s' % model)
        reasons = {m: ' | '.join(t[m]['skipped_reasons']) for m in t}
        check('no creator name' in reasons['Client'] and 'invalid email' in reasons['Client']
              and 'unknown status' in reasons['Client']
              and 'unreadable date' in reasons['Client'], reasons['Client'])
        check('users_client_id_fkey' in reasons['User'] and 'duplicate' in reasons['User']
              and 'invalid email' in reasons['User'], reasons['User'])
        check('duplicate (business_plans_client_version_key)' in reasons['BusinessPlan'],
              reasons['BusinessPlan'])
        check('milestone outside 1..8' in reasons['Deliverable'], reasons['Deliverable'])
        check('invalid slug' in reasons['HelpArticle'] and 'duplicate' in reasons['HelpArticle'],
              reasons['HelpArticle'])
        check('empty message' in reasons['TicketMessage'], reasons['TicketMessage'])
        check('token counts out of range' in reasons['TokenUsage'], reasons['TokenUsage'])
        for why in ('file missing from the files folder',
                    'storage path leads outside the files folder',  # ../ and a symlink
                    'virus scanner found', 'are not accepted',
                    "extension does not match", 'files_client_id_fkey'):
            check(why in reasons['File'], 'File: no %r in %s' % (why, reasons['File']))
        check(t['File']['skipped_reasons'].get('storage path leads outside the files folder')
              == 2, 'both escapes refused: %r' % t['File']['skipped_reasons'])
        # The two good files' bytes are stored, and only theirs (the orphan's
        # bytes, stored before PostgreSQL refused its row, went again).
        objs = stored_objects()
        check(len(objs) == 2, 'stored objects: %r' % objs)
        sums = sorted(hashlib.sha256(open(o, 'rb').read()).hexdigest() for o in objs)
        check(sums == sorted(psql(db, 'SELECT sha256 FROM files').split()),
              'stored bytes and rows disagree')
        check(psql(db, "SELECT string_agg(name || ':' || content_type || ':' || scan_status,"
                       " ' ' ORDER BY name) FROM files")
              == 'Brand guide.pdf:application/pdf:clean logo.png:image/png:clean',
              'files: %s' % psql(db, 'SELECT string_agg(name, \' \') FROM files'))
        check(rep['unusable_password_hashes'] == 1, 'unusable hashes: %r'
              % rep['unusable_password_hashes'])
        check(rep['verified'] is True, 'not verified')
        # Not a terminal: one JSON log line per model (the apps' rule).
        logged = [json.loads(l) for l in r.stderr.splitlines() if l.strip()]
        check({'msg': 'import-v1: model read', 'model': 'Client', 'read': 6}.items()
              <= next((l for l in logged if l.get('model') == 'Client'), {}).items(),
              'no JSON progress line for Client: %r' % r.stderr)
        check(len([l for l in logged if l.get('msg') == 'import-v1: model read']) == 11,
              'one progress line per model: %r' % r.stderr)

        # What landed, as v2 sees it.
        check(psql(db, "SELECT name || '|' || monthly_fee_cents || '|' || status || '|' ||"
                       " coalesce(email, '') || '|' || (social_handles->>'instagram')"
                       " FROM clients WHERE brand_name = 'Zoe Makes'")
              == 'Ζωή Παπαδοπούλου|150000|active|zoe@client.test|@zoe', 'client c1')
        check(psql(db, "SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')"
                       " FROM clients WHERE name = 'Kenji Watanabe'") == '2024-03-01 10:00',
              'text dates')
        check(psql(db, "SELECT left(password_hash, 4) FROM users WHERE email = 'admin@v1.test'")
              == '$2b$', 'bcrypt kept')
        check(psql(db, "SELECT password_hash IS NULL FROM users WHERE email = 'sam@v1.test'")
              == 't', 'unusable hash dropped')
        check(psql(db, "SELECT count(*) FROM business_plans WHERE content_html LIKE '%script%'")
              == '0', 'plan html sanitised')
        check(psql(db, "SELECT count(*) FROM support_tickets WHERE status = 'waiting_on_client'"
                       " AND waiting_since IS NOT NULL") == '1', 'waiting ticket')
        check(psql(db, "SELECT category FROM support_tickets WHERE subject = 'Invoice'")
              == 'billing', 'ticket category')
        check(psql(db, "SELECT array_to_string(tags, ',') || '|' || category || '|' ||"
                       " (SELECT count(*) FROM help_article_versions v WHERE v.article_id = a.id)"
                       " FROM help_articles a WHERE slug = 'getting-started'")
              == 'basics,first-steps|onboarding|1', 'help article')
        check(psql(db, "SELECT author_id IS NULL FROM notes WHERE body = 'Author gone.'") == 't',
              'a note whose author is gone keeps the note')
        check(psql(db, "SELECT cost_cents::text FROM token_usage") == '5.5200', 'token cost')

        # Again: nothing new, everything recognised.
        r = imp('--json')
        again = json.loads(r.stdout) if r.returncode == 0 else {'tables': {}}
        for model in want:
            a = again['tables'].get(model, {})
            check(a.get('written') == 0 and a.get('already_imported') == t[model]['written']
                  and a.get('hashes_match'), 're-run %s: %r' % (model, a))
        check(len(stored_objects()) == 2, 'the re-run stored bytes again: %r' % stored_objects())

        # An imported user logs in with the v1 password; it becomes Argon2id.
        http_port = free_port()
        state = os.path.join(work, 'state')
        srv = subprocess.Popen([server], env={
            **run_env, 'WL_LISTEN': '127.0.0.1:%d' % http_port,
            'WL_PUBLIC_URL': 'http://127.0.0.1:%d' % http_port,
            'WL_STORAGE_DIR': storage,
            'WL_MAILBOX_DIR': os.path.join(state, 'mail'), 'WL_CLAMD': env('WL_TEST_CLAMD'),
            'WL_STATIC_DIR': work}, stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(work, 'server.log'), 'w'))
        base = 'http://127.0.0.1:%d' % http_port
        up = False
        for _ in range(600):
            try:
                urllib.request.urlopen(base + '/api/health', timeout=1)
                up = True
                break
            except urllib.error.HTTPError:
                up = True
                break
            except OSError:
                if srv.poll() is not None:
                    break
                time.sleep(0.05)
        if not up:
            raise SystemExit('wl-server did not start:\n' +
                             open(os.path.join(work, 'server.log')).read())
        check(login(base, 'zoe@client.test', 'wrong-Password-1') == 401, 'wrong password')
        check(login(base, 'zoe@client.test', pw['zoe@client.test']) == 200, 'v1 password login')
        check(psql(db, "SELECT left(password_hash, 10) FROM users"
                       " WHERE email = 'zoe@client.test'") == '$argon2id$', 'hash upgraded')
        check(login(base, 'zoe@client.test', pw['zoe@client.test']) == 200, 'login after upgrade')
        # The client downloads her imported logo: the v1 bytes, through a signed link.
        jar = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        req = urllib.request.Request(base + '/api/auth/login', method='POST', data=json.dumps(
            {'email': 'zoe@client.test', 'password': pw['zoe@client.test']}).encode(),
            headers={'Content-Type': 'application/json'})
        jar.open(req, timeout=30).read()
        fid = psql(db, "SELECT id FROM files WHERE name = 'logo.png'")
        link = json.loads(jar.open(base + '/api/files/%s/download' % fid, timeout=30).read())
        with urllib.request.urlopen(link['url'].replace('http://127.0.0.1:%d' % http_port, base),
                                    timeout=30) as f:
            got = f.read()
        with open(os.path.join(uploads, 'c1', 'logo.png'), 'rb') as f:
            check(got == f.read(), 'the downloaded logo is not the v1 bytes')

        # Unreadable input and usage.
        bad = os.path.join(work, 'bad.db')
        with open(bad, 'w') as f:
            f.write('not sqlite at all')
        r = subprocess.run([migrate, 'import-v1', bad], env=run_env, capture_output=True,
                           text=True)
        err = json.loads(r.stderr.strip().splitlines()[-1]) if r.stderr.strip() else {}
        check(r.returncode == 1 and err.get('level') == 'error'
              and 'not a database' in err.get('msg', ''),
              'a bad file: rc %d %s' % (r.returncode, r.stderr))
        # A SQLite file that is not a v1 database: refused, nothing written.
        other = os.path.join(work, 'other.db')
        subprocess.run(['python3', '-c', 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]);'
                        ' c.execute("CREATE TABLE t (x)"); c.commit()', other], check=True)
        before = psql(db, 'SELECT count(*) FROM clients')
        r = subprocess.run([migrate, 'import-v1', other], env=run_env, capture_output=True,
                           text=True)
        check(r.returncode == 1 and 'Client' in r.stderr, 'not a v1 database: rc %d %s'
              % (r.returncode, r.stderr))
        check(psql(db, 'SELECT count(*) FROM clients') == before, 'a refused import wrote')
        r = subprocess.run([migrate, 'import-v1', '--help'], env=run_env, capture_output=True,
                           text=True)
        check(r.returncode == 0 and 'usage: wl-migrate import-v1' in r.stdout, '--help')
        r = subprocess.run([migrate, 'import-v1'], env=run_env, capture_output=True, text=True)
        check(r.returncode == 2, 'no file: rc %d' % r.returncode)
    finally:
        if srv:
            srv.terminate()
            srv.wait()
        drop_database(db)
        log = os.path.join(work, 'server.log')
        log_text = open(log).read()[-3000:] if os.path.exists(log) else ''
        shutil.rmtree(work, ignore_errors=True)
    if faults and log_text:
        print(log_text)
    for f in faults:
        print('FAIL:', f)
    print('%d faults' % len(faults))
    return 1 if faults else 0


if __name__ == '__main__':
    sys.exit(main())
