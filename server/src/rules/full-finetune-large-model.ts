import { formatScalar, insertEntry } from '../engine/config/edits';
import { scalarValue, type ConfigEntry, type ConfigMap, type ConfigSource } from '../engine/config/source';
import { enclosingStatement, ensureImport, insertLinesAfter } from '../engine/python/edits';
import type { PythonSource } from '../engine/python/source';
import { ancestor, field, isAncestorOf, type PyNode } from '../engine/python/tree';
import type { ConfigContext, PythonContext, Rule } from '../engine/rule';
import type { OffsetEdit, OffsetFix } from '../engine/types';
import { allSourceTags, sourceRef } from '../knowledge';
import { transformersModelClass } from './shared/model-ids';
import { modelSize, type ModelSize } from './shared/model-size';
import { isFrom, lastSegment } from './shared/python-patterns';
import { escapeRegExp } from '../engine/text';
import { callRange } from './shared/ranges';
import { trainingLoops } from './shared/training-loops';

// ---------------------------------------------------------------------------------------------------------
// What LoRA saves, as the sources publish it

/** A knowledge source's title, or the given citation while the tag is not in sources.json. */
function cite(tag: string, fallback: string): string {
  return `[${allSourceTags().includes(tag) ? sourceRef(tag).title : fallback}]`;
}

function loraFacts(): string {
  return (
    `LoRA trains a small fraction instead: 2,359,296 of 1,231,940,608 parameters (0.19%) for mt0-large ${cite('PEFTRM', 'huggingface/peft README.md')}, ` +
    `and 10,000x fewer trainable parameters with 3x less GPU memory than full fine-tuning of GPT-3 175B ${cite('LORA', 'Hu et al., LoRA, arXiv:2106.09685')}.`
  );
}

/** `a 7B-parameter model [Llama 2 model card ...]`, or `(size read from the id)` when the catalogue has no count. */
function sizeText(size: ModelSize): string {
  return `a ${size.text}-parameter model ${size.from === 'the size in its id' ? '(size read from the id)' : `[${size.from}]`}`;
}

// ---------------------------------------------------------------------------------------------------------
// Python

/** peft task types by the transformers head the model is loaded with; unknown heads get none. */
function taskType(modelClass: string): string | null {
  const name = modelClass.replace(/^(TF|Flax)/, '');
  if (/ForCausalLM$|LMHeadModel$/.test(name)) return 'CAUSAL_LM';
  if (name === 'AutoModelForSeq2SeqLM' || /^(T5|MT5|UMT5|Bart|MBart|Pegasus|PegasusX|LongT5|Marian|M2M100|NllbMoe|BigBirdPegasus|LED|Plbart|Blenderbot\w*|ProphetNet|FSMT)ForConditionalGeneration$/.test(name)) {
    return 'SEQ_2_SEQ_LM';
  }
  if (/ForSequenceClassification$/.test(name)) return 'SEQ_CLS';
  if (/ForTokenClassification$/.test(name)) return 'TOKEN_CLS';
  if (/ForQuestionAnswering$/.test(name)) return 'QUESTION_ANS';
  return null;
}

/** Method chains that keep the model object: `from_pretrained(...).to(device)`, `.cuda()`. */
const KEEPS_MODEL = ['to', 'cuda', 'train', 'eval', 'half', 'bfloat16', 'float'];

/** The target a model load is assigned to (`model`, `self.model`), through `.to(...)`-style chains. */
function loadTarget(source: PythonSource, call: PyNode): PyNode | null {
  let node = call;
  while (node.parent?.type === 'attribute' && field(node.parent, 'object') === node) {
    const outer = node.parent.parent;
    const method = field(node.parent, 'attribute');
    if (outer?.type !== 'call' || field(outer, 'function') !== node.parent || !method || !KEEPS_MODEL.includes(source.textOf(method))) return null;
    node = outer;
  }
  const parent = node.parent;
  if (parent?.type !== 'assignment' || field(parent, 'right') !== node) return null;
  const left = field(parent, 'left');
  return left && (left.type === 'identifier' || left.type === 'attribute') ? left : null;
}

/** The text of an expression without trailing `.to(...)`-style calls: `model.to(device)` → `model`. */
function baseText(source: PythonSource, expr: PyNode): string {
  let node = expr;
  while (node.type === 'call') {
    const fn = field(node, 'function');
    const method = fn?.type === 'attribute' ? field(fn, 'attribute') : null;
    const object = fn ? field(fn, 'object') : null;
    if (!method || !object || !KEEPS_MODEL.includes(source.textOf(method))) break;
    node = object;
  }
  return source.textOf(node);
}

const TRAINER_LIBRARIES = ['transformers', 'trl'];

/** Optimizer classes: torch.optim.*, bitsandbytes, apex, DeepSpeed, transformers' AdamW / Adafactor. */
const OPTIMIZER = /^(torch\.optim|bitsandbytes\.optim|apex\.optimizers|deepspeed\.ops\.adam)\.[A-Z]\w*$|^transformers\.(optimization\.)?(AdamW|Adafactor)$/;

function isLibraryTrainer(qualified: string | null): boolean {
  return !!qualified && TRAINER_LIBRARIES.some((lib) => isFrom(qualified, lib)) && /Trainer$/.test(lastSegment(qualified));
}

/** `Trainer(...)`, `SFTTrainer(...)`, or a project class that subclasses one (`class MyTrainer(Trainer)`); its display name. */
function trainerClass(source: PythonSource, call: PyNode): string | null {
  const callee = source.calleeName(call);
  if (callee) return isLibraryTrainer(callee) ? lastSegment(callee) : null;
  const fn = field(call, 'function');
  if (fn?.type !== 'identifier') return null;
  const name = source.textOf(fn);
  for (const definition of source.nodes('class_definition')) {
    const className = field(definition, 'name');
    if (!className || source.textOf(className) !== name) continue;
    const bases = field(definition, 'superclasses');
    if (bases?.children.some((base) => isLibraryTrainer(source.qualifiedName(base)))) return name;
  }
  return null;
}

/** Whether `.train()` is called on a trainer: `Trainer(...).train()`, or `trainer.train()` on the name it is assigned to. */
function trainerRuns(source: PythonSource, call: PyNode): boolean {
  const parent = call.parent;
  const method = parent?.type === 'attribute' ? field(parent, 'attribute') : null;
  if (parent && method && field(parent, 'object') === call && source.textOf(method) === 'train') return true;
  const assignment = parent?.type === 'assignment' && field(parent, 'right') === call ? parent : null;
  const left = assignment ? field(assignment, 'left') : null;
  if (!left || (left.type !== 'identifier' && left.type !== 'attribute')) return false;
  const name = source.textOf(left);
  return source.methodCalls('train').some((c) => c.start > call.start && source.receiver(c) !== null && source.textOf(source.receiver(c)!) === name);
}

/** The function a node is defined in (null at module level). */
function scopeOf(node: PyNode): PyNode | null {
  return ancestor(node, ['function_definition', 'lambda']);
}

/** Whether the load's target reaches `user`: same function, module level, or a loader function that returns it. */
function reaches(source: PythonSource, load: PyNode, target: string, user: PyNode): boolean {
  const scope = scopeOf(load);
  if (!scope || scope === scopeOf(user)) return true;
  if (target.startsWith('self.')) {
    const ownClass = ancestor(load, 'class_definition');
    return ownClass !== null && isAncestorOf(ownClass, user);
  }
  return source.nodes('return_statement').some((r) => isAncestorOf(scope, r) && r.children.some((c) => c.named && source.textOf(c) === target));
}

interface Training {
  /** What trains, for the message: `SFTTrainer(...).train()`. */
  how: string;
  /** The code that names the trained model (a trainer's model argument, an optimizer's parameters). */
  user: PyNode;
  /** Whether the training names the load's target. */
  trains: (target: string) => boolean;
}

/** The optimizer object a step call steps: `optimizer.step()` → `optimizer`, `scaler.step(optimizer)` → `optimizer`. */
function steppedOptimizer(source: PythonSource, step: PyNode): PyNode | null {
  const receiver = source.receiver(step);
  const args = source.positionalArgs(step);
  if (args.length === 1 && (args[0].type === 'identifier' || args[0].type === 'attribute')) return args[0];
  return receiver;
}

/**
 * The text of what an optimizer was built from, following one assignment (`params = [...]`). The
 * construction is the last call assigned to the name before the step (`model, optimizer =
 * accelerator.prepare(model, optimizer)` re-binds the name without building a new optimizer).
 */
function optimizerParameters(source: PythonSource, optimizer: PyNode): string | null {
  if (optimizer.type !== 'identifier') return null;
  const constructions = source.names.all(source.textOf(optimizer)).filter((b) => b.kind === 'call' && OPTIMIZER.test(source.calleeName(b.call) ?? ''));
  const binding = constructions.filter((b) => b.offset < optimizer.start).pop() ?? constructions[0];
  if (binding?.kind !== 'call') return null;
  const args = field(binding.call, 'arguments');
  if (!args) return null;
  let text = source.textOf(args);
  for (const arg of source.positionalArgs(binding.call).concat(source.keywordValue(binding.call, 'params') ?? [])) {
    if (arg.type !== 'identifier') continue;
    const inner = source.names.bindingAt(source.textOf(arg), arg.start);
    if (inner?.kind === 'value' || inner?.kind === 'call') text += ' ' + source.textOf(inner.value);
  }
  return text;
}

/** Everything in the file that trains a model: trainers that are run, and hand-written loops (backward + step). */
function trainings(source: PythonSource): Training[] {
  const found: Training[] = [];
  for (const call of source.nodes('call')) {
    const trainer = trainerClass(source, call);
    if (!trainer || !trainerRuns(source, call)) continue;
    const model = source.argument(call, 'model', 0);
    if (!model || model.type === 'string') continue;
    const modelText = baseText(source, model);
    found.push({ how: `${trainer}(...).train()`, user: call, trains: (target) => target === modelText });
  }
  // Lightning: `configure_optimizers` builds the optimizer from `self.parameters()` / `self.model.parameters()`
  // and a Lightning Trainer's fit() runs it.
  const fits = source.methodCalls('fit').some((c) => /^lightning\.pytorch\.(trainer\.(trainer\.)?)?Trainer$/.test(source.receiverType(c) ?? ''));
  for (const method of fits ? source.nodes('function_definition') : []) {
    const name = field(method, 'name');
    if (!name || source.textOf(name) !== 'configure_optimizers' || !ancestor(method, 'class_definition')) continue;
    for (const call of source.nodes('call')) {
      const callee = source.calleeName(call);
      if (!isAncestorOf(method, call) || !callee || !OPTIMIZER.test(callee)) continue;
      const parameters = source.textOf(field(call, 'arguments') ?? call);
      found.push({
        how: 'a Lightning Trainer.fit() with an optimizer over them',
        user: call,
        trains: (target) => target.startsWith('self.') && (/(?<![\w.])self\.parameters\(/.test(parameters) || new RegExp(`(?<![\\w.])${escapeRegExp(target)}\\.(named_)?parameters\\(`).test(parameters)),
      });
    }
  }
  for (const { step } of trainingLoops(source)) {
    const optimizer = steppedOptimizer(source, step);
    const parameters = optimizer ? optimizerParameters(source, optimizer) : null;
    if (!parameters) continue;
    found.push({
      how: 'a training loop (backward() + optimizer step())',
      user: step,
      trains: (target) => new RegExp(`(?<![\\w.])${escapeRegExp(target)}\\.(named_)?parameters\\(`).test(parameters),
    });
  }
  return found;
}

/** PEFT in a file: the models an adapter is attached to, and whether PEFT is used in a way not tied to one model. */
interface PeftUse {
  /** Targets passed to `get_peft_model(x, ...)` / `prepare_model_for_kbit_training(x)` or given `x.add_adapter(...)`. */
  adapted: Set<string>;
  /** `peft_config=` / `use_peft=` arguments, or peft names used outside those calls (`config = LoraConfig(...)`). */
  untied: boolean;
}

const PEFT_MODULE = /^(peft|unsloth|adapters)(\.|$)/;
const ADAPTER_FUNCTIONS = ['get_peft_model', 'prepare_model_for_kbit_training'];
const ADAPTER_METHODS = ['add_adapter', 'load_adapter', 'enable_adapters'];

function peftUse(source: PythonSource): PeftUse {
  const adapted = new Set<string>();
  const tied: PyNode[] = [];
  for (const call of source.nodes('call')) {
    const fn = field(call, 'function');
    const name = fn?.type === 'identifier' ? source.textOf(fn) : source.methodName(call);
    if (name && ADAPTER_FUNCTIONS.includes(name)) {
      const model = source.argument(call, 'model', 0);
      if (model) adapted.add(baseText(source, model));
      tied.push(call);
    } else if (name && ADAPTER_METHODS.includes(name) && source.receiver(call)) {
      adapted.add(baseText(source, source.receiver(call)!));
      tied.push(call);
    }
  }
  let untied = source.nodes('keyword_argument').some((argument) => {
    const name = field(argument, 'name');
    return name !== null && ['peft_config', 'use_peft', 'lora_config'].includes(source.textOf(name));
  });
  // A PEFT-family name comes from an import that spells the module: without one in the text, no
  // identifier can resolve to it (and the walk over every identifier is skipped).
  const importsPeftFamily = /\b(peft|unsloth|adapters)\b/.test(source.text);
  for (const node of untied || !importsPeftFamily ? [] : source.nodes('identifier')) {
    if (node.parent?.type === 'attribute' && field(node.parent, 'object') !== node) continue;
    if (ancestor(node, ['import_statement', 'import_from_statement']) || tied.some((call) => isAncestorOf(call, node))) continue;
    const qualified = source.qualifiedName(node);
    if (qualified && PEFT_MODULE.test(qualified)) {
      untied = true;
      break;
    }
  }
  return { adapted, untied };
}

/** Frozen parameters (`p.requires_grad = False`, `requires_grad_(False)`) mean the fine-tuning is partial, not full. */
function freezesParameters(source: PythonSource): boolean {
  for (const assignment of source.nodes('assignment')) {
    const left = field(assignment, 'left');
    const right = field(assignment, 'right');
    const attribute = left?.type === 'attribute' ? field(left, 'attribute') : null;
    if (attribute && source.textOf(attribute) === 'requires_grad' && right?.type === 'false') return true;
  }
  return source.nodes('call').some((call) => source.methodName(call) === 'requires_grad_' && source.argument(call, 'requires_grad', 0)?.type === 'false');
}

function checkPython(context: PythonContext): void {
  const { source, settings } = context;
  let found: Training[] | undefined;
  let peft: PeftUse | undefined;
  let frozen: boolean | undefined;
  for (const call of source.nodes('call')) {
    const modelClass = transformersModelClass(source.calleeName(call));
    if (!modelClass) continue;
    const id = source.stringValue(source.argument(call, 'pretrained_model_name_or_path', 0));
    const size = id ? modelSize(id.value) : null;
    if (!id || !size || size.parameters < settings.thresholds.largeModelParameters) continue;
    const target = loadTarget(source, call);
    if (!target) continue;
    const targetText = source.textOf(target);
    found ??= trainings(source);
    const training = found.find((t) => t.trains(targetText) && reaches(source, call, targetText, t.user));
    if (!training) continue;
    peft ??= peftUse(source);
    if (peft.untied || (frozen ??= freezesParameters(source))) return;
    if (peft.adapted.has(targetText)) continue;
    const task = taskType(modelClass);
    const statement = enclosingStatement(call);
    const line = source.lines.positionAt(statement.start);
    const startsLine = source.lines.lineText(line.line).slice(0, line.character).trim() === '';
    const wrap = `${targetText} = get_peft_model(${targetText}, LoraConfig(r=16, lora_alpha=32, target_modules="all-linear"${task ? `, task_type="${task}"` : ''}))`;
    // `if x: model = ...` on one line: a line inserted below would run unconditionally.
    const edits: OffsetEdit[] = startsLine ? [insertLinesAfter(source, call, [wrap])] : [];
    const importEdit = startsLine ? ensureImport(source, 'from peft import LoraConfig, get_peft_model', call) : null;
    if (importEdit) edits.push(importEdit);
    context.report({
      ...callRange(source, call),
      message:
        `${modelClass}.from_pretrained("${id.value}") loads ${sizeText(size)}, and ${training.how} updates all of its weights: ` +
        `no PEFT adapter in this file. ${loraFacts()} Wrap the model after loading: ${wrap} (from peft import LoraConfig, get_peft_model).`,
      fix: edits.length > 0 ? { title: 'Train a LoRA adapter (peft get_peft_model + LoraConfig)', safety: 'unsafe', edits } : undefined,
    });
  }
}

// ---------------------------------------------------------------------------------------------------------
// Configs: TRL / alignment-handbook recipes and axolotl

function isOn(value: unknown): boolean {
  return value === true || (typeof value === 'string' && /^(true|yes|on)$/i.test(value));
}

/** Adds several keys at the end of a map as one edit (two insertions at one offset would conflict). */
function insertEntries(config: ConfigSource, map: ConfigMap, entries: [string, string | number | boolean][]): OffsetEdit | null {
  const edits: OffsetEdit[] = [];
  for (const [key, value] of entries) {
    const edit = insertEntry(config, map, key, formatScalar(config, value));
    if (!edit) return null;
    edits.push(edit);
  }
  if (edits.length === 0) return null;
  return { start: edits[0].start, end: edits[0].end, newText: edits.map((e) => e.newText).join('') };
}

function largeModel(context: ConfigContext, entry: ConfigEntry | null): { value: string; size: ModelSize } | null {
  const value = entry?.value?.kind === 'scalar' ? entry.value.value : undefined;
  if (typeof value !== 'string') return null;
  const size = modelSize(value);
  return size && size.parameters >= context.settings.thresholds.largeModelParameters ? { value, size } : null;
}

function reportConfig(context: ConfigContext, entry: ConfigEntry, model: { value: string; size: ModelSize }, what: string, advice: string, fix: OffsetFix | undefined): void {
  context.report({
    start: entry.keyStart,
    end: entry.value ? entry.value.end : entry.keyEnd,
    message: `${entry.key}: ${model.value} is ${sizeText(model.size)}, and ${what} fine-tunes all of its weights: no PEFT adapter. ${loraFacts()} ${advice}`,
    fix,
  });
}

/** TRL / alignment-handbook recipes: `use_peft: true` (TRL's ModelConfig defaults then give lora_r 16, lora_alpha 32). */
function checkRecipe(context: ConfigContext, root: ConfigMap): void {
  const { config } = context;
  const entry = config.entry(['model_name_or_path']);
  const model = largeModel(context, entry);
  if (!entry || !model) return;
  const usePeft = config.entry(['use_peft']);
  if (usePeft && isOn(scalarValue(usePeft.value))) return;
  // lora_* keys without use_peft: a script of the user's own may read them; stay silent.
  if (!usePeft && root.entries.some((e) => /^(lora_|peft)/.test(e.key))) return;
  const edits: OffsetEdit[] = [];
  const missing: [string, string | number | boolean][] = [];
  if (usePeft?.value?.kind === 'scalar') edits.push({ start: usePeft.value.start, end: usePeft.value.end, newText: 'true' });
  else if (!usePeft) missing.push(['use_peft', true]);
  for (const [key, value] of [['lora_r', 16], ['lora_alpha', 32]] as const) if (!config.entry([key])) missing.push([key, value]);
  const insert = missing.length > 0 ? insertEntries(config, root, missing) : null;
  if (insert) edits.push(insert);
  const complete = (usePeft ? usePeft.value?.kind === 'scalar' : true) && (missing.length === 0 || insert !== null);
  reportConfig(
    context,
    entry,
    model,
    usePeft ? 'the recipe, with use_peft: false,' : 'the recipe',
    'Set use_peft: true with lora_r: 16 and lora_alpha: 32 (TRL ModelConfig keys).',
    complete && edits.length > 0 ? { title: 'Train a LoRA adapter (use_peft: true)', safety: 'unsafe', edits } : undefined,
  );
}

/** axolotl: `adapter: lora` (or `qlora` with load_in_4bit) plus the LoRA settings it needs. */
function checkAxolotl(context: ConfigContext, root: ConfigMap): void {
  const { config } = context;
  const entry = config.entry(['base_model']);
  const model = largeModel(context, entry);
  if (!entry || !model) return;
  const adapter = config.entry(['adapter']);
  const adapterValue = adapter?.value?.kind === 'scalar' ? adapter.value.value : undefined;
  if (adapter && !(adapterValue === null || adapterValue === '')) return;
  const adapterKind = isOn(scalarValue(config.get(['load_in_4bit']))) ? 'qlora' : 'lora';
  const edits: OffsetEdit[] = [];
  const missing: [string, string | number | boolean][] = [];
  if (adapter?.value?.kind === 'scalar') edits.push({ start: adapter.value.start, end: adapter.value.end, newText: adapter.value.start === adapter.value.end ? ` ${adapterKind}` : adapterKind });
  else if (!adapter) missing.push(['adapter', adapterKind]);
  for (const [key, value] of [['lora_r', 16], ['lora_alpha', 32], ['lora_target_linear', true]] as const) if (!config.entry([key])) missing.push([key, value]);
  const insert = missing.length > 0 ? insertEntries(config, root, missing) : null;
  if (insert) edits.push(insert);
  const complete = (!adapter || adapter.value?.kind === 'scalar') && (missing.length === 0 || insert !== null);
  reportConfig(
    context,
    entry,
    model,
    'the axolotl config',
    `Set adapter: ${adapterKind} with lora_r: 16, lora_alpha: 32 and lora_target_linear: true.`,
    complete && edits.length > 0 ? { title: `Train a LoRA adapter (adapter: ${adapterKind})`, safety: 'unsafe', edits } : undefined,
  );
}

function checkConfig(context: ConfigContext): void {
  const { config } = context;
  if (config.root?.kind !== 'map') return;
  if (config.flavors.has('trl-recipe')) checkRecipe(context, config.root);
  if (config.flavors.has('axolotl')) checkAxolotl(context, config.root);
}

export const fullFinetuneLargeModel: Rule = {
  id: 'full-finetune-large-model',
  title: 'Full-parameter fine-tuning of a model with a billion parameters or more',
  defaultSeverity: 'warning',
  sources: ['python', 'config'],
  fixAvailability: 'sometimes',
  fixSafety: 'unsafe',
  triggers: ['from_pretrained', 'model_name_or_path', 'base_model'],
  docs: {
    whatItDoes:
      'Flags full-parameter fine-tuning of a model of 1B parameters or more (the large-model-parameters threshold; the size comes from the model catalogue, or from a size written in the id such as "-7b" or "-1.5B") with no PEFT adapter. In Python: a transformers `XxxModel.from_pretrained("<id>")` whose model is trained in the same file — passed to a transformers/TRL trainer (`Trainer`, `SFTTrainer`, `DPOTrainer`..., or a subclass) whose `.train()` is called, or whose `parameters()` feed the optimizer of a hand-written loop (backward + step) — in a file with no peft usage (peft imports, `get_peft_model`, `LoraConfig`, `prepare_model_for_kbit_training`, `peft_config=`) and no frozen parameters. In configs: TRL / alignment-handbook recipes with a large `model_name_or_path` and no `use_peft: true`, and axolotl configs with a large `base_model` and no `adapter`. Models that are only used for inference, or not trained in the file (a frozen teacher, a reference model), are not flagged.',
    whyItWastesEnergy:
      'Full fine-tuning computes gradients and keeps optimizer state for every weight: with Adam that is several times the memory of the model itself, so a 7B model needs multiple large GPUs. LoRA freezes the model and trains small low-rank adapters: the PEFT README reports 2,359,296 trainable parameters of 1,231,940,608 (0.19%) for mt0-large, and the LoRA paper reports 10,000x fewer trainable parameters and 3x less GPU memory than full fine-tuning of GPT-3 175B, with on-par quality on the tasks it measured.',
    example: {
      language: 'python',
      code: [
        'from transformers import AutoModelForCausalLM, Trainer, TrainingArguments',
        '',
        'model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-2-7b-hf")',
        'trainer = Trainer(model=model, args=TrainingArguments(output_dir="out", bf16=True), train_dataset=dataset)',
        'trainer.train()',
      ].join('\n'),
    },
    useInstead: {
      language: 'python',
      code: [
        'from peft import LoraConfig, get_peft_model',
        'from transformers import AutoModelForCausalLM, Trainer, TrainingArguments',
        '',
        'model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-2-7b-hf")',
        'model = get_peft_model(model, LoraConfig(r=16, lora_alpha=32, target_modules="all-linear", task_type="CAUSAL_LM"))',
        'trainer = Trainer(model=model, args=TrainingArguments(output_dir="out", bf16=True), train_dataset=dataset)',
        'trainer.train()',
      ].join('\n'),
    },
    fixSafety:
      'Unsafe: an adapter trains far fewer parameters than full fine-tuning, which changes results (usually little on the tasks the LoRA paper measured), and code that saves or reloads the model then handles an adapter. The Python fix inserts `model = get_peft_model(model, LoraConfig(r=16, lora_alpha=32, target_modules="all-linear", task_type=...))` after the load (task_type matched to the Auto class, omitted for other heads) and `from peft import LoraConfig, get_peft_model`. The TRL fix sets `use_peft: true` with `lora_r: 16`, `lora_alpha: 32`; the axolotl fix adds `adapter: lora` (`qlora` with `load_in_4bit: true`), `lora_r: 16`, `lora_alpha: 32`, `lora_target_linear: true`.',
    sources: [
      'huggingface/peft README.md (mt0-large: 2,359,296 of 1,231,940,608 parameters trainable, 0.19%) — https://github.com/huggingface/peft',
      'Hu et al. 2021, LoRA: Low-Rank Adaptation of Large Language Models — https://arxiv.org/abs/2106.09685',
      'TRL ModelConfig (use_peft, lora_r = 16, lora_alpha = 32) — huggingface/trl trl/trainer/model_config.py',
      'axolotl config reference (adapter, lora_r, lora_alpha, lora_target_linear) — https://github.com/axolotl-ai-cloud/axolotl',
    ],
  },
  checkPython,
  checkConfig,
};
