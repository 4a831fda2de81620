import type { PythonSource } from '../../engine/python/source';
import type { PyNode } from '../../engine/python/tree';
import { outermostLoop, trainingLoops } from './training-loops';

export type EntryPointKind = 'hf-trainer' | 'lightning' | 'keras' | 'sklearn' | 'optuna' | 'keras-tuner' | 'loop';

export interface TrainingEntryPoint {
  kind: EntryPointKind;
  /** The call that starts training, or the outermost `for` of a hand-written loop. */
  node: PyNode;
}

/** Classifies `x.method(...)` by what `x` was built from. */
function entryKind(source: PythonSource, call: PyNode): EntryPointKind | null {
  const method = source.methodName(call);
  if (!method) return null;
  const type = source.receiverType(call);
  if (!type) return null;
  if (method === 'train' && /^(transformers|trl)\./.test(type) && /Trainer$/.test(type)) return 'hf-trainer';
  if (method === 'fit' && /^lightning\.(pytorch\.)?(trainer\.(trainer\.)?)?Trainer$/.test(type)) return 'lightning';
  if (method === 'fit' && type.startsWith('keras.')) return 'keras';
  if (method === 'fit' && type.startsWith('sklearn.')) return 'sklearn';
  if (method === 'optimize' && type === 'optuna.create_study') return 'optuna';
  if (method === 'search' && /^(keras_tuner|kerastuner)\./.test(type)) return 'keras-tuner';
  return null;
}

/** Places where a script starts training in-process, in source order. */
export function trainingEntryPoints(source: PythonSource): TrainingEntryPoint[] {
  const found: TrainingEntryPoint[] = [];
  for (const call of source.nodes('call')) {
    const kind = entryKind(source, call);
    if (kind) found.push({ kind, node: call });
  }
  const loops = new Set<PyNode>();
  for (const { loop } of trainingLoops(source)) loops.add(outermostLoop(loop));
  for (const loop of loops) found.push({ kind: 'loop', node: loop });
  return found.sort((a, b) => a.node.start - b.node.start);
}
