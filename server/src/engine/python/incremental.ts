import { Edit, type Point, type Tree } from 'web-tree-sitter';
import { copyTree, parserInput, pythonParser } from './parser';
import type { PyNode } from './tree';

/** Row and column (UTF-16 code units, as tree-sitter indexes JavaScript strings) of an offset. */
function pointAt(text: string, offset: number): Point {
  let row = 0;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    row++;
    lineStart = i + 1;
  }
  return { row, column: offset - lineStart };
}

/** The single edit that turns `before` into `after`: their common prefix and suffix stay. */
export function editBetween(before: string, after: string): Edit | null {
  if (before === after) return null;
  const shorter = Math.min(before.length, after.length);
  let start = 0;
  while (start < shorter && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let suffix = 0;
  while (suffix < shorter - start && before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)) suffix++;
  const oldEnd = before.length - suffix;
  const newEnd = after.length - suffix;
  return new Edit({
    startIndex: start,
    oldEndIndex: oldEnd,
    newEndIndex: newEnd,
    startPosition: pointAt(before, start),
    oldEndPosition: pointAt(before, oldEnd),
    newEndPosition: pointAt(after, newEnd),
  });
}

/**
 * Parses successive versions of one document, letting tree-sitter reuse the previous tree: the
 * old tree is edited, the new text re-parsed against it, and the old tree freed. Only the latest
 * tree is kept; `dispose()` frees it when the document closes.
 */
export class IncrementalPythonParser {
  private tree: Tree | null = null;
  private text = '';

  parse(source: string): PyNode {
    // Whole-line comments blanked, as for a full parse (see parserInput).
    const text = parserInput(source);
    if (this.tree) {
      const edit = editBetween(this.text, text);
      if (edit) this.tree.edit(edit);
    }
    const next = pythonParser().parse(text, this.tree);
    if (!next) throw new Error('tree-sitter returned no tree');
    this.tree?.delete();
    this.tree = next;
    this.text = text;
    return copyTree(next);
  }

  dispose(): void {
    this.tree?.delete();
    this.tree = null;
    this.text = '';
  }
}
