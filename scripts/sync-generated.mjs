// Regenerates what is derived from the rule registry: the per-rule settings in package.json and
// docs/rules/<id>.md. A unit test fails when either has drifted from the code.
// Run after `node scripts/build.mjs --tests`:  node scripts/sync-generated.mjs
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { contributes } = require('./manifest-contributes.cjs');
const { RULES } = require('../out/server/src/engine/registry.js');
const { renderRuleMarkdown } = require('../out/server/src/engine/rule-docs.js');

const manifestPath = new URL('../package.json', import.meta.url);
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
manifest.contributes = contributes(RULES);
writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');

const docs = new URL('../docs/rules/', import.meta.url);
mkdirSync(docs, { recursive: true });
for (const name of readdirSync(docs)) rmSync(new URL(name, docs));
for (const rule of RULES) writeFileSync(new URL(`${rule.id}.md`, docs), renderRuleMarkdown(rule) + '\n');
console.log(`package.json contributes and docs/rules: ${RULES.length} rules`);
