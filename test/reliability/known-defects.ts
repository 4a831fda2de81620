/**
 * Defects the reliability tests found in rule files (server/src/rules/), which belong to the rule
 * owners. Each has a reproducer under test/fixtures/reliability/. The fuzz tests report these
 * instead of failing; known-defects.test.ts tells when one no longer reproduces (then delete it
 * here). Defects in the engine, CLI or language server are fixed, never listed.
 */
export interface KnownDefect {
  id: string;
  rule: string;
  /** Matches the rule's error message (or the invariant's message) for this defect. */
  pattern: RegExp;
  /** File under test/fixtures/reliability/ that shows it. */
  reproducer: string;
  description: string;
}

export const KNOWN_DEFECTS: readonly KnownDefect[] = [];
