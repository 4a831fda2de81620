import type { PythonSource } from '../../engine/python/source';
import { field, type PyNode } from '../../engine/python/tree';
import { isFrom, lastSegment } from './python-patterns';

/**
 * Hugging Face TrainingArguments, Trainer and their checkpoint settings, shared by
 * excessive-checkpointing and retrain-every-run.
 */

/** The transformers default `save_steps` (TrainingArguments, verified in 4.57.6 and 5.18.0). */
export const HF_DEFAULT_SAVE_STEPS = 500;

/** TRL configs that subclass transformers.TrainingArguments (and so share its save/eval defaults). */
const TRL_CONFIG = /^(SFT|DPO|ORPO|KTO|CPO|Reward|GRPO|PRM|GKD|OnlineDPO|BCO|RLOO|NashMD|XPO)Config$/;

/** `TrainingArguments(...)` and the subclasses that keep its checkpoint defaults. */
export function isTrainingArgumentsClass(qualified: string | null): boolean {
  if (!qualified) return false;
  const name = lastSegment(qualified);
  if (isFrom(qualified, 'transformers')) return name === 'TrainingArguments' || name === 'Seq2SeqTrainingArguments';
  if (isFrom(qualified, 'trl')) return TRL_CONFIG.test(name);
  if (isFrom(qualified, 'sentence_transformers')) return /^(SentenceTransformer|CrossEncoder|SparseEncoder)TrainingArguments$/.test(name);
  return false;
}

/** `Trainer`, `Seq2SeqTrainer`, TRL's `SFTTrainer`..., sentence-transformers' trainers. */
export function isTrainerClass(qualified: string | null): boolean {
  if (!qualified) return false;
  const name = lastSegment(qualified);
  if (!/^\w*Trainer$/.test(name)) return false;
  return isFrom(qualified, 'transformers') || isFrom(qualified, 'trl') || isFrom(qualified, 'sentence_transformers');
}

export type HfStrategy = 'no' | 'steps' | 'epoch' | 'best';

/**
 * A save/eval strategy value: a string literal (or a module constant), or the enum member
 * `IntervalStrategy.STEPS` / `SaveStrategy.EPOCH`... imported from transformers. Undefined when
 * it cannot be read.
 */
export function strategyValue(source: PythonSource, node: PyNode | null): HfStrategy | undefined {
  if (!node) return undefined;
  const text = source.stringValue(node)?.value;
  if (text !== undefined) return asStrategy(text);
  if (node.type === 'attribute') {
    const qualified = source.qualifiedName(node);
    const match = qualified && isFrom(qualified, 'transformers') ? /(IntervalStrategy|SaveStrategy|EvaluationStrategy)\.(NO|STEPS|EPOCH|BEST)$/.exec(qualified) : null;
    if (match) return asStrategy(match[2]);
  }
  return undefined;
}

export function asStrategy(value: unknown): HfStrategy | undefined {
  if (typeof value !== 'string') return undefined;
  const lower = value.toLowerCase();
  return lower === 'no' || lower === 'steps' || lower === 'epoch' || lower === 'best' ? lower : undefined;
}

/** A number literal, or a name assigned exactly once from a number literal (`SAVE_EVERY = 50`). */
export function numberValue(source: PythonSource, node: PyNode | null): number | undefined {
  if (!node) return undefined;
  const literal = source.literal(node);
  if (typeof literal === 'number') return literal;
  if (typeof literal === 'boolean' || node.type !== 'identifier') return undefined;
  const bindings = source.names.all(source.textOf(node));
  if (bindings.length !== 1 || bindings[0].kind !== 'value') return undefined;
  const value = source.literal(bindings[0].value);
  return typeof value === 'number' ? value : undefined;
}

/** The value of the first keyword present among `names` (e.g. eval_strategy / evaluation_strategy). */
export function keywordArgAny(source: PythonSource, call: PyNode, names: readonly string[]): PyNode | null {
  for (const name of names) {
    const arg = source.keywordArg(call, name);
    if (arg) return arg;
  }
  return null;
}

export function argValue(arg: PyNode | null): PyNode | null {
  return arg ? field(arg, 'value') : null;
}

/** Eval strategy keywords: `eval_strategy`, and `evaluation_strategy` before transformers 4.46. */
export const EVAL_STRATEGY_KEYS = ['eval_strategy', 'evaluation_strategy'] as const;
