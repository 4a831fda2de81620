import { isAbsolute, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { RULES } from '../engine/registry';
import type { Rule } from '../engine/rule';
import type { Finding, Severity } from '../engine/types';
import { oneBased } from './positions';
import type { CheckReport } from './report';
import { renderRuleMarkdown, renderRulePlainText, ruleDocsUrl } from '../engine/rule-docs';
import { VERSION } from './version';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const INFORMATION_URI = 'https://github.com/greenml/greenml';


function level(severity: Severity): 'error' | 'warning' | 'note' {
  return severity === 'error' ? 'error' : severity === 'warning' ? 'warning' : 'note';
}

/** `train-from-scratch` → `TrainFromScratch` (SARIF's reportingDescriptor.name). */
function pascalCase(id: string): string {
  return id.split(/[^A-Za-z0-9]+/).filter(Boolean).map((w) => w[0].toUpperCase() + w.slice(1)).join('');
}

/** A relative path as a URI reference with forward slashes; a path outside the folder as a file: URI. */
function artifactUri(path: string, cwd: string): string {
  const absolute = isAbsolute(path);
  const rel = absolute ? relative(cwd, path) : path;
  if (absolute && (rel.startsWith('..') || isAbsolute(rel))) return pathToFileURL(path).href;
  return rel.split(sep).join('/').split('/').map(encodeURIComponent).join('/');
}

function ruleDescriptor(rule: Rule): Record<string, unknown> {
  return {
    id: rule.id,
    name: pascalCase(rule.id),
    shortDescription: { text: rule.title },
    fullDescription: { text: rule.docs.whatItDoes.trim() },
    help: { text: renderRulePlainText(rule), markdown: renderRuleMarkdown(rule) },
    helpUri: ruleDocsUrl(rule.id),
    defaultConfiguration: { level: level(rule.defaultSeverity) },
    properties: { fixAvailability: rule.fixAvailability, fixSafety: rule.fixSafety },
  };
}

function region(range: Finding['range']): Record<string, number> {
  const { line, column, endLine, endColumn } = oneBased(range);
  return { startLine: line, startColumn: column, endLine, endColumn };
}

function result(finding: Finding, uri: string, ruleIndex: Map<string, number>): Record<string, unknown> {
  const out: Record<string, unknown> = { ruleId: finding.rule };
  const index = ruleIndex.get(finding.rule);
  if (index !== undefined) out.ruleIndex = index;
  out.level = level(finding.severity);
  out.message = { text: finding.message };
  out.locations = [{ physicalLocation: { artifactLocation: { uri }, region: region(finding.range) } }];
  if (finding.fix) {
    out.fixes = [
      {
        description: { text: finding.fix.title },
        artifactChanges: [
          {
            artifactLocation: { uri },
            replacements: finding.fix.edits.map((edit) => ({ deletedRegion: region(edit.range), insertedContent: { text: edit.newText } })),
          },
        ],
        properties: { safety: finding.fix.safety },
      },
    ];
  }
  if (finding.cell !== undefined) out.properties = { cell: finding.cell };
  return out;
}

/**
 * SARIF 2.1.0: one run; every registered rule in tool.driver.rules; regions of notebook findings
 * are within their cell (`properties.cell`, the 0-based index into the notebook's cells); files that
 * could not be checked are tool execution notifications.
 */
export function formatSarif(report: CheckReport, cwd: string = process.cwd(), rules: readonly Rule[] = RULES): string {
  const ruleIndex = new Map(rules.map((rule, index) => [rule.id, index]));
  const sarif = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'GreenML',
            version: VERSION,
            semanticVersion: VERSION,
            informationUri: INFORMATION_URI,
            rules: rules.map(ruleDescriptor),
          },
        },
        invocations: [
          {
            executionSuccessful: report.errors.length === 0,
            toolExecutionNotifications: report.errors.map((error) => ({
              level: 'error',
              message: { text: error.message },
              locations: [{ physicalLocation: { artifactLocation: { uri: artifactUri(error.path, cwd) } } }],
            })),
          },
        ],
        columnKind: 'utf16CodeUnits',
        results: report.files.flatMap((file) => {
          const uri = artifactUri(file.path, cwd);
          return file.findings.map((finding) => result(finding, uri, ruleIndex));
        }),
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
