import type { ConfigNode, ConfigSource } from '../engine/config/source';
import { ensureImport } from '../engine/python/edits';
import type { PythonSource } from '../engine/python/source';
import { field, type PyNode } from '../engine/python/tree';
import type { ConfigContext, PythonContext, Rule } from '../engine/rule';
import type { OffsetEdit, OffsetFix } from '../engine/types';
import { allModels, modelAlternatives, sourceRef, type ModelEntry, type ModelKind, type ResolvedAlternative } from '../knowledge';
import {
  catalogued,
  companionIdExprs,
  CONFIG_COMPANION_KEYS,
  CONFIG_MODEL_KEYS,
  configStringEntries,
  modelIdLoad,
  replaceConfigString,
  replaceStringContent,
  replacementId,
  type ModelIdLoad,
} from './shared/model-ids';
import { isFrom, lastSegment } from './shared/python-patterns';
import { escapeRegExp } from '../engine/text';
import { callRange } from './shared/ranges';

const HUB_KINDS: readonly ModelKind[] = ['hf', 'sentence-transformers'];

/** The short form of a knowledge source, for messages: its title. */
function cite(tag: string): string {
  return `[${sourceRef(tag).title}]`;
}

/** The alternative a fix switches to: the catalogue's first one that is not itself oversized (optionally of a given family). */
function chooseAlternative(entry: ModelEntry, accept: (alternative: ModelEntry) => boolean = () => true): ResolvedAlternative | undefined {
  return modelAlternatives(entry).find((a) => !a.model.oversized && accept(a.model));
}

function sizePhrase(entry: ModelEntry): string {
  if (entry.parametersText) return `has ${entry.parametersText} parameters ${cite(entry.source)}`;
  if (entry.speed) return `is a large checkpoint (${entry.speed}) ${cite(entry.source)}`;
  return `is a large checkpoint with smaller siblings ${cite(entry.source)}`;
}

/**
 * `head` names the construct, the id as written and the catalogued model, up to where its size
 * follows. The numbers are the catalogue's: the model's size, then the alternative's published
 * claim with its source.
 */
function message(head: string, entry: ModelEntry, alternative: ResolvedAlternative | undefined, shownId: string): string {
  const all = modelAlternatives(entry);
  const chosen = alternative ?? all[0];
  let text = `${head} ${sizePhrase(entry)}.`;
  if (chosen) {
    text += ` Smaller alternative ${alternative ? shownId : chosen.id}: ${chosen.claim.replace(/\.?$/, '')} ${cite(chosen.source)}.`;
    const others = all.filter((a) => a.id !== chosen.id).map((a) => a.id);
    if (others.length > 0) text += ` Also catalogued: ${others.join(', ')}.`;
    text += ' Switch if its quality is enough for the task: a smaller model spends less energy on every training step and every prediction.';
  }
  return text;
}

// ---------------------------------------------------------------------------------------------------------
// Model ids in loading calls

/** A pinned `revision=` (a commit or tag of this checkpoint) does not exist in the alternative's repository. */
function pinsRevision(source: PythonSource, call: PyNode): boolean {
  const revision = source.keywordValue(call, 'revision');
  return revision !== null && source.stringLiteral(revision) !== 'main';
}

/** Replaces the flagged id and the same checkpoint in tokenizer / processor / config loads of the file. */
function idFix(source: PythonSource, literal: PyNode, written: string, entry: ModelEntry, alternative: ResolvedAlternative, kinds: readonly ModelKind[]): OffsetFix | undefined {
  const newId = replacementId(written, entry, alternative.model);
  const main = replaceStringContent(source, literal, newId);
  if (!main) return undefined;
  const edits: OffsetEdit[] = [main];
  const done = new Set<number>([literal.start]);
  let companions = 0;
  if (kinds.includes('hf')) {
    for (const call of source.nodes('call')) {
      const callee = source.calleeName(call);
      if (!callee?.startsWith('transformers.')) continue;
      for (const expr of companionIdExprs(source, call, callee)) {
        const at = source.stringValue(expr);
        if (!at || done.has(at.node.start) || catalogued(at.value, HUB_KINDS) !== entry) continue;
        if (pinsRevision(source, call)) return undefined;
        const edit = replaceStringContent(source, at.node, replacementId(at.value, entry, alternative.model));
        if (!edit) return undefined;
        done.add(at.node.start);
        edits.push(edit);
        companions++;
      }
    }
  }
  return {
    title: `Use ${newId} instead of ${written}${companions > 0 ? ' (model and its tokenizer/processor/config)' : ''}`,
    safety: 'unsafe',
    edits,
  };
}

/** torchvision.models.get_model("resnet152", weights=...) can switch names only with weights the other model also has. */
function weightsPortable(source: PythonSource, call: PyNode): boolean {
  const weights = source.keywordValue(call, 'weights');
  return !weights || weights.type === 'none' || source.stringLiteral(weights) === 'DEFAULT';
}

/** `AutoModel.from_pretrained(...)` with the argument's text in place of the last `...`. */
function spelledWith(construct: string, argument: string): string {
  const at = construct.lastIndexOf('...');
  return at < 0 ? construct : `${construct.slice(0, at)}${argument}${construct.slice(at + 3)}`;
}

function checkLoad(context: PythonContext, call: PyNode, load: ModelIdLoad, reported: Set<number>): void {
  const { source } = context;
  const at = source.stringValue(load.idExpr);
  if (!at) return;
  const entry = catalogued(at.value, load.kinds);
  if (!entry?.oversized || reported.has(at.node.start)) return;
  reported.add(at.node.start);
  const alternative = chooseAlternative(entry);
  const portable = load.kinds.includes('torchvision') ? weightsPortable(source, call) && !source.hasSplat(call) : !pinsRevision(source, call);
  const fix = alternative && portable ? idFix(source, at.node, at.value, entry, alternative, load.kinds) : undefined;
  const viaConstant = at.node !== load.idExpr;
  const named = at.value === entry.id ? ', which' : `: ${entry.id}`;
  const head = viaConstant
    ? `"${at.value}" is loaded as a model by ${spelledWith(load.construct, source.textOf(load.idExpr))}${named}`
    : `${load.construct} loads "${at.value}"${named}`;
  const shown = alternative ? replacementId(at.value, entry, alternative.model) : '';
  context.report({ start: at.node.start, end: at.node.end, message: message(head, entry, alternative, shown), fix });
}

// ---------------------------------------------------------------------------------------------------------
// Builders: torchvision.models.resnet152(...), keras.applications.ResNet152(...)

interface Builder {
  /** Catalogue id: `resnet152` or `keras.applications.ResNet152`. */
  id: string;
  /** The module builders are imported from, canonical: `torchvision.models` or `keras.applications`. */
  module: string;
  /** Keyword arguments every builder of the family accepts with the same meaning. */
  portableKeywords: readonly string[];
  /** Whether a `weights=` value also exists for the alternative (None, or the generic default). */
  weightsPortable: (value: PyNode) => boolean;
  /** Attributes that exist on every model of the framework (reading them does not tie code to one architecture). */
  genericAttributes: readonly string[];
  family: (name: string) => string;
}

type BuilderFamily = Omit<Builder, 'id' | 'weightsPortable'>;

const TORCHVISION: BuilderFamily = {
  module: 'torchvision.models',
  portableKeywords: ['weights', 'pretrained', 'progress', 'num_classes'],
  genericAttributes: ['training'],
  family: (name) => /^[a-z]+/.exec(name)?.[0] ?? name,
};

const KERAS: BuilderFamily = {
  module: 'keras.applications',
  portableKeywords: ['include_top', 'weights', 'input_tensor', 'input_shape', 'pooling', 'classes', 'classifier_activation', 'name'],
  genericAttributes: ['trainable', 'output', 'outputs', 'input', 'inputs', 'name'],
  family: (name) => /^(.*?)(?=\d|B\d|V\d|Large|Small|Tiny|Base|XLarge|$)/.exec(name)?.[1] || name,
};

function builderOf(source: PythonSource, callee: string): Builder | null {
  const torchvision = /^torchvision\.models\.(?:[a-z_][a-z0-9_]*\.)?([a-z][a-z0-9_]*)$/.exec(callee);
  if (torchvision) return { ...TORCHVISION, id: torchvision[1], weightsPortable: (v) => v.type === 'none' || source.stringLiteral(v) === 'DEFAULT' };
  const keras = /^keras\.applications\.(?:[a-z_][a-z0-9_]*\.)?([A-Z]\w*)$/.exec(callee);
  if (keras) return { ...KERAS, id: `keras.applications.${keras[1]}`, weightsPortable: (v) => v.type === 'none' || source.stringLiteral(v) === 'imagenet' };
  return null;
}

/** The assignment target of a call (`model = f()` → `model`, `self.backbone = f()` → `self.backbone`). */
function assignedTarget(source: PythonSource, call: PyNode): string | null {
  const parent = call.parent;
  if (parent?.type !== 'assignment' || field(parent, 'right') !== call) return null;
  const left = field(parent, 'left');
  return left && (left.type === 'identifier' || left.type === 'attribute') ? source.textOf(left) : null;
}

/**
 * Whether the code depends on the architecture it builds: it reaches into the model's submodules
 * (`model.fc`, `model.heads.head`), slices its children, or uses a family-specific Keras
 * `preprocess_input` / `decode_predictions`. Then only an alternative of the same family keeps it working.
 */
function architectureDependent(source: PythonSource, call: PyNode, builder: Builder): boolean {
  if (builder.module === 'keras.applications') {
    for (const node of [...source.nodes('attribute'), ...source.nodes('identifier')]) {
      const name = source.qualifiedName(node);
      if (name && /^keras\.applications\.\w+\.(preprocess_input|decode_predictions)$/.test(name)) return true;
    }
  }
  const target = assignedTarget(source, call);
  if (!target) return true;
  for (const attribute of source.nodes('attribute')) {
    const object = field(attribute, 'object');
    const name = field(attribute, 'attribute');
    if (!object || !name || source.textOf(object) !== target || attribute.start < call.end) continue;
    const isMethodCall = attribute.parent?.type === 'call' && field(attribute.parent, 'function') === attribute;
    if (!isMethodCall && !builder.genericAttributes.includes(source.textOf(name))) return true;
  }
  return false;
}

/** Renames the builder at the call (and imports the new name when the old one was imported bare). */
function builderRename(source: PythonSource, call: PyNode, builder: Builder, newName: string): OffsetEdit[] | null {
  const fn = field(call, 'function');
  if (!fn) return null;
  if (fn.type === 'attribute') {
    const object = field(fn, 'object');
    const attribute = field(fn, 'attribute');
    if (!object || !attribute || source.qualifiedName(object) !== builder.module) return null;
    return [{ start: attribute.start, end: attribute.end, newText: newName }];
  }
  if (fn.type !== 'identifier') return null;
  const binding = source.names.bindingAt(source.textOf(fn), fn.start);
  if (binding?.kind !== 'import' || lastSegment(binding.qualified) !== source.textOf(fn)) return null;
  // `from tensorflow.keras.applications.resnet import ResNet152` → import the new name from `tensorflow.keras.applications`.
  const tail = builder.module.slice(builder.module.lastIndexOf('.') + 1);
  const parts = binding.qualified.split('.');
  const moduleEnd = parts.lastIndexOf(tail);
  if (moduleEnd < 0) return null;
  const module = parts.slice(0, moduleEnd + 1).join('.');
  const edits: OffsetEdit[] = [{ start: fn.start, end: fn.end, newText: newName }];
  const existing = source.names.bindingAt(newName, call.start);
  if (!(existing?.kind === 'import' && existing.qualified === `${module}.${newName}`)) {
    if (existing) return null;
    const importEdit = ensureImport(source, `from ${module} import ${newName}`, call);
    if (importEdit) edits.push(importEdit);
  }
  return edits;
}

function builderFixable(source: PythonSource, call: PyNode, builder: Builder): boolean {
  if (source.hasSplat(call) || source.positionalArgs(call).length > 0) return false;
  const args = field(call, 'arguments');
  for (const arg of args?.children ?? []) {
    if (arg.type !== 'keyword_argument') continue;
    const key = field(arg, 'name');
    const value = field(arg, 'value');
    const name = key ? source.textOf(key) : '';
    if (!builder.portableKeywords.includes(name) || !value) return false;
    if (name === 'weights' && !builder.weightsPortable(value)) return false;
    if (name === 'pretrained' && value.type !== 'true' && value.type !== 'false') return false;
  }
  return true;
}

/** The builder names of oversized torchvision / Keras entries (what checkBuilder can report), any case. */
const OVERSIZED_BUILDER = new RegExp(
  allModels()
    .filter((m) => m.oversized && (m.kind === 'torchvision' || m.kind === 'keras'))
    .flatMap((m) => [m.id, ...m.aliases].map((id) => escapeRegExp(lastSegment(id))))
    .join('|'),
  'i',
);

function checkBuilder(context: PythonContext, call: PyNode, callee: string): void {
  const { source } = context;
  const builder = builderOf(source, callee);
  if (!builder) return;
  const entry = catalogued(builder.id, [builder.module === 'keras.applications' ? 'keras' : 'torchvision']);
  if (!entry?.oversized) return;
  const name = lastSegment(entry.id);
  const dependent = architectureDependent(source, call, builder);
  const alternative = chooseAlternative(entry, (alt) => !dependent || builder.family(lastSegment(alt.id)) === builder.family(name));
  const newName = alternative ? lastSegment(alternative.id) : '';
  const edits = alternative && builderFixable(source, call, builder) ? builderRename(source, call, builder, newName) : null;
  const shown = builder.module === 'keras.applications' ? `keras.applications.${name}` : `torchvision.models.${name}`;
  context.report({
    ...callRange(source, call),
    message: message(`${shown}(...) builds ${name}, which`, entry, alternative, alternative ? `${builder.module}.${newName}` : ''),
    fix: edits ? { title: `Build ${newName} instead of ${name}`, safety: 'unsafe', edits } : undefined,
  });
}

function checkPython(context: PythonContext): void {
  const { source } = context;
  const reported = new Set<number>();
  for (const call of source.nodes('call')) {
    const callee = source.calleeName(call);
    if (!callee) continue;
    const load = modelIdLoad(source, call, callee);
    if (load) checkLoad(context, call, load, reported);
    else if (isFrom(callee, 'torchvision.models') || isFrom(callee, 'keras.applications')) checkBuilder(context, call, callee);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Configs

function checkConfig(context: ConfigContext): void {
  const { config } = context;
  if (config.flavors.size === 0) return;
  for (const { entry: configEntry, value } of configStringEntries(config, CONFIG_MODEL_KEYS)) {
    const entry = catalogued(value, HUB_KINDS);
    if (!entry?.oversized || !configEntry.value) continue;
    const alternative = chooseAlternative(entry);
    const newId = alternative ? replacementId(value, entry, alternative.model) : '';
    context.report({
      start: configEntry.value.start,
      end: configEntry.value.end,
      message: message(value === entry.id ? `${configEntry.key}: ${value}` : `${configEntry.key}: ${value} names ${entry.id}, which`, entry, alternative, newId),
      fix: alternative ? configFix(config, configEntry.value, value, entry, alternative) : undefined,
    });
  }
}

function configFix(config: ConfigSource, node: ConfigNode, written: string, entry: ModelEntry, alternative: ResolvedAlternative): OffsetFix | undefined {
  const newId = replacementId(written, entry, alternative.model);
  for (const key of ['model_revision', 'revision', 'base_model_revision']) {
    const revision = config.entry([key])?.value;
    if (revision?.kind === 'scalar' && revision.value !== null && revision.value !== 'main') return undefined;
  }
  const main = replaceConfigString(config, node, newId);
  if (!main) return undefined;
  const edits = [main];
  for (const companion of configStringEntries(config, CONFIG_COMPANION_KEYS)) {
    if (!companion.entry.value || catalogued(companion.value, HUB_KINDS) !== entry) continue;
    const edit = replaceConfigString(config, companion.entry.value, replacementId(companion.value, entry, alternative.model));
    if (!edit) return undefined;
    edits.push(edit);
  }
  return { title: `Use ${newId} instead of ${written}${edits.length > 1 ? ' (model and tokenizer/config)' : ''}`, safety: 'unsafe', edits };
}

export const oversizedModel: Rule = {
  id: 'oversized-model',
  title: 'Large checkpoint used where a catalogued smaller or distilled alternative exists',
  // A judgement call (the smaller model may not be good enough for the task), so it informs rather than warns.
  defaultSeverity: 'info',
  sources: ['python', 'config'],
  fixAvailability: 'sometimes',
  fixSafety: 'unsafe',
  // Hub loads (modelIdLoad), or a builder call whose name is an oversized catalogue entry.
  triggers: [
    'from_pretrained',
    ['pipeline', 'transformers'],
    'SentenceTransformer',
    'create_model',
    'get_model',
    'model_name_or_path',
    'base_model',
    'model_id',
    ['torchvision', OVERSIZED_BUILDER],
    ['applications', 'keras', OVERSIZED_BUILDER],
  ],
  docs: {
    whatItDoes:
      'Flags checkpoints that GreenML\'s model catalogue marks as oversized (bert-large, roberta-large, gpt2-medium/large/xl, t5-large and up, flan-t5-large and up, bart-large-cnn/xsum, whisper-large, all-mpnet-base-v2, torchvision resnet101/152, vit_l/vit_h, convnext_large, Keras ResNet101/152, 70B LLMs) where they are loaded: transformers `from_pretrained(...)`, `pipeline(..., model=...)`, `SentenceTransformer(...)`, `timm.create_model(...)`, `torchvision.models.get_model(...)`, torchvision and `keras.applications` builders, module constants passed to them, and the `model_name_or_path` / `base_model` / `model` / `model_id` / `model_name` keys of training configs. The message gives the catalogue\'s size figures and the alternative\'s published size, speed and quality, with their sources. 7–8B LLMs are the small end of their families and are not flagged; ids in comments, docstrings, log messages and paths are not model loads.',
    whyItWastesEnergy:
      'Compute and energy grow with parameter count in every training step and every prediction. Distilled models keep most of the quality at a fraction of the size: DistilBERT has 40% fewer parameters than BERT-base, runs 60% faster and retains 97% of its language understanding (Sanh et al. 2019); distil-large-v3 is 6.3x faster than whisper-large-v3 within about 1% WER (distil-whisper README); torchvision resnet50 reaches 80.9% top-1 with 4.1 GFLOPS against resnet152\'s 82.3% with 11.5 GFLOPS.',
    example: {
      language: 'python',
      code: [
        'from transformers import AutoModelForSequenceClassification, AutoTokenizer',
        '',
        'tokenizer = AutoTokenizer.from_pretrained("bert-large-uncased")',
        'model = AutoModelForSequenceClassification.from_pretrained("bert-large-uncased", num_labels=2)',
      ].join('\n'),
    },
    useInstead: {
      language: 'python',
      code: [
        'from transformers import AutoModelForSequenceClassification, AutoTokenizer',
        '',
        'tokenizer = AutoTokenizer.from_pretrained("distilbert/distilbert-base-uncased")',
        'model = AutoModelForSequenceClassification.from_pretrained("distilbert/distilbert-base-uncased", num_labels=2)',
      ].join('\n'),
    },
    fixSafety:
      'Unsafe: a different checkpoint changes results, and only you can judge whether its quality is enough. The fix replaces the id with the catalogue\'s first alternative that is not itself oversized (keeping the quotes), together with tokenizer, processor and config loads of the same checkpoint in the file. Builders are renamed only when every argument carries over (no `XxxWeights` enum, no architecture-specific keyword); when the code reaches into the architecture (`model.fc`, `model.heads`, a family-specific `preprocess_input`) only an alternative of the same family is proposed, or none.',
    sources: [
      'GreenML model catalogue — server/src/knowledge/models.json (each figure carries its own source)',
      'Sanh et al. 2019, DistilBERT — https://arxiv.org/abs/1910.01108',
      'distil-whisper README — https://github.com/huggingface/distil-whisper',
      'torchvision weight metadata (params, GFLOPS, ImageNet accuracy) — https://github.com/pytorch/vision',
      'Keras Applications table — https://keras.io/api/applications/',
      'Sentence Transformers pretrained models — https://www.sbert.net/docs/sentence_transformer/pretrained_models.html',
    ],
  },
  checkPython,
  checkConfig,
};
