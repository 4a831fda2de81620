import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';

export type GreenmlClient = LanguageClient;

/** The documents GreenML reads: Python files, notebook cells, and YAML/JSON training configs. */
export const DOCUMENT_SELECTOR = [
  { scheme: 'file', language: 'python' },
  { scheme: 'untitled', language: 'python' },
  { notebook: { notebookType: 'jupyter-notebook' }, language: 'python' },
  { scheme: 'file', language: 'yaml' },
  { scheme: 'file', language: 'json' },
  { scheme: 'file', language: 'jsonc' },
];

/** Starts the bundled server in a Node process of its own, talking over IPC. */
export function startClient(context: vscode.ExtensionContext): GreenmlClient {
  const module = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6010'] } },
  };
  const outputChannel = vscode.window.createOutputChannel('GreenML', { log: true });
  const clientOptions: LanguageClientOptions = {
    documentSelector: DOCUMENT_SELECTOR,
    outputChannel,
    diagnosticPullOptions: { onChange: true, onSave: true },
    // [tool.greenml] lives in pyproject.toml: edits to it change open documents' findings.
    synchronize: { configurationSection: 'greenml', fileEvents: vscode.workspace.createFileSystemWatcher('**/pyproject.toml') },
    // The extension shows rule docs and estimates itself (Markdown previews); see server/src/lsp/commands.ts.
    initializationOptions: { clientCommands: true },
  };
  return new LanguageClient('greenml', 'GreenML', serverOptions, clientOptions);
}
