/**
 * A plain JavaScript copy of a tree-sitter syntax tree. Rules read it with ordinary property access
 * (no calls into WebAssembly), and the tree-sitter tree it was copied from can be freed at once.
 */
export interface PyNode {
  readonly type: string;
  /** Named nodes are grammar symbols; unnamed ones are punctuation and keywords. */
  readonly named: boolean;
  /** The field name this node has in its parent (`function`, `arguments`, `name`...), if any. */
  readonly field: string | null;
  /** Offsets into the analysed text (UTF-16 code units). */
  readonly start: number;
  readonly end: number;
  readonly children: PyNode[];
  readonly parent: PyNode | null;
  /** True for ERROR nodes and zero-width nodes the parser invented to recover. */
  readonly broken: boolean;
}

/**
 * Nodes of a tree by type, in source order, for trees whose copy built the index on the way
 * (copyTree does: it saves PythonSource another walk over every node).
 */
const typeIndexes = new WeakMap<PyNode, Map<string, PyNode[]>>();

export function setTypeIndex(root: PyNode, index: Map<string, PyNode[]>): void {
  typeIndexes.set(root, index);
}

/** The index copyTree built for this root; taken once (the index is the caller's to keep). */
export function takeTypeIndex(root: PyNode): Map<string, PyNode[]> | undefined {
  const index = typeIndexes.get(root);
  typeIndexes.delete(root);
  return index;
}

/** The first child with the given field name. */
export function field(node: PyNode, name: string): PyNode | null {
  for (const child of node.children) if (child.field === name) return child;
  return null;
}

/** All children with the given field name (e.g. several `alias` or `name` entries). */
export function fields(node: PyNode, name: string): PyNode[] {
  return node.children.filter((child) => child.field === name);
}

export function namedChildren(node: PyNode): PyNode[] {
  return node.children.filter((child) => child.named && child.type !== 'comment');
}

/** Depth-first, pre-order visit; the visitor returns false to skip a subtree. */
export function walk(node: PyNode, visit: (node: PyNode) => boolean | void): void {
  const stack: PyNode[] = [node];
  while (stack.length > 0) {
    const current = stack.pop()!;
    if (visit(current) === false) continue;
    for (let i = current.children.length - 1; i >= 0; i--) stack.push(current.children[i]);
  }
}

/** Every descendant of one of the given types, in source order. */
export function descendants(node: PyNode, types: string | readonly string[]): PyNode[] {
  const wanted = typeof types === 'string' ? [types] : types;
  const found: PyNode[] = [];
  walk(node, (n) => {
    if (n !== node && wanted.includes(n.type)) found.push(n);
  });
  return found;
}

/** Nearest ancestor of one of the given types. */
export function ancestor(node: PyNode, types: string | readonly string[]): PyNode | null {
  const wanted = typeof types === 'string' ? [types] : types;
  for (let current = node.parent; current; current = current.parent) {
    if (wanted.includes(current.type)) return current;
  }
  return null;
}

export function isAncestorOf(outer: PyNode, inner: PyNode): boolean {
  for (let current: PyNode | null = inner; current; current = current.parent) {
    if (current === outer) return true;
  }
  return false;
}

/** Whether any part of the tree failed to parse. */
export function hasSyntaxError(node: PyNode): boolean {
  let broken = false;
  walk(node, (n) => {
    if (n.broken) broken = true;
    return !broken;
  });
  return broken;
}

/** Number of ERROR / missing nodes, used to check that a fix adds no syntax error. */
export function countSyntaxErrors(node: PyNode): number {
  let count = 0;
  walk(node, (n) => {
    if (n.broken) count++;
  });
  return count;
}
