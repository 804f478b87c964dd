// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// The help center's editor: ProseMirror over Markdown (CommonMark, the
// language articles are stored in).  Markdown is parsed into the editor's
// document and written back from it; raw HTML in the Markdown stays text
// (html: false), and an image is shown as its description and address,
// never loaded while editing.  The server renders and sanitises what is
// saved: it stays the authority.
import { MarkdownParser, defaultMarkdownParser, defaultMarkdownSerializer, schema as markdownSchema } from 'prosemirror-markdown';
import { Schema } from 'prosemirror-model';
import { mount } from './editor.js';

const nodes = markdownSchema.spec.nodes.update('image', {
  ...markdownSchema.spec.nodes.get('image'),
  toDOM: (node) => ['span', { class: 'image-ref' }, `[image: ${node.attrs.alt || ''} ${node.attrs.src}]`],
});
const schema = new Schema({ nodes, marks: markdownSchema.spec.marks });
const parser = new MarkdownParser(schema, defaultMarkdownParser.tokenizer, defaultMarkdownParser.tokens);

export function parseMarkdown(text) {
  return parser.parse(text || '');
}

// Mounts the editor in `place` holding `markdown`; markdown() gives back
// what it holds, setMarkdown() replaces it.
export function mountMarkdownEditor(place, { label, markdown, onChange }) {
  const ed = mount(place, { schema, label, onChange, doc: parseMarkdown(markdown) });
  return {
    ...ed,
    markdown: () => defaultMarkdownSerializer.serialize(ed.view.state.doc),
    setMarkdown: (text) => ed.replace(parseMarkdown(text)),
  };
}
