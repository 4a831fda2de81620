import { noMixedPrecision } from '../rules/no-mixed-precision';
import { trainFromScratch } from '../rules/train-from-scratch';
import type { Rule } from './rule';

/** Every rule GreenML has, sorted by id. This list is the only place that names them all. */
export const RULES: readonly Rule[] = [
  noMixedPrecision,
  trainFromScratch,
];

export function ruleById(id: string): Rule | undefined {
  return RULES.find((rule) => rule.id === id);
}

export const RULE_IDS: readonly string[] = RULES.map((rule) => rule.id);
