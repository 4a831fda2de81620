// The prefilter reads functions from raw text (rules/shared/function-text.ts) to skip files whose
// evaluation functions cannot call a model. Skipping is only right if the text reading never sees
// less than the parser: each function's region covers its whole block, its parameters sit in the
// header, every plain call in it is seen, and every plain assignment is found.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initPythonParser, parsePython } from '../../server/src/engine/python/parser';
import { field } from '../../server/src/engine/python/tree';
import { assignedNames, calledNames, functionsNamed } from '../../server/src/rules/shared/function-text';
import { evaluationMayCallModel } from '../../server/src/rules/missing-no-grad';
import { nodesByWalking, pythonFiles } from '../support/python-files';

const ROOT = join(__dirname, '..', '..', '..');

/** Real files and harder copies: dedented lines inside docstrings, tabs, CRLF, one-line bodies, continuations. */
function variants(text: string): string[] {
  return [
    text,
    text.replace(/(\n[ \t]+)(return|for|if) /g, '$1"""\ndef fake():\nclass X:\n"""\n$1$2 '),
    text.replace(/ {4}/g, '\t'),
    text.replace(/\n/g, '\r\n'),
    text.replace(/:\n(\s+)(return [^\n]*)/g, ': $2\n$1pass'),
    text.replace(/\(([a-z_]+), /g, '(\\\n    $1,\n  '),
    text.replace(/\n(\s*)([a-z_]+) = /g, '\n$1if flag: $2 = '),
  ];
}

describe('functions read from raw text', () => {
  before(async () => {
    await initPythonParser();
  });

  it('cover each function the parser sees: block, parameters, plain calls; and find every plain assignment', () => {
    const files = [...pythonFiles(join(ROOT, 'test', 'fixtures')), ...pythonFiles(join(ROOT, 'examples'))];
    let functions = 0;
    let calls = 0;
    for (const file of files) {
      for (const text of variants(readFileSync(file, 'utf8'))) {
        const root = parsePython(text);
        const read = functionsNamed(text, () => true);
        assert.ok(read, `${file}: gave up`);
        for (const fn of nodesByWalking(root, 'function_definition')) {
          const name = text.slice(field(fn, 'name')!.start, field(fn, 'name')!.end);
          const def = fn.children.find((c) => c.type === 'def')!;
          const region = read.find((r) => r.start === def.start && r.name === name);
          assert.ok(region, `${file}: def ${name} at ${def.start} not found in the text`);
          functions++;
          assert.ok(region.end >= fn.end, `${file}: def ${name}: region ends at ${region.end}, the block at ${fn.end}`);
          const parameters = field(fn, 'parameters');
          if (parameters) assert.ok(region.nameEnd <= parameters.start && parameters.end <= region.headerEnd, `${file}: def ${name}: parameters outside the header`);
          const seen = calledNames(text.slice(region.start, region.end));
          for (const call of nodesByWalking(fn, 'call')) {
            const callee = field(call, 'function');
            if (callee?.type !== 'identifier') continue;
            calls++;
            assert.ok(seen.has(text.slice(callee.start, callee.end)), `${file}: def ${name}: call of ${text.slice(callee.start, callee.end)} not seen`);
          }
        }
        const assigned = assignedNames(text);
        for (const assignment of nodesByWalking(root, 'assignment')) {
          const left = field(assignment, 'left');
          if (left?.type === 'identifier') assert.ok(assigned.has(text.slice(left.start, left.end)), `${file}: assignment to ${text.slice(left.start, left.end)} not found`);
        }
      }
    }
    assert.ok(functions > 500 && calls > 400, `only ${functions} functions and ${calls} calls checked`);
  });

  it('let a file through when an evaluation function may call a model, and only then', () => {
    const through = [
      'def evaluate(loader):\n    return model(loader)\n',
      'def evaluate(m, loader):\n    return m(loader)\n',
      'def evaluate(loader):\n    return self.encoder.forward(loader)\n',
      'm = resnet18()\ndef evaluate(loader):\n    return m(loader)\n',
      'm: Module = build()\ndef validate(loader):\n    for x in loader:\n        m(x)\n',
      'def validate(\n    m,\n    loader,\n):\n    m(loader)\n',
      'def predict(x): return classifier(x)\nclassifier = load()\n',
      'async def infer(x):\n    """Docs\ndef other():\n    """\n    return m(x)\nm = load()\n',
      'print = load()\ndef evaluate(x):\n    return print(x)\n',
    ];
    for (const text of through) assert.equal(evaluationMayCallModel(text), true, text);
    const skipped = [
      'from torch.testing import make_tensor\ndef get_val(dtype):\n    return make_tensor([], dtype=dtype).item()\n',
      'def validate_shape(shape):\n    assert all(d >= 0 for d in shape)\n    return len(shape)\n',
      'def train(x):\n    return model(x)\ndef evaluate():\n    pass\n',
      'm = resnet18()\ndef evaluate(loader):\n    if m == loader:\n        return check(loader)\n',
    ];
    for (const text of skipped) assert.equal(evaluationMayCallModel(text), false, text);
  });
});
