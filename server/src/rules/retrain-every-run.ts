import { addKeywordArgument, ensureImport, hasImportLine } from '../engine/python/edits';
import type { PythonSource } from '../engine/python/source';
import { field, walk, type PyNode } from '../engine/python/tree';
import type { PythonContext, Rule } from '../engine/rule';
import type { OffsetEdit, OffsetFix } from '../engine/types';
import { argValue, isTrainerClass, isTrainingArgumentsClass, strategyValue } from './shared/hf-checkpointing';
import { isFrom, methodCallsOn } from './shared/python-patterns';
import { callRange } from './shared/ranges';
import { trainingLoops } from './shared/training-loops';
import { TRAINING_LOOP } from './shared/triggers';

// ---------------------------------------------------------------------------------------------
// Is this a script (something that runs), or a library module that only defines functions?

function isMainGuard(source: PythonSource, node: PyNode): boolean {
  if (node.type !== 'comparison_operator') return false;
  const operands = node.children.filter((c) => c.named);
  return operands.some((o) => o.type === 'identifier' && source.textOf(o) === '__name__') && operands.some((o) => source.stringLiteral(o) === '__main__');
}

/** Names of functions and classes called or referenced by code that runs at import time. */
function namesUsedAtModuleLevel(source: PythonSource): Set<string> {
  const used = new Set<string>();
  for (const statement of source.root.children) {
    if (statement.type === 'function_definition' || statement.type === 'class_definition' || statement.type === 'decorated_definition') continue;
    walk(statement, (n) => {
      if (n.type === 'function_definition' || n.type === 'class_definition' || n.type === 'lambda') return false;
      if (n.type === 'identifier') used.add(source.textOf(n));
    });
  }
  return used;
}

/**
 * Whether a call runs when the file is executed: it is module-level code (notebook cells are), the
 * file has an `if __name__ == "__main__":` entry point, or the top-level function or class that
 * holds it is used by module-level code (`main()` at the bottom of a script). A library module
 * that only defines functions is not a script.
 */
function runsAsScript(source: PythonSource, call: PyNode, cache: { guard?: boolean; used?: Set<string> }): boolean {
  let outermost: PyNode | null = null;
  for (let current = call.parent; current; current = current.parent) {
    if (current.type === 'function_definition' || current.type === 'class_definition') outermost = current;
  }
  if (!outermost) return true;
  if (cache.guard === undefined) cache.guard = source.nodes('comparison_operator').some((n) => isMainGuard(source, n));
  if (cache.guard) return true;
  cache.used ??= namesUsedAtModuleLevel(source);
  const name = field(outermost, 'name');
  return name !== null && cache.used.has(source.textOf(name));
}

// ---------------------------------------------------------------------------------------------
// Evidence that the script loads its artifact back or resumes

const LOAD_FUNCTIONS = new Set([
  'torch.load',
  'torch.jit.load',
  'joblib.load',
  'pickle.load',
  'dill.load',
  'cloudpickle.load',
  'keras.models.load_model',
  'keras.saving.load_model',
  'tensorflow.saved_model.load',
  'safetensors.torch.load_file',
  'safetensors.torch.load_model',
  'skops.io.load',
  'transformers.trainer_utils.get_last_checkpoint',
]);

const LOAD_METHODS = new Set(['load_state_dict', 'load_weights', 'load_state', 'load_from_checkpoint', 'load_checkpoint', 'load_model', 'get_last_checkpoint']);

/** A `--resume` option, a `resume_from_checkpoint` setting, `args.resume`... any name that speaks of resuming. */
function mentionsResume(source: PythonSource): boolean {
  if (source.nodes('identifier').some((n) => /resume/i.test(source.textOf(n)))) return true;
  for (const call of source.nodes('call')) {
    if (source.methodName(call) !== 'add_argument') continue;
    for (const arg of source.positionalArgs(call)) {
      const option = source.stringLiteral(arg);
      if (option !== undefined && /resume|restore|^--?load\b|^--?(init|from)[-_]?checkpoint/i.test(option)) return true;
    }
  }
  return false;
}

function samePath(source: PythonSource, a: PyNode | null, b: PyNode | null): boolean {
  if (!a || !b) return false;
  if (source.textOf(a).replace(/\s+/g, '') === source.textOf(b).replace(/\s+/g, '')) return true;
  const va = source.stringValue(a)?.value;
  return va !== undefined && va === source.stringValue(b)?.value;
}

/**
 * Whether the file loads something back: a load function or method, a resume path, or a
 * from_pretrained / pipeline / SentenceTransformer load of a path it saves to.
 */
function loadsBack(source: PythonSource, savedPaths: PyNode[]): boolean {
  if (mentionsResume(source)) return true;
  for (const call of source.nodes('call')) {
    const callee = source.calleeName(call);
    if (callee && LOAD_FUNCTIONS.has(callee)) return true;
    const method = source.methodName(call);
    if (method && LOAD_METHODS.has(method)) return true;
    // Lightning: trainer.fit(model, ckpt_path=...) resumes from a checkpoint.
    if (method === 'fit' && source.keywordArg(call, 'ckpt_path')) return true;
    if (callee === null && !method) {
      const name = field(call, 'function');
      if (name?.type === 'identifier' && /^(load_model|load_checkpoint|get_last_checkpoint)$/.test(source.textOf(name))) return true;
    }
    const loadsModel = method === 'from_pretrained' || isFrom(callee, 'transformers', 'pipeline') || isFrom(callee, 'sentence_transformers', 'SentenceTransformer');
    if (loadsModel && savedPaths.length > 0) {
      const args = field(call, 'arguments')?.children.filter((c) => c.named) ?? [];
      for (const arg of args) {
        const value = arg.type === 'keyword_argument' ? field(arg, 'value') : arg;
        if (savedPaths.some((p) => samePath(source, p, value))) return true;
      }
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Training and saving

/** The class a `trainer = SomeTrainer(...)` was built from, when it is a transformers/TRL trainer or a subclass of one. */
function trainerConstruction(source: PythonSource, receiver: PyNode | null): PyNode | null {
  const call = source.constructorCall(receiver);
  if (!call) return null;
  if (isTrainerClass(source.calleeName(call))) return call;
  // A subclass defined in this file: class MyTrainer(Trainer).
  const name = field(call, 'function');
  if (name?.type !== 'identifier') return null;
  const className = source.textOf(name);
  for (const cls of source.nodes('class_definition')) {
    const clsName = field(cls, 'name');
    if (!clsName || source.textOf(clsName) !== className) continue;
    const bases = field(cls, 'superclasses')?.children.filter((c) => c.named) ?? [];
    if (bases.some((b) => isTrainerClass(source.qualifiedName(b)))) return call;
  }
  return null;
}

/** The TrainingArguments call a Trainer gets (`args=` or its second positional argument); null when there is none. */
function trainingArgumentsOf(source: PythonSource, trainer: PyNode): PyNode | null | 'unknown' {
  const args = source.argument(trainer, 'args', 1);
  if (!args) return source.hasSplat(trainer) ? 'unknown' : null;
  let call: PyNode | null = null;
  if (args.type === 'call') call = args;
  else if (args.type === 'identifier') {
    const binding = source.names.bindingAt(source.textOf(args), args.start);
    if (binding?.kind === 'call') call = binding.call;
  }
  return call && isTrainingArgumentsClass(source.calleeName(call)) ? call : 'unknown';
}

/**
 * How the Trainer saves checkpoints, described for the message (save_strategy is not "no"; it
 * defaults to "steps"), or null when it saves none. Undefined when it cannot be known.
 */
function checkpointSaving(source: PythonSource, trainer: PyNode): string | null | undefined {
  const args = trainingArgumentsOf(source, trainer);
  if (args === 'unknown') return undefined;
  if (args === null) return 'its default TrainingArguments save a checkpoint every 500 steps';
  const strategy = source.keywordArg(args, 'save_strategy');
  if (!strategy) return source.hasSplat(args) ? undefined : 'its TrainingArguments save checkpoints to output_dir (save_strategy defaults to "steps")';
  const value = strategyValue(source, argValue(strategy));
  if (value === undefined) return undefined;
  return value === 'no' ? null : `its TrainingArguments save checkpoints to output_dir (save_strategy "${value}")`;
}

interface HfTraining {
  call: PyNode;
  trainer: PyNode;
  saves: string | null | undefined;
}

function hfTrainCalls(source: PythonSource): HfTraining[] {
  const found: HfTraining[] = [];
  for (const call of source.nodes('call')) {
    if (source.methodName(call) !== 'train') continue;
    const trainer = trainerConstruction(source, source.receiver(call));
    if (trainer) found.push({ call, trainer, saves: checkpointSaving(source, trainer) });
  }
  return found;
}

type SaveKind = 'torch' | 'hf' | 'joblib' | 'keras';

interface SaveCall {
  call: PyNode;
  kind: SaveKind;
  path: PyNode | null;
}

function rootIdentifier(node: PyNode | null): PyNode | null {
  let current = node;
  while (current && (current.type === 'attribute' || current.type === 'subscript')) current = current.children[0] ?? null;
  return current?.type === 'identifier' ? current : null;
}

function hasMethodCallOn(source: PythonSource, name: string, methods: readonly string[]): boolean {
  return methods.some((method) => methodCallsOn(source, name, method).length > 0);
}

/** A torch.save argument that is a model: contains `.state_dict()`, or names a module (`model.parameters()`, `model.train()`...). */
function isModelObject(source: PythonSource, node: PyNode | null): boolean {
  if (!node) return false;
  let hasStateDict = false;
  walk(node, (n) => {
    if (n.type === 'call' && source.methodName(n) === 'state_dict') hasStateDict = true;
    return !hasStateDict;
  });
  if (hasStateDict) return true;
  if (node.type !== 'identifier') return false;
  const type = source.instanceType(node);
  if (type && (isFrom(type, 'torch.nn') || isFrom(type, 'torchvision.models') || isFrom(type, 'timm') || isFrom(type, 'transformers'))) return true;
  return hasMethodCallOn(source, source.textOf(node), ['parameters', 'named_parameters', 'state_dict', 'train', 'eval']);
}

function isKerasModel(source: PythonSource, receiver: PyNode | null): boolean {
  if (!receiver) return false;
  const type = source.instanceType(receiver);
  if (type) return type.startsWith('keras.');
  if (receiver.type !== 'identifier') return false;
  const name = source.textOf(receiver);
  const importsKeras = source.nodes('identifier').some((n) => /^(keras|tensorflow)(\.|$)/.test(source.qualifiedName(n) ?? ''));
  return importsKeras && hasMethodCallOn(source, name, ['compile']) && hasMethodCallOn(source, name, ['fit']);
}

const NOT_A_MODEL = /tokeni[sz]er|processor|config|extractor/i;

/** Calls that save a trained model, with the path they save to. */
function modelSaves(source: PythonSource, trainsTorch: boolean): SaveCall[] {
  const saves: SaveCall[] = [];
  for (const call of source.nodes('call')) {
    const callee = source.calleeName(call);
    const method = source.methodName(call);
    if (callee === 'torch.save') {
      if (trainsTorch && isModelObject(source, source.argument(call, 'obj', 0))) saves.push({ call, kind: 'torch', path: source.argument(call, 'f', 1) });
    } else if (callee === 'joblib.dump' || callee === 'sklearn.externals.joblib.dump') {
      const root = rootIdentifier(source.argument(call, 'value', 0));
      if (root && hasMethodCallOn(source, source.textOf(root), ['fit', 'partial_fit', 'fit_transform', 'fit_predict'])) {
        saves.push({ call, kind: 'joblib', path: source.argument(call, 'filename', 1) });
      }
    } else if (method === 'save_pretrained' || method === 'save_model') {
      if (!trainsTorch) continue;
      const receiver = source.receiver(call);
      const type = source.instanceType(receiver);
      if (method === 'save_model' && !trainerConstruction(source, receiver)) continue;
      if (method === 'save_pretrained' && ((type && NOT_A_MODEL.test(type.replace(/\.from_pretrained$/, ''))) || (!type && receiver && NOT_A_MODEL.test(source.textOf(receiver))))) continue;
      saves.push({ call, kind: 'hf', path: source.argument(call, method === 'save_model' ? 'output_dir' : 'save_directory', 0) });
    } else if ((method === 'save' || method === 'save_weights') && isKerasModel(source, source.receiver(call))) {
      const receiver = source.receiver(call)!;
      if (hasMethodCallOn(source, source.textOf(receiver), ['fit'])) saves.push({ call, kind: 'keras', path: source.argument(call, 'filepath', 0) });
    }
  }
  return saves;
}

/** Whether the file trains a PyTorch / transformers model: a hand-written loop, a Trainer, or Lightning fit(). */
function trainsTorchModel(source: PythonSource, hf: HfTraining[]): boolean {
  if (hf.length > 0 || trainingLoops(source).length > 0) return true;
  return source.methodCalls('fit').some((c) => isFrom(source.receiverType(c), 'lightning.pytorch', 'Trainer'));
}

// ---------------------------------------------------------------------------------------------
// Fix for the Trainer: resume from the last checkpoint when there is one

/** The local name bound to a module by a plain `import x`, if any; null when the name is taken by something else. */
function moduleName(source: PythonSource, module: string): { name: string; needsImport: boolean } | null {
  const bindings = source.names.all(module);
  if (bindings.length === 0) return { name: module, needsImport: true };
  return bindings.every((b) => b.kind === 'import' && b.qualified === module) ? { name: module, needsImport: false } : null;
}

function resumeFix(source: PythonSource, train: PyNode): OffsetFix | undefined {
  const receiver = source.receiver(train);
  if (receiver?.type !== 'identifier') return undefined;
  const os = moduleName(source, 'os');
  const helper = source.names.all('get_last_checkpoint');
  if (!os || helper.length > 0) return undefined;
  const dir = `${source.textOf(receiver)}.args.output_dir`;
  const argument = `resume_from_checkpoint=get_last_checkpoint(${dir}) if ${os.name}.path.isdir(${dir}) else None`;
  const add = addKeywordArgument(source, train, argument);
  if (!add) return undefined;
  const lines = ['from transformers.trainer_utils import get_last_checkpoint'];
  if (os.needsImport && !hasImportLine(source, 'import os')) lines.unshift('import os');
  const imports = ensureImport(source, lines.join(source.lines.eol), train);
  const edits: OffsetEdit[] = imports ? [imports, add] : [add];
  return { title: 'Resume from the last checkpoint in output_dir when there is one', safety: 'unsafe', edits };
}

/**
 * Where a finding about a call points. For a method called on a receiver that spans lines
 * (`Trainer(\n...\n).train()`), the line with the method's name and its parenthesis.
 */
function reportRange(source: PythonSource, call: PyNode): { start: number; end: number } {
  const callee = field(call, 'function');
  const method = callee?.type === 'attribute' ? field(callee, 'attribute') : null;
  if (method && source.lines.positionAt(call.start).line !== source.lines.positionAt(method.start).line) {
    const args = field(call, 'arguments');
    const sameLine = source.lines.positionAt(method.start).line === source.lines.positionAt(call.end).line;
    return { start: method.start, end: sameLine || !args ? call.end : args.start + 1 };
  }
  return callRange(source, call);
}

// ---------------------------------------------------------------------------------------------

const LOAD_ADVICE: Record<SaveKind, (path: string) => string> = {
  torch: (p) => `if os.path.exists(${p}): model.load_state_dict(torch.load(${p})) and skip training, else train and torch.save`,
  hf: (p) => `if os.path.isdir(${p}): load it with from_pretrained(${p}) and skip training, else train and save`,
  joblib: (p) => `if os.path.exists(${p}): model = joblib.load(${p}) and skip fit(), else fit and joblib.dump`,
  keras: (p) => `if os.path.exists(${p}): model = keras.models.load_model(${p}) and skip fit(), else fit and save`,
};

/** `torch.save`, `model.save_pretrained`, `joblib.dump`, `model.save`: how the message names the save call. */
function saveName(source: PythonSource, save: SaveCall): string {
  if (save.kind === 'torch') return 'torch.save';
  if (save.kind === 'joblib') return 'joblib.dump';
  const receiver = source.receiver(save.call);
  const method = source.methodName(save.call) ?? 'save';
  return receiver && receiver.type !== 'call' && source.textOf(receiver).length <= 30 ? `${source.textOf(receiver)}.${method}` : method;
}

function checkPython(context: PythonContext): void {
  const { source } = context;
  const hf = hfTrainCalls(source);
  const trainsTorch = trainsTorchModel(source, hf);
  const saves = modelSaves(source, trainsTorch);
  const checkpointing = hf.filter((t) => typeof t.saves === 'string' && !source.keywordArg(t.call, 'resume_from_checkpoint') && source.positionalArgs(t.call).length === 0);
  if (checkpointing.length === 0 && saves.length === 0) return;
  if (loadsBack(source, saves.map((s) => s.path).filter((p): p is PyNode => p !== null))) return;
  const cache = {};

  // Hugging Face Trainer: report the train() call.
  let reported = false;
  for (const { call, saves } of checkpointing) {
    if (!runsAsScript(source, call, cache)) continue;
    reported = true;
    const receiver = source.receiver(call);
    const name = receiver?.type === 'identifier' ? `${source.textOf(receiver)}.train()` : 'train()';
    context.report({
      ...reportRange(source, call),
      message:
        `${name} starts from step 0 on every run although ${saves}: ` +
        `a crashed, pre-empted or repeated run redoes every finished step. Resume when a checkpoint exists: ` +
        `train(resume_from_checkpoint=get_last_checkpoint(output_dir) if os.path.isdir(output_dir) else None), with get_last_checkpoint from transformers.trainer_utils ` +
        `(it returns None when the folder holds no checkpoint, and raises when the folder does not exist).`,
      fix: resumeFix(source, call),
    });
  }
  if (reported) return;

  // Anything else: report the last save of a trained model.
  const last = saves.filter((s) => runsAsScript(source, s.call, cache)).pop();
  if (!last) return;
  const pathText = last.path ? source.textOf(last.path).replace(/\s+/g, ' ') : 'path';
  const shortPath = pathText.length > 40 ? 'path' : pathText;
  context.report({
    ...reportRange(source, last.call),
    message:
      `This script trains a model and saves it with ${saveName(source, last)}(...) but never loads it back or resumes, so every run repeats the whole training. ` +
      `Guard the training with a load-if-exists check: ${LOAD_ADVICE[last.kind](shortPath)}.`,
  });
}

export const retrainEveryRun: Rule = {
  id: 'retrain-every-run',
  title: 'Script retrains from scratch on every run',
  defaultSeverity: 'info',
  sources: ['python'],
  fixAvailability: 'sometimes',
  fixSafety: 'unsafe',
  // A transformers/TRL Trainer; or a save after a training loop, Lightning fit, scikit-learn fit or Keras fit.
  triggers: ['Trainer', [...TRAINING_LOOP, 'save'], ['save', 'lightning', 'fit'], ['joblib', 'dump', 'fit'], ['save', 'fit', /keras|tensorflow/]],
  docs: {
    whatItDoes:
      'Flags scripts and notebooks that train a model and save it (torch.save of a model or state_dict, save_pretrained / Trainer.save_model, joblib.dump of a fitted estimator, Keras model.save) but never load anything back: no torch.load, load_state_dict, joblib.load, keras.models.load_model, from_pretrained of the saved path, no resume option or resume_from_checkpoint. For the Hugging Face Trainer it flags trainer.train() without resume_from_checkpoint while the TrainingArguments save checkpoints (save_strategy is not "no"; "steps" is the default). Library modules that only define functions (no `if __name__ == "__main__":` and no module-level code calling them) and Lightning\'s implicit checkpointing are not flagged; configs are not checked.',
    whyItWastesEnergy:
      'A run that crashes, is pre-empted or is simply started again repeats every training step already paid for, although the trained weights or checkpoints are on disk. Resuming from the last checkpoint, or loading the saved model when it exists, turns a full retraining into a few seconds of loading.',
    example: {
      language: 'python',
      code: [
        'from transformers import Trainer, TrainingArguments',
        '',
        'args = TrainingArguments(output_dir="out", save_steps=500)',
        'trainer = Trainer(model=model, args=args, train_dataset=train_ds)',
        'trainer.train()',
      ].join('\n'),
    },
    useInstead: {
      language: 'python',
      code: [
        'import os',
        'from transformers import Trainer, TrainingArguments',
        'from transformers.trainer_utils import get_last_checkpoint',
        '',
        'args = TrainingArguments(output_dir="out", save_steps=500)',
        'trainer = Trainer(model=model, args=args, train_dataset=train_ds)',
        'last = get_last_checkpoint(args.output_dir) if os.path.isdir(args.output_dir) else None',
        'trainer.train(resume_from_checkpoint=last)',
      ].join('\n'),
    },
    fixSafety:
      'Unsafe: resuming changes what a run does. A checkpoint left in output_dir by an earlier run with other settings or data is picked up and continued, and a finished run resumed from its final checkpoint trains no further. The Trainer fix passes resume_from_checkpoint=get_last_checkpoint(trainer.args.output_dir) only when that folder exists (get_last_checkpoint in transformers.trainer_utils returns None when it holds no checkpoint but raises when it is missing; resume_from_checkpoint=True raises when there is no checkpoint). Other saves get no fix: the load-if-exists guard needs to know which code is the training.',
    sources: [
      'transformers Trainer.train(resume_from_checkpoint) and trainer_utils.get_last_checkpoint — huggingface/transformers src/transformers/trainer.py, src/transformers/trainer_utils.py (5.18.0)',
      'transformers TrainingArguments (save_strategy default "steps", save_steps default 500) — huggingface/transformers src/transformers/training_args.py',
      'PyTorch: saving and loading models (load_state_dict(torch.load(...))) — https://pytorch.org/tutorials/beginner/saving_loading_models.html',
    ],
  },
  checkPython,
};
