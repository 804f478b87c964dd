// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// Portal access and the email log in the browser, against the real API:
// the team invites a client's people from the client's page, sees the
// invitations' states and revokes one; the admin's email log lists what
// a real wl-worker sent through the loopback Resend API (one refused on
// purpose), filters it, shows one email and sends the failed one again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { ADMIN, apiSession, env, screenshot, strongPassword, useStack, withPage } from './harness.mjs';

let stack;
let admin;
let client;
const STAFF = { email: 'sol@mail.test', password: strongPassword() };

useStack(async (started) => {
  stack = started;
  admin = await apiSession(stack, ADMIN);
  client = await admin.call('POST', '/api/clients', { name: 'Harbor Goods', email: 'owner@harbor.test', status: 'active' }, 201);
  await admin.call('POST', '/api/users', { ...STAFF, name: 'Sol Staff', role: 'staff' }, 201);
});

test('portal access: invite from the client page, the states, revoke, and refusals as sentences', async () => {
  await withPage(stack, STAFF, async (page) => {
    page.allowDialogs = true; // the revoke confirmation
    await page.goto(`/clients/${client.id}`);
    await page.getByRole('navigation', { name: 'Client sections' }).getByRole('link', { name: 'Portal access' }).click();
    await page.getByRole('heading', { name: 'Portal access', level: 2 }).waitFor();
    await page.getByText('No invitations yet.').waitFor();

    for (const email of ['first@harbor.test', 'second@harbor.test']) {
      await page.getByLabel('Their email').fill(email);
      await page.getByRole('button', { name: 'Send invitation' }).click();
      await page.getByText(`An invitation was sent to ${email}: its link works once, for 7 days.`).waitFor();
      await page.getByRole('row', { name: new RegExp(email) }).getByText('Pending').waitFor();
    }
    assert.equal(await page.getByLabel('Their email').inputValue(), '', 'the form is empty again');

    await page.getByRole('button', { name: 'Revoke the invitation to first@harbor.test' }).click();
    await page.getByText('The invitation to first@harbor.test was revoked.').waitFor();
    await page.getByRole('row', { name: /first@harbor\.test/ }).getByText('Revoked').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Revoke the invitation to first@harbor.test' }).count(), 0);
    await page.getByRole('button', { name: 'Revoke the invitation to second@harbor.test' }).waitFor();

    // An address that already has an account: the server's sentence.
    await page.getByLabel('Their email').fill(ADMIN.email);
    await page.getByRole('button', { name: 'Send invitation' }).click();
    const alert = page.getByRole('form', { name: 'Invite someone to the portal' }).getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /^[A-Z].*\.$/);
    assert.doesNotMatch(await alert.innerText(), /409|conflict|_/);
    await screenshot(page, 'portal-access-desktop');
  });
  const list = await admin.call('GET', `/api/clients/${client.id}/portal-invites`, undefined, 200);
  const byEmail = Object.fromEntries(list.data.map((i) => [i.email, i]));
  assert.ok(byEmail['first@harbor.test'].revoked_at, 'revoked on the server');
  assert.equal(byEmail['second@harbor.test'].revoked_at, null);

  await withPage(stack, ADMIN, async (page) => {
    await page.goto(`/clients/${client.id}/portal`);
    await page.getByRole('row', { name: /second@harbor\.test/ }).getByText('Pending').waitFor();
    await screenshot(page, 'portal-access-phone');
  }, { phone: true });
});

// A wl-worker sending through the loopback Resend API under its own key,
// whose first request is refused with 422 (a permanent failure).
async function resendWorker() {
  const key = `re_${randomBytes(8).toString('hex')}`;
  const base = env('WL_TEST_RESEND_URL');
  const plan = await fetch(`${base}/_test/plan`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ actions: [{ status: 422 }] }),
  });
  assert.equal(plan.status, 200);
  const proc = spawn(env('WL_TEST_WORKER_BIN'), [], {
    env: { ...stack.vars, WL_EMAIL_TRANSPORT: 'resend', WL_RESEND_API_KEY: key, WL_RESEND_BASE_URL: base, WL_WORKER_POLL_MS: '200' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return {
    sent: async () => (await (await fetch(`${base}/_test/emails`, { headers: { Authorization: `Bearer ${key}` } })).json()).data.length,
    async stop() {
      const exited = new Promise((r) => (proc.exitCode !== null ? r(proc.exitCode) : proc.on('exit', r)));
      proc.kill('SIGTERM');
      assert.equal(await exited, 0, 'wl-worker exits cleanly');
    },
  };
}

async function until(what, fn) {
  for (let i = 0; ; i++) {
    if (await fn()) return;
    assert.ok(i < 600, `waited too long for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('the email log: filters, one email, and a failed one sent again', async () => {
  const worker = await resendWorker();
  try {
    const queued = async () => (await admin.call('GET', '/api/emails?status=queued', undefined, 200)).data.length === 0;
    await until('the queued emails to be sent or fail', queued);
    const all = (await admin.call('GET', '/api/emails?limit=100', undefined, 200)).data;
    const failed = all.filter((m) => m.status === 'failed');
    assert.equal(failed.length, 1, JSON.stringify(all.map((m) => [m.to, m.status])));
    const sentBefore = all.filter((m) => m.status === 'sent').length;
    assert.equal(await worker.sent(), sentBefore);
    assert.equal(sentBefore, all.length - 1, 'the others are sent');

    await withPage(stack, ADMIN, async (page) => {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Emails' }).click();
      await page.getByRole('heading', { name: 'Email log', level: 1 }).waitFor();
      await page.locator('tbody tr').first().waitFor();
      assert.equal(await page.locator('tbody tr').count(), all.length);
      await screenshot(page, 'email-log-desktop');

      await page.getByLabel('Recipient').fill('SECOND@harbor.test');
      await page.getByRole('button', { name: 'Find' }).click();
      await page.waitForURL(/to=SECOND/);
      await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 1);
      assert.match(await page.locator('tbody tr').innerText(), /second@harbor\.test/);
      await page.getByLabel('Recipient').fill('');
      await page.getByRole('button', { name: 'Find' }).click();
      await page.waitForURL((u) => !u.search.includes('to='));

      await page.getByLabel('Template').selectOption('password_reset');
      await page.getByText('No emails match.').waitFor();
      await page.getByLabel('Template').selectOption(failed[0].template);
      await page.getByLabel('Status').selectOption('failed');
      await page.waitForURL(/status=failed/);
      await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 1);
      await page.locator('tbody tr').getByRole('link').click();

      await page.waitForURL(`**/emails/${failed[0].id}`);
      const details = page.getByRole('region', { name: 'Details' });
      await details.getByText('Resend answered 422: failing on demand').waitFor();
      await details.getByText(failed[0].to).waitFor();
      await page.getByRole('button', { name: 'Send again' }).click();
      await page.getByText('Queued again: a worker sends it shortly.').waitFor();
      await details.locator('.badge', { hasText: 'Queued' }).waitFor();
      assert.equal(await page.getByRole('button', { name: 'Send again' }).count(), 0);
      // The worker sends it: the page shows so after a reload.
      await until('the resent email to be sent', async () => (await admin.call('GET', `/api/emails/${failed[0].id}`, undefined, 200)).status === 'sent');
      await page.reload();
      await details.locator('.badge', { hasText: 'Sent' }).waitFor();
      await details.getByText('1 time').waitFor();
      await screenshot(page, 'email-detail-desktop');
    });
    assert.equal(await worker.sent(), sentBefore + 1);
  } finally {
    await worker.stop();
  }

  // Staff have no email log: no link, and the address says why.
  await withPage(stack, STAFF, async (page) => {
    assert.equal(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Emails' }).count(), 0);
    await page.goto('/emails');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /^[A-Z].*\.$/);
  });
});
