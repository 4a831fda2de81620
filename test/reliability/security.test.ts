/**
 * Security: GreenML never executes workspace code, never evaluates configuration values, opens no
 * network connection, supports untrusted workspaces only because of that, and its regular
 * expressions do not backtrack catastrophically on long lines.
 *
 * - A full run of the language server and of the CLI (every fixture and example; every request
 *   kind; fixes; settings changes) with a preloaded probe (support/probe.ts) that records any
 *   network, DNS, listening, child process, worker or node:vm call: none may happen. Where strace
 *   is installed, the server also runs under `strace -f -e trace=network`: no network system call.
 * - A workspace whose code, notebooks, configs and pyproject.toml would leave a marker file if
 *   anything in them ran: no marker appears; no object prototype is polluted by `__proto__` keys.
 * - The sources call no eval, Function, vm, child_process or network API (worker threads run only
 *   GreenML's own bundle).
 * - package.json declares untrusted-workspace support, and no setting that names a program or path.
 * - Every regular expression literal in server/src runs on adversarial 100,000-character lines
 *   within a time budget; the entry points do too, with lines built from each rule's trigger words.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createProtocolConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver-protocol/node';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { documentKindOf } from '../../server/src/engine/analyze';
import { fixDocument } from '../../server/src/engine/fixes';
import { lintDocument } from '../../server/src/engine/lint';
import { initPythonParser } from '../../server/src/engine/python/parser';
import { RULES } from '../../server/src/engine/registry';
import { defaultSettings } from '../../server/src/engine/settings';
import { readNotebook } from '../../server/src/engine/notebook';
import type { ProbeReport } from './support/probe';
import { exampleDocuments, fixtureDocuments, listFiles, ROOT, SERVER, since } from './support/config';
import { parseReport, runCli } from './support/cli';
import { startSession, type LspSession } from './support/server';

const PROBE = join(__dirname, 'support', 'probe.js');

function readProbe(path: string): ProbeReport {
  assert.ok(existsSync(path), 'the probe wrote no report (was it loaded?)');
  const report = JSON.parse(readFileSync(path, 'utf8')) as ProbeReport;
  // Worker threads running GreenML's own bundle (the CLI lints in parallel) run no workspace code.
  return { ...report, calls: report.calls.filter((c) => !(c.api === 'worker_threads.Worker' && c.detail.includes(join(ROOT, 'dist')))) };
}

/** Drives a server through every kind of request on every fixture and example. */
async function fullRun(request: <T>(method: string, params: unknown) => Promise<T>, notify: (method: string, params: unknown) => Promise<void>, folder: string): Promise<number> {
  let findings = 0;
  for (const [n, document] of [...fixtureDocuments(), ...exampleDocuments()].entries()) {
    if (document.kind === 'notebook') {
      let cells;
      try {
        cells = readNotebook(document.text);
      } catch {
        continue;
      }
      const uri = pathToFileURL(join(folder, `nb${n}.ipynb`)).href;
      const cellUri = (i: number) => `vscode-notebook-cell:${join(folder, `nb${n}.ipynb`)}#c${i}`;
      await notify('notebookDocument/didOpen', {
        notebookDocument: { uri, notebookType: 'jupyter-notebook', version: 1, cells: cells.map((_, i) => ({ kind: 2, document: cellUri(i) })) },
        cellTextDocuments: cells.map((c, i) => ({ uri: cellUri(i), languageId: 'python', version: 1, text: c.source })),
      });
      for (let i = 0; i < cells.length; i++) {
        const report = await request<{ items: Diagnostic[] }>('textDocument/diagnostic', { textDocument: { uri: cellUri(i) } });
        findings += report.items.length;
        await request('textDocument/codeAction', { textDocument: { uri: cellUri(i) }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, context: { diagnostics: report.items, only: ['quickfix', 'source.fixAll.greenml', 'notebook.source.fixAll.greenml'] } });
        await request('textDocument/codeLens', { textDocument: { uri: cellUri(i) } });
      }
      continue;
    }
    const extension = document.name.split('.').pop();
    const uri = pathToFileURL(join(folder, `doc${n}.${extension}`)).href;
    await notify('textDocument/didOpen', { textDocument: { uri, languageId: document.kind, version: 1, text: document.text } });
    const report = await request<{ items: Diagnostic[] }>('textDocument/diagnostic', { textDocument: { uri } });
    findings += report.items.length;
    for (const diagnostic of report.items) {
      await request('textDocument/codeAction', { textDocument: { uri }, range: diagnostic.range, context: { diagnostics: [diagnostic] } });
      await request('textDocument/hover', { textDocument: { uri }, position: diagnostic.range.start });
    }
    await request('textDocument/codeAction', { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, context: { diagnostics: [], only: ['source.fixAll.greenml'] } });
    await request('textDocument/codeLens', { textDocument: { uri } });
    await notify('textDocument/didClose', { textDocument: { uri } });
  }
  for (const file of listFiles(join(ROOT, 'examples'))) if (documentKindOf(file)) await request('greenml/checkFile', { uri: pathToFileURL(file).href });
  await request('greenml/rules', {});
  for (const rule of RULES) await request('greenml/ruleDocumentation', { rule: rule.id });
  await notify('workspace/didChangeConfiguration', { settings: null });
  return findings;
}

/** A workspace where anything that ran would leave a marker file. */
function trapWorkspace(dir: string, marker: string): void {
  const py = `import os\nopen(${JSON.stringify(marker)}, "w").write("ran")\nos.system("touch ${marker}")\nfrom transformers import TrainingArguments\nargs = TrainingArguments(output_dir="o", num_train_epochs=50)\n`;
  const files: Record<string, string> = {
    'train.py': py,
    'setup.py': py,
    'conftest.py': py,
    'sitecustomize.py': py,
    'notebook.ipynb': JSON.stringify({ cells: [{ cell_type: 'code', metadata: {}, outputs: [], source: [`%%bash\ntouch ${marker}\n`] }, { cell_type: 'code', metadata: {}, outputs: [], source: ['!touch ' + marker + '\n', py] }], metadata: {}, nbformat: 4, nbformat_minor: 5 }),
    'config.yaml': `model_name_or_path: !!python/object/apply:os.system ["touch ${marker}"]\noutput_dir: \${{ env.HOME }}\nnum_train_epochs: !!js/function "function () { require('fs').writeFileSync('${marker}', 'x') }"\nlearning_rate: __import__('os').system('touch ${marker}')\nper_device_train_batch_size: 8\n`,
    'config.json': `{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}, "output_dir": "$(touch ${marker})", "num_train_epochs": 50, "learning_rate": "\`touch ${marker}\`"}`,
    'pyproject.toml': `[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n[tool.greenml]\nignore = ["__proto__"]\n[tool.greenml.thresholds]\n__proto__ = 1\n[tool.greenml.hardware]\ngpu = "$(touch ${marker})"\n`,
  };
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
}

/** Regular expression literals in TypeScript source: [source, flags, line]. */
export function regexLiterals(code: string): { source: string; flags: string; line: number }[] {
  const found: { source: string; flags: string; line: number }[] = [];
  const before = /[(,=:[!&|?{};+\-*%<>~^]$/;
  const keywords = /(?:^|[^\w$])(return|typeof|case|in|of|new|delete|void|throw|else|do|yield|await)$/;
  let i = 0;
  let last = '';
  const templates: number[] = [];
  let braceDepth = 0;
  const lineAt = (offset: number) => code.slice(0, offset).split('\n').length;
  const skipString = (quote: string) => {
    for (i++; i < code.length && code[i] !== quote; i++) if (code[i] === '\\') i++;
    i++;
  };
  const skipTemplate = () => {
    for (; i < code.length; i++) {
      if (code[i] === '\\') i++;
      else if (code[i] === '`') {
        i++;
        return;
      } else if (code[i] === '$' && code[i + 1] === '{') {
        templates.push(braceDepth);
        braceDepth++;
        i += 2;
        return;
      }
    }
  };
  while (i < code.length) {
    const c = code[i];
    if (c === '/' && code[i + 1] === '/') i = code.indexOf('\n', i) < 0 ? code.length : code.indexOf('\n', i);
    else if (c === '/' && code[i + 1] === '*') i = code.indexOf('*/', i + 2) + 2;
    else if (c === '"' || c === "'") {
      skipString(c);
      last = 'x';
    } else if (c === '`') {
      i++;
      skipTemplate();
      last = 'x';
    } else if (c === '}' && templates.length > 0 && templates[templates.length - 1] === braceDepth - 1) {
      templates.pop();
      braceDepth--;
      i++;
      skipTemplate();
      last = 'x';
    } else if (c === '/' && (last === '' || before.test(last) || keywords.test(last))) {
      const start = i;
      let inClass = false;
      for (i++; i < code.length; i++) {
        if (code[i] === '\\') i++;
        else if (code[i] === '[') inClass = true;
        else if (code[i] === ']') inClass = false;
        else if (code[i] === '/' && !inClass) break;
        else if (code[i] === '\n') break;
      }
      const source = code.slice(start + 1, i);
      i++;
      const flags = /^[dgimsuvy]*/.exec(code.slice(i))![0];
      i += flags.length;
      found.push({ source, flags, line: lineAt(start) });
      last = 'x';
    } else {
      if (c === '{') braceDepth++;
      else if (c === '}') braceDepth--;
      if (!/\s/.test(c)) last = (last + c).slice(-12);
      i++;
    }
  }
  return found;
}

/** Characters a regex mentions (its literal characters and examples of its escapes). */
function charactersOf(source: string): string[] {
  const chars = new Set<string>([' ', 'a', '1', '\t', '.', '#', '"', "'", '(', ')', '[', '-', '_', ':', '=', ',', '\\', '/', 'é']);
  const escapes: Record<string, string> = { s: ' ', w: 'a', d: '1', b: 'a', t: '\t', n: '\n', r: '\r' };
  for (let i = 0; i < source.length; i++) {
    if (source[i] === '\\') {
      chars.add(escapes[source[i + 1]] ?? source[i + 1]);
      i++;
    } else if (!'^$|?*+{}()[]'.includes(source[i])) chars.add(source[i]);
  }
  return [...chars].filter((c) => c !== undefined);
}

function adversarialLines(source: string): string[] {
  const chars = charactersOf(source);
  const lines: string[] = [];
  for (const c of chars) lines.push(c.repeat(100_000), `${c.repeat(100_000)}\u0000`);
  const own = chars.slice(19, 31).concat([' ', 'a', '\t', '.']);
  for (const a of own) for (const b of own) if (a !== b) lines.push(`${(a + b).repeat(50_000)}\u0000`);
  return lines;
}

describe('reliability: security', function () {
  this.timeout(10 * 60_000);
  let folder: string;

  before(async () => {
    await initPythonParser();
    folder = mkdtempSync(join(tmpdir(), 'greenml-security-'));
  });

  after(() => rmSync(folder, { recursive: true, force: true }));

  it('the language server opens no network connection and starts no process in a full run (probe)', async () => {
    const out = join(folder, 'server-probe.json');
    const session: LspSession = await startSession(true, { NODE_OPTIONS: `--require ${PROBE}`, GREENML_PROBE_OUT: out });
    const findings = await fullRun(
      (method, params) => session.connection.sendRequest(method, params),
      (method, params) => session.connection.sendNotification(method, params),
      folder,
    );
    const exited = new Promise((resolve) => session.process.on('exit', resolve));
    await session.connection.sendRequest('shutdown');
    await session.connection.sendNotification('exit');
    await exited;
    session.connection.dispose();
    assert.ok(findings > 50, `a full run should report findings (got ${findings})`);
    const probe = readProbe(out);
    assert.deepEqual(probe.calls, [], 'network, process or vm calls during the run');
  });

  it('the CLI opens no network connection and starts no process, checking and fixing everything (probe)', () => {
    const copy = join(folder, 'cli-copy');
    mkdirSync(copy);
    for (const d of [...fixtureDocuments(), ...exampleDocuments()]) {
      mkdirSync(join(copy, d.name, '..'), { recursive: true });
      writeFileSync(join(copy, d.name), d.text);
    }
    const out = join(folder, 'cli-probe.json');
    const run = runCli(['check', '.', '--unsafe-fixes', '--format', 'sarif', '--exit-zero'], copy, { nodeOptions: ['--require', PROBE], env: { GREENML_PROBE_OUT: out } });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(readProbe(out).calls, []);
  });

  it('under strace -f -e trace=network, the server makes no network system call', async function () {
    if (spawnSync('strace', ['-V']).status !== 0) {
      console.log('      strace is not installed (apt-get install strace): the probe tests above cover this');
      this.skip();
    }
    const log = join(folder, 'strace.log');
    const child = spawn('strace', ['-f', '-qq', '-e', 'trace=network', '-o', log, process.execPath, SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const connection = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    connection.onRequest('workspace/configuration', (params: { items: unknown[] }) => params.items.map(() => ({})));
    connection.onRequest('client/registerCapability', () => null);
    connection.listen();
    await connection.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: { textDocument: { diagnostic: {} }, workspace: { configuration: true } }, workspaceFolders: null });
    await connection.sendNotification('initialized', {});
    const findings = await fullRun((m, p) => connection.sendRequest(m, p), (m, p) => connection.sendNotification(m, p), join(folder, 'strace'));
    assert.ok(findings > 50);
    const exited = new Promise((resolve) => child.on('exit', resolve));
    await connection.sendRequest('shutdown');
    await connection.sendNotification('exit');
    await exited;
    connection.dispose();
    // Creating, connecting, binding or accepting sockets. (Node inspects its inherited stdio pipes
    // with getsockname/getsockopt at start-up: that reads nothing from any network.)
    const calls = readFileSync(log, 'utf8').split('\n').filter((l) => /\b(socket|socketpair|connect|bind|listen|accept4?)\(/.test(l) || /\bsendto\(.*sa_family=AF_INET/.test(l));
    assert.deepEqual(calls, [], 'network system calls');
  });

  it('never runs workspace code or evaluates configuration values (marker file, prototype pollution)', async () => {
    const workspace = join(folder, 'trap');
    mkdirSync(workspace);
    const marker = join(folder, 'MARKER-workspace-code-ran');
    trapWorkspace(workspace, marker);
    const out = join(folder, 'trap-probe.json');
    const run = runCli(['check', '.', '--unsafe-fixes', '--format', 'json', '--exit-zero'], workspace, { nodeOptions: ['--require', PROBE], env: { GREENML_PROBE_OUT: out } });
    assert.equal(run.status, 0, run.stderr);
    assert.ok(parseReport(run).findings.length > 0, 'the trap workspace should be analysed');
    assert.deepEqual(readProbe(out).calls, []);
    const session = await startSession(true, { NODE_OPTIONS: `--require ${PROBE}`, GREENML_PROBE_OUT: join(folder, 'trap-server.json') });
    for (const name of ['train.py', 'setup.py', 'config.yaml', 'config.json']) {
      const uri = pathToFileURL(join(workspace, name)).href;
      await session.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: documentKindOf(name)!, version: 1, text: readFileSync(join(workspace, name), 'utf8') } });
      await session.connection.sendRequest('textDocument/diagnostic', { textDocument: { uri } });
      await session.connection.sendRequest('greenml/checkFile', { uri });
    }
    await session.connection.sendRequest('greenml/checkFile', { uri: pathToFileURL(join(workspace, 'notebook.ipynb')).href });
    const exited = new Promise((resolve) => session.process.on('exit', resolve));
    await session.connection.sendRequest('shutdown');
    await session.connection.sendNotification('exit');
    await exited;
    session.connection.dispose();
    assert.deepEqual(readProbe(join(folder, 'trap-server.json')).calls, []);
    // In-process too: the engine reads the same files without side effects.
    for (const name of ['train.py', 'notebook.ipynb', 'config.yaml', 'config.json']) {
      const text = readFileSync(join(workspace, name), 'utf8');
      lintDocument(documentKindOf(name)!, text, defaultSettings());
      fixDocument(documentKindOf(name)!, text, defaultSettings(), { unsafe: true });
    }
    assert.ok(!existsSync(marker), 'workspace code ran: the marker file exists');
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype was polluted');
  });

  it('the sources call no eval, Function, vm, child_process or network API', () => {
    const forbidden = /(?<![.\w$])eval\s*\(|new\s+Function\s*\(|(?<![.\w$])Function\s*\(\s*['"`]|from\s+['"](node:)?(child_process|vm|net|tls|dgram|http|https|http2|dns)['"]|require\(\s*['"](node:)?(child_process|vm|net|tls|dgram|http|https|http2|dns)['"]\)|\bfetch\s*\(|XMLHttpRequest|WebSocket|createTerminal|ShellExecution|ProcessExecution/;
    const offenders: string[] = [];
    for (const file of [...listFiles(join(ROOT, 'server', 'src')), ...listFiles(join(ROOT, 'client', 'src'))].filter((f) => f.endsWith('.ts'))) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (forbidden.test(line) && !/^\s*(\/\/|\*)/.test(line)) offenders.push(`${relative(ROOT, file)}:${i + 1}: ${line.trim()}`);
        });
    }
    assert.deepEqual(offenders, []);
  });

  it('package.json: untrusted workspaces supported, and no setting names a program or a path', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      capabilities: { untrustedWorkspaces: { supported: boolean | string; restrictedConfigurations?: string[] } };
      contributes: { configuration: { properties: Record<string, { type?: string | string[] }> } };
    };
    // Supported in full because nothing a workspace contains is ever run (tests above).
    assert.equal(manifest.capabilities.untrustedWorkspaces.supported, true);
    const restricted = new Set(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations ?? []);
    const risky = Object.keys(manifest.contributes.configuration.properties).filter((key) => /path|command|exec|interpreter|program|binary|args|env|url/i.test(key) && !restricted.has(key));
    assert.deepEqual(risky, [], 'settings that could point at a program must be listed in restrictedConfigurations');
  });

  describe('regular expressions on adversarial 100,000-character lines', () => {
    const files = listFiles(join(ROOT, 'server', 'src')).filter((f) => f.endsWith('.ts'));
    const literals = files.flatMap((file) => regexLiterals(readFileSync(file, 'utf8')).map((r) => ({ ...r, file: relative(ROOT, file) })));

    it('the extractor finds the regular expressions of the sources', () => {
      assert.deepEqual(regexLiterals("const a = /x\\/y[/]/g; const s = '/not/'; const t = `/${b / 2}/`; if (/^\\s*#/.test(l)) x = 4 / 2;").map((r) => r.source), ['x\\/y[/]', '^\\s*#']);
      assert.ok(literals.length > 40, `only ${literals.length} regular expressions found`);
    });

    it('every regular expression literal in server/src: each run within 250 ms', () => {
      const slow: string[] = [];
      let runs = 0;
      let slowest = 0;
      for (const r of literals) {
        let regex: RegExp;
        try {
          regex = new RegExp(r.source, r.flags);
        } catch {
          continue; // Not a regular expression after all (the extractor guessed wrong).
        }
        for (const line of adversarialLines(r.source)) {
          const started = performance.now();
          if (regex.global || regex.sticky) {
            regex.lastIndex = 0;
            for (const _ of line.matchAll(new RegExp(regex.source, regex.flags.includes('g') ? regex.flags : `${regex.flags}g`))) void _;
          } else regex.exec(line);
          const ms = since(started);
          runs++;
          slowest = Math.max(slowest, ms);
          if (ms > 250) slow.push(`${r.file}:${r.line} /${r.source}/${r.flags} took ${ms.toFixed(0)} ms on ${JSON.stringify(line.slice(0, 12))}… (${line.length} chars)`);
        }
      }
      console.log(`      ${literals.length} regular expressions, ${runs} runs on 100,000-character lines, slowest ${slowest.toFixed(0)} ms`);
      assert.deepEqual(slow, []);
    });

    it('the entry points (including regular expressions built at run time) on long lines with every rule\'s trigger words', () => {
      const triggers = [...new Set(RULES.flatMap((r) => r.triggers))];
      const header = `import torch\nfrom transformers import Trainer, TrainingArguments\n${triggers.map((t) => `# ${t}`).join('\n')}\n`;
      const slow: string[] = [];
      const chunks = [' ', 'a', 'a.', '(', 'model.', 'x = 1; ', '"', '\\', ...triggers.slice(0, 30).map((t) => `${t} `)];
      for (const chunk of chunks) {
        const line = chunk.repeat(Math.ceil(100_000 / chunk.length));
        for (const [kind, text] of [['python', `${header}${line}\n`], ['python', `${header}model = ${line}\n`], ['yaml', `# ${triggers.join(' ')}\nkey: ${line}\n`], ['json', `{"key": ${JSON.stringify(line)}}`]] as const) {
          const started = performance.now();
          lintDocument(kind, text, defaultSettings());
          const ms = since(started);
          if (ms > 1000) slow.push(`${kind} with a line of ${JSON.stringify(chunk)}: ${ms.toFixed(0)} ms`);
        }
      }
      assert.deepEqual(slow, []);
    });
  });
});
