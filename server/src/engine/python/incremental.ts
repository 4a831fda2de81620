import { Edit, type Point, type Tree } from 'web-tree-sitter';
import { copyTree, parserInput, pythonParser } from './parser';
import { SubtreeReuse } from './subtree-reuse';
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
  /** The last copy's statements, reused where the re-parse kept their subtrees (see subtree-reuse.ts). */
  private readonly reuse = new SubtreeReuse();

  parse(source: string): PyNode {
    // Whole-line comments blanked, as for a full parse (see parserInput).
    const text = parserInput(source);
    const previous = this.tree;
    const edit = previous ? editBetween(this.text, text) : null;
    if (previous && edit) previous.edit(edit);
    const next = pythonParser().parse(text, previous);
    if (!next) throw new Error('tree-sitter returned no tree');
    this.tree = next;
    this.text = text;
    try {
      // Without a previous tree nothing is reused; an unchanged text reuses everything.
      const plan = previous ? { start: edit?.startIndex ?? text.length + 1, oldEnd: edit?.oldEndIndex ?? text.length + 1, newEnd: edit?.newEndIndex ?? text.length + 1, changed: previous.getChangedRanges(next), hasError: next.rootNode.hasError } : null;
      this.reuse.begin(plan);
      return copyTree(next, { reuse: this.reuse });
    } catch (error) {
      this.reuse.clear();
      throw error;
    } finally {
      previous?.delete();
    }
  }

  /** The live tree-sitter tree of the last parse (tests compare its plain copy with the reusing one). */
  get currentTree(): Tree | null {
    return this.tree;
  }

  /** Statements the last parse took over from the previous copy instead of copying them again. */
  get reusedStatements(): number {
    return this.reuse.reusedStatements;
  }

  dispose(): void {
    this.tree?.delete();
    this.tree = null;
    this.text = '';
    this.reuse.clear();
  }
}
