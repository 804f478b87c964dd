// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// The AI coach in the browser, against a real wl-server whose model is
// the loopback Messages API (tests/common/anthropic_loopback.py, started
// by scripts/test; this file's own API key gives it its own plan): a
// client user starts a conversation, asks by keyboard, and the reply
// streams in piece by piece; a hostile reply (raw HTML, a javascript:
// link) renders as text with its Markdown formatting and nothing runs;
// the stored reply is shown after a reload; the AI being unavailable and
// the client's budget spent are said as sentences; the team asks about a
// client it picks; and one user never sees another's conversations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ADMIN, apiSession, env, screenshot, strongPassword, useStack, withPage } from './harness.mjs';

let stack;
const KEY = `sk-test-${randomBytes(8).toString('hex')}`;
const A = { email: 'ada@coach.test', password: strongPassword() };
const B = { email: 'bo@coach.test', password: strongPassword() };

// Appends actions to this key's plan at the loopback.
async function plan(actions) {
  const r = await fetch(`${env('WL_TEST_ANTHROPIC_URL')}/_test/plan`, {
    method: 'POST',
    headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ actions }),
  });
  assert.equal(r.status, 200, await r.text());
}

useStack(
  async (started) => {
    stack = started;
    const admin = await apiSession(stack, ADMIN);
    const a = await admin.call('POST', '/api/clients', { name: 'Ada Stone', brand_name: 'Stoneware', status: 'active' }, 201);
    const b = await admin.call('POST', '/api/clients', { name: 'Bo Lake', brand_name: 'Lakeside', status: 'active' }, 201);
    await admin.call('POST', '/api/users', { ...A, name: 'Ada Stone', role: 'client', client_id: a.id }, 201);
    await admin.call('POST', '/api/users', { ...B, name: 'Bo Lake', role: 'client', client_id: b.id }, 201);
  },
  {
    env: {
      WL_ANTHROPIC_API_KEY: KEY,
      WL_ANTHROPIC_BASE_URL: env('WL_TEST_ANTHROPIC_URL'),
      // One attempt: an unavailable model is said at once.
      WL_AI_MAX_RETRIES: '0',
      // A dollar a month per client, refused beyond (Bo's test spends it).
      WL_TOKEN_BUDGET_CENTS: '100',
      WL_AI_BUDGET_HARD_STOP: 'true',
    },
  },
);

const HOSTILE = [
  'Start with **one offer** and _one channel_.',
  '',
  '- Post <img src=x onerror="window.__pwned=1"> daily',
  '- <script>window.__pwned=2</script>Grow the list',
  '',
  '[a trap](javascript:window.__pwned=3) and <a href="javascript:window.__pwned=4">raw link</a>',
  '',
  '![tracker](http://127.0.0.1:9/pixel.png) and [our guide](https://example.com/guide)',
  '',
  'Then `measure` it.',
].join('\n');

async function newConversation(page) {
  await page.getByRole('button', { name: 'New conversation' }).click();
  await page.waitForURL(/\/coach\/[0-9a-f-]{36}$/);
  await page.getByLabel('Your question').waitFor();
}

test('a client asks by keyboard; the reply streams in, hostile HTML stays text, and is there after a reload', () =>
  withPage(stack, A, async (page) => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Coach' }).click();
    await page.getByRole('heading', { name: 'Coach', level: 1 }).waitFor();
    await page.getByText('No conversations yet.').waitFor();
    await newConversation(page);
    // A new conversation puts the cursor in the question.
    await page.waitForFunction(() => document.activeElement && document.activeElement.tagName === 'TEXTAREA');

    await plan([{ reply: HOSTILE, pieces: 10, delay_ms: 150 }]);
    await page.keyboard.type('How do I start?');
    await page.keyboard.press('Enter');

    // Piece by piece: part of the reply is on the page before the rest,
    // in a live region that is busy while it grows.
    const live = page.getByTestId('coach-streaming');
    await live.waitFor();
    assert.equal(await live.getAttribute('aria-live'), 'polite');
    assert.equal(await live.getAttribute('aria-busy'), 'true');
    await page.waitForFunction(() => {
      const el = document.querySelector('[data-testid="coach-streaming"]');
      return el && el.textContent.includes('one offer');
    });
    const partial = await live.innerText();
    assert.ok(!partial.includes('measure'), `the end had not arrived yet: ${partial}`);
    assert.equal(await page.getByRole('button', { name: 'The coach is writing…' }).isDisabled(), true);
    await screenshot(page, 'coach-streaming');

    await live.waitFor({ state: 'detached' });
    await page.getByRole('status').filter({ hasText: 'The coach has replied.' }).waitFor();
    const check = async () => {
      const reply = page.locator('.coach-msg.from-coach').last().locator('.coach-text');
      await reply.waitFor();
      assert.equal(await reply.locator('strong').innerText(), 'one offer');
      assert.equal(await reply.locator('em').innerText(), 'one channel');
      assert.equal(await reply.locator('li').count(), 2);
      assert.equal(await reply.locator('code').innerText(), 'measure');
      const text = await reply.innerText();
      assert.ok(text.includes('<img src=x onerror="window.__pwned=1">'), text);
      assert.ok(text.includes('<script>window.__pwned=2</script>'), text);
      assert.ok(text.includes('[a trap](javascript:window.__pwned=3)'), text);
      assert.ok(text.includes('[tracker]'), 'an image is its description, never loaded');
      assert.equal(await page.locator('.coach-log img, .coach-log script, .coach-log [onerror], .coach-log [onclick]').count(), 0);
      // The one link is the https one, and it cannot reach back to the page.
      const links = page.locator('.coach-log a');
      assert.equal(await links.count(), 1);
      assert.equal(await links.getAttribute('href'), 'https://example.com/guide');
      assert.match(await links.getAttribute('rel'), /noopener/);
      assert.equal(await page.evaluate(() => window.__pwned), undefined);
    };
    await check();
    // The cursor is back in the question, ready for the next one.
    await page.waitForFunction(() => document.activeElement && document.activeElement.tagName === 'TEXTAREA');
    await screenshot(page, 'coach-desktop');

    // Stored: the question and the reply, and the conversation named after it.
    await page.reload();
    await page.locator('.coach-msg.from-user').getByText('How do I start?').waitFor();
    await check();
    await page.getByRole('navigation', { name: 'Conversations' }).getByRole('link', { name: /How do I start\?/ }).waitFor();
  }));

test('Stop ends a reply mid-way; what had arrived is kept, and stored', () =>
  withPage(stack, A, async (page) => {
    await page.goto('/portal/coach');
    await newConversation(page);
    await plan([{ reply: 'First part of a long answer. ' + 'More words follow here. '.repeat(10) + 'THE END', pieces: 24, delay_ms: 250 }]);
    await page.getByLabel('Your question').fill('Tell me everything.');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByTestId('coach-streaming').getByText('First part').waitFor();
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.getByRole('status').filter({ hasText: 'Stopped. What the coach had written is kept.' }).waitFor();
    const kept = page.locator('.coach-msg.from-coach');
    assert.match(await kept.innerText(), /First part/);
    assert.doesNotMatch(await kept.innerText(), /THE END/);
    // The server stored the part it had sent once it noticed the browser
    // had gone (at its next piece): a reload shows it.
    for (let i = 0; ; i++) {
      await page.reload();
      await page.locator('.coach-msg.from-user').waitFor();
      if ((await page.locator('.coach-msg.from-coach').count()) === 1) break;
      assert.ok(i < 20, 'the partial reply was stored');
      await page.waitForTimeout(250);
    }
    assert.match(await kept.innerText(), /First part/);
    assert.doesNotMatch(await kept.innerText(), /THE END/);
  }));

test('the model unavailable, then the budget spent: sentences, and the question kept to send again', () =>
  withPage(stack, B, async (page) => {
    await page.goto('/portal/coach');
    await newConversation(page);
    await plan([{ status: 529 }]);
    await page.getByLabel('Your question').fill('Is anyone there?');
    await page.getByRole('button', { name: 'Send' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.equal(await alert.innerText(), 'The AI coach is unavailable right now. Please try again in a few minutes.');
    assert.equal(await page.getByLabel('Your question').inputValue(), 'Is anyone there?');

    // A reply that costs more than the month's budget is still shown...
    await plan([{ reply: 'An expensive answer.', usage: { input_tokens: 1000000, output_tokens: 10 } }]);
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('.coach-msg.from-coach').getByText('An expensive answer.').waitFor();
    // ...and the next question is refused until the month turns.
    await page.getByLabel('Your question').fill('And now?');
    await page.getByRole('button', { name: 'Send' }).click();
    await alert.waitFor();
    assert.match(await alert.innerText(), /^The AI coach budget for this month is used up/);
    await screenshot(page, 'coach-budget');
  }));

test('the team asks about a client it picks; a client user never sees it', async () => {
  let teamConversation = '';
  await withPage(stack, ADMIN, async (page) => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Coach' }).click();
    await page.getByRole('button', { name: 'New conversation' }).click();
    await page.getByLabel('Client', { exact: true }).fill('Stone');
    await page.getByRole('button', { name: 'Find' }).click();
    await page.getByRole('button', { name: 'Ask about Stoneware' }).click();
    await page.waitForURL(/\/coach\/[0-9a-f-]{36}$/);
    teamConversation = new URL(page.url()).pathname.split('/').pop();
    await page.getByLabel('Your question').fill('What should Stoneware post this week?');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('.coach-msg.from-coach').getByText('Loopback reply to: What should Stoneware post this week?').waitFor();

    // From a client's page: one button starts a conversation about it.
    await page.goto('/clients');
    await page.getByRole('link', { name: 'Bo Lake' }).click();
    await page.getByRole('link', { name: 'Ask the coach' }).click();
    await page.getByRole('button', { name: 'Ask about Lakeside' }).click();
    await page.waitForURL(/\/coach\/[0-9a-f-]{36}$/);
    assert.notEqual(new URL(page.url()).pathname.split('/').pop(), teamConversation);
    await page.getByText('Ask the coach anything').waitFor();
  });
  await withPage(stack, A, async (page) => {
    await page.goto('/portal/coach');
    await page.getByRole('navigation', { name: 'Conversations' }).getByRole('link').first().waitFor();
    assert.equal(await page.getByRole('link', { name: /Stoneware post/ }).count(), 0);
    await page.goto(`/portal/coach/${teamConversation}`);
    await page.getByRole('alert').waitFor();
    assert.equal(await page.locator('.coach-msg').count(), 0);
  });
});

test('the coach on a phone', () =>
  withPage(
    stack,
    A,
    async (page) => {
      await page.goto('/portal/coach');
      await page.getByRole('navigation', { name: 'Conversations' }).getByRole('link').first().click();
      await page.locator('.coach-msg.from-coach').first().waitFor();
      await screenshot(page, 'coach-phone');
    },
    { phone: true },
  ));
