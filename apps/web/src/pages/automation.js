// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// Automation rules (global and per client) and their history (admins).
import { api, get, qs } from '../lib/api.js';
import { label, when } from '../lib/format.js';
import { html } from '../lib/html.js';
import { setQuery, useLocation } from '../lib/router.js';
import { Badge, Empty, ErrorBox, Field, Loading, Page, formValues, useAction, useAsync } from '../lib/ui.js';

function RuleForm({ onSaved }) {
  const act = useAction(async (e) => {
    e.preventDefault();
    const v = formValues(e.target);
    let config = {};
    if (v.config.trim()) {
      try {
        config = JSON.parse(v.config);
      } catch {
        throw Object.assign(new Error('Settings must be JSON, e.g. {"reminder_days": 3}.'), { plain: true });
      }
    }
    const body = { name: v.name, trigger: v.trigger, action_kind: v.action_kind, enabled: v.enabled === 'on', config };
    if (v.client_id) body.client_id = v.client_id;
    if (v.schedule) body.schedule = v.schedule;
    await api('POST', '/api/automation/rules', body);
    onSaved();
  });
  const f = (act.error && act.error.fields) || {};
  return html`<details class="card">
    <summary>Add or replace a rule</summary>
    <form class="stack" onSubmit=${act.run}>
      <p class="hint">A rule with the same name, trigger and client replaces the one stored.</p>
      <${ErrorBox} error=${act.error && act.error.plain ? act.error.message : act.error} />
      <div class="cols">
        <${Field} label="Name" name="name" required maxlength="100" error=${f.name} />
        <${Field} label="Trigger" name="trigger" as="select" error=${f.trigger}>
          <option value="client.onboarded">Client onboarded</option>
          <option value="deliverable.ready">Deliverable ready</option>
          <option value="schedule">Schedule</option>
        <//>
        <${Field} label="Action" name="action_kind" required placeholder="e.g. client_journey" error=${f.action_kind} />
        <${Field} label="Schedule (cron, for the schedule trigger)" name="schedule" placeholder="0 9 * * 1" error=${f.schedule} />
        <${Field} label="Client id (empty: every client)" name="client_id" error=${f.client_id} />
      </div>
      <${Field} label="Settings (JSON)" name="config" as="textarea" rows="3" placeholder='{"reminder_days": 3}' error=${f.config} />
      <label class="check"><input type="checkbox" name="enabled" checked /> Enabled</label>
      <div><button type="submit" disabled=${act.busy}>${act.busy ? 'Saving…' : 'Save rule'}</button></div>
    </form>
  </details>`;
}

export function Automation() {
  const { query } = useLocation();
  const client = query.get('client_id') || '';
  const rules = useAsync(() => get(`/api/automation/rules${qs({ client_id: client })}`), [client]);
  const logs = useAsync(() => get(`/api/automation/logs${qs({ client_id: client, limit: 50 })}`), [client]);
  return html`<${Page} title="Automation">
    <${RuleForm} onSaved=${rules.reload} />
    <form class="filters" onSubmit=${(e) => {
      e.preventDefault();
      setQuery({ client_id: formValues(e.target).client_id.trim() });
    }}>
      <${Field} label="Client id" name="client_id" value=${client} placeholder="every client" />
      <button type="submit">Show</button>
    </form>
    <section aria-labelledby="rules-h">
      <h2 id="rules-h">Rules</h2>
      ${rules.loading ? html`<${Loading} />` : rules.error ? html`<${ErrorBox} error=${rules.error} />` : !rules.data.data.length ? html`<${Empty}>No rules.<//>` : html`<div class="table-wrap"><table>
        <thead><tr><th scope="col">Name</th><th scope="col">Trigger</th><th scope="col">Action</th><th scope="col">Scope</th><th scope="col">Enabled</th><th scope="col">Updated</th></tr></thead>
        <tbody>${rules.data.data.map(
          (r) => html`<tr>
            <th scope="row">${r.name}</th><td>${label(r.trigger)}${r.schedule && html` <code>${r.schedule}</code>`}</td>
            <td>${r.action_kind}</td><td>${r.client_id ? html`<a href=${`/clients/${r.client_id}`}>one client</a>` : 'every client'}</td>
            <td>${r.enabled ? 'yes' : 'no'}</td><td>${when(r.updated_at)}</td>
          </tr>`,
        )}</tbody></table></div>`}
    </section>
    <section aria-labelledby="logs-h">
      <h2 id="logs-h">History</h2>
      ${logs.loading ? html`<${Loading} />` : logs.error ? html`<${ErrorBox} error=${logs.error} />` : !logs.data.data.length ? html`<${Empty}>Nothing has run yet.<//>` : html`<ol class="feed">
        ${logs.data.data.map(
          (l) => html`<li>
            <span>${l.action} <${Badge} value=${l.status} />${l.error && html` — ${l.error}`}
              ${l.job_id && html` · <a href=${`/jobs/${l.job_id}`}>job</a>`}</span>
            <time datetime=${l.created_at}>${when(l.created_at)}</time>
          </li>`,
        )}</ol>`}
    </section>
  <//>`;
}
