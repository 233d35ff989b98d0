import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { migrate, schemaVersion } from '../migration';
import { migrations } from './index';
import { migration004 } from './004-checkpoint-files';

test('migration 004 adds checkpoint file hashes to a v3 store; old rows keep theirs as NULL', () => {
  const db = new Database(':memory:');
  const v3 = migrations.filter((m) => m.version <= 3);
  migrate(db, v3, ':memory:');
  db.prepare(
    "INSERT INTO runs (id, name, status, method, model_path, config_json, seed, app_version, out_dir) VALUES (1, 'old', 'interrupted', 'lora', '/m', '{}', 1, '0', '/o')",
  ).run();
  db.prepare("INSERT INTO checkpoints (run_id, step, path, bytes, kept) VALUES (1, 4, '/o/checkpoint-4', 10, 1)").run();
  assert.deepEqual(migrate(db, [...v3, migration004], ':memory:'), [4]);
  assert.equal(schemaVersion(db), 4);
  assert.deepEqual(db.prepare('SELECT step, files_json FROM checkpoints').get(), { step: 4, files_json: null });
  db.close();
});
