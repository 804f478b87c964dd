// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// Stored XSS: every vector of the sanitiser's XSS corpus
// (tests/fuzz/corpus/sanitize/xss-*.html), and a plain <img onerror>,
// stored as notes and shown in the browser.  Nothing may run: a dialog,
// a page error or a CSP report (a console error) fails the test, and the
// rendered notes hold no active elements, no on* attributes and no
// javascript: links.  Text typed into the editor that looks like HTML is
// shown as that text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN, apiSession, login, screenshot, useStack, withPage } from './harness.mjs';

const corpusDir = new URL('../fuzz/corpus/sanitize/', import.meta.url).pathname;
const vectors = readdirSync(corpusDir)
  .filter((f) => f.startsWith('xss-'))
  .sort()
  .map((f) => readFileSync(join(corpusDir, f), 'utf8'));
vectors.push('<img src=x onerror="window.__pwned=1;alert(1)">', '<p>before<img src=/nope onerror=alert(2)>after</p>');

let stack;
let clientId;
let stored = 0; // vectors that sanitise to nothing are refused (422) instead
useStack(async (started) => {
  stack = started;
  const admin = await apiSession(stack, ADMIN);
  clientId = (await admin.call('POST', '/api/clients', { name: 'Xss Target' }, 201)).id;
  for (const body of vectors) {
    const res = await admin.call('POST', `/api/clients/${clientId}/notes`, { body });
    if (res.id) stored++;
    else assert.equal(res.code, 'validation_failed', JSON.stringify(res));
  }
});

test('the XSS corpus is large enough to mean something', () => {
  assert.ok(vectors.length > 150, `only ${vectors.length} vectors`);
  assert.ok(stored > 50, `only ${stored} vectors were stored`);
});

test('no stored vector runs when the notes are shown', () =>
  withPage(stack, null, async (page) => {
    await page.addInitScript(() => {
      window.__pwned = 0;
    });
    await login(page, ADMIN);
    await page.goto(`/clients/${clientId}/notes`);
    await page.locator('.note').first().waitFor();
    // Every page of notes, so every vector is in the document.
    while (await page.getByRole('button', { name: 'Show more' }).count()) {
      await page.getByRole('button', { name: 'Show more' }).click();
      await page.waitForFunction(() => !document.querySelector('.more[disabled]'));
    }
    assert.equal(await page.locator('.note').count(), stored);
    await page.waitForTimeout(500); // let any image error or timer fire
    const found = await page.evaluate(() => {
      const bad = [];
      for (const el of document.querySelectorAll('.rich *')) {
        if (/^(script|iframe|object|embed|svg|math|img|style|link|meta|base|form|input|button|textarea|video|audio|source|frame|frameset)$/i.test(el.localName)) bad.push(`<${el.localName}>`);
        for (const a of el.attributes) {
          if (/^on/i.test(a.name) || a.name === 'style' || a.name === 'srcdoc') bad.push(`${el.localName}[${a.name}]`);
          if (/^\s*(javascript|vbscript|data):/i.test(a.value)) bad.push(`${el.localName}[${a.name}=${a.value}]`);
        }
      }
      return { bad, pwned: window.__pwned };
    });
    assert.deepEqual(found, { bad: [], pwned: 0 });
    await screenshot(page, 'xss-notes-desktop');
  }));

test('HTML typed into the editor is shown as text', () =>
  withPage(stack, ADMIN, async (page) => {
    await page.goto(`/clients/${clientId}/notes`);
    const typed = '<img src=x onerror=alert(3)> and <script>alert(4)</script>';
    await page.getByRole('textbox', { name: 'New note' }).click();
    await page.keyboard.type(typed);
    await page.getByRole('button', { name: 'Add note' }).click();
    const note = page.locator('.note', { hasText: 'and <script>' }).first();
    await note.waitFor();
    assert.equal((await note.locator('.rich').innerText()).trim(), typed);
    assert.equal(await note.locator('img, script').count(), 0);
    await page.waitForTimeout(300);
  }));

test('a ticket whose subject, description and messages carry vectors shows them inert', () =>
  withPage(stack, null, async (page) => {
    const admin = await apiSession(stack, ADMIN);
    const subject = '<img src=x onerror="window.__pwned=1">"><script>alert(6)</script>';
    const t = await admin.call('POST', '/api/tickets', { subject, description: vectors.slice(0, 40).join('\n\n'), client_id: clientId }, 201);
    for (const message of vectors.slice(40, 80)) {
      const res = await admin.call('POST', `/api/tickets/${t.id}/messages`, { message });
      assert.ok(res.id || res.code === 'validation_failed', JSON.stringify(res));
    }
    await page.addInitScript(() => {
      window.__pwned = 0;
    });
    await login(page, ADMIN);
    await page.goto(`/tickets?q=${t.number}`);
    await page.getByRole('link', { name: `#${t.number} ${subject}` }).click();
    await page.getByRole('heading', { name: `#${t.number} ${subject}`, level: 1 }).waitFor();
    await page.locator('.message').nth(1).waitFor();
    await page.waitForTimeout(500);
    const found = await page.evaluate(() => {
      const bad = [];
      for (const el of document.querySelectorAll('main *')) {
        if (/^(script|iframe|object|embed|math|img|style|link|meta|base|frame|frameset|video|audio)$/i.test(el.localName)) bad.push(`<${el.localName}>`);
        for (const a of el.attributes) if (/^on/i.test(a.name) || a.name === 'srcdoc') bad.push(`${el.localName}[${a.name}]`);
      }
      return { bad, pwned: window.__pwned, title: document.title };
    });
    assert.deepEqual(found.bad, []);
    assert.equal(found.pwned, 0);
    assert.ok(found.title.startsWith(`#${t.number} <img`), found.title);
  }));
