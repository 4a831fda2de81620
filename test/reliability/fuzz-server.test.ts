/**
 * Fuzzed documents through the running language server (dist/server.js over stdio): each document
 * is opened with mutated text, changed several times by incremental edits to further mutated
 * text, and asked for diagnostics, code actions, hovers and code lenses after each change. Every
 * answer comes within 1 s, the server never logs an internal failure, stays up, and its final
 * diagnostics for each document equal a fresh in-process analysis of the final text. Notebooks are
 * opened as notebook documents whose cells hold mutated code.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CodeAction, Diagnostic } from 'vscode-languageserver-protocol';
import { readNotebook, type CodeCell } from '../../server/src/engine/notebook';
import { initPythonParser } from '../../server/src/engine/python/parser';
import { defaultSettings } from '../../server/src/engine/settings';
import { corpusSample, exampleDocuments, fixtureDocuments, FUZZ_SCALE, FUZZ_SEED, prng, type Document } from './support/config';
import { applyMutations, applyVariant, BULK_SIZES, mutationArbitrary, variantArbitrary, type Mutation, type Variant } from './support/mutate';
import { actual, expectedCells, expectedText, internalFailures, Mirror, pull, startSession, timed, type LspSession } from './support/server';

const TEXT_DOCUMENTS = Math.max(20, Math.round(800 * FUZZ_SCALE));
const NOTEBOOKS = Math.max(5, Math.round(200 * FUZZ_SCALE));
const CHANGES = 4;

describe('reliability: fuzzed documents through the language server', function () {
  this.timeout(30 * 60_000);
  let session: LspSession;
  let documents: Document[];
  let folder: string;
  let inputs = 0;
  let requests = 0;

  before(async () => {
    await initPythonParser();
    documents = [...fixtureDocuments(), ...exampleDocuments(), ...corpusSample(8, 12_000)];
    folder = mkdtempSync(join(tmpdir(), 'greenml-fuzz-lsp-'));
    session = await startSession(true);
  });

  after(async () => {
    console.log(`      server: ${inputs} mutated texts (opens and changes), ${requests} requests`);
    await session.close();
  });

  /** Code actions on a random range, a hover and the lenses, each timed. */
  async function probe(uri: string, text: string, diagnostics: Diagnostic[], random: () => number): Promise<void> {
    const lines = text.split('\n');
    const line = Math.floor(random() * lines.length);
    const character = Math.floor(random() * (lines[line].length + 1));
    const range = { start: { line, character }, end: { line, character } };
    const chosen = diagnostics.length > 0 ? [diagnostics[Math.floor(random() * diagnostics.length)]] : [];
    await timed<CodeAction[]>(session, 'textDocument/codeAction', { textDocument: { uri }, range: chosen[0]?.range ?? range, context: { diagnostics: chosen } });
    await timed(session, 'textDocument/codeAction', { textDocument: { uri }, range, context: { diagnostics: [], only: ['source.fixAll.greenml'] } });
    await timed(session, 'textDocument/hover', { textDocument: { uri }, position: range.start });
    await timed(session, 'textDocument/codeLens', { textDocument: { uri } });
    requests += 4;
  }

  it(`${TEXT_DOCUMENTS} Python/YAML/JSON documents, opened mutated and changed ${CHANGES} times, every request answered within 1 s`, async () => {
    const textDocuments = documents.filter((d) => d.kind !== 'notebook');
    const random = prng(FUZZ_SEED);
    const samples = fc.sample(
      fc.nat(textDocuments.length - 1).chain((i) => fc.tuple(fc.constant(i), fc.array(variantArbitrary(textDocuments[i].kind, BULK_SIZES), { minLength: CHANGES + 1, maxLength: CHANGES + 1 }))),
      { seed: FUZZ_SEED, numRuns: TEXT_DOCUMENTS },
    );
    const settings = defaultSettings();
    for (const [n, [index, variants]] of samples.entries()) {
      const base = textDocuments[index];
      const kind = base.kind as 'python' | 'yaml' | 'json';
      const uri = pathToFileURL(join(folder, `doc-${n}.${kind === 'python' ? 'py' : kind}`)).href;
      const mirror = new Mirror(session, uri, kind, applyVariant(base.text, variants[0]));
      await mirror.open();
      inputs++;
      let diagnostics = await pull(session, uri);
      requests++;
      for (let change = 1; change <= CHANGES; change++) {
        await mirror.changeTo(applyVariant(mirror.text, variants[change] as Variant));
        inputs++;
        diagnostics = await pull(session, uri);
        requests++;
        await probe(uri, mirror.text, diagnostics, random);
      }
      assert.deepEqual(actual(diagnostics), expectedText(kind, mirror.text, settings), `${uri} (from ${base.name}): diagnostics differ from a fresh analysis`);
      await mirror.close();
    }
    assert.deepEqual(internalFailures(session), []);
    assert.equal(session.process.exitCode, null, 'the server exited');
  });

  it(`${NOTEBOOKS} notebooks with mutated cells, changed ${CHANGES} times`, async () => {
    const notebooks = documents.filter((d) => d.kind === 'notebook');
    const random = prng(FUZZ_SEED + 7);
    const samples = fc.sample(
      fc.tuple(fc.nat(notebooks.length - 1), fc.array(fc.array(mutationArbitrary('python', BULK_SIZES), { minLength: 1, maxLength: 4 }), { minLength: CHANGES + 1, maxLength: CHANGES + 1 })),
      { seed: FUZZ_SEED + 7, numRuns: NOTEBOOKS },
    );
    const settings = defaultSettings();
    for (const [n, [index, changes]] of samples.entries()) {
      let cells: CodeCell[];
      try {
        cells = readNotebook(notebooks[index].text);
      } catch {
        continue;
      }
      if (cells.length === 0) continue;
      const notebookUri = pathToFileURL(join(folder, `nb-${n}.ipynb`)).href;
      const cellUri = (i: number) => `vscode-notebook-cell:${join(folder, `nb-${n}.ipynb`)}#c${i}`;
      const sources = cells.map((c, i) => (i === 0 ? applyMutations(c.source, changes[0] as Mutation[]) : c.source));
      await session.connection.sendNotification('notebookDocument/didOpen', {
        notebookDocument: { uri: notebookUri, notebookType: 'jupyter-notebook', version: 1, cells: cells.map((_, i) => ({ kind: 2, document: cellUri(i) })) },
        cellTextDocuments: sources.map((text, i) => ({ uri: cellUri(i), languageId: 'python', version: 1, text })),
      });
      inputs++;
      const versions = sources.map(() => 1);
      for (let change = 1; change <= CHANGES; change++) {
        const target = Math.floor(random() * sources.length);
        sources[target] = applyMutations(sources[target], changes[change] as Mutation[]);
        versions[target]++;
        await session.connection.sendNotification('notebookDocument/didChange', {
          notebookDocument: { uri: notebookUri, version: change + 1 },
          change: { cells: { textContent: [{ document: { uri: cellUri(target), version: versions[target] }, changes: [{ text: sources[target] }] }] } },
        });
        inputs++;
        const diagnostics = await pull(session, cellUri(target));
        requests++;
        await probe(cellUri(target), sources[target], diagnostics, random);
      }
      const expected = expectedCells(sources.map((source, i) => ({ index: i, source, sourceIsList: false })), settings);
      for (let i = 0; i < sources.length; i++) {
        assert.deepEqual(actual(await pull(session, cellUri(i))), expected.get(i) ?? [], `${notebookUri} cell ${i}: diagnostics differ from a fresh analysis`);
        requests++;
      }
      await session.connection.sendNotification('notebookDocument/didClose', { notebookDocument: { uri: notebookUri }, cellTextDocuments: sources.map((_, i) => ({ uri: cellUri(i) })) });
    }
    assert.deepEqual(internalFailures(session), []);
    assert.equal(session.process.exitCode, null, 'the server exited');
  });
});
