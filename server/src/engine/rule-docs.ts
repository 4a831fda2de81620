import type { DocExample, Rule } from './rule';

/** Where each rule's documentation is published (docs/rules/<id>.md): diagnostics and SARIF link to it. */
export function ruleDocsUrl(ruleId: string): string {
  return `https://github.com/greenml/greenml/blob/main/docs/rules/${ruleId}.md`;
}

/** How a rule's fixes read in one phrase, e.g. "safe fix", "unsafe fix for some findings", "no fix". */
export function describeFix(rule: Rule): string {
  if (rule.fixAvailability === 'never' || rule.fixSafety === 'none') return 'no fix';
  const safety = rule.fixSafety === 'mixed' ? 'safe or unsafe fix (depends on the finding)' : `${rule.fixSafety} fix`;
  return rule.fixAvailability === 'sometimes' ? `${safety}, for some findings` : safety;
}

function fence(example: DocExample): string {
  // trimEnd, not /\s+$/: that regex is quadratic on long runs of spaces (test/reliability/security).
  const code = example.code.trimEnd();
  const ticks = code.includes('```') ? '````' : '```';
  return `${ticks}${example.language}\n${code}\n${ticks}`;
}

function paragraph(text: string): string {
  return text.trim();
}

/**
 * A rule's documentation as markdown: the title, severity and fix, then the fixed headings "What
 * it does", "Why it wastes energy", "Example", "Use instead", "Fix safety", "Sources". Used by
 * `greenml rule <id>`, SARIF help, and to write docs/rules/<id>.md.
 */
export function renderRuleMarkdown(rule: Rule): string {
  const sections = [
    `# ${rule.id}`,
    `**${rule.title}**`,
    [`- Default severity: ${rule.defaultSeverity}`, `- Fix: ${describeFix(rule)}`, `- Checks: ${rule.sources.map((s) => (s === 'python' ? 'Python and notebooks' : 'YAML and JSON configs')).join(', ')}`].join('\n'),
    `## What it does\n\n${paragraph(rule.docs.whatItDoes)}`,
    `## Why it wastes energy\n\n${paragraph(rule.docs.whyItWastesEnergy)}`,
    `## Example\n\n${fence(rule.docs.example)}`,
    `## Use instead\n\n${fence(rule.docs.useInstead)}`,
    `## Fix safety\n\n${paragraph(rule.docs.fixSafety)}`,
    `## Sources\n\n${rule.docs.sources.length > 0 ? rule.docs.sources.map((s) => `- ${s.trim()}`).join('\n') : '- (none)'}`,
  ];
  return `${sections.join('\n\n')}\n`;
}

/** The same documentation as plain text (no markdown syntax), for SARIF `help.text`. */
export function renderRulePlainText(rule: Rule): string {
  const indent = (code: string) => code.trimEnd().split('\n').map((l) => `    ${l}`).join('\n');
  const sections = [
    `${rule.id}: ${rule.title}`,
    `Default severity: ${rule.defaultSeverity}. Fix: ${describeFix(rule)}.`,
    `What it does:\n${paragraph(rule.docs.whatItDoes)}`,
    `Why it wastes energy:\n${paragraph(rule.docs.whyItWastesEnergy)}`,
    `Example:\n${indent(rule.docs.example.code)}`,
    `Use instead:\n${indent(rule.docs.useInstead.code)}`,
    `Fix safety:\n${paragraph(rule.docs.fixSafety)}`,
    `Sources:\n${rule.docs.sources.map((s) => `- ${s.trim()}`).join('\n')}`,
  ];
  return `${sections.join('\n\n')}\n`;
}

/** `greenml rules`: one line per rule — id, default severity, fix, title — in aligned columns. */
export function renderRuleList(rules: readonly Rule[]): string {
  if (rules.length === 0) return '';
  const idWidth = Math.max(...rules.map((r) => r.id.length));
  const severityWidth = Math.max(...rules.map((r) => r.defaultSeverity.length));
  const fixWidth = Math.max(...rules.map((r) => describeFix(r).length));
  return rules.map((r) => `${r.id.padEnd(idWidth)}  ${r.defaultSeverity.padEnd(severityWidth)}  ${describeFix(r).padEnd(fixWidth)}  ${r.title}\n`).join('');
}
