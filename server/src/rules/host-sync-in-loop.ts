import type { PythonSource } from '../engine/python/source';
import { field, isAncestorOf, walk, type PyNode } from '../engine/python/tree';
import type { PythonContext, Rule } from '../engine/rule';
import { trainingLoops } from './shared/training-loops';
import { MENTIONS_GPU, TRAINING_LOOP } from './shared/triggers';

const GUIDE = 'the PyTorch performance tuning guide says "avoid unnecessary CPU-GPU synchronization" (.item(), .cpu(), print(cuda_tensor))';
const ADVICE =
  'Accumulate on the device instead (e.g. running_loss += loss.detach()) and read the value every N steps inside `if step % N == 0:`';

/** Attributes of a tensor that are host-side metadata: reading them does not wait for the GPU. */
const METADATA_ATTRIBUTES = new Set(['shape', 'dtype', 'device', 'ndim', 'is_cuda', 'requires_grad', 'grad_fn', 'is_leaf', 'layout', 'names', 'itemsize', 'nbytes']);
/** Tensor methods whose result is not a device tensor (metadata, or a host copy reported on its own). */
const HOST_RESULT_METHODS = new Set([
  'item', 'tolist', 'numpy', 'cpu', 'size', 'dim', 'ndimension', 'numel', 'nelement', 'element_size', 'data_ptr', 'get_device',
  'is_contiguous', 'is_floating_point', 'stride', 'storage_offset', 'keys', 'items', 'values', 'parameters', 'named_parameters', 'state_dict',
]);
/** torch functions that do not return a device tensor. */
const NON_TENSOR_TORCH = new Set([
  'torch.device', 'torch.is_tensor', 'torch.no_grad', 'torch.enable_grad', 'torch.inference_mode', 'torch.set_grad_enabled', 'torch.autocast',
  'torch.manual_seed', 'torch.save', 'torch.load', 'torch.numel', 'torch.is_floating_point', 'torch.get_default_dtype', 'torch.compile',
]);
/** Methods that continue a host copy: `x.detach().cpu().numpy()` is one sync, reported as a whole. */
const CHAIN_METHODS = new Set(['numpy', 'tolist', 'item', 'detach', 'float', 'double', 'long', 'int', 'squeeze', 'flatten', 'mean', 'sum']);

/** A `.to(...)` argument that changes the dtype or stays on the CPU rather than moving to a device. */
const NOT_A_DEVICE = /\b(dtype|float(16|32|64)?|half|bfloat16|int(8|16|32|64)?|long|bool|double|memory_format|cpu)\b/;

type SyncKind = 'item' | 'cpu' | 'tolist' | 'numpy' | 'convert' | 'print' | 'format';

interface Sync {
  kind: SyncKind;
  /** The node whose evaluation synchronises (a call, a print, an f-string). */
  node: PyNode;
  /** What the message names (`loss.item()`, `loss`). */
  label: string;
}

/** Names bound to models: the receivers of `.parameters()` / `.named_parameters()` (what an optimizer is built on). */
function modelNames(source: PythonSource): Set<string> {
  const names = new Set<string>();
  for (const call of source.nodes('call')) {
    const method = source.methodName(call);
    if (method !== 'parameters' && method !== 'named_parameters') continue;
    const receiver = source.receiver(call);
    if (receiver && (receiver.type === 'identifier' || receiver.type === 'attribute')) names.add(source.textOf(receiver));
  }
  return names;
}

/** Statements of a loop body and their sub-nodes, not entering functions, classes or lambdas defined there. */
function nodesWithin(body: PyNode, type: string | readonly string[]): PyNode[] {
  const wanted = typeof type === 'string' ? [type] : type;
  const found: PyNode[] = [];
  walk(body, (n) => {
    if (n !== body && (n.type === 'function_definition' || n.type === 'class_definition' || n.type === 'lambda')) return false;
    if (wanted.includes(n.type)) found.push(n);
  });
  return found;
}

function targetIdentifiers(target: PyNode): PyNode[] {
  if (target.type === 'identifier') return [target];
  if (['pattern_list', 'tuple_pattern', 'list_pattern', 'tuple', 'list', 'parenthesized_expression'].includes(target.type)) {
    return target.children.flatMap(targetIdentifiers);
  }
  return [];
}

/**
 * Which expressions of a training loop are device tensors. Deliberately narrow: the loss (what
 * backward() is called on), model outputs, torch function results, criterion outputs, and what is
 * computed from them in the loop body.
 */
class TensorScope {
  readonly names = new Set<string>();

  constructor(private readonly source: PythonSource, private readonly body: PyNode, backward: PyNode, private readonly models: Set<string>) {
    const receiver = source.receiver(backward);
    const seeds = [receiver, ...(receiver?.type === 'call' ? source.positionalArgs(receiver) : []), ...source.positionalArgs(backward)];
    for (const seed of seeds) if (seed?.type === 'identifier') this.names.add(source.textOf(seed));
    const assignments = nodesWithin(body, ['assignment', 'augmented_assignment']);
    for (let pass = 0; pass < 2; pass++) {
      for (const assignment of assignments) {
        const left = field(assignment, 'left');
        const right = field(assignment, 'right');
        if (!left || !right || !this.isTensor(right)) continue;
        for (const id of targetIdentifiers(left)) this.names.add(source.textOf(id));
      }
    }
  }

  /** Whether an expression evaluates to a device tensor (or a model output holding some). */
  isTensor(expr: PyNode | null, depth = 4): boolean {
    if (!expr || depth < 0) return false;
    const { source } = this;
    switch (expr.type) {
      case 'identifier': {
        const name = source.textOf(expr);
        if (!this.names.has(name)) return false;
        // The assignment in force here decides: after `loss = loss.item()`, `loss` is a float.
        const binding = source.names.bindingAt(name, expr.start);
        if (binding && binding.offset < expr.start && binding.offset >= this.body.start && binding.offset < this.body.end && (binding.kind === 'call' || binding.kind === 'value')) {
          return !this.isHostValue(binding.value, depth - 1);
        }
        return true;
      }
      case 'attribute': {
        const attribute = field(expr, 'attribute');
        if (attribute && METADATA_ATTRIBUTES.has(source.textOf(attribute))) return false;
        return this.isTensor(field(expr, 'object'), depth);
      }
      case 'subscript':
        return this.isTensor(field(expr, 'value'), depth);
      case 'parenthesized_expression':
        return expr.children.some((c) => c.named && this.isTensor(c, depth));
      case 'unary_operator':
        return this.isTensor(field(expr, 'argument'), depth);
      case 'binary_operator': {
        const left = field(expr, 'left');
        if (left && isStringNode(left)) return false;
        return this.isTensor(left, depth) || this.isTensor(field(expr, 'right'), depth);
      }
      case 'comparison_operator':
        return expr.children.some((c) => c.named && this.isTensor(c, depth));
      case 'call':
        return this.isTensorCall(expr, depth);
      default:
        return false;
    }
  }

  /** A Python value computed on the host: a literal, `.item()` / `.tolist()` / `.numpy()`, `float(...)`, or arithmetic on those. */
  private isHostValue(expr: PyNode | null, depth: number): boolean {
    if (!expr || depth < 0) return false;
    const { source } = this;
    switch (expr.type) {
      case 'integer':
      case 'float':
      case 'string':
      case 'true':
      case 'false':
      case 'none':
        return true;
      case 'parenthesized_expression':
        return expr.children.some((c) => c.named && this.isHostValue(c, depth));
      case 'binary_operator': {
        const left = field(expr, 'left');
        const right = field(expr, 'right');
        if (this.isTensor(left, depth) || this.isTensor(right, depth)) return false;
        return this.isHostValue(left, depth) || this.isHostValue(right, depth);
      }
      case 'call': {
        const method = source.methodName(expr);
        if (method === 'item' || method === 'tolist' || method === 'numpy') return true;
        return isBuiltin(source, expr, ['float', 'int', 'round', 'len', 'str', 'bool']) !== null;
      }
      default:
        return false;
    }
  }

  private isTensorCall(call: PyNode, depth: number): boolean {
    const { source } = this;
    const callee = field(call, 'function');
    if (!callee) return false;
    const qualified = source.calleeName(call);
    if (qualified) {
      return /^torch\.((nn\.functional|linalg|fft|special)\.)?[a-z_0-9]+$/.test(qualified) && !NON_TENSOR_TORCH.has(qualified) && !qualified.startsWith('torch.cuda.');
    }
    if ((callee.type === 'identifier' || callee.type === 'attribute') && this.models.has(source.textOf(callee))) return true;
    if (callee.type === 'identifier' && (source.instanceType(callee) ?? '').startsWith('torch.nn.')) return true;
    const method = source.methodName(call);
    if (method && !HOST_RESULT_METHODS.has(method)) return this.isTensor(source.receiver(call), depth);
    return false;
  }

  /** The device tensor that printing or formatting this argument turns into text, if any. */
  shownTensor(expr: PyNode | null): PyNode | null {
    if (!expr) return null;
    const { source } = this;
    if (this.isTensor(expr)) return expr;
    const first = (nodes: PyNode[]) => {
      for (const node of nodes) {
        const shown = this.shownTensor(node);
        if (shown) return shown;
      }
      return null;
    };
    switch (expr.type) {
      case 'string': {
        const interpolation = expr.children.find((c) => c.type === 'interpolation' && this.isTensor(field(c, 'expression')));
        return interpolation ? field(interpolation, 'expression') : null;
      }
      case 'concatenated_string':
      case 'tuple':
      case 'list':
      case 'parenthesized_expression':
        return first(expr.children.filter((c) => c.named));
      case 'binary_operator': {
        const left = field(expr, 'left');
        const operator = field(expr, 'operator');
        return left !== null && isStringNode(left) && operator !== null && source.textOf(operator) === '%' ? this.shownTensor(field(expr, 'right')) : null;
      }
      case 'call': {
        const method = source.methodName(expr);
        const receiver = source.receiver(expr);
        if (method === 'format' && receiver && isStringNode(receiver)) return formatArguments(expr).find((a) => this.isTensor(a)) ?? null;
        const callee = field(expr, 'function');
        if (callee?.type === 'identifier' && ['str', 'repr'].includes(source.textOf(callee)) && source.names.all(source.textOf(callee)).length === 0) {
          return this.shownTensor(source.positionalArgs(expr)[0] ?? null);
        }
        return null;
      }
      default:
        return null;
    }
  }
}

function isStringNode(node: PyNode): boolean {
  return node.type === 'string' || node.type === 'concatenated_string';
}

function formatArguments(call: PyNode): PyNode[] {
  const args = field(call, 'arguments');
  if (!args) return [];
  return args.children.filter((c) => c.named && c.type !== 'comment').map((c) => (c.type === 'keyword_argument' ? field(c, 'value')! : c));
}

/** A builtin called by its plain name (`print`, `float`) that the file does not rebind. */
function isBuiltin(source: PythonSource, call: PyNode, names: readonly string[]): string | null {
  const callee = field(call, 'function');
  if (callee?.type !== 'identifier') return null;
  const name = source.textOf(callee);
  return names.includes(name) && source.names.all(name).length === 0 ? name : null;
}

/**
 * Whether a receiver is already a host value: a NumPy/math/builtin result, a `.numpy()` / `.tolist()`
 * result, or a batch straight from the loop's iterable (the DataLoader yields CPU tensors until they
 * are moved with `.to(device)` / `.cuda()`).
 */
function onHost(source: PythonSource, expr: PyNode | null, loop: PyNode, depth = 2): boolean {
  for (let current = expr; current; ) {
    if (current.type === 'call') {
      const qualified = source.calleeName(current);
      if (qualified && /^(numpy|math|statistics|pandas)\./.test(qualified)) return true;
      const method = source.methodName(current);
      if (method === 'numpy' || method === 'tolist' || method === 'item') return true;
      if (!method) return isBuiltin(source, current, ['float', 'int', 'len', 'sum', 'max', 'min', 'abs', 'round']) !== null;
      current = source.receiver(current);
    } else if (current.type === 'attribute') current = field(current, 'object');
    else if (current.type === 'subscript') current = field(current, 'value');
    else if (current.type === 'identifier') {
      if (loopBatchName(source, current, loop)) return true;
      // `scores = np.array(history)`: a name assigned from a host computation.
      const binding = source.names.bindingAt(source.textOf(current), current.start);
      return binding?.kind === 'call' && depth > 0 && onHost(source, binding.call, loop, depth - 1);
    }
    else return false;
  }
  return false;
}

/** Whether a name holds what the training `for` loop yields (or a plain unpacking of it), not yet moved to a device. */
function loopBatchName(source: PythonSource, id: PyNode, loop: PyNode): boolean {
  if (loop.type !== 'for_statement') return false;
  const binding = source.names.bindingAt(source.textOf(id), id.start);
  if (!binding) return false;
  if (binding.offset === loop.start) return true; // bound by `for <target> in ...`
  if (binding.kind !== 'local' && binding.kind !== 'value') return false;
  // `inputs, labels = batch` / `x = batch[0]`: an unpacking of the loop variable.
  const assignment = source.nodes('assignment').find((a) => a.start === binding.offset && isAncestorOf(loop, a));
  const right = assignment ? field(assignment, 'right') : null;
  let root = right;
  while (root && root.type === 'subscript') root = field(root, 'value');
  if (root?.type !== 'identifier' || root === id) return false;
  const rootBinding = source.names.bindingAt(source.textOf(root), root.start);
  return rootBinding?.offset === loop.start;
}

/** The call a sync starts, extended over the rest of a host-copy chain: `x.detach().cpu().numpy()`. */
function extendChain(source: PythonSource, call: PyNode): PyNode {
  let node = call;
  for (;;) {
    const attribute = node.parent;
    const outer = attribute?.parent;
    if (attribute?.type !== 'attribute' || field(attribute, 'object') !== node || outer?.type !== 'call' || field(outer, 'function') !== attribute) return node;
    const method = source.methodName(outer);
    if (!method || !CHAIN_METHODS.has(method)) return node;
    node = outer;
  }
}

/** A `%` counter check (`step % N == 0`, `(i + 1) % args.log_every == 0`, `not i % 10`), not string formatting. */
function hasCounterCheck(source: PythonSource, condition: PyNode | null): boolean {
  if (!condition) return false;
  let found = false;
  walk(condition, (n) => {
    if (found) return false;
    if (n.type === 'binary_operator') {
      const operator = field(n, 'operator');
      const left = field(n, 'left');
      if (operator && source.textOf(operator) === '%' && left && !isStringNode(left)) found = true;
    }
  });
  return found;
}

/** Whether a block ends the loop or the program: its last statement is `break`, `return`, `raise` or `sys.exit(...)`. */
function leavesLoop(source: PythonSource, block: PyNode): boolean {
  const statements = block.children.filter((c) => c.named && c.type !== 'comment');
  const last = statements[statements.length - 1];
  if (!last) return false;
  if (['break_statement', 'return_statement', 'raise_statement'].includes(last.type)) return true;
  const call = last.type === 'expression_statement' ? last.children[0] : null;
  if (call?.type !== 'call') return false;
  const callee = source.calleeName(call) ?? source.textOf(field(call, 'function') ?? call);
  return callee === 'sys.exit' || callee === 'os._exit' || isBuiltin(source, call, ['exit', 'quit']) !== null;
}

/**
 * Whether the node does not run on every step: inside the true branch of an `if` whose condition
 * is a counter check, or in a branch that leaves the loop (`print(loss); sys.exit(1)` after a NaN
 * check runs once).
 */
function guarded(source: PythonSource, node: PyNode, body: PyNode): boolean {
  for (let child = node, parent = node.parent; parent && child !== body; child = parent, parent = parent.parent) {
    if (child.type === 'block' && ['if_statement', 'elif_clause', 'else_clause', 'except_clause'].includes(parent.type) && leavesLoop(source, child)) return true;
    if ((parent.type === 'if_statement' || parent.type === 'elif_clause') && child.field === 'consequence') {
      if (hasCounterCheck(source, field(parent, 'condition'))) return true;
    }
    if (parent.type === 'conditional_expression') {
      const parts = parent.children.filter((c) => c.named);
      if (parts[0] === child && hasCounterCheck(source, parts[1] ?? null)) return true;
    }
  }
  return false;
}

/** The condition nodes of the loop body: where a value decides control flow on the same step. */
function conditions(body: PyNode): PyNode[] {
  const found: PyNode[] = [];
  for (const node of nodesWithin(body, ['if_statement', 'elif_clause', 'while_statement', 'assert_statement', 'conditional_expression'])) {
    if (node.type === 'assert_statement') found.push(node);
    else if (node.type === 'conditional_expression') {
      const condition = node.children.filter((c) => c.named)[1];
      if (condition) found.push(condition);
    } else {
      const condition = field(node, 'condition');
      if (condition) found.push(condition);
    }
  }
  return found;
}

/**
 * Whether the synced value decides control flow on this very step: the sync sits in an `if` /
 * `while` / `assert` condition (`if loss.item() > 1e3: break`), or is stored in a name such a
 * condition reads (`loss_value = loss.item()` then `if not math.isfinite(loss_value): sys.exit(1)`).
 * Such a sync is needed where it is.
 */
function decidesControlFlow(source: PythonSource, node: PyNode, body: PyNode, conditionNodes: PyNode[]): boolean {
  if (conditionNodes.some((c) => isAncestorOf(c, node))) return true;
  let statement: PyNode | null = node;
  while (statement && statement !== body && statement.type !== 'assignment' && statement.type !== 'augmented_assignment') statement = statement.parent;
  if (!statement || statement === body) return false;
  const left = field(statement, 'left');
  const right = field(statement, 'right');
  if (!left || !right || !isAncestorOf(right, node)) return false;
  const names = new Set(targetIdentifiers(left).map((id) => source.textOf(id)));
  return conditionNodes.some((condition) => {
    let reads = false;
    walk(condition, (n) => {
      if (n.type === 'identifier' && names.has(source.textOf(n))) reads = true;
      return !reads;
    });
    return reads;
  });
}

function labelOf(source: PythonSource, node: PyNode, fallback: string): string {
  const text = source.textOf(node);
  return text.length <= 60 && !text.includes('\n') ? text : fallback;
}

/** The syncs of one training loop body, before the guard and control-flow filters. */
function findSyncs(source: PythonSource, loop: PyNode, body: PyNode, scope: TensorScope, models: Set<string>): Sync[] {
  const syncs: Sync[] = [];
  const prints: PyNode[] = [];
  for (const call of nodesWithin(body, 'call')) {
    const method = source.methodName(call);
    const receiver = source.receiver(call);
    const noArgs = (field(call, 'arguments')?.children.filter((c) => c.named && c.type !== 'comment').length ?? 0) === 0;
    if (method && receiver) {
      if (models.has(source.textOf(receiver))) continue; // model.cpu(): moving the model, not reading a value
      let kind: SyncKind | null = null;
      if (method === 'item' && noArgs) kind = 'item';
      else if (method === 'cpu' && source.positionalArgs(call).length === 0) kind = 'cpu';
      else if (method === 'to' && isCpuDevice(source, source.argument(call, 'device', 0))) kind = 'cpu';
      else if (method === 'tolist' && noArgs) kind = 'tolist';
      else if (method === 'numpy' && source.literal(source.keywordValue(call, 'force')) === true) kind = 'numpy';
      if (!kind || onHost(source, receiver, loop)) continue;
      // `.item()` / `.tolist()` after `.cpu()` on the same chain: the `.cpu()` is the sync.
      if ((kind === 'item' || kind === 'tolist') && chainHasHostCopy(source, receiver)) continue;
      const node = extendChain(source, call);
      syncs.push({ kind, node, label: labelOf(source, node, `.${method}()`) });
      continue;
    }
    const builtin = isBuiltin(source, call, ['print', 'float', 'int']);
    if (builtin === 'print') {
      const shown = source.positionalArgs(call).map((arg) => scope.shownTensor(arg)).find((t) => t !== null);
      if (shown) {
        syncs.push({ kind: 'print', node: call, label: labelOf(source, shown, 'a tensor') });
        prints.push(call);
      }
    } else if (builtin) {
      const arg = source.positionalArgs(call)[0] ?? null;
      if (arg && scope.isTensor(arg)) syncs.push({ kind: 'convert', node: call, label: labelOf(source, call, `${builtin}(...)`) });
    }
  }
  // Formatting a tensor into text outside print (tqdm descriptions, log lines) reads it too.
  for (const node of nodesWithin(body, ['string', 'binary_operator', 'call'])) {
    if (prints.some((p) => isAncestorOf(p, node))) continue;
    let shown: PyNode | null = null;
    if (node.type === 'string') shown = scope.shownTensor(node);
    else if (node.type === 'binary_operator' || (node.type === 'call' && source.methodName(node) === 'format')) {
      const isFormatting = node.type === 'call' || (field(node, 'operator') !== null && source.textOf(field(node, 'operator')!) === '%');
      if (isFormatting && !scope.isTensor(node)) shown = scope.shownTensor(node);
    }
    if (shown) syncs.push({ kind: 'format', node, label: labelOf(source, shown, 'a tensor') });
  }
  return syncs;
}

function isCpuDevice(source: PythonSource, expr: PyNode | null): boolean {
  if (!expr) return false;
  if (source.stringValue(expr)?.value === 'cpu') return true;
  return expr.type === 'call' && source.calleeName(expr) === 'torch.device' && source.stringValue(source.positionalArgs(expr)[0] ?? null)?.value === 'cpu';
}

function chainHasHostCopy(source: PythonSource, expr: PyNode | null): boolean {
  for (let current = expr; current?.type === 'call'; current = source.receiver(current)) {
    const method = source.methodName(current);
    if (method === 'cpu' || (method === 'to' && isCpuDevice(source, source.argument(current, 'device', 0)))) return true;
  }
  return false;
}

const WHAT: Record<SyncKind, (label: string) => string> = {
  item: (label) => `\`${label}\` copies a value from the GPU to Python`,
  cpu: (label) => `\`${label}\` copies a tensor from the GPU to host memory`,
  tolist: (label) => `\`${label}\` copies a tensor from the GPU into a Python list`,
  numpy: (label) => `\`${label}\` copies a tensor from the GPU into a NumPy array`,
  convert: (label) => `\`${label}\` reads a value from the GPU`,
  print: (label) => `printing \`${label}\` (a GPU tensor) reads it from the GPU`,
  format: (label) => `formatting \`${label}\` (a GPU tensor) into text reads it from the GPU`,
};

/**
 * Whether the function holding a training loop (or the module, for a top-level loop) puts work on
 * the GPU: `.cuda()`, `.to(device)`, a `device=` argument, or Accelerate / Fabric
 * (`accelerator.backward(loss)`, `.prepare(...)`), which place model and batches themselves. A file
 * that names CUDA elsewhere can still train some model on the CPU (a test helper, a CPU baseline,
 * a tutorial that defines `device = torch.device("cuda:0")` but never moves the model).
 */
function runsOnDevice(source: PythonSource, loop: PyNode): boolean {
  let scope: PyNode = source.root;
  for (let current = loop.parent; current; current = current.parent) {
    if (current.type === 'function_definition') {
      scope = current;
      break;
    }
  }
  let found = false;
  walk(scope, (node) => {
    if (found) return false;
    if (node.type === 'call') {
      const method = source.methodName(node);
      if (method === 'cuda' || method === 'prepare') found = true;
      else if (method === 'to') {
        const target = source.argument(node, 'device', 0);
        if (target && !NOT_A_DEVICE.test(source.textOf(target))) found = true;
      } else if (method === 'backward' && source.positionalArgs(node).length > 0 && source.receiver(node)?.type === 'identifier') found = true;
      else if (source.keywordArg(node, 'device')) found = true;
    }
  });
  return found;
}

function checkPython(context: PythonContext): void {
  const { source } = context;
  // Without CUDA, tensors live in host memory: .item() and printing do not wait for a device.
  if (!source.usesCuda) return;
  const models = modelNames(source);
  const reportedLines = new Set<number>();
  for (const { loop, backward } of trainingLoops(source)) {
    const body = field(loop, 'body');
    if (!body || !runsOnDevice(source, loop)) continue;
    const scope = new TensorScope(source, body, backward, models);
    const conditionNodes = conditions(body);
    const syncs = findSyncs(source, loop, body, scope, models)
      .filter((s) => !guarded(source, s.node, body) && !decidesControlFlow(source, s.node, body, conditionNodes))
      .sort((a, b) => a.node.start - b.node.start || b.node.end - a.node.end);
    for (const sync of syncs) {
      const line = source.lines.positionAt(sync.node.start).line;
      if (reportedLines.has(line)) continue;
      reportedLines.add(line);
      const end = Math.min(sync.node.end, source.lines.lineEnd(line));
      context.report({
        start: sync.node.start,
        end,
        message: `${WHAT[sync.kind](sync.label)} on every training step: the CPU stops until all queued GPU work has finished (a host-device synchronisation), then the GPU idles while Python queues the next step. ${ADVICE}: ${GUIDE}.`,
      });
    }
  }
}

export const hostSyncInLoop: Rule = {
  id: 'host-sync-in-loop',
  title: 'GPU-to-host synchronisation on every training step',
  defaultSeverity: 'hint',
  sources: ['python'],
  fixAvailability: 'never',
  fixSafety: 'none',
  // A training loop in a file that uses a GPU.
  triggers: [[...TRAINING_LOOP, MENTIONS_GPU]],
  docs: {
    whatItDoes:
      'In CUDA code, flags lines of a hand-written training loop (the innermost loop whose body calls backward() and an optimizer step()) that read a GPU value on every step: `.item()`, `.cpu()` / `.to("cpu")`, `.tolist()`, `.numpy(force=True)`, `float(t)` / `int(t)`, and printing or formatting a tensor (the loss, model outputs, torch results and what the loop computes from them). One finding per line. ' +
      'It stays silent for syncs under a counter check (`if step % N == 0:`, `% LOG_EVERY`, `(i + 1) % args.log_every == 0`), for syncs whose value decides control flow on the same step (`if loss.item() > 1e3: break`, a NaN check on `loss_value = loss.item()`), for batches straight from the DataLoader (still on the CPU), for once-per-epoch code outside the step loop, for lines in a branch that leaves the loop (`print(loss); sys.exit(1)`), in files that never name CUDA (there `.item()` waits for no device), and for loops whose function (or module) never moves anything to the GPU (no `.cuda()`, `.to(device)`, `device=` or Accelerate), which train on the CPU. A bare `.numpy()` is not flagged: it only works on CPU tensors, so the copy was made earlier by a `.cpu()` this rule reports.',
    whyItWastesEnergy:
      'CUDA kernels run asynchronously: Python queues work and moves on while the GPU computes. Reading a GPU value on the host makes the CPU wait until every queued kernel has finished, and while Python then logs, prints and queues the next step the GPU has nothing to do. Done on every step, this turns a pipelined loop into a stop-and-go one that keeps the GPU powered but idle part of the time. The PyTorch performance tuning guide lists "avoid unnecessary CPU-GPU synchronization" (.item(), print(cuda_tensor), .cpu(), .nonzero(), Python control flow on CUDA tensors) among its GPU recommendations.',
    example: {
      language: 'python',
      code: [
        'for step, (x, y) in enumerate(loader):',
        '    x, y = x.cuda(), y.cuda()',
        '    loss = criterion(model(x), y)',
        '    optimizer.zero_grad()',
        '    loss.backward()',
        '    optimizer.step()',
        '    running_loss += loss.item()',
      ].join('\n'),
    },
    useInstead: {
      language: 'python',
      code: [
        'running_loss = torch.zeros((), device="cuda")',
        'for step, (x, y) in enumerate(loader):',
        '    x, y = x.cuda(non_blocking=True), y.cuda(non_blocking=True)',
        '    loss = criterion(model(x), y)',
        '    optimizer.zero_grad()',
        '    loss.backward()',
        '    optimizer.step()',
        '    running_loss += loss.detach()',
        '    if step % 100 == 99:',
        '        print(f"loss {running_loss.item() / 100:.4f}")',
        '        running_loss.zero_()',
      ].join('\n'),
    },
    fixSafety:
      'No fix is offered: moving the read out of the step loop means keeping a device-side accumulator and choosing a logging interval, which changes what is logged and when.',
    sources: [
      'PyTorch Performance Tuning Guide, "Avoid unnecessary CPU-GPU synchronization" — https://pytorch.org/tutorials/recipes/recipes/tuning_guide.html',
      'CUDA semantics: asynchronous execution — https://pytorch.org/docs/stable/notes/cuda.html#asynchronous-execution',
    ],
  },
  checkPython,
};
