import { dataParallel } from '../rules/data-parallel';
import { dataloaderBottleneck } from '../rules/dataloader-bottleneck';
import { excessiveCheckpointing } from '../rules/excessive-checkpointing';
import { exhaustiveGridSearch } from '../rules/exhaustive-grid-search';
import { fp32Inference } from '../rules/fp32-inference';
import { fullFinetuneLargeModel } from '../rules/full-finetune-large-model';
import { highCarbonRegion } from '../rules/high-carbon-region';
import { hostSyncInLoop } from '../rules/host-sync-in-loop';
import { missingNoGrad } from '../rules/missing-no-grad';
import { noEarlyStopping } from '../rules/no-early-stopping';
import { noMixedPrecision } from '../rules/no-mixed-precision';
import { oversizedModel } from '../rules/oversized-model';
import { retrainEveryRun } from '../rules/retrain-every-run';
import { trainFromScratch } from '../rules/train-from-scratch';
import { untrackedEmissions } from '../rules/untracked-emissions';
import type { Rule } from './rule';

/** Every rule GreenML has, sorted by id. This list is the only place that names them all. */
export const RULES: readonly Rule[] = [
  dataParallel,
  dataloaderBottleneck,
  excessiveCheckpointing,
  exhaustiveGridSearch,
  fp32Inference,
  fullFinetuneLargeModel,
  highCarbonRegion,
  hostSyncInLoop,
  missingNoGrad,
  noEarlyStopping,
  noMixedPrecision,
  oversizedModel,
  retrainEveryRun,
  trainFromScratch,
  untrackedEmissions,
];

export function ruleById(id: string): Rule | undefined {
  return RULES.find((rule) => rule.id === id);
}

export const RULE_IDS: readonly string[] = RULES.map((rule) => rule.id);
