import { insertEntry } from '../engine/config/edits';
import { scalarValue } from '../engine/config/source';
import { addKeywordArgument, replaceNode } from '../engine/python/edits';
import type { PythonSource } from '../engine/python/source';
import { field, type PyNode } from '../engine/python/tree';
import type { ConfigContext, PythonContext, Rule } from '../engine/rule';
import type { OffsetEdit } from '../engine/types';
import { callRange } from './shared/ranges';
import { assignedName, insideClass, insideTestCode, isFrom, lastSegment, methodCallsOn, otherBranchHas } from './shared/python-patterns';

/** torchvision classification builders that have ImageNet weights. */
const TORCHVISION_BUILDER = /^(alexnet|vgg\d+(_bn)?|resnet\d+|resnext\d+_\d+x\d+d|wide_resnet\d+_\d|densenet\d+|squeezenet1_[01]|inception_v3|googlenet|shufflenet_v2_x\d_\d|mobilenet_v2|mobilenet_v3_(large|small)|mnasnet\d_\d+|efficientnet_b\d|efficientnet_v2_[sml]|regnet_[xy]_\d+(m|gf)|vit_[bhl]_\d+|swin_(v2_)?[tsb]|convnext_(tiny|small|base|large)|maxvit_t)$/;

/** Keras applications with ImageNet weights. */
const KERAS_APPLICATION = /^(ResNet\d+(V2)?|VGG1[69]|InceptionV3|InceptionResNetV2|Xception|MobileNet(V2|V3Large|V3Small)?|DenseNet\d+|NASNet(Large|Mobile)|EfficientNet(B\d|V2(B\d|S|M|L)))$/;

/** transformers model classes built straight from a config: `BertForSequenceClassification(config)`. */
const TRANSFORMERS_MODEL_CLASS = /^[A-Z][A-Za-z0-9]*(Model|LMHeadModel|For[A-Z][A-Za-z0-9]*)$/;

const MESSAGE_HF = (what: string, checkpoint: string | null) =>
  `${what} initialises every weight at random and trains from scratch. ` +
  (checkpoint
    ? `The config comes from "${checkpoint}": load its pretrained weights with from_pretrained("${checkpoint}") and fine-tune`
    : 'Load a pretrained checkpoint with from_pretrained(...) and fine-tune') +
  ': reusing pretrained weights takes a fraction of the pre-training compute (BERT pre-training measured 37.3 kWh vs 3.1 kWh for fine-tuning, Dodge et al. 2022).';

function isPretrainedLoad(source: PythonSource, call: PyNode): boolean {
  const method = source.methodName(call);
  return method === 'from_pretrained' || (method === 'load_state_dict') || (source.calleeName(call)?.endsWith('.load_state_dict') ?? false);
}

/** The checkpoint a config object was loaded from: `config = AutoConfig.from_pretrained("bert-base-uncased")`. */
function configCheckpoint(source: PythonSource, configArg: PyNode | null): string | null {
  if (!configArg || configArg.type !== 'identifier') return null;
  const binding = source.names.bindingAt(source.textOf(configArg), configArg.start);
  if (binding?.kind !== 'call' || source.methodName(binding.call) !== 'from_pretrained') return null;
  if (!isFrom(source.calleeName(binding.call), 'transformers')) return null;
  return source.stringValue(source.argument(binding.call, 'pretrained_model_name_or_path', 0))?.value ?? null;
}

/** A later `model.load_state_dict(...)` / `model.load_weights(...)` means the weights are restored, not trained from zero. */
function weightsLoadedLater(source: PythonSource, call: PyNode): boolean {
  const name = assignedName(source, call);
  if (!name) return false;
  return ['load_state_dict', 'load_weights', 'load_checkpoint'].some((m) => methodCallsOn(source, name, m, call.end).length > 0);
}

function checkTransformers(context: PythonContext, call: PyNode, callee: string): void {
  const { source } = context;
  const method = source.methodName(call);
  const isFromConfig = method === 'from_config' && /^transformers\.(TF|Flax)?AutoModel\w*\.from_config$/.test(callee);
  const isDirect = !isFromConfig && isFrom(callee, 'transformers') && TRANSFORMERS_MODEL_CLASS.test(lastSegment(callee)) && !/^(Pre[Tt]rained|TF|Flax)/.test(lastSegment(callee));
  if (!isFromConfig && !isDirect) return;
  const configArg = source.argument(call, 'config', 0);
  if (!configArg) return;
  if (insideClass(call) || weightsLoadedLater(source, call)) return;
  if (otherBranchHas(source, call, (other) => isPretrainedLoad(source, other))) return;
  const checkpoint = configCheckpoint(source, configArg);
  const what = isFromConfig ? `${lastSegment(callee.replace(/\.from_config$/, ''))}.from_config(...)` : `${lastSegment(callee)}(config)`;
  let fix;
  if (checkpoint) {
    const classText = isFromConfig ? source.textOf(field(field(call, 'function')!, 'object')!) : source.textOf(field(call, 'function')!);
    const configText = source.textOf(configArg);
    const others = source.positionalArgs(call).length > 1 || field(call, 'arguments')!.children.some((c) => c.type === 'keyword_argument' && c !== configArg.parent);
    if (!others) {
      fix = {
        title: `Load the pretrained "${checkpoint}" weights`,
        safety: 'unsafe' as const,
        edits: [replaceNode(call, `${classText}.from_pretrained(${JSON.stringify(checkpoint)}, config=${configText})`)],
      };
    }
  }
  context.report({ ...callRange(source, call), message: MESSAGE_HF(what, checkpoint), fix });
}

function checkTorchvision(context: PythonContext, call: PyNode, callee: string): void {
  const { source } = context;
  const name = lastSegment(callee);
  if (!/^torchvision\.models\.\w+$/.test(callee) || !TORCHVISION_BUILDER.test(name)) return;
  if (source.hasSplat(call) || source.positionalArgs(call).length > 0) return;
  const weights = source.keywordArg(call, 'weights');
  const pretrained = source.keywordArg(call, 'pretrained');
  const weightsValue = weights ? field(weights, 'value') : null;
  const pretrainedValue = pretrained ? field(pretrained, 'value') : null;
  if (weightsValue && weightsValue.type !== 'none') return;
  if (pretrainedValue && pretrainedValue.type !== 'false') return;
  if (weightsLoadedLater(source, call)) return;
  // Pretrained weights fix the classifier at 1000 ImageNet classes: with another num_classes the
  // builder raises, so the fix would break the script.
  const numClasses = source.literal(source.keywordValue(call, 'num_classes'));
  const headChanges = source.keywordArg(call, 'num_classes') !== null && numClasses !== 1000;
  let edit: OffsetEdit | null = null;
  if (!headChanges) {
    if (weights) edit = replaceNode(weightsValue!, '"DEFAULT"');
    else if (pretrained) edit = replaceNode(pretrained, 'weights="DEFAULT"');
    else edit = addKeywordArgument(source, call, 'weights="DEFAULT"');
  }
  context.report({
    ...callRange(source, call),
    message:
      `torchvision.models.${name}() without weights starts from random initialisation (weights=None is the default since torchvision 0.13). ` +
      `Start from the ImageNet weights with weights="DEFAULT" and fine-tune` +
      (headChanges ? ', then replace the classifier head for your classes (pretrained weights need num_classes=1000).' : '.'),
    fix: edit ? { title: 'Use the pretrained ImageNet weights (weights="DEFAULT")', safety: 'unsafe', edits: [edit] } : undefined,
  });
}

function checkTimm(context: PythonContext, call: PyNode, callee: string): void {
  const { source } = context;
  if (callee !== 'timm.create_model' && callee !== 'timm.models.create_model') return;
  if (source.hasSplat(call) || source.keywordArg(call, 'checkpoint_path') || source.keywordArg(call, 'pretrained_cfg_overlay')) return;
  const pretrained = source.argument(call, 'pretrained', 1);
  if (pretrained && pretrained.type !== 'false') return;
  if (weightsLoadedLater(source, call)) return;
  const modelName = source.stringValue(source.argument(call, 'model_name', 0))?.value;
  const edit = pretrained ? replaceNode(pretrained, 'True') : addKeywordArgument(source, call, 'pretrained=True');
  context.report({
    ...callRange(source, call),
    message: `timm.create_model(${modelName ? `"${modelName}"` : '...'}) without pretrained=True initialises the weights at random (timm's default is pretrained=False). Pass pretrained=True and fine-tune; timm resets the classifier when num_classes differs.`,
    fix: edit ? { title: 'Load pretrained weights (pretrained=True)', safety: 'unsafe', edits: [edit] } : undefined,
  });
}

function checkKeras(context: PythonContext, call: PyNode, callee: string): void {
  const { source } = context;
  if (!/^keras\.applications\.(\w+\.)?\w+$/.test(callee) || !KERAS_APPLICATION.test(lastSegment(callee))) return;
  const weights = source.keywordArg(call, 'weights');
  const value = weights ? field(weights, 'value') : null;
  if (!value || value.type !== 'none') return;
  if (weightsLoadedLater(source, call)) return;
  // ImageNet weights with include_top=True need classes=1000.
  const includeTop = source.literal(source.keywordValue(call, 'include_top'));
  const classes = source.literal(source.keywordValue(call, 'classes'));
  const headChanges = includeTop !== false && source.keywordArg(call, 'classes') !== null && classes !== 1000;
  context.report({
    ...callRange(source, call),
    message:
      `keras.applications.${lastSegment(callee)}(weights=None) trains from random initialisation. Start from weights="imagenet" (the default) and fine-tune` +
      (headChanges ? ' with include_top=False and your own classifier head (ImageNet weights need classes=1000 when include_top=True).' : '.'),
    fix: headChanges ? undefined : { title: 'Use the ImageNet weights (weights="imagenet")', safety: 'unsafe', edits: [replaceNode(value, '"imagenet"')] },
  });
}

function checkPython(context: PythonContext): void {
  const { source } = context;
  for (const call of source.nodes('call')) {
    const callee = source.calleeName(call);
    if (!callee || insideTestCode(source, call)) continue;
    if (callee.startsWith('transformers.')) checkTransformers(context, call, callee);
    else if (callee.startsWith('torchvision.')) checkTorchvision(context, call, callee);
    else if (callee.startsWith('timm.')) checkTimm(context, call, callee);
    else if (callee.startsWith('keras.')) checkKeras(context, call, callee);
  }
}

/** HF example scripts (run_clm.py, run_mlm.py...) build a new model from `config_name` / `model_type` when no `model_name_or_path` is given. */
function checkConfig(context: ConfigContext): void {
  const { config } = context;
  if (!config.flavors.has('hf-training-args') || config.root?.kind !== 'map') return;
  if (config.entry(['model_name_or_path'])) return;
  const configName = config.entry(['config_name']);
  const modelType = config.entry(['model_type']);
  const flagged = configName ?? modelType;
  if (!flagged) return;
  const checkpoint = configName ? scalarValue(configName.value) : undefined;
  const fixEdit = typeof checkpoint === 'string' && checkpoint ? insertEntry(config, config.root, 'model_name_or_path', config.format === 'json' ? JSON.stringify(checkpoint) : checkpoint) : null;
  context.report({
    start: flagged.keyStart,
    end: flagged.value ? flagged.value.end : flagged.keyEnd,
    message:
      `${flagged.key} without model_name_or_path makes the example script build a randomly initialised model and train it from scratch. ` +
      (typeof checkpoint === 'string' ? `Set model_name_or_path: ${checkpoint} to start from its pretrained weights and fine-tune.` : 'Set model_name_or_path to a pretrained checkpoint and fine-tune.'),
    fix: fixEdit ? { title: `Start from the pretrained "${checkpoint}" weights`, safety: 'unsafe', edits: [fixEdit] } : undefined,
  });
}

export const trainFromScratch: Rule = {
  id: 'train-from-scratch',
  title: 'Model trained from random initialisation where a pretrained checkpoint exists',
  defaultSeverity: 'warning',
  sources: ['python', 'config'],
  fixAvailability: 'sometimes',
  fixSafety: 'unsafe',
  triggers: ['transformers', 'torchvision', 'timm', 'keras', 'config_name', 'model_type'],
  docs: {
    whatItDoes:
      'Flags models that start from random weights although pretrained weights exist: transformers `AutoModel*.from_config(...)` and `XxxForYyy(config)`; torchvision classification builders with no weights, `weights=None` or `pretrained=False`; `timm.create_model(...)` without `pretrained=True`; `keras.applications.X(weights=None)`; and Hugging Face example-script configs with `config_name`/`model_type` but no `model_name_or_path`. Models built inside a model class (weights loaded later by `from_pretrained`), followed by `load_state_dict(...)`, in a branch whose alternative loads a pretrained checkpoint, or in test code (`test_*` functions, `Test*` classes, which build small random models on purpose) are not flagged.',
    whyItWastesEnergy:
      'Pre-training repeats work that has already been paid for. Dodge et al. (2022) measured 37.3 kWh to pre-train BERT on 8 V100s versus 3.1 kWh to fine-tune it; Llama 2 7B took 184,320 GPU-hours to pre-train. Fine-tuning a pretrained checkpoint usually reaches better accuracy with a small fraction of the data and compute.',
    example: {
      language: 'python',
      code: [
        'from transformers import AutoConfig, AutoModelForSequenceClassification',
        '',
        'config = AutoConfig.from_pretrained("distilbert-base-uncased", num_labels=2)',
        'model = AutoModelForSequenceClassification.from_config(config)',
      ].join('\n'),
    },
    useInstead: {
      language: 'python',
      code: [
        'from transformers import AutoConfig, AutoModelForSequenceClassification',
        '',
        'config = AutoConfig.from_pretrained("distilbert-base-uncased", num_labels=2)',
        'model = AutoModelForSequenceClassification.from_pretrained("distilbert-base-uncased", config=config)',
      ].join('\n'),
    },
    fixSafety:
      'Unsafe: loading pretrained weights changes the model the script trains and its results. The fix is offered only when the checkpoint is known (the config was loaded from it) or the builder has a standard pretrained form, and not when pretrained weights would not fit the requested head (torchvision num_classes ≠ 1000).',
    sources: [
      'Dodge et al. 2022, Measuring the Carbon Intensity of AI in Cloud Instances — https://arxiv.org/abs/2206.05229 (energy table via codecarbon docs/explanation/model-comparisons.md)',
      'torchvision models: weights=None is the default — https://pytorch.org/vision/stable/models.html',
      'timm 1.0.29 create_model(pretrained=False) — huggingface/pytorch-image-models timm/models/_factory.py',
      'Llama 2 model card (184,320 GPU-hours for 7B) — meta-llama/llama MODEL_CARD.md',
    ],
  },
  checkPython,
  checkConfig,
};
