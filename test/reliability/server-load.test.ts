/**
 * The language server under load and abuse, over stdio:
 * - 1,000 rapid incremental edits with interleaved requests, cancellations and settings changes:
 *   every request settles within 1 s and the final diagnostics equal a fresh in-process analysis
 *   of the final text with the final settings (pull and push clients);
 * - 500 documents opened, analysed and closed, twice: the server's resident memory
 *   (/proc/<pid>/status) stays bounded;
 * - malformed and out-of-order protocol messages: answered or ignored, the server stays up;
 * - a killed server: the client sees the connection close (what vscode-languageclient restarts
 *   on), a new server gives the same diagnostics again; a server whose client process dies exits.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CancellationTokenSource } from 'vscode-languageserver-protocol/node';
import { initPythonParser } from '../../server/src/engine/python/parser';
import { ANSWER_BUDGET_MS, EXAMPLES, prng, since, FUZZ_SEED, SERVER } from './support/config';
import { actual, editorSettings, expectedText, internalFailures, Mirror, pull, rssMb, startSession, type LspSession } from './support/server';

const TRAIN = readFileSync(join(EXAMPLES, 'finetune_sentiment.py'), 'utf8');
const SETTINGS_STEPS: Record<string, unknown>[] = [
  {},
  { severity: { 'no-mixed-precision': 'error' } },
  { severity: { 'oversized-model': 'off', 'no-mixed-precision': 'hint' }, thresholds: { 'early-stopping-epochs': 2 } },
  { severity: { 'untracked-emissions': 'off' } },
];

/** Sends a request without waiting; records how long it takes to settle. */
function send(session: LspSession, method: string, params: unknown, cancel: boolean, latencies: number[]): Promise<void> {
  const source = new CancellationTokenSource();
  const started = performance.now();
  const pending = session.connection.sendRequest(method, params, source.token);
  if (cancel) source.cancel();
  return pending.then(
    () => void latencies.push(since(started)),
    (error: { code?: number }) => {
      assert.equal(error.code, -32800, `${method} failed: ${JSON.stringify(error)}`);
      latencies.push(since(started));
    },
  );
}

/** 1,000 edits typing and changing a training script, with requests, cancellations and settings changes in between. */
async function burst(session: LspSession, mirror: Mirror, pullClient: boolean): Promise<{ latencies: number[]; settings: Record<string, unknown> }> {
  const random = prng(FUZZ_SEED);
  const pending: Promise<void>[] = [];
  const latencies: number[] = [];
  let step = 0;
  for (let i = 0; i < 1000; i++) {
    const text = mirror.text;
    const at = Math.floor(random() * (text.length + 1));
    const r = random();
    if (r < 0.6) await mirror.edit(at, at, TRAIN[Math.floor(random() * TRAIN.length)]);
    else if (r < 0.8) await mirror.edit(at, Math.min(text.length, at + 1 + Math.floor(random() * 5)), '');
    else if (r < 0.95) {
      const from = Math.floor(random() * TRAIN.length);
      await mirror.edit(at, at, TRAIN.slice(from, from + 80));
    } else await mirror.changeTo(TRAIN);
    const uri = mirror.uri;
    if (i % 7 === 0 && pullClient) pending.push(send(session, 'textDocument/diagnostic', { textDocument: { uri } }, i % 5 === 0, latencies));
    if (i % 11 === 0) {
      const position = mirror.document.positionAt(Math.floor(random() * mirror.text.length));
      pending.push(send(session, 'textDocument/codeAction', { textDocument: { uri }, range: { start: position, end: position }, context: { diagnostics: [] } }, i % 3 === 0, latencies));
      pending.push(send(session, 'textDocument/hover', { textDocument: { uri }, position }, i % 4 === 0, latencies));
    }
    if (i % 13 === 0) pending.push(send(session, 'textDocument/codeLens', { textDocument: { uri } }, i % 2 === 0, latencies));
    if (i % 250 === 125) {
      session.settings = SETTINGS_STEPS[++step % SETTINGS_STEPS.length];
      await session.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
    }
  }
  await Promise.all(pending);
  return { latencies, settings: session.settings };
}

describe('reliability: the language server under load', function () {
  this.timeout(5 * 60_000);
  let folder: string;

  before(async () => {
    await initPythonParser();
    folder = mkdtempSync(join(tmpdir(), 'greenml-load-'));
  });

  for (const pullClient of [true, false]) {
    it(`1,000 rapid edits with interleaved requests, cancellations and settings changes (${pullClient ? 'pull' : 'push'} diagnostics): final diagnostics equal a fresh analysis`, async () => {
      const session = await startSession(pullClient);
      try {
        const uri = pathToFileURL(join(folder, `burst-${pullClient}.py`)).href;
        const mirror = new Mirror(session, uri, 'python', TRAIN.slice(0, 400));
        await mirror.open();
        const started = performance.now();
        const { latencies, settings } = await burst(session, mirror, pullClient);
        const slowest = Math.max(0, ...latencies);
        console.log(`      ${pullClient ? 'pull' : 'push'}: 1000 edits, ${latencies.length} requests (some cancelled) in ${(since(started) / 1000).toFixed(1)} s, slowest answer ${slowest.toFixed(0)} ms`);
        assert.ok(slowest < ANSWER_BUDGET_MS, `a request took ${slowest.toFixed(0)} ms`);
        const expected = expectedText('python', mirror.text, editorSettings(settings));
        assert.ok(expected.length > 0, 'the final text should have findings (a weak test otherwise)');
        if (pullClient) assert.deepEqual(actual(await pull(session, uri)), expected);
        else {
          const published = await session.waitFor(() => {
            const last = session.published.get(uri);
            return last && JSON.stringify(actual(last.diagnostics)) === JSON.stringify(expected) ? last : undefined;
          }, 'published diagnostics of the final text', 5000);
          assert.ok(published);
        }
        assert.deepEqual(internalFailures(session), []);
        assert.equal(session.process.exitCode, null);
      } finally {
        await session.close();
      }
    });
  }

  it('opening, analysing and closing 500 documents, twice, keeps memory bounded', async () => {
    const session = await startSession(true);
    try {
      const random = prng(FUZZ_SEED + 3);
      const round = async (name: string) => {
        for (let i = 0; i < 500; i++) {
          const uri = pathToFileURL(join(folder, `${name}-${i}.py`)).href;
          const mirror = new Mirror(session, uri, 'python', TRAIN + `\n# ${random()}\n`);
          await mirror.open();
          await pull(session, uri);
          await session.connection.sendRequest('textDocument/codeLens', { textDocument: { uri } });
          await mirror.close();
        }
      };
      await round('warmup');
      const before = rssMb(session.process.pid!);
      await round('first');
      const middle = rssMb(session.process.pid!);
      await round('second');
      const after = rssMb(session.process.pid!);
      console.log(`      server RSS: ${before.toFixed(0)} MB after 500 warm-up documents, ${middle.toFixed(0)} MB after 500 more, ${after.toFixed(0)} MB after another 500`);
      // Each document is ~1 KB; a leak of the analyses (a syntax tree each) would add tens of MB per round.
      assert.ok(after - before < 48, `RSS grew by ${(after - before).toFixed(0)} MB over 1,000 opened and closed documents`);
      assert.ok(after < 400, `RSS ${after.toFixed(0)} MB`);
      // Closed documents are gone: asking about one gives nothing.
      assert.deepEqual(await pull(session, pathToFileURL(join(folder, 'first-1.py')).href), []);
    } finally {
      await session.close();
    }
  });

  it('malformed and out-of-order messages are answered or ignored, and the server stays up', async () => {
    const session = await startSession(true);
    try {
      const c = session.connection;
      const uri = pathToFileURL(join(folder, 'abuse.py')).href;
      await c.sendNotification('textDocument/didChange', { textDocument: { uri: `${uri}-never-opened`, version: 2 }, contentChanges: [{ text: 'x' }] });
      await c.sendNotification('textDocument/didClose', { textDocument: { uri: `${uri}-never-opened` } });
      await c.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text: TRAIN } });
      await c.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text: TRAIN } });
      // A range past the end, a version going backwards, an empty change list.
      await c.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: { line: 9999, character: 5 }, end: { line: 99999, character: 0 } }, text: '\nx = 1' }] });
      await c.sendNotification('textDocument/didChange', { textDocument: { uri, version: 1 }, contentChanges: [] });
      await c.sendNotification('notebookDocument/didChange', { notebookDocument: { uri: 'file:///nope.ipynb', version: 3 }, change: {} });
      const settle = (p: Promise<unknown>) => p.then(() => 'answered', () => 'error');
      const answers = await Promise.all([
        settle(c.sendRequest('textDocument/diagnostic', { textDocument: { uri: 'untitled:nothing' } })),
        settle(c.sendRequest('textDocument/diagnostic', {})),
        settle(c.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: -1, character: -5 } })),
        settle(c.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 1e9, character: 1e9 } })),
        settle(c.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: { start: { line: 5, character: 0 }, end: { line: 1, character: 0 } }, context: { diagnostics: [{ source: 'greenml', data: { rule: 42, fix: 'x' }, range: null, message: 1 }] } })),
        settle(c.sendRequest('textDocument/codeLens', { textDocument: { uri: 'file:///no/such/file.py' } })),
        settle(c.sendRequest('greenml/checkFile', { uri: 'file:///definitely/not/here.py' })),
        settle(c.sendRequest('greenml/checkFile', { uri: 'not a uri' })),
        settle(c.sendRequest('greenml/ruleDocumentation', { rule: '__proto__' })),
        settle(c.sendRequest('no/such/method', {})),
      ]);
      assert.equal(answers.length, 10);
      assert.ok((await pull(session, uri)).length > 0, 'the server stopped analysing');
      assert.equal(session.process.exitCode, null);
    } finally {
      await session.close();
    }
  });

  it('a killed server closes the connection; a restarted one gives the same diagnostics', async () => {
    const uri = pathToFileURL(join(folder, 'restart.py')).href;
    const first = await startSession(true);
    const mirror = new Mirror(first, uri, 'python', TRAIN);
    await mirror.open();
    const before = actual(await pull(first, uri));
    assert.ok(before.length > 0);
    const closed = new Promise<void>((resolve) => first.connection.onClose(() => resolve()));
    first.process.kill('SIGKILL');
    await Promise.race([closed, new Promise((_, reject) => setTimeout(() => reject(new Error('the client was not told that the connection closed')), 5000))]);
    await first.close();
    // What vscode-languageclient does on a crash: start the server again and re-open the documents.
    const second = await startSession(true);
    try {
      await new Mirror(second, uri, 'python', TRAIN).open();
      assert.deepEqual(actual(await pull(second, uri)), before);
    } finally {
      await second.close();
    }
  });

  it('exits when the client process named in initialize dies, and on shutdown + exit', async () => {
    const client = spawn('sleep', ['60']);
    const server = spawn(process.execPath, [SERVER, '--stdio', `--clientProcessId=${client.pid}`], { stdio: ['pipe', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));
    client.kill('SIGKILL');
    const code = await Promise.race([exited, new Promise<'alive'>((resolve) => setTimeout(() => resolve('alive'), 10_000))]);
    if (code === 'alive') server.kill('SIGKILL');
    assert.notEqual(code, 'alive', 'the server outlived its client by 10 s');

    const session = await startSession(true);
    const done = new Promise<number | null>((resolve) => session.process.on('exit', (c) => resolve(c)));
    await session.connection.sendRequest('shutdown');
    await session.connection.sendNotification('exit');
    assert.equal(await done, 0);
    session.connection.dispose();
  });
});
