import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { checkMigrationList, migrate, schemaVersion } from '../migration';
import { migrations } from './index';

test('the migration list is numbered 1..n in order, each with its own name', () => {
  assert.doesNotThrow(() => checkMigrationList(migrations));
  assert.deepEqual(
    migrations.map((m) => m.version),
    migrations.map((_, i) => i + 1),
  );
  assert.equal(new Set(migrations.map((m) => m.name)).size, migrations.length);
  for (const m of migrations) assert.ok(m.sql.trim().length > 0, `migration ${m.version} has SQL`);
});

test('an empty store goes through every migration once, in order; a second run applies nothing', () => {
  const db = new Database(':memory:');
  assert.deepEqual(
    migrate(db, migrations, ':memory:'),
    migrations.map((m) => m.version),
  );
  assert.equal(schemaVersion(db), migrations.length);
  assert.deepEqual(migrate(db, migrations, ':memory:'), []);
  assert.equal(schemaVersion(db), migrations.length);
  db.close();
});

test('migrating step by step gives the same schema as migrating at once', () => {
  const schema = (db: Database.Database): unknown[] =>
    db.prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name").all();
  const atOnce = new Database(':memory:');
  migrate(atOnce, migrations, ':memory:');
  const stepwise = new Database(':memory:');
  for (let n = 1; n <= migrations.length; n++) assert.deepEqual(migrate(stepwise, migrations.slice(0, n), ':memory:'), [n]);
  assert.deepEqual(schema(stepwise), schema(atOnce));
  atOnce.close();
  stepwise.close();
});
