import { dirname, isAbsolute, relative } from 'node:path';
import { findPyproject, loadPyprojectSettings } from '../engine/pyproject';
import { defaultSettings, type Settings } from '../engine/settings';

export interface SettingsOverrides {
  /** From --select: replaces `select` and wins over `ignore` of pyproject.toml. */
  select: string[] | null;
  /** From --ignore: added to `ignore`. */
  ignore: string[];
}

/**
 * Settings for each file: `[tool.greenml]` of the nearest pyproject.toml, then the command line.
 * Each pyproject.toml is read once; its problems are reported once through `warn`.
 */
export class ProjectSettings {
  private readonly pyprojectOfDir = new Map<string, string | null>();
  private readonly settingsOfPyproject = new Map<string, Settings>();
  private defaults: Settings | null = null;

  constructor(
    private readonly knownRules: readonly string[],
    private readonly overrides: SettingsOverrides,
    private readonly cwd: string,
    private readonly warn: (message: string) => void,
  ) {}

  forFile(path: string): Settings {
    const dir = dirname(path);
    let pyproject = this.pyprojectOfDir.get(dir);
    if (pyproject === undefined) {
      pyproject = findPyproject(dir);
      this.pyprojectOfDir.set(dir, pyproject);
    }
    if (pyproject === null) return (this.defaults ??= this.applyOverrides(defaultSettings()));
    let settings = this.settingsOfPyproject.get(pyproject);
    if (!settings) {
      const loaded = loadPyprojectSettings(pyproject, defaultSettings(), this.knownRules);
      const shown = this.shownPath(pyproject);
      for (const problem of loaded.problems) this.warn(problem.startsWith(pyproject) ? shown + problem.slice(pyproject.length) : problem);
      settings = this.applyOverrides(loaded.settings);
      this.settingsOfPyproject.set(pyproject, settings);
    }
    return settings;
  }

  private shownPath(path: string): string {
    const rel = relative(this.cwd, path);
    return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
  }

  private applyOverrides(settings: Settings): Settings {
    const { select, ignore } = this.overrides;
    if (select) {
      settings.select = [...select];
      settings.ignore = settings.ignore.filter((id) => !select.includes(id));
    }
    if (ignore.length > 0) settings.ignore = [...settings.ignore, ...ignore];
    return settings;
  }
}
