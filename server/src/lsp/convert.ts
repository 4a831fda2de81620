import { DiagnosticSeverity, type Diagnostic, type TextEdit } from 'vscode-languageserver/node';
import { ruleDocsUrl } from '../engine/rule-docs';
import type { Finding, Fix, Severity } from '../engine/types';


const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

/** What a diagnostic carries so that code actions need no server-side state. */
export interface DiagnosticData {
  rule: string;
  fix: Fix | null;
}

export function toDiagnostic(finding: Finding): Diagnostic {
  const data: DiagnosticData = { rule: finding.rule, fix: finding.fix };
  return {
    range: finding.range,
    severity: SEVERITY[finding.severity],
    source: 'greenml',
    code: finding.rule,
    codeDescription: { href: ruleDocsUrl(finding.rule) },
    message: finding.message,
    data,
  };
}

export function toTextEdits(fix: Fix): TextEdit[] {
  return fix.edits.map((edit) => ({ range: edit.range, newText: edit.newText }));
}

/** Some clients (Neovim 0.7) drop `null` members when they hand data back: a missing fix is no fix. */
export function isDiagnosticData(value: unknown): value is DiagnosticData {
  return typeof value === 'object' && value !== null && typeof (value as DiagnosticData).rule === 'string';
}
