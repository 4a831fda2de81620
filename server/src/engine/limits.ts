import { afterPythonString } from './text';

/**
 * Cheap checks, run on the raw text before any parser sees it, that keep hostile or generated
 * input from hanging or crashing the process that analyses it (the language server above all).
 *
 * Why they exist (found by test/reliability/):
 * - The YAML and JSON parsers recurse once per nesting level. Deep input overflows the call stack;
 *   for YAML, a stack overflow inside the parser can even abort the whole process (V8 dies with
 *   "RegExpCompiler Allocation failed" when it compiles a regular expression with no stack left),
 *   so such input must never reach the parser.
 * - The rules grow faster than linearly with the number of training constructs in a file; no real
 *   training script is tens of thousands of lines long, so very long files are reported instead.
 */

/**
 * Python code longer than this (a file, or a notebook's code cells together) is reported and
 * skipped: parsing alone takes about half a second per megabyte of dense code. The largest file
 * of the test corpus (PyTorch's common_methods_invocations.py) has 875,000 characters.
 */
export const MAX_CODE_CHARS = 1_000_000;

/** Syntax trees with more nodes than this are not copied or analysed (that corpus file has ~200,000). */
export const MAX_SYNTAX_NODES = 250_000;

/** A document within the character limit whose code is still too big to analyse in time. */
export class DocumentTooLargeError extends Error {}

/** More lines than this: reported and skipped (the largest file of the test corpus has ~18,200). */
export const MAX_DOCUMENT_LINES = 20_000;

/**
 * Deeper nesting than this (brackets, and for YAML block indentation too): reported and skipped.
 * CPython itself refuses more than 200 nested parentheses; real configs nest a few levels. The
 * parsers overflow the stack from about 800 levels on, so this leaves a wide margin.
 */
export const MAX_NESTING_DEPTH = 256;

/**
 * Python deeper than this is code CPython itself refuses ("too many nested parentheses"): it
 * cannot run, and tree-sitter's error recovery on it shifts with unrelated edits, so fixes could
 * not be checked either. Reported and skipped.
 */
export const MAX_PYTHON_NESTING = 200;

/** Counts lines, stopping as soon as the count passes `limit`. */
export function lineCountExceeds(text: string, limit: number): number | null {
  // A text shorter than the limit cannot have more lines than it (most files: no scan at all).
  if (text.length < limit) return null;
  let lines = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
    if (++lines > limit) {
      // Count on, only to say how long the file is (still linear, no allocation).
      for (let j = text.indexOf('\n', i + 1); j >= 0; j = text.indexOf('\n', j + 1)) lines++;
      return lines;
    }
  }
  return null;
}

/**
 * Whether bracket nesting goes deeper than `limit` in JSON (with comments, as jsonc allows):
 * brackets inside strings and comments do not count.
 */
export function jsonNestingExceeds(text: string, limit: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i++;
        else if (d === 0x22 || d === 0x0a) break;
      }
    } else if (c === 0x2f /* / */ && text.charCodeAt(i + 1) === 0x2f) {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end;
    } else if (c === 0x2f && text.charCodeAt(i + 1) === 0x2a /* * */) {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > limit) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      if (depth > 0) depth--;
    }
  }
  return false;
}

/**
 * Whether Python bracket nesting goes deeper than `limit`. Strings (with prefixes and triple
 * quotes) and comments are skipped; an unterminated one-line string ends at the line break, as
 * in Python.
 */
export function pythonNestingExceeds(text: string, limit: number): boolean {
  // A native regular-expression scan jumps between the characters that matter (twice as fast as
  // looking at every character, and this runs on every file, parsed or not).
  const scanner = /[#"'()[\]{}]/g;
  let depth = 0;
  for (let match = scanner.exec(text); match; match = scanner.exec(text)) {
    const i = match.index;
    const c = text.charCodeAt(i);
    if (c === 0x23 /* # */) {
      const end = text.indexOf('\n', i);
      if (end < 0) return false;
      scanner.lastIndex = end;
    } else if (c === 0x22 /* " */ || c === 0x27 /* ' */) {
      const next = afterPythonString(text, i);
      if (next > text.length) return false;
      scanner.lastIndex = next;
    } else if (c === 0x28 /* ( */ || c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (depth > 0) depth--;
  }
  return false;
}

/**
 * Whether YAML nesting goes deeper than `limit`: flow brackets plus block levels (one per
 * indentation step in force, one per `- ` or `? ` that opens a line). Quoted scalars and comments
 * are skipped where they can be told apart cheaply; anything unclear counts, so the estimate only
 * errs towards refusing absurd input.
 */
export function yamlNestingExceeds(text: string, limit: number): boolean {
  const indents: number[] = [];
  let flow = 0;
  let lineStart = 0;
  while (lineStart <= text.length) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd < 0) lineEnd = text.length;
    let i = lineStart;
    while (i < lineEnd && (text.charCodeAt(i) === 0x20 || text.charCodeAt(i) === 0x09)) i++;
    const blank = i === lineEnd || text.charCodeAt(i) === 0x23 || text.charCodeAt(i) === 0x0d;
    if (!blank && flow === 0) {
      const indent = i - lineStart;
      while (indents.length > 0 && indents[indents.length - 1] >= indent) indents.pop();
      indents.push(indent);
      let markers = 0;
      while (i + 1 < lineEnd && (text.charCodeAt(i) === 0x2d || text.charCodeAt(i) === 0x3f) && (text.charCodeAt(i + 1) === 0x20 || text.charCodeAt(i + 1) === 0x09)) {
        markers++;
        i += 2;
        while (i < lineEnd && text.charCodeAt(i) === 0x20) i++;
      }
      if (indents.length + markers > limit) return true;
    }
    let previous = 0x20;
    for (; i < lineEnd; i++) {
      const c = text.charCodeAt(i);
      const tokenStart = previous === 0x20 || previous === 0x09 || previous === 0x5b || previous === 0x7b || previous === 0x2c || previous === 0x3a;
      if (c === 0x23 && (previous === 0x20 || previous === 0x09)) break;
      if ((c === 0x22 || c === 0x27) && tokenStart) {
        // A quoted scalar may span lines; skip to its closing quote.
        let j = i + 1;
        for (; j < text.length; j++) {
          const d = text.charCodeAt(j);
          if (c === 0x22 && d === 0x5c) j++;
          else if (d === c) {
            if (c === 0x27 && text.charCodeAt(j + 1) === 0x27) j++;
            else break;
          }
        }
        if (j >= lineEnd) {
          lineEnd = text.indexOf('\n', j);
          if (lineEnd < 0) lineEnd = text.length;
        }
        i = j;
        previous = c;
        continue;
      }
      if (c === 0x5b || c === 0x7b) {
        if (++flow + indents.length > limit) return true;
      } else if ((c === 0x5d || c === 0x7d) && flow > 0) flow--;
      previous = c;
    }
    lineStart = lineEnd + 1;
  }
  return false;
}
