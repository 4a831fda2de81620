import assert from 'node:assert/strict';
import type { CodeAction, Diagnostic, DocumentDiagnosticReport, Hover, TextEdit } from 'vscode-languageserver-protocol';
import { CancellationTokenSource } from 'vscode-languageserver-protocol/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { LspSession } from './lsp-client';

const TRAIN_URI = 'file:///tmp/greenml-lsp/train.py';
const TRAIN = [
  'from transformers import AutoModelForCausalLM, TrainingArguments',
  '',
  'model = AutoModelForCausalLM.from_pretrained("gpt2-xl")',
  'args = TrainingArguments(output_dir="out", num_train_epochs=3)',
  'other = TrainingArguments(output_dir="b")',
  '',
].join('\n');

async function pull(session: LspSession, uri: string): Promise<Diagnostic[]> {
  const report = (await session.connection.sendRequest('textDocument/diagnostic', { textDocument: { uri } })) as DocumentDiagnosticReport;
  assert.equal(report.kind, 'full');
  return report.kind === 'full' ? report.items : [];
}

function open(session: LspSession, uri: string, text: string, languageId = 'python', version = 1): Promise<void> {
  return session.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version, text } });
}

function applyEdits(text: string, edits: TextEdit[]): string {
  return TextDocument.applyEdits(TextDocument.create('file:///x', 'python', 1, text), edits);
}

describe('language server over stdio (pull diagnostics)', function () {
  this.timeout(30_000);
  let session: LspSession;

  before(async () => {
    session = new LspSession();
    const capabilities = await session.initialize(true);
    assert.ok(capabilities.diagnosticProvider, 'no diagnosticProvider for a pull client');
    assert.ok(capabilities.codeActionProvider && capabilities.hoverProvider && capabilities.codeLensProvider);
  });

  after(() => session.close());

  it('reports diagnostics for an opened file, with code, docs link, source and the fix as data', async () => {
    await open(session, TRAIN_URI, TRAIN);
    const diagnostics = await pull(session, TRAIN_URI);
    const mixed = diagnostics.filter((d) => d.code === 'no-mixed-precision');
    assert.equal(mixed.length, 2);
    assert.deepEqual(mixed[0].range, { start: { line: 3, character: 7 }, end: { line: 3, character: 62 } });
    assert.equal(mixed[0].source, 'greenml');
    assert.match(mixed[0].codeDescription!.href, /docs\/rules\/no-mixed-precision\.md$/);
    assert.equal((mixed[0].data as { rule: string }).rule, 'no-mixed-precision');
    assert.ok(diagnostics.some((d) => d.code === 'oversized-model'));
  });

  it('follows incremental changes', async () => {
    await session.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri: TRAIN_URI, version: 2 },
      contentChanges: [{ range: { start: { line: 3, character: 61 }, end: { line: 3, character: 61 } }, text: ', bf16=True' }],
    });
    const diagnostics = await pull(session, TRAIN_URI);
    const mixed = diagnostics.filter((d) => d.code === 'no-mixed-precision');
    assert.equal(mixed.length, 1, 'the fixed call should no longer be reported');
    assert.equal(mixed[0].range.start.line, 4);
  });

  it('offers quick fixes whose edits give the expected text, plus ignore and documentation actions', async () => {
    const text = TRAIN.replace('num_train_epochs=3)', 'num_train_epochs=3, bf16=True)');
    const diagnostics = await pull(session, TRAIN_URI);
    const target = diagnostics.find((d) => d.code === 'no-mixed-precision')!;
    const actions = (await session.connection.sendRequest('textDocument/codeAction', {
      textDocument: { uri: TRAIN_URI },
      range: target.range,
      context: { diagnostics: [target] },
    })) as CodeAction[];
    const titles = actions.map((a) => a.title);
    assert.ok(titles.includes('Ignore no-mixed-precision on this line'), titles.join(' | '));
    assert.ok(titles.includes('Show documentation for no-mixed-precision'));
    const fix = actions.find((a) => a.title.startsWith('Train with bf16'))!;
    const fixed = applyEdits(text, fix.edit!.changes![TRAIN_URI]);
    assert.ok(fixed.includes('other = TrainingArguments(output_dir="b", bf16=True)'), fixed);
    const ignore = actions.find((a) => a.title.startsWith('Ignore'))!;
    assert.ok(applyEdits(text, ignore.edit!.changes![TRAIN_URI]).includes('other = TrainingArguments(output_dir="b")  # greenml: ignore[no-mixed-precision]'));
  });

  it('offers "fix all" for a rule with several fixable findings, as one edit set', async () => {
    const uri = 'file:///tmp/greenml-lsp/two.py';
    const text = 'from transformers import TrainingArguments\na = TrainingArguments(output_dir="a")\nb = TrainingArguments(output_dir="b")\n';
    await open(session, uri, text);
    const diagnostics = await pull(session, uri);
    const actions = (await session.connection.sendRequest('textDocument/codeAction', {
      textDocument: { uri },
      range: diagnostics[0].range,
      context: { diagnostics: [diagnostics[0]] },
    })) as CodeAction[];
    const all = actions.find((a) => a.title === 'Fix all no-mixed-precision problems in this file')!;
    assert.ok(all, actions.map((a) => a.title).join(' | '));
    assert.equal(
      applyEdits(text, all.edit!.changes![uri]),
      'from transformers import TrainingArguments\na = TrainingArguments(output_dir="a", bf16=True)\nb = TrainingArguments(output_dir="b", bf16=True)\n',
    );
  });

  it('hovers a model id with its size and smaller alternatives', async () => {
    const hover = (await session.connection.sendRequest('textDocument/hover', {
      textDocument: { uri: TRAIN_URI },
      position: { line: 2, character: 50 },
    })) as Hover;
    const value = (hover.contents as { value: string }).value;
    assert.match(value, /gpt2-xl/);
    assert.match(value, /1\.5B parameters/);
    assert.match(value, /distilgpt2|gpt2/);
  });

  it('hovers a cloud region with its grid intensity and a cleaner region', async () => {
    const uri = 'file:///tmp/greenml-lsp/job.py';
    await open(session, uri, 'from google.cloud import aiplatform\naiplatform.init(location="asia-south1")\n');
    const hover = (await session.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 1, character: 30 } })) as Hover;
    const value = (hover.contents as { value: string }).value;
    assert.match(value, /678\.76 gCO2e\/kWh/);
    assert.match(value, /Cleanest region in Asia-Pacific/);
  });

  it('shows a footprint code lens above a training entry point', async () => {
    const uri = 'file:///tmp/greenml-lsp/trainer.py';
    await open(session, uri, 'from transformers import Trainer\ntrainer = Trainer(model=m, args=a)\ntrainer.train()\n');
    const lenses = (await session.connection.sendRequest('textDocument/codeLens', { textDocument: { uri } })) as { range: { start: { line: number } }; command: { title: string } }[];
    assert.equal(lenses.length, 1);
    assert.equal(lenses[0].range.start.line, 2);
    assert.match(lenses[0].command.title, /^≈ [\d.]+ kWh · [\d.]+ kg CO2e per hour on A100-SXM4/);
  });

  it('analyses notebooks cell by cell, with names from earlier cells known', async () => {
    const notebookUri = 'file:///tmp/greenml-lsp/nb.ipynb';
    const cell = (n: number) => `vscode-notebook-cell:/tmp/greenml-lsp/nb.ipynb#cell${n}`;
    await session.connection.sendNotification('notebookDocument/didOpen', {
      notebookDocument: {
        uri: notebookUri,
        notebookType: 'jupyter-notebook',
        version: 1,
        cells: [
          { kind: 2, document: cell(0) },
          { kind: 1, document: cell(1) },
          { kind: 2, document: cell(2) },
        ],
      },
      cellTextDocuments: [
        { uri: cell(0), languageId: 'python', version: 1, text: '%matplotlib inline\nfrom transformers import TrainingArguments as TA\n' },
        { uri: cell(1), languageId: 'markdown', version: 1, text: '# Train' },
        { uri: cell(2), languageId: 'python', version: 1, text: '!nvidia-smi\nargs = TA(output_dir="o")\n' },
      ],
    });
    const diagnostics = await pull(session, cell(2));
    assert.deepEqual(diagnostics.map((d) => [d.code, d.range.start.line, d.range.start.character]), [['no-mixed-precision', 1, 7]]);
    assert.deepEqual(await pull(session, cell(0)), []);

    await session.connection.sendNotification('notebookDocument/didChange', {
      notebookDocument: { uri: notebookUri, version: 2 },
      change: { cells: { textContent: [{ document: { uri: cell(2), version: 2 }, changes: [{ text: '!nvidia-smi\nargs = TA(output_dir="o", bf16=True)\n' }] }] } },
    });
    assert.deepEqual(await pull(session, cell(2)), []);
  });

  it('applies changed settings after didChangeConfiguration', async () => {
    session.settings = { severity: { 'no-mixed-precision': 'error' } };
    await session.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
    const diagnostics = await pull(session, TRAIN_URI);
    assert.equal(diagnostics.find((d) => d.code === 'no-mixed-precision')!.severity, 1);
    session.settings = { severity: { 'no-mixed-precision': 'off' } };
    await session.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
    assert.equal((await pull(session, TRAIN_URI)).filter((d) => d.code === 'no-mixed-precision').length, 0);
    session.settings = {};
    await session.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
  });

  it('survives malformed input and keeps answering', async () => {
    await open(session, 'file:///tmp/greenml-lsp/bad.yaml', 'a: [1, 2\nb: : c\n', 'yaml');
    assert.deepEqual(await pull(session, 'file:///tmp/greenml-lsp/bad.yaml'), []);
    await open(session, 'file:///tmp/greenml-lsp/binary.py', '\u0000\u0001\u0002PK');
    assert.deepEqual(await pull(session, 'file:///tmp/greenml-lsp/binary.py'), []);
    await open(session, 'file:///tmp/greenml-lsp/half.py', 'from transformers import TrainingArguments\nargs = TrainingArguments(output_dir="o", \n');
    await pull(session, 'file:///tmp/greenml-lsp/half.py');
    assert.ok((await pull(session, TRAIN_URI)).length > 0, 'the server stopped answering');
    assert.equal(session.process.exitCode, null);
  });

  it('handles cancelled requests', async () => {
    const cancel = new CancellationTokenSource();
    const pending = session.connection.sendRequest('textDocument/diagnostic', { textDocument: { uri: TRAIN_URI } }, cancel.token);
    cancel.cancel();
    await pending.catch(() => undefined);
    assert.ok((await pull(session, TRAIN_URI)).length > 0);
  });
});

describe('language server over stdio (push diagnostics)', function () {
  this.timeout(30_000);
  let session: LspSession;

  before(async () => {
    session = new LspSession();
    const capabilities = await session.initialize(false);
    assert.equal(capabilities.diagnosticProvider, undefined);
  });

  after(() => session.close());

  it('publishes diagnostics to a client without pull support, and clears them on close', async () => {
    const uri = 'file:///tmp/greenml-lsp/push.py';
    await open(session, uri, TRAIN);
    const published = await session.waitFor(() => session.published.get(uri), 'publishDiagnostics');
    assert.ok(published.diagnostics.some((d) => d.code === 'no-mixed-precision'));
    session.published.delete(uri);
    await session.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
    const cleared = await session.waitFor(() => session.published.get(uri), 'cleared diagnostics');
    assert.deepEqual(cleared.diagnostics, []);
  });
});

describe('language server with a minimal client (no pull, no workspace/configuration, no client commands)', function () {
  this.timeout(30_000);
  let session: LspSession;

  before(async () => {
    session = new LspSession();
    const capabilities = await session.initialize(false, false);
    assert.deepEqual((capabilities.executeCommandProvider as { commands: string[] }).commands, ['greenml.server.showRuleDocumentation', 'greenml.server.showEstimate']);
  });

  after(() => session.close());

  it('takes settings pushed with didChangeConfiguration', async () => {
    const uri = 'file:///tmp/greenml-lsp/pushed.py';
    await open(session, uri, TRAIN);
    const first = await session.waitFor(() => session.published.get(uri), 'publishDiagnostics');
    assert.equal(first.diagnostics.find((d) => d.code === 'no-mixed-precision')!.severity, 2);
    session.published.delete(uri);
    await session.connection.sendNotification('workspace/didChangeConfiguration', { settings: { greenml: { severity: { 'no-mixed-precision': 'error' } } } });
    const second = await session.waitFor(() => session.published.get(uri), 'republished diagnostics');
    assert.equal(second.diagnostics.find((d) => d.code === 'no-mixed-precision')!.severity, 1);
  });

  it('offers actions for findings whose data lost its null fix, and runs its own documentation command', async () => {
    const uri = 'file:///tmp/greenml-lsp/dp.py';
    await open(session, uri, 'import torch\nmodel = torch.nn.DataParallel(net)\n');
    const published = await session.waitFor(() => session.published.get(uri), 'publishDiagnostics');
    const diagnostic = { ...published.diagnostics[0], data: { rule: 'data-parallel' } };
    const actions = (await session.connection.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: diagnostic.range, context: { diagnostics: [diagnostic] } })) as CodeAction[];
    const docs = actions.find((a) => a.title === 'Show documentation for data-parallel')!;
    assert.equal(docs.command!.command, 'greenml.server.showRuleDocumentation');
    await session.connection.sendRequest('workspace/executeCommand', { command: docs.command!.command, arguments: docs.command!.arguments });
    await session.waitFor(() => (session.messages.some((m) => m.includes('DistributedDataParallel')) ? true : undefined), 'the documentation message');
  });
});
