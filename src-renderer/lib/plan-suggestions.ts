/** The memory planner's suggestions as the UI names them: the wizard's Resources step and an out-of-memory run's banner. */
import type { PlanSuggestionKey } from '../../src-shared/dto/plan';
import type { MessageKey } from './i18n/i18n.svelte';

export const SUGGESTION_KEYS: Record<PlanSuggestionKey, MessageKey> = {
  'shorter-max-len': 'plan.suggest.maxLen',
  'smaller-batch': 'plan.suggest.batch',
  'gradient-checkpointing': 'plan.suggest.ckpt',
  'weights-4bit': 'plan.suggest.q4',
  'smaller-model': 'plan.suggest.model',
};
