// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// Internal notes on a client (team only), written in the rich-text editor
// that is loaded when this tab opens.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { when } from '../lib/format.js';
import { html } from '../lib/html.js';
import { RichText } from '../lib/richtext.js';
import { Empty, ErrorBox, Loading, MoreButton, useAction, usePaged } from '../lib/ui.js';

const TOOLS = [
  ['bold', 'Bold'],
  ['italic', 'Italic'],
  ['heading', 'Heading'],
  ['paragraph', 'Paragraph'],
  ['bullets', 'Bulleted list'],
  ['numbers', 'Numbered list'],
];

function Editor({ onSave }) {
  const place = useRef(null);
  const editor = useRef(null);
  const [ready, setReady] = useState(false);
  const [loadError, setLoadError] = useState(null);
  const [filled, setFilled] = useState(false);
  useEffect(() => {
    let gone = false;
    import('../editor/editor.js').then(
      ({ mountEditor }) => {
        if (gone) return;
        editor.current = mountEditor(place.current, { label: 'New note', onChange: setFilled });
        setReady(true);
      },
      () => setLoadError('The editor could not be loaded. Reload the page to try again.'),
    );
    return () => {
      gone = true;
      if (editor.current) editor.current.destroy();
    };
  }, []);
  const save = useAction(async (e) => {
    e.preventDefault();
    await onSave(editor.current.html());
    editor.current.clear();
  });
  return html`<form class="card stack" onSubmit=${save.run} aria-labelledby="note-h">
    <h2 id="note-h">New note</h2>
    <${ErrorBox} error=${loadError || save.error} />
    <div class="toolbar" role="toolbar" aria-label="Formatting">
      ${TOOLS.map(([name, text]) => html`<button type="button" class="secondary" disabled=${!ready} onClick=${() => editor.current.run(name)}>${text}</button>`)}
    </div>
    <div class="editor" ref=${place}>${!ready && !loadError && html`<${Loading} what="Loading the editor" />`}</div>
    <div><button type="submit" disabled=${!ready || !filled || save.busy}>${save.busy ? 'Saving…' : 'Add note'}</button></div>
  </form>`;
}

export function Notes({ clientId }) {
  const list = usePaged(`/api/clients/${clientId}/notes?limit=25`);
  const del = useAction(async (id) => {
    await api('DELETE', `/api/notes/${id}`);
    list.reload();
  });
  return html`<section aria-label="Notes">
    <${Editor} onSave=${async (body) => {
      await api('POST', `/api/clients/${clientId}/notes`, { body });
      list.reload();
    }} />
    <${ErrorBox} error=${list.error || del.error} />
    ${!list.loading && !list.items.length && html`<${Empty}>No notes yet.<//>`}
    <ol class="notes">
      ${list.items.map(
        (n) => html`<li class="card note">
          <${RichText} html=${n.body} />
          <div class="row meta">
            <time datetime=${n.created_at}>${when(n.created_at)}</time>
            <button type="button" class="link danger" onClick=${() => confirm('Delete this note?') && del.run(n.id)}>Delete</button>
          </div>
        </li>`,
      )}
    </ol>
    <${MoreButton} list=${list} />
  </section>`;
}
