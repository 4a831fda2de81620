import { indentOf } from '../text';
import type { OffsetEdit } from '../types';
import type { PythonSource } from './source';
import { field, type PyNode } from './tree';

/** Replaces a node's text. */
export function replaceNode(node: PyNode, newText: string): OffsetEdit {
  return { start: node.start, end: node.end, newText };
}

/**
 * Appends items to a bracketed sequence (call arguments, a list literal), following its layout:
 * one item per line stays one per line (with the same indentation, a comment after the last item
 * staying on its line), a one-line sequence stays on one line, and a trailing comma is kept. All
 * items go in one edit: two insertions at the same place would conflict.
 */
function appendItems(source: PythonSource, sequence: PyNode, open: string, close: string, itemTexts: readonly string[]): OffsetEdit | null {
  if (itemTexts.length === 0) return null;
  const first = sequence.children[0];
  const end = sequence.children[sequence.children.length - 1];
  if (first?.type !== open || end?.type !== close) return null;
  const items = sequence.children.filter((c) => c.named && c.type !== 'comment');
  if (items.length === 0) return { start: first.end, end: first.end, newText: itemTexts.join(', ') };
  const last = items[items.length - 1];
  const after = sequence.children[sequence.children.indexOf(last) + 1];
  const trailingComma = after?.type === ',';
  const lastLine = source.lines.positionAt(last.start).line;
  const closeLine = source.lines.positionAt(end.start).line;
  const lastStartsItsLine = source.lines.lineText(lastLine).slice(0, source.lines.positionAt(last.start).character).trim() === '';
  if (closeLine > lastLine && lastStartsItsLine) {
    const indent = indentOf(source.lines.lineText(lastLine));
    const eol = source.lines.eol;
    const text = itemTexts.join(`,${eol}${indent}`);
    // A comment after the last item stays on its line: the new items go below it.
    const from = trailingComma ? after.end : last.end;
    const lineEnd = source.lines.lineEnd(source.lines.positionAt(from).line);
    const rest = source.text.slice(from, lineEnd);
    if (/^\s*#/.test(rest)) {
      return trailingComma
        ? { start: lineEnd, end: lineEnd, newText: `${eol}${indent}${text},` }
        : { start: last.end, end: lineEnd, newText: `,${rest}${eol}${indent}${text}` };
    }
    return trailingComma
      ? { start: after.end, end: after.end, newText: `${eol}${indent}${text},` }
      : { start: last.end, end: last.end, newText: `,${eol}${indent}${text}` };
  }
  const text = itemTexts.join(', ');
  return trailingComma ? { start: after.end, end: after.end, newText: ` ${text}` } : { start: last.end, end: last.end, newText: `, ${text}` };
}

/**
 * Adds `keyword=value` arguments to a call, in its layout (see appendItems). Returns null for calls
 * whose arguments are not a plain list (`f(x for x in y)`).
 */
export function addKeywordArguments(source: PythonSource, call: PyNode, argumentTexts: readonly string[]): OffsetEdit | null {
  const args = field(call, 'arguments');
  return args?.type === 'argument_list' ? appendItems(source, args, '(', ')', argumentTexts) : null;
}

export function addKeywordArgument(source: PythonSource, call: PyNode, argumentText: string): OffsetEdit | null {
  return addKeywordArguments(source, call, [argumentText]);
}

/** Appends an item to a list literal, in its layout (see appendItems). */
export function appendListItem(source: PythonSource, list: PyNode, itemText: string): OffsetEdit | null {
  return list.type === 'list' ? appendItems(source, list, '[', ']', [itemText]) : null;
}

/** The statement node that contains a node (the child of a block or of the module). */
export function enclosingStatement(node: PyNode): PyNode {
  let current = node;
  while (current.parent && current.parent.type !== 'block' && current.parent.type !== 'module') current = current.parent;
  return current;
}

/** Inserts whole lines above the statement holding `node`, indented like it. */
export function insertLinesBefore(source: PythonSource, node: PyNode, lines: string[]): OffsetEdit {
  const statement = enclosingStatement(node);
  const line = source.lines.positionAt(statement.start).line;
  const indent = indentOf(source.lines.lineText(line));
  const eol = source.lines.eol;
  const start = source.lines.lineStart(line);
  return { start, end: start, newText: lines.map((l) => `${indent}${l}${eol}`).join('') };
}

/** Inserts whole lines below the statement holding `node`, indented like it. */
export function insertLinesAfter(source: PythonSource, node: PyNode, lines: string[]): OffsetEdit {
  const statement = enclosingStatement(node);
  const firstLine = source.lines.positionAt(statement.start).line;
  const lastLine = source.lines.positionAt(statement.end).line;
  const indent = indentOf(source.lines.lineText(firstLine));
  const eol = source.lines.eol;
  const end = source.lines.lineEnd(lastLine);
  return { start: end, end, newText: lines.map((l) => `${eol}${indent}${l}`).join('') };
}

/** Whether the module already has exactly this top-level import line (ignoring spacing). */
export function hasImportLine(source: PythonSource, importLine: string): boolean {
  const wanted = importLine.replace(/\s+/g, ' ').trim();
  for (const kind of ['import_statement', 'import_from_statement']) {
    for (const node of source.nodes(kind)) {
      if (source.textOf(node).replace(/\s+/g, ' ').trim() === wanted) return true;
    }
  }
  return false;
}

/**
 * Adds an import line after the module's last top-level import (or after the docstring and
 * `from __future__` lines when there is none). In a notebook, pass `near` (the code that needs the
 * import): the line then goes after the imports at the top of that node's cell, because a fix
 * must stay within one cell. Returns null when the line is already there.
 */
export function ensureImport(source: PythonSource, importLine: string, near?: PyNode): OffsetEdit | null {
  if (hasImportLine(source, importLine)) return null;
  const eol = source.lines.eol;
  const cell = near ? source.segmentAt(near.start) : null;
  const topLevel = source.root.children.filter((s) => !cell || (s.start >= cell.start && s.end <= cell.end));
  let anchor: PyNode | null = null;
  for (const statement of topLevel) {
    if (statement.type === 'import_statement' || statement.type === 'import_from_statement' || statement.type === 'future_import_statement') {
      anchor = statement;
    } else if (cell && statement.type !== 'comment') break;
  }
  if (!anchor && !cell) {
    const first = topLevel.find((s) => s.type !== 'comment');
    const isDocstring = first?.type === 'expression_statement' && first.children[0]?.type === 'string';
    if (isDocstring) anchor = first!;
  }
  if (anchor) {
    const end = source.lines.lineEnd(source.lines.positionAt(anchor.end).line);
    return { start: end, end, newText: `${eol}${importLine}` };
  }
  // No import and no docstring: put it on the first line that is not a comment (shebang, coding,
  // licence) — of the file, or of the cell.
  let line = source.lines.positionAt(cell ? cell.start : 0).line;
  const lastLine = cell ? source.lines.positionAt(cell.end).line : source.lines.lineCount - 1;
  while (line < lastLine && /^\s*(#.*)?$/.test(source.lines.lineText(line))) line++;
  const start = source.lines.lineStart(line);
  return { start, end: start, newText: `${importLine}${eol}` };
}
