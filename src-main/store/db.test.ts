import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from './db';
import { migrate, schemaVersion, type Migration } from './migration';
import { migrations } from './migrations/index';
import { resolveStorePath, tuneloomHome } from './paths';
import { tempDir } from '../test-support/paths';
import { UserError } from '../errors';

test('a new store is migrated to the latest version, in WAL with foreign keys', () => {
  const file = join(tempDir(), 'sub', 'tuneloom.db');
  const db = openStore(file);
  assert.equal(schemaVersion(db), migrations.length);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
  assert.equal(db.pragma('busy_timeout', { simple: true }), 5000);
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
  for (const t of ['models', 'datasets', 'runs', 'metrics', 'samples', 'checkpoints', 'evals', 'exports']) assert.ok(tables.includes(t), t);
  db.close();
  // Re-opening applies nothing and keeps the version.
  const again = openStore(file);
  assert.equal(schemaVersion(again), migrations.length);
  again.close();
});

test('migration 001 creates every table with the columns features need', () => {
  const db = new Database(':memory:');
  migrate(db, migrations.slice(0, 1), ':memory:');
  const cols = (t: string) => (db.prepare(`PRAGMA table_info(${t})`).all() as { name: string }[]).map((c) => c.name);
  assert.deepEqual(
    [
      'id',
      'status',
      'method',
      'model_path',
      'model_config_hash',
      'dataset_sha256',
      'config_json',
      'seed',
      'backend',
      'app_version',
      'gpu_json',
      'out_dir',
      'error_json',
    ].filter((c) => !cols('runs').includes(c)),
    [],
  );
  assert.deepEqual(cols('metrics').slice(0, 3), ['run_id', 'step', 'loss']);
  assert.ok(cols('checkpoints').includes('eval_loss'));
  assert.ok(cols('datasets').includes('sha256'));
});

test('a failing migration rolls back and leaves user_version unchanged', () => {
  const db = new Database(':memory:');
  const bad: Migration[] = [
    { version: 1, name: 'ok', sql: 'CREATE TABLE a (x INTEGER);' },
    { version: 2, name: 'broken', sql: 'CREATE TABLE b (y INTEGER); INSERT INTO nope VALUES (1);' },
  ];
  assert.throws(() => migrate(db, bad, ':memory:'), /no such table: nope/);
  assert.equal(schemaVersion(db), 1);
  assert.equal((db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name='b'").get() as { n: number }).n, 0);
});

test('migrations out of order are rejected', () => {
  const db = new Database(':memory:');
  assert.throws(() => migrate(db, [{ version: 2, name: 'x', sql: '' }], ':memory:'), /out of order/);
});

test('a store from a newer Tuneloom is refused with one line', () => {
  const file = join(tempDir(), 'future.db');
  const raw = new Database(file);
  raw.pragma(`user_version = ${migrations.length + 5}`);
  raw.close();
  assert.throws(
    () => openStore(file),
    (err: unknown) => err instanceof UserError && /newer Tuneloom/.test(err.message) && err.message.includes(file) && !err.message.includes('\n'),
  );
});

test('a read-only store file is refused with one line', () => {
  const file = join(tempDir(), 'ro.db');
  openStore(file).close();
  chmodSync(file, 0o444);
  assert.throws(
    () => openStore(file),
    (err: unknown) => err instanceof UserError && /read-only/.test(err.message),
  );
});

test('a file that is not a database is refused', () => {
  const file = join(tempDir(), 'junk.db');
  writeFileSync(file, 'this is not sqlite, just some text that is long enough to have a header'.repeat(10));
  assert.throws(
    () => openStore(file),
    (err: unknown) => err instanceof UserError && /not a Tuneloom store/.test(err.message),
  );
});

test('the store lives in $TUNELOOM_HOME, ~/.tuneloom by default, --db wins', () => {
  assert.equal(resolveStorePath(undefined, { TUNELOOM_HOME: '/x/y' }), '/x/y/tuneloom.db');
  assert.match(tuneloomHome({}), /\.tuneloom$/);
  assert.equal(resolveStorePath('/a/b.db', { TUNELOOM_HOME: '/x' }), '/a/b.db');
});
