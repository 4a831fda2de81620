import { hasSyntaxError } from '../engine/python/tree';
import { addKeywordArgument, enclosingStatement, hasImportLine, insertLinesAfter, insertLinesBefore, replaceNode } from '../engine/python/edits';
import type { PythonSource } from '../engine/python/source';
import { ancestor, field, namedChildren, walk, type PyNode } from '../engine/python/tree';
import type { PythonContext, Rule } from '../engine/rule';
import type { OffsetEdit, OffsetFix } from '../engine/types';
import { isFrom, lastSegment, methodCallsOn } from './shared/python-patterns';
import { callRange } from './shared/ranges';
import { outermostLoop, trainingLoops } from './shared/training-loops';
import { TRAINING_LOOP } from './shared/triggers';

/**
 * Libraries whose use counts as measuring a run's energy or emissions. codecarbon is what the fix
 * adds; the others are its older or narrower siblings, and a file using any of them is measured.
 */
const MEASUREMENT_LIBRARIES = ['codecarbon', 'carbontracker', 'eco2ai', 'experiment_impact_tracker', 'zeus'];

const PATTERSON = 'the same run emits ~5-10x more or less CO2e depending on where it runs (Patterson et al. 2021)';
const CODECARBON_METHOD =
  'codecarbon measures GPU (NVML), CPU (RAPL) and RAM power and multiplies the energy by the carbon intensity of the machine\'s grid region';
const HF_CAVEAT =
  'The Trainer\'s CodeCarbonCallback covers train() only (not evaluate() or predict()) and raises on AMD ROCm GPUs: there, wrap the run in codecarbon\'s EmissionsTracker instead';

/** transformers / TRL / sentence-transformers trainer classes whose train() reads TrainingArguments.report_to. */
function isHfTrainer(qualified: string): boolean {
  const name = lastSegment(qualified);
  if (isFrom(qualified, 'transformers')) return name === 'Trainer' || name === 'Seq2SeqTrainer';
  if (isFrom(qualified, 'trl')) return /^\w+Trainer$/.test(name);
  if (isFrom(qualified, 'sentence_transformers')) return /^(SentenceTransformer|CrossEncoder|SparseEncoder)Trainer$/.test(name);
  return false;
}

/** The TrainingArguments family: classes with a `report_to` field. */
function isHfArguments(qualified: string | null): boolean {
  if (!qualified) return false;
  const name = lastSegment(qualified);
  if (isFrom(qualified, 'transformers')) return name === 'TrainingArguments' || name === 'Seq2SeqTrainingArguments';
  if (isFrom(qualified, 'trl')) return /^(SFT|DPO|GRPO|PPO|Reward|KTO|ORPO|CPO|BCO|GKD|OnlineDPO|RLOO|XPO|NashMD|PRM)Config$/.test(name);
  if (isFrom(qualified, 'sentence_transformers')) return /TrainingArguments$/.test(name);
  return false;
}

const LIGHTNING_TRAINER = /^lightning\.pytorch\.(trainer\.(trainer\.)?)?Trainer(\.from_argparse_args)?$/;
const SKLEARN_SEARCHES = ['GridSearchCV', 'RandomizedSearchCV', 'HalvingGridSearchCV', 'HalvingRandomSearchCV'];
const KERAS_TUNERS = ['RandomSearch', 'Hyperband', 'BayesianOptimization', 'GridSearch', 'SklearnTuner', 'Tuner'];

/**
 * The library class an object was built from: `x = Trainer(...)` → `transformers.Trainer`, also
 * through the file's own subclasses (`class MyTrainer(Trainer)` → `transformers.Trainer`).
 */
function objectType(source: PythonSource, expr: PyNode | null): { type: string; constructor: PyNode } | null {
  const call = source.constructorCall(expr);
  if (!call) return null;
  const direct = source.calleeName(call);
  if (direct) return { type: direct, constructor: call };
  const callee = field(call, 'function');
  if (callee?.type !== 'identifier') return null;
  const base = localClassBase(source, source.textOf(callee), 0);
  return base ? { type: base, constructor: call } : null;
}

/** For a class the file defines, the first library class among its bases (three levels deep at most). */
function localClassBase(source: PythonSource, name: string, depth: number): string | null {
  if (depth > 3) return null;
  const definition = source.nodes('class_definition').find((c) => {
    const id = field(c, 'name');
    return id !== null && source.textOf(id) === name;
  });
  const bases = definition ? field(definition, 'superclasses') : null;
  if (!bases) return null;
  for (const base of namedChildren(bases)) {
    if (base.type === 'keyword_argument') continue;
    const qualified = source.qualifiedName(base);
    if (qualified) return qualified;
    if (base.type === 'identifier') {
      const inherited = localClassBase(source, source.textOf(base), depth + 1);
      if (inherited) return inherited;
    }
  }
  return null;
}

/** Whether the file imports a module (or a submodule of it). */
function importsModule(source: PythonSource, modules: readonly string[]): boolean {
  for (const statement of [...source.nodes('import_statement'), ...source.nodes('import_from_statement')]) {
    const names = statement.type === 'import_from_statement' ? [field(statement, 'module_name')] : statement.children.filter((c) => c.field === 'name');
    for (const name of names) {
      if (!name) continue;
      const dotted = source.textOf(name.type === 'aliased_import' ? field(name, 'name') ?? name : name);
      if (modules.some((m) => dotted === m || dotted.startsWith(m + '.'))) return true;
    }
  }
  return false;
}

/**
 * Whether anything in the file measures emissions: a name from an emissions-tracking library used
 * outside an import (EmissionsTracker(), @track_emissions, CodeCarbonCallback...), or a string
 * naming codecarbon (report_to="codecarbon", ["wandb", "codecarbon"], a CLI default).
 */
/** What any measurement below needs in the text: a library's name (imports spell it) or the callback's. */
const MEASUREMENT_WORDS = new RegExp([...MEASUREMENT_LIBRARIES, 'CodeCarbonCallback'].join('|'), 'i');

function measuresEmissions(source: PythonSource): boolean {
  if (!MEASUREMENT_WORDS.test(source.text)) return false;
  for (const type of ['identifier', 'attribute']) {
    for (const node of source.nodes(type)) {
      if (type === 'identifier' && node.parent?.type === 'attribute' && node.field === 'attribute') continue;
      if (ancestor(node, ['import_statement', 'import_from_statement'])) continue;
      const qualified = source.qualifiedName(node);
      if (!qualified) continue;
      if (MEASUREMENT_LIBRARIES.some((m) => isFrom(qualified, m))) return true;
      if (lastSegment(qualified) === 'CodeCarbonCallback') return true;
    }
  }
  for (const string of source.nodes('string')) {
    if (string.parent?.type === 'expression_statement') continue; // a docstring or bare string is prose, not a setting
    const value = source.stringLiteral(string);
    if (value !== undefined && value.toLowerCase().split(/[\s,;]+/).includes('codecarbon')) return true;
  }
  return false;
}

interface Entry {
  /** Call that starts training, or the outermost loop of a hand-written training loop. */
  node: PyNode;
  start: number;
  end: number;
  label: string;
  /** HF trainers: what their TrainingArguments say about report_to. */
  hf?: HfReportTo;
}

type HfReportTo =
  /** report_to="all", or not readable here (parsed from the command line, **kwargs, a variable...). */
  | { state: 'unknown' }
  /** report_to is missing or leaves codecarbon out; `fix` edits the TrainingArguments call when possible. */
  | { state: 'untracked'; detail: string; argsName: string | null; edit: OffsetEdit | null };

function quoteOf(source: PythonSource, node: PyNode): string {
  const strings = node.type === 'string' ? [node] : source.nodes('string').filter((s) => s.start >= node.start && s.end <= node.end);
  for (const string of strings) {
    const start = string.children.find((c) => c.type === 'string_start');
    if (start && source.textOf(start).endsWith("'")) return "'";
    if (start) return '"';
  }
  return '"';
}

/** What the TrainingArguments given to an HF trainer say about report_to. */
function hfReportTo(source: PythonSource, trainerCall: PyNode): HfReportTo {
  const argsValue = source.argument(trainerCall, 'args', 1);
  if (!argsValue) {
    // No args: the Trainer builds default TrainingArguments, whose report_to default depends on the version.
    if (source.hasSplat(trainerCall)) return { state: 'unknown' };
    return { state: 'untracked', detail: 'the trainer gets no TrainingArguments, so report_to keeps its default (transformers v5: "none"; v4: "all" installed integrations, which measures only if codecarbon happens to be installed)', argsName: null, edit: null };
  }
  let argsCall: PyNode | null = argsValue.type === 'call' ? argsValue : null;
  let argsName: string | null = null;
  if (argsValue.type === 'identifier') {
    argsName = source.textOf(argsValue);
    const binding = source.names.bindingAt(argsName, argsValue.start);
    if (binding?.kind === 'call') argsCall = binding.call;
    // `args.report_to = [...]` after construction overrides the call: not judged here.
    const overridden = source.nodes('assignment').some((a) => {
      const left = field(a, 'left');
      return left?.type === 'attribute' && source.textOf(left).replace(/\s+/g, '') === `${argsName}.report_to`;
    });
    if (overridden) return { state: 'unknown' };
  }
  if (!argsCall || !isHfArguments(source.calleeName(argsCall)) || source.hasSplat(argsCall)) return { state: 'unknown' };
  // Arguments that do not parse cannot be read: report_to may be in the broken part.
  if (hasSyntaxError(argsCall)) return { state: 'unknown' };
  const argsClass = lastSegment(source.calleeName(argsCall)!);
  const keyword = source.keywordArg(argsCall, 'report_to');
  const codecarbonList = (q: string) => `[${q}codecarbon${q}]`;
  if (!keyword) {
    const q = quoteOf(source, argsCall);
    return {
      state: 'untracked',
      detail: `${argsClass}(...) does not set report_to (transformers v5 defaults to "none"; v4's default "all" measures only if codecarbon happens to be installed)`,
      argsName: argsClass,
      edit: addKeywordArgument(source, argsCall, `report_to=${codecarbonList(q)}`),
    };
  }
  const value = field(keyword, 'value')!;
  const q = quoteOf(source, value);
  const shown = source.textOf(keyword);
  const literal = source.literal(value) ?? source.stringValue(value)?.value;
  if (literal === null) {
    return { state: 'untracked', detail: `${shown} leaves the choice to the version's default (v5: "none"; v4: "all" installed integrations)`, argsName: argsClass, edit: replaceNode(value, codecarbonList(q)) };
  }
  if (typeof literal === 'string') {
    const lower = literal.toLowerCase();
    if (lower === 'all') return { state: 'unknown' }; // every installed integration, codecarbon included when installed
    if (lower === 'none' || lower === '') return { state: 'untracked', detail: `${shown} turns every integration off`, argsName: argsClass, edit: replaceNode(value, codecarbonList(q)) };
    return { state: 'untracked', detail: `${shown} leaves codecarbon out`, argsName: argsClass, edit: replaceNode(value, `[${source.textOf(value)}, ${q}codecarbon${q}]`) };
  }
  if (Array.isArray(literal) && literal.every((v) => typeof v === 'string') && (value.type === 'list' || value.type === 'tuple')) {
    const items = (literal as string[]).map((v) => v.toLowerCase());
    if (items.includes('all')) return { state: 'unknown' };
    const elements = namedChildren(value);
    if (items.length === 0 || items.every((v) => v === 'none')) {
      return { state: 'untracked', detail: `${shown} reports to nothing`, argsName: argsClass, edit: replaceNode(value, codecarbonList(q)) };
    }
    const last = elements[elements.length - 1];
    return { state: 'untracked', detail: `${shown} leaves codecarbon out`, argsName: argsClass, edit: { start: last.end, end: last.end, newText: `, ${q}codecarbon${q}` } };
  }
  return { state: 'unknown' };
}

/** `trainer.train()`, `model.fit(...)`, `Seq2SeqTrainer(...).train()`: the call as the message names it. */
function calleeLabel(source: PythonSource, call: PyNode): string {
  const callee = field(call, 'function');
  const args = namedChildren(field(call, 'arguments') ?? call).length > 0 ? '...' : '';
  if (!callee) return 'this call';
  if (callee.type === 'attribute') {
    const object = field(callee, 'object');
    const attribute = field(callee, 'attribute');
    if (object?.type === 'call' && attribute) return `${calleeLabel(source, object)}.${source.textOf(attribute)}(${args})`;
  }
  return `${source.textOf(callee).replace(/\s+/g, '')}(${args})`;
}

/** Keras models: built by keras (Sequential, Model, applications), or compiled with a loss/optimizer in a Keras file. */
function isKerasModel(source: PythonSource, call: PyNode, kerasFile: boolean): boolean {
  const receiver = source.receiver(call);
  const built = objectType(source, receiver)?.type;
  if (built && isFrom(built, 'keras')) return isFrom(built, 'keras.applications') || ['Sequential', 'Model', 'load_model'].includes(lastSegment(built));
  // Built by the project's own code (`model = build_model()`): a Keras model if it is compiled with a loss or optimizer.
  if (!kerasFile || receiver?.type !== 'identifier') return false;
  return methodCallsOn(source, source.textOf(receiver), 'compile').some((c) => source.keywordArg(c, 'loss') !== null || source.keywordArg(c, 'optimizer') !== null);
}

/** A call that starts training in-process, or null. */
function entryOf(source: PythonSource, call: PyNode, kerasFile: boolean): Entry | null {
  const method = source.methodName(call);
  const range = callRange(source, call);
  const entry = (extra: Partial<Entry> = {}): Entry => ({ node: call, ...range, label: calleeLabel(source, call), ...extra });
  if (method === null) {
    const callee = source.calleeName(call);
    if (callee && isFrom(callee, 'lightning.pytorch') && lastSegment(callee) === 'LightningCLI') {
      // LightningCLI runs fit (or the subcommand given) unless run=False.
      return source.literal(source.keywordValue(call, 'run')) === false ? null : entry();
    }
    return null;
  }
  if (!['train', 'fit', 'optimize', 'search'].includes(method)) return null;
  const built = objectType(source, source.receiver(call));
  const type = built?.type ?? null;
  switch (method) {
    case 'train':
      if (type && isHfTrainer(type) && built) return entry({ hf: hfReportTo(source, built.constructor) });
      return null;
    case 'fit':
      if (type && LIGHTNING_TRAINER.test(type)) return entry();
      if (type && isFrom(type, 'sklearn') && SKLEARN_SEARCHES.includes(lastSegment(type))) return entry();
      if (type && isFrom(type, 'sentence_transformers') && ['SentenceTransformer', 'CrossEncoder'].includes(lastSegment(type))) return entry();
      return isKerasModel(source, call, kerasFile) ? entry() : null;
    case 'optimize':
      return type && /^optuna\.(study\.)?(create_study|load_study|Study)$/.test(type) ? entry() : null;
    case 'search':
      return type && (isFrom(type, 'keras_tuner') || isFrom(type, 'kerastuner')) && KERAS_TUNERS.includes(lastSegment(type)) ? entry() : null;
  }
  return null;
}

/** Range of a loop's header: `for ... :`. */
function loopHeader(source: PythonSource, loop: PyNode): { start: number; end: number } {
  const colon = loop.children.find((c) => c.type === ':');
  return { start: loop.start, end: colon ? colon.end : source.lines.lineEnd(source.lines.positionAt(loop.start).line) };
}

/** A search.fit(...) inside `for trial in range(N):` is measured as a whole: the outermost loop around it in its function. */
function enclosingLoop(statement: PyNode): PyNode {
  let outer = statement;
  for (let current = statement.parent; current; current = current.parent) {
    if (current.type === 'function_definition' || current.type === 'class_definition' || current.type === 'lambda') break;
    if (current.type === 'for_statement' || current.type === 'while_statement') outer = current;
  }
  return outer;
}

/** Whether a statement holds a `return` or `yield` of its own function, which would skip a stop() placed after it. */
function leavesEarly(statement: PyNode): boolean {
  let found = false;
  walk(statement, (n) => {
    if (found || n.type === 'function_definition' || n.type === 'class_definition' || n.type === 'lambda') return false;
    if (n.type === 'return_statement' || n.type === 'yield') found = true;
    return !found;
  });
  return found;
}

/** Test code (unittest / pytest suites and their helpers): training there is a smoke check, not a run to measure. */
function isTestFile(source: PythonSource): boolean {
  return importsModule(source, ['unittest', 'pytest', 'torch.testing._internal']);
}

function inTestCode(source: PythonSource, node: PyNode): boolean {
  for (let current = node.parent; current; current = current.parent) {
    const name = current.type === 'function_definition' || current.type === 'class_definition' ? field(current, 'name') : null;
    if (!name) continue;
    const text = source.textOf(name);
    if (current.type === 'function_definition' && /^_*test/.test(text)) return true;
    if (current.type === 'class_definition' && /^Test|Test(Case)?$/.test(text)) return true;
  }
  return false;
}

/**
 * `tracker = EmissionsTracker()` / `tracker.start()` above the statement and `tracker.stop()` below.
 * Only for a statement that has its lines to itself and does not leave the block (a `return` would
 * skip the stop); the import goes with the inserted lines so that a notebook fix stays in one cell.
 */
function trackerFix(source: PythonSource, node: PyNode): OffsetFix | undefined {
  const own = enclosingStatement(node);
  if (!['expression_statement', 'for_statement', 'while_statement'].includes(own.type)) return undefined;
  const statement = enclosingLoop(own);
  if (leavesEarly(statement)) return undefined;
  const start = source.lines.positionAt(statement.start);
  if (source.lines.lineText(start.line).slice(0, start.character).trim() !== '') return undefined;
  const end = source.lines.positionAt(statement.end);
  const rest = source.lines.lineText(end.line).slice(end.character).trim();
  if (rest !== '' && !rest.startsWith('#')) return undefined;
  const name = ['tracker', 'emissions_tracker'].find((n) => source.names.all(n).length === 0);
  if (!name) return undefined;
  const importLine = 'from codecarbon import EmissionsTracker';
  const before = [...(hasImportLine(source, importLine) ? [] : [importLine]), `${name} = EmissionsTracker()`, `${name}.start()`];
  return {
    title: 'Measure the run with codecarbon EmissionsTracker',
    safety: 'unsafe',
    edits: [insertLinesBefore(source, statement, before), insertLinesAfter(source, statement, [`${name}.stop()`])],
  };
}

function checkPython(context: PythonContext): void {
  const { source } = context;
  if (isTestFile(source)) return;
  const kerasFile = importsModule(source, ['keras', 'tensorflow', 'tf_keras']);
  const entries: Entry[] = [];
  for (const call of source.nodes('call')) {
    const entry = entryOf(source, call, kerasFile);
    if (entry) entries.push(entry);
  }
  const seenLoops = new Set<PyNode>();
  for (const { loop } of trainingLoops(source)) {
    const outer = outermostLoop(loop);
    if (seenLoops.has(outer)) continue;
    seenLoops.add(outer);
    entries.push({ node: outer, ...loopHeader(source, outer), label: 'This hand-written training loop (backward() + optimizer step())' });
  }
  const runs = entries.filter((e) => !inTestCode(source, e.node)).sort((a, b) => a.start - b.start);
  if (runs.length === 0) return;
  // An HF run whose report_to may include codecarbon (all, or set at run time) may be measured: stay silent.
  if (runs.some((e) => e.hf?.state === 'unknown')) return;
  if (measuresEmissions(source)) return;
  // One finding per file: one measurement (tracker or callback) answers for the file, and its fix silences the rest.
  const first = runs[0];
  const hf = first.hf;
  if (hf?.state === 'untracked') {
    const fix: OffsetFix | undefined = hf.edit
      ? { title: 'Report the run to codecarbon (report_to=["codecarbon"])', safety: 'unsafe', edits: [hf.edit] }
      : trackerFix(source, first.node);
    const advice = hf.argsName
      ? `Add report_to=["codecarbon"] to the ${hf.argsName}(...) call`
      : 'Pass args=TrainingArguments(..., report_to=["codecarbon"]), or start a codecarbon EmissionsTracker before the call and stop it after';
    context.report({
      start: first.start,
      end: first.end,
      message: `${first.label} trains with nothing measuring its energy or emissions: ${hf.detail}. ${advice}: ${CODECARBON_METHOD}, and ${PATTERSON}. ${HF_CAVEAT}.`,
      fix,
    });
    return;
  }
  context.report({
    start: first.start,
    end: first.end,
    message:
      `${first.label} trains with nothing in this file measuring its energy or emissions (no codecarbon EmissionsTracker, @track_emissions or report_to="codecarbon"). ` +
      `Start a codecarbon EmissionsTracker before it and stop it after: ${CODECARBON_METHOD}, and ${PATTERSON}.`,
    fix: trackerFix(source, first.node),
  });
}

export const untrackedEmissions: Rule = {
  id: 'untracked-emissions',
  title: 'Training run with no energy or emissions measurement',
  defaultSeverity: 'info',
  sources: ['python'],
  fixAvailability: 'sometimes',
  fixSafety: 'unsafe',
  // The entry points entryOf() and trainingLoops() recognise.
  triggers: [
    ['Trainer', 'train'],
    ['Trainer', 'fit'],
    'LightningCLI',
    ['keras', 'fit'],
    ['keras', 'search'],
    ['tensorflow', 'fit', 'compile'],
    ['SearchCV', 'fit'],
    ['optuna', 'optimize'],
    ['SentenceTransformer', 'fit'],
    ['CrossEncoder', 'fit'],
    [...TRAINING_LOOP],
  ],
  docs: {
    whatItDoes:
      'Flags a file that trains in-process but measures nothing: a transformers / TRL / sentence-transformers trainer.train() whose TrainingArguments leave "codecarbon" out of report_to, a Lightning trainer.fit( or LightningCLI, a Keras model.fit(, a scikit-learn search.fit( (GridSearchCV, RandomizedSearchCV and the halving searches), an Optuna study.optimize( or a Keras Tuner tuner.search(, or a hand-written loop with backward() and an optimizer step() (flagged at its outermost loop). Any use of codecarbon (EmissionsTracker, OfflineEmissionsTracker, @track_emissions, CodeCarbonCallback), carbontracker, eco2ai, experiment-impact-tracker or Zeus, or a string naming codecarbon (report_to="codecarbon"), counts as measuring. One finding per file, at its first training entry point. Not flagged: test code (files importing unittest, pytest or torch.testing._internal, and test_* functions or Test* classes), scripts that only submit remote jobs (SageMaker, Vertex AI, Azure ML estimators and jobs are not entry points), configs, plain scikit-learn estimators, and HF runs whose report_to is "all" or set at run time (HfArgumentParser, **kwargs, a variable), which may already include codecarbon.',
    whyItWastesEnergy:
      'What is not measured is not reduced: the same run emits ~5-10x more or less CO2e depending on where it runs (Patterson et al. 2021), and only a measurement shows which choices (region, precision, model size) pay off. codecarbon measures GPU (NVML), CPU (RAPL) and RAM power and multiplies the energy by the carbon intensity of the grid region.',
    example: {
      language: 'python',
      code: [
        'from transformers import Trainer, TrainingArguments',
        '',
        'args = TrainingArguments(output_dir="out", num_train_epochs=3)',
        'trainer = Trainer(model=model, args=args, train_dataset=train_ds)',
        'trainer.train()',
      ].join('\n'),
    },
    useInstead: {
      language: 'python',
      code: [
        'from transformers import Trainer, TrainingArguments',
        '',
        'args = TrainingArguments(output_dir="out", num_train_epochs=3, report_to=["codecarbon"])',
        'trainer = Trainer(model=model, args=args, train_dataset=train_ds)',
        'trainer.train()',
      ].join('\n'),
    },
    fixSafety:
      'Unsafe: both fixes add a dependency. With report_to=["codecarbon"] the Trainer raises when codecarbon is not installed, the callback covers train() only and raises on AMD ROCm GPUs; an existing report_to list is extended, not replaced. Elsewhere the fix starts a codecarbon EmissionsTracker on the line before the training call (or before the outermost loop around it in its function, so a search repeated in a loop is measured as one run) and stops it on the line after, importing EmissionsTracker there so that a notebook fix stays in one cell; it is not offered when the statement shares its line with other code, or is (or contains) a return or yield, which would skip the stop. The tracker writes emissions.csv in the working directory.',
    sources: [
      'codecarbon methodology (v3.3.0) — mlco2/codecarbon docs/explanation/methodology.md',
      'transformers TrainingArguments.report_to (v5 default "none"; v4 default "all") and CodeCarbonCallback — huggingface/transformers src/transformers/training_args.py, src/transformers/integrations/integration_utils.py',
      'transformers PR #41375 (report_to default "none") — https://github.com/huggingface/transformers/pull/41375',
      'Patterson et al. 2021, Carbon Emissions and Large Neural Network Training — https://arxiv.org/abs/2104.10350',
    ],
  },
  checkPython,
};
