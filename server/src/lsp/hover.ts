import type { Hover, Position } from 'vscode-languageserver/node';
import type { Analysis } from '../engine/analyze';
import type { ConfigNode } from '../engine/config/source';
import { ruleById } from '../engine/registry';
import { LineIndex } from '../engine/text';
import { cleanerRegion, datasetOf, findModel, findRegion, formatSource, modelAlternatives, type ModelEntry, type Region } from '../knowledge/index';
import { renderRuleMarkdown } from '../engine/rule-docs';

/** A string value under the cursor: a Python string literal or a config scalar, with its range. */
interface Hit {
  value: string;
  start: number;
  end: number;
}

function pythonStringAt(analysis: Extract<Analysis, { kind: 'python' | 'notebook' }>, offset: number): Hit | null {
  for (const node of analysis.python.nodes('string')) {
    if (offset < node.start || offset > node.end) continue;
    const value = analysis.python.stringLiteral(node);
    if (value !== undefined) return { value, start: node.start, end: node.end };
  }
  return null;
}

function configScalarAt(node: ConfigNode | null, offset: number): Hit | null {
  if (!node || offset < node.start || offset > node.end) return null;
  if (node.kind === 'scalar') return typeof node.value === 'string' ? { value: node.value, start: node.start, end: node.end } : null;
  const children = node.kind === 'map' ? node.entries.map((e) => e.value) : node.items;
  for (const child of children) {
    const hit = configScalarAt(child, offset);
    if (hit) return hit;
  }
  return null;
}

function millions(parameters: number | null, text: string | null): string {
  if (text) return text;
  return parameters === null ? 'not published' : `${(parameters / 1e6).toFixed(0)}M`;
}

export function modelHoverMarkdown(model: ModelEntry): string {
  const lines = [`**${model.id}** — ${millions(model.parameters, model.parametersText)} parameters`];
  if (model.quality) lines.push(`Quality: ${model.quality}`);
  if (model.speed && model.speed !== 'reference') lines.push(`Speed/size: ${model.speed}`);
  lines.push(`Source: ${formatSource(model.source)}`);
  const alternatives = modelAlternatives(model);
  if (alternatives.length > 0) {
    lines.push('', model.oversized ? '**Smaller or distilled alternatives**' : '**Alternatives**');
    for (const alternative of alternatives) lines.push(`- \`${alternative.id}\`: ${alternative.claim} — ${formatSource(alternative.source)}`);
  }
  return lines.join('\n\n');
}

export function regionHoverMarkdown(region: Region): string {
  const dataset = datasetOf(region);
  const year = dataset.year ? `, ${dataset.year}` : '';
  const lines = [`**${region.provider.toUpperCase()} ${region.id}** (${region.location}) — grid intensity ${region.gco2PerKwh} gCO2e/kWh (${dataset.name}${year})`];
  const cleaner = cleanerRegion(region);
  if (cleaner) {
    const ratio = ((1 - cleaner.gco2PerKwh / region.gco2PerKwh) * 100).toFixed(0);
    lines.push(`Cleanest region in ${region.geography}: **${cleaner.id}** (${cleaner.location}) at ${cleaner.gco2PerKwh} gCO2e/kWh, ${ratio}% less CO2e per kWh.`);
  }
  lines.push(`Source: ${formatSource(dataset.source)}`);
  return lines.join('\n\n');
}

/** Hover for a model id, a cloud region, or a suppression comment under the cursor. */
export function hoverAt(analysis: Analysis, position: Position, lines: LineIndex, cellOffset = 0): Hover | null {
  const offset = cellOffset + lines.offsetAt(position);
  const lineText = lines.lineText(position.line);
  const directive = /#\s*greenml:\s*ignore\[([^\]]*)\]/.exec(lineText);
  if (directive && position.character >= directive.index) {
    const docs = directive[1].split(',').map((id) => ruleById(id.trim())).filter((r) => r !== undefined);
    if (docs.length > 0) return { contents: { kind: 'markdown', value: docs.map((r) => renderRuleMarkdown(r)).join('\n\n---\n\n') } };
  }
  let hit: Hit | null = null;
  if (analysis.kind === 'python' || analysis.kind === 'notebook') hit = pythonStringAt(analysis, offset);
  else if (analysis.kind === 'config') hit = configScalarAt(analysis.config.root, offset);
  if (!hit) return null;
  const range = { start: lines.positionAt(hit.start - cellOffset), end: lines.positionAt(hit.end - cellOffset) };
  const model = findModel(hit.value);
  if (model) return { contents: { kind: 'markdown', value: modelHoverMarkdown(model) }, range };
  const region = findRegion(undefined, hit.value);
  if (region) return { contents: { kind: 'markdown', value: regionHoverMarkdown(region) }, range };
  return null;
}
