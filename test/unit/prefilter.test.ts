// The prefilter decides which files are parsed at all: it must agree exactly with the plain reading
// of the triggers (a word is a substring, a pattern matches, a list needs all of its items), and the
// patterns the rules build must accept every spelling the rules accept.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Prefilter } from '../../server/src/engine/prefilter';
import { RULES } from '../../server/src/engine/registry';
import type { Rule, Trigger, TriggerPart } from '../../server/src/engine/rule';
import { EVAL_FUNCTION_DEFINITION, isEvalName, isModelName, MODEL_EVIDENCE } from '../../server/src/rules/missing-no-grad';
import { methodCall, methodCallWith } from '../../server/src/rules/shared/triggers';

const ROOT = join(__dirname, '..', '..', '..');

function plainMayMatch(rule: Rule, text: string): boolean {
  const holds = (part: TriggerPart): boolean =>
    typeof part === 'string'
      ? text.includes(part)
      : part instanceof RegExp
        ? new RegExp(part.source, part.flags.replace('g', '')).test(text)
        : typeof part === 'function'
          ? part(text)
          : part.some(holds);
  const satisfied = (trigger: Trigger) => (typeof trigger === 'string' || trigger instanceof RegExp ? holds(trigger) : trigger.every(holds));
  return rule.triggers.length === 0 || rule.triggers.some(satisfied);
}

const ruleWith = (triggers: Trigger[]): Rule => ({ ...RULES[0], id: 'probe', triggers });

function triggerWords(): string[] {
  const words = new Set<string>();
  for (const rule of RULES) {
    for (const trigger of rule.triggers) {
      for (const part of typeof trigger === 'string' || trigger instanceof RegExp ? [trigger] : trigger) {
        if (typeof part === 'string') words.add(part);
        else if (Array.isArray(part)) for (const word of part as readonly string[]) words.add(word);
      }
    }
  }
  return [...words];
}

describe('prefilter', () => {
  it('finds words that overlap, contain each other or start inside another match', () => {
    const rule = ruleWith([['ab', 'bc']]);
    assert.equal(new Prefilter([rule]).scan('xabcx').mayMatch(rule), true, '"bc" starts inside the match "ab"');
    const contained = ruleWith([['save', 'step', 'save_steps']]);
    assert.equal(new Prefilter([contained]).scan('args(save_steps=10)').mayMatch(contained), true, 'save and step are inside save_steps');
    const anyOf = ruleWith([['fit', ['torch', 'keras']]]);
    assert.equal(new Prefilter([anyOf]).scan('import keras\nm.fit(x)').mayMatch(anyOf), true, 'one word of the group is enough');
    assert.equal(new Prefilter([anyOf]).scan('import jax\nm.fit(x)').mayMatch(anyOf), false, 'no word of the group');
    const missing = ruleWith([['save', 'backward']]);
    assert.equal(new Prefilter([missing]).scan('torch.save(model)').mayMatch(missing), false);
  });

  it('runs a rule\'s pattern only where the words beside it are present, and agrees with it', () => {
    let calls = 0;
    const counting = /x\(\)/;
    const originalTest = counting.test.bind(counting);
    counting.test = (s: string) => {
      calls++;
      return originalTest(s);
    };
    const rule = ruleWith([['needle', counting]]);
    const prefilter = new Prefilter([rule]);
    assert.equal(prefilter.scan('haystack x()').mayMatch(rule), false);
    assert.equal(calls, 0, 'the pattern ran although its word is absent');
    assert.equal(prefilter.scan('needle x()').mayMatch(rule), true);
    assert.equal(prefilter.scan('needle y()').mayMatch(rule), false);
  });

  it('agrees with the plain reading of every rule\'s triggers on random texts made of trigger words', () => {
    const words = triggerWords();
    const pieces = [...words, ...words.map((w) => w.slice(1)), ...words.map((w) => w.slice(0, -1)), '.', '(', ')', ' ', '\n', 'def ', 'import torch\n', '_', 'x', '#', '\\\n', 'False', 'cuda', 'GPU'];
    const prefilter = new Prefilter(RULES);
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 40 }), (parts) => {
        const text = parts.join('');
        const evidence = prefilter.scan(text);
        for (const rule of RULES) assert.equal(evidence.mayMatch(rule), plainMayMatch(rule, text), `${rule.id} on ${JSON.stringify(text)}`);
      }),
      { seed: 7, numRuns: 3000 },
    );
  });

  it('agrees with the plain reading on the examples and the rule fixtures', () => {
    const prefilter = new Prefilter(RULES);
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (/\.(py|ipynb)$/.test(entry.name)) files.push(full);
      }
    };
    walk(join(ROOT, 'examples'));
    walk(join(ROOT, 'test', 'fixtures', 'rules'));
    assert.ok(files.length > 100, `only ${files.length} files found`);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const evidence = prefilter.scan(text);
      for (const rule of RULES) assert.equal(evidence.mayMatch(rule), plainMayMatch(rule, text), `${rule.id} on ${file}`);
    }
  });

  it('method-call patterns accept the spellings Python allows between the tokens', () => {
    const backward = methodCall('backward');
    for (const text of ['loss.backward()', 'loss . backward ( )', 'loss.\\\n    backward(', '(loss\n .backward  # why\n ())', 'scaler.scale(loss).backward()']) assert.match(text, backward, text);
    for (const text of ['backward()', 'loss.backward_hook()', 'loss.backward']) assert.doesNotMatch(text, backward, text);
    assert.match('model.train(  False)', methodCallWith('train', 'False'));
    assert.doesNotMatch('model.train(True)', methodCallWith('train', 'False'));
  });

  it('the missing-no-grad definition pattern accepts every name isEvalName accepts', () => {
    const parts = ['eval', 'Eval', 'EVAL', 'evaluate', 'validation', 'valid', 'val', 'Val', 'predict', 'predictions', 'infer', 'Inference', 'test', 'run', 'epoch', 'one', 'loop', 'value', 'interval', 'model', 'x2', '_', '__', 'A', 'b', '9', 'é'];
    let accepted = 0;
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...parts), { minLength: 1, maxLength: 5 }), fc.constantFrom('(', '[', ' (', '(self'), (words, after) => {
        const name = words.join('');
        if (!/^[A-Za-z_é]/.test(name)) return;
        if (!isEvalName(name)) return;
        accepted++;
        assert.match(`def ${name}${after}`, EVAL_FUNCTION_DEFINITION, name);
        assert.match(`    async def  ${name}${after}`, EVAL_FUNCTION_DEFINITION, name);
      }),
      { seed: 11, numRuns: 5000 },
    );
    assert.ok(accepted > 500, `only ${accepted} evaluation names generated`);
    for (const name of ['value', 'interval', 'get_values', 'test_forward', 'testModel']) assert.doesNotMatch(`def ${name}(`, EVAL_FUNCTION_DEFINITION, name);
  });

  it('the missing-no-grad model pattern accepts a call of every name isModelName accepts, however it is written', () => {
    const parts = ['model', 'Model', 'MODEL', 'net', 'Net', 'NET', 'network', 'Network', 'teacher', 'policy', 'ema', 'g', 'A1', 'x', '_', '2', 'get', 'load'];
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...parts), { minLength: 1, maxLength: 4 }),
        fc.constantFrom('', 'self.', 'self.student.'),
        fc.constantFrom('(x)', ' (x)', '.forward(x)', ' . forward (x)', '\\\n    (x)', '\n  # comment\n  (x)'),
        (words, owner, call) => {
          const name = words.join('');
          if (!/^[A-Za-z_]\w*$/.test(name) || !isModelName(name)) return;
          accepted++;
          assert.match(`import torch\ndef evaluate(loader):\n    return ${owner}${name}${call}\n`, MODEL_EVIDENCE, `${owner}${name}${call}`);
        },
      ),
      { seed: 12, numRuns: 5000 },
    );
    assert.ok(accepted > 300, `only ${accepted} model names generated`);
    // A model that only its construction tells apart (`m = resnet18()`) needs the library's name in the text.
    for (const text of ['from torch import nn', 'torch.hub.load(repo, name)', 'import torchvision', 'import pytorch_lightning as pl', 'from peft import get_peft_model', 'import timm']) assert.match(text, MODEL_EVIDENCE, text);
    for (const text of ['import torch\ndef validate_shape(shape):\n    return check(shape)\n', 'modeling = 1\nnetloc(x)']) assert.doesNotMatch(text, MODEL_EVIDENCE, text);
  });

  it('every pattern and text test in the rules\' triggers stays fast on adversarial 100,000-character texts', () => {
    const checks = RULES.flatMap((rule) => rule.triggers.flatMap((t) => (typeof t === 'string' ? [] : t instanceof RegExp ? [t] : t.filter((p) => p instanceof RegExp || typeof p === 'function'))));
    assert.ok(checks.some((c) => typeof c === 'function'), 'no text test among the triggers');
    const n = 100_000;
    const nested = Array.from({ length: 440 }, (_, depth) => `${' '.repeat(depth)}def eval_${depth}(x):\n`).join('');
    const texts = ['.'.repeat(n), `.${' '.repeat(n)}`, `.${'#'.repeat(n)}`, '. # \n'.repeat(n / 5), `def ${'a'.repeat(n)}`, 'def '.repeat(n / 4), 'def _'.repeat(n / 5), `def ${'val'.repeat(n / 3)}`, 'model_a'.repeat(n / 7), `model${' '.repeat(n)}`, `net.${' '.repeat(n)}`, '.backward'.repeat(n / 9), '\\\n'.repeat(n / 2), nested, 'def eval(x):\n f(x)\n'.repeat(n / 19), `def eval(${'('.repeat(n)}`, `def eval(x):\n '''${'\n'.repeat(n)}`, `def eval(x): ${'a('.repeat(n / 2)}`];
    let slowest = 0;
    for (const check of checks) {
      for (const text of texts) {
        const started = performance.now();
        if (check instanceof RegExp) check.test(text);
        else (check as (text: string) => boolean)(text);
        slowest = Math.max(slowest, performance.now() - started);
      }
    }
    assert.ok(slowest < 100, `a trigger check took ${slowest.toFixed(0)} ms`);
  });
});
