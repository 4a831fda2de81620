import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Language, Parser, type Tree } from 'web-tree-sitter';
import { DocumentTooLargeError, MAX_SYNTAX_NODES } from '../limits';
import { afterPythonString } from '../text';
import { CursorWalker } from './cursor-walk';
import { setTypeIndex, type PyNode } from './tree';

let ready: Promise<Parser> | null = null;
let parser: Parser | null = null;
let walker: CursorWalker = new CursorWalker(null);

/**
 * Finds a wasm file: beside the bundle in dist/ (what ships), else in the npm package (tests run
 * from sources). Never fetched from anywhere else.
 */
function locateWasm(fileName: string, packagePath: string): string {
  const besideBundle = join(__dirname, fileName);
  if (existsSync(besideBundle)) return besideBundle;
  return require.resolve(packagePath);
}

/** Loads tree-sitter and the Python grammar once per process. */
export function initPythonParser(): Promise<Parser> {
  if (!ready) {
    ready = (async () => {
      const runtimeWasm = locateWasm('web-tree-sitter.wasm', 'web-tree-sitter/web-tree-sitter.wasm');
      // Emscripten fills this object with the module's functions: the fast tree copy uses them.
      const moduleObject = { locateFile: () => runtimeWasm };
      await Parser.init(moduleObject);
      walker = new CursorWalker(moduleObject);
      const grammar = readFileSync(locateWasm('tree-sitter-python.wasm', 'tree-sitter-python/tree-sitter-python.wasm'));
      const language = await Language.load(grammar);
      const created = new Parser();
      created.setLanguage(language);
      parser = created;
      return created;
    })();
  }
  return ready;
}

/** The parser, once `initPythonParser()` has resolved. Analysis is synchronous after that. */
export function pythonParser(): Parser {
  if (!parser) throw new Error('The Python parser is not initialised: await initPythonParser() first.');
  return parser;
}

/**
 * The text tree-sitter is given: whole-line comments (outside strings) turned into spaces. The
 * grammar's indentation scanner looks ahead over every following comment line at each line break
 * after an indented block, so a run of N comment lines cost O(N²): 4,000 of them took 7 s
 * (test/reliability/). Whitespace lines cost nothing. Offsets do not move, nodes keep reading the
 * real text, and no rule uses comment nodes (they only skip them).
 */
export function parserInput(text: string): string {
  let out: string[] | null = null;
  let last = 0;
  let lineStart = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a || c === 0x0d) {
      lineStart = true;
      continue;
    }
    if (c === 0x20 || c === 0x09 || c === 0x0c) continue;
    if (c === 0x23 /* # */) {
      let end = i;
      while (end < text.length && text.charCodeAt(end) !== 0x0a && text.charCodeAt(end) !== 0x0d) end++;
      if (lineStart) {
        (out ??= []).push(text.slice(last, i), ' '.repeat(end - i));
        last = end;
      }
      i = end - 1;
      continue;
    }
    lineStart = false;
    // Skip the string (a triple-quoted one may hold lines that start with #).
    if (c === 0x22 || c === 0x27) i = afterPythonString(text, i) - 1;
  }
  return out ? out.join('') + text.slice(last) : text;
}

/** Parses Python text into a plain-object tree and frees the tree-sitter tree. */
export function parsePython(text: string): PyNode {
  const tree = pythonParser().parse(parserInput(text));
  if (!tree) throw new Error('tree-sitter returned no tree');
  try {
    return copyTree(tree);
  } finally {
    tree.delete();
  }
}

/** What a grammar symbol is called and whether it is named, looked up once per language. */
interface SymbolTable {
  names: string[];
  named: boolean[];
  fields: (string | null)[];
}

const symbolTables = new WeakMap<Language, SymbolTable>();

function symbolTable(language: Language): SymbolTable {
  let table = symbolTables.get(language);
  if (!table) {
    const names = language.types.map((name) => name ?? 'ERROR');
    table = { names, named: names.map((_, id) => language.nodeTypeIsNamed(id)), fields: language.fields.map((f) => f ?? null) };
    symbolTables.set(language, table);
  }
  return table;
}

const NO_CHILDREN: PyNode[] = Object.freeze([]) as unknown as PyNode[];

/** tree-sitter's ERROR symbol, (TSSymbol)-1. */
const ERROR_SYMBOL = 65535;

/**
 * Copies a tree-sitter tree into plain objects with one cursor walk. Every cursor read is a call
 * into WebAssembly (see cursor-walk.ts), so each node reads only its symbol, field and offsets;
 * names come from a per-language table, and the "missing" flag is read only for zero-width nodes.
 * `direct: false` walks through web-tree-sitter's public cursor API (the tests compare the two).
 */
export function copyTree(tree: Tree, { direct = true }: { direct?: boolean } = {}): PyNode {
  // Copying and analysing cost time and memory per node: refuse huge trees before copying (a
  // 1 MB one-line list took over a second, a 7 MB one almost 2 GB; see limits.ts). Every parse,
  // full or incremental, goes through here.
  const nodes = tree.rootNode.descendantCount;
  if (nodes > MAX_SYNTAX_NODES) throw new DocumentTooLargeError(`too much code to analyse (${nodes} syntax nodes; the limit is ${MAX_SYNTAX_NODES})`);
  const table = symbolTable(tree.language);
  const cursor = walker.walk(tree, direct);
  try {
    // Nodes by type in creation order, which is the walk's pre-order: PythonSource takes it over.
    const byType = new Map<string, PyNode[]>();
    const makeNode = (parent: PyNode | null): PyNode => {
      const symbol = cursor.typeId();
      const start = cursor.startIndex();
      const end = cursor.endIndex();
      const isError = symbol === ERROR_SYMBOL;
      const fieldId = cursor.fieldId();
      const node: PyNode = {
        type: isError ? 'ERROR' : (table.names[symbol] ?? 'ERROR'),
        named: isError || (table.named[symbol] ?? true),
        field: fieldId > 0 ? (table.fields[fieldId] ?? null) : null,
        start,
        end,
        // Leaves (about half the nodes) share one frozen empty list; a list is made when a first child comes.
        children: NO_CHILDREN,
        parent,
        broken: isError || (start === end && cursor.isMissing()),
      };
      const list = byType.get(node.type);
      if (list) list.push(node);
      else byType.set(node.type, [node]);
      return node;
    };
    const addChild = (parent: PyNode, child: PyNode) => {
      if (parent.children === NO_CHILDREN) (parent as { children: PyNode[] }).children = [child];
      else parent.children.push(child);
    };
    const root = makeNode(null);
    let current = root;
    // Iterative walk: deeply nested input must not overflow the JavaScript stack.
    for (;;) {
      if (cursor.gotoFirstChild()) {
        const child = makeNode(current);
        addChild(current, child);
        current = child;
        continue;
      }
      for (;;) {
        if (cursor.gotoNextSibling()) {
          const sibling = makeNode(current.parent);
          addChild(current.parent!, sibling);
          current = sibling;
          break;
        }
        if (!cursor.gotoParent()) {
          setTypeIndex(root, byType);
          return root;
        }
        current = current.parent!;
      }
    }
  } finally {
    cursor.close();
  }
}
