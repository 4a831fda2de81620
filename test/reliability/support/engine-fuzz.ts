/**
 * The engine fuzzing shared by fuzz-engine.test.ts and its worker threads: fixtures, examples and a
 * sample of real code, mutated by fast-check (mutate.ts), go through lintDocument and fixDocument
 * (all fixes, unsafe included).
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { DocumentKind } from '../../../server/src/engine/analyze';
import { fixDocument } from '../../../server/src/engine/fixes';
import { lintRaw, placeFindings } from '../../../server/src/engine/lint';
import { countSyntaxErrors } from '../../../server/src/engine/python/tree';
import { RULES } from '../../../server/src/engine/registry';
import { defaultSettings } from '../../../server/src/engine/settings';
import type { Finding } from '../../../server/src/engine/types';
import { ANSWER_BUDGET_MS, corpusSample, exampleDocuments, fixtureDocuments, since, type Document } from './config';
import { checkLintResult, DefectLog } from './checks';
import { applyVariant, variantArbitrary, type MutationSizes } from './mutate';

export const SHARE: Record<DocumentKind, number> = { python: 0.4, notebook: 0.2, yaml: 0.25, json: 0.15 };
const settings = defaultSettings();

/** Syntax errors of an analysed document: tree-sitter error nodes, or 1 when it is unusable. */
function syntaxErrors(kind: DocumentKind, text: string): number {
  const raw = lintRaw(kind, text, settings, [], false);
  const a = raw.analysis;
  if (a.kind === 'python' || a.kind === 'notebook') return countSyntaxErrors(a.python.root);
  return a.kind === 'error' ? 1 : 0;
}

export interface FuzzStats {
  inputs: number;
  errors: number;
  findings: number;
  fixed: number;
  slowestMs: number;
  maxPasses: number;
}

function timed(run: () => unknown): number {
  const started = performance.now();
  run();
  return since(started);
}

const findingKey = (f: Finding) => JSON.stringify([f.rule, f.cell ?? -1, f.range, f.message]);

/**
 * The prefilter may skip a rule only where the rule finds nothing: a mutated fixture that still
 * trips a rule without its trigger words shows a trigger that does not hold.
 */
function checkPrefilter(kind: DocumentKind, text: string, filtered: Finding[], defects: DefectLog): void {
  if (kind !== 'python' && kind !== 'notebook') return;
  const seen = new Set(filtered.map(findingKey));
  for (const finding of placeFindings(lintRaw(kind, text, settings, RULES, false)).findings) {
    if (!seen.has(findingKey(finding))) defects.add(finding.rule, `the prefilter skipped a finding: its triggers do not hold for this text (${finding.message.slice(0, 80)}...)`, kind, text);
  }
}

/**
 * Lints and fixes one input; throws on an engine defect, logs rule defects. Exported for the other
 * reliability tests.
 */
export function engineRoundTrip(kind: DocumentKind, text: string, prefilter: boolean, defects: DefectLog, stats: FuzzStats): void {
  stats.inputs++;
  let started = performance.now();
  const raw = lintRaw(kind, text, settings, RULES, prefilter);
  const result = placeFindings(raw);
  let lintMs = since(started);
  checkLintResult(kind, text, result);
  for (const failure of result.ruleErrors) defects.add(failure.rule, failure.message, kind, text);
  if (result.error !== undefined) stats.errors++;
  stats.findings += result.findings.length;
  if (prefilter) checkPrefilter(kind, text, result.findings, defects);

  started = performance.now();
  const outcome = fixDocument(kind, text, settings, { unsafe: true });
  let fixMs = since(started);
  if (lintMs > ANSWER_BUDGET_MS || fixMs > ANSWER_BUDGET_MS) {
    // Timed once more, keeping the faster run: a garbage-collection pause is not the input's fault.
    started = performance.now();
    lintRaw(kind, text, settings, RULES, prefilter);
    lintMs = Math.min(lintMs, since(started));
    started = performance.now();
    fixDocument(kind, text, settings, { unsafe: true });
    fixMs = Math.min(fixMs, since(started));
  }
  stats.slowestMs = Math.max(stats.slowestMs, lintMs, fixMs);
  stats.maxPasses = Math.max(stats.maxPasses, outcome.passes);
  if (lintMs > ANSWER_BUDGET_MS || fixMs > ANSWER_BUDGET_MS) {
    // Over the budget. Parsing alone (no rule) over half of it is the engine's own defect;
    // otherwise the rules that are slow on this input are named.
    const parseMs = Math.min(timed(() => lintRaw(kind, text, settings, [], false)), timed(() => lintRaw(kind, text, settings, [], false)));
    assert.ok(parseMs < ANSWER_BUDGET_MS / 2, `parsing alone took ${parseMs.toFixed(0)} ms (lint ${lintMs.toFixed(0)} ms, fix-all ${fixMs.toFixed(0)} ms in ${outcome.passes} passes)`);
    let named = false;
    for (const rule of RULES) {
      const ms = timed(() => lintRaw(kind, text, { ...settings, select: [rule.id] }, [rule], false)) - parseMs;
      if (ms > ANSWER_BUDGET_MS / 4) {
        named = true;
        defects.add(rule.id, `slow: over ${ANSWER_BUDGET_MS / 4} ms on one input (lint ${lintMs.toFixed(0)} ms, fix-all ${fixMs.toFixed(0)} ms in ${outcome.passes} passes)`, kind, text);
      }
    }
    if (!named && fixMs > ANSWER_BUDGET_MS) {
      const culprit = raw.findings.find((f) => f.fix)?.rule ?? 'unknown';
      defects.add(culprit, `fix-all over the budget: ${fixMs.toFixed(0)} ms in ${outcome.passes} passes`, kind, text);
      named = true;
    }
    assert.ok(named, `engine too slow (lint ${lintMs.toFixed(0)} ms, fix-all ${fixMs.toFixed(0)} ms) with no slow rule`);
  }
  assert.ok(outcome.passes <= 10);
  if (outcome.passes === 10) {
    // fixDocument's limit: the fixes keep changing the text. Name the rules still fixing.
    const left = lintRaw(kind, outcome.text, settings, RULES).findings.filter((f) => f.fix);
    for (const rule of new Set(left.map((f) => f.rule))) defects.add(rule, 'fix-all does not converge (still fixing after 10 passes)', kind, text);
    if (left.length === 0) assert.fail('fix-all used all 10 passes but nothing is left to fix');
  }
  if (result.error !== undefined) {
    assert.equal(outcome.text, text, 'fix-all changed a document that could not be analysed');
    return;
  }
  if (outcome.text !== text) {
    stats.fixed++;
    if (syntaxErrors(kind, text) === 0 && syntaxErrors(kind, outcome.text) > 0) {
      const culprit = raw.findings.find((f) => f.fix)?.rule ?? 'unknown';
      defects.add(culprit, 'fix-all added a syntax error to a document that parsed', kind, text);
    }
  }
}

export function bases(): Map<DocumentKind, Document[]> {
  const all = [...fixtureDocuments(), ...exampleDocuments(), ...corpusSample(8, 12_000)];
  const byKind = new Map<DocumentKind, Document[]>();
  for (const document of all) byKind.set(document.kind, [...(byKind.get(document.kind) ?? []), document]);
  return byKind;
}

export function fuzz(kind: DocumentKind, documents: Document[], runs: number, sizes: MutationSizes, seed: number, defects: DefectLog): FuzzStats {
  const stats: FuzzStats = { inputs: 0, errors: 0, findings: 0, fixed: 0, slowestMs: 0, maxPasses: 0 };
  assert.ok(documents.length > 0, `no ${kind} documents to start from`);
  fc.assert(
    fc.property(fc.nat(documents.length - 1), variantArbitrary(kind, sizes), fc.boolean(), (index, variant, prefilter) => {
      engineRoundTrip(kind, applyVariant(documents[index].text, variant), prefilter, defects, stats);
    }),
    { seed, numRuns: runs, endOnFailure: false },
  );
  return stats;
}

export function summary(kind: string, stats: FuzzStats, ms: number): string {
  return `${kind}: ${stats.inputs} inputs in ${(ms / 1000).toFixed(1)} s (${stats.errors} unusable, ${stats.findings} findings, ${stats.fixed} changed by fix-all, slowest ${stats.slowestMs.toFixed(0)} ms, at most ${stats.maxPasses} fix passes)`;
}

