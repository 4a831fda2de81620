// Reads a V8 .cpuprofile of a bundled GreenML process and attributes its time to the original
// source files through the bundle's source map: self time per file and per group (tree-sitter
// wasm, tree copy, rules, GC, ...), and inclusive time per file (any frame of it on the stack).
import { readFileSync } from 'node:fs';

const B64 = new Map([...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].map((c, i) => [c, i]));

/** Decodes a source map's mappings into, per generated line, sorted columns and source indexes. */
function decodeMappings(map) {
  const lines = [];
  let srcIdx = 0;
  let srcLine = 0;
  let srcCol = 0;
  let nameIdx = 0;
  for (const lineText of map.mappings.split(';')) {
    const cols = [];
    const srcs = [];
    const srcLines = [];
    let genCol = 0;
    if (lineText.length > 0) {
      for (const segment of lineText.split(',')) {
        const values = [];
        let value = 0;
        let shift = 0;
        for (const ch of segment) {
          const digit = B64.get(ch);
          value += (digit & 31) << shift;
          if (digit & 32) shift += 5;
          else {
            values.push(value & 1 ? -(value >>> 1) : value >>> 1);
            value = 0;
            shift = 0;
          }
        }
        genCol += values[0];
        if (values.length >= 4) {
          srcIdx += values[1];
          srcLine += values[2];
          srcCol += values[3];
          if (values.length >= 5) nameIdx += values[4];
          cols.push(genCol);
          srcs.push(srcIdx);
          srcLines.push(srcLine);
        }
      }
    }
    lines.push({ cols, srcs, srcLines });
  }
  return lines;
}

function makeLocator(mapPath) {
  const map = JSON.parse(readFileSync(mapPath, 'utf8'));
  const lines = decodeMappings(map);
  const sources = map.sources.map((s) => s.replace(/^(\.\.\/)+/, ''));
  /** The original file and 1-based line of a generated position (a function's start, in profiles). */
  return (line, col) => {
    const entry = lines[line];
    if (!entry || entry.cols.length === 0) return null;
    let lo = 0;
    let hi = entry.cols.length - 1;
    if (entry.cols[0] <= col) {
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (entry.cols[mid] <= col) lo = mid;
        else hi = mid - 1;
      }
    }
    return { file: sources[entry.srcs[lo]], line: entry.srcLines[lo] + 1 };
  };
}

/** Coarse groups that answer "what dominates". */
export function groupOf(file) {
  if (file === '(garbage collector)') return 'GC (garbage collector)';
  if (file === '(program)') return 'V8/native (program)';
  if (file === '(idle)') return 'idle';
  if (file === 'wasm://runtime') return 'tree-sitter wasm: runtime (parse loop, cursor)';
  if (file === 'wasm://grammar') return 'tree-sitter wasm: Python grammar (lexer, scanner)';
  if (file.includes('node_modules/web-tree-sitter')) return 'web-tree-sitter JS glue';
  if (file.endsWith('server/src/engine/python/parser.ts')) return 'tree copy to JS objects (engine/python/parser.ts)';
  if (file.startsWith('server/src/rules/')) return 'rules (server/src/rules)';
  if (file.startsWith('server/src/engine/')) return 'engine other (server/src/engine)';
  if (file.startsWith('server/src/knowledge/')) return 'knowledge';
  if (file.startsWith('server/src/cli/')) return 'cli (discovery, reading, output)';
  if (file.startsWith('server/src/lsp/')) return 'lsp handlers (server/src/lsp)';
  if (file.includes('node_modules/vscode-')) return 'LSP/JSON-RPC library';
  if (file.includes('node_modules/')) return `library ${file.split('node_modules/')[1].split('/').slice(0, file.split('node_modules/')[1].startsWith('@') ? 2 : 1).join('/')}`;
  if (file.startsWith('node:') || file === '(native)') return 'node built-ins (fs, streams, ...)';
  return `other: ${file}`;
}

/**
 * @param profilePaths .cpuprofile files written by --cpu-prof (one per thread: main and workers), summed
 * @param bundles [{ suffix: '/cli.js', map: 'dist/cli.js.map' }]
 */
export function analyzeProfiles(profilePaths, bundles, { top = 15 } = {}) {
  const locators = bundles.map((b) => ({ suffix: b.suffix, locate: makeLocator(b.map) }));
  const self = new Map();
  const inclusive = new Map();
  const selfGroup = new Map();
  const selfFunction = new Map();
  let total = 0;
  const add = (m, k, v) => m.set(k, (m.get(k) ?? 0) + v);
  for (const profilePath of profilePaths) {
    const profile = JSON.parse(readFileSync(profilePath, 'utf8'));
    total += accumulate(profile, locators, { self, inclusive, selfGroup, selfFunction, add });
  }
  const rank = (m) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms: Math.round(ms), pct: Math.round((1000 * ms) / total) / 10 }));
  return {
    threads: profilePaths.length,
    sampledMs: Math.round(total),
    selfByGroup: rank(selfGroup),
    selfByFile: rank(self),
    inclusiveByFile: rank(new Map([...inclusive].filter(([f]) => !f.startsWith('(') && f !== 'node:'))),
    selfByFunction: rank(selfFunction),
  };
}

function accumulate(profile, locators, { self, inclusive, selfGroup, selfFunction, add }) {
  const byId = new Map();
  const parent = new Map();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  // Two wasm modules run: web-tree-sitter's runtime (hundreds of functions) and the Python grammar
  // (a lexer, keyword lexer and external scanner: a handful). Tell them apart by the highest function
  // index seen (profiles carry no wasm names here).
  const maxWasmIndex = new Map();
  for (const node of profile.nodes) {
    const { url, functionName } = node.callFrame;
    const m = /wasm-function\[(\d+)\]/.exec(functionName);
    if (url.startsWith('wasm://') && m) maxWasmIndex.set(url, Math.max(maxWasmIndex.get(url) ?? 0, Number(m[1])));
  }
  const fileOf = new Map();
  const lineOf = new Map();
  for (const node of profile.nodes) {
    const { url, functionName, lineNumber, columnNumber } = node.callFrame;
    let file;
    if (!url) file = functionName.startsWith('(') ? functionName : '(native)';
    else if (url.startsWith('wasm://')) file = (maxWasmIndex.get(url) ?? 0) > 40 ? 'wasm://runtime' : 'wasm://grammar';
    else if (url.startsWith('node:')) file = 'node:';
    else {
      const bundle = locators.find((b) => url.endsWith(b.suffix));
      const located = bundle ? bundle.locate(lineNumber, columnNumber) : null;
      file = located ? located.file : url.replace(/^file:\/\//, '');
      if (located) lineOf.set(node.id, located.line);
    }
    fileOf.set(node.id, file);
  }
  let total = 0;
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    const dt = (timeDeltas[i] ?? 0) / 1000;
    if (dt <= 0) continue;
    const leaf = samples[i];
    const leafFile = fileOf.get(leaf);
    if (leafFile === '(idle)') continue;
    total += dt;
    add(self, leafFile, dt);
    add(selfGroup, groupOf(leafFile), dt);
    const at = lineOf.has(leaf) ? `${leafFile}:${lineOf.get(leaf)}` : leafFile;
    add(selfFunction, `${byId.get(leaf).callFrame.functionName || '(anonymous)'} [${at}]`, dt);
    const seen = new Set();
    for (let id = leaf; id !== undefined; id = parent.get(id)) {
      const f = fileOf.get(id);
      if (!seen.has(f)) {
        seen.add(f);
        add(inclusive, f, dt);
      }
    }
  }
  return total;
}
