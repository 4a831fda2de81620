import type { PythonSource } from '../../engine/python/source';
import { ancestor, field, isAncestorOf, type PyNode } from '../../engine/python/tree';

/** Methods that change how many items a list, dict or set holds. */
const COUNT_MUTATORS = new Set(['append', 'extend', 'insert', 'update', 'pop', 'popitem', 'remove', 'clear', 'setdefault', 'add', 'discard', '__setitem__', '__delitem__']);

/** The identifier at the root of `a`, `a[0]`, `a.b["c"]`. */
function rootIdentifier(node: PyNode | null): PyNode | null {
  let current = node;
  while (current && (current.type === 'subscript' || current.type === 'attribute')) {
    current = field(current, current.type === 'subscript' ? 'value' : 'object');
  }
  return current?.type === 'identifier' ? current : null;
}

/**
 * Whether anything in the file may change the size of what `name` holds: `name.append(...)`,
 * `name["k"] = ...`, `name += ...`, `del name[...]`, also on items (`name["C"].append(...)`).
 */
export function isMutated(source: PythonSource, name: string): boolean {
  for (const call of source.nodes('call')) {
    const method = source.methodName(call);
    if (!method || !COUNT_MUTATORS.has(method)) continue;
    const root = rootIdentifier(source.receiver(call));
    if (root && source.textOf(root) === name) return true;
  }
  for (const assignment of source.nodes('augmented_assignment')) {
    const root = rootIdentifier(field(assignment, 'left'));
    if (root && source.textOf(root) === name) return true;
  }
  for (const assignment of source.nodes('assignment')) {
    const left = field(assignment, 'left');
    if (left?.type !== 'subscript') continue;
    const root = rootIdentifier(left);
    if (root && source.textOf(root) === name) return true;
  }
  for (const statement of source.nodes('delete_statement')) {
    const root = rootIdentifier(statement.children.find((c) => c.named) ?? null);
    if (root && source.textOf(root) === name) return true;
  }
  return false;
}

/**
 * The expression a name holds at a use, when that is certain: the nearest assignment before the
 * use, made in a block that also contains the use (not in one branch of an `if`, not in another
 * function), and nothing in the file changes its size afterwards. Null otherwise.
 */
export function assignedValue(source: PythonSource, identifier: PyNode | null): PyNode | null {
  if (!identifier || identifier.type !== 'identifier') return null;
  const name = source.textOf(identifier);
  const binding = source.names.bindingAt(name, identifier.start);
  if (!binding || binding.offset > identifier.start) return null;
  if (binding.kind !== 'value' && binding.kind !== 'call') return null;
  const assignment = binding.value.parent;
  if (assignment?.type !== 'assignment' || field(assignment, 'right') !== binding.value) return null;
  let statement: PyNode = assignment;
  while (statement.parent && statement.parent.type !== 'block' && statement.parent.type !== 'module') statement = statement.parent;
  const scope = statement.parent;
  if (!scope || !isAncestorOf(scope, identifier)) return null;
  if (isMutated(source, name)) return null;
  return binding.value;
}

/** Follows names to the expression they were assigned (at most a few steps). */
export function resolveExpression(source: PythonSource, node: PyNode | null, depth = 4): PyNode | null {
  let current = node;
  for (let i = 0; current && i < depth; i++) {
    if (current.type === 'parenthesized_expression') {
      current = current.children.find((c) => c.named && c.type !== 'comment') ?? null;
      continue;
    }
    if (current.type !== 'identifier') return current;
    current = assignedValue(source, current);
  }
  return current && current.type !== 'identifier' ? current : null;
}

/** A number written in the code or held by a name assigned once from a number literal. */
export function numberValue(source: PythonSource, node: PyNode | null): number | undefined {
  const resolved = resolveExpression(source, node);
  const value = source.literal(resolved);
  return typeof value === 'number' ? value : undefined;
}

/** Whether a node sits inside an import statement (a name there is a declaration, not a use). */
export function insideImport(node: PyNode): boolean {
  return ancestor(node, ['import_statement', 'import_from_statement', 'future_import_statement']) !== null;
}

/** The local name bound to one of these modules (`keras`, `tf`...), for code a fix inserts. */
export function moduleAlias(source: PythonSource, modules: readonly string[]): string | null {
  for (const node of source.nodes('identifier')) {
    if (node.field === 'attribute' || insideImport(node)) continue;
    const qualified = source.qualifiedName(node);
    if (qualified && modules.includes(qualified)) return source.textOf(node);
  }
  return null;
}

/**
 * The module path a name was imported from, as the file spells it (before aliases such as
 * `pytorch_lightning` → `lightning.pytorch` are unified): `pl.Trainer` after
 * `import pytorch_lightning as pl` gives `pytorch_lightning`.
 */
export function importedSpelling(source: PythonSource, expr: PyNode | null): string | null {
  let current = expr;
  while (current?.type === 'attribute') current = field(current, 'object');
  if (current?.type !== 'identifier') return null;
  const binding = source.names.bindingAt(source.textOf(current), current.start);
  return binding?.kind === 'import' ? binding.qualified : null;
}
