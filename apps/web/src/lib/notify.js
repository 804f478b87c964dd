// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// The notification bell in the header: the unread count, kept live by
// the server's event stream (/api/notifications/stream; the browser
// reconnects by itself with Last-Event-ID and the server sends what was
// missed), a panel with the latest ones, and marking them read.  The
// count is always asked of the server, never added up here, so a
// reconnect's catch-up cannot count one twice.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, explain, get } from './api.js';
import { when } from './format.js';
import { html } from './html.js';
import { navigate } from './router.js';

// Something in the page (the notifications page) changed what is read.
export const READ_EVENT = 'wl:notifications-read';
export const notifyRead = () => dispatchEvent(new CustomEvent(READ_EVENT));

// The live state: unread count, the newest notification that arrived,
// and a short message for screen readers.
function useLive() {
  const [count, setCount] = useState(0);
  const [latest, setLatest] = useState(null);
  const [said, setSaid] = useState('');
  const [live, setLive] = useState(false);
  const timer = useRef(0);
  useEffect(() => {
    let gone = false;
    const recount = () => {
      clearTimeout(timer.current);
      timer.current = setTimeout(
        () =>
          get('/api/notifications/unread-count').then(
            (r) => !gone && setCount(r.count),
            () => {},
          ),
        50,
      );
    };
    recount();
    const source = new EventSource('/api/notifications/stream');
    source.addEventListener('notification', (e) => {
      let n = null;
      try {
        n = JSON.parse(e.data);
      } catch {
        return;
      }
      setLatest(n);
      setSaid(`New notification: ${n.title}`);
      recount();
    });
    // After a reconnect what was missed is sent again; the count is asked
    // afresh either way.
    source.addEventListener('open', () => {
      setLive(true);
      recount();
    });
    source.addEventListener('error', () => setLive(false));
    addEventListener(READ_EVENT, recount);
    return () => {
      gone = true;
      clearTimeout(timer.current);
      source.close();
      removeEventListener(READ_EVENT, recount);
    };
  }, []);
  return { count, latest, said, live };
}

// Opens a notification's link (marking it read first).
export async function openNotification(n) {
  if (!n.read) await api('POST', `/api/notifications/${n.id}/read`).catch(() => {});
  notifyRead();
  if (n.link && n.link.startsWith('/') && !n.link.startsWith('//')) navigate(n.link);
}

function Panel({ allHref, latest, onClose }) {
  const [items, setItems] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const load = () =>
    get('/api/notifications?limit=8').then(
      (p) => setItems(p.data),
      (e) => setError(explain(e)),
    );
  useEffect(() => {
    load();
  }, [latest]);
  const markAll = async () => {
    setBusy(true);
    setError(null);
    try {
      await api('POST', '/api/notifications/read-all');
      notifyRead();
      await load();
    } catch (e) {
      setError(explain(e));
    } finally {
      setBusy(false);
    }
  };
  const open = (n) => (e) => {
    e.preventDefault();
    onClose();
    openNotification(n);
  };
  return html`<div class="bell-panel" id="bell-panel" role="region" aria-label="Latest notifications">
    <div class="row spread">
      <h2>Notifications</h2>
      <button type="button" class="link" onClick=${markAll} disabled=${busy || !items || !items.some((n) => !n.read)}>Mark all read</button>
    </div>
    ${error && html`<div class="error" role="alert">${error}</div>`}
    ${!items && !error && html`<p class="loading" role="status">Loading…</p>`}
    ${items && !items.length && html`<p class="empty">No notifications yet.</p>`}
    ${items &&
    items.length > 0 &&
    html`<ul class="notes-list">
      ${items.map(
        (n) => html`<li class=${n.read ? 'read' : 'unread'}>
          <a href=${n.link || allHref} onClick=${open(n)}>
            <strong>${n.title}</strong>${!n.read && html`<span class="sr-only"> (unread)</span>`}
            <span>${n.message}</span>
            <time datetime=${n.created_at}>${when(n.created_at)}</time>
          </a>
        </li>`,
      )}
    </ul>`}
    <p><a href=${allHref} onClick=${onClose}>See all notifications</a></p>
  </div>`;
}

export function Bell({ allHref }) {
  const live = useLive();
  const [open, setOpen] = useState(false);
  const box = useRef(null);
  const button = useRef(null);
  useEffect(() => {
    if (!open) return undefined;
    const outside = (e) => box.current && !box.current.contains(e.target) && setOpen(false);
    const key = (e) => {
      if (e.key === 'Escape') {
        setOpen(false);
        button.current && button.current.focus();
      }
    };
    document.addEventListener('click', outside);
    document.addEventListener('keydown', key);
    return () => {
      document.removeEventListener('click', outside);
      document.removeEventListener('keydown', key);
    };
  }, [open]);
  const name = live.count ? `Notifications, ${live.count} unread` : 'Notifications';
  // data-live: whether the stream is connected (tests wait for it).
  return html`<div class="bell" ref=${box} data-live=${live.live ? 'true' : 'false'}>
    <button type="button" class="bell-button" ref=${button} aria-expanded=${open} aria-controls="bell-panel" aria-label=${name}
      onClick=${() => setOpen(!open)}>
      <svg aria-hidden="true" width="22" height="22" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2">
        <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" /><path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
      </svg>
      ${live.count > 0 && html`<span class="count" aria-hidden="true">${live.count > 99 ? '99+' : live.count}</span>`}
    </button>
    <div class="sr-only" role="status" aria-live="polite">${live.said}</div>
    ${open && html`<${Panel} allHref=${allHref} latest=${live.latest} onClose=${() => setOpen(false)} />`}
  </div>`;
}
