/**
 * Learning-rate schedules as transformers' get_{constant,linear,cosine}_schedule_with_warmup define
 * them (transformers/optimization.py). `lrAt(step)` is the rate used by the optimiser step with
 * 0-based index `step`: LambdaLR starts at lambda(0) and advances once after every optimiser step.
 */

import type { SCHEDULER_KINDS } from '../train/train-settings';

export type SchedulerKind = (typeof SCHEDULER_KINDS)[number];

export interface ScheduleOptions {
  kind: SchedulerKind;
  baseLr: number;
  totalSteps: number;
  warmupSteps?: number;
  /** Used when warmupSteps is absent: ceil(ratio * totalSteps), as TrainingArguments.get_warmup_steps. */
  warmupRatio?: number;
  /**
   * The floor linear and cosine decay towards, as a fraction of baseLr (`--lr-min-ratio`; absent or 0:
   * decay to 0). As transformers' cosine_with_min_lr (min_lr_rate): lambda = decay * (1 - r) + r.
   */
  minLrRatio?: number;
}

export function resolveWarmupSteps(opts: ScheduleOptions): number {
  if (opts.warmupSteps !== undefined) return opts.warmupSteps;
  if (opts.warmupRatio !== undefined) return Math.ceil(opts.warmupRatio * opts.totalSteps);
  return 0;
}

/** The multiplier lambda(step) of the base learning rate. */
export function lrLambda(opts: ScheduleOptions, step: number): number {
  const warmup = resolveWarmupSteps(opts);
  if (step < warmup) return step / Math.max(1, warmup);
  const total = opts.totalSteps;
  switch (opts.kind) {
    case 'constant':
      return 1;
    case 'linear':
      return floored(opts, Math.max(0, (total - step) / Math.max(1, total - warmup)));
    case 'cosine': {
      const progress = (step - warmup) / Math.max(1, total - warmup);
      // num_cycles = 0.5: a half cosine from 1 down to 0.
      return floored(opts, Math.max(0, 0.5 * (1 + Math.cos(Math.PI * 2 * 0.5 * progress))));
    }
  }
}

/** A decay factor in [0, 1] lifted onto [minLrRatio, 1]. */
function floored(opts: ScheduleOptions, decay: number): number {
  const floor = opts.minLrRatio ?? 0;
  return decay * (1 - floor) + floor;
}

export function lrAt(opts: ScheduleOptions, step: number): number {
  return opts.baseLr * lrLambda(opts, step);
}
