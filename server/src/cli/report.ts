import type { Finding, Severity } from '../engine/types';

/** What `greenml check` found, in the order it is shown (files sorted by path). */
export interface CheckReport {
  files: FileFindings[];
  errors: FileError[];
  /** Set when fixes were asked for. */
  fixes: { applied: number; files: number } | null;
}

export interface FileFindings {
  /** The path as reached from the command-line argument. */
  path: string;
  findings: Finding[];
}

export interface FileError {
  path: string;
  message: string;
}

/** Findings at these severities make the exit code 1. */
export function failsCheck(severity: Severity): boolean {
  return severity === 'error' || severity === 'warning';
}

export function countFindings(report: CheckReport): number {
  return report.files.reduce((n, f) => n + f.findings.length, 0);
}
