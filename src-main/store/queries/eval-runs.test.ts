import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../test-support/paths';
import { openStore } from '../db';
import { evalPredictions, evalRunsOf, recordEvalRun, recordExport } from './eval-runs';
import { insertRun } from './runs';

test('eval runs: linked to the run that made the adapter, predictions kept and sortable; base model unlinked', () => {
  const db = openStore(join(tempDir(), 'e.db'));
  const runId = insertRun(db, { name: 'r', method: 'lora', modelPath: '/m', config: {}, seed: 1, appVersion: '0', outDir: '/o' });
  db.prepare('UPDATE runs SET adapter_path = ? WHERE id = ?').run('/o/adapter', runId);
  const preds = [
    { prompt: 'p0', prediction: 'a', reference: 'a', scores: { bleu4: 100 } },
    { prompt: 'p1', prediction: 'b', reference: 'c', scores: { bleu4: 0 } },
  ];
  const after = recordEvalRun(db, {
    modelPath: '/m',
    adapterPath: '/o/adapter',
    split: 'test',
    metricMode: 'sacrebleu',
    loss: 1.5,
    metrics: { bleu4: 50 },
    examples: 2,
    predictions: preds,
  });
  const before = recordEvalRun(db, {
    modelPath: '/m',
    adapterPath: null,
    split: 'test',
    metricMode: 'sacrebleu',
    loss: 2.5,
    metrics: { bleu4: 10 },
    examples: 2,
    predictions: preds,
  });
  assert.equal(after.runId, runId);
  assert.equal(before.runId, null);
  assert.deepEqual(
    evalRunsOf(db, runId).map((e) => [e.id, e.loss, e.metrics.bleu4]),
    [[after.evalId, 1.5, 50]],
  );
  assert.deepEqual(
    evalRunsOf(db, null).map((e) => e.id),
    [before.evalId],
  );
  assert.deepEqual(
    evalPredictions(db, after.evalId, 'bleu4').map((p) => p.idx),
    [1, 0],
  ); // worst first
  const ex = recordExport(db, {
    adapterPath: '/o/adapter',
    modelPath: '/m',
    kind: 'gguf',
    ggufType: 'q8_0',
    outPath: '/x',
    bytes: 10,
    selfCheck: { ok: true },
  });
  assert.equal(ex.runId, runId);
  db.close();
});
