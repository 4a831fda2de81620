import type { PythonSource } from '../engine/python/source';
import { ancestor, field, isAncestorOf, walk, type PyNode } from '../engine/python/tree';
import type { PythonContext, Rule } from '../engine/rule';
import { indentOf } from '../engine/text';
import type { OffsetEdit, OffsetFix } from '../engine/types';
import { torchName } from './shared/module-alias';
import { isFrom, lastSegment } from './shared/python-patterns';
import { callRange } from './shared/ranges';
import { isBackwardCall, isOptimizerStep } from './shared/training-loops';
import { assignedNames, calledNames, functionsNamed, wordsOf } from './shared/function-text';
import { GAP, methodCall, methodCallWith, TORCH_FAMILY } from './shared/triggers';

const WHY =
  'the PyTorch performance tuning guide recommends turning gradient computation off for validation and inference, and torch.inference_mode() also skips view tracking and version-counter bumps';

/** torch's grad-mode switches; a user's own helper with one of these names is taken at its word. */
const GRAD_MODE = new Set(['no_grad', 'inference_mode', 'set_grad_enabled', 'enable_grad', '_set_grad_enabled']);

/** Words of a function name that make it an evaluation / inference function. */
const EVAL_WORDS = new Set(['eval', 'evaluate', 'evaluation', 'evaluating', 'validate', 'validation', 'valid', 'val', 'predict', 'prediction', 'predictions', 'infer', 'inference']);

/** Lightning hooks that Lightning already runs without gradients (Trainer(inference_mode=True) by default). */
const LIGHTNING_HOOK = /^(validation_step|test_step|predict_step|(validation|test)_(step_end|epoch_end)|on_(validation|test|predict)_\w+)$/;

/** Calls that compute gradients: torch.autograd, torch.func, and attribution / adversarial-attack libraries. */
const GRAD_LIBRARY = /^(torch\.autograd\.(grad|backward|functional)|torch\.func\.|functorch\.|captum\.|torchattacks\.|foolbox\.|advertorch\.|autoattack\.|art\.(attacks|estimators)\.)/;

/** Callables that cannot run a backward pass on a model handed to them. */
const HARMLESS_CALLEES = new Set(['print', 'len', 'isinstance', 'getattr', 'hasattr', 'type', 'id', 'str', 'repr', 'format', 'next', 'iter']);

/** Libraries whose objects are not torch modules (torch itself: tensors, functions, optimizers...). */
const NOT_TORCH_LIBRARY = /^(torch|torchvision|torchaudio|torchtext|sklearn|keras|tensorflow|tf_keras|xgboost|lightgbm|catboost|joblib|pickle|dill|onnxruntime|onnx|jax|flax|numpy|pandas|scipy|statsmodels|openai|requests|gensim|spacy|cv2|PIL|datasets|tokenizers|evaluate|accelerate|optuna|mlflow|wandb)(\.|$)/;

/** unittest / pytest test functions. */
const UNIT_TEST = /^(test_|test[A-Z0-9]|runTest$)/;

/** Attributes whose use means the code works with gradients. */
const GRAD_ATTRIBUTES = new Set(['grad', 'grad_fn', 'requires_grad', 'requires_grad_', 'retain_grad', 'register_hook', 'backward', 'zero_grad']);

/** A model by name: `model`, `net`, `self.model`, `teacher_model`, `model_ema`, `policyNet`. */
const MODEL_NAME = /(^|_)(model|net|network)$|^(model|net)_[a-z0-9]+$/i;
const MODEL_NAME_CAMEL = /[a-z0-9](Model|Net)$/;
/** Names of functions that return or handle a model rather than run it: `get_model`, `load_model`, `buildModel`. */
const MODEL_VERB = /^(get|load|build|create|make|init|setup|save|to|from|compile|wrap|prepare|train|fit|export|register|copy|freeze|update)(_|[A-Z])/;

export function isModelName(name: string): boolean {
  return (MODEL_NAME.test(name) || MODEL_NAME_CAMEL.test(name)) && !MODEL_VERB.test(name);
}

type Kind = 'model' | 'not' | 'unknown';

const SCOPE_TYPES = ['function_definition', 'class_definition', 'lambda'];

function isGradModeExpr(source: PythonSource, expr: PyNode | null): boolean {
  if (!expr) return false;
  const target = expr.type === 'call' ? field(expr, 'function') : expr;
  if (!target) return false;
  const qualified = source.qualifiedName(target);
  const text = qualified ?? source.textOf(target);
  return GRAD_MODE.has(lastSegment(text));
}

/** A call that disables or sets the grad mode: `torch.no_grad()`, `torch.set_grad_enabled(False)`... */
function isGradModeCall(source: PythonSource, call: PyNode): boolean {
  return isGradModeExpr(source, call);
}

/**
 * Whether a function name is of an evaluation kind: one of its words is eval/evaluate/validate/
 * predict/infer/inference... `test` counts only in snake_case `test`, `run_test`, `test_epoch`:
 * unittest/pytest functions (`test_x`, `testX`, `runTest`) check behaviour, they are not inference.
 */
export function isEvalName(name: string): boolean {
  const bare = name.replace(/^_+|_+$/g, '');
  const words = bare.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase().split(/[^a-z]+/);
  if (words.some((w) => EVAL_WORDS.has(w))) return true;
  if (/[A-Z]/.test(bare)) return false;
  return bare === 'test' || /_test$/.test(bare) || /^test_(epoch|one_epoch|loop)$/.test(bare);
}

/** A pattern for a word in any letter case: `net` → `[nN][eE][tT]`. */
const anyCase = (letters: string) => [...letters].map((c) => `[${c}${c.toUpperCase()}]`).join('');

/**
 * A `def` whose name isEvalName may accept (for the prefilter): one of EVAL_WORDS as a word of the
 * name (not preceded by a lower-case letter unless it starts upper-case, not followed by one:
 * `validate_model`, `doEval`, but not `value`), or `test` ending the name after an underscore, or
 * `test_epoch` / `test_one_epoch` / `test_loop`.
 */
export const EVAL_FUNCTION_DEFINITION = (() => {
  const word = (w: string) => `(?:(?<![a-z])${anyCase(w[0])}|${w[0].toUpperCase()})${anyCase(w.slice(1))}(?![a-z])`;
  const name = String.raw`def[\s\\]+[^\s(\[:]*?`;
  const evalWord = `${name}(?:${[...EVAL_WORDS].map(word).join('|')})`;
  const test = String.raw`def[\s\\]+(?:[^\s(\[:]*_)?test_*[\s\\]*[(\[]|def[\s\\]+_*test_(?:epoch|one_epoch|loop)_*[\s\\]*[(\[]`;
  return new RegExp(`${evalWord}|${test}`);
})();

/** A call of a callee named like a model (isModelName's names, any case): `model(`, `self.net.forward(`, `net_g (`. */
export const MODEL_CALL = (() => {
  const callee = `(?:${anyCase('model')}|${anyCase('net')}(?:${anyCase('work')})?)(?:_[a-zA-Z0-9]+)?`;
  return new RegExp(`${callee}${GAP}(?:\\.${GAP}forward${GAP})?\\(`);
})();

/**
 * What a model call inside an evaluation function needs in the text when no `.eval()` call is
 * there (for the prefilter): a model-named call, or a name that can resolve to a torch model:
 * torch.nn, a loader (`torch.load`, `torch.hub.load`, `load_from_checkpoint`), torchvision, timm,
 * sentence-transformers, Lightning, PEFT or transformers (see Analysis.kindOf).
 */
export const MODEL_EVIDENCE = new RegExp(`${MODEL_CALL.source}|\\bnn\\b|load|torchvision|timm|sentence_transformers|lightning|peft|transformers`);

const FORWARD_CALL = new RegExp(`\\.${GAP}forward${GAP}\\(`);

/** Python keywords that may stand before a bracket: never a callee. */
const KEYWORDS = new Set(['and', 'as', 'assert', 'await', 'del', 'elif', 'else', 'for', 'from', 'if', 'import', 'in', 'is', 'lambda', 'not', 'or', 'return', 'while', 'with', 'yield']);

/**
 * Whether an evaluation function (by isEvalName) may call a torch model, read from the text (for
 * the prefilter, when no `.eval()` call is there): its region calls a model-named callee or
 * something's `.forward(`, or calls a name that is one of its parameters (what call sites pass
 * decides) or that the file assigns (`m = resnet18()` makes `m` a model; see Analysis.kindOf). A
 * name only imported or defined (`make_tensor(...)`, `check_shape(...)`) is never a model. PyTorch's
 * library files define many validation helpers of that kind (`_validate_*`, `get_val`).
 */
export function evaluationMayCallModel(text: string): boolean {
  const functions = functionsNamed(text, isEvalName);
  if (functions === null) return true;
  let assigned: Set<string> | null = null;
  for (const fn of functions) {
    const region = text.slice(fn.start, fn.end);
    if (MODEL_CALL.test(region) || FORWARD_CALL.test(region)) return true;
    const parameters = wordsOf(text.slice(fn.nameEnd, fn.headerEnd));
    for (const name of calledNames(region)) {
      if (KEYWORDS.has(name)) continue;
      if (parameters.has(name)) return true;
      assigned ??= assignedNames(text);
      if (assigned.has(name)) return true;
    }
  }
  return false;
}

/** The function, class or lambda a node belongs to, or the module. */
function scopeOf(source: PythonSource, node: PyNode): PyNode {
  return ancestor(node, SCOPE_TYPES) ?? source.root;
}

/** The root of a receiver chain: `model.to(device).eval()` → `model`; text of an identifier or `self.model`. */
function chainRoot(source: PythonSource, expr: PyNode | null): string | null {
  let node = expr;
  while (node?.type === 'call') {
    const fn = field(node, 'function');
    if (fn?.type !== 'attribute') return null;
    node = field(fn, 'object');
  }
  if (!node) return null;
  if (node.type === 'identifier') return source.textOf(node);
  if (node.type === 'attribute' && /^[A-Za-z_][\w.]*$/.test(source.textOf(node))) return source.textOf(node);
  return null;
}

/** The name a model call calls: `model(x)` and `model.forward(x)` → `model`; null for other calls. */
function calledModel(source: PythonSource, call: PyNode): { name: string; expr: PyNode } | null {
  const fn = field(call, 'function');
  if (!fn) return null;
  let expr: PyNode | null = fn;
  if (fn.type === 'attribute' && source.textOf(field(fn, 'attribute') ?? fn) === 'forward') expr = field(fn, 'object');
  if (!expr) return null;
  if (expr.type !== 'identifier' && !(expr.type === 'attribute' && /^[A-Za-z_][\w.]*$/.test(source.textOf(expr)))) return null;
  // `torch.relu(x)`, `models.resnet50(...)`: library functions, not a model held in a variable.
  if (expr.type === 'attribute' && source.qualifiedName(expr) !== null) return null;
  return { name: source.textOf(expr), expr };
}

class Analysis {
  private classKinds = new Map<string, Kind>();
  private gradFunctions: Set<string> | null = null;
  private programGrad: boolean | null = null;
  private readonly gradEnds = new Map<PyNode, number>();
  private readonly torch: boolean;

  constructor(readonly source: PythonSource) {
    this.torch = source.nodes('identifier').some((id) => {
      const q = source.qualifiedName(id);
      return !!q && /^(torch|torchvision|transformers|timm|lightning|sentence_transformers)(\.|$)/.test(q);
    });
  }

  get usesTorch(): boolean {
    return this.torch;
  }

  /** Whether a class is a torch model (nn.Module, LightningModule, PreTrainedModel or a local subclass of one). */
  classKind(name: string, seen = new Set<string>()): Kind {
    const cached = this.classKinds.get(name);
    if (cached) return cached;
    if (seen.has(name)) return 'unknown';
    seen.add(name);
    const { source } = this;
    const definition = source.nodes('class_definition').find((c) => source.textOf(field(c, 'name') ?? c) === name);
    let kind: Kind = 'not';
    if (!definition) kind = 'unknown';
    else {
      const bases = field(definition, 'superclasses');
      for (const base of bases ? bases.children.filter((b) => b.named && b.type !== 'keyword_argument' && b.type !== 'comment') : []) {
        const q = source.qualifiedName(base);
        let baseKind: Kind;
        if (q) {
          baseKind = /^(torch\.nn\.|lightning\.|transformers\.|sentence_transformers\.|timm\.)/.test(q)
            ? 'model'
            : /^(abc|typing|enum|dataclasses|collections)(\.|$)/.test(q) || NOT_TORCH_LIBRARY.test(q)
              ? 'not'
              : 'unknown';
        } else if (base.type === 'identifier') {
          const text = source.textOf(base);
          baseKind = text === 'object' || text === 'Exception' ? 'not' : this.classKind(text, seen);
        } else baseKind = 'unknown';
        if (baseKind === 'model') {
          kind = 'model';
          break;
        }
        if (baseKind === 'unknown') kind = 'unknown';
      }
    }
    this.classKinds.set(name, kind);
    return kind;
  }

  /** What a callee expression holds: a torch model, something else, or unknown. */
  kindOf(expr: PyNode, depth = 0): Kind {
    const { source } = this;
    if (expr.type !== 'identifier' || depth > 3) return 'unknown';
    const name = source.textOf(expr);
    const binding = source.names.bindingAt(name, expr.start);
    if (!binding) return 'unknown';
    if (binding.kind === 'import') return 'not';
    if (binding.kind === 'local') {
      const defines = (type: string) => source.nodes(type).some((d) => source.textOf(field(d, 'name') ?? d) === name);
      return defines('class_definition') || defines('function_definition') ? 'not' : 'unknown';
    }
    if (binding.kind !== 'call') return 'unknown';
    // `Net().to(device)` → `Net()`.
    let origin = binding.call;
    for (;;) {
      const fn = field(origin, 'function');
      const object = fn?.type === 'attribute' ? field(fn, 'object') : null;
      if (object?.type === 'call' && !source.calleeName(origin)) origin = object;
      else break;
    }
    const q = source.calleeName(origin);
    if (q) {
      // Wrappers are what they wrap: torch.jit.trace(fn) of a plain function has no parameters.
      if (/^torch\.(jit\.(trace|script|freeze|optimize_for_inference)|compile|nn\.(DataParallel|parallel\.\w+))$/.test(q)) {
        const wrapped = source.positionalArgs(origin)[0];
        return wrapped ? this.kindOf(wrapped, depth + 1) : 'unknown';
      }
      if (/^torch\.nn\.(functional\.|.*Loss$)/.test(q)) return 'not';
      if (/^(torch\.nn\.|torch\.(hub|jit|export)\.load$|torch\.load$|torchvision\.models\.|timm\.|sentence_transformers\.|lightning\.|peft\.)/.test(q)) return 'model';
      if (isFrom(q, 'transformers')) {
        const cls = q.replace(/\.(from_pretrained|from_config)$/, '');
        return /(Model|LMHeadModel|For[A-Z]\w*)$/.test(lastSegment(cls)) && !/^(TF|Flax)/.test(lastSegment(cls)) ? 'model' : 'not';
      }
      // Other libraries' objects are not torch models; the user's own modules (`import model`) may build one.
      return NOT_TORCH_LIBRARY.test(q) ? 'not' : 'unknown';
    }
    const fn = field(origin, 'function');
    if (fn?.type === 'identifier') return this.classKind(source.textOf(fn));
    if (fn?.type === 'attribute' && source.textOf(field(fn, 'attribute') ?? fn) === 'load_from_checkpoint') return 'model';
    return 'unknown';
  }

  /**
   * For a parameter of `fn`: what the file's call sites pass for it (`evaluate(keras_model, x)` passes
   * something that is not a torch model). Unknown when the name is no parameter or nothing is known.
   */
  parameterKind(fn: PyNode, name: string, sites: readonly PyNode[]): Kind {
    const { source } = this;
    const parameters = field(fn, 'parameters');
    if (!parameters) return 'unknown';
    const names = parameters.children
      .filter((p) => p.named)
      .map((p) => (p.type === 'identifier' ? source.textOf(p) : source.textOf(p.children.find((c) => c.type === 'identifier') ?? p)));
    let index = names.indexOf(name);
    if (index < 0) return 'unknown';
    if (names[0] === 'self' || names[0] === 'cls') index -= 1;
    const kinds = new Set<Kind>();
    for (const site of sites) {
      const argument = source.keywordValue(site, name) ?? (index >= 0 ? source.positionalArgs(site)[index] : undefined) ?? null;
      kinds.add(argument ? this.kindOf(argument) : 'unknown');
    }
    if (kinds.has('not')) return 'not';
    return kinds.has('model') ? 'model' : 'unknown';
  }

  /** Gradient work inside a node: backward, autograd.grad, optimizer steps, `.grad`, requires_grad, hooks. */
  needsGrad(node: PyNode): boolean {
    let found = false;
    walk(node, (n) => {
      if (found) return false;
      if (this.isGradSignal(n)) found = true;
      return !found;
    });
    return found;
  }

  isGradSignal(n: PyNode): boolean {
    if (this.directGradSignal(n)) return true;
    if (n.type !== 'call') return false;
    // A call of one of the file's functions that does gradient work itself.
    const { source } = this;
    const fn = field(n, 'function');
    if (fn?.type === 'identifier') return this.functionsWithGrad().has(source.textOf(fn));
    if (fn?.type === 'attribute' && source.textOf(field(fn, 'object') ?? fn) === 'self') return this.functionsWithGrad().has(source.textOf(field(fn, 'attribute') ?? fn));
    return false;
  }

  private directGradSignal(n: PyNode): boolean {
    const { source } = this;
    if (n.type === 'call') {
      if (isBackwardCall(source, n) || isOptimizerStep(source, n)) return true;
      const q = source.calleeName(n);
      return !!q && (GRAD_LIBRARY.test(q) || lastSegment(q) === 'enable_grad');
    }
    if (n.type === 'attribute') {
      const name = source.textOf(field(n, 'attribute') ?? n);
      if (!GRAD_ATTRIBUTES.has(name)) return false;
      // Freezing (`requires_grad_(False)`, `p.requires_grad = False`) is the opposite of gradient work.
      const call = n.parent?.type === 'call' && field(n.parent, 'function') === n ? n.parent : null;
      if (name === 'requires_grad_' && call && source.positionalArgs(call)[0]?.type === 'false') return false;
      const assignment = n.parent?.type === 'assignment' && field(n.parent, 'left') === n ? n.parent : null;
      if (name === 'requires_grad' && assignment && field(assignment, 'right')?.type === 'false') return false;
      return true;
    }
    if (n.type === 'keyword_argument') {
      const name = source.textOf(field(n, 'name') ?? n);
      return (name === 'requires_grad' || name === 'create_graph' || name === 'retain_graph') && field(n, 'value')?.type !== 'false';
    }
    return false;
  }

  /** Names of the file's functions whose own body does gradient work (calls are followed one level). */
  private functionsWithGrad(): Set<string> {
    if (this.gradFunctions) return this.gradFunctions;
    const names = new Set<string>();
    for (const fn of this.source.nodes('function_definition')) {
      const body = field(fn, 'body');
      const name = field(fn, 'name');
      let direct = false;
      if (body) {
        walk(body, (n) => {
          if (!direct && this.directGradSignal(n)) direct = true;
          return !direct;
        });
      }
      if (direct && name) names.add(this.source.textOf(name));
    }
    this.gradFunctions = names;
    return names;
  }

  /** Whether any code of the program works with gradients (then inference tensors could reach autograd). */
  get programNeedsGrad(): boolean {
    if (this.programGrad === null) this.programGrad = this.needsGrad(this.source.root);
    return this.programGrad;
  }

  /** Gradient work in a scope that ends after a position: a later backward() may consume what the call returns. */
  gradAfter(scope: PyNode, offset: number): boolean {
    return this.lastGradEnd(scope) > offset;
  }

  /**
   * Where the last gradient work of a scope ends (-1 when there is none), not counting the bodies
   * of functions and classes defined in it (they run only when called; calls of those with
   * gradient work count). Work "after a position" is work that ends after it; one walk per scope
   * answers every position (walking the scope per model call was quadratic on long scripts).
   */
  private lastGradEnd(scope: PyNode): number {
    let end = this.gradEnds.get(scope);
    if (end === undefined) {
      let last = -1;
      walk(scope, (n) => {
        if (n !== scope && SCOPE_TYPES.includes(n.type)) return false;
        if (n.end > last && this.isGradSignal(n)) last = n.end;
      });
      this.gradEnds.set(scope, (end = last));
    }
    return end;
  }

  /** Whether a node runs with gradients off (or explicitly on): an enclosing grad-mode `with`, decorator or call. */
  gradModeSet(node: PyNode, depth = 0): boolean {
    const { source } = this;
    for (let current: PyNode | null = node.parent; current; current = current.parent) {
      if (current.type === 'with_statement') {
        const clause = current.children.find((c) => c.type === 'with_clause');
        if (clause && this.clauseSetsGradMode(clause)) return true;
      }
      if (current.type === 'function_definition') {
        if (this.decoratedWithGradMode(current) || this.calledUnderGradMode(current, depth)) return true;
        if (this.setGradStatementIn(current)) return true;
      }
    }
    return this.setGradStatementIn(source.root);
  }

  private clauseSetsGradMode(clause: PyNode): boolean {
    let found = false;
    walk(clause, (n) => {
      if (found) return false;
      if (n.type === 'call' && isGradModeCall(this.source, n)) found = true;
      else if (n.type === 'identifier' && n.parent?.type === 'with_item') {
        const binding = this.source.names.bindingAt(this.source.textOf(n), n.start);
        if (binding?.kind === 'call' && isGradModeCall(this.source, binding.call)) found = true;
      }
      return !found;
    });
    return found;
  }

  private decoratedWithGradMode(fn: PyNode): boolean {
    if (fn.parent?.type !== 'decorated_definition') return false;
    return fn.parent.children.some((d) => d.type === 'decorator' && d.children.some((e) => e.named && isGradModeExpr(this.source, e)));
  }

  /** A statement-level `torch.set_grad_enabled(False)` directly in a scope's own code. */
  private setGradStatementIn(scope: PyNode): boolean {
    const { source } = this;
    return source.nodes('call').some(
      (call) => call.parent?.type === 'expression_statement' && isGradModeCall(source, call) && scopeOf(source, call) === scope,
    );
  }

  /** A call site of the function is in a grad-mode context (checked two levels up), or it is wrapped as `no_grad()(f)`. */
  private calledUnderGradMode(fn: PyNode, depth: number): boolean {
    const sites = this.callSites(fn);
    if (this.wrappedByGradMode(fn)) return true;
    if (depth >= 2 || sites.length === 0) return false;
    return sites.some((site) => this.gradModeSet(site, depth + 1));
  }

  private wrappedByGradMode(fn: PyNode): boolean {
    const { source } = this;
    const name = source.textOf(field(fn, 'name') ?? fn);
    return source.nodes('call').some((call) => {
      const callee = field(call, 'function');
      return callee?.type === 'call' && isGradModeCall(source, callee) && source.positionalArgs(call).some((a) => source.textOf(a) === name);
    });
  }

  /** Calls of a function by its name (`evaluate(...)`, `self.evaluate(...)`, `trainer.evaluate(...)`). */
  callSites(fn: PyNode): PyNode[] {
    const { source } = this;
    const name = source.textOf(field(fn, 'name') ?? fn);
    const method = ancestor(fn, SCOPE_TYPES)?.type === 'class_definition';
    return (method ? source.methodCalls(name) : source.functionCalls(name)).filter((call) => !isAncestorOf(fn, call));
  }

  /** The model is frozen somewhere in the file: `model.requires_grad_(False)`, or `p.requires_grad = False` over `model.parameters()`. */
  frozen(name: string): boolean {
    const { source } = this;
    for (const call of source.nodes('call')) {
      if (source.methodName(call) === 'requires_grad_' && chainRoot(source, source.receiver(call)) === name) return true;
    }
    for (const loop of source.nodes('for_statement')) {
      const right = field(loop, 'right');
      if (right && new RegExp(`^${name.replace(/\./g, '\\.')}\\.(named_)?parameters\\(`).test(source.textOf(right)) && /requires_grad/.test(source.textOf(loop))) return true;
    }
    return false;
  }
}

interface Finding {
  call: PyNode;
  where: string;
  /** Inside an evaluation function (decorator advice) or after model.eval() (with-block advice). */
  inFunction: boolean;
  /** async functions cannot take the decorator. */
  isAsync: boolean;
  fix: OffsetFix | undefined;
}

/** Names a statement writes (assignment targets and the receivers of `append`/`extend`-style calls), for the in-place check. */
function writtenNames(source: PythonSource, statement: PyNode): Set<string> {
  const names = new Set<string>();
  walk(statement, (n) => {
    if (n.type === 'assignment' || n.type === 'augmented_assignment') {
      const left = field(n, 'left');
      if (left) walk(left, (id) => void (id.type === 'identifier' && id.parent?.type !== 'attribute' && names.add(source.textOf(id))));
    }
    return !SCOPE_TYPES.includes(n.type) || n === statement;
  });
  return names;
}

/** In-place changes to any of `names` in a scope after an offset: `x += 1`, `x[...] = ...`, `x.clamp_(...)`. */
function changedInPlace(source: PythonSource, scope: PyNode, names: Set<string>, after: number): boolean {
  if (names.size === 0) return false;
  const root = (n: PyNode | null): string | null => {
    while (n && (n.type === 'subscript' || n.type === 'attribute')) n = field(n, n.type === 'subscript' ? 'value' : 'object');
    return n?.type === 'identifier' ? source.textOf(n) : null;
  };
  let found = false;
  walk(scope, (n) => {
    if (found || n.end <= after) return !found && n.end > after;
    if (n.start < after) return true;
    if (n.type === 'augmented_assignment') {
      const name = root(field(n, 'left'));
      if (name && names.has(name)) found = true;
    } else if (n.type === 'assignment') {
      const left = field(n, 'left');
      if (left && left.type !== 'identifier' && root(left) && names.has(root(left)!)) found = true;
    } else if (n.type === 'call') {
      const method = source.methodName(n);
      const receiver = root(source.receiver(n));
      if (method && /[^_]_$/.test(method) && receiver && names.has(receiver)) found = true;
    }
    return !found;
  });
  return found;
}

/**
 * Whether code hands the model to another callable (`attack(model, x)`, `explain(model).attribute(x)`):
 * that callable may need gradients, which inference mode would switch off.
 */
function passesModelAway(source: PythonSource, node: PyNode, model: string): boolean {
  let found = false;
  walk(node, (n) => {
    if (found) return false;
    if (n.type !== 'call') return true;
    const callee = field(n, 'function');
    const calleeText = callee ? source.textOf(callee) : '';
    if (HARMLESS_CALLEES.has(calleeText)) return true;
    const args = field(n, 'arguments');
    const hands = !!args && args.children.some((a) => {
      const value = a.type === 'keyword_argument' ? field(a, 'value') : a;
      return !!value && (source.textOf(value) === model || source.textOf(value).startsWith(`${model}.`)) && !/\.(parameters|named_parameters|state_dict)\(\)$/.test(source.textOf(value));
    });
    if (hands) found = true;
    return !found;
  });
  return found;
}

/** Lines of a node: whether it starts and ends its lines (no `;` neighbours) and holds no multi-line string. */
function ownsItsLines(source: PythonSource, node: PyNode): boolean {
  const { lines } = source;
  const first = lines.positionAt(node.start);
  const last = lines.positionAt(node.end);
  if (lines.lineText(first.line).slice(0, first.character).trim() !== '') return false;
  const rest = lines.lineText(last.line).slice(last.character).trim();
  if (rest !== '' && !rest.startsWith('#')) return false;
  let multiLineString = false;
  walk(node, (n) => {
    if (multiLineString) return false;
    if (n.type === 'string' && lines.positionAt(n.start).line !== lines.positionAt(n.end).line) multiLineString = true;
    return !multiLineString;
  });
  return !multiLineString;
}

/** Edits that put a statement under `with torch.inference_mode():`, indenting its lines one level. */
function wrapEdits(source: PythonSource, statement: PyNode, torch: string): OffsetEdit[] | null {
  if (!ownsItsLines(source, statement)) return null;
  const { lines } = source;
  const firstLine = lines.positionAt(statement.start).line;
  const lastLine = lines.positionAt(statement.end).line;
  const indent = indentOf(lines.lineText(firstLine));
  let unit = indent.includes('\t') ? '\t' : '    ';
  for (let line = firstLine + 1; line <= lastLine; line++) {
    const inner = indentOf(lines.lineText(line));
    if (lines.lineText(line).trim() !== '' && inner.length > indent.length && inner.startsWith(indent)) {
      unit = inner.slice(indent.length);
      break;
    }
  }
  const eol = lines.eol;
  const start = lines.lineStart(firstLine);
  const edits: OffsetEdit[] = [{ start, end: start, newText: `${indent}with ${torch}.inference_mode():${eol}${unit}` }];
  for (let line = firstLine + 1; line <= lastLine; line++) {
    if (lines.lineText(line).trim() === '') continue;
    const lineStart = lines.lineStart(line);
    edits.push({ start: lineStart, end: lineStart, newText: unit });
  }
  return edits;
}

/**
 * Edit that adds `@torch.inference_mode()` right above a function's `def` line (innermost, under any
 * other decorator). None for functions compiled by TorchScript or torch.compile.
 */
function decoratorEdit(source: PythonSource, fn: PyNode, torch: string): OffsetEdit | null {
  const { lines } = source;
  if (fn.parent?.type === 'decorated_definition') {
    const compiled = fn.parent.children.some((d) => d.type === 'decorator' && /^torch\.(jit\.|compile$)/.test(source.qualifiedName(d.children.find((c) => c.named && c.type !== 'call') ?? field(d.children.find((c) => c.type === 'call') ?? d, 'function') ?? d) ?? ''));
    if (compiled) return null;
  }
  const position = lines.positionAt(fn.start);
  const lineText = lines.lineText(position.line);
  if (lineText.slice(0, position.character).trim() !== '') return null;
  const start = lines.lineStart(position.line);
  return { start, end: start, newText: `${indentOf(lineText)}@${torch}.inference_mode()${lines.eol}` };
}

function functionName(source: PythonSource, fn: PyNode): string {
  return source.textOf(field(fn, 'name') ?? fn);
}

function isAsync(fn: PyNode): boolean {
  return fn.children.some((c) => c.type === 'async');
}

/** The class a function is a method of, if any. */
function classOf(fn: PyNode): PyNode | null {
  const owner = ancestor(fn, SCOPE_TYPES);
  return owner?.type === 'class_definition' ? owner : null;
}

function checkPython(context: PythonContext): void {
  const { source } = context;
  const analysis = new Analysis(source);
  if (!analysis.usesTorch) return;
  const findings = new Map<PyNode, Finding>();
  const torch = torchName(source);
  /** The fix's edits plus `import torch` when the file has none (in a notebook: in the fix's own cell). */
  const withImport = (edits: OffsetEdit[], near: PyNode): OffsetEdit[] => {
    const { importEdit } = torchName(source, near);
    if (!importEdit) return edits;
    // An import that lands where the first edit inserts (the cell's first line) goes into the same edit.
    const same = edits.findIndex((e) => e.start === importEdit.start && e.end === importEdit.end);
    if (same < 0) return [...edits, importEdit];
    return edits.map((e, i) => (i === same ? { ...e, newText: importEdit.newText + e.newText } : e));
  };
  // Lightning hooks run without gradients already; unittest/pytest tests check behaviour, they are not inference.
  const excluded = (node: PyNode) => {
    const first = node.type === 'function_definition' ? node : ancestor(node, 'function_definition');
    for (let fn = first; fn; fn = ancestor(fn, 'function_definition')) {
      const name = functionName(source, fn);
      if ((classOf(fn) && LIGHTNING_HOOK.test(name)) || UNIT_TEST.test(name)) return true;
    }
    return false;
  };

  // 1. Model calls inside evaluation / inference functions.
  for (const fn of source.nodes('function_definition')) {
    const name = functionName(source, fn);
    if (!isEvalName(name)) continue;
    const owner = classOf(fn);
    // A model's own methods (`predict`, `infer`) may run inside training; Lightning hooks are covered above.
    if (owner && analysis.classKind(source.textOf(field(owner, 'name') ?? owner)) !== 'not') continue;
    if (excluded(fn)) continue;
    const body = field(fn, 'body');
    if (!body || analysis.needsGrad(fn)) continue;
    const sites = analysis.callSites(fn);
    if (sites.some((site) => analysis.gradAfter(scopeOf(source, site), site.start))) continue;
    const evalled = new Set<string>();
    const callsInBody = source.nodesWithin('call', body);
    for (const call of callsInBody) {
      if (scopeOf(source, call) !== fn) continue;
      if (source.methodName(call) === 'eval' && source.positionalArgs(call).length === 0) {
        const root = chainRoot(source, source.receiver(call));
        if (root) evalled.add(root);
      }
    }
    for (const call of callsInBody) {
      if (scopeOf(source, call) !== fn) continue;
      const model = calledModel(source, call);
      if (!model) continue;
      let kind = analysis.kindOf(model.expr);
      if (kind === 'unknown') kind = analysis.parameterKind(fn, model.name, sites);
      const isModel = evalled.has(model.name) || kind === 'model' || (kind === 'unknown' && isModelName(lastSegment(model.name)));
      if (!isModel || kind === 'not' || analysis.frozen(model.name) || analysis.gradModeSet(call)) continue;
      let fix: OffsetFix | undefined;
      const edit = isAsync(fn) ? null : decoratorEdit(source, fn, torch.name);
      if (edit) {
        // Results changed in place by a caller would raise outside inference mode.
        const escapes = sites.some((site) => {
          const assign = ancestor(site, ['assignment', 'augmented_assignment']);
          return !!assign && changedInPlace(source, scopeOf(source, site), writtenNames(source, assign), assign.end);
        });
        fix = {
          title: `Run ${name}() under torch.inference_mode() (decorator)`,
          safety: analysis.programNeedsGrad || escapes || passesModelAway(source, body, model.name) ? 'unsafe' : 'safe',
          edits: withImport([edit], call),
        };
      }
      findings.set(call, { call, where: `inside ${name}()`, inFunction: true, isAsync: isAsync(fn), fix });
    }
  }

  // 2. Model calls after `model.eval()` in the same scope.
  for (const evalCall of source.nodes('call')) {
    const method = source.methodName(evalCall);
    const args = source.positionalArgs(evalCall);
    const isEval = (method === 'eval' && args.length === 0 && !source.hasSplat(evalCall)) || (method === 'train' && args.length === 1 && args[0].type === 'false');
    if (!isEval) continue;
    // Only `model.eval()` as a statement or `model = <chain>.eval()`: in `torch.jit.freeze(m.eval())` the
    // result is another object.
    let top: PyNode = evalCall;
    while (top.parent?.type === 'attribute' && top.parent.parent?.type === 'call' && field(top.parent, 'object') === top) top = top.parent.parent;
    const holder = top.parent;
    const isStatement = holder?.type === 'expression_statement';
    const isAssigned = holder?.type === 'assignment' && field(holder, 'right') === top;
    if (!isStatement && !isAssigned) continue;
    const names = new Set<string>();
    const root = chainRoot(source, source.receiver(evalCall));
    if (root) names.add(root);
    const left = isAssigned ? field(holder!, 'left') : null;
    if (left && (left.type === 'identifier' || left.type === 'attribute')) names.add(source.textOf(left));
    if (names.size === 0) continue;
    const label = left ? source.textOf(left) : root!;
    const scope = scopeOf(source, evalCall);
    // The eval statement and the siblings after it, up to `model.train()` or a new model.
    let statement: PyNode | null = evalCall;
    while (statement && statement.parent?.type !== 'block' && statement.parent?.type !== 'module') statement = statement.parent;
    if (!statement || !statement.parent || scopeOf(source, statement) !== scope) continue;
    const siblings = statement.parent.children.filter((c) => c.named && c.type !== 'comment');
    const region: PyNode[] = [];
    for (const sibling of siblings.slice(siblings.indexOf(statement) + 1)) {
      if (endsRegion(source, sibling, names)) break;
      region.push(sibling);
    }
    if (region.length === 0 || region.some((s) => analysis.needsGrad(s))) continue;
    if (excluded(evalCall)) continue;
    for (const part of region) {
      if (['function_definition', 'class_definition', 'decorated_definition'].includes(part.type)) continue;
      walk(part, (n) => {
        if (n !== part && SCOPE_TYPES.includes(n.type)) return false;
        if (n.type !== 'call' || findings.has(n)) return true;
        const model = calledModel(source, n);
        if (!model || !names.has(model.name)) return true;
        if (analysis.kindOf(model.expr) === 'not' || analysis.frozen(model.name) || analysis.gradModeSet(n)) return true;
        if (analysis.gradAfter(scope, n.start)) return true;
        const edits = wrapEdits(source, part, torch.name);
        let fix: OffsetFix | undefined;
        if (edits) {
          const unsafe = analysis.programNeedsGrad || changedInPlace(source, scope, writtenNames(source, part), part.end) || passesModelAway(source, part, model.name);
          fix = { title: 'Run this under torch.inference_mode()', safety: unsafe ? 'unsafe' : 'safe', edits: withImport(edits, n) };
        }
        findings.set(n, { call: n, where: `after ${label}.${method}(${method === 'train' ? 'False' : ''})`, inFunction: false, isAsync: false, fix });
        return true;
      });
    }
  }

  for (const finding of [...findings.values()].sort((a, b) => a.call.start - b.call.start)) {
    const callText = source.textOf(field(finding.call, 'function') ?? finding.call);
    const advice = finding.inFunction && !finding.isAsync
      ? `Decorate the function with @torch.inference_mode() (or wrap the loop in with torch.inference_mode():)`
      : `Wrap it in with torch.inference_mode(): (or torch.no_grad())`;
    context.report({
      ...callRange(source, finding.call),
      message:
        `${callText}(...) runs ${finding.where} with gradients on: autograd records a graph and keeps the activations a backward pass would need, ` +
        `although nothing here calls backward(). ${advice}: ${WHY}.`,
      fix: finding.fix,
    });
  }
}

/** A statement that ends an eval region: it switches the model back to training or rebinds it. */
function endsRegion(source: PythonSource, statement: PyNode, names: Set<string>): boolean {
  let ends = false;
  walk(statement, (n) => {
    if (ends) return false;
    if (n.type === 'call' && source.methodName(n) === 'train') {
      const root = chainRoot(source, source.receiver(n));
      const args = source.positionalArgs(n);
      if (root && names.has(root) && !(args.length === 1 && args[0].type === 'false')) ends = true;
    }
    if (n.type === 'assignment') {
      const left = field(n, 'left');
      const right = field(n, 'right');
      // `model = model.to(device)` / `torch.compile(model)` keep the same model; anything else is a new one.
      const sameModel = right ? [...names].some((name) => new RegExp(`(^|[^\\w.])${name.replace(/\./g, '\\.')}\\b`).test(source.textOf(right))) : false;
      if (left && names.has(source.textOf(left)) && !sameModel) ends = true;
    }
    return !ends;
  });
  return ends;
}

export const missingNoGrad: Rule = {
  id: 'missing-no-grad',
  title: 'Evaluation or inference forward pass builds an autograd graph',
  defaultSeverity: 'warning',
  sources: ['python'],
  fixAvailability: 'sometimes',
  fixSafety: 'mixed',
  // `m.eval()` / `m.train(False)`, or a function named for evaluation; and always a torch-family import
  // (the rule does nothing without one).
  triggers: [
    ['eval', TORCH_FAMILY, methodCall('eval')],
    ['False', TORCH_FAMILY, methodCallWith('train', 'False')],
    ['def', TORCH_FAMILY, EVAL_FUNCTION_DEFINITION, MODEL_EVIDENCE, evaluationMayCallModel],
  ],
  docs: {
    whatItDoes:
      'Flags PyTorch model calls (`model(x)`, `model.forward(x)`) made for evaluation or inference with gradients on: calls after `model.eval()` (or `model.train(False)`) in the same function or module code, up to `model.train()`; and, inside functions named for evaluation (evaluate, eval_epoch, validate, val_step, predict, predict_batch, infer, run_inference, test, run_test...), calls of a model: one switched to eval mode there, one built from torch.nn / torchvision / timm / transformers / a local nn.Module subclass, or a parameter or attribute named like one (`model`, `net`, `self.model`, `teacher_model`) when nothing says it is something else (a Keras model passed in, a pipeline, a plain class). ' +
      'A call is left alone when an enclosing `with torch.no_grad()` / `torch.inference_mode()` / `torch.set_grad_enabled(...)` / `torch.enable_grad()` or a decorator of that kind covers it (any import spelling or alias), when its function is called from such a context, after a statement-level `torch.set_grad_enabled(...)`, when gradient work is in scope or follows the call (backward(), torch.autograd.grad, torch.func, captum / adversarial-attack libraries, `.grad`, requires_grad, an optimizer step, or a call of a local function doing any of these), when the model is frozen (`requires_grad_(False)` or `p.requires_grad = False` over its parameters), in Lightning `validation_step` / `test_step` / `predict_step` and `on_validation_*` hooks, in a model class\'s own methods, and in unittest/pytest test functions. HF `generate()`, pipeline calls and `SentenceTransformer.encode` are not model calls for this rule: they already run without gradients.',
    whyItWastesEnergy:
      'With gradients on, every forward pass records an autograd graph and keeps the intermediate activations a backward pass would need: more memory traffic and memory held for nothing during evaluation, and smaller batches than the GPU could take. The PyTorch performance tuning guide lists turning gradient computation off for validation and inference among its general recommendations; torch.inference_mode() goes further than torch.no_grad() by also disabling view tracking and version-counter bumps.',
    example: {
      language: 'python',
      code: [
        'import torch',
        '',
        'def evaluate(model, loader):',
        '    model.eval()',
        '    correct = 0',
        '    for images, labels in loader:',
        '        outputs = model(images)',
        '        correct += (outputs.argmax(1) == labels).sum().item()',
        '    return correct / len(loader.dataset)',
      ].join('\n'),
    },
    useInstead: {
      language: 'python',
      code: [
        'import torch',
        '',
        '@torch.inference_mode()',
        'def evaluate(model, loader):',
        '    model.eval()',
        '    correct = 0',
        '    for images, labels in loader:',
        '        outputs = model(images)',
        '        correct += (outputs.argmax(1) == labels).sum().item()',
        '    return correct / len(loader.dataset)',
      ].join('\n'),
    },
    fixSafety:
      'Inside an evaluation function the fix adds `@torch.inference_mode()` right above its `def`; after `model.eval()` it wraps the statement holding the call in `with torch.inference_mode():` and indents it; `import torch` is added when the file (or, in a notebook, the cell) has none. No fix is offered where gradient work is in scope, for async functions, functions compiled with torch.jit / torch.compile, statements that share their line, or when indenting would change a multi-line string. The fix is safe only when nothing needs gradients: it is marked safe in programs with no gradient code anywhere whose results are not changed in place afterwards and whose model is not handed to another function, and unsafe otherwise, because tensors created under inference mode cannot be saved for a later backward pass or modified in place outside inference mode, and a function the model is handed to may compute gradients (use torch.no_grad() there if that matters).',
    sources: [
      'PyTorch Performance Tuning Guide (disable gradient calculation for validation or inference) — https://pytorch.org/tutorials/recipes/recipes/tuning_guide.html',
      'torch.inference_mode — https://pytorch.org/docs/stable/generated/torch.autograd.grad_mode.inference_mode.html',
      'Lightning Trainer(inference_mode=True) default — lightning 2.6.6 src/lightning/pytorch/trainer/trainer.py',
    ],
  },
  checkPython,
};
