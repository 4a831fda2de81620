import type { ConfigMap, ConfigNode } from './source';

/**
 * The training-config formats GreenML understands. A file that matches none (a package.json, a CI
 * workflow, a docker-compose file) yields no findings at all.
 */
export type ConfigFlavor =
  | 'hf-training-args'
  | 'trl-recipe'
  | 'axolotl'
  | 'lightning'
  | 'hydra'
  | 'accelerate'
  | 'deepspeed'
  | 'wandb-sweep';

const TRAINING_ARGUMENT_KEYS = [
  'output_dir', 'per_device_train_batch_size', 'per_device_eval_batch_size', 'num_train_epochs', 'max_steps',
  'learning_rate', 'gradient_accumulation_steps', 'save_steps', 'save_strategy', 'eval_strategy',
  'evaluation_strategy', 'logging_steps', 'warmup_steps', 'warmup_ratio', 'bf16', 'fp16', 'do_train', 'do_eval',
  'lr_scheduler_type', 'weight_decay', 'gradient_checkpointing', 'save_total_limit', 'report_to',
  'dataloader_num_workers', 'load_best_model_at_end', 'metric_for_best_model', 'optim',
];
const RECIPE_KEYS = ['dataset_mixer', 'dataset_mixture', 'dataset_name', 'use_peft', 'max_seq_length', 'max_length', 'beta', 'torch_dtype', 'chat_template', 'lora_r', 'dataset_text_field'];
const AXOLOTL_KEYS = ['datasets', 'adapter', 'micro_batch_size', 'sequence_len', 'num_epochs', 'load_in_8bit', 'load_in_4bit', 'lora_r', 'base_model_config'];
const LIGHTNING_TRAINER_KEYS = ['max_epochs', 'precision', 'accelerator', 'devices', 'callbacks', 'max_steps', 'strategy', 'num_nodes'];
const ACCELERATE_KEYS = ['compute_environment', 'distributed_type', 'num_processes', 'machine_rank', 'num_machines'];
const DEEPSPEED_KEYS = ['zero_optimization', 'train_micro_batch_size_per_gpu', 'train_batch_size', 'gradient_clipping', 'steps_per_print', 'zero_allow_untested_optimizer'];

function keysOf(node: ConfigNode | null): Set<string> {
  return new Set(node?.kind === 'map' ? node.entries.map((e) => e.key) : []);
}

function countPresent(keys: Set<string>, wanted: readonly string[]): number {
  return wanted.filter((k) => keys.has(k)).length;
}

export function detectFlavors(root: ConfigNode | null): Set<ConfigFlavor> {
  const flavors = new Set<ConfigFlavor>();
  if (!root || root.kind !== 'map') return flavors;
  const keys = keysOf(root);
  if (countPresent(keys, TRAINING_ARGUMENT_KEYS) >= 2) flavors.add('hf-training-args');
  if (keys.has('model_name_or_path') && countPresent(keys, RECIPE_KEYS) >= 1) flavors.add('trl-recipe');
  if (keys.has('base_model') && countPresent(keys, AXOLOTL_KEYS) >= 1) flavors.add('axolotl');
  if (lightningTrainerMaps(root).length > 0) flavors.add('lightning');
  if (keys.has('defaults') || keys.has('hydra')) flavors.add('hydra');
  if (countPresent(keys, ACCELERATE_KEYS) >= 2 || (keys.has('mixed_precision') && keys.has('distributed_type'))) flavors.add('accelerate');
  if (countPresent(keys, DEEPSPEED_KEYS) >= 1 && (keys.has('fp16') || keys.has('bf16') || keys.has('zero_optimization') || keys.has('optimizer'))) {
    flavors.add('deepspeed');
  }
  const method = root.entries.find((e) => e.key === 'method')?.value;
  if (method?.kind === 'scalar' && ['grid', 'random', 'bayes', 'custom'].includes(String(method.value)) && keys.has('parameters')) {
    flavors.add('wandb-sweep');
  }
  return flavors;
}

/**
 * Maps that configure a Lightning Trainer: the `trainer:` section of a Lightning CLI or Hydra
 * config, or a Hydra node whose `_target_` is a Lightning Trainer (the whole file in a
 * `configs/trainer/*.yaml`).
 */
export function lightningTrainerMaps(root: ConfigNode | null): ConfigMap[] {
  if (!root || root.kind !== 'map') return [];
  const found: ConfigMap[] = [];
  const target = root.entries.find((e) => e.key === '_target_')?.value;
  if (target?.kind === 'scalar' && /^(lightning\.pytorch|pytorch_lightning|lightning)(\.trainer(\.trainer)?)?\.Trainer$/.test(String(target.value))) {
    found.push(root);
  }
  const trainer = root.entries.find((e) => e.key === 'trainer')?.value;
  if (trainer?.kind === 'map' && countPresent(keysOf(trainer), LIGHTNING_TRAINER_KEYS) >= 1) found.push(trainer);
  return found;
}
