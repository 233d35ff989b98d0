/**
 * One outlet for live run events: what a run's stream subscriber sees and what the app's event bus
 * (the renderer) gets are the same events, so the dashboard needs no poll.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { AppEvent } from '../../src-shared/ipc-contract';
import type { RunStreamEvent } from '../../src-shared/dto/run-stream';
import type { GrpoStepRow } from '../../src-shared/dto/runs';
import { openStore } from '../store/db';
import { grpoStepsAfter } from '../store/queries/grpo-steps';
import { tempDir } from '../test-support/paths';
import type { TestDoubleConfig } from '../test-support/test-double-trainer';
import { tsEntry } from '../workers/worker-client';
import { RunSupervisor } from './supervisor';

test('every step, eval, sample, checkpoint and status reaches both the stream and the app bus', async () => {
  const dir = tempDir('tuneloom-outlet-');
  const model = join(dir, 'model');
  mkdirSync(model);
  writeFileSync(join(model, 'config.json'), '{"model_type":"qwen2"}');
  const db = openStore(join(dir, 'store.db'));
  const bus: AppEvent[] = [];
  const sup = new RunSupervisor(db, { workerEntry: tsEntry(join(import.meta.dirname, '../test-support/test-double-worker.ts')), publish: (e) => bus.push(e) });
  const outDir = join(dir, 'out');
  const config: TestDoubleConfig = { outDir, maxSteps: 6, seed: 3, saveEvery: 2, evalEvery: 3, sampleEvery: 6 };
  const id = sup.enqueue({ name: 'o', method: 'lora', modelPath: model, dataPath: null, outDir, seed: 3, backend: 'cpu', config });
  const stream: RunStreamEvent[] = [];
  sup.subscribe(id, -1, (e) => stream.push(e));
  assert.equal(await sup.waitForEnd(id), 'completed');
  await sup.close();
  db.close();

  const mine = bus.filter((e) => 'runId' in e && e.runId === id);
  const steps = (xs: { type: string }[], t: string) => xs.filter((e) => e.type === t).length;
  assert.deepEqual(
    mine.filter((e) => e.type === 'run.metrics').flatMap((e) => (e.type === 'run.metrics' ? e.points.map((p) => p.step) : [])),
    [1, 2, 3, 4, 5, 6],
  );
  assert.deepEqual(
    mine.filter((e) => e.type === 'run.eval').map((e) => (e.type === 'run.eval' ? e.step : -1)),
    [3, 6],
  );
  assert.deepEqual(
    mine.filter((e) => e.type === 'run.checkpoint').map((e) => (e.type === 'run.checkpoint' ? e.step : -1)),
    [2, 4, 6],
  );
  // The stream replays samples from the store, where the periodic and the final sample of step 6 share a row.
  assert.ok(steps(mine, 'run.samples') >= steps(stream, 'sample') && steps(stream, 'sample') >= 1);
  assert.deepEqual(
    mine.filter((e) => e.type === 'run.status').map((e) => (e.type === 'run.status' ? e.status : '')),
    stream.filter((e) => e.type === 'status').map((e) => (e.type === 'status' ? e.status : '')),
  );
});

test('GRPO rewards reach the stream and the app bus as recorded, and a late subscriber gets them from the store', async () => {
  const dir = tempDir('tuneloom-outlet-');
  const model = join(dir, 'model');
  mkdirSync(model);
  writeFileSync(join(model, 'config.json'), '{"model_type":"qwen2"}');
  const db = openStore(join(dir, 'store.db'));
  const bus: AppEvent[] = [];
  const sup = new RunSupervisor(db, { workerEntry: tsEntry(join(import.meta.dirname, '../test-support/test-double-worker.ts')), publish: (e) => bus.push(e) });
  const outDir = join(dir, 'out');
  const config: TestDoubleConfig = { outDir, maxSteps: 4, seed: 3, rewards: true };
  const id = sup.enqueue({ name: 'g', method: 'lora', modelPath: model, dataPath: null, outDir, seed: 3, backend: 'cpu', config });
  const live: GrpoStepRow[] = [];
  sup.subscribe(id, -1, (e) => e.type === 'rewards' && live.push(e.row));
  assert.equal(await sup.waitForEnd(id), 'completed');
  const onBus = bus.flatMap((e) => (e.type === 'run.rewards' && e.runId === id ? e.steps : []));
  const stored = grpoStepsAfter(db, id, -1);
  assert.deepEqual(
    stored.map((r) => r.step),
    [1, 2, 3, 4],
  );
  assert.deepEqual(stored[3], {
    step: 4,
    meanReward: 0.5,
    rewardStd: 0.5,
    rewards: { format: 0.5 },
    kl: 0.004,
    completionLength: 3,
    correctFraction: null,
    completions: [
      { prompt: 'hi', completion: 'answer 0 at 4', reward: 0, parts: { format: 0 }, advantage: -1 },
      { prompt: 'hi', completion: 'answer 1 at 4', reward: 1, parts: { format: 1 }, advantage: 1 },
    ],
  });
  assert.deepEqual(onBus, stored);
  assert.deepEqual(live, stored);
  // After the run: the history replays from the store, after the step asked for.
  const late: GrpoStepRow[] = [];
  sup.subscribe(id, 2, (e) => e.type === 'rewards' && late.push(e.row))();
  assert.deepEqual(late, stored.slice(2));
  await sup.close();
  db.close();
});
