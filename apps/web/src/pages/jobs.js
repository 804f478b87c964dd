// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// The jobs monitor (admins): filter by state and kind, page through, open
// one for its progress, errors per attempt and log; retry or cancel.
import { useState } from 'preact/hooks';
import { api, get, qs } from '../lib/api.js';
import { JOB_STATES, label, when } from '../lib/format.js';
import { html } from '../lib/html.js';
import { setQuery, useLocation } from '../lib/router.js';
import { Badge, Empty, ErrorBox, Field, Loading, Page, PagedTable, useAction, useAsync, usePaged } from '../lib/ui.js';

export function Jobs() {
  const { query } = useLocation();
  const state = query.get('state') || '';
  const kind = query.get('kind') || '';
  const [kindText, setKindText] = useState(kind);
  const list = usePaged(`/api/jobs${qs({ state, kind, limit: 50 })}`);
  return html`<${Page} title="Jobs">
    <form class="filters" onSubmit=${(e) => {
      e.preventDefault();
      setQuery({ state, kind: kindText.trim() });
    }}>
      <${Field} label="State" as="select" value=${state} onChange=${(e) => setQuery({ state: e.target.value, kind })}>
        <option value="">Any</option>
        ${JOB_STATES.map((s) => html`<option value=${s}>${label(s)}</option>`)}
      <//>
      <${Field} label="Kind" value=${kindText} onInput=${(e) => setKindText(e.target.value)} placeholder="e.g. send_email" />
      <button type="submit">Filter</button>
    </form>
    <${PagedTable} list=${list} caption="Jobs" empty="No jobs match."
      columns=${['Kind', 'State', 'Attempt', 'Progress', 'Runs at']}
      row=${(j) => html`<tr>
          <th scope="row"><a href=${`/jobs/${j.id}`}>${j.kind}</a></th>
          <td><${Badge} value=${j.state} /></td>
          <td>${j.attempt} of ${j.max_attempts}</td>
          <td>${j.progress}%</td>
          <td>${when(j.run_at)}</td>
        </tr>`} />
  <//>`;
}

export function JobDetail({ params }) {
  const job = useAsync(() => get(`/api/jobs/${params.id}`), [params.id]);
  const act = useAction(async (verb) => {
    await api('POST', `/api/jobs/${params.id}/${verb}`);
    job.reload();
  });
  if (job.loading) return html`<${Loading} what="Loading the job" />`;
  if (job.error) return html`<${Page} title="Job"><${ErrorBox} error=${job.error} /><//>`;
  const j = job.data;
  const finished = ['completed', 'failed', 'cancelled'].includes(j.state);
  return html`<${Page} title=${`Job ${j.kind}`}>
    <p><a href="/jobs">All jobs</a></p>
    <${ErrorBox} error=${act.error} />
    <div class="row">
      ${j.state !== 'running' && html`<button type="button" onClick=${() => act.run('retry')} disabled=${act.busy}>Run again now</button>`}
      ${!finished && html`<button type="button" class="danger" onClick=${() => act.run('cancel')} disabled=${act.busy}>Cancel</button>`}
    </div>
    <div class="grid">
      <section class="card" aria-labelledby="job-h">
        <h2 id="job-h">State</h2>
        <dl class="facts">
          <dt>State</dt><dd><${Badge} value=${j.state} /></dd>
          <dt>Queue</dt><dd>${j.queue}</dd>
          <dt>Attempt</dt><dd>${j.attempt} of ${j.max_attempts}</dd>
          <dt>Progress</dt><dd><progress max="100" value=${j.progress} aria-label="Progress">${j.progress}%</progress> ${j.progress}%</dd>
          <dt>Runs at</dt><dd>${when(j.run_at)}</dd>
          <dt>Created</dt><dd>${when(j.created_at)}</dd>
          ${j.completed_at && html`<dt>Completed</dt><dd>${when(j.completed_at)}</dd>`}
          ${j.failed_at && html`<dt>Failed</dt><dd>${when(j.failed_at)}</dd>`}
          ${j.client_id && html`<dt>Client</dt><dd><a href=${`/clients/${j.client_id}`}>Open the client</a></dd>`}
        </dl>
      </section>
      <section class="card" aria-labelledby="err-h">
        <h2 id="err-h">Errors</h2>
        ${j.errors && j.errors.length
          ? html`<ol class="feed">${j.errors.map((e) => html`<li><span>Attempt ${e.attempt}: ${e.error}</span><time datetime=${e.at}>${when(e.at)}</time></li>`)}</ol>`
          : html`<${Empty}>No errors.<//>`}
      </section>
    </div>
    <section class="card" aria-labelledby="log-h">
      <h2 id="log-h">Log</h2>
      ${j.log && j.log.length
        ? html`<ol class="feed">${j.log.map((l) => html`<li><span>${l.message}</span><time datetime=${l.at}>${when(l.at)}</time></li>`)}</ol>`
        : html`<${Empty}>Nothing logged.<//>`}
      <h3>Arguments</h3>
      <pre class="code">${JSON.stringify(j.args || {}, null, 2)}</pre>
    </section>
  <//>`;
}
