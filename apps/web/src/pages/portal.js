// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// The client portal: a client user's own dashboard, approved plan, ready
// deliverables and files.  The API decides what is theirs; these pages
// only ask for "mine" (/api/portal/*, their own client's files).
import { get } from '../lib/api.js';
import { date, label, when } from '../lib/format.js';
import { html } from '../lib/html.js';
import { RichText } from '../lib/richtext.js';
import { useSession } from '../lib/session.js';
import { Badge, Empty, ErrorBox, Loading, Page, useAsync } from '../lib/ui.js';
import { Files } from './files.js';

function Loaded({ state, title, children }) {
  if (state.loading) return html`<${Loading} />`;
  if (state.error) return html`<${Page} title=${title}><${ErrorBox} error=${state.error} /><//>`;
  return children(state.data);
}

// The portal dashboard's call to finish onboarding (nothing once done):
// `progress` is loaded with the dashboard, so the page is drawn once.
function OnboardingCard({ progress }) {
  if (!progress || progress.completed_at) return null;
  const done = progress.steps.filter((s) => s.done).length;
  return html`<section class="card onboarding-card" aria-labelledby="ob-h">
    <h2 id="ob-h">Finish setting up</h2>
    <p>${done ? `${done} of 6 steps done. Carry on where you left off.` : 'Six short steps so we can start on your launch.'}</p>
    <p><a class="button" href="/portal/onboarding">${done ? 'Continue onboarding' : 'Start onboarding'}</a></p>
  </section>`;
}

export function PortalHome() {
  const dash = useAsync(async () => {
    const [d, onboarding] = await Promise.all([get('/api/portal/dashboard'), get('/api/portal/onboarding').catch(() => null)]);
    return { ...d, onboarding };
  }, []);
  return html`<${Loaded} state=${dash} title="Your launch">${(d) => html`<${Page} title=${`Welcome, ${d.client.brand_name || d.client.name}`}>
    <${OnboardingCard} progress=${d.onboarding} />
    <div class="grid">
      <section class="card" aria-labelledby="prog-h">
        <h2 id="prog-h">Progress</h2>
        <p><progress max="100" value=${d.progress.percent} aria-labelledby="prog-h">${d.progress.percent}%</progress></p>
        <p>${d.progress.delivered} of ${d.progress.total} milestones delivered${d.progress.ready ? `, ${d.progress.ready} ready for you to review` : ''}.</p>
        <p><a href="/portal/deliverables">See your deliverables</a> · <a href="/portal/plan">Read your plan</a></p>
      </section>
      <section class="card" aria-labelledby="next-h">
        <h2 id="next-h">Next steps</h2>
        ${d.next_steps.length
          ? html`<ol class="plain">${d.next_steps.map((s) => html`<li>M${s.milestone} ${s.title}: ${label(s.status)}${s.due_date && ` · due ${date(s.due_date)}`}</li>`)}</ol>`
          : html`<${Empty}>Everything is delivered.<//>`}
      </section>
      <section class="card" aria-labelledby="recent-h">
        <h2 id="recent-h">Recent activity</h2>
        ${d.recent_activity.length
          ? html`<ol class="feed">${d.recent_activity.map((a) => html`<li><span>${a.summary}</span><time datetime=${a.created_at}>${when(a.created_at)}</time></li>`)}</ol>`
          : html`<${Empty}>Nothing yet.<//>`}
      </section>
    </div>
  <//>`}<//>`;
}

export function PortalPlan() {
  const plan = useAsync(() => get('/api/portal/plan'), []);
  if (plan.error && plan.error.status === 404)
    return html`<${Page} title="Your business plan"><${Empty}>Your plan is being written. You will find it here once it is approved.<//><//>`;
  return html`<${Loaded} state=${plan} title="Your business plan">${(p) => html`<${Page} title=${p.title || 'Your business plan'}>
    <p class="hint">Version ${p.version}, approved ${when(p.approved_at)}</p>
    <article class="card"><${RichText} html=${p.content_html} /></article>
  <//>`}<//>`;
}

export function PortalDeliverables() {
  const items = useAsync(() => get('/api/portal/deliverables'), []);
  return html`<${Loaded} state=${items} title="Your deliverables">${(d) => html`<${Page} title="Your deliverables">
    ${!d.data.length && html`<${Empty}>Nothing is ready yet: each month's deliverable appears here when it is.<//>`}
    ${d.data.map(
      (x) => html`<details class="card deliverable">
        <summary><strong>M${x.milestone} ${x.title}</strong> <${Badge} value=${x.status} /></summary>
        <${RichText} html=${x.content_html} />
      </details>`,
    )}
  <//>`}<//>`;
}

export function PortalFiles() {
  const { user } = useSession();
  return html`<${Page} title="Your files"><${Files} clientId=${user.client_id} team=${false} /><//>`;
}
