// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
//
// What every browser test stands on: a database cloned from the migrated
// template scripts/test prepares, an admin made by wl-migrate, a real
// wl-server on a free port serving the built UI, Debian's Chromium driven
// by playwright-core, and a small API client for setting up data.  The
// settings come from the variables scripts/test exports; a missing one
// fails the test (never skips it).
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import { after, before } from 'node:test';

// playwright-core is apps/web's development dependency.
const require = createRequire(new URL('../../apps/web/package.json', import.meta.url));
const { chromium } = require('playwright-core');

export function env(name) {
  const v = process.env[name];
  assert.ok(v, `${name} is not set: run the browser tests through scripts/test`);
  return v;
}

const source = () => process.env.WL_TEST_SOURCE_DIR || new URL('../..', import.meta.url).pathname;
export const artifacts = () => {
  const dir = process.env.WL_TEST_ARTIFACTS || join(dirname(env('WL_TEST_SERVER_BIN')), '..', 'e2e-artifacts');
  mkdirSync(dir, { recursive: true });
  return dir;
};

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.on('connect', () => (c.destroy(), resolve(true)));
    c.on('error', () => resolve(false));
  });
}

function psql(sql, database = 'postgres') {
  execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', env('WL_TEST_PG_PORT'), '-U', 'wavelaunch_owner', '-d', database, '-c', sql], {
    env: { ...process.env, PGPASSWORD: env('WL_TEST_PG_OWNER_PASSWORD') },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

function createDatabase(name) {
  // The template is briefly busy while another clone starts.
  for (let i = 0; ; i++) {
    try {
      return psql(`CREATE DATABASE ${name} TEMPLATE wl_template`);
    } catch (e) {
      if (i >= 20) throw e;
      execFileSync('sleep', ['0.1']);
    }
  }
}

export const ADMIN = { email: 'lead@e2e.test', password: 'Wave-Launch-7-Go!' };

// Starts everything one test file needs; stop() undoes it.  With
// `worker`, a wl-worker claims the queues named (e.g. "notifications":
// what a deliverable ready or a ticket reply turns into).  `env`: more
// settings for wl-server and wl-worker (e.g. the loopback Messages API).
export async function startStack({ worker = null, env: extra = {} } = {}) {
  const db = `t_web_${randomBytes(5).toString('hex')}_${process.pid}`;
  const url = (role, pwVar) => `postgresql://${role}:${env(pwVar)}@127.0.0.1:${env('WL_TEST_PG_PORT')}/${db}`;
  const state = mkdtempSync(join(tmpdir(), 'wl-e2e-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const serverBin = env('WL_TEST_SERVER_BIN');
  const vars = {
    WL_ENV_FILE: '/nonexistent',
    WL_DATABASE_URL: url('wavelaunch_app', 'WL_TEST_PG_APP_PASSWORD'),
    WL_MIGRATE_DATABASE_URL: url('wavelaunch_owner', 'WL_TEST_PG_OWNER_PASSWORD'),
    WL_REDIS_URL: `redis://127.0.0.1:${env('WL_TEST_REDIS_PORT')}/0`,
    WL_REDIS_PREFIX: `e2e${process.pid}_${port}:`,
    WL_SECRET_KEY: randomBytes(32).toString('base64'),
    WL_LISTEN: `127.0.0.1:${port}`,
    WL_PUBLIC_URL: base,
    WL_STATIC_DIR: process.env.WL_TEST_WEB_DIST || join(source(), 'apps/web/dist'),
    WL_STORAGE_DIR: join(state, 'storage'),
    WL_MAILBOX_DIR: join(state, 'mailbox'),
    WL_CLAMD: env('WL_TEST_CLAMD'),
    WL_ARGON2_MEMORY_KIB: '8192',
    WL_ARGON2_ITERATIONS: '1',
    WL_HTTP_THREADS: '4',
    // A browser test makes many more requests than a person would: the
    // limits are what the HTTP suite tests, not these.
    WL_RATELIMIT_READ: '100000/15m',
    WL_RATELIMIT_WRITE: '100000/15m',
    WL_RATELIMIT_LOGIN: '1000/15m',
    WL_LOG_LEVEL: 'warn',
    ASAN_OPTIONS: 'detect_leaks=1',
    // meson's suppressions (tests/lsan.supp: fontconfig's process-lifetime
    // caches, which lib/pdf's pango reaches) for the programs started here.
    ...(process.env.LSAN_OPTIONS ? { LSAN_OPTIONS: process.env.LSAN_OPTIONS } : {}),
    PATH: process.env.PATH,
    ...extra,
  };
  mkdirSync(vars.WL_STORAGE_DIR);
  mkdirSync(vars.WL_MAILBOX_DIR);
  createDatabase(db);
  execFileSync(join(dirname(serverBin), 'wl-migrate'), ['bootstrap-admin', '--email', ADMIN.email], {
    env: vars,
    input: ADMIN.password + '\n',
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  const log = join(state, 'wl-server.log');
  const server = spawn(serverBin, [], { env: vars, stdio: ['ignore', 'ignore', openSync(log, 'w')] });
  let exited = false;
  server.on('exit', () => (exited = true));
  let workerProc = null;
  const workerLog = join(state, 'wl-worker.log');
  if (worker) {
    const wvars = { ...vars, WL_WORKER_QUEUES: worker, WL_WORKER_POLL_MS: '200', WL_WORKER_SHUTDOWN_GRACE: '5' };
    workerProc = spawn(env('WL_TEST_WORKER_BIN'), [], { env: wvars, stdio: ['ignore', 'ignore', openSync(workerLog, 'w')] });
  }
  for (let i = 0; !(await canConnect(port)); i++) {
    assert.ok(!exited && i < 400, `wl-server did not start (see ${log})`);
    await new Promise((r) => setTimeout(r, 25));
  }
  const browser = await chromium.launch({
    executablePath: process.env.WL_TEST_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    base,
    db,
    browser,
    vars,
    mailbox: vars.WL_MAILBOX_DIR,
    // SQL in the stack's database as its owner (row-level security still
    // applies: set wvl.actor_role first), for seeding in bulk.
    sql: (text) => psql(text, db),
    async stop() {
      await browser.close();
      // The programs are the sanitizer build: what they report fails the
      // test (their logs are kept with the screenshots).
      const procs = [['wl-server', server, log]];
      if (workerProc) procs.push(['wl-worker', workerProc, workerLog]);
      const failures = [];
      for (const [name, proc, file] of procs) {
        const done = new Promise((r) => (proc.exitCode !== null || proc.signalCode !== null ? r() : proc.on('exit', r)));
        proc.kill('SIGTERM');
        await done;
        const text = readFileSync(file, 'utf8');
        const report = text.match(/^.*(AddressSanitizer|LeakSanitizer|runtime error).*$/m);
        const kept = join(artifacts(), `${name}-${db}.log`);
        if (report || proc.exitCode !== 0) writeFileSync(kept, text);
        if (proc.exitCode !== 0) failures.push(`${name} did not exit cleanly (see ${kept})`);
        if (report) failures.push(`${name}: ${report[0]} (see ${kept})`);
      }
      psql(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      rmSync(state, { recursive: true, force: true });
      assert.deepEqual(failures, []);
    },
  };
}

// A page whose script errors, dialogs (alert/confirm/prompt that the test
// did not expect) and console errors are recorded; assertClean fails on
// any.  Every test page goes through here, so a stored <img onerror>
// that ran would fail the test that showed it.
export async function openPage(stack, { phone = false } = {}) {
  const context = await stack.browser.newContext({
    baseURL: stack.base,
    acceptDownloads: true,
    viewport: phone ? { width: 390, height: 844 } : { width: 1280, height: 900 },
    isMobile: phone,
    hasTouch: phone,
  });
  const page = await context.newPage();
  page.problems = [];
  page.allowDialogs = false;
  page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    // A failed request the test caused on purpose (a 403, a 404) is
    // logged by Chromium as a console error; those are expected answers.
    if (m.type() === 'error' && !/status of (4\d\d)/.test(m.text())) page.problems.push(`console: ${m.text()}`);
  });
  page.on('dialog', async (d) => {
    if (!page.allowDialogs) page.problems.push(`dialog: ${d.type()} ${d.message()}`);
    await d.accept();
  });
  return page;
}

export function assertClean(page) {
  assert.deepEqual(page.problems, [], 'the page raised errors or dialogs');
}

export async function login(page, who) {
  await page.goto('/login');
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

export async function screenshot(page, name) {
  await page.screenshot({ path: join(artifacts(), `${name}.png`), fullPage: true });
}

// The API from Node, as one signed-in user: the session cookie and CSRF
// token carried by hand.
export async function apiSession(stack, who) {
  const res = await fetch(`${stack.base}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: who.email, password: who.password }),
  });
  assert.equal(res.status, 200, `login of ${who.email}`);
  const { csrf_token: csrf } = await res.json();
  // getSetCookie is Node 19.7+; Debian 12's Node 18 joins them with ", ".
  const raw = res.headers.getSetCookie ? res.headers.getSetCookie() : res.headers.get('set-cookie').split(/, (?=wl_)/);
  const cookie = raw.map((c) => c.split(';')[0]).join('; ');
  const call = async (method, path, body, expect) => {
    const r = await fetch(`${stack.base}${path}`, {
      method,
      headers: { Cookie: cookie, 'X-CSRF-Token': csrf, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    if (expect !== undefined) assert.equal(r.status, expect, `${method} ${path}: ${text}`);
    return text ? JSON.parse(text) : null;
  };
  return { call, cookie, csrf };
}

export const strongPassword = () => `Pw-${randomBytes(6).toString('hex')}-9!`;

// The stack of one test file: started before its first test, stopped
// after its last; tests read `.stack`.
export function useStack(setUp, options) {
  const holder = { stack: null };
  before(async () => {
    holder.stack = await startStack(options);
    if (setUp) await setUp(holder.stack);
  });
  after(async () => {
    if (holder.stack) await holder.stack.stop();
  });
  return holder;
}

// Runs `fn` on a fresh page (signed in as `who` unless null), then fails
// on anything the page raised, and closes it.
export async function withPage(stack, who, fn, options) {
  const page = await openPage(stack, options);
  try {
    if (who) await login(page, who);
    await fn(page);
    assertClean(page);
  } finally {
    await page.context().close();
  }
}
