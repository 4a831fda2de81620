import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DocumentKind } from '../engine/analyze';
import type { Settings } from '../engine/settings';
import type { LintResult } from '../engine/types';

/** Files remembered per folder; beyond this the oldest entries go (a large monorepo has fewer Python files). */
const MAX_ENTRIES = 200_000;

/**
 * Findings of earlier `greenml check` runs, so that a file whose text, settings and kind have not
 * changed is not analysed again (a second run over an unchanged tree only reads and hashes it).
 * Kept outside the project, one file per checked folder and greenml build: the build is part of the
 * key (a hash of the running bundle: rules and knowledge data live in it), so an upgrade never
 * reads an older build's findings. A broken or unreadable cache is ignored, and writing it is
 * best effort: the cache can make a run faster, never different.
 */
export class LintCache {
  private entries = new Map<string, { key: string; result: LintResult }>();
  private readonly file: string;
  private readonly settingsKeys = new WeakMap<Settings, string>();
  private changed = false;

  private constructor(
    private readonly dir: string,
    private readonly prefix: string,
    private readonly build: string,
  ) {
    this.file = join(dir, `${prefix}-${build}.json`);
  }

  /** The cache for runs from `cwd` with this bundle; null when the bundle cannot be read (in-process tests). */
  static open(cacheDir: string, cwd: string, bundlePath: string | undefined): LintCache | null {
    if (!bundlePath) return null;
    let build: string;
    try {
      build = sha1(readFileSync(bundlePath)).slice(0, 16);
    } catch {
      return null;
    }
    const cache = new LintCache(cacheDir, sha1(resolve(cwd)).slice(0, 16), build);
    try {
      const stored = JSON.parse(readFileSync(cache.file, 'utf8')) as { entries?: Record<string, { key: string; result: LintResult }> };
      for (const [path, entry] of Object.entries(stored.entries ?? {})) {
        if (typeof entry?.key === 'string' && Array.isArray(entry.result?.findings)) cache.entries.set(path, entry);
      }
    } catch {
      // No cache yet, or one that cannot be read: start empty.
    }
    return cache;
  }

  /** What identifies one analysis: the text, its kind, the settings and whether the prefilter ran. */
  keyOf(text: string, kind: DocumentKind, settings: Settings, prefilter: boolean): string {
    let settingsKey = this.settingsKeys.get(settings);
    if (settingsKey === undefined) this.settingsKeys.set(settings, (settingsKey = sha1(JSON.stringify(settings))));
    return sha1(`${kind}\0${prefilter ? 1 : 0}\0${settingsKey}\0${text}`);
  }

  get(path: string, key: string): LintResult | null {
    const entry = this.entries.get(path);
    return entry && entry.key === key ? entry.result : null;
  }

  set(path: string, key: string, result: LintResult): void {
    // Re-inserted last: the Map's order is then oldest first, for trimming.
    this.entries.delete(path);
    this.entries.set(path, { key, result });
    this.changed = true;
  }

  /** Writes the cache (atomically: a reader sees the old file or the new one) and removes older builds' files for this folder. */
  save(): void {
    if (!this.changed) return;
    for (const path of this.entries.keys()) {
      if (this.entries.size <= MAX_ENTRIES) break;
      this.entries.delete(path);
    }
    try {
      mkdirSync(this.dir, { recursive: true });
      const temp = `${this.file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
      writeFileSync(temp, JSON.stringify({ version: 1, entries: Object.fromEntries(this.entries) }));
      renameSync(temp, this.file);
      for (const name of readdirSync(this.dir)) {
        if (name.startsWith(`${this.prefix}-`) && name !== `${this.prefix}-${this.build}.json` && name.endsWith('.json')) rmSync(join(this.dir, name), { force: true });
      }
    } catch {
      // A cache that cannot be written only costs time next run.
    }
  }
}

/** Where caches live: GREENML_CACHE_DIR, else the user's cache folder (XDG_CACHE_HOME or ~/.cache). */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GREENML_CACHE_DIR) return resolve(env.GREENML_CACHE_DIR);
  return join(env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), '.cache'), 'greenml');
}

function sha1(data: string | Uint8Array): string {
  return createHash('sha1').update(data).digest('hex');
}
