/** What is derived from the rule registry (manifest settings, rule docs, README table) stays in sync with it. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RULES } from '../../server/src/engine/registry';
import { renderRuleMarkdown } from '../../server/src/engine/rule-docs';

const ROOT = join(__dirname, '..', '..', '..');
const { contributes } = require(join(ROOT, 'scripts', 'manifest-contributes.cjs')) as { contributes: (rules: typeof RULES) => unknown };
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const regenerate = 'run `node scripts/build.mjs --tests && node scripts/sync-generated.mjs`';

describe('generated files', () => {
  it('package.json contributes one severity setting per rule', () => {
    assert.deepEqual(manifest.contributes, JSON.parse(JSON.stringify(contributes(RULES))), `package.json is stale: ${regenerate}`);
  });

  it('docs/rules holds exactly the rendered documentation of each rule', () => {
    const files = readdirSync(join(ROOT, 'docs', 'rules')).sort();
    assert.deepEqual(files, RULES.map((r) => `${r.id}.md`).sort(), `docs/rules is stale: ${regenerate}`);
    for (const rule of RULES) {
      assert.equal(readFileSync(join(ROOT, 'docs', 'rules', `${rule.id}.md`), 'utf8'), renderRuleMarkdown(rule) + '\n', `docs/rules/${rule.id}.md is stale: ${regenerate}`);
    }
  });

  it('the README lists every rule, one line each', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const rule of RULES) assert.equal(readme.split('\n').filter((l) => l.startsWith(`| \`${rule.id}\` |`)).length, 1, `README has no row for ${rule.id}`);
  });
});

describe('extension manifest', () => {
  it('is complete for the marketplace', () => {
    for (const key of ['name', 'displayName', 'description', 'version', 'publisher', 'license', 'icon', 'repository', 'categories', 'keywords', 'main', 'engines']) {
      assert.ok(manifest[key], `package.json has no ${key}`);
    }
    assert.equal(manifest.capabilities.untrustedWorkspaces.supported, true);
  });

  it('accepts VS Code 1.100 (code-server 4.100.3) and is not newer than the @types/vscode it is built against', () => {
    const floor = /^\^1\.(\d+)\.\d+$/.exec(manifest.engines.vscode);
    assert.ok(floor, `engines.vscode ${manifest.engines.vscode} is not a ^1.x.y range`);
    assert.ok(Number(floor[1]) <= 100);
    const types = /^1\.(\d+)\./.exec(manifest.devDependencies['@types/vscode']);
    assert.ok(types && Number(types[1]) <= Number(floor[1]), '@types/vscode must not be newer than the engines floor');
  });
});
