/**
 * One GRPO step's work before the optimiser (TRL GRPOTrainer with num_iterations 1): for each prompt
 * sample G completions with the adapter, score them, normalise the rewards within the group, take the
 * policy's and the reference's log-probs of every completion token, and leave the gradient of the
 * GRPO loss (loss.ts) in the engine. The caller clips and applies the update.
 * On-policy: the old log-probs are the policy's own (ratio 1), computed in a pass without gradients.
 * Log-probs are of the model's distribution (temperature 1), not of the sampling temperature.
 */
import { collate, shiftLabels } from '../batching';
import { IGNORE_INDEX } from '../ignore-index';
import { groupAdvantages, groupStats } from './advantages';
import type { GrpoEngine, GrpoSampling } from './grpo-engine';
import { grpoLoss, type CompletionLogProbs } from './loss';
import { scoreCompletion, type RewardFunction, type RewardInput } from './rewards';

export interface GrpoPrompt {
  /** The prompt as the reward functions see it (the last user turn). */
  prompt: string;
  /** The chat-rendered prompt with the generation prompt, tokenised. */
  promptIds: number[];
  example: RewardInput['example'];
}

export interface ScoredSample {
  prompt: string;
  completion: string;
  reward: number;
  parts: Record<string, number>;
  advantage: number;
  tokens: number;
}

export interface GrpoStepResult {
  loss: number;
  meanReward: number;
  /** Mean over groups of the rewards' standard deviation within a group. */
  rewardStd: number;
  /** Mean of each reward function. */
  byFunction: Record<string, number>;
  kl: number;
  clipFraction: number;
  completionLength: number;
  /** Mean over groups of the fraction of completions the `correct` reward scored 1 (null without it). */
  correctFraction: number | null;
  samples: ScoredSample[];
  /** Completion tokens trained on. */
  tokens: number;
  generationMs: number;
  trainMs: number;
}

export interface GrpoStepOptions {
  groupSize: number;
  beta: number;
  epsilon: number;
  sampling: Omit<GrpoSampling, 'seed'>;
  /** Seed of this step's sampling; prompt p's completions draw from seed + p * groupSize + i. */
  seed: number;
  decode(ids: number[]): string;
  rewards: readonly RewardFunction[];
  onRewardError?(fn: string, reason: string): void;
  now(): number;
  /** Awaited between prompts so the host answers heartbeats during long generations. */
  breathe?(): Promise<void>;
}

export async function grpoStep(engine: GrpoEngine, prompts: readonly GrpoPrompt[], opts: GrpoStepOptions): Promise<GrpoStepResult> {
  const G = opts.groupSize;
  const t0 = opts.now();
  const groups: number[][][] = [];
  for (const [p, pr] of prompts.entries()) {
    groups.push(await engine.sampleCompletions(pr.promptIds, G, { ...opts.sampling, seed: (opts.seed + p * G) >>> 0 }));
    await opts.breathe?.();
  }
  const samples: ScoredSample[] = [];
  const rewards: number[] = [];
  for (const [p, pr] of prompts.entries()) {
    for (const ids of groups[p]) {
      const completion = opts.decode(ids);
      const s = await scoreCompletion(opts.rewards, { prompt: pr.prompt, completion, example: pr.example }, opts.onRewardError);
      rewards.push(s.total);
      samples.push({ prompt: pr.prompt, completion, reward: s.total, parts: s.parts, advantage: 0, tokens: ids.length });
    }
  }
  const advantages = groupAdvantages(rewards, G);
  advantages.forEach((a, i) => (samples[i].advantage = a));
  const t1 = opts.now();

  // One micro-batch per prompt: its G rows, targets on the completion tokens only.
  const batches = prompts.map((pr, p) =>
    collate(
      groups[p].map((ids, i) => [
        { ids: [...pr.promptIds, ...ids], targets: shiftLabels([...pr.promptIds.map(() => IGNORE_INDEX), ...ids]), source: p * G + i },
      ]),
      0,
      false,
    ),
  );
  const completions: CompletionLogProbs[] = [];
  for (const [p, batch] of batches.entries()) {
    const logp = await engine.targetLogProbs(batch, false);
    // beta 0: the KL term is gone, and so is the reference pass (as TRL skips its ref model).
    const ref = opts.beta === 0 ? logp : await engine.targetLogProbs(batch, true);
    let at = 0;
    for (const [i, ids] of groups[p].entries()) {
      const n = ids.length;
      completions.push({
        logp: logp.subarray(at, at + n),
        oldLogp: logp.subarray(at, at + n),
        refLogp: ref.subarray(at, at + n),
        advantage: advantages[p * G + i],
      });
      at += n;
    }
    await opts.breathe?.();
  }
  const loss = grpoLoss(completions, { beta: opts.beta, epsilon: opts.epsilon });
  let k = 0;
  const weighted = batches.map((batch, p) => {
    const c = new Float32Array(batch.numTargets);
    let at = 0;
    for (let i = 0; i < groups[p].length; i++, k++) {
      c.set(loss.coefficients[k], at);
      at += loss.coefficients[k].length;
    }
    return { batch, coefficients: c };
  });
  await engine.weightedGrads(weighted);
  const t2 = opts.now();

  const names = opts.rewards.map((f) => f.name);
  const byFunction = Object.fromEntries(names.map((n) => [n, samples.reduce((s, x) => s + (x.parts[n] ?? 0), 0) / samples.length]));
  let std = 0;
  let correct = 0;
  for (let p = 0; p < prompts.length; p++) {
    const group = samples.slice(p * G, (p + 1) * G);
    std += groupStats(group.map((s) => s.reward)).std / prompts.length;
    correct += group.filter((s) => s.parts.correct === 1).length / G / prompts.length;
  }
  const tokens = samples.reduce((n, s) => n + s.tokens, 0);
  return {
    loss: loss.loss,
    meanReward: rewards.reduce((a, b) => a + b, 0) / rewards.length,
    rewardStd: std,
    byFunction,
    kl: loss.meanKl,
    clipFraction: loss.clipFraction,
    completionLength: tokens / samples.length,
    correctFraction: names.includes('correct') ? correct : null,
    samples,
    tokens,
    generationMs: t1 - t0,
    trainMs: t2 - t1,
  };
}
