// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// Export buttons: GET <path>?format=csv|xlsx answers 200 with the file
// (up to 10,000 rows, Content-Disposition naming it) or 202 with an
// export_file job that writes it in the background and lands it in the
// files module.  Both end in a download: the file saved from the answer,
// or the job followed (GET /api/jobs/{id}, its progress shown), its file
// named by the job's last log line ({"file": {...}, "rows": n}) and
// fetched through its signed link.  Errors are the problem's sentence.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, failure, get, qs } from './api.js';
import { html } from './html.js';
import { ErrorBox } from './ui.js';

const FORMATS = [
  ['csv', 'CSV'],
  ['xlsx', 'Excel (XLSX)'],
];
const ACCEPT = 'text/csv, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, application/problem+json, application/json';

// The file name of a Content-Disposition header (filename*= first).
export function dispositionName(header) {
  if (!header) return '';
  const star = header.match(/filename\*\s*=\s*UTF-8''([^;]+)/i);
  if (star) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      /* fall through to filename= */
    }
  }
  const plain = header.match(/filename\s*=\s*("([^"]*)"|[^;]+)/i);
  return plain ? (plain[2] !== undefined ? plain[2] : plain[1].trim()) : '';
}

function follow(href, name) {
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
}

const sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      reject(new DOMException('stopped', 'AbortError'));
    });
  });

// The file a finished export_file job made: its last log line that is
// the job's report.
function jobFile(job) {
  for (const entry of [...(job.log || [])].reverse()) {
    try {
      const r = JSON.parse(entry.message);
      if (r && r.file && r.file.id) return r;
    } catch {
      /* a progress line */
    }
  }
  return null;
}

function lastError(job) {
  const e = (job.errors || [])[job.errors.length - 1];
  return (e && (e.error || e.message)) || '';
}

// Follows a job until it ends; onJob(job) on every look.  Returns the
// job's report, or throws an ApiError with what went wrong.
async function waitForJob(id, onJob, signal) {
  for (let delay = 400; ; delay = Math.min(delay * 1.5, 3000)) {
    await sleep(delay, signal);
    let job;
    try {
      job = await get(`/api/jobs/${id}`, { signal });
    } catch (e) {
      // Staff follow the exports they asked for; anyone else the job is
      // not shown to hears why instead of a bare 403 or 404.
      if (e instanceof ApiError && (e.status === 403 || e.status === 404))
        throw new ApiError(e.status, { detail: 'The export has more rows than a direct download holds, so it is being made as a background job this account cannot follow. Ask an admin for the file' });
      throw e;
    }
    onJob(job);
    if (job.state === 'completed') {
      const report = jobFile(job);
      if (!report) throw new ApiError(0, { detail: 'The export finished but named no file. Try again' });
      return report;
    }
    if (job.state === 'failed' || job.state === 'cancelled') {
      const why = lastError(job);
      throw new ApiError(0, { detail: `The export ${job.state === 'failed' ? 'failed' : 'was cancelled'}${why ? `: ${why}` : ''}` });
    }
  }
}

let seq = 0;

// `path` e.g. /api/clients/export, `params` the page's filters, `what`
// what is exported ("the clients").
export function ExportButtons({ path, params, what }) {
  const [state, setState] = useState(null); // {format, phase, progress, message, done}
  const [error, setError] = useState(null);
  const abort = useRef(null);
  const [statusId] = useState(() => `export-status-${++seq}`);
  useEffect(() => () => abort.current && abort.current.abort(), []);

  const start = async (format, label) => {
    if (abort.current) abort.current.abort();
    const ctl = new AbortController();
    abort.current = ctl;
    setError(null);
    setState({ format, label, phase: 'asking', progress: null, message: `Preparing the ${label} file…` });
    try {
      let res;
      try {
        res = await fetch(`${path}${qs({ ...params, format })}`, { headers: { Accept: ACCEPT }, credentials: 'same-origin', signal: ctl.signal });
      } catch (e) {
        if (e.name === 'AbortError') throw e;
        throw new ApiError(0, { detail: 'The server cannot be reached. Check your connection and try again.' });
      }
      if (res.status === 202) {
        const { job } = await res.json();
        setState((s) => ({ ...s, phase: 'job', progress: job.progress || 0, message: `More than 10,000 rows: the ${label} file is being made in the background.` }));
        const report = await waitForJob(
          job.id,
          (j) => {
            const line = (j.log || []).length ? j.log[j.log.length - 1].message : '';
            const rows = /^\d+ of \d+ rows$/.test(line) ? ` (${line})` : '';
            const retry = j.state === 'retryable' ? ` Retrying after an error: ${lastError(j)}` : '';
            setState((s) => ({ ...s, progress: j.progress || 0, message: `Making the ${label} file: ${j.progress || 0} %${rows}.${retry}` }));
          },
          ctl.signal,
        );
        const link = await get(`/api/files/${report.file.id}/download`, { signal: ctl.signal });
        follow(link.url, report.file.name);
        setState({ format, label, phase: 'done', progress: 100, message: `Downloaded ${report.file.name} (${report.rows.toLocaleString()} rows).` });
        return;
      }
      if (!res.ok) throw await failure(res);
      const blob = await res.blob();
      const name = dispositionName(res.headers.get('Content-Disposition')) || `export.${format}`;
      const href = URL.createObjectURL(blob);
      follow(href, name);
      setTimeout(() => URL.revokeObjectURL(href), 60000);
      setState({ format, label, phase: 'done', progress: 100, message: `Downloaded ${name}.` });
    } catch (e) {
      if (e.name === 'AbortError') return;
      setState(null);
      setError(e);
    }
  };

  const busy = state && state.phase !== 'done';
  return html`<div class="export" role="group" aria-label=${`Export ${what}`}>
    <div class="row">
      ${FORMATS.map(
        ([format, label]) => html`<button type="button" class="secondary" disabled=${busy} aria-describedby=${statusId}
          onClick=${() => start(format, label)}>Export ${label}</button>`,
      )}
    </div>
    <div id=${statusId} role="status" class="export-status">
      ${state && html`<span>${state.message}</span>
        ${state.phase === 'job' && html`<progress max="100" value=${state.progress} aria-label=${`Making the ${state.label} file`}>${state.progress} %</progress>`}`}
    </div>
    <${ErrorBox} error=${error} />
  </div>`;
}

