// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
//
// Run by bench/web.sh against a running wl-server.  Signed-in pages are
// measured from a browser profile that has signed in (its cookies), copied
// afresh for every run so the cache is always cold; Lighthouse keeps that
// profile's storage (--disable-storage-reset) instead of clearing it.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { gzipSync, brotliCompressSync } from 'node:zlib';

const here = new URL('.', import.meta.url).pathname;
const root = join(here, '../..');
const { chromium } = createRequire(join(root, 'apps/web/package.json'))('playwright-core');
const base = process.env.WEB_BASE;
const runs = Number(process.env.WEB_RUNS || 3);
const state = process.env.WEB_STATE;
const FLAGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--password-store=basic'];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function api(method, path, body, session) {
  const headers = { 'Content-Type': 'application/json' };
  if (session) Object.assign(headers, { Cookie: session.cookie, 'X-CSRF-Token': session.csrf });
  const r = await fetch(base + path, { method, headers, body: body && JSON.stringify(body) });
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
  return { r, json: r.status === 204 ? null : await r.json() };
}

async function signIn(email, password) {
  const { r, json } = await api('POST', '/api/auth/login', { email, password });
  return { cookie: r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; '), csrf: json.csrf_token };
}

// A Chromium profile signed in as `who`, its cache emptied.
async function profileFor(who) {
  const dir = mkdtempSync(join(state, 'profile-'));
  const ctx = await chromium.launchPersistentContext(dir, { executablePath: '/usr/bin/chromium', headless: true, args: FLAGS.slice(1) });
  const page = await ctx.newPage();
  await page.goto(base + '/login');
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  await ctx.close();
  for (const c of ['Default/Cache', 'Default/Code Cache']) rmSync(join(dir, c), { recursive: true, force: true });
  return dir;
}

function lighthouse(url, profile) {
  const dir = mkdtempSync(join(state, 'lh-'));
  if (profile) cpSync(profile, dir, { recursive: true });
  const out = execFileSync(join(here, 'node_modules/.bin/lighthouse'), [
    url, '--preset=desktop', '--output=json', '--output-path=stdout', '--quiet', '--disable-storage-reset',
    '--only-categories=performance,accessibility,best-practices', `--chrome-flags=${FLAGS.join(' ')} --user-data-dir=${dir}`,
  ], { env: { ...process.env, CHROME_PATH: '/usr/bin/chromium' }, maxBuffer: 64 << 20 });
  rmSync(dir, { recursive: true, force: true });
  const report = JSON.parse(out);
  const c = report.categories;
  const failed = Object.values(report.audits).filter((a) => a.score !== null && a.score < 1 && a.scoreDisplayMode === 'binary').map((a) => a.id);
  return { perf: c.performance.score * 100, a11y: c.accessibility.score * 100, bp: c['best-practices'].score * 100, lcp: report.audits['largest-contentful-paint'].numericValue, failed };
}

// Time from navigation to the page's heading on screen, cold cache.
async function loadTime(url, profile, heading) {
  const times = [];
  for (let i = 0; i < 5; i++) {
    const dir = mkdtempSync(join(state, 'pw-'));
    if (profile) cpSync(profile, dir, { recursive: true });
    const ctx = await chromium.launchPersistentContext(dir, { executablePath: '/usr/bin/chromium', headless: true, args: FLAGS.slice(1) });
    const page = await ctx.newPage();
    const t0 = Date.now();
    await page.goto(url, { waitUntil: 'commit' });
    await page.locator(heading).first().waitFor();
    await page.locator('.loading').first().waitFor({ state: 'detached' }).catch(() => {});
    times.push(Date.now() - t0);
    await ctx.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return median(times);
}

function bundle() {
  const dist = join(root, 'apps/web/dist');
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const initial = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((m) => m[1]);
  const rows = readdirSync(join(dist, 'assets'))
    .filter((f) => /\.(js|css)$/.test(f))
    .map((f) => {
      const data = readFileSync(join(dist, 'assets', f));
      return { file: f, initial: initial.includes(`assets/${f}`), raw: statSync(join(dist, 'assets', f)).size, gz: gzipSync(data, { level: 9 }).length, br: brotliCompressSync(data).length };
    });
  return rows;
}

const admin = { email: process.env.WEB_ADMIN_EMAIL, password: process.env.WEB_ADMIN_PASSWORD };
const session = await signIn(admin.email, admin.password);
const clients = (await api('GET', '/api/clients?limit=1&sort=name', undefined, session)).json.data;
const client = { email: 'bench-client@wavelaunch.local', password: 'Portal-Bench-9!x' };
await api('POST', '/api/users', { ...client, name: 'Bench Client', role: 'client', client_id: clients[0].id }, session);
// A published article of the demo's help center (seed-demo --help-articles).
const article = (await api('GET', '/api/help/articles?limit=1&sort=title')).json.data[0];
// A coach conversation of the client user with one question answered
// (by the offline provider: the bench sets no Claude API key).
const clientSession = await signIn(client.email, client.password);
const conversation = (await api('POST', '/api/coach/conversations', {}, clientSession)).json;
await api('POST', `/api/coach/conversations/${conversation.id}/messages`, { message: 'What should I post this week?' }, clientSession);
const teamProfile = await profileFor(admin);
const clientProfile = await profileFor(client);

const pages = [
  ['login page', '/login', null, 'h1'],
  ['team dashboard', '/', teamProfile, 'h1'],
  ['client detail', `/clients/${clients[0].id}`, teamProfile, 'h1'],
  ['portal dashboard', '/portal', clientProfile, 'h1'],
  ['help center', '/help', null, 'h1'],
  ['help article', `/help/${article.slug}`, null, 'h1'],
  ['help CMS editor', `/articles/${article.id}`, teamProfile, '.editor-area'],
  ['clients list', '/clients', teamProfile, 'h1'],
  ['analytics', '/analytics', teamProfile, '.chart'],
  ['portal coach', `/portal/coach/${conversation.id}`, clientProfile, '.coach-msg'],
];

const rows = bundle();
let initialRaw = 0;
let initialBr = 0;
console.log('== bundle (apps/web/dist/assets)');
for (const r of rows) {
  if (r.initial) (initialRaw += r.raw), (initialBr += r.br);
  console.log(`${r.initial ? 'initial' : 'lazy   '}  ${String(r.raw).padStart(7)} B raw  ${String(r.gz).padStart(6)} B gzip  ${String(r.br).padStart(6)} B br  ${r.file}`);
}
console.log(`initial JS + CSS: ${initialRaw} B raw, ${initialBr} B brotli (budget 153600 B raw)`);

console.log(`\n== page load on loopback (navigation to heading shown, data loaded; cold cache; median of 5)`);
for (const [name, path, profile, heading] of pages) console.log(`${name.padEnd(18)} ${await loadTime(base + path, profile, heading)} ms`);

console.log(`\n== Lighthouse ${JSON.parse(readFileSync(join(here, 'node_modules/lighthouse/package.json'))).version}, desktop preset, median of ${runs}`);
console.log('page               performance  accessibility  best-practices  LCP ms');
for (const [name, path, profile] of pages) {
  const res = [];
  for (let i = 0; i < runs; i++) res.push(lighthouse(base + path, profile));
  const m = (k) => median(res.map((x) => x[k]));
  console.log(`${name.padEnd(18)} ${String(m('perf')).padStart(11)}  ${String(m('a11y')).padStart(13)}  ${String(m('bp')).padStart(14)}  ${Math.round(m('lcp'))}`);
  const failed = [...new Set(res.flatMap((x) => x.failed))];
  if (failed.length) console.log(`${' '.repeat(19)}audits not passed: ${failed.join(', ')}`);
}
