// PythonSource answers "calls inside this function" and "calls of this name" from its indexes
// instead of walking the tree (missing-no-grad asked once per evaluation function, which was
// quadratic on long files): the answers must be exactly what a walk finds.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initPythonParser, parsePython } from '../../server/src/engine/python/parser';
import { PythonSource } from '../../server/src/engine/python/source';
import { field, type PyNode } from '../../server/src/engine/python/tree';
import { nodesByWalking, pythonFiles } from '../support/python-files';

const ROOT = join(__dirname, '..', '..', '..');

/** Texts with syntax errors too: cut at random places, brackets left open. */
function variants(text: string): string[] {
  const cut = (at: number) => text.slice(0, Math.floor(text.length * at));
  return [text, cut(0.3), `${cut(0.6)}(\n${text.slice(Math.floor(text.length * 0.6))}`, text.replace(/\)/g, '')];
}

/** The same nodes (by identity, not by shape), in the same order. */
function assertSameNodes(actual: readonly PyNode[], expected: readonly PyNode[], what: string): void {
  assert.deepEqual(
    actual.map((n) => `${n.type}@${n.start}-${n.end}`),
    expected.map((n) => `${n.type}@${n.start}-${n.end}`),
    what,
  );
  assert.ok(actual.every((n, i) => n === expected[i]), `${what}: other node objects`);
}

describe('PythonSource call indexes', () => {
  before(async () => {
    await initPythonParser();
  });

  it('nodesWithin and functionCalls give what walking the tree gives, on fixtures, examples and broken copies of them', () => {
    const files = [...pythonFiles(join(ROOT, 'test', 'fixtures')), ...pythonFiles(join(ROOT, 'examples'))];
    assert.ok(files.length > 50, `only ${files.length} Python files found`);
    let scopes = 0;
    for (const file of files) {
      for (const text of variants(readFileSync(file, 'utf8'))) {
        const source = new PythonSource(text, parsePython(text));
        const all = nodesByWalking(source.root, 'call');
        for (const scope of [source.root, ...source.nodes('function_definition'), ...source.nodes('block'), ...all]) {
          scopes++;
          assertSameNodes(source.nodesWithin('call', scope), nodesByWalking(scope, 'call'), `${file}: calls inside ${scope.type} at ${scope.start}`);
        }
        const names = new Set(all.map((c) => field(c, 'function')).filter((f) => f?.type === 'identifier').map((f) => source.textOf(f!)));
        for (const name of [...names, 'no_such_function']) {
          const expected = all.filter((c) => field(c, 'function')?.type === 'identifier' && source.textOf(field(c, 'function')!) === name);
          assertSameNodes(source.functionCalls(name), expected, `${file}: calls of ${name}`);
        }
      }
    }
    assert.ok(scopes > 1000, `only ${scopes} scopes checked`);
  });
});
