/** Shared value types of the engine. Nothing here knows about editors or the CLI. */

export type Severity = 'error' | 'warning' | 'info' | 'hint';
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info', 'hint'];

export type FixSafety = 'safe' | 'unsafe';

/** A 0-based line and a 0-based column counted in UTF-16 code units (the LSP convention). */
export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** A replacement of the text between two offsets of the analysed text. */
export interface OffsetEdit {
  start: number;
  end: number;
  newText: string;
}

/** A fix as a rule produces it: offsets into the text the rule analysed. */
export interface OffsetFix {
  title: string;
  safety: FixSafety;
  edits: OffsetEdit[];
}

/** A fix edit mapped to a range of the document (for notebooks: of one cell). */
export interface RangeEdit {
  range: Range;
  newText: string;
}

export interface Fix {
  title: string;
  safety: FixSafety;
  edits: RangeEdit[];
}

/** One finding, positioned in the document (for notebooks: in the cell named by `cell`). */
export interface Finding {
  rule: string;
  severity: Severity;
  message: string;
  range: Range;
  /** 0-based index into the notebook's `cells` array; absent for other documents. */
  cell?: number;
  fix: Fix | null;
}

/** What a lint run returns: findings, plus a message when the document could not be read at all. */
export interface LintResult {
  findings: Finding[];
  /** Set when the document is unusable (broken notebook JSON, invalid YAML, binary data...). */
  error?: string;
  /** Rules that threw on this document: their findings are missing, the rest are reported. */
  ruleErrors: { rule: string; message: string }[];
}
