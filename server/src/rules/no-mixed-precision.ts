import { insertEntry, replaceValue } from '../engine/config/edits';
import { lightningTrainerMaps } from '../engine/config/flavor';
import { scalarValue, type ConfigMap, type ConfigNode } from '../engine/config/source';
import { addKeywordArgument, ensureImport, replaceNode } from '../engine/python/edits';
import type { PythonSource } from '../engine/python/source';
import { descendants, field, type PyNode } from '../engine/python/tree';
import type { ConfigContext, PythonContext, Report, Rule } from '../engine/rule';
import { indentOf } from '../engine/text';
import type { OffsetEdit, OffsetFix } from '../engine/types';
import { moduleAlias } from './shared/module-alias';
import { isFrom, lastSegment } from './shared/python-patterns';
import { callRange } from './shared/ranges';
import { trainingLoops } from './shared/training-loops';
import { MENTIONS_GPU, TRAINING_LOOP } from './shared/triggers';

const AMP_GAIN = 'the PyTorch tuning guide cites up to 3x faster training with mixed precision on Volta and newer GPUs';
const KERAS_GAIN = 'the TensorFlow guide reports more than 3x on modern GPUs';

/** transformers.TrainingArguments and subclasses whose fp16/bf16 default is False in every release. */
const HF_ARGUMENT_CLASSES = ['TrainingArguments', 'Seq2SeqTrainingArguments'];

function isTruthy(source: PythonSource, node: PyNode | null): boolean | undefined {
  const value = source.literal(node);
  if (value === undefined) return undefined;
  if (typeof value === 'string') return !['no', 'false', '32', '32-true', 'fp32', ''].includes(value.toLowerCase());
  return Boolean(value);
}

function switchFix(title: string, edit: OffsetEdit | null): OffsetFix | undefined {
  return edit ? { title, safety: 'unsafe', edits: [edit] } : undefined;
}

/** `TrainingArguments(...)` with neither fp16 nor bf16 on. */
function checkTrainingArguments(context: PythonContext, call: PyNode, callee: string): void {
  const { source } = context;
  if (!isFrom(callee, 'transformers') || !HF_ARGUMENT_CLASSES.includes(lastSegment(callee))) return;
  if (source.hasSplat(call)) return;
  // CPU-only runs (use_cpu / no_cuda) and evaluation-only arguments have nothing to speed up.
  if (isTruthy(source, source.keywordValue(call, 'use_cpu')) || isTruthy(source, source.keywordValue(call, 'no_cuda'))) return;
  if (source.literal(source.keywordValue(call, 'do_train')) === false) return;
  const bf16 = source.keywordArg(call, 'bf16');
  const fp16 = source.keywordArg(call, 'fp16');
  const bf16On = isTruthy(source, bf16 ? field(bf16, 'value') : null);
  const fp16On = isTruthy(source, fp16 ? field(fp16, 'value') : null);
  if (bf16On !== false && bf16) return; // on, or not a literal we can judge
  if (fp16On !== false && fp16) return;
  const name = lastSegment(callee);
  const explicitOff = bf16 ?? fp16;
  const message =
    `${name}(...) trains in full fp32: ${explicitOff ? `${source.textOf(explicitOff)} turns mixed precision off` : 'neither bf16 nor fp16 is set (both default to False)'}. ` +
    `Set bf16=True (Ampere or newer GPUs; fp16=True on older ones): ${AMP_GAIN}.`;
  if (explicitOff) {
    const value = field(explicitOff, 'value')!;
    const edit = explicitOff === bf16 ? replaceNode(value, 'True') : bf16 ? null : replaceNode(explicitOff, 'bf16=True');
    context.report({ start: explicitOff.start, end: explicitOff.end, message, fix: switchFix('Train with bf16 mixed precision (bf16=True)', edit) });
    return;
  }
  context.report({ ...callRange(source, call), message, fix: switchFix('Train with bf16 mixed precision (bf16=True)', addKeywordArgument(source, call, 'bf16=True')) });
}

/** Lightning `Trainer(...)` without precision, or with precision 32. */
function checkLightningTrainer(context: PythonContext, call: PyNode, callee: string): void {
  const { source } = context;
  if (!/^lightning\.(pytorch|fabric)\.(trainer\.(trainer\.)?)?(Trainer|Fabric)$/.test(callee)) return;
  if (source.hasSplat(call)) return;
  const accelerator = source.stringValue(source.keywordValue(call, 'accelerator'))?.value;
  if (accelerator === 'cpu') return;
  const precision = source.keywordArg(call, 'precision');
  const name = lastSegment(callee);
  const advice = `Pass precision="bf16-mixed" ("16-mixed" on GPUs older than Ampere): ${AMP_GAIN}.`;
  if (precision) {
    const value = field(precision, 'value')!;
    const literal = source.literal(value);
    if (!(literal === 32 || literal === '32' || literal === '32-true')) return;
    context.report({
      start: precision.start,
      end: precision.end,
      message: `${name}(${source.textOf(precision)}) trains in full fp32. ${advice}`,
      fix: switchFix('Train with bf16 mixed precision', replaceNode(value, '"bf16-mixed"')),
    });
    return;
  }
  context.report({
    ...callRange(source, call),
    message: `${name}(...) sets no precision, so it trains in full fp32 ("32-true" is the default). ${advice}`,
    fix: switchFix('Train with bf16 mixed precision', addKeywordArgument(source, call, 'precision="bf16-mixed"')),
  });
}

/** `Accelerator()` without mixed_precision, or with mixed_precision="no". */
function checkAccelerator(context: PythonContext, call: PyNode, callee: string): void {
  const { source } = context;
  if (!isFrom(callee, 'accelerate', 'Accelerator') || source.hasSplat(call)) return;
  if (isTruthy(source, source.keywordValue(call, 'cpu'))) return;
  const setting = source.keywordArg(call, 'mixed_precision');
  if (setting) {
    const value = field(setting, 'value')!;
    if (source.stringValue(value)?.value !== 'no') return;
    context.report({
      start: setting.start,
      end: setting.end,
      message: `Accelerator(mixed_precision="no") trains in full fp32. Use mixed_precision="bf16" ("fp16" on GPUs older than Ampere): ${AMP_GAIN}.`,
      fix: switchFix('Train with bf16 mixed precision', replaceNode(value, '"bf16"')),
    });
    return;
  }
  context.report({
    ...callRange(source, call),
    message:
      `Accelerator() sets no mixed_precision, so it trains in fp32 unless the launch configuration (accelerate config, --mixed_precision or ACCELERATE_MIXED_PRECISION) sets one. ` +
      `Pass mixed_precision="bf16" ("fp16" on GPUs older than Ampere): ${AMP_GAIN}.`,
    fix: switchFix('Train with bf16 mixed precision', addKeywordArgument(source, call, 'mixed_precision="bf16"')),
  });
}

/** Keras `model.fit(...)` in a file that sets no mixed-precision policy. */
function checkKerasFit(context: PythonContext, call: PyNode): void {
  const { source } = context;
  if (source.methodName(call) !== 'fit') return;
  const type = source.receiverType(call);
  if (!type || !type.startsWith('keras.')) return;
  const hasPolicy = source.nodes('call').some((c) => /(set_global_policy|set_dtype_policy)$/.test(source.calleeName(c) ?? '') || /mixed_(float16|bfloat16)/.test(source.textOf(c)));
  if (hasPolicy) return;
  const keras = moduleAlias(source, 'keras');
  const tf = keras ? null : moduleAlias(source, 'tensorflow');
  let fix: OffsetFix | undefined;
  const statement = keras ? `${keras}.mixed_precision.set_global_policy("mixed_float16")` : tf ? `${tf}.keras.mixed_precision.set_global_policy("mixed_float16")` : null;
  const importEnd = statement ? lastTopLevelImportEnd(source) : null;
  if (statement && importEnd !== null) {
    fix = { title: 'Set the mixed_float16 policy before building the model', safety: 'unsafe', edits: [{ start: importEnd, end: importEnd, newText: `${source.lines.eol}${source.lines.eol}${statement}` }] };
  }
  context.report({
    ...callRange(source, call),
    message: `Keras fit() trains in float32: no mixed-precision policy is set. Call keras.mixed_precision.set_global_policy("mixed_float16") (or "mixed_bfloat16") before building the model: ${KERAS_GAIN}.`,
    fix,
  });
}

function lastTopLevelImportEnd(source: PythonSource): number | null {
  const imports = source.root.children.filter((s) => s.type === 'import_statement' || s.type === 'import_from_statement');
  const last = imports[imports.length - 1];
  return last ? source.lines.lineEnd(source.lines.positionAt(last.end).line) : null;
}

/** Whether the file already uses reduced precision somewhere (autocast, GradScaler, half/bfloat16 models). */
function usesReducedPrecision(source: PythonSource): boolean {
  for (const call of source.nodes('call')) {
    const callee = source.calleeName(call) ?? '';
    const method = source.methodName(call) ?? '';
    if (/autocast$|GradScaler$/.test(callee) || method === 'autocast' || method === 'half' || method === 'bfloat16') return true;
  }
  return source.nodes('attribute').some((a) => /^(float16|bfloat16|half)$/.test(source.textOf(field(a, 'attribute') ?? a)));
}

/** A hand-written loop with backward() and step() and no autocast, in CUDA code. */
function checkLoops(context: PythonContext): void {
  const { source } = context;
  if (!source.usesCuda || usesReducedPrecision(source)) return;
  const torch = moduleAlias(source, 'torch');
  for (const { backward } of trainingLoops(source)) {
    const receiver = source.receiver(backward);
    if (!receiver || source.positionalArgs(backward).length > 0) continue; // accelerator.backward(loss): Accelerate decides precision
    const lossStatement = receiver.type === 'identifier' ? lossAssignment(source, backward, source.textOf(receiver)) : null;
    const target = lossStatement ?? backward;
    const message =
      `This training loop runs forward and loss in full fp32 (no torch.autocast). Wrap the forward pass and loss in ` +
      `with torch.autocast(device_type="cuda", dtype=torch.bfloat16): (float16 with torch.amp.GradScaler on GPUs older than Ampere): ${AMP_GAIN}.`;
    const report: Report = { start: target.start, end: target.end, message };
    if (lossStatement) {
      const edits = wrapInAutocast(source, lossStatement, torch ?? 'torch');
      if (edits) report.fix = { title: 'Run the forward pass and loss under torch.autocast (bf16)', safety: 'unsafe', edits: torch ? edits : [...edits, ensureImport(source, 'import torch', lossStatement)!] };
    }
    context.report(report);
  }
}

/** The statement `loss = ...` nearest before `loss.backward()` in the same block. */
function lossAssignment(source: PythonSource, backward: PyNode, name: string): PyNode | null {
  let statement: PyNode | null = backward;
  while (statement && statement.parent?.type !== 'block') statement = statement.parent;
  if (!statement) return null;
  const block = statement.parent!;
  const index = block.children.indexOf(statement);
  for (let i = index - 1; i >= 0; i--) {
    const candidate = block.children[i];
    const assignment = candidate.type === 'expression_statement' ? candidate.children[0] : null;
    if (assignment?.type !== 'assignment' && assignment?.type !== 'augmented_assignment') continue;
    const left = field(assignment, 'left');
    if (left && source.textOf(left) === name) return candidate;
  }
  return null;
}

/** Names a statement assigns. */
function assignedNames(source: PythonSource, statement: PyNode): string[] {
  const assignment = statement.type === 'expression_statement' ? statement.children[0] : null;
  if (assignment?.type !== 'assignment') return [];
  const left = field(assignment, 'left');
  if (!left) return [];
  return left.type === 'identifier' ? [source.textOf(left)] : left.children.filter((c) => c.type === 'identifier').map((c) => source.textOf(c));
}

/**
 * Indents the forward pass and the loss one level under a new `with torch.autocast(...)` line.
 * The forward pass is the run of statements just before the loss that assign names the loss
 * (or a later statement of the run) uses. No fix when a statement holds a multi-line string,
 * whose text would change with the indentation.
 */
function wrapInAutocast(source: PythonSource, lossStatement: PyNode, torch: string): OffsetEdit[] | null {
  const block = lossStatement.parent!;
  const index = block.children.indexOf(lossStatement);
  let first = index;
  // The statements' own identifiers (walking them, not testing every identifier of the file).
  const used = new Set(descendants(lossStatement, 'identifier').map((id) => source.textOf(id)));
  for (let i = index - 1; i >= 0; i--) {
    const candidate = block.children[i];
    if (candidate.type === 'comment') continue;
    const names = assignedNames(source, candidate);
    if (names.length === 0 || !names.some((n) => used.has(n))) break;
    for (const id of descendants(candidate, 'identifier')) used.add(source.textOf(id));
    first = i;
  }
  const firstLine = source.lines.positionAt(block.children[first].start).line;
  const lastLine = source.lines.positionAt(lossStatement.end).line;
  for (const string of source.nodes('string')) {
    if (string.start >= block.children[first].start && string.end <= lossStatement.end && source.lines.positionAt(string.start).line !== source.lines.positionAt(string.end).line) return null;
  }
  const indent = indentOf(source.lines.lineText(firstLine));
  const unit = indent.includes('\t') ? '\t' : '    ';
  const eol = source.lines.eol;
  const edits: OffsetEdit[] = [];
  const start = source.lines.lineStart(firstLine);
  edits.push({ start, end: start, newText: `${indent}with ${torch}.autocast(device_type="cuda", dtype=${torch}.bfloat16):${eol}` });
  for (let line = firstLine; line <= lastLine; line++) {
    if (source.lines.lineText(line).trim() === '') continue;
    const lineStart = source.lines.lineStart(line);
    if (line === firstLine) edits[0] = { start, end: start, newText: `${edits[0].newText}${unit}` };
    else edits.push({ start: lineStart, end: lineStart, newText: unit });
  }
  return edits;
}

function checkPython(context: PythonContext): void {
  const { source } = context;
  for (const call of source.nodes('call')) {
    const callee = source.calleeName(call);
    if (callee?.startsWith('transformers.')) checkTrainingArguments(context, call, callee);
    else if (callee?.startsWith('lightning.')) checkLightningTrainer(context, call, callee);
    else if (callee?.startsWith('accelerate.')) checkAccelerator(context, call, callee);
    else checkKerasFit(context, call);
  }
  checkLoops(context);
}

const CONFIG_ADVICE = `${AMP_GAIN}`;

function isOff(node: ConfigNode | null): boolean {
  const value = scalarValue(node);
  return value === false || value === 'no' || value === 'false' || value === 'False';
}

function isOn(node: ConfigNode | null): boolean {
  const value = scalarValue(node);
  return value === true || value === 'auto' || value === 'true' || value === 'True';
}

function firstLine(context: ConfigContext): { start: number; end: number } {
  const { config } = context;
  const root = config.root!;
  const start = root.kind === 'map' && root.entries[0] ? root.entries[0].keyStart : root.start;
  return { start, end: config.lines.lineEnd(config.lines.positionAt(start).line) };
}

/** HF TrainingArguments as YAML/JSON: bf16/fp16 false or (for plain TrainingArguments files) missing. */
function checkHfConfig(context: ConfigContext): void {
  const { config } = context;
  const root = config.root as ConfigMap;
  const bf16 = config.entry(['bf16']);
  const fp16 = config.entry(['fp16']);
  if ((bf16 && !isOff(bf16.value)) || (fp16 && !isOff(fp16.value))) return;
  if (isOn(config.get(['use_cpu'])) || isOn(config.get(['no_cuda']))) return;
  const explicit = bf16 ?? fp16;
  if (explicit) {
    const fixEdit = explicit === bf16 ? replaceValue(bf16.value!, 'true') : insertEntry(config, root, 'bf16', 'true');
    context.report({
      start: explicit.keyStart,
      end: explicit.value?.end ?? explicit.keyEnd,
      message: `${explicit.key}: false trains in full fp32. Set bf16: true (Ampere or newer GPUs; fp16: true on older ones): ${CONFIG_ADVICE}.`,
      fix: fixEdit ? { title: 'Train with bf16 mixed precision', safety: 'unsafe', edits: [fixEdit] } : undefined,
    });
    return;
  }
  // TRL and axolotl defaults for bf16 changed across versions: only explicit settings are judged there.
  if (config.flavors.has('trl-recipe') || config.flavors.has('axolotl')) return;
  const edit = insertEntry(config, root, 'bf16', 'true');
  context.report({
    ...firstLine(context),
    message: `These TrainingArguments set neither bf16 nor fp16 (both default to false), so training runs in full fp32. Add bf16: true (fp16: true on GPUs older than Ampere): ${CONFIG_ADVICE}.`,
    fix: edit ? { title: 'Train with bf16 mixed precision', safety: 'unsafe', edits: [edit] } : undefined,
  });
}

function checkLightningConfig(context: ConfigContext, trainer: ConfigMap): void {
  const { config } = context;
  if (scalarValue(trainer.entries.find((e) => e.key === 'accelerator')?.value ?? null) === 'cpu') return;
  const precision = trainer.entries.find((e) => e.key === 'precision');
  const advice = `Use precision: bf16-mixed (16-mixed on GPUs older than Ampere): ${CONFIG_ADVICE}.`;
  if (precision) {
    const value = scalarValue(precision.value);
    if (!(value === 32 || value === '32' || value === '32-true') || !precision.value) return;
    context.report({
      start: precision.keyStart,
      end: precision.value.end,
      message: `trainer precision ${value} trains in full fp32. ${advice}`,
      fix: { title: 'Train with bf16 mixed precision', safety: 'unsafe', edits: [replaceValue(precision.value, config.format === 'json' ? '"bf16-mixed"' : 'bf16-mixed')] },
    });
    return;
  }
  const edit = insertEntry(config, trainer, 'precision', config.format === 'json' ? '"bf16-mixed"' : 'bf16-mixed');
  const trainerEntry = config.root?.kind === 'map' ? config.root.entries.find((e) => e.value === trainer) : undefined;
  const where = trainerEntry ? { start: trainerEntry.keyStart, end: trainerEntry.keyEnd } : firstLine(context);
  context.report({
    ...where,
    message: `This Lightning Trainer config sets no precision, so it trains in full fp32 (32-true is the default). ${advice}`,
    fix: edit ? { title: 'Train with bf16 mixed precision', safety: 'unsafe', edits: [edit] } : undefined,
  });
}

function checkAccelerateConfig(context: ConfigContext): void {
  const { config } = context;
  if (isOn(config.get(['use_cpu']))) return;
  const setting = config.entry(['mixed_precision']);
  const advice = `Use mixed_precision: bf16 (fp16 on GPUs older than Ampere): ${CONFIG_ADVICE}.`;
  if (setting) {
    if (!isOff(setting.value) || !setting.value) return;
    context.report({
      start: setting.keyStart,
      end: setting.value.end,
      message: `accelerate mixed_precision: 'no' trains in full fp32. ${advice}`,
      fix: { title: 'Train with bf16 mixed precision', safety: 'unsafe', edits: [replaceValue(setting.value, config.format === 'json' ? '"bf16"' : 'bf16')] },
    });
    return;
  }
  const edit = insertEntry(config, config.root as ConfigMap, 'mixed_precision', config.format === 'json' ? '"bf16"' : 'bf16');
  context.report({ ...firstLine(context), message: `This accelerate config sets no mixed_precision, so training runs in full fp32. ${advice}`, fix: edit ? { title: 'Train with bf16 mixed precision', safety: 'unsafe', edits: [edit] } : undefined });
}

function checkDeepSpeedConfig(context: ConfigContext): void {
  const { config } = context;
  const fp16 = config.entry(['fp16']);
  const bf16 = config.entry(['bf16']);
  const enabled = (entry: typeof fp16) => entry?.value?.kind === 'map' ? config.entry(['enabled'], entry.value) : null;
  const fp16Enabled = enabled(fp16);
  const bf16Enabled = enabled(bf16);
  if ((fp16Enabled && !isOff(fp16Enabled.value)) || (bf16Enabled && !isOff(bf16Enabled.value))) return;
  if ((fp16 && !fp16Enabled) || (bf16 && !bf16Enabled)) return; // a section without "enabled" is read as on by DeepSpeed only in some versions
  const advice = `Enable "bf16": {"enabled": true} (fp16 on GPUs older than Ampere; "auto" lets the HF Trainer decide): ${CONFIG_ADVICE}.`;
  const off = bf16Enabled ?? fp16Enabled;
  if (off && off.value) {
    context.report({
      start: off.keyStart,
      end: off.value.end,
      message: `DeepSpeed ${off === bf16Enabled ? 'bf16' : 'fp16'} is disabled, so training runs in full fp32. ${advice}`,
      fix: off === bf16Enabled ? { title: 'Enable bf16', safety: 'unsafe', edits: [replaceValue(off.value, 'true')] } : undefined,
    });
    return;
  }
  const edit = insertEntry(config, config.root as ConfigMap, 'bf16', config.format === 'json' ? '{"enabled": true}' : '{enabled: true}');
  context.report({ ...firstLine(context), message: `This DeepSpeed config enables neither fp16 nor bf16, so training runs in full fp32. ${advice}`, fix: edit ? { title: 'Enable bf16', safety: 'unsafe', edits: [edit] } : undefined });
}

function checkConfig(context: ConfigContext): void {
  const { config } = context;
  if (config.root?.kind !== 'map') return;
  if (config.flavors.has('deepspeed')) checkDeepSpeedConfig(context);
  else if (config.flavors.has('accelerate')) checkAccelerateConfig(context);
  else if (config.flavors.has('hf-training-args') || config.flavors.has('trl-recipe') || config.flavors.has('axolotl')) checkHfConfig(context);
  for (const trainer of lightningTrainerMaps(config.root)) checkLightningConfig(context, trainer);
}

export const noMixedPrecision: Rule = {
  id: 'no-mixed-precision',
  title: 'Training in full fp32 precision',
  defaultSeverity: 'warning',
  sources: ['python', 'config'],
  fixAvailability: 'sometimes',
  fixSafety: 'unsafe',
  // The calls checkPython judges, and training loops in files that use a GPU.
  triggers: ['TrainingArguments', ['Trainer', 'lightning'], ['Fabric', 'lightning'], ['Accelerator', 'accelerate'], ['keras', 'fit'], [...TRAINING_LOOP, MENTIONS_GPU]],
  docs: {
    whatItDoes:
      'Flags training set up in full fp32: transformers TrainingArguments / Seq2SeqTrainingArguments without bf16 or fp16; a Lightning Trainer without precision or with precision 32; Accelerator() without mixed_precision or with "no"; Keras fit() with no mixed-precision policy; a hand-written PyTorch loop (backward + optimizer step) in CUDA code with no torch.autocast; and configs with bf16/fp16 false or missing, trainer precision 32, accelerate mixed_precision "no", or DeepSpeed with neither fp16 nor bf16 enabled. TRL and axolotl recipes are judged only on explicit settings, because their defaults changed across versions.',
    whyItWastesEnergy:
      'Tensor cores run bf16/fp16 matrix products much faster than fp32, and half-size activations halve memory traffic. The PyTorch performance tuning guide cites up to 3x speed-up from automatic mixed precision on Volta and newer GPUs; the TensorFlow guide reports more than 3x on modern GPUs. Fewer GPU-hours for the same model means proportionally less energy.',
    example: {
      language: 'python',
      code: ['from transformers import TrainingArguments', '', 'args = TrainingArguments(output_dir="out", num_train_epochs=3)'].join('\n'),
    },
    useInstead: {
      language: 'python',
      code: ['from transformers import TrainingArguments', '', 'args = TrainingArguments(output_dir="out", num_train_epochs=3, bf16=True)'].join('\n'),
    },
    fixSafety:
      'Unsafe: mixed precision changes numerics (results differ in the last bits, and fp16 may need loss scaling). bf16 needs an Ampere or newer GPU; use fp16 on older ones. The loop fix wraps the forward pass and the loss (the statements the loss depends on) in torch.autocast and is not offered when that would re-indent a multi-line string.',
    sources: [
      'PyTorch Performance Tuning Guide — https://pytorch.org/tutorials/recipes/recipes/tuning_guide.html',
      'transformers TrainingArguments (fp16/bf16 default False) — huggingface/transformers src/transformers/training_args.py',
      'Lightning Trainer precision values — Lightning-AI/pytorch-lightning src/lightning/fabric/connector.py',
      'Accelerate Accelerator(mixed_precision) — huggingface/accelerate src/accelerate/accelerator.py',
      'TensorFlow mixed precision guide — https://www.tensorflow.org/guide/mixed_precision',
    ],
  },
  checkPython,
  checkConfig,
};
