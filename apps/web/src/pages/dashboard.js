// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// The team's start page, from the APIs that exist: clients by stage (of
// the newest hundred), open tickets and those past their SLA, service
// health, jobs that need a look (admins), and the latest activity.
import { get } from '../lib/api.js';
import { CLIENT_STATUSES, label, when } from '../lib/format.js';
import { html } from '../lib/html.js';
import { isAdmin, useSession } from '../lib/session.js';
import { Badge, Empty, ErrorBox, Loading, Page, useAsync } from '../lib/ui.js';

function Section({ title, state, children }) {
  // An id without spaces: aria-labelledby takes a list of ids.
  const id = `h-${title.toLowerCase().replace(/\W+/g, '-')}`;
  return html`<section class="card" aria-labelledby=${id}>
    <h2 id=${id}>${title}</h2>
    ${state.error ? html`<${ErrorBox} error=${state.error} />` : children()}
  </section>`;
}

function Stages({ page }) {
  const counts = Object.fromEntries(CLIENT_STATUSES.map((s) => [s, 0]));
  for (const c of page.data) counts[c.status] = (counts[c.status] || 0) + 1;
  return html`<ul class="stats">
      ${CLIENT_STATUSES.filter((s) => s !== 'archived').map(
        (s) => html`<li><a href=${`/clients?status=${s}`}><strong>${counts[s]}${page.next_cursor ? '+' : ''}</strong> ${label(s)}</a></li>`,
      )}
    </ul>
    ${page.next_cursor && html`<p class="hint">Counted over the 100 most recently updated clients.</p>`}`;
}

function Health({ health }) {
  return html`<p>Overall: <${Badge} value=${health.status} /></p>
    <ul class="plain">
      ${Object.entries(health.services || {}).map(
        ([name, s]) => html`<li>${label(name)}: <${Badge} value=${s.status} /></li>`,
      )}
    </ul>`;
}

function JobsHealth({ failed, retryable }) {
  return html`<ul class="stats">
    <li><a href="/jobs?state=failed"><strong>${failed.data.length}${failed.next_cursor ? '+' : ''}</strong> failed</a></li>
    <li><a href="/jobs?state=retryable"><strong>${retryable.data.length}${retryable.next_cursor ? '+' : ''}</strong> waiting to retry</a></li>
  </ul>`;
}

function Tickets({ pages }) {
  const [open, progress, breached] = pages;
  const n = (p) => `${p.data.length}${p.next_cursor ? '+' : ''}`;
  return html`<ul class="stats">
    <li><a href="/tickets?status=open"><strong>${n(open)}</strong> open</a></li>
    <li><a href="/tickets?status=in_progress"><strong>${n(progress)}</strong> in progress</a></li>
    <li><a href="/tickets?sla=breached&sort=sla"><strong>${n(breached)}</strong> past their SLA</a></li>
  </ul>`;
}

function Activity({ page }) {
  if (!page.data.length) return html`<${Empty}>Nothing has happened yet.<//>`;
  return html`<ol class="feed">
    ${page.data.map(
      (a) => html`<li>
        <span>${a.client_id ? html`<a href=${`/clients/${a.client_id}/activity`}>${a.summary}</a>` : a.summary}</span>
        <time datetime=${a.created_at}>${when(a.created_at)}</time>
      </li>`,
    )}
  </ol>`;
}

// Every section is drawn at once, when all its requests have answered:
// sections growing one after another would shift the page under the
// reader's eyes (and cost the layout-shift score).
function settled(result) {
  return result.status === 'fulfilled' ? { data: result.value, error: null } : { data: null, error: result.reason };
}

export function Dashboard() {
  const { user } = useSession();
  const admin = isAdmin(user);
  const all = useAsync(
    () =>
      Promise.allSettled([
        get('/api/clients?limit=100&sort=-updated_at&fields=id,status'),
        get('/api/health'),
        get('/api/activity?limit=10'),
        Promise.all(['status=open', 'status=in_progress', 'sla=breached'].map((f) => get(`/api/tickets?${f}&limit=100&fields=id`))),
        admin ? Promise.all([get('/api/jobs?state=failed&limit=100'), get('/api/jobs?state=retryable&limit=100')]) : null,
      ]),
    [],
  );
  const actions = html`<a class="button" href="/clients?new=1">New client</a>`;
  if (all.loading) return html`<${Page} title="Dashboard" actions=${actions}><${Loading} /><//>`;
  const [clients, health, activity, tickets, jobs] = all.data.map(settled);
  return html`<${Page} title="Dashboard" actions=${actions}>
    <div class="grid">
      <${Section} title="Clients by stage" state=${clients}>${() => html`<${Stages} page=${clients.data} />`}<//>
      <${Section} title="Open tickets" state=${tickets}>${() => html`<${Tickets} pages=${tickets.data} />`}<//>
      <${Section} title="Services" state=${health}>${() => html`<${Health} health=${health.data} />`}<//>
      ${admin && html`<${Section} title="Jobs" state=${jobs}>${() => html`<${JobsHealth} failed=${jobs.data[0]} retryable=${jobs.data[1]} />`}<//>`}
      <${Section} title="Recent activity" state=${activity}>${() => html`<${Activity} page=${activity.data} />`}<//>
    </div>
  <//>`;
}
