/**
 * fast-check arbitraries that turn real documents into hostile ones: random spans inserted,
 * deleted or duplicated, truncation mid-token, unbalanced brackets and quotes, tab/space mixes,
 * non-UTF-8 data (U+FFFD, lone surrogates), NUL bytes, very long lines, deep nesting, changed line
 * endings, and for notebooks changes to the JSON structure itself. Positions are fractions of
 * the text's length, so a shrunk counterexample stays meaningful.
 */
import fc from 'fast-check';
import type { DocumentKind } from '../../../server/src/engine/analyze';

export type Mutation =
  | { op: 'insert'; at: number; text: string }
  | { op: 'delete'; at: number; length: number }
  | { op: 'duplicate'; at: number; length: number; to: number }
  | { op: 'truncate'; at: number }
  | { op: 'indent'; line: number; indent: string }
  | { op: 'longLine'; at: number; chunk: string; times: number }
  | { op: 'nest'; at: number; open: string; close: string; depth: number; closed: boolean }
  | { op: 'eol'; eol: string }
  | { op: 'swapLines'; a: number; b: number };

/** Size limits: the bulk run stays cheap; the extreme run goes past every engine limit. */
export interface MutationSizes {
  longLineChars: number;
  nestingDepth: number;
}

export const BULK_SIZES: MutationSizes = { longLineChars: 4_000, nestingDepth: 300 };
export const EXTREME_SIZES: MutationSizes = { longLineChars: 120_000, nestingDepth: 3_000 };

const COMMON = [
  '(', ')', '[', ']', '{', '}', '"', "'", '"""', "'''", '\\', '\t', '    ', '\n', '\r\n', '\r', ':', ',', '#', '=', '.', ' ',
  '\u0000', '\ufffd', '\ud800', '\udc00', '\ufeff', '\u2028', '\u00a0', '😀', 'é', '\u200b', '\x1b[31m',
];
const PYTHON = [
  'def ', 'class ', 'lambda', 'for x in loader:', 'with torch.no_grad():', 'import torch', 'import torch.nn as nn',
  'from transformers import Trainer, TrainingArguments', '.item()', '.cuda()', '.to("cuda")', 'Trainer(', 'TrainingArguments(',
  'torch.save(model.state_dict(), "m.pt")', 'model.train()', 'model.eval()', 'nn.DataParallel(', 'from_pretrained("gpt2-xl")',
  'AutoModelForCausalLM.from_pretrained("meta-llama/Llama-2-70b-hf")', 'f"{', '}"', '# greenml: ignore', '# greenml: ignore[',
  '# greenml: ignore-file', '\\\n', 'async ', 'await ', 'yield ', '*', '**', '@', '->', 'match x:', 'case _:', 'num_workers=0',
  'bf16=True', 'save_steps=10', 'GridSearchCV(', 'for epoch in range(100):', 'loss.backward()', 'optimizer.step()',
  'DataLoader(ds, batch_size=8)', 'trainer.train()', 'from_config(config)', 'resnet152()', 'weights=None', 'print(loss)',
  'if __name__ == "__main__":', 'return', 'pass', 'global x', 'nonlocal x', 'del x', 'try:', 'except:', 'finally:', '%%bash', '!pip', '%matplotlib inline',
];
const YAML = [
  '- ', '? ', ': ', '&a ', '*a', '<<: *a', '!!python/object/apply:os.system ["true"]', '---\n', '...\n', '|\n', '>-\n', '%YAML 1.2\n',
  '!!binary', '!custom', 'model_name_or_path: gpt2-xl\n', 'num_train_epochs: 50\n', 'bf16: false\n', 'region: asia-south1\n',
  'method: grid\n', 'parameters:\n  lr:\n    values: [1, 2, 3, 4, 5]\n', 'trainer:\n  max_epochs: 100\n', 'base_model: meta-llama/Llama-2-7b-hf\n',
  'save_steps: 1\n', '{a: 1}', '[1, 2]', '"quoted', "'single", '#comment', '@', '`',
];
const JSON_TOKENS = [
  '{"', '":', '"__proto__":', '"constructor":', 'null', 'true', 'false', '1e999', '-0', '"\\u0000"', '"\\ud800"', '/*', '*/', '//',
  '"cells":', '"cell_type": "code"', '"source": ', '"num_train_epochs": 50', '"bf16": false', '"model_name_or_path": "gpt2-xl"',
  '"save_steps": 1', '[', ']', '{', '}', ',', '"\\', '\\"',
];

function tokensFor(kind: DocumentKind): string[] {
  switch (kind) {
    case 'python':
      return [...COMMON, ...PYTHON];
    case 'yaml':
      return [...COMMON, ...YAML];
    case 'json':
      return [...COMMON, ...JSON_TOKENS];
    case 'notebook':
      return [...COMMON, ...JSON_TOKENS, ...PYTHON.map((p) => JSON.stringify(p).slice(1, -1))];
  }
}

const NESTERS: [string, string][] = [
  ['(', ')'], ['[', ']'], ['{', '}'], ['f(', ')'], ['{"a": ', '}'], ['- ', ''], ['a.', ''], ['- ', ''], ['not ', ''], ['-', ''], ['lambda: ', ''],
  ['{a: ', '}'], ['"', '"'],
];

const position = fc.double({ min: 0, max: 1, noNaN: true });

export function mutationArbitrary(kind: DocumentKind, sizes: MutationSizes): fc.Arbitrary<Mutation> {
  const tokens = tokensFor(kind);
  const insertText = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...tokens) },
    { weight: 2, arbitrary: fc.array(fc.constantFrom(...tokens), { minLength: 2, maxLength: 6 }).map((parts) => parts.join('')) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) },
  );
  return fc.oneof(
    { weight: 8, arbitrary: fc.record({ op: fc.constant('insert' as const), at: position, text: insertText }) },
    { weight: 4, arbitrary: fc.record({ op: fc.constant('delete' as const), at: position, length: fc.integer({ min: 1, max: 400 }) }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('duplicate' as const), at: position, length: fc.integer({ min: 1, max: 600 }), to: position }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('truncate' as const), at: position }) },
    {
      weight: 2,
      arbitrary: fc.record({ op: fc.constant('indent' as const), line: position, indent: fc.constantFrom('\t', ' ', '  \t', '\t    ', '        ', '', '\u00a0', '\f') }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant('longLine' as const),
        at: position,
        chunk: fc.constantFrom('a', 'x = 1; ', ' ', '\t', '#', '(', 'a.', '"', "'", '\\', 'model(x).item() + ', 'é', '😀', '{"a": 1}, ', '- '),
        times: fc.integer({ min: 10, max: sizes.longLineChars }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({ op: fc.constant('nest' as const), at: position, nester: fc.constantFrom(...NESTERS), depth: fc.integer({ min: 2, max: sizes.nestingDepth }), closed: fc.boolean() })
        .map(({ op, at, nester, depth, closed }) => ({ op, at, open: nester[0], close: nester[1], depth, closed })),
    },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('eol' as const), eol: fc.constantFrom('\r\n', '\r', '\n', '\u2028') }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('swapLines' as const), a: position, b: position }) },
  );
}

/** Keeps a cut from splitting a surrogate pair only half the time: both cases are wanted. */
function at(text: string, fraction: number): number {
  return Math.min(text.length, Math.floor(fraction * (text.length + 1)));
}

export function applyMutation(text: string, m: Mutation): string {
  switch (m.op) {
    case 'insert': {
      const i = at(text, m.at);
      return text.slice(0, i) + m.text + text.slice(i);
    }
    case 'delete': {
      const i = at(text, m.at);
      return text.slice(0, i) + text.slice(i + m.length);
    }
    case 'duplicate': {
      const i = at(text, m.at);
      const span = text.slice(i, i + m.length);
      const j = at(text, m.to);
      return text.slice(0, j) + span + text.slice(j);
    }
    case 'truncate':
      return text.slice(0, at(text, m.at));
    case 'indent': {
      const lines = text.split('\n');
      const index = Math.min(lines.length - 1, Math.floor(m.line * lines.length));
      lines[index] = m.indent + lines[index].replace(/^[ \t]+/, '');
      return lines.join('\n');
    }
    case 'longLine': {
      const i = at(text, m.at);
      const long = m.chunk.repeat(Math.max(1, Math.floor(m.times / m.chunk.length)));
      return text.slice(0, i) + long + text.slice(i);
    }
    case 'nest': {
      const i = at(text, m.at);
      return text.slice(0, i) + m.open.repeat(m.depth) + (m.closed ? 'x' + m.close.repeat(m.depth) : '') + text.slice(i);
    }
    case 'eol':
      return text.replace(/\r\n|\r|\n/g, m.eol);
    case 'swapLines': {
      const lines = text.split('\n');
      const a = Math.min(lines.length - 1, Math.floor(m.a * lines.length));
      const b = Math.min(lines.length - 1, Math.floor(m.b * lines.length));
      [lines[a], lines[b]] = [lines[b], lines[a]];
      return lines.join('\n');
    }
  }
}

export function applyMutations(text: string, mutations: readonly Mutation[]): string {
  return mutations.reduce(applyMutation, text);
}

/** Changes to a notebook's JSON structure (the text stays valid JSON). */
export type NotebookShape =
  | 'cells-object'
  | 'cells-null'
  | 'cells-missing'
  | 'cell-not-object'
  | 'source-number'
  | 'source-mixed-list'
  | 'source-string'
  | 'cell-type-missing'
  | 'top-level-array'
  | 'proto-key'
  | 'many-empty-cells'
  | 'raw-cell-python'
  | 'no-newline-lines';

export const notebookShape: fc.Arbitrary<NotebookShape> = fc.constantFrom(
  'cells-object', 'cells-null', 'cells-missing', 'cell-not-object', 'source-number', 'source-mixed-list', 'source-string',
  'cell-type-missing', 'top-level-array', 'proto-key', 'many-empty-cells', 'raw-cell-python', 'no-newline-lines',
);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Applies a structural change to a notebook's JSON text (returns the text unchanged when it is not JSON). */
export function reshapeNotebook(text: string, shape: NotebookShape, where: number): string {
  let data: Json;
  try {
    data = JSON.parse(text) as Json;
  } catch {
    return text;
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return text;
  const notebook = data as { [key: string]: Json };
  const cells = Array.isArray(notebook.cells) ? (notebook.cells as Json[]) : [];
  const index = Math.min(cells.length - 1, Math.floor(where * cells.length));
  const cell = index >= 0 && typeof cells[index] === 'object' && cells[index] !== null && !Array.isArray(cells[index]) ? (cells[index] as { [key: string]: Json }) : null;
  switch (shape) {
    case 'cells-object':
      notebook.cells = { 0: cells[0] ?? null };
      break;
    case 'cells-null':
      notebook.cells = null;
      break;
    case 'cells-missing':
      delete notebook.cells;
      break;
    case 'cell-not-object':
      if (index >= 0) cells[index] = 'print(1)';
      break;
    case 'source-number':
      if (cell) cell.source = 42;
      break;
    case 'source-mixed-list':
      if (cell) cell.source = ['import torch\n', 7, null];
      break;
    case 'source-string':
      if (cell && Array.isArray(cell.source)) cell.source = (cell.source as Json[]).join('');
      break;
    case 'cell-type-missing':
      if (cell) delete cell.cell_type;
      break;
    case 'top-level-array':
      return JSON.stringify(cells);
    case 'proto-key':
      return text.replace('{', '{"__proto__": {"cells": [{"cell_type": "code", "source": "import torch"}]}, ');
    case 'many-empty-cells':
      for (let i = 0; i < 200; i++) cells.push({ cell_type: 'code', metadata: {}, outputs: [], source: [] });
      break;
    case 'raw-cell-python':
      if (cell) cell.cell_type = 'raw';
      break;
    case 'no-newline-lines':
      if (cell && Array.isArray(cell.source)) cell.source = (cell.source as Json[]).map((s) => (typeof s === 'string' ? s.replace(/\n$/, '') : s));
      break;
  }
  return JSON.stringify(notebook, null, 1);
}

/** Mutates the code of one notebook cell and writes the notebook back (valid JSON, broken code). */
export function mutateNotebookCell(text: string, where: number, mutations: readonly Mutation[]): string {
  let data: { cells?: { cell_type?: string; source?: string | string[] }[] };
  try {
    data = JSON.parse(text) as typeof data;
  } catch {
    return applyMutations(text, mutations);
  }
  const code = (data.cells ?? []).filter((c) => c && c.cell_type === 'code');
  if (code.length === 0) return applyMutations(text, mutations);
  const cell = code[Math.min(code.length - 1, Math.floor(where * code.length))];
  const source = Array.isArray(cell.source) ? cell.source.join('') : String(cell.source ?? '');
  const mutated = applyMutations(source, mutations);
  cell.source = Array.isArray(cell.source) ? (mutated.match(/[^\n]*\n|[^\n]+$/g) ?? []) : mutated;
  return JSON.stringify(data, null, 1);
}

/** How a base document is made hostile. */
export type Variant =
  | { how: 'text'; mutations: Mutation[] }
  | { how: 'cell'; where: number; mutations: Mutation[] }
  | { how: 'shape'; shape: NotebookShape; where: number };

/**
 * A hostile variant of a base document: text mutations, and for notebooks also mutations inside a
 * cell's code or of the JSON structure.
 */
export function variantArbitrary(kind: DocumentKind, sizes: MutationSizes): fc.Arbitrary<Variant> {
  const text = fc.record({ how: fc.constant('text' as const), mutations: fc.array(mutationArbitrary(kind, sizes), { minLength: 1, maxLength: 5 }) });
  if (kind !== 'notebook') return text;
  const cell = fc.record({ how: fc.constant('cell' as const), where: position, mutations: fc.array(mutationArbitrary('python', sizes), { minLength: 1, maxLength: 5 }) });
  const shape = fc.record({ how: fc.constant('shape' as const), shape: notebookShape, where: position });
  return fc.oneof({ weight: 3, arbitrary: cell }, { weight: 2, arbitrary: text }, { weight: 1, arbitrary: shape });
}

export function applyVariant(base: string, variant: Variant): string {
  switch (variant.how) {
    case 'text':
      return applyMutations(base, variant.mutations);
    case 'cell':
      return mutateNotebookCell(base, variant.where, variant.mutations);
    case 'shape':
      return reshapeNotebook(base, variant.shape, variant.where);
  }
}
