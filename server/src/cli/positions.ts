import type { Range } from '../engine/types';

/** A range in 1-based lines and columns (columns in UTF-16 code units), as JSON and SARIF show it. */
export interface OneBasedRange {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export function oneBased(range: Range): OneBasedRange {
  return { line: range.start.line + 1, column: range.start.character + 1, endLine: range.end.line + 1, endColumn: range.end.character + 1 };
}
