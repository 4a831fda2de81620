import { availableParallelism } from 'node:os';
import { UsageError } from './usage-error';

/** One worker per core (this machine kind has two). */
function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

export type OutputFormat = 'text' | 'json' | 'sarif';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['text', 'json', 'sarif'];

export interface CheckOptions {
  paths: string[];
  format: OutputFormat;
  /** Rule ids from --select (replaces `select` of pyproject.toml), or null. */
  select: string[] | null;
  /** Rule ids from --ignore (added to `ignore` of pyproject.toml). */
  ignore: string[];
  /** Apply fixes: 'safe' with --fix, 'all' with --unsafe-fixes. */
  fix: 'none' | 'safe' | 'all';
  exitZero: boolean;
  /** Parallel lint workers (threads); 1 lints in the main thread. */
  workers: number;
  /** Skip parsing files that hold none of the enabled rules' trigger words (on unless --no-prefilter). */
  prefilter: boolean;
  /** Reuse findings of earlier runs for unchanged files (on unless --no-cache). */
  cache: boolean;
}

export type Command =
  | { kind: 'help'; topic: 'main' | 'check' | 'rule' | 'rules' }
  | { kind: 'version' }
  | { kind: 'check'; options: CheckOptions }
  | { kind: 'rule'; id: string }
  | { kind: 'rules' };

/** Options that take a value, as `--name value` or `--name=value`. */
const VALUE_OPTIONS = new Set(['--format', '--select', '--ignore', '--workers']);
const FLAG_OPTIONS = new Set(['--fix', '--unsafe-fixes', '--exit-zero', '--no-prefilter', '--no-cache']);

function ruleList(option: string, value: string, knownRules: readonly string[]): string[] {
  const ids = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (ids.length === 0) throw new UsageError(`${option} expects a comma-separated list of rule ids`);
  const unknown = ids.filter((id) => !knownRules.includes(id));
  if (unknown.length > 0) {
    const known = knownRules.length > 0 ? knownRules.join(', ') : '(none registered)';
    throw new UsageError(`${option}: unknown rule id ${unknown.map((u) => `"${u}"`).join(', ')}; known rules: ${known}`);
  }
  return ids;
}

function parseCheck(args: string[], knownRules: readonly string[]): Command {
  const options: CheckOptions = { paths: [], format: 'text', select: null, ignore: [], fix: 'none', exitZero: false, workers: defaultWorkers(), prefilter: true, cache: true };
  let onlyPaths = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (onlyPaths || !arg.startsWith('-')) {
      if (arg === '') throw new UsageError('empty path argument');
      options.paths.push(arg);
      continue;
    }
    if (arg === '--') {
      onlyPaths = true;
      continue;
    }
    if (arg === '--help' || arg === '-h') return { kind: 'help', topic: 'check' };
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    if (FLAG_OPTIONS.has(name)) {
      if (eq >= 0) throw new UsageError(`${name} takes no value`);
      if (name === '--fix') options.fix = options.fix === 'all' ? 'all' : 'safe';
      else if (name === '--unsafe-fixes') options.fix = 'all';
      else if (name === '--no-prefilter') options.prefilter = false;
      else if (name === '--no-cache') options.cache = false;
      else options.exitZero = true;
      continue;
    }
    if (!VALUE_OPTIONS.has(name)) throw new UsageError(`unknown option '${name}'`);
    let value: string;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      if (i + 1 >= args.length) throw new UsageError(`${name} needs a value`);
      value = args[++i];
    }
    if (name === '--format') {
      if (!(OUTPUT_FORMATS as readonly string[]).includes(value)) {
        throw new UsageError(`unknown format '${value}'; expected one of: ${OUTPUT_FORMATS.join(', ')}`);
      }
      options.format = value as OutputFormat;
    } else if (name === '--workers') {
      if (!/^[1-9]\d{0,2}$/.test(value)) throw new UsageError(`--workers expects a whole number from 1 to 999, got '${value}'`);
      options.workers = Number(value);
    } else if (name === '--select') {
      options.select = [...(options.select ?? []), ...ruleList(name, value, knownRules)];
    } else {
      options.ignore.push(...ruleList(name, value, knownRules));
    }
  }
  if (options.paths.length === 0) options.paths.push('.');
  return { kind: 'check', options };
}

/** Reads the command line (without `node` and the script). Throws UsageError on mistakes. */
export function parseArgs(argv: readonly string[], knownRules: readonly string[]): Command {
  const [command, ...rest] = argv;
  if (command === undefined) throw new UsageError("missing command; try 'greenml check .'");
  if (command === '--help' || command === '-h' || command === 'help') {
    const topic = rest[0];
    if (topic === 'check' || topic === 'rule' || topic === 'rules') return { kind: 'help', topic };
    return { kind: 'help', topic: 'main' };
  }
  if (command === '--version' || command === '-V') return { kind: 'version' };
  switch (command) {
    case 'check':
      return parseCheck(rest, knownRules);
    case 'rule': {
      if (rest.includes('--help') || rest.includes('-h')) return { kind: 'help', topic: 'rule' };
      const unknownOption = rest.find((a) => a.startsWith('-'));
      if (unknownOption) throw new UsageError(`unknown option '${unknownOption}'`);
      if (rest.length === 0) throw new UsageError('greenml rule needs a rule id; run greenml rules for the list');
      if (rest.length > 1) throw new UsageError('greenml rule takes one rule id');
      return { kind: 'rule', id: rest[0] };
    }
    case 'rules': {
      if (rest.includes('--help') || rest.includes('-h')) return { kind: 'help', topic: 'rules' };
      if (rest.length > 0) throw new UsageError(`greenml rules takes no arguments (got '${rest[0]}')`);
      return { kind: 'rules' };
    }
    default:
      if (command.startsWith('-')) throw new UsageError(`unknown option '${command}'`);
      throw new UsageError(`unknown command '${command}'; commands: check, rule, rules`);
  }
}
