// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// One client: profile and automation, business plan versions, the M1..M8
// board, files, notes, tickets and activity, each tab its own address.
import { useState } from 'preact/hooks';
import { api, get } from '../lib/api.js';
import { CLIENT_STATUSES, MILESTONES, date, label, money, when } from '../lib/format.js';
import { html } from '../lib/html.js';
import { RichText } from '../lib/richtext.js';
import { Badge, Empty, ErrorBox, Field, Loading, MoreButton, Notice, Page, PagedTable, formValues, useAction, useAsync, usePaged } from '../lib/ui.js';
import { Files } from './files.js';
import { Notes } from './notes.js';

const TABS = [
  ['', 'Profile'],
  ['plan', 'Business plan'],
  ['deliverables', 'Deliverables'],
  ['files', 'Files'],
  ['notes', 'Notes'],
  ['tickets', 'Tickets'],
  ['portal', 'Portal access'],
  ['activity', 'Activity'],
];

function Profile({ client, onChange }) {
  const [editing, setEditing] = useState(false);
  const save = useAction(async (e) => {
    e.preventDefault();
    const v = formValues(e.target);
    const body = { name: v.name, status: v.status, brand_name: v.brand_name, email: v.email, niche: v.niche };
    if (v.start_date) body.start_date = v.start_date;
    onChange(await api('PATCH', `/api/clients/${client.id}`, body));
    setEditing(false);
  });
  const automation = useAction(async () => {
    const verb = client.automation_paused ? 'resume' : 'pause';
    await api('POST', `/api/clients/${client.id}/automation/${verb}`);
    onChange(await get(`/api/clients/${client.id}`));
  });
  const f = (save.error && save.error.fields) || {};
  return html`<div class="grid">
    <section class="card" aria-labelledby="profile-h">
      <h2 id="profile-h">Profile</h2>
      ${editing
        ? html`<form class="stack" onSubmit=${save.run} novalidate>
            <${ErrorBox} error=${save.error} />
            <${Field} label="Name" name="name" defaultValue=${client.name} required error=${f.name} />
            <${Field} label="Brand name" name="brand_name" defaultValue=${client.brand_name || ''} error=${f.brand_name} />
            <${Field} label="Email" name="email" type="email" defaultValue=${client.email || ''} error=${f.email} />
            <${Field} label="Niche" name="niche" defaultValue=${client.niche || ''} error=${f.niche} />
            <${Field} label="Status" name="status" as="select" error=${f.status}>
              ${CLIENT_STATUSES.filter((s) => s !== 'archived').map((s) => html`<option value=${s} selected=${s === client.status}>${label(s)}</option>`)}
            <//>
            <${Field} label="Start date" name="start_date" type="date" defaultValue=${client.start_date || ''} error=${f.start_date} />
            <div class="row">
              <button type="submit" disabled=${save.busy}>${save.busy ? 'Saving…' : 'Save'}</button>
              <button type="button" class="secondary" onClick=${() => setEditing(false)}>Cancel</button>
            </div>
          </form>`
        : html`<dl class="facts">
              <dt>Brand</dt><dd>${client.brand_name || '—'}</dd>
              <dt>Email</dt><dd>${client.email || '—'}</dd>
              <dt>Niche</dt><dd>${client.niche || '—'}</dd>
              <dt>Status</dt><dd><${Badge} value=${client.status} /></dd>
              <dt>Start date</dt><dd>${date(client.start_date)}</dd>
              <dt>Monthly fee</dt><dd>${money(client.monthly_fee_cents, client.currency)}</dd>
              <dt>Created</dt><dd>${when(client.created_at)}</dd>
            </dl>
            <button type="button" class="secondary" onClick=${() => setEditing(true)}>Edit profile</button>`}
    </section>
    <section class="card" aria-labelledby="auto-h">
      <h2 id="auto-h">Automation</h2>
      <p>${client.automation_paused ? 'Paused: no reminders or journey steps run for this client.' : 'Running: reminders and journey steps run on schedule.'}</p>
      <${ErrorBox} error=${automation.error} />
      <button type="button" class=${client.automation_paused ? '' : 'secondary'} onClick=${automation.run} disabled=${automation.busy}>
        ${client.automation_paused ? 'Resume automation' : 'Pause automation'}
      </button>
    </section>
  </div>`;
}

function PlanVersion({ id, onApproved }) {
  const plan = useAsync(() => get(`/api/business-plans/${id}`), [id]);
  const approve = useAction(async () => {
    await api('POST', `/api/business-plans/${id}/approve`);
    plan.reload();
    onApproved();
  });
  if (plan.loading) return html`<${Loading} />`;
  if (plan.error) return html`<${ErrorBox} error=${plan.error} />`;
  const p = plan.data;
  return html`<article class="card" aria-labelledby="plan-title">
    <div class="row spread">
      <h3 id="plan-title">${p.title || 'Business plan'} <small>version ${p.version}</small></h3>
      <${Badge} value=${p.status} />
    </div>
    ${p.approved_at && html`<p class="hint">Approved ${when(p.approved_at)}</p>`}
    <${ErrorBox} error=${approve.error} />
    ${(p.status === 'draft' || p.status === 'in_review') &&
    html`<button type="button" onClick=${approve.run} disabled=${approve.busy}>${approve.busy ? 'Approving…' : 'Approve this version'}</button>`}
    <${RichText} html=${p.content_html} />
  </article>`;
}

function NewPlan({ clientId, onCreated }) {
  const act = useAction(async (e) => {
    e.preventDefault();
    const plan = await api('POST', `/api/clients/${clientId}/business-plans`, formValues(e.target));
    e.target.reset();
    onCreated(plan);
  });
  const f = (act.error && act.error.fields) || {};
  return html`<details class="card">
    <summary>Write a new version</summary>
    <form class="stack" onSubmit=${act.run}>
      <${ErrorBox} error=${act.error} />
      <${Field} label="Title" name="title" required error=${f.title} />
      <${Field} label="Plan (Markdown)" name="content_markdown" as="textarea" rows="12" required error=${f.content_markdown} />
      <div><button type="submit" disabled=${act.busy}>${act.busy ? 'Saving…' : 'Save as draft'}</button></div>
    </form>
  </details>`;
}

function Plans({ clientId }) {
  const list = usePaged(`/api/clients/${clientId}/business-plans?limit=20`);
  const [picked, setPicked] = useState(null);
  const shown = picked || (list.items[0] && list.items[0].id);
  return html`<section aria-labelledby="plans-h">
    <h2 id="plans-h">Business plan</h2>
    <${NewPlan} clientId=${clientId} onCreated=${(p) => {
      setPicked(p.id);
      list.reload();
    }} />
    <${ErrorBox} error=${list.error} />
    ${!list.loading && !list.items.length && html`<${Empty}>No plan yet: write the first version above.<//>`}
    ${list.items.length > 0 &&
    html`<div class="split">
      <nav aria-label="Plan versions"><ol class="versions">
        ${list.items.map(
          (p) => html`<li><button type="button" class=${p.id === shown ? 'link current' : 'link'} aria-current=${p.id === shown ? 'true' : undefined} onClick=${() => setPicked(p.id)}>
            Version ${p.version} · ${label(p.status)}
          </button></li>`,
        )}
      </ol><${MoreButton} list=${list} /></nav>
      <${PlanVersion} key=${shown} id=${shown} onApproved=${list.reload} />
    </div>`}
  </section>`;
}

function Board({ clientId }) {
  const items = useAsync(() => get(`/api/clients/${clientId}/deliverables`), [clientId]);
  const ready = useAction(async (id) => {
    await api('POST', `/api/deliverables/${id}/ready`);
    items.reload();
  });
  if (items.loading) return html`<${Loading} />`;
  if (items.error) return html`<${ErrorBox} error=${items.error} />`;
  return html`<section aria-labelledby="board-h">
    <h2 id="board-h">Deliverables</h2>
    <${ErrorBox} error=${ready.error} />
    <ol class="board">
      ${items.data.data.map(
        (d) => html`<li class=${`card milestone status-${d.status}`}>
          <h3>M${d.milestone} <span>${d.title || MILESTONES[d.milestone - 1]}</span></h3>
          <p><${Badge} value=${d.status} /> ${d.due_date && html`<small>due ${date(d.due_date)}</small>`}</p>
          ${!['ready', 'delivered'].includes(d.status) &&
          html`<button type="button" class="secondary" onClick=${() => ready.run(d.id)} disabled=${ready.busy}
            aria-label=${`Mark M${d.milestone} ready for the client`}>Mark ready</button>`}
        </li>`,
      )}
    </ol>
  </section>`;
}

function ClientTickets({ clientId }) {
  const list = usePaged(`/api/clients/${clientId}/tickets?limit=25&sort=updated_at`);
  return html`<section aria-labelledby="tickets-h">
    <div class="row spread"><h2 id="tickets-h">Tickets</h2>
      <div class="row"><a href=${`/tickets?client_id=${clientId}`}>Open in the queue</a>
        <a class="button" href=${`/tickets?client_id=${clientId}&new=1`}>New ticket</a></div></div>
    <${PagedTable} list=${list} caption="The client's tickets" empty="This client has no tickets."
      columns=${['Ticket', 'Status', 'Priority', 'Updated']}
      row=${(t) => html`<tr>
          <th scope="row"><a href=${`/tickets/${t.number}`}>#${t.number} ${t.subject}</a></th>
          <td><${Badge} value=${t.status} /></td>
          <td>${label(t.priority)}</td>
          <td>${when(t.updated_at)}</td>
        </tr>`} />
  </section>`;
}

// An invite's state in words: accepted, revoked, expired or pending.
function inviteState(inv) {
  if (inv.accepted_at) return ['ok', 'Accepted'];
  if (inv.revoked_at) return ['cancelled', 'Revoked'];
  if (new Date(inv.expires_at) <= new Date()) return ['draft', 'Expired'];
  return ['ready', 'Pending'];
}

// Who of the client's people may use the portal: invitations by email (a
// link that works once, for 7 days), their state, and revoking one.
function PortalAccess({ client }) {
  const list = usePaged(`/api/clients/${client.id}/portal-invites?limit=25`);
  const [done, setDone] = useState('');
  const send = useAction(async (e) => {
    e.preventDefault();
    const form = e.target;
    const email = form.elements.email.value.trim();
    setDone('');
    await api('POST', '/api/portal-invites', { client_id: client.id, email });
    form.reset();
    setDone(`An invitation was sent to ${email}: its link works once, for 7 days.`);
    list.reload();
  });
  const revoke = useAction(async (inv) => {
    if (!confirm(`Revoke the invitation to ${inv.email}? Its link stops working.`)) return;
    setDone('');
    await api('DELETE', `/api/portal-invites/${inv.id}`);
    setDone(`The invitation to ${inv.email} was revoked.`);
    list.reload();
  });
  const f = (send.error && send.error.fields) || {};
  return html`<section aria-labelledby="portal-h">
    <h2 id="portal-h">Portal access</h2>
    <form class="card stack" onSubmit=${send.run} aria-labelledby="invite-h">
      <h3 id="invite-h">Invite someone to the portal</h3>
      <p class="hint">They get an email with a link to choose a password; a new invitation to the same address replaces the old one.</p>
      <${ErrorBox} error=${send.error} />
      <${Field} label="Their email" name="email" type="email" required autocomplete="off" error=${f.email}
        placeholder=${client.email || 'name@example.com'} />
      <div><button type="submit" disabled=${send.busy}>${send.busy ? 'Sending…' : 'Send invitation'}</button></div>
    </form>
    ${done && html`<${Notice}>${done}<//>`}
    <${ErrorBox} error=${revoke.error} />
    <${PagedTable} list=${list} caption="Portal invitations" empty="No invitations yet." stacked=${true}
      columns=${['Email', 'State', 'Sent', 'Expires', '']}
      row=${(inv) => {
        const [tone, text] = inviteState(inv);
        return html`<tr>
          <th scope="row">${inv.email}</th>
          <td><${Badge} value=${tone} text=${text} />${inv.accepted_at && html` <small>${when(inv.accepted_at)}</small>`}</td>
          <td>${when(inv.created_at)}</td>
          <td>${when(inv.expires_at)}</td>
          <td>${text === 'Pending' &&
          html`<button type="button" class="secondary" onClick=${() => revoke.run(inv)} disabled=${revoke.busy} aria-label=${`Revoke the invitation to ${inv.email}`}>Revoke</button>`}</td>
        </tr>`;
      }} />
  </section>`;
}

export function ActivityList({ path }) {
  const list = usePaged(path);
  return html`<section aria-labelledby="act-h">
    <h2 id="act-h">Activity</h2>
    <${ErrorBox} error=${list.error} />
    ${!list.loading && !list.items.length && html`<${Empty}>Nothing has happened yet.<//>`}
    <ol class="feed">
      ${list.items.map((a) => html`<li><span>${a.summary}</span><time datetime=${a.created_at}>${when(a.created_at)}</time></li>`)}
    </ol>
    <${MoreButton} list=${list} />
  </section>`;
}

export function ClientDetail({ params }) {
  const tab = params.tab || '';
  const client = useAsync(() => get(`/api/clients/${params.id}`), [params.id]);
  const [edited, setEdited] = useState(null);
  if (client.loading) return html`<${Loading} what="Loading the client" />`;
  if (client.error)
    return html`<${Page} title="Client"><${ErrorBox} error=${client.error} /><p><a href="/clients">All clients</a></p><//>`;
  const c = edited || client.data;
  const base = `/clients/${c.id}`;
  const body = {
    '': () => html`<${Profile} client=${c} onChange=${setEdited} />`,
    plan: () => html`<${Plans} clientId=${c.id} />`,
    deliverables: () => html`<${Board} clientId=${c.id} />`,
    files: () => html`<${Files} clientId=${c.id} team=${true} />`,
    notes: () => html`<${Notes} clientId=${c.id} />`,
    tickets: () => html`<${ClientTickets} clientId=${c.id} />`,
    portal: () => html`<${PortalAccess} client=${c} />`,
    activity: () => html`<${ActivityList} path=${`/api/clients/${c.id}/activity?limit=25`} />`,
  }[tab];
  return html`<${Page} title=${c.name} actions=${html`<a class="button secondary" href=${`/coach?client=${c.id}`}>Ask the coach</a>`}>
    <p class="sub">${c.brand_name && html`${c.brand_name} · `}<${Badge} value=${c.status} /></p>
    <nav class="tabs" aria-label="Client sections">
      <ul>${TABS.map(([t, text]) => html`<li><a href=${t ? `${base}/${t}` : base} aria-current=${t === tab ? 'page' : undefined}>${text}</a></li>`)}</ul>
    </nav>
    ${body ? body() : html`<${Notice}>There is no such section. <a href=${base}>Back to the profile</a>.<//>`}
  <//>`;
}
