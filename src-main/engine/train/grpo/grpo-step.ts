/**
 * One GRPO step's work before the optimiser (TRL GRPOTrainer with num_iterations 1): for each prompt
 * sample G completions with the adapter, score them, normalise the rewards within the group, take the
 * policy's and the reference's log-probs of every completion token, and leave the gradient of the
 * GRPO loss (loss.ts) in the engine. The caller clips and applies the update.
 * On-policy: the old log-probs are the policy's own (ratio 1), computed in a pass without gradients.
 * Log-probs are of the model's distribution (temperature 1), not of the sampling temperature.
 */
import { collate, shiftLabels, type Batch } from '../batching';
import { IGNORE_INDEX } from '../ignore-index';
import { groupAdvantages, groupStats } from './advantages';
import type { GrpoEngine, GrpoSampling } from './grpo-engine';
import { grpoLoss, type CompletionLogProbs, type GrpoLoss } from './loss';
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
  const t0 = opts.now();
  const groups = await sampleGroups(engine, prompts, opts);
  const scored = await scoreGroups(prompts, groups, opts);
  const t1 = opts.now();

  const batches = completionBatches(prompts, groups, opts.groupSize);
  const completions = await completionLogProbs(engine, batches, groups, scored.advantages, opts);
  const loss = grpoLoss(completions, { beta: opts.beta, epsilon: opts.epsilon });
  await engine.weightedGrads(weightedBatches(batches, groups, loss.coefficients));
  const t2 = opts.now();

  return { loss: loss.loss, ...stepStats(prompts.length, scored, loss, opts), generationMs: t1 - t0, trainMs: t2 - t1 };
}

/** Rollouts: G completions of each prompt, prompt p's from seed + p * G (one per completion). */
async function sampleGroups(engine: GrpoEngine, prompts: readonly GrpoPrompt[], opts: GrpoStepOptions): Promise<number[][][]> {
  const G = opts.groupSize;
  const groups: number[][][] = [];
  for (const [p, pr] of prompts.entries()) {
    groups.push(await engine.sampleCompletions(pr.promptIds, G, { ...opts.sampling, seed: (opts.seed + p * G) >>> 0 }));
    await opts.breathe?.();
  }
  return groups;
}

/** Every completion scored, in sampling order, with its reward's advantage within its prompt's group. */
interface ScoredGroups {
  samples: ScoredSample[];
  rewards: number[];
  advantages: number[];
}

async function scoreGroups(prompts: readonly GrpoPrompt[], groups: number[][][], opts: GrpoStepOptions): Promise<ScoredGroups> {
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
  const advantages = groupAdvantages(rewards, opts.groupSize);
  advantages.forEach((a, i) => (samples[i].advantage = a));
  return { samples, rewards, advantages };
}

/** One micro-batch per prompt: its G rows, targets on the completion tokens only. */
function completionBatches(prompts: readonly GrpoPrompt[], groups: number[][][], G: number): Batch[] {
  return prompts.map((pr, p) =>
    collate(
      groups[p].map((ids, i) => [
        { ids: [...pr.promptIds, ...ids], targets: shiftLabels([...pr.promptIds.map(() => IGNORE_INDEX), ...ids]), source: p * G + i },
      ]),
      0,
      false,
    ),
  );
}

/** The policy's and the reference's log-probs of every completion token, with the completion's advantage. */
async function completionLogProbs(
  engine: GrpoEngine,
  batches: Batch[],
  groups: number[][][],
  advantages: number[],
  opts: GrpoStepOptions,
): Promise<CompletionLogProbs[]> {
  const G = opts.groupSize;
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
  return completions;
}

/** The loss's per-token coefficients (one array per completion) laid out as each batch's targets. */
function weightedBatches(batches: Batch[], groups: number[][][], coefficients: Float32Array[]): { batch: Batch; coefficients: Float32Array }[] {
  let k = 0;
  return batches.map((batch, p) => {
    const c = new Float32Array(batch.numTargets);
    let at = 0;
    for (let i = 0; i < groups[p].length; i++, k++) {
      c.set(coefficients[k], at);
      at += coefficients[k].length;
    }
    return { batch, coefficients: c };
  });
}

/** What the step reports besides its loss and timings: reward means, spread within groups, KL, lengths. */
function stepStats(
  promptCount: number,
  { samples, rewards }: ScoredGroups,
  loss: GrpoLoss,
  opts: GrpoStepOptions,
): Omit<GrpoStepResult, 'loss' | 'generationMs' | 'trainMs'> {
  const G = opts.groupSize;
  const names = opts.rewards.map((f) => f.name);
  const byFunction = Object.fromEntries(names.map((n) => [n, samples.reduce((s, x) => s + (x.parts[n] ?? 0), 0) / samples.length]));
  let std = 0;
  let correct = 0;
  for (let p = 0; p < promptCount; p++) {
    const group = samples.slice(p * G, (p + 1) * G);
    std += groupStats(group.map((s) => s.reward)).std / promptCount;
    correct += group.filter((s) => s.parts.correct === 1).length / G / promptCount;
  }
  const tokens = samples.reduce((n, s) => n + s.tokens, 0);
  return {
    meanReward: rewards.reduce((a, b) => a + b, 0) / rewards.length,
    rewardStd: std,
    byFunction,
    kl: loss.meanKl,
    clipFraction: loss.clipFraction,
    completionLength: tokens / samples.length,
    correctFraction: names.includes('correct') ? correct : null,
    samples,
    tokens,
  };
}
