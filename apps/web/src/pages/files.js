// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// A client's files, for the team and in the portal: upload by picking or
// dropping (with progress), signed downloads, deletion by the team.
import { useRef, useState } from 'preact/hooks';
import { api, explain, get, upload } from '../lib/api.js';
import { bytes, when } from '../lib/format.js';
import { html } from '../lib/html.js';
import { Badge, Empty, ErrorBox, MoreButton, usePaged } from '../lib/ui.js';

function Uploads({ clientId, onDone }) {
  const [items, setItems] = useState([]);
  const [over, setOver] = useState(false);
  const input = useRef(null);

  const send = async (file) => {
    const key = `${Date.now()}-${Math.random()}`;
    const set = (patch) => setItems((all) => all.map((u) => (u.key === key ? { ...u, ...patch } : u)));
    setItems((all) => [...all, { key, name: file.name, progress: 0, error: null, done: false }]);
    const form = new FormData();
    if (clientId) form.append('client_id', clientId);
    form.append('file', file, file.name);
    try {
      await upload(form, (p) => set({ progress: p }));
      set({ progress: 1, done: true });
      onDone();
    } catch (e) {
      set({ error: explain(e) });
    }
  };
  const take = (files) => Array.from(files || []).forEach(send);

  return html`<div
      class=${`dropzone ${over ? 'over' : ''}`}
      onDragOver=${(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave=${() => setOver(false)}
      onDrop=${(e) => {
        e.preventDefault();
        setOver(false);
        take(e.dataTransfer.files);
      }}
    >
      <p>Drop files here, or</p>
      <input id="file-input" class="sr-only file-input" type="file" multiple ref=${input}
        onChange=${(e) => {
          take(e.target.files);
          e.target.value = '';
        }} />
      <label class="button" for="file-input">Choose files</label>
      <p class="hint">PDF, images, Office documents, text and CSV; up to 25 MB each. Every file is checked for viruses.</p>
    </div>
    ${items.length > 0 &&
    html`<ul class="uploads" aria-live="polite">
      ${items.map(
        (u) => html`<li>
          <span>${u.name}</span>
          ${u.error
            ? html`<span class="field-error">${u.error}</span>`
            : u.done
              ? html`<span>Uploaded</span>`
              : html`<progress max="1" value=${u.progress} aria-label=${`Uploading ${u.name}`}>${Math.round(u.progress * 100)}%</progress>`}
        </li>`,
      )}
    </ul>`}`;
}

// Fetches a file's signed link and follows it.  The link answers with
// Content-Disposition: attachment, so the page stays where it is.
export async function downloadFile(f) {
  const link = await get(`/api/files/${f.id}/download`);
  const a = document.createElement('a');
  a.href = link.url;
  a.download = f.name;
  document.body.appendChild(a);
  a.click();
  a.remove();
}

export function Files({ clientId, team }) {
  const list = usePaged(`/api/clients/${clientId}/files?limit=25`);
  const [error, setError] = useState(null);

  const download = async (f) => {
    setError(null);
    try {
      await downloadFile(f);
    } catch (e) {
      setError(e);
    }
  };
  const remove = async (f) => {
    if (!confirm(`Delete ${f.name}? It cannot be downloaded again.`)) return;
    setError(null);
    try {
      await api('DELETE', `/api/files/${f.id}`);
      list.reload();
    } catch (e) {
      setError(e);
    }
  };
  return html`<section aria-labelledby="files-h">
    <h2 id="files-h">Files</h2>
    <${Uploads} clientId=${team ? clientId : null} onDone=${list.reload} />
    <${ErrorBox} error=${error || list.error} />
    ${!list.loading && !list.items.length && html`<${Empty}>No files yet.<//>`}
    <ul class="files">
      ${list.items.map(
        (f) => html`<li>
          <div>
            <strong>${f.name}</strong>
            <small>${bytes(f.size)} · ${when(f.created_at)}</small>
            ${f.scan_status !== 'clean' && html`<${Badge} value=${f.scan_status} />`}
          </div>
          <div class="row">
            <button type="button" class="secondary" onClick=${() => download(f)}
              disabled=${f.scan_status === 'pending_scan' || f.scan_status === 'error'}
              aria-label=${`Download ${f.name}`}>Download</button>
            ${team && html`<button type="button" class="danger" onClick=${() => remove(f)} aria-label=${`Delete ${f.name}`}>Delete</button>`}
          </div>
        </li>`,
      )}
    </ul>
    <${MoreButton} list=${list} />
  </section>`;
}
