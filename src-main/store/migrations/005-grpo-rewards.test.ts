import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { migrate, schemaVersion } from '../migration';
import { migrations } from './index';
import { grpoStepsAfter, insertGrpoStep } from '../queries/grpo-steps';

test('migration 005: GRPO step rows round-trip, a repeated step replaces its row, deleting the run cascades', () => {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  migrate(db, migrations.slice(0, 4), ':memory:');
  db.prepare(
    "INSERT INTO runs (name, status, method, model_path, config_json, seed, app_version, out_dir) VALUES ('g', 'running', 'lora', '/m', '{}', 1, '0', '/o')",
  ).run();
  assert.deepEqual(migrate(db, migrations.slice(0, 5), ':memory:'), [5]);
  assert.equal(schemaVersion(db), 5);
  const row = {
    step: 1,
    meanReward: 0.5,
    rewardStd: 0.25,
    rewards: { format: 0.5 },
    kl: 0.01,
    completionLength: 12,
    correctFraction: null,
    completions: [{ prompt: 'p', completion: 'c', reward: 1, parts: { format: 1 }, advantage: 0.8 }],
  };
  insertGrpoStep(db, 1, row);
  insertGrpoStep(db, 1, { ...row, meanReward: 0.75 });
  insertGrpoStep(db, 1, { ...row, step: 2, correctFraction: 0.5 });
  assert.deepEqual(grpoStepsAfter(db, 1, 0), [
    { ...row, meanReward: 0.75 },
    { ...row, step: 2, correctFraction: 0.5 },
  ]);
  assert.deepEqual(grpoStepsAfter(db, 1, 1, false), [{ ...row, step: 2, correctFraction: 0.5, completions: [] }]);
  db.prepare('DELETE FROM runs').run();
  assert.equal((db.prepare('SELECT count(*) AS n FROM grpo_steps').get() as { n: number }).n, 0);
  db.close();
});
