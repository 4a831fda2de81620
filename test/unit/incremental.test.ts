import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { editBetween, IncrementalPythonParser } from '../../server/src/engine/python/incremental';
import { initPythonParser, parsePython } from '../../server/src/engine/python/parser';
import type { PyNode } from '../../server/src/engine/python/tree';

const ROOT = join(__dirname, '..', '..', '..');

/** The tree as text, with every property the rules read; parent links are checked on the way. */
function shape(node: PyNode, parent: PyNode | null = null): string {
  assert.equal(node.parent, parent, `parent link of ${node.type} at ${node.start}`);
  return `${node.type}${node.named ? '' : '?'}[${node.start},${node.end}${node.field ? `,${node.field}` : ''}${node.broken ? ',!' : ''}](${node.children.map((c) => shape(c, node)).join(' ')})`;
}

/** A small deterministic random generator, so failures reproduce. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
}

describe('incremental parsing', () => {
  before(() => initPythonParser());

  it('finds the single edit between two versions', () => {
    const edit = editBetween('ab\ncd\nef', 'ab\ncXd\nef')!;
    assert.deepEqual([edit.startIndex, edit.oldEndIndex, edit.newEndIndex], [4, 4, 5]);
    assert.deepEqual(edit.startPosition, { row: 1, column: 1 });
    assert.equal(editBetween('same', 'same'), null);
  });

  it('gives the same tree as a fresh parse after many random edits, with non-ASCII text', () => {
    const next = random(7);
    let text = readFileSync(join(ROOT, 'examples', 'train_cifar_resnet.py'), 'utf8') + '\nlabel = "résumé 🌱"\n';
    const parser = new IncrementalPythonParser();
    const pieces = ['x', ')', '(', '\n', '    ', '"', 'é', '🌱', 'model.eval()\n', 'def f():\n    pass\n', ''];
    try {
      for (let i = 0; i < 300; i++) {
        const at = Math.floor(next() * text.length);
        const removed = Math.floor(next() * 4);
        const inserted = pieces[Math.floor(next() * pieces.length)];
        text = text.slice(0, at) + inserted + text.slice(Math.min(text.length, at + removed));
        assert.equal(shape(parser.parse(text)), shape(parsePython(text)), `edit ${i} at ${at}`);
      }
    } finally {
      parser.dispose();
    }
  });
});
