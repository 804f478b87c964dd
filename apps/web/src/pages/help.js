// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// The help center, loaded as its own chunk.  Public pages anyone can read
// (signed in or not): the start page with the categories, search with the
// words found highlighted, a category or a tag, and an article with its
// related articles.  The team's CMS: the articles with search and filters,
// writing one in the ProseMirror editor (over Markdown, the language
// articles are kept in) or as Markdown source, a preview rendered by the
// server, publishing and taking back, the versions with their differences
// and restoring one, and deleting.  Only admins write; the API refuses
// everyone else, and these pages show staff the same things read-only.
import { h } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, get, qs } from '../lib/api.js';
import { label, when } from '../lib/format.js';
import { html } from '../lib/html.js';
import { RichText } from '../lib/richtext.js';
import { navigate, setQuery, useLocation } from '../lib/router.js';
import { isAdmin, useSession } from '../lib/session.js';
import { Badge, Empty, ErrorBox, Field, Loading, MoreButton, Notice, Page, PagedTable, useAction, useAsync, usePaged } from '../lib/ui.js';

const enc = encodeURIComponent;
// 'getting-started' -> 'Getting started'
const cat = (c) => label(String(c || '').replace(/-/g, ' '));

// A search snippet: HTML whose only markup is <mark> (the server escapes
// everything else); rebuilt as elements, never given to innerHTML.
function Snippet({ source }) {
  const parts = useMemo(() => {
    const body = new DOMParser().parseFromString(source || '', 'text/html').body;
    return Array.from(body.childNodes, (n, i) => (n.nodeType === 1 && n.localName === 'mark' ? h('mark', { key: i }, n.textContent) : n.textContent));
  }, [source]);
  return html`<p class="snippet">${parts}</p>`;
}

function ArticleLinks({ items, search = false }) {
  return html`<ul class="plain help-list">
    ${items.map(
      (a) => html`<li>
        <a href=${`/help/${a.slug}`}>${a.title}</a>
        ${search && a.snippet ? html`<${Snippet} source=${a.snippet} />` : a.excerpt && html`<p>${a.excerpt}</p>`}
      </li>`,
    )}
  </ul>`;
}

function SearchForm({ q, label: text = 'Search the help center' }) {
  const [value, setValue] = useState(q);
  return html`<form class="filters single-row" role="search" aria-label="Help center" onSubmit=${(e) => {
    e.preventDefault();
    navigate(`/help${qs({ q: value.trim() })}`);
  }}>
    <${Field} label=${text} type="search" name="q" value=${value} maxlength="256" onInput=${(e) => setValue(e.target.value)}
      placeholder="e.g. invoice, “brand kit”, upload -video" />
    <button type="submit">Search</button>
  </form>`;
}

// Every published article by category (up to the first 100 by title).
function Categories() {
  const all = useAsync(() => get('/api/help/articles?limit=100&sort=title&fields=slug,title,excerpt,category'), []);
  if (all.loading) return html`<${Loading} what="Loading the articles" />`;
  if (all.error) return html`<${ErrorBox} error=${all.error} />`;
  const groups = new Map();
  for (const a of all.data.data) {
    if (!groups.has(a.category)) groups.set(a.category, []);
    groups.get(a.category).push(a);
  }
  if (!groups.size) return html`<${Empty}>There are no articles yet.<//>`;
  const names = [...groups.keys()].sort();
  return html`<nav aria-labelledby="cats-h" class="card">
      <h2 id="cats-h">Categories</h2>
      <ul class="plain cats">
        ${names.map((c) => html`<li><a href=${`/help?category=${enc(c)}`}>${cat(c)}</a> <small>(${groups.get(c).length})</small></li>`)}
      </ul>
    </nav>
    ${names.map(
      (c) => html`<section class="card" aria-labelledby=${`cat-${c}`}>
        <h2 id=${`cat-${c}`}>${cat(c)}</h2>
        <${ArticleLinks} items=${groups.get(c).slice(0, 5)} />
        ${groups.get(c).length > 5 && html`<p><a href=${`/help?category=${enc(c)}`}>All ${groups.get(c).length} articles in ${cat(c)}</a></p>`}
      </section>`,
    )}
    ${all.data.next_cursor && html`<p class="hint">More articles are there than shown here: search, or open a category.</p>`}`;
}

export function HelpHome() {
  const { query } = useLocation();
  const q = query.get('q') || '';
  const category = query.get('category') || '';
  const tag = query.get('tag') || '';
  const browsing = q || category || tag;
  const fields = q ? 'slug,title,excerpt,category,snippet' : 'slug,title,excerpt,category';
  const list = usePaged(browsing ? `/api/help/articles${qs({ q, category, tag, fields, sort: q ? '' : 'title', limit: 20 })}` : null);
  const title = q ? `Search: ${q}` : category ? cat(category) : tag ? `Tagged “${tag}”` : 'Help center';
  return html`<${Page} title=${title}>
    ${browsing && html`<p><a href="/help">Help center</a></p>`}
    <${SearchForm} q=${q} key=${q} />
    ${!browsing && html`<${Categories} />`}
    ${browsing &&
    html`<section aria-label="Articles found">
      <${ErrorBox} error=${list.error} />
      ${list.loading && !list.items.length && html`<${Loading} what="Searching" />`}
      ${!list.loading && !list.error && !list.items.length &&
      html`<${Empty}>${q ? 'No article matches. Try other words, or ' : 'Nothing here yet. '}<a href="/help">browse the categories</a>.<//>`}
      ${list.items.length > 0 && html`<p role="status" class="hint">${list.items.length}${list.hasMore ? '+' : ''} ${list.items.length === 1 ? 'article' : 'articles'}</p>`}
      <${ArticleLinks} items=${list.items} search=${!!q} />
      <${MoreButton} list=${list} />
    </section>`}
  <//>`;
}

export function HelpArticle({ params }) {
  const { user } = useSession();
  const slug = enc(params.slug);
  const art = useAsync(() => get(`/api/help/articles/${slug}`), [slug]);
  const related = useAsync(() => get(`/api/help/articles/${slug}/related?limit=5`), [slug]);
  if (art.loading) return html`<${Loading} what="Loading the article" />`;
  if (art.error)
    return html`<${Page} title="Article not found">
      ${art.error.status === 404 ? html`<p>There is no published article at this address.</p>` : html`<${ErrorBox} error=${art.error} />`}
      <p><a href="/help">Go to the help center</a></p>
    <//>`;
  const a = art.data;
  return html`<${Page} title=${a.title} actions=${isAdmin(user) && html`<a class="button secondary" href=${`/articles/${a.id}`}>Edit</a>`}>
    <nav aria-label="Breadcrumb" class="crumbs"><ol>
      <li><a href="/help">Help center</a></li>
      <li><a href=${`/help?category=${enc(a.category)}`}>${cat(a.category)}</a></li>
    </ol></nav>
    <p class="sub">${!a.published && html`<${Badge} value="draft" text="Draft: only the team sees it" /> `}Updated ${when(a.updated_at)}</p>
    <article class="card"><${RichText} html=${a.html} /></article>
    ${a.tags.length > 0 &&
    html`<p class="tags">Tags: ${a.tags.map((t, i) => html`${i ? ', ' : ''}<a href=${`/help?tag=${enc(t)}`}>${t}</a>`)}</p>`}
    <section aria-labelledby="related-h" class="card">
      <h2 id="related-h">Related articles</h2>
      <${ErrorBox} error=${related.error} />
      ${related.data && (related.data.data.length ? html`<${ArticleLinks} items=${related.data.data} />` : html`<${Empty}>No related articles.<//>`)}
    </section>
  <//>`;
}

// ---- the team's CMS ----

const STATES = [
  ['all', 'Published and drafts'],
  ['published', 'Published'],
  ['draft', 'Drafts'],
];
const SORTS = [
  ['', 'Recently updated'],
  ['title', 'Title'],
  ['-views', 'Most read'],
];

export function HelpArticles() {
  const { user } = useSession();
  const { query } = useLocation();
  const f = {};
  for (const k of ['q', 'status', 'category', 'tag', 'sort']) f[k] = query.get(k) || '';
  const [text, setText] = useState(f.q);
  const list = usePaged(`/api/help/articles${qs({ ...f, status: f.status || 'all', sort: f.q ? '' : f.sort, limit: 25 })}`);
  const deleted = query.get('deleted');
  const set = (k) => (e) => setQuery({ ...f, [k]: e.target.value });
  return html`<${Page} title="Help center" actions=${html`${isAdmin(user) && html`<a class="button" href="/articles/new">New article</a>`}
      <a class="button secondary" href="/help">Open the public help center</a>`}>
    ${deleted && html`<${Notice}>The article was deleted.<//>`}
    <form class="filters" role="search" aria-label="Filter articles" onSubmit=${(e) => {
      e.preventDefault();
      setQuery({ ...f, q: text.trim() });
    }}>
      <${Field} label="Search" type="search" value=${text} maxlength="256" onInput=${(e) => setText(e.target.value)} />
      <button type="submit">Search</button>
      <${Field} label="Status" as="select" value=${f.status || 'all'} onChange=${set('status')}>
        ${STATES.map(([v, t]) => html`<option value=${v} selected=${v === (f.status || 'all')}>${t}</option>`)}
      <//>
      <${Field} label="Category" value=${f.category} placeholder="e.g. billing" onChange=${set('category')} />
      <${Field} label="Tag" value=${f.tag} onChange=${set('tag')} />
      <${Field} label="Order" as="select" value=${f.sort} onChange=${set('sort')} disabled=${!!f.q} hint=${f.q ? 'Search results come best match first.' : undefined}>
        ${SORTS.map(([v, t]) => html`<option value=${v} selected=${v === f.sort}>${t}</option>`)}
      <//>
    </form>
    <${PagedTable} list=${list} caption="Help articles" stacked=${true} empty=${f.q || f.category || f.tag || f.status ? 'No article matches.' : 'No articles yet.'}
      columns=${['Article', 'Status', 'Category', 'Version', 'Views', 'Updated']}
      row=${(a) => html`<tr>
        <th scope="row"><a href=${`/articles/${a.id}`}>${a.title}</a>${a.snippet && html`<${Snippet} source=${a.snippet} />`}</th>
        <td>${a.published ? html`<${Badge} value="active" text="Published" />` : html`<${Badge} value="draft" text="Draft" />`}</td>
        <td>${cat(a.category)}</td>
        <td>${a.version}</td>
        <td>${a.views}</td>
        <td>${when(a.updated_at)}</td>
      </tr>`} />
  <//>`;
}

const TOOLS = [
  ['heading2', 'Heading'],
  ['heading', 'Subheading'],
  ['paragraph', 'Paragraph'],
  ['bold', 'Bold'],
  ['italic', 'Italic'],
  ['code', 'Code'],
  ['bullets', 'Bulleted list'],
  ['numbers', 'Numbered list'],
  ['quote', 'Quote'],
  ['codeblock', 'Code block'],
  ['undo', 'Undo'],
  ['redo', 'Redo'],
];

// The ProseMirror editor over `markdown`; onReady(editor) hands it over,
// onTouched() says its document changed.
function RichEditor({ markdown, onReady, onTouched, readOnly }) {
  const place = useRef(null);
  const editor = useRef(null);
  const [ready, setReady] = useState(false);
  const [loadError, setLoadError] = useState(null);
  useEffect(() => {
    let gone = false;
    import('../editor/markdown.js').then(
      ({ mountMarkdownEditor }) => {
        if (gone) return;
        editor.current = mountMarkdownEditor(place.current, { label: 'Article', markdown, onChange: onTouched });
        if (readOnly) editor.current.view.setProps({ editable: () => false });
        onReady(editor.current);
        setReady(true);
      },
      () => setLoadError('The editor could not be loaded. Reload the page, or write in Markdown.'),
    );
    return () => {
      gone = true;
      if (editor.current) editor.current.destroy();
      onReady(null);
    };
  }, []);
  return html`<div>
    <${ErrorBox} error=${loadError} />
    ${!readOnly &&
    html`<div class="toolbar" role="toolbar" aria-label="Formatting">
      ${TOOLS.map(([name, text]) => html`<button type="button" class="secondary" disabled=${!ready} onClick=${() => editor.current.run(name)}>${text}</button>`)}
    </div>`}
    <div class="editor" ref=${place}>${!ready && !loadError && html`<${Loading} what="Loading the editor" />`}</div>
  </div>`;
}

const tagList = (s) =>
  s
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);

// The form of an article: a new one (article null) or an existing one at
// the version it was loaded at.  `handExcerpt` is the excerpt as written
// by hand ("" when the article derives it from the content).
function ArticleForm({ article, handExcerpt, canWrite, onSaved }) {
  const [mode, setMode] = useState('rich');
  const [md, setMd] = useState(article ? article.content : '');
  const [title, setTitle] = useState(article ? article.title : '');
  const [category, setCategory] = useState(article ? article.category : 'general');
  const [tags, setTags] = useState(article ? article.tags.join(', ') : '');
  const [excerpt, setExcerpt] = useState(handExcerpt || '');
  const [touched, setTouched] = useState(false);
  const [preview, setPreview] = useState(null);
  const [note, setNote] = useState('');
  const editor = useRef(null);
  const content = () => (mode === 'rich' && editor.current ? editor.current.markdown() : md);
  const switchTo = (next) => {
    if (next === mode) return;
    if (next === 'markdown' && editor.current) setMd(editor.current.markdown());
    setMode(next);
  };
  const body = () => {
    const b = { title: title.trim(), category: category.trim(), tags: tagList(tags) };
    if (!article) {
      b.content = content();
      if (excerpt.trim()) b.excerpt = excerpt.trim();
      return b;
    }
    // Only what changed: an untouched editor never makes a version.
    const out = {};
    if (b.title !== article.title) out.title = b.title;
    if (b.category !== article.category) out.category = b.category;
    if (b.tags.join() !== article.tags.join()) out.tags = b.tags;
    if (excerpt.trim() !== (handExcerpt || '')) out.excerpt = excerpt.trim();
    if (touched && content() !== article.content) out.content = content();
    return out;
  };
  const save = useAction(async (e) => {
    e.preventDefault();
    setNote('');
    const b = body();
    if (!Object.keys(b).length) {
      setNote('Nothing has changed since the last save.');
      return;
    }
    const saved = article ? await api('PATCH', `/api/help/articles/${article.id}`, b) : await api('POST', '/api/help/articles', b);
    onSaved(saved, article ? `Saved as version ${saved.version}.` : 'Saved as a draft (version 1).');
  });
  const show = useAction(async () => {
    const b = { title: title.trim() || 'Untitled', content: content(), category: category.trim() || 'general', tags: tagList(tags) };
    if (excerpt.trim()) b.excerpt = excerpt.trim();
    setPreview(await api('POST', '/api/help/articles/preview', b));
  });
  const fe = (save.error && save.error.fields) || (show.error && show.error.fields) || {};
  return html`<form class="card stack" onSubmit=${save.run} aria-labelledby="form-h">
    <h2 id="form-h">${article ? 'Content' : 'New article'}</h2>
    ${!canWrite && html`<p class="hint">Only admins change articles: this is a read-only view.</p>`}
    <${ErrorBox} error=${save.error || show.error} />
    ${note && html`<${Notice}>${note}<//>`}
    <fieldset disabled=${!canWrite} class="plainset">
    <legend class="sr-only">The article</legend>
    <${Field} label="Title" name="title" required maxlength="200" value=${title} onInput=${(e) => setTitle(e.target.value)} error=${fe.title} />
    <div class="cols">
      <${Field} label="Category" name="category" value=${category} maxlength="60" onInput=${(e) => setCategory(e.target.value)} error=${fe.category}
        hint="Lower-case words joined by hyphens, e.g. getting-started." />
      <${Field} label="Tags" name="tags" value=${tags} onInput=${(e) => setTags(e.target.value)} error=${fe.tags}
        hint="Separated by commas, e.g. billing, invoices." />
    </div>
    <${Field} label="Excerpt" name="excerpt" as="textarea" rows="2" maxlength="500" value=${excerpt} onInput=${(e) => setExcerpt(e.target.value)} error=${fe.excerpt}
      hint="Shown in lists and search. Leave it empty to use the first sentences of the article." />
    </fieldset>
    <div role="radiogroup" aria-label="Write in" class="row mode">
      <span class="label" aria-hidden="true">Write in:</span>
      ${[
        ['rich', 'Rich text'],
        ['markdown', 'Markdown'],
      ].map(
        ([v, t]) => html`<label class="check"><input type="radio" name="mode" value=${v} checked=${mode === v} onChange=${() => switchTo(v)} /> ${t}</label>`,
      )}
    </div>
    ${mode === 'rich'
      ? html`<${RichEditor} markdown=${md} readOnly=${!canWrite} onReady=${(ed) => (editor.current = ed)} onTouched=${() => setTouched(true)} />`
      : html`<${Field} label="Article (Markdown)" name="content" as="textarea" rows="16" value=${md} readOnly=${!canWrite} error=${fe.content}
          onInput=${(e) => {
            setMd(e.target.value);
            setTouched(true);
          }} />`}
    ${fe.content && mode === 'rich' && html`<p class="field-error">${fe.content}</p>`}
    <div class="row">
      ${canWrite && html`<button type="submit" disabled=${save.busy}>${save.busy ? 'Saving…' : article ? 'Save changes' : 'Save draft'}</button>`}
      <button type="button" class="secondary" onClick=${show.run} disabled=${show.busy || !canWrite}>${show.busy ? 'Rendering…' : 'Preview'}</button>
    </div>
    ${preview &&
    html`<section class="card preview" aria-labelledby="preview-h">
      <div class="row spread"><h2 id="preview-h">Preview: ${preview.title}</h2>
        <button type="button" class="link" onClick=${() => setPreview(null)}>Close the preview</button></div>
      <p class="hint">${preview.excerpt}</p>
      <${RichText} html=${preview.html} />
    </section>`}
  </form>`;
}

function DiffView({ diff }) {
  const names = Object.keys(diff.fields || {});
  return html`<section class="card" aria-labelledby="diff-h">
    <h3 id="diff-h">Changes from version ${diff.from} to version ${diff.to}</h3>
    ${!names.length && !diff.hunks.length && html`<${Empty}>The two versions are the same.<//>`}
    ${names.length > 0 &&
    html`<div class="table-wrap"><table>
      <caption class="sr-only">Changed fields</caption>
      <thead><tr><th scope="col">Field</th><th scope="col">Version ${diff.from}</th><th scope="col">Version ${diff.to}</th></tr></thead>
      <tbody>${names.map((n) => {
        const v = (x) => (Array.isArray(x) ? x.join(', ') : x === '' ? '(derived from the content)' : String(x));
        return html`<tr><th scope="row">${label(n)}</th><td>${v(diff.fields[n].from)}</td><td>${v(diff.fields[n].to)}</td></tr>`;
      })}</tbody>
    </table></div>`}
    ${diff.hunks.map(
      (hk) => html`<div class="table-wrap diff"><table>
        <caption>Lines ${hk.old_start}–${hk.old_start + Math.max(hk.old_lines - 1, 0)} of version ${diff.from}, lines ${hk.new_start}–${hk.new_start + Math.max(hk.new_lines - 1, 0)} of version ${diff.to}</caption>
        <thead class="sr-only"><tr><th scope="col">Old line</th><th scope="col">New line</th><th scope="col">Change</th><th scope="col">Text</th></tr></thead>
        <tbody>${hk.lines.map(
          (l) => html`<tr class=${l.op === '+' ? 'add' : l.op === '-' ? 'del' : ''}>
            <td class="ln">${l.old ?? ''}</td><td class="ln">${l.new ?? ''}</td>
            <td class="op"><span aria-hidden="true">${l.op}</span><span class="sr-only">${l.op === '+' ? 'added' : l.op === '-' ? 'removed' : 'same'}</span></td>
            <td><code>${l.text}</code></td>
          </tr>`,
        )}</tbody>
      </table></div>`,
    )}
  </section>`;
}

function VersionText({ id }) {
  const v = useAsync(() => get(`/api/help/versions/${id}`), [id]);
  if (v.loading) return html`<${Loading} what="Loading the version" />`;
  if (v.error) return html`<${ErrorBox} error=${v.error} />`;
  return html`<section class="card" aria-labelledby="vtext-h">
    <h3 id="vtext-h">Version ${v.data.version}: ${v.data.title}</h3>
    <pre class="code">${v.data.content}</pre>
  </section>`;
}

function Versions({ article, canWrite, onRestored }) {
  const list = usePaged(`/api/help/articles/${article.id}/versions?limit=20`);
  const [shown, setShown] = useState(null); // { kind: 'text', id } or { kind: 'diff', diff }
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const compare = useAction(async (a, b) => {
    const diff = await get(`/api/help/articles/${article.id}/diff${qs({ from: a, to: b })}`);
    setShown({ kind: 'diff', diff });
  });
  const restore = useAction(async (v) => {
    if (!confirm(`Make version ${v.version} the article's content again? It is saved as a new version.`)) return;
    onRestored(await api('POST', `/api/help/versions/${v.id}/restore`), `Version ${v.version} restored as a new version.`);
  });
  const numbers = list.items.map((v) => v.version);
  return html`<section class="card" aria-labelledby="versions-h">
    <h2 id="versions-h">Versions</h2>
    <${ErrorBox} error=${list.error || compare.error || restore.error} />
    <ol class="plain version-list">
      ${list.items.map(
        (v) => html`<li>
          <div><strong>Version ${v.version}</strong> ${label(v.reason)}${v.restored_from ? ` from version ${v.restored_from}` : ''}
            <br /><small><time datetime=${v.created_at}>${when(v.created_at)}</time> · ${v.title}</small></div>
          <div class="row">
            <button type="button" class="link" onClick=${() => setShown({ kind: 'text', id: v.id })} aria-label=${`Show version ${v.version}`}>Show</button>
            ${v.version !== article.version &&
            html`<button type="button" class="link" onClick=${() => compare.run(v.version, article.version)} aria-label=${`Compare version ${v.version} with the current one`}>Compare with current</button>`}
            ${canWrite && v.version !== article.version &&
            html`<button type="button" class="link" onClick=${() => restore.run(v)} disabled=${restore.busy} aria-label=${`Restore version ${v.version}`}>Restore</button>`}
          </div>
        </li>`,
      )}
    </ol>
    <${MoreButton} list=${list} />
    ${numbers.length > 1 &&
    html`<form class="filters" aria-label="Compare two versions" onSubmit=${(e) => {
      e.preventDefault();
      compare.run(from || numbers[numbers.length - 1], to || numbers[0]);
    }}>
      <${Field} label="From version" as="select" value=${from || String(numbers[numbers.length - 1])} onChange=${(e) => setFrom(e.target.value)}>
        ${numbers.map((n) => html`<option value=${n}>${n}</option>`)}
      <//>
      <${Field} label="To version" as="select" value=${to || String(numbers[0])} onChange=${(e) => setTo(e.target.value)}>
        ${numbers.map((n) => html`<option value=${n}>${n}</option>`)}
      <//>
      <button type="submit" disabled=${compare.busy}>${compare.busy ? 'Comparing…' : 'Compare'}</button>
    </form>`}
    ${shown && shown.kind === 'text' && html`<${VersionText} id=${shown.id} key=${shown.id} />`}
    ${shown && shown.kind === 'diff' && html`<${DiffView} diff=${shown.diff} />`}
  </section>`;
}

export function HelpEdit({ params }) {
  const { user } = useSession();
  const { query } = useLocation();
  const canWrite = isAdmin(user);
  const id = params.id;
  const loaded = useAsync(async () => {
    if (!id) return null;
    const [article, versions] = await Promise.all([get(`/api/help/articles/${enc(id)}`), get(`/api/help/articles/${enc(id)}/versions?limit=1`)]);
    return { article, handExcerpt: versions.data.length ? versions.data[0].excerpt : '', note: query.get('created') ? 'Saved as a draft (version 1).' : '' };
  }, [id]);
  const [state, setState] = useState(null); // after a change: { article, handExcerpt, note }
  const cur = state || loaded.data;
  // After a save or a restore: the excerpt as the newest version holds it
  // ("" when derived), so the form never turns a derived one into text.
  const saved = async (article, note) => {
    let hand = article.excerpt;
    try {
      const v = await get(`/api/help/articles/${article.id}/versions?limit=1`);
      hand = v.data.length ? v.data[0].excerpt : '';
    } catch {
      /* the form shows the article's excerpt */
    }
    setState({ article, handExcerpt: hand, note });
  };
  const publish = useAction(async (on) => {
    const a = await api('PATCH', `/api/help/articles/${cur.article.id}`, { published: on });
    setState({ ...cur, article: a, note: on ? 'Published: everyone can read it now.' : 'Taken back to draft: only the team sees it.' });
  });
  const del = useAction(async () => {
    if (!confirm(`Delete “${cur.article.title}” and all its versions? This cannot be undone.`)) return;
    await api('DELETE', `/api/help/articles/${cur.article.id}`);
    navigate('/articles?deleted=1');
  });
  if (!id)
    return html`<${Page} title="New article">
      <p><a href="/articles">All articles</a></p>
      ${canWrite
        ? html`<${ArticleForm} article=${null} canWrite=${true} onSaved=${(a) => navigate(`/articles/${a.id}?created=1`, { replace: true })} />`
        : html`<p>Only admins write articles.</p>`}
    <//>`;
  if (loaded.loading) return html`<${Loading} what="Loading the article" />`;
  if (loaded.error)
    return html`<${Page} title="Article"><${ErrorBox} error=${loaded.error} /><p><a href="/articles">All articles</a></p><//>`;
  const a = cur.article;
  return html`<${Page} title=${a.title}
      actions=${html`${a.published && html`<a class="button secondary" href=${`/help/${a.slug}`}>View on the help center</a>`}
        ${canWrite &&
        (a.published
          ? html`<button type="button" class="secondary" onClick=${() => publish.run(false)} disabled=${publish.busy}>Unpublish</button>`
          : html`<button type="button" onClick=${() => publish.run(true)} disabled=${publish.busy}>Publish</button>`)}
        ${canWrite && html`<button type="button" class="danger" onClick=${del.run} disabled=${del.busy}>Delete</button>`}`}>
    <p><a href="/articles">All articles</a></p>
    <p class="sub">${a.published ? html`<${Badge} value="active" text="Published" />` : html`<${Badge} value="draft" text="Draft" />`}
      ${' '}Version ${a.version} · /help/${a.slug} · ${a.views} views · updated ${when(a.updated_at)}</p>
    ${cur.note && html`<${Notice}>${cur.note}<//>`}
    <${ErrorBox} error=${publish.error || del.error} />
    <div class="ticket">
      <div><${ArticleForm} key=${`${a.id}-${a.version}`} article=${a} handExcerpt=${cur.handExcerpt} canWrite=${canWrite} onSaved=${saved} /></div>
      <aside aria-label="Article history"><${Versions} key=${`${a.id}-${a.version}`} article=${a} canWrite=${canWrite} onRestored=${saved} /></aside>
    </div>
  <//>`;
}
