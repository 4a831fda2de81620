import { parseTree, printParseErrorCode, type Node as JsonNode, type ParseError } from 'jsonc-parser';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { LineIndex } from '../text';
import { detectFlavors, type ConfigFlavor } from './flavor';

/**
 * YAML and JSON training configs share one small tree: maps, sequences and scalars with source
 * offsets, so rules read both formats the same way. YAML aliases are not expanded (an alias
 * "bomb" costs nothing): they read as an unknown scalar.
 */
export type ConfigNode = ConfigMap | ConfigSeq | ConfigScalar;

export interface ConfigScalar {
  kind: 'scalar';
  value: string | number | boolean | null | undefined;
  start: number;
  end: number;
}

export interface ConfigMap {
  kind: 'map';
  entries: ConfigEntry[];
  /** Flow maps (`{a: 1}`) and one-line JSON objects get inline insertions. */
  flow: boolean;
  start: number;
  end: number;
}

export interface ConfigSeq {
  kind: 'seq';
  items: ConfigNode[];
  start: number;
  end: number;
}

export interface ConfigEntry {
  key: string;
  keyStart: number;
  keyEnd: number;
  /** Null for a YAML key with no value (`bf16:`). */
  value: ConfigNode | null;
}

export class ConfigSource {
  readonly lines: LineIndex;
  readonly flavors: ReadonlySet<ConfigFlavor>;

  constructor(readonly format: 'yaml' | 'json', readonly text: string, readonly root: ConfigNode | null) {
    this.lines = new LineIndex(text);
    this.flavors = detectFlavors(root);
  }

  /** The value at a key path, e.g. `get(['trainer', 'precision'])`. */
  get(path: readonly string[], from: ConfigNode | null = this.root): ConfigNode | null {
    return this.entry(path, from)?.value ?? null;
  }

  /** The entry at a key path. */
  entry(path: readonly string[], from: ConfigNode | null = this.root): ConfigEntry | null {
    let node = from;
    let found: ConfigEntry | null = null;
    for (const key of path) {
      if (!node || node.kind !== 'map') return null;
      found = node.entries.find((e) => e.key === key) ?? null;
      if (!found) return null;
      node = found.value;
    }
    return found;
  }

  /** Every entry with this key anywhere in the tree, in source order. */
  entriesNamed(key: string): ConfigEntry[] {
    const found: ConfigEntry[] = [];
    const visit = (node: ConfigNode | null) => {
      if (!node) return;
      if (node.kind === 'map') {
        for (const entry of node.entries) {
          if (entry.key === key) found.push(entry);
          visit(entry.value);
        }
      } else if (node.kind === 'seq') node.items.forEach(visit);
    };
    visit(this.root);
    return found;
  }
}

export function scalarValue(node: ConfigNode | null): ConfigScalar['value'] {
  return node?.kind === 'scalar' ? node.value : undefined;
}

export class ConfigParseError extends Error {}

function lineColumn(lines: LineIndex, offset: number): string {
  const { line, character } = lines.positionAt(offset);
  return `line ${line + 1}, column ${character + 1}`;
}

/** Parses YAML; throws ConfigParseError with the position of the first syntax error. */
export function parseYamlConfig(text: string): ConfigSource {
  const lineCounter = new LineCounter();
  // The parser makes an Error per problem, and broken input can have one per few characters:
  // capturing their stack traces (never used) took most of the time on such input.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  let document: ReturnType<typeof parseDocument>;
  try {
    document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false, strict: false });
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
  if (document.errors.length > 0) {
    const first = document.errors[0];
    const lines = new LineIndex(text);
    throw new ConfigParseError(`invalid YAML at ${lineColumn(lines, first.pos[0])}: ${first.message.split('\n')[0]}`);
  }
  return new ConfigSource('yaml', text, convertYaml(document.contents as YamlNode | null, text));
}

function convertYaml(node: YamlNode | null, text: string): ConfigNode | null {
  if (!node) return null;
  const [start, , end] = node.range ?? [0, 0, 0];
  if (isMap(node)) {
    const entries: ConfigEntry[] = [];
    for (const pair of node.items) {
      const key = pair.key as YamlNode | null;
      if (!key || !isScalar(key) || !key.range) continue;
      entries.push({
        key: String(key.value),
        keyStart: key.range[0],
        keyEnd: key.range[1],
        value: convertYaml(pair.value as YamlNode | null, text),
      });
    }
    return { kind: 'map', entries, flow: Boolean(node.flow), start, end };
  }
  if (isSeq(node)) {
    return { kind: 'seq', items: node.items.map((i) => convertYaml(i as YamlNode, text)).filter((i): i is ConfigNode => i !== null), start, end };
  }
  if (isScalar(node)) {
    const value = node.value;
    const plain = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value === null ? value : undefined;
    return { kind: 'scalar', value: plain, start, end: node.range![1] };
  }
  if (isAlias(node)) return { kind: 'scalar', value: undefined, start, end };
  return null;
}

/** Parses JSON (comments and trailing commas allowed, as many tools accept them). */
export function parseJsonConfig(text: string): ConfigSource {
  // An empty file is not a broken one: it simply configures nothing.
  if (text.trim() === '') return new ConfigSource('json', text, null);
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0 || !tree) {
    const lines = new LineIndex(text);
    const first = errors[0];
    const where = first ? lineColumn(lines, first.offset) : 'line 1, column 1';
    throw new ConfigParseError(`invalid JSON at ${where}: ${first ? printParseErrorCode(first.error) : 'empty document'}`);
  }
  return new ConfigSource('json', text, convertJson(tree, text));
}

function convertJson(node: JsonNode, text: string): ConfigNode | null {
  const start = node.offset;
  const end = node.offset + node.length;
  switch (node.type) {
    case 'object': {
      const entries: ConfigEntry[] = [];
      for (const property of node.children ?? []) {
        const [key, value] = property.children ?? [];
        if (!key || typeof key.value !== 'string') continue;
        entries.push({ key: key.value, keyStart: key.offset, keyEnd: key.offset + key.length, value: value ? convertJson(value, text) : null });
      }
      const oneLine = !text.slice(start, end).includes('\n');
      return { kind: 'map', entries, flow: oneLine, start, end };
    }
    case 'array':
      return { kind: 'seq', items: (node.children ?? []).map((c) => convertJson(c, text)).filter((c): c is ConfigNode => c !== null), start, end };
    default:
      return { kind: 'scalar', value: node.value as ConfigScalar['value'], start, end };
  }
}
