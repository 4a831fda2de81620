import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Neovim's built-in LSP client (Debian's 0.7.2) drives the built server headless through
// test/neovim/config.lua: a second real client besides VS Code. The config prints one line per
// check, `GREENML-NVIM <ok|fail|info|done> <check> <detail>`, which this file parses.

const ROOT = join(__dirname, '..', '..', '..');
const CONFIG = join(ROOT, 'test', 'neovim', 'config.lua');
const FIXTURES = join(ROOT, 'test', 'neovim', 'fixture');
const SERVER = join(ROOT, 'dist', 'server.js');
const INSTALL_HINT = 'run scripts/neovim/install.sh (Debian: apt-get install -y neovim), or set GREENML_SKIP_NEOVIM=1 to skip this test';
/** Whole-run deadline; each wait inside the config is bounded by GREENML_NVIM_TIMEOUT (10 s) anyway. */
const RUN_TIMEOUT_MS = 90_000;

interface Line {
  status: 'ok' | 'fail' | 'info' | 'done';
  check: string;
  detail: string;
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  lines: Line[];
  ms: number;
}

/** The installed nvim's version, or null when there is no nvim on PATH. */
function nvimVersion(): string | null {
  const probe = spawnSync('nvim', ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (probe.error || probe.status !== 0) return null;
  return /NVIM v(\d+\.\d+\.\d+)/.exec(probe.stdout)?.[1] ?? probe.stdout.split('\n')[0];
}

function parse(stdout: string): Line[] {
  const lines: Line[] = [];
  for (const raw of stdout.split('\n')) {
    const match = /^GREENML-NVIM (ok|fail|info|done) (\S+) ?(.*)$/.exec(raw.replace(/\r/g, ''));
    if (match) lines.push({ status: match[1] as Line['status'], check: match[2], detail: match[3] });
  }
  return lines;
}

function runNeovim(tmp: string): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    // `-c 'cquit 3'` runs only if the config dies of a Lua error before it quits Neovim itself.
    const child = spawn('nvim', ['--headless', '--noplugin', '-i', 'NONE', '-n', '-u', CONFIG, '-c', 'cquit 3'], {
      cwd: ROOT,
      // Its own process group, so that a hung run can be ended with the server it started.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        GREENML_NVIM_SERVER: SERVER,
        GREENML_NVIM_NODE: process.execPath,
        GREENML_NVIM_WORKDIR: join(tmp, 'work'),
        // Neovim's state, shada and LSP log stay in the temp dir, never in the user's home.
        XDG_CONFIG_HOME: join(tmp, 'config'),
        XDG_CACHE_HOME: join(tmp, 'cache'),
        XDG_DATA_HOME: join(tmp, 'data'),
        XDG_STATE_HOME: join(tmp, 'state'),
      },
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, RUN_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, timedOut, stdout, stderr, lines: parse(stdout), ms: Date.now() - started });
    });
  });
}

function snapshot(dir: string): Map<string, Buffer> {
  return new Map(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name))]));
}

describe('Neovim as a second LSP client (headless, push diagnostics)', function () {
  this.timeout(RUN_TIMEOUT_MS + 30_000);
  let tmp: string | undefined;
  let run: Run;
  let fixturesBefore: Map<string, Buffer>;

  /** Everything the run printed, for failure messages. */
  function transcript(): string {
    const tail = (text: string) => text.split('\n').slice(-40).join('\n');
    return [
      `nvim exit code ${run.code}${run.code === 3 ? ' (a Lua error in test/neovim/config.lua, see stderr)' : ''}, signal ${run.signal}${run.timedOut ? `, killed after ${RUN_TIMEOUT_MS} ms` : ''}, ${run.ms} ms`,
      '--- stdout (tail) ---',
      tail(run.stdout.replace(/\r/g, '')),
      '--- stderr (tail) ---',
      tail(run.stderr.replace(/\r/g, '')),
    ].join('\n');
  }

  /** Fails with every failed check whose name starts with one of the prefixes, and asserts that the named checks ran. */
  function assertChecks(prefixes: string[], required: string[]): void {
    const failed = run.lines.filter((l) => l.status === 'fail' && prefixes.some((p) => l.check.startsWith(p)));
    assert.deepEqual(
      failed.map((l) => `${l.check}: ${l.detail}`),
      [],
      `Neovim checks failed:\n${failed.map((l) => `  ${l.check}: ${l.detail}`).join('\n')}\n${transcript()}`,
    );
    const passed = new Set(run.lines.filter((l) => l.status === 'ok').map((l) => l.check));
    const missing = required.filter((check) => !passed.has(check));
    assert.deepEqual(missing, [], `checks that never passed (the run stopped early?): ${missing.join(', ')}\n${transcript()}`);
  }

  before(async function () {
    if (process.env.GREENML_SKIP_NEOVIM === '1') this.skip();
    const version = nvimVersion();
    if (version === null) assert.fail(`nvim is not installed (not found on PATH): ${INSTALL_HINT}`);
    const [major, minor] = version.split('.').map(Number);
    if (!(major > 0 || minor >= 7)) assert.fail(`nvim ${version} is too old (needs 0.7 or newer): ${INSTALL_HINT}`);
    assert.ok(existsSync(SERVER), `${SERVER} is missing: run npm run build first`);
    fixturesBefore = snapshot(FIXTURES);
    tmp = mkdtempSync(join(tmpdir(), 'greenml-neovim-'));
    run = await runNeovim(tmp);
    if (process.env.GREENML_NEOVIM_VERBOSE === '1') {
      const timings = run.lines.filter((l) => l.check.startsWith('timing.')).map((l) => `${l.check.slice(7)} ${l.detail}`);
      console.log(`\n    nvim ${version}, run ${run.ms} ms: ${timings.join(', ')}`);
    }
  });

  after(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('runs to the end (exit code 0 when every check passes), with the server shut down cleanly and no errors from Neovim or the server', () => {
    assertChecks(['client.', 'capabilities.', 'server.', 'neovim.', 'config.'], ['client.start', 'client.initialize', 'capabilities.sync', 'capabilities.codeAction', 'capabilities.noPull', 'server.exit']);
    const done = run.lines.find((l) => l.status === 'done');
    assert.ok(done, `no "done" line: Neovim did not finish the config\n${transcript()}`);
    // A failed fixture check also makes nvim exit 1; the tests below report those one by one.
    const failures = run.lines.filter((l) => l.status === 'fail').length;
    assert.equal(done.check, failures === 0 ? 'pass' : 'fail', `"done ${done.check}" after ${failures} failed checks\n${transcript()}`);
    assert.equal(run.code, failures === 0 ? 0 : 1, `nvim exited with ${run.code} after ${failures} failed checks\n${transcript()}`);
  });

  const perFixture = (name: string, apply: boolean) => [
    `${name}.diagnostics.arrive`,
    `${name}.diagnostic.range`,
    `${name}.diagnostic.message`,
    `${name}.codeAction.found`,
    ...(apply ? [`${name}.edit.text`, `${name}.diagnostics.cleared`] : []),
  ];

  it('receives the pushed no-mixed-precision diagnostic, applies its quick fix and sees the diagnostic withdrawn', () => {
    assertChecks(['train.'], [...perFixture('train', true), 'train.diagnostic.source', 'train.diagnostic.code', 'train.codeAction.edit']);
  });

  it('agrees with Neovim on UTF-16 positions on a line with non-ASCII text', () => {
    assertChecks(['unicode.'], perFixture('unicode', true));
  });

  it('offers the ignore and documentation actions for a finding without a fix (data.fix null, which Neovim drops)', () => {
    assertChecks(['nofix.'], perFixture('nofix', true));
  });

  it('leaves the fixtures in the repository unchanged (only temp copies are edited)', () => {
    const after = snapshot(FIXTURES);
    assert.deepEqual([...after.keys()].sort(), [...fixturesBefore.keys()].sort());
    for (const [name, bytes] of fixturesBefore) assert.ok(bytes.equals(after.get(name)!), `${name} was changed by the run`);
  });
});
