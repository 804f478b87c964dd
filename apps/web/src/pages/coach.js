// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// The AI business coach, loaded as its own chunk: one's conversations
// (a client user's are about their own business; the team names the
// client), a conversation's messages, and a question whose reply streams
// in as the model writes it (POST with Accept: text/event-stream:
// "delta" events, then "done" with the stored reply or "error" with a
// problem document).  Replies are Markdown from a model, so untrusted:
// markdown-it with raw HTML off turns them into HTML, and RichText (the
// allow-list every rich text in the UI goes through) rebuilds that as
// elements, so no HTML string reaches the page and no script or image
// from a reply can run or load.
import MarkdownIt from 'markdown-it';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, api, csrf, explain, failure, get, qs } from '../lib/api.js';
import { when } from '../lib/format.js';
import { html } from '../lib/html.js';
import { RichText } from '../lib/richtext.js';
import { navigate, useLocation } from '../lib/router.js';
import { isTeam, useSession } from '../lib/session.js';
import { Empty, ErrorBox, Field, Loading, MoreButton, Page, useAction, useAsync, usePaged } from '../lib/ui.js';

const md = new MarkdownIt('commonmark', { html: false, linkify: false, breaks: true });

export function Markdown({ text }) {
  const rendered = useMemo(() => md.render(text || ''), [text]);
  return html`<${RichText} html=${rendered} class="coach-text" />`;
}

// What a person reads when the coach cannot answer.
export function coachError(err) {
  if (err instanceof ApiError) {
    if (err.status === 429 && /budget/i.test(err.message))
      return 'The AI coach budget for this month is used up, so the coach cannot answer until next month. Your team can raise the budget.';
    if (err.status === 429 && err.code !== 'rate_limited')
      return 'The AI coach is busy right now. Please wait a minute and ask again.';
    if (err.status === 503) return 'The AI coach is unavailable right now. Please try again in a few minutes.';
  }
  return explain(err);
}

// Server-Sent Events from a fetch body: calls onEvent(name, data) per
// event (the browser's EventSource cannot POST).
async function readEvents(body, onEvent) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value.replace(/\r\n?/g, '\n');
    let end;
    while ((end = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, end);
      buf = buf.slice(end + 2);
      let name = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) name = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length) onEvent(name, data.join('\n'));
    }
  }
}

// Asks the coach; onDelta(text) per piece.  Resolves to the stored reply
// ({message, content}); rejects with an ApiError (before the stream or
// from its "error" event), or AbortError when stopped.
async function ask(id, message, onDelta, signal) {
  let res;
  try {
    res = await fetch(`/api/coach/conversations/${id}/messages`, {
      method: 'POST',
      headers: { Accept: 'text/event-stream', 'Content-Type': 'application/json', 'X-CSRF-Token': csrf() },
      body: JSON.stringify({ message }),
      credentials: 'same-origin',
      signal,
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, { detail: 'The server cannot be reached. Check your connection and try again.' });
  }
  if (!res.ok) throw await failure(res);
  let reply = null;
  let problem = null;
  await readEvents(res.body, (name, data) => {
    let doc;
    try {
      doc = JSON.parse(data);
    } catch {
      return;
    }
    if (name === 'delta' && typeof doc.text === 'string') onDelta(doc.text);
    else if (name === 'done') reply = doc;
    else if (name === 'error') problem = doc;
  });
  if (problem) throw new ApiError(problem.status || 500, problem);
  if (!reply) throw new ApiError(0, { detail: 'The reply was cut short. What arrived is kept; reload the conversation to see it' });
  return reply;
}

// Every message of a conversation, oldest first (pages of 100).
async function allMessages(id) {
  let out = [];
  let cursor = null;
  for (let i = 0; i < 50; i++) {
    const page = await get(`/api/coach/conversations/${id}/messages${qs({ limit: 100, cursor })}`);
    out = out.concat(page.data);
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  return out;
}

function Message({ m }) {
  const mine = m.role === 'user';
  return html`<li class=${`coach-msg ${mine ? 'from-user' : 'from-coach'}`}>
    <p class="coach-who"><strong>${mine ? 'You' : 'Coach'}</strong> <time datetime=${m.created_at}>${when(m.created_at)}</time></p>
    ${mine ? html`<p class="coach-question">${m.content}</p>` : html`<${Markdown} text=${m.content} />`}
  </li>`;
}

function Conversation({ id, base, team, onAsked }) {
  const [messages, setMessages] = useState(null);
  const [loadError, setLoadError] = useState(null);
  const [text, setText] = useState('');
  const [streaming, setStreaming] = useState(null); // the reply so far, or null
  const [error, setError] = useState(null);
  const [said, setSaid] = useState('');
  const stop = useRef(null);
  const sofar = useRef('');
  const form = useRef(null);
  const end = useRef(null);

  const load = () =>
    allMessages(id).then(
      (m) => {
        setMessages(m);
        setLoadError(null);
        // A new conversation: straight to the question.
        if (!m.length) setTimeout(() => form.current && form.current.querySelector('textarea').focus(), 0);
      },
      setLoadError,
    );
  useEffect(() => {
    setMessages(null);
    load();
    return () => stop.current && stop.current.abort();
  }, [id]);
  useEffect(() => {
    if (end.current && end.current.scrollIntoView) end.current.scrollIntoView({ block: 'nearest' });
  }, [messages, streaming]);

  const send = async (e) => {
    if (e) e.preventDefault();
    const question = text.trim();
    if (!question || streaming !== null) return;
    const ctl = new AbortController();
    stop.current = ctl;
    setError(null);
    setSaid('');
    setText('');
    const asked = { id: `q${Date.now()}`, role: 'user', content: question, created_at: new Date().toISOString() };
    setMessages((m) => (m || []).concat([asked]));
    setStreaming('');
    sofar.current = '';
    try {
      const reply = await ask(
        id,
        question,
        (piece) => {
          sofar.current += piece;
          setStreaming(sofar.current);
        },
        ctl.signal,
      );
      setMessages((m) => (m || []).concat([reply.message]));
      setSaid('The coach has replied.');
      onAsked();
    } catch (err) {
      if (err.name === 'AbortError') {
        // The server stores what it had sent; shown as it is until a reload.
        const part = sofar.current;
        if (part) setMessages((m) => (m || []).concat([{ id: `p${Date.now()}`, role: 'assistant', content: part, created_at: new Date().toISOString() }]));
        setSaid('Stopped. What the coach had written is kept.');
      } else {
        setError(err);
        setText(question);
        await load();
      }
    } finally {
      setStreaming(null);
      stop.current = null;
      if (form.current) form.current.querySelector('textarea').focus();
    }
  };

  const key = (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      send();
    }
  };

  if (loadError) return html`<${ErrorBox} error=${loadError} /><p><a href=${base}>Back to your conversations</a></p>`;
  if (!messages) return html`<${Loading} what="Loading the conversation" />`;
  return html`<section class="coach-conv" aria-labelledby="conv-h">
    <h2 id="conv-h">${messages.length ? messages[0].content.slice(0, 80) : 'New conversation'}</h2>
    ${!messages.length && streaming === null && html`<${Empty}>${team ? 'Ask the coach anything about this client: its plan, its next launch, its content.' : 'Ask the coach anything about your business: your plan, your next launch, your content.'}<//>`}
    <ol class="coach-log" aria-label="Messages">
      ${messages.map((m) => html`<${Message} m=${m} key=${m.id} />`)}
      ${streaming !== null &&
      html`<li class="coach-msg from-coach streaming">
        <p class="coach-who"><strong>Coach</strong> <span class="hint">writing…</span></p>
        <div aria-live="polite" aria-busy="true" aria-label="The coach's reply so far" data-testid="coach-streaming">
          ${streaming ? html`<${Markdown} text=${streaming} />` : html`<p class="loading">Thinking…</p>`}
        </div>
      </li>`}
    </ol>
    <div ref=${end}></div>
    <div class="sr-only" role="status">${said}</div>
    ${error && html`<div class="error" role="alert">${coachError(error)}</div>`}
    <form class="coach-ask stack" ref=${form} onSubmit=${send}>
      <${Field} label="Your question" name="message" as="textarea" rows="3" maxlength="8000" value=${text}
        onInput=${(e) => setText(e.target.value)} onKeyDown=${key} hint="Enter sends; Shift+Enter starts a new line." />
      <div class="row">
        <button type="submit" disabled=${streaming !== null || !text.trim()}>${streaming !== null ? 'The coach is writing…' : 'Send'}</button>
        ${streaming !== null && html`<button type="button" class="secondary" onClick=${() => stop.current && stop.current.abort()}>Stop</button>`}
      </div>
    </form>
  </section>`;
}

// The team names the client a conversation is about.
function ClientPicker({ onPick, busy }) {
  const [q, setQ] = useState('');
  const [found, setFound] = useState(null);
  const [error, setError] = useState(null);
  const search = async (e) => {
    e.preventDefault();
    setError(null);
    try {
      setFound((await get(`/api/clients${qs({ q: q.trim(), limit: 20 })}`)).data);
    } catch (err) {
      setError(err);
    }
  };
  return html`<div class="card stack">
    <form class="filters" role="search" aria-label="Find the client" onSubmit=${search}>
      <${Field} label="Client" type="search" value=${q} onInput=${(e) => setQ(e.target.value)} placeholder="Name, brand or email" />
      <button type="submit">Find</button>
    </form>
    <${ErrorBox} error=${error} />
    ${found && !found.length && html`<${Empty}>No clients match.<//>`}
    ${found && found.length > 0 &&
    html`<ul class="plain">${found.map(
      (c) => html`<li><button type="button" class="link" disabled=${busy} onClick=${() => onPick(c.id)}>Ask about ${c.brand_name || c.name}</button></li>`,
    )}</ul>`}
  </div>`;
}

// The team came from a client's page (/coach?client=id): one button
// starts a conversation about that client.
function StartFor({ clientId, busy, onStart }) {
  const client = useAsync(() => get(`/api/clients/${clientId}`), [clientId]);
  if (client.loading) return html`<${Loading} what="Loading the client" />`;
  if (client.error) return html`<${ErrorBox} error=${client.error} />`;
  const name = client.data.brand_name || client.data.name;
  return html`<div class="card row">
    <span>Start a conversation about ${name}.</span>
    <button type="button" disabled=${busy} onClick=${() => onStart(clientId)}>Ask about ${name}</button>
  </div>`;
}

export function Coach({ params }) {
  const { query } = useLocation();
  const forClient = query.get('client') || '';
  const { user } = useSession();
  const team = isTeam(user);
  const base = team ? '/coach' : '/portal/coach';
  const list = usePaged('/api/coach/conversations?limit=20');
  const [picking, setPicking] = useState(false);
  const start = useAction(async (clientId) => {
    const conv = await api('POST', '/api/coach/conversations', clientId ? { client_id: clientId } : {});
    setPicking(false);
    list.reload();
    navigate(`${base}/${conv.id}`);
  });
  const id = params.id || null;
  return html`<${Page} title="Coach" actions=${html`<button type="button" disabled=${start.busy}
      onClick=${() => (team ? setPicking(!picking) : start.run(null))}>${start.busy ? 'Starting…' : 'New conversation'}</button>`}>
    <${ErrorBox} error=${start.error} />
    ${picking && html`<${ClientPicker} busy=${start.busy} onPick=${(c) => start.run(c)} />`}
    ${team && forClient && !id && !picking && html`<${StartFor} clientId=${forClient} busy=${start.busy} onStart=${(c) => start.run(c)} />`}
    <div class="coach">
      <nav class="coach-list" aria-label="Conversations">
        <h2 class="sr-only">Conversations</h2>
        <${ErrorBox} error=${list.error} />
        ${!list.loading && !list.error && !list.items.length && html`<${Empty}>No conversations yet.<//>`}
        <ul class="plain">${list.items.map(
          (c) => html`<li><a href=${`${base}/${c.id}`} aria-current=${c.id === id ? 'page' : undefined}>
            <span>${c.title || 'New conversation'}</span> <time datetime=${c.updated_at}>${when(c.updated_at)}</time></a></li>`,
        )}</ul>
        <${MoreButton} list=${list} />
      </nav>
      <div class="coach-main">
        ${id ? html`<${Conversation} id=${id} base=${base} team=${team} key=${id} onAsked=${list.reload} />`
          : html`<${Empty}>Choose a conversation, or start a new one.<//>`}
      </div>
    </div>
  <//>`;
}
