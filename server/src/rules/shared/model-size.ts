import { findModel, sourceRef } from '../../knowledge';

/** The parameter count of a model id and where it comes from. */
export interface ModelSize {
  /** For thresholds: the catalogue count, or the size written in the id (the expert size for `8x7B`). */
  parameters: number;
  /** `7B`, `1.54B`, `350M`, `8x7B`. */
  text: string;
  /** The catalogue source's title, or `the size in its id`. */
  from: string;
  /** For messages: `7B parameters, per Llama 2 model card (...)`, `7B parameters by its id`, `8x7B by its id`. */
  description: string;
}

/** Pre-quantized checkpoints (their weights are not fp32 whatever the loader's dtype). */
const QUANTIZED_ID = /(gptq|awq|gguf|ggml|bnb|[2348][-_]?bit|int[248]|fp8|exl2|nf4|mlx|onnx|openvino)/i;

/**
 * A Hub model id (`org/name` or a legacy `name`), or null for a local path, a URL other than a Hub
 * repo, or anything else that is not an id (the spec: path strings never count).
 */
export function hubModelId(value: string): string | null {
  const id = value.trim().replace(/^(?:https?:\/\/)?(?:www\.)?(?:huggingface\.co|hf\.co)\//i, '');
  if (!id || /\s/.test(id) || id.includes('\\') || /^(\.|~|\/)/.test(id) || /^[A-Za-z]:/.test(id)) return null;
  if (id.split('/').length > 2 || /\.(bin|safetensors|pt|pth|ckpt|gguf|json|h5|onnx|msgpack)$/i.test(id)) return null;
  if (!/^[A-Za-z0-9][\w.-]*(\/[\w.-]+)?$/.test(id)) return null;
  return id;
}

function formatCount(parameters: number): string {
  if (parameters >= 1e9) return `${Number((parameters / 1e9).toFixed(2))}B`;
  return `${Number((parameters / 1e6).toFixed(1))}M`;
}

/**
 * The size a model id states in its name: `Llama-2-7b-hf` → 7B, `Qwen2.5-1.5B` → 1.5B,
 * `opt-350m` → 350M, `Mixtral-8x7B` → 8x7B (counted as 7B: the total of a mixture of experts is not
 * the product). Null when the name states none.
 */
export function sizeInId(id: string): { parameters: number; text: string } | null {
  const name = id.slice(id.lastIndexOf('/') + 1);
  let best: { parameters: number; text: string } | null = null;
  const moe = /(?:^|[-_.])(\d+)x(\d+(?:\.\d+)?)[bB](?=$|[-_.])/.exec(name);
  if (moe) best = { parameters: Number(moe[2]) * 1e9, text: `${moe[1]}x${moe[2]}B` };
  for (const match of name.matchAll(/(?:^|[-_.])(\d+(?:\.\d+)?)([bBmM])(?=$|[-_.])/g)) {
    const parameters = Number(match[1]) * (match[2].toLowerCase() === 'b' ? 1e9 : 1e6);
    if (best === null || parameters > best.parameters) best = { parameters, text: `${match[1]}${match[2].toUpperCase()}` };
  }
  return best;
}

/**
 * The size of a model id: from the catalogue (with its source) when it publishes a count, else
 * from the size written in the id. Null when unknown, and for pre-quantized checkpoints.
 */
export function modelSize(rawId: string): ModelSize | null {
  const id = hubModelId(rawId);
  if (!id || QUANTIZED_ID.test(id)) return null;
  const entry = findModel(id);
  if (entry && entry.parameters !== null) {
    const text = formatCount(entry.parameters);
    const from = sourceRef(entry.source).title;
    return { parameters: entry.parameters, text, from, description: `${text} parameters, per ${from}` };
  }
  const inId = sizeInId(id);
  if (inId === null) return null;
  const moe = inId.text.includes('x');
  return { parameters: inId.parameters, text: inId.text, from: 'the size in its id', description: `${inId.text}${moe ? '' : ' parameters'} by its id` };
}
