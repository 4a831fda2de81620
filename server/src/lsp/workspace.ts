import { extname } from 'node:path';
import type { NotebookDocument } from 'vscode-languageserver/node';
import { NotebookDocuments, TextDocuments } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyze, analyzeNotebookCells, documentKindOf, type Analysis, type DocumentKind } from '../engine/analyze';
import { lintAnalysis, placeFindings } from '../engine/lint';
import type { CodeCell } from '../engine/notebook';
import { IncrementalPythonParser } from '../engine/python/incremental';
import type { Settings } from '../engine/settings';
import type { LintResult } from '../engine/types';

/** What GreenML analyses for an open document: a file, or a whole notebook for one of its cells. */
export type Target =
  | { kind: 'text'; uri: string; document: TextDocument; documentKind: DocumentKind }
  | { kind: 'notebook'; uri: string; notebook: NotebookDocument; cells: { uri: string; document: TextDocument; index: number }[] };

interface CachedAnalysis {
  key: string;
  /** Null once the document left the most recently used ones (its findings may stay). */
  analysis: Analysis | null;
  /** The last lint of this analysis, with the settings object it used; `raw` goes with the analysis. */
  lint?: { settings: Settings; raw: ReturnType<typeof lintAnalysis> | null; placed: LintResult };
}

/**
 * Documents whose syntax tree (the tree-sitter tree for incremental parsing and its JavaScript
 * copy) stays in memory. With 200 files open these trees held most of the server's memory; a
 * document beyond this many most recently used ones keeps only its findings, and is parsed again
 * (in full) when it is edited or asked about. 24 left the bench's 200 open files at 138-151 MB, too
 * near the 150 MB budget; 12 measured 125-134 MB (a small script re-parses in milliseconds).
 */
export const LIVE_ANALYSES = 12;

/** Language ids whose documents GreenML reads, when the file name does not tell. */
function kindFromLanguage(languageId: string): DocumentKind | null {
  switch (languageId) {
    case 'python':
      return 'python';
    case 'yaml':
      return 'yaml';
    case 'json':
    case 'jsonc':
      return 'json';
    default:
      return null;
  }
}

/**
 * Open documents and notebooks, and one analysis per document version: a document is parsed once
 * per version, however many requests (diagnostics, code actions, hovers, lenses) ask about it.
 */
export class Workspace {
  readonly documents = new TextDocuments(TextDocument);
  readonly notebooks = new NotebookDocuments(TextDocument);
  private readonly analyses = new Map<string, CachedAnalysis>();
  /** One incremental parser (and so one live tree-sitter tree) per open document or notebook. */
  private readonly parsers = new Map<string, IncrementalPythonParser>();

  private parserFor(uri: string): IncrementalPythonParser {
    let parser = this.parsers.get(uri);
    if (!parser) this.parsers.set(uri, (parser = new IncrementalPythonParser()));
    return parser;
  }

  /** The target that a document URI (a file, or a notebook cell) belongs to. */
  targetOf(uri: string): Target | null {
    const notebook = this.notebooks.findNotebookDocumentForCell(uri);
    if (notebook) return this.notebookTarget(notebook);
    const document = this.documents.get(uri);
    if (!document) return null;
    const byName = documentKindOf(uri.split('?')[0]);
    const documentKind = byName && byName !== 'notebook' ? byName : extname(uri) === '' ? kindFromLanguage(document.languageId) : null;
    return documentKind ? { kind: 'text', uri, document, documentKind } : null;
  }

  notebookTarget(notebook: NotebookDocument): Target {
    const cells = notebook.cells.flatMap((cell, index) => {
      const document = this.notebooks.getCellTextDocument(cell);
      return document && cell.kind === 2 && document.languageId === 'python' ? [{ uri: cell.document, document, index }] : [];
    });
    return { kind: 'notebook', uri: notebook.uri, notebook, cells };
  }

  private versionKey(target: Target): string {
    if (target.kind === 'text') return `${target.document.version}`;
    return `${target.notebook.version}:${target.cells.map((c) => `${c.uri}@${c.document.version}`).join(',')}`;
  }

  /** The cache entry of a target, marked as the most recently used. */
  private touch(uri: string): CachedAnalysis | undefined {
    const cached = this.analyses.get(uri);
    if (cached) {
      // A Map iterates in insertion order: re-inserting keeps the least recently used first.
      this.analyses.delete(uri);
      this.analyses.set(uri, cached);
    }
    return cached;
  }

  /** Keeps the trees of the LIVE_ANALYSES most recently used documents only. */
  private evictTrees(): void {
    let live = 0;
    for (const cached of this.analyses.values()) if (cached.analysis) live++;
    for (const [uri, cached] of this.analyses) {
      if (live <= LIVE_ANALYSES) break;
      if (!cached.analysis) continue;
      cached.analysis = null;
      if (cached.lint) cached.lint.raw = null;
      this.parsers.get(uri)?.dispose();
      this.parsers.delete(uri);
      live--;
    }
  }

  /** The analysis of a target's current text, parsed at most once per version while it is live. */
  analysisOf(target: Target): Analysis {
    const key = this.versionKey(target);
    const cached = this.touch(target.uri);
    if (cached && cached.key === key && cached.analysis) return cached.analysis;
    const parser = this.parserFor(target.uri);
    const parse = (text: string) => parser.parse(text);
    const analysis =
      target.kind === 'text'
        ? analyze(target.documentKind, target.document.getText(), undefined, parse)
        : analyzeNotebookCells(target.cells.map((c): CodeCell => ({ index: c.index, source: c.document.getText(), sourceIsList: false })), parse);
    // Findings of the same version survive re-parsing an evicted document.
    this.analyses.set(target.uri, { key, analysis, lint: cached && cached.key === key ? cached.lint : undefined });
    this.evictTrees();
    return analysis;
  }

  /**
   * Findings for a target's current version. Diagnostics, code actions and fix-all ask for the
   * same version with the same settings object (settings are cached until they change), so the
   * rules run once per version.
   */
  lint(target: Target, settings: Settings): { raw: ReturnType<typeof lintAnalysis>; placed: LintResult } {
    const analysis = this.analysisOf(target);
    const cached = this.analyses.get(target.uri)!;
    if (cached.lint?.raw && cached.lint.settings === settings) return { raw: cached.lint.raw, placed: cached.lint.placed };
    const raw = lintAnalysis(analysis, settings);
    cached.lint = { settings, raw, placed: placeFindings(raw) };
    return { raw, placed: cached.lint.placed };
  }

  /**
   * The findings of a target's current version for diagnostics: from the cache when this version
   * was linted with these settings, even if its tree was since let go; else linted now.
   */
  findings(target: Target, settings: Settings): LintResult {
    const cached = this.touch(target.uri);
    if (cached && cached.key === this.versionKey(target) && cached.lint && cached.lint.settings === settings) return cached.lint.placed;
    return this.lint(target, settings).placed;
  }

  /** A document closed: drop its analysis and free its tree. */
  forget(uri: string): void {
    this.analyses.delete(uri);
    this.parsers.get(uri)?.dispose();
    this.parsers.delete(uri);
  }

  /** Live tree-sitter trees (one per open document that was analysed as Python). */
  get liveTrees(): number {
    return this.parsers.size;
  }

  /** Every open target, each once (a notebook once, not once per cell). */
  allTargets(): Target[] {
    const targets: Target[] = [];
    for (const document of this.documents.all()) {
      const target = this.targetOf(document.uri);
      if (target) targets.push(target);
    }
    const seen = new Set<string>();
    for (const cellDocument of this.notebooks.cellTextDocuments.all()) {
      const notebook = this.notebooks.findNotebookDocumentForCell(cellDocument.uri);
      if (notebook && !seen.has(notebook.uri)) {
        seen.add(notebook.uri);
        targets.push(this.notebookTarget(notebook));
      }
    }
    return targets;
  }
}
