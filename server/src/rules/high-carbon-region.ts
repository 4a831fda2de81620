import type { ConfigMap, ConfigNode, ConfigScalar } from '../engine/config/source';
import type { PythonSource } from '../engine/python/source';
import type { PyNode } from '../engine/python/tree';
import type { ConfigContext, PythonContext, Report, Rule } from '../engine/rule';
import type { Settings } from '../engine/settings';
import type { OffsetEdit } from '../engine/types';
import { cleanerRegion, datasetOf, findRegion, formatSource, type Provider, type Region } from '../knowledge';
import { isFrom, lastSegment } from './shared/python-patterns';

const PROVIDER_NAME: Record<Provider, string> = { aws: 'AWS', gcp: 'Google Cloud', azure: 'Azure' };

/** Case and spacing are ignored, as the knowledge base does, to tell a region id from a display name or zone. */
function key(name: string): string {
  return name.trim().toLowerCase().replace(/[\s_]+/g, '');
}

interface Judged {
  region: Region;
  cleaner: Region;
  /** The value names a zone (`us-central1-a`, `us-east-1a`) of the region. */
  zone: boolean;
  /** The value is an Azure display name ("Central US") rather than the programmatic id. */
  displayName: boolean;
}

/**
 * A region (or zone) value that is on a grid at or above the threshold and has a cleaner region of
 * the same provider in the same geography; undefined otherwise, and for data marked doubtful and
 * AWS China regions (a separate partition: no move to another geography's region is possible).
 */
function judge(provider: Provider, value: string, settings: Settings): Judged | undefined {
  const region = findRegion(provider, value);
  if (!region || region.note !== undefined || region.id.startsWith('cn-')) return undefined;
  if (region.gco2PerKwh < settings.thresholds.highCarbonIntensity) return undefined;
  const cleaner = cleanerRegion(region); // the spec's 30%, the knowledge base's default
  if (!cleaner || cleaner.id.startsWith('cn-')) return undefined;
  const k = key(value);
  const named = [region.id, region.location, ...region.aliases].some((n) => key(n) === k);
  // Azure accepts both spellings; a fix keeps the one the user wrote ("Central US" → "Canada Central").
  const displayName = provider === 'azure' && named && /[\sA-Z]/.test(value);
  const zone = !named;
  return { region, cleaner, zone, displayName };
}

function datasetLabel(region: Region): string {
  const dataset = datasetOf(region);
  return `${dataset.name}${dataset.year !== null ? `, ${dataset.year}` : ''}`;
}

function message(value: string, judged: Judged): string {
  const { region, cleaner, zone } = judged;
  const provider = PROVIDER_NAME[region.provider];
  const saving = Math.round((1 - cleaner.gco2PerKwh / region.gco2PerKwh) * 100);
  const where = zone ? `Zone "${value}" (${provider} region ${region.id}, ${region.location})` : `Region "${value}" (${provider}, ${region.location})`;
  const target = judged.displayName ? cleaner.location : cleaner.id;
  return (
    `${where} runs on a high-carbon grid: ${region.gco2PerKwh} gCO2e/kWh. ` +
    `${cleaner.id} (${cleaner.location}), the cleanest ${provider} region in the same geography (${region.geography}), is at ${cleaner.gco2PerKwh} gCO2e/kWh: ` +
    `${saving}% less CO2e for the same energy. Source: ${datasetLabel(region)}. ` +
    (zone
      ? `Move the run to a zone of ${cleaner.id} if data residency, latency, prices and GPU quotas allow (zone letters differ between regions, so there is no automatic fix).`
      : `Use "${target}" if data residency, latency, prices and GPU quotas allow; the buckets and container images the job reads should move with it.`)
  );
}

// ---------------------------------------------------------------------------------------------------------
// Python

/** Replaces the text between a string literal's quotes, keeping its quotes and prefix. */
function replaceStringContent(string: PyNode, newText: string): OffsetEdit | null {
  const open = string.children.find((c) => c.type === 'string_start');
  const close = string.children.find((c) => c.type === 'string_end');
  if (!open || !close) return null;
  return { start: open.end, end: close.start, newText };
}

/** SageMaker SDK classes that start training jobs (estimators, the v3 ModelTrainer, tuners, pipeline training steps). */
const SAGEMAKER_TRAINING = /^(Estimator|Framework|PyTorch|TensorFlow|HuggingFace|SKLearn|XGBoost|MXNet|Chainer|RLEstimator|JumpStartEstimator|ModelTrainer|HyperparameterTuner|TrainingStep|TuningStep|AutoML|AutoMLV2)$/;
/** boto3 SageMaker client methods that start training. */
const SAGEMAKER_TRAINING_METHODS = ['create_training_job', 'create_hyper_parameter_tuning_job', 'create_auto_ml_job', 'create_auto_ml_job_v2'];
/** Vertex AI training jobs (not BatchPredictionJob or monitoring jobs). */
const VERTEX_JOB = /^(CustomJob|HyperparameterTuningJob|PipelineJob|\w*TrainingJob)$/;
const AZURE_TRAINING = ['command', 'sweep', 'pipeline', 'AmlCompute', 'ScriptRunConfig', 'Experiment', 'Estimator', 'HyperDriveConfig', 'provisioning_configuration'];

/**
 * The providers this file starts training on. Regions are judged only there: the same SDKs also
 * manage endpoints, model registries, vector indexes and storage, whose region is not a training region.
 */
function trainingProviders(source: PythonSource): Set<Provider> {
  const providers = new Set<Provider>();
  for (const call of source.nodes('call')) {
    const callee = source.calleeName(call);
    const method = source.methodName(call);
    if (method && SAGEMAKER_TRAINING_METHODS.includes(method)) providers.add('aws');
    if (!callee) continue;
    const segments = callee.split('.');
    if (isFrom(callee, 'sagemaker') && SAGEMAKER_TRAINING.test(lastSegment(callee))) providers.add('aws');
    else if (isFrom(callee, 'google.cloud.aiplatform') && segments.some((s) => VERTEX_JOB.test(s))) providers.add('gcp');
    else if ((isFrom(callee, 'azure.ai.ml') || isFrom(callee, 'azureml')) && segments.some((s) => AZURE_TRAINING.includes(s))) providers.add('azure');
  }
  return providers;
}

/** The provider and the region argument of a call that picks where cloud training runs. */
function regionArgument(source: PythonSource, call: PyNode): { provider: Provider; value: PyNode } | null {
  const callee = source.calleeName(call);
  const method = source.methodName(call);
  const boto3Client = (c: PyNode) => {
    // Only a SageMaker client starts training jobs; S3, EC2... clients are not flagged.
    const service = source.stringValue(source.argument(c, 'service_name', 0))?.value;
    const value = source.argument(c, 'region_name', 1);
    return service === 'sagemaker' && value ? { provider: 'aws' as const, value } : null;
  };
  if (callee && isFrom(callee, 'boto3')) {
    const name = lastSegment(callee);
    if (name === 'client' || name === 'resource') return boto3Client(call);
    if (name === 'Session') {
      const value = source.argument(call, 'region_name', 3);
      return value ? { provider: 'aws', value } : null;
    }
    return null;
  }
  if (!callee && (method === 'client' || method === 'resource')) {
    const type = source.receiverType(call);
    return type && isFrom(type, 'boto3') && lastSegment(type) === 'Session' ? boto3Client(call) : null;
  }
  if (!callee) return null;
  if (isFrom(callee, 'sagemaker')) {
    const value = source.keywordValue(call, 'region') ?? source.keywordValue(call, 'region_name');
    return value ? { provider: 'aws', value } : null;
  }
  if (isFrom(callee, 'google.cloud.aiplatform') && (callee === 'google.cloud.aiplatform.init' || callee.split('.').some((s) => VERTEX_JOB.test(s)))) {
    const value = source.keywordValue(call, 'location');
    return value ? { provider: 'gcp', value } : null;
  }
  if (isFrom(callee, 'azure.ai.ml') || isFrom(callee, 'azureml')) {
    const value = source.keywordValue(call, 'location');
    return value ? { provider: 'azure', value } : null;
  }
  return null;
}

function checkPython(context: PythonContext): void {
  const { source, settings } = context;
  const training = trainingProviders(source);
  if (training.size === 0) return;
  const seen = new Set<PyNode>();
  for (const call of source.nodes('call')) {
    const found = regionArgument(source, call);
    if (!found || !training.has(found.provider)) continue;
    const string = source.stringValue(found.value);
    if (!string || seen.has(string.node)) continue;
    seen.add(string.node);
    const judged = judge(found.provider, string.value, settings);
    if (!judged) continue;
    const report: Report = { start: string.node.start, end: string.node.end, message: message(string.value, judged) };
    const edit = judged.zone ? null : replaceStringContent(string.node, judged.displayName ? judged.cleaner.location : judged.cleaner.id);
    if (edit) report.fix = { title: `Move to ${judged.cleaner.id} (${judged.cleaner.location})`, safety: 'unsafe', edits: [edit] };
    context.report(report);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Configs

const REGION_KEYS = ['region', 'location', 'zone'];

/** The provider a region id's spelling belongs to: `us-east-1(a)` AWS, `us-central1(-a)` GCP, `eastus2` Azure. */
function providerFromShape(value: string): Provider | undefined {
  if (/^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]?$/.test(value)) return 'aws';
  if (/^[a-z]+-[a-z]+\d+(-[a-z])?$/.test(value)) return 'gcp';
  if (/^[a-z]+\d?$/.test(value)) return 'azure';
  return undefined;
}

/** A provider named next to the region (`cloud: gcp`, `provider: aws`); null for a cloud GreenML has no data for. */
function namedProvider(map: ConfigMap, root: ConfigNode | null): Provider | null | undefined {
  for (const entry of map.entries) {
    if (!['cloud', 'provider', 'cloud_provider', 'type'].includes(entry.key) || entry.value?.kind !== 'scalar' || typeof entry.value.value !== 'string') continue;
    const name = entry.value.value.trim().toLowerCase();
    if (['aws', 'amazon', 'sagemaker'].includes(name)) return 'aws';
    if (['gcp', 'google', 'gcloud', 'google_cloud', 'vertex', 'vertexai'].includes(name)) return 'gcp';
    if (['azure', 'azureml'].includes(name)) return 'azure';
    if (entry.key !== 'type') return null;
  }
  // accelerate's SageMaker launcher config: compute_environment AMAZON_SAGEMAKER at the top.
  if (root?.kind === 'map' && map === root) {
    const environment = root.entries.find((e) => e.key === 'compute_environment')?.value;
    if (environment?.kind === 'scalar' && environment.value === 'AMAZON_SAGEMAKER') return 'aws';
  }
  return undefined;
}

/** A SkyPilot task: `resources:` (cloud, region, zone, accelerators) next to `run:` / `setup:`. */
function isSkyPilotTask(root: ConfigMap): boolean {
  const resources = root.entries.find((e) => e.key === 'resources')?.value;
  if (resources?.kind !== 'map') return false;
  const keys = new Set(root.entries.map((e) => e.key));
  const resourceKeys = new Set(resources.entries.map((e) => e.key));
  return keys.has('run') || keys.has('setup') || resourceKeys.has('accelerators');
}

function checkConfig(context: ConfigContext): void {
  const { config, settings } = context;
  const root = config.root;
  if (root?.kind !== 'map') return;
  // Only training configs: a region key in a serverless, CI or app config is not a training region.
  if (config.flavors.size === 0 && !isSkyPilotTask(root)) return;
  const visit = (node: ConfigNode | null) => {
    if (!node) return;
    if (node.kind === 'seq') node.items.forEach(visit);
    if (node.kind !== 'map') return;
    for (const entry of node.entries) {
      if (REGION_KEYS.includes(entry.key) && entry.value?.kind === 'scalar' && typeof entry.value.value === 'string') {
        checkValue(context, node, entry.value);
      }
      visit(entry.value);
    }
  };
  const checkValue = (context: ConfigContext, map: ConfigMap, scalar: ConfigScalar) => {
    const value = String(scalar.value).trim();
    const shape = providerFromShape(value);
    const named = namedProvider(map, root);
    if (named === null || !shape || (named !== undefined && named !== shape)) return;
    const judged = judge(shape, value, settings);
    if (!judged) return;
    const report: Report = { start: scalar.start, end: scalar.end, message: message(value, judged) };
    if (!judged.zone) {
      const text = config.text.slice(scalar.start, scalar.end);
      const quoted = /^["']/.test(text) && text.length >= 2;
      const edit: OffsetEdit = quoted ? { start: scalar.start + 1, end: scalar.end - 1, newText: judged.cleaner.id } : { start: scalar.start, end: scalar.end, newText: judged.cleaner.id };
      report.fix = { title: `Move to ${judged.cleaner.id} (${judged.cleaner.location})`, safety: 'unsafe', edits: [edit] };
    }
    context.report(report);
  };
  visit(root);
}

export const highCarbonRegion: Rule = {
  id: 'high-carbon-region',
  title: 'Cloud training region on a high-carbon grid',
  defaultSeverity: 'warning',
  sources: ['python', 'config'],
  fixAvailability: 'sometimes',
  fixSafety: 'unsafe',
  triggers: ['sagemaker', 'aiplatform', 'azure', 'boto3'],
  docs: {
    whatItDoes:
      'Flags a cloud region where training runs whose grid carbon intensity is at or above the threshold (400 gCO2e/kWh by default, thresholds.high-carbon-intensity) when the same provider has a region in the same geography (Americas / Europe / Asia-Pacific / Middle East & Africa) that is at least 30% cleaner. Code, in files that start cloud training (a SageMaker estimator, ModelTrainer, tuner or create_training_job; a Vertex AI CustomJob, *TrainingJob, HyperparameterTuningJob or PipelineJob; an Azure ML command, sweep, pipeline, AmlCompute or ScriptRunConfig): the region_name of a boto3 SageMaker client or boto3 Session; region= / region_name= of SageMaker SDK calls; location= of aiplatform.init(...) and of Vertex training jobs; location= of Azure ML (azure.ai.ml, azureml) calls. A value given through a module constant is flagged (and fixed) where the constant is assigned. Configs: region / location / zone keys in recognised training configs (accelerate SageMaker launcher, Hydra, Lightning, ...) and SkyPilot tasks; the provider comes from a cloud/provider key next to the region or else from the id\'s spelling (us-east-1 AWS, us-central1 GCP, eastus Azure), and nothing is flagged when it is ambiguous or names another cloud. Left alone: files that only manage endpoints, model registries, vector indexes or storage, boto3 clients for other services (S3, EC2...), vertexai.init (mostly model inference), and regions read at run time (environment variables, arguments).',
    whyItWastesEnergy:
      'The same job uses the same energy wherever it runs, but each kWh emits what the local grid emits. Dodge et al. (2022) found that choosing the region can have "the largest operational emissions reduction impact"; Patterson et al. (2021) report CO2e varying ~5-10x with location. In Google\'s 2024 data, us-east1 (575.77 gCO2e/kWh) is 7.3x us-west1 (79.23).',
    example: {
      language: 'python',
      code: [
        'from google.cloud import aiplatform',
        '',
        'aiplatform.init(project="my-project", location="us-east1")',
        'job = aiplatform.CustomTrainingJob(display_name="train", script_path="task.py", container_uri=IMAGE)',
        'job.run(machine_type="a2-highgpu-1g", accelerator_type="NVIDIA_TESLA_A100", accelerator_count=1)',
      ].join('\n'),
    },
    useInstead: {
      language: 'python',
      code: [
        'from google.cloud import aiplatform',
        '',
        'aiplatform.init(project="my-project", location="northamerica-northeast1")',
        'job = aiplatform.CustomTrainingJob(display_name="train", script_path="task.py", container_uri=IMAGE)',
        'job.run(machine_type="a2-highgpu-1g", accelerator_type="NVIDIA_TESLA_A100", accelerator_count=1)',
      ].join('\n'),
    },
    fixSafety:
      'Unsafe: moving a job changes where data is processed (data residency and compliance), latency to its data, prices and which GPUs and quotas are available; buckets, container images and endpoints the job uses must exist in the new region. The fix replaces the region string (keeping its quotes) with the cleanest region of the same provider in the same geography. Zones get no fix, since zone letters differ between regions.',
    sources: [
      formatSource('GCPCI'),
      `${formatSource('CCF')} (AWS and Azure region factors)`,
      'Dodge et al. 2022, Measuring the Carbon Intensity of AI in Cloud Instances — https://arxiv.org/abs/2206.05229',
      'Patterson et al. 2021, Carbon Emissions and Large Neural Network Training — https://arxiv.org/abs/2104.10350',
    ],
  },
  checkPython,
  checkConfig,
};
