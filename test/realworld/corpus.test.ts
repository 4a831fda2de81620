/**
 * Runs the built CLI over real code nobody here wrote: Debian's scikit-learn examples (scripts and
 * notebooks), PyTorch's Python sources and the CPython standard library. Valid files must give no
 * error entries, no rule may crash, and the findings per rule are printed for inspection.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

interface Report {
  findings: { file: string; rule: string; line: number; message: string }[];
  errors: { file: string; message: string }[];
}

describe('real-world corpus (scikit-learn examples, PyTorch sources, CPython stdlib)', function () {
  this.timeout(20 * 60_000);
  let corpus = '';

  before(function () {
    if (process.env.GREENML_SKIP_CORPUS === '1') this.skip();
    // Fetches Debian packages once into a cache; fails loudly when that is impossible.
    const out = execFileSync('bash', [join(ROOT, 'scripts', 'fetch-corpus.sh'), '--quiet'], { encoding: 'utf8' });
    corpus = out.trim().split('\n').pop()!;
  });

  function check(args: string[]): string {
    const run = spawnSync(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'check', ...args, '--format', 'json', '--exit-zero'], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
    assert.equal(run.status, 0, run.stderr);
    return run.stdout;
  }

  it('finds the same with and without the prefilter, on one thread and on several', () => {
    const paths = [corpus, join(ROOT, 'examples'), join(ROOT, 'test', 'fixtures', 'rules')];
    // Without the findings cache: every run must analyse for itself.
    const reference = check([...paths, '--workers', '1', '--no-prefilter', '--no-cache']);
    assert.equal(check([...paths, '--workers', '1', '--no-cache']), reference, 'the prefilter changed the findings');
    assert.equal(check([...paths, '--workers', '3', '--no-cache']), reference, 'worker threads changed the findings');
  });

  it('a second run over the unchanged corpus takes the findings from the cache: same report, in a fraction of the time', () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'greenml-cache-'));
    try {
      const env = { ...process.env, GREENML_CACHE_DIR: cacheDir };
      const timed = () => {
        const started = performance.now();
        const run = spawnSync(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'check', corpus, '--format', 'json', '--exit-zero'], { encoding: 'utf8', env, maxBuffer: 512 * 1024 * 1024 });
        assert.equal(run.status, 0, run.stderr);
        return { stdout: run.stdout, ms: performance.now() - started };
      };
      const first = timed();
      const second = timed();
      assert.equal(second.stdout, first.stdout);
      assert.equal(second.stdout, check([corpus, '--no-cache']), 'the cached report differs from a fresh analysis');
      console.log(`      first run ${(first.ms / 1000).toFixed(2)} s, second ${(second.ms / 1000).toFixed(2)} s`);
      assert.ok(second.ms < first.ms / 2, `the second run took ${second.ms.toFixed(0)} ms, the first ${first.ms.toFixed(0)} ms`);
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  for (const part of ['sklearn', 'torch', 'cpython']) {
    it(`${part}: no crash, no error entries, every rule runs`, () => {
      const started = Date.now();
      const run = spawnSync(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'check', join(corpus, part), '--format', 'json', '--exit-zero'], {
        encoding: 'utf8',
        maxBuffer: 512 * 1024 * 1024,
      });
      assert.equal(run.status, 0, run.stderr);
      assert.doesNotMatch(run.stderr, /failed|internal error/i, run.stderr);
      const report = JSON.parse(run.stdout) as Report;
      assert.deepEqual(report.errors, [], 'valid files were reported as errors');
      const perRule = new Map<string, number>();
      for (const finding of report.findings) perRule.set(finding.rule, (perRule.get(finding.rule) ?? 0) + 1);
      const summary = [...perRule].sort().map(([rule, count]) => `${rule} ${count}`).join(', ') || 'no findings';
      console.log(`      ${part}: ${summary} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    });
  }
});
