#!/usr/bin/env node
// Runs the GreenML end-to-end suite (test/e2e/suite) inside a real VS Code: code-server (VS Code's server
// build, installed into a cache by install-code-server.sh) driven by Debian's Chromium through
// playwright-core. The extension under test is the packaged greenml-<version>.vsix, installed into a
// throwaway extensions folder exactly as a user installs it; this script packages nothing itself.
//
//   node scripts/e2e/run-code-server.mjs [--vsix FILE] [--screenshots | --screenshots-only]
//                                         [--grep TEXT | --skip TEXT] [--no-build] [--keep] [--timeout SECONDS]
//
//   --screenshots       after the suite, drive the workbench like a user and write images/screenshot-*.png
//   --screenshots-only  only the screenshots
//   --grep TEXT         run only the tests whose full title contains TEXT (a regular expression)
//   --skip TEXT         run all tests but those whose full title matches TEXT
//   --no-build          do not transpile the suite (node scripts/build.mjs --tests-only) first
//   --keep              keep the temporary folder (logs, user data, workspace copy) even on success
//   --timeout SECONDS   deadline for the whole suite (default 600)
//
// Exit code: the suite's (0 when every test passed), 1 on any failure or timeout, 2 on a usage error.
// code-server and the browser are always stopped, whatever happens.
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const started = Date.now();
const timings = [];
let phaseStart = Date.now();
function phase(name) {
  const now = Date.now();
  timings.push([name, now - phaseStart]);
  phaseStart = now;
}
const log = (...args) => console.log('[e2e]', ...args);

// ---------------------------------------------------------------------------------------------------
// Arguments
const argv = process.argv.slice(2);
const options = { vsix: undefined, screenshots: false, suite: true, build: true, keep: false, timeout: 600, grep: undefined, skip: undefined };
for (let i = 0; i < argv.length; i++) {
  const arg = argv[i];
  if (arg === '--vsix') options.vsix = resolve(argv[++i] ?? '');
  else if (arg === '--screenshots') options.screenshots = true;
  else if (arg === '--screenshots-only') Object.assign(options, { screenshots: true, suite: false });
  else if (arg === '--no-build') options.build = false;
  else if (arg === '--keep') options.keep = true;
  else if (arg === '--grep') options.grep = argv[++i];
  else if (arg === '--skip') options.skip = argv[++i];
  else if (arg === '--timeout') options.timeout = Number(argv[++i]);
  else {
    console.error(`run-code-server: unknown argument ${arg}\nusage: node scripts/e2e/run-code-server.mjs [--vsix FILE] [--screenshots | --screenshots-only] [--grep TEXT | --skip TEXT] [--no-build] [--keep] [--timeout SECONDS]`);
    process.exit(2);
  }
}
if (!Number.isFinite(options.timeout) || options.timeout <= 0) {
  console.error('run-code-server: --timeout needs a number of seconds');
  process.exit(2);
}

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const vsix = options.vsix ?? join(root, `greenml-${pkg.version}.vsix`);
if (!existsSync(vsix)) {
  console.error(`run-code-server: ${vsix} not found. Build and package the extension first: npm run build && npm run package`);
  process.exit(2);
}
const bundle = join(root, 'dist', 'extension.js');
if (existsSync(bundle) && statSync(bundle).mtimeMs > statSync(vsix).mtimeMs + 1000) {
  log(`warning: ${vsix} is older than dist/extension.js; the suite tests the packaged file (run npm run package to refresh it)`);
}

// ---------------------------------------------------------------------------------------------------
// Cleanup: whatever happens, the browser and every process of code-server are stopped.
let tmp;
let server; // code-server ChildProcess (its own process group)
let browser;
let cleaning;
function processesUnder(marker) {
  // Processes started by this run: their command line names our temporary folder.
  const pids = [];
  if (!existsSync('/proc')) return pids;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) pids.push(Number(entry));
    } catch {
      // gone already
    }
  }
  return pids;
}
async function cleanup() {
  cleaning ??= (async () => {
    if (browser) await browser.close().catch(() => undefined);
    if (server && server.exitCode === null && server.signalCode === null) {
      try {
        process.kill(-server.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const deadline = Date.now() + 5000;
      while (server.exitCode === null && server.signalCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      try {
        process.kill(-server.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (tmp) {
      for (const pid of processesUnder(tmp)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    log(`${signal}: stopping code-server and the browser`);
    void cleanup().finally(() => {
      if (tmp) log(`logs kept in ${tmp}`);
      process.exit(1);
    });
  });
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}

async function waitUntil(what, probe, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function copyWorkspace(to) {
  cpSync(join(root, 'test', 'e2e', 'workspace'), to, { recursive: true });
  return to;
}

// ---------------------------------------------------------------------------------------------------
async function main() {
  // 1. code-server (cached) and the Debian packages.
  const install = spawnSync('bash', [join(root, 'scripts', 'e2e', 'install-code-server.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (install.status !== 0) throw new Error(`install-code-server.sh failed (exit ${install.status})`);
  const codeServer = install.stdout.trim().split('\n').pop();
  const entry = join(codeServer, 'out', 'node', 'entry.js');
  if (!existsSync(entry)) throw new Error(`no code-server at ${codeServer}`);
  phase('install code-server');

  // 2. The suite, transpiled by the repo's build (every .ts under test/ → out/test/).
  if (options.suite) {
    if (options.build) {
      const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--tests-only'], { cwd: root, stdio: 'inherit' });
      if (build.status !== 0) throw new Error('node scripts/build.mjs --tests-only failed');
    }
    if (!existsSync(join(root, 'out', 'test', 'e2e', 'suite', 'index.js'))) throw new Error('out/test/e2e/suite/index.js missing: run node scripts/build.mjs --tests');
    phase('transpile suite');
  }

  // 3. Throwaway user data, extensions and workspace.
  tmp = mkdtempSync(join(tmpdir(), 'greenml-e2e-'));
  const userData = join(tmp, 'user-data');
  const extensions = join(tmp, 'extensions');
  mkdirSync(join(userData, 'User'), { recursive: true });
  mkdirSync(extensions, { recursive: true });
  writeFileSync(
    join(userData, 'User', 'settings.json'),
    JSON.stringify(
      {
        'security.workspace.trust.enabled': false,
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'workbench.enableExperiments': false,
        'extensions.ignoreRecommendations': true,
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'telemetry.telemetryLevel': 'off',
        'update.mode': 'none',
        'git.enabled': false,
        'editor.minimap.enabled': false,
        'window.restoreWindows': 'none',
        'workbench.reduceMotion': 'on',
      },
      null,
      2,
    ),
  );
  const workspace = copyWorkspace(join(tmp, 'workspace'));
  const reportFile = join(tmp, 'mocha.txt');
  const workbenchLog = join(tmp, 'workbench.log');
  const serverLog = join(tmp, 'code-server.log');
  const common = ['--user-data-dir', userData, '--extensions-dir', extensions, '--disable-telemetry', '--disable-update-check'];

  // 4. Install the packaged extension, as a user does.
  const installed = spawnSync(process.execPath, [entry, ...common, '--install-extension', vsix], { encoding: 'utf8', timeout: 120_000 });
  const installOutput = `${installed.stdout ?? ''}${installed.stderr ?? ''}`;
  const folder = readdirSync(extensions).find((name) => name.startsWith(`${pkg.publisher}.${pkg.name}-`));
  if (installed.status !== 0 || !folder) throw new Error(`--install-extension ${vsix} failed (exit ${installed.status}):\n${installOutput}`);
  log(`installed ${folder} from ${vsix.replace(`${root}/`, '')}`);
  phase('install .vsix');

  // 5. code-server on loopback, no auth.
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = { ...process.env, GREENML_E2E_REPORT: reportFile };
  if (options.grep) env.GREENML_E2E_GREP = options.grep;
  if (options.skip) env.GREENML_E2E_SKIP = options.skip;
  delete env.VSCODE_IPC_HOOK_CLI;
  server = spawn(process.execPath, [entry, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, ...common, '--disable-workspace-trust', '--disable-getting-started-override', workspace], {
    cwd: tmp,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout.on('data', (chunk) => appendFileSync(serverLog, chunk));
  server.stderr.on('data', (chunk) => appendFileSync(serverLog, chunk));
  await waitUntil(
    `code-server on ${base}`,
    async () => {
      if (server.exitCode !== null) throw new Error(`code-server exited with ${server.exitCode}:\n${readFileSync(serverLog, 'utf8')}`);
      try {
        return (await fetch(`${base}/healthz`)).ok;
      } catch {
        return false;
      }
    },
    60_000,
  );
  phase('start code-server');

  // 6. Chromium from Debian, headless.
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({
    executablePath: process.env.GREENML_E2E_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  phase('launch chromium');

  let exitCode = 0;
  if (options.suite) {
    exitCode = await runSuite({ base, workspace, reportFile, workbenchLog });
    phase('run suite');
  }
  if (options.screenshots) {
    await takeScreenshots({ base, workspace: copyWorkspace(join(tmp, 'workspace-screenshots')) });
    phase('screenshots');
  }
  return exitCode;
}

// ---------------------------------------------------------------------------------------------------
// The suite: VS Code's own mechanism for extension tests in the web workbench. The payload names a
// development extension (an empty harness: VS Code loads extensionTestsPath only with one) and the
// compiled suite; the extension host runs it and the workbench reports the exit code to the page.
async function runSuite({ base, workspace, reportFile, workbenchLog }) {
  const remote = (path) => `vscode-remote://${new URL(base).host}${path}`;
  const payload = [
    ['extensionDevelopmentPath', remote(join(root, 'test', 'e2e', 'harness'))],
    ['extensionTestsPath', remote(join(root, 'out', 'test', 'e2e', 'suite', 'index.js'))],
    ['skipWelcome', 'true'],
    ['skipReleaseNotes', 'true'],
  ];
  const url = `${base}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  let resolveExit;
  const exited = new Promise((r) => (resolveExit = r));
  await page.exposeFunction('codeAutomationExit', (code) => resolveExit(Number(code)));
  await page.exposeFunction('codeAutomationLog', (type, args) => appendFileSync(workbenchLog, `[${type}] ${(Array.isArray(args) ? args : [args]).map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}\n`));
  page.on('console', (message) => appendFileSync(workbenchLog, `[console.${message.type()}] ${message.text()}\n`));
  page.on('pageerror', (error) => appendFileSync(workbenchLog, `[pageerror] ${error.stack ?? error.message}\n`));

  // Live progress: the suite's mocha output, as the extension host writes it.
  let shown = 0;
  const tail = setInterval(() => {
    if (!existsSync(reportFile)) return;
    const text = readFileSync(reportFile, 'utf8');
    if (text.length > shown) process.stdout.write(text.slice(shown));
    shown = text.length;
  }, 200);

  const suiteStart = Date.now();
  let code;
  try {
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    let timer;
    const deadline = new Promise((r) => (timer = setTimeout(() => r('timeout'), options.timeout * 1000)));
    code = await Promise.race([exited, deadline]);
    clearTimeout(timer);
  } finally {
    clearInterval(tail);
    if (existsSync(reportFile)) process.stdout.write(readFileSync(reportFile, 'utf8').slice(shown));
  }
  if (code === 'timeout') {
    const shot = join(tmp, 'timeout.png');
    await page.screenshot({ path: shot }).catch(() => undefined);
    log(`the suite did not finish within ${options.timeout} s; the workbench at that moment: ${shot}`);
    code = 1;
  }
  log(`suite finished with exit code ${code} after ${((Date.now() - suiteStart) / 1000).toFixed(1)} s`);
  if (existsSync(reportFile)) {
    // One plain closing line for CI logs: "e2e: N passed, N failed[, N skipped]".
    const report = readFileSync(reportFile, 'utf8');
    const count = (word) => Number(new RegExp(`^\\s*(\\d+) ${word}\\b`, 'm').exec(report)?.[1] ?? 0);
    const skipped = count('pending');
    console.log(`e2e: ${count('passing')} passed, ${count('failing')} failed${skipped ? `, ${skipped} skipped` : ''}`);
    if (code !== 0 && count('failing') === 0) log('the suite failed outside a test (a hook, or the extension host); see workbench.log');
  } else {
    log('the suite wrote no output: did the extension host load out/test/e2e/suite/index.js? See workbench.log.');
    if (code === 0) code = 1;
  }
  await context.close();
  return code;
}

// ---------------------------------------------------------------------------------------------------
// Screenshots for the README, taken as a user sees the workbench: squiggles, the Problems panel, a
// hover, the quick-fix menu.
async function takeScreenshots({ base, workspace }) {
  const images = join(root, 'images');
  mkdirSync(images, { recursive: true });
  const context = await browser.newContext({ viewport: { width: 1360, height: 820 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  try {
    await driveWorkbench(page, base, workspace, images);
  } catch (error) {
    const shot = join(tmp, 'screenshots-failure.png');
    await page.screenshot({ path: shot }).catch(() => undefined);
    writeFileSync(join(tmp, 'screenshots-failure.html'), await page.content().catch(() => ''));
    log(`screenshots failed; the workbench at that moment: ${shot} (DOM: screenshots-failure.html)`);
    throw error;
  } finally {
    await context.close();
  }
}

async function driveWorkbench(page, base, workspace, images) {
  await page.goto(`${base}/?folder=${encodeURIComponent(workspace)}`, { waitUntil: 'domcontentloaded', timeout: 60_000 });
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60_000 });

  const runCommand = async (label) => {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${label}`);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first().waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  };
  const openFile = async (name) => {
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(name);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor();
    await page.keyboard.press('Enter');
    await page.locator(`.tabs-container .tab.active:has-text("${name}")`).waitFor();
  };
  const editor = page.locator('.editor-instance .monaco-editor').first();
  // A token on a line: the innermost span whose text matches `text`, on the line matching `line`
  // (the editor renders spaces as no-break spaces, which \s matches).
  const token = (line, text) => editor.locator('.view-line', { hasText: line }).locator('span span').filter({ hasText: text }).first();

  await openFile('train.py');
  // Squiggles from GreenML (warnings and infos), the code lens, then the Problems panel listing them.
  await editor.locator('.squiggly-warning').first().waitFor({ timeout: 60_000 });
  await editor.locator('.squiggly-info').first().waitFor({ timeout: 60_000 });
  await editor.locator('.codelens-decoration', { hasText: 'kWh' }).first().waitFor({ timeout: 30_000 });
  await runCommand('View: Focus Problems (Errors, Warnings, Infos)');
  await page.locator('.markers-panel .monaco-list-row', { hasText: 'no-mixed-precision' }).first().waitFor({ timeout: 30_000 });
  // Hover the TrainingArguments call: the finding, with its Quick Fix link.
  const hover = page.locator('.monaco-hover:visible');
  await token(/args\s=\sTrainingArguments/, /^\s?TrainingArguments$/).hover();
  await hover.filter({ hasText: 'no-mixed-precision' }).first().waitFor({ timeout: 30_000 });
  await page.screenshot({ path: join(images, 'screenshot-diagnostics.png') });
  log('wrote images/screenshot-diagnostics.png');
  const dismissHover = async () => {
    await page.mouse.move(5, 400);
    await page.keyboard.press('Escape');
    await hover.first().waitFor({ state: 'hidden', timeout: 10_000 });
  };
  await dismissHover();

  // The quick-fix menu on the TrainingArguments call.
  await token(/args\s=\sTrainingArguments/, /^\s?TrainingArguments$/).click();
  await page.keyboard.press('Control+.');
  const menu = page.locator('.action-widget', { hasText: 'Train with bf16' });
  await menu.first().waitFor({ state: 'visible', timeout: 30_000 });
  await page.screenshot({ path: join(images, 'screenshot-quickfix.png') });
  log('wrote images/screenshot-quickfix.png');
  await page.keyboard.press('Escape');
  await menu.first().waitFor({ state: 'hidden', timeout: 10_000 });

  // The hover on a model id: its size and the smaller alternatives (below the findings' own messages):
  // put the cursor on the id, show the hover from the keyboard, focus it and go to its end.
  await runCommand('View: Hide Panel');
  await token(/from_pretrained\("gpt2-xl"\)/, /^"gpt2-xl"$/).click();
  const showOrFocusHover = async () => {
    await page.keyboard.press('Control+K');
    await page.keyboard.press('Control+I');
  };
  await showOrFocusHover();
  const modelHover = hover.filter({ hasText: 'Smaller or distilled alternatives' }).first();
  await modelHover.waitFor({ timeout: 30_000 });
  await showOrFocusHover();
  await page.locator('.monaco-hover:focus-within').first().waitFor({ timeout: 10_000 });
  await page.keyboard.press('End');
  await page.waitForFunction(() => {
    const title = [...document.querySelectorAll('.monaco-hover strong')].find((e) => e.textContent?.includes('openai-community/gpt2-xl'));
    const hoverBox = title?.closest('.monaco-hover')?.getBoundingClientRect();
    const titleBox = title?.getBoundingClientRect();
    return Boolean(hoverBox && titleBox && titleBox.top >= hoverBox.top && titleBox.bottom <= hoverBox.bottom);
  }, undefined, { timeout: 10_000 });
  await page.screenshot({ path: join(images, 'screenshot-hover.png') });
  log('wrote images/screenshot-hover.png');
  await dismissHover();

  // A notebook with a finding on a cell.
  await openFile('notebook.ipynb');
  const notebookEditor = page.locator('.notebook-editor');
  await notebookEditor.locator('.squiggly-warning').first().waitFor({ timeout: 60_000 });
  await runCommand('View: Focus Problems (Errors, Warnings, Infos)');
  await page.locator('.markers-panel .monaco-list-row', { hasText: 'notebook.ipynb' }).first().waitFor({ timeout: 30_000 });
  await page.screenshot({ path: join(images, 'screenshot-notebook.png') });
  log('wrote images/screenshot-notebook.png');
}

// ---------------------------------------------------------------------------------------------------
let code = 1;
try {
  code = await main();
} catch (error) {
  console.error(`[e2e] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  code = 1;
} finally {
  await cleanup();
  phase('stop');
  const total = ((Date.now() - started) / 1000).toFixed(1);
  log(`timings: ${timings.map(([name, ms]) => `${name} ${(ms / 1000).toFixed(1)} s`).join(', ')}; total ${total} s`);
  if (tmp) {
    if (code === 0 && !options.keep) rmSync(tmp, { recursive: true, force: true });
    else log(`logs kept in ${tmp} (code-server.log, workbench.log, mocha.txt)`);
  }
}
process.exit(code);
