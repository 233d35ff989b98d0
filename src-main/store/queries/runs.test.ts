import assert from 'node:assert/strict';
import { test } from 'node:test';
import { join } from 'node:path';
import { openStore } from '../db';
import { tempDir } from '../../test-support/paths';
import { getRun, insertRun, listRuns, setRunStatus } from './runs';
import { insertDataset, listDatasets, listModels, upsertModel } from './library';

test('runs: insert, list with filters and sorts, status transitions', () => {
  const db = openStore(join(tempDir(), 't.db'));
  const dsId = insertDataset(db, {
    name: 'handbook',
    sourcePaths: ['/d/h.jsonl'],
    sha256: 'abc',
    format: 'conversations',
    encoding: 'utf-8',
    mapping: null,
    examples: 10,
    skipped: 1,
    stats: null,
    isDemo: false,
  });
  assert.equal(
    insertDataset(db, {
      name: 'again',
      sourcePaths: ['/d/h.jsonl'],
      sha256: 'abc',
      format: 'conversations',
      encoding: 'utf-8',
      mapping: null,
      examples: 10,
      skipped: 1,
      stats: null,
      isDemo: false,
    }),
    dsId,
    'same file + mapping is one dataset',
  );
  const base = { method: 'lora' as const, modelPath: '/m', config: { lr: 2e-4 }, seed: 42, appVersion: '0.1.0', outDir: '/o' };
  const a = insertRun(db, { ...base, name: 'b-run', datasetId: dsId });
  const b = insertRun(db, { ...base, name: 'a-run' });
  setRunStatus(db, a, 'running');
  db.prepare('INSERT INTO metrics (run_id, step, loss, ts) VALUES (?, 1, 2.5, 0), (?, 2, 1.5, 0)').run(a, a);
  assert.deepEqual(
    listRuns(db).map((r) => r.id),
    [b, a],
  );
  assert.deepEqual(
    listRuns(db, { sort: 'name' }).map((r) => r.name),
    ['a-run', 'b-run'],
  );
  assert.deepEqual(
    listRuns(db, { status: 'running' }).map((r) => r.id),
    [a],
  );
  assert.deepEqual(
    listRuns(db, { datasetId: dsId }).map((r) => r.id),
    [a],
  );
  const detail = getRun(db, a)!;
  assert.equal(detail.lastLoss, 1.5);
  assert.ok(detail.startedAt);
  assert.deepEqual(detail.config, { lr: 2e-4 });
  setRunStatus(db, a, 'failed', { error: { name: 'NanLoss', message: 'loss became NaN at step 3', kind: 'nan' } });
  assert.equal(getRun(db, a)!.error?.kind, 'nan');
  assert.ok(getRun(db, a)!.finishedAt);
  assert.equal(listDatasets(db).length, 1);
  upsertModel(db, {
    path: '/m',
    name: 'tiny',
    family: 'qwen2',
    params: 10,
    dtype: 'bfloat16',
    hasChatTemplate: true,
    configHash: 'h',
    source: 'local',
    repoId: null,
    isDemo: false,
  });
  upsertModel(db, {
    path: '/m',
    name: 'tiny2',
    family: 'qwen2',
    params: 10,
    dtype: 'bfloat16',
    hasChatTemplate: true,
    configHash: 'h',
    source: 'local',
    repoId: null,
    isDemo: false,
  });
  assert.deepEqual(
    listModels(db).map((m) => m.name),
    ['tiny2'],
  );
  db.close();
});

test('an invalid status is rejected by the schema, not stored', () => {
  const db = openStore(join(tempDir(), 't.db'));
  assert.throws(
    () => insertRun(db, { name: 'x', status: 'bogus' as never, method: 'lora', modelPath: '/m', config: {}, seed: 1, appVersion: '0', outDir: '/o' }),
    /CHECK constraint/,
  );
  assert.equal(listRuns(db).length, 0);
  db.close();
});

test('runs: a run whose config has a grpo part lists as a GRPO run; the others as SFT', () => {
  const db = openStore(join(tempDir(), 'objective.db'));
  const base = { method: 'lora' as const, modelPath: '/m', seed: 1, appVersion: '0.1.0', outDir: '/o' };
  const sft = insertRun(db, { ...base, name: 'sft', config: { lr: 2e-4 } });
  const grpo = insertRun(db, { ...base, name: 'grpo', config: { lr: 1e-5, grpo: { numGenerations: 4 } } });
  const objectives = Object.fromEntries(listRuns(db).map((r) => [r.id, r.objective]));
  assert.deepEqual(objectives, { [sft]: 'sft', [grpo]: 'grpo' });
  assert.equal(getRun(db, grpo)?.objective, 'grpo');
  db.close();
});
