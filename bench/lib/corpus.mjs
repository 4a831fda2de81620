// Builds the benchmark's inputs in a temp folder from the real corpus (scripts/fetch-corpus.sh) and
// the repo's examples/: generated ML scripts, notebooks and configs; a Python-only tree (what Ruff
// and greenml both check), a full tree (all kinds), 2x/4x duplicates, and a 5,000-line training script.
import { copyFileSync, linkSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, relative } from 'node:path';

export const CHECKED = new Set(['.py', '.ipynb', '.yaml', '.yml', '.json']);
const SKIPPED_DIRS = new Set(['node_modules', '__pycache__', 'site-packages']);

/** Files under `dir` that `greenml check dir` visits (same skip rules as server/src/cli/files.ts). */
export function listCheckable(dir) {
  const out = [];
  const walk = (d) => {
    const entries = readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
    if (entries.some((e) => e.name === 'pyvenv.cfg' || e.name === 'conda-meta')) return;
    for (const e of entries) {
      const full = join(d, e.name);
      if (e.isDirectory()) {
        if (!e.name.startsWith('.') && !SKIPPED_DIRS.has(e.name)) walk(full);
      } else if (e.isFile() && CHECKED.has(extname(e.name).toLowerCase())) out.push(full);
    }
  };
  walk(dir);
  return out;
}

function link(from, to) {
  mkdirSync(dirname(to), { recursive: true });
  try {
    linkSync(from, to);
  } catch {
    copyFileSync(from, to);
  }
}

function linkFiles(files, fromRoot, toRoot) {
  for (const f of files) link(f, join(toRoot, relative(fromRoot, f)));
}

function bytesOf(files) {
  let total = 0;
  for (const f of files) total += statSync(f).size;
  return total;
}

function linesOf(text) {
  return text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
}

export const MODEL_IDS = [
  'bert-large-uncased', 'bert-base-uncased', 'distilbert-base-uncased', 'gpt2', 'gpt2-xl', 't5-large', 't5-small',
  'openai/whisper-large-v3', 'openai/whisper-small', 'meta-llama/Llama-2-13b-hf', 'meta-llama/Llama-2-70b-hf',
  'mistralai/Mistral-7B-Instruct-v0.2', 'roberta-large', 'google/vit-large-patch16-224', 'facebook/bart-large',
];

/** Varies a repo example: model ids, epochs, step intervals, learning rates. */
function vary(text, r) {
  return text
    .replace(/"(bert-large-uncased|gpt2|mistralai\/Mistral-7B-Instruct-v0\.2|openai\/whisper-large-v3|meta-llama\/Llama-2-13b-hf)"/g, () => `"${r.pick(MODEL_IDS)}"`)
    .replace(/(num_train_epochs|epochs|max_epochs)(\s*[=:]\s*)\d+/g, (_m, k, sep) => `${k}${sep}${1 + r.int(60)}`)
    .replace(/range\((\d+)\)/g, () => `range(${1 + r.int(50)})`)
    .replace(/(save_steps|eval_steps|logging_steps)(\s*[=:]\s*)\d+/g, (_m, k, sep) => `${k}${sep}${r.pick([10, 25, 50, 100, 500, 1000])}`)
    .replace(/lr=[0-9.e-]+/g, () => `lr=${r.pick(['1e-3', '3e-4', '5e-5', '0.1'])}`);
}

function notebookOf(scriptText, title) {
  const cells = [{ cell_type: 'markdown', metadata: {}, source: [`# ${title}\n`, 'Generated from GreenML examples and scikit-learn examples.'] }];
  const blocks = scriptText.split(/\n\n(?=\S)/); // top-level blocks after a blank line
  let current = [];
  let count = 0;
  const flush = () => {
    if (current.length === 0) return;
    const source = current.join('\n\n').replace(/\n+$/, '').split('\n').map((l, i, a) => (i < a.length - 1 ? `${l}\n` : l));
    cells.push({ cell_type: 'code', execution_count: ++count, metadata: {}, outputs: [], source });
    current = [];
  };
  for (const block of blocks) {
    current.push(block);
    if (current.join('\n\n').split('\n').length > 12) flush();
  }
  flush();
  return `${JSON.stringify({ cells, metadata: { kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' } }, nbformat: 4, nbformat_minor: 5 }, null, 1)}\n`;
}

/** Generated ML inputs: scripts (2 varied repo examples + 1 real scikit-learn example), notebooks, configs. */
function generate(dir, repoRoot, sklearnScripts, r, counts) {
  const examplesDir = join(repoRoot, 'examples');
  const examples = readdirSync(examplesDir).filter((f) => f.endsWith('.py')).sort().map((f) => readFileSync(join(examplesDir, f), 'utf8'));
  const configsDir = join(examplesDir, 'configs');
  const configs = readdirSync(configsDir).sort().map((f) => ({ name: f, text: readFileSync(join(configsDir, f), 'utf8') }));
  const notebookTemplate = readFileSync(join(examplesDir, 'transcribe_eval.ipynb'), 'utf8');
  const scripts = [];
  for (let i = 0; i < counts.scripts; i++) {
    const a = r.pick(examples);
    let b = r.pick(examples);
    if (b === a) b = examples[(examples.indexOf(a) + 1) % examples.length];
    const sk = readFileSync(r.pick(sklearnScripts), 'utf8');
    const text = `"""Generated training script ${i} (GreenML benchmark)."""\n${vary(a, r)}\n\n${vary(b, r)}\n\n${sk}${sk.endsWith('\n') ? '' : '\n'}`;
    scripts.push(text);
    writeFileSync(join(dir, 'scripts', `train_${String(i).padStart(3, '0')}.py`), text);
  }
  for (let i = 0; i < counts.notebooks; i++) {
    const text = i % 5 === 0 ? vary(notebookTemplate, r) : notebookOf(scripts[i % scripts.length], `Experiment ${i}`);
    writeFileSync(join(dir, 'notebooks', `experiment_${String(i).padStart(3, '0')}.ipynb`), text);
  }
  for (let i = 0; i < counts.configs; i++) {
    const c = configs[i % configs.length];
    const text = vary(c.text, r).replace(/\b(\d+)\b/g, (m) => (r() < 0.3 ? String(Number(m) + r.int(10)) : m));
    const ext = extname(c.name);
    writeFileSync(join(dir, 'configs', `${c.name.slice(0, -ext.length)}_${String(i).padStart(3, '0')}${ext}`), text);
  }
}

/**
 * A 5,000-line training script from real code: the repo's examples/*.py, then whole scikit-learn
 * examples in sorted order while they fit, then smaller ones to fill the rest; any last gap is filled
 * with the first lines of an example that still parse without error (checked by `parsesClean`).
 */
function trainingScript(repoRoot, sklearnScripts, lines, parsesClean) {
  const parts = [];
  let count = 0;
  const add = (text) => {
    const ls = linesOf(text);
    parts.push(...ls);
    count += ls.length;
  };
  const examplesDir = join(repoRoot, 'examples');
  for (const f of readdirSync(examplesDir).filter((n) => n.endsWith('.py')).sort()) add(readFileSync(join(examplesDir, f), 'utf8'));
  const used = new Set();
  for (const f of sklearnScripts) {
    const n = linesOf(readFileSync(f, 'utf8')).length;
    if (count + n <= lines) {
      add(readFileSync(f, 'utf8'));
      used.add(f);
    }
    if (count === lines) break;
  }
  let remaining = lines - count;
  if (remaining > 0) {
    for (const f of sklearnScripts) {
      const head = linesOf(readFileSync(f, 'utf8')).slice(0, remaining);
      if (head.length === remaining && parsesClean(`${parts.join('\n')}\n${head.join('\n')}\n`)) {
        parts.push(...head);
        remaining = 0;
        break;
      }
    }
    while (remaining-- > 0) parts.push('# (padding to 5,000 lines)');
  }
  return `${parts.join('\n')}\n`;
}

export function buildInputs({ corpusDir, repoRoot, tmp, r, parsesClean, editorLines = 5000 }) {
  const parts = ['cpython', 'torch', 'sklearn'];
  const corpusFiles = parts.flatMap((p) => listCheckable(join(corpusDir, p)));
  const sklearnScripts = listCheckable(join(corpusDir, 'sklearn', 'examples')).filter((f) => f.endsWith('.py'));

  const gen = join(tmp, 'generated');
  for (const d of ['scripts', 'notebooks', 'configs']) mkdirSync(join(gen, d), { recursive: true });
  const counts = { scripts: 120, notebooks: 40, configs: 60 };
  generate(gen, repoRoot, sklearnScripts, r, counts);
  const genFiles = listCheckable(gen);

  // Python-only tree: the files both Ruff and greenml check.
  const py1 = join(tmp, 'py-1x');
  linkFiles(corpusFiles.filter((f) => f.endsWith('.py')), corpusDir, py1);
  linkFiles(genFiles.filter((f) => f.endsWith('.py')), tmp, py1);
  // Full tree: every kind greenml reads (notebooks, YAML, JSON too).
  const full1 = join(tmp, 'full-1x');
  linkFiles(corpusFiles, corpusDir, full1);
  linkFiles(genFiles, tmp, full1);
  // Duplicates for the scaling run.
  const pyFiles = listCheckable(py1);
  const scaled = { 1: py1 };
  for (const k of [2, 4]) {
    const dir = join(tmp, `py-${k}x`);
    for (let i = 0; i < k; i++) linkFiles(pyFiles, py1, join(dir, `copy${i}`));
    scaled[k] = dir;
  }

  const editorDir = join(tmp, 'editor');
  mkdirSync(editorDir, { recursive: true });
  const trainText = trainingScript(repoRoot, sklearnScripts, editorLines, parsesClean);
  const trainPath = join(editorDir, 'train_5000.py');
  writeFileSync(trainPath, trainText);

  // Shorter scripts for the latency-by-size row: the first lines of the same script, cut where the
  // head still parses without errors (a cut inside a bracket or block would start out broken).
  const lines = linesOf(trainText);
  const editorScripts = {};
  for (const size of [500, 1000, 2000]) {
    for (let cut = size; cut > size / 2; cut--) {
      const head = `${lines.slice(0, cut).join('\n')}\n`;
      if (/^\S/.test(lines[cut] ?? '') && parsesClean(head)) {
        editorScripts[size] = head;
        break;
      }
    }
  }

  const fullFiles = listCheckable(full1);
  const describe = (files) => ({ files: files.length, bytes: bytesOf(files) });
  return {
    py1,
    full1,
    scaled,
    trainPath,
    trainText,
    editorScripts,
    sklearnScripts,
    generatedScripts: genFiles.filter((f) => f.endsWith('.py')),
    pyFiles,
    facts: {
      corpusDir,
      parts: Object.fromEntries(parts.map((p) => [p, describe(corpusFiles.filter((f) => f.startsWith(join(corpusDir, p) + '/')))])),
      generated: { ...counts, ...describe(genFiles) },
      pythonTree: describe(pyFiles),
      fullTree: { ...describe(fullFiles), byKind: Object.fromEntries([...CHECKED].map((e) => [e, fullFiles.filter((f) => f.endsWith(e)).length])) },
      trainingScript: { lines: linesOf(trainText).length, bytes: Buffer.byteLength(trainText) },
    },
  };
}
