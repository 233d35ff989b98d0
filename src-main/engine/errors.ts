/**
 * The errors the engine throws, and how they cross a process boundary. The app's ../errors.ts
 * re-exports all of this (and adds the memory planner's options), so there is one UserError class
 * and `instanceof` holds everywhere; it lives here so that the engine imports nothing from outside
 * its folder.
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

/**
 * How an allocation failure reads on each backend: V8 typed arrays (tfjs cpu), the wasm heap
 * (emscripten's abort), WebGPU (GPUOutOfMemoryError, Dawn's allocation errors) and CUDA/ggml.
 */
const ALLOCATION_FAILURE = [
  /Array buffer allocation failed/i,
  /Invalid typed array length/i,
  /Cannot enlarge memory/i,
  /Aborted\(OOM\)/,
  /\bout of memory\b/i,
  /\bOOM\b/,
  /WebAssembly\.Memory\(\): could not allocate/i,
  /(failed|unable) to allocate/i,
  /allocation (failed|failure)/i,
];

export function isAllocationFailure(err: unknown): boolean {
  const name = (err as Error | undefined)?.name ?? '';
  if (name === 'GPUOutOfMemoryError') return true;
  const message = err instanceof Error ? err.message : String(err);
  return ALLOCATION_FAILURE.some((re) => re.test(message));
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof UserError) return { name: err.name, message: err.message, kind: err.kind };
  const kind: ErrorKind = isAllocationFailure(err) ? 'oom' : 'internal';
  if (err instanceof Error) return { name: err.name, message: err.message, kind };
  return { name: 'Error', message: String(err), kind };
}

export function isUserError(err: unknown): err is UserError {
  return err instanceof UserError;
}
