/**
 * One supervised run in the foreground of a CLI process: the worker's events reach the caller as the
 * trainer's TrainEvents (for the same printing as an in-process run), Ctrl-C stops at the next step
 * boundary with a checkpoint (a second Ctrl-C kills the worker), and the run's end becomes the CLI's
 * outcome: completed/stopped return the done event; a failure the user can fix throws a UserError
 * (exit 1, one line); an internal failure or a crashed worker throws an Error (exit 2).
 */
import type { DoneEvent, TrainEvent } from '../engine/train/train-events';
import { UserError } from '../errors';
import type { ErrorKind } from '../errors';
import type { Db } from '../store/db';
import { latestCheckpoint } from '../store/queries/checkpoints';
import { getRun } from '../store/queries/runs';
import type { RunSupervisor } from './supervisor';
import { toTrainEvent } from './train-event-bridge';

export interface ForegroundHooks {
  emit(event: TrainEvent): void;
  /** Where the Ctrl-C notice goes. */
  notice(line: string): void;
}

export async function superviseInForeground(sup: RunSupervisor, db: Db, runId: number, hooks: ForegroundHooks): Promise<DoneEvent> {
  const method = getRun(db, runId)?.method ?? 'lora';
  let done: DoneEvent | null = null;
  const off = sup.observe(runId, (e) => {
    const te = toTrainEvent(e, { runId, method, lastCheckpoint: () => latestCheckpoint(db, runId)?.path ?? null });
    if (!te) return;
    if (te.type === 'done') done = te;
    hooks.emit(te);
  });
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts += 1;
    if (interrupts > 1) return sup.kill(runId);
    hooks.notice(`stopping run ${runId} at the next step (a checkpoint is written); press Ctrl-C again to kill the worker`);
    try {
      sup.stop(runId);
    } catch {
      /* already ending */
    }
  };
  process.on('SIGINT', onSigint);
  try {
    const status = await sup.waitForEnd(runId);
    const run = getRun(db, runId)!;
    if (status === 'completed' || status === 'stopped') {
      return done ?? { type: 'done', runId: String(runId), reason: status, step: run.lastStep, adapter: run.adapterPath ?? '', losses: [] };
    }
    // The supervisor's own record first: when the store could not be written, the row is stale.
    const error = sup.endingOf(runId)?.error ?? run.error ?? { name: 'Error', message: `run ${runId} ended ${status}`, kind: 'internal' };
    if (status === 'failed' && error.kind !== 'internal') throw new UserError(error.message, { kind: error.kind as ErrorKind });
    throw new Error(`run ${runId} ${status}: ${error.message}`);
  } finally {
    off();
    process.off('SIGINT', onSigint);
  }
}
