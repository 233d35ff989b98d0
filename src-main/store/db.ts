/**
 * Opens the experiment store: SQLite through better-sqlite3, WAL, foreign keys, busy_timeout, migrated to
 * the latest schema. The main process is the only writer; workers never open it.
 * `synchronous=NORMAL` suits the per-step metric batches; writes that must survive power loss (run state,
 * checkpoints) go through `durably()`, which switches to FULL for that transaction.
 */
import Database from 'better-sqlite3';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from '../errors';
import { makeDirs } from '../safe-dirs';
import { storageError } from '../storage-errors';
import { migrate } from './migration';
import { migrations } from './migrations/index';

export type Db = Database.Database;

export interface OpenOptions {
  readonly?: boolean;
}

export function openStore(file: string, opts: OpenOptions = {}): Db {
  if (!opts.readonly) {
    makeDirs(dirname(file), { what: 'the store folder', hint: 'set TUNELOOM_HOME or --db to a writable place' });
    if (!existsSync(file)) {
      // better-sqlite3 says only "unable to open database file" for a folder it cannot write in.
      try {
        accessSync(dirname(file), constants.W_OK);
      } catch (err) {
        throw (
          storageError(err, { action: 'creating the store', where: file }) ??
          new UserError(`cannot create the store here (${(err as NodeJS.ErrnoException).code})`, {
            where: file,
            hint: 'set TUNELOOM_HOME or --db to a writable place',
          })
        );
      }
    } else {
      if (!isWritable(file)) {
        throw new UserError('the store file is read-only', { where: file, hint: 'make it writable (chmod u+w) or pass --db with another file' });
      }
    }
  }
  let db: Db;
  try {
    db = new Database(file, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
  } catch (err) {
    throw new UserError(`cannot open the store (${(err as Error).message})`, {
      where: file,
      hint: 'check the path and its permissions, or pass --db with another file',
    });
  }
  try {
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    if (!opts.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    const header = db.prepare('SELECT count(*) AS n FROM sqlite_master').get() as { n: number };
    void header; // touching sqlite_master rejects a file that is not a database right here
    if (opts.readonly) return db;
    migrate(db, migrations, file);
    return db;
  } catch (err) {
    db.close();
    if (err instanceof UserError) throw err;
    const storage = storageError(err, { action: 'opening the store', where: file });
    if (storage) throw storage;
    const msg = (err as Error).message;
    if (/not a database|file is encrypted/i.test(msg)) {
      throw new UserError('this file is not a Tuneloom store (not an SQLite database)', {
        where: file,
        hint: 'pass --db with a .db file Tuneloom created, or a new path',
      });
    }
    if (/readonly/i.test(msg)) {
      throw new UserError('the store file is read-only', { where: file, hint: 'make it writable or pass --db with another file' });
    }
    throw err;
  }
}

/** Root passes access(2) on any file, so the owner's write bit is checked too: a user who made the store read-only meant it. */
function isWritable(file: string): boolean {
  try {
    accessSync(file, constants.W_OK);
  } catch {
    return false;
  }
  return (statSync(file).mode & 0o200) !== 0;
}

/** Runs `fn` in one transaction with synchronous=FULL, for rows that must survive a power cut. */
export function durably<T>(db: Db, fn: () => T): T {
  db.pragma('synchronous = FULL');
  try {
    return db.transaction(fn)();
  } finally {
    db.pragma('synchronous = NORMAL');
  }
}
