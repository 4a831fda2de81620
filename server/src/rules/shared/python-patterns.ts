import type { PythonSource } from '../../engine/python/source';
import { ancestor, field, isAncestorOf, type PyNode } from '../../engine/python/tree';

/** Whether a qualified name is `symbol` from `library` (any submodule): `torch.nn.parallel.DataParallel` is (torch, DataParallel). */
export function isFrom(qualified: string | null, library: string, symbol?: string): boolean {
  if (!qualified || !(qualified === library || qualified.startsWith(library + '.'))) return false;
  return symbol === undefined || qualified.slice(qualified.lastIndexOf('.') + 1) === symbol;
}

/** The last segment of a qualified name. */
export function lastSegment(qualified: string): string {
  return qualified.slice(qualified.lastIndexOf('.') + 1);
}

/** The identifier a call's result is assigned to (`model = f(...)` → `model`), if any. */
export function assignedName(source: PythonSource, call: PyNode): string | null {
  const parent = call.parent;
  if (parent?.type !== 'assignment' || field(parent, 'right') !== call) return null;
  const left = field(parent, 'left');
  return left?.type === 'identifier' ? source.textOf(left) : null;
}

/** Calls of `<name>.<method>(...)` anywhere after `offset`. */
export function methodCallsOn(source: PythonSource, name: string, method: string, after = 0): PyNode[] {
  return source.methodCalls(method).filter((call) => {
    if (call.start < after) return false;
    const receiver = source.receiver(call);
    return receiver !== null && source.textOf(receiver) === name;
  });
}

/** Whether a node sits inside a class body (a method of a model class, for instance). */
export function insideClass(node: PyNode): boolean {
  return ancestor(node, 'class_definition') !== null;
}

/**
 * Whether the other branch of an enclosing `if` holds a call for which `test` holds: code such as
 * `if args.model_name_or_path: from_pretrained(...) else: from_config(...)` already offers the
 * efficient path and lets the user choose at run time.
 */
export function otherBranchHas(source: PythonSource, node: PyNode, test: (call: PyNode) => boolean): boolean {
  for (let statement = ancestor(node, 'if_statement'); statement; statement = ancestor(statement, 'if_statement')) {
    const branches = statement.children.filter((c) => c.field === 'consequence' || c.field === 'alternative');
    const own = branches.find((b) => isAncestorOf(b, node));
    for (const branch of branches) {
      if (branch === own) continue;
      if (source.nodes('call').some((call) => isAncestorOf(branch, call) && test(call))) return true;
    }
  }
  return false;
}

/**
 * Whether a node sits in test code: a `test_*` / `_test_*` function or a `Test*` / `*Test(s)`
 * class. Tests build small random models on purpose (fast, no downloads).
 */
export function insideTestCode(source: PythonSource, node: PyNode): boolean {
  for (let current = node.parent; current; current = current.parent) {
    if (current.type !== 'function_definition' && current.type !== 'class_definition') continue;
    const name = field(current, 'name');
    const text = name ? source.textOf(name) : '';
    if (current.type === 'function_definition' ? /^_*test/i.test(text) : /^Test|Tests?$/.test(text)) return true;
  }
  return false;
}
