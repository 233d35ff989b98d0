/**
 * planner.estimate end to end in main: the request validator, the device budget per backend, the
 * dataset's examples per epoch, and the real backend probe (a child process selecting the cpu backend
 * and timing a calibration matmul) feeding a step time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { validateRequest } from '../../../src-shared/ipc-contract';
import type { PlanRequest } from '../../../src-shared/dto/plan';
import { openStore } from '../../store/db';
import { insertDataset } from '../../store/queries/library';
import { tempDir } from '../../test-support/paths';
import { writeTinyModel } from '../../test-support/tiny-model';
import { runProbe } from './backend-probe';
import { deviceBudget, planRun } from './plan-run';
import type { ProbeResult } from './probe-result';

const root = tempDir();
const modelDir = writeTinyModel(join(root, 'tiny'));
const req: PlanRequest = {
  modelPath: modelDir,
  method: 'lora',
  loraR: 8,
  loraTargets: ['q_proj', 'v_proj'],
  loraDropout: 0.05,
  prefixLen: 16,
  batchSize: 2,
  gradAccum: 2,
  maxLen: 128,
  gradientCheckpointing: false,
};

test('the request validator accepts the wizard request and names a bad field', () => {
  assert.deepEqual(validateRequest('planner.estimate', { ...req, backend: 'auto', datasetId: 3 }), { ...req, backend: 'auto', datasetId: 3 });
  assert.throws(() => validateRequest('planner.estimate', { ...req, loraTargets: ['lm_head'] }), /payload\.loraTargets\[0\] must be one of/);
  assert.throws(() => validateRequest('planner.estimate', { ...req, batchSize: 0 }), /payload\.batchSize must be at least 1/);
});

test('the budget is system memory on cpu, the stated GPU memory otherwise', () => {
  assert.deepEqual(deviceBudget('cpu', 24, 16e9), { bytes: 16e9, source: 'system-memory' });
  assert.deepEqual(deviceBudget('vulkan', 12, 16e9), { bytes: 12 * 1024 ** 3, source: 'user-gpu-memory' });
  assert.equal(deviceBudget(null, undefined).source, 'assumed-gpu-memory');
});

test('a plan with a fake probe: examples per epoch from the dataset split, time from the probed rate', async () => {
  const db = openStore(join(root, 'a.db'));
  try {
    const id = insertDataset(db, {
      name: 'd',
      sourcePaths: ['/x.jsonl'],
      sha256: 'ab',
      format: 'conversations',
      encoding: 'utf-8',
      mapping: {},
      examples: 100,
      skipped: 0,
      stats: { unit: 'tokens', p95: 40, split: { train: 90, val: 10 } },
      isDemo: false,
    });
    const probe = async (choice: string): Promise<ProbeResult> => ({
      ok: true,
      choice,
      backend: 'cpu',
      reason: 'cpu: no GPU backend found',
      flopsPerSecond: 1e9,
      calibration: { size: 512, seconds: 0.1, runs: 3 },
    });
    const plan = await planRun(db, { ...req, datasetId: id }, probe);
    assert.deepEqual(plan.backend, { name: 'cpu', reason: 'cpu: no GPU backend found' });
    assert.equal(plan.budget.source, 'system-memory');
    assert.deepEqual(plan.seqLen, { memory: 128, time: 40, timeSource: 'dataset-p95-tokens' });
    assert.equal(plan.estimate.stepsPerEpoch, Math.ceil(90 / 4));
    assert.ok(plan.estimate.stepSeconds! > 0 && Math.abs(plan.estimate.epochSeconds! - plan.estimate.stepSeconds! * 23) < 1e-9);
    assert.equal(plan.estimate.fits, true);
    const failed = await planRun(db, req, async (choice) => ({ ok: false, choice, error: 'no backend' }));
    assert.equal(failed.backend, null);
    assert.equal(failed.backendError, 'no backend');
    assert.equal(failed.estimate.stepSeconds, undefined, 'no measured throughput, no time');
  } finally {
    db.close();
  }
});

test("a GRPO plan: memory for one prompt's group of G completions per micro-batch, and no smaller-batch advice", async () => {
  const db = openStore(join(root, 'grpo.db'));
  try {
    const probe = async (choice: string): Promise<ProbeResult> => ({
      ok: true,
      choice,
      backend: 'cpu',
      reason: 'cpu',
      flopsPerSecond: 1e9,
      calibration: { size: 512, seconds: 0.1, runs: 3 },
    });
    const grpo = { ...req, batchSize: 1, gradAccum: 4, grpoGenerations: 8 };
    assert.deepEqual(validateRequest('planner.estimate', grpo), grpo);
    assert.throws(() => validateRequest('planner.estimate', { ...grpo, grpoGenerations: 1 }), /payload\.grpoGenerations must be at least 2/);
    const plan = await planRun(db, grpo, probe);
    const asSft = await planRun(db, { ...req, batchSize: 8, gradAccum: 4 }, probe);
    assert.deepEqual(plan.estimate.bytes, asSft.estimate.bytes, 'G rows per micro-batch, whatever the batch size');
    assert.ok(plan.estimate.bytes.total > (await planRun(db, { ...req, batchSize: 1, gradAccum: 4 }, probe)).estimate.bytes.total);
    const tight = await planRun(db, { ...grpo, maxLen: 1 << 16, backend: 'vulkan', deviceMemoryGiB: 0.25 }, async (choice) => ({
      ok: false,
      choice,
      error: 'no gpu',
    }));
    assert.equal(tight.estimate.fits, false);
    assert.ok(!tight.estimate.suggestions.some((x) => x.key === 'smaller-batch'), JSON.stringify(tight.estimate.suggestions));
    const tightSft = await planRun(db, { ...req, batchSize: 8, maxLen: 1 << 16, backend: 'vulkan', deviceMemoryGiB: 0.25 }, async (choice) => ({
      ok: false,
      choice,
      error: 'no gpu',
    }));
    assert.ok(
      tightSft.estimate.suggestions.some((x) => x.key === 'smaller-batch'),
      'the same rows as SFT would get the advice',
    );
  } finally {
    db.close();
  }
});

test('the real probe selects the cpu backend in a child process and measures a matmul rate', async () => {
  const r = await runProbe('cpu');
  assert.equal(r.ok, true, JSON.stringify(r));
  if (!r.ok) return;
  assert.equal(r.backend, 'cpu');
  assert.match(r.reason, /^cpu: /);
  assert.ok(r.flopsPerSecond > 1e6 && r.flopsPerSecond < 1e13, `measured ${r.flopsPerSecond} FLOP/s`);
});
