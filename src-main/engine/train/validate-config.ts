/** Checks a TrainConfig before any work starts; each problem is one UserError line naming the flag. */
import { UserError } from '../errors';
import type { TrainConfig } from './train-config';
import { resolveTargets } from './lora-targets';
import { setting, SETTING_KEYS } from './train-settings';
import { firstSettingProblem } from './setting-kinds';
import { GRPO_SETTING_KEYS, grpoSetting } from './grpo/grpo-settings';

export function validateTrainConfig(cfg: TrainConfig): void {
  const bad = (flag: string, what: string, hint: string) => {
    throw new UserError(`--${flag} ${what}`, { hint });
  };
  // Every number setting against its bounds in TRAIN_SETTINGS (one line naming the flag).
  const problem = firstSettingProblem(SETTING_KEYS, setting, cfg);
  if (problem) bad(problem.flag, problem.what, problem.hint);
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
  // Every number setting against its bounds in GRPO_SETTINGS (one line naming the flag).
  const problem = firstSettingProblem(GRPO_SETTING_KEYS, grpoSetting, g);
  if (problem) bad(problem.flag, problem.what, problem.hint);
  if (cfg.maxLen <= g.maxNewTokens)
    bad('max-len', `(${cfg.maxLen}) must leave room for the prompt beyond --max-new-tokens ${g.maxNewTokens}`, 'raise --max-len or lower --max-new-tokens');
  if (cfg.packing) bad('packing', 'does not apply to GRPO (each row is one prompt and its completion)', 'drop --packing');
}
