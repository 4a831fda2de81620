// A transparent, deliberately simple footprint estimate for the code lens on training calls:
//   energy (kWh/h)   = GPU board power (W) × GPU count × PUE / 1000      (Green Algorithms' GPU term)
//   CO2e (kg/h)      = energy × grid intensity (gCO2e/kWh) / 1000
// Every constant it uses is written into `assumptions` with its source tag, so users can check each one.
import {
  Gpu,
  Provider,
  Region,
  datasetOf,
  findGpu,
  findRegion,
  isProvider,
  pueDefault,
  worldAverageIntensity,
} from './index';

export interface FootprintInput {
  /** GPU model as the user wrote it ("A100", "NVIDIA A100-SXM4-80GB", "nvidia-tesla-t4"). */
  gpu: string;
  gpuCount?: number;
  /** "gcp" | "aws" | "azure"; anything else gets the unknown-provider PUE. */
  provider?: string;
  region?: string;
  /** Run length; when given, per-run figures are added. */
  hours?: number;
}

export interface Footprint {
  kwhPerHour: number;
  kgCo2ePerHour: number;
  kwhPerRun?: number;
  kgCo2ePerRun?: number;
  /** Human-readable, one per constant or simplification, each ending with its source tag. */
  assumptions: string[];
  /** Source tags used, in order of first use (resolve with formatSource). */
  sources: string[];
  /** What the inputs resolved to, for display. */
  gpu: Gpu;
  region?: Region;
  pue: number;
  gco2PerKwh: number;
}

export function estimateFootprint(input: FootprintInput): Footprint {
  const gpuCount = input.gpuCount ?? 1;
  if (!Number.isFinite(gpuCount) || gpuCount <= 0) throw new RangeError(`gpuCount must be positive, got ${gpuCount}`);
  if (input.hours !== undefined && (!Number.isFinite(input.hours) || input.hours < 0)) {
    throw new RangeError(`hours must be zero or more, got ${input.hours}`);
  }

  const assumptions: string[] = [];
  const sources: string[] = [];
  const cite = (tag: string): string => {
    if (!sources.includes(tag)) sources.push(tag);
    return `[${tag}]`;
  };

  // GPU power. Board power is the ceiling a card may draw, so the estimate is an upper bound for the GPUs.
  const gpu = findGpu(input.gpu);
  const known = gpu.id !== 'Any' || input.gpu.trim().toLowerCase() === 'any';
  assumptions.push(
    known
      ? `GPU ${gpu.id}: ${gpu.watts} W board power (TDP) per GPU ${cite(gpu.source)}.`
      : `GPU "${input.gpu}" is not in the catalogue: using the Green Algorithms default for an unknown GPU, ${gpu.watts} W ${cite(gpu.source)}.`,
  );
  assumptions.push(
    `${gpuCount} GPU${gpuCount === 1 ? '' : 's'} drawing full board power the whole time: an upper bound, real draw is usually lower.`,
  );
  assumptions.push('Only GPU power is counted; CPU, memory, storage and networking are left out.');

  // Region first: a recognised region also tells us the provider when none was given.
  const requested = input.provider?.trim().toLowerCase();
  const provider: Provider | undefined = isProvider(requested) ? requested : undefined;
  const region = input.region ? findRegion(provider, input.region) : undefined;

  const pue = pueDefault(provider ?? region?.provider ?? requested);
  assumptions.push(
    pue.key === 'unknown'
      ? `PUE ${pue.value}: Green Algorithms v3.0 default when the provider is unknown (Uptime Institute 2024 survey) ${cite(pue.source)}.`
      : `PUE ${pue.value}: Green Algorithms v3.0 default for ${pue.key} ${cite(pue.source)}.`,
  );

  let gco2PerKwh: number;
  if (region) {
    const dataset = datasetOf(region);
    gco2PerKwh = region.gco2PerKwh;
    const year = dataset.year !== null ? `, ${dataset.year}` : '';
    assumptions.push(
      `Grid carbon intensity ${gco2PerKwh} gCO2e/kWh for ${region.provider} ${region.id} (${region.location}), ` +
        `from ${dataset.name}${year} ${cite(dataset.source)}.`,
    );
  } else {
    const world = worldAverageIntensity();
    gco2PerKwh = world.gco2PerKwh;
    const why = input.region ? `Region "${input.region}" is not in the catalogue` : 'Region unknown';
    assumptions.push(`${why}: world-average grid carbon intensity ${gco2PerKwh} gCO2e/kWh, ${world.note} ${cite(world.source)}.`);
  }

  const kwhPerHour = (gpu.watts * gpuCount * pue.value) / 1000;
  const kgCo2ePerHour = (kwhPerHour * gco2PerKwh) / 1000;
  const result: Footprint = { kwhPerHour, kgCo2ePerHour, assumptions, sources, gpu, pue: pue.value, gco2PerKwh };
  if (region) result.region = region;
  if (input.hours !== undefined) {
    result.kwhPerRun = kwhPerHour * input.hours;
    result.kgCo2ePerRun = kgCo2ePerHour * input.hours;
    assumptions.push(`Run length ${input.hours} h, as given.`);
  }
  return result;
}
