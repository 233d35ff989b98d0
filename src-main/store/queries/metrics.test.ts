import assert from 'node:assert/strict';
import { test } from 'node:test';
import { join } from 'node:path';
import type { MetricPoint } from '../../../src-shared/dto/runs';
import { tempDir } from '../../test-support/paths';
import { openStore } from '../db';
import { downsampleMetrics, duplicateMetricSteps, insertMetrics, metricsSummary } from './metrics';
import { insertRun, getRun } from './runs';
import { finalSamples, insertSample } from './samples';
import { recordCheckpoint, listCheckpoints } from './checkpoints';
import { recordTrainEval } from './evals';

const point = (step: number, loss: number): MetricPoint => ({
  step,
  loss,
  lr: 1e-3,
  gradNorm: 1,
  tokensPerS: 100,
  epoch: step / 1000,
  tokensSeen: step * 10,
  ts: step,
});

function fresh() {
  const db = openStore(join(tempDir(), 'm.db'));
  const id = insertRun(db, { name: 'r', method: 'lora', modelPath: '/m', config: {}, seed: 1, appVersion: '0', outDir: '/o' });
  return { db, id };
}

test('metrics: a repeated step replaces its row; summary reports first/last/min', () => {
  const { db, id } = fresh();
  insertMetrics(db, id, [point(1, 3), point(2, 2), point(3, 2.5)]);
  insertMetrics(db, id, [point(3, 1.5), point(4, 1.75)]); // a resumed run repeats step 3
  assert.equal(duplicateMetricSteps(db, id), 0);
  const s = metricsSummary(db, id);
  assert.deepEqual([s.steps, s.firstStep, s.lastStep, s.firstLoss, s.lastLoss, s.minLoss, s.minLossStep], [4, 1, 4, 3, 1.75, 1.5, 3]);
  db.close();
});

test('downsampling keeps at most maxPoints, bucket means, and ends on the last step', () => {
  const { db, id } = fresh();
  insertMetrics(
    db,
    id,
    Array.from({ length: 1000 }, (_, i) => point(i + 1, i + 1)),
  );
  const pts = downsampleMetrics(db, id, 101);
  assert.ok(pts.length <= 101 && pts.length >= 95, String(pts.length));
  assert.equal(pts.at(-1)!.step, 1000);
  assert.equal(pts.at(-1)!.loss, 1000);
  for (let i = 1; i < pts.length; i++) assert.ok(pts[i].step > pts[i - 1].step);
  // The first bucket holds steps 1..10 (999 steps over 100 buckets): its mean loss is 5.5.
  assert.equal(pts[0].step, 10);
  assert.equal(pts[0].loss, 5.5);
  assert.deepEqual(downsampleMetrics(db, id, 5000).length, 1000, 'no downsampling below the limit');
  db.close();
});

test('samples, evals and checkpoints: final samples, best eval loss, checkpoint eval loss', () => {
  const { db, id } = fresh();
  insertSample(db, id, { step: 5, promptIdx: 0, prompt: 'a', output: 'x' });
  insertSample(db, id, { step: 10, promptIdx: 0, prompt: 'a', output: 'y' });
  insertSample(db, id, { step: 10, promptIdx: 1, prompt: 'b', output: 'z' });
  insertSample(db, id, { step: 10, promptIdx: 1, prompt: 'b', output: 'z2' });
  assert.deepEqual(
    finalSamples(db, id).map((s) => s.output),
    ['y', 'z2'],
  );
  recordTrainEval(db, id, { step: 5, loss: 2, metrics: null });
  recordTrainEval(db, id, { step: 10, loss: 1, metrics: null });
  recordTrainEval(db, id, { step: 10, loss: 1.2, metrics: null }); // repeated step replaces
  recordCheckpoint(db, id, { step: 10, path: '/o/c10', bytes: 5 });
  assert.equal(getRun(db, id)!.bestEvalLoss, 1);
  assert.equal(getRun(db, id)!.lastStep, 10);
  assert.deepEqual(
    listCheckpoints(db, id).map((c) => [c.step, c.evalLoss]),
    [[10, 1.2]],
  );
  assert.equal((db.prepare('SELECT count(*) AS n FROM evals WHERE run_id = ? AND step = 10').get(id) as { n: number }).n, 1);
  db.close();
});
