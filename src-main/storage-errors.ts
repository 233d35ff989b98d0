/**
 * A full disk, a quota or a read-only file system, from Node (ENOSPC, EDQUOT, EROFS) or from SQLite
 * (SQLITE_FULL, SQLITE_READONLY*): these are the user's to fix, so they become one line with a hint,
 * never an internal error with a stack trace. Everything else is left as it is.
 */
import { UserError } from './errors';

export type StorageProblem = 'full' | 'read-only';

export function storageProblem(err: unknown): StorageProblem | null {
  const code = String((err as { code?: unknown } | null)?.code ?? '');
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL') return 'full';
  if (code === 'EROFS' || code.startsWith('SQLITE_READONLY')) return 'read-only';
  // SQLite reports a write that hit ENOSPC in its I/O layer as an I/O error whose text says so.
  if (code.startsWith('SQLITE_IOERR') && /disk is full|no space/i.test((err as Error).message)) return 'full';
  return null;
}

/**
 * `action` says what failed ("writing checkpoint 8"), `where` the file or folder, `then` what to do
 * once space is free (e.g. how to resume). Returns null when the error is not a storage problem.
 */
export function storageError(err: unknown, o: { action: string; where: string; then?: string }): UserError | null {
  const problem = storageProblem(err);
  if (!problem) return null;
  const code = String((err as { code?: unknown }).code);
  const then = o.then ? `, then ${o.then}` : '';
  return problem === 'full'
    ? new UserError(`${o.action} failed: the disk is full (${code})`, { where: o.where, hint: `free some space${then}` })
    : new UserError(`${o.action} failed: the file system is read-only (${code})`, {
        where: o.where,
        hint: `make it writable or choose a folder on another disk${then}`,
      });
}
