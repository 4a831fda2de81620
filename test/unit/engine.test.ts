import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze } from '../../server/src/engine/analyze';
import { parseJsonConfig, parseYamlConfig } from '../../server/src/engine/config/source';
import { applyOffsetEdits, compatibleFixes, fixDocument } from '../../server/src/engine/fixes';
import { lintDocument } from '../../server/src/engine/lint';
import { blankIPythonSyntax, NotebookProgram, readNotebook } from '../../server/src/engine/notebook';
import { initPythonParser, parsePython } from '../../server/src/engine/python/parser';
import { PythonSource } from '../../server/src/engine/python/source';
import { findPyproject, loadPyprojectSettings } from '../../server/src/engine/pyproject';
import { RULE_IDS } from '../../server/src/engine/registry';
import { defaultSettings, mergeSettings } from '../../server/src/engine/settings';
import { LineIndex } from '../../server/src/engine/text';

before(async () => {
  await initPythonParser();
});

function source(text: string): PythonSource {
  return new PythonSource(text, parsePython(text));
}

function calleesOf(text: string): (string | null)[] {
  const s = source(text);
  return s.nodes('call').map((c) => s.calleeName(c));
}

const notebook = (cells: { cell_type: string; source: string[] | string }[]) =>
  JSON.stringify({ cells: cells.map((c) => ({ metadata: {}, outputs: [], ...c })), metadata: {}, nbformat: 4, nbformat_minor: 5 }, null, 1);

describe('name resolution', () => {
  it('resolves aliases, from-imports and dotted imports to qualified names', () => {
    assert.deepEqual(
      calleesOf('import torch.nn as nn\nfrom torch.nn import DataParallel as DP\nimport torch\nnn.DataParallel(m)\nDP(m)\ntorch.nn.parallel.DataParallel(m)\n'),
      ['torch.nn.DataParallel', 'torch.nn.DataParallel', 'torch.nn.parallel.DataParallel'],
    );
  });

  it('maps tf.keras and pytorch_lightning to their canonical names', () => {
    assert.deepEqual(calleesOf('import tensorflow as tf\nimport pytorch_lightning as pl\ntf.keras.applications.ResNet50()\npl.Trainer()\n'), [
      'keras.applications.ResNet50',
      'lightning.pytorch.Trainer',
    ]);
  });

  it("does not mistake the user's own class for a library's", () => {
    assert.deepEqual(calleesOf('from transformers import Trainer\nclass Trainer:\n    pass\nTrainer()\n'), [null]);
    assert.deepEqual(calleesOf('from .trainer import Trainer\nTrainer()\n'), [null]);
    assert.deepEqual(calleesOf('def DataLoader(x):\n    return x\nDataLoader(1)\n'), [null]);
  });

  it('knows what an assigned name was built from', () => {
    const s = source('from transformers import Trainer\ntrainer = Trainer(model=m)\ntrainer.train()\n');
    const train = s.nodes('call').find((c) => s.methodName(c) === 'train')!;
    assert.equal(s.receiverType(train), 'transformers.Trainer');
  });

  it('reads module string constants but not reassigned names', () => {
    const s = source('MODEL = "gpt2-xl"\nNAME = "a"\nNAME = "b"\nf(MODEL, NAME)\n');
    const [model, name] = s.positionalArgs(s.nodes('call')[0]);
    assert.equal(s.stringValue(model)?.value, 'gpt2-xl');
    assert.equal(s.stringValue(name), undefined);
  });
});

describe('notebooks', () => {
  it('joins code cells in order, skips magics and shell lines, keeps columns', () => {
    const text = notebook([
      { cell_type: 'code', source: ['%matplotlib inline\n', 'import torch\n'] },
      { cell_type: 'markdown', source: ['# Title'] },
      { cell_type: 'code', source: ['!pip install timm\n', 'x = !ls\n', 'model = torch.nn.DataParallel(net)'] },
    ]);
    const program = new NotebookProgram(readNotebook(text));
    assert.equal(program.spans.length, 2);
    assert.equal(program.spans[1].cell.index, 2);
    const s = source(program.text);
    assert.equal(s.nodes('ERROR').length, 0);
    assert.deepEqual(s.nodes('call').map((c) => s.calleeName(c)), ['torch.nn.DataParallel']);
  });

  it('blanks foreign cell magics entirely but keeps line lengths', () => {
    const blanked = blankIPythonSyntax('%%bash\necho hi\n');
    assert.equal(blanked.length, '%%bash\necho hi\n'.length);
    assert.equal(blanked.trim(), '');
  });

  it('reports broken notebooks with a clear message', () => {
    assert.match(analyzeError('notebook', '{"cells": [}'), /not valid JSON at line 1/);
    assert.match(analyzeError('notebook', '{"cells": {"a": 1}}'), /"cells" is missing or not an array/);
    assert.match(analyzeError('notebook', '[1, 2]'), /top level is not a JSON object/);
    assert.match(analyzeError('notebook', '{"cells": [{"cell_type": "code", "source": 7}]}'), /cell 0 has no source text/);
  });
});

function analyzeError(kind: 'notebook' | 'yaml' | 'json' | 'python', text: string): string {
  const analysis = analyze(kind, text);
  assert.equal(analysis.kind, 'error', `expected an error for ${text.slice(0, 40)}`);
  return analysis.kind === 'error' ? analysis.message : '';
}

describe('configs', () => {
  it('recognises each supported training-config format', () => {
    const cases: [string, string, string][] = [
      ['yaml', 'output_dir: out\nnum_train_epochs: 3\n', 'hf-training-args'],
      ['yaml', 'model_name_or_path: gpt2\ndataset_mixer: {a: 1.0}\n', 'trl-recipe'],
      ['yaml', 'base_model: NousResearch/Llama-2-7b-hf\nadapter: lora\n', 'axolotl'],
      ['yaml', 'trainer:\n  max_epochs: 3\n', 'lightning'],
      ['yaml', 'defaults:\n  - model: resnet\n', 'hydra'],
      ['yaml', 'compute_environment: LOCAL_MACHINE\ndistributed_type: NO\nmixed_precision: bf16\n', 'accelerate'],
      ['json', '{"train_micro_batch_size_per_gpu": 4, "zero_optimization": {"stage": 2}}', 'deepspeed'],
      ['yaml', 'method: grid\nparameters:\n  lr:\n    values: [1, 2]\n', 'wandb-sweep'],
    ];
    for (const [format, text, flavor] of cases) {
      const config = format === 'yaml' ? parseYamlConfig(text) : parseJsonConfig(text);
      assert.ok(config.flavors.has(flavor as never), `${flavor} not recognised in ${text}`);
    }
  });

  it('treats unrelated JSON and YAML as no training config', () => {
    assert.equal(parseJsonConfig('{"name": "x", "version": "1.0.0", "dependencies": {}}').flavors.size, 0);
    assert.equal(parseYamlConfig('on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n').flavors.size, 0);
  });

  it('reports invalid YAML and JSON with a position', () => {
    assert.match(analyzeError('yaml', 'a: [1, 2\nb: c\n'), /invalid YAML at line \d+, column \d+/);
    assert.match(analyzeError('json', '{"a": 1,, }'), /invalid JSON at line 1, column \d+/);
  });

  it('does not expand YAML aliases (billion laughs costs nothing)', () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 10; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    const started = Date.now();
    const result = lintDocument('yaml', lines.join('\n') + '\n', defaultSettings());
    assert.equal(result.error, undefined);
    assert.ok(Date.now() - started < 1000);
  });
});

describe('suppressions', () => {
  const code = 'from transformers import TrainingArguments\n';
  const settings = { ...defaultSettings(), select: ['no-mixed-precision'] };
  const count = (text: string, kind: 'python' | 'yaml' = 'python') => lintDocument(kind, text, settings).findings.length;

  it('silences a rule on its line, on the next line from a comment line, and in the whole file', () => {
    assert.equal(count(code + 'a = TrainingArguments(output_dir="o")\n'), 1);
    assert.equal(count(code + 'a = TrainingArguments(output_dir="o")  # greenml: ignore[no-mixed-precision]\n'), 0);
    assert.equal(count(code + '# greenml: ignore[no-mixed-precision, train-from-scratch]\na = TrainingArguments(output_dir="o")\n'), 0);
    assert.equal(count(code + 'a = TrainingArguments(output_dir="o")  # greenml: ignore[train-from-scratch]\n'), 1);
    assert.equal(count('# greenml: ignore-file\n' + code + 'a = TrainingArguments(output_dir="o")\n'), 0);
  });

  it('works in YAML comments', () => {
    assert.equal(count('output_dir: o\nnum_train_epochs: 3\nbf16: false\n', 'yaml'), 1);
    assert.equal(count('output_dir: o\nnum_train_epochs: 3\nbf16: false  # greenml: ignore[no-mixed-precision]\n', 'yaml'), 0);
  });
});

describe('settings', () => {
  it('reads [tool.greenml] from the nearest pyproject.toml', () => {
    const root = mkdtempSync(join(tmpdir(), 'greenml-settings-'));
    mkdirSync(join(root, 'src', 'pkg'), { recursive: true });
    writeFileSync(
      join(root, 'pyproject.toml'),
      '[project]\nname = "x"\n\n[tool.greenml]\nignore = ["train-from-scratch"]\nseverity = { "no-mixed-precision" = "error" }\n[tool.greenml.thresholds]\ngrid-search-fits = 50\n[tool.greenml.hardware]\ngpu = "H100-SXM5"\ncount = 8\n',
    );
    const path = findPyproject(join(root, 'src', 'pkg'));
    assert.equal(path, join(root, 'pyproject.toml'));
    const { settings, problems } = loadPyprojectSettings(path!, defaultSettings(), RULE_IDS);
    assert.deepEqual(problems, []);
    assert.deepEqual(settings.ignore, ['train-from-scratch']);
    assert.equal(settings.severity['no-mixed-precision'], 'error');
    assert.equal(settings.thresholds.gridSearchFits, 50);
    assert.deepEqual(settings.hardware, { gpu: 'H100-SXM5', count: 8 });
  });

  it('names the key of every invalid setting and keeps the rest', () => {
    const { settings, problems } = mergeSettings(
      defaultSettings(),
      { select: 'all', severity: { 'no-mixed-precision': 'loud' }, thresholds: { 'grid-search-fits': -1, 'checkpoint-interval': 200 }, colour: true },
      RULE_IDS,
      'pyproject.toml',
    );
    assert.equal(settings.thresholds.checkpointInterval, 200);
    assert.equal(settings.thresholds.gridSearchFits, 100);
    const text = problems.join('\n');
    for (const key of ['select', 'severity.no-mixed-precision', 'thresholds.grid-search-fits', 'colour']) assert.ok(text.includes(`${key}:`), `no message names ${key}: ${text}`);
  });

  it('reports invalid TOML without crashing', () => {
    const root = mkdtempSync(join(tmpdir(), 'greenml-settings-'));
    writeFileSync(join(root, 'pyproject.toml'), '[tool.greenml\nselect = [');
    const { settings, problems } = loadPyprojectSettings(join(root, 'pyproject.toml'), defaultSettings(), RULE_IDS);
    assert.equal(problems.length, 1);
    assert.match(problems[0], /not valid TOML/);
    assert.deepEqual(settings, defaultSettings());
  });

  it('severity "off" and ignore switch a rule off; a severity override changes findings', () => {
    const text = 'from transformers import TrainingArguments\na = TrainingArguments(output_dir="o")\n';
    assert.equal(lintDocument('python', text, { ...defaultSettings(), severity: { 'no-mixed-precision': 'off' } }).findings.length, 0);
    assert.equal(lintDocument('python', text, { ...defaultSettings(), ignore: ['no-mixed-precision'] }).findings.length, 0);
    assert.equal(lintDocument('python', text, { ...defaultSettings(), severity: { 'no-mixed-precision': 'error' } }).findings[0].severity, 'error');
  });
});

describe('documents that cannot be analysed', () => {
  it('reports binary data instead of parsing it', () => {
    assert.match(analyzeError('python', 'import os\u0000\u0001\u0002'), /binary file/);
  });

  it('parses half-typed code without throwing', () => {
    const result = lintDocument('python', 'from transformers import TrainingArguments\nargs = TrainingArguments(output_dir="o", \n', defaultSettings());
    assert.equal(result.error, undefined);
  });
});

describe('fix application', () => {
  it('never applies two conflicting fixes in one pass', () => {
    const chosen = compatibleFixes([
      { title: 'a', safety: 'safe', edits: [{ start: 0, end: 5, newText: 'x' }] },
      { title: 'b', safety: 'safe', edits: [{ start: 3, end: 8, newText: 'y' }] },
      { title: 'c', safety: 'safe', edits: [{ start: 5, end: 5, newText: 'z' }] },
      { title: 'd', safety: 'safe', edits: [{ start: 5, end: 5, newText: 'w' }] },
    ]);
    assert.deepEqual(chosen.map((f) => f.title), ['a', 'c']);
  });

  it('applies edits from the end so offsets stay valid', () => {
    assert.equal(applyOffsetEdits('abcdef', [{ start: 0, end: 1, newText: 'A' }, { start: 4, end: 6, newText: 'EF!' }]), 'AbcdEF!');
  });

  it('keeps CRLF line endings when inserting lines', () => {
    const text = 'from transformers import TrainingArguments\r\nargs = TrainingArguments(\r\n    output_dir="o",\r\n)\r\n';
    const fixed = fixDocument('python', text, defaultSettings(), { unsafe: true }).text;
    assert.ok(fixed.includes('bf16=True'));
    assert.ok(!/[^\r]\n/.test(fixed), 'a bare LF was inserted');
  });

  it('applies only safe fixes unless unsafe fixes are asked for', () => {
    const text = 'from transformers import TrainingArguments\nargs = TrainingArguments(output_dir="o")\n';
    assert.equal(fixDocument('python', text, defaultSettings(), { unsafe: false }).text, text);
  });
});

describe('line index', () => {
  it('maps offsets and positions both ways, with CRLF and astral characters', () => {
    const lines = new LineIndex('a😀b\r\ncd\n');
    assert.deepEqual(lines.positionAt(3), { line: 0, character: 3 });
    assert.deepEqual(lines.positionAt(6), { line: 1, character: 0 });
    assert.equal(lines.offsetAt({ line: 1, character: 1 }), 7);
    assert.equal(lines.lineText(0), 'a😀b');
  });

  it('tree-sitter offsets are UTF-16 offsets, like the text', () => {
    const text = 'x = "é😀"\nfrom torch.nn import DataParallel\nDataParallel(m)\n';
    const s = source(text);
    const call = s.nodes('call')[0];
    assert.equal(s.textOf(call), 'DataParallel(m)');
  });
});

describe('adding a keyword argument', () => {
  const fixed = (text: string) => fixDocument('python', `from transformers import TrainingArguments\n${text}`, { ...defaultSettings(), select: ['no-mixed-precision'] }, { unsafe: true }).text.split('\n').slice(1).join('\n');

  it('keeps one argument per line, and comments on their lines', () => {
    assert.equal(fixed('a = TrainingArguments(\n    output_dir="o",  # where\n)\n'), 'a = TrainingArguments(\n    output_dir="o",  # where\n    bf16=True,\n)\n');
    assert.equal(fixed('a = TrainingArguments(\n    output_dir="o"  # where\n)\n'), 'a = TrainingArguments(\n    output_dir="o",  # where\n    bf16=True\n)\n');
  });

  it('keeps a one-line call on one line', () => {
    assert.equal(fixed('a = TrainingArguments(output_dir="o")\n'), 'a = TrainingArguments(output_dir="o", bf16=True)\n');
    assert.equal(fixed('a = TrainingArguments(output_dir="o",)\n'), 'a = TrainingArguments(output_dir="o", bf16=True)\n');
  });
});
