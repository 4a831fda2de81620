import assert from 'node:assert/strict';
import {
  allGpus,
  allModels,
  allRegions,
  allSourceTags,
  cleanerRegion,
  datasetOf,
  findGpu,
  findModel,
  findRegion,
  formatSource,
  modelAlternatives,
  pueDefault,
  sourceRef,
  worldAverageIntensity,
} from '../../server/src/knowledge/index';
import { estimateFootprint } from '../../server/src/knowledge/estimate';

describe('knowledge: model catalogue', () => {
  const models = allModels();

  it('has at least 60 checkpoints', () => {
    assert.ok(models.length >= 60, `only ${models.length} models`);
  });

  it('cites a known source for every entry and every alternative', () => {
    for (const m of models) {
      assert.doesNotThrow(() => sourceRef(m.source), `${m.id}: ${m.source}`);
      for (const tag of m.otherSources ?? []) assert.doesNotThrow(() => sourceRef(tag), `${m.id}: ${tag}`);
      for (const alt of m.alternatives) assert.doesNotThrow(() => sourceRef(alt.source), `${m.id} -> ${alt.id}: ${alt.source}`);
    }
  });

  it('spells every id and alias once', () => {
    const seen = new Map<string, string>();
    for (const m of models) {
      for (const name of [m.id, ...m.aliases]) {
        const key = name.toLowerCase();
        assert.ok(!seen.has(key), `${name} used by ${seen.get(key)} and ${m.id}`);
        seen.set(key, m.id);
      }
    }
  });

  it('gives every oversized entry a catalogued, smaller alternative', () => {
    const oversized = models.filter((m) => m.oversized);
    assert.ok(oversized.length >= 20);
    for (const m of oversized) {
      const alts = modelAlternatives(m);
      assert.equal(alts.length, m.alternatives.length, `${m.id} has an alternative missing from the catalogue`);
      assert.ok(alts.length >= 1, `${m.id} has no alternative`);
      for (const alt of alts) {
        assert.notEqual(alt.model.id, m.id);
        if (m.parameters !== null && alt.model.parameters !== null) {
          assert.ok(alt.model.parameters < m.parameters, `${alt.model.id} is not smaller than ${m.id}`);
        }
      }
      // The first alternative is the one a fix would use: it must not be flagged itself.
      assert.equal(alts[0]?.model.oversized, false, `${m.id}: first alternative is oversized`);
      const first = alts[0]?.model;
      if (first && m.sizeMb !== undefined && first.sizeMb !== undefined) assert.ok(first.sizeMb < m.sizeMb);
    }
  });

  it('says which reference the DistilBERT figures are measured against', () => {
    const bertLarge = findModel('google-bert/bert-large-uncased');
    const distil = bertLarge?.alternatives.find((a) => a.id === 'distilbert/distilbert-base-uncased');
    assert.ok(distil);
    assert.match(distil.claim, /vs BERT-base/);
  });

  it('does not flag the 7-8B LLMs or base-size models', () => {
    for (const id of [
      'meta-llama/Llama-2-7b-hf',
      'meta-llama/Meta-Llama-3-8B',
      'mistralai/Mistral-7B-v0.1',
      'Qwen/Qwen2.5-7B',
      'Qwen/Qwen2.5-7B-Instruct',
      'google-bert/bert-base-uncased',
      'FacebookAI/roberta-base',
      'resnet50',
    ]) {
      const m = findModel(id);
      assert.ok(m, `${id} should be catalogued`);
      assert.equal(m.oversized, false, id);
    }
  });

  it('flags the spec list of oversized checkpoints', () => {
    for (const id of [
      'bert-large-uncased',
      'roberta-large',
      'gpt2-xl',
      't5-large',
      'facebook/bart-large-cnn',
      'openai/whisper-large-v3',
      'all-mpnet-base-v2',
      'resnet152',
      'vit_l_16',
      'keras.applications.ResNet152',
      'meta-llama/Llama-2-70b-hf',
    ]) {
      assert.equal(findModel(id)?.oversized, true, id);
    }
  });

  it('resolves legacy aliases and is case-insensitive', () => {
    assert.equal(findModel('bert-large-uncased')?.id, 'google-bert/bert-large-uncased');
    assert.equal(findModel('BERT-Large-Uncased')?.id, 'google-bert/bert-large-uncased');
    assert.equal(findModel('  gpt2-xl ')?.id, 'openai-community/gpt2-xl');
    assert.equal(findModel('https://huggingface.co/google-bert/bert-large-uncased')?.id, 'google-bert/bert-large-uncased');
    assert.equal(findModel('Qwen/Qwen2.5-72B-Instruct')?.id, 'Qwen/Qwen2.5-72B');
  });

  it('never matches substrings or extended ids', () => {
    assert.equal(findModel('bert-large-uncased-whole-word-masking-something'), undefined);
    assert.equal(findModel('bert-large'), undefined);
    assert.equal(findModel('facebook/bart-large'), undefined);
    assert.equal(findModel('meta-llama/Llama-2-7b-chat-hf'), undefined);
    assert.equal(findModel('https://huggingface.co/google-bert/bert-large-uncased/tree/main'), undefined);
    assert.equal(findModel(''), undefined);
  });

  it('formats sources as "title — url" and rejects unknown tags', () => {
    assert.equal(formatSource('DISTILBERT'), 'Sanh et al., DistilBERT, arXiv:1910.01108 — https://arxiv.org/abs/1910.01108');
    assert.throws(() => sourceRef('NO_SUCH_TAG'));
    assert.throws(() => sourceRef('toString'));
    for (const tag of allSourceTags()) assert.ok(formatSource(tag).length > 0);
  });
});

describe('knowledge: regions', () => {
  it('covers the three providers with sourced datasets', () => {
    const regions = allRegions();
    for (const p of ['gcp', 'aws', 'azure'] as const) {
      assert.ok(regions.filter((r) => r.provider === p).length >= 20, p);
    }
    for (const r of regions) {
      const ds = datasetOf(r);
      assert.doesNotThrow(() => sourceRef(ds.source));
      assert.ok(r.gco2PerKwh > 0, r.id);
    }
    assert.equal(datasetOf(findRegion('gcp', 'us-central1')!).year, 2024);
  });

  it('keeps region ids unique across providers', () => {
    const ids = allRegions().map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length);
  });

  it('looks regions up case-insensitively, with Azure display names and zones', () => {
    assert.equal(findRegion('gcp', 'US-CENTRAL1')?.gco2PerKwh, 412.72);
    assert.equal(findRegion('gcp', 'us-central1-a')?.id, 'us-central1');
    assert.equal(findRegion('aws', 'ap-northeast-3')?.gco2PerKwh, 465.8);
    assert.equal(findRegion('aws', 'us-east-1a')?.id, 'us-east-1');
    assert.equal(findRegion('azure', 'West Europe')?.id, 'westeurope');
    assert.equal(findRegion('azure', 'westeurope')?.location, 'West Europe');
    assert.equal(findRegion('azure', 'East US 2')?.id, 'eastus2');
    assert.equal(findRegion(undefined, 'eu-west-1')?.provider, 'aws');
    assert.equal(findRegion(undefined, 'Sweden Central')?.provider, 'azure');
    assert.equal(findRegion('gcp', 'eu-west-1'), undefined);
    assert.equal(findRegion('azure', 'brazilsouth'), undefined, 'the suspicious 1.2 value is left out');
    assert.equal(findRegion(undefined, 'us-central'), undefined);
  });

  it('suggests the cleanest region at least 30% cleaner in the same geography', () => {
    const mumbai = findRegion('gcp', 'asia-south1')!;
    const better = cleanerRegion(mumbai);
    assert.ok(better);
    assert.equal(better.provider, 'gcp');
    assert.equal(better.geography, 'Asia-Pacific');
    assert.ok(better.gco2PerKwh <= mumbai.gco2PerKwh * 0.7);
    const sameGeo = allRegions().filter((r) => r.provider === 'gcp' && r.geography === 'Asia-Pacific');
    assert.equal(better.gco2PerKwh, Math.min(...sameGeo.map((r) => r.gco2PerKwh)));

    assert.equal(cleanerRegion(findRegion('gcp', 'europe-north2')!), undefined);
    assert.equal(cleanerRegion(findRegion('azure', 'eastasia')!)?.id, 'southeastasia');
    // A stricter threshold can rule every candidate out.
    const iowa = findRegion('gcp', 'us-central1')!;
    assert.equal(cleanerRegion(iowa, 0.99999), undefined);
  });
});

describe('knowledge: GPUs and footprint estimate', () => {
  it('resolves GPU names and falls back to the Any default', () => {
    assert.equal(findGpu('A100').id, 'A100-SXM4');
    assert.equal(findGpu('NVIDIA A100-SXM4-80GB').watts, 400);
    assert.equal(findGpu('nvidia-tesla-t4').id, 'T4');
    assert.equal(findGpu('NVIDIA GeForce RTX 4090').id, 'RTX-4090');
    assert.equal(findGpu('a100-pcie-80gb').watts, 300);
    assert.equal(findGpu('some-unknown-accelerator').id, 'Any');
    assert.equal(findGpu('some-unknown-accelerator').watts, 200);
    for (const g of allGpus()) assert.doesNotThrow(() => sourceRef(g.source), g.id);
  });

  it('computes A100-SXM4 on GCP us-central1 from the data', () => {
    const gpu = findGpu('A100-SXM4');
    const pue = pueDefault('gcp').value;
    const intensity = findRegion('gcp', 'us-central1')!.gco2PerKwh;
    const f = estimateFootprint({ gpu: 'A100-SXM4', gpuCount: 1, provider: 'gcp', region: 'us-central1', hours: 10 });

    const kwh = (gpu.watts * 1 * pue) / 1000;
    assert.ok(Math.abs(f.kwhPerHour - kwh) < 1e-12);
    assert.ok(Math.abs(f.kwhPerHour - 0.448) < 1e-9); // 400 W × 1.12 / 1000
    assert.ok(Math.abs(f.kgCo2ePerHour - (kwh * intensity) / 1000) < 1e-12);
    assert.ok(Math.abs(f.kgCo2ePerHour - 0.1849) < 1e-4); // 0.448 × 412.72 / 1000
    assert.ok(Math.abs(f.kwhPerRun! - 4.48) < 1e-9);
    assert.ok(Math.abs(f.kgCo2ePerRun! - f.kgCo2ePerHour * 10) < 1e-12);
    assert.deepEqual(f.sources, ['A100SPEC', 'GA', 'GCPCI']);
    const text = f.assumptions.join('\n');
    for (const needle of ['400 W', 'upper bound', 'PUE 1.12', '412.72 gCO2e/kWh', '2024', '[GCPCI]', '[GA]', '[A100SPEC]']) {
      assert.ok(text.includes(needle), `assumptions lack "${needle}":\n${text}`);
    }
  });

  it('uses the unknown PUE and world average when provider and region are unknown', () => {
    const f = estimateFootprint({ gpu: 'mystery-gpu', gpuCount: 4 });
    const world = worldAverageIntensity().gco2PerKwh;
    const pue = pueDefault(undefined).value;
    assert.equal(world, 475);
    assert.equal(pue, 1.56);
    assert.ok(Math.abs(f.kwhPerHour - (200 * 4 * pue) / 1000) < 1e-12);
    assert.ok(Math.abs(f.kgCo2ePerHour - (f.kwhPerHour * world) / 1000) < 1e-12);
    assert.equal(f.kwhPerRun, undefined);
    assert.deepEqual(f.sources, ['GA']);
    assert.match(f.assumptions.join('\n'), /475 gCO2e\/kWh/);
  });

  it('takes the provider from a recognised region', () => {
    const f = estimateFootprint({ gpu: 'T4', region: 'westeurope' });
    assert.equal(f.region?.provider, 'azure');
    assert.equal(f.pue, pueDefault('azure').value);
    assert.equal(f.gco2PerKwh, 328.4);
    assert.ok(f.sources.includes('CCF'));
  });

  it('rejects nonsense counts and durations', () => {
    assert.throws(() => estimateFootprint({ gpu: 'T4', gpuCount: 0 }), RangeError);
    assert.throws(() => estimateFootprint({ gpu: 'T4', hours: -1 }), RangeError);
  });
});
