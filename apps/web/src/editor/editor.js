// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// The rich-text editors (ProseMirror), in chunks of their own: only the
// pages that edit load them.  The note editor's schema is a subset of
// what the server's sanitiser keeps (paragraphs, headings, lists, quotes,
// code, links, bold, italic), so what the team writes survives sanitising
// unchanged; editor/markdown.js builds the help center's editor on the
// same parts.
import { baseKeymap, setBlockType, toggleMark, wrapIn } from 'prosemirror-commands';
import { history, redo, undo } from 'prosemirror-history';
import { keymap } from 'prosemirror-keymap';
import { DOMSerializer, Schema } from 'prosemirror-model';
import { schema as basic } from 'prosemirror-schema-basic';
import { addListNodes, liftListItem, sinkListItem, splitListItem, wrapInList } from 'prosemirror-schema-list';
import { EditorState } from 'prosemirror-state';
import { EditorView } from 'prosemirror-view';

const noteSchema = new Schema({
  nodes: addListNodes(basic.spec.nodes.remove('image'), 'paragraph block*', 'block'),
  marks: basic.spec.marks,
});

// The toolbar's commands for a schema with the usual node and mark names.
export function commandsFor(schema) {
  const n = schema.nodes;
  const m = schema.marks;
  return {
    bold: toggleMark(m.strong),
    italic: toggleMark(m.em),
    code: toggleMark(m.code),
    bullets: wrapInList(n.bullet_list),
    numbers: wrapInList(n.ordered_list),
    heading: setBlockType(n.heading, { level: 3 }),
    heading2: setBlockType(n.heading, { level: 2 }),
    paragraph: setBlockType(n.paragraph),
    quote: wrapIn(n.blockquote),
    codeblock: setBlockType(n.code_block),
    undo,
    redo,
  };
}

function stateFor(schema, commands, doc) {
  return EditorState.create({
    schema,
    doc,
    plugins: [
      history(),
      keymap({
        'Mod-z': undo,
        'Shift-Mod-z': redo,
        'Mod-y': redo,
        'Mod-b': commands.bold,
        'Mod-i': commands.italic,
        Enter: splitListItem(schema.nodes.list_item),
        'Mod-[': liftListItem(schema.nodes.list_item),
        'Mod-]': sinkListItem(schema.nodes.list_item),
      }),
      keymap(baseKeymap),
    ],
  });
}

// Mounts an editor of `schema` in `place`, starting from `doc` (empty
// without); `label` names it for screen readers; onChange(filled) follows
// whether it holds any text.
export function mount(place, { schema, label, onChange, doc }) {
  const commands = commandsFor(schema);
  const view = new EditorView(place, {
    state: stateFor(schema, commands, doc),
    attributes: { role: 'textbox', 'aria-multiline': 'true', 'aria-label': label, class: 'editor-area' },
    dispatchTransaction(tr) {
      view.updateState(view.state.apply(tr));
      if (tr.docChanged && onChange) onChange(view.state.doc.textContent.trim().length > 0);
    },
  });
  return {
    view,
    run(name) {
      commands[name](view.state, view.dispatch, view);
      view.focus();
    },
    html() {
      const div = document.createElement('div');
      div.appendChild(DOMSerializer.fromSchema(schema).serializeFragment(view.state.doc.content));
      return div.innerHTML;
    },
    replace(next) {
      view.updateState(stateFor(schema, commands, next));
      if (onChange) onChange(view.state.doc.textContent.trim().length > 0);
    },
    clear() {
      view.updateState(stateFor(schema, commands));
      if (onChange) onChange(false);
    },
    focus: () => view.focus(),
    destroy: () => view.destroy(),
  };
}

// The note editor.
export function mountEditor(place, { label, onChange }) {
  return mount(place, { schema: noteSchema, label, onChange });
}
