/**
 * Settings of the reliability suite. CI uses the defaults: a fixed seed and 100,000 generated
 * engine inputs. Run longer or differently on a workstation with, e.g.,
 *
 *   GREENML_FUZZ_RUNS=1000000 GREENML_FUZZ_SEED=$RANDOM npx mocha out/test/reliability/fuzz-engine.test.js
 *
 * GREENML_FUZZ_RUNS   engine inputs (lintDocument + fixDocument); the CLI and server fuzz tests
 *                     scale with it (default 100000)
 * GREENML_FUZZ_SEED   fast-check seed (default 20240611); every failure message repeats it
 * GREENML_SKIP_CORPUS=1  use only fixtures and examples (no real-world corpus)
 * GREENML_CORPUS_DIR  where scripts/fetch-corpus.sh keeps the corpus (default ~/.cache/greenml-corpus)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { documentKindOf, type DocumentKind } from '../../../server/src/engine/analyze';

export const ROOT = join(__dirname, '..', '..', '..', '..');
export const CLI = join(ROOT, 'dist', 'cli.js');
export const SERVER = join(ROOT, 'dist', 'server.js');
export const FIXTURES = join(ROOT, 'test', 'fixtures', 'rules');
export const EXAMPLES = join(ROOT, 'examples');
export const RELIABILITY_FIXTURES = join(ROOT, 'test', 'fixtures', 'reliability');

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be a whole number, got ${JSON.stringify(raw)}`);
  return value;
}

export const FUZZ_SEED = intFromEnv('GREENML_FUZZ_SEED', 20240611);
export const FUZZ_RUNS = intFromEnv('GREENML_FUZZ_RUNS', 100_000);
/** Factor for the CLI and server fuzz tests, which follow the engine's run count. */
export const FUZZ_SCALE = FUZZ_RUNS / 100_000;

/** Every answer (a lint, a fix-all, a server response) must come within this. */
export const ANSWER_BUDGET_MS = 1000;

export interface Document {
  /** Where it came from, for messages (relative to the repository or the corpus). */
  name: string;
  kind: DocumentKind;
  text: string;
}

export function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? listFiles(join(dir, entry.name)) : entry.isFile() ? [join(dir, entry.name)] : []))
    .sort();
}

function documentsIn(dir: string, base: string): Document[] {
  return listFiles(dir).flatMap((path) => {
    const kind = documentKindOf(path);
    if (!kind || path.endsWith('.expected') || path.endsWith('.fixed')) return [];
    return [{ name: relative(base, path), kind, text: readFileSync(path, 'utf8') }];
  });
}

/** The rule fixtures (inputs only, not .expected/.fixed). */
export function fixtureDocuments(): Document[] {
  return documentsIn(FIXTURES, ROOT);
}

export function exampleDocuments(): Document[] {
  return documentsIn(EXAMPLES, ROOT);
}

let corpusPath: string | null | undefined;

/** The real-world corpus folder, fetched once (see scripts/fetch-corpus.sh), or null when skipped. */
export function corpusDir(): string | null {
  if (corpusPath !== undefined) return corpusPath;
  if (process.env.GREENML_SKIP_CORPUS === '1') return (corpusPath = null);
  const out = execFileSync('bash', [join(ROOT, 'scripts', 'fetch-corpus.sh'), '--quiet'], { encoding: 'utf8' });
  corpusPath = out.trim().split('\n').pop()!;
  return corpusPath;
}

/** Every corpus document (for the fix-safety test), with paths relative to the corpus. */
export function corpusDocuments(): Document[] {
  const dir = corpusDir();
  return dir ? documentsIn(dir, dir) : [];
}

/** A small deterministic pseudo-random generator (mulberry32), for choices outside fast-check. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A seeded sample of corpus files of at most `maxBytes` each: `perPart` Python files from each of
 * sklearn, torch and cpython, plus notebooks and YAML files.
 */
export function corpusSample(perPart: number, maxBytes: number, seed = FUZZ_SEED): Document[] {
  const dir = corpusDir();
  if (!dir) return [];
  const random = prng(seed);
  const pick = <T>(items: T[], count: number): T[] => {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [copy[i], copy[j]] = [copy[j], copy[i]];
    }
    return copy.slice(0, count);
  };
  const small = (path: string) => statSync(path).size <= maxBytes;
  const chosen: string[] = [];
  for (const part of ['sklearn', 'torch', 'cpython']) {
    const files = listFiles(join(dir, part)).filter(small);
    chosen.push(...pick(files.filter((f) => f.endsWith('.py')), perPart));
    chosen.push(...pick(files.filter((f) => f.endsWith('.ipynb')), perPart));
    chosen.push(...pick(files.filter((f) => /\.(ya?ml|json)$/.test(f)), perPart));
  }
  return chosen.map((path) => ({ name: relative(dir, path), kind: documentKindOf(path)!, text: readFileSync(path, 'utf8') }));
}

/** Milliseconds since `start` (from performance.now()). */
export function since(start: number): number {
  return performance.now() - start;
}
