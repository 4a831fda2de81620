// End-to-end tests of the greenml CLI: they run the built bundle (dist/cli.js, made by
// `node scripts/build.mjs --tests`) with node on small inputs written to temporary folders.
// Tests that need findings use input the mission rules must fire on, and are skipped (with the
// reason) while a rule they need is not registered yet.
import Ajv from 'ajv';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cliReadableBy } from '../support/cli-for-user';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');
const CLI = join(ROOT, 'dist', 'cli.js');
const PACKAGE_VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** Fires train-from-scratch (line 4) and no-mixed-precision (line 5). */
const TRAIN_PY = `from transformers import AutoModelForSequenceClassification, AutoConfig, TrainingArguments

config = AutoConfig.from_pretrained("bert-base-uncased")
model = AutoModelForSequenceClassification.from_config(config)
args = TrainingArguments(output_dir="o", num_train_epochs=3)
`;
const CLEAN_PY = 'print("hello")\n';
/** Cell 0 is markdown; cell 1 fires no-mixed-precision on its line 2. */
const NOTEBOOK = `${JSON.stringify(
  {
    cells: [
      { cell_type: 'markdown', metadata: {}, source: ['# Training\n'] },
      {
        cell_type: 'code',
        execution_count: null,
        metadata: {},
        outputs: [],
        source: ['from transformers import TrainingArguments\n', 'args = TrainingArguments(output_dir="o", num_train_epochs=3)\n'],
      },
    ],
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    nbformat: 4,
    nbformat_minor: 5,
  },
  null,
  1,
)}\n`;
const BROKEN_YAML = 'a: [1, 2\n';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], cwd: string, options: { env?: NodeJS.ProcessEnv; uid?: number } = {}): Run {
  const env = { ...process.env, ...options.env };
  delete env.FORCE_COLOR;
  const result = spawnSync(process.execPath, [options.uid !== undefined ? cliReadableBy(options.uid, CLI) : CLI, ...args], {
    cwd,
    env,
    encoding: 'utf8',
    timeout: 60_000,
    ...(options.uid !== undefined ? { uid: options.uid, gid: options.uid } : {}),
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface JsonEdit {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  newText: string;
}
interface JsonFinding {
  file: string;
  rule: string;
  severity: string;
  message: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  cell?: number;
  fix: null | { title: string; safety: string; edits: JsonEdit[] };
}
interface JsonReport {
  version: string;
  findings: JsonFinding[];
  errors: { file: string; message: string }[];
}

function runJson(args: string[], cwd: string): { run: Run; report: JsonReport } {
  const result = run([...args, '--format', 'json'], cwd);
  assert.ok(result.status === 0 || result.status === 1, `exit ${result.status}: ${result.stderr}`);
  return { run: result, report: JSON.parse(result.stdout) as JsonReport };
}

/** Writes files (path → content) under a folder, creating folders as needed. */
function writeTree(root: string, files: Record<string, string | Buffer>): void {
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
  }
}

let registered: string[] = [];
let tmp = '';

/** Skips the current test while a rule it needs is not in the registry yet. */
function needRules(context: Mocha.Context, ...ids: string[]): void {
  const missing = ids.filter((id) => !registered.includes(id));
  if (missing.length > 0) {
    context.test!.title += ` (skipped: rule ${missing.join(', ')} not registered yet)`;
    context.skip();
  }
}

describe('greenml CLI (dist/cli.js)', function () {
  this.timeout(120_000);

  before(() => {
    assert.ok(existsSync(CLI), `${CLI} is missing: run node scripts/build.mjs --tests first`);
    const listed = run(['rules'], ROOT);
    assert.equal(listed.status, 0, `greenml rules failed: ${listed.stderr}`);
    registered = listed.stdout.split('\n').filter(Boolean).map((line) => line.split(/\s+/)[0]);
  });

  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'greenml-cli-'));
  });

  afterEach(() => {
    try {
      chmodSync(tmp, 0o755);
    } catch {
      // Already gone.
    }
    rmSync(tmp, { recursive: true, force: true });
  });

  describe('--help, --version, usage errors', () => {
    it('prints help and the package version', () => {
      const help = run(['--help'], tmp);
      assert.equal(help.status, 0);
      assert.match(help.stdout, /greenml check/);
      const checkHelp = run(['check', '--help'], tmp);
      assert.equal(checkHelp.status, 0);
      assert.match(checkHelp.stdout, /--exit-zero/);
      assert.match(checkHelp.stdout, /Exit codes/);
      const version = run(['--version'], tmp);
      assert.equal(version.status, 0);
      assert.equal(version.stdout.trim(), `greenml ${PACKAGE_VERSION}`);
    });

    const usageErrors: [string, string[], RegExp][] = [
      ['no command', [], /missing command/],
      ['an unknown command', ['lint'], /unknown command 'lint'/],
      ['an unknown option', ['check', '--frobnicate'], /unknown option '--frobnicate'/],
      ['an unknown format', ['check', '--format', 'xml'], /unknown format 'xml'/],
      ['a format without value', ['check', '--format'], /--format needs a value/],
      ['an unknown rule id in --select', ['check', '--select', 'no-such-rule'], /--select: unknown rule id "no-such-rule"/],
      ['an unknown rule id in --ignore', ['check', '--ignore=no-such-rule'], /--ignore: unknown rule id "no-such-rule"/],
      ['a nonexistent path', ['check', 'does/not/exist.py'], /path does not exist: does\/not\/exist\.py/],
    ];
    for (const [what, args, message] of usageErrors) {
      it(`exits 2 on ${what}, with a one-line message and no stack trace`, () => {
        writeFileSync(join(tmp, 'a.py'), CLEAN_PY);
        const result = run(args, tmp);
        assert.equal(result.status, 2, result.stderr);
        assert.match(result.stderr, /^greenml: error: /);
        assert.match(result.stderr, message);
        assert.doesNotMatch(result.stderr, /\n\s+at /, 'stack trace printed');
        assert.equal(result.stdout, '');
      });
    }

    it('--exit-zero does not hide usage errors', () => {
      assert.equal(run(['check', 'missing', '--exit-zero'], tmp).status, 2);
    });
  });

  describe('rule and rules', () => {
    it('rules lists one line per rule: id, default severity, fix, title', () => {
      const result = run(['rules'], tmp);
      assert.equal(result.status, 0);
      const lines = result.stdout.split('\n').filter(Boolean);
      assert.equal(lines.length, registered.length);
      for (const line of lines) assert.match(line, /^[a-z0-9-]+\s+(error|warning|info|hint)\s+(no fix|(safe|unsafe|safe or unsafe) fix.*)\s{2,}\S/);
      const ids = lines.map((l) => l.split(/\s+/)[0]);
      assert.deepEqual(ids, [...ids].sort(), 'rules are listed in id order');
    });

    it('rule <id> prints the documentation with every heading', function () {
      if (registered.length === 0) this.skip();
      for (const id of registered) {
        const result = run(['rule', id], tmp);
        assert.equal(result.status, 0, result.stderr);
        assert.ok(result.stdout.startsWith(`# ${id}\n`), result.stdout.slice(0, 80));
        assert.match(result.stdout, /Default severity: (error|warning|info|hint)/);
        assert.match(result.stdout, /Fix: /);
        const headings = ['What it does', 'Why it wastes energy', 'Example', 'Use instead', 'Fix safety', 'Sources'];
        let last = -1;
        for (const heading of headings) {
          const at = result.stdout.indexOf(`\n## ${heading}\n`);
          assert.ok(at > last, `${id}: heading "${heading}" missing or out of order`);
          last = at;
        }
      }
    });

    it('rule <unknown id> exits 2 and lists the ids', () => {
      const result = run(['rule', 'no-such-rule'], tmp);
      assert.equal(result.status, 2);
      assert.match(result.stderr, /unknown rule id 'no-such-rule'/);
      for (const id of registered) assert.ok(result.stderr.includes(id), `${id} not listed`);
    });
  });

  describe('--format json', () => {
    it('has exactly the documented shape, key by key, with `cell` for notebooks only', function () {
      needRules(this, 'train-from-scratch', 'no-mixed-precision');
      writeTree(tmp, { 'examples/train.py': TRAIN_PY, 'examples/nb.ipynb': NOTEBOOK, 'examples/clean.py': CLEAN_PY, 'examples/bad.yaml': BROKEN_YAML });
      const { run: result, report } = runJson(['check', 'examples'], tmp);
      assert.equal(result.status, 1);
      assert.deepEqual(Object.keys(report), ['version', 'findings', 'errors']);
      assert.equal(report.version, PACKAGE_VERSION);

      const findingKeys = ['file', 'rule', 'severity', 'message', 'line', 'column', 'endLine', 'endColumn', 'fix'];
      const notebookKeys = ['file', 'rule', 'severity', 'message', 'line', 'column', 'endLine', 'endColumn', 'cell', 'fix'];
      assert.ok(report.findings.length >= 3, JSON.stringify(report.findings, null, 1));
      for (const finding of report.findings) {
        const notebook = finding.file.endsWith('.ipynb');
        assert.deepEqual(Object.keys(finding), notebook ? notebookKeys : findingKeys);
        assert.ok(['examples/train.py', 'examples/nb.ipynb'].includes(finding.file), finding.file);
        assert.ok(registered.includes(finding.rule));
        assert.ok(['error', 'warning', 'info', 'hint'].includes(finding.severity));
        assert.equal(typeof finding.message, 'string');
        for (const key of ['line', 'column', 'endLine', 'endColumn'] as const) assert.ok(Number.isInteger(finding[key]) && finding[key] >= 1, `${key}=${finding[key]}`);
        assert.ok(finding.endLine > finding.line || (finding.endLine === finding.line && finding.endColumn >= finding.column));
        if (finding.fix !== null) {
          assert.deepEqual(Object.keys(finding.fix), ['title', 'safety', 'edits']);
          assert.ok(['safe', 'unsafe'].includes(finding.fix.safety));
          assert.ok(finding.fix.edits.length > 0);
          for (const edit of finding.fix.edits) {
            assert.deepEqual(Object.keys(edit), ['line', 'column', 'endLine', 'endColumn', 'newText']);
            for (const key of ['line', 'column', 'endLine', 'endColumn'] as const) assert.ok(Number.isInteger(edit[key]) && edit[key] >= 1);
            assert.equal(typeof edit.newText, 'string');
          }
        }
      }
      const fromScratch = report.findings.find((f) => f.rule === 'train-from-scratch' && f.file === 'examples/train.py');
      assert.ok(fromScratch, 'train-from-scratch on examples/train.py');
      assert.equal(fromScratch.line, 4);
      const precision = report.findings.find((f) => f.rule === 'no-mixed-precision' && f.file === 'examples/train.py');
      assert.ok(precision, 'no-mixed-precision on examples/train.py');
      assert.equal(precision.line, 5);
      assert.ok(!('cell' in fromScratch));
      const inNotebook = report.findings.find((f) => f.rule === 'no-mixed-precision' && f.file === 'examples/nb.ipynb');
      assert.ok(inNotebook, 'no-mixed-precision in the notebook');
      assert.equal(inNotebook.cell, 1, 'index into the cells array, markdown cells counted');
      assert.equal(inNotebook.line, 2, 'line within the cell');
      if (inNotebook.fix) for (const edit of inNotebook.fix.edits) assert.equal(edit.line, 2, 'edit positioned within the cell');

      assert.deepEqual(report.errors.map((e) => Object.keys(e)), [['file', 'message']]);
      assert.equal(report.errors[0].file, 'examples/bad.yaml');
      assert.match(report.errors[0].message, /invalid YAML/);
      // Deterministic: files in sorted order, findings in document order.
      const files = report.findings.map((f) => f.file);
      assert.deepEqual(files, [...files].sort());
      assert.deepEqual(runJson(['check', 'examples'], tmp).report, report);
    });

    it('names files as reached from the argument', function () {
      needRules(this, 'train-from-scratch');
      writeTree(tmp, { 'a/b/train.py': TRAIN_PY });
      assert.ok(runJson(['check', 'a'], tmp).report.findings.length > 0);
      assert.ok(runJson(['check', 'a'], tmp).report.findings.every((f) => f.file === 'a/b/train.py'));
      assert.ok(runJson(['check', './a/b/'], tmp).report.findings.every((f) => f.file === 'a/b/train.py'));
      assert.ok(runJson(['check'], join(tmp, 'a')).report.findings.every((f) => f.file === 'b/train.py'));
      assert.ok(runJson(['check', 'a/b/train.py'], tmp).report.findings.every((f) => f.file === 'a/b/train.py'));
    });

    it('prints an empty report for clean code', () => {
      writeTree(tmp, { 'clean.py': CLEAN_PY });
      const { run: result, report } = runJson(['check'], tmp);
      assert.equal(result.status, 0);
      assert.deepEqual(report, { version: PACKAGE_VERSION, findings: [], errors: [] });
    });
  });

  describe('--format text', () => {
    it('prints path:line:col: rule message, errors after findings, and a summary', function () {
      needRules(this, 'train-from-scratch', 'no-mixed-precision');
      writeTree(tmp, { 'examples/train.py': TRAIN_PY, 'examples/nb.ipynb': NOTEBOOK, 'examples/bad.yaml': BROKEN_YAML });
      const result = run(['check', 'examples'], tmp);
      assert.equal(result.status, 1);
      assert.doesNotMatch(result.stdout, /\u001b\[/, 'no colour when stdout is not a terminal');
      const lines = result.stdout.trimEnd().split('\n');
      assert.ok(lines.some((l) => /^examples\/train\.py:4:\d+: train-from-scratch( \[\*\])? \S/.test(l)), result.stdout);
      assert.ok(lines.some((l) => /^examples\/train\.py:5:\d+: no-mixed-precision( \[\*\])? \S/.test(l)), result.stdout);
      assert.ok(lines.some((l) => /^examples\/nb\.ipynb:cell 2:2:\d+: no-mixed-precision /.test(l)), result.stdout);
      const errorLine = lines.findIndex((l) => /^examples\/bad\.yaml: error: invalid YAML/.test(l));
      assert.ok(errorLine > 0, result.stdout);
      assert.ok(lines.slice(0, errorLine).every((l) => /^examples\/(train\.py|nb\.ipynb):/.test(l)), 'errors come after the findings');
      assert.match(result.stdout, /\nFound \d+ problems( \(.*(fixable with --fix|with --unsafe-fixes).*\))?\.\n/);
      assert.match(result.stdout, /1 file could not be checked\.\n$/);
    });

    it('marks safe fixes with [*] and counts fixable findings in the summary', function () {
      needRules(this, 'train-from-scratch', 'no-mixed-precision');
      writeTree(tmp, { 'train.py': TRAIN_PY });
      const { report } = runJson(['check'], tmp);
      const safe = report.findings.filter((f) => f.fix?.safety === 'safe').length;
      const unsafe = report.findings.filter((f) => f.fix?.safety === 'unsafe').length;
      const text = run(['check'], tmp).stdout;
      assert.equal((text.match(/ \[\*\] /g) ?? []).length, safe);
      const hints = [safe > 0 ? `${safe} fixable with --fix` : '', unsafe > 0 ? `${unsafe} ${safe > 0 ? 'more' : 'fixable'} with --unsafe-fixes` : ''].filter(Boolean);
      assert.ok(text.endsWith(`Found ${report.findings.length} problems${hints.length ? ` (${hints.join(', ')})` : ''}.\n`), text);
    });

    it('colours output on a terminal unless NO_COLOR is set', function () {
      // util-linux `script` gives the CLI a pseudo-terminal; skipped where it is missing or cannot run.
      if (!existsSync('/usr/bin/script')) this.skip();
      writeTree(tmp, { 'clean.py': CLEAN_PY });
      const onTerminal = (env: NodeJS.ProcessEnv) =>
        spawnSync('/usr/bin/script', ['-qec', `"${process.execPath}" "${CLI}" check clean.py`, '/dev/null'], { cwd: tmp, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      const env = { ...process.env };
      delete env.NO_COLOR;
      const coloured = onTerminal(env);
      if (coloured.status !== 0 || !coloured.stdout.includes('All checks passed!')) this.skip();
      assert.match(coloured.stdout, /\u001b\[32mAll checks passed!\u001b\[0m/);
      const plain = onTerminal({ ...process.env, NO_COLOR: '1' });
      assert.ok(plain.stdout.includes('All checks passed!'));
      assert.doesNotMatch(plain.stdout, /\u001b\[/);
    });

    it('says "All checks passed!" and exits 0 on clean code', () => {
      writeTree(tmp, { 'clean.py': CLEAN_PY, 'conf.yaml': 'lr: 0.1\n', 'conf.json': '{"lr": 0.1}\n' });
      const result = run(['check', '.'], tmp);
      assert.equal(result.status, 0, result.stdout + result.stderr);
      assert.equal(result.stdout, 'All checks passed!\n');
    });
  });

  describe('--format sarif', () => {
    function sarifValidator() {
      const schema = JSON.parse(readFileSync(join(ROOT, 'test', 'cli-data', 'sarif-2.1.0-rtm.5.json'), 'utf8')) as Record<string, unknown>;
      // The official schema is draft-04 ("id", "$schema"); Ajv 8 reads it with these removed. One of
      // its patterns is not valid with the unicode flag, hence unicodeRegExp: false.
      delete schema.$schema;
      delete schema.id;
      const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, unicodeRegExp: false });
      return ajv.compile<any>(schema); // eslint-disable-line @typescript-eslint/no-explicit-any
    }

    it('is valid SARIF 2.1.0 with every rule, results, cells and fixes', function () {
      needRules(this, 'train-from-scratch', 'no-mixed-precision');
      writeTree(tmp, { 'examples/train.py': TRAIN_PY, 'examples/nb.ipynb': NOTEBOOK, 'examples/clean.py': CLEAN_PY });
      const result = run(['check', 'examples', '--format', 'sarif'], tmp);
      assert.equal(result.status, 1, result.stderr);
      const sarif = JSON.parse(result.stdout);
      const validate = sarifValidator();
      assert.ok(validate(sarif), JSON.stringify(validate.errors, null, 1));

      assert.equal(sarif.$schema, 'https://json.schemastore.org/sarif-2.1.0.json');
      assert.equal(sarif.version, '2.1.0');
      assert.equal(sarif.runs.length, 1);
      const [runLog] = sarif.runs;
      const driver = runLog.tool.driver;
      assert.equal(driver.name, 'GreenML');
      assert.equal(driver.version, PACKAGE_VERSION);
      assert.equal(typeof driver.informationUri, 'string');
      assert.deepEqual(driver.rules.map((r: { id: string }) => r.id), registered);
      for (const rule of driver.rules) {
        assert.equal(typeof rule.name, 'string');
        assert.ok(rule.shortDescription.text.length > 0);
        assert.ok(rule.fullDescription.text.length > 0);
        assert.match(rule.help.markdown, /## What it does/);
        assert.ok(rule.help.text.length > 0);
        assert.equal(rule.helpUri, `https://github.com/greenml/greenml/blob/main/docs/rules/${rule.id}.md`);
        assert.ok(['error', 'warning', 'note'].includes(rule.defaultConfiguration.level));
      }
      assert.ok(runLog.results.length >= 3);
      for (const res of runLog.results) {
        assert.equal(driver.rules[res.ruleIndex].id, res.ruleId);
        assert.ok(['error', 'warning', 'note'].includes(res.level));
        assert.ok(res.message.text.length > 0);
        const location = res.locations[0].physicalLocation;
        assert.ok(['examples/train.py', 'examples/nb.ipynb'].includes(location.artifactLocation.uri), location.artifactLocation.uri);
        assert.ok(location.region.startLine >= 1 && location.region.startColumn >= 1);
        if (location.artifactLocation.uri.endsWith('.ipynb')) {
          assert.equal(res.properties.cell, 1);
          assert.equal(location.region.startLine, 2);
        } else assert.equal(res.properties?.cell, undefined);
        for (const fix of res.fixes ?? []) {
          assert.equal(fix.artifactChanges[0].artifactLocation.uri, location.artifactLocation.uri);
          for (const replacement of fix.artifactChanges[0].replacements) {
            assert.ok(replacement.deletedRegion.startLine >= 1);
            assert.equal(typeof replacement.insertedContent.text, 'string');
          }
        }
      }
      assert.ok(runLog.results.some((r: { fixes?: unknown[] }) => r.fixes && r.fixes.length > 0), 'the mission rules offer fixes here');
      assert.equal(runLog.invocations[0].executionSuccessful, true);
      assert.deepEqual(runLog.invocations[0].toolExecutionNotifications, []);
    });

    it('reports unreadable files as tool execution notifications', () => {
      writeTree(tmp, { 'src/bad.yaml': BROKEN_YAML, 'src/clean.py': CLEAN_PY, 'src/sub dir/broken.ipynb': '{"cells": [' });
      const result = run(['check', 'src', '--format', 'sarif'], tmp);
      assert.equal(result.status, 1);
      const sarif = JSON.parse(result.stdout);
      const validate = sarifValidator();
      assert.ok(validate(sarif), JSON.stringify(validate.errors, null, 1));
      const invocation = sarif.runs[0].invocations[0];
      assert.equal(invocation.executionSuccessful, false);
      const notes = invocation.toolExecutionNotifications;
      assert.deepEqual(
        notes.map((n: { level: string; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) => [n.level, n.locations[0].physicalLocation.artifactLocation.uri]),
        [
          ['error', 'src/bad.yaml'],
          ['error', 'src/sub%20dir/broken.ipynb'],
        ],
      );
      assert.match(notes[0].message.text, /invalid YAML/);
      assert.match(notes[1].message.text, /broken notebook/);
      assert.deepEqual(sarif.runs[0].results, []);
    });
  });

  describe('exit codes', () => {
    it('1 with warnings, 0 with --exit-zero, 0 when only info/hint findings remain', function () {
      needRules(this, 'train-from-scratch', 'no-mixed-precision');
      writeTree(tmp, { 'train.py': TRAIN_PY });
      assert.equal(run(['check'], tmp).status, 1);
      assert.equal(run(['check', '--exit-zero'], tmp).status, 0);
      assert.match(run(['check', '--exit-zero'], tmp).stdout, /Found \d+ problems/);
      writeFileSync(join(tmp, 'pyproject.toml'), '[tool.greenml]\nseverity = { "train-from-scratch" = "info", "no-mixed-precision" = "hint" }\n');
      const { run: result, report } = runJson(['check'], tmp);
      assert.ok(report.findings.length > 0);
      assert.ok(report.findings.every((f) => f.severity === 'info' || f.severity === 'hint'));
      assert.equal(result.status, 0);
    });

    it('1 when a file could not be checked, 0 with --exit-zero', () => {
      writeTree(tmp, { 'clean.py': CLEAN_PY, 'bad.yaml': BROKEN_YAML });
      assert.equal(run(['check'], tmp).status, 1);
      assert.equal(run(['check', '--exit-zero'], tmp).status, 0);
    });
  });

  describe('--fix and --unsafe-fixes', () => {
    function snapshot(path: string) {
      const stat = statSync(path);
      return { content: readFileSync(path), ino: stat.ino, mtimeMs: stat.mtimeMs, mode: stat.mode };
    }
    const noTempFiles = (dir: string) => assert.deepEqual(readdirSync(dir).filter((name) => name.includes('.greenml-')), []);

    it('--fix applies safe fixes only and never rewrites a file that did not change', function () {
      needRules(this, 'train-from-scratch', 'no-mixed-precision');
      writeTree(tmp, { 'proj/train.py': TRAIN_PY, 'proj/clean.py': CLEAN_PY, 'proj/nb.ipynb': NOTEBOOK });
      const before = runJson(['check', 'proj'], tmp).report;
      const train = join(tmp, 'proj/train.py');
      const clean = join(tmp, 'proj/clean.py');
      const trainBefore = snapshot(train);
      const cleanBefore = snapshot(clean);
      const safeInTrain = before.findings.filter((f) => f.file === 'proj/train.py' && f.fix?.safety === 'safe').length;

      const fixed = run(['check', 'proj', '--fix'], tmp);
      assert.ok(fixed.status === 0 || fixed.status === 1, fixed.stderr);
      assert.deepEqual(snapshot(clean), cleanBefore, 'a file without findings is not touched');
      if (safeInTrain > 0) {
        assert.notDeepEqual(readFileSync(train), trainBefore.content);
        assert.match(fixed.stdout, /Fixed \d+ problems? in \d+ files?\./);
      } else {
        // Only unsafe fixes here: --fix must leave the file exactly as it was, not even rewrite it.
        assert.deepEqual(snapshot(train), trainBefore);
        assert.doesNotMatch(fixed.stdout, /Fixed/);
      }
      const after = runJson(['check', 'proj'], tmp).report;
      assert.ok(after.findings.every((f) => f.fix?.safety !== 'safe'), 'no safe fix left');
      assert.deepEqual(
        after.findings.filter((f) => f.fix?.safety === 'unsafe').map((f) => f.rule),
        before.findings.filter((f) => f.fix?.safety === 'unsafe').map((f) => f.rule),
        'unsafe fixes are not applied by --fix',
      );
      noTempFiles(join(tmp, 'proj'));
    });

    it('--unsafe-fixes applies all fixes atomically, keeping the file mode, and leaves other files untouched', function () {
      needRules(this, 'train-from-scratch', 'no-mixed-precision');
      writeTree(tmp, { 'proj/train.py': TRAIN_PY, 'proj/clean.py': CLEAN_PY, 'proj/nb.ipynb': NOTEBOOK, 'other/train.py': TRAIN_PY });
      const train = join(tmp, 'proj/train.py');
      chmodSync(train, 0o640);
      const cleanBefore = snapshot(join(tmp, 'proj/clean.py'));
      const otherBefore = snapshot(join(tmp, 'other/train.py'));

      const result = run(['check', 'proj', '--unsafe-fixes'], tmp);
      assert.ok(result.status === 0 || result.status === 1, result.stderr);
      assert.match(result.stdout, /Fixed \d+ problems in 2 files\./);
      const text = readFileSync(train, 'utf8');
      assert.notEqual(text, TRAIN_PY);
      assert.doesNotMatch(text, /from_config/, 'train-from-scratch fix applied');
      assert.match(text, /TrainingArguments\([^)]*(bf16|fp16)=True/, 'no-mixed-precision fix applied');
      assert.equal(statSync(train).mode & 0o777, 0o640, 'file mode kept');
      assert.deepEqual(snapshot(join(tmp, 'proj/clean.py')), cleanBefore);
      assert.deepEqual(snapshot(join(tmp, 'other/train.py')), otherBefore, 'files outside the checked paths untouched');

      const notebook = JSON.parse(readFileSync(join(tmp, 'proj/nb.ipynb'), 'utf8'));
      const original = JSON.parse(NOTEBOOK);
      assert.deepEqual(notebook.cells[0], original.cells[0], 'markdown cell untouched');
      assert.deepEqual(notebook.metadata, original.metadata);
      assert.match(notebook.cells[1].source.join(''), /(bf16|fp16)=True/);

      const after = runJson(['check', 'proj'], tmp).report;
      assert.ok(after.findings.every((f) => f.fix === null), JSON.stringify(after.findings, null, 1));
      noTempFiles(join(tmp, 'proj'));
    });

    it('keeps a UTF-8 byte order mark and a symbolic link when fixing', function () {
      needRules(this, 'no-mixed-precision');
      writeTree(tmp, { 'real/train.py': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(TRAIN_PY)]) });
      mkdirSync(join(tmp, 'proj'));
      symlinkSync(join(tmp, 'real/train.py'), join(tmp, 'proj/link.py'));
      const result = run(['check', 'proj', '--unsafe-fixes'], tmp);
      assert.ok(result.status === 0 || result.status === 1, result.stderr);
      const bytes = readFileSync(join(tmp, 'real/train.py'));
      assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
      assert.match(bytes.toString('utf8'), /(bf16|fp16)=True/);
      assert.ok(lstatSync(join(tmp, 'proj/link.py')).isSymbolicLink(), 'the link is still a link');
      assert.equal(readdirSync(join(tmp, 'proj')).length, 1);
      assert.ok(readFileSync(join(tmp, 'proj/link.py')).equals(bytes), 'still a link to the fixed file');
    });
  });

  describe('file discovery', () => {
    // Broken YAML is reported whatever rules exist, so the errors tell which files were read.
    const readPaths = (cwd: string, args: string[] = []) => runJson(['check', ...args], cwd).report.errors.map((e) => e.file);

    it('respects nested .gitignore files and skips node_modules, virtualenvs, caches and hidden folders', () => {
      writeTree(tmp, {
        '.git/HEAD': 'ref: refs/heads/main\n',
        '.gitignore': 'ignored.yaml\nbuild/\n*.gen.yaml\n',
        'a.yaml': BROKEN_YAML,
        'ignored.yaml': BROKEN_YAML,
        'x.gen.yaml': BROKEN_YAML,
        'build/out.yaml': BROKEN_YAML,
        'sub/.gitignore': 'local.yaml\n!keep.gen.yaml\n',
        'sub/local.yaml': BROKEN_YAML,
        'sub/keep.gen.yaml': BROKEN_YAML,
        'sub/drop.gen.yaml': BROKEN_YAML,
        'sub/b.yml': BROKEN_YAML,
        'other/local.yaml': BROKEN_YAML,
        'node_modules/pkg/c.yaml': BROKEN_YAML,
        '.venv/pyvenv.cfg': 'home = /usr/bin\n',
        '.venv/lib/d.yaml': BROKEN_YAML,
        'venv/pyvenv.cfg': 'home = /usr/bin\n',
        'venv/e.yaml': BROKEN_YAML,
        'env/pyvenv.cfg': 'home = /usr/bin\n',
        'env/f.yaml': BROKEN_YAML,
        'myenv/pyvenv.cfg': 'home = /usr/bin\n',
        'myenv/g.yaml': BROKEN_YAML,
        'env2/h.yaml': BROKEN_YAML,
        'lib/site-packages/i.yaml': BROKEN_YAML,
        'pkg/__pycache__/j.yaml': BROKEN_YAML,
        '.hidden/k.yaml': BROKEN_YAML,
        'notes.txt': 'not checked',
        'data.csv': 'a,b',
      });
      assert.deepEqual(readPaths(tmp), ['a.yaml', 'env2/h.yaml', 'other/local.yaml', 'sub/b.yml', 'sub/keep.gen.yaml']);
    });

    it('applies the .gitignore files above a folder named on the command line', () => {
      writeTree(tmp, { '.git/HEAD': '', '.gitignore': 'generated/\n', 'src/a.yaml': BROKEN_YAML, 'src/generated/b.yaml': BROKEN_YAML });
      assert.deepEqual(readPaths(tmp, ['src']), ['src/a.yaml']);
      assert.deepEqual(readPaths(join(tmp, 'src')), ['a.yaml']);
    });

    it('always checks files named on the command line, and folders named there', () => {
      writeTree(tmp, { '.gitignore': 'ignored.yaml\n', 'ignored.yaml': BROKEN_YAML, 'node_modules/x.yaml': BROKEN_YAML, '.hidden/y.yaml': BROKEN_YAML });
      assert.deepEqual(readPaths(tmp, ['ignored.yaml', 'node_modules/x.yaml', '.hidden']), ['.hidden/y.yaml', 'ignored.yaml', 'node_modules/x.yaml']);
    });

    it('does not follow symbolic links to folders (no loops) and lists each file once, sorted', () => {
      writeTree(tmp, { 'b/z.json': '{', 'a/y.yaml': BROKEN_YAML, 'a.yaml': BROKEN_YAML });
      symlinkSync(tmp, join(tmp, 'b/loop'));
      symlinkSync(join(tmp, 'a'), join(tmp, 'linked'));
      assert.deepEqual(readPaths(tmp, ['.', 'a', 'a/y.yaml']), ['a.yaml', 'a/y.yaml', 'b/z.json']);
    });
  });

  describe('files that cannot be checked', () => {
    it('reports broken notebooks, invalid YAML/JSON, binary and non-UTF-8 files and goes on', function () {
      writeTree(tmp, {
        'broken.ipynb': '{"cells": [',
        'notjson.ipynb': '{"nbformat": 4}',
        'bad.yaml': BROKEN_YAML,
        'bad.json': '{"a": }',
        'binary.py': Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01, 0xff, 0xfe]),
        'nul.py': 'x = 1\u0000\n',
        'latin1.py': Buffer.from('name = "caf\xe9"\n', 'latin1'),
        'train.py': TRAIN_PY,
      });
      const { run: result, report } = runJson(['check'], tmp);
      assert.equal(result.status, 1);
      const errors = Object.fromEntries(report.errors.map((e) => [e.file, e.message]));
      assert.deepEqual(Object.keys(errors), ['bad.json', 'bad.yaml', 'binary.py', 'broken.ipynb', 'latin1.py', 'notjson.ipynb', 'nul.py']);
      assert.match(errors['broken.ipynb'], /broken notebook: not valid JSON at line 1/);
      assert.match(errors['notjson.ipynb'], /broken notebook/);
      assert.match(errors['bad.yaml'], /invalid YAML at line/);
      assert.match(errors['bad.json'], /invalid JSON at line 1/);
      assert.match(errors['binary.py'], /binary file/);
      assert.match(errors['nul.py'], /binary file/);
      assert.match(errors['latin1.py'], /not valid UTF-8/);
      if (registered.includes('train-from-scratch')) assert.ok(report.findings.some((f) => f.file === 'train.py'), 'the other files are still checked');
      const text = run(['check'], tmp);
      assert.match(text.stdout, /^broken\.ipynb: error: broken notebook/m);
      assert.match(text.stdout, /7 files could not be checked\.\n$/);
      assert.doesNotMatch(text.stderr + text.stdout, /\n\s+at /, 'no stack trace');
    });

    it('reports a file it may not read (run as an unprivileged user when root, since root reads mode 000)', function () {
      writeTree(tmp, { 'secret.py': CLEAN_PY, 'clean.py': CLEAN_PY, 'bad.yaml': BROKEN_YAML });
      chmodSync(join(tmp, 'secret.py'), 0o000);
      chmodSync(tmp, 0o755);
      const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
      let result: Run;
      try {
        result = run(['check', '.', '--format', 'json'], tmp, asRoot ? { uid: 65534 } : {});
      } catch {
        this.skip();
      }
      if (result.status !== 0 && result.status !== 1) this.skip(); // The bundle is not readable to that user here.
      const report = JSON.parse(result.stdout) as JsonReport;
      assert.deepEqual(report.errors, [
        { file: 'bad.yaml', message: report.errors[0].message },
        { file: 'secret.py', message: 'cannot read file: permission denied' },
      ]);
      assert.equal(result.status, 1);
    });

    it('explicitly named folders-as-files and unknown extensions are reported, not crashed on', () => {
      writeTree(tmp, { 'notes.txt': 'hello', 'dir.py/inner.yaml': BROKEN_YAML });
      const { report } = runJson(['check', 'notes.txt', 'dir.py'], tmp);
      assert.deepEqual(report.errors.map((e) => e.file), ['dir.py/inner.yaml', 'notes.txt']);
      assert.match(report.errors[1].message, /not a Python, notebook, YAML or JSON file/);
    });
  });

  describe('settings from pyproject.toml', () => {
    it('applies select, ignore and severity from the nearest [tool.greenml]', function () {
      needRules(this, 'train-from-scratch', 'no-mixed-precision');
      writeTree(tmp, {
        'pyproject.toml': '[project]\nname = "x"\n\n[tool.greenml]\nignore = ["no-mixed-precision"]\nseverity = { "train-from-scratch" = "error" }\n',
        'train.py': TRAIN_PY,
        'nested/pyproject.toml': '[tool.greenml]\nselect = ["no-mixed-precision"]\n',
        'nested/train.py': TRAIN_PY,
      });
      const { report } = runJson(['check'], tmp);
      const summary = report.findings.map((f) => `${f.file} ${f.rule} ${f.severity}`);
      assert.deepEqual(summary, ['nested/train.py no-mixed-precision warning', 'train.py train-from-scratch error']);
    });

    it('lets --select and --ignore override pyproject.toml', function () {
      needRules(this, 'train-from-scratch', 'no-mixed-precision');
      writeTree(tmp, { 'pyproject.toml': '[tool.greenml]\nignore = ["no-mixed-precision"]\n', 'train.py': TRAIN_PY });
      const rules = (args: string[]) => runJson(['check', ...args], tmp).report.findings.map((f) => f.rule);
      assert.deepEqual(rules([]), ['train-from-scratch']);
      assert.deepEqual(rules(['--select', 'no-mixed-precision']), ['no-mixed-precision']);
      assert.deepEqual(rules(['--ignore', 'train-from-scratch']), []);
      assert.deepEqual(rules(['--select=train-from-scratch,no-mixed-precision', '--ignore=train-from-scratch']), ['no-mixed-precision']);
    });

    it('warns once per pyproject.toml about a bad key, naming it, and goes on', () => {
      writeTree(tmp, {
        'pyproject.toml': '[tool.greenml]\nfrobnicate = 1\nthresholds = { "grid-search-fits" = -3 }\n',
        'a.py': CLEAN_PY,
        'b.py': CLEAN_PY,
        'sub/c.py': CLEAN_PY,
        'broken/pyproject.toml': '[tool.greenml\n',
        'broken/d.py': CLEAN_PY,
      });
      const result = run(['check'], tmp);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stdout, 'All checks passed!\n');
      const warnings = result.stderr.trimEnd().split('\n');
      assert.equal(warnings.length, 3, result.stderr);
      assert.ok(warnings.every((w) => w.startsWith('greenml: warning: ')));
      assert.equal(warnings.filter((w) => w.includes('frobnicate')).length, 1);
      assert.match(result.stderr, /greenml: warning: pyproject\.toml \[tool\.greenml\]: frobnicate: unknown key/);
      assert.match(result.stderr, /thresholds\.grid-search-fits: expected a positive number/);
      assert.match(result.stderr, /greenml: warning: broken\/pyproject\.toml: not valid TOML/);
    });
  });
  describe('findings cache', () => {
    const TUNE = readFileSync(join(ROOT, 'examples', 'tune_svm.py'), 'utf8');
    const cached = (args: string[], cacheDir: string) => {
      const result = run([...args, '--format', 'json'], tmp, { env: { GREENML_CACHE_DIR: cacheDir } });
      assert.ok(result.status === 0 || result.status === 1, `exit ${result.status}: ${result.stderr}`);
      return { stdout: result.stdout, report: JSON.parse(result.stdout) as JsonReport };
    };

    it('reuses findings of unchanged files, and re-analyses a file once its text changes', () => {
      const cacheDir = join(tmp, 'cache');
      writeTree(tmp, { 'project/tune.py': TUNE, 'project/clean.py': 'print("hello")\n' });
      const first = cached(['check', 'project'], cacheDir);
      const rules = first.report.findings.map((f) => f.rule);
      assert.ok(rules.includes('exhaustive-grid-search'), `findings: ${rules.join(', ')}`);
      assert.equal(readdirSync(cacheDir).filter((f) => f.endsWith('.json')).length, 1, 'one cache file for this folder and build');
      assert.equal(cached(['check', 'project'], cacheDir).stdout, first.stdout, 'a second run reports exactly the same');

      // The search shrinks to one combination: the cached finding must not come back.
      writeFileSync(join(tmp, 'project', 'tune.py'), TUNE.replace(/GridSearchCV/g, 'RandomizedSearchCV'));
      assert.ok(!cached(['check', 'project'], cacheDir).report.findings.some((f) => f.rule === 'exhaustive-grid-search'), 'stale finding from the cache');
      writeFileSync(join(tmp, 'project', 'tune.py'), TUNE);
      assert.equal(cached(['check', 'project'], cacheDir).stdout, first.stdout);

      // Other settings are another analysis.
      assert.equal(cached(['check', 'project', '--select', 'untracked-emissions'], cacheDir).report.findings.filter((f) => f.rule === 'exhaustive-grid-search').length, 0);
    });

    it('survives a broken or unwritable cache, and --no-cache neither reads nor writes one', () => {
      writeTree(tmp, { 'project/tune.py': TUNE });
      const reference = cached(['check', 'project', '--no-cache'], join(tmp, 'unused'));
      assert.equal(existsSync(join(tmp, 'unused')), false, '--no-cache wrote a cache');

      const cacheDir = join(tmp, 'cache');
      cached(['check', 'project'], cacheDir);
      for (const file of readdirSync(cacheDir)) writeFileSync(join(cacheDir, file), '{"entries": {"x": 1}, broken');
      assert.equal(cached(['check', 'project'], cacheDir).stdout, reference.stdout, 'a broken cache changed the report');

      writeFileSync(join(tmp, 'not-a-folder'), 'x');
      assert.equal(cached(['check', 'project'], join(tmp, 'not-a-folder')).stdout, reference.stdout, 'an unusable cache folder changed the report');
    });
  });
});
