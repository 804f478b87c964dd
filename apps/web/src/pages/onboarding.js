// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// The portal's onboarding wizard, loaded as its own chunk: welcome,
// profile, materials, review of the plan, notification preferences, done.
// Every step is saved on the server when the client moves on
// (PUT /api/portal/onboarding/steps/N), so a reload or another device
// opens it at the first step not done, with what was saved filled in.
// The server decides what is valid and in which order steps may be saved;
// these pages show its answers.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, get, upload } from '../lib/api.js';
import { bytes, when } from '../lib/format.js';
import { html } from '../lib/html.js';
import { RichText } from '../lib/richtext.js';
import { useSession } from '../lib/session.js';
import { ErrorBox, Field, Loading, Notice, Page, useAction, useAsync } from '../lib/ui.js';
import { CATEGORIES, CHANNELS } from './notifications.js';

const STEPS = ['Welcome', 'Your profile', 'Your materials', 'Your plan', 'Notifications', 'Done'];
const SOCIAL = [
  ['instagram', 'Instagram'],
  ['tiktok', 'TikTok'],
  ['youtube', 'YouTube'],
];

function Progress({ progress, shown, onPick }) {
  return html`<nav aria-label="Onboarding steps" class="wizard-steps"><ol>
    ${STEPS.map((name, i) => {
      const n = i + 1;
      const s = progress.steps[i];
      const reachable = s.done || n === Math.min(progress.current_step, 6);
      const state = s.done ? 'done' : n === shown ? 'current' : 'todo';
      return html`<li class=${state}>
        <button type="button" class="link" disabled=${!reachable} aria-current=${n === shown ? 'step' : undefined} onClick=${() => onPick(n)}>
          <span class="num" aria-hidden="true">${s.done ? '✓' : n}</span> ${name}<span class="sr-only">${s.done ? ' (done)' : ''}</span>
        </button>
      </li>`;
    })}
  </ol></nav>`;
}

// A step's frame: its heading, the server's refusal, and Back / Continue.
function Step({ n, title, act, onBack, next = 'Save and continue', children }) {
  const h2 = useRef(null);
  useEffect(() => h2.current && h2.current.focus(), [n]);
  return html`<form class="card stack wizard" onSubmit=${act.run} aria-labelledby="step-h" novalidate>
    <h2 id="step-h" tabindex="-1" ref=${h2}>Step ${n} of 6: ${title}</h2>
    <${ErrorBox} error=${act.error} />
    ${children}
    <div class="row">
      ${n > 1 && html`<button type="button" class="secondary" onClick=${onBack}>Back</button>`}
      <button type="submit" disabled=${act.busy}>${act.busy ? 'Saving…' : next}</button>
    </div>
  </form>`;
}

function useSave(n, build, onSaved) {
  return useAction(async (e) => {
    e.preventDefault();
    const body = await build(e.target);
    onSaved(await api('PUT', `/api/portal/onboarding/steps/${n}`, body));
  });
}

function Welcome({ client, onSaved }) {
  const act = useSave(1, () => ({ acknowledged: true }), onSaved);
  return html`<${Step} n=${1} title="Welcome" act=${act} next="Get started">
    <p>Welcome${client ? `, ${client}` : ''}! In five short steps you tell us about your brand, share what you already have,
      read your business plan and choose how we keep you posted. Your answers are saved as you go: you can stop at any
      step and carry on later, on any device.</p>
  <//>`;
}

function Profile({ data, onSaved, onBack }) {
  const d = data || {};
  const act = useSave(
    2,
    (form) => {
      const v = Object.fromEntries(new FormData(form).entries());
      const body = { brand_name: v.brand_name.trim() };
      for (const k of ['niche', 'audience', 'goals', 'website']) if (v[k].trim()) body[k] = v[k].trim();
      const social = {};
      for (const [k] of SOCIAL) if (v[`social_${k}`].trim()) social[k] = v[`social_${k}`].trim();
      if (Object.keys(social).length) body.social_handles = social;
      return body;
    },
    onSaved,
  );
  const f = (act.error && act.error.fields) || {};
  const social = d.social_handles || {};
  return html`<${Step} n=${2} title="Your profile" act=${act} onBack=${onBack}>
    <${Field} label="Brand name" name="brand_name" required maxlength="200" defaultValue=${d.brand_name || ''} error=${f.brand_name} />
    <${Field} label="Niche" name="niche" maxlength="200" defaultValue=${d.niche || ''} error=${f.niche} hint="e.g. vegan skincare, home fitness" />
    <${Field} label="Your audience" name="audience" as="textarea" rows="3" maxlength="1000" defaultValue=${d.audience || ''} error=${f.audience}
      hint="Who buys from you, or who you want to reach." />
    <${Field} label="Your goals" name="goals" as="textarea" rows="4" maxlength="2000" defaultValue=${d.goals || ''} error=${f.goals} />
    <${Field} label="Website" name="website" type="url" maxlength="500" defaultValue=${d.website || ''} error=${f.website} placeholder="https://" />
    <fieldset class="plainset cols">
      <legend>Social handles</legend>
      ${SOCIAL.map(([k, label]) => html`<${Field} label=${label} name=${`social_${k}`} maxlength="200" defaultValue=${social[k] || ''} error=${f[`social_handles.${k}`]} placeholder="@yourbrand" />`)}
    </fieldset>
  <//>`;
}

function Materials({ data, onSaved, onBack }) {
  const d = data || {};
  const { user } = useSession();
  const [files, setFiles] = useState(() => (d.file_ids || []).map((id) => ({ id, name: null })));
  const [uploading, setUploading] = useState(null);
  const [upError, setUpError] = useState(null);
  // Names of the files saved before (a reload knows their ids only).
  useEffect(() => {
    const unnamed = files.filter((f) => f.name === null);
    if (!unnamed.length) return;
    Promise.all(unnamed.map((f) => get(`/api/files/${f.id}`).then((x) => x, () => ({ id: f.id, name: 'A file' })))).then((named) =>
      setFiles((old) => old.map((f) => named.find((x) => x.id === f.id) || f)),
    );
  }, []);
  const add = async (list) => {
    setUpError(null);
    for (const [i, file] of Array.from(list).entries()) {
      const form = new FormData();
      form.append('client_id', user.client_id);
      form.append('file', file, file.name);
      setUploading({ name: file.name, n: i + 1, of: list.length, progress: 0 });
      try {
        const up = await upload(form, (p) => setUploading((u) => ({ ...u, progress: p })));
        setFiles((old) => old.concat({ id: up.id, name: up.name || file.name, size: up.size }));
      } catch (e) {
        setUpError(e);
        break;
      } finally {
        setUploading(null);
      }
    }
  };
  const act = useSave(3, (form) => ({ file_ids: files.map((f) => f.id), notes: form.elements.notes.value.trim() }), onSaved);
  const f = (act.error && act.error.fields) || {};
  return html`<${Step} n=${3} title="Your materials" act=${act} onBack=${onBack}>
    <p>Logos, product photos, earlier plans: anything that helps us know your brand. You can skip this and add files later.</p>
    <${Field} label="Add files" type="file" multiple onChange=${(e) => e.target.files.length && add(e.target.files).then(() => (e.target.value = ''))}
      hint="Up to 25 MB each." error=${f.file_ids} />
    ${uploading &&
    html`<p role="status">Uploading ${uploading.name} (${uploading.n} of ${uploading.of})
      <progress max="1" value=${uploading.progress} aria-label=${`Uploading ${uploading.name}`}></progress></p>`}
    <${ErrorBox} error=${upError} />
    ${files.length > 0 &&
    html`<ul class="plain files-picked" aria-label="Files you shared">
      ${files.map(
        (x) => html`<li>${x.name || 'Loading…'} ${x.size ? html`<small>${bytes(x.size)}</small>` : ''}
          <button type="button" class="link" onClick=${() => setFiles((old) => old.filter((y) => y.id !== x.id))} aria-label=${`Leave out ${x.name || 'this file'}`}>Leave out</button></li>`,
      )}
    </ul>`}
    <${Field} label="Anything we should know about them?" name="notes" as="textarea" rows="3" maxlength="2000" defaultValue=${d.notes || ''} error=${f.notes} />
  <//>`;
}

function ReviewPlan({ data, onSaved, onBack }) {
  const d = data || {};
  const plan = useAsync(() => get('/api/portal/plan').catch((e) => (e.status === 404 ? null : Promise.reject(e))), []);
  const act = useSave(
    4,
    (form) => {
      const body = { acknowledged: form.elements.acknowledged.checked };
      if (form.elements.comments.value.trim()) body.comments = form.elements.comments.value.trim();
      return body;
    },
    onSaved,
  );
  const f = (act.error && act.error.fields) || {};
  return html`<${Step} n=${4} title="Your plan" act=${act} onBack=${onBack}>
    ${plan.loading && html`<${Loading} what="Loading your plan" />`}
    <${ErrorBox} error=${plan.error} />
    ${!plan.loading && !plan.error && !plan.data && html`<p>Your business plan is being written: you will find it under Plan once it is approved. Tell us below anything it should cover.</p>`}
    ${plan.data && html`<article class="card plan-read" aria-label="Your business plan"><${RichText} html=${plan.data.content_html} /></article>`}
    <div class="check">
      <input type="checkbox" id="ack" name="acknowledged" defaultChecked=${!!d.acknowledged} aria-invalid=${!!f.acknowledged} aria-describedby=${f.acknowledged ? 'ack-err' : undefined} />
      <label for="ack">${plan.data ? 'I have read my plan' : 'I understand my plan comes next'}</label>
      ${f.acknowledged && html`<small id="ack-err" class="field-error">${f.acknowledged}</small>`}
    </div>
    <${Field} label="Comments or questions" name="comments" as="textarea" rows="4" maxlength="5000" defaultValue=${d.comments || ''} error=${f.comments} />
  <//>`;
}

function Notifications({ data, onSaved, onBack }) {
  const prefs = useAsync(() => (data ? Promise.resolve(data) : get('/api/portal/preferences')), []);
  const act = useSave(
    5,
    (form) => {
      const body = {};
      for (const [ch] of CHANNELS) {
        body[ch] = {};
        for (const [cat] of CATEGORIES) body[ch][cat] = form.elements[`${ch}.${cat}`].checked;
      }
      return body;
    },
    onSaved,
  );
  const p = prefs.data || {};
  return html`<${Step} n=${5} title="Notifications" act=${act} onBack=${onBack}>
    <p>Choose what we tell you about, and how. You can change this any time under Email preferences.</p>
    ${prefs.loading && html`<${Loading} />`}
    <${ErrorBox} error=${prefs.error} />
    ${prefs.data &&
    html`<div class="grid">
      ${CHANNELS.map(
        ([ch, chLabel]) => html`<fieldset class="card">
          <legend>${chLabel}</legend>
          ${CATEGORIES.map(
            ([cat, catLabel, hint]) => html`<div class="check">
              <input type="checkbox" id=${`ob-${ch}-${cat}`} name=${`${ch}.${cat}`} defaultChecked=${!!(p[ch] && p[ch][cat])} aria-describedby=${`ob-${ch}-${cat}-hint`} />
              <label for=${`ob-${ch}-${cat}`}>${catLabel}</label>
              <small id=${`ob-${ch}-${cat}-hint`}>${hint}</small>
            </div>`,
          )}
        </fieldset>`,
      )}
    </div>`}
  <//>`;
}

function Done({ progress, onSaved, onBack }) {
  const act = useSave(6, () => ({}), onSaved);
  if (progress.completed_at)
    return html`<section class="card stack wizard" aria-labelledby="done-h">
      <h2 id="done-h">You are all set</h2>
      <p>Onboarding finished ${when(progress.completed_at)}. We are on it: your plan and your first deliverable come next.</p>
      <p><a class="button" href="/portal">Go to your dashboard</a></p>
    </section>`;
  return html`<${Step} n=${6} title="Done" act=${act} onBack=${onBack} next="Finish onboarding">
    <p>That is everything we need. Finish to let the team start on your launch.</p>
  <//>`;
}

export function Onboarding() {
  const progress = useAsync(() => get('/api/portal/onboarding'), []);
  const dash = useAsync(() => get('/api/portal/dashboard').catch(() => null), []);
  const [now, setNow] = useState(null); // the progress after a save
  const [shown, setShown] = useState(null);
  if (progress.loading) return html`<${Loading} what="Loading your onboarding" />`;
  if (progress.error) return html`<${Page} title="Getting started"><${ErrorBox} error=${progress.error} /><//>`;
  const p = now || progress.data;
  const n = shown || Math.min(p.current_step, 6);
  const data = p.steps[n - 1].data;
  const saved = (next) => {
    setNow(next);
    setShown(Math.min(next.current_step, 6));
  };
  const back = () => setShown(n - 1);
  const client = dash.data && dash.data.client ? dash.data.client.brand_name || dash.data.client.name : '';
  const props = { data, onSaved: saved, onBack: back, key: n };
  return html`<${Page} title="Getting started">
    <${Progress} progress=${p} shown=${n} onPick=${setShown} />
    ${p.steps[n - 1].saved_at && !p.completed_at && n !== 6 && html`<${Notice}>Saved ${when(p.steps[n - 1].saved_at)}: change anything and continue.<//>`}
    ${[
      () => html`<${Welcome} client=${client} ...${props} />`,
      () => html`<${Profile} ...${props} />`,
      () => html`<${Materials} ...${props} />`,
      () => html`<${ReviewPlan} ...${props} />`,
      () => html`<${Notifications} ...${props} />`,
      () => html`<${Done} progress=${p} ...${props} />`,
    ][n - 1]()}
  <//>`;
}
