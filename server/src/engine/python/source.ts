import { LineIndex } from '../text';
import { canonicalName, NameTable } from './names';
import { field, isAncestorOf, takeTypeIndex, walk, type PyNode } from './tree';

/** The most attribute links a qualified name may have (`torch.nn.parallel.DistributedDataParallel` has 3). */
const MAX_QUALIFIED_LINKS = 32;

/** A literal value read from the syntax tree, or `undefined` when the node is not a plain literal. */
export type Literal = string | number | boolean | null | Literal[] | { [key: string]: Literal };

/** A string literal and the node that holds it (for constants: the literal where it is assigned). */
export interface StringAt {
  value: string;
  node: PyNode;
}

/**
 * One parsed Python program (a .py file, or a notebook's code cells joined in order) and the name
 * resolution rules build on. Everything is computed once per text.
 */
export class PythonSource {
  readonly lines: LineIndex;
  readonly names: NameTable;
  private readonly byType: Map<string, PyNode[]>;
  private cudaCache: boolean | undefined;
  private callsByMethod: Map<string, PyNode[]> | null = null;
  private callsByFunction: Map<string, PyNode[]> | null = null;
  /** Every rule asks for the names of the same calls: resolve each expression once. */
  private readonly qualifiedCache = new Map<PyNode, string | null>();

  /**
   * @param segments for a notebook, where each code cell sits in `text`; edits that add code
   * (imports) then go into the cell that needs them, since a fix must stay within one cell.
   */
  constructor(
    readonly text: string,
    readonly root: PyNode,
    readonly segments: readonly { start: number; end: number }[] | null = null,
  ) {
    this.lines = new LineIndex(text);
    const index = takeTypeIndex(root);
    if (index) this.byType = index;
    else {
      const byType = (this.byType = new Map<string, PyNode[]>());
      walk(root, (node) => {
        const list = byType.get(node.type);
        if (list) list.push(node);
        else byType.set(node.type, [node]);
      });
    }
    this.names = new NameTable(root, text, (type) => this.nodes(type));
  }

  /** The notebook cell (as a range of `text`) holding an offset; null outside notebooks. */
  segmentAt(offset: number): { start: number; end: number } | null {
    return this.segments?.find((s) => offset >= s.start && offset <= s.end) ?? null;
  }

  textOf(node: PyNode): string {
    return this.text.slice(node.start, node.end);
  }

  /** All nodes of a type, in source order. */
  nodes(type: string): readonly PyNode[] {
    return this.byType.get(type) ?? [];
  }

  /**
   * The library name an expression refers to through the file's imports, e.g. `nn.DataParallel`
   * after `import torch.nn as nn` is `torch.nn.DataParallel`. Null for the file's own names.
   */
  qualifiedName(expr: PyNode | null): string | null {
    if (!expr) return null;
    const cached = this.qualifiedCache.get(expr);
    if (cached !== undefined) return cached;
    const resolved = this.resolveQualifiedName(expr);
    this.qualifiedCache.set(expr, resolved);
    return resolved;
  }

  private resolveQualifiedName(expr: PyNode): string | null {
    // Iterative: an attribute chain `a.b.c...` as long as the file (fuzzed or generated input)
    // overflowed the call stack when this recursed once per dot (test/reliability/hostile).
    // Every attribute node on the way is cached too. No library name is longer than
    // MAX_QUALIFIED_LINKS links: longer chains are not one, and stopping there keeps both time
    // and the cached names linear in the chain's length (they grew quadratically).
    const chain: PyNode[] = [];
    let current: PyNode | null = expr;
    let name: string | null | undefined;
    while (current) {
      if (chain.length > MAX_QUALIFIED_LINKS) return null;
      if (current !== expr) name = this.qualifiedCache.get(current);
      if (name !== undefined) break;
      if (current.type === 'identifier') {
        const binding = this.names.bindingAt(this.textOf(current), current.start);
        name = binding?.kind === 'import' ? canonicalName(binding.qualified) : null;
        if (current !== expr) this.qualifiedCache.set(current, name);
        break;
      }
      if (current.type !== 'attribute') break;
      chain.push(current);
      current = field(current, 'object');
    }
    name ??= null;
    for (let i = chain.length - 1; i >= 0; i--) {
      const attribute = field(chain[i], 'attribute');
      name = name && attribute ? canonicalName(`${name}.${this.textOf(attribute)}`) : null;
      if (chain[i] !== expr) this.qualifiedCache.set(chain[i], name);
    }
    return name;
  }

  /** Qualified name of what a call calls. */
  calleeName(call: PyNode): string | null {
    return this.qualifiedName(field(call, 'function'));
  }

  /**
   * For `x.method(...)`: the qualified name of the call that created `x`, when `x` was assigned
   * from a call, e.g. `trainer = Trainer(...)` → `transformers.Trainer`; else null.
   */
  receiverType(call: PyNode): string | null {
    const callee = field(call, 'function');
    if (callee?.type !== 'attribute') return null;
    return this.instanceType(field(callee, 'object'));
  }

  /** The call an expression's value comes from: the call itself, or the call a name was last assigned from. */
  constructorCall(expr: PyNode | null): PyNode | null {
    if (!expr) return null;
    if (expr.type === 'call') return expr;
    if (expr.type !== 'identifier') return null;
    const binding = this.names.bindingAt(this.textOf(expr), expr.start);
    return binding?.kind === 'call' ? binding.call : null;
  }

  /** The qualified name of the call an identifier was last assigned from. */
  instanceType(expr: PyNode | null): string | null {
    const call = this.constructorCall(expr);
    return call ? this.calleeName(call) : null;
  }

  /** The method name of `x.method(...)`, or null for a plain function call. */
  methodName(call: PyNode): string | null {
    const callee = field(call, 'function');
    if (callee?.type !== 'attribute') return null;
    const attribute = field(callee, 'attribute');
    return attribute ? this.textOf(attribute) : null;
  }

  /** Every `x.<method>(...)` call of the document, in source order (indexed on first use). */
  methodCalls(method: string): readonly PyNode[] {
    if (!this.callsByMethod) {
      this.callsByMethod = new Map();
      for (const call of this.nodes('call')) {
        const name = this.methodName(call);
        if (name === null) continue;
        const list = this.callsByMethod.get(name);
        if (list) list.push(call);
        else this.callsByMethod.set(name, [call]);
      }
    }
    return this.callsByMethod.get(method) ?? [];
  }

  /** Every plain `name(...)` call of the document (the callee a bare name), in source order (indexed on first use). */
  functionCalls(name: string): readonly PyNode[] {
    if (!this.callsByFunction) {
      this.callsByFunction = new Map();
      for (const call of this.nodes('call')) {
        const callee = field(call, 'function');
        if (callee?.type !== 'identifier') continue;
        const text = this.textOf(callee);
        const list = this.callsByFunction.get(text);
        if (list) list.push(call);
        else this.callsByFunction.set(text, [call]);
      }
    }
    return this.callsByFunction.get(name) ?? [];
  }

  /**
   * The nodes of a type that start inside `within` (itself included when of that type), in source order. The
   * lists are in pre-order, so sorted by start: a node starting inside `within` is one of its
   * descendants, and two binary searches find them without walking the others.
   */
  nodesWithin(type: string, within: PyNode): readonly PyNode[] {
    const all = this.nodes(type);
    const firstAtOrAfter = (offset: number) => {
      let lo = 0;
      let hi = all.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (all[mid].start < offset) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    let from = firstAtOrAfter(within.start);
    // Nodes that start where `within` starts may be its ancestors (`f(x)(y)`): keep descendants only.
    while (from < all.length && all[from].start === within.start && !isAncestorOf(within, all[from])) from++;
    return all.slice(from, Math.max(from, firstAtOrAfter(within.end)));
  }

  /** Receiver expression of `x.method(...)`. */
  receiver(call: PyNode): PyNode | null {
    const callee = field(call, 'function');
    return callee?.type === 'attribute' ? field(callee, 'object') : null;
  }

  private argumentNodes(call: PyNode): PyNode[] {
    const args = field(call, 'arguments');
    return args ? args.children.filter((c) => c.named && c.type !== 'comment') : [];
  }

  /** Positional arguments, in order (stops at the first `*args`, after which positions are unknown). */
  positionalArgs(call: PyNode): PyNode[] {
    const out: PyNode[] = [];
    for (const arg of this.argumentNodes(call)) {
      if (arg.type === 'list_splat' || arg.type === 'dictionary_splat') break;
      if (arg.type !== 'keyword_argument') out.push(arg);
    }
    return out;
  }

  /** The `keyword_argument` node for `name=...`, if present. */
  keywordArg(call: PyNode, name: string): PyNode | null {
    for (const arg of this.argumentNodes(call)) {
      if (arg.type !== 'keyword_argument') continue;
      const key = field(arg, 'name');
      if (key && this.textOf(key) === name) return arg;
    }
    return null;
  }

  /** The value of `name=...`, if present. */
  keywordValue(call: PyNode, name: string): PyNode | null {
    const arg = this.keywordArg(call, name);
    return arg ? field(arg, 'value') : null;
  }

  /** The value passed as keyword `name` or at position `index`. */
  argument(call: PyNode, name: string, index: number): PyNode | null {
    return this.keywordValue(call, name) ?? this.positionalArgs(call)[index] ?? null;
  }

  /** Whether a call passes `*args` or `**kwargs`: then a missing keyword may be set after all. */
  hasSplat(call: PyNode): boolean {
    return this.argumentNodes(call).some((a) => a.type === 'list_splat' || a.type === 'dictionary_splat');
  }

  /** The text of a string literal with no interpolation, else undefined. */
  stringLiteral(node: PyNode | null): string | undefined {
    if (!node || node.type !== 'string') return undefined;
    let value = '';
    for (const child of node.children) {
      if (child.type === 'interpolation') return undefined;
      if (child.type === 'string_content' || child.type === 'escape_sequence') value += this.textOf(child);
      if (child.type === 'string_start' && /[fF]/.test(this.textOf(child))) {
        if (node.children.some((c) => c.type === 'interpolation')) return undefined;
      }
    }
    return value;
  }

  /**
   * A string the expression evaluates to: a literal, or a name assigned exactly once, from a
   * literal, anywhere in the file (a module constant such as `MODEL = "gpt2-xl"`).
   */
  stringValue(expr: PyNode | null): StringAt | undefined {
    if (!expr) return undefined;
    const literal = this.stringLiteral(expr);
    if (literal !== undefined) return { value: literal, node: expr };
    if (expr.type !== 'identifier') return undefined;
    const bindings = this.names.all(this.textOf(expr));
    if (bindings.length !== 1 || bindings[0].kind !== 'value') return undefined;
    const value = this.stringLiteral(bindings[0].value);
    return value === undefined ? undefined : { value, node: bindings[0].value };
  }

  /**
   * Plain literal values (numbers, strings, booleans, None, lists, tuples, dicts of literals).
   * Beyond `depth` levels of nesting a literal reads as unknown: `- - - ... 1` or `not not ...`
   * chains carry no brackets, so only this keeps the recursion bounded.
   */
  literal(node: PyNode | null, depth = 64): Literal | undefined {
    if (!node || depth <= 0) return undefined;
    switch (node.type) {
      case 'string':
        return this.stringLiteral(node);
      case 'integer': {
        const value = Number(this.textOf(node).replace(/_/g, ''));
        return Number.isFinite(value) ? value : undefined;
      }
      case 'float': {
        const value = Number(this.textOf(node).replace(/_/g, ''));
        return Number.isFinite(value) ? value : undefined;
      }
      case 'true':
        return true;
      case 'false':
        return false;
      case 'none':
        return null;
      case 'unary_operator': {
        const operand = this.literal(field(node, 'argument'), depth - 1);
        return typeof operand === 'number' && this.textOf(node).trimStart().startsWith('-') ? -operand : undefined;
      }
      case 'parenthesized_expression': {
        const inner = node.children.find((c) => c.named);
        return this.literal(inner ?? null, depth - 1);
      }
      case 'list':
      case 'tuple':
      case 'set': {
        const items: Literal[] = [];
        for (const child of node.children) {
          if (!child.named || child.type === 'comment') continue;
          const value = this.literal(child, depth - 1);
          if (value === undefined) return undefined;
          items.push(value);
        }
        return items;
      }
      case 'dictionary': {
        const out: { [key: string]: Literal } = {};
        for (const pair of node.children) {
          if (pair.type === 'comment' || !pair.named) continue;
          if (pair.type !== 'pair') return undefined;
          const key = this.literal(field(pair, 'key'), depth - 1);
          const value = this.literal(field(pair, 'value'), depth - 1);
          if (typeof key !== 'string' || value === undefined) return undefined;
          out[key] = value;
        }
        return out;
      }
      default:
        return undefined;
    }
  }

  /**
   * Whether the file names CUDA: a "cuda" device string, `.cuda()`, `torch.cuda.*`, or a GPU
   * accelerator choice. CUDA-specific advice is given only in such files.
   */
  get usesCuda(): boolean {
    if (this.cudaCache === undefined) this.cudaCache = this.computeUsesCuda();
    return this.cudaCache;
  }

  private computeUsesCuda(): boolean {
    for (const string of this.nodes('string')) {
      const value = this.stringLiteral(string);
      if (value !== undefined && /^(cuda(:\d+)?|gpu)$/i.test(value)) return true;
    }
    for (const attribute of this.nodes('attribute')) {
      const name = field(attribute, 'attribute');
      if (name && this.textOf(name) === 'cuda') return true;
    }
    return false;
  }
}
