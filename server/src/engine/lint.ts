import { analyze, type Analysis, type DocumentKind } from './analyze';
import type { PythonContext, Report, Rule } from './rule';
import { RULES } from './registry';
import { effectiveSeverity, type Settings } from './settings';
import { Suppressions } from './suppressions';
import { LineIndex } from './text';
import { prefilterFor, type TextEvidence } from './prefilter';
import type { Finding, Fix, LintResult, OffsetFix, Range, Severity } from './types';

/** A finding before it is placed in the document: offsets into the analysed text. */
export interface RawFinding {
  rule: string;
  severity: Severity;
  message: string;
  start: number;
  end: number;
  fix: OffsetFix | null;
}

export interface RawLintResult {
  analysis: Analysis;
  findings: RawFinding[];
  ruleErrors: { rule: string; message: string }[];
}

/** Rules that are switched on by the settings, with the severity they report at. */
function enabledRules(settings: Settings, rules: readonly Rule[]): { rule: Rule; severity: Severity }[] {
  const enabled: { rule: Rule; severity: Severity }[] = [];
  for (const rule of rules) {
    const severity = effectiveSeverity(settings, rule.id, rule.defaultSeverity);
    if (severity !== 'off') enabled.push({ rule, severity });
  }
  return enabled;
}

/** Parses a document (skipping the parse when no enabled rule could match) and runs the rules. */
export function lintRaw(kind: DocumentKind, text: string, settings: Settings, rules: readonly Rule[] = RULES, prefilter = true): RawLintResult {
  const enabled = enabledRules(settings, rules);
  let evidence: TextEvidence | null = null;
  const analysis = analyze(kind, text, (t) => {
    if (!prefilter) return true;
    evidence = prefilterFor(rules).scan(t);
    const scanned = evidence;
    return enabled.some(({ rule }) => scanned.mayMatch(rule));
  });
  return runRules(analysis, settings, enabled, evidence);
}

/** Runs the rules over a document parsed earlier (the language server keeps analyses per version). */
export function lintAnalysis(analysis: Analysis, settings: Settings, rules: readonly Rule[] = RULES): RawLintResult {
  // Rules whose triggers the text lacks cannot find anything: skip them, as the CLI does.
  const evidence = analysis.kind === 'python' || analysis.kind === 'notebook' ? prefilterFor(rules).scan(analysis.python.text) : null;
  return runRules(analysis, settings, enabledRules(settings, rules), evidence);
}

function runRules(analysis: Analysis, settings: Settings, enabled: { rule: Rule; severity: Severity }[], evidence: TextEvidence | null): RawLintResult {
  const findings: RawFinding[] = [];
  const ruleErrors: { rule: string; message: string }[] = [];
  if (analysis.kind === 'error' || analysis.kind === 'skipped') return { analysis, findings, ruleErrors };
  const lines = analysis.kind === 'config' ? analysis.config.lines : analysis.python.lines;
  const suppressions = new Suppressions(lines);
  if (suppressions.wholeFile) return { analysis, findings, ruleErrors };
  for (const { rule, severity } of enabled) {
    const report = (r: Report) => {
      if (suppressions.isSuppressed(rule.id, lines.positionAt(r.start).line)) return;
      findings.push({ rule: rule.id, severity, message: r.message, start: r.start, end: r.end, fix: r.fix ?? null });
    };
    try {
      if (analysis.kind === 'config') {
        if (rule.checkConfig && rule.sources.includes('config')) rule.checkConfig({ config: analysis.config, settings, report });
      } else if (rule.checkPython && rule.sources.includes('python') && (!evidence || evidence.mayMatch(rule))) {
        const context: PythonContext = { source: analysis.python, settings, report };
        rule.checkPython(context);
      }
    } catch (error) {
      // One broken rule must not hide the others' findings: record it and go on.
      ruleErrors.push({ rule: rule.id, message: error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error) });
    }
  }
  findings.sort((a, b) => a.start - b.start || a.end - b.end || a.rule.localeCompare(b.rule));
  return { analysis, findings, ruleErrors };
}

/** Lints a document and places the findings (notebooks: per cell, positions within the cell). */
export function lintDocument(kind: DocumentKind, text: string, settings: Settings, rules: readonly Rule[] = RULES, prefilter = true): LintResult {
  return placeFindings(lintRaw(kind, text, settings, rules, prefilter));
}

export function placeFindings(raw: RawLintResult): LintResult {
  const { analysis } = raw;
  if (analysis.kind === 'error') return { findings: [], error: analysis.message, ruleErrors: [] };
  if (analysis.kind === 'skipped') return { findings: [], ruleErrors: [] };
  const findings: Finding[] = [];
  if (analysis.kind === 'notebook') {
    const cellLines = new Map<number, LineIndex>();
    const linesOf = (cellIndex: number, source: string) => {
      let index = cellLines.get(cellIndex);
      if (!index) cellLines.set(cellIndex, (index = new LineIndex(source)));
      return index;
    };
    for (const finding of raw.findings) {
      const span = analysis.notebook.spanAt(finding.start);
      if (!span) continue;
      const lines = linesOf(span.cell.index, span.cell.source);
      const toCellRange = (start: number, end: number): Range => ({
        start: lines.positionAt(start - span.start),
        end: lines.positionAt(Math.min(end, span.end) - span.start),
      });
      let fix: Fix | null = null;
      if (finding.fix && finding.fix.edits.every((e) => analysis.notebook.spanAt(e.start) === span && e.end <= span.end)) {
        fix = { title: finding.fix.title, safety: finding.fix.safety, edits: finding.fix.edits.map((e) => ({ range: toCellRange(e.start, e.end), newText: e.newText })) };
      }
      findings.push({ rule: finding.rule, severity: finding.severity, message: finding.message, range: toCellRange(finding.start, finding.end), cell: span.cell.index, fix });
    }
  } else {
    const lines = analysis.kind === 'config' ? analysis.config.lines : analysis.python.lines;
    const toRange = (start: number, end: number): Range => ({ start: lines.positionAt(start), end: lines.positionAt(end) });
    for (const finding of raw.findings) {
      const fix: Fix | null = finding.fix
        ? { title: finding.fix.title, safety: finding.fix.safety, edits: finding.fix.edits.map((e) => ({ range: toRange(e.start, e.end), newText: e.newText })) }
        : null;
      findings.push({ rule: finding.rule, severity: finding.severity, message: finding.message, range: toRange(finding.start, finding.end), fix });
    }
  }
  return { findings, ruleErrors: raw.ruleErrors };
}
