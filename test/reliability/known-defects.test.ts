/**
 * The rule defects listed in known-defects.ts: each reproducer still exists and still runs through
 * the engine without an engine failure. When one no longer shows its defect, the test says so
 * (then delete its entry and reproducer); it does not fail, since fixing a rule is its owner's job.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { documentKindOf } from '../../server/src/engine/analyze';
import { initPythonParser } from '../../server/src/engine/python/parser';
import { KNOWN_DEFECTS } from './known-defects';
import { DefectLog } from './support/checks';
import { RELIABILITY_FIXTURES } from './support/config';
import { engineRoundTrip } from './support/engine-fuzz';

describe('reliability: known rule defects (reproducers in test/fixtures/reliability/)', () => {
  before(async () => {
    await initPythonParser();
  });

  for (const defect of KNOWN_DEFECTS) {
    it(`${defect.id} (${defect.rule})`, () => {
      const path = join(RELIABILITY_FIXTURES, defect.reproducer);
      assert.ok(existsSync(path), `reproducer ${defect.reproducer} is missing`);
      const kind = documentKindOf(path);
      assert.ok(kind, `reproducer ${defect.reproducer} has no known extension`);
      const log = new DefectLog();
      engineRoundTrip(kind, readFileSync(path, 'utf8'), true, log, { inputs: 0, errors: 0, findings: 0, fixed: 0, slowestMs: 0, maxPasses: 0 });
      const seen = [...log.defects.values()].some((d) => d.rule === defect.rule && defect.pattern.test(d.what));
      if (!seen) console.log(`      NOTE: ${defect.id} no longer reproduces: remove it from test/reliability/known-defects.ts`);
    });
  }
});
