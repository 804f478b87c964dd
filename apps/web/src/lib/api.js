// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// The one way the UI talks to wl-server: JSON in and out, the session
// cookie sent by the browser, X-CSRF-Token on every unsafe request, and
// problem documents (RFC 9457) turned into ApiError with sentences a person
// can act on.

export class ApiError extends Error {
  constructor(status, problem, retryAfter) {
    super(problem.detail || problem.title || `request failed (${status})`);
    this.status = status;
    this.code = problem.code || '';
    this.fields = problem.errors || {};
    this.requestId = problem.request_id || '';
    this.retryAfter = Number(retryAfter) || 0;
  }
}

// The session's CSRF token: the login answer gives it, and the wl_csrf
// cookie (readable by scripts on purpose) keeps it across reloads.
let csrfToken = '';
export function setCsrfToken(token) {
  csrfToken = token || '';
}
export function csrf() {
  const m = document.cookie.match(/(?:^|;\s*)wl_csrf=([^;]*)/);
  return (m && decodeURIComponent(m[1])) || csrfToken;
}

const unsafe = (method) => !['GET', 'HEAD'].includes(method);

function minutes(seconds) {
  const m = Math.max(1, Math.ceil(seconds / 60));
  return m === 1 ? 'a minute' : `${m} minutes`;
}

// What to tell a person: lockouts and limits as plain sentences, the rest
// from the problem's own detail.
export function explain(err) {
  if (!(err instanceof ApiError)) return 'Something went wrong. Please try again.';
  switch (err.code) {
    case 'account_locked':
      return `This account is locked after too many failed sign-ins. Try again in ${minutes(err.retryAfter || 900)}, or use the unlock link we sent to its email address.`;
    case 'rate_limited':
      return `Too many requests from here. Please wait ${minutes(err.retryAfter || 60)} and try again.`;
    case 'invalid_credentials':
      return 'The email or password is not correct.';
    case 'csrf_failed':
      return 'This page’s security token is out of date. Reload the page and try again.';
    case 'link_invalid':
      return 'This link is not valid. Check that you copied all of it, or ask for a new one.';
    case 'link_expired':
      return 'This link has expired or was already used. Ask for a new one.';
    case 'unauthenticated':
      return 'Your session has ended. Please sign in again.';
    case '':
      if (err.status === 0) return err.message;
  }
  const detail = err.message.charAt(0).toUpperCase() + err.message.slice(1);
  return /[.!?]$/.test(detail) ? detail : detail + '.';
}

function headers(method, json) {
  const h = { Accept: 'application/json' };
  if (json) h['Content-Type'] = 'application/json';
  if (unsafe(method) && csrf()) h['X-CSRF-Token'] = csrf();
  return h;
}

// The ApiError of a failed response (its problem document read).
export async function failure(res) {
  const type = res.headers.get('Content-Type') || '';
  const problem = type.includes('json') ? await res.json().catch(() => ({})) : {};
  const err = new ApiError(res.status, problem, res.headers.get('Retry-After'));
  if (err.code === 'unauthenticated') dispatchEvent(new CustomEvent('wl:signed-out'));
  return err;
}

export async function api(method, path, body, { signal } = {}) {
  let res;
  try {
    res = await fetch(path, {
      method,
      headers: headers(method, body !== undefined),
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      signal,
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, { detail: 'The server cannot be reached. Check your connection and try again.' });
  }
  if (!res.ok) throw await failure(res);
  if (res.status === 204) return null;
  return (res.headers.get('Content-Type') || '').includes('json') ? res.json() : null;
}

export const get = (path, opts) => api('GET', path, undefined, opts);
export const post = (path, body) => api('POST', path, body);

// A list query string from an object, leaving out empty values.
export function qs(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? '?' + s : '';
}

// An upload with progress (fetch cannot report upload progress):
// multipart/form-data to POST /api/files.  onProgress gets 0..1.
export function upload(form, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/files');
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('X-CSRF-Token', csrf());
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onerror = () => reject(new ApiError(0, { detail: 'The upload was interrupted. Check your connection and try again.' }));
    xhr.onload = () => {
      let body = {};
      try {
        body = JSON.parse(xhr.responseText || '{}');
      } catch {
        body = {};
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body);
      else reject(new ApiError(xhr.status, body, xhr.getResponseHeader('Retry-After')));
    };
    xhr.send(form);
  });
}
