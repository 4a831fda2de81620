import type { Tree, TreeCursor } from 'web-tree-sitter';

/** What copyTree reads from a tree-sitter cursor, node by node. */
export interface CursorWalk {
  typeId(): number;
  startIndex(): number;
  endIndex(): number;
  fieldId(): number;
  isMissing(): boolean;
  gotoFirstChild(): boolean;
  gotoNextSibling(): boolean;
  gotoParent(): boolean;
  /** Frees the cursor. */
  close(): void;
}

/**
 * The functions of web-tree-sitter's Emscripten module that a cursor walk needs. `Parser.init`
 * installs them on the options object it is given (Emscripten's `Module`).
 */
interface CursorExports {
  _ts_init(): number;
  _ts_tree_cursor_current_node_type_id_wasm(tree: number): number;
  _ts_tree_cursor_start_index_wasm(tree: number): number;
  _ts_tree_cursor_end_index_wasm(tree: number): number;
  _ts_tree_cursor_current_field_id_wasm(tree: number): number;
  _ts_tree_cursor_current_node_is_missing_wasm(tree: number): number;
  _ts_tree_cursor_goto_first_child_wasm(tree: number): number;
  _ts_tree_cursor_goto_next_sibling_wasm(tree: number): number;
  _ts_tree_cursor_goto_parent_wasm(tree: number): number;
  HEAP32: Int32Array;
}

const REQUIRED = [
  '_ts_init',
  '_ts_tree_cursor_current_node_type_id_wasm',
  '_ts_tree_cursor_start_index_wasm',
  '_ts_tree_cursor_end_index_wasm',
  '_ts_tree_cursor_current_field_id_wasm',
  '_ts_tree_cursor_current_node_is_missing_wasm',
  '_ts_tree_cursor_goto_first_child_wasm',
  '_ts_tree_cursor_goto_next_sibling_wasm',
  '_ts_tree_cursor_goto_parent_wasm',
] as const;

/** web-tree-sitter's cursor object, with the internals this walk touches. */
type CursorInternals = TreeCursor & { handles?: number[]; tree?: { [0]?: number } };

/**
 * Every property of web-tree-sitter's TreeCursor first copies the cursor's four words into the
 * module's transfer buffer with `setValue`, and every move copies them back with `getValue`:
 * about 20 such calls per node, which made copying a tree cost as much as parsing it. The C
 * functions read the cursor from that buffer and moves write it back there, so once the state is
 * in the buffer, calling them directly keeps it current and the copies can be skipped. At the
 * end the live state goes back into the JavaScript cursor, whose `delete()` frees it (the
 * cursor's stack may have been reallocated on the way).
 *
 * Used only when the module exposes what is needed (checked once); otherwise, and for any
 * version whose cursor lacks `handles`, the public API walks the tree. Tests compare both walks.
 */
export class CursorWalker {
  private readonly exports: CursorExports | null;
  private readonly transferWord: number;

  constructor(moduleObject: unknown) {
    const candidate = moduleObject as Partial<Record<string, unknown>> | null;
    const complete = !!candidate && REQUIRED.every((name) => typeof candidate[name] === 'function') && candidate.HEAP32 instanceof Int32Array;
    this.exports = complete ? (candidate as unknown as CursorExports) : null;
    // ts_init only writes the library's version numbers into its static buffer and returns its address.
    this.transferWord = this.exports ? this.exports._ts_init() >> 2 : 0;
  }

  walk(tree: Tree, direct = true): CursorWalk {
    const cursor = tree.walk() as CursorInternals;
    const treeAddress = cursor.tree?.[0];
    const exports = this.exports;
    if (!direct || !exports || !Array.isArray(cursor.handles) || cursor.handles.length !== 4 || typeof treeAddress !== 'number') return publicWalk(cursor);
    // Any property access marshals the cursor into the transfer buffer.
    void cursor.nodeTypeId;
    const word = this.transferWord;
    return {
      typeId: () => exports._ts_tree_cursor_current_node_type_id_wasm(treeAddress),
      startIndex: () => exports._ts_tree_cursor_start_index_wasm(treeAddress),
      endIndex: () => exports._ts_tree_cursor_end_index_wasm(treeAddress),
      fieldId: () => exports._ts_tree_cursor_current_field_id_wasm(treeAddress),
      isMissing: () => exports._ts_tree_cursor_current_node_is_missing_wasm(treeAddress) === 1,
      gotoFirstChild: () => exports._ts_tree_cursor_goto_first_child_wasm(treeAddress) === 1,
      gotoNextSibling: () => exports._ts_tree_cursor_goto_next_sibling_wasm(treeAddress) === 1,
      gotoParent: () => exports._ts_tree_cursor_goto_parent_wasm(treeAddress) === 1,
      close: () => {
        // HEAP32 is replaced when the wasm memory grows: read it now, not at construction.
        const heap = exports.HEAP32;
        for (let i = 0; i < 4; i++) cursor.handles![i] = heap[word + i];
        cursor.delete();
      },
    };
  }
}

function publicWalk(cursor: TreeCursor): CursorWalk {
  return {
    typeId: () => cursor.nodeTypeId,
    startIndex: () => cursor.startIndex,
    endIndex: () => cursor.endIndex,
    fieldId: () => cursor.currentFieldId,
    isMissing: () => cursor.nodeIsMissing,
    gotoFirstChild: () => cursor.gotoFirstChild(),
    gotoNextSibling: () => cursor.gotoNextSibling(),
    gotoParent: () => cursor.gotoParent(),
    close: () => cursor.delete(),
  };
}
