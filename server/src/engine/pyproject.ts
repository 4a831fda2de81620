import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { mergeSettings, type Settings } from './settings';

/** The nearest pyproject.toml at or above a folder, or null. */
export function findPyproject(startDir: string): string | null {
  let dir = startDir;
  for (;;) {
    const candidate = join(dir, 'pyproject.toml');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/**
 * Reads `[tool.greenml]` from a pyproject.toml on top of `base`. A file that cannot be read or
 * parsed gives a message and leaves the settings as they were.
 */
export function loadPyprojectSettings(
  path: string,
  base: Settings,
  knownRules: readonly string[],
): { settings: Settings; problems: string[] } {
  let table: unknown;
  try {
    const parsed = parseToml(readFileSync(path, 'utf8')) as Record<string, unknown>;
    const tool = parsed.tool as Record<string, unknown> | undefined;
    table = tool && typeof tool === 'object' ? tool.greenml : undefined;
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { settings: base, problems: [`${path}: not valid TOML, [tool.greenml] ignored: ${reason}`] };
  }
  return mergeSettings(base, table, knownRules, `${path} [tool.greenml]`);
}
