/**
 * Helpers to drive the built language server through test/lsp/lsp-client.ts (a real JSON-RPC
 * client over stdio) and to compute what it should answer, from the engine in-process.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Diagnostic, DocumentDiagnosticReport } from 'vscode-languageserver-protocol';
import { CancellationTokenSource } from 'vscode-languageserver-protocol/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyzeNotebookCells, type DocumentKind } from '../../../server/src/engine/analyze';
import { lintAnalysis, lintDocument, placeFindings } from '../../../server/src/engine/lint';
import type { CodeCell } from '../../../server/src/engine/notebook';
import { RULE_IDS } from '../../../server/src/engine/registry';
import { defaultSettings, mergeSettings, type Settings } from '../../../server/src/engine/settings';
import { LspSession } from '../../lsp/lsp-client';
import { ANSWER_BUDGET_MS, since } from './config';

export { LspSession };

/** Starts a session; `env` is added to the server's environment (e.g. NODE_OPTIONS for a probe). */
export async function startSession(pull: boolean, env: Record<string, string> = {}): Promise<LspSession> {
  const saved: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(env)) {
    saved[key] = process.env[key];
    process.env[key] = value;
  }
  let session: LspSession;
  try {
    // LspSession spawns the server at construction, with this process's environment.
    session = new LspSession();
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
  await session.initialize(pull);
  return session;
}

/** Sends a request and fails when the answer takes longer than the budget. */
export async function timed<T>(session: LspSession, method: string, params: unknown, what = method): Promise<T> {
  const started = performance.now();
  const result = (await session.connection.sendRequest(method, params)) as T;
  const ms = since(started);
  assert.ok(ms < ANSWER_BUDGET_MS, `${what}: answered after ${ms.toFixed(0)} ms (budget ${ANSWER_BUDGET_MS} ms)`);
  return result;
}

export async function pull(session: LspSession, uri: string): Promise<Diagnostic[]> {
  const report = await timed<DocumentDiagnosticReport>(session, 'textDocument/diagnostic', { textDocument: { uri } }, `diagnostics of ${uri}`);
  assert.equal(report.kind, 'full');
  return report.kind === 'full' ? report.items : [];
}

/** A request cancelled right away: it must settle (answer or RequestCancelled), never hang. */
export function cancelled(session: LspSession, method: string, params: unknown): Promise<unknown> {
  const source = new CancellationTokenSource();
  const pending = session.connection.sendRequest(method, params, source.token);
  source.cancel();
  return pending.catch((error: { code?: number }) => {
    assert.equal(error.code, -32800, `a cancelled ${method} failed otherwise: ${JSON.stringify(error)}`);
  });
}

export const LANGUAGE: Record<Exclude<DocumentKind, 'notebook'>, string> = { python: 'python', yaml: 'yaml', json: 'json' };

/** A client-side copy of an open text document, changed with incremental edits as an editor does. */
export class Mirror {
  document: TextDocument;

  constructor(readonly session: LspSession, readonly uri: string, readonly kind: Exclude<DocumentKind, 'notebook'>, text: string) {
    this.document = TextDocument.create(uri, LANGUAGE[kind], 1, text);
  }

  get text(): string {
    return this.document.getText();
  }

  open(): Promise<void> {
    return this.session.connection.sendNotification('textDocument/didOpen', {
      textDocument: { uri: this.uri, languageId: LANGUAGE[this.kind], version: this.document.version, text: this.text },
    });
  }

  /** Sends the change from the current text to `next` as one incremental edit (the differing middle). */
  changeTo(next: string): Promise<void> {
    const current = this.text;
    let prefix = 0;
    while (prefix < current.length && prefix < next.length && current.charCodeAt(prefix) === next.charCodeAt(prefix)) prefix++;
    let suffix = 0;
    while (suffix < current.length - prefix && suffix < next.length - prefix && current.charCodeAt(current.length - 1 - suffix) === next.charCodeAt(next.length - 1 - suffix)) suffix++;
    return this.edit(prefix, current.length - suffix, next.slice(prefix, next.length - suffix));
  }

  /** Replaces [start, end) of the current text. */
  edit(start: number, end: number, text: string): Promise<void> {
    const range = { start: this.document.positionAt(start), end: this.document.positionAt(end) };
    const version = this.document.version + 1;
    this.document = TextDocument.update(this.document, [{ range, text }], version);
    return this.session.connection.sendNotification('textDocument/didChange', { textDocument: { uri: this.uri, version }, contentChanges: [{ range, text }] });
  }

  close(): Promise<void> {
    return this.session.connection.sendNotification('textDocument/didClose', { textDocument: { uri: this.uri } });
  }
}

/** Settings as the server builds them from the client's `greenml` section (no pyproject.toml). */
export function editorSettings(section: Record<string, unknown>): Settings {
  return mergeSettings(defaultSettings(), section, RULE_IDS, 'test').settings;
}

/** The diagnostics a fresh analysis gives: code, range and message of each. */
export function expectedText(kind: Exclude<DocumentKind, 'notebook'>, text: string, settings: Settings): string[] {
  return lintDocument(kind, text, settings).findings.map((f) => `${f.rule} ${JSON.stringify(f.range)} ${f.message}`);
}

export function expectedCells(cells: CodeCell[], settings: Settings): Map<number, string[]> {
  const placed = placeFindings(lintAnalysis(analyzeNotebookCells(cells), settings));
  const out = new Map<number, string[]>();
  for (const f of placed.findings) out.set(f.cell!, [...(out.get(f.cell!) ?? []), `${f.rule} ${JSON.stringify(f.range)} ${f.message}`]);
  return out;
}

export function actual(diagnostics: Diagnostic[]): string[] {
  return diagnostics.map((d) => `${String(d.code)} ${JSON.stringify(d.range)} ${d.message}`);
}

/** Resident memory of a process, in MB, from /proc/<pid>/status. */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  assert.ok(match, 'no VmRSS in /proc/<pid>/status');
  return Number(match[1]) / 1024;
}

/** Internal handler failures the server logged ("GreenML: <what> failed: ..."). */
export function internalFailures(session: LspSession): string[] {
  return session.logs.filter((l) => /GreenML: .* failed: /.test(l));
}
