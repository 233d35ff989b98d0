import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { migrate, schemaVersion } from '../migration';
import { migration001 } from './001-initial';

const TABLES = ['checkpoints', 'datasets', 'eval_predictions', 'evals', 'exports', 'metrics', 'models', 'run_logs', 'runs', 'samples', 'settings'];

const names = (db: Database.Database, type: 'table' | 'index'): string[] =>
  (db.prepare(`SELECT name FROM sqlite_master WHERE type = ? AND name NOT LIKE 'sqlite_%' ORDER BY name`).all(type) as { name: string }[]).map((r) => r.name);

const insertRun = (db: Database.Database, status = 'running'): number =>
  Number(
    db
      .prepare("INSERT INTO runs (name, status, method, model_path, config_json, seed, app_version, out_dir) VALUES ('r', ?, 'lora', '/m', '{}', 1, '0', '/o')")
      .run(status).lastInsertRowid,
  );

test('migration 001 turns an empty file into the v1 schema: every table and index, defaults filled in', () => {
  const db = new Database(':memory:');
  assert.equal(schemaVersion(db), 0);
  assert.deepEqual(migrate(db, [migration001], ':memory:'), [1]);
  assert.equal(schemaVersion(db), 1);
  assert.deepEqual(names(db, 'table'), TABLES);
  assert.deepEqual(names(db, 'index'), ['datasets_sha', 'evals_run', 'runs_status']);
  const id = insertRun(db);
  const run = db.prepare('SELECT last_step, created_at, updated_at FROM runs WHERE id = ?').get(id) as Record<string, unknown>;
  assert.equal(run.last_step, 0);
  assert.match(String(run.created_at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(run.updated_at, run.created_at);
  db.prepare("INSERT INTO models (path, name, family) VALUES ('/m', 'm', 'qwen2')").run();
  assert.deepEqual(db.prepare('SELECT source, is_demo, has_chat_template FROM models').get(), { source: 'local', is_demo: 0, has_chat_template: 0 });
  db.close();
});

test('migration 001 enforces its constraints: status and method checks, one row per (run, step), cascades', () => {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  migrate(db, [migration001], ':memory:');
  assert.throws(() => insertRun(db, 'exploded'), /CHECK constraint failed/);
  const id = insertRun(db);
  const metric = db.prepare('INSERT INTO metrics (run_id, step, loss, ts) VALUES (?, ?, ?, 0)');
  metric.run(id, 1, 2.5);
  assert.throws(() => metric.run(id, 1, 2.4), /UNIQUE constraint failed: metrics.run_id, metrics.step/);
  db.prepare("INSERT INTO checkpoints (run_id, step, path) VALUES (?, 1, '/o/checkpoint-1')").run(id);
  db.prepare("INSERT INTO run_logs (run_id, seq, ts, level, message) VALUES (?, 0, 0, 'info', 'hi')").run(id);
  db.prepare('DELETE FROM runs WHERE id = ?').run(id);
  for (const t of ['metrics', 'checkpoints', 'run_logs']) assert.equal((db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n, 0, t);
  db.close();
});

test('a v1 store is up to date: migrating again applies nothing and keeps its rows', () => {
  const db = new Database(':memory:');
  migrate(db, [migration001], ':memory:');
  insertRun(db);
  db.prepare("INSERT INTO settings (key, value) VALUES ('theme', 'dark')").run();
  assert.deepEqual(migrate(db, [migration001], ':memory:'), []);
  assert.equal(schemaVersion(db), 1);
  assert.equal((db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n, 1);
  assert.deepEqual(db.prepare('SELECT key, value FROM settings').all(), [{ key: 'theme', value: 'dark' }]);
  db.close();
});
