import { insertEntry, replaceValue } from '../engine/config/edits';
import { scalarValue, type ConfigMap, type ConfigNode } from '../engine/config/source';
import { addKeywordArguments, ensureImport, replaceNode } from '../engine/python/edits';
import type { PythonSource } from '../engine/python/source';
import { field, walk, type PyNode } from '../engine/python/tree';
import type { ConfigContext, PythonContext, Rule } from '../engine/rule';
import type { OffsetEdit, OffsetFix } from '../engine/types';
import { assignedName, isFrom, lastSegment, methodCallsOn } from './shared/python-patterns';
import { callRange } from './shared/ranges';
import { numberValue, resolveExpression } from './shared/values';

const SK_SOURCE = 'scikit-learn GridSearchCV';

/** The size of a grid: the total and how it was counted (for the message). */
interface GridSize {
  total: number;
  /** e.g. `4 × 3 × 5 values` or `(2 × 3 + 1) = 7 candidates`. */
  text: string;
}

/** A name from the builtins (no import, no assignment, no definition in the file). */
function isBuiltin(source: PythonSource, callee: PyNode | null, name: string): boolean {
  return callee?.type === 'identifier' && source.textOf(callee) === name && source.names.all(name).length === 0;
}

function isInteger(value: number | undefined): value is number {
  return value !== undefined && Number.isInteger(value);
}

/**
 * How many values a grid entry holds: a list/tuple literal, `range(...)` / `np.arange(...)` with
 * whole-number literals, `np.linspace/logspace/geomspace(..., num)` with a literal `num`, or a
 * name assigned one of those. Undefined when it cannot be known for certain.
 */
function valueCount(source: PythonSource, node: PyNode | null, depth = 0): number | undefined {
  if (depth > 4) return undefined;
  const value = resolveExpression(source, node);
  if (!value) return undefined;
  switch (value.type) {
    case 'list':
    case 'tuple':
    case 'set': {
      const items = value.children.filter((c) => c.named && c.type !== 'comment');
      if (items.some((c) => c.type === 'list_splat' || c.type === 'parenthesized_list_splat')) return undefined;
      return items.length;
    }
    case 'call': {
      if (source.hasSplat(value)) return undefined;
      const callee = field(value, 'function');
      const qualified = source.calleeName(value);
      const positional = source.positionalArgs(value);
      if (qualified && /^numpy\.(linspace|logspace|geomspace)$/.test(qualified)) {
        if (source.keywordArg(value, 'retstep')) return undefined;
        const num = numberValue(source, source.argument(value, 'num', 2));
        return isInteger(num) && num >= 0 ? num : undefined;
      }
      if (isBuiltin(source, callee, 'range') || qualified === 'numpy.arange') {
        if (field(value, 'arguments')!.children.some((c) => c.type === 'keyword_argument')) return undefined;
        const numbers = positional.map((a) => numberValue(source, a));
        if (numbers.length === 0 || numbers.length > 3 || !numbers.every(isInteger)) return undefined;
        const [start, stop, step] = numbers.length === 1 ? [0, numbers[0], 1] : [numbers[0], numbers[1], numbers[2] ?? 1];
        if (step === 0) return undefined;
        return Math.max(0, Math.ceil((stop! - start!) / step!));
      }
      const wraps = isBuiltin(source, callee, 'list') || isBuiltin(source, callee, 'tuple') || qualified === 'numpy.array' || qualified === 'numpy.asarray';
      if (wraps && positional.length === 1 && field(value, 'arguments')!.children.every((c) => c.type !== 'keyword_argument')) {
        return valueCount(source, positional[0], depth + 1);
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/** Value counts of one grid dict (`{"C": [...], ...}` or `dict(C=[...], ...)`), or undefined. */
function dictFactors(source: PythonSource, node: PyNode): number[] | undefined {
  const factors: number[] = [];
  if (node.type === 'dictionary') {
    for (const child of node.children) {
      if (!child.named || child.type === 'comment') continue;
      if (child.type !== 'pair') return undefined;
      const count = valueCount(source, field(child, 'value'));
      if (count === undefined) return undefined;
      factors.push(count);
    }
    return factors;
  }
  if (node.type === 'call' && isBuiltin(source, field(node, 'function'), 'dict')) {
    if (source.hasSplat(node) || source.positionalArgs(node).length > 0) return undefined;
    for (const arg of field(node, 'arguments')!.children) {
      if (arg.type !== 'keyword_argument') continue;
      const count = valueCount(source, field(arg, 'value'));
      if (count === undefined) return undefined;
      factors.push(count);
    }
    return factors;
  }
  return undefined;
}

function product(factors: number[]): number {
  return factors.reduce((a, b) => a * b, 1);
}

/** A grid: one dict, or a list of dicts (the sum of their products). */
function gridSize(source: PythonSource, node: PyNode | null): GridSize | undefined {
  const value = resolveExpression(source, node);
  if (!value) return undefined;
  const single = dictFactors(source, value);
  if (single) return { total: product(single), text: single.length === 0 ? '1 candidate' : `${single.join(' × ')} values` };
  if (value.type !== 'list' && value.type !== 'tuple') return undefined;
  const dicts = value.children.filter((c) => c.named && c.type !== 'comment');
  const parts: number[][] = [];
  for (const item of dicts) {
    const resolved = resolveExpression(source, item);
    const factors = resolved ? dictFactors(source, resolved) : undefined;
    if (!factors) return undefined;
    parts.push(factors);
  }
  if (parts.length === 1) return { total: product(parts[0]), text: parts[0].length === 0 ? '1 candidate' : `${parts[0].join(' × ')} values` };
  const total = parts.reduce((sum, p) => sum + product(p), 0);
  const terms = parts.map((p) => (p.length === 0 ? '1' : p.join(' × ')));
  return { total, text: `(${terms.join(' + ')}) = ${total} candidates` };
}

/** CV splits: `cv` omitted or None (5 folds), an int, or a splitter with literal split counts. */
interface Splits {
  count: number;
  text: string;
}

const FOLD_SPLITTERS = ['KFold', 'StratifiedKFold', 'GroupKFold', 'StratifiedGroupKFold', 'TimeSeriesSplit'];
const SHUFFLE_SPLITTERS = ['ShuffleSplit', 'StratifiedShuffleSplit', 'GroupShuffleSplit'];
const REPEATED_SPLITTERS = ['RepeatedKFold', 'RepeatedStratifiedKFold'];

function cvSplits(source: PythonSource, call: PyNode): Splits | undefined {
  const cv = source.keywordValue(call, 'cv');
  if (!cv || cv.type === 'none') return { count: 5, text: '5 folds (the default cv)' };
  const folds = numberValue(source, cv);
  if (folds !== undefined) return isInteger(folds) && folds > 1 ? { count: folds, text: `${folds} folds` } : undefined;
  const splitter = resolveExpression(source, cv);
  if (splitter?.type !== 'call' || source.hasSplat(splitter)) return undefined;
  const qualified = source.calleeName(splitter);
  if (!isFrom(qualified, 'sklearn')) return undefined;
  const name = lastSegment(qualified!);
  if (FOLD_SPLITTERS.includes(name) || SHUFFLE_SPLITTERS.includes(name)) {
    const n = numberValue(source, source.argument(splitter, 'n_splits', 0));
    if (!isInteger(n) || n < 1) return undefined;
    return { count: n, text: `${n} ${FOLD_SPLITTERS.includes(name) ? 'folds' : 'splits'} (${name})` };
  }
  if (REPEATED_SPLITTERS.includes(name)) {
    const n = numberValue(source, source.keywordValue(splitter, 'n_splits'));
    const repeats = numberValue(source, source.keywordValue(splitter, 'n_repeats'));
    if (!isInteger(n) || !isInteger(repeats) || n < 1 || repeats < 1) return undefined;
    return { count: n * repeats, text: `${n} × ${repeats} splits (${name})` };
  }
  return undefined;
}

/**
 * Whether the file reads this search's cv_results_: its rows follow the full grid, and code that
 * plots or reshapes them against the grid value lists breaks once the search is sampled.
 */
function readsResults(source: PythonSource, call: PyNode): boolean {
  const name = assignedName(source, call);
  return source.nodes('attribute').some((a) => {
    const attribute = field(a, 'attribute');
    const object = field(a, 'object');
    return attribute !== null && source.textOf(attribute) === 'cv_results_' && (name === null || (object !== null && source.textOf(object) === name));
  });
}

/** GridSearchCV → RandomizedSearchCV(param_distributions=..., n_iter=N, random_state=0). */
function randomizedFix(source: PythonSource, call: PyNode, nIter: number): OffsetFix | undefined {
  const callee = field(call, 'function');
  if (!callee) return undefined;
  const edits: OffsetEdit[] = [];
  if (callee.type === 'identifier') {
    const existing = source.names.all('RandomizedSearchCV');
    const imported = existing.some((b) => b.kind === 'import' && isFrom(b.qualified, 'sklearn', 'RandomizedSearchCV'));
    if (existing.length > 0 && !imported) return undefined; // the name means something else here
    edits.push(replaceNode(callee, 'RandomizedSearchCV'));
    if (!imported) {
      const importEdit = ensureImport(source, 'from sklearn.model_selection import RandomizedSearchCV', call);
      if (importEdit) edits.push(importEdit);
    }
  } else if (callee.type === 'attribute') {
    const attribute = field(callee, 'attribute');
    if (!attribute) return undefined;
    edits.push(replaceNode(attribute, 'RandomizedSearchCV'));
  } else return undefined;
  const gridKeyword = source.keywordArg(call, 'param_grid');
  if (gridKeyword) edits.push(replaceNode(field(gridKeyword, 'name')!, 'param_distributions'));
  const added = addKeywordArguments(source, call, [`n_iter=${nIter}`, 'random_state=0']);
  if (!added) return undefined;
  edits.push(added);
  return { title: `Sample ${nIter} candidates with RandomizedSearchCV`, safety: 'unsafe', edits };
}

function checkGridSearchCV(context: PythonContext, call: PyNode): void {
  const { source, settings } = context;
  if (source.hasSplat(call) || source.positionalArgs(call).length > 2) return;
  const grid = gridSize(source, source.argument(call, 'param_grid', 1));
  if (!grid) return;
  const refitValue = source.literal(source.keywordValue(call, 'refit'));
  const refit = refitValue === false ? 0 : 1;
  const refitText = refit ? ' + 1 refit' : '';
  const threshold = settings.thresholds.gridSearchFits;
  const splits = cvSplits(source, call);
  const halving =
    'or HalvingGridSearchCV (experimental: needs `from sklearn.experimental import enable_halving_search_cv` first), which trains every candidate on a small sample and keeps only the best third for more data at each round';
  if (!splits) {
    // Unknown splitter: every split trains once, so the candidates alone give a lower bound.
    const atLeast = grid.total + refit;
    if (atLeast < threshold) return;
    context.report({
      ...callRange(source, call),
      message:
        `GridSearchCV trains ${grid.text} × the splits of cv=${source.textOf(source.keywordValue(call, 'cv')!)} (at least 1 each)${refitText} ≥ ${atLeast} fits (${SK_SOURCE}). ` +
        `Sample the grid instead with RandomizedSearchCV(n_iter=...) (n_iter trades runtime against search quality), ${halving}.`,
    });
    return;
  }
  const fits = grid.total * splits.count + refit;
  if (fits < threshold) return;
  // The most candidates that keep the search under the fit budget, and at most half the grid.
  const nIter = Math.min(Math.floor((threshold - 1 - refit) / splits.count), Math.floor(grid.total / 2));
  const sampled = `${nIter} × ${splits.count}${refit ? ' + 1' : ''} = ${nIter * splits.count + refit} fits`;
  const fixable = nIter >= 2 && !readsResults(source, call);
  const advice =
    nIter >= 2
      ? `Sample the grid instead: RandomizedSearchCV(n_iter=${nIter}) tries ${nIter} of the ${grid.total} candidates (${sampled}, under the ${threshold}-fit budget and at most half the grid; n_iter trades runtime against search quality), ${halving}.`
      : `Use fewer CV splits, or sample the grid with RandomizedSearchCV(n_iter=...) (n_iter trades runtime against search quality), ${halving}.`;
  const caveat = nIter >= 2 && !fixable ? ' No automatic fix: this file reads cv_results_, whose rows would no longer cover the full grid.' : '';
  context.report({
    ...callRange(source, call),
    message: `GridSearchCV trains ${grid.text} × ${splits.text}${refitText} = ${fits} fits (${SK_SOURCE}). ${advice}${caveat}`,
    fix: fixable ? randomizedFix(source, call, nIter) : undefined,
  });
}

/** `len(ParameterGrid(...))` counts combinations; it trains nothing. */
function onlyCounted(source: PythonSource, call: PyNode): boolean {
  const outer = call.parent?.parent;
  return call.parent?.type === 'argument_list' && outer?.type === 'call' && source.textOf(field(outer, 'function')!) === 'len';
}

function checkParameterGrid(context: PythonContext, call: PyNode): void {
  const { source, settings } = context;
  if (source.hasSplat(call) || onlyCounted(source, call)) return;
  const grid = gridSize(source, source.argument(call, 'param_grid', 0));
  if (!grid || grid.total < settings.thresholds.gridSearchFits) return;
  context.report({
    ...callRange(source, call),
    message:
      `ParameterGrid enumerates ${grid.text} = ${grid.total} combinations: a loop over it trains at least ${grid.total} models (one fit per combination). ` +
      `Sample a fixed budget instead with ParameterSampler(param_distributions, n_iter=...) (same dicts, n_iter combinations), or let HalvingGridSearchCV discard weak candidates early.`,
  });
}

/** Optuna `GridSampler(search_space)`: one trial per combination, capped by a literal `n_trials`. */
function checkGridSampler(context: PythonContext, call: PyNode): void {
  const { source, settings } = context;
  if (source.hasSplat(call)) return;
  const space = resolveExpression(source, source.argument(call, 'search_space', 0));
  const factors = space ? dictFactors(source, space) : undefined;
  if (!factors) return;
  const combos = product(factors);
  const cap = nTrialsCap(source, call);
  const trials = cap === undefined ? combos : Math.min(combos, cap);
  if (trials < settings.thresholds.gridSearchFits) return;
  const capText = cap !== undefined && cap < combos ? ` (n_trials=${cap} stops it after ${cap})` : '';
  context.report({
    ...callRange(source, call),
    message:
      `optuna GridSampler enumerates ${factors.join(' × ')} = ${combos} trials${capText}, each a full run of the objective. ` +
      `Use a model-based sampler such as optuna.samplers.TPESampler with a fixed n_trials, and let a pruner stop weak trials ` +
      `(create_study's default MedianPruner prunes only when the objective calls trial.report() and trial.should_prune(); optuna docs).`,
  });
}

/** `study.optimize(..., n_trials=N)` for the study created with this sampler. */
function nTrialsCap(source: PythonSource, sampler: PyNode): number | undefined {
  const samplerName = assignedName(source, sampler);
  const studies = source.nodes('call').filter((c) => {
    if (!isFrom(source.calleeName(c), 'optuna', 'create_study')) return false;
    const value = source.keywordValue(c, 'sampler');
    return value === sampler || (samplerName !== null && value?.type === 'identifier' && source.textOf(value) === samplerName);
  });
  if (studies.length !== 1) return undefined;
  const study = assignedName(source, studies[0]);
  if (!study) return undefined;
  const optimize = methodCallsOn(source, study, 'optimize');
  if (optimize.length !== 1) return undefined;
  const n = numberValue(source, source.keywordValue(optimize[0], 'n_trials'));
  return isInteger(n) && n > 0 ? n : undefined;
}

/** Keras Tuner GridSearch: counts the hyperparameters of a plain hypermodel function. */
function checkKerasTuner(context: PythonContext, call: PyNode): void {
  const { source, settings } = context;
  if (source.hasSplat(call)) return;
  const hypermodel = source.argument(call, 'hypermodel', 0);
  if (hypermodel?.type !== 'identifier') return;
  const factors = hypermodelFactors(source, source.textOf(hypermodel));
  if (!factors || factors.length === 0) return;
  const combos = product(factors);
  const maxTrialsArg = source.argument(call, 'max_trials', 2);
  let maxTrials: number | undefined;
  if (maxTrialsArg && maxTrialsArg.type !== 'none') {
    maxTrials = numberValue(source, maxTrialsArg);
    if (!isInteger(maxTrials) || maxTrials < 1) return;
  }
  const trials = maxTrials === undefined ? combos : Math.min(combos, maxTrials);
  const executions = source.keywordArg(call, 'executions_per_trial') ? numberValue(source, source.keywordValue(call, 'executions_per_trial')) : 1;
  if (!isInteger(executions) || executions < 1) return;
  const models = trials * executions;
  if (models < settings.thresholds.gridSearchFits) return;
  const capText = maxTrials !== undefined && maxTrials < combos ? `, capped at max_trials=${maxTrials}` : '';
  const execText = executions > 1 ? ` × ${executions} executions per trial = ${models} models` : '';
  context.report({
    ...callRange(source, call),
    message:
      `keras_tuner.GridSearch tries every combination of the hypermodel's hyperparameters: ${factors.join(' × ')} = ${combos} trials${capText}${execText}, each training a model for the epochs passed to search(). ` +
      `Use keras_tuner.Hyperband (trains many configurations for a few epochs and continues only the best) or BayesianOptimization / RandomSearch with a small max_trials.`,
  });
}

/**
 * The value counts of `hp.Choice/Boolean/Fixed/Int/Float` calls in a hypermodel function, when all
 * are unconditional and literal; undefined when the search space cannot be counted.
 */
function hypermodelFactors(source: PythonSource, name: string): number[] | undefined {
  const definitions = source.nodes('function_definition').filter((f) => source.textOf(field(f, 'name')!) === name);
  if (definitions.length !== 1) return undefined;
  const fn = definitions[0];
  const parameters = field(fn, 'parameters')?.children.filter((c) => c.type === 'identifier') ?? [];
  if (parameters.length === 0) return undefined;
  const hp = source.textOf(parameters[0]);
  const body = field(fn, 'body');
  if (!body) return undefined;
  const seen = new Map<string, number>();
  let unknown = false;
  walk(body, (node) => {
    if (unknown) return false;
    if (node !== body && (node.type === 'function_definition' || node.type === 'lambda' || node.type === 'class_definition')) return false;
    if (node.type !== 'call') return;
    const receiver = source.receiver(node);
    if (!receiver || receiver.type !== 'identifier' || source.textOf(receiver) !== hp) return;
    // Conditional or repeated hyperparameters make the space depend on other values.
    for (let p = node.parent; p && p !== body; p = p.parent) {
      if (['if_statement', 'for_statement', 'while_statement', 'with_statement', 'conditional_expression', 'try_statement', 'list_comprehension', 'generator_expression'].includes(p.type)) unknown = true;
    }
    const hpName = source.literal(source.argument(node, 'name', 0));
    const count = hyperparameterCount(source, node);
    if (typeof hpName !== 'string' || count === undefined) unknown = true;
    else seen.set(hpName, count);
  });
  if (unknown) return undefined;
  return [...seen.values()];
}

function hyperparameterCount(source: PythonSource, call: PyNode): number | undefined {
  const method = source.methodName(call);
  if (source.hasSplat(call)) return undefined;
  switch (method) {
    case 'Choice':
      return valueCount(source, source.argument(call, 'values', 1));
    case 'Boolean':
      return 2;
    case 'Fixed':
      return 1;
    case 'Int':
    case 'Float': {
      const sampling = source.keywordValue(call, 'sampling');
      if (sampling && source.literal(sampling) !== 'linear') return undefined;
      const min = numberValue(source, source.argument(call, 'min_value', 1));
      const max = numberValue(source, source.argument(call, 'max_value', 2));
      const step = numberValue(source, source.argument(call, 'step', 3));
      if (min === undefined || max === undefined || step === undefined || step <= 0 || max < min) return undefined;
      return Math.floor((max - min) / step + 1e-9) + 1;
    }
    default:
      return undefined;
  }
}

function checkPython(context: PythonContext): void {
  const { source } = context;
  for (const call of source.nodes('call')) {
    const callee = source.calleeName(call);
    if (!callee) continue;
    if (isFrom(callee, 'sklearn', 'GridSearchCV')) checkGridSearchCV(context, call);
    else if (isFrom(callee, 'sklearn', 'ParameterGrid')) checkParameterGrid(context, call);
    else if (isFrom(callee, 'optuna', 'GridSampler')) checkGridSampler(context, call);
    else if ((isFrom(callee, 'keras_tuner') || isFrom(callee, 'kerastuner')) && lastSegment(callee) === 'GridSearch') checkKerasTuner(context, call);
  }
}

/** Runs in a W&B grid sweep: the product of each parameter's `values` (nested `parameters` multiply). */
function sweepSize(parameters: ConfigNode | null): number[] | undefined {
  if (parameters?.kind !== 'map') return undefined;
  const factors: number[] = [];
  for (const entry of parameters.entries) {
    const spec = entry.value;
    if (spec?.kind !== 'map') return undefined;
    const values = spec.entries.find((e) => e.key === 'values');
    const single = spec.entries.find((e) => e.key === 'value');
    const nested = spec.entries.find((e) => e.key === 'parameters');
    if (values?.value?.kind === 'seq') factors.push(values.value.items.length);
    else if (single) factors.push(1);
    else if (nested) {
      const inner = sweepSize(nested.value);
      if (!inner) return undefined;
      factors.push(product(inner));
    } else return undefined;
  }
  return factors;
}

function checkConfig(context: ConfigContext): void {
  const { config, settings } = context;
  if (!config.flavors.has('wandb-sweep') || config.root?.kind !== 'map') return;
  const root = config.root;
  const method = config.entry(['method']);
  if (!method?.value || scalarValue(method.value) !== 'grid') return;
  const factors = sweepSize(config.get(['parameters']));
  if (!factors) return;
  const combos = product(factors);
  const runCap = scalarValue(config.get(['run_cap']));
  const runs = typeof runCap === 'number' && runCap > 0 ? Math.min(combos, runCap) : combos;
  const threshold = settings.thresholds.gridSearchFits;
  if (runs < threshold) return;
  const capText = runs < combos ? ` (run_cap stops it after ${runs})` : '';
  const metricName = scalarValue(config.get(['name'], config.get(['metric'])));
  const budget = threshold - 1;
  const hasScheduler = root.entries.some((e) => e.key === 'scheduler');
  const earlyTerminate = hasScheduler
    ? ' (W&B does not combine early_terminate with the scheduler set here)'
    : ' with early_terminate: {type: hyperband, min_iter: 3} so weak runs stop early';
  const message =
    `method: grid launches one training run per combination: ${factors.join(' × ')} values = ${combos} runs${capText}. ` +
    `Use method: bayes${earlyTerminate}, and a run_cap (e.g. ${budget}, under the ${threshold}-run budget) since a Bayesian sweep does not end by itself (W&B sweep configuration keys).` +
    (typeof metricName === 'string' ? '' : ' Bayesian search also needs a metric: {name, goal} that the runs log.');
  context.report({
    start: method.keyStart,
    end: method.value.end,
    message,
    fix: typeof metricName === 'string' ? sweepFix(context, root, method.value, budget) : undefined,
  });
}

function sweepFix(context: ConfigContext, root: ConfigMap, methodValue: ConfigNode, budget: number): OffsetFix | undefined {
  const { config } = context;
  const json = config.format === 'json';
  const edits: OffsetEdit[] = [replaceValue(methodValue, json ? '"bayes"' : 'bayes')];
  const has = (key: string) => root.entries.some((e) => e.key === key);
  const inserts: OffsetEdit[] = [];
  // W&B does not allow `scheduler` together with `early_terminate`.
  if (!has('early_terminate') && !has('scheduler')) {
    const edit = insertEntry(config, root, 'early_terminate', json ? '{"type": "hyperband", "min_iter": 3}' : '{type: hyperband, min_iter: 3}');
    if (!edit) return undefined;
    inserts.push(edit);
  }
  if (!has('run_cap')) {
    const edit = insertEntry(config, root, 'run_cap', String(budget));
    if (!edit) return undefined;
    inserts.push(edit);
  }
  if (inserts.length > 0) {
    // Both entries go after the last one: one edit, or they would conflict.
    if (inserts.some((e) => e.start !== inserts[0].start)) return undefined;
    edits.push({ start: inserts[0].start, end: inserts[0].end, newText: inserts.map((e) => e.newText).join('') });
  }
  return { title: 'Switch the sweep to Bayesian search with Hyperband early termination', safety: 'unsafe', edits };
}

export const exhaustiveGridSearch: Rule = {
  id: 'exhaustive-grid-search',
  title: 'Exhaustive grid search trains a model for every combination',
  defaultSeverity: 'warning',
  sources: ['python', 'config'],
  fixAvailability: 'sometimes',
  fixSafety: 'unsafe',
  triggers: ['GridSearch', 'ParameterGrid', 'GridSampler'],
  docs: {
    whatItDoes:
      'Flags hyperparameter grid searches whose number of model fits reaches the gridSearchFits threshold (100 by default): scikit-learn GridSearchCV (candidates × CV splits + 1 refit; an omitted cv means 5 folds; refit=False drops the +1; a list of grids is the sum of their products) and ParameterGrid (one fit per combination), counted from literal grids, names assigned them, range/np.arange and np.linspace/logspace/geomspace with a literal count; Optuna GridSampler (capped by a literal n_trials); Keras Tuner GridSearch when the hypermodel function declares a countable space; and W&B sweep configs with method: grid whose parameters list their values (capped by run_cap). Grids it cannot count, HalvingGridSearchCV and RandomizedSearchCV are left alone. An unknown cv splitter gives a lower bound (one fit per candidate).',
    whyItWastesEnergy:
      'A grid search trains one model per combination per CV split: the cost multiplies with every hyperparameter added. Most combinations are far from the best one. Sampling a fixed number of candidates (RandomizedSearchCV, whose n_iter "trades off runtime vs quality of the solution"), successive halving (HalvingGridSearchCV trains all candidates on little data and only the best on more), or Bayesian search with early termination reach a comparable optimum with a fraction of the fits.',
    example: {
      language: 'python',
      code: [
        'from sklearn.model_selection import GridSearchCV',
        'from sklearn.svm import SVC',
        '',
        'param_grid = {"C": [0.1, 1, 10, 100], "gamma": [1e-3, 1e-2, 1e-1], "kernel": ["rbf", "poly", "sigmoid", "linear", "cosine"]}',
        'search = GridSearchCV(SVC(), param_grid)',
      ].join('\n'),
    },
    useInstead: {
      language: 'python',
      code: [
        'from sklearn.model_selection import RandomizedSearchCV',
        'from sklearn.svm import SVC',
        '',
        'param_grid = {"C": [0.1, 1, 10, 100], "gamma": [1e-3, 1e-2, 1e-1], "kernel": ["rbf", "poly", "sigmoid", "linear", "cosine"]}',
        'search = RandomizedSearchCV(SVC(), param_distributions=param_grid, n_iter=19, random_state=0)',
      ].join('\n'),
    },
    fixSafety:
      'Unsafe: a sampled search tries fewer candidates and may pick different hyperparameters. The GridSearchCV fix renames the call to RandomizedSearchCV (param_grid= becomes param_distributions=, a positional grid stays positional), imports it, and adds n_iter = the largest number of candidates that keeps the search under the gridSearchFits budget with the same cv and refit (19 with 5 folds, refit and the default budget of 100), capped at half the grid so the fix at least halves the fits, and random_state=0 so reruns sample the same candidates. It is not offered when the file reads the search\'s cv_results_ (plots and reshapes against the grid value lists break once the rows no longer cover the full grid), or when the cv splitter is unknown. HalvingGridSearchCV is mentioned as the alternative; it is experimental and needs `from sklearn.experimental import enable_halving_search_cv`. The W&B fix sets method: bayes and adds early_terminate: {type: hyperband, min_iter: 3} (not when a scheduler is set) and a run_cap under the budget, because a Bayesian sweep does not stop by itself; it is offered only when the sweep names a metric, which Bayesian search needs. ParameterGrid, Optuna and Keras Tuner findings carry advice only.',
    sources: [
      'scikit-learn GridSearchCV / RandomizedSearchCV (fits = candidates × splits + refit; cv=None is 5-fold) — scikit-learn sklearn/model_selection/_search.py',
      'scikit-learn successive halving (experimental) — https://scikit-learn.org/stable/modules/grid_search.html',
      'W&B sweep configuration keys (method, early_terminate, run_cap) — https://docs.wandb.ai/models/sweeps/sweep-config-keys',
      'Optuna pruners (MedianPruner default) — optuna optuna/pruners/__init__.py, optuna/study/study.py',
    ],
  },
  checkPython,
  checkConfig,
};
