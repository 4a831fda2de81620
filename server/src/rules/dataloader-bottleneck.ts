import { replaceValue } from '../engine/config/edits';
import { scalarValue, type ConfigNode } from '../engine/config/source';
import { addKeywordArguments, ensureImport, replaceNode } from '../engine/python/edits';
import type { PythonSource } from '../engine/python/source';
import { ancestor, field, fields, walk, type PyNode } from '../engine/python/tree';
import type { ConfigContext, PythonContext, Rule } from '../engine/rule';
import type { OffsetEdit } from '../engine/types';
import { isFrom, lastSegment } from './shared/python-patterns';
import { callRange } from './shared/ranges';

/** The worker count the fixes write in Python: a few workers per GPU, never more than the machine has cores. */
const WORKERS = (os: string) => `min(8, ${os}.cpu_count() or 1)`;
/** The worker count written in YAML/JSON configs, where no expression can be evaluated. */
const CONFIG_WORKERS = 4;

/** A `.to(...)` argument that changes the dtype or stays on the CPU rather than moving to a device. */
const NOT_A_DEVICE = /\b(dtype|float(16|32|64)?|half|bfloat16|int(8|16|32|64)?|long|bool|double|memory_format|cpu)\b/;

const GUIDE = 'the PyTorch performance tuning guide recommends num_workers > 0 and pin_memory=True (both default to off)';
const GUIDE_WORKERS = 'the PyTorch performance tuning guide recommends asynchronous data loading with num_workers > 0';

/** DataLoader's positional parameters: (dataset, batch_size, shuffle, sampler, batch_sampler, num_workers, collate_fn, pin_memory, ...). */
const NUM_WORKERS_POSITION = 5;
const PIN_MEMORY_POSITION = 7;

/** The number an expression holds: a literal, or a name assigned once from a literal (`EPOCHS = 20`). */
function numberValue(source: PythonSource, expr: PyNode | null): number | undefined {
  if (!expr) return undefined;
  const literal = source.literal(expr);
  if (typeof literal === 'number') return literal;
  if (typeof literal === 'boolean') return Number(literal);
  if (expr.type !== 'identifier') return undefined;
  const bindings = source.names.all(source.textOf(expr));
  if (bindings.length !== 1 || bindings[0].kind !== 'value') return undefined;
  const value = source.literal(bindings[0].value);
  return typeof value === 'number' ? value : undefined;
}

/**
 * Whether an expression builds its tensors on the GPU (`TensorDataset(x.cuda(), y.to(device))`,
 * `torch.randn(..., device="cuda")`), following names to their assignment a few levels deep. Such
 * a dataset cannot be pinned (pin_memory raises on CUDA tensors) and is already where it is used.
 */
function builtOnGpu(source: PythonSource, expr: PyNode | null, depth = 3): boolean {
  if (!expr || depth < 0) return false;
  switch (expr.type) {
    case 'identifier': {
      const binding = source.names.bindingAt(source.textOf(expr), expr.start);
      if (binding?.kind === 'call' || binding?.kind === 'value') return builtOnGpu(source, binding.value, depth - 1);
      return false;
    }
    case 'call': {
      const method = source.methodName(expr);
      if (method === 'cuda') return true;
      if (method === 'to') {
        const target = source.argument(expr, 'device', 0);
        if (target && !NOT_A_DEVICE.test(source.textOf(target))) return true;
      }
      const device = source.keywordValue(expr, 'device') ?? source.keywordValue(expr, 'map_location');
      if (device && source.stringValue(device)?.value !== 'cpu') return true;
      const receiver = source.receiver(expr);
      if (receiver && builtOnGpu(source, receiver, depth)) return true;
      const args = field(expr, 'arguments');
      if (!args) return false;
      return args.children.some((arg) => arg.named && builtOnGpu(source, arg.type === 'keyword_argument' ? field(arg, 'value') : arg, depth - 1));
    }
    case 'list':
    case 'tuple':
    case 'parenthesized_expression':
      return expr.children.some((child) => child.named && builtOnGpu(source, child, depth));
    default:
      return false;
  }
}

/** The class of this file a dataset is an instance of (`ds = MyDataset(...)`; `DataLoader(MyDataset(...))`). */
function datasetClass(source: PythonSource, dataset: PyNode | null): PyNode | null {
  if (!dataset) return null;
  let call: PyNode | null = dataset.type === 'call' ? dataset : null;
  if (dataset.type === 'identifier') {
    const binding = source.names.bindingAt(source.textOf(dataset), dataset.start);
    if (binding?.kind === 'call') call = binding.call;
  }
  const callee = call ? field(call, 'function') : null;
  if (!callee || callee.type !== 'identifier') return null;
  const name = source.textOf(callee);
  return source.nodes('class_definition').find((cls) => {
    const className = field(cls, 'name');
    return className !== null && source.textOf(className) === name;
  }) ?? null;
}

/** Whether a dataset is an instance of a class of this file that subclasses torch's IterableDataset. */
function isIterableDataset(source: PythonSource, dataset: PyNode | null): boolean {
  const cls = datasetClass(source, dataset);
  const bases = cls ? field(cls, 'superclasses') : null;
  return bases !== null && bases.children.some((base) => isFrom(source.qualifiedName(base), 'torch.utils.data', 'IterableDataset'));
}

/** Whether code moves tensors to the GPU: `.cuda()`, `.to(device)` (not a dtype or "cpu"), `device=...`. */
function movesToGpu(source: PythonSource, node: PyNode): boolean {
  let found = false;
  walk(node, (n) => {
    if (found) return false;
    if (n.type !== 'call') return;
    const method = source.methodName(n);
    const target = method === 'to' ? source.argument(n, 'device', 0) : null;
    const device = source.keywordValue(n, 'device');
    if (method === 'cuda') found = true;
    else if (target && !NOT_A_DEVICE.test(source.textOf(target))) found = true;
    else if (device && source.stringValue(device)?.value !== 'cpu') found = true;
  });
  return found;
}

/**
 * Whether batches come out of the DataLoader already on the GPU: the dataset class's
 * `__getitem__` / `__iter__` or the collate_fn moves them there. Pinning then raises ("cannot pin
 * a CUDA tensor") and worker processes cannot initialise CUDA in a forked process.
 */
function yieldsGpuBatches(source: PythonSource, call: PyNode, dataset: PyNode | null): boolean {
  const cls = datasetClass(source, dataset);
  const body = cls ? field(cls, 'body') : null;
  if (body) {
    for (const method of body.children) {
      const fn = method.type === 'decorated_definition' ? field(method, 'definition') : method;
      const name = fn?.type === 'function_definition' ? field(fn, 'name') : null;
      if (name && ['__getitem__', '__getitems__', '__iter__'].includes(source.textOf(name)) && movesToGpu(source, fn!)) return true;
    }
  }
  const collate = source.argument(call, 'collate_fn', 6);
  if (!collate) return false;
  if (collate.type === 'lambda') return movesToGpu(source, collate);
  if (collate.type === 'identifier') {
    const name = source.textOf(collate);
    const fn = source.nodes('function_definition').find((f) => {
      const fnName = field(f, 'name');
      return fnName !== null && source.textOf(fnName) === name;
    });
    return fn !== undefined && movesToGpu(source, fn);
  }
  return false;
}

/** The name `os` is imported under at the top level, if any. */
function topLevelOsName(source: PythonSource): string | null {
  for (const statement of source.nodes('import_statement')) {
    if (statement.parent?.type !== 'module') continue;
    for (const name of fields(statement, 'name')) {
      if (name.type === 'aliased_import') {
        const module = field(name, 'name');
        const alias = field(name, 'alias');
        if (module && alias && source.textOf(module) === 'os') return source.textOf(alias);
      } else if (/^os(\.|$)/.test(source.textOf(name))) return 'os';
    }
  }
  return null;
}

/**
 * The edits that make `os.cpu_count()` usable at `call`: nothing when `os` is imported at the top
 * level, else an `import os` line. Null when that cannot be done safely (the name `os` means
 * something else, or the import would land below module-level code that runs first).
 */
function osImport(source: PythonSource, call: PyNode): { name: string; edits: OffsetEdit[] } | null {
  const existing = topLevelOsName(source);
  if (existing) return { name: existing, edits: [] };
  if (source.names.all('os').some((b) => b.kind !== 'import')) return null;
  const edit = ensureImport(source, 'import os');
  if (!edit) return { name: 'os', edits: [] };
  const inFunction = ancestor(call, ['function_definition', 'lambda']) !== null;
  if (edit.start > call.start && !inFunction) return null;
  return { name: 'os', edits: [edit] };
}

/** `torch.utils.data.DataLoader(...)` in CUDA code without worker processes or pinned memory. */
function checkDataLoader(context: PythonContext, call: PyNode): void {
  const { source } = context;
  if (source.hasSplat(call)) return; // `**loader_kwargs` may set both
  const dataset = source.argument(call, 'dataset', 0);
  if (builtOnGpu(source, dataset) || yieldsGpuBatches(source, call, dataset)) return;
  const workersArg = source.keywordArg(call, 'num_workers');
  const workers = workersArg ? field(workersArg, 'value') : (source.positionalArgs(call)[NUM_WORKERS_POSITION] ?? null);
  const pinArg = source.keywordArg(call, 'pin_memory');
  const pin = pinArg ? field(pinArg, 'value') : (source.positionalArgs(call)[PIN_MEMORY_POSITION] ?? null);
  const workersValue = workers ? source.literal(workers) : 0;
  const pinValue = pin ? source.literal(pin) : false;
  // Only literal 0 / False (or the default) count: a variable means the user configures it.
  const noWorkers = workersValue === 0;
  const noPin = pinValue === false;
  if (!noWorkers && !noPin) return;

  const problems: string[] = [];
  const advice: string[] = [];
  if (noWorkers) {
    problems.push(`loads and collates every batch in the training process (${workers ? `num_workers=${source.textOf(workers)}${workersArg ? '' : ' by position'}` : 'num_workers defaults to 0'})`);
    advice.push('num_workers=min(8, os.cpu_count() or 1) so worker processes prepare the next batches while the GPU computes (each worker holds its own copy of the dataset: 8 is a cap to tune, not a target)');
  }
  if (noPin) {
    problems.push(`copies batches to the GPU from pageable memory (${pin ? `pin_memory=${source.textOf(pin)}${pinArg ? '' : ' by position'}` : 'pin_memory defaults to False'})`);
    advice.push('pin_memory=True so host-to-GPU copies come from page-locked memory and can overlap compute with .to(device, non_blocking=True)');
  }
  const persistent = source.keywordArg(call, 'persistent_workers');
  if (noWorkers && !persistent) advice.push('persistent_workers=True to keep the workers alive between epochs');
  const iterable = noWorkers && isIterableDataset(source, dataset);
  const message =
    `DataLoader(...) ${problems.join(' and ')}, ${noWorkers ? 'so the GPU waits idle while each batch is prepared' : 'so every host-to-GPU copy blocks and goes through an extra staging buffer'}. ` +
    `Set ${advice.join('; ')}: ${GUIDE}.` +
    (iterable ? ' This dataset is an IterableDataset: shard it per worker with torch.utils.data.get_worker_info() first, or every worker yields the whole dataset.' : '');

  let fix;
  const edits: OffsetEdit[] = [];
  const added: string[] = [];
  let fixable = !iterable;
  if (noWorkers && fixable) {
    const os = osImport(source, call);
    if (!os) fixable = false;
    else {
      edits.push(...os.edits);
      if (workers) edits.push(replaceNode(workers, WORKERS(os.name)));
      else added.push(`num_workers=${WORKERS(os.name)}`);
    }
  }
  if (noPin && fixable) {
    if (pin) edits.push(replaceNode(pin, 'True'));
    else added.push('pin_memory=True');
  }
  if (noWorkers && fixable && !persistent) added.push('persistent_workers=True');
  if (fixable && added.length > 0) {
    const insertion = addKeywordArguments(source, call, added);
    if (insertion) edits.push(insertion);
    else fixable = false;
  }
  if (fixable && edits.length > 0) {
    const what = [noWorkers ? 'worker processes' : '', noPin ? 'pinned memory' : ''].filter(Boolean).join(' and ');
    fix = { title: `Load batches with ${what}`, safety: 'unsafe' as const, edits };
  }
  context.report({ ...callRange(source, call), message, fix });
}

const HF_ARGUMENT_LIBRARIES = ['transformers', 'trl'];

/** `TrainingArguments(dataloader_num_workers=0, num_train_epochs=20)`: an explicit 0 on a long run. */
function checkTrainingArguments(context: PythonContext, call: PyNode, callee: string): void {
  const { source, settings } = context;
  const setting = source.keywordArg(call, 'dataloader_num_workers');
  if (!setting || source.hasSplat(call)) return;
  const value = field(setting, 'value');
  if (numberValue(source, value) !== 0) return;
  if (numberValue(source, source.keywordValue(call, 'use_cpu')) === 1 || numberValue(source, source.keywordValue(call, 'no_cuda')) === 1) return;
  const maxSteps = source.keywordValue(call, 'max_steps');
  if (maxSteps && !((numberValue(source, maxSteps) ?? 1) <= 0)) return; // max_steps > 0 overrides the epochs
  const epochs = numberValue(source, source.keywordValue(call, 'num_train_epochs'));
  if (epochs === undefined || epochs < settings.thresholds.earlyStoppingEpochs) return;
  const name = lastSegment(callee);
  const os = osImport(source, call);
  context.report({
    start: setting.start,
    end: setting.end,
    message:
      `${name}(dataloader_num_workers=0) loads every batch in the training process for all ${epochs} epochs, so the GPU waits idle while each batch is prepared. ` +
      `Set dataloader_num_workers=min(8, os.cpu_count() or 1) so worker processes prepare the next batches while the GPU computes: ${GUIDE_WORKERS}.`,
    fix: os ? { title: 'Load batches in worker processes (dataloader_num_workers)', safety: 'unsafe', edits: [...os.edits, replaceNode(value!, WORKERS(os.name))] } : undefined,
  });
}

function checkPython(context: PythonContext): void {
  const { source } = context;
  for (const call of source.nodes('call')) {
    const callee = source.calleeName(call);
    if (!callee) continue;
    if (isFrom(callee, 'torch.utils.data', 'DataLoader')) {
      if (source.usesCuda) checkDataLoader(context, call);
    } else if (HF_ARGUMENT_LIBRARIES.some((library) => isFrom(callee, library))) checkTrainingArguments(context, call, callee);
  }
}

function configNumber(node: ConfigNode | null): number | undefined {
  const value = scalarValue(node);
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  return undefined;
}

/** HF TrainingArguments / TRL / axolotl configs: `dataloader_num_workers: 0` on a long run. */
function checkConfig(context: ConfigContext): void {
  const { config, settings } = context;
  if (config.root?.kind !== 'map') return;
  if (!['hf-training-args', 'trl-recipe', 'axolotl'].some((flavor) => config.flavors.has(flavor as never))) return;
  const setting = config.entry(['dataloader_num_workers']);
  if (!setting?.value || configNumber(setting.value) !== 0) return;
  const on = (key: string) => [true, 'true', 'True'].includes(scalarValue(config.get([key])) as never);
  if (on('use_cpu') || on('no_cuda')) return;
  const maxSteps = config.get(['max_steps']);
  if (maxSteps && !((configNumber(maxSteps) ?? 1) <= 0)) return;
  const epochsEntry = config.entry(['num_train_epochs']) ?? config.entry(['num_epochs']);
  const epochs = configNumber(epochsEntry?.value ?? null);
  if (!epochsEntry || epochs === undefined || epochs < settings.thresholds.earlyStoppingEpochs) return;
  context.report({
    start: setting.keyStart,
    end: setting.value.end,
    message:
      `dataloader_num_workers: 0 loads every batch in the training process for all ${epochs} epochs (${epochsEntry.key}), so the GPU waits idle while each batch is prepared. ` +
      `Set dataloader_num_workers: ${CONFIG_WORKERS} (up to the CPU cores available per GPU) so worker processes prepare the next batches while the GPU computes: ${GUIDE_WORKERS}.`,
    fix: { title: `Load batches in ${CONFIG_WORKERS} worker processes`, safety: 'unsafe', edits: [replaceValue(setting.value, String(CONFIG_WORKERS))] },
  });
}

export const dataloaderBottleneck: Rule = {
  id: 'dataloader-bottleneck',
  title: 'GPU training fed by a single-process, unpinned DataLoader',
  defaultSeverity: 'warning',
  sources: ['python', 'config'],
  fixAvailability: 'sometimes',
  fixSafety: 'unsafe',
  triggers: ['DataLoader', 'dataloader_num_workers'],
  docs: {
    whatItDoes:
      'Flags a torch.utils.data.DataLoader (any import spelling) in CUDA code that has no worker processes (num_workers missing or 0) or no pinned memory (pin_memory missing or False), and an explicit dataloader_num_workers=0 on a long Hugging Face run (num_train_epochs at or above the early-stopping-epochs threshold, 10 by default, with no max_steps) in TrainingArguments, TRL configs and YAML/JSON training configs. ' +
      'It stays silent in code that never names CUDA (pinned memory is useless there), when the values come from variables or `**kwargs`, when the dataset is built from GPU tensors, and when the run is CPU-only (use_cpu).',
    whyItWastesEnergy:
      'With num_workers=0 the training process itself reads, decodes, augments and collates each batch while the GPU waits; with pageable memory every host-to-GPU copy is synchronous and goes through an extra staging copy. The GPU keeps drawing power while it idles. The PyTorch performance tuning guide recommends asynchronous data loading with num_workers > 0 and pin_memory=True; both default to off (num_workers=0, pin_memory=False, persistent_workers=False in torch 2.14.1; dataloader_num_workers=0 in transformers).',
    example: {
      language: 'python',
      code: [
        'import torch',
        'from torch.utils.data import DataLoader',
        '',
        'loader = DataLoader(train_set, batch_size=64, shuffle=True)',
        'for images, labels in loader:',
        '    images, labels = images.cuda(), labels.cuda()',
      ].join('\n'),
    },
    useInstead: {
      language: 'python',
      code: [
        'import os',
        'import torch',
        'from torch.utils.data import DataLoader',
        '',
        'loader = DataLoader(train_set, batch_size=64, shuffle=True, num_workers=min(8, os.cpu_count() or 1), pin_memory=True, persistent_workers=True)',
        'for images, labels in loader:',
        '    images, labels = images.cuda(non_blocking=True), labels.cuda(non_blocking=True)',
      ].join('\n'),
    },
    fixSafety:
      'Unsafe: worker processes change how the dataset runs. The dataset and collate_fn must be picklable (on Windows and macOS workers are spawned, and the script must guard its entry point with `if __name__ == "__main__":`), each worker holds its own copy of the dataset, random augmentations are seeded per worker, an IterableDataset must shard itself per worker (no fix is offered for one defined in the file), and persistent workers keep dataset state between epochs. ' +
      'The fix sets num_workers=min(8, os.cpu_count() or 1) (adding `import os` when needed), pin_memory=True and persistent_workers=True; in configs it sets dataloader_num_workers to 4. In a notebook whose `os` import would go into another cell, no fix is offered.',
    sources: [
      'PyTorch Performance Tuning Guide, "Enable asynchronous data loading and augmentation" — https://pytorch.org/tutorials/recipes/recipes/tuning_guide.html',
      'torch.utils.data.DataLoader defaults (num_workers=0, pin_memory=False, persistent_workers=False; torch 2.14.1) — pytorch/pytorch torch/utils/data/dataloader.py',
      'transformers TrainingArguments dataloader_num_workers (default 0: "the data will be loaded in the main process") — huggingface/transformers src/transformers/training_args.py',
      'TorchFix issue #96 (a num_workers rule must say what to set) — meta-pytorch/torchfix#96',
    ],
  },
  checkPython,
  checkConfig,
};
