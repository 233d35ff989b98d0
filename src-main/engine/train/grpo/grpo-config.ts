/**
 * GRPO settings of a run (TrainConfig.grpo; present = the run trains with GRPO instead of SFT), typed
 * from the one table, grpo-settings.ts. Names and defaults follow TRL's GRPOConfig where it has them:
 * num_generations (G, completions per prompt), beta 0.04, epsilon 0.2, temperature 1.0, top_p 1.0,
 * top_k off; max_completion_length is our maxNewTokens (128 here, 256 in TRL, to keep a cpu step short).
 * Prompts per optimiser step are --batch-size x --grad-accum; each prompt's group of G completions is
 * one micro-batch. rewards: built-in reward functions, summed; rewardFile: a user's JavaScript reward
 * (engine-node/reward-sandbox.ts), added to the sum, with rewardTimeoutMs per call; formatPattern: the
 * regex source of the format reward (default: <think>…</think> then <answer>…</answer>).
 */
import type { SettingValue } from '../setting-kinds';
import { GRPO_SETTING_DEFAULTS, type GrpoSettingKey, type GrpoSettingsTable } from './grpo-settings';

type DefaultedKey = { [K in GrpoSettingKey]: GrpoSettingsTable[K] extends { default: unknown } ? K : never }[GrpoSettingKey];

export type GrpoConfig = { [K in DefaultedKey]: SettingValue<GrpoSettingsTable[K]> } & {
  [K in Exclude<GrpoSettingKey, DefaultedKey>]?: SettingValue<GrpoSettingsTable[K]>;
};

// defaultsOfTable fills exactly the keys DefaultedKey names, each with its declared default.
export const GRPO_DEFAULTS = GRPO_SETTING_DEFAULTS as GrpoConfig;
