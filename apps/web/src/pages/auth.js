// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// Signing in, and the pages links in emails open: password reset, the
// self-unlock link, a portal invitation and unsubscribing.  Lockouts and limits are said in sentences (api.js).
import { useEffect, useState } from 'preact/hooks';
import { api, explain } from '../lib/api.js';
import { html } from '../lib/html.js';
import { navigate } from '../lib/router.js';
import { useSession } from '../lib/session.js';
import { ErrorBox, Field, Notice, Page, formValues, useAction } from '../lib/ui.js';

function Card({ title, children }) {
  return html`<div class="auth-card"><p class="brand-big" aria-hidden="true">WavelaunchOS</p><${Page} title=${title}>${children}<//></div>`;
}

export function Login() {
  const { signIn } = useSession();
  const act = useAction(async (e) => {
    e.preventDefault();
    const res = await api('POST', '/api/auth/login', formValues(e.target));
    signIn(res);
    const next = new URLSearchParams(location.search).get('next');
    const home = res.user.role === 'client' ? '/portal' : '/';
    navigate(next && next.startsWith('/') && !next.startsWith('//') && next !== '/login' ? next : home, { replace: true });
  });
  return html`<${Card} title="Sign in">
    <form onSubmit=${act.run} class="stack" novalidate>
      <${ErrorBox} error=${act.error} />
      <${Field} label="Email" name="email" type="email" autocomplete="username" required autofocus />
      <${Field} label="Password" name="password" type="password" autocomplete="current-password" required />
      <button type="submit" disabled=${act.busy}>${act.busy ? 'Signing in…' : 'Sign in'}</button>
    </form>
    <p><a href="/forgot-password">Forgot your password?</a></p>
  <//>`;
}

export function Forgot() {
  const [sent, setSent] = useState(false);
  const act = useAction(async (e) => {
    e.preventDefault();
    await api('POST', '/api/auth/password/forgot', formValues(e.target));
    setSent(true);
  });
  return html`<${Card} title="Reset your password">
    ${sent
      ? html`<${Notice}>If an account uses that address, we have sent it a link to choose a new password. The link works for one hour.<//>`
      : html`<form onSubmit=${act.run} class="stack">
          <p>Enter your email address and we will send you a link to choose a new password.</p>
          <${ErrorBox} error=${act.error} />
          <${Field} label="Email" name="email" type="email" autocomplete="email" required />
          <button type="submit" disabled=${act.busy}>${act.busy ? 'Sending…' : 'Send the link'}</button>
        </form>`}
    <p><a href="/login">Back to sign in</a></p>
  <//>`;
}

const token = () => new URLSearchParams(location.search).get('token') || '';

export function Reset() {
  const [done, setDone] = useState(false);
  const act = useAction(async (e) => {
    e.preventDefault();
    const { password, confirm } = formValues(e.target);
    if (password !== confirm) throw new Error('The two passwords are not the same.');
    await api('POST', '/api/auth/password/reset', { token: token(), password });
    setDone(true);
  });
  const err = act.error && (act.error.code === undefined ? act.error.message : explain(act.error));
  return html`<${Card} title="Choose a new password">
    ${done
      ? html`<${Notice}>Your password has been changed and every other session signed out. <a href="/login">Sign in</a> with the new password.<//>`
      : html`<form onSubmit=${act.run} class="stack">
          <${ErrorBox} error=${err} />
          <${Field} label="New password" name="password" type="password" autocomplete="new-password" required
            hint="At least 8 characters with an upper-case letter, a digit and a symbol."
            error=${act.error && act.error.fields && act.error.fields.password} />
          <${Field} label="The same again" name="confirm" type="password" autocomplete="new-password" required />
          <button type="submit" disabled=${act.busy}>${act.busy ? 'Saving…' : 'Save the new password'}</button>
        </form>`}
  <//>`;
}

export function Unlock() {
  const [state, setState] = useState({ busy: true, error: null });
  useEffect(() => {
    api('POST', '/api/auth/unlock', { token: token() }).then(
      () => setState({ busy: false, error: null }),
      (error) => setState({ busy: false, error }),
    );
  }, []);
  return html`<${Card} title="Unlock your account">
    ${state.busy
      ? html`<p role="status">Unlocking…</p>`
      : state.error
        ? html`<${ErrorBox} error=${state.error} />`
        : html`<${Notice}>Your account is unlocked. You can <a href="/login">sign in</a> again.<//>`}
  <//>`;
}

export function Invite() {
  const { signIn } = useSession();
  const act = useAction(async (e) => {
    e.preventDefault();
    const { password, confirm } = formValues(e.target);
    if (password !== confirm) throw new Error('The two passwords are not the same.');
    const res = await api('POST', '/api/portal-invites/accept', { token: token(), password });
    signIn(res);
    navigate('/portal', { replace: true });
  });
  const err = act.error && (act.error.code === undefined ? act.error.message : explain(act.error));
  return html`<${Card} title="Welcome to your portal">
    <form onSubmit=${act.run} class="stack">
      <p>Choose a password for your portal account. You will sign in with this address and password from now on.</p>
      <${ErrorBox} error=${err} />
      <${Field} label="Password" name="password" type="password" autocomplete="new-password" required
        hint="At least 8 characters with an upper-case letter, a digit and a symbol."
        error=${act.error && act.error.fields && act.error.fields.password} />
      <${Field} label="The same again" name="confirm" type="password" autocomplete="new-password" required />
      <button type="submit" disabled=${act.busy}>${act.busy ? 'Setting up…' : 'Open my portal'}</button>
    </form>
  <//>`;
}

const CATEGORY_LABELS = {
  deliverables: 'deliverable', reminders: 'reminder', tickets: 'support ticket', updates: 'account update',
};

export function Unsubscribe() {
  const [state, setState] = useState({ busy: true, error: null, info: null });
  const path = `/api/email/unsubscribe?token=${encodeURIComponent(token())}`;
  useEffect(() => {
    api('GET', path).then(
      (info) => setState({ busy: false, error: null, info }),
      (error) => setState({ busy: false, error, info: null }),
    );
  }, []);
  const act = useAction(async () => {
    const info = await api('POST', path);
    setState({ busy: false, error: null, info });
  });
  const info = state.info;
  const label = info && (CATEGORY_LABELS[info.category] || info.category);
  return html`<${Card} title="Email preferences">
    ${state.busy
      ? html`<p role="status">Loading…</p>`
      : state.error
        ? html`<${ErrorBox} error=${state.error} />`
        : info.subscribed
          ? html`<div class="stack">
              <p>Stop ${label} emails to <strong>${info.email}</strong>? Password resets and other account emails still arrive.</p>
              <${ErrorBox} error=${act.error} />
              <button type="button" onClick=${act.run} disabled=${act.busy}>${act.busy ? 'Saving…' : 'Unsubscribe'}</button>
            </div>`
          : html`<${Notice}>${info.email} gets no more ${label} emails. You can turn them on again in your account's preferences.<//>`}
  <//>`;
}
