/**
 * Runs every rule through its fixture folder (test/fixtures/rules/<rule-id>/) and checks the
 * invariants every rule must keep: expected findings, expected fixed text, fixes that add no
 * syntax error and converge, declared fix availability, and documented examples that behave.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { documentKindOf, type DocumentKind } from '../../server/src/engine/analyze';
import { parseJsonConfig, parseYamlConfig } from '../../server/src/engine/config/source';
import { fixDocument } from '../../server/src/engine/fixes';
import { lintDocument } from '../../server/src/engine/lint';
import { readNotebook, blankIPythonSyntax } from '../../server/src/engine/notebook';
import { initPythonParser, parsePython } from '../../server/src/engine/python/parser';
import { countSyntaxErrors } from '../../server/src/engine/python/tree';
import { RULES } from '../../server/src/engine/registry';
import type { Rule } from '../../server/src/engine/rule';
import { defaultSettings, type Settings } from '../../server/src/engine/settings';
import type { Finding } from '../../server/src/engine/types';

const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'rules');

function onlyRule(rule: Rule): Settings {
  return { ...defaultSettings(), select: [rule.id] };
}

function describeFinding(f: Finding): string {
  const at = `${f.range.start.line + 1}:${f.range.start.character + 1}`;
  return f.cell === undefined ? at : `cell ${f.cell} ${at}`;
}

/** Syntax errors in a document: tree-sitter error nodes for Python, parse errors for the rest. */
function syntaxErrorCount(kind: DocumentKind, text: string): number {
  switch (kind) {
    case 'python':
      return countSyntaxErrors(parsePython(text));
    case 'notebook':
      return readNotebook(text).reduce((sum, cell) => sum + countSyntaxErrors(parsePython(blankIPythonSyntax(cell.source))), 0);
    case 'yaml':
      try {
        parseYamlConfig(text);
        return 0;
      } catch {
        return 1;
      }
    case 'json':
      try {
        parseJsonConfig(text);
        return 0;
      } catch {
        return 1;
      }
  }
}

interface Case {
  name: string;
  path: string;
  kind: DocumentKind;
  expected: string[] | null;
  fixed: string | null;
}

function casesOf(rule: Rule): Case[] {
  const folder = join(FIXTURES, rule.id);
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((name) => documentKindOf(name) !== null && !name.endsWith('.expected') && !name.endsWith('.fixed'))
    .sort()
    .map((name) => {
      const path = join(folder, name);
      const expectedPath = `${path}.expected`;
      // A missing .expected file fails that fixture's test (below), not the whole run.
      const expected = existsSync(expectedPath) ? readFileSync(expectedPath, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean) : null;
      const fixedPath = `${path}.fixed`;
      return { name, path, kind: documentKindOf(name)!, expected, fixed: existsSync(fixedPath) ? readFileSync(fixedPath, 'utf8') : null };
    });
}

before(async () => {
  await initPythonParser();
});

describe('rule fixtures', () => {
  it('every rule has a fixture folder with firing and silent cases', () => {
    for (const rule of RULES) {
      const cases = casesOf(rule);
      assert.ok(cases.some((c) => c.expected && c.expected.length > 0), `${rule.id}: no fixture that fires`);
      assert.ok(cases.some((c) => c.expected && c.expected.length === 0), `${rule.id}: no fixture that stays silent`);
    }
  });

  for (const rule of RULES) {
    describe(rule.id, () => {
      const cases = casesOf(rule);
      const allFindings: Finding[] = [];

      for (const fixture of cases) {
        it(`${fixture.name}: findings, fixes, convergence`, () => {
          assert.ok(fixture.expected, `${rule.id}/${fixture.name} has no ${fixture.name}.expected file`);
          const text = readFileSync(fixture.path, 'utf8');
          const settings = onlyRule(rule);
          const result = lintDocument(fixture.kind, text, settings);
          assert.equal(result.error, undefined, `${fixture.name}: ${result.error}`);
          assert.deepEqual(result.ruleErrors, [], 'the rule threw');
          const found = result.findings.filter((f) => f.rule === rule.id);
          assert.deepEqual(found.map(describeFinding), fixture.expected, `${fixture.name}: findings differ`);
          allFindings.push(...found);
          for (const finding of found) {
            assert.ok(finding.message.length > 40, `${fixture.name}: message too vague: ${finding.message}`);
            if (finding.fix) assert.equal(finding.fix.safety === 'safe' || finding.fix.safety === 'unsafe', true);
            if (rule.fixAvailability === 'always') assert.ok(finding.fix, `${fixture.name}: rule declares a fix for every finding`);
            if (rule.fixAvailability === 'never') assert.equal(finding.fix, null, `${fixture.name}: rule declares no fix`);
            if (finding.fix && rule.fixSafety !== 'mixed') assert.equal(finding.fix.safety, rule.fixSafety, 'declared fix safety');
          }

          const outcome = fixDocument(fixture.kind, text, settings, { unsafe: true });
          assert.ok(
            syntaxErrorCount(fixture.kind, outcome.text) <= syntaxErrorCount(fixture.kind, text),
            `${fixture.name}: fixes introduced a syntax error:\n${outcome.text}`,
          );
          if (fixture.fixed !== null) assert.equal(outcome.text, fixture.fixed, `${fixture.name}: fixed text differs`);
          else if (found.some((f) => f.fix)) assert.fail(`${fixture.name}: has fixes but no ${fixture.name}.fixed file`);
          // Convergence: after one fix-all, nothing is left to fix.
          const again = lintDocument(fixture.kind, outcome.text, settings);
          assert.deepEqual(again.findings.filter((f) => f.fix).map(describeFinding), [], `${fixture.name}: fixes do not converge`);
          assert.equal(fixDocument(fixture.kind, outcome.text, settings, { unsafe: true }).text, outcome.text);
        });
      }

      it('declared fix availability matches its fixtures', () => {
        const withFix = allFindings.filter((f) => f.fix).length;
        if (rule.fixAvailability === 'never') assert.equal(withFix, 0);
        else assert.ok(withFix > 0, `${rule.id} declares fixes but no fixture finding has one`);
      });

      it('documented example fires and the recommended code stays silent', () => {
        const kindOf = (language: string): DocumentKind => (language === 'python' ? 'python' : language === 'yaml' ? 'yaml' : 'json');
        const bad = lintDocument(kindOf(rule.docs.example.language), rule.docs.example.code, onlyRule(rule));
        assert.ok(bad.findings.some((f) => f.rule === rule.id), `${rule.id}: the documented example does not fire`);
        const good = lintDocument(kindOf(rule.docs.useInstead.language), rule.docs.useInstead.code, onlyRule(rule));
        assert.deepEqual(good.findings.filter((f) => f.rule === rule.id).map((f) => f.message), [], `${rule.id}: the recommended code fires`);
      });

      it('metadata is complete', () => {
        assert.match(rule.id, /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
        assert.ok(existsSync(join(__dirname, '..', '..', '..', 'server', 'src', 'rules', `${rule.id}.ts`)), 'rule file is named by its id');
        for (const key of ['whatItDoes', 'whyItWastesEnergy', 'fixSafety'] as const) assert.ok(rule.docs[key].length > 40, `${rule.id}: docs.${key}`);
        assert.ok(rule.docs.sources.length > 0, `${rule.id}: no sources`);
        assert.ok(rule.triggers.length > 0, `${rule.id}: no trigger words`);
      });
    });
  }
});

describe('registry', () => {
  it('lists rules sorted by id, each once', () => {
    const ids = RULES.map((r) => r.id);
    assert.deepEqual(ids, [...ids].sort());
    assert.equal(new Set(ids).size, ids.length);
  });
});
