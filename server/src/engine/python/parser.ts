import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Language, Parser, type Tree } from 'web-tree-sitter';
import type { PyNode } from './tree';

let ready: Promise<Parser> | null = null;
let parser: Parser | null = null;

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
      await Parser.init({ locateFile: () => runtimeWasm });
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

/** Parses Python text into a plain-object tree and frees the tree-sitter tree. */
export function parsePython(text: string): PyNode {
  const tree = pythonParser().parse(text);
  if (!tree) throw new Error('tree-sitter returned no tree');
  try {
    return copyTree(tree);
  } finally {
    tree.delete();
  }
}

/** Copies a tree-sitter tree into plain objects with one cursor walk. */
export function copyTree(tree: Tree): PyNode {
  const cursor = tree.walk();
  try {
    const makeNode = (parent: PyNode | null): PyNode => ({
      type: cursor.nodeType,
      named: cursor.nodeIsNamed,
      field: cursor.currentFieldName,
      start: cursor.startIndex,
      end: cursor.endIndex,
      children: [],
      parent,
      broken: cursor.nodeIsMissing || cursor.nodeType === 'ERROR',
    });
    const root = makeNode(null);
    let current = root;
    // Iterative walk: deeply nested input must not overflow the JavaScript stack.
    for (;;) {
      if (cursor.gotoFirstChild()) {
        const child = makeNode(current);
        current.children.push(child);
        current = child;
        continue;
      }
      for (;;) {
        if (cursor.gotoNextSibling()) {
          const sibling = makeNode(current.parent);
          current.parent!.children.push(sibling);
          current = sibling;
          break;
        }
        if (!cursor.gotoParent()) return root;
        current = current.parent!;
      }
    }
  } finally {
    cursor.delete();
  }
}
