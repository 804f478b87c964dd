// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// In-app notifications end to end: a wl-worker turns "deliverable ready"
// and ticket events into notifications, the server streams them, and the
// bell shows them live (no reload); marking one or all read; and the
// preferences pages (the team's under the user menu, the portal's email
// preferences), whose in-app switch really stops a notification.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, apiSession, screenshot, strongPassword, useStack, withPage } from './harness.mjs';

let stack;
let admin;
let client;
let deliverables;
const USER = { email: 'ivy@notify.test', password: strongPassword() };

useStack(
  async (started) => {
    stack = started;
    admin = await apiSession(stack, ADMIN);
    client = await admin.call('POST', '/api/clients', { name: 'Ivy North', brand_name: 'Northwind', status: 'active' }, 201);
    await admin.call('POST', '/api/users', { ...USER, name: 'Ivy North', role: 'client', client_id: client.id }, 201);
    deliverables = (await admin.call('GET', `/api/clients/${client.id}/deliverables`, undefined, 200)).data;
  },
  { worker: 'notifications' },
);

const bell = (page) => page.getByRole('button', { name: /^Notifications/ });

// Waits until every notification_create job has run (the worker's), so a
// notification that should not exist has had its chance to.
async function jobsSettled() {
  for (let i = 0; i < 200; i++) {
    const pending = await Promise.all(
      ['available', 'scheduled', 'running', 'retryable'].map((s) => admin.call('GET', `/api/jobs?kind=notification_create&state=${s}&limit=1`, undefined, 200)),
    );
    if (pending.every((p) => p.data.length === 0)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail('the notification jobs did not finish');
}

test("mark a deliverable ready and see the client's notification arrive live", () =>
  withPage(stack, USER, async (page) => {
    await page.getByRole('heading', { name: 'Welcome, Northwind' }).waitFor();
    await page.locator('.bell[data-live=true]').waitFor();
    assert.equal(await bell(page).getAttribute('aria-label'), 'Notifications');
    // Anything kept in the page survives only if it is never reloaded.
    await page.evaluate(() => (window.__sameDocument = true));

    await admin.call('POST', `/api/deliverables/${deliverables[0].id}/ready`, {}, 200);
    await page.waitForFunction(() => document.querySelector('.bell-button').getAttribute('aria-label') === 'Notifications, 1 unread', null, { timeout: 15000 });
    assert.equal(await page.evaluate(() => window.__sameDocument), true, 'the page was not reloaded');
    assert.equal(await page.locator('.bell [role=status]').innerText(), 'New notification: Milestone M1 is ready');

    await bell(page).click();
    const panel = page.getByRole('region', { name: 'Latest notifications' });
    await panel.getByRole('link', { name: /Milestone M1 is ready/ }).waitFor();
    await screenshot(page, 'notifications-bell-desktop');
    await panel.getByRole('link', { name: /Milestone M1 is ready/ }).click();
    await page.waitForURL('**/portal/deliverables');
    await page.waitForFunction(() => document.querySelector('.bell-button').getAttribute('aria-label') === 'Notifications');
    const list = await apiSession(stack, USER).then((s) => s.call('GET', '/api/notifications', undefined, 200));
    assert.equal(list.data.length, 1);
    assert.equal(list.data[0].read, true);
  }));

test('the team hears of a new ticket live, and marks notifications read one by one and all at once', async () => {
  const me = await apiSession(stack, USER);
  await withPage(stack, ADMIN, async (page) => {
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.locator('.bell[data-live=true]').waitFor();
    const t1 = await me.call('POST', '/api/tickets', { subject: 'Colour of the box', description: 'Too dark.' }, 201);
    const t2 = await me.call('POST', '/api/tickets', { subject: 'Font licence', description: 'Which one?' }, 201);
    await page.waitForFunction(() => document.querySelector('.bell-button').getAttribute('aria-label') === 'Notifications, 2 unread', null, { timeout: 15000 });

    await page.goto('/notifications');
    await page.getByRole('heading', { name: `New ticket #${t2.number}` }).waitFor();
    await page.getByRole('heading', { name: `New ticket #${t1.number}` }).waitFor();
    await screenshot(page, 'notifications-desktop');
    await page.getByRole('button', { name: `Mark “New ticket #${t1.number}” read` }).click();
    await page.waitForFunction(() => document.querySelector('.bell-button').getAttribute('aria-label') === 'Notifications, 1 unread');
    await page.getByLabel('Show').selectOption('true');
    await page.waitForURL(/unread=true/);
    await page.waitForFunction(() => document.querySelectorAll('.page-list li').length === 1);
    await page.getByRole('heading', { name: `New ticket #${t2.number}` }).waitFor();

    await page.getByRole('button', { name: 'Mark all read' }).click();
    await page.getByText('Nothing unread.').waitFor();
    await page.waitForFunction(() => document.querySelector('.bell-button').getAttribute('aria-label') === 'Notifications');

    // Its link opens the ticket.
    await page.getByLabel('Show').selectOption('');
    await page.getByRole('link', { name: `New ticket #${t1.number}` }).click();
    await page.getByRole('heading', { name: `#${t1.number} Colour of the box`, level: 1 }).waitFor();
  });
});

test("the team's preferences are under the user menu and are kept", () =>
  withPage(stack, ADMIN, async (page) => {
    const menu = page.getByRole('button', { name: /your account/ });
    await menu.click();
    await page.getByRole('link', { name: 'Notification preferences' }).waitFor();
    // Escape closes the menu and gives the focus back to its button.
    await page.keyboard.press('Escape');
    assert.equal(await page.getByRole('link', { name: 'Notification preferences' }).count(), 0);
    assert.equal(await menu.evaluate((b) => b === document.activeElement), true);
    await page.keyboard.press('Enter');
    await page.getByRole('link', { name: 'Notification preferences' }).click();
    await page.getByRole('heading', { name: 'Notification preferences', level: 1 }).waitFor();
    const email = page.getByRole('group', { name: 'By email' });
    await email.getByLabel('Support tickets').uncheck();
    await page.getByRole('button', { name: 'Save preferences' }).click();
    await page.getByText('Your preferences are saved.').waitFor();
    assert.equal(await email.getByLabel('Support tickets').isChecked(), false, 'the page keeps what was saved');
    await page.reload();
    await page.getByRole('group', { name: 'By email' }).getByLabel('Support tickets').waitFor();
    assert.equal(await page.getByRole('group', { name: 'By email' }).getByLabel('Support tickets').isChecked(), false);
    assert.equal(await page.getByRole('group', { name: 'In the app' }).getByLabel('Support tickets').isChecked(), true);
    const prefs = await admin.call('GET', '/api/auth/me/preferences', undefined, 200);
    assert.equal(prefs.email.tickets, false);
    assert.equal(prefs.inapp.tickets, true);
  }));

test("a client's email preferences; turning off in-app deliverables stops that notification", () =>
  withPage(stack, USER, async (page) => {
    const me = await apiSession(stack, USER);
    await page.getByRole('button', { name: /your account/ }).click();
    await page.getByRole('link', { name: 'Email preferences' }).click();
    await page.getByRole('heading', { name: 'Email preferences', level: 1 }).waitFor();
    await page.getByRole('group', { name: 'By email' }).getByLabel('Reminders').uncheck();
    await page.getByRole('group', { name: 'In the app' }).getByLabel('Deliverables').uncheck();
    await page.getByRole('button', { name: 'Save preferences' }).click();
    await page.getByText('Your preferences are saved.').waitFor();
    await screenshot(page, 'portal-preferences-desktop');
    const prefs = await me.call('GET', '/api/portal/preferences', undefined, 200);
    assert.equal(prefs.email.reminders, false);
    assert.equal(prefs.inapp.deliverables, false);
    assert.equal(prefs.email.deliverables, true);

    const before = (await me.call('GET', '/api/notifications/unread-count', undefined, 200)).count;
    await admin.call('POST', `/api/deliverables/${deliverables[1].id}/ready`, {}, 200);
    await jobsSettled();
    assert.equal((await me.call('GET', '/api/notifications/unread-count', undefined, 200)).count, before);

    // Turned back on, the next one arrives (live, in this page).
    await page.getByRole('group', { name: 'In the app' }).getByLabel('Deliverables').check();
    await page.getByRole('button', { name: 'Save preferences' }).click();
    await page.getByText('Your preferences are saved.').waitFor();
    await admin.call('POST', `/api/deliverables/${deliverables[2].id}/ready`, {}, 200);
    await page.waitForFunction((n) => document.querySelector('.bell-button').getAttribute('aria-label') === `Notifications, ${n} unread`, before + 1, { timeout: 15000 });
  }, { phone: false }));

test('the bell and menus on a phone', () =>
  withPage(
    stack,
    USER,
    async (page) => {
      await page.getByRole('heading', { name: 'Welcome, Northwind' }).waitFor();
      await bell(page).click();
      await page.getByRole('region', { name: 'Latest notifications' }).getByText('See all notifications').waitFor();
      await screenshot(page, 'notifications-bell-phone');
      // The panel fits the screen.
      const box = await page.getByRole('region', { name: 'Latest notifications' }).boundingBox();
      assert.ok(box.x >= 0 && box.x + box.width <= 390, `panel at ${box.x}..${box.x + box.width}`);
      await page.keyboard.press('Escape');
      assert.equal(await page.getByRole('region', { name: 'Latest notifications' }).count(), 0);
      // By keyboard: the bell has focus back, Enter opens the panel again
      // and Tab moves into it.
      assert.equal(await page.evaluate(() => document.activeElement.className), 'bell-button');
      await page.keyboard.press('Enter');
      await page.getByRole('region', { name: 'Latest notifications' }).waitFor();
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement.closest('.bell-panel') !== null), true);
      await page.keyboard.press('Escape');
      await page.getByRole('button', { name: 'Menu' }).click();
      await page.getByRole('button', { name: /your account/ }).click();
      await page.getByRole('link', { name: 'Email preferences' }).click();
      await page.getByRole('heading', { name: 'Email preferences', level: 1 }).waitFor();
      await screenshot(page, 'portal-preferences-phone');
      const small = await page.evaluate(() =>
        [...document.querySelectorAll('.bell-button, .menu-toggle, main button, main input[type=checkbox] + label')]
          .filter((e) => e.offsetParent && e.getBoundingClientRect().height < 44)
          .map((e) => e.textContent),
      );
      assert.deepEqual(small, []);
    },
    { phone: true },
  ));

test("a deliverable's address (the team's notification links) opens its client's board", () =>
  withPage(stack, ADMIN, async (page) => {
    await page.goto(`/deliverables/${deliverables[0].id}`);
    await page.waitForURL(`**/clients/${client.id}/deliverables`);
    await page.getByRole('heading', { name: 'Deliverables', level: 2 }).waitFor();
    await page.goto('/deliverables/00000000-0000-4000-8000-000000000000');
    await page.getByRole('alert').waitFor();
  }));
