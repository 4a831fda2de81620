/**
 * Fuzzed files through the CLI, many per run: each batch of mutated documents (support/mutate.ts,
 * plus byte-level damage: invalid UTF-8, a BOM, NUL bytes, a cut inside a multi-byte character) is
 * written to a temporary folder and checked with `check --format json`, then fixed with
 * `--unsafe-fixes`. Every run ends normally within its budget (1 s per file), prints a valid
 * report, and agrees with the engine run in-process on every file: the same findings and errors,
 * and after fixing, every file holds exactly what fix-all gives (or its old bytes).
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { documentKindOf, type DocumentKind } from '../../server/src/engine/analyze';
import { lintDocument } from '../../server/src/engine/lint';
import { initPythonParser } from '../../server/src/engine/python/parser';
import { defaultSettings } from '../../server/src/engine/settings';
import { fixText } from '../../server/src/cli/fix-files';
import { readSource } from '../../server/src/cli/read-source';
import { ANSWER_BUDGET_MS, corpusSample, exampleDocuments, fixtureDocuments, FUZZ_SCALE, FUZZ_SEED, type Document } from './support/config';
import { parseReport, runCli } from './support/cli';
import { DefectLog } from './support/checks';
import { applyVariant, BULK_SIZES, variantArbitrary } from './support/mutate';

const BATCHES = Math.max(2, Math.round(8 * FUZZ_SCALE));
const FILES_PER_BATCH = 400;
const EXTENSIONS: Record<DocumentKind, string[]> = { python: ['.py'], notebook: ['.ipynb'], yaml: ['.yaml', '.yml'], json: ['.json'] };
const FOLDERS = ['', 'src/', 'deep/a/b/c/', 'with space/', 'ünïcödé/'];

type ByteDamage = { what: 'none' } | { what: 'invalid'; at: number; bytes: readonly number[] } | { what: 'bom' } | { what: 'nul'; at: number } | { what: 'cut'; at: number };

const byteDamage: fc.Arbitrary<ByteDamage> = fc.oneof(
  { weight: 12, arbitrary: fc.constant({ what: 'none' as const }) },
  { weight: 2, arbitrary: fc.record({ what: fc.constant('invalid' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), bytes: fc.constantFrom([0xff], [0xc3], [0xed, 0xa0, 0x80], [0xc0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x80, 0x80]) }) },
  { weight: 1, arbitrary: fc.constant({ what: 'bom' as const }) },
  { weight: 1, arbitrary: fc.record({ what: fc.constant('nul' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  { weight: 1, arbitrary: fc.record({ what: fc.constant('cut' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }) },
);

function damage(bytes: Buffer, d: ByteDamage): Buffer {
  const at = (f: number) => Math.min(bytes.length, Math.floor(f * (bytes.length + 1)));
  switch (d.what) {
    case 'none':
      return bytes;
    case 'invalid': {
      const i = at(d.at);
      return Buffer.concat([bytes.subarray(0, i), Buffer.from(d.bytes), bytes.subarray(i)]);
    }
    case 'bom':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]);
    case 'nul': {
      const i = at(d.at);
      return Buffer.concat([bytes.subarray(0, i), Buffer.from([0]), bytes.subarray(i)]);
    }
    case 'cut': {
      // Cut right after the first byte of a multi-byte character when there is one.
      let i = at(d.at);
      while (i < bytes.length && bytes[i] < 0xc0) i++;
      return bytes.subarray(0, Math.min(bytes.length, i + 1));
    }
  }
}

interface Written {
  display: string;
  path: string;
  kind: DocumentKind;
  bytes: Buffer;
}

function writeBatch(dir: string, documents: Document[], batch: number): Written[] {
  const kinds = ['python', 'notebook', 'yaml', 'json'] as const;
  const written: Written[] = [];
  const perKind = FILES_PER_BATCH / kinds.length;
  kinds.forEach((kind, k) => {
    const bases = documents.filter((d) => d.kind === kind);
    const samples = fc.sample(fc.tuple(fc.nat(bases.length - 1), variantArbitrary(kind, BULK_SIZES), byteDamage, fc.nat(99)), { seed: FUZZ_SEED + 1000 * batch + k, numRuns: perKind });
    samples.forEach(([index, variant, bytesDamage, name], i) => {
      const extensions = EXTENSIONS[kind];
      const display = `${FOLDERS[name % FOLDERS.length]}${kind}-${i}-${name}${extensions[name % extensions.length]}`;
      const bytes = damage(Buffer.from(applyVariant(bases[index].text, variant), 'utf8'), bytesDamage);
      const path = join(dir, display);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, bytes);
      written.push({ display, path, kind, bytes });
    });
  });
  return written;
}

/** What the engine says in-process about a file as the CLI reads it. */
function expected(file: Written): { findings: number; error: boolean; fixedBytes: Buffer } {
  const source = readSource(file.path);
  if (!source.ok) return { findings: 0, error: true, fixedBytes: file.bytes };
  const settings = defaultSettings();
  const result = lintDocument(file.kind, source.text, settings);
  const fixed = fixText(file.kind, source.text, settings, true);
  const fixedBytes = fixed.changed ? Buffer.from(source.bom ? `\uFEFF${fixed.text}` : fixed.text, 'utf8') : file.bytes;
  return { findings: result.findings.length, error: result.error !== undefined, fixedBytes };
}

describe('reliability: fuzzed files through the CLI (batched)', function () {
  this.timeout(30 * 60_000);
  let documents: Document[];
  const defects = new DefectLog();
  let total = 0;
  let totalMs = 0;

  before(async () => {
    await initPythonParser();
    documents = [...fixtureDocuments(), ...exampleDocuments(), ...corpusSample(8, 12_000)];
  });

  after(() => {
    console.log(`      CLI: ${total} fuzzed files in ${BATCHES} batches, checked then fixed: ${(totalMs / 1000).toFixed(1)} s of CLI time`);
    defects.report('CLI fuzz');
  });

  for (let batch = 0; batch < BATCHES; batch++) {
    it(`batch ${batch + 1}/${BATCHES}: ${FILES_PER_BATCH} mutated files, check then --unsafe-fixes`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'greenml-fuzz-cli-'));
      let keep = false;
      try {
        const files = writeBatch(dir, documents, batch);
        total += files.length;
        const budget = files.length * ANSWER_BUDGET_MS;
        const before = files.map(expected);

        const check = runCli(['check', '.', '--format', 'json', '--exit-zero'], dir, { timeoutMs: budget });
        totalMs += check.ms;
        assert.equal(check.signal, null, `check was killed after ${check.ms.toFixed(0)} ms (budget ${budget} ms)`);
        assert.equal(check.status, 0, check.stderr);
        assert.doesNotMatch(check.stderr, /internal error/i);
        for (const line of check.stderr.split('\n')) {
          const failed = /rule (\S+) failed on (.+?): (.*) \(its findings are missing\)/.exec(line);
          if (failed) defects.add(failed[1], failed[3], documentKindOf(failed[2]) ?? 'python', readFileSync(join(dir, failed[2]), 'utf8'));
        }
        const report = parseReport(check);
        const findingsPer = new Map<string, number>();
        for (const f of report.findings) findingsPer.set(f.file, (findingsPer.get(f.file) ?? 0) + 1);
        const errorsPer = new Map<string, string[]>();
        for (const e of report.errors) errorsPer.set(e.file, [...(errorsPer.get(e.file) ?? []), e.message]);
        files.forEach((file, i) => {
          const errors = errorsPer.get(file.display) ?? [];
          assert.ok(errors.length <= 1, `${file.display}: ${errors.length} error entries`);
          assert.equal(errors.length === 1, before[i].error, `${file.display}: CLI error ${JSON.stringify(errors)} vs engine ${before[i].error}`);
          if (errors[0]) assert.ok(errors[0].length > 5, `${file.display}: unclear message ${errors[0]}`);
          assert.equal(findingsPer.get(file.display) ?? 0, before[i].findings, `${file.display}: CLI and engine disagree on the findings`);
        });
        const known = new Set(files.map((f) => f.display));
        for (const path of [...findingsPer.keys(), ...errorsPer.keys()]) assert.ok(known.has(path), `report names a file that was not written: ${path}`);

        const fix = runCli(['check', '.', '--unsafe-fixes', '--format', 'json', '--exit-zero'], dir, { timeoutMs: budget });
        totalMs += fix.ms;
        assert.equal(fix.signal, null, `--unsafe-fixes was killed after ${fix.ms.toFixed(0)} ms (budget ${budget} ms)`);
        assert.equal(fix.status, 0, fix.stderr);
        assert.doesNotMatch(fix.stderr, /internal error/i);
        parseReport(fix);
        files.forEach((file, i) => {
          const now = readFileSync(file.path);
          if (!now.equals(before[i].fixedBytes)) {
            keep = true;
            assert.fail(`${file.display}: after --unsafe-fixes the file holds neither what fix-all gives nor its old bytes (kept in ${dir})`);
          }
        });
      } finally {
        if (!keep) rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
