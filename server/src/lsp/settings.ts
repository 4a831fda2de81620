import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPyproject, loadPyprojectSettings } from '../engine/pyproject';
import { RULE_IDS } from '../engine/registry';
import { defaultSettings, mergeSettings, type Settings } from '../engine/settings';

/** The `greenml.*` editor settings, as the client returns them for one document's scope. */
export interface EditorSettings {
  enable?: boolean;
  severity?: Record<string, string>;
  thresholds?: Record<string, number>;
  hardware?: { gpu?: string; count?: number };
  region?: { provider?: string; id?: string };
}

export interface DocumentSettings {
  enabled: boolean;
  settings: Settings;
  /** Messages about invalid settings, shown once in the server log. */
  problems: string[];
}

function blankToUndefined<T extends Record<string, unknown>>(table: T | undefined): T | undefined {
  if (!table) return undefined;
  const kept = Object.fromEntries(Object.entries(table).filter(([, v]) => v !== undefined && v !== null && v !== ''));
  return Object.keys(kept).length > 0 ? (kept as T) : undefined;
}

/**
 * Settings for one document. Precedence, lowest first: built-in defaults, the editor's
 * `greenml.*` settings, then `[tool.greenml]` of the nearest pyproject.toml — the project file is
 * shared with the team and CI, so what it sets wins; editor settings fill in what it leaves open.
 */
export function resolveDocumentSettings(uri: string, editor: EditorSettings | null): DocumentSettings {
  const problems: string[] = [];
  const table = {
    severity: blankToUndefined(editor?.severity),
    thresholds: blankToUndefined(editor?.thresholds),
    hardware: blankToUndefined(editor?.hardware),
    region: blankToUndefined(editor?.region),
  };
  const fromEditor = mergeSettings(defaultSettings(), blankToUndefined(table) ?? {}, RULE_IDS, 'settings greenml');
  problems.push(...fromEditor.problems);
  let settings = fromEditor.settings;
  if (uri.startsWith('file:')) {
    const pyproject = findPyproject(dirname(fileURLToPath(uri)));
    if (pyproject) {
      const fromProject = loadPyprojectSettings(pyproject, settings, RULE_IDS);
      settings = fromProject.settings;
      problems.push(...fromProject.problems);
    }
  }
  return { enabled: editor?.enable !== false, settings, problems };
}
