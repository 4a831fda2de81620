import { extname } from 'node:path';
import { ConfigParseError, parseJsonConfig, parseYamlConfig, type ConfigSource } from './config/source';
import { DocumentTooLargeError, jsonNestingExceeds, lineCountExceeds, MAX_CODE_CHARS, MAX_DOCUMENT_LINES, MAX_NESTING_DEPTH, MAX_PYTHON_NESTING, pythonNestingExceeds, yamlNestingExceeds } from './limits';
import { NotebookError, NotebookProgram, readNotebook, type CodeCell } from './notebook';
import { parsePython } from './python/parser';
import { PythonSource } from './python/source';
import type { PyNode } from './python/tree';

const tooDeep = (limit: number) => `nested more than ${limit} levels deep, not analysed`;
const tooMuchCode = (chars: number) => `too much code to analyse (${chars} characters of Python; the limit is ${MAX_CODE_CHARS})`;

export type DocumentKind = 'python' | 'notebook' | 'yaml' | 'json';

/** Larger documents are reported and skipped: no training script is this big. */
export const MAX_DOCUMENT_CHARS = 8 * 1024 * 1024;

export function documentKindOf(path: string): DocumentKind | null {
  switch (extname(path).toLowerCase()) {
    case '.py':
    case '.pyi':
      return 'python';
    case '.ipynb':
      return 'notebook';
    case '.yaml':
    case '.yml':
      return 'yaml';
    case '.json':
      return 'json';
    default:
      return null;
  }
}

/** A document parsed once, ready for any number of rule runs. */
export type Analysis =
  | { kind: 'python'; text: string; python: PythonSource }
  | { kind: 'notebook'; text: string; notebook: NotebookProgram; python: PythonSource }
  | { kind: 'config'; text: string; config: ConfigSource }
  /** Parsing was skipped because no rule can match the text (see Rule.triggers). */
  | { kind: 'skipped'; text: string }
  | { kind: 'error'; text: string; message: string };

/**
 * Parses a document. `mayMatch` tells, from the raw text, whether any enabled rule could find
 * something; when it cannot, parsing is skipped.
 */
export function analyze(kind: DocumentKind, text: string, mayMatch: (text: string) => boolean = () => true, parse: (text: string) => PyNode = parsePython): Analysis {
  if (text.length > MAX_DOCUMENT_CHARS) {
    return { kind: 'error', text, message: `file too large to analyse (${(text.length / 1048576).toFixed(1)} MB; the limit is ${MAX_DOCUMENT_CHARS / 1048576} MB)` };
  }
  if (text.includes('\u0000')) return { kind: 'error', text, message: 'binary file (contains NUL bytes), not analysed' };
  // Limits checked on the raw text, before any parser runs (see limits.ts for why).
  const tooLong = lineCountExceeds(text, MAX_DOCUMENT_LINES);
  if (tooLong !== null) return { kind: 'error', text, message: `file too long to analyse (${tooLong} lines; the limit is ${MAX_DOCUMENT_LINES})` };
  if (kind === 'python' && text.length > MAX_CODE_CHARS) return { kind: 'error', text, message: tooMuchCode(text.length) };
  // The nesting limit protects the parser: a file no rule can match is never parsed, so it is
  // skipped before that scan (brackets and strings of every file: ~45 ms of CPU on the bench corpus).
  if (kind === 'python' && !mayMatch(text)) return { kind: 'skipped', text };
  const nesting = kind === 'python' ? pythonNestingExceeds : kind === 'yaml' ? yamlNestingExceeds : jsonNestingExceeds;
  const depthLimit = kind === 'python' ? MAX_PYTHON_NESTING : MAX_NESTING_DEPTH;
  if (nesting(text, depthLimit)) return { kind: 'error', text, message: tooDeep(depthLimit) };
  try {
    switch (kind) {
      case 'python': {
        return { kind: 'python', text, python: new PythonSource(text, parse(text)) };
      }
      case 'notebook': {
        const notebook = new NotebookProgram(readNotebook(text));
        // The cells' code was inside JSON strings, unchecked so far.
        if (notebook.text.length > MAX_CODE_CHARS) return { kind: 'error', text, message: tooMuchCode(notebook.text.length) };
        if (pythonNestingExceeds(notebook.text, MAX_PYTHON_NESTING)) return { kind: 'error', text, message: tooDeep(MAX_PYTHON_NESTING) };
        if (!mayMatch(notebook.text)) return { kind: 'skipped', text };
        return { kind: 'notebook', text, notebook, python: new PythonSource(notebook.text, parse(notebook.text), notebook.spans) };
      }
      case 'yaml':
      case 'json': {
        // Configs are always parsed (it is cheap) so that a broken one is reported either way.
        const config = kind === 'yaml' ? parseYamlConfig(text) : parseJsonConfig(text);
        return { kind: 'config', text, config };
      }
    }
  } catch (error) {
    if (error instanceof NotebookError || error instanceof ConfigParseError || error instanceof DocumentTooLargeError) return { kind: 'error', text, message: error.message };
    throw error;
  }
}

/** Analyses a notebook given as its code cells (how editors hand notebooks over), not as JSON. */
export function analyzeNotebookCells(cells: CodeCell[], parse: (text: string) => PyNode = parsePython): Analysis {
  const notebook = new NotebookProgram(cells);
  const text = notebook.text;
  if (text.length > MAX_DOCUMENT_CHARS) return { kind: 'error', text, message: `notebook too large to analyse (${(text.length / 1048576).toFixed(1)} MB)` };
  if (text.includes('\u0000')) return { kind: 'error', text, message: 'binary data in a notebook cell (contains NUL bytes), not analysed' };
  const tooLong = lineCountExceeds(text, MAX_DOCUMENT_LINES);
  if (tooLong !== null) return { kind: 'error', text, message: `notebook too long to analyse (${tooLong} lines of code; the limit is ${MAX_DOCUMENT_LINES})` };
  if (pythonNestingExceeds(text, MAX_PYTHON_NESTING)) return { kind: 'error', text, message: tooDeep(MAX_PYTHON_NESTING) };
  if (text.length > MAX_CODE_CHARS) return { kind: 'error', text, message: tooMuchCode(text.length) };
  try {
    return { kind: 'notebook', text, notebook, python: new PythonSource(text, parse(text), notebook.spans) };
  } catch (error) {
    if (error instanceof DocumentTooLargeError) return { kind: 'error', text, message: error.message };
    throw error;
  }
}
