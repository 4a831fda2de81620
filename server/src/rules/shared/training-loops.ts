import type { PythonSource } from '../../engine/python/source';
import { field, isAncestorOf, walk, type PyNode } from '../../engine/python/tree';

const LOOP_TYPES = ['for_statement', 'while_statement'];

/** Calls inside a node, not counting the bodies of functions and classes defined there. */
export function callsWithin(node: PyNode): PyNode[] {
  const calls: PyNode[] = [];
  walk(node, (n) => {
    if (n !== node && (n.type === 'function_definition' || n.type === 'class_definition' || n.type === 'lambda')) return false;
    if (n.type === 'call') calls.push(n);
  });
  return calls;
}

/** `loss.backward()` or `accelerator.backward(loss)` / `fabric.backward(loss)`. */
export function isBackwardCall(source: PythonSource, call: PyNode): boolean {
  return source.methodName(call) === 'backward';
}

/**
 * An optimizer step: `optimizer.step()`, `scaler.step(optimizer)`, on something that is an optimizer
 * by construction (torch.optim.*) or by name; a learning-rate scheduler's step is not one.
 */
export function isOptimizerStep(source: PythonSource, call: PyNode): boolean {
  if (source.methodName(call) !== 'step') return false;
  const receiver = source.receiver(call);
  if (!receiver) return false;
  const type = source.instanceType(receiver);
  if (type && /^torch\.optim\.lr_scheduler\./.test(type)) return false;
  if (type && (/^torch\.optim\./.test(type) || /GradScaler$/.test(type))) return true;
  const name = source.textOf(receiver).toLowerCase();
  if (/sched/.test(name)) return false;
  return /optim|opt\b|^opt|scaler/.test(name);
}

export interface TrainingLoop {
  loop: PyNode;
  backward: PyNode;
  step: PyNode;
}

/**
 * The loops whose body holds a call, innermost first: walking up from the call to the first
 * function, class or lambda (what callsWithin does not enter), keeping each loop whose body the path
 * comes through (not its header or `else`).
 */
function loopsAround(call: PyNode): PyNode[] {
  const loops: PyNode[] = [];
  let child = call;
  for (let current = call.parent; current; child = current, current = current.parent) {
    if (current.type === 'function_definition' || current.type === 'class_definition' || current.type === 'lambda') break;
    if (LOOP_TYPES.includes(current.type) && field(current, 'body') === child) loops.push(current);
  }
  return loops;
}

const loopsBySource = new WeakMap<PythonSource, readonly TrainingLoop[]>();

/**
 * Hand-written training loops: the innermost `for`/`while` whose body has both a backward() and an
 * optimizer step(). Forward + backward without a step (saliency maps) is not training. Found from
 * the backward() and step() calls up to their loops (walking every loop's body was quadratic in
 * nested loops), once per source: most rules ask.
 */
export function trainingLoops(source: PythonSource): readonly TrainingLoop[] {
  const known = loopsBySource.get(source);
  if (known) return known;
  // For each loop, its first backward() and first optimizer step() in source order (what a walk of its body meets first).
  const backwards = new Map<PyNode, PyNode>();
  for (const call of source.methodCalls('backward')) for (const loop of loopsAround(call)) if (!backwards.has(loop)) backwards.set(loop, call);
  const steps = new Map<PyNode, PyNode>();
  for (const call of source.methodCalls('step')) {
    if (!isOptimizerStep(source, call)) continue;
    for (const loop of loopsAround(call)) if (!steps.has(loop)) steps.set(loop, call);
  }
  const candidates: TrainingLoop[] = [];
  for (const [loop, backward] of backwards) {
    const step = steps.get(loop);
    if (step) candidates.push({ loop, backward, step });
  }
  // Keep the innermost: drop a loop when a loop inside it also has both calls. Gradient
  // accumulation (backward in an inner micro-step loop, step outside it) keeps the outer loop.
  const found = candidates.filter((outer) => !candidates.some((inner) => inner !== outer && isAncestorOf(outer.loop, inner.loop)));
  found.sort((a, b) => a.loop.start - b.loop.start);
  loopsBySource.set(source, found);
  return found;
}

/** The outermost loop around a training loop that is still inside the same function (the epoch loop). */
export function outermostLoop(loop: PyNode): PyNode {
  let outer = loop;
  for (let current = loop.parent; current; current = current.parent) {
    if (current.type === 'function_definition' || current.type === 'class_definition') break;
    if (LOOP_TYPES.includes(current.type)) outer = current;
  }
  return outer;
}
