// Function definitions read from raw Python text, for prefilter triggers (Rule.triggers): no parse.
// A trigger must hold for every text its rule can fire on, so every answer here errs towards more
// text: a function's region may run past its real end, never stop short of it.

import { afterPythonString } from '../../engine/text';
import { GAP } from './triggers';

/** An identifier, Unicode included (a name that ASCII classes would cut in two reads wrong). */
const NAME = String.raw`[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*`;
const NOT_AFTER_NAME_PART = String.raw`(?<![\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}])`;

/** `def name`, the name in group 1 (a line continuation may sit between them, as Python allows). */
const DEFINITION = new RegExp(String.raw`${NOT_AFTER_NAME_PART}def[\s\\]+(${NAME})`, 'gu');

/** What may stand before `def` on its line: indentation, `async`. */
const DEFINITION_PREFIX = /^([ \t\f]*)(?:async[ \t\f\\]+)?$/;

export interface FunctionText {
  name: string;
  /** Where `def` starts. */
  start: number;
  /** Just after the name: the parameters start here. */
  nameEnd: number;
  /** Just after the header's closing `:` (the end of the text when none was found). */
  headerEnd: number;
  /** Where the function's block ends at the latest (the start of the first line that closes it). */
  end: number;
}

/**
 * Where the header and block of the `def` at `start` end, scanning strings, brackets, comments and
 * line continuations. The block ends at the first line outside brackets and strings that has code
 * and an indentation no deeper than the def's (its indentation a prefix of the def's: lines with
 * mixed tabs and spaces are read as deeper, so the region only grows).
 */
function extentOf(text: string, start: number, indent: string): { headerEnd: number; end: number } {
  let depth = 0;
  let headerEnd = -1;
  let i = start;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x22 || c === 0x27) {
      // A string, to its closing quote (a one-quote string also stops at the line's end).
      i = afterPythonString(text, i);
      continue;
    }
    if (c === 0x23 /* # */) {
      const lineEnd = text.indexOf('\n', i);
      i = lineEnd < 0 ? text.length : lineEnd;
      continue;
    }
    if (c === 0x5c /* \ */) {
      // A line continuation (or a stray backslash): the next character never starts a line.
      i += text.charCodeAt(i + 1) === 0x0d && text.charCodeAt(i + 2) === 0x0a ? 3 : 2;
      continue;
    }
    if (c === 0x28 || c === 0x5b || c === 0x7b) depth++;
    else if ((c === 0x29 || c === 0x5d || c === 0x7d) && depth > 0) depth--;
    else if (c === 0x3a /* : */ && depth === 0 && headerEnd < 0) headerEnd = i + 1;
    else if (c === 0x0a && depth === 0 && headerEnd >= 0) {
      const lineStart = i + 1;
      let k = lineStart;
      while (k < text.length && (text.charCodeAt(k) === 0x20 || text.charCodeAt(k) === 0x09 || text.charCodeAt(k) === 0x0c)) k++;
      const next = text.charCodeAt(k);
      const blank = k >= text.length || next === 0x0a || next === 0x0d || next === 0x23;
      const ws = text.slice(lineStart, k);
      if (!blank && ws.length <= indent.length && indent.startsWith(ws)) return { headerEnd, end: lineStart };
      i = k;
      continue;
    }
    i++;
  }
  return { headerEnd: headerEnd < 0 ? text.length : headerEnd, end: text.length };
}

/**
 * The functions of a text whose names `wanted` accepts, each with its header and block. Null when
 * reading them would take more than a few passes over the text (deeply nested definitions): the
 * caller then has to assume anything.
 */
export function functionsNamed(text: string, wanted: (name: string) => boolean): FunctionText[] | null {
  const found: FunctionText[] = [];
  let scanned = 0;
  DEFINITION.lastIndex = 0;
  for (let match = DEFINITION.exec(text); match; match = DEFINITION.exec(text)) {
    const name = match[1];
    if (!wanted(name)) continue;
    const start = match.index;
    const nameEnd = start + match[0].length;
    const lineStart = text.lastIndexOf('\n', start - 1) + 1;
    const prefix = DEFINITION_PREFIX.exec(text.slice(lineStart, start));
    // `def` after other code on its line or on a continued line: its indentation is not known, so
    // the rest of the text is taken.
    const continued = /\\\r?$/.test(text.slice(Math.max(0, lineStart - 3), Math.max(0, lineStart - 1)));
    if (!prefix || continued) {
      found.push({ name, start, nameEnd, headerEnd: text.length, end: text.length });
      continue;
    }
    const { headerEnd, end } = extentOf(text, start, prefix[1]);
    scanned += end - start;
    if (scanned > 4 * text.length + 100_000) return null;
    found.push({ name, start, nameEnd, headerEnd, end });
  }
  return found;
}

// Only the name is consumed: a call inside the arguments (`f(g(x))`) is the next match, and `y` in
// `if x: y = 1` is found after `x: y =` was read as an annotated assignment to `x`.
const CALLED_NAME = new RegExp(String.raw`${NOT_AFTER_NAME_PART}(?<!\.)(${NAME})(?=${GAP}\()`, 'gu');
const ASSIGNED_NAME = new RegExp(String.raw`${NOT_AFTER_NAME_PART}(?<!\.)(${NAME})(?=${GAP}(?::[^=\n]*)?=(?!=))`, 'gu');

/** Names called as `name(` in a text (not `x.name(`), any spacing or continuation before the bracket. */
export function calledNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const match of text.matchAll(CALLED_NAME)) names.add(match[1]);
  return names;
}

/**
 * The names a text assigns to as plain targets: `name = ...`, `name: Type = ...` (and, more than
 * needed, keyword arguments `f(name=...)`, walrus targets). Not `name == x`, not `obj.name = ...`.
 * One pass over the text (a pattern per name took 40 ms on a 48 KB file calling 70 names).
 */
export function assignedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const match of text.matchAll(ASSIGNED_NAME)) names.add(match[1]);
  return names;
}

/** The identifiers of a text (a function's parameters, say), as whole words. */
export function wordsOf(text: string): Set<string> {
  return new Set(text.match(WORD) ?? []);
}

const WORD = new RegExp(NAME, 'gu');
