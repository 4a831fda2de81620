import type { PyNode } from './tree';

/** Where statements live: a statement's copy can be reused whole when an edit leaves it alone. */
const STATEMENT_PARENTS = new Set(['module', 'block']);

/** What changed between the previous tree and the new one, in the new text's offsets. */
export interface ChangePlan {
  /** The edit: [start, oldEnd) in the old text became [start, newEnd) in the new one. */
  start: number;
  oldEnd: number;
  newEnd: number;
  /** Ranges whose syntax tree-sitter reports as changed (Tree.getChangedRanges). */
  changed: readonly { startIndex: number; endIndex: number }[];
  /** The new tree has syntax errors somewhere. */
  hasError: boolean;
}

/**
 * The statements of the previous copy of a document's tree, reused after an edit. A statement
 * that lies wholly before or after the edit, and outside every range whose syntax tree-sitter
 * says changed, has the same syntax tree as before (its offsets shifted by the edit's length
 * difference when it comes after). Copying it again meant calls into WebAssembly per node; the
 * previous copy, cloned and shifted, is plain JavaScript. Only statements (children of a module
 * or block) are looked up: few lookups, and everything but the statements around the edit is
 * reused.
 *
 * tree-sitter's changed ranges leave out zero-width differences: the MISSING nodes its error
 * recovery inserts. So a statement whose previous copy holds one is never reused, and when the
 * new tree has errors only statements before the edit are (recovery works from the edit on).
 * Tests compare the result with a plain copy of the same tree over thousands of hostile edits.
 */
export class SubtreeReuse {
  private previous = new Map<number, PyNode[]>();
  private next = new Map<number, PyNode[]>();
  /** Statements of the previous copy that hold a zero-width (MISSING) node. */
  private unsafe = new Set<PyNode>();
  private missing: PyNode[] = [];
  private plan: ChangePlan | null = null;
  /** Statements taken over from the previous copy by the last copy (for tests and measurements). */
  reusedStatements = 0;

  /** Before copying a re-parsed tree: what changed since the previous copy. */
  begin(plan: ChangePlan | null): void {
    this.plan = plan;
    this.next = new Map();
    this.missing = [];
    this.reusedStatements = 0;
  }

  /** Whether a node about to be copied is a statement. */
  isStatement(parent: PyNode | null): boolean {
    return parent !== null && STATEMENT_PARENTS.has(parent.type);
  }

  /** The previous copy of the statement now at [start, end), cloned at its new place; or null. */
  reuse(type: string, start: number, end: number, field: string | null, broken: boolean, parent: PyNode): PyNode | null {
    const plan = this.plan;
    if (!plan || touches(start, end, plan.start, plan.newEnd) || plan.changed.some((r) => touches(start, end, r.startIndex, r.endIndex))) return null;
    let shift: number;
    if (end <= plan.start) shift = 0;
    else if (start >= plan.newEnd && !plan.hasError) shift = plan.newEnd - plan.oldEnd;
    else return null;
    const old = this.previous.get(start - shift)?.find((n) => n.type === type && n.end === end - shift);
    if (!old || old.children.length === 0 || this.unsafe.has(old)) return null;
    const root: PyNode = { type, named: old.named, field, start, end, children: [], parent, broken };
    this.record(root);
    // Iterative clone: statements can nest deeply.
    const stack: [PyNode, PyNode][] = [[old, root]];
    while (stack.length > 0) {
      const [from, to] = stack.pop()!;
      const isBlock = STATEMENT_PARENTS.has(to.type);
      for (const child of from.children) {
        const copy: PyNode = { type: child.type, named: child.named, field: child.field, start: child.start + shift, end: child.end + shift, children: [], parent: to, broken: child.broken };
        to.children.push(copy);
        if (isBlock) this.record(copy);
        if (child.children.length > 0) stack.push([child, copy]);
      }
    }
    this.reusedStatements++;
    return root;
  }

  /** Indexes a statement of the copy being made, for the next copy. */
  record(node: PyNode): void {
    const list = this.next.get(node.start);
    if (list) list.push(node);
    else this.next.set(node.start, [node]);
  }

  /** A zero-width node the parser invented (copied, never cloned: clones come from clean statements). */
  noteMissing(node: PyNode): void {
    this.missing.push(node);
  }

  /** The copy is complete: its statements are the ones to reuse next time, but not those holding a MISSING node. */
  finish(): void {
    this.previous = this.next;
    this.next = new Map();
    this.plan = null;
    this.unsafe = new Set();
    for (const node of this.missing) {
      for (let current = node.parent; current; current = current.parent) if (current.parent && STATEMENT_PARENTS.has(current.parent.type)) this.unsafe.add(current);
    }
    this.missing = [];
  }

  /** A copy failed or the tree was dropped: nothing may be reused. */
  clear(): void {
    this.previous = new Map();
    this.next = new Map();
    this.plan = null;
    this.unsafe = new Set();
    this.missing = [];
    this.reusedStatements = 0;
  }
}

/** Whether [start, end) and [from, to] meet (touching counts: an edit at a statement's edge may change it). */
function touches(start: number, end: number, from: number, to: number): boolean {
  return from <= end && to >= start;
}
