import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { editBetween, IncrementalPythonParser } from '../../server/src/engine/python/incremental';
import { copyTree, initPythonParser, parsePython } from '../../server/src/engine/python/parser';
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
    let reused = 0;
    try {
      for (let i = 0; i < 300; i++) {
        const at = Math.floor(next() * text.length);
        const removed = Math.floor(next() * 4);
        const inserted = pieces[Math.floor(next() * pieces.length)];
        text = text.slice(0, at) + inserted + text.slice(Math.min(text.length, at + removed));
        assert.equal(shape(parser.parse(text)), shape(parsePython(text)), `edit ${i} at ${at}`);
        reused += parser.reusedStatements;
      }
    } finally {
      parser.dispose();
    }
    // The copies took statements over from the previous copy (and were still exact).
    assert.ok(reused > 300, `only ${reused} statements reused over 300 edits`);
  });

  it('reusing statements gives exactly the copy of the re-parsed tree, over thousands of hostile edits', () => {
    const next = random(2);
    const examples = ['train_cifar_resnet.py', 'finetune_sentiment.py', 'keras_flowers.py', 'pretrain_gpt2.py'];
    let text = examples.map((f) => readFileSync(join(ROOT, 'examples', f), 'utf8')).join('\n');
    const pieces = ['x', ')', '(', '\n', '    ', '"', '"""', "'", '#', '\\\n', '[', ']', '{', '}', ':', 'def g(a):\n    return a\n', 'if x:\n', '\tz', 'é', '🌱', '', '\n\n', '@dec\n'];
    const parser = new IncrementalPythonParser();
    let reused = 0;
    try {
      for (let i = 0; i < 2500; i++) {
        const at = Math.floor(next() * text.length);
        const removed = Math.floor(next() * (next() < 0.1 ? 200 : 5));
        text = text.slice(0, at) + pieces[Math.floor(next() * pieces.length)] + text.slice(Math.min(text.length, at + removed));
        if (text.length > 60_000) text = text.slice(0, 30_000);
        const copied = shape(parser.parse(text));
        reused += parser.reusedStatements;
        // (tree-sitter's incremental tree may differ from a fresh parse on broken code; the copy
        // must equal the tree tree-sitter gave, whatever it is.)
        assert.equal(copied, shape(copyTree(parser.currentTree!)), `edit ${i} at ${at}`);
      }
    } finally {
      parser.dispose();
    }
    assert.ok(reused > 500, `only ${reused} statements reused`);
  });

  it('reuses the statements an edit leaves alone, at shifted offsets, in a long file', () => {
    const block = readFileSync(join(ROOT, 'examples', 'finetune_sentiment.py'), 'utf8');
    let text = block.repeat(20);
    const parser = new IncrementalPythonParser();
    try {
      const statements = parser.parse(text).children.length;
      assert.equal(parser.reusedStatements, 0, 'nothing to reuse on the first parse');
      // An edit near the start: every later statement moves.
      text = `x = 1\n${text}`;
      const root = parser.parse(text);
      assert.equal(shape(root), shape(parsePython(text)));
      assert.ok(parser.reusedStatements >= statements - 1, `${parser.reusedStatements} of ${statements} statements reused`);
      // An edit inside a function body in the middle: only the statements around it are copied again.
      const at = text.indexOf('def ', Math.floor(text.length / 2));
      const bodyAt = text.indexOf('\n', at) + 1;
      text = `${text.slice(0, bodyAt)}    y = 2\n${text.slice(bodyAt)}`;
      assert.equal(shape(parser.parse(text)), shape(parsePython(text)));
      assert.ok(parser.reusedStatements > statements / 2);
      // Reopened (disposed): a full copy again.
      parser.dispose();
      assert.equal(shape(parser.parse(text)), shape(parsePython(text)));
      assert.equal(parser.reusedStatements, 0);
    } finally {
      parser.dispose();
    }
  });
});
