// Typed access to GreenML's knowledge base. The figures live only in the JSON files next to this module,
// which were transcribed from the team's facts sheet with a source tag on every entry, so that hovers
// and rule messages can quote a figure together with where it comes from and never restate numbers of their own.
import modelsJson from './models.json';
import regionsJson from './regions.json';
import gpusJson from './gpus.json';
import sourcesJson from './sources.json';

export type ModelKind = 'hf' | 'sentence-transformers' | 'torchvision' | 'timm' | 'keras';
export type Provider = 'gcp' | 'aws' | 'azure';
export type Geography = 'Americas' | 'Europe' | 'Asia-Pacific' | 'Middle East & Africa';

/** A source from the facts sheet's index. `url` is null when the sheet names a document but gives no address. */
export interface SourceRef {
  title: string;
  url: string | null;
}

/** A smaller or distilled checkpoint. `claim` is true as published and names what each figure is relative to. */
export interface Alternative {
  id: string;
  claim: string;
  source: string;
}

export interface ModelEntry {
  /** Canonical id as written in the facts sheet: Hub id, torchvision builder, timm name or `keras.applications.X`. */
  id: string;
  /** Other spellings of the very same checkpoint (legacy Hub ids without an org, `tf.keras...`). */
  aliases: string[];
  kind: ModelKind;
  /** Null when the facts sheet publishes no (verified) count. */
  parameters: number | null;
  parametersText: string | null;
  /** Published size on disk in MB, where the source table gives one. */
  sizeMb?: number;
  quality: string | null;
  speed: string | null;
  oversized: boolean;
  alternatives: Alternative[];
  source: string;
  /** Further sources behind some of the figures above. */
  otherSources?: string[];
  note?: string;
}

export interface ResolvedAlternative extends Alternative {
  model: ModelEntry;
}

export interface Region {
  provider: Provider;
  /** Programmatic region name (`us-central1`, `eu-west-1`, `westeurope`). */
  id: string;
  aliases: string[];
  /** City/area, or for Azure the display name (`West Europe`). */
  location: string;
  geography: Geography;
  gco2PerKwh: number;
  /** Key into the datasets table: which data set (and year) the intensity comes from. */
  dataset: string;
  note?: string;
}

export interface Dataset {
  name: string;
  year: number | null;
  source: string;
}

export interface Gpu {
  id: string;
  names: string[];
  /** Maximum board power (TDP); drawn only at full load. */
  watts: number;
  source: string;
  note?: string;
}

export interface PueDefault {
  value: number;
  /** Which table row was used: the provider, or `unknown`. */
  key: Provider | 'unknown';
  source: string;
}

export interface WorldAverage {
  gco2PerKwh: number;
  source: string;
  note: string;
}

// JSON imports are typed structurally by the compiler; these casts pin them to the documented schema,
// which test/unit/knowledge.test.ts checks against the data.
const MODELS = (modelsJson as { models: ModelEntry[] }).models;
const REGIONS = (regionsJson as { regions: Region[] }).regions;
const DATASETS = (regionsJson as { datasets: Record<string, Dataset> }).datasets;
const WORLD = (regionsJson as { worldAverage: WorldAverage }).worldAverage;
const GPUS = (gpusJson as { gpus: Gpu[] }).gpus;
const PUE = (gpusJson as { pue: { values: Record<Provider | 'unknown', number>; source: string } }).pue;
const SOURCES = sourcesJson as Record<string, SourceRef>;

const PROVIDERS: readonly Provider[] = ['gcp', 'aws', 'azure'];

export function isProvider(value: string | undefined): value is Provider {
  return value !== undefined && (PROVIDERS as readonly string[]).includes(value);
}

// ---------------------------------------------------------------------------------------------------------
// Models

/**
 * Hub URLs are accepted as long as they name the repo only (`https://huggingface.co/gpt2-xl`); anything after
 * the id (`/tree/<rev>`, file paths) makes the key differ, so no lookup ever matches on a substring.
 */
const HUB_URL_PREFIX = /^(?:https?:\/\/)?(?:www\.)?(?:huggingface\.co|hf\.co)\//i;

function modelKey(id: string): string {
  // Trailing slashes cut with a loop: /\/+$/ took seconds on a string literal of many slashes
  // (it retries from every slash), and ids come from the user's code (test/reliability/security).
  const key = id.trim().replace(HUB_URL_PREFIX, '');
  let end = key.length;
  while (end > 0 && key.charCodeAt(end - 1) === 0x2f) end--;
  return key.slice(0, end).toLowerCase();
}

const modelIndex = new Map<string, ModelEntry>();
for (const entry of MODELS) {
  for (const name of [entry.id, ...entry.aliases]) {
    // The first spelling wins; the unit test rejects duplicates so this only matters for a broken edit.
    if (!modelIndex.has(modelKey(name))) modelIndex.set(modelKey(name), entry);
  }
}

export function allModels(): readonly ModelEntry[] {
  return MODELS;
}

/** Exact, case-insensitive match on the id or an alias. */
export function findModel(id: string): ModelEntry | undefined {
  return modelIndex.get(modelKey(id));
}

/** The entry's alternatives, each with its own catalogue entry (alternatives are always catalogued). */
export function modelAlternatives(entry: ModelEntry): ResolvedAlternative[] {
  const out: ResolvedAlternative[] = [];
  for (const alt of entry.alternatives) {
    const model = findModel(alt.id);
    if (model) out.push({ ...alt, model });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Sources

export function allSourceTags(): string[] {
  return Object.keys(SOURCES);
}

export function sourceRef(tag: string): SourceRef {
  const ref = Object.prototype.hasOwnProperty.call(SOURCES, tag) ? SOURCES[tag] : undefined;
  if (!ref) throw new Error(`Unknown knowledge source tag: ${tag}`);
  return ref;
}

/** Short human form: "Title — url" (just the title when no address is known). */
export function formatSource(tag: string): string {
  const ref = sourceRef(tag);
  return ref.url ? `${ref.title} — ${ref.url}` : ref.title;
}

// ---------------------------------------------------------------------------------------------------------
// Regions

/** Case and spacing are ignored so Azure display names ("West Europe") meet programmatic ones ("westeurope"). */
function regionKey(name: string): string {
  return name.trim().toLowerCase().replace(/[\s_]+/g, '');
}

const regionIndex = new Map<string, Region[]>();
for (const region of REGIONS) {
  for (const name of [region.id, region.location, ...region.aliases]) {
    // GCP/AWS locations are city names shared across providers ("Tokyo"), not names users pass as a region.
    if (name === region.location && region.provider !== 'azure') continue;
    const key = regionKey(name);
    const list = regionIndex.get(key) ?? [];
    if (!list.includes(region)) list.push(region);
    regionIndex.set(key, list);
  }
}

function lookupRegion(key: string, providers: readonly Provider[]): Region | undefined {
  return regionIndex.get(key)?.find((r) => providers.includes(r.provider));
}

export function allRegions(): readonly Region[] {
  return REGIONS;
}

/**
 * Case-insensitive lookup of a region id (Azure: also its display name). A zone is resolved to its region:
 * GCP `us-central1-a` → `us-central1`, AWS `us-east-1a` → `us-east-1`. Without a provider all three are searched.
 */
export function findRegion(provider: Provider | undefined, id: string): Region | undefined {
  const providers = provider ? [provider] : PROVIDERS;
  const key = regionKey(id);
  return (
    lookupRegion(key, providers) ??
    (providers.includes('gcp') ? lookupRegion(key.replace(/^([a-z]+-[a-z]+\d+)-[a-z]$/, '$1'), ['gcp']) : undefined) ??
    (providers.includes('aws') ? lookupRegion(key.replace(/^([a-z]+-[a-z]+-\d)[a-z]$/, '$1'), ['aws']) : undefined)
  );
}

export function datasetOf(region: Region): Dataset {
  const dataset = DATASETS[region.dataset];
  if (!dataset) throw new Error(`Region ${region.id} names an unknown dataset: ${region.dataset}`);
  return dataset;
}

/**
 * The cleanest region of the same provider and geography whose intensity is at most
 * `region × (1 − minFraction)`; undefined when no region is that much cleaner.
 * Regions carrying a `note` (doubtful data) are never suggested.
 */
export function cleanerRegion(region: Region, minFraction = 0.3): Region | undefined {
  const limit = region.gco2PerKwh * (1 - minFraction);
  let best: Region | undefined;
  for (const r of REGIONS) {
    if (r.provider !== region.provider || r.geography !== region.geography || r.note !== undefined) continue;
    if (r.gco2PerKwh > limit) continue;
    if (!best || r.gco2PerKwh < best.gco2PerKwh) best = r;
  }
  return best;
}

export function worldAverageIntensity(): WorldAverage {
  return WORLD;
}

// ---------------------------------------------------------------------------------------------------------
// GPUs and PUE

/** "NVIDIA A100-SXM4-80GB", "Tesla T4", "nvidia-tesla-a100", "GeForce RTX 4090" → catalogue spelling. */
function gpuKey(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .split(/[\s_-]+/)
    .filter((part) => part && part !== 'nvidia' && part !== 'tesla' && part !== 'geforce')
    .join('-');
}

const gpuIndex = new Map<string, Gpu>();
for (const gpu of GPUS) for (const name of [gpu.id, ...gpu.names]) gpuIndex.set(gpuKey(name), gpu);
const ANY_GPU: Gpu = (() => {
  const any = gpuIndex.get('any');
  if (!any) throw new Error('gpus.json must contain the "Any" GPU default');
  return any;
})();

export function allGpus(): readonly Gpu[] {
  return GPUS;
}

/** The catalogued GPU, or the Green Algorithms "Any" default (200 W) for an unknown model. */
export function findGpu(name: string): Gpu {
  return gpuIndex.get(gpuKey(name)) ?? ANY_GPU;
}

/** Green Algorithms v3.0 PUE default for a provider; the "unknown" value for anything else. */
export function pueDefault(provider: string | undefined): PueDefault {
  const key = provider?.trim().toLowerCase();
  const row: Provider | 'unknown' = isProvider(key) ? key : 'unknown';
  return { value: PUE.values[row], key: row, source: PUE.source };
}
