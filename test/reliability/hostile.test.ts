/**
 * Hostile input: each case gives a clear message — an `errors` entry from the CLI, a log line and
 * no diagnostics from the server — within 1 s (engine in-process; CLI runs beyond the time Node
 * takes to start on an empty folder; server from didOpen to the diagnostics answer) and with
 * bounded memory (the CLI's peak RSS, read by a preloaded probe).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { documentKindOf, type DocumentKind } from '../../server/src/engine/analyze';
import { fixDocument } from '../../server/src/engine/fixes';
import { lintDocument } from '../../server/src/engine/lint';
import { initPythonParser } from '../../server/src/engine/python/parser';
import { defaultSettings } from '../../server/src/engine/settings';
import type { ProbeReport } from './support/probe';
import { ANSWER_BUDGET_MS, EXAMPLES, since } from './support/config';
import { parseReport, runCli } from './support/cli';
import { internalFailures, pull, startSession, type LspSession } from './support/server';

const PROBE = join(__dirname, 'support', 'probe.js');
const TRAIN = readFileSync(join(EXAMPLES, 'finetune_sentiment.py'), 'utf8');
/** Peak memory allowed to a CLI run on one hostile file. */
const MAX_RSS_MB = 512;

function billionLaughs(): string {
  const lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
  for (let i = 1; i < 10; i++) {
    const name = String.fromCharCode(97 + i);
    const previous = String.fromCharCode(96 + i);
    lines.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(', ')}]`);
  }
  lines.push('model_name_or_path: gpt2-xl', 'merged:', '  <<: *j', '  also: *j');
  return `${lines.join('\n')}\n`;
}

interface Case {
  name: string;
  file: string;
  content: () => string | Buffer;
  /** The message expected from the engine and the CLI; null: analysed normally, no message. */
  message: RegExp | null;
  /** The server gets the text as an editor would hand it over (binary data decoded as Latin-1). */
  serverMessage?: RegExp | null;
}

const CASES: Case[] = [
  { name: 'a 50,000-line file', file: 'long.py', content: () => Array.from({ length: 50_000 }, (_, i) => TRAIN.split('\n')[i % 40] ?? '').join('\n'), message: /file too long to analyse \(50000 lines; the limit is 20000\)/ },
  { name: 'a 10 MB single line', file: 'line.py', content: () => `x = "${'a'.repeat(10 * 1024 * 1024)}"\n`, message: /file too large to analyse \(10\.0 MB/ },
  { name: 'a 7 MB one-line list (below the size limit)', file: 'list.py', content: () => `from transformers import Trainer\nx = [${'1, '.repeat(2_300_000)}]\n`, message: /too much code to analyse/ },
  { name: '900 KB of dense calls (too many syntax nodes)', file: 'dense.py', content: () => `from transformers import Trainer\n${'torch.save(m, p); '.repeat(50_000)}\n`, message: /too much code to analyse \(\d+ syntax nodes/ },
  {
    name: 'a binary file named .py',
    file: 'binary.py',
    content: () => Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0xff, 0xfe]), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 2654435761) % 256))]),
    message: /binary file/,
  },
  { name: 'a notebook whose cells is not an array', file: 'cells.ipynb', content: () => JSON.stringify({ cells: { 0: { cell_type: 'code', source: 'import torch' } }, nbformat: 4 }), message: /"cells" is missing or not an array/ },
  { name: 'a YAML alias bomb (billion laughs): aliases are never expanded', file: 'bomb.yaml', content: billionLaughs, message: null },
  { name: '15,000 comment lines after an indented block', file: 'comments.py', content: () => `${TRAIN}\ndef f():\n    x = 1\n${'    # commented-out code = model(x).item()\n'.repeat(15_000)}`, message: null },
  { name: 'YAML with 60,000 parse errors on one line', file: 'errors.yaml', content: () => `a: ${'&a '.repeat(60_000)}\n`, message: /invalid YAML at line 1/ },
  { name: 'JSON nested 100,000 levels deep', file: 'deep.json', content: () => `${'['.repeat(100_000)}${']'.repeat(100_000)}`, message: /nested more than 256 levels deep/ },
  { name: 'YAML nested 100,000 levels deep', file: 'deep.yaml', content: () => `a: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`, message: /nested more than 256 levels deep/ },
  { name: 'YAML block nesting 1,000 levels deep', file: 'deep-block.yaml', content: () => Array.from({ length: 1000 }, (_, i) => `${' '.repeat(i)}a${i}:`).join('\n') + ' 1\n', message: /nested more than 256 levels deep/ },
  { name: 'a notebook nested 100,000 levels deep', file: 'deep.ipynb', content: () => `{"cells": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`, message: /nested more than 256 levels deep/ },
  { name: 'Python nested 100,000 parentheses deep', file: 'deep.py', content: () => `from transformers import Trainer\nx = ${'('.repeat(100_000)}1${')'.repeat(100_000)}\n`, message: /nested more than 200 levels deep/ },
  { name: 'an attribute chain 50,000 long', file: 'chain.py', content: () => `from transformers import Trainer\nimport torch\nx = torch${'.a'.repeat(50_000)}()\n`, message: null },
];

describe('reliability: hostile input', function () {
  this.timeout(5 * 60_000);
  let dir: string;
  let baselineMs = 0;
  let session: LspSession;

  before(async () => {
    await initPythonParser();
    dir = mkdtempSync(join(tmpdir(), 'greenml-hostile-'));
    for (const c of CASES) writeFileSync(join(dir, c.file), c.content());
    mkdirSync(join(dir, 'empty'));
    // Node's start-up and the parser's load, measured on an empty folder (best of three).
    baselineMs = Math.min(...[0, 1, 2].map(() => runCli(['check', 'empty', '--format', 'json'], dir).ms));
    session = await startSession(true);
  });

  after(async () => {
    await session?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const c of CASES) {
    it(`${c.name}: ${c.message ? 'a clear message' : 'analysed'} within 1 s, bounded memory (engine, CLI, server)`, async () => {
      const path = join(dir, c.file);
      const kind = documentKindOf(path) as DocumentKind;
      const bytes = readFileSync(path);
      const text = bytes.toString('latin1').includes('\u0000') ? bytes.toString('latin1') : bytes.toString('utf8');

      // Engine, in-process.
      let started = performance.now();
      const result = lintDocument(kind, text, defaultSettings());
      const lintMs = since(started);
      started = performance.now();
      const fixed = fixDocument(kind, text, defaultSettings(), { unsafe: true });
      const fixMs = since(started);
      assert.ok(lintMs < ANSWER_BUDGET_MS && fixMs < ANSWER_BUDGET_MS, `engine: lint ${lintMs.toFixed(0)} ms, fix-all ${fixMs.toFixed(0)} ms`);
      assert.deepEqual(result.ruleErrors, []);
      if (c.message) {
        assert.deepEqual(result.findings, []);
        if (kind !== 'python' || !c.message.source.includes('binary')) assert.match(result.error ?? '', c.message);
        assert.equal(fixed.text, text, 'fix-all changed an input it cannot analyse');
      } else assert.equal(result.error, undefined, result.error);

      // CLI, with the probe recording its peak memory.
      const out = join(dir, `${c.file}.probe.json`);
      const run = runCli(['check', c.file, '--format', 'json'], dir, { nodeOptions: ['--require', PROBE], env: { GREENML_PROBE_OUT: out }, timeoutMs: 60_000 });
      assert.equal(run.signal, null, 'the CLI was killed');
      assert.ok(run.status === 0 || run.status === 1, `exit ${run.status}: ${run.stderr}`);
      assert.doesNotMatch(run.stderr, /internal error|failed on/i);
      const report = parseReport(run);
      if (c.message) {
        assert.equal(report.errors.length, 1, JSON.stringify(report.errors));
        assert.equal(report.errors[0].file, c.file);
        assert.match(report.errors[0].message, c.message);
      } else assert.deepEqual(report.errors, []);
      const probe = JSON.parse(readFileSync(out, 'utf8')) as ProbeReport;
      const rssMb = probe.maxRssKb / 1024;
      console.log(`      ${c.file}: engine ${lintMs.toFixed(0)} ms; CLI ${run.ms.toFixed(0)} ms (start-up ${baselineMs.toFixed(0)} ms), peak RSS ${rssMb.toFixed(0)} MB${c.message ? `; "${report.errors[0].message}"` : ''}`);
      assert.ok(run.ms - baselineMs < ANSWER_BUDGET_MS, `CLI took ${run.ms.toFixed(0)} ms beyond a ${baselineMs.toFixed(0)} ms start-up`);
      assert.ok(rssMb < MAX_RSS_MB, `CLI peak RSS ${rssMb.toFixed(0)} MB`);

      // Server: the same text opened in an editor.
      const uri = pathToFileURL(path).href;
      const languageId = kind === 'notebook' ? 'json' : kind;
      if (kind === 'notebook') return; // Editors open notebooks as cells, not as JSON text (see below).
      await session.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
      started = performance.now();
      assert.deepEqual(await pull(session, uri), c.message ? [] : await pull(session, uri));
      assert.ok(since(started) < ANSWER_BUDGET_MS, `server answered after ${since(started).toFixed(0)} ms`);
      const expected = c.serverMessage === undefined ? c.message : c.serverMessage;
      if (expected) assert.ok(session.logs.some((l) => l.includes(uri) && (expected.test(l) || /binary/.test(l))), `no log line for ${uri}: ${session.logs.slice(-3).join(' | ')}`);
      await session.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
      assert.deepEqual(internalFailures(session), []);
    });
  }

  it('deeply nested YAML opened and changed again and again does not bring the server down', async () => {
    // Before the nesting limit, the second deep YAML document aborted the whole process (V8:
    // "RegExpCompiler Allocation failed" after a stack overflow inside the YAML parser).
    for (let i = 0; i < 4; i++) {
      const uri = pathToFileURL(join(dir, `again-${i}.yaml`)).href;
      await session.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text: `a: ${'['.repeat(100_000)}` } });
      assert.deepEqual(await pull(session, uri), []);
    }
    assert.equal(session.process.exitCode, null);
    const notebookUri = pathToFileURL(join(dir, 'cells-deep.ipynb')).href;
    const cell = `vscode-notebook-cell:${join(dir, 'cells-deep.ipynb')}#c0`;
    await session.connection.sendNotification('notebookDocument/didOpen', {
      notebookDocument: { uri: notebookUri, notebookType: 'jupyter-notebook', version: 1, cells: [{ kind: 2, document: cell }] },
      cellTextDocuments: [{ uri: cell, languageId: 'python', version: 1, text: `from transformers import Trainer\nx = ${'('.repeat(50_000)}` }],
    });
    assert.deepEqual(await pull(session, cell), []);
    assert.ok(session.logs.some((l) => /nested more than 256 levels deep/.test(l)));
  });

  it('a pyproject.toml with wrong types: each key named in a warning, defaults used, the run goes on', () => {
    const project = join(dir, 'project');
    mkdirSync(project);
    writeFileSync(
      join(project, 'pyproject.toml'),
      [
        '[tool.greenml]',
        'select = "all"',
        'ignore = [1, 2]',
        'severity = 3',
        'unknown = true',
        '[tool.greenml.thresholds]',
        'grid-search-fits = "many"',
        'early-stopping-epochs = -1',
        'constructor = 5',
        '__proto__ = 7',
        '[tool.greenml.hardware]',
        'count = 1.5',
        'gpu = ""',
        '[tool.greenml.region]',
        'provider = ["gcp"]',
      ].join('\n'),
    );
    writeFileSync(join(project, 'train.py'), TRAIN);
    const run = runCli(['check', '.', '--format', 'json'], project);
    assert.equal(run.status, 1, run.stderr);
    for (const key of ['select', 'ignore', 'severity', 'unknown', 'thresholds.grid-search-fits', 'thresholds.early-stopping-epochs', 'thresholds.constructor', 'thresholds.__proto__', 'hardware.count', 'hardware.gpu', 'region.provider']) {
      assert.match(run.stderr, new RegExp(`pyproject\\.toml \\[tool\\.greenml\\]: ${key.replace(/\./g, '\\.')}: `), `no warning names ${key}:\n${run.stderr}`);
    }
    assert.ok(parseReport(run).findings.length > 0, 'defaults should still report findings');

    writeFileSync(join(project, 'pyproject.toml'), Buffer.from([0x5b, 0x74, 0xff, 0x00, 0x3d]));
    const broken = runCli(['check', '.', '--format', 'json'], project);
    assert.equal(broken.status, 1);
    assert.match(broken.stderr, /pyproject\.toml: not valid TOML, \[tool\.greenml\] ignored/);
  });

  it('symbolic link loops and links to devices in a scanned folder: reported or skipped, never followed forever', () => {
    const scanned = join(dir, 'links');
    mkdirSync(scanned);
    writeFileSync(join(scanned, 'train.py'), TRAIN);
    symlinkSync('.', join(scanned, 'loop'));
    symlinkSync('..', join(scanned, 'up'));
    symlinkSync('b.py', join(scanned, 'a.py'));
    symlinkSync('a.py', join(scanned, 'b.py'));
    symlinkSync('self.py', join(scanned, 'self.py'));
    symlinkSync('/dev/zero', join(scanned, 'zero.py'));
    symlinkSync('/dev/urandom', join(scanned, 'random.yaml'));
    const run = runCli(['check', 'links', '--format', 'json'], dir, { timeoutMs: 20_000 });
    assert.equal(run.signal, null, 'the scan did not finish');
    const report = parseReport(run);
    const errors = Object.fromEntries(report.errors.map((e) => [e.file, e.message]));
    for (const loop of ['links/a.py', 'links/b.py', 'links/self.py']) assert.match(errors[loop] ?? '', /too many levels of symbolic links/, JSON.stringify(report.errors));
    assert.ok(report.findings.some((f) => f.file === 'links/train.py'));
    assert.ok(!report.findings.some((f) => f.file.startsWith('links/loop/') || f.file.startsWith('links/up/')), 'a link to a folder was followed');
    assert.ok(run.ms - baselineMs < ANSWER_BUDGET_MS * 2);
    // Named on the command line, a device is refused without being read.
    const device = runCli(['check', 'links/zero.py', '--format', 'json'], dir, { timeoutMs: 20_000 });
    assert.match(parseReport(device).errors[0]?.message ?? '', /not a regular file/);
  });

  it('unreadable files: a FIFO, a folder named x.py, a file without read permission (as nobody)', () => {
    const scanned = join(dir, 'unreadable');
    mkdirSync(join(scanned, 'folder.py'), { recursive: true });
    writeFileSync(join(scanned, 'folder.py', 'train.py'), TRAIN);
    execFileSync('mkfifo', [join(scanned, 'fifo.py')]);
    writeFileSync(join(scanned, 'secret.py'), TRAIN);
    chmodSync(join(scanned, 'secret.py'), 0o000);
    chmodSync(dir, 0o755);
    // A FIFO is never opened (that would wait for a writer forever): named, it is reported.
    const fifo = runCli(['check', 'unreadable/fifo.py', '--format', 'json'], dir, { timeoutMs: 10_000 });
    assert.equal(fifo.signal, null, 'the CLI blocked on a FIFO');
    assert.match(parseReport(fifo).errors[0]?.message ?? '', /not a regular file/);
    // In a scanned folder: the FIFO is skipped, the folder named folder.py is searched.
    const scan = runCli(['check', 'unreadable', '--format', 'json'], dir, { timeoutMs: 10_000 });
    assert.equal(scan.signal, null);
    assert.ok(parseReport(scan).findings.some((f) => f.file === 'unreadable/folder.py/train.py'));
    const folder = runCli(['check', 'unreadable/folder.py', '--format', 'json'], dir);
    assert.ok(parseReport(folder).findings.length > 0);
    // Root reads anything: run as nobody (uid 65534) to be refused.
    if (process.getuid?.() === 0) {
      const denied = runCli(['check', 'unreadable/secret.py', '--format', 'json'], dir, { uid: 65534 });
      assert.match(parseReport(denied).errors[0]?.message ?? '', /cannot read file: permission denied/);
    }
  });
});
