import type { Position } from './types';

/**
 * Maps offsets of a string to 0-based line/character positions and back. Characters are UTF-16
 * code units, as in JavaScript strings and LSP, so no re-encoding is needed.
 */
export class LineIndex {
  private readonly lineStarts: number[];

  constructor(readonly text: string) {
    const starts = [0];
    if (text.indexOf('\r') < 0) {
      // Only \n line breaks (nearly every file): indexOf jumps from one to the next natively.
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    } else {
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c === 10) starts.push(i + 1);
        else if (c === 13) {
          if (text.charCodeAt(i + 1) === 10) i++;
          starts.push(i + 1);
        }
      }
    }
    this.lineStarts = starts;
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  positionAt(offset: number): Position {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= clamped) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: clamped - this.lineStarts[lo] };
  }

  offsetAt(position: Position): number {
    if (position.line >= this.lineStarts.length) return this.text.length;
    const start = this.lineStarts[Math.max(0, position.line)];
    const end = this.lineEnd(position.line);
    return Math.min(start + Math.max(0, position.character), end);
  }

  lineStart(line: number): number {
    return this.lineStarts[Math.max(0, Math.min(line, this.lineStarts.length - 1))];
  }

  /** Offset of the end of a line, before its line break. */
  lineEnd(line: number): number {
    if (line + 1 < this.lineStarts.length) {
      let end = this.lineStarts[line + 1] - 1;
      if (end > 0 && this.text.charCodeAt(end) === 10 && this.text.charCodeAt(end - 1) === 13) end--;
      return end;
    }
    return this.text.length;
  }

  lineText(line: number): string {
    return this.text.slice(this.lineStart(line), this.lineEnd(line));
  }

  /** The line break the text uses most, for edits that add lines. */
  get eol(): string {
    return /\r\n/.test(this.text.slice(0, 10_000)) ? '\r\n' : '\n';
  }
}

/** Leading whitespace of a line. */
/** A literal text as a regular-expression source. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function indentOf(line: string): string {
  const match = /^[ \t]*/.exec(line);
  return match ? match[0] : '';
}

/**
 * Just past a Python string literal whose opening quote is at `start`: after its closing quote(s),
 * or after the line break that ends an unclosed one-quote string. Beyond `text.length` when the
 * literal is still open at the end of the text. A backslash skips the character after it; string
 * prefixes (f, r, b) do not change where a literal ends.
 */
export function afterPythonString(text: string, start: number): number {
  const quote = text.charCodeAt(start);
  const triple = text.charCodeAt(start + 1) === quote && text.charCodeAt(start + 2) === quote;
  let j = triple ? start + 3 : start + 1;
  for (; j < text.length; j++) {
    const d = text.charCodeAt(j);
    if (d === 0x5c) j++;
    else if (triple ? d === quote && text.charCodeAt(j + 1) === quote && text.charCodeAt(j + 2) === quote : d === quote || d === 0x0a) break;
  }
  return triple ? j + 3 : j + 1;
}
