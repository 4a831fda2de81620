import { CodeActionKind, type CodeAction, type CodeActionParams, type Diagnostic, type TextEdit, type WorkspaceEdit } from 'vscode-languageserver/node';
import { compatibleFixes } from '../engine/fixes';
import { placeFindings, type RawFinding } from '../engine/lint';
import { ruleById } from '../engine/registry';
import type { Settings } from '../engine/settings';
import type { CommandIds } from './commands';
import { isDiagnosticData, toTextEdits } from './convert';
import type { Target, Workspace } from './workspace';

export const FIX_ALL_KIND = `${CodeActionKind.SourceFixAll}.greenml`;
export const NOTEBOOK_FIX_ALL_KIND = 'notebook.source.fixAll.greenml';

function wants(only: string[] | undefined, kind: string): boolean {
  return !only || only.some((requested) => kind === requested || kind.startsWith(`${requested}.`));
}

/**
 * One edit set for the chosen findings: for a notebook it spans all its cells at once, never one
 * request per cell (applied per cell in parallel, such edits garble cells).
 */
function fixAllEdit(workspace: Workspace, target: Target, settings: Settings, keep: (finding: RawFinding) => boolean, onlyUri?: string): { edit: WorkspaceEdit; fixes: number } | null {
  const { raw } = workspace.lint(target, settings);
  const candidates = raw.findings.filter((f) => f.fix && keep(f));
  const chosenFixes = new Set(compatibleFixes(candidates.map((f) => f.fix!)));
  const chosen = candidates.filter((f) => chosenFixes.has(f.fix!));
  if (chosen.length === 0) return null;
  const placed = placeFindings({ ...raw, findings: chosen });
  const changes: Record<string, TextEdit[]> = {};
  let fixes = 0;
  for (const finding of placed.findings) {
    if (!finding.fix) continue;
    const uri = target.kind === 'text' ? target.uri : target.cells.find((c) => c.index === finding.cell)?.uri;
    if (!uri || (onlyUri && uri !== onlyUri)) continue;
    (changes[uri] ??= []).push(...toTextEdits(finding.fix));
    fixes++;
  }
  return fixes > 0 ? { edit: { changes }, fixes } : null;
}

/** `# greenml: ignore[rule]` at the end of the diagnostic's line, or the rule added to one already there. */
function ignoreEdit(lineText: string, line: number, rule: string): TextEdit | null {
  const existing = /#\s*greenml:\s*ignore\[([^\]]*)\]/.exec(lineText);
  if (existing) {
    const close = existing.index + existing[0].length - 1;
    const separator = existing[1].trim() === '' ? '' : ', ';
    return { range: { start: { line, character: close }, end: { line, character: close } }, newText: `${separator}${rule}` };
  }
  // A comment after a line continuation would end the statement there.
  if (/\\\s*$/.test(lineText)) return null;
  const end = lineText.length;
  return { range: { start: { line, character: end }, end: { line, character: end } }, newText: `  # greenml: ignore[${rule}]` };
}

export function codeActions(workspace: Workspace, params: CodeActionParams, settings: Settings, commands: CommandIds): CodeAction[] {
  const uri = params.textDocument.uri;
  const target = workspace.targetOf(uri);
  if (!target) return [];
  const only = params.context.only;
  const actions: CodeAction[] = [];
  const ours = params.context.diagnostics.filter((d) => d.source === 'greenml' && isDiagnosticData(d.data));

  if (wants(only, CodeActionKind.QuickFix)) {
    const document = target.kind === 'text' ? target.document : target.cells.find((c) => c.uri === uri)?.document;
    const commentable = !(target.kind === 'text' && target.documentKind === 'json');
    const seenRules = new Set<string>();
    for (const diagnostic of ours) {
      const data = diagnostic.data as { rule: string; fix: { title: string; safety: string; edits: { range: Diagnostic['range']; newText: string }[] } | null };
      if (data.fix) {
        actions.push({
          title: data.fix.safety === 'safe' ? data.fix.title : `${data.fix.title} (changes results)`,
          kind: CodeActionKind.QuickFix,
          diagnostics: [diagnostic],
          isPreferred: data.fix.safety === 'safe',
          edit: { changes: { [uri]: data.fix.edits.map((e) => ({ range: e.range, newText: e.newText })) } },
        });
      }
      if (!seenRules.has(data.rule)) {
        seenRules.add(data.rule);
        // Offered when more than one finding of the rule can be fixed at once.
        const all = fixAllEdit(workspace, target, settings, (f) => f.rule === data.rule);
        if (all && all.fixes > 1) {
          actions.push({ title: `Fix all ${data.rule} problems in this ${target.kind === 'notebook' ? 'notebook' : 'file'}`, kind: CodeActionKind.QuickFix, edit: all.edit });
        }
      }
      if (commentable && document) {
        const line = diagnostic.range.start.line;
        const lineText = document.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } }).replace(/\r?\n$/, '');
        const edit = ignoreEdit(lineText, line, data.rule);
        if (edit) actions.push({ title: `Ignore ${data.rule} on this line`, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], edit: { changes: { [uri]: [edit] } } });
      }
      const rule = ruleById(data.rule);
      if (rule) actions.push({ title: `Show documentation for ${data.rule}`, kind: CodeActionKind.QuickFix, command: { title: `Show documentation for ${data.rule}`, command: commands.showDocs, arguments: [data.rule] } });
    }
  }

  const safeOnly = (f: RawFinding) => f.fix?.safety === 'safe';
  if (only && wants(only, FIX_ALL_KIND)) {
    const all = fixAllEdit(workspace, target, settings, safeOnly, target.kind === 'notebook' ? uri : undefined);
    if (all) actions.push({ title: 'GreenML: Fix all safe problems', kind: FIX_ALL_KIND, edit: all.edit });
  }
  if (only && target.kind === 'notebook' && wants(only, NOTEBOOK_FIX_ALL_KIND)) {
    const all = fixAllEdit(workspace, target, settings, safeOnly);
    if (all) actions.push({ title: 'GreenML: Fix all safe problems in the notebook', kind: NOTEBOOK_FIX_ALL_KIND, edit: all.edit });
  }
  return actions;
}
