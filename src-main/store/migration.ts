/**
 * Migration runner: one numbered migration per schema version, each applied in its own transaction that
 * also bumps `user_version`, so a crash mid-migration leaves the previous version intact. Versions only go
 * up; a database written by a newer Tuneloom is refused rather than guessed at.
 */
import type Database from 'better-sqlite3';
import { UserError } from '../errors';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function checkMigrationList(migrations: Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration list out of order: position ${i + 1} holds version ${m.version} (${m.name})`);
  });
}

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Applies every migration newer than the database; returns the versions applied. */
export function migrate(db: Database.Database, migrations: Migration[], file: string): number[] {
  checkMigrationList(migrations);
  const latest = migrations.length;
  const current = schemaVersion(db);
  if (current > latest) {
    throw new UserError(`the store was written by a newer Tuneloom (schema v${current}, this version knows v${latest})`, {
      where: file,
      hint: 'update Tuneloom, or pass --db with another store file',
    });
  }
  const applied: number[] = [];
  for (const m of migrations.slice(current)) {
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
    applied.push(m.version);
  }
  return applied;
}
