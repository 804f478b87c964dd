// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// Analytics (admins), loaded as its own chunk: the business figures of a
// range of months from GET /api/analytics (the library computes every
// figure; docs/ANALYTICS.md defines them), drawn as SVG charts, each with
// its figures as a table for screen readers and for copying.
import { get, qs } from '../lib/api.js';
import { money } from '../lib/format.js';
import { ExportButtons } from '../lib/export.js';
import { html } from '../lib/html.js';
import { setQuery, useLocation } from '../lib/router.js';
import { Empty, ErrorBox, Field, Loading, Page, useAsync } from '../lib/ui.js';

const monthFmt = new Intl.DateTimeFormat(undefined, { month: 'short', year: '2-digit', timeZone: 'UTC' });
const monthName = (ym) => monthFmt.format(new Date(`${ym}-01T00:00:00Z`));
const pct = (x) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)} %`);
const days = (x) => (x === null || x === undefined ? '—' : `${x} days`);
const count = (v) => (Number.isInteger(v) ? String(v) : v.toFixed(1));
const hours = (s) => (s === null || s === undefined ? '—' : s < 3600 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`);

// Round axis steps: 1, 2 or 5 times a power of ten.
function niceMax(v) {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

const W = 640;
const H = 240;
const PAD = { l: 64, r: 12, t: 12, b: 28 };

// A chart: `kind` line or bar, `labels` the months, `series` [{name,
// values, cls}], `fmt` how a value reads.  The SVG is an image with a
// summary for screen readers; the table under it holds every figure.
function Chart({ id, title, kind, labels, series, fmt }) {
  const all = series.flatMap((s) => s.values.filter((v) => v !== null));
  const lo = Math.min(0, ...all);
  const hi = niceMax(Math.max(0, ...all));
  const span = hi - lo || 1;
  const iw = W - PAD.l - PAD.r;
  const ih = H - PAD.t - PAD.b;
  const y = (v) => PAD.t + ih - ((v - lo) / span) * ih;
  const n = labels.length;
  const step = iw / Math.max(n, 1);
  const x = (i) => PAD.l + step * i + step / 2;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => lo + span * f);
  const every = Math.ceil(n / 12);
  const bw = Math.max(2, (step * 0.8) / series.length);
  const last = series.map((s) => `${s.name} ${fmt(s.values[n - 1] ?? 0)}`).join(', ');
  return html`<figure class="card chart" aria-labelledby=${`${id}-h`}>
    <figcaption><h2 id=${`${id}-h`}>${title}</h2></figcaption>
    <svg viewBox=${`0 0 ${W} ${H}`} role="img" aria-label=${`${title}, ${monthName(labels[0])} to ${monthName(labels[n - 1])}; in the last month: ${last}`}>
      ${ticks.map(
        (t) => html`<g class="tick"><line x1=${PAD.l} x2=${W - PAD.r} y1=${y(t)} y2=${y(t)} /><text x=${PAD.l - 6} y=${y(t) + 4} text-anchor="end">${fmt(t)}</text></g>`,
      )}
      ${labels.map((m, i) => (i % every === 0 ? html`<text class="xlabel" x=${x(i)} y=${H - 8} text-anchor="middle">${monthName(m)}</text>` : null))}
      ${kind === 'line'
        ? series.map(
            (s) => html`<g class=${`series ${s.cls}`}>
              <polyline fill="none" points=${s.values.map((v, i) => `${x(i)},${y(v ?? 0)}`).join(' ')} />
              ${s.values.map((v, i) => html`<circle cx=${x(i)} cy=${y(v ?? 0)} r="3"><title>${`${s.name}, ${monthName(labels[i])}: ${fmt(v ?? 0)}`}</title></circle>`)}
            </g>`,
          )
        : series.map(
            (s, k) => html`<g class=${`series ${s.cls}`}>
              ${s.values.map((v, i) => {
                const top = y(Math.max(v ?? 0, 0));
                const h = Math.abs(y(v ?? 0) - y(0));
                return html`<rect x=${x(i) - (bw * series.length) / 2 + k * bw} y=${top} width=${bw - 1} height=${Math.max(h, 0.5)}>
                  <title>${`${s.name}, ${monthName(labels[i])}: ${fmt(v ?? 0)}`}</title></rect>`;
              })}
            </g>`,
          )}
    </svg>
    <ul class="legend" aria-hidden="true">${series.map((s) => html`<li class=${s.cls}><span class="swatch"></span>${s.name}</li>`)}</ul>
    <details>
      <summary>The figures as a table</summary>
      <div class="table-wrap"><table>
        <caption class="sr-only">${title}</caption>
        <thead><tr><th scope="col">Month</th>${series.map((s) => html`<th scope="col">${s.name}</th>`)}</tr></thead>
        <tbody>${labels.map((m, i) => html`<tr><th scope="row">${monthName(m)}</th>${series.map((s) => html`<td>${fmt(s.values[i] ?? 0)}</td>`)}</tr>`)}</tbody>
      </table></div>
    </details>
  </figure>`;
}

const thisMonth = () => new Date().toISOString().slice(0, 7);

export function Analytics() {
  const { query } = useLocation();
  const from = query.get('from') || '';
  const to = query.get('to') || '';
  const currency = query.get('currency') || '';
  const data = useAsync(() => get(`/api/analytics${qs({ from, to, currency })}`), [from, to, currency]);
  const range = qs({ from, to, currency });
  const cur = (data.data && data.data.currency) || currency || 'USD';
  const m = (c) => money(c, cur);
  return html`<${Page} title="Analytics">
    <form class="filters" aria-label="Months and currency" onSubmit=${(e) => {
      e.preventDefault();
      const f = new FormData(e.target);
      setQuery({ from: f.get('from'), to: f.get('to'), currency: (f.get('currency') || '').toUpperCase() });
    }}>
      <${Field} label="From month" name="from" type="month" value=${from} max=${thisMonth()} hint="Empty: eleven months before the last." />
      <${Field} label="To month" name="to" type="month" value=${to} max=${thisMonth()} hint="Empty: this month." />
      <${Field} label="Currency" name="currency" value=${currency} maxlength="3" placeholder="USD" autocomplete="off" />
      <button type="submit">Show</button>
    </form>
    <${ExportButtons} path="/api/analytics/export" params=${{ from, to, currency }} what="the analytics" />
    ${data.loading && html`<${Loading} what="Computing the figures" />`}
    <${ErrorBox} error=${data.error} />
    ${data.data && html`<${Figures} d=${data.data} m=${m} key=${range} />`}
  <//>`;
}

function Figures({ d, m }) {
  const months = d.months || [];
  if (!months.length) return html`<${Empty}>No months in this range.<//>`;
  const labels = months.map((x) => x.month);
  const col = (f) => months.map(f);
  const lastM = months[months.length - 1];
  return html`
    <ul class="stats kpis" aria-label=${`In ${monthName(lastM.month)}`}>
      <li><span>MRR</span><strong>${m(lastM.mrr_cents)}</strong></li>
      <li><span>Active clients</span><strong>${lastM.active_clients}</strong></li>
      <li><span>New clients</span><strong>${lastM.new_clients}</strong></li>
      <li><span>Churned clients</span><strong>${lastM.churned_clients}</strong></li>
      <li><span>Net MRR churn</span><strong>${pct(lastM.net_mrr_churn)}</strong></li>
      <li><span>Revenue</span><strong>${m(lastM.revenue_cents)}</strong></li>
    </ul>
    <div class="charts">
      <${Chart} id="mrr" title="Monthly recurring revenue" kind="line" labels=${labels} fmt=${m}
        series=${[{ name: 'MRR', values: col((x) => x.mrr_cents), cls: 's1' }]} />
      <${Chart} id="moves" title="MRR movements" kind="bar" labels=${labels} fmt=${m}
        series=${[
          { name: 'New', values: col((x) => x.new_mrr_cents), cls: 's1' },
          { name: 'Expansion', values: col((x) => x.expansion_mrr_cents), cls: 's2' },
          { name: 'Reactivation', values: col((x) => x.reactivation_mrr_cents), cls: 's3' },
          { name: 'Contraction', values: col((x) => -x.contraction_mrr_cents), cls: 's4' },
          { name: 'Churned', values: col((x) => -x.churned_mrr_cents), cls: 's5' },
        ]} />
      <${Chart} id="clients" title="Clients" kind="line" labels=${labels} fmt=${count}
        series=${[
          { name: 'Active', values: col((x) => x.active_clients), cls: 's1' },
          { name: 'New', values: col((x) => x.new_clients), cls: 's2' },
          { name: 'Churned', values: col((x) => x.churned_clients), cls: 's5' },
        ]} />
      <${Chart} id="revenue" title="Revenue from payments" kind="bar" labels=${labels} fmt=${m}
        series=${[
          { name: 'Paid', values: col((x) => x.revenue_cents), cls: 's1' },
          { name: 'Refunded', values: col((x) => x.refunded_cents), cls: 's5' },
        ]} />
      <${Chart} id="tickets" title="Tickets" kind="bar" labels=${labels} fmt=${count}
        series=${[
          { name: 'Opened', values: col((x) => x.tickets.opened), cls: 's1' },
          { name: 'Resolved', values: col((x) => x.tickets.resolved), cls: 's2' },
        ]} />
      <${Chart} id="ai" title="AI spend" kind="bar" labels=${labels} fmt=${(v) => money(Math.round(v), 'USD')}
        series=${[{ name: 'Cost', values: col((x) => x.ai.cost_cents), cls: 's3' }]} />
    </div>
    <section class="card" aria-labelledby="churn-h">
      <h2 id="churn-h">Churn and service, month by month</h2>
      <div class="table-wrap"><table>
        <caption class="sr-only">Churn and ticket service by month</caption>
        <thead><tr><th scope="col">Month</th><th scope="col">Logo churn</th><th scope="col">Gross MRR churn</th><th scope="col">Net MRR churn</th>
          <th scope="col">First response (median)</th><th scope="col">First response on time</th><th scope="col">Resolution (median)</th><th scope="col">Resolved on time</th></tr></thead>
        <tbody>${months.map(
          (x) => html`<tr><th scope="row">${monthName(x.month)}</th><td>${pct(x.logo_churn)}</td><td>${pct(x.gross_mrr_churn)}</td><td>${pct(x.net_mrr_churn)}</td>
            <td>${hours(x.tickets.first_response_median_seconds)}</td><td>${pct(x.tickets.first_response_met)}</td>
            <td>${hours(x.tickets.resolution_median_seconds)}</td><td>${pct(x.tickets.resolution_met)}</td></tr>`,
        )}</tbody>
      </table></div>
    </section>
    <section class="card" aria-labelledby="funnel-h">
      <h2 id="funnel-h">Funnel of the clients created in these months</h2>
      ${(d.funnel || []).length
        ? html`<ol class="funnel">${d.funnel.map(
            (s) => html`<li>
              <span class="step">${s.step.replace(/_/g, ' ')}</span>
              <meter min="0" max=${Math.max(d.funnel[0].clients, 1)} value=${s.clients} aria-label=${`${s.step.replace(/_/g, ' ')}: ${s.clients}`}></meter>
              <span>${s.clients}${s.conversion !== null && s.conversion !== undefined ? ` (${pct(s.conversion)} of the step before)` : ''}</span>
            </li>`,
          )}</ol>`
        : html`<${Empty}>No clients were created in these months.<//>`}
    </section>
    <section class="card" aria-labelledby="cohort-h">
      <h2 id="cohort-h">Cohort retention</h2>
      ${(d.cohorts || []).length
        ? html`<div class="table-wrap"><table class="cohorts">
            <caption class="sr-only">Share of each cohort active k months after its first</caption>
            <thead><tr><th scope="col">Cohort</th><th scope="col">Clients</th>
              ${Array.from({ length: Math.max(...d.cohorts.map((c) => c.retention.length)) }, (_, k) => html`<th scope="col">+${k}</th>`)}</tr></thead>
            <tbody>${d.cohorts.map(
              (c) => html`<tr><th scope="row">${monthName(c.cohort)}</th><td>${c.size}</td>
                ${c.retention.map((r, k) => html`<td class=${`heat h${Math.round((r ?? 0) * 4)}`} title=${`${c.active[k]} of ${c.size}`}>${pct(r)}</td>`)}</tr>`,
            )}</tbody>
          </table></div>`
        : html`<${Empty}>No cohort started in these months.<//>`}
    </section>
    <section class="card" aria-labelledby="ttd-h">
      <h2 id="ttd-h">Time to deliverable</h2>
      <div class="table-wrap"><table>
        <caption class="sr-only">Days from a client's start to each milestone's delivery</caption>
        <thead><tr><th scope="col">Milestone</th><th scope="col">Delivered</th><th scope="col">Median</th><th scope="col">90th percentile</th></tr></thead>
        <tbody>${(d.time_to_deliverable || []).map(
          (t) => html`<tr><th scope="row">M${t.milestone}</th><td>${t.delivered}</td><td>${days(t.median_days)}</td><td>${days(t.p90_days)}</td></tr>`,
        )}</tbody>
      </table></div>
    </section>`;
}
