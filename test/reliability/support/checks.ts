/** Invariants every lint result must keep, whatever the input, and a log of rule defects. */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DocumentKind } from '../../../server/src/engine/analyze';
import { readNotebook } from '../../../server/src/engine/notebook';
import { RULE_IDS } from '../../../server/src/engine/registry';
import { LineIndex } from '../../../server/src/engine/text';
import { SEVERITIES, type LintResult, type Range } from '../../../server/src/engine/types';
import { KNOWN_DEFECTS, type KnownDefect } from '../known-defects';
import { FUZZ_SEED } from './config';

function validPosition(lines: LineIndex, p: { line: number; character: number }, what: string): void {
  assert.ok(Number.isSafeInteger(p.line) && Number.isSafeInteger(p.character) && p.line >= 0 && p.character >= 0, `${what}: bad position ${JSON.stringify(p)}`);
  assert.ok(p.line < lines.lineCount, `${what}: line ${p.line} past the end (${lines.lineCount} lines)`);
  const length = lines.lineEnd(p.line) - lines.lineStart(p.line);
  assert.ok(p.character <= length, `${what}: column ${p.character} past the end of line ${p.line} (${length})`);
}

function validRange(lines: LineIndex, range: Range, what: string): void {
  validPosition(lines, range.start, what);
  validPosition(lines, range.end, what);
  const ordered = range.start.line < range.end.line || (range.start.line === range.end.line && range.start.character <= range.end.character);
  assert.ok(ordered, `${what}: range ends before it starts ${JSON.stringify(range)}`);
}

/**
 * A lint result is well-formed: known rules and severities, non-empty messages, ranges inside
 * the document (for notebooks: inside the cell they name), no findings with an error.
 */
export function checkLintResult(kind: DocumentKind, text: string, result: LintResult): void {
  assert.ok(Array.isArray(result.findings) && Array.isArray(result.ruleErrors), 'malformed result');
  if (result.error !== undefined) {
    assert.equal(typeof result.error, 'string');
    assert.ok(result.error.length > 5, `unclear error message: ${JSON.stringify(result.error)}`);
    assert.deepEqual(result.findings, [], 'findings reported for a document that could not be analysed');
    return;
  }
  let cells: Map<number, LineIndex> | null = null;
  if (kind === 'notebook' && result.findings.length > 0) cells = new Map(readNotebook(text).map((c) => [c.index, new LineIndex(c.source)]));
  const fileLines = kind === 'notebook' ? null : new LineIndex(text);
  for (const finding of result.findings) {
    assert.ok(RULE_IDS.includes(finding.rule), `unknown rule ${finding.rule}`);
    assert.ok(SEVERITIES.includes(finding.severity), `bad severity ${finding.severity}`);
    assert.ok(typeof finding.message === 'string' && finding.message.trim().length > 0, 'empty message');
    let lines = fileLines;
    if (cells) {
      assert.ok(finding.cell !== undefined && cells.has(finding.cell), `${finding.rule}: finding names no code cell (${finding.cell})`);
      lines = cells.get(finding.cell)!;
    } else assert.equal(finding.cell, undefined);
    validRange(lines!, finding.range, `${finding.rule} finding`);
    if (finding.fix) {
      assert.ok(finding.fix.safety === 'safe' || finding.fix.safety === 'unsafe', 'bad fix safety');
      assert.ok(finding.fix.title.trim().length > 0, 'fix without a title');
      for (const edit of finding.fix.edits) {
        validRange(lines!, edit.range, `${finding.rule} fix edit`);
        assert.equal(typeof edit.newText, 'string');
      }
    }
  }
}

/** A defect in a rule (not the engine): found, kept with the smallest input that shows it. */
export interface RuleDefect {
  key: string;
  rule: string;
  what: string;
  kind: DocumentKind;
  input: string;
  count: number;
  known: KnownDefect | null;
}

/**
 * Rule defects seen during a run. The engine keeps going when a rule throws (its findings are
 * left out), so a rule defect does not stop a fuzz run: all are collected and reported at the end.
 */
export class DefectLog {
  readonly defects = new Map<string, RuleDefect>();

  add(rule: string, what: string, kind: DocumentKind, input: string): void {
    const firstLine = what.split('\n')[0].replace(/\d+/g, 'N').slice(0, 160);
    const key = `${rule}: ${firstLine}`;
    const existing = this.defects.get(key);
    if (existing) {
      existing.count++;
      if (input.length < existing.input.length) existing.input = input;
      return;
    }
    const known = KNOWN_DEFECTS.find((d) => d.rule === rule && d.pattern.test(what)) ?? null;
    this.defects.set(key, { key, rule, what: what.split('\n').slice(0, 3).join(' | '), kind, input, count: 1, known });
  }

  /** Saves each defect's smallest input and fails on defects that are not in known-defects.ts. */
  report(title: string): void {
    if (this.defects.size === 0) return;
    const dir = join(tmpdir(), `greenml-reliability-${FUZZ_SEED}`);
    mkdirSync(dir, { recursive: true });
    const lines: string[] = [];
    let unknown = 0;
    let n = 0;
    for (const defect of this.defects.values()) {
      const extension = { python: 'py', notebook: 'ipynb', yaml: 'yaml', json: 'json' }[defect.kind];
      const file = join(dir, `${title.replace(/\W+/g, '-')}-${++n}-${defect.rule}.${extension}`);
      writeFileSync(file, defect.input);
      const status = defect.known ? `known (${defect.known.id})` : 'NEW';
      if (!defect.known) unknown++;
      lines.push(`  [${status}] ${defect.key} — ${defect.count}× — smallest input (${defect.input.length} chars): ${file}`);
    }
    console.log(`      rule defects seen in ${title}:\n${lines.join('\n')}`);
    assert.equal(unknown, 0, `${unknown} new rule defect(s) (seed ${FUZZ_SEED}):\n${lines.join('\n')}\nFix the rule, or list the defect in test/reliability/known-defects.ts.`);
  }
}
