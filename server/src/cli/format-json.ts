import type { Finding } from '../engine/types';
import { oneBased } from './positions';
import type { CheckReport } from './report';
import { VERSION } from './version';

/*
 * The JSON output is a contract (scripts and CI read it); keep keys, their order and meaning stable:
 * {"version", "findings": [{"file", "rule", "severity", "message", "line", "column", "endLine",
 * "endColumn", "cell"?, "fix": null | {"title", "safety", "edits": [{"line", "column", "endLine",
 * "endColumn", "newText"}]}}], "errors": [{"file", "message"}]}
 * Lines and columns are 1-based; notebook findings and edits are positioned within cell `cell`
 * (0-based index into the notebook's `cells` array), which is present for notebooks only.
 */

function findingJson(file: string, finding: Finding): Record<string, unknown> {
  const { line, column, endLine, endColumn } = oneBased(finding.range);
  const out: Record<string, unknown> = { file, rule: finding.rule, severity: finding.severity, message: finding.message, line, column, endLine, endColumn };
  if (finding.cell !== undefined) out.cell = finding.cell;
  out.fix = finding.fix
    ? {
        title: finding.fix.title,
        safety: finding.fix.safety,
        edits: finding.fix.edits.map((edit) => ({ ...oneBased(edit.range), newText: edit.newText })),
      }
    : null;
  return out;
}

export function formatJson(report: CheckReport): string {
  const output = {
    version: VERSION,
    findings: report.files.flatMap((file) => file.findings.map((finding) => findingJson(file.path, finding))),
    errors: report.errors.map((error) => ({ file: error.path, message: error.message })),
  };
  return `${JSON.stringify(output, null, 2)}\n`;
}
