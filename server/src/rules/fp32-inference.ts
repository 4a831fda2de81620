import { addKeywordArgument } from '../engine/python/edits';
import type { PythonSource } from '../engine/python/source';
import { field, type PyNode } from '../engine/python/tree';
import type { PythonContext, Rule } from '../engine/rule';
import type { OffsetEdit } from '../engine/types';
import { modelSize } from './shared/model-size';
import { torchName } from './shared/module-alias';
import { assignedName, isFrom, lastSegment, methodCallsOn } from './shared/python-patterns';
import { callRange } from './shared/ranges';
import { isBackwardCall, isOptimizerStep } from './shared/training-loops';

/** transformers classes whose from_pretrained loads PyTorch model weights (not tokenizers, configs, TF/Flax models). */
const MODEL_CLASS = /^(Auto\w*Model\w*|[A-Z]\w*(Model|LMHeadModel|For[A-Z]\w*))$/;
const NOT_A_TORCH_MODEL = /^(TF|Flax)|Tokenizer|Processor|Config|FeatureExtractor/;

/** Keyword arguments that already choose a precision or a quantized load. */
const PRECISION_KEYWORDS = ['torch_dtype', 'dtype', 'quantization_config', 'load_in_8bit', 'load_in_4bit'];

/** trl configs whose presence means the script trains. */
const TRL_TRAINING_CONFIG = /^(SFT|DPO|ORPO|KTO|CPO|GRPO|PPO|Reward|GKD|Online\w*|XPO|Nash\w*|BCO|PRM|RLOO)Config$/;

/**
 * Whether the program trains: a backward pass, an optimizer or optimizer step, a transformers/trl
 * Trainer or TrainingArguments, peft adapters for training, a Lightning Trainer, or `x.train()`.
 * Loading a model in reduced precision for training is another rule's business.
 */
function programTrains(source: PythonSource): boolean {
  for (const call of source.nodes('call')) {
    if (isBackwardCall(source, call) || isOptimizerStep(source, call)) return true;
    const callee = source.calleeName(call);
    if (callee) {
      const name = lastSegment(callee);
      if (callee.startsWith('torch.optim.') && !callee.startsWith('torch.optim.lr_scheduler')) return true;
      if ((isFrom(callee, 'transformers') || isFrom(callee, 'trl')) && (/Trainer$|TrainingArguments$/.test(name) || TRL_TRAINING_CONFIG.test(name))) return true;
      if (isFrom(callee, 'peft') && ['get_peft_model', 'prepare_model_for_kbit_training'].includes(name)) return true;
      if (/^lightning\.(pytorch|fabric)\./.test(callee) && (name === 'Trainer' || name === 'Fabric')) return true;
    }
    if (source.methodName(call) === 'train') {
      const args = source.positionalArgs(call);
      if (args.length === 0 || (args.length === 1 && args[0].type === 'true')) return true;
    }
  }
  return false;
}

/** A call that already settles the precision: a precision keyword, `model_kwargs` (which may hold one), or `**kwargs`. */
function setsPrecision(source: PythonSource, call: PyNode): boolean {
  if (source.hasSplat(call)) return true;
  if (PRECISION_KEYWORDS.some((k) => source.keywordArg(call, k))) return true;
  const modelKwargs = source.keywordValue(call, 'model_kwargs');
  if (modelKwargs) {
    const value = source.literal(modelKwargs);
    if (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) return modelKwargs.type !== 'none';
    return PRECISION_KEYWORDS.some((k) => k in value);
  }
  return false;
}

const HALF_METHODS = ['half', 'bfloat16', 'float16'];

/** `.to(torch.float16)`, `.to(dtype=torch.bfloat16)`, `.to("cuda", torch.half)`: a cast to reduced precision. */
function isReducedPrecisionCast(source: PythonSource, call: PyNode): boolean {
  const method = source.methodName(call);
  if (method && HALF_METHODS.includes(method)) return true;
  if (method !== 'to') return false;
  const args = field(call, 'arguments');
  return !!args && args.children.some((a) => /\b(float16|bfloat16|half)\b/.test(source.textOf(a)));
}

/** The model is cast to half precision after loading: `from_pretrained(...).half()` or a later `model.half()`. */
function castLater(source: PythonSource, call: PyNode): boolean {
  for (let node: PyNode | null = call; node?.parent?.type === 'attribute'; ) {
    const outer: PyNode | null = node.parent.parent;
    if (outer?.type !== 'call') break;
    if (isReducedPrecisionCast(source, outer)) return true;
    node = outer;
  }
  const name = assignedName(source, call);
  if (!name) return false;
  return [...HALF_METHODS, 'to'].some((m) => methodCallsOn(source, name, m, call.end).some((c) => isReducedPrecisionCast(source, c)));
}

/** `torch.set_default_dtype(torch.bfloat16)` and the like change what every load produces. */
function setsDefaultDtype(source: PythonSource): boolean {
  return source.nodes('call').some((c) => source.calleeName(c) === 'torch.set_default_dtype');
}

interface Load {
  call: PyNode;
  what: string;
  id: string;
}

function loadOf(source: PythonSource, call: PyNode, callee: string): Load | null {
  if (!isFrom(callee, 'transformers')) return null;
  const name = lastSegment(callee);
  if (name === 'pipeline') {
    const model = source.stringValue(source.argument(call, 'model', 1));
    return model ? { call, what: `${source.textOf(field(call, 'function') ?? call)}(...)`, id: model.value } : null;
  }
  if (name !== 'from_pretrained') return null;
  const cls = lastSegment(callee.slice(0, -'.from_pretrained'.length));
  if (!MODEL_CLASS.test(cls) || NOT_A_TORCH_MODEL.test(cls)) return null;
  const id = source.stringValue(source.argument(call, 'pretrained_model_name_or_path', 0));
  const written = source.textOf(field(call, 'function') ?? call);
  return id ? { call, what: `${written}(...)`, id: id.value } : null;
}

function checkPython(context: PythonContext): void {
  const { source, settings } = context;
  let trains: boolean | undefined;
  let defaultDtype: boolean | undefined;
  for (const call of source.nodes('call')) {
    const callee = source.calleeName(call);
    if (!callee) continue;
    const load = loadOf(source, call, callee);
    if (!load) continue;
    const size = modelSize(load.id);
    if (!size || size.parameters < settings.thresholds.largeModelParameters) continue;
    if (setsPrecision(source, call) || castLater(source, call)) continue;
    if ((trains ??= programTrains(source)) || (defaultDtype ??= setsDefaultDtype(source))) return;
    const torch = torchName(source, call);
    const argument = addKeywordArgument(source, call, `torch_dtype=${torch.name}.bfloat16`);
    const edits: OffsetEdit[] = argument ? [argument, ...(torch.importEdit ? [torch.importEdit] : [])] : [];
    context.report({
      ...callRange(source, call),
      message:
        `${load.what} loads "${load.id}" (${size.description}) with no dtype: transformers 4.x then loads every weight in fp32 (per its from_pretrained docstring), ` +
        `4 bytes per parameter (in transformers v5 an unset dtype loads the checkpoint's own dtype, "auto"). ` +
        `For inference pass torch_dtype=torch.bfloat16 (spelled dtype= since transformers 4.56), which stores each weight in 2 bytes; ` +
        `or load it quantized with quantization_config=BitsAndBytesConfig(load_in_8bit=True) (or load_in_4bit=True): the transformers bitsandbytes docs say 8-bit halves memory use and 4-bit cuts it by 4x.`,
      fix: edits.length > 0 ? { title: 'Load the weights in bfloat16 (torch_dtype=torch.bfloat16)', safety: 'unsafe', edits } : undefined,
    });
  }
}

export const fp32Inference: Rule = {
  id: 'fp32-inference',
  title: 'Large model loaded in full fp32 precision for inference',
  defaultSeverity: 'warning',
  sources: ['python'],
  fixAvailability: 'always',
  fixSafety: 'unsafe',
  triggers: ['from_pretrained', ['pipeline', 'transformers']],
  docs: {
    whatItDoes:
      'Flags a transformers model of 1B parameters or more (the large-model-parameters threshold; the size comes from the model catalogue, or from a size written in the id such as "-7b" or "-1.5B") loaded with `XxxModel.from_pretrained(...)` or `pipeline(..., model=...)` without `torch_dtype` / `dtype` / `quantization_config` / `load_in_8bit` / `load_in_4bit`, in a program that does not train. Loads followed by `.half()` / `.bfloat16()` / `.to(torch.float16)`, pipelines with `model_kwargs`, calls with `**kwargs`, local paths, pre-quantized checkpoints (GPTQ, AWQ, GGUF...) and ids whose size is unknown are not flagged. Programs that train (backward, an optimizer, a Trainer) are left to the training rules.',
    whyItWastesEnergy:
      'Without a dtype, transformers 4.x loads every weight in fp32 (4 bytes per parameter): twice the weight memory and memory traffic of bf16 (2 bytes per parameter), so the same inference needs more or larger GPUs and moves twice the bytes per generated token. Quantized loading goes further: per the transformers bitsandbytes docs, 8-bit halves memory use and 4-bit cuts it by 4x. In transformers v5 an unset dtype loads the checkpoint\'s own dtype ("auto"); setting it explicitly gives the same result in both versions.',
    example: {
      language: 'python',
      code: [
        'from transformers import AutoModelForCausalLM',
        '',
        'model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-2-7b-hf")',
        'output = model.generate(**inputs, max_new_tokens=50)',
      ].join('\n'),
    },
    useInstead: {
      language: 'python',
      code: [
        'import torch',
        'from transformers import AutoModelForCausalLM',
        '',
        'model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-2-7b-hf", torch_dtype=torch.bfloat16)',
        'output = model.generate(**inputs, max_new_tokens=50)',
      ].join('\n'),
    },
    fixSafety:
      'Unsafe: bf16 changes numerics (outputs can differ in the last digits), and bf16 needs hardware support (Ampere or newer NVIDIA GPUs run it natively). The fix adds `torch_dtype=torch.bfloat16` (and `import torch` when missing); `torch_dtype` works in every transformers version, while from 4.56 it logs that `dtype` is the new spelling. Quantization (BitsAndBytesConfig) is suggested in the message, not applied.',
    sources: [
      'transformers 4.57.6 from_pretrained docstring: "If not specified - the model will get loaded in torch.float (fp32)" — huggingface/transformers src/transformers/modeling_utils.py',
      'torch_dtype renamed to dtype (v4.56.0) — https://github.com/huggingface/transformers/pull/39782',
      'transformers v5: an unset dtype loads "auto" — https://github.com/huggingface/transformers/pull/42883',
      'bitsandbytes quantization (8-bit halves memory use, 4-bit cuts it by 4x) — huggingface/transformers docs/source/en/quantization/bitsandbytes.md',
    ],
  },
  checkPython,
};
