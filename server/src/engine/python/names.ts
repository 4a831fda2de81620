import { field, fields, walk, type PyNode } from './tree';

/**
 * What a name is bound to at some point of a file: an import of a qualified name, the result of
 * calling something (so `trainer = Trainer(...)` makes `trainer` a `transformers.Trainer`), a
 * string constant, or anything else the file defines itself (a class, a function, a parameter...).
 */
export type Binding =
  | { kind: 'import'; offset: number; qualified: string }
  | { kind: 'call'; offset: number; call: PyNode; value: PyNode }
  | { kind: 'value'; offset: number; value: PyNode }
  | { kind: 'local'; offset: number };

/**
 * Libraries reachable under more than one module path. Qualified names are rewritten to the first
 * spelling so that rules match one name: `tf.keras.applications.ResNet50` is
 * `keras.applications.ResNet50`, `pytorch_lightning.Trainer` is `lightning.pytorch.Trainer`.
 */
const MODULE_ALIASES: readonly [string, string][] = [
  ['tensorflow.keras', 'keras'],
  ['tensorflow.python.keras', 'keras'],
  ['tf_keras', 'keras'],
  ['pytorch_lightning', 'lightning.pytorch'],
  ['lightning.Trainer', 'lightning.pytorch.Trainer'],
  ['lightning.LightningModule', 'lightning.pytorch.LightningModule'],
  ['lightning.LightningDataModule', 'lightning.pytorch.LightningDataModule'],
  ['lightning.Callback', 'lightning.pytorch.Callback'],
  ['lightning.fabric', 'lightning.fabric'],
  ['lightning_fabric', 'lightning.fabric'],
  ['lightning.Fabric', 'lightning.fabric.Fabric'],
];

export function canonicalName(qualified: string): string {
  for (const [alias, canonical] of MODULE_ALIASES) {
    if (qualified === alias || qualified.startsWith(alias + '.')) return canonical + qualified.slice(alias.length);
  }
  return qualified;
}

/** The node types visit() reads. */
const BINDING_TYPES = ['import_statement', 'import_from_statement', 'class_definition', 'function_definition', 'assignment', 'for_statement', 'for_in_clause', 'as_pattern'];

/** All bindings of every name in a module, in source order. */
export class NameTable {
  private readonly bindings = new Map<string, Binding[]>();

  /**
   * `nodesOfType` lists a type's nodes in source order (PythonSource's index): only the node types
   * that bind names are visited, instead of walking the whole tree once more.
   */
  constructor(root: PyNode, private readonly text: string, nodesOfType?: (type: string) => readonly PyNode[]) {
    if (nodesOfType) {
      for (const type of BINDING_TYPES) for (const node of nodesOfType(type)) this.visit(node);
    } else walk(root, (node) => this.visit(node));
    // Stable: bindings at one offset keep the order they were found in.
    for (const list of this.bindings.values()) list.sort((a, b) => a.offset - b.offset);
  }

  private add(name: string, binding: Binding): void {
    const list = this.bindings.get(name);
    if (list) list.push(binding);
    else this.bindings.set(name, [binding]);
  }

  private textOf(node: PyNode): string {
    return this.text.slice(node.start, node.end);
  }

  private visit(node: PyNode): void {
    switch (node.type) {
      case 'import_statement':
        for (const name of fields(node, 'name')) {
          if (name.type === 'aliased_import') {
            const module = field(name, 'name');
            const alias = field(name, 'alias');
            if (module && alias) this.add(this.textOf(alias), { kind: 'import', offset: node.start, qualified: this.textOf(module) });
          } else {
            // `import a.b.c` binds `a`; attribute access then spells out the rest.
            const dotted = this.textOf(name);
            const head = dotted.split('.')[0];
            this.add(head, { kind: 'import', offset: node.start, qualified: head });
          }
        }
        break;
      case 'import_from_statement': {
        const moduleNode = field(node, 'module_name');
        if (!moduleNode || moduleNode.type === 'relative_import') {
          // A relative import is the user's own code: names it binds shadow library names.
          for (const name of fields(node, 'name')) this.bindLocalImport(name, node.start);
          break;
        }
        const module = this.textOf(moduleNode);
        for (const name of fields(node, 'name')) {
          if (name.type === 'aliased_import') {
            const imported = field(name, 'name');
            const alias = field(name, 'alias');
            if (imported && alias) {
              this.add(this.textOf(alias), { kind: 'import', offset: node.start, qualified: `${module}.${this.textOf(imported)}` });
            }
          } else {
            const imported = this.textOf(name);
            this.add(imported, { kind: 'import', offset: node.start, qualified: `${module}.${imported}` });
          }
        }
        break;
      }
      case 'class_definition':
      case 'function_definition': {
        const name = field(node, 'name');
        if (name) this.add(this.textOf(name), { kind: 'local', offset: node.start });
        if (node.type === 'function_definition') this.bindParameters(node);
        break;
      }
      case 'assignment': {
        const left = field(node, 'left');
        const right = field(node, 'right');
        if (left?.type === 'identifier') {
          const name = this.textOf(left);
          if (right?.type === 'call') this.add(name, { kind: 'call', offset: node.start, call: right, value: right });
          else if (right) this.add(name, { kind: 'value', offset: node.start, value: right });
          else this.add(name, { kind: 'local', offset: node.start });
        } else if (left) {
          for (const id of targetIdentifiers(left)) this.add(this.textOf(id), { kind: 'local', offset: node.start });
        }
        break;
      }
      case 'for_statement':
      case 'for_in_clause': {
        const left = field(node, 'left');
        if (left) for (const id of targetIdentifiers(left)) this.add(this.textOf(id), { kind: 'local', offset: node.start });
        break;
      }
      case 'as_pattern': {
        const alias = field(node, 'alias');
        if (alias) for (const id of targetIdentifiers(alias)) this.add(this.textOf(id), { kind: 'local', offset: node.start });
        break;
      }
    }
  }

  private bindLocalImport(name: PyNode, offset: number): void {
    const bound = name.type === 'aliased_import' ? field(name, 'alias') : name;
    if (bound) this.add(this.textOf(bound).split('.')[0], { kind: 'local', offset });
  }

  private bindParameters(fn: PyNode): void {
    const parameters = field(fn, 'parameters');
    if (!parameters) return;
    const body = field(fn, 'body');
    const offset = body ? body.start : fn.start;
    for (const parameter of parameters.children) {
      const id = parameter.type === 'identifier' ? parameter : parameter.children.find((c) => c.type === 'identifier');
      if (id) this.add(this.textOf(id), { kind: 'local', offset });
    }
  }

  /**
   * The binding in force at `offset`: the nearest one before it, or (for a use above the only
   * definition, as in a function body that runs later) the first one after it.
   */
  bindingAt(name: string, offset: number): Binding | null {
    const list = this.bindings.get(name);
    if (!list || list.length === 0) return null;
    let best: Binding | null = null;
    for (const binding of list) {
      if (binding.offset < offset) best = binding;
      else break;
    }
    return best ?? list[0];
  }

  /** Every binding of a name, in source order. */
  all(name: string): readonly Binding[] {
    return this.bindings.get(name) ?? [];
  }
}

/** Identifiers assigned by a target such as `a`, `a, b`, `(a, [b, *c])`. */
function targetIdentifiers(target: PyNode): PyNode[] {
  // An explicit stack, not recursion: deeply nested targets must not overflow the call stack.
  const found: PyNode[] = [];
  const stack = [target];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.type === 'identifier') found.push(node);
    else if (TARGET_CONTAINERS.has(node.type)) for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]);
  }
  return found;
}

const TARGET_CONTAINERS: ReadonlySet<string> = new Set(['pattern_list', 'tuple_pattern', 'list_pattern', 'tuple', 'list', 'list_splat_pattern', 'parenthesized_expression']);
