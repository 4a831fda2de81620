import { insertEntry, replaceValue } from '../engine/config/edits';
import { scalarValue, type ConfigEntry, type ConfigMap } from '../engine/config/source';
import { addKeywordArgument, replaceNode } from '../engine/python/edits';
import type { PythonSource } from '../engine/python/source';
import { ancestor, field, isAncestorOf, walk, type PyNode } from '../engine/python/tree';
import type { ConfigContext, PythonContext, Report, Rule } from '../engine/rule';
import type { OffsetEdit, OffsetFix } from '../engine/types';
import {
  argValue,
  asStrategy,
  EVAL_STRATEGY_KEYS,
  HF_DEFAULT_SAVE_STEPS,
  isTrainingArgumentsClass,
  keywordArgAny,
  numberValue,
  strategyValue,
  type HfStrategy,
} from './shared/hf-checkpointing';
import { callRange } from './shared/ranges';
import { trainingLoops } from './shared/training-loops';
import { TRAINING_LOOP } from './shared/triggers';

const HF_INTERVAL_KEYWORDS = ['save_steps', 'save_strategy', 'eval_steps', 'eval_strategy', 'evaluation_strategy'];
/** What isTrainingArgumentsClass accepts: *TrainingArguments, or a TRL *Config. */
const HF_ARGUMENTS_CLASS = /TrainingArguments|Config/;

const CHECKPOINT_SIZE = 'each holds the model weights plus the optimizer state (AdamW keeps 8 bytes per parameter, per the Hugging Face performance guide)';
const CHECKPOINT_COST =
  'each checkpoint writes the model weights plus the optimizer state (AdamW keeps 8 bytes per parameter, per the Hugging Face performance guide) and training waits while it is written';
const EVAL_COST = 'each evaluation is a full forward pass over the evaluation set, during which training waits';
const KEEP_LIMIT = 2;

/** The interval the fixes set: the transformers default save_steps (500), or the threshold when it is higher. */
function targetInterval(threshold: number): number {
  return Math.max(HF_DEFAULT_SAVE_STEPS, Math.ceil(threshold));
}

function tooFrequent(value: number | undefined, threshold: number): value is number {
  // Values below 1 are ratios of the total number of steps, not step counts.
  return value !== undefined && value >= 1 && value < threshold;
}

function times(value: number, target: number): string {
  const ratio = target / value;
  return Number.isInteger(ratio) ? `${ratio}x` : `${ratio.toFixed(1)}x`;
}

/**
 * With load_best_model_at_end, save_steps must be a multiple of eval_steps: the eval interval to
 * set is the divisor of the save interval that is at or above the threshold and closest to the
 * target (larger on a tie). Undefined when the save interval is not a whole number of steps.
 */
function evalIntervalDividing(saveInterval: number | undefined, threshold: number, target: number): number | undefined {
  if (saveInterval === undefined || !Number.isInteger(saveInterval) || saveInterval < threshold) return undefined;
  let best: number | undefined;
  const consider = (d: number) => {
    if (d >= threshold && (best === undefined || Math.abs(d - target) < Math.abs(best - target) || (Math.abs(d - target) === Math.abs(best - target) && d > best))) best = d;
  };
  for (let d = 1; d * d <= saveInterval; d++) {
    if (saveInterval % d !== 0) continue;
    consider(d);
    consider(saveInterval / d);
  }
  return best;
}

/** What one set of TrainingArguments says about saving and evaluating, from code or a config. */
interface Plan<N> {
  /** Effective strategies; undefined when unknown (not a literal, or possibly set through **kwargs). */
  saveStrategy: HfStrategy | undefined;
  evalStrategy: HfStrategy | undefined;
  saveSteps: { node: N; value: number | undefined } | null;
  evalSteps: { node: N; value: number | undefined } | null;
  /** Explicit logging_steps, the fallback of an unset eval_steps. */
  loggingSteps: number | undefined;
  /** The save_strategy setting, when it is written out. */
  saveStrategyNode: N | null;
  evalStrategyNode: N | null;
  /** Whether save_steps must stay a multiple of eval_steps (load_best_model_at_end on, or unknown). */
  constrained: boolean;
  /** Whether the save_total_limit question can be judged (no **kwargs, not a tool with its own default). */
  judgeTotalLimit: boolean;
  hasTotalLimit: boolean;
  /** Whether a missing eval_steps may fall back to an explicit logging_steps. */
  judgeImplicitEval: boolean;
}

/** The findings for one plan, with the edits built by the caller's format. */
interface Editor<N> {
  replace(node: N, value: number): OffsetEdit;
  add(key: string, value: number): OffsetEdit | null;
  range(node: N): { start: number; end: number };
  text(node: N): string;
  /** The setting's name (`eval_strategy` or `evaluation_strategy`). */
  name(node: N): string;
  /** `name=value` in code, `name: value` in configs. */
  key(name: string, value: number | string): string;
}

function fixOf(title: string, edits: (OffsetEdit | null)[]): OffsetFix | undefined {
  if (edits.some((e) => e === null)) return undefined;
  return { title, safety: 'unsafe', edits: edits as OffsetEdit[] };
}

function checkPlan<N>(context: { settings: PythonContext['settings']; report(r: Report): void }, plan: Plan<N>, edit: Editor<N>): void {
  const threshold = context.settings.thresholds.checkpointInterval;
  const target = targetInterval(threshold);
  const savesBySteps = plan.saveStrategy === 'steps';
  const evalsBySteps = plan.evalStrategy === 'steps';

  const saveFlagged = savesBySteps && plan.saveSteps !== null && tooFrequent(plan.saveSteps.value, threshold);
  const explicitEvalFlagged = evalsBySteps && plan.evalSteps !== null && tooFrequent(plan.evalSteps.value, threshold);
  const implicitEvalFlagged =
    evalsBySteps && plan.judgeImplicitEval && plan.evalSteps === null && plan.evalStrategyNode !== null && tooFrequent(plan.loggingSteps, threshold);
  const evalFlagged = explicitEvalFlagged || implicitEvalFlagged;
  // load_best_model_at_end ties the two intervals (save_steps a multiple of eval_steps).
  const paired = plan.constrained && evalsBySteps && savesBySteps;
  const saveAfterFix = saveFlagged ? target : savesBySteps ? (plan.saveSteps ? plan.saveSteps.value : HF_DEFAULT_SAVE_STEPS) : undefined;
  const currentEval = plan.evalSteps ? plan.evalSteps.value : plan.loggingSteps;

  const evalEdit = (value: number): OffsetEdit | null =>
    explicitEvalFlagged ? edit.replace(plan.evalSteps!.node, value) : edit.add('eval_steps', value);

  if (saveFlagged) {
    const value = plan.saveSteps!.value!;
    const node = plan.saveSteps!.node;
    let edits: (OffsetEdit | null)[] | undefined = [edit.replace(node, target)];
    let note = '.';
    if (paired && evalFlagged) {
      // One fix raises both, so that neither half breaks the other.
      edits.push(evalEdit(target));
      note = `; with load_best_model_at_end, save_steps must stay a multiple of eval_steps, so the fix sets ${edit.key('eval_steps', target)} too.`;
    } else if (plan.constrained && !(paired && currentEval !== undefined && Number.isInteger(currentEval) && target % currentEval === 0)) {
      edits = undefined; // the new save_steps might not be a multiple of eval_steps
      note = `, keeping it a multiple of eval_steps (load_best_model_at_end requires it).`;
    }
    context.report({
      ...edit.range(node),
      message:
        `${edit.text(node)} saves a checkpoint every ${value} steps, ${times(value, target)} as often as every ${target}: ${CHECKPOINT_COST}. ` +
        `Set ${edit.key('save_steps', target)}${target === HF_DEFAULT_SAVE_STEPS ? ' (the transformers default)' : ''} or ${edit.key('save_strategy', 'epoch')}${note}`,
      fix: edits ? fixOf(`Save every ${target} steps`, edits) : undefined,
    });
  }

  if (evalFlagged) {
    const value = explicitEvalFlagged ? plan.evalSteps!.value! : plan.loggingSteps!;
    const node = explicitEvalFlagged ? plan.evalSteps!.node : plan.evalStrategyNode!;
    const coveredByPair = paired && saveFlagged;
    const evalTarget = !plan.constrained ? target : paired && !saveFlagged ? evalIntervalDividing(saveAfterFix, threshold, target) : undefined;
    const what = explicitEvalFlagged
      ? `${edit.text(node)} evaluates every ${value} steps`
      : `${edit.text(node)} without eval_steps evaluates every ${value} steps (eval_steps falls back to logging_steps)`;
    let advice: string;
    if (coveredByPair) advice = `Raise it together with save_steps: the save_steps fix sets both to ${target} (load_best_model_at_end needs save_steps to be a multiple of eval_steps).`;
    else if (evalTarget !== undefined)
      advice = `Set ${edit.key('eval_steps', evalTarget)}${plan.constrained ? ` (a divisor of save_steps ${saveAfterFix}, as load_best_model_at_end requires)` : ''} or ${edit.key(plan.evalStrategyNode ? edit.name(plan.evalStrategyNode) : 'eval_strategy', 'epoch')}.`;
    else advice = `Raise eval_steps to at least ${Math.ceil(threshold)}, keeping save_steps a multiple of it (load_best_model_at_end requires it), or evaluate per epoch.`;
    context.report({
      ...edit.range(node),
      message: `${what}: ${EVAL_COST}. ${advice}`,
      fix: evalTarget !== undefined ? fixOf(`Evaluate every ${evalTarget} steps`, [evalEdit(evalTarget)]) : undefined,
    });
  }

  const saving = plan.saveStrategy === 'steps' || plan.saveStrategy === 'epoch' || plan.saveStrategy === 'best';
  if (plan.saveStrategyNode !== null && saving && plan.judgeTotalLimit && !plan.hasTotalLimit) {
    context.report({
      ...edit.range(plan.saveStrategyNode),
      message:
        `${edit.text(plan.saveStrategyNode)} without save_total_limit keeps every checkpoint on disk, and none is ever deleted: ${CHECKPOINT_SIZE}. ` +
        `Add ${edit.key('save_total_limit', KEEP_LIMIT)} to keep only the latest checkpoints (the best one is always kept when load_best_model_at_end is on).`,
      fix: fixOf(`Keep at most ${KEEP_LIMIT} checkpoints (save_total_limit=${KEEP_LIMIT})`, [edit.add('save_total_limit', KEEP_LIMIT)]),
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Python: TrainingArguments(...) calls

function checkTrainingArguments(context: PythonContext, call: PyNode): void {
  const { source } = context;
  const splat = source.hasSplat(call);
  const saveStrategyArg = source.keywordArg(call, 'save_strategy');
  const evalStrategyArg = keywordArgAny(source, call, EVAL_STRATEGY_KEYS);
  const saveStepsArg = source.keywordArg(call, 'save_steps');
  const evalStepsArg = source.keywordArg(call, 'eval_steps');
  const loadBestArg = source.keywordArg(call, 'load_best_model_at_end');
  const loadBest = loadBestArg ? source.literal(argValue(loadBestArg)) : splat ? undefined : false;
  const plan: Plan<PyNode> = {
    saveStrategy: saveStrategyArg ? strategyValue(source, argValue(saveStrategyArg)) : splat ? undefined : 'steps',
    evalStrategy: evalStrategyArg ? strategyValue(source, argValue(evalStrategyArg)) : splat ? undefined : 'no',
    saveSteps: saveStepsArg ? { node: saveStepsArg, value: numberValue(source, argValue(saveStepsArg)) } : null,
    evalSteps: evalStepsArg ? { node: evalStepsArg, value: numberValue(source, argValue(evalStepsArg)) } : null,
    loggingSteps: numberValue(source, source.keywordValue(call, 'logging_steps')),
    saveStrategyNode: saveStrategyArg,
    evalStrategyNode: evalStrategyArg,
    constrained: loadBest !== false && loadBest !== null && loadBest !== 0,
    judgeTotalLimit: !splat,
    hasTotalLimit: source.keywordArg(call, 'save_total_limit') !== null,
    judgeImplicitEval: !splat,
  };
  checkPlan(context, plan, {
    replace: (node, value) => replaceNode(argValue(node)!, String(value)),
    add: (key, value) => addKeywordArgument(source, call, `${key}=${value}`),
    range: (node) => ({ start: node.start, end: node.end }),
    text: (node) => source.textOf(node).replace(/\s+/g, ' '),
    key: (name, value) => `${name}=${typeof value === 'string' ? JSON.stringify(value) : value}`,
    name: (node) => source.textOf(field(node, 'name') ?? node),
  });
}

// ---------------------------------------------------------------------------------------------
// Python: torch.save(...) on every step of a hand-written training loop

const LOOP_TYPES = ['for_statement', 'while_statement'];

/** `enumerate(x)`, `tqdm(x)`, `iter(x)`, `zip(x, ...)` → `x`. */
function unwrapIterable(source: PythonSource, node: PyNode | null): PyNode | null {
  let current = node;
  for (let i = 0; i < 4 && current?.type === 'call'; i++) {
    const name = field(current, 'function');
    const callee = name ? source.textOf(name) : '';
    if (!/(^|\.)(enumerate|tqdm|iter|zip|trange)$/.test(callee)) break;
    if (/(^|\.)trange$/.test(callee)) return current;
    current = source.positionalArgs(current)[0] ?? null;
  }
  return current;
}

function isRangeCall(source: PythonSource, node: PyNode | null): boolean {
  if (node?.type !== 'call') return false;
  const name = field(node, 'function');
  return name !== null && /(^|\.)(range|trange)$/.test(source.textOf(name));
}

/**
 * Whether a training loop runs once per optimizer step: it sits inside another loop (the epoch
 * loop), or it iterates over data rather than over `range(...)`. A lone `for epoch in range(n)`
 * with full-batch steps may be the epoch loop, where saving once per pass is fine.
 */
function isPerStepLoop(source: PythonSource, loop: PyNode): boolean {
  for (let current = loop.parent; current; current = current.parent) {
    if (current.type === 'function_definition' || current.type === 'class_definition') break;
    if (LOOP_TYPES.includes(current.type)) return true;
  }
  if (loop.type !== 'for_statement') return false;
  const iterable = unwrapIterable(source, field(loop, 'right'));
  return iterable !== null && !isRangeCall(source, iterable) && iterable.type !== 'list' && iterable.type !== 'tuple';
}

/** Names that count steps: targets of the enclosing for-loops and names incremented with `+=`. */
function counterNames(source: PythonSource, loop: PyNode): Set<string> {
  const names = new Set<string>();
  const scope = ancestor(loop, 'function_definition') ?? source.root;
  for (let current: PyNode | null = loop; current && current !== scope; current = current.parent) {
    if (current.type !== 'for_statement') continue;
    const left = field(current, 'left');
    if (left) walk(left, (n) => void (n.type === 'identifier' && names.add(source.textOf(n))));
  }
  // From the type index: a walk of the whole scope per loop was quadratic on long module-level scripts.
  for (const n of source.nodesWithin('augmented_assignment', scope)) {
    if (!/^\+=$/.test(source.textOf(n.children.find((c) => !c.named) ?? n).trim())) continue;
    const left = field(n, 'left');
    if (left?.type === 'identifier') names.add(source.textOf(left));
    if (left?.type === 'attribute') names.add(source.textOf(left));
  }
  return names;
}

/** A condition that runs the body only on some steps: `step % N == 0`, `step == last`, `global_step >= max_steps`. */
function isCounterCheck(source: PythonSource, condition: PyNode | null, counters: Set<string>): boolean {
  if (!condition) return false;
  let found = false;
  walk(condition, (n) => {
    if (found) return false;
    if (n.type === 'binary_operator' && n.children.some((c) => !c.named && source.textOf(c) === '%')) found = true;
    if (n.type === 'comparison_operator') {
      // `!=`, `not in`, `is (not)` hold on most steps; `==`, `in` and orderings single some out.
      const operators = n.children.filter((c) => !c.named).map((c) => source.textOf(c).replace(/\s+/g, ' '));
      if (operators.every((op) => op !== '!=' && !op.includes('not') && !op.startsWith('is'))) {
        walk(n, (m) => {
          if ((m.type === 'identifier' || m.type === 'attribute') && counters.has(source.textOf(m))) found = true;
          return !found;
        });
      }
    }
    return !found;
  });
  return found;
}

/** The statement holding `node` in `block`. */
function statementIn(block: PyNode, node: PyNode): PyNode | null {
  return block.children.find((c) => isAncestorOf(c, node)) ?? null;
}

function endsWithJump(block: PyNode | null): boolean {
  if (!block) return false;
  const last = block.children.filter((c) => c.named && c.type !== 'comment').pop();
  return last?.type === 'continue_statement' || last?.type === 'break_statement' || last?.type === 'return_statement';
}

/**
 * Whether a call inside a loop body runs only on some steps: it sits in the `if` branch of a
 * counter check, or follows `if <counter check>: continue` in the same block.
 */
function guardedByCounter(source: PythonSource, call: PyNode, loop: PyNode, counters: Set<string>): boolean {
  const body = field(loop, 'body');
  for (let current: PyNode | null = call; current && current !== loop; current = current.parent) {
    const parent = current.parent;
    if ((parent?.type === 'if_statement' || parent?.type === 'elif_clause') && current.field === 'consequence') {
      if (isCounterCheck(source, field(parent, 'condition'), counters)) return true;
    }
    if (current.type === 'block') {
      // Earlier `if <counter check>: continue` statements in this block skip the call on other steps.
      const own = statementIn(current, call);
      for (const statement of current.children) {
        if (statement === own) break;
        if (statement.type === 'if_statement' && endsWithJump(field(statement, 'consequence')) && isCounterCheck(source, field(statement, 'condition'), counters)) {
          return true;
        }
      }
    }
    if (current === body) break;
  }
  return false;
}

function checkTorchSaveInLoops(context: PythonContext): void {
  const { source } = context;
  const every = targetInterval(context.settings.thresholds.checkpointInterval);
  const reported = new Set<PyNode>();
  for (const { loop, step } of trainingLoops(source)) {
    if (!isPerStepLoop(source, loop)) continue;
    const body = field(loop, 'body');
    if (!body) continue;
    const counters = counterNames(source, loop);
    for (const call of source.nodes('call')) {
      if (!isAncestorOf(body, call) || reported.has(call) || source.calleeName(call) !== 'torch.save') continue;
      // Not in a function or class defined inside the loop.
      const owner = ancestor(call, ['function_definition', 'class_definition', 'lambda']);
      if (owner && isAncestorOf(loop, owner)) continue;
      if (guardedByCounter(source, call, loop, counters)) continue;
      reported.add(call);
      const stepLine = source.lines.positionAt(step.start).line + 1;
      context.report({
        ...callRange(source, call),
        message:
          `torch.save(...) runs on every iteration of the training loop (the optimizer steps on line ${stepLine}), writing a checkpoint per step: ${CHECKPOINT_COST}. ` +
          `Save once per epoch, after the inner loop, or every N steps behind a counter check such as \`if step % ${every} == 0:\`.`,
      });
    }
  }
}

function checkPython(context: PythonContext): void {
  const { source } = context;
  for (const call of source.nodes('call')) {
    if (isTrainingArgumentsClass(source.calleeName(call))) checkTrainingArguments(context, call);
  }
  checkTorchSaveInLoops(context);
}

// ---------------------------------------------------------------------------------------------
// Configs: HF TrainingArguments files, TRL recipes, axolotl

function configNumber(entry: ConfigEntry | null): number | undefined {
  const value = scalarValue(entry?.value ?? null);
  return typeof value === 'number' ? value : undefined;
}

function checkConfig(context: ConfigContext): void {
  const { config } = context;
  const root = config.root;
  if (root?.kind !== 'map') return;
  const hf = config.flavors.has('hf-training-args') || config.flavors.has('trl-recipe');
  const axolotl = config.flavors.has('axolotl');
  if (!hf && !axolotl) return;
  const entry = (key: string) => root.entries.find((e) => e.key === key) ?? null;
  const saveStrategyEntry = entry('save_strategy');
  const evalStrategyEntry = entry('eval_strategy') ?? entry('evaluation_strategy');
  const saveStepsEntry = entry('save_steps');
  const evalStepsEntry = entry('eval_steps');
  const loadBest = scalarValue(entry('load_best_model_at_end')?.value ?? null);
  let saveStrategy: HfStrategy | undefined = saveStrategyEntry ? asStrategy(scalarValue(saveStrategyEntry.value)) : 'steps';
  let evalStrategy: HfStrategy | undefined = evalStrategyEntry ? asStrategy(scalarValue(evalStrategyEntry.value)) : 'no';
  if (axolotl && !hf) {
    // axolotl turns save_steps / eval_steps into the "steps" strategy itself, and saves per epoch otherwise.
    saveStrategy = saveStepsEntry && scalarValue(saveStepsEntry.value) ? 'steps' : saveStrategy === 'steps' && !saveStrategyEntry ? 'epoch' : saveStrategy;
    const hasEvalSet = (configNumber(entry('val_set_size')) ?? 0) > 0 || entry('test_datasets') !== null;
    evalStrategy = evalStepsEntry && scalarValue(evalStepsEntry.value) && hasEvalSet ? 'steps' : evalStrategyEntry && hasEvalSet ? evalStrategy : 'no';
  }
  const plan: Plan<ConfigEntry> = {
    saveStrategy,
    evalStrategy,
    saveSteps: saveStepsEntry ? { node: saveStepsEntry, value: configNumber(saveStepsEntry) } : null,
    evalSteps: evalStepsEntry ? { node: evalStepsEntry, value: configNumber(evalStepsEntry) } : null,
    loggingSteps: configNumber(entry('logging_steps')),
    saveStrategyNode: saveStrategyEntry,
    evalStrategyNode: evalStrategyEntry,
    constrained: loadBest === undefined ? entry('load_best_model_at_end') !== null : loadBest !== false && loadBest !== null && loadBest !== 'false' && loadBest !== 0,
    // axolotl has its own save_total_limit default, which changed across versions.
    judgeTotalLimit: hf,
    hasTotalLimit: entry('save_total_limit') !== null,
    judgeImplicitEval: hf,
  };
  checkPlan(context, plan, {
    replace: (e, value) => replaceValue(e.value!, String(value)),
    add: (key, value) => insertEntry(config, root as ConfigMap, key, String(value)),
    range: (e) => ({ start: e.keyStart, end: e.value ? e.value.end : e.keyEnd }),
    text: (e) => `${e.key}: ${e.value ? config.text.slice(e.value.start, e.value.end) : ''}`.trim(),
    key: (name, value) => `${name}: ${value}`,
    name: (e) => e.key,
  });
}

export const excessiveCheckpointing: Rule = {
  id: 'excessive-checkpointing',
  title: 'Checkpoints or evaluations run far too often',
  defaultSeverity: 'warning',
  sources: ['python', 'config'],
  fixAvailability: 'sometimes',
  fixSafety: 'unsafe',
  // A keyword set in a TrainingArguments / TRL config call, or torch.save in a training loop.
  triggers: [...HF_INTERVAL_KEYWORDS.map((key) => [key, HF_ARGUMENTS_CLASS]), ['save', 'torch', ...TRAINING_LOOP]],
  docs: {
    whatItDoes:
      'Flags Hugging Face TrainingArguments (and subclasses such as Seq2SeqTrainingArguments and the TRL configs) and their YAML/JSON configs that save or evaluate every few steps: save_steps below the checkpoint-interval threshold (100 by default; exactly 100 does not count) while the save strategy is "steps" (the default), and eval_steps below it with eval_strategy="steps", including an unset eval_steps that falls back to a small logging_steps. Values below 1 are ratios of the total steps and are not flagged. It also flags an explicit save_strategy ("steps", "epoch" or "best") without save_total_limit, and torch.save(...) inside the per-step loop of a hand-written training loop (a loop with backward() and an optimizer step() that runs inside an epoch loop or iterates over data) unless a counter check such as `if step % N == 0:` guards it. Saving once per epoch is not flagged.',
    whyItWastesEnergy:
      'A checkpoint holds the model weights and the optimizer state (AdamW keeps 8 bytes per parameter, per the Hugging Face performance guide), and the Trainer waits while it is written; an evaluation is a full pass over the evaluation set. Done every few steps, this I/O and extra compute add up over a run while the GPUs wait. Checkpoints that are never deleted also keep growing the storage the run occupies.',
    example: {
      language: 'python',
      code: ['from transformers import TrainingArguments', '', 'args = TrainingArguments(output_dir="out", save_steps=10, save_total_limit=2)'].join('\n'),
    },
    useInstead: {
      language: 'python',
      code: ['from transformers import TrainingArguments', '', 'args = TrainingArguments(output_dir="out", save_steps=500, save_total_limit=2)'].join('\n'),
    },
    fixSafety:
      'Unsafe: raising save_steps to 500 (the transformers default; the threshold if it is higher) means more progress is lost if a run crashes, and raising eval_steps changes how often metrics are logged, which checkpoint load_best_model_at_end can pick, and how many steps early-stopping patience spans. With load_best_model_at_end the fix keeps save_steps a multiple of eval_steps, as transformers requires. save_total_limit=2 deletes older checkpoints. torch.save in a loop gets no fix: where to save depends on the loop.',
    sources: [
      'transformers TrainingArguments (save_strategy default "steps", save_steps default 500, eval_steps falls back to logging_steps, save_total_limit, load_best_model_at_end) — huggingface/transformers src/transformers/training_args.py (5.18.0, 4.57.6)',
      'Hugging Face performance guide (AdamW 8 bytes per parameter) — https://huggingface.co/docs/transformers/perf_train_gpu_one',
      'axolotl turns save_steps / eval_steps into the "steps" strategy — axolotl-ai-cloud/axolotl src/axolotl/core/trainer_builder.py',
    ],
  },
  checkPython,
  checkConfig,
};
