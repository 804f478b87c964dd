// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// The note editor (ProseMirror), in its own chunk: only the notes tab
// loads it.  Its schema is a subset of what the server's sanitiser keeps
// (paragraphs, headings, lists, quotes, code, links, bold, italic), so
// what the team writes survives sanitising unchanged.
import { baseKeymap, setBlockType, toggleMark } from 'prosemirror-commands';
import { history, redo, undo } from 'prosemirror-history';
import { keymap } from 'prosemirror-keymap';
import { DOMSerializer, Schema } from 'prosemirror-model';
import { schema as basic } from 'prosemirror-schema-basic';
import { addListNodes, liftListItem, sinkListItem, splitListItem, wrapInList } from 'prosemirror-schema-list';
import { EditorState } from 'prosemirror-state';
import { EditorView } from 'prosemirror-view';

const schema = new Schema({
  nodes: addListNodes(basic.spec.nodes.remove('image'), 'paragraph block*', 'block'),
  marks: basic.spec.marks,
});

const commands = {
  bold: toggleMark(schema.marks.strong),
  italic: toggleMark(schema.marks.em),
  bullets: wrapInList(schema.nodes.bullet_list),
  numbers: wrapInList(schema.nodes.ordered_list),
  heading: setBlockType(schema.nodes.heading, { level: 3 }),
  paragraph: setBlockType(schema.nodes.paragraph),
};

function freshState() {
  return EditorState.create({
    schema,
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

// Mounts an editor in `place`; `label` names it for screen readers.
export function mountEditor(place, { label, onChange }) {
  const view = new EditorView(place, {
    state: freshState(),
    attributes: { role: 'textbox', 'aria-multiline': 'true', 'aria-label': label, class: 'editor-area' },
    dispatchTransaction(tr) {
      view.updateState(view.state.apply(tr));
      if (tr.docChanged && onChange) onChange(view.state.doc.textContent.trim().length > 0);
    },
  });
  return {
    run(name) {
      commands[name](view.state, view.dispatch, view);
      view.focus();
    },
    html() {
      const div = document.createElement('div');
      div.appendChild(DOMSerializer.fromSchema(schema).serializeFragment(view.state.doc.content));
      return div.innerHTML;
    },
    clear() {
      view.updateState(freshState());
      if (onChange) onChange(false);
    },
    focus: () => view.focus(),
    destroy: () => view.destroy(),
  };
}
