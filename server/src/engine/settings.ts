import { SEVERITIES, type Severity } from './types';

export type RuleSeverity = Severity | 'off';

/** Numbers that decide when a rule fires; every front end reads the same ones. */
export interface Thresholds {
  /** exhaustive-grid-search: fits at or above this count are flagged. */
  gridSearchFits: number;
  /** no-early-stopping: epochs at or above this count are flagged. */
  earlyStoppingEpochs: number;
  /** excessive-checkpointing: save/eval intervals below this many steps are flagged. */
  checkpointInterval: number;
  /** high-carbon-region: grid intensity (gCO2e/kWh) at or above this is flagged. */
  highCarbonIntensity: number;
  /** full-finetune-large-model and fp32-inference: models from this many parameters. */
  largeModelParameters: number;
}

export interface Settings {
  /** Only these rules run, when set. */
  select: string[] | null;
  ignore: string[];
  severity: Record<string, RuleSeverity>;
  thresholds: Thresholds;
  /** GPU model and count used for footprint estimates. */
  hardware: { gpu: string; count: number };
  /** Cloud region for estimates, e.g. `{ provider: "gcp", id: "us-central1" }`. */
  region: { provider: string | null; id: string | null };
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  gridSearchFits: 100,
  earlyStoppingEpochs: 10,
  checkpointInterval: 100,
  highCarbonIntensity: 400,
  largeModelParameters: 1_000_000_000,
};

export function defaultSettings(): Settings {
  return {
    select: null,
    ignore: [],
    severity: {},
    thresholds: { ...DEFAULT_THRESHOLDS },
    hardware: { gpu: 'A100-SXM4', count: 1 },
    region: { provider: null, id: null },
  };
}

/** Keys of `[tool.greenml]` in kebab-case (as TOML users write them) and their settings names. */
const THRESHOLD_KEYS: Record<string, keyof Thresholds> = {
  'grid-search-fits': 'gridSearchFits',
  'early-stopping-epochs': 'earlyStoppingEpochs',
  'checkpoint-interval': 'checkpointInterval',
  'high-carbon-intensity': 'highCarbonIntensity',
  'large-model-parameters': 'largeModelParameters',
};

/**
 * Reads a `[tool.greenml]` table (or the same shape from editor settings) on top of `base`.
 * Every invalid key or value gives a message naming the key and is otherwise ignored.
 */
export function mergeSettings(
  base: Settings,
  table: unknown,
  knownRules: readonly string[],
  origin: string,
): { settings: Settings; problems: string[] } {
  const settings: Settings = structuredClone(base);
  const problems: string[] = [];
  const problem = (key: string, text: string) => problems.push(`${origin}: ${key}: ${text}`);
  if (table === undefined || table === null) return { settings, problems };
  if (typeof table !== 'object' || Array.isArray(table)) {
    problem('tool.greenml', 'expected a table');
    return { settings, problems };
  }
  const ruleList = (key: string, value: unknown): string[] | null => {
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
      problem(key, 'expected a list of rule ids');
      return null;
    }
    const unknown = value.filter((v) => !knownRules.includes(v));
    if (unknown.length > 0) problem(key, `unknown rule id ${unknown.map((u) => `"${u}"`).join(', ')} (ignored)`);
    return value.filter((v) => knownRules.includes(v));
  };
  for (const [key, value] of Object.entries(table as Record<string, unknown>)) {
    switch (key) {
      case 'select': {
        const list = ruleList(key, value);
        if (list) settings.select = list;
        break;
      }
      case 'ignore': {
        const list = ruleList(key, value);
        if (list) settings.ignore = [...settings.ignore, ...list];
        break;
      }
      case 'severity': {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          problem(key, 'expected a table of rule id = "off" | "hint" | "info" | "warning" | "error"');
          break;
        }
        for (const [rule, level] of Object.entries(value as Record<string, unknown>)) {
          if (!knownRules.includes(rule)) problem(`severity.${rule}`, 'unknown rule id (ignored)');
          else if (typeof level !== 'string' || !(level === 'off' || (SEVERITIES as readonly string[]).includes(level))) {
            problem(`severity.${rule}`, `expected "off", "hint", "info", "warning" or "error", got ${JSON.stringify(level)}`);
          } else settings.severity[rule] = level as RuleSeverity;
        }
        break;
      }
      case 'thresholds': {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          problem(key, 'expected a table');
          break;
        }
        for (const [name, number] of Object.entries(value as Record<string, unknown>)) {
          // Own keys only: `constructor` or `__proto__` must read as unknown, not as Object's members.
          const target = Object.hasOwn(THRESHOLD_KEYS, name) ? THRESHOLD_KEYS[name] : undefined;
          if (!target) problem(`thresholds.${name}`, `unknown threshold; known: ${Object.keys(THRESHOLD_KEYS).join(', ')}`);
          else if (typeof number !== 'number' || !Number.isFinite(number) || number <= 0) {
            problem(`thresholds.${name}`, `expected a positive number, got ${JSON.stringify(number)}`);
          } else settings.thresholds[target] = number;
        }
        break;
      }
      case 'hardware': {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          problem(key, 'expected a table with gpu = "<model>" and count = <number>');
          break;
        }
        const { gpu, count } = value as Record<string, unknown>;
        if (gpu !== undefined) {
          if (typeof gpu === 'string' && gpu.trim()) settings.hardware.gpu = gpu;
          else problem('hardware.gpu', 'expected a GPU model name such as "A100-SXM4"');
        }
        if (count !== undefined) {
          if (typeof count === 'number' && Number.isInteger(count) && count > 0) settings.hardware.count = count;
          else problem('hardware.count', `expected a positive whole number, got ${JSON.stringify(count)}`);
        }
        break;
      }
      case 'region': {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          problem(key, 'expected a table with provider = "gcp" | "aws" | "azure" and id = "<region>"');
          break;
        }
        const { provider, id } = value as Record<string, unknown>;
        if (provider !== undefined) {
          if (provider === 'gcp' || provider === 'aws' || provider === 'azure') settings.region.provider = provider;
          else problem('region.provider', `expected "gcp", "aws" or "azure", got ${JSON.stringify(provider)}`);
        }
        if (id !== undefined) {
          if (typeof id === 'string' && id.trim()) settings.region.id = id;
          else problem('region.id', 'expected a region name such as "us-central1"');
        }
        break;
      }
      default:
        problem(key, 'unknown key (ignored); known: select, ignore, severity, thresholds, hardware, region');
    }
  }
  return { settings, problems };
}

/** The severity a rule reports at, or 'off' when it must not run. */
export function effectiveSeverity(settings: Settings, ruleId: string, defaultSeverity: Severity): RuleSeverity {
  if (settings.select && !settings.select.includes(ruleId)) return 'off';
  if (settings.ignore.includes(ruleId)) return 'off';
  return settings.severity[ruleId] ?? defaultSeverity;
}
