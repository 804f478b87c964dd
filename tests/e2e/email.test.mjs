// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// The pages the links in emails open, with the mail a real wl-worker wrote
// into the mailbox folder: a portal invitation (choose a password → signed
// in to the portal) and an unsubscribe link (what will change → done).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN, apiSession, env, screenshot, strongPassword, useStack, withPage } from './harness.mjs';

let stack;
let admin;
useStack(async (started) => {
  stack = started;
  admin = await apiSession(stack, ADMIN);
});

// Runs one wl-worker until `count` messages are in the mailbox (at most
// 60 s), then stops it; returns the messages' text, quoted-printable
// decoded (a long link is split by soft line breaks).
async function mailAfterWorker(count) {
  const worker = spawn(env('WL_TEST_WORKER_BIN'), [], {
    env: stack.vars,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const files = () => (existsSync(stack.mailbox) ? readdirSync(stack.mailbox).filter((f) => f.endsWith('.eml')) : []);
  for (let i = 0; files().length < count; i++) {
    assert.ok(i < 1200, `the worker wrote ${files().length} of ${count} messages`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const exited = new Promise((r) => worker.on('exit', r));
  worker.kill('SIGTERM');
  assert.equal(await exited, 0, 'wl-worker exits cleanly');
  return files().map((f) =>
    readFileSync(join(stack.mailbox, f), 'latin1')
      .replace(/=\r\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16))),
  );
}

const linkIn = (mails, path) => {
  for (const m of mails) {
    const hit = m.match(new RegExp(`${stack.base}${path}\\?token=([A-Za-z0-9_-]+)`));
    if (hit) return `${path}?token=${hit[1]}`;
  }
  assert.fail(`no ${path} link in the mail`);
};

test('a portal invitation: the mailed link, a password, and the portal', async () => {
  const client = await admin.call('POST', '/api/clients', { name: 'Invited Ltd', status: 'active' }, 201);
  const email = 'invitee@e2e.test';
  await admin.call('POST', '/api/portal-invites', { client_id: client.id, email }, 201);
  const link = linkIn(await mailAfterWorker(1), '/invite');
  await withPage(stack, null, async (page) => {
    await page.goto(link);
    await page.getByRole('heading', { name: 'Welcome to your portal' }).waitFor();
    const pw = strongPassword();
    await page.getByLabel('Password', { exact: true }).fill(pw);
    await page.getByLabel('The same again').fill(pw);
    await screenshot(page, 'invite-desktop');
    await page.getByRole('button', { name: 'Open my portal' }).click();
    await page.waitForURL('**/portal');
    const me = await page.evaluate(() => fetch('/api/auth/me').then((r) => r.json()));
    assert.equal(me.email ?? me.user?.email, email);
    // The link worked once.
    await page.goto(link);
    await page.getByLabel('Password', { exact: true }).fill(pw);
    await page.getByLabel('The same again').fill(pw);
    await page.getByRole('button', { name: 'Open my portal' }).click();
    await page.getByRole('alert').waitFor();
  });
});

test('an unsubscribe link says what will change, then changes it', async () => {
  const client = await admin.call('POST', '/api/clients', { name: 'Reminded Ltd', status: 'active' }, 201);
  const who = { email: 'reminded@e2e.test', password: strongPassword() };
  await admin.call('POST', '/api/users', { ...who, name: 'Rea', role: 'client', client_id: client.id }, 201);
  const items = await admin.call('GET', `/api/clients/${client.id}/deliverables`, undefined, 200);
  const before = (stack.mailbox && existsSync(stack.mailbox) ? readdirSync(stack.mailbox) : []).filter((f) => f.endsWith('.eml')).length;
  await admin.call('POST', `/api/deliverables/${items.data[0].id}/ready`, {}, 200);
  const mails = await mailAfterWorker(before + 1);
  const link = linkIn(mails, '/unsubscribe');
  await withPage(stack, null, async (page) => {
    await page.goto(link);
    await page.getByText(`Stop deliverable emails to ${who.email}?`).waitFor();
    await screenshot(page, 'unsubscribe-desktop');
    await page.getByRole('button', { name: 'Unsubscribe' }).click();
    await page.getByText(`${who.email} gets no more deliverable emails.`).waitFor();
  });
  const rea = await apiSession(stack, who);
  const prefs = await rea.call('GET', '/api/portal/preferences', undefined, 200);
  assert.equal(prefs.email.deliverables, false, JSON.stringify(prefs));
  assert.equal(prefs.email.reminders, true, "only the link's category changed");
});
