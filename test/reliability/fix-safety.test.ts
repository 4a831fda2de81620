/**
 * Fixes are safe, on every rule fixture, every example and every real-world corpus file with a
 * fixable finding. Applying all fixes (unsafe included, as `check --unsafe-fixes` does):
 *
 * - leaves Python that CPython accepts (ast.parse, one python3 process per batch), notebooks that
 *   are valid JSON with the same cells and every code cell accepted by CPython, and valid YAML/JSON,
 *   whenever the input was;
 * - changes nothing outside the fixes' edit ranges: the output is the input's text between the
 *   edits, in order, with each edit's new text in between (recomputed here independently of the
 *   engine's own edit applier); in notebooks, the JSON outside the changed cells' `source` values
 *   is byte-identical and each changed cell's code follows the same rule;
 * - converges in one pass: after one fix-all, no fixable finding is left (fixDocument needs one
 *   pass);
 * - a safe fix changes only the flagged construct. Precisely: every edit of a safe fix lies within
 *   the whole lines of one syntactic construct that contains the finding — the finding's
 *   statement or one that encloses it, up to the innermost enclosing function (with its
 *   decorators), or the top-level statement outside functions — or is the insertion, at a line
 *   boundary, of import lines only. Why: a behaviour-preserving fix either changes how the flagged
 *   code runs (wrap its statement in `with torch.inference_mode():`, decorate its function), which
 *   stays within that construct, or makes a name available for that change (the import), which
 *   binds a name and does nothing else. Anything else (another statement, another function, a
 *   configuration value) could change results, and would make the fix unsafe.
 */
import assert from 'node:assert/strict';
import { parseTree, type Node as JsonNode, type ParseError } from 'jsonc-parser';
import { parseAllDocuments } from 'yaml';
import { compatibleFixes, fixDocument } from '../../server/src/engine/fixes';
import { lintRaw, type RawFinding } from '../../server/src/engine/lint';
import { blankIPythonSyntax, readNotebook, type NotebookProgram } from '../../server/src/engine/notebook';
import { initPythonParser } from '../../server/src/engine/python/parser';
import type { PyNode } from '../../server/src/engine/python/tree';
import { defaultSettings } from '../../server/src/engine/settings';
import { LineIndex } from '../../server/src/engine/text';
import type { OffsetEdit, OffsetFix } from '../../server/src/engine/types';
import { corpusDocuments, exampleDocuments, fixtureDocuments, type Document } from './support/config';
import { cpythonParse, pythonVersion } from './support/python-check';

const settings = defaultSettings();

/** The fixes fix-all applies in its first pass (as fixDocument chooses them). */
function firstPassFixes(findings: RawFinding[], notebook: NotebookProgram | null): { finding: RawFinding; fix: OffsetFix }[] {
  const wanted = findings.filter((f) => {
    if (!f.fix) return false;
    if (!notebook) return true;
    const span = notebook.spanAt(f.start);
    return !!span && f.fix.edits.every((e) => notebook.spanAt(e.start) === span && e.end <= span.end);
  });
  const chosen = new Set(compatibleFixes(wanted.map((f) => f.fix!)));
  return wanted.filter((f) => chosen.has(f.fix!)).map((finding) => ({ finding, fix: finding.fix! }));
}

/**
 * Null when `output` is `original` with `edits` applied and nothing else changed; else where it
 * differs. Written independently of applyOffsetEdits: walks the gaps between the edits.
 */
function outsideEditsUnchanged(original: string, edits: readonly OffsetEdit[], output: string): string | null {
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  for (let i = 1; i < sorted.length; i++) if (sorted[i].start < sorted[i - 1].end) return `edits overlap at ${sorted[i].start}`;
  let from = 0;
  let at = 0;
  for (const edit of sorted) {
    const gap = original.slice(from, edit.start);
    if (output.slice(at, at + gap.length) !== gap) return `text before offset ${edit.start} changed`;
    at += gap.length;
    if (output.slice(at, at + edit.newText.length) !== edit.newText) return `edit at ${edit.start} not applied as given`;
    at += edit.newText.length;
    from = edit.end;
  }
  if (output.slice(at) !== original.slice(from)) return `text after the last edit (offset ${from}) changed`;
  return null;
}

/** The `source` value node of each cell of a notebook's JSON. */
function sourceNodes(text: string): (JsonNode | null)[] {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors);
  const cells = root?.children?.find((p) => p.children?.[0]?.value === 'cells')?.children?.[1];
  return (cells?.children ?? []).map((cell) => cell.children?.find((p) => p.children?.[0]?.value === 'source')?.children?.[1] ?? null);
}

/** A notebook's text with the given cells' source values cut out. */
function withoutSources(text: string, cells: Set<number>): string {
  const nodes = sourceNodes(text);
  let out = '';
  let from = 0;
  nodes.forEach((node, index) => {
    if (!node || !cells.has(index)) return;
    out += `${text.slice(from, node.offset)}<source ${index}>`;
    from = node.offset + node.length;
  });
  return out + text.slice(from);
}

/** Deepest node of a tree containing [start, end). */
function nodeAt(root: PyNode, start: number, end: number): PyNode {
  let node = root;
  for (;;) {
    const child = node.children.find((c) => c.start <= start && end <= c.end && c.end > c.start);
    if (!child) return node;
    node = child;
  }
}

/**
 * The constructs a safe fix may change (see the header): the statements and definitions enclosing
 * the finding, up to the innermost function (or the top-level statement), as whole-line ranges.
 */
function allowedRanges(root: PyNode, lines: LineIndex, finding: RawFinding): [number, number][] {
  const ranges: [number, number][] = [];
  for (let node: PyNode | null = nodeAt(root, finding.start, finding.end); node && node.type !== 'module'; node = node.parent) {
    const isStatement = node.parent?.type === 'block' || node.parent?.type === 'module';
    const isDefinition = node.type === 'function_definition' || node.type === 'decorated_definition';
    if (!isStatement && !isDefinition) continue;
    const start = lines.lineStart(lines.positionAt(node.start).line);
    const end = lines.lineEnd(lines.positionAt(node.end).line);
    ranges.push([start, end]);
    if (node.type === 'function_definition' && node.parent?.type !== 'decorated_definition') break;
    if (node.type === 'decorated_definition') break;
  }
  return ranges;
}

const IMPORT_LINES = /^(\r?\n)?((import [\w.]+( as \w+)?|from [\w.]+ import [\w, ]+)(\r?\n|$))+$/;

function safeFixProblem(root: PyNode, lines: LineIndex, finding: RawFinding, fix: OffsetFix): string | null {
  const ranges = allowedRanges(root, lines, finding);
  for (const edit of fix.edits) {
    if (ranges.some(([start, end]) => start <= edit.start && edit.end <= end)) continue;
    const atLineBoundary = edit.start === lines.lineStart(lines.positionAt(edit.start).line) || edit.start === lines.lineEnd(lines.positionAt(edit.start).line);
    if (edit.start === edit.end && atLineBoundary && IMPORT_LINES.test(edit.newText)) continue;
    return `safe fix "${fix.title}" of ${finding.rule} edits [${edit.start}, ${edit.end}) → ${JSON.stringify(edit.newText)} outside the flagged construct`;
  }
  return null;
}

function yamlErrors(text: string): number {
  return parseAllDocuments(text).reduce((n, d) => n + ('errors' in d ? d.errors.length : 1), 0);
}

function jsonState(text: string): 'strict' | 'jsonc' | 'broken' {
  try {
    JSON.parse(text);
    return 'strict';
  } catch {
    const errors: ParseError[] = [];
    parseTree(text, errors, { allowTrailingComma: true });
    return errors.length === 0 ? 'jsonc' : 'broken';
  }
}

interface Checked {
  document: Document;
  fixes: number;
  safeFixes: number;
  output: string;
}

/** Checks one fix-all pass: returns the pass's output, or null when no fix is left to apply. */
function checkPass(document: Document, text: string, problem: (what: string) => void, counts: { fixes: number; safe: number }): string | null {
  const { kind } = document;
  const raw = lintRaw(kind, text, settings);
  const analysis = raw.analysis;
  if (analysis.kind === 'error' || analysis.kind === 'skipped') return null;
  const notebook = analysis.kind === 'notebook' ? analysis.notebook : null;
  const chosen = firstPassFixes(raw.findings, notebook);
  if (chosen.length === 0) return null;
  counts.fixes += chosen.length;
  const output = fixDocument(kind, text, settings, { unsafe: true, maxPasses: 1 }).text;

  // Nothing outside the edit ranges changes.
  const edits = chosen.flatMap((c) => c.fix.edits);
  if (!notebook) {
    const where = outsideEditsUnchanged(text, edits, output);
    if (where) problem(`text outside the fixes changed: ${where}`);
  } else {
    const perCell = new Map<number, { source: string; sourceIsList: boolean; edits: OffsetEdit[] }>();
    for (const edit of edits) {
      const span = notebook.spanAt(edit.start)!;
      const entry = perCell.get(span.cell.index) ?? { source: span.cell.source, sourceIsList: span.cell.sourceIsList, edits: [] };
      entry.edits.push({ start: edit.start - span.start, end: edit.end - span.start, newText: edit.newText });
      perCell.set(span.cell.index, entry);
    }
    const changedCells = new Set(perCell.keys());
    if (withoutSources(text, changedCells) !== withoutSources(output, changedCells)) problem("notebook JSON outside the fixed cells' sources changed");
    let cells = new Map<number, { source: string; sourceIsList: boolean }>();
    try {
      cells = new Map(readNotebook(output).map((c) => [c.index, c]));
    } catch (error) {
      problem(`fixed notebook is broken: ${(error as Error).message}`);
    }
    for (const [index, before] of perCell) {
      const fixed = cells.get(index);
      if (!fixed) continue;
      const where = outsideEditsUnchanged(before.source, before.edits, fixed.source);
      if (where) problem(`cell ${index}: code outside the fixes changed: ${where}`);
      if (fixed.sourceIsList !== before.sourceIsList) problem(`cell ${index}: source changed form (list of lines / string)`);
    }
  }

  // Safe fixes change only the flagged construct.
  for (const { finding, fix } of chosen) {
    if (fix.safety !== 'safe' || analysis.kind === 'config') continue;
    counts.safe++;
    const where = safeFixProblem(analysis.python.root, analysis.python.lines, finding, fix);
    if (where) problem(where);
  }
  return output;
}

/** Checks one document; returns the Python texts (input and output) CPython must judge. */
function checkDocument(document: Document, problems: string[], python: { id: string; text: string }[], passes: number[]): Checked | null {
  const { kind, text, name } = document;
  const problem = (what: string) => problems.push(`${name}: ${what}`);
  const counts = { fixes: 0, safe: 0 };
  // Fix-all re-lints after each round of edits (fixes whose edits would land at the same place as
  // another's wait for the next round): every round is checked on its own.
  let current = text;
  let rounds = 0;
  for (;;) {
    const next = checkPass(document, current, problem, counts);
    if (next === null) break;
    rounds++;
    current = next;
    if (rounds > 10) {
      problem('fix-all does not reach a fixed point in 10 rounds');
      break;
    }
  }
  if (rounds === 0) return null;
  passes.push(rounds);
  const outcome = fixDocument(kind, text, settings, { unsafe: true });
  if (outcome.text !== current) problem('fix-all differs from its rounds applied one by one');
  // Converged: one fix-all run leaves nothing to fix, and a second run changes nothing.
  if (fixDocument(kind, outcome.text, settings, { unsafe: true }).text !== outcome.text) problem('a second fix-all run changes the text again');
  const left = lintRaw(kind, outcome.text, settings);
  const stillFixable = firstPassFixes(left.findings, left.analysis.kind === 'notebook' ? left.analysis.notebook : null);
  if (stillFixable.length > 0) problem(`fixable findings left after fix-all: ${stillFixable.map((f) => f.finding.rule).join(', ')}`);

  // The result is still a valid document of its kind.
  switch (kind) {
    case 'python':
      python.push({ id: `${name}\u0000in`, text }, { id: `${name}\u0000out`, text: outcome.text });
      break;
    case 'notebook': {
      try {
        const data = JSON.parse(outcome.text) as { cells: unknown[] };
        const before = JSON.parse(text) as { cells: { cell_type: string }[] };
        if (data.cells.length !== before.cells.length) problem('fixed notebook has a different number of cells');
        const strip = (cell: unknown) => JSON.stringify({ ...(cell as object), source: null });
        data.cells.forEach((cell, i) => {
          if (strip(cell) !== strip(before.cells[i])) problem(`cell ${i}: fields other than source changed`);
        });
      } catch (error) {
        problem(`fixed notebook is not valid JSON: ${(error as Error).message}`);
        break;
      }
      const beforeCells = new Map(readNotebook(text).map((c) => [c.index, c.source]));
      for (const cell of readNotebook(outcome.text)) {
        python.push({ id: `${name}\u0000in\u0000${cell.index}`, text: blankIPythonSyntax(beforeCells.get(cell.index) ?? '') });
        python.push({ id: `${name}\u0000out\u0000${cell.index}`, text: blankIPythonSyntax(cell.source) });
      }
      break;
    }
    case 'yaml':
      if (yamlErrors(text) === 0 && yamlErrors(outcome.text) > 0) problem(`fixed YAML is invalid: ${parseAllDocuments(outcome.text).flatMap((d) => ('errors' in d ? d.errors : [])).map((e) => e.message.split('\n')[0]).join('; ')}`);
      break;
    case 'json': {
      const before = jsonState(text);
      const after = jsonState(outcome.text);
      if ((before === 'strict' && after !== 'strict') || (before === 'jsonc' && after === 'broken')) problem(`fixed JSON is invalid (${before} before, ${after} after)`);
      break;
    }
  }
  return { document, fixes: counts.fixes, safeFixes: counts.safe, output: outcome.text };
}

/** Python texts whose input CPython accepted but whose fixed version it rejects. */
function cpythonRegressions(python: { id: string; text: string }[]): string[] {
  const verdicts = cpythonParse(python);
  const out: string[] = [];
  for (const { id } of python) {
    if (!id.includes('\u0000out')) continue;
    const before = verdicts.get(id.replace('\u0000out', '\u0000in'));
    const after = verdicts.get(id);
    if (before === null && after !== null) out.push(`${id.replace(/\u0000/g, ' ')}: CPython rejects the fixed code: ${after}`);
  }
  return out;
}

function runSet(label: string, documents: Document[]): { checked: Checked[]; problems: string[] } {
  const problems: string[] = [];
  const passes: number[] = [];
  const python: { id: string; text: string }[] = [];
  const checked: Checked[] = [];
  for (const document of documents) {
    const result = checkDocument(document, problems, python, passes);
    if (result) checked.push(result);
  }
  problems.push(...cpythonRegressions(python));
  const fixes = checked.reduce((n, c) => n + c.fixes, 0);
  const safe = checked.reduce((n, c) => n + c.safeFixes, 0);
  console.log(`      ${label}: ${documents.length} documents, ${checked.length} with fixes, ${fixes} fixes applied (${safe} safe), ${python.length} Python texts checked by CPython; fix-all rounds: ${[1, 2, 3, 4, 5].map((n) => `${passes.filter((p) => p === n).length}×${n}`).join(' ')}`);
  return { checked, problems };
}

describe('reliability: fixes are safe (fixtures, examples, real-world corpus)', function () {
  this.timeout(10 * 60_000);

  before(async () => {
    await initPythonParser();
    console.log(`      CPython: ${pythonVersion()}`);
  });

  it('the checks themselves catch what they must', () => {
    assert.equal(outsideEditsUnchanged('abcdef', [{ start: 1, end: 2, newText: 'X' }], 'aXcdef'), null);
    assert.notEqual(outsideEditsUnchanged('abcdef', [{ start: 1, end: 2, newText: 'X' }], 'aXcdeF'), null);
    assert.notEqual(outsideEditsUnchanged('abcdef', [{ start: 1, end: 2, newText: 'X' }], 'abcdef'), null);
    const verdicts = cpythonParse([{ id: 'ok', text: 'x = 1\n' }, { id: 'bad', text: 'x = (\n' }]);
    assert.equal(verdicts.get('ok'), null);
    assert.match(verdicts.get('bad') ?? '', /SyntaxError/);
    assert.ok(IMPORT_LINES.test('\nimport torch') && IMPORT_LINES.test('from torch import nn\n') && !IMPORT_LINES.test('\nx = 1'));
  });

  it('rule fixtures', () => {
    const { checked, problems } = runSet('fixtures', fixtureDocuments());
    assert.ok(checked.length > 20, 'expected fixtures with fixes');
    assert.deepEqual(problems, []);
  });

  it('examples', () => {
    const { checked, problems } = runSet('examples', exampleDocuments());
    assert.ok(checked.length > 0, 'expected examples with fixes');
    assert.deepEqual(problems, []);
  });

  it('real-world corpus (every file with a fixable finding)', function () {
    const documents = corpusDocuments();
    if (documents.length === 0) this.skip();
    const { problems } = runSet('corpus', documents);
    assert.deepEqual(problems, []);
  });
});


