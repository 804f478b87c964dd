// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// The help center in the browser, against the real API: an admin writes an
// article in the ProseMirror editor (by keyboard and toolbar), previews
// it, saves a draft the public cannot see, publishes it; the public finds
// it by category, by search (the words highlighted), by tag, and reads it
// with its related articles; a change is a version, two versions compare
// line by line, an old one is restored; unpublish and delete; staff see the
// CMS read-only; a stored <img onerror> in Markdown never runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, apiSession, screenshot, strongPassword, useStack, withPage } from './harness.mjs';

let stack;
let admin;
const STAFF = { email: 'hana@help.test', password: strongPassword() };

useStack(async (started) => {
  stack = started;
  admin = await apiSession(stack, ADMIN);
  await admin.call('POST', '/api/users', { ...STAFF, name: 'Hana Staff', role: 'staff' }, 201);
});

const article = (body) => admin.call('POST', '/api/help/articles', body, 201);
const publish = (a) => admin.call('PATCH', `/api/help/articles/${a.id}`, { published: true }, 200);

test('write in the editor, preview, save a draft the public cannot see, publish, and the public finds and reads it', async () => {
  let id;
  await withPage(stack, ADMIN, async (page) => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Help center' }).click();
    await page.getByRole('heading', { name: 'Help center', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'New article' }).click();
    await page.getByRole('heading', { name: 'New article', level: 1 }).waitFor();
    await page.getByLabel('Title').fill('Shipping your first order');
    await page.getByLabel('Category').fill('getting-started');
    await page.getByLabel('Tags').fill('shipping, orders');
    const editor = page.getByRole('textbox', { name: 'Article' });
    await editor.click();
    await page.keyboard.type('Pack each box with care. ');
    await page.keyboard.press('Control+b');
    await page.keyboard.type('Fragile items');
    await page.keyboard.press('Control+b');
    await page.keyboard.type(' need double walls.');
    await page.keyboard.press('Enter');
    await page.getByRole('toolbar', { name: 'Formatting' }).getByRole('button', { name: 'Bulleted list' }).click();
    await page.keyboard.type('Tape');
    await page.keyboard.press('Enter');
    await page.keyboard.type('Label');

    await page.getByRole('button', { name: 'Preview' }).click();
    const preview = page.getByRole('region', { name: 'Preview: Shipping your first order' });
    await preview.locator('strong', { hasText: 'Fragile items' }).waitFor();
    assert.deepEqual(await preview.locator('li').allInnerTexts(), ['Tape', 'Label']);
    await screenshot(page, 'help-editor-desktop');

    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByText('Saved as a draft (version 1).').waitFor();
    id = page.url().match(/\/articles\/([0-9a-f-]{36})/)[1];
    await page.getByRole('heading', { name: 'Shipping your first order', level: 1 }).waitFor();
  });
  // What the editor wrote is Markdown, as articles are kept.
  const saved = await admin.call('GET', `/api/help/articles/${id}`, undefined, 200);
  assert.equal(saved.published, false);
  assert.match(saved.content, /Pack each box with care\. \*\*Fragile items\*\* need double walls\./);
  assert.match(saved.content, /^\* Tape$/m);
  assert.deepEqual(saved.tags, ['shipping', 'orders']);
  assert.equal(saved.category, 'getting-started');

  // Not published: the public gets the not-found page.
  await withPage(stack, null, async (page) => {
    await page.goto(`/help/${saved.slug}`);
    await page.getByText('There is no published article at this address.').waitFor();
  });

  await withPage(stack, ADMIN, async (page) => {
    await page.goto(`/articles/${id}`);
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByText('Published: everyone can read it now.').waitFor();
    await page.getByRole('link', { name: 'View on the help center' }).waitFor();
  });

  await withPage(stack, null, async (page) => {
    await page.goto('/help');
    await page.getByRole('heading', { name: 'Help center', level: 1 }).waitFor();
    await page.getByRole('navigation', { name: 'Categories' }).getByRole('link', { name: 'Getting started' }).click();
    await page.waitForURL(/category=getting-started/);
    await page.getByRole('link', { name: 'Shipping your first order' }).click();
    await page.getByRole('heading', { name: 'Shipping your first order', level: 1 }).waitFor();
    await page.locator('article .rich strong', { hasText: 'Fragile items' }).waitFor();
    await page.getByRole('link', { name: 'shipping' }).waitFor();
    await screenshot(page, 'help-article-desktop');

    // Search, by keyboard: the words found are marked.
    await page.goto('/help');
    await page.getByLabel('Search the help center').fill('fragile walls');
    await page.keyboard.press('Enter');
    await page.waitForURL(/q=fragile/);
    await page.getByRole('heading', { name: 'Search: fragile walls', level: 1 }).waitFor();
    const hit = page.getByRole('region', { name: 'Articles found' });
    await hit.getByRole('link', { name: 'Shipping your first order' }).waitFor();
    assert.ok((await hit.locator('mark').count()) >= 1, 'the words found are highlighted');
    assert.match((await hit.locator('mark').allInnerTexts()).join(' '), /Fragile/i);

    await page.getByLabel('Search the help center').fill('nothing-like-this-anywhere');
    await page.keyboard.press('Enter');
    await page.getByText('No article matches.').waitFor();
  });
});

test('a change is a new version; versions compare line by line; an old one is restored; unpublish and delete', async () => {
  const a = await publish(await article({ title: 'Returns', category: 'orders', content: 'Line one\n\nLine two\n' }));
  await withPage(stack, ADMIN, async (page) => {
    page.allowDialogs = true; // the restore and delete confirmations
    await page.goto(`/articles/${a.id}`);
    await page.getByRole('heading', { name: 'Returns', level: 1 }).waitFor();
    // Saving an untouched form makes no version.
    await page.getByRole('textbox', { name: 'Article' }).waitFor();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Nothing has changed since the last save.').waitFor();

    // The Markdown source, then back to rich text: the text survives.
    await page.getByLabel('Markdown', { exact: true }).check();
    const source = page.getByLabel('Article (Markdown)');
    assert.equal((await source.inputValue()).trim(), 'Line one\n\nLine two');
    await source.fill('Line one\n\nLine 2, changed\n');
    await page.getByLabel('Rich text', { exact: true }).check();
    await page.getByRole('textbox', { name: 'Article' }).getByText('Line 2, changed').waitFor();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved as version 2.').waitFor();

    const history = page.getByRole('complementary', { name: 'Article history' });
    await history.getByText('Version 2').waitFor();
    await history.getByRole('button', { name: 'Compare version 1 with the current one' }).click();
    await history.getByRole('heading', { name: 'Changes from version 1 to version 2' }).waitFor();
    assert.match(await history.locator('tr.del').innerText(), /Line two/);
    assert.match(await history.locator('tr.add').innerText(), /Line 2, changed/);
    await screenshot(page, 'help-versions-desktop');

    await history.getByRole('button', { name: 'Show version 1' }).click();
    await history.getByRole('heading', { name: 'Version 1: Returns' }).waitFor();

    await history.getByRole('button', { name: 'Restore version 1' }).click();
    await page.getByText('Version 1 restored as a new version.').waitFor();
    await page.getByText(/Version 3 ·/).waitFor();
  });
  const restored = await admin.call('GET', `/api/help/articles/${a.id}`, undefined, 200);
  assert.equal(restored.version, 3);
  assert.equal(restored.content, 'Line one\n\nLine two\n');

  await withPage(stack, ADMIN, async (page) => {
    page.allowDialogs = true;
    await page.goto(`/articles/${a.id}`);
    await page.getByRole('button', { name: 'Unpublish' }).click();
    await page.getByText('Taken back to draft: only the team sees it.').waitFor();
    assert.equal((await admin.call('GET', `/api/help/articles/${a.id}`, undefined, 200)).published, false);
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.waitForURL('**/articles?deleted=1');
    await page.getByText('The article was deleted.').waitFor();
  });
  await admin.call('GET', `/api/help/articles/${a.id}`, undefined, 404);
});

test('categories, tags and related articles; the CMS lists with filters; staff read it only', async () => {
  const inv = await publish(await article({ title: 'Reading your invoice', category: 'billing', tags: ['invoices', 'billing'], content: 'Each invoice lists the month.' }));
  await publish(await article({ title: 'Paying an invoice late', category: 'billing', tags: ['invoices'], content: 'Late invoices get a reminder.' }));
  await publish(await article({ title: 'Uploading brand files', category: 'files', tags: ['uploads'], content: 'Drag files onto the page.' }));
  await article({ title: 'Unfinished draft about invoices', category: 'billing', tags: ['invoices'], content: 'Not yet.' });

  await withPage(stack, null, async (page) => {
    await page.goto('/help');
    const cats = page.getByRole('navigation', { name: 'Categories' });
    assert.match(await cats.getByRole('listitem').filter({ hasText: 'Billing' }).innerText(), /\(2\)/);
    await cats.getByRole('link', { name: 'Files' }).waitFor();
    assert.equal(await page.getByText('Unfinished draft about invoices').count(), 0, 'drafts are not public');
    await screenshot(page, 'help-home-desktop');

    await page.getByRole('link', { name: 'Reading your invoice' }).first().click();
    await page.getByRole('heading', { name: 'Reading your invoice', level: 1 }).waitFor();
    const related = page.getByRole('region', { name: 'Related articles' });
    await related.getByRole('link', { name: 'Paying an invoice late' }).waitFor();
    assert.equal(await related.getByRole('link', { name: 'Uploading brand files' }).count(), 0);
    await page.getByRole('link', { name: 'invoices', exact: true }).click();
    await page.waitForURL(/tag=invoices/);
    await page.getByRole('heading', { name: 'Tagged “invoices”', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'Paying an invoice late' }).waitFor();
    assert.equal(await page.getByRole('region', { name: 'Articles found' }).getByRole('link').count(), 2);
  });

  await withPage(stack, null, async (page) => {
    await page.goto(`/help/${inv.slug}`);
    await page.getByRole('heading', { name: 'Reading your invoice', level: 1 }).waitFor();
    await screenshot(page, 'help-article-phone');
  }, { phone: true });

  // The team's list: drafts too, filters in the address.
  await withPage(stack, ADMIN, async (page) => {
    await page.goto('/articles');
    await page.getByRole('link', { name: 'Unfinished draft about invoices' }).waitFor();
    await page.getByLabel('Status').selectOption('draft');
    await page.waitForURL(/status=draft/);
    // An empty table (between the old list and the new one) would pass an every() vacuously.
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('tbody tr')];
      return rows.length > 0 && rows.every((r) => r.innerText.includes('Draft'));
    });
    await page.getByRole('link', { name: 'Unfinished draft about invoices' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Reading your invoice' }).count(), 0);
    await page.getByLabel('Status').selectOption('all');
    await page.getByLabel('Search').fill('invoice');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/q=invoice/);
    await page.getByRole('link', { name: 'Paying an invoice late' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Uploading brand files' }).count(), 0);
  });

  await withPage(stack, STAFF, async (page) => {
    await page.goto('/articles');
    await page.getByRole('link', { name: 'Reading your invoice' }).click();
    await page.getByText('Only admins change articles: this is a read-only view.').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Publish' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Unpublish' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Save changes' }).count(), 0);
    assert.equal(await page.getByRole('link', { name: 'New article' }).count(), 0);
    assert.equal(await page.getByRole('textbox', { name: 'Article' }).getAttribute('contenteditable'), 'false');
  });
});

test('a stored <img onerror> and a javascript: link in an article never run, in the help center or the editor', async () => {
  const a = await publish(
    await article({
      title: 'Hostile article',
      content: 'Hello <img src=x onerror="window.__pwned=1;alert(1)"> there.\n\n[click me](javascript:alert(2))\n\n<script>alert(3)</script>\n',
    }),
  );
  for (const [who, path] of [
    [null, `/help/${a.slug}`],
    [ADMIN, `/articles/${a.id}`],
  ]) {
    await withPage(stack, who, async (page) => {
      await page.addInitScript(() => {
        window.__pwned = 0;
      });
      await page.goto(path);
      await page.getByRole('heading', { name: 'Hostile article', level: 1 }).waitFor();
      if (who) await page.getByRole('textbox', { name: 'Article' }).getByText(/Hello/).waitFor();
      else await page.locator('article .rich').getByText(/Hello/).waitFor();
      await page.waitForTimeout(300); // let an image error fire, if any
      assert.equal(await page.evaluate(() => window.__pwned), 0);
      assert.equal(await page.locator('main img, main script, main [onerror]').count(), 0);
      assert.equal(await page.locator('main a[href^="javascript:"]').count(), 0);
    });
  }
});
