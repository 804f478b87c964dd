// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// Every notification of the signed-in user (all or unread only, keyset
// paged, mark one or all read), and what they want to hear about: email
// and in-app, per category (the team's under their user menu, a client's
// as the portal's email preferences).
import { useEffect, useState } from 'preact/hooks';
import { api, get, qs } from '../lib/api.js';
import { when } from '../lib/format.js';
import { html } from '../lib/html.js';
import { READ_EVENT, notifyRead, openNotification } from '../lib/notify.js';
import { setQuery, useLocation } from '../lib/router.js';
import { isTeam, useSession } from '../lib/session.js';
import { Empty, ErrorBox, Field, Loading, MoreButton, Notice, Page, useAction, useAsync, usePaged } from '../lib/ui.js';

export function Notifications() {
  const { query } = useLocation();
  const unread = query.get('unread') === 'true';
  const list = usePaged(`/api/notifications${qs({ unread: unread ? 'true' : '', limit: 25 })}`);
  // The bell or another tab marked some read: show it.
  useEffect(() => {
    addEventListener(READ_EVENT, list.reload);
    return () => removeEventListener(READ_EVENT, list.reload);
  }, [list.reload]);
  const act = useAction(async (n) => {
    if (n) await api('POST', `/api/notifications/${n.id}/read`);
    else await api('POST', '/api/notifications/read-all');
    notifyRead();
  });
  const anyUnread = list.items.some((n) => !n.read);
  return html`<${Page} title="Notifications"
      actions=${html`<button type="button" class="secondary" onClick=${() => act.run(null)} disabled=${act.busy || !anyUnread}>Mark all read</button>`}>
    <form class="filters single" onSubmit=${(e) => e.preventDefault()}>
      <${Field} label="Show" as="select" value=${unread ? 'true' : ''} onChange=${(e) => setQuery({ unread: e.target.value })}>
        <option value="">All notifications</option>
        <option value="true">Unread only</option>
      <//>
    </form>
    <${ErrorBox} error=${act.error || list.error} />
    ${!list.loading && !list.error && !list.items.length && html`<${Empty}>${unread ? 'Nothing unread.' : 'No notifications yet.'}<//>`}
    <ul class="notes-list page-list">
      ${list.items.map(
        (n) => html`<li class=${`card ${n.read ? 'read' : 'unread'}`}>
          <div>
            <h2><a href=${n.link || '#'} onClick=${(e) => {
              e.preventDefault();
              openNotification(n);
            }}>${n.title}</a>${!n.read && html` <span class="badge badge-ready">Unread</span>`}</h2>
            <p>${n.message}</p>
            <time datetime=${n.created_at}>${when(n.created_at)}</time>
          </div>
          ${!n.read &&
          html`<button type="button" class="secondary" onClick=${() => act.run(n)} disabled=${act.busy} aria-label=${`Mark “${n.title}” read`}>Mark read</button>`}
        </li>`,
      )}
    </ul>
    ${list.loading && !list.items.length && html`<${Loading} />`}
    <${MoreButton} list=${list} />
  <//>`;
}

export const CATEGORIES = [
  ['deliverables', 'Deliverables', 'A deliverable is ready to view.'],
  ['reminders', 'Reminders', 'Milestones coming up and weekly summaries.'],
  ['tickets', 'Support tickets', 'New tickets, replies and closures.'],
  ['updates', 'News and updates', 'Everything else.'],
];
export const CHANNELS = [
  ['email', 'By email'],
  ['inapp', 'In the app'],
];

export function Preferences() {
  const { user } = useSession();
  const team = isTeam(user);
  const path = team ? '/api/auth/me/preferences' : '/api/portal/preferences';
  const prefs = useAsync(() => get(path), [path]);
  const [saved, setSaved] = useState('');
  const save = useAction(async (e) => {
    e.preventDefault();
    const form = e.target;
    const body = {};
    for (const [ch] of CHANNELS) {
      body[ch] = {};
      for (const [cat] of CATEGORIES) body[ch][cat] = form.elements[`${ch}.${cat}`].checked;
    }
    await api('PATCH', path, body);
    setSaved('Your preferences are saved.');
  });
  const title = team ? 'Notification preferences' : 'Email preferences';
  if (prefs.loading) return html`<${Page} title=${title}><${Loading} /><//>`;
  if (prefs.error) return html`<${Page} title=${title}><${ErrorBox} error=${prefs.error} /><//>`;
  const p = prefs.data;
  return html`<${Page} title=${title}>
    <p>Choose what we tell you about, and how. Password resets, unlock links and invitations are always sent.</p>
    ${saved && html`<${Notice}>${saved}<//>`}
    <form class="stack" onSubmit=${save.run} onChange=${() => setSaved('')}>
      <${ErrorBox} error=${save.error} />
      <div class="grid">
        ${CHANNELS.map(
          ([ch, chLabel]) => html`<fieldset class="card">
            <legend>${chLabel}</legend>
            ${CATEGORIES.map(
              ([cat, catLabel, hint]) => html`<div class="check">
                <input type="checkbox" id=${`pref-${ch}-${cat}`} name=${`${ch}.${cat}`} defaultChecked=${!!(p[ch] && p[ch][cat])}
                  aria-describedby=${`pref-${ch}-${cat}-hint`} />
                <label for=${`pref-${ch}-${cat}`}>${catLabel}</label>
                <small id=${`pref-${ch}-${cat}-hint`}>${hint}</small>
              </div>`,
            )}
          </fieldset>`,
        )}
      </div>
      <div><button type="submit" disabled=${save.busy}>${save.busy ? 'Saving…' : 'Save preferences'}</button></div>
    </form>
  <//>`;
}
