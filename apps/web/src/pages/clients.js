// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// Clients: search and status filters kept in the address (shareable,
// survive a reload), keyset paging, and the form that creates one.
import { useState } from 'preact/hooks';
import { api, qs } from '../lib/api.js';
import { CLIENT_STATUSES, date, label } from '../lib/format.js';
import { html } from '../lib/html.js';
import { navigate, setQuery, useLocation } from '../lib/router.js';
import { ExportButtons } from '../lib/export.js';
import { Badge, ErrorBox, Field, Page, PagedTable, formValues, useAction, usePaged } from '../lib/ui.js';

function NewClient({ onCancel }) {
  const act = useAction(async (e) => {
    e.preventDefault();
    const v = formValues(e.target);
    const body = { name: v.name, status: v.status };
    for (const k of ['brand_name', 'email', 'niche', 'start_date']) if (v[k]) body[k] = v[k];
    if (v.fee) body.monthly_fee_cents = Math.round(Number(v.fee) * 100);
    const client = await api('POST', '/api/clients', body);
    navigate(`/clients/${client.id}`);
  });
  const f = (act.error && act.error.fields) || {};
  return html`<form class="card stack" onSubmit=${act.run} aria-labelledby="new-client">
    <h2 id="new-client">New client</h2>
    <${ErrorBox} error=${act.error} />
    <div class="cols">
      <${Field} label="Name" name="name" required error=${f.name} />
      <${Field} label="Brand name" name="brand_name" error=${f.brand_name} />
      <${Field} label="Email" name="email" type="email" error=${f.email} />
      <${Field} label="Niche" name="niche" error=${f.niche} />
      <${Field} label="Status" name="status" as="select" error=${f.status}>
        ${CLIENT_STATUSES.filter((s) => s !== 'archived').map((s) => html`<option value=${s} selected=${s === 'onboarding'}>${label(s)}</option>`)}
      <//>
      <${Field} label="Start date" name="start_date" type="date" error=${f.start_date} />
      <${Field} label="Monthly fee" name="fee" type="number" min="0" step="0.01" inputmode="decimal" error=${f.monthly_fee_cents} />
    </div>
    <div class="row">
      <button type="submit" disabled=${act.busy}>${act.busy ? 'Creating…' : 'Create client'}</button>
      <button type="button" class="secondary" onClick=${onCancel}>Cancel</button>
    </div>
  </form>`;
}

export function Clients() {
  const { query } = useLocation();
  const q = query.get('q') || '';
  const status = query.get('status') || '';
  const sort = query.get('sort') || '-updated_at';
  const [creating, setCreating] = useState(query.get('new') === '1');
  const list = usePaged(`/api/clients${qs({ q, status, sort, limit: 25 })}`);
  const [text, setText] = useState(q);

  const search = (e) => {
    e.preventDefault();
    setQuery({ q: text.trim(), status, sort: sort === '-updated_at' ? '' : sort });
  };
  return html`<${Page} title="Clients" actions=${!creating && html`<button type="button" onClick=${() => setCreating(true)}>New client</button>`}>
    ${creating && html`<${NewClient} onCancel=${() => setCreating(false)} />`}
    <form class="filters" role="search" onSubmit=${search}>
      <${Field} label="Search" type="search" name="q" value=${text} onInput=${(e) => setText(e.target.value)} placeholder="Name, brand or email" />
      <${Field} label="Status" as="select" value=${status} onChange=${(e) => setQuery({ q, status: e.target.value, sort: sort === '-updated_at' ? '' : sort })}>
        <option value="">Any</option>
        ${CLIENT_STATUSES.map((s) => html`<option value=${s}>${label(s)}</option>`)}
      <//>
      <${Field} label="Order" as="select" value=${sort} onChange=${(e) => setQuery({ q, status, sort: e.target.value })}>
        <option value="-updated_at">Recently updated</option>
        <option value="-created_at">Newest</option>
        <option value="name">Name, A to Z</option>
      <//>
      <button type="submit">Search</button>
    </form>
    <${ExportButtons} path="/api/clients/export" params=${{ q, status }} what="the clients" />
    <${PagedTable} list=${list} caption="Clients" empty="No clients match."
      columns=${['Name', 'Brand', 'Status', 'Start']}
      row=${(c) => html`<tr>
          <th scope="row"><a href=${`/clients/${c.id}`}>${c.name}</a></th>
          <td>${c.brand_name || '—'}</td>
          <td><${Badge} value=${c.status} /></td>
          <td>${date(c.start_date)}</td>
        </tr>`} />
  <//>`;
}
