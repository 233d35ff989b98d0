import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { migrate, schemaVersion } from '../migration';
import { migrations } from './index';
import { evalPredictions, evalRunsOf, recordEvalRun } from '../queries/eval-runs';

test('migration 006: an eval from before v6 reads back with no thinking; budget forcing round-trips on the run and each prediction', () => {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  migrate(db, migrations.slice(0, 5), ':memory:');
  db.prepare(
    "INSERT INTO evals (run_id, step, kind, model_path, adapter_path, split, metric_mode, loss, metrics_json, examples) VALUES (NULL, NULL, 'eval', '/m', NULL, 'all', 'sacrebleu', 1.5, '{\"f1\":50}', 1)",
  ).run();
  db.prepare("INSERT INTO eval_predictions (eval_id, idx, prompt, prediction, reference, scores_json) VALUES (1, 0, 'p', 'a', 'r', NULL)").run();
  assert.deepEqual(migrate(db, migrations, ':memory:'), [6]);
  assert.equal(schemaVersion(db), 6);
  assert.equal(evalRunsOf(db, null)[0].thinking, null);
  assert.equal(evalPredictions(db, 1)[0].thinking, null);

  const used = { budget: 64, maxWaits: 2, tokens: 64, waits: 1, forcedClose: true };
  const summary = { budget: 64, maxWaits: 2, meanTokens: 64, waits: 1, forcedCloses: 1 };
  const { evalId } = recordEvalRun(db, {
    modelPath: '/m',
    adapterPath: null,
    split: 'all',
    metricMode: 'sacrebleu',
    loss: null,
    metrics: {},
    examples: 1,
    thinking: summary,
    predictions: [{ prompt: 'p', prediction: 'a', reference: 'r', scores: null, thinking: used }],
  });
  assert.deepEqual(evalRunsOf(db, null).find((e) => e.id === evalId)!.thinking, summary);
  assert.deepEqual(evalPredictions(db, evalId)[0].thinking, used);
  db.close();
});
