import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { migrate, schemaVersion } from '../migration';
import { migration001 } from './001-initial';
import { migration002 } from './002-run-owner';

test('migration 002 adds run ownership to a v1 store and keeps its rows', () => {
  const db = new Database(':memory:');
  migrate(db, [migration001], ':memory:');
  db.prepare(
    "INSERT INTO runs (name, status, method, model_path, config_json, seed, app_version, out_dir) VALUES ('old', 'running', 'lora', '/m', '{}', 1, '0', '/o')",
  ).run();
  assert.deepEqual(migrate(db, [migration001, migration002], ':memory:'), [2]);
  assert.equal(schemaVersion(db), 2);
  const cols = (db.prepare('PRAGMA table_info(runs)').all() as { name: string }[]).map((c) => c.name);
  for (const c of ['owner_pid', 'owner_host', 'heartbeat_at', 'resume_count']) assert.ok(cols.includes(c), c);
  const row = db.prepare('SELECT name, owner_pid, resume_count FROM runs').get() as { name: string; owner_pid: number | null; resume_count: number };
  assert.deepEqual(row, { name: 'old', owner_pid: null, resume_count: 0 }, 'a v1 run has no owner: start-up recovery treats it as interrupted');
  db.close();
});
