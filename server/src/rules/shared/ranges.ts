import { field, type PyNode } from '../../engine/python/tree';
import type { PythonSource } from '../../engine/python/source';

/**
 * Where a finding about a call points: the whole call when it fits on one line, else from the
 * callee's name to its opening parenthesis (the spec: a call spanning several lines starts on the
 * line with the callee's name and its opening parenthesis).
 */
export function callRange(source: PythonSource, call: PyNode): { start: number; end: number } {
  const args = field(call, 'arguments');
  const start = call.start;
  const startLine = source.lines.positionAt(start).line;
  if (source.lines.positionAt(call.end).line === startLine) return { start, end: call.end };
  const open = args?.children[0];
  return { start, end: open ? open.end : call.end };
}

/** A node's own range. */
export function nodeRange(node: PyNode): { start: number; end: number } {
  return { start: node.start, end: node.end };
}
