// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// Analytics in the browser, against the real API: the admin's figures for
// this month (MRR from the clients' fees, revenue from a recorded payment),
// the charts with their figures as tables, the range kept in the address,
// a refused range said as a sentence, and staff kept out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, apiSession, screenshot, strongPassword, useStack, withPage } from './harness.mjs';

let stack;
let admin;
const STAFF = { email: 'ana@analytics.test', password: strongPassword() };
const month = new Date().toISOString().slice(0, 7);

useStack(async (started) => {
  stack = started;
  admin = await apiSession(stack, ADMIN);
  const a = await admin.call('POST', '/api/clients', { name: 'Fee One', status: 'active', monthly_fee_cents: 150000, currency: 'USD' }, 201);
  await admin.call('POST', '/api/clients', { name: 'Fee Two', status: 'active', monthly_fee_cents: 250000, currency: 'USD' }, 201);
  await admin.call('POST', '/api/clients', { name: 'Just a lead', status: 'lead', monthly_fee_cents: 99900, currency: 'USD' }, 201);
  await admin.call('POST', '/api/payments', { client_id: a.id, amount_cents: 123456, description: 'First month' }, 201);
  await admin.call('POST', '/api/users', { ...STAFF, name: 'Ana Staff', role: 'staff' }, 201);
});

test('this month: MRR, clients and revenue; the charts and their tables; the range in the address', () =>
  withPage(stack, ADMIN, async (page) => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Analytics' }).click();
    await page.getByRole('heading', { name: 'Analytics', level: 1 }).waitFor();
    const kpis = page.getByRole('list', { name: /^In / });
    await kpis.waitFor();
    assert.match(await kpis.getByRole('listitem').filter({ hasText: /^MRR/ }).innerText(), /\$4,000\.00/);
    assert.match(await kpis.getByRole('listitem').filter({ hasText: 'Active clients' }).innerText(), /\b2\b/);
    assert.match(await kpis.getByRole('listitem').filter({ hasText: 'Revenue' }).innerText(), /\$1,234\.56/);

    // A chart is an image with a summary, and its figures are a table.
    const mrr = page.getByRole('figure', { name: 'Monthly recurring revenue' });
    assert.match(await mrr.getByRole('img').getAttribute('aria-label'), /in the last month: MRR \$4,000\.00/);
    await mrr.getByText('The figures as a table').click();
    const rows = mrr.locator('tbody tr');
    assert.equal(await rows.count(), 12, 'eleven months before this one, and this one');
    assert.match(await rows.last().innerText(), /\$4,000\.00/);
    assert.match(await rows.first().innerText(), /\$0\.00/);

    const funnel = page.getByRole('region', { name: /^Funnel/ });
    assert.match(await funnel.getByRole('listitem').first().innerText(), /lead\s+3/i);
    await screenshot(page, 'analytics-desktop');

    // Only this month: one row per table, kept across a reload.
    await page.getByLabel('From month').fill(month);
    await page.getByLabel('To month').fill(month);
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(new RegExp(`from=${month}`));
    await page.reload();
    await page.getByRole('figure', { name: 'Clients' }).getByText('The figures as a table').click();
    assert.equal(await page.getByRole('figure', { name: 'Clients' }).locator('tbody tr').count(), 1);

    // A range the server refuses: its sentence.
    await page.goto(`/analytics?from=${month}&to=2000-01`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /^[A-Z].*\.$/);
    assert.doesNotMatch(await alert.innerText(), /validation_failed|422/);
  }));

test('the analytics page on a phone', () =>
  withPage(
    stack,
    ADMIN,
    async (page) => {
      await page.goto('/analytics');
      await page.getByRole('figure', { name: 'MRR movements' }).waitFor();
      await screenshot(page, 'analytics-phone');
    },
    { phone: true },
  ));

test('staff have no analytics: no link, and the address says why', () =>
  withPage(stack, STAFF, async (page) => {
    assert.equal(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Analytics' }).count(), 0);
    await page.goto('/analytics');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /^[A-Z].*\.$/);
    assert.equal(await page.getByRole('figure').count(), 0);
  }));
