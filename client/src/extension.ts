import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { startClient, type GreenmlClient } from './client';
import { createStatusItem } from './status';

let client: GreenmlClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  client = startClient(context);
  context.subscriptions.push(createStatusItem(client), ...registerCommands(client));
  await client.start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
