// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// The team's work in the browser: create a client, write and approve a
// plan, mark a deliverable ready, upload a file (by the picker and by
// dropping it) and download it through its signed link, write a note in
// the editor; screenshots of the key pages at desktop and phone sizes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { ADMIN, apiSession, assertClean, login, openPage, screenshot, useStack, withPage } from './harness.mjs';

let stack;
let clientUrl;
useStack(async (started) => {
  stack = started;
});

test('create a client', () =>
  withPage(stack, ADMIN, async (page) => {
    await page.getByRole('link', { name: 'Clients' }).first().click();
    await page.getByRole('button', { name: 'New client' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Nova Reyes');
    await page.getByLabel('Brand name').fill('Nova Skin');
    await page.getByLabel('Email').fill('nova@example.test');
    await page.getByRole('button', { name: 'Create client' }).click();
    await page.getByRole('heading', { name: 'Nova Reyes', level: 1 }).waitFor();
    clientUrl = new URL(page.url()).pathname;
    assert.match(clientUrl, /^\/clients\/[0-9a-f-]{36}$/);
    // It is in the list, found by search.
    await page.goto('/clients?q=Nova');
    await page.getByRole('link', { name: 'Nova Reyes' }).waitFor();
  }));

test('a refused profile change keeps what was typed; a good one is saved', () =>
  withPage(stack, ADMIN, async (page) => {
    await page.goto(clientUrl);
    await page.getByRole('button', { name: 'Edit profile' }).click();
    await page.getByLabel('Niche').fill('Clean skincare');
    await page.getByLabel('Email').fill('not-an-address');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('alert').waitFor();
    assert.equal(await page.getByLabel('Niche').inputValue(), 'Clean skincare');
    assert.equal(await page.getByLabel('Email').inputValue(), 'not-an-address');
    await page.getByLabel('Email').fill('nova@skin.test');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('button', { name: 'Edit profile' }).waitFor();
    await page.getByText('Clean skincare').waitFor();
    await page.getByText('nova@skin.test').waitFor();
  }));

test('write and approve a business plan; mark a deliverable ready', () =>
  withPage(stack, ADMIN, async (page) => {
    await page.goto(`${clientUrl}/plan`);
    await page.getByText('Write a new version').click();
    await page.getByLabel('Title').fill('Nova Skin launch plan');
    await page.getByLabel('Plan (Markdown)').fill('# Positioning\n\nClean skincare for **busy** creators.\n\n- Audience: 18-34\n- Channels: short video');
    await page.getByRole('button', { name: 'Save as draft' }).click();
    await page.getByRole('heading', { name: /Nova Skin launch plan/ }).waitFor();
    await page.getByRole('heading', { name: 'Positioning' }).waitFor();
    await page.getByRole('button', { name: 'Approve this version' }).click();
    await page.locator('article .badge', { hasText: 'Approved' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Approve this version' }).count(), 0);
    await screenshot(page, 'client-plan-desktop');

    await page.getByRole('link', { name: 'Deliverables' }).click();
    await page.getByRole('heading', { name: /M1/ }).waitFor();
    assert.equal(await page.locator('.board > li').count(), 8);
    await page.getByRole('button', { name: 'Mark M1 ready for the client' }).click();
    await page.locator('.board > li').first().locator('.badge', { hasText: 'Ready' }).waitFor();
    await screenshot(page, 'client-deliverables-desktop');
  }));

test('upload a file with progress, by picker and by drop, and download it', () =>
  withPage(stack, ADMIN, async (page) => {
    await page.goto(`${clientUrl}/files`);
    const text = 'Brand brief for Nova Skin\n'.repeat(2000);
    const path = join(tmpdir(), `brief-${process.pid}.txt`);
    writeFileSync(path, text);
    await page.getByLabel('Choose files').setInputFiles(path);
    await page.getByText('Uploaded').waitFor();
    await page.getByRole('button', { name: `Download brief-${process.pid}.txt` }).waitFor();

    // Drag and drop: a DataTransfer with a file, dropped on the zone.
    await page.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['dropped notes\n'], 'dropped.txt', { type: 'text/plain' }));
      document.querySelector('.dropzone').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await page.getByRole('button', { name: 'Download dropped.txt' }).waitFor();

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: `Download brief-${process.pid}.txt` }).click()]);
    const saved = await download.path();
    assert.equal(readFileSync(saved, 'utf8'), text);
    await screenshot(page, 'client-files-desktop');
  }));

test('a note written in the editor is stored and shown', () =>
  withPage(stack, ADMIN, async (page) => {
    await page.goto(`${clientUrl}/notes`);
    const editor = page.getByRole('textbox', { name: 'New note' });
    await editor.click();
    await page.keyboard.type('Call went well. ');
    await page.getByRole('button', { name: 'Bold' }).click();
    await page.keyboard.type('Send samples');
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.locator('.note strong', { hasText: 'Send samples' }).waitFor();
    await screenshot(page, 'client-notes-desktop');
  }));

test('screenshots of the key pages, desktop and phone', async () => {
  const admin = await apiSession(stack, ADMIN);
  // A failed job for the jobs monitor to show.
  for (const phone of [false, true]) {
    const page = await openPage(stack, { phone });
    await login(page, ADMIN);
    const size = phone ? 'phone' : 'desktop';
    await page.goto('/');
    await page.getByRole('heading', { name: 'Recent activity' }).waitFor();
    await page.locator('.loading').first().waitFor({ state: 'detached' });
    await screenshot(page, `dashboard-${size}`);
    await page.goto('/clients');
    await page.getByRole('link', { name: 'Nova Reyes' }).waitFor();
    await screenshot(page, `clients-${size}`);
    await page.goto(clientUrl);
    await page.getByRole('heading', { name: 'Profile' }).waitFor();
    await screenshot(page, `client-${size}`);
    await page.goto('/jobs');
    await page.getByRole('heading', { name: 'Jobs', level: 1 }).waitFor();
    await page.locator('.loading').waitFor({ state: 'detached' });
    await screenshot(page, `jobs-${size}`);
    await page.goto('/team');
    await page.getByRole('cell', { name: ADMIN.email, exact: true }).waitFor();
    await screenshot(page, `team-${size}`);
    if (phone) {
      // The navigation collapses behind a button, and opens with it.
      const nav = page.getByRole('navigation', { name: 'Main' });
      assert.equal(await nav.isVisible(), false);
      await page.getByRole('button', { name: 'Menu' }).click();
      await nav.getByRole('link', { name: 'Clients' }).waitFor();
      await screenshot(page, 'menu-phone');
      // Touch targets: every visible button and link in the menu is 44 px tall or more.
      const small = await page.evaluate(() =>
        [...document.querySelectorAll('#nav a, #nav button, .menu-toggle')]
          .filter((e) => e.offsetParent && e.getBoundingClientRect().height < 44)
          .map((e) => e.textContent),
      );
      assert.deepEqual(small, []);
    }
    assertClean(page);
    await page.context().close();
  }
  assert.ok(admin.csrf);
});
