// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// Support tickets, loaded as their own chunk.  The team: a queue with
// filters kept in the address and keyset paging, and a ticket's page with
// its SLA, the thread, replies and internal notes, status, priority,
// category and assignee, close and reopen, and merging a duplicate.  The
// portal: a client's own tickets, opening one, replying and closing.  The
// API decides who sees what (a client never gets internal notes or the
// team's fields); these pages only show what it answers.
import { useEffect, useState } from 'preact/hooks';
import { api, get, qs, upload } from '../lib/api.js';
import { bytes, label, when } from '../lib/format.js';
import { html } from '../lib/html.js';
import { RichText } from '../lib/richtext.js';
import { navigate, setQuery, useLocation } from '../lib/router.js';
import { isAdmin, useSession } from '../lib/session.js';
import { Badge, Empty, ErrorBox, Field, Loading, MoreButton, Notice, Page, PagedTable, formValues, useAction, useAsync, usePaged } from '../lib/ui.js';
import { downloadFile } from './files.js';

const STATUSES = ['open', 'in_progress', 'waiting_on_client', 'resolved', 'closed'];
const PRIORITIES = ['low', 'medium', 'high', 'urgent'];
const CATEGORIES = ['general', 'technical', 'billing', 'deliverable', 'account', 'feature_request', 'other'];
const SLA_STATES = ['on_track', 'breached', 'paused', 'met', 'missed'];
const SORTS = [
  ['', 'Newest'],
  ['updated_at', 'Recently updated'],
  ['sla', 'SLA deadline, soonest first'],
  ['priority', 'Priority, urgent first'],
  ['-created_at', 'Oldest first'],
];

const options = (values, current) => values.map((v) => html`<option value=${v} selected=${v === current}>${label(v)}</option>`);

function duration(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 60) return 'less than a minute';
  const m = Math.round(seconds / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} days ${h % 24} h`;
}

// The SLA in words: the state and the deadline, or how it went.
function SlaText({ sla }) {
  if (!sla) return '—';
  const due = sla.due_at ? html` · due ${html`<time datetime=${sla.due_at}>${when(sla.due_at)}</time>`}` : '';
  return html`<span class="sla">${slaBadge(sla.state)}${due}</span>`;
}

// Client names for the queue, asked once per client and kept.
const clientNames = new Map();
function useClientNames(ids) {
  const [, setTick] = useState(0);
  const missing = [...new Set(ids.filter((id) => id && !clientNames.has(id)))];
  useEffect(() => {
    if (!missing.length) return;
    for (const id of missing) clientNames.set(id, null);
    Promise.all(
      missing.map((id) =>
        get(`/api/clients/${id}`).then(
          (c) => clientNames.set(id, c.name),
          () => clientNames.set(id, ''),
        ),
      ),
    ).then(() => setTick((n) => n + 1));
  }, [missing.join()]);
  return (id) => clientNames.get(id);
}

// Team members an admin may assign to (staff cannot list users: they
// assign to themselves or unassign).
function useAssignees(user) {
  return useAsync(async () => {
    if (!isAdmin(user)) return [{ id: user.id, name: user.name || user.email }];
    const [admins, staff] = await Promise.all([
      get('/api/users?role=admin&active=true&limit=100'),
      get('/api/users?role=staff&active=true&limit=100'),
    ]);
    return admins.data.concat(staff.data).map((u) => ({ id: u.id, name: u.name || u.email }));
  }, [user.id]);
}

function NewTicket({ portal, clientId = '', onCancel }) {
  const clients = useAsync(() => (portal ? Promise.resolve(null) : get('/api/clients?limit=100&sort=name&fields=id,name')), [portal]);
  const act = useAction(async (e) => {
    e.preventDefault();
    const v = formValues(e.target);
    const body = { subject: v.subject, category: v.category };
    if (v.description) body.description = v.description;
    if (!portal) {
      body.priority = v.priority;
      if (v.client_id) body.client_id = v.client_id;
    }
    const t = await api('POST', '/api/tickets', body);
    navigate(`${portal ? '/portal' : ''}/tickets/${t.number}`);
  });
  const f = (act.error && act.error.fields) || {};
  return html`<form class="card stack" onSubmit=${act.run} aria-labelledby="new-ticket">
    <h2 id="new-ticket">${portal ? 'Ask for help' : 'New ticket'}</h2>
    <${ErrorBox} error=${act.error} />
    <${Field} label="Subject" name="subject" required maxlength="300" error=${f.subject} />
    <${Field} label="Description" name="description" as="textarea" rows="6" error=${f.description}
      hint="Markdown: **bold**, lists with -, links." />
    <div class="cols">
      <${Field} label="Category" name="category" as="select" error=${f.category}>${options(CATEGORIES, 'general')}<//>
      ${!portal && html`<${Field} label="Priority" name="priority" as="select" error=${f.priority}>${options(PRIORITIES, 'medium')}<//>`}
      ${!portal &&
      html`<${Field} label="Client" name="client_id" as="select" error=${f.client_id}>
        <option value="">None (an internal ticket)</option>
        ${(clients.data ? clients.data.data : []).map((c) => html`<option value=${c.id} selected=${c.id === clientId}>${c.name}</option>`)}
      <//>`}
    </div>
    <div class="row">
      <button type="submit" disabled=${act.busy}>${act.busy ? 'Opening…' : 'Open ticket'}</button>
      <button type="button" class="secondary" onClick=${onCancel}>Cancel</button>
    </div>
  </form>`;
}

export function TicketQueue() {
  const { user } = useSession();
  const { query } = useLocation();
  const filters = {};
  for (const k of ['status', 'priority', 'category', 'sla', 'assigned_to_id', 'client_id', 'q', 'sort']) filters[k] = query.get(k) || '';
  const [text, setText] = useState(filters.q);
  const [creating, setCreating] = useState(query.get('new') === '1');
  const list = usePaged(`/api/tickets${qs({ ...filters, limit: 25 })}`);
  const assignees = useAssignees(user);
  const names = useClientNames(list.items.map((t) => t.client_id).concat(filters.client_id));
  const set = (k) => (e) => setQuery({ ...filters, [k]: e.target.value });
  // On a phone the filters fold away unless one is in use.
  const wide = matchMedia('(min-width: 48rem)').matches;
  const inUse = ['status', 'priority', 'category', 'sla', 'assigned_to_id', 'sort'].some((k) => filters[k]);
  const who = (id) => {
    if (!id) return 'Unassigned';
    if (id === user.id) return 'You';
    const a = (assignees.data || []).find((u) => u.id === id);
    return a ? a.name : 'Another team member';
  };
  return html`<${Page} title="Tickets" actions=${!creating && html`<button type="button" onClick=${() => setCreating(true)}>New ticket</button>`}>
    ${creating && html`<${NewTicket} clientId=${filters.client_id} onCancel=${() => setCreating(false)} />`}
    ${filters.client_id &&
    html`<${Notice}>Showing the tickets of ${names(filters.client_id) || 'one client'}.
      <button type="button" class="link" onClick=${() => setQuery({ ...filters, client_id: '' })}>Show every client's</button><//>`}
    <form class="filters" role="search" aria-label="Filter tickets" onSubmit=${(e) => {
      e.preventDefault();
      setQuery({ ...filters, q: text.trim() });
    }}>
      <${Field} label="Search" type="search" value=${text} onInput=${(e) => setText(e.target.value)} placeholder="Words, or a number like #42" />
      <button type="submit">Search</button>
      <details class="more-filters" open=${wide || inUse}>
      <summary>Filters and order</summary>
      <div class="filters">
      <${Field} label="Status" as="select" value=${filters.status} onChange=${set('status')}>
        <option value="">Any</option>${options(STATUSES, filters.status)}
      <//>
      <${Field} label="Priority" as="select" value=${filters.priority} onChange=${set('priority')}>
        <option value="">Any</option>${options(PRIORITIES, filters.priority)}
      <//>
      <${Field} label="Category" as="select" value=${filters.category} onChange=${set('category')}>
        <option value="">Any</option>${options(CATEGORIES, filters.category)}
      <//>
      <${Field} label="SLA" as="select" value=${filters.sla} onChange=${set('sla')}>
        <option value="">Any</option>${options(SLA_STATES, filters.sla)}
      <//>
      <${Field} label="Assigned to" as="select" value=${filters.assigned_to_id} onChange=${set('assigned_to_id')}>
        <option value="">Anyone</option>
        ${(assignees.data || []).map((u) => html`<option value=${u.id} selected=${u.id === filters.assigned_to_id}>${u.id === user.id ? 'Me' : u.name}</option>`)}
      <//>
      <${Field} label="Order" as="select" value=${filters.sort} onChange=${set('sort')}>
        ${SORTS.map(([v, t]) => html`<option value=${v} selected=${v === filters.sort}>${t}</option>`)}
      <//>
      </div>
      </details>
    </form>
    <${PagedTable} list=${list} caption="Tickets" empty="No tickets match." stacked=${true}
      columns=${['Ticket', 'Client', 'Status', 'Priority', 'SLA', 'Assigned to', 'Updated']}
      row=${(t) => html`<tr>
          <th scope="row"><a href=${`/tickets/${t.number}`}>#${t.number} ${t.subject}</a></th>
          <td>${t.client_id ? html`<a href=${`/clients/${t.client_id}`}>${names(t.client_id) || 'Client'}</a>` : 'Internal'}</td>
          <td><${Badge} value=${t.status} /></td>
          <td>${priority(t.priority)}</td>
          <td><${SlaText} sla=${t.sla} /></td>
          <td>${who(t.assigned_to_id)}</td>
          <td>${when(t.updated_at)}</td>
        </tr>`} />
  <//>`;
}

function Attachments({ files }) {
  const [error, setError] = useState(null);
  if (!files || !files.length) return null;
  return html`<ul class="plain attachments">
    ${files.map(
      (f) => html`<li>
        <button type="button" class="link" onClick=${() => downloadFile(f).catch(setError)} aria-label=${`Download ${f.name}`}>${f.name}</button>
        <small>${bytes(f.size)}</small>
      </li>`,
    )}
    ${error && html`<li><${ErrorBox} error=${error} /></li>`}
  </ul>`;
}

const priority = (p) => html`<${Badge} value=${`priority-${p}`} text=${`${label(p)} priority`} />`;
const slaBadge = (state) => html`<${Badge} value=${`sla-${state}`} text=${`SLA ${label(state).toLowerCase()}`} />`;

function Thread({ ticket, list, portal }) {
  return html`<section aria-labelledby="thread-h">
    <h2 id="thread-h">Conversation</h2>
    <ol class="thread">
      <li class="message card">
        <p class="meta"><strong>Description</strong> <time datetime=${ticket.created_at}>${when(ticket.created_at)}</time></p>
        ${ticket.description_html ? html`<${RichText} html=${ticket.description_html} />` : html`<p class="empty">No description.</p>`}
      </li>
      ${list.items.map(
        (m) => html`<li class=${`message card ${m.internal ? 'internal' : ''} ${m.is_admin_reply ? 'team' : 'client'}`}>
          <p class="meta">
            <strong>${m.author_name || (m.is_admin_reply ? 'The team' : 'Client')}</strong>
            ${m.internal ? html`<span class="badge badge-internal">Internal note</span>` : m.is_admin_reply && !portal ? html`<span class="badge">Reply</span>` : ''}
            <time datetime=${m.created_at}>${when(m.created_at)}</time>
          </p>
          <${RichText} html=${m.html} />
          <${Attachments} files=${m.files} />
        </li>`,
      )}
    </ol>
    <${ErrorBox} error=${list.error} />
    ${list.loading && html`<${Loading} what="Loading the conversation" />`}
    <${MoreButton} list=${list} />
  </section>`;
}

function Reply({ ticket, portal, onSent }) {
  const [internal, setInternal] = useState(false);
  const [files, setFiles] = useState([]);
  const [uploading, setUploading] = useState(null);
  const act = useAction(async (e) => {
    e.preventDefault();
    const form = e.target;
    const body = { message: form.elements.message.value };
    if (!portal && internal) body.internal = true;
    // Attachments are the client's files: uploaded first, then named.
    if (files.length) {
      body.file_ids = [];
      for (const [i, f] of files.entries()) {
        const data = new FormData();
        if (!portal) data.append('client_id', ticket.client_id);
        data.append('file', f, f.name);
        setUploading({ name: f.name, n: i + 1, of: files.length, progress: 0 });
        try {
          const up = await upload(data, (p) => setUploading((u) => ({ ...u, progress: p })));
          body.file_ids.push(up.id);
        } finally {
          setUploading(null);
        }
      }
    }
    await api('POST', `/api/tickets/${ticket.id}/messages`, body);
    form.reset();
    setInternal(false);
    setFiles([]);
    onSent();
  });
  const f = (act.error && act.error.fields) || {};
  const closed = ticket.status === 'closed';
  if (portal && closed) return html`<${Notice}>This ticket is closed. If you still need help, open a new ticket.<//>`;
  return html`<form class="card stack" onSubmit=${act.run} aria-labelledby="reply-h">
    <h2 id="reply-h">${internal ? 'Internal note' : 'Reply'}</h2>
    ${closed && html`<p class="hint">The ticket is closed: reopen it to reply to the client. Internal notes can still be added.</p>`}
    <${ErrorBox} error=${act.error} />
    <${Field} label=${internal ? 'Note for the team' : 'Your reply'} name="message" as="textarea" rows="5" required error=${f.message}
      hint="Markdown: **bold**, lists with -, links." />
    ${ticket.client_id &&
    html`<${Field} label="Attach files" name="files" type="file" multiple error=${f.file_ids}
      onChange=${(e) => setFiles(Array.from(e.target.files || []).slice(0, 10))}
      hint="Up to 10 files of 25 MB each; they are also kept in the client's files." />`}
    ${uploading &&
    html`<p role="status">Uploading ${uploading.name} (${uploading.n} of ${uploading.of})
      <progress max="1" value=${uploading.progress} aria-label=${`Uploading ${uploading.name}`}></progress></p>`}
    ${!portal &&
    html`<div class="check">
      <input type="checkbox" id="reply-internal" checked=${internal} onChange=${(e) => setInternal(e.target.checked)} aria-describedby="reply-internal-hint" />
      <label for="reply-internal">Internal note</label>
      <small id="reply-internal-hint">Only the team sees it; the client is not told.</small>
    </div>`}
    <div><button type="submit" disabled=${act.busy}>${act.busy ? 'Sending…' : internal ? 'Add internal note' : 'Send reply'}</button></div>
  </form>`;
}

// Status, priority, category and assignee: one form, only what changed
// is sent.
function Manage({ ticket, onChange }) {
  const { user } = useSession();
  const assignees = useAssignees(user);
  const act = useAction(async (e) => {
    e.preventDefault();
    const v = formValues(e.target);
    const body = {};
    for (const k of ['status', 'priority', 'category']) if (v[k] !== ticket[k]) body[k] = v[k];
    const to = v.assigned_to_id || null;
    if (to !== (ticket.assigned_to_id || null)) body.assigned_to_id = to;
    if (!Object.keys(body).length) return;
    onChange(await api('PATCH', `/api/tickets/${ticket.id}`, body));
  });
  const f = (act.error && act.error.fields) || {};
  const people = (assignees.data || []).slice();
  if (ticket.assigned_to_id && !people.some((u) => u.id === ticket.assigned_to_id))
    people.push({ id: ticket.assigned_to_id, name: 'Another team member' });
  return html`<form class="card stack" onSubmit=${act.run} aria-labelledby="manage-h" key=${ticket.updated_at}>
    <h2 id="manage-h">Handling</h2>
    <${ErrorBox} error=${act.error} />
    <${Field} label="Status" name="status" as="select" error=${f.status}>${options(STATUSES, ticket.status)}<//>
    <${Field} label="Priority" name="priority" as="select" error=${f.priority}>${options(PRIORITIES, ticket.priority)}<//>
    <${Field} label="Category" name="category" as="select" error=${f.category}>${options(CATEGORIES, ticket.category)}<//>
    <${Field} label="Assigned to" name="assigned_to_id" as="select" error=${f.assigned_to_id}>
      <option value="">Nobody</option>
      ${people.map((u) => html`<option value=${u.id} selected=${u.id === ticket.assigned_to_id}>${u.id === user.id ? `${u.name} (you)` : u.name}</option>`)}
    <//>
    <div><button type="submit" disabled=${act.busy}>${act.busy ? 'Saving…' : 'Save changes'}</button></div>
  </form>`;
}

function Merge({ ticket }) {
  const act = useAction(async (e) => {
    e.preventDefault();
    const into = formValues(e.target).into.trim().replace(/^#/, '');
    const t = await api('POST', `/api/tickets/${ticket.id}/merge`, { into });
    navigate(`/tickets/${t.number}`);
  });
  const f = (act.error && act.error.fields) || {};
  return html`<details class="card">
    <summary>Merge into another ticket</summary>
    <form class="stack" onSubmit=${act.run}>
      <p class="hint">For a duplicate: its messages move to the other ticket and this one closes. The client is not emailed.</p>
      <${ErrorBox} error=${act.error} />
      <${Field} label="Number of the ticket to keep" name="into" required inputmode="numeric" error=${f.into} placeholder="e.g. 42" />
      <div><button type="submit" class="danger" disabled=${act.busy}>${act.busy ? 'Merging…' : 'Merge'}</button></div>
    </form>
  </details>`;
}

function SlaCard({ ticket }) {
  const sla = ticket.sla;
  return html`<section class="card" aria-labelledby="sla-h">
    <h2 id="sla-h">SLA</h2>
    <dl class="facts">
      <dt>State</dt><dd>${slaBadge(sla.state)}</dd>
      <dt>Due</dt><dd>${sla.due_at ? html`<time datetime=${sla.due_at}>${when(sla.due_at)}</time>` : sla.state === 'paused' ? 'Paused while waiting on the client' : '—'}</dd>
      <dt>First response</dt><dd>${ticket.first_response_at ? `after ${duration(sla.first_response_seconds)}` : 'Not yet'}</dd>
      <dt>Resolution</dt><dd>${sla.resolution_seconds !== null && sla.resolution_seconds !== undefined ? `after ${duration(sla.resolution_seconds)}` : 'Not yet'}</dd>
      ${sla.paused_seconds > 0 && html`<dt>Paused for</dt><dd>${duration(sla.paused_seconds)}</dd>`}
    </dl>
  </section>`;
}

function useTicket(id) {
  const ticket = useAsync(() => get(`/api/tickets/${encodeURIComponent(id)}`), [id]);
  const [changed, setChanged] = useState(null);
  const t = changed && ticket.data && changed.id === ticket.data.id ? changed : ticket.data;
  const messages = usePaged(t ? `/api/tickets/${t.id}/messages?limit=50` : null);
  return { ticket, t, setChanged, messages };
}

export function TicketDetail({ params }) {
  const { ticket, t, setChanged, messages } = useTicket(params.id);
  const closer = useAction(async (verb) => {
    const next = verb === 'close' ? await api('POST', `/api/tickets/${t.id}/close`) : await api('PATCH', `/api/tickets/${t.id}`, { status: 'open' });
    setChanged(next);
  });
  if (ticket.loading) return html`<${Loading} what="Loading the ticket" />`;
  if (ticket.error) return html`<${Page} title="Ticket"><${ErrorBox} error=${ticket.error} /><p><a href="/tickets">All tickets</a></p><//>`;
  // A merged ticket's number resolves to the one it went into.
  const asked = String(params.id).replace(/^#/, '');
  const merged = /^\d+$/.test(asked) && asked !== String(t.number);
  const refresh = async () => {
    setChanged(await get(`/api/tickets/${t.id}`));
    messages.reload();
  };
  return html`<${Page} title=${`#${t.number} ${t.subject}`}
      actions=${html`${t.status === 'closed'
        ? html`<button type="button" class="secondary" onClick=${() => closer.run('reopen')} disabled=${closer.busy}>Reopen</button>`
        : html`<button type="button" class="secondary" onClick=${() => closer.run('close')} disabled=${closer.busy}>Close ticket</button>`}`}>
    <p><a href="/tickets">All tickets</a></p>
    ${merged && html`<${Notice}>Ticket #${params.id} was merged into this one.<//>`}
    <p class="sub"><${Badge} value=${t.status} /> ${priority(t.priority)} ${label(t.category)}${' · '}${t.client_id
        ? html`<a href=${`/clients/${t.client_id}`}>Open the client</a>`
        : 'Internal ticket'}${` · opened ${when(t.created_at)}`}</p>
    <${ErrorBox} error=${closer.error} />
    <div class="ticket">
      <div>
        <${Thread} ticket=${t} list=${messages} portal=${false} />
        <${Reply} ticket=${t} portal=${false} onSent=${refresh} />
      </div>
      <aside aria-label="Ticket details">
        <${SlaCard} ticket=${t} />
        <${Manage} ticket=${t} onChange=${setChanged} />
        ${!t.merged_into_id && t.status !== 'closed' && html`<${Merge} ticket=${t} />`}
      </aside>
    </div>
  <//>`;
}

export function PortalTickets() {
  const { query } = useLocation();
  const q = query.get('q') || '';
  const status = query.get('status') || '';
  const [text, setText] = useState(q);
  const [creating, setCreating] = useState(false);
  const list = usePaged(`/api/tickets${qs({ q, status, sort: 'updated_at', limit: 25 })}`);
  return html`<${Page} title="Support" actions=${!creating && html`<button type="button" onClick=${() => setCreating(true)}>New ticket</button>`}>
    ${creating && html`<${NewTicket} portal=${true} onCancel=${() => setCreating(false)} />`}
    <form class="filters" role="search" aria-label="Find a ticket" onSubmit=${(e) => {
      e.preventDefault();
      setQuery({ q: text.trim(), status });
    }}>
      <${Field} label="Search" type="search" value=${text} onInput=${(e) => setText(e.target.value)} placeholder="Words, or a number like #42" />
      <${Field} label="Status" as="select" value=${status} onChange=${(e) => setQuery({ q, status: e.target.value })}>
        <option value="">Any</option>${options(STATUSES, status)}
      <//>
      <button type="submit">Search</button>
    </form>
    <${PagedTable} list=${list} caption="Your tickets" stacked=${true} empty=${q || status ? 'No tickets match.' : 'You have no tickets. Open one whenever you need help.'}
      columns=${['Ticket', 'Status', 'Category', 'Updated']}
      row=${(t) => html`<tr>
          <th scope="row"><a href=${`/portal/tickets/${t.number}`}>#${t.number} ${t.subject}</a></th>
          <td><${Badge} value=${t.status} /></td>
          <td>${label(t.category)}</td>
          <td>${when(t.updated_at)}</td>
        </tr>`} />
  <//>`;
}

export function PortalTicket({ params }) {
  const { ticket, t, setChanged, messages } = useTicket(params.id);
  const closer = useAction(async () => setChanged(await api('POST', `/api/tickets/${t.id}/close`)));
  if (ticket.loading) return html`<${Loading} what="Loading the ticket" />`;
  if (ticket.error) return html`<${Page} title="Ticket"><${ErrorBox} error=${ticket.error} /><p><a href="/portal/tickets">Your tickets</a></p><//>`;
  const refresh = async () => {
    setChanged(await get(`/api/tickets/${t.id}`));
    messages.reload();
  };
  return html`<${Page} title=${`#${t.number} ${t.subject}`}
      actions=${t.status !== 'closed' && html`<button type="button" class="secondary" onClick=${closer.run} disabled=${closer.busy}>Close ticket</button>`}>
    <p><a href="/portal/tickets">Your tickets</a></p>
    <p class="sub"><${Badge} value=${t.status} /> ${label(t.category)} · opened ${when(t.created_at)}</p>
    <${ErrorBox} error=${closer.error} />
    <${Thread} ticket=${t} list=${messages} portal=${true} />
    <${Reply} ticket=${t} portal=${true} onSent=${refresh} />
  <//>`;
}
