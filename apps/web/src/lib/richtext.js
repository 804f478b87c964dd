// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// Rich text (notes, plans, deliverables) arrives as HTML the server has
// already sanitised; the server stays the authority.  This is a second
// wall: the HTML is parsed into an inert document (no scripts run, no
// images load there) and rebuilt as Preact elements from the same
// allow-list, so no HTML string ever reaches innerHTML and an attribute
// outside the list (onerror, style) cannot arrive at the page at all.
import { h } from 'preact';
import { useMemo } from 'preact/hooks';

const TAGS = new Set(
  'p br h1 h2 h3 h4 h5 h6 ul ol li strong b em i u s del blockquote pre code hr span div sub sup table caption thead tbody tfoot tr th td a'.split(' '),
);
const ATTRS = { a: ['href', 'title'], th: ['colspan', 'rowspan'], td: ['colspan', 'rowspan'], ol: ['start'] };
const MAX_DEPTH = 64;

function safeHref(v) {
  return /^(https?:|mailto:)/i.test(v) || (v.startsWith('/') && !v.startsWith('//')) || v.startsWith('#');
}

function convert(node, depth, key) {
  if (node.nodeType === 3) return node.data;
  if (node.nodeType !== 1) return null;
  const tag = node.localName;
  if (tag === 'img') return node.getAttribute('alt') ? `[${node.getAttribute('alt')}]` : null;
  const kids = depth < MAX_DEPTH ? Array.from(node.childNodes, (c, i) => convert(c, depth + 1, i)) : node.textContent;
  if (!TAGS.has(tag)) return kids; // unknown: its text only
  const props = { key };
  for (const name of ATTRS[tag] || []) {
    const v = node.getAttribute(name);
    if (v !== null && (name !== 'href' || safeHref(v))) props[name] = v;
  }
  if (tag === 'a') props.rel = 'noopener noreferrer nofollow';
  return h(tag, props, tag === 'br' || tag === 'hr' ? null : kids);
}

export function RichText({ html: source, class: cls = '' }) {
  const nodes = useMemo(() => {
    const body = new DOMParser().parseFromString(source || '', 'text/html').body;
    return Array.from(body.childNodes, (c, i) => convert(c, 0, i));
  }, [source]);
  return h('div', { class: `rich ${cls}` }, nodes);
}
