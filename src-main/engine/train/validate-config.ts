/** Checks a TrainConfig before any work starts; each problem is one UserError line naming the flag. */
import { UserError } from '../errors';
import type { TrainConfig } from './train-config';
import { resolveTargets } from './lora-targets';
import { numberProblem, SETTING_KEYS } from './train-settings';

export function validateTrainConfig(cfg: TrainConfig): void {
  const bad = (flag: string, what: string, hint: string) => {
    throw new UserError(`--${flag} ${what}`, { hint });
  };
  // Every number setting against its bounds in TRAIN_SETTINGS (one line naming the flag).
  for (const key of SETTING_KEYS) {
    const value: unknown = cfg[key];
    const problem = typeof value === 'number' ? numberProblem(key, value) : null;
    if (problem) bad(problem.flag, problem.what, problem.hint);
  }
  // Target names are the same for every supported family, so they are checked before any loading.
  if (cfg.method === 'lora' && !cfg.initAdapter) resolveTargets(cfg.loraTargets);
  if (cfg.grpo) validateGrpo(cfg);
  if (cfg.method === 'ptuning' && cfg.initAdapter)
    bad('init-adapter', 'is for LoRA runs; P-Tuning v2 starts from a fresh prefix', 'drop --init-adapter or use --method lora');
}

function validateGrpo(cfg: TrainConfig): void {
  const g = cfg.grpo!;
  const bad = (flag: string, what: string, hint: string) => {
    throw new UserError(`--${flag} ${what}`, { hint });
  };
  if (cfg.method !== 'lora')
    throw new UserError('GRPO trains a LoRA adapter; P-Tuning v2 with GRPO is not supported', { hint: 'use --method grpo (LoRA) or --method ptuning (SFT)' });
  if (!Number.isInteger(g.numGenerations) || g.numGenerations < 2)
    bad('num-generations', `must be an integer of at least 2 (a group needs someone to compare with), got ${g.numGenerations}`, 'e.g. --num-generations 4');
  if (!(g.beta >= 0) || !Number.isFinite(g.beta)) bad('beta', `must be 0 or more, got ${g.beta}`, 'e.g. --beta 0.04');
  if (!(g.epsilon > 0 && g.epsilon < 1)) bad('epsilon', `must be in (0, 1), got ${g.epsilon}`, 'e.g. --epsilon 0.2');
  if (!Number.isInteger(g.maxNewTokens) || g.maxNewTokens < 1)
    bad('max-new-tokens', `must be a positive integer, got ${g.maxNewTokens}`, 'e.g. --max-new-tokens 128');
  if (!(g.temperature > 0) || !Number.isFinite(g.temperature))
    bad('temperature', `must be positive (GRPO samples), got ${g.temperature}`, 'e.g. --temperature 1.0');
  if (!(g.topP > 0 && g.topP <= 1)) bad('top-p', `must be in (0, 1], got ${g.topP}`, 'e.g. --top-p 1.0');
  if (!Number.isInteger(g.topK) || g.topK < 0) bad('top-k', `must be 0 (off) or a positive integer, got ${g.topK}`, 'e.g. --top-k 50');
  if (cfg.maxLen <= g.maxNewTokens)
    bad('max-len', `(${cfg.maxLen}) must leave room for the prompt beyond --max-new-tokens ${g.maxNewTokens}`, 'raise --max-len or lower --max-new-tokens');
  if (cfg.packing) bad('packing', 'does not apply to GRPO (each row is one prompt and its completion)', 'drop --packing');
  if (!Number.isInteger(g.rewardTimeoutMs) || g.rewardTimeoutMs < 1)
    bad('reward-timeout-ms', `must be a positive integer, got ${g.rewardTimeoutMs}`, 'e.g. --reward-timeout-ms 1000');
}
