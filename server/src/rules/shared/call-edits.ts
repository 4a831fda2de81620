import { addKeywordArgument } from '../../engine/python/edits';
import type { PythonSource } from '../../engine/python/source';
import type { PyNode } from '../../engine/python/tree';
import { indentOf } from '../../engine/text';
import type { OffsetEdit } from '../../engine/types';

const PLACEHOLDER = '\u0000GREENML\u0000';

/**
 * Adds several `keyword=value` arguments to a call as one edit (two insertions at the same place
 * would conflict), following the call's layout like `addKeywordArgument`.
 */
export function addKeywordArguments(source: PythonSource, call: PyNode, argumentTexts: readonly string[]): OffsetEdit | null {
  if (argumentTexts.length === 0) return null;
  const edit = addKeywordArgument(source, call, PLACEHOLDER);
  if (!edit) return null;
  const eol = source.lines.eol;
  const at = edit.newText.indexOf(PLACEHOLDER);
  const before = edit.newText.slice(0, at);
  const lineBreak = before.lastIndexOf(eol);
  const separator = lineBreak >= 0 ? `,${eol}${before.slice(lineBreak + eol.length)}` : ', ';
  return { ...edit, newText: edit.newText.replace(PLACEHOLDER, argumentTexts.join(separator)) };
}

/**
 * Appends an item to a list literal, following its layout: one item per line stays one per line,
 * a trailing comma is kept, an empty list gets the item alone.
 */
export function appendListItem(source: PythonSource, list: PyNode, itemText: string): OffsetEdit | null {
  if (list.type !== 'list') return null;
  const open = list.children[0];
  const close = list.children[list.children.length - 1];
  if (open?.type !== '[' || close?.type !== ']') return null;
  const items = list.children.filter((c) => c.named && c.type !== 'comment');
  if (items.length === 0) return { start: open.end, end: open.end, newText: itemText };
  const last = items[items.length - 1];
  const after = list.children[list.children.indexOf(last) + 1];
  const trailingComma = after?.type === ',';
  const lastLine = source.lines.positionAt(last.start).line;
  const closeLine = source.lines.positionAt(close.start).line;
  const lastStartsItsLine = source.lines.lineText(lastLine).slice(0, source.lines.positionAt(last.start).character).trim() === '';
  if (closeLine > lastLine && lastStartsItsLine) {
    const indent = indentOf(source.lines.lineText(lastLine));
    const eol = source.lines.eol;
    return trailingComma
      ? { start: after.end, end: after.end, newText: `${eol}${indent}${itemText},` }
      : { start: last.end, end: last.end, newText: `,${eol}${indent}${itemText}` };
  }
  return trailingComma ? { start: after.end, end: after.end, newText: ` ${itemText}` } : { start: last.end, end: last.end, newText: `, ${itemText}` };
}
