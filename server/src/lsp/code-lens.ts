import type { CodeLens } from 'vscode-languageserver/node';
import type { Settings } from '../engine/settings';
import { LineIndex } from '../engine/text';
import { estimateFootprint, type Footprint } from '../knowledge/estimate';
import { formatSource } from '../knowledge/index';
import { trainingEntryPoints } from '../rules/shared/training-entry-points';
import type { CommandIds } from './commands';
import type { Target, Workspace } from './workspace';

function round(value: number): string {
  return value >= 10 ? value.toFixed(0) : value >= 1 ? value.toFixed(1) : value.toPrecision(2);
}

/** The lens title: energy and CO2e per GPU-hour on the configured hardware and region. */
export function lensTitle(footprint: Footprint, settings: Settings): string {
  const where = footprint.region ? `${footprint.region.provider} ${footprint.region.id}` : 'an unknown region (world average grid)';
  const gpus = settings.hardware.count > 1 ? `${settings.hardware.count}× ${footprint.gpu.id}` : footprint.gpu.id;
  return `≈ ${round(footprint.kwhPerHour)} kWh · ${round(footprint.kgCo2ePerHour)} kg CO2e per hour on ${gpus} in ${where}`;
}

/** Markdown shown when the lens is clicked: every assumption with its source. */
export function estimateDetails(footprint: Footprint): string {
  return [
    '## GreenML footprint estimate',
    `Energy: ${round(footprint.kwhPerHour)} kWh per hour; emissions: ${round(footprint.kgCo2ePerHour)} kg CO2e per hour (grid ${footprint.gco2PerKwh} gCO2e/kWh, PUE ${footprint.pue}).`,
    '### Assumptions',
    ...footprint.assumptions.map((a) => `- ${a}`),
    '### Sources',
    ...footprint.sources.map((s) => `- ${formatSource(s)}`),
  ].join('\n');
}

/** A lens above each training entry point of the document (for notebooks: of this cell). */
export function codeLenses(workspace: Workspace, target: Target, uri: string, settings: Settings, commands: CommandIds): CodeLens[] {
  const analysis = workspace.analysisOf(target);
  if (analysis.kind !== 'python' && analysis.kind !== 'notebook') return [];
  const footprint = estimateFootprint({
    gpu: settings.hardware.gpu,
    gpuCount: settings.hardware.count,
    provider: settings.region.provider ?? undefined,
    region: settings.region.id ?? undefined,
  });
  const title = lensTitle(footprint, settings);
  const details = estimateDetails(footprint);
  let lines = analysis.python.lines;
  let offset = 0;
  let limit = analysis.python.text.length;
  if (analysis.kind === 'notebook') {
    const cell = target.kind === 'notebook' ? target.cells.find((c) => c.uri === uri) : undefined;
    const span = cell ? analysis.notebook.spans.find((s) => s.cell.index === cell.index) : undefined;
    if (!span) return [];
    lines = new LineIndex(span.cell.source);
    offset = span.start;
    limit = span.end;
  }
  return trainingEntryPoints(analysis.python)
    .filter((entry) => entry.node.start >= offset && entry.node.start <= limit)
    .map((entry) => {
      const position = lines.positionAt(entry.node.start - offset);
      return {
        range: { start: position, end: position },
        command: { title, command: commands.showEstimate, arguments: [details] },
      };
    });
}
