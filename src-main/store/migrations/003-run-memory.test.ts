import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { migrate, schemaVersion } from '../migration';
import { migrations } from './index';
import { migration003 } from './003-run-memory';
import { getRun } from '../queries/runs';
import { recordRunEnded, recordRunStarted } from '../queries/run-lifecycle';

test('migration 003 adds the memory estimate and measured peak to a v2 store; old runs keep both as NULL', () => {
  const db = new Database(':memory:');
  const v2 = migrations.filter((m) => m.version <= 2);
  migrate(db, v2, ':memory:');
  db.prepare(
    "INSERT INTO runs (id, name, status, method, model_path, config_json, seed, app_version, out_dir, last_step) VALUES (1, 'old', 'completed', 'lora', '/m', '{\"lr\":1}', 1, '0', '/o', 7)",
  ).run();
  assert.deepEqual(migrate(db, [...v2, migration003], ':memory:'), [3]);
  assert.equal(schemaVersion(db), 3);
  const cols = (db.prepare('PRAGMA table_info(runs)').all() as { name: string; type: string }[]).map((c) => `${c.name} ${c.type}`);
  for (const c of ['memory_estimate_json TEXT', 'peak_memory_bytes INTEGER']) assert.ok(cols.includes(c), c);
  assert.deepEqual(db.prepare('SELECT name, last_step, config_json, memory_estimate_json, peak_memory_bytes FROM runs').get(), {
    name: 'old',
    last_step: 7,
    config_json: '{"lr":1}',
    memory_estimate_json: null,
    peak_memory_bytes: null,
  });
  assert.deepEqual(migrate(db, [...v2, migration003], ':memory:'), [], 'a v3 store is up to date');
  db.close();
});

test('migration 003: a pre-v3 run reads back with no estimate; a new one round-trips its estimate and peak', () => {
  const db = new Database(':memory:');
  migrate(db, migrations.slice(0, 2), ':memory:');
  db.prepare(
    "INSERT INTO runs (id, name, status, method, model_path, config_json, seed, app_version, out_dir) VALUES (1, 'old', 'running', 'lora', '/m', '{}', 1, '0', '/o')",
  ).run();
  migrate(db, migrations, ':memory:');
  const old = getRun(db, 1)!;
  assert.equal(old.memoryEstimate, null);
  assert.equal(old.peakMemoryBytes, null);
  const estimate = { bytes: 123456, batch: 2, seqLen: 64 };
  recordRunStarted(db, 1, { backend: 'cpu', gpu: null, totalSteps: 10, memoryEstimate: estimate });
  recordRunEnded(db, 1, { status: 'completed', peakMemoryBytes: 99999.6 });
  const run = getRun(db, 1)!;
  assert.deepEqual(run.memoryEstimate, estimate);
  assert.equal(run.peakMemoryBytes, 100000);
  db.close();
});
