// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// The client portal: a client user sees their own plan, deliverables and
// files, and never another client's, whether by the pages or by typing
// the other client's addresses (pages and API alike).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, apiSession, assertClean, login, openPage, screenshot, strongPassword, useStack, withPage } from './harness.mjs';

let stack;
const A = {};
const B = {};

async function uploadAs(session, clientId, name, text) {
  const form = new FormData();
  form.append('client_id', clientId);
  form.append('file', new Blob([text], { type: 'text/plain' }), name);
  const r = await fetch(`${stack.base}/api/files`, { method: 'POST', headers: { Cookie: session.cookie, 'X-CSRF-Token': session.csrf }, body: form });
  assert.equal(r.status, 201, await r.clone().text());
  return r.json();
}

async function makeClient(admin, who, name, brand) {
  who.client = await admin.call('POST', '/api/clients', { name, brand_name: brand, status: 'active' }, 201);
  who.user = { email: `${brand.toLowerCase().replace(/\W/g, '')}@portal.test`, password: strongPassword() };
  await admin.call('POST', '/api/users', { ...who.user, name, role: 'client', client_id: who.client.id }, 201);
  const plan = await admin.call('POST', `/api/clients/${who.client.id}/business-plans`, { title: `${brand} plan`, content_markdown: `## ${brand} secret strategy` }, 201);
  await admin.call('POST', `/api/business-plans/${plan.id}/approve`, {}, 200);
  const items = await admin.call('GET', `/api/clients/${who.client.id}/deliverables`, undefined, 200);
  await admin.call('POST', `/api/deliverables/${items.data[0].id}/ready`, {}, 200);
  who.file = await uploadAs(admin, who.client.id, `${brand}-moodboard.txt`, `${brand} only`);
}

useStack(async (started) => {
  stack = started;
  const admin = await apiSession(stack, ADMIN);
  await makeClient(admin, A, 'Ada Stone', 'Stoneware');
  await makeClient(admin, B, 'Bo Lake', 'Lakeside');
});

test('a client user sees their own plan, deliverables and files', async () => {
  for (const phone of [false, true]) {
    const page = await openPage(stack, { phone });
    await login(page, A.user);
    await page.waitForURL('**/portal');
    await page.getByRole('heading', { name: 'Welcome, Stoneware' }).waitFor();
    await screenshot(page, `portal-${phone ? 'phone' : 'desktop'}`);
    await page.goto('/portal/plan');
    await page.getByRole('heading', { name: 'Stoneware secret strategy' }).waitFor();
    await page.goto('/portal/deliverables');
    await page.getByText(/M1 /).waitFor();
    await screenshot(page, `portal-deliverables-${phone ? 'phone' : 'desktop'}`);
    await page.goto('/portal/files');
    await page.getByText('Stoneware-moodboard.txt').first().waitFor();
    assert.doesNotMatch(await page.locator('main').innerText(), /Lakeside/);
    assertClean(page);
    await page.context().close();
  }
});

test('a client user can upload into their own files', () =>
  withPage(stack, A.user, async (page) => {
    await page.goto('/portal/files');
    await page.getByLabel('Choose files').setInputFiles({ name: 'logo-ideas.txt', mimeType: 'text/plain', buffer: Buffer.from('ideas') });
    await page.getByRole('button', { name: 'Download logo-ideas.txt' }).waitFor();
    // Clients do not delete files.
    assert.equal(await page.getByRole('button', { name: /^Delete/ }).count(), 0);
  }));

test("typing another client's addresses shows nothing of theirs", () =>
  withPage(stack, A.user, async (page) => {
    for (const path of [`/clients/${B.client.id}`, `/clients/${B.client.id}/files`, `/clients/${B.client.id}/plan`, '/clients', '/jobs', '/team']) {
      await page.goto(path);
      await page.waitForURL('**/portal');
      await page.getByRole('heading', { name: 'Welcome, Stoneware' }).waitFor();
      const text = await page.locator('body').innerText();
      assert.doesNotMatch(text, /Lakeside|Bo Lake/, `${path} showed client B`);
    }
    // The API answers "not found" for B's records, as if they did not exist.
    const answers = await page.evaluate(async (b) => {
      const paths = [`/api/clients/${b.client}`, `/api/clients/${b.client}/files`, `/api/clients/${b.client}/deliverables`, `/api/files/${b.file}`, `/api/files/${b.file}/download`];
      return Promise.all(paths.map((p) => fetch(p).then(async (r) => [p, r.status, JSON.stringify(await r.json())])));
    }, { client: B.client.id, file: B.file.id });
    for (const [path, status, body] of answers) {
      assert.equal(status, 404, path);
      assert.doesNotMatch(body, /Lakeside|Bo Lake|moodboard/, path);
    }
    page.problems = page.problems.filter((p) => !/404/.test(p));
  }));

test('the team sees a pointer, not a broken page, at /portal', () =>
  withPage(stack, ADMIN, async (page) => {
    await page.goto('/portal');
    await page.getByText('The portal is for client users.').waitFor();
  }));
