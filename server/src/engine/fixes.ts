import type { DocumentKind } from './analyze';
import { lintRaw, type RawFinding } from './lint';
import { writeCellSources, type CodeCell, type NotebookProgram } from './notebook';
import type { Rule } from './rule';
import { RULES } from './registry';
import type { Settings } from './settings';
import type { OffsetEdit, OffsetFix } from './types';

/** Two edits conflict when their ranges overlap or both insert at the same place. */
function conflicts(a: OffsetEdit, b: OffsetEdit): boolean {
  const aInserts = a.start === a.end;
  const bInserts = b.start === b.end;
  if (aInserts && bInserts) return a.start === b.start;
  if (aInserts) return a.start > b.start && a.start < b.end;
  if (bInserts) return b.start > a.start && b.start < a.end;
  return a.start < b.end && b.start < a.end;
}

/**
 * Picks fixes whose edits conflict with no fix picked before, in document order. The rest wait
 * for the next pass, when they are recomputed against the new text.
 */
export function compatibleFixes(fixes: OffsetFix[]): OffsetFix[] {
  const chosen: OffsetFix[] = [];
  const taken: OffsetEdit[] = [];
  for (const fix of fixes) {
    const ownConflict = fix.edits.some((e, i) => fix.edits.some((f, j) => i < j && conflicts(e, f)));
    if (ownConflict || fix.edits.some((e) => taken.some((t) => conflicts(e, t)))) continue;
    chosen.push(fix);
    taken.push(...fix.edits);
  }
  return chosen;
}

/** Applies non-conflicting edits to a text. */
export function applyOffsetEdits(text: string, edits: readonly OffsetEdit[]): string {
  const sorted = [...edits].sort((a, b) => b.start - a.start || b.end - a.end);
  let result = text;
  for (const edit of sorted) result = result.slice(0, edit.start) + edit.newText + result.slice(edit.end);
  return result;
}

export interface FixOutcome {
  text: string;
  /** How many fixes were applied over all passes. */
  applied: number;
  passes: number;
}

/**
 * Fixes that the options allow. In a notebook a fix must stay within the finding's cell (that is
 * all a finding can show, so fix-all applies no more than the findings offer).
 */
function wanted(findings: RawFinding[], unsafe: boolean, notebook: NotebookProgram | null): OffsetFix[] {
  return findings.flatMap((f) => {
    if (!f.fix || !(unsafe || f.fix.safety === 'safe')) return [];
    if (notebook) {
      const span = notebook.spanAt(f.start);
      if (!span || !f.fix.edits.every((e) => notebook.spanAt(e.start) === span && e.end <= span.end)) return [];
    }
    return [f.fix];
  });
}

/**
 * Applies fixes until none is left to apply (at most `maxPasses` rounds): safe ones only, or all
 * with `unsafe`. Notebook fixes change only the cells' `source` fields.
 */
export function fixDocument(
  kind: DocumentKind,
  text: string,
  settings: Settings,
  options: { unsafe: boolean; rules?: readonly Rule[]; maxPasses?: number },
): FixOutcome {
  const maxPasses = options.maxPasses ?? 10;
  let current = text;
  let applied = 0;
  let passes = 0;
  while (passes < maxPasses) {
    const raw = lintRaw(kind, current, settings, options.rules ?? RULES);
    const fixes = compatibleFixes(wanted(raw.findings, options.unsafe, raw.analysis.kind === 'notebook' ? raw.analysis.notebook : null));
    if (fixes.length === 0) break;
    passes++;
    const edits = fixes.flatMap((f) => f.edits);
    if (raw.analysis.kind === 'notebook') {
      const notebook = raw.analysis.notebook;
      const perCell = new Map<CodeCell, OffsetEdit[]>();
      for (const edit of edits) {
        const span = notebook.spanAt(edit.start);
        if (!span || edit.end > span.end) continue;
        const list = perCell.get(span.cell) ?? [];
        list.push({ start: edit.start - span.start, end: edit.end - span.start, newText: edit.newText });
        perCell.set(span.cell, list);
      }
      const sources = new Map<CodeCell, string>();
      for (const [cell, cellEdits] of perCell) sources.set(cell, applyOffsetEdits(cell.source, cellEdits));
      current = writeCellSources(current, sources);
    } else {
      current = applyOffsetEdits(current, edits);
    }
    applied += fixes.length;
  }
  return { text: current, applied, passes };
}
