// The language server keeps syntax trees for the most recently used documents only; the others
// keep their findings, and are parsed again when they change or are asked about.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { lintDocument } from '../../server/src/engine/lint';
import { initPythonParser } from '../../server/src/engine/python/parser';
import { defaultSettings } from '../../server/src/engine/settings';
import { LIVE_ANALYSES, Workspace, type Target } from '../../server/src/lsp/workspace';

const ROOT = join(__dirname, '..', '..', '..');
const TRAINING = readFileSync(join(ROOT, 'examples', 'train_cifar_resnet.py'), 'utf8');

function target(uri: string, text: string, version = 1): Target {
  return { kind: 'text', uri, document: TextDocument.create(uri, 'python', version, text), documentKind: 'python' };
}

const summary = (findings: { rule: string; range: unknown; message: string }[]) => findings.map((f) => JSON.stringify([f.rule, f.range, f.message]));

describe('language server workspace: trees of recently used documents only', () => {
  before(async () => {
    await initPythonParser();
  });

  it(`keeps at most ${LIVE_ANALYSES} trees with more documents open, and their findings stay right`, () => {
    const workspace = new Workspace();
    const settings = defaultSettings();
    const expected = summary(lintDocument('python', TRAINING, settings).findings);
    assert.ok(expected.length > 0, 'the example has findings');
    const targets = Array.from({ length: LIVE_ANALYSES + 20 }, (_, i) => target(`file:///w/train_${i}.py`, TRAINING));
    for (const t of targets) assert.deepEqual(summary(workspace.findings(t, settings).findings), expected);
    assert.equal(workspace.liveTrees, LIVE_ANALYSES);

    // An evicted document's diagnostics come from its cached findings: no parse, no new tree.
    assert.deepEqual(summary(workspace.findings(targets[0], settings).findings), expected);
    assert.equal(workspace.liveTrees, LIVE_ANALYSES);

    // A code action needs the analysis again: parsed anew, same findings, still within the limit.
    assert.deepEqual(summary(workspace.lint(targets[1], settings).placed.findings), expected);
    assert.equal(workspace.liveTrees, LIVE_ANALYSES);

    // An edit to an evicted document is analysed from scratch and correctly.
    const edited = TRAINING.replace('optimizer.step()', 'optimizer.step()  # edited');
    assert.notEqual(edited, TRAINING);
    const after = target(targets[2].uri, edited, 2);
    assert.deepEqual(summary(workspace.findings(after, settings).findings), summary(lintDocument('python', edited, settings).findings));

    for (const t of targets) workspace.forget(t.uri);
    assert.equal(workspace.liveTrees, 0);
  });
});
