import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createProtocolConnection, StreamMessageReader, StreamMessageWriter, type ProtocolConnection } from 'vscode-languageserver-protocol/node';
import type { ClientCapabilities, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';

export const SERVER = join(__dirname, '..', '..', '..', 'dist', 'server.js');

/** The built language server, driven over stdio by a real JSON-RPC client, as an editor would. */
export class LspSession {
  readonly process: ChildProcess;
  readonly connection: ProtocolConnection;
  /** What the client answers to workspace/configuration for section "greenml". */
  settings: Record<string, unknown> = {};
  readonly published = new Map<string, PublishDiagnosticsParams>();
  readonly logs: string[] = [];
  readonly messages: string[] = [];
  private publishWaiters: (() => void)[] = [];

  constructor() {
    this.process = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.process.stderr!.on('data', (chunk) => this.logs.push(String(chunk)));
    this.connection = createProtocolConnection(new StreamMessageReader(this.process.stdout!), new StreamMessageWriter(this.process.stdin!));
    this.connection.onRequest('workspace/configuration', (params: { items: { section?: string }[] }) => params.items.map(() => this.settings));
    this.connection.onRequest('client/registerCapability', () => null);
    this.connection.onRequest('workspace/diagnostic/refresh', () => null);
    this.connection.onNotification('window/logMessage', (params: { message: string }) => {
      this.logs.push(params.message);
    });
    this.connection.onNotification('window/showMessage', (params: { message: string }) => {
      this.messages.push(params.message);
    });
    this.connection.onNotification('textDocument/publishDiagnostics', (params: PublishDiagnosticsParams) => {
      this.published.set(params.uri, params);
      const waiters = this.publishWaiters;
      this.publishWaiters = [];
      waiters.forEach((w) => w());
    });
    this.connection.listen();
  }

  async initialize(pull: boolean, configuration = true): Promise<Record<string, unknown>> {
    const capabilities: ClientCapabilities = {
      workspace: { configuration, diagnostics: { refreshSupport: pull }, didChangeConfiguration: { dynamicRegistration: true } },
      textDocument: pull ? { diagnostic: { dynamicRegistration: false }, publishDiagnostics: {} } : { publishDiagnostics: {} },
    };
    const result = (await this.connection.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities, workspaceFolders: null })) as {
      capabilities: Record<string, unknown>;
    };
    await this.connection.sendNotification('initialized', {});
    return result.capabilities;
  }

  /** Waits until `check` holds, polling published diagnostics, with a deadline (never a fixed sleep). */
  async waitFor<T>(check: () => T | undefined, what: string, deadlineMs = 10_000): Promise<T> {
    const end = Date.now() + deadlineMs;
    for (;;) {
      const value = check();
      if (value !== undefined) return value;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        this.publishWaiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  async close(): Promise<void> {
    try {
      await Promise.race([this.connection.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 2000))]);
      await this.connection.sendNotification('exit');
    } catch {
      // The process may already be gone.
    }
    this.connection.dispose();
    this.process.kill();
  }
}
