// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// One's own account: name and password.
import { useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { html } from '../lib/html.js';
import { isTeam, useSession } from '../lib/session.js';
import { ErrorBox, Field, Notice, Page, formValues, useAction } from '../lib/ui.js';

export function Account() {
  const { user, setUser } = useSession();
  const [done, setDone] = useState('');
  const name = useAction(async (e) => {
    e.preventDefault();
    const me = await api('PATCH', '/api/auth/me', { name: formValues(e.target).name });
    setUser({ ...user, ...me });
    setDone('Your name is saved.');
  });
  const pw = useAction(async (e) => {
    e.preventDefault();
    await api('POST', '/api/auth/password/change', formValues(e.target));
    e.target.reset();
    setDone('Your password is changed; your other sessions and API tokens have ended.');
  });
  const f = (pw.error && pw.error.fields) || {};
  return html`<${Page} title="Your account">
    ${done && html`<${Notice}>${done}<//>`}
    <div class="grid">
      <form class="card stack" onSubmit=${name.run} aria-labelledby="name-h">
        <h2 id="name-h">Profile</h2>
        <p>Signed in as ${user.email}. <a href=${isTeam(user) ? '/preferences' : '/portal/preferences'}>Choose what you are notified about</a>.</p>
        <${ErrorBox} error=${name.error} />
        <${Field} label="Name" name="name" defaultValue=${user.name} required />
        <div><button type="submit" disabled=${name.busy}>Save</button></div>
      </form>
      <form class="card stack" onSubmit=${pw.run} aria-labelledby="pw-h">
        <h2 id="pw-h">Password</h2>
        <${ErrorBox} error=${pw.error} />
        <${Field} label="Current password" name="current_password" type="password" autocomplete="current-password" required error=${f.current_password} />
        <${Field} label="New password" name="new_password" type="password" autocomplete="new-password" required error=${f.new_password}
          hint="At least 8 characters with an upper-case letter, a digit and a symbol." />
        <div><button type="submit" disabled=${pw.busy}>Change password</button></div>
      </form>
    </div>
  <//>`;
}
