/**
 * Worker protocol events as the store's rows: the fields a step or a GRPO rewards event carries,
 * renamed where the dashboard's DTOs name them differently (byFunction → rewards).
 */
import type { GrpoStepRow, MetricPoint, SampleRow } from '../../src-shared/dto/runs';
import type { RewardsEvent, SampleEvent, StepEvent } from '../workers/protocol';

export function metricPointOf(e: StepEvent): MetricPoint {
  return { step: e.step, loss: e.loss, lr: e.lr, gradNorm: e.gradNorm, tokensPerS: e.tokensPerS, epoch: e.epoch, tokensSeen: e.tokensSeen, ts: e.ts };
}

export function grpoStepRowOf(e: RewardsEvent): GrpoStepRow {
  return {
    step: e.step,
    meanReward: e.meanReward,
    rewardStd: e.rewardStd,
    rewards: e.byFunction,
    kl: e.kl,
    completionLength: e.completionLength,
    correctFraction: e.correctFraction,
    completions: e.completions,
  };
}

export function sampleRowOf(e: SampleEvent): SampleRow {
  return { step: e.step, promptIdx: e.promptIdx, prompt: e.prompt, output: e.output };
}
