import { availableParallelism } from 'node:os';
// In-process tests of the CLI's pure parts (the end-to-end tests in cli.test.ts run the bundle).
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Rule } from '../../server/src/engine/rule';
import type { Finding } from '../../server/src/engine/types';
import { parseArgs } from '../../server/src/cli/args';
import { writeFileAtomic } from '../../server/src/cli/fix-files';
import { formatText } from '../../server/src/cli/format-text';
import { describeFix, renderRuleList, renderRuleMarkdown, renderRulePlainText } from '../../server/src/engine/rule-docs';
import { UsageError } from '../../server/src/cli/usage-error';

const RULE: Rule = {
  id: 'demo-rule',
  title: 'Something wasteful',
  defaultSeverity: 'warning',
  sources: ['python', 'config'],
  fixAvailability: 'sometimes',
  fixSafety: 'safe',
  triggers: [],
  docs: {
    whatItDoes: 'Flags the thing.\n',
    whyItWastesEnergy: 'It burns GPU hours.',
    example: { language: 'python', code: 'waste()\n' },
    useInstead: { language: 'python', code: 'save()\n' },
    fixSafety: 'The fix is safe.',
    sources: ['A paper — https://example.org/paper', 'Notes — docs/notes.md'],
  },
};

describe('cli: argument parsing', () => {
  const known = ['a-rule', 'b-rule'];

  it('reads check options in both spellings, with . as the default path', () => {
    assert.deepEqual(parseArgs(['check'], known), {
      kind: 'check',
      options: { paths: ['.'], format: 'text', select: null, ignore: [], fix: 'none', exitZero: false, workers: availableParallelism(), prefilter: true, cache: true },
    });
    assert.deepEqual(parseArgs(['check', 'src', '--format=sarif', '--select', 'a-rule,b-rule', '--ignore=b-rule', '--unsafe-fixes', '--fix', '--exit-zero', '--workers', '3', '--no-prefilter', '--no-cache', '--', '--odd-name.py'], known), {
      kind: 'check',
      options: { paths: ['src', '--odd-name.py'], format: 'sarif', select: ['a-rule', 'b-rule'], ignore: ['b-rule'], fix: 'all', exitZero: true, workers: 3, prefilter: false, cache: false },
    });
    assert.equal((parseArgs(['check', '--fix'], known) as { options: { fix: string } }).options.fix, 'safe');
  });

  it('dispatches help, version, rule and rules', () => {
    assert.deepEqual(parseArgs(['--help'], known), { kind: 'help', topic: 'main' });
    assert.deepEqual(parseArgs(['check', '-h'], known), { kind: 'help', topic: 'check' });
    assert.deepEqual(parseArgs(['--version'], known), { kind: 'version' });
    assert.deepEqual(parseArgs(['rule', 'x'], known), { kind: 'rule', id: 'x' });
    assert.deepEqual(parseArgs(['rules'], known), { kind: 'rules' });
  });

  it('throws UsageError on mistakes', () => {
    for (const argv of [[], ['nope'], ['check', '--nope'], ['check', '--format', 'xml'], ['check', '--select', 'c-rule'], ['check', '--select='], ['check', '--fix=yes'], ['check', '--workers', '0'], ['check', '--workers=two'], ['check', '--no-prefilter=1'], ['check', '--no-cache=0'], ['rule'], ['rule', 'a', 'b'], ['rules', 'x']]) {
      assert.throws(() => parseArgs(argv, known), UsageError, argv.join(' '));
    }
  });
});

describe('cli: rule documentation', () => {
  it('renders markdown with the title, severity, fix and every heading in order', () => {
    const md = renderRuleMarkdown(RULE);
    assert.equal(
      md,
      [
        '# demo-rule',
        '',
        '**Something wasteful**',
        '',
        '- Default severity: warning',
        '- Fix: safe fix, for some findings',
        '- Checks: Python and notebooks, YAML and JSON configs',
        '',
        '## What it does',
        '',
        'Flags the thing.',
        '',
        '## Why it wastes energy',
        '',
        'It burns GPU hours.',
        '',
        '## Example',
        '',
        '```python',
        'waste()',
        '```',
        '',
        '## Use instead',
        '',
        '```python',
        'save()',
        '```',
        '',
        '## Fix safety',
        '',
        'The fix is safe.',
        '',
        '## Sources',
        '',
        '- A paper — https://example.org/paper',
        '- Notes — docs/notes.md',
        '',
      ].join('\n'),
    );
  });

  it('renders plain text without markdown syntax, and the one-line list', () => {
    const text = renderRulePlainText(RULE);
    assert.doesNotMatch(text, /```|^#/m);
    assert.match(text, /What it does:\nFlags the thing\./);
    assert.equal(renderRuleList([RULE]), 'demo-rule  warning  safe fix, for some findings  Something wasteful\n');
    assert.equal(renderRuleList([]), '');
  });

  it('describes every fix availability and safety', () => {
    assert.equal(describeFix({ ...RULE, fixAvailability: 'never', fixSafety: 'none' }), 'no fix');
    assert.equal(describeFix({ ...RULE, fixAvailability: 'always', fixSafety: 'unsafe' }), 'unsafe fix');
    assert.equal(describeFix({ ...RULE, fixAvailability: 'always', fixSafety: 'mixed' }), 'safe or unsafe fix (depends on the finding)');
  });
});

describe('cli: text output', () => {
  const finding = (over: Partial<Finding>): Finding => ({
    rule: 'demo-rule',
    severity: 'warning',
    message: 'Wasteful.',
    range: { start: { line: 1, character: 4 }, end: { line: 1, character: 9 } },
    fix: null,
    ...over,
  });

  it('prints findings, notebook cells counted from 1, errors, and the summary', () => {
    const safeFix = { title: 't', safety: 'safe' as const, edits: [] };
    const unsafeFix = { title: 't', safety: 'unsafe' as const, edits: [] };
    const out = formatText(
      {
        files: [
          { path: 'a.py', findings: [finding({ fix: safeFix }), finding({ fix: unsafeFix })] },
          { path: 'n.ipynb', findings: [finding({ cell: 2, severity: 'info' })] },
        ],
        errors: [{ path: 'b.yaml', message: 'invalid YAML' }],
        fixes: null,
      },
      { color: false },
    );
    assert.equal(
      out,
      [
        'a.py:2:5: demo-rule [*] Wasteful.',
        'a.py:2:5: demo-rule Wasteful.',
        'n.ipynb:cell 3:2:5: demo-rule Wasteful.',
        'b.yaml: error: invalid YAML',
        'Found 3 problems (1 fixable with --fix, 1 more with --unsafe-fixes).',
        '1 file could not be checked.',
        '',
      ].join('\n'),
    );
  });

  it('reports fixes applied and colours only when asked', () => {
    const report = { files: [], errors: [], fixes: { applied: 1, files: 1 } };
    assert.equal(formatText(report, { color: false }), 'Fixed 1 problem in 1 file.\nAll checks passed!\n');
    assert.match(formatText(report, { color: true }), /\u001b\[32mAll checks passed!\u001b\[0m/);
    assert.equal(formatText({ files: [{ path: 'a.py', findings: [finding({})] }], errors: [], fixes: null }, { color: false }), 'a.py:2:5: demo-rule Wasteful.\nFound 1 problem.\n');
  });
});

describe('cli: atomic writes', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'greenml-write-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('replaces the content, keeps the mode and leaves no temporary file', () => {
    const file = join(dir, 'train.py');
    writeFileSync(file, 'old\n');
    chmodSync(file, 0o751);
    const inode = statSync(file).ino;
    writeFileAtomic(file, 'new ✓\n');
    assert.equal(readFileSync(file, 'utf8'), 'new ✓\n');
    assert.equal(statSync(file).mode & 0o777, 0o751);
    assert.notEqual(statSync(file).ino, inode, 'renamed over, not rewritten in place');
    assert.deepEqual(readdirSync(dir), ['train.py']);
  });

  it('throws and cleans up when the file is gone', () => {
    assert.throws(() => writeFileAtomic(join(dir, 'missing.py'), 'x'));
    assert.deepEqual(readdirSync(dir), []);
  });
});
