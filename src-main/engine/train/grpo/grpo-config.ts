/**
 * GRPO settings of a run (TrainConfig.grpo; present = the run trains with GRPO instead of SFT). Names
 * and defaults follow TRL's GRPOConfig where it has them: num_generations, beta 0.04, epsilon 0.2,
 * temperature 1.0, top_p 1.0, top_k off; max_completion_length is our maxNewTokens (128 here, 256 in
 * TRL, to keep a cpu step short). Prompts per optimiser step are --batch-size x --grad-accum; each
 * prompt's group of G completions is one micro-batch.
 */
import type { BuiltinReward } from './rewards';

export interface GrpoConfig {
  /** G: completions sampled per prompt. */
  numGenerations: number;
  beta: number;
  epsilon: number;
  maxNewTokens: number;
  temperature: number;
  topP: number;
  topK: number;
  /** Built-in reward functions, summed. */
  rewards: BuiltinReward[];
  /** A user's JavaScript reward file (training/reward-sandbox.ts), added to the sum. */
  rewardFile?: string;
  /** Per call of the reward file. */
  rewardTimeoutMs: number;
  /** Regex source of the format reward (default: <think>…</think> then <answer>…</answer>). */
  formatPattern?: string;
}

export const GRPO_DEFAULTS: GrpoConfig = {
  numGenerations: 4,
  beta: 0.04,
  epsilon: 0.2,
  maxNewTokens: 128,
  temperature: 1,
  topP: 1,
  topK: 0,
  rewards: ['format', 'correct'],
  rewardTimeoutMs: 1000,
};
