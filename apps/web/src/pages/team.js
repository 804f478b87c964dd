// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// Team management (admins): every user of every role, new users (a client
// user with its client), deactivation and lifting a lockout.
import { useState } from 'preact/hooks';
import { api, get, qs } from '../lib/api.js';
import { label, when } from '../lib/format.js';
import { html } from '../lib/html.js';
import { setQuery, useLocation } from '../lib/router.js';
import { ErrorBox, Field, Notice, Page, PagedTable, formValues, useAction, useAsync, usePaged } from '../lib/ui.js';

function NewUser({ onCreated }) {
  const [role, setRole] = useState('staff');
  const clients = useAsync(() => (role === 'client' ? get('/api/clients?limit=100&sort=name&fields=id,name') : Promise.resolve(null)), [role]);
  const act = useAction(async (e) => {
    e.preventDefault();
    const v = formValues(e.target);
    const body = { email: v.email, name: v.name, role: v.role, password: v.password };
    if (v.role === 'client') body.client_id = v.client_id;
    await api('POST', '/api/users', body);
    e.target.reset();
    setRole('staff');
    onCreated(v.email);
  });
  const f = (act.error && act.error.fields) || {};
  return html`<details class="card">
    <summary>Add a user</summary>
    <form class="stack" onSubmit=${act.run}>
      <${ErrorBox} error=${act.error} />
      <div class="cols">
        <${Field} label="Name" name="name" required error=${f.name} />
        <${Field} label="Email" name="email" type="email" required error=${f.email} />
        <${Field} label="Role" name="role" as="select" value=${role} onChange=${(e) => setRole(e.target.value)} error=${f.role}>
          <option value="staff">Staff</option><option value="admin">Admin</option><option value="client">Client (portal)</option>
        <//>
        ${role === 'client' &&
        html`<${Field} label="Client" name="client_id" as="select" required error=${f.client_id}>
          ${(clients.data ? clients.data.data : []).map((c) => html`<option value=${c.id}>${c.name}</option>`)}
        <//>`}
        <${Field} label="Password" name="password" type="password" autocomplete="new-password" required error=${f.password}
          hint="At least 8 characters with an upper-case letter, a digit and a symbol." />
      </div>
      <div><button type="submit" disabled=${act.busy}>${act.busy ? 'Adding…' : 'Add user'}</button></div>
    </form>
  </details>`;
}

const lockedNow = (u) => u.locked_until && new Date(u.locked_until) > new Date();

export function Team() {
  const { query } = useLocation();
  const role = query.get('role') || '';
  const active = query.get('active') || '';
  const list = usePaged(`/api/users${qs({ role, active, limit: 50 })}`);
  const [done, setDone] = useState('');
  const act = useAction(async (u, verb) => {
    if (verb === 'deactivate') {
      if (!confirm(`Deactivate ${u.email}? Their sessions and API tokens end now.`)) return;
      await api('DELETE', `/api/users/${u.id}`);
      setDone(`${u.email} is deactivated.`);
    } else {
      await api('POST', `/api/users/${u.id}/unlock`);
      setDone(`${u.email} can sign in again.`);
    }
    list.reload();
  });
  return html`<${Page} title="Team">
    <${NewUser} onCreated=${(email) => {
      setDone(`${email} was added.`);
      list.reload();
    }} />
    ${done && html`<${Notice}>${done}<//>`}
    <form class="filters" onSubmit=${(e) => e.preventDefault()}>
      <${Field} label="Role" as="select" value=${role} onChange=${(e) => setQuery({ role: e.target.value, active })}>
        <option value="">Any</option><option value="admin">Admin</option><option value="staff">Staff</option><option value="client">Client</option>
      <//>
      <${Field} label="Active" as="select" value=${active} onChange=${(e) => setQuery({ role, active: e.target.value })}>
        <option value="">Any</option><option value="true">Active</option><option value="false">Deactivated</option>
      <//>
    </form>
    <${ErrorBox} error=${act.error} />
    <${PagedTable} list=${list} caption="Users" empty="No users match."
      columns=${['Name', 'Email', 'Role', 'Last sign-in', 'Actions']}
      row=${(u) => html`<tr class=${u.active ? '' : 'inactive'}>
        <th scope="row">${u.name}${!u.active && ' (deactivated)'}${lockedNow(u) && ' (locked)'}</th>
        <td>${u.email}</td><td>${label(u.role)}</td><td>${when(u.last_login_at)}</td>
        <td class="row">
          <button type="button" class="secondary" onClick=${() => act.run(u, 'unlock')} disabled=${act.busy} aria-label=${`Unlock ${u.email}`}>Unlock</button>
          ${u.active && html`<button type="button" class="danger" onClick=${() => act.run(u, 'deactivate')} disabled=${act.busy} aria-label=${`Deactivate ${u.email}`}>Deactivate</button>`}
        </td>
      </tr>`} />
  <//>`;
}
