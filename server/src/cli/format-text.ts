import type { Finding, Severity } from '../engine/types';
import { countFindings, type CheckReport } from './report';

const ANSI = {
  bold: '\u001b[1m',
  dim: '\u001b[2m',
  red: '\u001b[31m',
  yellow: '\u001b[33m',
  blue: '\u001b[34m',
  cyan: '\u001b[36m',
  green: '\u001b[32m',
  reset: '\u001b[0m',
};

type Paint = (style: keyof typeof ANSI, text: string) => string;

const SEVERITY_STYLE: Record<Severity, keyof typeof ANSI> = { error: 'red', warning: 'yellow', info: 'blue', hint: 'dim' };

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** `path:line:col:`, or `path:cell N:line:col:` for a notebook (N counts every cell from 1). */
function location(path: string, finding: Finding, paint: Paint): string {
  const { line, character } = finding.range.start;
  const cell = finding.cell !== undefined ? `cell ${finding.cell + 1}:` : '';
  return `${paint('bold', path)}:${cell}${line + 1}:${character + 1}:`;
}

/** Text output, like ruff: one line per finding, errors, then a summary line. */
export function formatText(report: CheckReport, options: { color: boolean }): string {
  const paint: Paint = options.color ? (style, text) => `${ANSI[style]}${text}${ANSI.reset}` : (_style, text) => text;
  const lines: string[] = [];
  let safe = 0;
  let unsafe = 0;
  for (const file of report.files) {
    for (const finding of file.findings) {
      const marker = finding.fix?.safety === 'safe' ? ` ${paint('cyan', '[*]')}` : '';
      if (finding.fix?.safety === 'safe') safe++;
      else if (finding.fix?.safety === 'unsafe') unsafe++;
      lines.push(`${location(file.path, finding, paint)} ${paint(SEVERITY_STYLE[finding.severity], finding.rule)}${marker} ${finding.message}`);
    }
  }
  for (const error of report.errors) lines.push(`${paint('bold', error.path)}: ${paint('red', 'error')}: ${error.message}`);

  if (report.fixes && report.fixes.applied > 0) {
    lines.push(`Fixed ${plural(report.fixes.applied, 'problem')} in ${plural(report.fixes.files, 'file')}.`);
  }
  const total = countFindings(report);
  if (total > 0) {
    const hints: string[] = [];
    if (safe > 0) hints.push(`${safe} fixable with --fix`);
    if (unsafe > 0) hints.push(safe > 0 ? `${unsafe} more with --unsafe-fixes` : `${unsafe} fixable with --unsafe-fixes`);
    lines.push(paint('bold', `Found ${plural(total, 'problem')}${hints.length > 0 ? ` (${hints.join(', ')})` : ''}.`));
  } else if (report.errors.length === 0) {
    lines.push(paint('green', 'All checks passed!'));
  }
  if (report.errors.length > 0) lines.push(paint('bold', `${plural(report.errors.length, 'file')} could not be checked.`));
  return `${lines.join('\n')}\n`;
}
