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
 * Hand-written training loops: the innermost `for`/`while` whose body has both a backward() and an
 * optimizer step(). Forward + backward without a step (saliency maps) is not training.
 */
export function trainingLoops(source: PythonSource): TrainingLoop[] {
  const candidates: TrainingLoop[] = [];
  for (const loop of LOOP_TYPES.flatMap((t) => source.nodes(t))) {
    const body = field(loop, 'body');
    if (!body) continue;
    const calls = callsWithin(body);
    const backward = calls.find((c) => isBackwardCall(source, c));
    const step = calls.find((c) => isOptimizerStep(source, c));
    if (backward && step) candidates.push({ loop, backward, step });
  }
  // Keep the innermost: drop a loop when a loop inside it also has both calls. Gradient
  // accumulation (backward in an inner micro-step loop, step outside it) keeps the outer loop.
  const found = candidates.filter((outer) => !candidates.some((inner) => inner !== outer && isAncestorOf(outer.loop, inner.loop)));
  return found.sort((a, b) => a.loop.start - b.loop.start);
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
