import { applyEdits, modify, parse as parseJsonc, type ParseError } from 'jsonc-parser';
import { LineIndex } from './text';

/** A notebook's code cell, as read from the file. */
export interface CodeCell {
  /** 0-based index in the notebook's `cells` array (markdown cells count too). */
  index: number;
  source: string;
  /** Whether `source` was stored as a list of lines (nbformat's usual form) or one string. */
  sourceIsList: boolean;
}

/** Where a code cell's text sits inside the joined program. */
export interface CellSpan {
  cell: CodeCell;
  start: number;
  end: number;
}

export class NotebookError extends Error {}

/**
 * Reads an nbformat 4 notebook. Throws NotebookError with a message a user can act on when the
 * JSON is broken or the structure is not a notebook.
 */
export function readNotebook(text: string): CodeCell[] {
  const errors: ParseError[] = [];
  const data = parseJsonc(text, errors, { allowTrailingComma: false, disallowComments: true });
  if (errors.length > 0) {
    const { line, character } = new LineIndex(text).positionAt(errors[0].offset);
    throw new NotebookError(`broken notebook: not valid JSON at line ${line + 1}, column ${character + 1}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new NotebookError('broken notebook: the top level is not a JSON object');
  const cells = (data as Record<string, unknown>).cells;
  if (!Array.isArray(cells)) throw new NotebookError('broken notebook: "cells" is missing or not an array (nbformat 4 expected)');
  const codeCells: CodeCell[] = [];
  cells.forEach((cell, index) => {
    if (typeof cell !== 'object' || cell === null) throw new NotebookError(`broken notebook: cell ${index} is not an object`);
    const { cell_type: cellType, source } = cell as Record<string, unknown>;
    if (cellType !== 'code') return;
    if (typeof source === 'string') codeCells.push({ index, source, sourceIsList: false });
    else if (Array.isArray(source) && source.every((s) => typeof s === 'string')) codeCells.push({ index, source: source.join(''), sourceIsList: true });
    else throw new NotebookError(`broken notebook: cell ${index} has no source text`);
  });
  return codeCells;
}

/** Cell magics whose body is not Python at all. */
const FOREIGN_CELL_MAGIC = /^\s*%%(bash|sh|html|javascript|js|latex|markdown|svg|script|perl|ruby|writefile|file|system|sx)\b/;
/** IPython line magics, shell escapes, help queries, and `x = !cmd` / `x = %magic` assignments. */
const IPYTHON_LINE = /^\s*([%!]|[A-Za-z_][\w, ]*=\s*[%!])|^\s*[\w.]+\?{1,2}\s*$|^\s*\?/;

/**
 * Replaces IPython-only lines by spaces of the same length, so the cell parses as Python while
 * every offset and column stays where it was in the cell.
 */
export function blankIPythonSyntax(source: string): string {
  if (FOREIGN_CELL_MAGIC.test(source)) return source.replace(/[^\r\n]/g, ' ');
  return source
    .split('\n')
    .map((line) => (IPYTHON_LINE.test(line) ? ' '.repeat(line.length) : line))
    .join('\n');
}

/** A notebook's code cells joined into one program, so that names flow from cell to cell. */
export class NotebookProgram {
  readonly text: string;
  readonly spans: CellSpan[];

  constructor(readonly cells: CodeCell[]) {
    const spans: CellSpan[] = [];
    let text = '';
    for (const cell of cells) {
      if (text.length > 0) text += '\n';
      const start = text.length;
      text += blankIPythonSyntax(cell.source);
      spans.push({ cell, start, end: text.length });
    }
    this.text = text;
    this.spans = spans;
  }

  /** The cell holding a program offset (an offset at a cell's very end belongs to that cell). */
  spanAt(offset: number): CellSpan | null {
    for (const span of this.spans) if (offset >= span.start && offset <= span.end) return span;
    return null;
  }
}

/**
 * Writes new sources for some cells into the notebook text, touching nothing else of the file
 * (metadata, outputs and formatting stay byte for byte).
 */
export function writeCellSources(notebookText: string, changes: Map<CodeCell, string>): string {
  let text = notebookText;
  const indent = /\n( +|\t)"/.exec(notebookText)?.[1] ?? ' ';
  for (const [cell, source] of changes) {
    const value = cell.sourceIsList ? splitLinesKeepEnds(source) : source;
    const edits = modify(text, ['cells', cell.index, 'source'], value, {
      formattingOptions: { insertSpaces: indent !== '\t', tabSize: indent === '\t' ? 1 : indent.length, eol: '\n' },
    });
    text = applyEdits(text, edits);
  }
  return text;
}

function splitLinesKeepEnds(text: string): string[] {
  const lines = text.match(/[^\n]*\n|[^\n]+$/g);
  return lines ?? [];
}
