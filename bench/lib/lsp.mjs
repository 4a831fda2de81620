// A JSON-RPC client that drives the built language server over stdio, as an editor would (same
// approach as test/lsp/lsp-client.ts), plus what the benchmark needs: per-URI waits for the next
// publishDiagnostics, the server's VmRSS and CPU time from /proc.
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

let CLK_TCK = 100;
try {
  CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // Linux default.
}

export class LspSession {
  /**
   * @param repoRoot where node_modules (vscode-languageserver-protocol) is
   * @param serverPath the server bundle
   * @param nodeArgs extra node flags for the server process (e.g. --cpu-prof)
   * @param transport 'stdio', or 'ipc' (what VS Code's client uses: node IPC; stdout is then free,
   *   and with --trace-gc in nodeArgs its GC lines are parsed into `this.gc`)
   */
  constructor(repoRoot, serverPath, nodeArgs = [], transport = 'stdio') {
    const require = createRequire(join(repoRoot, 'package.json'));
    const { createProtocolConnection, StreamMessageReader, StreamMessageWriter, IPCMessageReader, IPCMessageWriter } = require('vscode-languageserver-protocol/node');
    this.spawnedAt = performance.now();
    this.gc = [];
    if (transport === 'ipc') {
      this.process = spawn(process.execPath, [...nodeArgs, serverPath, '--node-ipc'], { stdio: ['pipe', 'pipe', 'pipe', 'ipc'] });
      let pending = '';
      this.process.stdout.on('data', (chunk) => {
        pending += String(chunk);
        const lines = pending.split('\n');
        pending = lines.pop();
        for (const line of lines) {
          // e.g. "[123:0x..]   4567 ms: Mark-Compact 150.1 (170.2) -> 90.3 (160.0) MB, pooled: 0 MB, 12.34 / 0.00 ms ..."
          const m = /(\d+) ms: (Scavenge|Mark-Compact|Mark-Compact \(reduce\)|Minor Mark-Compact|Mark-sweep)[^0-9]*([\d.]+) \(([\d.]+)\) -> ([\d.]+) \(([\d.]+)\) MB,(?: pooled: [\d.]+ MB,)? ([\d.]+) \/ ([\d.]+) ms/.exec(line);
          if (m) this.gc.push({ atMs: Number(m[1]), kind: m[2], beforeMB: Number(m[3]), afterMB: Number(m[5]), committedMB: Number(m[6]), pauseMs: Number(m[7]) });
        }
      });
    } else {
      this.process = spawn(process.execPath, [...nodeArgs, serverPath, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    }
    this.stderr = '';
    this.process.stderr.on('data', (chunk) => {
      if (this.stderr.length < 20000) this.stderr += String(chunk);
    });
    this.exited = new Promise((resolve) => this.process.on('exit', resolve));
    this.connection =
      transport === 'ipc'
        ? createProtocolConnection(new IPCMessageReader(this.process), new IPCMessageWriter(this.process))
        : createProtocolConnection(new StreamMessageReader(this.process.stdout), new StreamMessageWriter(this.process.stdin));
    this.logs = [];
    this.publishWaiters = new Map();
    this.publishCount = new Map();
    this.connection.onRequest('workspace/configuration', (params) => params.items.map(() => ({})));
    this.connection.onRequest('client/registerCapability', () => null);
    this.connection.onRequest('workspace/diagnostic/refresh', () => null);
    this.connection.onNotification('window/logMessage', (p) => {
      if (this.logs.length < 200) this.logs.push(p.message);
    });
    this.connection.onNotification('textDocument/publishDiagnostics', (params) => {
      const now = performance.now();
      this.publishCount.set(params.uri, (this.publishCount.get(params.uri) ?? 0) + 1);
      const waiters = this.publishWaiters.get(params.uri) ?? [];
      this.publishWaiters.delete(params.uri);
      for (const w of waiters) w({ at: now, diagnostics: params.diagnostics });
    });
    this.connection.listen();
  }

  get pid() {
    return this.process.pid;
  }

  async initialize(pull) {
    const capabilities = {
      workspace: { configuration: true, diagnostics: { refreshSupport: pull }, didChangeConfiguration: { dynamicRegistration: true } },
      textDocument: pull
        ? { diagnostic: { dynamicRegistration: false }, publishDiagnostics: {}, hover: { contentFormat: ['markdown', 'plaintext'] }, codeAction: {} }
        : { publishDiagnostics: {}, hover: { contentFormat: ['markdown', 'plaintext'] }, codeAction: {} },
    };
    const result = await this.connection.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities, workspaceFolders: null });
    this.initializedAt = performance.now();
    await this.connection.sendNotification('initialized', {});
    return result;
  }

  /** Resolves at the next publishDiagnostics for `uri` (register before sending what triggers it). */
  nextPublish(uri, timeoutMs = 30000) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no publishDiagnostics for ${uri} within ${timeoutMs} ms`)), timeoutMs);
      const list = this.publishWaiters.get(uri) ?? [];
      list.push((value) => {
        clearTimeout(timer);
        resolve(value);
      });
      this.publishWaiters.set(uri, list);
    });
  }

  didOpen(uri, text, version = 1) {
    return this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version, text } });
  }

  didChange(uri, version, change) {
    return this.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [change] });
  }

  didClose(uri) {
    return this.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  diagnostics(uri) {
    return this.connection.sendRequest('textDocument/diagnostic', { textDocument: { uri } });
  }

  hover(uri, position) {
    return this.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position });
  }

  codeActions(uri, range, diagnostics) {
    return this.connection.sendRequest('textDocument/codeAction', { textDocument: { uri }, range, context: { diagnostics, triggerKind: 2 } });
  }

  /** VmRSS, VmHWM, RssAnon, RssFile in MB, from /proc/<pid>/status. */
  memory() {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const field = (name) => {
      const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
      return m ? Number(m[1]) / 1024 : null;
    };
    return { vmRssMB: field('VmRSS'), vmHwmMB: field('VmHWM'), rssAnonMB: field('RssAnon'), rssFileMB: field('RssFile') };
  }

  /** The server's user+system CPU time so far, in ms, from /proc/<pid>/stat. */
  cpuMs() {
    const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  }

  async close() {
    try {
      await Promise.race([this.connection.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 3000))]);
      await this.connection.sendNotification('exit');
    } catch {
      // Already gone.
    }
    await Promise.race([this.exited, new Promise((r) => setTimeout(r, 5000))]);
    this.connection.dispose();
    if (this.process.exitCode === null) this.process.kill();
  }
}

/** Statements typingEdit types, a character at a time. */
const TYPED_STATEMENTS = [
  'running_loss += loss.item() * inputs.size(0)',
  'print(f"epoch {epoch}: loss {running_loss / len(loader):.4f}")',
  'scheduler.step()',
  'outputs = model(inputs.to(device))',
  'correct += (outputs.argmax(dim=1) == labels).sum().item()',
  'torch.save(model.state_dict(), "checkpoint.pt")',
];

/** A document mirrored on the client side, with realistic incremental edits at varying positions. */
export class EditedDocument {
  constructor(uri, text, r) {
    this.uri = uri;
    this.text = text;
    this.version = 1;
    this.r = r;
    this.inserted = 0;
    this.reindex();
  }

  reindex() {
    const starts = [0];
    for (let i = this.text.indexOf('\n'); i >= 0; i = this.text.indexOf('\n', i + 1)) starts.push(i + 1);
    this.lineStarts = starts;
  }

  get lineCount() {
    return this.lineStarts.length;
  }

  lineText(line) {
    const start = this.lineStarts[line];
    const end = line + 1 < this.lineStarts.length ? this.lineStarts[line + 1] - 1 : this.text.length;
    return this.text.slice(start, end);
  }

  positionAt(offset) {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: offset - this.lineStarts[lo] };
  }

  apply(startOffset, endOffset, newText) {
    const range = { start: this.positionAt(startOffset), end: this.positionAt(endOffset) };
    this.text = this.text.slice(0, startOffset) + newText + this.text.slice(endOffset);
    this.version++;
    this.reindex();
    return { range, text: newText };
  }

  /**
   * One edit as a person makes them: type a character (35%), delete a character (35%), insert a
   * line of code with the line's indentation (15%), delete a line inserted earlier (15%; a character
   * deletion when there is none). Positions are uniform over the document's lines.
   */
  randomEdit() {
    const r = this.r;
    const roll = r();
    const line = r.int(this.lineCount);
    const text = this.lineText(line);
    const start = this.lineStarts[line];
    if (roll < 0.35) {
      const at = start + r.int(text.length + 1);
      return { kind: 'type-char', change: this.apply(at, at, r.pick([...'abcdefghijklmnopqrstuvwxyz_0123456789 ().,=']) ) };
    }
    if (roll < 0.85 && roll >= 0.7 && this.inserted > 0) {
      const marker = this.text.indexOf('bench_edit_');
      if (marker >= 0) {
        const lineNo = this.positionAt(marker).line;
        const s = this.lineStarts[lineNo];
        const e = lineNo + 1 < this.lineCount ? this.lineStarts[lineNo + 1] : this.text.length;
        this.inserted--;
        return { kind: 'delete-line', change: this.apply(s, e, '') };
      }
    }
    if (roll >= 0.85) {
      const indent = /^\s*/.exec(text)[0];
      this.inserted++;
      return { kind: 'insert-line', change: this.apply(start, start, `${indent}bench_edit_${this.version} = compute(${r.int(100)})\n`) };
    }
    // Delete one character (not a line break) somewhere on a non-empty line.
    for (let tries = 0; tries < 20; tries++) {
      const l = r.int(this.lineCount);
      const t = this.lineText(l);
      if (t.length === 0) continue;
      const at = this.lineStarts[l] + r.int(t.length);
      return { kind: 'delete-char', change: this.apply(at, at + 1, '') };
    }
    const at = start;
    return { kind: 'type-char', change: this.apply(at, at, ' ') };
  }

  /**
   * One keystroke of someone writing code: a new line is opened after a statement (at that
   * statement's indentation, before a line that does not continue it) and a statement is typed
   * there one character per edit, then the next place is picked. Unlike randomEdit, the document
   * holds at most one unfinished line at a time.
   */
  /** One edit of the named kind: 'typing' (typingEdit, row 2f) or anything else (randomEdit, row 2a). */
  edit(kind) {
    return kind === 'typing' ? this.typingEdit() : this.randomEdit();
  }

  typingEdit() {
    const r = this.r;
    if (!this.typing || this.typing.rest.length === 0) {
      let line = 0;
      for (let tries = 0; tries < 200; tries++) {
        line = r.int(this.lineCount - 1);
        const here = this.lineText(line).trimEnd();
        const next = this.lineText(line + 1).trim();
        // A complete simple statement, not one that opens a block, continues, or is followed by a clause.
        if (here.trim() && !here.trim().startsWith('#') && !/[(\[{,\\:]$/.test(here) && !/^(@|else|elif|except|finally|[)\]}])/.test(next) && this.lineText(line + 1).search(/\S|$/) <= here.search(/\S/)) break;
      }
      const text = this.lineText(line);
      const indent = /^\s*/.exec(text)[0];
      const at = this.lineStarts[line] + text.length;
      this.typing = { at: at + 1 + indent.length, rest: [...r.pick(TYPED_STATEMENTS)] };
      return { kind: 'new-line', change: this.apply(at, at, `\n${indent}`) };
    }
    const c = this.typing.rest.shift();
    const change = this.apply(this.typing.at, this.typing.at, c);
    this.typing.at += c.length;
    return { kind: 'type-char', change };
  }

  /**
   * A hover position: 20% on a catalogued model id (`targets`) when the text has one, 30% on any
   * string literal (ids, paths, regions, ...), the rest anywhere in the code.
   */
  hoverPosition(targets = []) {
    const r = this.r;
    const roll = r();
    if (roll < 0.2 && targets.length > 0) {
      const hits = [];
      for (const id of targets) {
        for (let i = this.text.indexOf(`"${id}"`); i >= 0 && hits.length < 1000; i = this.text.indexOf(`"${id}"`, i + 1)) hits.push(i + 1 + r.int(id.length));
      }
      if (hits.length > 0) return this.positionAt(r.pick(hits));
    }
    if (roll < 0.5) {
      const strings = [];
      const re = /(["'])[A-Za-z0-9_.\/-]{3,80}\1/g;
      for (let m = re.exec(this.text); m && strings.length < 5000; m = re.exec(this.text)) strings.push(m.index + 1 + r.int(m[0].length - 2));
      if (strings.length > 0) return this.positionAt(r.pick(strings));
    }
    const line = r.int(this.lineCount);
    return { line, character: r.int(this.lineText(line).length + 1) };
  }
}
