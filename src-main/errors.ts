/**
 * Errors a user can cause, and how they cross every boundary (CLI, IPC, worker).
 *
 * The UserError class, its one-line rendering and serializeError are the engine's
 * (engine/errors.ts), re-exported here so there is one class; the app adds what the memory planner
 * attaches to an out-of-memory error.
 */
import type { PlanSuggestionKey } from '../src-shared/dto/plan';
import type { SerializedError as EngineSerializedError } from './engine/errors';

export { UserError, isUserError, isAllocationFailure, serializeError, type ErrorKind, type UserErrorDetails } from './engine/errors';

/** One of the memory planner's changes, with the estimated total it gives (as the wizard lists them). */
export interface MemoryOption {
  key: PlanSuggestionKey;
  value?: number;
  totalBytes: number;
}

/** Structured error as it crosses process boundaries (`{name, message, kind}`), as the app sends it. */
export interface SerializedError extends EngineSerializedError {
  /** For `oom`: the planner's concrete changes for this run, smallest first. */
  options?: MemoryOption[];
}
