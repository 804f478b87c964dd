// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// The portal's onboarding wizard in the browser, against the real API: a
// client user walks the six steps, each saved on the server, so a reload
// and another device open it where they stopped with the answers filled
// in; the server's refusals show on their fields; the last step finishes
// onboarding (the client moves from lead to onboarding) and the
// dashboard's call to it goes away.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, apiSession, screenshot, strongPassword, useStack, withPage } from './harness.mjs';

let stack;
let admin;
let client;
const USER = { email: 'ada@onboard.test', password: strongPassword() };

useStack(async (started) => {
  stack = started;
  admin = await apiSession(stack, ADMIN);
  client = await admin.call('POST', '/api/clients', { name: 'Ada Stone', status: 'lead' }, 201);
  await admin.call('POST', '/api/users', { ...USER, name: 'Ada', role: 'client', client_id: client.id }, 201);
});

const heading = (page, n, name) => page.getByRole('heading', { name: `Step ${n} of 6: ${name}` }).waitFor();

test('six steps saved on the server: a reload and another device resume where they stopped', async () => {
  await withPage(stack, USER, async (page) => {
    const card = page.getByRole('region', { name: 'Finish setting up' });
    await card.getByRole('link', { name: 'Start onboarding' }).click();
    await heading(page, 1, 'Welcome');
    await screenshot(page, 'onboarding-welcome-desktop');
    await page.getByRole('button', { name: 'Get started' }).click();

    await heading(page, 2, 'Your profile');
    // A refusal of the server, on its field.
    await page.getByLabel('Brand name').fill('Stoneware Studio');
    await page.getByLabel('Website').fill('not a web address');
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await page.getByRole('alert').waitFor();
    assert.equal(await page.getByLabel('Website').getAttribute('aria-invalid'), 'true');
    await page.getByLabel('Website').fill('https://stoneware.example');
    await page.getByLabel('Niche').fill('Hand-thrown ceramics');
    await page.getByLabel('Your goals').fill('Launch a mug line.\nSell at two markets.');
    await page.getByLabel('Instagram').fill('@stoneware');
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await heading(page, 3, 'Your materials');

    // A reload opens the first step not done; a done step keeps its answers.
    await page.reload();
    await heading(page, 3, 'Your materials');
    await page.getByRole('navigation', { name: 'Onboarding steps' }).getByRole('button', { name: /Your profile/ }).click();
    await heading(page, 2, 'Your profile');
    assert.equal(await page.getByLabel('Brand name').inputValue(), 'Stoneware Studio');
    assert.equal(await page.getByLabel('Your goals').inputValue(), 'Launch a mug line.\nSell at two markets.');
    assert.equal(await page.getByLabel('Instagram').inputValue(), '@stoneware');
    await page.getByRole('button', { name: 'Save and continue' }).click();

    await heading(page, 3, 'Your materials');
    await page.getByLabel('Add files').setInputFiles({ name: 'logo-sketch.txt', mimeType: 'text/plain', buffer: Buffer.from('a round logo') });
    await page.getByRole('list', { name: 'Files you shared' }).getByText('logo-sketch.txt').waitFor();
    await page.getByLabel('Anything we should know about them?').fill('The sketch is a first idea.');
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await heading(page, 4, 'Your plan');
  });

  // Another device: a new browser context, signed in afresh.
  await withPage(stack, USER, async (page) => {
    await page.getByRole('link', { name: 'Continue onboarding' }).click();
    await heading(page, 4, 'Your plan');
    await page.getByRole('navigation', { name: 'Onboarding steps' }).getByRole('button', { name: /Your materials/ }).click();
    await page.getByRole('list', { name: 'Files you shared' }).getByText('logo-sketch.txt').waitFor();
    await page.getByRole('button', { name: 'Save and continue' }).click();

    await heading(page, 4, 'Your plan');
    await page.getByLabel('I understand my plan comes next').check();
    await page.getByLabel('Comments or questions').fill('Please cover wholesale.');
    await page.getByRole('button', { name: 'Save and continue' }).click();

    await heading(page, 5, 'Notifications');
    await page.getByRole('group', { name: 'By email' }).getByLabel('Support tickets').uncheck();
    await page.getByRole('button', { name: 'Save and continue' }).click();

    await heading(page, 6, 'Done');
    await screenshot(page, 'onboarding-done-desktop');
    await page.getByRole('button', { name: 'Finish onboarding' }).click();
    await page.getByRole('heading', { name: 'You are all set' }).waitFor();
    await page.getByRole('link', { name: 'Go to your dashboard' }).click();
    await page.waitForURL('**/portal');
    await page.getByRole('heading', { name: /^Welcome/, level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'Progress' }).waitFor();
    assert.equal(await page.getByRole('region', { name: 'Finish setting up' }).count(), 0);
  });

  const me = await apiSession(stack, USER);
  const progress = await me.call('GET', '/api/portal/onboarding', undefined, 200);
  assert.ok(progress.completed_at);
  assert.equal(progress.steps[1].data.brand_name, 'Stoneware Studio');
  assert.equal(progress.steps[2].data.file_ids.length, 1);
  assert.equal(progress.steps[3].data.comments, 'Please cover wholesale.');
  const prefs = await me.call('GET', '/api/portal/preferences', undefined, 200);
  assert.equal(prefs.email.tickets, false);
  assert.equal(prefs.email.deliverables, true);
  assert.equal((await admin.call('GET', `/api/clients/${client.id}`, undefined, 200)).status, 'onboarding');
});

test('the wizard on a phone', () =>
  withPage(
    stack,
    USER,
    async (page) => {
      await page.goto('/portal/onboarding');
      await page.getByRole('heading', { name: 'You are all set' }).waitFor();
      await screenshot(page, 'onboarding-phone');
    },
    { phone: true },
  ));
