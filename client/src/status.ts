import * as vscode from 'vscode';
import { State } from 'vscode-languageclient/node';
import { DOCUMENT_SELECTOR, type GreenmlClient } from './client';

function stateText(state: State): string {
  return state === State.Running ? 'running' : state === State.Stopped ? 'stopped' : 'starting';
}

/** A language status item: the server state and how many GreenML findings are open. */
export function createStatusItem(client: GreenmlClient): vscode.Disposable {
  const item = vscode.languages.createLanguageStatusItem('greenml.status', DOCUMENT_SELECTOR);
  item.name = 'GreenML';
  item.command = { title: 'Show Output', command: 'greenml.showOutput' };
  let state = 'starting';
  const update = () => {
    let count = 0;
    for (const [, diagnostics] of vscode.languages.getDiagnostics()) count += diagnostics.filter((d) => d.source === 'greenml').length;
    item.text = `GreenML: ${count === 1 ? '1 finding' : `${count} findings`}`;
    item.detail = `server ${state}`;
    item.severity = state === 'stopped' ? vscode.LanguageStatusSeverity.Error : vscode.LanguageStatusSeverity.Information;
  };
  update();
  const subscriptions = [
    vscode.languages.onDidChangeDiagnostics(update),
    client.onDidChangeState((event) => {
      state = stateText(event.newState);
      update();
    }),
  ];
  return vscode.Disposable.from(item, ...subscriptions);
}
