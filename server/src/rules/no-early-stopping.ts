import { lightningTrainerMaps } from '../engine/config/flavor';
import { scalarValue, type ConfigEntry, type ConfigMap, type ConfigNode } from '../engine/config/source';
import { addKeywordArgument, addKeywordArguments, appendListItem, ensureImport, replaceNode } from '../engine/python/edits';
import type { PythonSource } from '../engine/python/source';
import { field, walk, type PyNode } from '../engine/python/tree';
import type { ConfigContext, PythonContext, Report, Rule } from '../engine/rule';
import type { OffsetEdit, OffsetFix } from '../engine/types';
import { assignedName, isFrom, lastSegment, methodCallsOn } from './shared/python-patterns';
import { callRange } from './shared/ranges';
import { callsWithin } from './shared/training-loops';
import { importedSpelling, insideImport, moduleAlias, numberValue, resolveExpression } from './shared/values';

const PATIENCE = 3;

/** transformers.TrainingArguments and the TRL configs that subclass it (all have num_train_epochs). */
const HF_ARGUMENTS = /^(transformers\.(\w+\.)*(TrainingArguments|Seq2SeqTrainingArguments)|trl\.(\w+\.)*(SFTConfig|DPOConfig|ORPOConfig|KTOConfig|CPOConfig|RewardConfig|GRPOConfig))$/;
const LIGHTNING_TRAINER = /^lightning\.pytorch\.(trainer\.(trainer\.)?)?Trainer$/;

type Framework = 'hf' | 'keras' | 'lightning';

// ---------------------------------------------------------------------------------------------
// Is early stopping already there?

const STOPPER: Record<Framework, (qualified: string) => boolean> = {
  hf: (q) => isFrom(q, 'transformers', 'EarlyStoppingCallback'),
  keras: (q) => (isFrom(q, 'keras') || isFrom(q, 'keras_tuner')) && lastSegment(q) === 'EarlyStopping',
  lightning: (q) => isFrom(q, 'lightning.pytorch') && lastSegment(q) === 'EarlyStopping',
};

/** Attributes a hand-written callback sets to stop training. */
const STOP_ATTRIBUTE: Record<Framework, string> = { hf: 'should_training_stop', keras: 'stop_training', lightning: 'should_stop' };

/** Methods that add a callback to a trainer after it is built. */
const ADDS_CALLBACK = new Set(['add_callback', 'append', 'extend', 'insert']);

/** Uses of the framework's early-stopping class (outside imports), outermost node of each. */
function stopperReferences(source: PythonSource, framework: Framework): PyNode[] {
  const found: PyNode[] = [];
  // Every STOPPER class name contains this; without it in the text no name can resolve to one.
  if (!source.text.includes('EarlyStopping')) return found;
  for (const type of ['attribute', 'identifier']) {
    for (const node of source.nodes(type)) {
      if (insideImport(node) || (node.type === 'identifier' && node.field === 'attribute')) continue;
      if (node.parent?.type === 'attribute' && field(node.parent, 'object') === node) continue; // part of a longer name
      const qualified = source.qualifiedName(node);
      if (qualified && STOPPER[framework](qualified)) found.push(node);
    }
  }
  return found;
}

/** Whether an expression is the early-stopping callback (an instance or the class). */
function isStopper(source: PythonSource, framework: Framework, item: PyNode): boolean {
  const value = resolveExpression(source, item) ?? item;
  const qualified = value.type === 'call' ? source.calleeName(value) : source.qualifiedName(value);
  return qualified !== null && STOPPER[framework](qualified);
}

/** The arguments that can carry callbacks into a call: its callbacks= list, or add_callback(...) / .callbacks.append(...) afterwards. */
function callbackItems(source: PythonSource, call: PyNode): PyNode[] {
  const items: PyNode[] = [];
  const value = source.keywordValue(call, 'callbacks');
  const list = resolveExpression(source, value);
  if (list?.type === 'list') items.push(...list.children.filter((c) => c.named && c.type !== 'comment'));
  else if (value) items.push(value);
  const name = assignedName(source, call);
  if (name) {
    for (const later of source.nodes('call')) {
      if (later.start < call.end || !ADDS_CALLBACK.has(source.methodName(later) ?? '')) continue;
      const receiver = source.textOf(source.receiver(later)!);
      if (receiver === name || receiver === `${name}.callbacks`) items.push(...source.positionalArgs(later));
    }
  }
  return items;
}

/**
 * How early stopping shows in the file. `anywhere`: a hand-written stopper, a Lightning
 * configure_callbacks(), or the library callback used where this rule cannot tell which training
 * it belongs to (a subclass, a helper...): then every training in the file is left alone.
 * Otherwise `inCall` tells whether one training call gets the callback.
 */
function earlyStopping(source: PythonSource, framework: Framework): { anywhere: boolean; inCall(call: PyNode): boolean } {
  const inCall = (call: PyNode) => callbackItems(source, call).some((item) => isStopper(source, framework, item));
  const attributes = source.nodes('attribute').some((a) => source.textOf(field(a, 'attribute') ?? a) === STOP_ATTRIBUTE[framework]);
  if (attributes) return { anywhere: true, inCall };
  if (framework === 'lightning' && source.nodes('function_definition').some((f) => source.textOf(field(f, 'name')!) === 'configure_callbacks')) {
    return { anywhere: true, inCall };
  }
  const attributed = (node: PyNode): boolean => {
    for (let p: PyNode | null = node.parent; p; p = p.parent) {
      if (p.type === 'keyword_argument' && source.textOf(field(p, 'name')!) === 'callbacks') return true;
      if (p.type === 'call' && ADDS_CALLBACK.has(source.methodName(p) ?? '') && /callback/i.test(source.textOf(field(p, 'function')!) + (source.methodName(p) ?? ''))) return true;
      if (p.type === 'assignment') {
        // `stop = EarlyStopping(...)` / `cbs = [EarlyStopping(...)]` used as a callback somewhere.
        const left = field(p, 'left');
        if (left?.type !== 'identifier') return false;
        const name = source.textOf(left);
        return source.nodes('identifier').some((id) => id.start > p!.end && source.textOf(id) === name && id.field !== 'name' && attributed(id));
      }
      if (p.type === 'function_definition' || p.type === 'class_definition') return false;
    }
    return false;
  };
  return { anywhere: stopperReferences(source, framework).some((ref) => !attributed(ref)), inCall };
}

/** The class definition of a name defined in this file, if exactly one. */
function localClass(source: PythonSource, name: string): PyNode | null {
  const classes = source.nodes('class_definition').filter((c) => source.textOf(field(c, 'name')!) === name);
  return classes.length === 1 ? classes[0] : null;
}

function superclassNames(source: PythonSource, cls: PyNode): string[] {
  const bases = field(cls, 'superclasses');
  if (!bases) return [];
  return bases.children.filter((c) => c.named && c.type !== 'keyword_argument').map((c) => source.qualifiedName(c) ?? '');
}

/**
 * Whether a callback expression is visible enough to judge: a library callback whose name does
 * not suggest stopping (a third-party stopper is not recognised, so it silences the finding), or
 * a class defined in this file (whose stopping logic the stop-attribute check sees).
 */
function knownCallback(source: PythonSource, item: PyNode): boolean {
  const value = resolveExpression(source, item);
  if (value?.type !== 'call') return false;
  const qualified = source.calleeName(value);
  if (qualified) return !/stop/i.test(lastSegment(qualified));
  const callee = field(value, 'function');
  return callee?.type === 'identifier' && localClass(source, source.textOf(callee)) !== null;
}

/** A call's callbacks: the list literal, the `None` passed, neither (no callbacks=), or null when they cannot be read. */
function callbacksOf(source: PythonSource, call: PyNode): { list: PyNode | null; none: PyNode | null } | null {
  const value = source.keywordValue(call, 'callbacks');
  if (!value) return { list: null, none: null };
  if (value.type === 'none') return { list: null, none: value };
  const list = resolveExpression(source, value);
  if (list?.type !== 'list') return null;
  const items = list.children.filter((c) => c.named && c.type !== 'comment');
  if (!items.every((item) => knownCallback(source, item))) return null;
  return { list, none: null };
}

/** The edit that passes one more callback to a call. */
function addCallback(source: PythonSource, call: PyNode, callbacks: { list: PyNode | null; none: PyNode | null }, callbackText: string): OffsetEdit | null {
  if (callbacks.list) return appendListItem(source, callbacks.list, callbackText);
  if (callbacks.none) return replaceNode(callbacks.none, `[${callbackText}]`);
  return addKeywordArgument(source, call, `callbacks=[${callbackText}]`);
}

/**
 * How a fix names a library class: the bare name with an import (null when the name is taken by
 * something else in the file).
 */
function importedName(source: PythonSource, name: string, module: string, near: PyNode): { text: string; edit: OffsetEdit | null } | null {
  const bindings = source.names.all(name);
  if (bindings.length === 0) return { text: name, edit: ensureImport(source, `from ${module} import ${name}`, near) };
  if (bindings.every((b) => b.kind === 'import' && b.qualified === `${module}.${name}`)) return { text: name, edit: null };
  return null;
}

function epochsText(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

// ---------------------------------------------------------------------------------------------
// Hugging Face Trainer

function isHfTrainerClass(source: PythonSource, call: PyNode): boolean {
  const qualified = source.calleeName(call);
  if (qualified) return (isFrom(qualified, 'transformers') || isFrom(qualified, 'trl')) && /Trainer$/.test(lastSegment(qualified));
  const callee = field(call, 'function');
  if (callee?.type !== 'identifier') return false;
  const cls = localClass(source, source.textOf(callee));
  return cls !== null && superclassNames(source, cls).some((q) => (isFrom(q, 'transformers') || isFrom(q, 'trl')) && /Trainer$/.test(lastSegment(q)));
}

/** Builtins that only print or inspect their argument. */
const INSPECTORS = new Set(['print', 'repr', 'str', 'len', 'vars', 'type', 'isinstance']);
const LOGGING = new Set(['debug', 'info', 'warning', 'warn', 'error', 'log']);

/**
 * The Trainer calls that receive these TrainingArguments, or null when they also go somewhere this
 * file does not show (a helper that may add callbacks itself).
 */
function trainersOf(source: PythonSource, argsCall: PyNode): PyNode[] | null {
  const parent = argsCall.parent;
  if (parent?.type === 'keyword_argument' || parent?.type === 'argument_list') {
    const outer = parent.type === 'keyword_argument' ? parent.parent?.parent : parent.parent;
    if (outer?.type === 'call' && isHfTrainerClass(source, outer)) return [outer];
    return null;
  }
  const name = assignedName(source, argsCall);
  if (!name) return null;
  const trainers: PyNode[] = [];
  for (const id of source.nodes('identifier')) {
    if (id.start < argsCall.end || source.textOf(id) !== name) continue;
    if (id.field === 'attribute' || (id.field === 'name' && id.parent?.type === 'keyword_argument')) continue;
    const binding = source.names.bindingAt(name, id.start);
    if (binding?.kind !== 'call' || binding.call !== argsCall) continue;
    const use = id.parent;
    if (!use) continue;
    if (use.type === 'attribute' && field(use, 'object') === id) continue; // args.output_dir
    if (use.type === 'assignment' && field(use, 'left') === id) continue;
    let call: PyNode | null = null;
    if (use.type === 'keyword_argument' && field(use, 'value') === id) call = use.parent?.parent ?? null;
    else if (use.type === 'argument_list') call = use.parent;
    if (call?.type !== 'call') return null;
    if (isHfTrainerClass(source, call)) trainers.push(call);
    else if (!INSPECTORS.has(source.textOf(field(call, 'function')!)) && !LOGGING.has(source.methodName(call) ?? '')) return null;
  }
  return trainers;
}

function strategyOf(source: PythonSource, node: PyNode | null): string | undefined {
  if (!node) return undefined;
  const literal = source.literal(node);
  if (typeof literal === 'string') return literal.toLowerCase();
  const qualified = node.type === 'attribute' ? source.qualifiedName(node) : null;
  const match = qualified && isFrom(qualified, 'transformers') ? /(IntervalStrategy|SaveStrategy)\.(NO|STEPS|EPOCH|BEST)$/.exec(qualified) : null;
  return match ? match[2].toLowerCase() : undefined;
}

/**
 * Edits to TrainingArguments so EarlyStoppingCallback can run: an eval strategy other than "no",
 * a matching save strategy, load_best_model_at_end=True and metric_for_best_model. Null when a
 * setting cannot be read or the step intervals would not line up.
 */
function argumentEdits(source: PythonSource, args: PyNode): OffsetEdit[] | null {
  const edits: OffsetEdit[] = [];
  const additions: string[] = [];
  const evalArg = source.keywordArg(args, 'eval_strategy') ?? source.keywordArg(args, 'evaluation_strategy');
  const evalValueNode = evalArg ? field(evalArg, 'value') : null;
  const evalStrategy = evalArg ? strategyOf(source, evalValueNode) : 'no';
  const saveArg = source.keywordArg(args, 'save_strategy');
  const saveValueNode = saveArg ? field(saveArg, 'value') : null;
  const saveStrategy = saveArg ? strategyOf(source, saveValueNode) : 'steps';
  if (evalStrategy === 'no') {
    if (evalValueNode) edits.push(replaceNode(evalValueNode, '"epoch"'));
    else additions.push('eval_strategy="epoch"');
  } else if (evalStrategy !== 'epoch' && evalStrategy !== 'steps') return null;
  const strategy = evalStrategy === 'steps' ? 'steps' : 'epoch';
  if (strategy === 'epoch') {
    if (saveStrategy === 'steps' || saveStrategy === 'no') {
      if (saveValueNode) edits.push(replaceNode(saveValueNode, '"epoch"'));
      else additions.push('save_strategy="epoch"');
    } else if (saveStrategy !== 'epoch' && saveStrategy !== 'best') return null;
  } else if (saveStrategy !== 'best') {
    // Steps: load_best_model_at_end needs save_steps to be a multiple of eval_steps (save_steps defaults to 500).
    if (saveStrategy !== 'steps') return null;
    const evalSteps = numberValue(source, source.keywordValue(args, 'eval_steps') ?? source.keywordValue(args, 'logging_steps'));
    const saveSteps = source.keywordArg(args, 'save_steps') ? numberValue(source, source.keywordValue(args, 'save_steps')) : 500;
    if (evalSteps === undefined || saveSteps === undefined || evalSteps < 1 || saveSteps < 1 || saveSteps % evalSteps !== 0) return null;
  }
  const loadBest = source.keywordArg(args, 'load_best_model_at_end');
  if (!loadBest) additions.push('load_best_model_at_end=True');
  else {
    const value = source.literal(field(loadBest, 'value'));
    if (value === false) edits.push(replaceNode(field(loadBest, 'value')!, 'True'));
    else if (value !== true) return null;
  }
  const metric = source.keywordArg(args, 'metric_for_best_model');
  if (!metric) additions.push('metric_for_best_model="eval_loss"');
  else if (field(metric, 'value')?.type === 'none') edits.push(replaceNode(field(metric, 'value')!, '"eval_loss"'));
  if (additions.length > 0) {
    const edit = addKeywordArguments(source, args, additions);
    if (!edit) return null;
    edits.push(edit);
  }
  return edits;
}

function hasEvalDataset(source: PythonSource, trainer: PyNode): boolean {
  const value = source.keywordValue(trainer, 'eval_dataset') ?? (/^transformers\.(\w+\.)*(Trainer|Seq2SeqTrainer)$/.test(source.calleeName(trainer) ?? '') ? source.positionalArgs(trainer)[4] ?? null : null);
  return value !== null && value.type !== 'none';
}

function hfFix(source: PythonSource, args: PyNode, trainer: PyNode, callbacks: { list: PyNode | null; none: PyNode | null }): OffsetFix | undefined {
  const argEdits = argumentEdits(source, args);
  if (!argEdits) return undefined;
  const callee = field(trainer, 'function');
  let name: { text: string; edit: OffsetEdit | null } | null;
  const moduleObject = callee?.type === 'attribute' ? field(callee, 'object') : null;
  if (moduleObject && source.qualifiedName(moduleObject) === 'transformers') name = { text: `${source.textOf(moduleObject)}.EarlyStoppingCallback`, edit: null };
  else name = importedName(source, 'EarlyStoppingCallback', 'transformers', trainer);
  if (!name) return undefined;
  const callbackEdit = addCallback(source, trainer, callbacks, `${name.text}(early_stopping_patience=${PATIENCE})`);
  if (!callbackEdit) return undefined;
  const edits = [...argEdits, callbackEdit, ...(name.edit ? [name.edit] : [])];
  return { title: `Stop training after ${PATIENCE} evaluations without improvement (EarlyStoppingCallback)`, safety: 'unsafe', edits };
}

function checkHf(context: PythonContext, args: PyNode): void {
  const { source, settings } = context;
  if (source.hasSplat(args)) return;
  const epochsArg = source.keywordArg(args, 'num_train_epochs');
  const epochs = epochsArg ? numberValue(source, field(epochsArg, 'value')) : undefined;
  if (!epochsArg || epochs === undefined || epochs < settings.thresholds.earlyStoppingEpochs) return;
  // max_steps > 0 overrides num_train_epochs.
  const maxSteps = source.keywordValue(args, 'max_steps');
  if (maxSteps) {
    const steps = numberValue(source, maxSteps);
    if (steps === undefined || steps > 0) return;
  }
  const stopping = earlyStopping(source, 'hf');
  if (stopping.anywhere) return;
  const trainers = trainersOf(source, args);
  if (!trainers || trainers.length === 0 || trainers.some((t) => stopping.inCall(t))) return;
  const callbackLists = trainers.map((t) => (source.hasSplat(t) ? null : callbacksOf(source, t)));
  if (callbackLists.some((c) => c === null)) return;
  const evalData = trainers.every((t) => hasEvalDataset(source, t));
  const n = epochsText(epochs);
  const message =
    `num_train_epochs=${n} trains all ${n} epochs with no early stopping: the Trainer keeps going after the evaluation loss stops improving. ` +
    `Pass callbacks=[EarlyStoppingCallback(early_stopping_patience=${PATIENCE})] to the Trainer; the callback requires metric_for_best_model and an eval_strategy other than "no", ` +
    `and load_best_model_at_end=True (with the save strategy matching the eval strategy) restores the best checkpoint (transformers trainer_callback.py).` +
    (evalData ? '' : ' The Trainer gets no eval_dataset: hold out a validation split and pass it as eval_dataset first.');
  const report: Report = { start: epochsArg.start, end: epochsArg.end, message };
  if (trainers.length === 1 && evalData) report.fix = hfFix(source, args, trainers[0], callbackLists[0]!);
  context.report(report);
}

// ---------------------------------------------------------------------------------------------
// Keras fit() and Keras Tuner search()

function isKerasName(qualified: string | null): boolean {
  return qualified !== null && isFrom(qualified, 'keras');
}

/** Whether an expression builds a Keras model: a keras constructor, a local keras.Model subclass, or a local function returning one. */
function buildsKerasModel(source: PythonSource, expr: PyNode | null, depth = 0): boolean {
  if (!expr || depth > 3) return false;
  const value = expr.type === 'call' ? expr : resolveExpression(source, expr);
  if (value?.type !== 'call') return false;
  const qualified = source.calleeName(value);
  if (qualified) {
    // transformers' TF models are Keras models.
    if (/^transformers\.TF\w+\.from_pretrained$/.test(qualified)) return true;
    return isKerasName(qualified) && /(Model|Sequential|\.models\.\w+|\.applications\.\w+)$/.test(qualified);
  }
  const callee = field(value, 'function');
  if (callee?.type !== 'identifier') return false;
  const name = source.textOf(callee);
  const cls = localClass(source, name);
  if (cls) return superclassNames(source, cls).some((q) => isKerasName(q) && /(Model|Sequential)$/.test(q));
  const functions = source.nodes('function_definition').filter((f) => source.textOf(field(f, 'name')!) === name);
  if (functions.length !== 1) return false;
  const returns: PyNode[] = [];
  walk(field(functions[0], 'body')!, (n) => {
    if (n.type === 'function_definition' || n.type === 'class_definition' || n.type === 'lambda') return false;
    if (n.type === 'return_statement') returns.push(n);
  });
  return returns.length > 0 && returns.every((r) => buildsKerasModel(source, r.children.find((c) => c.named) ?? null, depth + 1));
}

function kerasReceiverKind(source: PythonSource, call: PyNode): 'model' | 'tuner' | null {
  const method = source.methodName(call);
  const receiver = source.receiver(call);
  if (!receiver) return null;
  if (method === 'fit') {
    if (receiver.type === 'identifier') {
      const binding = source.names.bindingAt(source.textOf(receiver), receiver.start);
      if (binding?.kind === 'call' && buildsKerasModel(source, binding.call)) return 'model';
    }
    return null;
  }
  if (method === 'search') {
    const type = source.receiverType(call);
    if (type && (isFrom(type, 'keras_tuner') || isFrom(type, 'kerastuner')) && !/Hyperband$/.test(type)) return 'tuner';
  }
  return null;
}

function hasValidation(source: PythonSource, call: PyNode): boolean {
  const data = source.keywordValue(call, 'validation_data');
  if (data && data.type !== 'none') return true;
  const split = numberValue(source, source.keywordValue(call, 'validation_split'));
  return split !== undefined && split > 0;
}

/** `keras.callbacks.EarlyStopping` spelled the way this file can use it. */
function kerasEarlyStoppingName(source: PythonSource, call: PyNode): { text: string; edit: OffsetEdit | null } | null {
  const receiver = source.receiver(call);
  const binding = receiver?.type === 'identifier' ? source.names.bindingAt(source.textOf(receiver), receiver.start) : null;
  const spelling = binding?.kind === 'call' ? importedSpelling(source, field(binding.call, 'function')) : null;
  // transformers' TF models may run on tf_keras rather than the Keras this file imports: no fix.
  if (spelling?.startsWith('transformers')) return null;
  const keras = moduleAlias(source, ['keras']);
  if (keras) return { text: `${keras}.callbacks.EarlyStopping`, edit: null };
  const tf = moduleAlias(source, ['tensorflow']);
  if (tf) return { text: `${tf}.keras.callbacks.EarlyStopping`, edit: null };
  return importedName(source, 'EarlyStopping', spelling?.startsWith('tensorflow') ? 'tensorflow.keras.callbacks' : 'keras.callbacks', call);
}

function checkKeras(context: PythonContext, call: PyNode): void {
  const { source, settings } = context;
  const kind = kerasReceiverKind(source, call);
  if (!kind || source.hasSplat(call)) return;
  const epochsArg = source.keywordArg(call, 'epochs');
  const total = epochsArg ? numberValue(source, field(epochsArg, 'value')) : undefined;
  if (!epochsArg || total === undefined) return;
  let epochs = total;
  const initial = source.keywordValue(call, 'initial_epoch');
  if (initial) {
    const start = numberValue(source, initial);
    if (start === undefined) return;
    epochs = total - start;
  }
  if (epochs < settings.thresholds.earlyStoppingEpochs) return;
  const stopping = earlyStopping(source, 'keras');
  if (stopping.anywhere || stopping.inCall(call)) return;
  const callbacks = callbacksOf(source, call);
  if (!callbacks) return;
  const validation = hasValidation(source, call);
  const what = kind === 'tuner' ? 'search()' : 'fit()';
  const n = epochsText(epochs);
  const callbackText = `EarlyStopping(monitor="val_loss", patience=${PATIENCE}, restore_best_weights=True)`;
  const message =
    `${what} with epochs=${epochsText(total)} trains all ${n} epochs${kind === 'tuner' ? ' for every trial' : ''} with no EarlyStopping callback, even after the validation loss stops improving. ` +
    `Add callbacks=[keras.callbacks.${callbackText}]: Keras' default patience is 0 (stop at the first epoch without improvement), and restore_best_weights=True keeps the best epoch's weights (keras EarlyStopping).` +
    (validation ? '' : ' val_loss needs validation data: pass validation_data or validation_split as well.');
  const report: Report = { start: epochsArg.start, end: epochsArg.end, message };
  if (validation) {
    const name = kerasEarlyStoppingName(source, call);
    const edit = name ? addCallback(source, call, callbacks, `${name.text}(monitor="val_loss", patience=${PATIENCE}, restore_best_weights=True)`) : null;
    if (name && edit) {
      report.fix = {
        title: `Stop training after ${PATIENCE} epochs without val_loss improvement (EarlyStopping)`,
        safety: 'unsafe',
        edits: name.edit ? [edit, name.edit] : [edit],
      };
    }
  }
  context.report(report);
}

// ---------------------------------------------------------------------------------------------
// Lightning Trainer

/** The loss metric a LightningModule in this file logs during validation (`self.log("val_loss", ...)`). */
function loggedValidationLoss(source: PythonSource): string | null {
  for (const fn of source.nodes('function_definition')) {
    const name = source.textOf(field(fn, 'name')!);
    if (!['validation_step', 'on_validation_epoch_end', 'validation_epoch_end'].includes(name)) continue;
    for (const call of callsWithin(field(fn, 'body')!)) {
      const receiver = source.receiver(call);
      if (!receiver || source.textOf(receiver) !== 'self') continue;
      const method = source.methodName(call);
      if (method === 'log') {
        const metric = source.literal(source.argument(call, 'name', 0));
        if (typeof metric === 'string' && /loss/i.test(metric)) return metric;
      } else if (method === 'log_dict') {
        const dict = source.literal(resolveExpression(source, source.argument(call, 'dictionary', 0)));
        const keys = dict && typeof dict === 'object' && !Array.isArray(dict) ? Object.keys(dict) : [];
        const key = keys.find((k) => /loss/i.test(k));
        if (key) return key;
      }
    }
  }
  return null;
}

/** Whether the Trainer is used to train: `trainer.fit(...)` or `Trainer(...).fit(...)`. */
function trainerFits(source: PythonSource, call: PyNode): boolean {
  const parent = call.parent;
  if (parent?.type === 'attribute' && field(parent, 'object') === call && source.textOf(field(parent, 'attribute')!) === 'fit') return true;
  const name = assignedName(source, call);
  return name !== null && methodCallsOn(source, name, 'fit', call.end).length > 0;
}

function checkLightning(context: PythonContext, call: PyNode): void {
  const { source, settings } = context;
  if (source.hasSplat(call)) return;
  const maxEpochsArg = source.keywordArg(call, 'max_epochs');
  const maxSteps = source.keywordValue(call, 'max_steps');
  if (maxSteps && numberValue(source, maxSteps) !== -1) return; // a step budget ends the run first, or cannot be read
  if (source.keywordArg(call, 'max_time')) return;
  const fastDevRun = source.keywordValue(call, 'fast_dev_run');
  if (fastDevRun && source.literal(fastDevRun) !== false && source.literal(fastDevRun) !== 0) return;
  let epochs: number;
  if (maxEpochsArg) {
    const value = numberValue(source, field(maxEpochsArg, 'value'));
    if (value === undefined || value < settings.thresholds.earlyStoppingEpochs) return;
    epochs = value;
  } else {
    if (!trainerFits(source, call)) return;
    epochs = 1000; // Lightning: "If both max_epochs and max_steps are not specified, defaults to max_epochs = 1000".
    if (epochs < settings.thresholds.earlyStoppingEpochs) return;
  }
  const stopping = earlyStopping(source, 'lightning');
  if (stopping.anywhere || stopping.inCall(call)) return;
  const callbacks = callbacksOf(source, call);
  if (!callbacks) return;
  const metric = loggedValidationLoss(source);
  const monitor = metric ?? 'val_loss';
  const callbackText = `EarlyStopping(monitor=${JSON.stringify(monitor)}, patience=${PATIENCE})`;
  const advice =
    `Add callbacks=[${callbackText}] so training stops once the validation metric stops improving (Lightning EarlyStopping; monitor is required` +
    (metric ? `, and "${metric}" is what this module logs in validation).` : ` and must name a metric the LightningModule logs during validation).`);
  const message = maxEpochsArg
    ? `Trainer(max_epochs=${epochsText(epochs)}) trains all ${epochsText(epochs)} epochs with no EarlyStopping callback. ${advice}`
    : `Trainer(...) sets neither max_epochs nor max_steps, so it trains for up to 1000 epochs (Lightning's default) with no EarlyStopping callback. ${advice}`;
  const range = maxEpochsArg ? { start: maxEpochsArg.start, end: maxEpochsArg.end } : callRange(source, call);
  const report: Report = { ...range, message };
  if (metric) {
    const spelling = importedSpelling(source, field(call, 'function'));
    const module = spelling?.startsWith('pytorch_lightning') ? 'pytorch_lightning.callbacks' : 'lightning.pytorch.callbacks';
    const name = importedName(source, 'EarlyStopping', module, call);
    const edit = name ? addCallback(source, call, callbacks, `${name.text}(monitor=${JSON.stringify(metric)}, patience=${PATIENCE})`) : null;
    if (name && edit) {
      report.fix = { title: `Stop training after ${PATIENCE} validations without improvement (EarlyStopping)`, safety: 'unsafe', edits: name.edit ? [edit, name.edit] : [edit] };
    }
  }
  context.report(report);
}

function checkPython(context: PythonContext): void {
  const { source } = context;
  for (const call of source.nodes('call')) {
    const callee = source.calleeName(call);
    if (callee && HF_ARGUMENTS.test(callee)) checkHf(context, call);
    else if (callee && LIGHTNING_TRAINER.test(callee)) checkLightning(context, call);
    else if (source.methodName(call) === 'fit' || source.methodName(call) === 'search') checkKeras(context, call);
  }
}

// ---------------------------------------------------------------------------------------------
// Configs: message only (see docs.fixSafety).

/** Any key or class name in the config that already sets up early stopping. */
function configMentionsEarlyStopping(node: ConfigNode | null): boolean {
  if (!node) return false;
  if (node.kind === 'scalar') return typeof node.value === 'string' && /EarlyStopping$/.test(node.value);
  if (node.kind === 'seq') return node.items.some(configMentionsEarlyStopping);
  return node.entries.some((e) => /early_?stop|patience/i.test(e.key) || configMentionsEarlyStopping(e.value));
}

function epochEntry(map: ConfigMap, key: string, threshold: number): { entry: ConfigEntry; epochs: number } | null {
  const entry = map.entries.find((e) => e.key === key);
  const value = scalarValue(entry?.value ?? null);
  const epochs = typeof value === 'number' ? value : typeof value === 'string' && /^\d+(\.\d+)?$/.test(value) ? Number(value) : undefined;
  if (!entry || epochs === undefined || epochs < threshold) return null;
  return { entry, epochs };
}

function stepBudget(map: ConfigMap, key: string): boolean {
  const value = scalarValue(map.entries.find((e) => e.key === key)?.value ?? null);
  return value !== undefined && value !== null && !(typeof value === 'number' && value <= 0) && value !== '-1';
}

function reportEntry(context: ConfigContext, entry: ConfigEntry, message: string): void {
  context.report({ start: entry.keyStart, end: entry.value?.end ?? entry.keyEnd, message });
}

function checkConfig(context: ConfigContext): void {
  const { config, settings } = context;
  const root = config.root;
  if (root?.kind !== 'map' || configMentionsEarlyStopping(root)) return;
  const threshold = settings.thresholds.earlyStoppingEpochs;
  if (config.flavors.has('hf-training-args') || config.flavors.has('trl-recipe')) {
    const found = epochEntry(root, 'num_train_epochs', threshold);
    if (found && !stepBudget(root, 'max_steps')) {
      const n = epochsText(found.epochs);
      reportEntry(
        context,
        found.entry,
        `num_train_epochs: ${n} trains all ${n} epochs with no early stopping. TrainingArguments configs have no key for it: pass ` +
          `EarlyStoppingCallback(early_stopping_patience=${PATIENCE}) to the Trainer in the training script, and set load_best_model_at_end: true, metric_for_best_model: eval_loss ` +
          `and eval_strategy / save_strategy: epoch here (the callback requires metric_for_best_model and an eval_strategy other than "no"; transformers trainer_callback.py).`,
      );
    }
  }
  if (config.flavors.has('axolotl')) {
    const found = epochEntry(root, 'num_epochs', threshold);
    if (found && !stepBudget(root, 'max_steps')) {
      const n = epochsText(found.epochs);
      reportEntry(
        context,
        found.entry,
        `num_epochs: ${n} trains all ${n} epochs with no early stopping. Set early_stopping_patience: ${PATIENCE} so axolotl adds the transformers EarlyStoppingCallback ` +
          `(it needs periodic evaluation on a validation set, e.g. val_set_size with eval_steps and save_steps that line up).`,
      );
    }
  }
  // Hydra compositions (`defaults:`) and trainer group files get their callbacks from other config files.
  if (root.entries.some((e) => e.key === 'defaults')) return;
  for (const trainer of lightningTrainerMaps(root)) {
    if (trainer === root) continue;
    if (stepBudget(trainer, 'max_steps') || trainer.entries.some((e) => e.key === 'max_time')) continue;
    const found = epochEntry(trainer, 'max_epochs', threshold);
    if (!found) continue;
    const callbacks = trainer.entries.find((e) => e.key === 'callbacks')?.value ?? null;
    if (callbacks && callbacks.kind !== 'seq') continue; // interpolated or unusual: cannot judge
    const n = epochsText(found.epochs);
    reportEntry(
      context,
      found.entry,
      `trainer max_epochs: ${n} trains all ${n} epochs with no EarlyStopping callback. Add to trainer.callbacks: ` +
        `{class_path: lightning.pytorch.callbacks.EarlyStopping, init_args: {monitor: val_loss, patience: ${PATIENCE}}}, with monitor naming a metric the LightningModule logs during validation ` +
        `(Lightning EarlyStopping: monitor is required, and with strict=True, the default, a missing metric is an error).`,
    );
  }
}

export const noEarlyStopping: Rule = {
  id: 'no-early-stopping',
  title: 'Long training with no early stopping',
  defaultSeverity: 'warning',
  sources: ['python', 'config'],
  fixAvailability: 'sometimes',
  fixSafety: 'unsafe',
  triggers: ['epochs', 'Trainer'],
  docs: {
    whatItDoes:
      'Flags framework training runs of at least earlyStoppingEpochs epochs (10 by default) with no early-stopping callback: transformers TrainingArguments / Seq2SeqTrainingArguments / TRL configs with num_train_epochs (when the Trainer that receives them is in the file), a Lightning Trainer with max_epochs (or with neither max_epochs nor max_steps, which means up to 1000 epochs, when it is used to fit), Keras model.fit(epochs=...) on a Keras model and Keras Tuner search(epochs=...), and configs: num_train_epochs (TrainingArguments / TRL recipes), num_epochs (axolotl), trainer.max_epochs (Lightning CLI). Keras epochs count from initial_epoch. It stays silent when that training already gets the framework\'s EarlyStopping / EarlyStoppingCallback (in callbacks=, or via add_callback / callbacks.append), when the file uses that class somewhere it cannot tie to one training (a subclass, a helper function), when a hand-written callback stops training (should_training_stop, stop_training, should_stop, configure_callbacks), when callbacks or arguments come from somewhere it cannot see, when a max_steps / max_time budget is set, and for hand-written `for epoch in range(...)` loops, which have no callback to add.',
    whyItWastesEnergy:
      'A fixed, generous epoch count keeps training after the validation loss has stopped improving: every further epoch costs the same energy and often makes the model worse (overfitting). Early stopping ends the run a few evaluations after the best one and, with load_best_model_at_end / restore_best_weights, keeps the best weights.',
    example: {
      language: 'python',
      code: [
        'from transformers import Trainer, TrainingArguments',
        '',
        'args = TrainingArguments(output_dir="out", num_train_epochs=20)',
        'trainer = Trainer(model=model, args=args, train_dataset=train_ds, eval_dataset=val_ds)',
        'trainer.train()',
      ].join('\n'),
    },
    useInstead: {
      language: 'python',
      code: [
        'from transformers import EarlyStoppingCallback, Trainer, TrainingArguments',
        '',
        'args = TrainingArguments(output_dir="out", num_train_epochs=20, eval_strategy="epoch", save_strategy="epoch", load_best_model_at_end=True, metric_for_best_model="eval_loss")',
        'trainer = Trainer(model=model, args=args, train_dataset=train_ds, eval_dataset=val_ds, callbacks=[EarlyStoppingCallback(early_stopping_patience=3)])',
        'trainer.train()',
      ].join('\n'),
    },
    fixSafety:
      'Unsafe: training stops earlier, so results change. Transformers: the fix adds callbacks=[EarlyStoppingCallback(early_stopping_patience=3)] to the Trainer and, on the TrainingArguments, eval_strategy="epoch" (when evaluation was off), a save_strategy matching it, load_best_model_at_end=True and metric_for_best_model="eval_loss" unless already set consistently (the callback asserts metric_for_best_model and an eval_strategy other than "no"; eval_strategy needs transformers 4.41 or newer, older files that use evaluation_strategy keep that name). It is offered only when both calls are in the file and the Trainer gets an eval_dataset. Keras: callbacks=[keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)] (Keras\' default patience is 0), only when validation_data or validation_split is passed. Lightning: callbacks=[EarlyStopping(monitor=..., patience=3)] imported from the Lightning package the file uses, only when a LightningModule in the file logs a validation loss to monitor (a missing metric is an error). Configs get a message only: the HF example scripts read no callback from a TrainingArguments config, a Lightning CLI config cannot tell which metric the module logs, and axolotl\'s early_stopping_patience needs evaluation and save intervals that line up, which the message explains rather than guesses.',
    sources: [
      'transformers EarlyStoppingCallback (requires metric_for_best_model and an eval_strategy) — huggingface/transformers src/transformers/trainer_callback.py',
      'transformers TrainingArguments (load_best_model_at_end, eval_strategy, save_strategy) — huggingface/transformers src/transformers/training_args.py',
      'Lightning EarlyStopping and Trainer max_epochs default — Lightning-AI/pytorch-lightning src/lightning/pytorch/callbacks/early_stopping.py, src/lightning/pytorch/trainer/trainer.py',
      'Keras EarlyStopping (patience=0 default) — https://keras.io/api/callbacks/early_stopping/',
    ],
  },
  checkPython,
  checkConfig,
};
