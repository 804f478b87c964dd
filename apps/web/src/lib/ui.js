// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// Building blocks every page uses: a page frame that names itself to
// screen readers, loading and error states, lists that page with
// next_cursor, form fields with their server-side errors, busy buttons.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { explain, get } from './api.js';
import { html } from './html.js';
import { label as labelOf } from './format.js';

// A page: sets the document title and takes focus on its heading when it
// opens, so a screen reader announces where a link led (unless the reader
// is already busy inside the page, e.g. typing into a field).
export function Page({ title, actions, children }) {
  const h1 = useRef(null);
  useEffect(() => {
    document.title = `${title} · WavelaunchOS`;
    const main = document.getElementById('main');
    const busy = main && main.contains(document.activeElement) && document.activeElement !== main;
    if (h1.current && !busy) h1.current.focus({ preventScroll: true });
  }, [title]);
  return html`<div class="page">
    <div class="page-head">
      <h1 tabindex="-1" ref=${h1}>${title}</h1>
      ${actions && html`<div class="actions">${actions}</div>`}
    </div>
    ${children}
  </div>`;
}

export function ErrorBox({ error }) {
  if (!error) return null;
  return html`<div class="error" role="alert">${typeof error === 'string' ? error : explain(error)}</div>`;
}

export function Notice({ children }) {
  return html`<div class="notice" role="status">${children}</div>`;
}

export function Loading({ what = 'Loading' }) {
  return html`<p class="loading" role="status">${what}…</p>`;
}

// Runs an async loader when its dependencies change; reload() runs it again.
export function useAsync(load, deps) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const seq = useRef(0);
  const run = useCallback(() => {
    const n = ++seq.current;
    setState((s) => ({ ...s, loading: true, error: null }));
    load().then(
      (data) => n === seq.current && setState({ data, error: null, loading: false }),
      (error) => n === seq.current && setState({ data: null, error, loading: false }),
    );
  }, deps);
  useEffect(run, [run]);
  return { ...state, reload: run };
}

// A keyset-paged list: the first page on load, more on request.
export function usePaged(path) {
  const [items, setItems] = useState([]);
  const [next, setNext] = useState(null);
  const [error, setError] = useState(null);
  const [loading, setLoading] = useState(true);
  const fetchPage = useCallback(
    async (cursor) => {
      if (!path) return; // nothing to list yet
      setLoading(true);
      setError(null);
      try {
        const sep = path.includes('?') ? '&' : '?';
        const page = await get(cursor ? `${path}${sep}cursor=${encodeURIComponent(cursor)}` : path);
        setItems((old) => (cursor ? old.concat(page.data) : page.data));
        setNext(page.next_cursor || null);
      } catch (e) {
        setError(e);
      } finally {
        setLoading(false);
      }
    },
    [path],
  );
  useEffect(() => {
    setItems([]);
    fetchPage(null);
  }, [fetchPage]);
  return { items, error, loading, hasMore: !!next, more: () => fetchPage(next), reload: () => fetchPage(null) };
}

export function MoreButton({ list }) {
  if (!list.hasMore) return null;
  return html`<button type="button" class="secondary more" onClick=${list.more} disabled=${list.loading}>
    ${list.loading ? 'Loading…' : 'Show more'}
  </button>`;
}

// A form action: busy while it runs, its error kept for display.
export function useAction(fn) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const run = async (...args) => {
    setBusy(true);
    setError(null);
    try {
      return await fn(...args);
    } catch (e) {
      setError(e);
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { run, busy, error, setError };
}

let fieldSeq = 0;
export function Field({ label, error, hint, as = 'input', children, ...props }) {
  const [id] = useState(() => props.id || `f${++fieldSeq}`);
  const describedBy = [error && `${id}-err`, hint && `${id}-hint`].filter(Boolean).join(' ') || undefined;
  const control =
    as === 'select'
      ? html`<select id=${id} aria-invalid=${!!error} aria-describedby=${describedBy} ...${props}>${children}</select>`
      : as === 'textarea'
        ? html`<textarea id=${id} aria-invalid=${!!error} aria-describedby=${describedBy} ...${props}></textarea>`
        : html`<input id=${id} aria-invalid=${!!error} aria-describedby=${describedBy} ...${props} />`;
  return html`<div class="field">
    <label for=${id}>${label}</label>
    ${control}
    ${hint && html`<small id=${`${id}-hint`} class="hint">${hint}</small>`}
    ${error && html`<small id=${`${id}-err`} class="field-error">${error}</small>`}
  </div>`;
}

// A state as a coloured label: `value` names the colour (badge-<value>),
// `text` (or the value in words) is what it says.
export function Badge({ value, text }) {
  return html`<span class=${`badge badge-${value}`}>${text || labelOf(value)}</span>`;
}

// Field values of a form, by name.
export function formValues(form) {
  return Object.fromEntries(new FormData(form).entries());
}

export function Empty({ children }) {
  return html`<p class="empty">${children}</p>`;
}

// A page whose code is its own chunk, loaded the first time it is shown:
// `load` is () => import('...'), `name` the export to render.
export function lazy(load, name) {
  let loaded = null;
  return function Lazy(props) {
    const [mod, setMod] = useState(loaded);
    const [failed, setFailed] = useState(false);
    useEffect(() => {
      if (mod) return;
      load().then(
        (m) => {
          loaded = m;
          setMod(m);
        },
        () => setFailed(true),
      );
    }, []);
    if (failed)
      return html`<${Page} title="Page not loaded"><${ErrorBox} error="This page could not be loaded. Check your connection and reload the page." /><//>`;
    if (!mod) return html`<${Loading} />`;
    const Component = mod[name];
    return html`<${Component} ...${props} />`;
  };
}

// A keyset-paged list as a table: its error, an empty note, the rows
// (`row` renders one <tr>, its first cell a row header) and "Show more".
// `stacked`: on a phone each row is a block rather than a squeezed row.
export function PagedTable({ list, caption, columns, row, empty, stacked = false }) {
  return html`<${ErrorBox} error=${list.error} />
    ${!list.loading && !list.error && !list.items.length && html`<${Empty}>${empty}<//>`}
    ${list.items.length > 0 &&
    html`<div class=${stacked ? 'table-wrap stacked' : 'table-wrap'}><table>
      <caption class="sr-only">${caption}</caption>
      <thead><tr>${columns.map((c) => html`<th scope="col">${c}</th>`)}</tr></thead>
      <tbody>${list.items.map(row)}</tbody>
    </table></div>`}
    <${MoreButton} list=${list} />`;
}
