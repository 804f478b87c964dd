// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// Support tickets in the browser: the team's queue (filters kept in the
// address, search, keyset paging), a ticket (SLA, reply, internal note,
// assignment, close and reopen, merge), the errors said as the server's
// sentences, and the portal (a client's own tickets, opening one,
// replying) without the team's internal notes or another client's
// tickets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ADMIN, apiSession, assertClean, login, openPage, screenshot, strongPassword, useStack, withPage } from './harness.mjs';

let stack;
let admin;
const A = {};
const B = {};
const STAFF = { email: 'sam@e2e.test', password: strongPassword(), name: 'Sam Staff' };

async function clientWithUser(name, brand) {
  const who = {};
  who.client = await admin.call('POST', '/api/clients', { name, brand_name: brand, status: 'active' }, 201);
  who.user = { email: `${brand.toLowerCase()}@tickets.test`, password: strongPassword() };
  await admin.call('POST', '/api/users', { ...who.user, name, role: 'client', client_id: who.client.id }, 201);
  return who;
}

useStack(async (started) => {
  stack = started;
  admin = await apiSession(stack, ADMIN);
  Object.assign(A, await clientWithUser('Ada Stone', 'Stoneware'));
  Object.assign(B, await clientWithUser('Bo Lake', 'Lakeside'));
  STAFF.user = await admin.call('POST', '/api/users', { email: STAFF.email, password: STAFF.password, name: STAFF.name, role: 'staff' }, 201);
});

test('the queue: keyset paging, filters kept in the address, search by number', async () => {
  // 27 tickets: every third urgent, all on client A.
  const made = [];
  for (let i = 1; i <= 27; i++) {
    const priority = i % 3 === 0 ? 'urgent' : 'low';
    made.push(await admin.call('POST', '/api/tickets', { subject: `Queue ticket ${i}`, priority, client_id: A.client.id }, 201));
  }
  await withPage(stack, ADMIN, async (page) => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tickets' }).click();
    await page.getByRole('heading', { name: 'Tickets', level: 1 }).waitFor();
    const rows = page.locator('tbody tr');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 25, 'the first page holds 25');
    // Newest first, with the client's name (asked for once the rows are in).
    assert.match(await rows.first().innerText(), /Queue ticket 27/);
    await rows.first().getByRole('link', { name: 'Ada Stone' }).waitFor();
    await page.getByRole('button', { name: 'Show more' }).click();
    await page.getByRole('link', { name: /Queue ticket 1$/ }).waitFor();
    assert.equal(await rows.count(), 27);
    assert.equal(await page.getByRole('button', { name: 'Show more' }).count(), 0);

    await page.getByLabel('Priority').selectOption('urgent');
    await page.waitForURL(/priority=urgent/);
    await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 9);
    for (const text of await rows.allInnerTexts()) assert.match(text, /Urgent priority/);
    // The filter survives a reload (it is in the address).
    await page.reload();
    await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 9);
    assert.equal(await page.getByLabel('Priority').inputValue(), 'urgent');

    await page.goto('/tickets');
    await page.getByLabel('Search').fill(`#${made[4].number}`);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/q=%23/);
    await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 1);
    assert.match(await rows.first().innerText(), /Queue ticket 5\b/);

    await page.getByLabel('Search').fill('nothing-like-this-anywhere');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('No tickets match.').waitFor();
    await screenshot(page, 'tickets-empty-desktop');
  });
});

test('a ticket: SLA, reply, internal note, assign, close and reopen', () =>
  withPage(stack, ADMIN, async (page) => {
    const t = await admin.call('POST', '/api/tickets', { subject: 'Logo files are blurry', description: 'The **PNG** export looks soft.', priority: 'high', client_id: A.client.id }, 201);
    await page.goto(`/tickets?q=${t.number}`);
    await page.getByRole('link', { name: `#${t.number} Logo files are blurry` }).click();
    await page.getByRole('heading', { name: `#${t.number} Logo files are blurry`, level: 1 }).waitFor();
    await page.locator('.rich strong', { hasText: 'PNG' }).waitFor();
    const sla = page.getByRole('region', { name: 'SLA' });
    await sla.getByText('SLA on track').waitFor();
    assert.match(await sla.innerText(), /Due\s+\S/);
    assert.match(await sla.innerText(), /First response\s+Not yet/);

    await page.getByLabel('Your reply').fill('We are re-exporting them at **2x**.');
    await page.getByRole('button', { name: 'Send reply' }).click();
    await page.locator('.message.team strong', { hasText: '2x' }).waitFor();
    await page.getByLabel('Your reply').waitFor(); // the form is empty again
    assert.equal(await page.getByLabel('Your reply').inputValue(), '');
    await sla.getByText(/First response\s*after/).waitFor();

    await page.getByLabel('Internal note').check();
    await page.getByLabel('Note for the team').fill('Client uses an old viewer; check their version.');
    await page.getByRole('button', { name: 'Add internal note' }).click();
    await page.locator('.message.internal', { hasText: 'old viewer' }).getByText('Internal note').waitFor();

    const handling = page.getByRole('form', { name: 'Handling' });
    await handling.getByLabel('Assigned to').selectOption({ label: STAFF.name });
    await handling.getByLabel('Status').selectOption('in_progress');
    await handling.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('.sub .badge', { hasText: 'In progress' }).waitFor();
    const saved = await admin.call('GET', `/api/tickets/${t.id}`, undefined, 200);
    assert.equal(saved.assigned_to_id, STAFF.user.id);
    assert.equal(saved.status, 'in_progress');
    await screenshot(page, 'ticket-desktop');

    await page.getByRole('button', { name: 'Close ticket' }).click();
    await page.locator('.sub .badge', { hasText: 'Closed' }).waitFor();
    // A reply to the client on a closed ticket: the server's own sentence.
    await page.getByLabel('Your reply').fill('One more thing.');
    await page.getByRole('button', { name: 'Send reply' }).click();
    const alert = page.getByRole('form', { name: 'Reply' }).getByRole('alert');
    await alert.waitFor();
    const said = await alert.innerText();
    assert.match(said, /^[A-Z].*\.$/, 'a sentence');
    assert.doesNotMatch(said, /conflict|409|_/);

    await page.getByRole('button', { name: 'Reopen' }).click();
    await page.locator('.sub .badge', { hasText: 'Open' }).waitFor();
    await page.getByRole('button', { name: 'Send reply' }).click();
    await page.locator('.message', { hasText: 'One more thing.' }).waitFor();
  }));

test('staff assign to themselves; the queue filters by assignee', () =>
  withPage(stack, STAFF, async (page) => {
    const t = await admin.call('POST', '/api/tickets', { subject: 'Invoice question', category: 'billing', client_id: B.client.id }, 201);
    await page.goto(`/tickets/${t.number}`);
    const handling = page.getByRole('form', { name: 'Handling' });
    await handling.getByLabel('Assigned to').selectOption({ label: `${STAFF.name} (you)` });
    await handling.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForFunction(() => document.querySelector('select[name=assigned_to_id]').selectedOptions[0].textContent.includes('(you)'));
    await page.goto('/tickets');
    await page.getByLabel('Assigned to').selectOption({ label: 'Me' });
    await page.waitForURL(/assigned_to_id=/);
    await page.getByRole('link', { name: `#${t.number} Invoice question` }).waitFor();
    // This one and the one the admin gave them earlier, nothing else.
    await page.getByRole('link', { name: /Logo files are blurry/ }).waitFor();
    assert.equal(await page.locator('tbody tr').count(), 2);
  }));

test('merge a duplicate into the ticket to keep', () =>
  withPage(stack, ADMIN, async (page) => {
    const keep = await admin.call('POST', '/api/tickets', { subject: 'Shipping labels', client_id: A.client.id }, 201);
    const dup = await admin.call('POST', '/api/tickets', { subject: 'Labels again', description: 'Same problem with the labels.', client_id: A.client.id }, 201);
    await page.goto(`/tickets/${dup.number}`);
    await page.getByText('Merge into another ticket').click();
    await page.getByLabel('Number of the ticket to keep').fill(`#${keep.number}`);
    await page.getByRole('button', { name: 'Merge' }).click();
    await page.waitForURL(`**/tickets/${keep.number}`);
    await page.getByRole('heading', { name: `#${keep.number} Shipping labels`, level: 1 }).waitFor();
    await page.locator('.message', { hasText: 'Same problem with the labels.' }).waitFor();
    // The duplicate's number now leads to the kept ticket.
    await page.goto(`/tickets/${dup.number}`);
    await page.getByText(`Ticket #${dup.number} was merged into this one.`).waitFor();
  }));

test('the portal: a client lists, opens, replies to and opens tickets, never seeing internal notes or another client', async () => {
  const t = await admin.call('POST', '/api/tickets', { subject: 'Packaging proofs', description: 'Proofs attached soon.', client_id: A.client.id }, 201);
  await admin.call('POST', `/api/tickets/${t.id}/messages`, { message: 'Proofs are ready for review.' }, 201);
  await admin.call('POST', `/api/tickets/${t.id}/messages`, { message: 'SECRET-INTERNAL margin is thin', internal: true }, 201);
  const other = await admin.call('POST', '/api/tickets', { subject: 'Lakeside private matter', client_id: B.client.id }, 201);
  for (const phone of [false, true]) {
    const page = await openPage(stack, { phone });
    await login(page, A.user);
    if (phone) await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('link', { name: 'Support' }).click();
    await page.getByRole('heading', { name: 'Support', level: 1 }).waitFor();
    // The most recently updated first.
    await page.getByRole('link', { name: `#${t.number} Packaging proofs` }).waitFor();
    assert.match(await page.locator('tbody tr').first().innerText(), /Packaging proofs/);
    if (!phone) {
      await page.getByLabel('Search').fill('packaging');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.waitForURL(/q=packaging/);
      await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 1);
    }
    await page.getByRole('link', { name: `#${t.number} Packaging proofs` }).click();
    await page.getByText('Proofs are ready for review.').waitFor();
    const text = await page.locator('main').innerText();
    assert.doesNotMatch(text, /SECRET-INTERNAL|Internal note|Handling|SLA/);
    await screenshot(page, `portal-ticket-${phone ? 'phone' : 'desktop'}`);
    if (!phone) {
      await page.getByLabel('Your reply').fill('Thanks, *approved*! Signed proof attached.');
      await page.getByLabel('Attach files').setInputFiles({ name: 'signed-proof.txt', mimeType: 'text/plain', buffer: Buffer.from('approved by Ada') });
      await page.getByRole('button', { name: 'Send reply' }).click();
      const mine = page.locator('.message.client', { hasText: 'Signed proof attached.' });
      await mine.locator('em', { hasText: 'approved' }).waitFor();
      await mine.getByRole('button', { name: 'Download signed-proof.txt' }).waitFor();
    }
    assertClean(page);
    await page.context().close();
  }
  // The team sees the client's reply, and downloads its attachment.
  const msgs = await admin.call('GET', `/api/tickets/${t.id}/messages`, undefined, 200);
  assert.ok(msgs.data.some((m) => /approved/.test(m.message) && !m.is_admin_reply && m.files.length === 1));
  await withPage(stack, ADMIN, async (page) => {
    await page.goto(`/tickets/${t.number}`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download signed-proof.txt' }).click()]);
    assert.equal(readFileSync(await download.path(), 'utf8'), 'approved by Ada');
  });

  await withPage(stack, A.user, async (page) => {
    // Another client's ticket, typed: not found, nothing of it shown.
    await page.goto(`/portal/tickets/${other.number}`);
    await page.getByRole('alert').waitFor();
    assert.doesNotMatch(await page.locator('main').innerText(), /Lakeside|private matter/);
    page.problems = page.problems.filter((p) => !/404/.test(p));
    await page.goto('/portal/tickets');
    await page.locator('tbody tr').first().waitFor();
    assert.doesNotMatch(await page.locator('main').innerText(), /Lakeside/);

    // A new ticket from the portal, then closing it.
    await page.getByRole('button', { name: 'New ticket' }).click();
    await page.getByLabel('Subject').fill('Where is my invoice?');
    await page.getByLabel('Description').fill('I cannot find the **March** invoice.');
    await page.getByLabel('Category').selectOption('billing');
    await page.getByRole('button', { name: 'Open ticket' }).click();
    await page.getByRole('heading', { name: /Where is my invoice\?/, level: 1 }).waitFor();
    await page.locator('.rich strong', { hasText: 'March' }).waitFor();
    await page.getByRole('button', { name: 'Close ticket' }).click();
    await page.getByText('This ticket is closed.').waitFor();
    assert.equal(await page.getByLabel('Your reply').count(), 0);
  });
});

test('a blank ticket is refused with the field named', () =>
  withPage(stack, A.user, async (page) => {
    await page.goto('/portal/tickets');
    await page.getByRole('button', { name: 'New ticket' }).click();
    // Spaces pass the browser's "required" and reach the server.
    await page.getByLabel('Subject').fill('   ');
    await page.getByRole('button', { name: 'Open ticket' }).click();
    await page.getByRole('form', { name: 'Ask for help' }).getByRole('alert').waitFor();
    await page.locator('.field-error').first().waitFor();
  }));

test("a client's tickets tab leads to the queue filtered to that client; the dashboard counts open tickets", () =>
  withPage(stack, ADMIN, async (page) => {
    await page.goto(`/clients/${B.client.id}`);
    await page.getByRole('navigation', { name: 'Client sections' }).getByRole('link', { name: 'Tickets' }).click();
    await page.getByRole('link', { name: /Invoice question/ }).waitFor();
    assert.doesNotMatch(await page.locator('main').innerText(), /Queue ticket|Packaging/);
    await page.getByRole('link', { name: 'Open in the queue' }).click();
    await page.getByText('Showing the tickets of Bo Lake.').waitFor();
    await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 2);
    assert.doesNotMatch(await page.locator('tbody').innerText(), /Ada Stone/);
    await page.getByRole('button', { name: "Show every client's" }).click();
    await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 25);

    // A new ticket from the client's tab has the client chosen already.
    await page.goto(`/clients/${B.client.id}/tickets`);
    await page.getByRole('link', { name: 'New ticket' }).click();
    await page.getByRole('heading', { name: 'New ticket', level: 2 }).waitFor();
    await page.waitForFunction(() => document.querySelector('select[name=client_id]').selectedOptions[0].textContent === 'Bo Lake');
    await page.getByLabel('Subject').fill('Raised from the client page');
    await page.getByRole('button', { name: 'Open ticket' }).click();
    await page.getByRole('heading', { name: /Raised from the client page/, level: 1 }).waitFor();
    await page.getByRole('link', { name: 'Open the client' }).click();
    await page.getByRole('heading', { name: 'Bo Lake', level: 1 }).waitFor();

    const open = await admin.call('GET', '/api/tickets?status=open&limit=100&fields=id', undefined, 200);
    assert.ok(open.data.length > 0 && !open.next_cursor);
    await page.goto('/');
    const section = page.getByRole('region', { name: 'Open tickets' });
    await section.getByRole('link', { name: `${open.data.length} open` }).click();
    await page.waitForURL(/\/tickets\?status=open/);
    assert.equal(await page.getByLabel('Status').inputValue(), 'open');
  }));

test('the queue and a ticket on a phone: nothing wider than the screen', () =>
  withPage(
    stack,
    ADMIN,
    async (page) => {
      const t = await admin.call('POST', '/api/tickets', { subject: 'Phone check', description: 'Seen on a phone.', client_id: A.client.id }, 201);
      await page.goto('/tickets');
      await page.locator('tbody tr').first().waitFor();
      await screenshot(page, 'tickets-phone');
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), 'the queue scrolls sideways');
      await page.goto(`/tickets/${t.number}`);
      await page.getByText('Seen on a phone.').waitFor();
      await page.getByRole('region', { name: 'SLA' }).waitFor();
      await screenshot(page, 'ticket-phone');
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), 'the ticket scrolls sideways');
      const small = await page.evaluate(() =>
        [...document.querySelectorAll('main button, main select, main input:not([type=checkbox]), main textarea, main input[type=checkbox] + label')]
          .filter((e) => e.offsetParent && e.getBoundingClientRect().height < 44)
          .map((e) => e.outerHTML.slice(0, 80)),
      );
      assert.deepEqual(small, []);
    },
    { phone: true },
  ));
