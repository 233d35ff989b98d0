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
      return Math.max(0, (total - step) / Math.max(1, total - warmup));
    case 'cosine': {
      const progress = (step - warmup) / Math.max(1, total - warmup);
      // num_cycles = 0.5: a half cosine from 1 down to 0.
      return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * 2 * 0.5 * progress)));
    }
  }
}

export function lrAt(opts: ScheduleOptions, step: number): number {
  return opts.baseLr * lrLambda(opts, step);
}
