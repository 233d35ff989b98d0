/**
 * A run's length: --epochs of optimiser steps (one per gradAccum micro-batches, the last group of an
 * epoch possibly short), or exactly --max-steps with the epochs unbounded; the schedule spans that total.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PreparedExample } from './batching';
import { TRAIN_DEFAULTS, type TrainConfig } from './train-config';
import { planSteps } from './train-schedule';

const cfgWith = (over: Partial<TrainConfig>): TrainConfig => ({ ...TRAIN_DEFAULTS, model: 'm', data: 'd', out: 'o', ...over });
const examples: PreparedExample[] = Array.from({ length: 10 }, (_, i) => ({ ids: [1, 2, 3], targets: [2, 3, -100], source: i }));

test('--epochs: ceil(micro-batches / gradAccum) steps per epoch, epochs bounded', () => {
  // 10 examples in batches of 2 = 5 micro-batches; groups of 2 = 3 steps per epoch.
  const plan = planSteps(cfgWith({ batchSize: 2, gradAccum: 2, epochs: 2, maxSteps: undefined, packing: false }), examples);
  assert.equal(plan.totalSteps, 6);
  assert.equal(plan.maxEpochs, 2);
  assert.equal(plan.schedule.totalSteps, 6);
  assert.deepEqual(plan.planOpts, { batchSize: 2, packing: false, maxLen: TRAIN_DEFAULTS.maxLen });
});

test('--max-steps: that many steps, the data repeating as often as it takes', () => {
  const plan = planSteps(cfgWith({ batchSize: 2, gradAccum: 2, epochs: 1, maxSteps: 7 }), examples);
  assert.equal(plan.totalSteps, 7);
  assert.equal(plan.maxEpochs, Infinity);
});
