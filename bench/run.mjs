#!/usr/bin/env node
// GreenML performance benchmark (issue: "faster than Ruff on the same files, instant in the editor,
// small and lean"). Measures, side by side in one run:
//   1. `greenml check` vs Ruff-wasm (Workspace.check, default settings) on the same Python files,
//      plus findings parity with/without the prefilter and with 1 or N workers
//   2. editor latency: didChange -> diagnostics (pull and push), hover, code actions, 5,000-line script
//   3. server memory with 200 open files, and its growth over 10,000 edits
//   4. start-up: extension activation (outside VS Code), first diagnostics, .vsix size
//   5. scaling of `greenml check` over 1x/2x/4x corpora
// Prints a table and writes bench/results.json. Every figure comes from a measurement in this run.
//
//   node bench/run.mjs [--keep] [--out FILE] [--budget SECONDS] [--only cliVsRuff,parity,editorPull,editorPush,startup,scaling,memory,evidence]
//
// It runs the bundles in dist/ (build first: `npm run bench` does), copied to a temp folder at the
// start so that a rebuild during the run cannot mix versions.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildInputs, MODEL_IDS } from './lib/corpus.mjs';
import { analyzeProfiles } from './lib/cpuprofile.mjs';
import { EditedDocument, LspSession } from './lib/lsp.mjs';
import { loadWindow } from './lib/machine.mjs';
import { linearFit, median, percentile, rng, round, summary } from './lib/stats.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(HERE);
const requireFromRepo = createRequire(join(ROOT, 'package.json'));
const argv = process.argv.slice(2);
const KEEP = argv.includes('--keep');
const OUT = argv.includes('--out') ? argv[argv.indexOf('--out') + 1] : join(HERE, 'results.json');
// --only cliVsRuff,editorPull: run just these phases (for working on one target; the table marks the rest as not run).
const ONLY = argv.includes('--only') ? new Set(argv[argv.indexOf('--only') + 1].split(',')) : null;
const BUDGET_MS = (argv.includes('--budget') ? Number(argv[argv.indexOf('--budget') + 1]) : 570) * 1000;
const STARTED = performance.now();
const elapsed = () => performance.now() - STARTED;
const remaining = () => BUDGET_MS - elapsed();

// The issue's targets (limits, not results).
const LIMITS = {
  ruffRatio: 1.0,
  ruffRatioAim: 0.5,
  editP95Ms: 16,
  hoverP95Ms: 16,
  codeActionP95Ms: 16,
  rss200MB: 150,
  growthPct: 10,
  activationMs: 100,
  firstDiagnosticsMs: 500,
  vsixMB: 2,
  // "Linear": my reading, stated in the results: the least-squares line explains >= 99% of the variance
  // and 4x the input takes at most 10% more than 4x the time (superlinear growth is what would hurt).
  scalingR2: 0.99,
  scalingT4T1: 4.4,
};

const log = (message) => process.stderr.write(`[bench ${(elapsed() / 1000).toFixed(0).padStart(3)}s] ${message}\n`);
const results = {
  schema: 'greenml-bench v1',
  machine: {},
  build: {},
  corpus: {},
  targets: {},
  evidence: {},
  load: [],
  problems: [],
};
const noteLoad = (phase) => results.load.push({ phase, atSec: round(elapsed() / 1000, 1), loadavg: os.loadavg().map((v) => round(v, 2)) });
const problem = (phase, error) => {
  const message = error instanceof Error ? (error.stack ?? error.message).split('\n').slice(0, 4).join(' | ') : String(error);
  results.problems.push({ phase, message });
  log(`PROBLEM in ${phase}: ${message}`);
};

// ---------------------------------------------------------------------------------------------
// Machine facts, build snapshot, corpus

function machineFacts() {
  const cpus = os.cpus();
  let cpuModel = cpus[0]?.model ?? 'unknown';
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const m = /^model name\s*:\s*(.+)$/m.exec(info);
    if (m) cpuModel = m[1].trim();
  } catch {
    // Not Linux.
  }
  return {
    cpuModel,
    logicalCores: cpus.length,
    availableParallelism: os.availableParallelism?.() ?? cpus.length,
    cpuMHz: cpus[0]?.speed ?? null,
    totalMemoryMB: Math.round(os.totalmem() / 1048576),
    freeMemoryMBAtStart: Math.round(os.freemem() / 1048576),
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString(),
    loadavgAtStart: os.loadavg().map((v) => round(v, 2)),
  };
}

const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 16);

function snapshotDist(tmp) {
  const dist = join(ROOT, 'dist');
  const needed = ['cli.js', 'server.js', 'extension.js', 'web-tree-sitter.wasm', 'tree-sitter-python.wasm'];
  const missing = needed.filter((f) => !existsSync(join(dist, f)));
  if (missing.length > 0) throw new Error(`dist/ lacks ${missing.join(', ')}: run \`npm run build\` first (npm run bench does)`);
  const snap = join(tmp, 'app');
  mkdirSync(join(snap, 'dist'), { recursive: true });
  for (const f of readdirSync(dist)) copyFileSync(join(dist, f), join(snap, 'dist', f));
  copyFileSync(join(ROOT, 'package.json'), join(snap, 'package.json'));
  const files = {};
  for (const f of needed) files[f] = { bytes: statSync(join(snap, 'dist', f)).size, sha256: sha256(join(snap, 'dist', f)), mtime: statSync(join(dist, f)).mtime.toISOString() };
  return { snap, files };
}

function fetchCorpus() {
  const out = execFileSync('bash', [join(ROOT, 'scripts', 'fetch-corpus.sh'), '--quiet'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return out.trim().split('\n').pop();
}

async function treeSitter(snapDist) {
  const TS = requireFromRepo('web-tree-sitter');
  await TS.Parser.init({ locateFile: () => join(snapDist, 'web-tree-sitter.wasm') });
  const language = await TS.Language.load(readFileSync(join(snapDist, 'tree-sitter-python.wasm')));
  const parser = new TS.Parser();
  parser.setLanguage(language);
  const parse = (text) => {
    const tree = parser.parse(text);
    const result = { hasError: tree.rootNode.hasError, nodes: tree.rootNode.descendantCount };
    tree.delete();
    return result;
  };
  /** Milliseconds of each incremental re-parse over successive versions of one document (the first parse not counted). */
  const reparseTimes = (versions) => {
    const point = (text, offset) => {
      const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
      let row = 0;
      for (let i = text.indexOf('\n'); i !== -1 && i < lineStart; i = text.indexOf('\n', i + 1)) row++;
      return { row, column: offset - lineStart };
    };
    const times = [];
    let previous = versions[0];
    let tree = parser.parse(previous);
    for (const text of versions.slice(1)) {
      let start = 0;
      while (start < Math.min(previous.length, text.length) && previous.charCodeAt(start) === text.charCodeAt(start)) start++;
      let suffix = 0;
      while (suffix < Math.min(previous.length, text.length) - start && previous.charCodeAt(previous.length - 1 - suffix) === text.charCodeAt(text.length - 1 - suffix)) suffix++;
      const oldEnd = previous.length - suffix;
      const newEnd = text.length - suffix;
      const t = performance.now();
      tree.edit(new TS.Edit({ startIndex: start, oldEndIndex: oldEnd, newEndIndex: newEnd, startPosition: point(previous, start), oldEndPosition: point(previous, oldEnd), newEndPosition: point(text, newEnd) }));
      const next = parser.parse(text, tree);
      times.push(performance.now() - t);
      tree.delete();
      tree = next;
      previous = text;
    }
    tree.delete();
    return times;
  };
  return { parse, reparseTimes };
}

// ---------------------------------------------------------------------------------------------
// greenml check runs

let CLI = '';
/** ['--no-cache'] when this build has a findings cache (set after probing the build). */
let NO_CACHE_FLAG = [];
const PRELOAD = join(HERE, 'lib', 'rusage-preload.cjs');

/** Runs `greenml check` in a fresh process; wall time from spawn to exit, CPU from the process itself. */
function runCheck(tmp, target, extra = [], { nodeArgs = [], keepOutput = true, cacheDir = null } = {}) {
  const id = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const outFile = join(tmp, 'runs', `${id}.out`);
  const errFile = join(tmp, 'runs', `${id}.err`);
  const usageFile = join(tmp, 'runs', `${id}.usage.json`);
  mkdirSync(join(tmp, 'runs'), { recursive: true });
  const outFd = openSync(outFile, 'w');
  const errFd = openSync(errFile, 'w');
  // Every run analyses for itself (--no-cache) unless it is given a cache folder to use.
  const cacheFlags = cacheDir === null && NO_CACHE_FLAG.length > 0 ? NO_CACHE_FLAG : [];
  const args = [...nodeArgs, '-r', PRELOAD, CLI, 'check', target, '--format', 'json', '--exit-zero', ...cacheFlags, ...extra];
  return new Promise((resolve) => {
    const window = loadWindow();
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { cwd: tmp, stdio: ['ignore', outFd, errFd], env: { ...process.env, GREENML_BENCH_RUSAGE: usageFile, NO_COLOR: '1', ...(cacheDir ? { GREENML_CACHE_DIR: cacheDir } : {}) } });
    child.on('exit', (code) => {
      const wallMs = performance.now() - t0;
      closeSync(outFd);
      closeSync(errFd);
      const stderr = readFileSync(errFile, 'utf8');
      let usage = null;
      try {
        usage = JSON.parse(readFileSync(usageFile, 'utf8'));
      } catch {
        // The process died before its exit hook.
      }
      let report = null;
      let parseError = '';
      if (code === 0) {
        try {
          report = JSON.parse(readFileSync(outFile, 'utf8'));
        } catch (error) {
          parseError = ` (output is not JSON: ${error instanceof Error ? error.message : error})`;
        }
      }
      if (!keepOutput) rmSync(outFile, { force: true });
      resolve({
        code,
        wallMs,
        // Cores that other work on the machine kept busy meanwhile (the child is reaped by now).
        othersCores: window.end(),
        cpuMs: usage ? usage.userMs + usage.systemMs : null,
        maxRssMB: usage ? usage.maxRssKB / 1024 : null,
        stderr: stderr.slice(0, 2000) + parseError,
        findings: report ? report.findings : null,
        errors: report ? report.errors : null,
      });
    });
  });
}

function canonicalFindings(findings) {
  return findings
    .map((f) => JSON.stringify([f.file, f.cell ?? -1, f.line, f.column, f.endLine, f.endColumn, f.rule, f.severity, f.message, f.fix ?? null]))
    .sort();
}

function compareFindings(a, b) {
  if (!a.findings || !b.findings) return { same: null, reason: 'a run failed' };
  const ca = canonicalFindings(a.findings);
  const cb = canonicalFindings(b.findings);
  const sa = new Set(ca);
  const sb = new Set(cb);
  const onlyA = ca.filter((x) => !sb.has(x));
  const onlyB = cb.filter((x) => !sa.has(x));
  const errorsSame = JSON.stringify([...a.errors].sort((x, y) => (x.file < y.file ? -1 : 1))) === JSON.stringify([...b.errors].sort((x, y) => (x.file < y.file ? -1 : 1)));
  return { same: onlyA.length === 0 && onlyB.length === 0 && ca.length === cb.length && errorsSame, findings: [ca.length, cb.length], onlyInFirst: onlyA.length, onlyInSecond: onlyB.length, errorsSame, examples: [...onlyA.slice(0, 3), ...onlyB.slice(0, 3)] };
}

/** Whether this build's `greenml check` accepts an option (exit 2 + "unknown option" means no). */
function supportsOption(tmp, option) {
  const dir = join(tmp, 'flag-probe');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'probe.py'), 'import torch\n');
  const run = spawnSync(process.execPath, [CLI, 'check', dir, '--format', 'json', '--exit-zero', ...option], { encoding: 'utf8', cwd: tmp });
  const unknown = run.status === 2 && /unknown option/i.test(run.stderr);
  return { supported: run.status === 0, unknown, status: run.status, stderr: run.stderr.trim().split('\n')[0] ?? '' };
}

function ruffPass(ws, files) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let diagnostics = 0;
  let failures = 0;
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    try {
      diagnostics += ws.check(text).length;
    } catch {
      failures++;
    }
  }
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wallMs, cpuMs: (c.user + c.system) / 1000, diagnostics, failures };
}

async function phaseCliVsRuff(tmp, inputs) {
  const out = { files: inputs.facts.pythonTree.files, bytes: inputs.facts.pythonTree.bytes };
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  out.options = { noPrefilter: supportsOption(tmp, ['--no-prefilter']), workers: supportsOption(tmp, ['--workers', String(cores)]), workers1: supportsOption(tmp, ['--workers', '1']), noCache: supportsOption(tmp, ['--no-cache']) };

  // Ruff cold: load the module, create the workspace, read and check every file, in this process.
  noteLoad('ruff cold');
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const ruff = requireFromRepo('@astral-sh/ruff-wasm-nodejs');
  const ws = new ruff.Workspace(ruff.Workspace.defaultSettings(), ruff.PositionEncoding.Utf16);
  const loadMs = performance.now() - t0;
  const first = ruffPass(ws, inputs.pyFiles);
  const cc = process.cpuUsage(c0);
  out.ruff = { version: ruff.Workspace.version(), settings: 'Workspace.defaultSettings()', cold: { wallMs: loadMs + first.wallMs, cpuMs: (cc.user + cc.system) / 1000, loadAndInstantiateMs: loadMs, diagnostics: first.diagnostics, failures: first.failures } };
  log(`ruff cold ${(out.ruff.cold.wallMs / 1000).toFixed(2)} s, ${first.diagnostics} diagnostics`);

  // Ruff warm-up: V8 tiers the wasm up in the background; repeat until 3 passes in a row agree within 15%.
  const warmups = [];
  for (let i = 0; i < 8; i++) {
    warmups.push(ruffPass(ws, inputs.pyFiles).wallMs);
    const last = warmups.slice(-3);
    if (last.length === 3 && Math.max(...last) / Math.min(...last) < 1.15) break;
  }
  out.ruff.warmupPassesMs = warmups.map((v) => round(v, 0));
  log(`ruff warm-up passes: ${out.ruff.warmupPassesMs.join(', ')} ms`);

  // Interleaved pairs: greenml (fresh process) then Ruff (warm), three times, so drifting load hits both.
  const pairs = [];
  for (let i = 0; i < 3; i++) {
    noteLoad(`greenml/ruff pair ${i + 1}`);
    const g = await runCheck(tmp, inputs.py1, [], { keepOutput: i === 0 });
    if (g.code !== 0) throw new Error(`greenml check failed (exit ${g.code}): ${g.stderr}`);
    const r = ruffPass(ws, inputs.pyFiles);
    pairs.push({ greenml: g, ruff: r });
    log(`pair ${i + 1}: greenml ${(g.wallMs / 1000).toFixed(2)} s wall / ${(g.cpuMs / 1000).toFixed(2)} s CPU (others busy ${g.othersCores} cores), ruff ${(r.wallMs / 1000).toFixed(2)} s wall`);
  }
  const gWall = pairs.map((p) => p.greenml.wallMs);
  const gCpu = pairs.map((p) => p.greenml.cpuMs);
  const rWall = pairs.map((p) => p.ruff.wallMs);
  const rCpu = pairs.map((p) => p.ruff.cpuMs);
  out.greenml = {
    wallMs: gWall.map((v) => round(v, 0)),
    cpuMs: gCpu.map((v) => round(v, 0)),
    maxRssMB: pairs.map((p) => round(p.greenml.maxRssMB, 1)),
    othersBusyCores: pairs.map((p) => p.greenml.othersCores),
    findings: pairs[0].greenml.findings.length,
    errors: pairs[0].greenml.errors.length,
    workers: 'default',
  };
  out.ruff.warm = { wallMs: rWall.map((v) => round(v, 0)), cpuMs: rCpu.map((v) => round(v, 0)), diagnostics: pairs[0].ruff.diagnostics };
  out.ratioWarm = median(gWall) / median(rWall);
  out.ratioWarmPairwise = median(pairs.map((p) => p.greenml.wallMs / p.ruff.wallMs));
  out.ratioCold = median(gWall) / out.ruff.cold.wallMs;
  out.cpuRatioWarm = median(gCpu) / median(rCpu);
  // greenml spreads its CPU over the workers, Ruff-wasm runs on one thread: on two idle cores the wall
  // ratio can at best be about half the CPU ratio.
  out.bestCaseTwoIdleCoresRatio = out.cpuRatioWarm / 2;
  out.greenmlParallelism = gWall.map((w, i) => round(gCpu[i] / w, 2));
  out.greenmlMsPerMB = median(gWall) / (out.bytes / 1e6);
  out.greenmlCpuMsPerMB = median(gCpu) / (out.bytes / 1e6);
  out.ruffWarmMsPerMB = median(rWall) / (out.bytes / 1e6);

  // greenml on one thread vs Ruff (single-threaded), when the option exists.
  if (out.options.workers1.supported) {
    noteLoad('greenml --workers 1 vs ruff');
    const g1 = await runCheck(tmp, inputs.py1, ['--workers', '1'], { keepOutput: false });
    const r1 = ruffPass(ws, inputs.pyFiles);
    out.singleThread = { greenmlWallMs: round(g1.wallMs, 0), greenmlCpuMs: round(g1.cpuMs, 0), othersBusyCores: g1.othersCores, ruffWallMs: round(r1.wallMs, 0), ratio: g1.wallMs / r1.wallMs };
  } else out.singleThread = 'n/a (no --workers option)';

  // A second run over the unchanged tree with the findings cache (what re-runs cost); a first run fills it.
  if (out.options.noCache.supported) {
    noteLoad('greenml cached re-run vs ruff');
    const cacheDir = join(tmp, 'findings-cache');
    const fill = await runCheck(tmp, inputs.py1, [], { keepOutput: true, cacheDir });
    const again = await runCheck(tmp, inputs.py1, [], { keepOutput: true, cacheDir });
    const r2 = ruffPass(ws, inputs.pyFiles);
    out.cached = { fillWallMs: round(fill.wallMs, 0), rerunWallMs: round(again.wallMs, 0), rerunCpuMs: round(again.cpuMs, 0), ruffWallMs: round(r2.wallMs, 0), ratio: again.wallMs / r2.wallMs, sameFindings: compareFindings(pairs[0].greenml, again).same };
    log(`cached re-run: ${(again.wallMs / 1000).toFixed(2)} s (filling run ${(fill.wallMs / 1000).toFixed(2)} s), ruff ${(r2.wallMs / 1000).toFixed(2)} s`);
  } else out.cached = 'n/a (no findings cache in this build)';
  return out;
}

async function phaseParity(tmp, inputs) {
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  const out = { corpus: 'full tree (.py, .ipynb, .yaml/.yml, .json)', files: inputs.facts.fullTree.files, bytes: inputs.facts.fullTree.bytes };
  noteLoad('parity default');
  const base = await runCheck(tmp, inputs.full1);
  if (base.code !== 0) throw new Error(`greenml check failed on the full tree (exit ${base.code}): ${base.stderr}`);
  out.default = { wallMs: round(base.wallMs, 0), cpuMs: round(base.cpuMs, 0), othersBusyCores: base.othersCores, findings: base.findings.length, errors: base.errors.length, stderr: base.stderr.trim().slice(0, 300) };
  const variant = async (name, flags, check) => {
    if (!check.supported) {
      out[name] = { status: 'n/a', reason: check.unknown ? `this build has no ${flags[0]} option` : `probe exited ${check.status}: ${check.stderr}` };
      return null;
    }
    noteLoad(`parity ${name}`);
    const run = await runCheck(tmp, inputs.full1, flags);
    out[name] = { flags: flags.join(' '), wallMs: round(run.wallMs, 0), cpuMs: round(run.cpuMs, 0), othersBusyCores: run.othersCores, exit: run.code };
    return run;
  };
  const noPrefilter = await variant('noPrefilter', ['--no-prefilter'], supportsOption(tmp, ['--no-prefilter']));
  if (noPrefilter) out.noPrefilter.sameAsDefault = compareFindings(base, noPrefilter);
  const w1 = await variant('workers1', ['--workers', '1'], supportsOption(tmp, ['--workers', '1']));
  const wN = await variant(`workersN`, ['--workers', String(cores)], supportsOption(tmp, ['--workers', String(cores)]));
  if (w1 && wN) out.workersSame = compareFindings(w1, wN);
  if (w1) out.workers1.sameAsDefault = compareFindings(base, w1);
  if (wN) out.workersN.sameAsDefault = compareFindings(base, wN);
  out.prefilterSame = noPrefilter ? out.noPrefilter.sameAsDefault.same : 'n/a';
  out.workersSameVerdict = w1 && wN ? out.workersSame.same : 'n/a';
  return out;
}

/**
 * 1x, 2x, 4x, then (when the budget allows) 4x, 2x, 1x again: each point keeps the faster of its runs,
 * wall and CPU separately, since load from other processes only ever adds time.
 */
async function phaseScaling(tmp, inputs) {
  const runs = { 1: [], 2: [], 4: [] };
  const one = async (k) => {
    noteLoad(`scaling ${k}x`);
    const run = await runCheck(tmp, inputs.scaled[k], [], { keepOutput: false });
    if (run.code !== 0) throw new Error(`greenml check ${k}x failed: ${run.stderr}`);
    runs[k].push(run);
    log(`scaling ${k}x: ${(run.wallMs / 1000).toFixed(2)} s wall, ${(run.cpuMs / 1000).toFixed(2)} s CPU (others busy ${run.othersCores} cores)`);
  };
  const t0 = performance.now();
  for (const k of [1, 2, 4]) await one(k);
  const seriesMs = performance.now() - t0;
  const second = remaining() > seriesMs * 1.3 + 150_000;
  if (second) for (const k of [4, 2, 1]) await one(k);
  const points = [1, 2, 4].map((k) => ({
    multiple: k,
    files: inputs.facts.pythonTree.files * k,
    MB: round((inputs.facts.pythonTree.bytes * k) / 1e6, 2),
    wallMs: round(Math.min(...runs[k].map((r) => r.wallMs)), 0),
    cpuMs: round(Math.min(...runs[k].map((r) => r.cpuMs)), 0),
    allWallMs: runs[k].map((r) => round(r.wallMs, 0)),
    allCpuMs: runs[k].map((r) => round(r.cpuMs, 0)),
    othersBusyCores: runs[k].map((r) => r.othersCores),
    maxRssMB: round(Math.max(...runs[k].map((r) => r.maxRssMB)), 1),
  }));
  const xs = points.map((p) => p.MB);
  const wall = linearFit(xs, points.map((p) => p.wallMs));
  const cpu = linearFit(xs, points.map((p) => p.cpuMs));
  return {
    corpus: 'Python tree duplicated into 2 and 4 copies (hard links)',
    runsPerPoint: second ? 2 : 1,
    estimator: second ? 'faster of 2 runs per point (order 1,2,4,4,2,1)' : 'one run per point (no time for a second series)',
    points,
    wall: { slopeMsPerMB: round(wall.slope, 1), interceptMs: round(wall.intercept, 0), r2: round(wall.r2, 4), t4OverT1: round(points[2].wallMs / points[0].wallMs, 2), ideal: 4 },
    cpu: { slopeMsPerMB: round(cpu.slope, 1), interceptMs: round(cpu.intercept, 0), r2: round(cpu.r2, 4), t4OverT1: round(points[2].cpuMs / points[0].cpuMs, 2), ideal: 4 },
  };
}

// ---------------------------------------------------------------------------------------------
// Editor

const SERVER = () => join(results.build.snapshot, 'dist', 'server.js');

async function openAndDiagnose(session, doc) {
  await session.didOpen(doc.uri, doc.text, doc.version);
  return session.diagnostics(doc.uri);
}

/** Opens a document, makes `edits` edits with a diagnostic pull after each, closes it: the times after the first `warmup`. */
async function editLatencies(session, doc, nextEdit, edits, warmup) {
  await openAndDiagnose(session, doc);
  const times = [];
  for (let i = 0; i < edits; i++) {
    const edit = nextEdit();
    const t = performance.now();
    void session.didChange(doc.uri, doc.version, edit.change);
    await session.diagnostics(doc.uri);
    if (i >= warmup) times.push(performance.now() - t);
  }
  await session.didClose(doc.uri);
  return times;
}

async function phaseEditorPull(inputs, r) {
  const session = new LspSession(ROOT, SERVER());
  const out = {};
  try {
    await session.initialize(true);
    const doc = new EditedDocument(pathToFileURL(inputs.trainPath).href, inputs.trainText, r);
    let t = performance.now();
    let report = await openAndDiagnose(session, doc);
    out.openToFirstDiagnosticsMs = round(performance.now() - t, 1);
    out.findingsAtOpen = report.items.length;
    for (let i = 0; i < 20; i++) {
      const e = doc.randomEdit();
      void session.didChange(doc.uri, doc.version, e.change);
      report = await session.diagnostics(doc.uri);
    }
    const diag = [];
    const hover = [];
    const action = [];
    const actionWithDiagnostics = [];
    const actionWithout = [];
    const rulesOnly = [];
    const kinds = {};
    let hoverHits = 0;
    let actionsOffered = 0;
    const cpu0 = session.cpuMs();
    for (let i = 0; i < 200; i++) {
      const edit = doc.randomEdit();
      kinds[edit.kind] = (kinds[edit.kind] ?? 0) + 1;
      t = performance.now();
      void session.didChange(doc.uri, doc.version, edit.change);
      report = await session.diagnostics(doc.uri);
      diag.push(performance.now() - t);
      if (i % 8 === 0) {
        // Same version again: the server re-runs the rules on its cached parse (no parse).
        t = performance.now();
        await session.diagnostics(doc.uri);
        rulesOnly.push(performance.now() - t);
      }
      const position = doc.hoverPosition(MODEL_IDS);
      t = performance.now();
      const h = await session.hover(doc.uri, position);
      hover.push(performance.now() - t);
      if (h) hoverHits++;
      const onDiagnostic = report.items.length > 0 && r() < 0.5;
      const line = onDiagnostic ? r.pick(report.items).range.start.line : r.int(doc.lineCount);
      const overlapping = report.items.filter((d) => d.range.start.line <= line && d.range.end.line >= line);
      t = performance.now();
      const actions = await session.codeActions(doc.uri, { start: { line, character: 0 }, end: { line, character: 0 } }, overlapping);
      const ms = performance.now() - t;
      action.push(ms);
      (overlapping.length > 0 ? actionWithDiagnostics : actionWithout).push(ms);
      actionsOffered += actions?.length ?? 0;
    }
    const cpuPerEdit = (session.cpuMs() - cpu0) / 200;
    // Hover sent right after an edit, before any diagnostics: includes the re-parse of the new version.
    const hoverAfterEdit = [];
    for (let i = 0; i < 50; i++) {
      const edit = doc.randomEdit();
      void session.didChange(doc.uri, doc.version, edit.change);
      t = performance.now();
      await session.hover(doc.uri, doc.hoverPosition(MODEL_IDS));
      hoverAfterEdit.push(performance.now() - t);
    }
    out.document = { lines: doc.lineCount, bytes: Buffer.byteLength(doc.text) };
    out.edits = 200;
    out.editKinds = kinds;
    out.didChangeToDiagnosticsMs = roundSummary(summary(diag));
    out.hoverMs = roundSummary(summary(hover));
    out.hoverNonEmpty = hoverHits;
    out.codeActionMs = roundSummary(summary(action));
    out.codeActionsOffered = actionsOffered;
    out.codeActionOnDiagnosticLineMs = { note: 'requests whose context carried diagnostics (quick fixes, fix-all)', ...roundSummary(summary(actionWithDiagnostics)) };
    out.codeActionElsewhereMs = { note: 'requests on lines without diagnostics', ...roundSummary(summary(actionWithout)) };
    out.sameVersionDiagnosticsMs = { note: 'second diagnostic request for an unchanged version: rules on the cached parse, no parse', ...roundSummary(summary(rulesOnly)) };
    out.hoverRightAfterEditMs = { note: 'hover sent right after didChange, before diagnostics: includes parsing the new version', ...roundSummary(summary(hoverAfterEdit)) };
    out.serverCpuPerEditMs = round(cpuPerEdit, 1);
    out.serverMemoryAfter = session.memory();
    // Someone typing statements into the same script, a key per edit (at most one unfinished line).
    const typed = new EditedDocument(pathToFileURL(join(dirname(inputs.trainPath), 'train_typed.py')).href, inputs.trainText, r);
    const typingTimes = await editLatencies(session, typed, () => typed.typingEdit(), 220, 20);
    out.typingMs = { note: 'statements typed a character per edit at random statement ends of the 5,000-line script', edits: typingTimes.length, ...roundSummary(summary(typingTimes)) };
    // The same kind of edits on shorter heads of the script: how latency grows with the file.
    out.bySize = [];
    for (const [size, text] of Object.entries(inputs.editorScripts ?? {})) {
      const small = new EditedDocument(pathToFileURL(join(dirname(inputs.trainPath), `train_${size}.py`)).href, text, r);
      const times = await editLatencies(session, small, () => small.randomEdit(), 110, 10);
      out.bySize.push({ lines: text.split('\n').length - 1, edits: times.length, ...roundSummary(summary(times)) });
    }
  } finally {
    await session.close();
  }
  return out;
}

async function phaseEditorPush(inputs, r) {
  const session = new LspSession(ROOT, SERVER());
  const out = { note: 'push mode: the server debounces publishDiagnostics by 50 ms after the last change; these times include that wait' };
  try {
    await session.initialize(false);
    const doc = new EditedDocument(pathToFileURL(inputs.trainPath).href, inputs.trainText, r);
    let wait = session.nextPublish(doc.uri);
    let t = performance.now();
    await session.didOpen(doc.uri, doc.text, doc.version);
    out.openToFirstPublishMs = round((await wait).at - t, 1);
    for (let i = 0; i < 20; i++) {
      wait = session.nextPublish(doc.uri);
      void session.didChange(doc.uri, doc.version, doc.randomEdit().change);
      await wait;
    }
    const times = [];
    for (let i = 0; i < 200; i++) {
      wait = session.nextPublish(doc.uri);
      t = performance.now();
      void session.didChange(doc.uri, doc.version, doc.randomEdit().change);
      times.push((await wait).at - t);
    }
    out.edits = 200;
    out.didChangeToPublishMs = roundSummary(summary(times));
    out.minusDebounceMs = roundSummary(summary(times.map((v) => v - 50)));
  } finally {
    await session.close();
  }
  return out;
}

/** The same pull loop (diagnostics only) under --cpu-prof, to see where the server's time goes. */
async function phaseEditorProfile(tmp, inputs, r, kind = 'random') {
  const dir = join(tmp, `server-prof-${kind}`);
  mkdirSync(dir, { recursive: true });
  const session = new LspSession(ROOT, SERVER(), ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  try {
    await session.initialize(true);
    const doc = new EditedDocument(pathToFileURL(inputs.trainPath).href, inputs.trainText, r);
    await openAndDiagnose(session, doc);
    for (let i = 0; i < 100; i++) {
      void session.didChange(doc.uri, doc.version, doc.edit(kind).change);
      await session.diagnostics(doc.uri);
    }
  } finally {
    await session.close();
  }
  const profiles = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(dir, f));
  if (profiles.length === 0) return { note: 'no profile written' };
  return { workload: `100 ${kind === 'typing' ? 'typing edits (as 2f)' : 'random edits (as 2a)'} + diagnostic pulls on the 5,000-line script, server under --cpu-prof`, ...analyzeProfiles(profiles, [{ suffix: '/server.js', map: `${SERVER()}.map` }], { top: 12 }) };
}

/** GC activity between two indexes of session.gc: counts, pauses, and the heap after the last full GC. */
function gcSummary(events) {
  const full = events.filter((e) => e.kind.startsWith('Mark'));
  const young = events.filter((e) => !e.kind.startsWith('Mark'));
  const lastFull = full[full.length - 1];
  return {
    fullGCs: full.length,
    youngGCs: young.length,
    pauseMsTotal: round(events.reduce((n, e) => n + e.pauseMs, 0), 0),
    pauseMsMaxFull: full.length ? round(Math.max(...full.map((e) => e.pauseMs)), 1) : null,
    liveHeapAfterLastFullGcMB: lastFull ? lastFull.afterMB : null,
    heapCommittedAtLastFullGcMB: lastFull ? lastFull.committedMB : null,
    liveHeapAfterFullGcMB: full.length ? { min: Math.min(...full.map((e) => e.afterMB)), max: Math.max(...full.map((e) => e.afterMB)) } : null,
    heapBeforeFullGcMaxMB: full.length ? Math.max(...full.map((e) => e.beforeMB)) : null,
  };
}

async function phaseMemory(inputs, r, tsParse) {
  // Node IPC, as VS Code's client starts the server; stdout then carries --trace-gc lines.
  const session = new LspSession(ROOT, SERVER(), ['--trace-gc'], 'ipc');
  const out = { transport: 'node IPC (as the VS Code client), server run with --trace-gc', samples: [] };
  const budgetMs = Math.max(45_000, Math.min(240_000, remaining() - 75_000));
  try {
    await session.initialize(true);
    out.afterInitialize = session.memory();
    // 200 open files: the 5,000-line script, the generated ML scripts, then scikit-learn examples.
    const paths = [inputs.trainPath, ...inputs.generatedScripts, ...inputs.sklearnScripts].slice(0, 200);
    const docs = paths.map((p) => new EditedDocument(pathToFileURL(p).href, readFileSync(p, 'utf8'), r));
    for (const d of docs) await session.didOpen(d.uri, d.text, d.version);
    await session.hover(docs[0].uri, { line: 0, character: 0 }); // round trip: every didOpen is processed
    out.after200OpenNoDiagnostics = session.memory();
    const gcOpen = session.gc.length;
    for (const d of docs) await session.diagnostics(d.uri);
    out.after200Diagnosed = session.memory();
    out.gcWhileDiagnosing200 = gcSummary(session.gc.slice(gcOpen));
    out.openFiles = docs.length;
    out.openBytes = docs.reduce((n, d) => n + Buffer.byteLength(d.text), 0);
    out.openTreeSitterNodes = docs.reduce((n, d) => n + tsParse(d.text).nodes, 0);
    const edit = async () => {
      const d = r.pick(docs);
      void session.didChange(d.uri, d.version, d.randomEdit().change);
      await session.diagnostics(d.uri);
    };
    const t0 = performance.now();
    for (let i = 0; i < 1000; i++) await edit();
    out.warmupEdits = 1000;
    out.baseline = session.memory();
    out.gcDuringWarmup = gcSummary(session.gc);
    const gcEdits = session.gc.length;
    out.samples.push({ edits: 0, ...out.baseline });
    let done = 0;
    const loopStart = performance.now();
    for (; done < 10_000; done++) {
      if (done % 250 === 0 && performance.now() - t0 > budgetMs) break;
      await edit();
      if ((done + 1) % 1000 === 0) out.samples.push({ edits: done + 1, ...session.memory() });
    }
    out.edits = done;
    out.editsTarget = 10_000;
    if (done < 10_000) out.truncated = `stopped after ${done} edits: the phase's time budget (${Math.round(budgetMs / 1000)} s) ran out`;
    out.msPerEdit = round((performance.now() - loopStart) / Math.max(1, done), 2);
    out.final = session.memory();
    out.gcDuringEdits = gcSummary(session.gc.slice(gcEdits));
    out.growthPct = (100 * (out.final.vmRssMB - out.baseline.vmRssMB)) / out.baseline.vmRssMB;
    out.maxDuringEditsMB = Math.max(...out.samples.map((s) => s.vmRssMB));
    out.maxGrowthPct = (100 * (out.maxDuringEditsMB - out.baseline.vmRssMB)) / out.baseline.vmRssMB;
  } finally {
    await session.close();
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Start-up

async function phaseStartup(tmp, inputs) {
  const out = {};
  // Extension activation outside VS Code.
  const probes = [];
  for (let i = 0; i < 10; i++) {
    const run = spawnSync(process.execPath, [join(HERE, 'lib', 'activate-probe.cjs'), results.build.snapshot, ROOT], { encoding: 'utf8', timeout: 20000 });
    try {
      probes.push(JSON.parse(run.stdout.trim().split('\n').pop()));
    } catch {
      probes.push({ error: `probe output: ${run.stdout.slice(0, 200)} ${run.stderr.slice(0, 200)}` });
    }
  }
  const ok = probes.filter((p) => p.forked && !p.error);
  out.activation = {
    measured: 'fresh Node process: require(dist/extension.js) with a stub `vscode` module, then activate(context) until the language client calls child_process.fork for dist/server.js (VS Code itself and the extension host are not included)',
    runs: probes.length,
    succeeded: ok.length,
    requireToForkMs: roundSummary(summary(ok.map((p) => p.requireToForkMs))),
    requireMs: roundSummary(summary(ok.map((p) => p.requireMs))),
    activateToForkMs: roundSummary(summary(ok.map((p) => p.activateToForkMs))),
    errors: probes.filter((p) => p.error).map((p) => p.error).slice(0, 3),
  };
  // Server: spawn -> initialize response.
  const init = [];
  for (let i = 0; i < 10; i++) {
    const s = new LspSession(ROOT, SERVER());
    try {
      await s.initialize(true);
      init.push(s.initializedAt - s.spawnedAt);
    } finally {
      await s.close();
    }
  }
  out.serverSpawnToInitializeMs = { measured: 'spawn node dist/server.js --stdio -> initialize response (stdio)', ...roundSummary(summary(init)) };
  // First diagnostics in a fresh server.
  const small = join(ROOT, 'examples', 'train_cifar_resnet.py');
  const firstDiag = async (path, runs) => {
    const times = [];
    const split = [];
    for (let i = 0; i < runs; i++) {
      const s = new LspSession(ROOT, SERVER());
      try {
        await s.initialize(true);
        const doc = { uri: pathToFileURL(path).href, text: readFileSync(path, 'utf8'), version: 1 };
        const tOpen = performance.now();
        await openAndDiagnose(s, doc);
        const end = performance.now();
        times.push(end - s.spawnedAt);
        split.push({ spawnToInitialize: s.initializedAt - s.spawnedAt, didOpenToDiagnostics: end - tOpen });
      } finally {
        await s.close();
      }
    }
    return {
      file: basename(path),
      lines: readFileSync(path, 'utf8').split('\n').length - 1,
      spawnToDiagnosticsMs: roundSummary(summary(times)),
      spawnToInitializeMs: round(median(split.map((x) => x.spawnToInitialize)), 1),
      didOpenToDiagnosticsMs: round(median(split.map((x) => x.didOpenToDiagnostics)), 1),
    };
  };
  out.firstDiagnostics = {
    measured: 'spawn -> initialize -> initialized -> didOpen -> textDocument/diagnostic response (pull), fresh server each run',
    small: await firstDiag(small, 5),
    large: await firstDiag(inputs.trainPath, 5),
  };
  // Push mode first publish (includes the 50 ms debounce).
  const push = [];
  for (let i = 0; i < 3; i++) {
    const s = new LspSession(ROOT, SERVER());
    try {
      await s.initialize(false);
      const uri = pathToFileURL(small).href;
      const wait = s.nextPublish(uri);
      await s.didOpen(uri, readFileSync(small, 'utf8'));
      push.push((await wait).at - s.spawnedAt);
    } finally {
      await s.close();
    }
  }
  out.firstDiagnostics.pushSmall = { measured: 'spawn -> ... -> didOpen -> publishDiagnostics (includes the 50 ms push debounce)', ...roundSummary(summary(push)) };
  // The packaged extension.
  let vsix = readdirSync(ROOT).filter((f) => /^greenml-.*\.vsix$/.test(f));
  if (vsix.length === 0) {
    log('no greenml-*.vsix: running npm run package');
    const run = spawnSync('npm', ['run', 'package'], { cwd: ROOT, encoding: 'utf8' });
    out.packagedNow = { exit: run.status, tail: (run.stdout + run.stderr).trim().split('\n').slice(-3) };
    vsix = readdirSync(ROOT).filter((f) => /^greenml-.*\.vsix$/.test(f));
  }
  out.vsix = vsix.map((f) => {
    const st = statSync(join(ROOT, f));
    const entry = { file: f, bytes: st.size, MB: round(st.size / 1048576, 3), mtime: st.mtime.toISOString() };
    entry.olderThanDist = st.mtimeMs < Math.max(...['cli.js', 'server.js', 'extension.js'].map((d) => statSync(join(ROOT, 'dist', d)).mtimeMs));
    try {
      const listing = execFileSync('unzip', ['-l', join(ROOT, f)], { encoding: 'utf8' });
      entry.largestEntries = listing
        .split('\n')
        .map((l) => /^\s*(\d+)\s+\S+\s+\S+\s+(.+)$/.exec(l))
        .filter(Boolean)
        .map((m) => ({ name: m[2], bytes: Number(m[1]) }))
        .sort((a, b) => b.bytes - a.bytes)
        .slice(0, 6);
    } catch {
      // unzip missing: size only.
    }
    return entry;
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Evidence: where the CLI's time goes

/** A document's texts over `count` edits of one kind (random as row 2a, typing as row 2f), seed 7, the first text included. */
function versionsAfterEdits(text, kind, count) {
  const doc = new EditedDocument('file:///reparse.py', text, rng(7));
  const versions = [doc.text];
  for (let i = 0; i < count; i++) {
    doc.edit(kind);
    versions.push(doc.text);
  }
  return versions;
}

async function phaseCliProfile(tmp, inputs, tsParse, tsReparse) {
  const out = {};
  const dir = join(tmp, 'cli-prof');
  mkdirSync(dir, { recursive: true });
  noteLoad('cli profile');
  const run = await runCheck(tmp, inputs.py1, [], { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`], keepOutput: false });
  const profiles = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(dir, f));
  out.cli = { workload: 'greenml check on the Python tree under --cpu-prof (all threads summed)', wallMs: round(run.wallMs, 0), ...analyzeProfiles(profiles, [{ suffix: '/cli.js', map: `${CLI}.map` }], { top: 14 }) };
  // Raw tree-sitter parse in this process, for parse time per MB and nodes per MB.
  noteLoad('tree-sitter parse');
  let bytes = 0;
  let nodes = 0;
  let withErrors = 0;
  const t0 = performance.now();
  const deadline = Math.min(60_000, Math.max(10_000, remaining() - 30_000));
  let files = 0;
  const cpu0 = process.cpuUsage();
  for (const f of inputs.pyFiles) {
    if (performance.now() - t0 > deadline) break;
    const text = readFileSync(f, 'utf8');
    const p = tsParse(text);
    bytes += Buffer.byteLength(text);
    nodes += p.nodes;
    if (p.hasError) withErrors++;
    files++;
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  out.treeSitterAlone = {
    measured: 'web-tree-sitter parse (same wasm as dist/) + read, in the bench process, one pass, no copy to JS objects, no rules',
    files,
    MB: round(bytes / 1e6, 2),
    ms: round(ms, 0),
    msPerMB: round(ms / (bytes / 1e6), 1),
    cpuMs: round(cpuMs, 0),
    cpuMsPerMB: round(cpuMs / (bytes / 1e6), 1),
    nodesPerMB: Math.round(nodes / (bytes / 1e6)),
    totalNodes: nodes,
    filesWithSyntaxErrors: withErrors,
  };
  // tree-sitter's incremental re-parse alone, on the editor phase's edits (same seed and script):
  // the floor under 2a before any copy, rule or message. Positions are computed outside the timing.
  noteLoad('tree-sitter re-parse');
  const reparse = tsReparse(versionsAfterEdits(inputs.trainText, 'random', 220)).slice(20);
  out.treeSitterReparse = { measured: 'web-tree-sitter tree.edit + parse(text, oldTree), in the bench process, on 200 random edits of the kind 2a makes (same generator and seed, after 20 warm-up edits)', ...roundSummary(summary(reparse)) };
  // The same on row 2f's typing: one unfinished line at a time, so what remains is the cost of
  // an open bracket or string re-lexing the rest of the file.
  const typedVersions = versionsAfterEdits(inputs.trainText, 'typing', 220);
  out.treeSitterReparseTyping = { measured: 'as treeSitterReparse, on 200 typing edits of the kind 2f makes', ...roundSummary(summary(tsReparse(typedVersions).slice(20))) };
  return out;
}

// ---------------------------------------------------------------------------------------------

function roundSummary(s) {
  const out = {};
  for (const [k, v] of Object.entries(s)) out[k] = k === 'n' ? v : round(v, 2);
  return out;
}

const fmtMs = (v) => (v === null || v === undefined ? 'n/a' : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`);
const verdict = (ok) => (ok === null || ok === undefined || ok === 'n/a' ? 'n/a' : ok ? 'PASS' : 'MISS');

function buildTable() {
  const t = results.targets;
  const rows = [];
  const add = (id, target, measured, limit, ratio, ok) => rows.push({ id, target, measured, limit, ratio: ratio === null || ratio === undefined ? '' : typeof ratio === 'number' ? round(ratio, 2) : ratio, verdict: verdict(ok) });
  const c = t.cliVsRuff;
  if (c && !c.error) {
    add('1a', 'greenml check / Ruff warm (wall, Python tree)', `${fmtMs(median(c.greenml.wallMs))} vs ${fmtMs(median(c.ruff.warm.wallMs))} (others busy ${median(c.greenml.othersBusyCores.filter((v) => v !== null)) ?? 'n/a'} cores)`, `ratio <= ${LIMITS.ruffRatio} (aim ${LIMITS.ruffRatioAim})`, c.ratioWarm, c.ratioWarm <= LIMITS.ruffRatio);
    add('1b', 'greenml check / Ruff cold (wall)', `${fmtMs(median(c.greenml.wallMs))} vs ${fmtMs(c.ruff.cold.wallMs)}`, 'info', c.ratioCold, null);
    add('1c', 'greenml / Ruff warm, CPU time (all threads)', `${fmtMs(median(c.greenml.cpuMs))} vs ${fmtMs(median(c.ruff.warm.cpuMs))}`, `info (best case on 2 idle cores: ${round(c.cpuRatioWarm / 2, 2)})`, c.cpuRatioWarm, null);
    if (typeof c.singleThread === 'object') add('1d', 'greenml --workers 1 / Ruff warm (wall)', `${fmtMs(c.singleThread.greenmlWallMs)} vs ${fmtMs(c.singleThread.ruffWallMs)}`, 'info', c.singleThread.ratio, null);
    if (typeof c.cached === 'object') add('1g', 'greenml re-run, unchanged files (findings cache) / Ruff warm', `${fmtMs(c.cached.rerunWallMs)} vs ${fmtMs(c.cached.ruffWallMs)}, same findings: ${c.cached.sameFindings}`, 'info (1a is the cold run)', c.cached.ratio, null);
  } else add('1a', 'greenml check / Ruff warm', 'error', '', '', null);
  const p = t.parity;
  if (p && !p.error) {
    add('1e', 'same findings with/without prefilter (full tree)', p.prefilterSame === 'n/a' ? 'n/a: no --no-prefilter' : `${p.noPrefilter.sameAsDefault.findings.join(' vs ')} findings; CPU ${fmtMs(p.default.cpuMs)} vs ${fmtMs(p.noPrefilter.cpuMs)}`, 'identical', '', p.prefilterSame);
    add('1f', 'same findings with 1 or N workers (full tree)', p.workersSameVerdict === 'n/a' ? 'n/a: no --workers' : `${p.workersSame.findings.join(' vs ')} findings; CPU ${fmtMs(p.workers1.cpuMs)} vs ${fmtMs(p.workersN.cpuMs)}, wall ${fmtMs(p.workers1.wallMs)} vs ${fmtMs(p.workersN.wallMs)}`, 'identical', '', p.workersSameVerdict);
  }
  const e = t.editorPull;
  if (e && !e.error) {
    add('2a', 'didChange -> diagnostics, pull, 5,000 lines', `median ${fmtMs(e.didChangeToDiagnosticsMs.median)}, p95 ${fmtMs(e.didChangeToDiagnosticsMs.p95)}`, `p95 <= ${LIMITS.editP95Ms} ms`, e.didChangeToDiagnosticsMs.p95 / LIMITS.editP95Ms, e.didChangeToDiagnosticsMs.p95 <= LIMITS.editP95Ms);
    add('2c', 'hover', `median ${fmtMs(e.hoverMs.median)}, p95 ${fmtMs(e.hoverMs.p95)}`, `p95 <= ${LIMITS.hoverP95Ms} ms`, e.hoverMs.p95 / LIMITS.hoverP95Ms, e.hoverMs.p95 <= LIMITS.hoverP95Ms);
    add('2d', 'code actions', `median ${fmtMs(e.codeActionMs.median)}, p95 ${fmtMs(e.codeActionMs.p95)}`, `p95 <= ${LIMITS.codeActionP95Ms} ms`, e.codeActionMs.p95 / LIMITS.codeActionP95Ms, e.codeActionMs.p95 <= LIMITS.codeActionP95Ms);
  } else add('2a', 'editor (pull)', 'error', '', '', null);
  if (e && !e.error && e.typingMs) add('2f', 'didChange -> diagnostics, 5,000 lines, typing statements a key at a time', `median ${fmtMs(e.typingMs.median)}, p95 ${fmtMs(e.typingMs.p95)}`, 'info', '', null);
  if (e && !e.error && e.bySize?.length) {
    const sizes = [...e.bySize, { lines: results.corpus.trainingScript.lines, p95: e.didChangeToDiagnosticsMs.p95 }];
    add('2e', 'didChange -> diagnostics p95 by script length (same edits)', sizes.map((s) => `${s.lines} lines ${fmtMs(s.p95)}`).join(', '), 'info', '', null);
  }
  const ep = t.editorPush;
  if (ep && !ep.error) add('2b', 'didChange -> publishDiagnostics, push (incl. 50 ms debounce)', `median ${fmtMs(ep.didChangeToPublishMs.median)}, p95 ${fmtMs(ep.didChangeToPublishMs.p95)}`, `info (p95 - 50 ms = ${fmtMs(ep.minusDebounceMs.p95)})`, '', null);
  const m = t.memory;
  if (m && !m.error) {
    add('3a', 'server VmRSS, 200 open files (diagnosed)', `${m.after200Diagnosed.vmRssMB.toFixed(1)} MB`, `<= ${LIMITS.rss200MB} MB`, m.after200Diagnosed.vmRssMB / LIMITS.rss200MB, m.after200Diagnosed.vmRssMB <= LIMITS.rss200MB);
    add('3a2', 'server VmRSS, 200 open files, while editing (max of samples)', `${m.maxDuringEditsMB.toFixed(1)} MB`, `<= ${LIMITS.rss200MB} MB`, m.maxDuringEditsMB / LIMITS.rss200MB, m.maxDuringEditsMB <= LIMITS.rss200MB);
    add('3b', `VmRSS growth over ${m.edits} edits (after 1,000 warm-up)`, `${m.baseline.vmRssMB.toFixed(1)} -> ${m.final.vmRssMB.toFixed(1)} MB (${m.growthPct.toFixed(1)}%)`, `<= ${LIMITS.growthPct}%`, m.growthPct / LIMITS.growthPct, m.edits === 10_000 ? m.growthPct <= LIMITS.growthPct : null);
  } else add('3a', 'memory', 'error', '', '', null);
  const s = t.startup;
  if (s && !s.error) {
    const a = s.activation.requireToForkMs;
    add('4a', 'extension activation (require + activate -> server fork)', `median ${fmtMs(a.median)}, p95 ${fmtMs(a.p95)}`, `<= ${LIMITS.activationMs} ms (median)`, a.median / LIMITS.activationMs, a.n > 0 ? a.median <= LIMITS.activationMs : null);
    add('4b', 'server spawn -> initialize response', `median ${fmtMs(s.serverSpawnToInitializeMs.median)}, p95 ${fmtMs(s.serverSpawnToInitializeMs.p95)}`, 'info', '', null);
    for (const [key, label] of [['small', '4c'], ['large', '4d']]) {
      const f = s.firstDiagnostics[key];
      add(label, `first diagnostics, fresh server, ${f.file} (${f.lines} lines)`, `median ${fmtMs(f.spawnToDiagnosticsMs.median)}, p95 ${fmtMs(f.spawnToDiagnosticsMs.p95)}`, `<= ${LIMITS.firstDiagnosticsMs} ms (median)`, f.spawnToDiagnosticsMs.median / LIMITS.firstDiagnosticsMs, f.spawnToDiagnosticsMs.median <= LIMITS.firstDiagnosticsMs);
    }
    for (const v of s.vsix) add('4e', `.vsix size (${v.file}${v.olderThanDist ? ', older than dist/' : ''})`, `${v.MB.toFixed(3)} MB`, `<= ${LIMITS.vsixMB} MB`, v.MB / LIMITS.vsixMB, v.MB <= LIMITS.vsixMB);
    if (s.vsix.length === 0) add('4e', '.vsix size', 'no .vsix (npm run package failed)', `<= ${LIMITS.vsixMB} MB`, '', null);
  } else add('4a', 'start-up', 'error', '', '', null);
  const sc = t.scaling;
  if (sc && !sc.error) {
    add('5a', 'scaling 1x/2x/4x, CPU time (all threads)', `slope ${sc.cpu.slopeMsPerMB} ms/MB, R² ${sc.cpu.r2}, t4/t1 ${sc.cpu.t4OverT1}`, `R² >= ${LIMITS.scalingR2}, t4/t1 <= ${LIMITS.scalingT4T1}`, sc.cpu.t4OverT1 / 4, sc.cpu.r2 >= LIMITS.scalingR2 && sc.cpu.t4OverT1 <= LIMITS.scalingT4T1);
    add('5b', 'scaling 1x/2x/4x, wall (depends on free cores)', `slope ${sc.wall.slopeMsPerMB} ms/MB, R² ${sc.wall.r2}, t4/t1 ${sc.wall.t4OverT1}; CPU/wall ${sc.points.map((p) => round(p.cpuMs / p.wallMs, 2)).join('/')}`, 'info', sc.wall.t4OverT1 / 4, null);
  } else add('5a', 'scaling', 'error', '', '', null);
  return rows;
}

/** A few lines of "where the time and memory go", from the evidence gathered in this run. */
function evidenceText() {
  const lines = [];
  const groups = (p) => p.selfByGroup.slice(0, 6).map((g) => `${g.name} ${g.pct}%`).join(', ');
  const ev = results.evidence ?? {};
  if (ev.cli) lines.push(`CLI CPU profile (${ev.cli.threads} threads, ${ev.cli.sampledMs} ms sampled): ${groups(ev.cli)}`);
  if (ev.treeSitterAlone) lines.push(`tree-sitter parse alone: ${ev.treeSitterAlone.cpuMsPerMB} ms CPU/MB (${ev.treeSitterAlone.nodesPerMB} nodes/MB); greenml check: ${round(results.targets.cliVsRuff?.greenmlCpuMsPerMB, 1)} ms CPU/MB; Ruff warm: ${round((median(results.targets.cliVsRuff?.ruff?.warm?.cpuMs ?? []) ?? NaN) / (results.corpus.pythonTree.bytes / 1e6), 1)} ms CPU/MB`);
  if (ev.treeSitterReparse) lines.push(`tree-sitter incremental re-parse alone, 5,000-line script, 200 edits of the kind 2a makes: median ${fmtMs(ev.treeSitterReparse.median)}, p95 ${fmtMs(ev.treeSitterReparse.p95)}`);
  if (ev.treeSitterReparseTyping) lines.push(`tree-sitter incremental re-parse alone, 5,000-line script, 200 typing edits of the kind 2f makes: median ${fmtMs(ev.treeSitterReparseTyping.median)}, p95 ${fmtMs(ev.treeSitterReparseTyping.p95)}`);
  if (ev.server) lines.push(`server CPU profile (100 edits, 5,000 lines, ${ev.server.sampledMs} ms sampled): ${groups(ev.server)}`);
  if (ev.serverTyping) lines.push(`server CPU profile (100 typing edits, 5,000 lines, ${ev.serverTyping.sampledMs} ms sampled): ${groups(ev.serverTyping)}`);
  const e = results.targets.editorPull;
  if (e && !e.error) lines.push(`per edit: server CPU ${e.serverCpuPerEditMs} ms; same-version diagnostics (rules only, no parse) median ${e.sameVersionDiagnosticsMs.median} ms, p95 ${e.sameVersionDiagnosticsMs.p95} ms; code actions with diagnostics p95 ${e.codeActionOnDiagnosticLineMs.p95} ms, elsewhere p95 ${e.codeActionElsewhereMs.p95} ms`);
  const m = results.targets.memory;
  if (m && !m.error && m.gcDuringEdits) lines.push(`memory: ${m.openTreeSitterNodes} tree-sitter nodes in the 200 open files; VmRSS ${round(m.afterInitialize.vmRssMB, 0)} MB idle -> ${round(m.after200OpenNoDiagnostics.vmRssMB, 0)} MB opened -> ${round(m.after200Diagnosed.vmRssMB, 0)} MB diagnosed -> ~${round(m.final.vmRssMB, 0)} MB while editing; live heap after full GCs during edits ${m.gcDuringEdits.liveHeapAfterFullGcMB ? `${m.gcDuringEdits.liveHeapAfterFullGcMB.min}-${m.gcDuringEdits.liveHeapAfterFullGcMB.max}` : 'n/a'} MB, heap before full GC up to ${m.gcDuringEdits.heapBeforeFullGcMaxMB} MB`);
  return lines.length ? `${lines.join('\n')}\n\n` : '';
}

function printTable(rows) {
  const cols = ['id', 'target', 'measured', 'limit', 'ratio', 'verdict'];
  const width = Object.fromEntries(cols.map((c) => [c, Math.max(c.length, ...rows.map((r) => String(r[c]).length))]));
  const line = (r) => `| ${cols.map((c) => String(r[c]).padEnd(width[c])).join(' | ')} |`;
  const lines = [line(Object.fromEntries(cols.map((c) => [c, c]))), `|${cols.map((c) => '-'.repeat(width[c] + 2)).join('|')}|`, ...rows.map(line)];
  return lines.join('\n');
}

async function phase(name, key, run, minSec = 20) {
  if (ONLY && !ONLY.has(key)) {
    results.targets[key] = { error: 'not run (--only)' };
    return;
  }
  if (remaining() < minSec * 1000) {
    results.targets[key] = { error: `skipped: the run's time budget was used up before this phase` };
    problem(name, 'skipped for lack of time');
    return;
  }
  log(`${name}...`);
  noteLoad(`${name} start`);
  const t0 = performance.now();
  const window = loadWindow();
  try {
    results.targets[key] = await run();
    results.targets[key].phaseSec = round((performance.now() - t0) / 1000, 1);
    // Cores kept busy by work other than this benchmark and what it started, on average over the phase.
    results.targets[key].othersBusyCores = window.end();
  } catch (error) {
    results.targets[key] = { error: String(error instanceof Error ? error.message : error) };
    problem(name, error);
  }
  noteLoad(`${name} end`);
}

async function main() {
  results.machine = machineFacts();
  const runWindow = loadWindow();
  const tmp = mkdtempSync(join(os.tmpdir(), 'greenml-bench-'));
  try {
    const { snap, files } = snapshotDist(tmp);
    CLI = join(snap, 'dist', 'cli.js');
    // Nothing of the bench goes into the user's cache folder; runs use --no-cache unless told otherwise.
    process.env.GREENML_CACHE_DIR = join(tmp, 'cache-unused');
    NO_CACHE_FLAG = supportsOption(tmp, ['--no-cache']).supported ? ['--no-cache'] : [];
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    results.build = { version: pkg.version, snapshot: snap, bundles: files };
    log(`machine: ${results.machine.cpuModel}, ${results.machine.logicalCores} cores, Node ${results.machine.node}, load ${results.machine.loadavgAtStart.join(' ')}`);
    const corpusDir = fetchCorpus();
    const ts = await treeSitter(join(snap, 'dist'));
    const inputs = buildInputs({ corpusDir, repoRoot: ROOT, tmp, r: rng(20240611), parsesClean: (text) => !ts.parse(text).hasError });
    results.corpus = inputs.facts;
    log(`inputs: Python tree ${inputs.facts.pythonTree.files} files / ${(inputs.facts.pythonTree.bytes / 1e6).toFixed(1)} MB; full tree ${inputs.facts.fullTree.files} files; training script ${inputs.facts.trainingScript.lines} lines`);

    // Each phase runs only if its usual duration on a loaded 2-core machine still fits the budget.
    await phase('1. greenml check vs Ruff', 'cliVsRuff', () => phaseCliVsRuff(tmp, inputs), 60);
    await phase('1. findings parity (prefilter, workers)', 'parity', () => phaseParity(tmp, inputs), 60);
    await phase('2. editor latency (pull)', 'editorPull', () => phaseEditorPull(inputs, rng(7)), 60);
    await phase('2. editor latency (push)', 'editorPush', () => phaseEditorPush(inputs, rng(7)), 60);
    await phase('4. start-up', 'startup', () => phaseStartup(tmp, inputs), 15);
    await phase('5. scaling', 'scaling', () => phaseScaling(tmp, inputs), 70);
    await phase('3. memory', 'memory', () => phaseMemory(inputs, rng(11), ts.parse), 60);
    // Evidence, last: profiles of the CLI and the server.
    if (ONLY && !ONLY.has('evidence')) results.evidence = { skipped: 'not run (--only)' };
    else if (remaining() > 60_000) {
      try {
        log('evidence: CPU profiles...');
        results.evidence = await phaseCliProfile(tmp, inputs, ts.parse, ts.reparseTimes);
        if (remaining() > 40_000) results.evidence.server = await phaseEditorProfile(tmp, inputs, rng(7));
        if (remaining() > 40_000) results.evidence.serverTyping = await phaseEditorProfile(tmp, inputs, rng(7), 'typing');
      } catch (error) {
        problem('evidence', error);
      }
    } else results.evidence = { skipped: 'not enough time left in the budget' };
  } finally {
    results.machine.loadavgAtEnd = os.loadavg().map((v) => round(v, 2));
    results.machine.othersBusyCoresDuringRun = runWindow.end();
    results.durationSec = round(elapsed() / 1000, 1);
    const rows = buildTable();
    results.table = rows;
    results.limits = LIMITS;
    if (results.build) delete results.build.snapshot;
    writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`);
    const table = printTable(rows);
    process.stdout.write(`\nGreenML benchmark: ${results.machine.cpuModel}, ${results.machine.availableParallelism} cores, Node ${results.machine.node}, load average ${results.machine.loadavgAtStart.join('/')} -> ${results.machine.loadavgAtEnd.join('/')}, other work kept ${results.machine.othersBusyCoresDuringRun} cores busy on average, ${results.durationSec} s\n\n${table}\n\n${evidenceText()}Written: ${OUT}\n`);
    if (results.problems.length > 0) process.stdout.write(`Problems: ${results.problems.map((p) => `${p.phase}: ${p.message}`).join('\n')}\n`);
    if (!KEEP) rmSync(tmp, { recursive: true, force: true });
    else process.stdout.write(`Inputs kept in ${tmp}\n`);
  }
}

await main();
