/**
 * How a run's end is told and kept: the error of a worker that died without saying done or error
 * (its run is left interrupted, resumable from the last checkpoint), and the end written to the
 * store, where a store that refuses it turns a completed or stopped run into a failed one.
 */
import type { RunError, RunStatus } from '../../src-shared/dto/runs';
import { INTERRUPTION_NAMES } from '../../src-shared/run-interruption';
import { storageError } from '../storage-errors';
import type { Db } from '../store/db';
import { markInterrupted, recordRunEnded } from '../store/queries/run-lifecycle';
import type { WorkerExit } from '../workers/worker-client';

export interface RunEnd {
  status: RunStatus;
  adapterPath?: string | null;
  error?: RunError;
  peakMemoryBytes?: number | null;
}

/** The end as this process saw it, whether or not the store took it. */
export interface RunEnding {
  status: RunStatus;
  error: RunError | null;
}

/** What a worker's unexpected exit means to its run; `checkpointStep` is the newest kept checkpoint's, if any. */
export function interruptionOf(exit: WorkerExit, at: { runId: number; lastStep: number; checkpointStep: number | null }): RunError {
  const how =
    exit.reason === 'unresponsive'
      ? 'stopped answering and was killed'
      : exit.reason === 'spawn-failed'
        ? `could not start (${exit.detail ?? 'unknown reason'})`
        : `exited unexpectedly (${exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`})`;
  const from = at.checkpointStep !== null ? `checkpoint step ${at.checkpointStep}` : 'the start';
  return {
    name: exit.reason === 'unresponsive' ? INTERRUPTION_NAMES.unresponsive : INTERRUPTION_NAMES.exited,
    kind: 'internal',
    message: `the training worker ${how} after step ${at.lastStep}; resume from ${from} with \`tuneloom runs resume ${at.runId}\``,
  };
}

/** Writes the run's end to the store and returns the end that holds: a run whose end is not in the store is not done. */
export function recordEnding(db: Db, runId: number, end: RunEnd): RunEnding {
  let status = end.status;
  let error = end.error ?? null;
  try {
    if (status === 'interrupted') markInterrupted(db, runId, error!);
    else recordRunEnded(db, runId, { status, adapterPath: end.adapterPath, error, peakMemoryBytes: end.peakMemoryBytes ?? null });
  } catch (err) {
    const storage = storageError(err, {
      action: `recording the end of run ${runId}`,
      where: db.name,
      then: `resume it with \`tuneloom runs resume ${runId}\``,
    });
    // A run whose end is not in the store is not done: it failed on the store.
    if (storage && (status === 'completed' || status === 'stopped')) {
      status = 'failed';
      error = { name: 'UserError', kind: 'user', message: storage.message };
    } else if (!storage) {
      process.stderr.write(`tuneloom: could not record the end of run ${runId}: ${(err as Error).message}\n`);
    }
  }
  return { status, error };
}
