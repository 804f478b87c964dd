// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// The email log (admins), loaded as its own chunk: every email the system
// queued, with filters kept in the address and keyset paging, one email's
// details, and sending a failed one again.
import { useState } from 'preact/hooks';
import { api, get, qs } from '../lib/api.js';
import { label, when } from '../lib/format.js';
import { html } from '../lib/html.js';
import { setQuery, useLocation } from '../lib/router.js';
import { Badge, ErrorBox, Field, Loading, Notice, Page, PagedTable, useAction, useAsync, usePaged } from '../lib/ui.js';

export const EMAIL_STATUSES = ['queued', 'sent', 'delivered', 'delayed', 'opened', 'clicked', 'bounced', 'complained', 'failed', 'suppressed'];
export const EMAIL_TEMPLATES = [
  'welcome',
  'portal_invite',
  'password_reset',
  'account_unlock',
  'deliverable_ready',
  'milestone_reminder',
  'weekly_summary',
  'ticket_created',
  'ticket_replied',
  'ticket_closed',
  'token_budget_alert',
];

// A status's colour: delivered-like green, trouble red, waiting amber.
const tone = (s) =>
  ({ sent: 'ok', delivered: 'ok', opened: 'ok', clicked: 'ok', queued: 'ready', delayed: 'draft', suppressed: 'draft', failed: 'failed', bounced: 'failed', complained: 'failed' })[s] ||
  s;
const status = (s) => html`<${Badge} value=${tone(s)} text=${label(s)} />`;

export function Emails() {
  const { query } = useLocation();
  const f = {};
  for (const k of ['status', 'template', 'to', 'client_id']) f[k] = query.get(k) || '';
  const [to, setTo] = useState(f.to);
  const list = usePaged(`/api/emails${qs({ ...f, limit: 25 })}`);
  const set = (k) => (e) => setQuery({ ...f, [k]: e.target.value });
  return html`<${Page} title="Email log">
    ${f.client_id &&
    html`<${Notice}>Showing one client's emails. <button type="button" class="link" onClick=${() => setQuery({ ...f, client_id: '' })}>Show everyone's</button><//>`}
    <form class="filters" role="search" aria-label="Filter emails" onSubmit=${(e) => {
      e.preventDefault();
      setQuery({ ...f, to: to.trim() });
    }}>
      <${Field} label="Recipient" type="email" value=${to} onInput=${(e) => setTo(e.target.value)} placeholder="name@example.com" />
      <button type="submit">Find</button>
      <${Field} label="Status" as="select" value=${f.status} onChange=${set('status')}>
        <option value="">Any</option>
        ${EMAIL_STATUSES.map((s) => html`<option value=${s} selected=${s === f.status}>${label(s)}</option>`)}
      <//>
      <${Field} label="Template" as="select" value=${f.template} onChange=${set('template')}>
        <option value="">Any</option>
        ${EMAIL_TEMPLATES.map((t) => html`<option value=${t} selected=${t === f.template}>${label(t)}</option>`)}
      <//>
    </form>
    <${PagedTable} list=${list} caption="Emails" stacked=${true} empty="No emails match."
      columns=${['Subject', 'To', 'Template', 'Status', 'Attempts', 'Queued']}
      row=${(m) => html`<tr>
        <th scope="row"><a href=${`/emails/${m.id}`}>${m.subject || label(m.template)}</a></th>
        <td>${m.to}</td>
        <td>${label(m.template)}</td>
        <td>${status(m.status)}</td>
        <td>${m.attempts}${m.resends ? ` (${m.resends} resent)` : ''}</td>
        <td>${when(m.created_at)}</td>
      </tr>`} />
  <//>`;
}

export function EmailDetail({ params }) {
  const mail = useAsync(() => get(`/api/emails/${encodeURIComponent(params.id)}`), [params.id]);
  const [after, setAfter] = useState(null);
  const resend = useAction(async () => setAfter(await api('POST', `/api/emails/${params.id}/resend`)));
  if (mail.loading) return html`<${Loading} what="Loading the email" />`;
  if (mail.error) return html`<${Page} title="Email"><${ErrorBox} error=${mail.error} /><p><a href="/emails">The email log</a></p><//>`;
  const m = after || mail.data;
  return html`<${Page} title=${m.subject || label(m.template)}
      actions=${m.status === 'failed' && html`<button type="button" onClick=${resend.run} disabled=${resend.busy}>${resend.busy ? 'Queueing…' : 'Send again'}</button>`}>
    <p><a href="/emails">The email log</a></p>
    ${after && html`<${Notice}>Queued again: a worker sends it shortly.<//>`}
    <${ErrorBox} error=${resend.error} />
    <section class="card" aria-labelledby="mail-h">
      <h2 id="mail-h">Details</h2>
      <dl class="facts">
        <dt>Status</dt><dd>${status(m.status)}</dd>
        <dt>To</dt><dd>${m.name ? `${m.name} <${m.to}>` : m.to}</dd>
        <dt>Template</dt><dd>${label(m.template)}</dd>
        <dt>Category</dt><dd>${label(m.category)}</dd>
        <dt>Attempts</dt><dd>${m.attempts}</dd>
        <dt>Sent again</dt><dd>${m.resends ? `${m.resends} ${m.resends === 1 ? 'time' : 'times'}` : 'Never'}</dd>
        ${m.error && html`<dt>Error</dt><dd class="field-error">${m.error}</dd>`}
        <dt>Provider id</dt><dd>${m.provider_id || '—'}</dd>
        <dt>Client</dt><dd>${m.client_id ? html`<a href=${`/clients/${m.client_id}`}>Open the client</a>` : '—'}</dd>
        <dt>Created</dt><dd>${when(m.created_at)}</dd>
        <dt>Sent at</dt><dd>${when(m.sent_at)}</dd>
        <dt>Last change</dt><dd>${when(m.updated_at)}</dd>
      </dl>
      ${m.client_id && html`<p><a href=${`/emails?client_id=${m.client_id}`}>This client's emails</a></p>`}
    </section>
  <//>`;
}
