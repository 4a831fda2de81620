import * as vscode from 'vscode';
import type { Diagnostic as LspDiagnostic } from 'vscode-languageclient/node';
import type { GreenmlClient } from './client';

/** Files the workspace scan reads, and folders it never enters. */
const SCAN_INCLUDE = '**/*.{py,ipynb,yaml,yml,json}';
const SCAN_EXCLUDE = '**/{node_modules,.venv,venv,.git,__pycache__,site-packages,.tox}/**';

interface RuleSummary {
  id: string;
  title: string;
}

/**
 * Read-only documents for rule docs and estimates: shown as a Markdown preview, never as an
 * unsaved untitled editor that asks to be saved on close.
 */
const DOCS_SCHEME = 'greenml-docs';
const documents = new Map<string, string>();
let documentCount = 0;

const docsProvider: vscode.TextDocumentContentProvider = {
  provideTextDocumentContent: (uri) => documents.get(uri.toString()) ?? '',
};

async function showMarkdown(title: string, markdown: string): Promise<void> {
  const uri = vscode.Uri.from({ scheme: DOCS_SCHEME, path: `/${++documentCount}/${title}.md` });
  documents.set(uri.toString(), markdown);
  await vscode.commands.executeCommand('markdown.showPreview', uri);
}

/** Scans every matching file of the workspace into the Problems panel, with a cancellable progress notification. */
async function scanWorkspace(client: GreenmlClient, collection: vscode.DiagnosticCollection): Promise<void> {
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'GreenML: scanning workspace', cancellable: true },
    async (progress, token) => {
      const files = await vscode.workspace.findFiles(SCAN_INCLUDE, SCAN_EXCLUDE, undefined, token);
      const open = new Set([...vscode.workspace.textDocuments, ...vscode.workspace.notebookDocuments].map((d) => d.uri.toString()));
      collection.clear();
      let done = 0;
      let findings = 0;
      for (const file of files) {
        if (token.isCancellationRequested) break;
        done++;
        progress.report({ message: `${done}/${files.length} ${vscode.workspace.asRelativePath(file)}`, increment: 100 / files.length });
        // Open documents already get live diagnostics from the language server.
        if (open.has(file.toString())) continue;
        const result = await client.sendRequest<{ diagnostics: LspDiagnostic[] }>('greenml/checkFile', { uri: file.toString() }, token);
        const diagnostics = await Promise.all(result.diagnostics.map((d) => client.protocol2CodeConverter.asDiagnostic(d)));
        if (diagnostics.length > 0) collection.set(file, diagnostics);
        findings += diagnostics.length;
      }
      const status = token.isCancellationRequested ? 'cancelled' : 'done';
      void vscode.window.showInformationMessage(`GreenML scan ${status}: ${findings} findings in ${done} of ${files.length} files.`);
    },
  );
}

export function registerCommands(client: GreenmlClient): vscode.Disposable[] {
  const collection = vscode.languages.createDiagnosticCollection('greenml-scan');
  return [
    collection,
    vscode.workspace.registerTextDocumentContentProvider(DOCS_SCHEME, docsProvider),
    // A file opened in an editor gets live diagnostics: drop its scan results.
    vscode.workspace.onDidOpenTextDocument((document) => collection.delete(document.uri)),
    vscode.workspace.onDidOpenNotebookDocument((notebook) => collection.delete(notebook.uri)),
    vscode.commands.registerCommand('greenml.scanWorkspace', () => scanWorkspace(client, collection)),
    vscode.commands.registerCommand('greenml.showRuleDocumentation', async (ruleId?: string) => {
      let id = ruleId;
      if (!id) {
        const rules = await client.sendRequest<RuleSummary[]>('greenml/rules');
        const picked = await vscode.window.showQuickPick(rules.map((r) => ({ label: r.id, description: r.title })), { placeHolder: 'Rule to document' });
        id = picked?.label;
      }
      if (id) await showMarkdown(id, await client.sendRequest<string>('greenml/ruleDocumentation', { rule: id }));
    }),
    vscode.commands.registerCommand('greenml.showEstimate', (markdown: string) => showMarkdown('footprint-estimate', markdown)),
    vscode.commands.registerCommand('greenml.restartServer', () => client.restart()),
    vscode.commands.registerCommand('greenml.showOutput', () => client.outputChannel.show()),
  ];
}
