/**
 * Errors a user can cause, and how they cross every boundary (CLI, IPC, worker).
 *
 * A UserError renders as one line: what was wrong, where (file, line, field), and what to do.
 * The CLI exits 1 on a UserError and 2 on anything else.
 */

export type ErrorKind = 'user' | 'oom' | 'nan' | 'bad-data' | 'device-lost' | 'internal';

export interface UserErrorDetails {
  /** Where the problem is: a file path, optionally with `:line`, and/or a field name. */
  where?: string;
  /** What the user should do about it. */
  hint?: string;
  kind?: ErrorKind;
}

export class UserError extends Error {
  override readonly name = 'UserError';
  readonly where?: string;
  readonly hint?: string;
  readonly kind: ErrorKind;

  constructor(what: string, details: UserErrorDetails = {}) {
    super(formatOneLine(what, details));
    this.where = details.where;
    this.hint = details.hint;
    this.kind = details.kind ?? 'user';
  }
}

function formatOneLine(what: string, { where, hint }: UserErrorDetails): string {
  const parts = [where ? `${where}: ${what}` : what];
  if (hint) parts.push(hint);
  return parts.join(' — ').replace(/\s*\n\s*/g, ' ');
}

/** Structured error as it crosses process boundaries (`{name, message, kind}`). */
export interface SerializedError {
  name: string;
  message: string;
  kind: ErrorKind;
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof UserError) return { name: err.name, message: err.message, kind: err.kind };
  if (err instanceof Error) return { name: err.name, message: err.message, kind: 'internal' };
  return { name: 'Error', message: String(err), kind: 'internal' };
}

export function isUserError(err: unknown): err is UserError {
  return err instanceof UserError;
}
