import type { ConfigEntry, ConfigNode, ConfigSource } from '../../engine/config/source';
import type { PythonSource } from '../../engine/python/source';
import type { PyNode } from '../../engine/python/tree';
import type { OffsetEdit } from '../../engine/types';
import { findModel, type ModelEntry, type ModelKind } from '../../knowledge';
import { isFrom } from './python-patterns';

/**
 * Where model ids are written in code and configs. Only arguments that load a model (and module
 * constants passed to them) are model ids: the same text in a comment, a docstring, a log message
 * or a path is not.
 */

/** transformers classes whose `from_pretrained` loads weights: AutoModel*, XxxModel, XxxForYyy, XxxLMHeadModel. */
const TRANSFORMERS_MODEL_CLASS = /^(TF|Flax)?(AutoModel\w*|[A-Z][A-Za-z0-9]*(Model|For[A-Z][A-Za-z0-9]*))$/;
/** transformers classes loaded next to a model from the same id: tokenizers, processors, configs. */
const TRANSFORMERS_COMPANION_CLASS = /^(TF|Flax)?[A-Z][A-Za-z0-9]*(Tokenizer|TokenizerFast|Processor|FeatureExtractor|ImageProcessor|ImageProcessorFast|Config)$/;

/** `transformers.AutoModelForCausalLM.from_pretrained` → `AutoModelForCausalLM`, else null. */
export function transformersModelClass(callee: string | null): string | null {
  const match = callee ? /^transformers\.(?:[\w.]+\.)?(\w+)\.from_pretrained$/.exec(callee) : null;
  if (!match) return null;
  const name = match[1];
  if (!TRANSFORMERS_MODEL_CLASS.test(name) || /^Pre[Tt]rained/.test(name) || TRANSFORMERS_COMPANION_CLASS.test(name)) return null;
  return name;
}

function transformersCompanionClass(callee: string | null): string | null {
  const match = callee ? /^transformers\.(?:[\w.]+\.)?(\w+)\.from_pretrained$/.exec(callee) : null;
  return match && TRANSFORMERS_COMPANION_CLASS.test(match[1]) ? match[1] : null;
}

/** A call that loads a model by its id: the argument holding the id and which catalogue kinds it can name. */
export interface ModelIdLoad {
  /** How the message names the construct, e.g. `AutoModelForCausalLM.from_pretrained(...)`. */
  construct: string;
  idExpr: PyNode;
  kinds: readonly ModelKind[];
}

const HUB_KINDS: readonly ModelKind[] = ['hf', 'sentence-transformers'];

/**
 * The model-id argument of a loading call: transformers `X.from_pretrained(id)`, `pipeline(task, model=id)`,
 * `SentenceTransformer(id)`, `timm.create_model(id)`, `torchvision.models.get_model(id)`.
 */
export function modelIdLoad(source: PythonSource, call: PyNode, callee: string): ModelIdLoad | null {
  const modelClass = transformersModelClass(callee);
  let idExpr: PyNode | null = null;
  let construct = '';
  let kinds: readonly ModelKind[] = HUB_KINDS;
  if (modelClass) {
    idExpr = source.argument(call, 'pretrained_model_name_or_path', 0);
    construct = `${modelClass}.from_pretrained(...)`;
  } else if (callee === 'transformers.pipeline' || callee === 'transformers.pipelines.pipeline') {
    idExpr = source.argument(call, 'model', 1);
    construct = 'pipeline(..., model=...)';
  } else if (isFrom(callee, 'sentence_transformers', 'SentenceTransformer')) {
    idExpr = source.argument(call, 'model_name_or_path', 0);
    construct = 'SentenceTransformer(...)';
  } else if (callee === 'timm.create_model' || callee === 'timm.models.create_model') {
    idExpr = source.argument(call, 'model_name', 0);
    construct = 'timm.create_model(...)';
    kinds = ['timm'];
  } else if (callee === 'torchvision.models.get_model') {
    idExpr = source.argument(call, 'name', 0);
    construct = 'torchvision.models.get_model(...)';
    kinds = ['torchvision'];
  }
  return idExpr ? { construct, idExpr, kinds } : null;
}

/**
 * Arguments that name the checkpoint of a tokenizer, processor or config loaded alongside a model:
 * `AutoTokenizer.from_pretrained(id)`, `XxxProcessor.from_pretrained(id)`, `AutoConfig.from_pretrained(id)`,
 * `pipeline(..., tokenizer=id)`.
 */
export function companionIdExprs(source: PythonSource, call: PyNode, callee: string): PyNode[] {
  if (transformersCompanionClass(callee)) {
    const arg = source.argument(call, 'pretrained_model_name_or_path', 0);
    return arg ? [arg] : [];
  }
  if (callee === 'transformers.pipeline' || callee === 'transformers.pipelines.pipeline') {
    return ['tokenizer', 'feature_extractor', 'image_processor', 'processor', 'config']
      .map((name) => source.keywordValue(call, name))
      .filter((n): n is PyNode => n !== null);
  }
  return [];
}

/**
 * Whether a string is a file-system path or URL rather than a Hub id / builder name: Hub ids are
 * `name` or `org/name`, never `./x`, `/x`, `~/x`, `a/b/c`, `C:\x`, `https://...` or `x.bin`.
 */
export function isPathLike(value: string): boolean {
  if (value.trim() !== value || value === '' || /\s/.test(value)) return true;
  if (/^(\.{1,2}[\\/]|[\\/]|~|[A-Za-z]:[\\/])/.test(value) || value.includes('\\') || value.includes('://')) return true;
  if ((value.match(/\//g) ?? []).length > 1) return true;
  return /\.(bin|pt|pth|safetensors|ckpt|h5|keras|onnx|gguf|ggml|json|yaml|yml|pkl|tar|gz|zip)$/i.test(value);
}

/** The catalogue entry a model-id string names, when it is an id (not a path) of one of the kinds. */
export function catalogued(value: string, kinds: readonly ModelKind[]): ModelEntry | undefined {
  if (isPathLike(value)) return undefined;
  const entry = findModel(value);
  return entry && kinds.includes(entry.kind) ? entry : undefined;
}

/**
 * The id to write for an alternative: the catalogue's id, except that a variant suffix the user's
 * spelling adds to the catalogued id (`Qwen/Qwen2.5-72B` + `-Instruct`) is kept when the
 * alternative has the same variant catalogued (`Qwen/Qwen2.5-7B-Instruct`).
 */
export function replacementId(written: string, entry: ModelEntry, alternative: ModelEntry): string {
  if (written.toLowerCase().startsWith(entry.id.toLowerCase()) && written.length > entry.id.length) {
    const variant = `${alternative.id}${written.slice(entry.id.length)}`;
    if (findModel(variant) === alternative) return alternative.aliases.find((a) => a.toLowerCase() === variant.toLowerCase()) ?? variant;
  }
  return alternative.id;
}

/** Replaces the text inside a Python string literal, keeping its prefix and quotes. */
export function replaceStringContent(source: PythonSource, string: PyNode, value: string): OffsetEdit | null {
  const start = string.children.find((c) => c.type === 'string_start');
  const end = [...string.children].reverse().find((c) => c.type === 'string_end');
  if (!start || !end) return null;
  const quote = source.textOf(start).replace(/^[A-Za-z]*/, '');
  if (value.includes(quote[0]) || value.includes('\\') || /[\r\n{}]/.test(value)) return null;
  return { start: start.end, end: end.start, newText: value };
}

/** Replaces a config scalar's value, keeping its quotes (a plain YAML scalar stays plain when it can). */
export function replaceConfigString(config: ConfigSource, node: ConfigNode, value: string): OffsetEdit | null {
  if (node.kind !== 'scalar') return null;
  const text = config.text.slice(node.start, node.end);
  const first = text[0];
  if ((first === '"' || first === "'") && text.endsWith(first) && text.length >= 2) {
    if (value.includes(first) || value.includes('\\')) return null;
    return { start: node.start + 1, end: node.end - 1, newText: value };
  }
  if (config.format === 'json') return { start: node.start, end: node.end, newText: JSON.stringify(value) };
  const plain = /^[A-Za-z0-9_][\w./-]*$/.test(value) && !/^(true|false|yes|no|on|off|null)$/i.test(value);
  return { start: node.start, end: node.end, newText: plain ? value : JSON.stringify(value) };
}

/** Keys of training configs whose value is the checkpoint the run starts from. */
export const CONFIG_MODEL_KEYS: readonly string[] = ['model_name_or_path', 'base_model', 'model', 'model_id', 'model_name', 'pretrained_model_name_or_path'];
/** Keys naming the tokenizer or config loaded with that model (changed together with it, never reported). */
export const CONFIG_COMPANION_KEYS: readonly string[] = ['tokenizer_name', 'tokenizer_name_or_path', 'tokenizer_id', 'tokenizer', 'tokenizer_config', 'base_model_config', 'config_name'];

/**
 * Every entry with one of the keys whose value is a string, anywhere in the config except under
 * Hydra's `defaults:` list (whose `model: x` picks a config group, not a checkpoint).
 */
export function configStringEntries(config: ConfigSource, keys: readonly string[]): { entry: ConfigEntry; value: string }[] {
  const found: { entry: ConfigEntry; value: string }[] = [];
  const visit = (node: ConfigNode | null) => {
    if (!node) return;
    if (node.kind === 'map') {
      for (const entry of node.entries) {
        if (keys.includes(entry.key) && entry.value?.kind === 'scalar' && typeof entry.value.value === 'string') {
          found.push({ entry, value: entry.value.value });
        }
        if (entry.key !== 'defaults') visit(entry.value);
      }
    } else if (node.kind === 'seq') node.items.forEach(visit);
  };
  visit(config.root);
  return found;
}
