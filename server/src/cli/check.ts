import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { documentKindOf, type DocumentKind } from '../engine/analyze';
import { initPythonParser } from '../engine/python/parser';
import { RULE_IDS } from '../engine/registry';
import type { Settings } from '../engine/settings';
import type { CheckOptions } from './args';
import { discoverFiles } from './files';
import { fixText, writeFileAtomic } from './fix-files';
import { formatJson } from './format-json';
import { formatSarif } from './format-sarif';
import { formatText } from './format-text';
import { defaultCacheDir, LintCache } from './lint-cache';
import { LintPool, runLintJob, type LintJob, type LintOutcome } from './lint-pool';
import type { CliIo } from './io';
import { ProjectSettings } from './project-settings';
import { readSource } from './read-source';
import { failsCheck, type CheckReport } from './report';

function firstLine(text: string): string {
  return text.split('\n')[0].trim();
}

/** Below this many files, starting worker threads costs more than it saves. */
const MIN_FILES_FOR_WORKERS = 16;

async function lintInSequence(jobs: LintJob[]): Promise<Map<number, LintOutcome>> {
  const outcomes = new Map<number, LintOutcome>();
  for (const job of jobs) outcomes.set(job.id, await runLintJob(job));
  return outcomes;
}

/**
 * Reads every file once and takes the findings of those the cache knows in this exact state; the
 * others go to the linters with the text already read (what was hashed is what is analysed).
 */
function lookUp(cache: LintCache, jobs: LintJob[]): { cached: Map<number, LintOutcome>; pending: LintJob[]; keys: Map<number, string> } {
  const cached = new Map<number, LintOutcome>();
  const pending: LintJob[] = [];
  const keys = new Map<number, string>();
  for (const job of jobs) {
    const source = readSource(job.path);
    if (!source.ok) {
      pending.push(job); // the job reports why it cannot be read
      continue;
    }
    const key = cache.keyOf(source.text, job.kind, job.settings, job.prefilter);
    const result = cache.get(job.path, key);
    if (result) cached.set(job.id, { ok: true, result });
    else {
      keys.set(job.id, key);
      pending.push({ ...job, text: source.text });
    }
  }
  return { cached, pending, keys };
}

/**
 * Applies fixes to one file in place (main thread: writes must not race). Returns false when the
 * file could not be read, after reporting why.
 */
function applyFixes(file: { path: string; display: string }, kind: DocumentKind, settings: Settings, options: CheckOptions, report: CheckReport): boolean {
  const source = readSource(file.path);
  if (!source.ok) {
    report.errors.push({ path: file.display, message: source.message });
    return false;
  }
  try {
    const fixed = fixText(kind, source.text, settings, options.fix === 'all');
    if (!fixed.changed) return true;
    writeFileAtomic(file.path, source.bom ? `\uFEFF${fixed.text}` : fixed.text);
    report.fixes!.applied += fixed.applied;
    report.fixes!.files++;
  } catch (error) {
    report.errors.push({ path: file.display, message: `could not write fixes: ${error instanceof Error ? error.message : String(error)}` });
  }
  return true;
}

/**
 * Worker threads started before the files are found, so that they load meanwhile: when a folder
 * is checked (a few files named one by one are linted on this thread, with no start-up cost).
 */
function startPoolEarly(options: CheckOptions, io: CliIo): LintPool | null {
  if (options.workers < 2 || io.workerScript === undefined) return null;
  const manyFiles = options.paths.length >= MIN_FILES_FOR_WORKERS || options.paths.some((path) => isDirectory(resolve(io.cwd, path)));
  return manyFiles ? new LintPool(options.workers, io.workerScript) : null;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Runs `greenml check`: finds files, (fixes and) lints them, prints the report, returns the exit code. */
export async function runCheck(options: CheckOptions, io: CliIo): Promise<number> {
  const pool = startPoolEarly(options, io);
  try {
    return await check(options, io, pool);
  } finally {
    await pool?.close();
  }
}

async function check(options: CheckOptions, io: CliIo, pool: LintPool | null): Promise<number> {
  const warn = (message: string) => io.stderr(`greenml: warning: ${message}\n`);
  const discovery = discoverFiles(options.paths, io.cwd, warn);
  const settingsFor = new ProjectSettings(RULE_IDS, { select: options.select, ignore: options.ignore }, io.cwd, warn);
  const report: CheckReport = { files: [], errors: [], fixes: options.fix === 'none' ? null : { applied: 0, files: 0 } };
  report.errors.push(...discovery.problems.map((p) => ({ path: p.display, message: p.message })));
  const jobs: LintJob[] = [];
  const display = new Map<number, string>();
  if (report.fixes) await initPythonParser();

  for (const file of discovery.files) {
    const kind = documentKindOf(file.path);
    if (!kind) {
      report.errors.push({ path: file.display, message: 'not a Python, notebook, YAML or JSON file (by its extension); not checked' });
      continue;
    }
    const settings = settingsFor.forFile(file.path);
    if (report.fixes && !applyFixes(file, kind, settings, options, report)) continue;
    display.set(jobs.length, file.display);
    jobs.push({ id: jobs.length, path: file.path, kind, settings, prefilter: options.prefilter });
  }

  const cache = options.cache ? LintCache.open(io.cacheDir ?? defaultCacheDir(), io.cwd, io.workerScript) : null;
  const { cached, pending, keys } = cache ? lookUp(cache, jobs) : { cached: new Map<number, LintOutcome>(), pending: jobs, keys: new Map<number, string>() };
  // Without a pool (one worker asked for, or only a few files named) the files are linted here.
  const outcomes = pool && pending.length >= MIN_FILES_FOR_WORKERS ? await pool.run(pending) : await lintInSequence(pending);
  for (const [id, outcome] of cached) outcomes.set(id, outcome);
  if (cache) {
    for (const job of pending) {
      const outcome = outcomes.get(job.id);
      const key = keys.get(job.id);
      if (outcome?.ok && key !== undefined) cache.set(job.path, key, outcome.result);
    }
    cache.save();
  }
  for (const job of jobs) {
    const shown = display.get(job.id)!;
    const outcome = outcomes.get(job.id)!;
    if (!outcome.ok) {
      report.errors.push({ path: shown, message: outcome.message });
      continue;
    }
    const result = outcome.result;
    for (const failure of result.ruleErrors) warn(`rule ${failure.rule} failed on ${shown}: ${firstLine(failure.message)} (its findings are missing)`);
    if (result.error !== undefined) report.errors.push({ path: shown, message: result.error });
    if (result.findings.length > 0) report.files.push({ path: shown, findings: result.findings });
  }
  report.errors.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  switch (options.format) {
    case 'json':
      io.stdout(formatJson(report));
      break;
    case 'sarif':
      io.stdout(formatSarif(report, io.cwd));
      break;
    default:
      io.stdout(formatText(report, { color: io.color }));
  }

  if (options.exitZero) return 0;
  const failing = report.files.some((f) => f.findings.some((finding) => failsCheck(finding.severity)));
  return failing || report.errors.length > 0 ? 1 : 0;
}
