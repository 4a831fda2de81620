import Mocha from 'mocha';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'greenml.greenml';

/** The fixture workspace the launcher opened (a throwaway copy of test/e2e/workspace). */
export function workspaceRoot(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('no workspace folder is open: the launcher must open a copy of test/e2e/workspace');
  return folder.uri;
}

export function fileUri(...segments: string[]): vscode.Uri {
  return vscode.Uri.joinPath(workspaceRoot(), ...segments);
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `probe` until it returns something truthy, or fails after `timeoutMs` naming what it waited
 * for and the last value it saw. Never a fixed sleep: it returns as soon as the state is there.
 */
export async function waitFor<T>(what: string, probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 30_000, describeLast?: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const last = describeLast ? `; last seen: ${describeLast()}` : '';
      const error = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last}${error}`);
    }
    await pause(50);
  }
}

export function codeOf(diagnostic: vscode.Diagnostic): string | number | undefined {
  const code = diagnostic.code;
  return typeof code === 'object' && code !== null ? code.value : code;
}

export function greenmlDiagnostics(uri: vscode.Uri, rule?: string): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'greenml' && (rule === undefined || codeOf(d) === rule));
}

export function describeDiagnostics(uri: vscode.Uri): string {
  const all = vscode.languages.getDiagnostics(uri);
  if (all.length === 0) return `no diagnostics on ${uri.toString()}`;
  return all
    .map((d) => `[${d.source ?? '-'}/${String(codeOf(d))} ${vscode.DiagnosticSeverity[d.severity]} ${d.range.start.line}:${d.range.start.character}] ${d.message.slice(0, 80)}`)
    .join(' | ');
}

/** Waits until `uri` carries GreenML diagnostics of `rule` that satisfy `accept`. */
export function waitForDiagnostics(uri: vscode.Uri, rule: string, accept: (found: vscode.Diagnostic[]) => boolean = (found) => found.length > 0, timeoutMs = 30_000): Promise<vscode.Diagnostic[]> {
  return waitFor(
    `GreenML ${rule} diagnostics on ${vscode.workspace.asRelativePath(uri)}`,
    () => {
      const found = greenmlDiagnostics(uri, rule);
      return accept(found) ? found : undefined;
    },
    timeoutMs,
    () => describeDiagnostics(uri),
  );
}

/** Opens a file in an editor, as a user does (diagnostics are pulled for documents shown in tabs). */
export async function showFile(uri: vscode.Uri): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument(uri);
  return vscode.window.showTextDocument(document, { preview: false });
}

export async function codeActionsAt(uri: vscode.Uri, range: vscode.Range, kind?: string): Promise<vscode.CodeAction[]> {
  const actions = (await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>('vscode.executeCodeActionProvider', uri, range, kind)) ?? [];
  return actions.filter((a): a is vscode.CodeAction => !('command' in a && typeof (a as vscode.Command).command === 'string'));
}

export async function hoverText(uri: vscode.Uri, position: vscode.Position): Promise<string> {
  const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, position)) ?? [];
  return hovers
    .flatMap((hover) => hover.contents)
    .map((content) => (typeof content === 'string' ? content : content.value))
    .join('\n');
}

/** The position `offset` characters into the first occurrence of `needle` in the document. */
export function positionOf(document: vscode.TextDocument, needle: string, offset = 0): vscode.Position {
  const index = document.getText().indexOf(needle);
  if (index < 0) throw new Error(`"${needle}" not found in ${document.uri.toString()}`);
  return document.positionAt(index + offset);
}

function settingsDocument(): vscode.TextDocument | undefined {
  const settings = fileUri('.vscode', 'settings.json').toString();
  return vscode.workspace.textDocuments.find((d) => d.uri.toString() === settings);
}

/**
 * Sets a `greenml.*` workspace setting, as the Settings editor does, and waits until it reads back.
 * VS Code refuses a write while its model of .vscode/settings.json has unsaved changes, which a write
 * racing the previous one's save can leave behind ("Unable to write into workspace settings because the
 * file has unsaved changes"); the write is then retried once that model is saved.
 */
export async function setGreenmlSetting(key: string, value: unknown): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await vscode.workspace.getConfiguration('greenml', workspaceRoot()).update(key, value, vscode.ConfigurationTarget.Workspace);
      break;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (attempt >= 3 || !/unsaved changes|is newer/.test(message)) throw error;
      note(`(retrying greenml.${key}: ${message})`);
      const dirty = settingsDocument();
      if (dirty?.isDirty) await dirty.save();
    }
  }
  // The write can also "succeed" while VS Code keeps its model of the file unsaved, so that the new
  // value never takes effect; saving that model (as a user would) completes it.
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  let saving: Thenable<boolean> | undefined;
  await waitFor(
    `greenml.${key} to read back as ${JSON.stringify(value)}`,
    () => {
      if (same(vscode.workspace.getConfiguration('greenml', workspaceRoot()).inspect(key)?.workspaceValue, value)) return true;
      const dirty = settingsDocument();
      if (dirty?.isDirty && !saving) {
        note(`(greenml.${key} written but .vscode/settings.json left unsaved: saving it)`);
        saving = dirty.save().then((saved) => {
          saving = undefined;
          return saved;
        });
      }
      return false;
    },
    15_000,
  );
}

/** A line in the test report (through mocha's reporter output, which the launchers show). */
export function note(text: string): void {
  Mocha.reporters.Base.consoleLog(`    ${text}`);
}
