/**
 * How long a run is and how its learning rate moves (trainLoop's set-up, nanoGPT's max_iters and
 * get_lr): optimiser steps per epoch from the first epoch's plan of micro-batches, the total
 * (--max-steps, or --epochs of them), and the schedule over that total.
 */
import type { ScheduleOptions } from '../optim/schedule';
import type { PreparedExample } from './batching';
import { Rng, type RngState } from './rng';
import type { TrainConfig } from './train-config';
import { planEpoch } from './train-data';

export interface StepPlan {
  /** What planEpoch needs besides the examples and the epoch's data RNG state. */
  planOpts: { batchSize: number; packing: boolean; maxLen: number };
  /** The data RNG state the first epoch is planned from. */
  firstEpochRng: RngState;
  totalSteps: number;
  /** With --max-steps the epochs are not bounded: the data repeats until the steps are done. */
  maxEpochs: number;
  schedule: ScheduleOptions;
}

export function planSteps(cfg: TrainConfig, kept: PreparedExample[]): StepPlan {
  const planOpts = { batchSize: cfg.batchSize, packing: cfg.packing, maxLen: cfg.maxLen };
  const firstEpochRng = Rng.derive(cfg.seed, 'data').getState();
  const microPerEpoch = planEpoch(kept, firstEpochRng, planOpts).micro.length;
  const stepsPerEpoch = Math.ceil(microPerEpoch / cfg.gradAccum);
  const totalSteps = cfg.maxSteps ?? cfg.epochs * stepsPerEpoch;
  const maxEpochs = cfg.maxSteps !== undefined ? Infinity : cfg.epochs;
  const schedule: ScheduleOptions = {
    kind: cfg.scheduler,
    baseLr: cfg.lr,
    totalSteps,
    warmupSteps: cfg.warmupSteps,
    warmupRatio: cfg.warmupRatio,
    minLrRatio: cfg.lrMinRatio,
  };
  return { planOpts, firstEpochRng, totalSteps, maxEpochs, schedule };
}
