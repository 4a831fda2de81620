// The fast tree copy (cursor-walk.ts) calls tree-sitter's exported C functions directly; it must
// produce exactly the tree that web-tree-sitter's public cursor API produces, and leave the
// library in a state where parsing and copying go on working.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyTree, initPythonParser, parserInput, pythonParser } from '../../server/src/engine/python/parser';
import type { PyNode } from '../../server/src/engine/python/tree';
import { pythonFiles } from '../support/python-files';

const ROOT = join(__dirname, '..', '..', '..');

/** The tree as nested arrays: every field the rules read, parents checked on the way. */
function shape(node: PyNode, parent: PyNode | null = null): unknown {
  assert.equal(node.parent, parent, `parent link of ${node.type} at ${node.start}`);
  return [node.type, node.named, node.field, node.start, node.end, node.broken, node.children.map((c) => shape(c, node))];
}

function bothCopies(text: string): { direct: unknown; viaApi: unknown } {
  const tree = pythonParser().parse(parserInput(text));
  assert.ok(tree);
  try {
    return { direct: shape(copyTree(tree)), viaApi: shape(copyTree(tree, { direct: false })) };
  } finally {
    tree.delete();
  }
}

describe('tree copy through the exported C functions', () => {
  before(async () => {
    await initPythonParser();
  });

  it('gives the same trees as the public cursor API on the examples and every Python fixture', () => {
    const files = [...pythonFiles(join(ROOT, 'examples')), ...pythonFiles(join(ROOT, 'test', 'fixtures'))];
    assert.ok(files.length > 50, `only ${files.length} files`);
    for (const file of files) {
      const { direct, viaApi } = bothCopies(readFileSync(file, 'utf8'));
      assert.deepEqual(direct, viaApi, file);
    }
  });

  it('gives the same trees on broken, half-typed and deeply nested code (error and missing nodes)', () => {
    const texts = [
      'def f(:\n  return (1,\n',
      'x = [1, 2\nif x:\n  print(x\n',
      'class A(\n    def g(self): pass\n',
      `y = ${'('.repeat(150)}1${')'.repeat(150)}\n`,
      'for i in range(3):\n    loss.backward()\n    opt.step(\n',
      's = "é — 中文 🙂"\nt = f"{s!r:>{10}}"\n',
      'match x:\n    case [1, *rest]: pass\n    case {"k": v}: pass\n',
      '\n'.repeat(1000) + 'x = 1\n',
      '',
    ];
    for (const text of texts) {
      const { direct, viaApi } = bothCopies(text);
      assert.deepEqual(direct, viaApi, JSON.stringify(text.slice(0, 60)));
    }
  });

  it('keeps working over thousands of copies of growing trees (the cursor is freed each time)', () => {
    const line = 'model = torch.nn.Sequential(torch.nn.Linear(10, 10), torch.nn.ReLU())\n';
    for (let i = 1; i <= 3000; i++) {
      const tree = pythonParser().parse(line.repeat(1 + (i % 40)));
      assert.ok(tree);
      const root = copyTree(tree);
      tree.delete();
      assert.equal(root.children.length, 1 + (i % 40));
    }
  });
});
