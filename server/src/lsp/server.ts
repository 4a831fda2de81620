import {
  CodeActionKind,
  DidChangeConfigurationNotification,
  MessageType,
  ShowMessageNotification,
  TextDocumentSyncKind,
  type Connection,
  type Diagnostic,
  type DocumentDiagnosticReport,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { documentKindOf } from '../engine/analyze';
import { lintDocument } from '../engine/lint';
import { initPythonParser } from '../engine/python/parser';
import { RULES, ruleById } from '../engine/registry';
import { renderRuleMarkdown, renderRulePlainText } from '../engine/rule-docs';
import { clientRunsCommands, EXTENSION_COMMANDS, SERVER_COMMANDS, type CommandIds } from './commands';
import { LineIndex } from '../engine/text';
import { codeActions, FIX_ALL_KIND, NOTEBOOK_FIX_ALL_KIND } from './code-actions';
import { codeLenses } from './code-lens';
import { toDiagnostic } from './convert';
import { hoverAt } from './hover';
import { resolveDocumentSettings, type DocumentSettings, type EditorSettings } from './settings';
import { Workspace, type Target } from './workspace';

/** Wires the engine to an LSP connection: documents, diagnostics (pull and push), actions, hovers, lenses. */
export function startServer(connection: Connection): void {
  const workspace = new Workspace();
  const settingsCache = new Map<string, Promise<DocumentSettings>>();
  const reportedProblems = new Set<string>();
  let pullDiagnostics = false;
  let refreshSupported = false;
  let configurationSupported = false;
  let commands: CommandIds = SERVER_COMMANDS;
  /** Settings pushed with didChangeConfiguration, for clients that cannot be asked for them. */
  let pushedSettings: EditorSettings | null = null;
  const parserReady = initPythonParser();

  /** Runs a handler, logging instead of crashing on an internal error. */
  function guarded<T>(what: string, fallback: T, run: () => Promise<T> | T): Promise<T> {
    return Promise.resolve()
      .then(run)
      .catch((error: unknown) => {
        connection.console.error(`GreenML: ${what} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        return fallback;
      });
  }

  async function settingsFor(uri: string): Promise<DocumentSettings> {
    let pending = settingsCache.get(uri);
    if (!pending) {
      pending = (async () => {
        const editor = configurationSupported
          ? ((await connection.workspace.getConfiguration({ scopeUri: uri, section: 'greenml' })) as EditorSettings | null)
          : pushedSettings;
        const resolved = resolveDocumentSettings(uri, editor);
        for (const problem of resolved.problems) {
          if (reportedProblems.has(problem)) continue;
          reportedProblems.add(problem);
          connection.console.warn(`GreenML: ${problem}`);
        }
        return resolved;
      })();
      settingsCache.set(uri, pending);
    }
    return pending;
  }

  /** Diagnostics of a target, keyed by document URI (one per notebook cell). */
  async function diagnosticsOf(target: Target): Promise<Map<string, Diagnostic[]>> {
    await parserReady;
    const byUri = new Map<string, Diagnostic[]>();
    const uris = target.kind === 'text' ? [target.uri] : target.cells.map((c) => c.uri);
    for (const uri of uris) byUri.set(uri, []);
    const { enabled, settings } = await settingsFor(target.uri);
    if (!enabled) return byUri;
    const placed = workspace.findings(target, settings);
    if (placed.error) connection.console.warn(`GreenML: ${target.uri}: ${placed.error}`);
    for (const failure of placed.ruleErrors) connection.console.error(`GreenML: rule ${failure.rule} failed on ${target.uri} and was skipped: ${failure.message}`);
    for (const finding of placed.findings) {
      const uri = target.kind === 'text' ? target.uri : target.cells.find((c) => c.index === finding.cell)?.uri;
      if (uri) byUri.get(uri)?.push(toDiagnostic(finding));
    }
    return byUri;
  }

  const pendingPush = new Map<string, NodeJS.Timeout>();
  /** Push mode: publish after a short quiet period, so a burst of keystrokes costs one analysis. */
  function schedulePush(uri: string): void {
    if (pullDiagnostics) return;
    clearTimeout(pendingPush.get(uri));
    pendingPush.set(
      uri,
      setTimeout(() => {
        pendingPush.delete(uri);
        void guarded('publishing diagnostics', undefined, async () => {
          const target = workspace.targetOf(uri);
          if (!target) return;
          for (const [documentUri, diagnostics] of await diagnosticsOf(target)) connection.sendDiagnostics({ uri: documentUri, diagnostics });
        });
      }, 50),
    );
  }

  connection.onInitialize((params): InitializeResult => {
    const capabilities = params.capabilities;
    pullDiagnostics = Boolean(capabilities.textDocument?.diagnostic);
    refreshSupported = Boolean(capabilities.workspace?.diagnostics?.refreshSupport);
    configurationSupported = Boolean(capabilities.workspace?.configuration);
    commands = clientRunsCommands(params.initializationOptions) ? EXTENSION_COMMANDS : SERVER_COMMANDS;
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        notebookDocumentSync: { notebookSelector: [{ notebook: { notebookType: 'jupyter-notebook' }, cells: [{ language: 'python' }] }] },
        diagnosticProvider: pullDiagnostics ? { identifier: 'greenml', interFileDependencies: false, workspaceDiagnostics: false } : undefined,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, FIX_ALL_KIND, NOTEBOOK_FIX_ALL_KIND] },
        hoverProvider: true,
        codeLensProvider: { resolveProvider: false },
        executeCommandProvider: commands === SERVER_COMMANDS ? { commands: [SERVER_COMMANDS.showDocs, SERVER_COMMANDS.showEstimate] } : undefined,
      },
      serverInfo: { name: 'greenml' },
    };
  });

  connection.onInitialized(() => {
    if (configurationSupported) void connection.client.register(DidChangeConfigurationNotification.type, { section: 'greenml' });
  });

  // A pyproject.toml changed ([tool.greenml]): every open document's settings may have changed.
  connection.onDidChangeWatchedFiles(() => {
    settingsCache.clear();
    if (pullDiagnostics && refreshSupported) connection.languages.diagnostics.refresh();
    for (const target of workspace.allTargets()) schedulePush(target.uri);
  });

  connection.onDidChangeConfiguration((params) => {
    const pushed = (params.settings as { greenml?: EditorSettings } | null)?.greenml;
    if (!configurationSupported) pushedSettings = pushed ?? null;
    settingsCache.clear();
    if (pullDiagnostics && refreshSupported) connection.languages.diagnostics.refresh();
    for (const target of workspace.allTargets()) schedulePush(target.uri);
  });

  connection.languages.diagnostics.on((params, token) =>
    guarded<DocumentDiagnosticReport>('diagnostics', { kind: 'full', items: [] }, async () => {
      const target = workspace.targetOf(params.textDocument.uri);
      if (!target || token.isCancellationRequested) return { kind: 'full', items: [] };
      const byUri = await diagnosticsOf(target);
      return { kind: 'full', items: byUri.get(params.textDocument.uri) ?? [] };
    }),
  );

  connection.onCodeAction((params) =>
    guarded('code actions', [], async () => {
      await parserReady;
      const target = workspace.targetOf(params.textDocument.uri);
      if (!target) return [];
      const { enabled, settings } = await settingsFor(target.uri);
      return enabled ? codeActions(workspace, params, settings, commands) : [];
    }),
  );

  connection.onHover((params) =>
    guarded('hover', null, async () => {
      await parserReady;
      const target = workspace.targetOf(params.textDocument.uri);
      if (!target) return null;
      const analysis = workspace.analysisOf(target);
      if (target.kind === 'text') return hoverAt(analysis, params.position, new LineIndex(target.document.getText()));
      const cell = target.cells.find((c) => c.uri === params.textDocument.uri);
      if (!cell || analysis.kind !== 'notebook') return null;
      const span = analysis.notebook.spans.find((s) => s.cell.index === cell.index);
      return span ? hoverAt(analysis, params.position, new LineIndex(cell.document.getText()), span.start) : null;
    }),
  );

  connection.onCodeLens((params) =>
    guarded('code lenses', [], async () => {
      await parserReady;
      const target = workspace.targetOf(params.textDocument.uri);
      if (!target) return [];
      const { enabled, settings } = await settingsFor(target.uri);
      return enabled ? codeLenses(workspace, target, params.textDocument.uri, settings, commands) : [];
    }),
  );

  // Workspace scan: a file that is not open is read from disk and linted once.
  connection.onRequest('greenml/checkFile', (params: { uri: string }) =>
    guarded('checking a file', { diagnostics: [] as Diagnostic[], error: 'internal error' as string | undefined }, async () => {
      await parserReady;
      const kind = documentKindOf(params.uri);
      if (!kind || !params.uri.startsWith('file:')) return { diagnostics: [], error: undefined };
      const bytes = await readFile(fileURLToPath(params.uri));
      let text: string;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        return { diagnostics: [], error: 'not valid UTF-8' };
      }
      const { enabled, settings } = await settingsFor(params.uri);
      if (!enabled) return { diagnostics: [], error: undefined };
      const result = lintDocument(kind, text, settings);
      // A closed notebook has no cell documents: its findings go on the file, naming the cell.
      const diagnostics = result.findings.map((finding) =>
        finding.cell === undefined
          ? toDiagnostic(finding)
          : { ...toDiagnostic(finding), message: `cell ${finding.cell + 1}, line ${finding.range.start.line + 1}: ${finding.message}`, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } },
      );
      return { diagnostics, error: result.error };
    }),
  );
  connection.onExecuteCommand((params) =>
    guarded('running a command', null, () => {
      const [argument] = params.arguments ?? [];
      if (params.command === SERVER_COMMANDS.showDocs && typeof argument === 'string') {
        const rule = ruleById(argument);
        if (rule) void connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Info, message: renderRulePlainText(rule) });
      } else if (params.command === SERVER_COMMANDS.showEstimate && typeof argument === 'string') {
        void connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Info, message: argument });
      }
      return null;
    }),
  );
  connection.onRequest('greenml/rules', () => RULES.map((rule) => ({ id: rule.id, title: rule.title })));
  connection.onRequest('greenml/ruleDocumentation', (params: { rule: string }) => {
    const rule = ruleById(params.rule);
    return rule ? renderRuleMarkdown(rule) : `No GreenML rule is called "${params.rule}".`;
  });

  workspace.documents.onDidChangeContent((event) => schedulePush(event.document.uri));
  workspace.documents.onDidClose((event) => {
    workspace.forget(event.document.uri);
    settingsCache.delete(event.document.uri);
    if (!pullDiagnostics) connection.sendDiagnostics({ uri: event.document.uri, diagnostics: [] });
  });
  workspace.notebooks.onDidOpen((notebook) => schedulePush(notebook.cells[0]?.document ?? notebook.uri));
  workspace.notebooks.onDidChange((event) => {
    const first = event.notebookDocument.uri;
    const notebook = workspace.notebooks.getNotebookDocument(first);
    if (notebook?.cells[0]) schedulePush(notebook.cells[0].document);
  });
  workspace.notebooks.onDidClose((notebook) => {
    workspace.forget(notebook.uri);
    if (!pullDiagnostics) for (const cell of notebook.cells) connection.sendDiagnostics({ uri: cell.document, diagnostics: [] });
  });

  workspace.documents.listen(connection);
  workspace.notebooks.listen(connection);
  connection.listen();
}
