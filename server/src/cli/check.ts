import { documentKindOf } from '../engine/analyze';
import { lintDocument } from '../engine/lint';
import { initPythonParser } from '../engine/python/parser';
import { RULE_IDS } from '../engine/registry';
import type { LintResult } from '../engine/types';
import type { CheckOptions } from './args';
import { discoverFiles } from './files';
import { fixText, writeFileAtomic } from './fix-files';
import { formatJson } from './format-json';
import { formatSarif } from './format-sarif';
import { formatText } from './format-text';
import type { CliIo } from './io';
import { ProjectSettings } from './project-settings';
import { readSource } from './read-source';
import { failsCheck, type CheckReport } from './report';

function firstLine(text: string): string {
  return text.split('\n')[0].trim();
}

/** Runs `greenml check`: finds files, (fixes and) lints them, prints the report, returns the exit code. */
export async function runCheck(options: CheckOptions, io: CliIo): Promise<number> {
  const warn = (message: string) => io.stderr(`greenml: warning: ${message}\n`);
  const discovery = discoverFiles(options.paths, io.cwd, warn);
  const settingsFor = new ProjectSettings(RULE_IDS, { select: options.select, ignore: options.ignore }, io.cwd, warn);
  const report: CheckReport = { files: [], errors: [], fixes: options.fix === 'none' ? null : { applied: 0, files: 0 } };
  report.errors.push(...discovery.problems.map((p) => ({ path: p.display, message: p.message })));
  let parserReady = false;

  for (const file of discovery.files) {
    const kind = documentKindOf(file.path);
    if (!kind) {
      report.errors.push({ path: file.display, message: 'not a Python, notebook, YAML or JSON file (by its extension); not checked' });
      continue;
    }
    const source = readSource(file.path);
    if (!source.ok) {
      report.errors.push({ path: file.display, message: source.message });
      continue;
    }
    if (!parserReady && (kind === 'python' || kind === 'notebook')) {
      await initPythonParser();
      parserReady = true;
    }
    const settings = settingsFor.forFile(file.path);
    let text = source.text;
    let result: LintResult;
    try {
      if (report.fixes) {
        const fixed = fixText(kind, text, settings, options.fix === 'all');
        if (fixed.changed) {
          try {
            writeFileAtomic(file.path, source.bom ? `\uFEFF${fixed.text}` : fixed.text);
            text = fixed.text;
            report.fixes.applied += fixed.applied;
            report.fixes.files++;
          } catch (error) {
            report.errors.push({ path: file.display, message: `could not write fixes: ${error instanceof Error ? error.message : String(error)}` });
          }
        }
      }
      result = lintDocument(kind, text, settings);
    } catch (error) {
      report.errors.push({ path: file.display, message: `internal error while checking: ${error instanceof Error ? firstLine(error.message) : String(error)}` });
      continue;
    }
    for (const failure of result.ruleErrors) warn(`rule ${failure.rule} failed on ${file.display}: ${firstLine(failure.message)} (its findings are missing)`);
    if (result.error !== undefined) report.errors.push({ path: file.display, message: result.error });
    if (result.findings.length > 0) report.files.push({ path: file.display, findings: result.findings });
  }
  report.errors.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  switch (options.format) {
    case 'json':
      io.stdout(formatJson(report));
      break;
    case 'sarif':
      io.stdout(formatSarif(report, io.cwd));
      break;
    default:
      io.stdout(formatText(report, { color: io.color }));
  }

  if (options.exitZero) return 0;
  const failing = report.files.some((f) => f.findings.some((finding) => failsCheck(finding.severity)));
  return failing || report.errors.length > 0 ? 1 : 0;
}
