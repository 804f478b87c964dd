// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// Exports in the browser, against the real API and a real wl-worker: the
// analytics as CSV and XLSX and the filtered client list as CSV arrive as
// downloads (Playwright's download event) with the server's file name and
// content; a refused range is said as a sentence; and a client list of
// more than 10,000 rows (seeded in SQL: the threshold is the library's
// constant WVL_EXPORT_SYNC_ROWS, not a setting) takes the 202 path: the
// page follows the export_file job, shows its progress, and downloads
// the file it made through its signed link.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ADMIN, apiSession, screenshot, strongPassword, useStack, withPage } from './harness.mjs';

let stack;
const STAFF = { email: 'sam@exports.test', password: strongPassword() };
const month = new Date().toISOString().slice(0, 7);
const day = new Date().toISOString().slice(0, 10);
const BULK = 10001;

useStack(
  async (started) => {
    stack = started;
    const admin = await apiSession(stack, ADMIN);
    await admin.call('POST', '/api/clients', { name: 'Fee One', status: 'active', monthly_fee_cents: 150000, currency: 'USD' }, 201);
    await admin.call('POST', '/api/clients', { name: 'Fee Two', status: 'active', monthly_fee_cents: 250000, currency: 'USD' }, 201);
    await admin.call('POST', '/api/clients', { name: '=HYPERLINK("http://evil.test","Formula")', status: 'lead' }, 201);
    await admin.call('POST', '/api/users', { ...STAFF, name: 'Sam Staff', role: 'staff' }, 201);
    stack.sql(`SET wvl.actor_role = 'system';
      INSERT INTO clients (name, email, status)
      SELECT format('Bulk %s', lpad(g::text, 5, '0')), format('bulk%s@exports.test', g), 'lead'
      FROM generate_series(1, ${BULK}) g`);
  },
  { worker: 'default' },
);

// Clicks a button and returns the download it caused: its name and bytes.
async function download(page, button) {
  const [d] = await Promise.all([page.waitForEvent('download', { timeout: 120000 }), button.click()]);
  return { name: d.suggestedFilename(), data: readFileSync(await d.path()) };
}

test('analytics: CSV and XLSX downloads with the range in their names; a refused range said as a sentence', () =>
  withPage(stack, ADMIN, async (page) => {
    await page.goto(`/analytics?from=${month}&to=${month}`);
    await page.getByRole('list', { name: /^In / }).waitFor();
    const group = page.getByRole('group', { name: 'Export the analytics' });
    const csv = await download(page, group.getByRole('button', { name: 'Export CSV' }));
    assert.equal(csv.name, `analytics-${month}-to-${month}.csv`);
    const lines = csv.data.toString('utf8').trim().split('\r\n');
    assert.equal(lines.length, 2, 'a header and this month');
    assert.match(lines[0], /^month,mrr_cents,active_clients,/);
    const cells = lines[1].split(',');
    assert.equal(cells[1], '400000', 'MRR from the two active fees');
    assert.equal(cells[2], '2');
    await group.getByRole('status').getByText(`Downloaded ${csv.name}.`).waitFor();

    const xlsx = await download(page, group.getByRole('button', { name: 'Export Excel (XLSX)' }));
    assert.equal(xlsx.name, `analytics-${month}-to-${month}.xlsx`);
    assert.equal(xlsx.data.subarray(0, 2).toString('latin1'), 'PK', 'a zip container');
    assert.ok(xlsx.data.includes('xl/worksheets/sheet1.xml'));

    // A range the server refuses: no download, the problem's sentence.
    await page.goto(`/analytics?from=${month}&to=2000-01`);
    await group.getByRole('button', { name: 'Export CSV' }).click();
    const alert = group.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /^[A-Z].*\.$/);
    assert.doesNotMatch(await alert.innerText(), /validation_failed|422/);
  }));

test('clients: the filtered list downloads at once as CSV, formulas defused', () =>
  withPage(stack, ADMIN, async (page) => {
    await page.goto('/clients?q=HYPERLINK');
    await page.getByRole('link', { name: /HYPERLINK/ }).waitFor();
    const group = page.getByRole('group', { name: 'Export the clients' });
    const csv = await download(page, group.getByRole('button', { name: 'Export CSV' }));
    assert.equal(csv.name, `clients-${day}.csv`);
    const lines = csv.data.toString('utf8').trim().split('\r\n');
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(lines[0], /^id,name,brand_name,email,/);
    assert.ok(lines[1].includes(`"'=HYPERLINK(""http://evil.test"",""Formula"")"`), lines[1]);
  }));

test(`clients: more than 10,000 rows go through the export_file job, its progress shown, then downloaded`, () =>
  withPage(stack, ADMIN, async (page) => {
    await page.goto('/clients');
    await page.getByRole('link', { name: 'Fee One' }).waitFor();
    const group = page.getByRole('group', { name: 'Export the clients' });
    const [d] = await Promise.all([
      page.waitForEvent('download', { timeout: 120000 }),
      (async () => {
        await group.getByRole('button', { name: 'Export CSV' }).click();
        await group.getByRole('status').getByText(/in the background|Making the CSV file/).waitFor();
        assert.equal(await group.getByRole('button', { name: 'Export CSV' }).isDisabled(), true, 'one export at a time');
        await screenshot(page, 'export-job-progress');
      })(),
    ]);
    assert.equal(d.suggestedFilename(), `clients-${day}.csv`);
    const lines = readFileSync(await d.path(), 'utf8').trim().split('\r\n');
    assert.equal(lines.length, 1 + BULK + 3, 'the header, the bulk and the three clients');
    assert.ok(lines.some((l) => l.includes(',Bulk 10001,')));
    await group.getByRole('status').getByText(`Downloaded clients-${day}.csv (${(BULK + 3).toLocaleString()} rows).`).waitFor();
    await screenshot(page, 'export-job-done');
  }));

test('staff: a list too long for a direct download is made by a job the staff member follows, then downloaded', () =>
  withPage(stack, STAFF, async (page) => {
    await page.goto('/clients');
    await page.getByRole('link', { name: 'Fee One' }).waitFor();
    const group = page.getByRole('group', { name: 'Export the clients' });
    const [d] = await Promise.all([
      page.waitForEvent('download', { timeout: 120000 }),
      group.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    assert.equal(d.suggestedFilename(), `clients-${day}.csv`);
    const lines = readFileSync(await d.path(), 'utf8').trim().split('\r\n');
    assert.equal(lines.length, 1 + BULK + 3, 'the header, the bulk and the three clients');
    await group.getByRole('status').getByText(`Downloaded clients-${day}.csv (${(BULK + 3).toLocaleString()} rows).`).waitFor();
  }));
