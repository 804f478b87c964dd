// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// Signing in and out, the lockout said as a sentence, and CSRF: the app's
// own unsafe requests carry the token; a request without it, with a wrong
// one, or from another origin is refused and changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { ADMIN, apiSession, login, screenshot, useStack, withPage } from './harness.mjs';

let stack;
useStack(async (started) => {
  stack = started;
});

test('log in and out', () =>
  withPage(stack, null, async (page) => {
    await page.goto('/clients');
    await page.waitForURL(/\/login\?next=%2Fclients/);
    await screenshot(page, 'login-desktop');
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/clients'); // where it was going
    await page.getByRole('heading', { name: 'Clients', level: 1 }).waitFor();
    await page.getByRole('button', { name: /your account/ }).click(); // the user menu
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/login');
    // The session is gone on the server too, not only in the page.
    const me = await page.evaluate(() => fetch('/api/auth/me').then((r) => r.status));
    assert.equal(me, 401);
    await page.goto('/');
    await page.waitForURL(/\/login/);
  }));

test('a wrong password and then a lockout are said in sentences', () =>
  withPage(stack, null, async (page) => {
    await page.goto('/login');
    const who = { email: 'nobody-here@e2e.test', password: 'Wrong-Passw0rd!' };
    await page.getByLabel('Email').fill(who.email);
    await page.getByLabel('Password').fill(who.password);
    for (let i = 0; i < 5; i++) {
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').waitFor();
      await page.waitForFunction(() => !document.querySelector('button[type=submit]').disabled);
    }
    assert.match(await page.getByRole('alert').innerText(), /The email or password is not correct\./);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'locked' }).waitFor();
    const text = await page.getByRole('alert').innerText();
    assert.match(text, /This account is locked after too many failed sign-ins\. Try again in 15 minutes/);
    assert.doesNotMatch(text, /account_locked|423/);
    await screenshot(page, 'login-locked-desktop');
  }));

test('CSRF: the app sends the token; a forged request fails and changes nothing', () =>
  withPage(stack, ADMIN, async (page) => {
    // The app's own form works (its request carries X-CSRF-Token).
    await page.goto('/clients?new=1');
    await page.getByLabel('Name', { exact: true }).fill('Csrf Allowed');
    await page.getByRole('button', { name: 'Create client' }).click();
    await page.getByRole('heading', { name: 'Csrf Allowed', level: 1 }).waitFor();

    // The same request from the page without the token, and with a wrong one.
    const forged = await page.evaluate(async () => {
      const send = (headers) =>
        fetch('/api/clients', { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify({ name: 'Csrf Forged' }) }).then(async (r) => [r.status, (await r.json()).code]);
      return [await send({}), await send({ 'X-CSRF-Token': 'not-the-token' })];
    });
    assert.deepEqual(forged, [[403, 'csrf_failed'], [403, 'csrf_failed']]);

    // Another origin (same site: another port of 127.0.0.1, so the browser
    // does send the SameSite=Lax cookie) tries it: CORS refuses the
    // preflight, and a simple text/plain POST is refused by the server.
    const evil = createServer((req, res) => {
      res.setHeader('Content-Type', 'text/html');
      res.end('<!doctype html><title>evil</title>');
    });
    await new Promise((r) => evil.listen(0, '127.0.0.1', r));
    const evilPage = await page.context().newPage();
    evilPage.on('console', () => {}); // the refusals it logs are the point
    await evilPage.goto(`http://127.0.0.1:${evil.address().port}/`);
    const fromEvil = await evilPage.evaluate(async (api) => {
      const out = [];
      try {
        const r = await fetch(api, { method: 'POST', credentials: 'include', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'Csrf Forged' }) });
        out.push(r.status);
      } catch {
        out.push('blocked');
      }
      const r = await fetch(api, { method: 'POST', credentials: 'include', mode: 'no-cors', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify({ name: 'Csrf Forged' }) });
      out.push(r.type);
      return out;
    }, `${stack.base}/api/clients`);
    evil.close();
    assert.deepEqual(fromEvil, ['blocked', 'opaque']);
    const admin = await apiSession(stack, ADMIN);
    const found = await admin.call('GET', '/api/clients?q=Csrf%20Forged', undefined, 200);
    assert.equal(found.data.length, 0, 'a forged request created a client');
  }));
