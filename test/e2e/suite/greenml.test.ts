// What a user of the installed GreenML extension sees in a real VS Code: activation, diagnostics in
// scripts, notebooks and configs, quick fixes, fix-all on save, hovers, settings and the workspace scan.
// Every wait polls the real state with a deadline; nothing sleeps for a fixed time.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import {
  EXTENSION_ID,
  codeActionsAt,
  codeOf,
  describeDiagnostics,
  fileUri,
  greenmlDiagnostics,
  note,
  hoverText,
  positionOf,
  setGreenmlSetting,
  showFile,
  waitFor,
  waitForDiagnostics,
} from './helpers';

describe('GreenML in VS Code', function () {
  before(async function () {
    this.timeout(60_000);
    // Start clean even if the workbench restored editors.
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  describe('activation', () => {
    it('activates by itself in a workspace with Python files, from the installed package', async () => {
      const extension = await waitFor('the GreenML extension to be installed', () => vscode.extensions.getExtension(EXTENSION_ID), 30_000);
      await waitFor('the GreenML extension to activate (workspaceContains:**/*.py)', () => extension.isActive, 30_000);
      note(`GreenML ${String(extension.packageJSON.version)} active from ${extension.extensionPath}`);
      // The packaged artefact: bundles and grammars, no sources.
      for (const file of ['dist/extension.js', 'dist/server.js', 'dist/web-tree-sitter.wasm', 'dist/tree-sitter-python.wasm']) {
        assert.ok(existsSync(join(extension.extensionPath, file)), `${file} missing from the installed extension`);
      }
      if (process.env.GREENML_E2E_ALLOW_DEV_FOLDER !== '1') {
        assert.ok(!existsSync(join(extension.extensionPath, 'client', 'src')), `GreenML was loaded from a development folder (${extension.extensionPath}), not from the installed .vsix`);
      }
      const commands = await vscode.commands.getCommands(true);
      for (const command of ['greenml.scanWorkspace', 'greenml.showRuleDocumentation', 'greenml.restartServer', 'greenml.showOutput']) {
        assert.ok(commands.includes(command), `command ${command} is not registered`);
      }
    });
  });

  describe('Python script', () => {
    let document: vscode.TextDocument;
    const uri = () => fileUri('train.py');

    before(async () => {
      document = (await showFile(uri())).document;
    });

    it('shows GreenML diagnostics with rule code, source and documentation link', async () => {
      const [mixed] = await waitForDiagnostics(uri(), 'no-mixed-precision');
      assert.equal(mixed.severity, vscode.DiagnosticSeverity.Warning);
      assert.equal(mixed.range.start.line, 4);
      assert.equal(document.getText(mixed.range), 'TrainingArguments(output_dir="o")');
      assert.match(mixed.message, /fp32|mixed precision|bf16/i);
      const code = mixed.code as { value: string; target: vscode.Uri };
      assert.equal(typeof code, 'object', 'the diagnostic code should link to the rule documentation');
      assert.match(code.target.toString(), /docs\/rules\/no-mixed-precision\.md$/);
      const [oversized] = await waitForDiagnostics(uri(), 'oversized-model');
      assert.equal(document.getText(oversized.range), '"gpt2-xl"');
      assert.equal(oversized.severity, vscode.DiagnosticSeverity.Information);
    });

    it('hovers a model id with its size and smaller alternatives', async () => {
      const text = await waitFor('a hover on "gpt2-xl"', async () => {
        const value = await hoverText(uri(), positionOf(document, 'gpt2-xl', 3));
        return value.includes('gpt2-xl') ? value : undefined;
      });
      assert.match(text, /1\.5B parameters/);
      assert.match(text, /distilgpt2/);
      assert.match(text, /Source:/);
    });

    it('shows a footprint code lens above the training entry point', async () => {
      const lenses = await waitFor('a GreenML code lens on train.py', async () => {
        const found = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri(), 10)) ?? [];
        const ours = found.filter((lens) => lens.command?.command === 'greenml.showEstimate');
        return ours.length > 0 ? ours : undefined;
      });
      assert.equal(lenses[0].range.start.line, 6);
      assert.match(lenses[0].command!.title, /kWh · [\d.]+ kg CO2e per hour on A100-SXM4/);
      // Clicking it shows the assumptions and their sources.
      await vscode.commands.executeCommand(lenses[0].command!.command, ...(lenses[0].command!.arguments ?? []));
      const details = await waitFor('the footprint estimate document', () =>
        vscode.workspace.textDocuments.find((d) => d.languageId === 'markdown' && d.getText().includes('GreenML footprint estimate')),
      );
      assert.match(details.getText(), /### Assumptions/);
      await showFile(uri());
    });

    it('the code lens follows greenml.hardware.gpu and greenml.hardware.count', async () => {
      await setGreenmlSetting('hardware.gpu', 'T4');
      await setGreenmlSetting('hardware.count', 4);
      try {
        await waitFor('a code lens for 4× T4', async () => {
          const found = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri(), 10)) ?? [];
          return found.find((lens) => lens.command?.title.includes('on 4× T4'));
        });
      } finally {
        await setGreenmlSetting('hardware.gpu', undefined);
        await setGreenmlSetting('hardware.count', undefined);
      }
    });

    it('follows edits: fixing the code by hand clears the diagnostic', async () => {
      const editor = await showFile(uri());
      const end = positionOf(document, 'output_dir="o"', 'output_dir="o"'.length);
      assert.ok(await editor.edit((builder) => builder.insert(end, ', bf16=True')));
      await waitForDiagnostics(uri(), 'no-mixed-precision', (found) => found.length === 0);
      assert.ok(await editor.edit((builder) => builder.delete(new vscode.Range(end, end.translate(0, ', bf16=True'.length)))));
      assert.ok(!document.getText().includes('bf16=True'));
      await waitForDiagnostics(uri(), 'no-mixed-precision');
    });
  });

  describe('quick fix', () => {
    it('applies "Train with bf16 mixed precision" and the diagnostic goes away', async () => {
      const uri = fileUri('quickfix.py');
      const { document } = await showFile(uri);
      const [diagnostic] = await waitForDiagnostics(uri, 'no-mixed-precision');
      const actions = await codeActionsAt(uri, diagnostic.range);
      const titles = actions.map((a) => a.title);
      assert.ok(titles.includes('Ignore no-mixed-precision on this line'), titles.join(' | '));
      assert.ok(titles.includes('Show documentation for no-mixed-precision'), titles.join(' | '));
      const fix = actions.find((a) => a.title.startsWith('Train with bf16 mixed precision'));
      assert.ok(fix?.edit, `no bf16 quick fix among: ${titles.join(' | ')}`);
      assert.equal(fix.kind?.value, vscode.CodeActionKind.QuickFix.value);
      assert.equal(fix.isPreferred, false, 'an unsafe fix must not be the preferred (auto-applied) fix');
      assert.ok(await vscode.workspace.applyEdit(fix.edit));
      assert.equal(document.lineAt(2).text, 'args = TrainingArguments(output_dir="o", bf16=True)');
      await waitForDiagnostics(uri, 'no-mixed-precision', (found) => found.length === 0);
      await document.save();
      await waitFor('quickfix.py to be saved', () => !document.isDirty);
    });

    it('applies "Ignore … on this line" as a suppression comment', async () => {
      const uri = fileUri('fixall.py');
      const editor = await showFile(uri);
      const document = editor.document;
      const original = document.getText();
      const [diagnostic] = await waitForDiagnostics(uri, 'no-mixed-precision');
      const ignore = (await codeActionsAt(uri, diagnostic.range)).find((a) => a.title === 'Ignore no-mixed-precision on this line');
      assert.ok(ignore?.edit);
      assert.ok(await vscode.workspace.applyEdit(ignore.edit));
      assert.equal(document.lineAt(2).text, 'args = TrainingArguments(output_dir="o")  # greenml: ignore[no-mixed-precision]');
      await waitForDiagnostics(uri, 'no-mixed-precision', (found) => found.length === 0);
      assert.ok(await editor.edit((builder) => builder.replace(new vscode.Range(0, 0, document.lineCount, 0), original)));
      assert.equal(document.getText(), original);
      await waitForDiagnostics(uri, 'no-mixed-precision');
      await document.save();
      await waitFor('fixall.py to be saved', () => !document.isDirty);
    });
  });

  describe('fix all on save (editor.codeActionsOnSave: source.fixAll.greenml)', () => {
    it('applies only safe fixes when the file is saved; unsafe fixes stay suggestions', async () => {
      const uri = fileUri('fixall.py');
      const editor = await showFile(uri);
      const document = editor.document;
      const configured = vscode.workspace.getConfiguration('editor', document).get<Record<string, string>>('codeActionsOnSave');
      assert.deepEqual(configured, { 'source.fixAll.greenml': 'explicit' }, 'the fixture workspace should enable fix-all on save');
      await waitForDiagnostics(uri, 'no-mixed-precision');

      // Make the file dirty as a user would; the diagnostics follow the edit.
      assert.ok(await editor.edit((builder) => builder.insert(new vscode.Position(0, 0), '# edited\n')));
      await waitForDiagnostics(uri, 'no-mixed-precision', (found) => found.length === 1 && found[0].range.start.line === 3);
      // What source.fixAll.greenml offers now is what saving must apply: safe fixes only.
      const fixAll = await codeActionsAt(uri, new vscode.Range(0, 0, document.lineCount, 0), 'source.fixAll.greenml');
      let expected = document.getText();
      if (fixAll.length > 0) {
        const edits = [...(fixAll[0].edit?.get(uri) ?? [])].sort((a, b) => document.offsetAt(b.range.start) - document.offsetAt(a.range.start));
        for (const edit of edits) expected = expected.slice(0, document.offsetAt(edit.range.start)) + edit.newText + expected.slice(document.offsetAt(edit.range.end));
      }
      // A probe beside GreenML's provider proves that saving really asks for source.fixAll.greenml
      // (otherwise "nothing unsafe was applied" would prove nothing).
      let requestedOnSave = false;
      const probe = vscode.languages.registerCodeActionsProvider(
        { language: 'python', pattern: '**/fixall.py' },
        {
          provideCodeActions: (_document, _range, context) => {
            if (context.only?.contains(vscode.CodeActionKind.SourceFixAll.append('greenml'))) requestedOnSave = true;
            return [];
          },
        },
        { providedCodeActionKinds: [vscode.CodeActionKind.SourceFixAll.append('greenml')] },
      );
      try {
        // Save with the Save command (an explicit save, as Ctrl+S).
        await vscode.commands.executeCommand('workbench.action.files.save');
        await waitFor('fixall.py to be saved', () => !document.isDirty, 30_000);
      } finally {
        probe.dispose();
      }
      assert.ok(requestedOnSave, 'saving did not request source.fixAll.greenml code actions');
      assert.equal(document.getText(), expected);
      assert.ok(!document.getText().includes('bf16=True'), 'fix-all on save applied an unsafe fix (bf16=True)');
      await waitForDiagnostics(uri, 'no-mixed-precision');
      note(`source.fixAll.greenml offered ${fixAll.length} action(s) on fixall.py (${fixAll.length === 0 ? 'no rule has a safe fix for it' : fixAll.map((a) => a.title).join(', ')})`);
    });
  });

  describe('notebook', () => {
    let notebook: vscode.NotebookDocument;
    const cell = (index: number) => notebook.cellAt(index).document;

    before(async () => {
      notebook = await vscode.workspace.openNotebookDocument(fileUri('notebook.ipynb'));
      await vscode.window.showNotebookDocument(notebook);
      assert.equal(notebook.notebookType, 'jupyter-notebook');
      assert.equal(cell(2).languageId, 'python');
    });

    it('shows diagnostics on the cell, with names imported in an earlier cell known', async () => {
      const [mixed] = await waitForDiagnostics(cell(2).uri, 'no-mixed-precision');
      assert.equal(cell(2).getText(mixed.range), 'TA(output_dir="o")');
      assert.equal(mixed.range.start.line, 1);
      const [oversized] = await waitForDiagnostics(cell(2).uri, 'oversized-model');
      assert.equal(cell(2).getText(oversized.range), '"bert-large-uncased"');
      assert.equal(greenmlDiagnostics(cell(0).uri).length, 0, `unexpected diagnostics on the first cell: ${describeDiagnostics(cell(0).uri)}`);
    });

    it('hovers a model id inside a cell', async () => {
      const text = await waitFor('a hover on "bert-large-uncased" in cell 3', async () => {
        const value = await hoverText(cell(2).uri, positionOf(cell(2), 'bert-large-uncased', 4));
        return value.includes('bert-large') ? value : undefined;
      });
      assert.match(text, /parameters/);
      assert.match(text, /distilbert/);
    });

    it('applies a quick fix inside the cell', async () => {
      const [diagnostic] = await waitForDiagnostics(cell(2).uri, 'no-mixed-precision');
      const actions = await codeActionsAt(cell(2).uri, diagnostic.range);
      const fix = actions.find((a) => a.title.startsWith('Train with bf16 mixed precision'));
      assert.ok(fix?.edit, actions.map((a) => a.title).join(' | '));
      const firstCell = cell(0).getText();
      assert.ok(await vscode.workspace.applyEdit(fix.edit));
      assert.equal(cell(2).lineAt(1).text, 'args = TA(output_dir="o", bf16=True)');
      assert.equal(cell(0).getText(), firstCell, 'the fix touched another cell');
      await waitForDiagnostics(cell(2).uri, 'no-mixed-precision', (found) => found.length === 0);
    });

    it('"Fix all … in this notebook" fixes every cell in one edit', async () => {
      const other = await vscode.workspace.openNotebookDocument(fileUri('fixall_notebook.ipynb'));
      await vscode.window.showNotebookDocument(other);
      const [first, second] = [other.cellAt(0).document, other.cellAt(1).document];
      await waitForDiagnostics(first.uri, 'no-mixed-precision');
      const [diagnostic] = await waitForDiagnostics(second.uri, 'no-mixed-precision');
      const actions = await codeActionsAt(second.uri, diagnostic.range);
      const all = actions.find((a) => a.title === 'Fix all no-mixed-precision problems in this notebook');
      assert.ok(all?.edit, actions.map((a) => a.title).join(' | '));
      assert.ok(await vscode.workspace.applyEdit(all.edit));
      assert.equal(first.getText(), 'from transformers import TrainingArguments\na = TrainingArguments(output_dir="a", bf16=True)\n');
      assert.equal(second.getText(), 'b = TrainingArguments(output_dir="b", bf16=True)\n');
      await waitForDiagnostics(first.uri, 'no-mixed-precision', (found) => found.length === 0);
      await waitForDiagnostics(second.uri, 'no-mixed-precision', (found) => found.length === 0);
    });
  });

  describe('training config (YAML)', () => {
    it('flags an accelerate config with mixed_precision: \'no\' and fixes it', async () => {
      const uri = fileUri('accelerate_config.yaml');
      const { document } = await showFile(uri);
      assert.equal(document.languageId, 'yaml');
      const [diagnostic] = await waitForDiagnostics(uri, 'no-mixed-precision');
      assert.equal(diagnostic.range.start.line, 2);
      const fix = (await codeActionsAt(uri, diagnostic.range)).find((a) => a.title.startsWith('Train with bf16 mixed precision'));
      assert.ok(fix?.edit);
      assert.ok(await vscode.workspace.applyEdit(fix.edit));
      assert.equal(document.lineAt(2).text, 'mixed_precision: bf16');
      await waitForDiagnostics(uri, 'no-mixed-precision', (found) => found.length === 0);
    });
  });

  describe('training config (JSON)', () => {
    it('flags a DeepSpeed config that enables neither fp16 nor bf16', async () => {
      const uri = fileUri('ds_config.json');
      const { document } = await showFile(uri);
      assert.equal(document.languageId, 'json');
      const [diagnostic] = await waitForDiagnostics(uri, 'no-mixed-precision');
      assert.equal(diagnostic.range.start.line, 1);
    });

    it('closing the editor clears its diagnostics', async () => {
      const uri = fileUri('ds_config.json');
      await showFile(uri);
      await waitForDiagnostics(uri, 'no-mixed-precision');
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
      await waitFor('GreenML diagnostics on the closed ds_config.json to go', () => greenmlDiagnostics(uri).length === 0, 30_000, () => describeDiagnostics(uri));
    });
  });

  describe('untitled editor', () => {
    it('analyses an unsaved Python editor', async () => {
      const document = await vscode.workspace.openTextDocument({ language: 'python', content: 'from transformers import TrainingArguments\nargs = TrainingArguments(output_dir="u")\n' });
      await vscode.window.showTextDocument(document);
      const [diagnostic] = await waitForDiagnostics(document.uri, 'no-mixed-precision');
      assert.equal(diagnostic.range.start.line, 1);
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    });
  });

  describe('settings', () => {
    const uri = () => fileUri('train.py');

    after(async () => {
      await setGreenmlSetting('severity', undefined);
      await setGreenmlSetting('enable', undefined);
    });

    it('greenml.severity {"no-mixed-precision": "error"} turns the warning into an error, and back', async () => {
      await showFile(uri());
      await waitForDiagnostics(uri(), 'no-mixed-precision', (found) => found.length === 1 && found[0].severity === vscode.DiagnosticSeverity.Warning);
      await setGreenmlSetting('severity', { 'no-mixed-precision': 'error' });
      await waitForDiagnostics(uri(), 'no-mixed-precision', (found) => found.length === 1 && found[0].severity === vscode.DiagnosticSeverity.Error);
      // Other rules keep their default severity.
      await waitForDiagnostics(uri(), 'oversized-model', (found) => found.length === 1 && found[0].severity === vscode.DiagnosticSeverity.Information);
      await setGreenmlSetting('severity', { 'no-mixed-precision': 'off' });
      await waitForDiagnostics(uri(), 'no-mixed-precision', (found) => found.length === 0);
      await setGreenmlSetting('severity', undefined);
      await waitForDiagnostics(uri(), 'no-mixed-precision', (found) => found.length === 1 && found[0].severity === vscode.DiagnosticSeverity.Warning);
    });

    it('greenml.severity also applies to notebook cells', async () => {
      const notebook = await vscode.workspace.openNotebookDocument(fileUri('notebook.ipynb'));
      await vscode.window.showNotebookDocument(notebook);
      const cell = notebook.cellAt(2).document;
      await waitForDiagnostics(cell.uri, 'oversized-model', (found) => found.length === 1 && found[0].severity === vscode.DiagnosticSeverity.Information);
      await setGreenmlSetting('severity', { 'oversized-model': 'error' });
      await waitForDiagnostics(cell.uri, 'oversized-model', (found) => found.length === 1 && found[0].severity === vscode.DiagnosticSeverity.Error);
      await setGreenmlSetting('severity', undefined);
      await waitForDiagnostics(cell.uri, 'oversized-model', (found) => found.length === 1 && found[0].severity === vscode.DiagnosticSeverity.Information);
    });

    it('greenml.enable false removes the findings, true brings them back', async () => {
      await showFile(uri());
      await waitForDiagnostics(uri(), 'no-mixed-precision');
      await setGreenmlSetting('enable', false);
      await waitFor('GreenML diagnostics on train.py to disappear', () => greenmlDiagnostics(uri()).length === 0, 30_000, () => describeDiagnostics(uri()));
      await setGreenmlSetting('enable', undefined);
      await waitForDiagnostics(uri(), 'no-mixed-precision');
    });
  });

  describe('pyproject.toml', () => {
    const uri = () => fileUri('project', 'train_project.py');
    const severityOf = (found: vscode.Diagnostic[]) => (found.length === 1 ? found[0].severity : undefined);

    it('[tool.greenml] severity applies in the editor (and wins over greenml.* settings)', async () => {
      await showFile(uri());
      await waitForDiagnostics(uri(), 'no-mixed-precision', (found) => severityOf(found) === vscode.DiagnosticSeverity.Error);
      await setGreenmlSetting('severity', { 'no-mixed-precision': 'info' });
      try {
        // The workspace setting changes train.py, not the file under pyproject.toml.
        await waitForDiagnostics(fileUri('train.py'), 'no-mixed-precision', (found) => severityOf(found) === vscode.DiagnosticSeverity.Information);
        assert.equal(severityOf(greenmlDiagnostics(uri(), 'no-mixed-precision')), vscode.DiagnosticSeverity.Error);
      } finally {
        await setGreenmlSetting('severity', undefined);
      }
    });

    it('an edited and saved pyproject.toml applies to a Python file that is open', async () => {
      await showFile(uri());
      await waitForDiagnostics(uri(), 'no-mixed-precision', (found) => severityOf(found) === vscode.DiagnosticSeverity.Error);
      const toml = await showFile(fileUri('project', 'pyproject.toml'));
      const original = toml.document.getText();
      const at = positionOf(toml.document, '"error"');
      assert.ok(await toml.edit((builder) => builder.replace(new vscode.Range(at, at.translate(0, '"error"'.length)), '"hint"')));
      assert.ok(await toml.document.save());
      try {
        // Back to the script, and type in it, as a user would.
        const editor = await showFile(uri());
        assert.ok(await editor.edit((builder) => builder.insert(new vscode.Position(editor.document.lineCount, 0), '# edited\n')));
        await waitForDiagnostics(uri(), 'no-mixed-precision', (found) => severityOf(found) === vscode.DiagnosticSeverity.Hint, 15_000);
      } finally {
        const restore = await showFile(fileUri('project', 'pyproject.toml'));
        await restore.edit((builder) => builder.replace(new vscode.Range(0, 0, restore.document.lineCount, 0), original));
        await restore.document.save();
      }
    });
  });

  describe('commands', () => {
    it('"Show documentation for …" opens the rule documentation', async () => {
      await vscode.commands.executeCommand('greenml.showRuleDocumentation', 'no-mixed-precision');
      const document = await waitFor('a markdown document with the no-mixed-precision documentation', () =>
        vscode.workspace.textDocuments.find((d) => d.languageId === 'markdown' && d.getText().includes('no-mixed-precision')),
      );
      assert.match(document.getText(), /Why it wastes energy/);
      await waitFor('the markdown preview tab', () =>
        vscode.window.tabGroups.all.flatMap((group) => group.tabs).find((tab) => tab.input instanceof vscode.TabInputWebview || /preview/i.test(tab.label)),
      );
      // Reading documentation must not leave an unsaved editor behind (a "Save changes?" prompt on
      // close, restored by hot exit after a reload).
      const unsaved = vscode.window.tabGroups.all
        .flatMap((group) => group.tabs)
        .filter((tab) => tab.isDirty && tab.input instanceof vscode.TabInputText && tab.input.uri.scheme === 'untitled')
        .map((tab) => tab.label);
      assert.deepEqual(unsaved, [], `the documentation left unsaved untitled editor(s) open: ${unsaved.join(', ')}`);
    });

    it('GreenML: Restart Server brings a working server back', async () => {
      const editor = await showFile(fileUri('quickfix.py'));
      const uri = editor.document.uri;
      await vscode.commands.executeCommand('greenml.restartServer');
      // A second unfixed call, typed after the restart, is reported by the new server.
      assert.ok(await editor.edit((builder) => builder.insert(new vscode.Position(editor.document.lineCount, 0), 'more = TrainingArguments(output_dir="r")\n')));
      const [diagnostic] = await waitForDiagnostics(uri, 'no-mixed-precision', (found) => found.length === 1 && found[0].range.start.line === editor.document.lineCount - 2);
      const titles = (await codeActionsAt(uri, diagnostic.range)).map((a) => a.title);
      assert.ok(titles.some((t) => t.startsWith('Train with bf16 mixed precision')), titles.join(' | '));
    });
  });

  describe('GreenML: Scan Workspace', () => {
    it('fills the Problems panel for files that are not open', async () => {
      const closedPy = fileUri('scan', 'closed_train.py');
      const closedYaml = fileUri('scan', 'closed_accelerate.yaml');
      const closedNotebook = fileUri('scan', 'closed_notebook.ipynb');
      const openUris = new Set(vscode.workspace.textDocuments.map((d) => d.uri.toString()));
      for (const uri of [closedPy, closedYaml, closedNotebook]) {
        assert.ok(!openUris.has(uri.toString()), `${uri.toString()} must not be open before the scan`);
        assert.equal(greenmlDiagnostics(uri).length, 0, `${uri.toString()} has diagnostics before the scan: ${describeDiagnostics(uri)}`);
      }
      const openTrain = fileUri('train.py');
      await showFile(openTrain);
      const before = await waitForDiagnostics(openTrain, 'no-mixed-precision');
      const beforeCount = greenmlDiagnostics(openTrain).length;

      await vscode.commands.executeCommand('greenml.scanWorkspace');

      const [py] = await waitForDiagnostics(closedPy, 'no-mixed-precision');
      assert.equal(py.range.start.line, 3);
      assert.equal(py.severity, vscode.DiagnosticSeverity.Warning);
      const [yaml] = await waitForDiagnostics(closedYaml, 'no-mixed-precision');
      assert.equal(yaml.range.start.line, 2);
      const [nb] = await waitForDiagnostics(closedNotebook, 'no-mixed-precision');
      assert.match(nb.message, /^cell 2, line 1: /);
      // Open files keep their live diagnostics, not a second copy from the scan.
      assert.equal(greenmlDiagnostics(openTrain).length, beforeCount, describeDiagnostics(openTrain));
      assert.equal(before.length, 1);
      // Opening a scanned file hands it over to the live diagnostics (no duplicates).
      await showFile(closedPy);
      await waitForDiagnostics(closedPy, 'no-mixed-precision', (found) => found.length === 1);
      assert.equal(codeOf(greenmlDiagnostics(closedPy)[0]), 'no-mixed-precision');
    });

    it('does not add a second copy of the findings of a notebook that is open', async () => {
      const uri = fileUri('notebook.ipynb');
      const notebook = await vscode.workspace.openNotebookDocument(uri);
      await vscode.window.showNotebookDocument(notebook);
      await waitForDiagnostics(notebook.cellAt(2).document.uri, 'oversized-model');
      await vscode.commands.executeCommand('greenml.scanWorkspace');
      // The scan is done when the command returns; a closed file's findings show that it ran.
      await waitForDiagnostics(fileUri('scan', 'closed_train.py'), 'no-mixed-precision');
      assert.equal(greenmlDiagnostics(uri).length, 0, `the open notebook got scan findings on top of its live cell findings: ${describeDiagnostics(uri)}`);
    });

    it('opening a scanned notebook hands it over to the live cell diagnostics (no duplicates)', async () => {
      const uri = fileUri('scan', 'closed_notebook.ipynb');
      await waitForDiagnostics(uri, 'no-mixed-precision');
      const notebook = await vscode.workspace.openNotebookDocument(uri);
      await vscode.window.showNotebookDocument(notebook);
      await waitForDiagnostics(notebook.cellAt(1).document.uri, 'no-mixed-precision');
      await waitFor('the scan finding on the notebook file itself to go once the notebook is open', () => greenmlDiagnostics(uri).length === 0, 10_000, () => describeDiagnostics(uri));
    });
  });
});
